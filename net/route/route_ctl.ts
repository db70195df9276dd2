// sys/net/route/route_ctl.c, route_ctl.h: adding, deleting and changing routes (the control plane).
//
// rib_action() is what route(8) (through rtsock), interface addresses and
// ICMP redirects go through.  RTM_ADD runs rib_add_route -> add_route_byinfo
// (the rtentry and its nexthop) -> add_route_flags (insert, or settle with
// the route already there); RTM_DELETE runs rib_del_route ->
// rt_delete_conditional -> delete_route; RTM_CHANGE runs rib_change_route ->
// change_route_byinfo -> change_route_conditional, retried while another
// change races it.  A kernel interface route (RTF_PINNED) outranks a user
// route: it replaces one on add, and a user request may not delete it.
//
// Tables of both families (AF_INET and AF_INET6) go through the same code;
// the prefix a request names is told apart by its sockaddr's layout.
// Subscribers (rib_subscribe_internal) hear of every change as it is made
// (RIB_NOTIFY_IMMEDIATE) and after the request is done (RIB_NOTIFY_DELAYED).
//
// Multipath (options ROUTE_MPATH, net.route.multipath): a second gateway
// for a prefix joins the first in a nexthop group (nhgrp_ctl.ts); deleting
// with a gateway takes that member out, and RTM_CHANGE with a gateway
// changes that member.  rc_nh_old/rc_nh_new are then groups, which
// rib_decompose_notification (route_helpers.ts) splits into per-member
// changes for route sockets.
//
// Departure: no epoch: an unlinked entry's nexthop reference drops at
// once (rt_free).

import { EADDRINUSE, EAFNOSUPPORT, EAGAIN, EEXIST, EINVAL, ENOENT, EOPNOTSUPP, ESRCH } from "../../kern/errno.ts";
import { AF_LINK, AF_UNSPEC, type sockaddr } from "../../kern/socket.ts";
import { panic } from "../../kern/subr_prf.ts";
import { rib4_addaddr, rib4_lookup, rib6_addaddr, rib6_lookup, rib_deladdr_rt, rib_walktree, rt6_words, rt_mask2plen, rt_masks } from "../radix.ts";

import {
  NHF_GATEWAY,
  NHF_MULTIPATH,
  NHF_REDIRECT,
  NH_IS_NHGRP,
  NH_IS_PINNED,
  weightened_nhop,
  type nhop_object,
  type rt_nhop_t,
} from "./nhop.ts";
import { nhgrp_get_addition_group, nhgrp_get_filtered_group, nhgrp_get_group, nhgrp_get_nhops } from "./nhgrp_ctl.ts";
import { V_fib_hash_outbound, V_fib_hash_outbound_set } from "./mpath_ctl.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_INT, VNET_I32 } from "../vnet.ts";
import { nhop_create_from_info, nhop_create_from_nhop, nhop_free, nhop_free_any, nhop_get_expire } from "./nhop_ctl.ts";
import {
  RTAX_DST,
  RTAX_GATEWAY,
  RTAX_IFA,
  RTAX_IFP,
  RTAX_NETMASK,
  RTF_GATEWAY,
  RTF_HOST,
  RTF_PINNED,
  RTF_UP,
  RTM_ADD,
  RTM_CHANGE,
  RTM_DELETE,
  RTSTAT_INC,
  RTV_WEIGHT,
  RT_DEFAULT_WEIGHT,
  rts_add_retry,
  RT_MAX_WEIGHT,
  rt_addrinfo,
  rt_getifa_fib,
  rt_routemsg,
  sa_equal,
  sa_family,
  type rib_filter_f_t,
} from "../route.ts";
import { rt_alloc, rt_free } from "./route_rtentry.ts";
import { tmproutes_update } from "./route_temporal.ts";
import { V_rt_numfibs, rt_tables_get_rnh } from "./route_tables.ts";
import { RIB_MAX_RETRIES, type rib_head, type rtentry } from "./route_var.ts";
import { in6_mask2len } from "../../netinet6/in6_var.ts";

/** struct rib_cmd_info: what a change did. */
export class rib_cmd_info {
  rc_cmd = 0;
  rc_rt: rtentry | null = null;
  /** The nexthop or group before the change. */
  rc_nh_old: rt_nhop_t | null = null;
  /** The nexthop or group after it. */
  rc_nh_new: rt_nhop_t | null = null;
  rc_nh_weight = 0;
}

/** struct route_nhop_data: a nexthop and its weight. */
export class route_nhop_data {
  /** A nexthop, or a group (FreeBSD's rnd_nhgrp shares the slot). */
  rnd_nhop: rt_nhop_t | null = null;
  rnd_weight = 0;
}

// add_route_flags() op_flags.
/** Create the prefix when it is not there. */
export const RTM_F_CREATE = 0x01;
/** Fail when the prefix is there. */
export const RTM_F_EXCL = 0x02;
/** Replace the prefix's nexthop unless it outranks ours. */
export const RTM_F_REPLACE = 0x04;
/** Join the prefix's nexthops (multipath). */
export const RTM_F_APPEND = 0x08;
/** A kernel route: overrides lower-priority ones. */
export const RTM_F_FORCE = 0x10;

// Route priorities: kernel interface routes (RTF_PINNED) over the rest.
const NH_PRIORITY_HIGH = 2;
const NH_PRIORITY_NORMAL = 1;

function get_rnh(fibnum: number, info: rt_addrinfo): rib_head | null {
  if (fibnum < 0 || fibnum >= V_rt_numfibs()) panic("rib_add_route: bad fibnum");
  const dst = info.rti_info[RTAX_DST] as sockaddr;
  return rt_tables_get_rnh(fibnum, sa_family(dst));
}

function get_info_weight(info: rt_addrinfo, default_weight: number): number {
  let weight = (info.rti_mflags & RTV_WEIGHT) !== 0 && info.rti_rmx !== null ? info.rti_rmx.rmx_weight : default_weight;
  if (weight > RT_MAX_WEIGHT) weight = RT_MAX_WEIGHT;
  return weight;
}

function get_prio_from_info(info: rt_addrinfo): number {
  return (info.rti_flags & RTF_PINNED) !== 0 ? NH_PRIORITY_HIGH : NH_PRIORITY_NORMAL;
}

function nhop_get_prio(nh: rt_nhop_t): number {
  return NH_IS_PINNED(nh) ? NH_PRIORITY_HIGH : NH_PRIORITY_NORMAL;
}

/** V_rib_route_multipath: net.route.multipath, per vnet (options ROUTE_MPATH: writable, on; registered in net/route.ts beside its node). */
export const rib_route_multipath = VNET_DEFINE_INT("rib_route_multipath", 1);
export function V_rib_route_multipath(): number {
  return VNET_I32(rib_route_multipath);
}

/** rib_can_multipath: net.route.multipath of the table's vnet. */
function rib_can_multipath(rh: rib_head): boolean {
  const saved = CURVNET_SET(rh.rib_vnet);
  const result = V_rib_route_multipath() !== 0;
  CURVNET_RESTORE(saved);
  return result;
}

/** nhop_can_multipath: groups, and nexthops with a gateway that are no redirect, may be paths of a group. */
export function nhop_can_multipath(nh: rt_nhop_t): boolean {
  if (NH_IS_NHGRP(nh)) return true;
  if ((nh.nh_flags & NHF_MULTIPATH) !== 0) return true;
  if ((nh.nh_flags & NHF_GATEWAY) === 0) return false;
  if ((nh.nh_flags & NHF_REDIRECT) !== 0) return false;
  return true;
}

/** match_nhop_gw: does gw name nh's gateway? */
export function match_nhop_gw(nh: nhop_object, gw: sockaddr): boolean {
  if (sa_family(nh.gw_sa) !== sa_family(gw)) return false;
  if ("sin_addr" in gw) return nh.gw4_sa.sin_addr === gw.sin_addr;
  if ("sdl_index" in gw && "sdl_index" in nh.gw_sa) return nh.gw_sa.sdl_index === gw.sdl_index;
  return sa_equal(nh.gw_sa, gw);
}

/** rib_match_gw: a rib_filter_f_t picking the nexthops through the gateway in arg. */
export const rib_match_gw: rib_filter_f_t = (_rt, nh, gw) => (match_nhop_gw(nh, gw as sockaddr) ? 1 : 0);

/** struct gw_filter_data: match_gw_one's state. */
class gw_filter_data {
  count = 0;
  constructor(readonly gw: sockaddr) {}
}

/** match_gw_one: the first nexthop through the gateway only (rtsock wants one answer). */
const match_gw_one: rib_filter_f_t = (_rt, nh, arg) => {
  const gwd = arg as gw_filter_data;
  return match_nhop_gw(nh, gwd.gw) && gwd.count++ === 0 ? 1 : 0;
};

/** check_info_match_nhop: 0, ESRCH (another gateway), ENOENT (the filter said no). */
export function check_info_match_nhop(info: rt_addrinfo, rt: rtentry | null, nh: nhop_object): number {
  const gw = info.rti_info[RTAX_GATEWAY];
  if (info.rti_filter !== null) {
    if (rt === null || info.rti_filter(rt, nh, info.rti_filterdata) === 0) return ENOENT;
    return 0;
  }
  if (gw !== null && !match_nhop_gw(nh, gw)) return ESRCH;
  return 0;
}

/**
 * The prefix a request names, dst masked (rt_maskedcopy): for IPv4 dst and
 * plen (32 without a netmask), for IPv6 the four words of the address
 * (zone embedded) in key6 and plen (128 without a netmask); plen -1 for a
 * non-contiguous mask or one of another family.
 */
class info_pfx {
  dst = 0;
  key6: Int32Array | null = null;
  plen = 0;
}
function info_prefix(dst: sockaddr | null, mask: sockaddr | null): info_pfx {
  const p = new info_pfx();
  if (dst !== null && "sin6_addr" in dst) {
    const key = rt6_words(dst.sin6_addr.s6_addr, new Int32Array(4));
    let plen = 128;
    if (mask !== null) plen = "sin6_addr" in mask ? in6_mask2len(mask.sin6_addr) : -1;
    p.key6 = key;
    p.plen = plen;
    return p;
  }
  const a = dst !== null && "sin_addr" in dst ? dst.sin_addr : 0;
  if (mask === null || !("sin_addr" in mask)) {
    p.dst = a >>> 0;
    p.plen = 32;
    return p;
  }
  p.plen = rt_mask2plen(mask.sin_addr);
  p.dst = p.plen < 0 ? a >>> 0 : (a & rt_masks[p.plen]) >>> 0;
  return p;
}

/** rnh_lookup: the entry of exactly the prefix p, whatever the family. */
function lookup_pfx(rnh: rib_head, p: info_pfx): rtentry | null {
  if (p.plen < 0) return null;
  if (p.key6 !== null) return rib6_lookup(rnh, p.key6[0], p.key6[1], p.key6[2], p.key6[3], p.plen);
  return rib4_lookup(rnh, p.dst, p.plen);
}

/** lookup_prefix_bysa: the entry for exactly (dst, netmask), its nexthop and weight in rnd. */
function lookup_prefix_bysa(rnh: rib_head, dst: sockaddr | null, netmask: sockaddr | null, rnd: route_nhop_data): rtentry | null {
  const rt = lookup_pfx(rnh, info_prefix(dst, netmask));
  rnd.rnd_nhop = rt === null ? null : rt.rt_nhop;
  rnd.rnd_weight = rt === null ? 0 : rt.rt_weight;
  return rt;
}

/** lookup_prefix_rt: the table's entry for rt's prefix. */
export function lookup_prefix_rt(rnh: rib_head, rt: rtentry, rnd: route_nhop_data): rtentry | null {
  const k = rt.rt_key6;
  const rt_new = k !== null ? rib6_lookup(rnh, k[0], k[1], k[2], k[3], rt.rt_plen) : rib4_lookup(rnh, rt.rt_dst, rt.rt_plen);
  rnd.rnd_nhop = rt_new === null ? null : rt_new.rt_nhop;
  rnd.rnd_weight = rt_new === null ? 0 : rt_new.rt_weight;
  return rt_new;
}

/** lookup_prefix: the entry for exactly the prefix info names. */
export function lookup_prefix(rnh: rib_head, info: rt_addrinfo, rnd: route_nhop_data): rtentry | null {
  return lookup_prefix_bysa(rnh, info.rti_info[RTAX_DST], info.rti_info[RTAX_NETMASK], rnd);
}

function rib_cmd_info_reset(rc: rib_cmd_info): void {
  rc.rc_cmd = 0;
  rc.rc_rt = null;
  rc.rc_nh_old = null;
  rc.rc_nh_new = null;
  rc.rc_nh_weight = 0;
}

/** rib_add_route: add the route in info to fib fibnum. */
export function rib_add_route(fibnum: number, info: rt_addrinfo, rc: rib_cmd_info): number {
  const rnh = get_rnh(fibnum, info);
  if (rnh === null) return EAFNOSUPPORT;
  // RTF_HOST and a netmask exclude each other.
  if ((info.rti_flags & RTF_HOST) !== 0) info.rti_info[RTAX_NETMASK] = null;
  else if (info.rti_info[RTAX_NETMASK] === null) return EINVAL;
  rib_cmd_info_reset(rc);
  rc.rc_cmd = RTM_ADD;
  return add_route_byinfo(rnh, info, rc);
}

/** add_route_byinfo: the entry and nexthop info describes, then add_route_flags. */
function add_route_byinfo(rnh: rib_head, info: rt_addrinfo, rc: rib_cmd_info): number {
  const dst = info.rti_info[RTAX_DST];
  const gateway = info.rti_info[RTAX_GATEWAY];
  const netmask = info.rti_info[RTAX_NETMASK];
  if (dst === null) return EINVAL;
  if ((info.rti_flags & RTF_GATEWAY) !== 0 && gateway === null) return EINVAL;
  if (gateway !== null && sa_family(dst) !== sa_family(gateway) && sa_family(gateway) !== AF_UNSPEC && sa_family(gateway) !== AF_LINK)
    return EINVAL;
  // Radix would take a non-contiguous mask; the stand-in cannot (net/radix.ts).
  if (info_prefix(dst, netmask).plen < 0) return EINVAL;
  if (info.rti_ifa === null) {
    const error = rt_getifa_fib(info, rnh.rib_fibnum);
    if (error !== 0) return error;
  }
  if (info.rti_ifp === null && info.rti_ifa !== null) info.rti_ifp = info.rti_ifa.ifa_ifp;
  // Departure: the nexthop comes before the entry, which is never without one here.
  const r = nhop_create_from_info(rnh, info);
  if (r.error !== 0 || r.nh === null) return r.error;
  const rt = rt_alloc(rnh, dst, netmask, r.nh);
  if (rt === null) {
    nhop_free(r.nh);
    return EINVAL;
  }
  const rnd_add = new route_nhop_data();
  rnd_add.rnd_nhop = r.nh;
  rnd_add.rnd_weight = get_info_weight(info, RT_DEFAULT_WEIGHT);
  let op_flags = RTM_F_CREATE;
  if (get_prio_from_info(info) === NH_PRIORITY_HIGH) op_flags |= RTM_F_FORCE;
  else op_flags |= RTM_F_APPEND;
  return add_route_flags(rnh, rt, rnd_add, op_flags, rc);
}

/**
 * add_route_flags: insert rt with the nexthop in rnd_add, or, when the
 * prefix is there, replace or fail as op_flags say.  The nexthop reference
 * in rnd_add is consumed either way.
 */
export function add_route_flags(rnh: rib_head, rt: rtentry, rnd_add: route_nhop_data, op_flags: number, rc: rib_cmd_info): number {
  let nh = rnd_add.rnd_nhop;
  const rnd_orig = new route_nhop_data();
  const rt_orig = lookup_prefix_rt(rnh, rt, rnd_orig);
  let error = 0;
  if (rt_orig === null) {
    if ((op_flags & RTM_F_CREATE) !== 0) error = add_route(rnh, rt, rnd_add, rc);
    else error = ESRCH;
    if (error === 0) return 0;
  } else if ((op_flags & RTM_F_EXCL) !== 0) {
    error = EEXIST;
  } else if (
    (op_flags & RTM_F_REPLACE) !== 0 ||
    ((op_flags & RTM_F_FORCE) !== 0 && nhop_get_prio(rnd_orig.rnd_nhop as rt_nhop_t) < nhop_get_prio(rnd_add.rnd_nhop as rt_nhop_t))
  ) {
    if (nhop_get_prio(rnd_orig.rnd_nhop as rt_nhop_t) > nhop_get_prio(rnd_add.rnd_nhop as rt_nhop_t)) {
      // The route there outranks ours (RTF_PINNED).
      error = EEXIST;
    } else {
      change_route(rnh, rt_orig, rnd_add, rc);
      nh = rc.rc_nh_old;
    }
  } else if (
    (op_flags & RTM_F_APPEND) !== 0 &&
    rib_can_multipath(rnh) &&
    rnd_add.rnd_nhop !== null &&
    rnd_orig.rnd_nhop !== null &&
    nhop_can_multipath(rnd_add.rnd_nhop) &&
    nhop_can_multipath(rnd_orig.rnd_nhop)
  ) {
    for (let i = 0; i < RIB_MAX_RETRIES; i++) {
      error = add_route_flags_mpath(rnh, rt_orig, rnd_add, rnd_orig, op_flags, rc);
      if (error !== EAGAIN) break;
      RTSTAT_INC(rts_add_retry);
    }
    // The group holds its own references; ours on the new nexthop goes.
  } else {
    error = EEXIST;
  }
  if (nh !== null) nhop_free_any(nh);
  return error;
}

/**
 * add_route_flags_mpath: join the nexthop in rnd_add to the prefix's
 * path(s) in rnd_orig, as a nexthop group.  The first group of a vnet
 * turns on flowid hashing of locally originated packets.
 */
function add_route_flags_mpath(rnh: rib_head, rt: rtentry, rnd_add: route_nhop_data, rnd_orig: route_nhop_data, op_flags: number, rc: rib_cmd_info): number {
  const rnd_new = new route_nhop_data();
  let error = nhgrp_get_addition_group(rnh, rnd_orig, rnd_add, rnd_new);
  if (error !== 0) {
    if (error === EAGAIN) {
      // The group could not be made, most likely because rnd_orig is going: look again.
      lookup_prefix_rt(rnh, rt, rnd_orig);
      if (rnd_orig.rnd_nhop === null && (op_flags & RTM_F_CREATE) === 0) error = ENOENT;
    }
    return error;
  }
  error = change_route_conditional(rnh, rt, rnd_orig, rnd_new, rc);
  if (error !== 0) return error;
  if (V_fib_hash_outbound() === 0 && rc.rc_nh_new !== null && NH_IS_NHGRP(rc.rc_nh_new)) {
    // (FreeBSD says so under bootverbose only, which is off here.)
    V_fib_hash_outbound_set(1);
  }
  return 0;
}

/** rib_del_route: delete the route info names from fib fibnum. */
export function rib_del_route(fibnum: number, info: rt_addrinfo, rc: rib_cmd_info): number {
  const rnh = get_rnh(fibnum, info);
  if (rnh === null) return EAFNOSUPPORT;
  rib_cmd_info_reset(rc);
  rc.rc_cmd = RTM_DELETE;
  const dst = info.rti_info[RTAX_DST];
  const netmask = info.rti_info[RTAX_NETMASK];
  if (info_prefix(dst, netmask).plen < 0) return EINVAL;
  let filter_func: rib_filter_f_t | null = null;
  let filter_arg: unknown = null;
  const gw = info.rti_info[RTAX_GATEWAY];
  if (info.rti_filter !== null) {
    filter_func = info.rti_filter;
    filter_arg = info.rti_filterdata;
  } else if (gw !== null) {
    filter_func = match_gw_one;
    filter_arg = new gw_filter_data(gw);
  }
  const prio = get_prio_from_info(info);
  const rnd = new route_nhop_data();
  const rt = lookup_prefix_bysa(rnh, dst, netmask, rnd);
  const error = rt !== null ? rt_delete_conditional(rnh, rt, prio, filter_func, filter_arg, rc) : ESRCH;
  if (error !== 0) return error;
  if (rc.rc_cmd === RTM_DELETE && rc.rc_rt !== null) rt_free(rc.rc_rt);
  // Taking one path out is an RTM_CHANGE to a smaller group or a lone nexthop: the old group goes.
  else if (rc.rc_nh_old !== null) nhop_free_any(rc.rc_nh_old);
  return 0;
}

/**
 * rt_delete_conditional: unlink rt if the filter picks its nexthop and prio
 * may remove it.  ESRCH: the filter declined; EADDRINUSE: a kernel route a
 * user may not delete.
 */
function rt_delete_conditional(rnh: rib_head, rt: rtentry, prio: number, cb: rib_filter_f_t | null, cbdata: unknown, rc: rib_cmd_info): number {
  const nh = rt.rt_nhop;
  if (NH_IS_NHGRP(nh)) {
    // A group loses the paths the filter picks; without a filter (no gateway) nothing.
    if (cb === null) return ESRCH;
    const rnd = new route_nhop_data();
    let error = nhgrp_get_filtered_group(rnh, rt, nh, cb, cbdata, rnd);
    if (error === 0) {
      if (rnd.rnd_nhop === nh) {
        // Nothing matched.
        nhop_free_any(nh);
        return ESRCH;
      }
      error = change_route(rnh, rt, rnd, rc);
    }
    return error;
  }
  if (cb !== null && cb(rt, nh, cbdata) === 0) return ESRCH;
  if (prio < nhop_get_prio(nh)) return EADDRINUSE;
  return delete_route(rnh, rt, rc);
}

/** rib_change_route: RTM_CHANGE. */
export function rib_change_route(fibnum: number, info: rt_addrinfo, rc: rib_cmd_info): number {
  const rnh = get_rnh(fibnum, info);
  if (rnh === null) return EAFNOSUPPORT;
  rib_cmd_info_reset(rc);
  rc.rc_cmd = RTM_CHANGE;
  // route(8) sets RTF_GATEWAY unless -interface; no gateway means none.
  if ((info.rti_flags & RTF_GATEWAY) !== 0 && info.rti_info[RTAX_GATEWAY] === null) info.rti_flags &= ~RTF_GATEWAY;
  const p = info_prefix(info.rti_info[RTAX_DST], info.rti_info[RTAX_NETMASK]);
  if (p.plen < 0) return EINVAL;
  const rt = lookup_pfx(rnh, p);
  if (rt === null) return ESRCH;
  const rnd_orig = new route_nhop_data();
  rnd_orig.rnd_nhop = rt.rt_nhop;
  rnd_orig.rnd_weight = rt.rt_weight;
  let error = 0;
  for (let i = 0; i < RIB_MAX_RETRIES; i++) {
    error = change_route_byinfo(rnh, rt, info, rnd_orig, rc);
    if (error !== EAGAIN) break;
  }
  return error;
}

/** change_nhop: nh_orig altered as info says (a new source address if the gateway or interface moved). */
function change_nhop(rnh: rib_head, info: rt_addrinfo, nh_orig: nhop_object): { error: number; nh: nhop_object | null } {
  const ifa_sa = info.rti_info[RTAX_IFA];
  if (
    ((nh_orig.nh_flags & NHF_GATEWAY) !== 0 && info.rti_info[RTAX_GATEWAY] !== null) ||
    info.rti_info[RTAX_IFP] !== null ||
    (ifa_sa !== null && !sa_equal(ifa_sa, nh_orig.nh_ifa.ifa_addr))
  ) {
    const error = rt_getifa_fib(info, rnh.rib_fibnum);
    if (error !== 0) {
      info.rti_ifa = null;
      return { error, nh: null };
    }
  }
  const r = nhop_create_from_nhop(rnh, nh_orig, info);
  info.rti_ifa = null;
  return r;
}

function change_route_byinfo(rnh: rib_head, rt: rtentry, info: rt_addrinfo, rnd_orig: route_nhop_data, rc: rib_cmd_info): number {
  const nh_orig = rnd_orig.rnd_nhop;
  if (nh_orig === null) return ESRCH;
  if (NH_IS_NHGRP(nh_orig)) return change_mpath_route(rnh, rt, info, rnd_orig, rc);
  const rnd_new = new route_nhop_data();
  rnd_new.rnd_weight = get_info_weight(info, rnd_orig.rnd_weight);
  const r = change_nhop(rnh, info, nh_orig);
  if (r.error !== 0) return r.error;
  rnd_new.rnd_nhop = r.nh;
  return change_route_conditional(rnh, rt, rnd_orig, rnd_new, rc);
}

/**
 * change_mpath_route: RTM_CHANGE of a multipath prefix changes the first
 * path info matches (by gateway), keeping the others.
 */
function change_mpath_route(rnh: rib_head, rt: rtentry, info: rt_addrinfo, rnd_orig: route_nhop_data, rc: rib_cmd_info): number {
  const grp = rnd_orig.rnd_nhop;
  if (grp === null || !NH_IS_NHGRP(grp)) return ESRCH;
  const wn = nhgrp_get_nhops(grp);
  let nh_orig: nhop_object | null = null;
  let found_idx = 0;
  for (let i = 0; i < wn.length; i++) {
    if (check_info_match_nhop(info, null, wn[i].nh) === 0) {
      nh_orig = wn[i].nh;
      found_idx = i;
      break;
    }
  }
  if (nh_orig === null) return ESRCH;
  const r = change_nhop(rnh, info, nh_orig);
  if (r.error !== 0 || r.nh === null) return r.error;
  const wn_new = wn.map((w) => new weightened_nhop(w.nh, w.weight));
  wn_new[found_idx].nh = r.nh;
  wn_new[found_idx].weight = get_info_weight(info, wn[found_idx].weight);
  const rnd_new = new route_nhop_data();
  const error = nhgrp_get_group(rnh, wn_new, 0, rnd_new);
  nhop_free(r.nh);
  if (error !== 0) return error;
  return change_route_conditional(rnh, rt, rnd_orig, rnd_new, rc);
}

/** add_route: link rt, carrying the nexthop in rnd, into the table. */
function add_route(rnh: rib_head, rt: rtentry, rnd: route_nhop_data, rc: rib_cmd_info): number {
  const nh = rnd.rnd_nhop as rt_nhop_t;
  rt.rt_nhop = nh;
  rt.rt_weight = rnd.rnd_weight;
  if (!(rt.rt_key6 !== null ? rib6_addaddr(rnh, rt) : rib4_addaddr(rnh, rt))) return EEXIST;
  if (!NH_IS_NHGRP(nh) && nhop_get_expire(nh) > 0) tmproutes_update(rnh, rt, nh);
  rnh.rnh_gen++;
  rnh.rnh_prefixes++;
  rc.rc_cmd = RTM_ADD;
  rc.rc_rt = rt;
  rc.rc_nh_old = null;
  rc.rc_nh_new = rnd.rnd_nhop;
  rc.rc_nh_weight = rnd.rnd_weight;
  rib_notify(rnh, RIB_NOTIFY_IMMEDIATE, rc);
  return 0;
}

/** delete_route: unlink rt, whatever its nexthop. */
function delete_route(rnh: rib_head, rt: rtentry, rc: rib_cmd_info): number {
  if (rib_deladdr_rt(rnh, rt) === null) return ESRCH;
  rt.rte_flags &= ~RTF_UP;
  rnh.rnh_gen++;
  rnh.rnh_prefixes--;
  rc.rc_cmd = RTM_DELETE;
  rc.rc_rt = rt;
  rc.rc_nh_old = rt.rt_nhop;
  rc.rc_nh_new = null;
  rc.rc_nh_weight = rt.rt_weight;
  rib_notify(rnh, RIB_NOTIFY_IMMEDIATE, rc);
  return 0;
}

/** change_route: switch rt to the nexthop and weight in rnd (none: delete rt). */
export function change_route(rnh: rib_head, rt: rtentry, rnd: route_nhop_data, rc: rib_cmd_info): number {
  const nh_orig = rt.rt_nhop;
  if (rnd.rnd_nhop === null) return delete_route(rnh, rt, rc);
  const nh = rnd.rnd_nhop;
  rt.rt_nhop = nh;
  rt.rt_weight = rnd.rnd_weight;
  if (!NH_IS_NHGRP(nh) && nhop_get_expire(nh) > 0) tmproutes_update(rnh, rt, nh);
  rnh.rnh_gen++;
  rc.rc_cmd = RTM_CHANGE;
  rc.rc_rt = rt;
  rc.rc_nh_old = nh_orig;
  rc.rc_nh_new = rnd.rnd_nhop;
  rc.rc_nh_weight = rnd.rnd_weight;
  rib_notify(rnh, RIB_NOTIFY_IMMEDIATE, rc);
  return 0;
}

/**
 * change_route_conditional: apply rnd_new if rt's prefix still has the
 * nexthop in rnd_orig; EAGAIN (rnd_orig refreshed) when it moved.  The
 * reference in rnd_new is consumed.
 */
export function change_route_conditional(rnh: rib_head, rt: rtentry, rnd_orig: route_nhop_data, rnd_new: route_nhop_data, rc: rib_cmd_info): number {
  let error = 0;
  const rnd = new route_nhop_data();
  const rt_new = lookup_prefix_rt(rnh, rt, rnd);
  if (rt_new === null) {
    if (rnd_orig.rnd_nhop === null) error = add_route(rnh, rt, rnd_new, rc);
    else {
      rnd_orig.rnd_nhop = null;
      rnd_orig.rnd_weight = 0;
      error = EAGAIN;
    }
  } else if (rnd_orig.rnd_nhop === rt_new.rt_nhop) {
    error = change_route(rnh, rt_new, rnd_new, rc);
  } else {
    rnd_orig.rnd_nhop = rt_new.rt_nhop;
    rnd_orig.rnd_weight = rt_new.rt_weight;
    error = EAGAIN;
  }
  if (error === 0) {
    if (rnd_orig.rnd_nhop !== null) nhop_free_any(rnd_orig.rnd_nhop);
  } else if (rnd_new.rnd_nhop !== null) {
    nhop_free_any(rnd_new.rnd_nhop);
  }
  return error;
}

/**
 * rib_action(fibnum, RTM_ADD|RTM_DELETE|RTM_CHANGE, info, rc): change fib
 * fibnum of curvnet as info says.  Returns 0 with the outcome in rc, or an
 * errno.
 */
export function rib_action(fibnum: number, action: number, info: rt_addrinfo, rc: rib_cmd_info = new rib_cmd_info()): number {
  let error: number;
  switch (action) {
    case RTM_ADD:
      error = rib_add_route(fibnum, info, rc);
      break;
    case RTM_DELETE:
      error = rib_del_route(fibnum, info, rc);
      break;
    case RTM_CHANGE:
      error = rib_change_route(fibnum, info, rc);
      break;
    default:
      return EOPNOTSUPP;
  }
  if (error === 0 && rc.rc_rt !== null) {
    const rnh = get_rnh(fibnum, info);
    if (rnh !== null) rib_notify(rnh, RIB_NOTIFY_DELAYED, rc);
  }
  return error;
}

// ---------------------------------------------------------------------------
// route_subscription.c: who hears of a table's changes.

export const RIB_NOTIFY_IMMEDIATE = 1;
export const RIB_NOTIFY_DELAYED = 2;

export type rib_subscription_cb_t = (rnh: rib_head, rc: rib_cmd_info, arg: unknown) => void;

/** struct rib_subscription: one callback on one table. */
export class rib_subscription {
  constructor(
    readonly rnh: rib_head,
    readonly rs_callback: rib_subscription_cb_t,
    readonly rs_cbdata: unknown,
    readonly rs_type: number,
  ) {}
}

/** rib_subscribe_internal: f hears of rnh's changes of the given type. */
export function rib_subscribe_internal(rnh: rib_head, f: rib_subscription_cb_t, arg: unknown, type: number, _waitok: boolean): rib_subscription {
  const rs = new rib_subscription(rnh, f, arg, type);
  rnh.rnh_subscribers.push(rs);
  return rs;
}

/** rib_unsubscribe: it stops. */
export function rib_unsubscribe(rs: rib_subscription): void {
  const l = rs.rnh.rnh_subscribers;
  const i = l.indexOf(rs);
  if (i >= 0) l.splice(i, 1);
}

/** rib_notify: tell the table's subscribers of this type what rc did. */
export function rib_notify(rnh: rib_head, type: number, rc: rib_cmd_info): void {
  const l = rnh.rnh_subscribers;
  if (l.length === 0) return;
  for (const rs of l.slice()) if (rs.rs_type === type) rs.rs_callback(rnh, rc, rs.rs_cbdata);
}

/** struct rt_delinfo: rib_walk_del's state across the walk. */
class rt_delinfo {
  head: rtentry | null = null;
  readonly rc = new rib_cmd_info();
  constructor(
    readonly rnh: rib_head,
    readonly filter_f: rib_filter_f_t,
    readonly filter_arg: unknown,
    readonly prio: number,
  ) {}
}

/** rt_checkdelroute: unlink rt if the filter picks it, chaining it for rib_walk_del. */
function rt_checkdelroute(rt: rtentry, di: rt_delinfo): number {
  if (rt_delete_conditional(di.rnh, rt, di.prio, di.filter_f, di.filter_arg, di.rc) !== 0) return 0;
  if (di.rc.rc_cmd === RTM_DELETE) {
    rt.rt_chain = di.head;
    di.head = rt;
  } else if (di.rc.rc_nh_old !== null) {
    // RTM_CHANGE to fewer paths: the old group goes.
    nhop_free_any(di.rc.rc_nh_old);
  }
  return 0;
}

/**
 * rib_walk_del: delete every entry of (fibnum, family) the filter picks,
 * reporting each to route sockets when asked.
 */
export function rib_walk_del(fibnum: number, family: number, filter_f: rib_filter_f_t, filter_arg: unknown, report: boolean): void {
  const rnh = rt_tables_get_rnh(fibnum, family);
  if (rnh === null) return;
  const di = new rt_delinfo(rnh, filter_f, filter_arg, NH_PRIORITY_NORMAL);
  rib_walktree(rnh, (rt) => rt_checkdelroute(rt, di));
  // rt_chain stacks the unlinked entries; report them in the walk's order.
  const deleted: rtentry[] = [];
  while (di.head !== null) {
    const rt: rtentry = di.head;
    di.head = rt.rt_chain;
    rt.rt_chain = null;
    deleted.push(rt);
  }
  for (let i = deleted.length - 1; i >= 0; i--) {
    const rt = deleted[i];
    const nh = rt.rt_nhop;
    if (report) {
      if (NH_IS_NHGRP(nh)) for (const w of nhgrp_get_nhops(nh)) rt_routemsg(RTM_DELETE, rt, w.nh, fibnum);
      else rt_routemsg(RTM_DELETE, rt, nh, fibnum);
    }
    rt_free(rt);
  }
}

/** rt_delete_unconditional: unlink rt, no questions, no messages. */
function rt_delete_unconditional(rt: rtentry, rnh: rib_head): number {
  if (rib_deladdr_rt(rnh, rt) === rt) rt_free(rt);
  return 0;
}

/** rib_flush_routes: empty one table without telling anyone. */
function rib_flush_routes(rnh: rib_head): void {
  rib_walktree(rnh, (rt) => rt_delete_unconditional(rt, rnh));
}

/** rib_flush_routes_family: drop every route of a family, no messages. */
export function rib_flush_routes_family(family: number): void {
  const n = V_rt_numfibs();
  for (let fibnum = 0; fibnum < n; fibnum++) {
    const rnh = rt_tables_get_rnh(fibnum, family);
    if (rnh !== null) rib_flush_routes(rnh);
  }
}
