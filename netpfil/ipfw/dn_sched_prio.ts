// sys/netpfil/ipfw/dn_sched_prio.c: strict priority.  A flowset's par[0]
// is its priority, 0 the highest; the instance sends from the backlogged
// queue of the highest priority, one queue per priority level.

import type { mbuf } from "../../kern/mbuf.ts";
import { dn_dequeue, DN_MULTIQUEUE, type dn_alg } from "./dn_sched.ts";
import { dn_enqueue } from "./ip_dn_io.ts";
import { ipdn_bound_var, type dn_fsk, type dn_queue, type dn_sch_inst } from "./ip_dn_private.ts";

export const DN_SCHED_PRIO = 5;
/** Bits in the bitmap (an unsigned long on amd64). */
const MAXPRIO = 64;

/** struct prio_si: a queue per priority; a null slot is a clear bit. */
class prio_si {
  readonly q_array: (dn_queue | null)[] = new Array<dn_queue | null>(MAXPRIO).fill(null);
  /** Backlogged levels (the bitmap's population). */
  nbits = 0;
}

function PSI(si: dn_sch_inst): prio_si {
  return si.sched_data as prio_si;
}
function prio_of(q: dn_queue): number {
  return (q.fs as dn_fsk).fs.par[0];
}

function prio_enqueue(_si: dn_sch_inst, q: dn_queue | null, m: mbuf): number {
  const si = PSI(_si);
  let qq = q as dn_queue;
  const prio = prio_of(qq);
  const cur = si.q_array[prio];
  if (cur === null) {
    si.q_array[prio] = qq;
    si.nbits++;
  } else qq = cur; // a queue of that priority is backlogged: use it
  return dn_enqueue(qq, m, 0) !== 0 ? 1 : 0;
}

function prio_dequeue(_si: dn_sch_inst): mbuf | null {
  const si = PSI(_si);
  if (si.nbits === 0) return null;
  // ffs: the lowest set bit is the highest priority.
  let prio = 0;
  while (si.q_array[prio] === null) prio++;
  const q = si.q_array[prio] as dn_queue;
  const m = dn_dequeue(q);
  if (q.mq.head === null) {
    si.q_array[prio] = null;
    si.nbits--;
  }
  return m;
}

function prio_new_sched(si: dn_sch_inst): number {
  si.sched_data = new prio_si();
  return 0;
}

function prio_new_fsk(fs: dn_fsk): number {
  fs.fs.par[0] = ipdn_bound_var(fs.fs.par[0], 0, 0, MAXPRIO - 1);
  return 0;
}

function prio_new_queue(q: dn_queue): number {
  const si = PSI(q._si as dn_sch_inst);
  const prio = prio_of(q);
  q.ni.oid.subtype = DN_SCHED_PRIO;
  if (q.mq.head === null) return 0;
  // Packets already queued: join the level, or hand them to the queue
  // that holds it.
  const oldq = si.q_array[prio];
  if (oldq === null) {
    si.q_array[prio] = q;
    si.nbits++;
  } else if (oldq !== q) {
    if (oldq.mq.tail !== null) oldq.mq.tail.m_nextpkt = q.mq.head;
    else oldq.mq.head = q.mq.head;
    oldq.mq.tail = q.mq.tail;
    oldq.ni.length += q.ni.length;
    q.ni.length = 0;
    oldq.ni.len_bytes += q.ni.len_bytes;
    q.ni.len_bytes = 0;
    q.mq.tail = q.mq.head = null;
  }
  return 0;
}

function prio_free_queue(q: dn_queue): number {
  const si = PSI(q._si as dn_sch_inst);
  const prio = prio_of(q);
  if (si.q_array[prio] === q) {
    si.q_array[prio] = null;
    si.nbits--;
  }
  return 0;
}

export const prio_desc: dn_alg = {
  type: DN_SCHED_PRIO,
  name: "PRIO",
  flags: DN_MULTIQUEUE,
  enqueue: prio_enqueue,
  dequeue: prio_dequeue,
  config: null,
  destroy: null,
  getconfig: null,
  new_sched: prio_new_sched,
  free_sched: null,
  new_fsk: prio_new_fsk,
  free_fsk: null,
  new_queue: prio_new_queue,
  free_queue: prio_free_queue,
  ref_count: 0,
};
