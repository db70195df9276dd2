// Exhaustion: the mbuf and cluster zones cut down to a few hundred items by
// the kern.ipc.nmbufs / kern.ipc.nmbclusters loader tunables the world was
// booted with (the first round floods at those limits), then to a few dozen
// per round (the running kernel's sysctls only let them grow, so those
// limits are set on the zones, as uma_zone_set_max does), then floods from
// sockets and from the wire.  Allocation failures are counted (ENOBUFS,
// netstat -m's denied requests), nothing throws; with the limits back,
// traffic flows again and nothing is left outstanding.
import type { world } from "./topo.ts";
import { drain_sockets } from "./topo.ts";
import { draw_case, inject, point_ifps } from "./frames.ts";
import type { rng } from "./rng.ts";

export interface exhaust_result {
  rounds: number;
  sends: number;
  enobufs: number;
  frames: number;
  denied_frames: number;
  /** netstat -m's "requests for mbufs denied" at the end of the floods. */
  netstat_denied: string;
  failures: string[];
}

/** Loader tunables for the exhaustion world: a few hundred mbufs and clusters. */
export function exhaust_tunables(r: rng): Record<string, number> {
  return { "kern.ipc.nmbufs": r.range(600, 1200), "kern.ipc.nmbclusters": r.range(150, 400) };
}

export async function run_exhaust(w: world, r: rng, rounds: number, tunables: Record<string, number>): Promise<exhaust_result> {
  const k = w.k;
  const res: exhaust_result = { rounds, sends: 0, enobufs: 0, frames: 0, denied_frames: 0, netstat_denied: "", failures: [] };
  const fa = w.procs.get("fa");
  const fc = w.procs.get("fc");
  if (fa === undefined || fc === undefined) return { ...res, failures: ["no processes in the jails"] };
  // The tunables reached the kernel as FreeBSD's loader would hand them over.
  for (const [name, v] of Object.entries(tunables)) {
    const got = k.kernel_sysctlbyname(k.cred0, name).value;
    if (got !== v) res.failures.push(`loader tunable ${name}=${v}: the kernel has ${String(got)}`);
  }
  for (let round = 0; round < rounds; round++) {
    // Round 0 floods at the boot limits; the others cut them further.
    const nm = round === 0 ? tunables["kern.ipc.nmbufs"] : r.range(8, 200);
    const nc = round === 0 ? tunables["kern.ipc.nmbclusters"] : r.range(2, 60);
    try {
      if (round > 0) k.mbuf_set_limits(nm, nc);
      const so = k.sys_socket(fa, k.AF_INET, k.SOCK_DGRAM, 0);
      if (so.error !== 0) {
        res.failures.push(`round ${round}: socket: ${so.error}`);
        continue;
      }
      const to = new k.sockaddr_in(k.inet_aton("10.1.2.2") ?? 0, w.udp_port);
      for (let i = 0; i < 400; i++) {
        const e = k.sys_sendto(fa, so.fd, new Uint8Array(r.chance(0.5) ? r.int(200) : r.range(200, 8000)), 0, to);
        res.sends++;
        if (e.error === k.ENOBUFS) res.enobufs++;
        if (i % 50 === 0) k.kern_advance_ns(1e6);
      }
      k.sys_close(fa, so.fd);
      for (let i = 0; i < 400; i++) {
        const pt = w.points[r.int(w.points.length)];
        const ifs = point_ifps(w, pt);
        if (ifs === null) break;
        const c = draw_case(r, pt);
        if (inject(k, ifs.ifp, c, { packets: 0, bytes: 0, errors: 0, mcasts: 0 })) res.frames++;
        else res.denied_frames++;
      }
      k.kern_advance_ns(61e9);
      drain_sockets(w);
    } catch (e) {
      res.failures.push(`round ${round} (limits ${nm} mbufs, ${nc} clusters): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      break;
    } finally {
      k.mbuf_restore_limits();
    }
  }
  const ns = await w.run(["netstat", "-m"]);
  res.netstat_denied = ns.out.split("\n").find((l) => l.includes("requests for mbufs denied")) ?? "";
  if (ns.status !== 0 || !/^[1-9]\d*\/\d+\/\d+ requests for mbufs denied/.test(res.netstat_denied)) res.failures.push(`netstat -m does not count the denied requests: ${JSON.stringify(res.netstat_denied)}`);
  if (res.enobufs === 0) res.failures.push("no send met ENOBUFS: the floods did not exhaust the zones");
  // Normal traffic again.  The hostile frames of the floods may have
  // rewritten ARP entries (a forged reply moves 10.1.2.2 to another MAC, as
  // it would on FreeBSD), so the entries are flushed first, as an operator
  // would after such an attack; routes and addresses are left as they are.
  for (const j of ["fa", "fb", "fc"]) await w.run(["jexec", j, "arp", "-d", "-a"]);
  const before = k.mbuf_outstanding();
  const ping = await w.run(["jexec", "fa", "ping", "-c", "2", "-t", "5", "10.1.2.2"]);
  if (ping.status !== 0) {
    // What the hostile frames may have left: the ARP tables and routes on the way.
    let state = "";
    for (const j of ["fa", "fb"]) {
      for (const cmd of [["arp", "-an"], ["netstat", "-rn", "-f", "inet"]]) {
        const o = await w.run(["jexec", j, ...cmd]);
        state += `  ${j}: ${cmd.join(" ")}\n${o.out}${o.err}`;
      }
    }
    res.failures.push(`after the floods ping fails (${ping.status}), ${JSON.stringify(before)} outstanding, limits ${JSON.stringify(tunables)}, zones ${JSON.stringify(k.mbuf_zone_stats())}:\n${ping.out}${ping.err}${state}`);
  }
  k.kern_advance_ns(61e9);
  drain_sockets(w);
  const o = k.mbuf_outstanding();
  if (o.mbufs !== 0 || o.clusters !== 0) res.failures.push(`after the floods ${o.mbufs} mbufs and ${o.clusters} clusters outstanding`);
  return res;
}
