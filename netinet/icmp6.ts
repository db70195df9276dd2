// sys/netinet/icmp6.h: ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861)
// message types, codes and layouts as byte offsets, ND option types, MLD
// message types, and the ICMPv6 statistics (struct icmp6stat).
//
// Headers are read and written in place at these offsets (see netinet/ip6.ts).

import { CTLFLAG_RW, SYSCTL_NODE, SYSCTL_VNET_PCPUSTAT } from "../kern/sysctl.ts";
import { VNET_DEFINE_U64, VNET_U64_ADD } from "../net/vnet.ts";
import { _net_inet6 } from "../netinet6/ip6_var.ts";

/** IPPROTO_ICMPV6 */
export const IPPROTO_ICMPV6 = 58;

/** struct icmp6_hdr: type, code, checksum, then 4 bytes of data. */
export const ICMP6_HDR_LEN = 8;
export const ICMP6_OFF_TYPE = 0;
export const ICMP6_OFF_CODE = 1;
export const ICMP6_OFF_CKSUM = 2;
export const ICMP6_OFF_DATA = 4;
/** icmp6_id and icmp6_seq of echo messages; icmp6_mtu of Packet Too Big; icmp6_pptr of Parameter Problem. */
export const ICMP6_OFF_ID = 4;
export const ICMP6_OFF_SEQ = 6;
export const ICMP6_OFF_MTU = 4;
export const ICMP6_OFF_PPTR = 4;

// Types.
export const ICMP6_DST_UNREACH = 1;
export const ICMP6_PACKET_TOO_BIG = 2;
export const ICMP6_TIME_EXCEEDED = 3;
export const ICMP6_PARAM_PROB = 4;
/** Types below this are errors. */
export const ICMP6_INFOMSG_MASK = 0x80;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;
export const MLD_LISTENER_QUERY = 130;
export const MLD_LISTENER_REPORT = 131;
export const MLD_LISTENER_DONE = 132;
export const MLD_LISTENER_REDUCTION = MLD_LISTENER_DONE;
export const ND_ROUTER_SOLICIT = 133;
export const ND_ROUTER_ADVERT = 134;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_REDIRECT = 137;
export const ICMP6_ROUTER_RENUMBERING = 138;
export const ICMP6_WRUREQUEST = 139;
export const ICMP6_WRUREPLY = 140;
export const ICMP6_FQDN_QUERY = 139;
export const ICMP6_FQDN_REPLY = 140;
export const ICMP6_NI_QUERY = 139;
export const ICMP6_NI_REPLY = 140;
export const MLDV2_LISTENER_REPORT = 143;
export const ICMP6_MAXTYPE = 201;

// Codes.
export const ICMP6_DST_UNREACH_NOROUTE = 0;
export const ICMP6_DST_UNREACH_ADMIN = 1;
export const ICMP6_DST_UNREACH_BEYONDSCOPE = 2;
export const ICMP6_DST_UNREACH_ADDR = 3;
export const ICMP6_DST_UNREACH_NOPORT = 4;
export const ICMP6_DST_UNREACH_POLICY = 5;
export const ICMP6_DST_UNREACH_REJROUTE = 6;
export const ICMP6_DST_UNREACH_SRCROUTE = 7;
export const ICMP6_TIME_EXCEED_TRANSIT = 0;
export const ICMP6_TIME_EXCEED_REASSEMBLY = 1;
export const ICMP6_PARAMPROB_HEADER = 0;
export const ICMP6_PARAMPROB_NEXTHEADER = 1;
export const ICMP6_PARAMPROB_OPTION = 2;
export const ICMP6_PARAMPROB_FRAGMENT = 3;

/** The longest ICMPv6 error FreeBSD sends (the IPv6 minimum MTU). */
export const ICMPV6_PLD_MAXLEN = 1232;

/** struct nd_router_solicit: the ICMPv6 header, then options. */
export const ND_RS_LEN = 8;
/** struct nd_router_advert: hop limit, flags, router lifetime, reachable, retransmit. */
export const ND_RA_LEN = 16;
export const ND_RA_OFF_CURHOPLIMIT = 4;
export const ND_RA_OFF_FLAGS = 5;
export const ND_RA_OFF_ROUTER_LIFETIME = 6;
export const ND_RA_OFF_REACHABLE = 8;
export const ND_RA_OFF_RETRANSMIT = 12;
export const ND_RA_FLAG_MANAGED = 0x80;
export const ND_RA_FLAG_OTHER = 0x40;
export const ND_RA_FLAG_HA = 0x20;
export const ND_RA_FLAG_RTPREF_MASK = 0x18;
export const ND_RA_FLAG_RTPREF_HIGH = 0x08;
export const ND_RA_FLAG_RTPREF_MEDIUM = 0x00;
export const ND_RA_FLAG_RTPREF_LOW = 0x18;
export const ND_RA_FLAG_RTPREF_RSV = 0x10;
/** struct nd_neighbor_solicit / nd_neighbor_advert: ICMPv6 header (flags in the data word), target. */
export const ND_NS_LEN = 24;
export const ND_NA_LEN = 24;
export const ND_NS_OFF_TARGET = 8;
export const ND_NA_OFF_FLAGS = 4;
export const ND_NA_OFF_TARGET = 8;
/** nd_na_flags_reserved, as the first byte of the data word. */
export const ND_NA_FLAG_ROUTER = 0x80;
export const ND_NA_FLAG_SOLICITED = 0x40;
export const ND_NA_FLAG_OVERRIDE = 0x20;
/** struct nd_redirect: ICMPv6 header, target, destination. */
export const ND_REDIRECT_LEN = 40;
export const ND_RD_OFF_TARGET = 8;
export const ND_RD_OFF_DST = 24;

/** struct nd_opt_hdr: type and length in units of 8 bytes. */
export const ND_OPT_SOURCE_LINKADDR = 1;
export const ND_OPT_TARGET_LINKADDR = 2;
export const ND_OPT_PREFIX_INFORMATION = 3;
export const ND_OPT_REDIRECTED_HEADER = 4;
export const ND_OPT_MTU = 5;
export const ND_OPT_NONCE = 14;
export const ND_OPT_ROUTE_INFO = 24;
export const ND_OPT_RDNSS = 25;
export const ND_OPT_DNSSL = 31;
export const ND_OPT_MAX = 31;
/** struct nd_opt_prefix_info: 32 bytes. */
export const ND_OPT_PI_LEN = 32;
export const ND_OPT_PI_OFF_PREFIX_LEN = 2;
export const ND_OPT_PI_OFF_FLAGS = 3;
export const ND_OPT_PI_OFF_VALID_TIME = 4;
export const ND_OPT_PI_OFF_PREFERRED_TIME = 8;
export const ND_OPT_PI_OFF_PREFIX = 16;
export const ND_OPT_PI_FLAG_ONLINK = 0x80;
export const ND_OPT_PI_FLAG_AUTO = 0x40;
export const ND_OPT_PI_FLAG_ROUTER = 0x20;
/** struct nd_opt_mtu: 8 bytes, the MTU at offset 4. */
export const ND_OPT_MTU_LEN = 8;
export const ND_OPT_MTU_OFF_MTU = 4;
/** struct nd_opt_nonce: 8 bytes, a 6-byte nonce. */
export const ND_OPT_NONCE_LEN = 6;

/** struct mld_hdr: 24 bytes (type, code, cksum, max delay, reserved, group). */
export const MLD_HDR_LEN = 24;
export const MLD_OFF_MAXDELAY = 4;
export const MLD_OFF_ADDR = 8;

/** ICMP6_FILTER (a raw socket option): 256 bits, set = pass. */
export const ICMP6_FILTER = 18;

export const _net_inet6_icmp6 = SYSCTL_NODE(_net_inet6, IPPROTO_ICMPV6, "icmp6", CTLFLAG_RW, null, "ICMP6");

// struct icmp6stat
export const icp6s_error = 0;
export const icp6s_canterror = 1;
export const icp6s_toofreq = 2;
/** icp6s_outhist[256]: messages sent, by type */
export const icp6s_outhist = 3;
export const icp6s_badcode = 259;
export const icp6s_tooshort = 260;
export const icp6s_checksum = 261;
export const icp6s_badlen = 262;
export const icp6s_dropped = 263;
export const icp6s_reflect = 264;
/** icp6s_inhist[256]: messages received, by type */
export const icp6s_inhist = 265;
export const icp6s_nd_toomanyopt = 521;
/** icp6s_outerrhist (struct icmp6errstat): errors sent, by kind (icp6errs_* below) */
export const icp6s_outerrhist = 522;
export const icp6s_pmtuchg = 535;
export const icp6s_nd_badopt = 536;
export const icp6s_badns = 537;
export const icp6s_badna = 538;
export const icp6s_badrs = 539;
export const icp6s_badra = 540;
export const icp6s_badredirect = 541;
export const icp6s_overflowdefrtr = 542;
export const icp6s_overflowprfx = 543;
export const icp6s_overflownndp = 544;
export const icp6s_overflowredirect = 545;
export const icp6s_invlhlim = 546;
export const icp6s_spare = 547;
export const ICMP6STAT_NFIELDS = 579;

// struct icmp6errstat, inside icp6s_outerrhist.
export const icp6errs_dst_unreach_noroute = 0;
export const icp6errs_dst_unreach_admin = 1;
export const icp6errs_dst_unreach_beyondscope = 2;
export const icp6errs_dst_unreach_addr = 3;
export const icp6errs_dst_unreach_noport = 4;
export const icp6errs_packet_too_big = 5;
export const icp6errs_time_exceed_transit = 6;
export const icp6errs_time_exceed_reassembly = 7;
export const icp6errs_paramprob_header = 8;
export const icp6errs_paramprob_nextheader = 9;
export const icp6errs_paramprob_option = 10;
export const icp6errs_redirect = 11;
export const icp6errs_unknown = 12;

/** Field names in struct order (arrays as name[i]; struct icmp6errstat's
 *  fields inside icp6s_outerrhist as icp6s_outerrhist.icp6errs_*). */
export const icmp6stat_names: readonly string[] = (() => {
  const n: string[] = ["icp6s_error", "icp6s_canterror", "icp6s_toofreq"];
  for (let i = 0; i < 256; i++) n.push(`icp6s_outhist[${i}]`);
  n.push("icp6s_badcode", "icp6s_tooshort", "icp6s_checksum", "icp6s_badlen", "icp6s_dropped", "icp6s_reflect");
  for (let i = 0; i < 256; i++) n.push(`icp6s_inhist[${i}]`);
  n.push("icp6s_nd_toomanyopt");
  for (const e of ["dst_unreach_noroute", "dst_unreach_admin", "dst_unreach_beyondscope", "dst_unreach_addr", "dst_unreach_noport", "packet_too_big", "time_exceed_transit", "time_exceed_reassembly", "paramprob_header", "paramprob_nextheader", "paramprob_option", "redirect", "unknown"])
    n.push(`icp6s_outerrhist.icp6errs_${e}`);
  n.push("icp6s_pmtuchg", "icp6s_nd_badopt", "icp6s_badns", "icp6s_badna", "icp6s_badrs", "icp6s_badra", "icp6s_badredirect", "icp6s_overflowdefrtr", "icp6s_overflowprfx", "icp6s_overflownndp", "icp6s_overflowredirect", "icp6s_invlhlim");
  for (let i = 0; i < 32; i++) n.push(`icp6s_spare[${i}]`);
  return n;
})();

/** VNET_PCPUSTAT_DEFINE(struct icmp6stat, icmp6stat). */
export const icmp6stat = VNET_DEFINE_U64("icmp6stat", ICMP6STAT_NFIELDS);
/** ICMPV6CTL_STATS */
export const ICMPV6CTL_STATS = 1;
SYSCTL_VNET_PCPUSTAT(_net_inet6_icmp6, ICMPV6CTL_STATS, "stats", icmp6stat, ICMP6STAT_NFIELDS, "icmp6stat", "ICMPv6 statistics (struct icmp6stat, netinet/icmp6.h)");

export function ICMP6STAT_INC(field: number): void {
  VNET_U64_ADD(icmp6stat + field, 1);
}
/** ICMP6STAT_INC2(name, i): one element of an array field (a histogram). */
export function ICMP6STAT_INC2(field: number, i: number): void {
  VNET_U64_ADD(icmp6stat + field + i, 1);
}

// ---------------------------------------------------------------------------
// The ICMP6_FILTER socket option (RFC 3542 3.2): a bit per message type,
// set = pass.  The 32 bytes are the eight 32-bit words of struct
// icmp6_filter as an amd64 host stores them, so type t is bit (t & 7) of
// byte (t >> 3).

/** struct icmp6_filter. */
export class icmp6_filter {
  readonly icmp6_filt = new Uint8Array(32);
}
export function ICMP6_FILTER_SETPASSALL(f: icmp6_filter): void {
  f.icmp6_filt.fill(0xff);
}
export function ICMP6_FILTER_SETBLOCKALL(f: icmp6_filter): void {
  f.icmp6_filt.fill(0);
}
export function ICMP6_FILTER_SETPASS(type: number, f: icmp6_filter): void {
  f.icmp6_filt[(type & 0xff) >> 3] |= 1 << (type & 7);
}
export function ICMP6_FILTER_SETBLOCK(type: number, f: icmp6_filter): void {
  f.icmp6_filt[(type & 0xff) >> 3] &= ~(1 << (type & 7));
}
export function ICMP6_FILTER_WILLPASS(type: number, f: icmp6_filter): boolean {
  return (f.icmp6_filt[(type & 0xff) >> 3] & (1 << (type & 7))) !== 0;
}
export function ICMP6_FILTER_WILLBLOCK(type: number, f: icmp6_filter): boolean {
  return (f.icmp6_filt[(type & 0xff) >> 3] & (1 << (type & 7))) === 0;
}

// ---------------------------------------------------------------------------
// MLD (netinet/icmp6.h's mld_hdr, netinet6/mld6.h's MLDv2 layouts).

/** mld_hdr's code and checksum are the ICMPv6 header's. */
export const MLD_OFF_TYPE = 0;
export const MLD_OFF_CODE = 1;
export const MLD_OFF_CKSUM = 2;
export const MLD_OFF_RESERVED = 6;
/** MLD_MINLEN: the MLDv1 message, 24 bytes. */
export const MLD_MINLEN = 24;
/** struct mldv2_query: the v1 header, then misc (S flag, QRV), QQIC, number of sources. */
export const MLDV2_QUERY_LEN = 28;
export const MLD_OFF_MISC = 24;
export const MLD_OFF_QQI = 25;
export const MLD_OFF_NUMSRC = 26;
/** struct mldv2_report: type, code, cksum, reserved, number of records. */
export const MLDV2_REPORT_LEN = 8;
export const MLD_OFF_V2_NUMRECS = 6;
/** struct mldv2_record: type, aux data length, number of sources, group. */
export const MLDV2_RECORD_LEN = 20;
export const MR_OFF_TYPE = 0;
export const MR_OFF_DATALEN = 1;
export const MR_OFF_NUMSRC = 2;
export const MR_OFF_ADDR = 4;
/** Group record types (RFC 3810 5.2.12). */
export const MLD_DO_NOTHING = 0;
export const MLD_MODE_IS_INCLUDE = 1;
export const MLD_MODE_IS_EXCLUDE = 2;
export const MLD_CHANGE_TO_INCLUDE_MODE = 3;
export const MLD_CHANGE_TO_EXCLUDE_MODE = 4;
export const MLD_ALLOW_NEW_SOURCES = 5;
export const MLD_BLOCK_OLD_SOURCES = 6;
/** The Querier's Robustness Variable in mld_misc, and its S flag. */
export function MLD_QRV(misc: number): number {
  return misc & 0x07;
}
export const MLD_SFLAG = 0x08;
/** Maximum response code and QQIC as floating point (RFC 3810 5.1.3, 5.1.9). */
export function MLD_MRC_EXP(x: number): number {
  return (x >> 12) & 0x0007;
}
export function MLD_MRC_MANT(x: number): number {
  return x & 0x0fff;
}
export function MLD_QQIC_EXP(x: number): number {
  return (x >> 4) & 0x07;
}
export function MLD_QQIC_MANT(x: number): number {
  return x & 0x0f;
}

/** ICMP6_NI_QUERY codes, reply codes, query types (RFC 4620). */
export const ICMP6_NI_SUBJ_IPV6 = 0;
export const ICMP6_NI_SUBJ_FQDN = 1;
export const ICMP6_NI_SUBJ_IPV4 = 2;
export const ICMP6_NI_SUCCESS = 0;
export const ICMP6_NI_REFUSED = 1;
export const ICMP6_NI_UNKNOWN = 2;
export const NI_QTYPE_NOOP = 0;
export const NI_QTYPE_SUPTYPES = 1;
export const NI_QTYPE_FQDN = 2;
export const NI_QTYPE_DNSNAME = 2;
export const NI_QTYPE_NODEADDR = 3;
export const NI_QTYPE_IPV4ADDR = 4;
/** struct icmp6_nodeinfo: ICMPv6 header (qtype, flags in its data), nonce. */
export const ICMP6_NODEINFO_LEN = 16;
export const NI_SUPTYPE_FLAG_COMPRESS = 0x0100;
export const NI_FQDN_FLAG_VALIDTTL = 0x0100;
export const NI_NODEADDR_FLAG_TRUNCATE = 0x0100;
export const NI_NODEADDR_FLAG_ALL = 0x0200;
export const NI_NODEADDR_FLAG_COMPAT = 0x0400;
export const NI_NODEADDR_FLAG_LINKLOCAL = 0x0800;
export const NI_NODEADDR_FLAG_SITELOCAL = 0x1000;
export const NI_NODEADDR_FLAG_GLOBAL = 0x2000;
export const NI_NODEADDR_FLAG_ANYCAST = 0x4000;

/** struct icmp6_router_renum: 16 bytes; its codes. */
export const ICMP6_ROUTER_RENUM_LEN = 16;
export const ICMP6_ROUTER_RENUMBERING_COMMAND = 0;
export const ICMP6_ROUTER_RENUMBERING_RESULT = 1;
export const ICMP6_ROUTER_RENUMBERING_SEQNUM_RESET = 255;

/** ND_REDIRECT codes of nd6_cache_lladdr (nd6.h). */
export const ND_REDIRECT_ONLINK = 0;
export const ND_REDIRECT_ROUTER = 1;

/** The MLD message names FreeBSD's icmp6.h keeps for old code. */
export const ICMP6_MEMBERSHIP_QUERY = 130;
export const ICMP6_MEMBERSHIP_REPORT = 131;
export const ICMP6_MEMBERSHIP_REDUCTION = 132;
