// npm run fuzz: the robustness suite's command line.  With --build both
// (the default) each build runs in its own process, side by side.
//
//   npm run fuzz -- [--seed N] [--frames N] [--steps N] [--batch N]
//                   [--only frames,chaos,exhaust,badcmd,kernel,linux,hostif]
//   (linux: frames from a real Linux TAP; hostif: from a host program on a
//   mirrored interface; both root, in `unshare -n` only)
//                   [--build vimage|vimage-debug|both]
//                   [--replay FILE|HEX [--point JAIL:IF] [--cuts A,B,...]]
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PARTS, replay, run_build, type part, type run_summary } from "./run.ts";
import type { fuzz_build } from "./kernel.ts";

interface cli {
  seed: number;
  frames: number;
  steps: number;
  batch: number;
  only: part[];
  build: fuzz_build | "both";
  replay: string | null;
  point: string | null;
  cuts: number[];
  child: boolean;
}

function usage(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\nusage: npm run fuzz -- [--seed N] [--frames N] [--steps N] [--batch N] [--only ${PARTS.join(",")}] [--build vimage|vimage-debug|both] [--replay FILE|HEX [--point JAIL:IF] [--cuts A,B] | --replay kernel:TARGET:SEED]\n`);
  process.exit(64);
}

function parse(argv: string[]): cli {
  const c: cli = { seed: 1, frames: 1_000_000, steps: 10_000, batch: 500, only: [...PARTS], build: "both", replay: null, point: null, cuts: [], child: false };
  const num = (v: string | undefined, name: string): number => {
    if (v === undefined || !/^\d+$/.test(v)) usage(`${name} needs a number`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string | undefined => argv[++i];
    switch (a) {
      case "--seed":
        c.seed = num(v(), a);
        break;
      case "--frames":
        c.frames = num(v(), a);
        break;
      case "--steps":
        c.steps = num(v(), a);
        break;
      case "--batch":
        c.batch = Math.max(1, num(v(), a));
        break;
      case "--only": {
        const list = (v() ?? "").split(",");
        for (const p of list) if (!(PARTS as readonly string[]).includes(p)) usage(`unknown part ${p}`);
        c.only = list as part[];
        break;
      }
      case "--build": {
        const b = v();
        if (b !== "vimage" && b !== "vimage-debug" && b !== "both") usage(`unknown build ${b}`);
        c.build = b;
        break;
      }
      case "--replay":
        c.replay = v() ?? usage("--replay needs a file or hex");
        break;
      case "--point":
        c.point = v() ?? usage("--point needs JAIL:IF");
        break;
      case "--cuts":
        c.cuts = (v() ?? "").split(",").filter((x) => x !== "").map((x) => num(x, a));
        break;
      case "--child":
        c.child = true;
        break;
      default:
        usage(`unknown argument ${a}`);
    }
  }
  return c;
}

const tty = process.stderr.isTTY === true;

/** Progress of the builds: a bar on a terminal, a line per tenth otherwise. */
class progress {
  private done = new Map<string, number>();
  private last = new Map<string, number>();
  private lastdraw = 0;
  constructor(private totals: Map<string, number>) {}
  add(build: string, p: string, n: number): void {
    const key = `${build} ${p}`;
    const d = (this.done.get(key) ?? 0) + n;
    this.done.set(key, d);
    const total = this.totals.get(p) ?? 1;
    if (tty) {
      const now = Date.now();
      if (now - this.lastdraw < 200 && d < total) return;
      this.lastdraw = now;
      const cols: string[] = [];
      for (const [k, v] of this.done) {
        const t = this.totals.get(k.split(" ")[1]) ?? 1;
        const f = Math.min(1, v / t);
        const w = 16;
        cols.push(`${k} [${"#".repeat(Math.round(f * w)).padEnd(w, ".")}] ${Math.round(f * 100)}%`);
      }
      process.stderr.write(`\r${cols.slice(-2).join("  ")}\x1b[K`);
    } else {
      const tenth = Math.floor((d / total) * 10);
      if (tenth !== (this.last.get(key) ?? -1)) {
        this.last.set(key, tenth);
        process.stderr.write(`fuzz: ${key}: ${d}/${total}\n`);
      }
    }
  }
  end(): void {
    if (tty) process.stderr.write("\n");
  }
}

function print_summary(s: run_summary, secs: number): void {
  const ms = Object.entries(s.ms)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
    .join(", ");
  process.stdout.write(
    `${s.build} (seed ${s.seed}): ${s.frames} frames (${(s.frame_bytes / 2 ** 20).toFixed(1)} MiB, ${s.frames_denied} without mbufs), ${s.steps} chaos steps, ${s.badcmd_rows} bad command lines` +
      (s.exhaust !== null ? `, exhaustion: ${s.exhaust.enobufs}/${s.exhaust.sends} sends ENOBUFS, ${s.exhaust.denied_frames} frames without mbufs, netstat -m: ${s.exhaust.netstat_denied}` : "") +
      (s.chaos_cmds !== "" ? `\n  chaos commands that succeeded: ${s.chaos_cmds}` : "") +
      (s.linux !== null ? (s.linux.skipped !== null ? `\n  linux: skipped (${s.linux.skipped})` : `\n  linux: ${s.linux.sent} frames written into the Linux TAP, ${s.linux.rcvd} reached the interface (${s.linux.rate}/s)`) : "") +
      (s.hostif !== null ? (s.hostif.skipped !== null ? `\n  hostif: skipped (${s.hostif.skipped})` : `\n  hostif: ${s.hostif.sent} frames sent on a mirrored TAP, ${s.hostif.written} written onto the interface, ${s.hostif.refused} refused (${s.hostif.rate}/s)`) : "") +
      (Object.keys(s.kernel_cases).length > 0 ? `\n  kernel target cases: ${Object.entries(s.kernel_cases).map(([n, v]) => `${n} ${v}`).join(", ")}` : "") +
      `\n  ${s.exceptions} exceptions, ${s.leaks} leaks, ${s.invariant_failures} invariant failures; heap at most ${s.heap_mib} MiB; ${secs.toFixed(1)} s (${ms})\n`,
  );
  if (s.badcmd_known.length > 0) process.stdout.write(`  ${s.badcmd_known.length} command lines where VirtNet's program still differs from FreeBSD's (known):\n${s.badcmd_known.map((k) => `    ${k}`).join("\n")}\n`);
  for (const f of s.failures) process.stdout.write(`  FAIL ${f.replace(/\n/g, "\n    ")}\n`);
}

async function main(): Promise<number> {
  const c = parse(process.argv.slice(2));
  if (c.replay !== null) {
    const b: fuzz_build = c.build === "both" ? "vimage" : c.build;
    const r = await replay(b, c.seed, c.replay, c.point, c.cuts);
    process.stdout.write(r === null ? `replay on ${b}: no failure\n` : `replay on ${b}: ${r}\n`);
    return r === null ? 0 : 1;
  }
  const totals = new Map<string, number>([
    ["frames", c.only.includes("frames") ? c.frames : 0],
    ["chaos", c.only.includes("chaos") ? c.steps : 0],
    ["exhaust", 12],
    ["badcmd", 1],
    ["kernel", 20_000],
    ["linux", 1],
    ["hostif", 1],
  ]);
  if (c.child) {
    // A child reports progress and its summary as JSON lines.
    const s = await run_build({
      build: c.build as fuzz_build,
      seed: c.seed,
      frames: c.frames,
      steps: c.steps,
      batch: c.batch,
      parts: c.only,
      progress: (p, n) => process.stdout.write(`${JSON.stringify({ t: "progress", p, n })}\n`),
      log: (x) => process.stdout.write(`${JSON.stringify({ t: "log", x })}\n`),
    });
    process.stdout.write(`${JSON.stringify({ t: "summary", s })}\n`);
    return 0;
  }
  const builds: fuzz_build[] = c.build === "both" ? ["vimage", "vimage-debug"] : [c.build];
  const { badcmd_tables } = await import("./registry.ts");
  await import("./targets/index.ts");
  let rows = 0;
  for (const r of badcmd_tables.values()) rows += r.length;
  totals.set("badcmd", rows);
  const bar = new progress(totals);
  const t0 = performance.now();
  const self = fileURLToPath(import.meta.url);
  // The bundles load ahead of tsx, as in the tests (tests/helpers/bundles.mjs).
  const bundles_hook = new URL("../tests/helpers/bundles.mjs", import.meta.url).href;
  const args = process.argv.slice(2).filter((_, i, a) => a[i] !== "--build" && a[i - 1] !== "--build");
  const results = await Promise.all(
    builds.map(
      (b) =>
        new Promise<run_summary | null>((resolve) => {
          const ch = spawn(process.execPath, ["--import=tsx", `--import=${bundles_hook}`, self, ...args, "--build", b, "--child"], { stdio: ["ignore", "pipe", "inherit"] });
          let buf = "";
          let sum: run_summary | null = null;
          ch.stdout.on("data", (d: Buffer) => {
            buf += d.toString();
            let nl;
            while ((nl = buf.indexOf("\n")) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              let m: { t: string; p?: string; n?: number; x?: string; s?: run_summary };
              try {
                m = JSON.parse(line);
              } catch {
                process.stderr.write(`${line}\n`);
                continue;
              }
              if (m.t === "progress") bar.add(b, m.p ?? "", m.n ?? 0);
              else if (m.t === "log") process.stderr.write(`${tty ? "\n" : ""}${m.x ?? ""}`);
              else if (m.t === "summary") sum = m.s ?? null;
            }
          });
          ch.on("close", (code) => {
            if (sum === null) process.stderr.write(`fuzz: the ${b} run died (status ${code})\n`);
            resolve(sum);
          });
        }),
    ),
  );
  bar.end();
  const secs = (performance.now() - t0) / 1000;
  let bad = 0;
  for (let i = 0; i < builds.length; i++) {
    const s = results[i];
    if (s === null) {
      process.stdout.write(`${builds[i]}: the run died\n`);
      bad++;
      continue;
    }
    print_summary(s, secs);
    bad += s.exceptions + s.leaks + s.invariant_failures;
  }
  const tot = results.reduce((a, s) => a + (s?.frames ?? 0), 0);
  const steps = results.reduce((a, s) => a + (s?.steps ?? 0), 0);
  process.stdout.write(`fuzz: ${tot} frames, ${steps} chaos steps on ${builds.join(" and ")} in ${secs.toFixed(1)} s: ${bad === 0 ? "no failure" : `${bad} failures`}\n`);
  return bad === 0 ? 0 : 1;
}

process.exitCode = await main();
