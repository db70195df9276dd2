// netgraph/ng_pipe on the virtual clock: serialization and propagation
// delay as ng_pipe.c computes them, bit-error loss and duplication against
// their probabilities, queue overflow (drop-tail, drop-head), flow
// scheduling, the messages and their binary layouts, and no leaks.
import test from "ava";
import { loadKernel, loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import { inv, mkpkt } from "../net/link_helpers.ts";
import { reply_catcher } from "./ng_helpers.ts";
import { run_script } from "../sbin/prog_helpers.ts";
import { ngctl_msg } from "./ng_links_ascii.ts";
import type { ng_hook, ng_item, ng_mesg, ng_node, ng_pipe_cfg_w } from "../../index.ts";

interface arrival {
  hook: string;
  /** microuptime when it arrived. */
  us: number;
  /** The frame's sequence number (its first four bytes). */
  seq: number;
  len: number;
}

interface pipe_rig {
  k: Kernel;
  /** The node on the upper side (hook "u") and the one on the lower ("l"). */
  up: ng_node;
  low: ng_node;
  pipe: ng_node;
  arrivals: arrival[];
  flow: { node: number; cmd: number }[];
  counts: Map<string, number>;
  /** Record every frame (else count them only). */
  record: boolean;
  send(side: "u" | "l", len: number, seq: number, fill?: (b: Uint8Array) => void): number;
  msg(cmd: number, arg?: Uint8Array): { error: number; resp: ng_mesg | null };
  setcfg(c: ng_pipe_cfg_w): number;
}

function now_us(k: Kernel): number {
  return Math.floor(k.nanouptime_ns() / 1000);
}

function pipe_rig(k: Kernel): pipe_rig {
  const rig = {} as pipe_rig;
  rig.k = k;
  rig.arrivals = [];
  rig.flow = [];
  rig.counts = new Map();
  rig.record = true;
  k.ng_newtype({
    version: k.NG_ABI_VERSION,
    name: "end",
    constructor: null,
    rcvdata(hook: ng_hook, item: ng_item): number {
      const m = k.NGI_GET_M(item);
      k.NG_FREE_ITEM(item);
      if (m === null) return 0;
      if (rig.record) {
        const b = new Uint8Array(4);
        k.m_copydata(m, 0, 4, b);
        rig.arrivals.push({ hook: hook.hk_name, us: now_us(k), seq: new DataView(b.buffer).getUint32(0), len: m.m_pkthdr.len });
      } else rig.counts.set(hook.hk_name, (rig.counts.get(hook.hk_name) ?? 0) + 1);
      k.m_freem(m);
      return 0;
    },
    rcvmsg(node: ng_node, item: ng_item): number {
      const msg = k.NGI_GET_MSG(item);
      k.NG_FREE_ITEM(item);
      if (msg !== null) rig.flow.push({ node: node.nd_ID, cmd: msg.header.cmd });
      return 0;
    },
  });
  const catcher = inv(k, k.vnet0, () => reply_catcher(k));
  inv(k, k.vnet0, () => {
    rig.up = k.ng_make_node("end").node as ng_node;
    if (k.ng_mkpeer(rig.up, "u", "upper", "pipe") !== 0) throw new Error("mkpeer pipe");
    rig.pipe = k.ng_path2noderef(rig.up, "u").node as ng_node;
    if (k.ng_name_node(rig.pipe, "p") !== 0) throw new Error("name");
    if (k.ng_mkpeer(rig.pipe, "lower", "l", "end") !== 0) throw new Error("mkpeer end");
    rig.low = k.ng_path2noderef(rig.pipe, "lower").node as ng_node;
  });
  rig.send = (side, len, seq, fill) =>
    inv(k, k.vnet0, () => {
      const b = new Uint8Array(len);
      if (fill !== undefined) fill(b);
      new DataView(b.buffer).setUint32(0, seq);
      const from = side === "u" ? k.ng_findhook(rig.up, "u") : k.ng_findhook(rig.low, "l");
      return k.NG_SEND_DATA_ONLY(from, mkpkt(k, b));
    });
  rig.msg = (cmd, arg = new Uint8Array(0)) =>
    inv(k, k.vnet0, () => {
      const m = k.NG_MKMESSAGE(k.NGM_PIPE_COOKIE, cmd, arg.length);
      m.data.set(arg);
      catcher.replies.length = 0;
      const error = k.NG_SEND_MSG_PATH(catcher.node, m, "p:", catcher.node.nd_ID);
      return { error, resp: catcher.replies.length > 0 ? catcher.replies[0] : null };
    });
  rig.setcfg = (c) => rig.msg(k.NGM_PIPE_SET_CFG, k.ng_pipe_cfg_enc(c)).error;
  return rig;
}

/** A configuration that changes nothing but what `f` sets. */
function cfg(k: Kernel, f: (c: ng_pipe_cfg_w) => void): ng_pipe_cfg_w {
  const c = k.ng_pipe_cfg_zero();
  f(c);
  return c;
}

function getcfg(r: pipe_rig): ng_pipe_cfg_w {
  const { error, resp } = r.msg(r.k.NGM_PIPE_GET_CFG);
  if (error !== 0 || resp === null) throw new Error(`getcfg ${error}`);
  return r.k.ng_pipe_cfg_dec(resp.data);
}

function getstats(r: pipe_rig): ReturnType<Kernel["ng_pipe_stats_dec"]> {
  const { error, resp } = r.msg(r.k.NGM_PIPE_GET_STATS);
  if (error !== 0 || resp === null) throw new Error(`getstats ${error}`);
  return r.k.ng_pipe_stats_dec(resp.data);
}

function getrun(r: pipe_rig): ReturnType<Kernel["ng_pipe_run_dec"]> {
  const { error, resp } = r.msg(r.k.NGM_PIPE_GET_RUN);
  if (error !== 0 || resp === null) throw new Error(`getrun ${error}`);
  return r.k.ng_pipe_run_dec(resp.data);
}

/** Move the clock to the next whole tick (so serialization starts on one). */
function to_tick(k: Kernel): void {
  const ns = k.nanouptime_ns();
  k.kern_advance_ns(Math.ceil((ns + 1) / 1e6) * 1e6 - ns);
}

function done(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void; is: (a: unknown, b: unknown, m?: string) => void }, r: pipe_rig): void {
  const k = r.k;
  inv(k, k.vnet0, () => k.ng_rmnode(r.pipe));
  t.is(k.ngp_zone.uz_used, 0, "every queue entry back in the ng_pipe zone");
  t.is(k.callout_count(), 0, "no pipe timer left");
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 }, "no mbufs left");
}

test("a 1500-byte frame at 10 Mbit/s with 20 ms delay: due 1219 + 20000 us later, released on the next tick", async (t) => {
  const k = await loadKernel("vimage");
  const r = pipe_rig(k);
  t.is(r.setcfg(cfg(k, (c) => ((c.bandwidth = 10000000n), (c.delay = 20000n)))), 0);
  const c = getcfg(r);
  t.is(c.bandwidth, 10000000n, "one bandwidth both ways is shown at the top");
  t.is(c.overhead, 24, "Ethernet framing from 10 Mbit/s up");
  t.is(c.delay, 20000n);
  to_tick(k);
  const t0 = now_us(k);
  t.is(r.send("u", 1500, 1), 0);
  t.is(r.arrivals.length, 0, "not at once");
  t.like(getrun(r).downstream, { qin_frames: 0, qout_frames: 1, qout_octets: 1500 });
  k.kern_run_until_idle();
  t.is(r.arrivals.length, 1);
  const a = r.arrivals[0];
  t.is(a.hook, "l");
  // (1500 + 24) * 8 / 10^7 s = 1.2192 ms, which ng_pipe.c truncates to
  // 1219 us; with the delay, due at t0 + 21219 us; the tick callout finds
  // it at the next millisecond.
  t.is(Math.floor(((1500 + 24) * 8000000) / 10000000), 1219);
  t.is(a.us - t0, 22000);
  t.true(a.us - t0 >= 21219 && a.us - t0 < 21219 + 1000);
  const s = getstats(r);
  t.like(s.downstream, { fwd_frames: 1, fwd_octets: 1500 });
  t.like(s.upstream, { fwd_frames: 0 });
  // Upstream too: the delay is common, the bandwidth is per direction.
  r.arrivals.length = 0;
  to_tick(k);
  const t1 = now_us(k);
  t.is(r.send("l", 1500, 2), 0);
  k.kern_run_until_idle();
  t.is(r.arrivals[0].hook, "u");
  t.is(r.arrivals[0].us - t1, 22000);
  done(t, r);
});

test("with kern.hz=100000 the same frame arrives 1.2192 ms (1219 us) plus the delay later, to the 10 us tick", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  k.kern_boot({ seed: 0, hz: 100000 });
  const r = pipe_rig(k);
  t.is(r.setcfg(cfg(k, (c) => ((c.bandwidth = 10000000n), (c.delay = 20000n)))), 0);
  to_tick(k);
  const t0 = now_us(k);
  t.is(r.send("u", 1500, 1), 0);
  k.kern_run_until_idle();
  t.is(r.arrivals[0].us - t0, 21220);
  done(t, r);
});

test("a 50-byte frame on a 1000 byte/s link takes (50 + 10)/1000 s; the next waits its turn", async (t) => {
  const k = await loadKernel("novimage");
  const r = pipe_rig(k);
  t.is(r.setcfg(cfg(k, (c) => (c.bandwidth = 8000n))), 0);
  t.is(getcfg(r).overhead, 10, "HDLC framing below 10 Mbit/s");
  to_tick(k);
  const t0 = now_us(k);
  t.is(r.send("u", 50, 1), 0);
  t.is(r.send("u", 50, 2), 0);
  t.like(getrun(r).downstream, { fifo_queues: 1, qin_frames: 1, qout_frames: 1 });
  k.kern_run_until_idle();
  t.deepEqual(
    r.arrivals.map((a) => [a.seq, a.us - t0]),
    [
      [1, 60000],
      [2, 120000],
    ],
  );
  done(t, r);
});

/** P(frame of len bytes lost) for BER, the closed form. */
function p_loss(ber: number, len: number, overhead: number): number {
  return 1 - Math.pow(1 - 1 / ber, 8 * (len + overhead));
}

test("bit errors: loss over 100,000 frames matches 1 - (1 - 1/BER)^(8 (len + overhead))", async (t) => {
  const k = await loadKernel("vimage", 7);
  const r = pipe_rig(k);
  r.record = false;
  const BER = 1000000;
  const N = 100000;
  const LEN = 1500;
  t.is(r.setcfg(cfg(k, (c) => ((c.bandwidth = 100000000n), (c.downstream.ber = BigInt(BER))))), 0);
  // Send in bursts the link can carry, and let the clock run.
  for (let i = 0; i < N; i++) {
    r.send("u", LEN, i);
    if (i % 40 === 39) k.kern_run_until_idle();
  }
  k.kern_run_until_idle();
  const got = r.counts.get("l") ?? 0;
  const lost = N - got;
  const p = p_loss(BER, LEN, 24);
  const sd = Math.sqrt(N * p * (1 - p));
  t.log(`lost ${lost} of ${N}; expected ${(N * p).toFixed(1)} +- ${sd.toFixed(1)} (p = ${p.toFixed(5)})`);
  t.true(Math.abs(lost - N * p) < 4 * sd, `lost ${lost}, expected ${N * p}`);
  const s = getstats(r);
  t.is(s.downstream.out_disc_frames, lost);
  t.is(s.downstream.out_disc_octets, lost * LEN);
  t.is(s.downstream.fwd_frames, got);
  done(t, r);
});

test("BER 1 is a link down: everything lost, and both neighbours told (link down, then up)", async (t) => {
  const k = await loadKernel("vimage");
  const r = pipe_rig(k);
  t.is(r.setcfg(cfg(k, (c) => (c.upstream.ber = 1n))), 0);
  t.deepEqual(
    r.flow.map((f) => f.cmd),
    [33, 33],
  );
  for (let i = 0; i < 20; i++) r.send("l", 60, i);
  k.kern_run_until_idle();
  t.is(r.arrivals.length, 0);
  t.is(getstats(r).upstream.out_disc_frames, 20);
  // Downstream is untouched.
  r.send("u", 60, 99);
  k.kern_run_until_idle();
  t.is(r.arrivals.length, 1);
  r.flow.length = 0;
  t.is(r.setcfg(cfg(k, (c) => (c.upstream.ber = 0xffffffffffffffffn))), 0, "-1 turns BER off");
  t.deepEqual(
    r.flow.map((f) => f.cmd),
    [32, 32],
  );
  t.is(getcfg(r).upstream.ber, 0n);
  done(t, r);
});

test("duplication: the share of duplicates matches (d + 1)/100 (random() % 100 <= d)", async (t) => {
  const k = await loadKernel("vimage", 3);
  const r = pipe_rig(k);
  r.record = false;
  const N = 100000;
  t.is(r.setcfg(cfg(k, (c) => (c.downstream.duplicate = 10))), 0);
  for (let i = 0; i < N; i++) {
    r.send("u", 64, i);
    if (i % 40 === 39) k.kern_run_until_idle();
  }
  k.kern_run_until_idle();
  const out = r.counts.get("l") ?? 0;
  // Each pass sends a duplicate with probability p and keeps the original
  // for another pass: out/N = 1/(1 - p).
  const p = 11 / 100;
  const dup = out - N;
  const expect = N * (p / (1 - p));
  const sd = Math.sqrt((N * p) / (1 - p) ** 2);
  t.log(`${dup} duplicates of ${N}; expected ${expect.toFixed(0)} +- ${sd.toFixed(0)}`);
  t.true(Math.abs(dup - expect) < 4 * sd);
  t.is(getstats(r).downstream.fwd_frames, out);
  done(t, r);
});

for (const mode of ["droptail", "drophead"] as const) {
  test(`queue overflow, ${mode}: 60 frames into a queue of 50 on a slow link`, async (t) => {
    const k = await loadKernel("vimage");
    const r = pipe_rig(k);
    t.is(r.setcfg(cfg(k, (c) => ((c.bandwidth = 1000000n), mode === "drophead" ? (c.downstream.drophead = 1) : (c.downstream.droptail = 1)))), 0);
    const gc = getcfg(r).downstream;
    t.is(gc.qin_size_limit, 50, "the default queue");
    t.deepEqual([gc.droptail, gc.drophead], mode === "drophead" ? [0, 1] : [1, 0]);
    to_tick(k);
    const t0 = now_us(k);
    for (let i = 1; i <= 60; i++) t.is(r.send("u", 1000, i), 0, "a queue drop is not an error to the sender");
    // The first frame went to the delay queue at once; 50 wait; 9 dropped.
    t.like(getrun(r).downstream, { qin_frames: 50, qout_frames: 1 });
    const s = getstats(r).downstream;
    t.is(s.in_disc_frames, 9);
    t.is(s.in_disc_octets, 9000);
    k.kern_run_until_idle();
    const seqs = r.arrivals.map((a) => a.seq);
    const expect = mode === "droptail" ? Array.from({ length: 51 }, (_, i) => i + 1) : [1, ...Array.from({ length: 50 }, (_, i) => i + 11)];
    t.deepEqual(seqs, expect);
    // (1000 + 10) * 8 = 8080 us each at 1 Mbit/s, released on the tick after.
    t.deepEqual(
      r.arrivals.map((a) => a.us - t0),
      r.arrivals.map((_, i) => Math.ceil(((i + 1) * 8080) / 1000) * 1000),
    );
    done(t, r);
  });
}

test("the delay queue limit drops what does not fit, as delay drops", async (t) => {
  const k = await loadKernel("vimage");
  const r = pipe_rig(k);
  t.is(r.setcfg(cfg(k, (c) => ((c.delay = 50000n), (c.downstream.qout_size_limit = 5)))), 0);
  for (let i = 1; i <= 8; i++) r.send("u", 100, i);
  const s = getstats(r).downstream;
  t.is(s.out_disc_frames, 3);
  t.is(s.in_disc_frames, 0);
  k.kern_run_until_idle();
  t.deepEqual(
    r.arrivals.map((a) => a.seq),
    [1, 2, 3, 4, 5],
  );
  done(t, r);
});

/** An IPv4 header at offset 14 of the frame from 10.0.0.src. */
function ipv4(src: number): (b: Uint8Array) => void {
  return (b) => {
    b[14] = 0x45;
    b.set([10, 0, 0, src], 14 + 12);
    b.set([10, 0, 0, 100], 14 + 16);
  };
}

for (const sched of ["fifo", "drr", "wfq"] as const) {
  test(`${sched}: two flows of 10 frames each, sent one after the other`, async (t) => {
    const k = await loadKernel("vimage");
    const r = pipe_rig(k);
    t.is(
      r.setcfg(
        cfg(k, (c) => {
          c.bandwidth = 1000000n;
          c.header_offset = 14;
          c.downstream[sched] = sched === "drr" ? 1000 : 1;
        }),
      ),
      0,
    );
    const gc = getcfg(r);
    t.is(gc.header_offset, 14);
    t.is(gc.downstream.drr, sched === "drr" ? 1000 : 0);
    to_tick(k);
    // The sequence number sits in the first bytes, before the IPv4 header.
    for (let i = 0; i < 10; i++) r.send("u", 500, 100 + i, ipv4(1));
    for (let i = 0; i < 10; i++) r.send("u", 500, 200 + i, ipv4(2));
    t.is(getrun(r).downstream.fifo_queues, sched === "fifo" ? 1 : 2);
    k.kern_run_until_idle();
    const order = r.arrivals.map((a) => Math.floor(a.seq / 100)).join("");
    t.log(order);
    if (sched === "fifo") t.is(order, "11111111112222222222");
    else {
      // The second flow is served before the first is through.
      t.true(order.indexOf("2") < order.lastIndexOf("1"));
      t.is(order.length, 20);
    }
    done(t, r);
  });
}

test("setcfg: -1 resets, values out of range (zero, huge, negative as unsigned) change nothing; getcfg's layout", async (t) => {
  const k = await loadKernel("vimage");
  const r = pipe_rig(k);
  const c0 = getcfg(r);
  t.like(c0.downstream, { qin_size_limit: 50, fifo: 1, droptail: 1, drophead: 0, drr: 0, wfq: 0, ber: 0n, duplicate: 0 });
  t.is(c0.bandwidth, 0n);
  t.is(r.setcfg(cfg(k, (c) => ((c.bandwidth = 2000000n), (c.delay = 1000n), (c.downstream.duplicate = 5), (c.upstream.qin_size_limit = 7)))), 0);
  const U64 = 0xffffffffffffffffn;
  const bws = [0n, 99n, 1000000001n, U64 - 1n, 2n ** 63n];
  const delays = [0n, 10000000n, U64 - 1n, 2n ** 63n, 2n ** 32n + 1000n];
  const bers = [0n, 1000000000001n, U64 - 1n, 2n ** 63n, 2n ** 40n];
  for (let i = 0; i < bws.length; i++) {
    t.is(r.setcfg(cfg(k, (c) => ((c.bandwidth = bws[i]), (c.delay = delays[i]), (c.downstream.ber = bers[i])))), 0);
  }
  t.is(r.setcfg(cfg(k, (c) => ((c.downstream.qin_size_limit = 4), (c.downstream.duplicate = 51), (c.downstream.drr = 1), (c.overhead = 256), (c.header_offset = 64)))), 0);
  const c1 = getcfg(r);
  t.is(c1.bandwidth, 2000000n);
  t.is(c1.delay, 1000n);
  t.is(c1.overhead, 10);
  t.is(c1.header_offset, 0);
  t.like(c1.downstream, { duplicate: 5, qin_size_limit: 50, drr: 2048, fifo: 0, ber: 0n });
  t.like(c1.upstream, { qin_size_limit: 7 });
  // -1 everywhere: back to nothing.
  const all = cfg(k, (c) => {
    c.bandwidth = c.delay = U64;
    c.overhead = c.header_offset = 0xffffffff;
    for (const h of [c.downstream, c.upstream]) {
      h.bandwidth = h.ber = U64;
      h.qin_size_limit = h.qout_size_limit = h.duplicate = 0xffffffff;
    }
  });
  t.is(r.setcfg(all), 0);
  const c2 = getcfg(r);
  t.is(c2.bandwidth, 0n);
  t.is(c2.delay, 0n);
  t.is(c2.overhead, 0);
  t.like(c2.downstream, { duplicate: 0, qin_size_limit: 0, fifo: 1, drr: 0 });
  // Per-direction bandwidths show per direction.
  t.is(r.setcfg(cfg(k, (c) => ((c.downstream.bandwidth = 5000n), (c.upstream.bandwidth = 7000n)))), 0);
  const c3 = getcfg(r);
  t.deepEqual([c3.bandwidth, c3.downstream.bandwidth, c3.upstream.bandwidth], [0n, 5000n, 7000n]);
  t.is(r.msg(k.NGM_PIPE_SET_CFG, new Uint8Array(k.NG_PIPE_CFG_SIZE - 1)).error, k.EINVAL);
  t.is(r.msg(99).error, k.EINVAL);
  t.is(k.NG_PIPE_CFG_SIZE, 120);
  // A queue of 0 (-1 above) drops every frame of a queued direction.
  r.send("u", 100, 1);
  t.is(getstats(r).downstream.in_disc_frames, 1);
  t.is(r.msg(k.NGM_PIPE_GETCLR_STATS).resp?.data.length, k.NG_PIPE_STATS_SIZE);
  t.is(getstats(r).downstream.in_disc_frames, 0);
  done(t, r);
});

test("no configuration: frames go straight through once setcfg leaves nothing to do; the queue path before that", async (t) => {
  const k = await loadKernel("novimage");
  const r = pipe_rig(k);
  // A new pipe has not computed its shortcut yet: the queues carry frames,
  // delivered at once all the same.
  t.is(r.send("u", 200, 1), 0);
  t.is(r.arrivals.length, 1);
  t.is(k.ngp_zone.uz_allocs, 2, "a header and a flow queue");
  t.is(r.setcfg(k.ng_pipe_cfg_zero()), 0);
  for (let i = 0; i < 10; i++) r.send("l", 200, i);
  t.is(r.arrivals.length, 11);
  t.is(k.ngp_zone.uz_allocs, 2, "the shortcut takes nothing from the zone");
  t.like(getstats(r).upstream, { fwd_frames: 10, fwd_octets: 2000 });
  // With a hook missing, the frame is dropped as an output discard.
  inv(k, k.vnet0, () => k.ng_rmhook_self(k.ng_findhook(r.low, "l") as ng_hook));
  t.is(r.send("u", 200, 5), k.ENOTCONN);
  t.like(getstats(r).downstream, { out_disc_frames: 1, fwd_frames: 1 });
  done(t, r);
});

test("hooks go with frames queued: everything is freed, the pipe node stays", async (t) => {
  const k = await loadKernel("vimage");
  const r = pipe_rig(k);
  t.is(r.setcfg(cfg(k, (c) => ((c.bandwidth = 100000n), (c.delay = 100000n), (c.downstream.drr = 1)))), 0);
  for (let i = 0; i < 30; i++) r.send("u", 1000, i, ipv4(i % 3));
  t.true(k.ngp_zone.uz_used > 0);
  inv(k, k.vnet0, () => {
    t.is(k.ng_newtype({ version: k.NG_ABI_VERSION, name: "x", constructor: null }), 0);
    t.is(k.ng_con_nodes(r.pipe, "middle", r.up, "m"), k.EINVAL, "upper and lower only");
    k.ng_rmhook_self(k.ng_findhook(r.up, "u") as ng_hook);
  });
  t.true(k.NG_NODE_IS_VALID(r.pipe), "a pipe outlives its hooks");
  k.kern_run_until_idle();
  t.is(r.arrivals.length, 0);
  done(t, r);
});

test("same seed, same losses; another seed, other losses", async (t) => {
  const run = async (seed: number): Promise<string> => {
    const k = await loadKernel("vimage", seed);
    const r = pipe_rig(k);
    r.setcfg(cfg(k, (c) => ((c.downstream.ber = 100000n), (c.downstream.duplicate = 20))));
    for (let i = 0; i < 2000; i++) r.send("u", 1000, i);
    k.kern_run_until_idle();
    const s = r.arrivals.map((a) => a.seq).join(",");
    inv(k, k.vnet0, () => k.ng_rmnode(r.pipe));
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
    return s;
  };
  const a = await run(11);
  const b = await run(11);
  const c = await run(12);
  t.is(a, b);
  t.not(a, c);
});

test("ngctl msg p: setcfg/getcfg/getstats/getrun in ASCII, with FreeBSD's field names", async (t) => {
  const k = await loadKernel("vimage");
  const r = pipe_rig(k);
  inv(k, k.vnet0, () => {
    const me = reply_catcher(k);
    const set = ngctl_msg(k, me, "p:", "setcfg", "{ delay=20000 downstream={ bandwidth=10000000 } upstream={ bandwidth=10000000 } }");
    t.is(set.error, 0);
    t.is(set.binary?.header.arglen, 120);
    const c = k.ng_pipe_cfg_dec((set.binary as ng_mesg).data);
    t.is(c.delay, 20000n);
    t.is(c.downstream.bandwidth, 10000000n);
    const get = ngctl_msg(k, me, "p:", "getcfg");
    t.is(get.error, 0);
    // Per-direction bandwidths leave the overhead alone (only the top-level
    // bandwidth sets it), so it stays 0 here.
    t.is(get.text, "{ bandwidth=10000000 delay=20000 downstream={ queuelen=50 fifo=1 droptail=1 } upstream={ queuelen=50 fifo=1 droptail=1 } }");
    t.is(ngctl_msg(k, me, "p:", "setcfg", "{ downstream={ BER=1000000 duplicate=5 drophead=1 } upstream={ wfq=1 queuelen=100 } }").error, 0);
    t.is(
      ngctl_msg(k, me, "p:", "getcfg").text,
      "{ bandwidth=10000000 delay=20000 downstream={ BER=1000000 queuelen=50 duplicate=5 fifo=1 drophead=1 } upstream={ queuelen=100 wfq=1 droptail=1 } }",
    );
    t.is(ngctl_msg(k, me, "p:", "setcfg", "{ nosuchfield=1 }").error, k.ENOENT);
    // Fields at their default (zero) are left out, whole structs too.
    t.is(ngctl_msg(k, me, "p:", "getrun").text, "{}");
    t.is(ngctl_msg(k, me, "p:", "getstats").text, "{}");
  });
  r.send("u", 100, 1);
  k.kern_run_until_idle();
  inv(k, k.vnet0, () => {
    const me = reply_catcher(k);
    t.is(ngctl_msg(k, me, "p:", "getclrstats").text, "{ downstream={ FwdOctets=100 FwdFrames=1 } }");
    t.is(ngctl_msg(k, me, "p:", "getstats").text, "{}");
    t.is(ngctl_msg(k, me, "p:", "clrstats").error, 0);
  });
  done(t, r);
});

const PIPE_LINK = `jail -c name=a vnet persist
jail -c name=b vnet persist
ngctl mkpeer . eiface e ether
ngctl mkpeer . eiface e ether
ngctl mkpeer ngeth0: pipe ether upper
ngctl name ngeth0:ether link
ngctl connect link: ngeth1: lower ether
ngctl msg link: setcfg "{ bandwidth=10000000 delay=20000 }"
ifconfig ngeth0 vnet a
ifconfig ngeth1 vnet b
jexec a ifconfig ngeth0 inet 10.0.0.1/24 up
jexec b ifconfig ngeth1 inet 10.0.0.2/24 up
jexec a ping -c 3 10.0.0.2
ngctl msg link: getstats
`;

test("ping between two jails over a 20 ms ng_pipe link prints about 40 ms (42 at kern.hz=1000)", async (t) => {
  const r = await run_script(PIPE_LINK);
  t.is(r.status, 0, r.err);
  const times = [...r.out.matchAll(/time=([0-9.]+) ms/g)].map((m) => Number(m[1]));
  // The first waits for ARP to cross the link and back: one round trip more.
  t.deepEqual(times, [63, 42, 42]);
  t.regex(r.out, /Args:\t\{ downstream=\{ FwdOctets=378 FwdFrames=5 \} upstream=\{ FwdOctets=378 FwdFrames=5 \} \}/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
