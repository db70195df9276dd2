// sys/netpfil/ipfw/dn_sched_fifo.c: the FIFO scheduler.  One queue per
// instance (no DN_MULTIQUEUE): every packet of the instance waits in it in
// arrival order.  It serves pipes' second half (the N+65536 schedulers).

import type { mbuf } from "../../kern/mbuf.ts";
import { DN_QUEUE, DN_SCHED_FIFO, SIZEOF_DN_FLOW, set_oid } from "../../netinet/ip_dummynet.ts";
import { dn_dequeue, type dn_alg } from "./dn_sched.ts";
import { dn_enqueue, dn_free_pkts } from "./ip_dn_io.ts";
import { dn_queue, type dn_sch_inst } from "./ip_dn_private.ts";

function fifo_enqueue(si: dn_sch_inst, _q: dn_queue | null, m: mbuf): number {
  // The instance's own queue; the one passed is ignored.
  return dn_enqueue(si.q0 as dn_queue, m, 0);
}

function fifo_dequeue(si: dn_sch_inst): mbuf | null {
  return dn_dequeue(si.q0 as dn_queue);
}

function fifo_new_sched(si: dn_sch_inst): number {
  const q = new dn_queue();
  set_oid(q.ni.oid, DN_QUEUE, SIZEOF_DN_FLOW);
  q._si = si;
  q.fs = si.sched === null ? null : si.sched.fs;
  si.q0 = q;
  return 0;
}

function fifo_free_sched(si: dn_sch_inst): number {
  const q = si.q0;
  if (q !== null) {
    dn_free_pkts(q.mq.head);
    q.mq.head = q.mq.tail = null;
    q.mq.count = 0;
    q.ni.length = q.ni.len_bytes = q.ni.tot_pkts = q.ni.tot_bytes = q.ni.drops = 0;
  }
  return 0;
}

export const fifo_desc: dn_alg = {
  type: DN_SCHED_FIFO,
  name: "FIFO",
  flags: 0,
  enqueue: fifo_enqueue,
  dequeue: fifo_dequeue,
  config: null,
  destroy: null,
  getconfig: null,
  new_sched: fifo_new_sched,
  free_sched: fifo_free_sched,
  new_fsk: null,
  free_fsk: null,
  new_queue: null,
  free_queue: null,
  ref_count: 0,
};
