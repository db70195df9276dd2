// Hostile frames written into netgraph hooks (sys/netgraph/ng_ether.c,
// ng_eiface.c): ng_ether's lower, upper and orphans hooks of an epair and
// an eiface's ether hook, with short, empty, oversized, chained and
// plausible frames; and eifaces lent to the chaos's jails, with the node
// shut down and the jail removed in either order.  Each step builds its
// graph, writes, lets time run and takes it all down again, so the checks
// after it (no exception, no leak at teardown) see only what it left.
import { register_chaos_kind } from "../registry.ts";
import { rng } from "../rng.ts";
import type { world } from "../topo.ts";
import { chaos_kill_jail_procs } from "./chaos_net.ts";
import { build_chain } from "../frames.ts";
import type { Kernel } from "../kernel.ts";
import type { ng_hook, ng_item, ng_node, ng_type } from "../../netgraph/ng_base.ts";
import type { ifnet } from "../../net/if.ts";

/** The node that writes the frames and swallows what comes back. */
const src_types = new WeakMap<Kernel, ng_type>();
function src_type(k: Kernel): ng_type {
  let tp = src_types.get(k);
  if (tp !== undefined) return tp;
  tp = {
    version: k.NG_ABI_VERSION,
    name: "fuzzsrc",
    constructor: null,
    rcvdata(_hook: ng_hook, item: ng_item): number {
      k.NG_FREE_ITEM(item);
      return 0;
    },
  };
  const error = k.ng_newtype(tp);
  if (error !== 0) throw new Error(`ng_newtype fuzzsrc: ${error}`);
  src_types.set(k, tp);
  return tp;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

/** One hostile frame for an interface with address `mac` on 10.250.n.0/24. */
function hostile(r: rng, mac: Uint8Array, net: number): Uint8Array {
  switch (r.int(8)) {
    case 0:
      return new Uint8Array(0);
    case 1:
      return r.bytes(r.int(14));
    case 2:
      return r.bytes(r.range(14, 9200));
    case 3: {
      // An oversized frame for us.
      const f = r.bytes(r.range(1515, 9100));
      f.set(mac, 0);
      put16(f, 12, 0x0800);
      return f;
    }
    default: {
      // ARP or IPv4 for one of the subnet's addresses, fields random.
      const arp = r.chance(0.5);
      const f = new Uint8Array(14 + (arp ? 28 : r.range(0, 1500)));
      f.set(r.chance(0.5) ? mac : new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 0);
      f.set([0x02, 0xfa, 0, 0, 0, r.int(256)], 6);
      put16(f, 12, arp ? 0x0806 : r.chance(0.9) ? 0x0800 : r.int(0x10000));
      const p = f.subarray(14);
      p.set(r.bytes(p.length));
      if (arp && p.length >= 28) {
        p.set([0, 1, 8, 0, 6, 4, 0, r.range(1, 2)], 0);
        p.set([10, 250, net, r.range(1, 3)], 14);
        p.set([10, 250, net, 1], 24);
      } else if (p.length >= 20) {
        p[0] = r.chance(0.8) ? 0x45 : r.int(256);
        put16(p, 2, r.chance(0.8) ? p.length : r.int(0x10000));
        p.set([10, 250, net, r.range(2, 254)], 12);
        p.set([10, 250, net, r.chance(0.7) ? 1 : 255], 16);
      }
      // Cut short now and then.
      return r.chance(0.2) ? f.subarray(0, r.int(f.length)) : f;
    }
  }
}

/** Write `count` hostile frames to the peers of `hooks`, as chains of every
 *  shape the frame fuzzer builds. */
function write_frames(k: Kernel, r: rng, hooks: ng_hook[], mac: Uint8Array, net: number, count: number, rcvif: ifnet): void {
  for (let i = 0; i < count; i++) {
    const bytes = hostile(r, mac, net);
    const cuts: number[] = [];
    if (bytes.length > 1 && r.chance(0.4)) {
      let left = bytes.length - r.int(Math.min(bytes.length, 100));
      while (left > 0 && cuts.length < 6) {
        const n = Math.min(left, r.chance(0.4) ? r.range(1, 8) : r.range(1, 2048));
        cuts.push(n);
        left -= n;
      }
      // The rest in clusters: no piece bigger than one.
      for (; left > 0; left -= 2048) cuts.push(Math.min(left, 2048));
    }
    // Uncut, m_devget lays out any length.
    const m = build_chain(k, rcvif, { point: "ng", target: "ng", bytes, cuts });
    if (m === null) continue;
    // What a node receives has no receiving interface of its own.
    m.m_pkthdr.rcvif = null;
    k.NG_SEND_DATA_ONLY(r.pick(hooks), m);
  }
}

function node_at(k: Kernel, path: string): ng_node | null {
  return k.ng_path2noderef(null, path).node;
}

/** Run fn in vnet0. */
function host<R>(k: Kernel, fn: () => R): R {
  return k.vnet_run(k.vnet0, "fuzz netgraph", fn);
}

async function must(w: world, argv: string[]): Promise<string> {
  const r = await w.run(argv);
  if (r.status !== 0) throw new Error(`${argv.join(" ")}: ${r.status} ${r.err}`);
  return r.out;
}

register_chaos_kind({
  name: "ng_hook_frames",
  weight: 2,
  gen: (r) => ({ kind: "ng_hook_frames", args: [r.u32(), r.range(10, 150)] }),
  run: async (w, _m, s) => {
    const k = w.k;
    const r = new rng(Number(s.args[0]));
    const count = Number(s.args[1]);
    await must(w, ["kldload", "-n", "ng_ether"]);
    const a = (await must(w, ["ifconfig", "epair", "create"])).trim();
    const b = a.replace(/a$/, "b");
    await must(w, ["ifconfig", a, "10.250.1.1/24", "up"]);
    await must(w, ["ifconfig", b, "up"]);
    const tp = src_type(k);
    const { eiface, src, ngeth } = host(k, () => {
      const e = k.ng_make_node("eiface").node;
      const sn = k.ng_make_node_common(tp).node;
      const na = node_at(k, `${a}:`);
      const nb = node_at(k, `${b}:`);
      if (e === null || sn === null || na === null || nb === null) throw new Error("ng_hook_frames: nodes");
      for (const [n, hook, mine] of [
        [na, "lower", "l"],
        [na, "upper", "u"],
        [nb, "orphans", "o"],
        [e, "ether", "e"],
      ] as const) {
        const error = k.ng_con_nodes(sn, mine, n, hook);
        if (error !== 0) throw new Error(`ng_hook_frames: connect ${hook}: ${error}`);
      }
      return { eiface: e, src: sn, ngeth: e.nd_name };
    });
    await must(w, ["ifconfig", ngeth, "10.250.2.1/24", "up"]);
    const ifa = w.ifp_of("host", a);
    const ife = w.ifp_of("host", ngeth);
    if (ifa === null || ife === null) throw new Error("ng_hook_frames: interfaces");
    host(k, () => {
      const hooks = ["l", "u", "o"].map((h) => k.ng_findhook(src, h)).filter((h): h is ng_hook => h !== null);
      const he = k.ng_findhook(src, "e");
      write_frames(k, r, hooks, k.IF_LLADDR(ifa), 1, count >> 1, ifa);
      if (he !== null) write_frames(k, r, [he], k.IF_LLADDR(ife), 2, count - (count >> 1), ife);
    });
    k.kern_advance_ns(5e9);
    host(k, () => {
      k.ng_rmnode(src);
      k.ng_rmnode(eiface);
    });
    await must(w, ["ifconfig", a, "destroy"]);
  },
});

register_chaos_kind({
  name: "ng_eiface_jail",
  weight: 2,
  gen: (r, m) => (m.jails.length === 0 ? null : { kind: "ng_eiface_jail", args: [r.pick(m.jails), r.int(3), r.u32()] }),
  run: async (w, _m, s) => {
    const k = w.k;
    const jail = String(s.args[0]);
    const order = Number(s.args[1]);
    const r = new rng(Number(s.args[2]));
    if (k.prison_find_name(jail) === null) return;
    const tp = src_type(k);
    const { eiface, src, ngeth } = host(k, () => {
      const e = k.ng_make_node("eiface").node;
      const sn = k.ng_make_node_common(tp).node;
      if (e === null || sn === null || k.ng_con_nodes(sn, "e", e, "ether") !== 0) throw new Error("ng_eiface_jail: nodes");
      return { eiface: e, src: sn, ngeth: e.nd_name };
    });
    const moved = await w.run(["ifconfig", ngeth, "vnet", jail]);
    if (moved.status === 0) await w.run(["jexec", jail, "ifconfig", ngeth, "10.250.3.1/24", "up"]);
    const ife = w.ifp_of(moved.status === 0 ? jail : "host", ngeth);
    if (ife !== null) {
      host(k, () => {
        const he = k.ng_findhook(src, "e");
        if (he !== null) write_frames(k, r, [he], k.IF_LLADDR(ife), 3, r.range(5, 60), ife);
      });
    }
    // The eiface goes as a user takes it down: `ngctl shutdown ngethN:`.
    const shutdown = async (): Promise<void> => {
      host(k, () => k.ng_rmnode(src));
      await must(w, ["ngctl", "shutdown", `${ngeth}:`]);
      if (k.NG_NODE_IS_VALID(eiface)) throw new Error(`ng_eiface_jail: ${ngeth} survived ngctl shutdown`);
    };
    const remove = async (): Promise<void> => {
      chaos_kill_jail_procs(w, jail);
      await must(w, ["jail", "-r", jail]);
    };
    if (order === 0) await shutdown();
    else if (order === 1) {
      await remove();
      await shutdown();
    } else {
      await shutdown();
      await remove();
    }
    k.kern_advance_ns(1e9);
    if (w.ifp_of("host", ngeth) !== null || (order === 0 && w.ifp_of(jail, ngeth) !== null)) throw new Error(`ng_eiface_jail: ${ngeth} outlived its node`);
  },
});
