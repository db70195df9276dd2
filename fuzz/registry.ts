// The registry of fuzz targets.  A subsystem joins the suite by adding one
// file under fuzz/targets/ that registers what it brings, and one import
// line in fuzz/targets/index.ts:
//   - frame targets: generators of hostile frames (bytes on the wire), each
//     aimed at an injection point of the topology (fuzz/topo.ts);
//   - chaos kinds: management steps run under traffic through the programs
//     or the system calls, as plain data so that a failing list replays;
//   - bad-command tables: malformed command lines with the message and exit
//     status FreeBSD's program gives;
//   - kernel targets: hostile input thrown straight at a kernel entry point
//     (a parser, a control message handler), one case at a time.
import type { rng } from "./rng.ts";
import type { inject_point, world } from "./topo.ts";

export interface frame_target {
  /** Short name, shown in reproductions (e.g. "inet.icmp"). */
  name: string;
  /** Relative share of the frames. */
  weight: number;
  /** One frame for the point, link header included. */
  gen(r: rng, pt: inject_point): Uint8Array;
}

/** A chaos step: a kind's name and its arguments, JSON-able. */
export interface chaos_step {
  kind: string;
  args: (string | number)[];
}

/** What a chaos kind knows of the world between steps: the jails and
 *  interfaces the chaos made (the topology's own are never touched). */
export interface chaos_model {
  jails: string[];
  /** interface name -> the jail it is in ("host" for vnet0). */
  ifs: Map<string, string>;
  next_jail: number;
  next_net: number;
}

export interface chaos_kind {
  name: string;
  weight: number;
  /** A step of this kind for the model as it is, or null if none fits. */
  gen(r: rng, m: chaos_model): chaos_step | null;
  /** Run the step; update the model from what happened. */
  run(w: world, m: chaos_model, s: chaos_step): Promise<void>;
}

/** One malformed invocation and what FreeBSD's program answers. */
export interface badcmd_row {
  argv: string[];
  status: number;
  /** The whole of stderr, or a pattern it matches. */
  err: string | RegExp;
  /** The whole of stdout (default: nothing), or a pattern. */
  out?: string | RegExp;
  /** Set where VirtNet's program is known to answer otherwise than
   *  FreeBSD's (the expectation above stays FreeBSD's): why. */
  known?: string;
}

/** One hostile case for a kernel entry point.  `note` is told what the case
 *  throws before it is thrown (the report names it if the kernel throws);
 *  the case returns null, or what went wrong when the kernel answered in a
 *  way it must not (an invariant). */
export interface kernel_target {
  name: string;
  weight: number;
  run(w: world, r: rng, note: (what: string) => void): string | null;
}

export const frame_targets: frame_target[] = [];
export const kernel_targets: kernel_target[] = [];
export const chaos_kinds: chaos_kind[] = [];
export const badcmd_tables = new Map<string, badcmd_row[]>();

export function register_frame_target(t: frame_target): void {
  frame_targets.push(t);
}
export function register_chaos_kind(c: chaos_kind): void {
  chaos_kinds.push(c);
}
export function register_kernel_target(t: kernel_target): void {
  kernel_targets.push(t);
}
export function register_badcmds(program: string, rows: badcmd_row[]): void {
  badcmd_tables.set(program, [...(badcmd_tables.get(program) ?? []), ...rows]);
}

/** Pick by weight. */
export function pick_weighted<T extends { weight: number }>(r: rng, a: readonly T[]): T {
  let total = 0;
  for (const x of a) total += x.weight;
  let n = r.int(total);
  for (const x of a) {
    n -= x.weight;
    if (n < 0) return x;
  }
  return a[a.length - 1];
}
