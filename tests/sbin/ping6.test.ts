// sbin/ping6.ts (and main.c's choice of family in sbin/ping.ts): ping6's
// output to ::1 and between two jails (global and link-local with a zone),
// the statistics block and exit statuses, -c -i -s -m -S -I -t, the
// `ping -6` and `ping6` names and main.c's messages, and netstat -s -p
// icmp6 counting what went by.  Every run ends with zero outstanding mbufs.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

const JAILS6 = `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
sleep 3
`;

function stats6(host: string, n: number, m: number): string[] {
  const s = ["", `--- ${host} ping6 statistics ---`, `${n} packets transmitted, ${m} packets received, ${(((n - m) * 100) / n).toFixed(1)}% packet loss`];
  if (m > 0) s.push("round-trip min/avg/max/std-dev = 0.000/0.000/0.000/0.000 ms");
  return s;
}

test("ping6: two echoes to ::1 in a jail, hop limit 64, the statistics, exit 0", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
jexec a ifconfig lo0 up
jexec a ping6 -c 2 ::1
echo "exit $?"
`);
  t.is(
    r.out,
    [
      "PING6(56=40+8+8 bytes) ::1 --> ::1",
      "16 bytes from ::1, icmp_seq=0 hlim=64 time=0.000 ms",
      "16 bytes from ::1, icmp_seq=1 hlim=64 time=0.000 ms",
      ...stats6("::1", 2, 2),
      "exit 0",
      "",
    ].join("\n"),
  );
  t.is(r.err, "");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping -6 and ping with an IPv6 target run ping6; -s sets the size", async (t) => {
  const r = await run_script(`${JAILS6}jexec a ping -6 -c 1 -s 100 2001:db8::2
jexec a ping -c 1 2001:db8::2 | head -1
`);
  const lines = r.out.split("\n");
  t.is(lines[0], "PING6(148=40+8+100 bytes) 2001:db8::1 --> 2001:db8::2");
  t.regex(lines[1], /^108 bytes from 2001:db8::2, icmp_seq=0 hlim=64 time=\d+\.\d{3} ms$/);
  t.true(lines.includes("1 packets transmitted, 1 packets received, 0.0% packet loss"));
  t.is(lines[lines.length - 2], "PING6(56=40+8+8 bytes) 2001:db8::1 --> 2001:db8::2");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping6 to a link-local address names the zone; -I picks the interface", async (t) => {
  const r = await run_script(`${JAILS6}ll=$(jexec b ifconfig epair0b inet6 | awk '$2 ~ /^fe80/ {print $2}' | sed 's/%.*//')
jexec a ping6 -c 1 $ll%epair0a | head -2
jexec a ping6 -c 1 -I epair0a ff02::1%epair0a | head -1
`);
  const lines = r.out.split("\n");
  t.regex(lines[0], /^PING6\(56=40\+8\+8 bytes\) fe80::[0-9a-f:]+%epair0a --> fe80::[0-9a-f:]+%epair0a$/);
  t.regex(lines[1], /^16 bytes from fe80::[0-9a-f:]+%epair0a, icmp_seq=0 hlim=64 time=/);
  t.regex(lines[2], /^PING6\(56=40\+8\+8 bytes\) fe80::[0-9a-f:]+%epair0a --> ff02::1%epair0a$/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping6 with no answer exits 2 after -t; -m sets the hop limit", async (t) => {
  const r = await run_script(`${JAILS6}jexec a ping6 -c 2 -m 1 -t 3 2001:db8::99
echo "exit $?"
`);
  const lines = r.out.split("\n");
  t.is(lines[0], "PING6(56=40+8+8 bytes) 2001:db8::1 --> 2001:db8::99");
  t.true(lines.includes("2 packets transmitted, 0 packets received, 100.0% packet loss"));
  t.true(lines.includes("exit 2"));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

// main.c's and ping6.c's messages and statuses for bad usage.
const bad: [string, string, number][] = [
  ["ping -4 -6 ::1", "ping: -4 and -6 cannot be used simultaneously", 1],
  ["ping -6 127.0.0.1", "ping: IPv6 requested but IPv4 target address provided", 1],
  ["ping -4 ::1", "ping: IPv4 requested but IPv6 target address provided", 1],
  ["ping6 127.0.0.1", "ping6: IPv6 requested but IPv4 target address provided", 1],
  ["ping6 -c 0 ::1", "ping6: illegal number of packets -- 0", 1],
  ["ping6 -s 0 ::1", "ping6: illegal datalen value -- 0", 1],
  ["ping6 -s 200000 ::1", "ping6: datalen value too large, maximum is 131024", 1],
  ["ping6 -m 256 ::1", "ping6: illegal hoplimit -- 256", 1],
  ["ping6 -m x ::1", "ping6: illegal hoplimit x", 1],
  ["ping6 -z 300 ::1", "ping6: illegal traffic class -- 300", 1],
  ["ping6 -i x ::1", "ping6: illegal timing interval x", 1],
  ["ping6 -t 0 ::1", "ping6: invalid timeout: `0'", 64],
  ["ping6 -t 3601 ::1", "ping6: invalid timeout: `3601' > 3600", 64],
  ["ping6 -I nosuch0 ::1", "ping6: nosuch0: invalid interface name", 1],
];
for (const [args, msg, status] of bad) {
  test(`${args}: ${msg}`, async (t) => {
    const r = await run_script(`jail -c name=a persist vnet >/dev/null
jexec a ifconfig lo0 up
jexec a ${args}
echo "exit $?"
`);
    t.is(r.err, msg + "\n");
    t.is(r.out, `exit ${status}\n`);
  });
}

test("ping6 with no operand prints both families' usage and exits 1", async (t) => {
  const r = await run_script(`ping6
echo "exit $?"
`);
  t.regex(r.err, /^usage:\n\tping \[-4AaDdfHnoQqRrv\]/);
  t.true(r.err.includes("\tping [-6aADdfHnNoOquvyY] [-b bufsiz] [-c count] [-e gateway]\n"));
  t.true(r.err.endsWith("\t    [-W waittime] [-z tclass] [IPv6-hops ...] IPv6-host\n"));
  t.is(r.out, "exit 1\n");
});

test("netstat -s -p icmp6 counts the echoes and their replies", async (t) => {
  const r = await run_script(`${JAILS6}jexec a ping6 -c 3 2001:db8::2 >/dev/null
jexec b netstat -s -p icmp6
`);
  t.regex(r.out, /^icmp6:\n\t0 calls to icmp6_error\n\t0 errors not generated in response to an icmp6 message\n\t0 errors not generated because of rate limitation\n\tOutput histogram:\n/);
  t.true(r.out.includes("\t\techo reply: 3\n"));
  t.true(r.out.includes("\tInput histogram:\n"));
  t.true(r.out.includes("\t\techo: 3\n"));
  t.true(r.out.includes("\tHistogram of error messages to be generated:\n\t\t0 no route\n"));
  t.true(r.out.includes("\t3 message responses generated\n"));
  t.true(r.out.endsWith("\t0 path MTU changes\n"));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping6 -u -s 1400 across a 1300-byte link: the router's Packet Too Big lowers the sender's path MTU, later echoes are fragmented", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
jail -c name=r persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet r
ifconfig epair1a vnet r
ifconfig epair1b vnet b
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec r ifconfig epair0b inet6 2001:db8::254/64 up
jexec r ifconfig epair1a mtu 1300
jexec r ifconfig epair1a inet6 2001:db8:1::254/64 up
jexec b ifconfig epair1b mtu 1300
jexec b ifconfig epair1b inet6 2001:db8:1::2/64 up
jexec r sysctl net.inet6.ip6.forwarding=1 >/dev/null
jexec a route -n add -6 default 2001:db8::254 >/dev/null
jexec b route -n add -6 default 2001:db8:1::254 >/dev/null
sleep 3
jexec a ping6 -u -c 3 -s 1400 2001:db8:1::2
echo "exit $?"
jexec a netstat -s -p icmp6 | grep -e "path MTU" -e "packet too big"
jexec r netstat -s -p icmp6 | grep -e "packet too big"
jexec a route -n get -6 2001:db8:1::2 | tail -1 | awk '{print $5}'
`);
  const lines = r.out.split("\n");
  t.is(lines[0], "PING6(1448=40+8+1400 bytes) 2001:db8::1 --> 2001:db8:1::2");
  t.regex(lines[1], /^1408 bytes from 2001:db8:1::2, icmp_seq=1 hlim=63 time=\d+\.\d{3} ms$/);
  t.regex(lines[2], /^1408 bytes from 2001:db8:1::2, icmp_seq=2 hlim=63 time=\d+\.\d{3} ms$/);
  t.true(lines.includes("3 packets transmitted, 2 packets received, 33.3% packet loss"));
  t.true(lines.includes("exit 0"));
  // a: received one; r: sent one (Output histogram and error histogram).
  t.is(lines.filter((l) => l === "\t\tpacket too big: 1").length, 2);
  t.true(lines.includes("\t1 path MTU change"));
  t.true(lines.includes("\t\t1 packet too big"));
  t.is(lines[lines.length - 2], "1300");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
