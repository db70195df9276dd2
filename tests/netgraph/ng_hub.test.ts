// netgraph/ng_hub: a frame in on one hook leaves on every other hook, never
// back; the hub goes with its last hook unless made persistent.
import test from "ava";
import { loadKernel } from "../helpers/builds.ts";
import { inv, mkpkt } from "../net/link_helpers.ts";
import { sink_type } from "./ng_helpers.ts";

test("a hub with 3 hooks replicates every frame to the other two, no mbufs left over", async (t) => {
  const k = await loadKernel("vimage");
  const s = sink_type(k);
  inv(k, k.vnet0, () => {
    const hub = k.ng_make_node("hub").node;
    if (hub === null) return t.fail("hub");
    t.is(k.ng_name_node(hub, "h"), 0);
    for (const l of ["l0", "l1", "l2"]) t.is(k.ng_mkpeer(hub, l, "up", "sink"), 0);
    const ids = ["l0", "l1", "l2"].map((l) => k.ng_path2noderef(null, `h:${l}`).node?.nd_ID);
    t.deepEqual(ids, [2, 3, 4]);
    const from = k.ng_path2noderef(null, "h:l1").lasthook;
    const payload = Uint8Array.from({ length: 1500 }, (_, i) => i & 0xff);
    for (let i = 0; i < 3; i++) t.is(k.NG_SEND_DATA_ONLY(from, mkpkt(k, payload)), 0);
    t.is(s.got.length, 6);
    t.deepEqual([...new Set(s.got.map((g) => g.id))].sort(), [2, 4], "never back to the source");
    for (const g of s.got) t.deepEqual(g.bytes, payload);
  });
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("a hub shuts down with its last hook unless persistent", async (t) => {
  const k = await loadKernel("vimage");
  sink_type(k);
  inv(k, k.vnet0, () => {
    const hub = k.ng_make_node("hub").node;
    if (hub === null) return t.fail("hub");
    t.is(k.ng_mkpeer(hub, "a", "up", "sink"), 0);
    const hook = k.ng_findhook(hub, "a");
    if (hook === null) return t.fail("hook");
    k.ng_rmhook_self(hook);
    t.false(k.NG_NODE_IS_VALID(hub));
    t.is(k.ng_ID2noderef(1), null);

    const hub2 = k.ng_make_node("hub").node;
    if (hub2 === null) return t.fail("hub2");
    const msg = k.NG_MKMESSAGE(k.NGM_HUB_COOKIE, k.NGM_HUB_SET_PERSISTENT, 0);
    t.is(k.NG_SEND_MSG_ID(msg, hub2.nd_ID, 0), 0);
    t.is(k.ng_mkpeer(hub2, "a", "up", "sink"), 0);
    const h2 = k.ng_findhook(hub2, "a");
    if (h2 === null) return t.fail("hook");
    k.ng_rmhook_self(h2);
    t.true(k.NG_NODE_IS_VALID(hub2), "persistent: survives without hooks");
    t.is(k.NG_SEND_MSG_ID(k.NG_MKMESSAGE(k.NGM_HUB_COOKIE, 99, 0), hub2.nd_ID, 0), k.EINVAL, "unknown hub message");
    k.ng_rmnode(hub2);
    t.false(k.NG_NODE_IS_VALID(hub2));
  });
});

test("a hub with one hook drops what comes in", async (t) => {
  const k = await loadKernel("novimage");
  const s = sink_type(k);
  inv(k, k.vnet0, () => {
    const hub = k.ng_make_node("hub").node;
    if (hub === null) return t.fail("hub");
    t.is(k.ng_mkpeer(hub, "a", "up", "sink"), 0);
    const src = k.ng_path2noderef(null, "[1]:a").lasthook;
    t.is(k.NG_SEND_DATA_ONLY(src, mkpkt(k, Uint8Array.of(1))), 0);
    t.is(s.got.length, 0);
  });
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

/** A node type that counts arrivals per hook name and frees them. */
function counting(k: Awaited<ReturnType<typeof loadKernel>>, name: string): Map<string, number> {
  const got = new Map<string, number>();
  k.ng_newtype({
    version: k.NG_ABI_VERSION,
    name,
    constructor: null,
    rcvdata(hook, item): number {
      k.NG_FREE_ITEM(item);
      got.set(hook.hk_name, (got.get(hook.hk_name) ?? 0) + 1);
      return 0;
    },
  });
  return got;
}

test("basic, as FreeBSD's hub test: each of three hooks reaches the other two; one fewer after rmhook", async (t) => {
  const k = await loadKernel("vimage");
  const got = counting(k, "me");
  inv(k, k.vnet0, () => {
    const me = k.ng_make_node("me").node;
    if (me === null) return t.fail("me");
    t.is(k.ng_mkpeer(me, "a", "a", "hub"), 0);
    const hub = k.ng_path2noderef(me, "a").node;
    if (hub === null) return t.fail("hub");
    t.is(k.ng_con_nodes(me, "b", hub, "b"), 0);
    t.is(k.ng_con_nodes(me, "c", hub, "c"), 0);
    const total = (): number => {
      let n = 0;
      for (const v of got.values()) n += v;
      got.clear();
      return n;
    };
    for (const h of ["a", "b", "c"]) {
      t.is(k.NG_SEND_DATA_ONLY(k.ng_findhook(me, h), mkpkt(k, new TextEncoder().encode("test\0"))), 0);
      t.is(got.get(h), undefined, "not back to the sender");
      t.is(total(), 2);
    }
    k.ng_rmhook_self(k.ng_findhook(me, "b") as NonNullable<ReturnType<typeof k.ng_findhook>>);
    t.is(k.NG_SEND_DATA_ONLY(k.ng_findhook(me, "a"), mkpkt(k, Uint8Array.of(1))), 0);
    t.is(total(), 1);
    k.ng_rmnode(hub);
  });
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("loop: two hubs joined twice circulate a frame for ever; the storm runs a round per tick and stops with the hubs", async (t) => {
  const k = await loadKernel("vimage");
  const got = counting(k, "me");
  inv(k, k.vnet0, () => {
    const me = k.ng_make_node("me").node;
    if (me === null) return t.fail("me");
    t.is(k.ng_mkpeer(me, "a", "a", "hub"), 0);
    t.is(k.ng_mkpeer(me, "b", "b", "hub"), 0);
    const hub1 = k.ng_path2noderef(me, "a").node;
    const hub2 = k.ng_path2noderef(me, "b").node;
    if (hub1 === null || hub2 === null) return t.fail("hubs");
    t.is(k.ng_con_nodes(hub1, "xc1", hub2, "xc1"), 0);
    // Open loop: one copy comes back, on b.
    t.is(k.NG_SEND_DATA_ONLY(k.ng_findhook(me, "a"), mkpkt(k, Uint8Array.of(1))), 0);
    t.deepEqual([...got], [["b", 1]]);
    got.clear();
    // Closed loop: the frame goes round both ways without end.
    t.is(k.ng_con_nodes(hub1, "xc2", hub2, "xc2"), 0);
    t.is(k.NG_SEND_DATA_ONLY(k.ng_findhook(me, "a"), mkpkt(k, Uint8Array.of(2))), 0);
    t.true(k.ng_queued() > 0, "the deep end of the recursion was queued");
    for (let i = 0; i < 10; i++) k.kern_advance_ns(1e6);
    const n = (got.get("a") ?? 0) + (got.get("b") ?? 0);
    t.true(n > 7 * 10, `${n} copies came back`);
    k.ng_rmnode(hub1);
    k.ng_rmnode(hub2);
  });
  k.kern_run_until_idle();
  t.is(k.ng_queued(), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("many_hooks: 1000 hooks on one hub, each new one's frame reaches the first", async (t) => {
  const k = await loadKernel("novimage");
  const got = counting(k, "me");
  inv(k, k.vnet0, () => {
    const me = k.ng_make_node("me").node;
    if (me === null) return t.fail("me");
    t.is(k.ng_mkpeer(me, "a", "a", "hub"), 0);
    const hub = k.ng_path2noderef(me, "a").node;
    if (hub === null) return t.fail("hub");
    let total = 0;
    for (let i = 0; i < 1000; i++) {
      t.is(k.ng_con_nodes(me, `hook${i}`, hub, `hook${i}`), 0);
      t.is(k.NG_SEND_DATA_ONLY(k.ng_findhook(me, `hook${i}`), mkpkt(k, Uint8Array.of(1, 2, 3, 4))), 0);
      total += i + 1;
    }
    t.is(got.get("a"), 1000);
    let n = 0;
    for (const v of got.values()) n += v;
    t.is(n, total);
    t.is(hub.nd_numhooks, 1001);
    k.ng_rmnode(hub);
  });
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
