// sys/net/radix.c, radix.h: stands in for the radix tree under a routing table.
//
// Departure: no radix tree.  An AF_INET table (struct rib_head) keeps one Map
// per prefix length present, keyed by the masked destination as an int32,
// and a lookup probes the lengths present from the longest down (AF_INET6:
// below).  That gives the
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
  if (all.length > 0) {
    all.sort((a, b) => a.rt_dst - b.rt_dst || b.rt_plen - a.rt_plen);
  } else {
    for (const t of rh.rnh_tab6) if (t !== null) for (const rt of t.rt6_vals) if (rt !== null) all.push(rt);
    all.sort(rt6_cmp);
  }
  for (const rt of all) if (f(rt) !== 0) break;
}

// ---------------------------------------------------------------------------
// AF_INET6.
//
// The same scheme with 128-bit keys: per prefix length present, an
// open-addressing hash table keyed by the four 32-bit words of the masked
// address (scope zone embedded in the second 16-bit group for link-local
// prefixes, as the kernel keeps them), probed from the longest length down.
// The words are read into locals and the keys compared in an Int32Array, so
// a lookup allocates nothing.

/** Prefix length -> the four mask words, rt6_wmask[len * 4 + i]. */
export const rt6_wmask = new Int32Array(129 * 4);
for (let len = 0; len <= 128; len++) {
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, len - 32 * i));
    rt6_wmask[len * 4 + i] = bits === 0 ? 0 : (0xffffffff << (32 - bits)) | 0;
  }
}

/** Mask words to prefix length for contiguous masks, -1 otherwise. */
export function rt6_mask2plen(m0: number, m1: number, m2: number, m3: number): number {
  const w = [m0 | 0, m1 | 0, m2 | 0, m3 | 0];
  let len = 0;
  let i = 0;
  while (i < 4 && w[i] === -1) {
    len += 32;
    i++;
  }
  if (i < 4) {
    len += Math.clz32(~w[i]);
    for (let j = 0; j < 4; j++) if (w[j] !== rt6_wmask[len * 4 + j]) return -1;
  }
  return len;
}

function rt6_hash(k0: number, k1: number, k2: number, k3: number): number {
  let h = Math.imul(k0, 0x9e3779b1) ^ Math.imul(k1 ^ (k1 >>> 16), 0x85ebca6b);
  h ^= Math.imul(k2 ^ (k2 >>> 15), 0xc2b2ae35) ^ Math.imul(k3 ^ (k3 >>> 13), 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h;
}

/**
 * The entries of one prefix length: linear probing over rt6_cap slots,
 * keys four words a slot.  Deletion shifts the run back (no tombstones).
 */
export class rib6_plen_tab {
  rt6_cap = 8;
  rt6_size = 0;
  rt6_keys = new Int32Array(8 * 4);
  rt6_vals: (rtentry | null)[] = new Array<rtentry | null>(8).fill(null);
}

/** The slot holding key k, or -1. */
function rt6_find(t: rib6_plen_tab, k0: number, k1: number, k2: number, k3: number): number {
  const keys = t.rt6_keys;
  const vals = t.rt6_vals;
  const m = t.rt6_cap - 1;
  let i = rt6_hash(k0, k1, k2, k3) & m;
  for (;;) {
    if (vals[i] === null) return -1;
    const o = i << 2;
    if (keys[o] === k0 && keys[o + 1] === k1 && keys[o + 2] === k2 && keys[o + 3] === k3) return i;
    i = (i + 1) & m;
  }
}

function rt6_insert_slot(t: rib6_plen_tab, k0: number, k1: number, k2: number, k3: number, rt: rtentry): void {
  const m = t.rt6_cap - 1;
  let i = rt6_hash(k0, k1, k2, k3) & m;
  while (t.rt6_vals[i] !== null) i = (i + 1) & m;
  const o = i << 2;
  t.rt6_keys[o] = k0;
  t.rt6_keys[o + 1] = k1;
  t.rt6_keys[o + 2] = k2;
  t.rt6_keys[o + 3] = k3;
  t.rt6_vals[i] = rt;
}

function rt6_grow(t: rib6_plen_tab): void {
  const okeys = t.rt6_keys;
  const ovals = t.rt6_vals;
  t.rt6_cap *= 2;
  t.rt6_keys = new Int32Array(t.rt6_cap * 4);
  t.rt6_vals = new Array<rtentry | null>(t.rt6_cap).fill(null);
  for (let i = 0; i < ovals.length; i++) {
    const rt = ovals[i];
    if (rt !== null) rt6_insert_slot(t, okeys[i * 4], okeys[i * 4 + 1], okeys[i * 4 + 2], okeys[i * 4 + 3], rt);
  }
}

function rt6_remove_slot(t: rib6_plen_tab, i: number): void {
  const keys = t.rt6_keys;
  const vals = t.rt6_vals;
  const m = t.rt6_cap - 1;
  vals[i] = null;
  t.rt6_size--;
  // Pull back the entries of the run after i that may no longer be reachable.
  let j = (i + 1) & m;
  while (vals[j] !== null) {
    const o = j << 2;
    const home = rt6_hash(keys[o], keys[o + 1], keys[o + 2], keys[o + 3]) & m;
    // Move j to i if its home slot is not in (i, j] (cyclically).
    const between = i <= j ? home > i && home <= j : home > i || home <= j;
    if (!between) {
      const oi = i << 2;
      keys[oi] = keys[o];
      keys[oi + 1] = keys[o + 1];
      keys[oi + 2] = keys[o + 2];
      keys[oi + 3] = keys[o + 3];
      vals[i] = vals[j];
      vals[j] = null;
      i = j;
    }
    j = (j + 1) & m;
  }
}

/**
 * rnh_matchaddr for AF_INET6: longest prefix match for the address in four
 * host-order words (scope embedded), allocation-free.
 */
export function rib6_matchaddr(rh: rib_head, a0: number, a1: number, a2: number, a3: number): rtentry | null {
  const plens = rh.rnh_plens;
  const tab = rh.rnh_tab6;
  for (let p = 0; p < plens.length; p++) {
    const len = plens[p];
    const t = tab[len] as rib6_plen_tab;
    const o = len << 2;
    const k0 = a0 & rt6_wmask[o];
    const k1 = a1 & rt6_wmask[o + 1];
    const k2 = a2 & rt6_wmask[o + 2];
    const k3 = a3 & rt6_wmask[o + 3];
    const keys = t.rt6_keys;
    const vals = t.rt6_vals;
    const m = t.rt6_cap - 1;
    let i = rt6_hash(k0, k1, k2, k3) & m;
    for (;;) {
      const rt = vals[i];
      if (rt === null) break;
      const ko = i << 2;
      if (keys[ko] === k0 && keys[ko + 1] === k1 && keys[ko + 2] === k2 && keys[ko + 3] === k3) return rt;
      i = (i + 1) & m;
    }
  }
  return null;
}

/** rnh_lookup for AF_INET6: exact match of (address, plen). */
export function rib6_lookup(rh: rib_head, a0: number, a1: number, a2: number, a3: number, plen: number): rtentry | null {
  const t = rh.rnh_tab6[plen];
  if (t === null) return null;
  const o = plen << 2;
  const i = rt6_find(t, a0 & rt6_wmask[o], a1 & rt6_wmask[o + 1], a2 & rt6_wmask[o + 2], a3 & rt6_wmask[o + 3]);
  return i < 0 ? null : t.rt6_vals[i];
}

/** rnh_addaddr for AF_INET6: false when the prefix is there already. */
export function rib6_addaddr(rh: rib_head, rt: rtentry): boolean {
  const w = rt.rt_key6;
  if (w === null) return false;
  const plen = rt.rt_plen;
  let t = rh.rnh_tab6[plen];
  if (t === null) {
    t = new rib6_plen_tab();
    rh.rnh_tab6[plen] = t;
    rh.rnh_plens.push(plen);
    rh.rnh_plens.sort((a, b) => b - a);
  } else if (rt6_find(t, w[0], w[1], w[2], w[3]) >= 0) {
    return false;
  }
  if ((t.rt6_size + 1) * 2 > t.rt6_cap) rt6_grow(t);
  rt6_insert_slot(t, w[0], w[1], w[2], w[3], rt);
  t.rt6_size++;
  return true;
}

/** rnh_deladdr for AF_INET6: unlink (address, plen) and return it. */
export function rib6_deladdr(rh: rib_head, a0: number, a1: number, a2: number, a3: number, plen: number): rtentry | null {
  const t = rh.rnh_tab6[plen];
  if (t === null) return null;
  const o = plen << 2;
  const i = rt6_find(t, a0 & rt6_wmask[o], a1 & rt6_wmask[o + 1], a2 & rt6_wmask[o + 2], a3 & rt6_wmask[o + 3]);
  if (i < 0) return null;
  const rt = t.rt6_vals[i];
  rt6_remove_slot(t, i);
  if (t.rt6_size === 0) {
    rh.rnh_tab6[plen] = null;
    rh.rnh_plens = rh.rnh_plens.filter((l) => l !== plen);
  }
  return rt;
}

/** Unlink rt from its table, whatever the family; rt itself, or null when it was not there. */
export function rib_deladdr_rt(rh: rib_head, rt: rtentry): rtentry | null {
  if (rt.rt_key6 !== null) {
    const w = rt.rt_key6;
    return rib6_deladdr(rh, w[0], w[1], w[2], w[3], rt.rt_plen);
  }
  return rib4_deladdr(rh, rt.rt_dst, rt.rt_plen);
}

/** Radix order of two IPv6 entries: by address (unsigned), then the longer prefix first. */
function rt6_cmp(a: rtentry, b: rtentry): number {
  const x = a.rt_key6 as Int32Array;
  const y = b.rt_key6 as Int32Array;
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return (x[i] >>> 0) - (y[i] >>> 0);
  return b.rt_plen - a.rt_plen;
}

/** The four host-order words of 16 address bytes into out (control plane). */
export function rt6_words(b: Uint8Array, out: Int32Array): Int32Array {
  for (let i = 0; i < 4; i++) out[i] = (b[i * 4] << 24) | (b[i * 4 + 1] << 16) | (b[i * 4 + 2] << 8) | b[i * 4 + 3];
  return out;
}

/** The 16 bytes of four host-order words into out. */
export function rt6_bytes(w: Int32Array, out: Uint8Array): Uint8Array {
  for (let i = 0; i < 4; i++) {
    out[i * 4] = w[i] >>> 24;
    out[i * 4 + 1] = (w[i] >>> 16) & 0xff;
    out[i * 4 + 2] = (w[i] >>> 8) & 0xff;
    out[i * 4 + 3] = w[i] & 0xff;
  }
  return out;
}
