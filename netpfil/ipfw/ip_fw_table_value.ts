// sys/netpfil/ipfw/ip_fw_table_value.c: the values of ipfw lookup tables.
//
// A table entry does not hold its value: it holds the index of a value in
// one array shared by all tables of the chain (ch.valuestate).  Equal values
// share a slot, counted by refcnt; a rule's "tablearg" is such an index,
// and the action reads the field it needs from the slot (TARG_VAL).  Slot 0
// is never handed out.  The array doubles when full.

import { EINVAL, ENOMEM, ENOSPC } from "../../kern/errno.ts";
import * as fw from "../../netinet/ip_fw.ts";
import * as priv from "./ip_fw_private.ts";
import type { ip_fw3_opheader, ip_fw_chain, sockopt_data, ipfw_sopt_handler, table_value_field } from "./ip_fw_private.ts";
import { ipfw_add_sopt_handler, ipfw_del_sopt_handler, ipfw_get_sopt_header, ipfw_get_sopt_space } from "./ip_fw_sockopt.ts";
import { TEI_FLAGS_ADDED, type tables_config, type tentry_info } from "./ip_fw_table.ts";

/**
 * struct table_value (ip_fw_private.h): a value in the kernel's shared array.
 * The first 56 bytes identify it; refcnt counts the entries using it.
 */
export class table_value {
  tag = 0;
  pipe = 0;
  divert = 0;
  skipto = 0;
  netgraph = 0;
  fib = 0;
  nat = 0;
  nh4 = 0;
  dscp = 0;
  spare0 = 0;
  spare1 = 0;
  readonly nh6 = new Uint8Array(16);
  limit = 0;
  zoneid = 0;
  mark = 0;
  refcnt = 0;
}

/** TARG_VAL(ch, k, f): field f of value k, for ipfw_chk's tablearg. */
export function ipfw_targ_val(ch: ip_fw_chain, k: number, f: table_value_field): number {
  const vs = ch.valuestate as table_value[] | null;
  const v = vs === null ? undefined : vs[k];
  if (v === undefined) return 0;
  return v[f];
}

/** Start size of the shared value array (VALDATA_START_SIZE). */
const VALDATA_START_SIZE = 64;

/** The part of struct table_value that identifies a value (its first 56 bytes). */
function value_key(v: table_value): string {
  let s = `${v.tag},${v.pipe},${v.divert},${v.skipto},${v.netgraph},${v.fib},${v.nat},${v.nh4},${v.dscp},${v.limit},${v.zoneid},${v.mark}`;
  for (let i = 0; i < 16; i++) s += `,${v.nh6[i]}`;
  return s;
}

/** The value index of the chain (CHAIN_TO_VI): key -> slot, and the free slots. */
export class table_values {
  /** value_key -> index into ch.valuestate. */
  readonly byval = new Map<string, number>();
  /** Index allocation bitmap over valuestate (true = in use); slot 0 reserved. */
  used: boolean[] = [];
  count = 0;
}

function VS(ch: ip_fw_chain): table_value[] {
  return ch.valuestate as table_value[];
}

export function CHAIN_TO_VI(ch: ip_fw_chain): table_values {
  return (ch.tblcfg as tables_config).valhash as table_values;
}

function copy_value(dst: table_value, src: table_value): void {
  dst.tag = src.tag;
  dst.pipe = src.pipe;
  dst.divert = src.divert;
  dst.skipto = src.skipto;
  dst.netgraph = src.netgraph;
  dst.fib = src.fib;
  dst.nat = src.nat;
  dst.nh4 = src.nh4;
  dst.dscp = src.dscp;
  dst.spare0 = src.spare0;
  dst.spare1 = src.spare1;
  dst.nh6.set(src.nh6);
  dst.limit = src.limit;
  dst.zoneid = src.zoneid;
  dst.mark = src.mark;
}

/** mask_table_value: keep only the fields the table's value mask names. */
export function mask_table_value(src: table_value, dst: table_value, mask: number): void {
  const z = new table_value();
  copy_value(dst, z);
  dst.refcnt = 0;
  if ((mask & fw.IPFW_VTYPE_TAG) !== 0) dst.tag = src.tag;
  if ((mask & fw.IPFW_VTYPE_PIPE) !== 0) dst.pipe = src.pipe;
  if ((mask & fw.IPFW_VTYPE_DIVERT) !== 0) dst.divert = src.divert;
  if ((mask & fw.IPFW_VTYPE_SKIPTO) !== 0) dst.skipto = src.skipto;
  if ((mask & fw.IPFW_VTYPE_NETGRAPH) !== 0) dst.netgraph = src.netgraph;
  if ((mask & fw.IPFW_VTYPE_FIB) !== 0) dst.fib = src.fib;
  if ((mask & fw.IPFW_VTYPE_NAT) !== 0) dst.nat = src.nat;
  if ((mask & fw.IPFW_VTYPE_DSCP) !== 0) dst.dscp = src.dscp;
  if ((mask & fw.IPFW_VTYPE_NH4) !== 0) dst.nh4 = src.nh4;
  if ((mask & fw.IPFW_VTYPE_NH6) !== 0) {
    dst.nh6.set(src.nh6);
    dst.zoneid = src.zoneid;
  }
  if ((mask & fw.IPFW_VTYPE_LIMIT) !== 0) dst.limit = src.limit;
  if ((mask & fw.IPFW_VTYPE_MARK) !== 0) dst.mark = src.mark;
}

/** Grow the shared array (resize_shared_value_storage). */
function resize_shared_value_storage(ch: ip_fw_chain): number {
  const tcfg = ch.tblcfg as tables_config;
  const val_size = tcfg.val_size * 2;
  if (val_size === 1 << 30) return ENOSPC;
  const vs = VS(ch);
  for (let i = vs.length; i < val_size; i++) vs.push(new table_value());
  const vi = CHAIN_TO_VI(ch);
  for (let i = vi.used.length; i < val_size; i++) vi.used.push(false);
  tcfg.val_size = val_size;
  return 0;
}

function alloc_table_vidx(ch: ip_fw_chain, vi: table_values): number {
  for (;;) {
    for (let i = 1; i < vi.used.length; i++) {
      if (!vi.used[i]) {
        vi.used[i] = true;
        return i;
      }
    }
    if (resize_shared_value_storage(ch) !== 0) return -1;
  }
}

/** unref_table_value: drop one reference, freeing the slot on the last. */
export function unref_table_value(ch: ip_fw_chain, kidx: number): void {
  const pval = VS(ch)[kidx];
  if (pval === undefined || pval.refcnt <= 0) throw new Error(`ipfw: refcount is 0 on value kidx ${kidx}`);
  if (--pval.refcnt > 0) return;
  const vi = CHAIN_TO_VI(ch);
  vi.byval.delete(value_key(pval));
  vi.used[kidx] = false;
  vi.count--;
}

/**
 * ipfw_link_table_values: give each entry about to be added (tei.value =
 * 0 on entry) the index of its value, masked by the table's vmask: an
 * existing slot with one more reference, or a new one.
 */
export function ipfw_link_table_values(ch: ip_fw_chain, tei: readonly tentry_info[], vmask: number, vlimit: number): number {
  const vi = CHAIN_TO_VI(ch);
  const tval = new table_value();
  for (const ptei of tei) {
    ptei.value = 0;
    mask_table_value(ptei.pvalue, tval, vmask);
    const key = value_key(tval);
    const found = vi.byval.get(key);
    if (found !== undefined && (vlimit === 0 || found < vlimit)) {
      VS(ch)[found].refcnt++;
      ptei.value = found;
      continue;
    }
    const vidx = alloc_table_vidx(ch, vi);
    if (vidx < 0) return ENOSPC;
    if (vlimit !== 0 && vidx >= vlimit) {
      vi.used[vidx] = false;
      return ENOSPC;
    }
    const pval = VS(ch)[vidx];
    copy_value(pval, tval);
    pval.refcnt = 1;
    vi.byval.set(key, vidx);
    vi.count++;
    ptei.value = vidx;
  }
  return 0;
}

/**
 * ipfw_garbage_table_values: after an add or delete, drop the references
 * the entries' values no longer need (everything but what was added, or
 * everything on rollback).
 */
export function ipfw_garbage_table_values(ch: ip_fw_chain, tei: readonly tentry_info[], rollback: boolean): void {
  for (const ptei of tei) {
    if (ptei.value === 0) continue;
    if ((ptei.flags & TEI_FLAGS_ADDED) !== 0 && !rollback) {
      ptei.value = 0;
      continue;
    }
    unref_table_value(ch, ptei.value);
    ptei.value = 0;
  }
}

/** ipfw_import_table_value_legacy: one 32-bit value fills every field. */
export function ipfw_import_table_value_legacy(value: number, v: table_value): void {
  copy_value(v, new table_value());
  v.tag = value >>> 0;
  v.pipe = value >>> 0;
  v.divert = value & 0xffff;
  v.skipto = value & 0xffff;
  v.netgraph = value >>> 0;
  v.fib = value >>> 0;
  v.nat = value >>> 0;
  v.nh4 = value >>> 0;
  v.dscp = value & 0xff;
  v.limit = value >>> 0;
  v.mark = value >>> 0;
}

/** ipfw_export_table_value_legacy. */
export function ipfw_export_table_value_legacy(v: table_value): number {
  return v.tag;
}

/** ipfw_table_value (ip_fw.h, 64 bytes) from the wire at off. */
export function ipfw_import_table_value_v1(dv: DataView, off: number, v: table_value): void {
  v.tag = dv.getUint32(off + 0, true);
  v.pipe = dv.getUint32(off + 4, true);
  v.divert = dv.getUint16(off + 8, true);
  v.skipto = dv.getUint16(off + 10, true);
  v.netgraph = dv.getUint32(off + 12, true);
  v.fib = dv.getUint32(off + 16, true);
  v.nat = dv.getUint32(off + 20, true);
  v.nh4 = dv.getUint32(off + 24, true);
  v.dscp = dv.getUint8(off + 28);
  v.spare0 = 0;
  v.spare1 = 0;
  for (let i = 0; i < 16; i++) v.nh6[i] = dv.getUint8(off + 32 + i);
  v.limit = dv.getUint32(off + 48, true);
  v.zoneid = dv.getUint32(off + 52, true);
  v.mark = dv.getUint32(off + fw.tvalue_mark, true);
}

/** ipfw_table_value to the wire at off (spare1 carries the slot index for
 *  IP_FW_TABLE_VLIST, pass -1 to leave it 0). */
export function ipfw_export_table_value_v1(v: table_value, dv: DataView, off: number, kidx = -1): void {
  new Uint8Array(dv.buffer, dv.byteOffset + off, fw.SZ_ipfw_table_value).fill(0);
  dv.setUint32(off + 0, v.tag >>> 0, true);
  dv.setUint32(off + 4, v.pipe >>> 0, true);
  dv.setUint16(off + 8, v.divert & 0xffff, true);
  dv.setUint16(off + 10, v.skipto & 0xffff, true);
  dv.setUint32(off + 12, v.netgraph >>> 0, true);
  dv.setUint32(off + 16, v.fib >>> 0, true);
  dv.setUint32(off + 20, v.nat >>> 0, true);
  dv.setUint32(off + 24, v.nh4 >>> 0, true);
  dv.setUint8(off + 28, v.dscp & 0xff);
  if (kidx >= 0) dv.setUint16(off + 30, kidx, true);
  for (let i = 0; i < 16; i++) dv.setUint8(off + 32 + i, v.nh6[i]);
  dv.setUint32(off + 48, v.limit >>> 0, true);
  dv.setUint32(off + 52, v.zoneid >>> 0, true);
  dv.setUint32(off + fw.tvalue_mark, v.mark >>> 0, true);
}

/**
 * IP_FW_TABLE_VLIST: every value in use.
 * Request: [ ipfw_obj_lheader ], size = ipfw_obj_lheader.size
 * Reply: [ ipfw_obj_lheader ipfw_table_value x N ]
 */
function list_table_values(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  const olh = ipfw_get_sopt_header(sd, fw.SZ_ipfw_obj_lheader);
  if (olh < 0) return EINVAL;
  const dv = sd.kdv;
  if (sd.valsize < dv.getUint32(olh + 16, true)) return EINVAL;
  const vi = CHAIN_TO_VI(ch);
  const count = vi.count;
  const size = count * fw.SZ_ipfw_table_value + fw.SZ_ipfw_obj_lheader;
  dv.setUint32(olh + 12, count, true);
  dv.setUint32(olh + 20, fw.SZ_ipfw_table_value, true);
  if (size > dv.getUint32(olh + 16, true)) {
    dv.setUint32(olh + 16, size, true);
    return ENOMEM;
  }
  dv.setUint32(olh + 16, size, true);
  for (let i = 1; i < vi.used.length; i++) {
    if (!vi.used[i]) continue;
    const o = ipfw_get_sopt_space(sd, fw.SZ_ipfw_table_value);
    if (o < 0) return ENOMEM;
    const pv = VS(ch)[i];
    ipfw_export_table_value_v1(pv, dv, o, i);
    // dump_tvalue also hands out how many entries use the slot (refcnt, a
    // 64-bit field after mark's padding).
    dv.setBigUint64(o + 64, BigInt(pv.refcnt), true);
  }
  return 0;
}

const scodes: ipfw_sopt_handler[] = [{ opcode: fw.IP_FW_TABLE_VLIST, version: 0, dir: priv.HDIR_GET, handler: list_table_values, refcnt: 0 }];

/** ipfw_table_value_init: the chain's shared value array and index. */
export function ipfw_table_value_init(ch: ip_fw_chain, first: boolean): void {
  const tcfg = ch.tblcfg as tables_config;
  tcfg.val_size = VALDATA_START_SIZE;
  const vi = new table_values();
  const vs: table_value[] = [];
  ch.valuestate = vs;
  for (let i = 0; i < VALDATA_START_SIZE; i++) {
    vs.push(new table_value());
    vi.used.push(false);
  }
  vi.used[0] = true;
  tcfg.valhash = vi;
  if (first) ipfw_add_sopt_handler(scodes);
}

export function ipfw_table_value_destroy(ch: ip_fw_chain, last: boolean): void {
  if (last) ipfw_del_sopt_handler(scodes);
  ch.valuestate = [];
  const tcfg = ch.tblcfg as tables_config;
  tcfg.valhash = null;
}
