// sys/netinet/ip_var.h: IP statistics (struct ipstat), the flags callers
// pass to ip_output, the mbuf flags IP uses between its layers, struct
// ipoption and struct ipq, and the net.inet and net.inet.ip sysctl nodes.

import { M_PROTO1, M_PROTO2, M_PROTO3, type m_tag, type mbuf } from "../kern/mbuf.ts";
import { CTLFLAG_RW, SYSCTL_NODE, SYSCTL_VNET_PCPUSTAT, _net } from "../kern/sysctl.ts";
import { PF_INET, SO_BROADCAST, SO_DONTROUTE } from "../kern/socket.ts";
import { VNET_DEFINE_U64, VNET_U64_ADD } from "../net/vnet.ts";
import type { ifnet } from "../net/if.ts";
import { IPPROTO_IP } from "./in.ts";

// The sysctl nodes every IPv4 file hangs its knobs on (in_proto.c declares
// them in FreeBSD; SYSCTL_NODE reuses a node of the same name).
export const _net_inet = SYSCTL_NODE(_net, PF_INET, "inet", CTLFLAG_RW, null, "Internet Family");
export const _net_inet_ip = SYSCTL_NODE(_net_inet, IPPROTO_IP, "ip", CTLFLAG_RW, null, "IP");

// net.inet.ip.* numbers (IPCTL_*).
export const IPCTL_FORWARDING = 1;
export const IPCTL_SENDREDIRECTS = 2;
export const IPCTL_DEFTTL = 3;
export const IPCTL_DEFMTU = 4;
export const IPCTL_SOURCEROUTE = 8;
export const IPCTL_DIRECTEDBROADCAST = 9;
export const IPCTL_INTRQMAXLEN = 10;
export const IPCTL_INTRQDROPS = 11;
export const IPCTL_STATS = 12;
export const IPCTL_ACCEPTSOURCEROUTE = 13;
export const IPCTL_GIF_TTL = 16;
export const IPCTL_INTRDQMAXLEN = 17;
export const IPCTL_INTRDQDROPS = 18;

// struct ipstat, one counter per field in FreeBSD's order.
export const ips_total = 0;
export const ips_badsum = 1;
export const ips_tooshort = 2;
export const ips_toosmall = 3;
export const ips_badhlen = 4;
export const ips_badlen = 5;
export const ips_fragments = 6;
export const ips_fragdropped = 7;
export const ips_fragtimeout = 8;
export const ips_forward = 9;
export const ips_fastforward = 10;
export const ips_cantforward = 11;
export const ips_redirectsent = 12;
export const ips_noproto = 13;
export const ips_delivered = 14;
export const ips_localout = 15;
export const ips_odropped = 16;
export const ips_reassembled = 17;
export const ips_fragmented = 18;
export const ips_ofragments = 19;
export const ips_cantfrag = 20;
export const ips_badoptions = 21;
export const ips_noroute = 22;
export const ips_badvers = 23;
export const ips_rawout = 24;
export const ips_toolong = 25;
export const ips_notmember = 26;
export const ips_nogif = 27;
export const ips_badaddr = 28;
export const IPSTAT_NFIELDS = 29;

/** Field names in struct order, for netstat -s. */
export const ipstat_names: readonly string[] = [
  "ips_total",
  "ips_badsum",
  "ips_tooshort",
  "ips_toosmall",
  "ips_badhlen",
  "ips_badlen",
  "ips_fragments",
  "ips_fragdropped",
  "ips_fragtimeout",
  "ips_forward",
  "ips_fastforward",
  "ips_cantforward",
  "ips_redirectsent",
  "ips_noproto",
  "ips_delivered",
  "ips_localout",
  "ips_odropped",
  "ips_reassembled",
  "ips_fragmented",
  "ips_ofragments",
  "ips_cantfrag",
  "ips_badoptions",
  "ips_noroute",
  "ips_badvers",
  "ips_rawout",
  "ips_toolong",
  "ips_notmember",
  "ips_nogif",
  "ips_badaddr",
];

/** VNET_PCPUSTAT_DEFINE(struct ipstat, ipstat). */
export const ipstat = VNET_DEFINE_U64("ipstat", IPSTAT_NFIELDS);
SYSCTL_VNET_PCPUSTAT(_net_inet_ip, IPCTL_STATS, "stats", ipstat, IPSTAT_NFIELDS, "ipstat", "IP statistics (struct ipstat, netinet/ip_var.h)");

export function IPSTAT_INC(field: number): void {
  VNET_U64_ADD(ipstat + field, 1);
}
export function IPSTAT_ADD(field: number, n: number): void {
  VNET_U64_ADD(ipstat + field, n);
}
export function IPSTAT_SUB(field: number, n: number): void {
  VNET_U64_ADD(ipstat + field, -n);
}
/** kmod_ipstat_inc / kmod_ipstat_dec: by index, for code outside IP. */
export function kmod_ipstat_inc(statnum: number): void {
  VNET_U64_ADD(ipstat + statnum, 1);
}
export function kmod_ipstat_dec(statnum: number): void {
  VNET_U64_ADD(ipstat + statnum, -1);
}

// Flags passed to ip_output as its flags argument.
/** Most of the IP header exists (forwarded packet). */
export const IP_FORWARDING = 0x1;
/** The raw IP header exists (IP_HDRINCL). */
export const IP_RAWOUTPUT = 0x2;
/** Send to 255.255.255.255 on the interface of the destination. */
export const IP_SENDONES = 0x4;
export const IP_ROUTETOIF = SO_DONTROUTE;
export const IP_ALLOWBROADCAST = SO_BROADCAST;
export const IP_NODEFAULTFLOWID = 0x40;
export const IP_NO_SND_TAG_RL = 0x80;

// mbuf flags IP uses between its own layers (M_PROTOn are per layer).
/** ip_tryforward/pfil changed the destination to a local address. */
export const M_FASTFWD_OURS = M_PROTO1;
/** A next hop was set by pfil (PACKET_TAG_IPFORWARD). */
export const M_IP_NEXTHOP = M_PROTO2;
/** Skip the firewall on this packet. */
export const M_SKIP_FIREWALL = M_PROTO3;

/** PACKET_TAG_IPFORWARD (sys/mbuf.h): the next hop a filter chose. */
export const PACKET_TAG_IPFORWARD = 18;

/**
 * The PACKET_TAG_IPFORWARD tag: a struct sockaddr_in (or sockaddr_in6) in
 * FreeBSD, here its fields: the family, a host-order IPv4 address and port,
 * or an IPv6 address, port and scope.
 */
export class ip_fwd_tag implements m_tag {
  readonly m_tag_id = PACKET_TAG_IPFORWARD;
  family = 0;
  sin_addr = 0;
  sin_port = 0;
  readonly sin6_addr = new Uint8Array(16);
  sin6_port = 0;
  sin6_scope_id = 0;
  set_inet(addr: number, port: number): void {
    this.family = 2;
    this.sin_addr = addr >>> 0;
    this.sin_port = port;
  }
  set_inet6(addr: Uint8Array, port: number, scope_id: number): void {
    this.family = 28;
    this.sin6_addr.set(addr);
    this.sin6_port = port;
    this.sin6_scope_id = scope_id;
  }
  m_tag_copy(): m_tag | null {
    const t = new ip_fwd_tag();
    t.family = this.family;
    t.sin_addr = this.sin_addr;
    t.sin_port = this.sin_port;
    t.sin6_addr.set(this.sin6_addr);
    t.sin6_port = this.sin6_port;
    t.sin6_scope_id = this.sin6_scope_id;
    return t;
  }
}
export function is_ip_fwd_tag(t: m_tag): t is ip_fwd_tag {
  return t instanceof ip_fwd_tag;
}

/** The largest option space an IP header has room for. */
export const MAX_IPOPTLEN = 40;

/**
 * struct ipoption: what a socket's IP_OPTIONS becomes, kept in an mbuf in
 * FreeBSD (inp_options).  Here too the options travel in an mbuf laid out
 * as ipopt_dst (4 bytes, the first hop of a source route, or 0) followed by
 * ipopt_list; these are the offsets.
 */
export const IPOPT_DST = 0;
export const IPOPT_LIST = 4;

/**
 * struct ipq: a datagram being reassembled.  Kept in a per-vnet zone so
 * that the reassembly path allocates nothing once warm.
 */
export class ipq {
  /** ipq_list (TAILQ_ENTRY): the neighbours in its hash bucket. */
  ipq_list_next: ipq | null = null;
  ipq_list_prev: ipq | null = null;
  /** When the queue times out (time_uptime seconds). */
  ipq_expire = 0;
  /** Fragments held. */
  ipq_nfrags = 0;
  ipq_p = 0;
  ipq_id = 0;
  /** End of the datagram once the last fragment was seen; -1 before. */
  ipq_maxoff = -1;
  /** The fragments, in offset order, chained by m_nextpkt. */
  ipq_frags: mbuf | null = null;
  ipq_src = 0;
  ipq_dst = 0;
}

/**
 * struct ip_moptions: a socket's multicast options (IP_MULTICAST_IF,
 * _TTL, _LOOP), passed to ip_output.
 */
export class ip_moptions {
  /** The interface for outgoing multicasts, or null to route. */
  imo_multicast_ifp: ifnet | null = null;
  imo_multicast_addr = 0;
  /** IP_DEFAULT_MULTICAST_TTL. */
  imo_multicast_ttl = 1;
  /** IP_DEFAULT_MULTICAST_LOOP: hear our own multicasts. */
  imo_multicast_loop = 1;
  imo_multicast_vif = -1;
}

/**
 * ip_divert_ptr (ip_input.c): divert(4)'s entry, set while the ipdivert
 * module is loaded.  ipfw hands it a packet carrying its MTAG_IPFW_RULE tag
 * (the divert port in info, the rule in rulenum); it takes the packet.
 */
export type ip_divert_packet_t = (m: mbuf, incoming: boolean) => void;
export let ip_divert_ptr: ip_divert_packet_t | null = null;
export function ip_divert_ptr_set(f: ip_divert_packet_t | null): void {
  ip_divert_ptr = f;
}
