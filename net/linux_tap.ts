// sys/net/if_tuntap.c, its character device side (tunopen, tunread,
// tunwrite, tunclose): VirtNet's own file for the program on the host that
// holds /dev/tapN (or /dev/tunN) open.  On FreeBSD a tap or tun interface
// has a character device, and a host program reads the frames the stack
// sends out of the interface and writes the frames it receives.  Here that
// program's other end is a real Linux TUN/TAP device of the same name, in
// the network namespace VirtNet runs in, so that Linux's own tools (ping,
// arping, nc, traceroute, hping3) talk to the simulated stack.
//
// Node cannot open /dev/net/tun (TUNSETIFF is an ioctl), so each device has
// one socat that holds the Linux device open and relays every frame as one
// UDP datagram on 127.0.0.1 (see shared/reference/linux-peers.md):
//
//   socat -b 65536 TUN,tun-type=tap|tun,tun-name=NAME,iff-no-pi[,iff-up] \
//         UDP-DATAGRAM:127.0.0.1:<ours>,bind=127.0.0.1:<socat's>,rcvbuf=4M
//
// UDP-DATAGRAM, not UDP: the connected form exits on the first ICMP port
// unreachable.  Frame boundaries hold both ways; -b 65536 takes a frame of
// any MTU.  socat still exits on its first failed send, so lo must be up in
// the namespace (a fresh `unshare -n` has it down: open says so).
//
// Lifetime.  linux_tap_open starts socat and returns once the Linux
// interface exists (bounded wait) or with a one-line error: socat missing,
// no privilege (neither root nor CAP_NET_ADMIN), the name taken in Linux,
// or whatever socat said.  linux_tap_close kills socat by its PID and waits
// (bounded) for the Linux interface to go.  No orphan is ever left: socat
// runs under setpriv --pdeathsig KILL when setpriv exists (the kernel kills
// it when this process dies, even by SIGKILL), and an exit handler kills
// every child still open on a normal exit.
//
// Time.  While a device is open the virtual clock is held to real time
// (kern/kern_synch.ts, sched_realtime_hold), as an ng_ksocket's host socket
// does, and a frame from Linux brings the clock up to real time
// (sched_realtime_sync) before it enters.  The host side allocates (node:dgram
// makes a Buffer per datagram each way); the simulated side (the input
// callback) takes its mbufs from the zones and counts its drops.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { m_copydata } from "../kern/uipc_mbuf.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { sched_kick, sched_realtime_hold, sched_realtime_release, sched_realtime_sync } from "../kern/kern_synch.ts";

/** Longest UDP payload over IPv4: a frame larger than this cannot be relayed. */
export const LINUX_TAP_MAXDGRAM = 65507;
/** socat's buffer (-b): the largest frame it relays whole, whatever MTU the
 *  interfaces get later; the stack above checks sizes as its driver does. */
export const LINUX_TAP_MAXFRAME = 65536;
/** The receive buffer of both relay sockets (ours and socat's).  Linux's
 *  default (212992 B, some 75 full frames by truesize) overflows when one
 *  side bursts a TCP window while the other process waits for a CPU, and
 *  the lost frame is a retransmission on a path that is meant to be clean.
 *  The kernel caps it at net.core.rmem_max, without an error. */
export const LINUX_TAP_RCVBUF = 4 * 1024 * 1024;
/** How long open waits for the Linux interface, and close for it to go. */
const OPEN_WAIT_MS = 10000;
const CLOSE_WAIT_MS = 2000;
/** CAP_NET_ADMIN's bit in /proc/self/status CapEff. */
const CAP_NET_ADMIN = 12;

export type linux_tap_kind = "tap" | "tun";

/** Counters of one device (the host side's; the simulated side counts its
 *  own in the interface). */
export interface linux_tap_stats {
  /** Frames received from Linux and handed to input. */
  rcvd: number;
  /** Frames sent to Linux. */
  sent: number;
  /** Datagrams larger than a frame can be (LINUX_TAP_MAXFRAME). */
  drop_toobig: number;
  /** Datagrams on our port from someone other than our socat. */
  drop_notpeer: number;
  /** Frames that could not be sent (too big for a datagram, device gone). */
  snd_errors: number;
}

export interface linux_tap_opts {
  /** Bring the Linux interface up at once (socat's iff-up); default false:
   *  the Linux side configures it as it pleases. */
  up?: boolean;
  /** Called once if socat dies while the device is open (the Linux
   *  interface was deleted, socat was killed): the device is closed then. */
  gone?: (reason: string) => void;
  /** Hold the virtual clock to real time while open (default true).  The
   *  host-interface mirror (net/bpf_hostif.ts) opens with false: its TAPs
   *  live as long as the interfaces, and the daemon paces the clock itself
   *  while host programs run. */
  realtime?: boolean;
}

/** One open device: the socat child and our datagram socket. */
export class linux_tap {
  /** The Linux interface's name (follows linux_tap_rename). */
  name: string;
  /** The MTU of the Linux interface (follows linux_tap_mtu). */
  mtu: number;
  child: ChildProcess | null = null;
  pid = 0;
  /** Our port and socat's, on 127.0.0.1. */
  port = 0;
  peer_port = 0;
  closed = false;
  readonly stats: linux_tap_stats = { rcvd: 0, sent: 0, drop_toobig: 0, drop_notpeer: 0, snd_errors: 0 };
  constructor(
    name: string,
    readonly kind: linux_tap_kind,
    mtu: number,
    readonly sock: dgram.Socket,
    readonly input: (frame: Uint8Array) => void,
    readonly opts: linux_tap_opts,
  ) {
    this.name = name;
    this.mtu = mtu;
  }
}

const open_taps = new Set<linux_tap>();

/** Devices open now (live socat children). */
export function linux_tap_count(): number {
  return open_taps.size;
}

/** The PIDs of the live socat children (for tests). */
export function linux_tap_pids(): number[] {
  return [...open_taps].map((t) => t.pid);
}

export function linux_tap_stats_of(t: linux_tap): linux_tap_stats {
  return { ...t.stats };
}

let exit_hooked = false;
function hook_exit(): void {
  if (exit_hooked) return;
  exit_hooked = true;
  process.on("exit", () => {
    for (const t of open_taps) kill_pid(t.pid, "SIGKILL");
  });
}

function kill_pid(pid: number, sig: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Block this thread for ms milliseconds (open and close are synchronous,
 *  as an ioctl is; socat runs meanwhile in its own process). */
function sleep_ms(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The executable on PATH, or null. */
function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Whether this process may create Linux interfaces: root's effective uid
 *  with CAP_NET_ADMIN (a root without it is no better off), or the
 *  capability alone. */
function have_net_admin(): boolean {
  try {
    const st = fs.readFileSync("/proc/self/status", "latin1");
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(st);
    if (m !== null) return ((BigInt(`0x${m[1]}`) >> BigInt(CAP_NET_ADMIN)) & 1n) === 1n;
  } catch {
    /* no /proc: judge by the uid */
  }
  return process.getuid?.() === 0;
}

/** The interfaces of this process's network namespace (/proc/self/net/dev
 *  follows the namespace; /sys/class/net follows the sysfs mount). */
export function linux_ifnames(): string[] {
  let text: string;
  try {
    text = fs.readFileSync("/proc/self/net/dev", "latin1");
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const line of text.split("\n").slice(2)) {
    const i = line.indexOf(":");
    if (i > 0) names.push(line.slice(0, i).trim());
  }
  return names;
}

function linux_ifexists(name: string): boolean {
  return linux_ifnames().includes(name);
}

/** Whether lo is up (IFF_UP in /sys would follow the sysfs mount, not the
 *  namespace: ask ip(8)).  Without ip, assume it is. */
function linux_lo_up(): boolean {
  const ip = which("ip");
  if (ip === null) return true;
  const r = spawnSync(ip, ["-o", "link", "show", "lo"], { encoding: "latin1", stdio: ["ignore", "pipe", "ignore"] });
  if (r.status !== 0 || typeof r.stdout !== "string") return true;
  const m = /<([^>]*)>/.exec(r.stdout);
  return m === null || m[1].split(",").includes("UP");
}

/** Whether the process is still running (not exited, not a zombie). */
function pid_alive(pid: number): boolean {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = st.slice(st.lastIndexOf(")") + 2, st.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** A free UDP port on 127.0.0.1 for socat to bind (taken and let go at once;
 *  a race with another program is retried by the caller). */
function free_port(): number {
  const s = dgram.createSocket({ type: "udp4", lookup: sync_lookup });
  s.bind({ address: "127.0.0.1", port: 0 });
  const port = s.address().port;
  s.close();
  return port;
}

/** Addresses here are dotted quads: resolve at once so bind and send
 *  happen inside the call (as in ng_ksocket). */
function sync_lookup(hostname: string, _options: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, hostname, 4);
}

/** socat's first error line, without its timestamp and PID. */
function socat_error(fd: number): string {
  const b = Buffer.alloc(4096);
  let n = 0;
  try {
    n = fs.readSync(fd, b, 0, b.length, 0);
  } catch {
    return "exited";
  }
  const lines = b.subarray(0, n).toString("latin1").split("\n");
  const e = lines.find((l) => / E /.test(l)) ?? lines.find((l) => l.trim() !== "") ?? "exited";
  return e.replace(/^\S+ \S+ socat\[\d+\] E /, "").trim();
}

/** A socat error for TUNSETIFF, said the way a newcomer understands it. */
function explain(name: string, kind: linux_tap_kind, err: string): string {
  if (/TUNSETIFF.*(busy|Invalid argument)/.test(err)) return `linux_tap: ${name}: the name is taken by another Linux interface (${err})`;
  if (/TUNSETIFF.*not permitted|\/dev\/net\/tun.*(denied|not permitted)/.test(err)) return `linux_tap: ${name}: creating a Linux ${kind.toUpperCase()} needs root or CAP_NET_ADMIN (${err})`;
  return `linux_tap: ${name}: socat: ${err}`;
}

/**
 * linux_tap_open: make the Linux TUN (L3, raw IP packets) or TAP (Ethernet
 * frames) called `name`, and call input with each frame Linux sends into
 * it (a view valid during the call only).  Returns the device, or a one-line
 * error.  The clock keeps real time while the device is open.
 */
export function linux_tap_open(name: string, kind: linux_tap_kind, mtu: number, input: (frame: Uint8Array) => void, opts: linux_tap_opts = {}): linux_tap | string {
  if (name.length === 0 || name.length > 15 || /[\s/:,]/.test(name)) return `linux_tap: ${name}: not a valid Linux interface name`;
  const socat = which("socat");
  if (socat === null) return `linux_tap: ${name}: socat not found on PATH (apt-get install socat)`;
  if (!have_net_admin()) return `linux_tap: ${name}: creating a Linux ${kind.toUpperCase()} needs root or CAP_NET_ADMIN`;
  if (!fs.existsSync("/dev/net/tun")) return `linux_tap: ${name}: /dev/net/tun is missing (modprobe tun)`;
  if (linux_ifexists(name)) return `linux_tap: ${name}: the name is taken by another Linux interface`;
  // socat exits on its first failed send: with lo down every send fails.
  if (!linux_lo_up()) return `linux_tap: ${name}: the loopback interface is down in this network namespace (ip link set lo up)`;

  const sock = dgram.createSocket({ type: "udp4", lookup: sync_lookup, recvBufferSize: LINUX_TAP_RCVBUF });
  sock.bind({ address: "127.0.0.1", port: 0 });
  const t = new linux_tap(name, kind, mtu, sock, input, opts);
  t.port = sock.address().port;
  const setpriv = which("setpriv");
  let error = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    t.peer_port = free_port();
    const tun = `TUN,tun-type=${kind},tun-name=${name},iff-no-pi${opts.up === true ? ",iff-up" : ""}`;
    const udp = `UDP-DATAGRAM:127.0.0.1:${t.port},bind=127.0.0.1:${t.peer_port},rcvbuf=${LINUX_TAP_RCVBUF}`;
    const argv = ["-b", String(LINUX_TAP_MAXFRAME), tun, udp];
    const errfile = path.join(os.tmpdir(), `virtnet-linux_tap-${process.pid}-${name}-${attempt}.err`);
    const errfd = fs.openSync(errfile, "w+");
    fs.unlinkSync(errfile);
    let child: ChildProcess;
    try {
      child = setpriv !== null ? spawn(setpriv, ["--pdeathsig", "KILL", socat, ...argv], { stdio: ["ignore", "ignore", errfd] }) : spawn(socat, argv, { stdio: ["ignore", "ignore", errfd] });
    } catch (e) {
      fs.closeSync(errfd);
      sock.close();
      return `linux_tap: ${name}: cannot start socat: ${(e as Error).message}`;
    }
    child.on("error", () => {});
    const pid = child.pid ?? 0;
    if (pid === 0) {
      fs.closeSync(errfd);
      sock.close();
      return `linux_tap: ${name}: cannot start socat`;
    }
    t.child = child;
    t.pid = pid;
    // Wait (bounded) for the Linux interface, or for socat to give up.
    const deadline = performance.now() + OPEN_WAIT_MS;
    let up = false;
    let dead = false;
    for (let ms = 1; ; ms = Math.min(ms * 2, 20)) {
      if (linux_ifexists(name) && pid_alive(pid)) {
        up = true;
        break;
      }
      if (!pid_alive(pid)) {
        dead = true;
        break;
      }
      if (performance.now() > deadline) break;
      sleep_ms(ms);
    }
    if (up) {
      fs.closeSync(errfd);
      break;
    }
    if (dead) error = socat_error(errfd);
    else {
      kill_pid(pid, "SIGKILL");
      error = `the Linux interface did not appear within ${OPEN_WAIT_MS / 1000} s`;
    }
    fs.closeSync(errfd);
    t.child = null;
    t.pid = 0;
    child.unref();
    // Someone took socat's port between our look and its bind: again.
    if (/bind\(.*Address already in use/.test(error)) continue;
    sock.close();
    return explain(name, kind, error);
  }
  const child = t.child;
  if (child === null) {
    sock.close();
    return explain(name, kind, error);
  }
  child.unref();
  child.on("exit", (code, signal) => linux_tap_gone(t, signal !== null ? `socat killed by ${signal}` : `socat exited with status ${code ?? 0}`));
  sock.on("message", (msg: Buffer, rinfo: dgram.RemoteInfo) => linux_tap_incoming(t, msg, rinfo));
  sock.on("error", () => {
    t.stats.snd_errors++;
  });
  sock.unref();
  open_taps.add(t);
  hook_exit();
  if (opts.realtime !== false) sched_realtime_hold();
  // A new Linux TUN/TAP has an MTU of 1500.
  t.mtu = 1500;
  if (mtu !== 1500) {
    const r = linux_tap_mtu(t, mtu);
    if (r !== null) {
      linux_tap_close(t);
      return r;
    }
  }
  return t;
}

/** A datagram from socat: one frame from Linux. */
function linux_tap_incoming(t: linux_tap, msg: Buffer, rinfo: dgram.RemoteInfo): void {
  if (t.closed) return;
  if (rinfo.port !== t.peer_port || rinfo.address !== "127.0.0.1") {
    t.stats.drop_notpeer++;
    return;
  }
  if (msg.length > LINUX_TAP_MAXFRAME) {
    t.stats.drop_toobig++;
    return;
  }
  sched_realtime_sync();
  t.stats.rcvd++;
  t.input(new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
  sched_kick();
}

/**
 * linux_tap_send: copy the frame in the chain m out to Linux (m is left to
 * the caller, who frees it).  Counts an error, and sends nothing, when the
 * device is closed or the frame is larger than a datagram.
 */
export function linux_tap_send(t: linux_tap, m: mbuf): void {
  const len = m.m_pkthdr.len;
  if (t.closed || len > LINUX_TAP_MAXDGRAM) {
    t.stats.snd_errors++;
    return;
  }
  const b = Buffer.allocUnsafe(len);
  m_copydata(m, 0, len, b);
  t.sock.send(b, 0, len, t.peer_port, "127.0.0.1");
  t.stats.sent++;
}

/** linux_tap_write: the same for a frame already in bytes (a view, copied
 *  before it is sent). */
export function linux_tap_write(t: linux_tap, frame: Uint8Array): void {
  const len = frame.length;
  if (t.closed || len > LINUX_TAP_MAXDGRAM) {
    t.stats.snd_errors++;
    return;
  }
  t.sock.send(Buffer.from(frame), 0, len, t.peer_port, "127.0.0.1");
  t.stats.sent++;
}

/** Run ip(8); null on success, else its error line. */
function linux_ip(args: string[]): string | null {
  const ip = which("ip");
  if (ip === null) return "ip not found on PATH (apt-get install iproute2)";
  const r = spawnSync(ip, args, { encoding: "latin1", stdio: ["ignore", "ignore", "pipe"] });
  if (r.error !== undefined) return r.error.message;
  if (r.status !== 0) return (r.stderr ?? "").trim().split("\n")[0] || `ip exited with status ${r.status}`;
  return null;
}

/** linux_tap_rename: the Linux interface follows the interface's new name;
 *  null, or a one-line error (the device keeps its name then). */
export function linux_tap_rename(t: linux_tap, newname: string): string | null {
  if (t.closed) return `linux_tap: ${t.name}: closed`;
  if (newname === t.name) return null;
  if (newname.length === 0 || newname.length > 15 || /[\s/:,]/.test(newname)) return `linux_tap: ${newname}: not a valid Linux interface name`;
  if (linux_ifexists(newname)) return `linux_tap: ${newname}: the name is taken by another Linux interface`;
  const r = linux_ip(["link", "set", "dev", t.name, "name", newname]);
  if (r !== null) return `linux_tap: ${t.name}: rename to ${newname}: ${r}`;
  t.name = newname;
  return null;
}

/** linux_tap_mtu: give the Linux interface this MTU; null, or a one-line
 *  error (Linux refuses MTUs below 68 or above 65521 on a TUN/TAP). */
export function linux_tap_mtu(t: linux_tap, mtu: number): string | null {
  if (t.closed) return `linux_tap: ${t.name}: closed`;
  if (mtu === t.mtu) return null;
  const r = linux_ip(["link", "set", "dev", t.name, "mtu", String(mtu)]);
  if (r !== null) return `linux_tap: ${t.name}: mtu ${mtu}: ${r}`;
  t.mtu = mtu;
  return null;
}

function linux_tap_shut(t: linux_tap): void {
  t.closed = true;
  open_taps.delete(t);
  t.sock.removeAllListeners("message");
  t.sock.removeAllListeners("error");
  t.sock.on("error", () => {});
  try {
    t.sock.close();
  } catch {
    /* already closed */
  }
  if (t.opts.realtime !== false) sched_realtime_release();
}

/** linux_tap_close: kill socat (by PID), wait (bounded) for the Linux
 *  interface to go, and stop holding the clock. */
export function linux_tap_close(t: linux_tap): void {
  if (t.closed) return;
  const child = t.child;
  if (child !== null) child.removeAllListeners("exit");
  linux_tap_shut(t);
  const pid = t.pid;
  kill_pid(pid, "SIGTERM");
  const deadline = performance.now() + CLOSE_WAIT_MS;
  for (let ms = 1; pid_alive(pid) || linux_ifexists(t.name); ms = Math.min(ms * 2, 20)) {
    if (performance.now() > deadline) {
      kill_pid(pid, "SIGKILL");
      break;
    }
    sleep_ms(ms);
  }
}

/** socat died under us: the device is closed, and its owner told. */
function linux_tap_gone(t: linux_tap, reason: string): void {
  if (t.closed) return;
  linux_tap_shut(t);
  t.opts.gone?.(`linux_tap: ${t.name}: ${reason}`);
  sched_kick();
}
