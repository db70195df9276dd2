// usr.sbin/inetd/inetd.c, inetd.h: inetd(8), the internet "super-server".
// It reads inetd.conf (service name, socket type, protocol, wait/nowait
// with max-child/max-connections-per-minute/max-child-per-ip, user[:group],
// server program and its arguments), opens a socket for each service on
// the port /etc/services gives it and waits in select(2); when one is
// readable it accepts (nowait stream services) and runs the service: a
// builtin (inetd_builtins.ts) inline or in a forked child, as the builtin
// table says.  Without -d it becomes a daemon (daemon(3)) after opening
// its pid file, and writes its pid there.  SIGHUP rereads the
// configuration (services gone are closed, new ones opened, changed limits
// applied); SIGTERM ends it (default action); children that end are
// reaped on SIGCHLD; a service that fails to bind, or that starts more than
// -R children a minute, is retried after RETRYTIME (an alarm).  Messages
// go to syslog; before daemon(3) (and with -d, always) also to standard
// error as "inetd[pid]: message", as LOG_PERROR writes them.
//
// Departures from FreeBSD 14:
// - External servers of nowait stream services run, but a program here
//   cannot hold a socket as descriptors 0-2 (they are the shell's strings,
//   kern/uipc_syscalls.ts): the forked child execs the server (by its
//   path: a simulated program by its name, else the host's file) with
//   what the connection has brought so far as its standard input, and
//   what it writes to its standard output and error goes to the
//   connection when it ends, which then closes.  That is what servers
//   such as `/bin/echo echo GOOD 82` (FreeBSD's ipfw tests) need; a server
//   that talks back and forth cannot work so, and a host program runs to
//   its end before the simulation goes on (host_exec), so it must end by
//   itself.  A `wait` service with a
//   server program (one handed the listening or datagram socket itself)
//   is refused with "%s/%s: server program %s cannot be run here (wait
//   service: no exec with the socket as stdin)", and skipped.
// - No tcpmux, auth (ident), RPC services, unix-domain sockets, IPsec
//   policies, login classes, TCP wrappers (-w, -W) or -s: lines that need
//   them are refused with inetd's own message for the case.
// - There is no syslogd: after daemon(3) what goes to syslog only is lost,
//   as on a FreeBSD host where syslogd does not run.
// - The pid file is not locked (pidfile(3)'s flock): a second inetd with
//   the same pid file is not refused.
// - The signal pipe is the handler's queue of flags, read when select(2)
//   returns EINTR; alarm(3) is select's timeout.
// - debug's print_service shows the builtin's name where FreeBSD prints
//   its function's address.

import fs from "node:fs";
import path from "node:path";
import { EINTR, EWOULDBLOCK, strerror } from "../kern/errno.ts";
import { AF_INET, AF_INET6, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_DEBUG, SO_REUSEADDR } from "../kern/socket.ts";
import { SIGALRM, SIGCHLD, SIGHUP, sys_sigaction } from "../kern/kern_sig.ts";
import { CLOCK_MONOTONIC, CLOCK_REALTIME, sys_clock_gettime } from "../kern/kern_time.ts";
import {
  F_GETFL,
  F_SETFL,
  O_NONBLOCK,
  POLLIN,
  sys_accept,
  sys_bind,
  sys_close,
  sys_fcntl,
  sys_getpeername,
  sys_listen,
  sys_poll,
  sys_setsockopt,
  sys_socket,
  type pollfd,
  type proc,
} from "../kern/uipc_syscalls.ts";
import { IPPROTO_IPV6, IPV6_V6ONLY } from "../netinet6/ip6_var.ts";
import { sockaddr_in } from "../netinet/in.ts";
import { sockaddr_in6 } from "../netinet6/in6_var.ts";
import { AI_PASSIVE, NI_NUMERICHOST, daemon, fork_child, gai_strerror, getaddrinfo, getgrnam, getnameinfo, getopt, getpwnam, prog_exit, prog_run, strtol, wait3_nohang, type prog_ctx } from "./libc.ts";
import { getservbyname } from "./netdb.ts";
import { biltins, type biltin } from "./inetd_builtins.ts";

// inetd.c's limits.
const TOOMANY = 256;
const CNT_INTVL = 60;
const RETRYTIME = 60 * 10;
const MAX_MAXCHLD = 32767;
const MAXARGV = 20;
// sysexits.h
const EX_USAGE = 64;
const EX_DATAERR = 65;
// syslog.h priorities (only their order matters here).
const LOG_ERR = 3;
const LOG_WARNING = 4;
const LOG_NOTICE = 5;
const LOG_INFO = 6;

const _PATH_INETDCONF = "/etc/inetd.conf";
const _PATH_INETDPID = "/var/run/inetd.pid";

/** struct servtab, as far as the services here need it. */
interface servtab {
  se_service: string;
  se_socktype: number;
  se_family: number;
  se_proto: string;
  /** tcp6 without tcp46: IPV6_V6ONLY. */
  se_nomapped: boolean;
  se_accept: number;
  se_maxchild: number;
  se_maxcpm: number;
  se_maxperip: number;
  se_user: string;
  se_group: string | null;
  se_server: string;
  se_argv: string[];
  se_bi: biltin | null;
  se_fd: number;
  se_ctrladdr: sockaddr_in | sockaddr_in6;
  se_count: number;
  se_time: number;
  se_checked: boolean;
  se_numchild: number;
  se_pids: number[];
}

/** How the child runs an external server: execv(2) of `path` with `argv`,
 *  the connection `fd` as its standard input, output and error (see the
 *  header); the server's exit status, or the errno the exec failed with. */
export type inetd_exec_fn = (p: proc, path: string, argv: string[], fd: number, env: Map<string, string>) => Promise<{ error: number; status: number }>;

interface inetd_state {
  ctx: prog_ctx;
  exec_server: inetd_exec_fn;
  debug: boolean;
  dolog: boolean;
  /** openlog's LOG_PERROR: syslog also writes to standard error. */
  perror: boolean;
  options: number;
  toomany: number;
  maxchild: number;
  maxcpm: number;
  config_file: string;
  /** The working directory relative names are read from. */
  cwd: string;
  bind_sa4: sockaddr_in | null;
  bind_sa6: sockaddr_in6 | null;
  servtab: servtab[];
  /** FD_SET allsock: the descriptors select(2) waits on. */
  allsock: Set<number>;
  timingout: boolean;
  /** alarm(3): when SIGALRM is due (monotonic ns), or 0. */
  alarm_ns: number;
  /** The signal pipe: flags the handlers queued ('A', 'C', 'H'). */
  sigflags: string[];
  /** cpmip's table: per service and address, the starts in each CHTGRAN
   *  interval of the last CHTSIZE. */
  cpm: Map<string, { ticks: number; count: number }[]>;
}

function kp(st: inetd_state): proc {
  return st.ctx.p as proc;
}

/** syslog(3) with LOG_PID, and LOG_PERROR while it is on. */
function syslog(st: inetd_state, _pri: number, msg: string): void {
  if (st.perror) st.ctx.stderr.write(`inetd[${kp(st).p_pid}]: ${msg}\n`);
}

/** warnx(3) (debug output). */
function warnx(st: inetd_state, msg: string): void {
  st.ctx.stderr.write(`inetd: ${msg}\n`);
}

function now_sec(st: inetd_state, clock: number): number {
  const t = sys_clock_gettime(kp(st), clock);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/** getvalue: a non-negative number, or the complaint `whine` and 1. */
function getvalue(st: inetd_state, arg: string, set: (v: number) => void, whine: string): number {
  // An int from strtol(arg, &p, 0): negative, or anything after the
  // number, is refused.
  const r = strtol(arg, 0);
  const v = Number(BigInt.asIntN(32, r.l));
  if (v < 0 || r.rest !== "") {
    syslog(st, LOG_ERR, whine.replace("%s", arg));
    return 1;
  }
  set(v);
  return 0;
}

export function make_inetd_main(exec_server: inetd_exec_fn) {
  return (ctx: prog_ctx): Promise<number> => inetd_main(ctx, exec_server);
}

async function inetd_main(ctx: prog_ctx, exec_server: inetd_exec_fn): Promise<number> {
  return prog_run(ctx, async () => {
    const st: inetd_state = {
      ctx,
      exec_server,
      debug: false,
      dolog: false,
      perror: true,
      options: 0,
      toomany: TOOMANY,
      maxchild: -1,
      maxcpm: -1,
      config_file: _PATH_INETDCONF,
      cwd: "/",
      bind_sa4: null,
      bind_sa6: null,
      servtab: [],
      allsock: new Set(),
      timingout: false,
      alarm_ns: 0,
      sigflags: [],
      cpm: new Map(),
    };
    let hostname: string | null = null;
    let pid_file = _PATH_INETDPID;
    const usage = (): never => {
      syslog(st, LOG_ERR, "usage: inetd [-dlwW] [-a address] [-R rate] [-c maximum] [-C rate] [-p pidfile] [conf-file]");
      throw new prog_exit(EX_USAGE);
    };
    const { opts, optind } = getopt(ctx, "dlR:a:c:C:p:", usage);
    for (const [c, v] of opts) {
      if (c === "d") {
        st.debug = true;
        st.options |= SO_DEBUG;
      } else if (c === "l") st.dolog = true;
      else if (c === "R") getvalue(st, v, (n) => (st.toomany = n), "-R %s: bad value for service invocation rate");
      else if (c === "c") getvalue(st, v, (n) => (st.maxchild = n), "-c %s: bad value for maximum children");
      else if (c === "C") getvalue(st, v, (n) => (st.maxcpm = n), "-C %s: bad value for maximum children/minute");
      else if (c === "a") hostname = v;
      else if (c === "p") pid_file = v;
    }
    // The wildcard (or -a's) addresses to bind, one per family.
    const gai = getaddrinfo(ctx.p, hostname, hostname === null ? "0" : null, { ai_flags: AI_PASSIVE, ai_socktype: SOCK_STREAM });
    if (gai.error !== 0) {
      syslog(st, LOG_ERR, `-a ${hostname ?? "(null)"}: ${gai_strerror(gai.error)}`);
      throw new prog_exit(EX_USAGE);
    }
    for (const ai of gai.res) {
      if (ai.ai_addr instanceof sockaddr_in6) st.bind_sa6 ??= new sockaddr_in6(ai.ai_addr.sin6_addr, 0, ai.ai_addr.sin6_scope_id);
      else st.bind_sa4 ??= new sockaddr_in(ai.ai_addr.sin_addr, 0);
    }
    if (st.bind_sa4 === null && st.bind_sa6 === null) {
      syslog(st, LOG_ERR, `-a ${hostname ?? "(null)"}: unknown address family`);
      throw new prog_exit(EX_USAGE);
    }
    const args = ctx.argv.slice(optind);
    const cwd = ctx.cwd ?? ctx.env.get("PWD") ?? process.cwd();
    if (args.length > 0) st.config_file = args[0];
    try {
      fs.accessSync(path.resolve(cwd, st.config_file), fs.constants.R_OK);
    } catch (e) {
      syslog(st, LOG_ERR, `Accessing ${st.config_file}: ${errmsg(e)}, continuing anyway.`);
    }
    if (!st.debug) {
      // pidfile_open before daemon(3): a relative name is the caller's.
      const pidpath = path.resolve(cwd, pid_file);
      let pfh = true;
      try {
        fs.writeFileSync(pidpath, "", { mode: 0o600 });
      } catch (e) {
        pfh = false;
        syslog(st, LOG_WARNING, `pidfile_open() failed: ${errmsg(e)}`);
      }
      const d = daemon(ctx, 0, 0);
      if (d.ret < 0) syslog(st, LOG_WARNING, `daemon(0,0) failed: ${strerror(d.errno)}`);
      // From now on, syslog only (closelog; openlog without LOG_PERROR).
      st.perror = false;
      if (pfh) {
        try {
          fs.writeFileSync(pidpath, `${kp(st).p_pid}\n`);
        } catch (e) {
          syslog(st, LOG_WARNING, `pidfile_write(): ${errmsg(e)}`);
        }
      }
    }
    // The config file is read from where daemon(3) left us ("/").
    st.cwd = ctx.cwd ?? cwd;
    const p = kp(st);
    sys_sigaction(p, SIGALRM, () => st.sigflags.push("A"));
    config(st);
    sys_sigaction(p, SIGHUP, () => st.sigflags.push("H"));
    sys_sigaction(p, SIGCHLD, () => st.sigflags.push("C"));
    for (;;) await select_once(st);
  });
}

function errmsg(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT") return "No such file or directory";
  if (code === "EACCES") return "Permission denied";
  if (code === "EISDIR") return "Is a directory";
  return e instanceof Error ? e.message : String(e);
}

/** One pass of main's loop: select(2), the signal flags, each ready service. */
async function select_once(st: inetd_state): Promise<void> {
  const p = kp(st);
  const fds: pollfd[] = [...st.allsock].sort((a, b) => a - b).map((fd) => ({ fd, events: POLLIN, revents: 0 }));
  let timo = -1;
  if (st.alarm_ns !== 0) {
    const now = sys_clock_gettime(p, CLOCK_MONOTONIC);
    timo = Math.max(1, st.alarm_ns - (now.tv_sec * 1e9 + now.tv_nsec));
  }
  const r = await sys_poll(p, fds, timo);
  if (st.alarm_ns !== 0) {
    const now = sys_clock_gettime(p, CLOCK_MONOTONIC);
    if (now.tv_sec * 1e9 + now.tv_nsec >= st.alarm_ns) {
      st.alarm_ns = 0;
      st.sigflags.push("A");
    }
  }
  // The signal pipe.
  while (st.sigflags.length > 0) {
    const c = st.sigflags.shift();
    if (st.debug) warnx(st, `handling signal flag ${c}`);
    if (c === "A") retry(st);
    else if (c === "C") reapchild(st);
    else if (c === "H") config(st);
  }
  if (r.error !== 0) {
    if (r.error !== EINTR) syslog(st, LOG_WARNING, `select: ${strerror(r.error)}`);
    return;
  }
  if (r.n <= 0) return;
  const ready = new Set(fds.filter((f) => f.revents !== 0).map((f) => f.fd));
  for (const sep of [...st.servtab]) {
    if (sep.se_fd === -1 || !ready.has(sep.se_fd) || !st.allsock.has(sep.se_fd)) continue;
    await serve(st, sep);
  }
}

/** A service's socket is readable: accept, then run the service. */
async function serve(st: inetd_state, sep: servtab): Promise<void> {
  const p = kp(st);
  if (st.debug) warnx(st, `someone wants ${sep.se_service}`);
  const dofork = sep.se_bi === null || sep.se_bi.bi_fork !== 0;
  let ctrl: number;
  if (sep.se_accept !== 0 && sep.se_socktype === SOCK_STREAM) {
    const fl = sys_fcntl(p, sep.se_fd, F_GETFL, 0).value;
    sys_fcntl(p, sep.se_fd, F_SETFL, fl | O_NONBLOCK);
    const a = sys_accept(p, sep.se_fd);
    if (st.debug) warnx(st, `accept, ctrl ${a.error === 0 ? a.fd : -1}`);
    sys_fcntl(p, sep.se_fd, F_SETFL, fl & ~O_NONBLOCK);
    if (a.error !== 0) {
      if (a.error !== EINTR && a.error !== EWOULDBLOCK) syslog(st, LOG_WARNING, `accept (for ${sep.se_service}): ${strerror(a.error)}`);
      return;
    }
    ctrl = a.fd;
    const cfl = sys_fcntl(p, ctrl, F_GETFL, 0).value;
    sys_fcntl(p, ctrl, F_SETFL, cfl & ~O_NONBLOCK);
    if (cpmip(st, sep, ctrl) < 0) {
      sys_close(p, ctrl);
      return;
    }
  } else ctrl = sep.se_fd;
  if (st.dolog) {
    const peer = sys_getpeername(p, ctrl).sa;
    let pname = "unknown";
    if (peer instanceof sockaddr_in || peer instanceof sockaddr_in6) pname = getnameinfo(p, peer, NI_NUMERICHOST).host;
    syslog(st, LOG_INFO, `${sep.se_service} from ${pname}`);
  }
  let pid = 0;
  const bi = sep.se_bi;
  if (dofork) {
    if (sep.se_count++ === 0) sep.se_time = now_sec(st, CLOCK_MONOTONIC);
    else if (st.toomany > 0 && sep.se_count >= st.toomany) {
      const now = now_sec(st, CLOCK_MONOTONIC);
      if (Math.trunc(now) - Math.trunc(sep.se_time) > CNT_INTVL) {
        sep.se_time = now;
        sep.se_count = 1;
      } else {
        syslog(st, LOG_ERR, `${sep.se_service}/${sep.se_proto} server failing (looping), service terminated`);
        if (sep.se_accept !== 0 && sep.se_socktype === SOCK_STREAM) sys_close(p, ctrl);
        close_sep(st, sep);
        if (!st.timingout) {
          st.timingout = true;
          alarm(st, RETRYTIME);
        }
        return;
      }
    }
    // The child: the service on ctrl, then _exit(0); it closes what it
    // inherited of the parent's as it exits.
    const fd = ctrl;
    pid = fork_child(p, async (child) => {
      const cp = child as proc;
      for (const s of st.servtab) if (s.se_fd >= 0 && s.se_fd !== fd) sys_close(cp, s.se_fd);
      sys_sigaction(cp, SIGALRM, null);
      sys_sigaction(cp, SIGCHLD, null);
      sys_sigaction(cp, SIGHUP, null);
      if (bi !== null) {
        await bi.bi_fn(cp, fd, sep, (from, s) => check_loop(st, from, s));
        return 0;
      }
      // execv(se_server, se_argv) with the connection as 0, 1 and 2.
      const r = await st.exec_server(cp, sep.se_server, sep.se_argv, fd, st.ctx.env);
      if (r.error !== 0) {
        syslog(st, LOG_ERR, `cannot execute ${sep.se_server}: ${strerror(r.error)}`);
        return 0;
      }
      return r.status;
    });
    addchild(st, sep, pid);
  } else if (bi !== null) {
    await bi.bi_fn(p, ctrl, sep, (from, s) => check_loop(st, from, s));
  }
  if (sep.se_accept !== 0 && sep.se_socktype === SOCK_STREAM) sys_close(p, ctrl);
}

/** alarm(3). */
function alarm(st: inetd_state, secs: number): void {
  const now = sys_clock_gettime(kp(st), CLOCK_MONOTONIC);
  st.alarm_ns = now.tv_sec * 1e9 + now.tv_nsec + secs * 1e9;
}

/** A new child of sep's; at its limit, the service stops accepting. */
function addchild(st: inetd_state, sep: servtab, pid: number): void {
  if (sep.se_maxchild <= 0) return;
  sep.se_pids.push(pid);
  sep.se_numchild++;
  if (sep.se_numchild === sep.se_maxchild) disable(st, sep);
}

/** SIGCHLD: every child that ended leaves its service's list. */
function reapchild(st: inetd_state): void {
  for (let w = wait3_nohang(kp(st)); w !== null; w = wait3_nohang(kp(st))) {
    if (st.debug) warnx(st, `${w.pid} reaped, ${(w.status & 0x7f) !== 0 ? "signaled" : "status"} ${(w.status & 0x7f) !== 0 ? w.status & 0x7f : w.status >> 8}`);
    for (const sep of st.servtab) {
      const k = sep.se_pids.indexOf(w.pid);
      if (k < 0) continue;
      if (sep.se_numchild === sep.se_maxchild) enable(st, sep);
      sep.se_pids.splice(k, 1);
      sep.se_numchild--;
      if (w.status !== 0) syslog(st, LOG_WARNING, `${sep.se_server}[${w.pid}]: exited, ${(w.status & 0x7f) !== 0 ? `signal ${w.status & 0x7f}` : `status ${w.status >> 8}`}`);
      break;
    }
  }
}

function enable(st: inetd_state, sep: servtab): void {
  if (st.debug) warnx(st, `enabling ${sep.se_service}, fd ${sep.se_fd}`);
  st.allsock.add(sep.se_fd);
}

function disable(st: inetd_state, sep: servtab): void {
  if (st.debug) warnx(st, `disabling ${sep.se_service}, fd ${sep.se_fd}`);
  st.allsock.delete(sep.se_fd);
}

/** SIGALRM: the services that failed to bind or were looping get another go. */
function retry(st: inetd_state): void {
  st.timingout = false;
  for (const sep of st.servtab) if (sep.se_fd === -1) setup(st, sep);
}

/** Open, bind and (stream) listen on sep's socket, and select on it. */
function setup(st: inetd_state, sep: servtab): void {
  const p = kp(st);
  const s = sys_socket(p, sep.se_family, sep.se_socktype, 0);
  if (s.error !== 0) {
    if (st.debug) warnx(st, `socket failed on ${sep.se_service}/${sep.se_proto}: ${strerror(s.error)}`);
    syslog(st, LOG_ERR, `${sep.se_service}/${sep.se_proto}: socket: ${strerror(s.error)}`);
    return;
  }
  sep.se_fd = s.fd;
  let e = sys_setsockopt(p, s.fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (e !== 0) syslog(st, LOG_ERR, `setsockopt (SO_REUSEADDR): ${strerror(e)}`);
  if (st.debug) {
    e = sys_setsockopt(p, s.fd, SOL_SOCKET, SO_DEBUG, 1);
    if (e !== 0) syslog(st, LOG_ERR, `setsockopt (SO_DEBUG): ${strerror(e)}`);
  }
  if (sep.se_family === AF_INET6) {
    e = sys_setsockopt(p, s.fd, IPPROTO_IPV6, IPV6_V6ONLY, sep.se_nomapped ? 1 : 0);
    if (e !== 0) syslog(st, LOG_WARNING, `setsockopt (IPV6_V6ONLY): ${strerror(e)}`);
  }
  e = sys_bind(p, s.fd, sep.se_ctrladdr);
  if (e !== 0) {
    if (st.debug) warnx(st, `bind failed on ${sep.se_service}/${sep.se_proto}: ${strerror(e)}`);
    syslog(st, LOG_ERR, `${sep.se_service}/${sep.se_proto}: bind: ${strerror(e)}`);
    sys_close(p, s.fd);
    sep.se_fd = -1;
    if (!st.timingout) {
      st.timingout = true;
      alarm(st, RETRYTIME);
    }
    return;
  }
  if (sep.se_socktype === SOCK_STREAM) sys_listen(p, s.fd, -1);
  enable(st, sep);
  if (st.debug) warnx(st, `registered ${sep.se_server} on ${sep.se_fd}`);
}

/** Close a service's socket (its children keep theirs). */
function close_sep(st: inetd_state, sep: servtab): void {
  if (sep.se_fd >= 0) {
    st.allsock.delete(sep.se_fd);
    sys_close(kp(st), sep.se_fd);
    sep.se_fd = -1;
  }
  sep.se_count = 0;
  sep.se_numchild = 0;
  sep.se_pids = [];
}

function print_service(st: inetd_state, action: string, sep: servtab): void {
  st.ctx.stderr.write(
    `${action}: ${sep.se_service} proto=${sep.se_proto} accept=${sep.se_accept} max=${sep.se_maxchild} user=${sep.se_user} group=${sep.se_group ?? "(null)"}class=daemon builtin=${sep.se_bi === null ? "0x0" : sep.se_bi.bi_service} server=${sep.se_server}\n`,
  );
}

/** config(): (re)read the configuration and make the services match it. */
function config(st: inetd_state): void {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(st.cwd, st.config_file), "utf8");
  } catch (e) {
    syslog(st, LOG_ERR, `${st.config_file}: ${errmsg(e)}`);
    return;
  }
  for (const sep of st.servtab) sep.se_checked = false;
  const cf = new config_reader(text);
  for (let nw = getconfigent(st, cf); nw !== null; nw = getconfigent(st, cf)) {
    if (getpwnam(nw.se_user) === null) {
      syslog(st, LOG_ERR, `${nw.se_service}/${nw.se_proto}: no such user '${nw.se_user}', service ignored`);
      continue;
    }
    if (nw.se_group !== null && getgrnam(nw.se_group) === null) {
      syslog(st, LOG_ERR, `${nw.se_service}/${nw.se_proto}: no such group '${nw.se_group}', service ignored`);
      continue;
    }
    let sep = st.servtab.find((s) => s.se_service === nw.se_service && s.se_proto === nw.se_proto && s.se_socktype === nw.se_socktype && s.se_family === nw.se_family) ?? null;
    if (sep !== null) {
      // Outstanding children carry over, up to the new limit.
      if (sep.se_maxchild > 0 && nw.se_maxchild > 0) {
        nw.se_numchild = Math.min(sep.se_numchild, nw.se_maxchild);
        nw.se_pids = sep.se_pids.slice(0, nw.se_numchild);
      }
      sep.se_pids = nw.se_pids;
      sep.se_maxchild = nw.se_maxchild;
      sep.se_numchild = nw.se_numchild;
      sep.se_maxcpm = nw.se_maxcpm;
      sep.se_maxperip = nw.se_maxperip;
      sep.se_bi = nw.se_bi;
      // The service may have to be turned on or off now.
      if (sep.se_fd >= 0) {
        if (sep.se_maxchild > 0 && sep.se_numchild === sep.se_maxchild) {
          if (st.allsock.has(sep.se_fd)) disable(st, sep);
        } else if (!st.allsock.has(sep.se_fd)) enable(st, sep);
      }
      sep.se_accept = nw.se_accept;
      sep.se_user = nw.se_user;
      sep.se_group = nw.se_group;
      sep.se_server = nw.se_server;
      sep.se_argv = nw.se_argv;
      if (st.debug) print_service(st, "REDO", sep);
    } else {
      sep = nw;
      st.servtab.push(sep);
      if (st.debug) print_service(st, "ADD ", sep);
    }
    sep.se_checked = true;
    const port = getservbyname(sep.se_service, sep.se_proto);
    if (port === null) {
      syslog(st, LOG_ERR, `${sep.se_service}/${sep.se_proto}: unknown service`);
      sep.se_checked = false;
      continue;
    }
    const old = sep.se_ctrladdr instanceof sockaddr_in ? sep.se_ctrladdr.sin_port : sep.se_ctrladdr.sin6_port;
    if (old !== port) {
      if (sep.se_ctrladdr instanceof sockaddr_in) sep.se_ctrladdr.sin_port = port;
      else sep.se_ctrladdr.sin6_port = port;
      if (sep.se_fd >= 0) close_sep(st, sep);
    }
    if (sep.se_fd === -1) setup(st, sep);
  }
  // What the file no longer names goes.
  for (const sep of st.servtab.slice()) {
    if (sep.se_checked) continue;
    st.servtab.splice(st.servtab.indexOf(sep), 1);
    if (sep.se_fd >= 0) close_sep(st, sep);
    if (st.debug) print_service(st, "FREE", sep);
  }
}

/** inetd.conf as getconfigent reads it: lines, with arguments continued on
 *  lines that start with a blank. */
class config_reader {
  private readonly lines: string[];
  private i = 0;
  constructor(text: string) {
    this.lines = text.split("\n");
    if (this.lines[this.lines.length - 1] === "") this.lines.pop();
  }
  nextline(): string | null {
    return this.i < this.lines.length ? this.lines[this.i++] : null;
  }
  /** Does the next line continue this entry (start with a blank)? */
  continues(): boolean {
    const l = this.lines[this.i];
    return l !== undefined && (l[0] === " " || l[0] === "\t");
  }
}

/** skip(): the next word of the entry, quoted or not; null at its end. */
function skip(cf: config_reader, cur: { s: string }): string | null {
  for (;;) {
    cur.s = cur.s.replace(/^[ \t]+/, "");
    if (cur.s !== "") break;
    if (!cf.continues()) return null;
    cur.s = cf.nextline() ?? "";
  }
  let quote = "";
  if (cur.s[0] === '"' || cur.s[0] === "'") {
    quote = cur.s[0];
    cur.s = cur.s.slice(1);
  }
  let end = 0;
  if (quote !== "") while (end < cur.s.length && cur.s[end] !== quote) end++;
  else while (end < cur.s.length && cur.s[end] !== " " && cur.s[end] !== "\t") end++;
  const w = cur.s.slice(0, end);
  cur.s = cur.s.slice(end + 1);
  return w;
}

/** sskip(): a word that must be there; a syntax error ends inetd. */
function sskip(st: inetd_state, cf: config_reader, cur: { s: string }): string {
  const w = skip(cf, cur);
  if (w === null) {
    syslog(st, LOG_ERR, `${st.config_file}: syntax error`);
    throw new prog_exit(EX_DATAERR);
  }
  return w;
}

/** getconfigent(): the next service entry the file describes, or null at
 *  its end; a bad entry is logged and skipped. */
function getconfigent(st: inetd_state, cf: config_reader): servtab | null {
  more: for (;;) {
    let line: string | null;
    do {
      line = cf.nextline();
      if (line === null) return null;
    } while (line.startsWith("#") || /^[ \t]*$/.test(line));
    const cur = { s: line };
    const cfg = st.config_file;
    const sep: servtab = {
      se_service: "",
      se_socktype: -1,
      se_family: AF_INET,
      se_proto: "",
      se_nomapped: false,
      se_accept: 0,
      se_maxchild: -1,
      se_maxcpm: -1,
      se_maxperip: -1,
      se_user: "",
      se_group: null,
      se_server: "",
      se_argv: [],
      se_bi: null,
      se_fd: -1,
      se_ctrladdr: new sockaddr_in(0, 0),
      se_count: 0,
      se_time: 0,
      se_checked: false,
      se_numchild: 0,
      se_pids: [],
    };
    let arg = sskip(st, cf, cur);
    if (arg.startsWith("tcpmux/")) {
      syslog(st, LOG_ERR, `internal service ${arg} unknown`);
      continue more;
    }
    sep.se_service = arg;
    arg = sskip(st, cf, cur);
    sep.se_socktype = arg === "stream" ? SOCK_STREAM : arg === "dgram" ? SOCK_DGRAM : arg === "rdm" ? 4 : arg === "seqpacket" ? 5 : arg === "raw" ? 3 : -1;
    arg = sskip(st, cf, cur);
    let proto = arg;
    if (arg.startsWith("tcp")) {
      const slash = arg.indexOf("/");
      proto = slash < 0 ? arg : arg.slice(0, slash);
      if (slash >= 0 && arg.slice(slash + 1) === "faith") {
        syslog(st, LOG_ERR, "faith has been deprecated");
        continue more;
      }
    } else if (arg.startsWith("faith/")) {
      syslog(st, LOG_ERR, "faith has been deprecated");
      continue more;
    }
    if (proto.startsWith("rpc/")) {
      syslog(st, LOG_ERR, `${sep.se_service}/${proto.slice(4)} unknown RPC service.`);
      continue more;
    }
    if (proto === "unix") {
      syslog(st, LOG_ERR, `${sep.se_service}/${proto}: socket: ${strerror(47)}`);
      continue more;
    }
    let v4bind = false;
    let v6bind = false;
    while (/[0-9]$/.test(proto)) {
      const last = proto[proto.length - 1];
      if (last === "6") v6bind = true;
      else if (last === "4") v4bind = true;
      else {
        syslog(st, LOG_ERR, `bad IP version for ${proto}`);
        continue more;
      }
      proto = proto.slice(0, -1);
    }
    sep.se_proto = proto;
    if (v6bind && st.bind_sa6 === null) {
      syslog(st, LOG_INFO, `IPv6 bind is ignored for ${sep.se_service}`);
      if (v4bind && st.bind_sa4 !== null) v6bind = false;
      else continue more;
    }
    if (v6bind) {
      sep.se_family = AF_INET6;
      sep.se_nomapped = !v4bind || st.bind_sa4 === null;
      const b = st.bind_sa6 as sockaddr_in6;
      sep.se_ctrladdr = new sockaddr_in6(b.sin6_addr, 0, b.sin6_scope_id);
    } else {
      if (st.bind_sa4 === null) {
        syslog(st, LOG_NOTICE, `IPv4 bind is ignored for ${sep.se_service}`);
        continue more;
      }
      sep.se_family = AF_INET;
      sep.se_ctrladdr = new sockaddr_in(st.bind_sa4.sin_addr, 0);
    }
    arg = sskip(st, cf, cur);
    if (arg.startsWith("wait")) sep.se_accept = 0;
    else if (arg.startsWith("nowait")) sep.se_accept = 1;
    else {
      syslog(st, LOG_ERR, `${cfg}: bad wait/nowait for service ${sep.se_service}`);
      continue more;
    }
    const slash = arg.indexOf("/");
    if (slash >= 0) {
      const m = /^[0-9]+/.exec(arg.slice(slash + 1));
      const val = m === null ? -1 : Number(m[0]);
      if (m === null || val > MAX_MAXCHLD) {
        syslog(st, LOG_ERR, `${cfg}: bad max-child for service ${sep.se_service}`);
        continue more;
      }
      if (st.debug && sep.se_accept === 0 && val !== 1) warnx(st, `maxchild=${val} for wait service ${sep.se_service} not recommended`);
      sep.se_maxchild = val;
      let rest = arg.slice(slash + 1 + m[0].length);
      if (rest[0] === "/") {
        const c = /^[+-]?[0-9]*/.exec(rest.slice(1)) as RegExpExecArray;
        sep.se_maxcpm = Number(c[0]) || 0;
        rest = rest.slice(1 + c[0].length);
      }
      if (rest[0] === "/") {
        syslog(st, LOG_ERR, `${cfg}: max-child-per-ip for service ${sep.se_service} is not supported here`);
        continue more;
      }
    }
    let user = sskip(st, cf, cur);
    const cls = user.lastIndexOf("/");
    if (cls >= 0) {
      if (user.slice(cls + 1) !== "daemon" && user.slice(cls + 1) !== "default") {
        syslog(st, LOG_ERR, `${sep.se_service}/${sep.se_proto}: ${user.slice(cls + 1)}: login class error`);
        continue more;
      }
      user = user.slice(0, cls);
    }
    const colon = user.lastIndexOf(":");
    if (colon >= 0) {
      sep.se_group = user.slice(colon + 1);
      user = user.slice(0, colon);
    }
    sep.se_user = user;
    sep.se_server = sskip(st, cf, cur);
    if (sep.se_server === "internal") {
      const bi = biltins.find((b) => b.bi_socktype === sep.se_socktype && b.bi_service === sep.se_service) ?? null;
      if (bi === null) {
        syslog(st, LOG_ERR, `internal service ${sep.se_service} unknown`);
        continue more;
      }
      sep.se_accept = 1; // builtins are always in accept mode
      sep.se_bi = bi;
    } else if (sep.se_accept === 0 || sep.se_socktype !== SOCK_STREAM) {
      syslog(st, LOG_ERR, `${sep.se_service}/${sep.se_proto}: server program ${sep.se_server} cannot be run here (wait service: no exec with the socket as stdin)`);
      continue more;
    }
    if (sep.se_maxcpm < 0) sep.se_maxcpm = st.maxcpm;
    if (sep.se_maxchild < 0) {
      const bi = sep.se_bi;
      if (bi !== null && bi.bi_maxchild >= 0) sep.se_maxchild = bi.bi_maxchild;
      else if (sep.se_accept !== 0) sep.se_maxchild = Math.max(st.maxchild, 0);
      else sep.se_maxchild = 1;
    }
    for (let a = skip(cf, cur); a !== null; a = skip(cf, cur)) {
      if (sep.se_argv.length >= MAXARGV) {
        syslog(st, LOG_ERR, `${cfg}: too many arguments for service ${sep.se_service}`);
        continue more;
      }
      sep.se_argv.push(a);
    }
    return sep;
  }
}

/** A datagram from one of our own datagram builtins' ports would start
 *  a loop between two of them: refused (check_loop). */
function check_loop(st: inetd_state, from: sockaddr_in | sockaddr_in6, sep: { se_service: string; se_proto: string }): boolean {
  const port = from instanceof sockaddr_in ? from.sin_port : from.sin6_port;
  for (const se2 of st.servtab) {
    if (se2.se_bi === null || se2.se_socktype !== SOCK_DGRAM) continue;
    const p2 = se2.se_ctrladdr instanceof sockaddr_in ? se2.se_ctrladdr.sin_port : se2.se_ctrladdr.sin6_port;
    if ((se2.se_family === AF_INET) !== from instanceof sockaddr_in || p2 !== port) continue;
    const pname = getnameinfo(kp(st), from, NI_NUMERICHOST).host;
    syslog(st, LOG_WARNING, `${sep.se_service}/${sep.se_proto}:${se2.se_service}/${se2.se_proto} loop request REFUSED from ${pname}`);
    return true;
  }
  return false;
}

// cpmip: connections per minute from one address, counted in CHTSIZE
// intervals of CHTGRAN seconds.
const CHTGRAN = 10;
const CHTSIZE = 6;

function cpmip(st: inetd_state, sep: servtab, ctrl: number): number {
  if (sep.se_maxcpm <= 0) return 0;
  const peer = sys_getpeername(kp(st), ctrl).sa;
  if (!(peer instanceof sockaddr_in) && !(peer instanceof sockaddr_in6)) return 0;
  const pname = getnameinfo(kp(st), peer, NI_NUMERICHOST).host;
  const key = `${sep.se_service}\0${pname}`;
  let times = st.cpm.get(key);
  if (times === undefined) st.cpm.set(key, (times = Array.from({ length: CHTSIZE }, () => ({ ticks: 0, count: 0 }))));
  const ticks = Math.trunc(Math.trunc(now_sec(st, CLOCK_REALTIME)) / CHTGRAN);
  const ct = times[ticks % CHTSIZE];
  if (ct.ticks !== ticks) {
    ct.ticks = ticks;
    ct.count = 0;
  }
  ct.count++;
  let cnt = 0;
  for (const t of times) if (t.ticks <= ticks && t.ticks >= ticks - CHTSIZE) cnt += t.count;
  if ((cnt * 60) / (CHTSIZE * CHTGRAN) > sep.se_maxcpm) {
    syslog(st, LOG_ERR, `${sep.se_service} from ${pname} exceeded counts/min (limit ${sep.se_maxcpm}/min)`);
    return -1;
  }
  return 0;
}
