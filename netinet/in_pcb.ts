// sys/netinet/in_pcb.c, sys/netinet/in_pcb.h: Internet protocol control
// blocks.  An inpcb holds a socket's local and foreign address and port and
// its IP-level options; an inpcbinfo is a protocol's table of them (one per
// vnet: V_udbinfo, V_ripcbinfo), with the hash that input uses to find the
// socket a datagram is for.  Binding, ephemeral port choice
// (net.inet.ip.portrange.*, per vnet, randomized from arc4random), connecting
// with source address selection from the route (in_pcbladdr), lookups.
//
// Also here: the IPPROTO_IP socket options (ip_ctloutput, from
// sys/netinet/ip_output.c) and IP_OPTIONS storage (ip_pcbopts, from
// sys/netinet/ip_options.c), which only ever act on an inpcb.
//
// The inpcb is shared with IPv6 (netinet6/in6_pcb.ts): inp_vflag says which
// families a PCB speaks (INP_IPV4, INP_IPV6; an AF_INET6 socket that is not
// IPV6_V6ONLY and is bound to :: has both, and then IPv4 lookups find it as
// a v4-mapped listener, after any IPv4 socket); in6p_laddr/in6p_faddr hold
// its IPv6 addresses and the hash keys a PCB by whichever family it is.
//
// Departures: no locks or epochs (a lookup returns the inpcb as is); jails
// carry no IPv4 address restrictions (vnet jails own their stack; plain jails
// share the host's addresses), so the prison_*_ip4 checks always pass; no
// load-balancing groups (SO_REUSEPORT_LB binds like SO_REUSEPORT).  FreeBSD
// lays inp_laddr over the last word of in6p_laddr (a union); here they are
// separate fields, each kept for its own family.

import { EACCES, EADDRINUSE, EADDRNOTAVAIL, EAGAIN, EINVAL, EMSGSIZE, ENETUNREACH, ENOBUFS, ENOPROTOOPT, EOPNOTSUPP } from "../kern/errno.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { priv_check_cred, PRIV_NETINET_RESERVEDPORT } from "../kern/kern_priv.ts";
import { arc4random } from "../kern/arc4random.ts";
import { MLEN, MT_DATA, type mbuf } from "../kern/mbuf.ts";
import { m_free, m_freem, m_get } from "../kern/kern_mbuf.ts";
import { m_copym } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { AF_INET, SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT, SO_REUSEPORT_LB, SO_SETFIB, SO_DONTROUTE, SOCK_STREAM } from "../kern/socket.ts";
import {
  CTLFLAG_RW,
  CTLFLAG_SECURE,
  CTLFLAG_VNET,
  CTLTYPE_INT,
  OID_AUTO,
  SYSCTL_INT,
  SYSCTL_NODE,
  SYSCTL_PROC,
  sysctl_handle_int,
} from "../kern/sysctl.ts";
import {
  SOPT_GET,
  SOPT_SET,
  sooptcopyin_bytes,
  sooptcopyin_int,
  sooptcopyout_bytes,
  sooptcopyout_int,
  sosetfib,
  type socket,
  type sockopt,
} from "../kern/uipc_socket.ts";
import { VNET_DEFINE_INT, VNET_I32, VNET_I32_SET, curvnet, vnet, vnet0 } from "../net/vnet.ts";
import { IFF_BROADCAST, IFF_LOOPBACK, type ifnet } from "../net/if.ts";
import { INADDR_ANY, INADDR_BROADCAST, IN_MULTICAST, V_in_ifaddrhead, sockaddr_in, type in_ifaddr, ifatoia } from "./in.ts";
import { M_HASHTYPE_OPAQUE_HASH, fib4_calc_software_hash, fib4_lookup } from "./in_fib.ts";
import { CALC_FLOWID_OUTBOUND } from "../net/route/mpath_ctl.ts";
import { NHR_NONE } from "../net/route/nhop.ts";
import { _net_inet_ip, ip_moptions } from "./ip_var.ts";
import { ifa_ifwithaddr, ifa_ifwithaddr_check, ifa_ifwithdstaddr, ifa_ifwithnet } from "./in.ts";
import { AF_INET6 } from "../kern/socket.ts";

import { IN6P_AUTOFLOWLABEL, IN6P_IPV6_V6ONLY, type ip6_pktopts, V_ip6_auto_flowlabel, V_ip6_v6only } from "../netinet6/ip6_var.ts";

import { in6_addr, in6_addr_copy, IN6_ARE_ADDR_EQUAL, s6_addr32 } from "../netinet6/in6_var.ts";

// ---------------------------------------------------------------------------
// netinet/in.h: IPPROTO_IP socket options.

export const IP_OPTIONS = 1;
export const IP_HDRINCL = 2;
export const IP_TOS = 3;
export const IP_TTL = 4;
export const IP_RECVOPTS = 5;
export const IP_RECVRETOPTS = 6;
export const IP_RECVDSTADDR = 7;
export const IP_SENDSRCADDR = IP_RECVDSTADDR;
export const IP_RETOPTS = 8;
export const IP_MULTICAST_IF = 9;
export const IP_MULTICAST_TTL = 10;
export const IP_MULTICAST_LOOP = 11;
export const IP_ADD_MEMBERSHIP = 12;
export const IP_DROP_MEMBERSHIP = 13;
export const IP_PORTRANGE = 19;
export const IP_RECVIF = 20;
export const IP_ONESBCAST = 23;
export const IP_BINDANY = 24;
export const IP_ORIGDSTADDR = 27;
export const IP_RECVORIGDSTADDR = IP_ORIGDSTADDR;
export const IP_RECVTTL = 65;
export const IP_MINTTL = 66;
export const IP_DONTFRAG = 67;
export const IP_RECVTOS = 68;
export const IP_VLAN_PCP = 75;
export const IP_FLOWID = 90;
export const IP_FLOWTYPE = 91;
export const IP_RECVFLOWID = 93;

export const IP_PORTRANGE_DEFAULT = 0;
export const IP_PORTRANGE_HIGH = 1;
export const IP_PORTRANGE_LOW = 2;

export const IPPORT_RESERVED = 1024;
export const IPPORT_EPHEMERALFIRST = 10000;
export const IPPORT_EPHEMERALLAST = 65535;
export const IPPORT_HIFIRSTAUTO = 49152;
export const IPPORT_HILASTAUTO = 65535;
export const IPPORT_RESERVEDSTART = 600;
export const IPPORT_MAX = 65535;

/** MAXTTL (netinet/ip.h). */
const MAXTTL = 255;
/** MAX_IPOPTLEN (netinet/ip_var.h): 40 bytes of options at most. */
const MAX_IPOPTLEN = 40;
// ip.h option layout: type, length, offset.
const IPOPT_OPTVAL = 0;
const IPOPT_OLEN = 1;
const IPOPT_OFFSET = 2;
const IPOPT_MINOFF = 4;
const IPOPT_EOL = 0;
const IPOPT_NOP = 1;
const IPOPT_LSRR = 131;
const IPOPT_SSRR = 137;

// sys/priv.h privileges used here that kern_priv.ts does not list.
const PRIV_NETINET_BINDANY = 511;
const PRIV_NETINET_REUSEPORT = 515;

// ---------------------------------------------------------------------------
// netinet/in_pcb.h

export const INP_IPV4 = 0x1;
export const INP_IPV6 = 0x2;
export const INP_IPV6PROTO = 0x4;

// inp_flags
export const INP_RECVOPTS = 0x00000001;
export const INP_RECVRETOPTS = 0x00000002;
export const INP_RECVDSTADDR = 0x00000004;
export const INP_HDRINCL = 0x00000008;
export const INP_HIGHPORT = 0x00000010;
export const INP_LOWPORT = 0x00000020;
export const INP_ANONPORT = 0x00000040;
export const INP_RECVIF = 0x00000080;
export const INP_MTUDISC = 0x00000100;
export const INP_RECVTTL = 0x00000400;
export const INP_DONTFRAG = 0x00000800;
export const INP_BINDANY = 0x00001000;
export const INP_INHASHLIST = 0x00002000;
export const INP_RECVTOS = 0x00004000;
// IN6P_* (0x00008000 to 0x00800000, 0x40000000, 0x80000000): netinet6/ip6_var.ts.
export const INP_ONESBCAST = 0x02000000;
export const INP_DROPPED = 0x04000000;
export const INP_SOCKREF = 0x08000000;
export const INP_CONTROLOPTS = INP_RECVOPTS | INP_RECVRETOPTS | INP_RECVDSTADDR | INP_RECVIF | INP_RECVTTL | INP_RECVTOS;

// inp_flags2
export const INP_REUSEPORT = 0x00000008;
export const INP_FREED = 0x00000010;
export const INP_REUSEADDR = 0x00000020;
export const INP_RECVFLOWID = 0x00000100;
export const INP_ORIGDSTADDR = 0x00000800;
export const INP_REUSEPORT_LB = 0x00002000;
/** IP_VLAN_PCP: a priority code point is set, and its three bits. */
export const INP_2PCP_SET = 0x00020000;
export const INP_2PCP_BIT0 = 0x00040000;
export const INP_2PCP_BIT1 = 0x00080000;
export const INP_2PCP_BIT2 = 0x00100000;
export const INP_2PCP_MASK = INP_2PCP_BIT0 | INP_2PCP_BIT1 | INP_2PCP_BIT2;
export const INP_2PCP_SHIFT = 18;

// in_pcblookup*() flags
export const INPLOOKUP_WILDCARD = 0x00000001;
export const INPLOOKUP_RLOCKPCB = 0x00000002;
export const INPLOOKUP_WLOCKPCB = 0x00000004;
export const INPLOOKUP_MASK = INPLOOKUP_WILDCARD | INPLOOKUP_RLOCKPCB | INPLOOKUP_WLOCKPCB;

/** inc_flags. */
export const INC_ISIPV6 = 0x01;
export const INC_IPV6MINMTU = 0x02;

/**
 * struct in_conninfo: a connection's addresses and ports (the in_endpoints
 * union, ie_*, flattened: inc_fport, inc_lport, inc_faddr, inc_laddr,
 * inc6_faddr, inc6_laddr) with its flags and fib.  An inpcb's inp_laddr,
 * inp_lport, inp_faddr, inp_fport, in6p_laddr and in6p_faddr are these
 * fields, as in FreeBSD's macros; TCP hands the inc to the host cache,
 * tcp_maxmtu and the syncache.
 */
export class in_conninfo {
  inc_flags = 0;
  inc_len = 0;
  inc_fibnum = 0;
  inc_fport = 0;
  inc_lport = 0;
  /** IPv4 addresses, host order. */
  inc_faddr = INADDR_ANY;
  inc_laddr = INADDR_ANY;
  readonly inc6_faddr = new in6_addr();
  readonly inc6_laddr = new in6_addr();
  inc6_zoneid = 0;
}

/** bzero(inc, sizeof(*inc)). */
export function in_conninfo_clear(inc: in_conninfo): void {
  inc.inc_flags = 0;
  inc.inc_len = 0;
  inc.inc_fibnum = 0;
  inc.inc_fport = 0;
  inc.inc_lport = 0;
  inc.inc_faddr = INADDR_ANY;
  inc.inc_laddr = INADDR_ANY;
  inc.inc6_faddr.s6_addr.fill(0);
  inc.inc6_laddr.s6_addr.fill(0);
  inc.inc6_zoneid = 0;
}

/** bcopy(src, dst, sizeof(struct in_conninfo)). */
export function in_conninfo_copy(dst: in_conninfo, src: in_conninfo): void {
  dst.inc_flags = src.inc_flags;
  dst.inc_len = src.inc_len;
  dst.inc_fibnum = src.inc_fibnum;
  dst.inc_fport = src.inc_fport;
  dst.inc_lport = src.inc_lport;
  dst.inc_faddr = src.inc_faddr;
  dst.inc_laddr = src.inc_laddr;
  in6_addr_copy(dst.inc6_faddr, src.inc6_faddr);
  in6_addr_copy(dst.inc6_laddr, src.inc6_laddr);
  dst.inc6_zoneid = src.inc6_zoneid;
}

/** bcmp of the in_endpoints: ports and both addresses of the family. */
export function in_endpoints_equal(a: in_conninfo, b: in_conninfo): boolean {
  if (a.inc_fport !== b.inc_fport || a.inc_lport !== b.inc_lport) return false;
  if ((a.inc_flags & INC_ISIPV6) !== (b.inc_flags & INC_ISIPV6)) return false;
  if ((a.inc_flags & INC_ISIPV6) !== 0) return IN6_ARE_ADDR_EQUAL(a.inc6_faddr, b.inc6_faddr) && IN6_ARE_ADDR_EQUAL(a.inc6_laddr, b.inc6_laddr);
  return a.inc_faddr === b.inc_faddr && a.inc_laddr === b.inc_laddr;
}

/** struct inpcb.  inp_laddr/inp_faddr are host-order numbers. */
export class inpcb {
  readonly inp_inc = new in_conninfo();
  get inp_laddr(): number {
    return this.inp_inc.inc_laddr;
  }
  set inp_laddr(v: number) {
    this.inp_inc.inc_laddr = v;
  }
  get inp_lport(): number {
    return this.inp_inc.inc_lport;
  }
  set inp_lport(v: number) {
    this.inp_inc.inc_lport = v;
  }
  get inp_faddr(): number {
    return this.inp_inc.inc_faddr;
  }
  set inp_faddr(v: number) {
    this.inp_inc.inc_faddr = v;
  }
  get inp_fport(): number {
    return this.inp_inc.inc_fport;
  }
  set inp_fport(v: number) {
    this.inp_inc.inc_fport = v;
  }
  inp_flags = 0;
  inp_flags2 = 0;
  inp_vflag = 0;
  inp_ip_ttl = 0;
  inp_ip_p = 0;
  inp_ip_tos = 0;
  inp_ip_minttl = 0;
  /** IP options to insert in every packet (ip_pcbopts' format: first-hop
   *  address, then the options), or null. */
  inp_options: mbuf | null = null;
  /** Multicast options (IP_MULTICAST_*); none are set: multicast
   *  membership is not modelled. */
  inp_moptions: ip_moptions | null = null;
  inp_flowid = 0;
  inp_flowtype = 0;
  inp_gencnt = 0;
  /** IPv6 local and foreign addresses (zones embedded, as in the kernel). */
  get in6p_laddr(): in6_addr {
    return this.inp_inc.inc6_laddr;
  }
  get in6p_faddr(): in6_addr {
    return this.inp_inc.inc6_faddr;
  }
  /** IPV6_* output options (ip6_pcbopts), or null. */
  in6p_outputopts: ip6_pktopts | null = null;
  /** IPV6_UNICAST_HOPS: the hop limit, -1 for the kernel's choice. */
  in6p_hops = -1;
  /** IPV6_CHECKSUM on a raw socket: where the checksum goes, -1 for none. */
  in6p_cksum = -1;
  /** The flow information (traffic class and flow label) for ip6_flow. */
  inp_flow = 0;
  inp_socket: socket | null;
  readonly inp_pcbinfo: inpcbinfo;
  readonly inp_cred: ucred;
  /** Protocol state (struct udpcb for UDP). */
  inp_ppcb: unknown = null;
  readonly inp_vnet: vnet;
  /** Where in_pcbinshash put it: the hash bucket and the port list. */
  inp_hash: inpcb[] | null = null;
  inp_portlist: inpcb[] | null = null;

  constructor(so: socket, pcbinfo: inpcbinfo) {
    this.inp_socket = so;
    this.inp_pcbinfo = pcbinfo;
    this.inp_cred = so.so_cred;
    this.inp_vnet = so.so_vnet;
  }
}

/** sotoinpcb(so). */
export function sotoinpcb(so: socket): inpcb {
  const inp = so.so_pcb;
  KASSERT(inp !== null, "sotoinpcb: no inpcb");
  return inp;
}

/**
 * struct inpcbinfo: a protocol's PCBs in one vnet.  ipi_listhead is every
 * PCB, newest first; the hash holds bound PCBs by (faddr, lport, fport); the
 * port hash all PCBs bound to a port.  Raw IP keeps its own exact-match hash
 * (ipi_hash_exact) keyed by protocol and addresses.
 */
export class inpcbinfo {
  readonly ipi_listhead: inpcb[] = [];
  ipi_count = 0;
  ipi_gencnt = 0;
  readonly ipi_hashbase: inpcb[][];
  readonly ipi_hashmask: number;
  readonly ipi_porthashbase = new Map<number, inpcb[]>();
  ipi_lastport = 0;
  ipi_lastlow = 0;
  ipi_lasthi = 0;
  readonly ipi_vnet: vnet;
  constructor(
    readonly ipi_name: string,
    hash_nelements: number,
  ) {
    // hashinit(): a power of two no larger than the request.
    let n = 1;
    while (n * 2 <= hash_nelements) n *= 2;
    this.ipi_hashmask = n - 1;
    // Empty buckets share one frozen array until something is hashed there,
    // so an idle vnet does not pay for a table of empty lists.
    this.ipi_hashbase = new Array<inpcb[]>(n).fill(HASH_EMPTY);
    this.ipi_vnet = VIMAGE ? (curvnet as vnet) : vnet0;
  }
}

/** The one empty bucket every unused hash slot points at (read-only). */
export const HASH_EMPTY: never[] = [];
Object.freeze(HASH_EMPTY);

/** The bucket at idx, made a list of its own before the first insert. */
export function hash_bucket<T>(table: T[][], idx: number): T[] {
  let b = table[idx];
  if (b === HASH_EMPTY) table[idx] = b = [];
  return b;
}

/** in_pcbinfo_init(pcbinfo, name, hash_nelements, porthash_nelements). */
export function in_pcbinfo_init(name: string, hash_nelements: number, _porthash_nelements: number): inpcbinfo {
  return new inpcbinfo(name, hash_nelements);
}

/** in_pcbinfo_destroy: only an empty table may go (vnet teardown). */
export function in_pcbinfo_destroy(pcbinfo: inpcbinfo): void {
  KASSERT(pcbinfo.ipi_count === 0, `in_pcbinfo_destroy: ${pcbinfo.ipi_name} ipi_count = ${pcbinfo.ipi_count}`);
}

/** INP_PCBHASH(faddr, lport, fport, mask). */
export function INP_PCBHASH(faddr: number, lport: number, fport: number, mask: number): number {
  return (faddr ^ (faddr >>> 16) ^ (lport ^ fport)) & mask;
}

/** INP6_PCBHASH: the last word of the IPv6 foreign address is the key. */
export function INP6_PCBHASH(faddr: in6_addr, lport: number, fport: number, mask: number): number {
  return INP_PCBHASH(s6_addr32(faddr, 3), lport, fport, mask);
}

/** The bucket a PCB belongs in, by the family it speaks. */
function inp_hashidx(inp: inpcb): number {
  const mask = inp.inp_pcbinfo.ipi_hashmask;
  if ((inp.inp_vflag & INP_IPV6) !== 0) return INP6_PCBHASH(inp.in6p_faddr, inp.inp_lport, inp.inp_fport, mask);
  return INP_PCBHASH(inp.inp_faddr, inp.inp_lport, inp.inp_fport, mask);
}

// ---------------------------------------------------------------------------
// Ephemeral port ranges (net.inet.ip.portrange.*), per vnet.

export const V_ipport_lowfirstauto = VNET_DEFINE_INT("ipport_lowfirstauto", IPPORT_RESERVED - 1); // 1023
export const V_ipport_lowlastauto = VNET_DEFINE_INT("ipport_lowlastauto", IPPORT_RESERVEDSTART); // 600
export const V_ipport_firstauto = VNET_DEFINE_INT("ipport_firstauto", IPPORT_EPHEMERALFIRST); // 10000
export const V_ipport_lastauto = VNET_DEFINE_INT("ipport_lastauto", IPPORT_EPHEMERALLAST); // 65535
export const V_ipport_hifirstauto = VNET_DEFINE_INT("ipport_hifirstauto", IPPORT_HIFIRSTAUTO); // 49152
export const V_ipport_hilastauto = VNET_DEFINE_INT("ipport_hilastauto", IPPORT_HILASTAUTO); // 65535
export const V_ipport_reservedhigh = VNET_DEFINE_INT("ipport_reservedhigh", IPPORT_RESERVED - 1); // 1023
export const V_ipport_reservedlow = VNET_DEFINE_INT("ipport_reservedlow", 0);
export const V_ipport_randomized = VNET_DEFINE_INT("ipport_randomized", 1);
export const V_ipport_randomcps = VNET_DEFINE_INT("ipport_randomcps", 10);
export const V_ipport_randomtime = VNET_DEFINE_INT("ipport_randomtime", 45);
export const V_ipport_stoprandom = VNET_DEFINE_INT("ipport_stoprandom", 0);
export const V_ipport_tcpallocs = VNET_DEFINE_INT("ipport_tcpallocs", 0);

function RANGECHK(idx: number, min: number, max: number): void {
  const v = VNET_I32(idx);
  if (v < min) VNET_I32_SET(idx, min);
  else if (v > max) VNET_I32_SET(idx, max);
}

const _net_inet_ip_portrange = SYSCTL_NODE(_net_inet_ip, 0, "portrange", CTLFLAG_RW, null, "IP Ports");

/** sysctl_net_ipport_check: set, then clamp every range into bounds. */
function sysctl_net_ipport_check(oidp: Parameters<typeof sysctl_handle_int>[0], arg1: unknown, arg2: number, req: Parameters<typeof sysctl_handle_int>[3]): number {
  const error = sysctl_handle_int(oidp, arg1, arg2, req);
  if (error === 0) {
    RANGECHK(V_ipport_lowfirstauto, 1, IPPORT_RESERVED - 1);
    RANGECHK(V_ipport_lowlastauto, 1, IPPORT_RESERVED - 1);
    RANGECHK(V_ipport_firstauto, IPPORT_RESERVED, IPPORT_MAX);
    RANGECHK(V_ipport_lastauto, IPPORT_RESERVED, IPPORT_MAX);
    RANGECHK(V_ipport_hifirstauto, IPPORT_RESERVED, IPPORT_MAX);
    RANGECHK(V_ipport_hilastauto, IPPORT_RESERVED, IPPORT_MAX);
  }
  return error;
}

for (const [name, idx] of [
  ["lowfirst", V_ipport_lowfirstauto],
  ["lowlast", V_ipport_lowlastauto],
  ["first", V_ipport_firstauto],
  ["last", V_ipport_lastauto],
  ["hifirst", V_ipport_hifirstauto],
  ["hilast", V_ipport_hilastauto],
] as const) {
  SYSCTL_PROC(_net_inet_ip_portrange, OID_AUTO, name, CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_RW, idx, 0, sysctl_net_ipport_check, "I", "");
}
SYSCTL_INT(_net_inet_ip_portrange, OID_AUTO, "reservedhigh", CTLFLAG_VNET | CTLFLAG_RW | CTLFLAG_SECURE, V_ipport_reservedhigh, 0, "");
SYSCTL_INT(_net_inet_ip_portrange, OID_AUTO, "reservedlow", CTLFLAG_VNET | CTLFLAG_RW | CTLFLAG_SECURE, V_ipport_reservedlow, 0, "");
SYSCTL_INT(_net_inet_ip_portrange, OID_AUTO, "randomized", CTLFLAG_VNET | CTLFLAG_RW, V_ipport_randomized, 0, "Enable random port allocation");
SYSCTL_INT(
  _net_inet_ip_portrange,
  OID_AUTO,
  "randomcps",
  CTLFLAG_VNET | CTLFLAG_RW,
  V_ipport_randomcps,
  0,
  "Maximum number of random port allocations before switching to a sequental one",
);
SYSCTL_INT(
  _net_inet_ip_portrange,
  OID_AUTO,
  "randomtime",
  CTLFLAG_VNET | CTLFLAG_RW,
  V_ipport_randomtime,
  0,
  "Minimum time to keep sequental port allocation before switching to a random one",
);

// ---------------------------------------------------------------------------
// Allocation, hashing, freeing.

/** in_pcballoc(so, pcbinfo): a PCB for the socket, at the head of the list. */
export function in_pcballoc(so: socket, pcbinfo: inpcbinfo): number {
  const inp = new inpcb(so, pcbinfo);
  inp.inp_inc.inc_fibnum = so.so_fibnum;
  if (so.so_proto.pr_domain.dom_family === AF_INET6) {
    inp.inp_vflag |= INP_IPV6PROTO | INP_IPV6;
    if (V_ip6_v6only() !== 0) inp.inp_flags |= IN6P_IPV6_V6ONLY;
    else inp.inp_vflag |= INP_IPV4;
    if (V_ip6_auto_flowlabel() !== 0) inp.inp_flags |= IN6P_AUTOFLOWLABEL;
    inp.in6p_hops = -1;
  } else inp.inp_vflag |= INP_IPV4;
  pcbinfo.ipi_listhead.unshift(inp);
  pcbinfo.ipi_count++;
  so.so_pcb = inp;
  inp.inp_gencnt = ++pcbinfo.ipi_gencnt;
  return 0;
}

/** in_pcbinshash: enter a bound PCB in the lookup hash and its port list. */
export function in_pcbinshash(inp: inpcb): number {
  const pcbinfo = inp.inp_pcbinfo;
  KASSERT((inp.inp_flags & INP_INHASHLIST) === 0, "in_pcbinshash: INP_INHASHLIST");
  const bucket = hash_bucket(pcbinfo.ipi_hashbase, inp_hashidx(inp));
  let phd = pcbinfo.ipi_porthashbase.get(inp.inp_lport);
  if (phd === undefined) pcbinfo.ipi_porthashbase.set(inp.inp_lport, (phd = []));
  phd.unshift(inp);
  bucket.unshift(inp);
  inp.inp_hash = bucket;
  inp.inp_portlist = phd;
  inp.inp_flags |= INP_INHASHLIST;
  return 0;
}

/** in_pcbremhash: out of the hash and the port list. */
export function in_pcbremhash(inp: inpcb): void {
  if ((inp.inp_flags & INP_INHASHLIST) === 0) return;
  const pcbinfo = inp.inp_pcbinfo;
  const h = inp.inp_hash;
  if (h !== null) {
    const i = h.indexOf(inp);
    if (i >= 0) h.splice(i, 1);
  }
  const phd = inp.inp_portlist;
  if (phd !== null) {
    const i = phd.indexOf(inp);
    if (i >= 0) phd.splice(i, 1);
    // The last PCB on a port frees the port's entry.
    if (phd.length === 0 && pcbinfo.ipi_porthashbase.get(inp.inp_lport) === phd) pcbinfo.ipi_porthashbase.delete(inp.inp_lport);
  }
  inp.inp_hash = null;
  inp.inp_portlist = null;
  inp.inp_flags &= ~INP_INHASHLIST;
}

/** in_pcbdrop: the connection is over (TCP); out of the lookup hash so no
 *  segment finds it, though the socket may still hold it. */
export function in_pcbdrop(inp: inpcb): void {
  inp.inp_flags |= INP_DROPPED;
  if ((inp.inp_flags & INP_INHASHLIST) !== 0) in_pcbremhash(inp);
}

/** in_pcbrehash: the addresses changed (connect, disconnect); move it. */
export function in_pcbrehash(inp: inpcb): void {
  KASSERT((inp.inp_flags & INP_INHASHLIST) !== 0, "in_pcbrehash: not in hash");
  const pcbinfo = inp.inp_pcbinfo;
  const h = inp.inp_hash;
  if (h !== null) {
    const i = h.indexOf(inp);
    if (i >= 0) h.splice(i, 1);
  }
  const bucket = hash_bucket(pcbinfo.ipi_hashbase, inp_hashidx(inp));
  bucket.unshift(inp);
  inp.inp_hash = bucket;
}

/**
 * in_pcbfree: the socket is gone; unhash, unlist, free the options.  The
 * PCB is marked INP_FREED so a stale pointer is recognisable.
 */
export function in_pcbfree(inp: inpcb): void {
  KASSERT((inp.inp_flags2 & INP_FREED) === 0, "in_pcbfree: called twice");
  const pcbinfo = inp.inp_pcbinfo;
  in_pcbremhash(inp);
  const i = pcbinfo.ipi_listhead.indexOf(inp);
  KASSERT(i >= 0, "in_pcbfree: not on ipi_listhead");
  pcbinfo.ipi_listhead.splice(i, 1);
  pcbinfo.ipi_count--;
  pcbinfo.ipi_gencnt++;
  inp.inp_flags2 |= INP_FREED;
  if (inp.inp_options !== null) {
    m_freem(inp.inp_options);
    inp.inp_options = null;
  }
  // ip6_freepcbopts and ip6_freemoptions: the IPv6 options hold no mbufs
  // here; the groups the socket joined are left.
  inp.in6p_outputopts = null;
  if ((inp.inp_vflag & INP_IPV6PROTO) !== 0) in6_pcbfree_moptions_hook(inp);
  const so = inp.inp_socket;
  if (so !== null) so.so_pcb = null;
  inp.inp_socket = null;
}

/** ip6_freemoptions of the socket's IPv6 multicast options (in6_mcast.ts
 *  keeps them), set by netinet6/in6_pcb.ts so that this file does not
 *  import the multicast code. */
let in6_pcbfree_moptions_hook: (inp: inpcb) => void = () => {};
export function in6_pcbfree_moptions_set(f: (inp: inpcb) => void): void {
  in6_pcbfree_moptions_hook = f;
}

/** inp_so_options: the reuse options the PCB was bound with. */
export function inp_so_options(inp: inpcb): number {
  let so_options = 0;
  if ((inp.inp_flags2 & INP_REUSEPORT_LB) !== 0) so_options |= SO_REUSEPORT_LB;
  if ((inp.inp_flags2 & INP_REUSEPORT) !== 0) so_options |= SO_REUSEPORT;
  if ((inp.inp_flags2 & INP_REUSEADDR) !== 0) so_options |= SO_REUSEADDR;
  return so_options;
}

// ---------------------------------------------------------------------------
// Binding.

/** In/out addresses of the *_setup functions (FreeBSD passes pointers to
 *  in_addr_t/u_short).  Callers keep one of these at module level. */
export class in_addrs {
  laddr = 0;
  lport = 0;
  faddr = 0;
  fport = 0;
}

/**
 * in_pcbbind(inp, sin, cred): bind to sin (null: any address, an ephemeral
 * port).  A PCB binds once (EINVAL).
 */
export function in_pcbbind(inp: inpcb, sin: sockaddr_in | null, cred: ucred): number {
  if (inp.inp_lport !== 0 || inp.inp_laddr !== INADDR_ANY) return EINVAL;
  const anonport = sin === null || sin.sin_port === 0;
  const a = bind_addrs;
  a.laddr = inp.inp_laddr;
  a.lport = inp.inp_lport;
  const error = in_pcbbind_setup(inp, sin, a, cred);
  if (error !== 0) return error;
  inp.inp_laddr = a.laddr;
  inp.inp_lport = a.lport;
  if (in_pcbinshash(inp) !== 0) {
    inp.inp_laddr = INADDR_ANY;
    inp.inp_lport = 0;
    return EAGAIN;
  }
  if (anonport) inp.inp_flags |= INP_ANONPORT;
  return 0;
}
const bind_addrs = new in_addrs();

/**
 * in_pcb_lport_dest: choose a local port in the PCB's range (default, high
 * or low) unused with the given local address (and, with fsa, unused toward
 * that foreign address and port).  Randomized: the walk starts at a random
 * point, as net.inet.ip.portrange.randomized asks (always for UDP).
 */
export function in_pcb_lport_dest(inp: inpcb, laddr: number, fsa: { faddr: number; fport: number } | null, cred: ucred, lookupflags: number): { error: number; lport: number } {
  const pcbinfo = inp.inp_pcbinfo;
  // UDP and raw always randomize when allowed; TCP only while ipport_tick
  // allows it (there is no TCP here).
  const r = lport_range(inp, cred);
  if (r.error !== 0) return { error: r.error, lport: 0 };
  const { first, last, which } = r;
  let count = last - first;
  let lport: number;
  let tmpinp: inpcb | null;
  do {
    if (count-- < 0) return { error: EADDRNOTAVAIL, lport: 0 };
    ++pcbinfo[which];
    if (pcbinfo[which] < first || pcbinfo[which] > last) pcbinfo[which] = first;
    lport = pcbinfo[which];
    if (fsa !== null) tmpinp = in_pcblookup_hash_locked(pcbinfo, fsa.faddr, fsa.fport, laddr, lport, lookupflags, null);
    else tmpinp = in_pcblookup_local(pcbinfo, laddr, lport, lookupflags, cred);
  } while (tmpinp !== null);
  return { error: 0, lport };
}

/**
 * in_pcb_lport_dest for an IPv6 PCB (FreeBSD's one function takes either
 * family's sockaddrs): a port unused with laddr6, or with faddr6/fport when
 * a foreign address is given.
 */
export function in6_pcb_lport_dest(inp: inpcb, laddr6: in6_addr, faddr6: in6_addr | null, fport: number, cred: ucred, lookupflags: number): { error: number; lport: number } {
  const pcbinfo = inp.inp_pcbinfo;
  const r = lport_range(inp, cred);
  if (r.error !== 0) return { error: r.error, lport: 0 };
  const { first, last, which } = r;
  let count = last - first;
  let lport: number;
  let tmpinp: inpcb | null;
  do {
    if (count-- < 0) return { error: EADDRNOTAVAIL, lport: 0 };
    ++pcbinfo[which];
    if (pcbinfo[which] < first || pcbinfo[which] > last) pcbinfo[which] = first;
    lport = pcbinfo[which];
    if (faddr6 !== null) tmpinp = in6_pcblookup_hash_locked_hook(pcbinfo, faddr6, fport, laddr6, lport, lookupflags, null);
    else tmpinp = in6_pcblookup_local_hook(pcbinfo, laddr6, lport, lookupflags, cred);
  } while (tmpinp !== null);
  return { error: 0, lport };
}

/** The port range a PCB draws from and where its walk starts (the first
 *  half of in_pcb_lport_dest). */
function lport_range(inp: inpcb, cred: ucred): { error: number; first: number; last: number; which: "ipi_lasthi" | "ipi_lastlow" | "ipi_lastport" } {
  const pcbinfo = inp.inp_pcbinfo;
  let first: number;
  let last: number;
  let which: "ipi_lasthi" | "ipi_lastlow" | "ipi_lastport";
  if ((inp.inp_flags & INP_HIGHPORT) !== 0) {
    first = VNET_I32(V_ipport_hifirstauto);
    last = VNET_I32(V_ipport_hilastauto);
    which = "ipi_lasthi";
  } else if ((inp.inp_flags & INP_LOWPORT) !== 0) {
    const error = priv_check_cred(cred, PRIV_NETINET_RESERVEDPORT);
    if (error !== 0) return { error, first: 0, last: 0, which: "ipi_lastport" };
    first = VNET_I32(V_ipport_lowfirstauto);
    last = VNET_I32(V_ipport_lowlastauto);
    which = "ipi_lastlow";
  } else {
    first = VNET_I32(V_ipport_firstauto);
    last = VNET_I32(V_ipport_lastauto);
    which = "ipi_lastport";
  }
  let dorandom = VNET_I32(V_ipport_randomized) !== 0;
  if (first === last) dorandom = false;
  if (first > last) {
    const aux = first;
    first = last;
    last = aux;
  }
  if (dorandom) pcbinfo[which] = first + (arc4random() % (last - first));
  return { error: 0, first, last, which };
}

/** The IPv6 lookups in6_pcb.ts provides (set when it loads: this file
 *  does not import the IPv6 PCB code). */
let in6_pcblookup_hash_locked_hook: (pcbinfo: inpcbinfo, faddr: in6_addr, fport: number, laddr: in6_addr, lport: number, lookupflags: number, ifp: ifnet | null) => inpcb | null = () => null;
let in6_pcblookup_local_hook: (pcbinfo: inpcbinfo, laddr: in6_addr, lport: number, lookupflags: number, cred: ucred | null) => inpcb | null = () => null;
export function in6_pcblookup_hooks_set(
  hash: typeof in6_pcblookup_hash_locked_hook,
  local: typeof in6_pcblookup_local_hook,
): void {
  in6_pcblookup_hash_locked_hook = hash;
  in6_pcblookup_local_hook = local;
}

/** in_pcb_lport(inp, laddr, cred, lookupflags). */
export function in_pcb_lport(inp: inpcb, laddr: number, cred: ucred, lookupflags: number): { error: number; lport: number } {
  return in_pcb_lport_dest(inp, laddr, null, cred, lookupflags);
}

/**
 * in_pcbbind_setup(inp, sin, a, cred): work out the local address and port
 * a bind would give (a.laddr/a.lport in: the current ones; out: the
 * result), checking the address is ours, reserved ports, and conflicts
 * with other PCBs, without changing the PCB.
 */
export function in_pcbbind_setup(inp: inpcb, sin: sockaddr_in | null, a: in_addrs, cred: ucred): number {
  const so = inp.inp_socket;
  KASSERT(so !== null, "in_pcbbind_setup: no socket");
  const pcbinfo = inp.inp_pcbinfo;
  let lport = 0;
  let lookupflags = 0;
  let reuseport = so.so_options & SO_REUSEPORT;
  let reuseport_lb = so.so_options & SO_REUSEPORT_LB;

  if (V_in_ifaddrhead().length === 0) return EADDRNOTAVAIL;
  let laddr = a.laddr;
  if (sin !== null && laddr !== INADDR_ANY) return EINVAL;
  if ((so.so_options & (SO_REUSEADDR | SO_REUSEPORT | SO_REUSEPORT_LB)) === 0) lookupflags = INPLOOKUP_WILDCARD;
  if (sin !== null) {
    KASSERT(sin.sin_family === AF_INET, "in_pcbbind_setup: invalid family");
    if (sin.sin_port !== a.lport) {
      // The port may not change once chosen.
      if (a.lport !== 0) return EINVAL;
      lport = sin.sin_port;
    }
    if (IN_MULTICAST(sin.sin_addr)) {
      // SO_REUSEADDR means SO_REUSEPORT for multicast: complete duplicate
      // bindings are allowed.
      if ((so.so_options & (SO_REUSEADDR | SO_REUSEPORT)) !== 0) reuseport = SO_REUSEADDR | SO_REUSEPORT;
      if ((so.so_options & (SO_REUSEADDR | SO_REUSEPORT_LB)) !== 0) reuseport_lb = SO_REUSEADDR | SO_REUSEPORT_LB;
    } else if (sin.sin_addr !== INADDR_ANY) {
      sin.sin_port = 0;
      // Only our own addresses, unless IP_BINDANY.
      if ((inp.inp_flags & INP_BINDANY) === 0 && ifa_ifwithaddr_check(sin) === 0) return EADDRNOTAVAIL;
    }
    laddr = sin.sin_addr;
    if (lport !== 0) {
      if (lport <= VNET_I32(V_ipport_reservedhigh) && lport >= VNET_I32(V_ipport_reservedlow) && priv_check_cred(cred, PRIV_NETINET_RESERVEDPORT) !== 0) return EACCES;
      if (!IN_MULTICAST(sin.sin_addr) && priv_check_cred(inp.inp_cred, PRIV_NETINET_REUSEPORT) !== 0) {
        // An unprivileged user may not take over another user's port.
        const t = in_pcblookup_local(pcbinfo, sin.sin_addr, lport, INPLOOKUP_WILDCARD, cred);
        if (
          t !== null &&
          (so.so_type !== SOCK_STREAM || t.inp_faddr === INADDR_ANY) &&
          (sin.sin_addr !== INADDR_ANY || t.inp_laddr !== INADDR_ANY || (t.inp_flags2 & INP_REUSEPORT) === 0) &&
          inp.inp_cred.cr_uid !== t.inp_cred.cr_uid
        )
          return EADDRINUSE;
      }
      const t = in_pcblookup_local(pcbinfo, sin.sin_addr, lport, lookupflags, cred);
      if (t !== null && (reuseport & inp_so_options(t)) === 0 && (reuseport_lb & inp_so_options(t)) === 0) return EADDRINUSE;
    }
  }
  if (a.lport !== 0) lport = a.lport;
  if (lport === 0) {
    const r = in_pcb_lport(inp, laddr, cred, lookupflags);
    if (r.error !== 0) return r.error;
    lport = r.lport;
  }
  a.laddr = laddr;
  a.lport = lport;
  return 0;
}

// ---------------------------------------------------------------------------
// Connecting.

/**
 * in_pcbconnect(inp, sin, cred, rehash): set the foreign address and port,
 * binding the local side first if needed (source from the route).
 */
export function in_pcbconnect(inp: inpcb, sin: sockaddr_in, cred: ucred, rehash: boolean): number {
  const a = connect_addrs;
  a.laddr = inp.inp_laddr;
  a.lport = inp.inp_lport;
  const anonport = a.lport === 0;
  const error = in_pcbconnect_setup(inp, sin, a, cred);
  if (error !== 0) return error;
  // The initial binding of the local address, if not bound yet.
  if (inp.inp_laddr === INADDR_ANY && inp.inp_lport === 0) {
    KASSERT(rehash, "in_pcbconnect: rehashing required for unbound inps");
    inp.inp_lport = a.lport;
    inp.inp_laddr = a.laddr;
    if (in_pcbinshash(inp) !== 0) {
      inp.inp_laddr = INADDR_ANY;
      inp.inp_lport = 0;
      return EAGAIN;
    }
  }
  inp.inp_lport = a.lport;
  inp.inp_laddr = a.laddr;
  inp.inp_faddr = a.faddr;
  inp.inp_fport = a.fport;
  if (rehash) in_pcbrehash(inp);
  else in_pcbinshash(inp);
  if (anonport) inp.inp_flags |= INP_ANONPORT;
  return 0;
}
const connect_addrs = new in_addrs();

/**
 * in_pcbladdr(inp, faddr, cred): the source address for sending to faddr:
 * the address of the interface the route goes out of; for a route to one
 * of our own addresses (through lo0), the address of the interface that
 * has it; with no route, an address on a directly connected network
 * (ENETUNREACH if none).  The result is a module-level object, reused:
 * sending on an unbound socket comes here for every datagram.
 */
export function in_pcbladdr(inp: inpcb, faddr: number, _cred: ucred | null): { error: number; laddr: number } {
  const so = inp.inp_socket;
  KASSERT(so !== null, "in_pcbladdr: no socket");
  const r = laddr_result;
  r.error = 0;
  r.laddr = INADDR_ANY;
  // To a multicast group with an outgoing interface chosen
  // (IP_MULTICAST_IF): that interface's address.
  const imo = inp.inp_moptions;
  if (IN_MULTICAST(faddr) && imo !== null && imo.imo_multicast_ifp !== null) {
    const ifp = imo.imo_multicast_ifp;
    for (const ia of V_in_ifaddrhead()) {
      if (ia.ia_ifp === ifp) {
        r.laddr = ia.ia_addr.sin_addr;
        return r;
      }
    }
    r.error = EADDRNOTAVAIL;
    return r;
  }
  let nh = null;
  if ((so.so_options & SO_DONTROUTE) === 0) nh = fib4_lookup(inp.inp_inc.inc_fibnum, faddr, 0, NHR_NONE, 0);
  // No route: assume faddr is on a directly connected network.
  if (nh === null || nh.nh_ifp === null) {
    let ia = in_ifwithdstaddr(faddr, so.so_fibnum);
    if (ia === null) ia = in_ifwithnet(faddr, so.so_fibnum);
    if (ia === null) {
      r.error = ENETUNREACH;
      return r;
    }
    r.laddr = ia.ia_addr.sin_addr;
    return r;
  }
  // A route out of a real interface: that interface's address.
  if ((nh.nh_ifp.if_flags & IFF_LOOPBACK) === 0) {
    r.laddr = ifatoia(nh.nh_ifa).ia_addr.sin_addr;
    return r;
  }
  // A route to ourselves (via lo0): the interface that holds faddr, which
  // is not necessarily a loopback interface.
  let ia = in_ifwithdstaddr(faddr, so.so_fibnum);
  if (ia === null) ia = in_ifwithnet(faddr, so.so_fibnum);
  if (ia === null) ia = in_ifwithaddr(faddr);
  if (ia === null) {
    r.error = ENETUNREACH;
    return r;
  }
  r.laddr = ia.ia_addr.sin_addr;
  return r;
}
const laddr_result = { error: 0, laddr: 0 };

/**
 * in_pcbconnect_setup(inp, sin, a, cred): what a connect to sin would set,
 * without changing the PCB.  a.laddr/a.lport: in, the current binding; out,
 * the binding to use; a.faddr/a.fport: out, the peer.  INADDR_ANY means the
 * first address of the vnet, INADDR_BROADCAST the broadcast address of the
 * first interface (when it can broadcast).
 */
export function in_pcbconnect_setup(inp: inpcb, sin: sockaddr_in, a: in_addrs, cred: ucred): number {
  KASSERT(sin.sin_family === AF_INET, "in_pcbconnect_setup: invalid family");
  if (sin.sin_port === 0) return EADDRNOTAVAIL;
  let laddr = a.laddr;
  let lport = a.lport;
  let faddr = sin.sin_addr;
  const fport = sin.sin_port;
  // With multipath routes, what the socket sends gets a flowid that picks
  // its path: a hash of the address it has so far (often none yet) and the
  // destination's.
  if (CALC_FLOWID_OUTBOUND()) {
    inp.inp_flowid = fib4_calc_software_hash(laddr, faddr, 0, fport, inp.inp_socket?.so_proto.pr_protocol ?? 0);
    inp.inp_flowtype = M_HASHTYPE_OPAQUE_HASH;
  }
  const head = V_in_ifaddrhead();
  if (head.length !== 0) {
    if (faddr === INADDR_ANY) faddr = head[0].ia_addr.sin_addr;
    else if (faddr === INADDR_BROADCAST) {
      if ((head[0].ifa_ifp.if_flags & IFF_BROADCAST) !== 0) faddr = head[0].ia_broadaddr.sin_addr;
    }
  }
  if (laddr === INADDR_ANY) {
    const r = in_pcbladdr(inp, faddr, cred);
    if (r.error !== 0) return r.error;
    laddr = r.laddr;
  }
  if (lport !== 0) {
    if (in_pcblookup_hash_locked(inp.inp_pcbinfo, faddr, fport, laddr, lport, 0, null) !== null) return EADDRINUSE;
  } else {
    const f = fsa_scratch;
    f.faddr = faddr;
    f.fport = fport;
    const r = in_pcb_lport_dest(inp, laddr, f, cred, INPLOOKUP_WILDCARD);
    if (r.error !== 0) return r.error;
    lport = r.lport;
  }
  a.laddr = laddr;
  a.lport = lport;
  a.faddr = faddr;
  a.fport = fport;
  return 0;
}
const fsa_scratch = { faddr: 0, fport: 0 };

/** in_pcbdisconnect: forget the peer. */
export function in_pcbdisconnect(inp: inpcb): void {
  inp.inp_faddr = INADDR_ANY;
  inp.inp_fport = 0;
  in_pcbrehash(inp);
}

// ---------------------------------------------------------------------------
// Lookups.

const INP_LOOKUP_MAPPED_PCB_COST = 3;

/**
 * in_pcblookup_local(pcbinfo, laddr, lport, lookupflags, cred): a PCB bound
 * to this local address and port.  Without INPLOOKUP_WILDCARD: an exact,
 * unconnected match.  With it: the best fit, fewest wildcards first.
 */
export function in_pcblookup_local(pcbinfo: inpcbinfo, laddr: number, lport: number, lookupflags: number, _cred: ucred | null): inpcb | null {
  KASSERT((lookupflags & ~INPLOOKUP_WILDCARD) === 0, "in_pcblookup_local: invalid lookup flags");
  if ((lookupflags & INPLOOKUP_WILDCARD) === 0) {
    const head = pcbinfo.ipi_hashbase[INP_PCBHASH(INADDR_ANY, lport, 0, pcbinfo.ipi_hashmask)];
    for (let i = 0; i < head.length; i++) {
      const inp = head[i];
      if ((inp.inp_vflag & INP_IPV4) === 0) continue;
      if (inp.inp_faddr === INADDR_ANY && inp.inp_laddr === laddr && inp.inp_lport === lport) return inp;
    }
    return null;
  }
  const phd = pcbinfo.ipi_porthashbase.get(lport);
  if (phd === undefined) return null;
  let match: inpcb | null = null;
  let matchwild = 3 + INP_LOOKUP_MAPPED_PCB_COST;
  for (let i = 0; i < phd.length; i++) {
    const inp = phd[i];
    let wildcard = 0;
    if ((inp.inp_vflag & INP_IPV4) === 0) continue;
    // An AF_INET6 socket bound to :: that takes IPv4 too costs more than
    // any IPv4 socket: it is chosen only when no IPv4 socket fits.
    if ((inp.inp_vflag & INP_IPV6) !== 0) wildcard += INP_LOOKUP_MAPPED_PCB_COST;
    if (inp.inp_faddr !== INADDR_ANY) wildcard++;
    if (inp.inp_laddr !== INADDR_ANY) {
      if (laddr === INADDR_ANY) wildcard++;
      else if (inp.inp_laddr !== laddr) continue;
    } else if (laddr !== INADDR_ANY) wildcard++;
    if (wildcard < matchwild) {
      match = inp;
      matchwild = wildcard;
      if (matchwild === 0) break;
    }
  }
  return match;
}

/**
 * in_pcblookup_hash_locked: the PCB for a datagram from faddr:fport to
 * laddr:lport: an exact (connected) match first; then, with
 * INPLOOKUP_WILDCARD, one bound to laddr, then one bound to INADDR_ANY.
 * Allocation-free: the input path calls it per packet.
 */
export function in_pcblookup_hash_locked(pcbinfo: inpcbinfo, faddr: number, fport: number, laddr: number, lport: number, lookupflags: number, _ifp: ifnet | null): inpcb | null {
  let head = pcbinfo.ipi_hashbase[INP_PCBHASH(faddr, lport, fport, pcbinfo.ipi_hashmask)];
  for (let i = 0; i < head.length; i++) {
    const inp = head[i];
    if ((inp.inp_vflag & INP_IPV4) === 0) continue;
    if (inp.inp_faddr === faddr && inp.inp_laddr === laddr && inp.inp_fport === fport && inp.inp_lport === lport) return inp;
  }
  if ((lookupflags & INPLOOKUP_WILDCARD) !== 0) {
    let local_wild: inpcb | null = null;
    let local_wild_mapped: inpcb | null = null;
    let local_exact: inpcb | null = null;
    head = pcbinfo.ipi_hashbase[INP_PCBHASH(INADDR_ANY, lport, 0, pcbinfo.ipi_hashmask)];
    for (let i = 0; i < head.length; i++) {
      const inp = head[i];
      if ((inp.inp_vflag & INP_IPV4) === 0) continue;
      if (inp.inp_faddr !== INADDR_ANY || inp.inp_lport !== lport) continue;
      if (local_exact !== null) continue;
      if (inp.inp_laddr === laddr) local_exact = inp;
      else if (inp.inp_laddr === INADDR_ANY) {
        // An AF_INET6 socket on :: hears IPv4 only when no IPv4 socket does.
        const so = inp.inp_socket;
        if (so !== null && so.so_proto.pr_domain.dom_family === AF_INET6) local_wild_mapped = inp;
        else local_wild = inp;
      }
    }
    if (local_exact !== null) return local_exact;
    if (local_wild !== null) return local_wild;
    if (local_wild_mapped !== null) return local_wild_mapped;
  }
  return null;
}

/** in_pcblookup(pcbinfo, faddr, fport, laddr, lport, lookupflags, ifp):
 *  the public form (a freed PCB is never returned). */
export function in_pcblookup(pcbinfo: inpcbinfo, faddr: number, fport: number, laddr: number, lport: number, lookupflags: number, ifp: ifnet | null): inpcb | null {
  KASSERT((lookupflags & ~INPLOOKUP_MASK) === 0, "in_pcblookup: invalid lookup flags");
  const inp = in_pcblookup_hash_locked(pcbinfo, faddr, fport, laddr, lport, lookupflags & INPLOOKUP_WILDCARD, ifp);
  if (inp !== null && (inp.inp_flags2 & INP_FREED) !== 0) return null;
  return inp;
}

/** in_pcblookup_mbuf: the same, given the packet (for its hash, unused). */
export function in_pcblookup_mbuf(pcbinfo: inpcbinfo, faddr: number, fport: number, laddr: number, lport: number, lookupflags: number, ifp: ifnet | null, _m: mbuf): inpcb | null {
  return in_pcblookup(pcbinfo, faddr, fport, laddr, lport, lookupflags, ifp);
}

/** in_pcbnotifyall: tell every PCB connected to faddr about an error. */
export function in_pcbnotifyall(pcbinfo: inpcbinfo, faddr: number, errno: number, notify: (inp: inpcb, errno: number) => inpcb | null): void {
  for (const inp of pcbinfo.ipi_listhead.slice()) {
    if ((inp.inp_vflag & INP_IPV4) === 0) continue;
    if (inp.inp_faddr !== faddr || inp.inp_socket === null) continue;
    notify(inp, errno);
  }
}

/** in_getsockaddr / in_getpeeraddr: getsockname(2), getpeername(2). */
export function in_getsockaddr(so: socket): sockaddr_in {
  const inp = sotoinpcb(so);
  return new sockaddr_in(inp.inp_laddr, inp.inp_lport);
}
export function in_getpeeraddr(so: socket): sockaddr_in {
  const inp = sotoinpcb(so);
  return new sockaddr_in(inp.inp_faddr, inp.inp_fport);
}

// ---------------------------------------------------------------------------
// Address lookups used above, with FreeBSD's sockaddr-taking helpers of
// netinet/in.c behind them.

const ifa_sin = new sockaddr_in();

function in_ifwithaddr(addr: number): in_ifaddr | null {
  ifa_sin.sin_addr = addr;
  ifa_sin.sin_port = 0;
  return ifa_ifwithaddr(ifa_sin) as in_ifaddr | null;
}

function in_ifwithdstaddr(addr: number, fibnum: number): in_ifaddr | null {
  ifa_sin.sin_addr = addr;
  ifa_sin.sin_port = 0;
  return ifa_ifwithdstaddr(ifa_sin, fibnum) as in_ifaddr | null;
}

function in_ifwithnet(addr: number, fibnum: number): in_ifaddr | null {
  ifa_sin.sin_addr = addr;
  ifa_sin.sin_port = 0;
  return ifa_ifwithnet(ifa_sin, 0, fibnum) as in_ifaddr | null;
}

// ---------------------------------------------------------------------------
// IP-level socket options: ip_ctloutput (netinet/ip_output.c) and
// ip_pcbopts (netinet/ip_options.c).

/**
 * ip_pcbopts(inp, optname, m): validate IP options given with IP_OPTIONS
 * and keep them in inp_options, first-hop address in front (moved there
 * from a source route, else zero), as ip_output's ip_insertoptions wants.
 * Consumes m.
 */
export function ip_pcbopts(inp: inpcb, _optname: number, m: mbuf | null): number {
  if (inp.inp_options !== null) m_free(inp.inp_options);
  inp.inp_options = null;
  if (m === null || m.m_len === 0) {
    // Only turning the old options off.
    if (m !== null) m_free(m);
    return 0;
  }
  bad: {
    if (m.m_len % 4 !== 0) break bad;
    // Room for the first-hop address in front of the options.
    if (m.m_data + m.m_len + 4 >= MLEN) break bad;
    let cnt = m.m_len;
    const b = m.m_buf;
    b.copyWithin(m.m_data + 4, m.m_data, m.m_data + cnt);
    b.fill(0, m.m_data, m.m_data + 4);
    m.m_len += 4;
    let cp = m.m_data + 4;
    let optlen: number;
    for (; cnt > 0; cnt -= optlen, cp += optlen) {
      const opt = b[cp + IPOPT_OPTVAL];
      if (opt === IPOPT_EOL) break;
      if (opt === IPOPT_NOP) optlen = 1;
      else {
        if (cnt < IPOPT_OLEN + 1) break bad;
        optlen = b[cp + IPOPT_OLEN];
        if (optlen < IPOPT_OLEN + 1 || optlen > cnt) break bad;
      }
      if (opt === IPOPT_LSRR || opt === IPOPT_SSRR) {
        // The user gives ->A->B->C->D; A, the first hop, is not carried in
        // the option but stored before it.
        if (optlen < IPOPT_MINOFF - 1 + 4) break bad;
        m.m_len -= 4;
        cnt -= 4;
        optlen -= 4;
        b[cp + IPOPT_OLEN] = optlen;
        b.copyWithin(m.m_data, cp + IPOPT_OFFSET + 1, cp + IPOPT_OFFSET + 1 + 4);
        b.copyWithin(cp + IPOPT_OFFSET + 1, cp + IPOPT_OFFSET + 1 + 4, cp + IPOPT_OFFSET + 1 + 4 + cnt - (IPOPT_MINOFF - 1));
      }
    }
    if (m.m_len > MAX_IPOPTLEN + 4) break bad;
    inp.inp_options = m;
    return 0;
  }
  m_free(m);
  return EINVAL;
}

/**
 * ip_ctloutput(so, sopt): IPPROTO_IP options (IP_OPTIONS, IP_TOS, IP_TTL,
 * IP_MINTTL, the IP_RECV* flags, IP_PORTRANGE, ...) and the socket-level
 * options an inpcb mirrors (SO_SETFIB, SO_REUSE*).
 */
export function ip_ctloutput(so: socket, sopt: sockopt): number {
  const inp = sotoinpcb(so);
  let error = 0;
  if (sopt.sopt_level !== 0 /* IPPROTO_IP */) {
    error = EINVAL;
    if (sopt.sopt_level === SOL_SOCKET && sopt.sopt_dir === SOPT_SET) {
      switch (sopt.sopt_name) {
        case SO_REUSEADDR:
          if ((so.so_options & SO_REUSEADDR) !== 0) inp.inp_flags2 |= INP_REUSEADDR;
          else inp.inp_flags2 &= ~INP_REUSEADDR;
          error = 0;
          break;
        case SO_REUSEPORT:
          if ((so.so_options & SO_REUSEPORT) !== 0) inp.inp_flags2 |= INP_REUSEPORT;
          else inp.inp_flags2 &= ~INP_REUSEPORT;
          error = 0;
          break;
        case SO_REUSEPORT_LB:
          if ((so.so_options & SO_REUSEPORT_LB) !== 0) inp.inp_flags2 |= INP_REUSEPORT_LB;
          else inp.inp_flags2 &= ~INP_REUSEPORT_LB;
          error = 0;
          break;
        case SO_SETFIB: {
          const { error: e, val } = sooptcopyin_int(sopt);
          if (e !== 0) {
            error = e;
            break;
          }
          error = sosetfib(so, val);
          if (error === 0) inp.inp_inc.inc_fibnum = val;
          break;
        }
        default:
          break;
      }
    }
    return error;
  }

  if (sopt.sopt_dir === SOPT_SET) {
    switch (sopt.sopt_name) {
      case IP_OPTIONS:
      case IP_RETOPTS: {
        if (sopt.sopt_valsize > MLEN) return EMSGSIZE;
        const m = m_get(M_NOWAIT, MT_DATA);
        if (m === null) return ENOBUFS;
        const { error: e, val } = sooptcopyin_bytes(sopt, sopt.sopt_valsize, sopt.sopt_valsize);
        if (e !== 0) {
          m_free(m);
          return e;
        }
        m.m_buf.set(val, m.m_data);
        m.m_len = val.length;
        return ip_pcbopts(inp, sopt.sopt_name, m);
      }
      case IP_BINDANY:
      case IP_TOS:
      case IP_TTL:
      case IP_MINTTL:
      case IP_RECVOPTS:
      case IP_RECVRETOPTS:
      case IP_ORIGDSTADDR:
      case IP_RECVDSTADDR:
      case IP_RECVTTL:
      case IP_RECVIF:
      case IP_ONESBCAST:
      case IP_DONTFRAG:
      case IP_RECVTOS:
      case IP_RECVFLOWID: {
        if (sopt.sopt_name === IP_BINDANY && sopt.sopt_td !== null) {
          error = priv_check_cred(sopt.sopt_td.td_ucred, PRIV_NETINET_BINDANY);
          if (error !== 0) break;
        }
        const { error: e, val: optval } = sooptcopyin_int(sopt);
        if (e !== 0) {
          error = e;
          break;
        }
        const OPTSET = (bit: number): void => {
          if (optval !== 0) inp.inp_flags |= bit;
          else inp.inp_flags &= ~bit;
        };
        const OPTSET2 = (bit: number): void => {
          if (optval !== 0) inp.inp_flags2 |= bit;
          else inp.inp_flags2 &= ~bit;
        };
        switch (sopt.sopt_name) {
          case IP_TOS:
            inp.inp_ip_tos = optval & 0xff;
            break;
          case IP_TTL:
            inp.inp_ip_ttl = optval & 0xff;
            break;
          case IP_MINTTL:
            if (optval >= 0 && optval <= MAXTTL) inp.inp_ip_minttl = optval;
            else error = EINVAL;
            break;
          case IP_RECVOPTS:
            OPTSET(INP_RECVOPTS);
            break;
          case IP_RECVRETOPTS:
            OPTSET(INP_RECVRETOPTS);
            break;
          case IP_RECVDSTADDR:
            OPTSET(INP_RECVDSTADDR);
            break;
          case IP_ORIGDSTADDR:
            OPTSET2(INP_ORIGDSTADDR);
            break;
          case IP_RECVTTL:
            OPTSET(INP_RECVTTL);
            break;
          case IP_RECVIF:
            OPTSET(INP_RECVIF);
            break;
          case IP_ONESBCAST:
            OPTSET(INP_ONESBCAST);
            break;
          case IP_DONTFRAG:
            OPTSET(INP_DONTFRAG);
            break;
          case IP_BINDANY:
            OPTSET(INP_BINDANY);
            break;
          case IP_RECVTOS:
            OPTSET(INP_RECVTOS);
            break;
          case IP_RECVFLOWID:
            OPTSET2(INP_RECVFLOWID);
            break;
        }
        break;
      }
      case IP_MULTICAST_IF:
      case IP_MULTICAST_TTL:
      case IP_MULTICAST_LOOP:
        error = inp_setmoptions(inp, sopt);
        break;
      case IP_VLAN_PCP: {
        // Kept on the inpcb: ip_output puts it in each packet's header
        // (EVL_APPLY_PRI) and the link layer writes it into the 802.1Q tag.
        const { error: e, val: optval } = sooptcopyin_int(sopt);
        if (e !== 0) {
          error = e;
          break;
        }
        if (optval < -1 || optval > 7) {
          error = EINVAL;
          break;
        }
        if (optval === -1) inp.inp_flags2 &= ~(INP_2PCP_SET | INP_2PCP_MASK);
        else inp.inp_flags2 = (inp.inp_flags2 & ~INP_2PCP_MASK) | INP_2PCP_SET | (optval << INP_2PCP_SHIFT);
        break;
      }
      case IP_PORTRANGE: {
        const { error: e, val: optval } = sooptcopyin_int(sopt);
        if (e !== 0) {
          error = e;
          break;
        }
        switch (optval) {
          case IP_PORTRANGE_DEFAULT:
            inp.inp_flags &= ~(INP_LOWPORT | INP_HIGHPORT);
            break;
          case IP_PORTRANGE_HIGH:
            inp.inp_flags &= ~INP_LOWPORT;
            inp.inp_flags |= INP_HIGHPORT;
            break;
          case IP_PORTRANGE_LOW:
            inp.inp_flags &= ~INP_HIGHPORT;
            inp.inp_flags |= INP_LOWPORT;
            break;
          default:
            error = EINVAL;
            break;
        }
        break;
      }
      default:
        error = ENOPROTOOPT;
        break;
    }
    return error;
  }

  KASSERT(sopt.sopt_dir === SOPT_GET, "ip_ctloutput: bad direction");
  switch (sopt.sopt_name) {
    case IP_OPTIONS:
    case IP_RETOPTS:
      if (inp.inp_options !== null) {
        const options = m_copym(inp.inp_options, 0, 1000000000, M_NOWAIT);
        if (options === null) return ENOBUFS;
        error = sooptcopyout_bytes(sopt, options.m_buf.subarray(options.m_data, options.m_data + options.m_len));
        m_freem(options);
      } else {
        sopt.sopt_val = new Uint8Array(0);
        sopt.sopt_valsize = 0;
      }
      break;
    case IP_TOS:
    case IP_TTL:
    case IP_MINTTL:
    case IP_RECVOPTS:
    case IP_RECVRETOPTS:
    case IP_ORIGDSTADDR:
    case IP_RECVDSTADDR:
    case IP_RECVTTL:
    case IP_RECVIF:
    case IP_PORTRANGE:
    case IP_ONESBCAST:
    case IP_DONTFRAG:
    case IP_BINDANY:
    case IP_RECVTOS:
    case IP_FLOWID:
    case IP_FLOWTYPE:
    case IP_RECVFLOWID: {
      const OPTBIT = (bit: number): number => ((inp.inp_flags & bit) !== 0 ? 1 : 0);
      const OPTBIT2 = (bit: number): number => ((inp.inp_flags2 & bit) !== 0 ? 1 : 0);
      let optval = 0;
      switch (sopt.sopt_name) {
        case IP_TOS:
          optval = inp.inp_ip_tos;
          break;
        case IP_TTL:
          optval = inp.inp_ip_ttl;
          break;
        case IP_MINTTL:
          optval = inp.inp_ip_minttl;
          break;
        case IP_RECVOPTS:
          optval = OPTBIT(INP_RECVOPTS);
          break;
        case IP_RECVRETOPTS:
          optval = OPTBIT(INP_RECVRETOPTS);
          break;
        case IP_RECVDSTADDR:
          optval = OPTBIT(INP_RECVDSTADDR);
          break;
        case IP_ORIGDSTADDR:
          optval = OPTBIT2(INP_ORIGDSTADDR);
          break;
        case IP_RECVTTL:
          optval = OPTBIT(INP_RECVTTL);
          break;
        case IP_RECVIF:
          optval = OPTBIT(INP_RECVIF);
          break;
        case IP_PORTRANGE:
          if ((inp.inp_flags & INP_HIGHPORT) !== 0) optval = IP_PORTRANGE_HIGH;
          else if ((inp.inp_flags & INP_LOWPORT) !== 0) optval = IP_PORTRANGE_LOW;
          else optval = 0;
          break;
        case IP_ONESBCAST:
          optval = OPTBIT(INP_ONESBCAST);
          break;
        case IP_DONTFRAG:
          optval = OPTBIT(INP_DONTFRAG);
          break;
        case IP_BINDANY:
          optval = OPTBIT(INP_BINDANY);
          break;
        case IP_RECVTOS:
          optval = OPTBIT(INP_RECVTOS);
          break;
        case IP_FLOWID:
          optval = inp.inp_flowid;
          break;
        case IP_FLOWTYPE:
          optval = inp.inp_flowtype;
          break;
        case IP_RECVFLOWID:
          optval = OPTBIT2(INP_RECVFLOWID);
          break;
      }
      error = sooptcopyout_int(sopt, optval);
      break;
    }
    case IP_MULTICAST_IF:
    case IP_MULTICAST_TTL:
    case IP_MULTICAST_LOOP:
      error = inp_getmoptions(inp, sopt);
      break;
    case IP_VLAN_PCP:
      error = sooptcopyout_int(sopt, (inp.inp_flags2 & INP_2PCP_SET) !== 0 ? (inp.inp_flags2 & INP_2PCP_MASK) >>> INP_2PCP_SHIFT : -1);
      break;
    default:
      error = ENOPROTOOPT;
      break;
  }
  return error;
}

/** A small unsigned option (IP_MULTICAST_TTL, _LOOP): one byte, or an int. */
function sooptcopyin_uchar_or_int(sopt: sockopt): { error: number; val: number } {
  if (sopt.sopt_valsize === 1) {
    const v = sopt.sopt_val;
    if (v === null) return { error: EINVAL, val: 0 };
    return { error: 0, val: typeof v === "number" ? v & 0xff : v[0] };
  }
  const r = sooptcopyin_int(sopt);
  return { error: r.error, val: r.val >>> 0 };
}

/** inp_findmoptions: the socket's multicast options, made on first use. */
function inp_findmoptions(inp: inpcb): ip_moptions {
  if (inp.inp_moptions === null) inp.inp_moptions = new ip_moptions();
  return inp.inp_moptions;
}

/**
 * inp_setmoptions (netinet/in_mcast.c) for the options that need no group
 * membership: the interface for outgoing multicasts (an in_addr naming one
 * of its addresses, or INADDR_ANY to route again), their TTL and whether
 * our own multicasts loop back to us.
 */
function inp_setmoptions(inp: inpcb, sopt: sockopt): number {
  switch (sopt.sopt_name) {
    case IP_MULTICAST_IF: {
      const { error, val } = sooptcopyin_bytes(sopt, 4, 4);
      if (error !== 0) return error;
      const addr = ((val[0] << 24) | (val[1] << 16) | (val[2] << 8) | val[3]) >>> 0;
      let ifp: ifnet | null = null;
      if (addr !== INADDR_ANY) {
        // INADDR_TO_IFP: the interface holding that address.
        for (const ia of V_in_ifaddrhead()) {
          if (ia.ia_addr.sin_addr >>> 0 === addr) {
            ifp = ia.ia_ifp;
            break;
          }
        }
        if (ifp === null) return EADDRNOTAVAIL;
      }
      inp_findmoptions(inp).imo_multicast_ifp = ifp;
      return 0;
    }
    case IP_MULTICAST_TTL: {
      const { error, val } = sooptcopyin_uchar_or_int(sopt);
      if (error !== 0) return error;
      if (val > 255) return EINVAL;
      inp_findmoptions(inp).imo_multicast_ttl = val;
      return 0;
    }
    case IP_MULTICAST_LOOP: {
      const { error, val } = sooptcopyin_uchar_or_int(sopt);
      if (error !== 0) return error;
      inp_findmoptions(inp).imo_multicast_loop = val !== 0 ? 1 : 0;
      return 0;
    }
  }
  return EOPNOTSUPP;
}

/** inp_getmoptions: the defaults when the socket never set any. */
function inp_getmoptions(inp: inpcb, sopt: sockopt): number {
  const imo = inp.inp_moptions;
  switch (sopt.sopt_name) {
    case IP_MULTICAST_IF: {
      let addr = INADDR_ANY;
      const ifp = imo !== null ? imo.imo_multicast_ifp : null;
      if (ifp !== null) {
        for (const ia of V_in_ifaddrhead()) {
          if (ia.ia_ifp === ifp) {
            addr = ia.ia_addr.sin_addr >>> 0;
            break;
          }
        }
      }
      return sooptcopyout_bytes(sopt, new Uint8Array([addr >>> 24, (addr >>> 16) & 0xff, (addr >>> 8) & 0xff, addr & 0xff]));
    }
    case IP_MULTICAST_TTL:
      return sooptcopyout_int(sopt, imo !== null ? imo.imo_multicast_ttl : 1);
    case IP_MULTICAST_LOOP:
      return sooptcopyout_int(sopt, imo !== null ? imo.imo_multicast_loop : 1);
  }
  return EOPNOTSUPP;
}

// ---------------------------------------------------------------------------
// struct xinpgen / struct xinpcb as the pcblist sysctls (udp_pcblist,
// rip_pcblist) export them: the generation header (here just the count),
// then one fixed-size record per PCB, each field a word at the XI_ offset.

export const XINPGEN_LEN = 1;
export const XINPCB_LEN = 18;
/** xso_protocol: IPPROTO_UDP, or the raw socket's protocol. */
export const XI_PROTOCOL = 0;
export const XI_VFLAG = 1;
export const XI_FLAGS = 2;
export const XI_LADDR = 3;
export const XI_LPORT = 4;
export const XI_FADDR = 5;
export const XI_FPORT = 6;
/** so_rcv.sb_cc and so_snd.sb_cc. */
export const XI_RCV_CC = 7;
export const XI_SND_CC = 8;
/** in6p_laddr and in6p_faddr, four network-order words each. */
export const XI_LADDR6 = 9;
export const XI_FADDR6 = 13;
/** xso_so: the socket's identity (its so_gencnt), which kern.file's
 *  xf_data matches (sockstat). */
export const XI_SO = 17;

/** in_pcbtoxinpcb: append the record of one PCB. */
export function in_pcbtoxinpcb(inp: inpcb, proto: number, out: number[]): void {
  const so = inp.inp_socket;
  out.push(proto, inp.inp_vflag, inp.inp_flags, inp.inp_laddr, inp.inp_lport, inp.inp_faddr, inp.inp_fport, so === null ? 0 : so.so_rcv.sb_ccc, so === null ? 0 : so.so_snd.sb_ccc);
  for (let i = 0; i < 4; i++) out.push(s6_addr32(inp.in6p_laddr, i));
  for (let i = 0; i < 4; i++) out.push(s6_addr32(inp.in6p_faddr, i));
  out.push(so === null ? 0 : so.so_gencnt);
}

/** The pcblist answer for a list of PCBs (newest first, as FreeBSD's lists run). */
export function in_pcblist_export(list: readonly inpcb[], proto_of: (inp: inpcb) => number): number[] {
  const out: number[] = [list.length];
  for (const inp of list) in_pcbtoxinpcb(inp, proto_of(inp), out);
  return out;
}
