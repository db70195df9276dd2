// netinet/tcp_reass: the reassembly queue of one connection's tcpcb,
// driven directly: segments in any order, overlapping, duplicated, give
// the original bytes in the socket buffer; the FIN travels with its
// segment; the queue limit counts tcps_rcvreassfull; tcp_reass_flush frees
// everything.  Random permutations by fast-check.
import test from "ava";
import fc from "fast-check";
import { loadKernel, type Kernel } from "../helpers/builds.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import type { socket } from "../../kern/uipc_socket.ts";
import type { tcpcb } from "../../netinet/tcp_var.ts";
import { inv } from "./rt_helpers.ts";
import { tcpstat } from "./tcp_helpers.ts";

type Proc = ReturnType<Kernel["proc_create"]>;

interface rig {
  k: Kernel;
  p: Proc;
  fd: number;
  so: socket;
  tp: tcpcb;
}

/** A TCP socket whose tcpcb is made to look ESTABLISHED with rcv_nxt = isn
 *  (sequence numbers are int32 inside the stack: `| 0`, as tcp_seq.ts says). */
function rig_open(k: Kernel, p: Proc, isn: number): rig {
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_STREAM, 0);
  if (s.error !== 0) throw new Error(`socket ${s.error}`);
  const so = k.fd_socket(p, s.fd);
  if (so === null) throw new Error("no socket");
  const tp = k.sototcpcb(so);
  tp.t_state = k.TCPS_ESTABLISHED;
  tp.rcv_nxt = isn | 0;
  if (tp.t_maxseg === 0) tp.t_maxseg = 536;
  return { k, p, fd: s.fd, so, tp };
}

/** Undo the pretence and close: the queue is flushed, the buffer freed. */
function rig_close(r: rig): void {
  inv(r.k, r.k.vnet0, () => r.k.tcp_reass_flush(r.tp));
  r.tp.t_state = r.k.TCPS_CLOSED;
  r.k.sys_close(r.p, r.fd);
}

/** The bytes in the receive buffer. */
function rcvbuf(r: rig): Uint8Array {
  const sb = r.so.so_rcv;
  const n = r.k.sbavail(sb);
  const out = new Uint8Array(n);
  if (n > 0) r.k.m_copydata(sb.sb_mb, 0, n, out);
  return out;
}

/** Queue data[off, off+len) as a segment at isn + off (FIN if fin). */
function put(r: rig, isn: number, data: Uint8Array, off: number, len: number, fin = false): { flags: number; seq_start: number; tlen: number } {
  const { k } = r;
  const m: mbuf | null = k.m_devget(data, off, len, null);
  if (m === null && len > 0) throw new Error("out of mbufs");
  const io = new k.tcp_reass_io();
  io.seq_start = (isn + off) | 0;
  io.tlen = len;
  const mm = m ?? k.m_gethdr(1, 1);
  if (mm === null) throw new Error("out of mbufs");
  const flags = inv(k, k.vnet0, () => k.tcp_reass(r.tp, (isn + off) | 0, fin ? 0x01 | 0x10 : 0x10, io, mm));
  return { flags, seq_start: io.seq_start, tlen: io.tlen };
}

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 13) & 0xff);

test.serial("out-of-order segments wait in the queue; the missing one hands everything over in order", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const isn = 0xfffffc00; // wraps past 2^32 inside the data
  const r = rig_open(k, p, isn);
  const data = pattern(3000);
  const st0 = tcpstat(k);
  t.is(put(r, isn, data, 1000, 1000).flags, 0);
  t.is(put(r, isn, data, 2500, 500, true).flags, 0);
  t.is(r.tp.t_segqlen, 2);
  t.is(k.sbavail(r.so.so_rcv), 0, "nothing delivered while the front is missing");
  // Overlapping the first entry's front and the gap: merged into one entry.
  const mid = put(r, isn, data, 1800, 800);
  t.is(mid.seq_start, (isn + 1000) | 0);
  t.is(mid.tlen, 2000);
  t.is(r.tp.t_segqlen, 1);
  // The missing front: everything goes to the socket, with the FIN.
  t.is(put(r, isn, data, 0, 1000).flags & 0x01, 0x01);
  t.is(r.tp.t_segqlen, 0);
  t.is(r.tp.rcv_nxt, (isn + 3000) | 0);
  t.deepEqual(rcvbuf(r), data);
  const st1 = tcpstat(k);
  t.true(st1.tcps_rcvoopack - st0.tcps_rcvoopack >= 3);
  rig_close(r);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("a full duplicate of queued data is counted and dropped; tcp_reass_flush frees the queue", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const r = rig_open(k, p, 5000);
  const data = pattern(600);
  put(r, 5000, data, 100, 300);
  const st0 = tcpstat(k);
  const d = put(r, 5000, data, 150, 100);
  t.deepEqual([d.seq_start, d.tlen], [5100, 300], "reported as the entry that holds it");
  const st1 = tcpstat(k);
  t.is(st1.tcps_rcvduppack - st0.tcps_rcvduppack, 1);
  t.is(st1.tcps_rcvdupbyte - st0.tcps_rcvdupbyte, 100);
  t.is(r.tp.t_segqlen, 1);
  t.true(k.mbuf_outstanding().mbufs > 0);
  rig_close(r);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("more entries than net.inet.tcp.reass.maxqueuelen allows: tcps_rcvreassfull", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const r = rig_open(k, p, 0);
  t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.reass.maxqueuelen", 4).error, 0);
  const data = pattern(100);
  const st0 = tcpstat(k);
  for (let i = 0; i < 6; i++) put(r, 0, data, 10 + 15 * i, 5);
  t.is(r.tp.t_segqlen, 4);
  t.is(tcpstat(k).tcps_rcvreassfull - st0.tcps_rcvreassfull, 2);
  // The segment at rcv_nxt always gets through (here replacing the entry
  // it covers); the gap after it stays.
  put(r, 0, data, 0, 15);
  t.is(r.tp.rcv_nxt, 15);
  t.is(r.tp.t_segqlen, 3);
  rig_close(r);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("property: any order of overlapping, duplicated segments gives the original bytes", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4000 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 700 })), { minLength: 0, maxLength: 30 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.nat(),
      (n, extra, isn, shuffle) => {
        const data = pattern(n);
        // A cover of [0, n) in pieces, plus overlapping extras anywhere.
        const segs: [number, number][] = [];
        for (let off = 0, i = 0; off < n; i++) {
          const len = Math.min(n - off, 1 + ((i * 977 + shuffle) % 900));
          segs.push([off, len]);
          off += len;
        }
        for (const [o, l] of extra) {
          const off = o % n;
          segs.push([off, Math.min(l, n - off)]);
        }
        // Deterministic shuffle from the seed.
        let s = shuffle >>> 0;
        for (let i = segs.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const j = s % (i + 1);
          [segs[i], segs[j]] = [segs[j], segs[i]];
        }
        const r = rig_open(k, p, isn);
        // The caller trims what is below rcv_nxt (tcp_do_segment does).
        for (const [off, len] of segs) {
          const have = (r.tp.rcv_nxt - isn) >>> 0;
          if (off + len <= have) continue;
          const o2 = Math.max(off, have);
          put(r, isn, data, o2, off + len - o2);
        }
        const ok = r.tp.rcv_nxt === ((isn + n) | 0) && r.tp.t_segqlen === 0 && Buffer.from(rcvbuf(r)).equals(Buffer.from(data));
        rig_close(r);
        return ok && k.mbuf_outstanding().mbufs === 0;
      },
    ),
    { numRuns: 150, seed: 1414 },
  );
  t.pass();
});
