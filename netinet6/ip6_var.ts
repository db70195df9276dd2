// sys/netinet6/ip6_var.h: IPv6 statistics (struct ip6stat), the flags
// callers pass to ip6_output, the socket-level output options (struct
// ip6_pktopts, struct ip6_moptions), the protocol input convention, and the
// net.inet6 and net.inet6.ip6 sysctl nodes.
//
// struct ip6stat is one run of per-vnet 64-bit counters in FreeBSD 14's
// field order; the arrays (nxthist, m2m, the source selection counters) are
// runs inside it, indexed from their first field.

import { M_PROTO1, M_PROTO2, M_PROTO3, M_PROTO4, M_PROTO5, M_PROTO6, M_PROTO7, M_PROTO9, CSUM_L4_VALID, type mbuf } from "../kern/mbuf.ts";
import { CTLFLAG_RW, SYSCTL_NODE, SYSCTL_VNET_PCPUSTAT, _net } from "../kern/sysctl.ts";
import { PF_INET6 } from "../kern/socket.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_U64, VNET_U64_ADD, VNET_I32 } from "../net/vnet.ts";
import type { ifnet } from "../net/if.ts";
import type { in6_addr, route_in6, sockaddr_in6 } from "./in6_var.ts";


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
/** Field names in struct order (arrays as name[i]). */
export const ip6stat_names: readonly string[] = (() => {
  const n = ["ip6s_total", "ip6s_tooshort", "ip6s_toosmall", "ip6s_fragments", "ip6s_fragdropped", "ip6s_fragtimeout", "ip6s_fragoverflow", "ip6s_forward", "ip6s_cantforward", "ip6s_redirectsent", "ip6s_delivered", "ip6s_localout", "ip6s_odropped", "ip6s_reassembled", "ip6s_atomicfrags", "ip6s_fragmented", "ip6s_ofragments", "ip6s_cantfrag", "ip6s_badoptions", "ip6s_noroute", "ip6s_badvers", "ip6s_rawout", "ip6s_badscope", "ip6s_notmember"];
  for (let i = 0; i < IP6S_HDRCNT; i++) n.push(`ip6s_nxthist[${i}]`);
  n.push("ip6s_m1");
  for (let i = 0; i < IP6S_M2MMAX; i++) n.push(`ip6s_m2m[${i}]`);
  n.push("ip6s_mext1", "ip6s_mext2m", "ip6s_exthdrtoolong", "ip6s_nogif", "ip6s_toomanyhdr", "ip6s_sources_none");
  for (const f of ["sameif", "otherif", "samescope", "otherscope", "deprecated", "rule"]) for (let i = 0; i < IP6S_SCOPECNT; i++) n.push(`ip6s_sources_${f}[${i}]`);
  return n;
})();
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
/** (FreeBSD spells it IPV6_FLOWID, the name of the socket option 67 too.) */
export const IPV6_FLOWID_OUT = 0x08;

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

// mbuf flags IPv6 uses between its layers (ip6_var.h).
/** ip6_tryforward or a filter made the packet ours (netinet/ip_var.h's). */
export const M_FASTFWD_OURS = M_PROTO1;
export const M_AUTHIPHDR = M_PROTO2;
export const M_DECRYPTED = M_PROTO3;
/** The packet was looped back to us (if_simloop, ip6_mloopback). */
export const M_LOOP = M_PROTO4;
export const M_AUTHIPDGM = M_PROTO5;
/** A hop-by-hop router alert for MLD came with it (ip6_input to icmp6/mld). */
export const M_RTALERT_MLD = M_PROTO6;
/** A filter set an explicit next hop (PACKET_TAG_IPFORWARD; not modelled). */
export const M_IP6_NEXTHOP = M_PROTO7;
/** It was reassembled from fragments (had a fragment header). */
export const M_FRAGMENTED = M_PROTO9;

// sys/mbuf.h's IPv6 checksum offload flags.
export const CSUM_IP6_UDP = 0x00000200;
export const CSUM_IP6_TCP = 0x00000400;
export const CSUM_IP6_SCTP = 0x00000800;
export const CSUM_UDP_IPV6 = CSUM_IP6_UDP;
export const CSUM_TCP_IPV6 = CSUM_IP6_TCP;
export const CSUM_SCTP_IPV6 = CSUM_IP6_SCTP;
export const CSUM_DELAY_DATA_IPV6 = CSUM_TCP_IPV6 | CSUM_UDP_IPV6;
export const CSUM_DATA_VALID_IPV6 = CSUM_L4_VALID;

/** The lifetime of a datagram being reassembled, in frag6_slowtimo ticks (120: 60 s). */
export const IPV6_FRAGTTL = 120;


/** struct ip6_mtuinfo (IPV6_PATHMTU): where, and the path MTU. */
export class ip6_mtuinfo {
  constructor(
    readonly ip6m_addr: sockaddr_in6,
    readonly ip6m_mtu: number,
  ) {}
}


// netinet6/in6.h's IPv6 socket options (level IPPROTO_IPV6), which
// ip6_ctloutput serves.
export const IPV6_SOCKOPT_RESERVED1 = 3;
export const IPV6_UNICAST_HOPS = 4;
export const IPV6_MULTICAST_IF = 9;
export const IPV6_MULTICAST_HOPS = 10;
export const IPV6_MULTICAST_LOOP = 11;
export const IPV6_JOIN_GROUP = 12;
export const IPV6_LEAVE_GROUP = 13;
export const IPV6_PORTRANGE = 14;
export const IPV6_2292PKTINFO = 19;
export const IPV6_2292HOPLIMIT = 20;
export const IPV6_2292NEXTHOP = 21;
export const IPV6_2292HOPOPTS = 22;
export const IPV6_2292DSTOPTS = 23;
export const IPV6_2292RTHDR = 24;
export const IPV6_2292PKTOPTIONS = 25;
export const IPV6_CHECKSUM = 26;
export const IPV6_V6ONLY = 27;
export const IPV6_IPSEC_POLICY = 28;
export const IPV6_RTHDRDSTOPTS = 35;
export const IPV6_RECVPKTINFO = 36;
export const IPV6_RECVHOPLIMIT = 37;
export const IPV6_RECVRTHDR = 38;
export const IPV6_RECVHOPOPTS = 39;
export const IPV6_RECVDSTOPTS = 40;
export const IPV6_RECVRTHDRDSTOPTS = 41;
export const IPV6_USE_MIN_MTU = 42;
export const IPV6_RECVPATHMTU = 43;
export const IPV6_PATHMTU = 44;
export const IPV6_PKTINFO = 46;
export const IPV6_HOPLIMIT = 47;
export const IPV6_NEXTHOP = 48;
export const IPV6_HOPOPTS = 49;
export const IPV6_DSTOPTS = 50;
export const IPV6_RTHDR = 51;
export const IPV6_RECVTCLASS = 57;
export const IPV6_AUTOFLOWLABEL = 59;
export const IPV6_TCLASS = 61;
export const IPV6_DONTFRAG = 62;
export const IPV6_PREFER_TEMPADDR = 63;
export const IPV6_BINDANY = 64;
export const IPV6_BINDMULTI = 65;
export const IPV6_FLOWID = 67;
export const IPV6_FLOWTYPE = 68;
export const IPV6_RECVFLOWID = 70;
export const IPV6_ORIGDSTADDR = 72;
export const IPV6_MSFILTER = 74;
export const IPV6_VLAN_PCP = 75;
export const MCAST_JOIN_GROUP = 80;
export const MCAST_LEAVE_GROUP = 81;
export const MCAST_JOIN_SOURCE_GROUP = 82;
export const MCAST_LEAVE_SOURCE_GROUP = 83;
export const MCAST_BLOCK_SOURCE = 84;
export const MCAST_UNBLOCK_SOURCE = 85;
export const IPV6_PORTRANGE_DEFAULT = 0;
export const IPV6_PORTRANGE_HIGH = 1;
export const IPV6_PORTRANGE_LOW = 2;

// netinet/in_pcb.h's IPv6 inp_flags.
export const IN6P_IPV6_V6ONLY = 0x00008000;
export const IN6P_PKTINFO = 0x00010000;
export const IN6P_HOPLIMIT = 0x00020000;
export const IN6P_HOPOPTS = 0x00040000;
export const IN6P_DSTOPTS = 0x00080000;
export const IN6P_RTHDR = 0x00100000;
export const IN6P_RTHDRDSTOPTS = 0x00200000;
export const IN6P_TCLASS = 0x00400000;
export const IN6P_AUTOFLOWLABEL = 0x00800000;
export const IN6P_RFC2292 = 0x40000000;
export const IN6P_MTU = 0x80000000;
export const IN6P_CONTROLOPTS = IN6P_PKTINFO | IN6P_HOPLIMIT | IN6P_HOPOPTS | IN6P_DSTOPTS | IN6P_RTHDR | IN6P_RTHDRDSTOPTS | IN6P_TCLASS | IN6P_AUTOFLOWLABEL | IN6P_RFC2292 | IN6P_MTU;

// Two net.inet6.ip6 knobs every new socket reads (in_pcballoc): in6_proto.c
// defines them in FreeBSD, and in6_proto.ts registers their sysctls; they
// live here so that netinet/in_pcb.ts need not load IPv6's protocol table.
export const ip6_auto_flowlabel = VNET_DEFINE_INT("ip6_auto_flowlabel", 1);
export const ip6_v6only = VNET_DEFINE_INT("ip6_v6only", 1);
export function V_ip6_auto_flowlabel(): number {
  return VNET_I32(ip6_auto_flowlabel);
}
export function V_ip6_v6only(): number {
  return VNET_I32(ip6_v6only);
}
