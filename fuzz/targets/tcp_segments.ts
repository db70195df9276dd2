// Hostile TCP segments (sys/netinet/tcp_input.c, tcp_reass.c, tcp_sack.c,
// tcp_syncache.c): each case opens a listening socket in fa and a real
// connection to it from fb, then throws segments at fa as if they came
// from fb over epair0a: random flags (the reserved and AE bits too), option
// bytes well-formed or not (MSS, window scale, SACK permitted, SACK blocks,
// timestamps, garbage lengths), sequence and acknowledgement numbers at,
// inside, just outside and far from the windows, urgent pointers, data,
// data offsets that lie, wrong checksums, aimed at the listener (new
// 4-tuples) and at the connection.  What must hold: no exception; a RST
// outside the receive window changes nothing in the connection (RFC 5961);
// and once everything is closed and the timers have run out, the mbufs
// outstanding are what they were before the case.
import { register_kernel_target } from "../registry.ts";
import type { rng } from "../rng.ts";
import { hex } from "../rng.ts";
import type { world } from "../topo.ts";
import type { Kernel } from "../kernel.ts";
import type { proc } from "../../kern/uipc_syscalls.ts";
import type { tcpcb } from "../../netinet/tcp_var.ts";

const FA = 0x0a010101; // 10.1.1.1, fa's epair0a
const FB = 0x0a010102; // 10.1.1.2, fb's epair0b

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}
function sum16(b: Uint8Array, s = 0): number {
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
  return s;
}

/** Option bytes: a run of well-formed and broken options. */
function options(r: rng, seq_hint: number): number[] {
  const o: number[] = [];
  const n = r.int(5);
  for (let i = 0; i < n; i++) {
    switch (r.int(9)) {
      case 0:
        o.push(1);
        break;
      case 1:
        o.push(2, 4, r.int(256), r.int(256));
        break;
      case 2:
        o.push(3, 3, r.pick([0, 7, 14, 15, 255]));
        break;
      case 3:
        o.push(4, 2);
        break;
      case 4: {
        o.push(8, 10);
        for (let j = 0; j < 8; j++) o.push(r.int(256));
        break;
      }
      case 5: {
        // SACK blocks near the data, or anywhere.
        const nb = 1 + r.int(4);
        o.push(5, 2 + 8 * nb);
        for (let j = 0; j < nb; j++) {
          const s = r.chance(0.7) ? (seq_hint + r.range(-3000, 3000)) >>> 0 : r.u32();
          const e = r.chance(0.8) ? (s + r.int(2000)) >>> 0 : r.u32();
          o.push(s >>> 24, (s >>> 16) & 0xff, (s >>> 8) & 0xff, s & 0xff, e >>> 24, (e >>> 16) & 0xff, (e >>> 8) & 0xff, e & 0xff);
        }
        break;
      }
      case 6:
        // A length that lies.
        o.push(r.int(256), r.int(256));
        break;
      case 7:
        o.push(0);
        break;
      default:
        for (const b of r.bytes(r.int(6))) o.push(b);
    }
  }
  return o.slice(0, 40);
}

/** A sequence number around `base` in a window of `wnd`. */
function seq_near(r: rng, base: number, wnd: number): number {
  switch (r.int(7)) {
    case 0:
      return base;
    case 1:
      return (base + r.int(Math.max(1, wnd))) >>> 0;
    case 2:
      return (base + wnd) >>> 0;
    case 3:
      return (base + wnd + 1 + r.int(100000)) >>> 0;
    case 4:
      return (base - 1 - r.int(100000)) >>> 0;
    case 5:
      return (base + 0x80000000) >>> 0;
    default:
      return r.u32();
  }
}

interface target_conn {
  tp: tcpcb;
  lport: number;
  pport: number;
}

/** An IPv4 TCP segment from fb to fa. */
function segment(r: rng, sport: number, dport: number, seq: number, ack: number): Uint8Array {
  let flags = r.int(64);
  if (r.chance(0.05)) flags |= r.int(16) << 8;
  const opts = r.chance(0.6) ? options(r, seq) : [];
  while (opts.length % 4 !== 0) opts.push(r.chance(0.8) ? 0 : 1);
  const data = r.chance(0.5) ? r.bytes(r.int(r.chance(0.1) ? 1500 : 120)) : new Uint8Array(0);
  const t = new Uint8Array(20 + opts.length + data.length);
  const dv = new DataView(t.buffer);
  dv.setUint16(0, sport);
  dv.setUint16(2, dport);
  dv.setUint32(4, seq >>> 0);
  dv.setUint32(8, ack >>> 0);
  const off = r.chance(0.95) ? (20 + opts.length) >> 2 : r.int(16);
  t[12] = (off << 4) | (flags >>> 8);
  t[13] = flags & 0xff;
  dv.setUint16(14, r.chance(0.8) ? r.pick([65535, 512, 0, 1]) : r.int(65536));
  dv.setUint16(18, r.chance(0.8) ? 0 : r.int(65536));
  t.set(Uint8Array.from(opts), 20);
  t.set(data, 20 + opts.length);
  const ph = new Uint8Array(12);
  const pdv = new DataView(ph.buffer);
  pdv.setUint32(0, FB);
  pdv.setUint32(4, FA);
  ph[9] = 6;
  pdv.setUint16(10, t.length);
  let c = ~fold(sum16(t, sum16(ph))) & 0xffff;
  if (r.chance(0.03)) c ^= 1 + r.int(0xfffe);
  dv.setUint16(16, c);
  const b = new Uint8Array(20 + t.length);
  const bv = new DataView(b.buffer);
  b[0] = 0x45;
  bv.setUint16(2, b.length);
  b[8] = 64;
  b[9] = 6;
  bv.setUint32(12, FB);
  bv.setUint32(16, FA);
  bv.setUint16(10, ~fold(sum16(b.subarray(0, 20))) & 0xffff);
  b.set(t, 20);
  return b;
}

function snapshot(k: Kernel, tp: tcpcb): string {
  const so = tp.t_inpcb.inp_socket;
  // rcv_wnd is left out: tcp_do_segment recomputes it from the buffer before it looks at the RST.
  return JSON.stringify([tp.t_state, tp.snd_una, tp.snd_nxt, tp.snd_max, tp.rcv_nxt, tp.snd_wnd, tp.snd_cwnd, tp.snd_ssthresh, tp.t_flags, tp.t_segqlen, so === null ? -1 : so.so_error, so === null ? -1 : so.so_state]);
}

function proc_of(w: world, j: string): proc {
  const p = w.procs.get(j);
  if (p === undefined) throw new Error(`fuzz: no process in ${j}`);
  return p;
}

register_kernel_target({
  name: "tcp.segments",
  weight: 2,
  run(w: world, r: rng, note: (what: string) => void): string | null {
    const k = w.k;
    const fa = proc_of(w, "fa");
    const fb = proc_of(w, "fb");
    const v = w.vnet_of("fa");
    const ifp = w.ifp_of("fa", "epair0a");
    if (v === null || ifp === null) return null;
    const advance = (ms: number) => k.kern_advance_ns(ms * 1_000_000);
    // Whatever earlier steps left in flight settles first.
    advance(10);
    const base = k.mbuf_outstanding().mbufs;
    const lport = 20000 + r.int(20000);
    const ls = k.sys_socket(fa, k.PF_INET, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0);
    if (ls.error !== 0) return `socket: ${ls.error}`;
    const fds_fa = [ls.fd];
    const fds_fb: number[] = [];
    let bad: string | null = null;
    try {
      if (k.sys_bind(fa, ls.fd, new k.sockaddr_in(FA, lport)) !== 0 || k.sys_listen(fa, ls.fd, 8) !== 0) return "bind/listen failed";
      const cs = k.sys_socket(fb, k.PF_INET, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0);
      if (cs.error !== 0) return `socket in fb: ${cs.error}`;
      fds_fb.push(cs.fd);
      k.sys_connect(fb, cs.fd, new k.sockaddr_in(FA, lport));
      advance(20);
      const a = k.sys_accept(fa, ls.fd);
      let conn: target_conn | null = null;
      if (a.error === 0) {
        fds_fa.push(a.fd);
        const so = k.fd_socket(fa, a.fd);
        const name = k.satosin(k.sys_getsockname(fb, cs.fd).sa);
        if (so !== null && name !== null) conn = { tp: k.sototcpcb(so), lport, pport: name.sin_port };
      }
      const n = 1 + r.int(12);
      for (let i = 0; i < n && bad === null; i++) {
        let bytes: Uint8Array;
        let oow_rst = false;
        if (conn !== null && r.chance(0.7)) {
          const tp = conn.tp;
          const seq = seq_near(r, tp.last_ack_sent, tp.rcv_wnd);
          const ack = seq_near(r, tp.snd_una, Math.max(1, (tp.snd_max - tp.snd_una) >>> 0));
          bytes = segment(r, conn.pport, lport, seq, ack);
          const flags = bytes[33];
          // RFC 5961 3.2's acceptable range, as tcp_do_segment tests it.
          const inwin = ((seq - tp.last_ack_sent) | 0) >= 0 && ((seq - ((tp.last_ack_sent + tp.rcv_wnd) >>> 0)) | 0) < 0;
          const edge = tp.rcv_wnd === 0 && seq === tp.last_ack_sent;
          oow_rst = (flags & 0x04) !== 0 && !inwin && !edge && tp.t_state >= k.TCPS_ESTABLISHED && tp.t_state !== k.TCPS_TIME_WAIT;
        } else {
          bytes = segment(r, r.chance(0.5) ? 1024 + r.int(60000) : r.pick([0, 1, lport]), r.chance(0.9) ? lport : r.int(65536), r.u32(), r.u32());
        }
        note(`segment ${i} of ${n} to fa: ${hex(bytes)}`);
        const before = oow_rst && conn !== null ? snapshot(k, conn.tp) : "";
        const m = k.m_devget(bytes, 0, bytes.length, ifp);
        if (m === null) return null;
        k.vnet_run(v, "fuzz", () => k.ip_input(m));
        if (oow_rst && conn !== null) {
          const after = snapshot(k, conn.tp);
          if (after !== before) bad = `an out-of-window RST changed the connection: ${before} -> ${after}`;
        }
        advance(r.int(5));
      }
    } finally {
      // Accept whatever completed, close everything, let the timers finish.
      for (;;) {
        const a = k.sys_accept(fa, ls.fd);
        if (a.error !== 0) break;
        fds_fa.push(a.fd);
      }
      for (const fd of fds_fa) k.sys_close(fa, fd);
      for (const fd of fds_fb) k.sys_close(fb, fd);
      advance(10 * 60 * 1000);
    }
    if (bad !== null) return bad;
    const after = k.mbuf_outstanding().mbufs;
    if (after !== base) return `mbufs outstanding ${base} before the case, ${after} after everything closed`;
    return null;
  },
});
