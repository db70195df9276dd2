// sys/netpfil/ipfw/dn_sched.h: the interface of a dummynet scheduler
// (struct dn_alg) and the helper every scheduler dequeues with.  A
// scheduler keeps its own data per scheduler (dn_schk), per instance, per
// flowset and per queue; FreeBSD places it after the structure in one
// allocation (si + 1), here it hangs off a sched_data field.

import type { mbuf } from "../../kern/mbuf.ts";
import type { dn_extra_parms } from "../../netinet/ip_dummynet.ts";
import { V_dn_cfg, type dn_fsk, type dn_queue, type dn_sch_inst, type dn_schk } from "./ip_dn_private.ts";

/** The scheduler handles several queues (else one queue per instance). */
export const DN_MULTIQUEUE = 0x01;

/** struct dn_alg. */
export interface dn_alg {
  readonly type: number;
  readonly name: string;
  readonly flags: number;
  /** Enqueue m on q (or the instance's own queue); 1 if it was dropped. */
  enqueue(si: dn_sch_inst, q: dn_queue | null, m: mbuf): number;
  dequeue(si: dn_sch_inst): mbuf | null;
  config: ((s: dn_schk) => number) | null;
  destroy: ((s: dn_schk) => number) | null;
  /** The scheduler's parameters for userland (NEW_AQM); nonzero: none. */
  getconfig: ((s: dn_schk, ep: dn_extra_parms) => number) | null;
  new_sched: ((si: dn_sch_inst) => number) | null;
  free_sched: ((si: dn_sch_inst) => number) | null;
  new_fsk: ((fs: dn_fsk) => number) | null;
  free_fsk: ((fs: dn_fsk) => number) | null;
  new_queue: ((q: dn_queue) => number) | null;
  free_queue: ((q: dn_queue) => number) | null;
  ref_count: number;
}

/** dn_dequeue: the head packet of q, with the queue's and instance's counts. */
export function dn_dequeue(q: dn_queue): mbuf | null {
  const m = q.mq.head;
  if (m === null) return null;
  // A flowset with an AQM dequeues through it (NEW_AQM).
  const fs = q.fs;
  if (fs !== null && fs.aqmfp !== null) return fs.aqmfp.dequeue(q);
  q.mq.head = m.m_nextpkt;
  q.mq.count--;
  q.ni.length--;
  q.ni.len_bytes -= m.m_pkthdr.len;
  const si = q._si;
  if (si !== null) {
    si.ni.length--;
    si.ni.len_bytes -= m.m_pkthdr.len;
  }
  // An emptied queue starts its idle time (RED's average decays from here).
  if (q.ni.length === 0) q.q_time = V_dn_cfg().curr_time;
  m.m_nextpkt = null;
  return m;
}
