// ipfw (sys/netpfil/ipfw/ip_fw2.c, ip_fw_sockopt.c, ip_fw_pfil.c) under
// hostile input: the module is loaded into the world, jail fb gets a
// ruleset that changes as the cases go (well-formed rules over most match
// opcodes and actions, and random instruction words that the rule checker
// must refuse or accept, never throw on), and the frame generators' hostile
// frames are driven through fb's interface, across the inet, inet6 and
// (with net.link.ether.ipfw) ethernet hooks.  Invariants: IP_FW3 answers 0
// or EINVAL/EOPNOTSUPP, the listing parses, the default rule stays last.
import { register_kernel_target, pick_weighted, frame_targets } from "../registry.ts";
import type { rng } from "../rng.ts";
import type { world } from "../topo.ts";
import type { Kernel } from "../kernel.ts";
import type { proc } from "../../kern/uipc_syscalls.ts";
import { point_name } from "../frames.ts";
import * as F from "../../netinet/ip_fw.ts";

interface fw_state {
  s: number;
  p: proc;
  rules: number;
}
const state = new WeakMap<world, fw_state>();

function insn(op: number, len: number, arg1: number, flags: number, words: number[]): Uint8Array {
  const b = new Uint8Array(len * 4);
  const dv = new DataView(b.buffer);
  F.insn_write(dv, 0, op, len, arg1, flags);
  for (let i = 0; i < words.length && i + 1 < len; i++) dv.setUint32(4 + i * 4, words[i] >>> 0, true);
  return b;
}

/** A match instruction of a plausible shape. */
function option(r: rng): Uint8Array {
  const fl = r.chance(0.2) ? F.F_NOT : 0;
  switch (r.int(16)) {
    case 0:
      return insn(F.O_PROTO, 1, r.pick([1, 6, 17, 58, 0, 255]), fl, []);
    case 1:
      return insn(r.pick([F.O_IP_SRC, F.O_IP_DST]), 2, 0, fl, [r.pick([0x0201010a, 0x0101010a, r.u32()])]);
    case 2:
      return insn(r.pick([F.O_IP_SRC_MASK, F.O_IP_DST_MASK]), 3, 0, fl, [0x0001010a, 0x00ffffff]);
    case 3:
      return insn(r.pick([F.O_IP_SRCPORT, F.O_IP_DSTPORT, F.O_IPLEN, F.O_IPTTL, F.O_IPID, F.O_TCPWIN, F.O_TCPDATALEN, F.O_TAGGED]), 2, 0, fl, [(r.int(65536) << 16) | r.int(65536)]);
    case 4:
      return insn(r.pick([F.O_IN, F.O_LAYER2, F.O_IP4, F.O_IP6, F.O_ESTAB, F.O_IP_SRC_ME, F.O_IP_DST_ME, F.O_VERREVPATH, F.O_VERSRCREACH, F.O_ANTISPOOF, F.O_DIVERTED]), 1, r.int(4), fl, []);
    case 5:
      return insn(r.pick([F.O_TCPFLAGS, F.O_TCPOPTS, F.O_IPOPT, F.O_IPTOS, F.O_FRAG]), 1, r.int(65536), fl, []);
    case 6:
      return insn(F.O_ICMPTYPE, 2, 0, fl, [r.u32()]);
    case 7:
      return insn(F.O_ICMP6TYPE, 8, 0, fl, [r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()]);
    case 8: {
      const b = insn(r.pick([F.O_RECV, F.O_XMIT, F.O_VIA]), 6, 0, fl, []);
      const name = r.pick(["epair*", "epair0b", "lo0", "", "e?air1a"]);
      for (let i = 0; i < name.length; i++) b[8 + i] = name.charCodeAt(i);
      if (/[*?]/.test(name)) b[4] = 1;
      if (name === "") new DataView(b.buffer).setUint32(4, r.u32(), false);
      return b;
    }
    case 9:
      return insn(F.O_MACADDR2, 7, 0, fl, [r.u32(), r.u32(), r.u32(), 0xffffffff, r.u32(), 0]);
    case 10:
      return insn(F.O_MAC_TYPE, 2, 0, fl, [(0x0800 << 16) | 0x0800]);
    case 11:
      return insn(F.O_IP_SRC_SET, 3, 32, fl, [0x0a010100, r.u32()]);
    case 12:
      return insn(r.pick([F.O_TCPSEQ, F.O_TCPACK, F.O_UID, F.O_GID, F.O_JAIL, F.O_PROB]), 2, 0, fl, [r.u32()]);
    case 13:
      return insn(r.pick([F.O_IP6_SRC, F.O_IP6_DST]), 5, 0, fl, [r.u32(), r.u32(), r.u32(), r.u32()]);
    case 14:
      return insn(F.O_DSCP, 3, 0, fl, [r.u32(), r.u32()]);
    default:
      return insn(F.O_TAG, 1, r.range(1, 5), r.chance(0.3) ? F.F_NOT : 0, []);
  }
}

/** An action, with a log in front sometimes. */
function action(r: rng): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (r.chance(0.2)) out.push(insn(F.O_LOG, 3, 0, 0, [r.int(3)]));
  switch (r.int(10)) {
    case 0:
      out.push(insn(F.O_DENY, 1, 0, 0, []));
      break;
    case 1:
      out.push(insn(F.O_REJECT, 1, r.pick([0, 1, 3, 13, F.ICMP_REJECT_RST]), 0, []));
      break;
    case 2:
      out.push(insn(F.O_UNREACH6, 1, r.pick([0, 1, 4, F.ICMP6_UNREACH_RST]), 0, []));
      break;
    case 3:
      out.push(insn(F.O_SKIPTO, 1, r.range(1, 65535), 0, []));
      break;
    case 4:
      out.push(insn(F.O_CALLRETURN, 1, r.range(1, 65535), r.chance(0.5) ? F.F_NOT : 0, []));
      break;
    case 5:
      out.push(insn(F.O_COUNT, 1, 0, 0, []));
      break;
    case 6:
      out.push(insn(F.O_SETDSCP, 1, r.int(64) | 0x8000, 0, []));
      break;
    case 7:
      out.push(insn(F.O_FORWARD_IP, 5, 0, 0, [0x0a021000 | (r.int(2) << 8), 0x0101010a]));
      break;
    case 8:
      out.push(insn(F.O_REASS, 1, 0, 0, []));
      break;
    default:
      out.push(insn(F.O_ACCEPT, 1, 0, 0, []));
  }
  return out;
}

function rule_request(r: rng): Uint8Array {
  const opts: Uint8Array[] = [];
  const nopt = r.int(4);
  for (let i = 0; i < nopt; i++) {
    const o = option(r);
    // An or-block now and then.
    if (i + 1 < nopt && r.chance(0.15)) o[1] |= F.F_OR;
    opts.push(o);
  }
  let acts = action(r);
  let words: Uint8Array[] = [...opts, ...acts];
  let act_ofs = opts.reduce((n, x) => n + x.length / 4, 0);
  if (r.chance(0.15)) {
    // Random words: the checker's business.
    const n = r.range(1, 10);
    words = [r.bytes(n * 4)];
    acts = [];
    act_ofs = r.int(n + 1);
  }
  const cmd_len = words.reduce((n, x) => n + x.length / 4, 0);
  const size = F.roundup2(F.SZ_ip_fw_rule_hdr + cmd_len * 4, 8);
  const clen = F.SZ_ipfw_obj_ctlv + size;
  const b = new Uint8Array(F.SZ_ip_fw3_opheader + clen);
  const dv = new DataView(b.buffer);
  F.op3_write(dv, 0, F.IP_FW_XADD);
  F.ctlv_write(dv, 8, F.IPFW_TLV_RULE_LIST, clen, 1, 0);
  F.ip_fw_rule_write(dv, 24, act_ofs, cmd_len, r.chance(0.2) ? 0 : r.range(1, 64000), r.chance(0.9) ? 0 : r.int(31));
  let off = 24 + F.SZ_ip_fw_rule_hdr;
  for (const x of words) {
    b.set(x, off);
    off += x.length;
  }
  return b;
}

function fw3(k: Kernel, st: fw_state, req: Uint8Array, room = 0): { error: number; val: Uint8Array } {
  const buf = new Uint8Array(Math.max(req.length, room));
  buf.set(req);
  const r = k.sys_getsockopt(st.p, st.s, k.IPPROTO_IP, F.IP_FW3, buf);
  return { error: r.error, val: r.val instanceof Uint8Array ? r.val : new Uint8Array(0) };
}

function setup(w: world): fw_state | null {
  const k = w.k;
  // Another target may have unloaded ipfw since: load it again.
  if (!k.ipfw_is_loaded()) {
    const e = k.sys_kldload(w.root, "ipfw");
    if (e.error !== 0 && e.error !== k.EEXIST) return null;
  }
  const have = state.get(w);
  if (have !== undefined) return have;
  const p = w.procs.get("fb");
  if (p === undefined) return null;
  const s = k.sys_socket(p, k.AF_INET, k.SOCK_RAW, k.IPPROTO_RAW);
  if (s.error !== 0) return null;
  const st: fw_state = { s: s.fd, p, rules: 0 };
  state.set(w, st);
  return st;
}

/** Check the listing: it parses, rules are sorted, 65535 is last. */
function check_listing(k: Kernel, st: fw_state): string | null {
  const hdr = new Uint8Array(F.SZ_ipfw_cfg_lheader);
  const dv = new DataView(hdr.buffer);
  F.op3_write(dv, 0, F.IP_FW_XGET);
  dv.setUint32(F.cfg_flags, F.IPFW_CFG_GET_STATIC | F.IPFW_CFG_GET_COUNTERS, true);
  let r = fw3(k, st, hdr);
  if (r.error === k.ENOMEM) r = fw3(k, st, hdr, new DataView(r.val.buffer, r.val.byteOffset).getUint32(F.cfg_size, true));
  if (r.error !== 0) return `XGET: errno ${r.error}`;
  const b = r.val;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const size = v.getUint32(F.cfg_size, true);
  if (size !== b.length) return `XGET: size ${size}, ${b.length} bytes written`;
  let off = F.SZ_ipfw_cfg_lheader;
  let last = -1;
  while (off < size) {
    const type = v.getUint16(off, true);
    const len = v.getUint32(off + 4, true);
    if (len < 8 || off + len > size) return `XGET: TLV of ${len} bytes at ${off}`;
    if (type === F.IPFW_TLV_RULE_LIST) {
      const count = v.getUint32(off + F.ctlv_count, true);
      let p = off + F.SZ_ipfw_obj_ctlv;
      for (let i = 0; i < count; i++) {
        const rn = v.getUint16(p + 8 + F.SZ_ip_fw_bcounter + F.ip_fw_rule_rulenum, true);
        if (rn < last) return `XGET: rule ${rn} after ${last}`;
        last = rn;
        p += v.getUint32(p + 4, true);
      }
    }
    off += len;
  }
  return last === F.IPFW_DEFAULT_RULE ? null : `XGET: last rule ${last}`;
}

register_kernel_target({
  name: "ipfw.rules_and_frames",
  weight: 2,
  run(w, r, note) {
    const k = w.k;
    const st = setup(w);
    if (st === null) return "ipfw: no module or no socket in fb";
    const what = r.int(20);
    if (what < 6) {
      const req = rule_request(r);
      note(`XADD ${Array.from(req, (x) => x.toString(16).padStart(2, "0")).join("")}`);
      const e = fw3(k, st, req).error;
      if (e !== 0 && e !== k.EINVAL && e !== k.EOPNOTSUPP) return `XADD answered errno ${e}`;
      if (e === 0) st.rules++;
      return check_listing(k, st);
    }
    if (what === 6 || st.rules > 40) {
      note("XDEL all");
      const req = new Uint8Array(F.SZ_ipfw_range_header);
      const dv = new DataView(req.buffer);
      F.op3_write(dv, 0, F.IP_FW_XDEL);
      F.range_tlv_write(dv, 8, F.IPFW_RCFLAG_ALL, 0, 0, 0, 0);
      const e = fw3(k, st, req).error;
      st.rules = 0;
      return e === 0 ? check_listing(k, st) : `XDEL answered errno ${e}`;
    }
    if (what === 7) {
      const n = r.pick(["net.link.ether.ipfw", "net.inet.ip.fw.verbose", "net.inet.ip.fw.one_pass", "net.inet.ip.fw.enable", "net.inet6.ip6.fw.enable"]);
      const val = r.int(2);
      note(`sysctl ${n}=${val}`);
      const e = k.kernel_sysctlbyname(st.p.p_ucred, n, val).error;
      return e === 0 ? null : `sysctl ${n}: errno ${e}`;
    }
    // A hostile frame into fb through its first interface.
    const pt = w.points.find((x) => x.jail === "fb");
    if (pt === undefined) return null;
    const ifp = w.ifp_of(pt.jail, pt.ifname);
    if (ifp === null || ifp.if_input === null) return null;
    const t = pick_weighted(r, frame_targets);
    const bytes = t.gen(r, pt);
    note(`${point_name(pt)} ${t.name} ${Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join("")}`);
    const m = k.m_devget(bytes, 0, bytes.length, ifp);
    if (m === null) return null;
    ifp.if_input(ifp, m);
    k.kern_advance_ns(2e9);
    return null;
  },
});
