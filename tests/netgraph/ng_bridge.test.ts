// netgraph/ng_bridge: learning, flooding, uplinks, loops, aging, stats and
// the control messages, in the scenarios of FreeBSD's
// tests/sys/netgraph/bridge.c (basic, loop, persistence, many_unicasts,
// many_broadcasts, uplink_private, uplink_classic), told our own way: a
// counting node stands where the test's ng_socket stands.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import { inv, mkpkt } from "../net/link_helpers.ts";
import { reply_catcher } from "./ng_helpers.ts";
import { run_script } from "../sbin/prog_helpers.ts";
import { ngctl_msg } from "./ng_links_ascii.ts";
import type { ng_hook, ng_item, ng_mesg, ng_node } from "../../index.ts";

/** A node type that counts what arrives per hook, and frees it. */
function counter_type(k: Kernel): Map<string, number> {
  const got = new Map<string, number>();
  k.ng_newtype({
    version: k.NG_ABI_VERSION,
    name: "counter",
    constructor: null,
    rcvdata(hook: ng_hook, item: ng_item): number {
      k.NG_FREE_ITEM(item);
      got.set(hook.hk_name, (got.get(hook.hk_name) ?? 0) + 1);
      return 0;
    },
  });
  return got;
}

interface rig {
  k: Kernel;
  me: ng_node;
  got: Map<string, number>;
  catcher: { node: ng_node; replies: ng_mesg[] };
  /** Counts per our hook, then cleared. */
  take(...hooks: string[]): number[];
  send(hook: string, f: Uint8Array): number;
  /** A bridge message to path, from here (default: the reply catcher). */
  msg(path: string, cmd: number, arg?: Uint8Array, here?: ng_node): { error: number; resp: ng_mesg | null };
  connect(ourhook: string, path: string, peerhook: string): number;
}

function rig_of(k: Kernel): rig {
  const got = counter_type(k);
  const r = inv(k, k.vnet0, () => k.ng_make_node("counter"));
  if (r.node === null) throw new Error("counter");
  const me = r.node;
  const catcher = inv(k, k.vnet0, () => reply_catcher(k));
  return {
    k,
    me,
    got,
    catcher,
    take(...hooks) {
      const out = hooks.map((h) => got.get(h) ?? 0);
      got.clear();
      return out;
    },
    send(hook, f) {
      return k.NG_SEND_DATA_ONLY(k.ng_findhook(me, hook), mkpkt(k, f));
    },
    msg(path, cmd, arg = new Uint8Array(0), here = catcher.node) {
      const m = k.NG_MKMESSAGE(k.NGM_BRIDGE_COOKIE, cmd, arg.length);
      m.data.set(arg);
      catcher.replies.length = 0;
      const error = k.NG_SEND_MSG_PATH(here, m, path, catcher.node.nd_ID);
      return { error, resp: catcher.replies.length > 0 ? catcher.replies[0] : null };
    },
    connect(ourhook, path, peerhook) {
      const peer = k.ng_path2noderef(null, path).node;
      if (peer === null) return k.ENOENT;
      return k.ng_con_nodes(me, ourhook, peer, peerhook);
    },
  };
}

/** An Ethernet frame (IPv4 ethertype, 64 bytes of payload) from src to dst. */
function frame(dst: number[], src: number[]): Uint8Array {
  const f = new Uint8Array(14 + 20 + 64);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x08;
  f[13] = 0x00;
  f[14] = 0x45;
  return f;
}
const mac = (last: number, b3 = 0, b4 = 0): number[] => [2, 4, 6, b3, b4, last];
const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}

function table(r: rig, path = "bridge:"): { addr: number[]; hook: string; age: number; staleness: number }[] {
  const { error, resp } = r.msg(path, r.k.NGM_BRIDGE_GET_TABLE);
  if (error !== 0 || resp === null) throw new Error(`gettable: ${error}`);
  return r.k.ng_bridge_host_ary_dec(resp.data).map((h) => ({ ...h, addr: [...h.addr] }));
}

function stats(r: rig, link: number, path = "bridge:"): Record<string, number> {
  const { error, resp } = r.msg(path, r.k.NGM_BRIDGE_GET_STATS, u32(link));
  if (error !== 0 || resp === null) throw new Error(`getstats ${link}: ${error}`);
  return r.k.ng_bridge_link_stats_dec(resp.data);
}

function clean(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void; is: (a: unknown, b: unknown, m?: string) => void }, k: Kernel): void {
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 }, "no mbufs left");
  t.is(k.callout_count(), 0, "no bridge timer left");
}

for (const build of BOTH) {
  test(`${build}: basic: no bounce back, flooding, learned unicast, the table, a link removed`, async (t) => {
    const k = await loadKernel(build);
    const r = rig_of(k);
    inv(k, k.vnet0, () => {
      t.is(k.ng_mkpeer(r.me, "a", "link0", "bridge"), 0);
      const br = k.ng_path2noderef(r.me, "a").node;
      if (br === null) return t.fail("bridge");
      t.is(k.ng_name_node(br, "bridge"), 0);
      // Alone on the bridge, a frame has nowhere to go.
      t.is(r.send("a", frame(mac(0), mac(1))), 0);
      t.deepEqual(r.take("a"), [0]);
      t.is(r.connect("b", "bridge:", "link1"), 0);
      t.is(r.connect("c", "bridge:", "link2"), 0);
      // Unknown destination: everyone else.
      t.is(r.send("a", frame(mac(0), mac(1))), 0);
      t.deepEqual(r.take("a", "b", "c"), [0, 1, 1]);
      t.is(r.send("b", frame(mac(0), mac(2))), 0);
      t.deepEqual(r.take("a", "b", "c"), [1, 0, 1]);
      t.is(r.send("c", frame(mac(0), mac(3))), 0);
      t.deepEqual(r.take("a", "b", "c"), [1, 1, 0]);
      // Known destination: its link alone.
      t.is(r.send("a", frame(mac(3), mac(1))), 0);
      t.deepEqual(r.take("a", "b", "c"), [0, 0, 1]);
      const tab = table(r);
      t.is(tab.length, 3);
      t.deepEqual(tab.map((h) => [h.addr[5], h.hook]).sort(), [
        [1, "link0"],
        [2, "link1"],
        [3, "link2"],
      ]);
      // Taking a link away forgets its hosts.
      const hb = k.ng_findhook(r.me, "b");
      if (hb === null) return t.fail("hook b");
      k.ng_rmhook_self(hb);
      t.is(r.send("a", frame(mac(0), mac(1))), 0);
      t.deepEqual(r.take("a", "b", "c"), [0, 0, 1]);
      t.is(table(r).length, 2);
      t.is(r.msg("bridge:", k.NGM_BRIDGE_GET_STATS, u32(1)).error, k.ENOTCONN, "link1 is gone");
      const s0 = stats(r, 0);
      t.is(s0.recvPackets, 4);
      t.is(s0.recvUnknown, 3);
      t.is(s0.recvOctets, 4 * 98);
      t.is(s0.xmitPackets, 2);
      k.ng_rmnode(br);
      t.false(k.NG_NODE_IS_VALID(br));
    });
    clean(t, k);
  });
}

test("persistence: setpersistent keeps a bridge without hooks until shut down", async (t) => {
  const k = await loadKernel("vimage");
  const r = rig_of(k);
  inv(k, k.vnet0, () => {
    t.is(k.ng_mkpeer(r.me, "a", "link0", "bridge"), 0);
    const br = k.ng_path2noderef(r.me, "a").node;
    if (br === null) return t.fail("bridge");
    t.is(k.ng_name_node(br, "bridge"), 0);
    t.is(r.msg("bridge:", k.NGM_BRIDGE_SET_PERSISTENT).error, 0);
    k.ng_rmhook_self(k.ng_findhook(r.me, "a") as ng_hook);
    t.true(k.NG_NODE_IS_VALID(br));
    // Its timer keeps running.
    k.kern_advance_ns(3e9);
    t.true(k.NG_NODE_IS_VALID(br));
    t.is(k.callout_count(), 1);
    t.is(r.msg("bridge:", 99).error, k.EINVAL, "unknown command");
    k.ng_rmnode(br);
    t.is(k.ng_path2noderef(null, "bridge:").error, k.ENOENT);

    // Without it, the last hook takes the bridge along.
    t.is(k.ng_mkpeer(r.me, "a", "link0", "bridge"), 0);
    const br2 = k.ng_path2noderef(r.me, "a").node as ng_node;
    k.ng_rmhook_self(k.ng_findhook(r.me, "a") as ng_hook);
    t.false(k.NG_NODE_IS_VALID(br2));
  });
  clean(t, k);
});

test("loop: two bridges joined twice; the loop is detected, the link muted, then restored", async (t) => {
  const k = await loadKernel("vimage");
  const r = rig_of(k);
  inv(k, k.vnet0, () => {
    t.is(k.ng_mkpeer(r.me, "a", "link0", "bridge"), 0);
    t.is(k.ng_name_node(k.ng_path2noderef(r.me, "a").node as ng_node, "bridge1"), 0);
    t.is(k.ng_mkpeer(r.me, "b", "link1", "bridge"), 0);
    t.is(k.ng_name_node(k.ng_path2noderef(r.me, "b").node as ng_node, "bridge2"), 0);
    const b1 = k.ng_path2noderef(null, "bridge1:").node as ng_node;
    const b2 = k.ng_path2noderef(null, "bridge2:").node as ng_node;
    // Open loop: . - bridge1 - bridge2 - .
    t.is(k.ng_con_nodes(b1, "link11", b2, "link11"), 0);
    t.is(r.send("a", frame(mac(0), mac(1))), 0);
    t.deepEqual(r.take("a", "b"), [0, 1]);
    // Closed loop: bridge1 and bridge2 also joined by link12.
    t.is(k.ng_con_nodes(b1, "link12", b2, "link12"), 0);
    t.is(r.send("a", frame(mac(0), mac(1))), k.ELOOP, "the loop is detected on the way");
    t.deepEqual(r.take("a", "b"), [0, 1]);
    const d1 = stats(r, 12, "bridge1:");
    const d2 = stats(r, 12, "bridge2:");
    t.is(d1.loopDetects + d2.loopDetects, 2);
    t.true(d1.loopDrops + d2.loopDrops >= 2);
    // Open the loop again; bridge2's link12 stays muted: what comes in is
    // dropped and counted, until loopTimeout (60 s) has passed.
    k.ng_rmhook_self(k.ng_findhook(b1, "link11") as ng_hook);
    const b1l12 = k.ng_findhook(b1, "link12");
    const before = stats(r, 12, "bridge2:").loopDrops;
    t.is(k.NG_SEND_DATA_ONLY(b1l12, mkpkt(k, frame(mac(9), mac(7)))), k.ELOOP);
    t.is(stats(r, 12, "bridge2:").loopDrops, before + 1);
    t.deepEqual(r.take("a", "b"), [0, 0]);
    k.kern_advance_ns(59e9);
    t.is(k.NG_SEND_DATA_ONLY(b1l12, mkpkt(k, frame(mac(9), mac(7)))), k.ELOOP, "still muted after 59 s");
    k.kern_advance_ns(2e9);
    t.is(k.NG_SEND_DATA_ONLY(b1l12, mkpkt(k, frame(mac(9), mac(7)))), 0);
    t.deepEqual(r.take("a", "b"), [0, 1]);
    k.ng_rmnode(b1);
    k.ng_rmnode(b2);
  });
  clean(t, k);
});

test("many_unicasts: 1000 links each send to one learned host; the table grows to 1001", async (t) => {
  const k = await loadKernel("vimage");
  const r = rig_of(k);
  const HOOKS = 1000;
  inv(k, k.vnet0, () => {
    t.is(k.ng_mkpeer(r.me, "a", "link0", "bridge"), 0);
    t.is(k.ng_name_node(k.ng_path2noderef(r.me, "a").node as ng_node, "bridge"), 0);
    const learned = mac(0, 0xff);
    t.is(r.send("a", frame(mac(0), learned)), 0);
    t.deepEqual(r.take("a"), [0]);
    let a = 0;
    let others = 0;
    for (let i = 1; i <= HOOKS; i++) {
      const hook = `link${i}`;
      t.is(r.connect(hook, "bridge:", hook), 0);
      t.is(r.send(hook, frame(learned, mac(i & 0xff, 0, i >> 8))), 0);
      const [x, y] = r.take("a", hook);
      a += x;
      others += y;
    }
    t.is(a, HOOKS);
    t.is(others, 0);
    t.is(table(r).length, HOOKS + 1);
    k.ng_rmnode(k.ng_path2noderef(null, "bridge:").node as ng_node);
  });
  clean(t, k);
});

test("many_broadcasts: 1000 links each broadcast; everyone else gets each one", async (t) => {
  const k = await loadKernel("novimage");
  const r = rig_of(k);
  const HOOKS = 1000;
  inv(k, k.vnet0, () => {
    t.is(k.ng_mkpeer(r.me, "a", "link0", "bridge"), 0);
    t.is(k.ng_name_node(k.ng_path2noderef(r.me, "a").node as ng_node, "bridge"), 0);
    t.is(r.send("a", frame(mac(0), mac(0, 0xff))), 0);
    t.deepEqual(r.take("a"), [0]);
    let a = 0;
    let total = 0;
    for (let i = 1; i <= HOOKS; i++) {
      const hook = `link${i}`;
      t.is(r.connect(hook, "bridge:", hook), 0);
      t.is(r.send(hook, frame(BCAST, mac(i & 0xff, 0, i >> 8))), 0);
      a += r.got.get("a") ?? 0;
      t.is(r.got.get(hook) ?? 0, 0, "never back");
      for (const v of r.got.values()) total += v;
      r.got.clear();
    }
    t.is(a, HOOKS);
    // Broadcast i reaches link0 and the i - 1 links before it.
    t.is(total, (HOOKS * (HOOKS + 1)) / 2);
    const s = stats(r, 0);
    t.is(s.xmitBroadcasts, HOOKS);
    t.is(s.recvPackets, 1);
    k.ng_rmnode(k.ng_path2noderef(null, "bridge:").node as ng_node);
  });
  clean(t, k);
});

/** The frames of FreeBSD's two uplink tests; `expect` per step is
 *  [l0, u1, u2, l3]. */
function uplink_steps(): { from: string; dst: number[]; src: number[] }[] {
  const d = (b0: number, b5: number): number[] => [b0, 4, 6, 0, 0, b5];
  const bc = BCAST;
  return [
    { from: "u1", dst: d(2, 0), src: mac(1) }, // unknown unicast 0 from uplink1
    { from: "l0", dst: d(2, 2), src: mac(0) }, // unknown unicast 2 from link0
    { from: "u2", dst: d(2, 0), src: mac(2) }, // known unicast 0 from uplink2
    { from: "l3", dst: d(2, 0), src: mac(3) }, // known unicast 0 from link3
    { from: "u1", dst: d(2, 2), src: mac(1) }, // (un)known unicast 2 from uplink1
    { from: "l0", dst: d(2, 2), src: mac(0) }, // (un)known unicast 2 from link0
    { from: "u1", dst: d(0xff, 2), src: mac(1) }, // multicast from uplink1
    { from: "l0", dst: d(0xff, 2), src: mac(0) }, // multicast from link0
    { from: "u1", dst: bc, src: mac(1) }, // broadcast from uplink1
    { from: "l0", dst: bc, src: mac(0) }, // broadcast from link0
  ];
}

function uplink_run(t: { is: (a: unknown, b: unknown, m?: string) => void; deepEqual: (a: unknown, b: unknown, m?: string) => void }, k: Kernel, r: rig, expect: number[][]): void {
  uplink_steps().forEach((s, i) => {
    t.is(r.send(s.from, frame(s.dst, s.src)), 0);
    t.deepEqual(r.take("l0", "u1", "u2", "l3"), expect[i], `step ${i + 1}`);
  });
  // Uplinks do not learn: only link0's and link3's hosts are known.
  const tab = table(r);
  t.deepEqual(tab.map((h) => h.hook).sort(), ["link0", "link3"]);
  t.is(k.ng_bridge_link_stats_dec((r.msg("bridge:", k.NGM_BRIDGE_GET_STATS, u32(-1)).resp as ng_mesg).data).recvPackets, 4, "uplink1 by its negative number");
}

test("uplink_private: the first hook an uplink, so unknown unicast never goes from link to link", async (t) => {
  const k = await loadKernel("vimage");
  const r = rig_of(k);
  inv(k, k.vnet0, () => {
    t.is(k.ng_mkpeer(r.me, "u1", "uplink1", "bridge"), 0);
    t.is(k.ng_name_node(k.ng_path2noderef(r.me, "u1").node as ng_node, "bridge"), 0);
    t.is(r.connect("u2", "bridge:", "uplink2"), 0);
    t.is(r.connect("l0", "bridge:", "link0"), 0);
    t.is(r.connect("l3", "bridge:", "link3"), 0);
    uplink_run(t, k, r, [
      [0, 0, 1, 0],
      [0, 1, 1, 0],
      [1, 0, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 1, 0],
      [0, 1, 1, 0],
      [1, 0, 1, 1],
      [0, 1, 1, 1],
      [1, 0, 1, 1],
      [0, 1, 1, 1],
    ]);
    k.ng_rmnode(k.ng_path2noderef(null, "bridge:").node as ng_node);
  });
  clean(t, k);
});

test("uplink_classic: the first hook a link, so unknowns flood every link but the uplinks learn nothing", async (t) => {
  const k = await loadKernel("vimage");
  const r = rig_of(k);
  inv(k, k.vnet0, () => {
    t.is(k.ng_mkpeer(r.me, "l0", "link0", "bridge"), 0);
    t.is(k.ng_name_node(k.ng_path2noderef(r.me, "l0").node as ng_node, "bridge"), 0);
    t.is(r.connect("u1", "bridge:", "uplink1"), 0);
    t.is(r.connect("u2", "bridge:", "uplink2"), 0);
    t.is(r.connect("l3", "bridge:", "link3"), 0);
    uplink_run(t, k, r, [
      [1, 0, 1, 1],
      [0, 1, 1, 1],
      [1, 0, 0, 0],
      [1, 0, 0, 0],
      [1, 0, 1, 1],
      [0, 1, 1, 1],
      [1, 0, 1, 1],
      [0, 1, 1, 1],
      [1, 0, 1, 1],
      [0, 1, 1, 1],
    ]);
    k.ng_rmnode(k.ng_path2noderef(null, "bridge:").node as ng_node);
  });
  clean(t, k);
});

test("hook names: linkN and uplinkN (N > 0) only, as strtoul reads them; no link to itself", async (t) => {
  const k = await loadKernel("vimage");
  const r = rig_of(k);
  inv(k, k.vnet0, () => {
    t.is(k.ng_mkpeer(r.me, "a", "link0", "bridge"), 0);
    const br = k.ng_path2noderef(r.me, "a").node as ng_node;
    for (const bad of ["link", "linkx", "link01", "link+1", "uplink0", "uplink", "foo1", "link4294967296", "uplinkx"]) {
      t.is(k.ng_con_nodes(r.me, `x${bad}`, br, bad), k.EINVAL, bad);
    }
    t.is(k.ng_con_nodes(r.me, "y", br, "link4294967295"), 0);
    t.is(k.ng_con_nodes(r.me, "z", br, "uplink7"), 0);
    t.is(k.ng_con_nodes(br, "link5", br, "link6"), k.ELOOP, "a bridge joined to itself");
    t.is(br.nd_numhooks, 3);
    k.ng_rmnode(br);
  });
  clean(t, k);
});

test("runts, multicast sources, stats: getclrstats clears, reset forgets hosts and counters", async (t) => {
  const k = await loadKernel("vimage");
  const r = rig_of(k);
  inv(k, k.vnet0, () => {
    t.is(k.ng_mkpeer(r.me, "a", "link0", "bridge"), 0);
    t.is(k.ng_name_node(k.ng_path2noderef(r.me, "a").node as ng_node, "bridge"), 0);
    t.is(r.connect("b", "bridge:", "link1"), 0);
    t.is(r.send("a", new Uint8Array(13)), k.EINVAL, "a runt");
    t.is(r.send("a", frame(mac(1), [1, 2, 3, 4, 5, 6])), k.EINVAL, "a group source address");
    t.is(r.send("a", frame([1, 0, 0x5e, 0, 0, 1], mac(1))), 0);
    t.is(r.send("a", frame(BCAST, mac(1))), 0);
    t.deepEqual(r.take("b"), [2]);
    const s = stats(r, 0);
    t.like(s, { recvRunts: 1, recvInvalid: 1, recvPackets: 2, recvMulticasts: 1, recvBroadcasts: 1, recvUnknown: 0, recvOctets: 196 });
    t.like(stats(r, 1), { xmitPackets: 2, xmitMulticasts: 1, xmitBroadcasts: 1, xmitOctets: 196 });
    const g = r.msg("bridge:", k.NGM_BRIDGE_GETCLR_STATS, u32(1));
    t.is(g.error, 0);
    t.is(g.resp?.data.length, k.NG_BRIDGE_LINK_STATS_SIZE);
    t.is(stats(r, 1).xmitPackets, 0, "cleared");
    t.is(r.msg("bridge:", k.NGM_BRIDGE_CLR_STATS, u32(0)).resp, null, "clrstats has no answer");
    t.is(stats(r, 0).recvPackets, 0);
    t.is(r.msg("bridge:", k.NGM_BRIDGE_GET_STATS, new Uint8Array(8)).error, k.EINVAL, "the argument is a u_int32_t");
    t.is(table(r).length, 1);
    t.is(r.msg("bridge:", k.NGM_BRIDGE_RESET).error, 0);
    t.is(table(r).length, 0);
    k.ng_rmnode(k.ng_path2noderef(null, "bridge:").node as ng_node);
  });
  clean(t, k);
});

test("setconfig/getconfig in struct ng_bridge_config's layout; aging by maxStaleness on the 1 s timer", async (t) => {
  const k = await loadKernel("vimage");
  const r = rig_of(k);
  inv(k, k.vnet0, () => {
    t.is(k.ng_mkpeer(r.me, "a", "link0", "bridge"), 0);
    t.is(k.ng_name_node(k.ng_path2noderef(r.me, "a").node as ng_node, "bridge"), 0);
    t.is(r.connect("b", "bridge:", "link1"), 0);
    const g = r.msg("bridge:", k.NGM_BRIDGE_GET_CONFIG);
    t.is(g.resp?.data.length, 16);
    t.deepEqual(k.ng_bridge_config_dec((g.resp as ng_mesg).data), { debugLevel: 1, loopTimeout: 60, maxStaleness: 900, minStableAge: 1 });
    const c = new Uint8Array(16);
    k.ng_bridge_config_enc(c, { debugLevel: 2, loopTimeout: 5, maxStaleness: 3, minStableAge: 0 });
    t.deepEqual([...c], [2, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
    t.is(r.msg("bridge:", k.NGM_BRIDGE_SET_CONFIG, c).error, 0);
    t.is(r.msg("bridge:", k.NGM_BRIDGE_SET_CONFIG, c.subarray(0, 13)).error, k.EINVAL);
    t.deepEqual(k.ng_bridge_config_dec((r.msg("bridge:", k.NGM_BRIDGE_GET_CONFIG).resp as ng_mesg).data), { debugLevel: 2, loopTimeout: 5, maxStaleness: 3, minStableAge: 0 });
    t.is(r.send("a", frame(mac(9), mac(1))), 0);
    k.kern_advance_ns(2e9);
    t.like(table(r)[0], { hook: "link0", age: 2, staleness: 2 });
    // With minStableAge 0 a host may move at once: no loop.
    t.is(r.send("b", frame(mac(9), mac(1))), 0);
    t.like(table(r)[0], { hook: "link1", age: 0, staleness: 0 });
    k.kern_advance_ns(3e9);
    t.is(table(r).length, 0, "stale after maxStaleness seconds");
    // movehost: place a host by message (the hook named, or the one the message came by).
    t.is(r.msg("bridge:", k.NGM_BRIDGE_MOVE_HOST, k.ng_bridge_move_host_enc(Uint8Array.from(mac(5)), "link1")).error, 0);
    t.deepEqual(table(r).map((h) => [h.addr[5], h.hook]), [[5, "link1"]]);
    t.is(r.msg("bridge:", k.NGM_BRIDGE_MOVE_HOST, k.ng_bridge_move_host_enc(Uint8Array.from(mac(6)), "")).error, k.ENOENT, "no hook to go by");
    t.is(r.msg("a", k.NGM_BRIDGE_MOVE_HOST, k.ng_bridge_move_host_enc(Uint8Array.from(mac(6)), ""), r.me).error, 0, "by the hook it came through");
    t.is(r.msg("bridge:", k.NGM_BRIDGE_MOVE_HOST, k.ng_bridge_move_host_enc(Uint8Array.from(mac(7)), "link9")).error, k.ENOENT);
    t.is(r.msg("bridge:", k.NGM_BRIDGE_MOVE_HOST, new Uint8Array(37)).error, k.EINVAL);
    t.deepEqual(table(r).map((h) => [h.addr[5], h.hook]).sort(), [
      [5, "link1"],
      [6, "link0"],
    ]);
    // A unicast to the placed host goes to its link alone.
    r.take();
    t.is(r.send("a", frame(mac(5), mac(1))), 0);
    t.deepEqual(r.take("a", "b"), [0, 1]);
    k.ng_rmnode(k.ng_path2noderef(null, "bridge:").node as ng_node);
  });
  clean(t, k);
});

test("a bridge in a vnet jail goes with the jail; its timer runs in its vnet", async (t) => {
  const k = await loadKernel("vimage");
  counter_type(k);
  const jr = k.kern_jail_set(k.cred0, { name: "j", persist: true, vnet: "new" }, k.JAIL_CREATE);
  const pr = k.prison_find(jr.jid);
  if (pr === null) return t.fail("jail");
  inv(k, pr.pr_vnet, () => {
    const me = k.ng_make_node("counter").node as ng_node;
    t.is(k.ng_mkpeer(me, "a", "link0", "bridge"), 0);
    t.is(k.ng_con_nodes(me, "b", k.ng_path2noderef(me, "a").node as ng_node, "link1"), 0);
    t.is(k.NG_SEND_DATA_ONLY(k.ng_findhook(me, "a"), mkpkt(k, frame(BCAST, mac(1)))), 0);
  });
  k.kern_advance_ns(5e9);
  t.is(k.callout_count(), 1);
  t.is(k.sys_jail_remove(k.cred0, jr.jid), 0);
  t.is(k.callout_count(), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ngctl msg bridge: gettable, getconfig/setconfig, getstats, movehost in ASCII", async (t) => {
  const k = await loadKernel("vimage");
  const r = rig_of(k);
  inv(k, k.vnet0, () => {
    t.is(k.ng_mkpeer(r.me, "a", "link0", "bridge"), 0);
    t.is(k.ng_name_node(k.ng_path2noderef(r.me, "a").node as ng_node, "br"), 0);
    t.is(r.connect("b", "br:", "uplink1"), 0);
    const me = r.catcher;
    t.is(ngctl_msg(k, me, "br:", "gettable").text, "{}");
    t.is(r.send("a", frame(BCAST, mac(0x11))), 0);
    t.is(ngctl_msg(k, me, "br:", "movehost", '{ addr=02:04:06:00:00:22 hook="uplink1" }').error, 0);
    k.kern_advance_ns(2e9);
    t.is(
      ngctl_msg(k, me, "br:", "gettable").text,
      '{ numHosts=2 hosts=[ { addr=02:04:06:00:00:22 hook="uplink1" age=2 staleness=2 } { addr=02:04:06:00:00:11 hook="link0" age=2 staleness=2 } ] }',
    );
    t.is(ngctl_msg(k, me, "br:", "getconfig").text, "{ debugLevel=1 loopTimeout=60 maxStaleness=900 minStableAge=1 }");
    t.is(ngctl_msg(k, me, "br:", "setconfig", "{ maxStaleness=300 }").error, 0);
    t.is(ngctl_msg(k, me, "br:", "getconfig").text, "{ maxStaleness=300 }", "setconfig takes the whole struct (the rest is zero), as FreeBSD's does");
    t.is(ngctl_msg(k, me, "br:", "getstats", "0").text, "{ recvOctets=98 recvPackets=1 recvBroadcast=1 }");
    t.is(ngctl_msg(k, me, "br:", "getstats", "-1").text, "{ xmitOctets=98 xmitPackets=1 xmitBroadcasts=1 }");
    t.is(ngctl_msg(k, me, "br:", "getstats", "7").error, k.ENOTCONN);
    t.is(ngctl_msg(k, me, "br:", "setpersistent").error, 0);
    t.is(ngctl_msg(k, me, "br:", "nosuchcmd").error, k.ENOSYS);
    k.ng_rmnode(k.ng_path2noderef(null, "br:").node as ng_node);
  });
  clean(t, k);
});

test("three jails on one ng_bridge through ngctl: they ping each other; gettable and getstats", async (t) => {
  const r = await run_script(`jail -c name=a vnet persist
jail -c name=b vnet persist
jail -c name=c vnet persist
ngctl mkpeer . eiface e ether
ngctl mkpeer . eiface e ether
ngctl mkpeer . eiface e ether
ngctl mkpeer ngeth0: bridge ether link0
ngctl name ngeth0:ether br
ngctl connect br: ngeth1: link1 ether
ngctl connect br: ngeth2: link2 ether
ifconfig ngeth0 vnet a
ifconfig ngeth1 vnet b
ifconfig ngeth2 vnet c
jexec a ifconfig ngeth0 inet 10.0.0.1/24 up
jexec b ifconfig ngeth1 inet 10.0.0.2/24 up
jexec c ifconfig ngeth2 inet 10.0.0.3/24 up
jexec a ping -q -c 1 10.0.0.2
jexec b ping -q -c 1 10.0.0.3
ngctl msg br: gettable
ngctl msg br: getstats 2
`);
  t.is(r.status, 0, r.err);
  t.is([...r.out.matchAll(/1 packets received/g)].length, 2);
  const tab = /Args:\t\{ numHosts=3 hosts=\[ (.*) \] \}/.exec(r.out);
  t.truthy(tab, r.out);
  t.deepEqual([...(tab?.[1] ?? "").matchAll(/hook="(link\d)"/g)].map((m) => m[1]).sort(), ["link0", "link1", "link2"]);
  t.regex(r.out, /Rec'd response "getstats" \(4\) from "\[[0-9a-f]+\]:":\nArgs:\t\{ recvOctets=\d+ recvPackets=3 recvBroadcast=1 xmitOctets=\d+ xmitPackets=\d+ xmitBroadcasts=\d+ \}/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
