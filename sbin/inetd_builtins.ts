// usr.sbin/inetd/builtins.c: the services inetd(8) answers itself (RFC 862
// echo, RFC 863 discard, RFC 864 chargen, RFC 867 daytime, RFC 868 time),
// for stream and datagram sockets, and the table that says which of them
// run in a child of their own (bi_fork) and how many children they may
// have by default (bi_maxchild).
//
// Not here: tcpmux (RFC 1078) and auth (ident, RFC 1413, which needs
// net.inet.tcp.getcred); a line naming them as internal is refused as an
// unknown internal service.
//
// The kernel never blocks (kern/uipc_syscalls.ts), so a read or write that
// would block waits in poll(2) and tries again, as the blocking descriptor
// inetd hands its builtins would.

import { EAGAIN, EINTR } from "../kern/errno.ts";
import { MSG_EOF, SOCK_DGRAM, SOCK_STREAM } from "../kern/socket.ts";
import { CLOCK_REALTIME, sys_clock_gettime } from "../kern/kern_time.ts";
import { POLLIN, POLLOUT, sys_poll, sys_read, sys_recvfrom, sys_sendto, sys_write, type proc } from "../kern/uipc_syscalls.ts";
import { sockaddr_in } from "../netinet/in.ts";
import { sockaddr_in6 } from "../netinet6/in6_var.ts";

/** inetd.h */
export const BUFSIZE = 8192;
export const LINESIZ = 72;

/** What a builtin needs of its service entry (struct servtab). */
export interface bi_servtab {
  se_service: string;
  se_proto: string;
}

/** A datagram builtin's loop check: is this source one of our own
 *  datagram builtins' ports (check_loop in inetd.c)?  Logs and says so. */
export type check_loop_fn = (from: sockaddr_in | sockaddr_in6, sep: bi_servtab) => boolean;

export type bi_fn = (p: proc, s: number, sep: bi_servtab, check_loop: check_loop_fn) => Promise<void>;

/** struct biltin */
export interface biltin {
  bi_service: string;
  bi_socktype: number;
  /** 1: the parent forks and the child runs bi_fn. */
  bi_fork: number;
  /** The default limit on children (-1: the command line's). */
  bi_maxchild: number;
  bi_fn: bi_fn;
}

/** read(2) on a blocking descriptor: n bytes at most, an empty array at
 *  the end, null on an error. */
async function read_blocking(p: proc, s: number, n: number): Promise<Uint8Array | null> {
  for (;;) {
    const r = sys_read(p, s, n);
    if (r.error === 0) return r.data ?? new Uint8Array(0);
    if (r.error !== EAGAIN) return null;
    const w = await sys_poll(p, [{ fd: s, events: POLLIN, revents: 0 }], -1);
    if (w.error !== 0 && w.error !== EINTR) return null;
  }
}

/** write(2) on a blocking descriptor: all of buf, or false on an error. */
async function write_blocking(p: proc, s: number, buf: Uint8Array): Promise<boolean> {
  let off = 0;
  while (off < buf.length) {
    const r = sys_write(p, s, off === 0 ? buf : buf.subarray(off));
    if (r.error === 0) {
      off += r.len;
      continue;
    }
    if (r.error !== EAGAIN) return false;
    const w = await sys_poll(p, [{ fd: s, events: POLLOUT, revents: 0 }], -1);
    if (w.error !== 0 && w.error !== EINTR) return false;
  }
  return true;
}

/** recvfrom(2) of one datagram on a descriptor select(2) found readable. */
function recv_dgram(p: proc, s: number, len: number): { data: Uint8Array; from: sockaddr_in | sockaddr_in6 } | null {
  const r = sys_recvfrom(p, s, len, 0);
  if (r.error !== 0 || r.data === null) return null;
  const from = r.from;
  if (!(from instanceof sockaddr_in) && !(from instanceof sockaddr_in6)) return null;
  return { data: r.data, from };
}

// RFC 864: the printable ASCII characters, a line of LINESIZ of them
// starting one further along each time, then CR LF.
let ring: Uint8Array | null = null;
function initring(): Uint8Array {
  if (ring === null) {
    const chars: number[] = [];
    for (let i = 0; i <= 128; i++) if (i >= 0x20 && i < 0x7f) chars.push(i);
    ring = Uint8Array.from(chars);
  }
  return ring;
}
function chargen_line(r: Uint8Array, rs: number): Uint8Array {
  const text = new Uint8Array(LINESIZ + 2);
  for (let i = 0; i < LINESIZ; i++) text[i] = r[(rs + i) % r.length];
  text[LINESIZ] = 0x0d;
  text[LINESIZ + 1] = 0x0a;
  return text;
}
/** Where the next datagram's line starts (static in chargen_dg). */
let chargen_dg_rs = 0;

async function chargen_dg(p: proc, s: number, sep: bi_servtab, check_loop: check_loop_fn): Promise<void> {
  const r = initring();
  const d = recv_dgram(p, s, LINESIZ + 2);
  if (d === null || check_loop(d.from, sep)) return;
  const text = chargen_line(r, chargen_dg_rs);
  if (++chargen_dg_rs === r.length) chargen_dg_rs = 0;
  sys_sendto(p, s, text, 0, d.from);
}

async function chargen_stream(p: proc, s: number): Promise<void> {
  const r = initring();
  for (let rs = 0; ; ) {
    const text = chargen_line(r, rs);
    if (++rs === r.length) rs = 0;
    if (!(await write_blocking(p, s, text))) break;
  }
}

/** ctime(3)'s first 24 characters, in UTC (the jails' /etc/localtime). */
function ctime24(sec: number): string {
  const d = new Date(sec * 1000);
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2, " ")} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

function daytime_text(p: proc): Uint8Array {
  const now = sys_clock_gettime(p, CLOCK_REALTIME).tv_sec;
  return new TextEncoder().encode(`${ctime24(now)}\r\n`);
}

async function daytime_dg(p: proc, s: number, sep: bi_servtab, check_loop: check_loop_fn): Promise<void> {
  const text = daytime_text(p);
  const d = recv_dgram(p, s, 256);
  if (d === null || check_loop(d.from, sep)) return;
  sys_sendto(p, s, text, 0, d.from);
}

async function daytime_stream(p: proc, s: number): Promise<void> {
  sys_sendto(p, s, daytime_text(p), MSG_EOF, null);
}

async function discard_dg(p: proc, s: number): Promise<void> {
  sys_read(p, s, BUFSIZE);
}

async function discard_stream(p: proc, s: number): Promise<void> {
  for (;;) {
    const d = await read_blocking(p, s, BUFSIZE);
    if (d === null || d.length === 0) break;
  }
}

async function echo_dg(p: proc, s: number, sep: bi_servtab, check_loop: check_loop_fn): Promise<void> {
  const d = recv_dgram(p, s, 65536);
  if (d === null || check_loop(d.from, sep)) return;
  sys_sendto(p, s, d.data, 0, d.from);
}

async function echo_stream(p: proc, s: number): Promise<void> {
  for (;;) {
    const d = await read_blocking(p, s, BUFSIZE);
    if (d === null || d.length === 0 || !(await write_blocking(p, s, d))) break;
  }
}

/** RFC 868: seconds since 1900-01-01 as a 32-bit big-endian number. */
function machtime(p: proc): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, (sys_clock_gettime(p, CLOCK_REALTIME).tv_sec + 2208988800) >>> 0);
  return b;
}

async function machtime_dg(p: proc, s: number, sep: bi_servtab, check_loop: check_loop_fn): Promise<void> {
  const d = recv_dgram(p, s, 4);
  if (d === null || check_loop(d.from, sep)) return;
  sys_sendto(p, s, machtime(p), 0, d.from);
}

async function machtime_stream(p: proc, s: number): Promise<void> {
  sys_sendto(p, s, machtime(p), MSG_EOF, null);
}

export const biltins: readonly biltin[] = [
  { bi_service: "echo", bi_socktype: SOCK_STREAM, bi_fork: 1, bi_maxchild: -1, bi_fn: echo_stream },
  { bi_service: "echo", bi_socktype: SOCK_DGRAM, bi_fork: 0, bi_maxchild: 1, bi_fn: echo_dg },
  { bi_service: "discard", bi_socktype: SOCK_STREAM, bi_fork: 1, bi_maxchild: -1, bi_fn: discard_stream },
  { bi_service: "discard", bi_socktype: SOCK_DGRAM, bi_fork: 0, bi_maxchild: 1, bi_fn: discard_dg },
  { bi_service: "time", bi_socktype: SOCK_STREAM, bi_fork: 0, bi_maxchild: -1, bi_fn: machtime_stream },
  { bi_service: "time", bi_socktype: SOCK_DGRAM, bi_fork: 0, bi_maxchild: 1, bi_fn: machtime_dg },
  { bi_service: "daytime", bi_socktype: SOCK_STREAM, bi_fork: 0, bi_maxchild: -1, bi_fn: daytime_stream },
  { bi_service: "daytime", bi_socktype: SOCK_DGRAM, bi_fork: 0, bi_maxchild: 1, bi_fn: daytime_dg },
  { bi_service: "chargen", bi_socktype: SOCK_STREAM, bi_fork: 1, bi_maxchild: -1, bi_fn: chargen_stream },
  { bi_service: "chargen", bi_socktype: SOCK_DGRAM, bi_fork: 0, bi_maxchild: 1, bi_fn: chargen_dg },
];
