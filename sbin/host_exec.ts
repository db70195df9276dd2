// lib/libc/gen/exec.c (execvp's search of PATH) for the programs VirtNet does
// not simulate: grep, sed, awk, head, cat, python3... run as the host's own
// programs, fed the command's standard input and captured into its standard
// output and error.  They run to completion synchronously: the simulated
// kernel does not move while they run (a host program takes no virtual
// time), so nothing in it can wait on them and the run stays deterministic.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { sh_from_bytes, sh_to_bytes, type sh_cmd_ctx } from "./sh.ts";

/** _PATH_DEFPATH: where execvp looks when PATH is unset. */
const DEFPATH = "/usr/bin:/bin";

export interface host_prog {
  path: string;
  executable: boolean;
}

/** execvp's search: the first regular file of that name on PATH, executable ones first. */
export function host_which(name: string, env: Map<string, string>, cwd = process.cwd()): host_prog | null {
  const check = (p: string): host_prog | null => {
    try {
      const full = path.resolve(cwd, p);
      const st = fs.statSync(full);
      if (!st.isFile()) return null;
      try {
        fs.accessSync(full, fs.constants.X_OK);
        return { path: full, executable: true };
      } catch {
        return { path: full, executable: false };
      }
    } catch {
      return null;
    }
  };
  if (name === "") return null;
  if (name.includes("/")) return check(name);
  let denied: host_prog | null = null;
  for (const dir of (env.get("PATH") ?? DEFPATH).split(":")) {
    const r = check(path.join(dir === "" ? "." : dir, name));
    if (r === null) continue;
    if (r.executable) return r;
    denied ??= r;
  }
  return denied;
}

/** Run a host program to its end; resolves with its exit status (128+signal if killed). */
export function host_exec(prog: host_prog, ctx: sh_cmd_ctx): number {
  const name = ctx.argv[0];
  if (!prog.executable) {
    ctx.stderr.write(`sh: ${name}: Permission denied\n`);
    return 126;
  }
  const env: Record<string, string> = {};
  for (const [k, v] of ctx.env) env[k] = v;
  ctx.stdin_read = true;
  const r = spawnSync(prog.path, ctx.argv.slice(1), {
    argv0: name,
    input: sh_to_bytes(ctx.stdin),
    cwd: ctx.cwd ?? process.cwd(),
    env,
    maxBuffer: 1 << 30,
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (r.error !== undefined && r.status === null && r.signal === null) {
    const code = (r.error as NodeJS.ErrnoException).code;
    ctx.stderr.write(`sh: ${name}: ${code === "EACCES" ? "Permission denied" : code === "ENOENT" ? "not found" : String(code)}\n`);
    return code === "ENOENT" ? 127 : 126;
  }
  if (r.stdout !== null && r.stdout.length > 0) ctx.stdout.write(sh_from_bytes(r.stdout));
  if (r.stderr !== null && r.stderr.length > 0) ctx.stderr.write(sh_from_bytes(r.stderr));
  if (r.status !== null) return r.status;
  const sig = r.signal === null ? 0 : ((SIGNO as Record<string, number>)[r.signal] ?? 0);
  return 128 + sig;
}

/** FreeBSD's numbers for the signals a host program may die of. */
const SIGNO = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGFPE: 8, SIGKILL: 9, SIGBUS: 10, SIGSEGV: 11, SIGSYS: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGUSR1: 30, SIGUSR2: 31 };
