// sys/kern/subr_taskqueue.c, sys/sys/_task.h: deferred work.  A task
// enqueued now runs "soon": after the current call chain returns, at the same
// virtual time, before the clock may advance (kern_timeout's run loop drains
// the queue first).  Enqueueing a task that is already queued only bumps its
// pending count, as in FreeBSD.

export class task {
  ta_pending = 0;
  constructor(
    public ta_func: (context: unknown, pending: number) => void,
    public ta_context: unknown,
    public ta_priority = 0,
  ) {}
}

// The queue keeps its storage between runs (queue[head..tail) is live):
// truncating it would make V8 grow a new backing store, an allocation on
// every packet that schedules a task.
const queue: (task | null)[] = [];
let head = 0;
let tail = 0;

/** TASK_INIT. */
export function TASK_INIT(func: (context: unknown, pending: number) => void, context: unknown): task {
  return new task(func, context);
}

/** taskqueue_enqueue: 0, or nothing new if already pending. */
export function taskqueue_enqueue(t: task): number {
  if (t.ta_pending > 0) {
    if (t.ta_pending < 0xffff) t.ta_pending++;
    return 0;
  }
  t.ta_pending = 1;
  if (tail === queue.length) queue.push(t);
  else queue[tail] = t;
  tail++;
  return 0;
}

/** taskqueue_cancel: 0 if the task was not queued, else removes it. */
export function taskqueue_cancel(t: task): number {
  if (t.ta_pending === 0) return 0;
  for (let i = head; i < tail; i++) {
    if (queue[i] !== t) continue;
    queue.copyWithin(i, i + 1, tail);
    queue[--tail] = null;
    break;
  }
  t.ta_pending = 0;
  return 0;
}

/** Run queued tasks until none is left; returns how many ran. */
export function taskqueue_run(): number {
  let n = 0;
  while (head < tail) {
    const t = queue[head] as task;
    queue[head++] = null;
    const pending = t.ta_pending;
    t.ta_pending = 0;
    n++;
    t.ta_func(t.ta_context, pending);
  }
  head = tail = 0;
  return n;
}

export function taskqueue_pending(): boolean {
  return head < tail;
}
