// sys/netgraph/ng_pipe.c, ng_pipe.h: the "pipe" node type (University of
// Zagreb, IMUNES's link).  Frames from "upper" go out "lower" (downstream)
// and back (upstream), each direction with its own bandwidth, bit error
// rate, duplication, inbound queue (FIFO, DRR or WFQ over flows; drop-tail
// or drop-head) and delay queue; the propagation delay is common to both.
//
// Time is the virtual clock's, read as microuptime(9) in whole
// microseconds, and the arithmetic is ng_pipe.c's: the serialization time
// of a frame is ((len + overhead) * 8000000 / bandwidth) microseconds,
// truncated, added to the time the inbound queue is next free; the delay
// is added to that; and a frame leaves when a once-a-tick callout finds it
// due, so release times fall on kern.hz ticks.  Random loss draws from the
// kernel's seeded random(9) against the table of P(frame intact) that
// setcfg precomputes for every frame length, in 16.48 fixed point.
//
// Queue entries (struct ngp_hdr, struct ngp_fifo) come from the "ng_pipe"
// UMA zone and go back to it, so the per-frame path allocates no objects.
// FreeBSD carves both kinds from one zone sized for the larger; here one
// class carries the fields of both for the same reason.

import { EINVAL } from "../kern/errno.ts";
import { m_dup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT, uma_zcreate } from "../kern/uma.ts";
import { SI_ORDER_ANY, SI_SUB_DRIVERS } from "../kern/kernel.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { callout, callout_init, nanouptime_ns } from "../kern/kern_timeout.ts";
import { random } from "../kern/arc4random.ts";
import { NG_ABI_VERSION, NG_MKMESSAGE, NG_MKRESPONSE, type ng_mesg } from "./netgraph.ts";
import { ng_parse_struct_type, ng_parse_uint32_type, ng_parse_uint64_type, type ng_cmdlist, type ng_parse_struct_field, type ng_parse_type } from "./ng_parse.ts";
import {
  NGI_GET_M,
  NGI_GET_MSG,
  NG_FREE_ITEM,
  NG_FWD_ITEM_HOOK,
  NG_RESPOND_MSG,
  NG_SEND_DATA_ONLY,
  NG_SEND_MSG_PATH,
  ng_callout,
  ng_newtype,
  ng_uncallout,
  ng_unref_node,
  type ng_hook,
  type ng_item,
  type ng_node,
  type ng_type,
} from "./ng_base.ts";

export const NG_PIPE_NODE_TYPE = "pipe";
export const NGM_PIPE_COOKIE = 200708191;

export const NG_PIPE_HOOK_UPPER = "upper";
export const NG_PIPE_HOOK_LOWER = "lower";

/** Largest frame the BER table covers, and largest framing overhead. */
export const MAX_FSIZE = 65536;
export const MAX_OHSIZE = 256;

export const NGM_PIPE_GET_STATS = 1;
export const NGM_PIPE_CLR_STATS = 2;
export const NGM_PIPE_GETCLR_STATS = 3;
export const NGM_PIPE_GET_RUN = 4;
export const NGM_PIPE_GET_CFG = 5;
export const NGM_PIPE_SET_CFG = 6;

// ng_message.h: the flow-control messages a pipe sends both neighbours
// when its BER crosses 1 (link down) either way.
const NGM_FLOW_COOKIE = 851672669;
const NGM_LINK_IS_UP = 32;
const NGM_LINK_IS_DOWN = 33;

// ---------------------------------------------------------------------------
// Binary layouts (amd64).

/** struct ng_pipe_hookcfg: bandwidth, ber (u_int64_t); qin_size_limit,
 *  qout_size_limit, duplicate, fifo, drr, wfq, droptail, drophead (u_int32_t). */
export const NG_PIPE_HOOKCFG_SIZE = 48;
/** struct ng_pipe_cfg: bandwidth, delay (u64); header_offset, overhead
 *  (u32); downstream, upstream (ng_pipe_hookcfg). */
export const NG_PIPE_CFG_SIZE = 24 + 2 * NG_PIPE_HOOKCFG_SIZE;
/** struct ng_pipe_hookstat: six u_int64_t; ng_pipe_stats: two of them. */
export const NG_PIPE_HOOKSTAT_SIZE = 48;
export const NG_PIPE_STATS_SIZE = 2 * NG_PIPE_HOOKSTAT_SIZE;
/** struct ng_pipe_hookrun: five u_int32_t; ng_pipe_run: two of them. */
export const NG_PIPE_HOOKRUN_SIZE = 20;
export const NG_PIPE_RUN_SIZE = 2 * NG_PIPE_HOOKRUN_SIZE;

/** struct ng_pipe_hookcfg with 64-bit fields as bigint, as they travel. */
export interface ng_pipe_hookcfg_w {
  bandwidth: bigint;
  ber: bigint;
  qin_size_limit: number;
  qout_size_limit: number;
  duplicate: number;
  fifo: number;
  drr: number;
  wfq: number;
  droptail: number;
  drophead: number;
}
export interface ng_pipe_cfg_w {
  bandwidth: bigint;
  delay: bigint;
  header_offset: number;
  overhead: number;
  downstream: ng_pipe_hookcfg_w;
  upstream: ng_pipe_hookcfg_w;
}

export function ng_pipe_hookcfg_zero(): ng_pipe_hookcfg_w {
  return { bandwidth: 0n, ber: 0n, qin_size_limit: 0, qout_size_limit: 0, duplicate: 0, fifo: 0, drr: 0, wfq: 0, droptail: 0, drophead: 0 };
}
export function ng_pipe_cfg_zero(): ng_pipe_cfg_w {
  return { bandwidth: 0n, delay: 0n, header_offset: 0, overhead: 0, downstream: ng_pipe_hookcfg_zero(), upstream: ng_pipe_hookcfg_zero() };
}

function hookcfg_enc(dv: DataView, off: number, c: ng_pipe_hookcfg_w): void {
  dv.setBigUint64(off, BigInt.asUintN(64, c.bandwidth), true);
  dv.setBigUint64(off + 8, BigInt.asUintN(64, c.ber), true);
  const u32 = [c.qin_size_limit, c.qout_size_limit, c.duplicate, c.fifo, c.drr, c.wfq, c.droptail, c.drophead];
  u32.forEach((v, i) => dv.setUint32(off + 16 + 4 * i, v >>> 0, true));
}
function hookcfg_dec(dv: DataView, off: number): ng_pipe_hookcfg_w {
  const u = (i: number): number => dv.getUint32(off + 16 + 4 * i, true);
  return {
    bandwidth: dv.getBigUint64(off, true),
    ber: dv.getBigUint64(off + 8, true),
    qin_size_limit: u(0),
    qout_size_limit: u(1),
    duplicate: u(2),
    fifo: u(3),
    drr: u(4),
    wfq: u(5),
    droptail: u(6),
    drophead: u(7),
  };
}

export function ng_pipe_cfg_enc(c: ng_pipe_cfg_w): Uint8Array {
  const b = new Uint8Array(NG_PIPE_CFG_SIZE);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, BigInt.asUintN(64, c.bandwidth), true);
  dv.setBigUint64(8, BigInt.asUintN(64, c.delay), true);
  dv.setUint32(16, c.header_offset >>> 0, true);
  dv.setUint32(20, c.overhead >>> 0, true);
  hookcfg_enc(dv, 24, c.downstream);
  hookcfg_enc(dv, 24 + NG_PIPE_HOOKCFG_SIZE, c.upstream);
  return b;
}

export function ng_pipe_cfg_dec(b: Uint8Array): ng_pipe_cfg_w {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    bandwidth: dv.getBigUint64(0, true),
    delay: dv.getBigUint64(8, true),
    header_offset: dv.getUint32(16, true),
    overhead: dv.getUint32(20, true),
    downstream: hookcfg_dec(dv, 24),
    upstream: hookcfg_dec(dv, 24 + NG_PIPE_HOOKCFG_SIZE),
  };
}

export interface ng_pipe_hookstat {
  fwd_octets: number;
  fwd_frames: number;
  in_disc_octets: number;
  in_disc_frames: number;
  out_disc_octets: number;
  out_disc_frames: number;
}
export function ng_pipe_stats_dec(b: Uint8Array): { downstream: ng_pipe_hookstat; upstream: ng_pipe_hookstat } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u64 = (o: number): number => dv.getUint32(o, true) + dv.getUint32(o + 4, true) * 2 ** 32;
  const one = (o: number): ng_pipe_hookstat => ({
    fwd_octets: u64(o),
    fwd_frames: u64(o + 8),
    in_disc_octets: u64(o + 16),
    in_disc_frames: u64(o + 24),
    out_disc_octets: u64(o + 32),
    out_disc_frames: u64(o + 40),
  });
  return { downstream: one(0), upstream: one(NG_PIPE_HOOKSTAT_SIZE) };
}

export interface ng_pipe_hookrun {
  fifo_queues: number;
  qin_octets: number;
  qin_frames: number;
  qout_octets: number;
  qout_frames: number;
}
export function ng_pipe_run_dec(b: Uint8Array): { downstream: ng_pipe_hookrun; upstream: ng_pipe_hookrun } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const one = (o: number): ng_pipe_hookrun => ({
    fifo_queues: dv.getUint32(o, true),
    qin_octets: dv.getUint32(o + 4, true),
    qin_frames: dv.getUint32(o + 8, true),
    qout_octets: dv.getUint32(o + 12, true),
    qout_frames: dv.getUint32(o + 16, true),
  });
  return { downstream: one(0), upstream: one(NG_PIPE_HOOKRUN_SIZE) };
}

// ---------------------------------------------------------------------------
// Parse types and the command list (ngctl msg p: setcfg { ... }).  The
// ASCII names are FreeBSD's, which differ from the struct fields in places
// (BER, queuelen, delaylen, FwdOctets, queueDropFrames, ...).

function struct_type(fields: ng_parse_struct_field[]): ng_parse_type {
  return { supertype: ng_parse_struct_type, info: fields };
}
const u64 = (name: string): ng_parse_struct_field => ({ name, type: ng_parse_uint64_type });
const u32 = (name: string): ng_parse_struct_field => ({ name, type: ng_parse_uint32_type });

export const ng_pipe_hookstat_type = struct_type([u64("FwdOctets"), u64("FwdFrames"), u64("queueDropOctets"), u64("queueDropFrames"), u64("delayDropOctets"), u64("delayDropFrames")]);
export const ng_pipe_stats_type = struct_type([
  { name: "downstream", type: ng_pipe_hookstat_type },
  { name: "upstream", type: ng_pipe_hookstat_type },
]);
export const ng_pipe_hookrun_type = struct_type([u32("queues"), u32("queuedOctets"), u32("queuedFrames"), u32("delayedOctets"), u32("delayedFrames")]);
export const ng_pipe_run_type = struct_type([
  { name: "downstream", type: ng_pipe_hookrun_type },
  { name: "upstream", type: ng_pipe_hookrun_type },
]);
export const ng_pipe_hookcfg_type = struct_type([u64("bandwidth"), u64("BER"), u32("queuelen"), u32("delaylen"), u32("duplicate"), u32("fifo"), u32("drr"), u32("wfq"), u32("droptail"), u32("drophead")]);
export const ng_pipe_cfg_type = struct_type([
  u64("bandwidth"),
  u64("delay"),
  u32("header_offset"),
  u32("overhead"),
  { name: "downstream", type: ng_pipe_hookcfg_type },
  { name: "upstream", type: ng_pipe_hookcfg_type },
]);

export const ngp_cmds: readonly ng_cmdlist[] = [
  { cookie: NGM_PIPE_COOKIE, cmd: NGM_PIPE_GET_STATS, name: "getstats", mesgType: null, respType: ng_pipe_stats_type },
  { cookie: NGM_PIPE_COOKIE, cmd: NGM_PIPE_CLR_STATS, name: "clrstats", mesgType: null, respType: null },
  { cookie: NGM_PIPE_COOKIE, cmd: NGM_PIPE_GETCLR_STATS, name: "getclrstats", mesgType: null, respType: ng_pipe_stats_type },
  { cookie: NGM_PIPE_COOKIE, cmd: NGM_PIPE_GET_RUN, name: "getrun", mesgType: null, respType: ng_pipe_run_type },
  { cookie: NGM_PIPE_COOKIE, cmd: NGM_PIPE_GET_CFG, name: "getcfg", mesgType: null, respType: ng_pipe_cfg_type },
  { cookie: NGM_PIPE_COOKIE, cmd: NGM_PIPE_SET_CFG, name: "setcfg", mesgType: ng_pipe_cfg_type, respType: null },
];

// ---------------------------------------------------------------------------
// Queue entries.

/** A TAILQ head of packet headers. */
class p_head {
  first: ngp_ent | null = null;
  last: ngp_ent | null = null;
}

/** An item of the ng_pipe zone: a struct ngp_hdr (a queued frame) or a
 *  struct ngp_fifo (one flow's inbound queue). */
class ngp_ent {
  // struct ngp_hdr
  ngp_next: ngp_ent | null = null;
  ngp_prev: ngp_ent | null = null;
  /** Due time, microseconds of uptime. */
  when = 0;
  m: mbuf | null = null;
  // struct ngp_fifo
  fifo_next: ngp_ent | null = null;
  fifo_prev: ngp_ent | null = null;
  readonly packet_head = new p_head();
  hash = 0;
  /** Virtual finish time for WFQ, microseconds. */
  vtime = 0;
  rr_deficit = 0;
  packets = 0;
}

function hdr_insert_tail(h: p_head, e: ngp_ent): void {
  e.ngp_next = null;
  e.ngp_prev = h.last;
  if (h.last === null) h.first = e;
  else h.last.ngp_next = e;
  h.last = e;
}
function hdr_remove(h: p_head, e: ngp_ent): void {
  if (e.ngp_prev === null) h.first = e.ngp_next;
  else e.ngp_prev.ngp_next = e.ngp_next;
  if (e.ngp_next === null) h.last = e.ngp_prev;
  else e.ngp_next.ngp_prev = e.ngp_prev;
  e.ngp_next = e.ngp_prev = null;
}

/** ngp_zone: sized as the larger of struct ngp_hdr (40 B) and struct
 *  ngp_fifo (64 B) on amd64; 4096-byte slabs. */
const NGP_ENT_SIZE = 64;
export const ngp_zone = uma_zcreate<ngp_ent>("ng_pipe", NGP_ENT_SIZE, 4096 / NGP_ENT_SIZE, (count) => {
  const a: ngp_ent[] = [];
  for (let i = 0; i < count; i++) a.push(new ngp_ent());
  return a;
});

function ngp_zalloc(): ngp_ent {
  const e = ngp_zone.uma_zalloc();
  KASSERT(e !== null, "ngp_h zalloc failed");
  return e;
}
function ngp_zfree(e: ngp_ent): void {
  e.m = null;
  e.ngp_next = e.ngp_prev = null;
  e.fifo_next = e.fifo_prev = null;
  e.packet_head.first = e.packet_head.last = null;
  ngp_zone.uma_zfree(e);
}

// ---------------------------------------------------------------------------
// Per hook and per node state.

/** struct ng_pipe_hookcfg as kept by the node (all values fit a double). */
class ng_pipe_hookcfg {
  bandwidth = 0;
  ber = 0;
  qin_size_limit = 0;
  qout_size_limit = 0;
  duplicate = 0;
  fifo = 0;
  drr = 0;
  wfq = 0;
  droptail = 0;
  drophead = 0;
}

/** struct ng_pipe_hookrun. */
class ng_pipe_hookrun_k {
  fifo_queues = 0;
  qin_octets = 0;
  qin_frames = 0;
  qout_octets = 0;
  qout_frames = 0;
}

/** struct ng_pipe_hookstat. */
class ng_pipe_hookstat_k {
  fwd_octets = 0;
  fwd_frames = 0;
  in_disc_octets = 0;
  in_disc_frames = 0;
  out_disc_octets = 0;
  out_disc_frames = 0;
}

/** struct hookinfo. */
class hookinfo {
  hook: ng_hook | null = null;
  /** Nothing configured that needs the queues: frames go straight through. */
  noqueue = 0;
  fifo_first: ngp_ent | null = null;
  fifo_last: ngp_ent | null = null;
  readonly qout_head = new p_head();
  /** When the inbound queue may next send, microseconds of uptime. */
  qin_utime = 0;
  cfg = new ng_pipe_hookcfg();
  run = new ng_pipe_hookrun_k();
  stats = new ng_pipe_hookstat_k();
  /** P(frame of n bytes intact), 2^48 = 1; null when BER is off. */
  ber_p: Float64Array | null = null;

  /** bzero: a hook starts from nothing. */
  clear(): void {
    this.hook = null;
    this.noqueue = 0;
    this.fifo_first = this.fifo_last = null;
    this.qout_head.first = this.qout_head.last = null;
    this.qin_utime = 0;
    this.cfg = new ng_pipe_hookcfg();
    this.run = new ng_pipe_hookrun_k();
    this.stats = new ng_pipe_hookstat_k();
    this.ber_p = null;
  }
}

function fifo_insert_tail(h: hookinfo, f: ngp_ent): void {
  f.fifo_next = null;
  f.fifo_prev = h.fifo_last;
  if (h.fifo_last === null) h.fifo_first = f;
  else h.fifo_last.fifo_next = f;
  h.fifo_last = f;
}
function fifo_insert_before(h: hookinfo, at: ngp_ent, f: ngp_ent): void {
  f.fifo_next = at;
  f.fifo_prev = at.fifo_prev;
  if (at.fifo_prev === null) h.fifo_first = f;
  else at.fifo_prev.fifo_next = f;
  at.fifo_prev = f;
}
function fifo_remove(h: hookinfo, f: ngp_ent): void {
  if (f.fifo_prev === null) h.fifo_first = f.fifo_next;
  else f.fifo_prev.fifo_next = f.fifo_next;
  if (f.fifo_next === null) h.fifo_last = f.fifo_prev;
  else f.fifo_next.fifo_prev = f.fifo_prev;
  f.fifo_next = f.fifo_prev = null;
}

/** struct node_priv. */
class node_priv {
  /** Propagation delay, microseconds. */
  delay = 0;
  /** Bytes of framing counted per frame (preamble, FCS, gap). */
  overhead = 0;
  header_offset = 0;
  readonly lower = new hookinfo();
  readonly upper = new hookinfo();
  readonly timer = new callout();
  timer_scheduled = 0;
}

function PRIV(node: ng_node): node_priv {
  return node.nd_private as node_priv;
}

/** floor(a * b / c) for non-negative integers, exact past 2^53 too. */
function muldiv(a: number, b: number, c: number): number {
  const p = a * b;
  if (p <= Number.MAX_SAFE_INTEGER) return Math.floor(p / c);
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

/** FIFO_VTIME_SORT: place flow f among the active flows by virtual finish
 *  time (WFQ with a bandwidth), else at the tail. */
function FIFO_VTIME_SORT(hinfo: hookinfo, priv: node_priv, f: ngp_ent, plen: number, now: number): void {
  if (hinfo.cfg.wfq !== 0 && hinfo.cfg.bandwidth !== 0) {
    f.vtime = now + muldiv((plen + priv.overhead) * hinfo.run.fifo_queues, 8000000, hinfo.cfg.bandwidth);
    let f1 = hinfo.fifo_first;
    while (f1 !== null && !(f1.vtime > f.vtime)) f1 = f1.fifo_next;
    if (f1 === null) fifo_insert_tail(hinfo, f);
    else fifo_insert_before(hinfo, f1, f);
  } else fifo_insert_tail(hinfo, f);
}

// ---------------------------------------------------------------------------
// Node methods.

function ngp_constructor(node: ng_node): number {
  const priv = new node_priv();
  node.nd_private = priv;
  callout_init(priv.timer, true);
  return 0;
}

function ngp_newhook(node: ng_node, hook: ng_hook, name: string): number {
  const priv = PRIV(node);
  let hinfo: hookinfo;
  if (name === NG_PIPE_HOOK_UPPER) hinfo = priv.upper;
  else if (name === NG_PIPE_HOOK_LOWER) hinfo = priv.lower;
  else return EINVAL;
  hinfo.clear();
  hinfo.hook = hook;
  hook.hk_private = hinfo;
  hinfo.cfg.qin_size_limit = 50;
  hinfo.cfg.fifo = 1;
  hinfo.cfg.droptail = 1;
  return 0;
}

function put_u64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % 2 ** 32, true);
  dv.setUint32(off + 4, Math.floor(v / 2 ** 32) % 2 ** 32, true);
}

function hookstat_put(dv: DataView, off: number, s: ng_pipe_hookstat_k): void {
  put_u64(dv, off, s.fwd_octets);
  put_u64(dv, off + 8, s.fwd_frames);
  put_u64(dv, off + 16, s.in_disc_octets);
  put_u64(dv, off + 24, s.in_disc_frames);
  put_u64(dv, off + 32, s.out_disc_octets);
  put_u64(dv, off + 40, s.out_disc_frames);
}

function hookrun_put(dv: DataView, off: number, r: ng_pipe_hookrun_k): void {
  dv.setUint32(off, r.fifo_queues >>> 0, true);
  dv.setUint32(off + 4, r.qin_octets >>> 0, true);
  dv.setUint32(off + 8, r.qin_frames >>> 0, true);
  dv.setUint32(off + 12, r.qout_octets >>> 0, true);
  dv.setUint32(off + 16, r.qout_frames >>> 0, true);
}

function hookcfg_of(c: ng_pipe_hookcfg): ng_pipe_hookcfg_w {
  return {
    bandwidth: BigInt(c.bandwidth),
    ber: BigInt(c.ber),
    qin_size_limit: c.qin_size_limit,
    qout_size_limit: c.qout_size_limit,
    duplicate: c.duplicate,
    fifo: c.fifo,
    drr: c.drr,
    wfq: c.wfq,
    droptail: c.droptail,
    drophead: c.drophead,
  };
}

const U64_ALL = 0xffffffffffffffffn;
const U32_ALL = 0xffffffff;

function ngp_rcvmsg(node: ng_node, item: ng_item): number {
  const priv = PRIV(node);
  let resp: ng_mesg | null = null;
  let error = 0;
  const msg = NGI_GET_MSG(item);
  if (msg === null || msg.header.typecookie !== NGM_PIPE_COOKIE) {
    NG_FREE_ITEM(item);
    return EINVAL;
  }
  switch (msg.header.cmd) {
    case NGM_PIPE_GET_STATS:
    case NGM_PIPE_CLR_STATS:
    case NGM_PIPE_GETCLR_STATS:
      if (msg.header.cmd !== NGM_PIPE_CLR_STATS) {
        resp = NG_MKRESPONSE(msg, NG_PIPE_STATS_SIZE);
        const dv = new DataView(resp.data.buffer, resp.data.byteOffset, resp.data.byteLength);
        hookstat_put(dv, 0, priv.upper.stats);
        hookstat_put(dv, NG_PIPE_HOOKSTAT_SIZE, priv.lower.stats);
      }
      if (msg.header.cmd !== NGM_PIPE_GET_STATS) {
        priv.upper.stats = new ng_pipe_hookstat_k();
        priv.lower.stats = new ng_pipe_hookstat_k();
      }
      break;
    case NGM_PIPE_GET_RUN: {
      resp = NG_MKRESPONSE(msg, NG_PIPE_RUN_SIZE);
      const dv = new DataView(resp.data.buffer, resp.data.byteOffset, resp.data.byteLength);
      hookrun_put(dv, 0, priv.upper.run);
      hookrun_put(dv, NG_PIPE_HOOKRUN_SIZE, priv.lower.run);
      break;
    }
    case NGM_PIPE_GET_CFG: {
      const cfg = ng_pipe_cfg_zero();
      cfg.downstream = hookcfg_of(priv.upper.cfg);
      cfg.upstream = hookcfg_of(priv.lower.cfg);
      cfg.delay = BigInt(priv.delay);
      cfg.overhead = priv.overhead;
      cfg.header_offset = priv.header_offset;
      // One bandwidth for both ways is reported at the top level.
      if (cfg.upstream.bandwidth === cfg.downstream.bandwidth) {
        cfg.bandwidth = cfg.upstream.bandwidth;
        cfg.upstream.bandwidth = 0n;
        cfg.downstream.bandwidth = 0n;
      } else cfg.bandwidth = 0n;
      resp = NG_MKRESPONSE(msg, NG_PIPE_CFG_SIZE);
      resp.data.set(ng_pipe_cfg_enc(cfg));
      break;
    }
    case NGM_PIPE_SET_CFG: {
      if (msg.header.arglen !== NG_PIPE_CFG_SIZE || msg.data.length < NG_PIPE_CFG_SIZE) {
        error = EINVAL;
        break;
      }
      const cfg = ng_pipe_cfg_dec(msg.data);
      // Each field: -1 resets it, a value in range sets it, anything else
      // (0 included) leaves it alone.
      if (cfg.delay === U64_ALL) priv.delay = 0;
      else if (cfg.delay > 0n && cfg.delay < 10000000n) priv.delay = Number(cfg.delay);

      if (cfg.bandwidth === U64_ALL) {
        priv.upper.cfg.bandwidth = 0;
        priv.lower.cfg.bandwidth = 0;
        priv.overhead = 0;
      } else if (cfg.bandwidth >= 100n && cfg.bandwidth <= 1000000000n) {
        const bw = Number(cfg.bandwidth);
        priv.upper.cfg.bandwidth = bw;
        priv.lower.cfg.bandwidth = bw;
        // Ethernet's preamble, FCS and gap from 10 Mbit/s on; HDLC below.
        priv.overhead = bw >= 10000000 ? 8 + 4 + 12 : 10;
      }

      if (cfg.overhead === U32_ALL) priv.overhead = 0;
      else if (cfg.overhead > 0 && cfg.overhead < MAX_OHSIZE) priv.overhead = cfg.overhead;

      if (cfg.header_offset === U32_ALL) priv.header_offset = 0;
      else if (cfg.header_offset > 0 && cfg.header_offset < 64) priv.header_offset = cfg.header_offset;

      const prev_down = priv.upper.cfg.ber === 1 || priv.lower.cfg.ber === 1;
      parse_cfg(priv.upper.cfg, cfg.downstream, priv.upper, priv);
      parse_cfg(priv.lower.cfg, cfg.upstream, priv.lower, priv);
      const now_down = priv.upper.cfg.ber === 1 || priv.lower.cfg.ber === 1;

      if (prev_down !== now_down) {
        const cmd = now_down ? NGM_LINK_IS_DOWN : NGM_LINK_IS_UP;
        // NG_SEND_MSG_HOOK: to the node on the other side of each hook.
        if (priv.lower.hook !== null) error = NG_SEND_MSG_PATH(node, NG_MKMESSAGE(NGM_FLOW_COOKIE, cmd, 0), NG_PIPE_HOOK_LOWER, 0);
        if (priv.upper.hook !== null) error = NG_SEND_MSG_PATH(node, NG_MKMESSAGE(NGM_FLOW_COOKIE, cmd, 0), NG_PIPE_HOOK_UPPER, 0);
      }
      break;
    }
    default:
      error = EINVAL;
      break;
  }
  if (resp !== null && error === 0) NG_RESPOND_MSG(node, item, resp);
  else NG_FREE_ITEM(item);
  return error;
}

/** 2^48: 1 in the BER table's fixed point. */
const BER_ONE = 2 ** 48;

/** floor(p * a / 2^k) exactly, for p < 2^49, a < 2^16, 16 <= k <= 48 (the
 *  64-bit products of ng_pipe.c, without 64-bit integers). */
function mulshr(p: number, a: number, k: number): number {
  const ph = Math.floor(p / 2 ** 24);
  const pl = p - ph * 2 ** 24;
  const x = ph * a;
  const y = pl * a;
  if (k < 24) return x * 2 ** (24 - k) + Math.floor(y / 2 ** k);
  const q = Math.floor(x / 2 ** (k - 24));
  const r = x - q * 2 ** (k - 24);
  return q + Math.floor((r * 2 ** 24 + y) / 2 ** k);
}

/** For every frame size N: P_OK = (1 - 1/BER)^(8 N), one byte (eight
 *  multiplications by p0) at a time, in 16.48 fixed point. */
function ber_table(ber: number, t: Float64Array): void {
  const p0 = Number(BigInt(BER_ONE) - BigInt(BER_ONE) / BigInt(ber));
  const a0 = p0 % 65536;
  const a1 = Math.floor(p0 / 65536) % 65536;
  const a2 = Math.floor(p0 / 2 ** 32);
  let p = BER_ONE;
  for (let fsize = 0; fsize < MAX_FSIZE + MAX_OHSIZE; fsize++) {
    t[fsize] = p;
    for (let i = 0; i < 8; i++) p = mulshr(p, a0, 48) + mulshr(p, a1, 32) + mulshr(p, a2, 16);
  }
}

function parse_cfg(current: ng_pipe_hookcfg, nw: ng_pipe_hookcfg_w, hinfo: hookinfo, priv: node_priv): void {
  if (nw.ber === U64_ALL) {
    current.ber = 0;
    hinfo.ber_p = null;
  } else if (nw.ber >= 1n && nw.ber <= 1000000000000n) {
    if (hinfo.ber_p === null) hinfo.ber_p = new Float64Array(MAX_FSIZE + MAX_OHSIZE);
    current.ber = Number(nw.ber);
    ber_table(current.ber, hinfo.ber_p);
  }

  if (nw.qin_size_limit === U32_ALL) current.qin_size_limit = 0;
  else if (nw.qin_size_limit >= 5) current.qin_size_limit = nw.qin_size_limit;

  if (nw.qout_size_limit === U32_ALL) current.qout_size_limit = 0;
  else if (nw.qout_size_limit >= 5) current.qout_size_limit = nw.qout_size_limit;

  if (nw.duplicate === U32_ALL) current.duplicate = 0;
  else if (nw.duplicate > 0 && nw.duplicate <= 50) current.duplicate = nw.duplicate;

  if (nw.fifo !== 0) {
    current.fifo = 1;
    current.wfq = 0;
    current.drr = 0;
  }
  if (nw.wfq !== 0) {
    current.fifo = 0;
    current.wfq = 1;
    current.drr = 0;
  }
  if (nw.drr !== 0) {
    current.fifo = 0;
    current.wfq = 0;
    // The DRR quantum, 2048 bytes unless a usable one is given.
    current.drr = nw.drr >= 32 ? nw.drr : 2048;
  }
  if (nw.droptail !== 0) {
    current.droptail = 1;
    current.drophead = 0;
  }
  if (nw.drophead !== 0) {
    current.droptail = 0;
    current.drophead = 1;
  }

  if (nw.bandwidth === U64_ALL) {
    current.bandwidth = 0;
    current.fifo = 1;
    current.wfq = 0;
    current.drr = 0;
  } else if (nw.bandwidth >= 100n && nw.bandwidth <= 1000000000n) current.bandwidth = Number(nw.bandwidth);

  hinfo.noqueue = current.bandwidth !== 0 || priv.delay !== 0 || current.duplicate !== 0 || current.ber !== 0 ? 0 : 1;
}

/** ip_hash: a flow signature from the IPv4 addresses header_offset bytes
 *  into the frame (0 if there is no plain 20-byte IPv4 header there).
 *  The 64-bit shifts and xors of ng_pipe.c, on 32-bit halves. */
function ip_hash(m: mbuf, offset: number): number {
  if (m.m_len < 20 + offset) return 0;
  const b = m.m_buf;
  const o = m.m_data + offset;
  if (b[o] >> 4 !== 4 || (b[o] & 0x0f) << 2 !== 20) return 0;
  // s_addr as the machine loads it (little-endian).
  const src = (b[o + 12] | (b[o + 13] << 8) | (b[o + 14] << 16) | (b[o + 15] << 24)) >>> 0;
  const dst = (b[o + 16] | (b[o + 17] << 8) | (b[o + 18] << 16) | (b[o + 19] << 24)) >>> 0;
  const lo = (src ^ (src << 13) ^ (dst << 7) ^ (dst << 19)) >>> 0;
  const hi = ((src >>> 19) ^ (dst >>> 25) ^ (dst >>> 13)) >>> 0;
  return (lo ^ hi) >>> 0;
}

function microuptime(): number {
  return Math.floor(nanouptime_ns() / 1000);
}

function ngp_rcvdata(hook: ng_hook, item: ng_item): number {
  const hinfo = hook.hk_private as hookinfo;
  const priv = PRIV(hook.hk_node);

  // Nothing configured and nothing queued: straight to the other hook.
  if (hinfo.run.qin_frames === 0 && hinfo.run.qout_frames === 0 && hinfo.noqueue !== 0) {
    const dest = hinfo === priv.lower ? priv.upper : priv.lower;
    const plen = item.m === null ? 0 : item.m.m_pkthdr.len;
    const error = NG_FWD_ITEM_HOOK(item, dest.hook);
    if (error !== 0) {
      hinfo.stats.out_disc_frames++;
      hinfo.stats.out_disc_octets += plen;
    } else {
      hinfo.stats.fwd_frames++;
      hinfo.stats.fwd_octets += plen;
    }
    return error;
  }

  const now = microuptime();

  // An idle inbound queue may send from now on.
  if (hinfo.run.qin_frames === 0 && hinfo.qin_utime < now) hinfo.qin_utime = now;

  const m = NGI_GET_M(item);
  NG_FREE_ITEM(item);
  if (m === null) return EINVAL;
  const ngp_h = ngp_zalloc();
  ngp_h.m = m;

  const hash = hinfo.cfg.fifo !== 0 ? 0 : ip_hash(m, priv.header_offset);

  let ngp_f = hinfo.fifo_first;
  while (ngp_f !== null && ngp_f.hash !== hash) ngp_f = ngp_f.fifo_next;
  if (ngp_f === null) {
    ngp_f = ngp_zalloc();
    ngp_f.packet_head.first = ngp_f.packet_head.last = null;
    ngp_f.hash = hash;
    ngp_f.packets = 1;
    ngp_f.rr_deficit = hinfo.cfg.drr;
    hinfo.run.fifo_queues++;
    hdr_insert_tail(ngp_f.packet_head, ngp_h);
    FIFO_VTIME_SORT(hinfo, priv, ngp_f, m.m_pkthdr.len, now);
  } else {
    hdr_insert_tail(ngp_f.packet_head, ngp_h);
    ngp_f.packets++;
  }
  hinfo.run.qin_frames++;
  hinfo.run.qin_octets += m.m_pkthdr.len;

  // Over the limit: one frame goes, from the longest flow, at its head or tail.
  if (hinfo.run.qin_frames > hinfo.cfg.qin_size_limit) {
    let longest = 0;
    for (let f1 = hinfo.fifo_first; f1 !== null; f1 = f1.fifo_next) {
      if (f1.packets > longest) {
        longest = f1.packets;
        ngp_f = f1;
      }
    }
    const victim = hinfo.cfg.drophead !== 0 ? ngp_f.packet_head.first : ngp_f.packet_head.last;
    KASSERT(victim !== null, "ngp_rcvdata: empty flow queue");
    hdr_remove(ngp_f.packet_head, victim);
    const m1 = victim.m as mbuf;
    ngp_zfree(victim);
    hinfo.run.qin_octets -= m1.m_pkthdr.len;
    hinfo.stats.in_disc_octets += m1.m_pkthdr.len;
    m_freem(m1);
    if (--ngp_f.packets === 0) {
      fifo_remove(hinfo, ngp_f);
      ngp_zfree(ngp_f);
      hinfo.run.fifo_queues--;
    }
    hinfo.run.qin_frames--;
    hinfo.stats.in_disc_frames++;
  }

  pipe_dequeue(hinfo, now);
  return 0;
}

// random(9) draws of the BER test, kept across calls and pipes as
// ng_pipe.c's static variables are: [rand, oldrand].  A typed array, so
// that keeping a 31-bit draw does not box a number on every frame.
const ber_rand = new Uint32Array(2);

/**
 * pipe_dequeue: move what the bandwidth allows from the inbound queue to
 * the delay queue (duplicating, or losing to bit errors, on the way), then
 * send what the delay queue has due.  Re-arms the tick callout while
 * anything is queued.
 */
function pipe_dequeue(hinfo: hookinfo, now: number): void {
  const node = (hinfo.hook as ng_hook).hk_node;
  const priv = PRIV(node);
  const dest = hinfo === priv.lower ? priv.upper : priv.lower;
  const cfg = hinfo.cfg;

  let ngp_f: ngp_ent | null;
  while ((ngp_f = hinfo.fifo_first) !== null) {
    if (hinfo.qin_utime > now) break;
    let ngp_h = ngp_f.packet_head.first as ngp_ent;
    let m = ngp_h.m as mbuf;

    // Deficit round robin: a flow without enough credit goes to the back.
    if (cfg.drr !== 0) {
      if (ngp_f.rr_deficit >= m.m_pkthdr.len) ngp_f.rr_deficit -= m.m_pkthdr.len;
      else {
        ngp_f.rr_deficit = (ngp_f.rr_deficit + cfg.drr) >>> 0;
        fifo_remove(hinfo, ngp_f);
        fifo_insert_tail(hinfo, ngp_f);
        continue;
      }
    }

    // A duplicate goes on (the original stays queued), or the original.
    // FreeBSD asserts that m_dup succeeds; if it cannot, the original is
    // taken instead of a duplicate.
    let dup: mbuf | null = null;
    if (cfg.duplicate !== 0 && random() % 100 <= cfg.duplicate) dup = m_dup(m, M_NOWAIT);
    if (dup !== null) {
      ngp_h = ngp_zalloc();
      m = dup;
      ngp_h.m = m;
    } else {
      hdr_remove(ngp_f.packet_head, ngp_h);
      hinfo.run.qin_frames--;
      hinfo.run.qin_octets -= m.m_pkthdr.len;
      ngp_f.packets--;
    }

    // Serialization: the queue is busy for this frame's bits.
    if (cfg.bandwidth !== 0) hinfo.qin_utime += Math.floor(((m.m_pkthdr.len + priv.overhead) * 8000000) / cfg.bandwidth);
    ngp_h.when = hinfo.qin_utime;

    // Re-sort (WFQ) or retire the flow.
    if (ngp_f.packets !== 0) {
      if (cfg.wfq !== 0) {
        fifo_remove(hinfo, ngp_f);
        FIFO_VTIME_SORT(hinfo, priv, ngp_f, (ngp_f.packet_head.first as ngp_ent).m?.m_pkthdr.len ?? 0, now);
      }
    } else {
      fifo_remove(hinfo, ngp_f);
      ngp_zfree(ngp_f);
      hinfo.run.fifo_queues--;
    }

    // Bit errors: the frame is lost with 1 - P_OK(overhead + len).
    if (cfg.ber !== 0 && hinfo.ber_p !== null) {
      ber_rand[1] = ber_rand[0];
      ber_rand[0] = random();
      const t = hinfo.ber_p;
      const i = priv.overhead + m.m_pkthdr.len;
      // Frames longer than the table (which FreeBSD would read past) use its last entry.
      const p_ok = i < t.length ? t[i] : t[t.length - 1];
      if (((ber_rand[1] ^ ber_rand[0]) >>> 0) * 131072 >= p_ok) {
        hinfo.stats.out_disc_frames++;
        hinfo.stats.out_disc_octets += m.m_pkthdr.len;
        ngp_zfree(ngp_h);
        m_freem(m);
        continue;
      }
    }

    // A full delay queue drops.
    if (cfg.qout_size_limit !== 0 && hinfo.run.qout_frames >= cfg.qout_size_limit) {
      hinfo.stats.out_disc_frames++;
      hinfo.stats.out_disc_octets += m.m_pkthdr.len;
      ngp_zfree(ngp_h);
      m_freem(m);
      continue;
    }

    // Propagation delay, then the delay queue.
    ngp_h.when += priv.delay;
    hdr_insert_tail(hinfo.qout_head, ngp_h);
    hinfo.run.qout_frames++;
    hinfo.run.qout_octets += m.m_pkthdr.len;
  }

  // Send what is due.
  let ngp_h: ngp_ent | null;
  while ((ngp_h = hinfo.qout_head.first) !== null) {
    if (ngp_h.when > now) break;
    const m = ngp_h.m as mbuf;
    const plen = m.m_pkthdr.len;
    hinfo.run.qout_frames--;
    hinfo.run.qout_octets -= plen;
    hdr_remove(hinfo.qout_head, ngp_h);
    ngp_zfree(ngp_h);
    const error = NG_SEND_DATA_ONLY(dest.hook, m);
    if (error !== 0) {
      hinfo.stats.out_disc_frames++;
      hinfo.stats.out_disc_octets += plen;
    } else {
      hinfo.stats.fwd_frames++;
      hinfo.stats.fwd_octets += plen;
    }
  }

  if ((hinfo.run.qin_frames !== 0 || hinfo.run.qout_frames !== 0) && priv.timer_scheduled === 0) {
    ng_callout(priv.timer, node, null, 1, ngp_callout, null, 0);
    priv.timer_scheduled = 1;
  }
}

/** Every tick while frames wait: dequeue both ways. */
function ngp_callout(node: ng_node): void {
  const priv = PRIV(node);
  priv.timer_scheduled = 0;
  const now = microuptime();
  if (priv.upper.hook !== null) pipe_dequeue(priv.upper, now);
  if (priv.lower.hook !== null) pipe_dequeue(priv.lower, now);
}

/** ngp_shutdown.  FreeBSD splices the two neighbours together here when
 *  both hooks exist (ng_bypass); but ng_rmnode has disconnected every hook
 *  before it calls shutdown, and ngp_disconnect forgets the hook, so that
 *  branch never runs there either, and is left out. */
function ngp_shutdown(node: ng_node): number {
  const priv = PRIV(node);
  if (priv.timer_scheduled !== 0) ng_uncallout(priv.timer, node);
  node.nd_private = null;
  ng_unref_node(node);
  return 0;
}

/** A hook goes: its queued frames are freed.  Its run counters and
 *  configuration stay until a hook of that name comes again. */
function ngp_disconnect(hook: ng_hook): number {
  const hinfo = hook.hk_private as hookinfo | null;
  KASSERT(hinfo !== null, "ngp_disconnect: null info");
  hinfo.hook = null;
  let ngp_f: ngp_ent | null;
  while ((ngp_f = hinfo.fifo_first) !== null) {
    let ngp_h: ngp_ent | null;
    while ((ngp_h = ngp_f.packet_head.first) !== null) {
      hdr_remove(ngp_f.packet_head, ngp_h);
      m_freem(ngp_h.m);
      ngp_zfree(ngp_h);
    }
    fifo_remove(hinfo, ngp_f);
    ngp_zfree(ngp_f);
  }
  let ngp_h: ngp_ent | null;
  while ((ngp_h = hinfo.qout_head.first) !== null) {
    hdr_remove(hinfo.qout_head, ngp_h);
    m_freem(ngp_h.m);
    ngp_zfree(ngp_h);
  }
  hinfo.ber_p = null;
  return 0;
}

export const ng_pipe_typestruct: ng_type = {
  version: NG_ABI_VERSION,
  name: NG_PIPE_NODE_TYPE,
  constructor: ngp_constructor,
  shutdown: ngp_shutdown,
  rcvmsg: ngp_rcvmsg,
  newhook: ngp_newhook,
  rcvdata: ngp_rcvdata,
  disconnect: ngp_disconnect,
  cmdlist: ngp_cmds,
};

ng_newtype(ng_pipe_typestruct);
// NETGRAPH_INIT(pipe, ...): module "ng_pipe" at SI_SUB_DRIVERS, SI_ORDER_ANY.
DECLARE_MODULE({ name: "ng_pipe", evhand: null, priv: null }, SI_SUB_DRIVERS, SI_ORDER_ANY);
MODULE_VERSION("ng_pipe", 1);
