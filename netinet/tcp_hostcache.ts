// sys/netinet/tcp_hostcache.c: the TCP host cache, per vnet.  What a
// connection learnt about a peer (path MTU from ICMP, RTT and its
// variance, ssthresh, cwnd) outlives it here, keyed by the foreign address,
// so the next connection to that host starts from it (tcp_mss_update and
// cc_conn_init ask tcp_hc_get).  Entries expire after
// net.inet.tcp.hostcache.expire seconds unused; a callout prunes them every
// net.inet.tcp.hostcache.prune seconds (stopped with the vnet).
//
// Departure: FreeBSD arms the prune callout at tcp_hc_init and forever;
// here it runs while the cache holds entries (armed by the first insert),
// so that an idle vnet has no pending callout and a run can end
// (kern_run_until_idle).  Entries age and expire at the same times.
//
// Departures: one Map per vnet keyed by the address instead of a hash of
// bucket lists (bucketlimit is kept and enforced per address family, not
// per bucket); no locks.

import { EINVAL } from "../kern/errno.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { callout, callout_pending, callout_reset, callout_stop, hz } from "../kern/kern_timeout.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RDTUN, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_INT, CTLTYPE_STRING, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC, type sysctl_handler_t } from "../kern/sysctl.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_IS_SHUTTING_DOWN, VNET_PTR, VNET_PTR_SET, VNET_SYSUNINIT, curvnet, vnet, vnet0 } from "../net/vnet.ts";
import { inet_ntop6 } from "../netinet6/in6_var.ts";
import { inet_ntoa } from "./in.ts";
import { INC_ISIPV6, type in_conninfo } from "./in_pcb.ts";
import { TCPSTAT_INC, _net_inet_tcp, tcps_cachedrtt, tcps_cachedrttvar, tcps_cachedssthresh, tcps_hc_added, tcps_hc_bucketoverflow, type hc_metrics_lite } from "./tcp_var.ts";

const TCP_HOSTCACHE_HASHSIZE = 512;
const TCP_HOSTCACHE_BUCKETLIMIT = 30;
const TCP_HOSTCACHE_EXPIRE = 60 * 60;
const TCP_HOSTCACHE_PRUNE = 5 * 60;

/** struct hc_metrics: one peer. */
class hc_metrics {
  hc_mtu = 0;
  hc_ssthresh = 0;
  hc_rtt = 0;
  hc_rttvar = 0;
  hc_cwnd = 0;
  hc_sendpipe = 0;
  hc_recvpipe = 0;
  hc_hits = 0;
  hc_updates = 0;
  /** Seconds until it is pruned. */
  hc_expire = 0;
  constructor(
    readonly key: string,
    readonly ip: string,
  ) {}
}

/** struct tcp_hostcache. */
class tcp_hostcache {
  readonly entries = new Map<string, hc_metrics>();
  readonly hashsize = TCP_HOSTCACHE_HASHSIZE;
  readonly bucket_limit = TCP_HOSTCACHE_BUCKETLIMIT;
  readonly cache_limit = TCP_HOSTCACHE_HASHSIZE * TCP_HOSTCACHE_BUCKETLIMIT;
  expire = TCP_HOSTCACHE_EXPIRE;
  prune = TCP_HOSTCACHE_PRUNE;
  purgeall = 0;
  readonly hc_callout = new callout();
}

const tcp_hostcache_p = VNET_DEFINE_PTR<tcp_hostcache | null>("tcp_hostcache", null);
/** net.inet.tcp.hostcache.enable. */
const tcp_use_hostcache = VNET_DEFINE_INT("tcp_use_hostcache", 1);

function V_tcp_hostcache(): tcp_hostcache {
  let hc = VNET_PTR(tcp_hostcache_p);
  if (hc === null) {
    hc = new tcp_hostcache();
    VNET_PTR_SET(tcp_hostcache_p, hc);
  }
  return hc;
}

/** tcp_hc_init: the vnet's cache and its prune timer. */
export function tcp_hc_init(): void {
  const hc = new tcp_hostcache();
  VNET_PTR_SET(tcp_hostcache_p, hc);
  // The prune callout starts with the first entry (tcp_hc_insert).
}

/** tcp_hc_destroy: stop the timer, drop the entries. */
export function tcp_hc_destroy(): void {
  const hc = VNET_PTR(tcp_hostcache_p);
  if (hc === null) return;
  callout_stop(hc.hc_callout);
  hc.entries.clear();
  VNET_PTR_SET(tcp_hostcache_p, null);
}
/** tcp_destroy calls tcp_hc_destroy; this only makes sure the prune
 *  callout cannot outlive the vnet if the order of teardown ever changes. */
function tcp_hc_stop(): void {
  const hc = VNET_PTR(tcp_hostcache_p);
  if (hc !== null) callout_stop(hc.hc_callout);
}
VNET_SYSUNINIT("tcp_hc_stop", SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY, tcp_hc_stop);

function hc_key(inc: in_conninfo): string {
  if ((inc.inc_flags & INC_ISIPV6) !== 0) return "6:" + inet_ntop6(inc.inc6_faddr);
  return "4:" + (inc.inc_faddr >>> 0).toString(16);
}
function hc_ip(inc: in_conninfo): string {
  return (inc.inc_flags & INC_ISIPV6) !== 0 ? inet_ntop6(inc.inc6_faddr) : inet_ntoa(inc.inc_faddr);
}

/** tcp_hc_lookup(inc): the entry, its expiry pushed back. */
function tcp_hc_lookup(inc: in_conninfo, update: boolean): hc_metrics | null {
  if (VNET_I32(tcp_use_hostcache) === 0) return null;
  const hc = V_tcp_hostcache();
  const e = hc.entries.get(hc_key(inc));
  if (e === undefined) return null;
  if (update) {
    e.hc_updates++;
    e.hc_expire = hc.expire;
  }
  return e;
}

/** tcp_hc_insert(inc): a new entry; at the cache limit the least used one
 *  goes (tcps_hc_bucketoverflow). */
function tcp_hc_insert(inc: in_conninfo): hc_metrics | null {
  const hc = V_tcp_hostcache();
  if (hc.entries.size >= hc.cache_limit) {
    let victim: hc_metrics | null = null;
    for (const e of hc.entries.values()) if (victim === null || e.hc_expire < victim.hc_expire) victim = e;
    if (victim === null) return null;
    hc.entries.delete(victim.key);
    TCPSTAT_INC(tcps_hc_bucketoverflow);
  }
  const e = new hc_metrics(hc_key(inc), hc_ip(inc));
  e.hc_expire = hc.expire;
  hc.entries.set(e.key, e);
  if (!callout_pending(hc.hc_callout)) {
    const v = VIMAGE ? (curvnet as vnet) : vnet0;
    if (!VNET_IS_SHUTTING_DOWN(v)) callout_reset(hc.hc_callout, hc.prune * hz, tcp_hc_purge, v);
  }
  TCPSTAT_INC(tcps_hc_added);
  return e;
}

/** tcp_hc_get(inc, hc_metrics_lite): what we know of the peer (all zero
 *  when nothing, or when the cache is off). */
export function tcp_hc_get(inc: in_conninfo, hc_metrics_lite: hc_metrics_lite): void {
  const e = tcp_hc_lookup(inc, false);
  if (e === null) {
    hc_metrics_lite.clear();
    return;
  }
  e.hc_hits++;
  e.hc_expire = V_tcp_hostcache().expire;
  hc_metrics_lite.hc_mtu = e.hc_mtu;
  hc_metrics_lite.hc_ssthresh = e.hc_ssthresh;
  hc_metrics_lite.hc_rtt = e.hc_rtt;
  hc_metrics_lite.hc_rttvar = e.hc_rttvar;
  hc_metrics_lite.hc_cwnd = e.hc_cwnd;
  hc_metrics_lite.hc_sendpipe = e.hc_sendpipe;
  hc_metrics_lite.hc_recvpipe = e.hc_recvpipe;
}

/** tcp_hc_getmtu(inc): the path MTU learnt, 0 when none. */
export function tcp_hc_getmtu(inc: in_conninfo): number {
  const e = tcp_hc_lookup(inc, false);
  if (e === null) return 0;
  e.hc_hits++;
  e.hc_expire = V_tcp_hostcache().expire;
  return e.hc_mtu;
}

/** tcp_hc_updatemtu(inc, mtu): remember a path MTU (ICMP need-frag,
 *  packet too big). */
export function tcp_hc_updatemtu(inc: in_conninfo, mtu: number): void {
  if (VNET_I32(tcp_use_hostcache) === 0) return;
  let e = tcp_hc_lookup(inc, true);
  if (e === null) e = tcp_hc_insert(inc);
  if (e === null) return;
  e.hc_mtu = mtu;
}

/** tcp_hc_update(inc, hcml): fold a closing connection's metrics in, each
 *  averaged with what was there. */
export function tcp_hc_update(inc: in_conninfo, hcml: hc_metrics_lite): void {
  if (VNET_I32(tcp_use_hostcache) === 0) return;
  let e = tcp_hc_lookup(inc, true);
  if (e === null) e = tcp_hc_insert(inc);
  if (e === null) return;
  if (hcml.hc_rtt !== 0) {
    e.hc_rtt = e.hc_rtt === 0 ? hcml.hc_rtt : Math.floor((e.hc_rtt + hcml.hc_rtt) / 2);
    TCPSTAT_INC(tcps_cachedrtt);
  }
  if (hcml.hc_rttvar !== 0) {
    e.hc_rttvar = e.hc_rttvar === 0 ? hcml.hc_rttvar : Math.floor((e.hc_rttvar + hcml.hc_rttvar) / 2);
    TCPSTAT_INC(tcps_cachedrttvar);
  }
  if (hcml.hc_ssthresh !== 0) {
    e.hc_ssthresh = e.hc_ssthresh === 0 ? hcml.hc_ssthresh : Math.floor((e.hc_ssthresh + hcml.hc_ssthresh) / 2);
    TCPSTAT_INC(tcps_cachedssthresh);
  }
  if (hcml.hc_cwnd !== 0) e.hc_cwnd = e.hc_cwnd === 0 ? hcml.hc_cwnd : Math.floor((e.hc_cwnd + hcml.hc_cwnd) / 2);
  if (hcml.hc_sendpipe !== 0) e.hc_sendpipe = e.hc_sendpipe === 0 ? hcml.hc_sendpipe : Math.floor((e.hc_sendpipe + hcml.hc_sendpipe) / 2);
  if (hcml.hc_recvpipe !== 0) e.hc_recvpipe = e.hc_recvpipe === 0 ? hcml.hc_recvpipe : Math.floor((e.hc_recvpipe + hcml.hc_recvpipe) / 2);
}

/** tcp_hc_purge_internal(all): age every entry by the prune interval and
 *  drop the expired ones (all of them when asked to). */
function tcp_hc_purge_internal(all: boolean): void {
  const hc = V_tcp_hostcache();
  for (const e of [...hc.entries.values()]) {
    if (all || e.hc_expire <= 0) hc.entries.delete(e.key);
    else e.hc_expire -= hc.prune;
  }
}

/** The prune callout (tcp_hc_purge). */
function tcp_hc_purge(v: vnet): void {
  const saved = CURVNET_SET(v, "tcp_hc_purge");
  try {
    const hc = VNET_PTR(tcp_hostcache_p);
    if (hc === null) return;
    let all = false;
    if (hc.purgeall !== 0) {
      if (hc.purgeall === 2) hc.purgeall = 0;
      all = true;
    }
    tcp_hc_purge_internal(all);
    if (hc.entries.size > 0 && !VNET_IS_SHUTTING_DOWN(v)) callout_reset(hc.hc_callout, hc.prune * hz, tcp_hc_purge, v);
  } finally {
    CURVNET_RESTORE(saved);
  }
}

// ---------------------------------------------------------------------------
// net.inet.tcp.hostcache.

const _net_inet_tcp_hostcache = SYSCTL_NODE(_net_inet_tcp, OID_AUTO, "hostcache", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "TCP Host cache");
SYSCTL_INT(_net_inet_tcp_hostcache, OID_AUTO, "enable", CTLFLAG_VNET | CTLFLAG_RW, tcp_use_hostcache, 0, "Enable the TCP hostcache");

function hc_field_proc(name: string, kind: number, get: (hc: tcp_hostcache) => number, set: ((hc: tcp_hostcache, v: number) => void) | null, descr: string): void {
  const h: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
    const hc = V_tcp_hostcache();
    const error = SYSCTL_OUT(req, get(hc));
    if (error !== 0 || req.newval === null) return error;
    if (set === null) return 1; // EPERM
    const v = req.newval;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) return EINVAL;
    set(hc, v);
    return 0;
  };
  SYSCTL_PROC(_net_inet_tcp_hostcache, OID_AUTO, name, kind | CTLFLAG_VNET | CTLFLAG_MPSAFE, null, 0, h, "IU", descr);
}
hc_field_proc("cachelimit", CTLTYPE_INT | CTLFLAG_RDTUN, (hc) => hc.cache_limit, null, "Overall entry limit for hostcache");
hc_field_proc("hashsize", CTLTYPE_INT | CTLFLAG_RDTUN, (hc) => hc.hashsize, null, "Size of TCP hostcache hashtable");
hc_field_proc("bucketlimit", CTLTYPE_INT | CTLFLAG_RDTUN, (hc) => hc.bucket_limit, null, "Per-bucket hash limit for hostcache");
hc_field_proc("count", CTLTYPE_INT | CTLFLAG_RD, (hc) => hc.entries.size, null, "The current number of entries in the host cache");
hc_field_proc("expire", CTLTYPE_INT | CTLFLAG_RW, (hc) => hc.expire, (hc, v) => (hc.expire = v), "Expire time of TCP hostcache entries");
hc_field_proc("prune", CTLTYPE_INT | CTLFLAG_RW, (hc) => hc.prune, (hc, v) => (hc.prune = v), "Time between purge runs");
hc_field_proc("purge", CTLTYPE_INT | CTLFLAG_RW, (hc) => hc.purgeall, (hc, v) => (hc.purgeall = v), "Expire all entries on next purge run");

/** net.inet.tcp.hostcache.purgenow: writing 1 empties the cache now. */
const sysctl_tcp_hc_purgenow: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  const error = SYSCTL_OUT(req, 0);
  if (error !== 0 || req.newval === null) return error;
  if (req.newval !== 0) tcp_hc_purge_internal(true);
  return 0;
};
SYSCTL_PROC(_net_inet_tcp_hostcache, OID_AUTO, "purgenow", CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE | CTLFLAG_VNET, null, 0, sysctl_tcp_hc_purgenow, "I", "Immediately purge all entries");

function col(s: string | number, w: number, left = false): string {
  const t = String(s);
  if (t.length >= w) return t;
  return left ? t + " ".repeat(w - t.length) : " ".repeat(w - t.length) + t;
}

/** net.inet.tcp.hostcache.list: the entries as a table (times in ms). */
const sysctl_tcp_hc_list: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  const hc = V_tcp_hostcache();
  let out = "\nIP address        MTU SSTRESH      RTT   RTTVAR     CWND SENDPIPE RECVPIPE HITS  UPD  EXP\n";
  const TCP_RTT_SCALE = 32;
  const TCP_RTTVAR_SCALE = 16;
  for (const e of hc.entries.values()) {
    out +=
      col(e.ip, 15, true) +
      " " +
      col(e.hc_mtu, 5) +
      " " +
      col(e.hc_ssthresh, 7) +
      " " +
      col(Math.floor((e.hc_rtt * 1000) / (TCP_RTT_SCALE * hz)), 8) +
      " " +
      col(Math.floor((e.hc_rttvar * 1000) / (TCP_RTTVAR_SCALE * hz)), 8) +
      " " +
      col(e.hc_cwnd, 8) +
      " " +
      col(e.hc_sendpipe, 8) +
      " " +
      col(e.hc_recvpipe, 8) +
      " " +
      col(e.hc_hits, 4) +
      " " +
      col(e.hc_updates, 4) +
      " " +
      col(e.hc_expire, 4) +
      "\n";
  }
  const error = SYSCTL_OUT(req, out);
  if (error !== 0 || req.newval === null) return error;
  return 1; // EPERM
};
SYSCTL_PROC(_net_inet_tcp_hostcache, OID_AUTO, "list", CTLTYPE_STRING | CTLFLAG_RD | CTLFLAG_MPSAFE | CTLFLAG_VNET, null, 0, sysctl_tcp_hc_list, "A", "List of all hostcache entries");
