// sbin/traceroute6.ts: FreeBSD 14's traceroute6 through a chain of router
// jails: the hops and the destination, `* * *` for a router whose ICMPv6
// errors die on the way back, -I, -l against -n, -m, -f and "Skipping",
// and traceroute6's messages and exit statuses for bad input.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

/** a - r1 - r2 - r3 - b: 2001:db8:0::/64 ... 2001:db8:3::/64, b is 2001:db8:3::2. */
const CHAIN6 = `jail -c name=a persist vnet >/dev/null
jail -c name=r1 persist vnet >/dev/null
jail -c name=r2 persist vnet >/dev/null
jail -c name=r3 persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet r1
ifconfig epair1a vnet r1
ifconfig epair1b vnet r2
ifconfig epair2a vnet r2
ifconfig epair2b vnet r3
ifconfig epair3a vnet r3
ifconfig epair3b vnet b
jexec a ifconfig epair0a inet6 2001:db8:0::1/64 up
jexec r1 ifconfig epair0b inet6 2001:db8:0::fe/64 up
jexec r1 ifconfig epair1a inet6 2001:db8:1::1/64 up
jexec r2 ifconfig epair1b inet6 2001:db8:1::2/64 up
jexec r2 ifconfig epair2a inet6 2001:db8:2::1/64 up
jexec r3 ifconfig epair2b inet6 2001:db8:2::2/64 up
jexec r3 ifconfig epair3a inet6 2001:db8:3::1/64 up
jexec b ifconfig epair3b inet6 2001:db8:3::2/64 up
jexec r1 sysctl net.inet6.ip6.forwarding=1 >/dev/null
jexec r2 sysctl net.inet6.ip6.forwarding=1 >/dev/null
jexec r3 sysctl net.inet6.ip6.forwarding=1 >/dev/null
jexec a route -6 add default 2001:db8:0::fe >/dev/null
jexec r1 route -6 add default 2001:db8:1::2 >/dev/null
jexec r2 route -6 add 2001:db8:0::/64 2001:db8:1::1 >/dev/null
jexec r2 route -6 add default 2001:db8:2::2 >/dev/null
jexec r3 route -6 add default 2001:db8:2::1 >/dev/null
jexec b route -6 add default 2001:db8:3::1 >/dev/null
sleep 2
`;

const hop = (n: number, addr: string, q = 3, both = false): string => `${String(n).padStart(2)}  ${both ? `${addr} (${addr})` : addr}${"  0.000 ms".repeat(q)}`;

test("traceroute6: three routers and the destination, UDP and -I, -l, a silent router, -m, -f", async (t) => {
  const r = await run_script(
    CHAIN6 +
      `jexec a traceroute6 2001:db8:3::2
echo "exit $?"
jexec a traceroute6 -n -I 2001:db8:3::2
echo "exit $?"
jexec r2 ndp -i epair1b curhlim=1 >/dev/null
jexec r2 ndp -i epair2a curhlim=1 >/dev/null
jexec a traceroute6 -l -w 2 2001:db8:3::2
echo "exit $?"
jexec a traceroute6 -n -m 2 -q 2 -w 1 2001:db8:3::2
echo "exit $?"
jexec a traceroute6 -n -f 3 -q 1 2001:db8:3::2
echo "exit $?"
jexec a traceroute6 -n -q 1 -s 2001:db8::1 2001:db8:3::2 100
echo "exit $?"
jexec a ifconfig lo0 inet6 ::1/128 up
jexec a traceroute6 -q 1 ::1
jexec a traceroute6 -q 1 -l ::1
`,
  );
  t.is(
    r.out,
    [
      hop(1, "2001:db8::fe"),
      hop(2, "2001:db8:1::2"),
      hop(3, "2001:db8:2::2"),
      hop(4, "2001:db8:3::2"),
      "exit 0",
      hop(1, "2001:db8::fe"),
      hop(2, "2001:db8:1::2"),
      hop(3, "2001:db8:2::2"),
      hop(4, "2001:db8:3::2"),
      "exit 0",
      hop(1, "2001:db8::fe", 3, true),
      " 2  * * *",
      hop(3, "2001:db8:2::2", 3, true),
      hop(4, "2001:db8:3::2", 3, true),
      "exit 0",
      hop(1, "2001:db8::fe", 2),
      " 2  * *",
      "exit 0",
      "Skipping 2 intermediate hops",
      hop(3, "2001:db8:2::2", 1),
      hop(4, "2001:db8:3::2", 1),
      "exit 0",
      hop(1, "2001:db8::fe", 1),
      " 2  *",
      hop(3, "2001:db8:2::2", 1),
      hop(4, "2001:db8:3::2", 1),
      "exit 0",
      // Names come from the hosts file: -l adds the address.
      hop(1, "localhost", 1),
      " 1  localhost (::1)  0.000 ms",
    ].join("\n") + "\n",
  );
  const h = (max: number, len: number): string => `traceroute6 to 2001:db8:3::2 (2001:db8:3::2) from 2001:db8::1, ${max} hops max, ${len} byte packets`;
  const lo = "traceroute6 to ::1 (::1) from ::1, 64 hops max, 28 byte packets";
  t.is(r.err, [h(64, 28), h(64, 20), h(64, 28), h(2, 28), h(64, 28), h(64, 108), lo, lo].join("\n") + "\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

const USAGE =
  "usage: traceroute6 [-adIlnNrSTUv] [-A as_server] [-f firsthop] [-g gateway]\n" +
  "       [-m hoplimit] [-p port] [-q probes] [-s src] [-w waittime] target\n" +
  "       [datalen]\n";

test("traceroute6: bad input gets traceroute6's messages and exit statuses", async (t) => {
  const cases: [string, string][] = [
    ["traceroute6", USAGE],
    ["traceroute6 -Z ::1", `traceroute6: illegal option -- Z\n${USAGE}`],
    ["traceroute6 -m", `traceroute6: option requires an argument -- m\n${USAGE}`],
    ["traceroute6 ::1 20 extra", USAGE],
    ["traceroute6 -m 256 ::1", "traceroute6: invalid max hoplimit.\n"],
    ["traceroute6 -m abc ::1", "traceroute6: invalid max hoplimit.\n"],
    ["traceroute6 -f 300 ::1", "traceroute6: invalid min hoplimit.\n"],
    ["traceroute6 -f 10 -m 5 ::1", "traceroute6: max hoplimit must be larger than first hoplimit.\n"],
    ["traceroute6 -p 0 ::1", "traceroute6: port out of range.\n"],
    ["traceroute6 -p 70000 ::1", "traceroute6: port out of range.\n"],
    ["traceroute6 -p x ::1", "traceroute6: invalid port.\n"],
    ["traceroute6 -q 0 ::1", "traceroute6: nprobes must be >0.\n"],
    ["traceroute6 -q 1x ::1", "traceroute6: invalid nprobes.\n"],
    ["traceroute6 -w 0 ::1", "traceroute6: wait must be >= 1 sec.\n"],
    ["traceroute6 -t 256 ::1", "traceroute6: invalid traffic class.\n"],
    ["traceroute6 nosuchhost", "traceroute6: hostname nor servname provided, or not known\n"],
    ["traceroute6 ::1 12x", "traceroute6: invalid packet length.\n"],
    ["traceroute6 ::1 70000", "traceroute6: packet size must be 8 <= s < 65535.\n"],
    ["traceroute6 -S ::1 30", "traceroute6: packet size must be a multiple of 4.\n"],
  ];
  const script = ["jail -c name=a persist vnet >/dev/null", "jexec a ifconfig lo0 inet6 ::1/128 up"];
  for (const [c] of cases) script.push(`jexec a ${c}`, 'echo "exit $?" >&2');
  const r = await run_script(script.join("\n") + "\n");
  t.is(r.err, cases.map(([, e]) => `${e}exit 1\n`).join(""));
  t.is(r.out, "");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
