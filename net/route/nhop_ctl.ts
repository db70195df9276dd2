// sys/net/route/nhop_ctl.c: making nexthops from requests, sharing them, dropping them.
//
// nhop_create_from_info() builds the nexthop an RTM_ADD describes,
// nhop_create_from_nhop() the one an RTM_CHANGE makes of an existing one;
// both end in nhop_get_nhop_internal(), which returns an equal linked
// nexthop if the table has one, or links the new one.  Either way the
// caller holds a reference, dropped with nhop_free().

import { EAFNOSUPPORT, EINVAL, ENETUNREACH, EOPNOTSUPP } from "../../kern/errno.ts";
import { AF_INET, AF_INET6, AF_LINK, AF_UNSPEC, type sockaddr } from "../../kern/socket.ts";
import { boottime_s, time_uptime } from "../../kern/kern_timeout.ts";
import { log } from "../../kern/subr_prf.ts";
import { IFF_LOOPBACK, ifnet_byindex, type ifaddr, type ifnet } from "../if.ts";
import { sockaddr_dl } from "../if_dl.ts";
import { curvnet, vnet0, type vnet } from "../vnet.ts";
import { in_ifaddr } from "../../netinet/in.ts";

import {
  RTAX_DST,
  RTAX_GATEWAY,
  RTAX_NETMASK,
  RTF_BLACKHOLE,
  RTF_BROADCAST,
  RTF_DYNAMIC,
  RTF_FIXEDMTU,
  RTF_GATEWAY,
  RTF_HOST,
  RTF_PINNED,
  RTF_REJECT,
  RTV_EXPIRE,
  RTV_MTU,
  rt_addrinfo,
  sa_family,
} from "../route.ts";
import {
  NHF_BLACKHOLE,
  NHF_BROADCAST,
  NHF_DEFAULT,
  NHF_GATEWAY,
  NHF_HOST,
  NHF_REDIRECT,
  NHF_REJECT,
  find_nhop,
  link_nhop,
  nhop_object,
  unlink_nhop,
  type nh_control,
  type rt_nhop_t,
} from "./nhop.ts";
import { nhgrp_object } from "./nhgrp.ts";
import { nhgrp_free, nhgrp_ref_object } from "./nhgrp_ctl.ts";
import { RT_CHANGE_RTFLAGS_MASK, RT_SET_RTFLAGS_MASK, type rib_head } from "./route_var.ts";
import { rt_loif, rt_tables_get_rnh } from "./route_tables.ts";
import { in6_addr_copy, in6_ifaddr, in6addr_loopback, sockaddr_in6 } from "../../netinet6/in6_var.ts";

// sys/syslog.h
const LOG_DEBUG = 7;

export function nhop_get_rtflags(nh: nhop_object): number {
  return nh.nh_priv.rt_flags;
}
export function nhop_get_idx(nh: nhop_object): number {
  return nh.nh_priv.nh_idx;
}
export function nhop_get_type(nh: nhop_object): number {
  return nh.nh_priv.nh_type;
}
export function nhop_set_type(nh: nhop_object, t: number): void {
  nh.nh_priv.nh_type = t;
}
export function nhop_get_vnet(nh: nhop_object): vnet | null {
  return nh.nh_priv.nh_vnet;
}
export function nhop_get_expire(nh: nhop_object): number {
  return nh.nh_priv.nh_expire;
}
export function nhop_set_broadcast(nh: nhop_object, is_broadcast: boolean): void {
  if (is_broadcast) {
    nh.nh_flags |= NHF_BROADCAST;
    nh.nh_priv.rt_flags |= RTF_BROADCAST;
  } else {
    nh.nh_flags &= ~NHF_BROADCAST;
    nh.nh_priv.rt_flags &= ~RTF_BROADCAST;
  }
}

/** nhop_set_pxtype_flag: NHF_HOST, NHF_DEFAULT or neither. */
export function nhop_set_pxtype_flag(nh: nhop_object, nh_flag: number): void {
  if (nh_flag === NHF_HOST) {
    nh.nh_flags |= NHF_HOST;
    nh.nh_flags &= ~NHF_DEFAULT;
    nh.nh_priv.rt_flags |= RTF_HOST;
  } else if (nh_flag === NHF_DEFAULT) {
    nh.nh_flags |= NHF_DEFAULT;
    nh.nh_flags &= ~NHF_HOST;
    nh.nh_priv.rt_flags &= ~RTF_HOST;
  } else {
    nh.nh_flags &= ~(NHF_HOST | NHF_DEFAULT);
    nh.nh_priv.rt_flags &= ~RTF_HOST;
  }
}

export function nhop_set_mtu(nh: nhop_object, mtu: number, from_user: boolean): void {
  if (from_user) {
    if (mtu !== 0) nh.nh_priv.rt_flags |= RTF_FIXEDMTU;
    else nh.nh_priv.rt_flags &= ~RTF_FIXEDMTU;
  }
  nh.nh_mtu = mtu;
}

function nhop_set_rtflags(nh: nhop_object, rt_flags: number): void {
  nh.nh_priv.rt_flags &= ~RT_SET_RTFLAGS_MASK;
  nh.nh_priv.rt_flags |= rt_flags & RT_SET_RTFLAGS_MASK;
}

function nhop_set_redirect(nh: nhop_object, is_redirect: boolean): void {
  if (is_redirect) {
    nh.nh_priv.rt_flags |= RTF_DYNAMIC;
    nh.nh_flags |= NHF_REDIRECT;
  } else {
    nh.nh_priv.rt_flags &= ~RTF_DYNAMIC;
    nh.nh_flags &= ~NHF_REDIRECT;
  }
}

function nhop_set_pinned(nh: nhop_object, is_pinned: boolean): void {
  if (is_pinned) nh.nh_priv.rt_flags |= RTF_PINNED;
  else nh.nh_priv.rt_flags &= ~RTF_PINNED;
}

/** nhop_set_direct_gw: a route straight out of ifp, no gateway. */
function nhop_set_direct_gw(nh: nhop_object, ifp: ifnet): void {
  nh.nh_flags &= ~NHF_GATEWAY;
  nh.nh_priv.rt_flags &= ~RTF_GATEWAY;
  nh.nh_priv.nh_neigh_family = nh.nh_priv.nh_upper_family;
  nh.gw_sa = fill_sdl_from_ifp(ifp);
}

function nhop_check_gateway(upper_family: number, neigh_family: number): boolean {
  return upper_family === neigh_family || neigh_family === AF_UNSPEC || neigh_family === AF_LINK;
}

/** nhop_set_gw: a gateway address (is_gw), or an interface route named by
 *  an address of the interface. */
function nhop_set_gw(nh: nhop_object, gw: sockaddr, is_gw: boolean): boolean {
  if (!nhop_check_gateway(nh.nh_priv.nh_upper_family, sa_family(gw))) return false;
  if ("sin_addr" in gw) {
    nh.gw4_sa.sin_len = gw.sin_len;
    nh.gw4_sa.sin_family = gw.sin_family;
    nh.gw4_sa.sin_addr = gw.sin_addr;
    nh.gw4_sa.sin_port = 0;
    nh.gw_sa = nh.gw4_sa;
  } else if ("sin6_addr" in gw) {
    // The address keeps its embedded zone; sin6_scope_id stays 0.
    nh_set_gw6(nh, gw);
  } else if ("sdl_index" in gw) {
    const sdl = new sockaddr_dl(gw.sdl_index, gw.sdl_type, gw.sdl_data, gw.sdl_lladdr.slice());
    sdl.sdl_len = gw.sdl_len;
    nh.gw_sa = sdl;
  } else {
    return false;
  }
  if (is_gw) {
    nh.nh_flags |= NHF_GATEWAY;
    nh.nh_priv.rt_flags |= RTF_GATEWAY;
    nh.nh_priv.nh_neigh_family = sa_family(gw);
  } else {
    nh.nh_flags &= ~NHF_GATEWAY;
    nh.nh_priv.rt_flags &= ~RTF_GATEWAY;
    nh.nh_priv.nh_neigh_family = nh.nh_priv.nh_upper_family;
  }
  return true;
}

/** gw6_sa := gw (family, length and address), as gw_sa. */
function nh_set_gw6(nh: nhop_object, gw: sockaddr_in6): void {
  const g = nh.gw6_sa;
  g.sin6_len = 28;
  g.sin6_family = AF_INET6;
  g.sin6_port = 0;
  g.sin6_flowinfo = 0;
  in6_addr_copy(g.sin6_addr, gw.sin6_addr);
  g.sin6_scope_id = 0;
  nh.gw_sa = g;
}

/**
 * nhop_set_blackhole: blackhole and reject nexthops send to lo0 (whose
 * looutput discards or answers EHOSTUNREACH), gateway 127.0.0.1 or ::1.
 */
function nhop_set_blackhole(nh: nhop_object, blackhole_rt_flag: number): void {
  nh.nh_flags &= ~(NHF_BLACKHOLE | NHF_REJECT);
  nh.nh_priv.rt_flags &= ~(RTF_BLACKHOLE | RTF_REJECT);
  switch (blackhole_rt_flag) {
    case RTF_BLACKHOLE:
      nh.nh_flags |= NHF_BLACKHOLE;
      nh.nh_priv.rt_flags |= RTF_BLACKHOLE;
      break;
    case RTF_REJECT:
      nh.nh_flags |= NHF_REJECT;
      nh.nh_priv.rt_flags |= RTF_REJECT;
      break;
    default:
      return;
  }
  const lo = rt_loif();
  if (lo !== null) nh.nh_ifp = lo;
  nh.nh_flags &= ~NHF_GATEWAY;
  nh.nh_priv.rt_flags &= ~RTF_GATEWAY;
  nh.nh_priv.nh_neigh_family = nh.nh_priv.nh_upper_family;
  if (nh.nh_priv.nh_upper_family === AF_INET6) {
    nh_set_gw6(nh, new sockaddr_in6(in6addr_loopback));
    return;
  }
  nh.gw4_sa.sin_family = AF_INET;
  nh.gw4_sa.sin_len = 16;
  nh.gw4_sa.sin_addr = 0x7f000001;
  nh.gw4_sa.sin_port = 0;
  nh.gw_sa = nh.gw4_sa;
}

/**
 * get_aifp: the interface owning the source address.  For a loopback route
 * to one of our own addresses that is the interface named in the AF_LINK
 * gateway, not lo0.
 */
function get_aifp(nh: nhop_object): ifnet {
  let aifp: ifnet | null = null;
  if ((nh.nh_ifp.if_flags & IFF_LOOPBACK) !== 0 && "sdl_index" in nh.gw_sa) {
    aifp = ifnet_byindex(nh.gw_sa.sdl_index);
    if (aifp === null) log(LOG_DEBUG, `unable to get aifp for ${nh.nh_ifp.if_xname} index ${nh.gw_sa.sdl_index}\n`);
  }
  return aifp ?? nh.nh_ifp;
}

/** Can ifa be the source address of a nexthop in a table of family? */
function ifa_fits_family(ifa: ifaddr, family: number): boolean {
  if (family === AF_INET6) return ifa instanceof in6_ifaddr;
  return ifa instanceof in_ifaddr;
}

function set_nhop_gw_from_info(nh: nhop_object, info: rt_addrinfo): number {
  const gw = info.rti_info[RTAX_GATEWAY] as sockaddr;
  const is_gw = (info.rti_flags & RTF_GATEWAY) !== 0;
  if ("sdl_index" in gw && !is_gw) {
    const ifp = ifnet_byindex(gw.sdl_index);
    if (ifp === null) return EINVAL;
    nhop_set_direct_gw(nh, ifp);
  } else if (!nhop_set_gw(nh, gw, is_gw)) {
    return EINVAL;
  }
  return 0;
}

function set_nhop_mtu_from_info(nh: nhop_object, info: rt_addrinfo): void {
  if ((info.rti_mflags & RTV_MTU) !== 0 && info.rti_rmx !== null) nhop_set_mtu(nh, info.rti_rmx.rmx_mtu, true);
}

function set_nhop_expire_from_info(nh: nhop_object, info: rt_addrinfo): void {
  let nh_expire = 0;
  // Userland speaks wall-clock seconds, the kernel uptime seconds.
  if ((info.rti_mflags & RTV_EXPIRE) !== 0 && info.rti_rmx !== null && info.rti_rmx.rmx_expire > 0)
    nh_expire = info.rti_rmx.rmx_expire - time_second() + time_uptime();
  nh.nh_priv.nh_expire = nh_expire;
}

/** time_second: the wall clock in seconds. */
export function time_second(): number {
  return boottime_s + time_uptime();
}

function finalize_nhop(ctl: nh_control, nh: nhop_object): number {
  nh.nh_priv.nh_vnet = VIMAGE ? curvnet : vnet0;
  nh.nh_aifp = get_aifp(nh);
  nh.nh_priv.nh_finalized = true;
  if (!link_nhop(ctl, nh)) return EOPNOTSUPP;
  return 0;
}

export function nhop_get_nhop_internal(rnh: rib_head, nh: nhop_object): { error: number; nh: nhop_object | null } {
  nh.nh_aifp = get_aifp(nh);
  const error = rnh.rnh_augment_nh(rnh.rib_fibnum, nh);
  if (error !== 0) return { error, nh: null };
  const found = find_nhop(rnh.nh_control, nh);
  if (found !== null) return { error: 0, nh: found };
  const e = finalize_nhop(rnh.nh_control, nh);
  return { error: e, nh: e === 0 ? nh : null };
}

/**
 * nhop_create_from_info: the nexthop a request describes; a linked equal one
 * is shared.  Returns it referenced.
 */
export function nhop_create_from_info(rnh: rib_head, info: rt_addrinfo): { error: number; nh: nhop_object | null } {
  const gw = info.rti_info[RTAX_GATEWAY];
  if (gw === null) return { error: EINVAL, nh: null };
  const ifa = info.rti_ifa;
  const ifp = info.rti_ifp;
  if (ifa === null || ifp === null) return { error: EINVAL, nh: null };
  // Departure: a nexthop's source must be an address of the table's
  // family.  FreeBSD would fall back to the interface's link-level address
  // when the interface has none; such routes are refused here.
  if (!ifa_fits_family(ifa, rnh.rib_family)) return { error: ENETUNREACH, nh: null };
  const nh = new nhop_object(ifp, ifa);
  nh.nh_priv.nh_upper_family = rnh.rib_family;
  nh.nh_priv.nh_fibnum = rnh.rib_fibnum;
  let error = set_nhop_gw_from_info(nh, info);
  if (error !== 0) return { error, nh: null };
  nh.nh_ifp = ifp;
  nhop_set_blackhole(nh, info.rti_flags & (RTF_BLACKHOLE | RTF_REJECT));
  error = rnh.rnh_set_nh_pfxflags(rnh.rib_fibnum, info.rti_info[RTAX_DST] as sockaddr, info.rti_info[RTAX_NETMASK], nh);
  if (error !== 0) return { error, nh: null };
  nhop_set_redirect(nh, (info.rti_flags & RTF_DYNAMIC) !== 0);
  nhop_set_pinned(nh, (info.rti_flags & RTF_PINNED) !== 0);
  set_nhop_expire_from_info(nh, info);
  nhop_set_rtflags(nh, info.rti_flags);
  set_nhop_mtu_from_info(nh, info);
  nh.nh_ifa = ifa;
  return nhop_get_nhop_internal(rnh, nh);
}

/** nhop_create_from_nhop: a copy of nh_orig altered by a change request. */
export function nhop_create_from_nhop(rnh: rib_head, nh_orig: nhop_object, info: rt_addrinfo): { error: number; nh: nhop_object | null } {
  const nh = new nhop_object(nh_orig.nh_ifp, nh_orig.nh_ifa);
  nh.nh_flags = nh_orig.nh_flags;
  nh.nh_mtu = nh_orig.nh_mtu;
  nh.gw4_sa.sin_len = nh_orig.gw4_sa.sin_len;
  nh.gw4_sa.sin_family = nh_orig.gw4_sa.sin_family;
  nh.gw4_sa.sin_addr = nh_orig.gw4_sa.sin_addr;
  if (nh_orig.gw_sa === nh_orig.gw6_sa) nh_set_gw6(nh, nh_orig.gw6_sa);
  else nh.gw_sa = nh_orig.gw_sa === nh_orig.gw4_sa ? nh.gw4_sa : nh_orig.gw_sa;
  nh.nh_aifp = nh_orig.nh_aifp;
  const p = nh.nh_priv;
  const po = nh_orig.nh_priv;
  p.nh_upper_family = po.nh_upper_family;
  p.nh_neigh_family = po.nh_neigh_family;
  p.nh_type = po.nh_type;
  p.rt_flags = po.rt_flags;
  p.nh_fibnum = po.nh_fibnum;
  // alter_nhop_from_info
  set_nhop_mtu_from_info(nh, info);
  let rt_flags = p.rt_flags & ~RT_CHANGE_RTFLAGS_MASK;
  rt_flags |= info.rti_flags & RT_CHANGE_RTFLAGS_MASK;
  p.rt_flags = rt_flags;
  if (info.rti_info[RTAX_GATEWAY] !== null) {
    const error = set_nhop_gw_from_info(nh, info);
    if (error !== 0) return { error, nh: null };
  }
  if (info.rti_ifa !== null) {
    if (!ifa_fits_family(info.rti_ifa, rnh.rib_family)) return { error: ENETUNREACH, nh: null };
    nh.nh_ifa = info.rti_ifa;
  }
  if (info.rti_ifp !== null) nh.nh_ifp = info.rti_ifp;
  return nhop_get_nhop_internal(rnh, nh);
}

export function nhop_ref_object(nh: nhop_object): void {
  nh.nh_refcnt++;
}

/** nhop_free: drop a reference; the last one unlinks the nexthop. */
export function nhop_free(nh: nhop_object): void {
  if (--nh.nh_refcnt > 0) return;
  if (!nh.nh_priv.nh_finalized) return;
  const ctl = nh.nh_priv.nh_control;
  if (ctl !== null && nh.nh_priv.nh_linked) unlink_nhop(ctl, nh);
}
/** nhop_try_ref_object: a reference unless the nexthop is already going (1), else 0. */
export function nhop_try_ref_object(nh: nhop_object): number {
  if (nh.nh_refcnt <= 0) return 0;
  nh.nh_refcnt++;
  return 1;
}

/** nhop_free_any: drop a reference to a nexthop or a nexthop group. */
export function nhop_free_any(nh: rt_nhop_t): void {
  if (nh instanceof nhgrp_object) nhgrp_free(nh);
  else nhop_free(nh);
}

/** nhop_ref_any: take a reference to a nexthop or a nexthop group. */
export function nhop_ref_any(nh: rt_nhop_t): void {
  if (nh instanceof nhgrp_object) nhgrp_ref_object(nh);
  else nhop_ref_object(nh);
}

/** nhops_update_ifmtu: an interface MTU change reaches its nexthops. */
export function nhops_update_ifmtu(rh: rib_head, ifp: ifnet, mtu: number): void {
  for (const nh of rh.nh_control.nh_head) {
    if (nh.nh_ifp === ifp && ((nh.nh_priv.rt_flags & RTF_FIXEDMTU) === 0 || nh.nh_mtu > mtu)) nh.nh_mtu = mtu;
  }
}


/**
 * nhop_get_nhop: a finished nexthop for nh, in the table of its fib and
 * family (an equal linked one when there is one).  Returns it referenced.
 */
export function nhop_get_nhop(nh: nhop_object): { error: number; nh: nhop_object | null } {
  const rnh = rt_tables_get_rnh(nh.nh_priv.nh_fibnum, nh.nh_priv.nh_upper_family);
  if (rnh === null) return { error: EAFNOSUPPORT, nh: null };
  return nhop_get_nhop_internal(rnh, nh);
}

export function nhop_get_fibnum(nh: nhop_object): number {
  return nh.nh_priv.nh_fibnum;
}
export function nhop_get_upper_family(nh: nhop_object): number {
  return nh.nh_priv.nh_upper_family;
}

/** The short AF_LINK address a nexthop stores for a direct route (fill_sdl_from_ifp). */
export function fill_sdl_from_ifp(ifp: ifnet): sockaddr_dl {
  const sdl = new sockaddr_dl(ifp.if_index, ifp.if_type, "", new Uint8Array(0));
  sdl.sdl_len = 12; // sizeof(struct sockaddr_dl_short)
  return sdl;
}
