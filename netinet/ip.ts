// sys/netinet/ip.h, sys/netinet/ip_icmp.h, sys/netinet/udp.h: the IPv4,
// ICMP and UDP headers as byte offsets, and their constants.
//
// There are no header structs here: a header is read and written in place,
// big-endian, through the DataView of the mbuf that holds it
// (`m.m_dv.getUint16(m.m_data + IPH_LEN)`), so that nothing is allocated per
// packet.  The few accessors below only name the bit fields that C reaches
// with `ip->ip_v` and `ip->ip_hl`.

import type { mbuf } from "../kern/mbuf.ts";

export const IPVERSION = 4;

// struct ip: byte offsets of the fields, IPH_x = offsetof(struct ip, ip_x).
// (The names IP_TOS, IP_TTL... are the socket options of in.h.)
/** ip_v:4 (high nibble) and ip_hl:4 (low nibble, in 32-bit words). */
export const IPH_VHL = 0;
export const IPH_TOS = 1;
export const IPH_LEN = 2;
export const IPH_ID = 4;
export const IPH_OFF = 6;
export const IPH_TTL = 8;
export const IPH_P = 9;
export const IPH_SUM = 10;
export const IPH_SRC = 12;
export const IPH_DST = 16;
/** sizeof(struct ip). */
export const IP_HDRLEN = 20;

// ip_off
export const IP_RF = 0x8000;
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
export const IP_OFFMASK = 0x1fff;

export const IP_MAXPACKET = 65535;

// ip_tos
export const IPTOS_LOWDELAY = 0x10;
export const IPTOS_THROUGHPUT = 0x08;
export const IPTOS_RELIABILITY = 0x04;
export const IPTOS_MINCOST = 0x02;
export const IPTOS_PREC_NETCONTROL = 0xe0;
export const IPTOS_PREC_INTERNETCONTROL = 0xc0;
export const IPTOS_PREC_CRITIC_ECP = 0xa0;
export const IPTOS_PREC_FLASHOVERRIDE = 0x80;
export const IPTOS_PREC_FLASH = 0x60;
export const IPTOS_PREC_IMMEDIATE = 0x40;
export const IPTOS_PREC_PRIORITY = 0x20;
export const IPTOS_PREC_ROUTINE = 0x00;
export const IPTOS_ECN_NOTECT = 0x00;
export const IPTOS_ECN_ECT1 = 0x01;
export const IPTOS_ECN_ECT0 = 0x02;
export const IPTOS_ECN_CE = 0x03;
export const IPTOS_ECN_MASK = 0x03;

// Options.
export const IPOPT_COPIED = (o: number): number => o & 0x80;
export const IPOPT_CLASS = (o: number): number => o & 0x60;
export const IPOPT_NUMBER = (o: number): number => o & 0x1f;
export const IPOPT_CONTROL = 0x00;
export const IPOPT_RESERVED1 = 0x20;
export const IPOPT_DEBMEAS = 0x40;
export const IPOPT_RESERVED2 = 0x60;
export const IPOPT_EOL = 0;
export const IPOPT_NOP = 1;
export const IPOPT_RR = 7;
export const IPOPT_TS = 68;
export const IPOPT_SECURITY = 130;
export const IPOPT_LSRR = 131;
export const IPOPT_ESO = 133;
export const IPOPT_CIPSO = 134;
export const IPOPT_SATID = 136;
export const IPOPT_SSRR = 137;
export const IPOPT_RA = 148;
/** Offsets inside an option other than EOL and NOP. */
export const IPOPT_OPTVAL = 0;
export const IPOPT_OLEN = 1;
export const IPOPT_OFFSET = 2;
export const IPOPT_MINOFF = 4;
// ipt_flg of the timestamp option.
export const IPOPT_TS_TSONLY = 0;
export const IPOPT_TS_TSANDADDR = 1;
export const IPOPT_TS_PRESPEC = 3;

export const MAXTTL = 255;
export const IPDEFTTL = 64;
export const IPFRAGTTL = 60;
export const IPTTLDEC = 1;
export const IP_MSS = 576;
/** struct ip plus the largest option space. */
export const IP_MAXHDRLEN = 60;

// struct ippseudo: 12 bytes, used for TCP and UDP checksums.
export const IPPSEUDO_SRC = 0;
export const IPPSEUDO_DST = 4;
export const IPPSEUDO_PAD = 8;
export const IPPSEUDO_P = 9;
export const IPPSEUDO_LEN = 10;

/** ip->ip_v of the header at m_data + off. */
export function ip_v(m: mbuf, off = 0): number {
  return m.m_buf[m.m_data + off + IPH_VHL] >>> 4;
}
/** ip->ip_hl (in 32-bit words) of the header at m_data + off. */
export function ip_hl(m: mbuf, off = 0): number {
  return m.m_buf[m.m_data + off + IPH_VHL] & 0x0f;
}
/** ip->ip_v = v; ip->ip_hl = hl. */
export function ip_set_vhl(m: mbuf, v: number, hl: number, off = 0): void {
  m.m_buf[m.m_data + off + IPH_VHL] = (v << 4) | (hl & 0x0f);
}

// ---------------------------------------------------------------------------
// sys/netinet/ip_icmp.h

// struct icmp: byte offsets, ICMPH_x = offsetof(struct icmp, icmp_x).
export const ICMPH_TYPE = 0;
export const ICMPH_CODE = 1;
export const ICMPH_CKSUM = 2;
/** icmp_hun: pptr (1 byte), gwaddr, id/seq, void, pmvoid/nextmtu. */
export const ICMPH_PPTR = 4;
export const ICMPH_GWADDR = 4;
export const ICMPH_ID = 4;
export const ICMPH_SEQ = 6;
export const ICMPH_VOID = 4;
export const ICMPH_PMVOID = 4;
export const ICMPH_NEXTMTU = 6;
/** icmp_dun: timestamps, the quoted IP header, the mask, data. */
export const ICMPH_OTIME = 8;
export const ICMPH_RTIME = 12;
export const ICMPH_TTIME = 16;
export const ICMPH_IP = 8;
export const ICMPH_MASK = 8;
export const ICMPH_DATA = 8;

/** Lower bounds on the length of the various types. */
export const ICMP_MINLEN = 8;
export const ICMP_TSLEN = 8 + 3 * 4;
export const ICMP_MASKLEN = 12;
/** The minimum advice: ICMP header, a bare IP header, 8 bytes of payload. */
export const ICMP_ADVLENMIN = 8 + IP_HDRLEN + 8;
/** ICMP_ADVLEN(p): the advice length given the quoted ip_hl (in words);
 *  the caller checks separately that ip_hl >= 5. */
export function ICMP_ADVLEN(quoted_hl: number): number {
  return 8 + (quoted_hl << 2) + 8;
}
/** ICMP_ADVLENPREF(p): what the protocols would like contiguous (room for
 *  SCTP's initiate tag, also over UDP). */
export function ICMP_ADVLENPREF(quoted_hl: number): number {
  return 8 + (quoted_hl << 2) + 8 + 8 + 12;
}

export const ICMP_ECHOREPLY = 0;
export const ICMP_UNREACH = 3;
export const ICMP_UNREACH_NET = 0;
export const ICMP_UNREACH_HOST = 1;
export const ICMP_UNREACH_PROTOCOL = 2;
export const ICMP_UNREACH_PORT = 3;
export const ICMP_UNREACH_NEEDFRAG = 4;
export const ICMP_UNREACH_SRCFAIL = 5;
export const ICMP_UNREACH_NET_UNKNOWN = 6;
export const ICMP_UNREACH_HOST_UNKNOWN = 7;
export const ICMP_UNREACH_ISOLATED = 8;
export const ICMP_UNREACH_NET_PROHIB = 9;
export const ICMP_UNREACH_HOST_PROHIB = 10;
export const ICMP_UNREACH_TOSNET = 11;
export const ICMP_UNREACH_TOSHOST = 12;
export const ICMP_UNREACH_FILTER_PROHIB = 13;
export const ICMP_UNREACH_HOST_PRECEDENCE = 14;
export const ICMP_UNREACH_PRECEDENCE_CUTOFF = 15;
export const ICMP_SOURCEQUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_REDIRECT_NET = 0;
export const ICMP_REDIRECT_HOST = 1;
export const ICMP_REDIRECT_TOSNET = 2;
export const ICMP_REDIRECT_TOSHOST = 3;
export const ICMP_ALTHOSTADDR = 6;
export const ICMP_ECHO = 8;
export const ICMP_ROUTERADVERT = 9;
export const ICMP_ROUTERADVERT_NORMAL = 0;
export const ICMP_ROUTERADVERT_NOROUTE_COMMON = 16;
export const ICMP_ROUTERSOLICIT = 10;
export const ICMP_TIMXCEED = 11;
export const ICMP_TIMXCEED_INTRANS = 0;
export const ICMP_TIMXCEED_REASS = 1;
export const ICMP_PARAMPROB = 12;
export const ICMP_PARAMPROB_ERRATPTR = 0;
export const ICMP_PARAMPROB_OPTABSENT = 1;
export const ICMP_PARAMPROB_LENGTH = 2;
export const ICMP_TSTAMP = 13;
export const ICMP_TSTAMPREPLY = 14;
export const ICMP_IREQ = 15;
export const ICMP_IREQREPLY = 16;
export const ICMP_MASKREQ = 17;
export const ICMP_MASKREPLY = 18;
export const ICMP_TRACEROUTE = 30;
export const ICMP_DATACONVERR = 31;
export const ICMP_MOBILE_REDIRECT = 32;
export const ICMP_IPV6_WHEREAREYOU = 33;
export const ICMP_IPV6_IAMHERE = 34;
export const ICMP_MOBILE_REGREQUEST = 35;
export const ICMP_MOBILE_REGREPLY = 36;
export const ICMP_SKIP = 39;
export const ICMP_PHOTURIS = 40;
export const ICMP_PHOTURIS_UNKNOWN_INDEX = 1;
export const ICMP_PHOTURIS_AUTH_FAILED = 2;
export const ICMP_PHOTURIS_DECRYPT_FAILED = 3;

export const ICMP_MAXTYPE = 40;

/** ICMP_INFOTYPE(type): queries and replies, as opposed to errors. */
export function ICMP_INFOTYPE(type: number): boolean {
  return (
    type === ICMP_ECHOREPLY ||
    type === ICMP_ECHO ||
    type === ICMP_ROUTERADVERT ||
    type === ICMP_ROUTERSOLICIT ||
    type === ICMP_TSTAMP ||
    type === ICMP_TSTAMPREPLY ||
    type === ICMP_IREQ ||
    type === ICMP_IREQREPLY ||
    type === ICMP_MASKREQ ||
    type === ICMP_MASKREPLY
  );
}

// ---------------------------------------------------------------------------
// sys/netinet/udp.h

// struct udphdr: byte offsets.
export const UH_SPORT = 0;
export const UH_DPORT = 2;
export const UH_ULEN = 4;
export const UH_SUM = 6;
/** sizeof(struct udphdr). */
export const UDP_HDRLEN = 8;
