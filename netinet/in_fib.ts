// sys/netinet/in_fib.c, sys/netinet/in_rmx.c: IPv4 lookups in the routing
// tables (fib4_lookup and friends, the data path), and the IPv4 table hooks
// (in_inithead with rib4_set_nh_pfxflags / rib4_augment_nh, in_ifadown).

import { AF_INET, type sockaddr } from "../kern/socket.ts";
import { panic } from "../kern/subr_prf.ts";
import type { ifaddr, ifnet } from "../net/if.ts";
import { RTF_STATIC, RT_LINK_IS_UP, rts_unreach, RTSTAT_INC, type rib_filter_f_t } from "../net/route.ts";
import { rib4_matchaddr } from "../net/radix.ts";
import { NH_IS_NHGRP, NH_TYPE_IPV4_ETHER_NHOP, NH_TYPE_IPV4_ETHER_RSLV, NHF_DEFAULT, NHF_GATEWAY, NHF_HOST, NHR_NODEFAULT, NHR_REF, nhop_select, type nhop_object, type rt_nhop_t } from "../net/route/nhop.ts";
import { nhgrp_get_nhops } from "../net/route/nhgrp_ctl.ts";
import { MPATH_ENTROPY_KEY_LEN, mpath_entropy_key } from "../net/route/mpath_ctl.ts";
import { toeplitz_hash } from "../net/toeplitz.ts";
import { nhop_get_rtflags, nhop_get_type, nhop_set_broadcast, nhop_set_pxtype_flag, nhop_set_type } from "../net/route/nhop_ctl.ts";
import type { route_nhop_data } from "../net/route/route_ctl.ts";
import { rib_foreach_table_walk_del } from "../net/route/route_helpers.ts";
import { V_rt_numfibs, rt_table_destroy, rt_table_init, rt_tables_get_rnh } from "../net/route/route_tables.ts";
import type { rib_head, rtentry } from "../net/route/route_var.ts";
import { IFA_ROUTE } from "../net/if.ts";
import { in_broadcast } from "./in.ts";

/**
 * fib4_lookup(fibnum, dst, scopeid, flags, flowid): the nexthop for dst
 * (host order) in fib fibnum of curvnet, or NULL when there is no route or
 * its interface's link is down (rts_unreach counted).  NHR_REF takes a
 * reference the caller drops with nhop_free.  Allocates nothing.
 */
export function fib4_lookup(fibnum: number, dst: number, _scopeid: number, flags: number, flowid: number): nhop_object | null {
  if (fibnum >= V_rt_numfibs()) panic("fib4_lookup: bad fibnum");
  const rh = rt_tables_get_rnh(fibnum, AF_INET);
  if (rh === null) return null;
  const rt = rib4_matchaddr(rh, dst);
  if (rt !== null) {
    const nh = nhop_select(rt.rt_nhop, flowid);
    if (RT_LINK_IS_UP(nh.nh_ifp)) {
      if ((flags & NHR_REF) !== 0) nh.nh_refcnt++;
      return nh;
    }
  }
  RTSTAT_INC(rts_unreach);
  return null;
}

function check_urpf_nhop(nh: nhop_object, flags: number, src_if: ifnet | null): number {
  if (src_if !== null && nh.nh_aifp === src_if) return 1;
  if (src_if === null) {
    if ((flags & NHR_NODEFAULT) === 0) return 1;
    else if ((nh.nh_flags & NHF_DEFAULT) === 0) return 1;
  }
  return 0;
}

/**
 * fib4_check_urpf: reverse path check.  With src_if, 1 if the route back to
 * dst leaves through it; without, 1 if any route (not the default one with
 * NHR_NODEFAULT) exists.
 */
export function fib4_check_urpf(fibnum: number, dst: number, _scopeid: number, flags: number, src_if: ifnet | null): number {
  if (fibnum >= V_rt_numfibs()) panic("fib4_check_urpf: bad fibnum");
  const rh = rt_tables_get_rnh(fibnum, AF_INET);
  if (rh === null) return 0;
  const rt = rib4_matchaddr(rh, dst);
  if (rt !== null) return check_urpf(rt.rt_nhop, flags, src_if);
  return 0;
}

/** check_urpf: any path of nh passes. */
function check_urpf(nh: rt_nhop_t, flags: number, src_if: ifnet | null): number {
  if (NH_IS_NHGRP(nh)) {
    for (const w of nhgrp_get_nhops(nh)) if (check_urpf_nhop(w.nh, flags, src_if) !== 0) return 1;
    return 0;
  }
  return check_urpf_nhop(nh, flags, src_if);
}

/** struct _hash_5tuple_ipv4: src, dst, sport, dport, proto, 3 spare bytes; scratch, filled per call. */
const hash4_data = new Uint8Array(16);
/** M_HASHTYPE_OPAQUE_HASH: a software hash with no RSS meaning. */
export const M_HASHTYPE_OPAQUE_HASH = 0x80 | 63;

/**
 * fib4_calc_software_hash(src, dst, src_port, dst_port, proto): the
 * flowid of a locally originated IPv4 packet (addresses host order, ports
 * network order as the PCB keeps them): Toeplitz over the 5-tuple with
 * mpath_entropy_key.  Allocates nothing.
 */
export function fib4_calc_software_hash(src: number, dst: number, src_port: number, dst_port: number, proto: number): number {
  const d = hash4_data;
  d[0] = src >>> 24;
  d[1] = src >>> 16;
  d[2] = src >>> 8;
  d[3] = src;
  d[4] = dst >>> 24;
  d[5] = dst >>> 16;
  d[6] = dst >>> 8;
  d[7] = dst;
  d[8] = src_port >>> 8;
  d[9] = src_port;
  d[10] = dst_port >>> 8;
  d[11] = dst_port;
  d[12] = proto;
  d[13] = d[14] = d[15] = 0;
  return toeplitz_hash(MPATH_ENTROPY_KEY_LEN, mpath_entropy_key, 16, d);
}

/** fib4_calc_packet_hash: fib4_calc_software_hash (no RSS). */
export function fib4_calc_packet_hash(src: number, dst: number, src_port: number, dst_port: number, proto: number): number {
  return fib4_calc_software_hash(src, dst, src_port, dst_port, proto);
}

/** fib4_lookup_rt: the matching entry itself, with its nexthop in rnd. */
export function fib4_lookup_rt(fibnum: number, dst: number, _scopeid: number, _flags: number, rnd: route_nhop_data): rtentry | null {
  if (fibnum >= V_rt_numfibs()) panic("fib4_lookup_rt: bad fibnum");
  const rh = rt_tables_get_rnh(fibnum, AF_INET);
  if (rh === null) return null;
  const rt = rib4_matchaddr(rh, dst);
  if (rt !== null) {
    rnd.rnd_nhop = rt.rt_nhop;
    rnd.rnd_weight = rt.rt_weight;
  }
  return rt;
}

// ---------------------------------------------------------------------------
// in_rmx.c

/** rib4_set_nh_pfxflags: host, default or plain prefix; a host route to a
 *  broadcast address is a broadcast route. */
function rib4_set_nh_pfxflags(_fibnum: number, addr: sockaddr, mask: sockaddr | null, nh: nhop_object): number {
  let is_broadcast = false;
  if (mask === null) {
    nhop_set_pxtype_flag(nh, NHF_HOST);
    if ("sin_addr" in addr && in_broadcast(addr.sin_addr, nh.nh_ifp)) is_broadcast = true;
  } else if ("sin_addr" in mask && mask.sin_addr === 0) {
    nhop_set_pxtype_flag(nh, NHF_DEFAULT);
  } else {
    nhop_set_pxtype_flag(nh, 0);
  }
  nhop_set_broadcast(nh, is_broadcast);
  return 0;
}

/** rib4_augment_nh: the MTU comes from the interface unless a smaller one
 *  was given. */
function rib4_augment_nh(_fibnum: number, nh: nhop_object): number {
  if (nh.nh_mtu === 0) nh.nh_mtu = nh.nh_ifp.if_mtu;
  else if (nh.nh_mtu > nh.nh_ifp.if_mtu) nh.nh_mtu = nh.nh_ifp.if_mtu;
  if (nhop_get_type(nh) === 0) nhop_set_type(nh, (nh.nh_flags & NHF_GATEWAY) !== 0 ? NH_TYPE_IPV4_ETHER_NHOP : NH_TYPE_IPV4_ETHER_RSLV);
  return 0;
}

/** in_inithead: the IPv4 table of one fib (the inet domain's dom_rtattach). */
export function in_inithead(fibnum: number): rib_head | null {
  const rh = rt_table_init(32, AF_INET, fibnum);
  rh.rnh_set_nh_pfxflags = rib4_set_nh_pfxflags;
  rh.rnh_augment_nh = rib4_augment_nh;
  return rh;
}

/** in_detachhead: dom_rtdetach. */
export function in_detachhead(rh: rib_head): void {
  rt_table_destroy(rh);
}

class in_ifadown_arg {
  constructor(
    readonly ifa: ifaddr,
    readonly del: number,
  ) {}
}

const in_ifadownkill: rib_filter_f_t = (_rt, nh, xap) => {
  const ap = xap as in_ifadown_arg;
  if (nh.nh_ifa !== ap.ifa) return 0;
  if ((nhop_get_rtflags(nh) & RTF_STATIC) !== 0 && ap.del === 0) return 0;
  return 1;
};

/**
 * in_ifadown(ifa, delete): routes using ifa as their source go (static ones
 * only when the address itself is deleted).
 */
export function in_ifadown(ifa: ifaddr, del: number): void {
  if (!("sin_addr" in ifa.ifa_addr) || ifa.ifa_addr.sin_family !== AF_INET) panic("in_ifadown: wrong family");
  rib_foreach_table_walk_del(AF_INET, in_ifadownkill, new in_ifadown_arg(ifa, del));
  ifa.ifa_flags &= ~IFA_ROUTE;
}
