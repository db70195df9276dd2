// sys/net/rtsock.c: the routing socket (PF_ROUTE).  route(8), arp(8) and
// routing daemons write struct rt_msghdr requests (RTM_ADD, RTM_DELETE,
// RTM_CHANGE, RTM_GET) and read the answers and the kernel's
// announcements (new addresses, interfaces arriving and leaving, routes
// added by the kernel).
//
// Here a message is an object, not bytes: rt_msghdr's fields plus the
// socket addresses that follow it, by RTAX_ index (rtm_sa), present where
// rtm_addrs has the bit.  route_output() is the write side as a function
// call (kern/sys_socket.ts calls it for a PF_ROUTE socket); sockets that
// read announcements subscribe with rts_attach().

import { IFCOUNTERS, V_ifnet, ifnet_byindex } from "./if.ts";
import { _net, CTLFLAG_MPSAFE, CTLFLAG_RD, SYSCTL_NODE, SYSCTL_OUT, type sysctl_req } from "../kern/sysctl.ts";
import { RTF_LLINFO } from "./route.ts";
import { EAFNOSUPPORT, EINVAL, EOPNOTSUPP, EPERM, EPROTONOSUPPORT, ESRCH } from "../kern/errno.ts";
import { SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { boottime_s, time_uptime } from "../kern/kern_timeout.ts";
import { PRIV_NET_ROUTE, priv_check_cred } from "../kern/kern_priv.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { AF_INET, AF_INET6, AF_LINK, AF_MAX, AF_UNSPEC, PF_ROUTE, sockaddr_generic, type sockaddr } from "../kern/socket.ts";
import { printf } from "../kern/subr_prf.ts";
import { IFF_LOOPBACK, IFF_POINTOPOINT, set_rt_ifannouncemsg_hook, type ifaddr, type ifnet } from "./if.ts";
import { sockaddr_dl } from "./if_dl.ts";
import { lla_rt_output, lltable_sysctl_dumparp, lltable_sysctl_dumpnd6 } from "./if_llatbl.ts";
import { RTA_BRD, RTAX_BRD, RTAX_DST, RTAX_GATEWAY, RTAX_GENMASK, RTAX_IFA, RTAX_IFP, RTAX_MAX, RTAX_NETMASK, RTA_IFA, RTA_IFP, RTA_NETMASK, RTF_ANNOUNCE, RTF_BLACKHOLE, RTF_DONE, RTF_GATEWAY, RTF_GWFLAG_COMPAT, RTF_HOST, RTF_LLDATA, RTF_REJECT, RTF_RNH_LOCKED, RTF_UP, RTM_ADD, RTM_CHANGE, RTM_DELADDR, RTM_DELETE, RTM_GET, RTM_DELMADDR, RTM_IEEE80211, RTM_IFANNOUNCE, RTM_IFINFO, RTM_NEWADDR, RTM_NEWMADDR, RTM_VERSION, RT_ALL_FIBS, rt_addrinfo, rt_metrics, sa_family } from "./route.ts";
import { rib4_lookup, rib4_matchaddr, rib6_lookup, rib6_matchaddr, rib_walktree, rt6_words, rt_mask2plen } from "./radix.ts";
import { NHR_REF, NH_IS_NHGRP, nhop_select, type nhop_object, type rt_nhop_t } from "./route/nhop.ts";
import { nhgrp_get_nhops } from "./route/nhgrp_ctl.ts";
import { nhop_get_expire, nhop_get_idx, nhop_get_rtflags } from "./route/nhop_ctl.ts";
import { match_nhop_gw, rib_action, rib_cmd_info } from "./route/route_ctl.ts";
import { rib_decompose_notification, rib_lookup_info } from "./route/route_helpers.ts";
import { rt_get_inet6_prefix_pmask, rt_is_host } from "./route/route_rtentry.ts";
import { V_rt_numfibs, rt_loif, rt_tables_get_rnh } from "./route/route_tables.ts";
import type { rtentry } from "./route/route_var.ts";
import { VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT } from "./vnet.ts";
import { in_ifaddr, sockaddr_in } from "../netinet/in.ts";

import { ip6_use_defzone, sa6_embedscope, sa6_recoverscope } from "../netinet6/scope6.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_IS_SCOPE_EMBED, in6_addr, in6_ifaddr, in6_mask2len, in6addr_loopback, in6mask128, sockaddr_in6 } from "../netinet6/in6_var.ts";

/** struct rt_msghdr, with the addresses that follow it. */
export class rt_msghdr {
  rtm_msglen = 0;
  rtm_version = RTM_VERSION;
  rtm_type = 0;
  rtm_index = 0;
  rtm_flags = 0;
  rtm_addrs = 0;
  rtm_pid = 0;
  rtm_seq = 0;
  rtm_errno = 0;
  rtm_fmask = 0;
  rtm_inits = 0;
  rtm_rmx = new rt_metrics();
  /** The sockaddrs after the header, by RTAX_ index. */
  rtm_sa: (sockaddr | null)[] = [null, null, null, null, null, null, null, null];
  /** RTM_IFANNOUNCE: the interface's name and IFAN_ARRIVAL/IFAN_DEPARTURE
   *  (struct if_announcemsghdr's ifan_name, ifan_what). */
  ifan_name = "";
  ifan_what = 0;
  /** The fib a kernel announcement is about (RTS_FILTER_FIB), or RT_ALL_FIBS. */
  rtm_fibnum = RT_ALL_FIBS;
}

/** A copy of a message, sockaddrs included. */
export function rt_msghdr_copy(src: rt_msghdr): rt_msghdr {
  const m = new rt_msghdr();
  m.rtm_msglen = src.rtm_msglen;
  m.rtm_version = src.rtm_version;
  m.rtm_type = src.rtm_type;
  m.rtm_index = src.rtm_index;
  m.rtm_flags = src.rtm_flags;
  m.rtm_addrs = src.rtm_addrs;
  m.rtm_pid = src.rtm_pid;
  m.rtm_seq = src.rtm_seq;
  m.rtm_errno = src.rtm_errno;
  m.rtm_fmask = src.rtm_fmask;
  m.rtm_inits = src.rtm_inits;
  Object.assign(m.rtm_rmx, src.rtm_rmx);
  for (let i = 0; i < RTAX_MAX; i++) m.rtm_sa[i] = sa_copy(src.rtm_sa[i] ?? null);
  m.ifan_name = src.ifan_name;
  m.ifan_what = src.ifan_what;
  m.rtm_fibnum = src.rtm_fibnum;
  return m;
}

function sa_copy(sa: sockaddr | null): sockaddr | null {
  if (sa === null) return null;
  if ("sin_addr" in sa) {
    const s = new sockaddr_in(sa.sin_addr, sa.sin_port);
    s.sin_len = sa.sin_len;
    s.sin_family = sa.sin_family;
    return s;
  }
  if ("sin6_addr" in sa) return sin6_copy(sa);
  if ("sdl_index" in sa) {
    const d = new sockaddr_dl(sa.sdl_index, sa.sdl_type, sa.sdl_data, sa.sdl_lladdr.slice());
    d.sdl_len = sa.sdl_len;
    return d;
  }
  return sa;
}

function sin6_copy(sa: sockaddr_in6): sockaddr_in6 {
  const s = new sockaddr_in6(sa.sin6_addr, sa.sin6_port, sa.sin6_scope_id);
  s.sin6_len = sa.sin6_len;
  s.sin6_family = sa.sin6_family;
  s.sin6_flowinfo = sa.sin6_flowinfo;
  return s;
}

/** A copy of an IPv6 sockaddr with the zone taken out of the address into
 *  sin6_scope_id (sa6_recoverscope), as messages leave the kernel. */
function sin6_deembed(sa: sockaddr_in6): sockaddr_in6 {
  const s = sin6_copy(sa);
  // Only scoped addresses have a zone to recover.
  if (IN6_IS_SCOPE_EMBED(s.sin6_addr) && sa6_recoverscope(s) !== 0) return sin6_copy(sa);
  return s;
}

/** SA_SIZE's length of a sockaddr for rtm_msglen bookkeeping. */
function SA_SIZE(sa: sockaddr): number {
  const len = "sin_addr" in sa ? sa.sin_len : "sin6_addr" in sa ? sa.sin6_len : "sdl_index" in sa ? sa.sdl_len : sa.sa_len;
  return len === 0 ? 8 : 1 + ((len - 1) | 7);
}
/** sizeof(struct rt_msghdr) on LP64. */
const RT_MSGHDR_SIZE = 152;

/** The header a message of this type has (rtsock_msg_mbuf's len by type, LP64). */
function rtm_hdr_size(type: number): number {
  switch (type) {
    case RTM_NEWADDR:
    case RTM_DELADDR:
      return 20; // struct ifa_msghdr
    case RTM_NEWMADDR:
    case RTM_DELMADDR:
      return 16; // struct ifma_msghdr
    case RTM_IFINFO:
      return 168; // struct if_msghdr
    case RTM_IFANNOUNCE:
    case RTM_IEEE80211:
      return 24; // struct if_announcemsghdr
    default:
      return RT_MSGHDR_SIZE;
  }
}

// ---------------------------------------------------------------------------
// Listeners (the route_cb counts and raw_input of rtsock.c).

export type rts_listener_fn = (msg: rt_msghdr) => void;

/** One PF_ROUTE socket: its protocol filter and fib. */
export class rts_listener {
  constructor(
    readonly fn: rts_listener_fn,
    /** sp_protocol: 0 for every family, else only messages about it. */
    readonly proto: number,
    public fibnum: number,
  ) {}
}

class route_cb_t {
  ip_count = 0;
  ip6_count = 0;
  any_count = 0;
  listeners: rts_listener[] = [];
}
const route_cb = VNET_DEFINE_PTR<route_cb_t>("route_cb", new route_cb_t());
function V_route_cb(): route_cb_t {
  return VNET_PTR(route_cb);
}

function vnet_rts_init(): void {
  VNET_PTR_SET(route_cb, new route_cb_t());
}
VNET_SYSINIT("vnet_rtsock", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, vnet_rts_init);

/** rts_attach: a route socket of curvnet starts listening. */
export function rts_attach(fn: rts_listener_fn, proto = 0, fibnum = 0): rts_listener {
  const cb = V_route_cb();
  const l = new rts_listener(fn, proto, fibnum);
  if (proto === AF_INET) cb.ip_count++;
  else if (proto === AF_INET6) cb.ip6_count++;
  cb.any_count++;
  cb.listeners.push(l);
  return l;
}

/** rts_detach: it stops. */
export function rts_detach(l: rts_listener): void {
  const cb = V_route_cb();
  const i = cb.listeners.indexOf(l);
  if (i < 0) return;
  cb.listeners.splice(i, 1);
  if (l.proto === AF_INET) cb.ip_count--;
  else if (l.proto === AF_INET6) cb.ip6_count--;
  cb.any_count--;
}

/**
 * rt_dispatch: hand a message to every listener of curvnet whose family
 * and fib want it (raw_input_rts_cb), except `skip` (the sender, when it
 * asked not to see its own messages).
 */
function rt_dispatch(msg: rt_msghdr, saf: number, skip: rts_listener | null): void {
  for (const l of V_route_cb().listeners.slice()) {
    if (l === skip) continue;
    if (l.proto !== 0 && l.proto !== saf) continue;
    if (msg.rtm_fibnum !== RT_ALL_FIBS && l.fibnum !== msg.rtm_fibnum) continue;
    l.fn(rt_msghdr_copy(msg));
  }
}

// ---------------------------------------------------------------------------
// Requests.

/** remove_netmask: a /32 is a host route. */
function remove_netmask(info: rt_addrinfo): void {
  info.rti_info[RTAX_NETMASK] = null;
  info.rti_flags |= RTF_HOST;
  info.rti_addrs &= ~RTA_NETMASK;
}

function cleanup_xaddrs_lladdr(info: rt_addrinfo): number {
  const sdl = info.rti_info[RTAX_GATEWAY];
  if (sdl === null || !("sdl_index" in sdl)) return EINVAL;
  if (sdl.sdl_index === 0) return EINVAL;
  return 0;
}

function cleanup_xaddrs_gateway(info: rt_addrinfo): number {
  const gw = info.rti_info[RTAX_GATEWAY] as sockaddr;
  if ((info.rti_flags & RTF_LLDATA) !== 0) return cleanup_xaddrs_lladdr(info);
  if ("sin_addr" in gw) {
    if (gw.sin_family === AF_INET) {
      if (SA_SIZE(gw) < 8) return EINVAL;
      info.rti_info[RTAX_GATEWAY] = new sockaddr_in(gw.sin_addr >>> 0);
    }
  } else if ("sin6_addr" in gw) {
    // fill_sockaddr_inet6: address only, no scope id (it is embedded).
    if (gw.sin6_len < 28) {
      printf("gw sin6_len too small\n");
      return EINVAL;
    }
    info.rti_info[RTAX_GATEWAY] = new sockaddr_in6(gw.sin6_addr);
  } else if ("sdl_index" in gw) {
    // Only the interface index of an AF_LINK gateway matters.
    if (gw.sdl_len < 8) return EINVAL;
    const sdl = new sockaddr_dl(gw.sdl_index, 0, "", new Uint8Array(0));
    sdl.sdl_len = 12;
    info.rti_info[RTAX_GATEWAY] = sdl;
  }
  return 0;
}

/** cleanup_xaddrs_inet: a clean, masked destination and mask. */
function cleanup_xaddrs_inet(info: rt_addrinfo): number {
  const dst_sa = info.rti_info[RTAX_DST];
  const mask_sa = info.rti_info[RTAX_NETMASK];
  if (dst_sa === null || !("sin_addr" in dst_sa)) return EINVAL;
  if (SA_SIZE(dst_sa) < 8) return EINVAL;
  let mask: number;
  if (mask_sa !== null && "sin_addr" in mask_sa && mask_sa.sin_len < 16) {
    // Old routing software encodes the mask length in sin_len.
    let len = mask_sa.sin_len - 4;
    if (len < 0) return EINVAL;
    if (len > 4) len = 4;
    mask = len === 0 ? 0 : (mask_sa.sin_addr & (0xffffffff << (32 - 8 * len))) >>> 0;
  } else if (mask_sa !== null && "sin_addr" in mask_sa) {
    mask = mask_sa.sin_addr >>> 0;
  } else {
    mask = 0xffffffff;
  }
  const dst = (dst_sa.sin_addr & mask) >>> 0;
  info.rti_info[RTAX_DST] = new sockaddr_in(dst);
  if (mask !== 0xffffffff) {
    info.rti_info[RTAX_NETMASK] = new sockaddr_in(mask);
    info.rti_flags &= ~RTF_HOST;
  } else {
    remove_netmask(info);
  }
  if (info.rti_info[RTAX_GATEWAY] !== null) return cleanup_xaddrs_gateway(info);
  return 0;
}

/** cleanup_xaddrs_inet6: a clean, masked destination and mask (a /128 is a host route). */
function cleanup_xaddrs_inet6(info: rt_addrinfo): number {
  const dst_sa = info.rti_info[RTAX_DST];
  const mask_sa = info.rti_info[RTAX_NETMASK];
  if (dst_sa === null || !("sin6_addr" in dst_sa)) return EINVAL;
  if (mask_sa !== null && !("sin6_addr" in mask_sa)) return EINVAL;
  const mask = mask_sa !== null ? mask_sa.sin6_addr : in6mask128;
  const dst = new in6_addr();
  for (let i = 0; i < 16; i++) dst.s6_addr[i] = dst_sa.sin6_addr.s6_addr[i] & mask.s6_addr[i];
  if (dst_sa.sin6_len < 28) {
    printf("dst sin6_len too small\n");
    return EINVAL;
  }
  if (mask_sa !== null && mask_sa.sin6_len < 28) {
    printf("mask sin6_len too small\n");
    return EINVAL;
  }
  info.rti_info[RTAX_DST] = new sockaddr_in6(dst);
  if (!IN6_ARE_ADDR_EQUAL(mask, in6mask128)) info.rti_info[RTAX_NETMASK] = new sockaddr_in6(mask);
  else remove_netmask(info);
  if (info.rti_info[RTAX_GATEWAY] !== null) return cleanup_xaddrs_gateway(info);
  return 0;
}

function cleanup_xaddrs(info: rt_addrinfo): number {
  const dst = info.rti_info[RTAX_DST];
  if (dst === null) return EINVAL;
  // arp(8) and ndp(8) send the prefix mask along with the address; drop it.
  if ((info.rti_flags & RTF_LLDATA) !== 0) remove_netmask(info);
  if (sa_family(dst) === AF_INET) return cleanup_xaddrs_inet(info);
  if (sa_family(dst) === AF_INET6) return cleanup_xaddrs_inet6(info);
  return EAFNOSUPPORT;
}

/** rt_xaddrs: the sockaddrs the header says follow it. */
function rt_xaddrs(rtm: rt_msghdr, rtinfo: rt_addrinfo): number {
  for (let i = 0; i < RTAX_MAX; i++) {
    if ((rtinfo.rti_addrs & (1 << i)) === 0) continue;
    const sa = rtm.rtm_sa[i] ?? null;
    if (sa === null) return EINVAL;
    const len = "sin_addr" in sa ? sa.sin_len : "sin6_addr" in sa ? sa.sin6_len : "sdl_index" in sa ? sa.sdl_len : sa.sa_len;
    // An empty sockaddr ends the list (route(8) has sent such).
    if (len === 0) return 0;
    // The kernel keeps IPv6 zones embedded: sin6_scope_id goes into the address.
    // (sa6_embedscope changes scoped addresses only.)
    if ("sin6_addr" in sa && sa.sin6_family === AF_INET6 && IN6_IS_SCOPE_EMBED(sa.sin6_addr)) sa6_embedscope(sa, VNET_I32(ip6_use_defzone));
    rtinfo.rti_info[i] = sa;
  }
  return 0;
}

function fill_addrinfo(cred: ucred, rtm: rt_msghdr, fibnum: number, info: rt_addrinfo, pid: number): number {
  rtm.rtm_pid = pid;
  info.rti_addrs = rtm.rtm_addrs;
  info.rti_mflags = rtm.rtm_inits;
  info.rti_rmx = rtm.rtm_rmx;
  if (rt_xaddrs(rtm, info) !== 0) return EINVAL;
  if ((rtm.rtm_flags & RTF_RNH_LOCKED) !== 0) return EINVAL;
  info.rti_flags = rtm.rtm_flags;
  let error = cleanup_xaddrs(info);
  if (error !== 0) return error;
  // Only RTM_GET is open to everybody.
  if (rtm.rtm_type !== RTM_GET) {
    error = priv_check_cred(cred, PRIV_NET_ROUTE);
    if (error !== 0) return error;
  }
  // A gateway that is one of our own addresses (its route goes to lo0 with
  // an AF_LINK gateway) makes this an interface route.
  const gdst = info.rti_info[RTAX_GATEWAY];
  if (gdst !== null && sa_family(gdst) !== AF_LINK) {
    const ginfo = new rt_addrinfo();
    if (rib_lookup_info(fibnum, gdst, NHR_REF, 0, ginfo) === 0) {
      const ggw = ginfo.rti_info[RTAX_GATEWAY];
      if (ggw !== null && sa_family(ggw) === AF_LINK && ginfo.rti_ifp !== null && (ginfo.rti_ifp.if_flags & IFF_LOOPBACK) !== 0) {
        info.rti_flags &= ~RTF_GATEWAY;
        info.rti_flags |= RTF_GWFLAG_COMPAT;
      }
    }
  }
  return 0;
}

/** fill_blackholeinfo: blackhole and reject routes go to lo0 via 127.0.0.1. */
function fill_blackholeinfo(info: rt_addrinfo): number {
  const loif = rt_loif();
  if (loif === null) {
    printf("Unable to add blackhole/reject nhop without loopback\n");
    return EOPNOTSUPP;
  }
  info.rti_ifp = loif;
  const saf = sa_family(info.rti_info[RTAX_DST] as sockaddr);
  for (const ifa of loif.if_addrhead) {
    if (sa_family(ifa.ifa_addr) === saf) {
      info.rti_ifa = ifa;
      break;
    }
  }
  if (info.rti_ifa === null) {
    printf("Unable to find ifa for blackhole/reject nhop\n");
    return EOPNOTSUPP;
  }
  if (saf === AF_INET) info.rti_info[RTAX_GATEWAY] = new sockaddr_in(0x7f000001);
  else if (saf === AF_INET6) info.rti_info[RTAX_GATEWAY] = new sockaddr_in6(in6addr_loopback);
  else return EOPNOTSUPP;
  info.rti_flags |= RTF_GATEWAY;
  return 0;
}

/**
 * select_nhop: the path of nh a request names: nh itself, or in a group
 * the member through gw (the first member without one); null when no
 * member goes through gw.
 */
function select_nhop(nh: rt_nhop_t, gw: sockaddr | null): nhop_object | null {
  if (!NH_IS_NHGRP(nh)) return nh;
  const wn = nhgrp_get_nhops(nh);
  if (gw === null) return wn[0].nh;
  for (const w of wn) if (match_nhop_gw(w.nh, gw)) return w.nh;
  return null;
}

/** save_add_notification: keep the path an RTM_ADD to a group added. */
function save_add_notification(rc: rib_cmd_info, arg: unknown): void {
  if (rc.rc_cmd === RTM_ADD) copy_rc(rc, arg as rib_cmd_info);
}

/** save_del_notification: keep the path an RTM_DELETE from a group took out. */
function save_del_notification(rc: rib_cmd_info, arg: unknown): void {
  if (rc.rc_cmd === RTM_DELETE) copy_rc(rc, arg as rib_cmd_info);
}

function copy_rc(from: rib_cmd_info, to: rib_cmd_info): void {
  to.rc_cmd = from.rc_cmd;
  to.rc_rt = from.rc_rt;
  to.rc_nh_old = from.rc_nh_old;
  to.rc_nh_new = from.rc_nh_new;
  to.rc_nh_weight = from.rc_nh_weight;
}

/**
 * handle_rtm_get: without a netmask, the longest match for the address
 * (route -n get addr); with one, that exact prefix.
 */
function handle_rtm_get(info: rt_addrinfo, fibnum: number, rtm: rt_msghdr, rc: rib_cmd_info): number {
  const dst = info.rti_info[RTAX_DST] as sockaddr;
  const rnh = rt_tables_get_rnh(fibnum, sa_family(dst));
  if (rnh === null) return EAFNOSUPPORT;
  let rt: rtentry | null;
  if ("sin6_addr" in dst) {
    const w = rt6_words(dst.sin6_addr.s6_addr, new Int32Array(4));
    if ((rtm.rtm_addrs & RTA_NETMASK) === 0) {
      rt = rib6_matchaddr(rnh, w[0], w[1], w[2], w[3]);
    } else {
      const mask = info.rti_info[RTAX_NETMASK];
      const plen = mask !== null && "sin6_addr" in mask ? in6_mask2len(mask.sin6_addr) : 128;
      rt = plen < 0 ? null : rib6_lookup(rnh, w[0], w[1], w[2], w[3], plen);
    }
  } else if ("sin_addr" in dst) {
    if ((rtm.rtm_addrs & RTA_NETMASK) === 0) {
      rt = rib4_matchaddr(rnh, dst.sin_addr);
    } else {
      const mask = info.rti_info[RTAX_NETMASK];
      const plen = mask !== null && "sin_addr" in mask ? rt_mask2plen(mask.sin_addr) : 32;
      rt = plen < 0 ? null : rib4_lookup(rnh, dst.sin_addr, plen);
    }
  } else {
    return EAFNOSUPPORT;
  }
  if (rt === null) return ESRCH;
  let nh = select_nhop(rt.rt_nhop, info.rti_info[RTAX_GATEWAY]);
  if (nh === null) return ESRCH;
  // Proxy ARP insertion wants the prefix route of our end of the link.
  if ((rtm.rtm_flags & RTF_ANNOUNCE) !== 0) {
    const ifa = nh.nh_ifa;
    if (ifa instanceof in_ifaddr) {
      rt = rib4_matchaddr(rnh, (ifa.ia_addr.sin_addr & ifa.ia_sockmask.sin_addr) >>> 0);
    } else if (ifa instanceof in6_ifaddr) {
      const w = rt6_words(ifa.ia_addr.sin6_addr.s6_addr, new Int32Array(4));
      const m = rt6_words(ifa.ia_prefixmask.sin6_addr.s6_addr, new Int32Array(4));
      rt = rib6_matchaddr(rnh, w[0] & m[0], w[1] & m[1], w[2] & m[2], w[3] & m[3]);
    } else {
      rt = null;
    }
    if (rt === null) return ESRCH;
    nh = nhop_select(rt.rt_nhop, 0);
  }
  rc.rc_rt = rt;
  rc.rc_nh_new = nh;
  rc.rc_nh_weight = rt.rt_weight;
  return 0;
}

/**
 * export_rtaddrs: an entry's destination and mask as sockaddrs of its
 * family; an IPv6 destination with its zone in sin6_scope_id.
 */
function export_rtaddrs(rt: rtentry): { dst: sockaddr; mask: sockaddr } {
  if (rt.rt_key6 !== null) {
    const p = rt_get_inet6_prefix_pmask(rt);
    return { dst: new sockaddr_in6(p.addr, 0, p.scopeid), mask: new sockaddr_in6(p.mask) };
  }
  return { dst: new sockaddr_in(rt.rt_dst), mask: new sockaddr_in(rt.rt_mask) };
}

/** rt_getmetrics: MTU, weight, nexthop index and expiry (wall clock). */
function rt_getmetrics(rt: rtentry, nh: nhop_object, out: rt_metrics): void {
  Object.assign(out, new rt_metrics());
  out.rmx_mtu = nh.nh_mtu;
  out.rmx_weight = rt.rt_weight;
  out.rmx_nhidx = nhop_get_idx(nh);
  const e = nhop_get_expire(nh);
  // Kernel uptime to the wall clock userland expects.
  out.rmx_expire = e !== 0 ? e - time_uptime() + (boottime_s + time_uptime()) : 0;
}

/** update_rtm_from_info: the message carries info's addresses now. */
function update_rtm_from_info(info: rt_addrinfo, rtm: rt_msghdr): void {
  let addrs = 0;
  let len = rtm_hdr_size(rtm.rtm_type);
  for (let i = 0; i < RTAX_MAX; i++) {
    const sa = info.rti_info[i];
    rtm.rtm_sa[i] = sa !== null && "sin6_addr" in sa ? sin6_deembed(sa) : sa_copy(sa);
    if (sa === null) continue;
    addrs |= 1 << i;
    len += SA_SIZE(sa);
  }
  info.rti_addrs = addrs;
  rtm.rtm_addrs = addrs;
  rtm.rtm_msglen = len;
}

/**
 * update_rtm_from_rc: the answer: the route's prefix, gateway, interface
 * (RTA_IFP: its AF_LINK address, which carries its name; RTA_IFA: the
 * source address), flags and metrics.
 */
function update_rtm_from_rc(info: rt_addrinfo, rtm: rt_msghdr, rc: rib_cmd_info, nh: nhop_object): number {
  const rt = rc.rc_rt as rtentry;
  const ea = export_rtaddrs(rt);
  info.rti_info[RTAX_DST] = ea.dst;
  info.rti_info[RTAX_NETMASK] = rt_is_host(rt) ? null : ea.mask;
  info.rti_info[RTAX_GATEWAY] = nh.gw_sa;
  info.rti_info[RTAX_GENMASK] = null;
  const ifp = nh.nh_ifp;
  if ((rtm.rtm_addrs & (RTA_IFP | RTA_IFA)) !== 0) {
    info.rti_info[RTAX_IFP] = ifp.if_addr !== null ? ifp.if_addr.ifa_addr : null;
    // Jails restricted to some IPv4 addresses (rtm_get_jailed) are not
    // modelled: the source address is reported as it is.
    info.rti_info[RTAX_IFA] = nh.nh_ifa.ifa_addr;
    if ((ifp.if_flags & IFF_POINTOPOINT) !== 0) info.rti_info[RTAX_BRD] = nh.nh_ifa.ifa_dstaddr;
    rtm.rtm_index = ifp.if_index;
  } else {
    rtm.rtm_index = ifp.if_index;
  }
  update_rtm_from_info(info, rtm);
  rtm.rtm_flags = rt.rte_flags | nhop_get_rtflags(nh);
  if ((rtm.rtm_flags & RTF_GWFLAG_COMPAT) !== 0) rtm.rtm_flags = RTF_GATEWAY | (rtm.rtm_flags & ~RTF_GWFLAG_COMPAT);
  rt_getmetrics(rt, nh, rtm.rtm_rmx);
  rtm.rtm_rmx.rmx_weight = rc.rc_nh_weight;
  return 0;
}

/**
 * route_output(cred, fibnum, msg): a message written to a PF_ROUTE socket
 * of the current vnet whose fib is fibnum.  Returns the error and the
 * reply (the request with rtm_errno, or RTF_DONE and the answer), which
 * also goes to the other listeners of the vnet.  pid fills rtm_pid;
 * `sender` is the writing socket's listener, if it has one and does not
 * want its own messages back (SO_USELOOPBACK off).
 */
export function route_output(cred: ucred, fibnum: number, msg: rt_msghdr, pid = 0, sender: rts_listener | null = null): { error: number; reply: rt_msghdr | null } {
  // so_fibnum is checked by SO_SETFIB in FreeBSD; callers here pass it in.
  if (!Number.isInteger(fibnum) || fibnum < 0 || fibnum >= V_rt_numfibs()) return { error: EINVAL, reply: null };
  // A message of another version is not touched, nor answered.
  if (msg.rtm_version !== RTM_VERSION) return { error: EPROTONOSUPPORT, reply: null };
  const rtm = rt_msghdr_copy(msg);
  const info = new rt_addrinfo();
  const rc = new rib_cmd_info();
  let nh: nhop_object | null = null;
  let saf = AF_UNSPEC;
  let error = fill_addrinfo(cred, rtm, fibnum, info, pid);
  // The addresses in the message were cleaned up in place in FreeBSD.
  let rti_need_deembed = false;
  if (error === 0) {
    rtm.rtm_sa[RTAX_DST] = info.rti_info[RTAX_DST];
    if (info.rti_info[RTAX_GATEWAY] !== null) rtm.rtm_sa[RTAX_GATEWAY] = info.rti_info[RTAX_GATEWAY];
    if (info.rti_info[RTAX_NETMASK] !== null) rtm.rtm_sa[RTAX_NETMASK] = info.rti_info[RTAX_NETMASK];
  }
  flush: {
    if (error !== 0) break flush;
    saf = sa_family(info.rti_info[RTAX_DST] as sockaddr);
    // arp(8)'s entries.
    if ((rtm.rtm_flags & RTF_LLDATA) !== 0) {
      error = lla_rt_output(rtm, info);
      if (error === 0) rti_need_deembed = true;
      break flush;
    }
    const blackhole_flags = rtm.rtm_flags & (RTF_BLACKHOLE | RTF_REJECT);
    if (blackhole_flags !== 0) {
      if (blackhole_flags !== (RTF_BLACKHOLE | RTF_REJECT)) error = fill_blackholeinfo(info);
      else error = EINVAL;
      if (error !== 0) break flush;
    }
    switch (rtm.rtm_type) {
      case RTM_ADD:
      case RTM_CHANGE:
        if (rtm.rtm_type === RTM_ADD && info.rti_info[RTAX_GATEWAY] === null) {
          error = EINVAL;
          break flush;
        }
        error = rib_action(fibnum, rtm.rtm_type, info, rc);
        if (error === 0) {
          rti_need_deembed = true;
          // A path joining (or changing in) a group: answer with that path alone.
          if ((rc.rc_nh_new !== null && NH_IS_NHGRP(rc.rc_nh_new)) || (rc.rc_nh_old !== null && NH_IS_NHGRP(rc.rc_nh_old))) {
            const rc_simple = new rib_cmd_info();
            rib_decompose_notification(rc, save_add_notification, rc_simple);
            copy_rc(rc_simple, rc);
          }
          const nh_new = rc.rc_nh_new;
          nh = nh_new === null || NH_IS_NHGRP(nh_new) ? null : nh_new;
          if (nh !== null && rc.rc_rt !== null) {
            rtm.rtm_index = nh.nh_ifp.if_index;
            rtm.rtm_flags = rc.rc_rt.rte_flags | nhop_get_rtflags(nh);
          }
        }
        break;
      case RTM_DELETE:
        error = rib_action(fibnum, RTM_DELETE, info, rc);
        if (error === 0) {
          // A path leaving a group: answer with that path alone.
          if ((rc.rc_nh_old !== null && NH_IS_NHGRP(rc.rc_nh_old)) || (rc.rc_nh_new !== null && NH_IS_NHGRP(rc.rc_nh_new))) {
            const rc_simple = new rib_cmd_info();
            rib_decompose_notification(rc, save_del_notification, rc_simple);
            copy_rc(rc_simple, rc);
          }
          const nh_old = rc.rc_nh_old;
          nh = nh_old === null || NH_IS_NHGRP(nh_old) ? null : nh_old;
        }
        // The reply is the request itself when the delete fails.
        else rti_need_deembed = true;
        break;
      case RTM_GET:
        error = handle_rtm_get(info, fibnum, rtm, rc);
        if (error !== 0) break flush;
        nh = rc.rc_nh_new === null || NH_IS_NHGRP(rc.rc_nh_new) ? null : rc.rc_nh_new;
        break;
      default:
        error = EOPNOTSUPP;
        break flush;
    }
    if (error === 0 && nh !== null) error = update_rtm_from_rc(info, rtm, rc, nh);
  }
  // sin6_scope_id is recovered before the message goes out.
  if (rti_need_deembed) {
    for (let i = 0; i < RTAX_MAX; i++) {
      const sa = rtm.rtm_sa[i];
      if (sa !== null && "sin6_addr" in sa && sa.sin6_family === AF_INET6) rtm.rtm_sa[i] = sin6_deembed(sa);
    }
  }
  // send_rtm_reply
  if (error !== 0) rtm.rtm_errno = error;
  else rtm.rtm_flags |= RTF_DONE;
  rtm.rtm_fibnum = fibnum;
  rt_dispatch(rtm, saf, sender);
  return { error, reply: rtm };
}

// ---------------------------------------------------------------------------
// Announcements.

/** rt_missmsg_fib: a redirect, a failed lookup, or a protocol's complaint. */
export function rt_missmsg_fib(type: number, rtinfo: rt_addrinfo, flags: number, error: number, fibnum: number): void {
  if (V_route_cb().any_count === 0) return;
  const m = new rt_msghdr();
  m.rtm_type = type;
  update_rtm_from_info(rtinfo, m);
  m.rtm_flags = RTF_DONE | flags;
  m.rtm_errno = error;
  m.rtm_fibnum = fibnum;
  const sa = rtinfo.rti_info[RTAX_DST];
  rt_dispatch(m, sa !== null ? sa_family(sa) : AF_UNSPEC, null);
}

/** rt_ifmsg: an interface's flags changed. */
export function rt_ifmsg(ifp: ifnet): void {
  if (V_route_cb().any_count === 0) return;
  const m = new rt_msghdr();
  m.rtm_type = RTM_IFINFO;
  m.rtm_index = ifp.if_index;
  m.rtm_flags = ifp.if_flags | ifp.if_drv_flags;
  rt_dispatch(m, AF_UNSPEC, null);
}

/** rtsock_addrmsg: an interface address came or went (RTM_NEWADDR/DELADDR). */
export function rtsock_addrmsg(cmd: number, ifa: ifaddr, fibnum: number): number {
  if (V_route_cb().any_count === 0) return 0;
  const ifp = ifa.ifa_ifp;
  const info = new rt_addrinfo();
  info.rti_info[RTAX_IFA] = ifa.ifa_addr;
  info.rti_info[RTAX_IFP] = ifp.if_addr !== null ? ifp.if_addr.ifa_addr : null;
  info.rti_info[RTAX_NETMASK] = ifa.ifa_netmask;
  // An unset broadcast or far-end address (length 0) is not sent.
  const brd = ifa.ifa_dstaddr;
  info.rti_info[RTAX_BRD] = brd === null || (ifa instanceof in_ifaddr && ifa.ia_broadaddr.sin_len === 0) || ("sin6_addr" in brd && brd.sin6_len === 0) ? null : brd;
  const m = new rt_msghdr();
  m.rtm_type = cmd === RTM_ADD ? RTM_NEWADDR : RTM_DELADDR;
  update_rtm_from_info(info, m);
  m.rtm_index = ifp.if_index;
  m.rtm_flags = ifa.ifa_flags;
  m.rtm_fibnum = fibnum;
  rt_dispatch(m, sa_family(ifa.ifa_addr), null);
  return 0;
}

/** rtsock_routemsg: the kernel added or deleted a route. */
export function rtsock_routemsg(cmd: number, rt: rtentry, nh: nhop_object, fibnum: number): number {
  if (V_route_cb().any_count === 0) return 0;
  const info = new rt_addrinfo();
  const ea = export_rtaddrs(rt);
  info.rti_info[RTAX_DST] = ea.dst;
  info.rti_info[RTAX_NETMASK] = ea.mask;
  info.rti_info[RTAX_GATEWAY] = nh.gw_sa;
  info.rti_flags = rt.rte_flags | nhop_get_rtflags(nh);
  info.rti_ifp = nh.nh_ifp;
  return rtsock_routemsg_info(cmd, info, fibnum);
}

export function rtsock_routemsg_info(cmd: number, info: rt_addrinfo, fibnum: number): number {
  if (V_route_cb().any_count === 0) return 0;
  if ((info.rti_flags & RTF_HOST) !== 0) info.rti_info[RTAX_NETMASK] = null;
  const m = new rt_msghdr();
  m.rtm_type = cmd;
  update_rtm_from_info(info, m);
  if (info.rti_ifp !== null) m.rtm_index = info.rti_ifp.if_index;
  // Completion, and reported routes are up.
  info.rti_flags |= RTF_DONE;
  if (cmd === RTM_ADD || cmd === RTM_CHANGE) info.rti_flags |= RTF_UP;
  m.rtm_flags = info.rti_flags;
  m.rtm_fibnum = fibnum;
  const sa = info.rti_info[RTAX_DST];
  rt_dispatch(m, sa !== null ? sa_family(sa) : AF_UNSPEC, null);
  return 0;
}

/** rt_ifannouncemsg: an interface arrived or left (RTM_IFANNOUNCE). */
export function rt_ifannouncemsg(ifp: ifnet, what: number): void {
  if (V_route_cb().any_count === 0) return;
  const m = new rt_msghdr();
  m.rtm_type = RTM_IFANNOUNCE;
  m.rtm_index = ifp.if_index;
  m.ifan_name = ifp.if_xname;
  m.ifan_what = what;
  rt_dispatch(m, AF_UNSPEC, null);
}
set_rt_ifannouncemsg_hook(rt_ifannouncemsg);


// ---------------------------------------------------------------------------
// sysctl net.routetable (CTL_NET, PF_ROUTE): sysctl_rtsock.  Its name is
// {0, af, NET_RT_*, arg}; NET_RT_IFLIST and NET_RT_IFLISTL answer with the
// interface list of curvnet as routing messages, one after another, each
// opening with its length and type (words here rather than bytes):
//
//   RTM_IFINFO:  IFM_* words, then if_data's counters (IFCOUNTERS words in
//                IFCOUNTER_ order), then the name and the link-level
//                address, each as a length and its character/byte codes;
//   RTM_NEWADDR: IFAM_* words, one per IPv4 address of that interface,
//                with the address's own counters (ifa_msghdrl's ifam_data).

export const NET_RT_DUMP = 1;
export const NET_RT_FLAGS = 2;
export const NET_RT_IFLIST = 3;
export const NET_RT_IFMALIST = 4;
export const NET_RT_IFLISTL = 5;

export const RTM_HDR_LEN = 0;
export const RTM_HDR_TYPE = 1;
export const IFM_FLAGS = 2;
export const IFM_INDEX = 3;
export const IFM_TYPE = 4;
export const IFM_MTU = 5;
export const IFM_METRIC = 6;
export const IFM_LINK_STATE = 7;
export const IFM_BAUDRATE = 8;
export const IFM_COUNTERS = 9;
export const IFAM_INDEX = 2;
export const IFAM_FLAGS = 3;
export const IFAM_FAMILY = 4;
export const IFAM_ADDR = 5;
export const IFAM_NETMASK = 6;
/** 1 when IFAM_DSTADDR holds a broadcast or destination address. */
export const IFAM_HAS_DST = 7;
export const IFAM_DSTADDR = 8;
export const IFAM_IPACKETS = 9;
export const IFAM_OPACKETS = 10;
export const IFAM_IBYTES = 11;
export const IFAM_OBYTES = 12;
export const IFAM_LEN = 13;
// An IPv6 address's RTM_NEWADDR: the address (16 byte words, then its zone
// in sin6_scope_id: the kernel's embedded form is not shown, as with
// net.route.deembed_scopeid), the mask, the destination (point-to-point,
// loopback) and the counters.
export const IFAM6_ADDR = 5;
export const IFAM6_SCOPE = 21;
export const IFAM6_NETMASK = 22;
export const IFAM6_HAS_DST = 38;
export const IFAM6_DSTADDR = 39;
export const IFAM6_DSTSCOPE = 55;
export const IFAM6_IPACKETS = 56;
export const IFAM6_OPACKETS = 57;
export const IFAM6_IBYTES = 58;
export const IFAM6_OBYTES = 59;
export const IFAM6_LEN = 60;

// NET_RT_DUMP's messages (RTM_GET), one per route (sysctl_dumpnhop): the
// RTD_* words, then the sockaddrs rtm_addrs (RTD_ADDRS) names, in RTAX_
// order, each encoded as rt_msg_sa_push writes it: its family, then for
// AF_INET the address (host order), for AF_INET6 the four words of the
// address (host order, zone taken out) and sin6_scope_id, for AF_LINK the
// index, type, name and link-level address (each string a length and its
// codes); other families nothing more.  RTAX_IFP is the interface's
// AF_LINK address, which carries its name; RTAX_IFA the nexthop's source.
export const RTD_FLAGS = 2;
export const RTD_INDEX = 3;
export const RTD_MTU = 4;
/** Seconds left before the route expires, 0 for never. */
export const RTD_EXPIRE = 5;
export const RTD_WEIGHT = 6;
export const RTD_NHIDX = 7;
export const RTD_REFCNT = 8;
export const RTD_ADDRS = 9;
export const RTD_SA = 10;

// NET_RT_FLAGS with RTF_LLINFO: the ARP table, one RTM_GET message per
// entry (in.c's in_lltable_dump_entry): RTF_* flags, the address, the
// interface's index and type, rmx_expire on the wall clock (0: permanent),
// the link-level address (its length, -1 while incomplete, and bytes) and
// the interface name.  The inet6 tables' entries (ndp -a) are written by
// netinet6/in6.ts (in6_lltable_sysctl_dump).
export const RTL_FLAGS = 2;
export const RTL_DST = 3;
export const RTL_IFINDEX = 4;
export const RTL_IFTYPE = 5;
export const RTL_EXPIRE = 6;
export const RTL_LLADDR = 7;

function push_str(out: number[], s: string): void {
  out.push(s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

/** A sockaddr as the sysctl messages carry it (see NET_RT_DUMP's layout).
 *  An IPv6 address leaves with its zone recovered (sa6_recoverscope). */
function rt_msg_sa_push(out: number[], sa: sockaddr): void {
  if ("sin_addr" in sa) {
    out.push(AF_INET, sa.sin_addr >>> 0);
  } else if ("sin6_addr" in sa) {
    const d = sin6_deembed(sa);
    const b = d.sin6_addr.s6_addr;
    out.push(AF_INET6);
    for (let i = 0; i < 4; i++) out.push(((b[i * 4] << 24) | (b[i * 4 + 1] << 16) | (b[i * 4 + 2] << 8) | b[i * 4 + 3]) >>> 0);
    out.push(d.sin6_scope_id);
  } else if ("sdl_index" in sa) {
    out.push(AF_LINK, sa.sdl_index, sa.sdl_type);
    push_str(out, sa.sdl_data);
    out.push(sa.sdl_lladdr.length, ...sa.sdl_lladdr);
  } else {
    out.push(sa_family(sa));
  }
}

/**
 * rt_msg_sa_decode(w, k): the sockaddr rt_msg_sa_push wrote at w[k], and
 * where the next one starts (what a program gets by casting the buffer).
 */
export function rt_msg_sa_decode(w: readonly number[], k: number): { sa: sockaddr; next: number } {
  const fam = w[k++];
  if (fam === AF_INET) return { sa: new sockaddr_in(w[k] >>> 0), next: k + 1 };
  if (fam === AF_INET6) {
    const a = new in6_addr();
    for (let i = 0; i < 4; i++) {
      const v = w[k + i] >>> 0;
      a.s6_addr[i * 4] = v >>> 24;
      a.s6_addr[i * 4 + 1] = (v >>> 16) & 0xff;
      a.s6_addr[i * 4 + 2] = (v >>> 8) & 0xff;
      a.s6_addr[i * 4 + 3] = v & 0xff;
    }
    return { sa: new sockaddr_in6(a, 0, w[k + 4]), next: k + 5 };
  }
  if (fam === AF_LINK) {
    const index = w[k++];
    const type = w[k++];
    const nlen = w[k++];
    const name = String.fromCharCode(...w.slice(k, k + nlen));
    k += nlen;
    const alen = w[k++];
    const sdl = new sockaddr_dl(index, type, name, Uint8Array.from(w.slice(k, k + alen)));
    if (nlen === 0 && alen === 0) sdl.sdl_len = 12;
    return { sa: sdl, next: k + alen };
  }
  return { sa: new sockaddr_generic(fam), next: k };
}

function sysctl_dumparp_msgs(out: number[]): void {
  // rmx_expire = la_expire - time_uptime + time_second.
  const time_second = boottime_s + time_uptime() - 1;
  for (const e of lltable_sysctl_dumparp(AF_INET)) {
    const at = out.length;
    const ifp = ifnet_byindex(e.ifindex);
    out.push(0, RTM_GET, e.flags, e.addr, e.ifindex, ifp !== null ? ifp.if_type : 0, e.expire === 0 ? 0 : e.expire - time_uptime() + time_second);
    if (e.lladdr === null) out.push(-1);
    else out.push(e.lladdr.length, ...e.lladdr);
    push_str(out, e.ifname);
    out[at + RTM_HDR_LEN] = out.length - at;
  }
}

/**
 * sysctl_dumpnhop for every route of one table, in the order FreeBSD's
 * radix walk yields them: by destination, and for the same destination the
 * longer prefix first (the dupedkey chain's order).
 */
function rtable_sysctl_dump(fibnum: number, family: number, out: number[]): void {
  const rnh = rt_tables_get_rnh(fibnum, family);
  if (rnh === null) return;
  const now = time_uptime();
  rib_walktree(rnh, (rt) => {
    const nh = rt.rt_nhop;
    // A multipath route: one message per path, with its weight.
    if (NH_IS_NHGRP(nh)) for (const w of nhgrp_get_nhops(nh)) sysctl_dumpnhop(rt, w.nh, w.weight, now, out);
    else sysctl_dumpnhop(rt, nh, rt.rt_weight, now, out);
    return 0;
  });
}

/** sysctl_dumpnhop: one RTM_GET message for one path of rt. */
function sysctl_dumpnhop(rt: rtentry, nh: nhop_object, weight: number, now: number, out: number[]): void {
  {
    const rtflags = nhop_get_rtflags(nh);
    const info = new rt_addrinfo();
    const ea = export_rtaddrs(rt);
    info.rti_info[RTAX_DST] = ea.dst;
    info.rti_info[RTAX_GATEWAY] = nh.gw_sa;
    info.rti_info[RTAX_NETMASK] = (rtflags & RTF_HOST) !== 0 ? null : ea.mask;
    const ifp = nh.nh_ifp;
    if (ifp.if_addr !== null) info.rti_info[RTAX_IFP] = ifp.if_addr.ifa_addr;
    info.rti_info[RTAX_IFA] = nh.nh_ifa.ifa_addr;
    if ((ifp.if_flags & IFF_POINTOPOINT) !== 0) info.rti_info[RTAX_BRD] = nh.nh_ifa.ifa_dstaddr;
    let flags = (rtflags | RTF_UP) >>> 0;
    if ((flags & RTF_GWFLAG_COMPAT) !== 0) flags = (RTF_GATEWAY | (flags & ~RTF_GWFLAG_COMPAT)) >>> 0;
    const exp = nhop_get_expire(nh);
    const at = out.length;
    out.push(0, RTM_GET, flags, ifp.if_index, nh.nh_mtu, exp === 0 ? 0 : Math.max(0, exp - now), weight, nhop_get_idx(nh), nh.nh_refcnt, 0);
    let addrs = 0;
    for (let i = 0; i < RTAX_MAX; i++) {
      const sa = info.rti_info[i];
      if (sa === null) continue;
      addrs |= 1 << i;
      rt_msg_sa_push(out, sa);
    }
    out[at + RTD_ADDRS] = addrs;
    out[at + RTM_HDR_LEN] = out.length - at;
  }
}

function sysctl_iflist_msgs(af: number, out: number[]): void {
  const list = V_ifnet().slice().sort((a, b) => a.if_index - b.if_index);
  for (const ifp of list) {
    const flags = (ifp.if_flags | ifp.if_drv_flags) >>> 0;
    const at = out.length;
    out.push(0, RTM_IFINFO, flags, ifp.if_index, ifp.if_type, ifp.if_mtu, ifp.if_metric, ifp.if_link_state, ifp.if_baudrate);
    for (let i = 0; i < IFCOUNTERS; i++) out.push(ifp.if_counters[i]);
    out.push(ifp.if_xname.length);
    for (let i = 0; i < ifp.if_xname.length; i++) out.push(ifp.if_xname.charCodeAt(i));
    const sdl = ifp.if_addr?.ifa_addr;
    const ll = sdl instanceof sockaddr_dl ? sdl.sdl_lladdr : new Uint8Array(0);
    out.push(ll.length, ...ll);
    out[at + RTM_HDR_LEN] = out.length - at;
    for (const ifa of ifp.if_addrhead) {
      const a = ifa.ifa_addr;
      if ("sin_addr" in a) {
        if (af !== 0 && af !== AF_INET) continue;
        const nm = ifa.ifa_netmask;
        const da = ifa.ifa_dstaddr;
        const dst = da !== null && "sin_addr" in da ? da.sin_addr : null;
        out.push(IFAM_LEN, RTM_NEWADDR, ifp.if_index, flags, AF_INET, a.sin_addr, nm !== null && "sin_addr" in nm ? nm.sin_addr : 0, dst === null ? 0 : 1, dst ?? 0);
        out.push(ifa.ifa_ipackets, ifa.ifa_opackets, ifa.ifa_ibytes, ifa.ifa_obytes);
      } else if ("sin6_addr" in a) {
        if (af !== 0 && af !== AF_INET6) continue;
        iflist_in6(out, ifp.if_index, flags, ifa, a);
      }
    }
  }
}

function iflist_in6(out: number[], index: number, flags: number, ifa: ifaddr, a: sockaddr_in6): void {
  const push6 = (sa: sockaddr | null): void => {
    if (sa === null || !("sin6_addr" in sa)) {
      for (let i = 0; i < 17; i++) out.push(0);
      return;
    }
    const b = sa.sin6_addr.s6_addr;
    // Link-local unicast and multicast, interface-local multicast: the
    // zone in the second word moves to sin6_scope_id.
    const scoped = (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) || (b[0] === 0xff && ((b[1] & 0x0f) === 0x02 || (b[1] & 0x0f) === 0x01));
    const zone = scoped ? (b[2] << 8) | b[3] : 0;
    for (let i = 0; i < 16; i++) out.push(zone !== 0 && (i === 2 || i === 3) ? 0 : b[i]);
    out.push(zone !== 0 ? zone : sa.sin6_scope_id);
  };
  out.push(IFAM6_LEN, RTM_NEWADDR, index, flags, AF_INET6);
  push6(a);
  const nm = ifa.ifa_netmask;
  if (nm !== null && "sin6_addr" in nm && nm.sin6_len !== 0) for (let i = 0; i < 16; i++) out.push(nm.sin6_addr.s6_addr[i]);
  else for (let i = 0; i < 16; i++) out.push(0);
  const da = ifa.ifa_dstaddr;
  const hasdst = da !== null && "sin6_addr" in da && da.sin6_family === AF_INET6;
  out.push(hasdst ? 1 : 0);
  push6(hasdst ? da : null);
  out.push(ifa.ifa_ipackets, ifa.ifa_opackets, ifa.ifa_ibytes, ifa.ifa_obytes);
}

// NET_RT_IFMALIST (sysctl_ifmalist): an interface's multicast memberships,
// newest first as if_multiaddrs holds them, one RTM_NEWMADDR each: the
// IFMAM_* words, the interface's name (RTAX_IFP, a length and its codes),
// the group (RTAX_IFA: for AF_INET6 sixteen byte words and the zone, taken
// out of the address, as sin6_scope_id; for AF_LINK a length and the
// bytes), then its link-level group (RTAX_GATEWAY: a length and the
// bytes, length 0 for none, and always 0 for an AF_LINK group).
export const IFMAM_INDEX = 2;
export const IFMAM_FAMILY = 3;
export const IFMAM_NAME = 4;

/** A protocol's groups on an interface, each told with its membership's
 *  stamp (ifma_nextstamp), the group (zone embedded) and its link-level
 *  group or null (netinet6/in6_mcast.ts registers AF_INET6's). */
export type rt_ifmalist_walk = (ifp: ifnet, visit: (stamp: number, group: in6_addr, lladdr: Uint8Array | null) => void) => void;
const ifmalist_walks = new Map<number, rt_ifmalist_walk>();
export function rt_ifmalist_register(af: number, walk: rt_ifmalist_walk): void {
  ifmalist_walks.set(af, walk);
}

function sysctl_ifmalist_msgs(af: number, index: number, out: number[]): void {
  const list = V_ifnet().slice().sort((a, b) => a.if_index - b.if_index);
  const msgs: { stamp: number; words: number[] }[] = [];
  for (const ifp of list) {
    if (index !== 0 && index !== ifp.if_index) continue;
    msgs.length = 0;
    const head = (family: number): number[] => {
      const w = [0, RTM_NEWMADDR, ifp.if_index, family, ifp.if_xname.length];
      for (let i = 0; i < ifp.if_xname.length; i++) w.push(ifp.if_xname.charCodeAt(i));
      return w;
    };
    for (const [family, walk] of ifmalist_walks) {
      if (af !== 0 && af !== family) continue;
      walk(ifp, (stamp, group, lladdr) => {
        const w = head(family);
        const b = group.s6_addr;
        const zone = IN6_IS_SCOPE_EMBED(group) ? (b[2] << 8) | b[3] : 0;
        for (let i = 0; i < 16; i++) w.push(zone !== 0 && (i === 2 || i === 3) ? 0 : b[i]);
        w.push(zone);
        if (lladdr === null) w.push(0);
        else w.push(lladdr.length, ...lladdr);
        msgs.push({ stamp, words: w });
      });
    }
    if (af === 0 || af === AF_LINK) {
      for (const ifma of ifp.if_multiaddrs) {
        const w = head(AF_LINK);
        w.push(ifma.ifma_addr.length, ...ifma.ifma_addr, 0);
        msgs.push({ stamp: ifma.ifma_stamp, words: w });
      }
    }
    msgs.sort((a, b) => b.stamp - a.stamp);
    for (const m of msgs) {
      m.words[RTM_HDR_LEN] = m.words.length;
      for (const x of m.words) out.push(x);
    }
  }
}

/** sysctl_rtsock: the handler of net.routetable; runs in the caller's vnet
 *  (kern_sysctl set it). */
function sysctl_rtsock(_oidp: unknown, arg1: unknown, arg2: number, req: sysctl_req): number {
  const name = arg1 as readonly number[];
  if (req.newval !== null) return EPERM;
  if (arg2 < 3 || arg2 > 4 || name[0] !== 0) return EINVAL;
  const af = name[1];
  if (af > AF_MAX) return EINVAL;
  switch (name[2]) {
    case NET_RT_FLAGS:
    case NET_RT_DUMP: {
      const out: number[] = [];
      if (name[2] === NET_RT_FLAGS && arg2 === 4 && (name[3] === 0 || (name[3] & RTF_LLINFO) !== 0)) {
        // The neighbor caches: ARP's, and the inet6 tables' as in6_lltable writes them.
        if (af === 0 || af === AF_INET) sysctl_dumparp_msgs(out);
        if (af === 0 || af === AF_INET6) lltable_sysctl_dumpnd6(out);
        return SYSCTL_OUT(req, out);
      }
      const fib = name[2] === NET_RT_DUMP && arg2 === 4 ? name[3] : 0;
      if (!Number.isInteger(fib) || fib < 0 || fib >= V_rt_numfibs()) return EINVAL;
      // Every family's table for af 0, else that one's (EAFNOSUPPORT without).
      const lo = af === 0 ? 1 : af;
      const hi = af === 0 ? AF_MAX : af;
      for (let i = lo; i <= hi; i++) {
        if (rt_tables_get_rnh(fib, i) !== null) rtable_sysctl_dump(fib, i, out);
        else if (af !== 0) return EAFNOSUPPORT;
      }
      return SYSCTL_OUT(req, out);
    }
    case NET_RT_IFLIST:
    case NET_RT_IFLISTL: {
      const out: number[] = [];
      sysctl_iflist_msgs(af, out);
      return SYSCTL_OUT(req, out);
    }
    case NET_RT_IFMALIST: {
      const out: number[] = [];
      sysctl_ifmalist_msgs(af, arg2 === 4 ? name[3] : 0, out);
      return SYSCTL_OUT(req, out);
    }
  }
  return EOPNOTSUPP;
}
SYSCTL_NODE(_net, PF_ROUTE, "routetable", CTLFLAG_RD | CTLFLAG_MPSAFE, sysctl_rtsock, "Return route tables and interface/address lists");
