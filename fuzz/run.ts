// One build's run of the suite: frames, chaos, exhaustion, bad command
// lines; each part on its own fresh world, each checked, failures shrunk
// and written out for --replay.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import "./targets/index.ts";
import type { fuzz_build } from "./kernel.ts";
import { rng, hex } from "./rng.ts";
import { make_world } from "./topo.ts";
import { case_json, draw_batch, point_name, run_batch, type frame_case, type frame_stats } from "./frames.ts";
import { shrink_frames } from "./shrink.ts";
import { chaos_cmd_summary, run_chaos, shrink_steps } from "./chaos.ts";
import { exhaust_tunables, run_exhaust } from "./exhaust.ts";
import { run_badcmds } from "./badcmd.ts";
import { run_kernel_case, run_kernel_targets } from "./kernel_targets.ts";
import { check_ifnet_vnets, check_heap, teardown } from "./invariants.ts";
import { run_linux } from "./linux_tap.ts";
import { run_hostif } from "./hostif.ts";
import type { chaos_step } from "./registry.ts";

export const PARTS = ["frames", "chaos", "exhaust", "badcmd", "kernel", "linux", "hostif"] as const;
export type part = (typeof PARTS)[number];

export interface run_opts {
  build: fuzz_build;
  seed: number;
  frames: number;
  steps: number;
  batch: number;
  parts: part[];
  /** Cases thrown at the kernel targets (default 20,000). */
  cases?: number;
  /** Told of progress: part and units done since the last call. */
  progress?: (p: part, n: number) => void;
  log?: (s: string) => void;
  /** Where reproductions are written (default: the system's tmpdir). */
  outdir?: string;
}

export interface run_summary {
  build: fuzz_build;
  seed: number;
  frames: number;
  frame_bytes: number;
  frames_denied: number;
  steps: number;
  /** The chaos's commands per program: succeeded/run. */
  chaos_cmds: string;
  badcmd_rows: number;
  badcmd_known: string[];
  /** Kernel target cases run, per target. */
  kernel_cases: Record<string, number>;
  exhaust: { sends: number; enobufs: number; frames: number; denied_frames: number; netstat_denied: string } | null;
  exceptions: number;
  leaks: number;
  invariant_failures: number;
  failures: string[];
  ms: Record<string, number>;
  /** The largest heap seen between batches and steps (MiB). */
  heap_mib: number;
  /** Frames from the Linux side of a tap: sent to Linux, taken by the
   *  interface, per second; or why the part did not run. */
  linux: { sent: number; rcvd: number; rate: number; skipped: string | null } | null;
  /** Frames from a host program on a mirrored interface (net/bpf_hostif.ts):
   *  sent, written onto the interface, refused, per second; or why not. */
  hostif: { sent: number; written: number; refused: number; rate: number; skipped: string | null } | null;
}

function repro_file(o: run_opts, what: string, data: unknown): string {
  const dir = o.outdir ?? os.tmpdir();
  const f = path.join(dir, `virtnet-fuzz-${o.build}-${o.seed}-${what}.json`);
  fs.writeFileSync(f, JSON.stringify(data, null, 1) + "\n");
  return f;
}

function count(s: run_summary, kind: string): void {
  if (kind === "exception") s.exceptions++;
  else if (kind === "leak") s.leaks++;
  else s.invariant_failures++;
}

export async function run_build(o0: run_opts): Promise<run_summary> {
  let o = o0;
  const log = o.log ?? ((s: string) => void process.stderr.write(s));
  const s: run_summary = { build: o.build, seed: o.seed, frames: 0, frame_bytes: 0, frames_denied: 0, steps: 0, chaos_cmds: "", badcmd_rows: 0, badcmd_known: [], kernel_cases: {}, exhaust: null, exceptions: 0, leaks: 0, invariant_failures: 0, failures: [], ms: {}, heap_mib: 0, linux: null, hostif: null };
  const user_progress = o.progress;
  o = { ...o, progress: (p, n) => {
    s.heap_mib = Math.max(s.heap_mib, Math.round(process.memoryUsage().heapUsed / 2 ** 20));
    user_progress?.(p, n);
  } };
  const t0 = (): number => performance.now();

  if (o.parts.includes("frames") && o.frames > 0) {
    const t = t0();
    const w = await make_world(o.build, o.seed);
    const r = new rng(o.seed);
    const st: frame_stats = { frames: 0, bytes: 0, denied: 0, batches: 0 };
    let left = o.frames;
    let b = 0;
    while (left > 0) {
      const pt = w.points[b++ % w.points.length];
      const n = Math.min(o.batch, left);
      const cases = draw_batch(r, pt, n);
      const before = st.frames + st.denied;
      const f = run_batch(w, pt, cases, st, true);
      left -= n;
      o.progress?.("frames", st.frames + st.denied - before);
      if (f === null) {
        if (b % 50 === 0) {
          const bad = check_ifnet_vnets(w) ?? check_heap();
          if (bad !== null) {
            s.invariant_failures++;
            s.failures.push(`frames: ${bad}`);
            break;
          }
        }
        continue;
      }
      count(s, f.kind);
      log(`\n[${o.build}] frames: ${f.kind} in batch ${b} on ${point_name(pt)} (seed ${o.seed}):\n${f.message}\nshrinking...\n`);
      const sh = await shrink_frames(o.build, o.seed, f);
      let msg: string;
      if (sh.one !== null && sh.failure !== null) {
        const file = repro_file(o, "frame", { build: o.build, seed: o.seed, kind: f.kind, ...case_json(sh.one) });
        msg =
          `frames: ${f.kind} (seed ${o.seed}, build ${o.build}); shrunk in ${sh.tries} tries to one frame of ${sh.one.bytes.length} bytes` +
          ` injected on ${sh.one.point} (${sh.one.target}${sh.one.cuts.length > 0 ? `, chain cut ${sh.one.cuts.join("+")}` : ""}):\n` +
          `  ${hex(sh.one.bytes)}\n  ${sh.failure.message.split("\n")[0]}\n` +
          `  replay: npm run fuzz -- --build ${o.build} --seed ${o.seed} --replay ${file}\n` +
          `     or: npm run fuzz -- --build ${o.build} --seed ${o.seed} --point ${sh.one.point} --replay ${hex(sh.one.bytes)}`;
      } else {
        const file = repro_file(o, "batch", { build: o.build, seed: o.seed, kind: f.kind, frames: f.batch.map(case_json) });
        msg = `frames: ${f.kind} (seed ${o.seed}, build ${o.build}); no single frame fails alone: the batch of ${f.batch.length} is in ${file}\n  replay: npm run fuzz -- --build ${o.build} --seed ${o.seed} --replay ${file}`;
      }
      s.failures.push(msg);
      log(`${msg}\n`);
      break;
    }
    s.frames = st.frames;
    s.frame_bytes = st.bytes;
    s.frames_denied = st.denied;
    if (s.failures.length === 0) {
      const td = await teardown(w);
      if (td !== null) {
        s.leaks++;
        s.failures.push(`frames: ${td}`);
      }
    }
    s.ms.frames = t0() - t;
  }

  if (o.parts.includes("chaos") && o.steps > 0) {
    const t = t0();
    const res = await run_chaos(o.build, o.seed, o.steps, null, { fingerprint_every: 100, progress: (n) => o.progress?.("chaos", n) });
    s.steps = res.steps.length;
    s.chaos_cmds = chaos_cmd_summary(res.w);
    if (res.failure !== null) {
      count(s, res.failure.kind);
      log(`\n[${o.build}] chaos: ${res.failure.kind} after ${res.failure.steps.length} steps (seed ${o.seed}):\n${res.failure.message}\nshrinking...\n`);
      const steps = await shrink_steps(o.build, o.seed, res.failure);
      const file = repro_file(o, "steps", { build: o.build, seed: o.seed, kind: res.failure.kind, steps });
      const msg = `chaos: ${res.failure.kind} (seed ${o.seed}, build ${o.build}): ${res.failure.message.split("\n")[0]}\n  shrunk to ${steps.length} steps:\n${steps.map((x) => `    ${x.kind} ${x.args.join(" ")}`).join("\n")}\n  replay: npm run fuzz -- --build ${o.build} --seed ${o.seed} --replay ${file}`;
      s.failures.push(msg);
      log(`${msg}\n`);
    }
    s.ms.chaos = t0() - t;
  }

  if (o.parts.includes("exhaust")) {
    const t = t0();
    const r = new rng(o.seed ^ 0xe4a);
    // The limits the loader would set: small, yet enough to bring the
    // topology up.
    const tunables = exhaust_tunables(r);
    const w = await make_world(o.build, o.seed, undefined, tunables);
    const rounds = 12;
    const ex = await run_exhaust(w, r, rounds, tunables);
    o.progress?.("exhaust", rounds);
    s.exhaust = { sends: ex.sends, enobufs: ex.enobufs, frames: ex.frames, denied_frames: ex.denied_frames, netstat_denied: ex.netstat_denied };
    for (const f of ex.failures) {
      if (/threw|Error|at /.test(f)) s.exceptions++;
      else if (/outstanding/.test(f)) s.leaks++;
      else s.invariant_failures++;
      s.failures.push(`exhaust: ${f}`);
    }
    const td = await teardown(w);
    if (td !== null) {
      s.leaks++;
      s.failures.push(`exhaust: ${td}`);
    }
    s.ms.exhaust = t0() - t;
  }

  if (o.parts.includes("badcmd")) {
    const t = t0();
    const w = await make_world(o.build, o.seed);
    const res = await run_badcmds(w, (n) => o.progress?.("badcmd", n));
    s.badcmd_rows = res.rows;
    s.badcmd_known = res.known;
    for (const f of res.failures) {
      if (f.includes(": JS:")) s.exceptions++;
      else s.invariant_failures++;
      s.failures.push(`badcmd: ${f}`);
    }
    const td = await teardown(w);
    if (td !== null) {
      s.leaks++;
      s.failures.push(`badcmd: ${td}`);
    }
    s.ms.badcmd = t0() - t;
  }
  if (o.parts.includes("kernel")) {
    const t = t0();
    const w = await make_world(o.build, o.seed);
    const res = run_kernel_targets(w, new rng(o.seed ^ 0x6b7), o.cases ?? 20_000, (n) => o.progress?.("kernel", n));
    s.kernel_cases = res.cases;
    for (const f of res.failures) {
      if (f.kind === "exception") s.exceptions++;
      else s.invariant_failures++;
      const msg = `kernel: ${f.message}\n  replay: npm run fuzz -- --build ${o.build} --seed ${o.seed} --replay kernel:${f.target}:${f.seed}`;
      s.failures.push(msg);
      log(`${msg}\n`);
    }
    if (res.failures.length === 0) {
      const td = await teardown(w);
      if (td !== null) {
        s.leaks++;
        s.failures.push(`kernel: ${td}`);
      }
    }
    s.ms.kernel = t0() - t;
  }
  if (o.parts.includes("linux")) {
    const t = t0();
    const w = await make_world(o.build, o.seed);
    // Through a real Linux TAP: a few thousand frames, not a million.
    const res = await run_linux(w, new rng(o.seed ^ 0x11a), Math.min(o.frames, 20_000), log);
    s.linux = { sent: res.sent, rcvd: res.rcvd, rate: res.rate, skipped: res.skipped };
    o.progress?.("linux", 1);
    for (const f of res.failures) {
      if (/exception/.test(f)) s.exceptions++;
      else s.invariant_failures++;
      s.failures.push(`linux: ${f}`);
      log(`linux: ${f}\n`);
    }
    const td = await teardown(w);
    if (td !== null) {
      s.leaks++;
      s.failures.push(`linux: ${td}`);
    }
    s.ms.linux = t0() - t;
  }
  if (o.parts.includes("hostif")) {
    const t = t0();
    const w = await make_world(o.build, o.seed);
    const res = await run_hostif(w, new rng(o.seed ^ 0x40f), Math.min(o.frames, 20_000), log);
    s.hostif = { sent: res.sent, written: res.written, refused: res.refused, rate: res.rate, skipped: res.skipped };
    o.progress?.("hostif", 1);
    for (const f of res.failures) {
      if (/exception/.test(f)) s.exceptions++;
      else s.invariant_failures++;
      s.failures.push(`hostif: ${f}`);
      log(`hostif: ${f}\n`);
    }
    const td = await teardown(w);
    if (td !== null) {
      s.leaks++;
      s.failures.push(`hostif: ${td}`);
    }
    s.ms.hostif = t0() - t;
  }
  return s;
}

/** --replay: a frame (file or hex), a batch file, or a steps file. */
export async function replay(build: fuzz_build, seed: number, arg: string, point: string | null, cuts: number[]): Promise<string | null> {
  let data: { kind?: string; point?: string; hex?: string; cuts?: number[]; frames?: { point: string; target: string; hex: string; cuts: number[] }[]; steps?: chaos_step[]; seed?: number } = {};
  if (fs.existsSync(arg)) data = JSON.parse(fs.readFileSync(arg, "utf8"));
  else data = { point: point ?? "fb:epair0b", hex: arg, cuts };
  const kc = /^kernel:([\w.]+):(\d+)$/.exec(arg);
  if (kc !== null) {
    // One kernel target case, in a fresh world.
    const w = await make_world(build, seed);
    const f = run_kernel_case(w, kc[1], Number(kc[2]));
    return f === null ? await teardown(w) : `${f.kind}: ${f.message}`;
  }
  const sd = data.seed ?? seed;
  if (data.steps !== undefined) {
    const r = await run_chaos(build, sd, 0, data.steps, { fingerprint_every: 0 });
    return r.failure === null ? null : `${r.failure.kind}: ${r.failure.message}`;
  }
  const { unhex } = await import("./rng.ts");
  const cases: frame_case[] = (data.frames ?? [{ point: data.point ?? "fb:epair0b", target: "replay", hex: data.hex ?? "", cuts: data.cuts ?? [] }]).map((c) => ({ point: c.point, target: c.target, bytes: unhex(c.hex), cuts: c.cuts }));
  const w = await make_world(build, sd);
  const st: frame_stats = { frames: 0, bytes: 0, denied: 0, batches: 0 };
  for (const c of cases) {
    const pt = w.points.find((p) => point_name(p) === c.point);
    if (pt === undefined) return `no injection point ${c.point} (have ${w.points.map(point_name).join(", ")})`;
  }
  // Frames of one point together, in order.
  const pt = w.points.find((p) => point_name(p) === cases[0].point);
  if (pt === undefined) return "no frames";
  const f = run_batch(w, pt, cases, st, true);
  if (f !== null) return `${f.kind}: ${f.message}`;
  const td = await teardown(w);
  return td;
}
