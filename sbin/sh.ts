// bin/sh (main.c, eval.c, expand.c, var.c, redir.c, trap.c, jobs.c,
// miscbltin.c, options.c, cd.c, exec.c): the shell `virtnet run` and `sh`
// use.  The parser is sh_parser.ts (parser.c); arithmetic sh_arith.ts;
// test and printf are test.ts and printf.ts, built in as FreeBSD builds
// them in.  Commands run in the order FreeBSD's sh looks them up: special
// builtins, functions, builtins, then programs (the simulated ones, or the
// host's, as the caller's lookup decides).
//
// Departures: a pipeline's commands run one after the other, each reading
// the whole output of the one before (deterministic, and enough for
// programs that end); subshells and background jobs are copies of the
// shell in the same process, not forks.

import fs from "node:fs";
import path from "node:path";
import { isAscii } from "node:buffer";
import { parser, sh_syntax_error, type node, type redir } from "./sh_parser.ts";
import { arith_eval, arith_error } from "./sh_arith.ts";
import { test_eval, test_error } from "./test.ts";
import { printf_format } from "./printf.ts";
import { sys_signame } from "../kern/kern_sig.ts";

export { sh_arith, arith_eval, arith_error } from "./sh_arith.ts";
export { sh_test, test_eval, test_error } from "./test.ts";
export { sh_printf, printf_format } from "./printf.ts";

export interface sh_io {
  write(s: string): void;
}

// Bytes and the shell's strings.  The shell and its programs pass text
// around as JS strings; files, pipes to host programs and the network carry
// bytes.  A byte sequence becomes a string as UTF-8 where it is valid, and
// each byte that is not part of valid UTF-8 becomes the lone surrogate
// U+DC00 + byte (Python's "surrogateescape"), so that any file, text or
// not, goes through `nc < f`, `nc > f` and pipes byte for byte and comes
// back out identical: sh_to_bytes(sh_from_bytes(b)) equals b for every b.

/** How many bytes the UTF-8 sequence starting at b[i] takes (1..4), or 0
 *  when it is not valid there; -1 when b ends inside a valid prefix. */
function utf8_seq(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c === 0xe0) lo = 0xa0;
    else if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c === 0xf0) lo = 0x90;
    else if (c === 0xf4) hi = 0x8f;
  } else return 0;
  for (let j = 1; j < n; j++) {
    if (i + j >= end) return -1;
    const d = b[i + j];
    if (j === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return 0;
  }
  return n;
}

const NON_ASCII = /[^\x00-\x7f]/;
const utf8_encoder = new TextEncoder();

/** A streaming decoder of bytes into the shell's strings: what a chunk
 *  ends with that may still become a character waits for the next. */
export class sh_byte_decoder {
  private pend = new Uint8Array(4);
  private npend = 0;
  private units = new Uint16Array(8192);

  decode(chunk: Uint8Array, stream = false): string {
    // Plain ASCII (most text, and the zeros of /dev/zero) is its own
    // string: one native pass instead of one per character.
    if (this.npend === 0 && isAscii(chunk)) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
    let b = chunk;
    if (this.npend > 0) {
      b = new Uint8Array(this.npend + chunk.length);
      b.set(this.pend.subarray(0, this.npend));
      b.set(chunk, this.npend);
      this.npend = 0;
    }
    const parts: string[] = [];
    const u = this.units;
    let k = 0;
    let i = 0;
    while (i < b.length) {
      if (k > u.length - 2) {
        parts.push(String.fromCharCode.apply(null, u.subarray(0, k) as unknown as number[]));
        k = 0;
      }
      const c = b[i];
      if (c < 0x80) {
        u[k++] = c;
        i++;
        continue;
      }
      const n = utf8_seq(b, i, b.length);
      if (n === -1 && stream) {
        this.pend.set(b.subarray(i));
        this.npend = b.length - i;
        break;
      }
      if (n <= 0) {
        u[k++] = 0xdc00 + c;
        i++;
        continue;
      }
      let cp: number;
      if (n === 2) cp = ((c & 0x1f) << 6) | (b[i + 1] & 0x3f);
      else if (n === 3) cp = ((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f);
      else cp = ((c & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f);
      if (cp >= 0x10000) {
        cp -= 0x10000;
        u[k++] = 0xd800 + (cp >> 10);
        u[k++] = 0xdc00 + (cp & 0x3ff);
      } else u[k++] = cp;
      i += n;
    }
    if (k > 0) parts.push(String.fromCharCode.apply(null, u.subarray(0, k) as unknown as number[]));
    return parts.join("");
  }

  /** What is still held back, as escaped bytes (the end of the stream). */
  end(): string {
    const n = this.npend;
    this.npend = 0;
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(0xdc00 + this.pend[i]);
    return s;
  }
}

/** Bytes (a whole file, a program's output) as the shell's string. */
export function sh_from_bytes(b: Uint8Array): string {
  return new sh_byte_decoder().decode(b);
}

/** The shell's string as bytes: UTF-8, escaped bytes back as themselves. */
export function sh_to_bytes(s: string): Uint8Array {
  // ASCII is the same bytes in UTF-8: the native encoder's.
  if (!NON_ASCII.test(s)) return utf8_encoder.encode(s);
  const out = new Uint8Array(s.length * 3);
  let k = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) out[k++] = c;
    else if (c < 0x800) {
      out[k++] = 0xc0 | (c >> 6);
      out[k++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      out[k++] = 0xf0 | (c >> 18);
      out[k++] = 0x80 | ((c >> 12) & 0x3f);
      out[k++] = 0x80 | ((c >> 6) & 0x3f);
      out[k++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xdc80 && c <= 0xdcff) out[k++] = c - 0xdc00;
    else {
      // A lone surrogate that is no escaped byte: U+FFFD, as TextEncoder writes it.
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      out[k++] = 0xe0 | (c >> 12);
      out[k++] = 0x80 | ((c >> 6) & 0x3f);
      out[k++] = 0x80 | (c & 0x3f);
    }
  }
  return out.subarray(0, k);
}

/** What a program gets when it runs: FreeBSD's argv, stdio and environment. */
export interface sh_cmd_ctx {
  argv: string[];
  stdin: string;
  stdout: sh_io;
  stderr: sh_io;
  env: Map<string, string>;
  /** The shell's working directory (host programs start there). */
  cwd?: string;
  /** Told the pid of each process started for the command (for kill %job). */
  spawned?: (pid: number) => void;
  /** Set by a program that read its standard input to the end (a host program does). */
  stdin_read?: boolean;
}

export type sh_program = (ctx: sh_cmd_ctx) => Promise<number>;

export interface sh_options {
  /** Look up a program by name (ifconfig, ping, ..., or a host program); env is the command's environment. */
  lookup(name: string, env?: Map<string, string>, cwd?: string): sh_program | null;
  /** Where a program lives, for command -v and type; null if unknown. */
  which?(name: string, env: Map<string, string>, cwd?: string): string | null;
  /** Read and write files named in redirections (absolute paths). */
  readFile?(path: string): string | null;
  writeFile?(path: string, data: string, append: boolean): void;
  /** $0 and the name errors start with. */
  name?: string;
  /** Running a script file (FreeBSD's commandname): syntax errors name its line. */
  script?: boolean;
  /** $$. */
  pid?: number;
  /** The starting working directory (default: the process's). */
  cwd?: string;
  /** kill(2) for pids that are not the shell's own jobs: returns an errno (0, 3 ESRCH, 1 EPERM). */
  kill?(pid: number, sig: number): number;
}

/** Standard input as the shell sees it: what is left to read. */
class sh_in {
  constructor(
    public data: string,
    public pos = 0,
  ) {}
  rest(): string {
    return this.data.slice(this.pos);
  }
}

interface io {
  stdin: sh_in;
  stdout: sh_io;
  stderr: sh_io;
  fds?: Map<number, sh_io | sh_in | null>;
}

class sh_exit extends Error {
  constructor(
    readonly status: number,
    readonly bysignal = false,
  ) {
    super(`exit ${status}`);
  }
}
class sh_loopctl extends Error {
  constructor(
    readonly kind: "break" | "continue",
    readonly levels: number,
  ) {
    super(kind);
  }
}
class sh_return extends Error {
  constructor(readonly status: number) {
    super("return");
  }
}
/** error(): a message; the shell (or subshell) ends with status 2 unless a
 *  regular builtin raised it. */
class sh_error extends Error {
  /** The builtin that raised it (FreeBSD's commandname while it runs). */
  who: string | undefined;
  constructor(
    msg: string,
    readonly status = 2,
  ) {
    super(msg);
  }
}

const NULL_IO: sh_io = { write: () => {} };

/** One piece of an expanded word: quoted text escapes splitting and globbing. */
interface piece {
  s: string;
  q: boolean;
  split: boolean;
  brk?: boolean;
}

/** The options this shell has, by their -o names (options.h order), and their letters. */
export const SH_LONGOPTS: Record<string, string> = {
  errexit: "e",
  noglob: "f",
  noexec: "n",
  xtrace: "x",
  verbose: "v",
  noclobber: "C",
  allexport: "a",
  nounset: "u",
  pipefail: "pipefail",
};
const SHORTOPTS = "efnxvCau";

const SPECIAL = new Set(["break", ":", ".", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "times", "trap", "unset"]);
const REGULAR = new Set(["cd", "command", "echo", "false", "getopts", "kill", "local", "printf", "pwd", "read", "test", "[", "true", "type", "wait", "jobs", "umask", "hash"]);
const KEYWORDS = new Set(["!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until", "while"]);

/** Signal numbers by name (no SIG, upper case), EXIT = 0. */
function signum(s: string): number | null {
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    return n < sys_signame.length ? n : null;
  }
  let u = s.toUpperCase();
  if (u.startsWith("SIG")) u = u.slice(3);
  if (u === "EXIT") return 0;
  const i = sys_signame.findIndex((n, k) => k > 0 && n.toUpperCase() === u);
  return i > 0 ? i : null;
}
/** The names trap -l and kill -l print, lines kept under 72 columns. */
function signal_list(): string {
  let out = "";
  let len = 0;
  for (let n = 1; n < sys_signame.length; n++) {
    const name = sys_signame[n].toUpperCase();
    out += name;
    len += name.length + 1;
    if (len > 71 || n === sys_signame.length - 1) {
      out += "\n";
      len = 0;
    } else out += " ";
  }
  return out;
}

function signame(n: number): string {
  return n === 0 ? "EXIT" : sys_signame[n].toUpperCase();
}

/** Quote a value the way sh prints it back (set, export -p, trap). */
function shquote(s: string): string {
  if (s !== "" && /^[A-Za-z0-9_/.,:+@%=^-]+$/.test(s)) return s;
  return "'" + s.replace(/'/g, "'\\''") + "'";
}

const rx_cache = new Map<string, RegExp>();

/** fnmatch(3) as sh uses it: * ? [...] [!...] and backslash escapes. */
export function glob_match(pat: string, s: string): boolean {
  let re = rx_cache.get(pat);
  if (re === undefined) {
    let r = "^";
    for (let i = 0; i < pat.length; i++) {
      const c = pat[i];
      if (c === "\\") {
        const d = pat[++i] ?? "\\";
        r += d.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
      } else if (c === "*") r += "[^]*";
      else if (c === "?") r += "[^]";
      else if (c === "[") {
        let j = i + 1;
        if (pat[j] === "!" || pat[j] === "^") j++;
        if (pat[j] === "]") j++;
        while (j < pat.length && pat[j] !== "]") j++;
        if (j >= pat.length) r += "\\[";
        else {
          let cls = pat.slice(i + 1, j);
          let neg = false;
          if (cls.startsWith("!") || cls.startsWith("^")) {
            neg = true;
            cls = cls.slice(1);
          }
          cls = cls
            .replace(/\[:(alpha|digit|alnum|upper|lower|space|blank|punct|print|graph|cntrl|xdigit):\]/g, (_m, k: string) => `\u0000${k}\u0000`)
            .replace(/[\\\]^[]/g, "\\$&")
            .replace(/\u0000(\w+)\u0000/g, (_m, k: string) => POSIX_CLASS[k] ?? "");
          r += `[${neg ? "^" : ""}${cls}]`;
          i = j;
        }
      } else r += c.replace(/[\\^$.+?()[\]{}|/]/g, "\\$&");
    }
    re = new RegExp(r + "$", "s");
    rx_cache.set(pat, re);
  }
  return re.test(s);
}
const POSIX_CLASS: Record<string, string> = {
  alpha: "A-Za-z",
  digit: "0-9",
  alnum: "A-Za-z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  print: " -~",
  graph: "!-~",
  cntrl: "\\x00-\\x1f\\x7f",
  xdigit: "0-9A-Fa-f",
};

function escape_glob(s: string): string {
  return s.replace(/[*?[\]\\]/g, "\\$&");
}
function has_glob(s: string): boolean {
  return /[*?[]/.test(s);
}
function unescape_glob(s: string): string {
  return s.replace(/\\(.)/gs, "$1");
}

interface job {
  id: number;
  pid: number;
  done: Promise<number>;
  status: number | null;
  child: sh_shell;
  /** A simple command: the signal is the program's alone (no shell in between). */
  simple: boolean;
}

/** One shell: variables, functions, options, traps, jobs. */
export class sh_shell {
  vars = new Map<string, string>();
  exported = new Set<string>();
  readonly_ = new Set<string>();
  funcs = new Map<string, { body: node; line: number }>();
  params: string[] = [];
  status = 0;
  cwd: string;
  /** -e -u -x -f -v -C -a -n */
  flags = new Set<string>();
  traps = new Map<number, string>();
  private jobs: job[] = [];
  private nextjob = 1;
  private nextpid: number;
  lastbg = 0;
  private locals: Map<string, { v: string | undefined; x: boolean }>[] = [];
  private loopnest = 0;
  private pending_sigs: number[] = [];
  private in_trap = false;
  private substatus = 0;
  private gopt: { reset: boolean; base: string[] | null; next: number | null; ptr: string | null } = { reset: true, base: null, next: 0, ptr: null };
  /** Who error messages name: the builtin running, else $0. */
  private errname: string | null = null;
  /** Set in a background job's shell when it is killed. */
  killed = 0;
  private pids = new Set<number>();
  private readonly rootpid: number;

  constructor(private readonly opts: sh_options) {
    this.cwd = opts.cwd ?? process.cwd();
    this.rootpid = opts.pid ?? 1;
    this.nextpid = this.rootpid + 1;
    this.vars.set("IFS", " \t\n");
    this.vars.set("PS4", "+ ");
    this.vars.set("OPTIND", "1");
  }

  get errexit(): boolean {
    return this.flags.has("e");
  }
  set errexit(v: boolean) {
    if (v) this.flags.add("e");
    else this.flags.delete("e");
  }

  /** Take the environment in: every variable exported. */
  import_env(env: Map<string, string> | NodeJS.ProcessEnv): void {
    const entries = env instanceof Map ? [...env] : Object.entries(env);
    for (const [k, v] of entries) {
      if (v === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) continue;
      this.vars.set(k, v);
      this.exported.add(k);
    }
    if (this.vars.has("PWD") && path.resolve(this.vars.get("PWD") ?? "") !== this.cwd) this.vars.set("PWD", this.cwd);
  }

  private name(): string {
    return this.opts.name ?? "sh";
  }

  private warn(io: io, msg: string): void {
    io.stderr.write(`${this.errname ?? this.name()}: ${msg}\n`);
  }

  /** Parse and run a script; resolves with its exit status. */
  async run(src: string, stdout: sh_io, stderr: sh_io, stdin = ""): Promise<number> {
    const io: io = { stdin: new sh_in(stdin), stdout, stderr };
    // Killed by a signal, the shell does not wait for its background jobs.
    if (!(await this.toplevel(io, () => this.run_src(src, io, false)))) await this.wait_all();
    return this.status;
  }

  /**
   * A signal from outside (the terminal's ^C to `virtnet run`): it goes to
   * the foreground programs, as to a process group, and to the shell, which
   * runs its trap or ends after the command under way.
   */
  signal(sig: number): void {
    for (const pid of this.pids) this.opts.kill?.(pid, sig);
    if (this.traps.get(sig) !== "") this.pending_sigs.push(sig);
  }

  /** Run body as the whole life of this shell: errors and exit end it, the
   *  EXIT trap runs.  True if a signal ended it. */
  private async toplevel(io: io, body: () => Promise<unknown>): Promise<boolean> {
    let bysignal = false;
    try {
      await body();
    } catch (e) {
      bysignal = this.catch_exit(e, io);
    }
    if (!bysignal) await this.exittrap(io);
    return bysignal;
  }

  /** An exception that ends a shell: set the status; true if a signal ended it. */
  private catch_exit(e: unknown, io: io): boolean {
    if (e instanceof sh_exit) {
      this.status = e.status;
      return e.bysignal;
    }
    if (e instanceof sh_error) {
      if (e.message !== "") io.stderr.write(`${e.who ?? this.name()}: ${e.message}\n`);
      this.status = e.status;
      return false;
    }
    if (e instanceof sh_loopctl) return false;
    if (e instanceof sh_return) {
      this.status = e.status;
      return false;
    }
    throw e;
  }

  private async exittrap(io: io): Promise<void> {
    const action = this.traps.get(0);
    if (action === undefined || action === "") return;
    this.traps.delete(0);
    const saved = this.status;
    try {
      await this.run_src(action, io, false);
      this.status = saved;
    } catch (e) {
      this.catch_exit(e, io);
    }
  }

  async wait_all(): Promise<void> {
    while (this.jobs.length > 0) {
      const j = this.jobs[0];
      await j.done;
      this.jobs = this.jobs.filter((x) => x !== j);
    }
  }

  /** Parse and run src one complete command at a time, as sh reads a file. */
  private async run_src(src: string, io: io, tested: boolean): Promise<number> {
    const p = parser.of(src);
    for (;;) {
      let n: node | null | "eof";
      const start = p.lx.pos;
      try {
        n = p.parsecmd();
      } catch (e) {
        if (!(e instanceof sh_syntax_error)) throw e;
        // FreeBSD's synerror: commandname (the script, or the builtin
        // reading commands: eval, .) with the line; else only arg0.
        const where = this.errname !== null ? `${this.errname}: ${e.line}: ` : this.opts.script === true ? `${this.name()}: ${e.line}: ` : `${this.name()}: `;
        io.stderr.write(`${where}Syntax error: ${e.message}\n`);
        throw new sh_exit(2);
      }
      // -v: the input as it is read; -n: read commands, run none.
      if (this.flags.has("v")) io.stderr.write(src.slice(start, p.lx.pos));
      if (n === "eof") break;
      if (n === null || this.flags.has("n")) continue;
      await this.ev(n, io, tested);
    }
    return this.status;
  }

  // -------------------------------------------------------------------------
  // eval.c

  /** A copy of this shell for a subshell: traps reset, ignored ones kept. */
  private fork(): sh_shell {
    const c = new sh_shell(this.opts);
    c.vars = new Map(this.vars);
    c.exported = new Set(this.exported);
    c.readonly_ = new Set(this.readonly_);
    c.funcs = new Map(this.funcs);
    c.params = this.params.slice();
    c.status = this.status;
    c.cwd = this.cwd;
    c.flags = new Set(this.flags);
    for (const [s, a] of this.traps) if (a === "") c.traps.set(s, "");
    c.lastbg = this.lastbg;
    c.nextpid = this.nextpid;
    c.loopnest = this.loopnest;
    c.killed = this.killed;
    c.pids = this.pids;
    return c;
  }

  /** Run a node in a subshell; its exit and errors stay inside. */
  private async subshell(n: node, io: io, tested: boolean, c = this.fork()): Promise<number> {
    let bysignal = false;
    try {
      await c.ev(n, io, tested);
    } catch (e) {
      bysignal = c.catch_exit(e, io);
    }
    if (!bysignal) await c.exittrap(io);
    return c.status;
  }

  private check_errexit(s: number, tested: boolean): void {
    if (this.flags.has("e") && s !== 0 && !tested) throw new sh_exit(s);
  }

  private async dotrap(io: io): Promise<void> {
    while (this.pending_sigs.length > 0 && !this.in_trap) {
      const sig = this.pending_sigs.shift() ?? 0;
      const action = this.traps.get(sig);
      if (action === undefined) throw new sh_exit(128 + sig, true);
      if (action === "") continue;
      const saved = this.status;
      this.in_trap = true;
      try {
        await this.run_src(action, io, false);
      } finally {
        this.in_trap = false;
      }
      this.status = saved;
    }
  }

  private async ev(n: node, io: io, tested: boolean): Promise<number> {
    if (this.killed !== 0) throw new sh_exit(128 + this.killed, true);
    switch (n.k) {
      case "list": {
        for (const it of n.items) {
          if (it.bg) this.background(it.n, io);
          else await this.ev(it.n, io, tested);
          await this.dotrap(io);
        }
        return this.status;
      }
      case "andor": {
        let s = await this.ev(n.first, io, true);
        for (let i = 0; i < n.rest.length; i++) {
          const r = n.rest[i];
          if ((r.op === "&&") === (s === 0)) s = await this.ev(r.n, io, i < n.rest.length - 1 ? true : tested);
        }
        return (this.status = s);
      }
      case "not": {
        const s = await this.ev(n.n, io, true);
        return (this.status = s === 0 ? 1 : 0);
      }
      case "pipe": {
        let input = io.stdin;
        let s = 0;
        for (let i = 0; i < n.cmds.length; i++) {
          const last = i === n.cmds.length - 1;
          let buf = "";
          const out: sh_io = last ? io.stdout : { write: (x) => (buf += x) };
          const st = await this.subshell(n.cmds[i], { ...io, stdout: out, stdin: input }, tested);
          // pipefail: the last command that failed gives the status.
          if (!this.flags.has("pipefail") || st !== 0) s = st;
          input = new sh_in(buf);
        }
        this.status = s;
        this.check_errexit(s, tested);
        return s;
      }
      case "if": {
        const rio = await this.redirect(n.redirs, io);
        if (rio === null) return (this.status = 2);
        for (const arm of n.arms) {
          if ((await this.ev(arm.cond, rio, true)) === 0) return (this.status = await this.ev(arm.body, rio, tested));
        }
        if (n.els !== null) return (this.status = await this.ev(n.els, rio, tested));
        return (this.status = 0);
      }
      case "for": {
        const rio = await this.redirect(n.redirs, io);
        if (rio === null) return (this.status = 2);
        let items: string[];
        if (n.words === null) items = this.params.slice();
        else {
          items = [];
          for (const w of n.words) items.push(...(await this.expand_fields(w, rio)));
        }
        let s = 0;
        this.loopnest++;
        try {
          for (const it of items) {
            this.setvar(n.v, it);
            const r = await this.loop_body(n.body, rio, tested);
            if (r === "break") break;
            if (r !== "continue") s = r;
          }
        } finally {
          this.loopnest--;
        }
        return (this.status = s);
      }
      case "while": {
        const rio = await this.redirect(n.redirs, io);
        if (rio === null) return (this.status = 2);
        let s = 0;
        this.loopnest++;
        try {
          for (;;) {
            const c = await this.loop_body(n.cond, rio, true);
            if (c === "break") break;
            if (c === "continue") continue;
            if ((c === 0) === n.until) break;
            const r = await this.loop_body(n.body, rio, tested);
            if (r === "break") break;
            if (r !== "continue") s = r;
          }
        } finally {
          this.loopnest--;
        }
        return (this.status = s);
      }
      case "case": {
        const rio = await this.redirect(n.redirs, io);
        if (rio === null) return (this.status = 2);
        const w = await this.expand_string(n.word, rio);
        for (let i = 0; i < n.arms.length; i++) {
          for (const p of n.arms[i].pats) {
            if (!glob_match(await this.expand_pattern(p, rio), w)) continue;
            // ;& goes on into the next arm's body without matching it.
            let s = await this.ev(n.arms[i].body, rio, tested);
            while (n.arms[i].fallthru && i + 1 < n.arms.length) s = await this.ev(n.arms[++i].body, rio, tested);
            return (this.status = s);
          }
        }
        return (this.status = 0);
      }
      case "group": {
        if (n.sub) {
          const s = await this.subshell({ k: "group", body: n.body, sub: false, redirs: n.redirs }, io, tested);
          this.status = s;
          this.check_errexit(s, tested);
          return s;
        }
        const rio = await this.redirect(n.redirs, io);
        if (rio === null) return (this.status = 2);
        return (this.status = await this.ev(n.body, rio, tested));
      }
      case "func":
        this.funcs.set(n.name, { body: n.body, line: n.line });
        return (this.status = 0);
      case "simple": {
        // LINENO: the line in the script, or in the function from its definition.
        this.vars.set("LINENO", String(n.line - this.lineoff));
        const s = await this.evalcommand(n, io, tested);
        this.status = s;
        this.check_errexit(s, tested);
        return s;
      }
    }
  }

  private background(n: node, io: io): void {
    const id = this.nextjob++;
    const pid = this.nextpid++;
    const child = this.fork();
    child.pids = new Set();
    // A background command of a script reads /dev/null.
    const j: job = { id, pid, status: null, done: Promise.resolve(0), child, simple: n.k === "simple" };
    j.done = this.subshell(n, { ...io, stdin: new sh_in("") }, false, child).then((s) => (j.status = s));
    this.jobs.push(j);
    this.lastbg = pid;
    this.status = 0;
  }

  /** One pass of a loop body; break/continue of this loop come back as words. */
  private async loop_body(body: node, io: io, tested: boolean): Promise<number | "break" | "continue"> {
    try {
      return await this.ev(body, io, tested);
    } catch (e) {
      if (e instanceof sh_loopctl) {
        if (e.levels > 1) throw new sh_loopctl(e.kind, e.levels - 1);
        return e.kind;
      }
      throw e;
    }
  }

  // -------------------------------------------------------------------------
  // redir.c

  private path(f: string): string {
    return path.resolve(this.cwd, f);
  }

  private read_file(f: string): string | null {
    const p = this.path(f);
    if (this.opts.readFile !== undefined) return this.opts.readFile(p);
    try {
      return sh_from_bytes(fs.readFileSync(p));
    } catch {
      return null;
    }
  }

  private file_sink(f: string, append: boolean): sh_io {
    const p = this.path(f);
    const wf =
      this.opts.writeFile ??
      ((q: string, data: string, app: boolean) => {
        if (app) fs.appendFileSync(q, sh_to_bytes(data));
        else fs.writeFileSync(q, sh_to_bytes(data));
      });
    wf(p, "", append);
    return { write: (s: string) => wf(p, s, true) };
  }

  private getfd(io: io, fd: number): sh_io | sh_in | null | undefined {
    if (fd === 0) return io.stdin;
    if (fd === 1) return io.stdout;
    if (fd === 2) return io.stderr;
    return io.fds?.get(fd);
  }
  private setfd(io: io, fd: number, v: sh_io | sh_in | null): void {
    if (fd === 0) io.stdin = v instanceof sh_in ? v : new sh_in("");
    else if (fd === 1) io.stdout = v === null || v instanceof sh_in ? NULL_IO : v;
    else if (fd === 2) io.stderr = v === null || v instanceof sh_in ? NULL_IO : v;
    else {
      io.fds = new Map(io.fds ?? []);
      io.fds.set(fd, v);
    }
  }

  /** Apply redirections to a copy of io; null (after the message) on failure. */
  private async redirect(redirs: redir[], io: io, into?: io): Promise<io | null> {
    if (redirs.length === 0 && into === undefined) return io;
    const r: io = into ?? { ...io };
    for (const x of redirs) {
      try {
        await this.redirect1(x, r, io);
      } catch (e) {
        if (!(e instanceof sh_error)) throw e;
        this.warn(io, e.message);
        return null;
      }
    }
    return r;
  }

  private async redirect1(x: redir, r: io, io: io): Promise<void> {
    if (x.here !== null) {
      const body = x.here.expand ? await this.expand_heredoc(x.here.body, io) : x.here.body;
      this.setfd(r, x.fd, new sh_in(body));
      return;
    }
    const target = await this.expand_string(x.target, io);
    switch (x.op) {
      case ">&":
      case "<&": {
        if (target === "-") {
          this.setfd(r, x.fd, null);
          return;
        }
        if (!/^[0-9]$/.test(target)) throw new sh_error(`${target}: Bad file descriptor`);
        const src = this.getfd(r, Number(target));
        if (src === undefined) throw new sh_error(`${target}: Bad file descriptor`);
        this.setfd(r, x.fd, src);
        return;
      }
      case "<":
      case "<>": {
        if (target === "/dev/stdin") return;
        const data = target === "/dev/null" ? "" : this.read_file(target);
        if (data === null) {
          let why = "No such file or directory";
          try {
            if (fs.statSync(this.path(target)).isDirectory()) why = "Is a directory";
            else why = "Permission denied";
          } catch {
            /* absent */
          }
          throw new sh_error(`cannot open ${target}: ${why}`);
        }
        this.setfd(r, x.fd, new sh_in(data));
        return;
      }
      default: {
        if (target === "/dev/null") return this.setfd(r, x.fd, NULL_IO);
        if (target === "/dev/stdout") return this.setfd(r, x.fd, r.stdout);
        if (target === "/dev/stderr") return this.setfd(r, x.fd, r.stderr);
        if (x.op === ">" && this.flags.has("C") && fs.existsSync(this.path(target)) && fs.statSync(this.path(target)).isFile()) {
          throw new sh_error(`cannot create ${target}: File exists`);
        }
        try {
          this.setfd(r, x.fd, this.file_sink(target, x.op === ">>"));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          const why = code === "ENOENT" ? "No such file or directory" : code === "EISDIR" ? "Is a directory" : code === "EACCES" ? "Permission denied" : String(code);
          throw new sh_error(`cannot create ${target}: ${why}`);
        }
      }
    }
  }

  // -------------------------------------------------------------------------
  // var.c

  getvar(name: string): string | undefined {
    return this.vars.get(name);
  }

  setvar(name: string, v: string): void {
    if (this.readonly_.has(name)) throw new sh_error(`${name}: is read only`);
    if (name === "OPTIND" && v.replace(/^0+/, "") === "1") this.gopt.reset = true;
    this.vars.set(name, v);
    if (this.flags.has("a")) this.exported.add(name);
  }

  private unsetvar(name: string): void {
    if (this.readonly_.has(name)) throw new sh_error(`${name}: is read only`);
    this.vars.delete(name);
    this.exported.delete(name);
  }

  private environment(extra: [string, string][] = []): Map<string, string> {
    const env = new Map<string, string>();
    for (const k of this.exported) {
      const v = this.vars.get(k);
      if (v !== undefined) env.set(k, v);
    }
    for (const [k, v] of extra) env.set(k, v);
    return env;
  }

  /** $name and the special parameters; undefined when unset. */
  private param(name: string): string | undefined {
    switch (name) {
      case "?":
        return String(this.status);
      case "!":
        return this.lastbg === 0 ? undefined : String(this.lastbg);
      case "#":
        return String(this.params.length);
      case "$":
        return String(this.rootpid);
      case "-":
        return [...SHORTOPTS].filter((f) => this.flags.has(f)).join("");
      case "@":
      case "*":
        return this.params.length === 0 ? undefined : this.params.join(" ");
      case "0":
        return this.name();
    }
    if (/^[0-9]+$/.test(name)) return this.params[Number(name) - 1];
    return this.vars.get(name);
  }

  private ifs(): string {
    return this.vars.get("IFS") ?? " \t\n";
  }

  // -------------------------------------------------------------------------
  // expand.c

  /** A word to fields: expansions, field splitting, pathname expansion, quote removal. */
  async expand_fields(word: string, io: io): Promise<string[]> {
    const pieces = await this.pieces(word, io, "unq", true);
    const fields = this.split(pieces);
    const out: string[] = [];
    for (const f of fields) {
      const pat = f.map((p) => (p.q ? escape_glob(p.s) : p.s)).join("");
      if (!this.flags.has("f") && f.some((p) => !p.q && has_glob(p.s))) {
        const m = this.pathglob(pat);
        if (m.length > 0) {
          out.push(...m);
          continue;
        }
      }
      out.push(f.map((p) => p.s).join(""));
    }
    return out;
  }

  /** A word with no splitting or globbing (assignments, case words, redirection targets). */
  async expand_string(word: string, io: io, assign = false): Promise<string> {
    const ps = await this.pieces(word, io, "unq", assign ? "assign" : true);
    return ps.map((p) => p.s).join("");
  }

  /** A pattern: quoted parts made literal. */
  private async expand_pattern(word: string, io: io): Promise<string> {
    const ps = await this.pieces(word, io, "unq", true);
    return ps.map((p) => (p.q ? escape_glob(p.s) : p.s)).join("");
  }

  private async expand_heredoc(body: string, io: io): Promise<string> {
    const ps = await this.pieces(body, io, "here", false);
    return ps.map((p) => p.s).join("");
  }

  /** Field splitting on IFS of the pieces that came from unquoted expansions. */
  private split(pieces: piece[]): piece[][] {
    const ifs = this.ifs();
    const fields: piece[][] = [];
    let cur: piece[] = [];
    let has = false;
    let wsend = false;
    const end = () => {
      fields.push(cur);
      cur = [];
      has = false;
    };
    for (const p of pieces) {
      if (p.brk === true) {
        if (has) end();
        wsend = false;
        continue;
      }
      if (!p.split || ifs === "") {
        cur.push(p);
        if (p.s !== "" || p.q) has = true;
        if (p.s !== "") wsend = false;
        continue;
      }
      let run = "";
      for (const ch of p.s) {
        if (!ifs.includes(ch)) {
          run += ch;
          has = true;
          wsend = false;
          continue;
        }
        if (run !== "") cur.push({ s: run, q: false, split: false });
        run = "";
        if (ch === " " || ch === "\t" || ch === "\n") {
          if (has) {
            end();
            wsend = true;
          }
        } else {
          if (wsend) wsend = false;
          else end();
          wsend = false;
        }
      }
      if (run !== "") cur.push({ s: run, q: false, split: false });
    }
    if (has) fields.push(cur);
    return fields;
  }

  /** Pathname expansion against the host file system. */
  private pathglob(pat: string): string[] {
    const out: string[] = [];
    const comps = pat.split("/");
    const abs = pat.startsWith("/");
    const walk = (prefix: string, i: number): void => {
      if (i === comps.length) {
        out.push(prefix);
        return;
      }
      const c = comps[i];
      if (c === "") {
        walk(prefix + (i === comps.length - 1 ? "" : i === 0 ? "" : "/"), i + 1);
        return;
      }
      const join = (e: string) => (prefix === "" ? e : prefix.endsWith("/") ? prefix + e : prefix + "/" + e);
      const last = i === comps.length - 1;
      if (!has_glob(c)) {
        const next = join(unescape_glob(c));
        try {
          const st = fs.lstatSync(this.path(next));
          if (last || st.isDirectory() || fs.statSync(this.path(next)).isDirectory()) walk(next, i + 1);
        } catch {
          /* no such entry */
        }
        return;
      }
      let ents: string[];
      try {
        ents = [".", "..", ...fs.readdirSync(this.path(prefix === "" ? "." : prefix))].sort();
      } catch {
        return;
      }
      for (const e of ents) {
        if (e.startsWith(".") && !c.startsWith(".") && !c.startsWith("\\.")) continue;
        if (!glob_match(c, e)) continue;
        const next = join(e);
        if (!last) {
          try {
            if (!fs.statSync(this.path(next)).isDirectory()) continue;
          } catch {
            continue;
          }
        }
        walk(next, i + 1);
      }
    };
    walk(abs ? "/" : "", abs ? 1 : 0);
    return out.sort();
  }

  /**
   * The expansions of a word's text in one quoting context: "unq" (a word),
   * "dq" (inside double quotes), "here" (a here-document body).  split:
   * whether unquoted expansions are split later (true), never (false), or
   * the word is an assignment ("assign": ~ after : too).
   */
  private async pieces(w: string, io: io, ctx: "unq" | "dq" | "dqw" | "here", split: boolean | "assign"): Promise<piece[]> {
    const out: piece[] = [];
    const q = ctx !== "unq";
    let lit = "";
    const flush = () => {
      if (lit !== "") out.push({ s: lit, q, split: false });
      lit = "";
    };
    let i = 0;
    if (ctx === "unq" && w[0] === "~") i = this.tilde(w, 0, out);
    while (i < w.length) {
      const c = w[i];
      if (c === "\\") {
        const d = w[i + 1];
        if (d === undefined) {
          lit += "\\";
          i++;
          continue;
        }
        if (d === "\n") {
          i += 2;
          continue;
        }
        if (ctx === "unq") {
          flush();
          out.push({ s: d, q: true, split: false });
        } else if (d === "$" || d === "`" || d === "\\" || (d === '"' && ctx !== "here") || (d === "}" && ctx === "dqw")) {
          lit += d;
        } else lit += "\\" + d;
        i += 2;
        continue;
      }
      if (c === "'" && ctx === "unq") {
        flush();
        const e = w.indexOf("'", i + 1);
        out.push({ s: w.slice(i + 1, e), q: true, split: false });
        i = e + 1;
        continue;
      }
      if (c === '"' && (ctx === "unq" || ctx === "dqw")) {
        flush();
        const e = scan_end(w, i);
        const inner = w.slice(i + 1, e - 1);
        const ps = await this.pieces(inner, io, "dq", split);
        const at_empty = ps.length === 0 && /\$(\{@\}|@)/.test(inner) && this.params.length === 0;
        if (!at_empty && ps.every((p) => p.brk === true || p.s === "")) out.push({ s: "", q: true, split: false });
        out.push(...ps);
        i = e;
        continue;
      }
      if (c === "`") {
        flush();
        const e = scan_end(w, i);
        let inner = w.slice(i + 1, e - 1);
        inner = inner.replace(/\\([\\`$"])/g, (m, x: string) => (x === '"' && ctx !== "dq" ? m : x));
        out.push({ s: await this.cmdsubst(inner, io), q, split: split === true && !q });
        i = e;
        continue;
      }
      if (c === "$") {
        const d = w[i + 1];
        if (d === "(" || d === "{") {
          flush();
          const e = scan_end(w, i);
          if (d === "(" && w[i + 2] === "(") {
            const expr = w.slice(i + 3, e - 2);
            out.push({ s: await this.arith(expr, io), q, split: split === true && !q });
          } else if (d === "(") {
            out.push({ s: await this.cmdsubst(w.slice(i + 2, e - 1), io), q, split: split === true && !q });
          } else {
            out.push(...(await this.varsubst(w.slice(i + 2, e - 1), io, q, split === true)));
          }
          i = e;
          continue;
        }
        const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(w.slice(i + 1));
        if (m !== null) {
          flush();
          out.push(...(await this.varsubst(m[1], io, q, split === true)));
          i += 1 + m[1].length;
          continue;
        }
      }
      if (c === ":" && split === "assign" && w[i + 1] === "~") {
        lit += ":";
        flush();
        i = this.tilde(w, i + 1, out);
        continue;
      }
      lit += c;
      i++;
    }
    flush();
    return out;
  }

  /** ~ and ~/...: $HOME; ~user is left alone (no password file here). */
  private tilde(w: string, i: number, out: piece[]): number {
    const m = /^~([^/:]*)/.exec(w.slice(i));
    if (m === null || m[1] !== "") return i;
    const home = this.vars.get("HOME");
    if (home === undefined) return i;
    out.push({ s: home, q: true, split: false });
    return i + 1;
  }

  private async cmdsubst(src: string, io: io): Promise<string> {
    let out = "";
    const c = this.fork();
    const s = await this.subshell({ k: "list", items: [] }, io, false, c).then(async () => {
      const cio: io = { ...io, stdout: { write: (x) => (out += x) } };
      let bysignal = false;
      try {
        await c.run_src(src, cio, false);
      } catch (e) {
        bysignal = c.catch_exit(e, cio);
      }
      if (!bysignal) await c.exittrap(cio);
      return c.status;
    });
    this.substatus = s;
    this.status = s;
    return out.replace(/\n+$/, "");
  }

  private async arith(expr: string, io: io): Promise<string> {
    const ex = (await this.pieces(expr, io, "dq", false)).map((p) => p.s).join("");
    try {
      return arith_eval(
        ex,
        (n) => {
          const v = this.vars.get(n);
          if (v === undefined && this.flags.has("u")) throw new sh_error(`${n}: parameter not set`);
          return v;
        },
        (n, v) => this.setvar(n, v),
      ).toString();
    } catch (e) {
      if (e instanceof arith_error) throw new sh_error(`arithmetic expression: ${e.message}: "${ex}"`);
      throw e;
    }
  }

  /** ${...} (inner text) or $name. */
  private async varsubst(inner: string, io: io, q: boolean, split: boolean): Promise<piece[]> {
    const sp = split && !q;
    if (inner.length > 1 && inner[0] === "#" && /^#([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!0-])$/.test(inner)) {
      const name = inner.slice(1);
      const v = name === "@" || name === "*" ? String(this.params.length) : this.param(name);
      if (v === undefined && this.flags.has("u") && name !== "@" && name !== "*") throw new sh_error(`${name}: parameter not set`);
      return [{ s: name === "@" || name === "*" ? v ?? "0" : String([...(v ?? "")].length), q, split: sp }];
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!0-])(:?[-=?+]|%%|%|##|#)?([^]*)$/.exec(inner);
    if (m === null) throw new sh_error(`\${${inner}}: Bad substitution`);
    const name = m[1];
    const op = m[2];
    const word = m[3];
    const val = this.param(name);
    const isnull = val === undefined || (op !== undefined && op.startsWith(":") && val === "");
    const value = (): piece[] => {
      const ifs = this.ifs();
      const starsep = ifs === "" ? "" : ifs[0];
      if (name === "@" || (name === "*" && !q)) {
        // Where fields are made, each parameter is a field of its own (split
        // again when unquoted); elsewhere they are joined into one string.
        if (!split) return [{ s: this.params.join(name === "*" ? starsep : " "), q, split: false }];
        const out: piece[] = [];
        this.params.forEach((p, k) => {
          if (k > 0) out.push({ s: "", q: false, split: false, brk: true });
          out.push({ s: p, q, split: sp });
        });
        return out;
      }
      if (name === "*") return [{ s: this.params.join(starsep), q, split: sp }];
      return [{ s: val ?? "", q, split: sp }];
    };
    const word_pieces = async (): Promise<piece[]> => {
      const ps = await this.pieces(word, io, q ? "dqw" : "unq", split);
      return ps.map((p) => (q ? { ...p, q: true, split: false } : p));
    };
    if (op === undefined) {
      if (val === undefined && this.flags.has("u") && name !== "@" && name !== "*") throw new sh_error(`${name}: parameter not set`);
      return value();
    }
    switch (op) {
      case "-":
      case ":-":
        return isnull ? word_pieces() : value();
      case "+":
      case ":+":
        return isnull ? [] : word_pieces();
      case "=":
      case ":=": {
        if (!isnull) return value();
        if (!/^[A-Za-z_]/.test(name)) throw new sh_error(`\${${inner}}: Bad substitution`);
        const v = (await this.pieces(word, io, q ? "dqw" : "unq", false)).map((p) => p.s).join("");
        this.setvar(name, v);
        return [{ s: v, q, split: sp }];
      }
      case "?":
      case ":?": {
        if (!isnull) return value();
        const msg = word === "" ? (op === "?" ? "parameter not set" : "parameter null or not set") : (await this.pieces(word, io, "unq", false)).map((p) => p.s).join("");
        throw new sh_error(`${name}: ${msg}`);
      }
    }
    // Pattern removal.
    if (val === undefined && this.flags.has("u")) throw new sh_error(`${name}: parameter not set`);
    const pat = (await this.pieces(word, io, "unq", false)).map((p) => (p.q ? escape_glob(p.s) : p.s)).join("");
    const v = name === "@" || name === "*" ? this.params.join(" ") : val ?? "";
    const chars = [...v];
    const at = (k: number) => chars.slice(0, k).join("");
    const from = (k: number) => chars.slice(k).join("");
    let r = v;
    switch (op) {
      case "#":
        for (let k = 0; k <= chars.length; k++) {
          if (glob_match(pat, at(k))) {
            r = from(k);
            break;
          }
        }
        break;
      case "##":
        for (let k = chars.length; k >= 0; k--) {
          if (glob_match(pat, at(k))) {
            r = from(k);
            break;
          }
        }
        break;
      case "%":
        for (let k = chars.length; k >= 0; k--) {
          if (glob_match(pat, from(k))) {
            r = at(k);
            break;
          }
        }
        break;
      case "%%":
        for (let k = 0; k <= chars.length; k++) {
          if (glob_match(pat, from(k))) {
            r = at(k);
            break;
          }
        }
        break;
    }
    return [{ s: r, q, split: sp }];
  }

  // -------------------------------------------------------------------------
  // evalcommand

  private async evalcommand(n: { assigns: string[]; words: string[]; redirs: redir[] }, io: io, tested: boolean): Promise<number> {
    this.substatus = 0;
    const argv: string[] = [];
    for (const w of n.words) argv.push(...(await this.expand_fields(w, io)));
    const assigns: [string, string][] = [];
    for (const a of n.assigns) {
      const eq = a.indexOf("=");
      assigns.push([a.slice(0, eq), await this.expand_string(a.slice(eq + 1), io, true)]);
    }
    if (this.flags.has("x")) {
      const ps4 = this.vars.get("PS4") ?? "+ ";
      io.stderr.write(ps4 + [...assigns.map(([k, v]) => `${k}=${shquote(v)}`), ...argv.map(shquote)].join(" ") + "\n");
    }
    if (argv.length === 0) {
      const rio = await this.redirect(n.redirs, io);
      for (const [k, v] of assigns) this.setvar(k, v);
      if (rio === null) return 2;
      return this.substatus;
    }
    let name = argv[0];
    let args = argv;
    let nofunc = false;
    // command [-p] name: skip functions.
    while (name === "command" && args.length > 1 && !/^-[vV]/.test(args[1])) {
      let k = 1;
      if (args[k] === "-p") k++;
      if (args[k] === "--") k++;
      if (k >= args.length) break;
      args = args.slice(k);
      name = args[0];
      nofunc = true;
    }
    const special = SPECIAL.has(name);
    if (name === "exec" && args.length === 1) {
      // exec with redirections only: they stay for the rest of the shell.
      const r = await this.redirect(n.redirs, io, io);
      for (const [k, v] of assigns) this.setvar(k, v);
      if (r === null) throw new sh_exit(2);
      return 0;
    }
    const rio = await this.redirect(n.redirs, io);
    if (rio === null) {
      if (special && !nofunc) throw new sh_exit(2);
      return 2;
    }
    if (special) {
      for (const [k, v] of assigns) this.setvar(k, v);
      return this.run_builtin(name, args, rio, true, tested);
    }
    const fn = nofunc ? undefined : this.funcs.get(name);
    if (fn !== undefined) return this.callfunc(fn, args, rio, assigns, tested);
    if (REGULAR.has(name)) {
      const saved = assigns.map(([k]) => [k, this.vars.get(k)] as const);
      for (const [k, v] of assigns) this.vars.set(k, v);
      try {
        return await this.run_builtin(name, args, rio, false, tested);
      } finally {
        for (const [k, v] of saved) {
          if (v === undefined) this.vars.delete(k);
          else this.vars.set(k, v);
        }
      }
    }
    return this.run_program(args, rio, assigns);
  }

  private async run_program(argv: string[], io: io, assigns: [string, string][]): Promise<number> {
    const env = this.environment(assigns);
    const name = argv[0];
    const prog = this.opts.lookup(name, env, this.cwd);
    if (prog === null) {
      // execve's EACCES: a file of that name that may not be run.
      const cands = name.includes("/") ? [name] : (env.get("PATH") ?? this.vars.get("PATH") ?? "/usr/bin:/bin").split(":").map((d) => path.join(d === "" ? "." : d, name));
      const denied = cands.some((c) => {
        try {
          return fs.statSync(this.path(c)).isFile() || name.includes("/");
        } catch {
          return false;
        }
      });
      io.stderr.write(`${this.errname ?? this.name()}: ${name}: ${denied ? "Permission denied" : "not found"}\n`);
      return denied ? 126 : 127;
    }
    const pids = this.pids;
    const ctx: sh_cmd_ctx = { argv, stdin: io.stdin.rest(), stdout: io.stdout, stderr: io.stderr, env, cwd: this.cwd, spawned: (pid) => pids.add(pid) };
    const s = await prog(ctx);
    if (ctx.stdin_read === true) io.stdin.pos = io.stdin.data.length;
    return s;
  }

  private lineoff = 0;

  private async callfunc(f: { body: node; line: number }, argv: string[], io: io, assigns: [string, string][], tested: boolean): Promise<number> {
    const fn = f.body;
    const saved_lineoff = this.lineoff;
    this.lineoff = f.line - 1;
    const saved_params = this.params;
    const saved_vars = assigns.map(([k]) => [k, this.vars.get(k)] as const);
    for (const [k, v] of assigns) this.setvar(k, v);
    this.params = argv.slice(1);
    const saved_gopt = this.gopt;
    this.gopt = { reset: true, base: null, next: 0, ptr: null };
    this.locals.push(new Map());
    const saved_loop = this.loopnest;
    this.loopnest = 0;
    try {
      return await this.ev(fn, io, tested);
    } catch (e) {
      if (e instanceof sh_return) return (this.status = e.status);
      throw e;
    } finally {
      this.loopnest = saved_loop;
      const loc = this.locals.pop();
      if (loc !== undefined) {
        for (const [k, o] of loc) {
          if (o.v === undefined) this.vars.delete(k);
          else this.vars.set(k, o.v);
          if (o.x) this.exported.add(k);
          else this.exported.delete(k);
        }
      }
      for (const [k, v] of saved_vars) {
        if (v === undefined) this.vars.delete(k);
        else this.vars.set(k, v);
      }
      this.params = saved_params;
      this.gopt = saved_gopt;
      this.lineoff = saved_lineoff;
    }
  }

  private async run_builtin(name: string, argv: string[], io: io, special: boolean, tested: boolean): Promise<number> {
    const saved = this.errname;
    this.errname = name;
    try {
      return await this.builtin(name, argv, io, tested);
    } catch (e) {
      if (!(e instanceof sh_error)) throw e;
      e.who ??= this.errname ?? this.name();
      if (special) throw e;
      if (e.message !== "") io.stderr.write(`${e.who}: ${e.message}\n`);
      return e.status;
    } finally {
      this.errname = saved;
    }
  }

  private number(s: string | undefined, dflt: number): number {
    if (s === undefined) return dflt;
    if (!/^[0-9]+$/.test(s)) throw new sh_error(`Illegal number: ${s}`);
    return Number(s);
  }

  /** What a name is, for type, command -v and command -V. */
  private describe(name: string): { kind: "keyword" | "function" | "special" | "builtin" | "program" | "none"; path: string } {
    if (KEYWORDS.has(name)) return { kind: "keyword", path: name };
    if (this.funcs.has(name)) return { kind: "function", path: name };
    if (SPECIAL.has(name)) return { kind: "special", path: name };
    if (REGULAR.has(name)) return { kind: "builtin", path: name };
    const env = this.environment();
    if (this.opts.lookup(name, env, this.cwd) !== null) return { kind: "program", path: this.opts.which?.(name, env, this.cwd) ?? name };
    return { kind: "none", path: name };
  }

  private async builtin(name: string, argv: string[], io: io, tested: boolean): Promise<number> {
    const out = (s: string) => io.stdout.write(s);
    switch (name) {
      case ":":
      case "true":
        return 0;
      case "false":
        return 1;
      case "exit": {
        const s = argv.length > 1 ? this.number(argv[1], 0) & 255 : this.status;
        throw new sh_exit(s);
      }
      case "return": {
        const s = argv.length > 1 ? this.number(argv[1], 0) & 255 : this.status;
        throw new sh_return(s);
      }
      case "break":
      case "continue": {
        const n = this.number(argv[1], 1);
        if (n === 0) throw new sh_error(`Illegal number: ${argv[1]}`);
        if (this.loopnest === 0) return 0;
        throw new sh_loopctl(name, Math.min(n, this.loopnest));
      }
      case "echo": {
        // bltin/echo.c: -n or -e, as the first argument only.
        let args = argv.slice(1);
        let nl = true;
        let esc = false;
        if (args[0] === "-n") {
          nl = false;
          args = args.slice(1);
        } else if (args[0] === "-e") {
          esc = true;
          args = args.slice(1);
        }
        let o = "";
        for (let k = 0; k < args.length; k++) {
          const p = args[k];
          for (let j = 0; j < p.length; j++) {
            const c = p[j];
            if (c !== "\\" || !esc) {
              o += c;
              continue;
            }
            const d = p[++j];
            const E: Record<string, string> = { a: "\x07", b: "\b", e: "\x1b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\" };
            if (d === "c") {
              out(o);
              return 0;
            }
            if (d !== undefined && E[d] !== undefined) o += E[d];
            else if (d === "0") {
              let v = 0;
              for (let n = 0; n < 3 && /[0-7]/.test(p[j + 1] ?? ""); n++) v = v * 8 + Number(p[++j]);
              o += String.fromCharCode(v);
            } else {
              o += "\\";
              j--;
            }
          }
          if (k < args.length - 1) o += " ";
        }
        out(o + (nl ? "\n" : ""));
        return 0;
      }
      case "printf": {
        let args = argv.slice(1);
        if (args[0] === "--") args = args.slice(1);
        if (args.length === 0) {
          io.stderr.write("usage: printf format [arguments ...]\n");
          return 2;
        }
        const r = printf_format(args[0], args.slice(1));
        out(r.out);
        if (r.err !== "") io.stderr.write(r.err);
        return r.status;
      }
      case "test":
      case "[": {
        const args = argv.slice(1);
        if (name === "[") {
          if (args[args.length - 1] !== "]") throw new sh_error("missing ]");
          args.pop();
        }
        try {
          return test_eval(args, this.cwd) ? 0 : 1;
        } catch (e) {
          if (e instanceof test_error) throw new sh_error(e.message);
          throw e;
        }
      }
      case "set":
        return this.setcmd(argv, io);
      case "shift": {
        const n = this.number(argv[1], 1);
        if (n > this.params.length) return 1;
        this.params = this.params.slice(n);
        this.gopt.reset = true;
        return 0;
      }
      case "export":
      case "readonly": {
        let args = argv.slice(1);
        if (args[0] === "-p" || args.length === 0) {
          const set = name === "export" ? this.exported : this.readonly_;
          for (const k of [...set].sort()) {
            const v = this.vars.get(k);
            out(v === undefined ? `${name} ${k}\n` : `${name} ${k}=${shquote(v)}\n`);
          }
          return 0;
        }
        if (args[0] === "--") args = args.slice(1);
        for (const a of args) {
          const eq = a.indexOf("=");
          const k = eq < 0 ? a : a.slice(0, eq);
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new sh_error(`${k}: bad variable name`);
          if (eq >= 0) this.setvar(k, a.slice(eq + 1));
          if (name === "export") this.exported.add(k);
          else this.readonly_.add(k);
        }
        return 0;
      }
      case "local": {
        const loc = this.locals[this.locals.length - 1];
        if (loc === undefined) throw new sh_error("not in a function");
        for (const a of argv.slice(1)) {
          const eq = a.indexOf("=");
          const k = eq < 0 ? a : a.slice(0, eq);
          if (k === "-") continue;
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new sh_error(`${k}: bad variable name`);
          if (!loc.has(k)) loc.set(k, { v: this.vars.get(k), x: this.exported.has(k) });
          if (eq >= 0) this.setvar(k, a.slice(eq + 1));
        }
        return 0;
      }
      case "unset": {
        let mode = "v";
        let i = 1;
        for (; i < argv.length && /^-[fv]+$/.test(argv[i]); i++) mode = argv[i].slice(-1);
        if (argv[i] === "--") i++;
        for (const a of argv.slice(i)) {
          if (mode === "f") this.funcs.delete(a);
          else this.unsetvar(a);
        }
        return 0;
      }
      case "eval": {
        const src = argv.slice(1).join(" ");
        if (src.trim() === "") return 0;
        return this.run_src(src, io, tested);
      }
      case ".": {
        const f = argv[1];
        if (f === undefined) throw new sh_error("missing filename");
        let full: string | null = null;
        if (f.includes("/")) full = f;
        else {
          for (const dir of (this.vars.get("PATH") ?? "/usr/bin:/bin").split(":")) {
            const cand = path.join(dir === "" ? "." : dir, f);
            try {
              if (fs.statSync(this.path(cand)).isFile()) {
                full = cand;
                break;
              }
            } catch {
              /* next */
            }
          }
        }
        const src = full === null ? null : this.read_file(full);
        if (src === null || full === null) throw new sh_error(`${f}: not found`);
        // While the file runs, its name is the one errors give (commandname).
        this.errname = full;
            const saved_lineoff = this.lineoff;
        this.lineoff = 0;
        try {
          return await this.run_src(src, io, tested);
        } catch (e) {
          if (e instanceof sh_return) return (this.status = e.status);
          throw e;
        } finally {
              this.lineoff = saved_lineoff;
        }
      }
      case "exec": {
        const s = await this.run_program(argv.slice(1), io, []);
        throw new sh_exit(s);
      }
      case "trap":
        return this.trapcmd(argv, io);
      case "times": {
        // The shell's own user and system time; host programs are reaped by
        // spawnSync, whose times Node does not report, so children show 0.
        const u = process.cpuUsage();
        const t = (us: number) => `${Math.floor(us / 60e6)}m${((us % 60e6) / 1e6).toFixed(3)}s`;
        out(`${t(u.user)} ${t(u.system)}\n${t(0)} ${t(0)}\n`);
        return 0;
      }
      case "cd": {
        let args = argv.slice(1);
        while (/^-[eLP]+$/.test(args[0] ?? "")) args = args.slice(1);
        if (args[0] === "--") args = args.slice(1);
        if (args.length > 1) throw new sh_error("too many arguments");
        // (cd - prints the directory only in an interactive shell.)
        let dest: string | undefined = args[0] ?? this.vars.get("HOME");
        if (dest === undefined) throw new sh_error("HOME not set");
        if (dest === "") dest = ".";
        if (dest === "-") {
          dest = this.vars.get("OLDPWD");
          if (dest === undefined) throw new sh_error("OLDPWD not set");
        }
        // CDPATH, unless the name starts with / . or ..
        const cdpath = this.vars.get("CDPATH");
        const dirs = /^(\/|\.\.?(\/|$))/.test(dest) || cdpath === undefined ? [""] : cdpath.split(":");
        let why = "No such file or directory";
        for (const d of dirs) {
          const cand = d === "" ? dest : path.join(d, dest);
          let st: fs.Stats;
          try {
            st = fs.statSync(this.path(cand));
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "EACCES") why = "Permission denied";
            continue;
          }
          if (!st.isDirectory()) {
            why = "Not a directory";
            continue;
          }
          this.vars.set("OLDPWD", this.cwd);
          this.cwd = this.path(cand);
          this.vars.set("PWD", this.cwd);
          this.exported.add("PWD");
          this.exported.add("OLDPWD");
          return 0;
        }
        throw new sh_error(`${dest}: ${why}`);
      }
      case "pwd":
        if (argv.slice(1).some((a) => !/^-[LP]+$/.test(a))) throw new sh_error("too many arguments");
        out(this.cwd + "\n");
        return 0;
      case "read":
        return this.readcmd(argv, io);
      case "getopts":
        return this.getoptscmd(argv, io);
      case "wait":
        return this.waitcmd(argv);
      case "kill":
        return this.killcmd(argv, io);
      case "jobs":
        for (const j of this.jobs) out(`[${j.id}] ${j.pid} ${j.status === null ? "Running" : j.status === 0 ? "Done" : `Done(${j.status})`}\n`);
        return 0;
      case "umask": {
        const a = argv[1];
        if (a === undefined) {
          out(process.umask().toString(8).padStart(4, "0") + "\n");
          return 0;
        }
        if (!/^[0-7]{1,4}$/.test(a)) throw new sh_error(`Illegal number: ${a}`);
        process.umask(parseInt(a, 8));
        return 0;
      }
      case "hash": {
        // No table of paths is kept (every lookup searches PATH), so -r has
        // nothing to forget; a name is checked as the lookup would.
        let s = 0;
        for (const a of argv.slice(1)) {
          if (a === "-r" || a === "-v") continue;
          if (this.describe(a).kind === "none") {
            io.stderr.write(`hash: ${a}: not found\n`);
            s = 1;
          }
        }
        return s;
      }
      case "type":
      case "command": {
        let args = argv.slice(1);
        let mode: "type" | "v" | "V" = name === "type" ? "type" : "V";
        if (name === "command") {
          while (args[0] === "-p" || args[0] === "-v" || args[0] === "-V") {
            if (args[0] !== "-p") mode = args[0] === "-v" ? "v" : "V";
            args = args.slice(1);
          }
          if (args[0] === "--") args = args.slice(1);
          if (args.length !== 1) throw new sh_error("wrong number of arguments");
        } else if (args[0] === "--" && args.length > 1) args = args.slice(1);
        let s = 0;
        for (const a of args) {
          const d = this.describe(a);
          if (mode === "v") {
            if (d.kind === "none") s = 127;
            else out(d.path + "\n");
            continue;
          }
          switch (d.kind) {
            case "keyword":
              out(`${a} is a shell keyword\n`);
              break;
            case "function":
              out(`${a} is a shell function\n`);
              break;
            case "special":
              out(`${a} is a special shell builtin\n`);
              break;
            case "builtin":
              out(`${a} is a shell builtin\n`);
              break;
            case "program":
              out(`${a} is ${d.path}\n`);
              break;
            case "none":
              io.stderr.write(`${a}: not found\n`);
              s = 127;
          }
        }
        return s;
      }
    }
    throw new Error(`builtin ${name} missing`);
  }

  /** set: options (options.c), then new positional parameters. */
  private setcmd(argv: string[], io: io): number {
    if (argv.length === 1) {
      for (const k of [...this.vars.keys()].sort()) io.stdout.write(`${k}=${shquote(this.vars.get(k) ?? "")}\n`);
      return 0;
    }
    let i = 1;
    let newparams: string[] | null = null;
    for (; i < argv.length; i++) {
      const a = argv[i];
      if (a === "-") {
        // A lone "-" turns off -x and -v and ends the options.
        this.flags.delete("x");
        this.flags.delete("v");
        i++;
        break;
      }
      if (a === "--") {
        i++;
        if (i >= argv.length) newparams = [];
        break;
      }
      if (!/^[-+]/.test(a) || a.length < 2) break;
      const on = a[0] === "-";
      for (let k = 1; k < a.length; k++) {
        let f = a[k];
        if (f === "o") {
          const o = argv[i + 1];
          if (o === undefined) {
            this.list_options(on, io);
            continue;
          }
          i++;
          const fl = SH_LONGOPTS[o];
          if (fl === undefined) throw new sh_error(`Illegal option -o ${o}`);
          f = fl;
        } else if (!SHORTOPTS.includes(f)) throw new sh_error(`Illegal option -${f}`);
        if (on) this.flags.add(f);
        else this.flags.delete(f);
      }
    }
    if (i < argv.length) newparams = argv.slice(i);
    if (newparams !== null) {
      this.params = newparams;
      this.gopt.reset = true;
    }
    return 0;
  }

  /** set -o (a table) and set +o (commands that set them again). */
  private list_options(pretty: boolean, io: io): void {
    const names = Object.keys(SH_LONGOPTS);
    if (pretty) {
      io.stdout.write("Current option settings\n");
      for (const n of names) io.stdout.write(`${n.padEnd(16)}${this.flags.has(SH_LONGOPTS[n]) ? "on" : "off"}\n`);
      return;
    }
    let out = "";
    names.forEach((n, k) => {
      out += `${k % 6 === 0 ? "set" : ""} ${this.flags.has(SH_LONGOPTS[n]) ? "-" : "+"}o ${n}${k % 6 === 5 || k === names.length - 1 ? "\n" : ""}`;
    });
    io.stdout.write(out);
  }

  private trapcmd(argv: string[], io: io): number {
    let args = argv.slice(1);
    if (args[0] === "--") args = args.slice(1);
    if (args.length === 0) {
      for (const [s, a] of [...this.traps].sort((x, y) => x[0] - y[0])) io.stdout.write(`trap -- ${shquote(a)} ${signame(s)}\n`);
      return 0;
    }
    if (args[0] === "-l") {
      io.stdout.write(signal_list());
      return 0;
    }
    let action: string | null;
    if (args.length === 1 || (/^[0-9]+$/.test(args[0]) && signum(args[0]) !== null)) action = null;
    else {
      action = args[0] === "-" ? null : args[0];
      args = args.slice(1);
    }
    let s = 0;
    for (const a of args) {
      const n = signum(a);
      if (n === null) {
        io.stderr.write(`trap: bad signal ${a}\n`);
        s = 1;
        continue;
      }
      if (action === null) this.traps.delete(n);
      else this.traps.set(n, action);
    }
    return s;
  }

  /** read [-er] [-p prompt] [-t timeout] name ...: one line, split on IFS as miscbltin.c does. */
  private readcmd(argv: string[], io: io): number {
    let rflag = false;
    let i = 1;
    opts: for (; i < argv.length; i++) {
      const a = argv[i];
      if (a === "--") {
        i++;
        break;
      }
      if (!a.startsWith("-") || a === "-") break;
      for (let k = 1; k < a.length; k++) {
        const f = a[k];
        if (f === "r") rflag = true;
        else if (f === "e") continue;
        else if (f === "p" || f === "t") {
          const v = k + 1 < a.length ? a.slice(k + 1) : argv[++i];
          if (v === undefined) throw new sh_error(`No arg for -${f} option`);
          if (f === "t") {
            const m = /^([0-9]+|0[xX][0-9a-fA-F]+)(.*)$/.exec(v);
            if (m === null) throw new sh_error("timeout value");
            if (!["", "s", "m", "h"].includes(m[2])) throw new sh_error("timeout unit");
            // The input is all there already: select() would return at once.
          }
          // The prompt goes to a terminal only; a script's stdin is none.
          continue opts;
        } else throw new sh_error(`Illegal option -${f}`);
      }
    }
    const names = argv.slice(i);
    if (names.length === 0) throw new sh_error("arg count");
    const ifs = this.vars.get("IFS") ?? " \t\n";
    const inp = io.stdin;
    let status = 0;
    let startword = 2;
    let backslash = false;
    let saveall = 0;
    let buf = "";
    let lastnonifs = -1;
    let lastnonifsws = -1;
    let ap = 0;
    for (;;) {
      if (inp.pos >= inp.data.length) {
        status = 1;
        break;
      }
      const c = inp.data[inp.pos++];
      if (c === "\0") continue;
      if (backslash) {
        backslash = false;
        if (c !== "\n") {
          startword = 0;
          lastnonifs = lastnonifsws = buf.length;
          buf += c;
        }
        continue;
      }
      if (!rflag && c === "\\") {
        backslash = true;
        continue;
      }
      if (c === "\n") break;
      const is_ifs = ifs.includes(c) ? (" \t\n".includes(c) ? 1 : 2) : 0;
      if (startword !== 0) {
        if (is_ifs === 1) {
          if (saveall !== 0) buf += c;
          continue;
        }
        if (is_ifs === 2 && startword === 1) {
          startword = 2;
          if (saveall !== 0) {
            lastnonifsws = buf.length;
            buf += c;
          }
          continue;
        }
      }
      if (is_ifs === 0) {
        startword = 0;
        if (saveall !== 0) saveall++;
        lastnonifs = lastnonifsws = buf.length;
        buf += c;
        continue;
      }
      startword = is_ifs;
      if (ap === names.length - 1) {
        saveall++;
        if (is_ifs === 2) lastnonifsws = buf.length;
        buf += c;
        continue;
      }
      this.setvar(names[ap++], buf);
      buf = "";
      lastnonifs = lastnonifsws = -1;
    }
    // Trailing IFS white space goes; other IFS characters only when naked.
    if (saveall <= 1) lastnonifsws = lastnonifs;
    this.setvar(names[ap], buf.slice(0, lastnonifsws + 1));
    while (++ap < names.length) this.setvar(names[ap], "");
    return status;
  }

  /** getopts: as options.c keeps it, the next argument and the rest of the current one. */
  private getoptscmd(argv: string[], io: io): number {
    if (argv.length < 3) throw new sh_error("usage: getopts optstring var [arg]");
    const g = this.gopt;
    if (g.reset) {
      g.base = argv.length > 3 ? argv.slice(3) : null;
      g.next = 0;
      g.ptr = null;
      g.reset = false;
    }
    const args = g.base ?? this.params;
    const optstr = argv[1];
    let c = "?";
    let done = 0;
    let ind = 0;
    let newoptarg: string | null = null;
    let p = g.ptr;
    out: {
      if (p === null || p === "") {
        if (g.next === null) return 1;
        const a = args[g.next];
        let atend = a === undefined || a[0] !== "-" || a.length === 1;
        if (!atend) {
          g.next++;
          p = a.slice(1);
          atend = p === "-";
        }
        if (atend) {
          ind = g.next + 1;
          g.next = null;
          p = null;
          done = 1;
          break out;
        }
      }
      const cur: string = p ?? "";
      c = cur[0];
      p = cur.slice(1);
      let k = 0;
      for (; k < optstr.length && optstr[k] !== c; k++) if (optstr[k + 1] === ":") k++;
      if (k >= optstr.length) {
        if (optstr[0] === ":") newoptarg = c;
        else io.stderr.write(`Illegal option -${c}\n`);
        c = "?";
        break out;
      }
      if (optstr[k + 1] === ":") {
        if (p === "") {
          const nx = g.next === null ? undefined : args[g.next];
          if (nx === undefined) {
            if (optstr[0] === ":") {
              newoptarg = c;
              c = ":";
            } else {
              io.stderr.write(`No arg for -${c} option\n`);
              c = "?";
            }
            break out;
          }
          if (g.next !== null) g.next++;
          newoptarg = nx;
        } else newoptarg = p;
        p = null;
      }
    }
    if (g.next !== null) ind = g.next + 1;
    g.ptr = p;
    if (newoptarg !== null) this.setvar("OPTARG", newoptarg);
    else this.vars.delete("OPTARG");
    this.vars.set("OPTIND", String(ind));
    this.setvar(argv[2], c);
    return done;
  }

  private findjob(spec: string): job | null {
    if (spec.startsWith("%")) {
      const s = spec.slice(1);
      if (s === "" || s === "%" || s === "+") return this.jobs[this.jobs.length - 1] ?? null;
      if (s === "-") return this.jobs[this.jobs.length - 2] ?? null;
      if (/^[0-9]+$/.test(s)) return this.jobs.find((j) => j.id === Number(s)) ?? null;
      throw new sh_error(`No such job: ${spec}`);
    }
    return this.jobs.find((j) => String(j.pid) === spec) ?? null;
  }

  private async waitcmd(argv: string[]): Promise<number> {
    if (argv.length === 1) {
      await this.wait_all();
      return 0;
    }
    let s = 127;
    for (const a of argv.slice(1)) {
      if (!a.startsWith("%") && !/^[0-9]+$/.test(a)) throw new sh_error(`Illegal number: ${a}`);
      const j = this.findjob(a);
      if (j === null) {
        s = 127;
        continue;
      }
      s = await j.done;
      this.jobs = this.jobs.filter((x) => x !== j);
    }
    return s;
  }

  /** kill, built in as bin/kill/kill.c is: also %job and the shell's own jobs. */
  private killcmd(argv: string[], io: io): number {
    const KUSAGE = "usage: kill [-s signal_name] pid ...\n       kill -l [exit_status]\n       kill -signal_name pid ...\n       kill -signal_number pid ...\n";
    const usage = (): never => {
      io.stderr.write(KUSAGE);
      throw new sh_error("", 2);
    };
    const names = (): string => {
      let out = "";
      const n = sys_signame.length;
      for (let i = 1; i < n; i++) out += sys_signame[i].toUpperCase() + (i === Math.floor(n / 2) || i === n - 1 ? "\n" : " ");
      return out;
    };
    const nosig = (name: string): never => {
      io.stderr.write(`kill: unknown signal ${name}; valid signals:\n${names()}`);
      throw new sh_error("", 2);
    };
    const byname = (x: string): number => {
      const u = x.toUpperCase().replace(/^SIG/, "");
      const i = sys_signame.findIndex((n, k) => k > 0 && n.toUpperCase() === u);
      return i > 0 ? i : nosig(x);
    };
    let args = argv.slice(1);
    if (args.length === 0) usage();
    let sig = 15;
    if (args[0] === "-l") {
      args = args.slice(1);
      if (args.length > 1) usage();
      if (args.length === 1) {
        if (!/^[0-9]/.test(args[0])) usage();
        if (!/^[0-9]+$/.test(args[0])) throw new sh_error(`illegal signal number: ${args[0]}`);
        let n = Number(args[0]);
        if (n >= 128) n -= 128;
        if (n <= 0 || n >= sys_signame.length) nosig(args[0]);
        io.stdout.write(sys_signame[n].toUpperCase() + "\n");
        return 0;
      }
      io.stdout.write(names());
      return 0;
    }
    if (args[0] === "-s") {
      args = args.slice(1);
      if (args.length < 1) {
        io.stderr.write("kill: option requires an argument -- s\n");
        usage();
      }
      sig = args[0] === "0" ? 0 : byname(args[0]);
      args = args.slice(1);
    } else if (args[0].startsWith("-") && args[0][1] !== "-") {
      const x = args[0].slice(1);
      if (/^[A-Za-z]/.test(x)) sig = byname(x);
      else if (/^[0-9]/.test(x)) {
        if (!/^[0-9]+$/.test(x)) throw new sh_error(`illegal signal number: ${x}`);
        sig = Number(x);
      } else nosig(x);
      args = args.slice(1);
    }
    if (args.length > 0 && args[0].startsWith("--")) args = args.slice(1);
    if (args.length === 0) usage();
    let errors = 0;
    for (const t of args) {
      if (!t.startsWith("%") && !/^-?[0-9]+$/.test(t)) throw new sh_error(`illegal process id: ${t}`);
      if (t === String(this.rootpid)) {
        if (sig !== 0) this.pending_sigs.push(sig);
        continue;
      }
      const j = this.findjob(t);
      if (j !== null) {
        if (sig !== 0 && j.status === null) {
          // The job's process group: its programs, and the subshell running them.
          for (const pid of j.child.pids) this.opts.kill?.(pid, sig);
          if (!j.simple) {
            const action = j.child.traps.get(sig);
            if (action === undefined) j.child.killed = sig;
            else if (action !== "") j.child.pending_sigs.push(sig);
          }
        }
        continue;
      }
      if (t.startsWith("%")) throw new sh_error(`No such job: ${t}`);
      const e = this.opts.kill?.(Number(t), sig) ?? 3;
      if (e !== 0) {
        io.stderr.write(`kill: ${t}: ${e === 1 ? "Operation not permitted" : "No such process"}\n`);
        errors = 1;
      }
    }
    return errors;
  }
}

/** Index just past the quoted string or substitution that starts at w[i]. */
function scan_end(w: string, i: number): number {
  const c = w[i];
  if (c === "'") return w.indexOf("'", i + 1) + 1;
  if (c === '"') {
    let j = i + 1;
    while (j < w.length && w[j] !== '"') {
      if (w[j] === "\\") j += 2;
      else if ((w[j] === "$" && /[({]/.test(w[j + 1] ?? "")) || w[j] === "`") j = scan_end(w, j);
      else j++;
    }
    return j + 1;
  }
  if (c === "`") {
    let j = i + 1;
    while (j < w.length && w[j] !== "`") j += w[j] === "\\" ? 2 : 1;
    return j + 1;
  }
  // $( $(( ${
  if (w[i + 1] === "{") {
    let j = i + 2;
    while (j < w.length && w[j] !== "}") {
      if (w[j] === "\\") j += 2;
      else if (w[j] === "'" || w[j] === '"' || w[j] === "`" || w[j] === "$") j = w[j] === "$" && !/[({]/.test(w[j + 1] ?? "") ? j + 1 : scan_end(w, j);
      else j++;
    }
    return j + 1;
  }
  if (w[i + 1] === "(" && w[i + 2] === "(") {
    let j = i + 3;
    let depth = 0;
    while (j < w.length) {
      const d = w[j];
      if (d === "(") depth++;
      else if (d === ")") {
        if (depth > 0) depth--;
        else if (w[j + 1] === ")") return j + 2;
      } else if (d === "$" && /[({]/.test(w[j + 1] ?? "")) {
        j = scan_end(w, j);
        continue;
      }
      j++;
    }
    return w.length;
  }
  // $( ... ): balanced, skipping quotes, nested substitutions, and case patterns' lone ')'
  return cmdsubst_end(w, i + 2);
}

/** End of a $( ) whose text starts at w[j]: found by the parser, as sh does. */
function cmdsubst_end(w: string, j: number): number {
  return parser.end_of_cmdsubst(w, j);
}
