// IMUNES's FreeBSD runtime: runtime/execute.tcl (deployCfg, the order of
// the steps and what batch mode prints), runtime/freebsd.tcl
// (createExperimentContainer, createLinkBetween, configureLinkBetween, the
// ifconfig/route command getters), nodes/generic_l3.tcl (a node as a vnet
// jail, its interfaces as ng_eiface), nodes/generic_l2.tcl and
// nodes/lanswitch.tcl (hub and lanswitch as ng_hub and ng_bridge),
// nodes/router.tcl (forwarding, static routes) and runtime/terminate.tcl.
// `imunes -b FILE` builds the topology by running the same FreeBSD commands
// IMUNES runs (jail, jexec, ngctl, ifconfig, sysctl, route) as child
// processes; nothing here touches the kernel but through those programs.
//
// Where VirtNet departs: IMUNES makes each node a child jail of the
// experiment's jail (`jail -c name=EID.n0` under `children.max`) and moves an
// eiface into it from inside the experiment's jail.  VirtNet's jails have no
// hierarchy of names yet, so a node is the top-level vnet jail `EID-n0`, and
// its eiface, made in the experiment's jail as IMUNES makes it, reaches the
// node through the host (`ifconfig IF -vnet EID`, then `ifconfig IF vnet
// EID-n0`): the same end state, the netgraph nodes in the experiment's vnet
// and each interface in its node's.

import { imn_check, imn_error, imn_parse, IMN_L2, type imn_checked, type imn_link, type imn_node } from "./imunes_cfg.ts";
import { prog_run, type prog_ctx } from "./libc.ts";
import type { proc } from "../kern/uipc_syscalls.ts";

/** sysexits(3). */
const EX_USAGE = 64;
const EX_DATAERR = 65;
const EX_NOINPUT = 66;

/** One command of the plan: argv, what it reads on stdin, and whether its
 *  output names the new eiface (`show .:HOOK`, as IMUNES's `cut -f4`). */
export interface imn_step {
  argv: string[];
  stdin?: string;
  /** The variable this step's output sets (ifid). */
  sets?: string;
  /** A status line to print before the step (statline). */
  stage?: string;
}

/** A running experiment, as IMUNES keeps it under /var/run/imunes/EID. */
export interface imn_experiment {
  eid: string;
  name: string;
  checked: imn_checked;
  /** link id -> "name1:name2" (the links file vlink reads). */
  links: Map<string, string>;
}

/** The simulated /var/run/imunes: this kernel's running experiments. */
export const imunes_runtime = new Map<string, imn_experiment>();

/** A node's jail (IMUNES: EID.node_id; see the top of this file). */
export function node_jail(eid: string, node_id: string): string {
  return `${eid}-${node_id}`;
}

/** genExperimentId's form, i + four hex digits, drawn from the seed. */
export function imunes_eid(seed: number): string {
  let x = (seed ^ 0x5bd1e995) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
  x = Math.imul(x ^ (x >>> 12), 0x297a2d39) >>> 0;
  return `i${((x ^ (x >>> 15)) & 0xffff).toString(16).padStart(4, "0")}`;
}

/** generic_l3/generic_l2 getHookData: the netgraph peer and hook of an
 *  interface, as seen in the experiment's jail. */
function hook_data(n: imn_node, iface_id: string): { peer: string; hook: string } {
  if (IMN_L2.has(n.type)) {
    const m = /([0-9]+)$/.exec(iface_id);
    const idx = m === null ? n.ifaces.findIndex((f) => f.id === iface_id) : Number(m[1]);
    return { peer: n.id, hook: `link${idx + 1}` };
  }
  return { peer: `${n.id}-${iface_id}`, hook: "ether" };
}

/** The pipe's setcfg, as configureLinkBetween writes it (0 is -1: off). */
export function link_setcfg(l: Pick<imn_link, "bandwidth" | "delay" | "ber" | "duplicate">): string {
  const v = (x: number): number => (x === 0 ? -1 : x);
  const ber = v(l.ber);
  const dup = v(l.duplicate);
  return `{bandwidth=${v(l.bandwidth)} delay=${v(l.delay)} upstream={BER=${ber} duplicate=${dup}} downstream={BER=${ber} duplicate=${dup}}}`;
}

/** The commands that build the topology, in deployCfg's order. */
export function imunes_plan(c: imn_checked, eid: string): imn_step[] {
  const steps: imn_step[] = [];
  const l3 = c.nodes.filter((n) => !IMN_L2.has(n.type));
  const l2 = c.nodes.filter((n) => IMN_L2.has(n.type));
  const byid = new Map(c.nodes.map((n) => [n.id, n]));
  const inEid = (...argv: string[]): string[] => ["jexec", eid, ...argv];
  const inNode = (n: imn_node, ...argv: string[]): string[] => ["jexec", node_jail(eid, n.id), ...argv];

  // createExperimentContainer.
  steps.push({ stage: "Creating experiment...", argv: ["jail", "-c", `name=${eid}`, "vnet", "persist"] });
  // nodeCreate: a vnet jail for each L3 node, a persistent netgraph node
  // for each L2 one.
  let first = true;
  for (const n of l3) {
    steps.push({ stage: first ? "Instantiating VIRTUALIZED nodes..." : undefined, argv: ["jail", "-c", `name=${node_jail(eid, n.id)}`, `host.hostname=${n.name}`, "vnet", "persist"] });
    first = false;
  }
  first = true;
  for (const n of l2) {
    const type = n.type === "hub" ? "hub" : "bridge";
    steps.push({ stage: first ? "Instantiating NATIVE nodes..." : undefined, argv: inEid("ngctl", "-f", "-"), stdin: `mkpeer ${type} link1 link1\nmsg .link1 setpersistent\nname .link1 ${n.id}\n` });
    first = false;
  }
  // nodeInitConfigure: the sysctls every L3 node gets; a router forwards.
  first = true;
  for (const n of l3) {
    const stage = first ? "Starting initial configuration on VIRTUALIZED nodes..." : undefined;
    first = false;
    steps.push({ stage, argv: inNode(n, "sysctl", "net.inet.icmp.bmcastecho=1", "net.inet.icmp.icmplim=0", "net.inet.ip.maxfragsperpacket=64000") });
    if (n.type === "router") steps.push({ argv: inNode(n, "sysctl", "net.inet.ip.forwarding=1") });
  }
  // nodePhysIfacesCreate: an eiface per physical interface, named
  // NODE-IFC in the experiment's netgraph, moved to the node and renamed.
  first = true;
  for (const n of l3) {
    for (const f of n.ifaces) {
      if (f.type !== "phys") continue;
      const pub = `${n.id}-${f.id}`;
      steps.push({ stage: first ? "Creating physical interfaces on nodes..." : undefined, argv: inEid("ngctl", "-f", "-"), stdin: `mkpeer . eiface ${pub} ether\nshow .:${pub}\n`, sets: "ifid" });
      first = false;
      steps.push({ argv: inEid("ifconfig", "$ifid", "name", pub) });
      steps.push({ argv: inEid("ngctl", "name", "$ifid:", pub) });
      steps.push({ argv: ["ifconfig", pub, "-vnet", eid] });
      steps.push({ argv: ["ifconfig", pub, "vnet", node_jail(eid, n.id)] });
      steps.push({ argv: inNode(n, "ifconfig", pub, "name", f.name) });
      if (f.mac !== null) steps.push({ argv: inNode(n, "ifconfig", f.name, "link", f.mac) });
    }
  }
  // createLinkBetween: a pipe between the two hooks, named after the link.
  first = true;
  for (const l of c.links) {
    const [a, b] = [byid.get(l.peers[0]), byid.get(l.peers[1])];
    if (a === undefined || b === undefined) continue;
    const h1 = hook_data(a, l.peers_ifaces[0]);
    const h2 = hook_data(b, l.peers_ifaces[1]);
    const stage = first ? "Creating links..." : undefined;
    first = false;
    if (l.direct) steps.push({ stage, argv: inEid("ngctl", "connect", `${h1.peer}:`, `${h2.peer}:`, h1.hook, h2.hook) });
    else steps.push({ stage, argv: inEid("ngctl", "-f", "-"), stdin: `mkpeer ${h1.peer}: pipe ${h1.hook} upper\nname ${h1.peer}:${h1.hook} ${l.id}\nconnect ${l.id}: ${h2.peer}: lower ${h2.hook}\n` });
  }
  // configureLinkBetween.
  first = true;
  for (const l of c.links) {
    if (l.direct) continue;
    steps.push({ stage: first ? "Configuring links..." : undefined, argv: inEid("ngctl", "-f", "-"), stdin: `msg ${l.id}: setcfg ${link_setcfg(l)}\n` });
    first = false;
  }
  // nodeConfigure: interfaces (physical, then logical) and static routes.
  first = true;
  for (const n of l3) {
    const ifaces = [...n.ifaces.filter((f) => f.type === "phys"), ...n.ifaces.filter((f) => f.type === "lo")];
    for (const f of ifaces) {
      const stage = first ? "Configuring node(s)..." : undefined;
      first = false;
      steps.push({ stage, argv: inNode(n, "ifconfig", f.name, "mtu", String(f.mtu ?? (f.type === "lo" ? 16384 : 1500))) });
      let primary = true;
      for (const a of f.ipv4) {
        if (a === "dhcp") continue;
        steps.push({ argv: inNode(n, "ifconfig", f.name, "inet", ...(primary ? [] : ["add"]), a) });
        primary = false;
      }
      steps.push({ argv: inNode(n, "ifconfig", f.name, f.down ? "down" : "up") });
    }
    for (const r of n.croutes4) steps.push({ argv: inNode(n, "route", "-q", "add", "-inet", ...r.split(/\s+/)) });
  }
  return steps;
}

function sh_quote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./$-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The plan as the shell commands IMUNES's pipesExec would run. */
export function imunes_plan_text(steps: imn_step[]): string {
  let s = "";
  for (const st of steps) {
    let line = st.argv.map(sh_quote).join(" ");
    if (st.stdin !== undefined) line = `printf ${JSON.stringify(st.stdin.replace(/\n$/, "")).replace(/\$/g, "\\$")} | ${line}`;
    if (st.sets !== undefined) line = `${st.sets}=$(${line} | head -n1 | cut -d' ' -f4)`;
    s += line + "\n";
  }
  return s;
}

/** How the program runs a child: its status and what it wrote on stdout. */
export type imn_exec = (p: proc, argv: string[], stdin: string, ctx: prog_ctx) => Promise<{ status: number; stdout: string }>;

/** Read and check a topology file; errors come back as one line. */
export function imunes_load(file: string, read: (f: string) => string): { checked: imn_checked } | { error: string; status: number } {
  let src: string;
  try {
    src = read(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: `${file}: ${code === "ENOENT" ? "No such file or directory" : code === "EISDIR" ? "Is a directory" : code === "EACCES" ? "Permission denied" : String(e)}`, status: EX_NOINPUT };
  }
  try {
    return { checked: imn_check(imn_parse(file, src)) };
  } catch (e) {
    if (e instanceof imn_error) return { error: e.message, status: EX_DATAERR };
    throw e;
  }
}

/** The one warning for what is not emulated. */
export function imunes_warning(c: imn_checked): string | null {
  if (c.unsupported.length === 0) return null;
  return `warning: ${c.topo.file}: not emulated (the rest runs): ${c.unsupported.join("; ")}`;
}

/** Build the experiment; returns 0 or the failing command's status. */
export async function imunes_deploy(ctx: prog_ctx, p: proc, exec: imn_exec, c: imn_checked, eid: string, prog = "imunes"): Promise<number> {
  const t0 = Date.now();
  const steps = imunes_plan(c, eid);
  const vars = new Map<string, string>();
  const ex: imn_experiment = { eid, name: c.topo.file.slice(c.topo.file.lastIndexOf("/") + 1), checked: c, links: new Map() };
  const byid = new Map(c.nodes.map((n) => [n.id, n]));
  for (const l of c.links) ex.links.set(l.id, `${byid.get(l.peers[0])?.name ?? l.peers[0]}:${byid.get(l.peers[1])?.name ?? l.peers[1]}`);
  imunes_runtime.set(eid, ex);
  for (const st of steps) {
    if (st.stage !== undefined) ctx.stdout.write(st.stage + "\n");
    const argv = st.argv.map((a) => a.replace(/\$([a-z]+)/g, (_m, v: string) => vars.get(v) ?? ""));
    const r = await exec(p, argv, st.stdin ?? "", ctx);
    if (st.sets !== undefined) {
      // `head -n1 | cut -d' ' -f4` of ngctl's show: "  Name: ngeth0 ...".
      const name = (r.stdout.split("\n")[0] ?? "").split(" ")[3] ?? "";
      vars.set(st.sets, name);
      if (r.status === 0 && name === "") {
        ctx.stderr.write(`${prog}: ${imunes_plan_text([st]).trim()}: no interface name in ngctl's output\n`);
        return 1;
      }
    }
    if (r.status !== 0) {
      ctx.stderr.write(`${prog}: failed (status ${r.status}): ${imunes_plan_text([{ ...st, argv, sets: undefined }]).trim()}\n`);
      return r.status;
    }
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(3);
  ctx.stdout.write(`Network topology instantiated in ${secs} seconds (${c.nodes.length} nodes and ${c.links.length} links).\n`);
  ctx.stdout.write(`Experiment ID = ${eid}\n`);
  return 0;
}

/** runtime/terminate.tcl, in short: the node jails, then the experiment's
 *  jail (whose vnet takes the netgraph nodes with it). */
export async function imunes_terminate(ctx: prog_ctx, p: proc, exec: imn_exec, eid: string): Promise<number> {
  const ex = imunes_runtime.get(eid);
  if (ex === undefined) {
    ctx.stderr.write(`imunes: no running experiment with ID ${eid}\n`);
    return 1;
  }
  // A half-built experiment has some of them: remove what is there.
  const quiet: prog_ctx = { ...ctx, stderr: { write: () => {} } };
  for (const n of ex.checked.nodes) {
    if (IMN_L2.has(n.type)) continue;
    await exec(p, ["jail", "-r", node_jail(eid, n.id)], "", quiet);
  }
  await exec(p, ["jail", "-r", eid], "", quiet);
  imunes_runtime.delete(eid);
  ctx.stdout.write(`Terminated experiment ID = ${eid}\n`);
  return 0;
}

export const IMUNES_USAGE = "usage: imunes -b [-e eid] FILE\n       imunes -b -e eid\n";

/**
 * imunes(1) in batch mode: `imunes -b [-e EID] FILE` starts an experiment,
 * `imunes -b -e EID` (no file) terminates it.  The GUI is not simulated.
 */
export function make_imunes_main(exec: imn_exec, read: (f: string, cwd?: string) => string): (ctx: prog_ctx) => Promise<number> {
  return (ctx) =>
    prog_run(ctx, async () => {
      const p = ctx.p as proc;
      let batch = false;
      let eid: string | null = null;
      const rest: string[] = [];
      const a = ctx.argv;
      for (let i = 1; i < a.length; i++) {
        const x = a[i];
        if (x === "-b" || x === "-batch" || x === "--batch") batch = true;
        else if (x === "-e" || x === "-eid" || x === "--eid") {
          const v = a[++i];
          if (v === undefined || !/^[A-Za-z0-9_]+$/.test(v)) {
            ctx.stderr.write(`imunes: ${x} needs an experiment ID (letters, digits, _)\n${IMUNES_USAGE}`);
            return EX_USAGE;
          }
          eid = v;
        } else if (x === "-h" || x === "--help") {
          ctx.stdout.write(IMUNES_USAGE);
          return 0;
        } else if (x.startsWith("-") && x !== "-") {
          ctx.stderr.write(`imunes: unknown option ${x}\n${IMUNES_USAGE}`);
          return EX_USAGE;
        } else rest.push(x);
      }
      if (!batch) {
        ctx.stderr.write(`imunes: only batch mode (-b) runs here: the GUI is not simulated\n${IMUNES_USAGE}`);
        return EX_USAGE;
      }
      if (rest.length > 1 || (rest.length === 0 && eid === null)) {
        ctx.stderr.write(IMUNES_USAGE);
        return EX_USAGE;
      }
      if (rest.length === 0 && eid !== null) return imunes_terminate(ctx, p, exec, eid);
      const r = imunes_load(rest[0], (f) => read(f, ctx.cwd));
      if ("error" in r) {
        ctx.stderr.write(`imunes: ${r.error}\n`);
        return r.status;
      }
      const w = imunes_warning(r.checked);
      if (w !== null) ctx.stderr.write(`imunes: ${w}\n`);
      let id = eid ?? imunes_eid(imunes_runtime.size);
      if (eid === null) for (let k = 1; imunes_runtime.has(id); k++) id = imunes_eid(imunes_runtime.size + k * 7919);
      if (imunes_runtime.has(id)) {
        ctx.stderr.write(`imunes: Experiment ID ${id} already in use\n`);
        return 1;
      }
      return imunes_deploy(ctx, p, exec, r.checked, id);
    });
}
