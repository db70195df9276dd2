// sys/kern/kern_timeout.c, sys/kern/kern_clock.c, sys/sys/callout.h:
// callouts on a virtual clock.  Nothing sleeps: the run loop jumps the clock
// to the next due callout and fires it, so an hour of simulated time with a
// packet a second costs only the work of the packets.  Callouts due at the
// same instant fire in the order they were scheduled, which makes every run
// with the same seed identical.
//
// Time is kept in nanoseconds since boot (exact in a double for 104 days);
// sbinuptime() converts to FreeBSD's 32.32 fixed point on demand.

import { CTLFLAG_NOFETCH, CTLFLAG_RDTUN, OID_AUTO, SYSCTL_INT, _kern, kvar_of } from "./sysctl.ts";
import { taskqueue_pending, taskqueue_run } from "./subr_taskqueue.ts";

export const SBT_1S = 2 ** 32;
export const SBT_1MS = SBT_1S / 1000;
export const SBT_1US = SBT_1S / 1000000;

const kern_hz = kvar_of(1000);
/** kern.hz: clock ticks per second; set before boot with callout_set_hz.
 *  The loader's kern.hz is fetched by kern_boot (init_param1), not here. */
export let hz = 1000;
SYSCTL_INT(_kern, OID_AUTO, "hz", CTLFLAG_RDTUN | CTLFLAG_NOFETCH, kern_hz, 0, "Number of clock ticks per second");

/** ns since boot: the virtual clock. */
let now_ns = 0;
/** `ticks`: hz-ticks since boot, derived from the clock.  An int, as in
 *  FreeBSD: it wraps to negative after 2^31 ticks (24.8 days at hz=1000). */
export let ticks = 0;
/** The same count unwrapped: where the last hardclock fell.  Callout
 *  deadlines are taken from it, as FreeBSD takes them from the 64-bit
 *  hardclocktime (sbintime), never from the wrapping `ticks`. */
let hardclock_ticks = 0;
let ns_per_tick = 1e9 / hz;

export function callout_set_hz(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 100000) throw new RangeError(`kern.hz ${n} out of range`);
  hz = n;
  kern_hz.v = n;
  ns_per_tick = 1e9 / hz;
  hardclock_ticks = Math.floor(now_ns / ns_per_tick);
  ticks = hardclock_ticks | 0;
}

/** Ticks since boot, unwrapped: for deadlines kept as absolute times
 *  (FreeBSD keeps those in sbintime), never the wrapping `ticks`. */
export function ticks_unwrapped(): number {
  return hardclock_ticks;
}

export function nanouptime_ns(): number {
  return now_ns;
}
export function sbinuptime(): number {
  return Math.floor((now_ns * SBT_1S) / 1e9);
}
/** time_uptime: whole seconds since boot.  It starts at 1, as in FreeBSD
 *  (kern_tc.c), so that 0 can mean "never" in expiry fields. */
export function time_uptime(): number {
  return Math.floor(now_ns / 1e9) + 1;
}
/** The wall clock at boot (microtime = boottime + uptime); fixed so pcaps are reproducible. */
export let boottime_s = 1_700_000_000;
export function set_boottime(s: number): void {
  boottime_s = s;
}
/** microtime(9) as [seconds, microseconds]. */
export function microtime(): [number, number] {
  const us = Math.floor(now_ns / 1000);
  return [boottime_s + Math.floor(us / 1e6), us % 1e6];
}

export const CALLOUT_PENDING = 0x0004;
export const CALLOUT_ACTIVE = 0x0002;
export const CALLOUT_MPSAFE = 0x0008;
export const CALLOUT_RETURNUNLOCKED = 0x0010;

export class callout {
  c_time = 0; // ns
  c_seq = 0;
  c_func: ((arg: unknown) => void) | null = null;
  c_arg: unknown = null;
  c_flags = 0;
  c_iflags = 0;
  /** Position in the heap, -1 when not scheduled. */
  c_heapidx = -1;
}

// A binary heap of scheduled callouts ordered by (c_time, c_seq).
const heap: callout[] = [];
let seq = 0;
/** The callout whose function runs now (cc_exec_curr). */
let running: callout | null = null;

function before(a: callout, b: callout): boolean {
  return a.c_time < b.c_time || (a.c_time === b.c_time && a.c_seq < b.c_seq);
}
function sift_up(i: number): void {
  const c = heap[i];
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!before(c, heap[p])) break;
    heap[i] = heap[p];
    heap[i].c_heapidx = i;
    i = p;
  }
  heap[i] = c;
  c.c_heapidx = i;
}
function sift_down(i: number): void {
  const n = heap.length;
  const c = heap[i];
  for (;;) {
    let m = 2 * i + 1;
    if (m >= n) break;
    if (m + 1 < n && before(heap[m + 1], heap[m])) m++;
    if (!before(heap[m], c)) break;
    heap[i] = heap[m];
    heap[i].c_heapidx = i;
    i = m;
  }
  heap[i] = c;
  c.c_heapidx = i;
}
function heap_remove(c: callout): void {
  const i = c.c_heapidx;
  const last = heap.pop() as callout;
  c.c_heapidx = -1;
  if (last === c) return;
  heap[i] = last;
  last.c_heapidx = i;
  sift_down(i);
  sift_up(last.c_heapidx);
}

export function callout_init(c: callout, mpsafe: boolean): void {
  c.c_flags = mpsafe ? CALLOUT_MPSAFE : 0;
  c.c_func = null;
  c.c_arg = null;
  c.c_heapidx = -1;
}

export function callout_pending(c: callout): boolean {
  return (c.c_flags & CALLOUT_PENDING) !== 0;
}
export function callout_active(c: callout): boolean {
  return (c.c_flags & CALLOUT_ACTIVE) !== 0;
}
export function callout_deactivate(c: callout): void {
  c.c_flags &= ~CALLOUT_ACTIVE;
}

/** callout_reset_ns: schedule at an absolute-from-now delay in ns.
 *  Returns 1 if a pending run was cancelled, else 0. */
export function callout_reset_ns(c: callout, delay_ns: number, func: (arg: unknown) => void, arg: unknown): number {
  const cancelled = c.c_heapidx >= 0 ? 1 : 0;
  if (cancelled) heap_remove(c);
  c.c_time = now_ns + Math.max(0, delay_ns);
  c.c_seq = seq++;
  c.c_func = func;
  c.c_arg = arg;
  c.c_flags |= CALLOUT_PENDING | CALLOUT_ACTIVE;
  heap.push(c);
  sift_up(heap.length - 1);
  return cancelled;
}

/**
 * callout_reset(c, to_ticks, func, arg): fire on the tick boundary
 * `to_ticks` ticks from now (at least one), as the callwheel does.
 */
export function callout_reset<T>(c: callout, to_ticks: number, func: (arg: T) => void, arg: T): number {
  if (to_ticks <= 0) to_ticks = 1;
  // callout_reset_ns's body, not a call to it: a deadline hours away is no
  // small integer, and passed to a function V8 did not inline it would be
  // boxed in a fresh heap number on every call (TCP resets its callout
  // per segment).  Ticks stay small integers.
  const cancelled = c.c_heapidx >= 0 ? 1 : 0;
  if (cancelled) heap_remove(c);
  c.c_time = Math.max(now_ns, (hardclock_ticks + to_ticks) * ns_per_tick);
  c.c_seq = seq++;
  c.c_func = func as (arg: unknown) => void;
  c.c_arg = arg;
  c.c_flags |= CALLOUT_PENDING | CALLOUT_ACTIVE;
  heap.push(c);
  sift_up(heap.length - 1);
  return cancelled;
}

/** callout_reset_sbt with C_PREL(0) precision: an sbintime delay. */
export function callout_reset_sbt<T>(c: callout, sbt: number, func: (arg: T) => void, arg: T): number {
  return callout_reset_ns(c, Math.ceil((sbt * 1e9) / SBT_1S), func as (arg: unknown) => void, arg);
}

/** callout_schedule: reset with the same function and argument. */
export function callout_schedule(c: callout, to_ticks: number): number {
  return callout_reset(c, to_ticks, c.c_func as (arg: unknown) => void, c.c_arg);
}

/** callout_stop: 1 if it was pending and is now cancelled, 0 if it is
 *  running and could not be stopped, -1 if neither. */
export function callout_stop(c: callout): number {
  if (c.c_heapidx >= 0) {
    heap_remove(c);
    c.c_flags &= ~(CALLOUT_PENDING | CALLOUT_ACTIVE);
    return 1;
  }
  c.c_flags &= ~CALLOUT_ACTIVE;
  return running === c ? 0 : -1;
}

/** callout_drain: stop; with one thread a running callout has finished by
 *  the time anyone else can call this, except from inside itself. */
export function callout_drain(c: callout): number {
  return callout_stop(c);
}

/** Number of callouts scheduled (for tests and leak checks). */
export function callout_count(): number {
  return heap.length;
}

/** When the next callout is due, or null if none is. */
export function callout_next_ns(): number | null {
  return heap.length > 0 ? heap[0].c_time : null;
}

function set_clock(ns: number): void {
  if (ns > now_ns) {
    now_ns = ns;
    hardclock_ticks = Math.floor(now_ns / ns_per_tick);
    ticks = hardclock_ticks | 0;
  }
}

/** Fire the earliest callout (after draining deferred tasks).  Returns
 *  false when nothing is left to do. */
export function callout_run_next(): boolean {
  if (taskqueue_pending()) {
    taskqueue_run();
    return true;
  }
  if (heap.length === 0) return false;
  const c = heap[0];
  heap_remove(c);
  set_clock(c.c_time);
  c.c_flags &= ~CALLOUT_PENDING;
  const func = c.c_func as (arg: unknown) => void;
  running = c;
  try {
    func(c.c_arg);
  } finally {
    running = null;
  }
  taskqueue_run();
  return true;
}

/** Run until no task or callout is left, or `max_events` have fired.
 *  Returns the number of events. */
export function kern_run_until_idle(max_events = Infinity): number {
  let n = 0;
  while (n < max_events && callout_run_next()) n++;
  return n;
}

/** Advance virtual time by `ns`, firing every callout due on the way. */
export function kern_advance_ns(ns: number): number {
  const until = now_ns + ns;
  let n = 0;
  for (;;) {
    if (taskqueue_pending()) {
      taskqueue_run();
      n++;
      continue;
    }
    if (heap.length === 0 || heap[0].c_time > until) break;
    callout_run_next();
    n++;
  }
  set_clock(until);
  return n;
}

/** Run until `pred` holds or nothing is left to do; returns pred(). */
export function kern_run_until(pred: () => boolean, max_ns = Infinity): boolean {
  const limit = now_ns + max_ns;
  while (!pred()) {
    if (taskqueue_pending()) {
      taskqueue_run();
      continue;
    }
    if (heap.length === 0 || heap[0].c_time > limit) {
      if (max_ns !== Infinity) set_clock(limit);
      return pred();
    }
    callout_run_next();
  }
  return true;
}
