// sys/netinet/tcp_hostcache.c, the part IPv6 needs before TCP exists: the
// per-vnet host cache's path MTU.  FreeBSD keeps what ICMPv6 packet too big
// (icmp6_mtudisc_update -> tcp_hc_updatemtu) and ICMP need-frag teach about
// a destination here, and ip6_output (ip6_calcmtu -> tcp_hc_getmtu) sends
// every protocol but TCP by it.  An entry lives net.inet.tcp.hostcache.
// expire seconds (3600) after its last update.
//
// Departures: only hc_mtu is kept (the RTT, ssthresh and cwnd metrics come
// with TCP); an expired entry goes when it is looked at rather than by the
// tcp_hc_purge callout, so that an idle simulation has nothing scheduled;
// the cache has no size limit of its own (bucket and cache limits come
// with TCP).

import { time_uptime } from "../kern/kern_timeout.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, OID_AUTO, SYSCTL_INT, SYSCTL_NODE } from "../kern/sysctl.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET } from "../net/vnet.ts";
import { _net_inet } from "./ip_var.ts";

/** net.inet.tcp, net.inet.tcp.hostcache (TCP adds its knobs here). */
export const _net_inet_tcp = SYSCTL_NODE(_net_inet, 6, "tcp", CTLFLAG_RW, null, "TCP");
const _net_inet_tcp_hostcache = SYSCTL_NODE(_net_inet_tcp, OID_AUTO, "hostcache", CTLFLAG_RW, null, "TCP Host cache");

const TCP_HOSTCACHE_EXPIRE = 60 * 60;
const tcp_hc_expire = VNET_DEFINE_INT("tcp_hostcache.expire", TCP_HOSTCACHE_EXPIRE);
SYSCTL_INT(_net_inet_tcp_hostcache, OID_AUTO, "expire", CTLFLAG_VNET | CTLFLAG_RW, tcp_hc_expire, 0, "Expire time of TCP hostcache entries");

/** struct hc_metrics, the MTU part: the host (16 address bytes; IPv4 as ::ffff:a.b.c.d). */
class hc_metrics {
  readonly ip = new Uint8Array(16);
  hc_mtu = 0;
  hc_expire = 0;
  hc_next: hc_metrics | null = null;
}

const HC_NBUCKETS = 512;
/** V_tcp_hostcache.hashbase (made with the first entry). */
const hashbase = VNET_DEFINE_PTR<(hc_metrics | null)[] | null>("tcp_hostcache", null);

/** struct in_conninfo as the host cache reads it: the foreign address. */
export interface hc_conninfo {
  /** INC_ISIPV6 set: inc6_faddr holds it; else inc_faddr (host order). */
  inc6_faddr: Uint8Array | null;
  inc_faddr: number;
}

const key = new Uint8Array(16);

function hc_key(inc: hc_conninfo): Uint8Array {
  if (inc.inc6_faddr !== null) key.set(inc.inc6_faddr.subarray(0, 16));
  else {
    key.fill(0, 0, 10);
    key[10] = key[11] = 0xff;
    key[12] = inc.inc_faddr >>> 24;
    key[13] = (inc.inc_faddr >>> 16) & 0xff;
    key[14] = (inc.inc_faddr >>> 8) & 0xff;
    key[15] = inc.inc_faddr & 0xff;
  }
  return key;
}

function hc_hash(k: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < 16; i++) h = (Math.imul(h, 31) + k[i]) | 0;
  return (h >>> 0) % HC_NBUCKETS;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** tcp_hc_lookup: the live entry of a host (expired ones are unlinked). */
function tcp_hc_lookup(k: Uint8Array): hc_metrics | null {
  const base = VNET_PTR(hashbase);
  if (base === null) return null;
  const b = hc_hash(k);
  let prev: hc_metrics | null = null;
  for (let e = base[b]; e !== null; prev = e, e = e.hc_next) {
    if (!same(e.ip, k)) continue;
    if (e.hc_expire <= time_uptime()) {
      if (prev === null) base[b] = e.hc_next;
      else prev.hc_next = e.hc_next;
      return null;
    }
    return e;
  }
  return null;
}

/** tcp_hc_getmtu(inc): the path MTU learnt for the host, 0 if none. */
export function tcp_hc_getmtu(inc: hc_conninfo): number {
  const e = tcp_hc_lookup(hc_key(inc));
  return e === null ? 0 : e.hc_mtu;
}

/** tcp_hc_updatemtu(inc, mtu): what an ICMP too big said of the path. */
export function tcp_hc_updatemtu(inc: hc_conninfo, mtu: number): void {
  const k = hc_key(inc);
  let e = tcp_hc_lookup(k);
  if (e === null) {
    let base = VNET_PTR(hashbase);
    if (base === null) {
      base = new Array<hc_metrics | null>(HC_NBUCKETS).fill(null);
      VNET_PTR_SET(hashbase, base);
    }
    e = new hc_metrics();
    e.ip.set(k);
    const b = hc_hash(k);
    e.hc_next = base[b];
    base[b] = e;
  }
  e.hc_mtu = mtu;
  e.hc_expire = time_uptime() + VNET_I32(tcp_hc_expire);
}

/** tcp_hc_purge_internal(all): forget every entry of the vnet. */
export function tcp_hc_purge(): void {
  VNET_PTR_SET(hashbase, null);
}
