// sys/kern/kern_time.c: clock_gettime(2), nanosleep(2) and the real
// interval timer of setitimer(2)/getitimer(2), on the virtual clock.  The
// process sleeps on itself, so a signal (kern_sig.ts) can cut the sleep
// short: a caught one makes the call return EINTR, any other ends the
// process.  ITIMER_REAL posts SIGALRM from a callout, as realitexpire does.
// Departure: ITIMER_VIRTUAL and ITIMER_PROF count a process's CPU time,
// which a simulated program does not use (it takes no virtual time), so
// they are refused with EINVAL.

import { EINTR, EINVAL } from "./errno.ts";
import { boottime_s, callout, callout_init, callout_reset_ns, callout_stop, hz, nanouptime_ns } from "./kern_timeout.ts";
import { tsleep } from "./kern_synch.ts";
import { SIGALRM, kern_psignal, postsig } from "./kern_sig.ts";
import type { proc } from "./uipc_syscalls.ts";

/** kern_nanosleep: sleep ns of virtual time.  Returns 0, EINTR or EINVAL,
 *  and with EINTR how much was left. */
export async function sys_nanosleep(p: proc, ns: number): Promise<{ error: number; left_ns: number }> {
  if (!(ns >= 0) || !Number.isFinite(ns)) return { error: EINVAL, left_ns: 0 };
  const deadline = nanouptime_ns() + ns;
  if (postsig(p)) return { error: EINTR, left_ns: ns };
  for (;;) {
    const left = deadline - nanouptime_ns();
    if (left <= 0) return { error: 0, left_ns: 0 };
    await tsleep(p, left);
    // Other wakeups of p (a socket it once polled) just go round again.
    if (postsig(p)) return { error: EINTR, left_ns: Math.max(0, deadline - nanouptime_ns()) };
  }
}

// <sys/_clock_id.h>
export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 4;
export const CLOCK_UPTIME = 5;

/** clock_gettime(2): the virtual clock as a timespec.  The monotonic and
 *  uptime clocks count from boot; the real-time one adds the boot time. */
export function sys_clock_gettime(_p: proc, clock_id: number): { error: number; tv_sec: number; tv_nsec: number } {
  const ns = nanouptime_ns();
  const sec = Math.floor(ns / 1e9);
  const ts = { error: 0, tv_sec: sec, tv_nsec: ns - sec * 1e9 };
  switch (clock_id) {
    case CLOCK_MONOTONIC:
    case CLOCK_UPTIME:
      // The uptime clocks start at 1 s, as time_uptime does (kern_tc.c's
      // first timehands), so that a deadline computed from them in
      // userland (arp's rmx_expire) is one the kernel compares with
      // time_uptime.
      ts.tv_sec += 1;
      return ts;
    case CLOCK_REALTIME:
      ts.tv_sec += boottime_s;
      return ts;
  }
  return { error: EINVAL, tv_sec: 0, tv_nsec: 0 };
}

// <sys/time.h>
export const ITIMER_REAL = 0;
export const ITIMER_VIRTUAL = 1;
export const ITIMER_PROF = 2;

export interface timeval {
  tv_sec: number;
  tv_usec: number;
}
export interface itimerval {
  it_interval: timeval;
  it_value: timeval;
}

function timevalisset(tv: timeval): boolean {
  return tv.tv_sec !== 0 || tv.tv_usec !== 0;
}

/** itimerfix: a valid timer value, at least a sixteenth of a tick. */
function itimerfix(tv: timeval): number {
  if (!Number.isInteger(tv.tv_sec) || !Number.isInteger(tv.tv_usec)) return EINVAL;
  if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000) return EINVAL;
  const tick = Math.floor(1000000 / hz);
  if (tv.tv_sec === 0 && tv.tv_usec !== 0 && tv.tv_usec < Math.floor(tick / 16)) tv.tv_usec = Math.floor(tick / 16);
  return 0;
}

function tv_to_ns(tv: timeval): number {
  return tv.tv_sec * 1e9 + tv.tv_usec * 1e3;
}
function ns_to_tv(ns: number): timeval {
  const us = Math.ceil(ns / 1e3);
  return { tv_sec: Math.floor(us / 1e6), tv_usec: us % 1e6 };
}

/** The real timer as getitimer shows it: the time left, not the deadline. */
function realtimer_get(p: proc): itimerval {
  const rt = p.p_realtimer;
  const left = rt.it_value_ns === 0 ? 0 : Math.max(0, rt.it_value_ns - nanouptime_ns());
  return { it_interval: ns_to_tv(rt.it_interval_ns), it_value: ns_to_tv(left) };
}

/** realitexpire: SIGALRM, and the next period if there is one. */
function realitexpire(p: proc): void {
  kern_psignal(p, SIGALRM);
  const rt = p.p_realtimer;
  if (rt.it_interval_ns === 0) {
    rt.it_value_ns = 0;
    return;
  }
  // The next deadline counts from the one just passed, skipping the
  // periods the clock jumped over.
  const now = nanouptime_ns();
  do rt.it_value_ns += rt.it_interval_ns;
  while (rt.it_value_ns <= now);
  callout_reset_ns(p.p_itcallout as callout, rt.it_value_ns - now, () => realitexpire(p), null);
}

/** kern_setitimer's bound on a timer's seconds: INT32_MAX / 2. */
const ITIMER_SEC_MAX = Math.floor(0x7fffffff / 2);

/** getitimer(2) */
export function sys_getitimer(p: proc, which: number): { error: number; value: itimerval | null } {
  if (which !== ITIMER_REAL) return { error: EINVAL, value: null };
  return { error: 0, value: realtimer_get(p) };
}

/**
 * setitimer(2) (kern_setitimer): arm or, with a zero value, disarm the
 * real timer; returns the old setting as getitimer would have.
 */
export function sys_setitimer(p: proc, which: number, aitv: itimerval): { error: number; old: itimerval | null } {
  if (which !== ITIMER_REAL) return { error: EINVAL, old: null };
  const it_value = { ...aitv.it_value };
  let it_interval = { ...aitv.it_interval };
  // Values past INT32_MAX / 2 seconds would overflow the deadline.
  if (itimerfix(it_value) !== 0 || it_value.tv_sec > ITIMER_SEC_MAX) return { error: EINVAL, old: null };
  if (!timevalisset(it_value)) it_interval = { tv_sec: 0, tv_usec: 0 };
  else if (itimerfix(it_interval) !== 0 || it_interval.tv_sec > ITIMER_SEC_MAX) return { error: EINVAL, old: null };
  const old = realtimer_get(p);
  if (p.p_itcallout === null) {
    p.p_itcallout = new callout();
    callout_init(p.p_itcallout, true);
  }
  const rt = p.p_realtimer;
  if (rt.it_value_ns !== 0) callout_stop(p.p_itcallout);
  rt.it_interval_ns = tv_to_ns(it_interval);
  if (timevalisset(it_value)) {
    const delay = tv_to_ns(it_value);
    rt.it_value_ns = nanouptime_ns() + delay;
    callout_reset_ns(p.p_itcallout, delay, () => realitexpire(p), null);
  } else rt.it_value_ns = 0;
  return { error: 0, old };
}
