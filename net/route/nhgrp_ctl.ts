// sys/net/route/nhgrp_ctl.c: making nexthop groups and compiling their slot arrays.
//
// get_nhgrp() is where every group comes from: the members are sorted by
// nexthop index, checked for duplicates (EEXIST), given a slot array sized
// by calc_min_mpath_slots() and filled by compile_nhgrp(); an equal group
// already in the table is returned instead of the new one.  The callers
// build the member list: nhgrp_get_addition_group() (one more gateway for
// a prefix), nhgrp_get_filtered_group() (the members a filter leaves) and
// nhgrp_get_group() (RTM_CHANGE of one member).
//
// Departure (FreeBSD 15's behaviour, which the routing tests expect): a
// member whose interface is down keeps its place in the control plane
// (netstat, route get) but gets no slot while another member's interface
// is up; nhgrp_ifnet_event() recompiles the slot arrays of the groups an
// interface belongs to when it goes down or up.  Nothing is done per packet.

import { EAGAIN, E2BIG, EEXIST, ENOMEM } from "../../kern/errno.ts";
import { AF_INET, AF_INET6 } from "../../kern/socket.ts";
import { IFF_UP, IFNET_EVENT_DOWN, IFNET_EVENT_UP, ifnet_event, type ifnet } from "../if.ts";
import { CURVNET_RESTORE, CURVNET_SET } from "../vnet.ts";
import { V_rt_numfibs, rt_tables_get_rnh } from "./route_tables.ts";
import { weightened_nhop, type nh_control, type nhop_object } from "./nhop.ts";
import { nhop_free, nhop_try_ref_object } from "./nhop_ctl.ts";
import type { route_nhop_data } from "./route_ctl.ts";
import type { rib_head, rtentry } from "./route_var.ts";
import type { rib_filter_f_t } from "../route.ts";
import {
  MPF_MULTIPATH,
  NHGRP_PRIV,
  RIB_MAX_MPATH_WIDTH,
  find_nhgrp,
  link_nhgrp,
  nhgrp_ctl_alloc_default,
  nhgrp_object,
  unlink_nhgrp,
  type nhgrp_priv,
} from "./nhgrp.ts";

/** sort_weightened_nhops: by nexthop index, ascending. */
function sort_weightened_nhops(wn: weightened_nhop[]): void {
  wn.sort((a, b) => a.nh.nh_priv.nh_idx - b.nh.nh_priv.nh_idx);
}

/** sort_weightened_nhops_weights: the weights, ascending, into .storage (insertion sort). */
function sort_weightened_nhops_weights(wn: weightened_nhop[]): void {
  wn[0].storage = wn[0].weight;
  for (let i = 1; i < wn.length; i++) {
    const weight = wn[i].weight;
    let j = i - 1;
    for (; j >= 0 && wn[j].storage > weight; j--) wn[j + 1].storage = wn[j].storage;
    wn[j + 1].storage = weight;
  }
}

/**
 * calc_min_mpath_slots_fast: the fewest slots that keep the weights'
 * ratios exactly when they are multiples of their smallest step
 * ((1,100),(2,200) -> 3), with the total weight; 0 slots when no such
 * count exists.
 */
function calc_min_mpath_slots_fast(wn: weightened_nhop[]): { slots: number; total: number } {
  sort_weightened_nhops_weights(wn);
  let last = 0;
  let xmin = wn[0].storage;
  let total = 0;
  for (let i = 0; i < wn.length; i++) {
    const w = wn[i].storage;
    total += w;
    if (w !== last && (w - last < xmin || xmin === 0)) xmin = w - last;
    last = w;
  }
  if (xmin === 0 || total % xmin !== 0) return { slots: 0, total };
  for (let i = 0; i < wn.length; i++) if (wn[i].weight % xmin !== 0) return { slots: 0, total };
  return { slots: total / xmin, total };
}

/** calc_min_mpath_slots: that count, or RIB_MAX_MPATH_WIDTH when it is none or too many; 0 for all-zero weights. */
export function calc_min_mpath_slots(wn: weightened_nhop[]): number {
  const r = calc_min_mpath_slots_fast(wn);
  if (r.total === 0) return 0;
  if (r.slots === 0 || r.slots > RIB_MAX_MPATH_WIDTH) return RIB_MAX_MPATH_WIDTH;
  return r.slots;
}

/** The weight a member gets slots by: none while its interface is down and another's is up. */
function nhgrp_slot_weight(w: weightened_nhop, any_up: boolean, down_ifp: ifnet | null): number {
  if (!any_up) return w.weight;
  return nh_ifp_is_up(w.nh, down_ifp) ? w.weight : 0;
}

function nh_ifp_is_up(nh: nhop_object, down_ifp: ifnet | null): boolean {
  return nh.nh_ifp !== down_ifp && (nh.nh_ifp.if_flags & IFF_UP) !== 0;
}

/**
 * compile_nhgrp: fill the slots of the group in proportion to the
 * members' weights, in member order ([(A,200),(B,100)] -> [A, A, B]).
 * down_ifp is an interface about to go down (if_down tells before it
 * clears IFF_UP).
 */
export function compile_nhgrp(dst_priv: nhgrp_priv, down_ifp: ifnet | null = null): void {
  const dst = dst_priv.nhg;
  const x = dst_priv.nhg_nh_weights;
  const num_slots = dst.nhg_size;
  let any_up = false;
  for (let i = 0; i < dst_priv.nhg_nh_count; i++) if (nh_ifp_is_up(x[i].nh, down_ifp)) any_up = true;
  let remaining_sum = 0;
  for (let i = 0; i < dst_priv.nhg_nh_count; i++) remaining_sum += nhgrp_slot_weight(x[i], any_up, down_ifp);
  let remaining_slots = num_slots;
  let slot_idx = 0;
  for (let i = 0; i < dst_priv.nhg_nh_count; i++) {
    const w = nhgrp_slot_weight(x[i], any_up, down_ifp);
    let nh_slots = remaining_sum > 0 ? Math.floor((w * remaining_slots) / remaining_sum) : 0;
    remaining_sum -= w;
    remaining_slots -= nh_slots;
    if (slot_idx + nh_slots > num_slots) throw new Error("index overflow during nhg compilation");
    while (nh_slots-- > 0) dst.nhops[slot_idx++] = x[i].nh;
  }
}

/** alloc_nhgrp: a new, unlinked group of the (sorted) members, not referencing them; null for all-zero weights. */
function alloc_nhgrp(wn: weightened_nhop[]): nhgrp_priv | null {
  const nhgrp_size = calc_min_mpath_slots(wn);
  if (nhgrp_size === 0) return null;
  const members = wn.map((w) => new weightened_nhop(w.nh, w.weight));
  const nhg = new nhgrp_object(nhgrp_size, members);
  nhg.nhg_flags = MPF_MULTIPATH;
  const priv = NHGRP_PRIV(nhg);
  compile_nhgrp(priv);
  return priv;
}

export function nhgrp_ref_object(nhg: nhgrp_object): void {
  NHGRP_PRIV(nhg).nhg_refcount++;
}

/** nhgrp_free: drop a reference; the last one unlinks the group and releases its members. */
export function nhgrp_free(nhg: nhgrp_object): void {
  const priv = NHGRP_PRIV(nhg);
  if (--priv.nhg_refcount > 0) return;
  if (priv.nhg_linked > 1) {
    priv.nhg_linked--;
    const ctl = priv.nh_control;
    if (ctl === null || unlink_nhgrp(ctl, priv) === null) return;
  }
  destroy_nhgrp(priv);
}

function destroy_nhgrp(priv: nhgrp_priv): void {
  free_nhgrp_nhops(priv);
}

/** ref_nhgrp_nhops: reference every member, or none if one is already going. */
function ref_nhgrp_nhops(priv: nhgrp_priv): boolean {
  for (let i = 0; i < priv.nhg_nh_count; i++) {
    if (nhop_try_ref_object(priv.nhg_nh_weights[i].nh) !== 0) continue;
    for (let j = 0; j < i; j++) nhop_free(priv.nhg_nh_weights[j].nh);
    return false;
  }
  return true;
}

function free_nhgrp_nhops(priv: nhgrp_priv): void {
  for (let i = 0; i < priv.nhg_nh_count; i++) nhop_free(priv.nhg_nh_weights[i].nh);
}

/**
 * get_nhgrp: the linked group of these members (made and linked if the
 * table has none), referenced; or an errno: E2BIG (too many), EEXIST (the
 * same nexthop twice), ENOMEM (all-zero weights), EAGAIN (a member is
 * being deleted, or no index is left).
 */
function get_nhgrp(ctl: nh_control, wn: weightened_nhop[], uidx: number): { error: number; priv: nhgrp_priv | null } {
  if (wn.length > RIB_MAX_MPATH_WIDTH) return { error: E2BIG, priv: null };
  if (ctl.gr_head === null && !nhgrp_ctl_alloc_default(ctl)) return { error: ENOMEM, priv: null };
  sort_weightened_nhops(wn);
  let last_id = 0;
  for (let i = 0; i < wn.length; i++) {
    if (wn[i].nh.nh_priv.nh_idx === last_id) return { error: EEXIST, priv: null };
    last_id = wn[i].nh.nh_priv.nh_idx;
  }
  const key = alloc_nhgrp(wn);
  if (key === null) return { error: ENOMEM, priv: null };
  key.nhg_uidx = uidx;
  const found = find_nhgrp(ctl, key);
  if (found !== null) return { error: 0, priv: found };
  if (!ref_nhgrp_nhops(key)) return { error: EAGAIN, priv: null };
  if (link_nhgrp(ctl, key) === 0) {
    free_nhgrp_nhops(key);
    return { error: EAGAIN, priv: null };
  }
  return { error: 0, priv: key };
}

/** append_nhops: the group of gr_orig's members and wn's, referenced. */
function append_nhops(ctl: nh_control, gr_orig: nhgrp_object, wn: weightened_nhop[]): { error: number; priv: nhgrp_priv | null } {
  const src = NHGRP_PRIV(gr_orig);
  const pnhops: weightened_nhop[] = [];
  for (let i = 0; i < src.nhg_nh_count; i++) pnhops.push(new weightened_nhop(src.nhg_nh_weights[i].nh, src.nhg_nh_weights[i].weight));
  for (const w of wn) pnhops.push(new weightened_nhop(w.nh, w.weight));
  return get_nhgrp(ctl, pnhops, 0);
}

/** nhgrp_get_group: the group of the members in wn, referenced, into pnhg. */
export function nhgrp_get_group(rh: rib_head, wn: weightened_nhop[], uidx: number, rnd: route_nhop_data): number {
  const r = get_nhgrp(rh.nh_control, wn, uidx);
  if (r.priv !== null) rnd.rnd_nhop = r.priv.nhg;
  return r.error;
}

/**
 * nhgrp_get_filtered_group: src without the members flt_func picks, into
 * rnd: nothing (rnd_nhop null) when none is left, the lone nexthop (with
 * its weight) when one is, else a group.  Referenced.
 */
export function nhgrp_get_filtered_group(
  rh: rib_head,
  rt: rtentry,
  src: nhgrp_object,
  flt_func: rib_filter_f_t,
  flt_data: unknown,
  rnd: route_nhop_data,
): number {
  const src_priv = NHGRP_PRIV(src);
  const pnhops: weightened_nhop[] = [];
  for (let i = 0; i < src_priv.nhg_nh_count; i++) {
    const w = src_priv.nhg_nh_weights[i];
    if (flt_func(rt, w.nh, flt_data) !== 0) continue;
    pnhops.push(new weightened_nhop(w.nh, w.weight));
  }
  let error = 0;
  if (pnhops.length === 0) {
    rnd.rnd_nhop = null;
    rnd.rnd_weight = 0;
  } else if (pnhops.length === 1) {
    rnd.rnd_nhop = pnhops[0].nh;
    rnd.rnd_weight = pnhops[0].weight;
    if (nhop_try_ref_object(pnhops[0].nh) === 0) error = EAGAIN;
  } else {
    const r = get_nhgrp(rh.nh_control, pnhops, 0);
    error = r.error;
    if (r.priv !== null) rnd.rnd_nhop = r.priv.nhg;
    rnd.rnd_weight = 0;
  }
  return error;
}

/**
 * nhgrp_get_addition_group: the group of rnd_orig's path(s) and the
 * nexthop in rnd_add, into rnd_new, referenced.
 */
export function nhgrp_get_addition_group(rh: rib_head, rnd_orig: route_nhop_data, rnd_add: route_nhop_data, rnd_new: route_nhop_data): number {
  const ctl = rh.nh_control;
  const orig = rnd_orig.rnd_nhop;
  const add = rnd_add.rnd_nhop;
  if (add === null || add instanceof nhgrp_object) return EAGAIN;
  if (orig === null) {
    rnd_new.rnd_nhop = add;
    rnd_new.rnd_weight = rnd_add.rnd_weight;
    if (nhop_try_ref_object(add) === 0) return EAGAIN;
    return 0;
  }
  const wn0 = new weightened_nhop(add, rnd_add.rnd_weight);
  let r: { error: number; priv: nhgrp_priv | null };
  if (!(orig instanceof nhgrp_object)) r = get_nhgrp(ctl, [wn0, new weightened_nhop(orig, rnd_orig.rnd_weight)], 0);
  else r = append_nhops(ctl, orig, [wn0]);
  if (r.priv === null) return r.error;
  rnd_new.rnd_nhop = r.priv.nhg;
  rnd_new.rnd_weight = 0;
  return 0;
}

/** nhgrp_get_nhops: the members of nhg with their weights (sorted by nexthop index). */
export function nhgrp_get_nhops(nhg: nhgrp_object): readonly weightened_nhop[] {
  return NHGRP_PRIV(nhg).nhg_nh_weights;
}

export function nhgrp_get_uidx(nhg: nhgrp_object): number {
  return NHGRP_PRIV(nhg).nhg_uidx;
}

export function nhgrp_get_idx(nhg: nhgrp_object): number {
  return NHGRP_PRIV(nhg).nhg_idx;
}

/** nhgrp_get_count: how many groups the table has. */
export function nhgrp_get_count(rh: rib_head): number {
  return rh.nh_control.gr_head === null ? 0 : rh.nh_control.gr_head.length;
}

/** nhgrp_print_buf: "nhg#33/sz=3:[#1:100,#2:100,#3:100]". */
export function nhgrp_print_buf(nhg: nhgrp_object): string {
  const priv = NHGRP_PRIV(nhg);
  const parts = priv.nhg_nh_weights.map((w) => `#${w.nh.nh_priv.nh_idx}:${w.weight}`);
  return `nhg#${priv.nhg_idx}/sz=${priv.nhg_nh_count}:[${parts.join(",")}]`;
}

/**
 * nhgrp_ifnet_event(rh, ifp, down): ifp goes down (or came up); the
 * groups of rh with a member on it get their slots recompiled.
 */
export function nhgrp_ifnet_event(rh: rib_head, ifp: ifnet, down: boolean): void {
  const head = rh.nh_control.gr_head;
  if (head === null) return;
  for (const priv of head) {
    let has = false;
    for (const w of priv.nhg_nh_weights) if (w.nh.nh_ifp === ifp) has = true;
    if (has) compile_nhgrp(priv, down ? ifp : null);
  }
}

/** The ifnet_event handler: the groups of every table of the interface's vnet follow it down and up. */
function nhgrp_ifnet_event_cb(ifp: ifnet, event: number): void {
  if (event !== IFNET_EVENT_DOWN && event !== IFNET_EVENT_UP) return;
  const saved = CURVNET_SET(ifp.if_vnet);
  const n = V_rt_numfibs();
  for (let fibnum = 0; fibnum < n; fibnum++) {
    for (const af of [AF_INET, AF_INET6]) {
      const rh = rt_tables_get_rnh(fibnum, af);
      if (rh !== null) nhgrp_ifnet_event(rh, ifp, event === IFNET_EVENT_DOWN);
    }
  }
  CURVNET_RESTORE(saved);
}
ifnet_event.push(nhgrp_ifnet_event_cb);
