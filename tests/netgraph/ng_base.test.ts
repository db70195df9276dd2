// netgraph/ng_base: types, per-vnet names and IDs, addressing, mkpeer,
// connect, rmhook, shutdown, generic messages, vnet teardown.
import test from "ava";
import { loadKernel, type Kernel } from "../helpers/builds.ts";
import { inv, mkpkt, vnet_jail } from "../net/link_helpers.ts";
import { genmsg, reply_catcher, sink_type } from "./ng_helpers.ts";

function mk(k: Kernel, type: string) {
  const r = k.ng_make_node(type);
  if (r.node === null) throw new Error(`ng_make_node ${type}: ${r.error}`);
  return r.node;
}

test("vimage: IDs start at 1 in every vnet and names are per vnet", async (t) => {
  const k = await loadKernel("vimage");
  sink_type(k);
  const { v } = vnet_jail(k, "j1");
  const a = inv(k, k.vnet0, () => mk(k, "sink"));
  const b = inv(k, k.vnet0, () => mk(k, "sink"));
  const c = inv(k, v, () => mk(k, "sink"));
  t.is(a.nd_ID, 1);
  t.is(b.nd_ID, 2);
  t.is(c.nd_ID, 1, "a new vnet numbers its nodes from 1");
  t.is(c.nd_vnet, v);
  t.is(inv(k, k.vnet0, () => k.ng_name_node(a, "foo")), 0);
  t.is(inv(k, v, () => k.ng_name_node(c, "foo")), 0, "the same name in another vnet");
  t.is(inv(k, k.vnet0, () => k.ng_name_node(b, "foo")), k.EADDRINUSE);
  t.is(inv(k, k.vnet0, () => k.ng_path2noderef(null, "foo:").node), a);
  t.is(inv(k, v, () => k.ng_path2noderef(null, "foo:").node), c);
  t.is(inv(k, v, () => k.ng_path2noderef(null, "[2]:").error), k.ENOENT, "vnet0's node 2 is not seen from the jail");
});

test("ng_name_node refuses '.', ':' and ID-like names", async (t) => {
  const k = await loadKernel("vimage");
  sink_type(k);
  const n = inv(k, k.vnet0, () => mk(k, "sink"));
  inv(k, k.vnet0, () => {
    t.is(k.ng_name_node(n, "a.b"), k.EINVAL);
    t.is(k.ng_name_node(n, "a:b"), k.EINVAL);
    t.is(k.ng_name_node(n, "[1f]"), k.EINVAL);
    t.is(k.ng_name_node(n, ""), k.EINVAL);
    t.is(k.ng_name_node(n, "x".repeat(32)), k.EINVAL);
    t.is(k.ng_name_node(n, "x".repeat(31)), 0);
    t.is(k.ng_name_node(n, "[zz]"), 0, "not hex: an ordinary name");
  });
});

test("addressing: name:, [id]:, '.', and hook paths across peers", async (t) => {
  const k = await loadKernel("vimage");
  sink_type(k);
  sink_type(k, "sink2");
  inv(k, k.vnet0, () => {
    const a = mk(k, "sink");
    t.is(k.ng_name_node(a, "a"), 0);
    t.is(k.ng_mkpeer(a, "left", "up", "sink2"), 0);
    const b = k.ng_path2noderef(a, "a:left").node;
    t.truthy(b);
    if (b === null) return;
    t.is(b.nd_type.name, "sink2");
    t.is(k.ng_mkpeer(b, "down", "in", "sink"), 0);
    const c = k.ng_path2noderef(null, "a:left.down");
    t.is(c.node?.nd_ID, 3);
    t.is(c.lasthook?.hk_name, "in");
    t.is(k.ng_path2noderef(b, ".").node, b);
    t.is(k.ng_path2noderef(b, ".:").node, b);
    t.is(k.ng_path2noderef(b, "down").node?.nd_ID, 3, "a relative path starts here");
    t.is(k.ng_path2noderef(null, "[1]:left").node, b);
    t.is(k.ng_path2noderef(null, "[2]:").node, b);
    t.is(k.ng_path2noderef(null, "a:nohook").error, k.ENOENT);
    t.is(k.ng_path2noderef(null, "nonode:").error, k.ENOENT);
    t.is(k.ng_path2noderef(null, "a:b:c").error, k.EINVAL);
    t.is(k.ng_path2noderef(null, "").error, k.EINVAL);
  });
});

test("mkpeer, connect, rmhook and shutdown through generic messages", async (t) => {
  const k = await loadKernel("vimage");
  const s = sink_type(k);
  inv(k, k.vnet0, () => {
    const { node: me, replies } = reply_catcher(k);
    const a = mk(k, "sink");
    t.is(k.ng_name_node(a, "a"), 0);
    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_MKPEER, k.ngm_mkpeer_enc("sink", "h1", "p1")), "a:", me.nd_ID), 0);
    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_MKPEER, k.ngm_mkpeer_enc("nosuchtype", "h2", "p2")), "a:", me.nd_ID), k.EINVAL);
    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_MKPEER, k.ngm_mkpeer_enc("sink", "h1", "p9")), "a:", me.nd_ID), k.EEXIST);
    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_NAME, k.ngm_str_enc("b", k.NG_NODESIZ)), "a:h1", me.nd_ID), 0);
    const c = mk(k, "sink");
    t.is(k.ng_name_node(c, "c"), 0);
    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_CONNECT, k.ngm_connect_enc("c:", "x", "y")), "b:", me.nd_ID), 0);
    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_CONNECT, k.ngm_connect_enc("c:", "x", "z")), "b:", me.nd_ID), k.EEXIST);

    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_LISTHOOKS), "b:", me.nd_ID), 0);
    t.is(replies.length, 1);
    const hl = k.hooklist_dec(replies[0].data);
    t.deepEqual(hl.nodeinfo, { name: "b", type: "sink", id: 3, hooks: 2 });
    t.deepEqual(
      hl.link.map((l) => [l.ourhook, l.peerhook, l.nodeinfo.name, l.nodeinfo.id]),
      [
        ["x", "y", "c", 4],
        ["p1", "h1", "a", 2],
      ],
    );
    t.is(replies[0].header.flags, k.NGF_RESP);

    // Data goes across the connection.
    const bnode = k.ng_path2noderef(null, "b:").node;
    const x = bnode === null ? null : k.ng_findhook(bnode, "x");
    t.is(k.NG_SEND_DATA_ONLY(x, mkpkt(k, Uint8Array.of(1, 2, 3))), 0);
    t.deepEqual(s.got.map((g) => [g.id, g.hook, [...g.bytes]]), [[4, "y", [1, 2, 3]]]);

    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_RMHOOK, k.ngm_str_enc("x", k.NG_HOOKSIZ)), "b:", me.nd_ID), 0);
    t.deepEqual(s.disconnects.sort(), ["x", "y"]);
    t.is(k.ng_path2noderef(null, "b:x").error, k.ENOENT);
    t.is(k.NG_SEND_DATA_ONLY(x, mkpkt(k, Uint8Array.of(4))), k.ENOTCONN, "a cut hook frees the data");

    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_SHUTDOWN), "b:", me.nd_ID), 0);
    t.is(k.ng_path2noderef(null, "b:").error, k.ENOENT);
    t.is(k.ng_path2noderef(null, "a:h1").error, k.ENOENT, "shutting b down cut a's hook");

    replies.length = 0;
    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_LISTNODES), "a:", me.nd_ID), 0);
    t.deepEqual(
      k.namelist_dec(replies[0].data).map((n) => [n.name, n.type, n.id, n.hooks]),
      [
        ["", "catcher", 1, 0],
        ["a", "sink", 2, 0],
        ["c", "sink", 4, 0],
      ],
    );
    replies.length = 0;
    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_LISTNAMES), "a:", me.nd_ID), 0);
    t.deepEqual(k.namelist_dec(replies[0].data).map((n) => n.name), ["a", "c"]);
    replies.length = 0;
    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_LISTTYPES), "a:", me.nd_ID), 0);
    const types = k.typelist_dec(replies[0].data);
    t.deepEqual(types.find((x) => x.type_name === "sink"), { type_name: "sink", numnodes: 2 });
    t.truthy(types.find((x) => x.type_name === "hub"));
    replies.length = 0;
    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_NODEINFO), "[4]:", me.nd_ID), 0);
    t.deepEqual(k.nodeinfo_dec(replies[0].data, 0), { name: "c", type: "sink", id: 4, hooks: 0 });
  });
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: destroying a vnet jail shuts down its nodes", async (t) => {
  const k = await loadKernel("vimage");
  const s = sink_type(k);
  const { jid, v } = vnet_jail(k, "j");
  inv(k, v, () => {
    const a = mk(k, "sink");
    t.is(k.ng_mkpeer(a, "h", "p", "sink"), 0);
    t.is(k.ng_mkpeer(a, "q", "r", "hub"), 0);
  });
  t.is(s.type.refs, 2);
  t.is(k.sys_jail_remove(k.cred0, jid), 0);
  t.is(s.type.refs, 0, "every node of the jail's vnet was shut down");
  t.deepEqual(s.disconnects.sort(), ["h", "p", "q"]);
  t.is(k.ng_hub_typestruct.refs, 0);
  t.is(inv(k, k.vnet0, () => k.ng_nodes().length), 0);
});

test("novimage: one namespace, IDs from 1", async (t) => {
  const k = await loadKernel("novimage");
  sink_type(k);
  inv(k, k.vnet0, () => {
    t.is(mk(k, "sink").nd_ID, 1);
    t.is(mk(k, "sink").nd_ID, 2);
  });
});

test("the netgraph module is registered", async (t) => {
  const k = await loadKernel("vimage");
  t.truthy(k.module_lookupbyname("netgraph"));
  t.truthy(k.module_lookupbyname("ng_hub"));
});

test("NGM_LISTNODES walks the ID hash: bucket by bucket, newest first in a bucket", async (t) => {
  const k = await loadKernel("vimage");
  sink_type(k);
  inv(k, k.vnet0, () => {
    const { node: me, replies } = reply_catcher(k);
    for (let i = 0; i < 16; i++) mk(k, "sink");
    t.is(k.NG_SEND_MSG_PATH(me, genmsg(k, k.NGM_LISTNODES), ".", me.nd_ID), 0);
    t.deepEqual(
      k.namelist_dec(replies[0].data).map((n) => n.id),
      [16, 17, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    );
  });
});
