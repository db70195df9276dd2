// sbin/libc.ts: inet_pton/inet_ntop (FreeBSD libc's ISC code) for both
// families, getaddrinfo/getnameinfo for numeric hosts with "%zone", and
// gai_strerror's words.
import test from "ava";
import fc from "fast-check";
import { loadKernel, loadKernelUnbooted } from "../helpers/builds.ts";

const AF_INET = 2;
const AF_INET6 = 28;

test("inet_pton(AF_INET6) and inet_ntop: the forms FreeBSD's libc takes and prints", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const pton = (s: string): string | null => {
    const b = new Uint8Array(16);
    return k.inet_pton(AF_INET6, s, b) === 1 ? (k.inet_ntop(AF_INET6, b) ?? "?") : null;
  };
  t.is(pton("::"), "::");
  t.is(pton("::1"), "::1");
  t.is(pton("FE80::1"), "fe80::1");
  t.is(pton("2001:0db8:0000:0000:0001:0000:0000:0001"), "2001:db8::1:0:0:1");
  t.is(pton("1:0:0:2::3"), "1:0:0:2::3");
  t.is(pton("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8");
  t.is(pton("1::"), "1::");
  t.is(pton("::ffff:10.0.0.1"), "::ffff:10.0.0.1");
  t.is(pton("::10.0.0.1"), "::10.0.0.1");
  t.is(pton("1:2:3:4:5:6:1.2.3.4"), "1:2:3:4:5:6:102:304");
  t.is(pton("0:0:0:0:0:1:0:0"), "::1:0:0");
  for (const bad of [":1", "1:", "1::2::3", "12345::", "1.2.3.4", "::01.2.3.4", "1:2:3:4:5:6:7:8:9", "g::", "::1.2.3", ""]) t.is(pton(bad), null, bad);
  const b4 = new Uint8Array(4);
  t.is(k.inet_pton(AF_INET, "10.0.0.1", b4), 1);
  t.deepEqual(Array.from(b4), [10, 0, 0, 1]);
  t.is(k.inet_ntop(AF_INET, b4), "10.0.0.1");
  t.is(k.inet_pton(AF_INET, "010.0.0.1", b4), 0, "no leading zeros");
  t.is(k.inet_pton(AF_INET, "1.2.3", b4), 0);
  t.is(k.inet_pton(99, "::", new Uint8Array(16)), -1);
  t.is(k.inet_ntop(99, b4), null);
});

test("inet_ntop then inet_pton gives the same 16 bytes back; :: stands for the longest zero run", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  // Words drawn mostly zero, so runs of zeros of every length occur.
  const word = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(
    fc.property(fc.array(word, { minLength: 8, maxLength: 8 }), (words) => {
      const b = new Uint8Array(words.flatMap((w) => [w >> 8, w & 0xff]));
      const s = k.inet_ntop(AF_INET6, b);
      if (s === null) return false;
      const back = new Uint8Array(16);
      if (k.inet_pton(AF_INET6, s, back) !== 1) return false;
      if (!back.every((x, i) => x === b[i])) return false;
      // At most one "::", never a run of two zero groups left written out
      // when a "::" could hold them and none is used.
      if (s.split("::").length > 2) return false;
      let longest = 0;
      let run = 0;
      for (const w of words) {
        run = w === 0 ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      return longest >= 2 ? s.includes("::") : !s.includes("::") || s === "::";
    }),
  );
  t.pass();
});

test("gai_strerror: FreeBSD's words", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  t.is(k.gai_strerror(k.EAI_NONAME), "hostname nor servname provided, or not known");
  t.is(k.gai_strerror(k.EAI_SERVICE), "servname not supported for ai_socktype");
  t.is(k.gai_strerror(k.EAI_FAMILY), "ai_family not supported");
});

test("getaddrinfo: numeric IPv6 with %zone by name or index, IPv4, /etc/hosts, services; getnameinfo back", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  let r = k.getaddrinfo(p, "fe80::1%lo0", "7777", { ai_socktype: k.SOCK_DGRAM });
  t.is(r.error, 0);
  t.is(r.res.length, 1);
  const a = r.res[0].ai_addr;
  t.true("sin6_addr" in a);
  const lo0 = "sin6_addr" in a ? a.sin6_scope_id : 0;
  t.true(lo0 > 0);
  t.is(k.if_indextoname(p, lo0), "lo0");
  if ("sin6_addr" in a) {
    t.is(a.sin6_port, 7777);
    t.is(k.getnameinfo(p, a, k.NI_NUMERICHOST | k.NI_NUMERICSERV).host, "fe80::1%lo0");
    t.is(k.getnameinfo(p, a, k.NI_NUMERICHOST | k.NI_NUMERICSCOPE).host, `fe80::1%${lo0}`);
  }
  r = k.getaddrinfo(p, `fe80::1%${lo0}`, null, { ai_socktype: k.SOCK_DGRAM });
  t.is(r.error, 0);
  t.is(r.res[0].ai_family, AF_INET6);
  t.is(k.getaddrinfo(p, "fe80::1%nosuch0", null, null).error, k.EAI_NONAME);
  t.is(k.getaddrinfo(p, "2001:db8::1", null, { ai_family: AF_INET }).error, k.EAI_NONAME);
  t.is(k.getaddrinfo(p, "no.such.host", null, null).error, k.EAI_NONAME);
  t.is(k.getaddrinfo(p, "::1", "nosuchservice", { ai_socktype: k.SOCK_DGRAM }).error, k.EAI_SERVICE);
  r = k.getaddrinfo(p, "localhost", "domain", { ai_socktype: k.SOCK_DGRAM });
  t.is(r.error, 0);
  t.deepEqual(
    r.res.map((x) => [x.ai_family, "sin6_addr" in x.ai_addr ? x.ai_addr.sin6_port : x.ai_addr.sin_port]),
    [
      [AF_INET6, 53],
      [AF_INET, 53],
    ],
  );
  const v4 = k.getaddrinfo(p, "10.0.0.1", null, { ai_family: AF_INET, ai_socktype: k.SOCK_DGRAM });
  t.is(v4.error, 0);
  t.is(k.getnameinfo(p, v4.res[0].ai_addr, k.NI_NUMERICHOST).host, "10.0.0.1");
  k.proc_exit(p);
});
