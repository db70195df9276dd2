// sys/netinet/ip_dummynet.h: dummynet's kernel/userland interface.  A
// setsockopt or getsockopt of IP_DUMMYNET3 carries a run of objects, each
// opening with a struct dn_id (len, type, subtype, id); the first is the
// command (DN_CMD_*, id DN_API_VERSION).  The classes below hold the fields
// of the C structs; the _enc/_dec pairs lay them out byte for byte as
// FreeBSD 14 on amd64 does (little-endian, natural alignment), so that the
// program and the kernel meet at FreeBSD's ABI.

import { ipfw_flow_id } from "./ip_fw.ts";

export const DN_API_VERSION = 12500000;
export const DN_MAX_ID = 0x10000;

// dn_id.type values (the order is the ABI).
export const DN_NONE = 0;
export const DN_LINK = 1;
export const DN_FS = 2;
export const DN_SCH = 3;
export const DN_SCH_I = 4;
export const DN_QUEUE = 5;
export const DN_DELAY_LINE = 6;
export const DN_PROFILE = 7;
export const DN_FLOW = 8;
export const DN_TEXT = 9;
export const DN_CMD_CONFIG = 0x80;
export const DN_CMD_DELETE = 0x81;
export const DN_CMD_GET = 0x82;
export const DN_CMD_FLUSH = 0x83;
export const DN_COMPAT_PIPE = 0x84;
export const DN_COMPAT_QUEUE = 0x85;
export const DN_GET_COMPAT = 0x86;
export const DN_SYSCTL_GET = 0x87;
export const DN_SYSCTL_SET = 0x88;
export const DN_AQM_PARAMS = 0x89;
export const DN_SCH_PARAMS = 0x8a;
export const DN_LAST = 0x8b;

// Scheduler subtypes (the others come from their modules).
export const DN_SCHED_UNKNOWN = 0;
export const DN_SCHED_FIFO = 1;
export const DN_SCHED_WF2QP = 2;

// User flags.
export const DN_HAVE_MASK = 0x0001;
export const DN_NOERROR = 0x0002;
export const DN_QHT_HASH = 0x0004;
export const DN_QSIZE_BYTES = 0x0008;
export const DN_HAS_PROFILE = 0x0010;
export const DN_IS_RED = 0x0020;
export const DN_IS_GENTLE_RED = 0x0040;
export const DN_IS_ECN = 0x0080;
export const DN_IS_AQM = 0x0100;
export const DN_PIPE_CMD = 0x1000;

/** RED's fixed point: 16 fractional bits. */
export const SCALE_RED = 16;

export const ED_MAX_SAMPLES_NO = 1024;
export const ED_MAX_NAME_LEN = 32;
export const DN_MAX_EXTRA_PARM = 10;

// Sizes of the structs on amd64.
export const SIZEOF_DN_ID = 8;
export const SIZEOF_IPFW_FLOW_ID = 56;
export const SIZEOF_DN_LINK = 32;
export const SIZEOF_DN_FS = 120;
export const SIZEOF_DN_FLOW = 96;
export const SIZEOF_DN_SCH = 92;
export const SIZEOF_DN_PROFILE = 56 + 4 * ED_MAX_SAMPLES_NO;
export const SIZEOF_DN_EXTRA_PARMS = 112;

/** struct dn_id. */
export class dn_id {
  len = 0;
  type = 0;
  subtype = 0;
  id = 0;
}

export function dn_flow_id_copy(dst: ipfw_flow_id, src: ipfw_flow_id): void {
  dst.dst_ip = src.dst_ip;
  dst.src_ip = src.src_ip;
  dst.dst_port = src.dst_port;
  dst.src_port = src.src_port;
  dst.fib = src.fib;
  dst.proto = src.proto;
  dst._flags = src._flags;
  dst.addr_type = src.addr_type;
  dst.dst_ip6.set(src.dst_ip6);
  dst.src_ip6.set(src.src_ip6);
  dst.flow_id6 = src.flow_id6;
  dst.extra = src.extra;
}

export function dn_flow_id_equal(a: ipfw_flow_id, b: ipfw_flow_id): boolean {
  if (a.dst_ip !== b.dst_ip || a.src_ip !== b.src_ip || a.dst_port !== b.dst_port || a.src_port !== b.src_port) return false;
  if (a.fib !== b.fib || a.proto !== b.proto || a._flags !== b._flags || a.addr_type !== b.addr_type) return false;
  if (a.flow_id6 !== b.flow_id6 || a.extra !== b.extra) return false;
  for (let i = 0; i < 16; i++) if (a.dst_ip6[i] !== b.dst_ip6[i] || a.src_ip6[i] !== b.src_ip6[i]) return false;
  return true;
}

/** struct dn_link: bandwidth in bit/s (userland) or bits/tick, delay in ms or ticks. */
export class dn_link {
  readonly oid = new dn_id();
  link_nr = 0;
  bandwidth = 0;
  delay = 0;
  /** Scaled: bits * hz in the kernel, bytes from userland. */
  burst = 0;
}

/** struct dn_fs: a flowset (queue) template. */
export class dn_fs {
  readonly oid = new dn_id();
  fs_nr = 0;
  flags = 0;
  qsize = 0;
  /** Packet loss rate: 0x7fffffff means 100%. */
  plr = 0;
  buckets = 0;
  readonly flow_mask = new ipfw_flow_id();
  sched_nr = 0;
  /** Scheduler parameters, -1 when unset: 0 weight, 1 lmax, 2 priority. */
  readonly par = [0, 0, 0, 0];
  w_q = 0;
  max_th = 0;
  min_th = 0;
  max_p = 0;
}

/** struct dn_flow: a queue's or an instance's flow id and counters. */
export class dn_flow {
  readonly oid = new dn_id();
  readonly fid = new ipfw_flow_id();
  tot_pkts = 0;
  tot_bytes = 0;
  length = 0;
  len_bytes = 0;
  drops = 0;
}

/** struct dn_sch: a scheduler template. */
export class dn_sch {
  readonly oid = new dn_id();
  sched_nr = 0;
  buckets = 0;
  flags = 0;
  name = "";
  readonly sched_mask = new ipfw_flow_id();
}

/** struct dn_profile: a delay profile attached to a link. */
export class dn_profile {
  readonly oid = new dn_id();
  name = "";
  link_nr = 0;
  loss_level = 0;
  bandwidth = 0;
  samples_no = 0;
  samples: Int32Array = new Int32Array(0);
}

// ---------------------------------------------------------------------------
// Byte codecs.  Each writes at `off` in `dv` and reads from there.

export function dn_id_enc(dv: DataView, off: number, o: dn_id): void {
  dv.setUint16(off, o.len, true);
  dv.setUint8(off + 2, o.type);
  dv.setUint8(off + 3, o.subtype);
  dv.setUint32(off + 4, o.id >>> 0, true);
}
export function dn_id_dec(dv: DataView, off: number, o: dn_id = new dn_id()): dn_id {
  o.len = dv.getUint16(off, true);
  o.type = dv.getUint8(off + 2);
  o.subtype = dv.getUint8(off + 3);
  o.id = dv.getUint32(off + 4, true);
  return o;
}
/** Fill in a header (set_oid). */
export function set_oid(o: dn_id, type: number, len: number): void {
  o.type = type;
  o.len = len;
  o.subtype = 0;
}

// ipfw_flow_id keeps IPv4 addresses and ports in host order (ipfw_chk
// stores ntohl/ntohs of them), so they are little-endian in the buffer.
export function dn_flowid_enc(dv: DataView, off: number, f: ipfw_flow_id): void {
  dv.setUint32(off, f.dst_ip >>> 0, true);
  dv.setUint32(off + 4, f.src_ip >>> 0, true);
  dv.setUint16(off + 8, f.dst_port, true);
  dv.setUint16(off + 10, f.src_port, true);
  dv.setUint8(off + 12, f.fib);
  dv.setUint8(off + 13, f.proto);
  dv.setUint8(off + 14, f._flags);
  dv.setUint8(off + 15, f.addr_type);
  for (let i = 0; i < 16; i++) dv.setUint8(off + 16 + i, f.dst_ip6[i]);
  for (let i = 0; i < 16; i++) dv.setUint8(off + 32 + i, f.src_ip6[i]);
  dv.setUint32(off + 48, f.flow_id6 >>> 0, true);
  dv.setUint32(off + 52, f.extra >>> 0, true);
}
export function dn_flowid_dec(dv: DataView, off: number, f: ipfw_flow_id): void {
  f.dst_ip = dv.getUint32(off, true);
  f.src_ip = dv.getUint32(off + 4, true);
  f.dst_port = dv.getUint16(off + 8, true);
  f.src_port = dv.getUint16(off + 10, true);
  f.fib = dv.getUint8(off + 12);
  f.proto = dv.getUint8(off + 13);
  f._flags = dv.getUint8(off + 14);
  f.addr_type = dv.getUint8(off + 15);
  for (let i = 0; i < 16; i++) f.dst_ip6[i] = dv.getUint8(off + 16 + i);
  for (let i = 0; i < 16; i++) f.src_ip6[i] = dv.getUint8(off + 32 + i);
  f.flow_id6 = dv.getUint32(off + 48, true);
  f.extra = dv.getUint32(off + 52, true);
}

function u64_set(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % 2 ** 32 >>> 0, true);
  dv.setUint32(off + 4, Math.floor(v / 2 ** 32) >>> 0, true);
}
function u64_get(dv: DataView, off: number): number {
  return dv.getUint32(off, true) + dv.getUint32(off + 4, true) * 2 ** 32;
}

function str_enc(dv: DataView, off: number, s: string, n: number): void {
  for (let i = 0; i < n; i++) dv.setUint8(off + i, i < s.length && i < n - 1 ? s.charCodeAt(i) & 0xff : 0);
}
function str_dec(dv: DataView, off: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const c = dv.getUint8(off + i);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

export function dn_link_enc(dv: DataView, off: number, p: dn_link): void {
  dn_id_enc(dv, off, p.oid);
  dv.setInt32(off + 8, p.link_nr, true);
  dv.setInt32(off + 12, p.bandwidth, true);
  dv.setInt32(off + 16, p.delay, true);
  dv.setUint32(off + 20, 0, true);
  u64_set(dv, off + 24, p.burst);
}
export function dn_link_dec(dv: DataView, off: number, p: dn_link = new dn_link()): dn_link {
  dn_id_dec(dv, off, p.oid);
  p.link_nr = dv.getInt32(off + 8, true);
  p.bandwidth = dv.getInt32(off + 12, true);
  p.delay = dv.getInt32(off + 16, true);
  p.burst = u64_get(dv, off + 24);
  return p;
}

export function dn_fs_enc(dv: DataView, off: number, f: dn_fs): void {
  dn_id_enc(dv, off, f.oid);
  dv.setUint32(off + 8, f.fs_nr >>> 0, true);
  dv.setUint32(off + 12, f.flags >>> 0, true);
  dv.setInt32(off + 16, f.qsize, true);
  dv.setInt32(off + 20, f.plr, true);
  dv.setUint32(off + 24, f.buckets >>> 0, true);
  dn_flowid_enc(dv, off + 28, f.flow_mask);
  dv.setUint32(off + 84, f.sched_nr >>> 0, true);
  for (let i = 0; i < 4; i++) dv.setInt32(off + 88 + 4 * i, f.par[i], true);
  dv.setInt32(off + 104, f.w_q, true);
  dv.setInt32(off + 108, f.max_th, true);
  dv.setInt32(off + 112, f.min_th, true);
  dv.setInt32(off + 116, f.max_p, true);
}
export function dn_fs_dec(dv: DataView, off: number, f: dn_fs = new dn_fs()): dn_fs {
  dn_id_dec(dv, off, f.oid);
  f.fs_nr = dv.getUint32(off + 8, true);
  f.flags = dv.getUint32(off + 12, true);
  f.qsize = dv.getInt32(off + 16, true);
  f.plr = dv.getInt32(off + 20, true);
  f.buckets = dv.getUint32(off + 24, true);
  dn_flowid_dec(dv, off + 28, f.flow_mask);
  f.sched_nr = dv.getUint32(off + 84, true);
  for (let i = 0; i < 4; i++) f.par[i] = dv.getInt32(off + 88 + 4 * i, true);
  f.w_q = dv.getInt32(off + 104, true);
  f.max_th = dv.getInt32(off + 108, true);
  f.min_th = dv.getInt32(off + 112, true);
  f.max_p = dv.getInt32(off + 116, true);
  return f;
}

export function dn_flow_enc(dv: DataView, off: number, n: dn_flow): void {
  dn_id_enc(dv, off, n.oid);
  dn_flowid_enc(dv, off + 8, n.fid);
  u64_set(dv, off + 64, n.tot_pkts);
  u64_set(dv, off + 72, n.tot_bytes);
  dv.setUint32(off + 80, n.length >>> 0, true);
  dv.setUint32(off + 84, n.len_bytes >>> 0, true);
  dv.setUint32(off + 88, n.drops >>> 0, true);
  dv.setUint32(off + 92, 0, true);
}
export function dn_flow_dec(dv: DataView, off: number, n: dn_flow = new dn_flow()): dn_flow {
  dn_id_dec(dv, off, n.oid);
  dn_flowid_dec(dv, off + 8, n.fid);
  n.tot_pkts = u64_get(dv, off + 64);
  n.tot_bytes = u64_get(dv, off + 72);
  n.length = dv.getUint32(off + 80, true);
  n.len_bytes = dv.getUint32(off + 84, true);
  n.drops = dv.getUint32(off + 88, true);
  return n;
}

export function dn_sch_enc(dv: DataView, off: number, s: dn_sch): void {
  dn_id_enc(dv, off, s.oid);
  dv.setUint32(off + 8, s.sched_nr >>> 0, true);
  dv.setUint32(off + 12, s.buckets >>> 0, true);
  dv.setUint32(off + 16, s.flags >>> 0, true);
  str_enc(dv, off + 20, s.name, 16);
  dn_flowid_enc(dv, off + 36, s.sched_mask);
}
export function dn_sch_dec(dv: DataView, off: number, s: dn_sch = new dn_sch()): dn_sch {
  dn_id_dec(dv, off, s.oid);
  s.sched_nr = dv.getUint32(off + 8, true);
  s.buckets = dv.getUint32(off + 12, true);
  s.flags = dv.getUint32(off + 16, true);
  s.name = str_dec(dv, off + 20, 16);
  dn_flowid_dec(dv, off + 36, s.sched_mask);
  return s;
}

/** A profile; `len` bytes of it (the header and samples_no samples at most). */
export function dn_profile_enc(dv: DataView, off: number, p: dn_profile, len = SIZEOF_DN_PROFILE): void {
  dn_id_enc(dv, off, p.oid);
  str_enc(dv, off + 8, p.name, ED_MAX_NAME_LEN);
  dv.setInt32(off + 40, p.link_nr, true);
  dv.setInt32(off + 44, p.loss_level, true);
  dv.setInt32(off + 48, p.bandwidth, true);
  dv.setInt32(off + 52, p.samples_no, true);
  const n = Math.min(p.samples.length, Math.floor((len - 56) / 4));
  for (let i = 0; i < n; i++) dv.setInt32(off + 56 + 4 * i, p.samples[i], true);
}
export function dn_profile_dec(dv: DataView, off: number, len: number): dn_profile {
  const p = new dn_profile();
  dn_id_dec(dv, off, p.oid);
  p.name = str_dec(dv, off + 8, ED_MAX_NAME_LEN);
  p.link_nr = dv.getInt32(off + 40, true);
  p.loss_level = dv.getInt32(off + 44, true);
  p.bandwidth = dv.getInt32(off + 48, true);
  p.samples_no = dv.getInt32(off + 52, true);
  const n = Math.max(0, Math.min(ED_MAX_SAMPLES_NO, Math.floor((len - 56) / 4)));
  p.samples = new Int32Array(n);
  for (let i = 0; i < n; i++) p.samples[i] = dv.getInt32(off + 56 + 4 * i, true);
  return p;
}

/**
 * struct dn_extra_parms: an AQM's or a scheduler's own parameters, as
 * userland sends them (a DN_TEXT object before the flowset or scheduler it
 * configures) and reads them back (DN_AQM_PARAMS / DN_SCH_PARAMS): the
 * algorithm's name, the object's number, and par[] (-1: the default).
 * Layout (amd64): oid at 0, name[16] at 8, nr at 24, int64_t par[10] at 32.
 */
export class dn_extra_parms {
  readonly oid = new dn_id();
  name = "";
  nr = 0;
  readonly par: number[] = new Array<number>(DN_MAX_EXTRA_PARM).fill(0);
}

export function dn_extra_parms_enc(dv: DataView, off: number, ep: dn_extra_parms): void {
  dn_id_enc(dv, off, ep.oid);
  for (let i = 0; i < 16; i++) dv.setUint8(off + 8 + i, i < ep.name.length && i < 15 ? ep.name.charCodeAt(i) & 0xff : 0);
  dv.setUint32(off + 24, ep.nr >>> 0, true);
  for (let i = 0; i < DN_MAX_EXTRA_PARM; i++) dv.setBigInt64(off + 32 + 8 * i, BigInt(Math.trunc(ep.par[i])), true);
}

export function dn_extra_parms_dec(dv: DataView, off: number, ep: dn_extra_parms = new dn_extra_parms()): dn_extra_parms {
  dn_id_dec(dv, off, ep.oid);
  let name = "";
  for (let i = 0; i < 16; i++) {
    const c = dv.getUint8(off + 8 + i);
    if (c === 0) break;
    name += String.fromCharCode(c);
  }
  ep.name = name;
  ep.nr = dv.getUint32(off + 24, true);
  for (let i = 0; i < DN_MAX_EXTRA_PARM; i++) ep.par[i] = Number(dv.getBigInt64(off + 32 + 8 * i, true));
  return ep;
}
