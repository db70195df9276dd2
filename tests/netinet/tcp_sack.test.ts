// netinet/tcp_sack: the receiver's SACK blocks (newest first, merged,
// at most MAX_SACK_BLKS, D-SACK in front) and the sender's scoreboard
// (holes from SACK blocks and cumulative ACKs, the next hole to resend,
// snd_nxt past SACKed data, the hole limits), on one connection's tcpcb.
// And recovery end to end: nc through an ng_pipe that loses frames (bit
// errors), the file byte-identical, and the retransmissions netstat -s -p
// tcp counts equal to the ones tshark finds in the sender's capture.
import test from "ava";
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { needs } from "../helpers/tools.ts";
import { netstat_rexmit, pipe_transfer, sha256 } from "./tcp_transfer_helpers.ts";
import { loadKernel, type Kernel } from "../helpers/builds.ts";
import type { socket } from "../../kern/uipc_socket.ts";
import type { tcpcb } from "../../netinet/tcp_var.ts";
import { inv } from "./rt_helpers.ts";
import { tcpstat } from "./tcp_helpers.ts";

type Proc = ReturnType<Kernel["proc_create"]>;

function open(k: Kernel, p: Proc): { fd: number; so: socket; tp: tcpcb } {
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_STREAM, 0);
  if (s.error !== 0) throw new Error(`socket ${s.error}`);
  const so = k.fd_socket(p, s.fd);
  if (so === null) throw new Error("no socket");
  const tp = k.sototcpcb(so);
  tp.t_state = k.TCPS_ESTABLISHED;
  tp.t_flags |= k.TF_SACK_PERMIT;
  if (tp.t_maxseg === 0) tp.t_maxseg = 1000;
  return { fd: s.fd, so, tp };
}
function close(k: Kernel, p: Proc, fd: number, tp: tcpcb): void {
  inv(k, k.vnet0, () => k.tcp_free_sackholes(tp));
  tp.t_state = k.TCPS_CLOSED;
  k.sys_close(p, fd);
}
function blocks(tp: tcpcb): [number, number][] {
  const r: [number, number][] = [];
  for (let i = 0; i < tp.rcv_numsacks; i++) r.push([tp.sackblks[i].start, tp.sackblks[i].end]);
  return r;
}
function holes(tp: tcpcb): [number, number][] {
  return tp.snd_holes.map((h) => [h.start, h.end] as [number, number]);
}

/** A tcpopt carrying SACK blocks, in an mbuf as an option would arrive. */
function sackopt(k: Kernel, blks: [number, number][]) {
  const b = new Uint8Array(2 + 8 * blks.length);
  const dv = new DataView(b.buffer);
  b[0] = 5;
  b[1] = b.length;
  blks.forEach(([s, e], i) => {
    dv.setUint32(2 + 8 * i, s >>> 0);
    dv.setUint32(6 + 8 * i, e >>> 0);
  });
  const m = k.m_devget(b, 0, b.length, null);
  if (m === null) throw new Error("out of mbufs");
  const to = new k.tcpopt();
  inv(k, k.vnet0, () => k.tcp_dooptions(to, m, m.m_data, b.length, 0));
  return { to, free: () => k.m_freem(m) };
}

test.serial("receiver: the newest block first, touching blocks merged, acknowledged ones gone, six at most", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const { fd, tp } = open(k, p);
  tp.rcv_nxt = 1000;
  const up = (s: number, e: number) => inv(k, k.vnet0, () => k.tcp_update_sack_list(tp, s, e));
  up(2000, 2100);
  t.deepEqual(blocks(tp), [[2000, 2100]]);
  up(3000, 3100);
  t.deepEqual(blocks(tp), [[3000, 3100], [2000, 2100]]);
  up(2100, 2200);
  t.deepEqual(blocks(tp), [[2000, 2200], [3000, 3100]]);
  tp.rcv_nxt = 2200;
  up(4000, 4100);
  t.deepEqual(blocks(tp), [[4000, 4100], [3000, 3100]]);
  for (let i = 0; i < 6; i++) up(5000 + 200 * i, 5100 + 200 * i);
  t.is(tp.rcv_numsacks, 6);
  t.deepEqual(blocks(tp)[0], [6000, 6100]);
  inv(k, k.vnet0, () => k.tcp_clean_sackreport(tp));
  t.deepEqual(blocks(tp), []);
  close(k, p, fd, tp);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("receiver: a duplicate below rcv_nxt becomes a D-SACK block in front, cleaned after", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const { fd, tp } = open(k, p);
  tp.rcv_nxt = 5000;
  inv(k, k.vnet0, () => k.tcp_update_sack_list(tp, 6000, 6500));
  inv(k, k.vnet0, () => k.tcp_update_dsack_list(tp, 4000, 4200));
  t.deepEqual(blocks(tp), [[4000, 4200], [6000, 6500]]);
  t.true(inv(k, k.vnet0, () => k.tcp_dsack_block_exists(tp)));
  inv(k, k.vnet0, () => k.tcp_clean_dsack_blocks(tp));
  t.deepEqual(blocks(tp), [[6000, 6500]]);
  close(k, p, fd, tp);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("property: receiver blocks stay above rcv_nxt, inside what arrived, six at most, the first one about the newest segment", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 400 })), { minLength: 1, maxLength: 25 }), fc.integer({ min: 0, max: 0xffffffff }), (arrivals, base) => {
      const { fd, tp } = open(k, p);
      tp.rcv_nxt = base | 0;
      const got = new Set<number>();
      let ok = true;
      for (const [off, len] of arrivals) {
        const s = (base + off) | 0;
        const e = (s + len) | 0;
        inv(k, k.vnet0, () => k.tcp_update_sack_list(tp, s, e));
        for (let i = 0; i < len; i++) got.add(off + i);
        const bl = blocks(tp).map(([a, b]) => [(a - base) >>> 0, (b - base) >>> 0]);
        if (bl.length < 1 || bl.length > 6) ok = false;
        for (let i = 0; ok && i < bl.length; i++) {
          if (bl[i][0] === 0 || bl[i][0] >= bl[i][1]) ok = false;
          for (let x = bl[i][0]; ok && x < bl[i][1]; x++) if (!got.has(x)) ok = false;
        }
        // The first block is about the newest segment (an older block it
        // contains may come first, as FreeBSD's "DSACK smaller" case has it).
        if (ok && !(bl[0][0] < off + len && off < bl[0][1])) ok = false;
        if (!ok) break;
      }
      close(k, p, fd, tp);
      return ok;
    }),
    { numRuns: 300, seed: 2018 },
  );
  t.pass();
});

test.serial("sender: SACK blocks make holes, the cumulative ACK closes them; next hole to resend; snd_nxt past SACKed data", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const { fd, tp } = open(k, p);
  tp.snd_una = 10000;
  tp.snd_nxt = tp.snd_max = 20000;
  let o = sackopt(k, [[12000, 13000]]);
  t.is(inv(k, k.vnet0, () => k.tcp_sack_doack(tp, o.to, 10000)), k.SACK_CHANGE);
  o.free();
  t.deepEqual(holes(tp), [[10000, 12000]]);
  t.is(tp.snd_fack, 13000);
  t.is(tp.sackhint.sacked_bytes, 1000);
  o = sackopt(k, [[15000, 16000], [12000, 13000]]);
  t.is(inv(k, k.vnet0, () => k.tcp_sack_doack(tp, o.to, 10000)), k.SACK_CHANGE);
  o.free();
  t.deepEqual(holes(tp), [[10000, 12000], [13000, 15000]]);
  t.is(tp.sackhint.sacked_bytes, 2000);
  // A block inside a hole splits it: new loss.
  o = sackopt(k, [[13500, 14000]]);
  t.is(inv(k, k.vnet0, () => k.tcp_sack_doack(tp, o.to, 10000)), k.SACK_NEWLOSS);
  o.free();
  t.deepEqual(holes(tp), [[10000, 12000], [13000, 13500], [14000, 15000]]);
  t.is(tp.snd_numholes, 3);
  // The next hole to resend, and how much was resent (nothing yet).
  const sb = { v: -1 };
  const h = inv(k, k.vnet0, () => k.tcp_sack_output(tp, sb));
  t.deepEqual(h === null ? null : [h.start, h.end, h.rxmit], [10000, 12000, 10000]);
  t.is(sb.v, 0);
  // After a timeout snd_nxt restarts at snd_una; adjusting skips SACKed data.
  tp.snd_nxt = 12000;
  inv(k, k.vnet0, () => k.tcp_sack_adjust(tp));
  t.is(tp.snd_nxt, 13000);
  tp.snd_nxt = 15500;
  inv(k, k.vnet0, () => k.tcp_sack_adjust(tp));
  t.is(tp.snd_nxt, 16000, "past the last hole: to snd_fack");
  // A cumulative ACK into the second hole: the first hole goes, the second shrinks.
  o = sackopt(k, [[15000, 16000]]);
  inv(k, k.vnet0, () => k.tcp_sack_doack(tp, o.to, 13200));
  o.free();
  t.deepEqual(holes(tp), [[13200, 13500], [14000, 15000]]);
  inv(k, k.vnet0, () => k.tcp_free_sackholes(tp));
  t.is(tp.snd_numholes, 0);
  t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.sack.globalholes").value, 0);
  close(k, p, fd, tp);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("sender: net.inet.tcp.sack.maxholes caps the scoreboard (tcps_sack_sboverflow); D-SACK blocks below the ACK are recorded", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const { fd, tp } = open(k, p);
  t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.sack.maxholes", 2).error, 0);
  tp.snd_una = 0;
  tp.snd_nxt = tp.snd_max = 100000;
  const st0 = tcpstat(k);
  const o = sackopt(k, [[1000, 2000], [3000, 4000], [5000, 6000], [7000, 8000]]);
  inv(k, k.vnet0, () => k.tcp_sack_doack(tp, o.to, 0));
  o.free();
  t.true(tp.snd_numholes <= 2);
  t.true(tcpstat(k).tcps_sack_sboverflow - st0.tcps_sack_sboverflow >= 1);
  const d = sackopt(k, [[100, 200]]);
  inv(k, k.vnet0, () => k.tcp_sack_doack(tp, d.to, 500));
  d.free();
  t.is(tcpstat(k).tcps_dsack_count - st0.tcps_dsack_count, 1);
  close(k, p, fd, tp);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

// tshark marks a resent segment "retransmission" (with "fast_retransmission"
// when it follows the duplicate ACKs), or "out_of_order" when it went out
// less than the connection's first RTT (here about 2 ms) after the
// highest-sequence segment and does not start at the last ACKed edge: the
// SACK recovery's resends of holes past the first, sent right behind new
// data.  On the sender's own capture (before the pipe, which is FIFO)
// nothing is reordered, so those frames are retransmissions too: the exact
// relation is tcps_sndrexmitpack = frames with data marked retransmission,
// spurious_retransmission or out_of_order.  (netstat counts data segments
// only; a FIN or SYN resent alone is no "data packet".)
needs("tshark").test("vimage: 2 MB through ng_pipe with bit errors (BER 10^6 both ways): byte-identical; netstat's retransmitted packets = tshark's resent frames", async (t) => {
  const r = await pipe_transfer({ pipe: "bandwidth=100000000 delay=1000 downstream={ BER=1000000 } upstream={ BER=1000000 }", ab: 2_000_000, ba: 0, pcap: true });
  t.teardown(() => fs.rmSync(r.dir, { recursive: true, force: true }));
  t.is(r.err, "");
  t.is(r.got_ab.length, r.sent_ab.length);
  t.is(sha256(r.got_ab), sha256(r.sent_ab));
  const rx = netstat_rexmit(r.out.split("---\n")[0]);
  // About 1.2 % of 1538-byte frames are lost at BER 10^6: some resent.
  t.true(rx.packets > 5, `${rx.packets} retransmitted`);
  const run = (args: string[]) => promisify(execFile)("tshark", args, { encoding: "utf8", maxBuffer: 1 << 26 });
  const marked = await run([
    "-r",
    path.join(r.dir, "a-ngeth0.pcap"),
    "-Y",
    "tcp.len > 0 && tcp.srcport != 7000 && (tcp.analysis.retransmission || tcp.analysis.spurious_retransmission || tcp.analysis.out_of_order)",
    "-T",
    "fields",
    "-e",
    "frame.number",
  ]);
  t.is(marked.stdout.split("\n").filter((l) => l !== "").length, rx.packets);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
