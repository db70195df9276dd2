// sys/net/route.h, sys/net/route.c: routing messages' vocabulary and what route.c keeps in FreeBSD 14.
//
// The tables themselves live in net/route/ as in FreeBSD 14's sys/net/route/:
// route_ctl.ts (rib_action and the control plane), route_tables.ts (the
// per-vnet tables, net.fibs), nhop.ts and nhop_ctl.ts (nexthops),
// route_var.ts (struct rib_head, struct rtentry), route_rtentry.ts,
// route_helpers.ts, route_ifaddrs.ts, route_temporal.ts; net/radix.ts stands
// in for the radix tree.  fib4_lookup() (netinet/in_fib.ts) is the data path.
// This file keeps route.h's constants and structures and route.c's
// functions: source-address selection for new routes (rt_getifa_fib),
// flushing an interface's routes, redirects, and the route-socket notices.
//
// Departures: only AF_INET tables exist; there is no epoch and no multipath.

import { EAFNOSUPPORT, EINVAL, ENETUNREACH } from "../kern/errno.ts";
import { time_uptime } from "../kern/kern_timeout.ts";
import { AF_INET, AF_INET6, AF_UNSPEC, SA_FAMILY, SA_LEN, type sockaddr } from "../kern/socket.ts";
import { panic } from "../kern/subr_prf.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_OPAQUE, OID_AUTO, SYSCTL_NODE, SYSCTL_UINT, _net, sysctl_handle_counter_array, sysctl_oid, sysctl_register_oid } from "../kern/sysctl.ts";
import { fib_hash_outbound } from "./route/mpath_ctl.ts";
import { IFCAP_LINKSTATE, LINK_STATE_UP, ifnet_byindex, set_if_mtu_changed_hook, type ifaddr, type ifnet } from "./if.ts";
import { sockaddr_dl } from "./if_dl.ts";
import { VNET_DEFINE_U64, VNET_U64, VNET_U64_ADD } from "./vnet.ts";
import { ifa_ifwithaddr, ifa_ifwithdstaddr, ifa_ifwithnet, ifaof_ifpforaddr, ifatoia } from "../netinet/in.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_LINKMTU } from "../netinet6/in6_var.ts";
import { rt_missmsg_fib, rtsock_addrmsg, rtsock_routemsg, rtsock_routemsg_info } from "./rtsock.ts";
import { rib_walktree } from "./radix.ts";
import { NHF_DEFAULT, NHR_NONE, NH_IS_NHGRP, nhop_select, type nhop_object } from "./route/nhop.ts";
import { nhgrp_get_nhops } from "./route/nhgrp_ctl.ts";
import { nhop_get_expire, nhop_get_idx, nhop_get_rtflags, nhops_update_ifmtu, time_second } from "./route/nhop_ctl.ts";
import { rib_action, rib_cmd_info, rib_route_multipath } from "./route/route_ctl.ts";
import { rib_foreach_table_walk_del, rib_lookup } from "./route/route_helpers.ts";
import { V_rt_add_addr_allfibs, V_rt_numfibs, rt_tables_get_rnh } from "./route/route_tables.ts";
import type { rtentry } from "./route/route_var.ts";

// ---------------------------------------------------------------------------
// net/route.h

export const RT_L2_ME_BIT = 2;
export const RT_DEFAULT_FIB = 0;
export const RT_ALL_FIBS = -1;
export const RT_DEFAULT_WEIGHT = 1;
export const RT_MAX_WEIGHT = 16777215;

export const RTF_UP = 0x1;
export const RTF_GATEWAY = 0x2;
export const RTF_HOST = 0x4;
export const RTF_REJECT = 0x8;
export const RTF_DYNAMIC = 0x10;
export const RTF_MODIFIED = 0x20;
export const RTF_DONE = 0x40;
export const RTF_XRESOLVE = 0x200;
export const RTF_LLINFO = 0x400;
export const RTF_LLDATA = 0x400;
export const RTF_STATIC = 0x800;
export const RTF_BLACKHOLE = 0x1000;
export const RTF_PROTO2 = 0x4000;
export const RTF_PROTO1 = 0x8000;
export const RTF_PROTO3 = 0x40000;
export const RTF_FIXEDMTU = 0x80000;
export const RTF_PINNED = 0x100000;
export const RTF_LOCAL = 0x200000;
export const RTF_BROADCAST = 0x400000;
export const RTF_MULTICAST = 0x800000;
export const RTF_STICKY = 0x10000000;
export const RTF_RNH_LOCKED = 0x40000000;
export const RTF_GWFLAG_COMPAT = 0x80000000 | 0;
/** if_llatbl/arp: RTF_ANNOUNCE is RTF_PROTO2 (published ARP entry). */
export const RTF_ANNOUNCE = RTF_PROTO2;
/** Flags RTM_CHANGE may modify. */
export const RTF_FMASK = RTF_PROTO1 | RTF_PROTO2 | RTF_PROTO3 | RTF_BLACKHOLE | RTF_REJECT | RTF_STATIC | RTF_STICKY;

export const RTM_VERSION = 5;
export const RTM_ADD = 0x1;
export const RTM_DELETE = 0x2;
export const RTM_CHANGE = 0x3;
export const RTM_GET = 0x4;
export const RTM_LOSING = 0x5;
export const RTM_REDIRECT = 0x6;
export const RTM_MISS = 0x7;
export const RTM_LOCK = 0x8;
export const RTM_RESOLVE = 0xb;
export const RTM_NEWADDR = 0xc;
export const RTM_DELADDR = 0xd;
export const RTM_IFINFO = 0xe;
export const RTM_NEWMADDR = 0xf;
export const RTM_DELMADDR = 0x10;
export const RTM_IFANNOUNCE = 0x11;
export const RTM_IEEE80211 = 0x12;

export const RTV_MTU = 0x1;
export const RTV_HOPCOUNT = 0x2;
export const RTV_EXPIRE = 0x4;
export const RTV_RPIPE = 0x8;
export const RTV_SPIPE = 0x10;
export const RTV_SSTHRESH = 0x20;
export const RTV_RTT = 0x40;
export const RTV_RTTVAR = 0x80;
export const RTV_WEIGHT = 0x100;

export const RTA_DST = 0x1;
export const RTA_GATEWAY = 0x2;
export const RTA_NETMASK = 0x4;
export const RTA_GENMASK = 0x8;
export const RTA_IFP = 0x10;
export const RTA_IFA = 0x20;
export const RTA_AUTHOR = 0x40;
export const RTA_BRD = 0x80;

export const RTAX_DST = 0;
export const RTAX_GATEWAY = 1;
export const RTAX_NETMASK = 2;
export const RTAX_GENMASK = 3;
export const RTAX_IFP = 4;
export const RTAX_IFA = 5;
export const RTAX_AUTHOR = 6;
export const RTAX_BRD = 7;
export const RTAX_MAX = 8;

/** struct rt_metrics. */
export class rt_metrics {
  rmx_locks = 0;
  rmx_mtu = 0;
  rmx_hopcount = 0;
  rmx_expire = 0;
  rmx_recvpipe = 0;
  rmx_sendpipe = 0;
  rmx_ssthresh = 0;
  rmx_rtt = 0;
  rmx_rttvar = 0;
  rmx_pksent = 0;
  rmx_weight = 0;
  rmx_nhidx = 0;
}


/** struct rtstat, per vnet. */
export const rts_badredirect = 0;
export const rts_dynamic = 1;
export const rts_newgateway = 2;
export const rts_unreach = 3;
export const rts_wildcard = 4;
export const rts_nh_idx_alloc_failure = 5;
export const rts_nh_alloc_failure = 6;
export const rts_add_failure = 7;
export const rts_add_retry = 8;
export const rts_del_failure = 9;
export const rts_del_retry = 10;
const RTSTAT_NFIELDS = 11;
export const rtstat_names = [
  "rts_badredirect",
  "rts_dynamic",
  "rts_newgateway",
  "rts_unreach",
  "rts_wildcard",
  "rts_nh_idx_alloc_failure",
  "rts_nh_alloc_failure",
  "rts_add_failure",
  "rts_add_retry",
  "rts_del_failure",
  "rts_del_retry",
] as const;
export const rtstat = VNET_DEFINE_U64("rtstat", RTSTAT_NFIELDS);
export function RTSTAT_INC(field: number): void {
  VNET_U64_ADD(rtstat + field, 1);
}
/** The rtstat counters of curvnet. */
export function rtstat_fetch(): number[] {
  const out: number[] = [];
  for (let i = 0; i < RTSTAT_NFIELDS; i++) out.push(VNET_U64(rtstat + i));
  return out;
}

/** net.route: route_ctl.c's node in FreeBSD 14. */
export const _net_route = SYSCTL_NODE(_net, OID_AUTO, "route", CTLFLAG_RD | CTLFLAG_MPSAFE, null, "Route related sysctls");

// Departure: FreeBSD 14 exports rtstat through no sysctl (netstat -rs reads
// it from kernel memory with libkvm, which a simulator has no equivalent of),
// so the counters are a read-only opaque net.route.stats, struct rtstat's
// fields in order, one number each, of the caller's vnet.
sysctl_register_oid(
  new sysctl_oid(_net_route, OID_AUTO, CTLTYPE_OPAQUE | CTLFLAG_RD | CTLFLAG_VNET | CTLFLAG_MPSAFE, rtstat, RTSTAT_NFIELDS, "stats", sysctl_handle_counter_array, "S,rtstat", "route statistics (struct rtstat, net/route.h)"),
);
// route_ctl.c's and mpath_ctl.c's knobs, here because their files are
// evaluated before this one makes the node.
SYSCTL_UINT(_net_route, OID_AUTO, "multipath", CTLFLAG_RW | CTLFLAG_VNET, rib_route_multipath, 0, "Enable route multipath");
SYSCTL_UINT(_net_route, OID_AUTO, "hash_outbound", CTLFLAG_RD | CTLFLAG_VNET, fib_hash_outbound, 0, "Compute flowid for locally-originated packets");


/** RT_LINK_IS_UP(ifp): a link without link-state reporting counts as up. */
export function RT_LINK_IS_UP(ifp: ifnet): boolean {
  return (ifp.if_capabilities & IFCAP_LINKSTATE) === 0 || ifp.if_link_state === LINK_STATE_UP;
}

export type rib_filter_f_t = (rt: rtentry, nh: nhop_object, arg: unknown) => number;

/** struct rt_addrinfo: a control-plane request. */
export class rt_addrinfo {
  rti_addrs = 0;
  rti_flags = 0;
  rti_info: (sockaddr | null)[] = [null, null, null, null, null, null, null, null];
  rti_ifa: ifaddr | null = null;
  rti_ifp: ifnet | null = null;
  rti_filter: rib_filter_f_t | null = null;
  rti_filterdata: unknown = null;
  rti_mflags = 0;
  rti_rmx: rt_metrics | null = null;
}

// ---------------------------------------------------------------------------
// Socket address helpers (sa_family, sa_equal, SA_SIZE live in socket.h and
// route.h in FreeBSD; addresses here are objects, not bytes).

export function sa_family(sa: sockaddr): number {
  return SA_FAMILY(sa);
}

export function sa_len(sa: sockaddr): number {
  return SA_LEN(sa);
}

/** sa_equal(a, b): same length and same bytes. */
export function sa_equal(a: sockaddr, b: sockaddr): boolean {
  if ("sin_addr" in a) {
    if (!("sin_addr" in b)) return false;
    return a.sin_len === b.sin_len && a.sin_family === b.sin_family && a.sin_addr === b.sin_addr && a.sin_port === b.sin_port;
  }
  if ("sin6_addr" in a) {
    if (!("sin6_addr" in b)) return false;
    return (
      a.sin6_len === b.sin6_len &&
      a.sin6_family === b.sin6_family &&
      a.sin6_port === b.sin6_port &&
      a.sin6_flowinfo === b.sin6_flowinfo &&
      a.sin6_scope_id === b.sin6_scope_id &&
      IN6_ARE_ADDR_EQUAL(a.sin6_addr, b.sin6_addr)
    );
  }
  if ("sdl_index" in a) {
    if (!("sdl_index" in b)) return false;
    if (a.sdl_len !== b.sdl_len || a.sdl_index !== b.sdl_index || a.sdl_type !== b.sdl_type || a.sdl_data !== b.sdl_data) return false;
    if (a.sdl_lladdr.length !== b.sdl_lladdr.length) return false;
    for (let i = 0; i < a.sdl_lladdr.length; i++) if (a.sdl_lladdr[i] !== b.sdl_lladdr[i]) return false;
    return true;
  }
  if ("sin_addr" in b || "sin6_addr" in b || "sdl_index" in b) return false;
  if ("sg_data" in a || "sg_data" in b) return "sg_data" in a && "sg_data" in b && a.sg_len === b.sg_len && a.sg_data === b.sg_data;
  return a.sa_family === b.sa_family && a.sa_len === b.sa_len;
}

/** link_init_sdl(ifp, sdl, type): an AF_LINK address naming ifp. */
export function link_init_sdl(ifp: ifnet, iftype: number): sockaddr_dl {
  return new sockaddr_dl(ifp.if_index, iftype, "", new Uint8Array(0));
}

// ---------------------------------------------------------------------------
// route.c

/**
 * ifa_ifwithroute: the interface address a route to dst via gateway should
 * use.  A gateway reachable only through the default route does not count.
 */
export function ifa_ifwithroute(flags: number, dst: sockaddr, gateway: sockaddr, fibnum: number): ifaddr | null {
  let ifa: ifaddr | null = null;
  if ((flags & RTF_GATEWAY) === 0) {
    // A route to an interface: on a point-to-point link the destination
    // names it, otherwise the local address does.
    if ((flags & RTF_HOST) !== 0) ifa = ifa_ifwithdstaddr(dst, fibnum);
    if (ifa === null) ifa = ifa_ifwithaddr(gateway);
  } else {
    // The gateway may be the far end of a point-to-point link.
    ifa = ifa_ifwithdstaddr(gateway, fibnum);
  }
  if (ifa === null) ifa = ifa_ifwithnet(gateway, 0, fibnum);
  if (ifa === null) {
    const nh = rib_lookup(fibnum, gateway, NHR_NONE, 0);
    if (nh === null || (nh.nh_flags & NHF_DEFAULT) !== 0) return null;
    ifa = nh.nh_ifa;
  }
  if (sa_family(ifa.ifa_addr) !== sa_family(dst)) {
    const oifa = ifa;
    ifa = ifaof_ifpforaddr(dst, ifa.ifa_ifp) ?? oifa;
  }
  return ifa;
}

/**
 * rt_getifa_fib: fill in rti_ifa (and rti_ifp) for a request that named
 * neither.  ENETUNREACH when no interface fits.
 */
export function rt_getifa_fib(info: rt_addrinfo, fibnum: number): number {
  const dst = info.rti_info[RTAX_DST];
  const gateway = info.rti_info[RTAX_GATEWAY];
  const ifpaddr = info.rti_info[RTAX_IFP];
  const ifaaddr = info.rti_info[RTAX_IFA];
  const flags = info.rti_flags;
  let error = 0;
  const needref = info.rti_ifa === null;
  // An interface named by index in an AF_LINK address.
  if (info.rti_ifp === null && ifpaddr !== null && "sdl_index" in ifpaddr && ifpaddr.sdl_index !== 0) info.rti_ifp = ifnet_byindex(ifpaddr.sdl_index);
  if (info.rti_ifa === null && ifaaddr !== null) info.rti_ifa = ifa_ifwithaddr(ifaaddr);
  if (info.rti_ifa === null) {
    let sa: sockaddr | null;
    if (ifaaddr !== null) sa = ifaaddr;
    else if ((info.rti_flags & RTF_GATEWAY) !== 0 && gateway !== null && dst !== null && sa_family(gateway) === sa_family(dst)) sa = gateway;
    else sa = dst;
    if (info.rti_ifp !== null) {
      info.rti_ifa = sa === null ? null : ifaof_ifpforaddr(sa, info.rti_ifp);
      if (info.rti_ifa === null && gateway !== null) info.rti_ifa = ifaof_ifpforaddr(gateway, info.rti_ifp);
    } else if (dst !== null && gateway !== null) info.rti_ifa = ifa_ifwithroute(flags, dst, gateway, fibnum);
    else if (sa !== null) info.rti_ifa = ifa_ifwithroute(flags, sa, sa, fibnum);
  }
  if (needref && info.rti_ifa !== null) {
    if (info.rti_ifp === null) info.rti_ifp = info.rti_ifa.ifa_ifp;
  } else error = ENETUNREACH;
  return error;
}

/** rt_ifdelroute: does the route go through the interface in arg? */
const rt_ifdelroute: rib_filter_f_t = (rt, nh, arg) => {
  if (nh.nh_ifp !== arg) return 0;
  if ((rt.rte_flags & RTF_UP) === 0) return 0;
  return 1;
};

/** rt_flushifroutes(ifp): remove every route through ifp (interface detach
 *  or move to another vnet). */
export function rt_flushifroutes(ifp: ifnet): void {
  rib_foreach_table_walk_del(AF_UNSPEC, rt_ifdelroute, ifp);
}

/** rt_flushifroutes_af: the same for one family (a domain's dom_flushroutes). */
export function rt_flushifroutes_af(ifp: ifnet, family: number): void {
  rib_foreach_table_walk_del(family, rt_ifdelroute, ifp);
}

/**
 * rib_add_redirect: a host route learned from an ICMP redirect, expiring
 * after lifetime_sec.
 */
export function rib_add_redirect(
  fibnum: number,
  dst: sockaddr,
  gateway: sockaddr,
  author: sockaddr | null,
  ifp: ifnet,
  flags: number,
  lifetime_sec: number,
): number {
  if (rt_tables_get_rnh(fibnum, sa_family(dst)) === null) return EAFNOSUPPORT;
  if ((flags & ~RTF_GATEWAY) !== 0) panic(`invalid redirect flags: ${flags}`);
  flags |= RTF_HOST | RTF_DYNAMIC;
  const ifa = ifaof_ifpforaddr(gateway, ifp);
  if (ifa === null) return ENETUNREACH;
  const info = new rt_addrinfo();
  info.rti_info[RTAX_DST] = dst;
  info.rti_info[RTAX_GATEWAY] = gateway;
  info.rti_ifa = ifa;
  info.rti_ifp = ifp;
  info.rti_flags = flags;
  const rmx = new rt_metrics();
  rmx.rmx_expire = lifetime_sec + time_second();
  info.rti_mflags |= RTV_EXPIRE;
  info.rti_rmx = rmx;
  const rc = new rib_cmd_info();
  const error = rib_action(fibnum, RTM_ADD, info, rc);
  if (error !== 0) return error;
  RTSTAT_INC(rts_dynamic);
  // Tell route sockets.
  const minfo = new rt_addrinfo();
  minfo.rti_info[RTAX_DST] = dst;
  minfo.rti_info[RTAX_GATEWAY] = gateway;
  minfo.rti_info[RTAX_AUTHOR] = author;
  rt_missmsg_fib(RTM_REDIRECT, minfo, flags | RTF_UP, error, fibnum);
  return 0;
}

/** rt_addrmsg: announce an interface address to route sockets. */
export function rt_addrmsg(cmd: number, ifa: ifaddr, fibnum: number): number {
  if (V_rt_add_addr_allfibs() !== 0) fibnum = RT_ALL_FIBS;
  return rtsock_addrmsg(cmd, ifa, fibnum);
}

/**
 * rt_newaddrmsg_fib: an address and the route that goes with it, in the
 * order listeners expect (address first when it comes, route first when it
 * goes).
 */
export function rt_newaddrmsg_fib(cmd: number, ifa: ifaddr, rt: rtentry | null, fibnum: number): void {
  if (cmd !== RTM_ADD && cmd !== RTM_DELETE) panic(`unexpected cmd ${cmd}`);
  if (cmd === RTM_ADD) {
    rt_addrmsg(cmd, ifa, fibnum);
    if (rt !== null) rt_routemsg(cmd, rt, nhop_select(rt.rt_nhop, 0), fibnum);
  } else {
    if (rt !== null) rt_routemsg(cmd, rt, nhop_select(rt.rt_nhop, 0), fibnum);
    rt_addrmsg(cmd, ifa, fibnum);
  }
}

/** rt_routemsg: announce a kernel route change to route sockets. */
export function rt_routemsg(cmd: number, rt: rtentry, nh: nhop_object, fibnum: number): number {
  return rtsock_routemsg(cmd, rt, nh, fibnum);
}

export function rt_routemsg_info(cmd: number, info: rt_addrinfo, fibnum: number): number {
  return rtsock_routemsg_info(cmd, info, fibnum);
}

/** rt_updatemtu(ifp): after SIOCSIFMTU. */
export function rt_updatemtu(ifp: ifnet): void {
  const n = V_rt_numfibs();
  for (let j = 0; j < n; j++) {
    const rnh = rt_tables_get_rnh(j, AF_INET);
    if (rnh !== null) nhops_update_ifmtu(rnh, ifp, ifp.if_mtu);
    const rnh6 = rt_tables_get_rnh(j, AF_INET6);
    if (rnh6 !== null) nhops_update_ifmtu(rnh6, ifp, IN6_LINKMTU(ifp));
  }
}

// ---------------------------------------------------------------------------
// The table as netstat -rn lists it (sysctl NET_RT_DUMP, sysctl_dumpentry).

export interface rt_dump_entry {
  /** Destination and mask, host order; mask 0xffffffff for host routes. */
  rt_dst: number;
  rt_mask: number;
  /** rte_flags | nexthop rt_flags, as rtm_flags carries them. */
  rt_flags: number;
  /** The gateway: an IPv4 address, or the AF_LINK address of the interface. */
  rt_gateway: sockaddr;
  /** Egress interface name (Netif). */
  rt_ifname: string;
  rt_ifindex: number;
  /** Source address of the nexthop. */
  rt_ifa: number;
  rt_mtu: number;
  /** Seconds left before the route expires, 0 for never. */
  rt_expire: number;
  rt_weight: number;
  rt_nhidx: number;
  rt_refcnt: number;
}

/** rt_dump(fibnum): the IPv4 table of fib fibnum in curvnet. */
export function rt_dump(fibnum: number): { error: number; entries: rt_dump_entry[] } {
  const entries: rt_dump_entry[] = [];
  if (!Number.isInteger(fibnum) || fibnum < 0 || fibnum >= V_rt_numfibs()) return { error: EINVAL, entries };
  const rnh = rt_tables_get_rnh(fibnum, AF_INET);
  if (rnh === null) return { error: EAFNOSUPPORT, entries };
  const now = time_uptime();
  // One entry per path: a multipath route lists each member with its weight.
  const dump = (rt: rtentry, nh: nhop_object, weight: number): void => {
    const exp = nhop_get_expire(nh);
    entries.push({
      rt_dst: rt.rt_dst,
      rt_mask: rt.rt_mask,
      rt_flags: (rt.rte_flags | nhop_get_rtflags(nh)) >>> 0,
      rt_gateway: nh.gw_sa,
      rt_ifname: nh.nh_ifp.if_xname,
      rt_ifindex: nh.nh_ifp.if_index,
      rt_ifa: ifatoia(nh.nh_ifa).ia_addr.sin_addr,
      rt_mtu: nh.nh_mtu,
      rt_expire: exp === 0 ? 0 : Math.max(0, exp - now),
      rt_weight: weight,
      rt_nhidx: nhop_get_idx(nh),
      rt_refcnt: nh.nh_refcnt,
    });
  };
  rib_walktree(rnh, (rt) => {
    const nh = rt.rt_nhop;
    if (NH_IS_NHGRP(nh)) for (const w of nhgrp_get_nhops(nh)) dump(rt, w.nh, w.weight);
    else dump(rt, nh, rt.rt_weight);
    return 0;
  });
  return { error: 0, entries };
}

// SIOCSIFMTU tells the routing layer (if.c calls rt_updatemtu directly).
set_if_mtu_changed_hook(rt_updatemtu);
