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
//
// Under `virtnet kernel` (sched_set_external) processes also wait on the real
// world: commands arrive over a socket at any time, and a tcpdump waiting for
// packets may be woken by the next one.  There, sleepers are never
// interrupted for want of events, deferred tasks run whenever the simulated
// processes are idle, and the clock goes no further than the daemon's limit:
// it jumps while a command runs in the foreground, and keeps the pace of real
// time otherwise (a background ping does not see minutes pass while the
// script forks its next command, nor ARP entries age between commands).
//
// Real-time sources (an ng_ksocket's host UDP socket, the link to another
// VirtNet process) hold the clock to real time while they live
// (sched_realtime_hold/release): the clock never runs ahead of real time
// counted from the first hold, a callout due later waits for a real timer,
// and sleepers are not interrupted for want of events, since a datagram
// from the host may still come and wake them.  The clock stands still while
// processes compute, so it catches up with real time whenever everyone
// waits, when a process starts a timed sleep, and before a datagram from
// the host enters (sched_realtime_sync).  When the last source closes, the
// clock jumps again.  Without a source none of this runs: one test of a
// counter per pass of the idle loop.

import { EINTR, EWOULDBLOCK } from "./errno.ts";
import { callout, callout_init, callout_next_ns, callout_reset_ns, callout_run_next, callout_stop, kern_advance_ns, nanouptime_ns } from "./kern_timeout.ts";
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
let sched_external = false;

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
    // Paced: a timeout counts from the real time of the call, not from
    // the last event (the clock stands still while processes compute).
    if (nrealtime !== 0 && timo_ns > 0) sched_realtime_sync();
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

/** Who called sched_relinquish and waits for the taskqueues to drain. */
const yielders: (() => void)[] = [];

/**
 * How many passes of the idle loop a yielder waits at most for the
 * taskqueues to drain.  On FreeBSD a process that gave up the CPU gets it
 * back when its turn comes, even while kernel threads stay busy; here the
 * taskqueues run at one virtual instant, and a flood that refills them from
 * userland at that same instant (`ping6 -f` over a link with no delay: each
 * reply makes the next request before the idle loop runs again) would keep
 * the yielder waiting for ever.  The bound stands in for the scheduler's
 * turn; it counts passes, not real time, so a run stays the same for a seed.
 */
const SCHED_YIELD_PASSES = 1000;
let yield_passes = 0;

function release_yielders(): void {
  yield_passes = 0;
  for (const y of yielders.splice(0)) y();
}

/** Run the taskqueues once; yielders go on when they are empty or after
 *  SCHED_YIELD_PASSES passes. */
function taskqueue_pass(): void {
  taskqueue_run();
  if (yielders.length > 0 && ++yield_passes >= SCHED_YIELD_PASSES) release_yielders();
}

/**
 * sched_relinquish: give up the CPU without sleeping on anything.  Kernel
 * threads with queued work (taskqueues: epair delivery, the loopback
 * netisr) run first, at the same virtual time; the clock does not move.
 * A parent returning from wait4(2) is such a point: on FreeBSD the
 * taskqueue threads have long run by the time the shell starts its next
 * command, so what one command sent has arrived before the next one looks.
 */
export function sched_relinquish(): Promise<void> {
  if (!taskqueue_pending()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    yielders.push(resolve);
    sched_kick();
  });
}

/** Make sure the idle loop runs once every simulated process waits. */
export function sched_kick(): void {
  if (kick_scheduled) return;
  kick_scheduled = true;
  setImmediate(sched_idle);
}

/** In external mode, how far the clock may go right now, in virtual ns
 *  since boot (the daemon paces it to real time while no command waits in
 *  the foreground); null: no limit. */
let sched_time_limit: (() => number) | null = null;
/** The real-time timer that brings the next paced event (only one). */
let sched_pace_timer: ReturnType<typeof setTimeout> | null = null;

/** External mode: processes also wait on the real world (see above). */
export function sched_set_external(on: boolean, time_limit: (() => number) | null = null): void {
  sched_external = on;
  sched_time_limit = time_limit;
}

function sched_pace(): void {
  sched_pace_timer = null;
  sched_kick();
}

// ---------------------------------------------------------------------------
// Real-time sources.

/** Live real-time sources; 0: pure virtual time. */
let nrealtime = 0;
/** The virtual and real (performance.now(), ms) times the pacing counts from. */
let rt_vns = 0;
let rt_rms = 0;
/** The real timer that wakes the idle loop for the next paced callout, or
 *  keeps the process alive while sleepers wait on the real world.  It is
 *  referenced only while a simulated process waits: a run whose script is
 *  over does not stay for a socket. */
let rt_timer: ReturnType<typeof setTimeout> | null = null;

/** A real-time source opens: from now on the clock keeps real time's pace. */
export function sched_realtime_hold(): void {
  if (nrealtime++ === 0) {
    rt_vns = nanouptime_ns();
    rt_rms = performance.now();
  }
}

/** A real-time source closes; with the last one the clock jumps again. */
export function sched_realtime_release(): void {
  if (nrealtime === 0) return;
  if (--nrealtime === 0) {
    rt_timer_clear();
    sched_kick();
  }
}

/** Live real-time sources (for tests). */
export function sched_realtime_sources(): number {
  return nrealtime;
}

/** How far the clock may be now: the virtual time the pacing started at
 *  plus the real time since. */
function sched_realtime_limit(): number {
  return rt_vns + (performance.now() - rt_rms) * 1e6;
}

/**
 * sched_realtime_sync: something from the real world is about to enter the
 * kernel (a datagram on a ksocket): move the clock up to real time, so that
 * what it starts is stamped when it really came.  Only when nothing is due
 * before (the idle loop fires overdue callouts itself, one at a time).
 */
export function sched_realtime_sync(): void {
  if (nrealtime === 0) return;
  sched_realtime_catch_up(sched_realtime_limit(), callout_next_ns());
}

function rt_timer_clear(): void {
  if (rt_timer !== null) clearTimeout(rt_timer);
  rt_timer = null;
}

function rt_timer_fire(): void {
  rt_timer = null;
  sched_kick();
}

/** Bring the clock up to `limit` when nothing is due before it. */
function sched_realtime_catch_up(limit: number, next: number | null): void {
  const now = nanouptime_ns();
  if (limit > now && (next === null || next > limit) && !taskqueue_pending()) kern_advance_ns(limit - now);
}

/** With real-time sources: may the next callout fire now?  If not, the
 *  clock catches up with real time while everyone waits (what happens next
 *  is stamped with the real time it happens at, not with the time of the
 *  last event), and a timer (or a datagram) brings the idle loop back. */
function sched_realtime_due(limit: number): boolean {
  const next = callout_next_ns();
  if (next !== null && next <= limit) return true;
  sched_realtime_catch_up(limit, next);
  rt_timer_clear();
  // Nothing scheduled: only the real world can wake the sleepers; the
  // longest timer keeps the process alive meanwhile.
  const ms = next === null ? 2 ** 31 - 1 : Math.min(2 ** 31 - 1, Math.max(1, Math.ceil((next - limit) / 1e6)));
  rt_timer = setTimeout(rt_timer_fire, ms);
  return false;
}

function sched_idle(): void {
  kick_scheduled = false;
  if (nrealtime !== 0) rt_timer_clear();
  if (sched_external) {
    if (taskqueue_pending()) taskqueue_pass();
    else if (yielders.length > 0) release_yielders();
    else {
      const next = callout_next_ns();
      if (next === null) return;
      let limit = sched_time_limit === null ? Infinity : sched_time_limit();
      if (nrealtime !== 0) limit = Math.min(limit, sched_realtime_limit());
      if (next > limit) {
        if (nrealtime !== 0) sched_realtime_catch_up(limit, next);
        // Not yet: the next event is due later in real time.  (The timer
        // alone does not keep the process alive: the daemon's socket does.)
        if (sched_pace_timer !== null) clearTimeout(sched_pace_timer);
        sched_pace_timer = setTimeout(sched_pace, Math.min(2 ** 31 - 1, Math.max(1, Math.ceil((next - limit) / 1e6))));
        sched_pace_timer.unref();
        return;
      }
      callout_run_next();
    }
    sched_kick();
    return;
  }
  if (nsleepers === 0 && yielders.length === 0) return;
  if (taskqueue_pending()) taskqueue_pass();
  else if (yielders.length > 0) {
    // The queues are empty: those that only yielded go on before time moves.
    release_yielders();
  } else if (nrealtime !== 0 && !sched_realtime_due(sched_realtime_limit())) {
    return;
  } else if (!callout_run_next()) {
    for (const set of [...sleepq.values()]) for (const s of [...set]) sleeper_done(s, EINTR);
    return;
  }
  sched_kick();
}

export function sched_sleepers(): number {
  return nsleepers;
}
