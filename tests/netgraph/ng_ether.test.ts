// netgraph/ng_ether: the module loaded on demand (nodes for every Ethernet
// interface of every vnet, following moves, refusing to unload while they
// exist), its messages and their binary layouts, and the three hooks:
// lower (divert from the wire, transmit with autosrc), upper (the stack's
// output, and injection into ether_demux) and orphans.
import test from "ava";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as L from "../../lib.ts";
import { loadKernel, type Kernel } from "../helpers/builds.ts";
import { BCAST, counters, frame, ifconfig_create, ifconfig_destroy, ifconfig_up, ifp_in, inv, mkpkt, record_netisr, vnet_jail } from "../net/link_helpers.ts";
import { reply_catcher, sink_type } from "./ng_helpers.ts";
import type { ng_mesg, ng_node } from "../../index.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const lib = (await import(pathToFileURL(path.join(root, process.env.VIRTNET_DIST ?? "dist", "lib.mjs")).href)) as typeof L;

function kldload(k: Kernel): number {
  return k.sys_kldload({ p_ucred: k.cred0 }, "ng_ether").error;
}

function node_in(k: Kernel, v: L.KernelModule["vnet0"], name: string): ng_node | null {
  return inv(k, v, () => k.ng_path2noderef(null, `${name}:`).node);
}

/** An epair in vnet0, both ends up, ng_ether loaded (after `before`). */
async function setup(build: "vimage" | "novimage" = "vimage", before: (k: Kernel) => void = () => {}): Promise<Kernel> {
  const k = await loadKernel(build);
  t_ok(ifconfig_create(k, k.vnet0, "epair").error === 0, "epair");
  before(k);
  t_ok(kldload(k) === 0, "kldload ng_ether");
  ifconfig_up(k, k.vnet0, "epair0a");
  ifconfig_up(k, k.vnet0, "epair0b");
  return k;
}
function t_ok(c: boolean, what: string): void {
  if (!c) throw new Error(what);
}

function ethmsg(k: Kernel, cmd: number, data: number[] = []): ng_mesg {
  const m = k.NG_MKMESSAGE(k.NGM_ETHER_COOKIE, cmd, data.length);
  m.data.set(data);
  return m;
}

test("not loaded at boot; kldload makes a node per Ethernet interface of every vnet; nodes follow moves; unload is refused while they exist", async (t) => {
  const k = await lib.boot({ build: "vimage" });
  const K = k.kernel;
  let r = await k.run("kldstat -q -m ng_ether; echo $?\njail -c name=j vnet persist >/dev/null\nifconfig epair create >/dev/null\nifconfig epair0b vnet j\n");
  t.is(r.stdout, "1\n");
  t.is(K.ng_findtype("ether"), null);
  const j = K.prison_find_name("j");
  if (j === null) return t.fail("j");
  r = await k.run("kldload ng_ether\nkldstat -v | grep -c ng_ether\n");
  t.is(r.stdout, "2\n", "ng_ether.ko, holding the module ng_ether");
  const a = node_in(K, K.vnet0, "epair0a");
  const b = node_in(K, j.pr_vnet, "epair0b");
  t.is(a?.nd_type.name, "ether");
  t.is(b?.nd_type.name, "ether");
  t.is(b?.nd_vnet, j.pr_vnet);
  t.is(node_in(K, K.vnet0, "epair0b"), null);
  // A move takes the node along.
  await k.run("ifconfig epair0b -vnet j");
  t.is(node_in(K, j.pr_vnet, "epair0b"), null);
  t.false(b === null || K.NG_NODE_IS_VALID(b));
  t.is(node_in(K, K.vnet0, "epair0b")?.nd_type.name, "ether");
  // An interface made afterwards, in a jail, gets its node there.
  await k.run("jexec j ifconfig epair create >/dev/null");
  t.deepEqual(
    [node_in(K, j.pr_vnet, "epair0a")?.nd_ID, node_in(K, j.pr_vnet, "epair0b")?.nd_ID],
    [2, 3],
    "the jail's own unit and node IDs",
  );
  r = await k.run("kldunload ng_ether; echo $?\n");
  t.is(r.stderr, "kldunload: can't unload file: Device busy\n");
  t.is(r.stdout, "1\n");
  r = await k.run("ifconfig epair0a destroy\njexec j ifconfig epair0a destroy\nkldunload ng_ether; echo $?\nkldstat -q -m ng_ether; echo $?\n");
  t.is(r.stderr, "");
  t.is(r.stdout, "0\n1\n");
  t.is(K.ng_findtype("ether"), null);
  r = await k.run("ifconfig epair create\nkldload ng_ether\n");
  t.is(r.stdout, "epair0a\n");
  t.is(node_in(K, K.vnet0, "epair0b")?.nd_type.name, "ether", "loaded again");
  k.destroy();
});

test("an eiface's interface gets no ether node where the eiface node has its name, but does in a jail", async (t) => {
  const k = await lib.boot({ build: "vimage" });
  const K = k.kernel;
  await k.run("kldload ng_ether\njail -c name=j vnet persist >/dev/null\n");
  const s = K.CURVNET_SET(K.vnet0, "t");
  const e = K.ng_make_node("eiface").node;
  K.CURVNET_RESTORE(s);
  t.is(node_in(K, K.vnet0, "ngeth0"), e);
  const ifp = ifp_in(K, K.vnet0, "ngeth0");
  t.is(ifp.if_l2com, null);
  await k.run("ifconfig ngeth0 vnet j");
  const j = K.prison_find_name("j");
  if (j === null) return t.fail("j");
  t.is(node_in(K, j.pr_vnet, "ngeth0")?.nd_type.name, "ether");
  await k.run("jail -r j");
  t.is(ifp.if_l2com, null, "home again, where the eiface node has the name");
  t.is(ifp.if_vnet, K.vnet0);
  // Lent again, then its eiface shut down: the jail's ether node goes with it.
  await k.run("jail -c name=j2 vnet persist >/dev/null\nifconfig ngeth0 vnet j2\n");
  const j2 = K.prison_find_name("j2");
  if (j2 === null || e === null) return t.fail("j2");
  const en = node_in(K, j2.pr_vnet, "ngeth0");
  t.is(en?.nd_type.name, "ether");
  const s2 = K.CURVNET_SET(K.vnet0, "t");
  K.ng_rmnode(e);
  K.CURVNET_RESTORE(s2);
  t.false(en === null || K.NG_NODE_IS_VALID(en));
  t.is(node_in(K, j2.pr_vnet, "ngeth0"), null);
  const r = await k.run("jexec j2 ifconfig -l\njail -r j2\n");
  t.is(r.stdout, "lo0\n");
  t.deepEqual(K.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  k.destroy();
});

test("nobody makes an ether node; the messages and their layouts", async (t) => {
  const k = await setup();
  inv(k, k.vnet0, () => {
    t.is(k.ng_make_node("ether").error, k.EINVAL);
    const c = reply_catcher(k);
    const ifp = k.ifunit("epair0a");
    if (ifp === null) return t.fail("epair0a");
    const ask = (cmd: number, data: number[] = []): { error: number; data: number[] } => {
      const before = c.replies.length;
      const error = k.NG_SEND_MSG_PATH(c.node, ethmsg(k, cmd, data), "epair0a:", c.node.nd_ID);
      return { error, data: c.replies.length > before ? [...c.replies[c.replies.length - 1].data] : [] };
    };
    t.deepEqual(ask(k.NGM_ETHER_GET_IFNAME), { error: 0, data: [...new TextEncoder().encode("epair0a"), 0, 0, 0, 0, 0, 0, 0, 0, 0] });
    t.deepEqual(ask(k.NGM_ETHER_GET_IFINDEX), { error: 0, data: [ifp.if_index, 0, 0, 0] });
    t.deepEqual(ask(k.NGM_ETHER_GET_ENADDR), { error: 0, data: [...k.IF_LLADDR(ifp)] });
    t.deepEqual(ask(k.NGM_ETHER_SET_ENADDR, [2, 0, 0, 0, 0, 0x99]), { error: 0, data: [] });
    t.deepEqual([...k.IF_LLADDR(ifp)], [2, 0, 0, 0, 0, 0x99]);
    t.is(ask(k.NGM_ETHER_SET_ENADDR, [2, 0, 0]).error, k.EINVAL);
    t.deepEqual(ask(k.NGM_ETHER_GET_PROMISC).data, [0, 0, 0, 0]);
    t.is(ask(k.NGM_ETHER_SET_PROMISC, [1, 0, 0, 0]).error, 0);
    t.true((ifp.if_flags & k.IFF_PROMISC) !== 0);
    t.is(ask(k.NGM_ETHER_SET_PROMISC, [7, 0, 0, 0]).error, 0, "already on: no second reference");
    t.is(ifp.if_pcount, 1);
    t.deepEqual(ask(k.NGM_ETHER_GET_PROMISC).data, [1, 0, 0, 0]);
    t.is(ask(k.NGM_ETHER_SET_PROMISC, [1, 0]).error, k.EINVAL);
    t.deepEqual(ask(k.NGM_ETHER_GET_AUTOSRC).data, [0, 0, 0, 0]);
    t.is(ask(k.NGM_ETHER_SET_AUTOSRC, [0, 1, 0, 0]).error, 0);
    t.deepEqual(ask(k.NGM_ETHER_GET_AUTOSRC).data, [1, 0, 0, 0]);
    const grp = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x42];
    t.is(ask(k.NGM_ETHER_ADD_MULTI, grp).error, 0);
    t.is(ask(k.NGM_ETHER_ADD_MULTI, grp).error, k.EADDRINUSE, "netgraph joins a group once");
    t.is(ask(k.NGM_ETHER_ADD_MULTI, [2, 0, 0, 0, 0, 1]).error, k.EADDRNOTAVAIL, "not a group address");
    t.is(ifp.if_multiaddrs.length, 1);
    t.is(ask(k.NGM_ETHER_DEL_MULTI, grp).error, 0);
    t.is(ask(k.NGM_ETHER_DEL_MULTI, grp).error, k.ENOENT);
    t.is(ask(99).error, k.EINVAL);
    t.is(k.NG_SEND_MSG_PATH(c.node, k.NG_MKMESSAGE(1234, 1, 0), "epair0a:", 0), k.EINVAL);
    // A generic shutdown only resets the node: promiscuous mode goes off.
    const n = k.ng_path2noderef(null, "epair0a:").node;
    if (n === null) return t.fail("node");
    k.ng_rmnode(n);
    t.true(k.NG_NODE_IS_VALID(n));
    t.is(ifp.if_flags & k.IFF_PROMISC, 0);
    t.is(k.ng_path2noderef(null, "epair0a:").node, n);
    // "detach" really removes it; the interface stays.
    t.is(ask(k.NGM_ETHER_DETACH).error, 0);
    t.false(k.NG_NODE_IS_VALID(n));
    t.is(ifp.if_l2com, null);
    t.is(k.ifunit("epair0a"), ifp);
  });
});

test("lower: the wire's frames go to netgraph instead of the stack; frames written go out, autosrc puts our address in", async (t) => {
  const k = await setup();
  const s = sink_type(k);
  const a = ifp_in(k, k.vnet0, "epair0a");
  const b = ifp_in(k, k.vnet0, "epair0b");
  const ip = record_netisr(k, k.NETISR_IP);
  inv(k, k.vnet0, () => {
    const nb = k.ng_path2noderef(null, "epair0b:").node;
    if (nb === null) return t.fail("node");
    t.is(k.ng_mkpeer(nb, "divert", "in", "sink"), 0, "divert is lower's other name");
    t.is(k.ng_mkpeer(nb, "lower", "in2", "sink"), k.EISCONN);
    t.is(k.ng_mkpeer(nb, "bogus", "in2", "sink"), k.EINVAL);
    const f = frame(k.IF_LLADDR(b), k.IF_LLADDR(a), 0x0800, 40);
    t.is(a.if_transmit(a, mkpkt(k, f)), 0);
  });
  k.kern_run_until_idle();
  t.is(s.got.length, 1);
  t.deepEqual(s.got[0].bytes, Uint8Array.from(frame(k.IF_LLADDR(b), k.IF_LLADDR(a), 0x0800, 40)));
  t.is(ip.length, 0, "the stack never saw it");
  // Written to lower: transmitted on epair0b, received by epair0a's stack.
  inv(k, k.vnet0, () => {
    // The hook keeps the name it was made with.
    t.is(k.ng_path2noderef(null, "epair0b:lower").error, k.ENOENT);
    const hook = k.ng_path2noderef(null, "epair0b:divert").lasthook;
    const f = frame(k.IF_LLADDR(a), [2, 2, 2, 2, 2, 2], 0x0800, 40);
    t.is(k.NG_SEND_DATA_ONLY(hook, mkpkt(k, f)), 0);
    const c = reply_catcher(k);
    const m = k.NG_MKMESSAGE(k.NGM_ETHER_COOKIE, k.NGM_ETHER_SET_AUTOSRC, 4);
    m.data[0] = 1;
    t.is(k.NG_SEND_MSG_PATH(c.node, m, "epair0b:", 0), 0);
    t.is(k.NG_SEND_DATA_ONLY(hook, mkpkt(k, f)), 0);
    t.is(k.NG_SEND_DATA_ONLY(hook, mkpkt(k, new Uint8Array(13))), k.EINVAL, "shorter than a header");
  });
  k.kern_run_until_idle();
  t.is(ip.length, 2);
  t.is(ip[0].rcvif, "epair0a");
  t.is(counters(k, b).opackets, 2);
  // Down: ENETDOWN.
  ifconfig_up(k, k.vnet0, "epair0b", false);
  inv(k, k.vnet0, () => {
    const hook = k.ng_path2noderef(null, "epair0b:divert").lasthook;
    t.is(k.NG_SEND_DATA_ONLY(hook, mkpkt(k, frame(BCAST, [2, 2, 2, 2, 2, 2], 0x0800, 40))), k.ENETDOWN);
  });
  t.is(ifconfig_destroy(k, k.vnet0, "epair0a"), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("autosrc rewrites the source address of what lower transmits", async (t) => {
  const k = await setup();
  const a = ifp_in(k, k.vnet0, "epair0a");
  const b = ifp_in(k, k.vnet0, "epair0b");
  const s = sink_type(k);
  inv(k, k.vnet0, () => {
    // epair0a's wire to a sink, so what it receives is seen whole.
    const na = k.ng_path2noderef(null, "epair0a:").node;
    if (na === null) return t.fail("node");
    t.is(k.ng_mkpeer(na, "lower", "in", "sink"), 0);
    const nb = k.ng_path2noderef(null, "epair0b:").node;
    if (nb === null) return t.fail("node");
    t.is(k.ng_mkpeer(nb, "lower", "in", "sink"), 0);
    const hook = k.ng_path2noderef(null, "epair0b:lower").lasthook;
    const f = frame(k.IF_LLADDR(a), [2, 2, 2, 2, 2, 2], 0x0800, 40);
    t.is(k.NG_SEND_DATA_ONLY(hook, mkpkt(k, f)), 0);
    const m = k.NG_MKMESSAGE(k.NGM_ETHER_COOKIE, k.NGM_ETHER_SET_AUTOSRC, 4);
    m.data[0] = 1;
    t.is(k.NG_SEND_MSG_PATH(null, m, "epair0b:", 0), 0);
    t.is(k.NG_SEND_DATA_ONLY(hook, mkpkt(k, f)), 0);
  });
  k.kern_run_until_idle();
  t.is(s.got.length, 2);
  t.deepEqual([...s.got[0].bytes.subarray(6, 12)], [2, 2, 2, 2, 2, 2]);
  t.deepEqual([...s.got[1].bytes.subarray(6, 12)], [...k.IF_LLADDR(b)]);
  t.is(ifconfig_destroy(k, k.vnet0, "epair0a"), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("upper: the stack's frames go to netgraph, hardware checksums off meanwhile; frames written enter ether_demux", async (t) => {
  // The node keeps the interface's offloads as they were when it attached.
  const k = await setup("vimage", (k) => (ifp_in(k, k.vnet0, "epair0a").if_hwassist = 0x3));
  const s = sink_type(k);
  const a = ifp_in(k, k.vnet0, "epair0a");
  const ip = record_netisr(k, k.NETISR_IP);
  inv(k, k.vnet0, () => {
    const na = k.ng_path2noderef(null, "epair0a:").node;
    if (na === null) return t.fail("node");
    t.is(k.ng_mkpeer(na, "upper", "in", "sink"), 0);
    t.is(a.if_hwassist, 0);
    // A broadcast from the stack: out through upper, not the driver (the
    // simplex loop copy still comes back to us).
    const m = mkpkt(k, new Uint8Array(40));
    m.m_flags |= k.M_BCAST;
    t.is(a.if_output(a, m, { sin_len: 16, sin_family: 2, sin_addr: 0xffffffff, sin_port: 0 } as never, null), 0);
    t.is(s.got.length, 1);
    t.deepEqual([...s.got[0].bytes.subarray(0, 6)], BCAST);
    t.is(counters(k, a).opackets, 0, "the driver never saw it");
    const hook = k.ng_path2noderef(null, "epair0a:upper").lasthook;
    t.is(k.NG_SEND_DATA_ONLY(hook, mkpkt(k, frame(k.IF_LLADDR(a), [2, 2, 2, 2, 2, 2], 0x0800, 30))), 0);
    t.is(k.NG_SEND_DATA_ONLY(hook, mkpkt(k, new Uint8Array(10))), k.EINVAL);
    const h = k.ng_findhook(na, "upper");
    if (h !== null) k.ng_rmhook_self(h);
    t.is(a.if_hwassist, 0x3, "restored with the hook");
    t.true(k.NG_NODE_IS_VALID(na), "the node stays without hooks");
  });
  k.kern_run_until_idle();
  t.is(ip.length, 2, "the loop copy and the injected frame");
  t.is(ip[1].rcvif, "epair0a");
  t.is(ifconfig_destroy(k, k.vnet0, "epair0a"), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("orphans: only frames no protocol wanted, header on; freed with no hook", async (t) => {
  const k = await setup("novimage");
  const s = sink_type(k);
  const a = ifp_in(k, k.vnet0, "epair0a");
  const b = ifp_in(k, k.vnet0, "epair0b");
  inv(k, k.vnet0, () => {
    const f = frame(k.IF_LLADDR(b), k.IF_LLADDR(a), 0x88b5, 50);
    t.is(a.if_transmit(a, mkpkt(k, f)), 0);
    k.kern_run_until_idle();
    t.is(s.got.length, 0);
    const nb = k.ng_path2noderef(null, "epair0b:").node;
    if (nb === null) return t.fail("node");
    t.is(k.ng_mkpeer(nb, "orphans", "in", "sink"), 0);
    t.is(a.if_transmit(a, mkpkt(k, f)), 0);
    t.is(a.if_transmit(a, mkpkt(k, frame(k.IF_LLADDR(b), k.IF_LLADDR(a), 0x0806, 28))), 0);
    k.kern_run_until_idle();
    t.is(s.got.length, 1, "ARP is not an orphan");
    t.deepEqual(s.got[0].bytes, f);
  });
  t.is(ifconfig_destroy(k, k.vnet0, "epair0a"), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("lower to upper: a pass-through that changes nothing; two jails still ping across", async (t) => {
  const k = await lib.boot({ build: "vimage" });
  const K = k.kernel;
  let r = await k.run("kldload ng_ether\njail -c name=a vnet persist >/dev/null\njail -c name=b vnet persist >/dev/null\nifconfig epair create >/dev/null\nifconfig epair0a vnet a\nifconfig epair0b vnet b\n");
  const b = K.prison_find_name("b");
  if (b === null) return t.fail("b");
  const s = K.CURVNET_SET(b.pr_vnet, "t");
  const n = K.ng_path2noderef(null, "epair0b:").node;
  t.is(n === null ? -1 : K.ng_con_nodes(n, "lower", n, "upper"), 0);
  K.CURVNET_RESTORE(s);
  r = await k.run("jexec a ifconfig epair0a 10.0.0.1/24 up\njexec b ifconfig epair0b 10.0.0.2/24 up\njexec a ping -c 2 10.0.0.2 | tail -2\njail -r a\njail -r b\n");
  t.is(r.stdout.split("\n")[0], "2 packets transmitted, 2 packets received, 0.0% packet loss");
  t.deepEqual(K.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  k.destroy();
});

test("link state reaches what is on lower and orphans", async (t) => {
  const k = await setup();
  const got: number[] = [];
  const tp = {
    version: k.NG_ABI_VERSION,
    name: "flow",
    constructor: null,
    rcvmsg(_n: ng_node, item: Parameters<NonNullable<L.KernelModule["ng_hub_typestruct"]["rcvmsg"]>>[1]): number {
      const msg = k.NGI_GET_MSG(item);
      k.NG_FREE_ITEM(item);
      if (msg !== null && msg.header.typecookie === k.NGM_FLOW_COOKIE) got.push(msg.header.cmd);
      return 0;
    },
  };
  k.ng_newtype(tp);
  const b = ifp_in(k, k.vnet0, "epair0b");
  inv(k, k.vnet0, () => {
    const nb = k.ng_path2noderef(null, "epair0b:").node;
    if (nb === null) return t.fail("node");
    t.is(k.ng_mkpeer(nb, "lower", "x", "flow"), 0);
    t.is(k.ng_mkpeer(nb, "orphans", "x", "flow"), 0);
    k.if_link_state_change(b, k.LINK_STATE_DOWN);
    k.if_link_state_change(b, k.LINK_STATE_UP);
  });
  t.deepEqual(got, [k.NGM_LINK_IS_DOWN, k.NGM_LINK_IS_DOWN, k.NGM_LINK_IS_UP, k.NGM_LINK_IS_UP]);
});

test("the ASCII forms of ether's commands", async (t) => {
  const k = await setup();
  inv(k, k.vnet0, () => {
    const me = reply_catcher(k);
    const conv = (cmdstr: string, args: string): ng_mesg | null => {
      const text = new TextEncoder().encode(args);
      const a = k.NG_MKMESSAGE(0, 0, text.length + 1);
      a.header.cmdstr = cmdstr;
      a.data.set(text);
      const enc = k.ng_mesg_enc(a);
      const carrier = k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, k.NGM_ASCII2BINARY, enc.length);
      carrier.data.set(enc);
      me.replies.length = 0;
      if (k.NG_SEND_MSG_PATH(me.node, carrier, "epair0a:", me.node.nd_ID) !== 0) return null;
      return k.ng_mesg_dec(me.replies[0].data);
    };
    const text = (msg: ng_mesg): string => {
      const enc = k.ng_mesg_enc(msg);
      const carrier = k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, k.NGM_BINARY2ASCII, enc.length);
      carrier.data.set(enc);
      me.replies.length = 0;
      if (k.NG_SEND_MSG_PATH(me.node, carrier, "epair0a:", me.node.nd_ID) !== 0) return "<error>";
      const r = k.ng_mesg_dec(me.replies[0].data);
      return r === null ? "<bad>" : new TextDecoder().decode(r.data.subarray(0, r.data.indexOf(0)));
    };
    const ask = (cmdstr: string, args = ""): string => {
      const m = conv(cmdstr, args);
      if (m === null) return "<no binary>";
      me.replies.length = 0;
      const e = k.NG_SEND_MSG_PATH(me.node, m, "epair0a:", me.node.nd_ID);
      if (e !== 0) return `error ${e}`;
      return me.replies.length === 0 ? "" : text(me.replies[0]);
    };
    const ifp = ifp_in(k, k.vnet0, "epair0a");
    t.is(ask("getifname"), '"epair0a"');
    t.is(ask("getifindex"), String(ifp.if_index));
    t.is(ask("setenaddr", "02:aa:bb:cc:dd:ee"), "");
    t.is(ask("getenaddr"), "02:aa:bb:cc:dd:ee");
    t.is(ask("setpromisc", "1"), "");
    t.is(ask("getpromisc"), "1");
    t.is(ask("setautosrc", "0"), "");
    t.is(ask("getautosrc"), "0");
    t.is(ask("addmulti", "01:00:5e:00:00:01"), "");
    t.is(ask("delmulti", "01:00:5e:00:00:01"), "");
    t.is(ask("setenaddr", "not-an-address"), "<no binary>");
    t.is(ask("detach"), "");
    t.is(ifp.if_l2com, null);
  });
});

test("a renamed interface renames its node; '.' and ':' become '_'", async (t) => {
  const k = await lib.boot({ build: "vimage" });
  const K = k.kernel;
  const r = await k.run("kldload ng_ether\nifconfig epair create >/dev/null\nifconfig epair0a name wan >/dev/null\nifconfig epair0b name lan.1 >/dev/null\nifconfig -l\n");
  t.is(r.stdout, "lo0 wan lan.1\n");
  t.is(node_in(K, K.vnet0, "wan")?.nd_type.name, "ether");
  t.is(node_in(K, K.vnet0, "lan_1")?.nd_type.name, "ether");
  t.is(node_in(K, K.vnet0, "epair0a"), null);
  k.destroy();
});
