// sys/kern/kern_synch.c: sleeping and waking up, for the simulated processes
// (userland programs) that wait on the kernel.  A process sleeps with
// tsleep(chan, timo) and is woken by wakeup(chan) or when its timeout comes
// due on the virtual clock.
//
// The clock only moves when nothing can run: the idle loop is a
// setImmediate callback, which Node runs only after every pending promise
// reaction, so by then each simulated process is blocked, either asleep here
// or waiting for a child that is.  The idle loop then runs deferred tasks or
// fires the next callout, which is how `ping -c 3` takes three virtual
// seconds and no real ones.  If sleepers remain but nothing is scheduled that
// could ever wake them, they are woken with EINTR, as a signal would.

import { EINTR, EWOULDBLOCK } from "./errno.ts";
import { callout, callout_init, callout_reset_ns, callout_run_next, callout_stop } from "./kern_timeout.ts";
import { taskqueue_pending, taskqueue_run } from "./subr_taskqueue.ts";

class sleeper {
  readonly c = new callout();
  constructor(
    readonly chan: object,
    readonly resolve: (error: number) => void,
  ) {
    callout_init(this.c, true);
  }
}

const sleepq = new Map<object, Set<sleeper>>();
let nsleepers = 0;
let kick_scheduled = false;

function sleeper_done(s: sleeper, error: number): void {
  const set = sleepq.get(s.chan);
  if (set === undefined || !set.delete(s)) return;
  if (set.size === 0) sleepq.delete(s.chan);
  callout_stop(s.c);
  nsleepers--;
  s.resolve(error);
}

/**
 * tsleep(chan, timo_ns): sleep until wakeup(chan) (resolves 0), until timo_ns
 * of virtual time passed (EWOULDBLOCK; 0 = no limit), or until nothing could
 * ever wake the sleeper (EINTR).
 */
export function tsleep(chan: object, timo_ns: number): Promise<number> {
  return new Promise<number>((resolve) => {
    const s = new sleeper(chan, resolve);
    let set = sleepq.get(chan);
    if (set === undefined) sleepq.set(chan, (set = new Set()));
    set.add(s);
    nsleepers++;
    if (timo_ns > 0) callout_reset_ns(s.c, timo_ns, () => sleeper_done(s, EWOULDBLOCK), null);
    sched_kick();
  });
}

/** pause(9): sleep for a while on nothing in particular. */
export function pause_ns(timo_ns: number): Promise<number> {
  return tsleep({}, Math.max(1, timo_ns));
}

/** wakeup(chan): every sleeper on chan becomes runnable. */
export function wakeup(chan: object): void {
  const set = sleepq.get(chan);
  if (set === undefined) return;
  for (const s of [...set]) sleeper_done(s, 0);
}

function sched_kick(): void {
  if (kick_scheduled) return;
  kick_scheduled = true;
  setImmediate(sched_idle);
}

function sched_idle(): void {
  kick_scheduled = false;
  if (nsleepers === 0) return;
  if (taskqueue_pending()) taskqueue_run();
  else if (!callout_run_next()) {
    for (const set of [...sleepq.values()]) for (const s of [...set]) sleeper_done(s, EINTR);
    return;
  }
  sched_kick();
}

export function sched_sleepers(): number {
  return nsleepers;
}
