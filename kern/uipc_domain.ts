// sys/kern/uipc_domain.c, sys/sys/domain.h: protocol families register here
// what the interface layer calls back into (per-interface attach/detach of
// family data, the family's ioctl handler), so net/ need not import netinet/.

import type { ifnet } from "../net/if.ts";
import type { rib_head } from "../net/route/route_var.ts";
import type { ucred } from "./kern_prot.ts";

export interface domain {
  dom_family: number;
  dom_name: string;
  /** Per-interface family data (e.g. the ARP table); stored in if_afdata. */
  dom_ifattach?: (ifp: ifnet) => unknown;
  dom_ifdetach?: (ifp: ifnet, aux: unknown) => void;
  /** Family ioctls on an interface (SIOCAIFADDR, ...): in_control. */
  pr_control?: (cmd: number, data: unknown, ifp: ifnet | null, cred: ucred) => number;
  /** Remove every address of this family from ifp (if_purgeaddrs). */
  dom_purgeaddrs?: (ifp: ifnet) => void;
  /** Remove every route through ifp (rt_flushifroutes), for this family. */
  dom_flushroutes?: (ifp: ifnet) => void;
  /** Create this family's routing table for one fib (in_inithead). */
  dom_rtattach?: (fibnum: number) => rib_head | null;
  /** Destroy it when the vnet goes (in_detachhead). */
  dom_rtdetach?: (rh: rib_head) => void;
}

export const domains: domain[] = [];

export function domain_add(dp: domain): void {
  if (!domains.includes(dp)) domains.push(dp);
}

/** domain_remove: a module's domain leaves (kldunload). */
export function domain_remove(dp: domain): void {
  const i = domains.indexOf(dp);
  if (i >= 0) domains.splice(i, 1);
}

export function pffinddomain(family: number): domain | null {
  return domains.find((d) => d.dom_family === family) ?? null;
}
