// sys/net/route/nhgrp.c, nhgrp_var.h (and route_var.h's struct nhgrp_object): the nexthop groups of a table.
//
// A multipath route (options ROUTE_MPATH) points at a nexthop group instead
// of a nexthop.  The group has two faces: the data path's, nhgrp_object,
// an array of nhg_size slots each holding one member, filled in proportion
// to the members' weights so that flowid % nhg_size picks a member with one
// index; and the control plane's, nhgrp_priv, the members with their
// weights, sorted by nexthop index.  Groups are shared between the routes
// of a table through its nh_control, like nexthops, and carry their own
// small index (nhg_idx).
//
// Departures: nh_control keeps the groups in a list instead of FreeBSD's
// hash, and there is no epoch: a group is unlinked and its members
// released as soon as its last reference drops.

import type { nh_control, nhop_object, weightened_nhop } from "./nhop.ts";

/** MPF_MULTIPATH: the flag telling a group from a nexthop (NHF_MULTIPATH's value). */
export const MPF_MULTIPATH = 0x08;
/** RIB_MAX_MPATH_WIDTH: most members (and slots) a group has. */
export const RIB_MAX_MPATH_WIDTH = 64;

/**
 * struct nhgrp_object: what the data path reads of a group.  nhops holds
 * nhg_size slots; nhop_select() indexes it with the packet's flowid.
 */
export class nhgrp_object {
  nhg_flags = MPF_MULTIPATH;
  nhg_size: number;
  readonly nhops: nhop_object[];
  readonly nhg_priv: nhgrp_priv;
  constructor(nhg_size: number, wn: weightened_nhop[]) {
    this.nhg_size = nhg_size;
    this.nhops = new Array<nhop_object>(nhg_size);
    this.nhg_priv = new nhgrp_priv(this, wn);
  }
}

/** struct nhgrp_priv: the control plane's side of a group. */
export class nhgrp_priv {
  nhg_idx = 0;
  nhg_uidx = 0;
  nhg_origin = 0;
  /** Number of members (nhg_nh_weights.length). */
  nhg_nh_count: number;
  nhg_refcount = 1;
  /** 2 while linked to nh_control (see nhgrp_free). */
  nhg_linked = 2;
  nh_control: nh_control | null = null;
  /** The members and their weights, sorted by nexthop index. */
  readonly nhg_nh_weights: weightened_nhop[];
  constructor(
    readonly nhg: nhgrp_object,
    wn: weightened_nhop[],
  ) {
    this.nhg_nh_count = wn.length;
    this.nhg_nh_weights = wn;
  }
}

/** NHGRP_PRIV(nhg). */
export function NHGRP_PRIV(nhg: nhgrp_object): nhgrp_priv {
  return nhg.nhg_priv;
}

/** cmp_nhgrp: same members with the same weights, same user index. */
function cmp_nhgrp(a: nhgrp_priv, b: nhgrp_priv): boolean {
  if (a.nhg_uidx !== b.nhg_uidx || a.nhg_nh_count !== b.nhg_nh_count) return false;
  for (let i = 0; i < a.nhg_nh_count; i++) {
    const wa = a.nhg_nh_weights[i];
    const wb = b.nhg_nh_weights[i];
    if (wa.nh !== wb.nh || wa.weight !== wb.weight) return false;
  }
  return true;
}

/** nhgrp_ctl_alloc_default: the group store of ctl, made on the first multipath request. */
export function nhgrp_ctl_alloc_default(ctl: nh_control): boolean {
  if (ctl.gr_head === null) ctl.gr_head = [];
  return true;
}

/** find_nhgrp: a linked group equal to key, referenced; null if none. */
export function find_nhgrp(ctl: nh_control, key: nhgrp_priv): nhgrp_priv | null {
  if (ctl.gr_head === null) return null;
  for (const p of ctl.gr_head) {
    if (cmp_nhgrp(p, key) && p.nhg_refcount > 0) {
      p.nhg_refcount++;
      return p;
    }
  }
  return null;
}

/** link_nhgrp: give the group the smallest free index and link it; 0 when out of indexes. */
export function link_nhgrp(ctl: nh_control, grp_priv: nhgrp_priv): number {
  if (ctl.gr_head === null) return 0;
  let idx = 1;
  while (ctl.gr_idx_used.has(idx)) idx++;
  if (idx > 0xffff) return 0;
  ctl.gr_idx_used.add(idx);
  grp_priv.nhg_idx = idx;
  grp_priv.nh_control = ctl;
  ctl.gr_head.push(grp_priv);
  return 1;
}

/** unlink_nhgrp: take the group out of ctl; null if it was not there. */
export function unlink_nhgrp(ctl: nh_control, key: nhgrp_priv): nhgrp_priv | null {
  if (ctl.gr_head === null) return null;
  const i = ctl.gr_head.indexOf(key);
  if (i < 0) return null;
  ctl.gr_head.splice(i, 1);
  ctl.gr_idx_used.delete(key.nhg_idx);
  key.nhg_idx = 0;
  return key;
}

/** nhgrp_ctl_unlink_all: the table is going; its groups let go of it. */
export function nhgrp_ctl_unlink_all(ctl: nh_control): void {
  if (ctl.gr_head === null) return;
  for (const p of ctl.gr_head) {
    p.nhg_linked--;
    p.nhg_idx = 0;
  }
  ctl.gr_head.length = 0;
  ctl.gr_idx_used.clear();
}
