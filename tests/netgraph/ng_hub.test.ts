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
