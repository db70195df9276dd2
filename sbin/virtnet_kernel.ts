// The `virtnet kernel` daemon: one simulated kernel kept alive behind a Unix
// socket, so that real shell scripts can drive it through command shims
// (`virtnet shims DIR`, sbin/virtnet_shims.ts).  Each connection carries one
// command, as one process of the simulated system: argv, environment and
// working directory come in, stdout and stderr stream back, the exit status
// ends it.  The environment carries the credential context the shim runs
// in: VIRTNET_JAIL (a jail id or name; the command runs attached to it, as
// after jexec) and VIRTNET_FIB (its default FIB, as after setfib).
//
// What the simulation does not have (a real /bin/sh, awk, python) is handed
// back: when a simulated command such as `jexec a sh -c "ifconfig -l"` would
// run such a program, the daemon asks the client to run it on the host with
// VIRTNET_JAIL/VIRTNET_FIB set to the jail and FIB the simulated process had,
// and waits for its exit status.  The shims it runs in turn come back here
// in that jail.  So the jail of jexec is inherited by everything it runs.
//
// Commands from different connections run at the same time (a background
// tcpdump while a ping runs).  Virtual time moves only while every simulated
// process waits (kern/kern_synch.ts, in external mode); a command waiting for
// something real (its stdin, a command handed to the host) does not hold the
// clock.  How far it may move is decided below (pacing the clock): it jumps
// while a command runs in the foreground and keeps real time's pace when
// only background commands run.  Signals from the client (Ctrl-C, kill)
// and the client going away reach the simulated process as kill(2) would
// (kern/kern_sig.ts).
//
// Clients are trusted no further than the socket's permissions, but a
// broken one must not take the daemon down: a frame may be at most
// FRAME_MAX (1 MiB) long and a command's relayed standard input at most
// STDIN_MAX (16 MiB); a client that claims or sends more, or sends a frame
// it should not, is dropped at once with one line in the log, and nothing
// it sent afterwards is read.  Dropping a client is its going away: what it
// was running is killed.  With --pcap, every interface of every vnet is
// captured while the daemon runs (sbin/virtnet_pcap.ts).  With
// --host-ifaces, every Ethernet interface of vnet0 is mirrored as a Linux
// TAP of the same name in the daemon's network namespace, as bpf(4) is for
// a host program on FreeBSD (net/bpf_hostif.ts); a command is answered only
// once the host has caught up with what it changed (a TAP created, renamed
// or gone).

import net from "node:net";
import fs from "node:fs";
import path from "node:path";
import { kern_boot, kern_tunables_check } from "../kern/init_main.ts";
import { cred0, prison_find_name, jailed } from "../kern/kern_jail.ts";
import { proc_create, proc_exit, sys_exit, sys_jail_attach_proc, sys_setfib, type proc } from "../kern/uipc_syscalls.ts";
import { sched_kick, sched_set_external } from "../kern/kern_synch.ts";
import { nanouptime_ns } from "../kern/kern_timeout.ts";
import { NSIG, SIGKILL, pgsignal, proc_setparent, sig_set_forward, sigexit_unwind, sys_signame } from "../kern/kern_sig.ts";
import { EIO, ESRCH, strerror } from "../kern/errno.ts";
import { sys_kldload } from "../kern/kern_linker.ts";
import { exec_prog, exec_set_external, programs, type exec_external_fn } from "./programs.ts";
import { sh_from_bytes, sh_to_bytes, type sh_io } from "./sh.ts";
import { pcap_spool } from "./virtnet_pcap.ts";
import { hostif_linux_ops, hostif_linux_usable, hostif_lo_up, hostif_mirror } from "../net/bpf_hostif.ts";
import type { linux_tap } from "../net/linux_tap.ts";
import { HOSTSOCK_KILLED, hostsock_call, hostsock_fail } from "./virtnet_hostsock.ts";

/** Where clients and the daemon meet when VIRTNET_SOCKET is not set. */
export function virtnet_default_socket(): string {
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  return `/tmp/virtnet-${uid}.sock`;
}

/** The programs the shims stand for.  Besides these, every simulated
 *  program gets a shim, except those the host's own serve better. */
const SHIM_BASE = ["arp", "dmesg", "ifconfig", "jail", "jexec", "jls", "killall", "netstat", "ping", "route", "setfib", "sysctl", "tcpdump"];

/** Simulated for `virtnet run`, but the host's under the daemon: its
 *  /bin/sh runs scripts, and its sleep lets real time pass (a script's
 *  `tcpdump ... &; sleep 1` gives the capture time to start, and the clock
 *  keeps the pace of real time meanwhile). */
const HOST_PROGRAMS = new Set(["sh", "sleep"]);

export function virtnet_shim_names(): string[] {
  const names = new Set(SHIM_BASE);
  for (const n of programs.keys()) if (!HOST_PROGRAMS.has(n)) names.add(n);
  return [...names].sort();
}

/** Is this command run inside the simulation (rather than handed to the
 *  host)?  Shim names always are, so a shim never loops back to itself. */
function simulated(name: string): boolean {
  return !HOST_PROGRAMS.has(name) && (programs.has(name) || SHIM_BASE.includes(name));
}

// ---------------------------------------------------------------------------
// The wire: frames of one type byte, a 32-bit big-endian length, a payload.
// Client to daemon: C (JSON request, first), I (stdin bytes), D (end of
// stdin), K (JSON {sig}: the client got a signal), S (JSON {id, status}: a
// handed-off command ended).  Daemon to client: 1 / 2 (stdout / stderr
// bytes), R (send your stdin), J (JSON {id, argv, jail, fib}: run this on
// the host), k (JSON {id, sig}: signal that command), X (JSON {status}: done).
// A connection may instead carry a host program's sockets (below).

export const FRAME_CMD = 0x43;
export const FRAME_STDIN = 0x49;
export const FRAME_STDIN_EOF = 0x44;
export const FRAME_SIGNAL = 0x4b;
export const FRAME_CHILD_DONE = 0x53;
export const FRAME_STDOUT = 0x31;
export const FRAME_STDERR = 0x32;
export const FRAME_NEED_STDIN = 0x52;
export const FRAME_EXEC = 0x4a;
export const FRAME_KILL_CHILD = 0x6b;
export const FRAME_EXIT = 0x58;
// The socket bridge (sbin/virtnet_hostsock.ts): P (JSON {env, comm}, first)
// and Y (JSON call) from the client; y (JSON answer) from the daemon.
export const FRAME_SOCKETS = 0x50;
export const FRAME_SYSCALL = 0x59;
export const FRAME_SYSRET = 0x79;

export function frame_encode(type: number, payload: string | Uint8Array): Buffer {
  // A string is the shell's: its escaped bytes go out as themselves.
  const bytes = typeof payload === "string" ? sh_to_bytes(payload) : payload;
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hdr = Buffer.alloc(5);
  hdr[0] = type;
  hdr.writeUInt32BE(body.length, 1);
  return Buffer.concat([hdr, body]);
}

/**
 * The largest frame a client may send: a command (its argv and environment
 * as JSON) or a piece of its standard input.  A frame that claims more
 * drops the client at once, before any of it is buffered.
 */
export const FRAME_MAX = 1024 * 1024;

/** The most standard input relayed for one command; a client that sends
 *  more is dropped (the command is killed as when it goes away). */
export const STDIN_MAX = 16 * 1024 * 1024;

/**
 * Reassembles frames from a byte stream.  Chunks are kept as they come and
 * joined only once a whole frame is there, so buffering costs time in
 * proportion to the bytes received.  A header claiming more than `max`
 * bytes is an error: next() returns it, and nothing more, ever.
 */
export class frame_reader {
  private chunks: Buffer[] = [];
  /** Bytes held in chunks; chunks[0] starts at offset `head`. */
  private held = 0;
  private head = 0;
  /** The frame being gathered: its type and length, once its header is in. */
  private want = -1;
  private type = 0;
  error: string | null = null;
  constructor(private readonly max = FRAME_MAX) {}
  push(data: Buffer): void {
    if (this.error !== null || data.length === 0) return;
    this.chunks.push(data);
    this.held += data.length;
  }
  /** Take n bytes off the front (n <= held), copying only when they span chunks. */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first.length - this.head >= n) {
      const b = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      this.held -= n;
      return b;
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(n - off, c.length - this.head);
      c.copy(out, off, this.head, this.head + k);
      off += k;
      this.head += k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.held -= n;
    return out;
  }
  next(): { type: number; payload: Buffer } | null {
    if (this.error !== null) return null;
    if (this.want < 0) {
      if (this.held < 5) return null;
      const hdr = this.take(5);
      this.type = hdr[0];
      const len = hdr.readUInt32BE(1);
      if (len > this.max) {
        this.error = `a frame of ${len} bytes (more than ${this.max})`;
        this.chunks = [];
        this.held = 0;
        return null;
      }
      this.want = len;
    }
    if (this.held < this.want) return null;
    const payload = this.want === 0 ? Buffer.alloc(0) : this.take(this.want);
    this.want = -1;
    return { type: this.type, payload };
  }
}

/** A request as the client sends it. */
export interface shim_request {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** The client's standard input is /dev/null: a background command. */
  background: boolean;
}

function parse_request(b: Buffer): shim_request | null {
  let v: unknown;
  try {
    v = JSON.parse(b.toString("utf8"));
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const r = v as Record<string, unknown>;
  if (!Array.isArray(r.argv) || r.argv.length === 0 || !r.argv.every((a) => typeof a === "string")) return null;
  const env: Record<string, string> = {};
  if (typeof r.env === "object" && r.env !== null) for (const [k, x] of Object.entries(r.env)) if (typeof x === "string") env[k] = x;
  return { argv: r.argv as string[], env, cwd: typeof r.cwd === "string" ? r.cwd : "/", background: r.background === true };
}

/** Signal names as they cross the wire ("SIGTERM"), both ways. */
function signame_to_num(s: unknown): number {
  if (typeof s === "number") return s > 0 && s < NSIG ? s : 0;
  if (typeof s !== "string") return 0;
  const i = sys_signame.indexOf(s.toLowerCase().replace(/^sig/, ""));
  return i > 0 ? i : 0;
}
function signum_to_name(sig: number): string {
  return `SIG${(sys_signame[sig] ?? "term").toUpperCase()}`;
}

/** The command a wrapper runs: `jexec [-l] [-n] [-u U | -U U] jail cmd`,
 *  `setfib [-F]fib cmd`, `himage node cmd`, `timeout [opts] duration cmd`;
 *  otherwise argv itself. */
function wrapped_command(argv: string[]): string[] {
  for (let depth = 0; depth < 8 && argv.length > 0; depth++) {
    const name = argv[0].slice(argv[0].lastIndexOf("/") + 1);
    let i = 1;
    if (name === "jexec") {
      while (i < argv.length && argv[i].startsWith("-") && argv[i] !== "--") i += /^-[^-]*[uU]$/.test(argv[i]) ? 2 : 1;
      if (argv[i] === "--") i++;
      i++; // the jail
    } else if (name === "setfib") {
      i += argv[1] === "-F" ? 2 : 1;
    } else if (name === "himage") {
      i++; // the node
    } else if (name === "timeout") {
      // Its options (-k T, -s S, joined or not, and the long ones), then
      // the duration.
      for (; i < argv.length && argv[i].startsWith("-") && argv[i] !== "-"; i++) {
        if (argv[i] === "--") {
          i++;
          break;
        }
        if (/^-[ks]$/.test(argv[i]) || /^--(kill-after|signal)$/.test(argv[i])) i++;
      }
      i++; // the duration
    } else return argv;
    argv = argv.slice(i);
  }
  return argv;
}

/** Does the program read its standard input?  The shim sends its stdin
 *  only when asked, so a command in a `while read` loop does not swallow the
 *  loop's input: "-" or /dev/stdin as an argument asks for it, and so does
 *  nc (which copies its stdin to the network unless -d), also when jexec,
 *  setfib, himage or timeout runs it.  The daemon takes the whole of stdin before
 *  the program starts, so nc's stdin must end (a file, a pipe, or
 *  </dev/null), not be a terminal. */
function wants_stdin(argv: string[]): boolean {
  const cmd = wrapped_command(argv);
  if (cmd.length > 0 && cmd[0].slice(cmd[0].lastIndexOf("/") + 1) === "nc") return true;
  return argv.slice(1).some((a) => a === "-" || a === "/dev/stdin");
}

// ---------------------------------------------------------------------------
// One connection: one command.

class session {
  private readonly rd = new frame_reader();
  private started = false;
  private finished = false;
  closed = false;
  private root: proc | null = null;
  private stdin_chunks: Buffer[] = [];
  private stdin_len = 0;
  /** Dropped for breaking the protocol: nothing more it sent is read. */
  private dropped = false;
  private stdin_eof = false;
  private stdin_wait: (() => void) | null = null;
  private readonly handoffs = new Map<number, (status: number) => void>();
  private nexthandoff = 1;

  constructor(
    private readonly sock: net.Socket,
    private readonly log: (s: string) => void,
    private readonly hostifs: hostif_mirror<linux_tap> | null,
  ) {
    sock.on("data", (d: Buffer) => {
      if (this.dropped) return;
      this.rd.push(d);
      for (let f = this.rd.next(); f !== null && !this.dropped; f = this.rd.next()) this.frame(f.type, f.payload);
      if (this.rd.error !== null && !this.dropped) this.protocol_error(this.rd.error);
    });
    sock.on("error", () => {});
    sock.on("close", () => this.gone());
  }

  /** Frames go out in order, gathered into one write per turn of the
   *  event loop (a flood ping writes a frame per packet). */
  private outq: Buffer[] = [];
  private outlen = 0;
  send(type: number, payload: string | Uint8Array): void {
    if (this.closed || this.sock.destroyed) return;
    this.outq.push(frame_encode(type, payload));
    this.outlen += this.outq[this.outq.length - 1].length;
    if (this.outq.length === 1) setImmediate(() => this.flush());
    else if (this.outlen >= 65536) this.flush();
  }
  private flush(): void {
    if (this.outq.length === 0) return;
    const b = this.outq.length === 1 ? this.outq[0] : Buffer.concat(this.outq);
    this.outq = [];
    this.outlen = 0;
    if (!this.closed && !this.sock.destroyed) this.sock.write(b);
  }

  private frame(type: number, payload: Buffer): void {
    switch (type) {
      case FRAME_CMD: {
        if (this.started) return this.protocol_error("a second command on one connection");
        const req = parse_request(payload);
        if (req === null) return this.protocol_error("a malformed request");
        this.started = true;
        void this.run(req);
        return;
      }
      case FRAME_SOCKETS: {
        if (this.started) return this.protocol_error("a second command on one connection");
        this.started = true;
        this.sockets_open(payload);
        return;
      }
      case FRAME_SYSCALL: {
        const sp = this.sysproc;
        if (sp === null) return this.protocol_error("a system call before FRAME_SOCKETS");
        let req: unknown = null;
        try {
          req = JSON.parse(payload.toString("utf8"));
        } catch {
          return this.protocol_error("a malformed system call");
        }
        // One at a time, in order, as one thread makes them.
        this.syscalls = this.syscalls.then(async () => {
          let r = HOSTSOCK_KILLED;
          try {
            if (!sp.p_exited) r = await hostsock_call(sp, req);
          } catch (e) {
            // A signal that ends the process unwinds the call it sleeps in.
            if (!(e instanceof sigexit_unwind)) {
              this.log(`virtnet kernel: socket bridge: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
              r = hostsock_fail(EIO);
            }
          }
          this.send(FRAME_SYSRET, JSON.stringify(r));
        });
        return;
      }
      case FRAME_STDIN:
        this.stdin_len += payload.length;
        if (this.stdin_len > STDIN_MAX) return this.protocol_error(`more than ${STDIN_MAX} bytes of standard input`);
        if (this.stdin_eof) return;
        this.stdin_chunks.push(Buffer.from(payload));
        return;
      case FRAME_STDIN_EOF:
        this.stdin_eof = true;
        this.stdin_wait?.();
        return;
      case FRAME_SIGNAL: {
        const sig = signame_to_num(json_field(payload, "sig"));
        if (sig !== 0 && this.root !== null && !this.finished) pgsignal(this.root, sig);
        return;
      }
      case FRAME_CHILD_DONE: {
        const id = json_field(payload, "id");
        const status = json_field(payload, "status");
        const done = typeof id === "number" ? this.handoffs.get(id) : undefined;
        if (done !== undefined && typeof id === "number") {
          this.handoffs.delete(id);
          done(typeof status === "number" ? status : 1);
        }
        return;
      }
      default:
        this.protocol_error(`an unknown frame type ${type}`);
    }
  }

  private protocol_error(what: string): void {
    if (this.dropped) return;
    this.dropped = true;
    this.log(`virtnet kernel: dropping a client that sent ${what}\n`);
    this.sock.destroy();
  }

  /** The process of a socket-bridge connection, and its calls in order. */
  private sysproc: proc | null = null;
  private syscalls: Promise<void> = Promise.resolve();

  /** A host program inside a jail opens the bridge: a process of its own,
   *  in the program's jail and FIB, answers its calls. */
  private sockets_open(payload: Buffer): void {
    const env = new Map<string, string>();
    const e = json_field(payload, "env");
    if (typeof e === "object" && e !== null) for (const [k, v] of Object.entries(e)) if (typeof v === "string") env.set(k, v);
    const c = json_field(payload, "comm");
    const comm = typeof c === "string" && c !== "" ? c.slice(0, 19) : "python";
    // The pid the script knows for the program: $! of the jexec that ran it.
    const hp = json_field(payload, "pid");
    const p = proc_create(cred0, comm, typeof hp === "number" && Number.isInteger(hp) ? hp : 0);
    let why = "";
    const status = this.credentials(p, env, comm, { write: (s) => void (why += s) });
    if (status !== 0 || this.closed) {
      proc_exit(p);
      this.send(FRAME_SYSRET, JSON.stringify({ ...hostsock_fail(ESRCH), why: why.trim() }));
      this.flush();
      this.sock.end();
      return;
    }
    this.sysproc = p;
    this.send(FRAME_SYSRET, JSON.stringify({ ret: p.p_pid }));
  }

  /** The client went away: whatever it was running dies with it. */
  private gone(): void {
    const sp = this.sysproc;
    if (sp !== null) {
      // The program ended: its process exits, closing what it left open
      // once the call it was in (now interrupted) has returned.
      pgsignal(sp, SIGKILL);
      void this.syscalls.then(() => {
        proc_exit(sp);
        sched_kick();
      });
    }
    this.closed = true;
    this.stdin_eof = true;
    this.stdin_wait?.();
    for (const done of this.handoffs.values()) done(128 + SIGKILL);
    this.handoffs.clear();
    if (this.root !== null && !this.finished) pgsignal(this.root, SIGKILL);
  }

  private read_stdin(): Promise<string> {
    if (!this.stdin_eof) this.send(FRAME_NEED_STDIN, "");
    return new Promise((resolve) => {
      const check = () => {
        if (!this.stdin_eof) return;
        this.stdin_wait = null;
        resolve(sh_from_bytes(Buffer.concat(this.stdin_chunks)));
      };
      this.stdin_wait = check;
      check();
    });
  }

  /** Run on the host, for a simulated process that execs something the
   *  simulation does not have.  The stand-in process holds the jail and
   *  takes the signals meant for the real one. */
  private readonly handoff: exec_external_fn = (parent, argv, io) => {
    const name = argv[0].slice(argv[0].lastIndexOf("/") + 1);
    if (simulated(name)) return null;
    return (async () => {
      if (this.closed) return 128 + SIGKILL;
      const p = proc_create(parent.p_ucred, name);
      p.p_fibnum = parent.p_fibnum;
      proc_setparent(p, parent);
      io.spawned?.(p.p_pid);
      const id = this.nexthandoff++;
      sig_set_forward(p, (sig) => this.send(FRAME_KILL_CHILD, JSON.stringify({ id, sig: signum_to_name(sig) })));
      const cr = p.p_ucred;
      const jail = jailed(cr) ? String(cr.cr_prison.pr_id) : "";
      const status = new Promise<number>((resolve) => this.handoffs.set(id, resolve));
      this.send(FRAME_EXEC, JSON.stringify({ id, argv, jail, fib: String(p.p_fibnum) }));
      // While a host program runs, it (a shell busy between its commands)
      // is what the clock waits for, not this command: the commands it
      // runs here count for themselves.
      fg_leave(this.background);
      try {
        return await status;
      } finally {
        fg_enter(this.background);
        sig_set_forward(p, null);
        sys_exit(p);
      }
    })();
  };

  private background = true;

  private async run(req: shim_request): Promise<void> {
    this.background = req.background;
    const out: sh_io = { write: (s) => this.send(FRAME_STDOUT, s) };
    const err: sh_io = { write: (s) => this.send(FRAME_STDERR, s) };
    const name = req.argv[0].slice(req.argv[0].lastIndexOf("/") + 1);
    const env = new Map(Object.entries(req.env));
    // Relative paths (tcpdump -w FILE) are the client's: its real cwd.
    env.set("PWD", req.cwd);
    let status = 0;
    const root = proc_create(cred0, "shim");
    this.root = root;
    fg_enter(req.background);
    try {
      const stdin = wants_stdin(req.argv) ? await this.read_stdin() : "";
      status = this.credentials(root, env, name, err);
      if (status === 0 && !this.closed) {
        exec_set_external(root, this.handoff);
        status = await exec_prog(root, req.argv, { stdin, stdout: out, stderr: err, env });
      }
    } catch (e) {
      // A bug in the simulator: the client gets one line, the log the rest.
      this.log(`virtnet kernel: ${req.argv.join(" ")}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      err.write(`${name}: internal error in the simulated kernel: ${e instanceof Error ? e.message : String(e)}\n`);
      status = 70;
    } finally {
      this.finished = true;
      fg_leave(req.background);
      proc_exit(root);
    }
    // The host devices the command created, renamed or destroyed are in
    // place before the script's next command looks for them.
    if (this.hostifs !== null) await this.hostifs.settle();
    this.send(FRAME_EXIT, JSON.stringify({ status }));
    this.flush();
    if (!this.sock.destroyed) this.sock.end();
    // What the command left queued (an epair delivery) runs now, as the
    // kernel's threads would have run it before the shell's next command.
    sched_kick();
  }

  /** The context the client runs in: its jail and its FIB. */
  private credentials(root: proc, env: Map<string, string>, name: string, err: sh_io): number {
    const jail = env.get("VIRTNET_JAIL") ?? "";
    if (jail !== "" && jail !== "0") {
      const pr = prison_find_name(jail);
      if (pr === null) {
        err.write(`${name}: jail "${jail}" (VIRTNET_JAIL) not found\n`);
        return 1;
      }
      const e = sys_jail_attach_proc(root, pr.pr_id);
      if (e !== 0) {
        err.write(`${name}: jail_attach(${pr.pr_id}): ${strerror(e)}\n`);
        return 1;
      }
    }
    const fib = env.get("VIRTNET_FIB") ?? "";
    if (fib !== "" && fib !== "0") {
      const n = Number(fib);
      if (!Number.isInteger(n) || sys_setfib(root, n) !== 0) {
        err.write(`${name}: setfib(${fib}) (VIRTNET_FIB): Invalid argument\n`);
        return 1;
      }
    }
    return 0;
  }
}

function json_field(b: Buffer, key: string): unknown {
  try {
    const v: unknown = JSON.parse(b.toString("utf8"));
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Pacing the clock.  A script that starts `ping X &` and goes on to its next
// command waits for nothing; if the clock raced ahead whenever every
// simulated process slept, that background ping would see minutes pass
// while the shell forks its next command.  So the clock jumps only while a
// command runs in the foreground (a shell waits for it); otherwise it goes
// at the pace of real time, as on a real host.  A shell without job control
// gives background commands /dev/null as their standard input (POSIX), and
// that is how the shims tell them apart (the atf runner gives its scripts
// an empty pipe instead of /dev/null, so that the difference shows).

let nforeground = 0;
let pace_vns = 0;
let pace_rms = performance.now();
function fg_enter(background: boolean): void {
  if (background) {
    // The clock went nowhere while nothing was due, so it may lag the real
    // time counted from the last foreground command.  A command starting
    // now must see real time's pace from now on, not that lag at once (a
    // background `ping -c 1` would otherwise see its 10 s wait pass in a
    // blink when the shell had idled for 10 s before it).
    if (nforeground === 0) {
      pace_vns = nanouptime_ns();
      pace_rms = performance.now();
    }
    return;
  }
  nforeground++;
}
function fg_leave(background: boolean): void {
  if (background) return;
  if (--nforeground === 0) {
    pace_vns = nanouptime_ns();
    pace_rms = performance.now();
  }
}
/** sched_set_external's limit: how far the clock may go now. */
function clock_limit(): number {
  if (nforeground > 0) return Infinity;
  return pace_vns + (performance.now() - pace_rms) * 1e6;
}

// ---------------------------------------------------------------------------
// The daemon.

export interface kernel_daemon {
  readonly socket: string;
  /** Stop listening, end every command still running, remove the socket. */
  close(): Promise<void>;
}

export interface kernel_options {
  socket: string;
  seed: number;
  /** Where the daemon reports its own troubles (default: process.stderr). */
  log?: (s: string) => void;
  /** Capture every interface of every vnet into this directory (see
   *  sbin/virtnet_pcap.ts); null or absent: no captures. */
  pcapdir?: string | null;
  /** Mirror vnet0's Ethernet interfaces as Linux TAPs (net/bpf_hostif.ts). */
  host_ifaces?: boolean;
  /** Loader tunables for the boot (/boot/loader.conf; checked by the caller). */
  tunables?: Record<string, string>;
  /** Modules the loader loads with the kernel (loader.conf's NAME_load="YES"). */
  kldload?: string[];
}

/** Is something answering on that socket path? */
function socket_alive(p: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.createConnection(p);
    c.on("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.on("error", () => resolve(false));
  });
}

/** Boot the kernel (once per process) and serve commands on opts.socket. */
export async function virtnet_kernel_listen(opts: kernel_options): Promise<kernel_daemon> {
  const log = opts.log ?? ((s: string) => void process.stderr.write(s));
  if (fs.existsSync(opts.socket)) {
    if (await socket_alive(opts.socket)) throw new Error(`${opts.socket}: a kernel is already listening there`);
    fs.unlinkSync(opts.socket);
  }
  if (opts.host_ifaces === true) {
    const why = hostif_linux_usable() ?? hostif_lo_up();
    if (why !== null) throw new Error(`--host-ifaces: ${why}`);
  }
  const spool = opts.pcapdir !== undefined && opts.pcapdir !== null ? new pcap_spool(opts.pcapdir, log) : null;
  spool?.start();
  kern_boot({ seed: opts.seed, tunables: opts.tunables });
  for (const mod of opts.kldload ?? []) {
    const r = sys_kldload({ p_ucred: cred0 }, mod);
    if (r.error !== 0) {
      spool?.close();
      throw new Error(`kldload ${mod}: ${strerror(r.error)}`);
    }
  }
  const hostifs = opts.host_ifaces === true ? new hostif_mirror(hostif_linux_ops(), log) : null;
  hostifs?.start();
  pace_vns = nanouptime_ns();
  pace_rms = performance.now();
  sched_set_external(true, clock_limit);
  const sessions = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sessions.add(sock);
    sock.on("close", () => sessions.delete(sock));
    new session(sock, log, hostifs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    fs.mkdirSync(path.dirname(opts.socket), { recursive: true });
    server.listen(opts.socket, () => {
      server.off("error", reject);
      resolve();
    });
  });
  let closing: Promise<void> | null = null;
  return {
    socket: opts.socket,
    close(): Promise<void> {
      if (closing !== null) return closing;
      closing = new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.destroy();
      }).then(async () => {
        hostifs?.stop();
        await hostifs?.settle();
        spool?.close();
        try {
          fs.unlinkSync(opts.socket);
        } catch {
          /* already gone */
        }
      });
      return closing;
    },
  };
}

export const KERNEL_USAGE = "usage: virtnet kernel [--socket PATH] [--seed N] [--pcap DIR] [--host-ifaces] [--tunable NAME=VALUE]... [--kldload MODULE]...\n";

/** `virtnet kernel`: serve until SIGINT or SIGTERM. */
export async function virtnet_kernel_main(argv: string[], stdout: sh_io, stderr: sh_io): Promise<number> {
  let socket = process.env.VIRTNET_SOCKET ?? virtnet_default_socket();
  let seed = 0;
  let pcapdir: string | null = null;
  let host_ifaces = false;
  const tunables: Record<string, string> = {};
  const kldload: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--tunable" && /^[^=]+=/.test(argv[i + 1] ?? "")) {
      const kv = argv[++i];
      tunables[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
    } else if (a === "--kldload" && (argv[i + 1] ?? "") !== "") kldload.push(argv[++i]);
    else if (a === "--socket" && argv[i + 1] !== undefined) socket = argv[++i];
    else if (a === "--seed" && /^[0-9]+$/.test(argv[i + 1] ?? "")) seed = Number(argv[++i]);
    else if (a === "--pcap" && (argv[i + 1] ?? "") !== "") pcapdir = argv[++i];
    else if (a === "--host-ifaces") host_ifaces = true;
    else {
      stderr.write(KERNEL_USAGE);
      return 64;
    }
  }
  const badtun = kern_tunables_check(tunables);
  if (badtun !== null) {
    stderr.write(`virtnet: loader tunable ${badtun}\n`);
    return 64;
  }
  let d: kernel_daemon;
  try {
    d = await virtnet_kernel_listen({ socket, seed, pcapdir, host_ifaces, tunables, kldload, log: (s) => stderr.write(s) });
  } catch (e) {
    stderr.write(`virtnet: ${e instanceof Error ? e.message : String(e)}\n`);
    return 69;
  }
  stdout.write(
    `virtnet kernel: listening on ${socket} (seed ${seed})${pcapdir !== null ? `, capturing into ${pcapdir}` : ""}${host_ifaces ? ", vnet0's interfaces mirrored as host TAPs" : ""}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await d.close();
  return 0;
}
