// The userland side of the syscall boundary: what every simulated program
// gets (argv, stdio, its process) and small helpers in the spirit of libc
// (err/warn formatting, getopt).  Programs call the kernel only through
// system calls, never by touching kernel objects.

import type { sh_cmd_ctx, sh_io } from "./sh.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { EINPROGRESS, ENOSYS, ERANGE, EWOULDBLOCK, strerror } from "../kern/errno.ts";
import { F_GETFL, O_NONBLOCK, POLLIN, sys_accept, sys_connect, sys_connect_wait, sys_exit, sys_fcntl, sys_fork, sys_poll, type proc } from "../kern/uipc_syscalls.ts";
import { SIGHUP, sys_setsid, sys_sigaction, sys_sigaction_get } from "../kern/kern_sig.ts";
import { AF_INET, AF_INET6, AF_LINK, AF_UNSPEC, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM } from "../kern/socket.ts";
import { inet_aton, sockaddr_in } from "../netinet/in.ts";

import { getifaddrs, if_nametoindex } from "./libc_getifaddrs.ts";
import { getservbyname, getservbyport, gethostbyaddr } from "./netdb.ts";
import { sockaddr_in6 } from "../netinet6/in6_var.ts";

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
  /** Set by whoever runs the program (sbin/programs.ts): the parent's
   *  side of a fork that ends in _exit(0) at once, the program's code going
   *  on as `child` (daemon(3)).  Unset: the program cannot fork. */
  fork_exit_parent?: (child: uproc) => void;
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

/** One argument of single-letter options ("-ab", "-ovalue", "-o value"):
 *  each goes to opts; returns the index of the last argument it used. */
function getopt_cluster(ctx: prog_ctx, optstring: string, usage: () => never, argv: string[], i: number, opts: [string, string][], opterr = true): number {
  const a = argv[i];
  for (let j = 1; j < a.length; j++) {
    const c = a[j];
    const k = optstring.indexOf(c);
    if (k < 0 || c === ":") {
      if (opterr) ctx.stderr.write(`${progname(ctx)}: illegal option -- ${c}\n`);
      usage();
    }
    if (optstring[k + 1] === ":") {
      let val = a.slice(j + 1);
      if (val === "") {
        i++;
        if (i >= argv.length) {
          if (opterr) ctx.stderr.write(`${progname(ctx)}: option requires an argument -- ${c}\n`);
          usage();
        }
        val = argv[i];
      }
      opts.push([c, val]);
      break;
    }
    opts.push([c, ""]);
  }
  return i;
}

/**
 * getopt(3)'s state, which FreeBSD keeps in the globals optind, optreset,
 * optarg, optopt and opterr (and the scanning pointer inside getopt.c).  A
 * program that restarts the scan (ipfw for each line of a rules file) sets
 * optind = optreset = 1, as in C.  `progname` is what _getprogname() gives
 * the messages (setprogname(3) changes it); unset, argv[0]'s last part.
 */
export class getopt_state {
  optind = 1;
  optreset = 0;
  optarg: string | null = null;
  optopt = "";
  opterr = true;
  progname: string | null = null;
  /** The rest of the option cluster being scanned ("" = take the next argument). */
  place = "";
}

/**
 * getopt(3), FreeBSD's lib/libc/stdlib/getopt.c: the next option letter of
 * argv, "?" for one not in `optstring` or missing its argument (":" then,
 * when optstring starts with ':'), -1 at the first operand, at "--" (which
 * it skips) or at a lone "-" (left in place, unless optstring has '-').
 */
export function getopt_r(ctx: prog_ctx, st: getopt_state, argv: string[], optstring: string): string | -1 {
  const name = (): string => st.progname ?? progname(ctx);
  if (st.optreset !== 0 || st.place === "") {
    st.optreset = 0;
    const arg = argv[st.optind];
    if (st.optind >= argv.length || arg === undefined || arg[0] !== "-") {
      st.place = "";
      return -1;
    }
    st.place = arg.slice(1);
    if (st.place === "-") {
      st.optind++;
      st.place = "";
      return -1;
    }
    if (st.place === "") {
      if (!optstring.includes("-")) return -1;
      st.optopt = "-";
    } else {
      st.optopt = st.place[0];
      st.place = st.place.slice(1);
    }
  } else {
    st.optopt = st.place[0];
    st.place = st.place.slice(1);
  }
  const oli = st.optopt === ":" ? -1 : optstring.indexOf(st.optopt);
  if (oli < 0) {
    if (st.place === "") st.optind++;
    if (st.opterr && optstring[0] !== ":") ctx.stderr.write(`${name()}: illegal option -- ${st.optopt}\n`);
    return "?";
  }
  if (optstring[oli + 1] !== ":") {
    st.optarg = null;
    if (st.place === "") st.optind++;
    return st.optopt;
  }
  if (st.place !== "") st.optarg = st.place;
  else if (optstring[oli + 2] === ":") st.optarg = null;
  else if (argv.length > ++st.optind) st.optarg = argv[st.optind];
  else {
    st.place = "";
    if (optstring[0] === ":") return ":";
    if (st.opterr) ctx.stderr.write(`${name()}: option requires an argument -- ${st.optopt}\n`);
    return "?";
  }
  st.place = "";
  st.optind++;
  return st.optopt;
}

/** getopt(3) run to the first operand, for programs that only collect
 *  their flags: the options in order and optind.  A bad option calls
 *  `usage`, which must throw; with opterr false (the program set `opterr =
 *  0`) getopt itself prints nothing first. */
export function getopt(
  ctx: prog_ctx,
  optstring: string,
  usage: () => never,
  argv: string[] = ctx.argv,
  opterr = true,
): { opts: [string, string][]; optind: number } {
  const opts: [string, string][] = [];
  const st = new getopt_state();
  st.opterr = opterr;
  for (;;) {
    const c = getopt_r(ctx, st, argv, optstring);
    if (c === -1) break;
    if (c === "?" || c === ":") usage();
    opts.push([c, st.optarg ?? ""]);
  }
  return { opts, optind: st.optind };
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

/** atoi(3): leading blanks, a sign, digits; 0 when there are none (C's
 *  int, so the value wraps to 32 bits). */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  return m === null ? 0 : Number.parseInt(m[1], 10) | 0;
}

/**
 * strtoul(3) as far as programs here use it: leading blanks, a sign, then
 * digits in `base` (0: "0x" hex, "0" octal, else decimal).  `rest` is what
 * *endptr would point at.  `ul` is the exact unsigned long FreeBSD's
 * returns (amd64: 64 bits): overflow saturates to ULONG_MAX with `errno`
 * ERANGE, and a negative number is negated modulo 2^64.  `v` is the same
 * value as a JS number (above 2^53 it is rounded, so callers only compare
 * it against ranges); a C caller that stores the result in a narrower type
 * does so through ulong_to_u32/ulong_to_int/ulong_to_u16/ulong_to_u8,
 * which take the low bits of `ul` as C's conversion does.
 */
export function strtoul(s: string, base: number): { v: number; rest: string; ul: bigint; errno: number } {
  const r = strto_scan(s, base);
  if (r === null) return { v: 0, rest: s, ul: 0n, errno: 0 };
  let ul: bigint;
  let errno = 0;
  if (r.mag > ULONG_MAX) {
    ul = ULONG_MAX;
    errno = ERANGE;
  } else ul = r.neg ? BigInt.asUintN(64, -r.mag) : r.mag;
  return { v: Number(ul), rest: r.rest, ul, errno };
}

/**
 * strtol(3): strtoul's scan, for a signed long (amd64: 64 bits) that
 * saturates at LONG_MIN or LONG_MAX with `errno` ERANGE.  `l` is the exact
 * long; a C caller that stores it in an int takes its low 32 bits
 * (BigInt.asIntN(32, l)).  With no digits, `rest` is `s` (*endptr == nptr).
 */
export function strtol(s: string, base: number): { v: number; rest: string; l: bigint; errno: number } {
  const r = strto_scan(s, base);
  if (r === null) return { v: 0, rest: s, l: 0n, errno: 0 };
  let l = r.neg ? -r.mag : r.mag;
  let errno = 0;
  if (l > LONG_MAX) {
    l = LONG_MAX;
    errno = ERANGE;
  } else if (l < LONG_MIN) {
    l = LONG_MIN;
    errno = ERANGE;
  }
  return { v: Number(l), rest: r.rest, l, errno };
}

/** The scan strtoul and strtol share: blanks, a sign, the base's prefix and
 *  digits; the magnitude stops growing once past ULONG_MAX (both then
 *  saturate).  null when there is no digit. */
function strto_scan(s: string, base: number): { neg: boolean; mag: bigint; rest: string } | null {
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
  const b = BigInt(base);
  let mag = 0n;
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 36);
    if (Number.isNaN(d) || d >= base) break;
    if (mag <= ULONG_MAX) mag = mag * b + BigInt(d);
  }
  if (i === start) return null;
  return { neg, mag, rest: s.slice(i) };
}
/**
 * strtod(3) (gdtoa's strtod): blanks, a sign, then "inf"/"infinity", "nan"
 * (with an optional "(chars)"), a hexadecimal number ("0x1.8p3") or a
 * decimal one, whichever is longest at the start.  `rest` is what follows
 * (all of `s`, and v = 0, when nothing converts: *endptr == nptr).  A
 * result too large is ±HUGE_VAL and one too small for a double is 0, both
 * with `errno` ERANGE.
 */
export function strtod(s: string): { v: number; rest: string; errno: number } {
  const m = STRTOD_RE.exec(s);
  if (m === null) return { v: 0, rest: s, errno: 0 };
  const neg = m[1] === "-";
  let v: number;
  let nonzero: boolean;
  if (m[2] !== undefined) {
    v = Infinity;
    nonzero = true;
  } else if (m[3] !== undefined) {
    v = NaN;
    nonzero = true;
  } else if (m[4] !== undefined || m[6] !== undefined) {
    const frac = m[5] ?? m[6] ?? "";
    const digits = ((m[4] ?? "") + frac).replace(/^0+/, "");
    nonzero = digits !== "";
    v = nonzero ? ldexp(Number(BigInt("0x" + digits)), (m[7] === undefined ? 0 : Number(m[7])) - 4 * frac.length) : 0;
  } else {
    v = Number(m[8]);
    nonzero = /[1-9]/.test(m[8].replace(/[eE].*$/, ""));
  }
  let errno = 0;
  if (nonzero && (v === Infinity || v === 0) && m[2] === undefined) errno = ERANGE;
  return { v: neg ? -v : v, rest: s.slice(m[0].length), errno };
}
/** ldexp(3): x * 2**e, in steps so that 2**e itself never overflows. */
function ldexp(x: number, e: number): number {
  for (; e > 1023 && Number.isFinite(x); e -= 1023) x *= 2 ** 1023;
  for (; e < -1022 && x !== 0; e += 1022) x *= 2 ** -1022;
  return x * 2 ** e;
}
const STRTOD_RE =
  /^[ \t\n\v\f\r]*([+-]?)(?:(infinity|inf)|(nan)(?:\([0-9A-Za-z_]*\))?|0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?|([0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?))/i;
const ULONG_MAX = 0xffffffffffffffffn;
const LONG_MAX = 0x7fffffffffffffffn;
const LONG_MIN = -0x8000000000000000n;

/** (uint32_t) of strtoul's unsigned long: its low 32 bits. */
export function ulong_to_u32(r: { ul: bigint }): number {
  return Number(BigInt.asUintN(32, r.ul));
}
/** (int) of strtoul's unsigned long: its low 32 bits, signed. */
export function ulong_to_int(r: { ul: bigint }): number {
  return Number(BigInt.asIntN(32, r.ul));
}
/** (uint16_t) of strtoul's unsigned long. */
export function ulong_to_u16(r: { ul: bigint }): number {
  return Number(BigInt.asUintN(16, r.ul));
}
/** (uint8_t) of strtoul's unsigned long. */
export function ulong_to_u8(r: { ul: bigint }): number {
  return Number(BigInt.asUintN(8, r.ul));
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

// ---------------------------------------------------------------------------
// lib/libc/net/if_indextoname.c, getaddrinfo.c, getnameinfo.c: numeric
// hosts of both families (an IPv6 one with its "%zone"), the names in
// /etc/hosts and the UDP services this userland knows; there is no
// resolver, so any other name is EAI_NONAME.

/** if_indextoname(3): the interface's name, or null. */
export function if_indextoname(p: uproc, index: number): string | null {
  const l = getifaddrs(p).ifap.find((a) => a.family === AF_LINK && a.sdl_index === index);
  return l === undefined ? null : l.ifa_name;
}

export const EAI_ADDRFAMILY = 1;
export const EAI_AGAIN = 2;
export const EAI_BADFLAGS = 3;
export const EAI_FAIL = 4;
export const EAI_FAMILY = 5;
export const EAI_MEMORY = 6;
export const EAI_NONAME = 8;
export const EAI_SERVICE = 9;
export const EAI_SOCKTYPE = 10;
export const EAI_SYSTEM = 11;
export const EAI_BADHINTS = 12;
export const EAI_PROTOCOL = 13;
export const EAI_OVERFLOW = 14;

const ai_errlist = [
  "Success",
  "Address family for hostname not supported",
  "Temporary failure in name resolution",
  "Invalid value for ai_flags",
  "Non-recoverable failure in name resolution",
  "ai_family not supported",
  "Memory allocation failure",
  "No address associated with hostname",
  "hostname nor servname provided, or not known",
  "servname not supported for ai_socktype",
  "ai_socktype not supported",
  "System error returned in errno",
  "Invalid value for hints",
  "Resolved protocol is unknown",
  "Argument buffer overflow",
];

/** gai_strerror(3). */
export function gai_strerror(ecode: number): string {
  return ai_errlist[ecode] ?? "Unknown error";
}

export const AI_PASSIVE = 0x00000001;
export const AI_CANONNAME = 0x00000002;
export const AI_NUMERICHOST = 0x00000004;
export const AI_NUMERICSERV = 0x00000008;
export const AI_ADDRCONFIG = 0x00000400;
const AI_MASK = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV | AI_ADDRCONFIG;

export const NI_NOFQDN = 0x00000001;
export const NI_NUMERICHOST = 0x00000002;
export const NI_NAMEREQD = 0x00000004;
export const NI_NUMERICSERV = 0x00000008;
export const NI_DGRAM = 0x00000010;
export const NI_NUMERICSCOPE = 0x00000020;

/** struct addrinfo. */
export interface addrinfo {
  ai_flags: number;
  ai_family: number;
  ai_socktype: number;
  ai_protocol: number;
  ai_addr: sockaddr_in | sockaddr_in6;
  ai_canonname: string | null;
}

export interface addrinfo_hints {
  ai_flags?: number;
  ai_family?: number;
  ai_socktype?: number;
  ai_protocol?: number;
}

/** The zone of "addr%zone" (ip6_str2scopeid): an interface name for a
 *  link-local or interface/link-local multicast address, else a number;
 *  -1 when it is neither. */
function ip6_str2scopeid(p: uproc, scope: string, a6: Uint8Array): number {
  const ll = (a6[0] === 0xfe && (a6[1] & 0xc0) === 0x80) || (a6[0] === 0xff && ((a6[1] & 0x0f) === 0x02 || (a6[1] & 0x0f) === 0x01));
  if (scope === "") return -1;
  if (ll) {
    const idx = if_nametoindex(p, scope);
    if (idx !== 0) return idx;
  }
  if (!/^[0-9]+$/.test(scope)) return -1;
  const v = Number(scope);
  return v > 0xffffffff ? -1 : v;
}

/**
 * getaddrinfo(3): the addresses of hostname (numeric, or a name in
 * /etc/hosts) and servname (numeric, or a service of the socket type's
 * protocol, UDP unless SOCK_STREAM), as sockaddrs.  An
 * IPv6 address may carry "%zone" (an interface name or index).
 */
export function getaddrinfo(p: uproc, hostname: string | null, servname: string | null, hints: addrinfo_hints | null): { error: number; res: addrinfo[] } {
  const h = hints ?? {};
  const flags = h.ai_flags ?? 0;
  const family = h.ai_family ?? AF_UNSPEC;
  const socktype = h.ai_socktype ?? 0;
  const protocol = h.ai_protocol ?? 0;
  if ((flags & ~AI_MASK) !== 0) return { error: EAI_BADFLAGS, res: [] };
  if (hostname === null && servname === null) return { error: EAI_NONAME, res: [] };
  if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) return { error: EAI_FAMILY, res: [] };
  if (socktype !== 0 && socktype !== SOCK_DGRAM && socktype !== SOCK_STREAM && socktype !== SOCK_RAW) return { error: EAI_SOCKTYPE, res: [] };
  // The port.
  let port = 0;
  if (servname !== null) {
    if (socktype === SOCK_RAW) return { error: EAI_SERVICE, res: [] };
    if (/^[0-9]+$/.test(servname)) {
      port = Number(servname);
      if (port > 65535) return { error: EAI_SERVICE, res: [] };
    } else {
      if ((flags & AI_NUMERICSERV) !== 0) return { error: EAI_NONAME, res: [] };
      const sp = getservbyname(servname, socktype === SOCK_STREAM ? "tcp" : "udp");
      if (sp === null) return { error: EAI_SERVICE, res: [] };
      port = sp;
    }
  }
  // The addresses, each family in turn (IPv6 first, as FreeBSD's default
  // address selection table orders ::1 before 127.0.0.1).
  const addrs: (sockaddr_in | sockaddr_in6)[] = [];
  if (hostname === null) {
    const passive = (flags & AI_PASSIVE) !== 0;
    if (family !== AF_INET) {
      const a = new sockaddr_in6();
      if (!passive) a.sin6_addr.s6_addr[15] = 1;
      addrs.push(a);
    }
    if (family !== AF_INET6) addrs.push(new sockaddr_in(passive ? 0 : 0x7f000001));
  } else {
    const pct = hostname.indexOf("%");
    const host = pct >= 0 ? hostname.slice(0, pct) : hostname;
    const b = new Uint8Array(16);
    if (inet_pton(AF_INET6, host, b) === 1) {
      if (family === AF_INET) return { error: EAI_NONAME, res: [] };
      const a = new sockaddr_in6();
      a.sin6_addr.s6_addr.set(b);
      if (pct >= 0) {
        const z = ip6_str2scopeid(p, hostname.slice(pct + 1), b);
        if (z < 0) return { error: EAI_NONAME, res: [] };
        a.sin6_scope_id = z;
      }
      addrs.push(a);
    } else {
      const v4 = pct < 0 ? inet_aton(host) : null;
      if (v4 !== null) {
        if (family === AF_INET6) return { error: EAI_NONAME, res: [] };
        addrs.push(new sockaddr_in(v4));
      } else {
        if ((flags & AI_NUMERICHOST) !== 0 || pct >= 0) return { error: EAI_NONAME, res: [] };
        // /etc/hosts.
        if (family !== AF_INET) {
          for (const [a6, name] of etc_hosts6) {
            if (name !== host) continue;
            const a = new sockaddr_in6();
            inet_pton(AF_INET6, a6, a.sin6_addr.s6_addr);
            addrs.push(a);
          }
        }
        if (family !== AF_INET6 && host === "localhost") addrs.push(new sockaddr_in(0x7f000001));
        if (addrs.length === 0) return { error: EAI_NONAME, res: [] };
      }
    }
  }
  const res: addrinfo[] = [];
  const types = socktype !== 0 ? [socktype] : [SOCK_DGRAM, SOCK_STREAM, SOCK_RAW];
  for (const a of addrs) {
    for (const t of types) {
      // A raw socket has no port; with a service, only the types that do.
      if (t === SOCK_RAW && servname !== null) continue;
      const c = "sin6_addr" in a ? new sockaddr_in6(a.sin6_addr, port, a.sin6_scope_id) : new sockaddr_in(a.sin_addr, port);
      const proto = protocol !== 0 ? protocol : t === SOCK_DGRAM ? 17 : t === SOCK_STREAM ? 6 : 0;
      res.push({ ai_flags: flags, ai_family: "sin6_addr" in c ? AF_INET6 : AF_INET, ai_socktype: t, ai_protocol: proto, ai_addr: c, ai_canonname: (flags & AI_CANONNAME) !== 0 && res.length === 0 ? (hostname ?? null) : null });
    }
  }
  return { error: 0, res };
}

/**
 * getnameinfo(3) for AF_INET and AF_INET6: the host (a name from
 * /etc/hosts unless NI_NUMERICHOST; an IPv6 link-local one with "%" and
 * its interface, or the zone number with NI_NUMERICSCOPE) and the service.
 */
export function getnameinfo(p: uproc, sa: sockaddr_in | sockaddr_in6, flags: number): { error: number; host: string; serv: string } {
  let host: string;
  let port: number;
  if ("sin6_addr" in sa) {
    if (sa.sin6_family !== AF_INET6) return { error: EAI_FAMILY, host: "", serv: "" };
    const a6 = sa.sin6_addr.s6_addr;
    port = sa.sin6_port;
    let name: string | null = null;
    if ((flags & NI_NUMERICHOST) === 0) name = etc_hosts6.get(inet_ntop6(a6)) ?? null;
    if (name === null && (flags & NI_NAMEREQD) !== 0) return { error: EAI_NONAME, host: "", serv: "" };
    if (name !== null) host = name;
    else {
      host = inet_ntop6(a6);
      if (sa.sin6_scope_id !== 0) {
        const ll = (a6[0] === 0xfe && (a6[1] & 0xc0) === 0x80) || (a6[0] === 0xff && ((a6[1] & 0x0f) === 0x02 || (a6[1] & 0x0f) === 0x01));
        let zone: string | null = null;
        if (ll && (flags & NI_NUMERICSCOPE) === 0) zone = if_indextoname(p, sa.sin6_scope_id);
        host += `%${zone ?? String(sa.sin6_scope_id)}`;
      }
    }
  } else {
    if (sa.sin_family !== AF_INET) return { error: EAI_FAMILY, host: "", serv: "" };
    port = sa.sin_port;
    const name = (flags & NI_NUMERICHOST) === 0 ? gethostbyaddr(sa.sin_addr) : null;
    if (name === null && (flags & NI_NAMEREQD) !== 0) return { error: EAI_NONAME, host: "", serv: "" };
    host = name ?? inet_ntop4(new Uint8Array([sa.sin_addr >>> 24, (sa.sin_addr >>> 16) & 0xff, (sa.sin_addr >>> 8) & 0xff, sa.sin_addr & 0xff]), 0);
  }
  const sp = (flags & NI_NUMERICSERV) === 0 ? getservbyport(port, "udp") : null;
  return { error: 0, host, serv: sp ?? String(port) };
}

/**
 * strtonum(3): a decimal integer in [minval, maxval]; errstr is "invalid",
 * "too small" or "too large" (null when the value is good).
 */
export function strtonum(s: string, minval: number, maxval: number): { v: number; errstr: string | null } {
  if (minval > maxval) return { v: 0, errstr: "invalid" };
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)$/.exec(s);
  if (m === null) return { v: 0, errstr: "invalid" };
  const v = Number(m[1]);
  if (v < minval) return { v: 0, errstr: "too small" };
  if (v > maxval) return { v: 0, errstr: "too large" };
  return { v, errstr: null };
}

/** A long option of getopt_long(3): its name, whether it takes an argument
 *  (0 no, 1 required), and the value returned for it. */
export interface long_option {
  name: string;
  has_arg: 0 | 1;
  val: string;
}

/**
 * getopt_long(3) as FreeBSD's libc does it by default: options may follow
 * operands (argv is permuted, operands keep their order), "--" ends the
 * options, "--name" selects a long option.  An optstring that starts with
 * '+' (FLAG_PERMUTE off) stops at the first operand instead, leaving it and
 * all after it as operands: a command line such as timeout(1)'s, whose
 * operands are another command's argv.  Returns the options in order and
 * the operands.  Messages are FreeBSD's; a bad option calls `usage`, which
 * must throw.
 */
export function getopt_long(ctx: prog_ctx, optstring: string, longopts: long_option[], usage: () => never, argv: string[] = ctx.argv): { opts: [string, string][]; operands: string[] } {
  const opts: [string, string][] = [];
  const operands: string[] = [];
  const permute = !optstring.startsWith("+");
  if (!permute) optstring = optstring.slice(1);
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      if (!permute) break;
      operands.push(a);
      continue;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const lo = longopts.filter((o) => o.name.startsWith(name));
      const exact = lo.find((o) => o.name === name);
      const o = exact ?? (lo.length === 1 ? lo[0] : undefined);
      if (o === undefined) {
        ctx.stderr.write(lo.length > 1 ? `${progname(ctx)}: ambiguous option -- ${name}\n` : `${progname(ctx)}: unknown option -- ${name}\n`);
        usage();
      }
      if (o.has_arg === 0 && eq >= 0) {
        ctx.stderr.write(`${progname(ctx)}: option doesn't take an argument -- ${o.name}\n`);
        usage();
      }
      let val = "";
      if (o.has_arg === 1) {
        if (eq >= 0) val = a.slice(eq + 1);
        else if (++i < argv.length) val = argv[i];
        else {
          ctx.stderr.write(`${progname(ctx)}: option requires an argument -- ${o.name}\n`);
          usage();
        }
      }
      opts.push([o.val, val]);
      continue;
    }
    i = getopt_cluster(ctx, optstring, usage, argv, i, opts);
  }
  for (; i < argv.length; i++) operands.push(argv[i]);
  return { opts, operands };
}

/**
 * accept(2) as a blocking program sees it: the kernel never sleeps, so
 * on a blocking descriptor libc waits in poll(2) for the listener to be
 * readable and asks again; a non-blocking one gets EAGAIN.
 */
export async function accept(p: uproc, s: number): Promise<{ error: number; fd: number; sa: sockaddr_in | sockaddr_in6 | null }> {
  const kp = p as proc;
  for (;;) {
    const r = sys_accept(kp, s);
    if (r.error !== EWOULDBLOCK || (sys_fcntl(kp, s, F_GETFL, 0).value & O_NONBLOCK) !== 0) {
      const sa = r.sa instanceof sockaddr_in || r.sa instanceof sockaddr_in6 ? r.sa : null;
      return { error: r.error, fd: r.fd, sa };
    }
    const w = await sys_poll(kp, [{ fd: s, events: POLLIN, revents: 0 }], -1);
    if (w.error !== 0) return { error: w.error, fd: -1, sa: null };
  }
}

/**
 * connect(2): a blocking socket waits for the connection to be up or to
 * fail (sys_connect_wait); a non-blocking one returns EINPROGRESS.
 */
export async function connect(p: uproc, s: number, sa: sockaddr_in | sockaddr_in6): Promise<number> {
  const kp = p as proc;
  const error = sys_connect(kp, s, sa);
  if (error !== EINPROGRESS) return error;
  return sys_connect_wait(kp, s);
}

/** /etc/group as FreeBSD installs it. */
const etc_group: readonly (readonly [number, string])[] = [
  [0, "wheel"], [1, "daemon"], [2, "kmem"], [3, "sys"], [4, "tty"], [5, "operator"], [6, "mail"], [7, "bin"],
  [8, "news"], [9, "man"], [13, "games"], [14, "ftp"], [20, "staff"], [22, "sshd"], [25, "smmsp"], [26, "mailnull"],
  [31, "guest"], [44, "video"], [47, "realtime"], [53, "bind"], [59, "unbound"], [62, "proxy"], [63, "authpf"],
  [64, "_pflogd"], [65, "_dhcp"], [66, "uucp"], [68, "dialer"], [69, "network"], [77, "audit"], [80, "www"],
  [123, "ntpd"], [160, "_ypldap"], [845, "hast"], [977, "tests"], [65533, "nogroup"], [65534, "nobody"],
];
/** getgrgid(3): the group's name, or null. */
export function getgrgid(gid: number): string | null {
  for (const [g, n] of etc_group) if (g === gid) return n;
  return null;
}
/** getgrnam(3): the group's gid, or null. */
export function getgrnam(name: string): number | null {
  for (const [g, n] of etc_group) if (n === name) return g;
  return null;
}
/** getpwnam(3): the account's uid, or null. */
export function getpwnam(name: string): number | null {
  // The password file is small: walk the uids it can hold.
  for (let u = 0; u <= 65535; u++) if (getpwuid(u) === name) return u;
  return null;
}

/** The accounts of FreeBSD 14's stock /etc/passwd (what a fresh install
 *  and a jail made from base.txz have): uid to name. */
const passwd_db = new Map<number, string>([
  [0, "root"],
  [1, "daemon"],
  [2, "operator"],
  [3, "bin"],
  [4, "tty"],
  [5, "kmem"],
  [7, "games"],
  [8, "news"],
  [9, "man"],
  [22, "sshd"],
  [25, "smmsp"],
  [26, "mailnull"],
  [53, "bind"],
  [59, "unbound"],
  [62, "proxy"],
  [64, "_pflogd"],
  [65, "_dhcp"],
  [66, "uucp"],
  [68, "pop"],
  [78, "auditdistd"],
  [80, "www"],
  [123, "ntpd"],
  [160, "_ypldap"],
  [845, "hast"],
  [977, "tests"],
  [65534, "nobody"],
]);

/** getpwuid(3): the account name of uid (the first one: root, not toor), or null. */
export function getpwuid(uid: number): string | null {
  return passwd_db.get(uid) ?? null;
}

// ---------------------------------------------------------------------------
// lib/libc/gen/daemon.c: daemon(3).
//
// FreeBSD forks; the parent _exits(0) at once, so whoever started the
// program (a shell, jexec) sees it end with status 0, while the child
// makes itself a session leader (setsid), goes to "/" and points its
// standard descriptors at /dev/null.  Here a program is an async function
// and cannot return twice, so the runner's fork_exit_parent does the
// parent's half: the process the caller waits for exits with 0 and the
// promise it waits on settles, while the function goes on as the child
// process sys_fork made (its own pid, the parent's descriptors, jail and
// FIB), which exits when the program returns or a signal ends it.  The
// program's ctx.p becomes the child, as getpid() changes after fork.

/** /dev/null as a program's standard output or error. */
const devnull: sh_io = { write: () => {} };

/** daemon(3): 0, or -1 with the errno in `errno` (ENOSYS: the runner
 *  cannot fork this program). */
export function daemon(ctx: prog_ctx, nochdir: number, noclose: number): { ret: number; errno: number } {
  const kp = ctx.p as proc;
  const fork_exit_parent = ctx.fork_exit_parent;
  if (fork_exit_parent === undefined) return { ret: -1, errno: ENOSYS };
  // A SIGHUP could come as the parent, perhaps a session leader, exits:
  // the child ignores it until it has its own session.
  const osa = sys_sigaction_get(kp, SIGHUP);
  sys_sigaction(kp, SIGHUP, () => {});
  const child = sys_fork(kp);
  fork_exit_parent(child);
  ctx.p = child;
  ctx.fork_exit_parent = undefined;
  const newgrp = sys_setsid(child);
  sys_sigaction(child, SIGHUP, osa);
  if (newgrp < 0) return { ret: -1, errno: -newgrp };
  if (nochdir === 0) {
    ctx.cwd = "/";
    ctx.env = new Map(ctx.env);
    ctx.env.set("PWD", "/");
  }
  if (noclose === 0) {
    ctx.stdin = "";
    ctx.stdout = devnull;
    ctx.stderr = devnull;
    ctx.tty = false;
  }
  return { ret: 0, errno: 0 };
}

// ---------------------------------------------------------------------------
// fork(2) for a child that runs a function of the program and _exits, and
// wait3(2) with WNOHANG for its parent (what inetd does for a service that
// runs in a child of its own).  The child is a process of its own (its pid,
// a copy of the parent's descriptors); it runs beside the parent, and its
// end posts SIGCHLD to the parent (sys_exit).  Its wait status is kept here
// until the parent asks, as the kernel keeps a zombie's.

/** A child's wait status: exit status << 8, or the signal that ended it. */
export interface wait_status {
  pid: number;
  status: number;
}
const zombies = new WeakMap<uproc, wait_status[]>();

/** fork(); in the child: body(child), then _exit with what it returns.
 *  Returns the child's pid. */
export function fork_child(parent: uproc, body: (child: uproc) => Promise<number>): number {
  const child = sys_fork(parent as proc);
  const reap = (status: number): void => {
    let z = zombies.get(parent);
    if (z === undefined) zombies.set(parent, (z = []));
    z.push({ pid: child.p_pid, status });
  };
  void (async () => {
    let status = 0;
    try {
      status = ((await body(child)) & 0xff) << 8;
    } catch (e) {
      // exit(3) from deep inside, or a signal's default action (the
      // kernel unwinds the process with the signal's number).
      if (e instanceof prog_exit) status = (e.status & 0xff) << 8;
      else if (typeof (e as { sig?: unknown }).sig === "number") status = (e as { sig: number }).sig;
      else status = 70 << 8;
    } finally {
      reap(status);
      sys_exit(child);
    }
  })();
  return child.p_pid;
}

/** wait3(2) with WNOHANG: a child that ended, or null. */
export function wait3_nohang(parent: uproc): wait_status | null {
  return zombies.get(parent)?.shift() ?? null;
}
