// sys/kern/kern_time.c: nanosleep(2) on the virtual clock.  The process
// sleeps on itself, so a signal (kern_sig.ts) can cut the sleep short: a
// caught one makes the call return EINTR, any other ends the process.

import { EINTR, EINVAL } from "./errno.ts";
import { nanouptime_ns } from "./kern_timeout.ts";
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
