// `virtnet shims DIR`: small executables named ifconfig, jexec, ping, ...
// that forward their argv, environment, stdin, stdout, stderr and exit
// status to a `virtnet kernel` daemon (sbin/virtnet_kernel.ts).  With DIR
// first on PATH, a real /bin/sh script drives the simulated kernel.
//
// Each shim is a two-line /bin/sh script that execs node on one client file
// written beside it (.virtnet-shim.mjs).  The client is shim_client_main
// below, written out as source: it must not use anything but its arguments
// and node's globals.  The daemon is found through VIRTNET_SOCKET, else the
// path given to `virtnet shims --socket`, else virtnet_default_socket().

import fs from "node:fs";
import path from "node:path";
import type * as net_t from "node:net";
import type * as fs_t from "node:fs";
import type * as cp_t from "node:child_process";
import type * as os_t from "node:os";
import { virtnet_default_socket, virtnet_shim_names } from "./virtnet_kernel.ts";
import type { sh_io } from "./sh.ts";
import { HOSTSOCK_PYTHON } from "./virtnet_hostsock.ts";

export interface shim_modules {
  net: typeof net_t;
  fs: typeof fs_t;
  cp: typeof cp_t;
  os: typeof os_t;
}

/**
 * The client: process.argv = [node, client, NAME, args...].  Speaks the
 * frame protocol of virtnet_kernel.ts (the frame types are repeated here as
 * numbers because this function is shipped on its own).
 */
export function shim_client_main(default_socket: string, m: shim_modules): void {
  const FRAME_CMD = 0x43;
  const FRAME_STDIN = 0x49;
  const FRAME_STDIN_EOF = 0x44;
  const FRAME_SIGNAL = 0x4b;
  const FRAME_CHILD_DONE = 0x53;
  const FRAME_STDOUT = 0x31;
  const FRAME_STDERR = 0x32;
  const FRAME_NEED_STDIN = 0x52;
  const FRAME_EXEC = 0x4a;
  const FRAME_KILL_CHILD = 0x6b;
  const FRAME_EXIT = 0x58;
  const name = process.argv[2] ?? "virtnet-shim";
  const args = process.argv.slice(3);
  const sockpath = process.env.VIRTNET_SOCKET || default_socket;
  const pause = new Int32Array(new SharedArrayBuffer(4));

  // Our stdout/stderr are whatever the shell gave us; write synchronously so
  // that output keeps its order with what a handed-off command writes.
  const put = (fd: number, b: Buffer): void => {
    let off = 0;
    while (off < b.length) {
      try {
        off += m.fs.writeSync(fd, b, off, b.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") {
          Atomics.wait(pause, 0, 0, 2);
          continue;
        }
        // The reader went away (`| head`): die as SIGPIPE would have it.
        if (code === "EPIPE") process.exit(141);
        throw e;
      }
    }
  };
  const say = (s: string): void => put(2, Buffer.from(s));

  const sock = m.net.createConnection(sockpath);
  let connected = false;
  let finished = false;
  const send = (type: number, payload: string | Buffer): void => {
    const body = typeof payload === "string" ? Buffer.from(payload) : payload;
    const hdr = Buffer.alloc(5);
    hdr[0] = type;
    hdr.writeUInt32BE(body.length, 1);
    sock.write(Buffer.concat([hdr, body]));
  };

  // Commands the daemon hands back to run on the host (see the daemon).
  // Each runs in a process group of its own, so that a signal for it, or
  // the end of the command it runs for, reaches what it started in turn
  // (`sh -c 'sleep 9; ...'`).  (A group of its own is a session of its
  // own in node: it has no controlling terminal; the shim passes ^C on.)
  const children = new Map<number, ReturnType<typeof m.cp.spawn>>();
  const kill_group = (c: ReturnType<typeof m.cp.spawn>, sig: NodeJS.Signals): void => {
    try {
      if (c.pid !== undefined) process.kill(-c.pid, sig);
      else c.kill(sig);
    } catch {
      /* gone already, or a signal the host does not have */
    }
  };
  const run_child = (id: number, argv: string[], jail: string, fib: string): void => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    if (jail !== "") env.VIRTNET_JAIL = jail;
    else delete env.VIRTNET_JAIL;
    // Inside a jail a Python program gets the jail's sockets: the bridge
    // (sitecustomize.py beside this client) finds the daemon by
    // VIRTNET_SOCKET.  In vnet0 the host's own sockets stand for vnet0's,
    // but for PF_DIVERT, which Linux lacks: the bridge takes only those.
    const pydir = (process.argv[1] ?? "").replace(/[^/]*$/, "") + ".virtnet-python";
    const pypath = (env.PYTHONPATH ?? "").split(":").filter((d) => d !== "" && d !== pydir);
    env.VIRTNET_SOCKET = sockpath;
    env.VIRTNET_PID = String(process.pid);
    env.PYTHONPATH = [pydir, ...pypath].join(":");
    if (fib !== "" && fib !== "0") env.VIRTNET_FIB = fib;
    else delete env.VIRTNET_FIB;
    let reported = false;
    const report = (status: number): void => {
      if (reported) return;
      reported = true;
      children.delete(id);
      send(FRAME_CHILD_DONE, JSON.stringify({ id, status }));
    };
    // `sh` stands for FreeBSD's sh: VIRTNET_HOST_SH names the host shell
    // that takes its syntax (virtnet atf-run sets it to bash).
    const host_sh = process.env.VIRTNET_HOST_SH;
    const file = host_sh !== undefined && host_sh !== "" && (argv[0] === "sh" || argv[0] === "/bin/sh") ? host_sh : argv[0];
    const child = m.cp.spawn(file, argv.slice(1), { stdio: "inherit", env, detached: true });
    children.set(id, child);
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") {
        say(`${argv[0]}: not found\n`);
        report(127);
      } else {
        say(`${argv[0]}: ${e.message}\n`);
        report(126);
      }
    });
    child.on("exit", (code, signal) => {
      if (code !== null) report(code);
      else report(128 + (signal !== null ? (m.os.constants.signals[signal] ?? 15) : 15));
    });
  };

  // Output frames that arrive together are written together.
  let pend_fd = 0;
  let pend: Buffer[] = [];
  const put_flush = (): void => {
    if (pend.length > 0) put(pend_fd, pend.length === 1 ? pend[0] : Buffer.concat(pend));
    pend = [];
  };
  const frame = (type: number, payload: Buffer): void => {
    if (type === FRAME_STDOUT || type === FRAME_STDERR) {
      const fd = type === FRAME_STDOUT ? 1 : 2;
      if (fd !== pend_fd) put_flush();
      pend_fd = fd;
      pend.push(payload);
      return;
    }
    put_flush();
    switch (type) {
      case FRAME_NEED_STDIN:
        process.stdin.on("data", (d: Buffer) => send(FRAME_STDIN, d));
        process.stdin.on("end", () => send(FRAME_STDIN_EOF, ""));
        process.stdin.on("error", () => send(FRAME_STDIN_EOF, ""));
        return;
      case FRAME_EXEC: {
        const r = JSON.parse(payload.toString()) as { id: number; argv: string[]; jail: string; fib: string };
        run_child(r.id, r.argv, r.jail, r.fib);
        return;
      }
      case FRAME_KILL_CHILD: {
        const r = JSON.parse(payload.toString()) as { id: number; sig: string };
        const c = children.get(r.id);
        if (c !== undefined) kill_group(c, r.sig as NodeJS.Signals);
        return;
      }
      case FRAME_EXIT: {
        const r = JSON.parse(payload.toString()) as { status: number };
        finished = true;
        sock.destroy();
        process.exit(r.status);
      }
    }
  };

  let buf: Buffer = Buffer.alloc(0);
  sock.on("connect", () => {
    connected = true;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    // A shell without job control runs `cmd &` with /dev/null as its stdin.
    let background = false;
    try {
      const st = m.fs.fstatSync(0);
      background = st.isCharacterDevice() && st.rdev === m.fs.statSync("/dev/null").rdev;
    } catch {
      /* no stdin at all: count as foreground */
    }
    if (process.env.VIRTNET_FOREGROUND === "1") background = false;
    send(FRAME_CMD, JSON.stringify({ argv: [name, ...args], env, cwd: process.cwd(), background }));
  });
  sock.on("data", (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(1);
      if (buf.length < 5 + len) break;
      const type = buf[0];
      const payload = buf.subarray(5, 5 + len);
      buf = buf.subarray(5 + len);
      frame(type, payload);
    }
    put_flush();
  });
  sock.on("error", (e: NodeJS.ErrnoException) => {
    if (finished) return;
    if (!connected) {
      say(`${name}: cannot reach the VirtNet kernel at ${sockpath}: ${e.code ?? e.message}\n`);
      say(`${name}: start one with: virtnet kernel --socket ${sockpath}\n`);
      process.exit(69);
    }
  });
  sock.on("close", () => {
    if (finished || !connected) return;
    // What the daemon handed us dies with the command it ran for.
    for (const c of children.values()) kill_group(c, "SIGKILL");
    say(`${name}: lost the connection to the VirtNet kernel\n`);
    process.exit(70);
  });
  // Signals: to the host command the daemon handed back if one runs, else
  // to the simulated process.
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const) {
    process.on(s, () => {
      if (children.size > 0) {
        for (const c of children.values()) kill_group(c, s);
        return;
      }
      if (connected) send(FRAME_SIGNAL, JSON.stringify({ sig: s }));
      else process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGQUIT: 3 } as const)[s]);
    });
  }
}

/** The client file's text. */
export function shim_client_source(default_socket: string): string {
  return (
    "// VirtNet command shim client, written by `virtnet shims`.  It sends one\n" +
    "// command to the simulated kernel behind $VIRTNET_SOCKET and relays its\n" +
    "// output and exit status.\n" +
    'import net from "node:net";\n' +
    'import fs from "node:fs";\n' +
    'import cp from "node:child_process";\n' +
    'import os from "node:os";\n' +
    `const shim_client_main = ${String(shim_client_main)};\n` +
    `shim_client_main(${JSON.stringify(default_socket)}, { net, fs, cp, os });\n`
  );
}

function sh_quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface shims_options {
  /** The socket the shims use when VIRTNET_SOCKET is not set. */
  socket?: string;
  /** The node binary (default: the one running now). */
  node?: string;
}

/** Write the client and one shim per program into dir; returns the names. */
export function virtnet_write_shims(dir: string, o: shims_options = {}): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const client = path.resolve(dir, ".virtnet-shim.mjs");
  fs.writeFileSync(client, shim_client_source(o.socket ?? virtnet_default_socket()), { mode: 0o644 });
  // The socket bridge for Python programs run inside a jail (sbin/virtnet_hostsock.ts).
  fs.mkdirSync(path.join(dir, ".virtnet-python"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".virtnet-python", "sitecustomize.py"), HOSTSOCK_PYTHON, { mode: 0o644 });
  const node = o.node ?? process.execPath;
  const names = virtnet_shim_names();
  for (const n of names) {
    const text =
      "#!/bin/sh\n" +
      `# ${n}: runs in the VirtNet simulated kernel (virtnet kernel; socket \${VIRTNET_SOCKET}).\n` +
      "unset NODE_OPTIONS\n" +
      `exec ${sh_quote(node)} ${sh_quote(client)} ${n} "$@"\n`;
    const f = path.join(dir, n);
    fs.writeFileSync(f, text, { mode: 0o755 });
    fs.chmodSync(f, 0o755);
  }
  return names;
}

export const SHIMS_USAGE = "usage: virtnet shims [--socket PATH] DIR\n";

/** `virtnet shims [--socket PATH] DIR`. */
export function virtnet_shims_main(argv: string[], stdout: sh_io, stderr: sh_io): number {
  let socket: string | undefined;
  let dir: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--socket" && argv[i + 1] !== undefined) socket = argv[++i];
    else if (dir === null && !a.startsWith("-")) dir = a;
    else {
      stderr.write(SHIMS_USAGE);
      return 64;
    }
  }
  if (dir === null) {
    stderr.write(SHIMS_USAGE);
    return 64;
  }
  try {
    const names = virtnet_write_shims(dir, { socket });
    stdout.write(`${names.join(" ")}\n`);
  } catch (e) {
    stderr.write(`virtnet: ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 73;
  }
  return 0;
}
