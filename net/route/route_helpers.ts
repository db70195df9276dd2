// sys/net/route/route_helpers.c: walking tables and looking routes up for the control plane.

import { ENOENT } from "../../kern/errno.ts";
import { AF_MAX, AF_UNSPEC, type sockaddr } from "../../kern/socket.ts";
import { sockaddr_in } from "../../netinet/in.ts";
import { fib4_lookup } from "../../netinet/in_fib.ts";
import { rib4_matchaddr, rib6_matchaddr, rib_walktree, rt6_words } from "../radix.ts";

import { fib6_lookup } from "../../netinet6/in6_fib.ts";
import { RTM_ADD, RTM_CHANGE, RTM_DELETE, RTAX_DST, RTAX_GATEWAY, RTAX_NETMASK, RTA_DST, RTA_GATEWAY, RTA_NETMASK, RTV_MTU, RT_LINK_IS_UP, sa_family, type rib_filter_f_t, type rt_addrinfo } from "../route.ts";
import { NH_IS_NHGRP, nhop_select, type nhop_object, type rt_nhop_t } from "./nhop.ts";
import { nhgrp_get_nhops } from "./nhgrp_ctl.ts";
import { nhop_get_rtflags } from "./nhop_ctl.ts";
import { rib_cmd_info, rib_walk_del } from "./route_ctl.ts";
import { rt_get_inet6_prefix_pmask, rt_is_host } from "./route_rtentry.ts";
import { V_rt_numfibs, rt_tables_get_rnh } from "./route_tables.ts";
import type { rtentry } from "./route_var.ts";
import { IN6_IS_SCOPE_LINKLOCAL, in6_addr, in6_addr_copy, s6_addr16, s6_addr16_set, sockaddr_in6 } from "../../netinet6/in6_var.ts";

/** rib_walk: call f for every entry of (fibnum, family). */
export function rib_walk(fibnum: number, family: number, f: (rt: rtentry, arg: unknown) => number, arg: unknown): void {
  const rnh = rt_tables_get_rnh(fibnum, family);
  if (rnh !== null) rib_walktree(rnh, (rt) => f(rt, arg));
}

/** rib_foreach_table_walk_del: rib_walk_del over every fib (and every family for AF_UNSPEC). */
export function rib_foreach_table_walk_del(family: number, filter_f: rib_filter_f_t, arg: unknown): void {
  const n = V_rt_numfibs();
  for (let fibnum = 0; fibnum < n; fibnum++) {
    if (family !== AF_UNSPEC) {
      rib_walk_del(fibnum, family, filter_f, arg, false);
      continue;
    }
    for (let i = 1; i <= AF_MAX; i++) rib_walk_del(fibnum, i, filter_f, arg, false);
  }
}

/**
 * rib_lookup(fibnum, dst, flags, flowid): the family-independent lookup the
 * control plane uses.
 */
export function rib_lookup(fibnum: number, dst: sockaddr, flags: number, flowid: number): nhop_object | null {
  if ("sin_addr" in dst) return fib4_lookup(fibnum, dst.sin_addr, 0, flags, flowid);
  if ("sin6_addr" in dst) {
    // The control plane's addresses carry the zone embedded: take it out
    // into scopeid, as fib6_lookup wants.
    const a = new in6_addr();
    in6_addr_copy(a, dst.sin6_addr);
    let scopeid = dst.sin6_scope_id;
    if (IN6_IS_SCOPE_LINKLOCAL(a)) {
      if (scopeid === 0) scopeid = s6_addr16(a, 1);
      s6_addr16_set(a, 1, 0);
    }
    return fib6_lookup(fibnum, a, scopeid, flags, flowid);
  }
  return null;
}

/**
 * rib_lookup_info: longest match for dst exported into info (gateway,
 * netmask, flags, interface), as route_output's gateway check wants.
 * ENOENT when nothing usable matches.
 */
export function rib_lookup_info(fibnum: number, dst: sockaddr, _flags: number, flowid: number, info: rt_addrinfo): number {
  const rh = rt_tables_get_rnh(fibnum, sa_family(dst));
  if (rh === null) return ENOENT;
  let rt: rtentry | null = null;
  if ("sin_addr" in dst) rt = rib4_matchaddr(rh, dst.sin_addr);
  else if ("sin6_addr" in dst) {
    const w = rt6_words(dst.sin6_addr.s6_addr, new Int32Array(4));
    rt = rib6_matchaddr(rh, w[0], w[1], w[2], w[3]);
  }
  if (rt === null) return ENOENT;
  const nh = nhop_select(rt.rt_nhop, flowid);
  if (!RT_LINK_IS_UP(nh.nh_ifp)) return ENOENT;
  if (rt.rt_key6 !== null) {
    const p = rt_get_inet6_prefix_pmask(rt);
    info.rti_info[RTAX_DST] = new sockaddr_in6(p.addr, 0, p.scopeid);
    if (!rt_is_host(rt)) info.rti_info[RTAX_NETMASK] = new sockaddr_in6(p.mask);
  } else {
    info.rti_info[RTAX_DST] = new sockaddr_in(rt.rt_dst);
    if (!rt_is_host(rt)) info.rti_info[RTAX_NETMASK] = new sockaddr_in(rt.rt_mask);
  }
  info.rti_addrs |= RTA_DST;
  if (!rt_is_host(rt)) info.rti_addrs |= RTA_NETMASK;
  info.rti_info[RTAX_GATEWAY] = nh.gw_sa;
  info.rti_addrs |= RTA_GATEWAY;
  if (info.rti_rmx !== null) {
    info.rti_mflags |= RTV_MTU;
    info.rti_rmx.rmx_mtu = nh.nh_mtu;
  }
  info.rti_flags = rt.rte_flags | nhop_get_rtflags(nh);
  info.rti_ifp = nh.nh_ifp;
  info.rti_ifa = nh.nh_ifa;
  return 0;
}


export type route_notification_t = (rc: rib_cmd_info, cbdata: unknown) => void;

/**
 * rib_decompose_notification(rc, cb, cbdata): a change whose old or new
 * side is a nexthop group, told as the changes of single paths: one
 * RTM_ADD per path a new group brings, one RTM_DELETE per path a deleted
 * group had, and for RTM_CHANGE an RTM_ADD per path only the new side has
 * and an RTM_DELETE per path only the old side has.  A change with no
 * group on either side is not passed on.
 */
export function rib_decompose_notification(rc: rib_cmd_info, cb: route_notification_t, cbdata: unknown): void {
  const rc_new = new rib_cmd_info();
  const copy = (): void => {
    rc_new.rc_cmd = rc.rc_cmd;
    rc_new.rc_rt = rc.rc_rt;
    rc_new.rc_nh_old = rc.rc_nh_old;
    rc_new.rc_nh_new = rc.rc_nh_new;
    rc_new.rc_nh_weight = rc.rc_nh_weight;
  };
  copy();
  switch (rc.rc_cmd) {
    case RTM_ADD: {
      const nh = rc.rc_nh_new;
      if (nh === null || !NH_IS_NHGRP(nh)) return;
      for (const w of nhgrp_get_nhops(nh)) {
        rc_new.rc_nh_new = w.nh;
        rc_new.rc_nh_weight = w.weight;
        cb(rc_new, cbdata);
      }
      break;
    }
    case RTM_DELETE: {
      const nh = rc.rc_nh_old;
      if (nh === null || !NH_IS_NHGRP(nh)) return;
      for (const w of nhgrp_get_nhops(nh)) {
        rc_new.rc_nh_old = w.nh;
        rc_new.rc_nh_weight = w.weight;
        cb(rc_new, cbdata);
      }
      break;
    }
    case RTM_CHANGE: {
      const o = rc.rc_nh_old;
      const n = rc.rc_nh_new;
      if ((o === null || !NH_IS_NHGRP(o)) && (n === null || !NH_IS_NHGRP(n))) return;
      decompose_change_notification(rc, cb, cbdata);
      break;
    }
  }
}

/** The paths of one side of a change with their weights, sorted by nexthop index. */
function change_side(nh: rt_nhop_t | null, weight: number): { nh: nhop_object; weight: number }[] {
  if (nh === null) return [];
  if (!NH_IS_NHGRP(nh)) return [{ nh, weight }];
  return nhgrp_get_nhops(nh).map((w) => ({ nh: w.nh, weight: w.weight }));
}

/** decompose_change_notification: walk both sides in nexthop order, reporting what each lacks of the other. */
function decompose_change_notification(rc: rib_cmd_info, cb: route_notification_t, cbdata: unknown): void {
  const wn_old = change_side(rc.rc_nh_old, rc.rc_nh_weight).sort((a, b) => a.nh.nh_priv.nh_idx - b.nh.nh_priv.nh_idx);
  const wn_new = change_side(rc.rc_nh_new, rc.rc_nh_weight).sort((a, b) => a.nh.nh_priv.nh_idx - b.nh.nh_priv.nh_idx);
  const rc_new = new rib_cmd_info();
  rc_new.rc_rt = rc.rc_rt;
  let i = 0;
  let j = 0;
  const add = (w: { nh: nhop_object; weight: number }): void => {
    rc_new.rc_cmd = RTM_ADD;
    rc_new.rc_nh_old = null;
    rc_new.rc_nh_new = w.nh;
    rc_new.rc_nh_weight = w.weight;
    cb(rc_new, cbdata);
  };
  const del = (w: { nh: nhop_object; weight: number }): void => {
    rc_new.rc_cmd = RTM_DELETE;
    rc_new.rc_nh_old = w.nh;
    rc_new.rc_nh_new = null;
    rc_new.rc_nh_weight = w.weight;
    cb(rc_new, cbdata);
  };
  while (i < wn_new.length && j < wn_old.length) {
    const a = wn_new[i];
    const b = wn_old[j];
    if (a.nh === b.nh) {
      i++;
      j++;
    } else if (a.nh.nh_priv.nh_idx < b.nh.nh_priv.nh_idx) {
      add(a);
      i++;
    } else {
      del(b);
      j++;
    }
  }
  for (; i < wn_new.length; i++) add(wn_new[i]);
  for (; j < wn_old.length; j++) del(wn_old[j]);
}
