// Helpers for the ipfw tests: rules encoded by hand into FreeBSD 14's IP_FW3
// ABI (ipfw_insn words, ip_fw_rule, the XADD/XGET/XDEL requests), and a
// test program "fw" that a script runs inside a jail to send them over a raw
// socket's getsockopt/setsockopt, as ipfw(8) does.  The rules are built in
// TypeScript and handed to the script by name (fw add NAME).
import type { Kernel } from "../../helpers/builds.ts";
import type { prog_ctx } from "../../../sbin/libc.ts";
import type { proc } from "../../../kern/uipc_syscalls.ts";
import * as F from "../../../netinet/ip_fw.ts";

/** One instruction: its words, little-endian, flags in the len byte. */
export type insn = Uint8Array;

function words(n: number): { b: Uint8Array; dv: DataView } {
  const b = new Uint8Array(n * 4);
  return { b, dv: new DataView(b.buffer) };
}

/** A one-word instruction (O_ACCEPT, O_PROTO with arg1, O_SKIPTO ...). */
export function I(op: number, arg1 = 0, flags = 0): insn {
  const { b, dv } = words(1);
  F.insn_write(dv, 0, op, 1, arg1, flags);
  return b;
}

/** ipfw_insn_u32 with these words after the header. */
export function U32(op: number, d: number[], arg1 = 0, flags = 0): insn {
  const { b, dv } = words(1 + d.length);
  F.insn_write(dv, 0, op, 1 + d.length, arg1, flags);
  d.forEach((x, i) => dv.setUint32(4 + i * 4, x >>> 0, true));
  return b;
}

function aton(s: string): number {
  const p = s.split(".").map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** O_IP_SRC / O_IP_DST: one address, stored in network order. */
export function IPADDR(op: number, addr: string, flags = 0): insn {
  const { b, dv } = words(2);
  F.insn_write(dv, 0, op, 2, 0, flags);
  dv.setUint32(4, aton(addr), false);
  return b;
}

/** O_IP_SRC_MASK / O_IP_DST_MASK: addr/mask pairs (network order). */
export function IPMASK(op: number, pairs: [string, string][], flags = 0): insn {
  const { b, dv } = words(1 + pairs.length * 2);
  F.insn_write(dv, 0, op, 1 + pairs.length * 2, 0, flags);
  pairs.forEach(([a, m], i) => {
    dv.setUint32(4 + i * 8, aton(a) & aton(m), false);
    dv.setUint32(8 + i * 8, aton(m), false);
  });
  return b;
}

/** ipfw_insn_u16 port (or length, ttl ...) ranges. */
export function RANGES(op: number, r: [number, number][], flags = 0): insn {
  const { b, dv } = words(1 + r.length);
  F.insn_write(dv, 0, op, 1 + r.length, 0, flags);
  r.forEach(([lo, hi], i) => {
    dv.setUint16(4 + i * 4, lo, true);
    dv.setUint16(6 + i * 4, hi, true);
  });
  return b;
}

/** ipfw_insn_log with its logamount. */
export function LOG(max_log = 0): insn {
  const { b, dv } = words(3);
  F.insn_write(dv, 0, F.O_LOG, 3, 0);
  dv.setUint32(4, max_log, true);
  return b;
}

/** ipfw_insn_if: recv/xmit/via an interface name. */
export function IFNAME(op: number, name: string, flags = 0): insn {
  const { b, dv } = words(6);
  F.insn_write(dv, 0, op, 6, 0, flags);
  const glob = /[*?[]/.test(name) ? 1 : 0;
  dv.setInt32(4, glob, true);
  for (let i = 0; i < name.length && i < 15; i++) b[8 + i] = name.charCodeAt(i);
  return b;
}

/** ipfw_insn_sa: fwd to addr (port in network order, as ipfw(8) leaves it). */
export function FWD(addr: string, port = 0): insn {
  const { b, dv } = words(5);
  F.insn_write(dv, 0, F.O_FORWARD_IP, 5, 0);
  b[4] = 16;
  b[5] = 2;
  dv.setUint16(6, port, false);
  dv.setUint32(8, aton(addr), false);
  return b;
}

/** An ip_fw_rule: the options, then the actions (act_ofs at the first). */
export function rule_body(rulenum: number, set: number, opts: insn[], actions: insn[]): Uint8Array {
  const optw = opts.reduce((n, x) => n + x.length / 4, 0);
  const actw = actions.reduce((n, x) => n + x.length / 4, 0);
  const cmd_len = optw + actw;
  const size = F.roundup2(F.SZ_ip_fw_rule_hdr + cmd_len * 4, 8);
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  F.ip_fw_rule_write(dv, 0, optw, cmd_len, rulenum, set, opts.length === 0 ? F.IPFW_RULE_NOOPT : 0);
  let off = F.SZ_ip_fw_rule_hdr;
  for (const x of [...opts, ...actions]) {
    b.set(x, off);
    off += x.length;
  }
  return b;
}

/** The IP_FW_XADD request for one rule body (ip_fw_rule bytes, 8-aligned). */
export function xadd(body: Uint8Array): Uint8Array {
  const clen = F.SZ_ipfw_obj_ctlv + body.length;
  const b = new Uint8Array(F.SZ_ip_fw3_opheader + clen);
  const dv = new DataView(b.buffer);
  F.op3_write(dv, 0, F.IP_FW_XADD);
  F.ctlv_write(dv, 8, F.IPFW_TLV_RULE_LIST, clen, 1, 0);
  b.set(body, 8 + F.SZ_ipfw_obj_ctlv);
  return b;
}

/** An ipfw_range_header request (XDEL, XZERO, XMOVE, set ops). */
export function xrange(opcode: number, flags: number, start: number, end: number, set = 0, new_set = 0): Uint8Array {
  const b = new Uint8Array(F.SZ_ipfw_range_header);
  const dv = new DataView(b.buffer);
  F.op3_write(dv, 0, opcode);
  F.range_tlv_write(dv, 8, flags, start, end, set, new_set);
  return b;
}

/** A rule as XGET lists it, with counters. */
export interface listed_rule {
  rulenum: number;
  set: number;
  pcnt: number;
  bcnt: number;
  cmd: Uint8Array;
  act_ofs: number;
}

/** Parse an IP_FW_XGET answer (static rules with counters). */
export function parse_xget(b: Uint8Array): { set_mask: number; rules: listed_rule[] } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const set_mask = dv.getUint32(F.cfg_set_mask, true);
  const size = dv.getUint32(F.cfg_size, true);
  const rules: listed_rule[] = [];
  let off = F.SZ_ipfw_cfg_lheader;
  while (off < size) {
    const type = dv.getUint16(off, true);
    const len = dv.getUint32(off + 4, true);
    if (type === F.IPFW_TLV_RULE_LIST) {
      const count = dv.getUint32(off + F.ctlv_count, true);
      let r = off + F.SZ_ipfw_obj_ctlv;
      for (let i = 0; i < count; i++) {
        const rlen = dv.getUint32(r + 4, true);
        const c = r + 8;
        const u = c + F.SZ_ip_fw_bcounter;
        const cmd_len = dv.getUint16(u + 2, true);
        rules.push({
          rulenum: dv.getUint16(u + 4, true),
          set: dv.getUint8(u + 6),
          pcnt: F.u64_read(dv, c + 8),
          bcnt: F.u64_read(dv, c + 16),
          act_ofs: dv.getUint16(u, true),
          cmd: b.slice(u + 12, u + 12 + cmd_len * 4),
        });
        r += rlen;
      }
    }
    off += len;
  }
  return { set_mask, rules };
}

/**
 * Install the "fw" test program.  Sub-commands:
 *   fw add NAME          send the XADD built under NAME, print the number
 *   fw show              XGET with counters: "NNNNN pkts bytes" per rule
 *   fw del N [M]         XDEL of rules N..M; "fw flush": all but set 31
 *   fw zero [N]          XZERO (all, or rule N)
 *   fw set disable|enable S
 *   fw raw HEX           any request, its errno printed
 */
export function install_fw(k: Kernel, rules: Map<string, Uint8Array>, seen?: { last: Uint8Array | null }): void {
  k.programs.set("fw", async (ctx: prog_ctx) => {
    const p = ctx.p as proc;
    const s = k.sys_socket(p, k.AF_INET, k.SOCK_RAW, k.IPPROTO_RAW);
    if (s.error !== 0) {
      ctx.stderr.write(`fw: socket: ${k.strerror(s.error)}\n`);
      return 71;
    }
    const get = (req: Uint8Array, room = 0): { error: number; val: Uint8Array } => {
      const buf = new Uint8Array(Math.max(req.length, room));
      buf.set(req);
      const r = k.sys_getsockopt(p, s.fd, k.IPPROTO_IP, F.IP_FW3, buf);
      return { error: r.error, val: r.val instanceof Uint8Array ? r.val : new Uint8Array(0) };
    };
    const set = (req: Uint8Array): number => k.sys_setsockopt(p, s.fd, k.IPPROTO_IP, F.IP_FW3, req);
    let status = 0;
    const a = ctx.argv;
    try {
      switch (a[1]) {
        case "add": {
          const req = rules.get(a[2] ?? "");
          if (req === undefined) throw new Error(`no rule ${a[2]}`);
          const r = get(req);
          if (seen !== undefined) seen.last = r.val;
          if (r.error !== 0) {
            ctx.stdout.write(`fw: add: ${k.strerror(r.error)}\n`);
            status = 1;
            break;
          }
          const dv = new DataView(r.val.buffer, r.val.byteOffset);
          ctx.stdout.write(`added ${dv.getUint16(8 + F.SZ_ipfw_obj_ctlv + 4, true)}\n`);
          break;
        }
        case "show": {
          const hdr = new Uint8Array(F.SZ_ipfw_cfg_lheader);
          const hdv = new DataView(hdr.buffer);
          F.op3_write(hdv, 0, F.IP_FW_XGET);
          hdv.setUint32(F.cfg_flags, F.IPFW_CFG_GET_STATIC | F.IPFW_CFG_GET_COUNTERS, true);
          let r = get(hdr);
          if (r.error === k.ENOMEM) {
            const need = new DataView(r.val.buffer, r.val.byteOffset).getUint32(F.cfg_size, true);
            r = get(hdr, need);
          }
          if (r.error !== 0) {
            ctx.stdout.write(`fw: show: ${k.strerror(r.error)}\n`);
            status = 1;
            break;
          }
          for (const x of parse_xget(r.val).rules) ctx.stdout.write(`${String(x.rulenum).padStart(5, "0")} ${x.pcnt} ${x.bcnt}\n`);
          break;
        }
        case "del":
        case "flush": {
          const req = a[1] === "flush" ? xrange(F.IP_FW_XDEL, F.IPFW_RCFLAG_ALL, 0, 0) : xrange(F.IP_FW_XDEL, F.IPFW_RCFLAG_RANGE, Number(a[2]), Number(a[3] ?? a[2]));
          const r = get(req);
          if (r.error !== 0) {
            ctx.stdout.write(`fw: del: ${k.strerror(r.error)}\n`);
            status = 1;
            break;
          }
          ctx.stdout.write(`deleted ${new DataView(r.val.buffer, r.val.byteOffset).getUint32(8 + F.range_new_set, true)}\n`);
          break;
        }
        case "zero": {
          const req = a[2] === undefined ? xrange(F.IP_FW_XZERO, F.IPFW_RCFLAG_ALL, 0, 0) : xrange(F.IP_FW_XZERO, F.IPFW_RCFLAG_RANGE, Number(a[2]), Number(a[2]));
          const e = set(req);
          if (e !== 0) {
            ctx.stdout.write(`fw: zero: ${k.strerror(e)}\n`);
            status = 1;
          }
          break;
        }
        case "set": {
          const sn = Number(a[3]);
          const req = xrange(F.IP_FW_SET_ENABLE, 0, 0, 0, a[2] === "disable" ? 1 << sn : 0, a[2] === "enable" ? 1 << sn : 0);
          const e = set(req);
          if (e !== 0) {
            ctx.stdout.write(`fw: set: ${k.strerror(e)}\n`);
            status = 1;
          }
          break;
        }
        default:
          ctx.stderr.write("usage: fw add|show|del|flush|zero|set\n");
          status = 64;
      }
    } finally {
      k.sys_close(p, s.fd);
    }
    return status;
  });
}
