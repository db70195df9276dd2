// sys/netpfil/ipfw/dn_sched_fq_codel.c, dn_sched_fq_codel.h: the FQ-CoDel
// scheduler (RFC 8290).  Packets are hashed (Jenkins, over protocol, a
// per-instance perturbation, addresses and ports) into `flows` sub-queues,
// each with its own CoDel state; a deficit round robin of `quantum` bytes
// serves the new flows' list before the old flows' one, so a light flow is
// not queued behind a heavy one.  Past `limit` packets in all, the largest
// sub-queue loses its head.  Like FreeBSD's, it carries its own copy of the
// CoDel dequeue (dn_sched_fq_codel_helper.ts) over these lighter
// sub-queues, and keeps the statistics of the sub-queue, the instance's
// main queue and the instance itself.

import { m_freem } from "../../kern/kern_mbuf.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import { random } from "../../kern/arc4random.ts";
import { HASHINIT, jenkins_hash } from "../../kern/jenkins_hash.ts";
import { CTLFLAG_RW, CTLTYPE_LONG, CTLTYPE_UINT, OID_AUTO, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC, type sysctl_handler_t, type sysctl_oid } from "../../kern/sysctl.ts";
import { EINVAL } from "../../kern/errno.ts";
import { DN_QUEUE, DN_SCH_PARAMS, dn_flow, SIZEOF_DN_EXTRA_PARMS, SIZEOF_DN_FLOW, set_oid, type dn_extra_parms } from "../../netinet/ip_dummynet.ts";
import { AQM_TIME_1S, AQM_TIME_1US, AQM_UNOW, BOUND_VAR } from "./dn_aqm.ts";
import { CODEL_ECN_ENABLED, codel_status, dn_aqm_codel_parms } from "./dn_aqm_codel.ts";
import type { dn_alg } from "./dn_sched.ts";
import { fqc_codel_dequeue } from "./dn_sched_fq_codel_helper.ts";
import { dn_tag_get } from "./ip_dn_io.ts";
import { V_dn_cfg, dn_queue, mq, mq_append, type dn_sch_inst, type dn_schk } from "./ip_dn_private.ts";

export const DN_SCHED_FQ_CODEL = 6;

/** struct dn_sch_fq_codel_parms. */
export class dn_sch_fq_codel_parms {
  readonly ccfg = new dn_aqm_codel_parms();
  flows_cnt = 0;
  limit = 0;
  quantum = 0;
}

/** struct fq_codel_flow: one sub-queue. */
export class fq_codel_flow {
  readonly mq = new mq();
  /** The sub-queue's counters (a struct dn_flow, as in FreeBSD). */
  readonly stats = new dn_flow();
  deficit = 0;
  active = 0;
  readonly cst = new codel_status();
  /** flowchain: the next flow on the new or old list. */
  next: fq_codel_flow | null = null;
}

/** struct fq_codel_list: a STAILQ of flows (FQ-PIE's fq_pie_list too). */
export class fq_codel_list<F extends { next: F | null } = fq_codel_flow> {
  first: F | null = null;
  last: F | null = null;
}

/** STAILQ_INSERT_TAIL. */
export function list_insert_tail<F extends { next: F | null }>(l: fq_codel_list<F>, f: F): void {
  f.next = null;
  if (l.last === null) l.first = f;
  else l.last.next = f;
  l.last = f;
}

/** STAILQ_REMOVE_HEAD. */
export function list_remove_head<F extends { next: F | null }>(l: fq_codel_list<F>): void {
  const f = l.first as F;
  l.first = f.next;
  if (l.first === null) l.last = null;
  f.next = null;
}

/** struct fq_codel_schk: the scheduler's configuration. */
export class fq_codel_schk {
  readonly cfg = new dn_sch_fq_codel_parms();
}

/** struct fq_codel_si: an instance's flows, lists and main queue. */
export class fq_codel_si {
  /** main_q: the dn_queue after the instance (si.q0 here). */
  main_q: dn_queue;
  flows: fq_codel_flow[] = [];
  perturbation = 0;
  readonly newflows = new fq_codel_list();
  readonly oldflows = new fq_codel_list();
  constructor(readonly _si: dn_sch_inst) {
    this.main_q = _si.q0 as dn_queue;
  }
}

/** The defaults (net.inet.ip.dummynet.fqcodel.*). */
export const fq_codel_sysctl = new dn_sch_fq_codel_parms();
fq_codel_sysctl.ccfg.target = 5000 * AQM_TIME_1US;
fq_codel_sysctl.ccfg.interval = 100000 * AQM_TIME_1US;
fq_codel_sysctl.ccfg.flags = CODEL_ECN_ENABLED;
fq_codel_sysctl.flows_cnt = 1024;
fq_codel_sysctl.limit = 10240;
fq_codel_sysctl.quantum = 1514;

function fqcodel_time_handler(which: "target" | "interval", hi: number): sysctl_handler_t {
  return (_oidp, _arg1, _arg2, req) => {
    const error = SYSCTL_OUT(req, Math.trunc(fq_codel_sysctl.ccfg[which] / AQM_TIME_1US));
    if (error !== 0 || req.newval === null) return error;
    const v = req.newval;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > hi) return EINVAL;
    fq_codel_sysctl.ccfg[which] = v * AQM_TIME_1US;
    return 0;
  };
}

function fqcodel_uint_handler(which: "quantum" | "flows_cnt" | "limit"): sysctl_handler_t {
  return (_oidp, _arg1, _arg2, req) => {
    const error = SYSCTL_OUT(req, fq_codel_sysctl[which]);
    if (error !== 0 || req.newval === null) return error;
    const v = req.newval;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) return EINVAL;
    fq_codel_sysctl[which] = v;
    return 0;
  };
}

/** net.inet.ip.dummynet.fqcodel, under dummynet's node. */
export function fqcodel_sysctl_attach(dummynet: sysctl_oid): void {
  const n = SYSCTL_NODE(dummynet, OID_AUTO, "fqcodel", CTLFLAG_RW, null, "FQ_CODEL");
  SYSCTL_PROC(n, OID_AUTO, "target", CTLTYPE_LONG | CTLFLAG_RW, null, 0, fqcodel_time_handler("target", 5 * AQM_TIME_1S), "L", "FQ_CoDel target in microsecond");
  SYSCTL_PROC(n, OID_AUTO, "interval", CTLTYPE_LONG | CTLFLAG_RW, null, 0, fqcodel_time_handler("interval", 100 * AQM_TIME_1S), "L", "FQ_CoDel interval in microsecond");
  SYSCTL_PROC(n, OID_AUTO, "quantum", CTLTYPE_UINT | CTLFLAG_RW, null, 0, fqcodel_uint_handler("quantum"), "IU", "FQ_CoDel quantum");
  SYSCTL_PROC(n, OID_AUTO, "flows", CTLTYPE_UINT | CTLFLAG_RW, null, 0, fqcodel_uint_handler("flows_cnt"), "IU", "Number of queues for FQ_CoDel");
  SYSCTL_PROC(n, OID_AUTO, "limit", CTLTYPE_UINT | CTLFLAG_RW, null, 0, fqcodel_uint_handler("limit"), "IU", "FQ_CoDel queues size limit");
}

/**
 * fq_update_stats: the sub-queue's, main queue's and instance's counters.
 * len < 0 dequeues, len > 0 enqueues (and counts the totals), drop counts
 * a drop (and, with len < 0, also the packet leaving).
 */
export function fq_update_stats(q: { stats: dn_flow }, si: { main_q: dn_queue; _si: dn_sch_inst }, len: number, drop: number): void {
  const inc = len < 0 ? -1 : len > 0 ? 1 : 0;
  const mq_ni = si.main_q.ni;
  const si_ni = si._si.ni;
  if (drop !== 0) {
    mq_ni.drops++;
    q.stats.drops++;
    si_ni.drops++;
    V_dn_cfg().io_pkt_drop++;
  }
  if (drop === 0 || len < 0) {
    mq_ni.length += inc;
    mq_ni.len_bytes += len;
    q.stats.length += inc;
    q.stats.len_bytes += len;
    si_ni.length += inc;
    si_ni.len_bytes += len;
  }
  if (inc > 0) {
    mq_ni.tot_bytes += len;
    mq_ni.tot_pkts++;
    q.stats.tot_bytes += len;
    q.stats.tot_pkts++;
    si_ni.tot_bytes += len;
    si_ni.tot_pkts++;
  }
}

/** fq_codel_extract_head: unlink the sub-queue's head; pkt_ts its enqueue time. */
export function fq_codel_extract_head(q: fq_codel_flow, pkt_ts: { v: number }, si: fq_codel_si): mbuf | null {
  const m = q.mq.head;
  if (m === null) return null;
  q.mq.head = m.m_nextpkt;
  q.mq.count--;
  m.m_nextpkt = null;
  fq_update_stats(q, si, -m.m_pkthdr.len, 0);
  if (si.main_q.ni.length === 0) si.main_q.q_time = V_dn_cfg().curr_time;
  pkt_ts.v = dn_tag_get(m).aqm_ts;
  return m;
}

/** codel_drop_head: drop the sub-queue's head (over the limit). */
function codel_drop_head(q: fq_codel_flow, si: fq_codel_si): void {
  const m = q.mq.head;
  if (m === null) return;
  q.mq.head = m.m_nextpkt;
  q.mq.count--;
  m.m_nextpkt = null;
  fq_update_stats(q, si, -m.m_pkthdr.len, 1);
  if (si.main_q.ni.length === 0) si.main_q.q_time = V_dn_cfg().curr_time;
  m_freem(m);
}

/** codel_enqueue: stamp m and queue it on the sub-queue (FreeBSD's only
 *  failure, no tag memory, cannot happen here). */
function codel_enqueue(q: fq_codel_flow, m: mbuf, si: fq_codel_si): number {
  const len = m.m_pkthdr.len;
  if (len > q.cst.maxpkt_size) q.cst.maxpkt_size = len;
  dn_tag_get(m).aqm_ts = AQM_UNOW();
  mq_append(q.mq, m);
  fq_update_stats(q, si, len, 0);
  return 0;
}

// The hash input: protocol, perturbation, addresses, ports (41 bytes for IPv6).
const tuple = new Uint8Array(41);

/**
 * fq_codel_classify_flow: the sub-queue of m, jenkins_hash(tuple) modulo
 * fcount; the ports are TCP's or UDP's, right after the fixed header.
 * fcount is FreeBSD's uint16_t, so 65536 flows would divide by zero there;
 * here 0 stands for 65536.
 */
function fq_codel_classify_flow(m: mbuf, fcount: number, si: fq_codel_si): number {
  return fq_classify(m, m.m_data + dn_tag_get(m).iphdr_off, fcount, si.perturbation);
}

/** The hash both FQ schedulers classify with, the IP header at ip (FQ-PIE
 *  takes it at the start of the mbuf, FQ-CoDel after the dummynet tag's
 *  iphdr_off). */
export function fq_classify(m: mbuf, ip: number, fcount: number, p: number): number {
  const b = m.m_buf;
  const n = (fcount & 0xffff) === 0 ? 65536 : fcount & 0xffff;
  if (b[ip] >> 4 === 6) {
    const nxt = b[ip + 6];
    tuple[0] = nxt;
    tuple[1] = p & 0xff;
    tuple[2] = (p >>> 8) & 0xff;
    tuple[3] = (p >>> 16) & 0xff;
    tuple[4] = p >>> 24;
    for (let i = 0; i < 32; i++) tuple[5 + i] = b[ip + 8 + i];
    if (nxt === 6 || nxt === 17) {
      tuple[37] = b[ip + 40 + 2];
      tuple[38] = b[ip + 40 + 3];
      tuple[39] = b[ip + 40];
      tuple[40] = b[ip + 40 + 1];
    } else tuple[37] = tuple[38] = tuple[39] = tuple[40] = 0;
    return jenkins_hash(tuple, 41, HASHINIT) % n;
  }
  const proto = b[ip + 9];
  tuple[0] = proto;
  tuple[1] = p & 0xff;
  tuple[2] = (p >>> 8) & 0xff;
  tuple[3] = (p >>> 16) & 0xff;
  tuple[4] = p >>> 24;
  for (let i = 0; i < 8; i++) tuple[5 + i] = b[ip + 12 + i];
  // FreeBSD takes the header after a 20-byte struct ip (ip + 1).
  const th = ip + 20;
  if (proto === 6 || proto === 17) {
    tuple[13] = b[th + 2];
    tuple[14] = b[th + 3];
    tuple[15] = b[th];
    tuple[16] = b[th + 1];
  } else tuple[13] = tuple[14] = tuple[15] = tuple[16] = 0;
  return jenkins_hash(tuple, 17, HASHINIT) % n;
}

function schk_of(si: dn_sch_inst): fq_codel_schk {
  return (si.sched as dn_schk).sched_data as fq_codel_schk;
}

/** fq_codel_enqueue: into the packet's sub-queue; past the limit, the largest loses its head. */
function fq_codel_enqueue(_si: dn_sch_inst, _q: dn_queue | null, m: mbuf): number {
  const si = _si.sched_data as fq_codel_si;
  const schk = schk_of(_si);
  const param = schk.cfg;
  const mainq = si.main_q;
  const idx = fq_codel_classify_flow(m, param.flows_cnt, si);
  let drop = codel_enqueue(si.flows[idx], m, si);
  if (drop !== 0) return 1;
  const f = si.flows[idx];
  if (f.active === 0) {
    list_insert_tail(si.newflows, f);
    f.deficit = param.quantum;
    f.cst.dropping = 0;
    f.cst.first_above_time = 0;
    f.active = 1;
  }
  if (mainq.ni.length > schk.cfg.limit) {
    const maxidx = fq_largest_flow(si.flows, schk.cfg.flows_cnt);
    if (maxidx >= 0) {
      codel_drop_head(si.flows[maxidx], si);
      drop = 1;
    }
  }
  return drop;
}

/** fq_codel_dequeue: deficit round robin, new flows before old ones. */
function fq_codel_dequeue(_si: dn_sch_inst): mbuf | null {
  const si = _si.sched_data as fq_codel_si;
  const param = schk_of(_si).cfg;
  for (;;) {
    const list = si.newflows.first === null ? si.oldflows : si.newflows;
    if (list.first === null) return null;
    let f: fq_codel_flow | null = list.first;
    while (f !== null) {
      // Out of deficit: a quantum more, and to the back of the old list.
      if (f.deficit < 0) {
        f.deficit += param.quantum;
        list_remove_head(list);
        list_insert_tail(si.oldflows, f);
      } else break;
      f = list.first;
    }
    if (list.first === null) continue;
    const fl = f as fq_codel_flow;
    const m = fqc_codel_dequeue(fl, si);
    if (m === null) {
      // Empty: a new flow becomes old; an old one goes inactive.
      list_remove_head(list);
      if (list === si.newflows) list_insert_tail(si.oldflows, fl);
      else fl.active = 0;
      continue;
    }
    fl.deficit -= m.m_pkthdr.len;
    return m;
  }
}

/** The instance's main queue (FreeBSD's dn_queue right after the instance),
 *  as fq_codel_new_sched and fq_pie_new_sched both set it up. */
export function fq_main_queue(_si: dn_sch_inst): dn_queue {
  const q = new dn_queue();
  set_oid(q.ni.oid, DN_QUEUE, SIZEOF_DN_FLOW);
  q._si = _si;
  q.fs = (_si.sched as dn_schk).fs;
  _si.q0 = q;
  return q;
}

/** The active sub-queue holding the most packets (the first of equals), or
 *  -1: whose head goes when both FQ schedulers are over their limit. */
export function fq_largest_flow(flows: { active: number; stats: dn_flow }[], flows_cnt: number): number {
  let maxidx = 0;
  for (; maxidx < flows_cnt; maxidx++) if (flows[maxidx].active !== 0) break;
  if (maxidx >= flows_cnt) return -1;
  for (let i = maxidx + 1; i < flows_cnt; i++) if (flows[i].active !== 0 && flows[i].stats.length > flows[maxidx].stats.length) maxidx = i;
  return maxidx;
}

/** Free what a sub-queue still holds (its instance is going). */
export function fq_flow_flush(f: { mq: mq }): void {
  let m = f.mq.head;
  while (m !== null) {
    const n: mbuf | null = m.m_nextpkt;
    m.m_nextpkt = null;
    m_freem(m);
    m = n;
  }
  f.mq.head = f.mq.tail = null;
  f.mq.count = 0;
}

/** fq_codel_new_sched: the main queue, the flows and a perturbation. */
function fq_codel_new_sched(_si: dn_sch_inst): number {
  const schk = schk_of(_si);
  if (_si.sched_data !== null) return 0;
  fq_main_queue(_si);
  const si = new fq_codel_si(_si);
  si.flows = new Array<fq_codel_flow>(schk.cfg.flows_cnt);
  for (let i = 0; i < schk.cfg.flows_cnt; i++) {
    si.flows[i] = new fq_codel_flow();
    si.flows[i].cst.maxpkt_size = 500;
  }
  si.perturbation = random() >>> 0;
  _si.sched_data = si;
  fq_codel_desc.ref_count++;
  return 0;
}

/** fq_codel_free_sched: the flows go, with what they hold. */
function fq_codel_free_sched(_si: dn_sch_inst): number {
  const si = _si.sched_data as fq_codel_si | null;
  if (si !== null) {
    for (const f of si.flows) fq_flow_flush(f);
    si.flows = [];
  }
  _si.sched_data = null;
  fq_codel_desc.ref_count--;
  return 0;
}

/**
 * fq_codel_config: the parameters userland sent before the scheduler
 * (par[0..5]: target, interval, flags, quantum, limit, flows; -1 the
 * sysctl default), bounded; 1 if there were none.
 */
function fq_codel_config(_schk: dn_schk): number {
  if (_schk.sched_data === null) _schk.sched_data = new fq_codel_schk();
  const schk = _schk.sched_data as fq_codel_schk;
  const ep = _schk.cfg;
  if (ep === null || ep.oid.len !== SIZEOF_DN_EXTRA_PARMS || ep.oid.subtype !== DN_SCH_PARAMS) return 1;
  const c = schk.cfg;
  c.ccfg.target = ep.par[0] < 0 ? fq_codel_sysctl.ccfg.target : ep.par[0] * AQM_TIME_1US;
  c.ccfg.interval = ep.par[1] < 0 ? fq_codel_sysctl.ccfg.interval : ep.par[1] * AQM_TIME_1US;
  c.ccfg.flags = ep.par[2] < 0 ? 0 : ep.par[2];
  c.quantum = ep.par[3] < 0 ? fq_codel_sysctl.quantum : ep.par[3];
  c.limit = ep.par[4] < 0 ? fq_codel_sysctl.limit : ep.par[4];
  c.flows_cnt = ep.par[5] < 0 ? fq_codel_sysctl.flows_cnt : ep.par[5];
  c.ccfg.target = BOUND_VAR(c.ccfg.target, 1, 5 * AQM_TIME_1S);
  c.ccfg.interval = BOUND_VAR(c.ccfg.interval, 1, 100 * AQM_TIME_1S);
  c.quantum = BOUND_VAR(c.quantum, 1, 9000);
  c.limit = BOUND_VAR(c.limit, 1, 20480);
  c.flows_cnt = BOUND_VAR(c.flows_cnt, 1, 65536);
  return 0;
}

function fq_codel_getconfig(_schk: dn_schk, ep: dn_extra_parms): number {
  const c = (_schk.sched_data as fq_codel_schk | null)?.cfg ?? new dn_sch_fq_codel_parms();
  ep.name = fq_codel_desc.name;
  ep.par[0] = Math.trunc(c.ccfg.target / AQM_TIME_1US);
  ep.par[1] = Math.trunc(c.ccfg.interval / AQM_TIME_1US);
  ep.par[2] = c.ccfg.flags;
  ep.par[3] = c.quantum;
  ep.par[4] = c.limit;
  ep.par[5] = c.flows_cnt;
  return 0;
}

export const fq_codel_desc: dn_alg = {
  type: DN_SCHED_FQ_CODEL,
  name: "FQ_CODEL",
  flags: 0,
  enqueue: fq_codel_enqueue,
  dequeue: fq_codel_dequeue,
  config: fq_codel_config,
  destroy: null,
  getconfig: fq_codel_getconfig,
  new_sched: fq_codel_new_sched,
  free_sched: fq_codel_free_sched,
  new_fsk: null,
  free_fsk: null,
  new_queue: null,
  free_queue: null,
  ref_count: 0,
};
