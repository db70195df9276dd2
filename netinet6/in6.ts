// sys/netinet6/in6.c: an interface's IPv6 addresses and the requests that
// manage them (SIOCAIFADDR_IN6, SIOCDIFADDR_IN6, ...), the address lists and
// lookups, the inet6 domain's per-interface data, and the interface's IPv6
// neighbor table (in6_lltable_*, the lltable nd6 keeps its neighbor cache
// in).  The types of in6.h and in6_var.h are in netinet6/in6_var.ts,
// re-exported from here.
//
// Departures from FreeBSD 14:
// - a published (proxy, "ndp -s ADDR MAC proxy") neighbor entry joins the
//   solicited-node group of its address on the interface while it is in
//   the table, so that the solicitations for it arrive (proxy_ndp.sh checks
//   the group; later FreeBSD does this, 14.0 does not).

import { EADDRNOTAVAIL, EAFNOSUPPORT, EINVAL, EOPNOTSUPP, EPFNOSUPPORT, EPROTONOSUPPORT } from "../kern/errno.ts";
import { arc4random } from "../kern/arc4random.ts";
import { SI_ORDER_FIRST, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { PRIV_NET_ADDIFADDR, PRIV_NET_DELIFADDR, PRIV_NETINET_ADDRCTRL6, PRIV_NETINET_ND6, PRIV_NETINET_SCOPE6, priv_check_cred } from "../kern/kern_priv.ts";
import { SIOCAADDRCTL_POLICY, SIOCDADDRCTL_POLICY, in6_src_ioctl, type in6_addrpolicy } from "./in6_src.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { boottime_s, hz, time_uptime } from "../kern/kern_timeout.ts";
import { AF_INET6, AF_UNSPEC } from "../kern/socket.ts";
import { log, printf } from "../kern/subr_prf.ts";
import {
  IFA_ROUTE,
  IFA_RTSELF,
  IFF_LOOPBACK,
  IFF_MULTICAST,
  IFF_POINTOPOINT,
  IFNET_EVENT_UP,
  SIOCSIFADDR,
  V_ifnet,
  ifaddr,
  ifnet_byindex,
  ifnet_event,
  type ifnet,
  type ifreq,
  type route,
} from "../net/if.ts";
import { IFT_BRIDGE, IFT_ETHER, IFT_FRELAY, IFT_GIF, IFT_IEEE1394, IFT_INFINIBAND, IFT_L2VLAN, IFT_LOOP, IFT_PFLOG, IFT_PFSYNC, IFT_PPP, IFT_PROPVIRTUAL, IFT_USB } from "../net/if_dl.ts";
import {
  LLE_DELETED,
  LLE_IFADDR,
  LLE_LINKED,
  LLE_MAX_LINKHDR,
  LLE_PUB,
  LLE_STATIC,
  LLE_UNLOCKED,
  LLE_VALID,
  LLENTRY_DELETED,
  in6_lle_event,
  llentry,
  llentry_free,
  lltable,
  lltable_allocate_htbl,
  lltable_calc_llheader,
  lltable_free,
  lltable_if_lladdr,
  lltable_link,
  lltable_set_entry_addr,
  lltable_sysctl_dumparp,
  lla_lookup,
  lltable_sysctl_dump6_set,
  llheader_result,
  type lla_dump_entry,
  type lle_l3addr,
} from "../net/if_llatbl.ts";
import { V_loif } from "../net/if_loop.ts";
import { RTAX_DST, RTAX_GATEWAY, RTF_ANNOUNCE, RTF_GATEWAY, RTF_HOST, RTF_LLDATA, RTF_PINNED, RTF_STATIC, RTF_UP, RTM_ADD, RTM_DELETE, RTM_GET, link_init_sdl, rt_addrinfo, rt_addrmsg, rt_routemsg_info } from "../net/route.ts";
import { RTM_HDR_LEN } from "../net/rtsock.ts";
import { NHF_GATEWAY, NHR_NONE, type nhop_object } from "../net/route/nhop.ts";
import { ifa_add_loopback_route, ifa_del_loopback_route, rib_handle_ifaddr_info } from "../net/route/route_ifaddrs.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_I32_SET, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT } from "../net/vnet.ts";
import { SIOCSIFBRDADDR, SIOCSIFDSTADDR, SIOCSIFNETMASK, sockaddr_in } from "../netinet/in.ts";
import { in6_ifattach, in6_ifdetach, in6_maxmtu, in6_nigroup, in6_nigroup_oldmcprefix } from "./in6_ifattach.ts";
import { fib6_lookup } from "./in6_fib.ts";
import { in6_joingroup, in6_leavegroup, type in6_multi } from "./in6_mcast.ts";
import { V_ip6_use_deprecated } from "./in6_proto.ts";
import type { intp } from "./ip6_var.ts";
import { mld_domifattach, mld_domifdetach } from "./mld6.ts";
import { ND6_IFF_IFDISABLED, ND6_IFF_NO_DAD, ND_IFINFO, in6_ndifreq, in6_ndireq, nd6_add_ifa_lle, nd6_ifattach, nd6_ifdetach, nd6_ioctl, nd6_rem_ifa_lle, nd6_useloopback, nd6log, nd_ifinfo } from "./nd6.ts";
import { icmp6_nodeinfo_oldmcprefix } from "./icmp6.ts";
import { nd6_dad_start, nd6_dad_stop } from "./nd6_nbr.ts";
import { nd6_prefix_del, nd6_prefix_lookup, nd6_prefix_rele, nd6_prefix_unlink, nd6_prelist_add, nd_prefixctl, pfxlist_onlink_check, type nd_prefix } from "./nd6_rtr.ts";
import {
  SIOCGSCOPE6,
  SIOCGSCOPE6DEF,
  SIOCSSCOPE6,
  in6_addrscope,
  in6_clearscope,
  in6_setscope,
  sa6_embedscope,
  sa6_recoverscope,
  scope6_id,
  scope6_ifattach,
  scope6_ifdetach,
  scope6_ioctl,
  type scope6_ifreq,
} from "./scope6.ts";

export * from "./in6_var.ts";
import { IA6_IN6, IA6_MASKIN6, ICMP6_IFSTAT_NFIELDS, IFA6_IS_DEPRECATED, IFA6_IS_INVALID, IN6_ARE_ADDR_EQUAL, IN6_ARE_MASKED_ADDR_EQUAL, IN6_IFF_ANYCAST, IN6_IFF_AUTOCONF, IN6_IFF_DEPRECATED, IN6_IFF_DETACHED, IN6_IFF_DUPLICATED, IN6_IFF_NODAD, IN6_IFF_NOTREADY, IN6_IFF_PREFER_SOURCE, IN6_IFF_TEMPORARY, IN6_IFF_TENTATIVE, IN6_IFSTAT_NFIELDS, IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_LOOPBACK, IN6_IS_ADDR_MC_GLOBAL, IN6_IS_ADDR_MC_INTFACELOCAL, IN6_IS_ADDR_MC_LINKLOCAL, IN6_IS_ADDR_MC_NODELOCAL, IN6_IS_ADDR_MC_ORGLOCAL, IN6_IS_ADDR_MC_SITELOCAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_SITELOCAL, IN6_IS_ADDR_UNSPECIFIED, IN6_IS_ADDR_V4COMPAT, IN6_IS_ADDR_V4MAPPED, IN6_IS_SCOPE_EMBED, IN6_IS_SCOPE_LINKLOCAL, IPV6_ADDR_MC_SCOPE, IPV6_ADDR_SCOPE_GLOBAL, IPV6_ADDR_SCOPE_INTFACELOCAL, IPV6_ADDR_SCOPE_LINKLOCAL, IPV6_ADDR_SCOPE_NODELOCAL, IPV6_ADDR_SCOPE_ORGLOCAL, IPV6_ADDR_SCOPE_SITELOCAL, ND6_INFINITE_LIFETIME, SIOCAIFADDR_IN6, SIOCDIFADDR_IN6, SIOCGIFADDR_IN6, SIOCGIFAFLAG_IN6, SIOCGIFALIFETIME_IN6, SIOCGIFDSTADDR_IN6, SIOCGIFNETMASK_IN6, SIOCGIFSTAT_ICMP6, SIOCGIFSTAT_IN6, icmp6_ifstat_inc, ifs6_in_addrerr, ifs6_in_adminprohib, ifs6_in_deliver, ifs6_in_discard, ifs6_in_dstunreach, ifs6_in_echo, ifs6_in_echoreply, ifs6_in_error, ifs6_in_hdrerr, ifs6_in_mcast, ifs6_in_mlddone, ifs6_in_mldquery, ifs6_in_mldreport, ifs6_in_msg, ifs6_in_neighboradvert, ifs6_in_neighborsolicit, ifs6_in_noroute, ifs6_in_paramprob, ifs6_in_pkttoobig, ifs6_in_protounknown, ifs6_in_receive, ifs6_in_redirect, ifs6_in_routeradvert, ifs6_in_routersolicit, ifs6_in_timeexceed, ifs6_in_toobig, ifs6_in_truncated, ifs6_out_adminprohib, ifs6_out_discard, ifs6_out_dstunreach, ifs6_out_echo, ifs6_out_echoreply, ifs6_out_error, ifs6_out_forward, ifs6_out_fragcreat, ifs6_out_fragfail, ifs6_out_fragok, ifs6_out_mcast, ifs6_out_mlddone, ifs6_out_mldquery, ifs6_out_mldreport, ifs6_out_msg, ifs6_out_neighboradvert, ifs6_out_neighborsolicit, ifs6_out_paramprob, ifs6_out_pkttoobig, ifs6_out_redirect, ifs6_out_request, ifs6_out_routeradvert, ifs6_out_routersolicit, ifs6_out_timeexceed, ifs6_reass_fail, ifs6_reass_ok, ifs6_reass_reqd, in6_addr, in6_addr_copy, in6_addr_from, in6_addr_read, in6_addr_write, in6_addrlifetime, in6_aliasreq, in6_ifaddr, in6_ifextra, in6_ifextra_get, in6_ifstat_inc, in6_mask2len, in6_matchlen, in6_multi_mship, in6_prefixlen2mask, in6addr_any, in6addr_linklocal_allnodes, in6addr_linklocal_allrouters, in6addr_linklocal_allv2routers, in6addr_loopback, in6addr_nodelocal_allnodes, in6mask0, in6mask128, in6mask64, inet_ntop6, inet_pton6, ip6_sprintf, route_in6_alloc, s6_addr16, s6_addr16_set, s6_addr32, satosin6, sockaddr_in6, SZ_IN6_IFREQ, SZ_IN6_ALIASREQ, IN6_LINKMTU, OSIOCGIFINFO_IN6, SIOCGDEFIFACE_IN6, SIOCGIFINFO_IN6, SIOCGNBRINFO_IN6, SIOCSDEFIFACE_IN6, SIOCSIFINFO_FLAGS, SIOCSIFINFO_IN6, SIOCSNDFLUSH_IN6, SIOCSPFXFLUSH_IN6, SIOCSRTRFLUSH_IN6 } from "./in6_var.ts";
import type { in6_ifreq, route_in6 } from "./in6_var.ts";
import { _IOC_IN6 as _IOC, IOC_IN6_IN as IOC_IN, IOC_IN6_INOUT as IOC_INOUT } from "./in6_var.ts";



// ---------------------------------------------------------------------------
// in6.c: the address lists, the requests, address assignment.

// sys/syslog.h
const LOG_ERR = 3;
const LOG_WARNING = 4;
const LOG_NOTICE = 5;
const LOG_INFO = 6;

/** in6_update_ifa's flags. */
export const IN6_IFAUPDATE_DADDELAY = 0x1;

/** nd6.h MAX_RTR_SOLICITATION_DELAY: seconds. */
const MAX_RTR_SOLICITATION_DELAY = 1;
/** sys/protosw.h PR_FASTHZ: the old fast timeout's rate, what MLD's delays count in. */
const PR_FASTHZ = 5;
/** mld6_var.h MLD_REPORTING_MEMBER: the state of a group whose report is pending. */
const MLD_REPORTING_MEMBER = 2;

export const in6mask32: in6_addr = in6_addr_from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
export const in6mask96: in6_addr = in6_addr_from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
/** sa6_any: the unspecified address as a sockaddr_in6. */
export const sa6_any: sockaddr_in6 = new sockaddr_in6();

// The Neighbor Discovery requests (SIOCGIFINFO_IN6, ...) and their
// structures are nd6.ts's; in6_control hands them to nd6_ioctl.
export { OSIOCGIFINFO_IN6, SIOCGDEFIFACE_IN6, SIOCGIFINFO_IN6, SIOCGNBRINFO_IN6, SIOCSDEFIFACE_IN6, SIOCSIFINFO_FLAGS, SIOCSIFINFO_IN6, SIOCSNDFLUSH_IN6, SIOCSPFXFLUSH_IN6, SIOCSRTRFLUSH_IN6, in6_ndifreq, in6_ndireq };
// The tunnel end points (gif): the driver's, with the address's zone embedded first.
export const SIOCSIFPHYADDR_IN6 = _IOC(IOC_IN, 70, SZ_IN6_ALIASREQ);
export const SIOCGIFPSRCADDR_IN6 = _IOC(IOC_INOUT, 71, SZ_IN6_IFREQ);
export const SIOCGIFPDSTADDR_IN6 = _IOC(IOC_INOUT, 72, SZ_IN6_IFREQ);
// The old one-address requests, refused.
export const SIOCSIFADDR_IN6 = _IOC(IOC_IN, 12, SZ_IN6_IFREQ);
export const SIOCSIFDSTADDR_IN6 = _IOC(IOC_IN, 14, SZ_IN6_IFREQ);
export const SIOCSIFNETMASK_IN6 = _IOC(IOC_IN, 22, SZ_IN6_IFREQ);
/** The pre-10 SIOCAIFADDR_IN6 (an in6_aliasreq without ifra_vhid). */
export const OSIOCAIFADDR_IN6 = _IOC(IOC_IN, 26, 128);

/** V_in6_ifaddrhead: every IPv6 address of the vnet, in order of addition. */
const in6_ifaddrhead = VNET_DEFINE_PTR<in6_ifaddr[]>("in6_ifaddrhead", []);
/**
 * V_in6_ifaddrhashtbl: the addresses by IN6ADDR_HASHVAL (the four words
 * xor-ed, an int32 V8 keeps unboxed), newest first in each chain.  The
 * embedded zone is part of the address, as in FreeBSD.
 */
const in6_ifaddrhashtbl = VNET_DEFINE_PTR<Map<number, in6_ifaddr[]>>("in6_ifaddrhashtbl", new Map());

export function V_in6_ifaddrhead(): in6_ifaddr[] {
  return VNET_PTR(in6_ifaddrhead);
}

function in6_ifaddr_init(): void {
  VNET_PTR_SET(in6_ifaddrhead, []);
  VNET_PTR_SET(in6_ifaddrhashtbl, new Map());
}
VNET_SYSINIT("in6_ifaddr_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_FIRST, in6_ifaddr_init);

/** IN6ADDR_HASHVAL. */
function IN6ADDR_HASHVAL(a: in6_addr): number {
  return (s6_addr32(a, 0) ^ s6_addr32(a, 1) ^ s6_addr32(a, 2) ^ s6_addr32(a, 3)) | 0;
}
const IN6ADDR_HASH_EMPTY: readonly in6_ifaddr[] = Object.freeze([]);
/** IN6ADDR_HASH(addr): the chain holding addr, if it is ours.  Allocation-free. */
export function IN6ADDR_HASH(addr: in6_addr): readonly in6_ifaddr[] {
  return VNET_PTR(in6_ifaddrhashtbl).get(IN6ADDR_HASHVAL(addr)) ?? IN6ADDR_HASH_EMPTY;
}
function in6addr_hash_insert(ia: in6_ifaddr): void {
  const t = VNET_PTR(in6_ifaddrhashtbl);
  const key = IN6ADDR_HASHVAL(ia.ia_addr.sin6_addr);
  const chain = t.get(key);
  if (chain === undefined) t.set(key, [ia]);
  else chain.unshift(ia);
}
function in6addr_hash_remove(ia: in6_ifaddr): void {
  const t = VNET_PTR(in6_ifaddrhashtbl);
  const key = IN6ADDR_HASHVAL(ia.ia_addr.sin6_addr);
  const chain = t.get(key);
  if (chain === undefined) return;
  const i = chain.indexOf(ia);
  if (i >= 0) chain.splice(i, 1);
  if (chain.length === 0) t.delete(key);
}

/** A copy of a sockaddr_in6, every field. */
export function sockaddr_in6_copy(src: sockaddr_in6): sockaddr_in6 {
  const d = new sockaddr_in6(src.sin6_addr, src.sin6_port, src.sin6_scope_id);
  d.sin6_len = src.sin6_len;
  d.sin6_family = src.sin6_family;
  d.sin6_flowinfo = src.sin6_flowinfo;
  return d;
}
function sockaddr_in6_set(dst: sockaddr_in6, src: sockaddr_in6): void {
  dst.sin6_len = src.sin6_len;
  dst.sin6_family = src.sin6_family;
  dst.sin6_port = src.sin6_port;
  dst.sin6_flowinfo = src.sin6_flowinfo;
  in6_addr_copy(dst.sin6_addr, src.sin6_addr);
  dst.sin6_scope_id = src.sin6_scope_id;
}
/** A copy of an in6_aliasreq (the kernel's copyin of an _IOW request). */
function in6_aliasreq_copy(src: in6_aliasreq): in6_aliasreq {
  const r = new in6_aliasreq();
  r.ifra_name = src.ifra_name;
  r.ifra_addr = sockaddr_in6_copy(src.ifra_addr);
  r.ifra_dstaddr = sockaddr_in6_copy(src.ifra_dstaddr);
  r.ifra_prefixmask = sockaddr_in6_copy(src.ifra_prefixmask);
  r.ifra_flags = src.ifra_flags;
  r.ifra_lifetime.ia6t_expire = src.ifra_lifetime.ia6t_expire;
  r.ifra_lifetime.ia6t_preferred = src.ifra_lifetime.ia6t_preferred;
  r.ifra_lifetime.ia6t_vltime = src.ifra_lifetime.ia6t_vltime;
  r.ifra_lifetime.ia6t_pltime = src.ifra_lifetime.ia6t_pltime;
  r.ifra_vhid = src.ifra_vhid;
  return r;
}

/** IN6_MASK_ADDR(a, m): a &= m. */
export function IN6_MASK_ADDR(a: in6_addr, m: in6_addr): void {
  for (let i = 0; i < 16; i++) a.s6_addr[i] &= m.s6_addr[i];
}

/**
 * in6_newaddrmsg: tell routing sockets of an address and of its host route
 * (RTM_NEWADDR then RTM_ADD; RTM_DELETE then RTM_DELADDR), as
 * ifa_maintain_loopback_route would describe the route.
 */
export function in6_newaddrmsg(ia: in6_ifaddr, cmd: number): void {
  const ifa = ia;
  const info = new rt_addrinfo();
  info.rti_flags = ifa.ifa_flags | RTF_HOST | RTF_STATIC | RTF_PINNED;
  info.rti_info[RTAX_DST] = ifa.ifa_addr;
  info.rti_info[RTAX_GATEWAY] = link_init_sdl(ifa.ifa_ifp, ifa.ifa_ifp.if_type);
  if (cmd !== RTM_DELETE) info.rti_ifp = V_loif();
  const fibnum = ia.ifa_ifp.if_fib;
  if (cmd === RTM_ADD) {
    rt_addrmsg(cmd, ia, fibnum);
    rt_routemsg_info(cmd, info, fibnum);
  } else if (cmd === RTM_DELETE) {
    rt_routemsg_info(cmd, info, fibnum);
    rt_addrmsg(cmd, ia, fibnum);
  }
}

/** What in6_control's requests carry: an alias request or an in6_ifreq. */
export type in6_control_data = in6_aliasreq | in6_ifreq;

/** The sockaddr_in6 a request names an address with (FreeBSD's sa6), or null. */
function in6_req_sa6(cmd: number, data: in6_control_data): sockaddr_in6 | null {
  switch (cmd) {
    case SIOCAIFADDR_IN6:
    case SIOCSIFPHYADDR_IN6:
      return "ifra_addr" in data ? data.ifra_addr : null;
    case SIOCSIFADDR_IN6:
    case SIOCGIFADDR_IN6:
    case SIOCSIFDSTADDR_IN6:
    case SIOCSIFNETMASK_IN6:
    case SIOCGIFDSTADDR_IN6:
    case SIOCGIFNETMASK_IN6:
    case SIOCDIFADDR_IN6:
    case SIOCGIFPSRCADDR_IN6:
    case SIOCGIFPDSTADDR_IN6:
    case SIOCGIFAFLAG_IN6:
    case SIOCSNDFLUSH_IN6:
    case SIOCSPFXFLUSH_IN6:
    case SIOCSRTRFLUSH_IN6:
    case SIOCGIFALIFETIME_IN6:
    case SIOCGIFSTAT_IN6:
    case SIOCGIFSTAT_ICMP6:
      if ("ifr_addr" in data && data.ifr_addr !== undefined) return data.ifr_addr;
      // SIOCDIFADDR_IN6 may come as an in6_aliasreq (ifconfig's af_ridreq is
      // its in6_addreq): the two structures begin alike.
      if ("ifra_addr" in data) return data.ifra_addr;
      return null;
  }
  return null;
}

/**
 * in6_control(cmd, data, ifp, cred): the IPv6 interface requests.  cred is
 * null for the kernel's own calls (FreeBSD's td == NULL), which skip the
 * privilege checks.
 */
export function in6_control(cmd: number, data0: unknown, ifp: ifnet | null, cred: ucred | null): number {
  let data = data0 as in6_control_data;
  // The pre-10 request is the same one.
  if (cmd === OSIOCAIFADDR_IN6) cmd = SIOCAIFADDR_IN6;
  // No multicast routing here (SIOCGETSGCNT_IN6, SIOCGETMIFCNT_IN6 have
  // no mrt6_ioctl to go to).  The address selection policy requests come
  // through a socket's protocol (udp6, raw6), with no interface.
  switch (cmd) {
    case SIOCAADDRCTL_POLICY:
    case SIOCDADDRCTL_POLICY:
      if (cred !== null) {
        const error = priv_check_cred(cred, PRIV_NETINET_ADDRCTRL6);
        if (error !== 0) return error;
      }
      return in6_src_ioctl(cmd, data0 as in6_addrpolicy);
  }
  if (ifp === null) return EOPNOTSUPP;

  let error: number;
  switch (cmd) {
    case SIOCSNDFLUSH_IN6:
    case SIOCSPFXFLUSH_IN6:
    case SIOCSRTRFLUSH_IN6:
    case SIOCSDEFIFACE_IN6:
    case SIOCSIFINFO_FLAGS:
    case SIOCSIFINFO_IN6:
    case OSIOCGIFINFO_IN6:
    case SIOCGIFINFO_IN6:
    case SIOCGNBRINFO_IN6:
    case SIOCGDEFIFACE_IN6:
      // The setting ones need PRIV_NETINET_ND6.
      if (cred !== null && in6_nd6_setter(cmd)) {
        error = priv_check_cred(cred, PRIV_NETINET_ND6);
        if (error !== 0) return error;
      }
      return nd6_ioctl(cmd, data, ifp);
  }

  switch (cmd) {
    case SIOCSSCOPE6:
    case SIOCGSCOPE6:
    case SIOCGSCOPE6DEF:
      if (cred !== null && cmd === SIOCSSCOPE6) {
        error = priv_check_cred(cred, PRIV_NETINET_SCOPE6);
        if (error !== 0) return error;
      }
      return scope6_ioctl(cmd, data as scope6_ifreq, ifp);
  }

  switch (cmd) {
    case SIOCSIFADDR:
    case SIOCSIFBRDADDR:
    case SIOCSIFDSTADDR:
    case SIOCSIFNETMASK:
      // Drivers trust these to come checked from a privileged layer: the
      // legacy IPv4 requests do not reach them through an IPv6 socket.
      return EINVAL;
  }

  // An _IOW request is the kernel's own copy: embedding the zone must not
  // show through to the caller.
  if (cmd === SIOCAIFADDR_IN6 && "ifra_addr" in data) data = in6_aliasreq_copy(data);
  else if ((cmd === SIOCDIFADDR_IN6 || cmd === SIOCSIFPHYADDR_IN6) && "ifra_addr" in data) data = in6_aliasreq_copy(data);
  else if (cmd === SIOCDIFADDR_IN6 && "ifr_addr" in data && data.ifr_addr !== undefined) data = { ...data, ifr_addr: sockaddr_in6_copy(data.ifr_addr) };

  // Find the address the request names on this interface.  Unlike IPv4,
  // every request names one: "the first address" means nothing with many.
  let ia: in6_ifaddr | null = null;
  const sa6 = in6_req_sa6(cmd, data);
  if (sa6 !== null && sa6.sin6_family === AF_INET6) {
    if (sa6.sin6_scope_id !== 0) error = sa6_embedscope(sa6, 0);
    else error = in6_setscope(sa6.sin6_addr, ifp, null);
    if (error !== 0) return error;
    // prison_check_ip6: jails with address restrictions are not modelled;
    // a vnet jail owns all of its stack's addresses.
    ia = in6ifa_ifpwithaddr(ifp, sa6.sin6_addr);
  }

  const ifra = data as in6_aliasreq;
  const ifr = data as in6_ifreq;
  switch (cmd) {
    case SIOCSIFADDR_IN6:
    case SIOCSIFDSTADDR_IN6:
    case SIOCSIFNETMASK_IN6:
      // One address per interface is an IPv4 notion: these are obsolete.
      return EINVAL;
    case SIOCDIFADDR_IN6:
    case SIOCAIFADDR_IN6:
    case SIOCGIFSTAT_IN6:
    case SIOCGIFSTAT_ICMP6:
      // No "delete the first address" for IPv6: the address must be named.
      if (cmd === SIOCDIFADDR_IN6 && ia === null) return EADDRNOTAVAIL;
      if (cmd === SIOCDIFADDR_IN6 || cmd === SIOCAIFADDR_IN6) {
        // A valid IPv6 address is always required.
        const a = in6_req_sa6(cmd, data);
        if (a === null || a.sin6_family !== AF_INET6 || a.sin6_len !== 28) return EAFNOSUPPORT;
        if (cred !== null) {
          error = priv_check_cred(cred, cmd === SIOCDIFADDR_IN6 ? PRIV_NET_DELIFADDR : PRIV_NET_ADDIFADDR);
          if (error !== 0) return error;
        }
      }
      if (in6_ifextra_get(ifp) === null) return EPFNOSUPPORT;
      break;
    case SIOCGIFADDR_IN6: // as good as deprecated: getifaddrs tells more
    case SIOCGIFAFLAG_IN6:
    case SIOCGIFNETMASK_IN6:
    case SIOCGIFDSTADDR_IN6:
    case SIOCGIFALIFETIME_IN6:
      if (ia === null) return EADDRNOTAVAIL;
      break;
  }

  switch (cmd) {
    case SIOCGIFADDR_IN6: {
      const a = sockaddr_in6_copy((ia as in6_ifaddr).ia_addr);
      ifr.ifr_addr = a;
      return sa6_recoverscope(a);
    }
    case SIOCGIFDSTADDR_IN6: {
      if ((ifp.if_flags & IFF_POINTOPOINT) === 0) return EINVAL;
      const a = sockaddr_in6_copy((ia as in6_ifaddr).ia_dstaddr);
      ifr.ifr_dstaddr = a;
      return sa6_recoverscope(a);
    }
    case SIOCGIFNETMASK_IN6:
      ifr.ifr_addr = sockaddr_in6_copy((ia as in6_ifaddr).ia_prefixmask);
      return 0;
    case SIOCGIFAFLAG_IN6:
      ifr.ifr_ifru_flags6 = (ia as in6_ifaddr).ia6_flags;
      return 0;
    case SIOCGIFSTAT_IN6:
      ifr.ifr_ifru_stat = Array.from((in6_ifextra_get(ifp) as in6_ifextra).in6_ifstat);
      return 0;
    case SIOCGIFSTAT_ICMP6:
      ifr.ifr_ifru_stat = Array.from((in6_ifextra_get(ifp) as in6_ifextra).icmp6_ifstat);
      return 0;
    case SIOCGIFALIFETIME_IN6: {
      const lt = (ia as in6_ifaddr).ia6_lifetime;
      const r = new in6_addrlifetime();
      r.ia6t_expire = lt.ia6t_expire;
      r.ia6t_preferred = lt.ia6t_preferred;
      r.ia6t_vltime = lt.ia6t_vltime;
      r.ia6t_pltime = lt.ia6t_pltime;
      // The expiry times as of the last update, capped at time_t's largest.
      const maxexpire = Number.MAX_SAFE_INTEGER;
      const upd = (ia as in6_ifaddr).ia6_updatetime;
      if (lt.ia6t_vltime !== ND6_INFINITE_LIFETIME) r.ia6t_expire = lt.ia6t_vltime < maxexpire - upd ? upd + lt.ia6t_vltime : maxexpire;
      if (lt.ia6t_pltime !== ND6_INFINITE_LIFETIME) r.ia6t_preferred = lt.ia6t_pltime < maxexpire - upd ? upd + lt.ia6t_pltime : maxexpire;
      ifr.ifr_ifru_lifetime = r;
      return 0;
    }
    case SIOCAIFADDR_IN6:
      return in6_aifaddr(cmd, ifra, ifp, ia);
    case SIOCDIFADDR_IN6: {
      const dia = ia as in6_ifaddr;
      in6_purgeifaddr(dia);
      return 0;
    }
    default:
      return ifp.if_ioctl(ifp, cmd, data as unknown as ifreq);
  }
}

/** The Neighbor Discovery requests that change something. */
function in6_nd6_setter(cmd: number): boolean {
  return cmd === SIOCSNDFLUSH_IN6 || cmd === SIOCSPFXFLUSH_IN6 || cmd === SIOCSRTRFLUSH_IN6 || cmd === SIOCSDEFIFACE_IN6 || cmd === SIOCSIFINFO_FLAGS || cmd === SIOCSIFINFO_IN6;
}

/**
 * SIOCAIFADDR_IN6 after the checks: make or update the address, then its
 * prefix (on-link, with the address's lifetimes until an RA says otherwise),
 * and re-enable an interface IPv6 was disabled on.
 */
function in6_aifaddr(_cmd: number, ifra: in6_aliasreq, ifp: ifnet, ia0: in6_ifaddr | null): number {
  let error = in6_update_ifa(ifp, ifra, ia0, 0);
  if (error !== 0) return error;
  const ia = in6ifa_ifpwithaddr(ifp, ifra.ifra_addr.sin6_addr);
  // Gone already: a valid lifetime of 0.
  if (ia === null) return 0;
  // carp(4) is not modelled.
  if (ifra.ifra_vhid > 0) return EPROTONOSUPPORT;

  const plen = in6_mask2len(ifra.ifra_prefixmask.sin6_addr);
  if (plen !== 128) {
    // Make the prefix on-link.  The address came first because the prefix
    // route needs an address to hang on.
    const pr0 = new nd_prefixctl();
    pr0.ndpr_ifp = ifp;
    pr0.ndpr_plen = plen;
    sockaddr_in6_set(pr0.ndpr_prefix, ifra.ifra_addr);
    IN6_MASK_ADDR(pr0.ndpr_prefix.sin6_addr, ifra.ifra_prefixmask.sin6_addr);
    // No API sets a prefix's own lifetimes: it takes the address's, which
    // a later RA may override (with accept_rtadv).
    pr0.ndpr_raf_onlink = 1;
    pr0.ndpr_raf_auto = (ifra.ifra_flags & IN6_IFF_AUTOCONF) !== 0 ? 1 : 0;
    pr0.ndpr_vltime = ifra.ifra_lifetime.ia6t_vltime;
    pr0.ndpr_pltime = ifra.ifra_lifetime.ia6t_pltime;
    let pr = nd6_prefix_lookup(pr0);
    if (pr === null) {
      // nd6_prelist_add installs the prefix route.
      const newp: { pr: nd_prefix | null } = { pr: null };
      error = nd6_prelist_add(pr0, null, newp);
      if (error !== 0) return error;
      pr = newp.pr;
    }
    if (pr !== null) {
      if (ia.ia6_ndpr === null) {
        ia.ia6_ndpr = pr;
        pr.ndpr_addrcnt++;
        // With net.inet6.ip6.use_tempaddr the first autoconf address of a
        // prefix would get an RFC 4941 temporary twin (in6_tmpifadd);
        // temporary addresses are not modelled.
      }
      nd6_prefix_rele(pr);
    }
    // The new address may detach or attach other autoconf addresses.
    pfxlist_onlink_check();
  }

  // Adding an address to an IPv6-disabled interface tries to enable it; a
  // failure means a duplicate was detected and is let be.
  const ndi = ND_IFINFO(ifp);
  if ((ndi.flags & ND6_IFF_IFDISABLED) !== 0) {
    const nd = new in6_ndireq();
    nd.ifname = ifp.if_xname;
    nd.ndi.flags = ndi.flags & ~ND6_IFF_IFDISABLED;
    if (nd6_ioctl(SIOCSIFINFO_FLAGS, nd, ifp) < 0) log(LOG_NOTICE, "SIOCAIFADDR_IN6: SIOCSIFINFO_FLAGS for -ifdisabled failed.");
  }
  return 0;
}

/** in6_joingroup_legacy: join with the delay in hz ticks (converted to MLD's fast-timeout units), keep the membership. */
function in6_joingroup_legacy(ifp: ifnet, mcaddr: in6_addr, errorp: intp, delay: number): in6_multi_mship | null {
  delay = Math.floor((delay * PR_FASTHZ) / hz);
  const pinm: { inm: in6_multi | null } = { inm: null };
  const error = in6_joingroup(ifp, mcaddr, null, pinm, delay);
  if (error !== 0) {
    errorp.v = error;
    return null;
  }
  return new in6_multi_mship(pinm.inm);
}

/**
 * in6_update_ifa_join_mc: the groups a new address needs: its
 * solicited-node group, the link's all-nodes group, the node information
 * groups of the host name, and the interface-local all-nodes group.
 */
function in6_update_ifa_join_mc(ifp: ifnet, ifra: in6_aliasreq, ia: in6_ifaddr, flags: number, in6m_sol: { inm: in6_multi | null }): number {
  const err: intp = { v: 0 };
  // The solicited-node group: ff02::1:ffXX:XXXX from the address's low 24 bits.
  const mltaddr = new in6_addr();
  const m = mltaddr.s6_addr;
  m[0] = 0xff;
  m[1] = 0x02;
  m[11] = 0x01;
  m[12] = 0xff;
  m[13] = ifra.ifra_addr.sin6_addr.s6_addr[13];
  m[14] = ifra.ifra_addr.sin6_addr.s6_addr[14];
  m[15] = ifra.ifra_addr.sin6_addr.s6_addr[15];
  let error = in6_setscope(mltaddr, ifp, null);
  if (error !== 0) {
    log(LOG_ERR, "in6_update_ifa_join_mc: in6_setscope failed\n");
    return error;
  }
  let delay = 0;
  // The address's DAD waits a random while (RFC 4861 6.3.7); so does the
  // report for its group, lest reports from many hosts collide.
  if ((flags & IN6_IFAUPDATE_DADDELAY) !== 0) delay = arc4random() % (MAX_RTR_SOLICITATION_DELAY * hz);
  let imm = in6_joingroup_legacy(ifp, mltaddr, err, delay);
  if (imm === null) {
    nd6log(LOG_WARNING, `in6_update_ifa_join_mc: in6_joingroup failed for ${ip6_sprintf(mltaddr)} on ${ifp.if_xname} (errno=${err.v})\n`);
    return err.v;
  }
  ia.ia6_memberships.unshift(imm);
  in6m_sol.inm = imm.i6mm_maddr;

  // The link-local all-nodes group.
  in6_addr_copy(mltaddr, in6addr_linklocal_allnodes);
  error = in6_setscope(mltaddr, ifp, null);
  if (error !== 0) return error;
  imm = in6_joingroup_legacy(ifp, mltaddr, err, 0);
  if (imm === null) {
    nd6log(LOG_WARNING, `in6_update_ifa_join_mc: in6_joingroup failed for ${ip6_sprintf(mltaddr)} on ${ifp.if_xname} (errno=${err.v})\n`);
    return err.v;
  }
  ia.ia6_memberships.unshift(imm);

  // The node information group of the host name (RFC 4620), delayed as the
  // solicited-node one; failing to join it is not fatal.
  delay = 0;
  if ((flags & IN6_IFAUPDATE_DADDELAY) !== 0) delay = arc4random() % (MAX_RTR_SOLICITATION_DELAY * hz);
  if (in6_nigroup(ifp, null, -1, mltaddr) === 0) {
    imm = in6_joingroup_legacy(ifp, mltaddr, err, delay);
    if (imm === null) nd6log(LOG_WARNING, `in6_update_ifa_join_mc: in6_joingroup failed for ${ip6_sprintf(mltaddr)} on ${ifp.if_xname} (errno=${err.v})\n`);
    else ia.ia6_memberships.unshift(imm);
  }
  if (VNET_I32(icmp6_nodeinfo_oldmcprefix) !== 0 && in6_nigroup_oldmcprefix(ifp, null, -1, mltaddr) === 0) {
    imm = in6_joingroup_legacy(ifp, mltaddr, err, delay);
    if (imm === null) nd6log(LOG_WARNING, `in6_update_ifa_join_mc: in6_joingroup failed for ${ip6_sprintf(mltaddr)} on ${ifp.if_xname} (errno=${err.v})\n`);
    else ia.ia6_memberships.unshift(imm);
  }

  // The interface-local all-nodes group (ff01::1%ifN).
  in6_addr_copy(mltaddr, in6addr_nodelocal_allnodes);
  error = in6_setscope(mltaddr, ifp, null);
  if (error !== 0) return error;
  imm = in6_joingroup_legacy(ifp, mltaddr, err, 0);
  if (imm === null) {
    nd6log(LOG_WARNING, `in6_update_ifa_join_mc: in6_joingroup failed for ${ip6_sprintf(mltaddr)} on ${ifp.if_xname} (errno=${err.v})\n`);
    return err.v;
  }
  ia.ia6_memberships.unshift(imm);
  return 0;
}

/**
 * in6_update_ifa(ifp, ifra, ia, flags): make (ia null) or update an
 * address: check the request, link a new address into the lists, set its
 * lifetimes and flags, tell the driver and install its routes; a new one
 * then gets its neighbor entry, its groups and DAD.
 */
export function in6_update_ifa(ifp: ifnet, ifra: in6_aliasreq, ia: in6_ifaddr | null, flags: number): number {
  let error = in6_validate_ifra(ifp, ifra, ia, flags);
  if (error !== 0) return error;
  let hostIsNew = 0;
  if (ia === null) {
    hostIsNew = 1;
    ia = in6_alloc_ifa(ifp, ifra, flags);
  }
  error = in6_update_ifa_internal(ifp, ifra, ia, hostIsNew, flags);
  if (error !== 0) {
    if (hostIsNew !== 0) in6_unlink_ifa(ia, ifp);
    return error;
  }
  if (hostIsNew !== 0) error = in6_broadcast_ifa(ifp, ifra, ia, flags);
  return error;
}

/** in6_prepare_ifra: a request for addr/mask (either may be null: zero). */
export function in6_prepare_ifra(ifra: in6_aliasreq, addr: in6_addr | null, mask: in6_addr | null): void {
  ifra.ifra_name = "";
  ifra.ifra_addr = new sockaddr_in6(addr ?? undefined);
  ifra.ifra_dstaddr = new sockaddr_in6();
  ifra.ifra_dstaddr.sin6_len = 0;
  ifra.ifra_dstaddr.sin6_family = 0;
  ifra.ifra_prefixmask = new sockaddr_in6(mask ?? undefined);
  ifra.ifra_flags = 0;
  ifra.ifra_lifetime.ia6t_expire = 0;
  ifra.ifra_lifetime.ia6t_preferred = 0;
  ifra.ifra_lifetime.ia6t_vltime = 0;
  ifra.ifra_lifetime.ia6t_pltime = 0;
  ifra.ifra_vhid = 0;
}

function in6_validate_ifra(ifp: ifnet, ifra: in6_aliasreq, ia: in6_ifaddr | null, _flags: number): number {
  // A point-to-point destination is IPv6 or nothing.
  if ((ifp.if_flags & IFF_POINTOPOINT) !== 0 && ifra.ifra_dstaddr.sin6_family !== AF_INET6 && ifra.ifra_dstaddr.sin6_family !== AF_UNSPEC) return EAFNOSUPPORT;
  if (ifra.ifra_addr.sin6_len !== 28 || ifra.ifra_addr.sin6_family !== AF_INET6) return EINVAL;
  // The mask's family is not looked at: a netmask carries only its length.
  if (ifra.ifra_prefixmask.sin6_len > 28) return EINVAL;
  // IPv6 is classless: a new address needs a (contiguous, non-zero) prefix length.
  if (ia === null && ifra.ifra_prefixmask.sin6_len === 0) return EINVAL;
  let plen: number;
  if (ifra.ifra_prefixmask.sin6_len !== 0) {
    plen = in6_mask2len(ifra.ifra_prefixmask.sin6_addr);
    if (plen <= 0) return EINVAL;
  } else {
    plen = in6_mask2len((ia as in6_ifaddr).ia_prefixmask.sin6_addr);
  }
  // A scoped destination on a point-to-point (or loopback) link: its zone
  // must be the link's; put it in the internal form.
  const dst6 = sockaddr_in6_copy(ifra.ifra_dstaddr);
  if ((ifp.if_flags & (IFF_POINTOPOINT | IFF_LOOPBACK)) !== 0 && dst6.sin6_family === AF_INET6) {
    const in6_tmp = new in6_addr();
    in6_addr_copy(in6_tmp, dst6.sin6_addr);
    const zoneid: intp = { v: 0 };
    if (in6_setscope(in6_tmp, ifp, zoneid) !== 0) return EINVAL;
    if (dst6.sin6_scope_id !== 0) {
      if (dst6.sin6_scope_id !== zoneid.v) return EINVAL;
    } else dst6.sin6_scope_id = zoneid.v;
    if (sa6_embedscope(dst6, 0) !== 0) return EINVAL;
  }
  ifra.ifra_dstaddr = dst6;
  // Only point-to-point and loopback links have a destination, and then
  // the prefix is a /128.
  if (ifra.ifra_dstaddr.sin6_family === AF_INET6) {
    if ((ifp.if_flags & (IFF_POINTOPOINT | IFF_LOOPBACK)) === 0) {
      nd6log(LOG_INFO, "in6_update_ifa: a destination can be specified for a p2p or a loopback IF only\n");
      return EINVAL;
    }
    if (plen !== 128) {
      nd6log(LOG_INFO, "in6_update_ifa: prefixlen should be 128 when dstaddr is specified\n");
      return EINVAL;
    }
  }
  const lt = ifra.ifra_lifetime;
  if (lt.ia6t_pltime > lt.ia6t_vltime) return EINVAL;
  if (lt.ia6t_vltime === 0) {
    // Usually a configuration mistake.  A new address is still made, with
    // a lifetime that has run out, as FreeBSD 14 does; nd6's timer removes it.
    nd6log(LOG_INFO, `in6_update_ifa: valid lifetime is 0 for ${ip6_sprintf(ifra.ifra_addr.sin6_addr)}\n`);
    if (ia === null) return 0;
  }
  // An existing address keeps its prefix length: prefix management would
  // not follow the change.
  if (ia !== null && ifra.ifra_prefixmask.sin6_len !== 0) {
    if (ia.ia_prefixmask.sin6_len !== 0 && in6_mask2len(ia.ia_prefixmask.sin6_addr) !== plen) {
      nd6log(LOG_INFO, `in6_validate_ifa: the prefix length of an existing ${ip6_sprintf(ia.ia_addr.sin6_addr)} address should not be changed\n`);
      return EINVAL;
    }
  }
  return 0;
}

/** in6_alloc_ifa: a new address, linked at the tail of the interface's and the vnet's lists. */
function in6_alloc_ifa(ifp: ifnet, ifra: in6_aliasreq, _flags: number): in6_ifaddr {
  const ia = new in6_ifaddr(ifp);
  sockaddr_in6_set(ia.ia_addr, ifra.ifra_addr);
  ia.ia6_createtime = time_uptime();
  // Point-to-point (and loopback) addresses have a destination; code
  // counts on ifa_dstaddr being there for them.
  ia.ifa_dstaddr = (ifp.if_flags & (IFF_POINTOPOINT | IFF_LOOPBACK)) !== 0 ? ia.ia_dstaddr : null;
  ia.ia_dstaddr.sin6_len = 0;
  ia.ia_dstaddr.sin6_family = 0;
  const pm = ia.ia_prefixmask;
  pm.sin6_len = 0;
  pm.sin6_family = 0;
  if (ifra.ifra_prefixmask.sin6_len !== 0) {
    pm.sin6_family = AF_INET6;
    pm.sin6_len = ifra.ifra_prefixmask.sin6_len;
    in6_addr_copy(pm.sin6_addr, ifra.ifra_prefixmask.sin6_addr);
  }
  ia.ia_plen = in6_mask2len(pm.sin6_addr);
  ifp.if_addrhead.push(ia);
  V_in6_ifaddrhead().push(ia);
  in6addr_hash_insert(ia);
  return ia;
}

/** in6_update_ifa_internal: lifetimes, flags (tentative when DAD is due), then the other subsystems. */
function in6_update_ifa_internal(ifp: ifnet, ifra: in6_aliasreq, ia: in6_ifaddr, hostIsNew: number, _flags: number): number {
  const now = time_uptime();
  ia.ia6_updatetime = now;
  // ia6t_expire and ia6t_preferred are for applications; the kernel itself
  // judges by the lifetimes and ia6_updatetime.
  const lt = ia.ia6_lifetime;
  lt.ia6t_vltime = ifra.ifra_lifetime.ia6t_vltime;
  lt.ia6t_pltime = ifra.ifra_lifetime.ia6t_pltime;
  lt.ia6t_expire = lt.ia6t_vltime !== ND6_INFINITE_LIFETIME ? now + lt.ia6t_vltime : 0;
  lt.ia6t_preferred = lt.ia6t_pltime !== ND6_INFINITE_LIFETIME ? now + lt.ia6t_pltime : 0;
  // IN6_IFF_DEPRECATED from userland: deprecated from now on.
  if ((ifra.ifra_flags & IN6_IFF_DEPRECATED) !== 0) {
    lt.ia6t_pltime = 0;
    lt.ia6t_preferred = now;
  }
  ia.ia6_flags = ifra.ifra_flags;
  ia.ia6_flags &= ~IN6_IFF_DUPLICATED;
  // Tentative before any group is joined, so no MLD message leaves with it
  // as source: a new address, or any on an IPv6-disabled interface.
  if (in6if_do_dad(ifp) && (hostIsNew !== 0 || (ND_IFINFO(ifp).flags & ND6_IFF_IFDISABLED) !== 0)) ia.ia6_flags |= IN6_IFF_TENTATIVE;
  return in6_notify_ifa(ifp, ia, ifra, hostIsNew);
}

/**
 * in6_broadcast_ifa: a new address's link-level work: its own neighbor
 * entry, its groups, DAD (after a random delay when asked, longer than the
 * pending MLD report's), then the routing socket message.
 */
function in6_broadcast_ifa(ifp: ifnet, ifra: in6_aliasreq, ia: in6_ifaddr, flags: number): number {
  let error = nd6_add_ifa_lle(ia);
  if (error !== 0) {
    in6_purgeaddr(ia);
    return error;
  }
  const in6m_sol: { inm: in6_multi | null } = { inm: null };
  if ((ifp.if_flags & IFF_MULTICAST) !== 0) {
    error = in6_update_ifa_join_mc(ifp, ifra, ia, flags, in6m_sol);
    if (error !== 0) {
      in6_purgeaddr(ia);
      return error;
    }
  }
  if ((ia.ia6_flags & IN6_IFF_TENTATIVE) !== 0) {
    let delay = 0;
    if ((flags & IN6_IFAUPDATE_DADDELAY) !== 0) {
      const sol = in6m_sol.inm;
      const mindelay = sol !== null && sol.in6m_state === MLD_REPORTING_MEMBER ? sol.in6m_timer : 0;
      const maxdelay = MAX_RTR_SOLICITATION_DELAY * hz;
      delay = maxdelay - mindelay === 0 ? 0 : (arc4random() % (maxdelay - mindelay)) + mindelay;
    }
    nd6_dad_start(ia, delay);
  }
  in6_newaddrmsg(ia, RTM_ADD);
  return error;
}

/** in6_handle_dstaddr_rtrequest: the host route to a point-to-point address's far end. */
function in6_handle_dstaddr_rtrequest(cmd: number, ia: in6_ifaddr): number {
  const ifa = ia;
  const dst = new sockaddr_in6(ia.ia_dstaddr.sin6_addr);
  const info = new rt_addrinfo();
  info.rti_ifa = ifa;
  info.rti_flags = RTF_PINNED | RTF_HOST;
  info.rti_info[RTAX_DST] = dst;
  info.rti_info[RTAX_GATEWAY] = link_init_sdl(ifa.ifa_ifp, ifa.ifa_ifp.if_type);
  return rib_handle_ifaddr_info(ifa.ifa_ifp.if_fib, cmd, info);
}

/** ifa_is_p2p: a /128 with a destination other than itself. */
function ifa_is_p2p(ia: in6_ifaddr): boolean {
  const plen = in6_mask2len(ia.ia_prefixmask.sin6_addr);
  return plen === 128 && ia.ia_dstaddr.sin6_family === AF_INET6 && !IN6_ARE_ADDR_EQUAL(ia.ia_addr.sin6_addr, ia.ia_dstaddr.sin6_addr);
}

/**
 * in6_purgeaddr: an address goes: its route via lo0, its DAD, its groups,
 * its point-to-point route, the routing socket message, then the lists.
 */
export function in6_purgeaddr(ifa: ifaddr): void {
  if (!(ifa instanceof in6_ifaddr)) return;
  const ia = ifa;
  const ifp = ia.ifa_ifp;
  if ((ia.ia_flags & IFA_RTSELF) !== 0) {
    const error = ifa_del_loopback_route(ia, ia.ia_addr);
    if (error === 0) ia.ia_flags &= ~IFA_RTSELF;
  }
  nd6_dad_stop(ia);
  while (ia.ia6_memberships.length > 0) {
    const imm = ia.ia6_memberships.shift() as in6_multi_mship;
    if (imm.i6mm_maddr !== null) in6_leavegroup(imm.i6mm_maddr, null);
  }
  if ((ia.ia_flags & IFA_ROUTE) !== 0 && ifa_is_p2p(ia)) {
    const error = in6_handle_dstaddr_rtrequest(RTM_DELETE, ia);
    if (error !== 0) log(LOG_INFO, `in6_purgeaddr: err=${error}, destination address delete failed\n`);
    ia.ia_flags &= ~IFA_ROUTE;
  }
  in6_newaddrmsg(ia, RTM_DELETE);
  in6_unlink_ifa(ia, ifp);
}

/**
 * in6_purgeifaddr: in6_purgeaddr, and the address's prefix too when no
 * other address uses it (ioctl users expect the prefix route to go with
 * the last address of the prefix).
 */
export function in6_purgeifaddr(ia: in6_ifaddr): void {
  const pr = ia.ia6_ndpr;
  in6_purgeaddr(ia);
  if (pr !== null && pr.ndpr_addrcnt === 0) {
    nd6_prefix_unlink(pr, null);
    nd6_prefix_del(pr);
  }
}

/** in6_unlink_ifa: off the lists; the prefix's address count and the neighbor entries follow. */
function in6_unlink_ifa(ia: in6_ifaddr, ifp: ifnet): void {
  const i = ifp.if_addrhead.indexOf(ia);
  if (i >= 0) ifp.if_addrhead.splice(i, 1);
  const head = V_in6_ifaddrhead();
  const j = head.indexOf(ia);
  if (j >= 0) head.splice(j, 1);
  in6addr_hash_remove(ia);
  let remove_lle = 0;
  if (ia.ia6_ndpr === null) {
    nd6log(LOG_NOTICE, `in6_unlink_ifa: autoconf'ed address ${ip6_sprintf(ia.ia_addr.sin6_addr)} has no prefix\n`);
  } else {
    ia.ia6_ndpr.ndpr_addrcnt--;
    // The prefix's neighbor entries go with its last address.
    if (ia.ia6_ndpr.ndpr_addrcnt === 0) remove_lle = 1;
    ia.ia6_ndpr = null;
  }
  nd6_rem_ifa_lle(ia, remove_lle);
  // Losing an autoconf address may attach other (detached) addresses.
  if ((ia.ia6_flags & IN6_IFF_AUTOCONF) !== 0) pfxlist_onlink_check();
}

/**
 * in6_notify_ifa: the driver hears of the interface's first IPv6 address
 * (SIOCSIFADDR), a point-to-point destination gets its route (the old one
 * goes), and the address its route via lo0.
 */
function in6_notify_ifa(ifp: ifnet, ia: in6_ifaddr, ifra: in6_aliasreq, hostIsNew: number): number {
  let error = 0;
  let ifacount = 0;
  if (hostIsNew !== 0) for (const ifa of ifp.if_addrhead) if (ifa instanceof in6_ifaddr) ifacount++;
  // (An update, hostIsNew 0, counts none and tells the driver again.)
  if (ifacount <= 1) {
    error = ifp.if_ioctl(ifp, SIOCSIFADDR, ia);
    if (error !== 0) return error;
  }
  const pdst = ifra.ifra_dstaddr;
  if (pdst.sin6_family === AF_INET6 && !IN6_ARE_ADDR_EQUAL(pdst.sin6_addr, ia.ia_dstaddr.sin6_addr)) {
    if ((ia.ia_flags & IFA_ROUTE) !== 0 && in6_handle_dstaddr_rtrequest(RTM_DELETE, ia) !== 0) {
      nd6log(LOG_ERR, `in6_update_ifa_internal: failed to remove a route to the old destination: ${ip6_sprintf(ia.ia_addr.sin6_addr)}\n`);
      // Go on regardless.
    } else ia.ia_flags &= ~IFA_ROUTE;
    sockaddr_in6_set(ia.ia_dstaddr, pdst);
  }
  // A point-to-point destination's route (one per destination).
  if ((ia.ia_flags & IFA_ROUTE) === 0 && ifa_is_p2p(ia)) {
    error = in6_handle_dstaddr_rtrequest(RTM_ADD, ia);
    if (error !== 0) return error;
    ia.ia_flags |= IFA_ROUTE;
  }
  // The route to the address itself, via lo0.
  if ((ia.ia_flags & IFA_RTSELF) === 0 && VNET_I32(nd6_useloopback) !== 0) {
    error = ifa_add_loopback_route(ia, ia.ia_addr);
    if (error === 0) ia.ia_flags |= IFA_RTSELF;
  }
  return error;
}

/** in6ifa_ifpforlinklocal: ifp's first link-local address without any of ignoreflags. */
export function in6ifa_ifpforlinklocal(ifp: ifnet, ignoreflags: number): in6_ifaddr | null {
  const list = ifp.if_addrhead;
  for (let i = 0; i < list.length; i++) {
    const ifa = list[i];
    if (!(ifa instanceof in6_ifaddr)) continue;
    if (IN6_IS_ADDR_LINKLOCAL(ifa.ia_addr.sin6_addr)) {
      if ((ifa.ia6_flags & ignoreflags) !== 0) continue;
      return ifa;
    }
  }
  return null;
}

/** in6ifa_ifwithaddr: our address equal to addr (embedded form), in zone zoneid (0: any).  Allocation-free. */
export function in6ifa_ifwithaddr(addr: in6_addr, zoneid: number): in6_ifaddr | null {
  const chain = IN6ADDR_HASH(addr);
  for (let i = 0; i < chain.length; i++) {
    const ia = chain[i];
    if (IN6_ARE_ADDR_EQUAL(ia.ia_addr.sin6_addr, addr)) {
      if (zoneid !== 0 && zoneid !== ia.ia_addr.sin6_scope_id) continue;
      return ia;
    }
  }
  return null;
}

/** in6ifa_ifpwithaddr: ifp's address equal to addr.  Allocation-free. */
export function in6ifa_ifpwithaddr(ifp: ifnet, addr: in6_addr): in6_ifaddr | null {
  const list = ifp.if_addrhead;
  for (let i = 0; i < list.length; i++) {
    const ifa = list[i];
    if (ifa instanceof in6_ifaddr && IN6_ARE_ADDR_EQUAL(addr, ifa.ia_addr.sin6_addr)) return ifa;
  }
  return null;
}

/** in6ifa_llaonifp: a link-local scoped address of ifp, unless IPv6 is disabled there. */
export function in6ifa_llaonifp(ifp: ifnet): in6_ifaddr | null {
  if ((ND_IFINFO(ifp).flags & ND6_IFF_IFDISABLED) !== 0) return null;
  for (const ifa of ifp.if_addrhead) {
    if (!(ifa instanceof in6_ifaddr)) continue;
    const a = ifa.ia_addr.sin6_addr;
    if (IN6_IS_SCOPE_LINKLOCAL(a) || IN6_IS_ADDR_MC_INTFACELOCAL(a) || IN6_IS_ADDR_MC_NODELOCAL(a)) return ifa;
  }
  return null;
}

/** in6_localaddr: on a link of ours (loopback and link-local always are). */
export function in6_localaddr(in6: in6_addr): boolean {
  if (IN6_IS_ADDR_LOOPBACK(in6) || IN6_IS_ADDR_LINKLOCAL(in6)) return true;
  const head = V_in6_ifaddrhead();
  for (let i = 0; i < head.length; i++) {
    const ia = head[i];
    if (IN6_ARE_MASKED_ADDR_EQUAL(in6, ia.ia_addr.sin6_addr, ia.ia_prefixmask.sin6_addr)) return true;
  }
  return false;
}

/** in6_localip: one of our addresses.  Allocation-free. */
export function in6_localip(in6: in6_addr): boolean {
  const chain = IN6ADDR_HASH(in6);
  for (let i = 0; i < chain.length; i++) if (IN6_ARE_ADDR_EQUAL(in6, chain[i].ia_addr.sin6_addr)) return true;
  return false;
}

const ifhasaddr_tmp = new in6_addr();
/** in6_ifhasaddr: addr (with or without a zone) is configured on ifp. */
export function in6_ifhasaddr(ifp: ifnet, addr: in6_addr): boolean {
  const in6 = ifhasaddr_tmp;
  in6_addr_copy(in6, addr);
  if (in6_clearscope(in6) !== 0) return false;
  in6_setscope(in6, ifp, null);
  const list = ifp.if_addrhead;
  for (let i = 0; i < list.length; i++) {
    const ifa = list[i];
    if (ifa instanceof in6_ifaddr && IN6_ARE_ADDR_EQUAL(ifa.ia_addr.sin6_addr, in6)) return true;
  }
  return false;
}

/** in6_is_addr_deprecated: is our address sa6 deprecated? */
export function in6_is_addr_deprecated(sa6: sockaddr_in6): boolean {
  const chain = IN6ADDR_HASH(sa6.sin6_addr);
  for (let i = 0; i < chain.length; i++) {
    const ia = chain[i];
    if (IN6_ARE_ADDR_EQUAL(ia.ia_addr.sin6_addr, sa6.sin6_addr)) return (ia.ia6_flags & IN6_IFF_DEPRECATED) !== 0;
  }
  return false;
}

/** in6_are_prefix_equal: the first len bits are the same (not zone-aware, as in FreeBSD). */
export function in6_are_prefix_equal(p1: in6_addr, p2: in6_addr, len: number): boolean {
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

/**
 * in6_ifawithifp: the best address of ifp to talk to dst from: of dst's
 * scope, the longest match; else any usable one; deprecated ones last
 * (with net.inet6.ip6.use_deprecated).
 */
export function in6_ifawithifp(ifp: ifnet, dst: in6_addr): in6_ifaddr | null {
  const dst_scope = in6_addrscope(dst);
  let blen = -1;
  let besta: in6_ifaddr | null = null;
  let dep0: in6_ifaddr | null = null;
  let dep1: in6_ifaddr | null = null;
  for (const ifa of ifp.if_addrhead) {
    if (!(ifa instanceof in6_ifaddr)) continue;
    if ((ifa.ia6_flags & IN6_IFF_ANYCAST) !== 0) continue;
    if ((ifa.ia6_flags & IN6_IFF_NOTREADY) !== 0) continue;
    if ((ifa.ia6_flags & IN6_IFF_DETACHED) !== 0) continue;
    if ((ifa.ia6_flags & IN6_IFF_DEPRECATED) !== 0) {
      if (V_ip6_use_deprecated() !== 0) dep0 = ifa;
      continue;
    }
    if (dst_scope === in6_addrscope(ifa.ia_addr.sin6_addr)) {
      if (besta !== null) {
        if (blen === -1) blen = in6_matchlen(besta.ia_addr.sin6_addr, dst);
        const tlen = in6_matchlen(ifa.ia_addr.sin6_addr, dst);
        if (tlen > blen) {
          blen = tlen;
          besta = ifa;
        }
      } else besta = ifa;
    }
  }
  if (besta !== null) return besta;
  for (const ifa of ifp.if_addrhead) {
    if (!(ifa instanceof in6_ifaddr)) continue;
    if ((ifa.ia6_flags & IN6_IFF_ANYCAST) !== 0) continue;
    if ((ifa.ia6_flags & IN6_IFF_NOTREADY) !== 0) continue;
    if ((ifa.ia6_flags & IN6_IFF_DETACHED) !== 0) continue;
    if ((ifa.ia6_flags & IN6_IFF_DEPRECATED) !== 0) {
      if (V_ip6_use_deprecated() !== 0) dep1 = ifa;
      continue;
    }
    return ifa;
  }
  return dep0 ?? dep1;
}

/**
 * in6_if_up: the interface came up: addresses made tentative by hand start
 * DAD (after a random delay), then in6_ifattach gives it its link-local
 * address (and lo0 its ::1).
 */
export function in6_if_up(ifp: ifnet): void {
  for (const ifa of ifp.if_addrhead.slice()) {
    if (!(ifa instanceof in6_ifaddr)) continue;
    if ((ifa.ia6_flags & IN6_IFF_TENTATIVE) !== 0) nd6_dad_start(ifa, arc4random() % (MAX_RTR_SOLICITATION_DELAY * hz));
  }
  in6_ifattach(ifp, null);
}

/** in6if_do_dad: does a new address on ifp need DAD? Not on loopback, non-multicast, disabled or no_dad interfaces. */
export function in6if_do_dad(ifp: ifnet): boolean {
  if ((ifp.if_flags & IFF_LOOPBACK) !== 0) return false;
  if ((ifp.if_flags & IFF_MULTICAST) === 0) return false;
  if ((ND_IFINFO(ifp).flags & (ND6_IFF_IFDISABLED | ND6_IFF_NO_DAD)) !== 0) return false;
  return true;
}


/** in6_setmaxmtu: V_in6_maxmtu becomes the largest IPv6 MTU of the vnet's non-loopback interfaces. */
export function in6_setmaxmtu(): void {
  let maxmtu = 0;
  for (const ifp of V_ifnet()) {
    // Called while interfaces attach, too.
    if (in6_ifextra_get(ifp) === null) continue;
    if ((ifp.if_flags & IFF_LOOPBACK) === 0 && IN6_LINKMTU(ifp) > maxmtu) maxmtu = IN6_LINKMTU(ifp);
  }
  if (maxmtu !== 0) VNET_I32_SET(in6_maxmtu, maxmtu);
}

/** in6_if2idlen: the interface identifier length of the link type ("IPv6 over xxx" RFCs); 64 for all known here. */
export function in6_if2idlen(ifp: ifnet): number {
  switch (ifp.if_type) {
    case IFT_ETHER:
    case IFT_PROPVIRTUAL:
    case IFT_L2VLAN:
    case IFT_BRIDGE:
    case IFT_INFINIBAND:
    case IFT_PPP:
    case IFT_FRELAY:
    case IFT_IEEE1394:
    case IFT_GIF:
    case IFT_LOOP:
      return 64;
    default:
      // Unknown: the common 64, said out loud.
      printf(`in6_if2idlen: unknown link type (${ifp.if_type})\n`);
      return 64;
  }
}

/**
 * in6_domifattach: an interface's IPv6 data: counters, ND parameters, scope
 * zones, neighbor table, MLD state.  Not for interfaces that cannot carry
 * IPv6 (pflog, pfsync, USB).
 */
export function in6_domifattach(ifp: ifnet): in6_ifextra | null {
  switch (ifp.if_type) {
    case IFT_PFLOG:
    case IFT_PFSYNC:
    case IFT_USB:
      return null;
  }
  const ext = new in6_ifextra();
  // nd6_ifattach and the others look the data up through if_afdata.
  ifp.if_afdata.set(AF_INET6, ext);
  ext.nd_ifinfo = nd6_ifattach(ifp);
  ext.scope6_id = scope6_ifattach(ifp);
  ext.lltable = in6_lltattach(ifp);
  ext.mld_ifinfo = mld_domifattach(ifp);
  return ext;
}

/** in6_domifmtu: the IPv6 MTU (dom_ifmtu). */
export function in6_domifmtu(ifp: ifnet): number {
  if (in6_ifextra_get(ifp) === null) return ifp.if_mtu;
  return IN6_LINKMTU(ifp);
}

export function in6_domifdetach(ifp: ifnet, aux: unknown): void {
  if (!(aux instanceof in6_ifextra)) return;
  mld_domifdetach(ifp);
  if (aux.scope6_id instanceof scope6_id) scope6_ifdetach(aux.scope6_id);
  if (aux.nd_ifinfo instanceof nd_ifinfo) nd6_ifdetach(ifp, aux.nd_ifinfo);
  if (aux.lltable !== null) lltable_free(aux.lltable);
}

/**
 * in6_purgeaddrs: the AF_INET6 part of if_purgeaddrs (interface detach or
 * move), then in6_ifdetach as if_detach_internal does.
 */
export function in6_purgeaddrs(ifp: ifnet): void {
  for (const ifa of ifp.if_addrhead.slice()) if (ifa instanceof in6_ifaddr) in6_purgeifaddr(ifa);
  in6_ifdetach(ifp);
}

/** in6_if_event: if_up's call of in6_if_up (through the ifnet_event list here). */
function in6_if_event(ifp: ifnet, event: number): void {
  if (event === IFNET_EVENT_UP) in6_if_up(ifp);
}
ifnet_event.push(in6_if_event);

/** in6_sin6_2_sin: the IPv4 address of a v4-mapped (or v4-compatible) sockaddr_in6. */
export function in6_sin6_2_sin(sin6: sockaddr_in6): sockaddr_in {
  return new sockaddr_in(s6_addr32(sin6.sin6_addr, 3), sin6.sin6_port);
}

/** in6_sin_2_v4mapsin6: a sockaddr_in as ::ffff:a.b.c.d. */
export function in6_sin_2_v4mapsin6(sin: sockaddr_in): sockaddr_in6 {
  const sin6 = new sockaddr_in6(undefined, sin.sin_port);
  const b = sin6.sin6_addr.s6_addr;
  b[10] = 0xff;
  b[11] = 0xff;
  b[12] = sin.sin_addr >>> 24;
  b[13] = (sin.sin_addr >>> 16) & 0xff;
  b[14] = (sin.sin_addr >>> 8) & 0xff;
  b[15] = sin.sin_addr & 0xff;
  return sin6;
}

// ---------------------------------------------------------------------------
// in6.c's lltable half: an interface's IPv6 neighbor table.  An entry's key
// is its IPv6 address, zone embedded (in6_llentry.r_l3addr6); the generic
// table code of net/if_llatbl.ts hands these methods an in6_addr where an
// IPv4 table's get a number.

/** ND6_LLINFO_REACHABLE (nd6.h): a static entry is born reachable. */
const ND6_LLINFO_REACHABLE = 1;

const IN6_LLTBL_DEFAULT_HSIZE = 32;

/**
 * IN6_LLTBL_HASH over s6_addr32[3] as an amd64 kernel reads it (the four
 * bytes little-endian), so entries fall in FreeBSD's buckets and ndp -a
 * lists them in FreeBSD's order.
 */
function in6_lltable_hash_dst(dst: in6_addr, hsize: number): number {
  const b = dst.s6_addr;
  const k = (b[12] | (b[13] << 8) | (b[14] << 16) | (b[15] << 24)) >>> 0;
  return ((((((k >>> 8) ^ k) >>> 8) ^ k) >>> 8) ^ k) & (hsize - 1);
}

/** struct in6_llentry: an llentry of an inet6 table. */
export class in6_llentry extends llentry {
  /** The union's addr6: the neighbour's address, zone embedded. */
  readonly r_l3addr6 = new in6_addr();
  /** The solicited-node membership of a published entry (see the header). */
  ln_proxy_inm: in6_multi | null = null;
}

/** An inet6 table's entry's address (its r_l3addr6); allocation-free. */
export function lle_addr6(lle: llentry): in6_addr {
  return (lle as in6_llentry).r_l3addr6;
}

function in6_lltable_destroy_lle(lle: llentry): void {
  lle.lle_refcnt = 0;
}

function in6_lltable_new(addr6: in6_addr, _flags: number): in6_llentry {
  const lle = new in6_llentry();
  in6_addr_copy(lle.r_l3addr6, addr6);
  lle.lle_refcnt = 1;
  lle.lle_free = in6_lltable_destroy_lle;
  return lle;
}

/** in6_lltable_match_prefix: is the entry inside addr/mask (and may it go)? */
function in6_lltable_match_prefix(saddr: lle_l3addr, smask: lle_l3addr, flags: number, lle: llentry): number {
  if (typeof saddr === "number" || typeof smask === "number") return 0;
  const lle_addr = lle_addr6(lle);
  if (!IN6_ARE_MASKED_ADDR_EQUAL(lle_addr, saddr, smask)) return 0;
  if ((lle.la_flags & LLE_IFADDR) !== 0) {
    // Our own address's entry goes only with that address itself.
    if (IN6_ARE_ADDR_EQUAL(saddr, lle_addr) && (flags & LLE_STATIC) !== 0) return 1;
    return 0;
  }
  // LLE_STATIC asks for the static entries too.
  if ((flags & LLE_STATIC) !== 0 || (lle.la_flags & LLE_STATIC) === 0) return 1;
  return 0;
}

/** A published entry's membership goes with it. */
function in6_lltable_proxy_leave(lle: llentry): void {
  if (!(lle instanceof in6_llentry) || lle.ln_proxy_inm === null) return;
  const inm = lle.ln_proxy_inm;
  lle.ln_proxy_inm = null;
  in6_leavegroup(inm, null);
}

const proxy_solicited = new in6_addr();

/** A published entry joins its address's solicited-node group (see the header). */
function in6_lltable_proxy_join(llt: lltable, lle: llentry): void {
  if (!(lle instanceof in6_llentry) || (lle.la_flags & LLE_PUB) === 0 || lle.ln_proxy_inm !== null) return;
  const ifp = llt.llt_ifp;
  // ff02::1:ffXX:XXXX, zone embedded.
  proxy_solicited.s6_addr.fill(0);
  proxy_solicited.s6_addr[0] = 0xff;
  proxy_solicited.s6_addr[1] = 0x02;
  proxy_solicited.s6_addr[11] = 0x01;
  proxy_solicited.s6_addr[12] = 0xff;
  for (let i = 13; i < 16; i++) proxy_solicited.s6_addr[i] = lle_addr6(lle).s6_addr[i];
  s6_addr16_set(proxy_solicited, 1, ifp.if_index);
  const pinm: { inm: in6_multi | null } = { inm: null };
  if (in6_joingroup(ifp, proxy_solicited, null, pinm, 0) === 0) lle.ln_proxy_inm = pinm.inm;
}

function in6_lltable_free_entry(llt: lltable, lle: llentry): void {
  if ((lle.la_flags & LLE_LINKED) !== 0) llt.llt_unlink_entry(lle);
  in6_lltable_proxy_leave(lle);
  llentry_free(lle);
}

/** in6_splitscope: the address without its embedded zone, and the zone. */
function in6_splitscope_zone(src: in6_addr, dst: in6_addr): number {
  in6_addr_copy(dst, src);
  if (!IN6_IS_SCOPE_EMBED(src)) return 0;
  const zoneid = s6_addr16(src, 1);
  if (zoneid !== 0) s6_addr16_set(dst, 1, 0);
  return zoneid;
}

const rtcheck_dst = new in6_addr();

/**
 * in6_lltable_rtcheck: an entry may be made for an address a route puts on
 * ifp's link, or one inside a prefix of ifp's own addresses.
 */
function in6_lltable_rtcheck(ifp: ifnet, _flags: number, addr: in6_addr): number {
  const scopeid = in6_splitscope_zone(addr, rtcheck_dst);
  const nh = fib6_lookup(ifp.if_fib, rtcheck_dst, scopeid, NHR_NONE, 0);
  if (nh !== null && ((nh.nh_flags & NHF_GATEWAY) !== 0 || nh.nh_ifp !== ifp)) {
    // A neighbor not covered by our own prefix (ifaof_ifpforaddr).
    for (const ifa of ifp.if_addrhead) if (ifa instanceof in6_ifaddr && IN6_ARE_MASKED_ADDR_EQUAL(ifa.ia_addr.sin6_addr, addr, ifa.ia_prefixmask.sin6_addr)) return 0;
    log(LOG_INFO, `IPv6 address: "${ip6_sprintf(addr)}" is not on the network\n`);
    return EINVAL;
  }
  return 0;
}

/** in6_lltable_mark_used: the data path used the entry (the STALE timer wants to know). */
function in6_lltable_mark_used(lle: llentry): void {
  lle.r_skip_req = 0;
  lle.lle_hittime = time_uptime();
}

function in6_lltable_hash(lle: llentry, hsize: number): number {
  return in6_lltable_hash_dst(lle_addr6(lle), hsize);
}

/** in6_lltable_fill_sa_entry: the entry's address as a sockaddr_in6. */
export function in6_lltable_fill_sa_entry(lle: llentry, sin6: sockaddr_in6): void {
  sin6.sin6_len = 28;
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = 0;
  sin6.sin6_flowinfo = 0;
  sin6.sin6_scope_id = 0;
  in6_addr_copy(sin6.sin6_addr, lle_addr6(lle));
}

/** in6_lltable_find_dst: allocation-free lookup. */
function in6_lltable_find_dst(llt: lltable, dst: in6_addr): llentry | null {
  const chain = llt.lle_head[in6_lltable_hash_dst(dst, llt.llt_hsize)];
  for (let i = 0; i < chain.length; i++) {
    const lle = chain[i];
    if ((lle.la_flags & LLE_DELETED) !== 0) continue;
    if (IN6_ARE_ADDR_EQUAL(lle_addr6(lle), dst)) return lle;
  }
  return null;
}

function in6_lltable_delete_entry(_llt: lltable, lle: llentry): void {
  lle.la_flags |= LLE_DELETED;
  in6_lle_event(lle, LLENTRY_DELETED);
  in6_lltable_proxy_leave(lle);
  llentry_free(lle);
}

// Made on first use: LLE_MAX_LINKHDR's module may load after this one.
let ifaddr_linkhdr: Uint8Array | null = null;
const ifaddr_llres = new llheader_result();

/** in6_lltable_alloc: a new entry (not linked) for addr6; null when no route puts it on the link. */
function in6_lltable_alloc(llt: lltable, flags: number, l3addr: lle_l3addr): llentry | null {
  if (typeof l3addr === "number") return null;
  const ifp = llt.llt_ifp;
  // Resolution needs a route that covers the address.
  if ((flags & LLE_IFADDR) === 0 && in6_lltable_rtcheck(ifp, flags, l3addr) !== 0) return null;
  const lle = in6_lltable_new(l3addr, flags);
  lle.la_flags = flags;
  if ((flags & LLE_IFADDR) === LLE_IFADDR) {
    if (ifaddr_linkhdr === null) ifaddr_linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
    if (lltable_calc_llheader(ifp, AF_INET6, lltable_if_lladdr(ifp), 0, ifaddr_linkhdr, ifaddr_llres) !== 0) {
      llentry_free(lle);
      return null;
    }
    lltable_set_entry_addr(ifp, lle, ifaddr_linkhdr, ifaddr_llres.bufsize, ifaddr_llres.lladdr_off);
    lle.la_flags |= LLE_STATIC;
  }
  if ((lle.la_flags & LLE_STATIC) !== 0) lle.ln_state = ND6_LLINFO_REACHABLE;
  return lle;
}

/** in6_lltable_lookup (lla_lookup on an inet6 table): the linked entry for an address.  Allocation-free. */
function in6_lltable_lookup(llt: lltable, flags: number, l3addr: lle_l3addr): llentry | null {
  if (typeof l3addr === "number") return null;
  const lle = in6_lltable_find_dst(llt, l3addr);
  if (lle === null) return null;
  if ((flags & LLE_UNLOCKED) !== 0) return lle;
  if ((lle.la_flags & LLE_LINKED) === 0) return null;
  return lle;
}

/** A dump row of an inet6 table: the address in addr6. */
interface in6_dump_entry extends lla_dump_entry {
  addr6: in6_addr;
}

/**
 * in6_lltable_dump_entry: one row of the NET_RT_FLAGS dump ndp reads: the
 * address (zone embedded; the route socket recovers it), the link-level
 * address when valid, RTF_GATEWAY for a router, and the expiry (la_expire
 * plus what lle_remtime adds to a STALE entry's, 0 for permanent).
 */
function in6_lltable_dump_entry(llt: lltable, lle: llentry, out: lla_dump_entry[]): number {
  const ifp = llt.llt_ifp;
  if ((lle.la_flags & LLE_DELETED) === LLE_DELETED) return 0;
  let flags = RTF_UP;
  if ((lle.la_flags & LLE_PUB) !== 0) flags |= RTF_ANNOUNCE;
  flags |= RTF_HOST | RTF_LLDATA;
  if ((lle.la_flags & LLE_STATIC) !== 0) flags |= RTF_STATIC;
  if ((lle.la_flags & LLE_IFADDR) !== 0) flags |= RTF_PINNED;
  if (lle.ln_router !== 0) flags |= RTF_GATEWAY;
  const addr6 = new in6_addr();
  in6_addr_copy(addr6, lle_addr6(lle));
  const row: in6_dump_entry = {
    addr: 0,
    addr6,
    lladdr: (lle.la_flags & LLE_VALID) === LLE_VALID ? lle.ll_addr.slice() : null,
    flags,
    expire: lle.la_expire !== 0 ? lle.la_expire + Math.floor(lle.lle_remtime / hz) : 0,
    ifname: ifp.if_xname,
    ifindex: ifp.if_index,
    la_flags: lle.la_flags,
  };
  out.push(row);
  return 0;
}

/** The table's link method: the hash table's, then a published entry's group. */
function in6_lltable_link_entry(llt: lltable, lle: llentry, base: (llt: lltable, lle: llentry) => number): number {
  const r = base(llt, lle);
  if (r > 0) in6_lltable_proxy_join(llt, lle);
  return r;
}

/** in6_lltattach: ifp's inet6 table, linked into the vnet's list. */
export function in6_lltattach(ifp: ifnet): lltable {
  const llt = lltable_allocate_htbl(IN6_LLTBL_DEFAULT_HSIZE, ifp);
  llt.llt_af = AF_INET6;
  llt.llt_ifp = ifp;
  llt.llt_lookup = in6_lltable_lookup;
  llt.llt_alloc_entry = in6_lltable_alloc;
  llt.llt_delete_entry = in6_lltable_delete_entry;
  llt.llt_dump_entry = in6_lltable_dump_entry;
  llt.llt_hash = in6_lltable_hash;
  llt.llt_free_entry = in6_lltable_free_entry;
  llt.llt_match_prefix = in6_lltable_match_prefix;
  llt.llt_mark_used = in6_lltable_mark_used;
  const base = llt.llt_link_entry;
  llt.llt_link_entry = (t, lle) => in6_lltable_link_entry(t, lle, base);
  lltable_link(llt);
  return llt;
}

/** LLTABLE6(ifp): ifp's inet6 table, null before in6_domifattach.  Allocation-free. */
export function in6_lltable_get(ifp: ifnet): lltable | null {
  const ext = in6_ifextra_get(ifp);
  return ext === null ? null : ext.lltable;
}

// ---------------------------------------------------------------------------
// The NET_RT_FLAGS dump ndp -a reads (ndp -s / -d are if_llatbl.ts's
// lla_rt_output, as in FreeBSD, for both families).

/**
 * The NET_RT_FLAGS dump of the inet6 tables (sysctl_dumparp for AF_INET6),
 * one RTM_GET message per entry in net/rtsock.ts's RTL_ layout: RTF_ flags,
 * at RTL_DST the address as rt_msg_sa_push writes an AF_INET6 sockaddr
 * (family, four words, zone in sin6_scope_id), then the interface's index
 * and type, rmx_expire on the wall clock (0: permanent), the link-level
 * address (its length, -1 while incomplete, and bytes) and the interface
 * name (rt_msg_sa_decode finds where these start).
 */
function in6_lltable_sysctl_dump(out: number[]): void {
  const time_second = boottime_s + time_uptime() - 1;
  for (const e of lltable_sysctl_dumparp(AF_INET6) as in6_dump_entry[]) {
    const at = out.length;
    const ifp = ifnet_byindex(e.ifindex);
    out.push(0, RTM_GET, e.flags, AF_INET6);
    const b = e.addr6.s6_addr;
    let zone = 0;
    if (IN6_IS_SCOPE_EMBED(e.addr6)) zone = (b[2] << 8) | b[3];
    for (let i = 0; i < 4; i++) {
      const hi = i === 0 && zone !== 0 ? b[0] << 24 | b[1] << 16 : (b[i * 4] << 24) | (b[i * 4 + 1] << 16) | (b[i * 4 + 2] << 8) | b[i * 4 + 3];
      out.push(hi >>> 0);
    }
    out.push(zone);
    out.push(e.ifindex, ifp !== null ? ifp.if_type : 0, e.expire === 0 ? 0 : e.expire - time_uptime() + time_second);
    if (e.lladdr === null) out.push(-1);
    else out.push(e.lladdr.length, ...e.lladdr);
    out.push(e.ifname.length);
    for (let i = 0; i < e.ifname.length; i++) out.push(e.ifname.charCodeAt(i));
    out[at + RTM_HDR_LEN] = out.length - at;
  }
}

lltable_sysctl_dump6_set(in6_lltable_sysctl_dump);
