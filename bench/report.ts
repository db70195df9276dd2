// The benchmark's outputs: results.json (every sample), report.md (tables
// per part, the targets, Zec's published figures beside ours) and SVG
// plots, all in the folder the user named; and the table printed on stdout.
import fs from "node:fs";
import path from "node:path";
import { bar_plot, line_plot, type series } from "./svg.ts";

/** One figure: samples per build (the baseline is "novimage"). */
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

interface st {
  n: number;
  min: number;
  median: number;
  max: number;
}

function stats(xs: number[]): st {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return { n: 0, min: NaN, median: NaN, max: NaN };
  const m = s.length >> 1;
  return { n: s.length, min: s[0], median: s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2, max: s[s.length - 1] };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return "-";
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(a >= 1e7 ? 1 : 2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function cell(s: st): string {
  if (s.n === 0) return "-";
  if (s.n === 1 || s.min === s.max) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})`;
}

let all_figs = new Map<string, fig>();

function ratio(f: fig): number {
  const base = f.samples.novimage.length === 0 && f.ref !== undefined ? all_figs.get(f.ref) : f;
  if (base === undefined) return NaN;
  return stats(f.samples.vimage).median / stats(base.samples.novimage).median;
}

function rcell(f: fig): string {
  const r = rstr(ratio(f));
  return f.samples.novimage.length === 0 && f.ref !== undefined && r !== "-" ? `${r}*` : r;
}

function rstr(r: number): string {
  return Number.isFinite(r) ? r.toFixed(3) : "-";
}

const byid = (figs: fig[]) => new Map(figs.map((f) => [f.id, f]));

// ---------------------------------------------------------------------------
// Targets.

interface target_row {
  target: string;
  figure: string;
  value: string;
  met: string;
}

function targets(figs: fig[]): target_row[] {
  const m = byid(figs);
  const out: target_row[] = [];
  const yes = (b: boolean | null) => (b === null ? "-" : b ? "yes" : "no");
  const vc = m.get("micro/vnet_counter_inc");
  if (vc !== undefined) {
    const r = ratio(vc);
    out.push({ target: "V_ access ratio <= 1.05", figure: "V_ counter increment, VIMAGE/baseline ns", value: rstr(r), met: yes(Number.isFinite(r) ? r <= 1.05 : null) });
  }
  // Per-packet cost ratios: for rates, cost V/B = rate B / rate V.
  const cost = (f: fig) => (f.better === "higher" ? 1 / ratio(f) : ratio(f));
  const groups: [string, (f: fig) => boolean][] = [
    ["UDP through the FIB chain, every H (cost per packet)", (f) => f.part === "fwd" && f.id.startsWith("fwd/fib/pps/")],
    ["ICMP echo over lo0, every size (cost per echo)", (f) => f.part === "echo" && f.x !== undefined],
    ["Table 2 functions (ns per call)", (f) => f.part === "func" && f.metric === undefined && f.group !== "prepare"],
  ];
  for (const [what, sel] of groups) {
    const rs = figs.filter(sel).map(cost).filter((r) => Number.isFinite(r));
    if (rs.length === 0) continue;
    const s = stats(rs);
    out.push({ target: "per-packet ratio <= 1.05", figure: what, value: `median ${s.median.toFixed(3)}, ${s.min.toFixed(3)}-${s.max.toFixed(3)}`, met: yes(s.median <= 1.05) });
  }
  const idle = figs.filter((f) => f.id.startsWith("idle/kernel/")).sort((a, b) => (a.x ?? 0) - (b.x ?? 0));
  if (idle.length > 1) {
    const r0 = stats(idle[0].samples.vimage).median;
    const last = idle[idle.length - 1];
    const worst = Math.min(...idle.map((f) => stats(f.samples.vimage).median / r0));
    const end = stats(last.samples.vimage).median / r0;
    out.push({
      target: "flat within 3 % from 0 to 10,000 idle vnets",
      figure: `UDP over lo0 in the active vnet, 0 to ${last.x} idle`,
      value: `${(end * 100).toFixed(1)} % at ${last.x}; lowest ${(worst * 100).toFixed(1)} %`,
      met: yes(Math.abs(end - 1) <= 0.03 && worst >= 0.97),
    });
  }
  for (const f of figs.filter((f) => f.id.startsWith("scale/create_destroy_us/"))) {
    const v = stats(f.samples.vimage).median;
    out.push({ target: "create+destroy <= 20 us", figure: `vnet jail with lo0 and an epair end, N=${f.x}`, value: `${fmt(v)} us`, met: yes(v <= 20) });
  }
  const jc = m.get("mgmt/jail/create_us");
  const jr = m.get("mgmt/jail/remove_us");
  if (jc !== undefined && jr !== undefined) {
    const v = stats(jc.samples.vimage).median + stats(jr.samples.vimage).median;
    if (Number.isFinite(v)) out.push({ target: "create+destroy <= 20 us", figure: "Table 1: jail -c vnet + jail -r", value: `${fmt(v)} us`, met: yes(v <= 20) });
  }
  const bare = m.get("micro/vnet_create_destroy");
  if (bare !== undefined) {
    const v = stats(bare.samples.vimage).median / 1000;
    out.push({ target: "create+destroy <= 20 us", figure: "bare vnet_alloc + vnet_destroy", value: `${fmt(v)} us`, met: yes(v <= 20) });
  }
  for (const f of figs.filter((f) => f.id.startsWith("scale/bytes_per_vnet/"))) {
    const v = stats(f.samples.vimage).median / 1024;
    out.push({ target: "<= 16 KB per idle vnet", figure: `vnet jail with lo0 and an epair end, N=${f.x}`, value: `${v.toFixed(1)} KB`, met: yes(v <= 16) });
  }
  for (const mode of ["vnet", "fib"]) {
    const hs = figs.filter((f) => f.id.startsWith(`fwd/${mode}/hps/`));
    if (hs.length === 0) continue;
    const vs = hs.map((f) => stats(f.samples.vimage).median).filter((x) => Number.isFinite(x));
    if (vs.length === 0) continue;
    out.push({
      target: ">= 1,000,000 packet handlings/s per core (VIMAGE)",
      figure: `UDP through the ${mode === "vnet" ? "vnet" : "FIB"} chain, H=${hs[0].x}..${hs[hs.length - 1].x}`,
      value: `${fmt(Math.min(...vs))}-${fmt(Math.max(...vs))} /s`,
      met: yes(Math.min(...vs) >= 1e6),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Plots.

function pts(fs: fig[], b: "vimage" | "novimage", xmap: (x: number) => number = (x) => x, scale = 1): series["points"] {
  return fs
    .filter((f) => f.x !== undefined && f.samples[b].length > 0)
    .map((f) => {
      const s = stats(f.samples[b]);
      return { x: xmap(f.x as number), y: s.median * scale, ymin: s.min * scale, ymax: s.max * scale };
    });
}

function plots(figs: fig[]): Record<string, string> {
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
    const vh = sel("fwd/vnet/hps/");
    if (vh.length > 0) {
      const budget = stats(vh[0].samples.vimage).median;
      s.push({ name: "budget/(H+2) (CORE's model, from VIMAGE vnet chain H=1)", dashed: true, points: vpps.map((f) => ({ x: f.x as number, y: budget / ((f.x as number) + 2) })) });
    }
    out["forwarding-pps.svg"] = line_plot(s, { title: "UDP 64 B end to end through H routers", xlabel: "routers H", ylabel: "datagrams per second", ylog: true });
    const hs: series[] = [
      { name: "VIMAGE, vnet chain", points: pts(sel("fwd/vnet/hps/"), "vimage") },
      { name: "VIMAGE, FIB chain", points: pts(sel("fwd/fib/hps/"), "vimage") },
      { name: "baseline, FIB chain", points: pts(sel("fwd/fib/hps/"), "novimage") },
      { name: "target: 1,000,000 /s", dashed: true, points: fpps.concat(vpps).map((f) => ({ x: f.x as number, y: 1e6 })) },
    ];
    out["forwarding-handlings.svg"] = line_plot(hs, { title: "Packet handlings per second (one core)", xlabel: "routers H", ylabel: "handlings per second (pkt/s x (H+2))" });
  }
  const echo = sel("echo/").filter((f) => f.x !== undefined);
  if (echo.length > 0) {
    out["fig6-lo0-echo.svg"] = line_plot(
      [
        { name: "VIMAGE", points: pts(echo, "vimage") },
        { name: "baseline", points: pts(echo, "novimage") },
      ],
      { title: "Fig. 6: ICMP echo over lo0 (ping -f)", xlabel: "ICMP data bytes", ylabel: "echo replies per second", xlog: true, xticks: echo.map((f) => ({ x: f.x as number, label: String(f.x) })) },
    );
  }
  const idle_groups: [string, string][] = [
    ["idle/kernel/", "kernel: netisr, one shared queue"],
    ["idle/shared/", "model: one shared queue, O(1)"],
    ["idle/pervnet/", "model: a queue per vnet polled in turn, O(N)"],
  ];
  const idle_s: series[] = [];
  let ticks: { x: number; label: string }[] = [];
  for (const [p, name] of idle_groups) {
    const fs_ = sel(p);
    if (fs_.length === 0) continue;
    const r0 = stats(fs_[0].samples.vimage).median;
    idle_s.push({ name, points: pts(fs_, "vimage", (x) => (x === 0 ? 1 : x), 100 / r0) });
    ticks = fs_.map((f) => ({ x: f.x === 0 ? 1 : (f.x as number), label: String(f.x) }));
  }
  if (idle_s.length > 0) {
    idle_s.push({ name: "97 %", dashed: true, points: ticks.map((t) => ({ x: t.x, y: 97 })) });
    out["fig4-idle.svg"] = line_plot(idle_s, { title: "Fig. 4: one active vnet, N idle vnets (VIMAGE)", xlabel: "idle vnets N", ylabel: "% of the rate with no idle vnet", xlog: true, xticks: ticks });
  }
  const fn = figs.filter((f) => f.part === "func" && f.metric === undefined);
  if (fn.length > 0) {
    out["table2-functions.svg"] = bar_plot(
      fn.map((f) => ({
        label: f.group ?? f.id,
        values: (["vimage", "novimage"] as const).map((b) => {
          const s = stats(f.samples[b]);
          return { y: s.median, ymin: s.min, ymax: s.max };
        }),
      })),
      ["VIMAGE", "baseline"],
      { title: "Table 2: ns per call (inclusive of callees)", ylabel: "ns per call" },
    );
  }
  const mg = figs.filter((f) => f.part === "mgmt");
  if (mg.length > 0) {
    out["table1-management.svg"] = bar_plot(
      mg.map((f) => ({
        label: f.id.replace(/^mgmt\//, "").replace(/\/(us)$/, ""),
        values: (["vimage", "novimage"] as const).map((b) => {
          const s = stats(f.samples[b]);
          return { y: s.median, ymin: s.min, ymax: s.max };
        }),
      })),
      ["VIMAGE", "baseline"],
      { title: "Table 1: management operations", ylabel: "microseconds" },
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
      { title: "Time per vnet (jail + lo0 + an epair end)", xlabel: "vnets N", ylabel: "microseconds per vnet", xlog: true },
    );
    out["scale-memory.svg"] = line_plot(
      [
        { name: "memory per vnet", points: pts(sc("bytes_per_vnet"), "vimage", (x) => x, 1 / 1024) },
        { name: "target 16 KB", dashed: true, points: xs.map((x) => ({ x, y: 16 })) },
      ],
      { title: "Memory per vnet (JS heap + ArrayBuffers)", xlabel: "vnets N", ylabel: "KB per vnet", xlog: true },
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

function part_rows(fs_: fig[], extra?: (f: fig) => string): string[][] {
  const head = ["figure", "VIMAGE median (min-max)", "baseline median (min-max)", "unit", "V/B"];
  if (extra !== undefined) head.push("Zec 2003 (virtualized / stock)");
  const rows = [head];
  for (const f of fs_) {
    const r = [f.label, cell(stats(f.samples.vimage)), cell(stats(f.samples.novimage)), f.unit, rcell(f)];
    if (extra !== undefined) r.push(extra(f));
    rows.push(r);
  }
  return rows;
}

function markdown(info: run_info, figs: fig[], notes: Record<string, string[]>, extra: Record<string, unknown>, list: { name: string; title: string }[], svgs: string[]): string {
  const out: string[] = [];
  out.push(`# VirtNet benchmark: VIMAGE against the baseline\n`);
  out.push(`${info.mode} run, ${info.date}, ${info.seconds.toFixed(0)} s. Machine: ${info.cpu} x${info.cpus}, ${info.mem_gb} GB, ${info.os}, node ${info.node}; load average ${info.load[0].toFixed(1)} at the start, ${info.load[1].toFixed(1)} at the end.\n`);
  out.push(
    "How to read: every figure is the median of its rounds, with the lowest and highest round in parentheses; " +
      "rounds alternate the two builds (A, B, B, A, ...), each build in its own worker thread, after a warm-up run. " +
      "Rates (/s) and the micro-benchmarks are per CPU second of the worker thread (Linux /proc/thread-self/schedstat), so other work on the machine does not lower them; Table 1, Table 2 (benchmark.js) and the scale part are wall-clock. " +
      "V/B is the ratio of the medians: for rates (/s) above 1 means VIMAGE is faster, for times (ns, us) above 1 means VIMAGE is slower. " +
      "V/B marked * (the vnet chain, which needs VIMAGE) is taken against the baseline's FIB chain of the same H. " +
      "A packet handling is one pass of a packet through one stack (ether_input to ether_output); a datagram through H routers is handled H + 2 times (A, the routers, B). " +
      "Targets are reported, not asserted.\n",
  );
  const t = targets(figs);
  if (t.length > 0) {
    out.push(`## Targets\n`);
    out.push(md_table([["target", "figure", "measured", "met"], ...t.map((r) => [r.target, r.figure, r.value, r.met])]));
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
            "Bursts of 64 datagrams; deferred work (epair delivery, netisr) runs with taskqueue_run; virtual time stands still.\n",
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
    if (p.name === "func") {
      const main = fs_.filter((f) => f.metric === undefined);
      out.push(md_table(part_rows(main, (f) => ZEC_T2[f.group ?? ""] ?? "")));
      const prep = m.get("func/prepare");
      if (prep !== undefined) {
        const pv = stats(prep.samples.vimage).median;
        const pb = stats(prep.samples.novimage).median;
        const net = (id: string, b: "vimage" | "novimage") => {
          const f = m.get(`func/${id}`);
          return f === undefined ? NaN : stats(f.samples[b]).median - (b === "vimage" ? pv : pb);
        };
        const rows = [["function", "VIMAGE ns", "baseline ns", "V/B", "self (minus the callee below)"]];
        const chain = ["ether_input", "ip_input", "icmp_input", "icmp_reflect", "ip_output"];
        for (const fn of ["ether_input", "ip_input", "ip_tryforward", "ip_output", "icmp_input", "icmp_reflect", "udp_input"]) {
          const v = net(fn, "vimage");
          const b = net(fn, "novimage");
          const i = chain.indexOf(fn);
          let self = "";
          if (i >= 0 && i < chain.length - 1) {
            const callee = chain[i + 1];
            self = `${fmt(v - net(callee, "vimage"))} / ${fmt(b - net(callee, "novimage"))} (minus ${callee})`;
          }
          rows.push([fn, fmt(v), fmt(b), rstr(v / b), self]);
        }
        out.push("\nWith the packet preparation subtracted:\n\n");
        out.push(md_table(rows));
      }
    } else if (p.name === "mgmt") {
      out.push(md_table(part_rows(fs_, (f) => ZEC_T1[f.id] ?? "")));
    } else if (fs_.length > 0) {
      out.push(md_table(part_rows(fs_)));
    }
    if (p.name === "netns" && extra.netns !== undefined) {
      const r = extra.netns as { skipped: string | null };
      if (r.skipped !== null) out.push(`\n${r.skipped}\n`);
      out.push("\nPublished for comparison (shared/reference/measurements.md): 1000 `ip netns add` took 6.7 s and about 225 KB each on the project's build machine; 1000 deletes 7.3 s; about 2.6 ms per create+destroy with unshare -n.\n");
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
};

// ---------------------------------------------------------------------------
// stdout.

function text_table(figs: fig[], list: { name: string; title: string }[]): string {
  const rows: string[][] = [["figure", "VIMAGE med", "min", "max", "baseline med", "min", "max", "unit", "V/B"]];
  for (const p of list) {
    const fs_ = figs.filter((f) => f.part === p.name && f.metric !== "rme");
    if (fs_.length === 0) continue;
    rows.push([`[${p.name}]`, "", "", "", "", "", "", "", ""]);
    for (const f of fs_) {
      const v = stats(f.samples.vimage);
      const b = stats(f.samples.novimage);
      rows.push([f.label, fmt(v.median), fmt(v.min), fmt(v.max), fmt(b.median), fmt(b.min), fmt(b.max), f.unit, rcell(f)]);
    }
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 || i === 7 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ").trimEnd();
  const out = [line(rows[0]), w.map((n) => "-".repeat(n)).join("  "), ...rows.slice(1).map(line)];
  return out.join("\n") + "\n";
}

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
    figures: figs.map((f) => ({
      ...f,
      vimage: stats(f.samples.vimage),
      baseline: stats(f.samples.novimage),
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
    s += "\nTargets (reported, not asserted):\n";
    const w0 = Math.max(...t.map((r) => r.target.length));
    const w1 = Math.max(...t.map((r) => r.figure.length));
    for (const r of t) s += `  ${r.target.padEnd(w0)}  ${r.figure.padEnd(w1)}  ${r.value}  ${r.met === "-" ? "" : r.met === "yes" ? "met" : "NOT met"}\n`;
  }
  for (const p of list) for (const n of notes[p.name] ?? []) if (n.startsWith("failed") || n.includes("skipped")) s += `${p.name}: ${n.split("\n")[0]}\n`;
  return s;
}
