// The simulated /bin, /sbin and /usr/sbin: program names to their mains,
// and exec(): run one program as a new process (fork+exec), counted by the
// scheduler so that virtual time waits for it.

import { POLLOUT, proc_create, sys_exit, sys_poll, sys_read, sys_write, type proc } from "../kern/uipc_syscalls.ts";
import { sched_kick, sched_relinquish } from "../kern/kern_synch.ts";
import { printf } from "../kern/subr_prf.ts";
import { SIGCHLD, kern_psignal, proc_parent, proc_setparent, sig_default_ignores, sig_set_forward, sigexit_unwind, sys_kill } from "../kern/kern_sig.ts";
import fs from "node:fs";
import path from "node:path";
import { SH_LONGOPTS, sh_from_bytes, sh_shell, sh_to_bytes, type sh_cmd_ctx, type sh_options, type sh_program } from "./sh.ts";
import { host_exec, host_which } from "./host_exec.ts";
import { EACCES, ENOENT, EWOULDBLOCK } from "../kern/errno.ts";
import { prog_exit, type prog_ctx, type prog_main } from "./libc.ts";
import { sysctl_main } from "./sysctl.ts";
import { jls_main, make_jail_main } from "./jail.ts";
import { make_jexec_main } from "./jexec.ts";
import { make_setfib_main } from "./setfib.ts";
import { ifconfig_main } from "./ifconfig.ts";
import { ifmcstat_main } from "./ifmcstat.ts";
import { ping_main } from "./ping.ts";
import { traceroute_main } from "./traceroute.ts";
import { traceroute6_main } from "./traceroute6.ts";
import { nc_main } from "./nc.ts";
import { iperf3_main } from "./iperf3.ts";
import { sockstat_main } from "./sockstat.ts";
import { route_main } from "./route.ts";
import { netstat_main } from "./netstat.ts";
import { arp_main } from "./arp.ts";
import { ndp_main } from "./ndp.ts";
import { ip6addrctl_main } from "./ip6addrctl.ts";
import { rtsol_main } from "./rtsol.ts";
import { rtadvd_main } from "./rtadvd.ts";
import { tcpdump_main } from "./tcpdump.ts";
import { sleep_main } from "./sleep.ts";
import { killall_main } from "./killall.ts";
import { dmesg_main } from "./dmesg.ts";
import { kldstat_main } from "./kldstat.ts";
import { kldload_main } from "./kldload.ts";
import { kldunload_main } from "./kldunload.ts";
import { ngctl_main } from "./ngctl.ts";
import { make_imunes_main } from "./imunes.ts";
import { make_himage_main } from "./himage.ts";
import { make_vlink_main } from "./vlink.ts";
import { ipfw_main_prog } from "./ipfw.ts";
import { dnctl_main_prog } from "./ipfw_dummynet.ts";
import { natd_main } from "./natd.ts";
import { make_inetd_main } from "./inetd.ts";
import { make_timeout_main } from "./timeout.ts";
import { divapp_main } from "./divapp.ts";

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

/**
 * What execvp(3) gives its caller: the program ran to `status`, or it could
 * not be started (ENOENT: no such program; EACCES: a host file of that name
 * that may not be run), and the caller says so in its own words.
 */
export type execvp_result = { error: 0; status: number } | { error: typeof ENOENT | typeof EACCES; status: null };

/** Run argv as a child of `parent` (its credential and fib), with stdio; execvp(3)'s errors are returned, not printed. */
export async function execvp_prog(parent: proc, argv: string[], io: Omit<sh_cmd_ctx, "argv">): Promise<execvp_result> {
  const name = argv[0].slice(argv[0].lastIndexOf("/") + 1);
  const ext = exec_external_for(parent);
  const handed = ext === null ? null : ext(parent, argv, io);
  if (handed !== null) return { error: 0, status: await handed };
  const main = programs.get(name);
  if (main === undefined) {
    // Not simulated: the host's program of that name, if there is one.
    const hp = host_which(argv[0], io.env, io.cwd);
    if (hp === null) return { error: ENOENT, status: null };
    if (!hp.executable) return { error: EACCES, status: null };
    const ctx: sh_cmd_ctx = { ...io, argv };
    const status = host_exec(hp, ctx);
    if (ctx.stdin_read === true) io.stdin_read = true;
    // The host program ran as a child that has exited by now.
    kern_psignal(parent, SIGCHLD);
    return { error: 0, status };
  }
  return { error: 0, status: await run_simulated(main, name, parent, argv, io) };
}

/** Run argv as the shell runs a command: a program that cannot be started is `not found` (127) or `Permission denied` (126). */
export async function exec_prog(parent: proc, argv: string[], io: Omit<sh_cmd_ctx, "argv">): Promise<number> {
  const r = await execvp_prog(parent, argv, io);
  if (r.error === 0) return r.status;
  const name = argv[0].slice(argv[0].lastIndexOf("/") + 1);
  if (r.error === EACCES) {
    io.stderr.write(`sh: ${argv[0]}: Permission denied\n`);
    return 126;
  }
  io.stderr.write(`${name}: not found\n`);
  return 127;
}

async function run_simulated(main: prog_main, name: string, parent: proc, argv: string[], io: Omit<sh_cmd_ctx, "argv">): Promise<number> {
  const p = proc_create(parent.p_ucred, name);
  p.p_fibnum = parent.p_fibnum;
  proc_setparent(p, parent);
  io.spawned?.(p.p_pid);
  const ctx: prog_ctx = { ...io, argv, p };
  // fork(2) as daemon(3) makes it (libc.ts): the parent's _exit(0) ends
  // the process the caller waits for, and the program's code goes on as
  // the child, which exits when the program ends.
  let parent_exit: (status: number) => void = () => {};
  const parent_exited = new Promise<number>((resolve) => (parent_exit = resolve));
  let self: proc = p;
  ctx.fork_exit_parent = (child) => {
    const was = self;
    self = child as proc;
    sys_exit(was);
    parent_exit(0);
  };
  const run = (async (): Promise<number> => {
    try {
      return await main(ctx);
    } catch (e) {
      // A signal's default action ends the process; the shell sees 128+sig.
      if (e instanceof sigexit_unwind) return 128 + e.sig;
      if (e instanceof prog_exit) return e.status;
      // A bug: the caller hears of it, or, once nobody waits for this
      // process (a daemon), the kernel's message buffer.
      if (self === p) throw e;
      printf(`pid ${self.p_pid} (${self.p_comm}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return 70;
    } finally {
      // exit1: the parent hears of it (SIGCHLD).
      sys_exit(self);
      sched_kick();
    }
  })();
  let status: number;
  try {
    status = await Promise.race([run, parent_exited]);
  } finally {
    // What the child read of its standard input is gone for its parent too.
    if (ctx.stdin_read === true) io.stdin_read = true;
  }
  // wait4(2): while the parent waits for its child, the kernel's threads
  // deliver what the child sent.
  await sched_relinquish();
  return status;
}

/**
 * Run a child with the stdio, environment and directory of `ctx` (the
 * caller's context), and tell `ctx` when the child used up its standard
 * input, so that a shell reading the same input after it sees what is left.
 */
async function exec_child<T>(ctx: sh_cmd_ctx, env: Map<string, string>, run: (io: Omit<sh_cmd_ctx, "argv">) => Promise<T>): Promise<T> {
  const io: Omit<sh_cmd_ctx, "argv"> = { stdin: ctx.stdin, stdout: ctx.stdout, stderr: ctx.stderr, env, cwd: ctx.cwd, spawned: ctx.spawned };
  try {
    return await run(io);
  } finally {
    if (io.stdin_read === true) ctx.stdin_read = true;
  }
}

/** The shell's options when it runs as process `self`. */
export function sh_options_for(self: proc, name: string, script: boolean, cwd?: string): sh_options {
  return {
    lookup: (n, env, dir) => lookup(self, n, env, dir),
    which: (n, env, dir) => program_path(n, env, dir ?? cwd),
    name,
    script,
    pid: self.p_pid,
    cwd,
    kill: (pid, sig) => sys_kill(self, pid, sig),
  };
}

/** sh(1) as a program: `sh -c "cmd" [name [arg ...]]`, `sh file`, or a script on stdin. */
async function sh_main(ctx: prog_ctx): Promise<number> {
  const kp = ctx.p as proc;
  const a = ctx.argv;
  // The command line as options.c's procargs reads it: option letters
  // (and -o NAME) up to the first operand or --; -c takes the command
  // string from the first operand, -s (or no operand) reads standard input.
  // -i is accepted: with no terminal there are no prompts to print.
  const flags = new Set<string>();
  const unset = new Set<string>();
  let cflag = false;
  let sflag = false;
  let i = 1;
  for (; i < a.length; i++) {
    const arg = a[i];
    if (arg === "--" || arg === "-") {
      i++;
      break;
    }
    if (arg.length < 2 || (arg[0] !== "-" && arg[0] !== "+")) break;
    const on = arg[0] === "-";
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j];
      if (c === "c" && on) cflag = true;
      else if (c === "s" && on) sflag = true;
      else if (c === "o") {
        const name = a[++i];
        const letter = name === undefined ? undefined : SH_LONGOPTS[name];
        if (letter === undefined) {
          ctx.stderr.write(`sh: ${name ?? ""}: Illegal option -o\n`);
          return 2;
        }
        (on ? flags : unset).add(letter);
      } else if ("efnxvCaui".includes(c)) (on ? flags : unset).add(c);
      else {
        ctx.stderr.write(`sh: Illegal option -${c}\n`);
        return 2;
      }
    }
  }
  const start = (name: string, script: boolean): sh_shell => {
    const shell = new sh_shell(sh_options_for(kp, name, script, ctx.cwd));
    // Signals to this process (kill(2), a reaper's PROC_REAP_KILL) reach
    // the shell as the terminal's do: its trap runs, or it ends after the
    // command under way, which gets the signal too.  What the default
    // action ignores (SIGCHLD at each child's end) stays ignored.
    sig_set_forward(kp, (sig) => {
      if (sig_default_ignores(sig) && !shell.traps.has(sig)) return;
      shell.signal(sig);
    });
    shell.import_env(ctx.env);
    for (const f of flags) shell.flags.add(f);
    for (const f of unset) shell.flags.delete(f);
    return shell;
  };
  if (cflag) {
    if (i >= a.length) {
      ctx.stderr.write("sh: -c: option requires an argument\n");
      return 2;
    }
    const shell = start(a[i + 1] ?? "sh", false);
    shell.params = a.slice(i + 2);
    return shell.run(a[i], ctx.stdout, ctx.stderr, ctx.stdin);
  }
  if (!sflag && i < a.length) {
    const file = a[i];
    let src: string;
    try {
      src = fs.readFileSync(path.resolve(ctx.cwd ?? process.cwd(), file), "utf8");
    } catch {
      ctx.stderr.write(`sh: cannot open ${file}: No such file or directory\n`);
      return 127;
    }
    const shell = start(file, true);
    shell.params = a.slice(i + 1);
    return shell.run(src, ctx.stdout, ctx.stderr, ctx.stdin);
  }
  const shell = start("sh", false);
  shell.params = a.slice(i);
  return shell.run(ctx.stdin, ctx.stdout, ctx.stderr);
}

/** Where the simulated programs live in FreeBSD's tree (command -v, type). */
const PROGRAM_DIRS: Record<string, string> = {
  sysctl: "/sbin",
  jail: "/usr/sbin",
  jls: "/usr/sbin",
  jexec: "/usr/sbin",
  setfib: "/usr/bin",
  sh: "/bin",
  ifconfig: "/sbin",
  ping: "/sbin",
  ping6: "/sbin",
  traceroute: "/usr/sbin",
  traceroute6: "/usr/sbin",
  route: "/sbin",
  sleep: "/bin",
  killall: "/usr/bin",
  dmesg: "/sbin",
  netstat: "/usr/bin",
  arp: "/usr/sbin",
  ndp: "/usr/sbin",
  ip6addrctl: "/usr/sbin",
  rtsol: "/sbin",
  rtadvd: "/usr/sbin",
  tcpdump: "/usr/sbin",
  ngctl: "/usr/sbin",
  imunes: "/usr/local/bin",
  himage: "/usr/local/bin",
  vlink: "/usr/local/bin",
  iperf3: "/usr/local/bin",
  inetd: "/usr/sbin",
  divapp: "/usr/tests/sys/netpfil/common",
};

function program_path(name: string, env: Map<string, string>, cwd?: string): string | null {
  const base = name.slice(name.lastIndexOf("/") + 1);
  if (programs.has(base)) return name.includes("/") ? name : `${PROGRAM_DIRS[base] ?? "/usr/bin"}/${base}`;
  return host_which(name, env, cwd)?.path ?? null;
}

/**
 * The shell's command lookup: a simulated program run as a child of
 * `self`; else, under the daemon, the client's; else the host's program
 * found on the command's PATH; null if there is none.
 */
export function lookup(self: proc, name: string, env: Map<string, string> = new Map(), cwd?: string): sh_program | null {
  const base = name.slice(name.lastIndexOf("/") + 1);
  const run: sh_program = (c) => exec_child(c, c.env, (io) => exec_prog(self, c.argv, io));
  if (programs.has(base)) return run;
  if (exec_external_for(self) !== null) return run;
  const hp = host_which(name, env, cwd);
  if (hp === null || !hp.executable) return null;
  return async (c) => host_exec(hp, c);
}

programs.set("sysctl", sysctl_main);
programs.set("jail", make_jail_main((ctx, argv) => exec_prog(ctx.p as proc, argv, { stdin: "", stdout: ctx.stdout, stderr: ctx.stderr, env: ctx.env, cwd: ctx.cwd, spawned: ctx.spawned })));
programs.set("jls", jls_main);
programs.set("jexec", make_jexec_main((p, argv, ctx, env) => exec_child(ctx, env, (io) => execvp_prog(p, argv, io))));
programs.set("setfib", make_setfib_main((p, argv, ctx) => exec_child(ctx, ctx.env, (io) => execvp_prog(p, argv, io))));
programs.set("sh", sh_main);
programs.set("ifconfig", ifconfig_main);
programs.set("ifmcstat", ifmcstat_main);
programs.set("ping", ping_main);
programs.set("nc", nc_main);
programs.set("iperf3", iperf3_main);
programs.set("sockstat", sockstat_main);
programs.set("ping6", ping_main);
programs.set("route", route_main);
programs.set("sleep", sleep_main);
programs.set("killall", killall_main);
programs.set("dmesg", dmesg_main);
programs.set("kldstat", kldstat_main);
programs.set("kldload", kldload_main);
programs.set("kldunload", kldunload_main);
programs.set("netstat", netstat_main);
programs.set("arp", arp_main);
programs.set("ndp", ndp_main);
programs.set("ip6addrctl", ip6addrctl_main);
programs.set("rtsol", rtsol_main);
programs.set("rtadvd", rtadvd_main);
programs.set("tcpdump", tcpdump_main);
programs.set("ngctl", ngctl_main);
programs.set("traceroute", traceroute_main);
programs.set("traceroute6", traceroute6_main);
programs.set("timeout", make_timeout_main(execvp_prog));
programs.set("divapp", divapp_main);

/** Run argv as a child with `stdin`, collecting its standard output (the
 *  $(...) of IMUNES's scripts); its errors go to the caller's stderr. */
async function exec_capture(p: proc, argv: string[], stdin: string, ctx: prog_ctx): Promise<{ status: number; stdout: string }> {
  let out = "";
  const status = await exec_prog(p, argv, { stdin, stdout: { write: (s) => void (out += s) }, stderr: ctx.stderr, env: ctx.env, cwd: ctx.cwd, spawned: ctx.spawned });
  return { status, stdout: out };
}
programs.set(
  "imunes",
  make_imunes_main(exec_capture, (f, cwd) => fs.readFileSync(path.resolve(cwd ?? process.cwd(), f), "utf8")),
);
programs.set("himage", make_himage_main((p, argv, ctx) => exec_child(ctx, ctx.env, (io) => execvp_prog(p, argv, io))));
programs.set("vlink", make_vlink_main(exec_capture));
programs.set("ipfw", ipfw_main_prog);
programs.set("dnctl", dnctl_main_prog);
programs.set("natd", natd_main);
/**
 * inetd's execv(2) of an external server in its forked child `p`, the
 * connection `fd` standing for descriptors 0-2 as far as a program here
 * can have it (sbin/inetd.ts's header): standard input is what `fd` holds
 * now, and what the server writes goes to `fd` once it has ended.  `path`
 * names a simulated program by its last part, else the host's file; it is
 * run here, never handed to a daemon client (whose command inetd, a
 * daemon, has long outlived).
 */
async function inetd_exec(p: proc, file: string, argv: string[], fd: number, env: Map<string, string>): Promise<{ error: number; status: number }> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const r = sys_read(p, fd, 65536);
    if (r.error !== 0 || r.data === null || r.data.length === 0) break;
    chunks.push(r.data);
  }
  let out = "";
  const sink = { write: (s: string) => void (out += s) };
  const io: Omit<sh_cmd_ctx, "argv"> = { stdin: sh_from_bytes(Buffer.concat(chunks)), stdout: sink, stderr: sink, env, cwd: "/" };
  const name = file.slice(file.lastIndexOf("/") + 1);
  const main = programs.get(name);
  let status: number;
  if (main !== undefined) status = await run_simulated(main, name, p, argv, io);
  else {
    const hp = host_which(file, env, "/");
    if (hp === null) return { error: ENOENT, status: 0 };
    if (!hp.executable) return { error: EACCES, status: 0 };
    status = host_exec(hp, { ...io, argv });
  }
  // The server's exit closes its descriptors: its output is all there is.
  const bytes = sh_to_bytes(out);
  for (let off = 0; off < bytes.length; ) {
    const w = sys_write(p, fd, bytes.subarray(off));
    if (w.error === 0) off += w.len;
    else if (w.error === EWOULDBLOCK) await sys_poll(p, [{ fd, events: POLLOUT, revents: 0 }], 0);
    else break;
  }
  return { error: 0, status };
}
programs.set("inetd", make_inetd_main(inetd_exec));
