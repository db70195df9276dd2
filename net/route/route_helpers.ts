// sys/net/route/route_helpers.c: walking tables and looking routes up for the control plane.

import { ENOENT } from "../../kern/errno.ts";
import { AF_MAX, AF_UNSPEC, type sockaddr } from "../../kern/socket.ts";
import { sockaddr_in } from "../../netinet/in.ts";
import { fib4_lookup } from "../../netinet/in_fib.ts";
import { rib4_matchaddr, rib_walktree } from "../radix.ts";
import { RTAX_DST, RTAX_GATEWAY, RTAX_NETMASK, RTA_DST, RTA_GATEWAY, RTA_NETMASK, RTV_MTU, RT_LINK_IS_UP, sa_family, type rib_filter_f_t, type rt_addrinfo } from "../route.ts";
import type { nhop_object } from "./nhop.ts";
import { nhop_get_rtflags } from "./nhop_ctl.ts";
import { rib_walk_del } from "./route_ctl.ts";
import { rt_is_host } from "./route_rtentry.ts";
import { V_rt_numfibs, rt_tables_get_rnh } from "./route_tables.ts";
import type { rtentry } from "./route_var.ts";

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
  return null;
}

/**
 * rib_lookup_info: longest match for dst exported into info (gateway,
 * netmask, flags, interface), as route_output's gateway check wants.
 * ENOENT when nothing usable matches.
 */
export function rib_lookup_info(fibnum: number, dst: sockaddr, _flags: number, _flowid: number, info: rt_addrinfo): number {
  const rh = rt_tables_get_rnh(fibnum, sa_family(dst));
  if (rh === null || !("sin_addr" in dst)) return ENOENT;
  const rt = rib4_matchaddr(rh, dst.sin_addr);
  if (rt === null) return ENOENT;
  const nh = rt.rt_nhop;
  if (!RT_LINK_IS_UP(nh.nh_ifp)) return ENOENT;
  info.rti_info[RTAX_DST] = new sockaddr_in(rt.rt_dst);
  info.rti_addrs |= RTA_DST;
  if (!rt_is_host(rt)) {
    info.rti_info[RTAX_NETMASK] = new sockaddr_in(rt.rt_mask);
    info.rti_addrs |= RTA_NETMASK;
  }
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

