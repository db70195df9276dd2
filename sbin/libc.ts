// The userland side of the syscall boundary: what every simulated program
// gets (argv, stdio, its process) and small helpers in the spirit of libc
// (err/warn formatting, getopt).  Programs call the kernel only through
// system calls, never by touching kernel objects.

import type { sh_cmd_ctx } from "./sh.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { strerror } from "../kern/errno.ts";

/** A process as userland sees it: its credential (and, once it opens
 *  sockets, its descriptor table, kept by the kernel's struct proc). */
export interface uproc {
  p_pid: number;
  p_comm: string;
  p_ucred: ucred;
}

export interface prog_ctx extends sh_cmd_ctx {
  p: uproc;
  /** Standard input and output are a terminal (the simulator's shells and
   *  the daemon's clients run programs on pipes and files: unset). */
  tty?: boolean;
}

/** isatty(3) for the standard descriptors. */
export function isatty(ctx: prog_ctx, fd: number): boolean {
  return (fd === 0 || fd === 1) && ctx.tty === true;
}

export type prog_main = (ctx: prog_ctx) => Promise<number>;

/** The exit status a program returns after err(3)/errx(3). */
export class prog_exit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

export function progname(ctx: prog_ctx): string {
  const a0 = ctx.argv[0] ?? "?";
  return a0.slice(a0.lastIndexOf("/") + 1);
}

/** warnx(3): "prog: message". */
export function warnx(ctx: prog_ctx, msg: string): void {
  ctx.stderr.write(`${progname(ctx)}: ${msg}\n`);
}
/** warn(3) with an errno: "prog: message: strerror". */
export function warn(ctx: prog_ctx, msg: string, errno: number): void {
  ctx.stderr.write(`${progname(ctx)}: ${msg}${msg === "" ? "" : ": "}${strerror(errno)}\n`);
}
export function errx(ctx: prog_ctx, status: number, msg: string): never {
  warnx(ctx, msg);
  throw new prog_exit(status);
}
export function err(ctx: prog_ctx, status: number, msg: string, errno: number): never {
  warn(ctx, msg, errno);
  throw new prog_exit(status);
}

/** getopt(3): parse `optstring` flags from argv[1..]; returns the options
 *  in order and the index of the first operand.  A bad option calls
 *  `usage`, which must throw. */
export function getopt(
  ctx: prog_ctx,
  optstring: string,
  usage: () => never,
  argv: string[] = ctx.argv,
): { opts: [string, string][]; optind: number } {
  const opts: [string, string][] = [];
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      const k = optstring.indexOf(c);
      if (k < 0 || c === ":") {
        ctx.stderr.write(`${progname(ctx)}: illegal option -- ${c}\n`);
        usage();
      }
      if (optstring[k + 1] === ":") {
        let val = a.slice(j + 1);
        if (val === "") {
          i++;
          if (i >= argv.length) {
            ctx.stderr.write(`${progname(ctx)}: option requires an argument -- ${c}\n`);
            usage();
          }
          val = argv[i];
        }
        opts.push([c, val]);
        break;
      }
      opts.push([c, ""]);
    }
  }
  return { opts, optind: i };
}

/** Run a program body, turning prog_exit into its status. */
export async function prog_run(ctx: prog_ctx, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof prog_exit) return e.status;
    throw e;
  }
}

/**
 * strtoul(3) as far as programs here use it: leading blanks, a sign, then
 * digits in `base` (0: "0x" hex, "0" octal, else decimal).  `rest` is what
 * *endptr would point at; a negative number wraps as C's does (to a value
 * above any range a caller checks), overflow gives ULONG_MAX.
 */
export function strtoul(s: string, base: number): { v: number; rest: string } {
  let i = 0;
  while (i < s.length && " \t\n\v\f\r".includes(s[i])) i++;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") {
    neg = s[i] === "-";
    i++;
  }
  if ((base === 0 || base === 16) && s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") && /[0-9a-fA-F]/.test(s[i + 2] ?? "")) {
    base = 16;
    i += 2;
  } else if (base === 0) base = s[i] === "0" ? 8 : 10;
  const start = i;
  let v = 0;
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 36);
    if (Number.isNaN(d) || d >= base) break;
    v = v * base + d;
  }
  if (i === start) return { v: 0, rest: s };
  if (v > 0xffffffffffffffff) v = 0xffffffffffffffff;
  if (neg && v !== 0) v = 0xffffffffffffffff - v + 1;
  return { v, rest: s.slice(i) };
}
