// Hostile rulesets and the packet path through them (sys/netpfil/ipfw:
// ip_fw_sockopt.c's check_ipfw_rule_body, ip_fw2.c's ipfw_chk): each case
// loads ipfw, adds rules to fa's chain through IP_FW3 on a raw socket
// (well-formed rules of random match instructions and actions, rules with
// lengths, offsets and opcodes that lie, and raw bytes), throws the frames
// of the other targets at fa's epair0a through that ruleset, then flushes,
// unloads and lets the timers run out.  Half the cases first create an
// address table with a hostile algorithm string (addr:hash's masks=,
// addr:kfib's fib=), or a mac table, and add entries of random lengths
// (and, for the mac table, of random families) to it; a case with a mac
// table turns net.link.ether.ipfw on in fa and adds a rule that looks the
// frames' addresses up in it (src-mac, dst-mac, lookup src-mac|dst-mac,
// with or without a value), so that frames meet the table at layer 2.  What must hold: no exception; a
// request the kernel refuses gets an errno, never a partial rule; and the
// mbufs outstanding are what they were before the case.
import { frame_targets, register_kernel_target } from "../registry.ts";
import type { rng } from "../rng.ts";
import { hex } from "../rng.ts";
import { drain_sockets, type world } from "../topo.ts";
import type { Kernel } from "../kernel.ts";
import type { proc } from "../../kern/uipc_syscalls.ts";

/** One instruction: opcode, length in words, arg1, then the extra words. */
export function insn(k: Kernel, op: number, arg1: number, extra: number[] = [], flags = 0): Uint8Array {
  const b = new Uint8Array(4 * (1 + extra.length));
  const dv = new DataView(b.buffer);
  k.insn_write(dv, 0, op, 1 + extra.length, arg1, flags);
  extra.forEach((w, i) => dv.setUint32(4 + 4 * i, w >>> 0, true));
  return b;
}

/** A match instruction the packets of the topology may or may not meet. */
export function match(k: Kernel, r: rng): Uint8Array {
  const neg = r.chance(0.15) ? k.F_NOT : 0;
  const addr = (): number => r.pick([0x0a010101, 0x0a010102, 0x0a020202, r.u32()]);
  // Addresses are stored as they are on the wire.
  const be = (a: number): number => ((a & 0xff) << 24) | ((a >>> 8) & 0xff) << 16 | ((a >>> 16) & 0xff) << 8 | (a >>> 24);
  switch (r.int(12)) {
    case 0:
      return insn(k, k.O_PROTO, r.pick([1, 6, 17, 58, r.int(256)]), [], neg);
    case 1:
      return insn(k, r.chance(0.5) ? k.O_IP_SRC : k.O_IP_DST, 0, [be(addr())], neg);
    case 2:
      return insn(k, r.chance(0.5) ? k.O_IP_SRC_MASK : k.O_IP_DST_MASK, 0, [be(addr()), be(r.pick([0xffffff00, 0xffff0000, 0xffffffff, r.u32()]))], neg);
    case 3: {
      const lo = r.pick([0, 7, 53, 7777, r.int(65536)]);
      return insn(k, r.chance(0.5) ? k.O_IP_SRCPORT : k.O_IP_DSTPORT, 0, [(lo | (Math.min(65535, lo + r.int(100)) << 16)) >>> 0], neg);
    }
    case 4:
      return insn(k, k.O_IN, 0, [], neg);
    case 5:
      return insn(k, k.O_FRAG, 0, [], neg);
    case 6:
      return insn(k, k.O_ESTAB, 0, [], neg);
    case 7:
      return insn(k, k.O_TCPFLAGS, (r.int(64) << 8) | r.int(64), [], neg);
    case 8:
      return insn(k, k.O_ICMPTYPE, 0, [r.u32()], neg);
    case 9:
      return insn(k, k.O_TAGGED, 1 + r.int(5), [], neg);
    case 10:
      return insn(k, k.O_IP4, 0, [], neg);
    default:
      return insn(k, k.O_IPTTL, 0, [(r.int(256) | (r.int(256) << 16)) >>> 0], neg);
  }
}

/** An action: pass, drop, count, reject, skip forward, tag. */
function action(k: Kernel, r: rng, rulenum: number): Uint8Array {
  switch (r.int(7)) {
    case 0:
      return insn(k, k.O_ACCEPT, 0);
    case 1:
      return insn(k, k.O_DENY, 0);
    case 2:
      return insn(k, k.O_COUNT, 0);
    case 3:
      return insn(k, k.O_REJECT, r.pick([0, 1, 3, 13, 0x100]));
    case 4:
      return insn(k, k.O_SKIPTO, Math.min(65534, rulenum + 1 + r.int(500)));
    case 5:
      return insn(k, k.O_TAG, 1 + r.int(5));
    default:
      return insn(k, k.O_UNREACH6, r.int(8));
  }
}

/** The body of one rule (struct ip_fw_rule and its instructions). */
export function rule_body(k: Kernel, rulenum: number, set: number, opts: Uint8Array[], act: Uint8Array): Uint8Array {
  let optw = 0;
  for (const x of opts) optw += x.length / 4;
  const cmd_len = optw + act.length / 4;
  const size = k.roundup2(k.SZ_ip_fw_rule_hdr + cmd_len * 4, 8);
  const body = new Uint8Array(size);
  const bdv = new DataView(body.buffer);
  k.ip_fw_rule_write(bdv, 0, optw, cmd_len, rulenum, set, opts.length === 0 ? k.IPFW_RULE_NOOPT : 0);
  let off = k.SZ_ip_fw_rule_hdr;
  for (const x of [...opts, act]) {
    body.set(x, off);
    off += x.length;
  }
  return body;
}

/** The IP_FW_XADD request around a rule body (clen: the TLV's length,
 *  true or not). */
export function xadd_request(k: Kernel, raw: Uint8Array, clen = k.SZ_ipfw_obj_ctlv + raw.length): Uint8Array {
  const req = new Uint8Array(k.SZ_ip_fw3_opheader + k.SZ_ipfw_obj_ctlv + raw.length);
  const dv = new DataView(req.buffer);
  k.op3_write(dv, 0, k.IP_FW_XADD);
  k.ctlv_write(dv, k.SZ_ip_fw3_opheader, k.IPFW_TLV_RULE_LIST, clen, 1, 0);
  req.set(raw, k.SZ_ip_fw3_opheader + k.SZ_ipfw_obj_ctlv);
  return req;
}

/** An IP_FW_XADD request for one rule: sound, bent, or bytes. */
function xadd(k: Kernel, r: rng, rulenum: number): Uint8Array {
  const opts: Uint8Array[] = [];
  for (let n = r.int(4); n > 0; n--) opts.push(match(k, r));
  const act = action(k, r, rulenum);
  const body = rule_body(k, rulenum, r.chance(0.9) ? 0 : r.int(32), opts, act);
  const bdv = new DataView(body.buffer);
  // Lies: a wrong act_ofs or cmd_len, a flipped byte, an unknown opcode.
  if (r.chance(0.15)) bdv.setUint16(0, r.int(64), true);
  if (r.chance(0.1)) bdv.setUint16(2, r.int(64), true);
  if (r.chance(0.1) && body.length > k.SZ_ip_fw_rule_hdr) body[k.SZ_ip_fw_rule_hdr + r.int(body.length - k.SZ_ip_fw_rule_hdr)] ^= 1 << r.int(8);
  const raw = r.chance(0.05) ? r.bytes(r.int(64)) : body;
  return r.chance(0.95) ? xadd_request(k, raw) : xadd_request(k, raw, r.int(4096));
}

/** An algorithm string for IP_FW_TABLE_XCREATE: well-formed, bent
 *  ("masks=" options out of range or misspelled), or random bytes. */
function algo_string(r: rng): string {
  const n = (): string => r.pick(["", "0", "24", "32", "33", "64", "128", "129", "-1", "+8", "99999999999", `${r.int(200)}`]);
  switch (r.int(5)) {
    case 0:
      return r.pick(["", "addr:radix", "addr:hash", "addr:kfib", "number:array", "flow:hash", "iface:array", "addr:hashx"]);
    case 1:
      return `addr:hash masks=/${n()},/${n()}`;
    case 2:
      return `addr:hash${r.pick([" ", "  ", ""])}${r.pick(["masks=", "mask=", "masks=/", "masks=//"])}/${n()}${r.pick(["", ",", ",/", " x", `,/${n()} y`])}`;
    case 3:
      if (r.chance(0.5)) return `addr:kfib ${r.pick(["fib=", "fib=0", "fib=1", "fib=-1", "fib=+", "fib=0x", "fob=0", ""])}${r.pick(["", " z", `${r.int(10)}`])}`;
      return `addr:hash ${String.fromCharCode(...r.bytes(r.int(40)).map((x) => 0x20 + (x % 95)))}`;
    default:
      return String.fromCharCode(...r.bytes(r.int(64)).map((x) => 1 + (x % 255)));
  }
}

/** IP_FW_TABLE_XCREATE of an address table named t with that algorithm,
 *  then IP_FW_TABLE_XADD of a few IPv4 and IPv6 entries of random lengths
 *  (the table's own lengths and others); or, one time in four, a mac table
 *  and Ethernet prefixes of any length, mostly AF_LINK. */
function table_requests(k: Kernel, r: rng, mac: boolean): Uint8Array[] {
  const hdr = (opcode: number, extra: number, version: number): Uint8Array => {
    const b = new Uint8Array(k.SZ_ipfw_obj_header + extra);
    const dv = new DataView(b.buffer);
    k.op3_write(dv, 0, opcode, version);
    dv.setUint16(12, 1, true);
    k.ntlv_write(b, 16, k.IPFW_TLV_TBL_NAME, 1, 0, k.IPFW_TABLE_ADDR, "t");
    return b;
  };
  const create = hdr(k.IP_FW_TABLE_XCREATE, k.SZ_ipfw_xtable_info, 0);
  create[k.SZ_ipfw_obj_header] = mac ? k.IPFW_TABLE_MAC : k.IPFW_TABLE_ADDR;
  const algo = mac ? r.pick(["", "mac:radix", "mac:radix x", "mac:radi", "addr:radix", algo_string(r)]) : algo_string(r);
  for (let j = 0; j < algo.length && j < 63; j++) create[k.SZ_ipfw_obj_header + 104 + j] = algo.charCodeAt(j) & 0xff;
  const n = 1 + r.int(8);
  const add = hdr(k.IP_FW_TABLE_XADD, k.SZ_ipfw_obj_ctlv + n * k.SZ_ipfw_obj_tentry, 1);
  const dv = new DataView(add.buffer);
  const c = k.SZ_ipfw_obj_header;
  k.ctlv_write(dv, c, k.IPFW_TLV_TBLENT_LIST, k.SZ_ipfw_obj_ctlv + n * k.SZ_ipfw_obj_tentry, n, 0);
  for (let i = 0; i < n; i++) {
    const o = c + k.SZ_ipfw_obj_ctlv + i * k.SZ_ipfw_obj_tentry;
    const v6 = r.chance(0.4);
    dv.setUint16(o, 5, true); // IPFW_TLV_TBL_ENT
    dv.setUint32(o + 4, k.SZ_ipfw_obj_tentry, true);
    dv.setUint16(o + 12, 1, true);
    if (mac) {
      add[o + 8] = r.chance(0.9) ? 18 : r.pick([0, 2, 28, r.int(256)]); // AF_LINK
      add[o + 9] = r.pick([48, 24, 0, 47, 49, 255, r.int(256)]);
      add.set(r.chance(0.5) ? r.bytes(6) : [0, 0, 0x5e, 0, 0x53, r.int(256)], o + 16);
      if (r.chance(0.2)) add.set(r.bytes(34), o + 22);
      continue;
    }
    add[o + 8] = r.chance(0.95) ? (v6 ? 28 : 2) : r.int(256);
    add[o + 9] = v6 ? r.pick([128, 64, 56, r.int(256)]) : r.pick([32, 24, 16, 0, r.int(64)]);
    if (v6) add.set(r.bytes(16), o + 16);
    else dv.setUint32(o + 16, r.pick([0x0a010101, 0x0a010102, 0x0a020202, r.u32()]));
  }
  return [create, add];
}

export function proc_of(w: world, j: string): proc {
  const p = w.procs.get(j);
  if (p === undefined) throw new Error(`fuzz: no process in ${j}`);
  return p;
}

/** IP_FW_XADD of one rule naming table t (index 1 of its TLV list) in a
 *  MAC lookup: O_MAC_SRC_LOOKUP or O_MAC_DST_LOOKUP, bare or with a value,
 *  or a long O_IP_DST_LOOKUP of LOOKUP_DST_MAC or LOOKUP_SRC_MAC; with
 *  layer2 or not, and a random action. */
function mac_rule_request(k: Kernel, r: rng, rulenum: number): Uint8Array {
  const opts: Uint8Array[] = [];
  const neg = r.chance(0.2) ? k.F_NOT : 0;
  switch (r.int(3)) {
    case 0:
      opts.push(insn(k, k.O_MAC_SRC_LOOKUP, 1, r.chance(0.5) ? [] : [r.pick([0, 1, 5, r.u32()])], neg));
      break;
    case 1:
      opts.push(insn(k, k.O_MAC_DST_LOOKUP, 1, r.chance(0.5) ? [] : [r.pick([0, 1, 5, r.u32()])], neg));
      break;
    default:
      opts.push(insn(k, k.O_IP_DST_LOOKUP, 1, [0, r.pick([k.LOOKUP_DST_MAC, k.LOOKUP_SRC_MAC])], neg));
  }
  if (r.chance(0.5)) opts.push(insn(k, k.O_LAYER2, 0));
  const body = rule_body(k, rulenum, 0, opts, action(k, r, rulenum));
  const names = k.SZ_ipfw_obj_ctlv + k.SZ_ipfw_obj_ntlv;
  const req = new Uint8Array(k.SZ_ip_fw3_opheader + names + k.SZ_ipfw_obj_ctlv + body.length);
  const dv = new DataView(req.buffer);
  k.op3_write(dv, 0, k.IP_FW_XADD);
  let o = k.SZ_ip_fw3_opheader;
  k.ctlv_write(dv, o, k.IPFW_TLV_TBLNAME_LIST, names, 1, k.SZ_ipfw_obj_ntlv);
  k.ntlv_write(req, o + k.SZ_ipfw_obj_ctlv, k.IPFW_TLV_TBL_NAME, 1, 0, 0, "t");
  o += names;
  k.ctlv_write(dv, o, k.IPFW_TLV_RULE_LIST, k.SZ_ipfw_obj_ctlv + body.length, 1, 0);
  req.set(body, o + k.SZ_ipfw_obj_ctlv);
  return req;
}

/** What a case that feeds fa's epair0a through a ruleset works with: fa's
 *  process, vnet, interface and injection point, the frame generators of
 *  the other targets, a clock advancer, and the mbufs outstanding once the
 *  world is quiet. */
export function fa_case(w: world) {
  const k = w.k;
  const fa = proc_of(w, "fa");
  const v = w.vnet_of("fa");
  const ifp = w.ifp_of("fa", "epair0a");
  const pt = w.points.find((p) => p.jail === "fa" && p.ifname === "epair0a");
  const gens = frame_targets.filter((t) => !t.name.startsWith("ipfw."));
  if (v === null || ifp === null || pt === undefined || gens.length === 0) return null;
  const advance = (ms: number): void => {
    k.kern_advance_ns(ms * 1_000_000);
  };
  advance(10);
  drain_sockets(w);
  /** Frame i of n, from one of the generators, into fa's epair0a; false
   *  when no mbuf could hold it. */
  const inject = (r: rng, note: (what: string) => void, i: number, n: number): boolean => {
    const f = r.pick(gens).gen(r, pt);
    note(`frame ${i} of ${n} into fa's epair0a through the ruleset: ${hex(f)}`);
    const m = k.m_devget(f, 0, f.length, ifp);
    if (m === null) return false;
    k.vnet_run(v, "fuzz", () => ifp.if_input(ifp, m));
    advance(r.int(3));
    return true;
  };
  return { k, fa, inject, advance, base: k.mbuf_outstanding().mbufs };
}

/** IP_FW_XDEL of every rule, through the raw socket fd of p. */
export function flush_rules(k: Kernel, p: proc, fd: number): void {
  const del = new Uint8Array(k.SZ_ipfw_range_header);
  const dv = new DataView(del.buffer);
  k.op3_write(dv, 0, k.IP_FW_XDEL);
  k.range_tlv_write(dv, k.SZ_ip_fw3_opheader, k.IPFW_RCFLAG_ALL, 0, 0, 0, 0);
  k.sys_setsockopt(p, fd, k.IPPROTO_IP, k.IP_FW3, del);
}

register_kernel_target({
  name: "ipfw.ruleset",
  weight: 1,
  run(w: world, r: rng, note: (what: string) => void): string | null {
    const c = fa_case(w);
    if (c === null) return null;
    const { k, fa, inject, advance, base } = c;
    // Loaded here and unloaded at the end, unless it was there already.
    const ld = k.sys_kldload({ p_ucred: k.cred0 }, "ipfw");
    if (ld.error !== 0 && ld.error !== k.EEXIST) return `kldload ipfw: ${ld.error}`;
    const unload = (): void => {
      if (ld.error === 0) k.sys_kldunload({ p_ucred: k.cred0 }, ld.fileid);
    };
    const s = k.sys_socket(fa, k.PF_INET, k.SOCK_RAW, k.IPPROTO_RAW);
    if (s.error !== 0) {
      unload();
      return `socket: ${s.error}`;
    }
    const v = w.vnet_of("fa");
    let layer2 = false;
    try {
      if (r.chance(0.5)) {
        const mac = r.chance(0.25);
        for (const req of table_requests(k, r, mac)) {
          note(`table request ${hex(req)}`);
          k.sys_setsockopt(fa, s.fd, k.IPPROTO_IP, k.IP_FW3, req);
        }
        if (mac && v !== null) {
          note("net.link.ether.ipfw=1 in fa");
          layer2 = k.vnet_run(v, "fuzz", () => k.kernel_sysctlbyname(k.cred0, "net.link.ether.ipfw", 1)).error === 0;
          const req = mac_rule_request(k, r, 50);
          note(`IP_FW_XADD ${hex(req)}`);
          k.sys_setsockopt(fa, s.fd, k.IPPROTO_IP, k.IP_FW3, req);
        }
      }
      const nrules = 1 + r.int(12);
      for (let i = 0; i < nrules; i++) {
        const rulenum = 100 * (1 + i) + r.int(50);
        const req = xadd(k, r, rulenum);
        note(`IP_FW_XADD ${hex(req)}`);
        k.sys_setsockopt(fa, s.fd, k.IPPROTO_IP, k.IP_FW3, req);
      }
      const nframes = 1 + r.int(24);
      for (let i = 0; i < nframes; i++) if (!inject(r, note, i, nframes)) break;
    } finally {
      flush_rules(k, fa, s.fd);
      // Destroying a table that is not there is ESRCH, and harmless.
      const destroy = new Uint8Array(k.SZ_ipfw_obj_header);
      k.op3_write(new DataView(destroy.buffer), 0, k.IP_FW_TABLE_XDESTROY);
      new DataView(destroy.buffer).setUint16(12, 1, true);
      k.ntlv_write(destroy, 16, k.IPFW_TLV_TBL_NAME, 1, 0, k.IPFW_TABLE_ADDR, "t");
      k.sys_setsockopt(fa, s.fd, k.IPPROTO_IP, k.IP_FW3, destroy);
      k.sys_close(fa, s.fd);
      if (layer2 && v !== null) k.vnet_run(v, "fuzz", () => k.kernel_sysctlbyname(k.cred0, "net.link.ether.ipfw", 0));
      unload();
      advance(10 * 60 * 1000);
    }
    // What the frames left in the world's UDP and raw sockets is theirs.
    drain_sockets(w);
    const after = k.mbuf_outstanding().mbufs;
    if (after !== base) return `mbufs outstanding ${base} before the case, ${after} after the rules went and the timers ran out`;
    return null;
  },
});
