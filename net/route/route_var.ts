// sys/net/route/route_var.h: a routing table (struct rib_head) and its entries (struct rtentry).
//
// Every vnet has one table per fib and address family (route_tables.ts).  A
// table maps prefixes (struct rtentry) to nexthops (nhop.ts), which entries
// share.  The prefix store is the stand-in for radix in net/radix.ts.

import { callout, callout_init } from "../../kern/kern_timeout.ts";
import { AF_INET6, type sockaddr } from "../../kern/socket.ts";
import { curvnet, vnet0, type vnet } from "../vnet.ts";
import { RT_DEFAULT_WEIGHT } from "../route.ts";
import { nh_control, type nhop_object, type rt_nhop_t } from "./nhop.ts";
import type { rib6_plen_tab } from "../radix.ts";
import type { rib_subscription } from "./route_ctl.ts";


/** RT_MAXFIBS is UINT16_MAX. */
export const RT_MAXFIBS = 65535;
/** How often a change racing another one is retried. */
export const RIB_MAX_RETRIES = 3;

// The rt_flags bits an rtentry keeps (RTF_UP | RTF_HOST) and those
// RTM_ADD/RTM_CHANGE may set on a nexthop (RTF_PROTO1..3 | RTF_STATIC).
// Literal values: this file is read before net/route.ts defines RTF_*.
export const RTE_RT_FLAG_MASK = 0x1 | 0x4;
export const RT_SET_RTFLAGS_MASK = 0x8000 | 0x4000 | 0x40000 | 0x800;
export const RT_CHANGE_RTFLAGS_MASK = RT_SET_RTFLAGS_MASK;

/**
 * struct rtentry: one prefix.  An AF_INET entry keeps rt_dst/rt_mask as
 * host-order numbers; an AF_INET6 entry keeps its masked address as four
 * host-order words in rt_key6 (the scope zone of a link-local prefix
 * embedded in the second 16-bit group, as rt_key's sockaddr_in6 has it)
 * and rt_dst/rt_mask stay 0.
 */
export class rtentry {
  rt_dst = 0;
  /** 0xffffffff for host routes (which FreeBSD stores without a mask). */
  rt_mask = 0;
  /** AF_INET6: the masked key, four words; null for AF_INET. */
  rt_key6: Int32Array | null = null;
  rt_plen = 0;
  rte_flags = 0;
  rt_weight = RT_DEFAULT_WEIGHT;
  rt_chain: rtentry | null = null;
  constructor(public rt_nhop: rt_nhop_t) {}
}

export type rnh_set_nh_pfxflags_f_t = (fibnum: number, addr: sockaddr, mask: sockaddr | null, nh: nhop_object) => number;
export type rnh_augment_nh_f_t = (fibnum: number, nh: nhop_object) => number;

/**
 * struct rib_head: one routing table.  rnh_tab[len] holds the entries of
 * prefix length len keyed by (masked destination | 0); rnh_plens lists the
 * lengths present, longest first, so a lookup probes only those.
 */
export class rib_head {
  rnh_gen = 0;
  rnh_prefixes = 0;
  rib_dying = false;
  readonly rnh_tab: (Map<number, rtentry> | null)[] = new Array<Map<number, rtentry> | null>(33).fill(null);
  /** AF_INET6: per prefix length 0..128, the entries of that length (net/radix.ts). */
  readonly rnh_tab6: (rib6_plen_tab | null)[];
  rnh_plens: number[] = [];
  /** route_subscription.c: who hears of this table's changes (route_ctl.ts's rib_subscription). */
  readonly rnh_subscribers: rib_subscription[] = [];
  rnh_set_nh_pfxflags: rnh_set_nh_pfxflags_f_t = () => 0;
  rnh_augment_nh: rnh_augment_nh_f_t = () => 0;
  readonly nh_control: nh_control;
  /** route_temporal.c: expiring (redirect) routes. */
  readonly expire_callout = new callout();
  next_expire = 0;
  rib_vnet: vnet;
  constructor(
    readonly rib_family: number,
    readonly rib_fibnum: number,
  ) {
    this.rnh_tab6 = new Array<rib6_plen_tab | null>(rib_family === AF_INET6 ? 129 : 0).fill(null);
    this.nh_control = new nh_control(this);
    this.rib_vnet = VIMAGE ? (curvnet as vnet) : vnet0;
    callout_init(this.expire_callout, true);
  }
}
