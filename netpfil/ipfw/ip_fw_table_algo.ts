// sys/netpfil/ipfw/ip_fw_table_algo.c: the lookup algorithms behind ipfw
// tables: addr:radix (longest-prefix match of IPv4 and IPv6 prefixes),
// addr:hash (exact match of addresses cut to one prefix length per family,
// "addr:hash masks=/24,/64"), addr:kfib (a read-only view of one of the
// vnet's routing tables, "addr:kfib fib=N"), number:array (a sorted array of 32-bit keys: ports, uids, jail ids, dscp),
// iface:array (interface names, matched by the packet's interface) and
// flow:hash (5-tuples, the fields chosen by the table's type flags).
//
// Each algorithm keeps its entries in its own state (ta_state) and gives the
// table a lookup function (table_info.lookup) that the packet path calls
// through ipfw_lookup_table; lookups read their key from numbers and byte
// arrays already in hand and allocate nothing.
//
// Departures: addr:radix is not a radix tree but, like net/radix.ts for the
// routing tables, one hash map per prefix length present, probed from the
// longest down, which gives the same longest-prefix match for the
// contiguous masks a table accepts.  Its dump is sorted into radix walk
// order (by address, the more specific prefix first), IPv4 before IPv6.
// flow:hash keeps its entries cut to the table's fields (FreeBSD keeps them
// whole and cuts only the packet's key; tables.c sends only those fields).
// addr:hash and flow:hash grow their buckets inside the
// add (FreeBSD resizes them just before it, through ta_need_modify_chash and
// ta_modify_chash or _fhash: same sizes, same chains).  addr:kfib keeps its fib
// number in its state as well as in ti.data, and its foreach collects the
// fib's routes before it hands them on.
//
// mac:radix (longest-prefix match of Ethernet addresses, /0 to /48) is kept
// the way addr:radix is: one map per prefix length, the 48-bit address a
// plain number, the dump sorted into radix walk order.  Its find_tentry
// (ipfw table T lookup) looks up the address it was asked for: FreeBSD
// 14's ta_find_mac_radix_tentry copies its uninitialised on-stack key over
// the request's key instead of the other way round, so there the answer
// depends on what the stack held.

import { E2BIG, EACCES, EEXIST, EFBIG, EINVAL, ENOENT } from "../../kern/errno.ts";
import { AF_LINK } from "../../kern/socket.ts";
import { fib4_lookup, fib4_lookup_rt } from "../../netinet/in_fib.ts";
import { NHR_NONE } from "../../net/route/nhop.ts";
import { fib6_lookup_rt } from "../../netinet6/in6_fib.ts";
import { in6_addr_from } from "../../netinet6/in6_var.ts";
import { route_nhop_data } from "../../net/route/route_ctl.ts";
import { rib_walk } from "../../net/route/route_helpers.ts";
import { rt_get_inet6_prefix_plen, rt_get_inet_prefix_plen } from "../../net/route/route_rtentry.ts";
import { V_rt_numfibs } from "../../net/route/route_tables.ts";
import type { rtentry } from "../../net/route/route_var.ts";
import * as fw from "../../netinet/ip_fw.ts";
import type { ipfw_flow_id } from "../../netinet/ip_fw.ts";
import {
  TA_FLAG_DEFAULT,
  TA_FLAG_READONLY,
  TEI_FLAGS_DONTADD,
  TEI_FLAGS_UPDATE,
  TEI_FLAGS_UPDATED,
  type table_algo,
  type table_info,
  type ipfw_ta_tinfo,
  type ta_state,
  tentry_info,
} from "./ip_fw_table.ts";

export const AF_INET = 2;
export const AF_INET6 = 28;
const IF_NAMESIZE = 16;

/** Prefix length -> IPv4 mask as int32. */
const masks4 = new Int32Array(33);
for (let l = 1; l <= 32; l++) masks4[l] = (0xffffffff << (32 - l)) | 0;

/** Prefix length -> the four IPv6 mask words. */
const masks6 = new Int32Array(129 * 4);
for (let l = 0; l <= 128; l++) {
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, l - 32 * i));
    masks6[l * 4 + i] = bits === 0 ? 0 : (0xffffffff << (32 - bits)) | 0;
  }
}

function w6(b: Uint8Array, i: number): number {
  const o = i * 4;
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

// ---------------------------------------------------------------------------
// addr:radix

class radix_addr_entry {
  constructor(
    /** Masked address, host order (IPv4). */
    readonly addr: number,
    readonly masklen: number,
    public value: number,
  ) {}
}

class radix_addr_xentry {
  constructor(
    /** Masked address words, host order (IPv6). */
    readonly a0: number,
    readonly a1: number,
    readonly a2: number,
    readonly a3: number,
    readonly masklen: number,
    public value: number,
  ) {}
}

/** Open addressing over four-word keys, one table per IPv6 prefix length. */
class plen6_tab {
  cap = 8;
  size = 0;
  keys = new Int32Array(8 * 4);
  vals: (radix_addr_xentry | null)[] = new Array<radix_addr_xentry | null>(8).fill(null);
}

function h6(k0: number, k1: number, k2: number, k3: number): number {
  let h = Math.imul(k0, 0x9e3779b1) ^ Math.imul(k1 ^ (k1 >>> 16), 0x85ebca6b);
  h ^= Math.imul(k2 ^ (k2 >>> 15), 0xc2b2ae35) ^ Math.imul(k3 ^ (k3 >>> 13), 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
}

function p6_find(t: plen6_tab, k0: number, k1: number, k2: number, k3: number): number {
  const m = t.cap - 1;
  let i = h6(k0, k1, k2, k3) & m;
  for (;;) {
    if (t.vals[i] === null) return -1;
    const o = i << 2;
    if (t.keys[o] === k0 && t.keys[o + 1] === k1 && t.keys[o + 2] === k2 && t.keys[o + 3] === k3) return i;
    i = (i + 1) & m;
  }
}

function p6_put(t: plen6_tab, e: radix_addr_xentry): void {
  const m = t.cap - 1;
  let i = h6(e.a0, e.a1, e.a2, e.a3) & m;
  while (t.vals[i] !== null) i = (i + 1) & m;
  const o = i << 2;
  t.keys[o] = e.a0;
  t.keys[o + 1] = e.a1;
  t.keys[o + 2] = e.a2;
  t.keys[o + 3] = e.a3;
  t.vals[i] = e;
}

function p6_insert(t: plen6_tab, e: radix_addr_xentry): void {
  if ((t.size + 1) * 2 > t.cap) {
    const old = t.vals;
    t.cap *= 2;
    t.keys = new Int32Array(t.cap * 4);
    t.vals = new Array<radix_addr_xentry | null>(t.cap).fill(null);
    for (const x of old) if (x !== null) p6_put(t, x);
  }
  p6_put(t, e);
  t.size++;
}

function p6_remove(t: plen6_tab, i: number): void {
  const m = t.cap - 1;
  t.vals[i] = null;
  t.size--;
  let j = (i + 1) & m;
  while (t.vals[j] !== null) {
    const e = t.vals[j] as radix_addr_xentry;
    const home = h6(e.a0, e.a1, e.a2, e.a3) & m;
    const between = i <= j ? home > i && home <= j : home > i || home <= j;
    if (!between) {
      const oi = i << 2;
      const oj = j << 2;
      for (let k = 0; k < 4; k++) t.keys[oi + k] = t.keys[oj + k];
      t.vals[i] = e;
      t.vals[j] = null;
      i = j;
    }
    j = (j + 1) & m;
  }
}

/** One map per prefix length (masked key -> entry) and the lengths
 *  present, longest first: addr:radix's IPv4 head and mac:radix's. */
class plen_maps<E> {
  readonly tab: (Map<number, E> | null)[];
  plens: number[] = [];
  constructor(maxlen: number) {
    this.tab = new Array<Map<number, E> | null>(maxlen + 1).fill(null);
  }
  get(ml: number, a: number): E | undefined {
    const t = this.tab[ml];
    return t === null ? undefined : t.get(a);
  }
  insert(ml: number, a: number, e: E): void {
    let t = this.tab[ml];
    if (t === null) {
      t = new Map();
      this.tab[ml] = t;
      this.plens.push(ml);
      this.plens.sort((x, y) => y - x);
    }
    t.set(a, e);
  }
  /** The entry taken out, or undefined when there was none. */
  remove(ml: number, a: number): E | undefined {
    const t = this.tab[ml];
    const e = t === null ? undefined : t.get(a);
    if (t === null || e === undefined) return undefined;
    t.delete(a);
    if (t.size === 0) {
      this.tab[ml] = null;
      this.plens = this.plens.filter((l) => l !== ml);
    }
    return e;
  }
  all(): E[] {
    const out: E[] = [];
    for (const l of this.plens) for (const e of (this.tab[l] as Map<number, E>).values()) out.push(e);
    return out;
  }
}

/** struct radix_cfg plus the two "radix heads". */
export class radix_cfg implements ta_state {
  /** IPv4: masked address -> entry, per prefix length. */
  readonly v4 = new plen_maps<radix_addr_entry>(32);
  readonly tab6: (plen6_tab | null)[] = new Array<plen6_tab | null>(129).fill(null);
  plens6: number[] = [];
  count4 = 0;
  count6 = 0;
}

function ta_lookup_radix(ti: table_info, keylen: number, key: number, key6: Uint8Array | null): number {
  const cfg = ti.state as radix_cfg;
  if (keylen === 4) {
    const plens = cfg.v4.plens;
    for (let i = 0; i < plens.length; i++) {
      const l = plens[i];
      const e = (cfg.v4.tab[l] as Map<number, radix_addr_entry>).get(key & masks4[l]);
      if (e !== undefined) return e.value;
    }
    return -1;
  }
  if (key6 === null) return -1;
  const a0 = w6(key6, 0);
  const a1 = w6(key6, 1);
  const a2 = w6(key6, 2);
  const a3 = w6(key6, 3);
  const plens = cfg.plens6;
  for (let p = 0; p < plens.length; p++) {
    const l = plens[p];
    const o = l << 2;
    const t = cfg.tab6[l] as plen6_tab;
    const i = p6_find(t, a0 & masks6[o], a1 & masks6[o + 1], a2 & masks6[o + 2], a3 & masks6[o + 3]);
    if (i >= 0) return (t.vals[i] as radix_addr_xentry).value;
  }
  return -1;
}

function radix_prepare(tei: tentry_info): number {
  if (tei.subtype === AF_INET) {
    if (tei.masklen > 32) return EINVAL;
  } else if (tei.subtype === AF_INET6) {
    if (tei.masklen > 128) return EINVAL;
  } else {
    return EINVAL;
  }
  return 0;
}

/**
 * The update half of every ta_add_*: the key is there already, so without
 * TEI_FLAGS_UPDATE it is EEXIST, and with it the entry takes the new value
 * and tei gets the old one back (TEI_FLAGS_UPDATED, no entry added).
 * FreeBSD writes this out in each algorithm.
 */
function ta_update_value(e: { value: number }, tei: tentry_info, pnum: { v: number }): number {
  if ((tei.flags & TEI_FLAGS_UPDATE) === 0) return EEXIST;
  const old = e.value;
  e.value = tei.value;
  tei.value = old;
  tei.flags |= TEI_FLAGS_UPDATED;
  pnum.v = 0;
  return 0;
}

function radix_add(cfg: radix_cfg, tei: tentry_info, pnum: { v: number }): number {
  const ml = tei.masklen;
  if (tei.subtype === AF_INET) {
    const a = tei.key4 & masks4[ml];
    const e = cfg.v4.get(ml, a);
    if (e !== undefined) {
      return ta_update_value(e, tei, pnum);
    }
    if ((tei.flags & TEI_FLAGS_DONTADD) !== 0) return EFBIG;
    cfg.v4.insert(ml, a, new radix_addr_entry(a, ml, tei.value));
    cfg.count4++;
    pnum.v = 1;
    return 0;
  }
  const o = ml << 2;
  const k = tei.key6;
  const k0 = w6(k, 0) & masks6[o];
  const k1 = w6(k, 1) & masks6[o + 1];
  const k2 = w6(k, 2) & masks6[o + 2];
  const k3 = w6(k, 3) & masks6[o + 3];
  let t = cfg.tab6[ml];
  const i = t === null ? -1 : p6_find(t, k0, k1, k2, k3);
  if (t !== null && i >= 0) {
    return ta_update_value(t.vals[i] as radix_addr_xentry, tei, pnum);
  }
  if ((tei.flags & TEI_FLAGS_DONTADD) !== 0) return EFBIG;
  if (t === null) {
    t = new plen6_tab();
    cfg.tab6[ml] = t;
    cfg.plens6.push(ml);
    cfg.plens6.sort((x, y) => y - x);
  }
  p6_insert(t, new radix_addr_xentry(k0, k1, k2, k3, ml, tei.value));
  cfg.count6++;
  pnum.v = 1;
  return 0;
}

function radix_del(cfg: radix_cfg, tei: tentry_info, pnum: { v: number }): number {
  const ml = tei.masklen;
  if (tei.subtype === AF_INET) {
    const e = cfg.v4.remove(ml, tei.key4 & masks4[ml]);
    if (e === undefined) return ENOENT;
    tei.value = e.value;
    cfg.count4--;
    pnum.v = 1;
    return 0;
  }
  const o = ml << 2;
  const k = tei.key6;
  const t = cfg.tab6[ml];
  const i = t === null ? -1 : p6_find(t, w6(k, 0) & masks6[o], w6(k, 1) & masks6[o + 1], w6(k, 2) & masks6[o + 2], w6(k, 3) & masks6[o + 3]);
  if (t === null || i < 0) return ENOENT;
  const e = t.vals[i] as radix_addr_xentry;
  p6_remove(t, i);
  if (t.size === 0) {
    cfg.tab6[ml] = null;
    cfg.plens6 = cfg.plens6.filter((l) => l !== ml);
  }
  tei.value = e.value;
  cfg.count6--;
  pnum.v = 1;
  return 0;
}

function radix_entries(cfg: radix_cfg): (radix_addr_entry | radix_addr_xentry)[] {
  const v4 = cfg.v4.all();
  v4.sort((a, b) => (a.addr >>> 0) - (b.addr >>> 0) || b.masklen - a.masklen);
  const v6: radix_addr_xentry[] = [];
  for (const l of cfg.plens6) for (const e of (cfg.tab6[l] as plen6_tab).vals) if (e !== null) v6.push(e);
  v6.sort((a, b) => (a.a0 >>> 0) - (b.a0 >>> 0) || (a.a1 >>> 0) - (b.a1 >>> 0) || (a.a2 >>> 0) - (b.a2 >>> 0) || (a.a3 >>> 0) - (b.a3 >>> 0) || b.masklen - a.masklen);
  return [...v4, ...v6];
}

function radix_dump_tentry(e: unknown, tent: tentry_info): void {
  if (e instanceof radix_addr_entry) {
    tent.subtype = AF_INET;
    tent.masklen = e.masklen;
    tent.key4 = e.addr;
    tent.value = e.value;
  } else {
    const x = e as radix_addr_xentry;
    tent.subtype = AF_INET6;
    tent.masklen = x.masklen;
    const w = [x.a0, x.a1, x.a2, x.a3];
    for (let i = 0; i < 4; i++) {
      tent.key6[i * 4] = w[i] >>> 24;
      tent.key6[i * 4 + 1] = (w[i] >>> 16) & 0xff;
      tent.key6[i * 4 + 2] = (w[i] >>> 8) & 0xff;
      tent.key6[i * 4 + 3] = w[i] & 0xff;
    }
    tent.value = x.value;
  }
}

function addr_radix(): table_algo {
  return {
  name: "addr:radix",
  type: fw.IPFW_TABLE_ADDR,
  flags: TA_FLAG_DEFAULT,
  vlimit: 0,
  init(ti) {
    const cfg = new radix_cfg();
    ti.state = cfg;
    ti.lookup = ta_lookup_radix;
    return cfg;
  },
  destroy() {},
  prepare_add: radix_prepare,
  prepare_del: radix_prepare,
  add: (st, tei, pnum) => radix_add(st as radix_cfg, tei, pnum),
  del: (st, tei, pnum) => radix_del(st as radix_cfg, tei, pnum),
  foreach(st, f) {
    for (const e of radix_entries(st as radix_cfg)) if (f(e) !== 0) break;
  },
  dump_tentry: (_st, e, tent) => radix_dump_tentry(e, tent),
  find_tentry(st, ti, tent) {
    const cfg = st as radix_cfg;
    void cfg;
    let found: radix_addr_entry | radix_addr_xentry | null = null;
    if (tent.subtype === AF_INET) {
      const c = (ti.state as radix_cfg).v4;
      for (const l of c.plens) {
        const e = (c.tab[l] as Map<number, radix_addr_entry>).get(tent.key4 & masks4[l]);
        if (e !== undefined) {
          found = e;
          break;
        }
      }
    } else {
      const c = ti.state as radix_cfg;
      const k = tent.key6;
      for (const l of c.plens6) {
        const o = l << 2;
        const t = c.tab6[l] as plen6_tab;
        const i = p6_find(t, w6(k, 0) & masks6[o], w6(k, 1) & masks6[o + 1], w6(k, 2) & masks6[o + 2], w6(k, 3) & masks6[o + 3]);
        if (i >= 0) {
          found = t.vals[i];
          break;
        }
      }
    }
    if (found === null) return ENOENT;
    radix_dump_tentry(found, tent);
    return 0;
  },
  dump_tinfo(st, tinfo) {
    const cfg = st as radix_cfg;
    tinfo.flags = fw.IPFW_TATFLAGS_AFDATA | fw.IPFW_TATFLAGS_AFITEM;
    tinfo.taclass4 = fw.IPFW_TACLASS_RADIX;
    tinfo.count4 = cfg.count4;
    tinfo.itemsize4 = 48; // sizeof(struct radix_addr_entry) on amd64
    tinfo.taclass6 = fw.IPFW_TACLASS_RADIX;
    tinfo.count6 = cfg.count6;
    tinfo.itemsize6 = 64; // sizeof(struct radix_addr_xentry)
  },
  count(st) {
    const cfg = st as radix_cfg;
    return cfg.count4 + cfg.count6;
  },
  refcnt: 0,
  idx: 0,
  };
}

// ---------------------------------------------------------------------------
// addr:hash: exact matches of addresses cut to one prefix length per family
// (masks=/M4,/M6, /32 and /128 unless the algorithm string says otherwise),
// kept in chained hash buckets that double when they hold more entries than
// buckets.

/** struct chashentry: IPv4 keeps the address shifted right by 32 - mask4
 *  (host order); IPv6 keeps the masked address as the four 32-bit words an
 *  amd64 kernel reads (little-endian loads of network-order bytes). */
class chashentry {
  next: chashentry | null = null;
  constructor(
    readonly type: number,
    readonly a4: number,
    readonly w0: number,
    readonly w1: number,
    readonly w2: number,
    readonly w3: number,
    public value: number,
  ) {}
}

/** struct chash_cfg. */
export class chash_cfg implements ta_state {
  head4: (chashentry | null)[];
  head6: (chashentry | null)[];
  size4 = 128;
  size6 = 128;
  items4 = 0;
  items6 = 0;
  mask4 = 32;
  mask6 = 128;
  constructor() {
    this.head4 = new Array<chashentry | null>(this.size4).fill(null);
    this.head6 = new Array<chashentry | null>(this.size6).fill(null);
  }
}

/** A 32-bit word of an in6_addr as a little-endian machine loads it. */
function le6(b: Uint8Array, i: number): number {
  const o = i * 4;
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** The little-endian word i of an address cut to mlen bits. */
function le6_masked(b: Uint8Array, i: number, mlen: number): number {
  const m = masks6[mlen * 4 + i];
  const o = i * 4;
  return ((b[o] & (m >>> 24)) | ((b[o + 1] & ((m >>> 16) & 0xff)) << 8) | ((b[o + 2] & ((m >>> 8) & 0xff)) << 16) | ((b[o + 3] & (m & 0xff)) << 24)) >>> 0;
}

function hash_ip(addr: number, hsize: number): number {
  return (addr >>> 0) % (hsize - 1);
}

function hash_ip6(w0: number, w1: number, w2: number, w3: number, hsize: number): number {
  return ((w0 ^ w1 ^ w2 ^ w3) >>> 0) % (hsize - 1);
}

function hash_ip64(w0: number, w1: number, hsize: number): number {
  return ((w0 ^ w1) >>> 0) % (hsize - 1);
}

/** The IPv4 key: host-order address without its low 32 - mask4 bits. */
function chash_key4(a: number, imask: number): number {
  return imask >= 32 ? 0 : (a >>> imask) >>> 0;
}

function chash_lookup4(ti: table_info, key: number): number {
  const cfg = ti.state as chash_cfg;
  const a = chash_key4(key, ti.data >>> 24);
  for (let ent = cfg.head4[hash_ip(a, cfg.size4)]; ent !== null; ent = ent.next) {
    if (ent.a4 === a) return ent.value;
  }
  return -1;
}

function chash_lookup6(cfg: chash_cfg, w0: number, w1: number, w2: number, w3: number, h: number): number {
  for (let ent = cfg.head6[h]; ent !== null; ent = ent.next) {
    if (ent.w0 === w0 && ent.w1 === w1 && ent.w2 === w2 && ent.w3 === w3) return ent.value;
  }
  return -1;
}

/** The IPv6 half of the slow and aligned lookups: the key cut to mask6. */
function chash_lookup_cut6(ti: table_info, key6: Uint8Array): number {
  const cfg = ti.state as chash_cfg;
  const m = cfg.mask6;
  const w0 = le6_masked(key6, 0, m);
  const w1 = le6_masked(key6, 1, m);
  const w2 = le6_masked(key6, 2, m);
  const w3 = le6_masked(key6, 3, m);
  return chash_lookup6(cfg, w0, w1, w2, w3, hash_ip6(w0, w1, w2, w3, cfg.size6));
}

/** Any IPv6 mask: the key is masked bit by bit. */
function ta_lookup_chash_slow(ti: table_info, keylen: number, key: number, key6: Uint8Array | null): number {
  if (keylen === 4) return chash_lookup4(ti, key);
  return key6 === null ? -1 : chash_lookup_cut6(ti, key6);
}

/** IPv6 masks on a byte boundary: FreeBSD copies the first mask6 / 8 bytes
 *  of the key, which is the same cut. */
function ta_lookup_chash_aligned(ti: table_info, keylen: number, key: number, key6: Uint8Array | null): number {
  if (keylen === 4) return chash_lookup4(ti, key);
  return key6 === null ? -1 : chash_lookup_cut6(ti, key6);
}

/** IPv6 /64: the first eight bytes of the key, hashed as two words. */
function ta_lookup_chash_64(ti: table_info, keylen: number, key: number, key6: Uint8Array | null): number {
  if (keylen === 4) return chash_lookup4(ti, key);
  if (key6 === null) return -1;
  const cfg = ti.state as chash_cfg;
  const w0 = le6(key6, 0);
  const w1 = le6(key6, 1);
  return chash_lookup6(cfg, w0, w1, 0, 0, hash_ip64(w0, w1, cfg.size6));
}

/** chash_parse_opts: "addr:hash masks=/M4[,/M6]"; nothing after the name
 *  keeps the defaults. */
export function chash_parse_opts(cfg: chash_cfg, data: string | null): number {
  if (data === null) return 0;
  const sp = data.indexOf(" ");
  if (sp < 0) return 0;
  let p = data.slice(sp).replace(/^ +/, "");
  if (!p.startsWith("masks=")) return EINVAL;
  const sp2 = p.indexOf(" ");
  if (sp2 >= 0) p = p.slice(0, sp2);
  p = p.slice(6);
  const m = /^\/([+-]?\d*)(?:,\/([+-]?\d*))?$/.exec(p);
  if (m === null) return EINVAL;
  // strtol: no digits reads as 0.
  const mask4 = m[1] === "" || m[1] === "+" || m[1] === "-" ? 0 : parseInt(m[1], 10);
  const mask6 = m[2] === undefined ? cfg.mask6 : m[2] === "" || m[2] === "+" || m[2] === "-" ? 0 : parseInt(m[2], 10);
  if (mask4 < 0 || mask4 > 32 || mask6 < 0 || mask6 > 128) return EINVAL;
  cfg.mask4 = mask4;
  cfg.mask6 = mask6;
  return 0;
}

function ta_print_chash_config(st: ta_state): string {
  const cfg = st as chash_cfg;
  if (cfg.mask4 !== 32 || cfg.mask6 !== 128) return `addr:hash masks=/${cfg.mask4},/${cfg.mask6}`;
  return "addr:hash";
}

function ta_log2(v: number): number {
  let r = 0;
  while ((v >>>= 1) !== 0) r++;
  return r;
}

function ta_init_chash(ti: table_info, _tflags: number, data: string | null): ta_state | number {
  const cfg = new chash_cfg();
  const error = chash_parse_opts(cfg, data);
  if (error !== 0) return error;
  ti.state = cfg;
  const hsize = (ta_log2(cfg.size4) << 8) | ta_log2(cfg.size6);
  if (cfg.mask6 === 64) {
    ti.data = (((32 - cfg.mask4) << 24) | ((128 - cfg.mask6) << 16) | hsize) >>> 0;
    ti.lookup = ta_lookup_chash_64;
  } else if (cfg.mask6 % 8 === 0) {
    ti.data = (((32 - cfg.mask4) << 24) | (cfg.mask6 << 13) | hsize) >>> 0;
    ti.lookup = ta_lookup_chash_aligned;
  } else {
    ti.data = (((32 - cfg.mask4) << 24) | (cfg.mask6 << 16) | hsize) >>> 0;
    ti.lookup = ta_lookup_chash_slow;
  }
  return cfg;
}

function ta_dump_chash_tinfo(st: ta_state, tinfo: ipfw_ta_tinfo): void {
  const cfg = st as chash_cfg;
  tinfo.flags = fw.IPFW_TATFLAGS_AFDATA | fw.IPFW_TATFLAGS_AFITEM;
  tinfo.taclass4 = fw.IPFW_TACLASS_HASH;
  tinfo.size4 = cfg.size4;
  tinfo.count4 = cfg.items4;
  tinfo.itemsize4 = 32; // sizeof(struct chashentry) on amd64
  tinfo.taclass6 = fw.IPFW_TACLASS_HASH;
  tinfo.size6 = cfg.size6;
  tinfo.count6 = cfg.items6;
  tinfo.itemsize6 = 32;
}

function put_le6(b: Uint8Array, i: number, w: number): void {
  b[i * 4] = w & 0xff;
  b[i * 4 + 1] = (w >>> 8) & 0xff;
  b[i * 4 + 2] = (w >>> 16) & 0xff;
  b[i * 4 + 3] = (w >>> 24) & 0xff;
}

function ta_dump_chash_tentry(st: ta_state, e: unknown, tent: tentry_info): void {
  const cfg = st as chash_cfg;
  const ent = e as chashentry;
  if (ent.type === AF_INET) {
    tent.key4 = cfg.mask4 === 0 ? 0 : (ent.a4 << (32 - cfg.mask4)) >>> 0;
    tent.masklen = cfg.mask4;
    tent.subtype = AF_INET;
  } else {
    put_le6(tent.key6, 0, ent.w0);
    put_le6(tent.key6, 1, ent.w1);
    put_le6(tent.key6, 2, ent.w2);
    put_le6(tent.key6, 3, ent.w3);
    tent.masklen = cfg.mask6;
    tent.subtype = AF_INET6;
  }
  tent.value = ent.value;
}

function hash_ent(ent: chashentry, af: number, mlen: number, size: number): number {
  if (af === AF_INET) return hash_ip(ent.a4, size);
  if (mlen === 64) return hash_ip64(ent.w0, ent.w1, size);
  return hash_ip6(ent.w0, ent.w1, ent.w2, ent.w3, size);
}

/** tei_to_chash_ent: the entry tei describes, or an errno. */
function tei_to_chash_ent(tei: tentry_info): chashentry | number {
  const mlen = tei.masklen;
  if (tei.subtype === AF_INET) {
    if (mlen > 32) return EINVAL;
    return new chashentry(AF_INET, chash_key4(tei.key4 >>> 0, 32 - mlen), 0, 0, 0, 0, 0);
  }
  if (tei.subtype === AF_INET6) {
    if (mlen > 128) return EINVAL;
    const k = tei.key6;
    return new chashentry(AF_INET6, 0, le6_masked(k, 0, mlen), le6_masked(k, 1, mlen), le6_masked(k, 2, mlen), le6_masked(k, 3, mlen), 0);
  }
  return EINVAL;
}

function chash_same(a: chashentry, b: chashentry): boolean {
  if (a.type === AF_INET) return a.a4 === b.a4;
  return a.w0 === b.w0 && a.w1 === b.w1 && a.w2 === b.w2 && a.w3 === b.w3;
}

function chash_search(cfg: chashentry | null, ent: chashentry): chashentry | null {
  for (let tmp = cfg; tmp !== null; tmp = tmp.next) if (chash_same(tmp, ent)) return tmp;
  return null;
}

function ta_find_chash_tentry(st: ta_state, _ti: table_info, tent: tentry_info): number {
  const cfg = st as chash_cfg;
  const v4 = tent.subtype === AF_INET;
  const tei = new tentry_info();
  tei.subtype = v4 ? AF_INET : AF_INET6;
  tei.masklen = v4 ? cfg.mask4 : cfg.mask6;
  tei.key4 = tent.key4;
  tei.key6.set(tent.key6);
  const ent = tei_to_chash_ent(tei);
  if (typeof ent === "number") return ent;
  const tmp = v4 ? chash_search(cfg.head4[hash_ent(ent, AF_INET, cfg.mask4, cfg.size4)], ent) : chash_search(cfg.head6[hash_ent(ent, AF_INET6, cfg.mask6, cfg.size6)], ent);
  if (tmp === null) return ENOENT;
  ta_dump_chash_tentry(st, tmp, tent);
  return 0;
}

function ta_foreach_chash(st: ta_state, f: (e: unknown) => number): void {
  const cfg = st as chash_cfg;
  const all: chashentry[] = [];
  for (const h of [cfg.head4, cfg.head6]) for (let i = 0; i < h.length; i++) for (let e = h[i]; e !== null; e = e.next) all.push(e);
  for (const e of all) if (f(e) !== 0) break;
}

/** ta_need_modify_chash + ta_modify_chash: a family whose entries outnumber
 *  its buckets gets twice the buckets (up to 65536), its entries moved over
 *  bucket by bucket, each to the head of its new chain. */
function chash_grow(cfg: chash_cfg): void {
  if (cfg.items4 > cfg.size4 && cfg.size4 < 65536) {
    cfg.head4 = chash_rehash(cfg.head4, cfg.size4 * 2, AF_INET, cfg.mask4);
    cfg.size4 *= 2;
  }
  if (cfg.items6 > cfg.size6 && cfg.size6 < 65536) {
    cfg.head6 = chash_rehash(cfg.head6, cfg.size6 * 2, AF_INET6, cfg.mask6);
    cfg.size6 *= 2;
  }
}

function chash_rehash(old: (chashentry | null)[], size: number, af: number, mlen: number): (chashentry | null)[] {
  const head = new Array<chashentry | null>(size).fill(null);
  for (let i = 0; i < old.length; i++) {
    let next: chashentry | null;
    for (let e = old[i]; e !== null; e = next) {
      next = e.next;
      const h = hash_ent(e, af, mlen, size);
      e.next = head[h];
      head[h] = e;
    }
  }
  return head;
}

function ta_add_chash(st: ta_state, tei: tentry_info, pnum: { v: number }): number {
  const cfg = st as chash_cfg;
  chash_grow(cfg);
  const ent = tei_to_chash_ent(tei);
  if (typeof ent === "number") return ent;
  ent.value = tei.value;
  const v4 = tei.subtype === AF_INET;
  if (tei.masklen !== (v4 ? cfg.mask4 : cfg.mask6)) return EINVAL;
  const head = v4 ? cfg.head4 : cfg.head6;
  const hash = v4 ? hash_ent(ent, AF_INET, cfg.mask4, cfg.size4) : hash_ent(ent, AF_INET6, cfg.mask6, cfg.size6);
  const tmp = chash_search(head[hash], ent);
  if (tmp !== null) return ta_update_value(tmp, tei, pnum);
  if ((tei.flags & TEI_FLAGS_DONTADD) !== 0) return EFBIG;
  ent.next = head[hash];
  head[hash] = ent;
  pnum.v = 1;
  if (v4) cfg.items4++;
  else cfg.items6++;
  return 0;
}

function ta_del_chash(st: ta_state, tei: tentry_info, pnum: { v: number }): number {
  const cfg = st as chash_cfg;
  const ent = tei_to_chash_ent(tei);
  if (typeof ent === "number") return ent;
  const v4 = tei.subtype === AF_INET;
  if (tei.masklen !== (v4 ? cfg.mask4 : cfg.mask6)) return EINVAL;
  const head = v4 ? cfg.head4 : cfg.head6;
  const hash = v4 ? hash_ent(ent, AF_INET, cfg.mask4, cfg.size4) : hash_ent(ent, AF_INET6, cfg.mask6, cfg.size6);
  let prev: chashentry | null = null;
  for (let tmp = head[hash]; tmp !== null; prev = tmp, tmp = tmp.next) {
    if (!chash_same(tmp, ent)) continue;
    if (prev === null) head[hash] = tmp.next;
    else prev.next = tmp.next;
    tmp.next = null;
    if (v4) cfg.items4--;
    else cfg.items6--;
    tei.value = tmp.value;
    pnum.v = 1;
    return 0;
  }
  return ENOENT;
}

/** ta_prepare_add_chash / ta_prepare_del_chash: the key must convert. */
function chash_prepare(tei: tentry_info): number {
  const ent = tei_to_chash_ent(tei);
  return typeof ent === "number" ? ent : 0;
}

function addr_hash(): table_algo {
  return {
  name: "addr:hash",
  type: fw.IPFW_TABLE_ADDR,
  flags: 0,
  vlimit: 0,
  init: ta_init_chash,
  destroy() {},
  prepare_add: chash_prepare,
  prepare_del: chash_prepare,
  add: ta_add_chash,
  del: ta_del_chash,
  foreach: ta_foreach_chash,
  dump_tentry: ta_dump_chash_tentry,
  find_tentry: ta_find_chash_tentry,
  dump_tinfo: ta_dump_chash_tinfo,
  print_config: ta_print_chash_config,
  count(st) {
    const cfg = st as chash_cfg;
    return cfg.items4 + cfg.items6;
  },
  refcnt: 0,
  idx: 0,
  };
}

// ---------------------------------------------------------------------------
// addr:kfib: a read-only view of one routing table (fib=N) of the vnet: an
// address is in the table when the fib has a route to it.  Entries are the
// fib's routes, their values 0.

export class kfib_dump_arg {
  constructor(
    readonly family: number,
    readonly rt: rtentry,
  ) {}
}

/** ta_lookup_kfib.  FreeBSD 14 asks for an IPv6 key with keylen == 6,
 *  which no IPv6 key has (they are 16 bytes): its packets never match
 *  through addr:kfib, and neither do ours. */
function ta_lookup_kfib(ti: table_info, keylen: number, key: number): number {
  let found = false;
  if (keylen === 4) found = fib4_lookup(ti.data, key >>> 0, 0, NHR_NONE, 0) !== null;
  return found ? 0 : -1;
}

/** kfib_parse_opts: "addr:kfib fib=N"; nothing after the name is fib 0. */
export function kfib_parse_opts(pfib: { v: number }, data: string | null): number {
  if (data === null) return 0;
  const sp = data.indexOf(" ");
  if (sp < 0) return 0;
  let p = data.slice(sp).replace(/^ +/, "");
  if (!p.startsWith("fib=")) return EINVAL;
  const sp2 = p.indexOf(" ");
  if (sp2 >= 0) p = p.slice(0, sp2);
  p = p.slice(4);
  // strtol then the end of the string: "" reads as 0, a lone sign stops
  // strtol before it and is refused.
  if (p !== "" && !/^[+-]?\d+$/.test(p)) return EINVAL;
  pfib.v = p === "" ? 0 : parseInt(p, 10);
  return 0;
}

function ta_print_kfib_config(_st: ta_state, ti: table_info): string {
  return ti.data !== 0 ? `addr:kfib fib=${ti.data}` : "addr:kfib";
}

function ta_init_kfib(ti: table_info, _tflags: number, data: string | null): ta_state | number {
  const fibnum = { v: 0 };
  const error = kfib_parse_opts(fibnum, data);
  if (error !== 0) return error;
  // An int against rt_numfibs (unsigned): a negative fib is too big.
  if (fibnum.v >>> 0 >= V_rt_numfibs()) return E2BIG;
  ti.data = fibnum.v;
  ti.lookup = ta_lookup_kfib;
  return new kfib_cfg(fibnum.v);
}

/** FreeBSD keeps no state beyond ti.data; ours keeps the fib number too,
 *  for foreach, which is handed only the state. */
export class kfib_cfg implements ta_state {
  constructor(readonly fibnum: number) {}
}

function ta_dump_kfib_tinfo(_st: ta_state, tinfo: ipfw_ta_tinfo): void {
  tinfo.flags = fw.IPFW_TATFLAGS_AFDATA;
  tinfo.taclass4 = fw.IPFW_TACLASS_RADIX;
  tinfo.count4 = 0;
  tinfo.itemsize4 = 128;
  tinfo.taclass6 = fw.IPFW_TACLASS_RADIX;
  tinfo.count6 = 0;
  tinfo.itemsize6 = 128;
}

function ta_dump_kfib_tentry_int(family: number, rt: rtentry, tent: tentry_info): number {
  if (family === AF_INET) {
    const r = rt_get_inet_prefix_plen(rt);
    tent.key4 = r.addr >>> 0;
    tent.masklen = r.plen;
    tent.subtype = AF_INET;
    tent.value = 0;
  } else if (family === AF_INET6) {
    const r = rt_get_inet6_prefix_plen(rt);
    tent.key6.set(r.addr.s6_addr);
    tent.masklen = r.plen;
    tent.subtype = AF_INET6;
    tent.value = 0;
  }
  return 0;
}

function ta_find_kfib_tentry(_st: ta_state, ti: table_info, tent: tentry_info): number {
  const rnd = new route_nhop_data();
  let rt: rtentry | null = null;
  if (tent.subtype === AF_INET) rt = fib4_lookup_rt(ti.data, tent.key4 >>> 0, 0, 0, rnd);
  else if (tent.subtype === AF_INET6) rt = fib6_lookup_rt(ti.data, in6_addr_from(tent.key6), 0, 0, rnd);
  return rt !== null ? ta_dump_kfib_tentry_int(tent.subtype, rt, tent) : ENOENT;
}

function ta_dump_kfib_tentry(_st: ta_state, e: unknown, tent: tentry_info): void {
  const karg = e as kfib_dump_arg;
  ta_dump_kfib_tentry_int(karg.family, karg.rt, tent);
}

/** The fib is walked when the table is dumped; the state the table keeps
 *  holds only the fib number (ti.data).  FreeBSD walks under the rib's
 *  lock; ours collects the routes first, then calls f. */
function ta_foreach_kfib(fibnum: number, f: (e: unknown) => number): void {
  const all: kfib_dump_arg[] = [];
  for (const family of [AF_INET, AF_INET6]) {
    rib_walk(fibnum, family, (rt) => {
      all.push(new kfib_dump_arg(family, rt));
      return 0;
    }, null);
  }
  for (const k of all) f(k);
}

/** No entry can be added to or deleted from addr:kfib (TA_FLAG_READONLY:
 *  the table code answers EACCES before it gets here). */
function kfib_readonly(): number {
  return EACCES;
}

function addr_kfib(): table_algo {
  return {
  name: "addr:kfib",
  type: fw.IPFW_TABLE_ADDR,
  flags: TA_FLAG_READONLY,
  vlimit: 0,
  init: ta_init_kfib,
  destroy() {},
  prepare_add: kfib_readonly,
  prepare_del: kfib_readonly,
  add: kfib_readonly,
  del: kfib_readonly,
  foreach: (st, f) => ta_foreach_kfib((st as kfib_cfg).fibnum, f),
  dump_tentry: ta_dump_kfib_tentry,
  find_tentry: ta_find_kfib_tentry,
  dump_tinfo: ta_dump_kfib_tinfo,
  print_config: ta_print_kfib_config,
  count: () => 0,
  refcnt: 0,
  idx: 0,
  };
}

// ---------------------------------------------------------------------------
// number:array

class numarray {
  constructor(
    public number: number,
    public value: number,
  ) {}
}

export class numarray_cfg implements ta_state {
  /** Sorted by number (unsigned). */
  main: numarray[] = [];
}

function numarray_find(cfg: numarray_cfg, key: number): numarray | null {
  const a = cfg.main;
  const k = key >>> 0;
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const n = a[mid].number;
    if (n === k) return a[mid];
    if (n < k) lo = mid + 1;
    else hi = mid - 1;
  }
  return null;
}

function ta_lookup_numarray(ti: table_info, _keylen: number, key: number): number {
  const ri = numarray_find(ti.state as numarray_cfg, key);
  return ri === null ? -1 : ri.value;
}

function number_array(): table_algo {
  return {
  name: "number:array",
  type: fw.IPFW_TABLE_NUMBER,
  flags: TA_FLAG_DEFAULT,
  vlimit: 0,
  init(ti) {
    const cfg = new numarray_cfg();
    ti.state = cfg;
    ti.lookup = ta_lookup_numarray;
    return cfg;
  },
  destroy() {},
  prepare_add: () => 0,
  prepare_del: () => 0,
  add(st, tei, pnum) {
    const cfg = st as numarray_cfg;
    const ri = numarray_find(cfg, tei.key4);
    if (ri !== null) {
      return ta_update_value(ri, tei, pnum);
    }
    if ((tei.flags & TEI_FLAGS_DONTADD) !== 0) return EFBIG;
    const k = tei.key4 >>> 0;
    let i = 0;
    while (i < cfg.main.length && cfg.main[i].number < k) i++;
    cfg.main.splice(i, 0, new numarray(k, tei.value));
    pnum.v = 1;
    return 0;
  },
  del(st, tei, pnum) {
    const cfg = st as numarray_cfg;
    const k = tei.key4 >>> 0;
    const i = cfg.main.findIndex((n) => n.number === k);
    if (i < 0) return ENOENT;
    tei.value = cfg.main[i].value;
    cfg.main.splice(i, 1);
    pnum.v = 1;
    return 0;
  },
  foreach(st, f) {
    for (const e of [...(st as numarray_cfg).main]) if (f(e) !== 0) break;
  },
  dump_tentry(_st, e, tent) {
    const na = e as numarray;
    tent.key4 = na.number;
    tent.value = na.value;
  },
  find_tentry(st, _ti, tent) {
    const ri = numarray_find(st as numarray_cfg, tent.key4);
    if (ri === null) return ENOENT;
    tent.key4 = ri.number;
    tent.value = ri.value;
    return 0;
  },
  dump_tinfo(st, tinfo) {
    const cfg = st as numarray_cfg;
    tinfo.taclass4 = fw.IPFW_TACLASS_ARRAY;
    tinfo.size4 = cfg.main.length;
    tinfo.count4 = cfg.main.length;
    tinfo.itemsize4 = 8; // sizeof(struct numarray)
  },
  count: (st) => (st as numarray_cfg).main.length,
  refcnt: 0,
  idx: 0,
  };
}

// ---------------------------------------------------------------------------
// iface:array: interface names; the packet path matches the name of the
// interface the rule looks at (recv/xmit/via table(...)).

class ifentry {
  constructor(
    readonly ifname: string,
    public value: number,
  ) {}
}

export class iface_cfg implements ta_state {
  readonly byname = new Map<string, ifentry>();
}

function ta_lookup_ifidx(ti: table_info, _keylen: number, _key: number, _key6: Uint8Array | null, name: string | null): number {
  if (name === null) return -1;
  const e = (ti.state as iface_cfg).byname.get(name);
  return e === undefined ? -1 : e.value;
}

/** ta_prepare_add_ifidx, ta_prepare_del_ifidx: the name must end (NUL)
 *  within IF_NAMESIZE, and not be empty. */
function ifidx_prepare(tei: tentry_info): number {
  if (tei.iface.length === 0 || tei.iface.length >= IF_NAMESIZE) return EINVAL;
  return 0;
}

function iface_idx(): table_algo {
  return {
  name: "iface:array",
  type: fw.IPFW_TABLE_INTERFACE,
  flags: TA_FLAG_DEFAULT,
  vlimit: 0,
  init(ti) {
    const cfg = new iface_cfg();
    ti.state = cfg;
    ti.lookup = ta_lookup_ifidx;
    return cfg;
  },
  destroy() {},
  prepare_add: ifidx_prepare,
  prepare_del: ifidx_prepare,
  add(st, tei, pnum) {
    const cfg = st as iface_cfg;
    const e = cfg.byname.get(tei.iface);
    if (e !== undefined) {
      return ta_update_value(e, tei, pnum);
    }
    if ((tei.flags & TEI_FLAGS_DONTADD) !== 0) return EFBIG;
    cfg.byname.set(tei.iface, new ifentry(tei.iface, tei.value));
    pnum.v = 1;
    return 0;
  },
  del(st, tei, pnum) {
    const cfg = st as iface_cfg;
    const e = cfg.byname.get(tei.iface);
    if (e === undefined) return ENOENT;
    cfg.byname.delete(tei.iface);
    tei.value = e.value;
    pnum.v = 1;
    return 0;
  },
  foreach(st, f) {
    for (const e of [...(st as iface_cfg).byname.values()]) if (f(e) !== 0) break;
  },
  dump_tentry(_st, e, tent) {
    const ife = e as ifentry;
    tent.iface = ife.ifname;
    tent.masklen = 8 * IF_NAMESIZE;
    tent.value = ife.value;
  },
  find_tentry(st, _ti, tent) {
    const e = (st as iface_cfg).byname.get(tent.iface);
    if (e === undefined) return ENOENT;
    tent.iface = e.ifname;
    tent.masklen = 8 * IF_NAMESIZE;
    tent.value = e.value;
    return 0;
  },
  dump_tinfo(st, tinfo) {
    const n = (st as iface_cfg).byname.size;
    tinfo.taclass4 = fw.IPFW_TACLASS_ARRAY;
    tinfo.size4 = n;
    tinfo.count4 = n;
    tinfo.itemsize4 = 8;
  },
  count: (st) => (st as iface_cfg).byname.size,
  refcnt: 0,
  idx: 0,
  };
}

// ---------------------------------------------------------------------------
// flow:hash: 5-tuples, keyed on the fields the table's tflags select
// (IPFW_TFFLAG_SRCIP/DSTIP/SRCPORT/DSTPORT/PROTO).

class fhashentry {
  constructor(
    readonly af: number,
    readonly proto: number,
    readonly sport: number,
    readonly dport: number,
    /** Addresses as words: [sip] [dip] for IPv4, four words each for IPv6. */
    readonly sip: Int32Array,
    readonly dip: Int32Array,
    public value: number,
  ) {}
  next: fhashentry | null = null;
}

/** struct fhash_cfg: 512 buckets to start with, doubling (up to 65536)
 *  when the entries outnumber them. */
export class fhash_cfg implements ta_state {
  head: (fhashentry | null)[] = new Array<fhashentry | null>(512).fill(null);
  size = 512;
  items = 0;
  tflags = 0;
}

function bswap32(w: number): number {
  return (((w & 0xff) << 24) | ((w >>> 8) & 0xff) << 16 | ((w >>> 16) & 0xff) << 8 | (w >>> 24)) >>> 0;
}

/** hash_flow4: addresses (host order) and ports folded together. */
function hash_flow4(sip: number, dip: number, sport: number, dport: number, hsize: number): number {
  return ((dip ^ sip ^ dport ^ sport) >>> 0) % (hsize - 1);
}

/** hash_flow6: the low halves of both addresses, as an amd64 kernel loads
 *  their words, and the ports. */
function hash_flow6(sip: Int32Array, dip: Int32Array, sport: number, dport: number, hsize: number): number {
  return ((bswap32(dip[2]) ^ bswap32(dip[3]) ^ bswap32(sip[2]) ^ bswap32(sip[3]) ^ dport ^ sport) >>> 0) % (hsize - 1);
}

function hash_flow_ent(e: fhashentry, size: number): number {
  if (e.af === AF_INET) return hash_flow4(e.sip[0], e.dip[0], e.sport, e.dport, size);
  return hash_flow6(e.sip, e.dip, e.sport, e.dport, size);
}

function fhash_search(cfg: fhash_cfg, k: fhashentry): fhashentry | null {
  for (let e = cfg.head[hash_flow_ent(k, cfg.size)]; e !== null; e = e.next) {
    if (fhash_eq(e, k.af, k.proto, k.sport, k.dport, k.sip, k.dip)) return e;
  }
  return null;
}

/** ta_need_modify_fhash + ta_modify_fhash: twice the buckets, each entry
 *  moved to the head of its new chain, bucket by bucket. */
function fhash_grow(cfg: fhash_cfg): void {
  if (cfg.items <= cfg.size || cfg.size >= 65536) return;
  const size = cfg.size * 2;
  const head = new Array<fhashentry | null>(size).fill(null);
  for (let i = 0; i < cfg.size; i++) {
    let next: fhashentry | null;
    for (let e = cfg.head[i]; e !== null; e = next) {
      next = e.next;
      const h = hash_flow_ent(e, size);
      e.next = head[h];
      head[h] = e;
    }
  }
  cfg.head = head;
  cfg.size = size;
}

function fhash_eq(e: fhashentry, af: number, proto: number, sport: number, dport: number, sip: Int32Array, dip: Int32Array): boolean {
  if (e.af !== af || e.proto !== proto || e.sport !== sport || e.dport !== dport) return false;
  for (let i = 0; i < e.sip.length; i++) if (e.sip[i] !== sip[i] || e.dip[i] !== dip[i]) return false;
  return true;
}

// Scratch for the packet path.
const fl_sip = new Int32Array(4);
const fl_dip = new Int32Array(4);

function ta_lookup_fhash(ti: table_info, _keylen: number, _key: number, _key6: Uint8Array | null, _name: string | null, fid: ipfw_flow_id | null): number {
  if (fid === null) return -1;
  const cfg = ti.state as fhash_cfg;
  const f = cfg.tflags;
  const v6 = fid.addr_type === 6;
  const af = v6 ? AF_INET6 : AF_INET;
  const proto = (f & fw.IPFW_TFFLAG_PROTO) !== 0 ? fid.proto : 0;
  const sport = (f & fw.IPFW_TFFLAG_SRCPORT) !== 0 ? fid.src_port : 0;
  const dport = (f & fw.IPFW_TFFLAG_DSTPORT) !== 0 ? fid.dst_port : 0;
  fl_sip.fill(0);
  fl_dip.fill(0);
  if (v6) {
    if ((f & fw.IPFW_TFFLAG_SRCIP) !== 0) for (let i = 0; i < 4; i++) fl_sip[i] = w6(fid.src_ip6, i);
    if ((f & fw.IPFW_TFFLAG_DSTIP) !== 0) for (let i = 0; i < 4; i++) fl_dip[i] = w6(fid.dst_ip6, i);
  } else {
    if ((f & fw.IPFW_TFFLAG_SRCIP) !== 0) fl_sip[0] = fid.src_ip;
    if ((f & fw.IPFW_TFFLAG_DSTIP) !== 0) fl_dip[0] = fid.dst_ip;
  }
  const h = v6 ? hash_flow6(fl_sip, fl_dip, sport, dport, cfg.size) : hash_flow4(fl_sip[0], fl_dip[0], sport, dport, cfg.size);
  for (let e = cfg.head[h]; e !== null; e = e.next) if (fhash_eq(e, af, proto, sport, dport, fl_sip, fl_dip)) return e.value;
  return -1;
}

function fhash_key(cfg: fhash_cfg, tei: tentry_info): fhashentry | null {
  const fl = tei.flow;
  const f = cfg.tflags;
  const v6 = fl.af === AF_INET6;
  if (fl.af !== AF_INET && !v6) return null;
  const sip = new Int32Array(v6 ? 4 : 1);
  const dip = new Int32Array(v6 ? 4 : 1);
  if ((f & fw.IPFW_TFFLAG_SRCIP) !== 0) for (let i = 0; i < sip.length; i++) sip[i] = w6(fl.sip, i);
  if ((f & fw.IPFW_TFFLAG_DSTIP) !== 0) for (let i = 0; i < dip.length; i++) dip[i] = w6(fl.dip, i);
  return new fhashentry(fl.af, (f & fw.IPFW_TFFLAG_PROTO) !== 0 ? fl.proto : 0, (f & fw.IPFW_TFFLAG_SRCPORT) !== 0 ? fl.sport : 0, (f & fw.IPFW_TFFLAG_DSTPORT) !== 0 ? fl.dport : 0, sip, dip, tei.value);
}

function fhash_dump_tentry(e: unknown, tent: tentry_info): void {
  const x = e as fhashentry;
  tent.subtype = x.af;
  tent.masklen = x.af === AF_INET6 ? 128 : 32;
  tent.flow.af = x.af;
  tent.flow.proto = x.proto;
  tent.flow.sport = x.sport;
  tent.flow.dport = x.dport;
  tent.flow.sip.fill(0);
  tent.flow.dip.fill(0);
  for (let i = 0; i < x.sip.length; i++) {
    for (let b = 0; b < 4; b++) {
      tent.flow.sip[i * 4 + b] = (x.sip[i] >>> (24 - 8 * b)) & 0xff;
      tent.flow.dip[i * 4 + b] = (x.dip[i] >>> (24 - 8 * b)) & 0xff;
    }
  }
  tent.value = x.value;
}

/** ta_prepare_add_fhash; ta_prepare_del_fhash is the same test. */
function fhash_prepare(tei: tentry_info): number {
  return tei.flow.af === AF_INET || tei.flow.af === AF_INET6 ? 0 : EINVAL;
}

function flow_hash(): table_algo {
  return {
  name: "flow:hash",
  type: fw.IPFW_TABLE_FLOW,
  flags: TA_FLAG_DEFAULT,
  vlimit: 0,
  init(ti, tflags) {
    const cfg = new fhash_cfg();
    cfg.tflags = tflags;
    ti.state = cfg;
    ti.lookup = ta_lookup_fhash;
    return cfg;
  },
  destroy() {},
  prepare_add: fhash_prepare,
  prepare_del: fhash_prepare,
  add(st, tei, pnum) {
    const cfg = st as fhash_cfg;
    fhash_grow(cfg);
    const k = fhash_key(cfg, tei);
    if (k === null) return EINVAL;
    const e = fhash_search(cfg, k);
    if (e !== null) {
      return ta_update_value(e, tei, pnum);
    }
    if ((tei.flags & TEI_FLAGS_DONTADD) !== 0) return EFBIG;
    const h = hash_flow_ent(k, cfg.size);
    k.next = cfg.head[h];
    cfg.head[h] = k;
    cfg.items++;
    pnum.v = 1;
    return 0;
  },
  del(st, tei, pnum) {
    const cfg = st as fhash_cfg;
    const k = fhash_key(cfg, tei);
    if (k === null) return EINVAL;
    const h = hash_flow_ent(k, cfg.size);
    let prev: fhashentry | null = null;
    for (let e = cfg.head[h]; e !== null; prev = e, e = e.next) {
      if (!fhash_eq(e, k.af, k.proto, k.sport, k.dport, k.sip, k.dip)) continue;
      if (prev === null) cfg.head[h] = e.next;
      else prev.next = e.next;
      e.next = null;
      tei.value = e.value;
      cfg.items--;
      pnum.v = 1;
      return 0;
    }
    return ENOENT;
  },
  foreach(st, f) {
    const cfg = st as fhash_cfg;
    const all: fhashentry[] = [];
    for (let i = 0; i < cfg.size; i++) for (let e = cfg.head[i]; e !== null; e = e.next) all.push(e);
    for (const e of all) if (f(e) !== 0) break;
  },
  dump_tentry: (_st, e, tent) => fhash_dump_tentry(e, tent),
  find_tentry(st, _ti, tent) {
    const cfg = st as fhash_cfg;
    const k = fhash_key(cfg, tent);
    if (k === null) return EINVAL;
    const e = fhash_search(cfg, k);
    if (e === null) return ENOENT;
    fhash_dump_tentry(e, tent);
    return 0;
  },
  dump_tinfo(st, tinfo) {
    const cfg = st as fhash_cfg;
    tinfo.flags = fw.IPFW_TATFLAGS_AFITEM;
    tinfo.taclass4 = fw.IPFW_TACLASS_HASH;
    tinfo.size4 = cfg.size;
    tinfo.count4 = cfg.items;
    tinfo.itemsize4 = 48;
    tinfo.taclass6 = fw.IPFW_TACLASS_HASH;
    tinfo.itemsize6 = 72;
  },
  count: (st) => (st as fhash_cfg).items,
  refcnt: 0,
  idx: 0,
  };
}

// ---------------------------------------------------------------------------
// mac:radix: Ethernet address prefixes, longest match first.

const ETHER_ADDR_LEN = 6;

/** struct mac_radix_entry: the masked address (48 bits as a number). */
class mac_radix_entry {
  constructor(
    readonly addr: number,
    readonly masklen: number,
    public value: number,
  ) {}
}

/** struct mac_radix_cfg plus its "radix head". */
export class mac_radix_cfg implements ta_state {
  /** Masked address -> entry, per prefix length. */
  readonly head = new plen_maps<mac_radix_entry>(8 * ETHER_ADDR_LEN);
  count = 0;
}

/** Six bytes from off as one 48-bit number. */
function mac48(b: Uint8Array, off: number): number {
  return ((b[off] << 8) | b[off + 1]) * 0x100000000 + (((b[off + 2] << 24) | (b[off + 3] << 16) | (b[off + 4] << 8) | b[off + 5]) >>> 0);
}

/** a cut to its first mlen bits (tei_to_sockaddr_ent_mac's addr &= mask). */
function mac_mask(a: number, mlen: number): number {
  if (mlen >= 48) return a;
  const d = 2 ** (48 - mlen);
  return Math.floor(a / d) * d;
}

function mac_radix_match(cfg: mac_radix_cfg, a: number): mac_radix_entry | null {
  const plens = cfg.head.plens;
  for (let i = 0; i < plens.length; i++) {
    const l = plens[i];
    const e = (cfg.head.tab[l] as Map<number, mac_radix_entry>).get(mac_mask(a, l));
    if (e !== undefined) return e;
  }
  return null;
}

function ta_lookup_mac_radix(ti: table_info, keylen: number, _key: number, key6: Uint8Array | null): number {
  if (keylen !== ETHER_ADDR_LEN || key6 === null) return -1;
  const e = mac_radix_match(ti.state as mac_radix_cfg, mac48(key6, 0));
  return e === null ? -1 : e.value;
}

/** ta_prepare_add_mac_radix / ta_prepare_del_mac_radix: an AF_LINK key of at most 48 bits. */
function mac_radix_prepare(tei: tentry_info): number {
  if (tei.subtype !== AF_LINK) return EINVAL;
  if (tei.masklen > 8 * ETHER_ADDR_LEN) return EINVAL;
  return 0;
}

function mac_radix_add(cfg: mac_radix_cfg, tei: tentry_info, pnum: { v: number }): number {
  const ml = tei.masklen;
  const a = mac_mask(mac48(tei.mac, 0), ml);
  const e = cfg.head.get(ml, a);
  if (e !== undefined) return ta_update_value(e, tei, pnum);
  if ((tei.flags & TEI_FLAGS_DONTADD) !== 0) return EFBIG;
  cfg.head.insert(ml, a, new mac_radix_entry(a, ml, tei.value));
  cfg.count++;
  pnum.v = 1;
  return 0;
}

function mac_radix_del(cfg: mac_radix_cfg, tei: tentry_info, pnum: { v: number }): number {
  const e = cfg.head.remove(tei.masklen, mac_mask(mac48(tei.mac, 0), tei.masklen));
  if (e === undefined) return ENOENT;
  tei.value = e.value;
  cfg.count--;
  pnum.v = 1;
  return 0;
}

/** ta_dump_mac_radix_tentry. */
function mac_radix_dump_tentry(e: unknown, tent: tentry_info): void {
  const n = e as mac_radix_entry;
  const hi = Math.floor(n.addr / 0x100000000);
  const lo = n.addr % 0x100000000;
  tent.mac[0] = hi >>> 8;
  tent.mac[1] = hi & 0xff;
  tent.mac[2] = lo >>> 24;
  tent.mac[3] = (lo >>> 16) & 0xff;
  tent.mac[4] = (lo >>> 8) & 0xff;
  tent.mac[5] = lo & 0xff;
  tent.masklen = n.masklen;
  tent.subtype = AF_LINK;
  tent.value = n.value;
}

function mac_radix(): table_algo {
  return {
  name: "mac:radix",
  type: fw.IPFW_TABLE_MAC,
  flags: TA_FLAG_DEFAULT,
  vlimit: 0,
  init(ti) {
    const cfg = new mac_radix_cfg();
    ti.state = cfg;
    ti.lookup = ta_lookup_mac_radix;
    return cfg;
  },
  destroy() {},
  prepare_add: mac_radix_prepare,
  prepare_del: mac_radix_prepare,
  add: (st, tei, pnum) => mac_radix_add(st as mac_radix_cfg, tei, pnum),
  del: (st, tei, pnum) => mac_radix_del(st as mac_radix_cfg, tei, pnum),
  foreach(st, f) {
    const all = (st as mac_radix_cfg).head.all();
    all.sort((a, b) => a.addr - b.addr || b.masklen - a.masklen);
    for (const e of all) if (f(e) !== 0) break;
  },
  dump_tentry: (_st, e, tent) => mac_radix_dump_tentry(e, tent),
  find_tentry(_st, ti, tent) {
    if (tent.subtype !== AF_LINK) return ENOENT;
    const e = mac_radix_match(ti.state as mac_radix_cfg, mac48(tent.mac, 0));
    if (e === null) return ENOENT;
    mac_radix_dump_tentry(e, tent);
    return 0;
  },
  dump_tinfo(st, tinfo) {
    const cfg = st as mac_radix_cfg;
    tinfo.flags = fw.IPFW_TATFLAGS_AFDATA | fw.IPFW_TATFLAGS_AFITEM;
    tinfo.taclass4 = fw.IPFW_TACLASS_RADIX;
    tinfo.count4 = cfg.count;
    tinfo.itemsize4 = 112; // sizeof(struct mac_radix_entry) on amd64
  },
  count: (st) => (st as mac_radix_cfg).count,
  refcnt: 0,
  idx: 0,
  };
}

/** The algorithms ipfw_table_algo_init registers, in FreeBSD's order. */
export function ipfw_table_algos(): table_algo[] {
  return [addr_radix(), addr_hash(), iface_idx(), number_array(), flow_hash(), addr_kfib(), mac_radix()];
}
