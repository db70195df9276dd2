// sbin/ipfw/tables.c: `ipfw table NAME ...`: create, modify, destroy,
// flush, swap, lock, add/delete entries, lookup, list, info/detail, and
// `ipfw internal talist|vlist`, over the IP_FW_TABLE_X* socket options.

import { EACCES, EEXIST, EINVAL, ENOENT, ENOMEM, EOPNOTSUPP, ESRCH, strerror } from "../kern/errno.ts";
import { inet_aton, inet_ntoa } from "../netinet/in.ts";
import {
  IP_FW_TABLE_XADD, IP_FW_TABLE_XCREATE, IP_FW_TABLE_XDEL, IP_FW_TABLE_XDESTROY, IP_FW_TABLE_XFIND, IP_FW_TABLE_XFLUSH,
  IP_FW_TABLE_XINFO, IP_FW_TABLE_XLIST, IP_FW_TABLE_XMODIFY, IP_FW_TABLE_XSWAP, IP_FW_TABLES_ALIST, IP_FW_TABLES_XLIST,
  IP_FW_TABLE_VLIST, IPFW_TABLE_ADDR, IPFW_TABLE_MAC, IPFW_TABLE_INTERFACE, IPFW_TABLE_NUMBER, IPFW_TABLE_FLOW, IPFW_TABLE_CIDR,
  IPFW_VTYPE_LEGACY, IPFW_VTYPE_SKIPTO, IPFW_VTYPE_PIPE, IPFW_VTYPE_FIB, IPFW_VTYPE_NAT, IPFW_VTYPE_DSCP, IPFW_VTYPE_TAG,
  IPFW_VTYPE_DIVERT, IPFW_VTYPE_NETGRAPH, IPFW_VTYPE_LIMIT, IPFW_VTYPE_NH4, IPFW_VTYPE_NH6, IPFW_TACLASS_HASH,
  IPFW_TACLASS_ARRAY, IPFW_TACLASS_RADIX, IPFW_TATFLAGS_DATA, IPFW_TATFLAGS_AFDATA, IPFW_TATFLAGS_AFITEM,
  IPFW_TGFLAGS_LOCKED, IPFW_TFFLAG_SRCIP, IPFW_TFFLAG_DSTIP, IPFW_TFFLAG_SRCPORT, IPFW_TFFLAG_DSTPORT, IPFW_TFFLAG_PROTO,
  IPFW_TMFLAGS_LIMIT, IPFW_TMFLAGS_LOCK, IPFW_TF_UPDATE, IPFW_CTF_ATOMIC, IPFW_TR_IGNORED, IPFW_TR_ADDED,
  IPFW_TR_UPDATED, IPFW_TR_DELETED, IPFW_TR_LIMIT, IPFW_TR_NOTFOUND, IPFW_TR_EXISTS, IPFW_TR_ERROR, IPFW_TLV_TBL_NAME,
  IPFW_TLV_TBL_ENT, SZ_ipfw_obj_header, SZ_ipfw_xtable_info, SZ_ipfw_obj_tentry, SZ_ipfw_obj_ctlv, SZ_ipfw_obj_ntlv,
  SZ_ipfw_obj_lheader, SZ_ipfw_ta_info, objh_idx, objh_ntlv, ntlv_type, op3_version, xtinfo_type,
  xtinfo_tflags, xtinfo_mflags, xtinfo_flags, xtinfo_vmask, xtinfo_set, xtinfo_kidx, xtinfo_refcnt, xtinfo_count,
  xtinfo_size, xtinfo_limit, xtinfo_tablename, xtinfo_algoname, xtinfo_ta_info, tentry_subtype, tentry_masklen,
  tentry_result, tentry_idx, tentry_k, tentry_v, tvalue_tag, tvalue_pipe, tvalue_divert, tvalue_skipto, tvalue_netgraph,
  tvalue_fib, tvalue_nat, tvalue_nh4, tvalue_dscp, tvalue_nh6, tvalue_limit, tvalue_zoneid, lheader_count,
  lheader_size, lheader_objsize, ctlv_write, tlv_write, tlv_length, ntlv_write, dv_of, cstr_read, cstr_write,
} from "../netinet/ip_fw.ts";
import { inet_pton, strtoul, ulong_to_u16, ulong_to_u32 } from "./libc.ts";
import {
  EX_DATAERR, EX_NOHOST, EX_OSERR, EX_UNAVAILABLE, EX_USAGE, atoi, concat_tokens, do_get3, do_set3, err, errx,
  f_ipdscp, fill_flags, get_token, getprotobyname, getservbyname, ip6_ntop, ipfw_check_object_name, ipfw_ctx,
  ipfw_get_lheader, match_token, match_value, print_flags_buffer, stringnum_cmp, warn, warnx, type s_x,
} from "./ipfw2.ts";
import { ether_aton, gethostbyname4 } from "./netdb.ts";

const AF_INET = 2;
const AF_INET6 = 28;
const AF_LINK = 18;
const ETHER_ADDR_LEN = 6;
const EFBIG = 27;
const IF_NAMESIZE = 16;

const enum T {
  ADD = 1, DEL, CREATE, DESTROY, FLUSH, MODIFY, SWAP, INFO, DETAIL, LIST, LOOKUP, ATOMIC, LOCK, UNLOCK, TYPE, VALTYPE,
  ALGO, LIMIT,
}

const tabletypes: s_x = [["addr", IPFW_TABLE_ADDR], ["mac", IPFW_TABLE_MAC], ["iface", IPFW_TABLE_INTERFACE], ["number", IPFW_TABLE_NUMBER], ["flow", IPFW_TABLE_FLOW]];
const tablevaltypes: s_x = [
  ["skipto", IPFW_VTYPE_SKIPTO], ["pipe", IPFW_VTYPE_PIPE], ["fib", IPFW_VTYPE_FIB], ["nat", IPFW_VTYPE_NAT],
  ["dscp", IPFW_VTYPE_DSCP], ["tag", IPFW_VTYPE_TAG], ["divert", IPFW_VTYPE_DIVERT], ["netgraph", IPFW_VTYPE_NETGRAPH],
  ["limit", IPFW_VTYPE_LIMIT], ["ipv4", IPFW_VTYPE_NH4], ["ipv6", IPFW_VTYPE_NH6],
];
const tablecmds: s_x = [
  ["add", T.ADD], ["delete", T.DEL], ["create", T.CREATE], ["destroy", T.DESTROY], ["flush", T.FLUSH],
  ["modify", T.MODIFY], ["swap", T.SWAP], ["info", T.INFO], ["detail", T.DETAIL], ["list", T.LIST],
  ["lookup", T.LOOKUP], ["atomic", T.ATOMIC], ["lock", T.LOCK], ["unlock", T.UNLOCK],
];
const tablenewcmds: s_x = [["type", T.TYPE], ["valtype", T.VALTYPE], ["algo", T.ALGO], ["limit", T.LIMIT], ["locked", T.LOCK]];
const flowtypecmds: s_x = [
  ["src-ip", IPFW_TFFLAG_SRCIP], ["proto", IPFW_TFFLAG_PROTO], ["src-port", IPFW_TFFLAG_SRCPORT],
  ["dst-ip", IPFW_TFFLAG_DSTIP], ["dst-port", IPFW_TFFLAG_DSTPORT],
];
const tablealgoclass: s_x = [["hash", IPFW_TACLASS_HASH], ["array", IPFW_TACLASS_ARRAY], ["radix", IPFW_TACLASS_RADIX]];

/** ipfw_xtable_info, decoded. */
interface xtable_info {
  type: number;
  tflags: number;
  mflags: number;
  flags: number;
  vmask: number;
  set: number;
  kidx: number;
  refcnt: number;
  count: number;
  size: number;
  limit: number;
  tablename: string;
  algoname: string;
  ta: { flags: number; taclass4: number; itemsize4: number; size4: number; count4: number; taclass6: number; itemsize6: number; size6: number; count6: number };
}
function xi_new(): xtable_info {
  return {
    type: 0, tflags: 0, mflags: 0, flags: 0, vmask: 0, set: 0, kidx: 0, refcnt: 0, count: 0, size: 0, limit: 0, tablename: "", algoname: "",
    ta: { flags: 0, taclass4: 0, itemsize4: 0, size4: 0, count4: 0, taclass6: 0, itemsize6: 0, size6: 0, count6: 0 },
  };
}
function xi_read(b: Uint8Array, off: number): xtable_info {
  const dv = dv_of(b);
  const t = off + xtinfo_ta_info;
  return {
    type: b[off + xtinfo_type], tflags: b[off + xtinfo_tflags], mflags: dv.getUint16(off + xtinfo_mflags, true),
    flags: dv.getUint16(off + xtinfo_flags, true), vmask: dv.getUint32(off + xtinfo_vmask, true),
    set: dv.getUint32(off + xtinfo_set, true), kidx: dv.getUint32(off + xtinfo_kidx, true),
    refcnt: dv.getUint32(off + xtinfo_refcnt, true), count: dv.getUint32(off + xtinfo_count, true),
    size: dv.getUint32(off + xtinfo_size, true), limit: dv.getUint32(off + xtinfo_limit, true),
    tablename: cstr_read(b, off + xtinfo_tablename, 64), algoname: cstr_read(b, off + xtinfo_algoname, 64),
    ta: {
      flags: dv.getUint32(t, true), taclass4: b[t + 8], itemsize4: dv.getUint16(t + 10, true), size4: dv.getUint32(t + 12, true),
      count4: dv.getUint32(t + 16, true), taclass6: b[t + 20], itemsize6: dv.getUint16(t + 22, true),
      size6: dv.getUint32(t + 24, true), count6: dv.getUint32(t + 28, true),
    },
  };
}
function xi_write(b: Uint8Array, off: number, i: xtable_info): void {
  const dv = dv_of(b);
  b[off + xtinfo_type] = i.type;
  b[off + xtinfo_tflags] = i.tflags;
  dv.setUint16(off + xtinfo_mflags, i.mflags, true);
  dv.setUint16(off + xtinfo_flags, i.flags, true);
  dv.setUint32(off + xtinfo_vmask, i.vmask >>> 0, true);
  dv.setUint32(off + xtinfo_set, i.set, true);
  dv.setUint32(off + xtinfo_limit, i.limit >>> 0, true);
  cstr_write(b, off + xtinfo_tablename, 64, i.tablename);
  cstr_write(b, off + xtinfo_algoname, 64, i.algoname);
}

/** ipfw_obj_header for one table: its name in the ntlv, idx 1. */
class objheader {
  name = "";
  set = 0;
  idx = 0;
  type = 0;
  write(b: Uint8Array): void {
    dv_of(b).setUint16(objh_idx, this.idx, true);
    ntlv_write(b, objh_ntlv, IPFW_TLV_TBL_NAME, 1, this.set, 0, this.name);
    b[objh_ntlv + ntlv_type] = this.type;
  }
}

export function table_check_name(name: string): number {
  if (ipfw_check_object_name(name) !== 0) return EINVAL;
  if (name === "all") return EINVAL;
  return 0;
}

function lookup_host(host: string): number | null {
  return inet_aton(host) ?? gethostbyname4(host);
}

/** ipfw_table_handler: table NAME|all {create|modify|destroy|flush|swap|lock|unlock|add|delete|lookup|list|info|detail}. */
export function ipfw_table_handler(ctx: ipfw_ctx, av: string[]): void {
  let a = 1;
  const oh = new objheader();
  let is_all = false;
  const set = ctx.co.use_set !== 0 ? ctx.co.use_set - 1 : 0;
  if (av[a] === undefined) errx(ctx, EX_USAGE, "table needs name");
  const tablename = av[a];
  if (table_check_name(tablename) === 0) {
    oh.name = tablename;
    oh.set = set;
    oh.idx = 1;
  } else if (tablename === "all") is_all = true;
  else errx(ctx, EX_USAGE, `table name ${tablename} is invalid`);
  a++;
  if (av[a] === undefined) errx(ctx, EX_USAGE, "table needs command");
  let tcmd = get_token(ctx, tablecmds, av[a], "table command");
  let atomic = false;
  if (tcmd === T.ATOMIC) {
    a++;
    if (av[a] === undefined) errx(ctx, EX_USAGE, "atomic needs command");
    tcmd = get_token(ctx, tablecmds, av[a], "table command");
    if (tcmd !== T.ADD) errx(ctx, EX_USAGE, `atomic is not compatible with ${av[a]}`);
    atomic = true;
  }
  if (![T.LIST, T.INFO, T.DETAIL, T.FLUSH, T.DESTROY].includes(tcmd) && is_all) errx(ctx, EX_USAGE, "table name required");
  switch (tcmd) {
    case T.ADD:
    case T.DEL: {
      const do_add = av[a][0] === "a";
      a++;
      table_modify_record(ctx, oh, av.slice(a), do_add, ctx.co.do_quiet !== 0, ctx.co.do_quiet !== 0, atomic);
      break;
    }
    case T.CREATE:
      table_create(ctx, oh, av.slice(a + 1));
      break;
    case T.MODIFY:
      table_modify(ctx, oh, av.slice(a + 1));
      break;
    case T.DESTROY:
      if (!is_all) {
        const e = table_destroy(ctx, oh);
        if (e === 0) break;
        if (e !== ESRCH) err(ctx, EX_OSERR, `failed to destroy table ${tablename}`, e);
        if (ctx.co.do_quiet === 0) warn(ctx, `failed to destroy table ${tablename}`, e);
      } else {
        const e = tables_foreach(ctx, (i) => {
          const o = new objheader();
          o.name = i.tablename;
          o.set = i.set;
          o.idx = 1;
          const r = table_destroy(ctx, o);
          if (r !== 0 && ctx.co.do_quiet === 0) warn(ctx, `failed to destroy table(${i.tablename}) in set ${i.set}`, r);
        });
        if (e !== 0) err(ctx, EX_OSERR, "failed to destroy tables list", e);
      }
      break;
    case T.FLUSH:
      if (!is_all) {
        const e = table_flush(ctx, oh);
        if (e === 0) break;
        if (e !== ESRCH) err(ctx, EX_OSERR, `failed to flush table ${tablename} info`, e);
        if (ctx.co.do_quiet === 0) warn(ctx, `failed to flush table ${tablename} info`, e);
      } else {
        const e = tables_foreach(ctx, (i) => {
          const o = new objheader();
          o.name = i.tablename;
          o.set = i.set;
          o.idx = 1;
          table_flush(ctx, o);
        });
        if (e !== 0) err(ctx, EX_OSERR, "failed to flush tables list", e);
      }
      break;
    case T.SWAP:
      a++;
      if (av[a] === undefined) errx(ctx, EX_USAGE, "second table name required");
      table_swap(ctx, oh, av[a]);
      break;
    case T.LOCK:
    case T.UNLOCK: {
      const xi = xi_new();
      xi.mflags |= IPFW_TMFLAGS_LOCK;
      if (tcmd === T.LOCK) xi.flags |= IPFW_TGFLAGS_LOCKED;
      if (table_do_modify(ctx, oh, xi) !== 0) err(ctx, EX_OSERR, `Table ${tcmd === T.LOCK ? "lock" : "unlock"} failed`);
      break;
    }
    case T.DETAIL:
    case T.INFO: {
      const detail = tcmd === T.DETAIL;
      if (!is_all) {
        const r = table_get_info(ctx, oh);
        if (r.error !== 0 || r.xi === null) err(ctx, EX_OSERR, "failed to request table info", r.error);
        table_show_info(ctx, r.xi, detail);
      } else {
        const e = tables_foreach(ctx, (i) => table_show_info(ctx, i, detail));
        if (e !== 0) err(ctx, EX_OSERR, "failed to request tables list", e);
      }
      break;
    }
    case T.LIST:
      if (!is_all) {
        const r = table_get_info(ctx, oh);
        if (r.error !== 0 || r.xi === null) err(ctx, EX_OSERR, "failed to request table info", r.error);
        table_show_one(ctx, r.xi, false);
      } else {
        const e = tables_foreach(ctx, (i) => table_show_one(ctx, i, true));
        if (e !== 0) err(ctx, EX_OSERR, "failed to request tables list", e);
      }
      break;
    case T.LOOKUP:
      table_lookup(ctx, oh, av.slice(a + 1));
      break;
  }
}

function table_print_type(type: number, tflags: number): string {
  let s = match_value(tabletypes, type) ?? "unknown";
  if (type === IPFW_TABLE_FLOW && tflags !== 0) s += ":" + print_flags_buffer(flowtypecmds, tflags);
  return s;
}

function table_create(ctx: ipfw_ctx, oh: objheader, av: string[]): void {
  const xi = xi_new();
  let a = 0;
  while (a < av.length) {
    const tcmd = get_token(ctx, tablenewcmds, av[a], "option");
    a++;
    switch (tcmd) {
      case T.LIMIT:
        if (av[a] === undefined) errx(ctx, EX_USAGE, "limit value required");
        xi.limit = atoi(av[a]);
        a++;
        break;
      case T.TYPE: {
        if (av[a] === undefined) errx(ctx, EX_USAGE, "table type required");
        let w = av[a];
        let p: string | null = null;
        const c = w.indexOf(":");
        if (c >= 0) {
          p = w.slice(c + 1);
          w = w.slice(0, c);
        }
        const val = match_token(tabletypes, w);
        if (val === -1) errx(ctx, EX_USAGE, `Unknown tabletype: ${w}. Supported: ${concat_tokens(tabletypes, ", ")}`);
        xi.type = val;
        if (p !== null) {
          if (val !== IPFW_TABLE_FLOW) errx(ctx, EX_USAGE, `Unsupported suboptions: ${p}`);
          const m = { set: 0, clear: 0 };
          const e = fill_flags(flowtypecmds, p, m);
          if (e !== null) errx(ctx, EX_USAGE, `unable to parse flow option ${e}`);
          xi.tflags = m.set;
        }
        a++;
        break;
      }
      case T.VALTYPE: {
        if (av[a] === undefined) errx(ctx, EX_USAGE, "table value type required");
        const m = { set: 0, clear: 0 };
        const e = fill_flags(tablevaltypes, av[a], m);
        if (e === null) {
          xi.vmask = m.set;
          a++;
          break;
        }
        errx(ctx, EX_USAGE, `Unknown value type: ${e}. Supported: ${concat_tokens(tablevaltypes, ", ")}`);
        break;
      }
      case T.ALGO:
        if (av[a] === undefined) errx(ctx, EX_USAGE, "table algorithm name required");
        if (av[a].length > 64) errx(ctx, EX_USAGE, "algorithm name too long");
        xi.algoname = av[a];
        a++;
        break;
      case T.LOCK:
        xi.flags |= IPFW_TGFLAGS_LOCKED;
        break;
    }
  }
  if (xi.algoname === "" && xi.type === 0) xi.type = IPFW_TABLE_ADDR;
  if (xi.vmask === 0) xi.vmask = IPFW_VTYPE_LEGACY;
  const e = table_do_create(ctx, oh, xi);
  if (e !== 0) err(ctx, EX_OSERR, "Table creation failed", e);
}

function oh_buf(oh: objheader, extra: number): Uint8Array {
  const b = new Uint8Array(SZ_ipfw_obj_header + extra);
  oh.write(b);
  return b;
}

function table_do_create(ctx: ipfw_ctx, oh: objheader, xi: xtable_info): number {
  const b = oh_buf(oh, SZ_ipfw_xtable_info);
  xi_write(b, SZ_ipfw_obj_header, xi);
  return do_set3(ctx, IP_FW_TABLE_XCREATE, b);
}

function table_modify(ctx: ipfw_ctx, oh: objheader, av: string[]): void {
  const xi = xi_new();
  let a = 0;
  while (a < av.length) {
    const tcmd = get_token(ctx, tablenewcmds, av[a], "option");
    a++;
    if (tcmd === T.LIMIT) {
      if (av[a] === undefined) errx(ctx, EX_USAGE, "limit value required");
      xi.limit = atoi(av[a]);
      xi.mflags |= IPFW_TMFLAGS_LIMIT;
      a++;
    } else errx(ctx, EX_USAGE, "cmd is not supported for modificatiob");
  }
  if (table_do_modify(ctx, oh, xi) !== 0) err(ctx, EX_OSERR, "Table modification failed");
}

function table_do_modify(ctx: ipfw_ctx, oh: objheader, xi: xtable_info): number {
  const b = oh_buf(oh, SZ_ipfw_xtable_info);
  xi_write(b, SZ_ipfw_obj_header, xi);
  return do_set3(ctx, IP_FW_TABLE_XMODIFY, b);
}

function table_destroy(ctx: ipfw_ctx, oh: objheader): number {
  return do_set3(ctx, IP_FW_TABLE_XDESTROY, oh_buf(oh, 0));
}

function table_flush(ctx: ipfw_ctx, oh: objheader): number {
  return do_set3(ctx, IP_FW_TABLE_XFLUSH, oh_buf(oh, 0));
}

function table_swap(ctx: ipfw_ctx, oh: objheader, second: string): void {
  if (table_check_name(second) !== 0) errx(ctx, EX_USAGE, `table name ${second} is invalid`);
  const b = oh_buf(oh, SZ_ipfw_obj_ntlv);
  ntlv_write(b, SZ_ipfw_obj_header, IPFW_TLV_TBL_NAME, 1, oh.set, 0, second);
  const e = do_set3(ctx, IP_FW_TABLE_XSWAP, b);
  if (e === EINVAL) errx(ctx, EX_USAGE, "Unable to swap table: check types");
  if (e === EFBIG) errx(ctx, EX_USAGE, "Unable to swap table: check limits");
}

function table_get_info(ctx: ipfw_ctx, oh: objheader): { error: number; xi: xtable_info | null } {
  const b = oh_buf(oh, SZ_ipfw_xtable_info);
  const r = do_get3(ctx, IP_FW_TABLE_XINFO, b);
  if (r.error !== 0) return { error: r.error, xi: null };
  if (r.len < b.length) return { error: EINVAL, xi: null };
  return { error: 0, xi: xi_read(b, SZ_ipfw_obj_header) };
}

function table_show_tainfo(ctx: ipfw_ctx, d: { taclass: number; itemsize: number; itemsize6: number; size: number; count: number }, af: string, taclass: string): void {
  switch (d.taclass) {
    case IPFW_TACLASS_HASH:
    case IPFW_TACLASS_ARRAY:
      ctx.out(` ${af}algorithm ${taclass} info\n`);
      if (d.itemsize === d.itemsize6) ctx.out(`  size: ${d.size} items: ${d.count} itemsize: ${d.itemsize}\n`);
      else ctx.out(`  size: ${d.size} items: ${d.count} itemsize4: ${d.itemsize} itemsize6: ${d.itemsize6}\n`);
      break;
    case IPFW_TACLASS_RADIX:
      ctx.out(` ${af}algorithm ${taclass} info\n`);
      if (d.itemsize === d.itemsize6) ctx.out(`  items: ${d.count} itemsize: ${d.itemsize}\n`);
      else ctx.out(`  items: ${d.count} itemsize4: ${d.itemsize} itemsize6: ${d.itemsize6}\n`);
      break;
    default:
      ctx.out(` algo class: ${taclass}\n`);
  }
}

function table_print_valheader(vmask: number): string {
  if (vmask >>> 0 === IPFW_VTYPE_LEGACY) return "legacy";
  return print_flags_buffer(tablevaltypes, vmask);
}

function table_show_info(ctx: ipfw_ctx, i: xtable_info, detail: boolean): void {
  const ttype = table_print_type(i.type, i.tflags);
  const tvtype = table_print_valheader(i.vmask);
  ctx.out(`--- table(${i.tablename}), set(${i.set}) ---\n`);
  if (i.flags & IPFW_TGFLAGS_LOCKED) ctx.out(` kindex: ${i.kidx | 0}, type: ${ttype}, locked\n`);
  else ctx.out(` kindex: ${i.kidx | 0}, type: ${ttype}\n`);
  ctx.out(` references: ${i.refcnt}, valtype: ${tvtype}\n`);
  ctx.out(` algorithm: ${i.algoname}\n`);
  ctx.out(` items: ${i.count}, size: ${i.size}\n`);
  if (i.limit > 0) ctx.out(` limit: ${i.limit}\n`);
  if (!detail || (i.ta.flags & IPFW_TATFLAGS_DATA) === 0) return;
  const afdata = (i.ta.flags & IPFW_TATFLAGS_AFDATA) !== 0;
  const afitem = (i.ta.flags & IPFW_TATFLAGS_AFITEM) !== 0;
  const d = { taclass: i.ta.taclass4, size: i.ta.size4, count: i.ta.count4, itemsize: i.ta.itemsize4, itemsize6: 0 };
  d.itemsize6 = !afdata && afitem ? i.ta.itemsize6 : d.itemsize;
  const vtype = match_value(tablealgoclass, d.taclass) ?? "unknown";
  if (!afdata) table_show_tainfo(ctx, d, "", vtype);
  else {
    table_show_tainfo(ctx, d, "IPv4 ", vtype);
    const d6 = { taclass: i.ta.taclass6, size: i.ta.size6, count: i.ta.count6, itemsize: i.ta.itemsize6, itemsize6: i.ta.itemsize6 };
    table_show_tainfo(ctx, d6, "IPv6 ", match_value(tablealgoclass, d6.taclass) ?? "unknown");
  }
}

/** tables_foreach: IP_FW_TABLES_XLIST, sorted by name, each table of the chosen set. */
function tables_foreach(ctx: ipfw_ctx, f: (i: xtable_info) => void): number {
  let sz = SZ_ipfw_obj_lheader + 16 * SZ_ipfw_xtable_info;
  for (let tries = 0; tries < 16; tries++) {
    const olh = new Uint8Array(sz);
    const dv = dv_of(olh);
    dv.setUint32(lheader_size, sz, true);
    const r = do_get3(ctx, IP_FW_TABLES_XLIST, olh);
    if (r.error !== 0) {
      if (r.error !== ENOMEM) return r.error;
      sz = Math.max(dv.getUint32(lheader_size, true), sz * 2);
      continue;
    }
    const count = dv.getUint32(lheader_count, true);
    const objsize = dv.getUint32(lheader_objsize, true) || SZ_ipfw_xtable_info;
    const list: xtable_info[] = [];
    for (let i = 0, o = SZ_ipfw_obj_lheader; i < count && o + SZ_ipfw_xtable_info <= olh.length; i++, o += objsize) list.push(xi_read(olh, o));
    list.sort((x, y) => stringnum_cmp(x.tablename, y.tablename));
    for (const i of list) if (ctx.co.use_set === 0 || i.set === ctx.co.use_set - 1) f(i);
    return 0;
  }
  return ENOMEM;
}

function table_show_one(ctx: ipfw_ctx, i: xtable_info, is_all: boolean): void {
  let sz = 0;
  for (let c = 0; c < 8; c++) {
    if (sz < i.size) sz = i.size + 44;
    sz = Math.max(sz, SZ_ipfw_obj_header + SZ_ipfw_xtable_info);
    const b = new Uint8Array(sz);
    const oh = new objheader();
    oh.idx = 1;
    oh.name = i.tablename;
    oh.set = i.set;
    oh.write(b);
    dv_of(b).setUint16(op3_version, 1, true);
    const r = do_get3(ctx, IP_FW_TABLE_XLIST, b);
    if (r.error === 0) {
      table_show_list(ctx, b, is_all);
      return;
    }
    if (r.error !== ENOMEM) err(ctx, EX_OSERR, `Error requesting table ${i.tablename} list`, r.error);
    const want = xi_read(b, SZ_ipfw_obj_header).size;
    sz = Math.max(want, sz * 2);
  }
  err(ctx, EX_OSERR, `Error requesting table ${i.tablename} list`, ENOMEM);
}

function table_show_list(ctx: ipfw_ctx, b: Uint8Array, need_header: boolean): void {
  const i = xi_read(b, SZ_ipfw_obj_header);
  if (need_header) ctx.out(`--- table(${i.tablename}), set(${i.set}) ---\n`);
  let off = SZ_ipfw_obj_header + SZ_ipfw_xtable_info;
  const dv = dv_of(b);
  for (let count = i.count; count > 0 && off + SZ_ipfw_obj_tentry <= b.length; count--) {
    table_show_entry(ctx, i, b, off);
    const l = dv.getUint32(off + tlv_length, true);
    if (l === 0) break;
    off += l;
  }
}

function table_show_value(b: Uint8Array, v: number, vmask: number, print_ip: boolean): string {
  const dv = dv_of(b);
  if (vmask >>> 0 === IPFW_VTYPE_LEGACY) {
    const tag = dv.getUint32(v + tvalue_tag, true);
    return print_ip ? inet_ntoa(tag) : String(tag);
  }
  const out: string[] = [];
  for (let f = 1; f < 0x80000000; f *= 2) {
    if ((vmask & f) === 0) continue;
    switch (f) {
      case IPFW_VTYPE_TAG:
        out.push(String(dv.getUint32(v + tvalue_tag, true)));
        break;
      case IPFW_VTYPE_PIPE:
        out.push(String(dv.getUint32(v + tvalue_pipe, true)));
        break;
      case IPFW_VTYPE_DIVERT:
        out.push(String(dv.getUint16(v + tvalue_divert, true)));
        break;
      case IPFW_VTYPE_SKIPTO:
        out.push(String(dv.getUint16(v + tvalue_skipto, true)));
        break;
      case IPFW_VTYPE_NETGRAPH:
        out.push(String(dv.getUint32(v + tvalue_netgraph, true)));
        break;
      case IPFW_VTYPE_FIB:
        out.push(String(dv.getUint32(v + tvalue_fib, true)));
        break;
      case IPFW_VTYPE_NAT:
        out.push(String(dv.getUint32(v + tvalue_nat, true)));
        break;
      case IPFW_VTYPE_LIMIT:
        out.push(String(dv.getUint32(v + tvalue_limit, true)));
        break;
      case IPFW_VTYPE_NH4:
        out.push(inet_ntoa(dv.getUint32(v + tvalue_nh4, true)));
        break;
      case IPFW_VTYPE_DSCP:
        out.push(String(b[v + tvalue_dscp]));
        break;
      case IPFW_VTYPE_NH6: {
        let s = ip6_ntop(b.slice(v + tvalue_nh6, v + tvalue_nh6 + 16));
        const zone = dv.getUint32(v + tvalue_zoneid, true);
        if (zone !== 0) s += `%${zone}`;
        out.push(s);
        break;
      }
    }
  }
  return out.join(",");
}

function table_show_entry(ctx: ipfw_ctx, i: xtable_info, b: Uint8Array, t: number): void {
  const pval = table_show_value(b, t + tentry_v, i.vmask, ctx.co.do_value_as_ip !== 0);
  const dv = dv_of(b);
  const k = t + tentry_k;
  switch (i.type) {
    case IPFW_TABLE_ADDR: {
      const sub = b[t + tentry_subtype];
      const s = sub === AF_INET6 ? ip6_ntop(b.slice(k, k + 16)) : inet_ntoa(dv.getUint32(k, false));
      ctx.out(`${s}/${b[t + tentry_masklen]} ${pval}\n`);
      break;
    }
    case IPFW_TABLE_MAC: {
      // MAC prefixes
      const mac = Array.from(b.subarray(k, k + ETHER_ADDR_LEN), (x) => x.toString(16).padStart(2, "0")).join(":");
      ctx.out(`${mac}/${b[t + tentry_masklen]} ${pval}\n`);
      break;
    }
    case IPFW_TABLE_INTERFACE:
      ctx.out(`${cstr_read(b, k, IF_NAMESIZE)} ${pval}\n`);
      break;
    case IPFW_TABLE_NUMBER:
      ctx.out(`${dv.getUint32(k, true)} ${pval}\n`);
      break;
    case IPFW_TABLE_FLOW: {
      // struct tflow_entry: af, proto, spare, sport(n), dport(n), then the addresses.
      const af = b[k];
      const parts: string[] = [];
      const addr = (o: number): string => (af === AF_INET ? inet_ntoa(dv.getUint32(k + o, false)) : ip6_ntop(b.slice(k + o, k + o + 16)));
      if (i.tflags & IPFW_TFFLAG_SRCIP) parts.push(addr(8));
      if (i.tflags & IPFW_TFFLAG_PROTO) parts.push(String(b[k + 1]));
      if (i.tflags & IPFW_TFFLAG_SRCPORT) parts.push(String(dv.getUint16(k + 4, false)));
      if (i.tflags & IPFW_TFFLAG_DSTIP) parts.push(addr(af === AF_INET ? 12 : 24));
      if (i.tflags & IPFW_TFFLAG_DSTPORT) parts.push(String(dv.getUint16(k + 6, false)));
      ctx.out(`${parts.join(",")} ${pval}\n`);
      break;
    }
  }
}

/** guess_key_type: a key's table type, or null. */
function guess_key_type(key: string): number | null {
  if (/^[0-9a-fA-F]/.test(key) || key[0] === ":") {
    const k = key.split("/")[0];
    if (inet_pton(AF_INET, k, new Uint8Array(4)) === 1 || inet_pton(AF_INET6, k, new Uint8Array(16)) === 1) return IPFW_TABLE_CIDR;
    const r = strtoul(key, 10);
    if (r.rest === "" && r.rest !== key) return IPFW_TABLE_NUMBER;
    if (r.rest !== key && r.rest[0] === ".") return null;
  }
  if (!key.includes(".")) return IPFW_TABLE_INTERFACE;
  if (lookup_host(key) === null) return null;
  return IPFW_TABLE_CIDR;
}

function tentry_fill_key_type(ctx: ipfw_ctx, arg: string, b: Uint8Array, t: number, type: number, tflags: number): void {
  const dv = dv_of(b);
  const k = t + tentry_k;
  let masklen = 0;
  let af = 0;
  switch (type) {
    case IPFW_TABLE_ADDR: {
      let host = arg;
      let mask = -1;
      const sl = arg.indexOf("/");
      if (sl >= 0) {
        host = arg.slice(0, sl);
        mask = atoi(arg.slice(sl + 1));
      }
      const a6 = new Uint8Array(16);
      if (inet_pton(AF_INET, host, a6.subarray(0, 4)) === 1) {
        if (sl >= 0 && mask > 32) errx(ctx, EX_DATAERR, `bad IPv4 mask width: ${arg.slice(sl + 1)}`);
        masklen = sl >= 0 ? mask : 32;
        af = AF_INET;
        b.set(a6.subarray(0, 4), k);
      } else if (inet_pton(AF_INET6, host, a6) === 1) {
        const compat = a6.subarray(0, 12).every((x) => x === 0) && !(a6[12] === 0 && a6[13] === 0 && a6[14] === 0 && a6[15] <= 1);
        if (compat) errx(ctx, EX_DATAERR, "Use IPv4 instead of v4-compatible");
        if (sl >= 0 && mask > 128) errx(ctx, EX_DATAERR, `bad IPv6 mask width: ${arg.slice(sl + 1)}`);
        masklen = sl >= 0 ? mask : 128;
        af = AF_INET6;
        b.set(a6, k);
      } else {
        const h = lookup_host(host);
        if (h === null) errx(ctx, EX_NOHOST, `hostname \`\`${host}'' unknown`);
        dv.setUint32(k, h, false);
        masklen = 32;
        af = AF_INET;
      }
      break;
    }
    case IPFW_TABLE_MAC: {
      let mac = arg;
      let mask = 0;
      const sl = arg.indexOf("/");
      if (sl >= 0) {
        mac = arg.slice(0, sl);
        mask = atoi(arg.slice(sl + 1));
      }
      if (sl >= 0 && mask > 8 * ETHER_ADDR_LEN) errx(ctx, EX_DATAERR, `bad MAC mask width: ${arg.slice(sl + 1)}`);
      const ea = ether_aton(mac);
      if (ea === null) errx(ctx, EX_DATAERR, "Incorrect MAC address");
      b.set(ea, k);
      masklen = sl >= 0 ? mask : 8 * ETHER_ADDR_LEN;
      af = AF_LINK;
      break;
    }
    case IPFW_TABLE_INTERFACE:
      for (let i = 0; i < Math.min(arg.length, IF_NAMESIZE - 1); i++) b[k + i] = arg.charCodeAt(i) & 0xff;
      masklen = 8 * IF_NAMESIZE;
      break;
    case IPFW_TABLE_NUMBER: {
      const r = strtoul(arg, 10);
      if (r.rest !== "" || arg.length === 0) errx(ctx, EX_DATAERR, `Invalid number: ${arg}`);
      dv.setUint32(k, ulong_to_u32(r), true);
      masklen = 32;
      break;
    }
    case IPFW_TABLE_FLOW: {
      const parts = arg.split(",");
      let pi = 0;
      const next = (what: string): string => {
        const p = parts[pi++];
        if (p === undefined) errx(ctx, EX_DATAERR, `invalid key: ${what} missing`);
        return p;
      };
      const put_ip = (s: string, o4: number, o6: number): void => {
        const a6 = new Uint8Array(16);
        if (inet_pton(AF_INET, s, a6.subarray(0, 4)) === 1) {
          if (af !== 0 && af !== AF_INET) errx(ctx, EX_DATAERR, "Inconsistent address family\n");
          af = AF_INET;
          b.set(a6.subarray(0, 4), k + o4);
        } else if (inet_pton(AF_INET6, s, a6) === 1) {
          if (af !== 0 && af !== AF_INET6) errx(ctx, EX_DATAERR, "Inconsistent address family\n");
          af = AF_INET6;
          b.set(a6, k + o6);
        }
      };
      const port = (s: string): number => {
        const r = strtoul(s, 10);
        if (r.rest === "" && s.length > 0) return ulong_to_u16(r);
        const p = getservbyname(s, null);
        if (p === null) errx(ctx, EX_DATAERR, `Unknown service: ${s}`);
        return p;
      };
      if (tflags & IPFW_TFFLAG_SRCIP) put_ip(parts[pi++] ?? "", 8, 8);
      if (tflags & IPFW_TFFLAG_PROTO) {
        const s = next("proto");
        const r = strtoul(s, 10);
        let key = ulong_to_u32(r);
        if (r.rest !== "" || s.length === 0) {
          const p = getprotobyname(s);
          if (p === null) errx(ctx, EX_DATAERR, `Unknown proto: ${s}`);
          key = p;
        }
        if (key > 255) errx(ctx, EX_DATAERR, `Bad protocol number: ${key}`);
        b[k + 1] = key;
      }
      if (tflags & IPFW_TFFLAG_SRCPORT) dv.setUint16(k + 4, port(next("src port")), false);
      if (tflags & IPFW_TFFLAG_DSTIP) put_ip(next("dst ip"), 12, 24);
      if (tflags & IPFW_TFFLAG_DSTPORT) dv.setUint16(k + 6, port(next("dst port")), false);
      b[k] = af;
      break;
    }
    default:
      errx(ctx, EX_DATAERR, `Unsupported table type: ${type}`);
  }
  b[t + tentry_subtype] = af;
  b[t + tentry_masklen] = masklen;
}

function tentry_fill_key(ctx: ipfw_ctx, oh: objheader, b: Uint8Array, t: number, key: string, add: boolean, xi: { v: xtable_info | null }): { type: number; vmask: number } {
  let type = 0;
  let tflags = 0;
  let vmask = 0;
  let error = 0;
  if (xi.v === null) {
    const r = table_get_info(ctx, oh);
    error = r.error;
    if (r.xi !== null) xi.v = r.xi;
  }
  if (error === 0) {
    if (!ctx.co.test_only && xi.v !== null) {
      type = xi.v.type;
      tflags = xi.v.tflags;
      vmask = xi.v.vmask;
    } else {
      const g = guess_key_type(key);
      if (g === null) errx(ctx, EX_USAGE, `Cannot guess key '${key}' type`);
      type = g;
      vmask = IPFW_VTYPE_LEGACY;
    }
  } else {
    if (error !== ESRCH) errx(ctx, EX_OSERR, `Error requesting table ${oh.name} info`);
    if (!add) errx(ctx, EX_DATAERR, `Table ${oh.name} does not exist`);
    const g = guess_key_type(key);
    if (g === null) errx(ctx, EX_USAGE, `Table ${oh.name} does not exist, cannot guess key '${key}' type`);
    type = g;
    vmask = IPFW_VTYPE_LEGACY;
  }
  tentry_fill_key_type(ctx, key, b, t, type, tflags);
  return { type, vmask };
}

function set_legacy_value(b: Uint8Array, v: number, val: number): void {
  const dv = dv_of(b);
  dv.setUint32(v + tvalue_tag, val >>> 0, true);
  dv.setUint32(v + tvalue_pipe, val >>> 0, true);
  dv.setUint16(v + tvalue_divert, val & 0xffff, true);
  dv.setUint16(v + tvalue_skipto, val & 0xffff, true);
  dv.setUint32(v + tvalue_netgraph, val >>> 0, true);
  dv.setUint32(v + tvalue_fib, val >>> 0, true);
  dv.setUint32(v + tvalue_nat, val >>> 0, true);
  dv.setUint32(v + tvalue_nh4, val >>> 0, true);
  b[v + tvalue_dscp] = val & 0xff;
  dv.setUint32(v + tvalue_limit, val >>> 0, true);
}

function tentry_fill_value(ctx: ipfw_ctx, b: Uint8Array, t: number, arg: string, vmask: number): void {
  const v = t + tentry_v;
  const dv = dv_of(b);
  if (vmask >>> 0 === IPFW_VTYPE_LEGACY) {
    const r = strtoul(arg, 0);
    if (r.rest === "" && arg.length > 0) {
      set_legacy_value(b, v, ulong_to_u32(r));
      return;
    }
    const a4 = new Uint8Array(4);
    if (inet_pton(AF_INET, arg, a4) === 1) {
      set_legacy_value(b, v, dv_of(a4).getUint32(0, false));
      return;
    }
    const h = lookup_host(arg);
    if (h !== null) {
      // FreeBSD stores this one in network order (it does not ntohl here).
      set_legacy_value(b, v, ((h & 0xff) << 24) | ((h >>> 8 & 0xff) << 16) | ((h >>> 16 & 0xff) << 8) | (h >>> 24));
      return;
    }
    errx(ctx, EX_OSERR, `Unable to parse value ${arg}`);
  }
  const fields = arg.split(",");
  let fi = 0;
  let rest = vmask >>> 0;
  for (let f = 1; f < 0x80000000; f *= 2) {
    if ((rest & f) === 0) continue;
    rest &= ~f;
    const n = fields[fi++];
    let etype: string | null = null;
    const num = (): number => {
      const r = strtoul(n, 10);
      if (r.rest !== "" || n.length === 0) etype = "";
      return ulong_to_u32(r);
    };
    switch (f) {
      case IPFW_VTYPE_TAG:
        dv.setUint32(v + tvalue_tag, num(), true);
        if (etype !== null) etype = "tag";
        break;
      case IPFW_VTYPE_PIPE:
        dv.setUint32(v + tvalue_pipe, num(), true);
        if (etype !== null) etype = "pipe";
        break;
      case IPFW_VTYPE_DIVERT:
        dv.setUint16(v + tvalue_divert, num() & 0xffff, true);
        if (etype !== null) etype = "divert";
        break;
      case IPFW_VTYPE_SKIPTO:
        dv.setUint16(v + tvalue_skipto, num() & 0xffff, true);
        if (etype !== null) etype = "skipto";
        break;
      case IPFW_VTYPE_NETGRAPH:
        dv.setUint32(v + tvalue_netgraph, num(), true);
        if (etype !== null) etype = "netgraph";
        break;
      case IPFW_VTYPE_FIB:
        dv.setUint32(v + tvalue_fib, num(), true);
        if (etype !== null) etype = "fib";
        break;
      case IPFW_VTYPE_NAT:
        dv.setUint32(v + tvalue_nat, num(), true);
        if (etype !== null) etype = "nat";
        break;
      case IPFW_VTYPE_LIMIT:
        dv.setUint32(v + tvalue_limit, num(), true);
        if (etype !== null) etype = "limit";
        break;
      case IPFW_VTYPE_NH4: {
        const a = n.includes(".") ? inet_aton(n) : null;
        const h = a ?? lookup_host(n);
        if (h !== null) dv.setUint32(v + tvalue_nh4, h, true);
        else etype = "ipv4";
        break;
      }
      case IPFW_VTYPE_DSCP:
        if (/^[A-Za-z]/.test(n)) {
          const d = match_token(f_ipdscp, n);
          if (d !== -1) b[v + tvalue_dscp] = d;
          else etype = "DSCP code";
        } else {
          const d = num();
          b[v + tvalue_dscp] = d & 0xff;
          if (d > 63 || etype !== null) etype = "DSCP value";
        }
        break;
      case IPFW_VTYPE_NH6: {
        const a6 = new Uint8Array(16);
        if (n.includes(":") && inet_pton(AF_INET6, n.split("%")[0], a6) === 1) b.set(a6, v + tvalue_nh6);
        else etype = "ipv6";
        break;
      }
    }
    if (etype !== null) errx(ctx, EX_USAGE, `Unable to parse ${n} as ${etype}`);
    if (fi < fields.length) continue;
    if (rest !== 0) errx(ctx, EX_USAGE, "Not enough fields inside value");
    break;
  }
}

function table_modify_record(ctx: ipfw_ctx, oh: objheader, av: string[], add: boolean, quiet: boolean, update: boolean, atomic: boolean): void {
  if (av.length === 0) errx(ctx, EX_USAGE, "address required");
  const cmd = add ? IP_FW_TABLE_XADD : IP_FW_TABLE_XDEL;
  const texterr = add ? "Adding record failed" : "Deleting record failed";
  const maxcount = add ? Math.floor(av.length / 2) + 1 : av.length;
  const tents = new Uint8Array(SZ_ipfw_obj_tentry * maxcount);
  const xi: { v: xtable_info | null } = { v: null };
  let count = 0;
  let a = 0;
  while (a < av.length) {
    const t = count * SZ_ipfw_obj_tentry;
    const { type, vmask } = tentry_fill_key(ctx, oh, tents, t, av[a], add, xi);
    if (xi.v === null) {
      // Compatibility: create the table on first insertion.
      const nxi = xi_new();
      nxi.type = type;
      nxi.vmask = vmask;
      nxi.tablename = oh.name;
      if (!quiet) warnx(ctx, `DEPRECATED: inserting data into non-existent table ${nxi.tablename}. (auto-created)`);
      table_do_create(ctx, oh, nxi);
      xi.v = nxi;
    }
    oh.type = type;
    a++;
    if (add && a < av.length) {
      tentry_fill_value(ctx, tents, t, av[a], vmask);
      a++;
    }
    if (update) dv_of(tents).setUint16(t + 2, dv_of(tents).getUint16(t + 2, true) | IPFW_TF_UPDATE, true);
    count++;
  }
  const xinfo = xi.v;
  // table_do_modify_record: [ ipfw_obj_header ipfw_obj_ctlv ipfw_obj_tentry x N ]
  const sz = SZ_ipfw_obj_ctlv + SZ_ipfw_obj_tentry * count;
  const buf = oh_buf(oh, sz);
  const dv = dv_of(buf);
  dv.setUint16(op3_version, 1, true);
  ctlv_write(dv, SZ_ipfw_obj_header, 0, sz, count, 0, 0, atomic ? IPFW_CTF_ATOMIC : 0);
  buf.set(tents.subarray(0, count * SZ_ipfw_obj_tentry), SZ_ipfw_obj_header + SZ_ipfw_obj_ctlv);
  for (let i = 0; i < count; i++) {
    const t = SZ_ipfw_obj_header + SZ_ipfw_obj_ctlv + i * SZ_ipfw_obj_tentry;
    const flags = dv.getUint16(t + 2, true);
    tlv_write(dv, t, IPFW_TLV_TBL_ENT, flags, SZ_ipfw_obj_tentry);
    dv.setUint16(t + tentry_idx, oh.idx, true);
  }
  const error = do_get3(ctx, cmd, buf).error;
  if ((error === 0 || (error === EEXIST && add) || (error === ENOENT && !add)) && quiet) return;
  const shown = xinfo ?? xi_new();
  for (let i = 0; i < count; i++) {
    const t = SZ_ipfw_obj_header + SZ_ipfw_obj_ctlv + i * SZ_ipfw_obj_tentry;
    let px: string;
    let ignored = true;
    switch (buf[t + tentry_result]) {
      case IPFW_TR_ADDED:
        px = "added";
        ignored = false;
        break;
      case IPFW_TR_DELETED:
        px = "deleted";
        ignored = false;
        break;
      case IPFW_TR_UPDATED:
        px = "updated";
        ignored = false;
        break;
      case IPFW_TR_LIMIT:
        px = "limit";
        break;
      case IPFW_TR_ERROR:
        px = "error";
        break;
      case IPFW_TR_NOTFOUND:
        px = "notfound";
        break;
      case IPFW_TR_EXISTS:
        px = "exists";
        break;
      case IPFW_TR_IGNORED:
        px = "ignored";
        break;
      default:
        px = "unknown";
    }
    ctx.out(error !== 0 && atomic && !ignored ? `${px}(reverted): ` : `${px}: `);
    table_show_entry(ctx, shown, buf, t);
  }
  if (error === 0) return;
  const etxt =
    error === EEXIST ? "record already exists"
    : error === EFBIG ? "limit hit"
    : error === ESRCH ? "table not found"
    : error === ENOENT ? "record not found"
    : error === EACCES ? "table is locked"
    : strerror(error);
  errx(ctx, EX_OSERR, `${texterr}: ${etxt}`);
}

function table_lookup(ctx: ipfw_ctx, oh: objheader, av: string[]): void {
  if (av.length === 0) errx(ctx, EX_USAGE, "address required");
  const key = av[0].slice(0, 63);
  const xi: { v: xtable_info | null } = { v: null };
  const tent = new Uint8Array(SZ_ipfw_obj_tentry);
  const { type } = tentry_fill_key(ctx, oh, tent, 0, key, false, xi);
  oh.type = type;
  const buf = oh_buf(oh, SZ_ipfw_obj_tentry);
  buf.set(tent, SZ_ipfw_obj_header);
  const dv = dv_of(buf);
  tlv_write(dv, SZ_ipfw_obj_header, 0, 0, SZ_ipfw_obj_tentry);
  dv.setUint16(SZ_ipfw_obj_header + tentry_idx, 1, true);
  const r = do_get3(ctx, IP_FW_TABLE_XFIND, buf);
  let error = r.error;
  if (error === 0 && r.len < buf.length) error = EINVAL;
  switch (error) {
    case 0:
      break;
    case ESRCH:
      errx(ctx, EX_UNAVAILABLE, `Table ${oh.name} not found`);
    case ENOENT:
      errx(ctx, EX_UNAVAILABLE, `Entry ${av[0]} not found`);
    case EOPNOTSUPP:
      errx(ctx, EX_UNAVAILABLE, `Table ${oh.name} algo does not support "lookup" method`);
    default:
      err(ctx, EX_OSERR, "getsockopt(IP_FW_TABLE_XFIND)", error);
  }
  table_show_entry(ctx, xi.v ?? xi_new(), buf, SZ_ipfw_obj_header);
}

/** `ipfw internal talist`: the lookup algorithms the kernel offers. */
export function ipfw_list_ta(ctx: ipfw_ctx, _av: string[]): void {
  const r = ipfw_get_lheader(ctx, IP_FW_TABLES_ALIST);
  if (r.buf === null) err(ctx, EX_OSERR, "Unable to request algorithm list", r.error);
  const dv = dv_of(r.buf);
  const count = dv.getUint32(lheader_count, true);
  const objsize = dv.getUint32(lheader_objsize, true) || SZ_ipfw_ta_info;
  for (let i = 0, o = SZ_ipfw_obj_lheader; i < count && o + SZ_ipfw_ta_info <= r.buf.length; i++, o += objsize) {
    const atype = match_value(tabletypes, dv.getUint32(o + 64, true)) ?? "unknown";
    ctx.out(`--- ${cstr_read(r.buf, o, 64)} ---\n`);
    ctx.out(` type: ${atype}\n refcount: ${dv.getUint32(o + 72, true)}\n`);
  }
}

/** `ipfw internal vlist`: the shared table values. */
export function ipfw_list_values(ctx: ipfw_ctx, _av: string[]): void {
  const r = ipfw_get_lheader(ctx, IP_FW_TABLE_VLIST);
  if (r.buf === null) err(ctx, EX_OSERR, "Unable to request value list", r.error);
  const dv = dv_of(r.buf);
  const count = dv.getUint32(lheader_count, true);
  const objsize = dv.getUint32(lheader_objsize, true);
  const vmask = 0x7fffffff;
  ctx.out(`HEADER: ${table_print_valheader(vmask)}\n`);
  const vals: number[] = [];
  for (let i = 0, o = SZ_ipfw_obj_lheader; i < count && objsize > 0 && o + objsize <= r.buf.length; i++, o += objsize) vals.push(o);
  // struct _table_value: spare1 (the value's index) at 30, mark at 56, refcnt at 64.
  vals.sort((x, y) => dv.getUint16(x + 30, true) - dv.getUint16(y + 30, true));
  for (const o of vals) {
    const refcnt = objsize >= 72 ? dv.getUint32(o + 64, true) + dv.getUint32(o + 68, true) * 0x100000000 : 0;
    ctx.out(`[${dv.getUint16(o + 30, true)}] refs=${refcnt} ${table_show_value(r.buf, o, vmask, false)}\n`);
  }
}
