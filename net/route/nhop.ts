// sys/net/route/nhop.h, nhop_var.h, nhop.c: nexthop objects and the per-table nexthop index.
//
// A nexthop (struct nhop_object) is what the data path needs to send a
// packet: egress interface, source address, gateway, MTU.  Routes of one
// table share equal nexthops through the table's nh_control, which also
// hands out the small index (nh_idx) netstat -o shows.
//
// Departure: nh_control keeps a list and a set of used indexes instead of
// FreeBSD's hash and bitmask; there is no epoch, so a nexthop is unlinked
// as soon as its last reference drops.

import type { sockaddr } from "../../kern/socket.ts";
import type { ifaddr, ifnet } from "../if.ts";
import type { vnet } from "../vnet.ts";
import { sockaddr_in } from "../../netinet/in.ts";

import { AF_UNSPEC } from "../../kern/socket.ts";
import { RTF_PINNED, RTSTAT_INC, rts_nh_idx_alloc_failure, sa_equal } from "../route.ts";
import type { rib_head } from "./route_var.ts";
import { sockaddr_in6 } from "../../netinet6/in6_var.ts";
import { nhgrp_object, type nhgrp_priv } from "./nhgrp.ts";

// Consumer-visible nexthop flags.
export const NHF_MULTIPATH = 0x0008;
export const NHF_REJECT = 0x0010;
export const NHF_BLACKHOLE = 0x0020;
export const NHF_REDIRECT = 0x0040;
export const NHF_DEFAULT = 0x0080;
export const NHF_BROADCAST = 0x0100;
export const NHF_GATEWAY = 0x0200;
export const NHF_HOST = 0x0400;

// Nexthop request flags.
export const NHR_NONE = 0x00;
export const NHR_REF = 0x01;
export const NHR_NODEFAULT = 0x02;
export const NHR_COPY = 0x100;
export const NHR_UNLOCKED = 0x200;

/**
 * The rt_flags a nexthop keeps: RTF_GATEWAY, RTF_HOST, RTF_REJECT,
 * RTF_DYNAMIC, RTF_MODIFIED, RTF_STATIC, RTF_BLACKHOLE, RTF_PROTO1..3,
 * RTF_FIXEDMTU, RTF_PINNED, RTF_BROADCAST (literal: read before net/route.ts).
 */
export const NHOP_RT_FLAG_MASK = 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x800 | 0x1000 | 0x8000 | 0x4000 | 0x40000 | 0x80000 | 0x100000 | 0x400000;

// Nexthop types.
export const NH_TYPE_IPV4_ETHER_RSLV = 1;
export const NH_TYPE_IPV4_ETHER_NHOP = 2;
export const NH_TYPE_IPV6_ETHER_RSLV = 3;
export const NH_TYPE_IPV6_ETHER_NHOP = 4;

export class nhop_priv {
  nh_idx = 0;
  nh_upper_family = 0;
  nh_neigh_family = 0;
  nh_type = 0;
  rt_flags = 0;
  nh_fibnum = 0;
  nh_expire = 0;
  nh_linked = false;
  nh_finalized = false;
  nh_control: nh_control | null = null;
  nh_vnet: vnet | null = null;
}

/**
 * struct nhop_object: what the data path needs to send a packet on.  nh_ifa
 * is the address packets routed here take as source by default (an
 * in_ifaddr in an AF_INET table, an in6_ifaddr in an AF_INET6 one: IPv4
 * code reads it through ifatoia(), as FreeBSD's does).
 */
export class nhop_object {
  nh_flags = 0;
  nh_mtu = 0;
  nh_ifp: ifnet;
  nh_aifp: ifnet;
  nh_ifa: ifaddr;
  /** The IPv4 gateway when NHF_GATEWAY in an IPv4 nexthop (gw_sa is then this object). */
  gw4_sa: sockaddr_in;
  /** The IPv6 gateway (scope embedded) when NHF_GATEWAY with an IPv6 gateway (gw_sa is then this object). */
  gw6_sa: sockaddr_in6;
  /** gw_sa: gw4_sa, gw6_sa, or the AF_LINK address of the interface for direct routes. */
  gw_sa: sockaddr;
  /** Packets sent (nh_pksent counter). */
  nh_pksent = 0;
  /** nh_priv->nh_refcnt: references held by rtentries and NHR_REF lookups. */
  nh_refcnt = 1;
  nh_prepend: Uint8Array | null = null;
  nh_prepend_len = 0;
  readonly nh_priv = new nhop_priv();

  constructor(ifp: ifnet, ifa: ifaddr) {
    this.nh_ifp = ifp;
    this.nh_aifp = ifp;
    this.nh_ifa = ifa;
    this.gw4_sa = new sockaddr_in(0);
    this.gw4_sa.sin_len = 0;
    this.gw4_sa.sin_family = AF_UNSPEC;
    this.gw6_sa = new sockaddr_in6();
    this.gw6_sa.sin6_len = 0;
    this.gw6_sa.sin6_family = AF_UNSPEC;
    this.gw_sa = this.gw4_sa;
  }
}

/** struct nh_control: the nexthops of one table, shared between its routes. */
export class nh_control {
  nh_head: nhop_object[] = [];
  /** Indexes in use (nh_idx), for the smallest-free allocation FreeBSD's bitmask does. */
  nh_idx_used = new Set<number>();
  /** The table's nexthop groups (nhgrp.ts); null until the first multipath request. */
  gr_head: nhgrp_priv[] | null = null;
  /** Group indexes in use (nhg_idx). */
  gr_idx_used = new Set<number>();
  constructor(readonly ctl_rh: rib_head) {}
}

/** struct weightened_nhop: a group member and its weight (storage: scratch for sorting weights). */
export class weightened_nhop {
  storage = 0;
  constructor(
    public nh: nhop_object,
    public weight: number,
  ) {}
}

/** What a route points at: a nexthop, or a nexthop group (multipath). */
export type rt_nhop_t = nhop_object | nhgrp_object;

/** NH_IS_NHGRP: is this a nexthop group (NHF_MULTIPATH set)? */
export function NH_IS_NHGRP(nh: rt_nhop_t): nh is nhgrp_object {
  return nh instanceof nhgrp_object;
}

/**
 * nhop_select(nh, flowid): the nexthop a packet of flow flowid takes: nh
 * itself, or for a group the member in slot flowid % nhg_size of its
 * precomputed slot array.
 */
export function nhop_select(nh: rt_nhop_t, flowid: number): nhop_object {
  if (nh instanceof nhgrp_object) return nh.nhops[(flowid >>> 0) % nh.nhg_size];
  return nh;
}
export function NH_IS_PINNED(nh: rt_nhop_t): boolean {
  if (nh instanceof nhgrp_object) return false;
  return (nh.nh_priv.rt_flags & RTF_PINNED) !== 0;
}

export function cmp_nhop(a: nhop_object, b: nhop_object): boolean {
  if (a.nh_flags !== b.nh_flags || a.nh_mtu !== b.nh_mtu || a.nh_ifp !== b.nh_ifp || a.nh_aifp !== b.nh_aifp || a.nh_ifa !== b.nh_ifa) return false;
  if (!sa_equal(a.gw_sa, b.gw_sa)) return false;
  const pa = a.nh_priv;
  const pb = b.nh_priv;
  return (
    pa.nh_upper_family === pb.nh_upper_family &&
    pa.nh_neigh_family === pb.nh_neigh_family &&
    pa.nh_type === pb.nh_type &&
    pa.rt_flags === pb.rt_flags &&
    pa.nh_fibnum === pb.nh_fibnum &&
    pa.nh_expire === pb.nh_expire
  );
}

/** find_nhop: an equal linked nexthop, referenced. */
export function find_nhop(ctl: nh_control, nh: nhop_object): nhop_object | null {
  for (const n of ctl.nh_head) {
    if (cmp_nhop(n, nh) && n.nh_refcnt > 0) {
      n.nh_refcnt++;
      return n;
    }
  }
  return null;
}

export function link_nhop(ctl: nh_control, nh: nhop_object): boolean {
  let idx = 1;
  while (ctl.nh_idx_used.has(idx)) idx++;
  if (idx > 0xffff) {
    RTSTAT_INC(rts_nh_idx_alloc_failure);
    return false;
  }
  ctl.nh_idx_used.add(idx);
  nh.nh_priv.nh_idx = idx;
  nh.nh_priv.nh_control = ctl;
  nh.nh_priv.nh_linked = true;
  ctl.nh_head.push(nh);
  return true;
}

export function unlink_nhop(ctl: nh_control, nh: nhop_object): void {
  const i = ctl.nh_head.indexOf(nh);
  if (i >= 0) ctl.nh_head.splice(i, 1);
  ctl.nh_idx_used.delete(nh.nh_priv.nh_idx);
  nh.nh_priv.nh_linked = false;
}
