// netgraph/ng_eiface: ngethN interfaces made by eiface nodes: names and
// units, addresses from ether_gen_addr, the messages (getifname, set,
// getifaddrs), link state and media following the hook, frames both ways
// with their counters, jails wired by eifaces (directly and through a hub)
// pinging each other, the interface moved into a jail while its node stays,
// and every order of shutting the node down and removing the jail.
import test from "ava";
import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as L from "../../lib.ts";
import { loadKernel, type Kernel } from "../helpers/builds.ts";
import { BCAST, counters, frame, inv, mkpkt, vnet_jail } from "../net/link_helpers.ts";
import { reply_catcher, sink_type } from "./ng_helpers.ts";
import type { ng_mesg, ng_node } from "../../index.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const lib = (await import(pathToFileURL(path.join(root, process.env.VIRTNET_DIST ?? "dist", "lib.mjs")).href)) as typeof L;

function mk(k: Kernel, type: string): ng_node {
  const r = k.ng_make_node(type);
  if (r.node === null) throw new Error(`ng_make_node ${type}: ${r.error}`);
  return r.node;
}

/** What FreeBSD 14's ether_gen_addr gives for a name in a jail, computed
 *  here independently (node's SHA-1, signed chars). */
function gen_addr(ifname: string, jail: string): string {
  const d = createHash("sha1").update(`00000000-0000-0000-0000-000000000000-${ifname}-${jail}`).digest();
  const sc = (b: number): number => (b << 24) >> 24;
  const a = ((sc(d[0]) << 16) | (sc(d[1]) << 8) | sc(d[2])) & 0x10ffff;
  return ["58", "9c", "fc", ((a >> 16) & 0xff).toString(16), ((a >> 8) & 0xff).toString(16), (a & 0xff).toString(16)].map((x) => x.padStart(2, "0")).join(":");
}

function mac(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

test("an eiface node makes ngethN, named like it; units are reused; the address is ether_gen_addr's", async (t) => {
  const k = await loadKernel("vimage");
  inv(k, k.vnet0, () => {
    const a = mk(k, "eiface");
    const b = mk(k, "eiface");
    t.is(a.nd_name, "ngeth0");
    t.is(b.nd_name, "ngeth1");
    const ifp = k.ifunit("ngeth0");
    if (ifp === null) return t.fail("no ngeth0");
    t.is(ifp.if_type, k.IFT_ETHER);
    t.is(ifp.if_mtu, 1500);
    t.is(ifp.if_flags, k.IFF_SIMPLEX | k.IFF_BROADCAST | k.IFF_MULTICAST);
    t.is(ifp.if_capenable, k.IFCAP_VLAN_MTU | k.IFCAP_JUMBO_MTU);
    t.is(ifp.if_baudrate, 1e9);
    t.is(mac(k.IF_LLADDR(ifp)), gen_addr("ngeth0", "0"));
    t.is(k.IF_LLADDR(ifp)[0], 0x58, "FreeBSD's OUI, not a locally administered address");
    k.ng_rmnode(a);
    t.is(k.ifunit("ngeth0"), null);
    const c = mk(k, "eiface");
    t.is(c.nd_name, "ngeth0", "the lowest free unit again");
    t.is(k.ng_make_node("eiface").node?.nd_name, "ngeth2");
  });
  // A jail has its own units and its own name in the address.
  const { v } = vnet_jail(k, "j");
  inv(k, v, () => {
    const n = mk(k, "eiface");
    t.is(n.nd_name, "ngeth0");
    const ifp = k.ifunit("ngeth0");
    t.is(ifp === null ? "" : mac(k.IF_LLADDR(ifp)), gen_addr("ngeth0", "j"));
  });
});

test("getifname, getifaddrs and set: FreeBSD's binary layouts; bad lengths are EINVAL", async (t) => {
  const k = await loadKernel("vimage");
  inv(k, k.vnet0, () => {
    const n = mk(k, "eiface");
    const c = reply_catcher(k);
    t.is(k.NG_SEND_MSG_PATH(c.node, k.NG_MKMESSAGE(k.NGM_EIFACE_COOKIE, k.NGM_EIFACE_GET_IFNAME, 0), "ngeth0:", c.node.nd_ID), 0);
    t.is(c.replies.length, 1);
    const r = c.replies[0];
    t.is(r.header.flags, k.NGF_RESP);
    t.is(r.header.arglen, 16);
    t.deepEqual([...r.data], [...new TextEncoder().encode("ngeth0"), ...new Array(10).fill(0)]);

    const ifp = k.ifunit("ngeth0");
    if (ifp === null) return t.fail("no ngeth0");
    t.is(k.NG_SEND_MSG_PATH(c.node, k.NG_MKMESSAGE(k.NGM_EIFACE_COOKIE, k.NGM_EIFACE_GET_IFADDRS, 0), "ngeth0:", c.node.nd_ID), 0);
    const sa = c.replies[1].data;
    // One sockaddr_dl: len 56 (a struct sockaddr_dl rounded to a long),
    // AF_LINK, the index, IFT_ETHER, name and address lengths, name, address.
    t.is(sa.length, 56);
    t.deepEqual([...sa.subarray(0, 8)], [56, 18, ifp.if_index, 0, 6, 6, 6, 0]);
    t.is(new TextDecoder().decode(sa.subarray(8, 14)), "ngeth0");
    t.deepEqual([...sa.subarray(14, 20)], [...k.IF_LLADDR(ifp)]);

    const set = k.NG_MKMESSAGE(k.NGM_EIFACE_COOKIE, k.NGM_EIFACE_SET, 6);
    set.data.set([0x02, 0, 0, 0, 0, 0x42]);
    t.is(k.NG_SEND_MSG_PATH(c.node, set, "ngeth0:", 0), 0);
    t.is(mac(k.IF_LLADDR(ifp)), "02:00:00:00:00:42");
    t.not(mac(ifp.if_hw_addr ?? new Uint8Array(0)), "02:00:00:00:00:42", "the factory address stays");
    t.is(k.NG_SEND_MSG_PATH(c.node, k.NG_MKMESSAGE(k.NGM_EIFACE_COOKIE, k.NGM_EIFACE_SET, 5), "ngeth0:", 0), k.EINVAL);
    t.is(k.NG_SEND_MSG_PATH(c.node, k.NG_MKMESSAGE(k.NGM_EIFACE_COOKIE, 99, 0), "ngeth0:", 0), k.EINVAL);
    t.is(k.NG_SEND_MSG_PATH(c.node, k.NG_MKMESSAGE(12345, 1, 0), "ngeth0:", 0), k.EINVAL);
    t.is(c.replies.length, 2);
    // Only "ether" may connect, once.
    sink_type(k);
    t.is(k.ng_mkpeer(n, "foo", "x", "sink"), k.EPFNOSUPPORT);
    t.is(k.ng_mkpeer(n, "ether", "x", "sink"), 0);
    t.is(k.ng_mkpeer(n, "ether", "y", "sink"), k.EEXIST);
  });
});

test("frames from the hook enter the stack; the stack's frames leave by the hook, with the counters", async (t) => {
  const k = await loadKernel("vimage");
  const s = sink_type(k);
  inv(k, k.vnet0, () => {
    const n = mk(k, "eiface");
    const ifp = k.ifunit("ngeth0");
    if (ifp === null) return t.fail("no ngeth0");
    t.is(k.ng_mkpeer(n, "ether", "wire", "sink"), 0);
    const wire = k.ng_findhook(n, "ether")?.hk_peer ?? null;
    // Down: the hook's frames are refused.
    t.is(k.NG_SEND_DATA_ONLY(wire, mkpkt(k, frame(BCAST, [2, 0, 0, 0, 0, 1], 0x0806, 28))), k.ENETDOWN);
    ifp.if_flags |= k.IFF_UP;
    ifp.if_ioctl(ifp, k.SIOCSIFFLAGS, { ifr_name: "ngeth0" });
    t.true((ifp.if_drv_flags & k.IFF_DRV_RUNNING) !== 0);
    // An ARP request for an address we do not have: counted, no answer.
    t.is(k.NG_SEND_DATA_ONLY(wire, mkpkt(k, frame(BCAST, [2, 0, 0, 0, 0, 1], 0x0806, 28))), 0);
    t.is(counters(k, ifp).ipackets, 1);
    t.is(counters(k, ifp).imcasts, 1);
    // A frame the stack sends (if_transmit: if_snd, then if_start).
    const out = frame([2, 0, 0, 0, 0, 1], k.IF_LLADDR(ifp), 0x0800, 46);
    t.is(ifp.if_transmit(ifp, mkpkt(k, out)), 0);
    t.is(s.got.length, 1);
    t.deepEqual(s.got[0].bytes, out);
    t.is(counters(k, ifp).opackets, 1);
    t.is(counters(k, ifp).obytes, 60);
    t.is(ifp.if_drv_flags & k.IFF_DRV_OACTIVE, 0);
    // No hook: the frame is dropped as an output error.
    const h = k.ng_findhook(n, "ether");
    if (h !== null) k.ng_rmhook_self(h);
    t.is(ifp.if_transmit(ifp, mkpkt(k, out)), 0);
    t.is(counters(k, ifp).oerrors, 1);
    k.ng_rmnode(n);
  });
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

/** A kernel through the library, for scripts and raw calls on one kernel. */
async function boot(seed = 0): Promise<L.Kernel> {
  return lib.boot({ build: "vimage", seed });
}

function host<R>(k: L.Kernel, fn: (K: L.KernelModule) => R): R {
  const K = k.kernel;
  const s = K.CURVNET_SET(K.vnet0, "test");
  try {
    return fn(K);
  } finally {
    K.CURVNET_RESTORE(s);
  }
}

function mkl(K: L.KernelModule, type: string): ng_node {
  const r = K.ng_make_node(type);
  if (r.node === null) throw new Error(`ng_make_node ${type}: ${r.error}`);
  return r.node;
}

test("link state and media follow the hook, as ifconfig shows them; destroy is refused", async (t) => {
  const k = await boot();
  const n = host(k, (K) => mkl(K, "eiface"));
  let r = await k.run("ifconfig ngeth0");
  t.is(
    r.stdout,
    `ngeth0: flags=8802<BROADCAST,SIMPLEX,MULTICAST> metric 0 mtu 1500
\toptions=28<VLAN_MTU,JUMBO_MTU>
\tether ${gen_addr("ngeth0", "0")}
\tmedia: Ethernet autoselect
\tstatus: no carrier
\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>
`,
  );
  host(k, (K) => {
    K.ng_newtype({ version: K.NG_ABI_VERSION, name: "nothing", constructor: null });
    return K.ng_mkpeer(n, "ether", "x", "nothing");
  });
  r = await k.run("ifconfig ngeth0 | grep -E \"media|status\"");
  t.is(r.stdout, "\tmedia: Ethernet autoselect (1000baseT <full-duplex>)\n\tstatus: active\n");
  host(k, (K) => {
    const h = K.ng_findhook(n, "ether");
    if (h !== null) K.ng_rmhook_self(h);
  });
  r = await k.run("ifconfig ngeth0 | grep status");
  t.is(r.stdout, "\tstatus: no carrier\n");
  // eiface is no cloner: if_clone_destroy finds none for "ngeth".
  r = await k.run("ifconfig ngeth0 destroy");
  t.is(r.stderr, "ifconfig: SIOCIFDESTROY: Invalid argument\n");
  t.is(r.status, 1);
  r = await k.run("ifconfig ngeth0 mtu 9018 && ifconfig ngeth0 mtu 9019");
  t.is(r.stderr, "ifconfig: ioctl SIOCSIFMTU (set mtu): Invalid argument\n");
  k.destroy();
});

/** Two vnet jails whose ngeth0 and ngeth1 are wired by `wire`. */
const JAILS = `jail -c name=a vnet persist >/dev/null
jail -c name=b vnet persist >/dev/null
ifconfig ngeth0 vnet a
ifconfig ngeth1 vnet b
jexec a ifconfig ngeth0 10.0.0.1/24 up
jexec b ifconfig ngeth1 10.0.0.2/24 up
`;

async function ping_pair(seed: number, via_hub: boolean): Promise<{ out: string; mbufs: unknown; macs: string[] }> {
  const k = await boot(seed);
  const [a, b] = host(k, (K) => {
    const a = mkl(K, "eiface");
    const b = mkl(K, "eiface");
    if (via_hub) {
      const hub = mkl(K, "hub");
      K.ng_name_node(hub, "hub");
      if (K.ng_con_nodes(a, "ether", hub, "link0") !== 0) throw new Error("connect a");
      if (K.ng_con_nodes(b, "ether", hub, "link1") !== 0) throw new Error("connect b");
    } else if (K.ng_con_nodes(a, "ether", b, "ether") !== 0) throw new Error("connect");
    return [a, b];
  });
  const r = await k.run(JAILS + "jexec a ping -c 3 10.0.0.2\njexec b arp -an\n");
  const macs = host(k, (K) => [a, b].map((n) => mac(K.IF_LLADDR((n.nd_private as { ifp: L.KernelModule["ifnet"]["prototype"] }).ifp))));
  await k.run("jail -r a\njail -r b\n");
  host(k, (K) => {
    K.ng_rmnode(a);
    K.ng_rmnode(b);
  });
  const mbufs = k.kernel.mbuf_outstanding();
  k.destroy();
  return { out: r.stdout + r.stderr, mbufs, macs };
}

test("two vnet jails whose ngeths are wired back to back ping each other; no mbuf left", async (t) => {
  const r = await ping_pair(0, false);
  t.regex(r.out, /3 packets transmitted, 3 packets received, 0.0% packet loss/);
  t.regex(r.out, new RegExp(`\\? \\(10.0.0.1\\) at ${r.macs[0]} on ngeth1 expires in \\d+ seconds \\[ethernet\\]`));
  t.deepEqual(r.mbufs, { mbufs: 0, clusters: 0 });
});

test("the same through an ng_hub; same seed, same bytes", async (t) => {
  const r1 = await ping_pair(7, true);
  const r2 = await ping_pair(7, true);
  t.regex(r1.out, /3 packets transmitted, 3 packets received, 0.0% packet loss/);
  t.is(r1.out, r2.out);
  t.deepEqual(r1.macs, r2.macs);
  t.deepEqual(r1.mbufs, { mbufs: 0, clusters: 0 });
});

test("the interface moves into a jail and back while its node stays; shutting the node down removes it wherever it is", async (t) => {
  const k = await boot();
  const n = host(k, (K) => mkl(K, "eiface"));
  let r = await k.run("jail -c name=j vnet persist >/dev/null\nifconfig ngeth0 vnet j\nifconfig -l\njexec j ifconfig -l\n");
  t.is(r.stdout, "lo0\nlo0 ngeth0\n");
  t.is(n.nd_vnet, k.kernel.vnet0, "the node stays in the vnet that made it");
  t.true(host(k, (K) => K.ng_path2noderef(null, "ngeth0:").node === n));
  r = await k.run("ifconfig ngeth0 -vnet j\nifconfig -l\nifconfig ngeth0 vnet j\n");
  t.is(r.stdout, "lo0 ngeth0\n");
  // Shut down while the interface is in the jail: it goes from there.
  host(k, (K) => K.ng_rmnode(n));
  r = await k.run("jexec j ifconfig -l\njail -r j\nifconfig -l\n");
  t.is(r.stdout, "lo0\nlo0\n");
  t.is(r.stderr, "");
  t.deepEqual(k.kernel.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  k.destroy();
});

test("a jail removed first sends the interface home; the node's shutdown then removes it", async (t) => {
  const k = await boot();
  const n = host(k, (K) => mkl(K, "eiface"));
  let r = await k.run("jail -c name=j vnet persist >/dev/null\nifconfig ngeth0 vnet j\njexec j ifconfig ngeth0 10.1.0.1/24 up\njail -r j\nifconfig -l\n");
  t.is(r.stdout, "lo0 ngeth0\n");
  host(k, (K) => K.ng_rmnode(n));
  r = await k.run("ifconfig -l\n");
  t.is(r.stdout, "lo0\n");
  t.deepEqual(k.kernel.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  k.destroy();
});

test("the node's own vnet dies while its interface is lent to another jail: the interface goes too", async (t) => {
  const k = await boot();
  await k.run("jail -c name=g vnet persist >/dev/null\njail -c name=j vnet persist >/dev/null\n");
  const K = k.kernel;
  const g = K.prison_find_name("g");
  const j = K.prison_find_name("j");
  if (g === null || j === null) return t.fail("jails");
  // An eiface made inside g (as `jexec g ngctl mkpeer ...` would), its
  // interface lent to j.
  const s = K.CURVNET_SET(g.pr_vnet, "test");
  const n = mkl(K, "eiface");
  const ifp = K.ifunit("ngeth0");
  K.CURVNET_RESTORE(s);
  if (ifp === null) return t.fail("ngeth0");
  t.is(K.if_vmove_loan(K.cred0, ifp, j.pr_id).error, 0);
  let r = await k.run("jexec j ifconfig ngeth0 10.2.0.1/24 up\njail -r g\njexec j ifconfig -l\n");
  t.is(r.stdout, "lo0\n");
  t.is(r.stderr, "");
  t.false(K.NG_NODE_IS_VALID(n));
  r = await k.run("jail -r j\njls\n");
  t.is(r.status, 0);
  t.deepEqual(K.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  k.destroy();
});

test("novimage: an eiface in the one stack: made, named, answers, goes", async (t) => {
  const k = await loadKernel("novimage");
  const s = sink_type(k);
  inv(k, k.vnet0, () => {
    const n = mk(k, "eiface");
    t.is(n.nd_name, "ngeth0");
    const ifp = k.ifunit("ngeth0");
    if (ifp === null) return t.fail("no ngeth0");
    t.is(k.ng_mkpeer(n, "ether", "w", "sink"), 0);
    t.is(ifp.if_link_state, k.LINK_STATE_UP);
    ifp.if_flags |= k.IFF_UP;
    ifp.if_ioctl(ifp, k.SIOCSIFFLAGS, { ifr_name: "ngeth0" });
    const f = frame(BCAST, k.IF_LLADDR(ifp), 0x0800, 20);
    t.is(ifp.if_transmit(ifp, mkpkt(k, f)), 0);
    t.deepEqual(s.got[0]?.bytes, f);
    k.ng_rmnode(n);
    t.is(k.ifunit("ngeth0"), null);
  });
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

/** NGM_ASCII2BINARY to path: the binary message, or the error. */
function a2b(k: Kernel, me: { node: ng_node; replies: ng_mesg[] }, path: string, cmdstr: string, args: string): { error: number; msg: ng_mesg | null } {
  const text = new TextEncoder().encode(args);
  const a = k.NG_MKMESSAGE(0, 0, text.length + 1);
  a.header.cmdstr = cmdstr;
  a.data.set(text);
  const carrier = k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, k.NGM_ASCII2BINARY, 0);
  const enc = k.ng_mesg_enc(a);
  carrier.header.arglen = enc.length;
  carrier.data = enc;
  me.replies.length = 0;
  const error = k.NG_SEND_MSG_PATH(me.node, carrier, path, me.node.nd_ID);
  return { error, msg: me.replies.length > 0 ? k.ng_mesg_dec(me.replies[0].data) : null };
}

/** NGM_BINARY2ASCII of msg at path: its text. */
function b2a(k: Kernel, me: { node: ng_node; replies: ng_mesg[] }, path: string, msg: ng_mesg): string {
  const carrier = k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, k.NGM_BINARY2ASCII, 0);
  const enc = k.ng_mesg_enc(msg);
  carrier.header.arglen = enc.length;
  carrier.data = enc;
  me.replies.length = 0;
  if (k.NG_SEND_MSG_PATH(me.node, carrier, path, me.node.nd_ID) !== 0 || me.replies.length === 0) return "<error>";
  const r = k.ng_mesg_dec(me.replies[0].data);
  return r === null ? "<bad>" : `${r.header.cmdstr} ${new TextDecoder().decode(r.data.subarray(0, r.data.indexOf(0)))}`;
}

test("the ASCII forms: getifname's reply prints as a string, set takes an Ethernet address", async (t) => {
  const k = await loadKernel("vimage");
  inv(k, k.vnet0, () => {
    mk(k, "eiface");
    const me = reply_catcher(k);
    const g = a2b(k, me, "ngeth0:", "getifname", "");
    t.is(g.error, 0);
    if (g.msg === null) return t.fail("no binary");
    t.like(g.msg.header, { typecookie: k.NGM_EIFACE_COOKIE, cmd: k.NGM_EIFACE_GET_IFNAME, arglen: 0 });
    me.replies.length = 0;
    t.is(k.NG_SEND_MSG_PATH(me.node, g.msg, "ngeth0:", me.node.nd_ID), 0);
    const resp = me.replies[0];
    t.is(b2a(k, me, "ngeth0:", resp), 'getifname "ngeth0"');
    const s = a2b(k, me, "ngeth0:", "set", "02:11:22:33:44:55");
    if (s.msg === null) return t.fail("no binary");
    t.deepEqual([...s.msg.data], [2, 0x11, 0x22, 0x33, 0x44, 0x55]);
    t.is(k.NG_SEND_MSG_PATH(me.node, s.msg, "ngeth0:", 0), 0);
    const ifp = k.ifunit("ngeth0");
    t.is(ifp === null ? "" : mac(k.IF_LLADDR(ifp)), "02:11:22:33:44:55");
    t.is(a2b(k, me, "ngeth0:", "getifaddrs", "").error, k.ENOSYS, "binary only");
  });
});

test("carrier messages from the peer (NGM_LINK_IS_DOWN/UP) set the link state and the media", async (t) => {
  const k = await loadKernel("vimage");
  sink_type(k);
  inv(k, k.vnet0, () => {
    const n = mk(k, "eiface");
    const ifp = k.ifunit("ngeth0");
    if (ifp === null) return t.fail("no ngeth0");
    t.is(k.ng_mkpeer(n, "ether", "w", "sink"), 0);
    t.is(ifp.if_link_state, k.LINK_STATE_UP);
    t.is(k.NG_SEND_MSG_PATH(null, k.NG_MKMESSAGE(k.NGM_FLOW_COOKIE, k.NGM_LINK_IS_DOWN, 0), "ngeth0:", 0), 0);
    t.is(ifp.if_link_state, k.LINK_STATE_DOWN);
    const ifr: { ifr_name: string; ifr_media?: string } = { ifr_name: "ngeth0" };
    t.is(k.ifioctl(k.cred0, k.SIOCGIFMEDIA, ifr), 0);
    t.is(ifr.ifr_media, "Ethernet autoselect");
    t.is(k.NG_SEND_MSG_PATH(null, k.NG_MKMESSAGE(k.NGM_FLOW_COOKIE, k.NGM_LINK_IS_UP, 0), "ngeth0:", 0), 0);
    t.is(ifp.if_link_state, k.LINK_STATE_UP);
    t.is(k.ifioctl(k.cred0, k.SIOCGIFMEDIA, ifr), 0);
    t.is(ifr.ifr_media, "Ethernet autoselect (1000baseT <full-duplex>)");
  });
});

test("with ngctl: two jails wired back to back, then three on a hub; the node's shutdown takes the interface from its jail", async (t) => {
  const k = await boot(3);
  let r = await k.run(`jail -c name=a vnet persist >/dev/null
jail -c name=b vnet persist >/dev/null
ngctl mkpeer eiface ether ether
ngctl mkpeer ngeth0: eiface ether ether
ifconfig ngeth0 vnet a
ifconfig ngeth1 vnet b
jexec a ifconfig ngeth0 10.0.0.1/24 up
jexec b ifconfig ngeth1 10.0.0.2/24 up
jexec a ping -c 2 10.0.0.2 | tail -2 | head -1
ngctl msg ngeth1: getifname
ngctl shutdown ngeth0:
jexec a ifconfig -l
jexec b ifconfig ngeth1 | grep status
`);
  t.is(
    r.stdout,
    `2 packets transmitted, 2 packets received, 0.0% packet loss
Rec'd response "getifname" (1) from "[4]:":
Args:\t"ngeth1"
lo0
\tstatus: no carrier
`,
  );
  t.is(r.stderr, "");
  r = await k.run(`ngctl shutdown ngeth1:
ngctl mkpeer eiface ether ether
ngctl mkpeer ngeth0: hub ether link0
ngctl name ngeth0:ether lan
ngctl mkpeer lan: eiface link1 ether
ngctl mkpeer lan: eiface link2 ether
for i in 0 1 2; do
  jail -c name=j$i vnet persist >/dev/null
  ifconfig ngeth$i vnet j$i
  jexec j$i ifconfig ngeth$i 10.0.1.$((i + 1))/24 up
done
jexec j0 ping -c 1 10.0.1.3 | tail -2 | head -1
jexec j2 ping -c 1 10.0.1.2 | tail -2 | head -1
jexec j1 arp -an | grep -c ngeth1
`);
  t.is(r.stdout, "1 packets transmitted, 1 packets received, 0.0% packet loss\n".repeat(2) + "2\n");
  t.is(r.stderr, "");
  await k.run("for j in a b j0 j1 j2; do jail -r $j; done\nngctl shutdown lan:\nfor i in 0 1 2; do ngctl shutdown ngeth$i:; done\n");
  r = await k.run("ifconfig -l\nngctl list | head -1\n");
  t.is(r.stdout, "lo0\nThere are 1 total nodes:\n");
  t.deepEqual(k.kernel.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  k.destroy();
});

test("PR 292993's race, in our words: a jail lent the interface dies while the node is shut down", async (t) => {
  const k = await boot();
  const r = await k.run(`for i in 1 2 3 4; do
  ngctl mkpeer eiface ether ether
  jail -c vnet name=e$i vnet.interface=ngeth0 exec.start="sleep 0.$i" >/dev/null &
  sleep 0.2
  ngctl shutdown ngeth0:
  wait
done
jls | grep -c .
ifconfig -l
`);
  t.is(r.stdout, "1\nlo0\n", "only jls's header line");
  t.deepEqual(k.kernel.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  t.is(k.kernel.vnet_head.length, 1, "every jail's vnet is gone");
  k.destroy();
});
