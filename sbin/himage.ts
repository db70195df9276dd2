// IMUNES scripts/himage: run a command in a virtual node found by its host
// name (hostname or hostname@eid), through jls's view of the jails
// (jail_get(2)) and jexec(8), with its options (-d -e -i/-j -l -ln -m -n -v
// -E; -b and -nt are accepted and ignored, as on FreeBSD, where they only
// mean something on Linux).  Node jails are EID-nN here (IMUNES: EID.nN;
// see sbin/imunes.ts).

import { prog_run, type prog_ctx } from "./libc.ts";
import { jailparam_get, jailparam_init } from "./libjail.ts";
import { imunes_runtime } from "./imunes.ts";
import { IMN_L2 } from "./imunes_cfg.ts";
import type { proc } from "../kern/uipc_syscalls.ts";
import type { execvp_result } from "./programs.ts";

const HELP = (cmd: string): string => `
Command ${cmd} can be used as an interface to the jexec/jls command
for virtual nodes. Hostname is used instead of jail name.
Hostname can be in the form: hostname or hostname@eid.

Usage:
  ${cmd} node_name command
  ${cmd} -b                    ---> dummy flag (used only on Linux)
  ${cmd} -d node_name          ---> node path
  ${cmd} -e node_name          ---> experiment eid name (eid)
  ${cmd} -i node_name          ---> jail id (jid)
  ${cmd} -j node_name          ---> jail id (jid)
  ${cmd} -l                    ---> running experiments eids with experiment data
  ${cmd} -ln                   ---> running experiments eids with node names
  ${cmd} -m node_name command  ---> execute command in experiment master jail
  ${cmd} -n node_name          ---> node name (nodename)
  ${cmd} -nt                   ---> dummy flag (used only on Linux)
  ${cmd} -v node_name          ---> node full name (eid.nodename)
`;

interface node_jail {
  jid: number;
  name: string;
  host: string;
  path: string;
}

/** `jls jid name host.hostname path`, every jail this process can see. */
function jls(p: proc): node_jail[] {
  const nm = jailparam_init("name");
  const hn = jailparam_init("host.hostname");
  const pa = jailparam_init("path");
  if (nm === null || hn === null || pa === null) return [];
  const out: node_jail[] = [];
  for (let lastjid = 0; ; ) {
    const g = jailparam_get(p, { lastjid }, [nm, hn, pa], 0);
    if (g.jid < 0) break;
    lastjid = g.jid;
    out.push({ jid: g.jid, name: String(nm.jp_value), host: String(hn.jp_value), path: String(pa.jp_value) });
  }
  return out;
}

function re_escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** vi_name: the node's jail, or the message and status of the failure. */
function vi_name(ctx: prog_ctx, p: proc, arg: string): node_jail | number {
  if (arg === "") return 1;
  const at = arg.indexOf("@");
  const host = at < 0 ? arg : arg.slice(0, at);
  const eid = at < 0 ? "" : arg.slice(at + 1);
  const pat = new RegExp(`${re_escape(eid)}-n[0-9]+$`);
  const all = jls(p);
  const hits = all.filter((j) => j.host === host && pat.test(j.name));
  if (hits.length > 1) {
    ctx.stderr.write(`Error: ${arg} is not a unique name.\nIt is used (at least) for nodes:\nJID\tName    \tHostname\n`);
    for (const j of all.filter((x) => x.host === host)) ctx.stderr.write(`${j.jid}\t${j.name}\t${j.host}\n`);
    return 1;
  }
  if (hits.length === 0) {
    for (const ex of imunes_runtime.values()) {
      if (ex.checked.nodes.some((n) => n.name === host && IMN_L2.has(n.type))) {
        ctx.stderr.write(`Node ${host} is not a jail.\n`);
        return 3;
      }
    }
    ctx.stderr.write(`Error: cannot find node named ${arg}\n`);
    return 2;
  }
  return hits[0];
}

export type himage_exec = (p: proc, argv: string[], ctx: prog_ctx) => Promise<execvp_result>;

export function make_himage_main(exec: himage_exec): (ctx: prog_ctx) => Promise<number> {
  return (ctx) =>
    prog_run(ctx, async () => {
      const p = ctx.p as proc;
      const cmd = "himage";
      let a = ctx.argv.slice(1);
      if (a[0] === "-b" || a[0] === "-nt") a = a.slice(1);
      const help = (): void => ctx.stdout.write(HELP(cmd));
      const run = async (argv: string[]): Promise<number> => {
        const r = await exec(p, argv, ctx);
        if (r.error === 0) return r.status;
        ctx.stderr.write(`jexec: execvp: ${argv[2] ?? ""}: No such file or directory\n`);
        return 1;
      };
      const node = (arg: string | undefined): node_jail | null => {
        const r = vi_name(ctx, p, arg ?? "");
        if (typeof r === "number") {
          help();
          return null;
        }
        return r;
      };
      if (a.length === 0 || a[0] === "-h") {
        help();
        return 0;
      }
      switch (a[0]) {
        case "-l":
        case "-ln": {
          for (const ex of imunes_runtime.values()) {
            const data = a[0] === "-l" ? `${ex.name} - virtual` : ex.checked.nodes.map((n) => n.name).join(", ");
            ctx.stdout.write(`${ex.eid} [${data}]\n`);
          }
          return 0;
        }
        case "-j":
        case "-i": {
          const j = node(a[1]);
          if (j === null) return 2;
          ctx.stdout.write(`${j.jid}\n`);
          return 0;
        }
        case "-v":
        case "-e":
        case "-n": {
          const j = node(a[1]);
          if (j === null) return 2;
          const dash = j.name.lastIndexOf("-");
          ctx.stdout.write(`${a[0] === "-v" ? j.name : a[0] === "-e" ? j.name.slice(0, dash) : j.name.slice(dash + 1)}\n`);
          return 0;
        }
        case "-d": {
          const j = node(a[1]);
          if (j === null) return 2;
          ctx.stdout.write(`${j.path}\n`);
          return 0;
        }
        case "-m": {
          const j = node(a[1]);
          if (j === null) return 2;
          const eid = j.name.slice(0, j.name.lastIndexOf("-"));
          return run(["jexec", eid, ...a.slice(2)]);
        }
        case "-E": {
          if (a[1] === undefined || a[1] === "") return 2;
          return run(["jexec", a[1], ...a.slice(2)]);
        }
        default: {
          if (a[0].startsWith("-")) {
            ctx.stdout.write(`${cmd}: illegal option -- ${a[0]}\n`);
            help();
            return 2;
          }
          const j = node(a[0]);
          if (j === null) return 2;
          return run(["jexec", j.name, ...a.slice(1)]);
        }
      }
    });
}
