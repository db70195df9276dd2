// The benchmark's outputs: results.json (every sample), report.md (tables
// per part, the targets, Zec's published figures beside ours) and SVG
// plots, all in the folder the user named; and the table printed on stdout.
import fs from "node:fs";
import path from "node:path";
import { BOOT_RESAMPLES, BOOT_SEED, LEVEL, decide, decide_all, median_ci, ratio_bootstrap, ratio_paired, scaled, type decision, type estimate, type goal } from "./stats.ts";
import { bar_plot, line_plot, type series } from "./svg.ts";

/** One figure: samples per build (the baseline is "novimage"), one per
 *  round, in the order of the rounds. */
export interface fig {
  id: string;
  part: string;
  label: string;
  unit: string;
  better: "higher" | "lower";
  samples: { vimage: number[]; novimage: number[] };
  x?: number;
  group?: string;
  metric?: string;
  /** A figure measured on VIMAGE only whose V/B is taken against this
   *  other figure's baseline (the vnet chain against the FIB chain). */
  ref?: string;
}

export interface run_info {
  date: string;
  mode: string;
  parts: string[];
  cpu: string;
  cpus: number;
  mem_gb: number;
  node: string;
  os: string;
  seconds: number;
  /** 1-minute load average at the start and the end (other work on the
   *  machine shows here). */
  load: [number, number];
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** A ratio: three decimals. */
export function rstr(r: number): string {
  return Number.isFinite(r) ? r.toFixed(3) : "n/a";
}

const pct = (p: number) => `${(p * 100).toFixed(p >= 0.995 || p < 0.1 ? 0 : 1)} %`;

/** The interval of an estimate: "[lo, hi]", its confidence when it is
 *  below the report's level, or why there is none. */
export function interval(e: estimate, f: (x: number) => string = fmt): string {
  if (e.na !== null) return `n/a: ${e.na}`;
  if (e.n < 2) return "n/a: one round";
  const s = `[${f(e.lo)}, ${f(e.hi)}]`;
  return e.level < LEVEL - 1e-12 ? `${s} (${pct(e.level)})` : s;
}

/** An estimate as one cell: "point [lo, hi]". */
export function ecell(e: estimate, f: (x: number) => string = fmt): string {
  if (e.na !== null) return `n/a (${e.na})`;
  if (e.n < 2) return `${f(e.point)} (one round)`;
  return `${f(e.point)} ${interval(e, f)}`;
}

let all_figs = new Map<string, fig>();

/** VIMAGE and baseline medians with their intervals. */
export function est(f: fig, b: "vimage" | "novimage"): estimate {
  const e = median_ci(f.samples[b]);
  if (e.na !== null && b === "novimage" && f.samples.vimage.length > 0) return { ...e, na: "VIMAGE only" };
  if (e.na !== null && b === "vimage" && f.samples.novimage.length > 0) return { ...e, na: "baseline only" };
  return e;
}

/** V/B: per-round ratios where both builds ran in the same rounds, else
 *  (a figure against another's baseline) a bootstrap of the ratio of the
 *  medians. */
export function ratio(f: fig): estimate {
  const na = (why: string): estimate => ({ n: 0, point: NaN, lo: NaN, hi: NaN, level: 0, method: "none", na: why });
  if (f.samples.vimage.length === 0) return na(f.samples.novimage.length === 0 ? "no rounds" : "baseline only");
  if (f.samples.novimage.length === 0) {
    if (f.ref === undefined) return na("VIMAGE only");
    const base = all_figs.get(f.ref);
    if (base === undefined || base.samples.novimage.length === 0) return na("its baseline figure was not measured");
    return ratio_bootstrap(f.samples.vimage, base.samples.novimage);
  }
  return ratio_paired(f.samples.vimage, f.samples.novimage);
}

function rounds(f: fig): string {
  const nv = f.samples.vimage.length;
  const nb = f.samples.novimage.length;
  return nb === 0 || nb === nv ? String(nv) : nv === 0 ? String(nb) : `${nv}/${nb}`;
}

function rcell(f: fig): string {
  const r = ratio(f);
  const s = ecell(r, rstr);
  return r.method === "bootstrap" ? `${s}*` : s;
}

const byid = (figs: fig[]) => new Map(figs.map((f) => [f.id, f]));

// ---------------------------------------------------------------------------
// Targets.

export interface target_row {
  target: string;
  figure: string;
  /** The estimate with its interval (for a group: the range of them). */
  value: string;
  verdict: decision["verdict"];
  why: string;
}

const GOAL_RATIO: goal = { op: "<=", value: 1.05 };
/** Issue 14's target for TCP: VIMAGE within 3 % of the baseline. */
const GOAL_TCP_VB: goal = { op: "within", lo: 0.97, hi: 1.03 };

/** Per-packet cost ratio VIMAGE/baseline: for rates, the inverse of V/B. */
function cost_ratio(f: fig): estimate {
  const r = ratio(f);
  if (f.better !== "higher" || r.na !== null) return r;
  return { ...r, point: 1 / r.point, lo: 1 / r.hi, hi: 1 / r.lo };
}

function row(target: string, figure: string, e: estimate, g: goal, f: (x: number) => string = fmt, unit = ""): target_row {
  const d = decide(e, g);
  return { target, figure, value: `${ecell(e, f)}${unit !== "" && e.na === null ? ` ${unit}` : ""}`, verdict: d.verdict, why: d.why };
}

function group_row(target: string, figure: string, es: estimate[], g: goal, f: (x: number) => string): target_row {
  const d = decide_all(es.map((e) => decide(e, g)));
  const ok = es.filter((e) => e.na === null);
  const value =
    ok.length === 0
      ? `n/a (${es[0]?.na ?? "nothing measured"})`
      : `${ok.length} figures, medians ${f(Math.min(...ok.map((e) => e.point)))} to ${f(Math.max(...ok.map((e) => e.point)))}; intervals within [${f(Math.min(...ok.map((e) => e.lo)))}, ${f(Math.max(...ok.map((e) => e.hi)))}]`;
  return { target, figure, value, verdict: d.verdict, why: d.why };
}

export function targets(figs: fig[]): target_row[] {
  const m = byid(figs);
  const out: target_row[] = [];
  const vc = m.get("micro/vnet_counter_inc");
  if (vc !== undefined) out.push(row("V_ access ratio <= 1.05", "V_ counter increment, VIMAGE/baseline ns", ratio(vc), GOAL_RATIO, rstr));
  const groups: [string, (f: fig) => boolean][] = [
    ["UDP through the FIB chain, every H (cost per packet)", (f) => f.part === "fwd" && f.id.startsWith("fwd/fib/pps/")],
    ["UDP over IPv6 through the FIB chain, every H (cost per packet)", (f) => f.part === "fwd" && f.id.startsWith("fwd/fib6/pps/")],
    ["ICMP echo over lo0, every size (cost per echo)", (f) => f.part === "echo" && f.x !== undefined],
    ["Table 2 functions (ns per call)", (f) => f.part === "func" && f.metric === undefined && f.group !== "prepare"],
  ];
  for (const [what, sel] of groups) {
    const fs_ = figs.filter(sel);
    if (fs_.length === 0) continue;
    out.push(group_row("per-packet cost ratio <= 1.05, every figure", what, fs_.map(cost_ratio), GOAL_RATIO, rstr));
  }
  const idle = figs.filter((f) => f.id.startsWith("idle/kernel/")).sort((a, b) => (a.x ?? 0) - (b.x ?? 0));
  if (idle.length > 1) {
    const f0 = idle[0];
    const es = idle.slice(1).map((f) => ratio_bootstrap(f.samples.vimage, f0.samples.vimage));
    out.push(group_row(`rate within 3 % of N = ${f0.x ?? 0}, every N`, `UDP over lo0 in the active vnet, ${idle[1].x} to ${idle[idle.length - 1].x} idle (rate at N / rate at ${f0.x ?? 0})`, es, { op: "within", lo: 0.97, hi: 1.03 }, rstr));
  }
  const lo = figs.filter((f) => f.id.startsWith("tcp/lo0/")).sort((a, b) => (a.x ?? 0) - (b.x ?? 0));
  if (lo.length > 0) out.push(group_row("V/B within 3 % (0.97 to 1.03), every MTU", `Fig. 5: TCP over lo0, MTU ${lo[0].x} to ${lo[lo.length - 1].x}`, lo.map((f) => ratio(f)), GOAL_TCP_VB, rstr));
  const ti = figs.filter((f) => f.part === "tcpfunc" && f.metric === undefined && (f.group ?? "").startsWith("tcp_input"));
  if (ti.length > 0) out.push(group_row("V/B within 3 % (0.97 to 1.03), every row", "Table 2: tcp_input, data segment and pure ACK (ns per call)", ti.map((f) => ratio(f)), GOAL_TCP_VB, rstr));
  const t16 = m.get("tcp/lo0/16384");
  if (t16 !== undefined) {
    for (const b of ["vimage", "novimage"] as const) {
      out.push(row(">= 2 Gbit/s of payload per CPU second", `TCP over lo0, MTU 16384, ${b === "vimage" ? "VIMAGE" : "baseline"}`, est(t16, b), { op: ">=", value: 2 }, fmt, "Gbit/s"));
    }
  }
  const tidle = figs.filter((f) => f.id.startsWith("tcpidle/kernel/")).sort((a, b) => (a.x ?? 0) - (b.x ?? 0));
  if (tidle.length > 1) {
    const f0 = tidle[0];
    const es = tidle.slice(1).map((f) => ratio_bootstrap(f.samples.vimage, f0.samples.vimage));
    out.push(group_row(`rate within 3 % of N = ${f0.x ?? 0}, every N`, `TCP over lo0 in the active vnet, ${tidle[1].x} to ${tidle[tidle.length - 1].x} idle (rate at N / rate at ${f0.x ?? 0})`, es, { op: "within", lo: 0.97, hi: 1.03 }, rstr));
  }
  for (const f of figs.filter((f) => f.id.startsWith("scale/create_destroy_us/"))) {
    out.push(row("create+destroy <= 20 us", `vnet jail with lo0 and an epair end, N=${f.x}`, est(f, "vimage"), { op: "<=", value: 20 }, fmt, "us"));
  }
  const jc = m.get("mgmt/jail/create_us");
  const jr = m.get("mgmt/jail/remove_us");
  if (jc !== undefined && jr !== undefined) {
    // Create and remove come from the same run: their per-round sums.
    const n = Math.min(jc.samples.vimage.length, jr.samples.vimage.length);
    const sums = jc.samples.vimage.slice(0, n).map((x, i) => x + jr.samples.vimage[i]);
    out.push(row("create+destroy <= 20 us", "Table 1: jail -c vnet + jail -r", median_ci(sums), { op: "<=", value: 20 }, fmt, "us"));
  }
  const bare = m.get("micro/vnet_create_destroy");
  if (bare !== undefined) out.push(row("create+destroy <= 20 us", "bare vnet_alloc + vnet_destroy", scaled(est(bare, "vimage"), 1 / 1000), { op: "<=", value: 20 }, fmt, "us"));
  for (const f of figs.filter((f) => f.id.startsWith("scale/bytes_per_vnet/"))) {
    out.push(row("<= 16 KB per idle vnet", `vnet jail with lo0 and an epair end, N=${f.x}`, scaled(est(f, "vimage"), 1 / 1024), { op: "<=", value: 16 }, (x) => x.toFixed(1), "KB"));
  }
  const il = m.get("imunes/load_s");
  if (il !== undefined) out.push(row("1,000-node topology loaded in < 5 s", "imunes -b of 1,000 PCs, 10 lanswitches, 10 routers (wall clock)", est(il, "vimage"), { op: "<=", value: 5 }, fmt, "s"));
  const ic = m.get("imunes/load_cpu_s");
  if (ic !== undefined) out.push(row("1,000-node topology loaded in < 5 s", "the same, CPU time of the worker thread", est(ic, "vimage"), { op: "<=", value: 5 }, fmt, "s"));
  for (const mode of ["vnet", "fib", "vnet6", "fib6"]) {
    const hs = figs.filter((f) => f.id.startsWith(`fwd/${mode}/hps/`));
    if (hs.length === 0) continue;
    out.push(
      group_row(
        ">= 1,000,000 packet handlings/s per core (VIMAGE), every H",
        `UDP${mode.endsWith("6") ? " over IPv6" : ""} through the ${mode.startsWith("vnet") ? "vnet" : "FIB"} chain, H=${hs[0].x}..${hs[hs.length - 1].x}`,
        hs.map((f) => est(f, "vimage")),
        { op: ">=", value: 1e6 },
        fmt,
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------
// Plots.

function pts(fs: fig[], b: "vimage" | "novimage", xmap: (x: number) => number = (x) => x, scale = 1): series["points"] {
  return fs
    .filter((f) => f.x !== undefined && f.samples[b].length > 0)
    .map((f) => {
      const e = median_ci(f.samples[b]);
      return e.n >= 2 ? { x: xmap(f.x as number), y: e.point * scale, ymin: e.lo * scale, ymax: e.hi * scale } : { x: xmap(f.x as number), y: e.point * scale };
    });
}

/** Ratio points (V/B per figure) with their intervals. */
function rpts(fs: fig[], r: (f: fig) => estimate = ratio): series["points"] {
  return fs
    .filter((f) => f.x !== undefined)
    .map((f) => ({ f, e: r(f) }))
    .filter(({ e }) => e.na === null)
    .map(({ f, e }) => (e.n >= 2 ? { x: f.x as number, y: e.point, ymin: e.lo, ymax: e.hi } : { x: f.x as number, y: e.point }));
}

/** The line under a plot's title: what the points and bars are. */
function plot_note(fs: fig[], what = "medians", bars = false): string {
  const ns = fs.flatMap((f) => [f.samples.vimage.length, f.samples.novimage.length]).filter((n) => n > 0);
  if (ns.length === 0) return "no rounds";
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  const n = lo === hi ? `${lo}` : `${lo} to ${hi}`;
  return `${bars ? "bars" : "points"}: ${what}; ${bars ? "whiskers" : "bars"}: their ${Math.round(LEVEL * 100)} % intervals (lower where rounds are too few); ${n} round${hi === 1 ? "" : "s"} per ${bars ? "bar" : "point"}`;
}

/** Zec 2003's Table 2, virtualized / stock cycles per call. */
export const ZEC_T2_RATIO: Record<string, number> = {
  ip_input: 224 / 144,
  ip_output: 502 / 492,
  icmp_input: 504 / 660,
  icmp_reflect: 181 / 153,
};
/** Zec 2003's Table 1, microseconds. */
export const ZEC_T1_US: Record<string, number> = {
  "mgmt/jail/create_us": 212,
  "mgmt/jail/remove_us": 72,
  "mgmt/ifmove/move_us": 47,
  "mgmt/jexec/attach_us": 20,
  "mgmt/sysctl_set/us": 21,
  "mgmt/sysctl_stats/us": 25,
};
/** Zec 2003, Fig. 6: the virtualized kernel up to 5.7 % faster at ICMP echo. */
export const ZEC_FIG6_RATIO = 1.057;
/** Zec 2003, Fig. 4: % of the throughput with no idle instance, a private
 *  queue per instance polled in turn (O(N)); with one shared queue it was flat. */
export const ZEC_FIG4_PERVNET: [number, number][] = [
  [0, 100],
  [64, 70],
  [128, 16],
];
/** Zec 2003, Fig. 5: the virtualized kernel's lo0 TCP throughput about
 *  93 % of the stock one's at MTU 1500 (the curves nearly overlap). */
export const ZEC_FIG5_RATIO: [number, number] = [1500, 0.93];
/** Zec 2003's Table 2, tcp_input: virtualized / stock cycles. */
export const ZEC_T2_TCP: Record<string, [number, number]> = {
  tcp_input_data: [4978, 5263],
  tcp_input_ack: [2280, 2471],
};
export const ZEC = "Zec 2003";
/** Short names of Table 1's operations, for the plot. */
const T1_SHORT: Record<string, string> = {
  "mgmt/jail/create_us": "create",
  "mgmt/jail/remove_us": "delete",
  "mgmt/ifmove/move_us": "move an interface",
  "mgmt/ifmove/reclaim_us": "take it back",
  "mgmt/jexec/attach_us": "attach a process",
  "mgmt/sysctl_set/us": "change a parameter",
  "mgmt/sysctl_stats/us": "fetch statistics",
};

export function plots(figs: fig[]): Record<string, string> {
  const out: Record<string, string> = {};
  const sel = (p: string) => figs.filter((f) => f.id.startsWith(p)).sort((a, b) => (a.x ?? 0) - (b.x ?? 0));
  const vpps = sel("fwd/vnet/pps/");
  const fpps = sel("fwd/fib/pps/");
  if (vpps.length + fpps.length > 0) {
    const s: series[] = [
      { name: "VIMAGE, vnet chain", points: pts(vpps, "vimage") },
      { name: "VIMAGE, FIB chain", points: pts(fpps, "vimage") },
      { name: "baseline, FIB chain", points: pts(fpps, "novimage") },
    ];
    const vpps6 = sel("fwd/vnet6/pps/");
    const fpps6 = sel("fwd/fib6/pps/");
    if (vpps6.length + fpps6.length > 0) {
      s.push(
        { name: "VIMAGE, vnet chain, IPv6", points: pts(vpps6, "vimage") },
        { name: "VIMAGE, FIB chain, IPv6", points: pts(fpps6, "vimage") },
        { name: "baseline, FIB chain, IPv6", points: pts(fpps6, "novimage") },
      );
    }
    const vh = sel("fwd/vnet/hps/");
    const budget = vh.length > 0 ? median_ci(vh[0].samples.vimage).point : NaN;
    if (Number.isFinite(budget) && budget > 0) {
      s.push({ name: "budget/(H+2) (CORE's model, from VIMAGE vnet chain H=1)", dashed: true, points: vpps.map((f) => ({ x: f.x as number, y: budget / ((f.x as number) + 2) })) });
    }
    out["forwarding-pps.svg"] = line_plot(s, { title: "UDP 64 B end to end through H routers", note: plot_note(vpps.concat(fpps, vpps6, fpps6)), xlabel: "routers H", ylabel: "datagrams per second", ylog: true });
    const hs: series[] = [
      { name: "VIMAGE, vnet chain", points: pts(sel("fwd/vnet/hps/"), "vimage") },
      { name: "VIMAGE, FIB chain", points: pts(sel("fwd/fib/hps/"), "vimage") },
      { name: "baseline, FIB chain", points: pts(sel("fwd/fib/hps/"), "novimage") },
      ...(vpps6.length + fpps6.length > 0
        ? [
            { name: "VIMAGE, vnet chain, IPv6", points: pts(sel("fwd/vnet6/hps/"), "vimage") },
            { name: "VIMAGE, FIB chain, IPv6", points: pts(sel("fwd/fib6/hps/"), "vimage") },
            { name: "baseline, FIB chain, IPv6", points: pts(sel("fwd/fib6/hps/"), "novimage") },
          ]
        : []),
      { name: "target: 1,000,000 /s", dashed: true, points: fpps.concat(vpps).map((f) => ({ x: f.x as number, y: 1e6 })) },
    ];
    out["forwarding-handlings.svg"] = line_plot(hs, { title: "Packet handlings per second (one core)", note: plot_note(vpps.concat(fpps)), xlabel: "routers H", ylabel: "handlings per second (pkt/s x (H+2))" });
  }
  const echo = sel("echo/").filter((f) => f.x !== undefined);
  if (echo.length > 0) {
    const xticks = echo.map((f) => ({ x: f.x as number, label: String(f.x) }));
    out["fig6-lo0-echo.svg"] = line_plot(
      [
        { name: "VIMAGE", points: pts(echo, "vimage") },
        { name: "baseline", points: pts(echo, "novimage") },
      ],
      { title: "Fig. 6: ICMP echo over lo0 (ping -f)", note: plot_note(echo), xlabel: "ICMP data bytes", ylabel: "echo replies per second", xlog: true, xticks },
    );
    const xs = echo.map((f) => f.x as number);
    out["fig6-lo0-echo-ratio.svg"] = line_plot(
      [
        { name: "VIMAGE / baseline", points: rpts(echo) },
        { name: "parity", dashed: true, points: xs.map((x) => ({ x, y: 1 })) },
        { name: `${ZEC}: VIMAGE up to 5.7 % faster`, ref: true, points: xs.map((x) => ({ x, y: ZEC_FIG6_RATIO })) },
      ],
      { title: "Fig. 6: ICMP echo rate, VIMAGE / baseline", note: plot_note(echo, "medians of the per-round ratios"), xlabel: "ICMP data bytes", ylabel: "echo rate ratio (above 1: VIMAGE faster)", xlog: true, ymin0: false, xticks },
    );
  }
  const idle_groups: [string, string][] = [
    ["idle/kernel/", "kernel: netisr, one shared queue"],
    ["idle/shared/", "model: one shared queue, O(1)"],
    ["idle/pervnet/", "model: a queue per vnet polled in turn, O(N)"],
  ];
  const idle_s: series[] = [];
  const idle_f: fig[] = [];
  let ticks: { x: number; label: string }[] = [];
  for (const [p, name] of idle_groups) {
    const fs_ = sel(p);
    if (fs_.length === 0) continue;
    const r0 = median_ci(fs_[0].samples.vimage).point;
    if (!(Number.isFinite(r0) && r0 > 0)) continue;
    idle_s.push({ name, points: pts(fs_, "vimage", (x) => (x === 0 ? 1 : x), 100 / r0) });
    idle_f.push(...fs_);
    ticks = fs_.map((f) => ({ x: f.x === 0 ? 1 : (f.x as number), label: String(f.x) }));
  }
  if (idle_s.length > 0) {
    idle_s.push({ name: "97 %", dashed: true, points: ticks.map((t) => ({ x: t.x, y: 97 })) });
    const lo = Math.min(...ticks.map((t) => t.x));
    const hi = Math.max(...ticks.map((t) => t.x));
    const zec = ZEC_FIG4_PERVNET.map(([x, y]) => ({ x: x === 0 ? 1 : x, y })).filter((p) => p.x >= lo && p.x <= hi);
    if (zec.length > 0) idle_s.push({ name: `${ZEC}: a queue per instance, O(N)`, ref: true, points: zec });
    idle_s.push({ name: `${ZEC}: one queue, O(1) (flat)`, ref: true, points: [{ x: lo, y: 100 }, { x: Math.min(hi, 128), y: 100 }] });
    out["fig4-idle.svg"] = line_plot(idle_s, { title: "Fig. 4: one active vnet, N idle vnets (VIMAGE)", note: plot_note(idle_f), xlabel: "idle vnets N", ylabel: "% of the rate with no idle vnet", xlog: true, xticks: ticks });
  }
  const lo = sel("tcp/lo0/").filter((f) => f.x !== undefined);
  if (lo.length > 0) {
    const xticks = lo.map((f) => ({ x: f.x as number, label: String(f.x) }));
    out["fig5-lo0-tcp.svg"] = line_plot(
      [
        { name: "VIMAGE", points: pts(lo, "vimage") },
        { name: "baseline", points: pts(lo, "novimage") },
        { name: "target: 2 Gbit/s", dashed: true, points: lo.map((f) => ({ x: f.x as number, y: 2 })) },
      ],
      { title: "Fig. 5: TCP over lo0 by lo0's MTU", note: plot_note(lo), xlabel: "lo0 MTU (bytes)", ylabel: "payload, Gbit per CPU second", xlog: true, xticks },
    );
    const xs = lo.map((f) => f.x as number);
    out["fig5-lo0-tcp-ratio.svg"] = line_plot(
      [
        { name: "VIMAGE / baseline", points: rpts(lo) },
        { name: "target: within 3 %", dashed: true, points: xs.map((x) => ({ x, y: 0.97 })) },
        { name: "parity", dashed: true, points: xs.map((x) => ({ x, y: 1 })) },
        { name: `${ZEC}: about 93 % at MTU 1500`, ref: true, points: [{ x: ZEC_FIG5_RATIO[0], y: ZEC_FIG5_RATIO[1] }] },
      ],
      { title: "Fig. 5: TCP over lo0, VIMAGE / baseline", note: plot_note(lo, "medians of the per-round ratios"), xlabel: "lo0 MTU (bytes)", ylabel: "throughput ratio (above 1: VIMAGE faster)", xlog: true, ymin0: false, xticks },
    );
  }
  const tidle_s: series[] = [];
  const tidle_f: fig[] = [];
  let tticks: { x: number; label: string }[] = [];
  for (const [p, name] of [
    ["tcpidle/kernel/", "kernel: netisr, one shared queue"],
    ["tcpidle/shared/", "model: one shared queue, O(1)"],
    ["tcpidle/pervnet/", "model: a queue per vnet polled in turn, O(N)"],
  ] as const) {
    const fs_ = sel(p);
    if (fs_.length === 0) continue;
    const r0 = median_ci(fs_[0].samples.vimage).point;
    if (!(Number.isFinite(r0) && r0 > 0)) continue;
    tidle_s.push({ name, points: pts(fs_, "vimage", (x) => (x === 0 ? 1 : x), 100 / r0) });
    tidle_f.push(...fs_);
    tticks = fs_.map((f) => ({ x: f.x === 0 ? 1 : (f.x as number), label: String(f.x) }));
  }
  if (tidle_s.length > 0) {
    const lo_x = Math.min(...tticks.map((t) => t.x));
    const hi_x = Math.max(...tticks.map((t) => t.x));
    const zec = ZEC_FIG4_PERVNET.map(([x, y]) => ({ x: x === 0 ? 1 : x, y })).filter((p) => p.x >= lo_x && p.x <= hi_x);
    if (zec.length > 0) tidle_s.push({ name: `${ZEC}: a queue per instance, O(N)`, ref: true, points: zec });
    tidle_s.push({ name: `${ZEC}: one queue, O(1) (flat)`, ref: true, points: [{ x: lo_x, y: 100 }, { x: Math.min(hi_x, 128), y: 100 }] });
    out["tcpidle-fig4.svg"] = line_plot(tidle_s, { title: "Fig. 4 with TCP: one active vnet, N idle vnets (VIMAGE)", note: plot_note(tidle_f), xlabel: "idle vnets N", ylabel: "% of the throughput with no idle vnet", xlog: true, xticks: tticks });
  }
  const fn = figs.filter((f) => f.part === "func" && f.metric === undefined);
  if (fn.length > 0) {
    const values = (f: fig) =>
      (["vimage", "novimage"] as const).map((b) => {
        const e = median_ci(f.samples[b]);
        return e.n >= 2 ? { y: e.point, ymin: e.lo, ymax: e.hi } : { y: e.point };
      });
    out["table2-functions.svg"] = bar_plot(
      fn.map((f) => ({ label: f.group ?? f.id, values: values(f) })),
      ["VIMAGE", "baseline"],
      { title: "Table 2: ns per call (inclusive of callees)", note: plot_note(fn, "medians", true), ylabel: "ns per call" },
    );
    const fr = fn.filter((f) => f.group !== "prepare");
    out["table2-ratio.svg"] = bar_plot(
      fr.map((f) => {
        const e = ratio(f);
        return { label: f.group ?? f.id, values: [e.n >= 2 ? { y: e.point, ymin: e.lo, ymax: e.hi } : { y: e.point }], ref: ZEC_T2_RATIO[f.group ?? ""] };
      }),
      ["VIMAGE / baseline, ns per call"],
      { title: "Table 2: cost per call, VIMAGE / baseline", note: plot_note(fr, "medians of the per-round ratios", true), ylabel: "ratio (above 1: VIMAGE slower)", hline: { y: 1, label: "parity" }, ref_label: `${ZEC}: virtualized / stock cycles` },
    );
  }
  const mg = figs.filter((f) => f.part === "mgmt");
  if (mg.length > 0) {
    out["table1-management.svg"] = bar_plot(
      mg.map((f) => ({
        label: T1_SHORT[f.id] ?? f.id.replace(/^mgmt\//, ""),
        values: (["vimage", "novimage"] as const).map((b) => {
          const e = median_ci(f.samples[b]);
          return e.n >= 2 ? { y: e.point, ymin: e.lo, ymax: e.hi } : { y: e.point };
        }),
        ref: ZEC_T1_US[f.id],
      })),
      ["VIMAGE", "baseline"],
      { title: "Table 1: management operations", note: plot_note(mg, "medians", true), ylabel: "microseconds", ref_label: `${ZEC} (1.2 GHz Athlon, FreeBSD 4)` },
    );
  }
  const sc = (k: string) => sel(`scale/${k}/`);
  if (sc("create_us").length > 0) {
    const xs = sc("create_us").map((f) => f.x as number);
    out["scale-time.svg"] = line_plot(
      [
        { name: "create", points: pts(sc("create_us"), "vimage") },
        { name: "destroy", points: pts(sc("destroy_us"), "vimage") },
        { name: "create + destroy", points: pts(sc("create_destroy_us"), "vimage") },
        { name: "target 20 us", dashed: true, points: xs.map((x) => ({ x, y: 20 })) },
      ],
      { title: "Time per vnet (jail + lo0 + an epair end)", note: plot_note(sc("create_us"), "one run per N, the mean over its N vnets"), xlabel: "vnets N", ylabel: "microseconds per vnet", xlog: true },
    );
    out["scale-memory.svg"] = line_plot(
      [
        { name: "memory per vnet", points: pts(sc("bytes_per_vnet"), "vimage", (x) => x, 1 / 1024) },
        { name: "target 16 KB", dashed: true, points: xs.map((x) => ({ x, y: 16 })) },
      ],
      { title: "Memory per vnet (JS heap + ArrayBuffers)", note: plot_note(sc("bytes_per_vnet"), "one run per N, the mean over its N vnets"), xlabel: "vnets N", ylabel: "KB per vnet", xlog: true },
    );
  }
  return out;
}

// ---------------------------------------------------------------------------
// Markdown.

const ZEC_T1: Record<string, string> = {
  "mgmt/jail/create_us": "212 us",
  "mgmt/jail/remove_us": "72 us",
  "mgmt/ifmove/move_us": "47 us",
  "mgmt/jexec/attach_us": "20 us",
  "mgmt/sysctl_set/us": "21 us",
  "mgmt/sysctl_stats/us": "25 us",
};
const ZEC_T2: Record<string, string> = {
  ip_input: "224 / 144 cycles (+56 %)",
  ip_output: "502 / 492 (+2 %)",
  icmp_input: "504 / 660 (-24 %)",
  icmp_reflect: "181 / 153 (+18 %)",
};

function md_table(rows: string[][]): string {
  const [h, ...rest] = rows;
  return [`| ${h.join(" | ")} |`, `| ${h.map(() => "---").join(" | ")} |`, ...rest.map((r) => `| ${r.join(" | ")} |`)].join("\n") + "\n";
}

function part_rows(fs_: fig[], extra?: { head: string; cell: (f: fig) => string }): string[][] {
  const head = ["figure", "rounds", "VIMAGE median [95 % interval]", "baseline median [95 % interval]", "unit", "V/B [95 % interval]"];
  if (extra !== undefined) head.push(extra.head);
  const rows = [head];
  for (const f of fs_) {
    const r = [f.label, rounds(f), ecell(est(f, "vimage")), ecell(est(f, "novimage")), f.unit, rcell(f)];
    if (extra !== undefined) r.push(extra.cell(f));
    rows.push(r);
  }
  return rows;
}

function markdown(info: run_info, figs: fig[], notes: Record<string, string[]>, extra: Record<string, unknown>, list: { name: string; title: string }[], svgs: string[]): string {
  const out: string[] = [];
  out.push(`# VirtNet benchmark: VIMAGE against the baseline\n`);
  out.push(`${info.mode} run, ${info.date}, ${info.seconds.toFixed(0)} s. Machine: ${info.cpu} x${info.cpus}, ${info.mem_gb} GB, ${info.os}, node ${info.node}; load average ${info.load[0].toFixed(1)} at the start, ${info.load[1].toFixed(1)} at the end.\n`);
  out.push(
    "How to read: every figure is the median of its rounds, with a 95 % interval for that median in brackets; " +
      "rounds alternate the two builds (A, B, B, A, ...), each build in its own worker thread, after a warm-up run. " +
      "Rates (/s) and the micro-benchmarks are per CPU second of the worker thread (Linux /proc/thread-self/schedstat), so other work on the machine does not lower them; Table 1, Table 2 (benchmark.js) and the scale part are wall-clock. " +
      "V/B is VIMAGE over the baseline: for rates (/s) above 1 means VIMAGE is faster, for times (ns, us) above 1 means VIMAGE is slower. " +
      "V/B marked * (the vnet chain, which needs VIMAGE) is taken against the baseline's FIB chain of the same H. " +
      "A packet handling is one pass of a packet through one stack (ether_input to ether_output); a datagram through H routers is handled H + 2 times (A, the routers, B). " +
      "Targets are reported, not asserted.\n",
  );
  out.push(STATS_METHOD);
  const t = targets(figs);
  if (t.length > 0) {
    out.push(`## Targets\n`);
    out.push(md_table([["target", "figure", "measured [95 % interval]", "decision"], ...t.map((r) => [r.target, r.figure, r.value, verdict_text(r)])]));
  }
  const m = byid(figs);
  for (const p of list) {
    const fs_ = figs.filter((f) => f.part === p.name);
    out.push(`## ${p.name}: ${p.title}\n`);
    switch (p.name) {
      case "fwd":
        out.push(
          "A datagram socket in A sends 64-byte UDP datagrams (sosend with a uio over a preallocated buffer: the kernel half of sys_sendto) to 10.255.c.1 port 9 through H routers; " +
            "in the vnet chain every node is a vnet jail joined to the next by an epair, and B reads them from a bound socket (soreceive into a preallocated buffer). " +
            "The baseline has one stack: there the chain is one FIB per node in the one stack (setfib, ifconfig IF fib N), and B's FIB drops the datagram on a blackhole route " +
            "(the destination cannot be a local address, or the first router would take it). The FIB chain runs the same code on both builds: its ratio is the price of VIMAGE alone. " +
            "Bursts of 64 datagrams; deferred work (epair delivery, netisr) runs with taskqueue_run; virtual time stands still. " +
            "Each IPv6 row follows its IPv4 twin: the same chain over IPv6 (links 2001:db8:c:j::/64 added no_dad, default routes with route -6, the destination 2001:db8:ffff:c::1, neighbor discovery done by the first datagrams before anything is timed); " +
            "the IPv6 routers run with net.inet6.ip6.redirect=0, the setting under which ip6_input takes the fast path (ip6_tryforward) as ip_input always takes ip_tryforward.\n",
        );
        break;
      case "echo":
        out.push("A raw ICMP socket (as ping opens it, SO_RCVBUF 65663) sends echo requests to 127.0.0.1, one at a time like ping -f when replies come back at once, and reads each reply; net.inet.icmp.icmplim=0.\n");
        break;
      case "func":
        out.push(
          "benchmark.js on each function (called, not decompiled), fed a prepared packet as its caller would hand it; times are inclusive of everything the function calls, down to an epair whose peer is down (the frame is freed in epair_transmit); ARP entries are static. " +
            "`prepare` is the cost of making and freeing the packet, subtracted in the second table. The last column is Zec's Table 2 (cycles on a 1.2 GHz Athlon, FreeBSD 4).\n",
        );
        break;
      case "mgmt":
        out.push("Each operation is the system call its utility makes (jail_set, jail_remove, SIOCSIFVNET, jail_attach, sysctl), timed over many calls, without the utilities' parsing and printing. The last column is Zec's Table 1.\n");
        break;
      case "idle":
        out.push(
          "The active vnet sends 64-byte UDP datagrams to itself over lo0 (sosend, looutput, netisr, ip_input, udp_input, soreceive) while N idle vnet jails (each with its lo0) exist. " +
            "The ablation models the input queue in the benchmark, feeding the real ip_input: one shared queue whose packets carry their interface and so their vnet (FreeBSD's netisr), " +
            "against a private queue in every vnet (a per-vnet length and head) that a dispatcher polls in turn, switching to each vnet, taking one packet per vnet per pass (the 2003 design Zec measured). " +
            "The baseline has no idle vnets: its figures are for N = 0 only.\n",
        );
        break;
    }
    switch (p.name) {
      case "tcp":
        out.push(
          "One TCP connection over lo0 (127.0.0.1) in the one stack, lo0's MTU set with SIOCSIFMTU before the connection is made (its MSS follows). A round: the sender writes all its send buffer takes (sosend over a preallocated 256 KB buffer), deferred work runs (netisr: ip_input, tcp_input, the receiver's ACKs), the receiver reads all there is (soreceive into a preallocated buffer: TCP may send a window update), deferred work runs again. " +
            "A round that moves nothing fires the next callout (the delayed ACK), letting virtual time jump to it. The rate is payload read per CPU second of the worker thread, both ends on that thread. Zec: VIMAGE about 93 % of stock at MTU 1500, the curves nearly overlapping; target here: within 3 %, and at least 2 Gbit/s at MTU 16384.\n",
        );
        break;
      case "tcpfunc":
        out.push(
          "tcp_input timed by the worker thread's CPU time over batches of calls (not benchmark.js, whose wall clock shows the load of other programs); tcp_input is called as ip_input calls it (the IP header in front, off = 20, the checksum marked verified as lo0 marks it), on an established connection between a listening socket's child (10.9.0.1:5001) and a peer (10.9.0.2) that is only the segments handed in; our side's output goes out of an epair whose peer is down (freed in epair_transmit, the ARP entry static), so the times include tcp_output, ip_output, the checksum of what is sent and ether_output. " +
            "The data row takes an in-order 1,460-byte segment (header prediction), sends a delayed ACK every second one, and the receive buffer is emptied every 16 segments; the ACK row acknowledges 2 segments of a full window (header prediction's pure ACK: sbdrop, cc_ack_received, rexmt timer), tcp_output sending 2 more. " +
            "`prepare_*` is the cost of making and freeing the segment (and, for the ACK, the two clusters handed to the send buffer as the writer would), subtracted in the second table. The last column is Zec's Table 2 (cycles on a 1.2 GHz Athlon, FreeBSD 4).\n",
        );
        break;
      case "tcpidle":
        out.push("The active vnet sends bulk TCP to itself over lo0 (MTU 16384) as in the tcp part while N idle vnet jails (each with its lo0) exist. The baseline has no idle vnets: its figures are for N = 0 only.\n");
        break;
      case "tcpfwd":
        out.push("One connection from A to B through R: vnet jails joined by epairs (MTU 1500), default routes towards B, B's route back through R; driven as in the tcp part.\n");
        break;
    }
    if (p.name === "tcpfunc") {
      const main = fs_.filter((f) => f.metric === undefined);
      const zec = (f: fig): string => {
        const z = ZEC_T2_TCP[f.group ?? ""];
        return z === undefined ? "" : `${z[0]} / ${z[1]} cycles (${(((z[0] - z[1]) / z[1]) * 100).toFixed(0)} %)`;
      };
      out.push(md_table(part_rows(main, { head: "Zec 2003 (virtualized / stock)", cell: zec })));
      const net = (fn: string, prep: string, b: "vimage" | "novimage"): number => {
        const f = m.get(`tcpfunc/${fn}`);
        const p_ = m.get(`tcpfunc/${prep}`);
        return f === undefined || p_ === undefined ? NaN : median_ci(f.samples[b]).point - median_ci(p_.samples[b]).point;
      };
      const rows = [["function", "traffic", "VIMAGE ns", "baseline ns", "V/B", "Zec 2003 virtualized / stock"]];
      for (const [fn, prep, what, z] of [
        ["tcp_input_data", "prepare_data", "TCP data", ZEC_T2_TCP.tcp_input_data],
        ["tcp_input_ack", "prepare_ack", "TCP ack", ZEC_T2_TCP.tcp_input_ack],
        ["tcp_input_data/high", "prepare_data/high", "TCP data, sequence numbers above 2^31", ZEC_T2_TCP.tcp_input_data],
        ["tcp_input_ack/high", "prepare_ack/high", "TCP ack, sequence numbers above 2^31", ZEC_T2_TCP.tcp_input_ack],
      ] as const) {
        if (!m.has(`tcpfunc/${fn}`)) continue;
        const v = net(fn, prep, "vimage");
        const b = net(fn, prep, "novimage");
        rows.push(["tcp_input()", what, fmt(v), fmt(b), b > 0 && v > 0 ? rstr(v / b) : "n/a (not above the preparation's cost)", `${z[0]} / ${z[1]} = ${rstr(z[0] / z[1])}`]);
      }
      out.push("\nWith the preparation subtracted (differences of medians, no interval):\n\n");
      out.push(md_table(rows));
      const alloc = fs_.filter((f) => f.metric === "alloc");
      if (alloc.length > 0) {
        out.push(
          "\nHeap allocated per call once warm (V8's used heap plus what collections gave back, over many calls, the preparation's subtracted; target 0 B, a few tenths are JIT noise). " +
            "Each job makes a fresh connection whose sequence numbers (the peer's and our ISS, drawn again until it falls in the half asked for) are all below 2^31, or all above: V8's small integers end at 2^31, and above it a sequence number passed to a function V8 did not inline is boxed in a fresh heap number.\n\n",
        );
        out.push(md_table(part_rows(alloc)));
      }
    } else if (p.name === "func") {
      const main = fs_.filter((f) => f.metric === undefined);
      out.push(md_table(part_rows(main, { head: "Zec 2003 (virtualized / stock)", cell: (f) => ZEC_T2[f.group ?? ""] ?? "" })));
      const prep = m.get("func/prepare");
      if (prep !== undefined) {
        const pv = median_ci(prep.samples.vimage).point;
        const pb = median_ci(prep.samples.novimage).point;
        const net = (id: string, b: "vimage" | "novimage") => {
          const f = m.get(`func/${id}`);
          return f === undefined ? NaN : median_ci(f.samples[b]).point - (b === "vimage" ? pv : pb);
        };
        const rows = [["function", "VIMAGE ns", "baseline ns", "V/B", "self (minus the callee below)"]];
        const chain = ["ether_input", "ip_input", "icmp_input", "icmp_reflect", "ip_output"];
        for (const fn of ["ether_input", "ip_input", "ip6_input", "ip_tryforward", "ip6_tryforward", "ip6_forward", "ip_output", "icmp_input", "icmp_reflect", "udp_input"]) {
          const v = net(fn, "vimage");
          const b = net(fn, "novimage");
          const i = chain.indexOf(fn);
          let self = "";
          if (i >= 0 && i < chain.length - 1) {
            const callee = chain[i + 1];
            self = `${fmt(v - net(callee, "vimage"))} / ${fmt(b - net(callee, "novimage"))} (minus ${callee})`;
          }
          rows.push([fn, fmt(v), fmt(b), b > 0 && v > 0 ? rstr(v / b) : "n/a (not above the preparation's cost)", self]);
        }
        out.push("\nWith the packet preparation subtracted (differences of medians, no interval):\n\n");
        out.push(md_table(rows));
      }
      const alloc = fs_.filter((f) => f.metric === "alloc");
      if (alloc.length > 0) {
        out.push("\nHeap allocated per call once warm (V8's used heap plus what collections gave back, over many calls, the preparation's subtracted; a few bytes are JIT noise):\n\n");
        out.push(md_table(part_rows(alloc)));
      }
    } else if (p.name === "mgmt") {
      out.push(md_table(part_rows(fs_, { head: "Zec 2003", cell: (f) => ZEC_T1[f.id] ?? "" })));
    } else if (fs_.length > 0) {
      out.push(md_table(part_rows(fs_)));
    }
    if (p.name === "netns" && extra.netns !== undefined) {
      const r = extra.netns as { skipped: string | null };
      if (r.skipped !== null) out.push(`\n${r.skipped}\n`);
      out.push("\nPublished for comparison: 1000 `ip netns add` took 6.7 s and about 225 KB each on a 2-core machine with Linux 6.18; 1000 deletes 7.3 s; Linux kernel developers give about 2.6 ms per create+destroy with unshare -n (2019).\n");
    }
    for (const n of notes[p.name] ?? []) out.push(`\n${n}\n`);
    const pics = svgs.filter((s) => s.startsWith(svg_prefix[p.name] ?? "\u0000"));
    for (const s of pics) out.push(`\n![${s}](${s})\n`);
    out.push("");
  }
  return out.join("\n");
}

const svg_prefix: Record<string, string> = {
  fwd: "forwarding",
  echo: "fig6",
  func: "table2",
  mgmt: "table1",
  idle: "fig4",
  scale: "scale",
  tcp: "fig5",
  tcpidle: "tcpidle",
};

// ---------------------------------------------------------------------------
// stdout.

function text_table(figs: fig[], list: { name: string; title: string }[]): string {
  const rows: string[][] = [["figure", "n", "VIMAGE med", "95 % interval", "baseline med", "95 % interval", "unit", "V/B", "95 % interval"]];
  const iv = (e: estimate, f: (x: number) => string = fmt) => (e.na !== null ? e.na : interval(e, f));
  for (const p of list) {
    const fs_ = figs.filter((f) => f.part === p.name && f.metric !== "rme");
    if (fs_.length === 0) continue;
    rows.push([`[${p.name}]`, "", "", "", "", "", "", "", ""]);
    for (const f of fs_) {
      const v = est(f, "vimage");
      const b = est(f, "novimage");
      const r = ratio(f);
      rows.push([f.label, rounds(f), fmt(v.point), iv(v), fmt(b.point), iv(b), f.unit, `${rstr(r.point)}${r.method === "bootstrap" ? "*" : ""}`, iv(r, rstr)]);
    }
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const left = new Set([0, 3, 5, 6, 8]);
  const line = (r: string[]) => r.map((c, i) => (left.has(i) ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ").trimEnd();
  const out = [line(rows[0]), w.map((n) => "-".repeat(n)).join("  "), ...rows.slice(1).map(line)];
  return out.join("\n") + "\n";
}

function verdict_text(r: target_row): string {
  return r.why === "" ? r.verdict : `${r.verdict} (${r.why})`;
}

const STATS_METHOD =
  "Statistics: the interval for a median is distribution-free: the order statistics X(l) and X(n+1-l) of the n rounds, with l the largest rank for which Binomial(n, 1/2) puts at least 95 % between them " +
  "(6 rounds: [min, max], 96.9 %; 10 rounds: the 2nd and 9th, 97.9 %; 20 rounds: the 6th and 15th, 95.9 %). Below 6 rounds not even [min, max] reaches 95 %: the interval is then [min, max] with its own confidence in parentheses. " +
  "V/B and its interval: where both builds ran in the same rounds, back to back, the median of the per-round ratios with the same order-statistic interval; " +
  `where they did not (marked *), a percentile bootstrap of the ratio of the medians (${BOOT_RESAMPLES.toLocaleString("en-US")} resamples, seeded generator, seed ${BOOT_SEED}, so the same samples give the same interval). ` +
  "A target is met or missed only when the interval lies wholly on one side of it, and undecided when the interval contains the bound or has less than 95 % confidence; a target over several figures is met when every figure meets it and missed when any misses it. " +
  "n/a marks a value that was not measured (e.g. VIMAGE only), with the reason.\n";

export function write_report(
  dir: string,
  info: run_info,
  figs: fig[],
  notes: Record<string, string[]>,
  extra: Record<string, unknown>,
  list: { name: string; title: string }[],
): string {
  fs.mkdirSync(dir, { recursive: true });
  all_figs = byid(figs);
  const svg = plots(figs);
  for (const [name, body] of Object.entries(svg)) fs.writeFileSync(path.join(dir, name), body);
  const json = {
    info,
    method: STATS_METHOD.trim(),
    figures: figs.map((f) => ({
      ...f,
      vimage: est(f, "vimage"),
      baseline: est(f, "novimage"),
      ratio: ratio(f),
    })),
    targets: targets(figs),
    notes,
    extra,
  };
  fs.writeFileSync(path.join(dir, "results.json"), JSON.stringify(json, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n");
  fs.writeFileSync(path.join(dir, "report.md"), markdown(info, figs, notes, extra, list, Object.keys(svg)));
  let s = text_table(figs, list);
  if (figs.some((f) => f.ref !== undefined)) s += "* V/B against the baseline's FIB chain of the same H.\n";
  const t = targets(figs);
  if (t.length > 0) {
    s += "\nTargets (reported, not asserted; met or missed only when the 95 % interval decides it):\n";
    const w0 = Math.max(...t.map((r) => r.target.length));
    const w1 = Math.max(...t.map((r) => r.figure.length));
    for (const r of t) s += `  ${r.target.padEnd(w0)}  ${r.figure.padEnd(w1)}  ${verdict_text(r)}: ${r.value}\n`;
  }
  for (const p of list) for (const n of notes[p.name] ?? []) if (n.startsWith("failed") || n.includes("skipped")) s += `${p.name}: ${n.split("\n")[0]}\n`;
  return s;
}
