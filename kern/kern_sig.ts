// sys/kern/kern_sig.c, sys/sys/signal.h: signals, reduced to what the
// simulated processes need: kill(2) and killall(1), jail removal killing
// what runs inside, and a daemon client that goes away or is interrupted.
//
// A signal is posted to a process (kern_psignal) and wakes it if it sleeps
// on itself (poll, nanosleep).  It is acted on when the process comes back
// from the kernel (postsig, called where a sleeping system call returns):
// a caught signal runs its handler and the call returns EINTR; an ignored
// one is dropped; every other one ends the process.  Ending a process that
// is an async function means unwinding it: postsig throws sigexit_unwind,
// which runs the program's finally blocks (closing its sockets) on the way
// out and is turned into the status 128+sig by whoever ran the program,
// as a shell reports a process killed by a signal.

import type { proc } from "./uipc_syscalls.ts";
import { allproc } from "./uipc_syscalls.ts";
import { tsleep, wakeup } from "./kern_synch.ts";
import { EINTR, EINVAL, EPERM, ESRCH } from "./errno.ts";
import { set_prison_kill_hook, type prison } from "./kern_jail.ts";
import type { ucred } from "./kern_prot.ts";
import { _kern, CTLFLAG_MPSAFE, CTLFLAG_RD, CTLTYPE_OPAQUE, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC, type sysctl_req } from "./sysctl.ts";

export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGABRT = 6;
export const SIGEMT = 7;
export const SIGFPE = 8;
export const SIGKILL = 9;
export const SIGBUS = 10;
export const SIGSEGV = 11;
export const SIGSYS = 12;
export const SIGPIPE = 13;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGURG = 16;
export const SIGSTOP = 17;
export const SIGTSTP = 18;
export const SIGCONT = 19;
export const SIGCHLD = 20;
export const SIGTTIN = 21;
export const SIGTTOU = 22;
export const SIGIO = 23;
export const SIGXCPU = 24;
export const SIGXFSZ = 25;
export const SIGVTALRM = 26;
export const SIGPROF = 27;
export const SIGWINCH = 28;
export const SIGINFO = 29;
export const SIGUSR1 = 30;
export const SIGUSR2 = 31;
export const SIGTHR = 32;
export const SIGLIBRT = 33;
/** Signals are 1 .. NSIG-1. */
export const NSIG = 32;

/** sys_signame: the names without "SIG", index = number. */
export const sys_signame = [
  "Signal 0", "hup", "int", "quit", "ill", "trap", "abrt", "emt", "fpe", "kill", "bus", "segv", "sys", "pipe",
  "alrm", "term", "urg", "stop", "tstp", "cont", "chld", "ttin", "ttou", "io", "xcpu", "xfsz", "vtalrm", "prof",
  "winch", "info", "usr1", "usr2",
];

/** Signals whose default action is to do nothing.  Stop and continue are
 *  not simulated: a stopped process would only wait forever. */
const SIG_DFL_IGNORE = (1 << SIGURG) | (1 << SIGCHLD) | (1 << SIGIO) | (1 << SIGWINCH) | (1 << SIGINFO) | (1 << SIGSTOP) | (1 << SIGTSTP) | (1 << SIGTTIN) | (1 << SIGTTOU) | (1 << SIGCONT);

/** sigprop(sig) & SIGPROP_IGNORE: does the default action do nothing? */
export function sig_default_ignores(sig: number): boolean {
  return sig > 0 && sig < NSIG && (SIG_DFL_IGNORE & (1 << sig)) !== 0;
}

/** The way a process ends when a signal kills it (see the comment above). */
export class sigexit_unwind extends Error {
  constructor(readonly sig: number) {
    super(`killed by signal ${sig}`);
  }
}

/** Per-process signal state (struct sigacts and p_siglist), kept beside
 *  struct proc. */
class sigstate {
  siglist = 0;
  handlers = new Map<number, () => void>();
  /** A process that stands for a real one (the daemon's hand-off of a
   *  host command): its signals are passed on instead of acted on. */
  forward: ((sig: number) => void) | null = null;
}
const sigstates = new WeakMap<proc, sigstate>();

function sigs(p: proc): sigstate {
  let st = sigstates.get(p);
  if (st === undefined) sigstates.set(p, (st = new sigstate()));
  return st;
}

/** kern_psignal: post sig to p and wake it if it sleeps on itself. */
export function kern_psignal(p: proc, sig: number): void {
  if (p.p_exited || sig <= 0 || sig >= NSIG) return;
  const st = sigs(p);
  if (st.forward !== null) {
    st.forward(sig);
    return;
  }
  st.siglist |= 1 << sig;
  wakeup(p_wchan.get(p) ?? p);
}

/** What each process sleeps on when it sleeps interruptibly (td_wchan). */
const p_wchan = new WeakMap<proc, object>();

/**
 * tsleep(chan, PCATCH, timo) on behalf of p: a signal to p wakes it.  A
 * caught signal makes it return EINTR; one that kills unwinds the process
 * (see postsig).  sys_poll and nanosleep sleep on p itself; a wait on some
 * other channel (a bpf descriptor) uses this to stay interruptible.
 */
export async function tsleep_catch(p: proc, chan: object, timo_ns: number): Promise<number> {
  if (postsig(p)) return EINTR;
  p_wchan.set(p, chan);
  let error: number;
  try {
    error = await tsleep(chan, timo_ns);
  } finally {
    p_wchan.delete(p);
  }
  if (postsig(p)) return EINTR;
  return error;
}

/**
 * sigsuspend(2): sleep until a signal is acted on.  A caught one runs its
 * handler and the call returns EINTR, as it always does; one whose default
 * action kills ends the process.  (Masks are not kept: a process blocks
 * signals here by sleeping nowhere else, which is how timeout(1) uses it.)
 * Under `virtnet run`, a sleeper nothing could ever wake is woken with
 * EINTR too (kern_synch.ts), where FreeBSD would sleep for ever.
 */
export async function sys_sigsuspend(p: proc): Promise<number> {
  for (;;) {
    const error = await tsleep_catch(p, p, 0);
    if (error === EINTR) return EINTR;
  }
}

/** sigaction(2), reduced: a handler run at postsig, or null for SIG_DFL. */
export function sys_sigaction(p: proc, sig: number, handler: (() => void) | null): number {
  if (sig <= 0 || sig >= NSIG || sig === SIGKILL || sig === SIGSTOP) return EINVAL;
  if (handler === null) sigs(p).handlers.delete(sig);
  else sigs(p).handlers.set(sig, handler);
  return 0;
}

/** The handler sigaction(2) would return as the old action (null: SIG_DFL). */
export function sys_sigaction_get(p: proc, sig: number): (() => void) | null {
  return sigstates.get(p)?.handlers.get(sig) ?? null;
}

/** fork(2): the child takes the parent's signal actions, none of its
 *  pending signals. */
export function sig_fork(parent: proc, child: proc): void {
  const st = sigstates.get(parent);
  if (st !== undefined) for (const [sig, h] of st.handlers) sigs(child).handlers.set(sig, h);
}

/** Pass p's signals to `fwd` (null: act on them again). */
export function sig_set_forward(p: proc, fwd: ((sig: number) => void) | null): void {
  sigs(p).forward = fwd;
}

/** Would postsig do anything for p? */
export function SIGPENDING(p: proc): boolean {
  const st = sigstates.get(p);
  return st !== undefined && st.siglist !== 0;
}

/**
 * postsig: act on p's pending signals on its way back from a sleep.  Throws
 * sigexit_unwind for one that kills; returns true if a handler ran (the
 * interrupted call then returns EINTR).
 */
export function postsig(p: proc): boolean {
  const st = sigstates.get(p);
  if (st === undefined || st.siglist === 0) return false;
  let caught = false;
  for (let sig = 1; sig < NSIG; sig++) {
    if ((st.siglist & (1 << sig)) === 0) continue;
    st.siglist &= ~(1 << sig);
    const h = st.handlers.get(sig);
    if (h !== undefined) {
      h();
      caught = true;
    } else if ((SIG_DFL_IGNORE & (1 << sig)) === 0) {
      st.siglist = 0;
      throw new sigexit_unwind(sig);
    }
  }
  return caught;
}

// ---------------------------------------------------------------------------
// The process tree (p_pptr, kept beside struct proc): who ran whom, so that a
// signal to a command reaches everything it started, as a process group.

const p_pptr = new WeakMap<proc, proc>();

/** fork(2): child's parent is parent. */
export function proc_setparent(child: proc, parent: proc): void {
  p_pptr.set(child, parent);
}

export function proc_parent(p: proc): proc | null {
  return p_pptr.get(p) ?? null;
}

/** Session leaders (setsid(2)): where a process group ends going up. */
const p_sessleader = new WeakSet<proc>();

/**
 * setsid(2) (kern_prot.c): p leads a new session and process group, so a
 * signal to the group it was started in (a shell's job, a daemon client's
 * command) no longer reaches it nor what it starts.  EPERM if it leads a
 * group already.  Returns the new session's id (p's pid) or -errno.
 */
export function sys_setsid(p: proc): number {
  if (p_sessleader.has(p)) return -EPERM;
  p_sessleader.add(p);
  return p.p_pid;
}

/** Is p in ancestor's process group: below it, with no session leader
 *  between them? */
function proc_descends(p: proc, ancestor: proc): boolean {
  for (let q: proc | null = p; q !== null; q = proc_parent(q)) {
    if (q === ancestor) return true;
    if (p_sessleader.has(q)) return false;
  }
  return false;
}

/** pgsignal: sig to root and every live process below it, leaves first. */
export function pgsignal(root: proc, sig: number): void {
  const members = allproc.filter((q) => proc_descends(q, root));
  if (!members.includes(root)) members.push(root);
  for (let i = members.length - 1; i >= 0; i--) kern_psignal(members[i], sig);
}

// ---------------------------------------------------------------------------
// Visibility and kill(2).

function prison_sees(viewer: prison, pr: prison): boolean {
  for (let q: prison | null = pr; q !== null; q = q.pr_parent) if (q === viewer) return true;
  return false;
}

/** p_cansee/p_cansignal: a jailed process sees its own prison and those
 *  below it; only root may signal another user's process. */
export function p_cansignal(cred: ucred, p: proc): number {
  if (!prison_sees(cred.cr_prison, p.p_ucred.cr_prison)) return ESRCH;
  if (cred.cr_uid !== 0 && cred.cr_uid !== p.p_ucred.cr_uid) return EPERM;
  return 0;
}

// struct kinfo_proc as kern.proc.proc exports it (what ps(1), killall(1)
// and libutil's kinfo_getallproc read): one fixed-size record of
// KINFO_PROC_LEN words per process, the command name as COMMLEN + 1
// character codes, NUL-padded.
export const KERN_PROC = 14;
export const KERN_PROC_PROC = 8;
export const COMMLEN = 19;
export const KI_PID = 0;
export const KI_UID = 1;
export const KI_JID = 2;
export const KI_COMM = 3;
export const KINFO_PROC_LEN = KI_COMM + COMMLEN + 1;

/** sysctl_kern_proc: the processes the caller can see. */
function sysctl_kern_proc(_oidp: unknown, _arg1: unknown, _arg2: number, req: sysctl_req): number {
  const cred = req.cred as ucred;
  const out: number[] = [];
  for (const q of allproc) {
    if (q.p_exited || !prison_sees(cred.cr_prison, q.p_ucred.cr_prison)) continue;
    out.push(q.p_pid, q.p_ucred.cr_uid, q.p_ucred.cr_prison.pr_id);
    for (let i = 0; i <= COMMLEN; i++) out.push(i < COMMLEN && i < q.p_comm.length ? q.p_comm.charCodeAt(i) : 0);
  }
  return SYSCTL_OUT(req, out);
}
const _kern_proc = SYSCTL_NODE(_kern, KERN_PROC, "proc", CTLFLAG_RD | CTLFLAG_MPSAFE, null, "Process table");
SYSCTL_PROC(_kern_proc, KERN_PROC_PROC, "proc", CTLTYPE_OPAQUE | CTLFLAG_RD | CTLFLAG_MPSAFE, null, 0, sysctl_kern_proc, "S,proc", "Return process table, no threads");

/**
 * kill(2) of one process by pid, or with pid -1 (killpg1's "all") of every
 * process the caller may signal except itself and init.
 */
export function sys_kill(td: proc, pid: number, sig: number): number {
  if (sig < 0 || sig >= NSIG) return EINVAL;
  if (pid === -1) {
    let found = false;
    for (const q of allproc.slice()) {
      if (q === td || q.p_exited || q.p_pid <= 1 || p_cansignal(td.p_ucred, q) !== 0) continue;
      found = true;
      if (sig !== 0) kern_psignal(q, sig);
    }
    return found ? 0 : ESRCH;
  }
  const p = allproc.find((q) => q.p_pid === pid && !q.p_exited);
  if (p === undefined) return ESRCH;
  const error = p_cansignal(td.p_ucred, p);
  if (error !== 0) return error;
  if (sig !== 0) kern_psignal(p, sig);
  return 0;
}

/** prison_remove: every process attached to the prison (or below it) gets
 *  SIGKILL, as jail -r does before the jail can go. */
export function prison_kill_procs(pr: prison): void {
  for (const q of allproc.slice()) if (prison_sees(pr, q.p_ucred.cr_prison)) kern_psignal(q, SIGKILL);
}

set_prison_kill_hook(prison_kill_procs);
