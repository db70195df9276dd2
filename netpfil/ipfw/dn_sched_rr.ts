// sys/netpfil/ipfw/dn_sched_rr.c: deficit round robin.  Backlogged queues
// sit on a circular list; each turn a queue may send up to its credit,
// which grows by its quantum (weight par[0] times the step par[1] bytes)
// whenever its head packet does not fit.

import type { mbuf } from "../../kern/mbuf.ts";
import { dn_dequeue, DN_MULTIQUEUE, type dn_alg } from "./dn_sched.ts";
import { dn_enqueue } from "./ip_dn_io.ts";
import { ipdn_bound_var, type dn_fsk, type dn_queue, type dn_sch_inst, type dn_schk } from "./ip_dn_private.ts";

export const DN_SCHED_RR = 3;

/** struct rr_queue's own part. */
class rr_queue {
  quantum = 0;
  credit = 0;
  /** 1 while on the instance's list. */
  status = 0;
  qnext: rr_queue | null = null;
  constructor(readonly q: dn_queue) {}
}
/** struct rr_si: the circular list of backlogged queues. */
class rr_si {
  head: rr_queue | null = null;
  tail: rr_queue | null = null;
}
/** struct rr_schk: quantum bounds and default. */
class rr_schk {
  min_q = 0;
  max_q = 0;
  q_bytes = 0;
}

function RRQ(q: dn_queue): rr_queue {
  return q.sched_data as rr_queue;
}
function RRSI(si: dn_sch_inst): rr_si {
  return si.sched_data as rr_si;
}

function rr_append(q: rr_queue, si: rr_si): void {
  q.status = 1;
  q.credit = q.quantum;
  if (si.head === null) si.head = q;
  else (si.tail as rr_queue).qnext = q;
  si.tail = q;
  q.qnext = si.head;
}

function rr_remove_head(si: rr_si): void {
  const q = si.head;
  if (q === null) return;
  q.status = 0;
  if (si.head === si.tail) {
    si.head = si.tail = null;
    return;
  }
  si.head = q.qnext;
  (si.tail as rr_queue).qnext = si.head;
}

/** Take q off the list wherever it is. */
function remove_queue_q(q: rr_queue, si: rr_si): void {
  if (q.status !== 1) return;
  if (q === si.head) {
    rr_remove_head(si);
    return;
  }
  let prev = si.head as rr_queue;
  while (prev.qnext !== q) prev = prev.qnext as rr_queue;
  prev.qnext = q.qnext;
  if (q === si.tail) si.tail = prev;
  q.status = 0;
}

function next_pointer(si: rr_si): void {
  if (si.head === null) return;
  si.head = si.head.qnext;
  si.tail = (si.tail as rr_queue).qnext;
}

function rr_enqueue(_si: dn_sch_inst, q: dn_queue | null, m: mbuf): number {
  const qq = q as dn_queue;
  if (m !== qq.mq.head) {
    if (dn_enqueue(qq, m, 0) !== 0) return 1;
    if (m !== qq.mq.head) return 0;
  }
  // The queue was idle: it joins the round.
  const rrq = RRQ(qq);
  if (rrq.status === 1) return 0;
  rr_append(rrq, RRSI(_si));
  return 0;
}

function rr_dequeue(_si: dn_sch_inst): mbuf | null {
  const si = RRSI(_si);
  let rrq: rr_queue | null;
  while ((rrq = si.head) !== null) {
    const m = rrq.q.mq.head;
    if (m === null) {
      rr_remove_head(si);
      continue;
    }
    const len = m.m_pkthdr.len;
    if (len > rrq.credit) {
      rrq.credit += rrq.quantum;
      next_pointer(si);
    } else {
      rrq.credit -= len;
      return dn_dequeue(rrq.q);
    }
  }
  return null;
}

function rr_config(s: dn_schk): number {
  const c = new rr_schk();
  c.min_q = 64;
  c.max_q = 2048;
  c.q_bytes = 1500;
  s.sched_data = c;
  return 0;
}

function rr_new_sched(si: dn_sch_inst): number {
  si.sched_data = new rr_si();
  return 0;
}

function rr_new_fsk(fs: dn_fsk): number {
  const c = (fs.sched as dn_schk).sched_data as rr_schk;
  fs.fs.par[0] = ipdn_bound_var(fs.fs.par[0], 1, 1, 65536);
  fs.fs.par[1] = ipdn_bound_var(fs.fs.par[1], c.q_bytes, c.min_q, c.max_q);
  return 0;
}

function rr_new_queue(q: dn_queue): number {
  const fs = q.fs as dn_fsk;
  const rrq = new rr_queue(q);
  q.sched_data = rrq;
  rrq.quantum = fs.fs.par[0] * fs.fs.par[1];
  q.ni.oid.subtype = DN_SCHED_RR;
  if (q.mq.head !== null) rr_append(rrq, RRSI(q._si as dn_sch_inst));
  return 0;
}

function rr_free_queue(q: dn_queue): number {
  const rrq = RRQ(q);
  if (rrq.status === 1) remove_queue_q(rrq, RRSI(q._si as dn_sch_inst));
  return 0;
}

export const rr_desc: dn_alg = {
  type: DN_SCHED_RR,
  name: "RR",
  flags: DN_MULTIQUEUE,
  enqueue: rr_enqueue,
  dequeue: rr_dequeue,
  config: rr_config,
  destroy: null,
  getconfig: null,
  new_sched: rr_new_sched,
  free_sched: null,
  new_fsk: rr_new_fsk,
  free_fsk: null,
  new_queue: rr_new_queue,
  free_queue: rr_free_queue,
  ref_count: 0,
};
