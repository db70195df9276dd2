// sys/netinet6/in6_rmx.c: creating and destroying the IPv6 routing tables, and
// what an IPv6 table does to a nexthop before it is linked.
//
// in6_inithead is the inet6 domain's dom_rtattach (one table per fib and
// vnet, made by route_tables.ts's grow_rtables); in6_detachhead its
// dom_rtdetach.  The table's hooks mark a nexthop as a host, default or
// plain prefix route (rib6_set_nh_pfxflags) and give it the link MTU and a
// nexthop type (rib6_augment_nh).  As FreeBSD does, every new table
// subscribes nd6 to its changes (nd6_subscription_cb: a deleted default
// route releases its default router).

import { AF_INET6, type sockaddr } from "../kern/socket.ts";
import type { ifnet } from "../net/if.ts";
import { NH_IS_NHGRP, NH_TYPE_IPV6_ETHER_NHOP, NH_TYPE_IPV6_ETHER_RSLV, NHF_DEFAULT, NHF_GATEWAY, NHF_HOST, type nhop_object } from "../net/route/nhop.ts";
import { rib_decompose_notification } from "../net/route/route_helpers.ts";
import { nhop_get_type, nhop_set_pxtype_flag, nhop_set_type } from "../net/route/nhop_ctl.ts";
import { RIB_NOTIFY_IMMEDIATE, rib_subscribe_internal, type rib_cmd_info, type rib_subscription_cb_t } from "../net/route/route_ctl.ts";
import { RTM_DELETE } from "../net/route.ts";
import { defrouter_lookup, defrouter_rele } from "./nd6_rtr.ts";
import { rt_table_destroy, rt_table_init } from "../net/route/route_tables.ts";
import type { rib_head } from "../net/route/route_var.ts";

import { IN6_IS_ADDR_UNSPECIFIED, in6_ifextra_get, IN6_LINKMTU } from "./in6_var.ts";


/** rib6_set_nh_pfxflags: host (no mask), default (::/0) or a plain prefix. */
function rib6_set_nh_pfxflags(_fibnum: number, _addr: sockaddr, mask: sockaddr | null, nh: nhop_object): number {
  if (mask === null) nhop_set_pxtype_flag(nh, NHF_HOST);
  else if ("sin6_addr" in mask && IN6_IS_ADDR_UNSPECIFIED(mask.sin6_addr)) nhop_set_pxtype_flag(nh, NHF_DEFAULT);
  else nhop_set_pxtype_flag(nh, 0);
  return 0;
}

/** rib6_augment_nh: the link MTU unless a smaller one was given; the nexthop type. */
function rib6_augment_nh(_fibnum: number, nh: nhop_object): number {
  const mtu = IN6_LINKMTU(nh.nh_ifp);
  if (nh.nh_mtu === 0 || nh.nh_mtu > mtu) nh.nh_mtu = mtu;
  if (nhop_get_type(nh) === 0) nhop_set_type(nh, (nh.nh_flags & NHF_GATEWAY) !== 0 ? NH_TYPE_IPV6_ETHER_NHOP : NH_TYPE_IPV6_ETHER_RSLV);
  return 0;
}

/**
 * check_release_defrouter (nd6.c's, the body of nd6_subscription_cb): a
 * default route that goes (route delete -inet6 default, a flush) no longer
 * stands for its default router, which nd6 may then install again.
 */
function check_release_defrouter(rc: rib_cmd_info): void {
  const nh = rc.rc_nh_old;
  if (rc.rc_cmd !== RTM_DELETE || nh === null || NH_IS_NHGRP(nh) || (nh.nh_flags & NHF_DEFAULT) === 0) return;
  const dr = defrouter_lookup(nh.gw6_sa.sin6_addr, nh.nh_ifp);
  if (dr !== null) {
    dr.installed = 0;
    defrouter_rele(dr);
  }
}

/** nd6_subscription_cb: what nd6 hears of every IPv6 table's changes (no multipath here). */
const nd6_subscription_cb: rib_subscription_cb_t = (_rnh, rc) => {
  // The paths of a multipath default route one by one, then a plain one.
  rib_decompose_notification(rc, (rc1) => check_release_defrouter(rc1), null);
  check_release_defrouter(rc);
};

/** in6_inithead: the IPv6 table of one fib (dom_rtattach of the inet6 domain). */
export function in6_inithead(fibnum: number): rib_head | null {
  // FreeBSD passes the key offset, offsetof(struct sockaddr_in6, sin6_addr) << 3.
  const rh = rt_table_init(8 << 3, AF_INET6, fibnum);
  rh.rnh_set_nh_pfxflags = rib6_set_nh_pfxflags;
  rh.rnh_augment_nh = rib6_augment_nh;
  rib_subscribe_internal(rh, nd6_subscription_cb, null, RIB_NOTIFY_IMMEDIATE, true);
  return rh;
}

/** in6_detachhead: dom_rtdetach; the table goes with its vnet. */
export function in6_detachhead(rh: rib_head): void {
  rt_table_destroy(rh);
}
