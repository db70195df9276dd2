// sys/kern/kern_mbuf.c and the allocation inlines of sys/sys/mbuf.h: the
// mbuf and cluster zones with their limits (kern.ipc.nmbufs,
// kern.ipc.nmbclusters), m_get/m_gethdr/m_getcl/m_get2/m_clget, m_free,
// m_freem and mb_free_ext, and the counts netstat -m prints.
//
// Departure: zone_pack holds nothing; m_getcl takes an mbuf and a cluster
// from their own zones and marks the pair EXT_PACKET, and they go back to
// those zones when the last reference drops.  A failed m_getcl is counted
// on zone_pack (and, for the item that ran out, on its own zone), so that
// netstat -m's "mbuf+clusters" denials read as FreeBSD's.  Jumbo clusters
// are not provided: their zones exist with tunable_mbinit's limits
// (kern.ipc.nmbjumbop, nmbjumbo9, nmbjumbo16) and stay empty.

import type { proc } from "./uipc_syscalls.ts";
import { CTLFLAG_RW, CTLFLAG_RWTUN, CTLTYPE_INT, CTLFLAG_MPSAFE, OID_AUTO, SYSCTL_OUT, SYSCTL_PROC, _kern_ipc, kvar_of, type sysctl_handler_t } from "./sysctl.ts";
import { TUNABLE_DECLARE, TUNABLE_INT_FETCH } from "./kern_environment.ts";
import { SI_ORDER_MIDDLE, SI_SUB_KMEM, SYSINIT } from "./kernel.ts";
import { EINVAL } from "./errno.ts";
import { panic } from "./subr_prf.ts";
import { uma_zcreate } from "./uma.ts";
import "./kern_sendfile.ts";
import {
  EXT_CLUSTER,
  EXT_FLAG_EMBREF,
  EXT_PACKET,
  MCLBYTES,
  MHLEN,
  MHSIZE,
  MJUMPAGESIZE,
  MLEN,
  MSIZE,
  M_EXT,
  M_EXTPG,
  M_PKTHDR,
  M_RDONLY,
  PKTHDR_SIZE,
  mb_cluster,
  mbuf,
} from "./mbuf.ts";

const MBUFS_PER_SLAB = 64;
const CLUSTERS_PER_SLAB = 8;

/** Default limits; FreeBSD sizes these from physical memory. */
export let nmbclusters = 262144;
export let nmbufs = nmbclusters * 4;

export const zone_mbuf = uma_zcreate<mbuf>("mbuf", MSIZE, MBUFS_PER_SLAB, (count) => {
  const slab = new ArrayBuffer(MSIZE * count);
  const items: mbuf[] = [];
  for (let i = 0; i < count; i++) {
    const off = i * MSIZE + MHSIZE;
    items.push(new mbuf(new Uint8Array(slab, off, MLEN), new DataView(slab, off, MLEN)));
  }
  return items;
});

export const zone_clust = uma_zcreate<mb_cluster>("mbuf_cluster", MCLBYTES, CLUSTERS_PER_SLAB, (count) => {
  const slab = new ArrayBuffer(MCLBYTES * count);
  const items: mb_cluster[] = [];
  for (let i = 0; i < count; i++) {
    const off = i * MCLBYTES;
    items.push(new mb_cluster(new Uint8Array(slab, off, MCLBYTES), new DataView(slab, off, MCLBYTES)));
  }
  return items;
});

/** mbuf_packet: see the departure above; nothing is allocated from it. */
export const zone_pack = uma_zcreate<mbuf>("mbuf_packet", MSIZE, MBUFS_PER_SLAB, () => panic("zone_pack: m_getcl takes from zone_mbuf and zone_clust"));

const MJUM9BYTES = 9 * 1024;
const MJUM16BYTES = 16 * 1024;

/** A jumbo cluster zone: its limit is all there is of it. */
function jumbo_zone(name: string, size: number) {
  return uma_zcreate<Uint8Array>(name, size, 1, (count) => {
    const items: Uint8Array[] = [];
    for (let i = 0; i < count; i++) items.push(new Uint8Array(size));
    return items;
  });
}
export const zone_jumbop = jumbo_zone("mbuf_jumbo_page", MJUMPAGESIZE);
export const zone_jumbo9 = jumbo_zone("mbuf_jumbo_9k", MJUM9BYTES);
export const zone_jumbo16 = jumbo_zone("mbuf_jumbo_16k", MJUM16BYTES);

// tunable_mbinit: the memory the configured nmbclusters stands for, and the
// jumbo limits that memory gives.
const maxmbufmem = nmbclusters * MCLBYTES * 4;
let nmbjumbop = Math.floor(maxmbufmem / MJUMPAGESIZE / 4);
let nmbjumbo9 = Math.floor(maxmbufmem / MJUM9BYTES / 6);
let nmbjumbo16 = Math.floor(maxmbufmem / MJUM16BYTES / 6);

zone_mbuf.uma_zone_set_max(nmbufs);
zone_clust.uma_zone_set_max(nmbclusters);
zone_jumbop.uma_zone_set_max(nmbjumbop);
zone_jumbo9.uma_zone_set_max(nmbjumbo9);
zone_jumbo16.uma_zone_set_max(nmbjumbo16);

/**
 * tunable_mbinit: the loader's kern.ipc.nmbclusters and kern.ipc.nmbufs,
 * read before any mbuf is allocated.  As in FreeBSD, too few mbufs for the
 * clusters (fewer than nmbclusters) gives nmbufs its default back.
 */
function tunable_mbinit(): void {
  const clusters = kvar_of(0);
  if (TUNABLE_INT_FETCH("kern.ipc.nmbclusters", clusters) && clusters.v > 0) nmbclusters = clusters.v;
  const mbufs = kvar_of(0);
  TUNABLE_INT_FETCH("kern.ipc.nmbufs", mbufs);
  if (mbufs.v > 0) nmbufs = mbufs.v;
  if (nmbufs < nmbclusters) nmbufs = Math.max(NMBUFS_DEFAULT, nmbclusters);
  zone_mbuf.uma_zone_set_max(nmbufs);
  zone_clust.uma_zone_set_max(nmbclusters);
}
const NMBUFS_DEFAULT = nmbufs;
TUNABLE_DECLARE("kern.ipc.nmbclusters", CTLTYPE_INT);
TUNABLE_DECLARE("kern.ipc.nmbufs", CTLTYPE_INT);
SYSINIT("tunable_mbinit", SI_SUB_KMEM, SI_ORDER_MIDDLE, tunable_mbinit);

/** Requests denied, as netstat -m reports them (mbufs/clusters/mbuf+clusters). */
export const mb_denied = { mbufs: 0, clusters: 0, packets: 0 };

/** m_init: reset a fresh mbuf's header (mb_ctor_mbuf). */
function m_init(m: mbuf, type: number, flags: number): void {
  m.m_next = null;
  m.m_nextpkt = null;
  m.m_len = 0;
  m.m_flags = flags;
  m.m_type = type;
  m.m_buf = m.m_dat;
  m.m_dv = m.m_dat_dv;
  m.ext_buf = null;
  m.ext_dv = null;
  m.ext_arg1 = null;
  m.ext_cnt = null;
  m.ext_count = 0;
  m.ext_size = 0;
  m.ext_type = 0;
  m.ext_flags = 0;
  if ((flags & M_PKTHDR) !== 0) {
    m.m_data = PKTHDR_SIZE;
    m.m_pkthdr.pkthdr_zero();
  } else {
    m.m_data = 0;
  }
}

/** m_get(how, type): a plain mbuf with MLEN bytes of room, or null. */
export function m_get(_how: number, type: number): mbuf | null {
  const m = zone_mbuf.uma_zalloc();
  if (m === null) {
    mb_denied.mbufs++;
    return null;
  }
  m_init(m, type, 0);
  return m;
}

/** m_gethdr(how, type): a packet header mbuf with MHLEN bytes of room. */
export function m_gethdr(_how: number, type: number): mbuf | null {
  const m = zone_mbuf.uma_zalloc();
  if (m === null) {
    mb_denied.mbufs++;
    return null;
  }
  m_init(m, type, M_PKTHDR);
  return m;
}

/** Attach cluster `cl` to m as its external storage, refcount 1. */
function m_cljset(m: mbuf, cl: mb_cluster, type: number): void {
  m.ext_buf = cl.cl_buf;
  m.ext_dv = cl.cl_dv;
  m.ext_arg1 = cl;
  m.ext_size = MCLBYTES;
  m.ext_type = type;
  m.ext_flags = EXT_FLAG_EMBREF;
  m.ext_count = 1;
  m.ext_cnt = null;
  m.m_buf = cl.cl_buf;
  m.m_dv = cl.cl_dv;
  m.m_data = 0;
  m.m_flags |= M_EXT;
}

/** m_getcl(how, type, flags): an mbuf with a 2 KB cluster attached. */
export function m_getcl(_how: number, type: number, flags: number): mbuf | null {
  const m = zone_mbuf.uma_zalloc();
  if (m === null) {
    mb_denied.packets++;
    zone_pack.uz_fails++;
    return null;
  }
  const cl = zone_clust.uma_zalloc();
  if (cl === null) {
    zone_mbuf.uma_zfree(m);
    mb_denied.packets++;
    zone_pack.uz_fails++;
    return null;
  }
  m_init(m, type, flags);
  m_cljset(m, cl, EXT_PACKET);
  return m;
}

/** m_clget(m, how): attach a cluster to m; returns M_EXT if m has one now. */
export function m_clget(m: mbuf, _how: number): number {
  if ((m.m_flags & M_EXT) !== 0) return M_EXT;
  const cl = zone_clust.uma_zalloc();
  if (cl === null) {
    mb_denied.clusters++;
    return 0;
  }
  m_cljset(m, cl, EXT_CLUSTER);
  return m.m_flags & M_EXT;
}

/** m_get2(size, how, type, flags): the smallest buffer that holds `size`
 *  bytes contiguously, or null if even a page would not. */
export function m_get2(size: number, how: number, type: number, flags: number): mbuf | null {
  if (size <= MHLEN || (size <= MLEN && (flags & M_PKTHDR) === 0)) return (flags & M_PKTHDR) !== 0 ? m_gethdr(how, type) : m_get(how, type);
  if (size <= MCLBYTES) return m_getcl(how, type, flags);
  if (size > MJUMPAGESIZE) return null;
  return null; // page-size jumbo clusters are not provided
}

/** mb_free_ext: drop one reference to m's external storage.  The last
 *  reference frees the cluster and its owner mbuf; a sharing mbuf is
 *  always freed at once. */
export function mb_free_ext(m: mbuf): void {
  let mref: mbuf;
  if ((m.ext_flags & EXT_FLAG_EMBREF) !== 0) mref = m;
  else mref = m.ext_cnt as mbuf;
  if (--mref.ext_count === 0) {
    switch (mref.ext_type) {
      case EXT_PACKET:
      case EXT_CLUSTER:
        zone_clust.uma_zfree(mref.ext_arg1 as mb_cluster);
        mref.ext_arg1 = null;
        mref.ext_buf = null;
        mref.ext_dv = null;
        zone_mbuf.uma_zfree(mref);
        break;
      default:
        panic(`mb_free_ext: unknown ext_type ${mref.ext_type}`);
    }
  }
  if (m !== mref) {
    m.ext_cnt = null;
    zone_mbuf.uma_zfree(m);
  }
}

/** mb_dupcl(n, m): n shares m's external storage (one more reference). */
export function mb_dupcl(n: mbuf, m: mbuf): void {
  const owner = (m.ext_flags & EXT_FLAG_EMBREF) !== 0 ? m : (m.ext_cnt as mbuf);
  owner.ext_count++;
  n.ext_buf = m.ext_buf;
  n.ext_dv = m.ext_dv;
  n.ext_size = m.ext_size;
  n.ext_type = m.ext_type;
  n.ext_flags = m.ext_flags & ~EXT_FLAG_EMBREF;
  n.ext_arg1 = null;
  n.ext_cnt = owner;
  n.ext_count = 0;
  n.m_buf = m.m_buf;
  n.m_dv = m.m_dv;
  n.m_flags |= M_EXT;
  n.m_flags |= m.m_flags & (M_RDONLY | M_EXTPG);
}

/** m_free(m): free one mbuf, return its successor. */
export function m_free(m: mbuf): mbuf | null {
  const n = m.m_next;
  if ((m.m_flags & M_PKTHDR) !== 0) m.m_pkthdr.tags = null;
  m.m_next = null;
  m.m_nextpkt = null;
  if ((m.m_flags & M_EXT) !== 0) mb_free_ext(m);
  else zone_mbuf.uma_zfree(m);
  return n;
}

/** m_freem(m): free a whole chain (NULL is fine). */
export function m_freem(m: mbuf | null): void {
  while (m !== null) m = m_free(m);
}

/** Mbufs and clusters in use: what every test checks is 0 at its end. */
export function mbuf_outstanding(): { mbufs: number; clusters: number } {
  return { mbufs: zone_mbuf.uz_used, clusters: zone_clust.uz_used };
}

export interface mbstat_zone {
  name: string;
  size: number;
  used: number;
  cached: number;
  total: number;
  max: number;
  fails: number;
}

/** Zone statistics for netstat -m (memstat_sysctl_uma). */
export function mbuf_zone_stats(): mbstat_zone[] {
  return [zone_mbuf, zone_clust].map((z) => ({
    name: z.uz_name,
    size: z.uz_size,
    used: z.uz_used,
    cached: z.uz_cached,
    total: z.uz_total,
    max: z.uz_max,
    fails: z.uz_fails,
  }));
}

/** Setting nmbclusters lower than what is in use is refused (EINVAL), as
 *  sysctl_nmbclusters does; it may only grow. */
const sysctl_nmbclusters: sysctl_handler_t = (_o, _a1, _a2, req) => {
  const error = SYSCTL_OUT(req, nmbclusters);
  if (error !== 0 || req.newval === null) return error;
  const v = req.newval;
  if (typeof v !== "number" || !Number.isInteger(v)) return EINVAL;
  if (v <= nmbclusters || v > 0x7fffffff) return EINVAL;
  nmbclusters = v;
  zone_clust.uma_zone_set_max(nmbclusters);
  return 0;
};

const sysctl_nmbufs: sysctl_handler_t = (_o, _a1, _a2, req) => {
  const error = SYSCTL_OUT(req, nmbufs);
  if (error !== 0 || req.newval === null) return error;
  const v = req.newval;
  if (typeof v !== "number" || !Number.isInteger(v)) return EINVAL;
  if (v <= nmbufs || v > 0x7fffffff) return EINVAL;
  nmbufs = v;
  zone_mbuf.uma_zone_set_max(nmbufs);
  return 0;
};

SYSCTL_PROC(_kern_ipc, OID_AUTO, "nmbclusters", CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, null, 0, sysctl_nmbclusters, "I", "Maximum number of mbuf clusters allowed");
SYSCTL_PROC(_kern_ipc, OID_AUTO, "nmbufs", CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, null, 0, sysctl_nmbufs, "I", "Maximum number of mbufs allowed");

/** The jumbo limits, like nmbclusters, may only grow. */
function sysctl_nmbjumbo(get: () => number, set: (v: number) => void, zone: { uma_zone_set_max(n: number): number }): sysctl_handler_t {
  return (_o, _a1, _a2, req) => {
    const error = SYSCTL_OUT(req, get());
    if (error !== 0 || req.newval === null) return error;
    const v = req.newval;
    if (typeof v !== "number" || !Number.isInteger(v)) return EINVAL;
    if (v <= get() || v > 0x7fffffff) return EINVAL;
    set(v);
    zone.uma_zone_set_max(v);
    return 0;
  };
}
SYSCTL_PROC(_kern_ipc, OID_AUTO, "nmbjumbop", CTLTYPE_INT | CTLFLAG_RWTUN | CTLFLAG_MPSAFE, null, 0, sysctl_nmbjumbo(() => nmbjumbop, (v) => (nmbjumbop = v), zone_jumbop), "I", "Maximum number of mbuf page size jumbo clusters allowed");
SYSCTL_PROC(_kern_ipc, OID_AUTO, "nmbjumbo9", CTLTYPE_INT | CTLFLAG_RWTUN | CTLFLAG_MPSAFE, null, 0, sysctl_nmbjumbo(() => nmbjumbo9, (v) => (nmbjumbo9 = v), zone_jumbo9), "I", "Maximum number of mbuf 9k jumbo clusters allowed");
SYSCTL_PROC(_kern_ipc, OID_AUTO, "nmbjumbo16", CTLTYPE_INT | CTLFLAG_RWTUN | CTLFLAG_MPSAFE, null, 0, sysctl_nmbjumbo(() => nmbjumbo16, (v) => (nmbjumbo16 = v), zone_jumbo16), "I", "Maximum number of mbuf 16k jumbo clusters allowed");

/**
 * Set the zone limits directly, below what the sysctl allows: tests use it
 * to exhaust a zone (FreeBSD's uma_zone_set_max from a debugger).
 */
export function mbuf_set_limits(mbufs: number, clusters: number): void {
  zone_mbuf.uma_zone_set_max(mbufs);
  zone_clust.uma_zone_set_max(clusters);
}

/** Restore the configured limits. */
export function mbuf_restore_limits(): void {
  zone_mbuf.uma_zone_set_max(nmbufs);
  zone_clust.uma_zone_set_max(nmbclusters);
}
