// Helpers for the TCP input tests: segments built by hand (IPv4 and IPv6,
// checksummed), a scripted peer on an epair whose other end records what
// TCP sends, tcpstat by name.  The peer is the test: it injects segments
// through ip_input/ip6_input as if they came in on epair0a, and reads the
// replies TCP hands to epair0a's if_output.
import type { Kernel } from "../helpers/builds.ts";
import type { ifnet } from "../../net/if.ts";
import type { vnet } from "../../net/vnet.ts";
import { inv } from "./rt_helpers.ts";

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PUSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}
function sum16(b: Uint8Array, s = 0): number {
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
  return s;
}

export interface seg_opts {
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags: number;
  win?: number;
  urp?: number;
  /** Option bytes (padded to 4 by the caller or not: off follows the real length rounded up). */
  opts?: Uint8Array | number[];
  data?: Uint8Array;
  /** A data offset (words) other than the real one. */
  off?: number;
  /** Break the checksum. */
  badsum?: boolean;
}

/** The TCP header and payload, checksum field zero. */
function tcp_bytes(o: seg_opts): Uint8Array {
  const opts = Uint8Array.from(o.opts ?? []);
  const olen = (opts.length + 3) & ~3;
  const data = o.data ?? new Uint8Array(0);
  const b = new Uint8Array(20 + olen + data.length);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, o.sport);
  dv.setUint16(2, o.dport);
  dv.setUint32(4, o.seq >>> 0);
  dv.setUint32(8, (o.ack ?? 0) >>> 0);
  b[12] = (o.off ?? (20 + olen) >> 2) << 4;
  b[13] = o.flags & 0xff;
  dv.setUint16(14, o.win ?? 65535);
  dv.setUint16(18, o.urp ?? 0);
  b.set(opts, 20);
  b.set(data, 20 + olen);
  return b;
}

/** An IPv4 TCP segment from src to dst (host-order addresses). */
export function seg4(src: number, dst: number, o: seg_opts): Uint8Array {
  const t = tcp_bytes(o);
  const ph = new Uint8Array(12);
  const pdv = new DataView(ph.buffer);
  pdv.setUint32(0, src);
  pdv.setUint32(4, dst);
  ph[9] = 6;
  pdv.setUint16(10, t.length);
  let c = ~fold(sum16(t, sum16(ph))) & 0xffff;
  if (o.badsum === true) c ^= 0x5a5a;
  new DataView(t.buffer).setUint16(16, c);
  const b = new Uint8Array(20 + t.length);
  const dv = new DataView(b.buffer);
  b[0] = 0x45;
  dv.setUint16(2, b.length);
  dv.setUint16(4, 0x4242);
  b[8] = 64;
  b[9] = 6;
  dv.setUint32(12, src);
  dv.setUint32(16, dst);
  dv.setUint16(10, ~fold(sum16(b.subarray(0, 20))) & 0xffff);
  b.set(t, 20);
  return b;
}

/** An IPv6 TCP segment (16-byte addresses). */
export function seg6(src: Uint8Array, dst: Uint8Array, o: seg_opts): Uint8Array {
  const t = tcp_bytes(o);
  let s = sum16(src) + sum16(dst) + (t.length >>> 16) + (t.length & 0xffff) + 6;
  s = sum16(t, s);
  let c = ~fold(s) & 0xffff;
  if (o.badsum === true) c ^= 0x5a5a;
  new DataView(t.buffer).setUint16(16, c);
  const b = new Uint8Array(40 + t.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x60000000);
  dv.setUint16(4, t.length);
  b[6] = 6;
  b[7] = 64;
  b.set(src, 8);
  b.set(dst, 24);
  b.set(t, 40);
  return b;
}

/** What TCP sent, parsed (IPv4 or IPv6). */
export interface tcp_out {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  win: number;
  opts: Uint8Array;
  data: Uint8Array;
  /** The TCP checksum verifies over the pseudo header. */
  sum_ok: boolean;
}

export function parse_out(b: Uint8Array): tcp_out | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let t: Uint8Array;
  let src: string;
  let dst: string;
  let ps: number;
  if (b[0] >> 4 === 4) {
    if (b[9] !== 6) return null;
    const hl = (b[0] & 15) << 2;
    t = b.subarray(hl, dv.getUint16(2));
    src = Array.from(b.subarray(12, 16)).join(".");
    dst = Array.from(b.subarray(16, 20)).join(".");
    ps = sum16(b.subarray(12, 20)) + 6 + t.length;
  } else {
    if (b[6] !== 6) return null;
    t = b.subarray(40, 40 + dv.getUint16(4));
    src = Buffer.from(b.subarray(8, 24)).toString("hex");
    dst = Buffer.from(b.subarray(24, 40)).toString("hex");
    ps = sum16(b.subarray(8, 40)) + 6 + t.length;
  }
  const tv = new DataView(t.buffer, t.byteOffset, t.byteLength);
  const off = (t[12] >> 4) << 2;
  return {
    src,
    dst,
    sport: tv.getUint16(0),
    dport: tv.getUint16(2),
    seq: tv.getUint32(4),
    ack: tv.getUint32(8),
    flags: t[13] | ((t[12] & 15) << 8),
    win: tv.getUint16(14),
    opts: t.slice(20, off),
    data: t.slice(off),
    sum_ok: fold(sum16(t, ps)) === 0xffff,
  };
}

/** The scripted peer's side: epair0a in `v`, its if_output recorded. */
export interface peer_link {
  ifp: ifnet;
  v: vnet;
  /** Segments TCP sent, in order (drained by take()). */
  out: tcp_out[];
  take(): tcp_out[];
  /** Hand bytes to IP as if they arrived on epair0a. */
  inject(bytes: Uint8Array): void;
  restore(): void;
}

/** Record (and free) what ifp's if_output is given, as parsed TCP segments. */
export function peer_link_on(k: Kernel, ifp: ifnet): peer_link {
  const out: tcp_out[] = [];
  const orig = ifp.if_output;
  ifp.if_output = (_ifp, m) => {
    const n = k.m_length(m);
    const bytes = new Uint8Array(n);
    k.m_copydata(m, 0, n, bytes);
    k.m_freem(m);
    const p = parse_out(bytes);
    if (p !== null) out.push(p);
    return 0;
  };
  const v = ifp.if_vnet;
  return {
    ifp,
    v,
    out,
    take() {
      return out.splice(0, out.length);
    },
    inject(bytes: Uint8Array) {
      const m = k.m_devget(bytes, 0, bytes.length, ifp);
      if (m === null) throw new Error("out of mbufs");
      inv(k, v, () => ((bytes[0] >> 4) === 6 ? k.ip6_input(m) : k.ip_input(m)));
    },
    restore() {
      ifp.if_output = orig;
    },
  };
}

/** net.inet.tcp.stats by field name. */
export function tcpstat(k: Kernel, cred = k.cred0): Record<string, number> {
  const r = k.kernel_sysctlbyname(cred, "net.inet.tcp.stats");
  if (!Array.isArray(r.value)) throw new Error("net.inet.tcp.stats");
  const v = r.value;
  const o: Record<string, number> = {};
  k.tcpstat_names.forEach((n: string, i: number) => (o[n] = v[i]));
  return o;
}

/** The counters that moved between two tcpstat() readings. */
export function moved(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const n of Object.keys(b)) if (b[n] !== a[n]) d[n] = b[n] - a[n];
  return d;
}

/** Let queued packets and due timers run for `ms` of virtual time. */
export function settle(k: Kernel, ms = 1): void {
  k.kern_advance_ns(ms * 1_000_000);
}
