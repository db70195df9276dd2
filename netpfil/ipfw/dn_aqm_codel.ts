// sys/netpfil/ipfw/dn_aqm_codel.c, dn_aqm_codel.h: CoDel (Controlled
// Delay, Nichols and Jacobson) as a dummynet AQM.  Each packet is stamped
// when it joins the queue; at dequeue its sojourn time is compared with
// `target`.  Once the sojourn time has stayed above target for `interval`
// the queue enters the dropping state and drops (or, with ECN, marks) at
// the head at intervals shrinking as interval/sqrt(count), until the
// sojourn time falls below target again.  Times are aqm_time_t
// microseconds of dummynet's clock (AQM_UNOW), so the algorithm runs on the
// virtual clock.  Where FreeBSD keeps the enqueue time in an m_tag of its
// own, ours rides in the dummynet tag (ip_dn_private.ts's aqm_ts).

import { EINVAL } from "../../kern/errno.ts";
import { CTLFLAG_RW, CTLTYPE_LONG, OID_AUTO, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC, type sysctl_handler_t, type sysctl_oid } from "../../kern/sysctl.ts";
import { m_freem } from "../../kern/kern_mbuf.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import { DN_QSIZE_BYTES, type dn_extra_parms, SIZEOF_DN_EXTRA_PARMS } from "../../netinet/ip_dummynet.ts";
import { AQM_TIME_1S, AQM_TIME_1US, AQM_UNOW, BOUND_VAR, update_stats, type dn_aqm } from "./dn_aqm.ts";
import { dn_tag_get, ecn_mark } from "./ip_dn_io.ts";
import { V_dn_cfg, mq_append, type dn_fsk, type dn_queue } from "./ip_dn_private.ts";

export const DN_AQM_CODEL = 1;
const FIX_POINT_BITS = 16;
export const CODEL_ECN_ENABLED = 1;

/** struct dn_aqm_codel_parms. */
export class dn_aqm_codel_parms {
  target = 0;
  interval = 0;
  flags = 0;
}

/** struct codel_status: one queue's CoDel state. */
export class codel_status {
  /** Packets dropped since entering the dropping state. */
  count = 0;
  dropping = 0;
  drop_next_time = 0;
  first_above_time = 0;
  /** 1/sqrt(count) in 16-bit fixed point, the last Newton iterate. */
  isqrt = 0;
  maxpkt_size = 0;
}

/** The defaults (net.inet.ip.dummynet.codel.target / .interval): 5 ms, 100 ms. */
export const codel_sysctl = { target: 5000 * AQM_TIME_1US, interval: 100000 * AQM_TIME_1US, flags: 0 };

/** codel_sysctl_{target,interval}_handler: the default in microseconds; a
 *  new target of 1 us..5 s, interval of 1 us..100 s. */
function codel_sysctl_handler(which: "target" | "interval", hi: number): sysctl_handler_t {
  return (_oidp, _arg1, _arg2, req) => {
    const error = SYSCTL_OUT(req, Math.trunc(codel_sysctl[which] / AQM_TIME_1US));
    if (error !== 0 || req.newval === null) return error;
    const v = req.newval;
    if (typeof v !== "number" || !Number.isInteger(v)) return EINVAL;
    if (v < 1 || v > hi) return EINVAL;
    codel_sysctl[which] = v * AQM_TIME_1US;
    return 0;
  };
}

/** net.inet.ip.dummynet.codel: hung under dummynet's node, which takes it away. */
export function codel_sysctl_attach(dummynet: sysctl_oid): void {
  const n = SYSCTL_NODE(dummynet, OID_AUTO, "codel", CTLFLAG_RW, null, "CODEL");
  SYSCTL_PROC(n, OID_AUTO, "target", CTLTYPE_LONG | CTLFLAG_RW, null, 0, codel_sysctl_handler("target", 5 * AQM_TIME_1S), "L", "CoDel target in microsecond");
  SYSCTL_PROC(n, OID_AUTO, "interval", CTLTYPE_LONG | CTLFLAG_RW, null, 0, codel_sysctl_handler("interval", 100 * AQM_TIME_1S), "L", "CoDel interval in microsecond");
}

/**
 * control_law: t + interval/sqrt(count).  1/sqrt(count) comes from one
 * Newton step g' = g(3 - c*g^2)/2 on the previous guess, in fixed point;
 * count 1 needs no root and primes the guess with 1/sqrt(2).
 */
export function control_law(cst: codel_status, cprms: dn_aqm_codel_parms, t: number): number {
  const count = cst.count;
  if (count === 1) {
    cst.isqrt = Math.trunc(((1 << FIX_POINT_BITS) * 7) / 10);
    return (t + cprms.interval) >>> 0;
  }
  // g^2 (below 2^32), then 3 - c*g^2 in 32.32 fixed point, as uint64_t.
  let temp = cst.isqrt * cst.isqrt;
  temp = 3 * 2 ** (FIX_POINT_BITS * 2) - count * temp;
  if (temp < 0) temp = Number(BigInt.asUintN(64, BigInt(temp)));
  // Halve it (the equation was doubled) and drop 8 bits against overflow.
  temp = Math.floor(temp / 2 ** 9);
  temp = Math.floor((cst.isqrt * temp) / 2 ** (FIX_POINT_BITS + FIX_POINT_BITS - 8));
  cst.isqrt = temp & 0xffff;
  return (t + Math.floor((cprms.interval * temp) / 2 ** FIX_POINT_BITS)) >>> 0;
}

/** codel_extract_head: unlink q's head packet; *pkt_ts its enqueue time. */
export function codel_extract_head(q: dn_queue, pkt_ts: { v: number }): mbuf | null {
  const m = q.mq.head;
  if (m === null) return null;
  q.mq.head = m.m_nextpkt;
  // FreeBSD leaves mq.count alone here; ours keeps it with the list.
  q.mq.count--;
  m.m_nextpkt = null;
  update_stats(q, -m.m_pkthdr.len, 0);
  if (q.ni.length === 0) q.q_time = V_dn_cfg().curr_time;
  pkt_ts.v = dn_tag_get(m).aqm_ts;
  return m;
}

// Scratch for the per-packet path (the C code's locals).
const pkt_ts = { v: 0 };
const ok = { v: 0 };

/**
 * codel_dodequeue: the head packet, and whether it may be dropped: its
 * sojourn time has been at or above target (with more than a packet
 * queued) for a whole interval.
 */
function codel_dodequeue(q: dn_queue, now: number, ok_to_drop: { v: number }): mbuf | null {
  ok_to_drop.v = 0;
  const m = codel_extract_head(q, pkt_ts);
  const cst = q.aqm_status as codel_status;
  if (m === null) {
    cst.first_above_time = 0;
    return m;
  }
  const cprms = (q.fs as dn_fsk).aqmcfg as dn_aqm_codel_parms;
  const sojourn_time = (now - pkt_ts.v) >>> 0;
  if (sojourn_time < cprms.target || q.ni.len_bytes <= cst.maxpkt_size) {
    cst.first_above_time = 0;
  } else if (cst.first_above_time === 0) {
    cst.first_above_time = (now + cprms.interval) >>> 0;
  } else if (now >= cst.first_above_time) {
    ok_to_drop.v = 1;
  }
  return m;
}

/** codel_dequeue: CoDel's dequeue, dropping or marking at the head. */
export function codel_dequeue(q: dn_queue): mbuf | null {
  const cst = q.aqm_status as codel_status;
  const cprms = (q.fs as dn_fsk).aqmcfg as dn_aqm_codel_parms;
  const now = AQM_UNOW();
  let m = codel_dodequeue(q, now, ok);
  if (cst.dropping !== 0) {
    if (ok.v === 0) cst.dropping = 0;
    // A large backlog can make the next drop due at once: hence the loop.
    while (now >= cst.drop_next_time && cst.dropping !== 0) {
      if ((cprms.flags & CODEL_ECN_ENABLED) !== 0 && m !== null && ecn_mark(m) !== 0) {
        cst.count++;
        cst.drop_next_time = control_law(cst, cprms, cst.drop_next_time);
        return m;
      }
      update_stats(q, 0, 1);
      if (m !== null) m_freem(m);
      m = codel_dodequeue(q, now, ok);
      if (ok.v === 0) cst.dropping = 0;
      else {
        cst.count++;
        cst.drop_next_time = control_law(cst, cprms, cst.drop_next_time);
      }
    }
  } else if (ok.v !== 0) {
    // Above target for an interval: drop (or mark) one and start dropping.
    if ((cprms.flags & CODEL_ECN_ENABLED) === 0 || m === null || ecn_mark(m) === 0) {
      update_stats(q, 0, 1);
      if (m !== null) m_freem(m);
      m = codel_dodequeue(q, now, ok);
    }
    cst.dropping = 1;
    // Coming back soon after the last dropping state: start near the drop
    // rate that controlled the queue then.  The difference is signed, the
    // comparison with 8*interval unsigned, as in C.
    cst.count = cst.count > 2 && ((now - cst.drop_next_time) | 0) >>> 0 < (8 * cprms.interval) >>> 0 ? cst.count - 2 : 1;
    cst.drop_next_time = control_law(cst, cprms, now);
  }
  return m;
}

/** aqm_codel_enqueue: tail drop at the queue limit, else stamp and queue. */
function aqm_codel_enqueue(q: dn_queue, m: mbuf): number {
  const f = (q.fs as dn_fsk).fs;
  const len = m.m_pkthdr.len;
  const cst = q.aqm_status as codel_status | null;
  let drop = cst === null;
  if (cst !== null) {
    if (len > cst.maxpkt_size) cst.maxpkt_size = len;
    if ((f.flags & DN_QSIZE_BYTES) !== 0) drop = q.ni.len_bytes > f.qsize;
    else drop = q.ni.length >= f.qsize;
  }
  if (drop) {
    update_stats(q, 0, 1);
    m_freem(m);
    return 1;
  }
  dn_tag_get(m).aqm_ts = AQM_UNOW();
  mq_append(q.mq, m);
  update_stats(q, len, 0);
  return 0;
}

function aqm_codel_dequeue(q: dn_queue): mbuf | null {
  return codel_dequeue(q);
}

/** aqm_codel_init: a queue's CoDel state. */
function aqm_codel_init(q: dn_queue): number {
  if ((q.fs as dn_fsk).aqmcfg === null) return EINVAL;
  const cst = new codel_status();
  cst.maxpkt_size = 500;
  q.aqm_status = cst;
  codel_desc.ref_count++;
  return 0;
}

function aqm_codel_cleanup(q: dn_queue): number {
  if (q.aqm_status !== null) {
    q.aqm_status = null;
    codel_desc.ref_count--;
  }
  return 0;
}

/** aqm_codel_config: target, interval, flags from par[0..2] (-1: default), bounded. */
function aqm_codel_config(fs: dn_fsk, ep: dn_extra_parms, len: number): number {
  if (len < SIZEOF_DN_EXTRA_PARMS) return EINVAL;
  const ccfg = new dn_aqm_codel_parms();
  fs.aqmcfg = ccfg;
  ccfg.target = ep.par[0] < 0 ? codel_sysctl.target : ep.par[0] * AQM_TIME_1US;
  ccfg.interval = ep.par[1] < 0 ? codel_sysctl.interval : ep.par[1] * AQM_TIME_1US;
  ccfg.flags = ep.par[2] < 0 ? 0 : ep.par[2];
  ccfg.target = BOUND_VAR(ccfg.target, 1, 5 * AQM_TIME_1S);
  ccfg.interval = BOUND_VAR(ccfg.interval, 1, 5 * AQM_TIME_1S);
  codel_desc.cfg_ref_count++;
  return 0;
}

function aqm_codel_deconfig(fs: dn_fsk): number {
  if (fs.aqmcfg !== null) {
    fs.aqmcfg = null;
    fs.aqmfp = null;
    codel_desc.cfg_ref_count--;
  }
  return 0;
}

function aqm_codel_getconfig(fs: dn_fsk, ep: dn_extra_parms): number {
  const ccfg = fs.aqmcfg as dn_aqm_codel_parms | null;
  if (ccfg === null) return 1;
  ep.name = codel_desc.name;
  ep.par[0] = Math.trunc(ccfg.target / AQM_TIME_1US);
  ep.par[1] = Math.trunc(ccfg.interval / AQM_TIME_1US);
  ep.par[2] = ccfg.flags;
  return 0;
}

export const codel_desc: dn_aqm = {
  type: DN_AQM_CODEL,
  name: "CODEL",
  enqueue: aqm_codel_enqueue,
  dequeue: aqm_codel_dequeue,
  config: aqm_codel_config,
  getconfig: aqm_codel_getconfig,
  deconfig: aqm_codel_deconfig,
  init: aqm_codel_init,
  cleanup: aqm_codel_cleanup,
  ref_count: 0,
  cfg_ref_count: 0,
};
