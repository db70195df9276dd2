// Shrinking a failing batch of frames to one frame, then that frame to
// fewer bytes, by replaying on fresh worlds of the same seed.
import type { fuzz_build } from "./kernel.ts";
import { make_world, type world } from "./topo.ts";
import { point_name, run_batch, type frame_case, type frame_failure, type frame_stats } from "./frames.ts";

export interface shrink_result {
  /** The smallest failing case found (one frame), or null if no single
   *  frame of the batch fails alone. */
  one: frame_case | null;
  failure: frame_failure | null;
  tries: number;
}

/** Does `c` alone fail in the way `kind` names?  May replace the world
 *  (after an exception the kernel's state is not to be trusted). */
async function fails(ctx: { w: world; build: fuzz_build; seed: number }, c: frame_case, kind: frame_failure["kind"]): Promise<frame_failure | null> {
  const pt = ctx.w.points.find((p) => point_name(p) === c.point);
  if (pt === undefined) return null;
  const st: frame_stats = { frames: 0, bytes: 0, denied: 0, batches: 0 };
  const f = run_batch(ctx.w, pt, [c], st, true);
  if (f !== null && f.kind === "exception") ctx.w = await make_world(ctx.build, ctx.seed);
  return f !== null && f.kind === kind ? f : null;
}

export async function shrink_frames(build: fuzz_build, seed: number, failure: frame_failure, budget = 400): Promise<shrink_result> {
  const ctx = { w: await make_world(build, seed), build, seed };
  let tries = 0;
  // The culprit: for an exception the last frame is likeliest.
  const order = failure.kind === "exception" ? [...failure.batch].reverse() : failure.batch;
  let best: frame_case | null = null;
  let bestf: frame_failure | null = null;
  for (const c of order) {
    tries++;
    const f = await fails(ctx, c, failure.kind);
    if (f !== null) {
      best = c;
      bestf = f;
      break;
    }
  }
  if (best === null) return { one: null, failure: null, tries };
  const attempt = async (cand: frame_case): Promise<boolean> => {
    if (tries >= budget) return false;
    tries++;
    const f = await fails(ctx, cand, failure.kind);
    if (f === null) return false;
    best = cand;
    bestf = f;
    return true;
  };
  const cur = (): frame_case => best as frame_case;
  // A plain chain first.
  if (cur().cuts.length !== 0) await attempt({ ...cur(), cuts: [] });
  // Then fewer bytes: chunks off the end, then from the middle, halving.
  for (let chunk = cur().bytes.length >> 1; chunk >= 1 && tries < budget; chunk >>= 1) {
    let progress = true;
    while (progress && tries < budget) {
      progress = false;
      for (let at = cur().bytes.length - chunk; at >= 0 && tries < budget; at -= chunk) {
        const b = cur().bytes;
        const nb = new Uint8Array(b.length - chunk);
        nb.set(b.subarray(0, at));
        nb.set(b.subarray(at + chunk), at);
        if (await attempt({ ...cur(), bytes: nb, cuts: fit_cuts(cur().cuts, nb.length) })) {
          progress = true;
          break;
        }
      }
    }
  }
  // Then simpler bytes: zeros where they do not matter.
  for (let i = 0; i < cur().bytes.length && tries < budget; i++) {
    if (cur().bytes[i] === 0) continue;
    const nb = cur().bytes.slice();
    nb[i] = 0;
    await attempt({ ...cur(), bytes: nb });
  }
  return { one: best, failure: bestf, tries };
}

/** Cuts that still fit a shorter frame. */
function fit_cuts(cuts: number[], len: number): number[] {
  const out: number[] = [];
  let left = len;
  for (const c of cuts) {
    if (left <= 0) break;
    out.push(Math.min(c, left));
    left -= c;
  }
  return out;
}
