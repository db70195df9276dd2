// netinet/tcp_timer: the five timers on the wire, against a scripted peer
// on epair0a: the delayed ACK (40 ms), retransmission with exponential
// backoff, keepalive probes
// (SO_KEEPALIVE with TCP_KEEPIDLE/TCP_KEEPINTVL) and the drop after
// TCP_KEEPCNT unanswered ones, and TIME_WAIT's 2MSL.  And the closed-form
// check of measurements.md: one segment in flight (nc -O 1000: a 1000-byte
// send buffer), MSS 1000 (MTU 1040, no timestamps), a 40 ms round trip
// through ng_pipe: 1000 B per 240 ms (4,166 B/s) with a 200 ms delayed
// ACK, 1000 B per 40 ms (25,000 B/s) without.  Every test ends with no
// mbuf outstanding.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BOTH, loadKernel, loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import { pipe_jails } from "../sbin/prog_helpers.ts";
import type { prog_ctx } from "../../sbin/libc.ts";
import type { proc } from "../../kern/uipc_syscalls.ts";
import { inv, ifp, lo_epair_setup } from "./rt_helpers.ts";
import { ACK, FIN, SYN, moved, peer_link_on, seg4, settle, tcpstat, type peer_link, type tcp_out } from "./tcp_helpers.ts";

type Proc = ReturnType<Kernel["proc_create"]>;
const LOCAL = 0x0a000001;
const PEER = 0x0a000002;

interface conn {
  k: Kernel;
  p: Proc;
  peer: peer_link;
  fd: number;
  /** Our next sequence number and the peer's. */
  snd: number;
  rcv: number;
}

/** An established connection from 10.0.0.1:4000 to the scripted peer at
 *  10.0.0.2:80 (no options: MSS 1000 from the SYN|ACK). */
async function established(build: (typeof BOTH)[number], win = 8192, uptime_ms = 0): Promise<conn> {
  let k: Kernel;
  if (uptime_ms === 0) k = await loadKernel(build);
  else {
    // Boot at a given virtual uptime (the clock moved on before anything is armed).
    k = await loadKernelUnbooted(build);
    k.kern_advance_ns(uptime_ms * 1e6);
    k.kern_boot({ seed: 0 });
  }
  const p = k.proc_create(k.cred0, "t");
  const e = lo_epair_setup(k);
  const peer = peer_link_on(k, inv(k, k.vnet0, () => ifp(k, e.a)));
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0);
  if (k.sys_bind(p, s.fd, new k.sockaddr_in(LOCAL, 4000)) !== 0) throw new Error("bind");
  k.sys_connect(p, s.fd, new k.sockaddr_in(PEER, 80));
  const syn = peer.take()[0];
  const c: conn = { k, p, peer, fd: s.fd, snd: (syn.seq + 1) >>> 0, rcv: 7001 };
  peer.inject(seg4(PEER, LOCAL, { sport: 80, dport: 4000, seq: 7000, ack: c.snd, flags: SYN | ACK, win, opts: [2, 4, 0x03, 0xe8] }));
  peer.take();
  return c;
}

function inject(c: conn, flags: number, data = new Uint8Array(0), win = 8192, ack = c.snd): void {
  c.peer.inject(seg4(PEER, LOCAL, { sport: 80, dport: 4000, seq: c.rcv, ack, flags, win, data }));
  c.rcv = (c.rcv + data.length + ((flags & FIN) !== 0 ? 1 : 0)) >>> 0;
}

/** Run the clock in steps of `step` ms for `total` ms; the segments sent, with when. */
function watch(c: conn, total: number, step = 10): { at: number; s: tcp_out }[] {
  const r: { at: number; s: tcp_out }[] = [];
  for (let ms = step; ms <= total; ms += step) {
    settle(c.k, step);
    for (const s of c.peer.take()) r.push({ at: ms, s });
  }
  return r;
}

function finish(c: conn): void {
  c.k.sys_close(c.p, c.fd);
  settle(c.k, 20 * 60 * 1000);
  c.peer.take();
  c.peer.restore();
}

const setint = (k: Kernel, p: Proc, fd: number, level: number, name: number, v: number) => k.sys_setsockopt(p, fd, level, name, v);

for (const build of BOTH) {
  test.serial(`${build}: delayed ACK: one segment is ACKed after net.inet.tcp.delacktime (40 ms), a second at once`, async (t) => {
    const c = await establish_and(build);
    const before = tcpstat(c.k);
    inject(c, ACK, new Uint8Array(100));
    t.is(c.peer.take().length, 0);
    const w = watch(c, 100);
    t.is(w.length, 1);
    t.is(w[0].at, 40);
    t.is(w[0].s.ack, c.rcv);
    t.is(moved(before, tcpstat(c.k)).tcps_delack, 1);
    // Two full segments: the second is ACKed without waiting.
    inject(c, ACK, new Uint8Array(1000));
    inject(c, ACK, new Uint8Array(1000));
    const now = c.peer.take();
    t.is(now.length, 1);
    t.is(now[0].ack, c.rcv);
    finish(c);
    t.deepEqual(c.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: retransmission: the RTO doubles each time (tcps_rexmttimeo), and the data goes again from snd_una`, async (t) => {
    const c = await establish_and(build);
    const before = tcpstat(c.k);
    c.k.sys_write(c.p, c.fd, new Uint8Array(500));
    const first = c.peer.take();
    t.is(first.length, 1);
    const w = watch(c, 20000, 50).filter((x) => x.s.data.length === 500);
    t.true(w.length >= 3);
    for (const x of w) t.is(x.s.seq, first[0].seq);
    // No RTT sample yet: RTO 1 s, then tcp_backoff doubles it, each plus
    // net.inet.tcp.rexmit_slop (200 ms).
    t.is(w[0].at, 1000);
    t.deepEqual(
      w.slice(1, 4).map((x, i) => x.at - w[i].at),
      [2200, 4200, 8200],
    );
    const d = moved(before, tcpstat(c.k));
    t.true(d.tcps_rexmttimeo >= 3);
    t.is(d.tcps_sndrexmitpack, w.length);
    finish(c);
    t.deepEqual(c.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: retransmission keeps its schedule when ticks wraps (2^31 ticks, 24.8 days at hz=1000)`, async (t) => {
    // FreeBSD keeps the timers' deadlines in sbintime; taken from the int
    // ticks they would land in the past once it wraps and fire at once.
    // The same connection booted 12 days earlier, where ticks does not wrap,
    // gives the schedule to expect.
    const run = async (uptime_ms: number): Promise<{ at: number[]; wrapped: boolean }> => {
      const c = await established(build, 8192, uptime_ms);
      c.k.sys_write(c.p, c.fd, new Uint8Array(500));
      c.peer.take();
      const at = watch(c, 20000, 50).filter((x) => x.s.data.length === 500).map((x) => x.at);
      const wrapped = c.k.ticks < 0;
      finish(c);
      t.deepEqual(c.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
      return { at, wrapped };
    };
    const before = await run(2 ** 30 - 2000);
    const across = await run(2 ** 31 - 2000);
    t.false(before.wrapped);
    t.true(across.wrapped);
    t.true(before.at.length >= 4);
    t.deepEqual(across.at, before.at);
  });

  test.serial(`${build}: past the ticks wrap a timer armed is still ahead of the clock (xtcpcb's time left)`, async (t) => {
    const c = await established(build, 8192, 2 ** 31 + 1000);
    t.true(c.k.ticks < 0);
    c.k.sys_write(c.p, c.fd, new Uint8Array(500));
    c.peer.take();
    const so = c.k.fd_socket(c.p, c.fd);
    if (so === null) throw new Error("no socket");
    const tp = c.k.sototcpcb(so);
    t.true(c.k.tcp_timer_active(tp, c.k.TT_REXMT));
    const left = c.k.tcp_timer_remaining_ms(tp, c.k.TT_REXMT);
    t.true(left > 0 && left <= 1000, `rexmt fires in ${left} ms`);
    finish(c);
    t.deepEqual(c.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: keepalive: probes at snd_una - 1 after TCP_KEEPIDLE, every TCP_KEEPINTVL, drop after TCP_KEEPCNT`, async (t) => {
    const c = await establish_and(build);
    const { k, p } = c;
    t.is(setint(k, p, c.fd, k.SOL_SOCKET, k.SO_KEEPALIVE, 1), 0);
    t.is(setint(k, p, c.fd, k.IPPROTO_TCP, k.TCP_KEEPIDLE, 2), 0);
    t.is(setint(k, p, c.fd, k.IPPROTO_TCP, k.TCP_KEEPINTVL, 1), 0);
    t.is(setint(k, p, c.fd, k.IPPROTO_TCP, k.TCP_KEEPCNT, 3), 0);
    const before = tcpstat(k);
    const w = watch(c, 8000, 100);
    const probes = w.filter((x) => x.s.flags === ACK && x.s.data.length === 0);
    t.true(probes.length >= 3);
    t.is(probes[0].s.seq, (c.snd - 1) >>> 0);
    t.is(probes[1].at - probes[0].at, 1000);
    const d = moved(before, tcpstat(k));
    t.is(d.tcps_keepprobe, probes.length);
    t.is(d.tcps_keepdrops, 1);
    // Dropped: a RST went out and the socket has ETIMEDOUT.
    t.true(w.some((x) => (x.s.flags & 0x04) !== 0));
    t.is(k.sys_getsockopt(p, c.fd, k.SOL_SOCKET, k.SO_ERROR).val, k.ETIMEDOUT);
    finish(c);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: TIME_WAIT lasts 2 * net.inet.tcp.msl (60 s) after the active close, then the PCB goes`, async (t) => {
    const c = await establish_and(build);
    const { k, p } = c;
    t.is(k.sys_shutdown(p, c.fd, k.SHUT_WR), 0);
    const fin = c.peer.take();
    t.is(fin[0].flags, FIN | ACK);
    c.snd = (c.snd + 1) >>> 0;
    inject(c, FIN | ACK);
    t.is(c.peer.take()[0].flags, ACK);
    const so = k.fd_socket(p, c.fd);
    if (so === null) throw new Error("no socket");
    t.is(k.sototcpcb(so).t_state, k.TCPS_TIME_WAIT);
    settle(k, 59900);
    t.is(k.sototcpcb(so).t_state, k.TCPS_TIME_WAIT);
    settle(k, 200);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.pcbcount").value, 1); // the socket still holds it
    k.sys_close(p, c.fd);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.pcbcount").value, 0);
    c.peer.restore();
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

async function establish_and(build: (typeof BOTH)[number]): Promise<conn> {
  return established(build);
}

/**
 * The receiving side of the closed-form check, a program in the jail:
 * `rcvtime PORT` accepts one connection and prints, for every read, its
 * size and the virtual time (CLOCK_MONOTONIC, ns) it returned at.
 */
function install_rcvtime(k: Kernel): void {
  k.programs.set("rcvtime", async (ctx: prog_ctx) => {
    const p = ctx.p as proc;
    const ls = k.sys_socket(p, k.AF_INET, k.SOCK_STREAM, 0);
    if (ls.error !== 0) return 71;
    if (k.sys_bind(p, ls.fd, new k.sockaddr_in(k.INADDR_ANY, Number(ctx.argv[1]))) !== 0) return 1;
    if (k.sys_listen(p, ls.fd, 1) !== 0) return 1;
    if (!(await k.sys_wait_readable(p, ls.fd, 30e9))) return 1;
    const a = k.sys_accept(p, ls.fd);
    k.sys_close(p, ls.fd);
    if (a.error !== 0) return 1;
    for (;;) {
      if (!(await k.sys_wait_readable(p, a.fd, 600e9))) break;
      const r = k.sys_read(p, a.fd, 65536);
      if (r.error !== 0 || r.data === null || r.data.length === 0) break;
      const c = k.sys_clock_gettime(p, k.CLOCK_MONOTONIC);
      ctx.stdout.write(`read ${r.data.length} ${c.tv_sec * 1e9 + c.tv_nsec}\n`);
    }
    k.sys_close(p, a.fd);
    return 0;
  });
}

/** Two jails joined by ng_pipe with 20 ms each way; nc -O 1000 sends
 *  `bytes` to rcvtime; the reads, as [size, ns]. */
async function one_in_flight(delack: string, bytes: number): Promise<{ k: Kernel; reads: number[][]; err: string }> {
  const k = await loadKernelUnbooted("vimage");
  install_rcvtime(k);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-delack-"));
  fs.writeFileSync(path.join(dir, "in.txt"), "x".repeat(bytes));
  let out = "";
  let err = "";
  const status = await k.virtnet_run_script(
    `${pipe_jails("delay=20000", "mtu 1040")}jexec a sysctl net.inet.tcp.rfc1323=0 >/dev/null
jexec b sysctl net.inet.tcp.rfc1323=0 >/dev/null
${delack} >/dev/null
jexec b rcvtime 7000 &
sleep 1
jexec a nc -N -O 1000 10.0.0.2 7000 < in.txt
wait
sleep 61
jail -r a b >/dev/null
`,
    { seed: 0, pcapdir: null, name: "delack.sh", stdout: { write: (x: string) => void (out += x) }, stderr: { write: (x: string) => void (err += x) }, cwd: dir },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  if (status !== 0) throw new Error(`script: ${status} ${err}`);
  const reads = out
    .split("\n")
    .filter((l) => l.startsWith("read "))
    .map((l) => l.split(" ").slice(1).map(Number));
  return { k, reads, err };
}

for (const [what, delack, period, rate] of [
  // delacktime is global in FreeBSD (not per vnet): set from the host.
  ["a 200 ms delayed ACK: 1000 B per 240 ms, 4,166 B/s", "sysctl net.inet.tcp.delacktime=200", 240e6, 4166],
  // delayed_ack is per vnet: the receiving jail turns it off.
  ["no delayed ACK: 1000 B per 40 ms, 25,000 B/s", "jexec b sysctl net.inet.tcp.delayed_ack=0", 40e6, 25000],
] as const) {
  test(`vimage: one segment in flight, MSS 1000, RTT 40 ms (ng_pipe), ${what}`, async (t) => {
    const { k, reads, err } = await one_in_flight(delack, 20_000);
    t.is(err, "");
    t.is(reads.length, 20, JSON.stringify(reads));
    // Every read is one whole segment, one period after the one before.
    t.deepEqual(
      reads.map((r) => r[0]),
      Array(20).fill(1000),
    );
    const gaps = reads.slice(1).map((r, i) => r[1] - reads[i][1]);
    t.deepEqual(gaps, Array(19).fill(period));
    // Bytes after the first read over the time they took, in B/s.
    const bps = (19 * 1000) / ((reads[19][1] - reads[0][1]) / 1e9);
    t.is(Math.floor(bps), rate);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
