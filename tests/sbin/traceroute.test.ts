// sbin/traceroute.ts: FreeBSD 14's traceroute through a chain of router
// jails: the hops and the destination, `* * *` for a router whose ICMP
// errors die on the way back, -I, -n against names, -m, -f, -q, -P, the
// "!" of a reply that arrives with TTL 1, and traceroute's own messages
// and exit statuses for bad input.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script } from "./prog_helpers.ts";

/** a - r1 - r2 - r3 - b: 10.0.0.0/24 ... 10.0.3.0/24, b is 10.0.3.2. */
const CHAIN = `jail -c name=a persist vnet >/dev/null
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
jexec a ifconfig lo0 127.0.0.1/8 up
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec r1 ifconfig epair0b 10.0.0.254/24 up
jexec r1 ifconfig epair1a 10.0.1.1/24 up
jexec r2 ifconfig epair1b 10.0.1.2/24 up
jexec r2 ifconfig epair2a 10.0.2.1/24 up
jexec r3 ifconfig epair2b 10.0.2.2/24 up
jexec r3 ifconfig epair3a 10.0.3.1/24 up
jexec b ifconfig epair3b 10.0.3.2/24 up
jexec r1 sysctl net.inet.ip.forwarding=1 >/dev/null
jexec r2 sysctl net.inet.ip.forwarding=1 >/dev/null
jexec r3 sysctl net.inet.ip.forwarding=1 >/dev/null
jexec a route add default 10.0.0.254 >/dev/null
jexec r1 route add default 10.0.1.2 >/dev/null
jexec r2 route add 10.0.0.0/24 10.0.1.1 >/dev/null
jexec r2 route add default 10.0.2.2 >/dev/null
jexec r3 route add default 10.0.2.1 >/dev/null
jexec b route add default 10.0.3.1 >/dev/null
`;

const hop = (n: number, addr: string, numeric: boolean, q = 3): string => `${String(n).padStart(2)}  ${numeric ? addr : `${addr} (${addr})`}${"  0.000 ms".repeat(q)}`;

test("traceroute: three routers and the destination, UDP and -I, names and -n, a silent router, -m", async (t) => {
  const r = await run_script(
    CHAIN +
      `jexec a traceroute 10.0.3.2
echo "exit $?"
jexec a traceroute -n -I 10.0.3.2
echo "exit $?"
jexec a traceroute -q 1 127.0.0.1
echo "exit $?"
jexec r2 sysctl net.inet.ip.ttl=1 >/dev/null
jexec a traceroute -n -w 2 10.0.3.2
echo "exit $?"
jexec a traceroute -n -m 2 -q 2 -w 1 10.0.3.2
echo "exit $?"
jexec a traceroute -n -f 3 -P tcp -m 4 -q 1 -w 1 10.0.3.2
echo "exit $?"
jexec r2 sysctl net.inet.ip.ttl=64 >/dev/null
jexec b sysctl net.inet.ip.ttl=4 >/dev/null
jexec a traceroute -n -f 4 -q 1 10.0.3.2
echo "exit $?"
`,
  );
  t.is(
    r.out,
    [
      hop(1, "10.0.0.254", false),
      hop(2, "10.0.1.2", false),
      hop(3, "10.0.2.2", false),
      hop(4, "10.0.3.2", false),
      "exit 0",
      hop(1, "10.0.0.254", true),
      hop(2, "10.0.1.2", true),
      hop(3, "10.0.2.2", true),
      hop(4, "10.0.3.2", true),
      "exit 0",
      " 1  localhost (127.0.0.1)  0.000 ms",
      "exit 0",
      hop(1, "10.0.0.254", true),
      " 2  * * *",
      hop(3, "10.0.2.2", true),
      hop(4, "10.0.3.2", true),
      "exit 0",
      hop(1, "10.0.0.254", true, 2),
      " 2  * *",
      "exit 0",
      // A TCP SYN probe: the routers quote it; the destination answers
      // with a RST traceroute never hears.
      hop(3, "10.0.2.2", true, 1),
      " 4  *",
      "exit 0",
      // b's answer leaves with TTL 4 and arrives with 1.
      " 4  10.0.3.2  0.000 ms !",
      "exit 0",
    ].join("\n") + "\n",
  );
  t.is(
    r.err,
    [
      "traceroute to 10.0.3.2 (10.0.3.2), 64 hops max, 40 byte packets",
      "traceroute to 10.0.3.2 (10.0.3.2), 64 hops max, 48 byte packets",
      "traceroute to 127.0.0.1 (127.0.0.1), 64 hops max, 40 byte packets",
      "traceroute to 10.0.3.2 (10.0.3.2), 64 hops max, 40 byte packets",
      "traceroute to 10.0.3.2 (10.0.3.2), 2 hops max, 40 byte packets",
      "traceroute to 10.0.3.2 (10.0.3.2), 4 hops max, 40 byte packets",
      "traceroute to 10.0.3.2 (10.0.3.2), 64 hops max, 40 byte packets",
    ].join("\n") + "\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("traceroute: -s, -i and a packet length, an unreachable host (!H), no route at all", async (t) => {
  const r = await run_script(
    CHAIN +
      `jexec a traceroute -n -q 1 -s 10.0.0.1 10.0.3.2 60
echo "exit $?"
jexec a traceroute -n -q 1 -i epair0a 10.0.3.2
echo "exit $?"
jexec r1 route delete default >/dev/null
jexec a traceroute -n -w 1 10.0.9.9
echo "exit $?"
jexec a route delete default >/dev/null
jexec a traceroute -n 10.0.9.9
echo "exit $?"
jexec a traceroute -n -s 10.9.9.9 10.0.0.254
echo "exit $?"
jexec a traceroute -i nosuch0 10.0.0.254
echo "exit $?"
`,
  );
  t.is(
    r.out,
    [
      " 1  10.0.0.254  0.000 ms",
      " 2  10.0.1.2  0.000 ms",
      " 3  10.0.2.2  0.000 ms",
      " 4  10.0.3.2  0.000 ms",
      "exit 0",
      " 1  10.0.0.254  0.000 ms",
      " 2  10.0.1.2  0.000 ms",
      " 3  10.0.2.2  0.000 ms",
      " 4  10.0.3.2  0.000 ms",
      "exit 0",
      // r1 has no route on: host unreachable from it, which ends the run.
      " 1  10.0.0.254  0.000 ms  0.000 ms  0.000 ms",
      " 2  10.0.0.254  0.000 ms !H  0.000 ms !H  0.000 ms !H",
      "exit 0",
      "exit 1",
      "exit 1",
      "exit 1",
    ].join("\n") + "\n",
  );
  t.is(
    r.err,
    [
      "traceroute to 10.0.3.2 (10.0.3.2) from 10.0.0.1, 64 hops max, 60 byte packets",
      "traceroute to 10.0.3.2 (10.0.3.2), 64 hops max, 40 byte packets",
      "traceroute to 10.0.9.9 (10.0.9.9), 64 hops max, 40 byte packets",
      "traceroute: findsaddr: failed to connect to peer for src addr selection.",
      "traceroute: bind: Can't assign requested address",
      "traceroute: Can't find interface nosuch0",
    ].join("\n") + "\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

/** a =(ng_pipe, 10 ms each way)= r - b: a is 10.0.0.1, b is 10.0.1.1. */
const PIPE_PATH = `jail -c name=a vnet persist >/dev/null
jail -c name=r vnet persist >/dev/null
jail -c name=b vnet persist >/dev/null
ngctl mkpeer . eiface e ether
ngctl mkpeer . eiface e ether
ngctl mkpeer ngeth0: pipe ether upper
ngctl name ngeth0:ether link
ngctl connect link: ngeth1: lower ether
ngctl msg link: setcfg "{ delay=10000 }"
ifconfig ngeth0 vnet a
ifconfig ngeth1 vnet r
ifconfig epair create >/dev/null
ifconfig epair0a vnet r
ifconfig epair0b vnet b
jexec a ifconfig ngeth0 inet 10.0.0.1/24 up
jexec r ifconfig ngeth1 inet 10.0.0.254/24 up
jexec r ifconfig epair0a 10.0.1.254/24 up
jexec b ifconfig epair0b 10.0.1.1/24 up
jexec r sysctl net.inet.ip.forwarding=1 >/dev/null
jexec a route add default 10.0.0.254 >/dev/null
jexec b route add default 10.0.1.254 >/dev/null
`;

test("traceroute: round-trip times in virtual time over a 10 ms ng_pipe link", async (t) => {
  const r = await run_script(PIPE_PATH + "jexec a traceroute -n 10.0.1.1\njexec a traceroute -n -I -z 500 10.0.1.1\n");
  t.is(r.status, 0, r.err);
  t.is(
    r.out,
    [
      // The first probe waits for ARP across the link.
      " 1  10.0.0.254  30.000 ms  20.000 ms  20.000 ms",
      " 2  10.0.1.1  20.000 ms  20.000 ms  20.000 ms",
      " 1  10.0.0.254  20.000 ms  20.000 ms  20.000 ms",
      " 2  10.0.1.1  20.000 ms  20.000 ms  20.000 ms",
    ].join("\n") + "\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("traceroute -A: each hop's AS from a whois server speaking RADB's protocol over TCP", async (t) => {
  // The server answers one query ("A<bytes>", the route object, "C") and
  // prints what it was sent: "!!" to keep the connection, the query, "!q".
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-traceroute-"));
  const r = await run_script(
    CHAIN +
      `printf 'A20\norigin:     AS65001\nC\n' | jexec b nc -l 43 > whois.log &
sleep 1
jexec a traceroute -n -q 1 -m 1 -A 10.0.3.2 10.0.3.2
echo "exit $?"
wait
cat whois.log
jexec a traceroute -n -q 1 -m 1 -a 10.0.3.2
`,
    { cwd: dir },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  t.is(r.out, [" 1  [AS65001] 10.0.0.254  0.000 ms", "exit 0", "!!", "!r10.0.0.254/32,l", "!q", " 1  10.0.0.254  0.000 ms"].join("\n") + "\n");
  t.is(
    r.err,
    [
      // /etc/services has whois (43/tcp), so no warning about it.
      "traceroute to 10.0.3.2 (10.0.3.2), 1 hops max, 40 byte packets",
      // No resolver: RADB's name is unknown and AS lookups are off.
      "traceroute: whois.radb.net: hostname nor servname provided, or not known",
      "traceroute: as_setup failed, AS# lookups disabled",
      "traceroute to 10.0.3.2 (10.0.3.2), 1 hops max, 40 byte packets",
    ].join("\n") + "\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

const USAGE =
  "Version 1.4a12+FreeBSD\n" +
  "Usage: traceroute [-adDeFInrSvx] [-f first_ttl] [-g gateway] [-i iface]\n" +
  "\t[-m max_ttl] [-p port] [-P proto] [-q nqueries] [-s src_addr]\n" +
  "\t[-t tos] [-w waittime] [-A as_server] [-z pausemsecs] host [packetlen]\n";

test("traceroute: bad input gets traceroute's messages and exit status 1", async (t) => {
  const cases: [string, string][] = [
    ["traceroute", USAGE],
    ["traceroute -Z 10.0.0.1", USAGE],
    ["traceroute -m", USAGE],
    ["traceroute 10.0.0.1 40 extra", USAGE],
    ["traceroute -m 0 10.0.0.1", "traceroute: max ttl must be > 0\n"],
    ["traceroute -m 300 10.0.0.1", "traceroute: max ttl must be <= 255\n"],
    ["traceroute -m abc 10.0.0.1", 'traceroute: "abc" bad value for max ttl \n'],
    ["traceroute -m 0x10x 10.0.0.1", 'traceroute: "0x10x" bad value for max ttl \n'],
    ["traceroute -q 0 10.0.0.1", "traceroute: nprobes must be > 0\n"],
    ["traceroute -w 0 10.0.0.1", "traceroute: wait time must be > 0\n"],
    ["traceroute -p 70000 10.0.0.1", "traceroute: port must be <= 65535\n"],
    ["traceroute -t 256 10.0.0.1", "traceroute: tos must be <= 255\n"],
    ["traceroute -z -1 10.0.0.1", "traceroute: pause msecs must be >= 0\n"],
    ["traceroute -f 10 -m 5 10.0.0.1", "traceroute: first ttl (10) may not be greater than max ttl (5)\n"],
    ["traceroute -P nosuchproto 10.0.0.1", 'traceroute: "nosuchproto" bad value for proto number \n'],
    ["traceroute nosuchhost", "traceroute: unknown host nosuchhost\n"],
    ["traceroute 10.0.0.1 20", "traceroute: packet length must be > 27\n"],
    ["traceroute 10.0.0.1 40000", "traceroute: packet length must be <= 32768\n"],
    ["traceroute -P sctp 10.0.0.1 42", "traceroute: packet length must be a multiple of 4\n"],
  ];
  const script = ["jail -c name=a persist vnet >/dev/null", "jexec a ifconfig lo0 127.0.0.1/8 up"];
  for (const [c] of cases) script.push(`jexec a ${c}`, 'echo "exit $?" >&2');
  const r = await run_script(script.join("\n") + "\n");
  t.is(r.err, cases.map(([, e]) => `${e}exit 1\n`).join(""));
  t.is(r.out, "");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
