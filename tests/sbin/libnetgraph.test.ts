// sbin/libnetgraph: the library calls a program makes, over the socket
// system calls: a socket node with its data socket, messages and their
// ASCII forms, data in and out of hooks, debug and error logs.
import test from "ava";
import { loadKernel } from "../helpers/builds.ts";

test("NgMkSockNode, NgSendMsg/NgRecvMsg, NgSendAsciiMsg/NgRecvAsciiMsg, NgSendData/NgRecvData, NgSetErrLog", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "prog");
  let err = "";
  const ctx = {
    argv: ["prog"],
    stdin: "",
    stdout: { write: (_s: string) => {} },
    stderr: { write: (s: string) => void (err += s) },
    env: new Map<string, string>(),
    p,
  };
  const lib = k.ng_lib(ctx);
  // No name and a data socket: the node is addressed by its ID.
  const s = lib.NgMkSockNode(null, true);
  if (s === null) return t.fail(k.strerror(lib.errno));
  t.true(s.cs >= 3 && s.ds > s.cs);
  t.is(lib.NgSendMsg(s.cs, ".", k.NGM_GENERIC_COOKIE, k.NGM_MKPEER, k.ngm_mkpeer_enc("hub", "one", "a")), 2, "token 1 asked the node its ID");
  t.is(lib.NgSendMsg(s.cs, ".", k.NGM_GENERIC_COOKIE, k.NGM_CONNECT, k.ngm_connect_enc("one", "two", "b")), 3);
  t.is(lib.NgNameNode(s.cs, "one", "hh"), 0);
  // A reply to an ASCII message, turned back into ASCII by its sender.
  t.true(lib.NgSendAsciiMsg(s.cs, "hh:", "nodeinfo") > 0);
  const a = lib.NgAllocRecvAsciiMsg(s.cs);
  t.is(a?.path, "[2]:");
  t.is(a?.msg.header.cmd, k.NGM_NODEINFO);
  t.is(a?.text, '{ name="hh" type="hub" id=0x2 hooks=2 }');
  // Out of hook "one", through the hub, back in on hook "two".
  t.is(lib.NgSendData(s.ds, "one", Uint8Array.of(1, 2, 3)), 0);
  const d = lib.NgAllocRecvData(s.ds);
  t.is(d?.hook, "two");
  t.deepEqual(d?.data, Uint8Array.of(1, 2, 3));
  t.is(lib.NgRecvData(s.ds, 100), null, "nothing more");
  t.is(lib.errno, k.EAGAIN);
  // Errors set errno; at debug level 1 they are logged where NgSetErrLog says.
  t.is(lib.NgSendMsg(s.cs, "nosuch:", k.NGM_GENERIC_COOKIE, k.NGM_NODEINFO, null), -1);
  t.is(lib.errno, k.ENOENT);
  t.is(err, "");
  t.is(lib.NgSetDebug(1), 0);
  const logged: string[] = [];
  lib.NgSetErrLog(
    (m) => logged.push(`${m}: ${k.strerror(lib.errno)}`),
    (m) => logged.push(m),
  );
  t.is(lib.NgSendData(s.ds, "nohook", Uint8Array.of(0)), -1);
  t.is(lib.errno, k.EHOSTUNREACH);
  t.deepEqual(logged, ["sendto(nohook): No route to host"]);
  // A name in use: the socket is closed again and errno says why.
  const dup = lib.NgMkSockNode("hh", false);
  t.is(dup, null);
  t.is(lib.errno, k.EADDRINUSE);
  t.deepEqual(logged.slice(1), ["bind(hh): Address already in use"]);
  k.proc_exit(p);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
