// What must hold after every step or batch, read from the kernel's state.
import type { world } from "./topo.ts";
import { TOPO_JAILS } from "./topo.ts";
import type { chaos_model } from "./registry.ts";
import type { ifnet } from "../net/if.ts";

/** Every interface on exactly one vnet's list, with if_vnet that vnet. */
export function check_ifnet_vnets(w: world): string | null {
  const k = w.k;
  const seen = new Map<ifnet, string>();
  for (const v of k.vnet_head) {
    const list = k.vnet_run(v, "fuzz", () => k.V_ifnet().slice());
    for (const ifp of list) {
      const name = k.vnet_name(v);
      if (ifp.if_vnet !== v) return `${ifp.if_xname} is on ${name}'s list but its if_vnet is ${ifp.if_vnet === null ? "NULL" : k.vnet_name(ifp.if_vnet)}`;
      const other = seen.get(ifp);
      if (other !== undefined) return `${ifp.if_xname} is on both ${other}'s and ${name}'s lists`;
      seen.set(ifp, name);
    }
  }
  return null;
}

/** The chaos model as the kernel has it: the chaos jails (named c<N>), and
 *  the epairs other than the topology's, with the jail each is in. */
export function refresh_model(w: world, m: chaos_model): void {
  const k = w.k;
  m.jails = [];
  m.ifs.clear();
  const vname = new Map<unknown, string>([[k.vnet0, "host"]]);
  for (let jid = 1; jid <= 4096; jid++) {
    const pr = k.prison_find(jid);
    if (pr === null) continue;
    if (/^c[0-9]+$/.test(pr.pr_name)) m.jails.push(pr.pr_name);
    if (pr.pr_vnet !== k.vnet0) vname.set(pr.pr_vnet, pr.pr_name);
  }
  for (const v of k.vnet_head) {
    const where = vname.get(v);
    if (where === undefined || (TOPO_JAILS as readonly string[]).includes(where)) continue;
    for (const ifp of k.vnet_run(v, "fuzz", () => k.V_ifnet().slice())) {
      if (/^epair[0-9]+[ab]$/.test(ifp.if_xname) && !/^epair[01][ab]$/.test(ifp.if_xname)) m.ifs.set(ifp.if_xname, where);
    }
  }
}

/** What the chaos must not change in the topology's jails: their
 *  addresses, interfaces, routes and the sysctls it touches elsewhere. */
export async function topo_fingerprint(w: world): Promise<string> {
  let s = "";
  for (const j of TOPO_JAILS) {
    for (const argv of [
      ["ifconfig", "-a"],
      ["netstat", "-rn"],
      ["sysctl", "net.inet.ip.forwarding", "net.inet.icmp.icmplim", "net.inet.ip.ttl", "net.link.ether.inet.max_age", "net.inet.ip.redirect", "net.inet.udp.blackhole"],
    ]) {
      const r = await w.run(["jexec", j, ...argv]);
      s += `${j}$ ${argv.join(" ")} [${r.status}]\n${r.out}${r.err}`;
    }
  }
  return s;
}

/** The heap stays bounded (bytes). */
export const HEAP_LIMIT = 3 * 1024 ** 3;

export function check_heap(): string | null {
  const used = process.memoryUsage().heapUsed;
  return used > HEAP_LIMIT ? `heap ${Math.round(used / 2 ** 20)} MiB over ${HEAP_LIMIT / 2 ** 20} MiB` : null;
}

/** Tear the world down through the programs: every jail removed, every
 *  epair destroyed, time run; then no mbuf is left and only vnet0 remains. */
export async function teardown(w: world): Promise<string | null> {
  const k = w.k;
  for (const p of w.procs.values()) k.proc_exit(p);
  w.procs.clear();
  w.sockets = [];
  const names: string[] = [];
  for (let jid = 1; jid <= 4096; jid++) {
    const pr = k.prison_find(jid);
    if (pr !== null) names.push(pr.pr_name);
  }
  for (const n of names) {
    const r = await w.run(["jail", "-r", n]);
    if (r.status !== 0) return `teardown: jail -r ${n}: ${r.status} ${r.err}`;
  }
  const list = k.vnet_run(k.vnet0, "fuzz", () => k.V_ifnet().map((i) => i.if_xname));
  for (const n of list) {
    if (!/^epair[0-9]+a$/.test(n)) continue;
    const r = await w.run(["ifconfig", n, "destroy"]);
    if (r.status !== 0) return `teardown: ifconfig ${n} destroy: ${r.status} ${r.err}`;
  }
  k.kern_advance_ns(120e9);
  const o = k.mbuf_outstanding();
  if (o.mbufs !== 0 || o.clusters !== 0) return `after teardown ${o.mbufs} mbufs and ${o.clusters} clusters outstanding`;
  if (k.vnet_head.length !== 1) return `after teardown ${k.vnet_head.length} vnets remain (${k.vnet_head.map((v) => k.vnet_name(v)).join(", ")})`;
  return null;
}
