// Exhaustion: the mbuf and cluster zones cut down to a few dozen items, as
// small kern.ipc.nmbufs / kern.ipc.nmbclusters loader tunables would set
// them (the running kernel's sysctls only let them grow, so the limits are
// set on the zones, as uma_zone_set_max does), then floods from sockets
// and from the wire.  Allocation failures are counted (ENOBUFS, netstat -m's
// denied requests), nothing throws; with the limits back, traffic flows
// again and nothing is left outstanding.
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

export async function run_exhaust(w: world, r: rng, rounds: number): Promise<exhaust_result> {
  const k = w.k;
  const res: exhaust_result = { rounds, sends: 0, enobufs: 0, frames: 0, denied_frames: 0, netstat_denied: "", failures: [] };
  const fa = w.procs.get("fa");
  const fc = w.procs.get("fc");
  if (fa === undefined || fc === undefined) return { ...res, failures: ["no processes in the jails"] };
  for (let round = 0; round < rounds; round++) {
    const nm = r.range(8, 200);
    const nc = r.range(2, 60);
    try {
      k.mbuf_set_limits(nm, nc);
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
  // Normal traffic again.
  const ping = await w.run(["jexec", "fa", "ping", "-c", "2", "-t", "5", "10.1.2.2"]);
  if (ping.status !== 0) res.failures.push(`after the floods ping fails (${ping.status}):\n${ping.out}${ping.err}`);
  k.kern_advance_ns(61e9);
  drain_sockets(w);
  const o = k.mbuf_outstanding();
  if (o.mbufs !== 0 || o.clusters !== 0) res.failures.push(`after the floods ${o.mbufs} mbufs and ${o.clusters} clusters outstanding`);
  return res;
}
