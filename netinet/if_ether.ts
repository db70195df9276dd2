// sys/netinet/if_ether.c, sys/net/if_arp.h: ARP, IPv4 address resolution on
// Ethernet (RFC 826).  arpresolve() finds the link header for a next hop
// (or holds the packet and asks), in_arpinput() learns from and answers
// requests and replies, arptimer() ages entries, arp_ifinit() announces a
// new address.  Entries live in the interface's lltable (net/if_llatbl.ts,
// methods in netinet/in.ts).
//
// An entry's life: created INCOMPLETE by the first packet to an address
// (a request a second at most, packets held up to net.link.ether.inet.maxhold,
// EHOSTDOWN after maxtries requests, gone after net.link.ether.inet.wait
// seconds), REACHABLE once a reply arrives (for max_age seconds), VERIFY
// near the end of that time (a unicast refresh if packets still use it).
//
// Departures from FreeBSD 14:
// - the hold queue is filled by lltable_append_entry_queue (later FreeBSD):
//   14.0 frees at most one old packet per new one, so after maxhold is
//   lowered its queue shrinks one packet at a time; ours drops to the new
//   limit at once.
// Kept as in FreeBSD 14 (a newer FreeBSD differs):
// - arpintr knows Ethernet, InfiniBand and FireWire only: hardware type 6
//   (ARPHRD_IEEE802) is logged as an unknown format and dropped, as 14's is.
// - arp_check_update_lle sends the held packets with no route (ro NULL),
//   so each goes through arpresolve once more and finds the new entry;
//   newer FreeBSD (arp_flush_holdchain) hands them the entry's header.

import { EADDRNOTAVAIL, EAFNOSUPPORT, EHOSTDOWN, EHOSTUNREACH, EINVAL, ENOMEM, EWOULDBLOCK } from "../kern/errno.ts";
import { SI_ORDER_SECOND, SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { callout_active, callout_pending, callout_reset, callout_schedule, callout_stop, hz, ticks, time_uptime } from "../kern/kern_timeout.ts";
import { m_freem, m_gethdr } from "../kern/kern_mbuf.ts";
import { M_ALIGN, M_BCAST, M_MCAST, MT_DATA, m_clrprotoflags, type mbuf } from "../kern/mbuf.ts";
import { AF_ARP, AF_INET, AF_LINK, PF_INET, sockaddr_generic } from "../kern/socket.ts";
import { log, printf } from "../kern/subr_prf.ts";
import {
  CTLFLAG_MPSAFE,
  CTLFLAG_RW,
  CTLFLAG_VNET,
  CTLTYPE_INT,
  OID_AUTO,
  SYSCTL_INT,
  SYSCTL_NODE,
  SYSCTL_OUT,
  SYSCTL_PROC,
  SYSCTL_VNET_PCPUSTAT,
  _net,
  kvar_of,
  type sysctl_handler_t,
  type vnet_region_ptr,
} from "../kern/sysctl.ts";
import { m_pullup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import {
  IFENCAP_FLAG_BROADCAST,
  IFENCAP_LL,
  IFF_NOARP,
  IFF_STATICARP,
  IFF_UP,
  if_encap_req,
  iflladdr_event,
  type ifaddr,
  type ifnet,
  type route,
} from "../net/if.ts";
import { IFT_ETHER } from "../net/if_dl.ts";
import {
  LLE_ADDRONLY,
  LLENTRY_EXPIRED,
  LLE_DELETED,
  LLENTRY_RESOLVED,
  LLENTRY_TIMEDOUT,
  LLE_CREATE,
  LLE_EXCLUSIVE,
  LLE_IFADDR,
  LLE_LINKED,
  LLE_MAX_LINKHDR,
  LLE_PUB,
  LLE_STATIC,
  LLE_UNLOCKED,
  LLE_VALID,
  RLLE_IFADDR,
  RLLE_VALID,
  lla_lookup,
  llentry_free,
  llentry_mark_used,
  type llheader_result,
  lltable_alloc_entry,
  lltable_append_entry_queue,
  lltable_calc_llheader,
  lltable_fill_sa_entry,
  lltable_free_entry,
  lltable_if_lladdr,
  lltable_link_entry,
  lltable_set_entry_addr,
  lltable_try_set_entry_addr,
  lltable_unlink_entry,
  lltable_update_ifaddr,
  type llentry,
  type lltable,
} from "../net/if_llatbl.ts";
import { NETISR_ARP, netisr_register, netisr_register_vnet, netisr_unregister_vnet } from "../net/netisr.ts";
import { CURVNET_RESTORE, CURVNET_SET, IS_DEFAULT_VNET, VNET_DEFINE_INT, VNET_DEFINE_U64, VNET_I32, VNET_SYSINIT, VNET_SYSUNINIT, VNET_U64, VNET_U64_ADD, curvnet } from "../net/vnet.ts";
import { IA_SIN, INADDR_ANY, INADDR_HASH, IN_LINKLOCAL, in_ifaddr, in_lltable_get, inet_ntoa, sockaddr_in } from "./in.ts";
import { fib4_lookup } from "./in_fib.ts";

// sys/syslog.h
const LOG_ERR = 3;
const LOG_WARNING = 4;
const LOG_NOTICE = 5;
const LOG_INFO = 6;
const LOG_DEBUG = 7;

const ETHER_ADDR_LEN = 6;
const ETHERTYPE_IP = 0x0800;

// ---------------------------------------------------------------------------
// net/if_arp.h

export const ARPHRD_ETHER = 1;
export const ARPHRD_IEEE802 = 6;
export const ARPHRD_FRELAY = 15;
export const ARPHRD_IEEE1394 = 24;
export const ARPHRD_INFINIBAND = 32;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;
export const ARPOP_REVREQUEST = 3;
export const ARPOP_REVREPLY = 4;
export const ARPOP_INVREQUEST = 8;
export const ARPOP_INVREPLY = 9;

/** struct arphdr: field offsets and the fixed part's size. */
export const ar_hrd = 0;
export const ar_pro = 2;
export const ar_hln = 4;
export const ar_pln = 5;
export const ar_op = 6;
export const ARPHDR_LEN = 8;

/** arphdr_len2(hln, pln): the whole header with its variable part. */
export function arphdr_len2(hln: number, pln: number): number {
  return ARPHDR_LEN + 2 * hln + 2 * pln;
}

/** struct arpstat, per vnet: one index per field, FreeBSD's order. */
export const txrequests = 0;
export const txreplies = 1;
export const rxrequests = 2;
export const rxreplies = 3;
export const received = 4;
export const txerrors = 5;
export const arp_spares = 6;
export const dropped = 9;
export const timeouts = 10;
export const dupips = 11;
const ARPSTAT_NFIELDS = 12;
export const arpstat_names = [
  "txrequests",
  "txreplies",
  "rxrequests",
  "rxreplies",
  "received",
  "txerrors",
  "arp_spares[0]",
  "arp_spares[1]",
  "arp_spares[2]",
  "dropped",
  "timeouts",
  "dupips",
] as const;
export const arpstat = VNET_DEFINE_U64("arpstat", ARPSTAT_NFIELDS);
export function ARPSTAT_INC(field: number): void {
  VNET_U64_ADD(arpstat + field, 1);
}
export function ARPSTAT_ADD(field: number, n: number): void {
  VNET_U64_ADD(arpstat + field, n);
}
/** The arpstat counters of curvnet, in struct order. */
export function arpstat_fetch(): number[] {
  const out: number[] = [];
  for (let i = 0; i < ARPSTAT_NFIELDS; i++) out.push(VNET_U64(arpstat + i));
  return out;
}

/** The ARP state machine (enum arp_llinfo_state). */
export const ARP_LLINFO_INCOMPLETE = 0;
export const ARP_LLINFO_REACHABLE = 1;
export const ARP_LLINFO_VERIFY = 2;
export const ARP_LLINFO_DELETED = 3;

// ---------------------------------------------------------------------------
// Knobs.

const _net_link = SYSCTL_NODE(_net, AF_LINK, "link", CTLFLAG_RW, null, "Link layers");
export const _net_link_ether = SYSCTL_NODE(_net_link, IFT_ETHER, "ether", CTLFLAG_RW, null, "Ethernet");
const _net_link_ether_inet = SYSCTL_NODE(_net_link_ether, PF_INET, "inet", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "");
const _net_link_ether_arp = SYSCTL_NODE(_net_link_ether, AF_ARP, "arp", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "");

/** Once resolved, an entry is good for 20 minutes. */
const arpt_keep = VNET_DEFINE_INT("arpt_keep", 20 * 60);
const arp_maxtries = VNET_DEFINE_INT("arp_maxtries", 5);
const arp_proxyall = VNET_DEFINE_INT("arp_proxyall", 0);
/** Incomplete entries last 20 seconds. */
const arpt_down = VNET_DEFINE_INT("arpt_down", 20);
/** Refresh requests go a second apart. */
const arpt_rexmit = VNET_DEFINE_INT("arpt_rexmit", 1);
const arp_maxhold = VNET_DEFINE_INT("arp_maxhold", 16);
const arp_log_level = VNET_DEFINE_INT("arp_log_level", LOG_INFO);

SYSCTL_INT(_net_link_ether_inet, OID_AUTO, "max_age", CTLFLAG_VNET | CTLFLAG_RW, arpt_keep, 0, "ARP entry lifetime in seconds");
SYSCTL_INT(_net_link_ether_inet, OID_AUTO, "maxtries", CTLFLAG_VNET | CTLFLAG_RW, arp_maxtries, 0, "ARP resolution attempts before returning error");
SYSCTL_INT(_net_link_ether_inet, OID_AUTO, "proxyall", CTLFLAG_VNET | CTLFLAG_RW, arp_proxyall, 0, "Enable proxy ARP for all suitable requests");
SYSCTL_INT(_net_link_ether_inet, OID_AUTO, "wait", CTLFLAG_VNET | CTLFLAG_RW, arpt_down, 0, "Incomplete ARP entry lifetime in seconds");
SYSCTL_VNET_PCPUSTAT(_net_link_ether_arp, OID_AUTO, "stats", arpstat, ARPSTAT_NFIELDS, "arpstat", "ARP statistics (struct arpstat, net/if_arp.h)");
SYSCTL_INT(_net_link_ether_inet, OID_AUTO, "maxhold", CTLFLAG_VNET | CTLFLAG_RW, arp_maxhold, 0, "Number of packets to hold per ARP entry");

/** Global (not per vnet): remotely triggered messages logged per second. */
const arp_maxpps = kvar_of(1);
SYSCTL_INT(_net_link_ether_inet, OID_AUTO, "max_log_per_second", CTLFLAG_RW, arp_maxpps, 0, "Maximum number of remotely triggered ARP messages that can be logged per second");

/**
 * Gratuitous ARP retransmissions, per vnet.  Older FreeBSD kept this global
 * (so a vnet jail got EPERM writing it); the branch that carries
 * tests/sys/netinet/arp.sh's garp case, which sets it from inside a vnet
 * jail and expects success, has it virtualized, and so do we.
 */
const MAX_GARP_RETRANSMITS = 16;
const garp_rexmit_count = VNET_DEFINE_INT("garp_rexmit_count", 0);
const sysctl_garp_rexmit: sysctl_handler_t = (_oidp, arg1, _arg2, req) => {
  const p = arg1 as vnet_region_ptr;
  const error = SYSCTL_OUT(req, p.i32[p.idx]);
  if (error !== 0 || req.newval === null) return error;
  const v = req.newval;
  if (typeof v !== "number" || !Number.isInteger(v)) return EINVAL;
  // Clamped into range rather than refused.
  p.i32[p.idx] = v < 0 ? 0 : v > MAX_GARP_RETRANSMITS ? MAX_GARP_RETRANSMITS : v;
  return 0;
};
SYSCTL_PROC(
  _net_link_ether_inet,
  OID_AUTO,
  "garp_rexmit_count",
  CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_VNET | CTLFLAG_MPSAFE,
  garp_rexmit_count,
  0,
  sysctl_garp_rexmit,
  "I",
  "Number of times to retransmit GARP packets; 0 to disable, maximum of 16",
);

SYSCTL_INT(
  _net_link_ether_arp,
  OID_AUTO,
  "log_level",
  CTLFLAG_VNET | CTLFLAG_RW,
  arp_log_level,
  0,
  "Minimum log(9) level for recording rate limited arp log messages. The higher will be log more (emerg=0, info=6 (default), debug=7).",
);

const log_arp_wrong_iface = kvar_of(1);
const log_arp_movements = kvar_of(1);
const log_arp_permanent_modify = kvar_of(1);
const allow_multicast = kvar_of(0);
SYSCTL_INT(_net_link_ether_inet, OID_AUTO, "log_arp_wrong_iface", CTLFLAG_RW, log_arp_wrong_iface, 0, "log arp packets arriving on the wrong interface");
SYSCTL_INT(_net_link_ether_inet, OID_AUTO, "log_arp_movements", CTLFLAG_RW, log_arp_movements, 0, "log arp replies from MACs different than the one in the cache");
SYSCTL_INT(
  _net_link_ether_inet,
  OID_AUTO,
  "log_arp_permanent_modify",
  CTLFLAG_RW,
  log_arp_permanent_modify,
  0,
  "log arp replies from MACs different than the one in the permanent arp entry",
);
SYSCTL_INT(_net_link_ether_inet, OID_AUTO, "allow_multicast", CTLFLAG_RW, allow_multicast, 0, "accept multicast addresses");

/** ppsratecheck (kern_time.c): at most maxpps events a second. */
class ratecheck {
  lasttime = 0;
  curpps = 0;
}
function ppsratecheck(rc: ratecheck, maxpps: number): boolean {
  const now = ticks;
  if (rc.lasttime === 0 || (now - rc.lasttime) >>> 0 >= hz) {
    rc.lasttime = now;
    rc.curpps = 1;
    return maxpps !== 0;
  }
  rc.curpps++;
  return maxpps < 0 || rc.curpps <= maxpps;
}
const arp_lastlog = new ratecheck();

/**
 * ARP_LOG(pri, ...): remotely triggered messages, rate limited.  Callers
 * build the message only when this says it will be logged, so a flood of
 * bad packets costs no strings.
 */
function ARP_LOG_OK(pri: number): boolean {
  return pri <= VNET_I32(arp_log_level) && ppsratecheck(arp_lastlog, arp_maxpps.v);
}
function ARP_LOG(pri: number, msg: string): void {
  log(pri, `arp: ${msg}`);
}

/** "%*D" with ":": the bytes of a link address in hex. */
function lladdr_ntoa(buf: Uint8Array, off: number, len: number): string {
  let s = "";
  for (let i = 0; i < len; i++) s += (i ? ":" : "") + buf[off + i].toString(16).padStart(2, "0");
  return s;
}

function bcmp(a: Uint8Array, aoff: number, b: Uint8Array, boff: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[aoff + i] !== b[boff + i]) return true;
  return false;
}

function bcopy(src: Uint8Array, soff: number, dst: Uint8Array, doff: number, len: number): void {
  for (let i = 0; i < len; i++) dst[doff + i] = src[soff + i];
}

const etherbroadcastaddr = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/**
 * The result arpresolve hands back besides the header: the entry's flags
 * (LLE_VALID, LLE_IFADDR: "this is one of our own addresses").  The caller
 * allocates it once and reuses it.
 */
export class arp_result {
  lleflags = 0;
}

// ---------------------------------------------------------------------------
// Timer.

/** arptimer: an entry's time is up (see the state machine above). */
function arptimer(lle: llentry): void {
  if ((lle.la_flags & LLE_STATIC) !== 0) return;
  // Rescheduled before it ran: the new run will do the work.
  if (callout_pending(lle.lle_timer)) return;
  const llt = lle.lle_tbl;
  if (llt === null) return;
  const ifp = llt.llt_ifp;
  const saved = CURVNET_SET(ifp.if_vnet, "arptimer");
  switch (lle.ln_state) {
    case ARP_LLINFO_REACHABLE:
      // Expiry is near: ask the fast path whether the entry is still used.
      lle.r_skip_req = 1;
      lle.ln_state = ARP_LLINFO_VERIFY;
      callout_schedule(lle.lle_timer, hz * VNET_I32(arpt_rexmit));
      CURVNET_RESTORE(saved);
      return;
    case ARP_LLINFO_VERIFY:
      if (lle.r_skip_req === 0 && lle.la_preempt > 0) {
        // It was used: refresh it with a request.
        const dst = lle.r_l3addr;
        lle.la_preempt--;
        callout_schedule(lle.lle_timer, hz * VNET_I32(arpt_rexmit));
        arprequest(ifp, null, dst, null);
        CURVNET_RESTORE(saved);
        return;
      }
      // Nothing happened: keep it until it expires.
      if (lle.la_expire > time_uptime()) {
        callout_schedule(lle.lle_timer, hz * VNET_I32(arpt_rexmit));
        CURVNET_RESTORE(saved);
        return;
      }
      break;
    case ARP_LLINFO_INCOMPLETE:
    case ARP_LLINFO_DELETED:
      break;
  }
  // lle_event: expired (was valid) or timed out (never resolved).
  if ((lle.la_flags & LLE_DELETED) === 0) lle_event_hook?.(lle, (lle.la_flags & LLE_VALID) !== 0 ? LLENTRY_EXPIRED : LLENTRY_TIMEDOUT);
  callout_stop(lle.lle_timer);
  if ((lle.la_flags & LLE_LINKED) !== 0) {
    lle.lle_refcnt--;
    lltable_unlink_entry(llt, lle);
  }
  const pkts_dropped = llentry_free(lle);
  ARPSTAT_ADD(dropped, pkts_dropped);
  ARPSTAT_INC(timeouts);
  CURVNET_RESTORE(saved);
}

/** Observers of entry events (lle_event): tests and netstat use it. */
let lle_event_hook: ((lle: llentry, evt: number) => void) | null = null;
export function set_arp_lle_event_hook(f: ((lle: llentry, evt: number) => void) | null): void {
  lle_event_hook = f;
}

// ---------------------------------------------------------------------------
// Output.

// Scratch for building frames: nothing between filling and sending them
// builds another ARP frame.
class arp_scratch {
  readonly req_linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
  readonly reply_linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
  readonly fill_lladdr = new Uint8Array(LLE_MAX_LINKHDR);
  readonly input_linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
  readonly update_linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
  readonly hold_dst = new sockaddr_in(0);
}
// Made on first use: LLE_MAX_LINKHDR and sockaddr_in come from modules
// that may load after this one.
let scratch: arp_scratch | null = null;
function S(): arp_scratch {
  if (scratch === null) scratch = new arp_scratch();
  return scratch;
}
// As in FreeBSD, only ro_prepend/ro_plen matter for these: no ro_flags.
const req_ro: route = { ro_nh: null, ro_flags: 0, ro_prepend: null, ro_plen: 0 };
const reply_ro: route = { ro_nh: null, ro_flags: 0, ro_prepend: null, ro_plen: 0 };
const fill_req = new if_encap_req();
/** The AF_ARP destination if_output is given (sa_len 2, as FreeBSD sets). */
const arp_sa = new sockaddr_generic(AF_ARP);
arp_sa.sa_len = 2;

/** Remember a prebuilt header in ro, as a view of exactly ro_plen bytes. */
function set_prepend(ro: route, buf: Uint8Array, len: number): void {
  if (ro.ro_prepend === null || ro.ro_plen !== len) ro.ro_prepend = buf.subarray(0, len);
  ro.ro_plen = len;
}

/**
 * arp_fillheader: the link header for an ARP frame (broadcast, or to the
 * target hardware address), from if_requestencap.  Returns its length in
 * res.bufsize.
 */
function arp_fillheader(ifp: ifnet, m: mbuf, ah: number, bcast: boolean, buf: Uint8Array, res: llheader_result): number {
  for (let i = 0; i < buf.length; i++) buf[i] = 0;
  if (ifp.if_requestencap === null) return EAFNOSUPPORT;
  const hln = m.m_buf[ah + ar_hln];
  const pln = m.m_buf[ah + ar_pln];
  // ar_tha
  const fill_lladdr = S().fill_lladdr;
  bcopy(m.m_buf, ah + ARPHDR_LEN + hln + pln, fill_lladdr, 0, hln);
  const ereq = fill_req;
  ereq.buf = buf;
  ereq.bufsize = buf.length;
  ereq.rtype = IFENCAP_LL;
  ereq.family = AF_ARP;
  ereq.lladdr = fill_lladdr;
  ereq.lladdr_len = hln;
  ereq.lladdr_off = 0;
  ereq.hdata = m.m_buf;
  ereq.hdata_off = ah;
  ereq.flags = bcast ? IFENCAP_FLAG_BROADCAST : 0;
  const error = ifp.if_requestencap(ifp, ereq);
  if (error === 0) res.bufsize = ereq.bufsize;
  return error;
}

const fill_res: llheader_result = { bufsize: 0, lladdr_off: 0 };

/**
 * arprequest_internal: broadcast a request for tip.  Without sip, the
 * source is an address of ifp on tip's subnet (or, failing that, the last
 * IPv4 address of ifp); without enaddr, ifp's own link address.
 */
function arprequest_internal(ifp: ifnet, sip: number | null, tip: number, enaddr: Uint8Array | null): number {
  if (sip === null) {
    // Find a compatible source among the interface's addresses.
    const list = ifp.if_addrhead;
    for (let i = 0; i < list.length; i++) {
      const ifa = list[i];
      if (!(ifa instanceof in_ifaddr)) continue;
      sip = IA_SIN(ifa);
      if (((sip ^ tip) & ifa.ia_sockmask.sin_addr) === 0) break;
    }
    if (sip === null) {
      printf("arprequest_internal: cannot find matching address\n");
      return EADDRNOTAVAIL;
    }
  }
  if (enaddr === null) enaddr = lltable_if_lladdr(ifp);
  const m = m_gethdr(M_NOWAIT, MT_DATA);
  if (m === null) return ENOMEM;
  const hln = ifp.if_addrlen;
  m.m_len = ARPHDR_LEN + 2 * 4 + 2 * hln;
  m.m_pkthdr.len = m.m_len;
  M_ALIGN(m, m.m_len);
  const ah = m.m_data;
  const buf = m.m_buf;
  const dv = m.m_dv;
  for (let i = 0; i < m.m_len; i++) buf[ah + i] = 0;
  dv.setUint16(ah + ar_pro, ETHERTYPE_IP);
  buf[ah + ar_hln] = hln;
  buf[ah + ar_pln] = 4;
  dv.setUint16(ah + ar_op, ARPOP_REQUEST);
  bcopy(enaddr, 0, buf, ah + ARPHDR_LEN, hln);
  dv.setUint32(ah + ARPHDR_LEN + hln, sip >>> 0);
  dv.setUint32(ah + ARPHDR_LEN + 2 * hln + 4, tip >>> 0);
  const error0 = arp_fillheader(ifp, m, ah, true, S().req_linkhdr, fill_res);
  if (error0 !== 0 && error0 !== EAFNOSUPPORT) {
    if (ARP_LOG_OK(LOG_ERR)) ARP_LOG(LOG_ERR, `Failed to calculate ARP header on ${ifp.if_xname}: ${error0}\n`);
    // FreeBSD leaks the mbuf here; nothing may leak in the simulator.
    m_freem(m);
    return error0;
  }
  const ro = req_ro;
  if (error0 === 0) set_prepend(ro, S().req_linkhdr, fill_res.bufsize);
  else {
    ro.ro_prepend = null;
    ro.ro_plen = 0;
  }
  m.m_flags |= M_BCAST;
  m_clrprotoflags(m);
  const error = ifp.if_output(ifp, m, arp_sa, ro);
  ARPSTAT_INC(txrequests);
  if (error !== 0) {
    ARPSTAT_INC(txerrors);
    if (ARP_LOG_OK(LOG_DEBUG)) ARP_LOG(LOG_DEBUG, `Failed to send ARP packet on ${ifp.if_xname}: ${error}\n`);
  }
  return error;
}

/**
 * arprequest(ifp, sip, tip, enaddr): broadcast an ARP request for tip (host
 * order).  sip null: pick a source address of ifp; enaddr null: ifp's own.
 */
export function arprequest(ifp: ifnet, sip: number | null, tip: number, enaddr: Uint8Array | null): void {
  arprequest_internal(ifp, sip, tip, enaddr);
}

/**
 * arpresolve_full: the slow path: find or make the entry, answer from it
 * when valid, else hold m and ask (at most once a second).
 */
function arpresolve_full(ifp: ifnet, is_gw: boolean, flags: number, m: mbuf | null, dst: number, desten: Uint8Array, res: arp_result): number {
  res.lleflags = 0;
  const llt = in_lltable_get(ifp);
  if (llt === null) {
    m_freem(m);
    return EINVAL;
  }
  let la: llentry | null = null;
  if ((flags & LLE_CREATE) === 0) la = lla_lookup(llt, LLE_EXCLUSIVE, dst);
  if (la === null && (ifp.if_flags & (IFF_NOARP | IFF_STATICARP)) === 0) {
    la = lltable_alloc_entry(llt, 0, dst);
    if (la === null) {
      log(LOG_DEBUG, `arpresolve: can't allocate llinfo for ${inet_ntoa(dst)} on ${ifp.if_xname}\n`);
      m_freem(m);
      return EINVAL;
    }
    const la_tmp = lla_lookup(llt, LLE_EXCLUSIVE, dst);
    // Someone made one meanwhile (arp -s, an address of ours, a reply):
    // theirs stays, ours goes.
    if (la_tmp === null) lltable_link_entry(llt, la);
    else {
      lltable_free_entry(llt, la);
      la = la_tmp;
    }
  }
  if (la === null) {
    m_freem(m);
    return EINVAL;
  }
  if ((la.la_flags & LLE_VALID) !== 0 && ((la.la_flags & LLE_STATIC) !== 0 || la.la_expire > time_uptime())) {
    if ((flags & LLE_ADDRONLY) !== 0) bcopy(la.ll_addr, 0, desten, 0, Math.min(ifp.if_addrlen, desten.length));
    else bcopy(la.r_linkdata, 0, desten, 0, Math.min(la.r_hdrlen, desten.length));
    llentry_mark_used(la);
    res.lleflags = la.la_flags & (LLE_VALID | LLE_IFADDR);
    return 0;
  }
  const renew = la.la_asked === 0 || la.la_expire !== time_uptime();
  // Unresolved: the packet waits in the entry's queue (at most maxhold,
  // oldest out first).
  if (m !== null) {
    const dropped_now = lltable_append_entry_queue(la, m, VNET_I32(arp_maxhold));
    if (dropped_now !== 0) ARPSTAT_ADD(dropped, dropped_now);
  }
  // What the caller hears: still asking (EWOULDBLOCK, which ether_output
  // turns into success), or given up after maxtries requests (EHOSTDOWN;
  // EHOSTUNREACH for a gateway).
  const error = la.la_asked < VNET_I32(arp_maxtries) ? EWOULDBLOCK : is_gw ? EHOSTUNREACH : EHOSTDOWN;
  if (renew) {
    la.lle_refcnt++;
    la.la_expire = time_uptime();
    const canceled = callout_reset(la.lle_timer, hz * VNET_I32(arpt_down), arptimer, la);
    if (canceled !== 0) la.lle_refcnt--;
    la.la_asked++;
    const e = arprequest_internal(ifp, null, dst, null);
    // A request that could not be sent is the caller's error; one that
    // went out leaves the answer chosen above.
    if (e !== 0) return e;
    return error;
  }
  return error;
}

/**
 * arpresolve(ifp, is_gw, m, dst, desten, res): the link header for a packet
 * to next hop dst (host order) on ifp, copied into desten (the full header
 * as far as desten holds it: the destination MAC first).  Returns 0, or
 * EWOULDBLOCK with m held until the reply, or EHOSTDOWN / EHOSTUNREACH
 * (is_gw) after maxtries unanswered requests; m is then held or freed, the
 * caller must not touch it.  res.lleflags gets LLE_VALID and LLE_IFADDR
 * (dst is our own address).  The fast path allocates nothing.
 */
export function arpresolve(ifp: ifnet, is_gw: boolean, m: mbuf | null, dst: number, desten: Uint8Array, res: arp_result): number {
  res.lleflags = 0;
  if (m !== null) {
    if ((m.m_flags & M_BCAST) !== 0) {
      bcopy(ifp.if_broadcastaddr ?? etherbroadcastaddr, 0, desten, 0, ifp.if_addrlen);
      return 0;
    }
    if ((m.m_flags & M_MCAST) !== 0) {
      // ETHER_MAP_IP_MULTICAST
      desten[0] = 0x01;
      desten[1] = 0x00;
      desten[2] = 0x5e;
      desten[3] = (dst >>> 16) & 0x7f;
      desten[4] = (dst >>> 8) & 0xff;
      desten[5] = dst & 0xff;
      return 0;
    }
  }
  const llt = in_lltable_get(ifp);
  const la = llt === null ? null : lla_lookup(llt, LLE_UNLOCKED, dst);
  if (la !== null && (la.r_flags & RLLE_VALID) !== 0) {
    bcopy(la.r_linkdata, 0, desten, 0, la.r_hdrlen < desten.length ? la.r_hdrlen : desten.length);
    res.lleflags = LLE_VALID | (la.r_flags & RLLE_IFADDR);
    llentry_mark_used(la);
    return 0;
  }
  return arpresolve_full(ifp, is_gw, la === null ? LLE_CREATE : 0, m, dst, desten, res);
}

// ---------------------------------------------------------------------------
// Input.

/**
 * arpintr: the NETISR_ARP handler.  Checks what all ARP needs (length,
 * hardware type and address length), then hands IPv4 ARP to in_arpinput.
 * Bad packets are logged (rate limited) and freed.
 */
export function arpintr(m0: mbuf): void {
  let m: mbuf | null = m0;
  const ifp = m.m_pkthdr.rcvif as ifnet;
  if (m.m_len < ARPHDR_LEN) {
    m = m_pullup(m, ARPHDR_LEN);
    if (m === null) {
      if (ARP_LOG_OK(LOG_NOTICE)) ARP_LOG(LOG_NOTICE, `packet with short header received on ${ifp.if_xname}\n`);
      return;
    }
  }
  let len = arphdr_len2(m.m_buf[m.m_data + ar_hln], m.m_buf[m.m_data + ar_pln]);
  if (m.m_len < len) {
    m = m_pullup(m, len);
    if (m === null) {
      if (ARP_LOG_OK(LOG_NOTICE)) ARP_LOG(LOG_NOTICE, `short packet received on ${ifp.if_xname}\n`);
      return;
    }
  }
  const ah = m.m_data;
  const hrd = m.m_dv.getUint16(ah + ar_hrd);
  const hln = m.m_buf[ah + ar_hln];
  let hlen = 0;
  let layer = "";
  switch (hrd) {
    case ARPHRD_ETHER:
      hlen = ETHER_ADDR_LEN;
      layer = "ethernet";
      break;
    case ARPHRD_INFINIBAND:
      hlen = 20;
      layer = "infiniband";
      break;
    case ARPHRD_IEEE1394:
      hlen = 0;
      layer = "firewire";
      // 20 bytes or more would not fit an entry: demand 16, so that the
      // length check below refuses it.
      if (hln >= 20) hlen = 16;
      break;
    default:
      if (ARP_LOG_OK(LOG_NOTICE)) ARP_LOG(LOG_NOTICE, `packet with unknown hardware format 0x${hrd.toString(10).padStart(2, "0")} received on ${ifp.if_xname}\n`);
      m_freem(m);
      return;
  }
  if (hlen !== 0 && hlen !== hln) {
    if (ARP_LOG_OK(LOG_NOTICE)) ARP_LOG(LOG_NOTICE, `packet with invalid ${layer} address length ${hln} received on ${ifp.if_xname}\n`);
    m_freem(m);
    return;
  }
  ARPSTAT_INC(received);
  switch (m.m_dv.getUint16(ah + ar_pro)) {
    case ETHERTYPE_IP:
      in_arpinput(m);
      return;
  }
  m_freem(m);
}

const input_res: llheader_result = { bufsize: 0, lladdr_off: 0 };

/**
 * in_arpinput: an IPv4 ARP packet (RFC 826).  Learn the sender if an entry
 * for it exists or we are the target, complain about someone using our
 * address, and answer requests for our addresses (or proxied ones) in
 * place.  Consumes m.
 */
function in_arpinput(m: mbuf): void {
  const ifp = m.m_pkthdr.rcvif as ifnet;
  // Bridges are not modelled: nothing is bridged.
  const bridged = false;
  const buf = m.m_buf;
  const dv = m.m_dv;
  const ah = m.m_data;
  const hln = buf[ah + ar_hln];
  const pln = buf[ah + ar_pln];
  // A protocol address of other than 4 bytes cannot be IPv4's.
  if (pln !== 4) {
    if (ARP_LOG_OK(LOG_NOTICE)) ARP_LOG(LOG_NOTICE, "requested protocol length != 4\n");
    m_freem(m);
    return;
  }
  const sha = ah + ARPHDR_LEN;
  const spa = sha + hln;
  const tha = spa + pln;
  const tpa = tha + hln;
  if (allow_multicast.v === 0 && (buf[sha] & 1) !== 0) {
    if (ARP_LOG_OK(LOG_NOTICE)) ARP_LOG(LOG_NOTICE, `${lladdr_ntoa(buf, sha, ifp.if_addrlen)} is multicast\n`);
    m_freem(m);
    return;
  }
  const op = dv.getUint16(ah + ar_op);
  const isaddr = dv.getUint32(spa);
  let itaddr = dv.getUint32(tpa);
  if (op === ARPOP_REPLY) ARPSTAT_INC(rxreplies);

  // Our address: the target's on this interface, else the sender's (a
  // duplicate), else the interface's first address as a stand-in.
  let ia: in_ifaddr | null = null;
  let chain = INADDR_HASH(itaddr);
  for (let i = 0; i < chain.length; i++) {
    const it = chain[i];
    if (it.ia_ifp === ifp && itaddr === it.ia_addr.sin_addr) {
      ia = it;
      break;
    }
  }
  if (ia === null) {
    chain = INADDR_HASH(isaddr);
    for (let i = 0; i < chain.length; i++) {
      const it = chain[i];
      if (it.ia_ifp === ifp && isaddr === it.ia_addr.sin_addr) {
        ia = it;
        break;
      }
    }
  }
  if (ia === null) {
    const list = ifp.if_addrhead;
    for (let i = 0; i < list.length; i++) {
      const ifa = list[i];
      if (ifa instanceof in_ifaddr) {
        ia = ifa;
        break;
      }
    }
  }
  if (ia === null) {
    // Only a bridge would fall back to any address of the vnet.
    m_freem(m);
    return;
  }
  const enaddr = lltable_if_lladdr(ifp);
  const carped = false;
  const myaddr = ia.ia_addr.sin_addr;
  if (!bcmp(buf, sha, enaddr, 0, ifp.if_addrlen)) {
    // Our own frame.
    m_freem(m);
    return;
  }
  if (!bcmp(buf, sha, ifp.if_broadcastaddr ?? etherbroadcastaddr, 0, ifp.if_addrlen)) {
    if (ARP_LOG_OK(LOG_NOTICE)) ARP_LOG(LOG_NOTICE, `link address is broadcast for IP address ${inet_ntoa(isaddr)}!\n`);
    m_freem(m);
    return;
  }
  if (ifp.if_addrlen !== hln) {
    if (ARP_LOG_OK(LOG_WARNING))
      ARP_LOG(LOG_WARNING, `from ${lladdr_ntoa(buf, sha, ifp.if_addrlen)}: addr len: new ${hln}, i/f ${ifp.if_addrlen} (ignored)\n`);
    m_freem(m);
    return;
  }

  const llt = in_lltable_get(ifp);
  reply: {
    // Someone else uses our address (0.0.0.0 is DHCP's, not a conflict).
    if (!bridged && !carped && isaddr === myaddr && myaddr !== 0) {
      if (ARP_LOG_OK(LOG_ERR)) ARP_LOG(LOG_ERR, `${lladdr_ntoa(buf, sha, ifp.if_addrlen)} is using my IP address ${inet_ntoa(isaddr)} on ${ifp.if_xname}!\n`);
      itaddr = myaddr;
      ARPSTAT_INC(dupips);
      break reply;
    }
    if ((ifp.if_flags & IFF_STATICARP) !== 0 || llt === null) break reply;
    let la = lla_lookup(llt, LLE_EXCLUSIVE, isaddr);
    if (la !== null) arp_check_update_lle(m, ah, isaddr, ifp, bridged, la);
    else if (itaddr === myaddr) {
      // A request or reply to us, and no entry yet: make one.
      const input_linkhdr = S().input_linkhdr;
      if (lltable_calc_llheader(ifp, AF_INET, buf, sha, input_linkhdr, input_res) !== 0) break reply;
      la = lltable_alloc_entry(llt, 0, isaddr);
      // No entry could be made (the sender may be off all our subnets):
      // the request still gets its reply.
      if (la === null) break reply;
      lltable_set_entry_addr(ifp, la, input_linkhdr, input_res.bufsize, input_res.lladdr_off);
      const la_tmp = lla_lookup(llt, LLE_EXCLUSIVE, isaddr);
      // Keep the entry already there, however it came, and let this packet
      // update it instead.
      if (la_tmp === null) {
        lltable_link_entry(llt, la);
        arp_mark_lle_reachable(la);
      } else {
        lltable_free_entry(llt, la);
        arp_check_update_lle(m, ah, isaddr, ifp, bridged, la_tmp);
      }
    }
  }

  if (op !== ARPOP_REQUEST) {
    m_freem(m);
    return;
  }
  ARPSTAT_INC(rxrequests);
  if (itaddr === myaddr) {
    // We are the target: tha := sha, sha := our address.
    bcopy(buf, sha, buf, tha, hln);
    bcopy(enaddr, 0, buf, sha, hln);
  } else {
    // Not ours: a published (proxy) entry, or proxyall.
    const lle = llt === null ? null : lla_lookup(llt, 0, itaddr);
    if (lle !== null && (lle.la_flags & LLE_PUB) !== 0) {
      bcopy(buf, sha, buf, tha, hln);
      bcopy(lle.ll_addr, 0, buf, sha, hln);
    } else {
      if (VNET_I32(arp_proxyall) === 0) {
        m_freem(m);
        return;
      }
      let nh = fib4_lookup(ifp.if_fib, itaddr, 0, 0, 0);
      // A host on the asking link answers for itself; a proxy answer too
      // would have two hosts claiming one address there.
      if (nh === null || nh.nh_ifp === ifp) {
        m_freem(m);
        return;
      }
      bcopy(buf, sha, buf, tha, hln);
      bcopy(enaddr, 0, buf, sha, hln);
      // Answer only an asker our routes put behind this link, so that a
      // link plugged into the wrong network gets no proxy answers.
      nh = fib4_lookup(ifp.if_fib, isaddr, 0, 0, 0);
      if (nh === null) {
        m_freem(m);
        return;
      }
      if (nh.nh_ifp !== ifp) {
        if (ARP_LOG_OK(LOG_INFO)) ARP_LOG(LOG_INFO, `proxy: ignoring request from ${inet_ntoa(isaddr)} via ${ifp.if_xname}\n`);
        m_freem(m);
        return;
      }
    }
  }
  if (itaddr === myaddr && IN_LINKLOCAL(itaddr)) {
    // RFC 3927 2.5: a reply about a 169.254/16 address of ours goes to
    // everyone on the link.
    m.m_flags |= M_BCAST;
    m.m_flags &= ~M_MCAST;
  } else {
    m.m_flags &= ~(M_BCAST | M_MCAST);
  }
  bcopy(buf, spa, buf, tpa, pln);
  dv.setUint32(spa, itaddr >>> 0);
  dv.setUint16(ah + ar_op, ARPOP_REPLY);
  dv.setUint16(ah + ar_pro, ETHERTYPE_IP);
  m.m_len = ARPHDR_LEN + 2 * pln + 2 * hln;
  m.m_pkthdr.len = m.m_len;
  m.m_pkthdr.rcvif = null;
  // The reply is exactly the header: link-level padding in a trailing mbuf
  // goes (FreeBSD's frames arrive in one buffer and it only trims m_len).
  if (m.m_next !== null) {
    m_freem(m.m_next);
    m.m_next = null;
  }
  const error = arp_fillheader(ifp, m, ah, false, S().reply_linkhdr, fill_res);
  // Without an encapsulation method if_output may still know AF_ARP.
  if (error !== 0 && error !== EAFNOSUPPORT) {
    if (ARP_LOG_OK(LOG_ERR)) ARP_LOG(LOG_ERR, `Failed to calculate ARP header on ${ifp.if_xname}: ${error}\n`);
    m_freem(m);
    return;
  }
  const ro = reply_ro;
  if (error === 0) set_prepend(ro, S().reply_linkhdr, fill_res.bufsize);
  else {
    ro.ro_prepend = null;
    ro.ro_plen = 0;
  }
  m_clrprotoflags(m);
  ifp.if_output(ifp, m, arp_sa, ro);
  ARPSTAT_INC(txreplies);
}

const update_res: llheader_result = { bufsize: 0, lladdr_off: 0 };

/**
 * arp_check_update_lle: what the packet says about an existing entry.
 * Static entries do not change; a changed address is logged; the entry
 * becomes reachable and its held packets go out.
 */
function arp_check_update_lle(m: mbuf, ah: number, isaddr: number, ifp: ifnet, bridged: boolean, la: llentry): void {
  const buf = m.m_buf;
  const sha = ah + ARPHDR_LEN;
  const llt = la.lle_tbl as lltable;
  if (!bridged && llt.llt_ifp !== ifp) {
    if (log_arp_wrong_iface.v !== 0 && ARP_LOG_OK(LOG_WARNING))
      ARP_LOG(LOG_WARNING, `${inet_ntoa(isaddr)} is on ${llt.llt_ifp.if_xname} but got reply from ${lladdr_ntoa(buf, sha, ifp.if_addrlen)} on ${ifp.if_xname}\n`);
    return;
  }
  if ((la.la_flags & LLE_VALID) !== 0 && bcmp(buf, sha, la.ll_addr, 0, ifp.if_addrlen)) {
    if ((la.la_flags & LLE_STATIC) !== 0) {
      if (log_arp_permanent_modify.v !== 0 && ARP_LOG_OK(LOG_ERR))
        ARP_LOG(LOG_ERR, `${lladdr_ntoa(buf, sha, ifp.if_addrlen)} attempts to modify permanent entry for ${inet_ntoa(isaddr)} on ${ifp.if_xname}\n`);
      return;
    }
    if (log_arp_movements.v !== 0 && ARP_LOG_OK(LOG_INFO))
      ARP_LOG(LOG_INFO, `${inet_ntoa(isaddr)} moved from ${lladdr_ntoa(la.ll_addr, 0, ifp.if_addrlen)} to ${lladdr_ntoa(buf, sha, ifp.if_addrlen)} on ${ifp.if_xname}\n`);
  }
  const update_linkhdr = S().update_linkhdr;
  if (lltable_calc_llheader(ifp, AF_INET, buf, sha, update_linkhdr, update_res) !== 0) return;
  // Store the header only when it changed, or is the first one.
  if (bcmp(la.r_linkdata, 0, update_linkhdr, 0, update_res.bufsize) || (la.la_flags & LLE_VALID) === 0) {
    if (lltable_try_set_entry_addr(ifp, la, update_linkhdr, update_res.bufsize, update_res.lladdr_off) === 0) return;
    la.r_skip_req = 0;
  }
  arp_mark_lle_reachable(la);
  if (la.la_hold !== null) {
    let m_hold: mbuf | null = la.la_hold;
    la.la_hold = null;
    la.la_numheld = 0;
    // The destination held packets are sent to (lltable_fill_sa_entry).
    const dst = S().hold_dst;
    dst.sin_addr = lltable_fill_sa_entry(la);
    // if_output takes each held packet over: sent, or freed there.
    while (m_hold !== null) {
      const m_hold_next: mbuf | null = m_hold.m_nextpkt;
      m_hold.m_nextpkt = null;
      m_clrprotoflags(m_hold);
      ifp.if_output(ifp, m_hold, dst, null);
      m_hold = m_hold_next;
    }
  }
}

/** arp_mark_lle_reachable: resolved; expires after max_age. */
function arp_mark_lle_reachable(la: llentry): void {
  la.ln_state = ARP_LLINFO_REACHABLE;
  lle_event_hook?.(la, LLENTRY_RESOLVED);
  if ((la.la_flags & LLE_STATIC) === 0) {
    la.lle_refcnt++;
    la.la_expire = time_uptime() + VNET_I32(arpt_keep);
    // Wake up early enough for maxtries refreshes before the end.
    let wtime = VNET_I32(arpt_keep) - VNET_I32(arp_maxtries) * VNET_I32(arpt_rexmit);
    if (wtime < 0) wtime = VNET_I32(arpt_keep);
    const canceled = callout_reset(la.lle_timer, hz * wtime, arptimer, la);
    if (canceled !== 0) la.lle_refcnt--;
  }
  la.la_asked = 0;
  la.la_preempt = VNET_I32(arp_maxtries);
}

// ---------------------------------------------------------------------------
// Our own addresses.

/** arp_add_ifa_lle: the permanent entry for an address of ours. */
function arp_add_ifa_lle(ifp: ifnet, dst: number): void {
  const llt = in_lltable_get(ifp);
  if (llt === null) return;
  // LLE_STATIC: no ARP packet may change this one.
  const lle = lltable_alloc_entry(llt, LLE_IFADDR | LLE_STATIC, dst);
  if (lle === null) {
    log(LOG_INFO, "arp_ifinit: cannot create arp entry for interface address\n");
    return;
  }
  const lle_tmp = lla_lookup(llt, LLE_EXCLUSIVE, dst);
  if (lle_tmp !== null) lltable_unlink_entry(llt, lle_tmp);
  lltable_link_entry(llt, lle);
  if (lle_tmp !== null) lltable_free_entry(llt, lle_tmp);
}

/** garp_rexmit: retransmit a gratuitous ARP, backing off 1, 2, 4... s. */
function garp_rexmit(ia: in_ifaddr): void {
  if (callout_pending(ia.ia_garp_timer) || !callout_active(ia.ia_garp_timer)) return;
  const ifp = ia.ifa_ifp;
  const saved = CURVNET_SET(ifp.if_vnet, "garp_rexmit");
  arprequest(ifp, IA_SIN(ia), IA_SIN(ia), lltable_if_lladdr(ifp));
  ++ia.ia_garp_count;
  if (ia.ia_garp_count < VNET_I32(garp_rexmit_count)) callout_reset(ia.ia_garp_timer, (1 << ia.ia_garp_count) * hz, garp_rexmit, ia);
  CURVNET_RESTORE(saved);
}

function garp_timer_start(ia: in_ifaddr): void {
  ia.ia_garp_count = 0;
  callout_reset(ia.ia_garp_timer, (1 << ia.ia_garp_count) * hz, garp_rexmit, ia);
}

/**
 * arp_ifinit(ifp, ifa): a new IPv4 address on an Ethernet interface:
 * announce it (gratuitous ARP, retransmitted garp_rexmit_count times) and
 * add its permanent LLE_IFADDR entry.  Called from ether_ioctl(SIOCSIFADDR).
 */
export function arp_ifinit(ifp: ifnet, ifa: ifaddr): void {
  if (!(ifa instanceof in_ifaddr)) return;
  const dst = IA_SIN(ifa);
  if (dst === INADDR_ANY) return;
  arp_announce_ifaddr(ifp, dst, lltable_if_lladdr(ifp));
  if (VNET_I32(garp_rexmit_count) > 0) garp_timer_start(ifa);
  arp_add_ifa_lle(ifp, dst);
}

/** arp_announce_ifaddr: a gratuitous request (sender = target = addr). */
export function arp_announce_ifaddr(ifp: ifnet, addr: number, enaddr: Uint8Array): void {
  if (addr !== INADDR_ANY) arprequest(ifp, addr, addr, enaddr);
}

/** arp_iflladdr: the interface's link address changed (SIOCSIFLLADDR):
 *  rebuild the headers and re-announce the addresses. */
export function arp_iflladdr(ifp: ifnet): void {
  const llt = in_lltable_get(ifp);
  if (llt !== null) lltable_update_ifaddr(llt);
  if ((ifp.if_flags & IFF_UP) !== 0) {
    for (const ifa of ifp.if_addrhead.slice()) if (ifa instanceof in_ifaddr) arp_ifinit(ifp, ifa);
  }
}

// arp_init: EVENTHANDLER_REGISTER(iflladdr_event, arp_iflladdr).
iflladdr_event.push(arp_iflladdr);

// ---------------------------------------------------------------------------

/** vnet_arp_init: the ARP netisr (registered once, then per vnet). */
function vnet_arp_init(): void {
  if (IS_DEFAULT_VNET(curvnet)) netisr_register(NETISR_ARP, "arp", arpintr);
  else if (VIMAGE) netisr_register_vnet(NETISR_ARP);
}
VNET_SYSINIT("vnet_arp_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_SECOND, vnet_arp_init);

/** vnet_arp_destroy: ARP leaves with IP, while the address hash it looks
 *  things up in still exists. */
function vnet_arp_destroy(): void {
  netisr_unregister_vnet(NETISR_ARP);
}
VNET_SYSUNINIT("vnet_arp_uninit", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, vnet_arp_destroy);
