// sys/netinet/tcp_syncache.c, tcp_syncache.h: the SYN cache and SYN
// cookies.  A SYN for a listening socket makes a small syncache entry (not
// a socket) in a hash of buckets, answered with a SYN|ACK that a per-bucket
// timer retransmits; the ACK that completes the handshake turns the entry
// into a socket on the listen queue, in SYN_RECEIVED (tcp_do_segment takes
// it to ESTABLISHED).  SYN cookies (net.inet.tcp.syncookies, on by
// default) encode the SYN's MSS, window scale and SACK in our ISS with a
// SipHash-2-4 MAC of the connection and one of two secrets rotated every
// 15 s, so a returning ACK can rebuild an entry the cache dropped (or
// never kept: net.inet.tcp.syncookies_only, or while a bucket overflow
// paused the cache).  Everything is per vnet.
//
// Departures: no TCP Fast Open, TCP-MD5, UDP tunnelling, TOE, MAC labels or
// ECN in the handshake; entries are objects from a per-vnet count limit
// (cachelimit) rather than a UMA zone; the MAC's "secmod" (the bucket's
// address in FreeBSD) is the bucket's index; no debug logging.

import { EINVAL, ENOBUFS } from "../kern/errno.ts";
import { KASSERT, log, printf } from "../kern/subr_prf.ts";
import { TUNABLE_DECLARE, TUNABLE_INT_FETCH } from "../kern/kern_environment.ts";
import { MT_DATA, M_SETFIB, type mbuf } from "../kern/mbuf.ts";
import { m_free, m_freem, m_gethdr } from "../kern/kern_mbuf.ts";
import { max_linkhdr } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { arc4random, arc4random_buf } from "../kern/arc4random.ts";
import { callout, callout_deactivate, callout_drain, callout_init, callout_pending, callout_reset, hz, ticks, time_uptime } from "../kern/kern_timeout.ts";
import { cred0 } from "../kern/kern_jail.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { AF_INET, AF_INET6 } from "../kern/socket.ts";
import { CTLFLAG_NOFETCH, CTLFLAG_RD, CTLFLAG_RDTUN, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_INT, CTLTYPE_UINT, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, SYSCTL_PROC, kvar_of, sysctl_handle_int, sysctl_handle_uint, type kvar } from "../kern/sysctl.ts";
import { SS_ISCONNECTED, sb_max_get, sodealloc, solisten_clone, solisten_enqueue, type socket } from "../kern/uipc_socket.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_INT, VNET_I32, VNET_IS_SHUTTING_DOWN, VNET_PTR, VNET_PTR_SET, VNET_DEFINE_PTR, curvnet, type vnet } from "../net/vnet.ts";
import { in6_addr_copy, sockaddr_in6, IN6_ARE_ADDR_EQUAL } from "../netinet6/in6_var.ts";
import { CSUM_TCP_IPV6 } from "../netinet6/ip6_var.ts";
import { in6_cksum_pseudo } from "../netinet6/in6_cksum.ts";
import { in6_selecthlim } from "../netinet6/in6_src.ts";
import { ip6_output, ip6_randomflowlabel } from "../netinet6/ip6_output.ts";
import { in6_pcbconnect } from "../netinet6/in6_pcb.ts";
import { IN6P_AUTOFLOWLABEL } from "../netinet6/ip6_var.ts";
import { CSUM_TCP } from "../kern/mbuf.ts";
import { INADDR_ANY, IPPROTO_TCP, sockaddr_in } from "./in.ts";
import { in_pseudo } from "./in_cksum.ts";
import { IPH_DST, IPH_LEN, IPH_OFF, IPH_P, IPH_SRC, IPH_TOS, IPH_TTL, IPH_VHL, IPVERSION, IP_DF, IP_HDRLEN } from "./ip.ts";
import { IP6_HDR_LEN, IP6_OFF_DST, IP6_OFF_FLOW, IP6_OFF_HLIM, IP6_OFF_NXT, IP6_OFF_PLEN, IP6_OFF_SRC, IPV6_FLOWLABEL_MASK, IPV6_VERSION } from "./ip6.ts";
import { ip_output } from "./ip_output.ts";
import { ip_srcroute } from "./ip_options.ts";
import { INC_ISIPV6, INP_CONTROLOPTS, INP_IPV4, INP_IPV6, INP_IPV6PROTO, in_conninfo, in_conninfo_clear, in_conninfo_copy, in_endpoints_equal, in_pcballoc, in_pcbconnect, in_pcbfree, sotoinpcb, type inpcb } from "./in_pcb.ts";
import { TCPH_ACK, TCPH_DPORT, TCPH_SEQ, TCPH_SPORT, TCPH_SUM, TCPH_WIN, TCP_HDRLEN, TCP_MAXWIN, TCP_MAX_WINSHIFT, TH_ACK, TH_SYN, tcp_set_flags, th_set_off, type hdrptr } from "./tcp.ts";
import { SEQ_GEQ, SEQ_GT, SEQ_LEQ, SEQ_LT, TSTMP_GT, TSTMP_LT, tcp_rcvseqinit, tcp_sendseqinit, tcp_ts_getticks } from "./tcp_seq.ts";
import { TCPS_SYN_RECEIVED } from "./tcp_fsm.ts";
import {
  TCPSTATES_DEC,
  TCPSTATES_INC,
  TCPSTAT_INC,
  TF_LRD,
  TF_NODELAY,
  TF_NOOPT,
  TF_NOPUSH,
  TF_RCVD_SCALE,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SACK_PERMIT,
  TF_SIGNATURE,
  TF_SONOTCONN,
  TOF_MSS,
  TOF_SACKPERM,
  TOF_SCALE,
  TOF_SIGNATURE,
  TOF_TS,
  _net_inet_tcp,
  intotcpcb,
  path_mtu_discovery,
  sototcpcb,
  tcp_do_rfc1323,
  tcp_insecure_rst,
  tcp_minmss,
  tcp_sc_rst_sock_fail,
  tcp_tolerate_missing_ts,
  tcpopt,
  tcps_accepts,
  tcps_badrst,
  tcps_listendrop,
  tcps_sc_aborted,
  tcps_sc_added,
  tcps_sc_badack,
  tcps_sc_bucketoverflow,
  tcps_sc_completed,
  tcps_sc_dropped,
  tcps_sc_dupsyn,
  tcps_sc_recvcookie,
  tcps_sc_reset,
  tcps_sc_retransmitted,
  tcps_sc_sendcookie,
  tcps_sc_stale,
  tcps_sc_unreach,
  tcps_sc_zonefail,
  tcps_sndacks,
  tcps_sndtotal,
} from "./tcp_var.ts";
import { TCPTV_REXMTMAX, TCP_MAXRXTSHIFT, TCPT_RANGESET, TP_KEEPINIT, tcp_backoff, tcp_rexmit_initial, tcp_rexmit_min, tcp_timer_activate } from "./tcp_timer.ts";
import { TT_KEEP } from "./tcp_var.ts";
import { tcp_addoptions } from "./tcp_output.ts";
import { V_tcbinfo, tcp_new_ts_offset, tcp_newtcpcb } from "./tcp_subr.ts";
import { tcp_mss, tcp_mssopt } from "./tcp_input.ts";
import { jenkins_hash32 } from "../kern/jenkins_hash.ts";
import { SipHash24_fold } from "../crypto/siphash.ts";

// ---------------------------------------------------------------------------
// Knobs.

export const tcp_syncookies = VNET_DEFINE_INT("tcp_syncookies", 1);
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "syncookies", CTLFLAG_VNET | CTLFLAG_RW, tcp_syncookies, 0, "Use TCP SYN cookies if the syncache overflows");

export const tcp_syncookiesonly = VNET_DEFINE_INT("tcp_syncookiesonly", 0);
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "syncookies_only", CTLFLAG_VNET | CTLFLAG_RW, tcp_syncookiesonly, 0, "Use only TCP SYN cookies");


/** SYNCACHE_MAXREXMTS: SYN|ACK retransmissions (about 15.6 s with the defaults). */
const SYNCACHE_MAXREXMTS = 3;
const TCP_SYNCACHE_HASHSIZE = 512;
const TCP_SYNCACHE_BUCKETLIMIT = 30;

// struct syncache sc_flags
export const SCF_NOOPT = 0x01;
export const SCF_WINSCALE = 0x02;
export const SCF_TIMESTAMP = 0x04;
export const SCF_UNREACH = 0x10;
export const SCF_SIGNATURE = 0x20;
export const SCF_SACK = 0x80;

export const SYNCOOKIE_SECRET_SIZE = 16;
/** Seconds a secret lives. */
export const SYNCOOKIE_LIFETIME = 15;
const TCP_SYNCACHE_PAUSE_TIME = SYNCOOKIE_LIFETIME;
const TCP_SYNCACHE_MAX_BACKOFF = 6;

/** struct syncache: a connection half-open in the cache. */
export class syncache {
  readonly sc_inc = new in_conninfo();
  sc_rxttime = 0;
  sc_rxmits = 0;
  sc_port = 0;
  sc_tsreflect = 0;
  sc_tsoff = 0;
  sc_flowlabel = 0;
  sc_irs = 0;
  sc_iss = 0;
  sc_ipopts: mbuf | null = null;
  sc_peer_mss = 0;
  sc_wnd = 0;
  sc_ip_ttl = 0;
  sc_ip_tos = 0;
  sc_requested_s_scale = 0;
  sc_requested_r_scale = 0;
  sc_flags = 0;
  sc_cred: ucred | null = null;
}

/** struct syncache_head: a bucket, with its retransmit timer. */
export class syncache_head {
  readonly sch_bucket: syncache[] = [];
  readonly sch_timer = new callout();
  sch_nextc = 0;
  sch_length = 0;
  sch_last_overflow = 0;
  constructor(
    readonly sch_sc: tcp_syncache,
    /** The bucket's index (the MAC's secmod). */
    readonly sch_idx: number,
  ) {}
}

/** struct tcp_syncache: one vnet's cache. */
export class tcp_syncache {
  hashbase: syncache_head[] = [];
  hashsize = TCP_SYNCACHE_HASHSIZE;
  hashmask = TCP_SYNCACHE_HASHSIZE - 1;
  bucket_limit = TCP_SYNCACHE_BUCKETLIMIT;
  cache_limit = 0;
  /** The entries in use (the zone's count). */
  cache_count = 0;
  rexmt_limit = SYNCACHE_MAXREXMTS;
  hash_secret = 0;
  vnet: vnet | null = null;
  // struct syncookie_secret
  oddeven = 0;
  /** Reseeds since a cookie was last made or checked (see syncookie_reseed). */
  reseed_idle = 0;
  readonly key: [Uint8Array, Uint8Array] = [new Uint8Array(SYNCOOKIE_SECRET_SIZE), new Uint8Array(SYNCOOKIE_SECRET_SIZE)];
  readonly reseed = new callout();
  readonly pause_co = new callout();
  pause_until = 0;
  pause_backoff = 0;
  paused = false;
  see_other = 0;
}

const tcp_syncache_p = VNET_DEFINE_PTR<tcp_syncache | null>("tcp_syncache", null);
function V_tcp_syncache(): tcp_syncache {
  const s = VNET_PTR(tcp_syncache_p);
  KASSERT(s !== null, "V_tcp_syncache: not initialized");
  return s;
}

export const _net_inet_tcp_syncache = SYSCTL_NODE(_net_inet_tcp, OID_AUTO, "syncache", CTLFLAG_RW, null, "TCP SYN cache");

/** A field of the vnet's cache as a sysctl variable (FreeBSD's &VNET_NAME(tcp_syncache.x)). */
function syncache_field(get: (s: tcp_syncache) => number, set: ((s: tcp_syncache, v: number) => void) | null): kvar<number> {
  return {
    get: () => get(V_tcp_syncache()),
    set: (v) => {
      if (set !== null) set(V_tcp_syncache(), v);
    },
  };
}
TUNABLE_DECLARE("net.inet.tcp.syncache.bucketlimit", CTLTYPE_UINT);
TUNABLE_DECLARE("net.inet.tcp.syncache.cachelimit", CTLTYPE_UINT);
TUNABLE_DECLARE("net.inet.tcp.syncache.hashsize", CTLTYPE_UINT);
// The tunables are read by syncache_init (TUNABLE_INT_FETCH), hence CTLFLAG_NOFETCH.
SYSCTL_PROC(_net_inet_tcp_syncache, OID_AUTO, "bucketlimit", CTLTYPE_UINT | CTLFLAG_RDTUN | CTLFLAG_NOFETCH | CTLFLAG_VNET, syncache_field((s) => s.bucket_limit, null), 0, sysctl_handle_uint, "IU", "Per-bucket hash limit for syncache");
SYSCTL_PROC(_net_inet_tcp_syncache, OID_AUTO, "cachelimit", CTLTYPE_UINT | CTLFLAG_RDTUN | CTLFLAG_NOFETCH | CTLFLAG_VNET, syncache_field((s) => s.cache_limit, null), 0, sysctl_handle_uint, "IU", "Overall entry limit for syncache");
SYSCTL_PROC(_net_inet_tcp_syncache, OID_AUTO, "count", CTLTYPE_UINT | CTLFLAG_RD | CTLFLAG_VNET, syncache_field((s) => s.cache_count, null), 0, sysctl_handle_uint, "IU", "Current number of entries in syncache");
SYSCTL_PROC(_net_inet_tcp_syncache, OID_AUTO, "hashsize", CTLTYPE_UINT | CTLFLAG_RDTUN | CTLFLAG_NOFETCH | CTLFLAG_VNET, syncache_field((s) => s.hashsize, null), 0, sysctl_handle_uint, "IU", "Size of TCP syncache hashtable");
SYSCTL_PROC(
  _net_inet_tcp_syncache,
  OID_AUTO,
  "see_other",
  CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_VNET,
  syncache_field(
    (s) => s.see_other,
    (s, v) => {
      s.see_other = v !== 0 ? 1 : 0;
    },
  ),
  0,
  sysctl_handle_int,
  "I",
  "All syncache(4) entries are visible, ignoring UID/GID, jail(2) and mac(4) checks",
);
/** sysctl_net_inet_tcp_syncache_rexmtlimit_check: no more than TCP_MAXRXTSHIFT. */
SYSCTL_PROC(
  _net_inet_tcp_syncache,
  OID_AUTO,
  "rexmtlimit",
  CTLTYPE_UINT | CTLFLAG_RW | CTLFLAG_VNET,
  null,
  0,
  (oidp, _a1, _a2, req) => {
    const nv = kvar_of(V_tcp_syncache().rexmt_limit);
    const error = sysctl_handle_uint(oidp, nv, 0, req);
    if (error !== 0 || req.newval === null) return error;
    if (nv.v > TCP_MAXRXTSHIFT) return EINVAL;
    V_tcp_syncache().rexmt_limit = nv.v;
    return 0;
  },
  "IU",
  "Limit on SYN/ACK retransmissions",
);
SYSCTL_INT(_net_inet_tcp_syncache, OID_AUTO, "rst_on_sock_fail", CTLFLAG_VNET | CTLFLAG_RW, tcp_sc_rst_sock_fail, 0, "Send reset on socket allocation failure");

// ---------------------------------------------------------------------------
// Setup and teardown (called from tcp_init per vnet, and its destroy).

/** syncache_init: the vnet's cache, its buckets and the cookie secrets. */
export function syncache_init(): void {
  const sc = new tcp_syncache();
  VNET_PTR_SET(tcp_syncache_p, sc);
  sc.hashsize = TCP_SYNCACHE_HASHSIZE;
  sc.bucket_limit = TCP_SYNCACHE_BUCKETLIMIT;
  sc.rexmt_limit = SYNCACHE_MAXREXMTS;
  sc.hash_secret = arc4random();
  const t = kvar_of(0);
  if (TUNABLE_INT_FETCH("net.inet.tcp.syncache.hashsize", t)) sc.hashsize = t.v;
  if (TUNABLE_INT_FETCH("net.inet.tcp.syncache.bucketlimit", t)) sc.bucket_limit = t.v;
  if (sc.hashsize <= 0 || (sc.hashsize & (sc.hashsize - 1)) !== 0) {
    printf("WARNING: syncache hash size is not a power of 2.\n");
    sc.hashsize = TCP_SYNCACHE_HASHSIZE;
  }
  sc.hashmask = sc.hashsize - 1;
  sc.cache_limit = sc.hashsize * sc.bucket_limit;
  if (TUNABLE_INT_FETCH("net.inet.tcp.syncache.cachelimit", t)) sc.cache_limit = t.v;
  sc.vnet = VIMAGE ? curvnet : null;
  for (let i = 0; i < sc.hashsize; i++) {
    const sch = new syncache_head(sc, i);
    callout_init(sch.sch_timer, true);
    sch.sch_last_overflow = -(SYNCOOKIE_LIFETIME + 1);
    sc.hashbase.push(sch);
  }
  callout_init(sc.reseed, true);
  arc4random_buf(sc.key[0]);
  arc4random_buf(sc.key[1]);
  // The reseed callout is armed by the first cookie (syncookie_reseed_arm).
  callout_init(sc.pause_co, true);
  sc.pause_until = time_uptime() - TCP_SYNCACHE_PAUSE_TIME;
  sc.pause_backoff = 0;
  sc.paused = false;
}

/** syncache_destroy: stop the timers and drop every entry (vnet teardown). */
export function syncache_destroy(): void {
  const sc = VNET_PTR(tcp_syncache_p);
  if (sc === null) return;
  callout_drain(sc.reseed);
  callout_drain(sc.pause_co);
  for (const sch of sc.hashbase) {
    callout_drain(sch.sch_timer);
    while (sch.sch_bucket.length > 0) syncache_drop(sch.sch_bucket[0], sch);
  }
  VNET_PTR_SET(tcp_syncache_p, null);
}

// ---------------------------------------------------------------------------
// Entries.

/** Freed entries, reused (the syncache zone). */
const syncache_free_list: syncache[] = [];

function syncache_alloc(): syncache | null {
  const cs = V_tcp_syncache();
  if (cs.cache_count >= cs.cache_limit) return null;
  cs.cache_count++;
  const sc = syncache_free_list.pop();
  if (sc === undefined) return new syncache();
  syncache_clear(sc);
  return sc;
}

/** syncache_free: the entry must be out of its bucket already. */
function syncache_free(sc: syncache): void {
  if (sc.sc_ipopts !== null) m_free(sc.sc_ipopts);
  sc.sc_ipopts = null;
  sc.sc_cred = null;
  V_tcp_syncache().cache_count--;
  syncache_free_list.push(sc);
}

/** syncache_insert(sc, sch): into the bucket (the oldest goes when it is full). */
function syncache_insert(sc: syncache, sch: syncache_head): void {
  if (sch.sch_length >= V_tcp_syncache().bucket_limit) {
    syncache_pause(sc.sc_inc);
    const sc2 = sch.sch_bucket[sch.sch_bucket.length - 1];
    sch.sch_last_overflow = time_uptime();
    syncache_drop(sc2, sch);
  }
  // TAILQ_INSERT_HEAD, in place.
  const b = sch.sch_bucket;
  b.push(sc);
  for (let j = b.length - 1; j > 0; j--) b[j] = b[j - 1];
  b[0] = sc;
  sch.sch_length++;
  if (sch.sch_length === 1) sch.sch_nextc = (ticks + 0x7fffffff) | 0;
  syncache_timeout(sc, sch, true);
  TCPSTATES_INC(TCPS_SYN_RECEIVED);
  TCPSTAT_INC(tcps_sc_added);
}

/** syncache_drop(sc, sch): out of the bucket, and freed. */
function syncache_drop(sc: syncache, sch: syncache_head): void {
  TCPSTATES_DEC(TCPS_SYN_RECEIVED);
  bucket_remove(sch, sc);
  sch.sch_length--;
  syncache_free(sc);
}

/** TAILQ_REMOVE from a bucket, in place. */
function bucket_remove(sch: syncache_head, sc: syncache): void {
  const b = sch.sch_bucket;
  const i = b.indexOf(sc);
  if (i < 0) return;
  for (let j = i; j + 1 < b.length; j++) b[j] = b[j + 1];
  b.pop();
}

/** syncache_timeout(sc, sch, docallout): the entry's next retransmission, backed off. */
function syncache_timeout(sc: syncache, sch: syncache_head, docallout: boolean): void {
  let rexmt: number;
  if (sc.sc_rxmits === 0) rexmt = tcp_rexmit_initial.v;
  else rexmt = TCPT_RANGESET(tcp_rexmit_initial.v * tcp_backoff[sc.sc_rxmits], tcp_rexmit_min.v, TCPTV_REXMTMAX());
  sc.sc_rxttime = (ticks + rexmt) | 0;
  sc.sc_rxmits++;
  if (TSTMP_LT(sc.sc_rxttime, sch.sch_nextc)) {
    sch.sch_nextc = sc.sc_rxttime;
    if (docallout) callout_reset(sch.sch_timer, (sch.sch_nextc - ticks) | 0, syncache_timer, sch);
  }
}

/**
 * syncache_timer(sch): resend the bucket's due SYN|ACKs; entries that used
 * up net.inet.tcp.syncache.rexmtlimit go (tcps_sc_stale).  While paused,
 * the cache empties.
 */
function syncache_timer(sch: syncache_head): void {
  const scs = sch.sch_sc;
  const saved = VIMAGE ? CURVNET_SET(scs.vnet as vnet, "syncache_timer") : null;
  const tick = ticks;
  sch.sch_nextc = (tick + 0x7fffffff) | 0;
  const paused = scs.paused;
  // Entries leave the bucket as we go: the index moves only past kept ones.
  for (let i = 0; i < sch.sch_bucket.length; ) {
    const sc = sch.sch_bucket[i];
    if (paused) {
      syncache_drop(sc, sch);
      continue;
    }
    if (TSTMP_GT(sc.sc_rxttime, tick)) {
      if (TSTMP_LT(sc.sc_rxttime, sch.sch_nextc)) sch.sch_nextc = sc.sc_rxttime;
      i++;
      continue;
    }
    if (sc.sc_rxmits > scs.rexmt_limit) {
      syncache_drop(sc, sch);
      TCPSTAT_INC(tcps_sc_stale);
      continue;
    }
    syncache_respond(sc, null, TH_SYN | TH_ACK);
    TCPSTAT_INC(tcps_sc_retransmitted);
    syncache_timeout(sc, sch, false);
    i++;
  }
  if (sch.sch_bucket.length > 0 && !(VIMAGE && VNET_IS_SHUTTING_DOWN(scs.vnet as vnet))) callout_reset(sch.sch_timer, (sch.sch_nextc - tick) | 0, syncache_timer, sch);
  if (VIMAGE) CURVNET_RESTORE(saved);
}

/** syncache_cookiesonly: cookies alone, by choice or while paused. */
function syncache_cookiesonly(): boolean {
  return VNET_I32(tcp_syncookies) !== 0 && (V_tcp_syncache().paused || VNET_I32(tcp_syncookiesonly) !== 0);
}

/** The in_endpoints words the bucket hash covers: ports, then the foreign address. */
const hash_words = new Uint32Array(5);

/** syncache_hashbucket(inc): the bucket of a connection (Jenkins hash of ports and foreign address). */
function syncache_hashbucket(inc: in_conninfo): syncache_head {
  const sc = V_tcp_syncache();
  inc_hash_words(inc, hash_words);
  const hash = jenkins_hash32(hash_words, 5, sc.hash_secret) & sc.hashmask;
  return sc.hashbase[hash];
}

/** The last bucket syncache_lookup looked in. */
let lookup_sch: syncache_head | null = null;

/** syncache_lookup(inc): the entry for the connection (its bucket in lookup_sch). */
function syncache_lookup(inc: in_conninfo): syncache | null {
  const sch = syncache_hashbucket(inc);
  lookup_sch = sch;
  const b = sch.sch_bucket;
  for (let i = 0; i < b.length; i++) if (in_endpoints_equal(inc, b[i].sc_inc)) return b[i];
  return null;
}

/**
 * syncache_chkrst(inc, th, m, port): a RST for a listening socket: if it
 * refuses one of our SYN|ACKs (exactly at IRS + 1, or anywhere in the
 * window with net.inet.tcp.insecure_rst), the entry goes; elsewhere in the
 * window it earns a challenge ACK (RFC 5961).
 */
export function syncache_chkrst(inc: in_conninfo, th: hdrptr, m: mbuf, port: number): void {
  if (syncache_cookiesonly()) return;
  const sc = syncache_lookup(inc);
  const sch = lookup_sch as syncache_head;
  if (sc === null || sc.sc_port !== port) {
    // Possibly a cookie's connection, or spoofed.
    TCPSTAT_INC(tcps_badrst);
    return;
  }
  const th_seq = th.dv.getInt32(th.off + TCPH_SEQ);
  const irs1 = (sc.sc_irs + 1) | 0;
  if ((SEQ_GEQ(th_seq, irs1) && SEQ_LT(th_seq, (irs1 + sc.sc_wnd) >>> 0)) || (sc.sc_wnd === 0 && th_seq === irs1)) {
    if (VNET_I32(tcp_insecure_rst) !== 0 || th_seq === irs1) {
      syncache_drop(sc, sch);
      TCPSTAT_INC(tcps_sc_reset);
    } else {
      TCPSTAT_INC(tcps_badrst);
      syncache_respond(sc, m, TH_ACK);
    }
  } else TCPSTAT_INC(tcps_badrst);
}

/** syncache_badack(inc, port): a SYN|ACK to a listener: forget the entry. */
export function syncache_badack(inc: in_conninfo, port: number): void {
  if (syncache_cookiesonly()) return;
  const sc = syncache_lookup(inc);
  if (sc !== null && sc.sc_port === port) {
    syncache_drop(sc, lookup_sch as syncache_head);
    TCPSTAT_INC(tcps_sc_badack);
  }
}

/**
 * syncache_unreach(inc, th_seq, port): an ICMP unreachable quoting our
 * SYN|ACK (th_seq in host order).  The first marks the entry; after three
 * retransmissions a second removes it.
 */
export function syncache_unreach(inc: in_conninfo, th_seq: number, port: number): void {
  if (syncache_cookiesonly()) return;
  const sc = syncache_lookup(inc);
  if (sc === null) return;
  if (port !== sc.sc_port) return;
  if (th_seq !== sc.sc_iss) return;
  if ((sc.sc_flags & SCF_UNREACH) === 0 || sc.sc_rxmits < 3 + 1) {
    sc.sc_flags |= SCF_UNREACH;
    return;
  }
  syncache_drop(sc, lookup_sch as syncache_head);
  TCPSTAT_INC(tcps_sc_unreach);
}

let syncache_sin_p: sockaddr_in | null = null;
let syncache_sin6_p: sockaddr_in6 | null = null;

/**
 * syncache_socket(sc, lso, m): the socket of a completed handshake, a
 * clone of the listener connected to the peer, in SYN_RECEIVED, on the
 * listen queue (null when no socket can be had: tcps_listendrop).
 */
function syncache_socket(sc: syncache, lso: socket, m: mbuf | null): socket | null {
  void m;
  // The full connection, as if it had been made when the SYN came.
  const so = solisten_clone(lso);
  if (so === null) {
    TCPSTAT_INC(tcps_listendrop);
    return null;
  }
  if (in_pcballoc(so, V_tcbinfo()) !== 0) {
    sodealloc(so);
    TCPSTAT_INC(tcps_listendrop);
    return null;
  }
  const inp = sotoinpcb(so);
  const tp = tcp_newtcpcb(inp);
  if (tp === null) {
    in_pcbfree(inp);
    sodealloc(so);
    TCPSTAT_INC(tcps_listendrop);
    return null;
  }
  const ltp = sototcpcb(lso);
  inp.inp_inc.inc_flags = sc.sc_inc.inc_flags;
  let error: number;
  if ((sc.sc_inc.inc_flags & INC_ISIPV6) !== 0) {
    inp.inp_vflag &= ~INP_IPV4;
    inp.inp_vflag |= INP_IPV6;
    in6_addr_copy(inp.in6p_laddr, sc.sc_inc.inc6_laddr);
  } else {
    inp.inp_vflag &= ~INP_IPV6;
    inp.inp_vflag |= INP_IPV4;
    inp.inp_ip_ttl = sc.sc_ip_ttl;
    inp.inp_ip_tos = sc.sc_ip_tos;
    inp.inp_laddr = sc.sc_inc.inc_laddr;
  }
  inp.inp_lport = sc.sc_inc.inc_lport;
  if ((inp.inp_vflag & INP_IPV6PROTO) !== 0) {
    // The listener's IPv6 socket options (not its received ones).
    const oinp = sotoinpcb(lso);
    inp.inp_flags |= oinp.inp_flags & INP_CONTROLOPTS;
    inp.in6p_hops = oinp.in6p_hops;
  }
  if ((sc.sc_inc.inc_flags & INC_ISIPV6) !== 0) {
    if (syncache_sin6_p === null) syncache_sin6_p = new sockaddr_in6();
    const sin6 = syncache_sin6_p;
    sin6.sin6_family = AF_INET6;
    sin6.sin6_len = 28;
    in6_addr_copy(sin6.sin6_addr, sc.sc_inc.inc6_faddr);
    sin6.sin6_port = sc.sc_inc.inc_fport;
    sin6.sin6_flowinfo = 0;
    sin6.sin6_scope_id = 0;
    error = in6_pcbconnect(inp, sin6, cred0, false);
    if (error === 0) {
      // Our flow label, not in6_pcbconnect's.
      inp.inp_flow &= ~IPV6_FLOWLABEL_MASK;
      inp.inp_flow |= sc.sc_flowlabel;
    }
  } else {
    inp.inp_options = sc.sc_ipopts;
    sc.sc_ipopts = null;
    if (syncache_sin_p === null) syncache_sin_p = new sockaddr_in(INADDR_ANY, 0);
    const sin = syncache_sin_p;
    sin.sin_family = AF_INET;
    sin.sin_addr = sc.sc_inc.inc_faddr;
    sin.sin_port = sc.sc_inc.inc_fport;
    error = in_pcbconnect(inp, sin, cred0, false);
  }
  if (error !== 0) {
    in_pcbfree(inp);
    sodealloc(so);
    TCPSTAT_INC(tcps_listendrop);
    return null;
  }
  tp.t_state = TCPS_SYN_RECEIVED;
  tp.iss = sc.sc_iss;
  tp.irs = sc.sc_irs;
  tp.t_port = sc.sc_port;
  tcp_rcvseqinit(tp);
  tcp_sendseqinit(tp);
  tp.snd_wl1 = sc.sc_irs;
  tp.snd_max = (tp.iss + 1) | 0;
  tp.snd_nxt = (tp.iss + 1) | 0;
  tp.rcv_up = (sc.sc_irs + 1) | 0;
  tp.rcv_wnd = sc.sc_wnd;
  tp.rcv_adv = (tp.rcv_adv + tp.rcv_wnd) | 0;
  tp.last_ack_sent = tp.rcv_nxt;
  tp.t_flags = ltp.t_flags & (TF_LRD | TF_NOPUSH | TF_NODELAY);
  if ((sc.sc_flags & SCF_NOOPT) !== 0) tp.t_flags |= TF_NOOPT;
  else {
    if ((sc.sc_flags & SCF_WINSCALE) !== 0) {
      tp.t_flags |= TF_REQ_SCALE | TF_RCVD_SCALE;
      tp.snd_scale = sc.sc_requested_s_scale;
      tp.request_r_scale = sc.sc_requested_r_scale;
    }
    if ((sc.sc_flags & SCF_TIMESTAMP) !== 0) {
      tp.t_flags |= TF_REQ_TSTMP | TF_RCVD_TSTMP;
      tp.ts_recent = sc.sc_tsreflect;
      tp.ts_recent_age = tcp_ts_getticks();
      tp.ts_offset = sc.sc_tsoff;
    }
    if ((sc.sc_flags & SCF_SACK) !== 0) tp.t_flags |= TF_SACK_PERMIT;
  }
  // MSS and the host cache's values (may change some of the above).
  tcp_mss(tp, sc.sc_peer_mss);
  // A retransmitted SYN|ACK: cc_conn_init starts with one segment.
  if (sc.sc_rxmits > 1) tp.snd_cwnd = 1;
  tp.t_maxunacktime = ltp.t_maxunacktime;
  tp.t_keepinit = ltp.t_keepinit;
  tp.t_keepidle = ltp.t_keepidle;
  tp.t_keepintvl = ltp.t_keepintvl;
  tp.t_keepcnt = ltp.t_keepcnt;
  tcp_timer_activate(tp, TT_KEEP, TP_KEEPINIT(tp));
  TCPSTAT_INC(tcps_accepts);
  // Accept filters aside, the socket is connected from here on.
  if (!solisten_enqueue(so, SS_ISCONNECTED)) tp.t_flags |= TF_SONOTCONN;
  return so;
}

/** The entry a cookie is rebuilt into (FreeBSD's struct syncache scs on the stack). */
let scs_p: syncache | null = null;
function scs(): syncache {
  if (scs_p === null) scs_p = new syncache();
  return scs_p;
}

/** The listening socket in, the new socket out (FreeBSD's struct socket **lsop). */
export interface syncache_so_p {
  so: socket | null;
}

/**
 * syncache_expand(inc, to, th, lsop, m, port): an ACK for a listening
 * socket.  From the entry (or a valid cookie) make the connection's socket
 * and return 1 with it in lsop.so (null if no socket could be had); 0 when
 * the ACK is not for us (the caller sends a RST); -1 to drop silently
 * (PAWS, missing timestamp).
 */
export function syncache_expand(inc: in_conninfo, to: tcpopt, th: hdrptr, lsop: syncache_so_p, m: mbuf, port: number): number {
  const th_seq = th.dv.getInt32(th.off + TCPH_SEQ);
  const th_ack = th.dv.getInt32(th.off + TCPH_ACK);
  let sc: syncache | null;
  let sch: syncache_head;
  let locked: boolean;
  if (syncache_cookiesonly()) {
    sc = null;
    sch = syncache_hashbucket(inc);
    locked = false;
  } else {
    sc = syncache_lookup(inc);
    sch = lookup_sch as syncache_head;
    locked = true;
  }
  let cookie = false;
  failed: {
    if (sc === null) {
      // No entry: a returning cookie?  Only with cookies on, and only for
      // a bucket that overflowed recently (unless cookies alone are used).
      if (locked && VNET_I32(tcp_syncookies) === 0) break failed;
      if (locked && VNET_I32(tcp_syncookiesonly) === 0 && sch.sch_last_overflow < time_uptime() - SYNCOOKIE_LIFETIME) break failed;
      const s = scs();
      syncache_clear(s);
      sc = syncookie_lookup(inc, sch, s, th_seq, th_ack, to, lsop.so as socket, port);
      if (sc === null) break failed;
      cookie = true;
      TCPSTATES_INC(TCPS_SYN_RECEIVED);
    } else {
      if (sc.sc_port !== port) return 0;
      // RFC 7323 PAWS on the ACK: dropped (no ACK, as tcp_input does for
      // segments without data).
      if ((sc.sc_flags & SCF_TIMESTAMP) !== 0 && (to.to_flags & TOF_TS) !== 0 && TSTMP_LT(to.to_tsval, sc.sc_tsreflect)) return -1;
      // Timestamps agreed but missing: dropped, unless tolerated.
      if ((sc.sc_flags & SCF_TIMESTAMP) !== 0 && (to.to_flags & TOF_TS) === 0 && VNET_I32(tcp_tolerate_missing_ts) === 0) return -1;
      bucket_remove(sch, sc);
      sch.sch_length--;
    }
    // The ACK must be for our SYN|ACK, its sequence inside the window from IRS + 1.
    if (th_ack !== ((sc.sc_iss + 1) | 0)) break failed;
    if (SEQ_LEQ(th_seq, sc.sc_irs) || SEQ_GT(th_seq, (sc.sc_irs + sc.sc_wnd) | 0)) break failed;
    lsop.so = syncache_socket(sc, lsop.so as socket, m);
    if (lsop.so === null) {
      TCPSTAT_INC(tcps_sc_aborted);
      TCPSTATES_DEC(TCPS_SYN_RECEIVED);
    } else TCPSTAT_INC(tcps_sc_completed);
    if (!cookie) syncache_free(sc);
    return 1;
  }
  if (sc !== null) {
    TCPSTATES_DEC(TCPS_SYN_RECEIVED);
    if (!cookie) syncache_free(sc);
  }
  lsop.so = null;
  return 0;
}

function syncache_clear(sc: syncache): void {
  in_conninfo_clear(sc.sc_inc);
  sc.sc_rxttime = 0;
  sc.sc_rxmits = 0;
  sc.sc_port = 0;
  sc.sc_tsreflect = 0;
  sc.sc_tsoff = 0;
  sc.sc_flowlabel = 0;
  sc.sc_irs = 0;
  sc.sc_iss = 0;
  sc.sc_ipopts = null;
  sc.sc_peer_mss = 0;
  sc.sc_wnd = 0;
  sc.sc_ip_ttl = 0;
  sc.sc_ip_tos = 0;
  sc.sc_requested_s_scale = 0;
  sc.sc_requested_r_scale = 0;
  sc.sc_flags = 0;
  sc.sc_cred = null;
}

/**
 * syncache_add(inc, to, th, inp, so, m, iptos, port): a SYN for the
 * listening socket so: answer with a SYN|ACK and remember the connection
 * (a duplicate SYN resends the SYN|ACK).  Data on the SYN is not
 * acknowledged (a SYN flood must not fill our buffers).  Consumes m.
 */
export function syncache_add(inc: in_conninfo, to: tcpopt, th: hdrptr, inp: inpcb, so: socket, m: mbuf, iptos: number, port: number): void {
  void iptos;
  const tp = sototcpcb(so);
  const cs = V_tcp_syncache();
  const cred = cs.see_other !== 0 ? null : so.so_cred;
  let ip_ttl: number;
  let ip_tos: number;
  let autoflowlabel = false;
  if ((inc.inc_flags & INC_ISIPV6) !== 0) {
    if ((inp.inp_flags & IN6P_AUTOFLOWLABEL) !== 0) autoflowlabel = true;
    ip_ttl = in6_selecthlim(inp, null);
    const op = inp.in6p_outputopts;
    ip_tos = op === null || op.ip6po_tclass === -1 ? 0 : op.ip6po_tclass;
  } else {
    ip_ttl = inp.inp_ip_ttl;
    ip_tos = inp.inp_ip_tos;
  }
  let win = so.sol_sbrcv_hiwat;
  const ltflags = tp.t_flags & (TF_NOOPT | TF_SIGNATURE);
  // IP options (a source route) to keep for the reply.
  const ipopts = (inc.inc_flags & INC_ISIPV6) === 0 ? ip_srcroute(m) : null;
  done: {
    // No TCP-MD5 here: a signed SYN is not answered.
    if ((to.to_flags & TOF_SIGNATURE) !== 0) {
      if (ipopts !== null) m_free(ipopts);
      break done;
    }
    let sc: syncache | null;
    let sch: syncache_head;
    let locked: boolean;
    if (syncache_cookiesonly()) {
      sc = null;
      sch = syncache_hashbucket(inc);
      locked = false;
    } else {
      sc = syncache_lookup(inc);
      sch = lookup_sch as syncache_head;
      locked = true;
    }
    if (sc !== null) {
      // A duplicate SYN: resend the SYN|ACK and restart its timer.
      TCPSTAT_INC(tcps_sc_dupsyn);
      if (ipopts !== null) {
        if (sc.sc_ipopts !== null) m_free(sc.sc_ipopts);
        sc.sc_ipopts = ipopts;
      }
      if ((sc.sc_flags & SCF_TIMESTAMP) !== 0 && (to.to_flags & TOF_TS) !== 0) sc.sc_tsreflect = to.to_tsval;
      else sc.sc_flags &= ~SCF_TIMESTAMP;
      if (syncache_respond(sc, m, TH_SYN | TH_ACK) === 0) {
        sc.sc_rxmits = 0;
        syncache_timeout(sc, sch, true);
        TCPSTAT_INC(tcps_sndacks);
        TCPSTAT_INC(tcps_sndtotal);
      }
      break done;
    }
    // No entry kept when it would only be thrown away (cookies only).
    let on_stack = false;
    if (!locked) {
      sc = scs();
      syncache_clear(sc);
      on_stack = true;
    } else sc = syncache_alloc();
    if (sc === null) {
      // The cache is full: drop the bucket's oldest and try again.
      TCPSTAT_INC(tcps_sc_zonefail);
      if (sch.sch_bucket.length > 0) {
        const old = sch.sch_bucket[sch.sch_bucket.length - 1];
        sch.sch_last_overflow = time_uptime();
        syncache_drop(old, sch);
        syncache_pause(inc);
      }
      sc = syncache_alloc();
      if (sc === null) {
        if (VNET_I32(tcp_syncookies) !== 0) {
          sc = scs();
          syncache_clear(sc);
          on_stack = true;
        } else {
          if (ipopts !== null) m_free(ipopts);
          break done;
        }
      }
    }
    sc.sc_cred = cred;
    sc.sc_port = port;
    sc.sc_ipopts = ipopts;
    in_conninfo_copy(sc.sc_inc, inc);
    sc.sc_ip_tos = ip_tos;
    sc.sc_ip_ttl = ip_ttl;
    sc.sc_irs = th.dv.getInt32(th.off + TCPH_SEQ);
    sc.sc_flags = 0;
    sc.sc_flowlabel = 0;
    // The initial window: the buffer, clipped to [0, TCP_MAXWIN] (a SYN's window is never scaled).
    win = Math.min(Math.max(win, 0), TCP_MAXWIN);
    sc.sc_wnd = win;
    if (VNET_I32(tcp_do_rfc1323) !== 0 && (ltflags & TF_NOOPT) === 0) {
      // A timestamp on the SYN lets us use them.
      if ((to.to_flags & TOF_TS) !== 0 && VNET_I32(tcp_do_rfc1323) !== 2) {
        sc.sc_tsreflect = to.to_tsval;
        sc.sc_flags |= SCF_TIMESTAMP;
        sc.sc_tsoff = tcp_new_ts_offset(inc);
      }
      if ((to.to_flags & TOF_SCALE) !== 0 && VNET_I32(tcp_do_rfc1323) !== 3) {
        // The smallest scale that reaches sb_max (kern.ipc.maxsockbuf):
        // large scales suffer most from middleboxes that mangle the option.
        let wscale = 0;
        while (wscale < TCP_MAX_WINSHIFT && TCP_MAXWIN << wscale < sb_max_get()) wscale++;
        sc.sc_requested_r_scale = wscale;
        sc.sc_requested_s_scale = to.to_wscale;
        sc.sc_flags |= SCF_WINSCALE;
      }
    }
    if ((to.to_flags & TOF_SACKPERM) !== 0) sc.sc_flags |= SCF_SACK;
    if ((to.to_flags & TOF_MSS) !== 0) sc.sc_peer_mss = to.to_mss;
    if ((ltflags & TF_NOOPT) !== 0) sc.sc_flags |= SCF_NOOPT;
    if (VNET_I32(tcp_syncookies) !== 0) sc.sc_iss = syncookie_generate(sch, sc);
    else sc.sc_iss = arc4random() | 0;
    if (autoflowlabel) {
      if (VNET_I32(tcp_syncookies) !== 0) sc.sc_flowlabel = sc.sc_iss;
      else sc.sc_flowlabel = ip6_randomflowlabel();
      sc.sc_flowlabel &= IPV6_FLOWLABEL_MASK;
    }
    // The standard three-way handshake.
    if (syncache_respond(sc, m, TH_SYN | TH_ACK) === 0) {
      if (VNET_I32(tcp_syncookies) !== 0 && VNET_I32(tcp_syncookiesonly) !== 0 && !on_stack) syncache_free(sc);
      else if (!on_stack) syncache_insert(sc, sch);
      TCPSTAT_INC(tcps_sndacks);
      TCPSTAT_INC(tcps_sndtotal);
    } else {
      if (!on_stack) syncache_free(sc);
      TCPSTAT_INC(tcps_sc_dropped);
    }
  }
  m_freem(m);
}

/** The options of a SYN|ACK we send (made on first use). */
let respond_to_p: tcpopt | null = null;

/**
 * syncache_respond(sc, m0, flags): send a SYN|ACK (or, for a challenge, an
 * ACK), built from scratch from the entry.  0 or an errno.
 */
function syncache_respond(sc: syncache, m0: mbuf | null, flags: number): number {
  void m0;
  const isipv6 = (sc.sc_inc.inc_flags & INC_ISIPV6) !== 0;
  const hlen = isipv6 ? IP6_HDR_LEN : IP_HDRLEN;
  const tlen = hlen + TCP_HDRLEN;
  // The MSS we offer.
  const mssopt = Math.max(tcp_mssopt(sc.sc_inc), VNET_I32(tcp_minmss));
  const m = m_gethdr(M_NOWAIT, MT_DATA);
  if (m === null) return ENOBUFS;
  m.m_data += max_linkhdr;
  m.m_len = tlen;
  m.m_pkthdr.len = tlen;
  m.m_pkthdr.rcvif = null;
  const b = m.m_buf;
  const dv = m.m_dv;
  const ip = m.m_data;
  b.fill(0, ip, ip + tlen);
  const th = ip + hlen;
  if (isipv6) {
    dv.setUint32(ip + IP6_OFF_FLOW, ((IPV6_VERSION << 24) | (sc.sc_ip_tos << 20) | (sc.sc_flowlabel & IPV6_FLOWLABEL_MASK)) >>> 0);
    dv.setUint16(ip + IP6_OFF_PLEN, tlen - hlen);
    b[ip + IP6_OFF_NXT] = IPPROTO_TCP;
    b.set(sc.sc_inc.inc6_laddr.s6_addr, ip + IP6_OFF_SRC);
    b.set(sc.sc_inc.inc6_faddr.s6_addr, ip + IP6_OFF_DST);
  } else {
    b[ip + IPH_VHL] = (IPVERSION << 4) | (IP_HDRLEN >> 2);
    dv.setUint16(ip + IPH_LEN, tlen);
    b[ip + IPH_TTL] = sc.sc_ip_ttl;
    b[ip + IPH_TOS] = sc.sc_ip_tos;
    // DF unless path MTU discovery is off or an unreachable came back.
    if (VNET_I32(path_mtu_discovery) !== 0 && (sc.sc_flags & SCF_UNREACH) === 0) dv.setUint16(ip + IPH_OFF, IP_DF);
    b[ip + IPH_P] = IPPROTO_TCP;
    dv.setUint32(ip + IPH_SRC, sc.sc_inc.inc_laddr);
    dv.setUint32(ip + IPH_DST, sc.sc_inc.inc_faddr);
  }
  dv.setUint16(th + TCPH_SPORT, sc.sc_inc.inc_lport);
  dv.setUint16(th + TCPH_DPORT, sc.sc_inc.inc_fport);
  dv.setUint32(th + TCPH_SEQ, (flags & TH_SYN) !== 0 ? sc.sc_iss : (sc.sc_iss + 1) >>> 0);
  dv.setUint32(th + TCPH_ACK, (sc.sc_irs + 1) >>> 0);
  th_set_off(m, th, TCP_HDRLEN >> 2);
  dv.setUint16(th + TCPH_WIN, sc.sc_wnd);
  tcp_set_flags(m, th, flags);
  let optlen = 0;
  if ((sc.sc_flags & SCF_NOOPT) === 0) {
    if (respond_to_p === null) respond_to_p = new tcpopt();
    const to = respond_to_p;
    to.to_flags = 0;
    if ((flags & TH_SYN) !== 0) {
      to.to_mss = mssopt;
      to.to_flags = TOF_MSS;
      if ((sc.sc_flags & SCF_WINSCALE) !== 0) {
        to.to_wscale = sc.sc_requested_r_scale;
        to.to_flags |= TOF_SCALE;
      }
      if ((sc.sc_flags & SCF_SACK) !== 0) to.to_flags |= TOF_SACKPERM;
    }
    if ((sc.sc_flags & SCF_TIMESTAMP) !== 0) {
      to.to_tsval = (sc.sc_tsoff + tcp_ts_getticks()) | 0;
      to.to_tsecr = sc.sc_tsreflect;
      to.to_flags |= TOF_TS;
    }
    optlen = tcp_addoptions(to, b, th + TCP_HDRLEN);
    th_set_off(m, th, (TCP_HDRLEN + optlen) >> 2);
    m.m_len += optlen;
    m.m_pkthdr.len += optlen;
    if (isipv6) dv.setUint16(ip + IP6_OFF_PLEN, dv.getUint16(ip + IP6_OFF_PLEN) + optlen);
    else dv.setUint16(ip + IPH_LEN, dv.getUint16(ip + IPH_LEN) + optlen);
  }
  M_SETFIB(m, sc.sc_inc.inc_fibnum);
  if (isipv6) {
    m.m_pkthdr.csum_flags = CSUM_TCP_IPV6;
    m.m_pkthdr.csum_data = TCPH_SUM;
    dv.setUint16(th + TCPH_SUM, in6_cksum_pseudo(m, 0, tlen + optlen - hlen, IPPROTO_TCP, 0));
    b[ip + IP6_OFF_HLIM] = sc.sc_ip_ttl;
    return ip6_output(m, null, null, 0, null, null, null);
  }
  m.m_pkthdr.csum_flags = CSUM_TCP;
  m.m_pkthdr.csum_data = TCPH_SUM;
  dv.setUint16(th + TCPH_SUM, in_pseudo(sc.sc_inc.inc_laddr, sc.sc_inc.inc_faddr, (tlen + optlen - hlen + IPPROTO_TCP) >>> 0));
  return ip_output(m, sc.sc_ipopts, null, 0, null, null);
}

// ---------------------------------------------------------------------------
// SYN cookies.  Our ISS when cookies are on:
//   bits 31..8: 24 bits of the MAC over the connection, the peer's ISN,
//               the flags byte and the bucket;
//   bits 7..0:  the flags byte XORed with the MAC's top byte:
//               MSS index (3 bits), window scale index (3), SACK (1),
//               which secret (1).

/** MSS values a cookie can carry (Alcock and Nelson, 2011); others round down. */
const tcp_sc_msstab = [216, 536, 1200, 1360, 1400, 1440, 1452, 1460];
/** Window scales a cookie can carry (Allman, 2012); index 0: no scaling. */
const tcp_sc_wstab = [0, 0, 1, 2, 4, 6, 7, 8];

// The flags byte (union syncookie): odd_even:1, sack_ok:1, wscale_idx:3, mss_idx:3,
// least significant bit first.
function cookie_odd_even(c: number): number {
  return c & 1;
}
function cookie_sack_ok(c: number): number {
  return (c >> 1) & 1;
}
function cookie_wscale_idx(c: number): number {
  return (c >> 2) & 7;
}
function cookie_mss_idx(c: number): number {
  return (c >> 5) & 7;
}

/** The bytes the cookie MAC covers. */
const mac_msg = new Uint8Array(16 + 16 + 2 + 2 + 4 + 1 + 8);

/**
 * syncookie_mac(inc, irs, flags, secbits, secmod): SipHash-2-4 keyed with
 * the secret over faddr, laddr, fport, lport, irs, flags and secmod, the
 * two halves of the result XORed.
 */
function syncookie_mac(inc: in_conninfo, irs: number, flags: number, secbits: Uint8Array, secmod: number): number {
  const b = mac_msg;
  let n = 0;
  if ((inc.inc_flags & INC_ISIPV6) !== 0) {
    b.set(inc.inc6_faddr.s6_addr, n);
    n += 16;
    b.set(inc.inc6_laddr.s6_addr, n);
    n += 16;
  } else {
    n = put_be32(b, n, inc.inc_faddr);
    n = put_be32(b, n, inc.inc_laddr);
  }
  b[n++] = inc.inc_fport >>> 8;
  b[n++] = inc.inc_fport & 0xff;
  b[n++] = inc.inc_lport >>> 8;
  b[n++] = inc.inc_lport & 0xff;
  // irs and secmod in host (little-endian) order, as FreeBSD on amd64.
  b[n++] = irs & 0xff;
  b[n++] = (irs >>> 8) & 0xff;
  b[n++] = (irs >>> 16) & 0xff;
  b[n++] = irs >>> 24;
  b[n++] = flags & 0xff;
  b[n++] = secmod & 0xff;
  b[n++] = (secmod >>> 8) & 0xff;
  b[n++] = (secmod >>> 16) & 0xff;
  b[n++] = secmod >>> 24;
  b[n++] = 0;
  b[n++] = 0;
  b[n++] = 0;
  b[n++] = 0;
  return SipHash24_fold(secbits, b, n);
}

function put_be32(b: Uint8Array, n: number, v: number): number {
  b[n] = v >>> 24;
  b[n + 1] = (v >>> 16) & 0xff;
  b[n + 2] = (v >>> 8) & 0xff;
  b[n + 3] = v & 0xff;
  return n + 4;
}

/** syncookie_generate(sch, sc): the ISS carrying the cookie. */
function syncookie_generate(sch: syncache_head, sc: syncache): number {
  syncookie_reseed_arm(sch.sch_sc);
  let cookie = 0;
  let i: number;
  // The MSS, rounded down to the table.
  for (i = tcp_sc_msstab.length - 1; tcp_sc_msstab[i] > sc.sc_peer_mss && i > 0; i--);
  cookie |= i << 5;
  // The send window scale, only when the option came.
  if ((sc.sc_flags & SCF_WINSCALE) !== 0) {
    const wscale = sc.sc_requested_s_scale;
    for (i = tcp_sc_wstab.length - 1; tcp_sc_wstab[i] > wscale && i > 0; i--);
    cookie |= i << 2;
  }
  if ((sc.sc_flags & SCF_SACK) !== 0) cookie |= 1 << 1;
  const cs = sch.sch_sc;
  const secbit = cs.oddeven & 1;
  cookie |= secbit;
  const hash = syncookie_mac(sc.sc_inc, sc.sc_irs, cookie, cs.key[secbit], sch.sch_idx);
  // The flags XORed with the hash's top byte, so they do not show on the wire.
  let iss = hash & ~0xff;
  iss |= (cookie ^ (hash >>> 24)) & 0xff;
  TCPSTAT_INC(tcps_sc_sendcookie);
  return iss | 0;
}

/**
 * syncookie_lookup(inc, sch, sc, th_seq, th_ack, to, lso, port): rebuild
 * the entry from an ACK's cookie into sc, or null if the MAC is wrong.
 */
function syncookie_lookup(inc: in_conninfo, sch: syncache_head, sc: syncache, th_seq: number, th_ack: number, to: tcpopt, lso: socket, port: number): syncache | null {
  // Undo the SYN's and the SYN|ACK's sequence numbers.
  const ack = (th_ack - 1) | 0;
  const seq = (th_seq - 1) | 0;
  const cookie = ((ack & 0xff) ^ (ack >>> 24)) & 0xff;
  const cs = sch.sch_sc;
  syncookie_reseed_arm(cs);
  const secbits = cs.key[cookie_odd_even(cookie)];
  const hash = syncookie_mac(inc, seq, cookie, secbits, sch.sch_idx);
  if ((ack & ~0xff) >>> 0 !== (hash & ~0xff) >>> 0) return null;
  sc.sc_flags = 0;
  in_conninfo_copy(sc.sc_inc, inc);
  sc.sc_ipopts = null;
  sc.sc_irs = seq;
  sc.sc_iss = ack;
  const linp = sotoinpcb(lso);
  if ((inc.inc_flags & INC_ISIPV6) === 0) {
    sc.sc_ip_ttl = linp.inp_ip_ttl;
    sc.sc_ip_tos = linp.inp_ip_tos;
  } else if ((linp.inp_flags & IN6P_AUTOFLOWLABEL) !== 0) sc.sc_flowlabel = sc.sc_iss & IPV6_FLOWLABEL_MASK;
  sc.sc_peer_mss = tcp_sc_msstab[cookie_mss_idx(cookie)];
  // Our receive scale is recomputed as syncache_add chose it.
  let wscale = 0;
  while (wscale < TCP_MAX_WINSHIFT && TCP_MAXWIN << wscale < sb_max_get()) wscale++;
  if (cookie_wscale_idx(cookie) > 0) {
    sc.sc_requested_r_scale = wscale;
    sc.sc_requested_s_scale = tcp_sc_wstab[cookie_wscale_idx(cookie)];
    sc.sc_flags |= SCF_WINSCALE;
  }
  let wnd = lso.sol_sbrcv_hiwat;
  wnd = Math.min(Math.max(wnd, 0), TCP_MAXWIN);
  sc.sc_wnd = wnd;
  if (cookie_sack_ok(cookie) !== 0) sc.sc_flags |= SCF_SACK;
  if ((to.to_flags & TOF_TS) !== 0) {
    sc.sc_flags |= SCF_TIMESTAMP;
    sc.sc_tsreflect = to.to_tsval;
    sc.sc_tsoff = tcp_new_ts_offset(inc);
  }
  sc.sc_rxmits = 0;
  sc.sc_port = port;
  TCPSTAT_INC(tcps_sc_recvcookie);
  return sc;
}

/**
 * syncookie_reseed(sc): a new secret in the slot not in use, every
 * SYNCOOKIE_LIFETIME s.  Departure: FreeBSD reseeds forever from
 * syncache_init; here the callout runs from the first cookie made or
 * checked until two reseeds after the last one (by then every cookie made
 * has expired, as in FreeBSD), so that an idle vnet has no pending callout
 * and a run can end (kern_run_until_idle).  Secrets nobody used are never
 * seen, so cookies are judged as FreeBSD judges them.
 */
function syncookie_reseed(sc: tcp_syncache): void {
  const secbit = (sc.oddeven & 1) !== 0 ? 0 : 1;
  arc4random_buf(sc.key[secbit]);
  sc.oddeven = (sc.oddeven + 1) >>> 0;
  if (++sc.reseed_idle < 2 && !(VIMAGE && VNET_IS_SHUTTING_DOWN(sc.vnet as vnet))) callout_reset(sc.reseed, SYNCOOKIE_LIFETIME * hz, syncookie_reseed, sc);
}

/** A cookie is made or checked: keep the secrets turning. */
function syncookie_reseed_arm(sc: tcp_syncache): void {
  sc.reseed_idle = 0;
  if (!callout_pending(sc.reseed) && !(VIMAGE && VNET_IS_SHUTTING_DOWN(sc.vnet as vnet))) callout_reset(sc.reseed, SYNCOOKIE_LIFETIME * hz, syncookie_reseed, sc);
}

const LOG_WARNING = 4;

/**
 * syncache_pause(inc): a bucket overflowed: with cookies on, use cookies
 * alone for a while (15 s, doubling up to 16 min for an attack that goes
 * on), counting tcps_sc_bucketoverflow once per pause.
 */
function syncache_pause(inc: in_conninfo | null): void {
  const sc = V_tcp_syncache();
  if (sc.paused) return;
  if (VNET_I32(tcp_syncookies) === 0) {
    TCPSTAT_INC(tcps_sc_bucketoverflow);
    return;
  }
  sc.paused = true;
  TCPSTAT_INC(tcps_sc_bucketoverflow);
  // An attack again within the last pause's time is the same attack.
  let delta = TCP_SYNCACHE_PAUSE_TIME << sc.pause_backoff;
  if (sc.pause_until + delta - time_uptime() > 0) {
    if (sc.pause_backoff < TCP_SYNCACHE_MAX_BACKOFF) {
      delta <<= 1;
      sc.pause_backoff++;
    }
  } else {
    delta = TCP_SYNCACHE_PAUSE_TIME;
    sc.pause_backoff = 0;
  }
  // FreeBSD appends " (last SYN: <addresses>)" when tcp_log_addrs says
  // logging is on (net.inet.tcp.log_debug); that needs a header pointer here.
  void inc;
  log(LOG_WARNING, `TCP syncache overflow detected; using syncookies for the next ${delta} seconds\n`);
  sc.pause_until = time_uptime() + delta;
  callout_reset(sc.pause_co, delta * hz, syncache_unpause, sc);
}

/** syncache_unpause(sc): the pause is over (or not yet: look again later). */
function syncache_unpause(sc: tcp_syncache): void {
  callout_deactivate(sc.pause_co);
  const delta = sc.pause_until - time_uptime();
  if (delta > 0) {
    if (!(VIMAGE && VNET_IS_SHUTTING_DOWN(sc.vnet as vnet))) callout_reset(sc.pause_co, delta * hz, syncache_unpause, sc);
  } else sc.paused = false;
}

/**
 * syncache_pcblist(cred): the cache's entries as SYN_RECEIVED sockets for
 * netstat (tcp_pcblist appends them): each as the inpcb's addresses.
 */
export function syncache_pcblist(visit: (inc: in_conninfo, cred: ucred | null) => void): void {
  const cs = VNET_PTR(tcp_syncache_p);
  if (cs === null) return;
  for (const sch of cs.hashbase) for (const sc of sch.sch_bucket) visit(sc.sc_inc, sc.sc_cred);
}

/** The five words FreeBSD hashes: fport and lport in one, then the foreign
 *  address as 16 bytes (an IPv4 address in the last word). */
function inc_hash_words(inc: in_conninfo, w: Uint32Array): void {
  w[0] = ((inc.inc_fport << 16) | inc.inc_lport) >>> 0;
  if ((inc.inc_flags & INC_ISIPV6) !== 0) {
    const a = inc.inc6_faddr.s6_addr;
    for (let i = 0; i < 4; i++) w[1 + i] = ((a[4 * i] << 24) | (a[4 * i + 1] << 16) | (a[4 * i + 2] << 8) | a[4 * i + 3]) >>> 0;
  } else {
    w[1] = 0;
    w[2] = 0;
    w[3] = 0;
    w[4] = inc.inc_faddr >>> 0;
  }
}
