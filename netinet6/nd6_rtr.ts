// sys/netinet6/nd6_rtr.c: Router Solicitation and Advertisement (RFC 4861
// 6), the default router list and router selection with preferences (RFC
// 4191), the prefix list with on-link determination, and stateless address
// autoconfiguration from advertised prefixes (RFC 4862 5.5.3).
//
// A host (net.inet6.ip6.forwarding 0, accept_rtadv on the interface)
// learns from each RA: the router (its lifetime and preference; the first
// reachable one of the highest preference becomes the default route), the
// ReachableTime / RetransTimer / CurHopLimit, each prefix (on-link: a
// prefix route; autonomous: an address from the prefix and the link-local
// address's interface identifier), and the link MTU.  Routers answer RS
// in userland (rtadvd); the kernel only learns the sender from one.
//
// Departures from FreeBSD 14: no temporary addresses (RFC 4941; use_tempaddr
// stays 0, so in6_tmpifadd is never asked for), no ipv6-only flag
// (EXPERIMENTAL), no locks.

import { EADDRNOTAVAIL, EEXIST, EINVAL, ENOMEM, EPERM } from "../kern/errno.ts";
import { time_uptime, boottime_s } from "../kern/kern_timeout.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { AF_INET6 } from "../kern/socket.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_OPAQUE, OID_AUTO, SYSCTL_INT, SYSCTL_OUT, SYSCTL_PROC, type sysctl_handler_t } from "../kern/sysctl.ts";
import { log, printf } from "../kern/subr_prf.ts";
import { m_pullup } from "../kern/uipc_mbuf.ts";
import { V_ifnet, ifnet_byindex, type ifnet } from "../net/if.ts";
import { sockaddr_dl } from "../net/if_dl.ts";
import { LLE_MAX_LINKHDR, LLE_STATIC, lltable_prefix_free } from "../net/if_llatbl.ts";
import { RTAX_DST, RTAX_GATEWAY, RTAX_NETMASK, RTF_GATEWAY, RTF_HOST, RTF_PINNED, RTF_STATIC, RTM_ADD, RTM_DELETE, RT_ALL_FIBS, rt_addrinfo, rt_routemsg } from "../net/route.ts";
import { nhop_select } from "../net/route/nhop.ts";
import { nhop_get_rtflags } from "../net/route/nhop_ctl.ts";
import { rib_action, rib_cmd_info } from "../net/route/route_ctl.ts";
import { rib_foreach_table_walk_del } from "../net/route/route_helpers.ts";
import { rib_handle_ifaddr_info } from "../net/route/route_ifaddrs.ts";
import { V_rt_add_addr_allfibs, V_rt_numfibs } from "../net/route/route_tables.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_I32_SET, VNET_PTR, VNET_PTR_SET } from "../net/vnet.ts";
import {
  ICMP6STAT_INC,
  ND_OPT_MTU_OFF_MTU,
  ND_OPT_PI_FLAG_AUTO,
  ND_OPT_PI_FLAG_ONLINK,
  ND_OPT_PI_OFF_FLAGS,
  ND_OPT_PI_OFF_PREFERRED_TIME,
  ND_OPT_PI_OFF_PREFIX,
  ND_OPT_PI_OFF_PREFIX_LEN,
  ND_OPT_PI_OFF_VALID_TIME,
  ND_OPT_PREFIX_INFORMATION,
  ND_RA_FLAG_RTPREF_HIGH,
  ND_RA_FLAG_RTPREF_LOW,
  ND_RA_FLAG_RTPREF_MASK,
  ND_RA_FLAG_RTPREF_MEDIUM,
  ND_RA_FLAG_RTPREF_RSV,
  ND_RA_LEN,
  ND_RA_OFF_CURHOPLIMIT,
  ND_RA_OFF_FLAGS,
  ND_RA_OFF_REACHABLE,
  ND_RA_OFF_RETRANSMIT,
  ND_RA_OFF_ROUTER_LIFETIME,
  ND_ROUTER_ADVERT,
  ND_ROUTER_SOLICIT,
  ND_RS_LEN,
  _net_inet6_icmp6,
  icp6s_badra,
  icp6s_badrs,
  icp6s_invlhlim,
} from "../netinet/icmp6.ts";
import { IPV6_MMTU, IP6_OFF_DST, IP6_OFF_HLIM, IP6_OFF_SRC } from "../netinet/ip6.ts";
import { rt_updatemtu } from "../net/route.ts";
import { V_in6_ifaddrhead, in6ifa_ifpforlinklocal, in6ifa_ifpwithaddr, in6_update_ifa } from "./in6.ts";
import { IFA6_IS_DEPRECATED, IFA6_IS_INVALID, IN6_ARE_ADDR_EQUAL, IN6_IFF_ANYCAST, IN6_IFF_AUTOCONF, IN6_IFF_DETACHED, IN6_IFF_NOTREADY, IN6_IFF_TEMPORARY, IN6_IFF_TENTATIVE, IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, ND6_INFINITE_LIFETIME, in6_addr, in6_addr_copy, in6_addr_read, in6_addrlifetime, in6_aliasreq, in6_ifaddr, in6_mask2len, in6_prefixlen2mask, ip6_sprintf, sockaddr_in6 } from "./in6_var.ts";
import { V_ip6_forwarding, V_ip6_rfc6204w3 } from "./in6_proto.ts";
import { IP6STAT_INC, M_FRAGMENTED, ip6s_exthdrtoolong } from "./ip6_var.ts";
import {
  ND6_IFF_ACCEPT_RTADV,
  ND6_IFF_NO_RADR,
  ND6_IS_LLINFO_PROBREACH,
  ND_COMPUTE_RTIME,
  MAX_REACHABLE_TIME,
  ND_IFINFO,
  nd6_cache_lladdr,
  nd6_lookup,
  nd6_opt_lladdr,
  nd6_option_init,
  nd6_options,
  nd6_recalc_reachtm_interval,
  nd6_timer_kick,
  nd6log,
  nd_opts,
} from "./nd6.ts";
import { nd6_dad_start } from "./nd6_nbr.ts";
import { sa6_recoverscope, scope6_setdefault } from "./scope6.ts";

// sys/syslog.h
const LOG_ERR = 3;
const LOG_NOTICE = 5;
const LOG_INFO = 6;

/** in6_var.h: in6_update_ifa's flag for a random delay before DAD. */
const IN6_IFAUPDATE_DADDELAY = 0x1;

// Prefix status (ndpr_stateflags).
export const NDPRF_ONLINK = 0x1;
export const NDPRF_DETACHED = 0x2;

// Router preference as a 2-bit signed value; MEDIUM must be 0.
const RTPREF_HIGH = 1;
const RTPREF_MEDIUM = 0;
const RTPREF_LOW = -1;
const RTPREF_INVALID = -3;

/** struct nd_prefixctl: what describes a prefix (from an RA, or from an address being added). */
export class nd_prefixctl {
  ndpr_ifp: ifnet | null = null;
  readonly ndpr_prefix = new sockaddr_in6();
  ndpr_vltime = 0;
  ndpr_pltime = 0;
  ndpr_plen = 0;
  /** ndpr_raf: the on-link and autonomous flags. */
  ndpr_raf_onlink = 0;
  ndpr_raf_auto = 0;
  ndpr_raf_ra_derived = 0;
}
/** struct nd_prefix: a prefix on the prefix list. */
export class nd_prefix extends nd_prefixctl {
  /** The mask of ndpr_plen. */
  readonly ndpr_mask = new in6_addr();
  ndpr_expire = 0;
  ndpr_preferred = 0;
  ndpr_lastupdate = 0;
  ndpr_stateflags = 0;
  /** Addresses made from it. */
  ndpr_addrcnt = 0;
  ndpr_refcnt = 1;
  /** The routers that advertised it (the nd_pfxrouter list). */
  ndpr_advrtrs: nd_defrouter[] = [];
}
/** struct nd_defrouter: a router heard from. */
export class nd_defrouter {
  readonly rtaddr = new sockaddr_in6();
  raflags = 0;
  rtlifetime = 0;
  expire = 0;
  ifp: ifnet | null = null;
  installed = 0;
  refcnt = 1;
}

// ---------------------------------------------------------------------------
// Per-vnet lists and knobs.

const nd6_defrouter_head = VNET_DEFINE_PTR<nd_defrouter[] | null>("nd6_defrouter", null);
const nd_prefix_head = VNET_DEFINE_PTR<nd_prefix[] | null>("nd_prefix", null);
/** The default interface for destinations with no route (ndp -I). */
export const nd6_defifindex = VNET_DEFINE_INT("nd6_defifindex", 0);
const nd6_defifp = VNET_DEFINE_PTR<ifnet | null>("nd6_defifp", null);
/** net.inet6.ip6.use_tempaddr (RFC 4941): off, and not supported here. */
export const ip6_use_tempaddr = VNET_DEFINE_INT("ip6_use_tempaddr", 0);

/** V_nd6_defrouter: the default router list, in order of preference. */
export function V_nd6_defrouter(): nd_defrouter[] {
  let l = VNET_PTR(nd6_defrouter_head);
  if (l === null) {
    l = [];
    VNET_PTR_SET(nd6_defrouter_head, l);
  }
  return l;
}
/** V_nd_prefix: the prefix list (newest first, as LIST_INSERT_HEAD). */
export function V_nd_prefix(): nd_prefix[] {
  let l = VNET_PTR(nd_prefix_head);
  if (l === null) {
    l = [];
    VNET_PTR_SET(nd_prefix_head, l);
  }
  return l;
}

/** nd6_defrouter_init: the vnet's lists (nd6_init calls it). */
export function nd6_defrouter_init(): void {
  VNET_PTR_SET(nd6_defrouter_head, []);
  VNET_PTR_SET(nd_prefix_head, []);
}

function defrouter_ref(dr: nd_defrouter): void {
  dr.refcnt++;
}
export function defrouter_rele(dr: nd_defrouter): void {
  dr.refcnt--;
}

/** defrouter_unlink: off the list, into drq if given. */
function defrouter_unlink(dr: nd_defrouter, drq: nd_defrouter[] | null): void {
  const l = V_nd6_defrouter();
  const i = l.indexOf(dr);
  if (i >= 0) l.splice(i, 1);
  if (drq !== null) drq.push(dr);
}

// ---------------------------------------------------------------------------
// Input.

const rs_saddr6 = new in6_addr();
const rs_daddr6 = new in6_addr();
// nd6.ts and this file import each other: made on first use.
let rs_opts_p: nd_opts | null = null;
let ra_opts_p: nd_opts | null = null;
const ra_saddr6 = new in6_addr();
const ra_daddr6 = new in6_addr();
const opt_lladdr = new Uint8Array(LLE_MAX_LINKHDR);

/**
 * nd6_rs_input: a Router Solicitation.  Only a router (forwarding, not
 * taking RAs on the interface) looks at it, to learn the sender; the
 * answer is rtadvd's.  Consumes m.
 */
export function nd6_rs_input(m0: mbuf, off: number, icmp6len: number): void {
  let m: mbuf | null = m0;
  const ifp = m.m_pkthdr.rcvif as ifnet;
  if (rs_opts_p === null) rs_opts_p = new nd_opts();
  const rs_opts = rs_opts_p;
  bad: {
    freeit: {
      if (V_ip6_forwarding() === 0 || (ND_IFINFO(ifp).flags & ND6_IFF_ACCEPT_RTADV) !== 0) break freeit;
      if ((m.m_flags & M_FRAGMENTED) !== 0) break freeit;
      let ip6 = m.m_data;
      const hlim = m.m_buf[ip6 + IP6_OFF_HLIM];
      if (hlim !== 255) {
        ICMP6STAT_INC(icp6s_invlhlim);
        nd6log(LOG_ERR, `nd6_rs_input: invalid hlim (${hlim}) from ${ip6_sprintf(in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, rs_saddr6))} to ${ip6_sprintf(in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, rs_daddr6))} on ${ifp.if_xname}\n`);
        break bad;
      }
      // From :: the sender has no address yet: nothing to learn.
      in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, rs_saddr6);
      if (IN6_IS_ADDR_UNSPECIFIED(rs_saddr6)) break freeit;
      if (m.m_len < off + icmp6len) {
        m = m_pullup(m, off + icmp6len);
        if (m === null) {
          IP6STAT_INC(ip6s_exthdrtoolong);
          return;
        }
      }
      ip6 = m.m_data;
      const buf = m.m_buf;
      const nd_rs = ip6 + off;
      icmp6len -= ND_RS_LEN;
      nd6_option_init(nd_rs + ND_RS_LEN, icmp6len, rs_opts);
      if (nd6_options(buf, rs_opts) < 0) {
        nd6log(LOG_INFO, "nd6_rs_input: invalid ND option, ignored\n");
        break freeit;
      }
      let lladdr: Uint8Array | null = null;
      let lladdrlen = 0;
      const sll = rs_opts.nd_opts_src_lladdr;
      if (sll >= 0) {
        lladdrlen = nd6_opt_lladdr(buf, sll, opt_lladdr);
        lladdr = opt_lladdr;
      }
      if (lladdr !== null && ((ifp.if_addrlen + 2 + 7) & ~7) !== lladdrlen) {
        nd6log(LOG_INFO, `nd6_rs_input: lladdrlen mismatch for ${ip6_sprintf(rs_saddr6)} (if ${ifp.if_addrlen}, RS packet ${lladdrlen - 2})\n`);
        break bad;
      }
      nd6_cache_lladdr(ifp, rs_saddr6, lladdr, lladdrlen, ND_ROUTER_SOLICIT, 0);
    }
    m_freem(m);
    return;
  }
  ICMP6STAT_INC(icp6s_badrs);
  m_freem(m);
}

const ra_pr = new nd_prefixctl();

/**
 * nd6_ra_input: a Router Advertisement, taken only on an interface with
 * ND6_IFF_ACCEPT_RTADV, from a link-local source, with hop limit 255.
 * Consumes m.
 */
export function nd6_ra_input(m0: mbuf, off: number, icmp6len: number): void {
  let m: mbuf | null = m0;
  const ifp = m.m_pkthdr.rcvif as ifnet;
  const ndi = ND_IFINFO(ifp);
  if (ra_opts_p === null) ra_opts_p = new nd_opts();
  const ra_opts = ra_opts_p;
  bad: {
    freeit: {
      if ((ndi.flags & ND6_IFF_ACCEPT_RTADV) === 0) break freeit;
      if ((m.m_flags & M_FRAGMENTED) !== 0) break freeit;
      let ip6 = m.m_data;
      const hlim = m.m_buf[ip6 + IP6_OFF_HLIM];
      in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, ra_saddr6);
      if (hlim !== 255) {
        ICMP6STAT_INC(icp6s_invlhlim);
        nd6log(LOG_ERR, `nd6_ra_input: invalid hlim (${hlim}) from ${ip6_sprintf(ra_saddr6)} to ${ip6_sprintf(in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, ra_daddr6))} on ${ifp.if_xname}\n`);
        break bad;
      }
      const saddr6 = ra_saddr6;
      if (!IN6_IS_ADDR_LINKLOCAL(saddr6)) {
        nd6log(LOG_ERR, `nd6_ra_input: src ${ip6_sprintf(saddr6)} is not link-local\n`);
        break bad;
      }
      if (m.m_len < off + icmp6len) {
        m = m_pullup(m, off + icmp6len);
        if (m === null) {
          IP6STAT_INC(ip6s_exthdrtoolong);
          return;
        }
      }
      ip6 = m.m_data;
      const buf = m.m_buf;
      const dv = m.m_dv;
      const nd_ra = ip6 + off;
      icmp6len -= ND_RA_LEN;
      nd6_option_init(nd_ra + ND_RA_LEN, icmp6len, ra_opts);
      if (nd6_options(buf, ra_opts) < 0) {
        nd6log(LOG_INFO, "nd6_ra_input: invalid ND option, ignored\n");
        break freeit;
      }
      in6_addr_read(buf, ip6 + IP6_OFF_DST, ra_daddr6);
      // A multicast RA delays DAD of the addresses it makes.
      const mcast = IN6_IS_ADDR_MULTICAST(ra_daddr6) ? 1 : 0;
      let dr: nd_defrouter | null = null;
      {
        const dr0 = new nd_defrouter();
        in6_addr_copy(dr0.rtaddr.sin6_addr, saddr6);
        dr0.raflags = buf[nd_ra + ND_RA_OFF_FLAGS];
        // No default route from RAs with no_radr, or on a router (unless rfc6204w3).
        if ((ndi.flags & ND6_IFF_NO_RADR) !== 0) dr0.rtlifetime = 0;
        else if (V_ip6_forwarding() !== 0 && V_ip6_rfc6204w3() === 0) dr0.rtlifetime = 0;
        else dr0.rtlifetime = dv.getUint16(nd_ra + ND_RA_OFF_ROUTER_LIFETIME);
        dr0.expire = time_uptime() + dr0.rtlifetime;
        dr0.ifp = ifp;
        // 0 means unspecified (RFC 4861 6.3.4).
        const advreachable = dv.getUint32(nd_ra + ND_RA_OFF_REACHABLE);
        if (advreachable !== 0) {
          if (advreachable <= MAX_REACHABLE_TIME && ndi.basereachable !== advreachable) {
            ndi.basereachable = advreachable;
            ndi.reachable = ND_COMPUTE_RTIME(ndi.basereachable);
            ndi.recalctm = VNET_I32(nd6_recalc_reachtm_interval);
          }
        }
        const retrans = dv.getUint32(nd_ra + ND_RA_OFF_RETRANSMIT);
        if (retrans !== 0) ndi.retrans = retrans;
        const curhoplimit = buf[nd_ra + ND_RA_OFF_CURHOPLIMIT];
        if (curhoplimit !== 0) {
          if (ndi.chlim < curhoplimit) ndi.chlim = curhoplimit;
          else if (ndi.chlim !== curhoplimit)
            log(LOG_ERR, `RA with a lower CurHopLimit sent from ${ip6_sprintf(saddr6)} on ${ifp.if_xname} (current = ${ndi.chlim}, received = ${curhoplimit}). Ignored.\n`);
        }
        dr = defrtrlist_update(dr0);
      }
      // Prefixes.
      if (ra_opts.nd_opts_pi >= 0) {
        for (let pt = ra_opts.nd_opts_pi; pt <= ra_opts.nd_opts_pi_end; pt += buf[pt + 1] << 3) {
          if (buf[pt] !== ND_OPT_PREFIX_INFORMATION) continue;
          const pi = pt;
          if (buf[pi + 1] !== 4) {
            nd6log(LOG_INFO, `nd6_ra_input: invalid option len ${buf[pi + 1]} for prefix information option, ignored\n`);
            continue;
          }
          const plen = buf[pi + ND_OPT_PI_OFF_PREFIX_LEN];
          if (128 < plen) {
            nd6log(LOG_INFO, `nd6_ra_input: invalid prefix len ${plen} for prefix information option, ignored\n`);
            continue;
          }
          const pr = ra_pr;
          in6_addr_read(buf, pi + ND_OPT_PI_OFF_PREFIX, pr.ndpr_prefix.sin6_addr);
          if (IN6_IS_ADDR_MULTICAST(pr.ndpr_prefix.sin6_addr) || IN6_IS_ADDR_LINKLOCAL(pr.ndpr_prefix.sin6_addr)) {
            nd6log(LOG_INFO, `nd6_ra_input: invalid prefix ${ip6_sprintf(pr.ndpr_prefix.sin6_addr)}, ignored\n`);
            continue;
          }
          pr.ndpr_prefix.sin6_family = AF_INET6;
          pr.ndpr_prefix.sin6_len = 28;
          pr.ndpr_prefix.sin6_scope_id = 0;
          pr.ndpr_ifp = ifp;
          const pflags = buf[pi + ND_OPT_PI_OFF_FLAGS];
          pr.ndpr_raf_onlink = (pflags & ND_OPT_PI_FLAG_ONLINK) !== 0 ? 1 : 0;
          pr.ndpr_raf_auto = (pflags & ND_OPT_PI_FLAG_AUTO) !== 0 ? 1 : 0;
          pr.ndpr_raf_ra_derived = 1;
          pr.ndpr_plen = plen;
          pr.ndpr_vltime = dv.getUint32(pi + ND_OPT_PI_OFF_VALID_TIME);
          pr.ndpr_pltime = dv.getUint32(pi + ND_OPT_PI_OFF_PREFERRED_TIME);
          prelist_update(pr, dr, m, mcast);
        }
      }
      if (dr !== null) defrouter_rele(dr);
      // MTU.
      const mtuopt = ra_opts.nd_opts_mtu;
      mtu: if (mtuopt >= 0 && buf[mtuopt + 1] === 1) {
        const mtu = dv.getUint32(mtuopt + ND_OPT_MTU_OFF_MTU);
        if (mtu < IPV6_MMTU) {
          nd6log(LOG_INFO, `nd6_ra_input: bogus mtu option mtu=${mtu} sent from ${ip6_sprintf(saddr6)}, ignoring\n`);
          break mtu;
        }
        const maxmtu = ndi.maxmtu !== 0 && ndi.maxmtu < ifp.if_mtu ? ndi.maxmtu : ifp.if_mtu;
        if (mtu <= maxmtu) {
          const change = ndi.linkmtu !== mtu;
          ndi.linkmtu = mtu;
          if (change) rt_updatemtu(ifp);
        } else nd6log(LOG_INFO, `nd6_ra_input: bogus mtu=${mtu} sent from ${ip6_sprintf(saddr6)}; exceeds maxmtu ${maxmtu}, ignoring\n`);
      }
      // The source link-layer address.
      let lladdr: Uint8Array | null = null;
      let lladdrlen = 0;
      const sll = ra_opts.nd_opts_src_lladdr;
      if (sll >= 0) {
        lladdrlen = nd6_opt_lladdr(buf, sll, opt_lladdr);
        lladdr = opt_lladdr;
      }
      if (lladdr !== null && ((ifp.if_addrlen + 2 + 7) & ~7) !== lladdrlen) {
        nd6log(LOG_INFO, `nd6_ra_input: lladdrlen mismatch for ${ip6_sprintf(saddr6)} (if ${ifp.if_addrlen}, RA packet ${lladdrlen - 2})\n`);
        break bad;
      }
      nd6_cache_lladdr(ifp, saddr6, lladdr, lladdrlen, ND_ROUTER_ADVERT, 0);
      // The router's entry may now be (probably) reachable: on-link detection may change.
      pfxlist_onlink_check();
    }
    m_freem(m);
    return;
  }
  ICMP6STAT_INC(icp6s_badra);
  m_freem(m);
}

// ---------------------------------------------------------------------------
// Prefix -> router links (nd_pfxrouter).

function pfxrtr_lookup(pr: nd_prefix, dr: nd_defrouter): nd_defrouter | null {
  return pr.ndpr_advrtrs.includes(dr) ? dr : null;
}

function pfxrtr_add(pr: nd_prefix, dr: nd_defrouter): void {
  if (pfxrtr_lookup(pr, dr) !== null) return;
  defrouter_ref(dr);
  pr.ndpr_advrtrs.unshift(dr);
  pfxlist_onlink_check();
}

function pfxrtr_del(pr: nd_prefix, dr: nd_defrouter): void {
  const i = pr.ndpr_advrtrs.indexOf(dr);
  if (i >= 0) pr.ndpr_advrtrs.splice(i, 1);
  defrouter_rele(dr);
}

// ---------------------------------------------------------------------------
// The default route.

function sin6_any(): sockaddr_in6 {
  return new sockaddr_in6();
}

/** defrouter_addreq: install the default route through new. */
function defrouter_addreq(dr: nd_defrouter): void {
  const def = sin6_any();
  const mask = sin6_any();
  const gate = new sockaddr_in6(dr.rtaddr.sin6_addr);
  const fibnum = (dr.ifp as ifnet).if_fib;
  const info = new rt_addrinfo();
  info.rti_flags = RTF_GATEWAY;
  info.rti_info[RTAX_DST] = def;
  info.rti_info[RTAX_GATEWAY] = gate;
  info.rti_info[RTAX_NETMASK] = mask;
  const rc = new rib_cmd_info();
  const error = rib_action(fibnum, RTM_ADD, info, rc);
  if (error === 0) {
    if (rc.rc_rt !== null && rc.rc_nh_new !== null) rt_routemsg(RTM_ADD, rc.rc_rt, nhop_select(rc.rc_nh_new, 0), fibnum);
    dr.installed = 1;
  }
}

/** defrouter_delreq: remove the default route through dr. */
function defrouter_delreq(dr: nd_defrouter): void {
  const def = sin6_any();
  const mask = sin6_any();
  const gate = new sockaddr_in6(dr.rtaddr.sin6_addr);
  const fibnum = (dr.ifp as ifnet).if_fib;
  const info = new rt_addrinfo();
  info.rti_flags = RTF_GATEWAY;
  info.rti_info[RTAX_DST] = def;
  info.rti_info[RTAX_GATEWAY] = gate;
  info.rti_info[RTAX_NETMASK] = mask;
  const rc = new rib_cmd_info();
  const error = rib_action(fibnum, RTM_DELETE, info, rc);
  if (error === 0 && rc.rc_rt !== null && rc.rc_nh_old !== null) rt_routemsg(RTM_DELETE, rc.rc_rt, nhop_select(rc.rc_nh_old, 0), fibnum);
  dr.installed = 0;
}

/** defrouter_del: a router unlinked from the list goes for good. */
function defrouter_del(dr: nd_defrouter): void {
  const ifp = dr.ifp as ifnet;
  // Routes through it go.
  if ((ND_IFINFO(ifp).flags & ND6_IFF_ACCEPT_RTADV) !== 0) rt6_flush(dr.rtaddr.sin6_addr, ifp);
  let deldr: nd_defrouter | null = null;
  if (dr.installed !== 0) {
    deldr = dr;
    defrouter_delreq(dr);
  }
  // And from every prefix it advertised.
  for (const pr of V_nd_prefix()) if (pfxrtr_lookup(pr, dr) !== null) pfxrtr_del(pr, dr);
  pfxlist_onlink_check();
  // The primary one went: choose another.
  if (deldr !== null) defrouter_select_fib((deldr.ifp as ifnet).if_fib);
  defrouter_rele(dr);
}

/** defrouter_lookup: the router addr on ifp (a reference taken), or null. */
export function defrouter_lookup(addr: in6_addr, ifp: ifnet): nd_defrouter | null {
  for (const dr of V_nd6_defrouter())
    if (dr.ifp === ifp && IN6_ARE_ADDR_EQUAL(addr, dr.rtaddr.sin6_addr)) {
      defrouter_ref(dr);
      return dr;
    }
  return null;
}

/** defrouter_reset: every default route of the list goes from the table (the list stays). */
export function defrouter_reset(): void {
  const dra = V_nd6_defrouter().slice();
  for (const dr of dra) {
    defrouter_ref(dr);
    defrouter_delreq(dr);
    defrouter_rele(dr);
  }
}

/** defrouter_remove: unlink and delete the router addr on ifp; false if there is none. */
export function defrouter_remove(addr: in6_addr, ifp: ifnet): boolean {
  const dr = defrouter_lookup(addr, ifp);
  if (dr === null) return false;
  defrouter_unlink(dr, null);
  defrouter_del(dr);
  defrouter_rele(dr);
  return true;
}

/** rtpref: the router preference of an RA's flags as -1, 0, 1. */
function rtpref(dr: nd_defrouter): number {
  switch (dr.raflags & ND_RA_FLAG_RTPREF_MASK) {
    case ND_RA_FLAG_RTPREF_HIGH:
      return RTPREF_HIGH;
    case ND_RA_FLAG_RTPREF_MEDIUM:
    case ND_RA_FLAG_RTPREF_RSV:
      return RTPREF_MEDIUM;
    case ND_RA_FLAG_RTPREF_LOW:
      return RTPREF_LOW;
    default:
      log(LOG_ERR, `rtpref: impossible RA flag ${dr.raflags.toString(16)}\n`);
      return RTPREF_INVALID;
  }
}

/**
 * defrouter_select_fib: the default route of a fib (RFC 4861 6.3.6, RFC
 * 4191): the first (probably) reachable router of the list (sorted by
 * preference), keeping the installed one unless the new one is better; no
 * reachable one: round-robin after the installed one.  RT_ALL_FIBS: each.
 */
export function defrouter_select_fib(fibnum: number): void {
  if (fibnum === RT_ALL_FIBS) {
    for (fibnum = 0; fibnum < V_rt_numfibs(); fibnum++) defrouter_select_fib(fibnum);
    return;
  }
  const list = V_nd6_defrouter();
  // An empty list: nothing to do.
  if (list.length === 0) return;
  let selected_dr: nd_defrouter | null = null;
  let installed_dr: nd_defrouter | null = null;
  for (const dr of list) {
    const ifp = dr.ifp as ifnet;
    if (selected_dr === null && ifp.if_fib === fibnum) {
      const ln = nd6_lookup(dr.rtaddr.sin6_addr, 0, ifp);
      if (ln !== null && ND6_IS_LLINFO_PROBREACH(ln)) {
        selected_dr = dr;
        defrouter_ref(selected_dr);
      }
    }
    if (dr.installed !== 0 && ifp.if_fib === fibnum) {
      if (installed_dr === null) {
        installed_dr = dr;
        defrouter_ref(installed_dr);
      } else log(LOG_ERR, "defrouter_select_fib: more than one router is installed\n");
    }
  }
  if (selected_dr === null) {
    // None reachable: the next after the installed one, for this fib.
    let i = installed_dr === null ? 0 : list.indexOf(installed_dr) + 1;
    if (installed_dr !== null && i >= list.length) i = 0;
    for (; i < list.length; i++) {
      if ((list[i].ifp as ifnet).if_fib === fibnum) {
        selected_dr = list[i];
        defrouter_ref(selected_dr);
        break;
      }
    }
  } else if (installed_dr !== null) {
    const ln = nd6_lookup(installed_dr.rtaddr.sin6_addr, 0, installed_dr.ifp as ifnet);
    if (ln !== null && ND6_IS_LLINFO_PROBREACH(ln) && (installed_dr.ifp as ifnet).if_fib === fibnum && rtpref(selected_dr) <= rtpref(installed_dr)) {
      defrouter_rele(selected_dr);
      selected_dr = installed_dr;
    }
  }
  // A different router: the old route out, the new one in.
  if (installed_dr !== selected_dr) {
    if (installed_dr !== null) {
      defrouter_delreq(installed_dr);
      defrouter_rele(installed_dr);
    }
    if (selected_dr !== null) defrouter_addreq(selected_dr);
  }
  if (selected_dr !== null) defrouter_rele(selected_dr);
}

/**
 * defrtrlist_update: an RA from `neu`'s router.  Lifetime 0 removes it;
 * otherwise it is updated or added, kept in descending preference order
 * (arrival order within one), and the default route chosen again.
 * Returns the router, referenced, or null.
 */
function defrtrlist_update(neu: nd_defrouter): nd_defrouter | null {
  if (neu.rtlifetime === 0) {
    defrouter_remove(neu.rtaddr.sin6_addr, neu.ifp as ifnet);
    return null;
  }
  const list = V_nd6_defrouter();
  let dr = defrouter_lookup(neu.rtaddr.sin6_addr, neu.ifp as ifnet);
  let n: nd_defrouter;
  if (dr !== null) {
    const oldpref = rtpref(dr);
    dr.raflags = neu.raflags;
    dr.rtlifetime = neu.rtlifetime;
    dr.expire = neu.expire;
    // Same preference and still installed: nothing to reorder.
    if (dr.installed !== 0 && rtpref(neu) === oldpref) return dr;
    // Its place may change.
    list.splice(list.indexOf(dr), 1);
    n = dr;
  } else {
    n = new nd_defrouter();
    in6_addr_copy(n.rtaddr.sin6_addr, neu.rtaddr.sin6_addr);
    n.raflags = neu.raflags;
    n.rtlifetime = neu.rtlifetime;
    n.expire = neu.expire;
    n.ifp = neu.ifp;
    // One reference for the list, one for the caller.
    n.refcnt = 2;
  }
  // At the end of its preference group.
  let at = list.length;
  for (let i = 0; i < list.length; i++)
    if (rtpref(n) > rtpref(list[i])) {
      at = i;
      break;
    }
  list.splice(at, 0, n);
  nd6_timer_kick();
  defrouter_select_fib((neu.ifp as ifnet).if_fib);
  dr = n;
  return dr;
}

// ---------------------------------------------------------------------------
// Prefixes.

function in6_init_prefix_ltimes(ndpr: nd_prefix): number {
  const now = time_uptime();
  ndpr.ndpr_preferred = ndpr.ndpr_pltime === ND6_INFINITE_LIFETIME ? 0 : now + ndpr.ndpr_pltime;
  ndpr.ndpr_expire = ndpr.ndpr_vltime === ND6_INFINITE_LIFETIME ? 0 : now + ndpr.ndpr_vltime;
  return 0;
}

function in6_init_address_ltimes(lt6: in6_addrlifetime): void {
  const now = time_uptime();
  lt6.ia6t_expire = lt6.ia6t_vltime === ND6_INFINITE_LIFETIME ? 0 : now + lt6.ia6t_vltime;
  lt6.ia6t_preferred = lt6.ia6t_pltime === ND6_INFINITE_LIFETIME ? 0 : now + lt6.ia6t_pltime;
}

/** in6_if2idlen: the interface identifier length of the link type (64 for all FreeBSD knows). */
function in6_if2idlen(_ifp: ifnet): number {
  return 64;
}

/**
 * in6_ifadd: an autoconfigured address from the prefix and the interface
 * identifier of the link-local address (which must exist, and be /128-plen
 * long: prefixlen + ifidlen = 128).
 */
function in6_ifadd(pr: nd_prefixctl, mcast: number): in6_ifaddr | null {
  const ifp = pr.ndpr_ifp as ifnet;
  const prefixlen = pr.ndpr_plen;
  const mask = new in6_addr();
  in6_prefixlen2mask(mask, prefixlen);
  // The link-local address gives the interface identifier.
  const ib = in6ifa_ifpforlinklocal(ifp, 0);
  if (ib === null) return null;
  // prefixlen + ifidlen must be 128 (RFC 4862 5.5.3 d).  The identifier
  // is the link-local's low 64 bits whatever that address's own prefix
  // length.  A departure from FreeBSD 14.0, which takes ifidlen from the
  // link-local's prefix length: the ndp.sh we run (newer than 14.0)
  // expects SLAAC to work beside a /127 link-local.
  const IFID_LEN = 64;
  if (prefixlen + IFID_LEN !== 128) {
    nd6log(LOG_INFO, `in6_ifadd: wrong prefixlen for ${ifp.if_xname} (prefix=${prefixlen} ifid=${IFID_LEN})\n`);
    return null;
  }
  // in6_prepare_ifra
  const ifra = new in6_aliasreq();
  ifra.ifra_name = ifp.if_xname;
  ifra.ifra_prefixmask.sin6_len = 28;
  ifra.ifra_prefixmask.sin6_family = AF_INET6;
  in6_addr_copy(ifra.ifra_prefixmask.sin6_addr, mask);
  const a = ifra.ifra_addr.sin6_addr.s6_addr;
  const p = pr.ndpr_prefix.sin6_addr.s6_addr;
  const k = mask.s6_addr;
  const id = ib.ia_addr.sin6_addr.s6_addr;
  for (let i = 0; i < 16; i++) a[i] = (p[i] & k[i]) | (id[i] & ~k[i] & 0xff);
  ifra.ifra_lifetime.ia6t_vltime = pr.ndpr_vltime;
  ifra.ifra_lifetime.ia6t_pltime = pr.ndpr_pltime;
  ifra.ifra_flags |= IN6_IFF_AUTOCONF;
  // We may have this very address already (configured by hand).
  if (in6ifa_ifpwithaddr(ifp, ifra.ifra_addr.sin6_addr) !== null) {
    log(LOG_INFO, `in6_ifadd: ${ip6_sprintf(ifra.ifra_addr.sin6_addr)} is already configured\n`);
    return null;
  }
  // From a multicast RA: a random delay before DAD (RFC 4862 5.4.2).
  const updateflags = mcast !== 0 ? IN6_IFAUPDATE_DADDELAY : 0;
  const error = in6_update_ifa(ifp, ifra, null, updateflags);
  if (error !== 0) {
    nd6log(LOG_ERR, `in6_ifadd: failed to make ifaddr ${ip6_sprintf(ifra.ifra_addr.sin6_addr)} on ${ifp.if_xname} (errno=${error})\n`);
    return null;
  }
  return in6ifa_ifpwithaddr(ifp, ifra.ifra_addr.sin6_addr);
}

/** nd6_prefix_lookup: the prefix with key's interface, length and bits (a reference taken), or null. */
export function nd6_prefix_lookup(key: nd_prefixctl): nd_prefix | null {
  for (const search of V_nd_prefix()) {
    if (key.ndpr_ifp === search.ndpr_ifp && key.ndpr_plen === search.ndpr_plen && in6_are_prefix_equal(key.ndpr_prefix.sin6_addr, search.ndpr_prefix.sin6_addr, key.ndpr_plen)) {
      nd6_prefix_ref(search);
      return search;
    }
  }
  return null;
}

/** in6_are_prefix_equal: the first len bits of p1 and p2 agree. */
function in6_are_prefix_equal(p1: in6_addr, p2: in6_addr, len: number): boolean {
  if (len < 0 || len > 128) {
    log(LOG_ERR, `in6_are_prefix_equal: invalid prefix length(${len})\n`);
    return false;
  }
  const bytelen = len >> 3;
  const bitlen = len & 7;
  for (let i = 0; i < bytelen; i++) if (p1.s6_addr[i] !== p2.s6_addr[i]) return false;
  if (bitlen !== 0 && p1.s6_addr[bytelen] >> (8 - bitlen) !== p2.s6_addr[bytelen] >> (8 - bitlen)) return false;
  return true;
}

export function nd6_prefix_ref(pr: nd_prefix): void {
  pr.ndpr_refcnt++;
}

export function nd6_prefix_rele(pr: nd_prefix): void {
  pr.ndpr_refcnt--;
  if (pr.ndpr_refcnt === 0 && pr.ndpr_advrtrs.length !== 0) throw new Error("nd6_prefix_rele: prefix has advertising routers");
}

/**
 * nd6_prelist_add: a new prefix on the list (on-link: its route too), dr
 * its advertiser; *newp gets it, referenced.
 */
export function nd6_prelist_add(pr: nd_prefixctl, dr: nd_defrouter | null, newp: { pr: nd_prefix | null } | null): number {
  const neu = new nd_prefix();
  neu.ndpr_refcnt = newp !== null ? 2 : 1;
  neu.ndpr_ifp = pr.ndpr_ifp;
  in6_addr_copy(neu.ndpr_prefix.sin6_addr, pr.ndpr_prefix.sin6_addr);
  neu.ndpr_prefix.sin6_scope_id = pr.ndpr_prefix.sin6_scope_id;
  neu.ndpr_plen = pr.ndpr_plen;
  neu.ndpr_vltime = pr.ndpr_vltime;
  neu.ndpr_pltime = pr.ndpr_pltime;
  neu.ndpr_raf_onlink = pr.ndpr_raf_onlink;
  neu.ndpr_raf_auto = pr.ndpr_raf_auto;
  neu.ndpr_raf_ra_derived = pr.ndpr_raf_ra_derived;
  const error = in6_init_prefix_ltimes(neu);
  if (error !== 0) return error;
  neu.ndpr_lastupdate = time_uptime();
  in6_prefixlen2mask(neu.ndpr_mask, neu.ndpr_plen);
  // The canonical form: host bits cleared.
  for (let i = 0; i < 16; i++) neu.ndpr_prefix.sin6_addr.s6_addr[i] &= neu.ndpr_mask.s6_addr[i];
  V_nd_prefix().unshift(neu);
  if (neu.ndpr_vltime !== ND6_INFINITE_LIFETIME) nd6_timer_kick();
  if (neu.ndpr_raf_onlink !== 0) {
    const e = nd6_prefix_onlink(neu);
    if (e !== 0)
      nd6log(LOG_ERR, `nd6_prelist_add: failed to make the prefix ${ip6_sprintf(pr.ndpr_prefix.sin6_addr)}/${pr.ndpr_plen} on-link on ${(pr.ndpr_ifp as ifnet).if_xname} (errno=${e})\n`);
  }
  if (dr !== null) pfxrtr_add(neu, dr);
  if (newp !== null) newp.pr = neu;
  return 0;
}

/** nd6_prefix_unlink: off the list, into `list` if given. */
export function nd6_prefix_unlink(pr: nd_prefix, list: nd_prefix[] | null): void {
  const l = V_nd_prefix();
  const i = l.indexOf(pr);
  if (i >= 0) l.splice(i, 1);
  if (list !== null) list.unshift(pr);
}

/** nd6_prefix_del: an unlinked prefix goes: off-link first. */
export function nd6_prefix_del(pr: nd_prefix): void {
  // KASSERT(pr->ndpr_addrcnt == 0) is an INVARIANTS check, and ndp -P
  // breaks it on a release kernel (SIOCSPFXFLUSH_IN6 purges only the
  // autoconfigured addresses): as there, the prefix goes all the same and
  // a manual address keeps its reference until it goes itself.
  // The flags stay as they were, for ndp -p's sake.
  if ((pr.ndpr_stateflags & NDPRF_ONLINK) !== 0) {
    const e = nd6_prefix_offlink(pr);
    if (e !== 0)
      nd6log(LOG_ERR, `nd6_prefix_del: failed to make the prefix ${ip6_sprintf(pr.ndpr_prefix.sin6_addr)}/${pr.ndpr_plen} offlink on ${(pr.ndpr_ifp as ifnet).if_xname} (errno=${e})\n`);
  }
  for (const dr of pr.ndpr_advrtrs.slice()) pfxrtr_del(pr, dr);
  nd6_prefix_rele(pr);
  pfxlist_onlink_check();
}

/**
 * prelist_update: a prefix information option (RFC 4861 6.3.4, RFC 4862
 * 5.5.3): update or add the prefix; with the A bit, refresh the lifetimes
 * of the addresses made from it (the "two hours" rule) or make one.
 */
function prelist_update(neu: nd_prefixctl, dr: nd_defrouter | null, m: mbuf | null, mcast: number): number {
  const ifp = neu.ndpr_ifp as ifnet;
  let error = 0;
  // No authentication here (M_AUTHIPHDR / M_AUTHIPDGM do not exist).
  const auth = 0;
  void m;
  let pr = nd6_prefix_lookup(neu);
  end: {
    if (pr !== null) {
      // The L and A bits never go from 1 to 0 here.
      if (neu.ndpr_raf_onlink === 1) pr.ndpr_raf_onlink = 1;
      if (neu.ndpr_raf_auto === 1) pr.ndpr_raf_auto = 1;
      if (neu.ndpr_raf_onlink !== 0) {
        pr.ndpr_vltime = neu.ndpr_vltime;
        pr.ndpr_pltime = neu.ndpr_pltime;
        in6_init_prefix_ltimes(pr);
        pr.ndpr_lastupdate = time_uptime();
        if (pr.ndpr_vltime !== ND6_INFINITE_LIFETIME) nd6_timer_kick();
      }
      if (neu.ndpr_raf_onlink !== 0 && (pr.ndpr_stateflags & NDPRF_ONLINK) === 0) {
        error = nd6_prefix_onlink(pr);
        if (error !== 0)
          nd6log(LOG_ERR, `prelist_update: failed to make the prefix ${ip6_sprintf(pr.ndpr_prefix.sin6_addr)}/${pr.ndpr_plen} on-link on ${(pr.ndpr_ifp as ifnet).if_xname} (errno=${error})\n`);
      }
      if (dr !== null) pfxrtr_add(pr, dr);
    } else {
      if (neu.ndpr_vltime === 0) break end;
      if (neu.ndpr_raf_onlink === 0 && neu.ndpr_raf_auto === 0) break end;
      const newp: { pr: nd_prefix | null } = { pr: null };
      error = nd6_prelist_add(neu, dr, newp);
      if (error !== 0 || newp.pr === null) {
        nd6log(LOG_NOTICE, `prelist_update: nd6_prelist_add() failed for the prefix ${ip6_sprintf(neu.ndpr_prefix.sin6_addr)}/${neu.ndpr_plen} on ${ifp.if_xname} (errno=${error})\n`);
        break end;
      }
      pr = newp.pr;
      // Addresses refer to the prefix even when it is not on-link; such a
      // prefix expires at once.
      if (pr.ndpr_raf_onlink === 0) {
        pr.ndpr_vltime = 0;
        pr.ndpr_pltime = 0;
        in6_init_prefix_ltimes(pr);
      }
    }
    // 5.5.3 (a): no A bit, no address.
    if (neu.ndpr_raf_auto === 0) break end;
    // 5.5.3 (c): pltime <= vltime.
    if (neu.ndpr_pltime > neu.ndpr_vltime) {
      error = EINVAL;
      break end;
    }
    // 5.5.3 (d)/(e): the autoconfigured addresses of this prefix.
    let ia6_match: in6_ifaddr | null = null;
    const now = time_uptime();
    const TWOHOUR = 120 * 60;
    for (const ifa of ifp.if_addrhead) {
      if (!(ifa instanceof in6_ifaddr)) continue;
      const ifa6 = ifa;
      if ((ifa6.ia6_flags & IN6_IFF_AUTOCONF) === 0) continue;
      if ((ifa6.ia6_flags & IN6_IFF_ANYCAST) !== 0) continue;
      if (ifa6.ia6_ndpr !== pr) continue;
      if (ia6_match === null) ia6_match = ifa6;
      // The "two hours" rule (RFC 4862 5.5.3 (e)), rfc2462bis's reading.
      const lt6_tmp = new in6_addrlifetime();
      lt6_tmp.ia6t_vltime = ifa6.ia6_lifetime.ia6t_vltime;
      lt6_tmp.ia6t_pltime = ifa6.ia6_lifetime.ia6t_pltime;
      let remaininglifetime: number;
      if (lt6_tmp.ia6t_vltime === ND6_INFINITE_LIFETIME) remaininglifetime = ND6_INFINITE_LIFETIME;
      else if (now - ifa6.ia6_updatetime > lt6_tmp.ia6t_vltime) remaininglifetime = 0;
      else remaininglifetime = lt6_tmp.ia6t_vltime - (now - ifa6.ia6_updatetime);
      lt6_tmp.ia6t_vltime = remaininglifetime;
      if (TWOHOUR < neu.ndpr_vltime || remaininglifetime < neu.ndpr_vltime) lt6_tmp.ia6t_vltime = neu.ndpr_vltime;
      else if (remaininglifetime <= TWOHOUR) {
        if (auth !== 0) lt6_tmp.ia6t_vltime = neu.ndpr_vltime;
      } else lt6_tmp.ia6t_vltime = TWOHOUR;
      // The preferred lifetime is taken as it comes.
      lt6_tmp.ia6t_pltime = neu.ndpr_pltime;
      in6_init_address_ltimes(lt6_tmp);
      const lt = ifa6.ia6_lifetime;
      lt.ia6t_vltime = lt6_tmp.ia6t_vltime;
      lt.ia6t_pltime = lt6_tmp.ia6t_pltime;
      lt.ia6t_expire = lt6_tmp.ia6t_expire;
      lt.ia6t_preferred = lt6_tmp.ia6t_preferred;
      ifa6.ia6_updatetime = now;
    }
    if (ia6_match === null && neu.ndpr_vltime !== 0) {
      // None yet: make one, if prefix length + interface identifier = 128.
      const ifidlen = in6_if2idlen(ifp);
      if (ifidlen < 0) {
        log(LOG_ERR, `prelist_update: IFID undefined (${ifp.if_xname})\n`);
        break end;
      }
      if (ifidlen + pr.ndpr_plen !== 128) {
        nd6log(LOG_INFO, `prelist_update: invalid prefixlen ${pr.ndpr_plen} for ${ifp.if_xname}, ignored\n`);
        break end;
      }
      const ia6 = in6_ifadd(neu, mcast);
      if (ia6 !== null) {
        // The list's prefix, not neu.
        pr.ndpr_addrcnt++;
        ia6.ia6_ndpr = pr;
        // A new address may change the others' state.
        pfxlist_onlink_check();
      } else error = EADDRNOTAVAIL;
    }
  }
  if (pr !== null) nd6_prefix_rele(pr);
  return error;
}

/** find_pfxlist_reachable_router: a (probably) reachable router that advertised pr. */
function find_pfxlist_reachable_router(pr: nd_prefix): nd_defrouter | null {
  for (const dr of pr.ndpr_advrtrs) {
    const ln = nd6_lookup(dr.rtaddr.sin6_addr, 0, dr.ifp as ifnet);
    if (ln === null) continue;
    if (ND6_IS_LLINFO_PROBREACH(ln)) return dr;
  }
  return null;
}

/**
 * pfxlist_onlink_check: a prefix none of whose advertising routers is
 * reachable may be off-link (we moved), unless no prefix has a reachable
 * router (then all stay on-link).  Detached prefixes lose their route and
 * their addresses are detached; attached ones get them back (with DAD).
 */
export function pfxlist_onlink_check(): void {
  const prefixes = V_nd_prefix();
  const routers = V_nd6_defrouter();
  let found: nd_prefix | null = null;
  for (const pr of prefixes)
    if (pr.ndpr_raf_onlink !== 0 && find_pfxlist_reachable_router(pr) !== null) {
      found = pr;
      break;
    }
  // No such prefix: is there a router that advertises no prefix?
  let pfxrtr: nd_defrouter | null = null;
  if (found === null) {
    for (const dr of routers) {
      for (const pr0 of prefixes)
        if ((pfxrtr = pfxrtr_lookup(pr0, dr)) !== null) break;
      if (pfxrtr !== null) break;
    }
  }
  if (found !== null || (routers.length !== 0 && pfxrtr === null)) {
    // Detach prefixes without a reachable router; attach the others.
    for (const pr of prefixes) {
      if (IN6_IS_ADDR_LINKLOCAL(pr.ndpr_prefix.sin6_addr) || pr.ndpr_raf_onlink === 0 || pr.ndpr_raf_auto === 0) continue;
      if ((pr.ndpr_stateflags & NDPRF_DETACHED) === 0 && find_pfxlist_reachable_router(pr) === null) pr.ndpr_stateflags |= NDPRF_DETACHED;
      else if ((pr.ndpr_stateflags & NDPRF_DETACHED) !== 0 && find_pfxlist_reachable_router(pr) !== null) pr.ndpr_stateflags &= ~NDPRF_DETACHED;
    }
  } else {
    // No prefix has a reachable router: all on-link.
    for (const pr of prefixes) {
      if (IN6_IS_ADDR_LINKLOCAL(pr.ndpr_prefix.sin6_addr) || pr.ndpr_raf_onlink === 0 || pr.ndpr_raf_auto === 0) continue;
      pr.ndpr_stateflags &= ~NDPRF_DETACHED;
    }
  }
  // Routes out for just-detached prefixes, in for just-attached ones.
  for (const pr of prefixes.slice()) {
    if (IN6_IS_ADDR_LINKLOCAL(pr.ndpr_prefix.sin6_addr) || pr.ndpr_raf_onlink === 0 || pr.ndpr_raf_auto === 0) continue;
    const flags = pr.ndpr_stateflags & (NDPRF_DETACHED | NDPRF_ONLINK);
    if (flags === 0 || flags === (NDPRF_DETACHED | NDPRF_ONLINK)) {
      let e: number;
      if ((flags & NDPRF_ONLINK) !== 0 && (e = nd6_prefix_offlink(pr)) !== 0)
        nd6log(LOG_ERR, `pfxlist_onlink_check: failed to make ${ip6_sprintf(pr.ndpr_prefix.sin6_addr)}/${pr.ndpr_plen} offlink (errno=${e})\n`);
      else if ((flags & NDPRF_ONLINK) === 0 && (e = nd6_prefix_onlink(pr)) !== 0)
        nd6log(LOG_ERR, `pfxlist_onlink_check: failed to make ${ip6_sprintf(pr.ndpr_prefix.sin6_addr)}/${pr.ndpr_plen} onlink (errno=${e})\n`);
    }
  }
  // Addresses follow their prefixes (manual ones are always attached).
  const addrs = V_in6_ifaddrhead();
  let anyreach = false;
  for (const ifa of addrs) {
    if ((ifa.ia6_flags & IN6_IFF_AUTOCONF) === 0) continue;
    const ndpr = ifa.ia6_ndpr;
    if (!(ndpr instanceof nd_prefix)) continue;
    if (find_pfxlist_reachable_router(ndpr) !== null) {
      anyreach = true;
      break;
    }
  }
  for (const ifa of addrs.slice()) {
    if ((ifa.ia6_flags & IN6_IFF_AUTOCONF) === 0) continue;
    const ndpr = ifa.ia6_ndpr;
    if (anyreach) {
      if (!(ndpr instanceof nd_prefix)) continue;
      if (find_pfxlist_reachable_router(ndpr) !== null) {
        if ((ifa.ia6_flags & IN6_IFF_DETACHED) !== 0) {
          ifa.ia6_flags &= ~IN6_IFF_DETACHED;
          ifa.ia6_flags |= IN6_IFF_TENTATIVE;
          nd6_dad_start(ifa, 0);
        }
      } else ifa.ia6_flags |= IN6_IFF_DETACHED;
    } else if ((ifa.ia6_flags & IN6_IFF_DETACHED) !== 0) {
      ifa.ia6_flags &= ~IN6_IFF_DETACHED;
      ifa.ia6_flags |= IN6_IFF_TENTATIVE;
      nd6_dad_start(ifa, 0);
    }
  }
}

/** nd6_prefix_rtrequest: the interface route of a prefix (netmask null: a host route). */
function nd6_prefix_rtrequest(fibnum: number, cmd: number, dst: sockaddr_in6, netmask: sockaddr_in6 | null, ifp: ifnet, ifa: in6_ifaddr | null): number {
  const sdl = new sockaddr_dl(ifp.if_index, ifp.if_type, "", new Uint8Array(0));
  const info = new rt_addrinfo();
  info.rti_ifa = ifa;
  info.rti_flags = RTF_PINNED | (netmask !== null ? 0 : RTF_HOST);
  info.rti_info[RTAX_DST] = dst;
  info.rti_info[RTAX_NETMASK] = netmask;
  info.rti_info[RTAX_GATEWAY] = sdl;
  return rib_handle_ifaddr_info(fibnum, cmd, info);
}

function nd6_prefix_mask6(pr: nd_prefix): sockaddr_in6 | null {
  if (pr.ndpr_plen === 128) return null;
  return new sockaddr_in6(pr.ndpr_mask);
}

function nd6_prefix_onlink_rtrequest(pr: nd_prefix, ifa: in6_ifaddr): number {
  const ifp = pr.ndpr_ifp as ifnet;
  const error = nd6_prefix_rtrequest(ifp.if_fib, RTM_ADD, pr.ndpr_prefix, nd6_prefix_mask6(pr), ifp, ifa);
  if (error === 0) pr.ndpr_stateflags |= NDPRF_ONLINK;
  return error;
}

/**
 * nd6_prefix_onlink: install the prefix's interface route (EEXIST when it
 * is on-link already).  The same prefix on-link on another interface (of
 * the fib) keeps the route; the link-local address is the route's ifa.
 */
export function nd6_prefix_onlink(pr: nd_prefix): number {
  const ifp = pr.ndpr_ifp as ifnet;
  if ((pr.ndpr_stateflags & NDPRF_ONLINK) !== 0) return EEXIST;
  for (const opr of V_nd_prefix()) {
    if (opr === pr) continue;
    if ((opr.ndpr_stateflags & NDPRF_ONLINK) === 0) continue;
    if (V_rt_add_addr_allfibs() === 0 && (opr.ndpr_ifp as ifnet).if_fib !== ifp.if_fib) continue;
    if (opr.ndpr_plen === pr.ndpr_plen && in6_are_prefix_equal(pr.ndpr_prefix.sin6_addr, opr.ndpr_prefix.sin6_addr, pr.ndpr_plen)) return 0;
  }
  let ifa: in6_ifaddr | null = in6ifa_ifpforlinklocal(ifp, IN6_IFF_NOTREADY | IN6_IFF_ANYCAST);
  if (ifa === null) {
    for (const a of ifp.if_addrhead)
      if (a instanceof in6_ifaddr) {
        ifa = a;
        break;
      }
  }
  if (ifa === null) {
    // An RA with L and no A after every address went: rare.
    nd6log(LOG_NOTICE, `nd6_prefix_onlink: failed to find any ifaddr to add route for a prefix(${ip6_sprintf(pr.ndpr_prefix.sin6_addr)}/${pr.ndpr_plen}) on ${ifp.if_xname}\n`);
    return 0;
  }
  return nd6_prefix_onlink_rtrequest(pr, ifa);
}

/**
 * nd6_prefix_offlink: remove the prefix's interface route; the same prefix
 * on another interface takes it over.  Entries in the prefix go from the
 * neighbor caches when no one took over.
 */
export function nd6_prefix_offlink(pr: nd_prefix): number {
  const ifp = pr.ndpr_ifp as ifnet;
  if ((pr.ndpr_stateflags & NDPRF_ONLINK) === 0) return EEXIST;
  const mask6 = new sockaddr_in6(pr.ndpr_mask);
  const error = nd6_prefix_rtrequest(ifp.if_fib, RTM_DELETE, pr.ndpr_prefix, nd6_prefix_mask6(pr), ifp, null);
  let a_failure = 1;
  if (error === 0) {
    pr.ndpr_stateflags &= ~NDPRF_ONLINK;
    for (const opr of V_nd_prefix().slice()) {
      // KAME: detached prefixes are not on-link.
      if (opr === pr || (opr.ndpr_stateflags & (NDPRF_ONLINK | NDPRF_DETACHED)) !== 0) continue;
      if (opr.ndpr_plen === pr.ndpr_plen && in6_are_prefix_equal(pr.ndpr_prefix.sin6_addr, opr.ndpr_prefix.sin6_addr, pr.ndpr_plen)) {
        const e = nd6_prefix_onlink(opr);
        if (e !== 0)
          nd6log(LOG_ERR, `nd6_prefix_offlink: failed to recover a prefix ${ip6_sprintf(opr.ndpr_prefix.sin6_addr)}/${opr.ndpr_plen} from ${ifp.if_xname} to ${(opr.ndpr_ifp as ifnet).if_xname} (errno=${e})\n`);
        else a_failure = 0;
      }
    }
  } else {
    nd6log(LOG_ERR, `nd6_prefix_offlink: failed to delete route: ${ip6_sprintf(pr.ndpr_prefix.sin6_addr)}/${pr.ndpr_plen} on ${ifp.if_xname} (errno=${error})\n`);
  }
  // FreeBSD 14 passes an uninitialized address here (sa6); the prefix is what is meant.
  if (a_failure !== 0) lltable_prefix_free(AF_INET6, pr.ndpr_prefix.sin6_addr, mask6.sin6_addr, LLE_STATIC);
  return error;
}

/**
 * rt6_flush: the host routes (not static ones, not the default route)
 * through the link-local gateway, in every fib.
 */
export function rt6_flush(gateway: in6_addr, _ifp: ifnet): void {
  if (!IN6_IS_ADDR_LINKLOCAL(gateway)) return;
  rib_foreach_table_walk_del(
    AF_INET6,
    (_rt, nh, arg) => {
      const gw = nh.gw_sa;
      if (!("sin6_addr" in gw)) return 0;
      if (!IN6_ARE_ADDR_EQUAL(arg as in6_addr, gw.sin6_addr)) return 0;
      const rtflags = nhop_get_rtflags(nh);
      if ((rtflags & RTF_STATIC) !== 0) return 0;
      if ((rtflags & RTF_HOST) === 0) return 0;
      return 1;
    },
    gateway,
  );
}

/** nd6_setdefaultiface: the default interface (0: none); its zone becomes the default one. */
export function nd6_setdefaultiface(ifindex: number): number {
  let if_index = 0;
  for (const i of V_ifnet()) if (i.if_index > if_index) if_index = i.if_index;
  if (ifindex < 0 || if_index < ifindex) return EINVAL;
  if (ifindex !== 0 && ifnet_byindex(ifindex) === null) return EINVAL;
  if (VNET_I32(nd6_defifindex) !== ifindex) {
    VNET_I32_SET(nd6_defifindex, ifindex);
    const ifp = ifindex > 0 ? ifnet_byindex(ifindex) : null;
    VNET_PTR_SET(nd6_defifp, ifp);
    // One link per interface: the default interface is the default link.
    scope6_setdefault(ifp);
  }
  return 0;
}

export function nd6_defrouter_list_empty(): boolean {
  return V_nd6_defrouter().length === 0;
}

/** Does a router's lifetime run (nd6_timer's work)? */
export function nd6_defrouter_has_expiry(): boolean {
  for (const dr of V_nd6_defrouter()) if (dr.expire !== 0) return true;
  return false;
}

/** nd6_defrouter_timer: routers whose lifetime ran out go. */
export function nd6_defrouter_timer(): void {
  const drq: nd_defrouter[] = [];
  const now = time_uptime();
  for (const dr of V_nd6_defrouter().slice()) if (dr.expire !== 0 && dr.expire < now) defrouter_unlink(dr, drq);
  for (const dr of drq) defrouter_del(dr);
}

/** nd6_defrouter_purge: the routers on ifp go (installed ones last, to disturb less). */
export function nd6_defrouter_purge(ifp: ifnet): void {
  const drq: nd_defrouter[] = [];
  for (const dr of V_nd6_defrouter().slice()) if (dr.installed === 0 && dr.ifp === ifp) defrouter_unlink(dr, drq);
  for (const dr of V_nd6_defrouter().slice()) if (dr.installed !== 0 && dr.ifp === ifp) defrouter_unlink(dr, drq);
  for (const dr of drq) defrouter_del(dr);
}

/** nd6_defrouter_flush_all: every router goes (ndp -R). */
export function nd6_defrouter_flush_all(): void {
  const drq: nd_defrouter[] = [];
  for (const dr of V_nd6_defrouter().slice()) defrouter_unlink(dr, drq);
  for (const dr of drq) defrouter_del(dr);
}

// ---------------------------------------------------------------------------
// sysctl net.inet6.icmp6.nd6_drlist (struct in6_defrouter after one
// another; words here): [16 address bytes, sin6_scope_id, flags,
// rtlifetime, expire (wall clock), if_index] per router.

export const DRL_ADDR = 0;
export const DRL_SCOPEID = 16;
export const DRL_FLAGS = 17;
export const DRL_RTLIFETIME = 18;
export const DRL_EXPIRE = 19;
export const DRL_IFINDEX = 20;
export const DRL_LEN = 21;

const nd6_sysctl_drlist: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  if (req.newval !== null) return EPERM;
  const out: number[] = [];
  const time_second = boottime_s + time_uptime() - 1;
  const d = new sockaddr_in6();
  for (const dr of V_nd6_defrouter()) {
    in6_addr_copy(d.sin6_addr, dr.rtaddr.sin6_addr);
    d.sin6_scope_id = 0;
    const error = sa6_recoverscope(d);
    if (error !== 0) return error;
    for (let i = 0; i < 16; i++) out.push(d.sin6_addr.s6_addr[i]);
    out.push(d.sin6_scope_id, dr.raflags, dr.rtlifetime, dr.expire + (time_second - time_uptime()), (dr.ifp as ifnet).if_index);
  }
  return SYSCTL_OUT(req, out);
};
/** icmp6.h (a literal: nd6.ts, which names it too, may load after this file). */
const ICMPV6CTL_ND6_DRLIST = 19;
SYSCTL_PROC(_net_inet6_icmp6, ICMPV6CTL_ND6_DRLIST, "nd6_drlist", CTLTYPE_OPAQUE | CTLFLAG_RD | CTLFLAG_MPSAFE, null, 0, nd6_sysctl_drlist, "S,in6_defrouter", "NDP default router list");

