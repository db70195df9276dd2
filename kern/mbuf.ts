// sys/sys/mbuf.h: struct mbuf, its flags and sizes, and the inline macros
// (mtod, M_START, M_SIZE, M_WRITABLE, M_LEADINGSPACE, M_TRAILINGSPACE,
// M_ALIGN).  Allocation is in kern_mbuf.ts, chain operations in uipc_mbuf.ts.
//
// An mbuf's storage is real bytes.  Each mbuf owns a 256-byte (MSIZE) slice
// of a zone slab; its m_dat area is the 224 bytes after the 32-byte header,
// exactly where FreeBSD keeps them, and a packet header mbuf's data starts 56
// bytes further in (m_pktdat), which gives MLEN 224 and MHLEN 168.  The header
// fields themselves are ordinary object fields.  m_data is an offset into
// m_buf, the storage the data lives in: m_dat, or a cluster for M_EXT.
// Headers are read and written in place through m_dv (a DataView over m_buf).

import { KASSERT } from "./subr_prf.ts";

/** m_tag_id bit: the tag survives a packet's trip through a pseudo-interface
 *  (m_tag_delete_nonpersistent keeps it). */
export const MTAG_PERSISTENT = 0x800;

/**
 * struct m_tag: a typed annotation on a packet header (sys/mbuf.h).  Each
 * tag class carries its id and knows how to copy itself; m_tag_copy returns
 * null when no copy can be made (FreeBSD's malloc(M_NOWAIT) failing).
 */
export interface m_tag {
  readonly m_tag_id: number;
  m_tag_copy(): m_tag | null;
}

/** An ifnet as pkthdr.rcvif sees it (net/if.ts defines the full struct). */
export interface mbuf_ifnet {
  if_index: number;
  if_xname: string;
}

export const MSIZE = 256;
export const MHSIZE = 32;
export const PKTHDR_SIZE = 56;
export const MPKTHSIZE = MHSIZE + PKTHDR_SIZE;
export const MLEN = MSIZE - MHSIZE; // 224
export const MHLEN = MSIZE - MPKTHSIZE; // 168
export const MINCLSIZE = MHLEN + 1;
export const MCLSHIFT = 11;
export const MCLBYTES = 1 << MCLSHIFT; // 2048
export const MJUMPAGESIZE = 4096;
export const MJUM9BYTES = 9 * 1024;
export const MJUM16BYTES = 16 * 1024;
export const M_COPYALL = 1000000000;

// m_flags
export const M_EXT = 0x00000001;
export const M_PKTHDR = 0x00000002;
export const M_EOR = 0x00000004;
export const M_RDONLY = 0x00000008;
export const M_BCAST = 0x00000010;
export const M_MCAST = 0x00000020;
export const M_PROMISC = 0x00000040;
export const M_VLANTAG = 0x00000080;
export const M_EXTPG = 0x00000100;
export const M_NOFREE = 0x00000200;
export const M_TSTMP = 0x00000400;
export const M_TSTMP_HPREC = 0x00000800;
export const M_TSTMP_LRO = 0x00001000;
export const M_PROTO1 = 0x00002000;
export const M_PROTO2 = 0x00004000;
export const M_PROTO3 = 0x00008000;
export const M_PROTO4 = 0x00010000;
export const M_PROTO5 = 0x00020000;
export const M_PROTO6 = 0x00040000;
export const M_PROTO7 = 0x00080000;
export const M_PROTO8 = 0x00100000;
export const M_PROTO9 = 0x00200000;
export const M_PROTO10 = 0x00400000;
export const M_PROTO11 = 0x00800000;
export const M_PROTO12 = 0x01000000;
export const M_PROTOFLAGS =
  M_PROTO1 | M_PROTO2 | M_PROTO3 | M_PROTO4 | M_PROTO5 | M_PROTO6 | M_PROTO7 | M_PROTO8 | M_PROTO9 | M_PROTO10 | M_PROTO11 | M_PROTO12;
export const M_COPYFLAGS =
  M_PKTHDR | M_EOR | M_RDONLY | M_BCAST | M_MCAST | M_PROMISC | M_VLANTAG | M_TSTMP | M_TSTMP_HPREC | M_TSTMP_LRO | M_PROTOFLAGS;

// m_type
export const MT_NOTMBUF = 0;
export const MT_DATA = 1;
export const MT_HEADER = MT_DATA;
export const MT_VENDOR1 = 4;
export const MT_SONAME = 8;
export const MT_CONTROL = 14;
export const MT_EXTCONTROL = 15;
export const MT_OOBDATA = 16;
export const MT_NOINIT = 255;

// ext_type
export const EXT_CLUSTER = 1;
export const EXT_SFBUF = 2;
export const EXT_JUMBOP = 3;
export const EXT_JUMBO9 = 4;
export const EXT_JUMBO16 = 5;
export const EXT_PACKET = 6;
export const EXT_MBUF = 7;
export const EXT_RXRING = 8;
export const EXT_NET_DRV = 252;
export const EXT_MOD_TYPE = 253;
export const EXT_DISPOSABLE = 254;
export const EXT_EXTREF = 255;

export const EXT_FLAG_EMBREF = 0x000001;
export const EXT_FLAG_EXTREF = 0x000002;
export const EXT_FLAG_NOFREE = 0x000010;

// csum_flags
export const CSUM_IP = 0x00000001;
export const CSUM_IP_UDP = 0x00000002;
export const CSUM_IP_TCP = 0x00000004;
export const CSUM_IP_SCTP = 0x00000008;
export const CSUM_IP_TSO = 0x00000010;
export const CSUM_IP_ISCSI = 0x00000020;
export const CSUM_L3_CALC = 0x01000000;
export const CSUM_L3_VALID = 0x02000000;
export const CSUM_L4_CALC = 0x04000000;
export const CSUM_L4_VALID = 0x08000000;
export const CSUM_L5_CALC = 0x10000000;
export const CSUM_L5_VALID = 0x20000000;
export const CSUM_COALESCED = 0x40000000;
export const CSUM_SND_TAG = 0x80000000;
export const CSUM_UDP = CSUM_IP_UDP;
export const CSUM_TCP = CSUM_IP_TCP;
export const CSUM_IP_CHECKED = CSUM_L3_CALC;
export const CSUM_IP_VALID = CSUM_L3_VALID;
export const CSUM_DATA_VALID = CSUM_L4_VALID;
export const CSUM_PSEUDO_HDR = CSUM_L4_CALC;
export const CSUM_DELAY_DATA = CSUM_TCP | CSUM_UDP;
export const CSUM_DELAY_IP = CSUM_IP;

/** The owner of a cluster: its bytes and a view for header access. */
export class mb_cluster {
  constructor(
    readonly cl_buf: Uint8Array,
    readonly cl_dv: DataView,
  ) {}
}

/** struct pkthdr. */
export class pkthdr {
  rcvif: mbuf_ifnet | null = null;
  len = 0;
  flowid = 0;
  csum_flags = 0;
  fibnum = 0;
  numa_domain = 0;
  rsstype = 0;
  /** PH_per: ether_vtag, tso_segsz, csum_data. */
  ether_vtag = 0;
  tso_segsz = 0;
  csum_data = 0;
  l2hlen = 0;
  l3hlen = 0;
  l4hlen = 0;
  /** PH_loc: eight bytes for the layer that holds the packet now. */
  PH_loc = 0;
  /** m_tag list (SLIST); null when empty. */
  tags: m_tag[] | null = null;

  pkthdr_zero(): void {
    this.rcvif = null;
    this.len = 0;
    this.flowid = 0;
    this.csum_flags = 0;
    this.fibnum = 0;
    this.numa_domain = 0;
    this.rsstype = 0;
    this.ether_vtag = 0;
    this.tso_segsz = 0;
    this.csum_data = 0;
    this.l2hlen = 0;
    this.l3hlen = 0;
    this.l4hlen = 0;
    this.PH_loc = 0;
    this.tags = null;
  }

  pkthdr_copy(from: pkthdr): void {
    this.rcvif = from.rcvif;
    this.len = from.len;
    this.flowid = from.flowid;
    this.csum_flags = from.csum_flags;
    this.fibnum = from.fibnum;
    this.numa_domain = from.numa_domain;
    this.rsstype = from.rsstype;
    this.ether_vtag = from.ether_vtag;
    this.tso_segsz = from.tso_segsz;
    this.csum_data = from.csum_data;
    this.l2hlen = from.l2hlen;
    this.l3hlen = from.l3hlen;
    this.l4hlen = from.l4hlen;
    this.PH_loc = from.PH_loc;
    this.tags = null;
  }
}

export class mbuf {
  m_next: mbuf | null = null;
  m_nextpkt: mbuf | null = null;
  /** Offset of the first valid byte in m_buf. */
  m_data = 0;
  m_len = 0;
  m_type = MT_NOTMBUF;
  m_flags = 0;
  readonly m_pkthdr = new pkthdr();
  /** The storage the data is in: m_dat, or ext_buf when M_EXT. */
  m_buf: Uint8Array;
  m_dv: DataView;

  // struct m_ext
  /** Reference count, kept in the owner (EXT_FLAG_EMBREF) mbuf. */
  ext_count = 0;
  /** For a mbuf sharing another's storage: the owner holding the count. */
  ext_cnt: mbuf | null = null;
  ext_buf: Uint8Array | null = null;
  ext_dv: DataView | null = null;
  ext_size = 0;
  ext_type = 0;
  ext_flags = 0;
  /** What to give back to the cluster zone when the last reference goes. */
  ext_arg1: mb_cluster | null = null;

  constructor(
    /** The 224-byte m_dat area inside this mbuf's MSIZE slot. */
    readonly m_dat: Uint8Array,
    readonly m_dat_dv: DataView,
  ) {
    this.m_buf = m_dat;
    this.m_dv = m_dat_dv;
  }
}

/** mtod(m, t) as an offset into m.m_buf. */
export function mtod(m: mbuf): number {
  return m.m_data;
}
export function mtodo(m: mbuf, off: number): number {
  return m.m_data + off;
}

/** The count shared by every mbuf that references m's external storage. */
export function m_extrefcnt(m: mbuf): number {
  return (m.ext_flags & EXT_FLAG_EMBREF) !== 0 ? m.ext_count : (m.ext_cnt as mbuf).ext_count;
}

/** M_START: offset in m_buf where the usable space begins. */
export function M_START(m: mbuf): number {
  if ((m.m_flags & M_EXT) !== 0) return 0;
  return (m.m_flags & M_PKTHDR) !== 0 ? PKTHDR_SIZE : 0;
}

/** M_SIZE: bytes of usable space. */
export function M_SIZE(m: mbuf): number {
  if ((m.m_flags & M_EXT) !== 0) return m.ext_size;
  return (m.m_flags & M_PKTHDR) !== 0 ? MHLEN : MLEN;
}

export function M_WRITABLE(m: mbuf): boolean {
  return (m.m_flags & (M_RDONLY | M_EXTPG)) === 0 && ((m.m_flags & M_EXT) === 0 || m_extrefcnt(m) === 1);
}

export function M_LEADINGSPACE(m: mbuf): number {
  return M_WRITABLE(m) ? m.m_data - M_START(m) : 0;
}

export function M_TRAILINGSPACE(m: mbuf): number {
  return M_WRITABLE(m) ? M_START(m) + M_SIZE(m) - (m.m_data + m.m_len) : 0;
}

/** m_align / M_ALIGN: place `len` bytes at the end of a fresh buffer,
 *  long-aligned unless they fill it. */
export function M_ALIGN(m: mbuf, len: number): void {
  let adjust = M_SIZE(m) - len;
  if (len !== M_SIZE(m)) adjust &= ~7;
  m.m_data += adjust;
}
export const m_align = M_ALIGN;
export const MH_ALIGN = M_ALIGN;

export function M_ASSERTPKTHDR(m: mbuf): void {
  KASSERT((m.m_flags & M_PKTHDR) !== 0, "M_ASSERTPKTHDR: no mbuf packet header!");
}

export function M_GETFIB(m: mbuf): number {
  return m.m_pkthdr.fibnum;
}
export function M_SETFIB(m: mbuf, fib: number): void {
  m.m_pkthdr.fibnum = fib;
}

/** m_clrprotoflags: a packet crossing layers loses the layer-private flags. */
export function m_clrprotoflags(m: mbuf | null): void {
  for (; m !== null; m = m.m_next) m.m_flags &= ~M_PROTOFLAGS;
}
