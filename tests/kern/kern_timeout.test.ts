// kern_timeout: callouts on the virtual clock, deferred tasks, and the
// seeded random source.
import test from "ava";
import fc from "fast-check";
import { BOTH, loadKernel, loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";

/** Schedule callouts at random tick delays (some rescheduled or stopped)
 *  and record the order and times they fire. */
function scenario(k: Kernel, n: number): string[] {
  const fired: string[] = [];
  const cs = Array.from({ length: n }, () => new k.callout());
  for (const c of cs) k.callout_init(c, true);
  cs.forEach((c, i) => {
    k.callout_reset(c, 1 + k.arc4random_uniform(50), (id: number) => {
      fired.push(`${id}@${k.ticks}`);
      // Some callouts reschedule themselves once.
      if (id % 5 === 0 && k.ticks < 100) k.callout_reset(c, 1 + k.arc4random_uniform(30), () => fired.push(`${id}r@${k.ticks}`), null);
    }, i);
  });
  for (let i = 0; i < n; i += 7) k.callout_stop(cs[i]);
  k.kern_run_until_idle();
  return fired;
}

for (const build of BOTH) {
  test(`${build}: callouts fire in virtual-time order without sleeping`, async (t) => {
    const k = await loadKernel(build);
    const order: number[] = [];
    const c1 = new k.callout(), c2 = new k.callout(), c3 = new k.callout();
    for (const c of [c1, c2, c3]) k.callout_init(c, true);
    const t0 = Date.now();
    k.callout_reset(c1, 3000 * k.hz, () => order.push(k.ticks), null); // an hour... of 50 minutes
    k.callout_reset(c2, 10, () => order.push(k.ticks), null);
    k.callout_reset(c3, 10, () => order.push(-k.ticks), null); // same tick: fires after c2
    t.is(k.callout_count(), 3);
    t.is(k.callout_pending(c1), true);
    k.kern_run_until_idle();
    t.deepEqual(order, [10, -10, 3000 * k.hz]);
    t.true(Date.now() - t0 < 1000, "virtual time costs no wall time");
    t.is(k.time_uptime(), 3001, "time_uptime starts at 1");
    t.false(k.callout_pending(c1));
  });

  test(`${build}: callout_stop and callout_reset return FreeBSD's values`, async (t) => {
    const k = await loadKernel(build);
    const c = new k.callout();
    k.callout_init(c, true);
    let fired = 0;
    t.is(k.callout_reset(c, 5, () => fired++, null), 0);
    t.is(k.callout_reset(c, 8, () => fired++, null), 1, "rescheduling a pending callout cancels it");
    t.is(k.callout_stop(c), 1);
    t.is(k.callout_stop(c), -1, "neither pending nor running");
    k.kern_advance_ns(1e9);
    t.is(fired, 0);
    // Stopping itself while running reports 0.
    let inside = NaN;
    k.callout_reset(c, 1, () => (inside = k.callout_stop(c)), null);
    k.kern_run_until_idle();
    t.is(inside, 0);
    t.is(k.callout_count(), 0);
  });

  test(`${build}: kern_advance_ns fires what is due and moves the clock exactly`, async (t) => {
    const k = await loadKernel(build);
    const c = new k.callout();
    k.callout_init(c, true);
    const start = k.nanouptime_ns();
    let at = -1;
    k.callout_reset_sbt(c, k.SBT_1MS * 250, () => (at = k.nanouptime_ns()), null);
    k.kern_advance_ns(100e6);
    t.is(at, -1);
    t.is(k.nanouptime_ns(), start + 100e6);
    k.kern_advance_ns(200e6);
    t.is(at, start + 250e6);
    t.is(k.nanouptime_ns(), start + 300e6);
  });

  test(`${build}: tasks run before the clock advances`, async (t) => {
    const k = await loadKernel(build);
    const log: string[] = [];
    const c = new k.callout();
    k.callout_init(c, true);
    k.callout_reset(c, 1, () => log.push(`callout@${k.ticks}`), null);
    const tk = k.TASK_INIT((_ctx, pending) => log.push(`task x${pending}@${k.ticks}`), null);
    k.taskqueue_enqueue(tk);
    k.taskqueue_enqueue(tk);
    k.kern_run_until_idle();
    t.deepEqual(log, [`task x2@0`, `callout@1`]);
  });

  test(`${build}: the same seed gives the same callout history`, async (t) => {
    const runs: string[][] = [];
    for (const seed of [7, 7, 8]) {
      const k = await loadKernel(build, seed);
      runs.push(scenario(k, 60));
    }
    t.deepEqual(runs[0], runs[1]);
    t.notDeepEqual(runs[0], runs[2]);
  });

  test(`${build}: callouts fire in nondecreasing time whatever the schedule`, async (t) => {
    const k = await loadKernel(build);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.boolean()), { minLength: 1, maxLength: 80 }), (plan) => {
        const fired: number[] = [];
        const cs = plan.map(() => new k.callout());
        plan.forEach(([delay], i) => {
          k.callout_init(cs[i], true);
          k.callout_reset(cs[i], delay, () => fired.push(k.nanouptime_ns()), null);
        });
        let stopped = 0;
        plan.forEach(([, stop], i) => {
          if (stop && k.callout_stop(cs[i]) === 1) stopped++;
        });
        k.kern_run_until_idle();
        for (let i = 1; i < fired.length; i++) if (fired[i] < fired[i - 1]) return false;
        return fired.length === plan.length - stopped && k.callout_count() === 0;
      }),
      { seed: 42, numRuns: 200 },
    );
    t.pass();
  });

  test(`${build}: arc4random is deterministic per seed and uniform enough`, async (t) => {
    const k = await loadKernel(build);
    k.arc4random_seed(123);
    const a = Array.from({ length: 1000 }, () => k.arc4random());
    k.arc4random_seed(123);
    const b = Array.from({ length: 1000 }, () => k.arc4random());
    t.deepEqual(a, b);
    t.true(a.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff));
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10000; i++) buckets[k.arc4random_uniform(10)]++;
    t.true(buckets.every((n) => n > 850 && n < 1150), buckets.join(","));
  });

  test(`${build}: callout_reset keeps its period when ticks wraps after 2^31 ticks`, async (t) => {
    // ticks is an int and wraps to negative 24.8 days after boot at hz=1000;
    // a deadline taken from it would land in the past and a callout that
    // re-arms itself (bstp_tick, every hz ticks) would fire forever at one
    // instant.  FreeBSD takes the deadline from the 64-bit hardclock time.
    const k = await loadKernelUnbooted(build);
    t.is(k.hz, 1000);
    k.kern_advance_ns((2 ** 31 - 5_000) * 1e6);
    t.true(k.ticks > 0);
    const c = new k.callout();
    k.callout_init(c, true);
    const at: number[] = [];
    const tick = (): void => {
      at.push(k.nanouptime_ns());
      if (at.length < 100) k.callout_reset(c, k.hz, tick, null);
    };
    k.callout_reset(c, k.hz, tick, null);
    k.kern_advance_ns(20e9);
    t.true(k.ticks < 0, `ticks ${k.ticks} should have wrapped`);
    t.is(at.length, 20);
    for (let i = 1; i < at.length; i++) t.is(at[i] - at[i - 1], 1e9);
    k.callout_stop(c);
  });
}
