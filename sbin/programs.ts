// The simulated /bin, /sbin and /usr/sbin: program names to their mains,
// and exec(): run one program as a new process (fork+exec), counted by the
// scheduler so that virtual time waits for it.

import { proc_create, proc_exit, sys_jail_attach_proc, sys_setfib, type proc } from "../kern/uipc_syscalls.ts";
import { prison_find_name } from "../kern/kern_jail.ts";
import { strerror } from "../kern/errno.ts";
import { sh_shell, type sh_cmd_ctx, type sh_program } from "./sh.ts";
import { prog_exit, type prog_ctx, type prog_main } from "./libc.ts";
import { sysctl_main } from "./sysctl.ts";
import { jls_main, make_jail_main } from "./jail.ts";
import { ifconfig_main } from "./ifconfig.ts";
import { ping_main } from "./ping.ts";
import { route_main } from "./route.ts";

export const programs = new Map<string, prog_main>();

/** Run argv as a child of `parent` (its credential and fib), with stdio. */
export async function exec_prog(parent: proc, argv: string[], io: Omit<sh_cmd_ctx, "argv">): Promise<number> {
  const name = argv[0].slice(argv[0].lastIndexOf("/") + 1);
  const main = programs.get(name);
  if (main === undefined) {
    io.stderr.write(`${name}: not found\n`);
    return 127;
  }
  const p = proc_create(parent.p_ucred, name);
  p.p_fibnum = parent.p_fibnum;
  try {
    return await main({ ...io, argv, p });
  } catch (e) {
    if (e instanceof prog_exit) return e.status;
    throw e;
  } finally {
    proc_exit(p);
  }
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
