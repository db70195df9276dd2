// sys/netpfil/ipfw/dn_sched_qfq.c: QFQ (Quick Fair Queueing, Checconi,
// Rizzo and Valente), O(1) fair queueing.  Queues of similar
// lmax/weight are grouped; each group keeps its queues in a ring of 32
// slots by rounded start time, and four bitmaps (eligible or not, ready or
// blocked) pick the group to serve with one find-first-set.  Weights are
// par[0] (1..65536), the maximum packet length par[1] (1..2000, 1500).
//
// Timestamps are FreeBSD's uint64_t (30 fractional bits).  A double holds
// only 53 bits exactly, so each is a pair of 32-bit halves (h, l) kept in
// the objects themselves and updated in place: the per-packet path
// allocates nothing, and wraparound behaves as FreeBSD's does at 2^64.

import type { mbuf } from "../../kern/mbuf.ts";
import { EINVAL } from "../../kern/errno.ts";
import { dn_dequeue, DN_MULTIQUEUE, type dn_alg } from "./dn_sched.ts";
import { dn_enqueue } from "./ip_dn_io.ts";
import { ipdn_bound_var, type dn_fsk, type dn_queue, type dn_sch_inst } from "./ip_dn_private.ts";

export const DN_SCHED_QFQ = 4;

const QFQ_MAX_SLOTS = 32;
const QFQ_MAX_INDEX = 19;
const QFQ_MAX_WSHIFT = 16;
const QFQ_MAX_WEIGHT = 1 << QFQ_MAX_WSHIFT;
const QFQ_MAX_WSUM = 2 * QFQ_MAX_WEIGHT;
const FRAC_BITS = 30;
const ONE_FP = 2 ** FRAC_BITS;
const QFQ_MTU_SHIFT = 11;
const QFQ_MIN_SLOT_SHIFT = FRAC_BITS + QFQ_MTU_SHIFT - QFQ_MAX_INDEX;

const ER = 0;
const IR = 1;
const EB = 2;
const IB = 3;
const QFQ_MAX_STATE = 4;

const TWO32 = 2 ** 32;

/** A uint64_t as two 32-bit halves. */
class u64 {
  h = 0;
  l = 0;
}

function u64_set(d: u64, s: u64): void {
  d.h = s.h;
  d.l = s.l;
}
/** d = a + n, n a non-negative integer below 2^53. */
function u64_add_num(d: u64, a: u64, n: number): void {
  const nh = Math.floor(n / TWO32);
  const lo = a.l + (n - nh * TWO32);
  const carry = lo >= TWO32 ? 1 : 0;
  d.l = lo - carry * TWO32;
  d.h = (a.h + nh + carry) >>> 0;
}
function u64_eq(a: u64, b: u64): boolean {
  return a.h === b.h && a.l === b.l;
}
/** qfq_gt: (int64_t)(a - b) > 0. */
function qfq_gt(a: u64, b: u64): boolean {
  const borrow = a.l < b.l ? 1 : 0;
  const dh = (a.h - b.h - borrow) | 0;
  return dh > 0 || (dh === 0 && a.l !== b.l);
}
/** d = ts rounded down to a multiple of 2^shift (shift 22..41). */
function qfq_round_down(d: u64, ts: u64, shift: number): void {
  if (shift >= 32) {
    d.l = 0;
    d.h = (ts.h & ~((1 << (shift - 32)) - 1)) >>> 0;
  } else {
    d.h = ts.h;
    d.l = (ts.l & ~((1 << shift) - 1)) >>> 0;
  }
}
/** (a - b) >> shift for a >= b close together (a slot distance). */
function u64_diff_shift(a: u64, b: u64, shift: number): number {
  const borrow = a.l < b.l ? 1 : 0;
  const dh = (a.h - b.h - borrow) >>> 0;
  const dl = a.l - b.l + borrow * TWO32;
  return Math.floor((dh * TWO32 + dl) / 2 ** shift);
}

/** __fls / ffs on 32-bit words (0-based; ffs of 0 is -1). */
function fls32(x: number): number {
  return 31 - Math.clz32(x);
}
function ffs0(x: number): number {
  x >>>= 0;
  return x === 0 ? -1 : 31 - Math.clz32(x & -x);
}
function mask_from(bitmap: number, from: number): number {
  return from >= 32 ? 0 : (bitmap & ~((1 << from) - 1)) >>> 0;
}

/** struct qfq_class's own part (the queue's). */
class qfq_class {
  readonly S = new u64();
  readonly F = new u64();
  next: qfq_class | null = null;
  grp: qfq_group | null = null;
  inv_w = 0;
  lmax = 0;
  constructor(readonly q: dn_queue) {}
}

class qfq_group {
  readonly S = new u64();
  readonly F = new u64();
  slot_shift = 0;
  index = 0;
  front = 0;
  /** Non-empty slots, relative to front (bit 0 is the front slot). */
  full_slots = 0;
  readonly slots: (qfq_class | null)[] = new Array<qfq_class | null>(QFQ_MAX_SLOTS).fill(null);
}

/** struct qfq_sched: an instance. */
class qfq_sched {
  readonly V = new u64();
  wsum = 0;
  iwsum = 0;
  readonly bitmaps = new Uint32Array(QFQ_MAX_STATE);
  readonly groups: qfq_group[] = [];
  // Scratch timestamps (the C code's locals).
  readonly old_V = new u64();
  readonly old_F = new u64();
  readonly roundedS = new u64();
  readonly roundedF = new u64();
  readonly limit = new u64();
}

function QS(si: dn_sch_inst): qfq_sched {
  return si.sched_data as qfq_sched;
}
function CL(q: dn_queue): qfq_class {
  return q.sched_data as qfq_class;
}

function qfq_ffs(q: qfq_sched, bitmap: number): qfq_group {
  return q.groups[ffs0(bitmap)];
}

/** qfq_calc_index: the group of a flow, about log2(maxlen / weight). */
function qfq_calc_index(inv_w: number, maxlen: number): number {
  const slot_size = maxlen * inv_w;
  const size_map = Math.floor(slot_size / 2 ** QFQ_MIN_SLOT_SHIFT);
  if (size_map === 0) return 0;
  // size_map < 2^31 here (maxlen <= 2000, inv_w <= 2^30).
  let index = fls32(size_map) + 1;
  if (slot_size - 2 ** (index + QFQ_MIN_SLOT_SHIFT - 1) === 0) index -= 1;
  return index < 0 ? 0 : index;
}

function qfq_new_queue(_q: dn_queue): number {
  const q = QS(_q._si as dn_sch_inst);
  const cl = new qfq_class(_q);
  _q.sched_data = cl;
  const fs = _q.fs as dn_fsk;
  let w = fs.fs.par[0];
  cl.lmax = fs.fs.par[1];
  if (w === 0 || w > QFQ_MAX_WEIGHT) w = 1;
  cl.inv_w = Math.floor(ONE_FP / w);
  w = Math.floor(ONE_FP / cl.inv_w);
  if (q.wsum + w > QFQ_MAX_WSUM) return EINVAL;
  const i = qfq_calc_index(cl.inv_w, cl.lmax);
  cl.grp = q.groups[i];
  q.wsum += w;
  q.iwsum = Math.floor(ONE_FP / q.wsum);
  return 0;
}

function qfq_free_queue(_q: dn_queue): number {
  const q = QS(_q._si as dn_sch_inst);
  const cl = CL(_q);
  if (cl.inv_w !== 0) {
    q.wsum -= Math.floor(ONE_FP / cl.inv_w);
    if (q.wsum !== 0) q.iwsum = Math.floor(ONE_FP / q.wsum);
    cl.inv_w = 0;
  }
  return 0;
}

/** ER, IR, EB or IB for a group: eligible if S <= V, blocked if a lower ER group finishes first. */
function qfq_calc_state(q: qfq_sched, grp: qfq_group): number {
  let state = qfq_gt(grp.S, q.V) ? 1 : 0;
  const mask = mask_from(q.bitmaps[ER], grp.index);
  if (mask !== 0) {
    const next = qfq_ffs(q, mask);
    if (qfq_gt(grp.F, next.F)) state |= EB;
  }
  return state;
}

function qfq_move_groups(q: qfq_sched, mask: number, src: number, dst: number): void {
  q.bitmaps[dst] |= q.bitmaps[src] & mask;
  q.bitmaps[src] &= ~mask;
}

function qfq_unblock_groups(q: qfq_sched, index: number, old_finish: u64): void {
  let mask = mask_from(q.bitmaps[ER], index + 1);
  if (mask !== 0) {
    const next = qfq_ffs(q, mask);
    if (!qfq_gt(next.F, old_finish)) return;
  }
  mask = ((1 << index) - 1) >>> 0;
  qfq_move_groups(q, mask, EB, ER);
  qfq_move_groups(q, mask, IB, IR);
}

/** Groups whose slot V has crossed become eligible. */
function qfq_make_eligible(q: qfq_sched, old_V: u64): void {
  // vslot = V >> QFQ_MIN_SLOT_SHIFT, as (h << 10) | (l >>> 22): xor the parts.
  const xh = (q.V.h ^ old_V.h) >>> 0;
  const xl = ((q.V.l >>> QFQ_MIN_SLOT_SHIFT) ^ (old_V.l >>> QFQ_MIN_SLOT_SHIFT)) >>> 0;
  if (xh === 0 && xl === 0) return;
  const fls = xh !== 0 ? fls32(xh) + (32 - QFQ_MIN_SLOT_SHIFT) : fls32(xl);
  // The group bitmaps have 20 bits: a mask of 32 or more bits is all of them.
  const mask = fls >= 31 ? 0xffffffff : ((2 << fls) - 1) >>> 0;
  qfq_move_groups(q, mask, IR, ER);
  qfq_move_groups(q, mask, IB, EB);
}

function qfq_slot_insert(grp: qfq_group, cl: qfq_class, roundedS: u64): void {
  const slot = u64_diff_shift(roundedS, grp.S, grp.slot_shift);
  const i = (grp.front + slot) % QFQ_MAX_SLOTS;
  cl.next = grp.slots[i];
  grp.slots[i] = cl;
  if (slot < 32) grp.full_slots = (grp.full_slots | (1 << slot)) >>> 0;
}

function qfq_front_slot_remove(grp: qfq_group): void {
  const h = grp.slots[grp.front] as qfq_class;
  grp.slots[grp.front] = h.next;
  if (grp.slots[grp.front] === null) grp.full_slots = (grp.full_slots & ~1) >>> 0;
}

/** The first full queue of the group, the front moved to its slot. */
function qfq_slot_scan(grp: qfq_group): qfq_class | null {
  if (grp.full_slots === 0) return null;
  const i = ffs0(grp.full_slots);
  if (i > 0) {
    grp.front = (grp.front + i) % QFQ_MAX_SLOTS;
    grp.full_slots = grp.full_slots >>> i;
  }
  return grp.slots[grp.front];
}

/** The group's start moves back to roundedS: shift the ring so nothing moves. */
function qfq_slot_rotate(grp: qfq_group, roundedS: u64): void {
  const i = u64_diff_shift(grp.S, roundedS, grp.slot_shift);
  grp.full_slots = i >= 32 ? 0 : (grp.full_slots << i) >>> 0;
  // (front - i) mod QFQ_MAX_SLOTS, as unsigned arithmetic gives it.
  grp.front = (((grp.front - i) >>> 0) % QFQ_MAX_SLOTS) >>> 0;
}

function qfq_update_eligible(q: qfq_sched, old_V: u64): void {
  const ineligible = q.bitmaps[IR] | q.bitmaps[IB];
  if (ineligible !== 0) {
    if (q.bitmaps[ER] === 0) {
      const grp = qfq_ffs(q, ineligible);
      if (qfq_gt(grp.S, q.V)) u64_set(q.V, grp.S);
    }
    qfq_make_eligible(q, old_V);
  }
}

/** After a packet: the class's new timestamps; 1 if the group must be updated too. */
function qfq_update_class(q: qfq_sched, grp: qfq_group, cl: qfq_class): number {
  u64_set(cl.S, cl.F);
  const head = cl.q.mq.head;
  if (head === null) {
    qfq_front_slot_remove(grp);
  } else {
    u64_add_num(cl.F, cl.S, head.m_pkthdr.len * cl.inv_w);
    const roundedS = q.roundedS;
    qfq_round_down(roundedS, cl.S, grp.slot_shift);
    if (u64_eq(roundedS, grp.S)) return 0;
    qfq_front_slot_remove(grp);
    qfq_slot_insert(grp, cl, roundedS);
  }
  return 1;
}

function qfq_dequeue(si: dn_sch_inst): mbuf | null {
  const q = QS(si);
  if (q.bitmaps[ER] === 0) return null;
  const grp = qfq_ffs(q, q.bitmaps[ER]);
  let cl = grp.slots[grp.front] as qfq_class;
  const m = dn_dequeue(cl.q);
  if (m === null) return null;
  u64_set(q.old_V, q.V);
  u64_add_num(q.V, q.V, m.m_pkthdr.len * q.iwsum);
  skip: if (qfq_update_class(q, grp, cl) !== 0) {
    u64_set(q.old_F, grp.F);
    const next = qfq_slot_scan(grp);
    if (next === null) {
      q.bitmaps[ER] &= ~(1 << grp.index);
    } else {
      cl = next;
      const roundedS = q.roundedS;
      qfq_round_down(roundedS, cl.S, grp.slot_shift);
      if (u64_eq(grp.S, roundedS)) break skip;
      u64_set(grp.S, roundedS);
      u64_add_num(grp.F, roundedS, 2 ** (grp.slot_shift + 1));
      q.bitmaps[ER] &= ~(1 << grp.index);
      const s = qfq_calc_state(q, grp);
      q.bitmaps[s] |= 1 << grp.index;
    }
    // Unblock even if the group has gone.
    qfq_unblock_groups(q, grp.index, q.old_F);
  }
  qfq_update_eligible(q, q.old_V);
  return m;
}

/** A start time for a flow that becomes backlogged (see the paper on stale timestamps). */
function qfq_update_start(q: qfq_sched, cl: qfq_class): void {
  const grp = cl.grp as qfq_group;
  const slot_shift = grp.slot_shift;
  const roundedF = q.roundedF;
  const limit = q.limit;
  qfq_round_down(roundedF, cl.F, slot_shift);
  qfq_round_down(limit, q.V, slot_shift);
  u64_add_num(limit, limit, 2 ** slot_shift);
  if (!qfq_gt(cl.F, q.V) || qfq_gt(roundedF, limit)) {
    const mask = mask_from(q.bitmaps[ER], grp.index);
    if (mask !== 0) {
      const next = qfq_ffs(q, mask);
      if (qfq_gt(roundedF, next.F)) {
        if (qfq_gt(limit, next.F)) u64_set(cl.S, next.F);
        else u64_set(cl.S, limit);
        return;
      }
    }
    u64_set(cl.S, q.V);
  } else u64_set(cl.S, cl.F);
}

function qfq_enqueue(si: dn_sch_inst, _q: dn_queue | null, m: mbuf): number {
  const qq = _q as dn_queue;
  const q = QS(si);
  const cl = CL(qq);
  if (m !== qq.mq.head) {
    if (dn_enqueue(qq, m, 0) !== 0) return 1;
    if (m !== qq.mq.head) return 0;
  }
  // The queue was idle.
  const grp = cl.grp as qfq_group;
  qfq_update_start(q, cl);
  u64_add_num(cl.F, cl.S, m.m_pkthdr.len * cl.inv_w);
  const roundedS = q.roundedS;
  qfq_round_down(roundedS, cl.S, grp.slot_shift);
  update: {
    if (grp.full_slots !== 0) {
      if (!qfq_gt(grp.S, cl.S)) break update;
      qfq_slot_rotate(grp, roundedS);
      q.bitmaps[IR] &= ~(1 << grp.index);
      q.bitmaps[IB] &= ~(1 << grp.index);
    } else if (q.bitmaps[ER] === 0 && qfq_gt(roundedS, q.V)) u64_set(q.V, roundedS);
    u64_set(grp.S, roundedS);
    u64_add_num(grp.F, roundedS, 2 ** (grp.slot_shift + 1));
    const s = qfq_calc_state(q, grp);
    q.bitmaps[s] |= 1 << grp.index;
  }
  qfq_slot_insert(grp, cl, roundedS);
  return 0;
}

function qfq_new_fsk(f: dn_fsk): number {
  f.fs.par[0] = ipdn_bound_var(f.fs.par[0], 1, 1, QFQ_MAX_WEIGHT);
  f.fs.par[1] = ipdn_bound_var(f.fs.par[1], 1500, 1, 2000);
  return 0;
}

function qfq_new_sched(si: dn_sch_inst): number {
  const q = new qfq_sched();
  for (let i = 0; i <= QFQ_MAX_INDEX; i++) {
    const grp = new qfq_group();
    grp.index = i;
    grp.slot_shift = QFQ_MTU_SHIFT + FRAC_BITS - (QFQ_MAX_INDEX - i);
    q.groups.push(grp);
  }
  si.sched_data = q;
  return 0;
}

export const qfq_desc: dn_alg = {
  type: DN_SCHED_QFQ,
  name: "QFQ",
  flags: DN_MULTIQUEUE,
  enqueue: qfq_enqueue,
  dequeue: qfq_dequeue,
  config: null,
  destroy: null,
  getconfig: null,
  new_sched: qfq_new_sched,
  free_sched: null,
  new_fsk: qfq_new_fsk,
  free_fsk: null,
  new_queue: qfq_new_queue,
  free_queue: qfq_free_queue,
  ref_count: 0,
};
