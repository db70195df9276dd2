// The ipfw workload: the per-packet cost of the firewall as ip_input meets
// it, through the inet pfil head (ipfw_check_packet, ipfw_chk), with
// rulesets of 10, 100 and 1,000 rules that do not match before the one that
// passes, and with one rule that looks the source up in a table of 10,000
// addresses.  The rules are loaded by the ipfw program from a rules file,
// as `ipfw -q /path/to/rules` does; the packet is a 64-byte UDP datagram
// received on epair0a.  Wall clock, as the other per-function figures.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  PFIL_PASS,
  V_inet_pfil_head,
  cred0,
  exec_prog,
  ifunit,
  m_devget,
  m_freem,
  pfil_mbuf_in,
  pfil_mbuf_result,
  proc_create,
  proc_exit,
  sys_kldload,
  vnet0,
  type ifnet,
  type mbuf,
  type pfil_head,
} from "../index.ts";

let ready = false;
let ifp: ifnet | null = null;
const pkt = new Uint8Array(64);

/** Run a program of ours as root in vnet0; its exit status, its stderr. */
async function run(argv: string[]): Promise<void> {
  const p = proc_create(cred0, argv[0]);
  let err = "";
  try {
    const status = await exec_prog(p, argv, { stdin: "", stdout: { write: () => {} }, stderr: { write: (s: string) => void (err += s) }, env: new Map() });
    if (status !== 0) throw new Error(`${argv.join(" ")}: exit ${status}: ${err}`);
  } finally {
    proc_exit(p);
  }
}

async function setup(): Promise<void> {
  if (ready) return;
  ready = true;
  const r = sys_kldload({ p_ucred: cred0 }, "ipfw");
  if (r.error !== 0) throw new Error(`kldload ipfw: ${r.error}`);
  await run(["ifconfig", "epair", "create"]);
  await run(["ifconfig", "epair0a", "inet", "192.0.2.1/24", "up"]);
  const saved = CURVNET_SET(vnet0, "ipfw_setup");
  ifp = ifunit("epair0a");
  CURVNET_RESTORE(saved);
  // IPv4 + UDP, 192.0.2.2:5000 -> 192.0.2.1:7, checksums as received.
  const dv = new DataView(pkt.buffer);
  pkt[0] = 0x45;
  dv.setUint16(2, pkt.length);
  pkt[8] = 64;
  pkt[9] = 17;
  dv.setUint32(12, 0xc0000202);
  dv.setUint32(16, 0xc0000201);
  dv.setUint16(20, 5000);
  dv.setUint16(22, 7);
  dv.setUint16(24, pkt.length - 20);
}

/** Load a ruleset through the program: `n` rules that miss, then one that passes;
 *  with `table`, one rule that finds the source in a table of that many addresses. */
async function load(n: number, table: number): Promise<void> {
  const file = path.join(os.tmpdir(), `virtnet-bench-ipfw-${process.pid}.rules`);
  const lines = ["-f flush", "-f table all destroy"];
  for (let i = 0; i < n; i++) lines.push(`add ${100 + i} deny udp from 10.${(i >> 8) & 255}.${i & 255}.1 to any`);
  if (table > 0) {
    lines.push("table 1 create type addr");
    // The packet's source is one of them; the others spread over 10.0.0.0/8.
    lines.push("table 1 add 192.0.2.2/32");
    for (let i = 1; i < table; i++) lines.push(`table 1 add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
    lines.push("add 60000 allow udp from table(1) to any");
  } else lines.push("add 60000 allow udp from any to any");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  try {
    await run(["ipfw", "-q", file]);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/**
 * ipfw_cost: wall ns per packet through the inet pfil head (inbound, on
 * epair0a) with the ruleset of `rules` missing rules (or the table rule
 * over `table` entries); the packet passes every time and is used again.
 */
export async function ipfw_cost(rules: number, table: number, ms: number): Promise<number> {
  await setup();
  await load(rules, table);
  const saved = CURVNET_SET(vnet0, "ipfw_cost");
  let m: mbuf | null = null;
  try {
    const head = V_inet_pfil_head() as pfil_head;
    m = m_devget(pkt, 0, pkt.length, ifp);
    if (m === null || ifp === null) throw new Error("setup");
    let n = 0;
    const w0 = performance.now();
    while (performance.now() - w0 < ms) {
      for (let i = 0; i < 256; i++) {
        if (pfil_mbuf_in(head, m, ifp) !== PFIL_PASS) throw new Error("the packet did not pass");
        m = pfil_mbuf_result();
      }
      n += 256;
    }
    return ((performance.now() - w0) * 1e6) / n;
  } finally {
    if (m !== null) m_freem(m);
    CURVNET_RESTORE(saved);
  }
}
