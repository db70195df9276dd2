// sys/net/radix.c, radix.h: stands in for the radix tree under a routing table.
//
// Departure: no radix tree.  Each table (struct rib_head) keeps one Map per
// prefix length present, keyed by the masked destination as an int32, and a
// lookup probes the lengths present from the longest down.  That gives the
// longest-prefix match radix gives for contiguous masks; non-contiguous
// masks, which radix would take, are refused by the control plane with
// EINVAL (rt_mask2plen returns -1 for them).  Probing allocates nothing, so
// rnh_matchaddr stays on the per-packet path.

import { in_mask2len } from "../netinet/in.ts";
import type { rib_head, rtentry } from "./route/route_var.ts";

// Prefix length -> mask, as int32 (the key type of the per-length maps:
// int32 keys are small integers to V8, so probing them allocates nothing).
export const rt_masks = new Int32Array(33);
for (let len = 1; len <= 32; len++) rt_masks[len] = (0xffffffff << (32 - len)) | 0;

/** Mask to prefix length for contiguous masks, -1 otherwise. */
export function rt_mask2plen(mask: number): number {
  const len = in_mask2len(mask >>> 0);
  return (rt_masks[len] >>> 0) === mask >>> 0 ? len : -1;
}
/** rnh_matchaddr for AF_INET: longest prefix match, allocation-free. */
export function rib4_matchaddr(rh: rib_head, dst: number): rtentry | null {
  const plens = rh.rnh_plens;
  const tab = rh.rnh_tab;
  for (let i = 0; i < plens.length; i++) {
    const len = plens[i];
    const rt = (tab[len] as Map<number, rtentry>).get(dst & rt_masks[len]);
    if (rt !== undefined) return rt;
  }
  return null;
}

/** rnh_lookup: exact match of (dst, plen). */
export function rib4_lookup(rh: rib_head, dst: number, plen: number): rtentry | null {
  const t = rh.rnh_tab[plen];
  if (t === null) return null;
  return t.get(dst & rt_masks[plen]) ?? null;
}

/** rnh_addaddr: false when the prefix is already there. */
export function rib4_addaddr(rh: rib_head, rt: rtentry): boolean {
  let t = rh.rnh_tab[rt.rt_plen];
  const key = rt.rt_dst | 0;
  if (t === null) {
    t = new Map();
    rh.rnh_tab[rt.rt_plen] = t;
    rh.rnh_plens.push(rt.rt_plen);
    rh.rnh_plens.sort((a, b) => b - a);
  } else if (t.has(key)) {
    return false;
  }
  t.set(key, rt);
  return true;
}

/** rnh_deladdr: unlink (dst, plen) and return it. */
export function rib4_deladdr(rh: rib_head, dst: number, plen: number): rtentry | null {
  const t = rh.rnh_tab[plen];
  if (t === null) return null;
  const key = dst & rt_masks[plen];
  const rt = t.get(key);
  if (rt === undefined) return null;
  t.delete(key);
  if (t.size === 0) {
    rh.rnh_tab[plen] = null;
    rh.rnh_plens = rh.rnh_plens.filter((l) => l !== plen);
  }
  return rt;
}

/**
 * rnh_walktree: every entry in radix order (address, then the more specific
 * of equal keys first).  The walk runs over a snapshot, so the callback may
 * delete entries.
 */
export function rib_walktree(rh: rib_head, f: (rt: rtentry) => number): void {
  const all: rtentry[] = [];
  for (const t of rh.rnh_tab) if (t !== null) for (const rt of t.values()) all.push(rt);
  all.sort((a, b) => a.rt_dst - b.rt_dst || b.rt_plen - a.rt_plen);
  for (const rt of all) if (f(rt) !== 0) break;
}
