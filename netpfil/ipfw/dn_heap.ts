// sys/netpfil/ipfw/dn_heap.c, dn_heap.h: the binary heap dummynet keeps its
// timed events and WF2Q+ timestamps in, and the hash table (dn_ht) that
// holds schedulers, flowsets, queues and scheduler instances.
//
// A heap entry is a key and an object; an object that can be removed from
// the middle records its index in `heap_pos` (FreeBSD's offset argument).
// Keys are FreeBSD's 64-bit dn_key; doubles here, exact to 2^53, which at
// kern.hz 1000 and the WF2Q+ scaling is years of virtual time, so the
// wraparound-safe comparisons are plain ones.  The array grows in steps and
// never shrinks, so the per-packet path allocates nothing once warm.

export interface dn_heap_obj {
  heap_pos: number;
}

export class dn_heap_entry<T> {
  key = 0;
  object: T | null = null;
}

/** struct dn_heap. */
export class dn_heap<T extends object> {
  size = 0;
  elements = 0;
  /** FreeBSD's "offset": objects record their position (heap_pos). */
  ofs = false;
  p: dn_heap_entry<T>[] = [];
}

const HEAP_INCREMENT = 15;

function heap_resize<T extends object>(h: dn_heap<T>, new_size: number): void {
  if (h.size >= new_size) return;
  new_size = (new_size + HEAP_INCREMENT) & ~HEAP_INCREMENT;
  while (h.p.length < new_size) h.p.push(new dn_heap_entry<T>());
  h.size = new_size;
}

export function heap_init<T extends object>(h: dn_heap<T>, size: number, ofs: boolean): void {
  h.elements = 0;
  h.ofs = ofs;
  h.size = 0;
  h.p = [];
  heap_resize(h, size);
}

function set_index<T extends object>(h: dn_heap<T>, i: number): void {
  if (h.ofs) (h.p[i].object as unknown as dn_heap_obj).heap_pos = i;
}

function swap_entries<T extends object>(h: dn_heap<T>, a: number, b: number): void {
  const t = h.p[a];
  h.p[a] = h.p[b];
  h.p[b] = t;
}

/**
 * heap_insert: add `p` with `key1`.  With p null, re-sort the element at
 * index key1 after its key changed (heap_insert(h, i, NULL) in FreeBSD).
 */
export function heap_insert<T extends object>(h: dn_heap<T>, key1: number, p: T | null): number {
  let son: number;
  if (p === null) {
    son = key1;
  } else {
    son = h.elements;
    if (son === h.size) heap_resize(h, h.elements + 1);
    h.p[son].object = p;
    h.p[son].key = key1;
    h.elements++;
  }
  while (son > 0) {
    const father = (son - 1) >> 1;
    if (h.p[father].key <= h.p[son].key) break;
    swap_entries(h, son, father);
    set_index(h, son);
    son = father;
  }
  set_index(h, son);
  return 0;
}

/** heap_extract: remove the top, or `obj` (which must record its position). */
export function heap_extract<T extends object>(h: dn_heap<T>, obj: T | null): void {
  if (h.elements <= 0) return;
  const max = --h.elements;
  let father = 0;
  if (obj !== null) {
    if (!h.ofs) throw new Error("heap_extract from middle without an index");
    father = (obj as unknown as dn_heap_obj).heap_pos;
    if (father < 0 || father >= h.elements + 1) throw new Error(`heap_extract, father ${father} out of bound`);
  }
  if (h.ofs) (h.p[father].object as unknown as dn_heap_obj).heap_pos = -1;
  let child = 2 * father + 1;
  while (child <= max) {
    if (child !== max && h.p[child + 1].key < h.p[child].key) child++;
    swap_entries(h, father, child);
    set_index(h, father);
    father = child;
    child = 2 * child + 1;
  }
  if (father !== max) {
    // The last element fills the hole and floats up to its place.
    swap_entries(h, father, max);
    heap_insert(h, father, null);
  }
  h.p[max].object = null;
}

export function heap_free<T extends object>(h: dn_heap<T>): void {
  h.p = [];
  h.size = 0;
  h.elements = 0;
}

export function HEAP_TOP<T extends object>(h: dn_heap<T>): dn_heap_entry<T> {
  return h.p[0];
}

// ---------------------------------------------------------------------------
// dn_ht: a hash table of objects with a bucket array and chains.  The
// owner supplies the hash of a key, the match of an object against a key,
// and (for DNHT_INSERT) the constructor of a new object from the key.

export const DNHT_KEY_IS_OBJ = 0x0001;
export const DNHT_MATCH_PTR = 0x0002;
export const DNHT_INSERT = 0x0004;
export const DNHT_UNIQUE = 0x0008;
export const DNHT_REMOVE = 0x0010;

export const DNHT_SCAN_DEL = 0x0001;
export const DNHT_SCAN_END = 0x0002;

export class dn_ht<T, K> {
  readonly ht: T[][];
  entries = 0;
  constructor(
    readonly buckets: number,
    readonly hash: (key: K | T, flags: number) => number,
    readonly match: (obj: T, key: K | T, flags: number) => boolean,
    readonly newh: ((key: K, flags: number, arg: unknown) => T | null) | null,
  ) {
    this.ht = [];
    for (let i = 0; i < buckets; i++) this.ht.push([]);
  }
}

export function dn_ht_init<T, K>(
  buckets: number,
  hash: (key: K | T, flags: number) => number,
  match: (obj: T, key: K | T, flags: number) => boolean,
  newh: ((key: K, flags: number, arg: unknown) => T | null) | null,
): dn_ht<T, K> {
  // A power of two, as FreeBSD rounds it for the mask.
  let b = 1;
  while (b < buckets && b < 65536) b <<= 1;
  return new dn_ht<T, K>(b, hash, match, newh);
}

function bucket_of<T, K>(ht: dn_ht<T, K>, key: K | T, flags: number): number {
  return (ht.hash(key, flags) >>> 0) & (ht.buckets - 1);
}

/**
 * dn_ht_find: look up `key`; with DNHT_INSERT create it when absent, with
 * DNHT_UNIQUE fail if present, with DNHT_REMOVE unlink what is found.
 */
export function dn_ht_find<T, K>(ht: dn_ht<T, K> | null, key: K | T, flags: number, arg: unknown): T | null {
  if (ht === null) return null;
  const chain = ht.ht[bucket_of(ht, key, flags)];
  for (let i = 0; i < chain.length; i++) {
    const p = chain[i];
    const found = (flags & DNHT_MATCH_PTR) !== 0 ? p === key : ht.match(p, key, flags);
    if (!found) continue;
    if ((flags & DNHT_UNIQUE) !== 0) return null;
    if ((flags & DNHT_REMOVE) !== 0) {
      chain.splice(i, 1);
      ht.entries--;
    }
    return p;
  }
  if ((flags & DNHT_INSERT) === 0 || ht.newh === null) return null;
  const p = (flags & DNHT_KEY_IS_OBJ) !== 0 ? (key as T) : ht.newh(key as K, flags, arg);
  if (p === null) return null;
  chain.unshift(p);
  ht.entries++;
  return p;
}

/**
 * dn_ht_scan: call fn on every object; DNHT_SCAN_DEL unlinks it,
 * DNHT_SCAN_END stops.  Returns the number of objects seen.
 */
export function dn_ht_scan<T, K>(ht: dn_ht<T, K> | null, fn: (obj: T, arg: unknown) => number, arg: unknown): number {
  if (ht === null) return 0;
  let found = 0;
  for (let b = 0; b < ht.buckets; b++) {
    const chain = ht.ht[b];
    for (let i = 0; i < chain.length; ) {
      found++;
      const ret = fn(chain[i], arg);
      if ((ret & DNHT_SCAN_DEL) !== 0) {
        chain.splice(i, 1);
        ht.entries--;
      } else i++;
      if ((ret & DNHT_SCAN_END) !== 0) return found;
    }
  }
  return found;
}

/** dn_ht_scan_bucket: the same on bucket *bucket only (the drain routines). */
export function dn_ht_scan_bucket<T, K>(ht: dn_ht<T, K> | null, bucket: { v: number }, fn: (obj: T, arg: unknown) => number, arg: unknown): number {
  if (ht === null) return 0;
  if (bucket.v >= ht.buckets) bucket.v = 0;
  const chain = ht.ht[bucket.v];
  let found = 0;
  for (let i = 0; i < chain.length; ) {
    found++;
    const ret = fn(chain[i], arg);
    if ((ret & DNHT_SCAN_DEL) !== 0) {
      chain.splice(i, 1);
      ht.entries--;
    } else i++;
    if ((ret & DNHT_SCAN_END) !== 0) return found;
  }
  return found;
}

export function dn_ht_entries<T, K>(ht: dn_ht<T, K> | null): number {
  return ht === null ? 0 : ht.entries;
}

/** dn_ht_free: with DNHT_REMOVE empty the table, else drop it. */
export function dn_ht_free<T, K>(ht: dn_ht<T, K> | null, flags: number): void {
  if (ht === null) return;
  if ((flags & DNHT_REMOVE) !== 0) {
    for (const chain of ht.ht) chain.length = 0;
    ht.entries = 0;
  }
}
