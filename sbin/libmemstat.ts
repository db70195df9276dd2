// lib/libmemstat/memstat.c, memstat_uma.c: the memory type list libmemstat
// builds from sysctl vm.zone_count and vm.zone_stats (struct
// uma_stream_header, uma_type_header and uma_percpu_stat, laid out as in
// kern/uma.ts), and the lookups netstat -m makes.
//
// Departures: memstat_sysctl_all reads only the UMA zones (the simulator
// has no malloc(9) types, so no kern.malloc_stats), and the number of CPUs
// comes from the stream header (there is no kern.smp.maxcpus).

import { EACCES, ENOMEM, EPERM } from "../kern/errno.ts";
import type { proc } from "../kern/uipc_syscalls.ts";
import {
  UMA_STREAM_VERSION,
  UPS_ALLOCS,
  UPS_CACHE_FREE,
  UPS_FREES,
  UPS_LEN,
  USH_COUNT,
  USH_LEN,
  USH_MAXCPUS,
  USH_VERSION,
  UTH_ALLOCS,
  UTH_FAILS,
  UTH_FREES,
  UTH_KEG_FREE,
  UTH_LEN,
  UTH_LIMIT,
  UTH_MAX_NAME,
  UTH_NAME,
  UTH_RSIZE,
  UTH_SIZE,
  UTH_SLEEPS,
  UTH_XDOMAIN,
  UTH_ZONE_FLAGS,
  UTH_ZONE_FREE,
  UTH_ZONE_SECONDARY,
} from "../kern/uma.ts";
import { sysctlbyname } from "./libc_sysctl.ts";

export const ALLOCATOR_UNDEFINED = 0;
export const ALLOCATOR_MALLOC = 1;
export const ALLOCATOR_UMA = 2;
export const ALLOCATOR_ANY = 255;

export const MEMSTAT_ERROR_UNDEFINED = 0;
export const MEMSTAT_ERROR_NOMEMORY = 1;
export const MEMSTAT_ERROR_VERSION = 2;
export const MEMSTAT_ERROR_PERMISSION = 3;
export const MEMSTAT_ERROR_DATAERROR = 5;

/** memstat_strerror. */
export function memstat_strerror(error: number): string {
  switch (error) {
    case MEMSTAT_ERROR_NOMEMORY:
      return "Cannot allocate memory";
    case MEMSTAT_ERROR_VERSION:
      return "Version mismatch";
    case MEMSTAT_ERROR_PERMISSION:
      return "Permission denied";
    case MEMSTAT_ERROR_DATAERROR:
      return "Data format error";
    default:
      return "Unknown error";
  }
}

/** struct memory_type: what memstat_get_*() return. */
export class memory_type {
  mt_numallocs = 0;
  mt_numfrees = 0;
  mt_failures = 0;
  mt_sleeps = 0;
  mt_xdomain = 0;
  mt_size = 0;
  mt_rsize = 0;
  mt_memalloced = 0;
  mt_memfreed = 0;
  mt_bytes = 0;
  mt_countlimit = 0;
  mt_byteslimit = 0;
  mt_count = 0;
  mt_free = 0;
  mt_zonefree = 0;
  mt_kegfree = 0;
  constructor(
    readonly mt_allocator: number,
    readonly mt_name: string,
  ) {}
}

export class memory_type_list {
  mtl_list: memory_type[] = [];
  mtl_error = MEMSTAT_ERROR_UNDEFINED;
}

export function memstat_mtl_alloc(): memory_type_list {
  return new memory_type_list();
}

export function memstat_mtl_geterror(list: memory_type_list): number {
  return list.mtl_error;
}

/** memstat_mtl_find: the type of that allocator and name, or null. */
export function memstat_mtl_find(list: memory_type_list, allocator: number, name: string): memory_type | null {
  for (const mtp of list.mtl_list) {
    if ((allocator === ALLOCATOR_ANY || mtp.mt_allocator === allocator) && mtp.mt_name === name) return mtp;
  }
  return null;
}

function sysctl_error(list: memory_type_list, error: number): number {
  list.mtl_error = error === EACCES || error === EPERM ? MEMSTAT_ERROR_PERMISSION : error === ENOMEM ? MEMSTAT_ERROR_NOMEMORY : MEMSTAT_ERROR_DATAERROR;
  return -1;
}

/** memstat_sysctl_uma: fill list from vm.zone_stats; 0, or -1 with
 *  mtl_error set. */
export function memstat_sysctl_uma(p: proc, list: memory_type_list): number {
  const c = sysctlbyname(p, "vm.zone_count");
  if (c.error !== 0) return sysctl_error(list, c.error);
  const r = sysctlbyname(p, "vm.zone_stats");
  if (r.error !== 0) return sysctl_error(list, r.error);
  if (!Array.isArray(r.value)) {
    list.mtl_error = MEMSTAT_ERROR_DATAERROR;
    return -1;
  }
  const w = r.value as readonly number[];
  if (w.length === 0) return 0;
  if (w.length < USH_LEN) {
    list.mtl_error = MEMSTAT_ERROR_DATAERROR;
    return -1;
  }
  if (w[USH_VERSION] !== UMA_STREAM_VERSION) {
    list.mtl_error = MEMSTAT_ERROR_VERSION;
    return -1;
  }
  const maxcpus = w[USH_MAXCPUS];
  let o = USH_LEN;
  for (let i = 0; i < w[USH_COUNT]; i++) {
    if (o + UTH_LEN + maxcpus * UPS_LEN > w.length) {
      list.mtl_error = MEMSTAT_ERROR_DATAERROR;
      return -1;
    }
    let name = "";
    for (let k = 0; k < UTH_MAX_NAME && w[o + UTH_NAME + k] !== 0; k++) name += String.fromCharCode(w[o + UTH_NAME + k]);
    let mtp = memstat_mtl_find(list, ALLOCATOR_UMA, name);
    if (mtp === null) {
      mtp = new memory_type(ALLOCATOR_UMA, name);
      list.mtl_list.push(mtp);
    }
    mtp.mt_numallocs = w[o + UTH_ALLOCS];
    mtp.mt_numfrees = w[o + UTH_FREES];
    mtp.mt_failures = w[o + UTH_FAILS];
    mtp.mt_sleeps = w[o + UTH_SLEEPS];
    mtp.mt_xdomain = w[o + UTH_XDOMAIN];
    mtp.mt_free = 0;
    for (let j = 0; j < maxcpus; j++) {
      const u = o + UTH_LEN + j * UPS_LEN;
      mtp.mt_free += w[u + UPS_CACHE_FREE];
      mtp.mt_numallocs += w[u + UPS_ALLOCS];
      mtp.mt_numfrees += w[u + UPS_FREES];
    }
    mtp.mt_size = w[o + UTH_SIZE];
    mtp.mt_rsize = w[o + UTH_RSIZE];
    mtp.mt_memalloced = mtp.mt_numallocs * mtp.mt_size;
    mtp.mt_memfreed = mtp.mt_numfrees * mtp.mt_size;
    mtp.mt_bytes = mtp.mt_memalloced - mtp.mt_memfreed;
    mtp.mt_countlimit = w[o + UTH_LIMIT];
    mtp.mt_byteslimit = mtp.mt_countlimit * mtp.mt_size;
    mtp.mt_count = mtp.mt_numallocs - mtp.mt_numfrees;
    mtp.mt_zonefree = w[o + UTH_ZONE_FREE];
    // A secondary zone shares its primary's keg: its free items are the
    // primary's to report.
    if ((w[o + UTH_ZONE_FLAGS] & UTH_ZONE_SECONDARY) === 0) {
      mtp.mt_kegfree = w[o + UTH_KEG_FREE];
      mtp.mt_free += mtp.mt_kegfree;
    }
    mtp.mt_free += mtp.mt_zonefree;
    o += UTH_LEN + maxcpus * UPS_LEN;
  }
  return 0;
}

/** memstat_sysctl_all: every allocator this kernel reports (UMA). */
export function memstat_sysctl_all(p: proc, list: memory_type_list): number {
  return memstat_sysctl_uma(p, list);
}
