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
 *  output names new eifaces (the `Name:` lines of ngctl's `show`, as
 *  IMUNES's `head -n1 | cut -d' ' -f4` reads them). */
export interface imn_step {
  argv: string[];
  stdin?: string;
  /** Set the positional parameters $1, $2, ... to the ngethN names of the
   *  `show` replies in the output (the text form: `set -- $(...)`). */
  sets?: boolean;
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

/**
 * The commands that build the topology, in deployCfg's order.  IMUNES
 * sends each node's and each link's netgraph messages through an `ngctl -f
 * -` of their own; here the messages of one stage go through one ngctl
 * (the same messages, in the same order), and each node's configuration
 * runs as one script in the node, as IMUNES runs its boot.conf there.
 */
export function imunes_plan(c: imn_checked, eid: string): imn_step[] {
  const steps: imn_step[] = [];
  const l3 = c.nodes.filter((n) => !IMN_L2.has(n.type));
  const l2 = c.nodes.filter((n) => IMN_L2.has(n.type));
  const byid = new Map(c.nodes.map((n) => [n.id, n]));
  const inEid = (...argv: string[]): string[] => ["jexec", eid, ...argv];
  const inNode = (n: imn_node, ...argv: string[]): string[] => ["jexec", node_jail(eid, n.id), ...argv];
  const ngctl = (stage: string | undefined, lines: string[], sets = false): void => {
    if (lines.length > 0) steps.push({ stage, argv: inEid("ngctl", "-f", "-"), stdin: lines.join("\n") + "\n", sets: sets || undefined });
  };

  // createExperimentContainer.
  steps.push({ stage: "Creating experiment...", argv: ["jail", "-c", `name=${eid}`, "vnet", "persist"] });
  // nodeCreate: a vnet jail for each L3 node, a persistent netgraph node
  // for each L2 one.
  l3.forEach((n, k) => steps.push({ stage: k === 0 ? "Instantiating VIRTUALIZED nodes..." : undefined, argv: ["jail", "-c", `name=${node_jail(eid, n.id)}`, `host.hostname=${n.name}`, "vnet", "persist"] }));
  // One ngctl each: every one makes its node on its socket's hook link1.
  l2.forEach((n, k) => ngctl(k === 0 ? "Instantiating NATIVE nodes..." : undefined, [`mkpeer ${n.type === "hub" ? "hub" : "bridge"} link1 link1`, "msg .link1 setpersistent", `name .link1 ${n.id}`]));
  // nodeInitConfigure: the sysctls every L3 node gets; a router forwards.
  l3.forEach((n, k) =>
    steps.push({
      stage: k === 0 ? "Starting initial configuration on VIRTUALIZED nodes..." : undefined,
      argv: inNode(n, "sysctl", "net.inet.icmp.bmcastecho=1", "net.inet.icmp.icmplim=0", "net.inet.ip.maxfragsperpacket=64000", ...(n.type === "router" ? ["net.inet.ip.forwarding=1"] : [])),
    }),
  );
  // nodePhysIfacesCreate: an eiface per physical interface, named
  // NODE-IFC in the experiment's netgraph, renamed from its ngethN and
  // moved to its node, one at a time (the experiment's vnet never holds
  // more than one: ifconfig there stays quick).  `name .:HOOK` in the same
  // ngctl names the node as IMUNES's separate `ngctl name ngethN:` does.
  const phys = l3.flatMap((n) => n.ifaces.filter((f) => f.type === "phys").map((f) => ({ n, f, pub: `${n.id}-${f.id}` })));
  phys.forEach(({ n, pub }, k) => {
    ngctl(k === 0 ? "Creating physical interfaces on nodes..." : undefined, [`mkpeer . eiface ${pub} ether`, `show .:${pub}`, `name .:${pub} ${pub}`], true);
    steps.push({ argv: inEid("ifconfig", "${1}", "name", pub) });
    steps.push({ argv: ["ifconfig", pub, "-vnet", eid] });
    steps.push({ argv: ["ifconfig", pub, "vnet", node_jail(eid, n.id)] });
  });
  // createLinkBetween: a pipe between the two hooks, named after the link.
  const mk: string[] = [];
  for (const l of c.links) {
    const [a, b] = [byid.get(l.peers[0]), byid.get(l.peers[1])];
    if (a === undefined || b === undefined) continue;
    const h1 = hook_data(a, l.peers_ifaces[0]);
    const h2 = hook_data(b, l.peers_ifaces[1]);
    if (l.direct) mk.push(`connect ${h1.peer}: ${h2.peer}: ${h1.hook} ${h2.hook}`);
    else mk.push(`mkpeer ${h1.peer}: pipe ${h1.hook} upper`, `name ${h1.peer}:${h1.hook} ${l.id}`, `connect ${l.id}: ${h2.peer}: lower ${h2.hook}`);
  }
  ngctl("Creating links...", mk);
  // configureLinkBetween.
  ngctl(
    "Configuring links...",
    c.links.filter((l) => !l.direct).map((l) => `msg ${l.id}: setcfg ${link_setcfg(l)}`),
  );
  // nodeConfigure: the interfaces get their names (nodePhysIfacesCreate's
  // last step), then nodeCfggenIfc's lines (physical interfaces, then
  // logical ones) and the static routes, as one script in the node.
  l3.forEach((n, k) => {
    const lines: string[] = [];
    for (const f of n.ifaces) if (f.type === "phys") lines.push(`ifconfig ${n.id}-${f.id} name ${f.name}`);
    for (const f of [...n.ifaces.filter((x) => x.type === "phys"), ...n.ifaces.filter((x) => x.type === "lo")]) {
      if (f.mac !== null) lines.push(`ifconfig ${f.name} link ${f.mac}`);
      lines.push(`ifconfig ${f.name} mtu ${f.mtu ?? (f.type === "lo" ? 16384 : 1500)}`);
      let primary = true;
      for (const a of f.ipv4) {
        if (a === "dhcp") continue;
        lines.push(`ifconfig ${f.name} inet ${primary ? "" : "add "}${a}`);
        primary = false;
      }
      lines.push(`ifconfig ${f.name} ${f.down ? "down" : "up"}`);
    }
    for (const r of n.croutes4) lines.push(`route -q add -inet ${r}`);
    steps.push({ stage: k === 0 ? "Configuring node(s)..." : undefined, argv: inNode(n, "sh", "-ec", lines.join("; ")) });
  });
  return steps;
}

function sh_quote(s: string): string {
  return /^([A-Za-z0-9_@%+=:,./-]|\$\{[0-9]+\})+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The plan as a script of the shell commands it runs. */
export function imunes_plan_text(steps: imn_step[]): string {
  let s = "";
  for (const st of steps) {
    let line = st.argv.map(sh_quote).join(" ");
    if (st.stdin !== undefined) line = `printf ${JSON.stringify(st.stdin.replace(/\n$/, "")).replace(/\$(?!\{[0-9])/g, "\\$")} | ${line}`;
    if (st.sets === true) line = `set -- $(${line} | grep '^  Name: ' | cut -d' ' -f4)`;
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
  const ex: imn_experiment = { eid, name: c.topo.file.slice(c.topo.file.lastIndexOf("/") + 1), checked: c, links: new Map() };
  const byid = new Map(c.nodes.map((n) => [n.id, n]));
  for (const l of c.links) ex.links.set(l.id, `${byid.get(l.peers[0])?.name ?? l.peers[0]}:${byid.get(l.peers[1])?.name ?? l.peers[1]}`);
  imunes_runtime.set(eid, ex);
  let params: string[] = [];
  const subst = (x: string): string => x.replace(/\$\{([0-9]+)\}/g, (_m, k: string) => params[Number(k) - 1] ?? "");
  for (const st of steps) {
    if (st.stage !== undefined) ctx.stdout.write(st.stage + "\n");
    const argv = st.argv.map(subst);
    const stdin = st.stdin === undefined ? "" : subst(st.stdin);
    const r = await exec(p, argv, stdin, ctx);
    if (r.status !== 0) {
      ctx.stderr.write(`${prog}: failed (status ${r.status}): ${imunes_plan_text([{ ...st, argv, stdin: st.stdin === undefined ? undefined : stdin, sets: undefined }]).trim()}\n`);
      return r.status;
    }
    if (st.sets === true) {
      // `grep '^  Name: ' | cut -d' ' -f4` of ngctl's show replies.
      params = r.stdout
        .split("\n")
        .filter((l) => l.startsWith("  Name: "))
        .map((l) => l.split(" ")[3] ?? "");
      const want = (st.stdin ?? "").split("\n").filter((l) => l.startsWith("show ")).length;
      if (params.length !== want || params.includes("")) {
        ctx.stderr.write(`${prog}: ngctl's show named ${params.length} of the ${want} new interfaces\n`);
        return 1;
      }
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
