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

// ---------------------------------------------------------------------------
// lib/libc/inet/inet_pton.c and inet_ntop.c (ISC's code in FreeBSD's libc):
// text to network-order bytes and back, for AF_INET and AF_INET6.

const LIBC_AF_INET = 2;
const LIBC_AF_INET6 = 28;

/** inet_pton4: exactly four decimal octets, none above 255, no leading
 *  zeros; 1 on success, 0 otherwise. */
function inet_pton4(src: string, dst: Uint8Array, off: number): number {
  let saw_digit = false;
  let octets = 0;
  let cur = 0;
  const tmp = [0, 0, 0, 0];
  for (let i = 0; i < src.length; i++) {
    const ch = src.charCodeAt(i);
    if (ch >= 0x30 && ch <= 0x39) {
      if (saw_digit && tmp[cur] === 0) return 0;
      const nw = tmp[cur] * 10 + (ch - 0x30);
      if (nw > 255) return 0;
      tmp[cur] = nw;
      if (!saw_digit) {
        if (++octets > 4) return 0;
        saw_digit = true;
      }
    } else if (ch === 0x2e && saw_digit) {
      if (octets === 4) return 0;
      cur++;
      saw_digit = false;
    } else return 0;
  }
  if (octets < 4) return 0;
  for (let i = 0; i < 4; i++) dst[off + i] = tmp[i];
  return 1;
}

/** inet_pton6: hex groups of up to four digits, one "::", an optional
 *  dotted quad in the last 32 bits; 1 on success, 0 otherwise. */
function inet_pton6(src: string, dst: Uint8Array): number {
  const tmp = new Uint8Array(16);
  let tp = 0;
  let colonp = -1;
  let i = 0;
  if (src[0] === ":") {
    if (src[1] !== ":") return 0;
    i = 1;
  }
  let curtok = i;
  let saw_xdigit = false;
  let val = 0;
  let seen_xdigits = 0;
  for (; i < src.length; i++) {
    const ch = src[i];
    const d = "0123456789abcdef".indexOf(ch.toLowerCase());
    if (d >= 0 && ch !== "" && /[0-9a-fA-F]/.test(ch)) {
      if (++seen_xdigits > 4) return 0;
      val = (val << 4) | d;
      saw_xdigit = true;
      continue;
    }
    if (ch === ":") {
      curtok = i + 1;
      if (!saw_xdigit) {
        if (colonp >= 0) return 0;
        colonp = tp;
        continue;
      } else if (i + 1 >= src.length) return 0;
      if (tp + 2 > 16) return 0;
      tmp[tp++] = (val >> 8) & 0xff;
      tmp[tp++] = val & 0xff;
      saw_xdigit = false;
      seen_xdigits = 0;
      val = 0;
      continue;
    }
    if (ch === "." && tp + 4 <= 16 && inet_pton4(src.slice(curtok), tmp, tp) > 0) {
      tp += 4;
      saw_xdigit = false;
      seen_xdigits = 0;
      break;
    }
    return 0;
  }
  if (saw_xdigit) {
    if (tp + 2 > 16) return 0;
    tmp[tp++] = (val >> 8) & 0xff;
    tmp[tp++] = val & 0xff;
  }
  if (colonp >= 0) {
    // Shift what follows the "::" to the end; zeros fill the gap.
    const n = tp - colonp;
    if (tp === 16) return 0;
    for (let j = 1; j <= n; j++) {
      tmp[16 - j] = tmp[colonp + n - j];
      tmp[colonp + n - j] = 0;
    }
    tp = 16;
  }
  if (tp !== 16) return 0;
  dst.set(tmp);
  return 1;
}

/**
 * inet_pton(3): 1 when src is a valid address of family af (written to
 * dst, network order), 0 when it is not, -1 (errno EAFNOSUPPORT) for an
 * unknown family.
 */
export function inet_pton(af: number, src: string, dst: Uint8Array): number {
  if (af === LIBC_AF_INET) return inet_pton4(src, dst, 0);
  if (af === LIBC_AF_INET6) return inet_pton6(src, dst);
  return -1;
}

function inet_ntop4(src: Uint8Array, off: number): string {
  return `${src[off]}.${src[off + 1]}.${src[off + 2]}.${src[off + 3]}`;
}

/** inet_ntop6: the longest run of two or more zero groups becomes "::"
 *  (the first of equal runs); IPv4-compatible and -mapped addresses end
 *  in a dotted quad. */
function inet_ntop6(src: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((src[2 * i] << 8) | src[2 * i + 1]);
  let best_base = -1;
  let best_len = 0;
  let cur_base = -1;
  let cur_len = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (cur_base === -1) {
        cur_base = i;
        cur_len = 1;
      } else cur_len++;
    } else if (cur_base !== -1) {
      if (best_base === -1 || cur_len > best_len) {
        best_base = cur_base;
        best_len = cur_len;
      }
      cur_base = -1;
    }
  }
  if (cur_base !== -1 && (best_base === -1 || cur_len > best_len)) {
    best_base = cur_base;
    best_len = cur_len;
  }
  if (best_base !== -1 && best_len < 2) best_base = -1;
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (best_base !== -1 && i >= best_base && i < best_base + best_len) {
      if (i === best_base) s += ":";
      continue;
    }
    if (i !== 0) s += ":";
    if (i === 6 && best_base === 0 && (best_len === 6 || (best_len === 7 && words[7] !== 0x0001) || (best_len === 5 && words[5] === 0xffff))) {
      s += inet_ntop4(src, 12);
      break;
    }
    s += words[i].toString(16);
  }
  if (best_base !== -1 && best_base + best_len === 8) s += ":";
  return s;
}

/** inet_ntop(3): the text form of a network-order address, or null for an
 *  unknown family (errno EAFNOSUPPORT). */
export function inet_ntop(af: number, src: Uint8Array): string | null {
  if (af === LIBC_AF_INET) return inet_ntop4(src, 0);
  if (af === LIBC_AF_INET6) return inet_ntop6(src);
  return null;
}

/** /etc/hosts as FreeBSD installs it, its IPv6 line. */
const etc_hosts6 = new Map<string, string>([["::1", "localhost"]]);

/** An IPv6 address as getnameinfo(3) gives it without NI_NUMERICHOST
 *  (only /etc/hosts resolves here), or the numeric form. */
export function hostname6(addr: Uint8Array, numeric: boolean): string {
  const s = inet_ntop6(addr);
  if (!numeric) {
    const h = etc_hosts6.get(s);
    if (h !== undefined) return h;
  }
  return s;
}
