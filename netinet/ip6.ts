// sys/netinet/ip6.h: the IPv6 header and its extension headers, as byte
// offsets into a packet.
//
// As in netinet/ip.ts, headers are not objects: code reads and writes them in
// place (DataView or byte access on the mbuf's storage) at these offsets, so
// the per-packet path allocates nothing.  Multi-byte fields are in network
// byte order on the wire.

/** struct ip6_hdr: 40 bytes. */
export const IP6_HDR_LEN = 40;
/** ip6_flow: version (4 bits), traffic class (8), flow label (20). */
export const IP6_OFF_FLOW = 0;
/** ip6_vfc: the first byte, version and the top of the traffic class. */
export const IP6_OFF_VFC = 0;
/** ip6_plen: payload length (after this header, extension headers included). */
export const IP6_OFF_PLEN = 4;
/** ip6_nxt: the next header. */
export const IP6_OFF_NXT = 6;
/** ip6_hlim: the hop limit. */
export const IP6_OFF_HLIM = 7;
export const IP6_OFF_SRC = 8;
export const IP6_OFF_DST = 24;

export const IPV6_VERSION = 0x60;
export const IPV6_VERSION_MASK = 0xf0;
/** In the host-order 32-bit ip6_flow word. */
export const IPV6_FLOWINFO_MASK = 0x0fffffff;
export const IPV6_FLOWLABEL_MASK = 0x000fffff;
/** ECN bits of the traffic class, in the host-order ip6_flow word. */
export const IPV6_FLOW_ECN_MASK = 0x00300000;

/** Hop limits. */
export const IPV6_DEFHLIM = 64;
export const IPV6_MAXHLIM = 255;
/** The hop limit decrement of a router. */
export const IPV6_HLIMDEC = 1;
/** Largest IPv6 payload without a jumbogram. */
export const IPV6_MAXPACKET = 65535;
/** The minimum link MTU of IPv6 (RFC 8200). */
export const IPV6_MMTU = 1280;
/** IPV6_MAXOPTHDR: the longest extension header (2048 bytes). */
export const IPV6_MAXOPTHDR = 2048;

/** struct ip6_ext: the two bytes every extension header starts with. */
export const IP6E_OFF_NXT = 0;
export const IP6E_OFF_LEN = 1;

/** struct ip6_hbh / ip6_dest: next, length in 8-byte units not counting the first 8. */
export const IP6_HBH_LEN = 2;
export const IP6_DEST_LEN = 2;

// Options in hop-by-hop and destination headers.
export const IP6OPT_PAD1 = 0x00;
export const IP6OPT_PADN = 0x01;
export const IP6OPT_JUMBO = 0xc2;
export const IP6OPT_NSAP_ADDR = 0xc3;
export const IP6OPT_TUNNEL_LIMIT = 0x04;
export const IP6OPT_ROUTER_ALERT = 0x05;
export const IP6OPT_JUMBO_LEN = 6;
export const IP6OPT_RTALERT_LEN = 4;
/** Router alert values (RFC 2711). */
export const IP6OPT_RTALERT_MLD = 0;
export const IP6OPT_RTALERT_RSVP = 1;
export const IP6OPT_RTALERT_ACTNET = 2;
/** The action bits of an unknown option's type (the top two bits). */
export const IP6OPT_TYPE_SKIP = 0x00;
export const IP6OPT_TYPE_DISCARD = 0x40;
export const IP6OPT_TYPE_FORCEICMP = 0x80;
export const IP6OPT_TYPE_ICMP = 0xc0;
export function IP6OPT_TYPE(o: number): number {
  return o & 0xc0;
}
/** An option whose data may change en route (bit 5). */
export const IP6OPT_MUTABLE = 0x20;
/** struct ip6_opt: type and length. */
export const IP6OPT_MINLEN = 2;

/** struct ip6_rthdr: next, len, type, segments left. */
export const IP6R_OFF_NXT = 0;
export const IP6R_OFF_LEN = 1;
export const IP6R_OFF_TYPE = 2;
export const IP6R_OFF_SEGLEFT = 3;
export const IP6_RTHDR_LEN = 4;
/** Type 0 (deprecated by RFC 5095; FreeBSD drops it). */
export const IPV6_RTHDR_TYPE_0 = 0;

/** struct ip6_frag: next, reserved, offset and flags, identification. */
export const IP6_FRAG_LEN = 8;
export const IP6F_OFF_NXT = 0;
export const IP6F_OFF_RESERVED = 1;
export const IP6F_OFF_OFFLG = 2;
export const IP6F_OFF_IDENT = 4;
/** In the host-order 16-bit offlg field. */
export const IP6F_OFF_MASK = 0xfff8;
export const IP6F_RESERVED_MASK = 0x0006;
export const IP6F_MORE_FRAG = 0x0001;

// netinet/in.h's numbers for the IPv6 extension headers (the upper layers'
// numbers are in netinet/in.ts).
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_MH = 135;
export const IPPROTO_IPCOMP = 108;
