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
import { mem_in_use, now_ns, thread_cpu_ns } from "./wl_util.ts";
import { imunes_gen } from "./imunes_gen.ts";

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
    const c0 = thread_cpu_ns();
    const load = await sh(`imunes -b -e ${eid} ${file}\n`);
    const t1 = now_ns();
    const c1 = thread_cpu_ns();
    if (load.status !== 0) throw new Error(`imunes -b: status ${load.status}: ${load.err}`);
    const m1 = mem_in_use();
    let script = "";
    for (let i = 0; i < routers; i++) {
      const to = (i + 1) % routers;
      for (let j = 1; j <= pcs_per_lan; j++) script += `himage pc${i}_${j} ping -c 1 -q 10.0.${to}.${j} ; echo $?\n`;
    }
    const t2 = now_ns();
    const c2 = thread_cpu_ns();
    const pings = await sh(script);
    const t3 = now_ns();
    const c3 = thread_cpu_ns();
    const ok = pings.out.split("\n").filter((l) => l === "0").length;
    const down = await sh(`imunes -b -e ${eid}\n`);
    if (down.status !== 0) throw new Error(`imunes -b -e ${eid}: ${down.err}`);
    const pcs = routers * pcs_per_lan;
    return {
      load_s: (t1 - t0) / 1e9,
      load_cpu_s: (c1 - c0) / 1e9,
      load_mb: (m1 - m0) / 2 ** 20,
      bytes_per_node: (m1 - m0) / (pcs + 2 * routers),
      pings_s: (t3 - t2) / 1e9,
      pings_cpu_s: (c3 - c2) / 1e9,
      ping_ms_each: (t3 - t2) / 1e6 / pcs,
      pings_ok: ok,
      pcs,
    };
  } finally {
    fs.rmSync(file, { force: true });
  }
}
