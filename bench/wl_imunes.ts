// The IMUNES workload: a generated IMUNES-style topology (JSON form) of R
// routers in a chain, each with a lanswitch of P PCs behind it, loaded with
// `imunes -b` through the simulated userland (as a user would: the same
// programs, the same order as IMUNES's deployCfg), then every PC's first
// ping to the PC of the same rank behind the next router (ARP on every hop
// included).  Time (wall clock) and memory to load; time for the pings.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cred0, proc_create, proc_exit, sh_options_for, sh_shell } from "../index.ts";
import { mem_in_use, now_ns } from "./wl_util.ts";

/** The topology: routers r0..r{R-1} in a chain (10.1.i.0/24 between ri
 *  and ri+1), switch swi with PCs pci_1..pci_P on 10.0.i.0/24 behind ri
 *  (.254).  Every router has a static route to every other LAN. */
export function imunes_gen(routers: number, pcs_per_lan: number): string {
  const nodes: Record<string, unknown> = {};
  const links: Record<string, unknown> = {};
  let nl = 0;
  const link = (a: string, ai: string, b: string, bi: string, extra: Record<string, string> = {}): string => {
    const id = `l${nl++}`;
    links[id] = { peers: `${a} ${b}`, peers_ifaces: `${ai} ${bi}`, ...extra };
    return id;
  };
  const rid = (i: number): string => `n${i}`;
  const sid = (i: number): string => `n${routers + i}`;
  const pid = (i: number, j: number): string => `n${2 * routers + i * pcs_per_lan + j}`;
  const r_ifaces: Record<string, Record<string, unknown>>[] = [];
  const s_ifaces: Record<string, Record<string, unknown>>[] = [];
  for (let i = 0; i < routers; i++) {
    r_ifaces.push({ ifc0: { name: "lo0", type: "lo", ipv4_addrs: ["127.0.0.1/8"] } });
    s_ifaces.push({});
  }
  for (let i = 0; i < routers; i++) {
    // The LAN: the router's eth0 on the switch's first port.
    const l = link(rid(i), "ifc1", sid(i), "ifc0", { delay: "100" });
    r_ifaces[i].ifc1 = { name: "eth0", type: "phys", ipv4_addrs: [`10.0.${i}.254/24`], link: l };
    s_ifaces[i].ifc0 = { name: "e0", type: "phys", link: l };
    for (let j = 0; j < pcs_per_lan; j++) {
      const lp = link(pid(i, j), "ifc1", sid(i), `ifc${j + 1}`);
      s_ifaces[i][`ifc${j + 1}`] = { name: `e${j + 1}`, type: "phys", link: lp };
      nodes[pid(i, j)] = {
        type: "pc",
        name: `pc${i}_${j + 1}`,
        ifaces: { ifc0: { name: "lo0", type: "lo", ipv4_addrs: ["127.0.0.1/8"] }, ifc1: { name: "eth0", type: "phys", ipv4_addrs: [`10.0.${i}.${j + 1}/24`], link: lp } },
        croutes4: [`0.0.0.0/0 10.0.${i}.254`],
      };
    }
  }
  for (let i = 0; i + 1 < routers; i++) {
    const l = link(rid(i), i === 0 ? "ifc2" : "ifc3", rid(i + 1), "ifc2", { bandwidth: "1000000000", delay: "500" });
    r_ifaces[i][i === 0 ? "ifc2" : "ifc3"] = { name: i === 0 ? "eth1" : "eth2", type: "phys", ipv4_addrs: [`10.1.${i}.1/24`], link: l };
    r_ifaces[i + 1].ifc2 = { name: "eth1", type: "phys", ipv4_addrs: [`10.1.${i}.2/24`], link: l };
  }
  for (let i = 0; i < routers; i++) {
    const routes: string[] = [];
    for (let k = 0; k < routers; k++) {
      if (k < i) routes.push(`10.0.${k}.0/24 10.1.${i - 1}.1`);
      if (k > i) routes.push(`10.0.${k}.0/24 10.1.${i}.2`);
    }
    nodes[rid(i)] = { type: "router", name: `r${i}`, model: "static", ifaces: r_ifaces[i], croutes4: routes };
    nodes[sid(i)] = { type: "lanswitch", name: `sw${i}`, ifaces: s_ifaces[i] };
  }
  return JSON.stringify({ nodes, links, options: { version: "1" } });
}

/** Run a script in the benchmark's kernel; its output and status. */
async function sh(script: string): Promise<{ out: string; err: string; status: number }> {
  const p = proc_create(cred0, "sh");
  const shell = new sh_shell(sh_options_for(p, "bench", false, os.tmpdir()));
  let out = "";
  let err = "";
  try {
    const status = await shell.run(script, { write: (s) => void (out += s) }, { write: (s) => void (err += s) });
    return { out, err, status };
  } finally {
    proc_exit(p);
  }
}

let serial = 0;

/** Load, ping from every PC, terminate; the figures. */
export async function imunes_run(routers: number, pcs_per_lan: number): Promise<Record<string, number>> {
  const file = path.join(os.tmpdir(), `virtnet-bench-imunes-${process.pid}-${serial++}.json`);
  fs.writeFileSync(file, imunes_gen(routers, pcs_per_lan));
  const eid = `ibench${serial}`;
  try {
    const m0 = mem_in_use();
    const t0 = now_ns();
    const load = await sh(`imunes -b -e ${eid} ${file}\n`);
    const t1 = now_ns();
    if (load.status !== 0) throw new Error(`imunes -b: status ${load.status}: ${load.err}`);
    const m1 = mem_in_use();
    let script = "";
    for (let i = 0; i < routers; i++) {
      const to = (i + 1) % routers;
      for (let j = 1; j <= pcs_per_lan; j++) script += `himage pc${i}_${j} ping -c 1 -q 10.0.${to}.${j} ; echo $?\n`;
    }
    const t2 = now_ns();
    const pings = await sh(script);
    const t3 = now_ns();
    const ok = pings.out.split("\n").filter((l) => l === "0").length;
    const down = await sh(`imunes -b -e ${eid}\n`);
    if (down.status !== 0) throw new Error(`imunes -b -e ${eid}: ${down.err}`);
    const pcs = routers * pcs_per_lan;
    return {
      load_s: (t1 - t0) / 1e9,
      load_mb: (m1 - m0) / 2 ** 20,
      bytes_per_node: (m1 - m0) / (pcs + 2 * routers),
      pings_s: (t3 - t2) / 1e9,
      ping_ms_each: (t3 - t2) / 1e6 / pcs,
      pings_ok: ok,
      pcs,
    };
  } finally {
    fs.rmSync(file, { force: true });
  }
}
