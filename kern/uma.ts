// sys/vm/uma.h, sys/vm/uma_core.c: zone allocators, reduced to what the
// network stack relies on: fixed-size items carved from slabs allocated as
// needed, a free list (UMA's per-CPU cache and zone bucket in one), a limit
// on items in use (uma_zone_set_max), and the counters memstat(3) reports:
// in use, cached (free), allocations, frees, failures.
//
// An allocation over the limit fails at once, whatever M_WAITOK says: the
// simulator cannot sleep.  Such a failure is counted as FreeBSD counts a
// denied request.
//
// Zones made by uma_zcreate are listed, as uma_core.c lists its kegs and
// zones, and reported by sysctl vm.zone_count and vm.zone_stats in the
// struct uma_stream_header / uma_type_header / uma_percpu_stat layout that
// libmemstat reads (one number per field, a name as UTH_MAX_NAME character
// codes).  There are no per-CPU caches: the one uma_percpu_stat record per
// zone is zero and the zone's own counters carry everything.  Zones built
// with `new uma_zone` (per-vnet ones such as ipq) are private and not listed.

import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLTYPE_INT, CTLTYPE_OPAQUE, OID_AUTO, SYSCTL_OUT, SYSCTL_PROC, _vm, type sysctl_handler_t } from "./sysctl.ts";

export class uma_zone<T> {
  /** Free items, most recently freed last (LIFO like a UMA bucket). */
  private uz_free: T[] = [];
  /** Items in use. */
  uz_used = 0;
  /** Items created (in use + free). */
  uz_total = 0;
  /** Limit on items in use; 0 = none. */
  uz_max = 0;
  uz_allocs = 0;
  uz_frees = 0;
  uz_fails = 0;
  uz_sleeps = 0;

  constructor(
    readonly uz_name: string,
    readonly uz_size: number,
    /** Items per slab. */
    readonly uz_ipers: number,
    /** Build one slab's worth of items (the keg's slab allocator + uma_init). */
    private readonly uz_slab: (count: number) => T[],
  ) {}

  uma_zalloc(): T | null {
    if (this.uz_max !== 0 && this.uz_used >= this.uz_max) {
      this.uz_fails++;
      return null;
    }
    let item = this.uz_free.pop();
    if (item === undefined) {
      const slab = this.uz_slab(this.uz_ipers);
      this.uz_total += slab.length;
      item = slab.pop() as T;
      for (let i = slab.length - 1; i >= 0; i--) this.uz_free.push(slab[i]);
    }
    this.uz_used++;
    this.uz_allocs++;
    return item;
  }

  uma_zfree(item: T): void {
    this.uz_used--;
    this.uz_frees++;
    this.uz_free.push(item);
  }

  uma_zone_set_max(n: number): number {
    this.uz_max = n;
    return n;
  }

  /** Items sitting free in the zone (memstat's "cache"). */
  get uz_cached(): number {
    return this.uz_free.length;
  }

  /** Release cached items beyond `keep` (uma_reclaim / zone_drain). */
  zone_drain(keep = 0): void {
    const n = this.uz_free.length - keep;
    if (n <= 0) return;
    this.uz_free.length = keep;
    this.uz_total -= n;
  }
}

export const M_NOWAIT = 0x0001;
export const M_WAITOK = 0x0002;
export const M_ZERO = 0x0100;

/** uma_zcreate's alignment for pointer-aligned items (a mask). */
export const UMA_ALIGN_PTR = 7;

interface uma_listed {
  z: uma_zone<unknown>;
  align: number;
}

/** The zones uma_zcreate made, in creation order. */
const uma_zones: uma_listed[] = [];

/** uma_zcreate: a zone that vm.zone_stats lists. */
export function uma_zcreate<T>(name: string, size: number, ipers: number, slab: (count: number) => T[], align = UMA_ALIGN_PTR): uma_zone<T> {
  const z = new uma_zone<T>(name, size, ipers, slab);
  uma_zones.push({ z: z as uma_zone<unknown>, align });
  return z;
}

// struct uma_stream_header, uma_type_header, uma_percpu_stat (vm/uma.h),
// one number per field.
export const UMA_STREAM_VERSION = 0x00000001;
export const UTH_MAX_NAME = 32;
export const UTH_ZONE_SECONDARY = 0x00000001;
/** The simulator's CPUs (mp_maxid + 1). */
export const UMA_MAXCPUS = 1;
export const USH_VERSION = 0;
export const USH_MAXCPUS = 1;
export const USH_COUNT = 2;
export const USH_LEN = 4;
/** uma_type_header: uth_name, then the fields below. */
export const UTH_NAME = 0;
export const UTH_ALIGN = UTH_MAX_NAME;
export const UTH_SIZE = UTH_MAX_NAME + 1;
export const UTH_RSIZE = UTH_MAX_NAME + 2;
export const UTH_MAXPAGES = UTH_MAX_NAME + 3;
export const UTH_LIMIT = UTH_MAX_NAME + 4;
export const UTH_PAGES = UTH_MAX_NAME + 5;
export const UTH_KEG_FREE = UTH_MAX_NAME + 6;
export const UTH_ZONE_FREE = UTH_MAX_NAME + 7;
export const UTH_BUCKETSIZE = UTH_MAX_NAME + 8;
export const UTH_ZONE_FLAGS = UTH_MAX_NAME + 9;
export const UTH_ALLOCS = UTH_MAX_NAME + 10;
export const UTH_FREES = UTH_MAX_NAME + 11;
export const UTH_FAILS = UTH_MAX_NAME + 12;
export const UTH_SLEEPS = UTH_MAX_NAME + 13;
export const UTH_XDOMAIN = UTH_MAX_NAME + 14;
export const UTH_LEN = UTH_MAX_NAME + 16;
/** uma_percpu_stat: ups_allocs, ups_frees, ups_cache_free, 5 reserved. */
export const UPS_ALLOCS = 0;
export const UPS_FREES = 1;
export const UPS_CACHE_FREE = 2;
export const UPS_LEN = 8;

const sysctl_vm_zone_count: sysctl_handler_t = (_o, _a1, _a2, req) => SYSCTL_OUT(req, uma_zones.length);

/** sysctl_vm_zone_stats: the stream header, then each zone's type header
 *  and its per-CPU records. */
const sysctl_vm_zone_stats: sysctl_handler_t = (_o, _a1, _a2, req) => {
  const out: number[] = [UMA_STREAM_VERSION, UMA_MAXCPUS, uma_zones.length, 0];
  for (const { z, align } of uma_zones) {
    const base = out.length;
    for (let i = 0; i < UTH_LEN; i++) out.push(0);
    const name = z.uz_name.slice(0, UTH_MAX_NAME - 1);
    for (let i = 0; i < name.length; i++) out[base + UTH_NAME + i] = name.charCodeAt(i);
    out[base + UTH_ALIGN] = align;
    out[base + UTH_SIZE] = z.uz_size;
    out[base + UTH_RSIZE] = z.uz_size;
    out[base + UTH_MAXPAGES] = z.uz_max === 0 ? 0 : Math.ceil(z.uz_max / z.uz_ipers);
    out[base + UTH_LIMIT] = z.uz_max;
    out[base + UTH_PAGES] = Math.ceil(z.uz_total / z.uz_ipers);
    out[base + UTH_ZONE_FREE] = z.uz_cached;
    out[base + UTH_ALLOCS] = z.uz_allocs;
    out[base + UTH_FREES] = z.uz_frees;
    out[base + UTH_FAILS] = z.uz_fails;
    out[base + UTH_SLEEPS] = z.uz_sleeps;
    for (let c = 0; c < UMA_MAXCPUS; c++) for (let i = 0; i < UPS_LEN; i++) out.push(0);
  }
  return SYSCTL_OUT(req, out);
};

SYSCTL_PROC(_vm, OID_AUTO, "zone_count", CTLFLAG_RD | CTLFLAG_MPSAFE | CTLTYPE_INT, null, 0, sysctl_vm_zone_count, "I", "Number of UMA zones");
SYSCTL_PROC(_vm, OID_AUTO, "zone_stats", CTLFLAG_RD | CTLFLAG_MPSAFE | CTLTYPE_OPAQUE, null, 0, sysctl_vm_zone_stats, "s,struct uma_type_header", "Zone Stats");
