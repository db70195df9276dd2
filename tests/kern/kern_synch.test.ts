// kern_synch: a process that gives up the CPU (sched_relinquish) goes on
// once the taskqueues are empty, or after its turn even while a flood from
// userland refills them at one virtual instant.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";

/** A "kernel thread" whose work wakes a "userland" loop that queues the
 *  work again from a promise reaction, as a flood ping does over a link
 *  with no delay; stops after `limit` rounds (0: never on its own). */
function flood(k: Kernel, limit: number): { rounds: () => number; stop: () => void } {
  let rounds = 0;
  let stopped = false;
  const t = k.TASK_INIT(() => {
    rounds++;
    if (stopped || (limit > 0 && rounds >= limit)) return;
    void Promise.resolve().then(() => {
      if (!stopped) k.taskqueue_enqueue(t);
    });
  }, null);
  k.taskqueue_enqueue(t);
  return { rounds: () => rounds, stop: () => void (stopped = true) };
}

for (const build of BOTH) {
  test(`${build}: sched_relinquish waits while the queues drain, then goes on`, async (t) => {
    const k = await loadKernel(build);
    const f = flood(k, 50);
    await k.sched_relinquish();
    // A short burst is all delivered before the yielder goes on.
    t.is(f.rounds(), 50);
    t.false(k.taskqueue_pending());
  });

  test(`${build}: a flood that refills the queues at one instant does not keep a yielder for ever`, async (t) => {
    const k = await loadKernel(build);
    const f = flood(k, 0);
    const before = k.nanouptime_ns();
    await k.sched_relinquish();
    const rounds = f.rounds();
    f.stop();
    // It went on after its turn (1,000 passes of the idle loop), with the
    // flood still going and the clock where it was.
    t.true(rounds >= 1000 && rounds < 1100, `rounds ${rounds}`);
    t.is(k.nanouptime_ns(), before);
    // The same again: the count starts afresh for the next yielder.
    const g = flood(k, 0);
    await k.sched_relinquish();
    const again = g.rounds();
    g.stop();
    t.true(again >= 1000 && again < 1100, `rounds ${again}`);
  });
}
