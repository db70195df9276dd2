// sys/netpfil/ipfw/dn_aqm.h: the interface of a dummynet Active Queue
// Management algorithm (struct dn_aqm) and what every AQM shares: its time
// base and the queue/instance statistics it keeps itself.  A flowset with
// an AQM (DN_IS_AQM) hands its queues' enqueue and dequeue to the
// algorithm; config/getconfig carry the dn_extra_parms userland sends and
// reads back.  AQMs register through dn_aqm_modevent (DECLARE_DNAQM_MODULE),
// in ip_dummynet.ts beside the schedulers.

import type { mbuf } from "../../kern/mbuf.ts";
import { hz } from "../../kern/kern_timeout.ts";
import type { dn_extra_parms } from "../../netinet/ip_dummynet.ts";
import { V_dn_cfg, type dn_fsk, type dn_queue } from "./ip_dn_private.ts";

/**
 * AQM_UNOW: dummynet's clock in microseconds (curr_time ticks times
 * `tick`, the microseconds of one tick), as an aqm_time_t: unsigned 32
 * bits, so it wraps after about 4294 seconds as FreeBSD's does.
 */
export function AQM_UNOW(): number {
  return (V_dn_cfg().curr_time * Math.trunc(1000000 / hz)) >>> 0;
}

export const AQM_TIME_1US = 1;
export const AQM_TIME_1MS = 1000;
export const AQM_TIME_1S = AQM_TIME_1MS * 1000;

/** BOUND_VAR: x within [l, h]. */
export function BOUND_VAR(x: number, l: number, h: number): number {
  return x > h ? h : x > l ? x : l;
}

/** struct dn_aqm. */
export interface dn_aqm {
  readonly name: string;
  readonly type: number;
  /** Queue m on q; 1 if it was dropped (and freed). */
  enqueue(q: dn_queue, m: mbuf): number;
  dequeue(q: dn_queue): mbuf | null;
  config: ((fs: dn_fsk, ep: dn_extra_parms, len: number) => number) | null;
  deconfig: ((fs: dn_fsk) => number) | null;
  init: ((q: dn_queue) => number) | null;
  cleanup: ((q: dn_queue) => number) | null;
  /** Fill ep with the flowset's parameters; nonzero if it has none. */
  getconfig: ((fs: dn_fsk, ep: dn_extra_parms) => number) | null;
  /** Queues with this AQM's state. */
  ref_count: number;
  /** Flowsets configured with this AQM. */
  cfg_ref_count: number;
}

/**
 * update_stats: keep the queue's and its instance's counters as an AQM
 * moves packets itself.  len > 0 is an enqueue, len < 0 a dequeue, drop
 * counts a drop (tot_pkts and tot_bytes were counted by dn_enqueue).
 */
export function update_stats(q: dn_queue, len: number, drop: number): void {
  const sni = (q._si as NonNullable<dn_queue["_si"]>).ni;
  const qni = q.ni;
  const inc = len < 0 ? -1 : len > 0 ? 1 : 0;
  if (drop !== 0) {
    qni.drops++;
    sni.drops++;
    V_dn_cfg().io_pkt_drop++;
  } else {
    qni.length += inc;
    qni.len_bytes += len;
    sni.length += inc;
    sni.len_bytes += len;
  }
}
