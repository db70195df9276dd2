// sys/net/route/route_temporal.c: routes with an expiry time (ICMP redirects), removed by a per-table callout.

import { SBT_1S, callout_reset_sbt, time_uptime } from "../../kern/kern_timeout.ts";
import { CURVNET_RESTORE, CURVNET_SET } from "../vnet.ts";
import { rib_deladdr_rt, rib_walktree } from "../radix.ts";
import { RTF_UP } from "../route.ts";
import { NH_IS_NHGRP, type nhop_object } from "./nhop.ts";
import { nhop_get_expire } from "./nhop_ctl.ts";
import { rt_free } from "./route_rtentry.ts";
import type { rib_head, rtentry } from "./route_var.ts";

/** tmproutes_update: an entry with an expiry time was linked; wake up by then. */
export function tmproutes_update(rnh: rib_head, _rt: rtentry, nh: nhop_object): void {
  const expire = nhop_get_expire(nh);
  if (rnh.next_expire === 0 || expire < rnh.next_expire) {
    rnh.next_expire = expire;
    callout_reset_sbt(rnh.expire_callout, SBT_1S * Math.max(1, expire - time_uptime()), expire_callout, rnh);
  }
}

/** expire_callout: unlink what has expired and sleep until the next expiry. */
function expire_callout(rnh: rib_head): void {
  const saved = CURVNET_SET(rnh.rib_vnet, "expire_callout");
  rnh.next_expire = 0;
  const now = time_uptime();
  let next = 0;
  const doomed: rtentry[] = [];
  rib_walktree(rnh, (rt) => {
    const nh = rt.rt_nhop;
    // Groups never expire (their paths are gateway routes, never redirects).
    const e = NH_IS_NHGRP(nh) ? 0 : nhop_get_expire(nh);
    if (e === 0) return 0;
    if (e <= now) doomed.push(rt);
    else if (next === 0 || e < next) next = e;
    return 0;
  });
  for (const rt of doomed) {
    if (rib_deladdr_rt(rnh, rt) === rt) {
      rnh.rnh_gen++;
      rnh.rnh_prefixes--;
      rt.rte_flags &= ~RTF_UP;
      rt_free(rt);
    }
  }
  if (next !== 0) {
    rnh.next_expire = next;
    callout_reset_sbt(rnh.expire_callout, SBT_1S * Math.max(1, next - now), expire_callout, rnh);
  }
  CURVNET_RESTORE(saved);
}
