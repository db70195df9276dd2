// sys/netinet6/nd6_nbr.c: Neighbor Solicitation and Advertisement (RFC
// 4861 7) and Duplicate Address Detection (RFC 4862 5.4, with RFC 7527's
// nonce, "enhanced DAD").
//
// nd6_ns_input answers solicitations for our addresses (and for proxied
// ones), learns the sender, and counts DAD probes for our tentative
// addresses; nd6_na_input completes resolution by the RFC's table of
// Override/Solicited/link-address-changed cases, and tells DAD when
// someone else holds a tentative address.  DAD sends dad_count probes a
// RetransTimer apart; a probe or an advertisement from elsewhere marks the
// address IN6_IFF_DUPLICATED with FreeBSD's log lines.
//
// Departures from FreeBSD 14:
// - a published entry in the neighbor table ("ndp -s ADDR MAC proxy")
//   answers solicitations for ADDR, besides a route with RTF_ANNOUNCE
//   (proxy_ndp.sh's expectation; FreeBSD 14's nd6_ns_input consults the
//   route only).
// - no CARP (if_carp), no SEND tags.

import { arc4random } from "../kern/arc4random.ts";
import { callout, callout_init, callout_reset, callout_stop, hz } from "../kern/kern_timeout.ts";
import { m_freem, m_getcl, m_gethdr } from "../kern/kern_mbuf.ts";
import { MHLEN, MT_DATA, M_MCAST, M_PKTHDR, M_SETFIB, M_GETFIB, type mbuf } from "../kern/mbuf.ts";
import { log } from "../kern/subr_prf.ts";
import { AF_INET6, AF_LINK } from "../kern/socket.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, OID_AUTO, SYSCTL_INT } from "../kern/sysctl.ts";
import { m_pullup, max_linkhdr } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { IFF_DRV_RUNNING, IFF_UP, type ifnet } from "../net/if.ts";
import { IFT_ATM, IFT_BRIDGE, IFT_ETHER, IFT_IEEE1394, IFT_INFINIBAND, IFT_L2VLAN, sockaddr_dl } from "../net/if_dl.ts";
import { IF_LLADDR } from "../net/if_ethersubr.ts";
import {
  LLE_EXCLUSIVE,
  LLE_MAX_LINKHDR,
  LLE_PUB,
  LLE_STATIC,
  LLE_VALID,
  LLENTRY_RESOLVED,
  llheader_result,
  lltable_calc_llheader,
  lltable_try_set_entry_addr,
  type llentry,
} from "../net/if_llatbl.ts";
import { RTAX_DST, RTAX_GATEWAY, RTF_ANNOUNCE, rt_addrinfo } from "../net/route.ts";
import { rib_lookup_info } from "../net/route/route_helpers.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET, CURVNET_RESTORE, CURVNET_SET, curvnet, vnet0, type vnet } from "../net/vnet.ts";
import {
  ICMP6STAT_INC,
  ICMP6STAT_INC2,
  IPPROTO_ICMPV6,
  ND_NA_FLAG_OVERRIDE,
  ND_NA_FLAG_ROUTER,
  ND_NA_FLAG_SOLICITED,
  ND_NA_LEN,
  ND_NA_OFF_FLAGS,
  ND_NA_OFF_TARGET,
  ND_NEIGHBOR_ADVERT,
  ND_NEIGHBOR_SOLICIT,
  ND_NS_LEN,
  ND_NS_OFF_TARGET,
  ND_OPT_NONCE,
  ND_OPT_NONCE_LEN,
  ND_OPT_SOURCE_LINKADDR,
  ND_OPT_TARGET_LINKADDR,
  ICMP6_OFF_CKSUM,
  icp6s_badna,
  icp6s_badns,
  icp6s_invlhlim,
  icp6s_outhist,
} from "../netinet/icmp6.ts";
import { IP6_HDR_LEN, IP6_OFF_DST, IP6_OFF_HLIM, IP6_OFF_NXT, IP6_OFF_PLEN, IP6_OFF_SRC, IPV6_VERSION } from "../netinet/ip6.ts";
import { in6_cksum } from "./in6_cksum.ts";
import { in6_get_hw_ifid } from "./in6_ifattach.ts";
import { in6ifa_ifpforlinklocal, in6ifa_ifpwithaddr, lle_addr6 } from "./in6.ts";
import { in6_lle_event } from "../net/if_llatbl.ts";
import { V_ip6_dad_count, V_ip6_forwarding, V_ip6_norbit_raif, V_nd6_onlink_ns_rfc4861 } from "./in6_proto.ts";
import { in6_selectsrc_addr } from "./in6_src.ts";
import { IPV6_UNSPECSRC, IP6STAT_INC, M_FRAGMENTED, _net_inet6_ip6, ip6_moptions, ip6s_exthdrtoolong } from "./ip6_var.ts";
import { ip6_output } from "./ip6_output.ts";
import {
  ND6_IFF_ACCEPT_RTADV,
  ND6_IFF_IFDISABLED,
  ND6_IFF_NO_DAD,
  ND6_LLINFO_INCOMPLETE,
  ND6_LLINFO_REACHABLE,
  ND6_LLINFO_STALE,
  ND_IFINFO,
  nd6_cache_lladdr,
  nd6_flush_holdchain,
  nd6_grab_holdchain,
  nd6_is_addr_neighbor,
  nd6_llinfo_setstate,
  nd6log_on,
  nd6_lookup,
  nd6_mmaxtries,
  nd6_opt_lladdr,
  nd6_option_init,
  nd6_options,
  nd6_timer_kick,
  nd6log,
  nd_opts,
} from "./nd6.ts";
import { defrouter_remove, pfxlist_onlink_check, rt6_flush } from "./nd6_rtr.ts";
import { in6_clearscope, in6_setscope } from "./scope6.ts";
import { IFA6_IS_DEPRECATED, IN6_ARE_ADDR_EQUAL, IN6_IFF_ANYCAST, IN6_IFF_DUPLICATED, IN6_IFF_NOTREADY, IN6_IFF_TENTATIVE, IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, IN6_IS_SCOPE_EMBED, icmp6_ifstat_inc, ifs6_out_msg, ifs6_out_neighboradvert, ifs6_out_neighborsolicit, in6_addr, in6_addr_copy, in6_addr_read, in6_addr_write, in6_ifaddr, in6addr_linklocal_allnodes, ip6_sprintf, s6_addr16, s6_addr16_set, s6_addr32, sockaddr_in6 } from "./in6_var.ts";

// sys/syslog.h
const LOG_ERR = 3;
const LOG_INFO = 6;
const LOG_DEBUG = 7;

/** Enhanced DAD (RFC 7527): a nonce in the probes, to tell our own looped-back probes. */
const dad_enhanced = VNET_DEFINE_INT("dad_enhanced", 1);
SYSCTL_INT(_net_inet6_ip6, OID_AUTO, "dad_enhanced", CTLFLAG_VNET | CTLFLAG_RW, dad_enhanced, 0, "Enable Enhanced DAD, which adds a random nonce to NS messages for DAD.");
/** Tries at sending a probe while the interface is down. */
const dad_maxtry = VNET_DEFINE_INT("dad_maxtry", 15);

// Scratch for reading messages: nothing in between reads another.
const ns_saddr6 = new in6_addr();
const ns_daddr6 = new in6_addr();
const ns_taddr6 = new in6_addr();
const ns_myaddr6 = new in6_addr();
const ns_all = new in6_addr();
const ns_src_sa6 = new sockaddr_in6();
const ns_dst6 = new sockaddr_in6();
// nd6.ts and this file import each other: made on first use.
let ns_opts_p: nd_opts | null = null;
let na_opts_p: nd_opts | null = null;
const na_taddr6 = new in6_addr();
const na_daddr6 = new in6_addr();
const na_saddr6 = new in6_addr();
/** The link-level address of an option, copied out (nd6_cache_lladdr keeps nothing of it). */
const opt_lladdr = new Uint8Array(LLE_MAX_LINKHDR);

/** IPV6_ADDR_INT16_MLL etc.: is a (zone-embedded) address a solicited-node group? */
function in6_is_solicited_node(a: in6_addr): boolean {
  return s6_addr16(a, 0) === 0xff02 && s6_addr32(a, 1) === 0 && s6_addr32(a, 2) === 1 && a.s6_addr[12] === 0xff;
}

/**
 * nd6_ns_input: a Neighbor Solicitation (RFC 4861 7.2.3, RFC 4862 5.4.3).
 * off is the ICMPv6 header's offset in the packet, icmp6len its length.
 * Consumes m.
 */
export function nd6_ns_input(m0: mbuf, off: number, icmp6len: number): void {
  let m: mbuf | null = m0;
  let ifa: in6_ifaddr | null = null;
  let proxydl: sockaddr_dl | null = null;
  if (ns_opts_p === null) ns_opts_p = new nd_opts();
  const ns_opts = ns_opts_p;
  const taddr6 = ns_taddr6;
  const saddr6 = ns_saddr6;
  const daddr6 = ns_daddr6;
  taddr6.s6_addr.fill(0);
  saddr6.s6_addr.fill(0);
  daddr6.s6_addr.fill(0);
  freeit: {
    bad: {
      // RFC 6980: fragments are ignored.
      if ((m.m_flags & M_FRAGMENTED) !== 0) break freeit;
      const ifp = m.m_pkthdr.rcvif as ifnet;
      let ip6 = m.m_data;
      const hlim = m.m_buf[ip6 + IP6_OFF_HLIM];
      if (hlim !== 255) {
        ICMP6STAT_INC(icp6s_invlhlim);
        if (nd6log_on())
          nd6log(LOG_ERR, `nd6_ns_input: invalid hlim (${hlim}) from ${ip6_sprintf(in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, saddr6))} to ${ip6_sprintf(in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, daddr6))} on ${ifp.if_xname}\n`);
        ICMP6STAT_INC(icp6s_badns);
        m_freem(m);
        return;
      }
      if (m.m_len < off + icmp6len) {
        m = m_pullup(m, off + icmp6len);
        if (m === null) {
          IP6STAT_INC(ip6s_exthdrtoolong);
          return;
        }
      }
      const buf = m.m_buf;
      ip6 = m.m_data;
      const nd_ns = ip6 + off;
      in6_addr_read(buf, ip6 + IP6_OFF_SRC, saddr6);
      in6_addr_read(buf, ip6 + IP6_OFF_DST, daddr6);
      in6_addr_read(buf, nd_ns + ND_NS_OFF_TARGET, taddr6);
      if (in6_setscope(taddr6, ifp, null) !== 0) break bad;
      let rflag = V_ip6_forwarding() !== 0 ? ND_NA_FLAG_ROUTER : 0;
      if ((ND_IFINFO(ifp).flags & ND6_IFF_ACCEPT_RTADV) !== 0 && V_ip6_norbit_raif() !== 0) rflag = 0;
      if (IN6_IS_ADDR_UNSPECIFIED(saddr6)) {
        // DAD: to a solicited-node group (its zone not checked).
        if (!in6_is_solicited_node(daddr6)) {
          nd6log(LOG_INFO, "nd6_ns_input: bad DAD packet (wrong ip6 dst)\n");
          break bad;
        }
      } else if (V_nd6_onlink_ns_rfc4861() === 0) {
        // Solicitations from what would not otherwise be a neighbor are not taken.
        in6_addr_copy(ns_src_sa6.sin6_addr, saddr6);
        ns_src_sa6.sin6_scope_id = 0;
        if (!nd6_is_addr_neighbor(ns_src_sa6, ifp)) {
          nd6log(LOG_INFO, "nd6_ns_input: NS packet from non-neighbor\n");
          break bad;
        }
      }
      if (IN6_IS_ADDR_MULTICAST(taddr6)) {
        nd6log(LOG_INFO, "nd6_ns_input: bad NS target (multicast)\n");
        break bad;
      }
      icmp6len -= ND_NS_LEN;
      nd6_option_init(nd_ns + ND_NS_LEN, icmp6len, ns_opts);
      if (nd6_options(buf, ns_opts) < 0) {
        nd6log(LOG_INFO, "nd6_ns_input: invalid ND option, ignored\n");
        break freeit;
      }
      let lladdr: Uint8Array | null = null;
      let lladdrlen = 0;
      const sll = ns_opts.nd_opts_src_lladdr;
      if (sll >= 0) {
        lladdrlen = nd6_opt_lladdr(buf, sll, opt_lladdr);
        lladdr = opt_lladdr;
      }
      if (IN6_IS_ADDR_UNSPECIFIED(saddr6) && lladdr !== null) {
        nd6log(LOG_INFO, "nd6_ns_input: bad DAD packet (link-layer address option)\n");
        break bad;
      }
      // The target link-layer address goes in the NA only for a multicast
      // solicitation (RFC 4861 7.2.4: MUST for multicast, MUST NOT else).
      const tlladdr = IN6_IS_ADDR_MULTICAST(daddr6) ? 1 : 0;
      // The target is (1) ours, (3) ours and tentative, or (2) proxied.
      ifa = in6ifa_ifpwithaddr(ifp, taddr6);
      let proxy = 0;
      if (ifa === null) {
        const ln = nd6_lookup(taddr6, 0, ifp);
        if (ln !== null && (ln.la_flags & LLE_PUB) !== 0 && (ln.la_flags & LLE_VALID) !== 0) {
          proxydl = new sockaddr_dl(ifp.if_index, ifp.if_type, "", ln.ll_addr.slice(0, ifp.if_addrlen));
        } else {
          in6_addr_copy(ns_dst6.sin6_addr, taddr6);
          const info = new rt_addrinfo();
          if (rib_lookup_info(ifp.if_fib, ns_dst6, 0, 0, info) === 0) {
            const gw = info.rti_info[RTAX_GATEWAY];
            if ((info.rti_flags & RTF_ANNOUNCE) !== 0 && gw !== null && "sdl_index" in gw && gw.sdl_family === AF_LINK) proxydl = gw;
          }
        }
        if (proxydl !== null) {
          ifa = in6ifa_ifpforlinklocal(ifp, IN6_IFF_NOTREADY | IN6_IFF_ANYCAST);
          if (ifa !== null) proxy = 1;
        }
      }
      // Not ours: silently ignored (RFC 4861 7.2.3).
      if (ifa === null) break freeit;
      in6_addr_copy(ns_myaddr6, ifa.ia_addr.sin6_addr);
      const anycast = ifa.ia6_flags & IN6_IFF_ANYCAST;
      const tentative = ifa.ia6_flags & IN6_IFF_TENTATIVE;
      if ((ifa.ia6_flags & IN6_IFF_DUPLICATED) !== 0) break freeit;
      if (lladdr !== null && ((ifp.if_addrlen + 2 + 7) & ~7) !== lladdrlen) {
        nd6log(LOG_INFO, `nd6_ns_input: lladdrlen mismatch for ${ip6_sprintf(taddr6)} (if ${ifp.if_addrlen}, NS packet ${lladdrlen - 2})\n`);
        break bad;
      }
      if (IN6_ARE_ADDR_EQUAL(ns_myaddr6, saddr6)) {
        nd6log(LOG_INFO, `nd6_ns_input: duplicate IP6 address ${ip6_sprintf(saddr6)}\n`);
        break freeit;
      }
      // A solicitation for one of our tentative addresses: from :: it is
      // someone's DAD probe; from a unicast address, resolution (ignored).
      if (tentative !== 0) {
        if (IN6_IS_ADDR_UNSPECIFIED(saddr6)) nd6_dad_ns_input(ifa, buf, ns_opts.nd_opts_nonce);
        break freeit;
      }
      const naflags = (anycast !== 0 || proxy !== 0 || tlladdr === 0 ? 0 : ND_NA_FLAG_OVERRIDE) | rflag;
      // From ::, someone is doing DAD for an address we have: tell all
      // nodes (not solicited), and learn nothing.
      if (IN6_IS_ADDR_UNSPECIFIED(saddr6)) {
        in6_addr_copy(ns_all, in6addr_linklocal_allnodes);
        if (in6_setscope(ns_all, ifp, null) !== 0) break bad;
        nd6_na_output_fib(ifp, ns_all, taddr6, naflags, tlladdr, proxy !== 0 ? proxydl : null, M_GETFIB(m));
        break freeit;
      }
      nd6_cache_lladdr(ifp, saddr6, lladdr, lladdrlen, ND_NEIGHBOR_SOLICIT, 0);
      nd6_na_output_fib(ifp, saddr6, taddr6, naflags | ND_NA_FLAG_SOLICITED, tlladdr, proxy !== 0 ? proxydl : null, M_GETFIB(m));
      break freeit;
    }
    // bad:
    if (nd6log_on()) {
      nd6log(LOG_ERR, `nd6_ns_input: src=${ip6_sprintf(saddr6)}\n`);
      nd6log(LOG_ERR, `nd6_ns_input: dst=${ip6_sprintf(daddr6)}\n`);
      nd6log(LOG_ERR, `nd6_ns_input: tgt=${ip6_sprintf(taddr6)}\n`);
    }
    ICMP6STAT_INC(icp6s_badns);
    m_freem(m);
    return;
  }
  m_freem(m);
}

// Scratch for building messages.
const out_im6o = new ip6_moptions();
const out_dst = new in6_addr();
const out_dst6 = new in6_addr();
const out_src6 = new in6_addr();
const out_tgt = new in6_addr();
const out_scopeid = { v: 0 };

/** in6_splitscope: dst without its embedded zone; the zone. */
function in6_splitscope(src: in6_addr, dst: in6_addr): number {
  in6_addr_copy(dst, src);
  if (!IN6_IS_SCOPE_EMBED(src)) return 0;
  const zoneid = s6_addr16(src, 1);
  if (zoneid !== 0) s6_addr16_set(dst, 1, 0);
  return zoneid;
}

/** A packet header mbuf with room for max_linkhdr + len, data after the link header. */
function nd6_msg_alloc(maxlen: number): mbuf | null {
  const m = max_linkhdr + maxlen > MHLEN ? m_getcl(M_NOWAIT, MT_DATA, M_PKTHDR) : m_gethdr(M_NOWAIT, MT_DATA);
  if (m === null) return null;
  m.m_data += max_linkhdr;
  return m;
}

/** Fill the IPv6 header at m_data: no flow label, ICMPv6, hop limit 255. */
function nd6_ip6_hdr(m: mbuf): void {
  const buf = m.m_buf;
  const ip6 = m.m_data;
  m.m_dv.setUint32(ip6, 0);
  buf[ip6] = IPV6_VERSION;
  buf[ip6 + IP6_OFF_NXT] = IPPROTO_ICMPV6;
  buf[ip6 + IP6_OFF_HLIM] = 255;
}

/**
 * nd6_ns_output_fib: send a Neighbor Solicitation for taddr6: to daddr6,
 * or (null) to taddr6's solicited-node group.  With a nonce it is a DAD
 * probe: from ::, no link-level address, the nonce option when enhanced
 * DAD is on.  Otherwise the source is saddr6 if it is ours on ifp (the
 * packet that prompted it came from there, RFC 4861 7.2.2), else chosen.
 */
function nd6_ns_output_fib(ifp: ifnet, saddr6: in6_addr | null, daddr6: in6_addr | null, taddr6: in6_addr, nonce: Uint8Array | null, fibnum: number): void {
  if (IN6_IS_ADDR_MULTICAST(taddr6)) return;
  const maxlen = IP6_HDR_LEN + ND_NS_LEN + ((2 + ifp.if_addrlen + 7) & ~7);
  const m = nd6_msg_alloc(maxlen);
  if (m === null) return;
  M_SETFIB(m, fibnum);
  let im6o: ip6_moptions | null = null;
  if (daddr6 === null || IN6_IS_ADDR_MULTICAST(daddr6)) {
    m.m_flags |= M_MCAST;
    im6o = out_im6o;
    im6o.im6o_multicast_ifp = ifp;
    im6o.im6o_multicast_hlim = 255;
    im6o.im6o_multicast_loop = 0;
  }
  let icmp6len = ND_NS_LEN;
  m.m_pkthdr.len = m.m_len = IP6_HDR_LEN + icmp6len;
  const buf = m.m_buf;
  const ip6 = m.m_data;
  for (let i = 0; i < maxlen; i++) buf[ip6 + i] = 0;
  nd6_ip6_hdr(m);
  bad: {
    if (daddr6 !== null) in6_addr_write(buf, ip6 + IP6_OFF_DST, daddr6);
    else {
      // ff02::1:ffXX:XXXX (the zone embedded below).
      const d = out_dst;
      d.s6_addr.fill(0);
      d.s6_addr[0] = 0xff;
      d.s6_addr[1] = 0x02;
      d.s6_addr[11] = 0x01;
      d.s6_addr[12] = 0xff;
      d.s6_addr[13] = taddr6.s6_addr[13];
      d.s6_addr[14] = taddr6.s6_addr[14];
      d.s6_addr[15] = taddr6.s6_addr[15];
      if (in6_setscope(d, ifp, null) !== 0) break bad;
      in6_addr_write(buf, ip6 + IP6_OFF_DST, d);
    }
    if (nonce === null) {
      const ifa = saddr6 !== null ? in6ifa_ifpwithaddr(ifp, saddr6) : null;
      if (ifa !== null && saddr6 !== null) in6_addr_write(buf, ip6 + IP6_OFF_SRC, saddr6);
      else {
        in6_addr_read(buf, ip6 + IP6_OFF_DST, out_dst);
        const scopeid = in6_splitscope(out_dst, out_dst6);
        const error = in6_selectsrc_addr(fibnum, out_dst6, scopeid, ifp, out_src6, null);
        if (error !== 0) {
          nd6log(LOG_DEBUG, `nd6_ns_output_fib: source can't be determined: dst=${ip6_sprintf(out_dst6)}, error=${error}\n`);
          break bad;
        }
        in6_addr_write(buf, ip6 + IP6_OFF_SRC, out_src6);
      }
    }
    // A DAD probe is from :: (zeroed above).
    const nd_ns = ip6 + IP6_HDR_LEN;
    buf[nd_ns] = ND_NEIGHBOR_SOLICIT;
    in6_addr_copy(out_tgt, taddr6);
    in6_clearscope(out_tgt);
    in6_addr_write(buf, nd_ns + ND_NS_OFF_TARGET, out_tgt);
    // Source link-layer address: not in DAD probes; in everything else
    // (a MUST for multicast, a SHOULD for unicast).
    const mac = nonce === null ? nd6_ifptomac(ifp) : null;
    if (mac !== null) {
      const optlen = (2 + ifp.if_addrlen + 7) & ~7;
      const nd_opt = nd_ns + icmp6len;
      m.m_pkthdr.len += optlen;
      m.m_len += optlen;
      icmp6len += optlen;
      for (let i = 0; i < optlen; i++) buf[nd_opt + i] = 0;
      buf[nd_opt] = ND_OPT_SOURCE_LINKADDR;
      buf[nd_opt + 1] = optlen >> 3;
      for (let i = 0; i < ifp.if_addrlen; i++) buf[nd_opt + 2 + i] = mac[i];
    }
    // The nonce (RFC 3971 option, RFC 7527's use) to spot our own probes looped back.
    if (VNET_I32(dad_enhanced) !== 0 && nonce !== null) {
      const optlen = (2 + ND_OPT_NONCE_LEN + 7) & ~7;
      const nd_opt = nd_ns + icmp6len;
      m.m_pkthdr.len += optlen;
      m.m_len += optlen;
      icmp6len += optlen;
      for (let i = 0; i < optlen; i++) buf[nd_opt + i] = 0;
      buf[nd_opt] = ND_OPT_NONCE;
      buf[nd_opt + 1] = optlen >> 3;
      for (let i = 0; i < ND_OPT_NONCE_LEN; i++) buf[nd_opt + 2 + i] = nonce[i];
    }
    m.m_dv.setUint16(ip6 + IP6_OFF_PLEN, icmp6len);
    m.m_dv.setUint16(nd_ns + ICMP6_OFF_CKSUM, 0);
    m.m_dv.setUint16(nd_ns + ICMP6_OFF_CKSUM, in6_cksum(m, IPPROTO_ICMPV6, IP6_HDR_LEN, icmp6len));
    ip6_output(m, null, null, nonce !== null ? IPV6_UNSPECSRC : 0, im6o, null, null);
    icmp6_ifstat_inc(ifp, ifs6_out_msg);
    icmp6_ifstat_inc(ifp, ifs6_out_neighborsolicit);
    ICMP6STAT_INC2(icp6s_outhist, ND_NEIGHBOR_SOLICIT);
    return;
  }
  m_freem(m);
}

/** nd6_ns_output: nd6_ns_output_fib in the default fib. */
export function nd6_ns_output(ifp: ifnet, saddr6: in6_addr | null, daddr6: in6_addr | null, taddr6: in6_addr, nonce: Uint8Array | null): void {
  nd6_ns_output_fib(ifp, saddr6, daddr6, taddr6, nonce, 0);
}

const na_linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
const na_res = new llheader_result();
const na_sin6 = new sockaddr_in6();

/**
 * nd6_na_input: a Neighbor Advertisement (RFC 4861 7.2.5).  For one of
 * our tentative addresses it is a DAD failure; otherwise it completes or
 * updates the entry of its target, if there is one.  Consumes m.
 */
export function nd6_na_input(m0: mbuf, off: number, icmp6len: number): void {
  let m: mbuf | null = m0;
  let ln: llentry | null = null;
  let chain: mbuf | null = null;
  let checklink = 0;
  if (na_opts_p === null) na_opts_p = new nd_opts();
  const na_opts = na_opts_p;
  const taddr6 = na_taddr6;
  freeit: {
    bad: {
      if ((m.m_flags & M_FRAGMENTED) !== 0) break freeit;
      const ifp = m.m_pkthdr.rcvif as ifnet;
      let ip6 = m.m_data;
      const hlim = m.m_buf[ip6 + IP6_OFF_HLIM];
      if (hlim !== 255) {
        ICMP6STAT_INC(icp6s_invlhlim);
        if (nd6log_on())
          nd6log(LOG_ERR, `nd6_na_input: invalid hlim (${hlim}) from ${ip6_sprintf(in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, na_saddr6))} to ${ip6_sprintf(in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, na_daddr6))} on ${ifp.if_xname}\n`);
        break bad;
      }
      if (m.m_len < off + icmp6len) {
        m = m_pullup(m, off + icmp6len);
        if (m === null) {
          IP6STAT_INC(ip6s_exthdrtoolong);
          return;
        }
      }
      const buf = m.m_buf;
      ip6 = m.m_data;
      const nd_na = ip6 + off;
      const flags = buf[nd_na + ND_NA_OFF_FLAGS];
      const is_router = (flags & ND_NA_FLAG_ROUTER) !== 0 ? 1 : 0;
      const is_solicited = (flags & ND_NA_FLAG_SOLICITED) !== 0;
      const is_override = (flags & ND_NA_FLAG_OVERRIDE) !== 0;
      in6_addr_read(buf, nd_na + ND_NA_OFF_TARGET, taddr6);
      if (in6_setscope(taddr6, ifp, null) !== 0) break bad;
      if (IN6_IS_ADDR_MULTICAST(taddr6)) {
        nd6log(LOG_ERR, `nd6_na_input: invalid target address ${ip6_sprintf(taddr6)}\n`);
        break bad;
      }
      in6_addr_read(buf, ip6 + IP6_OFF_DST, na_daddr6);
      if (IN6_IS_ADDR_MULTICAST(na_daddr6) && is_solicited) {
        nd6log(LOG_ERR, "nd6_na_input: a solicited adv is multicasted\n");
        break bad;
      }
      icmp6len -= ND_NA_LEN;
      nd6_option_init(nd_na + ND_NA_LEN, icmp6len, na_opts);
      if (nd6_options(buf, na_opts) < 0) {
        nd6log(LOG_INFO, "nd6_na_input: invalid ND option, ignored\n");
        break freeit;
      }
      let lladdr: Uint8Array | null = null;
      let lladdrlen = 0;
      const tll = na_opts.nd_opts_tgt_lladdr;
      if (tll >= 0) {
        lladdrlen = nd6_opt_lladdr(buf, tll, opt_lladdr);
        lladdr = opt_lladdr;
      }
      const ifa = in6ifa_ifpwithaddr(ifp, taddr6);
      // Someone has our tentative address: DAD fails (RFC 4862 5.4.4).
      if (ifa !== null && (ifa.ia6_flags & IN6_IFF_TENTATIVE) !== 0) {
        nd6_dad_na_input(ifa);
        break freeit;
      }
      if (ifa !== null) {
        log(LOG_ERR, `nd6_na_input: duplicate IP6 address ${ip6_sprintf(taddr6)}\n`);
        break freeit;
      }
      if (lladdr !== null && ((ifp.if_addrlen + 2 + 7) & ~7) !== lladdrlen) {
        nd6log(LOG_INFO, `nd6_na_input: lladdrlen mismatch for ${ip6_sprintf(taddr6)} (if ${ifp.if_addrlen}, NA packet ${lladdrlen - 2})\n`);
        break bad;
      }
      // No entry: the advertisement is silently dropped.
      ln = nd6_lookup(taddr6, LLE_EXCLUSIVE, ifp);
      if (ln === null) break freeit;
      // Static entries do not change.
      if ((ln.la_flags & LLE_STATIC) !== 0) break freeit;
      if (ln.ln_state === ND6_LLINFO_INCOMPLETE) {
        // A link with addresses needs one in the answer.
        if (ifp.if_addrlen !== 0 && lladdr === null) break freeit;
        if (lladdr === null || lltable_calc_llheader(ifp, AF_INET6, lladdr, 0, na_linkhdr, na_res) !== 0) {
          m_freem(m);
          return;
        }
        if (lltable_try_set_entry_addr(ifp, ln, na_linkhdr, na_res.bufsize, na_res.lladdr_off) === 0) {
          ln = null;
          break freeit;
        }
        in6_lle_event(ln, LLENTRY_RESOLVED);
        if (is_solicited) nd6_llinfo_setstate(ln, ND6_LLINFO_REACHABLE);
        else nd6_llinfo_setstate(ln, ND6_LLINFO_STALE);
        // A router is (probably) reachable now: the prefixes' state may change.
        if ((ln.ln_router = is_router) !== 0) checklink = 1;
      } else {
        let llchange = 0;
        if (lladdr !== null) {
          if ((ln.la_flags & LLE_VALID) !== 0) {
            for (let i = 0; i < ifp.if_addrlen; i++)
              if (lladdr[i] !== ln.ll_addr[i]) {
                llchange = 1;
                break;
              }
          } else llchange = 1;
        }
        // override solicit lladdr llchange   action (L: record lladdr)
        //    0        0      n      --       (2c)
        //    0        0      y      n        (2b) L
        //    0        0      y      y        (1)    REACHABLE->STALE
        //    0        1      n      --       (2c)   *->REACHABLE
        //    0        1      y      n        (2b) L *->REACHABLE
        //    0        1      y      y        (1)    REACHABLE->STALE
        //    1        0      n      --       (2a)
        //    1        0      y      n        (2a) L
        //    1        0      y      y        (2a) L *->STALE
        //    1        1      n      --       (2a)   *->REACHABLE
        //    1        1      y      n        (2a) L *->REACHABLE
        //    1        1      y      y        (2a) L *->REACHABLE
        if (!is_override && lladdr !== null && llchange !== 0) {
          // (1): only a REACHABLE entry goes STALE.
          if (ln.ln_state === ND6_LLINFO_REACHABLE) nd6_llinfo_setstate(ln, ND6_LLINFO_STALE);
          break freeit;
        } else if (is_override || (!is_override && lladdr !== null && llchange === 0) || lladdr === null) {
          if (lladdr !== null) {
            if (lltable_calc_llheader(ifp, AF_INET6, lladdr, 0, na_linkhdr, na_res) !== 0) break freeit;
            if (lltable_try_set_entry_addr(ifp, ln, na_linkhdr, na_res.bufsize, na_res.lladdr_off) === 0) {
              ln = null;
              break freeit;
            }
            in6_lle_event(ln, LLENTRY_RESOLVED);
          }
          // Solicited: REACHABLE; unsolicited with a new address: STALE.
          if (is_solicited) nd6_llinfo_setstate(ln, ND6_LLINFO_REACHABLE);
          else if (lladdr !== null && llchange !== 0) nd6_llinfo_setstate(ln, ND6_LLINFO_STALE);
        }
        if (ln.ln_router !== 0 && is_router === 0) {
          // It is no router any more: off the default router list; the
          // routes through it go even if it was not on the list (a redirect).
          const nd6_ifp = (ln.lle_tbl as NonNullable<llentry["lle_tbl"]>).llt_ifp;
          if (!defrouter_remove(lle_addr6(ln), nd6_ifp) && (ND_IFINFO(nd6_ifp).flags & ND6_IFF_ACCEPT_RTADV) !== 0)
            rt6_flush(in6_addr_read(buf, ip6 + IP6_OFF_SRC, na_saddr6), ifp);
        }
        ln.ln_router = is_router;
      }
      ln.la_asked = 0;
      if (ln.la_hold !== null) chain = nd6_grab_holdchain(ln, na_sin6);
      break freeit;
    }
    // bad:
    ICMP6STAT_INC(icp6s_badna);
    m_freem(m);
    return;
  }
  if (chain !== null && m !== null) nd6_flush_holdchain(m.m_pkthdr.rcvif as ifnet, chain, na_sin6);
  if (checklink !== 0) pfxlist_onlink_check();
  m_freem(m);
}

/**
 * nd6_na_output_fib: send a Neighbor Advertisement for taddr6 to daddr6
 * (:: means all nodes: an answer to DAD, never "solicited").  tlladdr: add
 * the target link-layer address (ours, or sdl0's for a proxied target);
 * without one the Override flag goes.
 */
function nd6_na_output_fib(ifp: ifnet, daddr6_0: in6_addr, taddr6: in6_addr, flags: number, tlladdr: number, sdl0: sockaddr_dl | null, fibnum: number): void {
  const daddr6 = out_dst;
  in6_addr_copy(daddr6, daddr6_0);
  const maxlen = IP6_HDR_LEN + ND_NA_LEN + ((2 + ifp.if_addrlen + 7) & ~7);
  const m = nd6_msg_alloc(maxlen);
  if (m === null) return;
  M_SETFIB(m, fibnum);
  let im6o: ip6_moptions | null = null;
  if (IN6_IS_ADDR_MULTICAST(daddr6)) {
    m.m_flags |= M_MCAST;
    im6o = out_im6o;
    im6o.im6o_multicast_ifp = ifp;
    im6o.im6o_multicast_hlim = 255;
    im6o.im6o_multicast_loop = 0;
  }
  let icmp6len = ND_NA_LEN;
  m.m_pkthdr.len = m.m_len = IP6_HDR_LEN + icmp6len;
  const buf = m.m_buf;
  const ip6 = m.m_data;
  for (let i = 0; i < maxlen; i++) buf[ip6 + i] = 0;
  nd6_ip6_hdr(m);
  bad: {
    if (IN6_IS_ADDR_UNSPECIFIED(daddr6)) {
      // An answer to DAD: to all nodes.
      in6_addr_copy(daddr6, in6addr_linklocal_allnodes);
      if (in6_setscope(daddr6, ifp, null) !== 0) break bad;
      flags &= ~ND_NA_FLAG_SOLICITED;
    }
    in6_addr_write(buf, ip6 + IP6_OFF_DST, daddr6);
    // A source of the destination's scope.
    const scopeid = in6_splitscope(daddr6, out_dst6);
    const error = in6_selectsrc_addr(fibnum, out_dst6, scopeid, ifp, out_src6, null);
    if (error !== 0) {
      nd6log(LOG_DEBUG, `nd6_na_output: source can't be determined: dst=${ip6_sprintf(daddr6)}, error=${error}\n`);
      break bad;
    }
    in6_addr_write(buf, ip6 + IP6_OFF_SRC, out_src6);
    const nd_na = ip6 + IP6_HDR_LEN;
    buf[nd_na] = ND_NEIGHBOR_ADVERT;
    in6_addr_copy(out_tgt, taddr6);
    in6_clearscope(out_tgt);
    in6_addr_write(buf, nd_na + ND_NA_OFF_TARGET, out_tgt);
    let mac: Uint8Array | null = null;
    if (tlladdr !== 0) {
      // sdl0: a proxied target's address; else our own.
      if (sdl0 === null) mac = nd6_ifptomac(ifp);
      else if (sdl0.sdl_family === AF_LINK && sdl0.sdl_lladdr.length === ifp.if_addrlen) mac = sdl0.sdl_lladdr;
    }
    if (tlladdr !== 0 && mac !== null) {
      const optlen = (2 + ifp.if_addrlen + 7) & ~7;
      const nd_opt = nd_na + icmp6len;
      m.m_pkthdr.len += optlen;
      m.m_len += optlen;
      icmp6len += optlen;
      for (let i = 0; i < optlen; i++) buf[nd_opt + i] = 0;
      buf[nd_opt] = ND_OPT_TARGET_LINKADDR;
      buf[nd_opt + 1] = optlen >> 3;
      for (let i = 0; i < ifp.if_addrlen; i++) buf[nd_opt + 2 + i] = mac[i];
    } else flags &= ~ND_NA_FLAG_OVERRIDE;
    m.m_dv.setUint16(ip6 + IP6_OFF_PLEN, icmp6len);
    buf[nd_na + ND_NA_OFF_FLAGS] = flags & 0xff;
    m.m_dv.setUint16(nd_na + ICMP6_OFF_CKSUM, 0);
    m.m_dv.setUint16(nd_na + ICMP6_OFF_CKSUM, in6_cksum(m, IPPROTO_ICMPV6, IP6_HDR_LEN, icmp6len));
    ip6_output(m, null, null, 0, im6o, null, null);
    icmp6_ifstat_inc(ifp, ifs6_out_msg);
    icmp6_ifstat_inc(ifp, ifs6_out_neighboradvert);
    ICMP6STAT_INC2(icp6s_outhist, ND_NEIGHBOR_ADVERT);
    return;
  }
  m_freem(m);
}

/** nd6_na_output: nd6_na_output_fib in the default fib. */
export function nd6_na_output(ifp: ifnet, daddr6: in6_addr, taddr6: in6_addr, flags: number, tlladdr: number, sdl0: sockaddr_dl | null): void {
  nd6_na_output_fib(ifp, daddr6, taddr6, flags, tlladdr, sdl0, 0);
}

/** nd6_ifptomac: the interface's link-level address, for the kinds of link ND puts in options. */
export function nd6_ifptomac(ifp: ifnet): Uint8Array | null {
  switch (ifp.if_type) {
    case IFT_ETHER:
    case IFT_IEEE1394:
    case IFT_L2VLAN:
    case IFT_INFINIBAND:
    case IFT_BRIDGE:
      return IF_LLADDR(ifp);
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------
// Duplicate Address Detection.

/** struct dadq: one address under DAD. */
class dadq {
  dad_ifa: in6_ifaddr;
  /** How many probes to send. */
  dad_count = 0;
  /** Tries at sending one (the interface may be down). */
  dad_ns_tcount = 0;
  /** Probes sent. */
  dad_ns_ocount = 0;
  dad_ns_icount = 0;
  dad_na_icount = 0;
  /** Our own probes seen coming back. */
  dad_ns_lcount = 0;
  dad_loopbackprobe = 0;
  readonly dad_timer_ch = new callout();
  dad_vnet: vnet;
  dad_refcnt = 1;
  /** The nonce of the last probe (ND_OPT_NONCE_LEN bytes used). */
  readonly dad_nonce = new Uint8Array(8);
  dad_ondadq = false;
  constructor(ifa: in6_ifaddr, v: vnet) {
    this.dad_ifa = ifa;
    this.dad_vnet = v;
    callout_init(this.dad_timer_ch, false);
  }
}

const dadq_head = VNET_DEFINE_PTR<dadq[] | null>("nd6_dadq", null);
function V_dadq(): dadq[] {
  let q = VNET_PTR(dadq_head);
  if (q === null) {
    q = [];
    VNET_PTR_SET(dadq_head, q);
  }
  return q;
}

/** nd6_dad_init: the vnet's DAD queue. */
export function nd6_dad_init(): void {
  VNET_PTR_SET(dadq_head, []);
}

function nd6_dad_add(dp: dadq): void {
  V_dadq().push(dp);
  dp.dad_ondadq = true;
}

function nd6_dad_del(dp: dadq): void {
  if (dp.dad_ondadq) {
    const q = V_dadq();
    const i = q.indexOf(dp);
    if (i >= 0) q.splice(i, 1);
    dp.dad_ondadq = false;
    nd6_dad_rele(dp);
  }
}

/**
 * nd6_dad_find: ifa's DAD (a reference taken), or null.  A probe carrying
 * the nonce of our last one is our own looped back: counted, not a match.
 */
function nd6_dad_find(ifa: in6_ifaddr, nbuf: Uint8Array | null, n: number): dadq | null {
  for (const dp of V_dadq()) {
    if (dp.dad_ifa !== ifa) continue;
    if (nbuf !== null && n >= 0 && nbuf[n + 1] === (ND_OPT_NONCE_LEN + 2) >> 3) {
      let same = true;
      for (let i = 0; i < ND_OPT_NONCE_LEN; i++)
        if (nbuf[n + 2 + i] !== dp.dad_nonce[i]) {
          same = false;
          break;
        }
      if (same) {
        dp.dad_ns_lcount++;
        continue;
      }
    }
    dp.dad_refcnt++;
    return dp;
  }
  return null;
}

/** Is DAD running for ia?  (nd6.ts's timer asks.) */
export function nd6_dad_pending(ia: in6_ifaddr): boolean {
  for (const dp of V_dadq()) if (dp.dad_ifa === ia) return true;
  return false;
}

function nd6_dad_starttimer(dp: dadq, ticks: number, send_ns: number): void {
  if (send_ns !== 0) nd6_dad_ns_output(dp);
  callout_reset(dp.dad_timer_ch, ticks, nd6_dad_timer, dp);
}

function nd6_dad_stoptimer(dp: dadq): void {
  callout_stop(dp.dad_timer_ch);
}

function nd6_dad_rele(dp: dadq): void {
  dp.dad_refcnt--;
}

/**
 * nd6_dad_start: begin DAD for a tentative address after `delay` ticks
 * (the first probe of an interface just brought up is delayed).  Nothing
 * to do for anycast addresses, with dad_count 0 or no_dad; an interface
 * down or disabled leaves the address tentative for later.
 */
export function nd6_dad_start(ia: in6_ifaddr, delay: number): void {
  if ((ia.ia6_flags & IN6_IFF_TENTATIVE) === 0) throw new Error(`starting DAD on non-tentative address ${ip6_sprintf(ia.ia_addr.sin6_addr)}`);
  const ifp = ia.ifa_ifp;
  if ((ia.ia6_flags & IN6_IFF_ANYCAST) !== 0 || V_ip6_dad_count() === 0 || (ND_IFINFO(ifp).flags & ND6_IFF_NO_DAD) !== 0) {
    ia.ia6_flags &= ~IN6_IFF_TENTATIVE;
    return;
  }
  if ((ifp.if_flags & IFF_UP) === 0 || (ifp.if_drv_flags & IFF_DRV_RUNNING) === 0 || (ND_IFINFO(ifp).flags & ND6_IFF_IFDISABLED) !== 0) {
    // nd6_timer starts it when the interface can.
    nd6_timer_kick();
    return;
  }
  let dp = nd6_dad_find(ia, null, -1);
  if (dp !== null) {
    // Already running: let it finish.
    nd6_dad_rele(dp);
    return;
  }
  dp = new dadq(ia, curvnet ?? vnet0);
  nd6log(LOG_DEBUG, `${ifp.if_xname}: starting DAD for ${ip6_sprintf(ia.ia_addr.sin6_addr)}\n`);
  // dad_count probes; the first after `delay` (the interface was just (re)initialized).
  dp.dad_count = V_ip6_dad_count();
  nd6_dad_add(dp);
  nd6_dad_starttimer(dp, delay, 0);
}

/** nd6_dad_stop: the address goes; so does its DAD. */
export function nd6_dad_stop(ia: in6_ifaddr): void {
  const dp = nd6_dad_find(ia, null, -1);
  if (dp === null) return;
  nd6_dad_stoptimer(dp);
  nd6_dad_del(dp);
  nd6_dad_rele(dp);
}

function nd6_dad_timer(dp: dadq): void {
  const saved = CURVNET_SET(dp.dad_vnet, "nd6_dad_timer");
  const ia = dp.dad_ifa;
  const ifp = ia.ifa_ifp;
  const addr = ia.ia_addr.sin6_addr;
  done: {
    err: {
      if ((ND_IFINFO(ifp).flags & ND6_IFF_IFDISABLED) !== 0) {
        // No DAD on a disabled interface.
        log(LOG_ERR, `nd6_dad_timer: cancel DAD on ${ifp.if_xname} because of ND6_IFF_IFDISABLED.\n`);
        break err;
      }
      if ((ia.ia6_flags & IN6_IFF_DUPLICATED) !== 0) {
        log(LOG_ERR, `nd6_dad_timer: called with duplicated address ${ip6_sprintf(addr)}(${ifp.if_xname})\n`);
        break err;
      }
      if ((ia.ia6_flags & IN6_IFF_TENTATIVE) === 0) {
        log(LOG_ERR, `nd6_dad_timer: called with non-tentative address ${ip6_sprintf(addr)}(${ifp.if_xname})\n`);
        break err;
      }
      // Give up when the interface stays down for dad_maxtry tries.
      if (dp.dad_ns_tcount > VNET_I32(dad_maxtry) && ((ifp.if_flags & IFF_UP) === 0 || (ifp.if_drv_flags & IFF_DRV_RUNNING) === 0)) {
        nd6log(LOG_INFO, `${ifp.if_xname}: could not run DAD because the interface was down or not running.\n`);
        break err;
      }
      if (dp.dad_ns_ocount < dp.dad_count) {
        // More probes to send.
        nd6_dad_starttimer(dp, Math.floor((ND_IFINFO(ifp).retrans * hz) / 1000), 1);
        break done;
      }
      // Sent them all: what came back?
      if (dp.dad_ns_icount > 0 || dp.dad_na_icount > 0) nd6_dad_duplicated(ia, dp);
      else if (VNET_I32(dad_enhanced) !== 0 && dp.dad_ns_lcount > 0 && dp.dad_ns_lcount > dp.dad_loopbackprobe) {
        // Our probe came back (RFC 7527 4.1): probe on until that stops.
        log(LOG_ERR, `${ifp.if_xname}: a looped back NS message is detected during DAD for ${ip6_sprintf(addr)}.  Another DAD probes are being sent.\n`);
        dp.dad_loopbackprobe = dp.dad_ns_lcount;
        // One now, and nd6_mmaxtries - 1 more.
        dp.dad_count = dp.dad_ns_ocount + VNET_I32(nd6_mmaxtries) - 1;
        nd6_dad_starttimer(dp, Math.floor((ND_IFINFO(ifp).retrans * hz) / 1000), 1);
        break done;
      } else {
        // No NA, no NS: the address is ours (unless the interface was disabled meanwhile).
        if ((ND_IFINFO(ifp).flags & ND6_IFF_IFDISABLED) === 0) ia.ia6_flags &= ~IN6_IFF_TENTATIVE;
        nd6log(LOG_DEBUG, `${ifp.if_xname}: DAD complete for ${ip6_sprintf(addr)} - no duplicates found\n`);
        if (dp.dad_ns_lcount > 0) log(LOG_ERR, `${ifp.if_xname}: DAD completed while a looped back NS message is detected during DAD for ${ip6_sprintf(addr)}.\n`);
      }
    }
    // err:
    nd6_dad_del(dp);
  }
  CURVNET_RESTORE(saved);
}

const dup_in6 = new in6_addr();

/**
 * nd6_dad_duplicated: someone else has the address.  It becomes
 * DUPLICATED; a duplicated link-local address made from the hardware
 * address turns IPv6 off on the interface (RFC 4862 5.4.5).
 */
function nd6_dad_duplicated(ia: in6_ifaddr, dp: dadq): void {
  const ifp = ia.ifa_ifp;
  log(
    LOG_ERR,
    `${ifp.if_xname}: DAD detected duplicate IPv6 address ${ip6_sprintf(ia.ia_addr.sin6_addr)}: NS in/out/loopback=${dp.dad_ns_icount}/${dp.dad_ns_ocount}/${dp.dad_ns_lcount}, NA in=${dp.dad_na_icount}\n`,
  );
  ia.ia6_flags &= ~IN6_IFF_TENTATIVE;
  ia.ia6_flags |= IN6_IFF_DUPLICATED;
  log(LOG_ERR, `${ifp.if_xname}: DAD complete for ${ip6_sprintf(ia.ia_addr.sin6_addr)} - duplicate found\n`);
  log(LOG_ERR, `${ifp.if_xname}: manual intervention required\n`);
  if (IN6_IS_ADDR_LINKLOCAL(ia.ia_addr.sin6_addr)) {
    // Only where hardware addresses are meant to be unique.
    switch (ifp.if_type) {
      case IFT_ETHER:
      case IFT_ATM:
      case IFT_IEEE1394:
      case IFT_INFINIBAND:
        in6_addr_copy(dup_in6, ia.ia_addr.sin6_addr);
        if (in6_get_hw_ifid(ifp, dup_in6) === 0 && IN6_ARE_ADDR_EQUAL(ia.ia_addr.sin6_addr, dup_in6)) {
          ND_IFINFO(ifp).flags |= ND6_IFF_IFDISABLED;
          log(LOG_ERR, `${ifp.if_xname}: possible hardware address duplication detected, disable IPv6\n`);
        }
        break;
    }
  }
}

const dad_nonce_word = new DataView(new ArrayBuffer(8));

function nd6_dad_ns_output(dp: dadq): void {
  const ia = dp.dad_ifa;
  const ifp = ia.ifa_ifp;
  dp.dad_ns_tcount++;
  if ((ifp.if_flags & IFF_UP) === 0) return;
  if ((ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) return;
  dp.dad_ns_ocount++;
  if (VNET_I32(dad_enhanced) !== 0) {
    // Only the latest probe's nonce is remembered (several probes may come back out of order).
    dad_nonce_word.setUint32(0, arc4random(), true);
    dad_nonce_word.setUint32(4, arc4random(), true);
    for (let i = 0; i < 8; i++) dp.dad_nonce[i] = dad_nonce_word.getUint8(i);
  }
  nd6_ns_output(ifp, null, null, ia.ia_addr.sin6_addr, dp.dad_nonce);
}

/** A DAD probe for one of our tentative addresses (nonce: its option's offset in nbuf, or -1). */
function nd6_dad_ns_input(ifa: in6_ifaddr, nbuf: Uint8Array, nonce: number): void {
  // Without enhanced DAD the nonce means nothing.
  if (VNET_I32(dad_enhanced) === 0) nonce = -1;
  const dp = nd6_dad_find(ifa, nonce >= 0 ? nbuf : null, nonce);
  if (dp === null) return;
  dp.dad_ns_icount++;
  nd6_dad_rele(dp);
}

/** An advertisement for one of our tentative addresses. */
function nd6_dad_na_input(ifa: in6_ifaddr): void {
  const dp = nd6_dad_find(ifa, null, -1);
  if (dp !== null) {
    dp.dad_na_icount++;
    nd6_dad_rele(dp);
  }
}

