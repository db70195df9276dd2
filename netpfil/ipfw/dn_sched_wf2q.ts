// sys/netpfil/ipfw/dn_sched_wf2q.c: WF2Q+ (Bennett and Zhang).  Each
// backlogged queue has a virtual start and finish time; the instance's
// virtual time V advances by len/sum-of-weights per packet sent, and the
// queue with the smallest finish among those already eligible (start <= V)
// sends next.  Weights are par[0] (1..100); the arithmetic is fixed point
// with 16 fractional bits, as in FreeBSD.

import type { mbuf } from "../../kern/mbuf.ts";
import { DN_SCHED_WF2QP } from "../../netinet/ip_dummynet.ts";
import { dn_heap, heap_extract, heap_free, heap_init, heap_insert, HEAP_TOP } from "./dn_heap.ts";
import { dn_dequeue, DN_MULTIQUEUE, type dn_alg } from "./dn_sched.ts";
import { dn_enqueue } from "./ip_dn_io.ts";
import { ipdn_bound_var, type dn_fsk, type dn_queue, type dn_sch_inst } from "./ip_dn_private.ts";

const MY_M = 16;
const ONE_FP = 2 ** MY_M;

/** struct wf2qp_si. */
class wf2qp_si {
  /** Eligible queues, by finish time. */
  readonly sch_heap = new dn_heap<wf2qp_queue>();
  /** Queues not yet eligible, by start time. */
  readonly ne_heap = new dn_heap<wf2qp_queue>();
  /** Idle queues, by finish time, until V passes it. */
  readonly idle_heap = new dn_heap<wf2qp_queue>();
  V = 0;
  inv_wsum = 0;
  wsum = 0;
}

/** struct wf2qp_queue's own part. */
class wf2qp_queue {
  S = 0;
  F = 0;
  inv_w = 0;
  heap_pos = -1;
  constructor(readonly q: dn_queue) {}
}

function WSI(si: dn_sch_inst): wf2qp_si {
  return si.sched_data as wf2qp_si;
}
function WQ(q: dn_queue): wf2qp_queue {
  return q.sched_data as wf2qp_queue;
}
function weight_of(q: dn_queue): number {
  return (q.fs as dn_fsk).fs.par[0];
}

/** Forget up to n idle queues whose finish time V has passed (all with force). */
function idle_check(si: wf2qp_si, n: number, force: boolean): void {
  const h = si.idle_heap;
  while (n-- > 0 && h.elements > 0 && (force || HEAP_TOP(h).key < si.V)) {
    const alg_fq = HEAP_TOP(h).object as wf2qp_queue;
    heap_extract(h, null);
    // An invalid timestamp (F < S) marks the queue as new.
    alg_fq.S = alg_fq.F + 1;
    si.wsum -= weight_of(alg_fq.q);
    if (si.wsum > 0) si.inv_wsum = Math.floor(ONE_FP / si.wsum);
  }
}

function wf2qp_enqueue(_si: dn_sch_inst, q: dn_queue | null, m: mbuf): number {
  const qq = q as dn_queue;
  const si = WSI(_si);
  const len = m.m_pkthdr.len;
  if (m !== qq.mq.head) {
    if (dn_enqueue(qq, m, 0) !== 0) return 1;
    if (m !== qq.mq.head) return 0; // already backlogged
  }
  // The queue was idle.
  const alg_fq = WQ(qq);
  if (alg_fq.F < alg_fq.S) {
    // A brand new queue.
    alg_fq.S = si.V;
    si.wsum += weight_of(qq);
    si.inv_wsum = Math.floor(ONE_FP / si.wsum);
  } else {
    heap_extract(si.idle_heap, alg_fq);
    alg_fq.S = Math.max(alg_fq.F, si.V);
  }
  alg_fq.F = alg_fq.S + len * alg_fq.inv_w;
  // With nothing backlogged this queue must be eligible.
  if (si.ne_heap.elements === 0 && si.sch_heap.elements === 0) si.V = Math.max(alg_fq.S, si.V);
  if (si.V < alg_fq.S) heap_insert(si.ne_heap, alg_fq.S, alg_fq);
  else heap_insert(si.sch_heap, alg_fq.F, alg_fq);
  return 0;
}

function wf2qp_dequeue(_si: dn_sch_inst): mbuf | null {
  const si = WSI(_si);
  const sch = si.sch_heap;
  const neh = si.ne_heap;
  if (sch.elements === 0 && neh.elements === 0) {
    // Nothing to send: forget the idle queues and restart virtual time.
    idle_check(si, 0x7fffffff, true);
    si.V = 0;
    si.wsum = 0;
    return null;
  }
  idle_check(si, 1, false);
  let m: mbuf | null = null;
  for (;;) {
    // V = max(V, min S) over the queues; only the not-eligible heap can
    // hold a start beyond V.
    if (sch.elements === 0 && neh.elements > 0) si.V = Math.max(si.V, HEAP_TOP(neh).key);
    while (neh.elements > 0 && HEAP_TOP(neh).key <= si.V) {
      const fq = HEAP_TOP(neh).object as wf2qp_queue;
      heap_extract(neh, null);
      heap_insert(sch, fq.F, fq);
    }
    if (m !== null) break;
    const alg_fq = HEAP_TOP(sch).object as wf2qp_queue;
    const q = alg_fq.q;
    m = dn_dequeue(q) as mbuf;
    heap_extract(sch, null);
    si.V += m.m_pkthdr.len * si.inv_wsum;
    alg_fq.S = alg_fq.F;
    if (q.mq.head === null) heap_insert(si.idle_heap, alg_fq.F, alg_fq);
    else {
      alg_fq.F += q.mq.head.m_pkthdr.len * alg_fq.inv_w;
      if (alg_fq.S <= si.V) heap_insert(sch, alg_fq.F, alg_fq);
      else heap_insert(neh, alg_fq.S, alg_fq);
    }
  }
  return m;
}

function wf2qp_new_sched(_si: dn_sch_inst): number {
  const si = new wf2qp_si();
  heap_init(si.ne_heap, 32, true);
  heap_init(si.sch_heap, 32, true);
  heap_init(si.idle_heap, 32, true);
  _si.sched_data = si;
  return 0;
}

function wf2qp_free_sched(_si: dn_sch_inst): number {
  const si = WSI(_si);
  heap_free(si.ne_heap);
  heap_free(si.sch_heap);
  heap_free(si.idle_heap);
  return 0;
}

function wf2qp_new_fsk(fs: dn_fsk): number {
  fs.fs.par[0] = ipdn_bound_var(fs.fs.par[0], 1, 1, 100);
  return 0;
}

function wf2qp_new_queue(q: dn_queue): number {
  const alg_fq = new wf2qp_queue(q);
  q.sched_data = alg_fq;
  q.ni.oid.subtype = DN_SCHED_WF2QP;
  alg_fq.F = 0;
  alg_fq.S = alg_fq.F + 1;
  alg_fq.inv_w = Math.floor(ONE_FP / weight_of(q));
  if (q.mq.head !== null) wf2qp_enqueue(q._si as dn_sch_inst, q, q.mq.head);
  return 0;
}

function wf2qp_free_queue(q: dn_queue): number {
  const alg_fq = WQ(q);
  const si = WSI(q._si as dn_sch_inst);
  if (alg_fq.S >= alg_fq.F + 1) return 0; // in no heap
  si.wsum -= weight_of(q);
  if (si.wsum > 0) si.inv_wsum = Math.floor(ONE_FP / si.wsum);
  if (q.mq.head === null) heap_extract(si.idle_heap, alg_fq);
  else if (si.V < alg_fq.S) heap_extract(si.ne_heap, alg_fq);
  else heap_extract(si.sch_heap, alg_fq);
  return 0;
}

export const wf2qp_desc: dn_alg = {
  type: DN_SCHED_WF2QP,
  name: "WF2Q+",
  flags: DN_MULTIQUEUE,
  enqueue: wf2qp_enqueue,
  dequeue: wf2qp_dequeue,
  config: null,
  destroy: null,
  getconfig: null,
  new_sched: wf2qp_new_sched,
  free_sched: wf2qp_free_sched,
  new_fsk: wf2qp_new_fsk,
  free_fsk: null,
  new_queue: wf2qp_new_queue,
  free_queue: wf2qp_free_queue,
  ref_count: 0,
};
