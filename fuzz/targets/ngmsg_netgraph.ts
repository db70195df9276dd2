// Kernel targets for netgraph's control messages: hostile ASCII at ng_parse
// for the argument and reply types of every registered command list (the
// generic one and every node type's), hostile NGM_ASCII2BINARY and
// NGM_BINARY2ASCII requests to a node of every type, and hostile binary
// generic messages (random arglen, truncated, oversized) at ng_generic_msg.
// After each case the nodes the case made are shut down, and the nodes and
// every type's node count must be as before.
import { register_kernel_target } from "../registry.ts";
import type { rng } from "../rng.ts";
import type { world } from "../topo.ts";
import type { Kernel } from "../kernel.ts";
import type { ng_item, ng_node, ng_type } from "../../netgraph/ng_base.ts";
import type { ng_mesg } from "../../netgraph/netgraph.ts";
import type { ng_cmdlist, ng_parse_type } from "../../netgraph/ng_parse.ts";

interface ctx {
  ctl: ng_node;
  replies: ng_mesg[];
  /** One node of every type that can be made, by type name. */
  typenodes: Map<string, ng_node>;
  /** Nodes that were there before the target ran (vnet0). */
  baseline: Set<ng_node>;
}

const ctxs = new WeakMap<world, ctx>();

/** Types never made by a hostile mkpeer: their hooks reach real sockets. */
const NO_MKPEER = new Set(["ksocket", "socket"]);

function ctl_type(k: Kernel): ng_type {
  const have = k.ng_findtype("fuzzctl");
  if (have !== null) return have;
  const tp: ng_type = {
    version: k.NG_ABI_VERSION,
    name: "fuzzctl",
    constructor: null,
    rcvmsg(node: ng_node, item: ng_item): number {
      const msg = k.NGI_GET_MSG(item);
      k.NG_FREE_ITEM(item);
      const c = node.nd_private;
      if (msg !== null && Array.isArray(c)) c.push(msg);
      return 0;
    },
  };
  if (k.ng_newtype(tp) !== 0) throw new Error("fuzz: cannot register the fuzzctl type");
  return tp;
}

/** Names of the registered types, from an NGM_LISTTYPES reply. */
function type_names(k: Kernel, c: ctx): string[] {
  c.replies.length = 0;
  k.NG_SEND_MSG_PATH(c.ctl, k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, k.NGM_LISTTYPES, 0), ".:", c.ctl.nd_ID);
  const r = c.replies.pop();
  c.replies.length = 0;
  return r === undefined ? [] : k.typelist_dec(r.data).map((t) => t.type_name);
}

function setup(w: world): ctx {
  const k = w.k;
  let c = ctxs.get(w);
  return k.vnet_run(k.vnet0, "fuzz", () => {
    if (c === undefined) {
      // Node types kept in modules loaded on demand join the lists too.
      if (k.ng_findtype("ether") === null) k.sys_kldload(w.root, "ng_ether");
      const baseline = new Set(k.ng_nodes());
      c = { ctl: make_ctl(k), replies: [], typenodes: new Map(), baseline };
      ctxs.set(w, c);
    }
    if (!k.NG_NODE_IS_VALID(c.ctl)) c.ctl = make_ctl(k);
    c.ctl.nd_private = c.replies;
    for (const name of type_names(k, c)) {
      const n = c.typenodes.get(name);
      if (n !== undefined && k.NG_NODE_IS_VALID(n)) continue;
      const tp = k.ng_findtype(name);
      if (tp === null || tp.constructor === null || name === "fuzzctl") continue;
      const r = k.ng_make_node(name);
      if (r.node !== null) c.typenodes.set(name, r.node);
    }
    return c;
  });
}

function make_ctl(k: Kernel): ng_node {
  const r = k.ng_make_node_common(ctl_type(k));
  if (r.node === null) throw new Error("fuzz: cannot make the fuzzctl node");
  return r.node;
}

/** Shut down what the case made, cut what it connected; then check that
 *  the nodes are those kept and every type counts its nodes right. */
function cleanup(w: world, c: ctx): string | null {
  const k = w.k;
  return k.vnet_run(k.vnet0, "fuzz", () => {
    const keep = new Set<ng_node>([...c.baseline, c.ctl, ...c.typenodes.values()]);
    for (let guard = 0; guard < 1000; guard++) {
      const extra = k.ng_nodes().find((n) => !keep.has(n));
      if (extra === undefined) break;
      extra.nd_flags |= k.NGF_REALLY_DIE;
      k.ng_rmnode(extra);
    }
    for (const n of [c.ctl, ...c.typenodes.values()]) while (n.nd_hooks.length > 0) k.ng_destroy_hook(n.nd_hooks[0]);
    const extra = k.ng_nodes().filter((n) => !keep.has(n));
    if (extra.length > 0) return `${extra.length} node(s) the case made outlived their shutdown: ${extra.map((n) => `[${n.nd_ID.toString(16)}] ${n.nd_type.name}`).join(", ")}`;
    const count = new Map<string, number>();
    for (const v of k.vnet_head) for (const n of k.vnet_run(v, "fuzz", () => k.ng_nodes())) count.set(n.nd_type.name, (count.get(n.nd_type.name) ?? 0) + 1);
    for (const name of type_names(k, c)) {
      const tp = k.ng_findtype(name);
      const refs = tp?.refs ?? 0;
      if (refs !== (count.get(name) ?? 0)) return `type ${name} counts ${refs} nodes, ${count.get(name) ?? 0} exist`;
    }
    return null;
  });
}

// ---------------------------------------------------------------------------
// Hostile ASCII

const WORDS = ["{", "}", "[", "]", "=", '"', " ", "\\", "0", "-1", "0x", "0x7fffffff", "4294967296", "99999999999999999999", "-9223372036854775809", "077", "1.2.3.4", "0:1:2:3:4:5", "4294967295=", "1=", "0=", "\\x", "\\777", "\\0", "\t", "\n"];

/** Field names anywhere in a type (to aim the soup at real fields). */
function field_names(k: Kernel, t: ng_parse_type, out: Set<string>, depth = 0): void {
  if (depth > 6) return;
  const info = t.info;
  if (Array.isArray(info)) {
    for (const f of info as { name: string; type: ng_parse_type }[]) {
      out.add(f.name);
      field_names(k, f.type, out, depth + 1);
    }
  } else if (typeof info === "object" && info !== null && "elementType" in info) {
    field_names(k, (info as { elementType: ng_parse_type }).elementType, out, depth + 1);
  }
}

function is_a(t: ng_parse_type, base: ng_parse_type): boolean {
  for (let p: ng_parse_type | null = t; p !== null; p = p.supertype) if (p === base) return true;
  return false;
}

function rand_string(r: rng): string {
  const n = r.chance(0.05) ? r.range(30, 600) : r.int(12);
  let s = '"';
  for (let i = 0; i < n; i++) {
    const x = r.int(10);
    s += x === 0 ? r.pick(["\\t", "\\\\", '\\"', "\\x4", "\\101", "\\q"]) : String.fromCharCode(r.range(0x20, 0x7e)).replace(/["\\]/, "_");
  }
  return s + (r.chance(0.97) ? '"' : "");
}

function rand_number(r: rng): string {
  switch (r.int(6)) {
    case 0:
      return String(r.int(256));
    case 1:
      return "0x" + r.u32().toString(16);
    case 2:
      return "-" + String(r.u32());
    case 3:
      return r.pick(WORDS.slice(8, 15));
    default:
      return String(r.int(5));
  }
}

/** A plausible value of type t, from its shape, with arbitrary contents. */
function sample(k: Kernel, r: rng, t: ng_parse_type, depth = 0): string {
  if (depth > 5) return "{}";
  const info = t.info;
  if (is_a(t, k.ng_parse_struct_type) && Array.isArray(info)) {
    const fields = info as { name: string; type: ng_parse_type }[];
    const parts = fields.filter(() => r.chance(0.6)).map((f) => `${f.name}=${sample(k, r, f.type, depth + 1)}`);
    return `{ ${parts.join(" ")} }`;
  }
  if (is_a(t, k.ng_parse_fixedarray_type) || is_a(t, k.ng_parse_array_type)) {
    const et = typeof info === "object" && info !== null && "elementType" in info ? (info as { elementType: ng_parse_type }).elementType : k.ng_parse_uint8_type;
    const n = r.int(5);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push((r.chance(0.2) ? `${r.int(8)}=` : "") + sample(k, r, et, depth + 1));
    return `[ ${parts.join(" ")} ]`;
  }
  if (is_a(t, k.ng_parse_bytearray_type)) return r.chance(0.5) ? rand_string(r) : `[ ${rand_number(r)} ${rand_number(r)} ]`;
  if (is_a(t, k.ng_parse_ipaddr_type)) return `${r.int(300)}.${r.int(256)}.${r.int(256)}.${r.int(256)}`;
  if (is_a(t, k.ng_parse_enaddr_type)) return [0, 1, 2, 3, 4, 5].map(() => r.int(300).toString(16)).join(":");
  if (is_a(t, k.ng_parse_string_type) || is_a(t, k.ng_parse_fixedstring_type) || is_a(t, k.ng_parse_sizedstring_type)) return rand_string(r);
  if (is_a(t, k.ng_parse_int8_type) || is_a(t, k.ng_parse_int16_type) || is_a(t, k.ng_parse_int32_type) || is_a(t, k.ng_parse_int64_type)) return rand_number(r);
  // A node type's own parse method (addresses and the like): words.
  return r.pick([rand_string(r), r.pick(WORDS), "inet/127.0.0.1:1", "local/x"]);
}

function mutate(r: rng, s: string, names: string[]): string {
  const n = r.int(4);
  for (let i = 0; i < n; i++) {
    const at = r.int(s.length + 1);
    switch (r.int(7)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + r.int(8));
        break;
      case 1:
        s = s.slice(0, at) + r.pick(WORDS) + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + ` ${names.length > 0 ? r.pick(names) : "x"}=` + s.slice(at);
        break;
      case 3:
        s = s.slice(0, at) + "{[".repeat(r.int(40)) + s.slice(at);
        break;
      case 4:
        s = s.slice(0, at) + String.fromCharCode(r.int(256)) + s.slice(at);
        break;
      case 5:
        s = s + s.slice(0, r.int(s.length + 1));
        break;
      default:
        s = s.slice(0, at);
        break;
    }
  }
  return s;
}

function hostile_text(k: Kernel, r: rng, t: ng_parse_type): string {
  const names = new Set<string>();
  field_names(k, t, names);
  const base = r.chance(0.8) ? sample(k, r, t) : Array.from({ length: r.int(20) }, () => r.pick(WORDS)).join(r.pick([" ", ""]));
  return r.chance(0.7) ? mutate(r, base, [...names]) : base;
}

/** Every command list entry: the generic ones and those of each type. */
function all_cmds(k: Kernel, c: ctx): { type: string; cmd: ng_cmdlist }[] {
  const out = k.ng_generic_cmds.map((cmd) => ({ type: "", cmd }));
  for (const name of type_names(k, c)) for (const cmd of k.ng_findtype(name)?.cmdlist ?? []) out.push({ type: name, cmd });
  return out;
}

function bytes_of(s: string): Uint8Array {
  // The text as the bytes a user would send: code points above 0xff are cut
  // to a byte, as a careless program would.
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

register_kernel_target({
  name: "netgraph.parse",
  weight: 4,
  run(w, r, note) {
    const k = w.k;
    const c = setup(w);
    const cmds = all_cmds(k, c).filter((e) => e.cmd.mesgType !== null || e.cmd.respType !== null);
    const e = r.pick(cmds);
    const t = (e.cmd.mesgType !== null && (e.cmd.respType === null || r.chance(0.5)) ? e.cmd.mesgType : e.cmd.respType) as ng_parse_type;
    if (r.chance(0.1)) {
      // The default value with little room.
      const room = r.int(600);
      note(`ng_parse_getDefault(${e.type || "generic"} ${e.cmd.name}, buflen ${room})`);
      const len = { v: room };
      const error = k.ng_parse_getDefault(t, new Uint8Array(room), len);
      return error === 0 && len.v > room ? `the default takes ${len.v} bytes of ${room}` : null;
    }
    const text = hostile_text(k, r, t);
    const bufsize = r.chance(0.1) ? r.int(200) : 20 * 1024;
    note(`ng_parse(${e.type || "generic"} ${e.cmd.name} ${t === e.cmd.mesgType ? "mesgType" : "respType"}, ${JSON.stringify(text)}, buflen ${bufsize})`);
    const p = k.ng_parse_ascii(t, bytes_of(text), bufsize);
    if (p.error === 0) {
      const u = k.ng_unparse_ascii(t, p.data);
      if (u.error !== 0 && u.error !== k.ERANGE) return `what parsed does not unparse: error ${u.error}`;
    } else if (p.off < 0 || p.off > text.length + 1) return `error offset ${p.off} outside the text`;
    return null;
  },
});

register_kernel_target({
  name: "netgraph.ascii2binary",
  weight: 3,
  run(w, r, note) {
    const k = w.k;
    const c = setup(w);
    const names = [...c.typenodes.keys()];
    if (names.length === 0) return null;
    const tname = r.pick(names);
    const node = c.typenodes.get(tname) as ng_node;
    const cmds = [...k.ng_generic_cmds, ...(node.nd_type.cmdlist ?? [])];
    const e = r.pick(cmds);
    const flags = r.chance(0.3) ? k.NGF_RESP : 0;
    const t = flags !== 0 ? e.respType : e.mesgType;
    const text = t === null ? (r.chance(0.5) ? "" : r.pick(WORDS)) : hostile_text(k, r, t);
    const cmdstr = r.chance(0.05) ? r.pick(["", "x".repeat(40), "nosuch"]) : e.name;
    const a = k.NG_MKMESSAGE(0, 0, 0);
    a.header.cmdstr = cmdstr;
    a.header.flags = flags;
    const tb = bytes_of(text);
    const alen = r.chance(0.9) ? tb.length + 1 : r.int(tb.length + 40);
    a.header.arglen = alen;
    a.data = new Uint8Array(alen);
    a.data.set(tb.subarray(0, alen));
    const carrier = k.ng_mesg_enc(a);
    const cut = r.chance(0.1) ? carrier.subarray(0, r.int(carrier.length + 1)) : carrier;
    note(`NGM_ASCII2BINARY to ${tname}: cmdstr ${JSON.stringify(cmdstr)} flags ${flags} arglen ${alen} text ${JSON.stringify(text)} carrier ${cut.length} bytes`);
    return k.vnet_run(k.vnet0, "fuzz", () => {
      c.replies.length = 0;
      const msg = k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, k.NGM_ASCII2BINARY, cut.length);
      msg.data.set(cut);
      const error = k.NG_SEND_MSG_ID(msg, node.nd_ID, c.ctl.nd_ID);
      const resp = c.replies.pop();
      let bad: string | null = null;
      if (error === 0 && resp !== undefined) {
        const bin = k.ng_mesg_dec(resp.data);
        if (bin === null) bad = "the ASCII2BINARY reply does not hold a whole message";
        else {
          // What a node parsed, it prints back.
          c.replies.length = 0;
          const back = k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, k.NGM_BINARY2ASCII, resp.data.length);
          back.data.set(resp.data);
          const e2 = k.NG_SEND_MSG_ID(back, node.nd_ID, c.ctl.nd_ID);
          if (e2 !== 0 && e2 !== k.ERANGE) bad = `the binary form of ${cmdstr} does not convert back: error ${e2}`;
        }
      } else if (error === 0) bad = "ASCII2BINARY succeeded without a reply";
      return bad ?? cleanup(w, c);
    });
  },
});

/** A binary argument for a command: a parsed sample, mutated, or noise. */
function hostile_binary(k: Kernel, r: rng, t: ng_parse_type | null): Uint8Array {
  let b: Uint8Array = r.bytes(r.int(64));
  if (t !== null && r.chance(0.7)) {
    const p = k.ng_parse_ascii(t, sample(k, r, t));
    if (p.error === 0) b = p.data;
  }
  b = Uint8Array.from(b);
  const dv = new DataView(b.buffer);
  for (let i = r.int(4); i > 0 && b.length >= 4; i--) dv.setUint32(r.int(b.length - 3) & ~3, r.pick([0xffffffff, 0x7fffffff, 0x80000000, r.int(100000), 1]), true);
  for (let i = r.int(4); i > 0 && b.length > 0; i--) b[r.int(b.length)] = r.u32() & 0xff;
  if (r.chance(0.2)) b = b.subarray(0, r.int(b.length + 1));
  if (r.chance(0.1)) {
    const big = new Uint8Array(b.length + r.int(3000));
    big.set(b);
    b = big;
  }
  return b;
}

register_kernel_target({
  name: "netgraph.binary2ascii",
  weight: 3,
  run(w, r, note) {
    const k = w.k;
    const c = setup(w);
    const names = [...c.typenodes.keys()];
    if (names.length === 0) return null;
    const tname = r.pick(names);
    const node = c.typenodes.get(tname) as ng_node;
    const cmds = [...k.ng_generic_cmds, ...(node.nd_type.cmdlist ?? [])];
    const e = r.pick(cmds);
    const flags = r.chance(0.5) ? k.NGF_RESP : r.chance(0.1) ? r.u32() : 0;
    const t = (flags & k.NGF_RESP) !== 0 ? e.respType : e.mesgType;
    const data = hostile_binary(k, r, t);
    const bin = k.NG_MKMESSAGE(r.chance(0.05) ? r.u32() : e.cookie, r.chance(0.05) ? r.u32() : e.cmd, 0);
    bin.header.flags = flags;
    bin.header.token = r.u32();
    bin.header.arglen = data.length;
    bin.data = data;
    const inner = k.ng_mesg_enc(bin);
    // The inner header's arglen may lie; the carrier may be cut or padded.
    const dv = new DataView(inner.buffer, inner.byteOffset);
    if (r.chance(0.1)) dv.setUint32(4, r.pick([0xffffffff, data.length + 1, r.int(data.length + 1), 0x7fffffff]), true);
    let carrier: Uint8Array = inner;
    if (r.chance(0.1)) carrier = inner.subarray(0, r.int(inner.length + 1));
    note(`NGM_BINARY2ASCII to ${tname}: ${e.name} flags 0x${(flags >>> 0).toString(16)} inner arglen ${dv.getUint32(4, true)} data ${data.length} bytes carrier ${carrier.length} bytes: ${Buffer.from(carrier.subarray(0, 400)).toString("hex")}`);
    return k.vnet_run(k.vnet0, "fuzz", () => {
      c.replies.length = 0;
      const msg = k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, k.NGM_BINARY2ASCII, carrier.length);
      msg.data.set(carrier);
      if (r.chance(0.05)) msg.header.arglen = r.int(carrier.length + 100);
      const error = k.NG_SEND_MSG_ID(msg, node.nd_ID, c.ctl.nd_ID);
      const resp = c.replies.pop();
      if (error === 0) {
        if (resp === undefined) return "BINARY2ASCII succeeded without a reply";
        const a = k.ng_mesg_dec(resp.data);
        if (a === null || a.data.length < 1 || a.data[a.data.length - 1] !== 0) return "the BINARY2ASCII reply is not a message holding a NUL-terminated text";
        for (let i = 0; i < a.data.length - 1; i++) if (a.data[i] < 0x20 || a.data[i] > 0x7e) return `the text holds byte 0x${a.data[i].toString(16)}`;
      }
      return cleanup(w, c);
    });
  },
});

register_kernel_target({
  name: "netgraph.generic",
  weight: 3,
  run(w, r, note) {
    const k = w.k;
    const c = setup(w);
    const tnames = type_names(k, c).filter((n) => !NO_MKPEER.has(n));
    const hooks = ["a", "b", "h0", "link0", "upper", "lower", "ether", "", "x".repeat(40)];
    const paths = [".:", ".", ".:a", ".:b", "a", "[0]:", `[${c.ctl.nd_ID.toString(16)}]:`, "nosuch:", "a.b", ":", "::", ...[...c.typenodes.values()].map((n) => `[${n.nd_ID.toString(16)}]:`)];
    const cmd = r.chance(0.9) ? r.range(1, 14) | r.pick([0, k.NGM_READONLY | k.NGM_HASREPLY]) : r.u32();
    let data: Uint8Array;
    switch (cmd & 0xff) {
      case 2:
        data = k.ngm_mkpeer_enc(r.pick([...tnames, "nosuch", ""]), r.pick(hooks), r.pick(hooks));
        break;
      case 3:
        data = k.ngm_connect_enc(r.pick(paths), r.pick(hooks), r.pick(hooks));
        break;
      case 4:
        data = k.ngm_str_enc(r.pick(["fz", "fz2", "[1]", "a.b", "", "n".repeat(40)]), k.NG_NODESIZ);
        break;
      case 5:
        data = k.ngm_str_enc(r.pick(hooks), k.NG_HOOKSIZ);
        break;
      default:
        data = r.bytes(r.int(120));
        break;
    }
    if (r.chance(0.2)) data = Uint8Array.from(data.subarray(0, r.int(data.length + 1)));
    if (r.chance(0.1)) for (let i = r.int(5); i > 0 && data.length > 0; i--) data[r.int(data.length)] = r.u32() & 0xff;
    const msg = k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, cmd, data.length);
    msg.data.set(data);
    if (r.chance(0.15)) msg.header.arglen = r.pick([0, data.length + 1, data.length - 1, 0xffffffff, r.int(4096)]) >>> 0;
    const to = r.chance(0.6) ? ".:" : r.pick([".:a", ".:b", "."]);
    // Something to aim at: a hub on hook a, sometimes.
    const peer = r.chance(0.5);
    note(`generic cmd 0x${(cmd >>> 0).toString(16)} to ${to}: arglen ${msg.header.arglen}, ${data.length} bytes: ${Buffer.from(data).toString("hex")}`);
    return k.vnet_run(k.vnet0, "fuzz", () => {
      c.replies.length = 0;
      if (peer && k.ng_findhook(c.ctl, "a") === null) k.ng_mkpeer(c.ctl, "a", "in", "hub");
      k.NG_SEND_MSG_PATH(c.ctl, msg, to, c.ctl.nd_ID);
      return cleanup(w, c);
    });
  },
});
