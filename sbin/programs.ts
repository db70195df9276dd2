// The simulated /bin, /sbin and /usr/sbin: program names to their mains,
// and exec(): run one program as a new process (fork+exec), counted by the
// scheduler so that virtual time waits for it.

import { proc_create, proc_exit, sys_jail_attach_proc, sys_setfib, type proc } from "../kern/uipc_syscalls.ts";
import { prison_find_name } from "../kern/kern_jail.ts";
import { sched_relinquish } from "../kern/kern_synch.ts";
import { proc_parent, proc_setparent, sigexit_unwind } from "../kern/kern_sig.ts";
import { strerror } from "../kern/errno.ts";
import { sh_shell, type sh_cmd_ctx, type sh_program } from "./sh.ts";
import { prog_exit, type prog_ctx, type prog_main } from "./libc.ts";
import { sysctl_main } from "./sysctl.ts";
import { jls_main, make_jail_main } from "./jail.ts";
import { ifconfig_main } from "./ifconfig.ts";
import { ping_main } from "./ping.ts";
import { route_main } from "./route.ts";
import { netstat_main } from "./netstat.ts";
import { arp_main } from "./arp.ts";
import { tcpdump_main } from "./tcpdump.ts";
import { sleep_main } from "./sleep.ts";
import { killall_main } from "./killall.ts";
import { dmesg_main } from "./dmesg.ts";
import { kldstat_main } from "./kldstat.ts";
import { kldload_main } from "./kldload.ts";
import { kldunload_main } from "./kldunload.ts";

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

/** jexec(8): jail_attach(2), then run the command in the jail. */
async function jexec_main(ctx: prog_ctx): Promise<number> {
  let i = 1;
  while (i < ctx.argv.length && ctx.argv[i].startsWith("-")) {
    const a = ctx.argv[i];
    if (a === "-l") i++;
    else if (a === "-u" || a === "-U") i += 2;
    else {
      ctx.stderr.write(`jexec: illegal option -- ${a.slice(1, 2)}\n`);
      ctx.stderr.write("usage: jexec [-l] [-u username | -U username] jail [command ...]\n");
      return 1;
    }
  }
  const jname = ctx.argv[i];
  if (jname === undefined) {
    ctx.stderr.write("usage: jexec [-l] [-u username | -U username] jail [command ...]\n");
    return 1;
  }
  const pr = prison_find_name(jname);
  if (pr === null) {
    ctx.stderr.write(`jexec: jail "${jname}" not found\n`);
    return 1;
  }
  const kp = ctx.p as proc;
  const e = sys_jail_attach_proc(kp, pr.pr_id);
  if (e !== 0) {
    ctx.stderr.write(`jexec: jail_attach(${pr.pr_id}): ${strerror(e)}\n`);
    return 1;
  }
  let cmd = ctx.argv.slice(i + 1);
  if (cmd.length === 0) cmd = ["sh"];
  return exec_prog(kp, cmd, { stdin: ctx.stdin, stdout: ctx.stdout, stderr: ctx.stderr, env: ctx.env });
}

/** setfib(1): run a command with another default FIB. */
async function setfib_main(ctx: prog_ctx): Promise<number> {
  let i = 1;
  if (ctx.argv[i] === "-F") i++;
  const v = ctx.argv[i];
  if (v === undefined || ctx.argv.length < i + 2) {
    ctx.stderr.write("usage: setfib [-[F]]value command\n");
    return 1;
  }
  const n = Number(v.replace(/^-F?/, ""));
  const kp = ctx.p as proc;
  if (!Number.isInteger(n) || sys_setfib(kp, n) !== 0) {
    ctx.stderr.write(`setfib: setfib(${v}): Invalid argument\n`);
    return 1;
  }
  return exec_prog(kp, ctx.argv.slice(i + 1), { stdin: ctx.stdin, stdout: ctx.stdout, stderr: ctx.stderr, env: ctx.env });
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
programs.set("jexec", jexec_main);
programs.set("setfib", setfib_main);
programs.set("sh", sh_main);
programs.set("ifconfig", ifconfig_main);
programs.set("ping", ping_main);
programs.set("route", route_main);
programs.set("sleep", sleep_main);
programs.set("killall", killall_main);
programs.set("dmesg", dmesg_main);
programs.set("kldstat", kldstat_main);
programs.set("kldload", kldload_main);
programs.set("kldunload", kldunload_main);
programs.set("netstat", netstat_main);
programs.set("arp", arp_main);
programs.set("tcpdump", tcpdump_main);
