// sys/netinet6/icmp6.c (and in6_proto.c's net.inet6.icmp6 knobs of this
// file): ICMPv6 (RFC 4443).  icmp6_input checks length and checksum, counts
// the message in icmp6stat and the interface's icmp6_ifstat, answers echo
// requests (icmp6_reflect picks our source address), hands Neighbor
// Discovery to nd6, MLD to mld6, redirects to icmp6_redirect_input, tells
// the upper protocols about errors (icmp6_notify_error, and the path MTU
// through icmp6_mtudisc_update), and gives everything to the raw ICMPv6
// sockets.  icmp6_error builds an error about a packet, within FreeBSD's
// rules for when not to, rate limited by net.inet6.icmp6.errppslimit on the
// virtual clock; icmp6_redirect_output is a router's redirect.
//
// Departures: FreeBSD 14 keeps a learnt path MTU in the TCP host cache;
// there is no TCP here, so icmp6_mtudisc_update keeps it as FreeBSD did
// before the host cache (and as `route get` shows it): a dynamic host route
// to the destination carrying the lower MTU, which ip6_output's path MTU
// lookup reads.  The node information queries (RFC 4620) are answered only
// for the NOOP and supported-types queries and the hostname; no SEND hook,
// no IPsec, no MAC.

import { MT_DATA, M_BCAST, M_GETFIB, M_MCAST, M_PKTHDR, M_SETFIB, M_TRAILINGSPACE, M_WRITABLE, MHLEN, type mbuf } from "../kern/mbuf.ts";
import { m_freem, m_getcl, m_gethdr } from "../kern/kern_mbuf.ts";
import { M_PREPEND, m_adj, m_copydata, m_copym, m_move_pkthdr, m_pullup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { M_COPYALL } from "../kern/mbuf.ts";
import { ECONNREFUSED, EHOSTUNREACH, EINVAL, EMSGSIZE, ENOPROTOOPT } from "../kern/errno.ts";
import { AF_INET6 } from "../kern/socket.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, SYSCTL_INT } from "../kern/sysctl.ts";
import { hz, ticks } from "../kern/kern_timeout.ts";
import { time_second } from "../net/route/nhop_ctl.ts";
import { SOPT_GET, SOPT_SET, sooptcopyin_bytes, sooptcopyout_bytes, type socket, type sockopt } from "../kern/uipc_socket.ts";
import { VNET_DEFINE_INT, VNET_I32, VNET_I32_SET } from "../net/vnet.ts";
import type { ifnet } from "../net/if.ts";
import { RTAX_DST, RTAX_GATEWAY, RTF_DYNAMIC, RTF_GATEWAY, RTF_HOST, RTM_ADD, RTM_CHANGE, RTV_EXPIRE, RTV_MTU, rib_add_redirect, rt_addrinfo, rt_metrics } from "../net/route.ts";
import { rib_action, rib_cmd_info } from "../net/route/route_ctl.ts";
import { NHF_GATEWAY, NHF_HOST, type nhop_object } from "../net/route/nhop.ts";
import { V_rt_numfibs } from "../net/route/route_tables.ts";
import { LLE_MAX_LINKHDR, LLE_VALID } from "../net/if_llatbl.ts";
import { sotoinpcb, type inpcb } from "../netinet/in_pcb.ts";
import {
  ICMP6_DST_UNREACH,
  ICMP6_DST_UNREACH_ADDR,
  ICMP6_DST_UNREACH_ADMIN,
  ICMP6_DST_UNREACH_BEYONDSCOPE,
  ICMP6_DST_UNREACH_NOPORT,
  ICMP6_DST_UNREACH_NOROUTE,
  ICMP6_ECHO_REPLY,
  ICMP6_ECHO_REQUEST,
  ICMP6_FILTER,
  ICMP6_HDR_LEN,
  ICMP6_INFOMSG_MASK,
  ICMP6_NI_REPLY,
  ICMP6_OFF_CKSUM,
  ICMP6_OFF_CODE,
  ICMP6_OFF_MTU,
  ICMP6_OFF_PPTR,
  ICMP6_OFF_TYPE,
  ICMP6_PACKET_TOO_BIG,
  ICMP6_PARAMPROB_HEADER,
  ICMP6_PARAMPROB_NEXTHEADER,
  ICMP6_PARAMPROB_OPTION,
  ICMP6_PARAM_PROB,
  ICMP6_ROUTER_RENUMBERING,
  ICMP6_TIME_EXCEEDED,
  ICMP6_TIME_EXCEED_REASSEMBLY,
  ICMP6_TIME_EXCEED_TRANSIT,
  ICMP6_WRUREPLY,
  ICMP6_WRUREQUEST,
  ICMP6STAT_INC,
  ICMP6STAT_INC2,
  ICMPV6_PLD_MAXLEN,
  IPPROTO_ICMPV6,
  MLDV2_LISTENER_REPORT,
  MLD_LISTENER_DONE,
  MLD_LISTENER_QUERY,
  MLD_LISTENER_REPORT,
  ND_NA_LEN,
  ND_NEIGHBOR_ADVERT,
  ND_NEIGHBOR_SOLICIT,
  ND_NS_LEN,
  ND_OPT_REDIRECTED_HEADER,
  ND_OPT_TARGET_LINKADDR,
  ND_RA_LEN,
  ND_RD_OFF_DST,
  ND_RD_OFF_TARGET,
  ND_REDIRECT,
  ND_REDIRECT_LEN,
  ND_ROUTER_ADVERT,
  ND_ROUTER_SOLICIT,
  ND_RS_LEN,
  _net_inet6_icmp6,
  ICMP6_NI_SUBJ_FQDN,
  ICMP6_NI_SUBJ_IPV6,
  ICMP6_NI_SUCCESS,
  ICMP6_NODEINFO_LEN,
  ICMP6_ROUTER_RENUMBERING_COMMAND,
  ICMP6_ROUTER_RENUMBERING_RESULT,
  ICMP6_ROUTER_RENUM_LEN,
  ND_REDIRECT_ONLINK,
  ND_REDIRECT_ROUTER,
  NI_QTYPE_FQDN,
  NI_QTYPE_NOOP,
  NI_QTYPE_SUPTYPES,
  icmp6_filter,
  ICMP6_FILTER_WILLBLOCK,
  icp6errs_dst_unreach_addr,
  icp6errs_dst_unreach_admin,
  icp6errs_dst_unreach_beyondscope,
  icp6errs_dst_unreach_noport,
  icp6errs_dst_unreach_noroute,
  icp6errs_packet_too_big,
  icp6errs_paramprob_header,
  icp6errs_paramprob_nextheader,
  icp6errs_paramprob_option,
  icp6errs_redirect,
  icp6errs_time_exceed_reassembly,
  icp6errs_time_exceed_transit,
  icp6errs_unknown,
  icp6s_badcode,
  icp6s_badlen,
  icp6s_badredirect,
  icp6s_canterror,
  icp6s_checksum,
  icp6s_error,
  icp6s_inhist,
  icp6s_invlhlim,
  icp6s_outerrhist,
  icp6s_outhist,
  icp6s_pmtuchg,
  icp6s_reflect,
  icp6s_toofreq,
  icp6s_tooshort,
} from "../netinet/icmp6.ts";
import {
  IP6E_OFF_LEN,
  IP6E_OFF_NXT,
  IP6F_OFF_MASK,
  IP6F_OFF_NXT,
  IP6F_OFF_OFFLG,
  IP6R_OFF_LEN,
  IP6R_OFF_NXT,
  IP6R_OFF_SEGLEFT,
  IP6R_OFF_TYPE,
  IP6_FRAG_LEN,
  IP6_HDR_LEN,
  IP6_OFF_DST,
  IP6_OFF_FLOW,
  IP6_OFF_HLIM,
  IP6_OFF_NXT,
  IP6_OFF_PLEN,
  IP6_OFF_SRC,
  IP6_RTHDR_LEN,
  IPV6_FLOWLABEL_MASK,
  IPV6_MMTU,
  IPV6_RTHDR_TYPE_0,
  IPV6_VERSION,
  IPV6_VERSION_MASK,
} from "../netinet/ip6.ts";
import { in6ifa_ifpforlinklocal, in6ifa_ifwithaddr } from "./in6.ts";
import { IPPROTO_DONE, IPPROTO_IPV6, IP6STAT_INC, M_FRAGMENTED, M_RTALERT_MLD, ip6ctlparam, ip6s_exthdrtoolong, ip6s_notmember, type intp, type mbufp } from "./ip6_var.ts";
import { in6_cksum } from "./in6_cksum.ts";
import { ip6_ctlprotox, ip6_lasthdr } from "./ip6_input.ts";
import { ip6_output } from "./ip6_output.ts";
import { in6_clearscope, in6_setscope, sa6_recoverscope } from "./scope6.ts";
import { in6_selectsrc_addr } from "./in6_src.ts";
import { fib6_lookup } from "./in6_fib.ts";
import { ND_IFINFO, nd6_cache_lladdr, nd6_is_addr_neighbor, nd6_lookup, nd6_opt_lladdr, nd6_option_init, nd6_options, nd_opts } from "./nd6.ts";
import { nd6_na_input, nd6_ns_input } from "./nd6_nbr.ts";
import { nd6_ra_input, nd6_rs_input } from "./nd6_rtr.ts";
import { rip6_input } from "./raw_ip6.ts";
import { V_ip6_defhlim, V_ip6_forwarding } from "./in6_proto.ts";
import { in6m_lookup } from "./in6_mcast.ts";
import { mld_input } from "./mld6.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_IFF_ANYCAST, IN6_IFF_NOTREADY, IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, IN6_IS_SCOPE_EMBED, icmp6_ifstat_inc, ifs6_in_adminprohib, ifs6_in_discard, ifs6_in_dstunreach, ifs6_in_echo, ifs6_in_echoreply, ifs6_in_error, ifs6_in_msg, ifs6_in_neighboradvert, ifs6_in_neighborsolicit, ifs6_in_paramprob, ifs6_in_pkttoobig, ifs6_in_redirect, ifs6_in_routeradvert, ifs6_in_routersolicit, ifs6_in_timeexceed, ifs6_out_adminprohib, ifs6_out_dstunreach, ifs6_out_echoreply, ifs6_out_error, ifs6_out_msg, ifs6_out_paramprob, ifs6_out_pkttoobig, ifs6_out_redirect, ifs6_out_timeexceed, in6_addr, in6_addr_copy, in6_addr_read, in6_addr_write, in6_ifstat_inc, s6_addr16, s6_addr32, sockaddr_in6 } from "./in6_var.ts";

// ---------------------------------------------------------------------------
// net.inet6.icmp6.* (the knobs in6_proto.c declares for this file).

export const ICMPV6CTL_REDIRACCEPT = 2;
export const ICMPV6CTL_REDIRTIMEOUT = 3;
export const ICMPV6CTL_NODEINFO = 13;
export const ICMPV6CTL_ERRPPSLIMIT = 14;
export const ICMPV6CTL_NODEINFO_OLDMCPREFIX = 25;

// The bits of net.inet6.icmp6.nodeinfo.
export const ICMP6_NODEINFO_FQDNOK = 0x1;
export const ICMP6_NODEINFO_NODEADDROK = 0x2;
export const ICMP6_NODEINFO_TMPADDROK = 0x4;
export const ICMP6_NODEINFO_GLOBALOK = 0x8;

/** V_icmp6_rediraccept: accept redirects (hosts only; a router ignores them). */
export const icmp6_rediraccept = VNET_DEFINE_INT("icmp6_rediraccept", 1);
/** V_icmp6_redirtimeout: lifetime of a route learnt from a redirect, seconds. */
export const icmp6_redirtimeout = VNET_DEFINE_INT("icmp6_redirtimeout", 10 * 60);
/** V_icmp6errppslim: errors sent per second at most (0 none, <0 no limit). */
export const icmp6errppslim = VNET_DEFINE_INT("icmp6errppslim", 100);
/** V_icmp6_nodeinfo: the node information queries answered (off). */
export const icmp6_nodeinfo = VNET_DEFINE_INT("icmp6_nodeinfo", 0);
export const icmp6_nodeinfo_oldmcprefix = VNET_DEFINE_INT("icmp6_nodeinfo_oldmcprefix", 1);
/** ppsratecheck's state: when this second began (ticks) and errors in it. */
const icmp6errppslim_last = VNET_DEFINE_INT("icmp6errppslim_last", 0);
const icmp6errpps_count = VNET_DEFINE_INT("icmp6errpps_count", 0);

SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_REDIRACCEPT, "rediraccept", CTLFLAG_VNET | CTLFLAG_RW, icmp6_rediraccept, 0, "Accept ICMPv6 redirect messages");
SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_REDIRTIMEOUT, "redirtimeout", CTLFLAG_VNET | CTLFLAG_RW, icmp6_redirtimeout, 0, "Delay in seconds before expiring redirect route");
SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_NODEINFO, "nodeinfo", CTLFLAG_VNET | CTLFLAG_RW, icmp6_nodeinfo, 0, "Mask of enabled RFC4620 node information query types");
SYSCTL_INT(
  _net_inet6_icmp6,
  ICMPV6CTL_NODEINFO_OLDMCPREFIX,
  "nodeinfo_oldmcprefix",
  CTLFLAG_VNET | CTLFLAG_RW,
  icmp6_nodeinfo_oldmcprefix,
  0,
  "Join old IPv6 NI group address in draft-ietf-ipngwg-icmp-name-lookup for compatibility with KAME implementation",
);
SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_ERRPPSLIMIT, "errppslimit", CTLFLAG_VNET | CTLFLAG_RW, icmp6errppslim, 0, "Maximum number of ICMPv6 error messages per second");

// Scratch space of the input path (FreeBSD's stack variables): addresses
// read out of the packet and the holders of the mbuf ** / int * arguments.
class icmp6_scratch {
  readonly src = new in6_addr();
  readonly dst = new in6_addr();
  readonly tmp = new in6_addr();
  readonly holder: mbufp = { m: null };
  readonly off: intp = { v: 0 };
  readonly nxt: intp = { v: 0 };
  readonly hlim: intp = { v: 0 };
  readonly outif: { ifp: ifnet | null } = { ifp: null };
  readonly ip6cp = new ip6ctlparam();
  readonly icmp6src = new sockaddr_in6();
  readonly icmp6dst = new sockaddr_in6();
  readonly fromsa = new sockaddr_in6();
  readonly notifymtu = { v: 0 };
  readonly redtgt6 = new in6_addr();
  readonly reddst6 = new in6_addr();
  readonly src6 = new in6_addr();
}
/** Made on first use: this module is reached while in6.ts is still loading. */
let scratch: icmp6_scratch | null = null;
function S(): icmp6_scratch {
  if (scratch === null) scratch = new icmp6_scratch();
  return scratch;
}

/** kmod_icmp6stat_inc: by index, for code outside ICMPv6. */
export function kmod_icmp6stat_inc(statnum: number): void {
  ICMP6STAT_INC(statnum);
}

/** icmp6_errcount: the outgoing error histogram (icp6s_outerrhist). */
function icmp6_errcount(type: number, code: number): void {
  const h = icp6s_outerrhist;
  switch (type) {
    case ICMP6_DST_UNREACH:
      switch (code) {
        case ICMP6_DST_UNREACH_NOROUTE:
          ICMP6STAT_INC(h + icp6errs_dst_unreach_noroute);
          return;
        case ICMP6_DST_UNREACH_ADMIN:
          ICMP6STAT_INC(h + icp6errs_dst_unreach_admin);
          return;
        case ICMP6_DST_UNREACH_BEYONDSCOPE:
          ICMP6STAT_INC(h + icp6errs_dst_unreach_beyondscope);
          return;
        case ICMP6_DST_UNREACH_ADDR:
          ICMP6STAT_INC(h + icp6errs_dst_unreach_addr);
          return;
        case ICMP6_DST_UNREACH_NOPORT:
          ICMP6STAT_INC(h + icp6errs_dst_unreach_noport);
          return;
      }
      break;
    case ICMP6_PACKET_TOO_BIG:
      ICMP6STAT_INC(h + icp6errs_packet_too_big);
      return;
    case ICMP6_TIME_EXCEEDED:
      switch (code) {
        case ICMP6_TIME_EXCEED_TRANSIT:
          ICMP6STAT_INC(h + icp6errs_time_exceed_transit);
          return;
        case ICMP6_TIME_EXCEED_REASSEMBLY:
          ICMP6STAT_INC(h + icp6errs_time_exceed_reassembly);
          return;
      }
      break;
    case ICMP6_PARAM_PROB:
      switch (code) {
        case ICMP6_PARAMPROB_HEADER:
          ICMP6STAT_INC(h + icp6errs_paramprob_header);
          return;
        case ICMP6_PARAMPROB_NEXTHEADER:
          ICMP6STAT_INC(h + icp6errs_paramprob_nextheader);
          return;
        case ICMP6_PARAMPROB_OPTION:
          ICMP6STAT_INC(h + icp6errs_paramprob_option);
          return;
      }
      break;
    case ND_REDIRECT:
      ICMP6STAT_INC(h + icp6errs_redirect);
      return;
  }
  ICMP6STAT_INC(h + icp6errs_unknown);
}

/** in6_splitscope (scope6.c): the address without its embedded zone, and the zone. */
function in6_splitscope(src: in6_addr, dst: in6_addr): number {
  in6_addr_copy(dst, src);
  if (!IN6_IS_SCOPE_EMBED(dst)) return 0;
  const zoneid = s6_addr16(dst, 1);
  dst.s6_addr[2] = 0;
  dst.s6_addr[3] = 0;
  return zoneid;
}

/**
 * icmp6_error2(m, type, code, param, ifp): icmp6_error for a packet whose
 * addresses do not carry their zones yet (the output path): embed ifp's.
 */
export function icmp6_error2(m: mbuf, type: number, code: number, param: number, ifp: ifnet | null): void {
  if (ifp === null) return;
  if (m.m_len < IP6_HDR_LEN) {
    const mm = m_pullup(m, IP6_HDR_LEN);
    if (mm === null) {
      IP6STAT_INC(ip6s_exthdrtoolong);
      return;
    }
    m = mm;
  }
  const ip6 = m.m_data;
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, S().src);
  if (in6_setscope(S().src, ifp, null) !== 0) return;
  in6_addr_write(m.m_buf, ip6 + IP6_OFF_SRC, S().src);
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, S().dst);
  if (in6_setscope(S().dst, ifp, null) !== 0) return;
  in6_addr_write(m.m_buf, ip6 + IP6_OFF_DST, S().dst);
  icmp6_error(m, type, code, param);
}

/**
 * icmp6_error(m, type, code, param): send an ICMPv6 error about the packet m
 * (consumed) back to its source (RFC 4443 2.4): not about a multicast packet
 * (except Packet Too Big and an unrecognized option the sender asked to hear
 * about), not to an unspecified or multicast source, not about an ICMPv6
 * error or redirect, and not more than net.inet6.icmp6.errppslimit a second.
 * param is the MTU of Packet Too Big, the pointer of Parameter Problem.
 */
export function icmp6_error(m: mbuf, type: number, code: number, param: number): void {
  ICMP6STAT_INC(icp6s_error);
  icmp6_errcount(type, code);

  freeit: {
    if (m.m_len < IP6_HDR_LEN) {
      const mm = m_pullup(m, IP6_HDR_LEN);
      if (mm === null) {
        IP6STAT_INC(ip6s_exthdrtoolong);
        return;
      }
      m = mm;
    }
    let oip6 = m.m_data;
    in6_addr_read(m.m_buf, oip6 + IP6_OFF_SRC, S().src);
    in6_addr_read(m.m_buf, oip6 + IP6_OFF_DST, S().dst);

    // Multicast destinations get no error, with RFC 4443's two exceptions.
    if (
      ((m.m_flags & (M_BCAST | M_MCAST)) !== 0 || IN6_IS_ADDR_MULTICAST(S().dst)) &&
      type !== ICMP6_PACKET_TOO_BIG &&
      (type !== ICMP6_PARAM_PROB || code !== ICMP6_PARAMPROB_OPTION)
    )
      break freeit;
    if (IN6_IS_ADDR_UNSPECIFIED(S().src) || IN6_IS_ADDR_MULTICAST(S().src)) break freeit;

    // Never an error about an ICMPv6 error or redirect (informational
    // messages may get one).
    S().nxt.v = -1;
    const off = ip6_lasthdr(m, 0, IPPROTO_IPV6, S().nxt);
    if (off >= 0 && S().nxt.v === IPPROTO_ICMPV6) {
      if (m.m_len < off + ICMP6_HDR_LEN) {
        const mm = m_pullup(m, off + ICMP6_HDR_LEN);
        if (mm === null) {
          IP6STAT_INC(ip6s_exthdrtoolong);
          return;
        }
        m = mm;
      }
      oip6 = m.m_data;
      const itype = m.m_buf[oip6 + off + ICMP6_OFF_TYPE];
      if (itype < ICMP6_ECHO_REQUEST || itype === ND_REDIRECT) {
        ICMP6STAT_INC(icp6s_canterror);
        break freeit;
      }
    }

    if (icmp6_ratelimit(S().src, type, code) !== 0) {
      ICMP6STAT_INC(icp6s_toofreq);
      break freeit;
    }

    // The error quotes as much of the packet as fits in the minimum MTU.
    if (m.m_pkthdr.len >= ICMPV6_PLD_MAXLEN) m_adj(m, ICMPV6_PLD_MAXLEN - m.m_pkthdr.len);

    // The quoted header goes out without zones; the new one keeps them for
    // ip6_output.
    oip6 = m.m_data;
    in6_addr_copy(S().tmp, S().src);
    in6_clearscope(S().tmp);
    in6_addr_write(m.m_buf, oip6 + IP6_OFF_SRC, S().tmp);
    in6_addr_copy(S().tmp, S().dst);
    in6_clearscope(S().tmp);
    in6_addr_write(m.m_buf, oip6 + IP6_OFF_DST, S().tmp);

    const preplen = IP6_HDR_LEN + ICMP6_HDR_LEN;
    const mm = M_PREPEND(m, preplen, M_NOWAIT);
    if (mm === null) return;
    m = mm;
    if (m.m_len < preplen) {
      const mp = m_pullup(m, preplen);
      if (mp === null) return;
      m = mp;
    }
    const nip6 = m.m_data;
    const buf = m.m_buf;
    in6_addr_write(buf, nip6 + IP6_OFF_SRC, S().src);
    in6_addr_write(buf, nip6 + IP6_OFF_DST, S().dst);
    const icmp6 = nip6 + IP6_HDR_LEN;
    buf[icmp6 + ICMP6_OFF_TYPE] = type;
    buf[icmp6 + ICMP6_OFF_CODE] = code;
    m.m_dv.setUint32(icmp6 + ICMP6_OFF_PPTR, param >>> 0);

    ICMP6STAT_INC2(icp6s_outhist, type);
    icmp6_reflect(m, IP6_HDR_LEN);
    return;
  }
  m_freem(m);
}

// ---------------------------------------------------------------------------
// icmp6_input.

/**
 * icmp6_input(mp, offp, proto): an ICMPv6 message for us (*offp is the
 * offset of its header).  Consumes the packet.
 */
export function icmp6_input(mp: mbufp, offp: intp, _proto: number): number {
  let m = mp.m;
  if (m === null) return IPPROTO_DONE;
  const off = offp.v;

  if (m.m_len < off + ICMP6_HDR_LEN) {
    const mm = m_pullup(m, off + ICMP6_HDR_LEN);
    if (mm === null) {
      IP6STAT_INC(ip6s_exthdrtoolong);
      mp.m = null;
      return IPPROTO_DONE;
    }
    m = mm;
  }

  freeit: {
    const icmp6len = m.m_pkthdr.len - off;
    if (icmp6len < ICMP6_HDR_LEN) {
      ICMP6STAT_INC(icp6s_tooshort);
      break freeit;
    }

    const ip6 = m.m_data;
    const ifp = m.m_pkthdr.rcvif as ifnet | null;
    // A multicast message only for groups we joined on that interface (no
    // source filters for ICMPv6).
    in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, S().dst);
    if (IN6_IS_ADDR_MULTICAST(S().dst)) {
      if (ifp === null || in6m_lookup(ifp, S().dst) === null) {
        IP6STAT_INC(ip6s_notmember);
        in6_ifstat_inc(ifp, ifs6_in_discard);
        break freeit;
      }
    }

    const icmp6 = ip6 + off;
    const type = m.m_buf[icmp6 + ICMP6_OFF_TYPE];
    const code = m.m_buf[icmp6 + ICMP6_OFF_CODE];
    if (in6_cksum(m, IPPROTO_ICMPV6, off, icmp6len) !== 0) {
      ICMP6STAT_INC(icp6s_checksum);
      break freeit;
    }

    ICMP6STAT_INC2(icp6s_inhist, type);
    icmp6_ifstat_inc(ifp, ifs6_in_msg);
    if (type < ICMP6_INFOMSG_MASK) icmp6_ifstat_inc(ifp, ifs6_in_error);

    let n: mbuf | null;
    sw: {
      deliver: {
        switch (type) {
          case ICMP6_DST_UNREACH:
            icmp6_ifstat_inc(ifp, ifs6_in_dstunreach);
            switch (code) {
              case ICMP6_DST_UNREACH_ADMIN:
                icmp6_ifstat_inc(ifp, ifs6_in_adminprohib);
                break deliver;
              case ICMP6_DST_UNREACH_NOROUTE:
              case ICMP6_DST_UNREACH_ADDR:
              case ICMP6_DST_UNREACH_BEYONDSCOPE:
              case ICMP6_DST_UNREACH_NOPORT:
                break deliver;
              default:
                ICMP6STAT_INC(icp6s_badcode);
                break sw;
            }

          case ICMP6_PACKET_TOO_BIG:
            icmp6_ifstat_inc(ifp, ifs6_in_pkttoobig);
            // The MTU is checked in icmp6_mtudisc_update.
            break deliver;

          case ICMP6_TIME_EXCEEDED:
            icmp6_ifstat_inc(ifp, ifs6_in_timeexceed);
            switch (code) {
              case ICMP6_TIME_EXCEED_TRANSIT:
              case ICMP6_TIME_EXCEED_REASSEMBLY:
                break deliver;
              default:
                ICMP6STAT_INC(icp6s_badcode);
                break sw;
            }

          case ICMP6_PARAM_PROB:
            icmp6_ifstat_inc(ifp, ifs6_in_paramprob);
            switch (code) {
              case ICMP6_PARAMPROB_NEXTHEADER:
              case ICMP6_PARAMPROB_HEADER:
              case ICMP6_PARAMPROB_OPTION:
                break deliver;
              default:
                ICMP6STAT_INC(icp6s_badcode);
                break sw;
            }

          case ICMP6_ECHO_REQUEST: {
            icmp6_ifstat_inc(ifp, ifs6_in_echo);
            if (code !== 0) {
              ICMP6STAT_INC(icp6s_badcode);
              break sw;
            }
            n = m_copym(m, 0, M_COPYALL, M_NOWAIT);
            if (n === null) break sw; // give up the remote
            let noff: number;
            let nicmp6: number;
            if (!M_WRITABLE(n) || n.m_len < off + ICMP6_HDR_LEN) {
              // A copy sharing clusters is read-only: the reply gets fresh
              // IPv6 and ICMPv6 headers in front of the payload.
              const n0 = n;
              n = m_gethdr(M_NOWAIT, n0.m_type);
              if (n === null) {
                m_freem(n0);
                break sw;
              }
              const n0len = n0.m_pkthdr.len;
              m_move_pkthdr(n, n0);
              const nip6 = n.m_data;
              n.m_buf.set(m.m_buf.subarray(ip6, ip6 + IP6_HDR_LEN), nip6);
              nicmp6 = nip6 + IP6_HDR_LEN;
              n.m_buf.set(m.m_buf.subarray(icmp6, icmp6 + ICMP6_HDR_LEN), nicmp6);
              noff = IP6_HDR_LEN;
              n.m_len = noff + ICMP6_HDR_LEN;
              m_adj(n0, off + ICMP6_HDR_LEN);
              n.m_pkthdr.len = n0len + (noff - off);
              n.m_next = n0;
            } else {
              if (n.m_len < off + ICMP6_HDR_LEN) {
                const nn = m_pullup(n, off + ICMP6_HDR_LEN);
                if (nn === null) {
                  IP6STAT_INC(ip6s_exthdrtoolong);
                  break sw;
                }
                n = nn;
              }
              nicmp6 = n.m_data + off;
              noff = off;
            }
            n.m_buf[nicmp6 + ICMP6_OFF_TYPE] = ICMP6_ECHO_REPLY;
            n.m_buf[nicmp6 + ICMP6_OFF_CODE] = 0;
            ICMP6STAT_INC(icp6s_reflect);
            ICMP6STAT_INC2(icp6s_outhist, ICMP6_ECHO_REPLY);
            icmp6_reflect(n, noff);
            break sw;
          }

          case ICMP6_ECHO_REPLY:
            icmp6_ifstat_inc(ifp, ifs6_in_echoreply);
            if (code !== 0) ICMP6STAT_INC(icp6s_badcode);
            break sw;

          case MLD_LISTENER_QUERY:
          case MLD_LISTENER_REPORT:
          case MLD_LISTENER_DONE:
          case MLDV2_LISTENER_REPORT:
            // MLD is link-local, one hop, and carries a router alert (the
            // hop-by-hop header is gone: ip6_input left a flag).
            if (m.m_buf[ip6 + IP6_OFF_HLIM] !== 1 || (m.m_flags & M_RTALERT_MLD) === 0) break freeit;
            S().holder.m = m;
            if (mld_input(S().holder, off, icmp6len) !== 0) {
              mp.m = null;
              return IPPROTO_DONE;
            }
            if (S().holder.m === null) {
              mp.m = null;
              return IPPROTO_DONE;
            }
            m = S().holder.m;
            break sw;

          case ICMP6_WRUREQUEST: {
            // Node information (RFC 4620), only when asked for.
            if (VNET_I32(icmp6_nodeinfo) === 0) break sw;
            const r = ni6_answer(m, off, icmp6len, code);
            if (r === 1) {
              ICMP6STAT_INC(icp6s_badlen);
              break sw;
            }
            if (r === 2) {
              ICMP6STAT_INC(icp6s_badcode);
              break sw;
            }
            if (r === 3) {
              mp.m = null;
              return IPPROTO_DONE;
            }
            break sw;
          }

          case ICMP6_WRUREPLY:
            if (code !== 0) ICMP6STAT_INC(icp6s_badcode);
            break sw;

          case ND_ROUTER_SOLICIT:
            icmp6_ifstat_inc(ifp, ifs6_in_routersolicit);
            if (code !== 0) {
              ICMP6STAT_INC(icp6s_badcode);
              break sw;
            }
            if (icmp6len < ND_RS_LEN) {
              ICMP6STAT_INC(icp6s_badlen);
              break sw;
            }
            n = m_copym(m, 0, M_COPYALL, M_NOWAIT);
            nd6_rs_input(m, off, icmp6len);
            m = n;
            if (m === null) {
              mp.m = null;
              return IPPROTO_DONE;
            }
            break sw;

          case ND_ROUTER_ADVERT:
            icmp6_ifstat_inc(ifp, ifs6_in_routeradvert);
            if (code !== 0) {
              ICMP6STAT_INC(icp6s_badcode);
              break sw;
            }
            if (icmp6len < ND_RA_LEN) {
              ICMP6STAT_INC(icp6s_badlen);
              break sw;
            }
            n = m_copym(m, 0, M_COPYALL, M_NOWAIT);
            nd6_ra_input(m, off, icmp6len);
            m = n;
            if (m === null) {
              mp.m = null;
              return IPPROTO_DONE;
            }
            break sw;

          case ND_NEIGHBOR_SOLICIT:
            icmp6_ifstat_inc(ifp, ifs6_in_neighborsolicit);
            if (code !== 0) {
              ICMP6STAT_INC(icp6s_badcode);
              break sw;
            }
            if (icmp6len < ND_NS_LEN) {
              ICMP6STAT_INC(icp6s_badlen);
              break sw;
            }
            n = m_copym(m, 0, M_COPYALL, M_NOWAIT);
            nd6_ns_input(m, off, icmp6len);
            m = n;
            if (m === null) {
              mp.m = null;
              return IPPROTO_DONE;
            }
            break sw;

          case ND_NEIGHBOR_ADVERT:
            icmp6_ifstat_inc(ifp, ifs6_in_neighboradvert);
            if (code !== 0) {
              ICMP6STAT_INC(icp6s_badcode);
              break sw;
            }
            if (icmp6len < ND_NA_LEN) {
              ICMP6STAT_INC(icp6s_badlen);
              break sw;
            }
            n = m_copym(m, 0, M_COPYALL, M_NOWAIT);
            nd6_na_input(m, off, icmp6len);
            m = n;
            if (m === null) {
              mp.m = null;
              return IPPROTO_DONE;
            }
            break sw;

          case ND_REDIRECT:
            icmp6_ifstat_inc(ifp, ifs6_in_redirect);
            if (code !== 0) {
              ICMP6STAT_INC(icp6s_badcode);
              break sw;
            }
            if (icmp6len < ND_REDIRECT_LEN) {
              ICMP6STAT_INC(icp6s_badlen);
              break sw;
            }
            n = m_copym(m, 0, M_COPYALL, M_NOWAIT);
            icmp6_redirect_input(m, off);
            m = n;
            if (m === null) {
              mp.m = null;
              return IPPROTO_DONE;
            }
            break sw;

          case ICMP6_ROUTER_RENUMBERING:
            if (code !== ICMP6_ROUTER_RENUMBERING_COMMAND && code !== ICMP6_ROUTER_RENUMBERING_RESULT) {
              ICMP6STAT_INC(icp6s_badcode);
              break sw;
            }
            if (icmp6len < ICMP6_ROUTER_RENUM_LEN) ICMP6STAT_INC(icp6s_badlen);
            break sw;

          default:
            // An unknown error must reach the protocols; an unknown
            // informational message must not.
            if (type < ICMP6_ECHO_REQUEST) break deliver;
            break sw;
        }
      }
      // deliver:
      S().holder.m = m;
      if (icmp6_notify_error(S().holder, off, icmp6len) !== 0) {
        mp.m = null;
        return IPPROTO_DONE;
      }
      m = S().holder.m as mbuf;
    }
    // The message goes to the raw ICMPv6 sockets too.
    S().holder.m = m;
    icmp6_rip6_input(S().holder, offp.v);
    mp.m = null;
    return IPPROTO_DONE;
  }
  m_freem(m);
  mp.m = null;
  return IPPROTO_DONE;
}


/**
 * icmp6_errmap(m, icmp6): the errno an ICMPv6 error stands for, for the
 * protocols' ctlinput; 0 for what they should ignore.  icmp6 is the offset
 * of the ICMPv6 header in m's first mbuf.
 */
export function icmp6_errmap(m: mbuf, icmp6: number): number {
  const type = m.m_buf[m.m_data + icmp6 + ICMP6_OFF_TYPE];
  const code = m.m_buf[m.m_data + icmp6 + ICMP6_OFF_CODE];
  switch (type) {
    case ICMP6_DST_UNREACH:
      switch (code) {
        case ICMP6_DST_UNREACH_NOROUTE:
        case ICMP6_DST_UNREACH_ADDR:
          return EHOSTUNREACH;
        case ICMP6_DST_UNREACH_NOPORT:
        case ICMP6_DST_UNREACH_ADMIN:
          return ECONNREFUSED;
        case ICMP6_DST_UNREACH_BEYONDSCOPE:
          return ENOPROTOOPT;
        default:
          return 0;
      }
    case ICMP6_PACKET_TOO_BIG:
      return EMSGSIZE;
    case ICMP6_TIME_EXCEEDED:
      return code === ICMP6_TIME_EXCEED_TRANSIT ? EHOSTUNREACH : 0;
    case ICMP6_PARAM_PROB:
      switch (code) {
        case ICMP6_PARAMPROB_NEXTHEADER:
          return ECONNREFUSED;
        case ICMP6_PARAMPROB_HEADER:
        case ICMP6_PARAMPROB_OPTION:
          return ENOPROTOOPT;
        default:
          return 0;
      }
    default:
      return 0;
  }
}


/**
 * icmp6_notify_error(mp, off, icmp6len): find the upper protocol of the
 * packet an error quotes (walking its extension headers; a routing header
 * gives the final destination), update the path MTU for Packet Too Big, and
 * call that protocol's ctlinput.  Returns -1 when the packet was freed.
 */
function icmp6_notify_error(mp: mbufp, off: number, icmp6len: number): number {
  let m = mp.m as mbuf;
  freeit: {
    if (icmp6len < ICMP6_HDR_LEN + IP6_HDR_LEN) {
      ICMP6STAT_INC(icp6s_tooshort);
      break freeit;
    }
    if (m.m_len < off + ICMP6_HDR_LEN + IP6_HDR_LEN) {
      const mm = m_pullup(m, off + ICMP6_HDR_LEN + IP6_HDR_LEN);
      if (mm === null) {
        IP6STAT_INC(ip6s_exthdrtoolong);
        mp.m = null;
        return -1;
      }
      m = mm;
    }
    let eip6 = m.m_data + off + ICMP6_HDR_LEN;
    const icmp6type = m.m_buf[m.m_data + off + ICMP6_OFF_TYPE];
    let nxt = m.m_buf[eip6 + IP6_OFF_NXT];
    let eoff = off + ICMP6_HDR_LEN + IP6_HDR_LEN;
    let have_finaldst = false;
    S().icmp6dst.sin6_len = 28;
    S().icmp6dst.sin6_family = AF_INET6;
    S().icmp6dst.sin6_port = 0;
    S().icmp6dst.sin6_flowinfo = 0;
    S().icmp6dst.sin6_scope_id = 0;

    walk: for (;;) {
      switch (nxt) {
        case IPPROTO_HOPOPTS:
        case IPPROTO_DSTOPTS:
        case IPPROTO_AH: {
          if (m.m_len < eoff + 2) {
            const mm = m_pullup(m, eoff + 2);
            if (mm === null) {
              IP6STAT_INC(ip6s_exthdrtoolong);
              mp.m = null;
              return -1;
            }
            m = mm;
          }
          const eh = m.m_data + eoff;
          if (nxt === IPPROTO_AH) eoff += (m.m_buf[eh + IP6E_OFF_LEN] + 2) << 2;
          else eoff += (m.m_buf[eh + IP6E_OFF_LEN] + 1) << 3;
          nxt = m.m_buf[eh + IP6E_OFF_NXT];
          break;
        }
        case IPPROTO_ROUTING: {
          // With a routing header the final destination is its last
          // address (what the path MTU belongs to).
          if (m.m_len < eoff + IP6_RTHDR_LEN) {
            const mm = m_pullup(m, eoff + IP6_RTHDR_LEN);
            if (mm === null) {
              IP6STAT_INC(ip6s_exthdrtoolong);
              mp.m = null;
              return -1;
            }
            m = mm;
          }
          let rth = m.m_data + eoff;
          const rthlen = (m.m_buf[rth + IP6R_OFF_LEN] + 1) << 3;
          if (m.m_buf[rth + IP6R_OFF_SEGLEFT] !== 0 && m.m_buf[rth + IP6R_OFF_TYPE] === IPV6_RTHDR_TYPE_0) {
            if (m.m_len < eoff + rthlen) {
              const mm = m_pullup(m, eoff + rthlen);
              if (mm === null) {
                IP6STAT_INC(ip6s_exthdrtoolong);
                mp.m = null;
                return -1;
              }
              m = mm;
            }
            rth = m.m_data + eoff;
            const len = m.m_buf[rth + IP6R_OFF_LEN];
            const hops = len / 2;
            // A bogus header is ignored.
            if (len % 2 === 0 && hops !== 0) {
              in6_addr_read(m.m_buf, rth + 8 + (hops - 1) * 16, S().icmp6dst.sin6_addr);
              have_finaldst = true;
            }
          }
          eoff += rthlen;
          nxt = m.m_buf[rth + IP6R_OFF_NXT];
          break;
        }
        case IPPROTO_FRAGMENT: {
          if (m.m_len < eoff + IP6_FRAG_LEN) {
            const mm = m_pullup(m, eoff + IP6_FRAG_LEN);
            if (mm === null) {
              IP6STAT_INC(ip6s_exthdrtoolong);
              mp.m = null;
              return -1;
            }
            m = mm;
          }
          const fh = m.m_data + eoff;
          // Only the first fragment says what follows, but the path MTU
          // is worth updating anyway.
          if ((m.m_dv.getUint16(fh + IP6F_OFF_OFFLG) & IP6F_OFF_MASK) !== 0) break walk;
          eoff += IP6_FRAG_LEN;
          nxt = m.m_buf[fh + IP6F_OFF_NXT];
          break;
        }
        default:
          // ESP, no next header, or the upper protocol: notify.
          break walk;
      }
    }

    // notify: the inner addresses as sockaddrs with the arrival zone (the
    // only zone there is to guess).
    const icmp6 = m.m_data + off;
    eip6 = icmp6 + ICMP6_HDR_LEN;
    const rcvif = m.m_pkthdr.rcvif as ifnet | null;
    if (!have_finaldst) in6_addr_read(m.m_buf, eip6 + IP6_OFF_DST, S().icmp6dst.sin6_addr);
    if (rcvif === null || in6_setscope(S().icmp6dst.sin6_addr, rcvif, null) !== 0) break freeit;
    S().icmp6src.sin6_len = 28;
    S().icmp6src.sin6_family = AF_INET6;
    S().icmp6src.sin6_port = 0;
    S().icmp6src.sin6_scope_id = 0;
    in6_addr_read(m.m_buf, eip6 + IP6_OFF_SRC, S().icmp6src.sin6_addr);
    if (in6_setscope(S().icmp6src.sin6_addr, rcvif, null) !== 0) break freeit;
    S().icmp6src.sin6_flowinfo = m.m_dv.getUint32(eip6 + IP6_OFF_FLOW) & IPV6_FLOWLABEL_MASK;

    const ip6cp = S().ip6cp;
    ip6cp.ip6c_m = m;
    ip6cp.ip6c_icmp6 = off;
    ip6cp.ip6c_ip6 = off + ICMP6_HDR_LEN;
    ip6cp.ip6c_off = eoff;
    ip6cp.ip6c_finaldst = S().icmp6dst.sin6_addr;
    ip6cp.ip6c_src = S().icmp6src;
    ip6cp.ip6c_dst = S().icmp6dst;
    ip6cp.ip6c_nxt = nxt;
    ip6cp.ip6c_cmdarg = null;
    if (icmp6type === ICMP6_PACKET_TOO_BIG) {
      S().notifymtu.v = m.m_dv.getUint32(icmp6 + ICMP6_OFF_MTU);
      ip6cp.ip6c_cmdarg = S().notifymtu;
      icmp6_mtudisc_update(ip6cp, true);
    }
    const ctl = ip6_ctlprotox[nxt];
    if (ctl !== null && ctl !== undefined) ctl(ip6cp);
    ip6cp.ip6c_m = null;
    mp.m = m;
    return 0;
  }
  m_freem(m);
  mp.m = null;
  return -1;
}

const IPPROTO_HOPOPTS = 0;
const IPPROTO_ROUTING = 43;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_AH = 51;
const IPPROTO_DSTOPTS = 60;

/** How long a learnt path MTU stays (in6_rmx.c's V_rtq_mtutimeout, 10 minutes). */
const PMTU_EXPIRE = 10 * 60;

/**
 * icmp6_mtudisc_update(ip6cp, validated): a Packet Too Big told us the path
 * to ip6c_finaldst takes at most its MTU.  An abnormally small MTU is
 * ignored; below the IPv6 minimum the path is remembered as needing
 * fragments of IPV6_MMTU - 8.  The lower MTU is kept on a dynamic host
 * route to the destination (see the departures above).
 */
export function icmp6_mtudisc_update(ip6cp: ip6ctlparam, validated: boolean): void {
  const m = ip6cp.ip6c_m;
  const dst = ip6cp.ip6c_finaldst;
  if (m === null || dst === null) return;
  let mtu = m.m_dv.getUint32(m.m_data + ip6cp.ip6c_icmp6 + ICMP6_OFF_MTU);
  if (mtu < IP6_HDR_LEN + IP6_FRAG_LEN + 8) return;
  if (!validated) return;
  if (mtu < IPV6_MMTU) mtu = IPV6_MMTU - 8;

  const rcvif = m.m_pkthdr.rcvif as ifnet | null;
  const fibnum = M_GETFIB(m);
  const scopeid = in6_splitscope(dst, S().tmp);
  const nh = fib6_lookup(fibnum, S().tmp, scopeid, 0, 0);
  if (nh === null || rcvif === null) return;
  // tcp_maxmtu6's question: lower than what we would send now?
  const cur = nh.nh_mtu !== 0 ? nh.nh_mtu : nh.nh_ifp.if_mtu;
  if (mtu >= cur) return;
  if (rt_pmtu_update(fibnum, dst, nh, mtu) === 0) ICMP6STAT_INC(icp6s_pmtuchg);
}

/**
 * Keep a path MTU on the host route to dst: lower the MTU of the host
 * route there is, or add a dynamic one through the same first hop.
 */
function rt_pmtu_update(fibnum: number, dst: in6_addr, nh: nhop_object, mtu: number): number {
  const info = new rt_addrinfo();
  info.rti_info[RTAX_DST] = new sockaddr_in6(dst);
  const rmx = new rt_metrics();
  rmx.rmx_mtu = mtu;
  info.rti_mflags = RTV_MTU;
  info.rti_rmx = rmx;
  if ((nh.nh_flags & NHF_HOST) !== 0) {
    info.rti_flags = RTF_HOST;
    return rib_action(fibnum, RTM_CHANGE, info, new rib_cmd_info());
  }
  rmx.rmx_expire = time_second() + PMTU_EXPIRE;
  info.rti_mflags |= RTV_EXPIRE;
  info.rti_flags = RTF_HOST | RTF_DYNAMIC;
  if ((nh.nh_flags & NHF_GATEWAY) !== 0) {
    info.rti_flags |= RTF_GATEWAY;
    info.rti_info[RTAX_GATEWAY] = new sockaddr_in6(nh.gw6_sa.sin6_addr, 0, nh.gw6_sa.sin6_scope_id);
  } else info.rti_info[RTAX_GATEWAY] = nh.gw_sa;
  info.rti_ifp = nh.nh_ifp;
  info.rti_ifa = nh.nh_ifa;
  return rib_action(fibnum, RTM_ADD, info, new rib_cmd_info());
}

// ---------------------------------------------------------------------------
// Node information queries (RFC 4620), as far as icmp6_input answers them.


/**
 * The ICMP6_WRUREQUEST case of icmp6_input: a who-are-you (the old 12-byte
 * form) or a node information query.  Returns 0 when done with m kept, 1
 * bad length, 2 bad code, 3 when m was consumed.
 */
function ni6_answer(m: mbuf, off: number, icmp6len: number, code: number): number {
  const WRU = icmp6len === ICMP6_HDR_LEN + 4;
  if (!WRU && icmp6len < ICMP6_NODEINFO_LEN) return 1;
  const hostname = ni6_hostname(m);
  if (WRU) {
    if ((VNET_I32(icmp6_nodeinfo) & (ICMP6_NODEINFO_FQDNOK | ICMP6_NODEINFO_TMPADDROK)) !== (ICMP6_NODEINFO_FQDNOK | ICMP6_NODEINFO_TMPADDROK)) return 0;
    if (code !== 0) return 2;
    const n = m_gethdr(M_NOWAIT, m.m_type);
    if (n === null) return 0;
    n.m_pkthdr.rcvif = m.m_pkthdr.rcvif;
    M_SETFIB(n, M_GETFIB(m));
    const ip6 = m.m_data;
    const nip6 = n.m_data;
    n.m_buf.set(m.m_buf.subarray(ip6, ip6 + IP6_HDR_LEN), nip6);
    n.m_buf.set(m.m_buf.subarray(ip6 + off, ip6 + off + ICMP6_HDR_LEN), nip6 + IP6_HDR_LEN);
    const p = nip6 + IP6_HDR_LEN + ICMP6_HDR_LEN;
    n.m_buf.fill(0, p, p + 4);
    let maxhlen = M_TRAILINGSPACE(n) - (IP6_HDR_LEN + ICMP6_HDR_LEN + 4);
    if (maxhlen > hostname.length) maxhlen = hostname.length;
    for (let i = 0; i < maxhlen; i++) n.m_buf[p + 4 + i] = hostname.charCodeAt(i) & 0xff;
    n.m_pkthdr.len = n.m_len = IP6_HDR_LEN + ICMP6_HDR_LEN + 4 + maxhlen;
    n.m_buf[nip6 + IP6_HDR_LEN + ICMP6_OFF_TYPE] = ICMP6_WRUREPLY;
    n.m_buf[nip6 + IP6_HDR_LEN + ICMP6_OFF_CODE] = 0;
    ICMP6STAT_INC(icp6s_reflect);
    ICMP6STAT_INC2(icp6s_outhist, ICMP6_WRUREPLY);
    icmp6_reflect(n, IP6_HDR_LEN);
    return 0;
  }
  if (m.m_len < off + ICMP6_NODEINFO_LEN) return 0;
  const n = ni6_input(m, off, icmp6len, hostname);
  if (n !== null) {
    ICMP6STAT_INC(icp6s_reflect);
    ICMP6STAT_INC2(icp6s_outhist, ICMP6_WRUREPLY);
    icmp6_reflect(n, IP6_HDR_LEN);
  }
  return 0;
}

/** The name of the prison of the receiving vnet (pr_hostname). */
let ni6_hostname_hook: ((m: mbuf) => string) | null = null;
/** kern_jail.ts tells icmp6 how to find a vnet's hostname. */
export function set_ni6_hostname_hook(f: ((m: mbuf) => string) | null): void {
  ni6_hostname_hook = f;
}
function ni6_hostname(m: mbuf): string {
  return ni6_hostname_hook !== null ? ni6_hostname_hook(m) : "";
}

/**
 * ni6_input(m, off): a node information reply to the query at off, or
 * null.  Answered: NOOP, supported qtypes, and the FQDN (the hostname);
 * node addresses are refused as "unknown".  Queries from global sources
 * need ICMP6_NODEINFO_GLOBALOK, as RFC 4620 asks.
 */
function ni6_input(m: mbuf, off: number, icmp6len: number, hostname: string): mbuf | null {
  const ip6 = m.m_data;
  const ni6 = ip6 + off;
  const dv = m.m_dv;
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, S().src);
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, S().dst);
  const ni = VNET_I32(icmp6_nodeinfo);
  if ((ni & ICMP6_NODEINFO_GLOBALOK) === 0 && !(s_addr_is_loopback(S().src) || IN6_IS_ADDR_LINKLOCAL(S().src))) return null;
  if (IN6_IS_ADDR_MULTICAST(S().dst)) {
    if ((S().dst.s6_addr[1] & 0x0f) !== 2) return null;
  } else if (in6ifa_ifwithaddr(S().dst, 0) === null) return null;
  let qtype = dv.getUint16(ni6 + 4);
  const nicode = m.m_buf[ni6 + ICMP6_OFF_CODE];
  const subjlen = icmp6len - ICMP6_NODEINFO_LEN;
  let oldfqdn = false;
  // The subject: none for NOOP and SUPTYPES asked with an empty name;
  // else (and for FQDN) our own address, the destination of the query.
  const needs_subject = qtype === NI_QTYPE_FQDN || ((qtype === NI_QTYPE_NOOP || qtype === NI_QTYPE_SUPTYPES) && !(nicode === ICMP6_NI_SUBJ_FQDN && subjlen === 0));
  if (needs_subject) {
    if (nicode !== ICMP6_NI_SUBJ_IPV6) return null;
    if (qtype === NI_QTYPE_FQDN && subjlen === 0) oldfqdn = true;
    else {
      if (subjlen !== 16) return null;
      in6_addr_read(m.m_buf, ni6 + ICMP6_NODEINFO_LEN, S().tmp);
      const rcvif = m.m_pkthdr.rcvif as ifnet | null;
      if (rcvif === null || in6_setscope(S().tmp, rcvif, null) !== 0) return null;
      if (!IN6_ARE_ADDR_EQUAL(S().dst, S().tmp)) return null;
    }
  }
  if (qtype === NI_QTYPE_FQDN && (ni & ICMP6_NODEINFO_FQDNOK) === 0) return null;
  if (qtype !== NI_QTYPE_NOOP && qtype !== NI_QTYPE_SUPTYPES && qtype !== NI_QTYPE_FQDN) {
    // Older versions sent anything here: taken as an FQDN query.
    if ((ni & ICMP6_NODEINFO_FQDNOK) === 0) return null;
    qtype = NI_QTYPE_FQDN;
    oldfqdn = true;
  }
  const name = qtype === NI_QTYPE_FQDN ? ni6_nametodns(hostname, oldfqdn) : null;
  if (qtype === NI_QTYPE_FQDN && name === null) return null;
  let replylen = IP6_HDR_LEN + ICMP6_NODEINFO_LEN;
  if (qtype === NI_QTYPE_SUPTYPES) replylen += 4;
  if (qtype === NI_QTYPE_FQDN && name !== null) replylen += 4 + name.length;
  const n = replylen > MHLEN ? m_getcl(M_NOWAIT, m.m_type, M_PKTHDR) : m_gethdr(M_NOWAIT, m.m_type);
  if (n === null) return null;
  n.m_pkthdr.rcvif = m.m_pkthdr.rcvif;
  M_SETFIB(n, M_GETFIB(m));
  n.m_pkthdr.len = n.m_len = replylen;
  const nip6 = n.m_data;
  n.m_buf.set(m.m_buf.subarray(ip6, ip6 + IP6_HDR_LEN), nip6);
  const nni6 = nip6 + IP6_HDR_LEN;
  n.m_buf.set(m.m_buf.subarray(ni6, ni6 + ICMP6_NODEINFO_LEN), nni6);
  n.m_dv.setUint16(nni6 + 4, qtype);
  n.m_buf[nni6 + ICMP6_OFF_CODE] = ICMP6_NI_SUCCESS;
  n.m_dv.setUint16(nni6 + 6, 0);
  if (qtype === NI_QTYPE_SUPTYPES) n.m_dv.setUint32(nni6 + ICMP6_NODEINFO_LEN, 0x0000000f);
  if (qtype === NI_QTYPE_FQDN && name !== null) {
    n.m_dv.setUint32(nni6 + ICMP6_NODEINFO_LEN, 0);
    n.m_buf.set(name, nni6 + ICMP6_NODEINFO_LEN + 4);
  }
  n.m_buf[nni6 + ICMP6_OFF_TYPE] = ICMP6_NI_REPLY;
  return n;
}

function s_addr_is_loopback(a: in6_addr): boolean {
  return s6_addr32(a, 0) === 0 && s6_addr32(a, 1) === 0 && s6_addr32(a, 2) === 0 && s6_addr32(a, 3) === 1;
}

/** ni6_nametodns: a name in DNS wire form (a Pascal string for the old form);
 *  a name with fewer than two dots ends in two zero bytes (truncated). */
function ni6_nametodns(name: string, old: boolean): Uint8Array | null {
  if (old) {
    const b = new Uint8Array(name.length + 1);
    b[0] = name.length;
    for (let i = 0; i < name.length; i++) b[i + 1] = name.charCodeAt(i) & 0xff;
    return b;
  }
  if (name.length === 0) return new Uint8Array(0);
  const dots = name.split("").filter((c) => c === ".").length;
  const nterm = dots < 2 ? 2 : 1;
  const out: number[] = [];
  for (const label of name.replace(/\.$/, "").split(".")) {
    if (label.length <= 0 || label.length >= 64) return null;
    out.push(label.length);
    for (let i = 0; i < label.length; i++) out.push(label.charCodeAt(i) & 0xff);
  }
  for (let i = 0; i < nterm; i++) out.push(0);
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------
// Raw ICMPv6 sockets.

/** in6p_icmp6filt of each raw ICMPv6 socket (ICMP6_FILTER): pass-all when unset. */
const icmp6filt = new WeakMap<inpcb, icmp6_filter>();

/** The ICMP6_FILTER of a raw socket's PCB, or null when it passes everything. */
export function in6p_icmp6filt(inp: inpcb): icmp6_filter | null {
  return icmp6filt.get(inp) ?? null;
}

/** ICMP6_FILTER_WILLBLOCK for a socket: does its filter drop this type? */
export function icmp6_filter_willblock(inp: inpcb, type: number): boolean {
  const f = icmp6filt.get(inp);
  return f !== undefined && ICMP6_FILTER_WILLBLOCK(type, f);
}

/**
 * icmp6_rip6_input(mp, off): hand the message to the raw ICMPv6 sockets
 * (rip6_input delivers, each socket's ICMP6_FILTER decides).  Consumes it.
 */
function icmp6_rip6_input(mp: mbufp, off: number): number {
  const m = mp.m;
  if (m === null) return IPPROTO_DONE;
  // The sender's address without its zone must be expressible.
  in6_addr_read(m.m_buf, m.m_data + IP6_OFF_SRC, S().fromsa.sin6_addr);
  S().fromsa.sin6_scope_id = 0;
  if (sa6_recoverscope(S().fromsa) !== 0) {
    m_freem(m);
    mp.m = null;
    return IPPROTO_DONE;
  }
  S().off.v = off;
  rip6_input(mp, S().off, IPPROTO_ICMPV6);
  mp.m = null;
  return IPPROTO_DONE;
}

/**
 * icmp6_ctloutput(so, sopt): the IPPROTO_ICMPV6 level of a raw socket, the
 * ICMP6_FILTER option (32 bytes, a bit per type, set = pass).
 */
export function icmp6_ctloutput(so: socket, sopt: sockopt): number {
  const inp = sotoinpcb(so);
  if (sopt.sopt_level !== IPPROTO_ICMPV6) return EINVAL;
  switch (sopt.sopt_dir) {
    case SOPT_SET:
      switch (sopt.sopt_name) {
        case ICMP6_FILTER: {
          if (sopt.sopt_valsize !== ICMP6_FILTER_LEN) return EMSGSIZE;
          const { error, val } = sooptcopyin_bytes(sopt, ICMP6_FILTER_LEN, ICMP6_FILTER_LEN);
          if (error !== 0) return error;
          const f = new icmp6_filter();
          f.icmp6_filt.set(val.subarray(0, ICMP6_FILTER_LEN));
          icmp6filt.set(inp, f);
          return 0;
        }
        default:
          return ENOPROTOOPT;
      }
    case SOPT_GET:
      switch (sopt.sopt_name) {
        case ICMP6_FILTER: {
          const f = icmp6filt.get(inp);
          const b = new Uint8Array(ICMP6_FILTER_LEN);
          if (f === undefined) b.fill(0xff);
          else b.set(f.icmp6_filt);
          return sooptcopyout_bytes(sopt, b);
        }
        default:
          return ENOPROTOOPT;
      }
  }
  return 0;
}
const ICMP6_FILTER_LEN = 32;

// ---------------------------------------------------------------------------
// icmp6_reflect.

/**
 * icmp6_reflect(m, off): send the message (ICMPv6 header at off) back to
 * the packet's source.  Extension headers before it are dropped.  Our
 * source: the address the packet was sent to when it is ours and usable
 * (not anycast, not tentative), with the arrival interface's hop limit;
 * otherwise what source selection picks toward the sender.  Consumes m.
 */
function icmp6_reflect(m: mbuf, off: number): void {
  bad: {
    if (off < IP6_HDR_LEN) break bad;
    if (off > IP6_HDR_LEN) {
      // Keep the IPv6 header, drop what sat between it and ICMPv6.
      const nip6 = new Uint8Array(IP6_HDR_LEN);
      m_copydata(m, 0, IP6_HDR_LEN, nip6);
      m_adj(m, off - IP6_HDR_LEN);
      const l = IP6_HDR_LEN + ICMP6_HDR_LEN;
      if (m.m_len < l) {
        const mm = m_pullup(m, l);
        if (mm === null) return;
        m = mm;
      }
      m.m_buf.set(nip6, m.m_data);
    } else {
      const l = IP6_HDR_LEN + ICMP6_HDR_LEN;
      if (m.m_len < l) {
        const mm = m_pullup(m, l);
        if (mm === null) return;
        m = mm;
      }
    }
    const plen = m.m_pkthdr.len - IP6_HDR_LEN;
    const ip6 = m.m_data;
    const buf = m.m_buf;
    buf[ip6 + IP6_OFF_NXT] = IPPROTO_ICMPV6;
    const icmp6 = ip6 + IP6_HDR_LEN;
    const type = buf[icmp6 + ICMP6_OFF_TYPE];
    const code = buf[icmp6 + ICMP6_OFF_CODE];
    let hlim = 0;
    let have_src = false;

    in6_addr_read(buf, ip6 + IP6_OFF_DST, S().dst);
    in6_addr_read(buf, ip6 + IP6_OFF_SRC, S().src);
    if (!IN6_IS_ADDR_MULTICAST(S().dst)) {
      const ia = in6ifa_ifwithaddr(S().dst, 0);
      if (ia !== null && (ia.ia6_flags & (IN6_IFF_ANYCAST | IN6_IFF_NOTREADY)) === 0) {
        in6_addr_copy(S().tmp, ia.ia_addr.sin6_addr);
        have_src = true;
        const rcvif = m.m_pkthdr.rcvif as ifnet | null;
        hlim = rcvif !== null ? ND_IFINFO(rcvif).chlim : V_ip6_defhlim();
      }
    }
    if (!have_src) {
      // Multicast, anycast, or not ours: choose a source toward the sender.
      const scopeid = in6_splitscope(S().src, S().dst);
      S().hlim.v = 0;
      const error = in6_selectsrc_addr(M_GETFIB(m), S().dst, scopeid, null, S().tmp, S().hlim);
      if (error !== 0) break bad;
      hlim = S().hlim.v;
    }
    // ip6_input drops multicast sources: the new destination is unicast.
    in6_addr_write(buf, ip6 + IP6_OFF_DST, S().src);
    in6_addr_write(buf, ip6 + IP6_OFF_SRC, S().tmp);
    m.m_dv.setUint32(ip6 + IP6_OFF_FLOW, 0);
    buf[ip6 + IP6_OFF_FLOW] = (buf[ip6 + IP6_OFF_FLOW] & ~IPV6_VERSION_MASK) | IPV6_VERSION;
    buf[ip6 + IP6_OFF_NXT] = IPPROTO_ICMPV6;
    buf[ip6 + IP6_OFF_HLIM] = hlim;
    m.m_dv.setUint16(ip6 + IP6_OFF_PLEN, plen & 0xffff);

    m.m_dv.setUint16(icmp6 + ICMP6_OFF_CKSUM, 0);
    m.m_dv.setUint16(icmp6 + ICMP6_OFF_CKSUM, in6_cksum(m, IPPROTO_ICMPV6, IP6_HDR_LEN, plen));

    m.m_flags &= ~(M_BCAST | M_MCAST);
    m.m_pkthdr.rcvif = null;
    const outif = S().outif;
    outif.ifp = null;
    ip6_output(m, null, null, 0, null, outif, null);
    if (outif.ifp !== null) icmp6_ifoutstat_inc(outif.ifp, type, code);
    outif.ifp = null;
    return;
  }
  m_freem(m);
}

/** icmp6_ifoutstat_inc (in6.c): the outgoing per-interface ICMPv6 counters. */
export function icmp6_ifoutstat_inc(ifp: ifnet, type: number, code: number): void {
  icmp6_ifstat_inc(ifp, ifs6_out_msg);
  if (type < ICMP6_INFOMSG_MASK) icmp6_ifstat_inc(ifp, ifs6_out_error);
  switch (type) {
    case ICMP6_DST_UNREACH:
      icmp6_ifstat_inc(ifp, ifs6_out_dstunreach);
      if (code === ICMP6_DST_UNREACH_ADMIN) icmp6_ifstat_inc(ifp, ifs6_out_adminprohib);
      break;
    case ICMP6_PACKET_TOO_BIG:
      icmp6_ifstat_inc(ifp, ifs6_out_pkttoobig);
      break;
    case ICMP6_TIME_EXCEEDED:
      icmp6_ifstat_inc(ifp, ifs6_out_timeexceed);
      break;
    case ICMP6_PARAM_PROB:
      icmp6_ifstat_inc(ifp, ifs6_out_paramprob);
      break;
    case ICMP6_ECHO_REPLY:
      icmp6_ifstat_inc(ifp, ifs6_out_echoreply);
      break;
    case ND_REDIRECT:
      icmp6_ifstat_inc(ifp, ifs6_out_redirect);
      break;
  }
}

// ---------------------------------------------------------------------------
// Redirects.


/**
 * icmp6_redirect_input(m, off): a router tells us a better first hop (or
 * that the destination is on-link).  Only hosts take it (not with
 * net.inet6.ip6.forwarding, nor without net.inet6.icmp6.rediraccept), only
 * from the link-local address of our current router for that destination,
 * with hop limit 255, not fragmented.  The target's link-layer address goes
 * to the neighbor cache, and a dynamic host route is installed in every fib
 * for net.inet6.icmp6.redirtimeout seconds.  Consumes m.
 */
// nd6.ts and this file import each other: made on first use.
let rd_opts_p: nd_opts | null = null;
/** The target link-layer address of a redirect, copied out of its option. */
let rd_lladdr = new Uint8Array(0);

export function icmp6_redirect_input(m: mbuf, off: number): void {
  freeit: {
    bad: {
      if (V_ip6_forwarding() !== 0) break freeit;
      if (VNET_I32(icmp6_rediraccept) === 0) break freeit;
      // RFC 6980: never from fragments.
      if ((m.m_flags & M_FRAGMENTED) !== 0) break freeit;

      let ip6 = m.m_data;
      let icmp6len = m.m_dv.getUint16(ip6 + IP6_OFF_PLEN);
      if (m.m_len < off + icmp6len) {
        const mm = m_pullup(m, off + icmp6len);
        if (mm === null) {
          IP6STAT_INC(ip6s_exthdrtoolong);
          return;
        }
        m = mm;
      }
      ip6 = m.m_data;
      const nd_rd = ip6 + off;
      const ifp = m.m_pkthdr.rcvif as ifnet | null;
      if (ifp === null) break freeit;
      in6_addr_read(m.m_buf, nd_rd + ND_RD_OFF_TARGET, S().redtgt6);
      in6_addr_read(m.m_buf, nd_rd + ND_RD_OFF_DST, S().reddst6);
      if (in6_setscope(S().redtgt6, ifp, null) !== 0 || in6_setscope(S().reddst6, ifp, null) !== 0) break freeit;

      in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, S().src6);
      if (!IN6_IS_ADDR_LINKLOCAL(S().src6)) break bad;
      if (m.m_buf[ip6 + IP6_OFF_HLIM] !== 255) {
        ICMP6STAT_INC(icp6s_invlhlim);
        break bad;
      }
      {
        // The redirect must come from our gateway toward its destination.
        const scopeid = in6_splitscope(S().reddst6, S().tmp);
        const nh = fib6_lookup(ifp.if_fib, S().tmp, scopeid, 0, 0);
        if (nh === null) break bad;
        if ((nh.nh_flags & NHF_GATEWAY) === 0) break bad;
        if (!IN6_ARE_ADDR_EQUAL(S().src6, nh.gw6_sa.sin6_addr)) break bad;
      }
      if (IN6_IS_ADDR_MULTICAST(S().reddst6)) break bad;

      const is_router = IN6_IS_ADDR_LINKLOCAL(S().redtgt6);
      const is_onlink = IN6_ARE_ADDR_EQUAL(S().redtgt6, S().reddst6);
      if (!is_router && !is_onlink) break bad;

      icmp6len -= ND_REDIRECT_LEN;
      if (rd_opts_p === null) {
        rd_opts_p = new nd_opts();
        rd_lladdr = new Uint8Array(LLE_MAX_LINKHDR);
      }
      const rd_opts = rd_opts_p;
      nd6_option_init(nd_rd + ND_REDIRECT_LEN, icmp6len, rd_opts);
      // nd6_options counted what was wrong.
      if (nd6_options(m.m_buf, rd_opts) < 0) break freeit;
      let lladdr: Uint8Array | null = null;
      let lladdrlen = 0;
      const tll = rd_opts.nd_opts_tgt_lladdr;
      if (tll >= 0) {
        lladdrlen = nd6_opt_lladdr(m.m_buf, tll, rd_lladdr);
        lladdr = rd_lladdr;
      }
      if (lladdr !== null && ((ifp.if_addrlen + 2 + 7) & ~7) !== lladdrlen) break bad;

      // RFC 4861 8.3.
      nd6_cache_lladdr(ifp, S().redtgt6, lladdr, lladdrlen, ND_REDIRECT, is_onlink ? ND_REDIRECT_ONLINK : ND_REDIRECT_ROUTER);

      // A gateway route to the better router, or an interface route for
      // an on-link destination; each route owns its sockaddrs.
      for (let fibnum = 0; fibnum < V_rt_numfibs(); fibnum++) {
        const sdst = new sockaddr_in6(S().reddst6);
        const ssrc = new sockaddr_in6(S().src6);
        if (is_router) rib_add_redirect(fibnum, sdst, new sockaddr_in6(S().redtgt6), ssrc, ifp, RTF_GATEWAY, VNET_I32(icmp6_redirtimeout));
        else if (ifp.if_addr !== null) rib_add_redirect(fibnum, sdst, ifp.if_addr.ifa_addr, ssrc, ifp, 0, VNET_I32(icmp6_redirtimeout));
      }
      break freeit;
    }
    ICMP6STAT_INC(icp6s_badredirect);
  }
  m_freem(m);
}


/**
 * icmp6_redirect_output(m0, nh): as a router that forwarded m0 back out the
 * interface it came in on, tell its source (a neighbor) of the better first
 * hop: the gateway of nh, or the destination itself when it is on-link.  The
 * redirect carries the target's link-layer address when known and as much
 * of m0 as fits in IPV6_MMTU.  Consumes m0.
 */
export function icmp6_redirect_output(m0: mbuf, nh: nhop_object): void {
  let m: mbuf | null = null;
  icmp6_errcount(ND_REDIRECT, 0);
  fail: {
    if (V_ip6_forwarding() === 0) break fail;
    const ifp = nh.nh_ifp;
    const sip6 = m0.m_data;
    const src_sa = new sockaddr_in6();
    in6_addr_read(m0.m_buf, sip6 + IP6_OFF_SRC, src_sa.sin6_addr);
    in6_addr_read(m0.m_buf, sip6 + IP6_OFF_DST, S().dst);
    if (!nd6_is_addr_neighbor(src_sa, ifp)) break fail;
    if (IN6_IS_ADDR_MULTICAST(S().dst)) break fail;
    if (icmp6_ratelimit(src_sa.sin6_addr, ND_REDIRECT, 0) !== 0) break fail;

    m = m_getcl(M_NOWAIT, MT_DATA, M_PKTHDR);
    if (m === null) break fail;
    M_SETFIB(m, M_GETFIB(m0));
    let maxlen = M_TRAILINGSPACE(m);
    maxlen = Math.min(IPV6_MMTU, maxlen);
    if (maxlen < IP6_HDR_LEN + ICMP6_HDR_LEN + ((2 + ifp.if_addrlen + 7) & ~7)) break fail;

    const ia = in6ifa_ifpforlinklocal(ifp, IN6_IFF_NOTREADY | IN6_IFF_ANYCAST);
    if (ia === null) break fail;
    const ifp_ll6 = ia.ia_addr.sin6_addr;
    let router_ll6: in6_addr | null = null;
    if ((nh.nh_flags & NHF_GATEWAY) !== 0) {
      const gw = nh.gw6_sa.sin6_addr;
      router_ll6 = IN6_IS_ADDR_LINKLOCAL(gw) ? gw : null;
    }

    const ip6 = m.m_data;
    const buf = m.m_buf;
    const dv = m.m_dv;
    dv.setUint32(ip6 + IP6_OFF_FLOW, 0);
    buf[ip6] = IPV6_VERSION;
    buf[ip6 + IP6_OFF_NXT] = IPPROTO_ICMPV6;
    buf[ip6 + IP6_OFF_HLIM] = 255;
    in6_addr_write(buf, ip6 + IP6_OFF_SRC, ifp_ll6);
    buf.set(m0.m_buf.subarray(sip6 + IP6_OFF_SRC, sip6 + IP6_OFF_SRC + 16), ip6 + IP6_OFF_DST);

    const nd_rd = ip6 + IP6_HDR_LEN;
    buf[nd_rd + ICMP6_OFF_TYPE] = ND_REDIRECT;
    buf[nd_rd + ICMP6_OFF_CODE] = 0;
    dv.setUint32(nd_rd + 4, 0);
    if ((nh.nh_flags & NHF_GATEWAY) !== 0) {
      // The target of a better router must be its link-local address.
      if (router_ll6 === null) break fail;
      in6_addr_write(buf, nd_rd + ND_RD_OFF_TARGET, router_ll6);
      in6_addr_write(buf, nd_rd + ND_RD_OFF_DST, S().dst);
    } else {
      in6_addr_write(buf, nd_rd + ND_RD_OFF_TARGET, S().dst);
      in6_addr_write(buf, nd_rd + ND_RD_OFF_DST, S().dst);
    }
    let p = nd_rd + ND_REDIRECT_LEN;

    if (router_ll6 !== null) {
      // The target link-layer address option, when the router is known.
      const ln = nd6_lookup(router_ll6, 0, ifp);
      if (ln !== null) {
        let len = 2 + ifp.if_addrlen;
        len = (len + 7) & ~7;
        if (len + (p - ip6) <= maxlen && (ln.la_flags & LLE_VALID) !== 0) {
          buf.fill(0, p, p + len);
          buf[p] = ND_OPT_TARGET_LINKADDR;
          buf[p + 1] = len >> 3;
          buf.set(ln.ll_addr.subarray(0, ifp.if_addrlen), p + 2);
          p += len;
        }
      }
    }
    m.m_pkthdr.len = m.m_len = p - ip6;

    if (p - ip6 <= maxlen) {
      // The redirected header option: as much of m0 as fits, padded to 8
      // bytes when that is easy, else truncated.
      let len = maxlen - (p - ip6);
      len &= ~7;
      if (m0.m_pkthdr.len !== m0.m_len) {
        if (m0.m_next !== null) {
          m_freem(m0.m_next);
          m0.m_next = null;
        }
        m0.m_pkthdr.len = m0.m_len;
      }
      if (len - 8 < m0.m_pkthdr.len) {
        m0.m_pkthdr.len = m0.m_len = len - 8;
      } else {
        const extra = m0.m_pkthdr.len % 8;
        if (extra !== 0) {
          if (8 - extra <= M_TRAILINGSPACE(m0)) {
            m0.m_buf.fill(0, m0.m_data + m0.m_len, m0.m_data + m0.m_len + 8 - extra);
            m0.m_len += 8 - extra;
            m0.m_pkthdr.len += 8 - extra;
          } else {
            m0.m_pkthdr.len -= extra;
            m0.m_len -= extra;
          }
        }
        len = m0.m_pkthdr.len + 8;
        m0.m_pkthdr.len = m0.m_len = len - 8;
      }
      buf.fill(0, p, p + 8);
      buf[p] = ND_OPT_REDIRECTED_HEADER;
      buf[p + 1] = len >> 3;
      p += 8;
      m.m_pkthdr.len = m.m_len = p - ip6;
      m0.m_pkthdr.tags = null;
      m0.m_flags &= ~M_PKTHDR;
      m.m_next = m0;
      m.m_pkthdr.len = m.m_len + m0.m_len;
    } else {
      m_freem(m0);
    }

    // The inner header and the addresses go out without zones.
    const inner = m.m_next;
    if (inner !== null) {
      in6_addr_read(inner.m_buf, inner.m_data + IP6_OFF_SRC, S().tmp);
      in6_clearscope(S().tmp);
      in6_addr_write(inner.m_buf, inner.m_data + IP6_OFF_SRC, S().tmp);
      in6_addr_read(inner.m_buf, inner.m_data + IP6_OFF_DST, S().tmp);
      in6_clearscope(S().tmp);
      in6_addr_write(inner.m_buf, inner.m_data + IP6_OFF_DST, S().tmp);
    }
    in6_addr_read(buf, nd_rd + ND_RD_OFF_TARGET, S().tmp);
    in6_clearscope(S().tmp);
    in6_addr_write(buf, nd_rd + ND_RD_OFF_TARGET, S().tmp);
    in6_addr_read(buf, nd_rd + ND_RD_OFF_DST, S().tmp);
    in6_clearscope(S().tmp);
    in6_addr_write(buf, nd_rd + ND_RD_OFF_DST, S().tmp);

    const plen = m.m_pkthdr.len - IP6_HDR_LEN;
    dv.setUint16(ip6 + IP6_OFF_PLEN, plen);
    dv.setUint16(nd_rd + ICMP6_OFF_CKSUM, 0);
    dv.setUint16(nd_rd + ICMP6_OFF_CKSUM, in6_cksum(m, IPPROTO_ICMPV6, IP6_HDR_LEN, plen));

    const outif = S().outif;
    outif.ifp = null;
    ip6_output(m, null, null, 0, null, outif, null);
    if (outif.ifp !== null) {
      icmp6_ifstat_inc(outif.ifp, ifs6_out_msg);
      icmp6_ifstat_inc(outif.ifp, ifs6_out_redirect);
    }
    outif.ifp = null;
    ICMP6STAT_INC2(icp6s_outhist, ND_REDIRECT);
    return;
  }
  if (m !== null) m_freem(m);
  m_freem(m0);
}

// ---------------------------------------------------------------------------
// Rate limiting.

/**
 * ppsratecheck (kern_time.c) on the virtual clock: true while this second
 * has seen no more than maxpps events (maxpps < 0: no limit, 0: none).
 */
function ppsratecheck_icmp6(maxpps: number): boolean {
  const now = ticks;
  const last = VNET_I32(icmp6errppslim_last);
  if (last === 0 || (now - last) >>> 0 >= hz) {
    VNET_I32_SET(icmp6errppslim_last, now);
    VNET_I32_SET(icmp6errpps_count, 1);
    return maxpps !== 0;
  }
  const c = VNET_I32(icmp6errpps_count) + 1;
  VNET_I32_SET(icmp6errpps_count, c);
  return maxpps < 0 || c <= maxpps;
}

/**
 * icmp6_ratelimit(dst, type, code): 1 when this error must not be sent
 * (over net.inet6.icmp6.errppslimit this second), else 0.  The destination,
 * type and code do not matter (yet, as FreeBSD says).
 */
function icmp6_ratelimit(_dst: in6_addr, _type: number, _code: number): number {
  return ppsratecheck_icmp6(VNET_I32(icmp6errppslim)) ? 0 : 1;
}
