// The robustness suite at CI size (npm run fuzz runs it at full size):
// hostile frames, chaos steps, exhaustion, bad command lines and hostile
// input at kernel entry points (netgraph's parser and messages) on the
// VIMAGE and VNET_DEBUG builds, with no exception, leak or broken invariant.
import test from "ava";
import { run_build, type part, type run_summary } from "../../fuzz/run.ts";
import type { fuzz_build } from "../../fuzz/kernel.ts";


async function run(build: fuzz_build, parts: part[], frames: number, steps: number, seed: number, cases?: number): Promise<run_summary> {
  let log = "";
  const s = await run_build({ build, seed, frames, steps, batch: 500, parts, cases, log: (x) => void (log += x) });
  if (s.failures.length > 0) throw new Error(`${s.failures.join("\n")}\n${log}`);
  return s;
}

function clean(t: { is: (a: unknown, b: unknown, m?: string) => void }, s: run_summary): void {
  t.is(s.exceptions, 0, "exceptions");
  t.is(s.leaks, 0, "leaks");
  t.is(s.invariant_failures, 0, "invariant failures");
}

test.serial("frames: 50,000 hostile frames on the VIMAGE build", async (t) => {
  const s = await run("vimage", ["frames"], 50_000, 0, 11);
  t.is(s.frames + s.frames_denied, 50_000);
  clean(t, s);
});

test.serial("frames: 50,000 hostile frames on the VNET_DEBUG build", async (t) => {
  const s = await run("vimage-debug", ["frames"], 50_000, 0, 12);
  t.is(s.frames + s.frames_denied, 50_000);
  clean(t, s);
});

test.serial("chaos: 1,000 steps under traffic on the VIMAGE build", async (t) => {
  const s = await run("vimage", ["chaos"], 0, 1000, 13);
  t.true(s.steps >= 990);
  clean(t, s);
});

test.serial("chaos: 1,000 steps under traffic on the VNET_DEBUG build", async (t) => {
  const s = await run("vimage-debug", ["chaos"], 0, 1000, 14);
  t.true(s.steps >= 990);
  clean(t, s);
});

for (const b of ["vimage", "vimage-debug"] as const) {
  test.serial(`exhaustion: floods with the zones cut down, then traffic again (${b})`, async (t) => {
    const s = await run(b, ["exhaust"], 0, 0, 15);
    t.truthy(s.exhaust);
    t.true((s.exhaust?.enobufs ?? 0) > 0, "some sends met ENOBUFS");
    t.regex(s.exhaust?.netstat_denied ?? "", /^[1-9]\d*\/\d+\/\d+ requests for mbufs denied/);
    clean(t, s);
  });
}

test.serial("bad command lines: FreeBSD's messages and statuses, no JavaScript", async (t) => {
  const s = await run("vimage", ["badcmd"], 0, 0, 16);
  t.true(s.badcmd_rows >= 300, `${s.badcmd_rows} rows`);
  clean(t, s);
});

for (const b of ["vimage", "vimage-debug"] as const) {
  test.serial(`kernel targets: 10,000 hostile netgraph texts and messages (${b})`, async (t) => {
    const s = await run(b, ["kernel"], 0, 0, 17, 10_000);
    for (const n of ["netgraph.parse", "netgraph.ascii2binary", "netgraph.binary2ascii", "netgraph.generic"]) t.true((s.kernel_cases[n] ?? 0) > 1000, `${n}: ${s.kernel_cases[n]} cases`);
    clean(t, s);
  });
}
