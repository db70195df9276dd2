// sys/netinet6/in6_fib.c: IPv6 route lookups for the data path.
//
// The destination comes without its zone; scopeid is the zone (the
// interface index for link-local addresses).  As FreeBSD does, a link-local
// destination (unicast fe80::/10 or link-local multicast) has the zone put
// back into the second 16-bit group, the form the table keeps, before the
// longest-prefix match.  The address is read into four words on the stack
// (locals), so a lookup allocates nothing.

import { AF_INET6 } from "../kern/socket.ts";
import { panic } from "../kern/subr_prf.ts";
import type { ifnet } from "../net/if.ts";
import { rib6_matchaddr } from "../net/radix.ts";
import { RT_LINK_IS_UP, RTSTAT_INC, rts_unreach } from "../net/route.ts";
import { NH_IS_NHGRP, NHF_DEFAULT, NHR_NODEFAULT, NHR_REF, nhop_select, type nhop_object, type rt_nhop_t } from "../net/route/nhop.ts";
import { nhgrp_get_nhops } from "../net/route/nhgrp_ctl.ts";
import { MPATH_ENTROPY_KEY_LEN, mpath_entropy_key } from "../net/route/mpath_ctl.ts";
import { toeplitz_hash } from "../net/toeplitz.ts";
import type { route_nhop_data } from "../net/route/route_ctl.ts";
import { V_rt_numfibs, rt_tables_get_rnh } from "../net/route/route_tables.ts";
import type { rib_head, rtentry } from "../net/route/route_var.ts";
import type { in6_addr } from "./in6_var.ts";


/**
 * The table's match for dst with the zone embedded (the radix lookup of
 * fib6_lookup and its siblings): the words of dst, the zone in word 0's low
 * half for a link-local scope.
 */
function in6_fib_match(rh: rib_head, dst: in6_addr, scopeid: number): rtentry | null {
  const b = dst.s6_addr;
  let a0 = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
  const a1 = (b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7];
  const a2 = (b[8] << 24) | (b[9] << 16) | (b[10] << 8) | b[11];
  const a3 = (b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15];
  // IN6_IS_SCOPE_LINKLOCAL: fe80::/10, or multicast of link-local scope.
  if ((b[0] === 0xfe && (b[1] & 0xc0) === 0x80) || (b[0] === 0xff && (b[1] & 0x0f) === 0x02)) a0 = (a0 & 0xffff0000) | (scopeid & 0xffff);
  return rib6_matchaddr(rh, a0, a1, a2, a3);
}

/**
 * fib6_lookup(fibnum, dst, scopeid, flags, flowid): the nexthop for dst in
 * fib fibnum of curvnet, or NULL when there is no route or its interface's
 * link is down (rts_unreach counted).  NHR_REF takes a reference the caller
 * drops with nhop_free.
 */
export function fib6_lookup(fibnum: number, dst: in6_addr, scopeid: number, flags: number, flowid: number): nhop_object | null {
  if (fibnum >= V_rt_numfibs()) panic("fib6_lookup: bad fibnum");
  const rh = rt_tables_get_rnh(fibnum, AF_INET6);
  if (rh === null) return null;
  const rt = in6_fib_match(rh, dst, scopeid);
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

/** lookup_nhop: the raw nexthop of the match, link state aside. */
function lookup_nhop(fibnum: number, dst: in6_addr, scopeid: number): rt_nhop_t | null {
  if (fibnum >= V_rt_numfibs()) panic("fib6_check_urpf: bad fibnum");
  const rh = rt_tables_get_rnh(fibnum, AF_INET6);
  if (rh === null) return null;
  const rt = in6_fib_match(rh, dst, scopeid);
  return rt !== null ? rt.rt_nhop : null;
}

/**
 * fib6_check_urpf: reverse path check.  With src_if, 1 if the route back to
 * dst leaves through it; without, 1 if any route (not the default one with
 * NHR_NODEFAULT) exists.
 */
export function fib6_check_urpf(fibnum: number, dst: in6_addr, scopeid: number, flags: number, src_if: ifnet | null): number {
  const nh = lookup_nhop(fibnum, dst, scopeid);
  if (nh === null) return 0;
  if (NH_IS_NHGRP(nh)) {
    for (const w of nhgrp_get_nhops(nh)) if (check_urpf_nhop(w.nh, flags, src_if) !== 0) return 1;
    return 0;
  }
  return check_urpf_nhop(nh, flags, src_if);
}

/** struct _hash_5tuple_ipv6: src, dst, sport, dport, proto, 3 spare bytes; scratch, filled per call. */
const hash6_data = new Uint8Array(44);

/**
 * fib6_calc_software_hash(src, dst, src_port, dst_port, proto): the
 * flowid of a locally originated IPv6 packet (ports network order as the
 * PCB keeps them): Toeplitz over the 5-tuple with mpath_entropy_key.
 * Allocates nothing.
 */
export function fib6_calc_software_hash(src: in6_addr, dst: in6_addr, src_port: number, dst_port: number, proto: number): number {
  const d = hash6_data;
  d.set(src.s6_addr, 0);
  d.set(dst.s6_addr, 16);
  d[32] = src_port >>> 8;
  d[33] = src_port;
  d[34] = dst_port >>> 8;
  d[35] = dst_port;
  d[36] = proto;
  d[37] = d[38] = d[39] = 0;
  return toeplitz_hash(MPATH_ENTROPY_KEY_LEN, mpath_entropy_key, 40, d);
}

/** fib6_calc_packet_hash: fib6_calc_software_hash (no RSS). */
export function fib6_calc_packet_hash(src: in6_addr, dst: in6_addr, src_port: number, dst_port: number, proto: number): number {
  return fib6_calc_software_hash(src, dst, src_port, dst_port, proto);
}

/**
 * fib6_lookup_rt: the matching entry itself with its nexthop and weight in
 * rnd (the control plane's lookup); NULL for no match.
 */
export function fib6_lookup_rt(fibnum: number, dst: in6_addr, scopeid: number, _flags: number, rnd: route_nhop_data): rtentry | null {
  if (fibnum >= V_rt_numfibs()) panic("fib6_lookup_rt: bad fibnum");
  const rh = rt_tables_get_rnh(fibnum, AF_INET6);
  if (rh === null) return null;
  const rt = in6_fib_match(rh, dst, scopeid);
  if (rt !== null) {
    rnd.rnd_nhop = rt.rt_nhop;
    rnd.rnd_weight = rt.rt_weight;
  }
  return rt;
}

/** fib6_lookup_debugnet: fib6_lookup without a reference, for a lookup outside the usual paths. */
export function fib6_lookup_debugnet(fibnum: number, dst: in6_addr, scopeid: number, _flags: number): nhop_object | null {
  const rh = fibnum < V_rt_numfibs() ? rt_tables_get_rnh(fibnum, AF_INET6) : null;
  if (rh === null) return null;
  const rt = in6_fib_match(rh, dst, scopeid);
  if (rt === null) return null;
  const nh = nhop_select(rt.rt_nhop, 0);
  return RT_LINK_IS_UP(nh.nh_ifp) ? nh : null;
}
