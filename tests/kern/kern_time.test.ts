// kern_time: setitimer(2)/getitimer(2)'s real timer on the virtual clock.
// SIGALRM comes when the value has passed and not before; an interval
// rearms it; a zero value disarms it; getitimer shows the time left; bad
// values are EINVAL; exit stops the timer.  Also sigsuspend(2) returning
// EINTR once the alarm's handler ran.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";

const tv = (s: number, us = 0) => ({ tv_sec: s, tv_usec: us });
const itv = (value: ReturnType<typeof tv>, interval = tv(0)) => ({ it_value: value, it_interval: interval });

/** Move the virtual clock by ns, firing what falls due. */
function advance(k: Kernel, ns: number): void {
  k.kern_advance_ns(ns);
}

for (const build of BOTH) {
  test(`${build}: the real timer posts SIGALRM when its value has passed, once`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "alarm");
    let alarms = 0;
    k.sys_sigaction(p, k.SIGALRM, () => void alarms++);
    const r = k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(1, 500000)));
    t.is(r.error, 0);
    t.deepEqual(r.old, itv(tv(0)));
    advance(k, 1_499_999_000);
    t.false(k.SIGPENDING(p));
    t.deepEqual(k.sys_getitimer(p, k.ITIMER_REAL).value, itv(tv(0, 1)));
    advance(k, 1000);
    t.true(k.SIGPENDING(p));
    t.true(k.postsig(p));
    t.is(alarms, 1);
    advance(k, 10e9);
    t.false(k.SIGPENDING(p));
    t.deepEqual(k.sys_getitimer(p, k.ITIMER_REAL).value, itv(tv(0)));
    k.sys_exit(p);
  });

  test(`${build}: an interval rearms the timer; a zero value disarms it and returns the old one`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "alarm");
    let alarms = 0;
    k.sys_sigaction(p, k.SIGALRM, () => void alarms++);
    t.is(k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(0, 100000), tv(0, 250000))).error, 0);
    for (let i = 0; i < 4; i++) {
      advance(k, 250_000_000);
      k.postsig(p);
    }
    // At 0.1, 0.35, 0.6 and 0.85 s.
    t.is(alarms, 4);
    const r = k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(0)));
    t.is(r.error, 0);
    t.deepEqual(r.old, itv(tv(0, 100000), tv(0, 250000)));
    advance(k, 5e9);
    t.false(k.SIGPENDING(p));
    k.sys_exit(p);
  });

  test(`${build}: bad values are EINVAL, other timers are refused, tiny ones are rounded up`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "alarm");
    t.is(k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(-1))).error, k.EINVAL);
    t.is(k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(0, 1000000))).error, k.EINVAL);
    t.is(k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(1), tv(0, -1))).error, k.EINVAL);
    t.is(k.sys_setitimer(p, k.ITIMER_VIRTUAL, itv(tv(1))).error, k.EINVAL);
    // Seconds past INT32_MAX / 2 are refused, in the value and the interval.
    t.is(k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(1073741824))).error, k.EINVAL);
    t.is(k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(1), tv(1073741824))).error, k.EINVAL);
    t.is(k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(1073741823))).error, 0);
    t.is(k.sys_getitimer(p, k.ITIMER_PROF).error, k.EINVAL);
    // A bad interval with a zero value is not looked at: the timer is off.
    t.is(k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(0), tv(0, -1))).error, 0);
    // One microsecond is less than a sixteenth of a 1 ms tick: 62 us.
    t.is(k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(0, 1))).error, 0);
    t.deepEqual(k.sys_getitimer(p, k.ITIMER_REAL).value, itv(tv(0, 62)));
    k.sys_exit(p);
  });

  test(`${build}: exit stops the timer; sigsuspend returns EINTR after the handler`, async (t) => {
    const k = await loadKernel(build);
    const gone = k.proc_create(k.cred0, "gone");
    const pending = k.callout_count();
    k.sys_setitimer(gone, k.ITIMER_REAL, itv(tv(100)));
    t.is(k.callout_count(), pending + 1);
    k.sys_exit(gone);
    t.is(k.callout_count(), pending);

    const p = k.proc_create(k.cred0, "waiter");
    let alarmed = false;
    k.sys_sigaction(p, k.SIGALRM, () => void (alarmed = true));
    k.sys_setitimer(p, k.ITIMER_REAL, itv(tv(2)));
    const t0 = k.nanouptime_ns();
    t.is(await k.sys_sigsuspend(p), k.EINTR);
    t.true(alarmed);
    t.is(k.nanouptime_ns() - t0, 2e9);
    k.sys_exit(p);
  });
}
