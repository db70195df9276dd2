// sbin/sockstat.ts: who holds which socket (kern.file matched with the
// pcblists' xso_so), per jail, filtered by family, state and port, in
// sockstat.c's columns.
import test from "ava";
import { run_script, TWO_JAILS } from "./prog_helpers.ts";

const HEAD = "USER     COMMAND    PID   FD PROTO  LOCAL ADDRESS         FOREIGN ADDRESS      ";

test("sockstat: UDP sockets of nc in two jails; -j, -l, -c, -p, -4, -6, -q, -n", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ifconfig epair0a inet6 fd00::1/64 up
jexec a nc -u -l 5000 &
jexec a nc -6 -u -l 6000 &
jexec b nc -u -w 30 10.0.0.1 5000 &
sleep 1
echo "--- a"
jexec a sockstat
echo "--- j b -c"
sockstat -j b -c
echo "--- j a -6"
sockstat -j a -6 -q
echo "--- j a -p 5000 -l -n"
sockstat -j a -p 5000 -l -n
echo "--- host"
sockstat
echo "--- bad"
sockstat -p x; echo "s $?"
sockstat -j nosuch; echo "s $?"
sockstat extra; echo "s $?"
kill %1 %2 %3
jail -r a b >/dev/null
`,
  );
  const lines = r.out.split("\n");
  const sect = (name: string): string[] => {
    const i = lines.indexOf(`--- ${name}`);
    const rest = lines.slice(i + 1);
    const j = rest.findIndex((l) => l.startsWith("---"));
    return j < 0 ? rest : rest.slice(0, j);
  };
  const pids = [...r.out.matchAll(/nc {9}(\d+) /g)].map((m) => m[1]);
  t.true(pids.length > 0);
  t.deepEqual(sect("a"), [HEAD, `root     nc         ${sect("a")[1].slice(20, 26).trim().padEnd(5)} 3  udp4   *:5000                *:*`, `root     nc         ${sect("a")[2].slice(20, 26).trim().padEnd(5)} 3  udp6   *:6000                *:*`]);
  const b = sect("j b -c");
  t.is(b.length, 2);
  t.regex(b[1], /^root {5}nc {9}\d+ +3  udp4   10\.0\.0\.2:\d+ +10\.0\.0\.1:5000$/);
  const a6 = sect("j a -6");
  t.is(a6.length, 1, "-q: no header");
  t.regex(a6[0], /^root {5}nc {9}\d+ +3  udp6   \*:6000 +\*:\*$/);
  const ap = sect("j a -p 5000 -l -n");
  t.is(ap.length, 2);
  t.regex(ap[1], /^0 {8}nc {9}\d+ +3  udp4   \*:5000 +\*:\*$/);
  t.deepEqual(sect("host"), [HEAD], "the host's vnet has no sockets of its own");
  t.deepEqual(sect("bad"), ["s 1", "s 1", "s 1", ""]);
  t.is(
    r.err,
    "sockstat: syntax error in port range\n" + 'sockstat: jail "nosuch" not found\n' + "usage: sockstat [-46cLlSsUuvw] [-j jid] [-p ports] [-P protocols]\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
