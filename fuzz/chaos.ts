// Chaos: seeded management steps under traffic, checked after each step;
// a failing run is shortened to the fewest steps that still fail.
import { chaos_kinds, pick_weighted, type chaos_model, type chaos_step } from "./registry.ts";
import { rng } from "./rng.ts";
import { make_world, drain_sockets, type world } from "./topo.ts";
import type { fuzz_build } from "./kernel.ts";
import { check_heap, check_ifnet_vnets, refresh_model, teardown, topo_fingerprint } from "./invariants.ts";
import { chaos_cmd_stats, chaos_kill_all } from "./targets/chaos_net.ts";

export interface chaos_failure {
  kind: "exception" | "invariant" | "leak";
  message: string;
  steps: chaos_step[];
}

function errstr(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

export function new_model(): chaos_model {
  return { jails: [], ifs: new Map(), next_jail: 0, next_net: 0 };
}

/** Background traffic between the end jails: a datagram each way. */
function traffic(w: world, i: number): void {
  const k = w.k;
  for (const [from, to] of [
    ["fa", "10.1.2.2"],
    ["fc", "10.1.1.1"],
  ]) {
    const p = w.procs.get(from);
    if (p === undefined) continue;
    const so = k.sys_socket(p, k.AF_INET, k.SOCK_DGRAM, 0);
    if (so.error !== 0) continue;
    k.sys_sendto(p, so.fd, new Uint8Array(32 + (i % 1400)), 0, new k.sockaddr_in(k.inet_aton(to) ?? 0, w.udp_port));
    k.sys_close(p, so.fd);
  }
  k.kern_advance_ns(2e6);
  drain_sockets(w);
}

export interface chaos_opts {
  /** Check the topology's jails every this many steps (and at the end). */
  fingerprint_every: number;
  progress?: (done: number) => void;
}

/**
 * Run `steps` (generated from the seed if `replay` is null) on a fresh
 * world; return the first failure.  With teardown, the world is taken down
 * at the end and checked for leaks.
 */
export function chaos_cmd_summary(w: world): string {
  return [...chaos_cmd_stats(w)].map(([p, [ok, no]]) => `${p} ${ok}/${ok + no}`).join(", ");
}

export async function run_chaos(build: fuzz_build, seed: number, nsteps: number, replay: chaos_step[] | null, o: chaos_opts): Promise<{ steps: chaos_step[]; failure: chaos_failure | null; w: world }> {
  const w = await make_world(build, seed);
  const r = new rng(seed ^ 0x5eed);
  const m = new_model();
  const done: chaos_step[] = [];
  const fp0 = await topo_fingerprint(w);
  const n = replay === null ? nsteps : replay.length;
  const fail = (kind: chaos_failure["kind"], message: string): { steps: chaos_step[]; failure: chaos_failure; w: world } => ({ steps: done, failure: { kind, message, steps: done.slice() }, w });
  for (let i = 0; i < n; i++) {
    refresh_model(w, m);
    let s: chaos_step | null = null;
    if (replay !== null) s = replay[i];
    else {
      for (let tries = 0; tries < 8 && s === null; tries++) s = pick_weighted(r, chaos_kinds).gen(r, m);
      if (s === null) continue;
    }
    const kind = chaos_kinds.find((c) => c.name === s.kind);
    if (kind === undefined) return fail("invariant", `unknown chaos step kind ${s.kind}`);
    done.push(s);
    try {
      await kind.run(w, m, s);
      traffic(w, i);
    } catch (e) {
      return fail("exception", errstr(e));
    }
    const bad = check_ifnet_vnets(w) ?? check_heap();
    if (bad !== null) return fail("invariant", bad);
    if (o.fingerprint_every > 0 && (i + 1) % o.fingerprint_every === 0) {
      const fp = await topo_fingerprint(w);
      if (fp !== fp0) return fail("invariant", `the topology's jails changed:\n${diff(fp0, fp)}`);
    }
    o.progress?.(1);
  }
  try {
    const fp = await topo_fingerprint(w);
    if (fp !== fp0) return fail("invariant", `the topology's jails changed:\n${diff(fp0, fp)}`);
    chaos_kill_all(w);
    const t = await teardown(w);
    if (t !== null) return fail("leak", t);
  } catch (e) {
    return fail("exception", errstr(e));
  }
  return { steps: done, failure: null, w };
}

function diff(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) out.push(`- ${x[i] ?? ""}\n+ ${y[i] ?? ""}`);
  return out.slice(0, 10).join("\n");
}

/** Delta debugging over the steps: drop chunks while the run still fails
 *  the same way. */
export async function shrink_steps(build: fuzz_build, seed: number, f: chaos_failure, budget = 60): Promise<chaos_step[]> {
  let cur = f.steps;
  let chunk = Math.max(1, cur.length >> 1);
  let tries = 0;
  while (chunk >= 1 && tries < budget) {
    let removed = false;
    for (let i = 0; i < cur.length && tries < budget; i += chunk) {
      const cand = [...cur.slice(0, i), ...cur.slice(i + chunk)];
      if (cand.length === 0) continue;
      tries++;
      const r = await run_chaos(build, seed, 0, cand, { fingerprint_every: 0 });
      if (r.failure !== null && r.failure.kind === f.kind) {
        cur = r.failure.steps;
        removed = true;
        i -= chunk;
      }
    }
    if (!removed) chunk >>= 1;
  }
  return cur;
}
