// sys/net/route/route_tables.c: the tables of a vnet, one per fib and family, and net.fibs.
//
// V_rt_tables is a fib-major array of (AF_MAX + 1) heads per fib; each
// domain's dom_rtattach makes its family's table.  net.fibs may only grow.

import { EINVAL } from "../../kern/errno.ts";
import { SI_ORDER_FIRST, SI_ORDER_FOURTH, SI_SUB_PROTO_DOMAIN } from "../../kern/kernel.ts";
import { callout_stop } from "../../kern/kern_timeout.ts";
import { AF_MAX } from "../../kern/socket.ts";
import { domains } from "../../kern/uipc_domain.ts";
import { log, panic, printf } from "../../kern/subr_prf.ts";
import {
  CTLFLAG_MPSAFE,
  CTLFLAG_NOFETCH,
  CTLFLAG_RWTUN,
  CTLFLAG_VNET,
  CTLTYPE_UINT,
  OID_AUTO,
  SYSCTL_OUT,
  SYSCTL_PROC,
  SYSCTL_UINT,
  _net,
  type sysctl_handler_t,
} from "../../kern/sysctl.ts";
import { set_rt_numfibs_hook, type ifnet } from "../if.ts";
import { V_loif } from "../if_loop.ts";
import { IS_DEFAULT_VNET, VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_I32_SET, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT, curvnet } from "../vnet.ts";
import { rib_deladdr_rt, rib_walktree } from "../radix.ts";
import { nhop_free_any } from "./nhop_ctl.ts";
import { nhgrp_ctl_unlink_all } from "./nhgrp.ts";
import { RT_MAXFIBS, rib_head } from "./route_var.ts";

// sys/errno.h: ENOTCAPABLE is not in kern/errno.ts yet.
const ENOTCAPABLE = 93;
// sys/syslog.h
const LOG_ERR = 3;

/** Kernel config ROUTETABLES; the loader tunable net.fibs is not modelled. */
const RT_NUMFIBS = 1;


/** V_rt_tables: fib-major array of (AF_MAX + 1) heads per fib. */
const rt_tables = VNET_DEFINE_PTR<(rib_head | null)[] | null>("rt_tables", null);
/** V_rt_numfibs (VNET_DEFINE(uint32_t, _rt_numfibs)). */
export const _rt_numfibs = VNET_DEFINE_INT("_rt_numfibs", RT_NUMFIBS);
/** V_rt_add_addr_allfibs: interface routes into every fib (net.add_addr_allfibs). */
export const rt_add_addr_allfibs = VNET_DEFINE_INT("rt_add_addr_allfibs", 0);

export function V_rt_numfibs(): number {
  return VNET_I32(_rt_numfibs);
}
export function V_rt_add_addr_allfibs(): number {
  return VNET_I32(rt_add_addr_allfibs);
}

set_rt_numfibs_hook(V_rt_numfibs);

/** rt_tables_get_rnh(table, family): the table, or NULL for a family with none. */
export function rt_tables_get_rnh(table: number, family: number): rib_head | null {
  const t = VNET_PTR(rt_tables);
  if (t === null) return null;
  if (table >= VNET_I32(_rt_numfibs) || table < 0) panic("rt_tables_get_rnh: table out of bounds");
  return t[table * (AF_MAX + 1) + family];
}

export function rt_tables_get_gen(table: number, family: number): number {
  const rh = rt_tables_get_rnh(table, family);
  return rh === null ? 0 : rh.rnh_gen;
}

function normalize_num_rtables(num_rtables: number): number {
  if (num_rtables > RT_MAXFIBS) num_rtables = RT_MAXFIBS;
  else if (num_rtables === 0) num_rtables = 1;
  return num_rtables;
}

/** grow_rtables: more fibs; existing tables are kept, the new ones created
 *  by each domain's dom_rtattach. */
function grow_rtables(num_tables: number): void {
  const cur = VNET_PTR(rt_tables);
  const n_old = cur === null ? 0 : VNET_I32(_rt_numfibs);
  const new_rt_tables = new Array<rib_head | null>(num_tables * (AF_MAX + 1)).fill(null);
  if (num_tables > 1 && VNET_I32(rt_add_addr_allfibs) === 0)
    printf("WARNING: Adding ifaddrs to all fibs has been turned off by default. Consider tuning net.add_addr_allfibs if needed\n");
  if (cur !== null) for (let i = 0; i < n_old * (AF_MAX + 1); i++) new_rt_tables[i] = cur[i];
  for (const dom of domains) {
    if (dom.dom_rtattach === undefined) continue;
    const family = dom.dom_family;
    for (let i = 0; i < num_tables; i++) {
      const idx = i * (AF_MAX + 1) + family;
      if (new_rt_tables[idx] !== null) continue;
      const rh = dom.dom_rtattach(i);
      if (rh === null) log(LOG_ERR, `unable to create routing table for ${family}.${i}\n`);
      new_rt_tables[idx] = rh;
    }
  }
  VNET_PTR_SET(rt_tables, new_rt_tables);
  VNET_I32_SET(_rt_numfibs, num_tables);
}

/** net.fibs: may only grow (ENOTCAPABLE otherwise). */
const sysctl_fibs: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  let new_fibs = VNET_I32(_rt_numfibs);
  const error = SYSCTL_OUT(req, new_fibs);
  if (error !== 0 || req.newval === null) return error;
  const v = req.newval;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) return EINVAL;
  new_fibs = normalize_num_rtables(v);
  if (new_fibs < VNET_I32(_rt_numfibs)) return ENOTCAPABLE;
  if (new_fibs > VNET_I32(_rt_numfibs)) grow_rtables(new_fibs);
  return 0;
};
SYSCTL_PROC(_net, OID_AUTO, "fibs", CTLFLAG_VNET | CTLTYPE_UINT | CTLFLAG_RWTUN | CTLFLAG_NOFETCH | CTLFLAG_MPSAFE, null, 0, sysctl_fibs, "IU", "set number of fibs");
SYSCTL_UINT(_net, OID_AUTO, "add_addr_allfibs", CTLFLAG_RWTUN | CTLFLAG_VNET, rt_add_addr_allfibs, 0, "");

function vnet_rtables_init(): void {
  VNET_I32_SET(_rt_numfibs, IS_DEFAULT_VNET(curvnet) ? normalize_num_rtables(RT_NUMFIBS) : 1);
  VNET_PTR_SET(rt_tables, null);
  grow_rtables(VNET_I32(_rt_numfibs));
}
VNET_SYSINIT("vnet_rtables_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_FOURTH, vnet_rtables_init);

function rtables_destroy(): void {
  const t = VNET_PTR(rt_tables);
  if (t === null) return;
  for (const dom of domains) {
    if (dom.dom_rtdetach === undefined) continue;
    for (let i = 0; i < VNET_I32(_rt_numfibs); i++) {
      const rnh = t[i * (AF_MAX + 1) + dom.dom_family];
      if (rnh !== null) dom.dom_rtdetach(rnh);
    }
  }
  VNET_PTR_SET(rt_tables, null);
}
VNET_SYSUNINIT("rtables_destroy", SI_SUB_PROTO_DOMAIN, SI_ORDER_FIRST, rtables_destroy);

/** V_loif: lo0 of curvnet (net/if_loop.ts), where blackhole, reject and
 *  local-address routes point. */
export function rt_loif(): ifnet | null {
  return V_loif();
}

/** rt_table_init(offset, family, fibnum). */
export function rt_table_init(_offset: number, family: number, fibnum: number): rib_head {
  return new rib_head(family, fibnum);
}

/** rt_table_destroy: the vnet is going; entries and nexthops go with it. */
export function rt_table_destroy(rh: rib_head): void {
  rh.rib_dying = true;
  callout_stop(rh.expire_callout);
  rib_walktree(rh, (rt) => {
    rib_deladdr_rt(rh, rt);
    nhop_free_any(rt.rt_nhop);
    return 0;
  });
  nhgrp_ctl_unlink_all(rh.nh_control);
  rh.nh_control.nh_head.length = 0;
}
