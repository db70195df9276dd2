// npm run bench: the VIMAGE-vs-baseline runner.  Each workload runs in two
// piscina workers, one per kernel build, alternating A, B, A, B so that drift
// of the machine (frequency, other load) falls on both; each figure is the
// median of the rounds with min and max, and the VIMAGE/baseline ratio.
import path from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { Piscina } from "piscina";
import type { job, result } from "./worker.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");

interface workload_spec {
  name: string;
  iterations: number;
  rounds: number;
  /** Runs on the VIMAGE build only (needs several vnets). */
  vimage_only?: boolean;
  /** Names the extra figure to print instead of ns/op. */
  extra?: string;
  note: string;
}

const specs: workload_spec[] = [
  { name: "mbuf_get_free", iterations: quick ? 200_000 : 2_000_000, rounds: quick ? 5 : 9, note: "m_gethdr + m_free" },
  { name: "m_pullup_2mbuf", iterations: quick ? 100_000 : 1_000_000, rounds: quick ? 5 : 9, note: "m_pullup(m, 20) of an 8+12 byte chain" },
  { name: "vnet_counter_inc", iterations: quick ? 2_000_000 : 20_000_000, rounds: quick ? 5 : 9, note: "V_ counter increment under curvnet" },
  { name: "vnet_create_destroy", iterations: quick ? 1_000 : 10_000, rounds: quick ? 3 : 5, vimage_only: true, note: "vnet_alloc + vnet_destroy" },
  { name: "vnet_idle_memory", iterations: 10_000, rounds: quick ? 1 : 3, vimage_only: true, extra: "bytes_per_vnet", note: "heap + ArrayBuffer bytes per idle vnet (10,000 vnets)" },
];

function stats(xs: number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { min: s[0], median, max: s[s.length - 1] };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return "-";
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

async function main(): Promise<void> {
  const pools = {
    vimage: new Piscina({ filename: path.join(here, "vimage", "bench-worker.mjs"), minThreads: 1, maxThreads: 1, idleTimeout: 60_000 }),
    novimage: new Piscina({ filename: path.join(here, "novimage", "bench-worker.mjs"), minThreads: 1, maxThreads: 1, idleTimeout: 60_000 }),
  };
  console.log(`VirtNet benchmark: VIMAGE vs baseline, ${quick ? "quick" : "full"} run`);
  console.log(`machine: ${os.cpus()[0]?.model ?? "?"} x${os.cpus().length}, node ${process.version}, ${new Date().toISOString()}`);
  console.log("");
  const header = ["workload", "build", "min", "median", "max", "unit", "ratio V/B"];
  const rows: string[][] = [];
  for (const spec of specs) {
    const samples: { vimage: number[]; novimage: number[] } = { vimage: [], novimage: [] };
    const order: ("vimage" | "novimage")[] = spec.vimage_only ? ["vimage"] : ["vimage", "novimage"];
    // Warm up each build once, then alternate.
    for (const b of order) await pools[b].run({ workload: spec.name, iterations: Math.max(1, spec.iterations / 10) } satisfies job);
    for (let r = 0; r < spec.rounds; r++) {
      const o = r % 2 === 0 ? order : [...order].reverse();
      for (const b of o) {
        const res = (await pools[b].run({ workload: spec.name, iterations: spec.iterations } satisfies job)) as result;
        samples[b].push(spec.extra !== undefined ? (res.extra?.[spec.extra] ?? NaN) : res.ns_per_op);
      }
    }
    const unit = spec.extra !== undefined ? "bytes" : "ns/op";
    const sv = stats(samples.vimage);
    const sb = samples.novimage.length ? stats(samples.novimage) : null;
    const ratio = sb !== null ? sv.median / sb.median : NaN;
    rows.push([spec.name, "VIMAGE", fmt(sv.min), fmt(sv.median), fmt(sv.max), unit, sb !== null ? ratio.toFixed(3) : "-"]);
    if (sb !== null) rows.push(["", "baseline", fmt(sb.min), fmt(sb.median), fmt(sb.max), unit, ""]);
    process.stderr.write(`  done: ${spec.name} (${spec.note})\n`);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log("");
  console.log("Targets (reported, not asserted): V_ access ratio <= 1.05; vnet create+destroy <= 20 us (20000 ns); <= 16 KB per idle vnet.");
  await Promise.all([pools.vimage.destroy(), pools.novimage.destroy()]);
}

await main();
