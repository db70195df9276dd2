// sys/netpfil/ipfw/dn_aqm_pie.c, dn_aqm_pie.h: PIE (Proportional Integral
// controller Enhanced, RFC 8033) as a dummynet AQM.  Every `tupdate` a
// callout recomputes the drop probability from how far the queue delay is
// from `target` (alpha) and how it moved since last time (beta), scaled down
// while the probability is small; packets are dropped (or ECN-marked) at
// enqueue with that probability once the burst allowance is spent.  The
// delay comes from the departure rate (DRE, the default) or from each
// packet's enqueue time (TS).  The callout runs on the virtual clock.
// FreeBSD frees a queue's state from a callout 1 us later to dodge a race
// with a running calculate_drop_prob; with one thread we stop the callout
// and drop the state at once.

import { EINVAL } from "../../kern/errno.ts";
import { random } from "../../kern/arc4random.ts";
import { m_freem } from "../../kern/kern_mbuf.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import { SBT_1US, callout, callout_init, callout_reset_sbt, callout_stop } from "../../kern/kern_timeout.ts";
import { CTLFLAG_RW, CTLTYPE_LONG, OID_AUTO, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC, type sysctl_handler_t, type sysctl_oid } from "../../kern/sysctl.ts";
import { DN_QSIZE_BYTES, SIZEOF_DN_EXTRA_PARMS, type dn_extra_parms } from "../../netinet/ip_dummynet.ts";
import { AQM_TIME_1MS, AQM_TIME_1S, AQM_TIME_1US, AQM_UNOW, BOUND_VAR, update_stats, type dn_aqm } from "./dn_aqm.ts";
import { dn_tag_get, ecn_mark } from "./ip_dn_io.ts";
import { V_dn_cfg, mq_append, type dn_fsk, type dn_queue } from "./ip_dn_private.ts";

export const DN_AQM_PIE = 2;
const PIE_DQ_THRESHOLD_BITS = 14;
export const PIE_DQ_THRESHOLD = 1 << PIE_DQ_THRESHOLD_BITS;
const MEAN_PKTSIZE = 800;
export const PIE_PROB_BITS = 31;
export const PIE_MAX_PROB = 2 ** PIE_PROB_BITS - 1;
export const PIE_FIX_POINT_BITS = 13;
export const PIE_SCALE = 1 << PIE_FIX_POINT_BITS;

export const PIE_ECN_ENABLED = 1;
export const PIE_CAPDROP_ENABLED = 2;
export const PIE_ON_OFF_MODE_ENABLED = 4;
export const PIE_DEPRATEEST_ENABLED = 8;
export const PIE_DERAND_ENABLED = 16;

export const ENQUE = 1;
export const DROP = 2;
export const PIE_ACTIVE = 1;
export const PIE_INMEASUREMENT = 2;

/** struct dn_aqm_pie_parms. */
export class dn_aqm_pie_parms {
  qdelay_ref = 0;
  tupdate = 0;
  max_burst = 0;
  max_ecnth = 0;
  alpha = 0;
  beta = 0;
  flags = 0;
}

/** struct pie_status: one queue's PIE state. */
export class pie_status {
  readonly aqm_pie_callout = new callout();
  burst_allowance = 0;
  drop_prob = 0;
  current_qdelay = 0;
  qdelay_old = 0;
  accu_prob = 0;
  measurement_start = 0;
  avg_dq_time = 0;
  dq_count = 0;
  sflags = 0;
  constructor(
    readonly parms: dn_aqm_pie_parms,
    /** The queue (FQ-PIE: the sub-queues' parent) whose bytes DRE counts. */
    readonly pq: dn_queue,
    readonly one_third_q_size: number,
  ) {}
}

/** The defaults (net.inet.ip.dummynet.pie.*): 15 ms, 15 ms, 150 ms, 0.1, 0.125, 1.25. */
export const pie_sysctl = new dn_aqm_pie_parms();
pie_sysctl.qdelay_ref = 15 * AQM_TIME_1MS;
pie_sysctl.tupdate = 15 * AQM_TIME_1MS;
pie_sysctl.max_burst = 150 * AQM_TIME_1MS;
pie_sysctl.max_ecnth = Math.trunc(PIE_SCALE / 10);
pie_sysctl.alpha = Math.trunc(PIE_SCALE * 0.125);
pie_sysctl.beta = Math.trunc(PIE_SCALE * 1.25);
pie_sysctl.flags = PIE_CAPDROP_ENABLED | PIE_DEPRATEEST_ENABLED | PIE_DERAND_ENABLED;

/** A time parameter in microseconds, 1 us..10 s. */
function pie_time_handler(which: "qdelay_ref" | "tupdate" | "max_burst"): sysctl_handler_t {
  return (_oidp, _arg1, _arg2, req) => {
    const error = SYSCTL_OUT(req, Math.trunc(pie_sysctl[which] / AQM_TIME_1US));
    if (error !== 0 || req.newval === null) return error;
    const v = req.newval;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 10 * AQM_TIME_1S) return EINVAL;
    pie_sysctl[which] = v * AQM_TIME_1US;
    return 0;
  };
}

/** A fraction scaled by 1000 (alpha, beta up to 7*PIE_SCALE; max_ecnth up to PIE_SCALE). */
function pie_scaled_handler(which: "alpha" | "beta" | "max_ecnth", hi: number): sysctl_handler_t {
  return (_oidp, _arg1, _arg2, req) => {
    const error = SYSCTL_OUT(req, Math.trunc((pie_sysctl[which] * 1000) / PIE_SCALE));
    if (error !== 0 || req.newval === null) return error;
    const v = req.newval;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > hi) return EINVAL;
    pie_sysctl[which] = Math.trunc((v * PIE_SCALE) / 1000);
    return 0;
  };
}

/** net.inet.ip.dummynet.pie, under dummynet's node. */
export function pie_sysctl_attach(dummynet: sysctl_oid): void {
  const n = SYSCTL_NODE(dummynet, OID_AUTO, "pie", CTLFLAG_RW, null, "PIE");
  const rw = CTLTYPE_LONG | CTLFLAG_RW;
  SYSCTL_PROC(n, OID_AUTO, "target", rw, null, 0, pie_time_handler("qdelay_ref"), "L", "queue target in microsecond");
  SYSCTL_PROC(n, OID_AUTO, "tupdate", rw, null, 0, pie_time_handler("tupdate"), "L", "the frequency of drop probability calculation in microsecond");
  SYSCTL_PROC(n, OID_AUTO, "max_burst", rw, null, 0, pie_time_handler("max_burst"), "L", "Burst allowance interval in microsecond");
  SYSCTL_PROC(n, OID_AUTO, "max_ecnth", rw, null, 0, pie_scaled_handler("max_ecnth", PIE_SCALE), "L", "ECN safeguard threshold scaled by 1000");
  SYSCTL_PROC(n, OID_AUTO, "alpha", rw, null, 0, pie_scaled_handler("alpha", 7 * PIE_SCALE), "L", "PIE alpha scaled by 1000");
  SYSCTL_PROC(n, OID_AUTO, "beta", rw, null, 0, pie_scaled_handler("beta", 7 * PIE_SCALE), "L", "beta scaled by 1000");
}

/**
 * drop_early: whether to drop on enqueue (PIE and FQ-PIE): never while the
 * queue is short or uncongested; with de-randomization, not before the
 * accumulated probability reaches 0.85 and always past 8.5; else with
 * probability drop_prob.
 */
export function drop_early(pst: pie_status, qlen: number): number {
  const pprms = pst.parms;
  if ((pst.qdelay_old < pprms.qdelay_ref >>> 1 && pst.drop_prob < Math.trunc(PIE_MAX_PROB / 5)) || qlen <= 2 * MEAN_PKTSIZE) return ENQUE;
  if (pst.drop_prob === 0) pst.accu_prob = 0;
  if ((pprms.flags & PIE_DERAND_ENABLED) !== 0) {
    pst.accu_prob += pst.drop_prob;
    if (pst.accu_prob < Math.trunc(PIE_MAX_PROB * 0.85)) return ENQUE;
    if (pst.accu_prob >= Math.trunc(PIE_MAX_PROB * 8.5)) return DROP;
  }
  if (random() < pst.drop_prob) {
    pst.accu_prob = 0;
    return DROP;
  }
  return ENQUE;
}

/**
 * calculate_drop_prob: the callout every tupdate.
 */
export function calculate_drop_prob(pst: pie_status): void {
  pie_drop_prob_update(pst, pst.pq.ni.len_bytes, true);
  if ((pst.sflags & PIE_ACTIVE) !== 0) callout_reset_sbt(pst.aqm_pie_callout, pst.parms.tupdate * SBT_1US, calculate_drop_prob, pst);
}

/**
 * The body calculate_drop_prob and FQ-PIE's fq_calculate_drop_prob have
 * in common (FreeBSD writes it in both): the queue delay (DRE from
 * len_bytes; in TS mode PIE, not FQ-PIE, zeroes it on an empty queue), the
 * new probability, the burst allowance.  int64_t arithmetic as in C
 * (BigInt: the product can pass 2^53; this runs per tupdate, not per
 * packet).
 */
export function pie_drop_prob_update(pst: pie_status, len_bytes: number, ts_reset: boolean): void {
  const pprms = pst.parms;
  let prob = BigInt(pst.drop_prob);
  if ((pprms.flags & PIE_DEPRATEEST_ENABLED) !== 0) pst.current_qdelay = Number((BigInt(len_bytes) * BigInt(pst.avg_dq_time)) >> BigInt(PIE_DQ_THRESHOLD_BITS)) >>> 0;
  else if (ts_reset && len_bytes === 0) pst.current_qdelay = 0;
  let p = BigInt(pprms.alpha) * (BigInt(pst.current_qdelay) - BigInt(pprms.qdelay_ref));
  p += BigInt(pprms.beta) * (BigInt(pst.current_qdelay) - BigInt(pst.qdelay_old));
  const p_isneg = p < 0n;
  if (p_isneg) p = -p;
  const MAXP = BigInt(PIE_MAX_PROB);
  p = BigInt.asIntN(64, p * ((MAXP << 12n) / BigInt(AQM_TIME_1S)));
  // Auto-tuning: the smaller the probability, the smaller the step.
  const F = BigInt(PIE_FIX_POINT_BITS + 12);
  if (prob < MAXP / 1000000n) p >>= 11n + F;
  else if (prob < MAXP / 100000n) p >>= 9n + F;
  else if (prob < MAXP / 10000n) p >>= 7n + F;
  else if (prob < MAXP / 1000n) p >>= 5n + F;
  else if (prob < MAXP / 100n) p >>= 3n + F;
  else if (prob < MAXP / 10n) p >>= 1n + F;
  else p >>= F;
  const oldprob = prob;
  if (p_isneg) {
    prob = BigInt.asIntN(64, prob - p);
    if (prob > oldprob) prob = 0n;
  } else {
    if ((pprms.flags & PIE_CAPDROP_ENABLED) !== 0 && prob >= MAXP / 10n && p > MAXP / 50n) p = MAXP / 50n;
    prob = BigInt.asIntN(64, prob + p);
    if (prob < oldprob) prob = MAXP;
  }
  if (prob < 0n) prob = 0n;
  else {
    // Decay by 1/64 while the queue stays empty.
    if (pst.current_qdelay === 0 && pst.qdelay_old === 0) prob = prob - (prob >> 6n);
    if (prob > MAXP) prob = MAXP;
  }
  pst.drop_prob = Number(prob);
  pst.qdelay_old = pst.current_qdelay;
  if ((pst.sflags & PIE_ACTIVE) !== 0 && pst.burst_allowance > 0) {
    pst.burst_allowance = pst.burst_allowance > pprms.tupdate ? pst.burst_allowance - pprms.tupdate : 0;
  }
}

/** pie_extract_head: unlink q's head; with getts, its enqueue time into pkt_ts. */
function pie_extract_head(q: dn_queue, pkt_ts: { v: number }, getts: boolean): mbuf | null {
  const m = q.mq.head;
  if (m === null) return null;
  q.mq.head = m.m_nextpkt;
  q.mq.count--;
  m.m_nextpkt = null;
  update_stats(q, -m.m_pkthdr.len, 0);
  if (q.ni.length === 0) q.q_time = V_dn_cfg().curr_time;
  if (getts) pkt_ts.v = dn_tag_get(m).aqm_ts;
  return m;
}

/** init_activate_pie: reset the state; with resettimer, start the callout. */
export function init_activate_pie(pst: pie_status, resettimer: boolean): void {
  const pprms = pst.parms;
  pst.drop_prob = 0;
  pst.qdelay_old = 0;
  pst.burst_allowance = pprms.max_burst;
  pst.accu_prob = 0;
  pst.dq_count = 0;
  pst.avg_dq_time = 0;
  pst.sflags = PIE_INMEASUREMENT;
  pst.measurement_start = AQM_UNOW();
  if (resettimer) {
    pst.sflags |= PIE_ACTIVE;
    callout_reset_sbt(pst.aqm_pie_callout, pprms.tupdate * SBT_1US, calculate_drop_prob, pst);
  }
}

/** deactivate_pie: stop measuring and the callout. */
export function deactivate_pie(pst: pie_status): void {
  pst.sflags &= ~(PIE_ACTIVE | PIE_INMEASUREMENT);
  callout_stop(pst.aqm_pie_callout);
}

const pkt_ts = { v: 0 };

/** aqm_pie_dequeue: the head packet; DRE measures the departure rate, TS the packet's delay. */
function aqm_pie_dequeue(q: dn_queue): mbuf | null {
  const pst = q.aqm_status as pie_status;
  const pprms = pst.parms;
  const m = pie_extract_head(q, pkt_ts, (pprms.flags & PIE_DEPRATEEST_ENABLED) === 0);
  if (m === null || (pst.sflags & PIE_ACTIVE) === 0) return m;
  const now = AQM_UNOW();
  if ((pprms.flags & PIE_DEPRATEEST_ENABLED) !== 0) pie_dre_update(pst, m.m_pkthdr.len, q.ni.len_bytes, now);
  else pst.current_qdelay = (now - pkt_ts.v) >>> 0;
  return m;
}

/**
 * The departure rate estimation both PIE dequeues do (FreeBSD writes it
 * in both): a packet of len left a queue now holding len_bytes; every
 * PIE_DQ_THRESHOLD bytes out give a new average departure time.
 */
export function pie_dre_update(pst: pie_status, len: number, len_bytes: number, now: number): void {
  if ((pst.sflags & PIE_INMEASUREMENT) !== 0) {
    pst.dq_count += len;
    if (pst.dq_count >= PIE_DQ_THRESHOLD) {
      const dq_time = (now - pst.measurement_start) >>> 0;
      if (pst.avg_dq_time === 0) pst.avg_dq_time = dq_time;
      else {
        // Weight PIE_DQ_THRESHOLD/2^6, scaled by 2^8.
        const w = PIE_DQ_THRESHOLD >> 8;
        pst.avg_dq_time = Math.floor((dq_time * w + pst.avg_dq_time * (256 - w)) / 256) >>> 0;
        pst.sflags &= ~PIE_INMEASUREMENT;
      }
    }
  }
  // A new measurement cycle once PIE_DQ_THRESHOLD bytes are queued.
  if ((pst.sflags & PIE_INMEASUREMENT) === 0 && len_bytes >= PIE_DQ_THRESHOLD) {
    pst.sflags |= PIE_INMEASUREMENT;
    pst.measurement_start = now;
    pst.dq_count = 0;
  }
}

/** aqm_pie_enqueue: tail drop at the limit, else PIE's early drop (or mark). */
function aqm_pie_enqueue(q: dn_queue, m: mbuf): number {
  const len = m.m_pkthdr.len;
  const pst = q.aqm_status as pie_status | null;
  if (pst === null) {
    update_stats(q, 0, 1);
    m_freem(m);
    return 1;
  }
  const f = (q.fs as dn_fsk).fs;
  const pprms = pst.parms;
  let t = ENQUE;
  const qlen = (f.flags & DN_QSIZE_BYTES) !== 0 ? q.ni.len_bytes : q.ni.length;
  if (qlen >= f.qsize) t = DROP;
  else if ((pst.sflags & PIE_ACTIVE) !== 0 && pst.burst_allowance === 0 && drop_early(pst, q.ni.len_bytes) === DROP) {
    // Below the ECN threshold an ECN-capable packet is marked instead.
    if ((pprms.flags & PIE_ECN_ENABLED) !== 0 && pst.drop_prob < pprms.max_ecnth * 2 ** (PIE_PROB_BITS - PIE_FIX_POINT_BITS) && ecn_mark(m) !== 0) t = ENQUE;
    else t = DROP;
  }
  // PIE starts once the queue is a third full.
  if ((pst.sflags & PIE_ACTIVE) === 0 && qlen >= pst.one_third_q_size) init_activate_pie(pst, true);
  if ((pst.sflags & PIE_ACTIVE) !== 0 && pst.drop_prob === 0 && pst.current_qdelay < pprms.qdelay_ref >>> 1 && pst.qdelay_old < pprms.qdelay_ref >>> 1) {
    pst.burst_allowance = pprms.max_burst;
    if ((pprms.flags & PIE_ON_OFF_MODE_ENABLED) !== 0 && qlen <= 0) deactivate_pie(pst);
  }
  if (t !== DROP && (pprms.flags & PIE_DEPRATEEST_ENABLED) === 0) dn_tag_get(m).aqm_ts = AQM_UNOW();
  if (t !== DROP) {
    mq_append(q.mq, m);
    update_stats(q, len, 0);
    return 0;
  }
  update_stats(q, 0, 1);
  pst.accu_prob = 0;
  m_freem(m);
  return 1;
}

/** aqm_pie_init: a queue's PIE state, started unless in on/off mode. */
function aqm_pie_init(q: dn_queue): number {
  const fs = q.fs as dn_fsk;
  const pprms = fs.aqmcfg as dn_aqm_pie_parms | null;
  if (pprms === null) return EINVAL;
  const pst = new pie_status(pprms, q, Math.trunc(fs.fs.qsize / 3));
  callout_init(pst.aqm_pie_callout, true);
  q.aqm_status = pst;
  pie_desc.ref_count++;
  pst.current_qdelay = 0;
  init_activate_pie(pst, (pprms.flags & PIE_ON_OFF_MODE_ENABLED) === 0);
  return 0;
}

function aqm_pie_cleanup(q: dn_queue): number {
  const pst = q.aqm_status as pie_status | null;
  if (pst === null) return 0;
  const fs = q.fs;
  if (fs === null || fs.aqmcfg === null) return 1;
  if (fs.aqmfp !== null && fs.aqmfp.type !== DN_AQM_PIE) return 1;
  callout_stop(pst.aqm_pie_callout);
  q.aqm_status = null;
  pie_desc.ref_count--;
  return 0;
}

/** aqm_pie_config: par[0..6] (-1: the sysctl default), bounded. */
function aqm_pie_config(fs: dn_fsk, ep: dn_extra_parms, len: number): number {
  if (len < SIZEOF_DN_EXTRA_PARMS) return EINVAL;
  const pcfg = new dn_aqm_pie_parms();
  fs.aqmcfg = pcfg;
  pcfg.qdelay_ref = ep.par[0] < 0 ? pie_sysctl.qdelay_ref * AQM_TIME_1US : ep.par[0];
  pcfg.tupdate = ep.par[1] < 0 ? pie_sysctl.tupdate * AQM_TIME_1US : ep.par[1];
  pcfg.max_burst = ep.par[2] < 0 ? pie_sysctl.max_burst * AQM_TIME_1US : ep.par[2];
  pcfg.max_ecnth = ep.par[3] < 0 ? pie_sysctl.max_ecnth : ep.par[3];
  pcfg.alpha = ep.par[4] < 0 ? pie_sysctl.alpha : ep.par[4];
  pcfg.beta = ep.par[5] < 0 ? pie_sysctl.beta : ep.par[5];
  pcfg.flags = ep.par[6] < 0 ? pie_sysctl.flags : ep.par[6];
  pcfg.qdelay_ref = BOUND_VAR(pcfg.qdelay_ref, 1, 10 * AQM_TIME_1S);
  pcfg.tupdate = BOUND_VAR(pcfg.tupdate, 1, 10 * AQM_TIME_1S);
  pcfg.max_burst = BOUND_VAR(pcfg.max_burst, 0, 10 * AQM_TIME_1S);
  pcfg.max_ecnth = BOUND_VAR(pcfg.max_ecnth, 0, PIE_SCALE);
  pcfg.alpha = BOUND_VAR(pcfg.alpha, 0, 7 * PIE_SCALE);
  pcfg.beta = BOUND_VAR(pcfg.beta, 0, 7 * PIE_SCALE);
  pie_desc.cfg_ref_count++;
  return 0;
}

function aqm_pie_deconfig(fs: dn_fsk): number {
  if (fs.aqmcfg !== null) {
    fs.aqmcfg = null;
    pie_desc.cfg_ref_count--;
  }
  return 0;
}

function aqm_pie_getconfig(fs: dn_fsk, ep: dn_extra_parms): number {
  const pcfg = fs.aqmcfg as dn_aqm_pie_parms | null;
  if (pcfg === null) return 1;
  ep.name = pie_desc.name;
  ep.par[0] = Math.trunc(pcfg.qdelay_ref / AQM_TIME_1US);
  ep.par[1] = Math.trunc(pcfg.tupdate / AQM_TIME_1US);
  ep.par[2] = Math.trunc(pcfg.max_burst / AQM_TIME_1US);
  ep.par[3] = pcfg.max_ecnth;
  ep.par[4] = pcfg.alpha;
  ep.par[5] = pcfg.beta;
  ep.par[6] = pcfg.flags;
  return 0;
}

export const pie_desc: dn_aqm = {
  type: DN_AQM_PIE,
  name: "PIE",
  enqueue: aqm_pie_enqueue,
  dequeue: aqm_pie_dequeue,
  config: aqm_pie_config,
  deconfig: aqm_pie_deconfig,
  getconfig: aqm_pie_getconfig,
  init: aqm_pie_init,
  cleanup: aqm_pie_cleanup,
  ref_count: 0,
  cfg_ref_count: 0,
};
