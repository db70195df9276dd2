// sys/netpfil/ipfw/ip_fw_table.c, ip_fw_table.h: ipfw lookup tables.
//
// A table is a named object of the chain (net.inet.ip.fw.tables_max of them,
// kernel index "kidx" from 1) with a type (addr, iface, number, flow, mac),
// an algorithm holding its entries, a value mask and an optional entry
// limit.  Rules name tables in their TLVs and carry the kidx in their
// opcodes (O_IP_SRC_LOOKUP, O_IP_DST_LOOKUP, O_IP_FLOW_LOOKUP,
// O_MAC_SRC_LOOKUP, O_MAC_DST_LOOKUP, recv/xmit/via table(...)); ipfw_chk asks ipfw_lookup_table, which answers the index of
// the matching entry's value (the tablearg).  Userland manages tables with
// the IP_FW3 sockopts below, in FreeBSD's ABI: ipfw_obj_header carrying an
// ipfw_obj_ntlv name, ipfw_xtable_info, ipfw_obj_ctlv of ipfw_obj_tentry.
//
// Departures: no locks, so no operation state list, restarts or rollback
// hooks between lock drops; an add is prepared, linked to its values and
// applied in one go.  Entries of an atomic (IPFW_CTF_ATOMIC) batch are
// rolled back as FreeBSD does.  Destroying an addr:kfib table drops no
// value reference for its routes (their value index is 0, which no entry
// holds); FreeBSD calls unref_table_value on slot 0 there, see
// ipfw_unref_table_values.

import { EACCES, EBUSY, EEXIST, EFBIG, EINVAL, ENOENT, ENOMEM, EOPNOTSUPP, ESRCH } from "../../kern/errno.ts";
import { printf } from "../../kern/subr_prf.ts";
import { ifnet_byindex } from "../../net/if.ts";
import * as fw from "../../netinet/ip_fw.ts";
import type { ipfw_flow_id } from "../../netinet/ip_fw.ts";
import * as priv from "./ip_fw_private.ts";
import type { ip_fw3_opheader, ip_fw_chain, named_object, namedobj_instance, opcode_obj_rewrite, sockopt_data, tid_info } from "./ip_fw_private.ts";
import {
  ipfw_add_obj_rewriter,
  ipfw_add_sopt_handler,
  ipfw_check_object_name_generic,
  ipfw_del_obj_rewriter,
  ipfw_del_sopt_handler,
  ipfw_find_name_tlv_type,
  ipfw_get_sopt_header,
  ipfw_get_sopt_space,
  ipfw_objhash_add,
  ipfw_objhash_alloc_idx,
  ipfw_objhash_create,
  ipfw_objhash_del,
  ipfw_objhash_foreach,
  ipfw_objhash_free_idx,
  ipfw_objhash_bitmap_alloc,
  ipfw_objhash_bitmap_merge,
  ipfw_objhash_bitmap_swap,
  ipfw_objhash_lookup_name,
  ipfw_obj_manage_sets,
} from "./ip_fw_sockopt.ts";
import { VNET_I32_SET } from "../../net/vnet.ts";
import { ipfw_iface_ref, ipfw_iface_unref, vnet_ipfw_iface_destroy } from "./ip_fw_iface.ts";
import { AF_INET, AF_INET6, ipfw_table_algos } from "./ip_fw_table_algo.ts";
import {
  ipfw_export_table_value_legacy,
  ipfw_export_table_value_v1,
  ipfw_garbage_table_values,
  ipfw_import_table_value_legacy,
  ipfw_import_table_value_v1,
  ipfw_link_table_values,
  ipfw_table_value_destroy,
  ipfw_table_value_init,
  unref_table_value,
  ipfw_targ_val,
  table_value,
  type table_values,
} from "./ip_fw_table_value.ts";

/** FreeBSD's ENOTSUP is EOPNOTSUPP. */
const ENOTSUP = EOPNOTSUPP;

// ---------------------------------------------------------------------------
// ip_fw_table.h

export const TEI_FLAGS_UPDATE = 0x0001; // Add or update rec if exists
export const TEI_FLAGS_UPDATED = 0x0002; // Entry has been updated
export const TEI_FLAGS_COMPAT = 0x0004; // Called from old ABI
export const TEI_FLAGS_DONTADD = 0x0008; // Do not create new rec
export const TEI_FLAGS_ADDED = 0x0010; // Entry was added
export const TEI_FLAGS_DELETED = 0x0020; // Entry was deleted
export const TEI_FLAGS_LIMIT = 0x0040; // Limit was hit
export const TEI_FLAGS_ERROR = 0x0080; // Unknown request error
export const TEI_FLAGS_NOTFOUND = 0x0100; // Entry was not found
export const TEI_FLAGS_EXISTS = 0x0200; // Entry already exists

export const TA_FLAG_DEFAULT = 0x01; // Algo is default for given type
export const TA_FLAG_READONLY = 0x02; // Algo does not support modifications
export const TA_FLAG_EXTCOUNTER = 0x04; // Algo has external counter available

const IF_NAMESIZE = 16;
/** ipfw_table_xentry.flags: an IPv4 record. */
const IPFW_TCF_INET = 0x01;

/** struct tflow_entry, unpacked. */
export class tflow_entry {
  af = 0;
  proto = 0;
  sport = 0;
  dport = 0;
  /** in_addr (first 4 bytes) or in6_addr, network order. */
  readonly sip = new Uint8Array(16);
  readonly dip = new Uint8Array(16);
}

/**
 * struct tentry_info: one entry being added, deleted, looked up or dumped.
 * FreeBSD points paddr at the key in the request; here the key is unpacked
 * by type (key4: IPv4 address in host order or a number; key6; iface;
 * flow).  value is a value index.
 */
export class tentry_info {
  subtype = 0;
  masklen = 0;
  flags = 0;
  value = 0;
  key4 = 0;
  readonly key6 = new Uint8Array(16);
  iface = "";
  /** An Ethernet address (IPFW_TABLE_MAC), network order. */
  readonly mac = new Uint8Array(6);
  readonly flow = new tflow_entry();
  /** The value the entry should get (ipfw_table_value imported). */
  readonly pvalue = new table_value();
}

/**
 * struct table_info: what the packet path needs of a table.  lookup answers
 * the value index of the entry matching the key, or -1.
 */
export class table_info {
  lookup: ta_lookup_f | null = null;
  state: ta_state | null = null;
  /** The table's type (no.subtype), so the packet path knows its key. */
  type = 0;
  data = 0;
  flags = 0;
}

/** The lookup key: keylen 4 with key (an IPv4 address in host order, or a
 *  number), keylen 16 with key6, an interface name, or a flow id. */
export type ta_lookup_f = (ti: table_info, keylen: number, key: number, key6: Uint8Array | null, name: string | null, fid: ipfw_flow_id | null) => number;

/** An algorithm's private state (struct radix_cfg, numarray_cfg, ...). */
export interface ta_state {}

/** struct _ipfw_ta_tinfo. */
export class ipfw_ta_tinfo {
  flags = 0;
  taclass4 = 0;
  itemsize4 = 0;
  size4 = 0;
  count4 = 0;
  taclass6 = 0;
  itemsize6 = 0;
  size6 = 0;
  count6 = 0;
}

/** struct table_algo: the callbacks an algorithm provides. */
export interface table_algo {
  name: string;
  type: number;
  flags: number;
  vlimit: number;
  /** The algorithm's state, or an errno when data (the algorithm string
   *  the table was created with) does not parse. */
  init(ti: table_info, tflags: number, data: string | null): ta_state | number;
  destroy(st: ta_state, ti: table_info): void;
  prepare_add(tei: tentry_info): number;
  prepare_del(tei: tentry_info): number;
  add(st: ta_state, tei: tentry_info, pnum: { v: number }): number;
  del(st: ta_state, tei: tentry_info, pnum: { v: number }): number;
  /** f returns non-zero to stop. */
  foreach(st: ta_state, f: (e: unknown) => number): void;
  dump_tentry(st: ta_state, e: unknown, tent: tentry_info): void;
  find_tentry(st: ta_state, ti: table_info, tent: tentry_info): number;
  dump_tinfo(st: ta_state, tinfo: ipfw_ta_tinfo): void;
  count(st: ta_state): number;
  /** The algorithm string that would make this state again (the table
   *  info's algoname, and what a flush starts over from). */
  print_config?(st: ta_state, ti: table_info): string;
  refcnt: number;
  idx: number;
}

/** struct table_config. */
export class table_config {
  readonly no: named_object;
  tflags = 0;
  locked = 0;
  linked = 0;
  vshared = 1;
  count = 0;
  limit = 0;
  vmask = 0;
  tablename: string;
  ta: table_algo;
  astate: ta_state;
  ti_copy = new table_info();
  /** What ta.init answered when it refused the algorithm string. */
  init_error = 0;
  constructor(name: string, set: number, ta: table_algo, tflags: number, aname: string | null) {
    this.no = new priv.named_object();
    this.no.name = name;
    this.no.subtype = ta.type;
    this.no.set = set;
    this.tablename = name;
    this.tflags = tflags;
    this.ta = ta;
    const st = ta.init(this.ti_copy, tflags, aname);
    if (typeof st === "number") {
      this.init_error = st;
      this.astate = {};
    } else {
      this.astate = st;
    }
  }
}

/** struct tables_config. */
export class tables_config {
  namehash: namedobj_instance;
  algo: table_algo[] = [];
  def_algo: (table_algo | null)[] = new Array<table_algo | null>(fw.IPFW_TABLE_MAXTYPE + 1).fill(null);
  val_size = 0;
  valhash: table_values | null = null;
  /** table_config by kidx (the named objects of namehash are their .no). */
  readonly tcs = new Map<number, table_config>();
  constructor(n: number) {
    this.namehash = ipfw_objhash_create(n);
  }
}

function CHAIN_TO_TCFG(ch: ip_fw_chain): tables_config {
  return ch.tblcfg as tables_config;
}

function TABLESTATE(ch: ip_fw_chain): table_info[] {
  return ch.tablestate as table_info[];
}

function VALUESTATE(ch: ip_fw_chain): table_value[] {
  return ch.valuestate as table_value[];
}

function KIDX_TO_TI(ch: ip_fw_chain, k: number): table_info {
  return TABLESTATE(ch)[k];
}

// ---------------------------------------------------------------------------
// Per-vnet tunables: net.inet.ip.fw.tables_max and tables_sets.

/** IPFW_TABLES_MAX: the hard limit on tables_max. */
export const IPFW_TABLES_MAX = 65535;
/** IPFW_TABLES_DEFAULT. */
export const IPFW_TABLES_DEFAULT = 128;

// ---------------------------------------------------------------------------
// The entry codecs: ipfw_obj_tentry (ip_fw.h, 120 bytes).

const TENT_K = 16;
const TENT_V = 56;

/** Read the key of an ipfw_obj_tentry at off for a table of `type`. */
export function ipfw_obj_tentry_decode(dv: DataView, off: number, type: number, tei: tentry_info): void {
  tei.subtype = dv.getUint8(off + 8);
  tei.masklen = dv.getUint8(off + 9);
  const k = off + TENT_K;
  tei.key4 = 0;
  tei.key6.fill(0);
  tei.iface = "";
  tei.mac.fill(0);
  switch (type) {
    case fw.IPFW_TABLE_ADDR:
      if (tei.subtype === AF_INET) tei.key4 = dv.getUint32(k);
      else for (let i = 0; i < 16; i++) tei.key6[i] = dv.getUint8(k + i);
      break;
    case fw.IPFW_TABLE_MAC:
      for (let i = 0; i < 6; i++) tei.mac[i] = dv.getUint8(k + i);
      break;
    case fw.IPFW_TABLE_NUMBER:
      tei.key4 = dv.getUint32(k, true);
      break;
    case fw.IPFW_TABLE_INTERFACE: {
      let s = "";
      for (let i = 0; i < IF_NAMESIZE; i++) {
        const c = dv.getUint8(k + i);
        if (c === 0) break;
        s += String.fromCharCode(c);
      }
      tei.iface = s;
      break;
    }
    case fw.IPFW_TABLE_FLOW: {
      const f = tei.flow;
      f.af = dv.getUint8(k);
      f.proto = dv.getUint8(k + 1);
      f.sport = dv.getUint16(k + 4, true);
      f.dport = dv.getUint16(k + 6, true);
      f.sip.fill(0);
      f.dip.fill(0);
      if (f.af === AF_INET6) {
        for (let i = 0; i < 16; i++) {
          f.sip[i] = dv.getUint8(k + 8 + i);
          f.dip[i] = dv.getUint8(k + 24 + i);
        }
      } else {
        for (let i = 0; i < 4; i++) {
          f.sip[i] = dv.getUint8(k + 8 + i);
          f.dip[i] = dv.getUint8(k + 12 + i);
        }
      }
      break;
    }
  }
}

/** Write the key of tent (a dumped entry of a table of `type`) at off. */
export function ipfw_obj_tentry_encode_key(dv: DataView, off: number, type: number, tent: tentry_info): void {
  dv.setUint8(off + 8, tent.subtype);
  dv.setUint8(off + 9, tent.masklen);
  const k = off + TENT_K;
  new Uint8Array(dv.buffer, dv.byteOffset + k, TENT_V - TENT_K).fill(0);
  switch (type) {
    case fw.IPFW_TABLE_ADDR:
      if (tent.subtype === AF_INET) dv.setUint32(k, tent.key4 >>> 0);
      else for (let i = 0; i < 16; i++) dv.setUint8(k + i, tent.key6[i]);
      break;
    case fw.IPFW_TABLE_MAC:
      for (let i = 0; i < 6; i++) dv.setUint8(k + i, tent.mac[i]);
      break;
    case fw.IPFW_TABLE_NUMBER:
      dv.setUint32(k, tent.key4 >>> 0, true);
      break;
    case fw.IPFW_TABLE_INTERFACE:
      for (let i = 0; i < tent.iface.length && i < IF_NAMESIZE - 1; i++) dv.setUint8(k + i, tent.iface.charCodeAt(i) & 0xff);
      break;
    case fw.IPFW_TABLE_FLOW: {
      const f = tent.flow;
      dv.setUint8(k, f.af);
      dv.setUint8(k + 1, f.proto);
      dv.setUint16(k + 4, f.sport, true);
      dv.setUint16(k + 6, f.dport, true);
      if (f.af === AF_INET6) {
        for (let i = 0; i < 16; i++) {
          dv.setUint8(k + 8 + i, f.sip[i]);
          dv.setUint8(k + 24 + i, f.dip[i]);
        }
      } else {
        for (let i = 0; i < 4; i++) {
          dv.setUint8(k + 8 + i, f.sip[i]);
          dv.setUint8(k + 12 + i, f.dip[i]);
        }
      }
      break;
    }
  }
}

// ---------------------------------------------------------------------------
// Finding tables.

/** The ntlv of a tid_info (offset in ti.tlvs), or -1. */
function tid_ntlv(ti: tid_info): number {
  if (ti.tlvs === null) return -1;
  return ipfw_find_name_tlv_type(ti.tlvs, ti.tlvs_off, ti.tlen, ti.uidx, fw.IPFW_TLV_TBL_NAME);
}

/** The name a tid_info designates: from its TLVs, or the legacy number. */
function tid_name(ti: tid_info): string | null {
  if (ti.tlvs === null) return `${ti.uidx}`;
  const ntlv = tid_ntlv(ti);
  return ntlv < 0 ? null : fw.cstr_read(ti.tlvs, ntlv + fw.ntlv_name, fw.NTLV_NAME_LEN);
}

function find_table_err(ch: ip_fw_chain, ti: tid_info, tc: { v: table_config | null }): number {
  const name = tid_name(ti);
  if (name === null) return EINVAL;
  // Tables are looked up in the set of the request only when per-set
  // tables are enabled (net.inet.ip.fw.tables_sets).
  const set = ti.tlvs !== null && priv.V_fw_tables_sets() !== 0 ? ti.set : 0;
  const no = ipfw_objhash_lookup_name(CHAIN_TO_TCFG(ch).namehash, set, name);
  tc.v = no === null ? null : (CHAIN_TO_TCFG(ch).tcs.get(no.kidx) ?? null);
  return 0;
}

function find_table(ch: ip_fw_chain, ti: tid_info): table_config | null {
  const r = { v: null as table_config | null };
  if (find_table_err(ch, ti, r) !== 0) return null;
  return r.v;
}

function find_table_algo(tcfg: tables_config, ti: tid_info, name: string | null): table_algo | null {
  if (ti.type > fw.IPFW_TABLE_MAXTYPE) return null;
  if (ti.atype !== 0) {
    if (ti.atype > tcfg.algo.length) return null;
    return tcfg.algo[ti.atype - 1];
  }
  if (name === null) return tcfg.def_algo[ti.type] ?? null;
  for (const ta of tcfg.algo) {
    // Only the first word counts: "addr:radix hsize=32" names addr:radix.
    const l = ta.name.length;
    if (!name.startsWith(ta.name)) continue;
    if (name.length > l && name[l] !== " ") continue;
    if (ti.type !== 0 && ti.type !== ta.type) return null;
    return ta;
  }
  return null;
}

function alloc_table_config(ch: ip_fw_chain, ti: tid_info, ta: table_algo, aname: string | null, tflags: number): table_config | null {
  let name: string | null;
  let set = 0;
  if (ti.tlvs !== null) {
    const ntlv = tid_ntlv(ti);
    if (ntlv < 0) return null;
    name = fw.cstr_read(ti.tlvs, ntlv + fw.ntlv_name, fw.NTLV_NAME_LEN);
    set = priv.V_fw_tables_sets() === 0 ? 0 : ti.tlvs[ntlv + fw.ntlv_set];
  } else {
    name = `${ti.uidx}`;
  }
  void ch;
  const tc = new table_config(name, set, ta, tflags, aname);
  return tc.init_error !== 0 ? null : tc;
}

function link_table(ch: ip_fw_chain, tc: table_config): void {
  const tcfg = CHAIN_TO_TCFG(ch);
  ipfw_objhash_add(tcfg.namehash, tc.no);
  tcfg.tcs.set(tc.no.kidx, tc);
  const ti = KIDX_TO_TI(ch, tc.no.kidx);
  ti.lookup = tc.ti_copy.lookup;
  ti.state = tc.ti_copy.state;
  ti.data = tc.ti_copy.data;
  ti.flags = tc.ti_copy.flags;
  ti.type = tc.no.subtype;
  tc.linked = 1;
  tc.ta.refcnt++;
}

function unlink_table(ch: ip_fw_chain, tc: table_config): void {
  const tcfg = CHAIN_TO_TCFG(ch);
  ipfw_objhash_del(tcfg.namehash, tc.no);
  tcfg.tcs.delete(tc.no.kidx);
  const ti = KIDX_TO_TI(ch, tc.no.kidx);
  ti.lookup = null;
  ti.state = null;
  ti.data = 0;
  ti.flags = 0;
  tc.linked = 0;
  tc.ta.refcnt--;
}

function free_table_config(tc: table_config): void {
  tc.ta.destroy(tc.astate, tc.ti_copy);
}

/** create_table_internal: make the table ti names; with compat, an
 *  existing table of the same type is fine and gets a reference. */
function create_table_internal(ch: ip_fw_chain, ti: tid_info, aname: string | null, vmask: number, limit: number, flags: number, tflags: number, pkidx: { v: number } | null, compat: boolean): number {
  const tcfg = CHAIN_TO_TCFG(ch);
  const ta = find_table_algo(tcfg, ti, aname);
  if (ta === null) return ENOTSUP;
  const tc = alloc_table_config(ch, ti, ta, aname, tflags);
  if (tc === null) return ENOMEM;
  tc.vmask = vmask >>> 0;
  tc.limit = limit >>> 0;
  tc.locked = (ta.flags & TA_FLAG_READONLY) !== 0 ? 1 : (flags & fw.IPFW_TGFLAGS_LOCKED) !== 0 ? 1 : 0;
  let tcx = tc;
  const existing = find_table(ch, ti);
  if (existing !== null) {
    if (!compat || existing.no.subtype !== tc.no.subtype) {
      free_table_config(tc);
      return EEXIST;
    }
    free_table_config(tc);
    tcx = existing;
  } else {
    const out = { idx: 0 };
    if (ipfw_objhash_alloc_idx(tcfg.namehash, out) !== 0) {
      printf("Unable to allocate table index. Consider increasing net.inet.ip.fw.tables_max");
      free_table_config(tc);
      return EBUSY;
    }
    tc.no.kidx = out.idx;
    tc.no.etlv = fw.IPFW_TLV_TBL_NAME;
    link_table(ch, tc);
  }
  if (compat) tcx.no.refcnt++;
  if (pkidx !== null) pkidx.v = tcx.no.kidx;
  return 0;
}

/** create_table_compat: auto-creation for rules naming a missing table. */
function create_table_compat(ch: ip_fw_chain, ti: tid_info, pkidx: { v: number }): number {
  return create_table_internal(ch, ti, null, fw.IPFW_VTYPE_LEGACY, 0, 0, 0, pkidx, true);
}

// ---------------------------------------------------------------------------
// Adding and deleting entries.

function check_table_limit(tc: table_config, tei: tentry_info): number {
  if (tc.limit === 0 || tc.count < tc.limit) return 0;
  if ((tei.flags & TEI_FLAGS_UPDATE) === 0) {
    tei.flags |= TEI_FLAGS_LIMIT;
    return EFBIG;
  }
  // An update of an existing entry is fine at the limit; a new one is not.
  tei.flags |= TEI_FLAGS_DONTADD;
  return 0;
}

const OP_ADD = 1;
const OP_DEL = 0;

function store_tei_result(tei: tentry_info, op: number, error: number, num: number): void {
  let flag = 0;
  switch (error) {
    case 0:
      if (op === OP_ADD && num !== 0) flag = TEI_FLAGS_ADDED;
      if (op === OP_DEL) flag = TEI_FLAGS_DELETED;
      break;
    case ENOENT:
      flag = TEI_FLAGS_NOTFOUND;
      break;
    case EEXIST:
      flag = TEI_FLAGS_EXISTS;
      break;
    default:
      flag = TEI_FLAGS_ERROR;
  }
  tei.flags |= flag;
}

function find_ref_table(ch: ip_fw_chain, ti: tid_info, tei: tentry_info, count: number, op: number, ptc: { v: table_config | null }): number {
  const tc = find_table(ch, ti);
  if (tc !== null) {
    if (tc.no.subtype !== ti.type) return EINVAL;
    if (tc.locked !== 0) return EACCES;
    if (op === OP_ADD && count === 1 && check_table_limit(tc, tei) !== 0) return EFBIG;
    ptc.v = tc;
    return 0;
  }
  if (op === OP_DEL) return ESRCH;
  if ((tei.flags & TEI_FLAGS_COMPAT) === 0) return ESRCH;
  const pk = { v: 0 };
  const error = create_table_compat(ch, ti, pk);
  if (error !== 0) return error;
  const ntc = CHAIN_TO_TCFG(ch).tcs.get(pk.v) ?? null;
  if (ntc === null) return ESRCH;
  // create_table_compat referenced it for us; drop that, as the caller
  // holds no reference across the call here.
  ntc.no.refcnt--;
  ptc.v = ntc;
  return 0;
}

/** add_table_entry: add (or update, with TEI_FLAGS_UPDATE) the entries. */
export function add_table_entry(ch: ip_fw_chain, ti: tid_info, tei: tentry_info[], flags: number): number {
  const count = tei.length;
  const ptc = { v: null as table_config | null };
  let error = find_ref_table(ch, ti, tei[0], count, OP_ADD, ptc);
  if (error !== 0) return error;
  const tc = ptc.v as table_config;
  const ta = tc.ta;
  for (const ptei of tei) {
    error = ta.prepare_add(ptei);
    if (error !== 0) return error;
  }
  error = ipfw_link_table_values(ch, tei, tc.vmask, ta.vlimit);
  if (error !== 0) {
    ipfw_garbage_table_values(ch, tei, true);
    return error;
  }
  let first_error = 0;
  let rollback = false;
  const num = { v: 0 };
  for (let i = 0; i < count; i++) {
    const ptei = tei[i];
    num.v = 0;
    error = check_table_limit(tc, ptei);
    if (error === 0) {
      error = ta.add(tc.astate, ptei, num);
      store_tei_result(ptei, OP_ADD, error, num.v);
    }
    if (error === 0) {
      tc.count += num.v;
      continue;
    }
    if (first_error === 0) first_error = error;
    if ((flags & fw.IPFW_CTF_ATOMIC) === 0) continue;
    rollback_added_entries(tc, tei, i);
    rollback = true;
    break;
  }
  ipfw_garbage_table_values(ch, tei, rollback);
  // Interface tables track the names their entries use (ip_fw_iface.ts).
  if (tc.no.subtype === fw.IPFW_TABLE_INTERFACE && !rollback) {
    for (const ptei of tei) if ((ptei.flags & TEI_FLAGS_ADDED) !== 0) ipfw_iface_ref(ch, ptei.iface);
  }
  return first_error;
}

/** Undo the first `added` entries of an atomic add that failed. */
function rollback_added_entries(tc: table_config, tei: tentry_info[], added: number): void {
  const num = { v: 0 };
  for (let i = 0; i < added; i++) {
    const ptei = tei[i];
    if ((ptei.flags & TEI_FLAGS_UPDATED) !== 0) {
      // ptei.value now holds the value the update replaced: put it back.
      tc.ta.add(tc.astate, ptei, num);
      continue;
    }
    const saved = ptei.value;
    tc.ta.del(tc.astate, ptei, num);
    ptei.value = saved;
    tc.count -= num.v;
  }
}

/** del_table_entry. */
export function del_table_entry(ch: ip_fw_chain, ti: tid_info, tei: tentry_info[], _flags: number): number {
  const ptc = { v: null as table_config | null };
  let error = find_ref_table(ch, ti, tei[0], tei.length, OP_DEL, ptc);
  if (error !== 0) return error;
  const tc = ptc.v as table_config;
  const ta = tc.ta;
  for (const ptei of tei) {
    error = ta.prepare_del(ptei);
    if (error !== 0) return error;
  }
  let first_error = 0;
  const num = { v: 0 };
  for (const ptei of tei) {
    num.v = 0;
    ptei.value = 0;
    error = ta.del(tc.astate, ptei, num);
    store_tei_result(ptei, OP_DEL, error, num.v);
    if (error !== 0 && first_error === 0) first_error = error;
    tc.count -= num.v;
  }
  ipfw_garbage_table_values(ch, tei, false);
  if (tc.no.subtype === fw.IPFW_TABLE_INTERFACE) {
    for (const ptei of tei) if ((ptei.flags & TEI_FLAGS_DELETED) !== 0) ipfw_iface_unref(ch, ptei.iface);
  }
  return first_error;
}

// ---------------------------------------------------------------------------
// The sockopt handlers.

function ntlv_to_ti(b: Uint8Array, ntlv: number, ti: tid_info): void {
  const dv = fw.dv_of(b);
  ti.set = dv.getUint8(ntlv + 10);
  ti.uidx = dv.getUint16(ntlv + 8, true);
  ti.type = 0;
  ti.atype = 0;
  ti.tlvs = b;
  ti.tlvs_off = ntlv;
  ti.tlen = dv.getUint32(ntlv + 4, true);
}

/** ipfw_obj_header: the ntlv is at 16. */
function objheader_to_ti(b: Uint8Array, oh: number, ti: tid_info): void {
  ntlv_to_ti(b, oh + 16, ti);
}

function ntlv_name(dv: DataView, ntlv: number): string | null {
  let s = "";
  for (let i = 0; i < 64; i++) {
    const c = dv.getUint8(ntlv + 16 + i);
    if (c === 0) return s;
    s += String.fromCharCode(c);
  }
  return null;
}

function check_table_name(name: string | null): number {
  if (name === null) return EINVAL;
  return name.length === 0 || name.length >= fw.NTLV_NAME_LEN ? EINVAL : 0;
}

/**
 * IP_FW_TABLE_XCREATE.
 * Request: [ ipfw_obj_header ipfw_xtable_info ]
 */
function create_table(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize !== fw.SZ_ipfw_obj_header + fw.SZ_ipfw_xtable_info) return EINVAL;
  const dv = sd.kdv;
  const oh = 0;
  const i = oh + fw.SZ_ipfw_obj_header;
  const tname = ntlv_name(dv, oh + 16);
  const aname = cstr(dv, i + 104, 64);
  if (check_table_name(tname) !== 0 || aname === null) return EINVAL;
  const ti = new priv.tid_info();
  objheader_to_ti(sd.kbuf, oh, ti);
  ti.type = dv.getUint8(i + 0);
  if (find_table(ch, ti) !== null) return EEXIST;
  return create_table_internal(ch, ti, aname === "" ? null : aname, dv.getUint32(i + 12, true), dv.getUint32(i + 36, true), dv.getUint16(i + 4, true), dv.getUint8(i + 1), null, false);
}

function cstr(dv: DataView, off: number, n: number): string | null {
  let s = "";
  for (let i = 0; i < n; i++) {
    const c = dv.getUint8(off + i);
    if (c === 0) return s;
    s += String.fromCharCode(c);
  }
  return null;
}

/** IP_FW_TABLE_XMODIFY: change limit and lock state. */
function modify_table(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize !== fw.SZ_ipfw_obj_header + fw.SZ_ipfw_xtable_info) return EINVAL;
  const dv = sd.kdv;
  const i = fw.SZ_ipfw_obj_header;
  if (check_table_name(ntlv_name(dv, 16)) !== 0) return EINVAL;
  const ti = new priv.tid_info();
  objheader_to_ti(sd.kbuf, 0, ti);
  ti.type = dv.getUint8(i);
  const tc = find_table(ch, ti);
  if (tc === null) return ESRCH;
  if ((tc.ta.flags & TA_FLAG_READONLY) !== 0) return EACCES;
  const mflags = dv.getUint16(i + 2, true);
  if ((mflags & fw.IPFW_TMFLAGS_LIMIT) !== 0) tc.limit = dv.getUint32(i + 36, true);
  if ((mflags & fw.IPFW_TMFLAGS_LOCK) !== 0) tc.locked = (dv.getUint16(i + 4, true) & fw.IPFW_TGFLAGS_LOCKED) !== 0 ? 1 : 0;
  return 0;
}

/** IP_FW_TABLE_XDESTROY / IP_FW_TABLE_XFLUSH.  Request: [ ipfw_obj_header ] */
function flush_table_v0(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize !== fw.SZ_ipfw_obj_header) return EINVAL;
  const dv = sd.kdv;
  const ti = new priv.tid_info();
  objheader_to_ti(sd.kbuf, 0, ti);
  if (op3.opcode === fw.IP_FW_TABLE_XDESTROY) return destroy_table(ch, ti);
  if (op3.opcode === fw.IP_FW_TABLE_XFLUSH) return flush_table(ch, ti);
  return ENOTSUP;
}

/** flush_table: the table keeps its name, algorithm and references and
 *  loses its entries. */
export function flush_table(ch: ip_fw_chain, ti: tid_info): number {
  const tc = find_table(ch, ti);
  if (tc === null) return ESRCH;
  const ta = tc.ta;
  if ((ta.flags & TA_FLAG_READONLY) !== 0) return EACCES;
  const ti_new = new table_info();
  const pstate = ta.print_config !== undefined ? ta.print_config(tc.astate, KIDX_TO_TI(ch, tc.no.kidx)) : null;
  const astate_new = ta.init(ti_new, tc.tflags, pstate);
  if (typeof astate_new === "number") return astate_new;
  const astate_old = tc.astate;
  const ti_old = tc.ti_copy;
  ipfw_unref_table_values(ch, tc, ta, astate_old);
  tc.astate = astate_new;
  tc.ti_copy = ti_new;
  tc.count = 0;
  const kti = KIDX_TO_TI(ch, tc.no.kidx);
  kti.lookup = ti_new.lookup;
  kti.state = ti_new.state;
  kti.data = ti_new.data;
  kti.flags = ti_new.flags;
  ta.destroy(astate_old, ti_old);
  return 0;
}

/** ipfw_unref_table_values: drop the value references of all entries
 *  (unref_table_value_cb for each: a cleared entry, dumped, its value
 *  unreferenced).  An entry dumped with value index 0 holds no reference:
 *  slot 0 is never handed out, and the only entries that have it are a
 *  read-only algorithm's (addr:kfib's routes, ta_dump_kfib_tentry_int).
 *  FreeBSD unrefs slot 0 for them anyway (a KASSERT panic under
 *  INVARIANTS, a silent wrap of the unused slot's counter otherwise);
 *  ours skips it, as ipfw_garbage_table_values does, so no value changes. */
function ipfw_unref_table_values(ch: ip_fw_chain, tc: table_config, ta: table_algo, astate: ta_state): void {
  ta.foreach(astate, (e) => {
    const tent = new tentry_info();
    ta.dump_tentry(astate, e, tent);
    if (tent.value !== 0) unref_table_value(ch, tent.value);
    if (tc.no.subtype === fw.IPFW_TABLE_INTERFACE) ipfw_iface_unref(ch, tent.iface);
    return 0;
  });
}

/** IP_FW_TABLE_XSWAP.  Request: [ ipfw_obj_header ipfw_obj_ntlv ] */
function swap_table(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize !== fw.SZ_ipfw_obj_header + fw.SZ_ipfw_obj_ntlv) return EINVAL;
  const dv = sd.kdv;
  const a = new priv.tid_info();
  const b = new priv.tid_info();
  ntlv_to_ti(sd.kbuf, 16, a);
  ntlv_to_ti(sd.kbuf, fw.SZ_ipfw_obj_header, b);
  return swap_tables(ch, a, b);
}

function swap_tables(ch: ip_fw_chain, a: tid_info, b: tid_info): number {
  const tc_a = find_table(ch, a);
  if (tc_a === null) return ESRCH;
  const tc_b = find_table(ch, b);
  if (tc_b === null) return ESRCH;
  if (tc_a === tc_b) return 0;
  if (tc_a.no.subtype !== tc_b.no.subtype || tc_a.tflags !== tc_b.tflags) return EINVAL;
  if ((tc_a.limit !== 0 && tc_b.count > tc_a.limit) || (tc_b.limit !== 0 && tc_a.count > tc_b.limit)) return EFBIG;
  if (((tc_a.ta.flags | tc_b.ta.flags) & TA_FLAG_READONLY) !== 0) return EACCES;
  const ta = tc_a.ta;
  const astate = tc_a.astate;
  const ticopy = tc_a.ti_copy;
  const count = tc_a.count;
  tc_a.ta = tc_b.ta;
  tc_a.astate = tc_b.astate;
  tc_a.ti_copy = tc_b.ti_copy;
  tc_a.count = tc_b.count;
  tc_b.ta = ta;
  tc_b.astate = astate;
  tc_b.ti_copy = ticopy;
  tc_b.count = count;
  for (const tc of [tc_a, tc_b]) {
    const kti = KIDX_TO_TI(ch, tc.no.kidx);
    kti.lookup = tc.ti_copy.lookup;
    kti.state = tc.ti_copy.state;
    kti.data = tc.ti_copy.data;
    kti.flags = tc.ti_copy.flags;
  }
  return 0;
}

/** destroy_table: only tables no rule references can go. */
function destroy_table(ch: ip_fw_chain, ti: tid_info): number {
  const tc = find_table(ch, ti);
  if (tc === null) return ESRCH;
  if (tc.no.refcnt > 0) return EBUSY;
  unlink_table(ch, tc);
  if (ipfw_objhash_free_idx(CHAIN_TO_TCFG(ch).namehash, tc.no.kidx) !== 0) printf(`Error unlinking kidx ${tc.no.kidx} from table ${tc.tablename}\n`);
  ipfw_unref_table_values(ch, tc, tc.ta, tc.astate);
  free_table_config(tc);
  return 0;
}

/** The number of entries: the table's counter, or for a read-only
 *  algorithm (addr:kfib) what a walk of its entries finds. */
function table_get_count(tc: table_config): number {
  if ((tc.ta.flags & TA_FLAG_READONLY) === 0) return tc.count;
  let cnt = 0;
  tc.ta.foreach(tc.astate, () => {
    cnt++;
    return 0;
  });
  return cnt;
}

/** export_table_info: ipfw_xtable_info (200 bytes) at off. */
function export_table_info(tc: table_config, dv: DataView, i: number): void {
  dv.setUint8(i + 0, tc.no.subtype);
  dv.setUint8(i + 1, tc.tflags);
  const flags = dv.getUint16(i + 4, true) | (tc.locked !== 0 ? fw.IPFW_TGFLAGS_LOCKED : 0);
  dv.setUint16(i + 4, flags, true);
  dv.setUint32(i + 12, tc.vmask >>> 0, true);
  dv.setUint32(i + 16, tc.no.set, true);
  dv.setUint32(i + 20, tc.no.kidx, true);
  dv.setUint32(i + 24, tc.no.refcnt, true);
  const count = table_get_count(tc);
  dv.setUint32(i + 28, count, true);
  dv.setUint32(i + 32, count * fw.SZ_ipfw_obj_tentry + fw.SZ_ipfw_obj_header + fw.SZ_ipfw_xtable_info, true);
  dv.setUint32(i + 36, tc.limit >>> 0, true);
  putstr(dv, i + 40, 64, tc.tablename);
  putstr(dv, i + 104, 64, tc.ta.print_config !== undefined ? tc.ta.print_config(tc.astate, tc.ti_copy) : tc.ta.name);
  const tinfo = new ipfw_ta_tinfo();
  tc.ta.dump_tinfo(tc.astate, tinfo);
  const t = i + 168;
  dv.setUint32(t + 0, tinfo.flags | fw.IPFW_TATFLAGS_DATA, true);
  dv.setUint8(t + 8, tinfo.taclass4);
  dv.setUint16(t + 10, tinfo.itemsize4, true);
  dv.setUint32(t + 12, tinfo.size4, true);
  dv.setUint32(t + 16, tinfo.count4, true);
  dv.setUint8(t + 20, tinfo.taclass6);
  dv.setUint16(t + 22, tinfo.itemsize6, true);
  dv.setUint32(t + 24, tinfo.size6, true);
  dv.setUint32(t + 28, tinfo.count6, true);
}

function putstr(dv: DataView, off: number, n: number, s: string): void {
  new Uint8Array(dv.buffer, dv.byteOffset + off, n).fill(0);
  for (let i = 0; i < s.length && i < n - 1; i++) dv.setUint8(off + i, s.charCodeAt(i) & 0xff);
}

/**
 * IP_FW_TABLES_XLIST: every table.
 * Request: [ ipfw_obj_lheader ], size = ipfw_obj_lheader.size
 * Reply: [ ipfw_obj_lheader ipfw_xtable_info x N ]
 */
function list_tables(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  const olh = ipfw_get_sopt_header(sd, fw.SZ_ipfw_obj_lheader);
  if (olh < 0) return EINVAL;
  const dv = sd.kdv;
  if (sd.valsize < dv.getUint32(olh + 16, true)) return EINVAL;
  const tcfg = CHAIN_TO_TCFG(ch);
  const count = tcfg.tcs.size;
  const size = count * fw.SZ_ipfw_xtable_info + fw.SZ_ipfw_obj_lheader;
  dv.setUint32(olh + 12, count, true);
  dv.setUint32(olh + 20, fw.SZ_ipfw_xtable_info, true);
  if (size > dv.getUint32(olh + 16, true)) {
    dv.setUint32(olh + 16, size, true);
    return ENOMEM;
  }
  dv.setUint32(olh + 16, size, true);
  for (const tc of tables_in_hash_order(tcfg)) {
    const i = ipfw_get_sopt_space(sd, fw.SZ_ipfw_xtable_info);
    if (i < 0) return ENOMEM;
    export_table_info(tc, dv, i);
  }
  return 0;
}

/** Tables in the order ipfw_objhash_foreach visits their named objects. */
function tables_in_hash_order(tcfg: tables_config): table_config[] {
  const out: table_config[] = [];
  ipfw_objhash_foreach(
    tcfg.namehash,
    (_ni, no) => {
      const tc = tcfg.tcs.get(no.kidx);
      if (tc !== undefined && tc.no === no) out.push(tc);
      return 0;
    },
    null,
  );
  return out;
}

/**
 * IP_FW_TABLE_XINFO.
 * Request: [ ipfw_obj_header ipfw_xtable_info(empty) ]
 * Reply: [ ipfw_obj_header ipfw_xtable_info ]
 */
function describe_table(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  const oh = ipfw_get_sopt_header(sd, fw.SZ_ipfw_obj_header + fw.SZ_ipfw_xtable_info);
  if (oh < 0) return EINVAL;
  const dv = sd.kdv;
  const ti = new priv.tid_info();
  objheader_to_ti(sd.kbuf, oh, ti);
  const tc = find_table(ch, ti);
  if (tc === null) return ESRCH;
  export_table_info(tc, dv, oh + fw.SZ_ipfw_obj_header);
  return 0;
}

/**
 * IP_FW_TABLE_XLIST version 1: a table's info and entries.
 * Request: [ ipfw_obj_header ], size = ipfw_xtable_info.size
 * Reply: [ ipfw_obj_header ipfw_xtable_info ipfw_obj_tentry x N ]
 */
function dump_table_v1(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  const oh = ipfw_get_sopt_header(sd, fw.SZ_ipfw_obj_header + fw.SZ_ipfw_xtable_info);
  if (oh < 0) return EINVAL;
  const dv = sd.kdv;
  const i = oh + fw.SZ_ipfw_obj_header;
  const ti = new priv.tid_info();
  objheader_to_ti(sd.kbuf, oh, ti);
  const tc = find_table(ch, ti);
  if (tc === null) return ESRCH;
  export_table_info(tc, dv, i);
  if (sd.valsize < dv.getUint32(i + 32, true)) return ENOMEM;
  const uidx = ti.uidx;
  const tent = new tentry_info();
  let error = 0;
  tc.ta.foreach(tc.astate, (e) => {
    const o = ipfw_get_sopt_space(sd, fw.SZ_ipfw_obj_tentry);
    if (o < 0) {
      error = ENOMEM;
      return 1;
    }
    new Uint8Array(dv.buffer, dv.byteOffset + o, fw.SZ_ipfw_obj_tentry).fill(0);
    dv.setUint32(o + 4, fw.SZ_ipfw_obj_tentry, true);
    dv.setUint16(o + 12, uidx, true);
    tent.subtype = 0;
    tent.masklen = 0;
    tc.ta.dump_tentry(tc.astate, e, tent);
    ipfw_obj_tentry_encode_key(dv, o, tc.no.subtype, tent);
    ipfw_export_table_value_v1(VALUESTATE(ch)[tent.value], dv, o + TENT_V);
    return 0;
  });
  return error;
}

/**
 * IP_FW_TABLE_XADD / IP_FW_TABLE_XDEL version 1.
 * Request: [ ipfw_obj_header ipfw_obj_ctlv(IPFW_TLV_TBLENT_LIST) [ ipfw_obj_tentry x N ] ]
 * The entries come back with their result (IPFW_TR_*) and value.
 */
function manage_table_ent_v1(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize < fw.SZ_ipfw_obj_header + fw.SZ_ipfw_obj_ctlv) return EINVAL;
  if (sd.valsize !== sd.kavail) return EINVAL;
  const dv = sd.kdv;
  const oh = 0;
  if (dv.getUint32(oh + 16 + 4, true) !== fw.SZ_ipfw_obj_ntlv) return EINVAL;
  let read = fw.SZ_ipfw_obj_header;
  const ctlv = read;
  if (dv.getUint32(ctlv + 4, true) + read !== sd.valsize) return EINVAL;
  read += fw.SZ_ipfw_obj_ctlv;
  const tent = read;
  const ccount = dv.getUint32(ctlv + 8, true);
  if (ccount * fw.SZ_ipfw_obj_tentry + read !== sd.valsize) return EINVAL;
  if (ccount === 0) return 0;
  ipfw_get_sopt_header(sd, sd.valsize);
  const kidx = dv.getUint16(tent + 12, true);
  for (let i = 0; i < ccount; i++) {
    const p = tent + i * fw.SZ_ipfw_obj_tentry;
    if (dv.getUint32(p + 4, true) !== fw.SZ_ipfw_obj_tentry) return EINVAL;
    if (dv.getUint16(p + 12, true) !== kidx) return ENOTSUP;
  }
  const ti = new priv.tid_info();
  objheader_to_ti(sd.kbuf, oh, ti);
  ti.type = dv.getUint8(oh + 16 + 11);
  ti.uidx = kidx;
  const teis: tentry_info[] = [];
  for (let i = 0; i < ccount; i++) {
    const p = tent + i * fw.SZ_ipfw_obj_tentry;
    const t = new tentry_info();
    ipfw_obj_tentry_decode(dv, p, ti.type, t);
    if ((dv.getUint16(p + 2, true) & fw.IPFW_TF_UPDATE) !== 0) t.flags |= TEI_FLAGS_UPDATE;
    ipfw_import_table_value_v1(dv, p + TENT_V, t.pvalue);
    teis.push(t);
  }
  const error = op3.opcode === fw.IP_FW_TABLE_XADD ? add_table_entry(ch, ti, teis, dv.getUint8(ctlv + 15)) : del_table_entry(ch, ti, teis, dv.getUint8(ctlv + 15));
  for (let i = 0; i < ccount; i++) {
    const p = tent + i * fw.SZ_ipfw_obj_tentry;
    const f = teis[i].flags;
    let r = dv.getUint8(p + 10);
    if ((f & TEI_FLAGS_ADDED) !== 0) r = fw.IPFW_TR_ADDED;
    else if ((f & TEI_FLAGS_DELETED) !== 0) r = fw.IPFW_TR_DELETED;
    else if ((f & TEI_FLAGS_UPDATED) !== 0) r = fw.IPFW_TR_UPDATED;
    else if ((f & TEI_FLAGS_LIMIT) !== 0) r = fw.IPFW_TR_LIMIT;
    else if ((f & TEI_FLAGS_ERROR) !== 0) r = fw.IPFW_TR_ERROR;
    else if ((f & TEI_FLAGS_NOTFOUND) !== 0) r = fw.IPFW_TR_NOTFOUND;
    else if ((f & TEI_FLAGS_EXISTS) !== 0) r = fw.IPFW_TR_EXISTS;
    dv.setUint8(p + 10, r);
    ipfw_export_table_value_v1(teis[i].pvalue, dv, p + TENT_V);
  }
  return error;
}

/**
 * IP_FW_TABLE_XADD / IP_FW_TABLE_XDEL version 0 (ipfw_table_xentry).
 * Request: [ ip_fw3_opheader ipfw_table_xentry ]
 */
function manage_table_ent_v0(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  const hdrlen = 12; // offsetof(ipfw_table_xentry, k)
  if (sd.valsize < fw.SZ_ip_fw3_opheader + hdrlen) return EINVAL;
  const dv = sd.kdv;
  const read = fw.SZ_ip_fw3_opheader;
  const x = read;
  const len = dv.getUint16(x + 0, true);
  if (len < hdrlen || len + read > sd.valsize) return EINVAL;
  const tei = new tentry_info();
  const type = dv.getUint8(x + 2);
  tei.masklen = dv.getUint8(x + 3);
  ipfw_import_table_value_legacy(dv.getUint32(x + 8, true), tei.pvalue);
  tei.flags = TEI_FLAGS_COMPAT;
  const k = x + hdrlen;
  if (type === fw.IPFW_TABLE_ADDR) {
    if (len - hdrlen === 4) {
      tei.subtype = AF_INET;
      tei.key4 = dv.getUint32(k);
    } else {
      tei.subtype = AF_INET6;
      for (let i = 0; i < 16; i++) tei.key6[i] = dv.getUint8(k + i);
    }
  } else if (type === fw.IPFW_TABLE_NUMBER) {
    tei.key4 = dv.getUint32(k, true);
  } else if (type === fw.IPFW_TABLE_INTERFACE) {
    tei.iface = cstr(dv, k, Math.min(IF_NAMESIZE, len - hdrlen)) ?? "";
  }
  const ti = new priv.tid_info();
  ti.uidx = dv.getUint16(x + 4, true);
  ti.type = type;
  return op3.opcode === fw.IP_FW_TABLE_XADD ? add_table_entry(ch, ti, [tei], 0) : del_table_entry(ch, ti, [tei], 0);
}

/**
 * IP_FW_TABLE_XFIND: the entry a key matches (longest prefix for addr).
 * Request: [ ipfw_obj_header ipfw_obj_tentry ]
 * Reply: [ ipfw_obj_header ipfw_obj_tentry ]
 */
function find_table_entry(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  const sz = fw.SZ_ipfw_obj_header + fw.SZ_ipfw_obj_tentry;
  if (sd.valsize !== sz) return EINVAL;
  const oh = ipfw_get_sopt_header(sd, sz);
  if (oh < 0) return EINVAL;
  const dv = sd.kdv;
  const p = oh + fw.SZ_ipfw_obj_header;
  if (dv.getUint32(oh + 16 + 4, true) !== fw.SZ_ipfw_obj_ntlv) return EINVAL;
  const ti = new priv.tid_info();
  objheader_to_ti(sd.kbuf, oh, ti);
  ti.type = dv.getUint8(oh + 16 + 11);
  ti.uidx = dv.getUint16(p + 12, true);
  const tc = find_table(ch, ti);
  if (tc === null) return ESRCH;
  if (tc.no.subtype !== ti.type) return EINVAL;
  const tent = new tentry_info();
  ipfw_obj_tentry_decode(dv, p, tc.no.subtype, tent);
  const error = tc.ta.find_tentry(tc.astate, KIDX_TO_TI(ch, tc.no.kidx), tent);
  if (error === 0) {
    ipfw_obj_tentry_encode_key(dv, p, tc.no.subtype, tent);
    ipfw_export_table_value_v1(VALUESTATE(ch)[tent.value], dv, p + TENT_V);
  }
  return error;
}

/**
 * IP_FW_TABLES_ALIST: the algorithms.
 * Request: [ ipfw_obj_lheader ], size = ipfw_obj_lheader.size
 * Reply: [ ipfw_obj_lheader ipfw_ta_info x N ]
 */
function list_table_algo(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  const olh = ipfw_get_sopt_header(sd, fw.SZ_ipfw_obj_lheader);
  if (olh < 0) return EINVAL;
  const dv = sd.kdv;
  if (sd.valsize < dv.getUint32(olh + 16, true)) return EINVAL;
  const tcfg = CHAIN_TO_TCFG(ch);
  const count = tcfg.algo.length;
  const size = count * fw.SZ_ipfw_ta_info + fw.SZ_ipfw_obj_lheader;
  dv.setUint32(olh + 12, count, true);
  dv.setUint32(olh + 20, fw.SZ_ipfw_ta_info, true);
  if (size > dv.getUint32(olh + 16, true)) {
    dv.setUint32(olh + 16, size, true);
    return ENOMEM;
  }
  dv.setUint32(olh + 16, size, true);
  for (const ta of tcfg.algo) {
    const i = ipfw_get_sopt_space(sd, fw.SZ_ipfw_ta_info);
    if (i < 0) return ENOMEM;
    putstr(dv, i, 64, ta.name);
    dv.setUint32(i + 64, ta.type, true);
    dv.setUint32(i + 68, ta.flags, true);
    dv.setUint32(i + 72, ta.refcnt, true);
  }
  return 0;
}

/**
 * IP_FW_TABLE_XLIST version 0 (ipfw_xtable of ipfw_table_xentry).
 * Request: [ ipfw_xtable ], size = IP_FW_TABLE_XGETSIZE()
 */
function dump_table_v0(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  const XTABLE = 24; // sizeof(ipfw_xtable): opheader, size, cnt, tbl, type, pad
  const XENTRY = 32; // sizeof(ipfw_table_xentry)
  const x = ipfw_get_sopt_header(sd, XTABLE);
  if (x < 0) return EINVAL;
  const dv = sd.kdv;
  const ti = new priv.tid_info();
  ti.uidx = dv.getUint16(x + 16, true);
  const tc = find_table(ch, ti);
  if (tc === null) return 0;
  const count = table_get_count(tc);
  const sz = count * XENTRY + XTABLE;
  dv.setUint32(x + 12, count, true);
  dv.setUint32(x + 8, sz, true);
  dv.setUint8(x + 18, tc.no.subtype);
  dv.setUint16(x + 16, ti.uidx, true);
  if (sd.valsize < sz) return ENOMEM;
  const tent = new tentry_info();
  tc.ta.foreach(tc.astate, (e) => {
    const o = ipfw_get_sopt_space(sd, XENTRY);
    if (o < 0) return 1;
    new Uint8Array(dv.buffer, dv.byteOffset + o, XENTRY).fill(0);
    dv.setUint16(o + 0, XENTRY, true);
    dv.setUint16(o + 4, ti.uidx, true);
    tent.subtype = 0;
    tent.masklen = 0;
    tc.ta.dump_tentry(tc.astate, e, tent);
    dv.setUint8(o + 3, tent.masklen);
    dv.setUint32(o + 8, ipfw_export_table_value_legacy(VALUESTATE(ch)[tent.value]), true);
    if (tc.no.subtype === fw.IPFW_TABLE_ADDR && tent.subtype === AF_INET) {
      dv.setUint32(o + 12 + 12, tent.key4 >>> 0);
      dv.setUint16(o + 6, IPFW_TCF_INET, true);
    } else if (tc.no.subtype === fw.IPFW_TABLE_ADDR) {
      for (let i = 0; i < 16; i++) dv.setUint8(o + 12 + i, tent.key6[i]);
    } else if (tc.no.subtype === fw.IPFW_TABLE_NUMBER) {
      dv.setUint32(o + 12, tent.key4 >>> 0, true);
    } else if (tc.no.subtype === fw.IPFW_TABLE_INTERFACE) {
      putstr(dv, o + 12, IF_NAMESIZE, tent.iface);
    } else if (tc.no.subtype === fw.IPFW_TABLE_MAC) {
      for (let i = 0; i < 6; i++) dv.setUint8(o + 12 + i, tent.mac[i]);
    }
    return 0;
  });
  return 0;
}

/** IP_FW_TABLE_XGETSIZE (legacy). */
function get_table_size(ch: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  const sz = fw.SZ_ip_fw3_opheader + 4;
  const op = ipfw_get_sopt_header(sd, sz);
  if (op < 0) return EINVAL;
  const dv = sd.kdv;
  const tbl = op + fw.SZ_ip_fw3_opheader;
  const ti = new priv.tid_info();
  ti.uidx = dv.getUint32(tbl, true);
  const tc = find_table(ch, ti);
  if (tc === null) {
    dv.setUint32(tbl, 0, true);
    return 0;
  }
  const count = table_get_count(tc);
  dv.setUint32(tbl, count * 32 + (count > 0 ? 24 : 0), true);
  return 0;
}

const scodes: priv.ipfw_sopt_handler[] = [
  { opcode: fw.IP_FW_TABLE_XCREATE, version: 0, dir: priv.HDIR_SET, handler: create_table, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XDESTROY, version: 0, dir: priv.HDIR_SET, handler: flush_table_v0, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XFLUSH, version: 0, dir: priv.HDIR_SET, handler: flush_table_v0, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XMODIFY, version: 0, dir: priv.HDIR_BOTH, handler: modify_table, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XINFO, version: 0, dir: priv.HDIR_GET, handler: describe_table, refcnt: 0 },
  { opcode: fw.IP_FW_TABLES_XLIST, version: 0, dir: priv.HDIR_GET, handler: list_tables, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XLIST, version: 0, dir: priv.HDIR_GET, handler: dump_table_v0, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XLIST, version: 1, dir: priv.HDIR_GET, handler: dump_table_v1, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XADD, version: 0, dir: priv.HDIR_BOTH, handler: manage_table_ent_v0, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XADD, version: 1, dir: priv.HDIR_BOTH, handler: manage_table_ent_v1, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XDEL, version: 0, dir: priv.HDIR_BOTH, handler: manage_table_ent_v0, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XDEL, version: 1, dir: priv.HDIR_BOTH, handler: manage_table_ent_v1, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XFIND, version: 0, dir: priv.HDIR_GET, handler: find_table_entry, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XSWAP, version: 0, dir: priv.HDIR_SET, handler: swap_table, refcnt: 0 },
  { opcode: fw.IP_FW_TABLES_ALIST, version: 0, dir: priv.HDIR_GET, handler: list_table_algo, refcnt: 0 },
  { opcode: fw.IP_FW_TABLE_XGETSIZE, version: 0, dir: priv.HDIR_GET, handler: get_table_size, refcnt: 0 },
];

// ---------------------------------------------------------------------------
// The packet path.

// Scratch for decoding a flow id key (one object, made on first use).
let lookup_fid: ipfw_flow_id | null = null;

function le32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** struct ipfw_flow_id from its bytes (ip_fw.h layout, little-endian),
 *  without making anything: the packet path. */
function flow_id_from_bytes(b: Uint8Array, id: ipfw_flow_id): void {
  id.dst_ip = le32(b, fw.flow_id_dst_ip);
  id.src_ip = le32(b, fw.flow_id_src_ip);
  id.dst_port = b[fw.flow_id_dst_port] | (b[fw.flow_id_dst_port + 1] << 8);
  id.src_port = b[fw.flow_id_src_port] | (b[fw.flow_id_src_port + 1] << 8);
  id.fib = b[fw.flow_id_fib];
  id.proto = b[fw.flow_id_proto];
  id._flags = b[fw.flow_id__flags];
  id.addr_type = b[fw.flow_id_addr_type];
  for (let i = 0; i < 16; i++) {
    id.dst_ip6[i] = b[fw.flow_id_dst_ip6 + i];
    id.src_ip6[i] = b[fw.flow_id_src_ip6 + i];
  }
}

/**
 * ipfw_lookup_table: 1 when the key paddr[0 .. plen) is in table kidx tbl,
 * with the value index (the tablearg) in val[0]; 0 otherwise.  The key is
 * read as the table's type wants it (ip_fw_private.ts describes the forms):
 * an address (network order), a number (host order), an interface index, a
 * flow id, an Ethernet address (its six bytes).
 */
export function ipfw_lookup_table(ch: ip_fw_chain, tbl: number, plen: number, paddr: Uint8Array, val: Uint32Array): number {
  const ti = TABLESTATE(ch)[tbl];
  if (ti === undefined || ti.lookup === null) return 0;
  let v = -1;
  switch (ti.type) {
    case fw.IPFW_TABLE_ADDR:
      if (plen === 4) v = ti.lookup(ti, 4, ((paddr[0] << 24) | (paddr[1] << 16) | (paddr[2] << 8) | paddr[3]) >>> 0, null, null, null);
      else if (plen === 16) v = ti.lookup(ti, 16, 0, paddr, null, null);
      break;
    case fw.IPFW_TABLE_NUMBER:
      if (plen === 4) v = ti.lookup(ti, 4, (paddr[0] | (paddr[1] << 8) | (paddr[2] << 16) | (paddr[3] << 24)) >>> 0, null, null, null);
      break;
    case fw.IPFW_TABLE_MAC:
      v = ti.lookup(ti, plen, 0, paddr, null, null);
      break;
    case fw.IPFW_TABLE_INTERFACE: {
      const ifp = ifnet_byindex(paddr[0] | (paddr[1] << 8));
      if (ifp !== null) v = ti.lookup(ti, 0, 0, null, ifp.if_xname, null);
      break;
    }
    case fw.IPFW_TABLE_FLOW: {
      if (lookup_fid === null) lookup_fid = new fw.ipfw_flow_id();
      flow_id_from_bytes(paddr, lookup_fid);
      v = ti.lookup(ti, 0, 0, null, null, lookup_fid);
      break;
    }
  }
  if (v < 0) return 0;
  val[0] = v;
  return 1;
}

/** ipfw_get_table_objhash: the tables' names (dumps export them). */
export function ipfw_get_table_objhash(ch: ip_fw_chain): namedobj_instance {
  return CHAIN_TO_TCFG(ch).namehash;
}

/** The table type of kidx, or 0. */
export function ipfw_table_type(ch: ip_fw_chain, kidx: number): number {
  const tc = CHAIN_TO_TCFG(ch).tcs.get(kidx);
  return tc === undefined ? 0 : tc.no.subtype;
}

// ---------------------------------------------------------------------------
// Rule opcodes that name tables (the opcode_obj_rewrite handlers).

function classify_srcdst(dv: DataView, off: number, out: { uidx: number; type: number }): number {
  out.uidx = fw.insn_arg1(dv, off);
  out.type = fw.IPFW_TABLE_ADDR;
  // Longer than ipfw_insn_u32: a generic lookup, d[1] says of what.
  if (fw.F_LEN(dv, off) > fw.F_INSN_SIZE.ipfw_insn_u32) {
    const v = dv.getUint32(off + fw.INSN_DATA + 4, true);
    switch (v) {
      case fw.LOOKUP_DST_IP:
      case fw.LOOKUP_SRC_IP:
        break;
      case fw.LOOKUP_DST_PORT:
      case fw.LOOKUP_SRC_PORT:
      case fw.LOOKUP_UID:
      case fw.LOOKUP_JAIL:
      case fw.LOOKUP_DSCP:
      case fw.LOOKUP_MARK:
        out.type = fw.IPFW_TABLE_NUMBER;
        break;
      case fw.LOOKUP_DST_MAC:
      case fw.LOOKUP_SRC_MAC:
        out.type = fw.IPFW_TABLE_MAC;
        break;
    }
  }
  return 0;
}

function classify_mac_lookup(dv: DataView, off: number, out: { uidx: number; type: number }): number {
  out.uidx = fw.insn_arg1(dv, off);
  out.type = fw.IPFW_TABLE_MAC;
  return 0;
}

function classify_flow(dv: DataView, off: number, out: { uidx: number; type: number }): number {
  out.uidx = fw.insn_arg1(dv, off);
  out.type = fw.IPFW_TABLE_FLOW;
  return 0;
}

/** ipfw_insn_if: name[0] == '\1' marks a table, p.kidx its index. */
function classify_via(dv: DataView, off: number, out: { uidx: number; type: number }): number {
  if (dv.getUint8(off + fw.insn_if_name) !== 1) return 1;
  out.type = fw.IPFW_TABLE_INTERFACE;
  out.uidx = dv.getUint16(off + fw.insn_if_p, true);
  return 0;
}

function update_arg1(dv: DataView, off: number, idx: number): void {
  dv.setUint16(off + fw.INSN_ARG1, idx, true);
}

function update_via(dv: DataView, off: number, idx: number): void {
  dv.setUint16(off + fw.insn_if_p, idx, true);
}

function table_findbyname(ch: ip_fw_chain, ti: tid_info, out: { no: named_object | null }): number {
  const r = { v: null as table_config | null };
  const error = find_table_err(ch, ti, r);
  if (error !== 0) return error;
  out.no = r.v === null ? null : r.v.no;
  return 0;
}

function table_findbykidx(ch: ip_fw_chain, idx: number): named_object | null {
  const tc = CHAIN_TO_TCFG(ch).tcs.get(idx);
  if (tc === undefined) throw new Error(`Table with index ${idx} not found`);
  return tc.no;
}

function table_create_object(ch: ip_fw_chain, ti: tid_info, out: { kidx: number }): number {
  const pk = { v: 0 };
  const error = create_table_compat(ch, ti, pk);
  out.kidx = pk.v;
  return error;
}

function table_manage_sets(ch: ip_fw_chain, set: number, new_set: number, cmd: number): number {
  switch (cmd) {
    case priv.SWAP_ALL:
    case priv.TEST_ALL:
    case priv.MOVE_ALL:
      // table_manage_sets_all decides for these.
      return 0;
    case priv.TEST_ONE:
    case priv.MOVE_ONE:
      if (priv.V_fw_tables_sets() === 0) return 0;
      break;
    case priv.COUNT_ONE:
      // Without per-set tables, table opcodes need no set checks.
      if (priv.V_fw_tables_sets() === 0) return EOPNOTSUPP;
  }
  return ipfw_obj_manage_sets(CHAIN_TO_TCFG(ch).namehash, fw.IPFW_TLV_TBL_NAME, set, new_set, cmd);
}

/** O_RECV (the lowest table opcode) carries the XXX_ALL decisions. */
function table_manage_sets_all(ch: ip_fw_chain, set: number, new_set: number, cmd: number): number {
  switch (cmd) {
    case priv.SWAP_ALL:
    case priv.TEST_ALL:
    case priv.MOVE_ALL:
      // Every table is reachable from every set without per-set tables.
      if (priv.V_fw_tables_sets() === 0) return 0;
      break;
    default:
      return table_manage_sets(ch, set, new_set, cmd);
  }
  return ipfw_obj_manage_sets(CHAIN_TO_TCFG(ch).namehash, fw.IPFW_TLV_TBL_NAME, set, new_set, cmd);
}

function opcodes(): opcode_obj_rewrite[] {
  const mk = (opcode: number, classifier: opcode_obj_rewrite["classifier"], update: opcode_obj_rewrite["update"], manage_sets: opcode_obj_rewrite["manage_sets"]): opcode_obj_rewrite => ({
    opcode,
    etlv: fw.IPFW_TLV_TBL_NAME,
    classifier,
    update,
    find_byname: table_findbyname,
    find_bykidx: table_findbykidx,
    create_object: table_create_object,
    destroy_object: null,
    manage_sets,
  });
  return [
    mk(fw.O_IP_SRC_LOOKUP, classify_srcdst, update_arg1, table_manage_sets),
    mk(fw.O_IP_DST_LOOKUP, classify_srcdst, update_arg1, table_manage_sets),
    mk(fw.O_IP_FLOW_LOOKUP, classify_flow, update_arg1, table_manage_sets),
    mk(fw.O_MAC_SRC_LOOKUP, classify_mac_lookup, update_arg1, table_manage_sets),
    mk(fw.O_MAC_DST_LOOKUP, classify_mac_lookup, update_arg1, table_manage_sets),
    mk(fw.O_XMIT, classify_via, update_via, table_manage_sets),
    mk(fw.O_RECV, classify_via, update_via, table_manage_sets_all),
    mk(fw.O_VIA, classify_via, update_via, table_manage_sets),
  ];
}
let table_opcodes: opcode_obj_rewrite[] | null = null;

/**
 * ipfw_switch_tables_namespace (net.inet.ip.fw.tables_sets): tables looked
 * up in the rule's set, or all in set 0.  Only when every table-using rule
 * and every table is in set 0.
 */
export function ipfw_switch_tables_namespace(ch: ip_fw_chain, sets: number): number {
  if (priv.V_fw_tables_sets() === sets) return 0;
  const tcfg = CHAIN_TO_TCFG(ch);
  if (sets === 0) {
    for (const tc of tcfg.tcs.values()) if (tc.no.set !== 0) return EBUSY;
  }
  const out = { uidx: 0, type: 0 };
  const rws = table_opcodes ?? [];
  for (let i = 0; i < ch.n_rules; i++) {
    const rule = ch.map[i];
    for (let off = 0, l = rule.cmd_len; l > 0; ) {
      const cmdlen = fw.F_LEN(rule.cmdv, off);
      let kidx = 0;
      for (const rw of rws) {
        if (rw.opcode !== fw.insn_opcode(rule.cmdv, off)) continue;
        if (rw.classifier(rule.cmdv, off, out) === 0) {
          kidx = out.uidx;
          break;
        }
      }
      if (kidx !== 0) {
        const tc = tcfg.tcs.get(kidx);
        if ((tc !== undefined && tc.no.set !== 0) || rule.set !== 0) return EBUSY;
      }
      if (cmdlen === 0) break;
      l -= cmdlen;
      off += cmdlen * 4;
    }
  }
  VNET_I32_SET(priv.fw_tables_sets, sets);
  return 0;
}

/** ipfw_ref_table: a reference on the table an ntlv (at ntlv in b) names. */
export function ipfw_ref_table(ch: ip_fw_chain, b: Uint8Array, ntlv: number, kidx: { v: number }): number {
  const ti = new priv.tid_info();
  ntlv_to_ti(b, ntlv, ti);
  const r = { v: null as table_config | null };
  const error = find_table_err(ch, ti, r);
  if (error !== 0) return error;
  if (r.v === null) return ESRCH;
  r.v.no.refcnt++;
  kidx.v = r.v.no.kidx;
  return 0;
}

export function ipfw_unref_table(ch: ip_fw_chain, kidx: number): void {
  const tc = CHAIN_TO_TCFG(ch).tcs.get(kidx);
  if (tc === undefined) throw new Error(`Table with index ${kidx} not found`);
  tc.no.refcnt--;
}

/** ipfw_resize_tables: net.inet.ip.fw.tables_max may only grow. */
export function ipfw_resize_tables(ch: ip_fw_chain, ntables: number): number {
  if (ntables === 0) return EINVAL;
  if (ntables > IPFW_TABLES_MAX) ntables = IPFW_TABLES_MAX;
  ntables = roundup2p(ntables);
  if (ntables < priv.V_fw_tables_max()) return EINVAL;
  const ts = TABLESTATE(ch);
  for (let i = ts.length; i < ntables; i++) ts.push(new table_info());
  const tcfg = CHAIN_TO_TCFG(ch);
  const { idx, blocks } = ipfw_objhash_bitmap_alloc(ntables);
  ipfw_objhash_bitmap_merge(tcfg.namehash, idx, blocks);
  ipfw_objhash_bitmap_swap(tcfg.namehash, idx, blocks);
  VNET_I32_SET(priv.fw_tables_max, ntables);
  return 0;
}

function roundup2p(v: number): number {
  v = (v - 1) >>> 0;
  v |= v >>> 1;
  v |= v >>> 2;
  v |= v >>> 4;
  v |= v >>> 8;
  v |= v >>> 16;
  return (v + 1) >>> 0;
}

// ---------------------------------------------------------------------------
// Life cycle, from ip_fw2.ts's vnet_ipfw_init / vnet_ipfw_uninit.

/** ipfw_init_tables: the chain's table index, values and algorithms. */
export function ipfw_init_tables(ch: ip_fw_chain, first: number): number {
  const n = priv.V_fw_tables_max();
  const ts: table_info[] = [];
  for (let i = 0; i < n; i++) ts.push(new table_info());
  ch.tablestate = ts;
  const tcfg = new tables_config(n);
  ch.tblcfg = tcfg;
  ipfw_table_value_init(ch, first !== 0);
  // ipfw_table_algo_init: a copy of each algorithm per chain.
  for (const a of ipfw_table_algos()) {
    const ta: table_algo = { ...a, refcnt: 0, idx: tcfg.algo.length + 1 };
    tcfg.algo.push(ta);
    if ((ta.flags & TA_FLAG_DEFAULT) !== 0 && tcfg.def_algo[ta.type] === null) tcfg.def_algo[ta.type] = ta;
  }
  if (table_opcodes === null) table_opcodes = opcodes();
  if (first !== 0) {
    ipfw_add_obj_rewriter(table_opcodes);
    ipfw_add_sopt_handler(scodes);
  }
  return 0;
}

/** ipfw_destroy_tables. */
export function ipfw_destroy_tables(ch: ip_fw_chain, last: number): void {
  if (last !== 0) {
    ipfw_del_sopt_handler(scodes);
    if (table_opcodes !== null) ipfw_del_obj_rewriter(table_opcodes);
  }
  const tcfg = CHAIN_TO_TCFG(ch);
  for (const tc of [...tcfg.tcs.values()]) {
    unlink_table(ch, tc);
    ipfw_objhash_free_idx(tcfg.namehash, tc.no.kidx);
    free_table_config(tc);
  }
  ch.tablestate = [];
  ipfw_table_value_destroy(ch, last !== 0);
  ch.tblcfg = null;
  vnet_ipfw_iface_destroy(ch);
}

set_table_hooks();
function set_table_hooks(): void {
  priv.set_ipfw_table_hooks({
    lookup_table: ipfw_lookup_table,
    init_tables: ipfw_init_tables,
    destroy_tables: ipfw_destroy_tables,
    resize_tables: ipfw_resize_tables,
    switch_tables_namespace: ipfw_switch_tables_namespace,
    get_table_objhash: ipfw_get_table_objhash,
  });
  priv.set_TARG_VAL(ipfw_targ_val);
}
