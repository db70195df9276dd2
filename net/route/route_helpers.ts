// sys/net/route/route_helpers.c: walking tables and looking routes up for the control plane.

import { ENOENT } from "../../kern/errno.ts";
import { AF_MAX, AF_UNSPEC, type sockaddr } from "../../kern/socket.ts";
import { sockaddr_in } from "../../netinet/in.ts";
import { fib4_lookup } from "../../netinet/in_fib.ts";
import { rib4_matchaddr, rib6_matchaddr, rib_walktree, rt6_words } from "../radix.ts";

import { fib6_lookup } from "../../netinet6/in6_fib.ts";
import { RTAX_DST, RTAX_GATEWAY, RTAX_NETMASK, RTA_DST, RTA_GATEWAY, RTA_NETMASK, RTV_MTU, RT_LINK_IS_UP, sa_family, type rib_filter_f_t, type rt_addrinfo } from "../route.ts";
import type { nhop_object } from "./nhop.ts";
import { nhop_get_rtflags } from "./nhop_ctl.ts";
import { rib_walk_del } from "./route_ctl.ts";
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
export function rib_lookup_info(fibnum: number, dst: sockaddr, _flags: number, _flowid: number, info: rt_addrinfo): number {
  const rh = rt_tables_get_rnh(fibnum, sa_family(dst));
  if (rh === null) return ENOENT;
  let rt: rtentry | null = null;
  if ("sin_addr" in dst) rt = rib4_matchaddr(rh, dst.sin_addr);
  else if ("sin6_addr" in dst) {
    const w = rt6_words(dst.sin6_addr.s6_addr, new Int32Array(4));
    rt = rib6_matchaddr(rh, w[0], w[1], w[2], w[3]);
  }
  if (rt === null) return ENOENT;
  const nh = rt.rt_nhop;
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

