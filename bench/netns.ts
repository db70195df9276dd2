// Linux network namespaces beside VirtNet's vnets: `ip netns add` and
// `ip netns del` N times on this machine, timed from here with
// child_process, and the memory the kernel gave up for them (MemAvailable
// from /proc/meminfo before and after).  Needs root and iproute2; every
// namespace made here is deleted again, also when something fails.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

export interface netns_result {
  skipped: string | null;
  /** Per N: timings (ms per namespace) and KB per namespace. */
  runs: { N: number; mode: string; add_ms: number; del_ms: number; kb_per_ns: number }[];
}

function have_ip(): boolean {
  const r = spawnSync("ip", ["-V"], { encoding: "utf8" });
  return r.status === 0;
}

function mem_available_kb(): number {
  const m = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync("/proc/meminfo", "utf8"));
  return m === null ? NaN : Number(m[1]);
}

function ns_list(prefix: string): string[] {
  const r = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (r.status !== 0) return [];
  return r.stdout
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n.startsWith(prefix));
}

function batch(lines: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("ip", ["-batch", "-"], { input: lines.join("\n") + "\n", encoding: "utf8", maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`ip -batch: ${r.stderr.trim()}`);
  return ms;
}

function one_by_one(args: string[][]): number {
  const t0 = process.hrtime.bigint();
  for (const a of args) {
    const r = spawnSync("ip", a, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ip ${a.join(" ")}: ${r.stderr.trim()}`);
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function cleanup(prefix: string): void {
  const left = ns_list(prefix);
  if (left.length > 0) spawnSync("ip", ["-batch", "-"], { input: left.map((n) => `netns del ${n}`).join("\n") + "\n", encoding: "utf8" });
}

/**
 * For each N: `ip -batch` with N `netns add` lines, then N `netns del`
 * (one process: what the kernel and iproute2 cost); with `spawn` also one
 * `ip` process per command, as a shell loop runs it.
 */
export function netns_bench(Ns: number[], spawn_N: number[]): netns_result {
  if (process.platform !== "linux") return { skipped: "skipped: not Linux", runs: [] };
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return { skipped: "skipped: needs root", runs: [] };
  if (!have_ip()) return { skipped: "skipped: no ip(8) (iproute2)", runs: [] };
  const prefix = `vnbench${process.pid}-`;
  const runs: netns_result["runs"] = [];
  try {
    // One namespace first: /run/netns gets mounted, not counted below.
    const probe = `${prefix}probe`;
    const r = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
    if (r.status !== 0) return { skipped: `skipped: ip netns add failed (${r.stderr.trim()})`, runs: [] };
    spawnSync("ip", ["netns", "del", probe]);
    for (const N of Ns) {
      const names = Array.from({ length: N }, (_, i) => `${prefix}${i}`);
      const m0 = mem_available_kb();
      const add = batch(names.map((n) => `netns add ${n}`));
      const m1 = mem_available_kb();
      const del = batch(names.map((n) => `netns del ${n}`));
      runs.push({ N, mode: "ip -batch", add_ms: add / N, del_ms: del / N, kb_per_ns: (m0 - m1) / N });
    }
    for (const N of spawn_N) {
      const names = Array.from({ length: N }, (_, i) => `${prefix}s${i}`);
      const m0 = mem_available_kb();
      const add = one_by_one(names.map((n) => ["netns", "add", n]));
      const m1 = mem_available_kb();
      const del = one_by_one(names.map((n) => ["netns", "del", n]));
      runs.push({ N, mode: "one ip per command", add_ms: add / N, del_ms: del / N, kb_per_ns: (m0 - m1) / N });
    }
  } finally {
    cleanup(prefix);
  }
  const left = ns_list(prefix);
  if (left.length > 0) throw new Error(`netns: ${left.length} namespaces could not be deleted (${left[0]}...)`);
  return { skipped: null, runs };
}
