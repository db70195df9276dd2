// Chaos steps for netgraph's link nodes: in a chaos jail's vnet, a graph of
//   end:u -- upper:pipe "fzp":lower -- link0:bridge "fzbr":link1 -- b1:end
//                                      uplink1:bridge "fzbr" -- u1:end
// takes hostile ng_pipe configurations (struct ng_pipe_cfg as raw bytes:
// zero, huge, all-ones and wrong-length values), hostile bridge messages
// (every command, random arguments and lengths), and frames both ways, under
// the clock.  The graph dies with its jail (jail_remove), so what the pipe
// still holds then must be freed by the vnet's teardown.  Until ngctl and
// ng_socket land, messages go in as a socket would hand them to the node:
// NG_SEND_MSG_PATH with the message's bytes.
import { register_chaos_kind, type chaos_model } from "../registry.ts";
import { hex, rng, unhex } from "../rng.ts";
import type { world } from "../topo.ts";
import type { Kernel } from "../kernel.ts";
import type { ng_hook, ng_item, ng_node } from "../../netgraph/ng_base.ts";
import type { vnet } from "../../net/vnet.ts";

/** The "fzend" node type: takes frames and frees them. */
function fzend_type(k: Kernel): void {
  if (k.ng_findtype("fzend") !== null) return;
  k.ng_newtype({
    version: k.NG_ABI_VERSION,
    name: "fzend",
    constructor: null,
    rcvdata(_hook: ng_hook, item: ng_item): number {
      k.NG_FREE_ITEM(item);
      return 0;
    },
    rcvmsg(_node: ng_node, item: ng_item): number {
      k.NG_FREE_ITEM(item);
      return 0;
    },
  });
}

function jail_vnet(w: world, jail: string): vnet | null {
  const pr = w.k.prison_find_name(jail);
  return pr === null || pr.pr_vnet === w.k.vnet0 ? null : pr.pr_vnet;
}

/** The graph in the jail's vnet, built if missing (or half gone). */
function graph(w: world, v: vnet): { end: ng_node; end2: ng_node } | null {
  const k = w.k;
  fzend_type(k);
  return k.vnet_run(v, "fuzz", () => {
    let end = k.ng_path2noderef(null, "fzend:").node;
    let end2 = k.ng_path2noderef(null, "fzend2:").node;
    if (end === null || end2 === null || k.ng_path2noderef(null, "fzp:").node === null || k.ng_path2noderef(null, "fzbr:").node === null) {
      for (const n of ["fzend:", "fzend2:", "fzp:", "fzbr:"]) {
        const node = k.ng_path2noderef(null, n).node;
        if (node !== null) k.ng_rmnode(node);
      }
      end = k.ng_make_node("fzend").node;
      end2 = k.ng_make_node("fzend").node;
      if (end === null || end2 === null) return null;
      k.ng_name_node(end, "fzend");
      k.ng_name_node(end2, "fzend2");
      if (k.ng_mkpeer(end, "u", "upper", "pipe") !== 0) return null;
      const p = k.ng_path2noderef(end, "u").node;
      if (p === null) return null;
      k.ng_name_node(p, "fzp");
      if (k.ng_mkpeer(p, "lower", "link0", "bridge") !== 0) return null;
      const br = k.ng_path2noderef(p, "lower").node;
      if (br === null) return null;
      k.ng_name_node(br, "fzbr");
      k.ng_con_nodes(end2, "b1", br, "link1");
      k.ng_con_nodes(end2, "u1", br, "uplink1");
    }
    return { end, end2 };
  });
}

/** A 64-bit value a hostile configuration would carry. */
function u64_of(r: rng): bigint {
  switch (r.int(9)) {
    case 0:
      return 0n;
    case 1:
      return 0xffffffffffffffffn; // -1: reset
    case 2:
      return 0xfffffffffffffffen;
    case 3:
      return 2n ** 63n;
    case 4:
      return BigInt(r.range(1, 99));
    case 5:
      return BigInt(r.range(100, 1000000000));
    case 6:
      return BigInt(r.range(1, 10000000));
    case 7:
      return BigInt(r.u32()) * 4096n + BigInt(r.int(4096));
    default:
      return BigInt(r.u32());
  }
}
function u32_of(r: rng): number {
  switch (r.int(7)) {
    case 0:
      return 0;
    case 1:
      return 0xffffffff;
    case 2:
      return r.range(1, 4);
    case 3:
      return r.range(5, 200);
    case 4:
      return r.range(1, 60);
    case 5:
      return 0x80000000;
    default:
      return r.u32();
  }
}

function pipe_cfg_bytes(k: Kernel, r: rng): Uint8Array {
  const h = () => ({
    bandwidth: r.chance(0.5) ? u64_of(r) : 0n,
    ber: r.chance(0.3) ? u64_of(r) : 0n,
    qin_size_limit: r.chance(0.4) ? u32_of(r) : 0,
    qout_size_limit: r.chance(0.3) ? u32_of(r) : 0,
    duplicate: r.chance(0.3) ? u32_of(r) : 0,
    fifo: r.chance(0.2) ? u32_of(r) : 0,
    drr: r.chance(0.2) ? u32_of(r) : 0,
    wfq: r.chance(0.2) ? u32_of(r) : 0,
    droptail: r.chance(0.2) ? u32_of(r) : 0,
    drophead: r.chance(0.2) ? u32_of(r) : 0,
  });
  const b = k.ng_pipe_cfg_enc({
    bandwidth: r.chance(0.5) ? u64_of(r) : 0n,
    delay: r.chance(0.5) ? u64_of(r) : 0n,
    header_offset: r.chance(0.3) ? u32_of(r) : 0,
    overhead: r.chance(0.3) ? u32_of(r) : 0,
    downstream: h(),
    upstream: h(),
  });
  // Now and then a message of the wrong length, or bytes at random.
  if (r.chance(0.05)) return b.subarray(0, r.int(b.length));
  if (r.chance(0.05)) return r.bytes(b.length);
  return b;
}

function send_msg(w: world, v: vnet, path: string, cookie: number, cmd: number, arg: Uint8Array): void {
  const k = w.k;
  k.vnet_run(v, "fuzz", () => {
    const msg = k.NG_MKMESSAGE(cookie, cmd, arg.length);
    msg.data.set(arg);
    const end = k.ng_path2noderef(null, "fzend:").node;
    // Replies, if any, go to the end node, which drops them.
    k.NG_SEND_MSG_PATH(end, msg, path, end === null ? 0 : end.nd_ID);
  });
}

const places = (m: chaos_model): string[] => m.jails;

register_chaos_kind({
  name: "ng_pipe_setcfg",
  weight: 3,
  gen: (r, m) => {
    if (places(m).length === 0) return null;
    // The kernel is not needed to encode: the layout is fixed (120 bytes).
    return { kind: "ng_pipe_setcfg", args: [r.pick(places(m)), r.u32()] };
  },
  run: async (w, _m, s) => {
    const v = jail_vnet(w, String(s.args[0]));
    if (v === null || graph(w, v) === null) return;
    const b = pipe_cfg_bytes(w.k, new rng(Number(s.args[1])));
    send_msg(w, v, "fzp:", w.k.NGM_PIPE_COOKIE, w.k.NGM_PIPE_SET_CFG, b);
    // And read everything back, as ngctl would.
    for (const cmd of [w.k.NGM_PIPE_GET_CFG, w.k.NGM_PIPE_GET_RUN, w.k.NGM_PIPE_GET_STATS]) send_msg(w, v, "fzp:", w.k.NGM_PIPE_COOKIE, cmd, new Uint8Array(0));
  },
});

register_chaos_kind({
  name: "ng_bridge_msg",
  weight: 3,
  gen: (r, m) => {
    if (places(m).length === 0) return null;
    const cmd = r.range(0, 10);
    let arg: Uint8Array;
    switch (r.int(4)) {
      case 0:
        arg = new Uint8Array(0);
        break;
      case 1: {
        // A struct-sized argument of the command, with hostile values.
        const len = [0, 16, 0, 0, 4, 4, 4, 0, 0, 38, 0][cmd] ?? 0;
        arg = r.bytes(len);
        if (cmd === 1 && r.chance(0.5)) arg.fill(0, 4, 16); // maxStaleness 0 and friends
        if (cmd === 9 && r.chance(0.5)) arg.set(new TextEncoder().encode(r.pick(["link0", "link1", "uplink1", "link9", ""])), 6);
        break;
      }
      default:
        arg = r.bytes(r.int(64));
    }
    return { kind: "ng_bridge_msg", args: [r.pick(places(m)), cmd, hex(arg)] };
  },
  run: async (w, _m, s) => {
    const v = jail_vnet(w, String(s.args[0]));
    if (v === null || graph(w, v) === null) return;
    send_msg(w, v, "fzbr:", w.k.NGM_BRIDGE_COOKIE, Number(s.args[1]), unhex(String(s.args[2])));
  },
});

register_chaos_kind({
  name: "ng_link_traffic",
  weight: 4,
  gen: (r, m) => {
    if (places(m).length === 0) return null;
    return { kind: "ng_link_traffic", args: [r.pick(places(m)), r.u32(), r.range(1, 60), r.int(3)] };
  },
  run: async (w, _m, s) => {
    const v = jail_vnet(w, String(s.args[0]));
    if (v === null) return;
    const g = graph(w, v);
    if (g === null) return;
    const k = w.k;
    const r = new rng(Number(s.args[1]));
    const n = Number(s.args[2]);
    const hooks: [ng_node, string][] = [
      [g.end, "u"],
      [g.end2, "b1"],
      [g.end2, "u1"],
    ];
    k.vnet_run(v, "fuzz", () => {
      for (let i = 0; i < n; i++) {
        const len = r.chance(0.1) ? r.int(14) : r.range(14, r.chance(0.1) ? 9000 : 1514);
        const f = r.bytes(len);
        // Mostly unicast among a few hosts, some broadcast and group sources.
        if (len >= 12 && r.chance(0.8)) {
          f.set([2, 0, 0, 0, 0, r.int(6)], 0);
          f.set([2, 0, 0, 0, 0, r.int(6)], 6);
          if (r.chance(0.1)) f.fill(0xff, 0, 6);
        }
        if (len >= 34 && r.chance(0.5)) {
          f[14] = 0x45;
          f[12] = 0x08;
          f[13] = 0x00;
        }
        const m = k.m_devget(f, 0, f.length, null);
        if (m === null) continue;
        const [node, hook] = hooks[(Number(s.args[3]) + i) % hooks.length];
        k.NG_SEND_DATA_ONLY(k.ng_findhook(node, hook), m);
      }
    });
    k.kern_advance_ns(r.range(0, 3) * 1e9 + r.int(1e6));
  },
});

register_chaos_kind({
  name: "ng_link_shutdown",
  weight: 1,
  gen: (r, m) => (places(m).length === 0 ? null : { kind: "ng_link_shutdown", args: [r.pick(places(m)), r.pick(["fzp:", "fzbr:", "fzend:", "fzend2:"])] }),
  run: async (w, _m, s) => {
    const v = jail_vnet(w, String(s.args[0]));
    if (v === null) return;
    const k = w.k;
    k.vnet_run(v, "fuzz", () => {
      const node = k.ng_path2noderef(null, String(s.args[1])).node;
      if (node !== null) k.ng_rmnode(node);
    });
  },
});
