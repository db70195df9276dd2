// Helpers for the ipfw kernel tests: IP_FW3 requests encoded by hand in
// FreeBSD 14's ip_fw.h layout (little-endian, as amd64), sent from a process
// inside a jail through setsockopt/getsockopt on a raw socket, as ipfw(8)
// does.  The constants are written out here rather than imported, so the
// tests check the kernel against the ABI and not against itself.
import { loadKernelUnbooted, type Kernel } from "../../helpers/builds.ts";
import type { proc } from "../../../kern/uipc_syscalls.ts";

export const IP_FW3 = 48;
export const IP_FW_TABLE_XADD = 86;
export const IP_FW_TABLE_XDEL = 87;
export const IP_FW_TABLE_XLIST = 89;
export const IP_FW_TABLE_XDESTROY = 90;
export const IP_FW_TABLES_XLIST = 92;
export const IP_FW_TABLE_XINFO = 93;
export const IP_FW_TABLE_XFLUSH = 94;
export const IP_FW_TABLE_XCREATE = 95;
export const IP_FW_XGET = 97;
export const IP_FW_XADD = 98;
export const IP_FW_XDEL = 99;
export const IP_FW_TABLE_XFIND = 106;
export const IP_FW_TABLES_ALIST = 108;
export const IP_FW_TABLE_XSWAP = 109;

export const O_IP_SRC_LOOKUP = 59;
export const O_IP_DST_LOOKUP = 60;
export const O_PROTO = 11;
export const O_IN = 15;
export const O_PROBE_STATE = 38;
export const O_KEEP_STATE = 39;
export const O_LIMIT = 40;
export const O_LIMIT_PARENT = 41;
export const O_CHECK_STATE = 44;
export const O_ACCEPT = 45;
export const O_DENY = 46;
export const F_NOT = 0x80;
export const DYN_SRC_ADDR = 0x1;

export const IPFW_TLV_TBL_NAME = 1;
export const IPFW_TLV_TBLNAME_LIST = 2;
export const IPFW_TLV_RULE_LIST = 3;
export const IPFW_TLV_DYNSTATE_LIST = 4;
export const IPFW_TLV_DYN_ENT = 6;
export const IPFW_TLV_TBLENT_LIST = 8;
export const IPFW_TLV_STATE_NAME = 14;
export const IPFW_CFG_GET_STATIC = 1;
export const IPFW_CFG_GET_STATES = 2;

export const IPFW_TABLE_ADDR = 1;
export const IPFW_TABLE_NUMBER = 3;
export const IPFW_TR_ADDED = 1;
export const IPFW_TR_DELETED = 3;
export const IPFW_TR_NOTFOUND = 5;
export const IPFW_TR_EXISTS = 6;

export const SZ_OP3 = 8;
export const SZ_NTLV = 80;
export const SZ_CTLV = 16;
export const SZ_OBJ_HEADER = 96;
export const SZ_LHEADER = 24;
export const SZ_XTABLE_INFO = 208;
export const SZ_TENTRY = 128;
export const SZ_TA_INFO = 88;
export const SZ_DYN_RULE = 128;
export const SZ_CFG_LHEADER = 32;

export const AF_INET = 2;
export const AF_INET6 = 28;

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function op3(b: Uint8Array, off: number, opcode: number, version = 0): void {
  const d = dv(b);
  d.setUint16(off, opcode, true);
  d.setUint16(off + 2, version, true);
}

export function ntlv(b: Uint8Array, off: number, type: number, idx: number, name: string, objtype = 0, set = 0): void {
  const d = dv(b);
  d.setUint16(off, type, true);
  d.setUint32(off + 4, SZ_NTLV, true);
  d.setUint16(off + 8, idx, true);
  d.setUint8(off + 10, set);
  d.setUint8(off + 11, objtype);
  for (let i = 0; i < name.length; i++) b[off + 16 + i] = name.charCodeAt(i);
}

/** One instruction word: opcode, F_LEN (| F_NOT ...), arg1. */
export function insn(opcode: number, len: number, arg1: number, flags = 0): number[] {
  return [opcode | (((len & 0x3f) | flags) << 8) | (arg1 << 16)];
}

/** ipfw_insn_limit: o, _pad, limit_mask, conn_limit. */
export function insn_limit(arg1: number, mask: number, conn_limit: number): number[] {
  return [O_LIMIT | (2 << 8) | (arg1 << 16), (mask << 8) | (conn_limit << 16)];
}

/** An IP_FW_XADD request for one rule: the names it uses, then the rule. */
export function xadd_rule(rulenum: number, cmd: number[], act_ofs: number, names: { type: number; idx: number; name: string }[] = []): Uint8Array {
  const rsize = Math.ceil((12 + cmd.length * 4) / 8) * 8;
  const nsize = names.length > 0 ? SZ_CTLV + names.length * SZ_NTLV : 0;
  const b = new Uint8Array(SZ_OP3 + nsize + SZ_CTLV + rsize);
  const d = dv(b);
  op3(b, 0, IP_FW_XADD);
  let off = SZ_OP3;
  if (names.length > 0) {
    d.setUint16(off, IPFW_TLV_TBLNAME_LIST, true);
    d.setUint32(off + 4, nsize, true);
    d.setUint32(off + 8, names.length, true);
    d.setUint16(off + 12, SZ_NTLV, true);
    names.forEach((n, i) => ntlv(b, off + SZ_CTLV + i * SZ_NTLV, n.type, n.idx, n.name));
    off += nsize;
  }
  d.setUint16(off, IPFW_TLV_RULE_LIST, true);
  d.setUint32(off + 4, SZ_CTLV + rsize, true);
  d.setUint32(off + 8, 1, true);
  off += SZ_CTLV;
  d.setUint16(off, act_ofs, true);
  d.setUint16(off + 2, cmd.length, true);
  d.setUint16(off + 4, rulenum, true);
  cmd.forEach((w, i) => d.setUint32(off + 12 + i * 4, w >>> 0, true));
  return b;
}

/** An ipfw_obj_header naming table `name` (idx 1), then `extra` bytes. */
export function objheader(opcode: number, name: string, extra: number, version = 0, type = 0): Uint8Array {
  const b = new Uint8Array(SZ_OBJ_HEADER + extra);
  op3(b, 0, opcode, version);
  dv(b).setUint16(12, 1, true);
  ntlv(b, 16, IPFW_TLV_TBL_NAME, 1, name, type);
  return b;
}

/** IP_FW_TABLE_XCREATE: [ ipfw_obj_header ipfw_xtable_info ]. */
export function xcreate(name: string, type: number, vmask = 0, algo = ""): Uint8Array {
  const b = objheader(IP_FW_TABLE_XCREATE, name, SZ_XTABLE_INFO);
  const i = SZ_OBJ_HEADER;
  b[i] = type;
  dv(b).setUint32(i + 12, vmask, true);
  for (let j = 0; j < algo.length; j++) b[i + 104 + j] = algo.charCodeAt(j);
  return b;
}

export interface tent {
  subtype: number;
  masklen: number;
  /** Key bytes as they go in k (address bytes, or the u32 of a number). */
  key: Uint8Array;
  /** ipfw_table_value.tag (the value the legacy format shows). */
  tag?: number;
  skipto?: number;
  result?: number;
}

/** IP_FW_TABLE_XADD / XDEL v1: [ ipfw_obj_header ipfw_obj_ctlv [ ipfw_obj_tentry x N ] ]. */
export function xentries(opcode: number, name: string, type: number, ents: tent[], flags = 0): Uint8Array {
  const b = objheader(opcode, name, SZ_CTLV + ents.length * SZ_TENTRY, 1, type);
  const d = dv(b);
  const c = SZ_OBJ_HEADER;
  d.setUint16(c, IPFW_TLV_TBLENT_LIST, true);
  d.setUint32(c + 4, SZ_CTLV + ents.length * SZ_TENTRY, true);
  d.setUint32(c + 8, ents.length, true);
  b[c + 15] = flags;
  ents.forEach((e, n) => {
    const o = c + SZ_CTLV + n * SZ_TENTRY;
    d.setUint16(o, 5, true); // IPFW_TLV_TBL_ENT
    d.setUint32(o + 4, SZ_TENTRY, true);
    b[o + 8] = e.subtype;
    b[o + 9] = e.masklen;
    d.setUint16(o + 12, 1, true);
    b.set(e.key, o + 16);
    d.setUint32(o + 56, e.tag ?? 0, true);
    d.setUint16(o + 56 + 10, e.skipto ?? 0, true);
  });
  return b;
}

/** The entries of an XADD/XDEL answer or an XLIST dump at off. */
export function read_tentries(b: Uint8Array, off: number, n: number): tent[] {
  const d = dv(b);
  const out: tent[] = [];
  for (let i = 0; i < n; i++) {
    const o = off + i * SZ_TENTRY;
    const subtype = b[o + 8];
    out.push({
      subtype,
      masklen: b[o + 9],
      result: b[o + 10],
      key: b.slice(o + 16, o + 16 + (subtype === AF_INET6 ? 16 : 4)),
      tag: d.getUint32(o + 56, true),
      skipto: d.getUint16(o + 66, true),
    });
  }
  return out;
}

export function v4(s: string): Uint8Array {
  return Uint8Array.from(s.split(".").map(Number));
}

export function v6(s: string): Uint8Array {
  const [head, tail] = s.includes("::") ? s.split("::") : [s, ""];
  const h = head === "" ? [] : head.split(":");
  const t = tail === "" ? [] : tail.split(":");
  const words = [...h, ...new Array(8 - h.length - t.length).fill("0"), ...t].map((x) => parseInt(x, 16));
  const b = new Uint8Array(16);
  words.forEach((w, i) => {
    b[i * 2] = w >> 8;
    b[i * 2 + 1] = w & 0xff;
  });
  return b;
}

export function fmt_key(e: tent): string {
  if (e.subtype === AF_INET6) {
    const w: string[] = [];
    for (let i = 0; i < 8; i++) w.push(((e.key[i * 2] << 8) | e.key[i * 2 + 1]).toString(16));
    return `${w.join(":")}/${e.masklen}`;
  }
  return `${[...e.key].join(".")}/${e.masklen}`;
}

/** A process of jail `jid` with a raw socket for IP_FW3. */
export class fwctl {
  readonly p: proc;
  readonly fd: number;
  constructor(
    readonly k: Kernel,
    jid: number,
  ) {
    this.p = k.proc_create(k.cred0, "ipfw");
    const e = k.sys_jail_attach_proc(this.p, jid);
    if (e !== 0) throw new Error(`jail_attach: ${e}`);
    const s = k.sys_socket(this.p, 2, 3, 255); // AF_INET, SOCK_RAW, IPPROTO_RAW
    if (s.error !== 0) throw new Error(`socket: ${s.error}`);
    this.fd = s.fd;
  }
  set(b: Uint8Array): number {
    return this.k.sys_setsockopt(this.p, this.fd, 0, IP_FW3, b);
  }
  /** A get: the request goes in b, the answer comes back in it. */
  get(b: Uint8Array): { error: number; b: Uint8Array } {
    const r = this.k.sys_getsockopt(this.p, this.fd, 0, IP_FW3, b);
    return { error: r.error, b };
  }
  close(): void {
    this.k.sys_close(this.p, this.fd);
  }
}

export interface script_out {
  k: Kernel;
  out: string;
  err: string;
  status: number;
}

/**
 * Boot a fresh kernel, run `setup`, then `steps`: each a piece of script for
 * the same shell, or a function run on the kernel between pieces (what it
 * returns is printed).
 */
export async function run_steps(setup: string, steps: (string | ((k: Kernel) => string | void))[]): Promise<script_out> {
  const k = await loadKernelUnbooted("vimage");
  let out = "";
  let err = "";
  const status = await k.virtnet_run_script(setup, {
    seed: 0,
    pcapdir: null,
    name: "t.sh",
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (err += s) },
    cwd: process.cwd(),
    more: async (run) => {
      for (const s of steps) {
        if (typeof s === "string") await run(s);
        else {
          const r = s(k);
          if (typeof r === "string") out += r;
        }
      }
      return null;
    },
  });
  return { k, out, err, status };
}

/** Two vnet jails a (10.0.0.1/24, jid 1) and b (10.0.0.2/24, jid 2) over epair0, and ipfw. */
export const TWO_JAILS_IPFW = `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
kldload ipfw
`;

/** allow ip from any to any: [O_ACCEPT]. */
export function rule_allow_all(rulenum: number): Uint8Array {
  return xadd_rule(rulenum, insn(O_ACCEPT, 1, 0), 0);
}
