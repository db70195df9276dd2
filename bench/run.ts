// npm run bench: the evaluation, VIMAGE against the baseline.
//
// Every part runs its workloads in piscina worker threads, each of which
// loads one kernel build (dist/<build>/bench-worker.mjs, found next to
// this file, so VIRTNET_DIST builds work too).  Runs alternate A, B, B, A,
// ... so that drift of the machine (frequency, other load) falls on both
// builds; each figure is the median of its rounds with a distribution-free
// 95 % interval, and the VIMAGE/baseline ratio with its interval
// (bench/stats.ts).  Rates are per CPU second of
// the worker thread where Linux tells it (bench/wl_util.ts), so the load
// of other programs does not show in them.  Nothing is asserted: targets
// are printed beside the figures.
//
//   node dist/bench.mjs [--quick] [--only PART[,PART...]] [--out DIR]
//
// Output: a table on stdout, a progress bar on stderr (plain lines when
// stderr is not a terminal), and in DIR (default bench-results/):
// results.json, report.md and SVG plots.
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { job, result } from "./worker.ts";
import { netns_bench, type netns_result } from "./netns.ts";
import { tap_bench_probe, tap_bench_round, tap_bench_unusable } from "./wl_tap.ts";
import { ecell, est, ratio, rstr, write_report, type fig, type run_info } from "./report.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------
// Command line.

interface options {
  quick: boolean;
  only: string[] | null;
  out: string;
  /** --scale-n: the N of the scale part (default 1000 quick; 1000, 10000). */
  scale_n: number[] | null;
}

const PARTS = ["micro", "fwd", "echo", "links", "bridge", "func", "mgmt", "idle", "scale", "imunes", "parallel", "netns", "tap", "tcp", "tcpfunc", "tcpidle", "tcpfwd", "dummynet", "ipfw"] as const;
type part_name = (typeof PARTS)[number];

function usage(): never {
  process.stderr.write(
    `usage: bench [--quick] [--only PART[,PART...]] [--out DIR] [--scale-n N[,N...]]\n` +
      `parts: ${PARTS.join(", ")}\n` +
      `  micro     mbuf and V_ access micro-benchmarks\n` +
      `  fwd       UDP through chains of H routers (forwarding), over IPv4 and IPv6\n` +
      `  echo      ICMP echo over lo0 by size (Fig. 6)\n` +
      `  links     frames across one hop: ng_bridge (2, 16 links), ng_pipe, epair\n` +
      `  bridge    frames through if_bridge(4): 2 and 16 members, known unicast and broadcast\n` +
      `  func      per-function cost with benchmark.js (Table 2)\n` +
      `  mgmt      management latency (Table 1)\n` +
      `  idle      one active vnet among idle ones, queue ablation (Fig. 4)\n` +
      `  scale     create and destroy N vnets: time and memory\n` +
      `  imunes    load an IMUNES topology of 1,000 PCs (10 lanswitches, 10 routers), every PC's first ping\n` +
      `  parallel  the same workload in 1 and 2 workers\n` +
      `  netns     Linux network namespaces (needs root)\n` +
      `  tap       a Linux namespace and a jail through tap0: RTT and echo rate (needs root, socat)\n` +
      `  tcp       bulk TCP over lo0 by lo0's MTU, 512..16384 B (Fig. 5)\n` +
      `  tcpfunc   tcp_input for a data segment and a pure ACK, ns per call by CPU time (Table 2)\n` +
      `  tcpidle   bulk TCP over lo0 in one active vnet among idle ones, queue ablation (Fig. 4 with TCP)\n` +
      `  tcpfwd    bulk TCP through one router (vnet jails joined by epairs)\n` +
      `  dummynet  a dummynet pipe's delivered rate against its setting; ns per packet through a pipe\n` +
      `  ipfw      ns per packet through ipfw: rulesets of 10, 100 and 1,000 rules, a table of 10,000 addresses\n` +
      `--scale-n: the vnet counts of the scale part (default 1000 with --quick,\n` +
      `  else 1000,10000; 100000 takes several minutes and ~6 GB: ask for it)\n`,
  );
  process.exit(2);
}

function parse_args(argv: string[]): options {
  const o: options = { quick: false, only: null, out: "bench-results", scale_n: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") o.quick = true;
    else if (a === "--only" || a === "--out" || a === "--scale-n") {
      const v = argv[++i];
      if (v === undefined) usage();
      if (a === "--out") o.out = v;
      else if (a === "--scale-n") o.scale_n = v.split(",").map(Number);
      else o.only = v.split(",").map((s) => s.trim());
    } else if (a.startsWith("--only=")) o.only = a.slice(7).split(",");
    else if (a.startsWith("--out=")) o.out = a.slice(6);
    else if (a === "--help" || a === "-h") usage();
    else {
      process.stderr.write(`bench: unknown argument ${a}\n`);
      usage();
    }
  }
  for (const p of o.only ?? []) {
    if (!(PARTS as readonly string[]).includes(p)) {
      process.stderr.write(`bench: no part named ${p}\n`);
      usage();
    }
  }
  return o;
}

// ---------------------------------------------------------------------------
// Progress.

class progress {
  private done = 0;
  private readonly t0 = Date.now();
  private readonly tty = process.stderr.isTTY === true;
  private last = "";
  constructor(private readonly total: number) {}
  advance(est: number, label: string): void {
    this.done += est;
    if (this.tty) this.draw(label);
  }
  /** A line of news: on a terminal it goes above the bar. */
  line(s: string): void {
    if (this.tty) process.stderr.write(`\r\x1b[K${s}\n`);
    else process.stderr.write(`${s}\n`);
    if (this.tty) this.draw(this.last);
  }
  private draw(label: string): void {
    this.last = label;
    const f = this.total > 0 ? Math.min(0.99, this.done / this.total) : 0;
    const width = 28;
    const n = Math.round(f * width);
    const el = (Date.now() - this.t0) / 1000;
    const left = f > 0.02 ? (el / f) * (1 - f) : NaN;
    const cols = process.stderr.columns ?? 100;
    let s = `[${"#".repeat(n)}${"-".repeat(width - n)}] ${(f * 100).toFixed(0).padStart(2)}% ${mmss(el)}${Number.isFinite(left) ? ` ~${mmss(left)} left` : ""}  ${label}`;
    if (s.length > cols - 1) s = s.slice(0, cols - 1);
    process.stderr.write(`\r\x1b[K${s}`);
  }
  finish(): void {
    if (this.tty) process.stderr.write("\r\x1b[K");
  }
}

function mmss(s: number): string {
  const m = Math.floor(s / 60);
  return `${m}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
}

// ---------------------------------------------------------------------------
// Workers and figures.

type build = "vimage" | "novimage";
const BUILDS: build[] = ["vimage", "novimage"];

function pool(b: build, threads = 1, max_old_mb = 0): Piscina {
  return new Piscina({
    filename: path.join(here, b, "bench-worker.mjs"),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1e9,
    resourceLimits: max_old_mb > 0 ? { maxOldGenerationSizeMb: max_old_mb } : undefined,
  });
}

interface ctx {
  o: options;
  p: progress;
  figs: fig[];
  notes: Record<string, string[]>;
  extra: Record<string, unknown>;
}

function fig_of(c: ctx, part: string, id: string, label: string, unit: string, better: "higher" | "lower", extra: Partial<fig> = {}): fig {
  let f = c.figs.find((x) => x.id === id);
  if (f === undefined) {
    f = { id, part, label, unit, better, samples: { vimage: [], novimage: [] }, ...extra };
    c.figs.push(f);
  }
  return f;
}

async function run_job(c: ctx, pl: Piscina, j: job, est: number, label: string): Promise<Record<string, number>> {
  const r = (await pl.run(j)) as result;
  c.p.advance(est, label);
  return r.v;
}

/**
 * One point measured on the given builds: a warm-up run each (discarded),
 * then `rounds` runs alternating the order of the builds.  `sink` files
 * each run's figures.
 */
async function measure(
  c: ctx,
  pools: Partial<Record<build, Piscina>>,
  builds: build[],
  mk: (b: build, warm: boolean) => job,
  rounds: number,
  est: number,
  label: string,
  sink: (b: build, v: Record<string, number>) => void,
  warm = 1,
): Promise<void> {
  for (let w = 0; w < warm; w++) for (const b of builds) await run_job(c, pools[b] as Piscina, mk(b, true), est * 3, `${label} (warm-up)`);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? builds : [...builds].reverse();
    for (const b of order) sink(b, await run_job(c, pools[b] as Piscina, mk(b, false), est, `${label} (${r + 1}/${rounds})`));
  }
}

function news(c: ctx, f: fig): void {
  const v = est(f, "vimage");
  const b = est(f, "novimage");
  const parts: string[] = [];
  if (v.na === null) parts.push(`VIMAGE ${ecell(v)}`);
  if (b.na === null) parts.push(`baseline ${ecell(b)}`);
  if (parts.length === 0) parts.push("n/a (no rounds)");
  const r = ratio(f);
  c.p.line(`  ${f.label}: ${parts.join(", ")} ${f.unit}${r.na === null ? `  V/B ${ecell(r, rstr)}` : ""}`);
}

// ---------------------------------------------------------------------------
// The parts.

interface part {
  name: part_name;
  title: string;
  estimate(o: options): number;
  run(c: ctx): Promise<void>;
}

const Q = (o: options, quick: number, full: number): number => (o.quick ? quick : full);
// Six rounds are the fewest whose [min, max] is a 95 % interval for the
// median (96.9 %); fewer decide no target.
const rounds_of = (o: options): number => Q(o, 6, 8);
const ms_of = (o: options): number => Q(o, 120, 350);
const tp_est = (o: options): number => ms_of(o) / 1000 + 0.02;

const fwd_H = (o: options): number[] => (o.quick ? [1, 2, 4, 8] : [1, 2, 3, 4, 6, 8, 12, 16]);
/** The chains' address families: IPv4 (issue 3) and IPv6 (issue 13). */
const FWD_AF = [4, 6] as const;
/** A chain's figure ids: fwd/fib/..., fwd/vnet/... over IPv4, fwd/fib6/..., fwd/vnet6/... over IPv6. */
const fwd_id = (mode: "vnet" | "fib", af: 4 | 6): string => `${mode}${af === 6 ? "6" : ""}`;
const fwd_group = (mode: "vnet" | "fib", af: 4 | 6): string => `${mode === "vnet" ? "vnet chain" : "FIB chain"}${af === 6 ? ", IPv6" : ""}`;
const fwd_what = (af: 4 | 6): string => (af === 4 ? "UDP 64 B" : "UDP over IPv6 64 B");
const echo_sizes = (o: options): number[] => (o.quick ? [64, 1024, 8192] : [64, 128, 256, 512, 1024, 2048, 4096, 8192]);
/** The pipe rates of the dummynet part. */
const DN_BWS: readonly (readonly [number, string])[] = [
  [64000, "64 kbit/s"],
  [1000000, "1 Mbit/s"],
  [7000000, "7 Mbit/s"],
  [100000000, "100 Mbit/s"],
];
const idle_N = (o: options): number[] => (o.quick ? [0, 16, 128, 1024] : [0, 16, 128, 1024, 10000]);
const scale_N = (o: options): number[] => o.scale_n ?? (o.quick ? [1000] : [1000, 10000]);
const netns_N = (o: options): number[] => (o.quick ? [100] : [100, 1000]);
const LINKS: [string, string][] = [
  ["epair", "epair hop (if_transmit to the peer's ether_input)"],
  ["vlan", "epair hop between two vlan(4)s (tag in, tag off, vlan_input)"],
  ["bridge2", "ng_bridge, 2 links, known unicast"],
  ["bridge16", "ng_bridge, 16 links, known unicast"],
  ["bridge16bc", "ng_bridge, 16 links, broadcast to 15"],
  ["pipe", "ng_pipe, nothing configured"],
  ["pipe_queued", "ng_pipe, through its queues (BER 10^12)"],
];
const BRIDGES: [string, string][] = [
  ["2", "if_bridge, 2 members, known unicast"],
  ["16", "if_bridge, 16 members, known unicast"],
  ["16bc", "if_bridge, 16 members, broadcast to 15"],
];
const tcp_mtus = (o: options): number[] => (o.quick ? [512, 1500, 4096, 16384] : [512, 1024, 1500, 2048, 4096, 8192, 16384]);
/**
 * Warm a TCP workload until its rate settles: V8 compiles TCP's large
 * functions (tcp_do_segment, tcp_output) on background threads, which a
 * loaded machine starves, so a fixed warm-up leaves the first points on
 * colder code than the last.  Runs until two runs in a row agree within
 * 3 % (at least 3, at most 12 runs).
 */
async function tcp_warm(c: ctx, pl: Piscina, j: job, est: number, label: string): Promise<void> {
  let last = NaN;
  for (let i = 0; i < 12; i++) {
    const v = (await run_job(c, pl, j, est, label)).gbps;
    if (i >= 2 && Math.abs(v - last) <= 0.03 * Math.max(v, last)) return;
    last = v;
  }
}
const tcpidle_N = (o: options): number[] => (o.quick ? [0, 64, 128, 1024] : [0, 16, 64, 128, 1024, 10000]);
/** Table 2's tcp_input rows, and the preparations subtracted from them. */
const TCP_FUNCS: [string, string][] = [
  ["prepare_data", "prepare a data segment (m_getcl + copy of 1,500 B + m_freem)"],
  ["tcp_input_data", "tcp_input(), in-order data segment (1,460 B)"],
  ["prepare_ack", "prepare a pure ACK (m_getcl + copy + m_freem, 2 clusters for the send buffer)"],
  ["tcp_input_ack", "tcp_input(), pure ACK of 2 segments (tcp_output sends 2 more)"],
];
const FUNCS = ["ether_input", "ip_input", "ip6_input", "ip_tryforward", "ip6_tryforward", "ip6_forward", "ip_output", "icmp_input", "icmp_reflect", "udp_input"];

const parts: part[] = [
  {
    name: "micro",
    title: "Micro-benchmarks of the kernel core",
    estimate: (o) => 4 * 2 * (Q(o, 6, 10) + 1) * Q(o, 0.04, 0.12) + 1,
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage"), novimage: pool("novimage") };
      const list: [string, number, build[], string][] = [
        ["mbuf_get_free", Q(o, 2_000_000, 5_000_000), BUILDS, "m_gethdr + m_free"],
        ["m_pullup_2mbuf", Q(o, 500_000, 2_000_000), BUILDS, "m_pullup(m, 20) of an 8+12 byte chain"],
        ["vnet_counter_inc", Q(o, 20_000_000, 50_000_000), BUILDS, "V_ counter increment (IPSTAT_INC)"],
        ["vnet_create_destroy", Q(o, 1_000, 5_000), ["vimage"], "bare vnet_alloc + vnet_destroy"],
      ];
      for (const [name, n, builds, label] of list) {
        const f = fig_of(c, "micro", `micro/${name}`, label, "ns/op", "lower");
        await measure(c, pools, builds, () => ({ op: "micro", args: { name, n } }), Q(o, 6, 10), 0.03, `micro: ${name}`, (b, v) => f.samples[b].push(v.ns));
        news(c, f);
      }
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "fwd",
    title: "UDP through chains of routers (forwarding), over IPv4 and IPv6",
    estimate: (o) => 2 * (fwd_H(o).length * (2 + 1) * (rounds_of(o) + 3) * tp_est(o) + 12 * tp_est(o) + 6),
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage"), novimage: pool("novimage") };
      const ms = ms_of(o);
      // Warm the JIT on the whole path first, so that the first points are
      // not measured on colder code than the last.
      for (const af of FWD_AF) {
        for (const b of BUILDS) await run_job(c, pools[b], { op: "fwd", args: { mode: "fib", H: 4, ms: 4 * ms, af } }, 4 * tp_est(o), "fwd: warm-up");
        await run_job(c, pools.vimage, { op: "fwd", args: { mode: "vnet", H: 4, ms: 4 * ms, af } }, 4 * tp_est(o), "fwd: warm-up");
      }
      // Each IPv6 row right after its IPv4 twin.
      for (const H of fwd_H(o)) {
        for (const mode of ["fib", "vnet"] as const) {
          for (const af of FWD_AF) {
            const builds: build[] = mode === "vnet" ? ["vimage"] : BUILDS;
            const id = fwd_id(mode, af);
            const group = fwd_group(mode, af);
            const ref = (m: string) => (mode === "vnet" ? { ref: `fwd/${fwd_id("fib", af)}/${m}/${H}` } : {});
            const fp = fig_of(c, "fwd", `fwd/${id}/pps/${H}`, `${fwd_what(af)}, ${fwd_group(mode, 4)}, H=${H}: end to end`, "pkt/s", "higher", { x: H, group, metric: "pps", ...ref("pps") });
            const fh = fig_of(c, "fwd", `fwd/${id}/hps/${H}`, `${fwd_what(af)}, ${fwd_group(mode, 4)}, H=${H}: handlings`, "handl/s", "higher", { x: H, group, metric: "hps", ...ref("hps") });
            await measure(c, pools, builds, (_b, warm) => ({ op: "fwd", args: { mode, H, ms: warm ? 3 * ms : ms, af } }), rounds_of(o), tp_est(o), `fwd: ${group} H=${H}`, (b, v) => {
              fp.samples[b].push(v.pps);
              fh.samples[b].push(v.hps);
            });
            news(c, fp);
          }
        }
      }
      // The heap check.
      for (const mode of ["fib", "vnet"] as const) {
        for (const af of FWD_AF) {
          const builds: build[] = mode === "vnet" ? ["vimage"] : BUILDS;
          const id = fwd_id(mode, af);
          const group = fwd_group(mode, af);
          const fa = fig_of(c, "fwd", `fwd/${id}/alloc`, `heap allocated per datagram, ${group}, H=1, socket to socket`, "B/pkt", "lower", { metric: "alloc" });
          const fk = fig_of(c, "fwd", `fwd/${id}/kalloc`, `heap allocated per datagram, ${group}, H=1, ${af === 4 ? "ip_output" : "ip6_output"} to socket buffer`, "B/pkt", "lower", { metric: "alloc" });
          await measure(c, pools, builds, () => ({ op: "fwd_alloc", args: { mode, H: 1, n: Q(o, 20000, 50000), af } }), 1, 1, `fwd: heap check ${group}`, (b, v) => {
            fa.samples[b].push(v.bytes);
            fk.samples[b].push(v.kernel_bytes);
          }, 0);
          news(c, fa);
          news(c, fk);
        }
      }
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "echo",
    title: "ICMP echo over lo0 by size (Fig. 6)",
    estimate: (o) => echo_sizes(o).length * 2 * (rounds_of(o) + 3) * tp_est(o) + 8 * tp_est(o) + 3,
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage"), novimage: pool("novimage") };
      const ms = ms_of(o);
      for (const b of BUILDS) await run_job(c, pools[b], { op: "echo", args: { size: 1024, ms: 4 * ms } }, 4 * tp_est(o), "echo: warm-up");
      for (const size of echo_sizes(o)) {
        const f = fig_of(c, "echo", `echo/${size}`, `ICMP echo over lo0, ${size} B of data`, "echo/s", "higher", { x: size, group: "lo0 echo" });
        await measure(c, pools, BUILDS, (_b, warm) => ({ op: "echo", args: { size, ms: warm ? 3 * ms : ms } }), rounds_of(o), tp_est(o), `echo: ${size} B`, (b, v) => f.samples[b].push(v.rate));
        news(c, f);
      }
      const fa = fig_of(c, "echo", "echo/alloc", "heap allocated per echo (64 B), socket to socket", "B/echo", "lower", { metric: "alloc" });
      const fk = fig_of(c, "echo", "echo/kalloc", "heap allocated per echo (64 B), ip_output to socket buffer", "B/echo", "lower", { metric: "alloc" });
      await measure(c, pools, BUILDS, () => ({ op: "echo_alloc", args: { size: 64, n: Q(o, 20000, 50000) } }), 1, 1, "echo: heap check", (b, v) => {
        fa.samples[b].push(v.bytes);
        fk.samples[b].push(v.kernel_bytes);
      }, 0);
      news(c, fa);
      news(c, fk);
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "links",
    title: "Frames across one hop: netgraph (ng_bridge, ng_pipe) against epair",
    estimate: (o) => LINKS.length * 2 * (rounds_of(o) + 3) * tp_est(o) + 10 * tp_est(o) + 4,
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage"), novimage: pool("novimage") };
      const ms = ms_of(o);
      for (const b of BUILDS) for (const [kind] of LINKS) await run_job(c, pools[b], { op: "link", args: { kind, ms } }, tp_est(o), "links: warm-up");
      for (const [kind, label] of LINKS) {
        const f = fig_of(c, "links", `links/${kind}`, `64 B frames, ${label}`, "frame/s", "higher", { group: "links" });
        await measure(c, pools, BUILDS, (_b, warm) => ({ op: "link", args: { kind, ms: warm ? 3 * ms : ms } }), rounds_of(o), tp_est(o), `links: ${kind}`, (b, v) => f.samples[b].push(v.rate));
        news(c, f);
      }
      const ep = c.figs.find((x) => x.id === "links/epair");
      const notes: string[] = ["Each frame is a fresh mbuf freed at the far end. Target: a netgraph hop within 1.5x the cost of an epair hop, i.e. at least 2/3 of the epair's frame rate."];
      for (const b of BUILDS) {
        const e = ep === undefined ? NaN : est(ep, b).point;
        for (const [kind, label] of LINKS) {
          if (kind === "epair" || kind === "vlan") continue;
          const f = c.figs.find((x) => x.id === `links/${kind}`);
          const v = f === undefined ? NaN : est(f, b).point;
          if (!Number.isFinite(e) || !Number.isFinite(v)) continue;
          // A broadcast is 15 hops at once: its cost is per copy delivered.
          const copies = kind === "bridge16bc" ? 15 : 1;
          const cost = e / v / copies;
          const line = `${b}: ${label}: ${cost.toFixed(2)}x the cost of an epair hop${copies > 1 ? ` per copy (${(e / v).toFixed(1)}x per frame)` : ""} (${cost <= 1.5 ? "within" : "over"} 1.5x)`;
          notes.push(line);
          c.p.line(`  ${line}`);
        }
      }
      for (const kind of ["bridge2", "pipe", "pipe_queued", "epair", "vlan"] as const) {
        const fa = fig_of(c, "links", `links/${kind}/alloc`, `heap allocated per frame, ${kind}`, "B/frame", "lower", { metric: "alloc" });
        await measure(c, pools, BUILDS, () => ({ op: "link_alloc", args: { kind, n: Q(o, 20000, 50000) } }), 1, 1, `links: heap check ${kind}`, (b, v) => fa.samples[b].push(v.bytes), 0);
        news(c, fa);
      }
      c.notes.links = notes;
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "bridge",
    title: "Frames through if_bridge(4), 2 and 16 members",
    estimate: (o) => BRIDGES.length * 2 * (rounds_of(o) + 3) * tp_est(o) + 6 * tp_est(o) + 4,
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage"), novimage: pool("novimage") };
      const ms = ms_of(o);
      for (const b of BUILDS) for (const [kind] of BRIDGES) await run_job(c, pools[b], { op: "bridge", args: { kind, ms } }, tp_est(o), "bridge: warm-up");
      for (const [kind, label] of BRIDGES) {
        const f = fig_of(c, "bridge", `bridge/${kind}`, `64 B frames, ${label}`, "frame/s", "higher", { group: "bridge" });
        await measure(c, pools, BUILDS, (_b, warm) => ({ op: "bridge", args: { kind, ms: warm ? 3 * ms : ms } }), rounds_of(o), tp_est(o), `bridge: ${kind}`, (b, v) => f.samples[b].push(v.rate));
        news(c, f);
      }
      const notes: string[] = [
        "Each frame is a fresh mbuf sent on a member's far side and freed at the far side of the member it is forwarded to (epair, bridge_input, bridge_forward, epair).",
        "The broadcast's heap figure is the copies': bridge_input and bridge_broadcast copy with m_dup (and m_copyup), whose byte copies take a subarray view each (about 96 B, kern/uipc_mbuf.ts); the unicast path allocates no more than a bare epair hop.",
      ];
      const ep = c.figs.find((x) => x.id === "links/epair");
      for (const b of BUILDS) {
        const e = ep === undefined ? NaN : est(ep, b).point;
        for (const [kind, label] of BRIDGES) {
          const f = c.figs.find((x) => x.id === `bridge/${kind}`);
          const v = f === undefined ? NaN : est(f, b).point;
          if (!Number.isFinite(v)) continue;
          const line = Number.isFinite(e) ? `${b}: ${label}: ${(e / v).toFixed(2)}x the cost of one epair hop per frame` : `${b}: ${label}: ${Math.round(v)} frame/s`;
          notes.push(line);
          c.p.line(`  ${line}`);
        }
      }
      for (const [kind] of BRIDGES) {
        const fa = fig_of(c, "bridge", `bridge/${kind}/alloc`, `heap allocated per frame, if_bridge ${kind}`, "B/frame", "lower", { metric: "alloc" });
        await measure(c, pools, BUILDS, () => ({ op: "bridge_alloc", args: { kind, n: Q(o, 20000, 50000) } }), 1, 1, `bridge: heap check ${kind}`, (b, v) => fa.samples[b].push(v.bytes), 0);
        news(c, fa);
      }
      c.notes.bridge = notes;
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "func",
    title: "Per-function cost with benchmark.js (Table 2)",
    estimate: (o) => (FUNCS.length + 1) * 2 * (Q(o, 3, 6) + 1) * (Q(o, 0.1, 0.4) * 2 + 0.15) + FUNCS.length * 2 * 0.7,
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage"), novimage: pool("novimage") };
      const max_time = Q(o, 0.1, 0.4);
      const est = max_time * 2 + 0.15;
      const all = ["prepare", ...FUNCS];
      // Warm every function on both builds first (JIT), then measure.
      for (const fn of all) for (const b of BUILDS) await run_job(c, pools[b], { op: "func", args: { fn, max_time: max_time / 2 } }, est, `func: ${fn} (warm-up)`);
      for (const fn of all) {
        const f = fig_of(c, "func", `func/${fn}`, fn === "prepare" ? "prepare a packet (m_gethdr + copy + m_freem)" : `${fn}()`, "ns/call", "lower", { group: fn });
        const rme = fig_of(c, "func", `func/${fn}/rme`, `${fn}: benchmark.js margin of error`, "%", "lower", { metric: "rme" });
        await measure(c, pools, BUILDS, () => ({ op: "func", args: { fn, max_time } }), Q(o, 3, 6), est, `func: ${fn}`, (b, v) => {
          f.samples[b].push(v.ns);
          rme.samples[b].push(v.rme);
        }, 0);
        news(c, f);
      }
      // The heap check: what one call allocates once warm.
      for (const fn of FUNCS) {
        const fa = fig_of(c, "func", `func/${fn}/alloc`, `${fn}(): heap allocated per call`, "B/call", "lower", { group: fn, metric: "alloc" });
        await measure(c, pools, BUILDS, () => ({ op: "func_alloc", args: { fn, n: 100_000 } }), 1, 0.7, `func: heap check ${fn}`, (b, v) => fa.samples[b].push(v.bytes), 0);
        news(c, fa);
      }
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "mgmt",
    title: "Management latency (Table 1)",
    estimate: (o) => 2 * (rounds_of(o) + 1) * (Q(o, 200, 500) * 0.0008 + 5 * Q(o, 200, 1000) * 0.00005) + 2,
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage"), novimage: pool("novimage") };
      const ops: [string, number, [string, string][]][] = [
        ["jail", Q(o, 200, 500), [["create_us", "create a vnet jail (jail -c vnet persist)"], ["remove_us", "delete it (jail -r)"]]],
        ["ifmove", Q(o, 200, 1000), [["move_us", "move an interface into a jail (ifconfig IF vnet J)"], ["reclaim_us", "take it back (ifconfig IF -vnet J)"]]],
        ["jexec", Q(o, 500, 2000), [["attach_us", "attach a process (jexec: jail_attach)"]]],
        ["sysctl_set", Q(o, 500, 2000), [["us", "change a parameter (sysctl net.inet.ip.forwarding=1 in J)"]]],
        ["sysctl_stats", Q(o, 500, 2000), [["us", "fetch statistics (sysctl net.inet.ip.stats in J)"]]],
      ];
      for (const [what, n, figs] of ops) {
        const fs_ = figs.map(([k, label]) => [k, fig_of(c, "mgmt", `mgmt/${what}/${k}`, label, "us", "lower", { group: what })] as const);
        const builds: build[] = what === "ifmove" ? ["vimage"] : BUILDS;
        await measure(c, pools, builds, () => ({ op: "mgmt", args: { what, n } }), rounds_of(o), n * (what === "jail" ? 0.0008 : 0.00005), `mgmt: ${what}`, (b, v) => {
          for (const [k, f] of fs_) f.samples[b].push(v[k]);
        });
        for (const [, f] of fs_) news(c, f);
      }
      c.notes.mgmt = [
        "On the baseline build a jail has no vnet: jail -c makes a plain persistent jail, the parameter is changed from the host (a plain jail may not change it), and interfaces cannot move (there are no vnets).",
      ];
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "idle",
    title: "One active vnet among idle ones, and the input-queue ablation (Fig. 4)",
    estimate: (o) => idle_N(o).reduce((s, N) => s + 3 * (N === 0 ? 2 : 1) * (rounds_of(o) + 3) * tp_est(o) + N * 0.0008, 0),
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage", 1, 4096), novimage: pool("novimage") };
      const ms = ms_of(o);
      for (const b of BUILDS) {
        await run_job(c, pools[b], { op: "idle", args: { N: 0, ms: 4 * ms } }, 4 * tp_est(o), "idle: warm-up");
        for (const pervnet of [false, true]) await run_job(c, pools[b], { op: "ablation", args: { N: 0, pervnet, ms: 2 * ms } }, 2 * tp_est(o), "idle: warm-up");
      }
      let have = 0;
      for (const N of idle_N(o)) {
        const builds: build[] = N === 0 ? BUILDS : ["vimage"];
        // Make the idle vnets outside the timed runs.
        if (N > have) {
          await run_job(c, pools.vimage, { op: "idle", args: { N, ms: 1 } }, (N - have) * 0.0008, `idle: creating ${N} idle vnet jails`);
          have = N;
        }
        const series: [string, string, (b: build, warm: boolean) => job][] = [
          ["kernel", "kernel (netisr: one shared queue)", (_b, warm) => ({ op: "idle", args: { N, ms: warm ? 3 * ms : ms } })],
          ["shared", "model: one shared queue, O(1)", (_b, warm) => ({ op: "ablation", args: { N, pervnet: false, ms: warm ? 3 * ms : ms } })],
          ["pervnet", "model: a queue per vnet polled in turn, O(N)", (_b, warm) => ({ op: "ablation", args: { N, pervnet: true, ms: warm ? 3 * ms : ms } })],
        ];
        for (const [key, group, mk] of series) {
          const f = fig_of(c, "idle", `idle/${key}/${N}`, `UDP 64 B over lo0 in the active vnet, ${group}, ${N} idle`, "pkt/s", "higher", { x: N, group });
          await measure(c, pools, builds, mk, rounds_of(o), tp_est(o), `idle: ${key} N=${N}`, (b, v) => f.samples[b].push(v.rate));
          news(c, f);
        }
      }
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "scale",
    title: "Creating and destroying N vnets",
    estimate: (o) => scale_N(o).reduce((s, N) => s + N * (N >= 100000 ? 0.003 : 0.0012) + 1, 0),
    async run(c) {
      const o = c.o;
      const total_mb = os.totalmem() / 2 ** 20;
      for (const N of scale_N(o)) {
        // About 60 KB of heap per vnet: leave room, and skip what cannot fit.
        const need_mb = Math.ceil((N * 90_000) / 2 ** 20) + 512;
        if (need_mb > total_mb * 0.7) {
          (c.notes.scale ??= []).push(`N=${N}: skipped, needs about ${need_mb} MB of heap, the machine has ${Math.round(total_mb)} MB.`);
          c.p.advance(N * 0.003, "scale: skipped");
          continue;
        }
        const pl = pool("vimage", 1, Math.max(need_mb, 2048));
        const keys: [string, string, string][] = [
          ["create_us", "create (vnet jail + its epair end), per vnet", "us"],
          ["destroy_us", "destroy (jail -r, epair destroy), per vnet", "us"],
          ["jail_us", "of which: jail -c vnet persist", "us"],
          ["epair_us", "of which: epair create + move, per vnet", "us"],
          ["bytes_per_vnet", "memory per vnet (JS heap + ArrayBuffers)", "B"],
          ["leak_bytes_per_vnet", "memory left per vnet after destroying all", "B"],
        ];
        const figs = keys.map(([k, label, unit]) => [k, fig_of(c, "scale", `scale/${k}/${N}`, `N=${N}: ${label}`, unit, "lower", { x: N, group: k })] as const);
        try {
          const v = await run_job(c, pl, { op: "scale", args: { N, epair: true } }, N * (N >= 100000 ? 0.003 : 0.0012), `scale: N=${N}`);
          for (const [k, f] of figs) f.samples.vimage.push(v[k]);
          const cd = fig_of(c, "scale", `scale/create_destroy_us/${N}`, `N=${N}: create + destroy, per vnet`, "us", "lower", { x: N, group: "create_destroy_us" });
          cd.samples.vimage.push(v.create_us + v.destroy_us);
          for (const [, f] of figs.slice(0, 2)) news(c, f);
          news(c, figs[4][1]);
        } catch (e) {
          (c.notes.scale ??= []).push(`N=${N}: failed: ${(e as Error).message}`);
          c.p.line(`  scale N=${N}: failed: ${(e as Error).message}`);
        }
        await pl.destroy();
      }
      (c.notes.scale ??= []).unshift("VIMAGE only: the baseline has one stack. One run per N, in a fresh worker.");
    },
  },
  {
    name: "imunes",
    title: "An IMUNES topology of 1,000 PCs on 10 lanswitches behind 10 routers",
    estimate: (o) => Q(o, 2, 6) * 12 + 2,
    async run(c) {
      const o = c.o;
      // VIMAGE only: nodes are vnet jails.  A fresh worker per round, so
      // that each load starts from a kernel as booted.
      const R = 10;
      const P = 100;
      const keys: [string, string, string][] = [
        ["load_s", "load (imunes -b: jails, eifaces, bridges, pipes, addresses, routes), wall clock", "s"],
        ["load_cpu_s", "load, CPU time of the worker thread", "s"],
        ["load_mb", "memory after the load (JS heap + ArrayBuffers)", "MB"],
        ["bytes_per_node", "memory per node (1,020 nodes)", "B"],
        ["pings_s", "every PC's first ping to the PC behind the next router, wall clock", "s"],
        ["pings_cpu_s", "every PC's first ping, CPU time of the worker thread", "s"],
        ["ping_ms_each", "of which, per PC (himage + ARP on every hop + the echo)", "ms"],
        ["pings_ok", "pings answered (of 1,000)", ""],
      ];
      const figs = keys.map(([k, label, unit]) => [k, fig_of(c, "imunes", `imunes/${k}`, label, unit, k === "pings_ok" ? "higher" : "lower", { group: k })] as const);
      // Six rounds in a full run: the fewest whose [min, max] decides the
      // target at 95 %.
      for (let r = 0; r < Q(o, 2, 6); r++) {
        const pl = pool("vimage", 1, 4096);
        try {
          const v = await run_job(c, pl, { op: "imunes", args: { routers: R, pcs: P } }, 12, `imunes: round ${r + 1}`);
          for (const [k, f] of figs) f.samples.vimage.push(v[k]);
        } catch (e) {
          (c.notes.imunes ??= []).push(`round ${r + 1}: failed: ${(e as Error).message}`);
          c.p.line(`  imunes: failed: ${(e as Error).message}`);
        } finally {
          await pl.destroy();
        }
      }
      for (const [, f] of figs) news(c, f);
      (c.notes.imunes ??= []).unshift("VIMAGE only (nodes are vnet jails). Wall-clock and worker-thread CPU times; one fresh worker per round. Target: loaded in under 5 s.");
    },
  },
  {
    name: "parallel",
    title: "The same workload in 1 and 2 workers",
    estimate: (o) => 2 * 2 * (rounds_of(o) + 3) * tp_est(o) + 2,
    async run(c) {
      const o = c.o;
      const ms = ms_of(o);
      const pools = { vimage: pool("vimage", 2), novimage: pool("novimage", 2) };
      // Wall-clock rates here: the question is what two threads get done
      // together on this machine.
      const j: job = { op: "fwd", args: { mode: "fib", H: 1, ms, wall: true } };
      const f1 = fig_of(c, "parallel", "parallel/1", "UDP 64 B, FIB chain H=1: 1 worker", "pkt/s", "higher", { x: 1, group: "parallel" });
      const f2 = fig_of(c, "parallel", "parallel/2", "UDP 64 B, FIB chain H=1: 2 workers, total", "pkt/s", "higher", { x: 2, group: "parallel" });
      // Both threads of each pool build their chain and warm up.
      const jw: job = { op: "fwd", args: { mode: "fib", H: 1, ms: 3 * ms, wall: true } };
      for (const b of BUILDS) await Promise.all([run_job(c, pools[b], jw, 3 * tp_est(o), "parallel: warm-up"), run_job(c, pools[b], jw, 0, "")]);
      for (let r = 0; r < rounds_of(o); r++) {
        const order = r % 2 === 0 ? BUILDS : [...BUILDS].reverse();
        for (const b of order) {
          const one = await run_job(c, pools[b], j, tp_est(o), `parallel: 1 worker (${r + 1})`);
          f1.samples[b].push(one.pps);
          const two = await Promise.all([run_job(c, pools[b], j, tp_est(o), `parallel: 2 workers (${r + 1})`), run_job(c, pools[b], j, 0, "")]);
          f2.samples[b].push(two[0].pps + two[1].pps);
        }
      }
      news(c, f1);
      news(c, f2);
      c.notes.parallel = [`Each worker is a thread with its own kernel; the machine has ${os.cpus().length} CPUs. Rates here are wall-clock (the others are per CPU second), so load from other programs shows.`];
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "netns",
    title: "Linux network namespaces on this machine",
    estimate: (o) => netns_N(o).reduce((s, N) => s + N * 0.014, 0) + (o.quick ? 0 : 100 * 0.25),
    async run(c) {
      const o = c.o;
      c.p.advance(0, "netns: ip netns add/del");
      // One `ip` process per command as well (a shell loop), in the full run.
      const r: netns_result = netns_bench(netns_N(o), o.quick ? [] : [100]);
      c.p.advance(netns_N(o).reduce((s, N) => s + N * 0.014, 0) + 2, "netns: done");
      c.extra.netns = r;
      if (r.skipped !== null) {
        c.p.line(`  netns: ${r.skipped}`);
        c.notes.netns = [r.skipped];
        return;
      }
      for (const x of r.runs) {
        for (const [k, label, unit] of [
          ["add_ms", "ip netns add", "ms"],
          ["del_ms", "ip netns del", "ms"],
          ["kb_per_ns", "memory", "KB"],
        ] as const) {
          const f = fig_of(c, "netns", `netns/${x.mode}/${k}/${x.N}`, `N=${x.N}, ${x.mode}: ${label}, per namespace`, unit, "lower", { x: x.N, group: `${x.mode} ${k}` });
          f.samples.vimage.push(x[k]);
        }
        c.p.line(`  netns N=${x.N} (${x.mode}): add ${x.add_ms.toFixed(2)} ms, del ${x.del_ms.toFixed(2)} ms, ${x.kb_per_ns.toFixed(0)} KB per namespace`);
      }
      c.notes.netns = ["Linux figures are in the VIMAGE column for want of another: they are the host kernel's, not a VirtNet build's. MemAvailable is machine-wide and noisy."];
    },
  },
  {
    name: "tap",
    title: "A Linux namespace and a jail through tap0 (real Linux TAP, socat relay)",
    estimate: (o) => 2 * rounds_of(o) * 10,
    async run(c) {
      const o = c.o;
      const why = tap_bench_unusable() ?? tap_bench_probe();
      if (why !== null) {
        c.p.line(`  tap: ${why}`);
        c.notes.tap = [why];
        return;
      }
      const bin = path.join(here, "..", "bin", "virtnet.mjs");
      const n_rtt = Q(o, 300, 1000);
      const n_flood = Q(o, 2000, 10000);
      const fm = fig_of(c, "tap", "tap/rtt/median", `ping RTT Linux to jail through tap0 (${n_rtt} echoes, 2 ms apart): median`, "ms", "lower", { group: "tap rtt" });
      const fp = fig_of(c, "tap", "tap/rtt/p99", "ping RTT Linux to jail through tap0: 99th percentile", "ms", "lower", { group: "tap rtt" });
      const fr = fig_of(c, "tap", "tap/echo_rate", `flood ping Linux to jail through tap0 (${n_flood} echoes)`, "echo/s", "higher", { group: "tap rate" });
      for (let r = 0; r < rounds_of(o); r++) {
        const order = r % 2 === 0 ? BUILDS : [...BUILDS].reverse();
        for (const b of order) {
          const x = await tap_bench_round(bin, b, n_rtt, n_flood);
          c.p.advance(10, `tap: ${b} (${r + 1}/${rounds_of(o)})`);
          fm.samples[b].push(x.rtt_median_ms);
          fp.samples[b].push(x.rtt_p99_ms);
          fr.samples[b].push(x.echo_rate);
        }
      }
      news(c, fm);
      news(c, fp);
      news(c, fr);
      c.notes.tap = [
        "Each round is a fresh `unshare -n` namespace and a fresh `virtnet run` of the build. Wall-clock figures: Linux's ping, socat's copies and the UDP relay on 127.0.0.1 are part of them, and so is the load of other programs. On the baseline tap0 stays in the one stack (no vnet jail).",
      ];
    },
  },
  {
    name: "tcp",
    title: "Bulk TCP over lo0 by lo0's MTU (Fig. 5)",
    estimate: (o) => tcp_mtus(o).length * (2 * (rounds_of(o) + 8) * tp_est(o) + 0.5) + 3,
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage"), novimage: pool("novimage") };
      const ms = ms_of(o);
      // Warm the JIT on every segment size first (a connection per MTU),
      // and each point again before its rounds.
      for (const b of BUILDS) for (const mtu of [...tcp_mtus(o)].reverse()) await tcp_warm(c, pools[b], { op: "tcp_lo0", args: { mtu, ms } }, tp_est(o), "tcp: warm-up");
      const mss: string[] = [];
      for (const mtu of tcp_mtus(o)) {
        const f = fig_of(c, "tcp", `tcp/lo0/${mtu}`, `TCP over lo0, MTU ${mtu} B: payload per CPU second`, "Gbit/s", "higher", { x: mtu, group: "lo0 TCP" });
        let seen = 0;
        let stalls = 0;
        await measure(c, pools, BUILDS, (_b, warm) => ({ op: "tcp_lo0", args: { mtu, ms: warm ? 3 * ms : ms } }), rounds_of(o), tp_est(o), `tcp: MTU ${mtu}`, (b, v) => {
          f.samples[b].push(v.gbps);
          seen = v.mss;
          stalls = Math.max(stalls, v.stalls);
        }, 2);
        mss.push(`${mtu}: ${seen}${stalls > 0 ? ` (${stalls.toFixed(1)} rounds per 1000 waited for a timer)` : ""}`);
        news(c, f);
      }
      const fa = fig_of(c, "tcp", "tcp/alloc", "heap allocated per segment, MTU 16384, socket to socket", "B/seg", "lower", { metric: "alloc" });
      await measure(c, pools, BUILDS, () => ({ op: "tcp_alloc", args: { where: "lo0", rounds: Q(o, 2000, 5000) } }), 1, 1, "tcp: heap check", (b, v) => fa.samples[b].push(v.bytes), 0);
      news(c, fa);
      c.notes.tcp = [
        `The connection's MSS by lo0 MTU: ${mss.join(", ")}.`,
        "Socket buffers at FreeBSD's defaults (net.inet.tcp.sendspace 32 KB, recvspace 64 KB, autosizing on); CUBIC; both ends on the worker's one thread, as on Zec's one CPU. lo0 marks checksums verified, so no checksum is computed (as on FreeBSD).",
        "The socket-to-socket heap figure is the socket layer's (uiomove's subarray views, one per mbuf each way), not TCP's: see tcpfunc for tcp_input's own.",
      ];
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "tcpfunc",
    title: "tcp_input per call, by CPU time (Table 2's TCP rows)",
    estimate: (o) => 2 * TCP_FUNCS.length * 2 * (rounds_of(o) + 1) * tp_est(o) + 4 * 2 * 0.7,
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage"), novimage: pool("novimage") };
      const ms = ms_of(o);
      // Sequence numbers below 2^31 (V8's small integers) and above: kept
      // as int32 by the stack, the high half must cost what the low does.
      for (const seq of ["low", "high"]) for (const [fn] of TCP_FUNCS) for (const b of BUILDS) await run_job(c, pools[b], { op: "tfunc", args: { fn, ms, seq } }, tp_est(o), `tcpfunc: ${fn} (warm-up)`);
      for (const seq of ["low", "high"]) {
        for (const [fn, label] of TCP_FUNCS) {
          const hi = seq === "high";
          const f = fig_of(c, "tcpfunc", `tcpfunc/${fn}${hi ? "/high" : ""}`, hi ? `${label}, sequence numbers above 2^31` : label, "ns/call", "lower", { group: hi ? `${fn} (high)` : fn });
          await measure(c, pools, BUILDS, () => ({ op: "tfunc", args: { fn, ms, seq } }), rounds_of(o), tp_est(o), `tcpfunc: ${fn}${hi ? " (high)" : ""}`, (b, v) => f.samples[b].push(v.ns), 0);
          news(c, f);
        }
      }
      for (const seq of ["low", "high"]) {
        for (const fn of ["tcp_input_data", "tcp_input_ack"]) {
          const hi = seq === "high";
          const fa = fig_of(c, "tcpfunc", `tcpfunc/${fn}/alloc${hi ? "/high" : ""}`, `${fn}: heap allocated per call, sequence numbers ${hi ? "above" : "below"} 2^31`, "B/call", "lower", { group: fn, metric: "alloc" });
          await measure(c, pools, BUILDS, () => ({ op: "tfunc_alloc", args: { fn, n: Q(o, 20_000, 100_000), seq } }), 1, 0.7, `tcpfunc: heap check ${fn} (${seq})`, (b, v) => fa.samples[b].push(v.bytes), 0);
          news(c, fa);
        }
      }
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "tcpidle",
    title: "Bulk TCP over lo0 in one active vnet among idle ones, and the input-queue ablation (Fig. 4 with TCP)",
    estimate: (o) => tcpidle_N(o).reduce((s, N) => s + 3 * (N === 0 ? 2 : 1) * (rounds_of(o) + 3) * tp_est(o) + N * 0.0008, 0),
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage", 1, 4096), novimage: pool("novimage") };
      const ms = ms_of(o);
      for (const b of BUILDS) for (const queue of ["kernel", "shared", "pervnet"]) await tcp_warm(c, pools[b], { op: "tcp_idle", args: { N: 0, queue, ms } }, tp_est(o), "tcpidle: warm-up");
      let have = 0;
      for (const N of tcpidle_N(o)) {
        const builds: build[] = N === 0 ? BUILDS : ["vimage"];
        if (N > have) {
          await run_job(c, pools.vimage, { op: "tcp_idle", args: { N, queue: "kernel", ms: 1 } }, (N - have) * 0.0008, `tcpidle: creating ${N} idle vnet jails`);
          have = N;
        }
        const series: [string, string][] = [
          ["kernel", "kernel (netisr: one shared queue)"],
          ["shared", "model: one shared queue, O(1)"],
          ["pervnet", "model: a queue per vnet polled in turn, O(N)"],
        ];
        for (const [queue, group] of series) {
          const f = fig_of(c, "tcpidle", `tcpidle/${queue}/${N}`, `TCP over lo0 (MTU 16384) in the active vnet, ${group}, ${N} idle`, "Gbit/s", "higher", { x: N, group });
          await measure(c, pools, builds, (_b, warm) => ({ op: "tcp_idle", args: { N, queue, ms: warm ? 3 * ms : ms } }), rounds_of(o), tp_est(o), `tcpidle: ${queue} N=${N}`, (b, v) => f.samples[b].push(v.gbps));
          news(c, f);
        }
      }
      c.notes.tcpidle = [
        "Zec's Fig. 4 as he measured it: loopback TCP throughput of one active instance while idle ones exist. The active vnet is a vnet jail (VIMAGE) or the one stack (baseline, N = 0 only). In the model rows lo0's output hands each segment, marked as looutput marks it, to the modelled queue (the idle part's: one shared queue, or a queue per vnet polled in turn, one packet per vnet per pass) instead of netisr; ip_input and everything above it are the kernel's.",
      ];
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "tcpfwd",
    title: "Bulk TCP through one router (vnet jails joined by epairs)",
    estimate: (o) => (rounds_of(o) + 3) * tp_est(o) + 3,
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage") };
      const ms = ms_of(o);
      await tcp_warm(c, pools.vimage, { op: "tcp_fwd", args: { ms } }, tp_est(o), "tcpfwd: warm-up");
      const f = fig_of(c, "tcpfwd", "tcpfwd/1", "TCP A -> R -> B (epairs, MTU 1500): payload per CPU second", "Gbit/s", "higher", { x: 1, group: "tcpfwd" });
      await measure(c, pools, ["vimage"], (_b, warm) => ({ op: "tcp_fwd", args: { ms: warm ? 3 * ms : ms } }), rounds_of(o), tp_est(o), "tcpfwd: H=1", (b, v) => f.samples[b].push(v.gbps));
      news(c, f);
      const fa = fig_of(c, "tcpfwd", "tcpfwd/alloc", "heap allocated per segment through the router, socket to socket", "B/seg", "lower", { metric: "alloc" });
      await measure(c, pools, ["vimage"], () => ({ op: "tcp_alloc", args: { where: "fwd", rounds: Q(o, 2000, 5000) } }), 1, 1, "tcpfwd: heap check", (b, v) => fa.samples[b].push(v.bytes), 0);
      news(c, fa);
      c.notes.tcpfwd = [
        "VIMAGE only: A, R and B are vnet jails (A's and B's sockets in their own stacks, R forwarding with ip_tryforward), the CPU of all three on the worker's one thread. The baseline has one stack: a connection between two of its own addresses never leaves lo0 (in_localip knows no FIBs), so it has no router to go through. epair does not offload checksums: each segment is checksummed in software at A and verified at B.",
      ];
      await pools.vimage.destroy();
    },
  },
  {
    name: "dummynet",
    title: "dummynet: a pipe's rate against its setting, and the cost of a packet through it",
    estimate: (o) => DN_BWS.length * 2 * (rounds_of(o) + 1) * 0.3 + 2 * (rounds_of(o) + 1) * tp_est(o) + 2,
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage"), novimage: pool("novimage") };
      for (const [bw, label] of DN_BWS) {
        const f = fig_of(c, "dummynet", `dummynet/rate/${bw}`, `delivered rate / setting, ${label}, 1500 B backlogged`, "ratio", "higher", { group: "dummynet rate" });
        await measure(c, pools, BUILDS, () => ({ op: "dn_rate", args: { bw, ms: Q(o, 2000, 10000) } }), 1, 0.3, `dummynet: rate ${label}`, (b, v) => f.samples[b].push(v.ratio), 0);
        news(c, f);
      }
      const fc = fig_of(c, "dummynet", "dummynet/cost", "wall ns per 1500 B packet through a 1 Gbit/s pipe", "ns/pkt", "lower");
      await measure(c, pools, BUILDS, () => ({ op: "dn_cost", args: { ms: ms_of(o) } }), rounds_of(o), tp_est(o), "dummynet: cost", (b, v) => fc.samples[b].push(v.ns));
      news(c, fc);
      c.notes.dummynet = [
        "The rate runs on the virtual clock and are exact for a seed: FreeBSD's credit arithmetic (bits*hz, the fraction carried to the next packet) delivers the setting to within one packet over the run; one round per build.",
      ];
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
  {
    name: "ipfw",
    title: "ipfw: the per-packet cost of a ruleset, and of a table lookup",
    estimate: (o) => IPFW_SETS.length * 2 * (rounds_of(o) + 1) * tp_est(o) + 10,
    async run(c) {
      const o = c.o;
      const pools = { vimage: pool("vimage"), novimage: pool("novimage") };
      for (const [rules, table, label] of IPFW_SETS) {
        const f = fig_of(c, "ipfw", `ipfw/${label.replace(/[^0-9a-z]+/g, "_")}`, `wall ns per 64 B UDP packet through the inet pfil head, ${label}`, "ns/pkt", "lower", { group: "ipfw" });
        await measure(c, pools, BUILDS, () => ({ op: "ipfw_cost", args: { rules, table, ms: ms_of(o) } }), rounds_of(o), tp_est(o), `ipfw: ${label}`, (b, v) => f.samples[b].push(v.ns));
        news(c, f);
      }
      c.notes.ipfw = [
        "ipfw_check_packet and ipfw_chk as ip_input calls them through the inet pfil head, inbound on epair0a, for one 64 B UDP datagram used again: the missing rules are `deny udp from 10.x.y.1 to any` (each looks at the protocol and the source), the passing one `allow udp from any to any` or `allow udp from table(1) to any` (an addr table, radix). Loaded by the ipfw program from a rules file (`ipfw -q FILE`).",
      ];
      await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
    },
  },
];

/** The ipfw part's rulesets: missing rules before the passing one, table size, label. */
const IPFW_SETS: [number, number, string][] = [
  [0, 0, "default rule and one allow"],
  [10, 0, "10 rules"],
  [100, 0, "100 rules"],
  [1000, 0, "1,000 rules"],
  [0, 10000, "a table of 10,000 addresses"],
];

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parse_args(process.argv.slice(2));
  const chosen = parts.filter((p) => o.only === null || o.only.includes(p.name));
  const total = chosen.reduce((s, p) => s + p.estimate(o), 0);
  const info: run_info = {
    date: new Date().toISOString(),
    mode: o.quick ? "quick" : "full",
    parts: chosen.map((p) => p.name),
    cpu: os.cpus()[0]?.model ?? "?",
    cpus: os.cpus().length,
    mem_gb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    seconds: 0,
    load: [os.loadavg()[0], 0],
  };
  process.stdout.write(`VirtNet benchmark: VIMAGE vs baseline, ${info.mode} run (${info.parts.join(", ")})\n`);
  process.stdout.write(`machine: ${info.cpu} x${info.cpus}, ${info.mem_gb} GB, ${info.os}, node ${info.node}, ${info.date}, load ${info.load[0].toFixed(1)}\n\n`);
  const c: ctx = { o, p: new progress(total), figs: [], notes: {}, extra: {} };
  const t0 = Date.now();
  for (const p of chosen) {
    c.p.line(`${p.name}: ${p.title}`);
    try {
      await p.run(c);
    } catch (e) {
      // The report says what went wrong; the stack trace is for stderr.
      (c.notes[p.name] ??= []).push(`failed: ${e instanceof Error ? e.message : String(e)}`);
      c.p.line(`${p.name}: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }
  c.p.finish();
  info.seconds = (Date.now() - t0) / 1000;
  info.load[1] = os.loadavg()[0];
  const table = write_report(o.out, info, c.figs, c.notes, c.extra, parts.filter((p) => chosen.includes(p)).map((p) => ({ name: p.name, title: p.title })));
  process.stdout.write(table);
  process.stdout.write(`\n${info.seconds.toFixed(0)} s.  Results: ${path.join(o.out, "results.json")}, ${path.join(o.out, "report.md")}, ${path.join(o.out, "*.svg")}\n`);
}

await main();
