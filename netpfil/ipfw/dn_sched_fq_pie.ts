// sys/netpfil/ipfw/dn_sched_fq_pie.c: the FQ-PIE scheduler.  FQ-CoDel's
// flow queueing (hashed sub-queues, deficit round robin, new flows first,
// the largest sub-queue's head dropped past `limit`) with a PIE controller
// per sub-queue instead of CoDel: each active flow has its own drop
// probability, recomputed by its own callout every `tupdate`.  The list
// operations and the flow hash are dn_sched_fq_codel.ts's; the PIE pieces
// are dn_aqm_pie.ts's.  FreeBSD frees an instance's flows from a callout
// once the last one stops; with one thread we stop each flow's callout when
// the instance goes.

import { EINVAL } from "../../kern/errno.ts";
import { random } from "../../kern/arc4random.ts";
import { m_freem } from "../../kern/kern_mbuf.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import { SBT_1US, callout_init, callout_reset_sbt, callout_stop } from "../../kern/kern_timeout.ts";
import { CTLFLAG_RW, CTLTYPE_LONG, CTLTYPE_UINT, OID_AUTO, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC, type sysctl_handler_t, type sysctl_oid } from "../../kern/sysctl.ts";
import { DN_SCH_PARAMS, SIZEOF_DN_EXTRA_PARMS, dn_flow, type dn_extra_parms } from "../../netinet/ip_dummynet.ts";
import { AQM_TIME_1S, AQM_TIME_1US, AQM_UNOW, BOUND_VAR } from "./dn_aqm.ts";
import {
  DROP, ENQUE, PIE_ACTIVE, PIE_CAPDROP_ENABLED, PIE_DEPRATEEST_ENABLED, PIE_DERAND_ENABLED, PIE_ECN_ENABLED, PIE_FIX_POINT_BITS,
  PIE_INMEASUREMENT, PIE_ON_OFF_MODE_ENABLED, PIE_PROB_BITS, PIE_SCALE, dn_aqm_pie_parms, drop_early, pie_dre_update,
  pie_drop_prob_update, pie_status,
} from "./dn_aqm_pie.ts";
import type { dn_alg } from "./dn_sched.ts";
import { fq_classify, fq_codel_list, fq_flow_flush, fq_largest_flow, fq_main_queue, fq_update_stats, list_insert_tail, list_remove_head } from "./dn_sched_fq_codel.ts";
import { dn_tag_get, ecn_mark } from "./ip_dn_io.ts";
import { V_dn_cfg, dn_queue, mq, mq_append, type dn_sch_inst, type dn_schk } from "./ip_dn_private.ts";

export const DN_SCHED_FQ_PIE = 7;

/** struct dn_sch_fq_pie_parms. */
export class dn_sch_fq_pie_parms {
  readonly pcfg = new dn_aqm_pie_parms();
  flows_cnt = 0;
  limit = 0;
  quantum = 0;
}

/** struct fq_pie_flow: one sub-queue and its PIE. */
export class fq_pie_flow {
  readonly mq = new mq();
  readonly stats = new dn_flow();
  deficit = 0;
  active = 0;
  pst: pie_status;
  next: fq_pie_flow | null = null;
  constructor(parms: dn_aqm_pie_parms, mainq: dn_queue, one_third_q_size: number) {
    this.pst = new pie_status(parms, mainq, one_third_q_size);
  }
}

export class fq_pie_schk {
  readonly cfg = new dn_sch_fq_pie_parms();
}

/** struct fq_pie_si (with its fq_pie_si_extra: the flows). */
export class fq_pie_si {
  main_q: dn_queue;
  flows: fq_pie_flow[] = [];
  nr_active_q = 0;
  perturbation = 0;
  readonly newflows = new fq_codel_list<fq_pie_flow>();
  readonly oldflows = new fq_codel_list<fq_pie_flow>();
  constructor(readonly _si: dn_sch_inst) {
    this.main_q = _si.q0 as dn_queue;
  }
}

/** The defaults (net.inet.ip.dummynet.fqpie.*): PIE's, without DRE, and FQ's. */
export const fq_pie_sysctl = new dn_sch_fq_pie_parms();
fq_pie_sysctl.pcfg.qdelay_ref = 15000 * AQM_TIME_1US;
fq_pie_sysctl.pcfg.tupdate = 15000 * AQM_TIME_1US;
fq_pie_sysctl.pcfg.max_burst = 150000 * AQM_TIME_1US;
fq_pie_sysctl.pcfg.max_ecnth = Math.trunc(PIE_SCALE * 0.1);
fq_pie_sysctl.pcfg.alpha = Math.trunc(PIE_SCALE * 0.125);
fq_pie_sysctl.pcfg.beta = Math.trunc(PIE_SCALE * 1.25);
fq_pie_sysctl.pcfg.flags = PIE_CAPDROP_ENABLED | PIE_DERAND_ENABLED;
fq_pie_sysctl.flows_cnt = 1024;
fq_pie_sysctl.limit = 10240;
fq_pie_sysctl.quantum = 1514;

function fqpie_handler(get: () => number, set: (v: number) => void, lo: number, hi: number): sysctl_handler_t {
  return (_oidp, _arg1, _arg2, req) => {
    const error = SYSCTL_OUT(req, get());
    if (error !== 0 || req.newval === null) return error;
    const v = req.newval;
    if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) return EINVAL;
    set(v);
    return 0;
  };
}

/** net.inet.ip.dummynet.fqpie, under dummynet's node. */
export function fqpie_sysctl_attach(dummynet: sysctl_oid): void {
  const n = SYSCTL_NODE(dummynet, OID_AUTO, "fqpie", CTLFLAG_RW, null, "FQ_PIE");
  const c = fq_pie_sysctl.pcfg;
  const rw = CTLTYPE_LONG | CTLFLAG_RW;
  const time = (k: "qdelay_ref" | "tupdate" | "max_burst"): sysctl_handler_t =>
    fqpie_handler(() => Math.trunc(c[k] / AQM_TIME_1US), (v) => void (c[k] = v * AQM_TIME_1US), 1, 10 * AQM_TIME_1S);
  const scaled = (k: "alpha" | "beta" | "max_ecnth", hi: number): sysctl_handler_t =>
    fqpie_handler(() => Math.trunc((c[k] * 1000) / PIE_SCALE), (v) => void (c[k] = Math.trunc((v * PIE_SCALE) / 1000)), 1, hi);
  const uint = (k: "quantum" | "flows_cnt" | "limit"): sysctl_handler_t => fqpie_handler(() => fq_pie_sysctl[k], (v) => void (fq_pie_sysctl[k] = v), 0, 0xffffffff);
  SYSCTL_PROC(n, OID_AUTO, "target", rw, null, 0, time("qdelay_ref"), "L", "queue target in microsecond");
  SYSCTL_PROC(n, OID_AUTO, "tupdate", rw, null, 0, time("tupdate"), "L", "the frequency of drop probability calculation in microsecond");
  SYSCTL_PROC(n, OID_AUTO, "max_burst", rw, null, 0, time("max_burst"), "L", "Burst allowance interval in microsecond");
  SYSCTL_PROC(n, OID_AUTO, "max_ecnth", rw, null, 0, scaled("max_ecnth", PIE_SCALE), "L", "ECN safeguard threshold scaled by 1000");
  SYSCTL_PROC(n, OID_AUTO, "alpha", rw, null, 0, scaled("alpha", 7 * PIE_SCALE), "L", "PIE alpha scaled by 1000");
  SYSCTL_PROC(n, OID_AUTO, "beta", rw, null, 0, scaled("beta", 7 * PIE_SCALE), "L", "beta scaled by 1000");
  SYSCTL_PROC(n, OID_AUTO, "quantum", CTLTYPE_UINT | CTLFLAG_RW, null, 0, uint("quantum"), "IU", "quantum for FQ_PIE");
  SYSCTL_PROC(n, OID_AUTO, "flows", CTLTYPE_UINT | CTLFLAG_RW, null, 0, uint("flows_cnt"), "IU", "Number of queues for FQ_PIE");
  SYSCTL_PROC(n, OID_AUTO, "limit", CTLTYPE_UINT | CTLFLAG_RW, null, 0, uint("limit"), "IU", "limit for FQ_PIE");
}

/** fq_calculate_drop_prob: a flow's callout every tupdate. */
function fq_calculate_drop_prob(q: fq_pie_flow): void {
  const pst = q.pst;
  pie_drop_prob_update(pst, q.stats.len_bytes, false);
  if ((pst.sflags & PIE_ACTIVE) !== 0) callout_reset_sbt(pst.aqm_pie_callout, pst.parms.tupdate * SBT_1US, fq_calculate_drop_prob, q);
}

/** fq_activate_pie: reset the flow's PIE and start its callout. */
function fq_activate_pie(q: fq_pie_flow): void {
  const pst = q.pst;
  pst.drop_prob = 0;
  pst.qdelay_old = 0;
  pst.burst_allowance = pst.parms.max_burst;
  pst.accu_prob = 0;
  pst.dq_count = 0;
  pst.avg_dq_time = 0;
  pst.sflags = PIE_INMEASUREMENT | PIE_ACTIVE;
  pst.measurement_start = AQM_UNOW();
  callout_reset_sbt(pst.aqm_pie_callout, pst.parms.tupdate * SBT_1US, fq_calculate_drop_prob, q);
}

function fq_deactivate_pie(pst: pie_status): void {
  pst.sflags &= ~(PIE_ACTIVE | PIE_INMEASUREMENT);
  callout_stop(pst.aqm_pie_callout);
}

const pkt_ts = { v: 0 };

/** fq_pie_extract_head: unlink the sub-queue's head; with getts its enqueue time. */
function fq_pie_extract_head(q: fq_pie_flow, si: fq_pie_si, getts: boolean): mbuf | null {
  const m = q.mq.head;
  if (m === null) return null;
  q.mq.head = m.m_nextpkt;
  q.mq.count--;
  m.m_nextpkt = null;
  fq_update_stats(q, si, -m.m_pkthdr.len, 0);
  if (si.main_q.ni.length === 0) si.main_q.q_time = V_dn_cfg().curr_time;
  if (getts) pkt_ts.v = dn_tag_get(m).aqm_ts;
  return m;
}

/** pie_dequeue: a sub-queue's head, with PIE's delay measurement. */
function pie_dequeue(q: fq_pie_flow, si: fq_pie_si): mbuf | null {
  const pst = q.pst;
  const pprms = pst.parms;
  const m = fq_pie_extract_head(q, si, (pprms.flags & PIE_DEPRATEEST_ENABLED) === 0);
  if (m === null || (pst.sflags & PIE_ACTIVE) === 0) return m;
  const now = AQM_UNOW();
  if ((pprms.flags & PIE_DEPRATEEST_ENABLED) !== 0) pie_dre_update(pst, m.m_pkthdr.len, q.stats.len_bytes, now);
  else pst.current_qdelay = (now - pkt_ts.v) >>> 0;
  return m;
}

/** pie_enqueue: PIE's early drop (or mark) on a sub-queue; the limit is the scheduler's. */
function pie_enqueue(q: fq_pie_flow, m: mbuf, si: fq_pie_si): number {
  const len = m.m_pkthdr.len;
  const pst = q.pst;
  const pprms = pst.parms;
  let t = ENQUE;
  if ((pst.sflags & PIE_ACTIVE) !== 0 && pst.burst_allowance === 0 && drop_early(pst, q.stats.len_bytes) === DROP) {
    if ((pprms.flags & PIE_ECN_ENABLED) !== 0 && pst.drop_prob < pprms.max_ecnth * 2 ** (PIE_PROB_BITS - PIE_FIX_POINT_BITS) && ecn_mark(m) !== 0) t = ENQUE;
    else t = DROP;
  }
  if ((pst.sflags & PIE_ACTIVE) === 0 && q.stats.len_bytes >= pst.one_third_q_size) fq_activate_pie(q);
  if (pst.drop_prob === 0 && pst.current_qdelay < pprms.qdelay_ref >>> 1 && pst.qdelay_old < pprms.qdelay_ref >>> 1) {
    pst.burst_allowance = pprms.max_burst;
    if ((pprms.flags & PIE_ON_OFF_MODE_ENABLED) !== 0 && q.stats.len_bytes <= 0) fq_deactivate_pie(pst);
  }
  if (t !== DROP && (pprms.flags & PIE_DEPRATEEST_ENABLED) === 0) dn_tag_get(m).aqm_ts = AQM_UNOW();
  if (t !== DROP) {
    mq_append(q.mq, m);
    fq_update_stats(q, si, len, 0);
    return 0;
  }
  fq_update_stats(q, si, len, 1);
  pst.accu_prob = 0;
  m_freem(m);
  return 1;
}

/** pie_drop_head: drop a sub-queue's head (over the limit). */
function pie_drop_head(q: fq_pie_flow, si: fq_pie_si): void {
  const m = q.mq.head;
  if (m === null) return;
  q.mq.head = m.m_nextpkt;
  q.mq.count--;
  m.m_nextpkt = null;
  fq_update_stats(q, si, -m.m_pkthdr.len, 1);
  if (si.main_q.ni.length === 0) si.main_q.q_time = V_dn_cfg().curr_time;
  q.pst.accu_prob = 0;
  m_freem(m);
}

function schk_of(si: dn_sch_inst): fq_pie_schk {
  return (si.sched as dn_schk).sched_data as fq_pie_schk;
}

/** fq_pie_enqueue: into the packet's sub-queue (FreeBSD hashes from the start of the mbuf). */
function fq_pie_enqueue(_si: dn_sch_inst, _q: dn_queue | null, m: mbuf): number {
  const si = _si.sched_data as fq_pie_si;
  const schk = schk_of(_si);
  const param = schk.cfg;
  const flows = si.flows;
  const idx = fq_classify(m, m.m_data, param.flows_cnt, si.perturbation);
  let drop = pie_enqueue(flows[idx], m, si);
  if (drop !== 0) return 1;
  if (flows[idx].active === 0) {
    list_insert_tail(si.newflows, flows[idx]);
    flows[idx].deficit = param.quantum;
    fq_activate_pie(flows[idx]);
    flows[idx].active = 1;
  }
  if (si.main_q.ni.length > param.limit) {
    const maxidx = fq_largest_flow(flows, param.flows_cnt);
    if (maxidx >= 0) {
      pie_drop_head(flows[maxidx], si);
      drop = 1;
    }
  }
  return drop;
}

/** fq_pie_dequeue: deficit round robin, new flows first; an emptied old flow stops its PIE. */
function fq_pie_dequeue(_si: dn_sch_inst): mbuf | null {
  const si = _si.sched_data as fq_pie_si;
  const param = schk_of(_si).cfg;
  for (;;) {
    const list = si.newflows.first === null ? si.oldflows : si.newflows;
    if (list.first === null) return null;
    let f: fq_pie_flow | null = list.first;
    while (f !== null && f.deficit < 0) {
      f.deficit += param.quantum;
      list_remove_head(list);
      list_insert_tail(si.oldflows, f);
      f = list.first;
    }
    if (f === null) continue;
    const m = pie_dequeue(f, si);
    if (m === null) {
      list_remove_head(list);
      if (list === si.newflows) list_insert_tail(si.oldflows, f);
      else {
        f.active = 0;
        fq_deactivate_pie(f.pst);
      }
      continue;
    }
    f.deficit -= m.m_pkthdr.len;
    return m;
  }
}

/** fq_pie_new_sched: the main queue and the flows, each with its PIE. */
function fq_pie_new_sched(_si: dn_sch_inst): number {
  const schk = schk_of(_si);
  if (_si.sched_data !== null) return 0;
  const q = fq_main_queue(_si);
  const si = new fq_pie_si(_si);
  si.perturbation = random() >>> 0;
  const third = Math.trunc(Math.trunc(schk.cfg.limit / schk.cfg.flows_cnt) / 3);
  for (let i = 0; i < schk.cfg.flows_cnt; i++) {
    const f = new fq_pie_flow(schk.cfg.pcfg, q, third);
    callout_init(f.pst.aqm_pie_callout, true);
    si.nr_active_q++;
    si.flows.push(f);
  }
  _si.sched_data = si;
  fq_pie_desc.ref_count++;
  return 0;
}

/** fq_pie_free_sched: stop every flow's PIE, free what they hold. */
function fq_pie_free_sched(_si: dn_sch_inst): number {
  const si = _si.sched_data as fq_pie_si | null;
  if (si !== null) {
    for (const f of si.flows) {
      callout_stop(f.pst.aqm_pie_callout);
      fq_flow_flush(f);
      si.nr_active_q--;
    }
    si.flows = [];
    fq_pie_desc.ref_count--;
  }
  _si.sched_data = null;
  return 0;
}

/** fq_pie_config: par[0..9] (-1: the sysctl default, flags 0), bounded; 1 without parameters. */
function fq_pie_config(_schk: dn_schk): number {
  if (_schk.sched_data === null) _schk.sched_data = new fq_pie_schk();
  const c = (_schk.sched_data as fq_pie_schk).cfg;
  const ep = _schk.cfg;
  if (ep === null || ep.oid.len !== SIZEOF_DN_EXTRA_PARMS || ep.oid.subtype !== DN_SCH_PARAMS) return 1;
  const d = fq_pie_sysctl;
  c.pcfg.qdelay_ref = ep.par[0] < 0 ? d.pcfg.qdelay_ref : ep.par[0];
  c.pcfg.tupdate = ep.par[1] < 0 ? d.pcfg.tupdate : ep.par[1];
  c.pcfg.max_burst = ep.par[2] < 0 ? d.pcfg.max_burst : ep.par[2];
  c.pcfg.max_ecnth = ep.par[3] < 0 ? d.pcfg.max_ecnth : ep.par[3];
  c.pcfg.alpha = ep.par[4] < 0 ? d.pcfg.alpha : ep.par[4];
  c.pcfg.beta = ep.par[5] < 0 ? d.pcfg.beta : ep.par[5];
  c.pcfg.flags = ep.par[6] < 0 ? 0 : ep.par[6];
  c.quantum = ep.par[7] < 0 ? d.quantum : ep.par[7];
  c.limit = ep.par[8] < 0 ? d.limit : ep.par[8];
  c.flows_cnt = ep.par[9] < 0 ? d.flows_cnt : ep.par[9];
  c.pcfg.qdelay_ref = BOUND_VAR(c.pcfg.qdelay_ref, 1, 5 * AQM_TIME_1S);
  c.pcfg.tupdate = BOUND_VAR(c.pcfg.tupdate, 1, 5 * AQM_TIME_1S);
  c.pcfg.max_burst = BOUND_VAR(c.pcfg.max_burst, 0, 5 * AQM_TIME_1S);
  c.pcfg.max_ecnth = BOUND_VAR(c.pcfg.max_ecnth, 0, PIE_SCALE);
  c.pcfg.alpha = BOUND_VAR(c.pcfg.alpha, 0, 7 * PIE_SCALE);
  c.pcfg.beta = BOUND_VAR(c.pcfg.beta, 0, 7 * PIE_SCALE);
  c.quantum = BOUND_VAR(c.quantum, 1, 9000);
  c.limit = BOUND_VAR(c.limit, 1, 20480);
  c.flows_cnt = BOUND_VAR(c.flows_cnt, 1, 65536);
  return 0;
}

function fq_pie_getconfig(_schk: dn_schk, ep: dn_extra_parms): number {
  const c = (_schk.sched_data as fq_pie_schk | null)?.cfg ?? new dn_sch_fq_pie_parms();
  ep.name = fq_pie_desc.name;
  ep.par[0] = c.pcfg.qdelay_ref;
  ep.par[1] = c.pcfg.tupdate;
  ep.par[2] = c.pcfg.max_burst;
  ep.par[3] = c.pcfg.max_ecnth;
  ep.par[4] = c.pcfg.alpha;
  ep.par[5] = c.pcfg.beta;
  ep.par[6] = c.pcfg.flags;
  ep.par[7] = c.quantum;
  ep.par[8] = c.limit;
  ep.par[9] = c.flows_cnt;
  return 0;
}

export const fq_pie_desc: dn_alg = {
  type: DN_SCHED_FQ_PIE,
  name: "FQ_PIE",
  flags: 0,
  enqueue: fq_pie_enqueue,
  dequeue: fq_pie_dequeue,
  config: fq_pie_config,
  destroy: null,
  getconfig: fq_pie_getconfig,
  new_sched: fq_pie_new_sched,
  free_sched: fq_pie_free_sched,
  new_fsk: null,
  free_fsk: null,
  new_queue: null,
  free_queue: null,
  ref_count: 0,
};
