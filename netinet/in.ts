// sys/netinet/in.h, sys/netinet/in_var.h, sys/netinet/in.c: IPv4 addresses,
// struct in_ifaddr and the per-vnet address lists, address assignment
// (SIOCAIFADDR/SIOCDIFADDR) with the routes and ARP entries it installs,
// the lookup helpers (in_localip, in_broadcast, in_canforward, ...), the
// per-interface ARP table methods (in_lltable_*) and the inet domain.
//
// IPv4 addresses are kept as unsigned 32-bit numbers in host order (FreeBSD
// keeps struct in_addr in network order); they are converted where they meet
// packet bytes, which are always big-endian.

import { EADDRNOTAVAIL, EDESTADDRREQ, EEXIST, EINVAL, EPROTONOSUPPORT } from "../kern/errno.ts";
import { AF_INET, AF_MAX, PF_INET, type sockaddr } from "../kern/socket.ts";
import { SI_ORDER_FIRST, SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { callout, callout_init, callout_stop, time_uptime } from "../kern/kern_timeout.ts";
import { PRIV_NET_ADDIFADDR, PRIV_NET_DELIFADDR, priv_check_cred } from "../kern/kern_priv.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { log, printf } from "../kern/subr_prf.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, _net } from "../kern/sysctl.ts";
import { domain_add, type domain } from "../kern/uipc_domain.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT, type vnet_ptr } from "../net/vnet.ts";
import {
  IFA_ROUTE,
  IFF_BROADCAST,
  IFF_LOOPBACK,
  IFF_NOARP,
  IFF_POINTOPOINT,
  IFF_STATICARP,
  IFF_UP,
  SIOCAIFADDR,
  SIOCDIFADDR,
  SIOCGIFADDR,
  SIOCSIFADDR,
  V_ifnet,
  ifaddr,
  ifnet_byindex,
  type ifnet,
  type ifreq,
  ifnet_event,
  IFNET_EVENT_DOWN,
  IFNET_EVENT_UP,
  IFADDR_EVENT_ADD,
  IFADDR_EVENT_DEL,
  ifaddr_event_ext_invoke,
} from "../net/if.ts";
import { IFT_ETHER } from "../net/if_dl.ts";
import { RTAX_DST, RTAX_GATEWAY, RTAX_NETMASK, RTF_ANNOUNCE, RTF_HOST, RTF_LLDATA, RTF_PINNED, RTF_STATIC, RTF_UP, RTM_ADD, RTM_DELETE, RT_ALL_FIBS, rt_addrinfo, rt_addrmsg, rt_flushifroutes_af, sa_equal, sa_family, sa_len, type rib_filter_f_t } from "../net/route.ts";
import { NHF_GATEWAY, NHF_HOST, NHR_NONE } from "../net/route/nhop.ts";
import { fill_sdl_from_ifp } from "../net/route/nhop_ctl.ts";
import { ifa_add_loopback_route, ifa_del_loopback_route, ifa_switch_loopback_route, rib_handle_ifaddr_info } from "../net/route/route_ifaddrs.ts";
import { V_rt_add_addr_allfibs, rt_loif } from "../net/route/route_tables.ts";
import {
  LLE_DELETED,
  LLE_IFADDR,
  LLE_LINKED,
  LLE_MAX_LINKHDR,
  LLE_PUB,
  LLE_STATIC,
  LLE_VALID,
  RLLE_IFADDR,
  RLLE_VALID,
  llentry,
  llentry_free,
  llentry_mark_used,
  type llheader_result,
  lltable_allocate_htbl,
  lltable_calc_llheader,
  lltable_delete_addr,
  lltable_free,
  lltable_if_lladdr,
  lltable_link,
  lltable_prefix_free,
  lltable_set_entry_addr,
  lltable_unlink_entry,
  type lla_dump_entry,
  type lltable,
} from "../net/if_llatbl.ts";
import { fib4_lookup, in_detachhead, in_ifadown, in_inithead } from "./in_fib.ts";
import { ARPSTAT_ADD, arprequest, dropped } from "./if_ether.ts";
import { in6_ifaddr, type sockaddr_in6 } from "../netinet6/in6_var.ts";


// sys/syslog.h
const LOG_INFO = 6;

export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_IPV4 = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_GRE = 47;
export const IPPROTO_MOBILE = 55;
export const IPPROTO_ETHERIP = 97;
export const IPPROTO_PIM = 103;
export const IPPROTO_RAW = 255;
export const IPPROTO_MAX = 256;
/** Not a protocol on the wire: the name divert(4) sockets go by (netstat, sockstat). */
export const IPPROTO_DIVERT = 258;

export const INADDR_ANY = 0x00000000;
export const INADDR_LOOPBACK = 0x7f000001;
export const INADDR_BROADCAST = 0xffffffff;
export const INADDR_NONE = 0xffffffff;
export const INADDR_ALLHOSTS_GROUP = 0xe0000001;
export const IN_LOOPBACKNET = 127;

export const IN_CLASSA = (i: number) => (i & 0x80000000) === 0;
export const IN_CLASSA_NET = 0xff000000;
export const IN_CLASSB = (i: number) => ((i & 0xc0000000) >>> 0) === 0x80000000;
export const IN_CLASSB_NET = 0xffff0000;
export const IN_CLASSC = (i: number) => ((i & 0xe0000000) >>> 0) === 0xc0000000;
export const IN_CLASSC_NET = 0xffffff00;
export const IN_MULTICAST = (i: number) => ((i & 0xf0000000) >>> 0) === 0xe0000000;
export const IN_EXPERIMENTAL = (i: number) => ((i & 0xf0000000) >>> 0) === 0xf0000000;
export const IN_BADCLASS = IN_EXPERIMENTAL;
export const IN_LINKLOCAL = (i: number) => ((i & 0xffff0000) >>> 0) === 0xa9fe0000;
export const IN_LOOPBACK = (i: number) => ((i & 0xff000000) >>> 0) === 0x7f000000;
export const IN_ZERONET = (i: number) => ((i & 0xff000000) >>> 0) === 0;
export const IN_RFC3021_MASK = 0xfffffffe;

/** struct sockaddr_in.  sin_addr is a host-order number, sin_port too. */
export class sockaddr_in {
  sin_len = 16;
  sin_family = AF_INET;
  /** sin_zero[8], null when all zero; only divert(4) puts bytes there
   *  (the receiving interface's name). */
  sin_zero: Uint8Array | null = null;
  constructor(
    public sin_addr = 0,
    public sin_port = 0,
  ) {}
}

/** satosin(sa): the address as a sockaddr_in, or null if it is laid out
 *  for another family (the cast of <netinet/in.h>, checked). */
export function satosin(sa: sockaddr | null): sockaddr_in | null {
  return sa !== null && "sin_addr" in sa ? sa : null;
}

/** inet_ntoa for a host-order address. */
export function inet_ntoa(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** inet_aton: dotted quad (also the short forms a, a.b, a.b.c) to a host-order
 *  number, or null. */
export function inet_aton(s: string): number | null {
  const parts = s.split(".");
  if (parts.length < 1 || parts.length > 4) return null;
  const v: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-fA-F]+$/.test(p)) n = parseInt(p, 16);
    else if (/^0[0-7]*$/.test(p)) n = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) n = parseInt(p, 10);
    else return null;
    v.push(n);
  }
  const last = v[v.length - 1];
  for (let i = 0; i < v.length - 1; i++) if (v[i] > 255) return null;
  switch (v.length) {
    case 1:
      return last > 0xffffffff ? null : last >>> 0;
    case 2:
      return last > 0xffffff ? null : ((v[0] << 24) | last) >>> 0;
    case 3:
      return last > 0xffff ? null : ((v[0] << 24) | (v[1] << 16) | last) >>> 0;
    default:
      return last > 0xff ? null : ((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | last) >>> 0;
  }
}

/** Prefix length to host-order mask. */
export function in_len2mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}
/** Host-order mask to prefix length (counting leading ones). */
export function in_mask2len(mask: number): number {
  let n = 0;
  while (n < 32 && (mask & (0x80000000 >>> n)) !== 0) n++;
  return n;
}

/** struct in_ifaddr: an IPv4 address on an interface. */
export class in_ifaddr extends ifaddr {
  /** ia_subnet / ia_subnetmask (host order in FreeBSD too). */
  ia_subnet = 0;
  ia_subnetmask = 0;
  ia_addr: sockaddr_in;
  /** ia_broadaddr, which is ia_dstaddr on point-to-point links (one union in
   *  FreeBSD).  sin_len 0 means unset. */
  ia_broadaddr: sockaddr_in;
  ia_sockmask: sockaddr_in;
  /** Gratuitous ARP retransmissions (garp_rexmit_count). */
  readonly ia_garp_timer = new callout();
  ia_garp_count = 0;
  constructor(ifp: ifnet, addr: number, mask: number, broad: number) {
    const a = new sockaddr_in(addr);
    const b = new sockaddr_in(broad);
    const m = new sockaddr_in(mask);
    super(ifp, a, b, m);
    this.ia_addr = a;
    this.ia_broadaddr = b;
    this.ia_sockmask = m;
    this.ia_subnetmask = mask;
    this.ia_subnet = (addr & mask) >>> 0;
    callout_init(this.ia_garp_timer, true);
  }
  get ia_ifp(): ifnet {
    return this.ifa_ifp;
  }
  get ia_dstaddr(): sockaddr_in {
    return this.ia_broadaddr;
  }
  /** ia_flags is ia_ifa.ifa_flags. */
  get ia_flags(): number {
    return this.ifa_flags;
  }
  set ia_flags(f: number) {
    this.ifa_flags = f;
  }
}

/** IA_SIN(ia): the address as a host-order number. */
export function IA_SIN(ia: in_ifaddr): number {
  return ia.ia_addr.sin_addr;
}

/** ifatoia(ifa): an IPv4 interface address seen as one (a nexthop's nh_ifa in an AF_INET table). */
export function ifatoia(ifa: ifaddr): in_ifaddr {
  return ifa as in_ifaddr;
}

/** V_in_ifaddrhead: every IPv4 address of the vnet, in order of addition. */
export const in_ifaddrhead: vnet_ptr<in_ifaddr[]> = VNET_DEFINE_PTR<in_ifaddr[]>("in_ifaddrhead", []);
/**
 * V_in_ifaddrhashtbl: address -> its in_ifaddrs, newest first (the chains
 * INADDR_HASH heads).  Keys are the address as an int32 (addr | 0), which
 * V8 keeps unboxed; look up through INADDR_HASH(addr).
 */
export const in_ifaddrhashtbl: vnet_ptr<Map<number, in_ifaddr[]>> = VNET_DEFINE_PTR<Map<number, in_ifaddr[]>>("in_ifaddrhashtbl", new Map());

export function V_in_ifaddrhead(): in_ifaddr[] {
  return VNET_PTR(in_ifaddrhead);
}
export function V_in_ifaddrhashtbl(): Map<number, in_ifaddr[]> {
  return VNET_PTR(in_ifaddrhashtbl);
}

const INADDR_HASH_EMPTY: readonly in_ifaddr[] = Object.freeze([]);

/** INADDR_HASH(addr): the chain of addresses equal to addr (host order). */
export function INADDR_HASH(addr: number): readonly in_ifaddr[] {
  return VNET_PTR(in_ifaddrhashtbl).get(addr | 0) ?? INADDR_HASH_EMPTY;
}

function inaddr_hash_insert(ia: in_ifaddr): void {
  const t = VNET_PTR(in_ifaddrhashtbl);
  const key = ia.ia_addr.sin_addr | 0;
  const chain = t.get(key);
  if (chain === undefined) t.set(key, [ia]);
  else chain.unshift(ia);
}

function inaddr_hash_remove(ia: in_ifaddr): void {
  const t = VNET_PTR(in_ifaddrhashtbl);
  const key = ia.ia_addr.sin_addr | 0;
  const chain = t.get(key);
  if (chain === undefined) return;
  const i = chain.indexOf(ia);
  if (i >= 0) chain.splice(i, 1);
  if (chain.length === 0) t.delete(key);
}

function in_ifaddr_init(): void {
  VNET_PTR_SET(in_ifaddrhead, []);
  VNET_PTR_SET(in_ifaddrhashtbl, new Map());
}
VNET_SYSINIT("in_ifaddr_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_FIRST, in_ifaddr_init);

// ---------------------------------------------------------------------------
// Requests (sys/sockio.h, netinet/in_var.h).

/** Requests in_control handles besides the ones net/if.ts names. */
export const SIOCSIFDSTADDR = 0x8020690e;
export const SIOCSIFBRDADDR = 0x80206913;
export const SIOCSIFNETMASK = 0x80206916;
export const SIOCGIFDSTADDR = 0xc0206922;
export const SIOCGIFBRDADDR = 0xc0206923;
export const SIOCGIFNETMASK = 0xc0206925;
export const SIOCGIFALIAS = 0xc044692d;

/** struct in_aliasreq: ifconfig IF inet A/len [broadcast B] [alias]. */
export interface in_aliasreq {
  ifra_name: string;
  ifra_addr: sockaddr_in;
  /** The broadcast address, or on point-to-point links the far end
   *  (ifra_dstaddr shares this storage in FreeBSD). */
  ifra_broadaddr: sockaddr_in | null;
  ifra_mask: sockaddr_in | null;
  ifra_dstaddr?: sockaddr_in | null;
  ifra_vhid?: number;
}

/** struct ifreq as the IPv4 requests use it: the address in ifr_addr. */
export interface in_ifreq {
  ifr_name: string;
  ifr_addr?: sockaddr_in | null;
}

export type in_control_data = in_aliasreq | in_ifreq | ifreq;

function req_addr(data: in_control_data): sockaddr_in | null {
  if ("ifra_addr" in data) return data.ifra_addr;
  if ("ifr_addr" in data) return data.ifr_addr ?? null;
  return null;
}

// ---------------------------------------------------------------------------
// Sysctls (netinet/in_proto.c declares the nodes).

const _net_inet = SYSCTL_NODE(_net, PF_INET, "inet", CTLFLAG_RW, null, "Internet Family");
const _net_inet_ip = SYSCTL_NODE(_net_inet, IPPROTO_IP, "ip", CTLFLAG_RW, null, "IP");

/** V_nosameprefix: refuse a prefix another interface already routes. */
const nosameprefix = VNET_DEFINE_INT("nosameprefix", 0);
SYSCTL_INT(_net_inet_ip, OID_AUTO, "no_same_prefix", CTLFLAG_VNET | CTLFLAG_RW, nosameprefix, 0, "Refuse to create same prefixes on different interfaces");
/** V_broadcast_lowest: host 0 of a subnet is a broadcast address too. */
const broadcast_lowest = VNET_DEFINE_INT("broadcast_lowest", 0);
SYSCTL_INT(_net_inet_ip, OID_AUTO, "broadcast_lowest", CTLFLAG_VNET | CTLFLAG_RW, broadcast_lowest, 0, "Treat lowest address on a subnet (host 0) as broadcast");
/** V_ip_allow_net240 / V_ip_allow_net0: forward 240/4 and 0/8. */
const ip_allow_net240 = VNET_DEFINE_INT("ip_allow_net240", 0);
SYSCTL_INT(_net_inet_ip, OID_AUTO, "allow_net240", CTLFLAG_VNET | CTLFLAG_RW, ip_allow_net240, 0, "Allow use of Experimental addresses, aka Class E (240/4)");
const ip_allow_net0 = VNET_DEFINE_INT("ip_allow_net0", 0);
SYSCTL_INT(_net_inet_ip, OID_AUTO, "allow_net0", CTLFLAG_VNET | CTLFLAG_RW, ip_allow_net0, 0, "Allow use of addresses in network 0/8");

// ---------------------------------------------------------------------------
// Lookups.

/** in_localaddr: 1 if the address is on a directly connected subnet. */
export function in_localaddr(addr: number): number {
  const list = VNET_PTR(in_ifaddrhead);
  for (let i = 0; i < list.length; i++) {
    const ia = list[i];
    if (((addr & ia.ia_subnetmask) >>> 0) === ia.ia_subnet) return 1;
  }
  return 0;
}

/** in_localip: is the address one of ours?  Allocation-free. */
export function in_localip(addr: number): boolean {
  const chain = INADDR_HASH(addr);
  for (let i = 0; i < chain.length; i++) if (chain[i].ia_addr.sin_addr === addr) return true;
  return false;
}

/** in_localip_fib: ours, on an interface of that fib. */
export function in_localip_fib(addr: number, fib: number): boolean {
  const chain = INADDR_HASH(addr);
  for (let i = 0; i < chain.length; i++) {
    const ia = chain[i];
    if (ia.ia_addr.sin_addr === addr && ia.ifa_ifp.if_fib === fib) return true;
  }
  return false;
}

/** in_ifhasaddr: 1 if the address is configured on ifp. */
export function in_ifhasaddr(ifp: ifnet, addr: number): number {
  for (const ifa of ifp.if_addrhead) if (ifa instanceof in_ifaddr && ifa.ia_addr.sin_addr === addr) return 1;
  return 0;
}

/** in_localip_more: another in_ifaddr with the same address (same fib
 *  unless net.add_addr_allfibs). */
function in_localip_more(original_ia: in_ifaddr): in_ifaddr | null {
  const original_addr = IA_SIN(original_ia);
  const original_fib = original_ia.ifa_ifp.if_fib;
  for (const ia of INADDR_HASH(original_addr)) {
    const fib = ia.ifa_ifp.if_fib;
    if (V_rt_add_addr_allfibs() === 0 && original_fib !== fib) continue;
    if (original_ia !== ia && original_addr === IA_SIN(ia)) return ia;
  }
  return null;
}

/** in_findlocal: the first non-loopback address of the fib (or a loopback
 *  one when allowed). */
export function in_findlocal(fibnum: number, loopback_ok: boolean): in_ifaddr | null {
  let ia_lo: in_ifaddr | null = null;
  for (const ia of V_in_ifaddrhead()) {
    const ia_fib = ia.ifa_ifp.if_fib;
    if (V_rt_add_addr_allfibs() === 0 && fibnum !== ia_fib) continue;
    if (!IN_LOOPBACK(IA_SIN(ia))) return ia;
    if (loopback_ok) ia_lo = ia;
  }
  return ia_lo;
}

/** in_canforward: may packets to this address be forwarded? */
export function in_canforward(addr: number): number {
  if (IN_MULTICAST(addr) || IN_LINKLOCAL(addr) || IN_LOOPBACK(addr)) return 0;
  if (IN_EXPERIMENTAL(addr) && VNET_I32(ip_allow_net240) === 0) return 0;
  if (IN_ZERONET(addr) && VNET_I32(ip_allow_net0) === 0) return 0;
  return 1;
}

/** in_ifaddr_broadcast: is addr a broadcast address of ia's subnet? */
export function in_ifaddr_broadcast(addr: number, ia: in_ifaddr): boolean {
  return (
    (addr === ia.ia_broadaddr.sin_addr ||
      // Host 0 as broadcast, when asked for; RFC 3021 /31s have none.
      (VNET_I32(broadcast_lowest) !== 0 && ia.ia_subnetmask !== IN_RFC3021_MASK && addr === ia.ia_subnet)) &&
    // An all-ones mask only exists on a secondary address.
    ia.ia_subnetmask !== 0xffffffff
  );
}

/** in_broadcast(addr, ifp): might addr be a broadcast address on ifp?
 *  Allocation-free. */
export function in_broadcast(addr: number, ifp: ifnet): boolean {
  if (addr === INADDR_BROADCAST || addr === INADDR_ANY) return true;
  if ((ifp.if_flags & IFF_BROADCAST) === 0) return false;
  const list = ifp.if_addrhead;
  for (let i = 0; i < list.length; i++) {
    const ifa = list[i];
    if (ifa instanceof in_ifaddr && in_ifaddr_broadcast(addr, ifa)) return true;
  }
  return false;
}

// sa helpers for the generic ifa_ lookups (net/if.c in FreeBSD).
function sin_equal(a: sockaddr_in, b: sockaddr): boolean {
  return sa_equal(a, b);
}

/**
 * ifa_ifwithaddr(addr): the interface address equal to addr (or, on a
 * broadcast interface, whose broadcast address it is).
 */
export function ifa_ifwithaddr(addr: sockaddr): ifaddr | null {
  const fam = sa_family(addr);
  for (const ifp of V_ifnet()) {
    for (const ifa of ifp.if_addrhead) {
      if (sa_family(ifa.ifa_addr) !== fam) continue;
      if (sa_equal(addr, ifa.ifa_addr)) return ifa;
      // IPv6 has no broadcast.
      const brd = ifa.ifa_dstaddr;
      if ((ifp.if_flags & IFF_BROADCAST) !== 0 && brd !== null && sa_len(brd) !== 0 && sa_equal(brd, addr)) return ifa;
    }
  }
  return null;
}

/** ifa_ifwithaddr_check: ifa_ifwithaddr as a yes/no. */
export function ifa_ifwithaddr_check(addr: sockaddr): number {
  return ifa_ifwithaddr(addr) !== null ? 1 : 0;
}

/** ifa_ifwithbroadaddr: the address whose broadcast address addr is. */
export function ifa_ifwithbroadaddr(addr: sockaddr, fibnum: number): ifaddr | null {
  const fam = sa_family(addr);
  for (const ifp of V_ifnet()) {
    if (fibnum !== RT_ALL_FIBS && ifp.if_fib !== fibnum) continue;
    for (const ifa of ifp.if_addrhead) {
      if (sa_family(ifa.ifa_addr) !== fam) continue;
      const brd = ifa.ifa_dstaddr;
      if ((ifp.if_flags & IFF_BROADCAST) !== 0 && brd !== null && sa_len(brd) !== 0 && sa_equal(brd, addr)) return ifa;
    }
  }
  return null;
}

/** ifa_ifwithdstaddr: the point-to-point interface whose far end is addr. */
export function ifa_ifwithdstaddr(addr: sockaddr, fibnum: number): ifaddr | null {
  const fam = sa_family(addr);
  for (const ifp of V_ifnet()) {
    if ((ifp.if_flags & IFF_POINTOPOINT) === 0) continue;
    if (fibnum !== RT_ALL_FIBS && ifp.if_fib !== fibnum) continue;
    for (const ifa of ifp.if_addrhead) {
      if (sa_family(ifa.ifa_addr) !== fam) continue;
      if (ifa.ifa_dstaddr !== null && sa_equal(addr, ifa.ifa_dstaddr)) return ifa;
    }
  }
  return null;
}

/** Does mask m have more bits than n (rn_refines for contiguous masks)? */
function mask_refines(m: number, n: number): boolean {
  return in_mask2len(m >>> 0) > in_mask2len(n >>> 0);
}

/**
 * ifa_ifwithnet(addr, ignore_ptp, fibnum): the address on the most
 * specific subnet containing addr.
 */
export function ifa_ifwithnet(addr: sockaddr, ignore_ptp: number, fibnum: number): ifaddr | null {
  if ("sdl_index" in addr) {
    // AF_LINK addresses name their interface by index.
    const ifp = ifnet_byindex(addr.sdl_index);
    return ifp !== null ? ifp.if_addr : null;
  }
  if ("sin6_addr" in addr) return ifa_ifwithnet_in6(addr, fibnum);
  if (!("sin_addr" in addr)) return null;
  let ifa_maybe: in_ifaddr | null = null;
  for (const ifp of V_ifnet()) {
    if (fibnum !== RT_ALL_FIBS && ifp.if_fib !== fibnum) continue;
    for (const ifa of ifp.if_addrhead) {
      if (!(ifa instanceof in_ifaddr)) continue;
      if ((ifp.if_flags & IFF_POINTOPOINT) !== 0 && ignore_ptp === 0) {
        // The far end's netmask is unknown: only its address matches.
        if (ifa.ia_dstaddr.sin_len !== 0 && sin_equal(ifa.ia_dstaddr, addr)) return ifa;
      } else {
        if (((addr.sin_addr ^ ifa.ia_addr.sin_addr) & ifa.ia_sockmask.sin_addr) !== 0) continue;
        if (ifa_maybe === null || mask_refines(ifa.ia_sockmask.sin_addr, ifa_maybe.ia_sockmask.sin_addr)) ifa_maybe = ifa;
      }
    }
  }
  return ifa_maybe;
}

/** Does addr fall in ia's prefix (the byte-wise masked compare of if.c)? */
function in6_ifa_covers(ia: in6_ifaddr, addr: sockaddr_in6): boolean {
  const a = addr.sin6_addr.s6_addr;
  const b = ia.ia_addr.sin6_addr.s6_addr;
  const m = ia.ia_prefixmask.sin6_addr.s6_addr;
  for (let i = 0; i < 16; i++) if (((a[i] ^ b[i]) & m[i]) !== 0) return false;
  return true;
}

/** ifa_ifwithnet for an IPv6 address (zone embedded): the most specific prefix containing it. */
function ifa_ifwithnet_in6(addr: sockaddr_in6, fibnum: number): ifaddr | null {
  let ifa_maybe: in6_ifaddr | null = null;
  for (const ifp of V_ifnet()) {
    if (fibnum !== RT_ALL_FIBS && ifp.if_fib !== fibnum) continue;
    for (const ifa of ifp.if_addrhead) {
      if (!(ifa instanceof in6_ifaddr) || ifa.ia_prefixmask.sin6_len === 0) continue;
      if (!in6_ifa_covers(ifa, addr)) continue;
      if (ifa_maybe === null || ifa.ia_plen > ifa_maybe.ia_plen) ifa_maybe = ifa;
    }
  }
  return ifa_maybe;
}

/** ifaof_ifpforaddr(addr, ifp): ifp's address that best matches addr. */
export function ifaof_ifpforaddr(addr: sockaddr, ifp: ifnet): ifaddr | null {
  const af = sa_family(addr);
  if (af >= AF_MAX) return null;
  let ifa_maybe: ifaddr | null = null;
  for (const ifa of ifp.if_addrhead) {
    if (sa_family(ifa.ifa_addr) !== af) continue;
    if (ifa_maybe === null) ifa_maybe = ifa;
    if (ifa.ifa_netmask === null) {
      if (sa_equal(addr, ifa.ifa_addr) || (ifa.ifa_dstaddr !== null && sa_equal(addr, ifa.ifa_dstaddr))) return ifa;
      continue;
    }
    if ((ifp.if_flags & IFF_POINTOPOINT) !== 0) {
      if (ifa.ifa_dstaddr !== null && sa_equal(addr, ifa.ifa_dstaddr)) return ifa;
    } else if (ifa instanceof in_ifaddr && "sin_addr" in addr) {
      if (((addr.sin_addr ^ ifa.ia_addr.sin_addr) & ifa.ia_sockmask.sin_addr) === 0) return ifa;
    } else if (ifa instanceof in6_ifaddr && "sin6_addr" in addr) {
      if (in6_ifa_covers(ifa, addr)) return ifa;
    }
  }
  return ifa_maybe;
}

// ---------------------------------------------------------------------------
// Address assignment (in_control and friends).

/**
 * in_control(cmd, data, ifp, cred): the IPv4 interface requests
 * (SIOCAIFADDR, SIOCDIFADDR, SIOCGIFADDR ...).  cred is null for the
 * kernel's own calls.
 */
export function in_control(cmd: number, data: in_control_data, ifp: ifnet | null, cred: ucred | null): number {
  if (ifp === null) return EADDRNOTAVAIL;
  switch (cmd) {
    case SIOCGIFADDR:
    case SIOCGIFBRDADDR:
    case SIOCGIFDSTADDR:
    case SIOCGIFNETMASK:
      break;
    case SIOCGIFALIAS:
      return in_gifaddr_ioctl(cmd, data as in_aliasreq, ifp, cred);
    case SIOCDIFADDR:
      return in_difaddr_ioctl(cmd, data, ifp, cred);
    case SIOCAIFADDR:
      return in_aifaddr_ioctl(cmd, data as in_aliasreq, ifp, cred);
    case SIOCSIFADDR:
    case SIOCSIFBRDADDR:
    case SIOCSIFDSTADDR:
    case SIOCSIFNETMASK:
      // The old one-address-per-interface requests are gone.
      return EINVAL;
    default:
      return ifp.if_ioctl(ifp, cmd, data as ifreq);
  }
  const ifr = data as in_ifreq;
  const want = ifr.ifr_addr ?? null;
  // The address asked about, or the first one.  Jails with IPv4 address
  // restrictions (prison_check_ip4) are not modelled: every address counts.
  let ia: in_ifaddr | null = null;
  for (const ifa of ifp.if_addrhead) {
    if (ifa instanceof in_ifaddr && want !== null && ifa.ia_addr.sin_addr === want.sin_addr) {
      ia = ifa;
      break;
    }
  }
  if (ia === null)
    for (const ifa of ifp.if_addrhead)
      if (ifa instanceof in_ifaddr) {
        ia = ifa;
        break;
      }
  if (ia === null) return EADDRNOTAVAIL;
  let error = 0;
  let out: sockaddr_in | null = null;
  switch (cmd) {
    case SIOCGIFADDR:
      out = ia.ia_addr;
      break;
    case SIOCGIFBRDADDR:
      if ((ifp.if_flags & IFF_BROADCAST) === 0) error = EINVAL;
      else out = ia.ia_broadaddr;
      break;
    case SIOCGIFDSTADDR:
      if ((ifp.if_flags & IFF_POINTOPOINT) === 0) error = EINVAL;
      else out = ia.ia_dstaddr;
      break;
    case SIOCGIFNETMASK:
      out = ia.ia_sockmask;
      break;
  }
  if (out !== null) {
    const r = new sockaddr_in(out.sin_addr, out.sin_port);
    r.sin_len = out.sin_len;
    r.sin_family = out.sin_family;
    ifr.ifr_addr = r;
  }
  return error;
}

/**
 * in_aifaddr_ioctl: SIOCAIFADDR.  Adds (or replaces) an address: mask given
 * or classful, broadcast given / 255.255.255.255 on a /31 / subnet|~mask,
 * the interface told (SIOCSIFADDR: Ethernet comes up and announces it with
 * ARP), the prefix route and the host route to the address through lo0.
 */
export function in_aifaddr_ioctl(cmd: number, ifra: in_aliasreq, ifp: ifnet, cred: ucred | null): number {
  const addr = ifra.ifra_addr;
  const broadaddr = ifra.ifra_broadaddr;
  const mask = ifra.ifra_mask;
  const dstaddr = ifra.ifra_dstaddr ?? ifra.ifra_broadaddr;
  const vhid = cmd === SIOCAIFADDR ? (ifra.ifra_vhid ?? 0) : 0;
  let error = 0;
  if (cred !== null) {
    error = priv_check_cred(cred, PRIV_NET_ADDIFADDR);
    if (error !== 0) return error;
  }
  // ifra_addr is required; broadcast/dst and mask are optional.
  if (addr === null || addr === undefined || addr.sin_len !== 16 || addr.sin_family !== AF_INET) return EINVAL;
  if (broadaddr !== null && broadaddr.sin_len !== 0 && (broadaddr.sin_len !== 16 || broadaddr.sin_family !== AF_INET)) return EINVAL;
  if (mask !== null && mask.sin_len !== 0 && (mask.sin_len !== 16 || mask.sin_family !== AF_INET)) return EINVAL;
  if ((ifp.if_flags & IFF_POINTOPOINT) !== 0 && (dstaddr === null || dstaddr.sin_len !== 16 || dstaddr.sin_addr === INADDR_ANY)) return EDESTADDRREQ;
  // carp(4) is not modelled.
  if (vhid !== 0) return EPROTONOSUPPORT;

  // An existing equal address is replaced.
  let iaIsFirst = true;
  let ia: in_ifaddr | null = null;
  for (const ifa of ifp.if_addrhead) {
    if (!(ifa instanceof in_ifaddr)) continue;
    if (ifa.ia_addr.sin_addr === addr.sin_addr) ia = ifa;
    else iaIsFirst = false;
  }
  if (ia !== null) in_difaddr_ioctl(cmd, ifra, ifp, cred);

  let subnetmask: number;
  if (mask !== null && mask.sin_len !== 0) {
    subnetmask = mask.sin_addr >>> 0;
  } else {
    const i = addr.sin_addr;
    // No mask: the historical classful one, deprecated off loopback and
    // point-to-point links.
    if ((ifp.if_flags & (IFF_POINTOPOINT | IFF_LOOPBACK)) === 0)
      printf(`${ifp.if_xname}: set address: WARNING: network mask should be specified; using historical default\n`);
    if (IN_CLASSA(i)) subnetmask = IN_CLASSA_NET;
    else if (IN_CLASSB(i)) subnetmask = IN_CLASSB_NET;
    else subnetmask = IN_CLASSC_NET;
  }
  ia = new in_ifaddr(ifp, addr.sin_addr >>> 0, subnetmask, 0);
  ia.ia_subnet = (addr.sin_addr & subnetmask) >>> 0;
  // No broadcast address unless the interface has one.
  ia.ia_broadaddr.sin_len = 0;
  ia.ia_broadaddr.sin_family = 0;
  if ((ifp.if_flags & IFF_BROADCAST) !== 0) {
    if (broadaddr !== null && broadaddr.sin_len !== 0) {
      ia.ia_broadaddr.sin_addr = broadaddr.sin_addr >>> 0;
    } else if (ia.ia_subnetmask === IN_RFC3021_MASK) {
      ia.ia_broadaddr.sin_addr = INADDR_BROADCAST;
    } else {
      ia.ia_broadaddr.sin_addr = (ia.ia_subnet | ~ia.ia_subnetmask) >>> 0;
    }
    ia.ia_broadaddr.sin_len = 16;
    ia.ia_broadaddr.sin_family = AF_INET;
  }
  if ((ifp.if_flags & IFF_POINTOPOINT) !== 0 && dstaddr !== null) {
    ia.ia_broadaddr.sin_addr = dstaddr.sin_addr >>> 0;
    ia.ia_broadaddr.sin_len = 16;
    ia.ia_broadaddr.sin_family = AF_INET;
  }

  ifp.if_addrhead.push(ia);
  V_in_ifaddrhead().push(ia);
  inaddr_hash_insert(ia);

  // The interface initializes itself on its first address and may refuse.
  error = ifp.if_ioctl(ifp, SIOCSIFADDR, ia as unknown as ifreq);
  if (error === 0) error = in_addprefix(ia);
  if (error === 0 && ia_need_loopback_route(ia)) {
    const eia = in_localip_more(ia);
    if (eia === null) {
      error = ifa_add_loopback_route(ia, ia.ia_addr);
      if (error !== 0) {
        in_scrubprefix(ia, LLE_STATIC);
      }
    }
  }
  if (error !== 0) {
    // fail1: undo the linking.
    const i = ifp.if_addrhead.indexOf(ia);
    if (i >= 0) ifp.if_addrhead.splice(i, 1);
    const head = V_in_ifaddrhead();
    const j = head.indexOf(ia);
    if (j >= 0) head.splice(j, 1);
    inaddr_hash_remove(ia);
    return error;
  }
  // The first address of a multicast interface would join 224.0.0.1
  // (in_joingroup); IGMP is not modelled.
  void iaIsFirst;
  ifaddr_event_ext_invoke(ifp, ia, IFADDR_EVENT_ADD);
  return error;
}

/**
 * in_difaddr_ioctl: SIOCDIFADDR.  Removes the named address (or, given no
 * IPv4 address, the first one) with its prefix route, loopback route and
 * ARP entries.
 */
export function in_difaddr_ioctl(cmd: number, data: in_control_data, ifp: ifnet, cred: ucred | null): number {
  const addr = req_addr(data);
  if (cred !== null) {
    const error = priv_check_cred(cred, PRIV_NET_DELIFADDR);
    if (error !== 0) return error;
  }
  const deleteAny = addr === null || addr.sin_len !== 16 || addr.sin_family !== AF_INET;
  let iaIsLast = true;
  let ia: in_ifaddr | null = null;
  for (const ifa of ifp.if_addrhead) {
    if (!(ifa instanceof in_ifaddr)) continue;
    if (deleteAny && ia === null) ia = ifa;
    if (addr !== null && ifa.ia_addr.sin_addr === addr.sin_addr) ia = ifa;
    if (ifa !== ia) iaIsLast = false;
  }
  if (ia === null) return EADDRNOTAVAIL;
  const i = ifp.if_addrhead.indexOf(ia);
  if (i >= 0) ifp.if_addrhead.splice(i, 1);
  const head = V_in_ifaddrhead();
  const j = head.indexOf(ia);
  if (j >= 0) head.splice(j, 1);
  inaddr_hash_remove(ia);

  // in_scrubprefix kills the interface route; in_ifadown the rest of the
  // routes using the address.
  in_scrubprefix(ia, LLE_STATIC);
  in_ifadown(ia, 1);
  // The last address would leave 224.0.0.1; IGMP is not modelled.
  void iaIsLast;
  callout_stop(ia.ia_garp_timer);
  ifaddr_event_ext_invoke(ifp, ia, IFADDR_EVENT_DEL);
  void cmd;
  return 0;
}

/** in_gifaddr_ioctl: SIOCGIFALIAS, mask and broadcast/dst of an address. */
function in_gifaddr_ioctl(_cmd: number, ifra: in_aliasreq, ifp: ifnet, _cred: ucred | null): number {
  const addr = ifra.ifra_addr;
  if (addr === null || addr === undefined || addr.sin_len !== 16 || addr.sin_family !== AF_INET) return EINVAL;
  let ia: in_ifaddr | null = null;
  for (const ifa of ifp.if_addrhead) {
    if (ifa instanceof in_ifaddr && ifa.ia_addr.sin_addr === addr.sin_addr) {
      ia = ifa;
      break;
    }
  }
  if (ia === null) return EADDRNOTAVAIL;
  ifra.ifra_mask = new sockaddr_in(ia.ia_sockmask.sin_addr);
  if ((ifp.if_flags & IFF_POINTOPOINT) !== 0 && ia.ia_dstaddr.sin_family === AF_INET) {
    ifra.ifra_dstaddr = new sockaddr_in(ia.ia_dstaddr.sin_addr);
    ifra.ifra_broadaddr = ifra.ifra_dstaddr;
  } else if ((ifp.if_flags & IFF_BROADCAST) !== 0 && ia.ia_broadaddr.sin_family === AF_INET) {
    ifra.ifra_broadaddr = new sockaddr_in(ia.ia_broadaddr.sin_addr);
  } else {
    ifra.ifra_broadaddr = null;
  }
  return 0;
}


// Routes for interface addresses.  An address installs:
//  1) A/len on a broadcast interface: the prefix route out of the
//     interface, and a host route to A via lo0 (gateway: the interface).
//  2) A/32 on a broadcast interface: just the host route via lo0.
//  3) A -> D on a point-to-point link: a host route to D out of the
//     interface, and the host route to A via lo0.
//  4) A on a loopback interface: a host route to A out of it.

const in_match_ifaddr: rib_filter_f_t = (_rt, nh, arg) => (nh.nh_ifa === arg ? 1 : 0);

function in_handle_prefix_route(fibnum: number, cmd: number, dst: sockaddr_in, netmask: sockaddr_in | null, ifa: in_ifaddr, ifp: ifnet | null): number {
  const info = new rt_addrinfo();
  info.rti_ifa = ifa;
  info.rti_ifp = ifp;
  info.rti_flags = RTF_PINNED | (netmask !== null ? 0 : RTF_HOST);
  info.rti_info[RTAX_DST] = dst;
  info.rti_info[RTAX_NETMASK] = netmask;
  info.rti_info[RTAX_GATEWAY] = fill_sdl_from_ifp(ifa.ifa_ifp);
  // Delete the prefix only if it belongs to this address.
  info.rti_filter = in_match_ifaddr;
  info.rti_filterdata = ifa;
  return rib_handle_ifaddr_info(fibnum, cmd, info);
}

/** ia_need_loopback_route: does ia get a host route via lo0? */
function ia_need_loopback_route(ia: in_ifaddr): boolean {
  const ifp = ia.ia_ifp;
  // Case 4: loopback interfaces.
  if ((ifp.if_flags & IFF_LOOPBACK) !== 0 || ia.ia_addr.sin_addr === INADDR_ANY) return false;
  // Point-to-point links with both ends equal would clash.
  if ((ifp.if_flags & IFF_POINTOPOINT) !== 0 && ia.ia_dstaddr.sin_addr === ia.ia_addr.sin_addr) return false;
  // Case 2: the /32 route is already the host route.
  if ((ifp.if_flags & IFF_POINTOPOINT) === 0 && ia.ia_sockmask.sin_addr === INADDR_BROADCAST) return false;
  return true;
}

/** ia_getrtprefix: the prefix route of ia. */
function ia_getrtprefix(ia: in_ifaddr): { prefix: number; mask: number } {
  const ifp = ia.ia_ifp;
  if ((ifp.if_flags & IFF_POINTOPOINT) !== 0) return { prefix: ia.ia_dstaddr.sin_addr, mask: INADDR_BROADCAST };
  if ((ifp.if_flags & IFF_LOOPBACK) !== 0) return { prefix: ia.ia_addr.sin_addr, mask: INADDR_BROADCAST };
  return { prefix: (ia.ia_addr.sin_addr & ia.ia_sockmask.sin_addr) >>> 0, mask: ia.ia_sockmask.sin_addr >>> 0 };
}

/** in_handle_ifaddr_route: add or delete ia's prefix route. */
function in_handle_ifaddr_route(cmd: number, ia: in_ifaddr): number {
  const p = ia_getrtprefix(ia);
  const pmask = p.mask !== INADDR_BROADCAST ? new sockaddr_in(p.mask) : null;
  const dst = new sockaddr_in((p.prefix & p.mask) >>> 0);
  let ifp: ifnet | null = ia.ia_ifp;
  // Case 2: a host route on a broadcast interface goes via lo0.
  if (p.mask === INADDR_BROADCAST && (ia.ia_ifp.if_flags & (IFF_POINTOPOINT | IFF_LOOPBACK)) === 0) ifp = rt_loif();
  return in_handle_prefix_route(ia.ifa_ifp.if_fib, cmd, dst, pmask, ia, ifp);
}

/** in_hasrtprefix: does another address of the fib already route the prefix? */
function in_hasrtprefix(target: in_ifaddr): boolean {
  const t = ia_getrtprefix(target);
  for (const ia of V_in_ifaddrhead()) {
    const p = ia_getrtprefix(ia);
    if (t.prefix !== p.prefix || t.mask !== p.mask) continue;
    if (target.ia_ifp.if_fib !== ia.ia_ifp.if_fib) continue;
    if ((ia.ia_flags & IFA_ROUTE) !== 0) return true;
  }
  return false;
}

/** in_addprefix: the prefix route of target, unless one exists already. */
export function in_addprefix(target: in_ifaddr): number {
  if (in_hasrtprefix(target)) {
    if (VNET_I32(nosameprefix) !== 0) return EEXIST;
    rt_addrmsg(RTM_ADD, target, target.ia_ifp.if_fib);
    return 0;
  }
  rt_addrmsg(RTM_ADD, target, target.ia_ifp.if_fib);
  const error = in_handle_ifaddr_route(RTM_ADD, target);
  if (error === 0) target.ia_flags |= IFA_ROUTE;
  return error;
}

/** in_scrubprefixlle: the ARP entries of ia's prefix (all), or of its
 *  address only. */
function in_scrubprefixlle(ia: in_ifaddr, all: boolean, flags: number): void {
  const ifp = ia.ia_ifp;
  if (all) {
    lltable_prefix_free(AF_INET, ia.ia_addr.sin_addr, ia.ia_subnetmask, flags);
  } else {
    const llt = in_lltable_get(ifp);
    if (llt !== null) lltable_delete_addr(llt, LLE_IFADDR, ia.ia_addr.sin_addr);
  }
}

/**
 * in_scrubprefix: remove target's routes; the prefix route moves to
 * another address of the same prefix when one is up.
 */
export function in_scrubprefix(target: in_ifaddr, flags: number): number {
  let error = 0;
  // The loopback route to the address (handed over to a twin if any).
  if (ia_need_loopback_route(target) && (flags & LLE_STATIC) !== 0) {
    const eia = in_localip_more(target);
    if (eia !== null) error = ifa_switch_loopback_route(eia, target.ia_addr);
    else error = ifa_del_loopback_route(target, target.ia_addr);
  }
  const t = ia_getrtprefix(target);
  if ((target.ia_flags & IFA_ROUTE) === 0) {
    rt_addrmsg(RTM_DELETE, target, target.ia_ifp.if_fib);
    // Another address has the prefix route (or the interface is down):
    // only this address's own entry goes.
    in_scrubprefixlle(target, false, flags);
    return 0;
  }
  for (const ia of V_in_ifaddrhead()) {
    const p = ia_getrtprefix(ia);
    if (t.prefix !== p.prefix || t.mask !== p.mask) continue;
    if ((ia.ia_ifp.if_flags & IFF_UP) === 0) continue;
    // Move IFA_ROUTE and the route to the other address.
    if ((ia.ia_flags & IFA_ROUTE) === 0) {
      error = in_handle_ifaddr_route(RTM_DELETE, target);
      if (error === 0) target.ia_flags &= ~IFA_ROUTE;
      else log(LOG_INFO, `in_scrubprefix: err=${error}, old prefix delete failed\n`);
      // All entries go if the prefix moves to another interface.
      in_scrubprefixlle(target, target.ia_ifp !== ia.ia_ifp, flags);
      error = in_handle_ifaddr_route(RTM_ADD, ia);
      if (error === 0) ia.ia_flags |= IFA_ROUTE;
      else log(LOG_INFO, `in_scrubprefix: err=${error}, new prefix add failed\n`);
      return error;
    }
  }
  // Nobody else has the prefix: its ARP entries and route go.
  in_scrubprefixlle(target, true, flags);
  rt_addrmsg(RTM_DELETE, target, target.ia_ifp.if_fib);
  error = in_handle_ifaddr_route(RTM_DELETE, target);
  if (error === 0) target.ia_flags &= ~IFA_ROUTE;
  else log(LOG_INFO, `in_scrubprefix: err=${error}, prefix delete failed\n`);
  return error;
}


/**
 * in_ifnet_event: the ifnet_event handler.  An interface going down loses
 * its prefix routes (its addresses and their loopback routes stay); coming
 * up gets them back.  Called from if_down/if_up's EVENTHANDLER_INVOKE.
 */
export function in_ifnet_event(ifp: ifnet, event: number): void {
  switch (event) {
    case IFNET_EVENT_DOWN:
      for (const ifa of ifp.if_addrhead.slice()) {
        if (!(ifa instanceof in_ifaddr)) continue;
        if ((ifa.ia_flags & IFA_ROUTE) === 0) continue;
        in_scrubprefix(ifa, 0);
        in_ifadown(ifa, 0);
      }
      break;
    case IFNET_EVENT_UP:
      for (const ifa of ifp.if_addrhead.slice()) {
        if (!(ifa instanceof in_ifaddr)) continue;
        if ((ifa.ia_flags & IFA_ROUTE) !== 0) continue;
        ifa_del_loopback_route(ifa, ifa.ifa_addr);
        rt_addrmsg(RTM_ADD, ifa, ifa.ifa_ifp.if_fib);
        if (in_handle_ifaddr_route(RTM_ADD, ifa) === 0) ifa.ia_flags |= IFA_ROUTE;
        ifa_add_loopback_route(ifa, ifa.ifa_addr);
      }
      break;
  }
}

/** in_ifscrub_all: every IPv4 address of the vnet goes (vnet teardown). */
export function in_ifscrub_all(): void {
  for (const ifp of V_ifnet().slice()) {
    for (const ifa of ifp.if_addrhead.slice()) {
      if (!(ifa instanceof in_ifaddr)) continue;
      const ifr: in_ifreq = { ifr_name: ifp.if_xname, ifr_addr: ifa.ia_addr };
      in_control(SIOCDIFADDR, ifr, ifp, null);
    }
  }
}

/**
 * in_purgeaddrs: the AF_INET part of if_purgeaddrs (interface detach or
 * move to another vnet), then in_ifdetach as if_detach_internal does.
 */
export function in_purgeaddrs(ifp: ifnet): void {
  for (const ifa of ifp.if_addrhead.slice()) {
    if (!(ifa instanceof in_ifaddr)) continue;
    const ifr: in_ifreq = { ifr_name: ifp.if_xname, ifr_addr: ifa.ia_addr };
    in_control(SIOCDIFADDR, ifr, ifp, null);
  }
  in_ifdetach(ifp);
}

/**
 * in_ifdetach: IPv4 state hung off a departing interface: sockets' cached
 * references (in_pcbpurgeif0, netinet/in_pcb.ts registers the hook) and
 * multicast memberships (not modelled).
 */
let in_pcbpurgeif0_hook: ((ifp: ifnet) => void) | null = null;
export function set_in_pcbpurgeif0_hook(f: ((ifp: ifnet) => void) | null): void {
  in_pcbpurgeif0_hook = f;
}
export function in_ifdetach(ifp: ifnet): void {
  in_pcbpurgeif0_hook?.(ifp);
}

// ---------------------------------------------------------------------------
// The ARP table of an interface (in.c's in_lltable_* methods).

/** struct in_ifinfo: if_afdata[AF_INET]. */
export class in_ifinfo {
  ii_allhosts: unknown = null;
  ii_igmp: unknown = null;
  constructor(readonly ii_llt: lltable) {}
}

const IN_LLTBL_DEFAULT_HSIZE = 32;
/** IN_LLTBL_HASH: an xor of the four bytes, folded into the table. */
function IN_LLTBL_HASH(k: number, h: number): number {
  return (((((((k >>> 8) ^ k) >>> 8) ^ k) >>> 8) ^ k) & (h - 1)) >>> 0;
}

function in_lltable_destroy_lle(lle: llentry): void {
  lle.lle_refcnt = 0;
}

function in_lltable_new(addr4: number, _flags: number): llentry {
  const lle = new llentry();
  // Expired from the start: the first arpresolve sends a request.
  lle.la_expire = time_uptime();
  lle.r_l3addr = addr4 >>> 0;
  lle.lle_refcnt = 1;
  lle.lle_free = in_lltable_destroy_lle;
  return lle;
}

function in_lltable_match_prefix(addr: number, mask: number, flags: number, lle: llentry): number {
  if (((addr ^ lle.r_l3addr) & mask) !== 0) return 0;
  if ((lle.la_flags & LLE_IFADDR) !== 0) {
    // Our own address's entry goes only with that address (not on down).
    if (addr === lle.r_l3addr && (flags & LLE_STATIC) !== 0) return 1;
    return 0;
  }
  // LLE_STATIC asks for static entries too.
  if ((flags & LLE_STATIC) !== 0 || (lle.la_flags & LLE_STATIC) === 0) return 1;
  return 0;
}

function in_lltable_free_entry(llt: lltable, lle: llentry): void {
  if ((lle.la_flags & LLE_LINKED) !== 0) lltable_unlink_entry(llt, lle);
  const pkts_dropped = llentry_free(lle);
  ARPSTAT_ADD(dropped, pkts_dropped);
}

/**
 * in_lltable_rtcheck: an entry may only be made for an address a route
 * says is on ifp's link.
 */
function in_lltable_rtcheck(ifp: ifnet, _flags: number, addr: number): number {
  const nh = fib4_lookup(ifp.if_fib, addr, 0, NHR_NONE, 0);
  if (nh === null) return EINVAL;
  // A host route whose gateway is the address itself (MANET) is fine.
  if ((nh.nh_flags & NHF_GATEWAY) !== 0) {
    if (
      (nh.nh_flags & NHF_HOST) === 0 ||
      nh.nh_ifp.if_type !== IFT_ETHER ||
      (nh.nh_ifp.if_flags & (IFF_NOARP | IFF_STATICARP)) !== 0 ||
      nh.gw4_sa.sin_addr !== addr
    )
      return EINVAL;
  }
  // With one prefix on two links the route may name the other one: accept
  // when the address is at least inside a subnet of ifp.
  if (nh.nh_ifp !== ifp && (nh.nh_flags & NHF_HOST) === 0) {
    const sin = new sockaddr_in(addr);
    const ia = ifaof_ifpforaddr(sin, ifp);
    if (ia === null || !(ia instanceof in_ifaddr)) return EINVAL;
    if (((IA_SIN(ia) ^ addr) & ia.ia_subnetmask) !== 0) return EINVAL;
  }
  return 0;
}

function in_lltable_hash(lle: llentry, hsize: number): number {
  return IN_LLTBL_HASH(lle.r_l3addr, hsize);
}

/** in_lltable_find_dst: allocation-free lookup. */
function in_lltable_find_dst(llt: lltable, dst: number): llentry | null {
  const chain = llt.lle_head[IN_LLTBL_HASH(dst, llt.llt_hsize)];
  for (let i = 0; i < chain.length; i++) {
    const lle = chain[i];
    if ((lle.la_flags & LLE_DELETED) !== 0) continue;
    if (lle.r_l3addr === dst) return lle;
  }
  return null;
}

function in_lltable_delete_entry(_llt: lltable, lle: llentry): void {
  lle.la_flags |= LLE_DELETED;
  llentry_free(lle);
}

// Made on first use: LLE_MAX_LINKHDR's module may load after this one.
let ifaddr_linkhdr: Uint8Array | null = null;
const ifaddr_llres: llheader_result = { bufsize: 0, lladdr_off: 0 };

function in_lltable_alloc(llt: lltable, flags: number, addr: number): llentry | null {
  const ifp = llt.llt_ifp;
  // Resolution needs a route covering the address.
  if ((flags & LLE_IFADDR) === 0 && in_lltable_rtcheck(ifp, flags, addr) !== 0) return null;
  const lle = in_lltable_new(addr, flags);
  lle.la_flags = flags;
  if ((flags & LLE_STATIC) !== 0) lle.r_flags |= RLLE_VALID;
  if ((flags & LLE_IFADDR) === LLE_IFADDR) {
    if (ifaddr_linkhdr === null) ifaddr_linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
    if (lltable_calc_llheader(ifp, AF_INET, lltable_if_lladdr(ifp), 0, ifaddr_linkhdr, ifaddr_llres) !== 0) {
      in_lltable_free_entry(llt, lle);
      return null;
    }
    lltable_set_entry_addr(ifp, lle, ifaddr_linkhdr, ifaddr_llres.bufsize, ifaddr_llres.lladdr_off);
    lle.la_flags |= LLE_STATIC;
    lle.r_flags |= RLLE_VALID | RLLE_IFADDR;
    lle.la_expire = 0;
  }
  return lle;
}

function in_lltable_lookup(llt: lltable, _flags: number, addr: number): llentry | null {
  const lle = in_lltable_find_dst(llt, addr);
  if (lle === null) return null;
  if ((lle.la_flags & LLE_LINKED) === 0) return null;
  return lle;
}

function in_lltable_dump_entry(llt: lltable, lle: llentry, out: lla_dump_entry[]): number {
  const ifp = llt.llt_ifp;
  if ((lle.la_flags & LLE_DELETED) === LLE_DELETED) return 0;
  let flags = RTF_UP;
  if ((lle.la_flags & LLE_PUB) !== 0) flags |= RTF_ANNOUNCE;
  flags |= RTF_HOST | RTF_LLDATA;
  if ((lle.la_flags & LLE_STATIC) !== 0) flags |= RTF_STATIC;
  if ((lle.la_flags & LLE_IFADDR) !== 0) flags |= RTF_PINNED;
  out.push({
    addr: lle.r_l3addr,
    lladdr: (lle.la_flags & LLE_VALID) === LLE_VALID ? lle.ll_addr.slice() : null,
    flags,
    expire: (lle.la_flags & LLE_STATIC) !== 0 ? 0 : lle.la_expire,
    ifname: ifp.if_xname,
    ifindex: ifp.if_index,
    la_flags: lle.la_flags,
  });
  return 0;
}

/** in_lltable_post_resolved: a published entry is announced. */
function in_lltable_post_resolved(llt: lltable, lle: llentry): void {
  if ((lle.la_flags & LLE_PUB) !== 0) arprequest(llt.llt_ifp, lle.r_l3addr, lle.r_l3addr, lle.ll_addr);
}

function in_lltattach(ifp: ifnet): lltable {
  const llt = lltable_allocate_htbl(IN_LLTBL_DEFAULT_HSIZE, ifp);
  llt.llt_af = AF_INET;
  llt.llt_ifp = ifp;
  llt.llt_lookup = in_lltable_lookup;
  llt.llt_alloc_entry = in_lltable_alloc;
  llt.llt_delete_entry = in_lltable_delete_entry;
  llt.llt_dump_entry = in_lltable_dump_entry;
  llt.llt_hash = in_lltable_hash;
  llt.llt_free_entry = in_lltable_free_entry;
  llt.llt_match_prefix = in_lltable_match_prefix;
  llt.llt_mark_used = llentry_mark_used;
  llt.llt_post_resolved = in_lltable_post_resolved;
  lltable_link(llt);
  return llt;
}

/** in_lltable_get (LLTABLE(ifp)): ifp's ARP table.  Allocation-free. */
export function in_lltable_get(ifp: ifnet): lltable | null {
  const ii = ifp.if_afdata.get(AF_INET);
  return ii instanceof in_ifinfo ? ii.ii_llt : null;
}

/** in_domifattach: the inet domain's per-interface data. */
export function in_domifattach(ifp: ifnet): in_ifinfo {
  return new in_ifinfo(in_lltattach(ifp));
}

export function in_domifdetach(_ifp: ifnet, aux: unknown): void {
  if (aux instanceof in_ifinfo) lltable_free(aux.ii_llt);
}

// ---------------------------------------------------------------------------
// The inet domain (netinet/in_proto.c's inetdomain, the parts the interface
// and routing layers call).

export const inetdomain: domain = {
  dom_family: AF_INET,
  dom_name: "internet",
  dom_ifattach: (ifp) => in_domifattach(ifp),
  dom_ifdetach: (ifp, aux) => in_domifdetach(ifp, aux),
  pr_control: (cmd, data, ifp, cred) => in_control(cmd, data as in_control_data, ifp, cred),
  dom_purgeaddrs: (ifp) => in_purgeaddrs(ifp),
  dom_flushroutes: (ifp) => rt_flushifroutes_af(ifp, AF_INET),
  dom_rtattach: (fibnum) => in_inithead(fibnum),
  dom_rtdetach: (rh) => in_detachhead(rh),
};
domain_add(inetdomain);
ifnet_event.push(in_ifnet_event);

/**
 * On vnet teardown every IPv4 address goes before the routing tables do.
 * FreeBSD calls in_ifscrub_all from ip_destroy (the same subsystem and
 * order); a second call finds nothing to do.
 */
VNET_SYSUNINIT("in_ifscrub_all", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, in_ifscrub_all);
