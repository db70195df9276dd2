// netpfil/ipfw/ip_dn_io: packets pushed through dummynet_io (as ipfw's pipe
// and queue actions do) against the closed forms of FreeBSD's arithmetic:
// a packet of L bytes on a link of B bit/s leaves 8*L*hz/B ticks after the
// link went busy and arrives `delay` ticks later; plr drops its fraction;
// a full queue drops and counts; WF2Q+ shares by weight; masks make one
// instance or queue per flow; and nothing leaks, nothing ticks when idle.
import test from "ava";
import { loadKernel, type Kernel } from "../../helpers/builds.ts";
import { inv } from "../../net/link_helpers.ts";
import { dn_config, dn_load, dn_send, fw_args, ip_pkt, pipe_config_buf, queue_config_buf, record_ip } from "./dn_helpers.ts";

const MS = 1e6;

// One kernel for the tests that only need a clean dummynet: each starts
// with a flush, on the virtual clock wherever the last one left it.
let shared: Kernel | null = null;
async function fresh(): Promise<Kernel> {
  if (shared === null) {
    shared = await loadKernel("vimage", 1);
    dn_load(shared);
  }
  const k = shared;
  const flush = new Uint8Array(8);
  const dv = new DataView(flush.buffer);
  dv.setUint16(0, 8, true);
  dv.setUint8(2, k.DN_CMD_FLUSH);
  dv.setUint32(4, k.DN_API_VERSION, true);
  if (dn_config(k, flush) !== 0) throw new Error("flush");
  k.kern_run_until_idle();
  return k;
}

function dnstat(k: Kernel): { io_pkt: number; io_pkt_fast: number; io_pkt_drop: number; si_count: number; queue_count: number } {
  return inv(k, k.vnet0, () => {
    const c = k.V_dn_cfg();
    return { io_pkt: c.io_pkt, io_pkt_fast: c.io_pkt_fast, io_pkt_drop: c.io_pkt_drop, si_count: c.si_count, queue_count: c.queue_count };
  });
}

test.serial("1 Mbit/s, 50 ms: packet k of a burst arrives at delay + (k+1) serialization times; then no callout", async (t) => {
  const k = await fresh();
  const got = record_ip(k);
  t.is(dn_config(k, pipe_config_buf(k, 1, { bw: 1000000, delay: 50 })), 0);
  const t0 = k.nanouptime_ns();
  for (let i = 0; i < 10; i++) t.is(dn_send(k, ip_pkt(k, 1000, i), 1, true), 0);
  t.is(got.length, 0, "nothing leaves at once");
  k.kern_run_until_idle();
  t.is(got.length, 10);
  // 1000 bytes at 1 Mbit/s: 8 ms each.
  for (let i = 0; i < 10; i++) {
    t.is(got[i].seq, i);
    t.is(got[i].ns - t0, (50 + 8 * (i + 1)) * MS, `packet ${i}`);
  }
  t.is(k.callout_count(), 0, "idle vnet: no dummynet tick");
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("a rate that does not divide a tick keeps the fraction as credit (exact on average)", async (t) => {
  const k = await fresh();
  const got = record_ip(k);
  // 1500 bytes at 700 kbit/s: 17.142857 ms each.
  t.is(dn_config(k, pipe_config_buf(k, 3, { bw: 700000, delay: 0, qsize: 100 })), 0);
  const t0 = k.nanouptime_ns();
  for (let i = 0; i < 70; i++) dn_send(k, ip_pkt(k, 1500, i), 3, true);
  k.kern_run_until_idle();
  t.is(got.length, 70);
  for (let i = 0; i < 70; i++) {
    // FreeBSD's tick grid: the packet is out once the credit for i+1 packets is paid.
    const exact = ((i + 1) * 1500 * 8 * 1000) / 700000;
    t.is((got[i].ns - t0) / MS, Math.ceil(exact), `packet ${i}`);
  }
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("no bandwidth, no delay: the fast path hands the packet straight back", async (t) => {
  const k = await fresh();
  const got = record_ip(k);
  t.is(dn_config(k, pipe_config_buf(k, 2, {})), 0);
  const before = dnstat(k).io_pkt_fast;
  for (let i = 0; i < 5; i++) dn_send(k, ip_pkt(k, 100, i), 2, true);
  t.is(got.length, 5);
  t.is(dnstat(k).io_pkt_fast - before, 5);
  t.is(k.callout_count(), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("plr 0.1 drops about a tenth, the same with the same seed", async (t) => {
  async function run(seed: number): Promise<number[]> {
    const k = await loadKernel("vimage", seed);
    dn_load(k);
    const got = record_ip(k);
    t.is(dn_config(k, pipe_config_buf(k, 1, { plr: 0.1 })), 0);
    let enobufs = 0;
    for (let i = 0; i < 2000; i++) if (dn_send(k, ip_pkt(k, 64, i), 1, true) === k.ENOBUFS) enobufs++;
    k.kern_run_until_idle();
    const st = dnstat(k);
    t.is(st.io_pkt_drop, enobufs);
    t.is(got.length + enobufs, 2000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
    return got.map((a) => a.seq);
  }
  const a = await run(7);
  const dropped = 2000 - a.length;
  // Binomial(2000, 0.1): mean 200, sd 13.4; six sd either way.
  t.true(dropped > 120 && dropped < 280, `dropped ${dropped}`);
  t.deepEqual(await run(7), a);
});

test.serial("queue of 5 slots: a burst of 20 keeps 1 on the link and 5 queued, drops 14", async (t) => {
  const k = await fresh();
  const got = record_ip(k);
  t.is(dn_config(k, pipe_config_buf(k, 1, { bw: 1000000, qsize: 5 })), 0);
  const before = dnstat(k).io_pkt_drop;
  let drops = 0;
  for (let i = 0; i < 20; i++) if (dn_send(k, ip_pkt(k, 500, i), 1, true) === k.ENOBUFS) drops++;
  t.is(drops, 14);
  k.kern_run_until_idle();
  t.deepEqual(
    got.map((a) => a.seq),
    [0, 1, 2, 3, 4, 5],
  );
  t.is(dnstat(k).io_pkt_drop - before, 14);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("queue in bytes: 2000 B holds what fits under the limit", async (t) => {
  const k = await fresh();
  record_ip(k);
  t.is(dn_config(k, pipe_config_buf(k, 1, { bw: 100000, qsize: 2000, qbytes: true })), 0);
  let drops = 0;
  // The first goes on the link; 500-byte packets are queued while len_bytes <= 2000.
  for (let i = 0; i < 10; i++) if (dn_send(k, ip_pkt(k, 500, i), 1, true) === k.ENOBUFS) drops++;
  t.is(drops, 10 - 1 - 5);
  k.kern_run_until_idle();
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("RED: with w_q 1 the average is the queue; drops start between min_th and max_th, all beyond max_th", async (t) => {
  const k = await fresh();
  record_ip(k);
  t.is(dn_config(k, pipe_config_buf(k, 1, { bw: 1000000, qsize: 100, red: [1, 5, 15, 0.1] })), 0);
  const dropped: number[] = [];
  for (let i = 0; i < 40; i++) if (dn_send(k, ip_pkt(k, 500, i), 1, true) === k.ENOBUFS) dropped.push(i);
  // Packet 0 goes on the link; packet i finds i - 1 queued (while nothing was dropped).
  t.true(dropped.length > 0);
  t.true(dropped[0] > 5, `first drop ${dropped[0]}`);
  // Past max_th the average (the queue, w_q = 1) stays at max_th: every later packet is dropped.
  const kept = 40 - dropped.length;
  t.true(kept <= 1 + 15 + 1, `kept ${kept}`);
  k.kern_run_until_idle();
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("a sched_mask makes one instance (and link) per source", async (t) => {
  const k = await fresh();
  const got = record_ip(k);
  t.is(dn_config(k, pipe_config_buf(k, 1, { bw: 1000000, src_mask: 0xffffffff })), 0);
  for (let i = 0; i < 4; i++) {
    dn_send(k, ip_pkt(k, 1000, i, 0x0a000001), 1, true, 0x0a000001);
    dn_send(k, ip_pkt(k, 1000, 100 + i, 0x0a000002), 1, true, 0x0a000002);
  }
  t.is(dnstat(k).si_count, 2);
  const t0 = k.nanouptime_ns();
  k.kern_run_until_idle();
  // Each source has its own 1 Mbit/s: both finish after 4 * 8 ms.
  const last1 = got.filter((a) => a.src === 0x0a000001).pop();
  const last2 = got.filter((a) => a.src === 0x0a000002).pop();
  t.is(last1?.ns, t0 + 32 * MS);
  t.is(last2?.ns, t0 + 32 * MS);
  // The idle instances go on the next expire cycles only while the vnet ticks.
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("WF2Q+: two queues of weights 3 and 1 on a busy pipe share 3:1", async (t) => {
  const k = await fresh();
  const got = record_ip(k);
  t.is(dn_config(k, pipe_config_buf(k, 1, { bw: 1000000 })), 0);
  t.is(dn_config(k, queue_config_buf(k, 1, { sched: 1, weight: 3, qsize: 100 })), 0);
  t.is(dn_config(k, queue_config_buf(k, 2, { sched: 1, weight: 1, qsize: 100 })), 0);
  for (let i = 0; i < 80; i++) {
    dn_send(k, ip_pkt(k, 1000, i, 0x0a000001), 1, false, 0x0a000001);
    dn_send(k, ip_pkt(k, 1000, 1000 + i, 0x0a000002), 2, false, 0x0a000002);
  }
  k.kern_run_until_idle();
  t.is(got.length, 160);
  // While both are backlogged (the first 80 departures), 3 of 4 are queue 1's.
  const first = got.slice(0, 80);
  const q1 = first.filter((a) => a.src === 0x0a000001).length;
  t.true(Math.abs(q1 - 60) <= 1, `queue 1 sent ${q1} of 80`);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("QFQ: weights 3 and 1 share 3:1 over a long backlog, and all is delivered", async (t) => {
  const k = await fresh();
  const got = record_ip(k);
  const b = new Uint8Array(k.SIZEOF_DN_ID + k.SIZEOF_DN_SCH);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, k.SIZEOF_DN_ID, true);
  dv.setUint8(2, k.DN_CMD_CONFIG);
  dv.setUint32(4, k.DN_API_VERSION, true);
  const s = new k.dn_sch();
  k.set_oid(s.oid, k.DN_SCH, k.SIZEOF_DN_SCH);
  s.sched_nr = 7;
  s.name = "qfq";
  k.dn_sch_enc(dv, k.SIZEOF_DN_ID, s);
  t.is(dn_config(k, b), 0);
  t.is(dn_config(k, pipe_config_buf(k, 7, { bw: 10000000 })), 0);
  t.is(dn_config(k, queue_config_buf(k, 11, { sched: 7, weight: 3, qsize: 100 })), 0);
  t.is(dn_config(k, queue_config_buf(k, 12, { sched: 7, weight: 1, qsize: 100 })), 0);
  // Keep both backlogged for 4000 departures (V crosses many slots).
  let sent1 = 0;
  let sent2 = 0;
  let seen = 0;
  for (let round = 0; round < 50; round++) {
    while (sent1 - got.filter((a) => a.src === 11).length < 60) dn_send(k, ip_pkt(k, 1250, sent1++, 11), 11, false, 11);
    while (sent2 - got.filter((a) => a.src === 12).length < 60) dn_send(k, ip_pkt(k, 1250, 10000 + sent2++, 12), 12, false, 12);
    k.kern_advance_ns(80 * MS);
    seen = got.length;
  }
  const q1 = got.filter((a) => a.src === 11).length;
  t.true(Math.abs(q1 / seen - 0.75) < 0.01, `queue 11 sent ${q1} of ${seen}`);
  k.kern_run_until_idle();
  t.is(got.length, sent1 + sent2);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("RR and PRIO schedulers: deficit round robin alternates, strict priority drains the higher first", async (t) => {
  const k = await fresh();
  const got = record_ip(k);
  const sched = (n: number, type: string): Uint8Array => {
    const b = new Uint8Array(k.SIZEOF_DN_ID + k.SIZEOF_DN_SCH);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, k.SIZEOF_DN_ID, true);
    dv.setUint8(2, k.DN_CMD_CONFIG);
    dv.setUint32(4, k.DN_API_VERSION, true);
    const s = new k.dn_sch();
    k.set_oid(s.oid, k.DN_SCH, k.SIZEOF_DN_SCH);
    s.sched_nr = n;
    s.name = type;
    k.dn_sch_enc(dv, k.SIZEOF_DN_ID, s);
    return b;
  };
  t.is(dn_config(k, sched(5, "rr")), 0);
  t.is(dn_config(k, pipe_config_buf(k, 5, { bw: 1000000 })), 0);
  t.is(dn_config(k, queue_config_buf(k, 1, { sched: 5, qsize: 50 })), 0);
  t.is(dn_config(k, queue_config_buf(k, 2, { sched: 5, qsize: 50 })), 0);
  for (let i = 0; i < 6; i++) dn_send(k, ip_pkt(k, 1000, i, 1), 1, false, 1);
  for (let i = 0; i < 6; i++) dn_send(k, ip_pkt(k, 1000, 10 + i, 2), 2, false, 2);
  k.kern_run_until_idle();
  // The first went out alone (queue 1, credit 1500 - 1000 left); then
  // deficit round robin with a 1500-byte quantum over 1000-byte packets.
  t.deepEqual(
    got.slice(0, 7).map((a) => a.src),
    [1, 2, 1, 1, 2, 2, 1],
  );
  got.length = 0;
  t.is(dn_config(k, sched(6, "prio")), 0);
  t.is(dn_config(k, pipe_config_buf(k, 6, { bw: 1000000 })), 0);
  t.is(dn_config(k, queue_config_buf(k, 3, { sched: 6, weight: 1, qsize: 50 })), 0);
  t.is(dn_config(k, queue_config_buf(k, 4, { sched: 6, weight: 0, qsize: 50 })), 0);
  for (let i = 0; i < 4; i++) dn_send(k, ip_pkt(k, 1000, i, 3), 3, false, 3);
  for (let i = 0; i < 4; i++) dn_send(k, ip_pkt(k, 1000, 10 + i, 4), 4, false, 4);
  k.kern_run_until_idle();
  // Priority 0 (queue 4) before priority 1 once the first packet left.
  t.deepEqual(
    got.map((a) => a.src),
    [3, 4, 4, 4, 4, 3, 3, 3],
  );
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("per vnet; flush frees what is queued; unload stops everything", async (t) => {
  const k = await loadKernel("vimage", 10);
  dn_load(k);
  record_ip(k);
  const r = k.kern_jail_set(k.cred0, { name: "j", persist: true, vnet: "new" }, k.JAIL_CREATE);
  const pr = k.prison_find(r.jid);
  if (pr === null) throw new Error("no prison");
  t.is(dn_config(k, pipe_config_buf(k, 4, { bw: 1000000 })), 0);
  t.is(
    inv(k, pr.pr_vnet, () => k.V_dn_cfg().schk_count),
    0,
    "a pipe of vnet0 is not in the jail's vnet",
  );
  t.is(
    inv(k, k.vnet0, () => k.V_dn_cfg().schk_count),
    2,
  );
  // Packets held in the jail's pipe go when its vnet does (VNET_SYSUNINIT),
  // and so does its callout.
  inv(k, pr.pr_vnet, () => {
    t.is(k.do_config(pipe_config_buf(k, 1, { bw: 10000, delay: 500 })), 0);
    for (let i = 0; i < 10; i++) {
      const a = fw_args(ip_pkt(k, 1000, i), 1, true);
      t.is(k.dummynet_io(a), 0);
      t.is(a.m, null);
    }
  });
  t.true(k.callout_count() > 0);
  t.is(k.sys_jail_remove(k.cred0, r.jid), 0);
  k.kern_run_until_idle();
  t.is(k.callout_count(), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  t.is(dn_config(k, pipe_config_buf(k, 1, { bw: 10000, delay: 100 })), 0);
  for (let i = 0; i < 20; i++) dn_send(k, ip_pkt(k, 1000, i), 1, true);
  t.true(k.callout_count() > 0);
  const flush = new Uint8Array(8);
  const dv = new DataView(flush.buffer);
  dv.setUint16(0, 8, true);
  dv.setUint8(2, k.DN_CMD_FLUSH);
  dv.setUint32(4, k.DN_API_VERSION, true);
  t.is(dn_config(k, flush), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  k.kern_run_until_idle();
  t.is(dn_config(k, pipe_config_buf(k, 1, { bw: 10000, delay: 100 })), 0);
  for (let i = 0; i < 5; i++) dn_send(k, ip_pkt(k, 1000, i), 1, true);
  const kf = k.sys_kldfind({ p_ucred: k.cred0 }, "dummynet");
  t.is(k.sys_kldunload({ p_ucred: k.cred0 }, kf.fileid), 0);
  t.is(k.callout_count(), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});


test.serial("the baseline build (no VIMAGE): the same closed form", async (t) => {
  const k = await loadKernel("novimage", 12);
  dn_load(k);
  const got = record_ip(k);
  t.is(dn_config(k, pipe_config_buf(k, 1, { bw: 2000000, delay: 10 })), 0);
  const t0 = k.nanouptime_ns();
  for (let i = 0; i < 4; i++) dn_send(k, ip_pkt(k, 1500, i), 1, true);
  k.kern_run_until_idle();
  // 1500 bytes at 2 Mbit/s: 6 ms each.
  t.deepEqual(
    got.map((a) => (a.ns - t0) / MS),
    [16, 22, 28, 34],
  );
  t.is(k.callout_count(), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
