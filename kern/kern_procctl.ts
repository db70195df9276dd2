// sys/kern/kern_procctl.c, sys/sys/procctl.h: procctl(2), the reaper
// commands.  A process that acquires the reaper role (PROC_REAP_ACQUIRE)
// takes in its descendants whose parents exit, instead of init; it can ask
// how many it has (PROC_REAP_STATUS) and signal them all at once
// (PROC_REAP_KILL).  timeout(1) is built on these: it signals the whole tree
// its command started, not only the command.
//
// Departures (the process tree is kept beside struct proc, kern_sig.ts's
// p_pptr, and an exited process stays in it):
// - p_reaper and p_reaplist are not stored but found by walking up p_pptr:
//   a process's reaper is its nearest reaper ancestor, and its real parent
//   is its parent while that lives, else its reaper, as the reparenting on
//   exit would make it.  So children forked before PROC_REAP_ACQUIRE are
//   counted as the reaper's too, where FreeBSD leaves them with init.
// - There is no init process (pids start at 100): a process with no reaper
//   ancestor reports pid 1 and REAPER_STATUS_REALINIT, as FreeBSD does.
// - Zombies are not processes here (libc keeps their status): rs_children
//   and rs_descendants count live processes.
// - Only the reaper commands and P_PID are served; others give EINVAL.
// - The target is checked with p_cansignal (its prison is visible, and
//   the caller is root or its owner), there being no p_cansee here.

import { EBUSY, EINVAL, EPERM, ESRCH } from "./errno.ts";
import { NSIG, kern_psignal, p_cansignal, proc_parent } from "./kern_sig.ts";
import { allproc, type proc } from "./uipc_syscalls.ts";

/** idtype_t */
export const P_PID = 0;

export const PROC_REAP_ACQUIRE = 2;
export const PROC_REAP_RELEASE = 3;
export const PROC_REAP_STATUS = 4;
export const PROC_REAP_KILL = 6;

/** struct procctl_reaper_status's rs_flags */
export const REAPER_STATUS_OWNED = 0x00000001;
export const REAPER_STATUS_REALINIT = 0x00000002;

/** struct procctl_reaper_kill's rk_flags */
export const REAPER_KILL_CHILDREN = 0x00000001;
export const REAPER_KILL_SUBTREE = 0x00000002;

/** The pid a process without a reaper ancestor sees as its reaper. */
const INITPID = 1;

export interface procctl_reaper_status {
  rs_flags: number;
  rs_children: number;
  rs_descendants: number;
  rs_reaper: number;
  rs_pid: number;
}

export interface procctl_reaper_kill {
  rk_sig: number;
  rk_flags: number;
  rk_subtree: number;
  rk_killed: number;
  rk_fpid: number;
}

/** P_TREE_REAPER, kept beside struct proc. */
const reapers = new WeakSet<proc>();

/** p->p_reaper: the nearest reaper above p, or null for init. */
function proc_reaper(p: proc): proc | null {
  for (let q = proc_parent(p); q !== null; q = proc_parent(q)) if (reapers.has(q)) return q;
  return null;
}

/** proc_realparent: the parent while it lives, else where exit put p (its
 *  reaper; null for init). */
export function proc_realparent(p: proc): proc | null {
  const pp = proc_parent(p);
  if (pp !== null && !pp.p_exited) return pp;
  return proc_reaper(p);
}

/** The reaper's p_reaplist, in pid order: the live processes it reaps. */
function reaplist(reap: proc): proc[] {
  return allproc.filter((q) => q !== reap && proc_reaper(q) === reap).sort((a, b) => a.p_pid - b.p_pid);
}

function reap_acquire(td: proc, p: proc): number {
  if (p !== td) return EPERM;
  if (reapers.has(p)) return EBUSY;
  reapers.add(p);
  return 0;
}

function reap_release(td: proc, p: proc): number {
  if (p !== td) return EPERM;
  if (!reapers.has(p)) return EINVAL;
  // reaper_abandon_children: what p reaped goes to p's own reaper, which
  // is where the walk up p_pptr now ends.
  reapers.delete(p);
  return 0;
}

function reap_status(p: proc, rs: procctl_reaper_status): number {
  rs.rs_flags = 0;
  let reap: proc | null;
  if (!reapers.has(p)) reap = proc_reaper(p);
  else {
    reap = p;
    rs.rs_flags |= REAPER_STATUS_OWNED;
  }
  if (reap === null) rs.rs_flags |= REAPER_STATUS_REALINIT;
  rs.rs_reaper = reap === null ? INITPID : reap.p_pid;
  rs.rs_children = 0;
  rs.rs_descendants = 0;
  rs.rs_pid = -1;
  // init's list is every process without a reaper: not walked here.
  if (reap === null) return 0;
  const list = reaplist(reap);
  if (list.length > 0) {
    const children = list.filter((q) => proc_realparent(q) === reap);
    rs.rs_pid = (children[0] ?? list[0]).p_pid;
    rs.rs_children = children.length;
    rs.rs_descendants = list.length;
  }
  return 0;
}

function reap_kill(td: proc, p: proc, rk: procctl_reaper_kill): number {
  if (rk.rk_sig <= 0 || rk.rk_sig >= NSIG || (rk.rk_flags & ~(REAPER_KILL_CHILDREN | REAPER_KILL_SUBTREE)) !== 0) return EINVAL;
  if ((rk.rk_flags & (REAPER_KILL_CHILDREN | REAPER_KILL_SUBTREE)) === (REAPER_KILL_CHILDREN | REAPER_KILL_SUBTREE)) return EINVAL;
  const reaper = reapers.has(p) ? p : proc_reaper(p);
  let error = ESRCH;
  rk.rk_killed = 0;
  rk.rk_fpid = -1;
  if (reaper === null) return error;
  let targets: proc[];
  if ((rk.rk_flags & REAPER_KILL_CHILDREN) !== 0) {
    targets = allproc.filter((q) => q !== reaper && proc_realparent(q) === reaper);
  } else {
    // The reaper's list, and the lists of the reapers in it, all the way
    // down; REAPER_KILL_SUBTREE keeps, at the top, the subtree whose
    // first process has pid rk_subtree (p_reapsubtree).
    targets = [];
    const work: proc[] = [reaper];
    while (work.length > 0) {
      const r = work.shift() as proc;
      for (const q of reaplist(r)) {
        if (r === reaper && (rk.rk_flags & REAPER_KILL_SUBTREE) !== 0 && reapsubtree(q, reaper) !== rk.rk_subtree) continue;
        if (reapers.has(q)) work.push(q);
        targets.push(q);
      }
    }
  }
  for (const q of targets) {
    const e = p_cansignal(td.p_ucred, q);
    if (e !== 0) {
      // Go on: everything that can be signalled is.
      if (error === ESRCH) {
        rk.rk_fpid = q.p_pid;
        error = e;
      }
      continue;
    }
    kern_psignal(q, rk.rk_sig);
    rk.rk_killed++;
    error = 0;
  }
  return error;
}

/** p_reapsubtree: the pid of the reaper's child that q descends from. */
function reapsubtree(q: proc, reaper: proc): number {
  let top = q;
  for (let pp = proc_parent(top); pp !== null && pp !== reaper; pp = proc_parent(pp)) top = pp;
  return top.p_pid;
}

/**
 * procctl(2) for P_PID: the reaper commands.  `data` is the command's
 * structure (a status or kill request), filled in as copyout would.
 */
export function sys_procctl(td: proc, idtype: number, id: number, com: number, data: procctl_reaper_status | procctl_reaper_kill | null): number {
  if (idtype !== P_PID) return EINVAL;
  const p = id === 0 ? td : allproc.find((q) => q.p_pid === id && !q.p_exited);
  if (p === undefined) return ESRCH;
  const e = p_cansignal(td.p_ucred, p);
  if (e !== 0) return e;
  switch (com) {
    case PROC_REAP_ACQUIRE:
      return reap_acquire(td, p);
    case PROC_REAP_RELEASE:
      return reap_release(td, p);
    case PROC_REAP_STATUS:
      if (data === null || !("rs_flags" in data)) return EINVAL;
      return reap_status(p, data);
    case PROC_REAP_KILL:
      if (data === null || !("rk_sig" in data)) return EINVAL;
      return reap_kill(td, p, data);
    default:
      return EINVAL;
  }
}
