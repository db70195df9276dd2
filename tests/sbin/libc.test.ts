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

// daemon(3): the caller sees the program end with 0 at once; the program
// goes on as a new process (its own pid, in the same jail, holding the
// socket it opens afterwards) until it is killed; its standard output is
// /dev/null and its working directory "/" unless it asked to keep them.
test("daemon(3): the parent exits 0 at once, the child runs on in the jail with its socket until jail -r kills it", async (t) => {
  const { run_script } = await import("./prog_helpers.ts");
  let seen: { parent: number; child: number; cwd: string | undefined; after: number } | null = null;
  const r = await run_script(
    `jail -c name=a vnet persist >/dev/null
jexec a ifconfig lo0 127.0.0.1/8 up
jexec a daemontest 0 0
echo "status $?"
jexec a sockstat -4l
jail -r a
echo done
`,
    {
      before: (k) => {
        k.programs.set("daemontest", async (ctx) => {
          const parent = ctx.p.p_pid;
          ctx.stdout.write(`before ${parent}\n`);
          const d = k.daemon(ctx, Number(ctx.argv[1]), Number(ctx.argv[2]));
          if (d.ret !== 0) return 1;
          const p = ctx.p as InstanceType<typeof k.proc>;
          seen = { parent, child: p.p_pid, cwd: ctx.cwd, after: 0 };
          ctx.stdout.write("after daemon\n");
          const s = k.sys_socket(p, AF_INET, 2, 0);
          k.sys_bind(p, s.fd, new k.sockaddr_in(0, 4000));
          for (;;) {
            const w = await k.sys_poll(p, [], -1);
            if (w.error !== 0) seen.after++;
          }
        });
      },
    },
  );
  t.truthy(seen);
  const s = seen as unknown as { parent: number; child: number; cwd: string | undefined };
  t.not(s.child, s.parent);
  t.is(s.cwd, "/");
  const lines = r.out.split("\n");
  t.is(lines[0], `before ${s.parent}`);
  t.is(lines[1], "status 0");
  t.false(r.out.includes("after daemon"));
  t.regex(r.out, new RegExp(`root\\s+daemontest\\s+${s.child}\\s+\\d+\\s+udp4\\s+\\*:4000\\s+\\*:\\*`));
  t.true(r.out.endsWith("done\n"));
  t.is(r.status, 0);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("daemon(3) with nochdir and noclose: the child keeps the directory and writes where the program wrote", async (t) => {
  const { run_script } = await import("./prog_helpers.ts");
  let cwd: string | undefined = "";
  const r = await run_script(`daemontest\necho "status $?"\n`, {
    cwd: "/tmp",
    before: (k) => {
      k.programs.set("daemontest", async (ctx) => {
        const d = k.daemon(ctx, 1, 1);
        cwd = ctx.cwd;
        ctx.stdout.write(`child ${ctx.p.p_pid} ${d.ret}\n`);
        return 3;
      });
    },
  });
  t.is(cwd, "/tmp");
  t.regex(r.out, /child \d+ 0\n/);
  t.regex(r.out, /status 0\n/);
});

test("daemon(3): a daemon still running when the script ends gets SIGTERM, as at shutdown, and its socket goes", async (t) => {
  const { run_script } = await import("./prog_helpers.ts");
  let sig = 0;
  const r = await run_script(`daemontest\necho "status $?"\n`, {
    before: (k) => {
      k.programs.set("daemontest", async (ctx) => {
        k.daemon(ctx, 0, 0);
        const p = ctx.p as InstanceType<typeof k.proc>;
        const s = k.sys_socket(p, AF_INET, 2, 0);
        k.sys_bind(p, s.fd, new k.sockaddr_in(0, 4000));
        try {
          for (;;) await k.sys_poll(p, [], -1);
        } catch (e) {
          sig = (e as { sig: number }).sig;
          throw e;
        }
      });
    },
  });
  t.is(r.out, "status 0\n");
  await new Promise((resolve) => setImmediate(resolve));
  t.is(sig, 15);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("strtol and strtoul share one scan: sign, base 0's prefixes, saturation with ERANGE, endptr", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const l = (s: string, base: number): [string, string, number] => {
    const r = k.strtol(s, base);
    return [String(r.l), r.rest, r.errno];
  };
  t.deepEqual(l(" -42x", 10), ["-42", "x", 0]);
  t.deepEqual(l("0x1f", 0), ["31", "", 0]);
  t.deepEqual(l("010", 0), ["8", "", 0]);
  t.deepEqual(l("0x", 0), ["0", "x", 0]);
  t.deepEqual(l("abc", 10), ["0", "abc", 0]);
  t.deepEqual(l("9223372036854775807", 10), ["9223372036854775807", "", 0]);
  t.deepEqual(l("9223372036854775808", 10), ["9223372036854775807", "", 34]);
  t.deepEqual(l("-9223372036854775808", 10), ["-9223372036854775808", "", 0]);
  t.deepEqual(l("-99999999999999999999999", 10), ["-9223372036854775808", "", 34]);
  const u = k.strtoul("-1", 10);
  t.deepEqual([String(u.ul), u.errno], ["18446744073709551615", 0]);
  const big = k.strtoul("99999999999999999999999", 10);
  t.deepEqual([String(big.ul), big.errno], ["18446744073709551615", 34]);
});

test("strtod: decimal, hexadecimal, inf and nan; endptr; ERANGE for overflow and underflow", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const d = (s: string): [number, string, number] => {
    const r = k.strtod(s);
    return [r.v, r.rest, r.errno];
  };
  t.deepEqual(d(" \t1.5s"), [1.5, "s", 0]);
  t.deepEqual(d("-.25e1x"), [-2.5, "x", 0]);
  t.deepEqual(d("3."), [3, "", 0]);
  t.deepEqual(d("1e"), [1, "e", 0]);
  t.deepEqual(d("1e+"), [1, "e+", 0]);
  t.deepEqual(d("0x1.8p1"), [3, "", 0]);
  t.deepEqual(d("0X.8"), [0.5, "", 0]);
  t.deepEqual(d("0x"), [0, "x", 0]);
  t.deepEqual(d("0xg"), [0, "xg", 0]);
  t.deepEqual(d("-InFinity!"), [-Infinity, "!", 0]);
  t.deepEqual(d("inf"), [Infinity, "", 0]);
  t.true(Number.isNaN(k.strtod("nan(0x1)").v));
  t.is(k.strtod("nan(12)z").rest, "z");
  t.deepEqual(d("abc"), [0, "abc", 0]);
  t.deepEqual(d(""), [0, "", 0]);
  t.deepEqual(d("+"), [0, "+", 0]);
  t.deepEqual(d("1e999"), [Infinity, "", 34]);
  t.deepEqual(d("-1e999"), [-Infinity, "", 34]);
  t.deepEqual(d("1e-999"), [0, "", 34]);
  t.deepEqual(d("0e-999"), [0, "", 0]);
  t.deepEqual(d("0x1p-1074"), [5e-324, "", 0]);
  t.deepEqual(d("0x1p1024"), [Infinity, "", 34]);
  t.true(Object.is(k.strtod("-0").v, -0));
  t.true(Object.is(k.strtod("-0x0p0").v, -0));
  // Every decimal a JavaScript number prints reads back as that number.
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom("", "s", " x"), (v, tail) => {
      // String(-0) is "0": the sign is written out as C's printf would.
      const r = k.strtod((Object.is(v, -0) ? "-0" : String(v)) + tail);
      return Object.is(r.v, v) && r.rest === tail && r.errno === 0;
    }),
  );
});

test("getopt_long: '+' stops at the first operand, leaving the rest (another command's options) alone", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  let err = "";
  const ctx = { argv: ["timeout", "-s", "INT", "3", "nc", "-w", "5", "-N"], stdin: "", stdout: { write: () => {} }, stderr: { write: (s: string) => void (err += s) }, env: new Map(), p: { p_pid: 1, p_comm: "timeout", p_ucred: k.cred0 } };
  const usage = (): never => {
    throw new Error("usage");
  };
  const longopts = [{ name: "signal", has_arg: 1 as const, val: "s" }];
  const inorder = k.getopt_long(ctx, "+k:s:", longopts, usage);
  t.deepEqual(inorder, { opts: [["s", "INT"]], operands: ["3", "nc", "-w", "5", "-N"] });
  // Without '+', getopt_long permutes and takes nc's -w as its own.
  t.throws(() => k.getopt_long(ctx, "k:s:", longopts, usage), { message: "usage" });
  t.is(err, "timeout: illegal option -- w\n");
  const dd = k.getopt_long({ ...ctx, argv: ["timeout", "--signal=KILL", "--", "-1", "x"] }, "+k:s:", longopts, usage);
  t.deepEqual(dd, { opts: [["s", "KILL"]], operands: ["-1", "x"] });
});
