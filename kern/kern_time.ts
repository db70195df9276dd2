// sys/kern/kern_time.c: clock_gettime(2) and nanosleep(2) on the virtual clock.  The process
// sleeps on itself, so a signal (kern_sig.ts) can cut the sleep short: a
// caught one makes the call return EINTR, any other ends the process.

import { EINTR, EINVAL } from "./errno.ts";
import { boottime_s, nanouptime_ns } from "./kern_timeout.ts";
import { tsleep } from "./kern_synch.ts";
import { postsig } from "./kern_sig.ts";
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
