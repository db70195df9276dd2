// Measuring helpers for the workloads: a wall clock, a forced garbage
// collection, and the bytes the JavaScript heap allocated while a piece of
// code ran (to check that the per-packet path allocates nothing).
import fs from "node:fs";
import v8 from "node:v8";
import vm from "node:vm";

v8.setFlagsFromString("--expose-gc");
const gc_fn = vm.runInNewContext("gc") as () => void;

export function gc(): void {
  gc_fn();
  gc_fn();
}

export function now_ns(): number {
  return Number(process.hrtime.bigint());
}

/**
 * The CPU time this thread has run, in ns (Linux: the first field of
 * /proc/thread-self/schedstat), or NaN where there is no such file.  Rates
 * are taken per CPU second of the worker thread, so that other work on the
 * machine does not show in them as it does in wall-clock time.
 */
export function thread_cpu_ns(): number {
  try {
    const s = fs.readFileSync("/proc/thread-self/schedstat", "latin1");
    return Number(s.slice(0, s.indexOf(" ")));
  } catch {
    return NaN;
  }
}

/**
 * Run `step` (which handles some units and returns how many) until at
 * least `ms` milliseconds have passed; units per second.
 */
export function rate_for(ms: number, step: () => number, wall = false): { rate: number; units: number; ns: number } {
  const c0 = thread_cpu_ns();
  const t0 = now_ns();
  const until = t0 + ms * 1e6;
  let units = 0;
  let t = t0;
  // Read the clock about every 0.2 ms, not after every step: hrtime costs
  // as much as a small step and allocates a BigInt.
  let batch = 1;
  for (;;) {
    for (let i = 0; i < batch; i++) units += step();
    const t1 = now_ns();
    if (t1 - t < 100_000 && batch < 1 << 20) batch *= 2;
    t = t1;
    if (t >= until) break;
  }
  const cpu = thread_cpu_ns() - c0;
  const ns = !wall && Number.isFinite(cpu) && cpu > 0 ? cpu : t - t0;
  return { rate: (units * 1e9) / ns, units, ns };
}

/**
 * Bytes the V8 heap allocated while fn ran: the growth of the used heap
 * plus whatever collections during the run gave back (v8.GCProfiler).
 */
export function heap_allocated(fn: () => void): number {
  return Math.max(0, heap_allocated_raw(fn) - heap_allocated_raw(() => {}));
}

function heap_allocated_raw(fn: () => void): number {
  gc();
  const prof = new v8.GCProfiler();
  prof.start();
  const h0 = v8.getHeapStatistics().used_heap_size;
  fn();
  const h1 = v8.getHeapStatistics().used_heap_size;
  const r = prof.stop();
  let freed = 0;
  for (const s of r.statistics) freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
  return h1 - h0 + freed;
}

/** Heap + ArrayBuffer bytes in use after a full collection. */
export function mem_in_use(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
