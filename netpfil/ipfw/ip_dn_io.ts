// sys/netpfil/ipfw/ip_dn_io.c: dummynet's packet path.  dummynet_io takes
// a packet from ipfw (a pipe or queue action), tags it, classifies it to a
// scheduler instance and queue, and runs the scheduler; packets leave the
// link as its credit allows, wait out the delay line, and go back to where
// they came from (ip_output, ip_input, the IPv6 pair, ether_demux or
// ether_output_frame) carrying the rule they matched, so that ipfw goes on
// after it.
//
// Time: curr_time counts kern.hz ticks.  FreeBSD's task runs every tick and
// adds one, correcting drift from microuptime; on the virtual clock ticks
// are exact, so curr_time is the kernel's `ticks`, which is what that
// correction converges to, and the per-vnet callout runs only while an
// instance or delay line is in the event heap.  Link arithmetic is
// FreeBSD's: credit in bits*hz, a packet costs hz*(8*len + extra bits),
// delay is in ticks.  For a link of B bit/s a packet of L bytes leaves
// ceil(8*L*hz/B) ticks after the link went busy (carrying the fraction as
// credit), and arrives `delay` ticks later: the serialization time ng_pipe
// computes (8*L/B seconds), on the same tick grid its callout releases on.

import { CURVNET_RESTORE, CURVNET_SET, curvnet, type vnet } from "../../net/vnet.ts";
import { callout_reset, hz, ticks } from "../../kern/kern_timeout.ts";
import { random } from "../../kern/arc4random.ts";
import { m_freem } from "../../kern/kern_mbuf.ts";
import { m_pullup } from "../../kern/uipc_mbuf.ts";
import { m_tag_prepend } from "../../kern/uipc_mbuf2.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import { printf } from "../../kern/subr_prf.ts";
import { ENOBUFS } from "../../kern/errno.ts";
import { NETISR_IP, NETISR_IPV6, netisr_dispatch } from "../../net/netisr.ts";
import { ETHER_HDR_LEN } from "../../net/ethernet.ts";
import { ether_demux, ether_output_frame } from "../../net/if_ethersubr.ts";
import type { ifnet } from "../../net/if.ts";
import { IP_FORWARDING } from "../../netinet/ip_var.ts";
import { ip_output } from "../../netinet/ip_output.ts";
import { IPV6_FORWARDING } from "../../netinet6/ip6_var.ts";
import { ip6_output } from "../../netinet6/ip6_output.ts";
import { DN_IS_ECN, DN_IS_GENTLE_RED, DN_IS_RED, DN_MAX_ID, DN_NOERROR, DN_QSIZE_BYTES } from "../../netinet/ip_dummynet.ts";
import { HEAP_TOP, heap_insert, heap_extract } from "./dn_heap.ts";
import { DN_MULTIQUEUE } from "./dn_sched.ts";
import { dn_drain_queue, dn_drain_scheduler, ipdn_q_find, ipdn_si_find, locate_flowset } from "./ip_dummynet.ts";
import {
  DIR_DROP,
  DIR_FWD,
  DIR_IN,
  DIR_OUT,
  DN_ACTIVE,
  PACKET_TAG_DUMMYNET,
  PROTO_IFB,
  PROTO_IPV6,
  PROTO_LAYER2,
  V_dn_cfg,
  delay_line,
  dn_pkt_tag,
  mq,
  mq_append,
  type dn_event_obj,
  type dn_fsk,
  type dn_parms,
  type dn_queue,
  type dn_sch_inst,
  type dn_schk,
} from "./ip_dn_private.ts";
import {
  IPFW_ARGS_ETHER,
  IPFW_ARGS_IN,
  IPFW_ARGS_IP6,
  IPFW_ARGS_OUT,
  IPFW_INFO_MASK,
  IPFW_IS_PIPE,
  IPFW_ONEPASS,
  type ip_fw_args,
} from "./ip_fw_private.ts";

/** dn_tag_get: the dummynet tag, which is the packet's first. */
export function dn_tag_get(m: mbuf): dn_pkt_tag {
  const tags = m.m_pkthdr.tags;
  const t = tags === null ? undefined : tags[0];
  if (!(t instanceof dn_pkt_tag) || t.m_tag_id !== PACKET_TAG_DUMMYNET)
    throw new Error("packet on dummynet queue w/o dummynet tag!");
  return t;
}

/** dn_free_pkts: free a list of packets. */
export function dn_free_pkts(mnext: mbuf | null): void {
  let m: mbuf | null;
  while ((m = mnext) !== null) {
    mnext = m.m_nextpkt;
    m.m_nextpkt = null;
    m_freem(m);
  }
}

// SCALE_RED arithmetic, on doubles with C's truncation toward zero.
function SCALE(x: number): number {
  return x * 65536;
}
function SCALE_MUL(x: number, y: number): number {
  return Math.trunc((x * y) / 65536);
}

/**
 * red_drops: RED's verdict on a packet of len bytes for q.  The average
 * queue size follows avg += w_q * (size - avg); after idle time it decays
 * by (1 - w_q)^(idle/s) from the lookup table.  Between min_th and max_th
 * the drop probability grows linearly (beyond max_th, gentle RED keeps
 * growing it, plain RED drops).
 */
function red_drops(cfg: dn_parms, q: dn_queue, len: number): number {
  const fs = q.fs as dn_fsk;
  let p_b = 0;
  const q_size = (fs.fs.flags & DN_QSIZE_BYTES) !== 0 ? q.ni.len_bytes : q.ni.length;
  if (q_size !== 0) {
    const diff = SCALE(q_size) - q.avg;
    q.avg = (q.avg + SCALE_MUL(diff, fs.w_q)) | 0;
  } else if (q.avg !== 0) {
    const t = Math.floor((cfg.curr_time - q.q_time) / fs.lookup_step);
    q.avg = t < fs.lookup_depth && fs.w_q_lookup !== null ? SCALE_MUL(q.avg, fs.w_q_lookup[t]) : 0;
  }
  if (q.avg < fs.min_th) {
    q.count = -1;
    return 0;
  }
  if (q.avg >= fs.max_th) {
    if ((fs.fs.flags & DN_IS_ECN) !== 0) return 1;
    if ((fs.fs.flags & DN_IS_GENTLE_RED) !== 0) {
      p_b = SCALE_MUL(fs.c_3, q.avg) - fs.c_4;
    } else {
      q.count = -1;
      return 1;
    }
  } else if (q.avg > fs.min_th) {
    if ((fs.fs.flags & DN_IS_ECN) !== 0) return 1;
    p_b = SCALE_MUL(fs.c_1, q.avg) - fs.c_2;
  }
  if ((fs.fs.flags & DN_QSIZE_BYTES) !== 0) p_b = Math.trunc((p_b * len) / fs.max_pkt_size);
  if (++q.count === 0) q.random = random() & 0xffff;
  else if (SCALE_MUL(p_b, SCALE(q.count)) > q.random) {
    q.count = 0;
    q.random = random() & 0xffff;
    return 1;
  }
  return 0;
}

/** The one's-complement sum adjusted for a 16-bit word that changed. */
function cksum_adjust(sum: number, old: number, nw: number): number {
  let x = (~sum & 0xffff) + (~old & 0xffff) + nw;
  x = (x & 0xffff) + (x >>> 16);
  x = (x & 0xffff) + (x >>> 16);
  return ~x & 0xffff;
}

/** ecn_mark: mark an ECN-capable packet CE; 0 if it is not ECN-capable. */
export function ecn_mark(m: mbuf): number {
  const off = m.m_data + dn_tag_get(m).iphdr_off;
  const b = m.m_buf;
  const v = b[off] >> 4;
  if (v === 4) {
    const tos = b[off + 1];
    if ((tos & 0x03) === 0) return 0;
    if ((tos & 0x03) === 0x03) return 1;
    const old = (b[off] << 8) | tos;
    b[off + 1] = tos | 0x03;
    const sum = cksum_adjust((b[off + 10] << 8) | b[off + 11], old, (b[off] << 8) | b[off + 1]);
    b[off + 10] = sum >> 8;
    b[off + 11] = sum & 0xff;
    return 1;
  }
  if (v === 6) {
    // Traffic class bits 20..27 of the first word; ECN is its low two.
    const ecn = ((b[off + 1] >> 4) & 0x03);
    if (ecn === 0) return 0;
    if (ecn === 0x03) return 1;
    b[off + 1] |= 0x30;
    return 1;
  }
  return 0;
}

/**
 * dn_enqueue: account the packet to q and its instance and queue it,
 * unless plr, RED or the queue limit (slots, or bytes) drops it.
 * Returns 0 if queued, 1 if dropped; the packet is consumed either way.
 */
export function dn_enqueue(q: dn_queue, m: mbuf, drop: number): number {
  const cfg = V_dn_cfg();
  if (q.fs === null || q._si === null) {
    printf(`dn_enqueue fs ${q.fs === null ? "NULL" : "set"} si ${q._si === null ? "NULL" : "set"}, dropping\n`);
    m_freem(m);
    return 1;
  }
  const f = q.fs.fs;
  const ni = q._si.ni;
  const len = m.m_pkthdr.len;
  q.ni.tot_bytes += len;
  q.ni.tot_pkts++;
  ni.tot_bytes += len;
  ni.tot_pkts++;
  let dropit = drop !== 0;
  if (!dropit && f.plr !== 0 && random() < f.plr) dropit = true;
  // A flowset with an AQM queues through it (NEW_AQM).
  if (!dropit && q.fs.aqmfp !== null) return q.fs.aqmfp.enqueue(q, m);
  if (!dropit && (f.flags & DN_IS_RED) !== 0 && red_drops(cfg, q, len) !== 0) {
    if ((f.flags & DN_IS_ECN) === 0 || ecn_mark(m) === 0) dropit = true;
  }
  if (!dropit) {
    if ((f.flags & DN_QSIZE_BYTES) !== 0) {
      if (q.ni.len_bytes > f.qsize) dropit = true;
    } else if (q.ni.length >= f.qsize) dropit = true;
  }
  if (dropit) {
    cfg.io_pkt_drop++;
    q.ni.drops++;
    ni.drops++;
    m_freem(m);
    return 1;
  }
  mq_append(q.mq, m);
  q.ni.length++;
  q.ni.len_bytes += len;
  ni.length++;
  ni.len_bytes += len;
  return 0;
}

/** transmit_event: move what the delay line has due to q; re-arm it if more waits. */
function transmit_event(cfg: dn_parms, q: mq, dline: delay_line, now: number): void {
  let m: mbuf | null;
  let pkt: dn_pkt_tag | null = null;
  dline.oid.subtype = 0;
  while ((m = dline.mq.head) !== null) {
    pkt = dn_tag_get(m);
    if (pkt.output_time > now) break;
    dline.mq.head = m.m_nextpkt;
    dline.mq.count--;
    mq_append(q, m);
  }
  if (m !== null && pkt !== null) {
    dline.oid.subtype = 1;
    heap_insert(cfg.evheap, pkt.output_time, dline);
  }
}

/** extra_bits: a profile's extra airtime for this packet, as bits at the link's rate. */
function extra_bits(m: mbuf, s: dn_schk): number {
  const pf = s.profile;
  if (pf === null || pf.samples_no === 0) return 0;
  const index = random() % pf.samples_no;
  const bits = Math.floor((pf.samples[index] * s.link.bandwidth) / 1000);
  if (index >= pf.loss_level) dn_tag_get(m).dn_dir = DIR_DROP;
  return bits;
}

// The list serve_sched returns from dummynet_io (FreeBSD's def_q on the
// stack): its head is taken before anything can reuse it.
const io_q = new mq();

/**
 * serve_sched: let instance si send what its credit allows at `now`, into
 * its delay line; an instance still owing credit goes on the event heap
 * for when it is paid.  Packets due at once are appended to q (or to a
 * list of our own when q is null), whose head is returned.
 */
function serve_sched(cfg: dn_parms, q: mq | null, si: dn_sch_inst, now: number): mbuf | null {
  const s = si.sched as dn_schk;
  const fp = s.fp;
  if (fp === null) return null;
  if (q === null) {
    q = io_q;
    q.head = q.tail = null;
    q.count = 0;
  }
  const delay_line_idle = si.dline.mq.head === null;
  const bw = s.link.bandwidth;
  si.kflags &= ~DN_ACTIVE;
  if (bw > 0) si.credit += (now - si.sched_time) * bw;
  else si.credit = 0;
  si.sched_time = now;
  let done = 0;
  let m: mbuf | null = null;
  while (si.credit >= 0 && (m = fp.dequeue(si)) !== null) {
    done++;
    const len_scaled = bw === 0 ? 0 : hz * (m.m_pkthdr.len * 8 + extra_bits(m, s));
    si.credit -= len_scaled;
    dn_tag_get(m).output_time = cfg.curr_time + s.link.delay;
    mq_append(si.dline.mq, m);
  }
  if (si.credit >= 0) {
    si.idle_time = now;
  } else {
    // The last packet sent before the credit was paid: it leaves when it is.
    const t = Math.floor((bw - 1 - si.credit) / bw);
    if (m !== null) dn_tag_get(m).output_time += t;
    si.kflags |= DN_ACTIVE;
    heap_insert(cfg.evheap, now + t, si);
  }
  if (delay_line_idle && done !== 0) transmit_event(cfg, q, si.dline, now);
  return q.head;
}

// The list dummynet_task collects into; the task does not nest.
const task_q = new mq();

/**
 * dummynet_task: a tick of the vnet's dummynet.  Serve every instance and
 * delay line whose event is due, expire idle queues and instances, re-arm
 * while events remain, and send what came out.
 */
export function dummynet_task(context: vnet, pending: number): void {
  const saved = VIMAGE ? CURVNET_SET(context, "dummynet_task") : null;
  const cfg = V_dn_cfg();
  cfg.timer_armed = 0;
  cfg.tick_lost += pending - 1;
  dn_update_time(cfg);
  const q = task_q;
  q.head = q.tail = null;
  q.count = 0;
  const h = cfg.evheap;
  while (h.elements !== 0 && HEAP_TOP(h).key <= cfg.curr_time) {
    const p = HEAP_TOP(h).object as dn_event_obj;
    heap_extract(h, null);
    if (p instanceof delay_line) transmit_event(cfg, q, p, cfg.curr_time);
    else serve_sched(cfg, q, p, cfg.curr_time);
  }
  if (cfg.expire !== 0 && ++cfg.expire_cycle >= cfg.expire) {
    cfg.expire_cycle = 0;
    dn_drain_scheduler();
    dn_drain_queue();
  }
  dn_reschedule();
  const head = q.head;
  q.head = q.tail = null;
  if (head !== null) dummynet_send(head);
  if (VIMAGE) CURVNET_RESTORE(saved);
}

/** The virtual clock's microseconds and ticks into curr_time (see the top). */
function dn_update_time(cfg: dn_parms): void {
  const now_us = Math.floor((ticks * 1000000) / hz);
  cfg.tick_last = now_us - cfg.prev_t;
  cfg.prev_t = now_us;
  if (ticks > cfg.curr_time) cfg.curr_time = ticks;
}

function dummynet_callout(v: vnet): void {
  dummynet_task(v, 1);
}

/**
 * dn_reschedule: arm the vnet's tick while an instance or delay line waits
 * in the event heap.  FreeBSD ticks always; an idle vnet here has no
 * callout at all, and a dying one (dn_gone) none either.
 */
export function dn_reschedule(): void {
  const cfg = V_dn_cfg();
  if (cfg.dn_gone !== 0 || cfg.timer_armed !== 0 || cfg.evheap.elements === 0) return;
  cfg.timer_armed = 1;
  callout_reset(cfg.dn_timeout, 1, dummynet_callout, curvnet as vnet);
}

/**
 * dummynet_send: hand each packet of the list back to the stack.  The tag
 * becomes an ipfw rule tag (id 0, see dn_pkt_tag) so ipfw resumes after
 * the rule that sent it here (or, with one_pass, lets it through).
 */
export function dummynet_send(m: mbuf | null): void {
  let n: mbuf | null;
  for (; m !== null; m = n) {
    n = m.m_nextpkt;
    m.m_nextpkt = null;
    let ifp: ifnet | null = null;
    let dst: number;
    const tags = m.m_pkthdr.tags;
    const tag = tags === null ? undefined : tags[0];
    if (!(tag instanceof dn_pkt_tag)) dst = DIR_DROP;
    else if (tag.dn_dir === (DIR_OUT | PROTO_LAYER2) && tag.ifp === null) dst = DIR_DROP;
    else {
      dst = tag.dn_dir;
      ifp = tag.ifp;
      // Now the rule tag ipfw resumes from.
      tag.m_tag_id = 0;
    }
    switch (dst) {
      case DIR_OUT:
        ip_output(m, null, null, IP_FORWARDING, null, null);
        break;
      case DIR_IN:
        netisr_dispatch(NETISR_IP, m);
        break;
      case DIR_IN | PROTO_IPV6:
        netisr_dispatch(NETISR_IPV6, m);
        break;
      case DIR_OUT | PROTO_IPV6:
        ip6_output(m, null, null, IPV6_FORWARDING, null, null, null);
        break;
      case DIR_FWD | PROTO_IFB:
        // No if_bridge hook for dummynet (bridge_dn_p) here.
        printf("dummynet: if_bridge not loaded\n");
        m_freem(m);
        break;
      case DIR_IN | PROTO_LAYER2: {
        let mm: mbuf | null = m;
        if (mm.m_len < ETHER_HDR_LEN && (mm = m_pullup(mm, ETHER_HDR_LEN)) === null) {
          printf("dummynet/ether: pullup failed, dropping packet\n");
          break;
        }
        ether_demux(mm.m_pkthdr.rcvif as unknown as ifnet, mm);
        break;
      }
      case DIR_OUT | PROTO_LAYER2:
        ether_output_frame(ifp as ifnet, m);
        break;
      case DIR_DROP:
        m_freem(m);
        break;
      default:
        printf(`dummynet: bad switch ${dst}!\n`);
        m_freem(m);
        break;
    }
  }
}

/** tag_mbuf: the dummynet tag (the one allocation per packet, as in FreeBSD). */
function tag_mbuf(cfg: dn_parms, m: mbuf, dir: number, fwa: ip_fw_args): number {
  const dt = new dn_pkt_tag();
  m_tag_prepend(m, dt);
  dt.rule.copy_from(fwa.rule);
  dt.rule.info &= IPFW_ONEPASS;
  dt.dn_dir = dir;
  dt.ifp = (fwa.flags & IPFW_ARGS_OUT) !== 0 ? fwa.ifp : null;
  dt.output_time = cfg.curr_time;
  dt.iphdr_off = (dir & PROTO_LAYER2) !== 0 ? ETHER_HDR_LEN : 0;
  return 0;
}

/**
 * dummynet_io (ip_dn_io_ptr): queue fwa.m in the pipe or queue the matched
 * rule names (rule.info: number, IPFW_IS_PIPE).  On return fwa.m is null
 * when dummynet kept or dropped the packet, or still the packet when it
 * may go on at once (its tag now tells ipfw where to resume).  ENOBUFS
 * when it was dropped (unless the flowset says DN_NOERROR).
 */
export function dummynet_io(fwa: ip_fw_args): number {
  const m = fwa.m as mbuf;
  const cfg = V_dn_cfg();
  let fs: dn_fsk | null = null;
  const fs_id = (fwa.rule.info & IPFW_INFO_MASK) + ((fwa.rule.info & IPFW_IS_PIPE) !== 0 ? 2 * DN_MAX_ID : 0);
  let dir = (fwa.flags & IPFW_ARGS_IN) !== 0 ? DIR_IN : DIR_OUT;
  if ((fwa.flags & IPFW_ARGS_ETHER) !== 0) dir |= PROTO_LAYER2;
  else if ((fwa.flags & IPFW_ARGS_IP6) !== 0) dir |= PROTO_IPV6;
  dn_update_time(cfg);
  cfg.io_pkt++;
  dropit: {
    if (tag_mbuf(cfg, m, dir, fwa) !== 0) break dropit;
    fs = locate_flowset(fs_id);
    if (fs === null) break dropit;
    const s = fs.sched;
    if (s === null || s.fp === null) break dropit;
    const si = ipdn_si_find(s, fwa.f_id);
    if (si === null) break dropit;
    let q: dn_queue | null = null;
    if ((s.fp.flags & DN_MULTIQUEUE) !== 0) {
      q = ipdn_q_find(fs, si, fwa.f_id);
      if (q === null) break dropit;
    }
    if (s.fp.enqueue(si, q, m) !== 0) {
      // Dropped (and counted) by dn_enqueue.
      fwa.m = null;
      return (fs.fs.flags & DN_NOERROR) !== 0 ? 0 : ENOBUFS;
    }
    if ((si.kflags & DN_ACTIVE) !== 0) {
      fwa.m = null;
      return 0;
    }
    // The first packet on an idle instance: its starting credit.
    if (si.idle_time < cfg.curr_time) {
      const p = s.link;
      si.sched_time = cfg.curr_time;
      si.credit = cfg.io_fast !== 0 ? p.bandwidth : 0;
      if (p.burst !== 0) {
        let burst = (cfg.curr_time - si.idle_time) * p.bandwidth;
        if (burst > p.burst) burst = p.burst;
        si.credit += burst;
      }
    }
    const head = serve_sched(cfg, null, si, cfg.curr_time);
    io_q.head = io_q.tail = null;
    dn_reschedule();
    if (head === m && (dir & PROTO_LAYER2) === 0) {
      // Out at once: back to ipfw with the tag renamed, no send from here.
      const tag = dn_tag_get(m);
      tag.m_tag_id = 0;
      cfg.io_pkt_fast++;
      if (m.m_nextpkt !== null) {
        printf("dummynet: fast io: pkt chain detected!\n");
        m.m_nextpkt = null;
      }
      return 0;
    }
    fwa.m = null;
    if (head !== null) dummynet_send(head);
    return 0;
  }
  cfg.io_pkt_drop++;
  m_freem(m);
  fwa.m = null;
  return fs !== null && (fs.fs.flags & DN_NOERROR) !== 0 ? 0 : ENOBUFS;
}
