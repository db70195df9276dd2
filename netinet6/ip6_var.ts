// sys/netinet6/ip6_var.h: IPv6 statistics (struct ip6stat), the flags
// callers pass to ip6_output, the socket-level output options (struct
// ip6_pktopts, struct ip6_moptions), the protocol input convention, and the
// net.inet6 and net.inet6.ip6 sysctl nodes.
//
// struct ip6stat is one run of per-vnet 64-bit counters in FreeBSD 14's
// field order; the arrays (nxthist, m2m, the source selection counters) are
// runs inside it, indexed from their first field.

import type { mbuf } from "../kern/mbuf.ts";
import { CTLFLAG_RW, SYSCTL_NODE, SYSCTL_VNET_PCPUSTAT, _net } from "../kern/sysctl.ts";
import { PF_INET6 } from "../kern/socket.ts";
import { VNET_DEFINE_U64, VNET_U64_ADD } from "../net/vnet.ts";
import type { ifnet } from "../net/if.ts";
import type { in6_addr, route_in6, sockaddr_in6 } from "./in6.ts";

/** IPPROTO_IPV6 (41): the level of IPv6 socket options and the sysctl node number. */
export const IPPROTO_IPV6 = 41;
/** IPPROTO_DONE: what an ip6proto input returns when it consumed the packet. */
export const IPPROTO_DONE = 257;

export const _net_inet6 = SYSCTL_NODE(_net, PF_INET6, "inet6", CTLFLAG_RW, null, "Internet6 Family");
export const _net_inet6_ip6 = SYSCTL_NODE(_net_inet6, IPPROTO_IPV6, "ip6", CTLFLAG_RW, null, "IP6");

/** The holders of FreeBSD's struct mbuf ** and int * arguments (kept, never allocated per packet). */
export interface mbufp {
  m: mbuf | null;
}
export interface intp {
  v: number;
}
/** pr_input of an IPv6 upper layer: int (*)(struct mbuf **, int *, int). */
export type ip6proto_input_t = (mp: mbufp, offp: intp, proto: number) => number;
/** pr_ctlinput: (cmd, sa, ip6ctlparam). */
export type ip6proto_ctlinput_t = (ip6cp: ip6ctlparam) => void;

/** struct ip6ctlparam: what an ICMPv6 error tells the protocols (netinet6/ip6protosw.h). */
export class ip6ctlparam {
  ip6c_m: mbuf | null = null;
  /** Offset of the ICMPv6 header in ip6c_m. */
  ip6c_icmp6 = 0;
  /** Offset of the inner IPv6 header in ip6c_m. */
  ip6c_ip6 = 0;
  /** Offset of the upper-layer header inside the inner packet. */
  ip6c_off = 0;
  ip6c_src: sockaddr_in6 | null = null;
  ip6c_dst: sockaddr_in6 | null = null;
  ip6c_finaldst: in6_addr | null = null;
  ip6c_cmdarg: unknown = null;
  ip6c_nxt = 0;
}

// struct ip6stat
export const ip6s_total = 0;
export const ip6s_tooshort = 1;
export const ip6s_toosmall = 2;
export const ip6s_fragments = 3;
export const ip6s_fragdropped = 4;
export const ip6s_fragtimeout = 5;
export const ip6s_fragoverflow = 6;
export const ip6s_forward = 7;
export const ip6s_cantforward = 8;
export const ip6s_redirectsent = 9;
export const ip6s_delivered = 10;
export const ip6s_localout = 11;
export const ip6s_odropped = 12;
export const ip6s_reassembled = 13;
export const ip6s_atomicfrags = 14;
export const ip6s_fragmented = 15;
export const ip6s_ofragments = 16;
export const ip6s_cantfrag = 17;
export const ip6s_badoptions = 18;
export const ip6s_noroute = 19;
export const ip6s_badvers = 20;
export const ip6s_rawout = 21;
export const ip6s_badscope = 22;
export const ip6s_notmember = 23;
/** ip6s_nxthist[256]: next-header history (ip6s_nxthist + nxt). */
export const ip6s_nxthist = 24;
export const ip6s_m1 = 280;
/** ip6s_m2m[32] */
export const ip6s_m2m = 281;
export const ip6s_mext1 = 313;
export const ip6s_mext2m = 314;
export const ip6s_exthdrtoolong = 315;
export const ip6s_nogif = 316;
export const ip6s_toomanyhdr = 317;
export const ip6s_sources_none = 318;
/** ip6s_sources_sameif[IP6S_SCOPECNT] */
export const ip6s_sources_sameif = 319;
/** ip6s_sources_otherif[IP6S_SCOPECNT] */
export const ip6s_sources_otherif = 335;
/** ip6s_sources_samescope[IP6S_SCOPECNT] */
export const ip6s_sources_samescope = 351;
/** ip6s_sources_otherscope[IP6S_SCOPECNT] */
export const ip6s_sources_otherscope = 367;
/** ip6s_sources_deprecated[IP6S_SCOPECNT] */
export const ip6s_sources_deprecated = 383;
/** ip6s_sources_rule[IP6S_SCOPECNT] */
export const ip6s_sources_rule = 399;
export const IP6STAT_NFIELDS = 415;
/** The size of the source selection arrays (IP6S_SCOPECNT) and the rule count (IP6S_RULESMAX). */
export const IP6S_SCOPECNT = 16;
export const IP6S_RULESMAX = 16;
export const IP6S_HDRCNT = 256;
export const IP6S_M2MMAX = 32;

/** VNET_PCPUSTAT_DEFINE(struct ip6stat, ip6stat). */
export const ip6stat = VNET_DEFINE_U64("ip6stat", IP6STAT_NFIELDS);
/** IPV6CTL_STATS */
export const IPV6CTL_STATS = 6;
SYSCTL_VNET_PCPUSTAT(_net_inet6_ip6, IPV6CTL_STATS, "stats", ip6stat, IP6STAT_NFIELDS, "ip6stat", "IP6 statistics (struct ip6stat, netinet6/ip6_var.h)");

export function IP6STAT_INC(field: number): void {
  VNET_U64_ADD(ip6stat + field, 1);
}
export function IP6STAT_ADD(field: number, n: number): void {
  VNET_U64_ADD(ip6stat + field, n);
}
export function IP6STAT_SUB(field: number, n: number): void {
  VNET_U64_ADD(ip6stat + field, -n);
}
/** IP6STAT_INC2(name, i): one element of an array field. */
export function IP6STAT_INC2(field: number, i: number): void {
  VNET_U64_ADD(ip6stat + field + i, 1);
}

// Flags passed to ip6_output as its flags argument.
/** Allow :: as the source address. */
export const IPV6_UNSPECSRC = 0x01;
/** Most of the IPv6 header exists (a forwarded packet). */
export const IPV6_FORWARDING = 0x02;
/** Use the minimum MTU (IPV6_USE_MIN_MTU). */
export const IPV6_MINMTU = 0x04;
export const IPV6_FLOWID = 0x08;

/** struct ip6_moptions: a socket's multicast options. */
export class ip6_moptions {
  im6o_multicast_ifp: ifnet | null = null;
  im6o_multicast_hlim = 1;
  im6o_multicast_loop = 1;
  /** The groups joined (in6_mcast.ts's in6_mfilter/membership objects). */
  im6o_head: unknown[] = [];
}

// ip6po_minmtu
export const IP6PO_MINMTU_MCASTONLY = -1;
export const IP6PO_MINMTU_DISABLE = 0;
export const IP6PO_MINMTU_ALL = 1;
// ip6po_prefer_tempaddr
export const IP6PO_TEMPADDR_SYSTEM = -1;
export const IP6PO_TEMPADDR_NOTPREFER = 0;
export const IP6PO_TEMPADDR_PREFER = 1;
// ip6po_flags
export const IP6PO_DONTFRAG = 0x04;
export const IP6PO_USECOA = 0x08;

/** struct in6_pktinfo: source address and outgoing interface index (IPV6_PKTINFO). */
export class in6_pktinfo {
  ipi6_addr: in6_addr | null = null;
  ipi6_ifindex = 0;
}

/**
 * struct ip6_pktopts: output options of a socket or of one sendmsg.
 * Extension headers are kept as byte arrays in wire form.
 */
export class ip6_pktopts {
  /** Hop limit, -1 for the default. */
  ip6po_hlim = -1;
  ip6po_pktinfo: in6_pktinfo | null = null;
  /** IPV6_NEXTHOP and the route to it. */
  ip6po_nexthop: sockaddr_in6 | null = null;
  ip6po_nextroute: route_in6 | null = null;
  ip6po_hbh: Uint8Array | null = null;
  ip6po_dest1: Uint8Array | null = null;
  ip6po_rthdr: Uint8Array | null = null;
  ip6po_route: route_in6 | null = null;
  ip6po_dest2: Uint8Array | null = null;
  /** Traffic class, -1 for the default. */
  ip6po_tclass = -1;
  ip6po_minmtu = IP6PO_MINMTU_MCASTONLY;
  ip6po_prefer_tempaddr = IP6PO_TEMPADDR_SYSTEM;
  ip6po_flags = 0;
}
