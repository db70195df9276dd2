// sys/netpfil/ipfw/ip_dn_private.h: dummynet's kernel structures.  A
// scheduler (dn_schk) owns a link and a hash of instances (dn_sch_inst),
// each with a delay line; flowsets (dn_fsk) attach to a scheduler and
// classify packets into queues (dn_queue).  Packets wait on mq lists
// threaded through m_nextpkt, as in FreeBSD, and carry a dn_pkt_tag.

import type { mbuf, m_tag } from "../../kern/mbuf.ts";
import type { ifnet } from "../../net/if.ts";
import {
  DN_DELAY_LINE,
  DN_QUEUE,
  DN_SCH_I,
  dn_flow,
  dn_fs,
  dn_link,
  dn_sch,
  type dn_id,
  type dn_extra_parms,
  type dn_profile,
} from "../../netinet/ip_dummynet.ts";
import { dn_heap, type dn_ht } from "./dn_heap.ts";
import { ipfw_rule_mtag } from "./ip_fw_pfil.ts";
import { ipfw_flow_id } from "../../netinet/ip_fw.ts";
import { callout } from "../../kern/kern_timeout.ts";
import { VNET_DEFINE_PTR, VNET_PTR } from "../../net/vnet.ts";
import type { dn_alg } from "./dn_sched.ts";
import type { dn_aqm } from "./dn_aqm.ts";

/** struct mq: a list of packets through m_nextpkt. */
export class mq {
  head: mbuf | null = null;
  tail: mbuf | null = null;
  count = 0;
}

export function mq_append(q: mq, m: mbuf): void {
  if (q.head === null) q.head = m;
  else (q.tail as mbuf).m_nextpkt = m;
  q.count++;
  q.tail = m;
  m.m_nextpkt = null;
}

/** Kernel-side flags. */
export const DN_DESTROY = 0x0004;
export const DN_DELETE_FS = 0x0008;
export const DN_DETACH = 0x0010;
export const DN_ACTIVE = 0x0020;
export const DN_F_DLINE = 0x0040;
export const DN_DEL_SAFE = 0x0080;
export const DN_QHT_IS_Q = 0x0100;

/** dn_dir values (where a packet goes when it leaves). */
export const DIR_OUT = 0;
export const DIR_IN = 1;
export const DIR_FWD = 2;
export const DIR_DROP = 3;
export const PROTO_LAYER2 = 0x4;
export const PROTO_IPV4 = 0x08;
export const PROTO_IPV6 = 0x10;
export const PROTO_IFB = 0x0c;

/** sys/mbuf.h: PACKET_TAG_DUMMYNET, MTAG_ABI_COMPAT. */
export const PACKET_TAG_DUMMYNET = 15;
export const MTAG_ABI_COMPAT = 0;

/**
 * struct dn_pkt_tag behind its m_tag: the rule the packet matched (what
 * ipfw resumes after), where it goes when it leaves, and when.  It is the
 * ipfw rule tag (ip_fw_pfil.ts's ipfw_rule_mtag, whose rule comes first as
 * in FreeBSD) with dummynet's fields after it; id PACKET_TAG_DUMMYNET while
 * dummynet holds the packet, renamed to 0 on the way out so that ipfw
 * takes it as the rule to continue from.  FreeBSD also switches the cookie
 * from MTAG_ABI_COMPAT to MTAG_IPFW_RULE there; here the cookie is the
 * rule tag's throughout, and nobody but dummynet sees the tag in between.
 */
export class dn_pkt_tag extends ipfw_rule_mtag {
  dn_dir = 0;
  output_time = 0;
  ifp: ifnet | null = null;
  iphdr_off = 0;
  /**
   * When an AQM queued the packet (aqm_time_t, microseconds).  FreeBSD's
   * AQMs carry it in an m_tag of its own (MTAG_ABI_COMPAT, DN_AQM_MTAG_TS)
   * allocated per packet; here it rides in the dummynet tag every packet
   * dummynet holds already has, so the AQM path allocates nothing.
   */
  aqm_ts = 0;
  constructor() {
    super();
    this.m_tag_id = PACKET_TAG_DUMMYNET;
  }
  override m_tag_copy(): m_tag | null {
    const t = new dn_pkt_tag();
    t.m_tag_id = this.m_tag_id;
    t.rule.copy_from(this.rule);
    t.dn_dir = this.dn_dir;
    t.output_time = this.output_time;
    t.ifp = this.ifp;
    t.iphdr_off = this.iphdr_off;
    t.aqm_ts = this.aqm_ts;
    return t;
  }
}

/** struct delay_line: packets that have left the link, by output time. */
export class delay_line {
  readonly oid: dn_id = { len: 0, type: DN_DELAY_LINE, subtype: 0, id: 0 };
  si: dn_sch_inst | null = null;
  readonly mq = new mq();
  heap_pos = -1;
}

/** struct dn_fsk: the kernel side of a flowset. */
export class dn_fsk {
  readonly fs = new dn_fs();
  readonly fsk_mask = new ipfw_flow_id();
  /** A hash of queues (DN_QHT_HASH) or the one queue. */
  qht: dn_ht<dn_queue, ipfw_flow_id> | dn_queue | null = null;
  sched: dn_schk | null = null;
  drain_bucket = { v: 0 };
  w_q = 0;
  max_th = 0;
  min_th = 0;
  max_p = 0;
  c_1 = 0;
  c_2 = 0;
  c_3 = 0;
  c_4 = 0;
  w_q_lookup: Uint32Array | null = null;
  lookup_depth = 0;
  lookup_step = 0;
  lookup_weight = 0;
  avg_pkt_size = 0;
  max_pkt_size = 0;
  /** Per-flowset data of the scheduler (WF2Q+ and QFQ weights). */
  sched_data: unknown = null;
  /** The flowset's AQM (NEW_AQM): its algorithm and its parameters. */
  aqmfp: dn_aqm | null = null;
  aqmcfg: unknown = null;
}

/** struct dn_queue: a queue of one flow of a flowset. */
export class dn_queue {
  readonly ni = new dn_flow();
  readonly mq = new mq();
  _si: dn_sch_inst | null = null;
  fs: dn_fsk | null = null;
  avg = 0;
  count = 0;
  random = 0;
  q_time = 0;
  /** The scheduler's per-queue data (q_datalen bytes after the queue in C). */
  sched_data: unknown = null;
  /** The AQM's state for this queue (NEW_AQM). */
  aqm_status: unknown = null;
  constructor() {
    this.ni.oid.type = DN_QUEUE;
  }
}

/** struct dn_schk: the kernel side of a scheduler. */
export class dn_schk {
  readonly sch = new dn_sch();
  fp: dn_alg | null = null;
  readonly link = new dn_link();
  profile: dn_profile | null = null;
  /** The dn_extra_parms sent before the scheduler (FQ schedulers read it in config). */
  cfg: dn_extra_parms | null = null;
  /** Flowsets attached to this scheduler (SLIST, head first). */
  readonly fsk_list: dn_fsk[] = [];
  /** The flowset of a !MULTIQUEUE scheduler. */
  fs: dn_fsk | null = null;
  drain_bucket = { v: 0 };
  /** Instances: a hash (DN_HAVE_MASK) or the one instance. */
  siht: dn_ht<dn_sch_inst, ipfw_flow_id> | dn_sch_inst | null = null;
  /** The scheduler's per-scheduler data (schk_datalen bytes in C). */
  sched_data: unknown = null;
}

/** struct dn_sch_inst: one instance of a scheduler, its link and delay line. */
export class dn_sch_inst {
  readonly ni = new dn_flow();
  readonly dline = new delay_line();
  sched: dn_schk | null = null;
  kflags = 0;
  credit = 0;
  sched_time = 0;
  idle_time = 0;
  q_count = 0;
  heap_pos = -1;
  /** The scheduler's per-instance data (si_datalen bytes in C). */
  sched_data: unknown = null;
  /** The FIFO-style schedulers' one queue (the dn_queue after the instance in C). */
  q0: dn_queue | null = null;
  constructor() {
    this.ni.oid.type = DN_SCH_I;
    this.dline.si = this;
  }
}

/** An object dummynet's event heap holds: an instance or a delay line. */
export type dn_event_obj = dn_sch_inst | delay_line;

/** struct dn_parms: the per-vnet configuration and state. */
export class dn_parms {
  id = 0;
  red_lookup_depth = 256;
  red_avg_pkt_size = 512;
  red_max_pkt_size = 1500;
  hash_size = 64;
  max_hash_size = 65536;
  byte_limit = 1024 * 1024;
  slot_limit = 100;
  io_fast = 0;
  debug = 0;
  /** prev_t of dummynet_task, in microseconds. */
  prev_t = 0;
  readonly evheap = new dn_heap<dn_event_obj>();
  schk_count = 0;
  si_count = 0;
  fsk_count = 0;
  queue_count = 0;
  curr_time = 0;
  fshash: dn_ht<dn_fsk, number> | null = null;
  schedhash: dn_ht<dn_schk, number> | null = null;
  /** Flowsets without a scheduler. */
  readonly fsu: dn_fsk[] = [];
  drain_fs = { v: 0 };
  drain_sch = { v: 0 };
  expire = 1;
  expire_cycle = 0;
  init_done = 0;
  busy = 0;
  readonly pending = new mq();
  // ip_dn_io.c's statics, per vnet here.
  tick_last = 0;
  tick_delta = 0;
  tick_delta_sum = 0;
  tick_adjustment = 0;
  tick_lost = 0;
  tick_diff = 0;
  io_pkt = 0;
  io_pkt_fast = 0;
  io_pkt_drop = 0;
  /** The vnet's dummynet callout is armed (dn_reschedule). */
  timer_armed = 0;
  dn_gone = 0;
  /** dn_timeout: the vnet's tick, armed while events wait. */
  readonly dn_timeout = new callout();
}



/** V_dn_cfg: the vnet's dummynet, null until ip_dn_init runs there. */
export const VNET_dn_cfg = VNET_DEFINE_PTR<dn_parms | null>("dn_cfg", null);

/** V_dn_cfg for code that runs only where dummynet is set up. */
export function V_dn_cfg(): dn_parms {
  return VNET_PTR(VNET_dn_cfg) as dn_parms;
}

/**
 * ipdn_bound_var (ip_dummynet.c): keep *v within [lo, hi]: a value below
 * lo becomes the default (itself bounded), one above hi becomes hi.
 */
export function ipdn_bound_var(v: number, dflt: number, lo: number, hi: number): number {
  if (dflt < lo) dflt = lo;
  if (dflt > hi) dflt = hi;
  if (v < lo) return dflt;
  if (v > hi) return hi;
  return v;
}
