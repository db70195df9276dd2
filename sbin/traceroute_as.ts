// contrib/traceroute/as.c: the AS number of a hop, asked of a RADB-style
// whois server over TCP (-a, -A), for traceroute and traceroute6.  One
// connection for the run: "!!" keeps it open, "!r<addr>/<len>,l" asks for
// the route object, "!q" ends it.

import { AF_INET6, SOCK_STREAM } from "../kern/socket.ts";
import { strerror } from "../kern/errno.ts";
import { POLLIN, sys_close, sys_poll, sys_read, sys_socket, sys_write, type proc } from "../kern/uipc_syscalls.ts";
import { EAI_SERVICE, connect, gai_strerror, getaddrinfo, progname, prog_run, type prog_ctx } from "./libc.ts";

const DEFAULT_AS_SERVER = "whois.radb.net";

/** struct aslookup: the stream to the server and what fgets(3) has read
 *  past the last line it returned. */
export interface aslookup {
  fd: number;
  rbuf: string;
  eof: boolean;
}

/** as_setup(): connect to server (RA_SERVER, else RADB's), or null after
 *  saying why. */
export async function as_setup(ctx: prog_ctx, server: string | null): Promise<aslookup | null> {
  const kp = ctx.p as proc;
  if (server === null) server = ctx.env.get("RA_SERVER") ?? null;
  if (server === null) server = DEFAULT_AS_SERVER;
  const hints = { ai_family: 0, ai_socktype: SOCK_STREAM };
  let r = getaddrinfo(kp, server, "whois", hints);
  if (r.error === EAI_SERVICE) {
    ctx.stderr.write(`${progname(ctx)}: warning: whois/tcp service not found\n`);
    r = getaddrinfo(kp, server, "43", hints);
  }
  if (r.error !== 0) {
    ctx.stderr.write(`${progname(ctx)}: ${server}: ${gai_strerror(r.error)}\n`);
    return null;
  }
  let s = -1;
  let lasterr = 0;
  for (const res of r.res) {
    const so = sys_socket(kp, res.ai_family, res.ai_socktype, res.ai_protocol);
    if (so.error !== 0) {
      lasterr = so.error;
      continue;
    }
    const e = await connect(kp, so.fd, res.ai_addr);
    if (e === 0) {
      s = so.fd;
      break;
    }
    lasterr = e;
    sys_close(kp, so.fd);
  }
  if (s < 0) {
    ctx.stderr.write(`${progname(ctx)}: connect: ${strerror(lasterr)}\n`);
    return null;
  }
  const asn: aslookup = { fd: s, rbuf: "", eof: false };
  as_puts(kp, asn, "!!\n");
  return asn;
}

function as_puts(kp: proc, asn: aslookup, s: string): void {
  sys_write(kp, asn.fd, new TextEncoder().encode(s));
}

/** fgets(3) on the stream: a line with its newline, the last piece
 *  without one, or null at the end. */
async function as_fgets(kp: proc, asn: aslookup): Promise<string | null> {
  for (;;) {
    const nl = asn.rbuf.indexOf("\n");
    if (nl >= 0 && nl < 1023) {
      const line = asn.rbuf.slice(0, nl + 1);
      asn.rbuf = asn.rbuf.slice(nl + 1);
      return line;
    }
    if (asn.rbuf.length >= 1023) {
      const line = asn.rbuf.slice(0, 1023);
      asn.rbuf = asn.rbuf.slice(1023);
      return line;
    }
    if (asn.eof) {
      if (asn.rbuf === "") return null;
      const line = asn.rbuf;
      asn.rbuf = "";
      return line;
    }
    const w = await sys_poll(kp, [{ fd: asn.fd, events: POLLIN, revents: 0 }], -1);
    if (w.error !== 0) {
      asn.eof = true;
      continue;
    }
    const d = sys_read(kp, asn.fd, 4096);
    if (d.error !== 0 || d.data === null || d.data.length === 0) asn.eof = true;
    else asn.rbuf += new TextDecoder("latin1").decode(d.data);
  }
}

/** as_lookup(): the origin AS of addr's route object, 0 when none. */
export async function as_lookup(ctx: prog_ctx, asn: aslookup, addr: string, family: number): Promise<number> {
  const kp = ctx.p as proc;
  let as = 0;
  let rc = "";
  let dlen = 0;
  const plen = family === AF_INET6 ? 128 : 32;
  as_puts(kp, asn, `!r${addr}/${plen},l\n`);
  for (;;) {
    const buf = await as_fgets(kp, asn);
    if (buf === null) break;
    if (rc === "") {
      rc = buf[0] ?? "";
      if (rc === "A") {
        // "A<n>": n bytes of answer follow.
        const m = /^A([-+]?[0-9]+)/.exec(buf);
        dlen = m === null ? 0 : Number(m[1]);
        continue;
      }
    }
    if (dlen === 0) rc = buf[0] ?? "";
    if (rc !== "A") break;
    dlen -= buf.length;
    if (as === 0 && buf.slice(0, 7).toLowerCase() === "origin:") {
      const m = /^\s*AS([0-9]+)/.exec(buf.slice(7));
      if (m !== null) as = Number(m[1]) >>> 0;
    }
  }
  return as;
}

/** as_shutdown(): say goodbye and close. */
export function as_shutdown(ctx: prog_ctx, asn: aslookup): void {
  const kp = ctx.p as proc;
  as_puts(kp, asn, "!q\n");
  sys_close(kp, asn.fd);
}

/** What a traceroute keeps open: its sockets, and the AS lookup once -a set it up. */
export interface trace_files {
  fds: number[];
  asn: aslookup | null;
}

/** Run a traceroute's body (prog_run's exit handling) and close whatever it
 *  left open, however it ends: at exit, as the kernel would. */
export async function trace_run(ctx: prog_ctx, body: (f: trace_files) => Promise<number>): Promise<number> {
  const f: trace_files = { fds: [], asn: null };
  try {
    return await prog_run(ctx, () => body(f));
  } finally {
    const kp = ctx.p as proc;
    if (f.asn !== null) sys_close(kp, f.asn.fd);
    for (const fd of f.fds) sys_close(kp, fd);
  }
}
