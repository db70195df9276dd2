// The socket bridge of the `virtnet kernel` daemon: a host program that runs
// for a jail (a python script started by `jexec j script.py`, handed to the
// host because the simulation has no python) gets that jail's sockets, not
// Linux's.  On FreeBSD such a script's socket(2) lands in the jail's vnet;
// here the shims give the program a Python startup module
// (HOSTSOCK_PYTHON, written by `virtnet shims` as sitecustomize.py and put
// first on PYTHONPATH for programs run inside a jail) that replaces
// socket.socket for AF_INET and AF_INET6 and select.select, and sends each
// call to the daemon over its Unix socket.  The daemon runs them here, as
// the system call layer would, for one simulated process made for the
// connection: its jail and FIB are the program's (VIRTNET_JAIL,
// VIRTNET_FIB), sockstat lists its sockets under its name, and when the
// program goes away (the connection closes) the process exits and its
// descriptors close, as at exit(2).
//
// The wire: after the daemon's command frames (sbin/virtnet_kernel.ts), a
// bridge connection starts with one FRAME_SOCKETS (JSON {env, comm}) and
// then sends FRAME_SYSCALL frames, one JSON call each ({op, ...}); each is
// answered, in order, by one FRAME_SYSRET ({ret} or {errno, name}, plus
// what the call gives back).  Numbers are FreeBSD's (the Python side maps
// Linux's constants, and errno names back to Linux's numbers); data travels
// as base64.
//
// divert(4): Linux has no AF_DIVERT, so the module gives Python FreeBSD's
// number, socket.AF_DIVERT = socket.PF_DIVERT = 44, and PF_DIVERT sockets
// always go to the daemon, also for programs outside any jail (vnet0's),
// whose AF_INET and AF_INET6 sockets stay the host's, and so do sockets
// made the old way, socket(AF_INET, SOCK_RAW, IPPROTO_DIVERT), which the
// kernel turns into divert sockets as FreeBSD 14 does.  Their addresses
// are AF_INET tuples, as CPython reads and writes them on FreeBSD.
//
// Blocking: the kernel's socket calls never sleep, so a call on a blocking
// socket waits in poll(2) for the socket and asks again, as our libc does;
// `timeout` in milliseconds is Python's socket timeout (-1 blocking, 0 non
// blocking, else the longest wait, after which the call fails with
// ETIMEDOUT), counted on the virtual clock, as the simulated process lives
// there.  Departures: only the calls Python's socket and select modules
// make for these two families (not select.poll, selectors or asyncio;
// control messages are not relayed), and a socket's fileno() is a real,
// idle Linux socket kept beside it for code that only wants a number.

import * as errnos from "../kern/errno.ts";
import { EINPROGRESS, EINTR, EINVAL, ETIMEDOUT, EWOULDBLOCK } from "../kern/errno.ts";
import { nanouptime_ns } from "../kern/kern_timeout.ts";
import { AF_INET, AF_INET6, SOL_SOCKET, SO_ERROR } from "../kern/socket.ts";
import {
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
  sys_accept,
  sys_bind,
  sys_close,
  sys_connect,
  sys_connect_wait,
  sys_getpeername,
  sys_getsockname,
  sys_getsockopt,
  sys_listen,
  sys_poll,
  sys_recvfrom,
  sys_sendto,
  sys_setsockopt,
  sys_shutdown,
  sys_socket,
  type proc,
} from "../kern/uipc_syscalls.ts";
import type { sockaddr_in } from "../netinet/in.ts";
import type { sockaddr_in6 } from "../netinet6/in6_var.ts";
import { AI_NUMERICSERV, getaddrinfo, getnameinfo, NI_NUMERICHOST, NI_NUMERICSERV } from "./libc.ts";

/** The most data one call carries either way (its frame stays under the
 *  daemon's FRAME_MAX once in base64). */
export const HOSTSOCK_MAXDATA = 256 * 1024;

/** FreeBSD's errno numbers to their names (EAGAIN, not EWOULDBLOCK). */
const errno_names = new Map<number, string>();
for (const [k, v] of Object.entries(errnos)) if (/^E[A-Z0-9]+$/.test(k) && typeof v === "number" && !errno_names.has(v)) errno_names.set(v, k);

export type hostsock_reply = Record<string, unknown>;

/** A failed call's answer: FreeBSD's errno and its name (the Python side
 *  maps the name to Linux's number). */
export function hostsock_fail(error: number): hostsock_reply {
  return { errno: error, name: errno_names.get(error) ?? "EIO" };
}

function num(v: unknown, dflt = 0): number {
  return typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : dflt;
}

/** A Python address tuple as it comes: host string, port, and for IPv6 the
 *  flow label and scope id. */
function sockaddr_of(p: proc, family: number, a: unknown): { error: number; sa: sockaddr_in | sockaddr_in6 | null } {
  if (typeof a !== "object" || a === null) return { error: EINVAL, sa: null };
  const r = a as Record<string, unknown>;
  let host = typeof r.host === "string" ? r.host : "";
  const port = num(r.port, -1);
  if (port < 0 || port > 65535) return { error: EINVAL, sa: null };
  // Python's spellings of the wildcard and the broadcast address.
  if (host === "") host = family === AF_INET6 ? "::" : "0.0.0.0";
  else if (host === "<broadcast>" && family === AF_INET) host = "255.255.255.255";
  const g = getaddrinfo(p, host, String(port), { ai_family: family, ai_flags: AI_NUMERICSERV });
  if (g.error !== 0 || g.res.length === 0) return { error: errnos.EADDRNOTAVAIL, sa: null };
  const sa = g.res[0].ai_addr;
  if ("sin6_addr" in sa) {
    sa.sin6_flowinfo = num(r.flowinfo) >>> 0;
    if (num(r.scope_id) !== 0) sa.sin6_scope_id = num(r.scope_id) >>> 0;
  }
  return { error: 0, sa };
}

/** An address as Python gives it back: [host, port] or [host, port, flowinfo, scope_id]. */
function tuple_of(p: proc, sa: unknown): unknown[] | null {
  if (typeof sa !== "object" || sa === null) return null;
  const s = sa as sockaddr_in | sockaddr_in6;
  if (!("sin6_addr" in s) && !("sin_addr" in s)) return null;
  const n = getnameinfo(p, s, NI_NUMERICHOST | NI_NUMERICSERV);
  if (n.error !== 0) return null;
  if ("sin6_addr" in s) return [n.host.replace(/%.*$/, ""), s.sin6_port, s.sin6_flowinfo, s.sin6_scope_id];
  return [n.host, s.sin_port];
}

/** The deadline of a call (virtual ns), or null to wait for ever. */
function deadline_of(timeout_ms: number): number | null {
  return timeout_ms < 0 ? null : nanouptime_ns() + timeout_ms * 1e6;
}

/** Wait for `events` on fd until the deadline: 0 ready, else an errno
 *  (ETIMEDOUT when the time is up, EINTR when the process is killed). */
async function wait_for(p: proc, fd: number, events: number, deadline: number | null): Promise<number> {
  let timo = -1;
  if (deadline !== null) {
    timo = deadline - nanouptime_ns();
    if (timo <= 0) return ETIMEDOUT;
  }
  const w = await sys_poll(p, [{ fd, events, revents: 0 }], timo);
  if (w.error !== 0) return w.error;
  return w.n === 0 ? ETIMEDOUT : 0;
}

/** Run one call for process p; never throws for bad input. */
export async function hostsock_call(p: proc, req: unknown): Promise<hostsock_reply> {
  if (typeof req !== "object" || req === null) return hostsock_fail(EINVAL);
  const r = req as Record<string, unknown>;
  const fd = num(r.fd, -1);
  const timeout = num(r.timeout, -1);
  const once = timeout === 0;
  switch (r.op) {
    case "socket": {
      const s = sys_socket(p, num(r.domain), num(r.type), num(r.proto));
      return s.error !== 0 ? hostsock_fail(s.error) : { ret: s.fd };
    }
    case "close": {
      const e = sys_close(p, fd);
      return e !== 0 ? hostsock_fail(e) : { ret: 0 };
    }
    case "bind":
    case "connect": {
      const family = num(r.family, AF_INET);
      if (family !== AF_INET && family !== AF_INET6) return hostsock_fail(errnos.EAFNOSUPPORT);
      const a = sockaddr_of(p, family, r.addr);
      if (a.sa === null) return hostsock_fail(a.error);
      if (r.op === "bind") {
        const e = sys_bind(p, fd, a.sa);
        return e !== 0 ? hostsock_fail(e) : { ret: 0 };
      }
      const e = sys_connect(p, fd, a.sa);
      if (e !== EINPROGRESS) return e !== 0 ? hostsock_fail(e) : { ret: 0 };
      if (once) return hostsock_fail(EINPROGRESS);
      const deadline = deadline_of(timeout);
      if (deadline === null) {
        const w = await sys_connect_wait(p, fd);
        return w !== 0 ? hostsock_fail(w) : { ret: 0 };
      }
      const w = await wait_for(p, fd, POLLOUT, deadline);
      if (w !== 0) return hostsock_fail(w);
      const so = sys_getsockopt(p, fd, SOL_SOCKET, SO_ERROR);
      const se = typeof so.val === "number" ? so.val : 0;
      return se !== 0 ? hostsock_fail(se) : { ret: 0 };
    }
    case "listen": {
      const e = sys_listen(p, fd, num(r.backlog, 128));
      return e !== 0 ? hostsock_fail(e) : { ret: 0 };
    }
    case "accept": {
      const deadline = deadline_of(timeout);
      for (;;) {
        const a = sys_accept(p, fd);
        if (a.error !== EWOULDBLOCK || once) return a.error !== 0 ? hostsock_fail(a.error) : { ret: a.fd, addr: tuple_of(p, a.sa) };
        const w = await wait_for(p, fd, POLLIN, deadline);
        if (w !== 0) return hostsock_fail(w);
      }
    }
    case "send": {
      const data = Buffer.from(typeof r.data === "string" ? r.data : "", "base64");
      if (data.length > HOSTSOCK_MAXDATA) return hostsock_fail(errnos.EMSGSIZE);
      let to: sockaddr_in | sockaddr_in6 | null = null;
      if (r.addr !== undefined && r.addr !== null) {
        const a = sockaddr_of(p, num(r.family, AF_INET), r.addr);
        if (a.sa === null) return hostsock_fail(a.error);
        to = a.sa;
      }
      const deadline = deadline_of(timeout);
      for (;;) {
        const s = sys_sendto(p, fd, new Uint8Array(data.buffer, data.byteOffset, data.length), num(r.flags), to);
        if (s.error !== EWOULDBLOCK || once) return s.error !== 0 ? hostsock_fail(s.error) : { ret: s.len };
        const w = await wait_for(p, fd, POLLOUT, deadline);
        if (w !== 0) return hostsock_fail(w);
      }
    }
    case "recv": {
      const len = Math.min(Math.max(num(r.len), 0), HOSTSOCK_MAXDATA);
      const deadline = deadline_of(timeout);
      for (;;) {
        const v = sys_recvfrom(p, fd, len, num(r.flags));
        if (v.error !== EWOULDBLOCK || once) {
          if (v.error !== 0) return hostsock_fail(v.error);
          const d = v.data ?? new Uint8Array(0);
          return { ret: d.length, data: Buffer.from(d.buffer, d.byteOffset, d.length).toString("base64"), addr: tuple_of(p, v.from) };
        }
        const w = await wait_for(p, fd, POLLIN, deadline);
        if (w !== 0) return hostsock_fail(w);
      }
    }
    case "shutdown": {
      const e = sys_shutdown(p, fd, num(r.how));
      return e !== 0 ? hostsock_fail(e) : { ret: 0 };
    }
    case "setsockopt": {
      const val = typeof r.bytes === "string" ? new Uint8Array(Buffer.from(r.bytes, "base64")) : num(r.value);
      const e = sys_setsockopt(p, fd, num(r.level), num(r.name), val);
      return e !== 0 ? hostsock_fail(e) : { ret: 0 };
    }
    case "getsockopt": {
      const g = sys_getsockopt(p, fd, num(r.level), num(r.name));
      if (g.error !== 0) return hostsock_fail(g.error);
      if (g.val instanceof Uint8Array) return { ret: 0, bytes: Buffer.from(g.val.buffer, g.val.byteOffset, g.val.length).toString("base64") };
      return { ret: 0, value: g.val ?? 0 };
    }
    case "getsockname":
    case "getpeername": {
      const g = r.op === "getsockname" ? sys_getsockname(p, fd) : sys_getpeername(p, fd);
      return g.error !== 0 ? hostsock_fail(g.error) : { ret: 0, addr: tuple_of(p, g.sa) };
    }
    case "poll": {
      // [[fd, events], ...] with POLLIN/POLLOUT/POLLPRI; revents back.
      const list = Array.isArray(r.fds) ? r.fds : [];
      const fds = list.map((x) => ({ fd: num(Array.isArray(x) ? x[0] : -1, -1), events: num(Array.isArray(x) ? x[1] : 0) & (POLLIN | POLLOUT | POLLPRI), revents: 0 }));
      const w = await sys_poll(p, fds, timeout < 0 ? -1 : timeout * 1e6);
      if (w.error !== 0) return hostsock_fail(w.error);
      return { ret: w.n, revents: fds.map((f) => f.revents & (POLLIN | POLLOUT | POLLPRI | POLLERR | POLLHUP | POLLNVAL)) };
    }
    default:
      return hostsock_fail(EINVAL);
  }
}

/** What a call that a killed process was in gives back. */
export const HOSTSOCK_KILLED: hostsock_reply = hostsock_fail(EINTR);

/** The Python side: sitecustomize.py, written by `virtnet shims` into
 *  DIR/.virtnet-python (see the header). */
export const HOSTSOCK_PYTHON = `# VirtNet: a program run inside a jail uses the jail's sockets.  Written by
# "virtnet shims"; Python loads it at startup because the shims put its
# folder first on PYTHONPATH.  Inside a jail AF_INET and AF_INET6 sockets
# and select.select go to the VirtNet kernel daemon
# (sbin/virtnet_hostsock.ts); PF_DIVERT sockets (FreeBSD's 44) go there
# everywhere; every other family (AF_UNIX, AF_PACKET) stays the host's.
import os as _os


def _virtnet_bridge():
    path = _os.environ.get("VIRTNET_SOCKET", "")
    jail = _os.environ.get("VIRTNET_JAIL", "")
    if path == "":
        return
    injail = jail not in ("", "0")
    import base64
    import errno
    import json
    import select as _select
    import socket as _socket
    import struct
    import sys
    import threading
    import time

    real_socket = _socket.socket
    real_select = _select.select
    FRAME_SOCKETS, FRAME_SYSCALL, FRAME_SYSRET = 0x50, 0x59, 0x79

    # Linux's numbers (what Python has) to FreeBSD's.  PF_DIVERT is
    # FreeBSD's 44 on both sides (Linux has no such family).
    AF_DIVERT = 44
    FAMILY = {_socket.AF_INET: 2, _socket.AF_INET6: 28, AF_DIVERT: AF_DIVERT} if injail else {AF_DIVERT: AF_DIVERT}
    for _n in ("AF_DIVERT", "PF_DIVERT"):
        if not hasattr(_socket, _n):
            setattr(_socket, _n, AF_DIVERT)
    LEVEL = {_socket.SOL_SOCKET: 0xFFFF}
    OPTS = {
        0xFFFF: {1: 0x1, 2: 0x4, 3: 0x1008, 4: 0x1007, 5: 0x10, 6: 0x20, 7: 0x1001, 8: 0x1002,
                 9: 0x8, 10: 0x100, 13: 0x80, 15: 0x200, 18: 0x1004, 19: 0x1003, 30: 0x2},
        0: {1: 3, 2: 4, 3: 2, 4: 1, 32: 9, 33: 10, 34: 11, 35: 12, 36: 13},
        6: {1: 1, 2: 2, 4: 0x100, 5: 0x200, 6: 0x400, 13: 0x40},
        17: {},
        41: {16: 4, 17: 9, 18: 10, 19: 11, 20: 12, 21: 13, 26: 27, 67: 61},
    }
    MSG = {0x1: 0x1, 0x2: 0x2, 0x4: 0x4, 0x40: 0x80, 0x100: 0x40, 0x4000: 0x20000}
    MAXDATA = 256 * 1024

    lock = threading.Lock()
    state = {"conn": None}

    def oserror(code, extra=None):
        if extra is not None:
            return OSError(code, _os.strerror(code), extra)
        return OSError(code, _os.strerror(code))

    def recv_exact(c, n):
        b = b""
        while len(b) < n:
            chunk = c.recv(n - len(b))
            if not chunk:
                raise oserror(errno.EIO)
            b += chunk
        return b

    def frame(c, t, obj):
        body = json.dumps(obj).encode()
        c.sendall(struct.pack(">BI", t, len(body)) + body)

    def conn():
        if state["conn"] is None:
            c = real_socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
            c.connect(path)
            env = {k: _os.environ[k] for k in ("VIRTNET_JAIL", "VIRTNET_FIB") if k in _os.environ}
            pid = int(_os.environ.get("VIRTNET_PID", "0") or "0")
            frame(c, FRAME_SOCKETS, {"env": env, "comm": _os.path.basename(sys.executable), "pid": pid})
            state["conn"] = c
            r = reply(c)
            if "errno" in r:
                raise oserror(getattr(errno, r.get("name", "EIO"), errno.EIO))
        return state["conn"]

    def reply(c):
        t, n = struct.unpack(">BI", recv_exact(c, 5))
        body = recv_exact(c, n)
        if t != FRAME_SYSRET:
            raise oserror(errno.EIO)
        return json.loads(body.decode())

    def call(op, **kw):
        with lock:
            c = conn()
            kw["op"] = op
            frame(c, FRAME_SYSCALL, kw)
            r = reply(c)
        if "errno" in r:
            code = getattr(errno, r.get("name", "EIO"), errno.EIO)
            if code == errno.ETIMEDOUT and kw.get("timeout", -1) > 0 and op != "connect":
                raise _socket.timeout("timed out")
            if code in (errno.EAGAIN, errno.EINPROGRESS):
                raise BlockingIOError(code, _os.strerror(code))
            raise oserror(code)
        return r

    def flags_of(flags):
        out = 0
        for lx, fb in MSG.items():
            if flags & lx:
                out |= fb
                flags &= ~lx
        if flags:
            raise oserror(errno.EOPNOTSUPP)
        return out

    def addr_arg(family, address):
        if family == _socket.AF_INET6:
            host, port = address[0], address[1]
            flow = address[2] if len(address) > 2 else 0
            scope = address[3] if len(address) > 3 else 0
            return {"host": host, "port": port, "flowinfo": flow, "scope_id": scope}
        host, port = address
        return {"host": host, "port": port}

    IPPROTO_DIVERT = 258

    def old_divert(family, type, proto):
        # socket(AF_INET, SOCK_RAW, IPPROTO_DIVERT): the way divert sockets
        # were made before PF_DIVERT, which FreeBSD 14 still takes.
        return family == _socket.AF_INET and (int(type) & 0xF) == 3 and proto == IPPROTO_DIVERT

    def afam(sock):
        # The family of a bridged socket's addresses, FreeBSD's number.
        return 2 if sock._vfam in (AF_DIVERT, _socket.AF_INET) else FAMILY[sock._vfam]

    def addr_back(a):
        return tuple(a) if a is not None else None

    class socket(real_socket):
        def __init__(self, family=-1, type=-1, proto=-1, fileno=None, *, _vfd=None):
            if family == -1:
                family = _socket.AF_INET
            if type == -1:
                type = _socket.SOCK_STREAM
            if proto == -1:
                proto = 0
            # A divert socket's fileno is an idle AF_INET one (Linux has none).
            divert = family == AF_DIVERT or old_divert(family, type, proto)
            real_socket.__init__(self, _socket.AF_INET if divert else family,
                                 _socket.SOCK_DGRAM if divert else type, 0 if divert else proto, fileno)
            self._vfam = family
            self._vfd = -1
            self._vt = _socket.getdefaulttimeout()
            base = int(type) & 0xF
            if _vfd is not None:
                self._vfd = _vfd
            elif fileno is None and (family in FAMILY or divert) and base in (1, 2, 3):
                try:
                    self._vfd = call("socket", domain=2 if family == _socket.AF_INET else FAMILY[family], type=base, proto=proto)["ret"]
                except BaseException:
                    real_socket.close(self)
                    raise

        def _t(self):
            return -1 if self._vt is None else int(self._vt * 1000) if self._vt > 0 else 0

        def _bridged(self):
            return getattr(self, "_vfd", -1) >= 0

        def bind(self, address):
            if not self._bridged():
                return real_socket.bind(self, address)
            call("bind", fd=self._vfd, family=afam(self), addr=addr_arg(_socket.AF_INET if self._vfam == AF_DIVERT else self._vfam, address))

        def listen(self, backlog=128):
            if not self._bridged():
                return real_socket.listen(self, backlog)
            call("listen", fd=self._vfd, backlog=backlog)

        def accept(self):
            if not self._bridged():
                return real_socket.accept(self)
            r = call("accept", fd=self._vfd, timeout=self._t())
            # As Python's: the new socket has the default timeout, not the listener's.
            s = socket(self._vfam, self.type & 0xF, self.proto, _vfd=r["ret"])
            return s, addr_back(r.get("addr"))

        def connect(self, address):
            if not self._bridged():
                return real_socket.connect(self, address)
            call("connect", fd=self._vfd, family=afam(self), addr=addr_arg(_socket.AF_INET if self._vfam == AF_DIVERT else self._vfam, address), timeout=self._t())

        def connect_ex(self, address):
            try:
                self.connect(address)
                return 0
            except OSError as e:
                return e.errno or errno.EIO

        def send(self, data, flags=0):
            if not self._bridged():
                return real_socket.send(self, data, flags)
            b = bytes(memoryview(data)[:MAXDATA])
            return call("send", fd=self._vfd, data=base64.b64encode(b).decode(), flags=flags_of(flags), timeout=self._t())["ret"]

        def sendall(self, data, flags=0):
            if not self._bridged():
                return real_socket.sendall(self, data, flags)
            m = memoryview(data)
            while len(m) > 0:
                n = self.send(m, flags)
                m = m[n:]

        def sendto(self, data, flags_or_addr, addr=None):
            if not self._bridged():
                if addr is None:
                    return real_socket.sendto(self, data, flags_or_addr)
                return real_socket.sendto(self, data, flags_or_addr, addr)
            flags, address = (0, flags_or_addr) if addr is None else (flags_or_addr, addr)
            b = bytes(memoryview(data)[:MAXDATA])
            return call("send", fd=self._vfd, data=base64.b64encode(b).decode(), flags=flags_of(flags),
                        family=afam(self), addr=addr_arg(_socket.AF_INET if self._vfam == AF_DIVERT else self._vfam, address), timeout=self._t())["ret"]

        def recv(self, bufsize, flags=0):
            if not self._bridged():
                return real_socket.recv(self, bufsize, flags)
            r = call("recv", fd=self._vfd, len=bufsize, flags=flags_of(flags), timeout=self._t())
            return base64.b64decode(r["data"])

        def recvfrom(self, bufsize, flags=0):
            if not self._bridged():
                return real_socket.recvfrom(self, bufsize, flags)
            r = call("recv", fd=self._vfd, len=bufsize, flags=flags_of(flags), timeout=self._t())
            return base64.b64decode(r["data"]), addr_back(r.get("addr"))

        def recv_into(self, buffer, nbytes=0, flags=0):
            if not self._bridged():
                return real_socket.recv_into(self, buffer, nbytes, flags)
            m = memoryview(buffer)
            d = self.recv(nbytes or len(m), flags)
            m[:len(d)] = d
            return len(d)

        def recvfrom_into(self, buffer, nbytes=0, flags=0):
            if not self._bridged():
                return real_socket.recvfrom_into(self, buffer, nbytes, flags)
            m = memoryview(buffer)
            d, a = self.recvfrom(nbytes or len(m), flags)
            m[:len(d)] = d
            return len(d), a

        def shutdown(self, how):
            if not self._bridged():
                return real_socket.shutdown(self, how)
            call("shutdown", fd=self._vfd, how=how)

        def setsockopt(self, level, optname, value, optlen=None):
            if not self._bridged():
                if optlen is None:
                    return real_socket.setsockopt(self, level, optname, value)
                return real_socket.setsockopt(self, level, optname, value, optlen)
            lv = LEVEL.get(level, level)
            name = OPTS.get(lv, {}).get(optname)
            if name is None:
                raise oserror(errno.ENOPROTOOPT)
            if isinstance(value, int):
                call("setsockopt", fd=self._vfd, level=lv, name=name, value=value)
            else:
                call("setsockopt", fd=self._vfd, level=lv, name=name, bytes=base64.b64encode(bytes(value)).decode())

        def getsockopt(self, level, optname, buflen=None):
            if not self._bridged():
                if buflen is None:
                    return real_socket.getsockopt(self, level, optname)
                return real_socket.getsockopt(self, level, optname, buflen)
            lv = LEVEL.get(level, level)
            name = OPTS.get(lv, {}).get(optname)
            if name is None:
                raise oserror(errno.ENOPROTOOPT)
            r = call("getsockopt", fd=self._vfd, level=lv, name=name)
            if "bytes" in r:
                b = base64.b64decode(r["bytes"])
                return b if buflen is not None else int.from_bytes(b[:4], "little", signed=True)
            if buflen is not None:
                return struct.pack("<i", r["value"])[:buflen]
            return r["value"]

        def getsockname(self):
            if not self._bridged():
                return real_socket.getsockname(self)
            return addr_back(call("getsockname", fd=self._vfd)["addr"])

        def getpeername(self):
            if not self._bridged():
                return real_socket.getpeername(self)
            return addr_back(call("getpeername", fd=self._vfd)["addr"])

        def setblocking(self, flag):
            if not self._bridged():
                return real_socket.setblocking(self, flag)
            self._vt = None if flag else 0.0

        def settimeout(self, value):
            if not self._bridged():
                return real_socket.settimeout(self, value)
            if value is not None and value < 0:
                raise ValueError("Timeout value out of range")
            self._vt = None if value is None else float(value)

        def gettimeout(self):
            if not self._bridged():
                return real_socket.gettimeout(self)
            return self._vt

        def getblocking(self):
            if not self._bridged():
                return real_socket.getblocking(self)
            return self._vt != 0.0

        def close(self):
            if self._bridged():
                fd, self._vfd = self._vfd, -1
                try:
                    call("close", fd=fd)
                except OSError:
                    pass
            real_socket.close(self)

        def detach(self):
            if self._bridged():
                raise oserror(errno.EOPNOTSUPP)
            return real_socket.detach(self)

    def select(rlist, wlist, xlist, timeout=None):
        objs = [o for o in list(rlist) + list(wlist) + list(xlist) if isinstance(o, socket) and o._bridged()]
        if not objs:
            return real_select(rlist, wlist, xlist, timeout)
        if timeout is not None and timeout < 0:
            raise ValueError("timeout must be non-negative")
        ev = {}
        for lst, bit in ((rlist, 1), (wlist, 4), (xlist, 2)):
            for o in lst:
                if isinstance(o, socket) and o._bridged():
                    ev[o._vfd] = ev.get(o._vfd, 0) | bit
        others = [[o for o in lst if not (isinstance(o, socket) and o._bridged())] for lst in (rlist, wlist, xlist)]
        mixed = any(others)
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            t = 0 if mixed else (-1 if timeout is None else int(timeout * 1000))
            r = call("poll", fds=[[fd, e] for fd, e in ev.items()], timeout=t)
            got = dict(zip(ev.keys(), r["revents"]))

            def ready(lst, bits):
                return [o for o in lst if isinstance(o, socket) and o._bridged() and got.get(o._vfd, 0) & bits]
            out = [ready(rlist, 1 | 0x8 | 0x10 | 0x20), ready(wlist, 4 | 0x8 | 0x10 | 0x20), ready(xlist, 2)]
            if mixed:
                ro, wo, xo = real_select(others[0], others[1], others[2], 0)
                out = [out[0] + ro, out[1] + wo, out[2] + xo]
            if any(out) or not mixed or (end is not None and time.monotonic() >= end):
                return out[0], out[1], out[2]
            time.sleep(0.01)

    _socket.socket = socket
    _socket.SocketType = socket
    _select.select = select


_virtnet_bridge()
del _virtnet_bridge
`;
