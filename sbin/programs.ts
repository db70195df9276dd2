// The simulated /bin, /sbin and /usr/sbin: program names to their mains,
// and exec(): run one program as a new process (fork+exec), counted by the
// scheduler so that virtual time waits for it.

import { proc_create, proc_exit, type proc } from "../kern/uipc_syscalls.ts";
import { sched_relinquish } from "../kern/kern_synch.ts";
import { proc_parent, proc_setparent, sigexit_unwind } from "../kern/kern_sig.ts";
import { sh_shell, type sh_cmd_ctx, type sh_program } from "./sh.ts";
import { prog_exit, type prog_ctx, type prog_main } from "./libc.ts";
import { sysctl_main } from "./sysctl.ts";
import { jls_main, make_jail_main } from "./jail.ts";
import { make_jexec_main } from "./jexec.ts";
import { make_setfib_main } from "./setfib.ts";
import { ifconfig_main } from "./ifconfig.ts";
import { ping_main } from "./ping.ts";
import { route_main } from "./route.ts";
import { netstat_main } from "./netstat.ts";
import { arp_main } from "./arp.ts";
import { tcpdump_main } from "./tcpdump.ts";
import { sleep_main } from "./sleep.ts";
import { killall_main } from "./killall.ts";
import { dmesg_main } from "./dmesg.ts";

export const programs = new Map<string, prog_main>();

/**
 * Who runs what is not simulated here: `virtnet kernel` hands such commands
 * (a real /bin/sh, awk, python) back to the client, to run on the host in
 * the jail and fib of the process that asked.  Set on a process, inherited
 * by everything it runs; returns null to let exec_prog go on.
 */
export type exec_external_fn = (parent: proc, argv: string[], io: Omit<sh_cmd_ctx, "argv">) => Promise<number> | null;
const exec_external = new WeakMap<proc, exec_external_fn>();
export function exec_set_external(p: proc, fn: exec_external_fn): void {
  exec_external.set(p, fn);
}
function exec_external_for(p: proc): exec_external_fn | null {
  for (let q: proc | null = p; q !== null; q = proc_parent(q)) {
    const fn = exec_external.get(q);
    if (fn !== undefined) return fn;
  }
  return null;
}

/** Run argv as a child of `parent` (its credential and fib), with stdio. */
export async function exec_prog(parent: proc, argv: string[], io: Omit<sh_cmd_ctx, "argv">): Promise<number> {
  const name = argv[0].slice(argv[0].lastIndexOf("/") + 1);
  const ext = exec_external_for(parent);
  const handed = ext === null ? null : ext(parent, argv, io);
  if (handed !== null) return handed;
  const main = programs.get(name);
  if (main === undefined) {
    io.stderr.write(`${name}: not found\n`);
    return 127;
  }
  const p = proc_create(parent.p_ucred, name);
  p.p_fibnum = parent.p_fibnum;
  proc_setparent(p, parent);
  let status: number;
  try {
    status = await main({ ...io, argv, p });
  } catch (e) {
    // A signal's default action ends the process; the shell sees 128+sig.
    if (e instanceof sigexit_unwind) status = 128 + e.sig;
    else if (!(e instanceof prog_exit)) throw e;
    else status = e.status;
  } finally {
    proc_exit(p);
  }
  // wait4(2): while the parent waits for its child, the kernel's threads
  // deliver what the child sent.
  await sched_relinquish();
  return status;
}

/** sh(1) as a program: `sh -c "cmd"` or a script on stdin. */
async function sh_main(ctx: prog_ctx): Promise<number> {
  const kp = ctx.p as proc;
  const shell = new sh_shell({ lookup: (n) => lookup(kp, n), name: "sh" });
  for (const [k, v] of ctx.env) shell.vars.set(k, v);
  if (ctx.argv[1] === "-c") {
    shell.params = ctx.argv.slice(3);
    return shell.run(ctx.argv[2] ?? "", ctx.stdout, ctx.stderr, ctx.stdin);
  }
  return shell.run(ctx.stdin, ctx.stdout, ctx.stderr);
}

/** The shell's command lookup: a program run as a child of `self`. */
export function lookup(self: proc, name: string): sh_program | null {
  const base = name.slice(name.lastIndexOf("/") + 1);
  if (!programs.has(base)) return null;
  return (c) => exec_prog(self, c.argv, { stdin: c.stdin, stdout: c.stdout, stderr: c.stderr, env: c.env });
}

programs.set("sysctl", sysctl_main);
programs.set("jail", make_jail_main((ctx, argv) => exec_prog(ctx.p as proc, argv, { stdin: "", stdout: ctx.stdout, stderr: ctx.stderr, env: ctx.env })));
programs.set("jls", jls_main);
programs.set("jexec", make_jexec_main((p, argv, ctx, env) => exec_prog(p, argv, { stdin: ctx.stdin, stdout: ctx.stdout, stderr: ctx.stderr, env })));
programs.set("setfib", make_setfib_main((p, argv, ctx) => exec_prog(p, argv, { stdin: ctx.stdin, stdout: ctx.stdout, stderr: ctx.stderr, env: ctx.env })));
programs.set("sh", sh_main);
programs.set("ifconfig", ifconfig_main);
programs.set("ping", ping_main);
programs.set("route", route_main);
programs.set("sleep", sleep_main);
programs.set("killall", killall_main);
programs.set("dmesg", dmesg_main);
programs.set("netstat", netstat_main);
programs.set("arp", arp_main);
programs.set("tcpdump", tcpdump_main);
