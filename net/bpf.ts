// sys/net/bpf.c, sys/net/bpf.h, sys/net/dlt.h: the Berkeley Packet Filter
// taps, and the pcap savefile format that tcpdump -w writes.
//
// Every interface that can be listened to has a bpf_if (bpfattach: Ethernet
// with DLT_EN10MB and a 14-byte header, loopback with DLT_NULL and a 4-byte
// address family).  Drivers tap packets at FreeBSD's places: the sender of an
// epair in its transmit routine, ether_input on receive, if_simloop for
// loopback.  The tap first asks bpf_peers_present(ifp), one field read, and
// does nothing more when nobody listens: no allocation, no copy.
//
// A listener is a bpf_d (what opening /dev/bpf and BIOCSETIF give tcpdump).
// Instead of a read buffer it keeps every packet it accepts as a pcap record
// stamped with microtime() from the virtual clock, so the same run with the
// same seed gives the same bytes; pcap_file() writes them out.
//
// A listener may instead hand its records to a reader as they come
// (bpf_open_stream): they gather in one store buffer, as in FreeBSD's
// bd_sbuf, and when it is full, or when the reader asks (bpf_stream_flush),
// the reader gets the buffer's bytes at once and the buffer starts empty
// again, as a rotation to the hold buffer followed by an immediate read(2).
// That is how `virtnet run --pcap` writes its files while the run goes on,
// with no allocation per packet.
//
// A descriptor may also write (bpf_write, what write(2) on /dev/bpf does):
// the frame leaves by the interface through its if_output with the link
// header it carries, as scapy's sendp does on FreeBSD.
//
// Departures: no BPF filter programs (a capture may carry a predicate over
// the captured bytes instead), no blocking reads.  A descriptor does not
// read back a frame it is writing itself while that write is under way
// (bd_writing): FreeBSD's would, but the one writer that reads as it
// writes here is the host-interface mirror (net/bpf_hostif.ts), whose host
// side has already seen the frame leave.

import type { proc } from "../kern/uipc_syscalls.ts";
import { CRED_TO_VNET } from "../kern/kern_jail.ts";
import { CURVNET_RESTORE, CURVNET_SET } from "./vnet.ts";
import { m_copydata, m_devget, m_length } from "../kern/uipc_mbuf.ts";
import { M_BCAST, M_MCAST, M_PROMISC, type mbuf } from "../kern/mbuf.ts";
import { AF_UNSPEC, pseudo_AF_HDRCMPLT, sockaddr_generic } from "../kern/socket.ts";
import type { sockaddr_dl } from "./if_dl.ts";
import { microtime } from "../kern/kern_timeout.ts";
import { wakeup } from "../kern/kern_synch.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RW, CTLFLAG_RWTUN, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, _net, kvar_of, type sysctl_req } from "../kern/sysctl.ts";
import { EINVAL, EIO, EMSGSIZE, ENETDOWN, ENOBUFS, ENXIO } from "../kern/errno.ts";
import { SIGIO, tsleep_catch } from "../kern/kern_sig.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { PRIV_NET_BPF, priv_check_cred } from "../kern/kern_priv.ts";
import { IFF_UP, RT_HAS_HEADER, ifpromisc, ifunit, set_bpf_vmove_hook, type bpf_if_ref, type ifnet, type route } from "./if.ts";

// Data link types (net/dlt.h); pcap's LINKTYPE_ numbers are the same for these.
export const DLT_NULL = 0;
export const DLT_EN10MB = 1;
export const DLT_RAW = 12;
export const DLT_LOOP = 108;

// bd_direction
export const BPF_D_IN = 0;
export const BPF_D_INOUT = 1;
export const BPF_D_OUT = 2;

/** tcpdump's default snapshot length (-s 0). */
export const BPF_DEFAULT_SNAPLEN = 262144;

const bpf_maxbufsize = kvar_of(64 * 1024 * 1024);
/** net.bpf.bufsize: a new descriptor's buffer size (BIOCSBLEN changes it). */
const bpf_bufsize = kvar_of(4096);
const _net_bpf = SYSCTL_NODE(_net, OID_AUTO, "bpf", CTLFLAG_RW, null, "bpf sysctl");
SYSCTL_INT(_net_bpf, OID_AUTO, "bufsize", CTLFLAG_RW, bpf_bufsize, 0, "Default capture buffer size in bytes");
SYSCTL_INT(_net_bpf, OID_AUTO, "maxbufsize", CTLFLAG_RWTUN, bpf_maxbufsize, 0, "Maximum capture buffer size in bytes");

/** struct bpf_if: an interface's tap point. */
export class bpf_if implements bpf_if_ref {
  /** Whether any descriptor listens (what bpf_peers_present reads). */
  bif_peers = false;
  readonly bif_dlist: bpf_d[] = [];
  constructor(
    readonly bif_ifp: ifnet,
    readonly bif_dlt: number,
    readonly bif_hdrlen: number,
  ) {}
}

/** A predicate over a captured packet's bytes (link header included). */
export type bpf_capture_filter = (pkt: Uint8Array, wirelen: number) => boolean;

/**
 * struct bpf_d: one listener.  Captured packets are kept as pcap records
 * (16-byte record header + data, little-endian as on amd64).
 */
export class bpf_d {
  bd_bif: bpf_if | null;
  bd_direction = BPF_D_INOUT;
  /** The process that last used the descriptor (open, read). */
  bd_pid = 0;
  /** BIOCPROMISC: the interface was put in promiscuous mode for it. */
  bd_promisc = 0;
  /** BIOCIMMEDIATE: reads return as soon as a packet is there. */
  bd_immediate = 0;
  /** BIOCSHDRCMPLT: written packets carry their own link source address. */
  bd_hdrcmplt = 0;
  bd_feedback = 0;
  bd_async = 0;
  bd_locked = 0;
  /** The signal FIOASYNC sends. */
  bd_sig = SIGIO;
  bd_bufsize = bpf_bufsize.v;
  /** What FreeBSD's store and hold buffers would hold: the bytes (bpf
   *  headers included, word aligned) captured since the last read. */
  bd_sblen = 0;
  bd_hlen = 0;
  /** Writes: sent, dropped, filtered; and zero-copy buffer swaps. */
  bd_wcount = 0;
  bd_wdcount = 0;
  bd_wfcount = 0;
  bd_zcopy = 0;
  /** Packets seen, accepted, and dropped for want of buffer space. */
  bd_rcount = 0;
  bd_fcount = 0;
  bd_dcount = 0;
  /** Bytes held in bd_records. */
  bd_slen = 0;
  readonly bd_records: Uint8Array[] = [];
  /** A streaming listener's reader and store buffer (null: keep records). */
  bd_reader: bpf_stream_reader | null = null;
  bd_sbuf: Uint8Array | null = null;
  bd_sview: DataView | null = null;
  /** Non-zero while bpf_write of this descriptor is in its if_output. */
  bd_writing = 0;
  constructor(
    bif: bpf_if,
    /** The link type, kept after a detach so the capture can still be written. */
    readonly bd_dlt: number,
    readonly bd_snaplen: number,
    readonly bd_ifname: string,
    readonly bd_filter: bpf_capture_filter | null,
  ) {
    this.bd_bif = bif;
  }
}

/** Every attached bpf_if (bpf_iflist). */
export const bpf_iflist: bpf_if[] = [];

/** bpfattach(ifp, dlt, hdrlen): give the interface a tap point. */
export function bpfattach(ifp: ifnet, dlt: number, hdrlen: number): void {
  const bp = new bpf_if(ifp, dlt, hdrlen);
  bpf_iflist.push(bp);
  ifp.if_bpf = bp;
  for (const f of bpf_attach_event) f(ifp);
}

/** Observers told of every new tap point (also after a vnet move), so a
 *  capture-everything listener such as `virtnet run --pcap` misses nothing. */
export const bpf_attach_event: ((ifp: ifnet) => void)[] = [];

function bpf_attachd(d: bpf_d, bp: bpf_if): void {
  d.bd_bif = bp;
  bp.bif_dlist.push(d);
  bp.bif_peers = true;
}

function bpf_detachd(d: bpf_d): void {
  const bp = d.bd_bif;
  if (bp === null) return;
  const i = bp.bif_dlist.indexOf(d);
  if (i >= 0) bp.bif_dlist.splice(i, 1);
  bp.bif_peers = bp.bif_dlist.length > 0;
  d.bd_bif = null;
  // The promiscuous mode asked for this descriptor ends with it (not when
  // the interface itself is going away).
  if (d.bd_promisc !== 0) {
    d.bd_promisc = 0;
    if (bp.bif_ifp.if_bpf === bp) ifpromisc(bp.bif_ifp, 0);
  }
  // A reader learns that the interface is gone (ENXIO).
  wakeup(d);
  if (d.bd_reader !== null && d.bd_reader.br_detach !== undefined) d.bd_reader.br_detach(d);
}

/** bpfdetach(ifp): the interface goes; its listeners are cut off (a
 *  reading tcpdump gets ENXIO) and keep what they captured. */
export function bpfdetach(ifp: ifnet): void {
  const bp = ifp.if_bpf as bpf_if | null;
  if (bp === null) return;
  ifp.if_bpf = null;
  while (bp.bif_dlist.length > 0) bpf_detachd(bp.bif_dlist[0]);
  const i = bpf_iflist.indexOf(bp);
  if (i >= 0) bpf_iflist.splice(i, 1);
}

/**
 * After if_vmove: FreeBSD's departure handler has detached the old tap and
 * if_vmove attaches a new one with the same DLT and header length in the new
 * vnet.  Listeners from the old vnet are not carried over.
 */
function bpf_vmove(ifp: ifnet): void {
  const bp = ifp.if_bpf;
  if (bp === null) return;
  const dlt = bp.bif_dlt;
  const hdrlen = bp.bif_hdrlen;
  bpfdetach(ifp);
  bpfattach(ifp, dlt, hdrlen);
}
set_bpf_vmove_hook(bpf_vmove);

/** BPF_WORDALIGN: records in a bpf buffer start on a long boundary (amd64). */
const BPF_ALIGNMENT = 8;
function BPF_WORDALIGN(x: number): number {
  return (x + (BPF_ALIGNMENT - 1)) & ~(BPF_ALIGNMENT - 1);
}
/** SIZEOF_BPF_HDR(struct bpf_hdr): timeval, caplen, datalen, hdrlen. */
const SIZEOF_BPF_HDR = 26;

/** bpf_peers_present: the cheap "anyone listening?" test the taps make. */
export function bpf_peers_present(ifp: ifnet): boolean {
  const bp = ifp.if_bpf;
  return bp !== null && bp.bif_peers;
}

/** BPF_CHECK_DIRECTION: true when d does not want a packet that arrived on
 *  r (null: sent by us) and is seen at i. */
function BPF_CHECK_DIRECTION(d: bpf_d, r: unknown, i: ifnet): boolean {
  return (d.bd_direction === BPF_D_IN && r !== i) || (d.bd_direction === BPF_D_OUT && r === i);
}

// microtime() once per tapped packet, however many listeners.
let ts_sec = 0;
let ts_usec = 0;

/**
 * catchpacket into a streaming listener's store buffer: the record is
 * written in place; a full buffer goes to the reader first.
 */
function catchpacket_stream(d: bpf_d, r: bpf_stream_reader, hdr: Uint8Array | null, m: mbuf, pktlen: number): void {
  const caplen = Math.min(pktlen, d.bd_snaplen);
  let sbuf = d.bd_sbuf;
  let dv = d.bd_sview;
  if (sbuf === null || dv === null) {
    // The first packet: the buffer is made only for a listener that hears
    // something, and the reader learns that the capture has begun.
    sbuf = d.bd_sbuf = new Uint8Array(BPF_STREAM_BUFSIZE);
    dv = d.bd_sview = new DataView(sbuf.buffer);
    r.br_begin(d);
  }
  if (d.bd_slen + 16 + caplen > sbuf.length) {
    bpf_stream_flush(d);
    if (16 + caplen > sbuf.length) {
      // A record larger than any before: the buffer grows, once per size.
      let n = sbuf.length;
      while (n < 16 + caplen) n *= 2;
      sbuf = d.bd_sbuf = new Uint8Array(n);
      dv = d.bd_sview = new DataView(sbuf.buffer);
    }
  }
  const start = d.bd_slen;
  let off = start + 16;
  if (hdr !== null) {
    const n = Math.min(hdr.length, caplen);
    sbuf.set(n === hdr.length ? hdr : hdr.subarray(0, n), off);
    off += n;
  }
  if (start + 16 + caplen > off) m_copydata(m, 0, start + 16 + caplen - off, sbuf, off);
  if (d.bd_filter !== null && !d.bd_filter(sbuf.subarray(start + 16, start + 16 + caplen), pktlen)) return;
  dv.setUint32(start, ts_sec, true);
  dv.setUint32(start + 4, ts_usec, true);
  dv.setUint32(start + 8, caplen, true);
  dv.setUint32(start + 12, pktlen, true);
  d.bd_fcount++;
  d.bd_slen = start + 16 + caplen;
  // BIOCIMMEDIATE: the reader has each packet as soon as it is caught.
  if (d.bd_immediate !== 0) bpf_stream_flush(d);
}

/**
 * catchpacket: copy up to bd_snaplen bytes (`hdr` first, then the chain) into
 * a pcap record.  Runs only when someone listens, so it may allocate.
 */
function catchpacket(d: bpf_d, hdr: Uint8Array | null, m: mbuf, pktlen: number): void {
  if (d.bd_reader !== null) return catchpacket_stream(d, d.bd_reader, hdr, m, pktlen);
  const caplen = Math.min(pktlen, d.bd_snaplen);
  if (d.bd_slen + 16 + caplen > bpf_maxbufsize.v) {
    d.bd_dcount++;
    return;
  }
  const rec = new Uint8Array(16 + caplen);
  let off = 16;
  if (hdr !== null) {
    const n = Math.min(hdr.length, caplen);
    rec.set(hdr.subarray(0, n), off);
    off += n;
  }
  if (caplen + 16 > off) m_copydata(m, 0, caplen + 16 - off, rec, off);
  if (d.bd_filter !== null && !d.bd_filter(rec.subarray(16), pktlen)) return;
  const dv = new DataView(rec.buffer, rec.byteOffset, 16);
  dv.setUint32(0, ts_sec, true);
  dv.setUint32(4, ts_usec, true);
  dv.setUint32(8, caplen, true);
  dv.setUint32(12, pktlen, true);
  d.bd_fcount++;
  d.bd_records.push(rec);
  d.bd_slen += rec.length;
  const lh = d.bd_bif === null ? 0 : d.bd_bif.bif_hdrlen;
  const hdrlen = BPF_WORDALIGN(SIZEOF_BPF_HDR + lh) - lh;
  d.bd_sblen = BPF_WORDALIGN(d.bd_sblen) + hdrlen + caplen;
  // bpf_wakeup: a reader sleeping in poll/read (tcpdump) runs again.
  wakeup(d);
}

function bpf_tap_common(ifp: ifnet, bp: bpf_if, hdr: Uint8Array | null, m: mbuf): void {
  // A packet bpf itself sent out comes back marked M_PROMISC with no
  // receiving interface: not shown twice.
  if ((m.m_flags & M_PROMISC) !== 0 && m.m_pkthdr.rcvif === null) {
    m.m_flags &= ~M_PROMISC;
    return;
  }
  const pktlen = (hdr !== null ? hdr.length : 0) + m_length(m);
  let gottime = false;
  const rcvif = m.m_pkthdr.rcvif;
  for (let i = 0; i < bp.bif_dlist.length; i++) {
    const d = bp.bif_dlist[i];
    if (BPF_CHECK_DIRECTION(d, rcvif, ifp)) continue;
    // What the descriptor is writing right now is not read back (see the top).
    if (d.bd_writing !== 0 && rcvif === null) continue;
    d.bd_rcount++;
    if (!gottime) {
      const t = microtime();
      ts_sec = t[0];
      ts_usec = t[1];
      gottime = true;
    }
    catchpacket(d, hdr, m, pktlen);
  }
}

/** bpf_mtap (BPF_MTAP): tap an mbuf chain on ifp. */
export function bpf_mtap(ifp: ifnet, m: mbuf): void {
  const bp = ifp.if_bpf as bpf_if | null;
  if (bp === null || !bp.bif_peers) return;
  bpf_tap_common(ifp, bp, null, m);
}

/** bpf_mtap2 (BPF_MTAP2): tap with a pseudo header in front (the 4-byte
 *  address family of DLT_NULL, or a rebuilt VLAN header). */
export function bpf_mtap2(ifp: ifnet, hdr: Uint8Array, m: mbuf): void {
  const bp = ifp.if_bpf as bpf_if | null;
  if (bp === null || !bp.bif_peers) return;
  bpf_tap_common(ifp, bp, hdr, m);
}

// ---------------------------------------------------------------------------
// Captures: what tcpdump -i IF -w FILE does, as a library call.

export interface bpf_capture_opts {
  snaplen?: number;
  direction?: number;
  filter?: bpf_capture_filter;
  /** The opener's pid (bpfopen records it). */
  pid?: number;
  /** BIOCPROMISC. */
  promisc?: boolean;
  /** BIOCIMMEDIATE. */
  immediate?: boolean;
  /** BIOCSHDRCMPLT: written frames keep the source address they carry. */
  hdrcmplt?: boolean;
}

/** Open a listener on ifp (open /dev/bpf + BIOCSETIF).  null when the
 *  interface has no tap point (ENXIO). */
export function bpf_open_capture(ifp: ifnet, opts: bpf_capture_opts = {}): bpf_d | null {
  const bp = ifp.if_bpf as bpf_if | null;
  if (bp === null) return null;
  const snaplen = opts.snaplen ?? BPF_DEFAULT_SNAPLEN;
  KASSERT(snaplen > 0, "bpf_open_capture: snaplen must be positive");
  const d = new bpf_d(bp, bp.bif_dlt, snaplen, ifp.if_xname, opts.filter ?? null);
  if (opts.direction !== undefined) d.bd_direction = opts.direction;
  d.bd_pid = opts.pid ?? 0;
  d.bd_immediate = opts.immediate === true ? 1 : 0;
  d.bd_hdrcmplt = opts.hdrcmplt === true ? 1 : 0;
  bpf_attachd(d, bp);
  // BIOCPROMISC: once per descriptor, counted by the interface.
  if (opts.promisc === true && ifpromisc(ifp, 1) === 0) d.bd_promisc = 1;
  return d;
}

/** The store buffer of a streaming listener: flushed to its reader when a
 *  record would not fit (and doubled when one record does not fit at all). */
export const BPF_STREAM_BUFSIZE = 32 * 1024;

/** Who reads a streaming listener (bpf_open_stream). */
export interface bpf_stream_reader {
  /** The first packet was caught (before it is stored). */
  br_begin(d: bpf_d): void;
  /** Complete pcap records, to be consumed before returning (the bytes
   *  are overwritten afterwards). */
  br_read(d: bpf_d, records: Uint8Array): void;
  /** The descriptor was cut off from its interface (bpfdetach, a vnet
   *  move, or bpf_close_capture): what a reader's ENXIO tells it. */
  br_detach?(d: bpf_d): void;
}

/** Open a listener whose records go to `reader` as they are caught instead
 *  of being kept; null when the interface has no tap point. */
export function bpf_open_stream(ifp: ifnet, reader: bpf_stream_reader, opts: bpf_capture_opts = {}): bpf_d | null {
  const d = bpf_open_capture(ifp, opts);
  if (d !== null) d.bd_reader = reader;
  return d;
}

/** Hand what a streaming listener's store buffer holds to its reader now
 *  (at a timer, at exit, on a signal). */
export function bpf_stream_flush(d: bpf_d): void {
  const r = d.bd_reader;
  if (r === null || d.bd_sbuf === null || d.bd_slen === 0) return;
  const n = d.bd_slen;
  d.bd_slen = 0;
  r.br_read(d, d.bd_sbuf.subarray(0, n));
}

/** The pcap savefile's global header for a listener. */
export function pcap_file_header(d: bpf_d): Uint8Array {
  const out = new Uint8Array(24);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, PCAP_MAGIC, true);
  dv.setUint16(4, PCAP_VERSION_MAJOR, true);
  dv.setUint16(6, PCAP_VERSION_MINOR, true);
  dv.setInt32(8, 0, true); // thiszone: UTC
  dv.setUint32(12, 0, true); // sigfigs
  dv.setUint32(16, d.bd_snaplen, true);
  dv.setUint32(20, d.bd_dlt, true);
  return out;
}

/** A read (bpfread): the reader is the descriptor's process now, and the
 *  buffers are empty again. */
export function bpf_read_done(d: bpf_d, pid: number): void {
  d.bd_pid = pid;
  d.bd_sblen = 0;
  d.bd_hlen = 0;
}

// ---------------------------------------------------------------------------
// net.bpf.stats: one struct xbpf_d per attached descriptor, as netstat -B
// reads it; writing a zeroed struct zeroes every descriptor's counters.

/** sizeof(struct xbpf_d) on amd64, and the offsets of its fields. */
export const XBPF_D_SIZE = 168;
export const XBPF = {
  bd_structsize: 0,
  bd_promisc: 4,
  bd_immediate: 5,
  bd_hdrcmplt: 12,
  bd_direction: 16,
  bd_feedback: 20,
  bd_async: 24,
  bd_rcount: 32,
  bd_dcount: 40,
  bd_fcount: 48,
  bd_sig: 56,
  bd_slen: 60,
  bd_hlen: 64,
  bd_bufsize: 68,
  bd_pid: 72,
  bd_ifname: 76,
  bd_locked: 92,
  bd_wcount: 96,
  bd_wdcount: 104,
  bd_wfcount: 112,
  bd_zcopy: 120,
  bd_bufmode: 128,
} as const;
const IFNAMSIZ = 16;
const BPF_BUFMODE_BUFFER = 1;

function bpfstats_fill_xbpf(dv: DataView, off: number, d: bpf_d, ifname: string): void {
  dv.setUint32(off + XBPF.bd_structsize, XBPF_D_SIZE, true);
  dv.setUint8(off + XBPF.bd_promisc, d.bd_promisc);
  dv.setUint8(off + XBPF.bd_immediate, d.bd_immediate);
  dv.setInt32(off + XBPF.bd_hdrcmplt, d.bd_hdrcmplt, true);
  dv.setInt32(off + XBPF.bd_direction, d.bd_direction, true);
  dv.setInt32(off + XBPF.bd_feedback, d.bd_feedback, true);
  dv.setInt32(off + XBPF.bd_async, d.bd_async, true);
  dv.setBigUint64(off + XBPF.bd_rcount, BigInt(d.bd_rcount), true);
  dv.setBigUint64(off + XBPF.bd_dcount, BigInt(d.bd_dcount), true);
  dv.setBigUint64(off + XBPF.bd_fcount, BigInt(d.bd_fcount), true);
  dv.setInt32(off + XBPF.bd_sig, d.bd_sig, true);
  dv.setInt32(off + XBPF.bd_slen, d.bd_sblen, true);
  dv.setInt32(off + XBPF.bd_hlen, d.bd_hlen, true);
  dv.setInt32(off + XBPF.bd_bufsize, d.bd_bufsize, true);
  dv.setInt32(off + XBPF.bd_pid, d.bd_pid, true);
  for (let i = 0; i < IFNAMSIZ - 1 && i < ifname.length; i++) dv.setUint8(off + XBPF.bd_ifname + i, ifname.charCodeAt(i) & 0xff);
  dv.setInt32(off + XBPF.bd_locked, d.bd_locked, true);
  dv.setBigUint64(off + XBPF.bd_wcount, BigInt(d.bd_wcount), true);
  dv.setBigUint64(off + XBPF.bd_wdcount, BigInt(d.bd_wdcount), true);
  dv.setBigUint64(off + XBPF.bd_wfcount, BigInt(d.bd_wfcount), true);
  dv.setBigUint64(off + XBPF.bd_zcopy, BigInt(d.bd_zcopy), true);
  dv.setInt32(off + XBPF.bd_bufmode, BPF_BUFMODE_BUFFER, true);
}

function bpf_zero_counters(): void {
  for (const bp of bpf_iflist) {
    for (const d of bp.bif_dlist) {
      d.bd_rcount = 0;
      d.bd_dcount = 0;
      d.bd_fcount = 0;
      d.bd_wcount = 0;
      d.bd_wfcount = 0;
      d.bd_zcopy = 0;
    }
  }
}

/** bpf_stats_sysctl: every vnet's descriptors (bpf_iflist is global, as in
 *  FreeBSD), as the bytes of struct xbpf_d; PRIV_NET_BPF is needed. */
function bpf_stats_sysctl(_oidp: unknown, _arg1: unknown, _arg2: number, req: sysctl_req): number {
  const error = priv_check_cred(req.cred as ucred, PRIV_NET_BPF);
  if (error !== 0) return error;
  if (req.newval !== null) {
    const nv = req.newval;
    if (!Array.isArray(nv) || nv.length !== XBPF_D_SIZE || nv.some((b) => b !== 0)) return EINVAL;
    bpf_zero_counters();
    return 0;
  }
  let n = 0;
  for (const bp of bpf_iflist) n += bp.bif_dlist.length;
  const buf = new Uint8Array(n * XBPF_D_SIZE);
  const dv = new DataView(buf.buffer);
  let i = 0;
  for (const bp of bpf_iflist) for (const d of bp.bif_dlist) bpfstats_fill_xbpf(dv, XBPF_D_SIZE * i++, d, bp.bif_ifp.if_xname);
  req.oldval = Array.from(buf);
  return 0;
}
SYSCTL_NODE(_net_bpf, OID_AUTO, "stats", CTLFLAG_MPSAFE | CTLFLAG_RW, bpf_stats_sysctl, "bpf statistics portal");

/** Close a listener (its records stay readable). */
export function bpf_close_capture(d: bpf_d): void {
  bpf_detachd(d);
}

/** Whether the listener is still attached to an interface. */
export function bpf_capture_attached(d: bpf_d): boolean {
  return d.bd_bif !== null;
}

export const PCAP_MAGIC = 0xa1b2c3d4;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;

/** The capture as a pcap savefile: global header, then the records. */
export function pcap_file(d: bpf_d): Uint8Array {
  KASSERT(d.bd_reader === null, "pcap_file: a streaming listener keeps no records");
  const out = new Uint8Array(24 + d.bd_slen);
  out.set(pcap_file_header(d), 0);
  let off = 24;
  for (const r of d.bd_records) {
    out.set(r, off);
    off += r.length;
  }
  return out;
}

/** A captured packet, decoded from its record (for tests and tools). */
export interface bpf_packet {
  sec: number;
  usec: number;
  caplen: number;
  len: number;
  data: Uint8Array;
}

export function bpf_capture_packets(d: bpf_d): bpf_packet[] {
  return d.bd_records.map((r) => {
    const dv = new DataView(r.buffer, r.byteOffset, 16);
    return { sec: dv.getUint32(0, true), usec: dv.getUint32(4, true), caplen: dv.getUint32(8, true), len: dv.getUint32(12, true), data: r.subarray(16) };
  });
}

/** open("/dev/bpf") + BIOCSETIF: a capture on the named interface of the
 *  caller's vnet.  PRIV_NET_BPF is needed (root, or a vnet jail's root). */
export function sys_bpf_open(p: proc, ifname: string, opts: bpf_capture_opts = {}): { error: number; d: bpf_d | null } {
  const error = priv_check_cred(p.p_ucred, PRIV_NET_BPF);
  if (error !== 0) return { error, d: null };
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "bpf_setif");
  try {
    const ifp = ifunit(ifname);
    if (ifp === null) return { error: ENXIO, d: null };
    const d = bpf_open_capture(ifp, { ...opts, pid: p.p_pid });
    return d === null ? { error: ENXIO, d: null } : { error: 0, d };
  } finally {
    CURVNET_RESTORE(saved);
  }
}

export function sys_bpf_close(d: bpf_d): void {
  bpf_close_capture(d);
}

// ---------------------------------------------------------------------------
// bpf(4) beyond BIOCSETIF: the link type (BIOCGDLT), read(2) of what was
// captured, poll(2) for more, and the counters (BIOCGSTATS).

/** BIOCGDLT: the data link type of the descriptor's interface. */
export function sys_bpf_getdlt(d: bpf_d): number {
  return d.bd_dlt;
}

/**
 * read(2) on /dev/bpf: the packets captured after the first `from` ones
 * (tcpdump keeps its place between reads).  ENXIO once the interface went
 * away and everything it captured has been read.
 */
export function sys_bpf_read(d: bpf_d, from: number, p: proc): { error: number; packets: bpf_packet[] } {
  const recs = d.bd_records;
  bpf_read_done(d, p.p_pid);
  if (from >= recs.length && !bpf_capture_attached(d)) return { error: ENXIO, packets: [] };
  const packets: bpf_packet[] = [];
  for (let i = from; i < recs.length; i++) {
    // A record is the 16-byte pcap record header (little-endian) and the data.
    const r = recs[i];
    const dv = new DataView(r.buffer, r.byteOffset, 16);
    packets.push({ sec: dv.getUint32(0, true), usec: dv.getUint32(4, true), caplen: dv.getUint32(8, true), len: dv.getUint32(12, true), data: r.slice(16) });
  }
  return { error: 0, packets };
}

/**
 * poll(2) on /dev/bpf: sleep until the descriptor holds more than `have`
 * packets (0), timo_ns of virtual time passed (EWOULDBLOCK; 0 = no limit),
 * the interface detached (ENXIO), a caught signal arrived (EINTR), or
 * nothing in the simulation could ever deliver another packet (EINTR too,
 * as the ^C that ends a real capture).
 */
export async function sys_bpf_wait(p: proc, d: bpf_d, have: number, timo_ns: number): Promise<number> {
  for (;;) {
    if (d.bd_records.length > have) return 0;
    if (!bpf_capture_attached(d)) return ENXIO;
    const error = await tsleep_catch(p, d, timo_ns);
    if (error !== 0 && d.bd_records.length <= have) return error;
  }
}

/** BIOCGSTATS: struct bpf_stat. */
export function sys_bpf_stats(d: bpf_d): { bs_recv: number; bs_drop: number } {
  return { bs_recv: d.bd_rcount, bs_drop: d.bd_dcount };
}

// ---------------------------------------------------------------------------
// write(2) on /dev/bpf.

const ETHER_HDR_LEN = 14;
const ETHER_ADDR_LEN = 6;
/** bpf_movein's sockaddr and route, kept between writes (one write at a
 *  time: the call does not sleep). */
const bpfw_dst = new sockaddr_generic(AF_UNSPEC);
const bpfw_hdr = new Uint8Array(ETHER_HDR_LEN);
const bpfw_ro: route = { ro_nh: null, ro_flags: 0, ro_prepend: null, ro_plen: 0 };

/**
 * bpf_movein: the written bytes as a packet for the descriptor's link type,
 * with its link header copied aside for if_output.  Only DLT_EN10MB is
 * written to (the other link types' headers are not modelled): EIO, as
 * FreeBSD answers for an unknown link type.  Null with the errno in
 * bpfw_error.
 */
function bpf_movein(d: bpf_d, ifp: ifnet, buf: Uint8Array, off: number, len: number): mbuf | null {
  if (d.bd_dlt !== DLT_EN10MB) {
    bpfw_error = EIO;
    return null;
  }
  const hlen = ETHER_HDR_LEN;
  if (len < hlen || len - hlen > ifp.if_mtu) {
    bpfw_error = EMSGSIZE;
    return null;
  }
  const m = m_devget(buf, off, len, null);
  if (m === null) {
    bpfw_error = ENOBUFS;
    return null;
  }
  const b = m.m_buf;
  const eh = m.m_data;
  // A multicast destination: the broadcast address, or a group.
  if ((b[eh] & 1) !== 0) {
    const bc = ifp.if_broadcastaddr;
    let isbc = bc !== null;
    for (let i = 0; isbc && bc !== null && i < ETHER_ADDR_LEN; i++) if (b[eh + i] !== bc[i]) isbc = false;
    m.m_flags |= isbc ? M_BCAST : M_MCAST;
  }
  // Without BIOCSHDRCMPLT the interface's own address is the source.
  if (d.bd_hdrcmplt === 0 && ifp.if_addr !== null) b.set((ifp.if_addr.ifa_addr as sockaddr_dl).sdl_lladdr.subarray(0, ETHER_ADDR_LEN), eh + ETHER_ADDR_LEN);
  bpfw_hdr.set(b.subarray(eh, eh + hlen));
  return m;
}
let bpfw_error = 0;

/**
 * bpfwrite: `len` bytes of `buf` from `off`, a whole frame with its link
 * header, leave by the descriptor's interface (its if_output, in its vnet,
 * the header given in the route as FreeBSD's ro_prepend).  Returns an errno:
 * ENXIO (no interface), ENETDOWN (it is down), EMSGSIZE (shorter than the
 * link header or longer than the MTU allows), EIO (a link type that cannot
 * be written), ENOBUFS; or what if_output answered.  Failed writes count in
 * bd_wdcount, written ones in bd_wfcount.
 */
export function bpf_write(d: bpf_d, buf: Uint8Array, off: number, len: number): number {
  const bp = d.bd_bif;
  if (bp === null) {
    d.bd_wdcount++;
    return ENXIO;
  }
  const ifp = bp.bif_ifp;
  if ((ifp.if_flags & IFF_UP) === 0) {
    d.bd_wdcount++;
    return ENETDOWN;
  }
  if (len === 0) return 0;
  const m = bpf_movein(d, ifp, buf, off, len);
  if (m === null) {
    d.bd_wdcount++;
    return bpfw_error;
  }
  d.bd_wfcount++;
  bpfw_dst.sa_family = d.bd_hdrcmplt !== 0 ? pseudo_AF_HDRCMPLT : AF_UNSPEC;
  // The header travels beside the packet: m_data moves past it, and
  // ether_output prepends it again.
  m.m_pkthdr.len -= ETHER_HDR_LEN;
  m.m_len -= ETHER_HDR_LEN;
  m.m_data += ETHER_HDR_LEN;
  bpfw_ro.ro_prepend = bpfw_hdr;
  bpfw_ro.ro_plen = ETHER_HDR_LEN;
  bpfw_ro.ro_flags = RT_HAS_HEADER;
  const saved = CURVNET_SET(ifp.if_vnet, "bpfwrite");
  d.bd_writing++;
  let error: number;
  try {
    error = ifp.if_output(ifp, m, bpfw_dst, bpfw_ro);
  } finally {
    d.bd_writing--;
    bpfw_ro.ro_prepend = null;
    CURVNET_RESTORE(saved);
  }
  if (error !== 0) d.bd_wdcount++;
  return error;
}
