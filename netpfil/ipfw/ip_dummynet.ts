// sys/netpfil/ipfw/ip_dummynet.c: dummynet's configuration side.  The
// IP_DUMMYNET3 socket option configures, deletes, lists and flushes
// schedulers, links and flowsets; the hash tables of schedulers and
// flowsets, the instances and queues that masks create, their drain, the
// net.inet.ip.dummynet sysctls and the "dummynet" module (with the
// scheduler modules dn_fifo, dn_wf2qp, dn_rr, dn_qfq and dn_prio, linked
// into dummynet.ko as in FreeBSD) live here.
//
// Numbering, as FreeBSD arranges it (N = 65536): "pipe i" is scheduler i
// (WF2Q+ by default) with link i and flowset i+N (a FIFO for the pipe's
// own queue); scheduler i+N is its FIFO twin.  "queue i" is flowset i.
// "sched i" is scheduler i.  Each vnet has its own set (VNET_SYSINIT).

import { EBUSY, EEXIST, EINVAL, ENOMEM, EOPNOTSUPP, EPERM } from "../../kern/errno.ts";
import { hz, callout_init, callout_stop } from "../../kern/kern_timeout.ts";
import { DECLARE_MODULE, MOD_LOAD, MOD_UNLOAD, type module } from "../../kern/kern_module.ts";
import { MODULE_VERSION } from "../../kern/kern_linker.ts";
import { SI_SUB_PROTO_FIREWALL, SI_ORDER_ANY } from "../../kern/kernel.ts";
import { printf } from "../../kern/subr_prf.ts";
import { priv_check_cred } from "../../kern/kern_priv.ts";
import {
  CTLFLAG_RD,
  CTLFLAG_RW,
  CTLTYPE_INT,
  CTLTYPE_LONG,
  CTLTYPE_UINT,
  CTLTYPE_ULONG,
  OID_AUTO,
  SYSCTL_NODE,
  SYSCTL_OUT,
  SYSCTL_PROC,
  sysctl_unregister_oid,
  type sysctl_handler_t,
  type sysctl_oid,
} from "../../kern/sysctl.ts";
import { SOPT_GET, SOPT_SET, sooptcopyin_bytes, sooptcopyout_bytes, type sockopt } from "../../kern/uipc_socket.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_FOREACH, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT } from "../../net/vnet.ts";
import { _net_inet_ip } from "../../netinet/ip_var.ts";
import { IP_DUMMYNET3, ipfw_flow_id } from "../../netinet/ip_fw.ts";
import {
  DN_API_VERSION,
  DN_AQM_PARAMS,
  DN_IS_AQM,
  dn_extra_parms,
  dn_extra_parms_dec,
  dn_extra_parms_enc,
  DN_SCH_PARAMS,
  SIZEOF_DN_EXTRA_PARMS,
  DN_CMD_CONFIG,
  DN_CMD_DELETE,
  DN_CMD_FLUSH,
  DN_FLOW,
  DN_FS,
  DN_HAVE_MASK,
  DN_IS_GENTLE_RED,
  DN_IS_RED,
  DN_LINK,
  DN_MAX_ID,
  DN_PIPE_CMD,
  DN_PROFILE,
  DN_QHT_HASH,
  DN_QSIZE_BYTES,
  DN_QUEUE,
  DN_SCH,
  DN_SCH_I,
  DN_SCHED_FIFO,
  DN_SCHED_WF2QP,
  DN_TEXT,
  ED_MAX_SAMPLES_NO,
  SIZEOF_DN_FLOW,
  SIZEOF_DN_FS,
  SIZEOF_DN_ID,
  SIZEOF_DN_LINK,
  SIZEOF_DN_PROFILE,
  SIZEOF_DN_SCH,
  dn_flow_enc,
  dn_flow_id_copy,
  dn_flow_id_equal,
  dn_fs,
  dn_fs_dec,
  dn_fs_enc,
  dn_id,
  dn_id_dec,
  dn_id_enc,
  dn_link,
  dn_link_dec,
  dn_link_enc,
  dn_profile_dec,
  dn_profile_enc,
  dn_sch,
  dn_sch_dec,
  dn_sch_enc,
  set_oid,
  type dn_profile,
} from "../../netinet/ip_dummynet.ts";
import {
  DNHT_INSERT,
  DNHT_KEY_IS_OBJ,
  DNHT_REMOVE,
  DNHT_SCAN_DEL,
  DNHT_SCAN_END,
  dn_ht,
  dn_ht_entries,
  dn_ht_find,
  dn_ht_free,
  dn_ht_init,
  dn_ht_scan,
  dn_ht_scan_bucket,
  heap_extract,
  heap_free,
  heap_init,
} from "./dn_heap.ts";
import { DN_MULTIQUEUE, type dn_alg } from "./dn_sched.ts";
import type { dn_aqm } from "./dn_aqm.ts";
import { codel_desc, codel_sysctl_attach } from "./dn_aqm_codel.ts";
import { pie_desc, pie_sysctl_attach } from "./dn_aqm_pie.ts";
import { fq_codel_desc, fqcodel_sysctl_attach } from "./dn_sched_fq_codel.ts";
import { fq_pie_desc, fqpie_sysctl_attach } from "./dn_sched_fq_pie.ts";
import { fifo_desc } from "./dn_sched_fifo.ts";
import { prio_desc } from "./dn_sched_prio.ts";
import { qfq_desc } from "./dn_sched_qfq.ts";

import { rr_desc } from "./dn_sched_rr.ts";
import { wf2qp_desc } from "./dn_sched_wf2q.ts";
import { dn_free_pkts, dummynet_io } from "./ip_dn_io.ts";
import {
  DN_ACTIVE,
  DN_DELETE_FS,
  DN_DESTROY,
  DN_DETACH,
  V_dn_cfg,
  VNET_dn_cfg,
  dn_fsk,
  dn_parms,
  dn_queue,
  dn_sch_inst,
  dn_schk,
} from "./ip_dn_private.ts";
import { ip_dn_io_ptr, set_ip_dn_ctl_ptr, set_ip_dn_io_ptr } from "./ip_fw_private.ts";

/** sys/priv.h: PRIV_NETINET_DUMMYNET. */
const PRIV_NETINET_DUMMYNET = 494;

// ---------------------------------------------------------------------------
// Flow ids.

function is_ip6_flow_id(id: ipfw_flow_id): boolean {
  return id.addr_type === 6;
}

/** flow_id_mask: apply mask to id in place. */
function flow_id_mask(mask: ipfw_flow_id, id: ipfw_flow_id): void {
  const is_v6 = is_ip6_flow_id(id);
  id.dst_port &= mask.dst_port;
  id.src_port &= mask.src_port;
  id.proto &= mask.proto;
  id.extra = (id.extra & mask.extra) >>> 0;
  if (is_v6) {
    for (let i = 0; i < 16; i++) {
      id.dst_ip6[i] &= mask.dst_ip6[i];
      id.src_ip6[i] &= mask.src_ip6[i];
    }
    id.flow_id6 = (id.flow_id6 & mask.flow_id6) >>> 0;
  } else {
    id.dst_ip = (id.dst_ip & mask.dst_ip) >>> 0;
    id.src_ip = (id.src_ip & mask.src_ip) >>> 0;
  }
}

/** flow_id_or: dst |= src (a flowset's mask joins its scheduler's). */
function flow_id_or(src: ipfw_flow_id, dst: ipfw_flow_id): void {
  dst.dst_port |= src.dst_port;
  dst.src_port |= src.src_port;
  dst.proto |= src.proto;
  dst.extra = (dst.extra | src.extra) >>> 0;
  if (is_ip6_flow_id(dst)) {
    for (let i = 0; i < 16; i++) {
      dst.dst_ip6[i] |= src.dst_ip6[i];
      dst.src_ip6[i] |= src.src_ip6[i];
    }
    dst.flow_id6 = (dst.flow_id6 | src.flow_id6) >>> 0;
  } else {
    dst.dst_ip = (dst.dst_ip | src.dst_ip) >>> 0;
    dst.src_ip = (dst.src_ip | src.src_ip) >>> 0;
  }
}

function nonzero_mask(m: ipfw_flow_id): boolean {
  if (m.dst_port || m.src_port || m.proto || m.extra) return true;
  if (is_ip6_flow_id(m)) {
    if (m.flow_id6) return true;
    for (let i = 0; i < 16; i++) if (m.dst_ip6[i] || m.src_ip6[i]) return true;
    return false;
  }
  return m.dst_ip !== 0 || m.src_ip !== 0;
}

/** An in6_addr's i-th 32-bit word as an amd64 load sees it. */
function w6(a: Uint8Array, i: number): number {
  return (a[4 * i] | (a[4 * i + 1] << 8) | (a[4 * i + 2] << 16) | (a[4 * i + 3] << 24)) >>> 0;
}

/** flow_id_hash: the 32-bit hash FreeBSD files queues and instances by. */
function flow_id_hash(id: ipfw_flow_id): number {
  let i: number;
  if (is_ip6_flow_id(id)) {
    const d = id.dst_ip6;
    const s = id.src_ip6;
    i = w6(d, 0) ^ w6(d, 1) ^ w6(d, 2) ^ w6(d, 3);
    i ^= (w6(d, 0) >>> 15) ^ (w6(d, 1) >>> 15) ^ (w6(d, 2) >>> 15) ^ (w6(d, 3) >>> 15);
    i ^= (w6(s, 0) << 1) ^ (w6(s, 1) << 1) ^ (w6(s, 2) << 1) ^ (w6(s, 3) << 1);
    i ^= (w6(s, 0) << 16) ^ (w6(s, 1) << 16) ^ (w6(s, 2) << 16) ^ (w6(s, 3) << 16);
    i ^= (id.dst_port << 1) ^ id.src_port ^ id.extra ^ id.proto ^ id.flow_id6;
  } else {
    i = id.dst_ip ^ (id.dst_ip >>> 15) ^ (id.src_ip << 1) ^ (id.src_ip >>> 16) ^ id.extra ^ (id.dst_port << 1) ^ id.src_port ^ id.proto;
  }
  return i >>> 0;
}

// Scratch flow id for the per-packet lookups (the C code's local copy).
const masked_id = new ipfw_flow_id();

// ---------------------------------------------------------------------------
// Queues (per flowset, by flow id).

/** The flow id a queue or instance table is keyed on: the key itself, or
 *  with DNHT_KEY_IS_OBJ the id in the object's dn_flow. */
function key_fid(key: ipfw_flow_id | dn_queue | dn_sch_inst, flags: number): ipfw_flow_id {
  return (flags & DNHT_KEY_IS_OBJ) !== 0 ? (key as dn_queue | dn_sch_inst).ni.fid : (key as ipfw_flow_id);
}

function q_hash(key: ipfw_flow_id | dn_queue, flags: number): number {
  return flow_id_hash(key_fid(key, flags));
}
function q_match(obj: dn_queue, key: ipfw_flow_id | dn_queue, flags: number): boolean {
  return dn_flow_id_equal(obj.ni.fid, key_fid(key, flags));
}

interface q_template {
  fs: dn_fsk;
  si: dn_sch_inst;
}

/** q_new: a queue of flowset fs on instance si for flow `key`. */
function q_new(key: ipfw_flow_id | null, _flags: number, arg: unknown): dn_queue | null {
  const t = arg as q_template;
  const fs = t.fs;
  const q = new dn_queue();
  set_oid(q.ni.oid, DN_QUEUE, SIZEOF_DN_FLOW);
  if ((fs.fs.flags & DN_QHT_HASH) !== 0 && key !== null) dn_flow_id_copy(q.ni.fid, key);
  q.fs = fs;
  q._si = t.si;
  t.si.q_count++;
  const fp = (fs.sched as dn_schk).fp;
  if (fp !== null && fp.new_queue !== null) fp.new_queue(q);
  // The AQM's state for the new queue (NEW_AQM); a failure leaves the
  // queue without it, as FreeBSD does (its enqueue then drops).
  if (fs.aqmfp !== null && fs.aqmfp.init !== null && fs.aqmfp.init(q) !== 0) printf(`dummynet: unable to init AQM for fs ${fs.fs.fs_nr}\n`);
  V_dn_cfg().queue_count++;
  return q;
}

const q_tmpl: { fs: dn_fsk | null; si: dn_sch_inst | null } = { fs: null, si: null };

/** ipdn_q_find: the queue for flow id within flowset fs on instance si. */
export function ipdn_q_find(fs: dn_fsk, si: dn_sch_inst, id: ipfw_flow_id): dn_queue | null {
  q_tmpl.fs = fs;
  q_tmpl.si = si;
  if ((fs.fs.flags & DN_QHT_HASH) === 0) {
    if (fs.qht === null) fs.qht = q_new(null, 0, q_tmpl);
    return fs.qht as dn_queue;
  }
  dn_flow_id_copy(masked_id, id);
  flow_id_mask(fs.fsk_mask, masked_id);
  if (fs.qht === null) fs.qht = dn_ht_init<dn_queue, ipfw_flow_id>(fs.fs.buckets, q_hash, q_match, q_new_key);
  return dn_ht_find(fs.qht as dn_ht<dn_queue, ipfw_flow_id>, masked_id, DNHT_INSERT, q_tmpl);
}
function q_new_key(key: ipfw_flow_id, flags: number, arg: unknown): dn_queue | null {
  return q_new(key, flags, arg);
}

/** dn_delete_queue: unhook q from its scheduler; with DN_DESTROY free it. */
function dn_delete_queue(q: dn_queue, flags: number): void {
  const fs = q.fs;
  if (fs !== null && fs.aqmfp !== null && fs.aqmfp.cleanup !== null) fs.aqmfp.cleanup(q);
  if (fs !== null && fs.sched !== null && fs.sched.fp !== null && fs.sched.fp.free_queue !== null) fs.sched.fp.free_queue(q);
  if (q._si !== null) q._si.q_count--;
  q._si = null;
  if ((flags & DN_DESTROY) !== 0) {
    if (q.mq.head !== null) dn_free_pkts(q.mq.head);
    q.mq.head = q.mq.tail = null;
    V_dn_cfg().queue_count--;
  }
}

function q_delete_cb(q: dn_queue, arg: unknown): number {
  const flags = arg as number;
  dn_delete_queue(q, flags);
  return (flags & DN_DESTROY) !== 0 ? DNHT_SCAN_DEL : 0;
}

function qht_delete(fs: dn_fsk, flags: number): void {
  if (fs.qht === null) return;
  if ((fs.fs.flags & DN_QHT_HASH) !== 0) {
    dn_ht_scan(fs.qht as dn_ht<dn_queue, ipfw_flow_id>, q_delete_cb, flags);
    if ((flags & DN_DESTROY) !== 0) {
      dn_ht_free(fs.qht as dn_ht<dn_queue, ipfw_flow_id>, 0);
      fs.qht = null;
    }
  } else {
    dn_delete_queue(fs.qht as dn_queue, flags);
    if ((flags & DN_DESTROY) !== 0) fs.qht = null;
  }
}

// ---------------------------------------------------------------------------
// Scheduler instances (per scheduler, by masked flow id).

function si_hash(key: ipfw_flow_id | dn_sch_inst, flags: number): number {
  return flow_id_hash(key_fid(key, flags));
}
function si_match(obj: dn_sch_inst, key: ipfw_flow_id | dn_sch_inst, flags: number): boolean {
  return dn_flow_id_equal(obj.ni.fid, key_fid(key, flags));
}

/** si_new: an instance of scheduler s (arg) for flow `key`. */
function si_new(key: ipfw_flow_id | null, _flags: number, arg: unknown): dn_sch_inst | null {
  const s = arg as dn_schk;
  const si = new dn_sch_inst();
  set_oid(si.ni.oid, DN_SCH_I, SIZEOF_DN_FLOW);
  set_oid(si.dline.oid, 6 /* DN_DELAY_LINE */, 0);
  si.ni.oid.id = si.dline.oid.id = -1;
  si.sched = s;
  si.dline.si = si;
  const fp = s.fp as dn_alg;
  if (fp.new_sched !== null && fp.new_sched(si) !== 0) return null;
  if ((s.sch.flags & DN_HAVE_MASK) !== 0 && key !== null) dn_flow_id_copy(si.ni.fid, key);
  // A !MULTIQUEUE scheduler's one queue gets the flowset's AQM state here.
  if ((fp.flags & DN_MULTIQUEUE) === 0 && s.fs !== null && s.fs.aqmfp !== null && s.fs.aqmfp.init !== null) {
    if (s.fs.aqmfp.init(si.q0 as dn_queue) !== 0) {
      printf(`dummynet: unable to init AQM for fs ${s.fs.fs.fs_nr}\n`);
      return null;
    }
  }
  V_dn_cfg().si_count++;
  return si;
}
function si_new_key(key: ipfw_flow_id, flags: number, arg: unknown): dn_sch_inst | null {
  return si_new(key, flags, arg);
}

/** si_destroy: take si and its delay line off the event heap and free them. */
function si_destroy(si: dn_sch_inst, _arg: unknown): number {
  const cfg = V_dn_cfg();
  const s = si.sched as dn_schk;
  const dl = si.dline;
  if (dl.oid.subtype !== 0) heap_extract(cfg.evheap, dl);
  dl.oid.subtype = 0;
  dn_free_pkts(dl.mq.head);
  dl.mq.head = dl.mq.tail = null;
  dl.mq.count = 0;
  if ((si.kflags & DN_ACTIVE) !== 0) heap_extract(cfg.evheap, si);
  si.kflags = 0;
  if (s.fp !== null && (s.fp.flags & DN_MULTIQUEUE) === 0) {
    const q = si.q0;
    if (q !== null && q.aqm_status !== null && q.fs !== null && q.fs.aqmfp !== null && q.fs.aqmfp.cleanup !== null) q.fs.aqmfp.cleanup(q);
  }
  if (s.fp !== null && s.fp.free_sched !== null) s.fp.free_sched(si);
  cfg.si_count--;
  return DNHT_SCAN_DEL;
}

/** ipdn_si_find: the instance of s for this flow (created on first use). */
export function ipdn_si_find(s: dn_schk, id: ipfw_flow_id): dn_sch_inst | null {
  if ((s.sch.flags & DN_HAVE_MASK) !== 0) {
    dn_flow_id_copy(masked_id, id);
    flow_id_mask(s.sch.sched_mask, masked_id);
    return dn_ht_find(s.siht as dn_ht<dn_sch_inst, ipfw_flow_id>, masked_id, DNHT_INSERT, s);
  }
  if (s.siht === null) s.siht = si_new(null, 0, s);
  return s.siht as dn_sch_inst | null;
}

function si_reset_credit(si: dn_sch_inst, _arg: unknown): number {
  const p = (si.sched as dn_schk).link;
  si.credit = p.burst + (V_dn_cfg().io_fast !== 0 ? p.bandwidth : 0);
  return 0;
}

function schk_reset_credit(s: dn_schk): void {
  if ((s.sch.flags & DN_HAVE_MASK) !== 0) dn_ht_scan(s.siht as dn_ht<dn_sch_inst, ipfw_flow_id>, si_reset_credit, null);
  else if (s.siht !== null) si_reset_credit(s.siht as dn_sch_inst, null);
}

// ---------------------------------------------------------------------------
// Flowsets, hashed by number; new ones wait on fsu until their scheduler exists.

/** The hash fsk_hash and schk_hash both take of an object number. */
function nr_hash(nr: number): number {
  const i = nr >>> 0;
  return ((i >>> 8) ^ (i >>> 4) ^ i) >>> 0;
}

function fsk_hash(key: number | dn_fsk, flags: number): number {
  return nr_hash((flags & DNHT_KEY_IS_OBJ) !== 0 ? (key as dn_fsk).fs.fs_nr : (key as number));
}
function fsk_match(fs: dn_fsk, key: number | dn_fsk, flags: number): boolean {
  const i = (flags & DNHT_KEY_IS_OBJ) !== 0 ? (key as dn_fsk).fs.fs_nr : (key as number);
  return fs.fs.fs_nr === i;
}
function fsk_new(_key: number, _flags: number, _arg: unknown): dn_fsk {
  const cfg = V_dn_cfg();
  const fs = new dn_fsk();
  set_oid(fs.fs.oid, DN_FS, SIZEOF_DN_FS);
  cfg.fsk_count++;
  fs.drain_bucket.v = 0;
  cfg.fsu.unshift(fs);
  return fs;
}

function list_remove<T>(l: T[], x: T): void {
  const i = l.indexOf(x);
  if (i >= 0) l.splice(i, 1);
}

/** si_cleanup_q: drop the AQM state of a !MULTIQUEUE instance's queue. */
function si_cleanup_q(si: dn_sch_inst, _arg: unknown): number {
  const s = si.sched as dn_schk;
  if (((s.fp as dn_alg).flags & DN_MULTIQUEUE) === 0 && s.fs !== null && s.fs.aqmfp !== null && s.fs.aqmfp.cleanup !== null && si.q0 !== null) s.fs.aqmfp.cleanup(si.q0);
  return 0;
}

function q_cleanup_q(q: dn_queue, _arg: unknown): number {
  const aqm = (q.fs as dn_fsk).aqmfp as dn_aqm;
  if (aqm.cleanup !== null) aqm.cleanup(q);
  return 0;
}

/**
 * aqm_cleanup_deconfig_fs: drop the AQM state of every queue of fs (the
 * instances' own queues for a !MULTIQUEUE scheduler's internal flowset,
 * the flowset's queues for a MULTIQUEUE one), then its AQM configuration.
 */
function aqm_cleanup_deconfig_fs(fs: dn_fsk): void {
  const s = fs.sched;
  if (fs.fs.fs_nr > DN_MAX_ID && s !== null && ((s.fp as dn_alg).flags & DN_MULTIQUEUE) === 0) {
    if ((s.sch.flags & DN_HAVE_MASK) !== 0) dn_ht_scan(s.siht as dn_ht<dn_sch_inst, ipfw_flow_id>, si_cleanup_q, null);
    else if (s.siht !== null && fs.aqmfp !== null && fs.aqmfp.cleanup !== null) {
      const q0 = (s.siht as dn_sch_inst).q0;
      if (q0 !== null) fs.aqmfp.cleanup(q0);
    }
  }
  if (s !== null && ((s.fp as dn_alg).flags & DN_MULTIQUEUE) !== 0 && fs.qht !== null && fs.aqmfp !== null) {
    if ((fs.fs.flags & DN_QHT_HASH) !== 0) dn_ht_scan(fs.qht as dn_ht<dn_queue, ipfw_flow_id>, q_cleanup_q, null);
    else q_cleanup_q(fs.qht as dn_queue, null);
  }
  if (fs.aqmcfg !== null && fs.aqmfp !== null && fs.aqmfp.deconfig !== null) fs.aqmfp.deconfig(fs);
}

/**
 * fsk_detach: detach fs from its scheduler.  DN_DETACH takes it off the
 * scheduler's list, DN_DESTROY frees its queues, DN_DELETE_FS frees the
 * flowset (else it waits on the unlinked list).
 */
function fsk_detach(fs: dn_fsk, flags: number): void {
  const cfg = V_dn_cfg();
  if ((flags & DN_DELETE_FS) !== 0) flags |= DN_DESTROY;
  if ((flags & DN_DETACH) !== 0) list_remove(fs.sched !== null ? fs.sched.fsk_list : cfg.fsu, fs);
  fs.w_q_lookup = null;
  qht_delete(fs, flags);
  aqm_cleanup_deconfig_fs(fs);
  if (fs.sched !== null && fs.sched.fp !== null && fs.sched.fp.free_fsk !== null) fs.sched.fp.free_fsk(fs);
  fs.sched = null;
  if ((flags & DN_DELETE_FS) !== 0) cfg.fsk_count--;
  else cfg.fsu.unshift(fs);
}

function fsk_detach_list(h: dn_fsk[], flags: number): void {
  let fs: dn_fsk | undefined;
  while ((fs = h.shift()) !== undefined) fsk_detach(fs, flags);
}

/** delete_fs: "queue i delete". */
function delete_fs(i: number): number {
  const fs = dn_ht_find(V_dn_cfg().fshash, i, DNHT_REMOVE, null);
  if (fs === null) return EINVAL;
  fsk_detach(fs, DN_DETACH | DN_DELETE_FS);
  return 0;
}

// ---------------------------------------------------------------------------
// Schedulers, hashed by number.

function schk_hash(key: number | dn_schk, flags: number): number {
  return nr_hash((flags & DNHT_KEY_IS_OBJ) !== 0 ? (key as dn_schk).sch.sched_nr : (key as number));
}
function schk_match(s: dn_schk, key: number | dn_schk, flags: number): boolean {
  const i = (flags & DNHT_KEY_IS_OBJ) !== 0 ? (key as dn_schk).sch.sched_nr : (key as number);
  return s.sch.sched_nr === i;
}

interface schk_new_arg {
  fp: dn_alg | null;
  sch: dn_sch;
}

function dn_sch_copy(dst: dn_sch, src: dn_sch): void {
  Object.assign(dst.oid, src.oid);
  dst.sched_nr = src.sched_nr;
  dst.buckets = src.buckets;
  dst.flags = src.flags;
  dst.name = src.name;
  dn_flow_id_copy(dst.sched_mask, src.sched_mask);
}

/** schk_new: a scheduler entry, its fp left unset to mark it new. */
function schk_new(_key: number, _flags: number, arg: unknown): dn_schk {
  const a = arg as schk_new_arg;
  const s = new dn_schk();
  set_oid(s.link.oid, DN_LINK, SIZEOF_DN_LINK);
  dn_sch_copy(s.sch, a.sch);
  s.link.link_nr = s.sch.sched_nr;
  s.fp = a.fp;
  s.drain_bucket.v = 0;
  if ((s.sch.flags & DN_HAVE_MASK) !== 0)
    s.siht = dn_ht_init<dn_sch_inst, ipfw_flow_id>(s.sch.buckets, si_hash, si_match, si_new_key);
  s.fp = null;
  V_dn_cfg().schk_count++;
  return s;
}

/**
 * schk_delete_cb: a scheduler goes: its flowsets are detached (with their
 * queues when arg is set), its instances and profile freed.
 */
function schk_delete_cb(s: dn_schk, arg: unknown): number {
  fsk_detach_list(s.fsk_list, arg ? DN_DESTROY : 0);
  if ((s.sch.flags & DN_HAVE_MASK) !== 0) {
    dn_ht_scan(s.siht as dn_ht<dn_sch_inst, ipfw_flow_id>, si_destroy, null);
    dn_ht_free(s.siht as dn_ht<dn_sch_inst, ipfw_flow_id>, 0);
  } else if (s.siht !== null) si_destroy(s.siht as dn_sch_inst, null);
  s.profile = null;
  s.siht = null;
  if (s.fp !== null) {
    if (s.fp.destroy !== null) s.fp.destroy(s);
    s.fp.ref_count--;
  }
  V_dn_cfg().schk_count--;
  return DNHT_SCAN_DEL;
}

/** delete_schk: "sched i delete" (and each half of "pipe i delete"). */
function delete_schk(i: number): number {
  const s = dn_ht_find(V_dn_cfg().schedhash, i, DNHT_REMOVE, null);
  if (s === null) return EINVAL;
  delete_fs(i + DN_MAX_ID);
  schk_delete_cb(s, DN_DESTROY);
  return 0;
}

export function locate_scheduler(i: number): dn_schk | null {
  return dn_ht_find(V_dn_cfg().schedhash, i, 0, null);
}

/** The flowset a pipe or queue action names. */
export function locate_flowset(i: number): dn_fsk | null {
  return dn_ht_find(V_dn_cfg().fshash, i, 0, null);
}

// ---------------------------------------------------------------------------
// RED.

function SCALE(x: number): number {
  return x * 65536;
}
function SCALE_MUL(x: number, y: number): number {
  return Math.trunc((x * y) / 65536);
}

/** config_red: RED's derived constants and the (1 - w_q)^t table. */
function config_red(fs: dn_fsk): number {
  const cfg = V_dn_cfg();
  fs.w_q = fs.fs.w_q;
  fs.max_p = fs.fs.max_p;
  const i = (fs.sched as dn_schk).link.bandwidth;
  const s = i <= 0 ? 0 : Math.trunc((hz * cfg.red_avg_pkt_size * 8 * SCALE(1)) / i);
  const idle = fs.w_q === 0 ? 0 : Math.trunc((s * 3) / fs.w_q);
  fs.lookup_step = Math.trunc(idle / cfg.red_lookup_depth);
  if (fs.lookup_step === 0) fs.lookup_step = 1;
  const w0 = SCALE(1) - fs.w_q;
  let weight = w0;
  for (let t = fs.lookup_step; t > 1; --t) weight = SCALE_MUL(weight, w0);
  fs.lookup_weight = weight | 0;
  fs.min_th = SCALE(fs.fs.min_th);
  fs.max_th = SCALE(fs.fs.max_th);
  if (fs.fs.max_th === fs.fs.min_th) fs.c_1 = fs.max_p;
  else fs.c_1 = Math.trunc(SCALE(fs.max_p) / (fs.fs.max_th - fs.fs.min_th));
  fs.c_2 = SCALE_MUL(fs.c_1, SCALE(fs.fs.min_th));
  if ((fs.fs.flags & DN_IS_GENTLE_RED) !== 0) {
    fs.c_3 = Math.trunc((SCALE(1) - fs.max_p) / fs.fs.max_th);
    fs.c_4 = SCALE(1) - 2 * fs.max_p;
  }
  fs.w_q_lookup = null;
  if (cfg.red_lookup_depth === 0) {
    printf("\ndummynet: net.inet.ip.dummynet.red_lookup_depthmust be > 0\n");
    fs.fs.flags &= ~(DN_IS_RED | DN_IS_GENTLE_RED);
    return EINVAL;
  }
  fs.lookup_depth = cfg.red_lookup_depth;
  const tbl = new Uint32Array(fs.lookup_depth);
  tbl[0] = SCALE(1) - fs.w_q;
  for (let k = 1; k < fs.lookup_depth; k++) tbl[k] = SCALE_MUL(tbl[k - 1], fs.lookup_weight);
  fs.w_q_lookup = tbl;
  if (cfg.red_avg_pkt_size < 1) cfg.red_avg_pkt_size = 512;
  fs.avg_pkt_size = cfg.red_avg_pkt_size;
  if (cfg.red_max_pkt_size < 1) cfg.red_max_pkt_size = 1500;
  fs.max_pkt_size = cfg.red_max_pkt_size;
  return 0;
}

function update_red(s: dn_schk): void {
  for (const fs of s.fsk_list) if ((fs.fs.flags & DN_IS_RED) !== 0) config_red(fs);
}

/** fsk_attach: fs joins scheduler s; its queue mask is its own or'ed with s's. */
function fsk_attach(fs: dn_fsk, s: dn_schk): void {
  list_remove(V_dn_cfg().fsu, fs);
  fs.sched = s;
  s.fsk_list.unshift(fs);
  if (s.fp !== null && s.fp.new_fsk !== null) s.fp.new_fsk(fs);
  dn_flow_id_copy(fs.fsk_mask, fs.fs.flow_mask);
  if ((s.sch.flags & DN_HAVE_MASK) !== 0) flow_id_or(s.sch.sched_mask, fs.fsk_mask);
  // Queues of the old arrangement are not requeued (FreeBSD's XXX).
  if (fs.qht !== null) fs.qht = null;
  if (nonzero_mask(fs.fsk_mask)) fs.fs.flags |= DN_QHT_HASH;
  else fs.fs.flags &= ~DN_QHT_HASH;
  if ((fs.fs.flags & DN_IS_RED) !== 0) config_red(fs);
}

/** update_fs: attach the unlinked flowsets that were waiting for s. */
function update_fs(s: dn_schk): void {
  for (const fs of V_dn_cfg().fsu.slice()) {
    if (s.sch.sched_nr !== fs.fs.sched_nr) continue;
    fsk_attach(fs, s);
  }
}

// ---------------------------------------------------------------------------
// Configuration.

/** config_link: a link's bandwidth, delay and burst, on both halves of a pipe. */
function config_link(p: dn_link): number {
  const cfg = V_dn_cfg();
  if (p.oid.len !== SIZEOF_DN_LINK) return EINVAL;
  let i = p.link_nr;
  if (i <= 0 || i >= DN_MAX_ID) return EINVAL;
  // Userland gives bit/s and ms; the kernel keeps bit/s and ticks, and
  // the burst in bits*hz.
  p.delay = Math.trunc((p.delay * hz) / 1000);
  p.burst *= 8 * hz;
  for (; i < 2 * DN_MAX_ID; i += DN_MAX_ID) {
    const s = locate_scheduler(i);
    if (s === null) return EINVAL;
    s.profile = null;
    Object.assign(s.link.oid, p.oid);
    s.link.link_nr = i;
    s.link.delay = p.delay;
    if (s.link.bandwidth !== p.bandwidth) {
      s.link.bandwidth = p.bandwidth;
      update_red(s);
    }
    s.link.burst = p.burst;
    schk_reset_credit(s);
  }
  cfg.id++;
  return 0;
}

function dn_fs_equal(a: dn_fs, b: dn_fs): boolean {
  return (
    a.oid.len === b.oid.len &&
    a.oid.type === b.oid.type &&
    a.oid.subtype === b.oid.subtype &&
    a.oid.id === b.oid.id &&
    a.fs_nr === b.fs_nr &&
    a.flags === b.flags &&
    a.qsize === b.qsize &&
    a.plr === b.plr &&
    a.buckets === b.buckets &&
    dn_flow_id_equal(a.flow_mask, b.flow_mask) &&
    a.sched_nr === b.sched_nr &&
    a.par.every((v, k) => v === b.par[k]) &&
    a.w_q === b.w_q &&
    a.max_th === b.max_th &&
    a.min_th === b.min_th &&
    a.max_p === b.max_p
  );
}

function dn_fs_copy(dst: dn_fs, src: dn_fs): void {
  Object.assign(dst.oid, src.oid);
  dst.fs_nr = src.fs_nr;
  dst.flags = src.flags;
  dst.qsize = src.qsize;
  dst.plr = src.plr;
  dst.buckets = src.buckets;
  dn_flow_id_copy(dst.flow_mask, src.flow_mask);
  dst.sched_nr = src.sched_nr;
  for (let k = 0; k < 4; k++) dst.par[k] = src.par[k];
  dst.w_q = src.w_q;
  dst.max_th = src.max_th;
  dst.min_th = src.min_th;
  dst.max_p = src.max_p;
}

/** config_fs: create or update a flowset; null on a bad one. */
function config_fs(nfs: dn_fs, ep: dn_extra_parms | null): dn_fsk | null {
  const cfg = V_dn_cfg();
  if (nfs.oid.len !== SIZEOF_DN_FS) return null;
  const i = nfs.fs_nr;
  if (i <= 0 || i >= 3 * DN_MAX_ID) return null;
  if ((nfs.flags & DN_QSIZE_BYTES) !== 0) nfs.qsize = ipdn_bound(nfs.qsize, 16384, 1500, cfg.byte_limit);
  else nfs.qsize = ipdn_bound(nfs.qsize, 50, 1, cfg.slot_limit);
  if ((nfs.flags & DN_HAVE_MASK) !== 0) nfs.buckets = ipdn_bound(nfs.buckets, cfg.hash_size, 1, cfg.max_hash_size);
  else nfs.buckets = 1;
  const oldc = cfg.fsk_count;
  const fs = dn_ht_find(cfg.fshash, i, nfs.sched_nr !== 0 ? DNHT_INSERT : 0, null);
  if (fs === null) return null;
  if (nfs.sched_nr === 0) nfs.sched_nr = fs.fs.sched_nr;
  for (let j = 0; j < nfs.par.length; j++) if (nfs.par[j] === -1) nfs.par[j] = fs.fs.par[j];
  if (dn_fs_equal(fs.fs, nfs)) {
    // Unchanged, but the AQM's parameters may be new; a flowset whose
    // scheduler has instances is busy.
    if (ep !== null) {
      const s0 = locate_scheduler(nfs.sched_nr);
      config_aqm(fs, ep, s0 !== null && s0.siht !== null);
    }
    return fs;
  }
  if (oldc !== cfg.fsk_count) cfg.id++;
  const s = locate_scheduler(nfs.sched_nr);
  if (fs.sched !== null) fsk_detach(fs, (s !== null ? DN_DETACH : DN_DETACH | DN_DESTROY) | DN_DESTROY);
  dn_fs_copy(fs.fs, nfs);
  fs.aqmfp = null;
  if (ep !== null) config_aqm(fs, ep, s !== null && s.siht !== null);
  if (s !== null) fsk_attach(fs, s);
  return fs;
}

function ipdn_bound(v: number, dflt: number, lo: number, hi: number): number {
  if (dflt < lo) dflt = lo;
  if (dflt > hi) dflt = hi;
  if (v < lo) return dflt;
  if (v > hi) return hi;
  return v;
}

/** The loaded scheduler algorithms (dn_cfg.schedlist). */
const schedlist: dn_alg[] = [];

/** find_sched_type: by name (any case) or, without one, by type. */
function find_sched_type(type: number, name: string): dn_alg | null {
  for (const d of schedlist) {
    if (name !== "" ? d.name.toLowerCase() === name.toLowerCase() : d.type === type) return d;
  }
  return null;
}

/**
 * config_sched: create or reconfigure scheduler i and its FIFO twin i+N.
 * A changed type or mask rebuilds the scheduler, keeping its link.  With
 * DN_PIPE_CMD (pipe config) a new scheduler is an unmasked WF2Q+ and the
 * mask goes to the FIFO twin.
 */
function config_sched(nsch: dn_sch, arg: dn_extra_parms | null): number {
  const cfg = V_dn_cfg();
  const a: schk_new_arg = { fp: null, sch: nsch };
  if (nsch.oid.len !== SIZEOF_DN_SCH) return EINVAL;
  let i = nsch.sched_nr;
  if (i <= 0 || i >= DN_MAX_ID) return EINVAL;
  if ((nsch.flags & DN_HAVE_MASK) !== 0) nsch.buckets = ipdn_bound(nsch.buckets, cfg.hash_size, 1, cfg.max_hash_size);
  let p: dn_link | null = null;
  let pf: dn_profile | null = null;
  const pipe_cmd = nsch.flags & DN_PIPE_CMD;
  nsch.flags &= ~DN_PIPE_CMD;
  const new_mask = new ipfw_flow_id();
  let new_buckets = 0;
  let new_flags = 0;
  if (pipe_cmd !== 0) {
    dn_flow_id_copy(new_mask, nsch.sched_mask);
    new_buckets = nsch.buckets;
    new_flags = nsch.flags;
  }
  for (;;) {
    // again:
    cfg.id++;
    let s: dn_schk | null = null;
    let skip_to_next = false;
    a.fp = find_sched_type(nsch.oid.subtype, nsch.name);
    if (a.fp !== null) {
      s = dn_ht_find(cfg.schedhash, i, DNHT_INSERT, a);
    } else if (nsch.oid.subtype === 0 && nsch.name === "") {
      s = dn_ht_find(cfg.schedhash, i, 0, a);
      if (s !== null) {
        a.fp = s.fp;
        if (pipe_cmd !== 0) skip_to_next = true;
      } else {
        if (pipe_cmd !== 0) {
          nsch.sched_mask.dst_ip = nsch.sched_mask.src_ip = 0;
          dn_flow_id_copy(nsch.sched_mask, new ipfw_flow_id());
          nsch.buckets = 0;
          nsch.flags &= ~DN_HAVE_MASK;
        }
        nsch.oid.subtype = DN_SCHED_WF2QP;
        continue;
      }
    } else {
      return EINVAL;
    }
    if (!skip_to_next) {
      const fp = a.fp as dn_alg;
      nsch.oid.subtype = fp.type;
      nsch.name = fp.name;
      if (s === null) return ENOMEM;
      if (p !== null && p.link_nr !== 0) {
        Object.assign(s.link.oid, p.oid);
        s.link.link_nr = p.link_nr;
        s.link.bandwidth = p.bandwidth;
        s.link.delay = p.delay;
        s.link.burst = p.burst;
        s.profile = pf !== null && pf.link_nr === p.link_nr ? pf : null;
      }
      if (p !== null) p.link_nr = 0;
      if (s.fp === null) {
        // A new scheduler.
      } else if (s.fp !== fp || !dn_sch_equal(nsch, s.sch)) {
        // Changed: keep the link and profile, rebuild the rest.
        p = new dn_link();
        Object.assign(p.oid, s.link.oid);
        p.link_nr = s.link.link_nr;
        p.bandwidth = s.link.bandwidth;
        p.delay = s.link.delay;
        p.burst = s.link.burst;
        if (s.profile !== null) pf = s.profile;
        dn_ht_find(cfg.schedhash, i, DNHT_REMOVE, null);
        schk_delete_cb(s, DN_DESTROY);
        continue;
      }
      dn_sch_copy(s.sch, nsch);
      if (s.fp !== fp) fp.ref_count++;
      s.fp = fp;
      s.cfg = arg;
      if ((fp.flags & DN_MULTIQUEUE) === 0 && s.fs === null) {
        s.fs = dn_ht_find(cfg.fshash, i, 0, null);
        if (s.fs === null) {
          const fs = new dn_fs();
          set_oid(fs.oid, DN_FS, SIZEOF_DN_FS);
          fs.fs_nr = i + DN_MAX_ID;
          fs.sched_nr = i;
          s.fs = config_fs(fs, null);
        }
        if (s.fs === null) {
          schk_delete_cb(s, DN_DESTROY);
          return ENOMEM;
        }
      }
      if (fp.config !== null) fp.config(s);
      update_fs(s);
    }
    // next:
    if (i < DN_MAX_ID) {
      i += DN_MAX_ID;
      if (pipe_cmd !== 0) {
        dn_flow_id_copy(nsch.sched_mask, new_mask);
        nsch.buckets = new_buckets;
        nsch.flags = new_flags;
      } else if (dn_ht_find(cfg.schedhash, i, 0, a) !== null) {
        // A sched config leaves an existing FIFO twin alone.
        return 0;
      }
      nsch.sched_nr = i;
      nsch.oid.subtype = DN_SCHED_FIFO;
      nsch.name = "";
      continue;
    }
    return 0;
  }
}

function dn_sch_equal(a: dn_sch, b: dn_sch): boolean {
  return (
    a.oid.len === b.oid.len &&
    a.oid.type === b.oid.type &&
    a.oid.subtype === b.oid.subtype &&
    a.oid.id === b.oid.id &&
    a.sched_nr === b.sched_nr &&
    a.buckets === b.buckets &&
    a.flags === b.flags &&
    a.name === b.name &&
    dn_flow_id_equal(a.sched_mask, b.sched_mask)
  );
}

/** config_profile: attach (or with no samples, drop) a delay profile on both halves. */
function config_profile(pf: dn_profile): number {
  const cfg = V_dn_cfg();
  if (pf.oid.len < SIZEOF_DN_PROFILE) return EINVAL;
  let i = pf.link_nr;
  if (i <= 0 || i >= DN_MAX_ID) return EINVAL;
  for (; i < 2 * DN_MAX_ID; i += DN_MAX_ID) {
    const s = locate_scheduler(i);
    if (s === null) return EINVAL;
    cfg.id++;
    if (pf.samples_no === 0) {
      s.profile = null;
      continue;
    }
    const c = Object.assign(Object.create(Object.getPrototypeOf(pf) as object) as dn_profile, pf);
    c.samples = pf.samples.slice();
    s.profile = c;
  }
  return 0;
}

/** dummynet_flush: delete every scheduler, link, flowset and queue. */
function dummynet_flush(): void {
  const cfg = V_dn_cfg();
  dn_ht_scan(cfg.schedhash, schk_delete_cb, DN_DELETE_FS);
  dn_ht_free(cfg.fshash, DNHT_REMOVE);
  fsk_detach_list(cfg.fsu, DN_DELETE_FS);
  cfg.fsk_count = 0;
  heap_init(cfg.evheap, 16, true);
}

/**
 * do_config: run the objects of an IP_DUMMYNET3 set: the command header
 * (DN_API_VERSION) first, then links, schedulers, flowsets, profiles,
 * deletes and flushes in order; the first error stops.
 */
/** A DN_TEXT object at off as a dn_extra_parms (zero past its end). */
function extra_parms_of(buf: Uint8Array, off: number, len: number): dn_extra_parms {
  const b = new Uint8Array(SIZEOF_DN_EXTRA_PARMS);
  b.set(buf.subarray(off, off + Math.min(len, SIZEOF_DN_EXTRA_PARMS)));
  return dn_extra_parms_dec(new DataView(b.buffer), 0);
}

export function do_config(buf: Uint8Array): number {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let l = buf.length;
  if (l < SIZEOF_DN_ID) return EINVAL;
  const o = dn_id_dec(dv, 0);
  if (o.id !== DN_API_VERSION) return EINVAL;
  let arg: dn_id | null = null;
  let ep: dn_extra_parms | null = null;
  let err = 0;
  for (let off = 0; l >= SIZEOF_DN_ID; ) {
    dn_id_dec(dv, off, o);
    if (o.len < SIZEOF_DN_ID || l < o.len) {
      err = EINVAL;
      break;
    }
    l -= o.len;
    err = 0;
    switch (o.type) {
      default:
        break;
      case DN_CMD_CONFIG:
        break;
      case DN_CMD_DELETE: {
        // The argument is the uintptr_t after the header.
        if (o.len < SIZEOF_DN_ID + 8) {
          err = EINVAL;
          break;
        }
        const a = dv.getUint32(off + SIZEOF_DN_ID, true) + dv.getUint32(off + SIZEOF_DN_ID + 4, true) * 2 ** 32;
        switch (o.subtype) {
          case DN_LINK: {
            err = delete_schk(a);
            const err2 = delete_schk(a + DN_MAX_ID);
            if (err === 0) err = err2;
            break;
          }
          case DN_FS:
            err = a < 1 || a >= DN_MAX_ID ? EINVAL : delete_fs(a);
            break;
          default:
            err = EINVAL;
            break;
        }
        break;
      }
      case DN_CMD_FLUSH:
        dummynet_flush();
        break;
      case DN_TEXT:
        arg = { len: o.len, type: o.type, subtype: o.subtype, id: o.id };
        // config_fs takes a copy of the whole dn_extra_parms, however long
        // the object was (config_aqm then checks its length).
        ep = extra_parms_of(buf, off, o.len);
        break;
      case DN_LINK:
        if (o.len < SIZEOF_DN_LINK) err = EINVAL;
        else err = config_link(dn_link_dec(dv, off));
        break;
      case DN_PROFILE:
        err = config_profile(dn_profile_dec(dv, off, Math.min(o.len, SIZEOF_DN_PROFILE)));
        break;
      case DN_SCH:
        if (o.len < SIZEOF_DN_SCH) err = EINVAL;
        else err = config_sched(dn_sch_dec(dv, off), ep);
        break;
      case DN_FS:
        if (o.len < SIZEOF_DN_FS) err = EINVAL;
        else err = config_fs(dn_fs_dec(dv, off), ep) === null ? 1 : 0;
        break;
    }
    if (err !== 0) break;
    off += o.len;
  }
  return err;
}

// ---------------------------------------------------------------------------
// Listing (getsockopt IP_DUMMYNET3, DN_CMD_GET).

const DN_C_LINK = 0x01;
const DN_C_SCH = 0x02;
const DN_C_FLOW = 0x04;
const DN_C_FS = 0x08;
const DN_C_QUEUE = 0x10;

/** The profile as listed: its header without the samples. */
const PROFILE_LIST_LEN = SIZEOF_DN_PROFILE - ED_MAX_SAMPLES_NO * 4;

class copy_args {
  pos = 0;
  flags = 0;
  type = 0;
  ranges: number[] = [];
  constructor(
    readonly dv: DataView,
    readonly end: number,
  ) {}
}

function compute_space(subtype: number, a: copy_args): number {
  const cfg = V_dn_cfg();
  let x = 0;
  let need = 0;
  switch (subtype) {
    default:
      return -1;
    case DN_LINK:
      x = DN_C_LINK | DN_C_SCH | DN_C_FLOW;
      need += Math.trunc((cfg.schk_count * (SIZEOF_DN_FS + PROFILE_LIST_LEN)) / 2);
      need += cfg.fsk_count * 4;
      break;
    case DN_SCH:
      need += Math.trunc((cfg.schk_count * (SIZEOF_DN_FS + PROFILE_LIST_LEN)) / 2);
      need += cfg.fsk_count * 4;
      x = DN_C_SCH | DN_C_LINK | DN_C_FLOW;
      break;
    case DN_FS:
      x = DN_C_FS | DN_C_QUEUE;
      break;
  }
  a.flags = x;
  if ((x & DN_C_SCH) !== 0) {
    need += Math.trunc((cfg.schk_count * SIZEOF_DN_SCH) / 2);
    need += Math.trunc((cfg.schk_count * SIZEOF_DN_ID) / 2);
  }
  if ((x & DN_C_FS) !== 0) need += cfg.fsk_count * SIZEOF_DN_FS;
  if ((x & DN_C_LINK) !== 0) need += Math.trunc((cfg.schk_count * SIZEOF_DN_LINK) / 2);
  if ((x & DN_C_QUEUE) !== 0) need += cfg.queue_count * SIZEOF_DN_FLOW;
  if ((x & DN_C_FLOW) !== 0) need += cfg.si_count * SIZEOF_DN_FLOW;
  return need;
}

/** copy_link: the link in userland's units (ms, bytes of burst). */
function copy_link(a: copy_args, s: dn_schk): number {
  if (a.end - a.pos < SIZEOF_DN_LINK) return 1;
  const l = new dn_link();
  Object.assign(l.oid, s.link.oid);
  l.link_nr = s.link.link_nr;
  l.bandwidth = s.link.bandwidth;
  l.delay = Math.trunc((s.link.delay * 1000) / hz);
  l.burst = Math.floor(s.link.burst / (8 * hz));
  dn_link_enc(a.dv, a.pos, l);
  a.pos += SIZEOF_DN_LINK;
  return 0;
}

function copy_profile(a: copy_args, p: dn_profile | null): number {
  if (p === null) return 0;
  if (a.end - a.pos < PROFILE_LIST_LEN) return 1;
  const saved = p.oid.len;
  p.oid.len = PROFILE_LIST_LEN;
  dn_profile_enc(a.dv, a.pos, p, PROFILE_LIST_LEN);
  p.oid.len = saved;
  a.pos += PROFILE_LIST_LEN;
  return 0;
}

function copy_flow(a: copy_args, n: dn_queue["ni"], id: number): number {
  if (a.end - a.pos < SIZEOF_DN_FLOW) return 1;
  const oid = n.oid;
  const t = oid.type;
  const len = oid.len;
  const saved_id = oid.id;
  oid.type = DN_FLOW;
  oid.len = SIZEOF_DN_FLOW;
  oid.id = id;
  dn_flow_enc(a.dv, a.pos, n);
  oid.type = t;
  oid.len = len;
  oid.id = saved_id;
  a.pos += SIZEOF_DN_FLOW;
  return 0;
}

/** copy_q_cb and copy_si_cb: a queue's or an instance's dn_flow. */
function copy_flow_cb(o: dn_queue | dn_sch_inst, arg: unknown): number {
  const a = arg as copy_args;
  if (copy_flow(a, o.ni, flow_id_hash(o.ni.fid)) !== 0) return DNHT_SCAN_END;
  return 0;
}
const copy_q_cb: (q: dn_queue, arg: unknown) => number = copy_flow_cb;
const copy_si_cb: (si: dn_sch_inst, arg: unknown) => number = copy_flow_cb;

function copy_q(a: copy_args, fs: dn_fsk): void {
  if (fs.qht === null) return;
  if ((fs.fs.flags & DN_QHT_HASH) !== 0) dn_ht_scan(fs.qht as dn_ht<dn_queue, ipfw_flow_id>, copy_q_cb, a);
  else copy_q_cb(fs.qht as dn_queue, a);
}

/** How many queues (instances) a flowset (scheduler) holds: a hash table's
 *  entries, or the one object it keeps in place of a table. */
function ht_or_one_count<T>(hashed: boolean, ht: dn_ht<T, ipfw_flow_id> | T | null): number {
  return hashed ? dn_ht_entries(ht as dn_ht<T, ipfw_flow_id>) : ht !== null ? 1 : 0;
}

function copy_flowset(a: copy_args, fs: dn_fsk | null): number {
  if (fs === null) return 0;
  if (a.end - a.pos < SIZEOF_DN_FS) return DNHT_SCAN_END;
  const saved = fs.fs.oid.id;
  fs.fs.oid.id = ht_or_one_count((fs.fs.flags & DN_QHT_HASH) !== 0, fs.qht);
  dn_fs_enc(a.dv, a.pos, fs.fs);
  fs.fs.oid.id = saved;
  a.pos += SIZEOF_DN_FS;
  return 0;
}

function copy_sch(a: copy_args, s: dn_schk): number {
  if (a.end - a.pos < SIZEOF_DN_SCH) return 1;
  const saved = s.sch.oid.id;
  s.sch.oid.id = ht_or_one_count((s.sch.flags & DN_HAVE_MASK) !== 0, s.siht);
  dn_sch_enc(a.dv, a.pos, s.sch);
  s.sch.oid.id = saved;
  a.pos += SIZEOF_DN_SCH;
  return 0;
}

/** copy_fsk_list: a DN_TEXT object listing the user flowsets attached to s. */
function copy_fsk_list(a: copy_args, s: dn_schk): number {
  let n = 0;
  for (const fs of s.fsk_list) if (fs.fs.fs_nr < DN_MAX_ID) n++;
  const space = SIZEOF_DN_ID + 4 * n;
  if (a.end - a.pos < space) return DNHT_SCAN_END;
  dn_id_enc(a.dv, a.pos, { len: space, type: DN_TEXT, subtype: 0, id: 0 });
  let p = a.pos + SIZEOF_DN_ID;
  for (const fs of s.fsk_list) {
    if (fs.fs.fs_nr < DN_MAX_ID) {
      a.dv.setUint32(p, fs.fs.fs_nr, true);
      p += 4;
    }
  }
  a.pos += space;
  return 0;
}

function copy_si(a: copy_args, s: dn_schk): void {
  if ((s.sch.flags & DN_HAVE_MASK) !== 0) dn_ht_scan(s.siht as dn_ht<dn_sch_inst, ipfw_flow_id>, copy_si_cb, a);
  else if (s.siht !== null) copy_si_cb(s.siht as dn_sch_inst, a);
}

function in_ranges(a: copy_args, n: number): boolean {
  for (let k = 0; k + 1 < a.ranges.length; k += 2) if (n >= a.ranges[k] && n <= a.ranges[k + 1]) return true;
  return false;
}

function copy_data_helper_sch(s: dn_schk, arg: unknown): number {
  const a = arg as copy_args;
  const n = s.sch.sched_nr;
  if (a.type === DN_SCH && n >= DN_MAX_ID) return 0;
  if (a.type === DN_LINK && n <= DN_MAX_ID) return 0;
  if (!in_ranges(a, n)) return 0;
  if ((a.flags & DN_C_LINK) !== 0) {
    if (copy_link(a, s) !== 0) return DNHT_SCAN_END;
    if (copy_profile(a, s.profile) !== 0) return DNHT_SCAN_END;
    if (copy_flowset(a, s.fs) !== 0) return DNHT_SCAN_END;
  }
  if ((a.flags & DN_C_SCH) !== 0) {
    if (copy_sch(a, s) !== 0) return DNHT_SCAN_END;
    if (copy_fsk_list(a, s) !== 0) return DNHT_SCAN_END;
  }
  if ((a.flags & DN_C_FLOW) !== 0) copy_si(a, s);
  return 0;
}

function copy_data_helper_fs(fs: dn_fsk, arg: unknown): number {
  const a = arg as copy_args;
  const n = fs.fs.fs_nr;
  if (n >= DN_MAX_ID) return 0;
  if (!in_ranges(a, n)) return 0;
  if (copy_flowset(a, fs) !== 0) return DNHT_SCAN_END;
  copy_q(a, fs);
  return 0;
}

/**
 * dummynet_get: answer a DN_CMD_GET.  The request (a dn_id, maybe followed
 * by ranges of numbers) comes in the option buffer; if the caller's buffer
 * cannot hold the answer, only the header goes back, with id set to the
 * size needed (ipfw retries with that).
 */
export function dummynet_get(sopt: sockopt): number {
  const sopt_valsize = sopt.sopt_valsize;
  const { error, val } = sooptcopyin_bytes(sopt, 65535, SIZEOF_DN_ID);
  sopt.sopt_valsize = sopt_valsize;
  if (error !== 0) return error;
  const idv = new DataView(val.buffer, val.byteOffset, val.byteLength);
  const cmd = dn_id_dec(idv, 0);
  const l = cmd.len;
  if (cmd.subtype === DN_AQM_PARAMS || cmd.subtype === DN_SCH_PARAMS) return get_extra_parms(sopt, sopt_valsize, val, cmd);
  if (l > val.length) return EINVAL;
  const ranges: number[] = [];
  for (let off = SIZEOF_DN_ID; off + 8 <= l; off += 8) ranges.push(idv.getUint32(off, true), idv.getUint32(off + 4, true));
  if (l <= SIZEOF_DN_ID) {
    ranges.push(1, DN_MAX_ID - 1);
    if (cmd.subtype === DN_LINK) {
      ranges[0] += DN_MAX_ID;
      ranges[1] += DN_MAX_ID;
    }
  }
  const probe = new copy_args(new DataView(new ArrayBuffer(0)), 0);
  let need = compute_space(cmd.subtype, probe);
  if (l > SIZEOF_DN_ID) need = sopt_valsize - SIZEOF_DN_ID;
  if (need < 0) return EINVAL;
  need += SIZEOF_DN_ID;
  cmd.id = need;
  if (need > sopt_valsize) {
    const hdr = new Uint8Array(SIZEOF_DN_ID);
    dn_id_enc(new DataView(hdr.buffer), 0, cmd);
    return dn_sooptcopyout(sopt, hdr);
  }
  const out = new Uint8Array(need);
  const dv = new DataView(out.buffer);
  const a = new copy_args(dv, need);
  a.flags = probe.flags;
  a.type = cmd.subtype;
  a.ranges = ranges;
  dn_id_enc(dv, 0, { len: SIZEOF_DN_ID, type: cmd.type, subtype: cmd.subtype, id: need });
  a.pos = SIZEOF_DN_ID;
  const cfg = V_dn_cfg();
  if (a.type === DN_FS) dn_ht_scan(cfg.fshash, copy_data_helper_fs, a);
  else dn_ht_scan(cfg.schedhash, copy_data_helper_sch, a);
  return dn_sooptcopyout(sopt, out.subarray(0, a.pos));
}

/**
 * get_aqm_parms / get_sched_parms: the extra parameters of flowset or
 * scheduler nr, filled by its algorithm's getconfig; one without (or with
 * nothing to say) leaves the request as it came, and userland prints no
 * parameters.
 */
function get_extra_parms(sopt: sockopt, valsize: number, val: Uint8Array, cmd: dn_id): number {
  if (valsize < SIZEOF_DN_EXTRA_PARMS || val.length < SIZEOF_DN_EXTRA_PARMS) return EINVAL;
  if (cmd.len < SIZEOF_DN_EXTRA_PARMS) return EINVAL;
  const ep = dn_extra_parms_dec(new DataView(val.buffer, val.byteOffset, val.byteLength), 0);
  if (cmd.subtype === DN_AQM_PARAMS) {
    const fs = locate_flowset(ep.nr);
    if (fs === null) return EINVAL;
    if (fs.aqmfp === null || fs.aqmfp.getconfig === null) return 0;
    if (fs.aqmfp.getconfig(fs, ep) !== 0) return EINVAL;
  } else {
    const s = locate_scheduler(ep.nr);
    if (s === null) return EINVAL;
    if (s.fp === null || s.fp.getconfig === null) return 0;
    if (s.fp.getconfig(s, ep) !== 0) return EINVAL;
  }
  ep.oid.len = SIZEOF_DN_EXTRA_PARMS;
  const out = new Uint8Array(SIZEOF_DN_EXTRA_PARMS);
  dn_extra_parms_enc(new DataView(out.buffer), 0, ep);
  return dn_sooptcopyout(sopt, out);
}

/**
 * config_aqm: give flowset fs the AQM ep names, with its parameters.  No
 * parameters, or no name, leave it alone; a flowset whose scheduler has
 * instances is busy (EINVAL), as is an unknown AQM or a wrong subtype.
 */
function config_aqm(fs: dn_fsk, ep: dn_extra_parms | null, busy: boolean): number {
  if (ep === null || ep.name === "") return 0;
  if (ep.oid.len < SIZEOF_DN_EXTRA_PARMS) return EINVAL;
  if (busy) return EINVAL;
  if (fs.aqmcfg !== null && fs.aqmfp !== null && fs.aqmfp.deconfig !== null) aqm_cleanup_deconfig_fs(fs);
  fs.aqmfp = find_aqm_type(0, ep.name);
  if (fs.aqmfp === null) {
    fs.fs.flags &= ~DN_IS_AQM;
    return EINVAL;
  }
  fs.fs.flags |= DN_IS_AQM;
  if (ep.oid.subtype !== DN_AQM_PARAMS) return EINVAL;
  if (fs.aqmfp.config !== null) {
    const err = fs.aqmfp.config(fs, ep, ep.oid.len);
    if (err !== 0) {
      fs.fs.flags &= ~DN_IS_AQM;
      fs.aqmfp = null;
      return err;
    }
  }
  return 0;
}

/** sooptcopyout into the caller's buffer when it gave one (getsockopt's
 *  in/out buffer), cut to what fits, as copyout to user memory does. */
function dn_sooptcopyout(sopt: sockopt, b: Uint8Array): number {
  const v = sopt.sopt_val;
  if (v instanceof Uint8Array) {
    const n = Math.min(b.length, v.length, sopt.sopt_valsize);
    v.set(b.subarray(0, n));
    sopt.sopt_valsize = n;
    return 0;
  }
  return sooptcopyout_bytes(sopt, b);
}

// ---------------------------------------------------------------------------
// Draining idle instances and queues (a bucket per expire cycle).

function drain_scheduler_cb(si: dn_sch_inst, _arg: unknown): number {
  if ((si.kflags & DN_ACTIVE) !== 0 || si.dline.mq.head !== null) return 0;
  const s = si.sched as dn_schk;
  if (((s.fp as dn_alg).flags & DN_MULTIQUEUE) !== 0) {
    if (si.q_count === 0) return si_destroy(si, null);
    return 0;
  }
  if (si.q0 !== null && si.q0.ni.length === 0) return si_destroy(si, null);
  return 0;
}

function drain_scheduler_sch_cb(s: dn_schk, _arg: unknown): number {
  if ((s.sch.flags & DN_HAVE_MASK) !== 0) {
    dn_ht_scan_bucket(s.siht as dn_ht<dn_sch_inst, ipfw_flow_id>, s.drain_bucket, drain_scheduler_cb, null);
    s.drain_bucket.v++;
  } else if (s.siht !== null) {
    if (drain_scheduler_cb(s.siht as dn_sch_inst, null) === DNHT_SCAN_DEL) s.siht = null;
  }
  return 0;
}

export function dn_drain_scheduler(): void {
  const cfg = V_dn_cfg();
  dn_ht_scan_bucket(cfg.schedhash, cfg.drain_sch, drain_scheduler_sch_cb, null);
  cfg.drain_sch.v++;
}

function drain_queue_cb(q: dn_queue, _arg: unknown): number {
  if (q.ni.length === 0) {
    dn_delete_queue(q, DN_DESTROY);
    return DNHT_SCAN_DEL;
  }
  return 0;
}

function drain_queue_fs_cb(fs: dn_fsk, _arg: unknown): number {
  if ((fs.fs.flags & DN_QHT_HASH) !== 0) {
    dn_ht_scan_bucket(fs.qht as dn_ht<dn_queue, ipfw_flow_id>, fs.drain_bucket, drain_queue_cb, null);
    fs.drain_bucket.v++;
  } else if (fs.qht !== null) {
    if (drain_queue_cb(fs.qht as dn_queue, null) === DNHT_SCAN_DEL) fs.qht = null;
  }
  return 0;
}

export function dn_drain_queue(): void {
  const cfg = V_dn_cfg();
  dn_ht_scan_bucket(cfg.fshash, cfg.drain_fs, drain_queue_fs_cb, null);
  cfg.drain_fs.v++;
}

// ---------------------------------------------------------------------------
// The socket option.

/** The FreeBSD 7 options IP_DUMMYNET3 replaced (sys/netinet/in.h). */
const IP_DUMMYNET_CONFIGURE = 60;
const IP_DUMMYNET_DEL = 61;
const IP_DUMMYNET_FLUSH = 62;
const IP_DUMMYNET_GET = 64;

/** ip_dn_ctl (ip_dn_ctl_ptr): the raw socket's IP_DUMMYNET3 option. */
export function ip_dn_ctl(sopt: sockopt): number {
  if (sopt.sopt_td !== null) {
    const error = priv_check_cred(sopt.sopt_td.td_ucred, PRIV_NETINET_DUMMYNET);
    if (error !== 0) return error;
  }
  switch (sopt.sopt_name) {
    default:
      return EINVAL;
    case IP_DUMMYNET_FLUSH:
    case IP_DUMMYNET_CONFIGURE:
    case IP_DUMMYNET_DEL:
    case IP_DUMMYNET_GET:
      // The FreeBSD 7.2/8 structures are not spoken.
      return EINVAL;
    case IP_DUMMYNET3: {
      if (sopt.sopt_dir === SOPT_GET) return dummynet_get(sopt);
      if (sopt.sopt_dir !== SOPT_SET) return EINVAL;
      const l = sopt.sopt_valsize;
      if (l < SIZEOF_DN_ID || l > 12000) return 0;
      const { error, val } = sooptcopyin_bytes(sopt, l, l);
      if (error !== 0) return error;
      return do_config(val);
    }
  }
}

// ---------------------------------------------------------------------------
// Per-vnet setup, sysctls, module.

/** ip_dn_init: this vnet's dummynet (defaults, tables, event heap, callout). */
function ip_dn_init(): void {
  if (VNET_PTR(VNET_dn_cfg) !== null) return;
  const cfg = new dn_parms();
  cfg.init_done = 1;
  cfg.slot_limit = 100;
  cfg.byte_limit = 1024 * 1024;
  cfg.expire = 1;
  cfg.red_lookup_depth = 256;
  cfg.red_avg_pkt_size = 512;
  cfg.red_max_pkt_size = 1500;
  cfg.max_hash_size = 65536;
  cfg.hash_size = 64;
  cfg.schedhash = dn_ht_init<dn_schk, number>(cfg.hash_size, schk_hash, schk_match, schk_new);
  cfg.fshash = dn_ht_init<dn_fsk, number>(cfg.hash_size, fsk_hash, fsk_match, fsk_new);
  cfg.drain_fs.v = 0;
  cfg.drain_sch.v = 0;
  heap_init(cfg.evheap, 16, true);
  callout_init(cfg.dn_timeout, true);
  VNET_PTR_SET(VNET_dn_cfg, cfg);
}

/** ip_dn_destroy: flush everything, stop the callout, forget the vnet's state. */
function ip_dn_destroy(): void {
  const cfg = VNET_PTR(VNET_dn_cfg);
  if (cfg === null) return;
  cfg.dn_gone = 1;
  dummynet_flush();
  callout_stop(cfg.dn_timeout);
  cfg.timer_armed = 0;
  dn_ht_free(cfg.schedhash, 0);
  dn_ht_free(cfg.fshash, 0);
  heap_free(cfg.evheap);
  VNET_PTR_SET(VNET_dn_cfg, null);
}

/** Whether dummynet.ko is loaded (its VNET_SYSINIT then runs in new vnets). */
let dn_loaded = false;

function vnet_dn_init(): void {
  if (dn_loaded) ip_dn_init();
}
function vnet_dn_uninit(): void {
  ip_dn_destroy();
}
const DN_SI_SUB = SI_SUB_PROTO_FIREWALL;
const DN_MODEV_ORD = SI_ORDER_ANY - 128;
VNET_SYSINIT("vnet_dn_init", DN_SI_SUB, DN_MODEV_ORD + 2, vnet_dn_init);
VNET_SYSUNINIT("vnet_dn_uninit", DN_SI_SUB, DN_MODEV_ORD + 2, vnet_dn_uninit);

// net.inet.ip.dummynet: registered while the module is loaded.  Each
// reads and writes the calling vnet's dn_parms.
type dn_knob = "hash_size" | "io_fast" | "debug" | "red_lookup_depth" | "red_avg_pkt_size" | "red_max_pkt_size" | "tick_delta" | "tick_delta_sum" | "tick_adjustment" | "tick_diff" | "tick_lost" | "expire" | "expire_cycle" | "schk_count" | "si_count" | "fsk_count" | "queue_count" | "io_pkt" | "io_pkt_fast" | "io_pkt_drop" | "slot_limit" | "byte_limit";

function dn_knob_handler(check: ((v: number) => boolean) | null): sysctl_handler_t {
  return (_oidp, arg1, _arg2, req) => {
    const cfg = VNET_PTR(VNET_dn_cfg);
    const k = arg1 as dn_knob;
    const cur = cfg === null ? 0 : cfg[k];
    const error = SYSCTL_OUT(req, cur);
    if (error !== 0 || req.newval === null) return error;
    if (check === null) return EPERM;
    const v = req.newval;
    if (typeof v !== "number" || !Number.isInteger(v)) return EINVAL;
    if (!check(v)) return EINVAL;
    if (cfg !== null) cfg[k] = v;
    return 0;
  };
}

let dn_sysctl_node: sysctl_oid | null = null;

function dn_sysctl_attach(): void {
  if (dn_sysctl_node !== null) return;
  const n = SYSCTL_NODE(_net_inet_ip, OID_AUTO, "dummynet", CTLFLAG_RW, null, "Dummynet");
  dn_sysctl_node = n;
  const rw = CTLFLAG_RW;
  const rd = CTLFLAG_RD;
  const any = (v: number): boolean => v >= -0x80000000 && v <= 0xffffffff;
  SYSCTL_PROC(n, OID_AUTO, "hash_size", CTLTYPE_INT | rw, "hash_size", 0, dn_knob_handler((v) => v >= 16 && v <= 65536), "I", "Default hash table size");
  SYSCTL_PROC(n, OID_AUTO, "pipe_slot_limit", CTLTYPE_LONG | rw, "slot_limit", 1, dn_knob_handler((v) => v >= 1), "L", "Upper limit in slots for pipe queue.");
  SYSCTL_PROC(n, OID_AUTO, "pipe_byte_limit", CTLTYPE_LONG | rw, "byte_limit", 0, dn_knob_handler((v) => v >= 1500), "L", "Upper limit in bytes for pipe queue.");
  SYSCTL_PROC(n, OID_AUTO, "io_fast", CTLTYPE_INT | rw, "io_fast", 0, dn_knob_handler(any), "I", "Enable fast dummynet io.");
  SYSCTL_PROC(n, OID_AUTO, "debug", CTLTYPE_INT | rw, "debug", 0, dn_knob_handler(any), "I", "Dummynet debug level");
  SYSCTL_PROC(n, OID_AUTO, "red_lookup_depth", CTLTYPE_INT | rd, "red_lookup_depth", 0, dn_knob_handler(null), "I", "Depth of RED lookup table");
  SYSCTL_PROC(n, OID_AUTO, "red_avg_pkt_size", CTLTYPE_INT | rd, "red_avg_pkt_size", 0, dn_knob_handler(null), "I", "RED Medium packet size");
  SYSCTL_PROC(n, OID_AUTO, "red_max_pkt_size", CTLTYPE_INT | rd, "red_max_pkt_size", 0, dn_knob_handler(null), "I", "RED Max packet size");
  SYSCTL_PROC(n, OID_AUTO, "tick_delta", CTLTYPE_LONG | rd, "tick_delta", 0, dn_knob_handler(null), "L", "Last vs standard tick difference (usec).");
  SYSCTL_PROC(n, OID_AUTO, "tick_delta_sum", CTLTYPE_LONG | rd, "tick_delta_sum", 0, dn_knob_handler(null), "L", "Accumulated tick difference (usec).");
  SYSCTL_PROC(n, OID_AUTO, "tick_adjustment", CTLTYPE_LONG | rd, "tick_adjustment", 0, dn_knob_handler(null), "L", "Tick adjustments done.");
  SYSCTL_PROC(n, OID_AUTO, "tick_diff", CTLTYPE_LONG | rd, "tick_diff", 0, dn_knob_handler(null), "L", "Adjusted vs non-adjusted curr_time difference (ticks).");
  SYSCTL_PROC(n, OID_AUTO, "tick_lost", CTLTYPE_LONG | rd, "tick_lost", 0, dn_knob_handler(null), "L", "Number of ticks coalesced by dummynet taskqueue.");
  SYSCTL_PROC(n, OID_AUTO, "expire", CTLTYPE_UINT | rw, "expire", 0, dn_knob_handler((v) => v >= 0 && v <= 0xffffffff), "IU", "Expire empty queues/pipes");
  SYSCTL_PROC(n, OID_AUTO, "expire_cycle", CTLTYPE_UINT | rd, "expire_cycle", 0, dn_knob_handler(null), "IU", "Expire cycle for queues/pipes");
  SYSCTL_PROC(n, OID_AUTO, "schk_count", CTLTYPE_INT | rd, "schk_count", 0, dn_knob_handler(null), "I", "Number of schedulers");
  SYSCTL_PROC(n, OID_AUTO, "si_count", CTLTYPE_INT | rd, "si_count", 0, dn_knob_handler(null), "I", "Number of scheduler instances");
  SYSCTL_PROC(n, OID_AUTO, "fsk_count", CTLTYPE_INT | rd, "fsk_count", 0, dn_knob_handler(null), "I", "Number of flowsets");
  SYSCTL_PROC(n, OID_AUTO, "queue_count", CTLTYPE_INT | rd, "queue_count", 0, dn_knob_handler(null), "I", "Number of queues");
  SYSCTL_PROC(n, OID_AUTO, "io_pkt", CTLTYPE_ULONG | rd, "io_pkt", 0, dn_knob_handler(null), "LU", "Number of packets passed to dummynet.");
  SYSCTL_PROC(n, OID_AUTO, "io_pkt_fast", CTLTYPE_ULONG | rd, "io_pkt_fast", 0, dn_knob_handler(null), "LU", "Number of packets bypassed dummynet scheduler.");
  SYSCTL_PROC(n, OID_AUTO, "io_pkt_drop", CTLTYPE_ULONG | rd, "io_pkt_drop", 0, dn_knob_handler(null), "LU", "Number of packets dropped by dummynet.");
  codel_sysctl_attach(n);
  pie_sysctl_attach(n);
  fqcodel_sysctl_attach(n);
  fqpie_sysctl_attach(n);
}

function dn_sysctl_detach(): void {
  if (dn_sysctl_node === null) return;
  sysctl_unregister_oid(dn_sysctl_node);
  dn_sysctl_node = null;
}

/** dummynet_modevent. */
function dummynet_modevent(_mod: module, type: number, _data: unknown): number {
  if (type === MOD_LOAD) {
    if (ip_dn_io_ptr !== null) {
      printf("DUMMYNET already loaded\n");
      return EEXIST;
    }
    dn_loaded = true;
    dn_sysctl_attach();
    VNET_FOREACH((v) => {
      const saved = CURVNET_SET(v, "dummynet_modevent");
      ip_dn_init();
      CURVNET_RESTORE(saved);
    });
    set_ip_dn_ctl_ptr(ip_dn_ctl);
    set_ip_dn_io_ptr(dummynet_io);
    return 0;
  }
  if (type === MOD_UNLOAD) {
    set_ip_dn_ctl_ptr(null);
    set_ip_dn_io_ptr(null);
    VNET_FOREACH((v) => {
      const saved = CURVNET_SET(v, "dummynet_modevent");
      ip_dn_destroy();
      CURVNET_RESTORE(saved);
    });
    dn_loaded = false;
    dn_sysctl_detach();
    return 0;
  }
  return EOPNOTSUPP;
}

/** The loaded AQM algorithms (dn_cfg.aqmlist). */
const aqmlist: dn_aqm[] = [];

/** find_aqm_type: by type, or by name in any case. */
function find_aqm_type(type: number, name: string): dn_aqm | null {
  for (const d of aqmlist) if (d.type === type || (name !== "" && d.name.toLowerCase() === name.toLowerCase())) return d;
  return null;
}

/** load_dn_aqm: an AQM module registers its algorithm. */
function load_dn_aqm(d: dn_aqm): number {
  for (const a of aqmlist) if (a.name === d.name) return 1;
  aqmlist.unshift(d);
  return 0;
}

function unload_dn_aqm(d: dn_aqm): number {
  const i = aqmlist.findIndex((a) => a.name === d.name);
  if (i < 0) return EINVAL;
  if (aqmlist[i].ref_count !== 0 || aqmlist[i].cfg_ref_count !== 0) return EBUSY;
  aqmlist.splice(i, 1);
  return 0;
}

/** dn_aqm_modevent (DECLARE_DNAQM_MODULE). */
function dn_aqm_modevent(_mod: module, cmd: number, arg: unknown): number {
  const d = arg as dn_aqm;
  if (cmd === MOD_LOAD) return load_dn_aqm(d);
  if (cmd === MOD_UNLOAD) return unload_dn_aqm(d);
  return EOPNOTSUPP;
}

/** load_dn_sched: a scheduler module registers its algorithm. */
function load_dn_sched(d: dn_alg): number {
  for (const s of schedlist) if (s.name === d.name) return 1;
  schedlist.unshift(d);
  return 0;
}

function unload_dn_sched(d: dn_alg): number {
  const i = schedlist.findIndex((r) => r.name === d.name);
  if (i < 0) return EINVAL;
  if (schedlist[i].ref_count !== 0) return EBUSY;
  schedlist.splice(i, 1);
  return 0;
}

/** dn_sched_modevent (DECLARE_DNSCHED_MODULE). */
function dn_sched_modevent(_mod: module, cmd: number, arg: unknown): number {
  const d = arg as dn_alg;
  if (cmd === MOD_LOAD) return load_dn_sched(d);
  if (cmd === MOD_UNLOAD) return unload_dn_sched(d);
  return EINVAL;
}

DECLARE_MODULE({ name: "dummynet", evhand: dummynet_modevent, priv: null }, DN_SI_SUB, DN_MODEV_ORD, "dummynet.ko");
MODULE_VERSION("dummynet", 3, "dummynet.ko");
// DECLARE_DNSCHED_MODULE: the schedulers, at SI_SUB_PROTO_FIREWALL,
// SI_ORDER_ANY (after dummynet itself).
DECLARE_MODULE({ name: "dn_fifo", evhand: dn_sched_modevent, priv: fifo_desc }, DN_SI_SUB, SI_ORDER_ANY, "dummynet.ko");
DECLARE_MODULE({ name: "dn_wf2qp", evhand: dn_sched_modevent, priv: wf2qp_desc }, DN_SI_SUB, SI_ORDER_ANY, "dummynet.ko");
DECLARE_MODULE({ name: "dn_rr", evhand: dn_sched_modevent, priv: rr_desc }, DN_SI_SUB, SI_ORDER_ANY, "dummynet.ko");

DECLARE_MODULE({ name: "dn_qfq", evhand: dn_sched_modevent, priv: qfq_desc }, DN_SI_SUB, SI_ORDER_ANY, "dummynet.ko");
DECLARE_MODULE({ name: "dn_prio", evhand: dn_sched_modevent, priv: prio_desc }, DN_SI_SUB, SI_ORDER_ANY, "dummynet.ko");
// DECLARE_DNAQM_MODULE: the AQMs, at SI_SUB_PROTO_IFATTACHDOMAIN in
// FreeBSD; here beside the schedulers, after dummynet itself.
DECLARE_MODULE({ name: "dn_aqm_codel", evhand: dn_aqm_modevent, priv: codel_desc }, DN_SI_SUB, SI_ORDER_ANY, "dummynet.ko");
DECLARE_MODULE({ name: "dn_aqm_pie", evhand: dn_aqm_modevent, priv: pie_desc }, DN_SI_SUB, SI_ORDER_ANY, "dummynet.ko");
DECLARE_MODULE({ name: "dn_fq_codel", evhand: dn_sched_modevent, priv: fq_codel_desc }, DN_SI_SUB, SI_ORDER_ANY, "dummynet.ko");
DECLARE_MODULE({ name: "dn_fq_pie", evhand: dn_sched_modevent, priv: fq_pie_desc }, DN_SI_SUB, SI_ORDER_ANY, "dummynet.ko");
