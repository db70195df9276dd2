// sys/netinet/ip_icmp.c, sys/netinet/icmp_var.h: ICMP.  icmp_input
// answers echo, timestamp and mask requests, tells the transport protocols
// about errors (the ip_ctlprotox table), applies redirects, and hands
// everything to raw sockets (ping reads its replies there).  icmp_error
// builds an error about a datagram that could not be delivered,
// icmp_reflect turns a packet around, choosing our source address.
// badport_bandlim limits how many responses go out per second
// (net.inet.icmp.icmplim) on the virtual clock.
//
// Departures: no SCTP (its quoting rule in icmp_error is not there), no
// MAC labels, no M_DECRYPTED, no packet tags to keep (error_keeptags is a
// knob without effect).

import {
  MT_DATA,
  M_BCAST,
  M_GETFIB,
  M_MCAST,
  M_PKTHDR,
  M_SETFIB,
  M_LEADINGSPACE,
  M_TRAILINGSPACE,
  MHLEN,
  M_ALIGN,
  type mbuf,
} from "../kern/mbuf.ts";
import { m_tag_delete_nonpersistent } from "../kern/uipc_mbuf2.ts";
import { m_free, m_freem, m_getcl, m_gethdr } from "../kern/kern_mbuf.ts";
import { m_copydata, m_length, m_pullup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { ECONNREFUSED, EEXIST, EHOSTUNREACH, EINVAL, EMSGSIZE, ENETUNREACH, ENOPROTOOPT } from "../kern/errno.ts";
import { KASSERT, log, printf } from "../kern/subr_prf.ts";
import { AF_LINK } from "../kern/socket.ts";
import { arc4random_uniform } from "../kern/arc4random.ts";
import { SI_ORDER_ANY, SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { hz, microtime, ticks } from "../kern/kern_timeout.ts";
import {
  CTLFLAG_RW,
  CTLFLAG_VNET,
  CTLTYPE_STRING,
  CTLTYPE_UINT,
  OID_AUTO,
  SYSCTL_INT,
  SYSCTL_NODE,
  SYSCTL_OUT,
  SYSCTL_PROC,
  SYSCTL_UINT,
  SYSCTL_VNET_PCPUSTAT,
  kvar_of,
  sysctl_handle_uint,
  vnet_region_ptr,
  type sysctl_handler_t,
} from "../kern/sysctl.ts";
import {
  VNET_DEFINE_INT,
  VNET_DEFINE_PTR,
  VNET_DEFINE_U64,
  VNET_I32,
  VNET_I32_SET,
  VNET_PTR,
  VNET_PTR_SET,
  VNET_SYSINIT,
  VNET_SYSUNINIT,
  VNET_U64_ADD,
} from "../net/vnet.ts";
import { IFF_BROADCAST, IFF_POINTOPOINT, IFNAMSIZ, ifunit, type ifnet } from "../net/if.ts";
import { RTF_GATEWAY, rib_add_redirect, sa_equal, sa_family } from "../net/route.ts";
import { NHF_GATEWAY, NHF_HOST, NHR_NONE } from "../net/route/nhop.ts";
import { V_rt_numfibs } from "../net/route/route_tables.ts";
import { fib4_lookup } from "./in_fib.ts";
import {
  INADDR_ANY,
  INADDR_BROADCAST,
  IN_EXPERIMENTAL,
  IN_MULTICAST,
  IN_ZERONET,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  INADDR_HASH,
  ifa_ifwithaddr_check,
  ifa_ifwithnet,
  ifaof_ifpforaddr,
  in_ifaddr,
  sockaddr_in,
  ifatoia,
} from "./in.ts";
import { in_cksum } from "./in_cksum.ts";
import {
  ICMPH_CKSUM,
  ICMPH_CODE,
  ICMPH_GWADDR,
  ICMPH_IP,
  ICMPH_MASK,
  ICMPH_NEXTMTU,
  ICMPH_PPTR,
  ICMPH_RTIME,
  ICMPH_TTIME,
  ICMPH_TYPE,
  ICMPH_VOID,
  ICMP_ADVLEN,
  ICMP_ADVLENMIN,
  ICMP_ADVLENPREF,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_INFOTYPE,
  ICMP_IREQREPLY,
  ICMP_MASKLEN,
  ICMP_MASKREPLY,
  ICMP_MASKREQ,
  ICMP_MAXTYPE,
  ICMP_MINLEN,
  ICMP_PARAMPROB,
  ICMP_PARAMPROB_ERRATPTR,
  ICMP_PARAMPROB_LENGTH,
  ICMP_PARAMPROB_OPTABSENT,
  ICMP_REDIRECT,
  ICMP_ROUTERADVERT,
  ICMP_ROUTERSOLICIT,
  ICMP_SOURCEQUENCH,
  ICMP_TIMXCEED,
  ICMP_TIMXCEED_INTRANS,
  ICMP_TIMXCEED_REASS,
  ICMP_TSLEN,
  ICMP_TSTAMP,
  ICMP_TSTAMPREPLY,
  ICMP_UNREACH,
  ICMP_UNREACH_FILTER_PROHIB,
  ICMP_UNREACH_HOST,
  ICMP_UNREACH_HOST_PRECEDENCE,
  ICMP_UNREACH_HOST_PROHIB,
  ICMP_UNREACH_HOST_UNKNOWN,
  ICMP_UNREACH_ISOLATED,
  ICMP_UNREACH_NEEDFRAG,
  ICMP_UNREACH_NET,
  ICMP_UNREACH_NET_PROHIB,
  ICMP_UNREACH_NET_UNKNOWN,
  ICMP_UNREACH_PORT,
  ICMP_UNREACH_PRECEDENCE_CUTOFF,
  ICMP_UNREACH_PROTOCOL,
  ICMP_UNREACH_SRCFAIL,
  ICMP_UNREACH_TOSHOST,
  ICMP_UNREACH_TOSNET,
  IPH_DST,
  IPH_LEN,
  IPH_OFF,
  IPH_P,
  IPH_SRC,
  IPH_TOS,
  IPH_TTL,
  IPH_VHL,
  IPOPT_EOL,
  IPOPT_NOP,
  IPOPT_OLEN,
  IPOPT_OPTVAL,
  IPOPT_RR,
  IPOPT_SECURITY,
  IPOPT_TS,
  IPVERSION,
  IP_DF,
  IP_HDRLEN,
  IP_MF,
} from "./ip.ts";
import { _net_inet } from "./ip_var.ts";
import { ip_srcroute, ip_stripoptions } from "./ip_options.ts";
import { ip_output } from "./ip_output.ts";
import { ip_ctlprotox, ipforwarding } from "./ip_input.ts";
import { V_ip_defttl, rip_input } from "./raw_ip.ts";

export const _net_inet_icmp = SYSCTL_NODE(_net_inet, IPPROTO_ICMP, "icmp", CTLFLAG_RW, null, "ICMP");

// net.inet.icmp.* numbers (ICMPCTL_*).
export const ICMPCTL_MASKREPL = 1;
export const ICMPCTL_STATS = 2;
export const ICMPCTL_ICMPLIM = 3;

// badport_bandlim's classes.
export const BANDLIM_UNLIMITED = -1;
export const BANDLIM_ICMP_UNREACH = 0;
export const BANDLIM_ICMP_ECHO = 1;
export const BANDLIM_ICMP_TSTAMP = 2;
export const BANDLIM_RST_CLOSEDPORT = 3;
export const BANDLIM_RST_OPENPORT = 4;
export const BANDLIM_ICMP6_UNREACH = 5;
export const BANDLIM_SCTP_OOTB = 6;
export const BANDLIM_MAX = 7;

// ---------------------------------------------------------------------------
// struct icmpstat, one counter per field in FreeBSD's order; the two
// histograms are ICMP_MAXTYPE + 1 counters each (icps_outhist + type).

export const icps_error = 0;
export const icps_oldshort = 1;
export const icps_oldicmp = 2;
export const icps_outhist = 3;
export const icps_badcode = icps_outhist + ICMP_MAXTYPE + 1;
export const icps_tooshort = icps_badcode + 1;
export const icps_checksum = icps_badcode + 2;
export const icps_badlen = icps_badcode + 3;
export const icps_reflect = icps_badcode + 4;
export const icps_inhist = icps_badcode + 5;
export const icps_bmcastecho = icps_inhist + ICMP_MAXTYPE + 1;
export const icps_bmcasttstamp = icps_bmcastecho + 1;
export const icps_badaddr = icps_bmcastecho + 2;
export const icps_noroute = icps_bmcastecho + 3;
export const ICMPSTAT_NFIELDS = icps_noroute + 1;

/** Field names in struct order (histogram slots as name[type]). */
export const icmpstat_names: readonly string[] = (() => {
  const n: string[] = ["icps_error", "icps_oldshort", "icps_oldicmp"];
  for (let i = 0; i <= ICMP_MAXTYPE; i++) n.push(`icps_outhist[${i}]`);
  n.push("icps_badcode", "icps_tooshort", "icps_checksum", "icps_badlen", "icps_reflect");
  for (let i = 0; i <= ICMP_MAXTYPE; i++) n.push(`icps_inhist[${i}]`);
  n.push("icps_bmcastecho", "icps_bmcasttstamp", "icps_badaddr", "icps_noroute");
  return n;
})();

/** VNET_PCPUSTAT_DEFINE(struct icmpstat, icmpstat). */
export const icmpstat = VNET_DEFINE_U64("icmpstat", ICMPSTAT_NFIELDS);
SYSCTL_VNET_PCPUSTAT(_net_inet_icmp, ICMPCTL_STATS, "stats", icmpstat, ICMPSTAT_NFIELDS, "icmpstat", "ICMP statistics (struct icmpstat, netinet/icmp_var.h)");

export function ICMPSTAT_INC(field: number): void {
  VNET_U64_ADD(icmpstat + field, 1);
}
/** kmod_icmpstat_inc: by index, for code outside ICMP. */
export function kmod_icmpstat_inc(statnum: number): void {
  VNET_U64_ADD(icmpstat + statnum, 1);
}

// ---------------------------------------------------------------------------
// Knobs.

const icmplim = VNET_DEFINE_INT("icmplim", 200);
const icmplim_jitter = VNET_DEFINE_INT("icmplim_jitter", 16);
const icmplim_output = VNET_DEFINE_INT("icmplim_output", 1);
const icmpmaskrepl = VNET_DEFINE_INT("icmpmaskrepl", 0);
const icmpmaskfake = VNET_DEFINE_INT("icmpmaskfake", 0);
/** V_drop_redirect: ignore ICMP redirects. */
export const drop_redirect = VNET_DEFINE_INT("drop_redirect", 0);
const log_redirect = VNET_DEFINE_INT("log_redirect", 0);
const redirtimeout = VNET_DEFINE_INT("redirtimeout", 60 * 10);
const reply_src = VNET_DEFINE_PTR<string>("reply_src", "");
const icmp_rfi = VNET_DEFINE_INT("icmp_rfi", 0);
/** RFC 1812 4.3.2.3: at most 576 - 28 bytes of the original. */
const icmp_quotelen = VNET_DEFINE_INT("icmp_quotelen", 548);
const icmpbmcastecho = VNET_DEFINE_INT("icmpbmcastecho", 0);
const icmptstamprepl = VNET_DEFINE_INT("icmptstamprepl", 1);
const error_keeptags = VNET_DEFINE_INT("error_keeptags", 0);

/** icmplim and icmplim_jitter move together: the jitter must stay below
 *  the limit, and a new jitter re-randomizes every class's adjustment. */
const sysctl_icmplim_and_jitter: sysctl_handler_t = (oidp, arg1, _arg2, req) => {
  KASSERT(arg1 instanceof vnet_region_ptr, "sysctl_icmplim_and_jitter: not a VNET oid");
  const lim = arg1.idx === icmplim;
  const nv = kvar_of(lim ? VNET_I32(icmplim) >>> 0 : VNET_I32(icmplim_jitter) >>> 0);
  let error = sysctl_handle_uint(oidp, nv, 0, req);
  if (error === 0 && req.newval !== null) {
    const v = nv.v;
    if (lim) {
      if (v !== 0 && v <= VNET_I32(icmplim_jitter)) error = EINVAL;
      else VNET_I32_SET(icmplim, v);
    } else {
      if (v >= VNET_I32(icmplim)) error = EINVAL;
      else {
        VNET_I32_SET(icmplim_jitter, v);
        for (let i = 0; i < BANDLIM_MAX; i++) icmplim_new_jitter(i);
      }
    }
  }
  return error;
};
SYSCTL_PROC(_net_inet_icmp, ICMPCTL_ICMPLIM, "icmplim", CTLTYPE_UINT | CTLFLAG_VNET | CTLFLAG_RW, icmplim, 0, sysctl_icmplim_and_jitter, "IU", "Maximum number of ICMP responses per second");
SYSCTL_PROC(_net_inet_icmp, OID_AUTO, "icmplim_jitter", CTLTYPE_UINT | CTLFLAG_VNET | CTLFLAG_RW, icmplim_jitter, 0, sysctl_icmplim_and_jitter, "IU", "Random icmplim jitter adjustment limit");
SYSCTL_INT(_net_inet_icmp, OID_AUTO, "icmplim_output", CTLFLAG_VNET | CTLFLAG_RW, icmplim_output, 0, "Enable logging of ICMP response rate limiting");
SYSCTL_INT(_net_inet_icmp, ICMPCTL_MASKREPL, "maskrepl", CTLFLAG_VNET | CTLFLAG_RW, icmpmaskrepl, 0, "Reply to ICMP Address Mask Request packets");
SYSCTL_UINT(_net_inet_icmp, OID_AUTO, "maskfake", CTLFLAG_VNET | CTLFLAG_RW, icmpmaskfake, 0, "Fake reply to ICMP Address Mask Request packets");
SYSCTL_INT(_net_inet_icmp, OID_AUTO, "drop_redirect", CTLFLAG_VNET | CTLFLAG_RW, drop_redirect, 0, "Ignore ICMP redirects");
SYSCTL_INT(_net_inet_icmp, OID_AUTO, "log_redirect", CTLFLAG_VNET | CTLFLAG_RW, log_redirect, 0, "Log ICMP redirects to the console");
SYSCTL_INT(_net_inet_icmp, OID_AUTO, "redirtimeout", CTLFLAG_VNET | CTLFLAG_RW, redirtimeout, 0, "Delay in seconds before expiring redirect route");

/** net.inet.icmp.reply_src: a per-vnet string (an interface name). */
const sysctl_reply_src: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  const error = SYSCTL_OUT(req, VNET_PTR(reply_src));
  if (error !== 0 || req.newval === null) return error;
  const v = req.newval;
  if (typeof v !== "string" || v.length >= IFNAMSIZ) return EINVAL;
  VNET_PTR_SET(reply_src, v);
  return 0;
};
SYSCTL_PROC(_net_inet_icmp, OID_AUTO, "reply_src", CTLTYPE_STRING | CTLFLAG_VNET | CTLFLAG_RW, null, IFNAMSIZ, sysctl_reply_src, "A", "ICMP reply source for non-local packets");

SYSCTL_INT(_net_inet_icmp, OID_AUTO, "reply_from_interface", CTLFLAG_VNET | CTLFLAG_RW, icmp_rfi, 0, "ICMP reply from incoming interface for non-local packets");
SYSCTL_INT(_net_inet_icmp, OID_AUTO, "quotelen", CTLFLAG_VNET | CTLFLAG_RW, icmp_quotelen, 0, "Number of bytes from original packet to quote in ICMP reply");
SYSCTL_INT(_net_inet_icmp, OID_AUTO, "bmcastecho", CTLFLAG_VNET | CTLFLAG_RW, icmpbmcastecho, 0, "Reply to multicast ICMP Echo Request and Timestamp packets");
SYSCTL_INT(_net_inet_icmp, OID_AUTO, "tstamprepl", CTLFLAG_VNET | CTLFLAG_RW, icmptstamprepl, 0, "Respond to ICMP Timestamp packets");
SYSCTL_INT(_net_inet_icmp, OID_AUTO, "error_keeptags", CTLFLAG_VNET | CTLFLAG_RW, error_keeptags, 0, "ICMP error response keeps copy of mbuf_tags of original packet");

// Scratch sockaddrs (icmpsrc, icmpdst, icmpgw on FreeBSD's stack).
const icmpsrc = new sockaddr_in();
const icmpdst = new sockaddr_in();
const icmpgw = new sockaddr_in();

/** sizeof(struct tcphdr); th_off is the high nibble of byte 12. */
const TCPHDR_LEN = 20;
const TH_OFF = 12;

// ---------------------------------------------------------------------------
// icmp_error.

/**
 * icmp_error(n, type, code, dest, mtu): send an ICMP error of type/code
 * about the datagram n, which is consumed.  dest is the new gateway of a
 * redirect; mtu the next-hop MTU of a "fragmentation needed".  Nothing is
 * sent about a broadcast or multicast packet, a fragment other than the
 * first, or an ICMP error.
 */
export function icmp_error(n: mbuf, type: number, code: number, dest: number, mtu: number): void {
  KASSERT(type >>> 0 <= ICMP_MAXTYPE, "icmp_error: illegal ICMP type");
  if (type !== ICMP_REDIRECT) ICMPSTAT_INC(icps_error);
  freeit: {
    if ((n.m_flags & (M_BCAST | M_MCAST)) !== 0) break freeit;
    // The IP header and 8 bytes must be contiguous in the first mbuf.
    if (n.m_len < IP_HDRLEN + ICMP_MINLEN) break freeit;
    let oip = n.m_data;
    const oiphlen = (n.m_buf[oip + IPH_VHL] & 0x0f) << 2;
    if (n.m_len < oiphlen + ICMP_MINLEN) break freeit;
    if ((n.m_dv.getUint16(oip + IPH_OFF) & ~(IP_MF | IP_DF)) !== 0) break freeit;
    const oip_p = n.m_buf[oip + IPH_P];
    if (oip_p === IPPROTO_ICMP && type !== ICMP_REDIRECT && !ICMP_INFOTYPE(n.m_buf[oip + oiphlen + ICMPH_TYPE])) {
      ICMPSTAT_INC(icps_oldicmp);
      break freeit;
    }

    // How much of the original to quote, without overflowing the mbuf
    // (ip_forward hands us truncated copies).
    const nlen = m_length(n);
    let icmpelen: number;
    stdreply: {
      if (oip_p === IPPROTO_TCP) {
        // TCP wants its whole header back.
        if (oiphlen + TCPHDR_LEN > n.m_len && n.m_next === null) break stdreply;
        if (n.m_len < oiphlen + TCPHDR_LEN) {
          const nn = m_pullup(n, oiphlen + TCPHDR_LEN);
          if (nn === null) return;
          n = nn;
        }
        oip = n.m_data;
        const tcphlen = (n.m_buf[oip + oiphlen + TH_OFF] >>> 4) << 2;
        if (tcphlen < TCPHDR_LEN) break freeit;
        if (n.m_dv.getUint16(oip + IPH_LEN) < oiphlen + tcphlen) break freeit;
        if (oiphlen + tcphlen > n.m_len && n.m_next === null) break stdreply;
        if (n.m_len < oiphlen + tcphlen) {
          const nn = m_pullup(n, oiphlen + tcphlen);
          if (nn === null) return;
          n = nn;
        }
        oip = n.m_data;
        icmpelen = Math.max(tcphlen, Math.min(VNET_I32(icmp_quotelen), n.m_dv.getUint16(oip + IPH_LEN) - oiphlen));
      } else {
        // (SCTP's rule for its INIT chunk is not modelled.)
        break stdreply;
      }
      return icmp_error_build(n, oip, oiphlen, nlen, icmpelen, type, code, dest, mtu);
    }
    icmpelen = Math.max(8, Math.min(VNET_I32(icmp_quotelen), n.m_dv.getUint16(oip + IPH_LEN) - oiphlen));
    return icmp_error_build(n, oip, oiphlen, nlen, icmpelen, type, code, dest, mtu);
  }
  m_freem(n);
}

/** The second half of icmp_error: build the message and reflect it. */
function icmp_error_build(n: mbuf, oip: number, oiphlen: number, nlen: number, icmpelen: number, type: number, code: number, dest: number, mtu: number): void {
  let icmplen = Math.min(oiphlen + icmpelen, nlen);
  if (icmplen < IP_HDRLEN) {
    m_freem(n);
    return;
  }
  const m = MHLEN > IP_HDRLEN + ICMP_MINLEN + icmplen ? m_gethdr(M_NOWAIT, MT_DATA) : m_getcl(M_NOWAIT, MT_DATA, M_PKTHDR);
  if (m === null) {
    m_freem(n);
    return;
  }
  icmplen = Math.min(icmplen, M_TRAILINGSPACE(m) - IP_HDRLEN - ICMP_MINLEN);
  M_ALIGN(m, IP_HDRLEN + ICMP_MINLEN + icmplen);
  m.m_data += IP_HDRLEN;
  m.m_len = ICMP_MINLEN + icmplen;

  // The reply leaves through the FIB the offending packet came in on.
  M_SETFIB(m, M_GETFIB(n));
  const icp = m.m_data;
  const buf = m.m_buf;
  const dv = m.m_dv;
  ICMPSTAT_INC(icps_outhist + type);
  buf[icp + ICMPH_TYPE] = type;
  if (type === ICMP_REDIRECT) {
    dv.setUint32(icp + ICMPH_GWADDR, dest);
  } else {
    dv.setUint32(icp + ICMPH_VOID, 0);
    if (type === ICMP_PARAMPROB) {
      buf[icp + ICMPH_PPTR] = code;
      code = 0;
    } else if (type === ICMP_UNREACH && code === ICMP_UNREACH_NEEDFRAG && mtu !== 0) {
      dv.setUint16(icp + ICMPH_NEXTMTU, mtu);
    }
  }
  buf[icp + ICMPH_CODE] = code;
  dv.setUint16(icp + ICMPH_CKSUM, 0);

  // The quotation: the original header and the start of its payload.
  m_copydata(n, 0, icmplen, buf, icp + ICMPH_IP);

  // Our IP header in front, made from the original's (without options).
  KASSERT(M_LEADINGSPACE(m) >= IP_HDRLEN, "icmp_error: insufficient space for ip header");
  m.m_data -= IP_HDRLEN;
  m.m_len += IP_HDRLEN;
  m.m_pkthdr.len = m.m_len;
  m.m_pkthdr.rcvif = n.m_pkthdr.rcvif;
  const nip = m.m_data;
  buf.set(n.m_buf.subarray(oip, oip + IP_HDRLEN), nip);
  dv.setUint16(nip + IPH_LEN, m.m_len);
  buf[nip + IPH_VHL] = (IPVERSION << 4) | 5;
  buf[nip + IPH_P] = IPPROTO_ICMP;
  buf[nip + IPH_TOS] = 0;

  icmp_reflect(m);
  m_freem(n);
}

/**
 * icmp_errmap(icp): the errno an ICMP error stands for, for the transport
 * protocols' ctlinput; 0 for what they should ignore.  icp is the offset of
 * the ICMP header in m's data.
 */
export function icmp_errmap(m: mbuf, icp: number): number {
  const type = m.m_buf[m.m_data + icp + ICMPH_TYPE];
  const code = m.m_buf[m.m_data + icp + ICMPH_CODE];
  switch (type) {
    case ICMP_UNREACH:
      switch (code) {
        case ICMP_UNREACH_NET:
        case ICMP_UNREACH_HOST:
        case ICMP_UNREACH_SRCFAIL:
        case ICMP_UNREACH_NET_UNKNOWN:
        case ICMP_UNREACH_HOST_UNKNOWN:
        case ICMP_UNREACH_ISOLATED:
        case ICMP_UNREACH_TOSNET:
        case ICMP_UNREACH_TOSHOST:
        case ICMP_UNREACH_HOST_PRECEDENCE:
        case ICMP_UNREACH_PRECEDENCE_CUTOFF:
          return EHOSTUNREACH;
        case ICMP_UNREACH_NEEDFRAG:
          return EMSGSIZE;
        case ICMP_UNREACH_PROTOCOL:
        case ICMP_UNREACH_PORT:
        case ICMP_UNREACH_NET_PROHIB:
        case ICMP_UNREACH_HOST_PROHIB:
        case ICMP_UNREACH_FILTER_PROHIB:
          return ECONNREFUSED;
        default:
          return 0;
      }
    case ICMP_TIMXCEED:
      return code === ICMP_TIMXCEED_INTRANS ? EHOSTUNREACH : 0;
    case ICMP_PARAMPROB:
      return code === ICMP_PARAMPROB_ERRATPTR || code === ICMP_PARAMPROB_OPTABSENT ? ENOPROTOOPT : 0;
    default:
      return 0;
  }
}

// ---------------------------------------------------------------------------
// icmp_input.

/**
 * icmp_input(m, off, proto): an ICMP message has arrived (off is the IP
 * header length).  Consumes m.
 */
export function icmp_input(m: mbuf, off: number, proto: number): void {
  let ip = m.m_data;
  const hlen = off;
  const icmplen = m.m_dv.getUint16(ip + IPH_LEN) - off;

  freeit: {
    if (icmplen < ICMP_MINLEN) {
      ICMPSTAT_INC(icps_tooshort);
      break freeit;
    }
    const i = hlen + Math.min(icmplen, ICMP_ADVLENMIN);
    if (m.m_len < i) {
      const mm = m_pullup(m, i);
      if (mm === null) {
        ICMPSTAT_INC(icps_tooshort);
        return;
      }
      m = mm;
    }
    ip = m.m_data;
    m.m_len -= hlen;
    m.m_data += hlen;
    if (in_cksum(m, icmplen) !== 0) {
      ICMPSTAT_INC(icps_checksum);
      m.m_len += hlen;
      m.m_data -= hlen;
      break freeit;
    }
    m.m_len += hlen;
    m.m_data -= hlen;

    let icp = ip + hlen;
    let type = m.m_buf[icp + ICMPH_TYPE];
    raw: {
      if (type > ICMP_MAXTYPE) break raw;
      ICMPSTAT_INC(icps_inhist + type);
      const code = m.m_buf[icp + ICMPH_CODE];
      reflect: {
        switch (type) {
          case ICMP_UNREACH:
          case ICMP_TIMXCEED:
          case ICMP_PARAMPROB: {
            badcode: {
              if (
                (type === ICMP_UNREACH && code > ICMP_UNREACH_PRECEDENCE_CUTOFF) ||
                (type === ICMP_TIMXCEED && code > ICMP_TIMXCEED_REASS) ||
                (type === ICMP_PARAMPROB && code > ICMP_PARAMPROB_LENGTH)
              )
                break badcode;
              // deliver: the datagram the error is about must be quoted
              // well enough for the protocol to find its socket.
              if (icmplen < ICMP_ADVLENMIN || icmplen < ICMP_ADVLEN(m.m_buf[icp + ICMPH_IP + IPH_VHL] & 0x0f) || (m.m_buf[icp + ICMPH_IP + IPH_VHL] & 0x0f) < IP_HDRLEN >> 2) {
                ICMPSTAT_INC(icps_badlen);
                break freeit;
              }
              // Nothing about multicast datagrams.
              if (IN_MULTICAST(m.m_dv.getUint32(icp + ICMPH_IP + IPH_DST))) break badcode;
              // Nor about INADDR_ANY, which the protocols ignore anyway.
              if (m.m_dv.getUint32(icp + ICMPH_IP + IPH_DST) === INADDR_ANY || m.m_dv.getUint32(icp + ICMPH_IP + IPH_SRC) === INADDR_ANY) break freeit;
              const want = IP_HDRLEN + Math.min(icmplen, ICMP_ADVLENPREF(m.m_buf[icp + ICMPH_IP + IPH_VHL] & 0x0f));
              ip_stripoptions(m);
              if (m.m_len < want) {
                const mm = m_pullup(m, want);
                if (mm === null) {
                  ICMPSTAT_INC(icps_tooshort);
                  return;
                }
                m = mm;
              }
              ip = m.m_data;
              icp = ip + IP_HDRLEN;
              // What a protocol's ctlinput is promised: an option-free outer
              // header, and everything from it through 8 bytes of the
              // quoted payload in one piece.
              const ctl = ip_ctlprotox[m.m_buf[icp + ICMPH_IP + IPH_P]];
              if (ctl !== null) ctl(m, IP_HDRLEN);
              break raw;
            }
            ICMPSTAT_INC(icps_badcode);
            break raw;
          }

          case ICMP_ECHO:
            if (VNET_I32(icmpbmcastecho) === 0 && (m.m_flags & (M_MCAST | M_BCAST)) !== 0) {
              ICMPSTAT_INC(icps_bmcastecho);
              break raw;
            }
            if (badport_bandlim(BANDLIM_ICMP_ECHO) < 0) break freeit;
            m.m_buf[icp + ICMPH_TYPE] = type = ICMP_ECHOREPLY;
            break reflect;

          case ICMP_TSTAMP:
            if (VNET_I32(icmptstamprepl) === 0) break raw;
            if (VNET_I32(icmpbmcastecho) === 0 && (m.m_flags & (M_MCAST | M_BCAST)) !== 0) {
              ICMPSTAT_INC(icps_bmcasttstamp);
              break raw;
            }
            if (icmplen < ICMP_TSLEN) {
              ICMPSTAT_INC(icps_badlen);
              break raw;
            }
            if (badport_bandlim(BANDLIM_ICMP_TSTAMP) < 0) break freeit;
            m.m_buf[icp + ICMPH_TYPE] = type = ICMP_TSTAMPREPLY;
            m.m_dv.setUint32(icp + ICMPH_RTIME, iptime());
            m.m_dv.setUint32(icp + ICMPH_TTIME, m.m_dv.getUint32(icp + ICMPH_RTIME)); // bogus, do later!
            break reflect;

          case ICMP_MASKREQ: {
            if (VNET_I32(icmpmaskrepl) === 0) break raw;
            // All-ones replies only make sense from a point-to-point link.
            if (icmplen < ICMP_MASKLEN) break raw;
            const d = m.m_dv.getUint32(ip + IPH_DST);
            icmpdst.sin_addr = d === INADDR_BROADCAST || d === INADDR_ANY ? m.m_dv.getUint32(ip + IPH_SRC) : d;
            const rcvif = m.m_pkthdr.rcvif as ifnet | null;
            if (rcvif === null) break raw;
            const ia = ifaof_ifpforaddr(icmpdst, rcvif);
            if (!(ia instanceof in_ifaddr)) break raw;
            m.m_buf[icp + ICMPH_TYPE] = type = ICMP_MASKREPLY;
            m.m_dv.setUint32(icp + ICMPH_MASK, VNET_I32(icmpmaskfake) === 0 ? ia.ia_sockmask.sin_addr : VNET_I32(icmpmaskfake) >>> 0);
            if (m.m_dv.getUint32(ip + IPH_SRC) === 0) {
              if ((ia.ifa_ifp.if_flags & IFF_BROADCAST) !== 0) m.m_dv.setUint32(ip + IPH_SRC, ia.ia_broadaddr.sin_addr);
              else if ((ia.ifa_ifp.if_flags & IFF_POINTOPOINT) !== 0) m.m_dv.setUint32(ip + IPH_SRC, ia.ia_dstaddr.sin_addr);
            }
            break reflect;
          }

          case ICMP_REDIRECT: {
            const src = m.m_dv.getUint32(ip + IPH_SRC);
            const idst = m.m_dv.getUint32(icp + ICMPH_IP + IPH_DST);
            const gw = m.m_dv.getUint32(icp + ICMPH_GWADDR);
            if (VNET_I32(log_redirect) !== 0) printf(`icmp redirect from ${ntoa(src)}: ${ntoa(idst)} => ${ntoa(gw)}\n`);
            // A router does not take routes from redirects (RFC 1812).
            if (VNET_I32(drop_redirect) !== 0 || VNET_I32(ipforwarding) !== 0) break raw;
            if (code > 3) {
              ICMPSTAT_INC(icps_badcode);
              break raw;
            }
            if (icmplen < ICMP_ADVLENMIN || icmplen < ICMP_ADVLEN(m.m_buf[icp + ICMPH_IP + IPH_VHL] & 0x0f) || (m.m_buf[icp + ICMPH_IP + IPH_VHL] & 0x0f) < IP_HDRLEN >> 2) {
              ICMPSTAT_INC(icps_badlen);
              break raw;
            }
            // A redirect becomes a host route through the new gateway at
            // once (a network redirect counts for this host alone, RFC
            // 1122); routing daemons see the message too, on raw sockets.
            icmpgw.sin_addr = src;
            icmpdst.sin_addr = gw;
            icmpsrc.sin_addr = idst;
            if (icmp_verify_redirect_gateway(icmpgw, icmpsrc, icmpdst, M_GETFIB(m)) !== 0) break raw;
            const rcvif = m.m_pkthdr.rcvif as ifnet | null;
            if (rcvif === null) break raw;
            for (let fibnum = 0; fibnum < V_rt_numfibs(); fibnum++) {
              // Each route keeps its own copies of the addresses.
              rib_add_redirect(fibnum, new sockaddr_in(icmpsrc.sin_addr), new sockaddr_in(icmpdst.sin_addr), new sockaddr_in(icmpgw.sin_addr), rcvif, RTF_GATEWAY, VNET_I32(redirtimeout));
            }
            break raw;
          }

          // The other types are for user programs only: raw sockets get them.
          case ICMP_ECHOREPLY:
          case ICMP_ROUTERADVERT:
          case ICMP_ROUTERSOLICIT:
          case ICMP_TSTAMPREPLY:
          case ICMP_IREQREPLY:
          case ICMP_MASKREPLY:
          case ICMP_SOURCEQUENCH:
          default:
            break raw;
        }
      }
      // reflect:
      ICMPSTAT_INC(icps_reflect);
      ICMPSTAT_INC(icps_outhist + type);
      icmp_reflect(m);
      return;
    }
    // raw:
    rip_input(m, off, proto);
    return;
  }
  m_freem(m);
}

function ntoa(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

// ---------------------------------------------------------------------------
// icmp_reflect.

/**
 * icmp_reflect(m): send the packet back where it came from, from an
 * address of ours: the one it was sent to, else the address of the arrival
 * interface whose broadcast it was sent to, else (reply_from_interface) the
 * arrival interface's, else (reply_src) the named interface's, else the
 * address of the route back.  Consumes m.
 */
export function icmp_reflect(m: mbuf): void {
  const ip = m.m_data;
  const dv = m.m_dv;
  const optlen = ((m.m_buf[ip + IPH_VHL] & 0x0f) << 2) - IP_HDRLEN;
  let opts: mbuf | null = null;
  const ip_src = dv.getUint32(ip + IPH_SRC);

  done: {
    // No reply to a bad return address (ip_output checks broadcast).
    // (net.inet.ip.allow_net240 / allow_net0 are taken as 0.)
    if (IN_MULTICAST(ip_src) || IN_EXPERIMENTAL(ip_src) || IN_ZERONET(ip_src) || ip_src === INADDR_ANY) {
      m_freem(m);
      ICMPSTAT_INC(icps_badaddr);
      break done;
    }

    let t = dv.getUint32(ip + IPH_DST);
    dv.setUint32(ip + IPH_DST, ip_src);

    match: {
      // Sent to one of our addresses: reply from it.
      const chain = INADDR_HASH(t);
      for (let i = 0; i < chain.length; i++) if (chain[i].ia_addr.sin_addr === t) break match;
      // Sent to a broadcast address of the arrival interface: reply from
      // that interface's address on that subnet.
      let ifp = m.m_pkthdr.rcvif as ifnet | null;
      if (ifp !== null && (ifp.if_flags & IFF_BROADCAST) !== 0) {
        for (let i = 0; i < ifp.if_addrhead.length; i++) {
          const ifa = ifp.if_addrhead[i];
          if (!(ifa instanceof in_ifaddr)) continue;
          if (ifa.ia_broadaddr.sin_addr === t) {
            t = ifa.ia_addr.sin_addr;
            break match;
          }
        }
      }
      // Passing through: net.inet.icmp.reply_from_interface answers from
      // the interface it came in on.
      if (VNET_I32(icmp_rfi) !== 0 && ifp !== null) {
        for (let i = 0; i < ifp.if_addrhead.length; i++) {
          const ifa = ifp.if_addrhead[i];
          if (!(ifa instanceof in_ifaddr)) continue;
          t = ifa.ia_addr.sin_addr;
          break match;
        }
      }
      // net.inet.icmp.reply_src names the interface to answer from.
      const rs = VNET_PTR(reply_src);
      if (rs !== "" && (ifp = ifunit(rs)) !== null) {
        for (let i = 0; i < ifp.if_addrhead.length; i++) {
          const ifa = ifp.if_addrhead[i];
          if (!(ifa instanceof in_ifaddr)) continue;
          t = ifa.ia_addr.sin_addr;
          break match;
        }
      }
      // Last, the address of the interface our route back to the sender
      // uses; no route back, no reply.
      const nh = fib4_lookup(M_GETFIB(m), dv.getUint32(ip + IPH_DST), 0, NHR_NONE, 0);
      if (nh === null) {
        m_freem(m);
        ICMPSTAT_INC(icps_noroute);
        break done;
      }
      t = ifatoia(nh.nh_ifa).ia_addr.sin_addr;
    }
    dv.setUint32(ip + IPH_SRC, t);
    // ip_tos is reflected as it is.
    dv.setUint16(ip + IPH_OFF, 0);
    m.m_buf[ip + IPH_TTL] = V_ip_defttl();

    if (optlen > 0) {
      // Options of the reply: the request's source route turned around,
      // then copies of its record-route and timestamp options.
      opts = ip_srcroute(m);
      if (opts === null) {
        opts = m_gethdr(M_NOWAIT, MT_DATA);
        if (opts !== null) {
          opts.m_len = 4;
          opts.m_dv.setUint32(opts.m_data, 0);
        }
      }
      if (opts !== null) {
        const buf = m.m_buf;
        let cp = ip + IP_HDRLEN;
        let len = 0;
        for (let cnt = optlen; cnt > 0; cnt -= len, cp += len) {
          const opt = buf[cp + IPOPT_OPTVAL];
          if (opt === IPOPT_EOL) break;
          if (opt === IPOPT_NOP) {
            len = 1;
          } else {
            if (cnt < IPOPT_OLEN + 1) break;
            len = buf[cp + IPOPT_OLEN];
            if (len < IPOPT_OLEN + 1 || len > cnt) break;
          }
          // (Options are at most 40 bytes: the copy always fits.)
          if (opt === IPOPT_RR || opt === IPOPT_TS || opt === IPOPT_SECURITY) {
            opts.m_buf.set(buf.subarray(cp, cp + len), opts.m_data + opts.m_len);
            opts.m_len += len;
          }
        }
        // End the list with EOLs up to a 4-byte boundary.
        let c = opts.m_len % 4;
        if (c !== 0) for (; c < 4; c++) opts.m_buf[opts.m_data + opts.m_len++] = IPOPT_EOL;
      }
      ip_stripoptions(m);
    }
    m_tag_delete_nonpersistent(m);
    m.m_flags &= ~(M_BCAST | M_MCAST);
    icmp_send(m, opts);
  }
  if (opts !== null) m_free(opts);
}

/**
 * icmp_verify_redirect_gateway(src, dst, gateway, fibnum): is a redirect
 * acceptable (RFC 1122)?  The new gateway must be directly reachable and
 * not us; the redirect must come from our current gateway for dst; and the
 * route it would replace must go through a gateway and not be a host route.
 */
function icmp_verify_redirect_gateway(src: sockaddr_in, dst: sockaddr_in, gateway: sockaddr_in, fibnum: number): number {
  const ifa = ifa_ifwithnet(gateway, 0, fibnum);
  if (ifa === null) return ENETUNREACH;
  if (ifa_ifwithaddr_check(gateway) !== 0) return EHOSTUNREACH;
  const nh = fib4_lookup(fibnum, dst.sin_addr, 0, NHR_NONE, 0);
  if (nh === null) return EINVAL;
  // Not from our current router for dst: stale or wrong.  Through another
  // interface: a loop.
  if (!sa_equal(src, nh.gw_sa)) return EINVAL;
  if (nh.nh_ifa !== ifa && sa_family(ifa.ifa_addr) !== AF_LINK) return EINVAL;
  // A host route is never overridden, nor a directly reachable prefix.
  if ((nh.nh_flags & NHF_HOST) !== 0) return EEXIST;
  if ((nh.nh_flags & NHF_GATEWAY) === 0) return EEXIST;
  return 0;
}

/** icmp_send: checksum the ICMP message and hand it to ip_output. */
function icmp_send(m: mbuf, opts: mbuf | null): void {
  const ip = m.m_data;
  const hlen = (m.m_buf[ip + IPH_VHL] & 0x0f) << 2;
  m.m_data += hlen;
  m.m_len -= hlen;
  m.m_dv.setUint16(m.m_data + ICMPH_CKSUM, 0);
  m.m_dv.setUint16(m.m_data + ICMPH_CKSUM, in_cksum(m, m.m_dv.getUint16(ip + IPH_LEN) - hlen));
  m.m_data -= hlen;
  m.m_len += hlen;
  m.m_pkthdr.rcvif = null;
  ip_output(m, opts, null, 0, null, null);
}

/** iptime: milliseconds since midnight UTC, the ICMP timestamp, from the
 *  virtual clock. */
export function iptime(): number {
  const [sec, usec] = microtime();
  return ((sec % (24 * 60 * 60)) * 1000 + Math.floor(usec / 1000)) >>> 0;
}

/**
 * ip_next_mtu(mtu, dir): the next plateau of RFC 1191's table, smaller
 * (dir >= 0) or larger (dir < 0) than mtu.
 */
const mtutab = [65535, 32000, 17914, 8166, 4352, 2002, 1492, 1280, 1006, 508, 296, 68, 0];
export function ip_next_mtu(mtu: number, dir: number): number {
  if (dir >= 0) {
    for (let i = 0; i < mtutab.length; i++) if (mtu > mtutab[i]) return mtutab[i];
  } else {
    for (let i = mtutab.length - 1; i >= 0; i--) if (mtu < mtutab[i]) return mtutab[i];
    if (mtu === mtutab[0]) return mtutab[0];
  }
  return 0;
}

// ---------------------------------------------------------------------------
// badport_bandlim: rate limits on ICMP responses (and TCP RSTs).

/**
 * struct counter_rate (sys/sys/counter.h): events in the current second,
 * when that second began, and whether the limit was passed in it.
 */
export class counter_rate {
  cr_rate = 0;
  cr_ticks = 0;
  cr_over = 0;
}

/**
 * counter_ratecheck(cr, limit) (sys/kern/subr_counter.c): count one event.
 * Returns -1 when over the limit this second; 0 when within it; at the
 * first event of a new second, the previous second's count if that was
 * over the limit (for the log message).
 */
export function counter_ratecheck(cr: counter_rate, limit: number): number {
  let val = cr.cr_over;
  const now = ticks;
  if ((now - cr.cr_ticks) >>> 0 >= hz) {
    // A new second: start counting afresh.
    val = cr.cr_rate;
    cr.cr_rate = 0;
    cr.cr_over = 0;
    cr.cr_ticks = now;
    if (val <= limit) val = 0;
  }
  cr.cr_rate++;
  if (cr.cr_over !== 0) return -1;
  if (cr.cr_rate > limit) val = cr.cr_over = -1;
  return val;
}

const icmp_rate_descrs = ["icmp unreach", "icmp ping", "icmp tstamp", "closed port RST", "open port RST", "icmp6 unreach", "sctp ootb"];

class icmp_bandlim_state {
  readonly icmp_rates: counter_rate[] = [];
  readonly icmplim_curr_jitter = new Int32Array(BANDLIM_MAX);
  constructor() {
    for (let i = 0; i < BANDLIM_MAX; i++) this.icmp_rates.push(new counter_rate());
  }
}
const icmp_bandlim = VNET_DEFINE_PTR<icmp_bandlim_state | null>("icmp_rates", null);

function V_icmp_bandlim(): icmp_bandlim_state {
  const st = VNET_PTR(icmp_bandlim);
  KASSERT(st !== null, "badport_bandlim: not initialized in this vnet");
  return st;
}

/** Move the limit of one class by a random amount within +/- jitter, so a
 *  port scan cannot use the limit as a side channel. */
function icmplim_new_jitter(which: number): void {
  KASSERT(which >= 0 && which < BANDLIM_MAX, `icmplim_new_jitter: which ${which}`);
  const j = VNET_I32(icmplim_jitter);
  if (j > 0) V_icmp_bandlim().icmplim_curr_jitter[which] = arc4random_uniform(j * 2 + 1) - j;
}

function icmp_bandlimit_init(): void {
  const st = new icmp_bandlim_state();
  VNET_PTR_SET(icmp_bandlim, st);
  for (let i = 0; i < BANDLIM_MAX; i++) {
    st.icmp_rates[i].cr_ticks = ticks;
    icmplim_new_jitter(i);
  }
}
VNET_SYSINIT("icmp_bandlimit", SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY, icmp_bandlimit_init);
function icmp_bandlimit_uninit(): void {
  VNET_PTR_SET(icmp_bandlim, null);
}
VNET_SYSUNINIT("icmp_bandlimit", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, icmp_bandlimit_uninit);

const LOG_NOTICE = 5;

/**
 * badport_bandlim(which): may one more response of this class go out?
 * 0 yes, -1 no (net.inet.icmp.icmplim per second, 0 = no limit).
 */
export function badport_bandlim(which: number): number {
  if (VNET_I32(icmplim) === 0 || which === BANDLIM_UNLIMITED) return 0;
  KASSERT(which >= 0 && which < BANDLIM_MAX, `badport_bandlim: which ${which}`);
  const st = V_icmp_bandlim();
  const limit = VNET_I32(icmplim) + st.icmplim_curr_jitter[which];
  const pps = counter_ratecheck(st.icmp_rates[which], limit);
  if (pps > 0) {
    if (VNET_I32(icmplim_output) !== 0) log(LOG_NOTICE, `Limiting ${icmp_rate_descrs[which]} response from ${pps} to ${limit} packets/sec\n`);
    icmplim_new_jitter(which);
  }
  if (pps === -1) return -1;
  return 0;
}

