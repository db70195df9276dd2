// netgraph/ng_socket: PF_NETGRAPH control and data sockets through the
// socket system calls: the socket node, bind naming it, messages to paths
// and replies from "[id]:", data hooks in and out, linger, the node's end
// with its sockets, and the vnet of the creating process.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import { mkpkt, inv } from "../net/link_helpers.ts";

type Proc = ReturnType<Kernel["proc_create"]>;

function ngsocket(k: Kernel, p: Proc, proto: number): number {
  const r = k.sys_socket(p, k.PF_NETGRAPH, k.SOCK_DGRAM, proto);
  if (r.error !== 0) throw new Error(`socket: ${k.strerror(r.error)}`);
  return r.fd;
}

/** sendto(2) of a generic message to path on a control socket. */
function sendmsg(k: Kernel, p: Proc, cs: number, path: string, cmd: number, data: Uint8Array = new Uint8Array(0), token = 7): number {
  const msg = k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, cmd, data.length);
  msg.data.set(data);
  msg.header.token = token;
  return k.sys_sendto(p, cs, k.ng_mesg_bytes(msg), 0, new k.sockaddr_ng(path)).error;
}

/** recvfrom(2) of a message: the message and its source's text. */
function recvmsg(k: Kernel, p: Proc, cs: number): { msg: ReturnType<Kernel["ng_mesg_parse"]>; from: string; len: number } | null {
  const r = k.sys_recvfrom(p, cs, 20 * 1024, 0);
  if (r.error !== 0 || r.data === null) return null;
  const from = r.from !== null && "sg_data" in r.from ? r.from.sg_data : "?";
  const len = r.from !== null && "sg_data" in r.from ? r.from.sg_len : 0;
  return { msg: k.ng_mesg_parse(r.data), from, len };
}

for (const build of BOTH) {
  test(`${build}: a control socket is a socket node; bind names it; messages go to paths and replies come from "[id]:"`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    const cs = ngsocket(k, p, k.NG_CONTROL);
    const ids = () => inv(k, k.vnet0, () => k.ng_nodes().map((n) => `${n.nd_type.name}:${n.nd_ID}:${n.nd_name}`));
    t.deepEqual(ids(), ["socket:1:"]);
    t.is(k.sys_bind(p, cs, new k.sockaddr_ng("ctl")), 0);
    const sn = k.sys_getsockname(p, cs);
    t.true(sn.sa !== null && "sg_data" in sn.sa && sn.sa.sg_data === "ctl" && sn.sa.sg_len === 34);
    t.deepEqual(ids(), ["socket:1:ctl"]);
    // A hub hangs off hook "h"; list the nodes; the reply names its sender.
    t.is(sendmsg(k, p, cs, ".", k.NGM_MKPEER, k.ngm_mkpeer_enc("hub", "h", "up")), 0);
    t.is(sendmsg(k, p, cs, "ctl:", k.NGM_LISTNODES, new Uint8Array(0), 42), 0);
    const r = recvmsg(k, p, cs);
    if (r === null) return t.fail("no reply");
    t.is(r.from, "[1]:", "the responder: the socket node itself");
    t.is(r.len, 16, "sizeof(struct sockaddr_ng)");
    t.is(r.msg.header.token, 42);
    t.is(r.msg.header.flags & k.NGF_RESP, k.NGF_RESP);
    t.deepEqual(
      k.namelist_dec(r.msg.data).map((n) => `${n.type}/${n.id}/${n.hooks}`).sort(),
      ["hub/2/1", "socket/1/1"],
    );
    t.is(sendmsg(k, p, cs, "ctl:h", k.NGM_NODEINFO), 0, "a hook path: the hub");
    const r2 = recvmsg(k, p, cs);
    t.is(r2?.from, "[2]:");
    t.is(r2 === null ? "" : k.nodeinfo_dec(r2.msg.data, 0).type, "hub");
    t.is(k.sys_recvfrom(p, cs, 100, 0).error, k.EAGAIN, "nothing else queued");
    // Errors of the send path.
    t.is(sendmsg(k, p, cs, "nosuch:", k.NGM_NODEINFO), k.ENOENT);
    t.is(sendmsg(k, p, cs, ".", k.NGM_MKPEER, k.ngm_mkpeer_enc("nosuchtype", "x", "y")), k.ENOENT, "ng_nosuchtype cannot be loaded");
    t.is(k.sys_sendto(p, cs, k.ng_mesg_bytes(k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, k.NGM_NODEINFO, 0)), 0, null).error, k.EDESTADDRREQ);
    const old = k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, k.NGM_NODEINFO, 0);
    old.header.version = 7;
    t.is(k.sys_sendto(p, cs, k.ng_mesg_bytes(old), 0, new k.sockaddr_ng(".")).error, k.EINVAL, "not NG_VERSION");
    t.is(k.sys_connect(p, cs, new k.sockaddr_ng("ctl:")), k.EINVAL, "control sockets do not connect");
    // bind: a name must fit and be NUL-terminated within sg_len.
    t.is(k.sys_bind(p, cs, new k.sockaddr_ng("ab", 3)), k.EINVAL, "sg_len < 4");
    t.is(k.sys_bind(p, cs, new k.sockaddr_ng("abcd", 5)), k.EINVAL, "no NUL within sg_len");
    t.is(k.sys_bind(p, cs, new k.sockaddr_ng("a:b")), k.EINVAL);
    t.is(k.sys_bind(p, cs, new k.sockaddr_ng("x".repeat(40))), k.EINVAL, "longer than NG_NODESIZ");
    // The node goes with the socket, and the hub with its last hook.
    t.is(k.sys_close(p, cs), 0);
    t.deepEqual(ids(), []);
    k.proc_exit(p);
  });

  test(`${build}: data sockets: frames out of a named hook, in with the hook's name; one hook makes write(2) work`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    // Two socket nodes a and b, each with a data socket, joined by a hub.
    const mk = (name: string): { cs: number; ds: number } => {
      const cs = ngsocket(k, p, k.NG_CONTROL);
      t.is(k.sys_bind(p, cs, new k.sockaddr_ng(name)), 0);
      const ds = ngsocket(k, p, k.NG_DATA);
      t.is(k.sys_sendto(p, ds, new Uint8Array(4), 0, new k.sockaddr_ng("x")).error, k.ENOTCONN, "not attached yet");
      t.is(k.sys_connect(p, ds, new k.sockaddr_ng(`${name}:`)), 0);
      return { cs, ds };
    };
    const a = mk("a");
    const b = mk("b");
    t.is(sendmsg(k, p, a.cs, ".", k.NGM_MKPEER, k.ngm_mkpeer_enc("hub", "toa", "la")), 0);
    t.is(sendmsg(k, p, b.cs, "a:toa", k.NGM_NAME, k.ngm_str_enc("h", k.NG_NODESIZ)), 0);
    t.is(sendmsg(k, p, b.cs, ".", k.NGM_CONNECT, k.ngm_connect_enc("h:", "tob", "lb")), 0);
    const frame = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    t.deepEqual(k.sys_sendto(p, a.ds, frame, 0, new k.sockaddr_ng("toa")), { error: 0, len: 300 });
    const got = k.sys_recvfrom(p, b.ds, 2000, 0);
    t.deepEqual(got.data, frame);
    t.true(got.from !== null && "sg_data" in got.from && got.from.sg_data === "tob" && got.from.sg_len === 6);
    t.is(k.sys_recvfrom(p, a.ds, 2000, 0).error, k.EAGAIN, "a hub never sends back");
    // One hook: the data socket is connected, an address is optional.
    t.deepEqual(k.sys_sendto(p, b.ds, frame.subarray(0, 10), 0, null), { error: 0, len: 10 });
    t.deepEqual(k.sys_recvfrom(p, a.ds, 2000, 0).data, frame.subarray(0, 10));
    t.is(k.sys_sendto(p, b.ds, frame, 0, new k.sockaddr_ng("nohook")).error, k.EHOSTUNREACH);
    t.is(k.sys_sendto(p, b.ds, frame, 0, new k.sockaddr_ng("y".repeat(40))).error, k.EINVAL, "longer than NG_HOOKSIZ");
    t.is(sendmsg(k, p, b.cs, ".", k.NGM_MKPEER, k.ngm_mkpeer_enc("hub", "second", "x")), 0);
    t.is(k.sys_sendto(p, b.ds, frame, 0, null).error, k.EDESTADDRREQ, "two hooks: which one?");
    // A second data socket for a node, or a data socket on a hub.
    const ds2 = ngsocket(k, p, k.NG_DATA);
    t.is(k.sys_connect(p, ds2, new k.sockaddr_ng("a:")), k.EADDRINUSE);
    t.is(k.sys_connect(p, ds2, new k.sockaddr_ng("h:")), k.EINVAL, "not a socket node");
    t.is(k.sys_connect(p, ds2, new k.sockaddr_ng("zz:")), k.ENOENT);
    t.is(k.sys_connect(p, a.ds, new k.sockaddr_ng("b:")), k.EISCONN);
    // Frames waiting in a socket are freed with it.
    t.is(k.sys_sendto(p, a.ds, frame, 0, new k.sockaddr_ng("toa")).error, 0);
    k.proc_exit(p);
    inv(k, k.vnet0, () => t.deepEqual(k.ng_nodes().length, 0, "every node gone with the sockets"));
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: NOLINGER: the node goes with its last hook; the sockets stay, disconnected`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    const cs = ngsocket(k, p, k.NG_CONTROL);
    const ds = ngsocket(k, p, k.NG_DATA);
    t.is(k.sys_bind(p, cs, new k.sockaddr_ng("s")), 0);
    t.is(k.sys_connect(p, ds, new k.sockaddr_ng("s:")), 0);
    t.is(sendmsg(k, p, cs, ".", k.NGM_MKPEER, k.ngm_mkpeer_enc("hub", "h", "x")), 0);
    const nolinger = k.NG_MKMESSAGE(k.NGM_SOCKET_COOKIE, k.NGM_SOCK_CMD_NOLINGER, 0);
    t.is(k.sys_sendto(p, cs, k.ng_mesg_bytes(nolinger), 0, new k.sockaddr_ng(".")).error, 0);
    t.is(k.sys_sendto(p, cs, k.ng_mesg_bytes(k.NG_MKMESSAGE(k.NGM_SOCKET_COOKIE, 9, 0)), 0, new k.sockaddr_ng(".")).error, k.EINVAL);
    t.is(k.sys_recvfrom(p, cs, 100, 0).error, k.EAGAIN, "the socket type's own messages are not queued");
    t.is(sendmsg(k, p, cs, ".", k.NGM_RMHOOK, k.ngm_str_enc("h", k.NG_HOOKSIZ)), 0);
    inv(k, k.vnet0, () => t.is(k.ng_nodes().length, 0));
    t.is(k.sys_getsockname(p, cs).error, k.EINVAL, "no node behind the socket");
    // ngs_shutdown disconnected both sockets (soisdisconnected: no more
    // sending), as FreeBSD 14 does.
    t.is(sendmsg(k, p, cs, ".", k.NGM_NODEINFO), k.EPIPE);
    t.is(k.sys_sendto(p, ds, new Uint8Array(1), k.MSG_NOSIGNAL, new k.sockaddr_ng("h")).error, k.EPIPE);
    t.is(k.sys_close(p, ds), 0);
    t.is(k.sys_close(p, cs), 0);
    // A shutdown message to a socket node ends it as well.
    const cs2 = ngsocket(k, p, k.NG_CONTROL);
    t.is(sendmsg(k, p, cs2, ".", k.NGM_SHUTDOWN), 0);
    inv(k, k.vnet0, () => t.is(k.ng_nodes().length, 0));
    t.is(k.sys_close(p, cs2), 0);
    k.proc_exit(p);
  });
}

test("vimage: a socket made in a vnet jail is a node of the jail's graph, IDs from 1; plain jails and users may not", async (t) => {
  const k = await loadKernel("vimage");
  const host = k.proc_create(k.cred0, "host");
  const hcs = ngsocket(k, host, k.NG_CONTROL);
  t.is(k.sys_bind(host, hcs, new k.sockaddr_ng("hostctl")), 0);
  const j = k.kern_jail_set(k.cred0, { name: "j", persist: true, vnet: "new" }, k.JAIL_CREATE);
  const pr = k.prison_find(j.jid);
  if (pr === null) return t.fail();
  const p = k.proc_create(k.cred0, "jexec");
  t.is(k.sys_jail_attach_proc(p, j.jid), 0);
  const jcs = ngsocket(k, p, k.NG_CONTROL);
  t.is(k.sys_bind(p, jcs, new k.sockaddr_ng("hostctl")), 0, "names are per vnet");
  inv(k, pr.pr_vnet, () => t.deepEqual(k.ng_nodes().map((n) => n.nd_ID), [1]));
  t.is(sendmsg(k, p, jcs, "[2]:", k.NGM_NODEINFO), k.ENOENT, "the host's nodes are not the jail's");
  t.is(sendmsg(k, host, hcs, ".", k.NGM_LISTNODES), 0);
  const r = recvmsg(k, host, hcs);
  t.deepEqual(r === null ? [] : k.namelist_dec(r.msg.data).map((n) => n.id), [1]);
  // A plain jail (no vnet) and an unprivileged user may not make control sockets.
  const pj = k.kern_jail_set(k.cred0, { name: "plain", persist: true }, k.JAIL_CREATE);
  const pp = k.proc_create(k.cred0, "plain");
  t.is(k.sys_jail_attach_proc(pp, pj.jid), 0);
  t.is(k.sys_socket(pp, k.PF_NETGRAPH, k.SOCK_DGRAM, k.NG_CONTROL).error, k.EPERM);
  const user = k.proc_create(k.crget(1001, k.prison0), "user");
  t.is(k.sys_socket(user, k.PF_NETGRAPH, k.SOCK_DGRAM, k.NG_CONTROL).error, k.EPERM);
  t.is(k.sys_socket(user, k.PF_NETGRAPH, k.SOCK_DGRAM, k.NG_DATA).error, 0, "data sockets need no privilege");
  t.is(k.sys_socket(user, k.PF_NETGRAPH, k.SOCK_STREAM, 0).error, k.EPROTOTYPE);
  k.proc_exit(user);
  k.proc_exit(pp);
  // The jail's graph goes with its process.
  t.is(k.sys_jail_remove(k.cred0, j.jid), 0);
  k.proc_exit(p);
  t.false(k.vnet_head.includes(pr.pr_vnet));
  k.proc_exit(host);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("a frame from a hook to a data socket whose buffer is full is dropped with ENOBUFS, and freed", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const cs = ngsocket(k, p, k.NG_CONTROL);
  const ds = ngsocket(k, p, k.NG_DATA);
  t.is(k.sys_bind(p, cs, new k.sockaddr_ng("s")), 0);
  t.is(k.sys_connect(p, ds, new k.sockaddr_ng("s:")), 0);
  t.is(sendmsg(k, p, cs, ".", k.NGM_MKPEER, k.ngm_mkpeer_enc("hub", "in", "x")), 0);
  t.is(sendmsg(k, p, cs, ".", k.NGM_CONNECT, k.ngm_connect_enc("in", "in2", "y")), 0);
  // 20 KB of receive buffer: 1500-byte frames fit 13 times.
  const errors: number[] = [];
  inv(k, k.vnet0, () => {
    const hook = k.ng_path2noderef(null, "s:in").lasthook;
    for (let i = 0; i < 16; i++) errors.push(k.NG_SEND_DATA_ONLY(hook, mkpkt(k, new Uint8Array(1500))));
  });
  t.true(errors.includes(0));
  let n = 0;
  while (k.sys_recvfrom(p, ds, 2000, 0).error === 0) n++;
  t.true(n >= 10 && n < 16, `${n} frames kept`);
  k.proc_exit(p);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
