// sys/kern/uipc_syscalls.c, with the process and descriptor-table pieces of
// sys/kern/kern_descrip.c, kern_exit.c, kern_fork.c (fork1's copy of the
// descriptor table) and kern_jail.c (jail_attach) that the socket calls
// need: the system calls userland makes on sockets.
//
// A process (struct proc) has a credential, whose prison decides the vnet
// its new sockets live in (CRED_TO_VNET), a FIB (setfib), and a descriptor
// table.  Every call that touches a socket runs in the socket's vnet, so a
// descriptor passed to another jail keeps talking to the stack it was made
// in.  A process in a jail holds the jail (prison_proc_hold); exiting closes
// every descriptor first, so a jail whose last process leaves finds no
// sockets in its vnet when it dies.
//
// Departures: nothing blocks in the kernel.  recvfrom on an empty socket
// returns EAGAIN; sys_poll is the one call that waits (on the virtual
// clock, see kern_synch.ts).  Descriptors 0-2 are userland's stdio and are
// never handed out for sockets.

import { EALREADY, EBADF, EFAULT, EINPROGRESS, EINTR, EINVAL, ENOBUFS, EPIPE, EMFILE, ENAMETOOLONG, ENOTCONN, ENOTSOCK, EOPNOTSUPP, EWOULDBLOCK } from "./errno.ts";
import { KASSERT } from "./subr_prf.ts";
import { thread, type ucred } from "./kern_prot.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLTYPE_OPAQUE, SYSCTL_OUT, SYSCTL_PROC, _kern, type sysctl_req } from "./sysctl.ts";
import type { prison } from "./kern_jail.ts";
import { CRED_TO_VNET, jailed, jail_detach_proc, prison_proc_hold, sys_jail_attach } from "./kern_jail.ts";
import { AF_INET, AF_INET6, AF_NETGRAPH, AF_UNSPEC, MSG_CTRUNC, MSG_NOSIGNAL, SO_NOSIGPIPE, SA_FAMILY, SA_LEN, SOCK_CLOEXEC, SOCK_MAXADDRLEN, SOCK_NONBLOCK, sockaddr_generic, type sockaddr } from "./socket.ts";
import { callout_stop, nanouptime_ns, type callout } from "./kern_timeout.ts";
import { MCLBYTES, MLEN, MT_CONTROL, type mbuf } from "./mbuf.ts";
import { m_freem, m_get, m_getcl } from "./kern_mbuf.ts";
import { M_NOWAIT } from "./uma.ts";
import { tsleep } from "./kern_synch.ts";
import { SIGCHLD, SIGPIPE, kern_psignal, postsig, proc_setparent, sig_fork } from "./kern_sig.ts";
import { proc_realparent } from "./kern_procctl.ts";
import {
  ACCEPT4_INHERIT,
  PR_ATOMIC,
  SS_ASYNC,
  soclose_linger,
  SOLISTENING,
  SOPT_GET,
  soaccept,
  sockaddr_out,
  solisten,
  solisten_dequeue,
  SOPT_SET,
  SS_ISCONNECTED,
  SS_ISCONNECTING,
  SS_NBIO,
  selrecord,
  sobind,
  soconnect,
  socreate,
  sogetopt,
  soreadable,
  soreceive,
  soreceive_out,
  sosend,
  sosetopt,
  soshutdown,
  sockopt,
  uio,
  type socket,
} from "./uipc_socket.ts";
import { rts_readable, soo_close, soo_ioctl, soo_poll, so_route_input, so_route_output } from "./sys_socket.ts";
import { rt_numfibs_hook } from "../net/if.ts";
import { CURVNET_RESTORE, CURVNET_SET } from "../net/vnet.ts";
import { sockaddr_in } from "../netinet/in.ts";

import { sockaddr_dl } from "../net/if_dl.ts";
import { NGSA_OVERHEAD, sockaddr_ng } from "../netgraph/ng_socket.ts";
import type { rt_msghdr } from "../net/rtsock.ts";
import { sockaddr_in6 } from "../netinet6/in6_var.ts";

/** sys/file.h */
export const DTYPE_SOCKET = 2;
export const FREAD = 0x0001;
export const FWRITE = 0x0002;
export const FNONBLOCK = 0x0004;

/** struct file for a socket. */
export class file {
  f_type = DTYPE_SOCKET;
  f_flag = FREAD | FWRITE;
  f_count = 1;
  /** close-on-exec (a descriptor flag in FreeBSD, kept here). */
  f_cloexec = false;
  constructor(public f_data: socket) {}
}

/** The first descriptor a socket may get: 0-2 are stdio. */
const FD_FIRST = 3;
/** RLIMIT_NOFILE for the simulated processes. */
const FD_MAX = 1024;

/** struct proc, reduced to what the socket calls consult. */
export class proc {
  p_fd: (file | null)[] = [null, null, null];
  /** The thread the calls run on (its td_ucred follows p_ucred). */
  readonly p_td: thread;
  /** setfib(2): the FIB new sockets use. */
  p_fibnum = 0;
  p_exited = false;
  /** setitimer(2)'s ITIMER_REAL (kern_time.ts): when it fires next (ns of
   *  uptime, 0: not armed), its interval, and the callout that fires it. */
  p_realtimer = { it_value_ns: 0, it_interval_ns: 0 };
  p_itcallout: callout | null = null;
  constructor(
    public p_pid: number,
    public p_comm: string,
    public p_ucred: ucred,
  ) {
    this.p_td = new thread(p_ucred, p_pid + 100000, p_comm);
  }
}

/** allproc: the live processes, in creation order. */
export const allproc: proc[] = [];
let nextpid = 100;

/** fork+exec of a program with credential cred: a process with an empty
 *  descriptor table.  A jailed credential holds its prison. */
export function proc_create(cred: ucred, comm: string, want_pid = 0): proc {
  // A process that stands for a host one may take the host's pid (what a
  // script's $! holds), when no simulated process has it.
  const taken = (pid: number): boolean => allproc.some((q) => q.p_pid === pid);
  let pid = want_pid;
  if (!(pid > 0 && pid <= 0x7fffffff && Number.isInteger(pid)) || taken(pid)) {
    do pid = nextpid++;
    while (taken(pid));
  }
  const p = new proc(pid, comm, cred);
  if (jailed(cred)) prison_proc_hold(cred.cr_prison);
  allproc.push(p);
  return p;
}

/** exit(2): close every descriptor, then let go of the jail. */
export function proc_exit(p: proc): void {
  if (p.p_exited) return;
  for (let fd = 0; fd < p.p_fd.length; fd++) if (p.p_fd[fd] !== null) kern_close(p, fd);
  p.p_exited = true;
  // exit1: a real interval timer still armed goes with the process.
  if (p.p_itcallout !== null) callout_stop(p.p_itcallout);
  p.p_realtimer.it_value_ns = 0;
  const i = allproc.indexOf(p);
  if (i >= 0) allproc.splice(i, 1);
  if (jailed(p.p_ucred)) jail_detach_proc(p.p_ucred.cr_prison);
}

/**
 * fork(2), the kernel's half: a new process with the parent's credential
 * (holding its jail), FIB and command name, sharing every open file with
 * it (fdcopy: each file gains a reference), a child of the parent.  The
 * other half, which of the two goes on running the program's code, is the
 * program runner's (sbin/programs.ts): an async function cannot return
 * twice, so a program only forks where the parent's side ends at once in
 * _exit (daemon(3)), and its code goes on as the child.
 */
export function sys_fork(p: proc): proc {
  const child = proc_create(p.p_ucred, p.p_comm);
  child.p_fibnum = p.p_fibnum;
  child.p_fd = p.p_fd.map((fp) => {
    if (fp !== null) fp.f_count++;
    return fp;
  });
  proc_setparent(child, p);
  sig_fork(p, child);
  return child;
}

/** _exit(2) (kern_exit.c's exit1): the process ends, closing what it
 *  holds, and its parent, if still there, gets SIGCHLD. */
export function sys_exit(p: proc): void {
  if (p.p_exited) return;
  proc_exit(p);
  // The parent, or, for an orphan, the reaper exit reparented it to.
  const pp = proc_realparent(p);
  if (pp !== null && !pp.p_exited) kern_psignal(pp, SIGCHLD);
}

/** jail_attach(2) for a running process (what jexec does): the process
 *  moves to the prison; sockets it already has stay in their vnets. */
export function sys_jail_attach_proc(p: proc, jid: number): number {
  const cr = sys_jail_attach(p.p_ucred, jid);
  if (typeof cr === "number") return cr;
  const old = p.p_ucred;
  p.p_ucred = cr;
  p.p_td.td_ucred = cr;
  if (jailed(old)) jail_detach_proc(old.cr_prison);
  return 0;
}

/** setfib(2). */
export function sys_setfib(p: proc, fibnum: number): number {
  // net.fibs is per vnet: ask the caller's.
  const saved = CURVNET_SET(CRED_TO_VNET(p.p_ucred), "sys_setfib");
  try {
    if (fibnum < 0 || fibnum >= rt_numfibs_hook()) return EINVAL;
  } finally {
    CURVNET_RESTORE(saved);
  }
  p.p_fibnum = fibnum;
  return 0;
}

// ---------------------------------------------------------------------------
// Descriptors.

function fdalloc(p: proc): number {
  for (let fd = FD_FIRST; fd < p.p_fd.length; fd++) if (p.p_fd[fd] === null) return fd;
  if (p.p_fd.length >= FD_MAX) return -1;
  p.p_fd.push(null);
  return p.p_fd.length - 1;
}

/** getsock(td, fd): the socket behind a descriptor, or EBADF/ENOTSOCK. */
function getsock(p: proc, fd: number): { error: number; so: socket | null } {
  if (!Number.isInteger(fd) || fd < 0 || fd >= p.p_fd.length) return { error: EBADF, so: null };
  const fp = p.p_fd[fd];
  if (fp === null) return { error: EBADF, so: null };
  if (fp.f_type !== DTYPE_SOCKET) return { error: ENOTSOCK, so: null };
  return { error: 0, so: fp.f_data };
}

/** The socket behind a descriptor (for sockstat/netstat-like callers and
 *  tests), or null. */
export function fd_socket(p: proc, fd: number): socket | null {
  return getsock(p, fd).so;
}

function fdrop(fp: file): number {
  KASSERT(fp.f_count > 0, "fdrop: count 0");
  if (--fp.f_count > 0) return 0;
  return soo_close(fp.f_data);
}

function kern_close(p: proc, fd: number): number {
  const fp = p.p_fd[fd];
  if (fp === null) return EBADF;
  p.p_fd[fd] = null;
  return fdrop(fp);
}

/**
 * The bytes of a sockaddr after sa_len and sa_family (sa_data and on), as
 * copyin would see them; used only when an address is read as another
 * family than its layout (a sockaddr_in handed to a PF_NETGRAPH call).
 */
function sa_data_bytes(sa: sockaddr): Uint8Array {
  const n = Math.max(SA_LEN(sa) - 2, 0);
  const b = new Uint8Array(n);
  let v: ArrayLike<number> = [];
  if ("sin_addr" in sa) v = [(sa.sin_port >>> 8) & 255, sa.sin_port & 255, sa.sin_addr >>> 24, (sa.sin_addr >>> 16) & 255, (sa.sin_addr >>> 8) & 255, sa.sin_addr & 255, ...(sa.sin_zero ?? [])];
  else if ("sin6_addr" in sa) {
    const f = sa.sin6_flowinfo >>> 0;
    const z = sa.sin6_scope_id >>> 0;
    v = [(sa.sin6_port >>> 8) & 255, sa.sin6_port & 255, f >>> 24, (f >>> 16) & 255, (f >>> 8) & 255, f & 255, ...sa.sin6_addr.s6_addr, z >>> 24, (z >>> 16) & 255, (z >>> 8) & 255, z & 255];
  }
  else if ("sg_data" in sa) v = new TextEncoder().encode(sa.sg_data);
  else if ("sdl_index" in sa) v = [sa.sdl_index & 255, (sa.sdl_index >>> 8) & 255, sa.sdl_type, sa.sdl_nlen, sa.sdl_lladdr.length, sa.sdl_slen, ...new TextEncoder().encode(sa.sdl_data), ...sa.sdl_lladdr];
  for (let i = 0; i < n && i < v.length; i++) b[i] = v[i];
  return b;
}

/**
 * A copy of an address, laid out for its family: the kernel's copyin of a
 * struct sockaddr (getsockaddr) and the copyout of one (recvfrom,
 * getsockname).  An AF_INET (or AF_UNSPEC) address is a sockaddr_in and an
 * AF_NETGRAPH one a sockaddr_ng whatever object the caller used, as C reads
 * the same bytes through either struct.
 */
export function sa_dup(sa: sockaddr): sockaddr {
  const family = SA_FAMILY(sa);
  const len = SA_LEN(sa);
  if ("sin_addr" in sa && family !== AF_NETGRAPH && family !== AF_INET6) {
    const sin = new sockaddr_in(sa.sin_addr >>> 0, sa.sin_port & 0xffff);
    sin.sin_len = len;
    sin.sin_family = family;
    if (sa.sin_zero !== null) sin.sin_zero = sa.sin_zero.slice(0, 8);
    return sin;
  }
  if ("sin6_addr" in sa && family === AF_INET6) {
    const sin6 = new sockaddr_in6(sa.sin6_addr, sa.sin6_port & 0xffff, sa.sin6_scope_id >>> 0);
    sin6.sin6_len = len;
    sin6.sin6_flowinfo = sa.sin6_flowinfo >>> 0;
    return sin6;
  }
  if ("sg_data" in sa && family === AF_NETGRAPH) return new sockaddr_ng(sa.sg_data, len);
  if (family === AF_NETGRAPH) {
    const b = sa_data_bytes(sa);
    const z = b.indexOf(0);
    return new sockaddr_ng(new TextDecoder().decode(z < 0 ? b : b.subarray(0, z)), len);
  }
  if (family === AF_INET6) {
    // Another layout read as a sockaddr_in6: the bytes after the family.
    const b = sa_data_bytes(sa);
    const dv = new DataView(b.buffer);
    const sin6 = new sockaddr_in6();
    sin6.sin6_len = len;
    if (b.length >= 2) sin6.sin6_port = dv.getUint16(0, false);
    if (b.length >= 6) sin6.sin6_flowinfo = dv.getUint32(2, false);
    for (let i = 0; i < 16 && 6 + i < b.length; i++) sin6.sin6_addr.s6_addr[i] = b[6 + i];
    if (b.length >= 26) sin6.sin6_scope_id = dv.getUint32(22, false);
    return sin6;
  }
  if (family === AF_INET || family === AF_UNSPEC) {
    const b = sa_data_bytes(sa);
    const dv = new DataView(b.buffer);
    const sin = new sockaddr_in(b.length >= 6 ? dv.getUint32(2, false) : 0, b.length >= 2 ? dv.getUint16(0, false) : 0);
    sin.sin_len = len;
    sin.sin_family = family;
    return sin;
  }
  if ("sdl_index" in sa) {
    const d = new sockaddr_dl(sa.sdl_index, sa.sdl_type, sa.sdl_data, sa.sdl_lladdr.slice());
    d.sdl_len = len;
    d.sdl_family = family;
    return d;
  }
  const g = new sockaddr_generic(family);
  g.sa_len = len;
  return g;
}

/**
 * getsockaddr(): the kernel's own copy of the caller's address (protocols
 * may scribble on it, as in_pcbbind_setup does).  sa_len plays the part of
 * the call's namelen: longer than SOCK_MAXADDRLEN is ENAMETOOLONG, shorter
 * than the sa_len and sa_family bytes EINVAL.
 */
function getsockaddr(sa: sockaddr): { error: number; sa: sockaddr | null } {
  const len = SA_LEN(sa);
  if (!Number.isInteger(len) || len > SOCK_MAXADDRLEN) return { error: ENAMETOOLONG, sa: null };
  if (len < NGSA_OVERHEAD) return { error: EINVAL, sa: null };
  return { error: 0, sa: sa_dup(sa) };
}

// ---------------------------------------------------------------------------
// The system calls.

/** socket(2): a new socket in the caller's vnet, at the lowest free fd. */
export function sys_socket(p: proc, domain: number, type: number, protocol: number): { error: number; fd: number } {
  let cloexec = false;
  let nonblock = false;
  if ((type & SOCK_CLOEXEC) !== 0) {
    type &= ~SOCK_CLOEXEC;
    cloexec = true;
  }
  if ((type & SOCK_NONBLOCK) !== 0) {
    type &= ~SOCK_NONBLOCK;
    nonblock = true;
  }
  const fd = fdalloc(p);
  if (fd < 0) return { error: EMFILE, fd: -1 };
  const { error, so } = socreate(domain, type, protocol, p.p_ucred, p.p_td, p.p_fibnum);
  if (error !== 0 || so === null) return { error, fd: -1 };
  const fp = new file(so);
  fp.f_cloexec = cloexec;
  if (nonblock) {
    fp.f_flag |= FNONBLOCK;
    so.so_state |= SS_NBIO;
  }
  p.p_fd[fd] = fp;
  return { error: 0, fd };
}

/** bind(2): the address is copied in before the descriptor is looked at. */
export function sys_bind(p: proc, fd: number, sa: sockaddr): number {
  const a = getsockaddr(sa);
  if (a.sa === null) return a.error;
  const { error, so } = getsock(p, fd);
  if (so === null) return error;
  return sobind(so, a.sa, p.p_td);
}

/** listen(2). */
export function sys_listen(p: proc, fd: number, backlog: number): number {
  const { error, so } = getsock(p, fd);
  if (so === null) return error;
  return solisten(so, backlog, p.p_td);
}

/**
 * kern_accept4(td, s, flags): the first completed connection of a
 * listening socket on a new descriptor, with the peer's address.  EINVAL
 * when the socket does not listen; EWOULDBLOCK (EAGAIN) when nothing is
 * ready: the kernel never sleeps, the caller polls for POLLIN.
 */
function kern_accept4(p: proc, s: number, flags: number): { error: number; fd: number; sa: sockaddr | null } {
  const { error: e, so: head } = getsock(p, s);
  if (head === null) return { error: e, fd: -1, sa: null };
  if (!SOLISTENING(head)) return { error: EINVAL, fd: -1, sa: null };
  const fd = fdalloc(p);
  if (fd < 0) return { error: EMFILE, fd: -1, sa: null };
  const d = solisten_dequeue(head, flags);
  if (d.so === null) return { error: d.error, fd: -1, sa: null };
  const so = d.so;
  const fp = new file(so);
  const headfp = p.p_fd[s];
  if ((flags & ACCEPT4_INHERIT) !== 0) {
    if (headfp !== null) fp.f_flag = headfp.f_flag;
  } else {
    fp.f_flag &= ~FNONBLOCK;
    if ((flags & SOCK_NONBLOCK) !== 0) fp.f_flag |= FNONBLOCK;
  }
  fp.f_cloexec = (flags & SOCK_CLOEXEC) !== 0;
  // fo_ioctl(FIONBIO): the socket's non-blocking mode follows the file's.
  if ((fp.f_flag & FNONBLOCK) !== 0) so.so_state |= SS_NBIO;
  else so.so_state &= ~SS_NBIO;
  p.p_fd[fd] = fp;
  const nam = new sockaddr_out();
  const error = soaccept(so, nam);
  if (error !== 0) {
    kern_close(p, fd);
    return { error, fd: -1, sa: null };
  }
  const sa = nam.sa === null ? null : nam.sa instanceof sockaddr_in || nam.sa instanceof sockaddr_in6 ? nam.sa : sa_dup(nam.sa);
  return { error: 0, fd, sa };
}

/** accept(2): the new descriptor inherits the listener's O_NONBLOCK. */
export function sys_accept(p: proc, s: number): { error: number; fd: number; sa: sockaddr | null } {
  return kern_accept4(p, s, ACCEPT4_INHERIT);
}

/** accept4(2): SOCK_NONBLOCK and SOCK_CLOEXEC set the new descriptor's
 *  flags; any other flag is EINVAL. */
export function sys_accept4(p: proc, s: number, flags: number): { error: number; fd: number; sa: sockaddr | null } {
  if ((flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) !== 0) return { error: EINVAL, fd: -1, sa: null };
  return kern_accept4(p, s, flags);
}

/**
 * connect(2) (kern_connectat).  A datagram socket may connect again
 * (re-targeting it); a second connect while one is under way is EALREADY.
 * A connection the protocol could not finish at once returns EINPROGRESS
 * whether or not the socket is non-blocking: where FreeBSD sleeps for a
 * blocking socket, the caller goes on in sys_connect_wait.
 */
export function sys_connect(p: proc, fd: number, sa: sockaddr): number {
  const a = getsockaddr(sa);
  if (a.sa === null) return a.error;
  const { error: e, so } = getsock(p, fd);
  if (so === null) return e;
  if ((so.so_state & SS_ISCONNECTING) !== 0) return EALREADY;
  let error = soconnect(so, a.sa, p.p_td);
  if (error === 0) {
    if ((so.so_state & SS_ISCONNECTING) !== 0) return EINPROGRESS;
    error = so.so_error;
    so.so_error = 0;
  }
  so.so_state &= ~SS_ISCONNECTING;
  return error;
}

/**
 * The sleeping half of a blocking connect(2): wait (virtual time) until
 * the connection is up or failed, then return so_error as kern_connectat
 * does.  A non-blocking socket does not wait: EINPROGRESS, and the caller
 * polls for POLLOUT and reads SO_ERROR.
 */
export async function sys_connect_wait(p: proc, fd: number): Promise<number> {
  const { error: e, so } = getsock(p, fd);
  if (so === null) return e;
  if ((so.so_state & SS_NBIO) !== 0 && (so.so_state & SS_ISCONNECTING) !== 0) return EINPROGRESS;
  let error = 0;
  while ((so.so_state & SS_ISCONNECTING) !== 0 && so.so_error === 0) {
    // Sleep on the process, as poll does, so that a signal ends the wait
    // too: soisconnected and soisdisconnected wake both buffers' pollers.
    selrecord(p, so.so_rdsel);
    selrecord(p, so.so_wrsel);
    error = await tsleep(p, 0);
    seldrain_proc(p, [so]);
    if (postsig(p)) {
      // Interrupted: the connection goes on (FreeBSD leaves it connecting).
      return EINTR;
    }
    if (error !== 0 && error !== EWOULDBLOCK) break;
    error = 0;
  }
  if (error === 0) {
    error = so.so_error;
    so.so_error = 0;
  }
  so.so_state &= ~SS_ISCONNECTING;
  return error;
}

/**
 * sousrsend's epilogue for send(2)/write(2): a stream that took part of
 * the data reports the short count, not EWOULDBLOCK/EINTR; EPIPE raises
 * SIGPIPE unless SO_NOSIGPIPE or MSG_NOSIGNAL.
 */
function sousrsend_done(p: proc, so: socket, error: number, sent: number, flags: number): number {
  if (error !== 0) {
    if (sent > 0 && (so.so_proto.pr_flags & PR_ATOMIC) === 0 && (error === EINTR || error === EWOULDBLOCK)) error = 0;
    if (error === EPIPE && (so.so_options & SO_NOSIGPIPE) === 0 && (flags & MSG_NOSIGNAL) === 0) kern_psignal(p, SIGPIPE);
  }
  return error;
}

/** sendto(2): one datagram.  len is what was sent (all of buf) on success. */
export function sys_sendto(p: proc, fd: number, buf: Uint8Array, flags: number, to: sockaddr | null): { error: number; len: number } {
  // sendit(): the address first, then the descriptor (kern_sendit).
  let to_k: sockaddr | null = null;
  if (to !== null) {
    const a = getsockaddr(to);
    if (a.sa === null) return { error: a.error, len: 0 };
    to_k = a.sa;
  }
  const { error: e, so } = getsock(p, fd);
  if (so === null) return { error: e, len: 0 };
  const u = new uio(buf);
  let error = sosend(so, to_k, u, null, null, flags, p.p_td);
  error = sousrsend_done(p, so, error, buf.length - u.uio_resid, flags);
  return { error, len: error === 0 ? buf.length - u.uio_resid : 0 };
}

/** write(2) on a socket: send(2) with no flags. */
export function sys_write(p: proc, fd: number, buf: Uint8Array): { error: number; len: number } {
  return sys_sendto(p, fd, buf, 0, null);
}

/**
 * read(2) on a socket (soo_read): soreceive with no flags into a buffer
 * of len bytes; the bytes read (an empty array at end of stream).
 */
export function sys_read(p: proc, fd: number, len: number): { error: number; data: Uint8Array | null } {
  const r = sys_recvfrom(p, fd, len, 0);
  return { error: r.error, data: r.data };
}

// fcntl(2) (sys/fcntl.h)
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const FD_CLOEXEC = 1;
export const O_NONBLOCK = FNONBLOCK;
export const O_APPEND = 0x0008;
export const O_ASYNC = 0x0040;
export const FASYNC = O_ASYNC;

/**
 * fcntl(2) on a descriptor: F_GETFD/F_SETFD (close-on-exec), F_GETFL/F_SETFL
 * (O_NONBLOCK and O_ASYNC reach the socket as FIONBIO/FIOASYNC, as
 * kern_fcntl's fo_ioctl calls do).  The result is the value for the GET
 * commands.
 */
export function sys_fcntl(p: proc, fd: number, cmd: number, arg: number): { error: number; value: number } {
  if (!Number.isInteger(fd) || fd < 0 || fd >= p.p_fd.length) return { error: EBADF, value: -1 };
  const fp = p.p_fd[fd];
  if (fp === null) return { error: EBADF, value: -1 };
  switch (cmd) {
    case F_GETFD:
      return { error: 0, value: fp.f_cloexec ? FD_CLOEXEC : 0 };
    case F_SETFD:
      fp.f_cloexec = (arg & FD_CLOEXEC) !== 0;
      return { error: 0, value: 0 };
    case F_GETFL:
      // OFLAGS: O_RDWR (2) for a socket's FREAD|FWRITE, plus the status flags.
      return { error: 0, value: ((fp.f_flag & (FREAD | FWRITE)) - 1) | (fp.f_flag & (FNONBLOCK | FASYNC)) };
    case F_SETFL: {
      fp.f_flag = (fp.f_flag & ~(FNONBLOCK | FASYNC)) | (arg & (FNONBLOCK | FASYNC));
      const so = fp.f_data;
      if ((fp.f_flag & FNONBLOCK) !== 0) so.so_state |= SS_NBIO;
      else so.so_state &= ~SS_NBIO;
      if ((fp.f_flag & FASYNC) !== 0) so.so_state |= SS_ASYNC;
      else so.so_state &= ~SS_ASYNC;
      return { error: 0, value: 0 };
    }
  }
  return { error: EINVAL, value: -1 };
}

/**
 * recvfrom(2): the next datagram, at most len bytes of it (the rest is
 * dropped: flags gets MSG_TRUNC; with MSG_TRUNC in the request, `len` in
 * the result is the datagram's real length).  EAGAIN when nothing is
 * queued: the kernel never sleeps here.
 */
export function sys_recvfrom(
  p: proc,
  fd: number,
  len: number,
  flags: number,
): { error: number; data: Uint8Array | null; from: sockaddr | null; flags: number; len: number } {
  const { error: e, so } = getsock(p, fd);
  if (so === null) return { error: e, data: null, from: null, flags: 0, len: 0 };
  if (!Number.isInteger(len) || len < 0) return { error: EINVAL, data: null, from: null, flags: 0, len: 0 };
  const buf = new Uint8Array(len);
  const u = new uio(buf);
  const out = new soreceive_out();
  out.flags = flags;
  const error = soreceive(so, u, out);
  if (error !== 0) return { error, data: null, from: null, flags: 0, len: 0 };
  const data = u.uio_offset === len ? buf : buf.slice(0, u.uio_offset);
  // An IPv4 or IPv6 source is the caller's already; others are copied out.
  const psa = out.psa;
  const from = psa === null || psa instanceof sockaddr_in || psa instanceof sockaddr_in6 ? psa : sa_dup(psa);
  return { error: 0, data, from, flags: out.flags, len: out.reclen };
}

/**
 * recvmsg(2): recvfrom's datagram and, in up to controllen bytes, its
 * ancillary data (struct cmsghdr records, as an amd64 kernel lays them
 * out); what does not fit is cut and flags gets MSG_CTRUNC.
 */
export function sys_recvmsg(
  p: proc,
  fd: number,
  len: number,
  controllen: number,
  flags: number,
): { error: number; data: Uint8Array | null; from: sockaddr | null; control: Uint8Array; flags: number; len: number } {
  const none = new Uint8Array(0);
  const { error: e, so } = getsock(p, fd);
  if (so === null) return { error: e, data: null, from: null, control: none, flags: 0, len: 0 };
  if (!Number.isInteger(len) || len < 0 || !Number.isInteger(controllen) || controllen < 0) return { error: EINVAL, data: null, from: null, control: none, flags: 0, len: 0 };
  const buf = new Uint8Array(len);
  const u = new uio(buf);
  const out = new soreceive_out();
  out.flags = flags;
  out.want_control = true;
  const error = soreceive(so, u, out);
  if (error !== 0) return { error, data: null, from: null, control: none, flags: 0, len: 0 };
  const data = u.uio_offset === len ? buf : buf.slice(0, u.uio_offset);
  const psa = out.psa;
  const from = psa === null || psa instanceof sockaddr_in || psa instanceof sockaddr_in6 ? psa : sa_dup(psa);
  // Copy the control mbufs out while they fit (kern_recvit).
  let oflags = out.flags;
  let clen = 0;
  for (let c = out.control; c !== null; c = c.m_next) clen += c.m_len;
  let control = none;
  if (out.control !== null) {
    const n = Math.min(clen, controllen);
    control = new Uint8Array(n);
    let off = 0;
    for (let c: mbuf | null = out.control; c !== null && off < n; c = c.m_next) {
      const l = Math.min(c.m_len, n - off);
      control.set(c.m_buf.subarray(c.m_data, c.m_data + l), off);
      off += l;
    }
    if (clen > controllen) oflags |= MSG_CTRUNC;
    m_freem(out.control);
  }
  return { error: 0, data, from, control, flags: oflags, len: out.reclen };
}

/**
 * sendmsg(2): sendto with ancillary data (struct cmsghdr records, as an
 * amd64 program lays them out) for the protocol.
 */
export function sys_sendmsg(p: proc, fd: number, buf: Uint8Array, control: Uint8Array | null, flags: number, to: sockaddr | null): { error: number; len: number } {
  let to_k: sockaddr | null = null;
  if (to !== null) {
    const a = getsockaddr(to);
    if (a.sa === null) return { error: a.error, len: 0 };
    to_k = a.sa;
  }
  const { error: e, so } = getsock(p, fd);
  if (so === null) return { error: e, len: 0 };
  let c: mbuf | null = null;
  if (control !== null && control.length > 0) {
    // sockargs(MT_CONTROL): one mbuf (a cluster when it needs one).
    if (control.length > MCLBYTES) return { error: EINVAL, len: 0 };
    c = control.length > MLEN ? m_getcl(M_NOWAIT, MT_CONTROL, 0) : m_get(M_NOWAIT, MT_CONTROL);
    if (c === null) return { error: ENOBUFS, len: 0 };
    c.m_buf.set(control, c.m_data);
    c.m_len = control.length;
  }
  const u = new uio(buf);
  let error = sosend(so, to_k, u, null, c, flags, p.p_td);
  error = sousrsend_done(p, so, error, buf.length - u.uio_resid, flags);
  return { error, len: error === 0 ? buf.length - u.uio_resid : 0 };
}

/** setsockopt(2): val is a number for int options, bytes for the others. */
export function sys_setsockopt(p: proc, fd: number, level: number, name: number, val: number | Uint8Array | null): number {
  const { error, so } = getsock(p, fd);
  if (so === null) return error;
  const sopt = new sockopt(SOPT_SET, level, name, p.p_td);
  sopt.sopt_val = val;
  sopt.sopt_valsize = val === null ? 0 : typeof val === "number" ? 4 : val.length;
  if (val === null && sopt.sopt_valsize !== 0) return EFAULT;
  return sosetopt(so, sopt);
}

/**
 * getsockopt(2): a number for int options, bytes for the others.  With
 * `buf`, the call is getsockopt(s, level, name, buf, &len) with len =
 * buf.length: the kernel reads the request from buf and writes its answer
 * into buf in place (as IP_FW3 and IP_DUMMYNET3 do, even when they fail with
 * ENOMEM to say how much room they need); val is then buf cut to the length
 * the kernel set.
 */
export function sys_getsockopt(p: proc, fd: number, level: number, name: number, buf?: Uint8Array): { error: number; val: number | Uint8Array | null } {
  const { error: e, so } = getsock(p, fd);
  if (so === null) return { error: e, val: null };
  const sopt = new sockopt(SOPT_GET, level, name, p.p_td);
  if (buf !== undefined) {
    sopt.sopt_val = buf;
    sopt.sopt_valsize = buf.length;
    const error = sogetopt(so, sopt);
    return { error, val: buf.subarray(0, Math.min(sopt.sopt_valsize, buf.length)) };
  }
  sopt.sopt_valsize = 65535;
  const error = sogetopt(so, sopt);
  return { error, val: error === 0 ? sopt.sopt_val : null };
}

/** getsockname(2). */
export function sys_getsockname(p: proc, fd: number): { error: number; sa: sockaddr | null } {
  const { error, so } = getsock(p, fd);
  if (so === null) return { error, sa: null };
  const f = so.so_proto.pr_sockaddr;
  if (f === undefined) return { error: EOPNOTSUPP, sa: null };
  const saved = CURVNET_SET(so.so_vnet, "kern_getsockname");
  const sa = f(so);
  CURVNET_RESTORE(saved);
  return typeof sa === "number" ? { error: sa, sa: null } : { error: 0, sa };
}

/** getpeername(2): ENOTCONN unless connected. */
export function sys_getpeername(p: proc, fd: number): { error: number; sa: sockaddr | null } {
  const { error, so } = getsock(p, fd);
  if (so === null) return { error, sa: null };
  if ((so.so_state & SS_ISCONNECTED) === 0) return { error: ENOTCONN, sa: null };
  const f = so.so_proto.pr_peeraddr;
  if (f === undefined) return { error: EOPNOTSUPP, sa: null };
  const saved = CURVNET_SET(so.so_vnet, "kern_getpeername");
  const sa = f(so);
  CURVNET_RESTORE(saved);
  return typeof sa === "number" ? { error: sa, sa: null } : { error: 0, sa };
}

/** shutdown(2). */
export function sys_shutdown(p: proc, fd: number, how: number): number {
  const { error, so } = getsock(p, fd);
  if (so === null) return error;
  return soshutdown(so, how);
}

/** ioctl(2) on a socket: file ioctls, interface ioctls (ifconfig), the
 *  protocol's.  data is the request structure (struct ifreq, in_aliasreq,
 *  or { value } for the int ioctls) and is updated in place. */
export function sys_ioctl(p: proc, fd: number, cmd: number, data: object): number {
  const { error, so } = getsock(p, fd);
  if (so === null) return error;
  return soo_ioctl(so, cmd >>> 0, data, p.p_ucred, p.p_td);
}

/** A write of a routing message on a PF_ROUTE socket (route(8)). */
export function sys_route(p: proc, fd: number, msg: rt_msghdr): { error: number; reply: rt_msghdr | null } {
  const { error, so } = getsock(p, fd);
  if (so === null) return { error, reply: null };
  return so_route_output(so, p.p_ucred, p.p_pid, msg);
}

/** A read on a PF_ROUTE socket: the next routing message the vnet sent
 *  (changes made by others, interface arrivals and departures, and the
 *  answers to our own writes while SO_USELOOPBACK is on).  EAGAIN when
 *  none is waiting. */
export function sys_route_recv(p: proc, fd: number): { error: number; msg: rt_msghdr | null } {
  const { error, so } = getsock(p, fd);
  if (so === null) return { error, msg: null };
  const saved = CURVNET_SET(so.so_vnet, "soreceive");
  try {
    return so_route_input(so);
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/** close(2).  A lingering connected socket does not wait here: see
 *  sys_close_wait. */
export function sys_close(p: proc, fd: number): number {
  if (!Number.isInteger(fd) || fd < 0 || fd >= p.p_fd.length) return EBADF;
  return kern_close(p, fd);
}

/**
 * close(2) that may wait: when this is the socket's last descriptor and
 * it lingers (SO_LINGER with a time), the disconnect starts and the call
 * waits up to so_linger seconds of virtual time for it before the socket
 * is let go, as soclose sleeps in FreeBSD.
 */
export async function sys_close_wait(p: proc, fd: number): Promise<number> {
  if (!Number.isInteger(fd) || fd < 0 || fd >= p.p_fd.length) return EBADF;
  const fp = p.p_fd[fd];
  if (fp === null) return EBADF;
  p.p_fd[fd] = null;
  KASSERT(fp.f_count > 0, "fdrop: count 0");
  if (--fp.f_count > 0) return 0;
  const e1 = await soclose_linger(fp.f_data);
  const e2 = soo_close(fp.f_data);
  return e1 !== 0 ? e1 : e2;
}

/** Would a recvfrom find something (a datagram, an error)? */
export function so_readable(p: proc, fd: number): boolean {
  const { so } = getsock(p, fd);
  return so !== null && fd_readable(so);
}

function fd_readable(so: socket): boolean {
  return soreadable(so) || rts_readable(so);
}

// poll(2) (sys/poll.h)
export const POLLIN = 0x0001;
export const POLLPRI = 0x0002;
export const POLLOUT = 0x0004;
export const POLLERR = 0x0008;
export const POLLHUP = 0x0010;
export const POLLNVAL = 0x0020;
export const POLLRDNORM = 0x0040;
export const POLLRDBAND = 0x0080;
export const POLLWRBAND = 0x0100;
export const POLLWRNORM = POLLOUT;
/** Readable only with data: end of input alone does not count. */
export const POLLINIGNEOF = 0x2000;
export const POLLRDHUP = 0x4000;

export interface pollfd {
  fd: number;
  events: number;
  revents: number;
}

/**
 * poll(2): wait until one of the sockets is ready as asked (sopoll_generic
 * through soo_poll: readable, writable, urgent data, hung up), or timo_ns
 * of virtual time passed (negative: no limit, 0: just look).  The only
 * call that waits; it sleeps on the process, recorded on each socket's
 * selinfo, and the socket's wakeups end the sleep.
 */
export async function sys_poll(p: proc, fds: pollfd[], timo_ns: number): Promise<{ error: number; n: number }> {
  const deadline = timo_ns > 0 ? nanouptime_ns() + timo_ns : 0;
  if (postsig(p)) return { error: EINTR, n: 0 };
  const recorded: socket[] = [];
  for (;;) {
    let n = 0;
    // A first pass records the poller where nothing is ready yet; when
    // something is, the records are dropped again below.
    const chan = timo_ns === 0 ? null : p;
    for (const pfd of fds) {
      pfd.revents = 0;
      if (pfd.fd < 0) continue;
      const { so } = getsock(p, pfd.fd);
      if (so === null) {
        pfd.revents = POLLNVAL;
        n++;
        continue;
      }
      pfd.revents = soo_poll(so, pfd.events, chan);
      if ((pfd.events & (POLLIN | POLLRDNORM)) !== 0 && rts_readable(so)) pfd.revents |= pfd.events & (POLLIN | POLLRDNORM);
      if (chan !== null) recorded.push(so);
      if (pfd.revents !== 0) n++;
    }
    let left = 0;
    if (n === 0 && timo_ns > 0) left = deadline - nanouptime_ns();
    if (n > 0 || timo_ns === 0 || (timo_ns > 0 && left <= 0)) {
      seldrain_proc(p, recorded);
      return { error: 0, n };
    }
    const error = await tsleep(p, left);
    seldrain_proc(p, recorded);
    recorded.length = 0;
    // A signal (kern_sig.ts) woke us: handled, or the process ends here.
    if (postsig(p)) return { error: EINTR, n: 0 };
    if (error !== 0 && error !== EWOULDBLOCK) return { error, n: 0 };
  }
}

/** Forget the poller p on the sockets it was recorded on. */
function seldrain_proc(p: proc, sos: socket[]): void {
  for (const so of sos) {
    for (const w of [so.so_rdsel.si_waiters, so.so_wrsel.si_waiters]) {
      const i = w.indexOf(p);
      if (i >= 0) w.splice(i, 1);
    }
  }
}

/** getfib(2). */
export function sys_getfib(p: proc): number {
  return p.p_fibnum;
}

// ---------------------------------------------------------------------------
// kern.file (kern_descrip.c's sysctl_kern_file): one struct xfile per open
// descriptor of every process the caller can see (its prison and those
// below), as sockstat(1) and fstat(1) read it.  xf_data names the socket
// as xso_so does in the pcblists (so_gencnt stands for the kernel address).

export const KERN_FILE = 15;
export const XF_PID = 0;
export const XF_UID = 1;
export const XF_FD = 2;
export const XF_TYPE = 3;
export const XF_DATA = 4;
export const XFILE_LEN = 5;

function sysctl_kern_file(_oidp: unknown, _arg1: unknown, _arg2: number, req: sysctl_req): number {
  const cred = req.cred as ucred;
  const out: number[] = [];
  for (const q of allproc) {
    if (q.p_exited) continue;
    let seen = false;
    for (let pr: prison | null = q.p_ucred.cr_prison; pr !== null; pr = pr.pr_parent) if (pr === cred.cr_prison) seen = true;
    if (!seen) continue;
    for (let fd = 0; fd < q.p_fd.length; fd++) {
      const fp = q.p_fd[fd];
      if (fp === null) continue;
      out.push(q.p_pid, q.p_ucred.cr_uid, fd, fp.f_type, fp.f_data.so_gencnt);
    }
  }
  return SYSCTL_OUT(req, out);
}
SYSCTL_PROC(_kern, KERN_FILE, "file", CTLTYPE_OPAQUE | CTLFLAG_RD | CTLFLAG_MPSAFE, null, 0, sysctl_kern_file, "S,xfile", "Entire file table");
