// sys/netpfil/ipfw/dn_sched_fq_codel_helper.h: FQ-CoDel's own CoDel
// dequeue over its sub-queues (fq_codel_flow), with the scheduler's CoDel
// parameters; the control law is dn_aqm_codel.ts's.

import { m_freem } from "../../kern/kern_mbuf.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import { AQM_UNOW } from "./dn_aqm.ts";
import { CODEL_ECN_ENABLED, control_law } from "./dn_aqm_codel.ts";
import { fq_codel_extract_head, fq_update_stats, type fq_codel_flow, type fq_codel_schk, type fq_codel_si } from "./dn_sched_fq_codel.ts";
import { ecn_mark } from "./ip_dn_io.ts";
import type { dn_schk } from "./ip_dn_private.ts";

// Scratch for the per-packet path (the C code's locals).
const pkt_ts = { v: 0 };
const ok = { v: 0 };

/** fqc_dodequeue: the sub-queue's head, and whether CoDel may drop it. */
function fqc_dodequeue(q: fq_codel_flow, now: number, ok_to_drop: { v: number }, si: fq_codel_si): mbuf | null {
  const schk = (si._si.sched as dn_schk).sched_data as fq_codel_schk;
  ok_to_drop.v = 0;
  const m = fq_codel_extract_head(q, pkt_ts, si);
  if (m === null) {
    q.cst.first_above_time = 0;
    return m;
  }
  const sojourn_time = (now - pkt_ts.v) >>> 0;
  if (sojourn_time < schk.cfg.ccfg.target || q.stats.len_bytes <= q.cst.maxpkt_size) {
    q.cst.first_above_time = 0;
  } else if (q.cst.first_above_time === 0) {
    q.cst.first_above_time = (now + schk.cfg.ccfg.interval) >>> 0;
  } else if (now >= q.cst.first_above_time) {
    ok_to_drop.v = 1;
  }
  return m;
}

/** fqc_codel_dequeue: CoDel's dequeue on one sub-queue. */
export function fqc_codel_dequeue(q: fq_codel_flow, si: fq_codel_si): mbuf | null {
  const schk = (si._si.sched as dn_schk).sched_data as fq_codel_schk;
  const cst = q.cst;
  const cprms = schk.cfg.ccfg;
  const now = AQM_UNOW();
  let m = fqc_dodequeue(q, now, ok, si);
  if (cst.dropping !== 0) {
    if (ok.v === 0) cst.dropping = 0;
    while (now >= cst.drop_next_time && cst.dropping !== 0) {
      if ((cprms.flags & CODEL_ECN_ENABLED) !== 0 && m !== null && ecn_mark(m) !== 0) {
        cst.count++;
        cst.drop_next_time = control_law(cst, cprms, cst.drop_next_time);
        return m;
      }
      fq_update_stats(q, si, 0, 1);
      if (m !== null) m_freem(m);
      m = fqc_dodequeue(q, now, ok, si);
      if (ok.v === 0) cst.dropping = 0;
      else {
        cst.count++;
        cst.drop_next_time = control_law(cst, cprms, cst.drop_next_time);
      }
    }
  } else if (ok.v !== 0) {
    if ((cprms.flags & CODEL_ECN_ENABLED) === 0 || m === null || ecn_mark(m) === 0) {
      fq_update_stats(q, si, 0, 1);
      if (m !== null) m_freem(m);
      m = fqc_dodequeue(q, now, ok, si);
    }
    cst.dropping = 1;
    cst.count = cst.count > 2 && ((now - cst.drop_next_time) | 0) >>> 0 < (8 * cprms.interval) >>> 0 ? cst.count - 2 : 1;
    cst.drop_next_time = control_law(cst, cprms, now);
  }
  return m;
}
