// Kernel targets: hostile cases thrown straight at kernel entry points
// (parsers, control message handlers).  Each case draws from its own
// generator, forked from the run's, so a failure names the seed that
// replays it alone.
import { kernel_targets, pick_weighted } from "./registry.ts";
import { rng } from "./rng.ts";
import type { world } from "./topo.ts";

export interface kernel_failure {
  kind: "exception" | "invariant";
  message: string;
  target: string;
  seed: number;
}

function errstr(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/** One case of the named target from seed (for replays and reports). */
export function run_kernel_case(w: world, target: string, seed: number): kernel_failure | null {
  const t = kernel_targets.find((x) => x.name === target);
  if (t === undefined) return { kind: "invariant", message: `no kernel target ${target}`, target, seed };
  let what = "";
  try {
    const bad = t.run(w, new rng(seed), (x) => void (what = x));
    return bad === null ? null : { kind: "invariant", message: `${target} (case seed ${seed}): ${bad}\n  input: ${what}`, target, seed };
  } catch (e) {
    return { kind: "exception", message: `${target} (case seed ${seed}): threw on ${what}\n${errstr(e)}`, target, seed };
  }
}

/** n cases over the registered targets by weight; stops at the first failure. */
export function run_kernel_targets(w: world, r: rng, n: number, progress?: (n: number) => void): { cases: Record<string, number>; failures: kernel_failure[] } {
  const cases: Record<string, number> = {};
  if (kernel_targets.length === 0) return { cases, failures: [] };
  for (let i = 0; i < n; i++) {
    const t = pick_weighted(r, kernel_targets);
    const seed = r.u32();
    cases[t.name] = (cases[t.name] ?? 0) + 1;
    const f = run_kernel_case(w, t.name, seed);
    if (f !== null) return { cases, failures: [f] };
    if ((i + 1) % 500 === 0) progress?.(500);
  }
  progress?.(n % 500);
  return { cases, failures: [] };
}
