// kern_procctl: the reaper commands of procctl(2).  A reaper counts the
// processes it reaps (its children, and the orphans of those that exited),
// signals its whole subtree or only its children, and refuses what FreeBSD
// refuses (a second acquire, another process's acquire, a release by a
// process that is no reaper, bad signals and flags).
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";

function status(k: Kernel, p: InstanceType<Kernel["proc"]>) {
  const rs = { rs_flags: 0, rs_children: 0, rs_descendants: 0, rs_reaper: 0, rs_pid: 0 };
  const e = k.sys_procctl(p, k.P_PID, p.p_pid, k.PROC_REAP_STATUS, rs);
  return { e, ...rs };
}

function kill(k: Kernel, p: InstanceType<Kernel["proc"]>, sig: number, flags = 0, subtree = 0) {
  const rk = { rk_sig: sig, rk_flags: flags, rk_subtree: subtree, rk_killed: 0, rk_fpid: 0 };
  const e = k.sys_procctl(p, k.P_PID, p.p_pid, k.PROC_REAP_KILL, rk);
  return { e, killed: rk.rk_killed, fpid: rk.rk_fpid };
}

/** reaper -> child -> grandchild, and reaper -> child2. */
function tree(k: Kernel) {
  const reaper = k.proc_create(k.cred0, "timeout");
  const child = k.sys_fork(reaper);
  const grandchild = k.sys_fork(child);
  const child2 = k.sys_fork(reaper);
  return { reaper, child, grandchild, child2 };
}

for (const build of BOTH) {
  test(`${build}: acquire once, by the process itself; release only a reaper`, async (t) => {
    const k = await loadKernel(build);
    const { reaper, child } = tree(k);
    t.is(k.sys_procctl(reaper, k.P_PID, reaper.p_pid, k.PROC_REAP_RELEASE, null), k.EINVAL);
    t.is(k.sys_procctl(reaper, k.P_PID, child.p_pid, k.PROC_REAP_ACQUIRE, null), k.EPERM);
    t.is(k.sys_procctl(reaper, k.P_PID, reaper.p_pid, k.PROC_REAP_ACQUIRE, null), 0);
    t.is(k.sys_procctl(reaper, k.P_PID, reaper.p_pid, k.PROC_REAP_ACQUIRE, null), k.EBUSY);
    t.is(k.sys_procctl(reaper, 1 /* P_PPID */, reaper.p_pid, k.PROC_REAP_ACQUIRE, null), k.EINVAL);
    t.is(k.sys_procctl(reaper, k.P_PID, 99999, k.PROC_REAP_STATUS, null), k.ESRCH);
    t.is(k.sys_procctl(reaper, k.P_PID, reaper.p_pid, k.PROC_REAP_RELEASE, null), 0);
    t.is(k.sys_procctl(reaper, k.P_PID, reaper.p_pid, k.PROC_REAP_RELEASE, null), k.EINVAL);
  });

  test(`${build}: status counts children and descendants; an orphan becomes the reaper's child`, async (t) => {
    const k = await loadKernel(build);
    const { reaper, child, grandchild, child2 } = tree(k);
    // Not a reaper yet: init (pid 1) reaps it.
    const before = status(k, reaper);
    t.is(before.e, 0);
    t.is(before.rs_reaper, 1);
    t.is(before.rs_flags, k.REAPER_STATUS_REALINIT);
    t.is(k.sys_procctl(reaper, k.P_PID, reaper.p_pid, k.PROC_REAP_ACQUIRE, null), 0);
    let s = status(k, reaper);
    t.is(s.rs_flags, k.REAPER_STATUS_OWNED);
    t.is(s.rs_reaper, reaper.p_pid);
    t.is(s.rs_children, 2);
    t.is(s.rs_descendants, 3);
    t.is(s.rs_pid, child.p_pid);
    // A descendant asks: the same reaper, not owned by it.
    const g = status(k, grandchild);
    t.is(g.rs_reaper, reaper.p_pid);
    t.is(g.rs_flags, 0);
    // The child exits: its child is the reaper's now.
    k.sys_exit(child);
    s = status(k, reaper);
    t.is(s.rs_children, 2);
    t.is(s.rs_descendants, 2);
    k.sys_exit(grandchild);
    k.sys_exit(child2);
    s = status(k, reaper);
    t.is(s.rs_children, 0);
    t.is(s.rs_descendants, 0);
    t.is(s.rs_pid, -1);
    k.sys_exit(reaper);
  });

  test(`${build}: kill signals the whole subtree, or only the children, never the reaper`, async (t) => {
    const k = await loadKernel(build);
    const { reaper, child, grandchild, child2 } = tree(k);
    t.is(kill(k, reaper, k.SIGTERM).e, k.ESRCH, "no reaper: init's, which is not walked");
    t.is(k.sys_procctl(reaper, k.P_PID, reaper.p_pid, k.PROC_REAP_ACQUIRE, null), 0);
    t.is(kill(k, reaper, 0).e, k.EINVAL);
    t.is(kill(k, reaper, k.NSIG).e, k.EINVAL);
    t.is(kill(k, reaper, k.SIGTERM, 4).e, k.EINVAL);
    t.is(kill(k, reaper, k.SIGTERM, k.REAPER_KILL_CHILDREN | k.REAPER_KILL_SUBTREE).e, k.EINVAL);
    const c = kill(k, reaper, k.SIGUSR1, k.REAPER_KILL_CHILDREN);
    t.deepEqual([c.e, c.killed], [0, 2]);
    t.true(k.SIGPENDING(child));
    t.true(k.SIGPENDING(child2));
    t.false(k.SIGPENDING(grandchild));
    t.false(k.SIGPENDING(reaper));
    const sub = kill(k, reaper, k.SIGUSR2, k.REAPER_KILL_SUBTREE, child.p_pid);
    t.deepEqual([sub.e, sub.killed], [0, 2]);
    t.true(k.SIGPENDING(grandchild));
    const all = kill(k, reaper, k.SIGTERM);
    t.deepEqual([all.e, all.killed, all.fpid], [0, 3, -1]);
    t.false(k.SIGPENDING(reaper));
    for (const p of [grandchild, child, child2, reaper]) k.sys_exit(p);
    t.is(kill(k, k.proc_create(k.cred0, "x"), k.SIGTERM).e, k.ESRCH);
  });

  test(`${build}: an orphan's exit posts SIGCHLD to its reaper, as to a parent`, async (t) => {
    const k = await loadKernel(build);
    const { reaper, child, grandchild, child2 } = tree(k);
    let chld = 0;
    k.sys_sigaction(reaper, k.SIGCHLD, () => void chld++);
    t.is(k.sys_procctl(reaper, k.P_PID, reaper.p_pid, k.PROC_REAP_ACQUIRE, null), 0);
    k.sys_exit(child);
    t.true(k.postsig(reaper));
    t.is(chld, 1);
    k.sys_exit(grandchild);
    t.true(k.SIGPENDING(reaper), "the grandchild's parent is gone: its reaper hears of the exit");
    k.postsig(reaper);
    t.is(chld, 2);
    // Without a reaper an orphan's exit reaches nobody (init is not simulated).
    const top = k.proc_create(k.cred0, "top");
    const mid = k.sys_fork(top);
    const leaf = k.sys_fork(mid);
    k.sys_exit(mid);
    k.postsig(top);
    k.sys_exit(leaf);
    t.false(k.SIGPENDING(top));
    k.sys_exit(child2);
    k.sys_exit(reaper);
    k.sys_exit(top);
  });

  test(`${build}: a jailed process cannot signal what it cannot see`, async (t) => {
    const k = await loadKernel(build);
    const j = k.kern_jail_set(k.cred0, { name: "inner", persist: true }, k.JAIL_CREATE);
    t.true(j.jid > 0);
    const reaper = k.proc_create(k.cred0, "r");
    t.is(k.sys_procctl(reaper, k.P_PID, reaper.p_pid, k.PROC_REAP_ACQUIRE, null), 0);
    const child = k.sys_fork(reaper);
    t.is(k.sys_jail_attach_proc(reaper, j.jid), 0);
    // The reaper moved into the jail; its child stayed outside.
    const r = kill(k, reaper, k.SIGTERM);
    t.deepEqual([r.e, r.killed, r.fpid], [k.ESRCH, 0, child.p_pid]);
    k.sys_exit(child);
    k.sys_exit(reaper);
  });
}
