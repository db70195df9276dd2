// sbin/ping.ts: every option of ping(8)'s usage, as FreeBSD 14's ping.c
// does it: what goes on the wire (DF, TOS, TTL, pattern bytes, preloaded
// bursts, multicast TTL), what is printed (-o, -Q, -q, -M, -a, -A, sweeps,
// record route), the socket options it sets, and its messages and exit
// statuses for bad values.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script, TWO_JAILS } from "./prog_helpers.ts";
import { loadKernel } from "../helpers/builds.ts";

const lines = (s: string): string[] => s.split("\n");

/** a - r - b: a on 10.0.0.0/24, b on 10.0.1.0/24, r forwarding between. */
const ROUTED = `jail -c name=a persist vnet >/dev/null
jail -c name=r persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet r
ifconfig epair1a vnet r
ifconfig epair1b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec r ifconfig epair0b 10.0.0.254/24 up
jexec r ifconfig epair1a 10.0.1.254/24 up
jexec b ifconfig epair1b 10.0.1.1/24 up
jexec r sysctl net.inet.ip.forwarding=1 >/dev/null
jexec a route add default 10.0.0.254 >/dev/null
jexec b route add default 10.0.1.254 >/dev/null
`;

/** The statistics block of a run with n requests and m replies. */
function stats(host: string, n: number, m: number, rtt = true): string[] {
  const s = ["", `--- ${host} ping statistics ---`, `${n} packets transmitted, ${m} packets received, ${(((n - m) * 100) / n).toFixed(1)}% packet loss`];
  if (m > 0 && rtt) s.push("round-trip min/avg/max/stddev = 0.000/0.000/0.000/0.000 ms");
  return s;
}

test("ping: SIGINT prints the statistics and exits 0 when replies came back", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
jexec a ifconfig lo0 127.0.0.1/8 up
jexec a ping 127.0.0.1 &
sleep 2
killall -INT ping
wait %1
echo "ping exit $?"
jail -r a
`);
  t.is(
    r.out,
    [
      "PING 127.0.0.1 (127.0.0.1): 56 data bytes",
      "64 bytes from 127.0.0.1: icmp_seq=0 ttl=64 time=0.000 ms",
      "64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.000 ms",
      ...stats("127.0.0.1", 2, 2),
      "ping exit 0",
      "",
    ].join("\n"),
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

// Bad values: the message and the exit status, checked before anything is
// sent (usage() exits 1, errx(EX_USAGE) 64, no such host EX_NOHOST 68).
const bad: [string, string, number][] = [
  ["-c 0 127.0.0.1", "ping: invalid count of packets to transmit: `0'", 64],
  ["-c x 127.0.0.1", "ping: invalid count of packets to transmit: `x'", 64],
  ["-s x 127.0.0.1", "ping: invalid packet size: `x'", 64],
  ["-s 65508 127.0.0.1", "ping: packet size too large: 65508 > 65507", 64],
  ["-R -s 65500 127.0.0.1", "ping: packet size too large: 65500 > 65467", 64],
  ["-z 256 127.0.0.1", "ping: invalid TOS: `256'", 64],
  ["-z 1x 127.0.0.1", "ping: invalid TOS: `1x'", 64],
  ["-m 256 127.0.0.1", "ping: invalid TTL: `256'", 64],
  ["-T x 224.0.0.1", "ping: invalid multicast TTL: `x'", 64],
  ["-t 0 127.0.0.1", "ping: invalid timeout: `0'", 64],
  ["-t 3601 127.0.0.1", "ping: invalid timeout: `3601' > 3600", 64],
  ["-i x 127.0.0.1", "ping: invalid timing interval: `x'", 64],
  ["-W 1s 127.0.0.1", "ping: invalid timing interval: `1s'", 64],
  ["-l x 127.0.0.1", "ping: invalid preload value: `x'", 64],
  ["-C 8 127.0.0.1", "ping: invalid PCP: `8'", 64],
  ["-M x 127.0.0.1", "ping: invalid message: `x'", 64],
  ["-M m -M t 127.0.0.1", "ping: ICMP_TSTAMP and ICMP_MASKREQ are exclusive.", 64],
  ["-I nowhere 224.0.0.1", "ping: invalid multicast interface: `nowhere'", 64],
  ["-p 12zz 127.0.0.1", "ping: patterns must be specified as hex digits", 64],
  ["-f -i 1 127.0.0.1", "ping: -f and -i: incompatible options", 64],
  ["-f 224.0.0.1", "ping: -f flag cannot be used with multicast destination", 64],
  ["-T 2 127.0.0.1", "ping: -I, -L, -T flags cannot be used with unicast destination", 64],
  ["-L 127.0.0.1", "ping: -I, -L, -T flags cannot be used with unicast destination", 64],
  ["-G 10 -g 20 127.0.0.1", "ping: Maximum packet size must be no less than the minimum packet size", 64],
  ["-g 10 127.0.0.1", "ping: Maximum sweep size must be specified", 64],
  ["-G 100 -s 10 127.0.0.1", "ping: Packet size and ping sweep are mutually exclusive", 64],
  ["-G 65500 127.0.0.1", "ping: Invalid sweep maximum", 64],
  ["-G x 127.0.0.1", "ping: invalid packet size: `x'", 64],
  ["-c 1 not.an.address", "ping: Unknown host", 1],
  ["-S nowhere -c 1 127.0.0.1", "ping: cannot resolve nowhere: Unknown host", 68],
];
test("ping: bad values get ping.c's messages and exit statuses", async (t) => {
  const r = await run_script(bad.map(([args]) => `ping ${args}; echo "exit $?"\n`).join(""));
  t.deepEqual(
    lines(r.out).filter((l) => l.startsWith("exit")),
    bad.map(([, , st]) => `exit ${st}`),
  );
  t.deepEqual(lines(r.err).slice(0, -1), bad.map(([, msg]) => msg));
});

test("ping: usage (status 1, both families) for an unknown option, a missing argument, no host; main.c's -4 -6 check", async (t) => {
  const r = await run_script(`ping -Z 127.0.0.1; echo "exit $?"
ping -c; echo "exit $?"
ping; echo "exit $?"
ping -4 -6 ::1; echo "exit $?"
`);
  t.is(r.out, "exit 1\nexit 1\nexit 1\nexit 1\n");
  const usage =
    "usage:\n" +
    "\tping [-4AaDdfHnoQqRrv] [-C pcp] [-c count] [-G sweepmaxsize]\n" +
    "\t    [-g sweepminsize] [-h sweepincrsize] [-i wait] [-l preload]\n" +
    "\t    [-M mask | time] [-m ttl][-p pattern] [-S src_addr] \n" +
    "\t    [-s packetsize] [-t timeout] [-W waittime] [-z tos] IPv4-host\n" +
    "\tping [-4AaDdfHLnoQqRrv] [-C pcp] [-c count] [-I iface] [-i wait]\n" +
    "\t    [-l preload] [-M mask | time] [-m ttl] [-p pattern]\n" +
    "\t    [-S src_addr] [-s packetsize] [-T ttl] [-t timeout] [-W waittime]\n" +
    "            [-z tos] IPv4-mcast-group\n" +
    "\tping [-6aADdfHnNoOquvyY] [-b bufsiz] [-c count] [-e gateway]\n" +
    "            [-I interface] [-i wait] [-k addrtype] [-l preload] [-m hoplimit]\n" +
    "            [-p pattern] [-S sourceaddr] [-s packetsize] [-t timeout]\n" +
    "\t    [-W waittime] [-z tclass] [IPv6-hops ...] IPv6-host\n";
  // main.c's first pass ignores what is not -4 or -6 (so `ping -c` is a
  // usage error, without getopt's complaint); ping.c's getopt names -Z.
  t.is(r.err, `ping: illegal option -- Z\n${usage}${usage}${usage}ping: -4 and -6 cannot be used simultaneously\n`);
});

test("ping as a user without PRIV_NETINET_RAW: the socket fails first (EX_OSERR)", async (t) => {
  const k = await loadKernel("vimage");
  const user = k.proc_create(k.crget(1001, k.prison0), "sh");
  let err = "";
  const st = await k.exec_prog(user, ["ping", "-f", "127.0.0.1"], { stdin: "", stdout: { write: () => {} }, stderr: { write: (s: string) => void (err += s) }, env: new Map() });
  t.is(st, 71);
  t.is(err, "ping: ssend socket: Operation not permitted\n");
});

test("ping -D: the DF bit on the wire; a packet that needs fragmenting is EMSGSIZE from ip_output", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec b tcpdump -n -v -c 2 -i epair0b icmp &
sleep 1
jexec a ping -D -c 1 -z 0x10 -m 9 10.0.0.2 >/dev/null; echo "exit $?"
wait
jexec a ping -D -c 1 -s 1473 10.0.0.2; echo "exit $?"
jexec a ping -c 1 -s 1473 10.0.0.2 >/dev/null; echo "exit $?"
jail -r a b
`,
  );
  const out = lines(r.out);
  t.regex(out[0], /IP \(tos 0x10, ttl 9, id \d+, offset 0, flags \[DF\], proto ICMP \(1\), length 84\)$/);
  t.is(out[1], "    10.0.0.1 > 10.0.0.2: ICMP echo request, id 0, seq 0, length 64".replace("id 0", out[1].match(/id \d+/)?.[0] ?? ""));
  t.regex(out[2], /IP \(tos 0x10, ttl 64, .*length 84\)$/, "the reply keeps the request's TOS");
  t.deepEqual(out.slice(4), ["exit 0", "PING 10.0.0.2 (10.0.0.2): 1473 data bytes", ...stats("10.0.0.2", 1, 0), "exit 2", "exit 0", "a: removed", "b: removed", ""]);
  t.true(r.err.includes("ping: sendto: Message too long\n"));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping -p: the pattern fills the payload after the timestamp", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-ping-"));
  try {
    const pcap = path.join(dir, "p.pcap");
    const r = await run_script(
      TWO_JAILS +
        `jexec b tcpdump -w ${pcap} -c 1 -i epair0b icmp 2>/dev/null &
sleep 1
jexec a ping -c 1 -s 20 -p a1b2c 10.0.0.2
wait
jail -r a b
`,
    );
    t.deepEqual(lines(r.out), ["PATTERN: 0xa1b20c", "PING 10.0.0.2 (10.0.0.2): 20 data bytes", "28 bytes from 10.0.0.2: icmp_seq=0 ttl=64 time=0.000 ms", ...stats("10.0.0.2", 1, 1), "a: removed", "b: removed", ""]);
    const file = fs.readFileSync(pcap);
    // One record: Ethernet (14), IP (20), ICMP (8), timestamp (8), pattern.
    const frame = file.subarray(24 + 16);
    t.is(frame.length, 14 + 20 + 8 + 20);
    t.deepEqual([...frame.subarray(14 + 20 + 8 + 8)], [0xa1, 0xb2, 0x0c, 0xa1, 0xb2, 0x0c, 0xa1, 0xb2, 0x0c, 0xa1, 0xb2, 0x0c]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("ping -o, -q, -S, -n, -H, -v, -d, -C: one reply ends -o; -q prints only the summary", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ping -o 10.0.0.2; echo "exit $?"
jexec a ping -q -c 2 -n -H -v -d -C 3 10.0.0.2; echo "exit $?"
jexec a ping -c 1 -S 10.0.0.1 10.0.0.2; echo "exit $?"
jexec a ping -c 1 -S 10.0.0.9 10.0.0.2; echo "exit $?"
jail -r a b
`,
  );
  t.deepEqual(lines(r.out), [
    "PING 10.0.0.2 (10.0.0.2): 56 data bytes",
    "64 bytes from 10.0.0.2: icmp_seq=0 ttl=64 time=0.000 ms",
    ...stats("10.0.0.2", 1, 1),
    "exit 0",
    "PING 10.0.0.2 (10.0.0.2): 56 data bytes",
    ...stats("10.0.0.2", 2, 2),
    "exit 0",
    "PING 10.0.0.2 (10.0.0.2) from 10.0.0.1: 56 data bytes",
    "64 bytes from 10.0.0.2: icmp_seq=0 ttl=64 time=0.000 ms",
    ...stats("10.0.0.2", 1, 1),
    "exit 0",
    "exit 1",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.is(r.err, "ping: bind: Can't assign requested address\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping -Q hides the ICMP errors about our requests; -r reaches only directly connected hosts", async (t) => {
  const r = await run_script(
    ROUTED +
      `jexec a ping -c 1 -m 1 10.0.1.1; echo "exit $?"
jexec a ping -Q -c 1 -m 1 10.0.1.1; echo "exit $?"
jexec a ping -r -c 1 10.0.1.1; echo "exit $?"
jexec a ping -r -c 1 10.0.0.254 >/dev/null; echo "exit $?"
jail -r a r b
`,
  );
  t.deepEqual(lines(r.out), [
    "PING 10.0.1.1 (10.0.1.1): 56 data bytes",
    "92 bytes from 10.0.0.254: Time to live exceeded",
    "Vr HL TOS  Len   ID Flg  off TTL Pro  cks      Src      Dst",
    lines(r.out)[3],
    // pr_iph's line ends, then pr_pack's: an empty line.
    "",
    ...stats("10.0.1.1", 1, 0),
    "exit 2",
    "PING 10.0.1.1 (10.0.1.1): 56 data bytes",
    ...stats("10.0.1.1", 1, 0),
    "exit 2",
    "PING 10.0.1.1 (10.0.1.1): 56 data bytes",
    ...stats("10.0.1.1", 1, 0),
    "exit 2",
    "exit 0",
    "a: removed",
    "r: removed",
    "b: removed",
    "",
  ]);
  // The quoted header: ours, TTL 1 (Flg and off print as ping.c's ntohl()
  // of a 16-bit field leaves them on a little-endian machine).
  t.regex(lines(r.out)[3], /^ 4  5  00 0054 [0-9a-f]{4}   0 0000  01  01 [0-9a-f]{4} 10\.0\.0\.1  10\.0\.1\.1 $/);
  t.is(r.err, "ping: sendto: Network is unreachable\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping -M time and -M mask: ICMP timestamp and address-mask requests and their replies", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ping -c 1 -M time 10.0.0.2; echo "exit $?"
jexec a ping -q -c 1 -M mask 10.0.0.2; echo "exit $?"
jexec b sysctl net.inet.icmp.maskrepl=1 >/dev/null
jexec a ping -c 1 -M m 10.0.0.2; echo "exit $?"
jexec b sysctl net.inet.icmp.tstamprepl=0 >/dev/null
jexec a ping -q -c 1 -M t 10.0.0.2; echo "exit $?"
jail -r a b
`,
  );
  const out = lines(r.out);
  t.is(out[0], "ICMP_TSTAMP");
  t.is(out[1], "PING 10.0.0.2 (10.0.0.2): 56 data bytes");
  t.regex(out[2], /^76 bytes from 10\.0\.0\.2: icmp_seq=0 ttl=64 time=0\.000 ms tso=\d\d:\d\d:\d\d tsr=\d\d:\d\d:\d\d tst=\d\d:\d\d:\d\d$/);
  t.deepEqual(out.slice(3), [
    ...stats("10.0.0.2", 1, 1),
    "exit 0",
    "PING 10.0.0.2 (10.0.0.2): 56 data bytes",
    ...stats("10.0.0.2", 1, 0),
    "exit 2",
    "ICMP_MASKREQ",
    "PING 10.0.0.2 (10.0.0.2): 56 data bytes",
    "68 bytes from 10.0.0.2: icmp_seq=0 ttl=64 time=0.000 ms mask=255.255.255.0",
    ...stats("10.0.0.2", 1, 1),
    "exit 0",
    "PING 10.0.0.2 (10.0.0.2): 56 data bytes",
    ...stats("10.0.0.2", 1, 0),
    "exit 2",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping -l 3: three requests leave at once, then one a second", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec b tcpdump -n -c 8 -i epair0b icmp 2>/dev/null &
sleep 1
jexec a ping -q -l 3 -c 4 10.0.0.2
wait
jail -r a b
`,
  );
  const req = lines(r.out)
    .filter((l) => l.includes("echo request"))
    .map((l) => `${l.slice(0, 15)} ${/seq \d+/.exec(l)?.[0] ?? ""}`);
  t.deepEqual(req, ["22:13:21.000000 seq 0", "22:13:21.000000 seq 1", "22:13:21.000000 seq 2", "22:13:22.000000 seq 3"]);
  t.true(r.out.includes("4 packets transmitted, 4 packets received, 0.0% packet loss\n"));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping -I and -T to a multicast group: out of the named interface with the multicast TTL", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec b sysctl net.inet.icmp.bmcastecho=1 >/dev/null
jexec b tcpdump -n -v -c 2 -i epair0b icmp &
sleep 1
jexec a ping -c 1 -I 10.0.0.1 -T 5 -L 224.0.0.1; echo "exit $?"
wait
jexec a ping -c 1 -I 10.0.0.9 224.0.0.1; echo "exit $?"
jail -r a b
`,
  );
  const out = lines(r.out);
  t.is(out[0], "PING 224.0.0.1 (224.0.0.1): 56 data bytes");
  t.regex(out[1], /IP \(tos 0x0, ttl 5, .*flags \[none\], proto ICMP \(1\), length 84\)$/);
  t.regex(out[2], /^ {4}10\.0\.0\.1 > 224\.0\.0\.1: ICMP echo request/);
  t.true(out.includes("64 bytes from 10.0.0.2: icmp_seq=0 ttl=64 time=0.000 ms"));
  t.true(out.includes("exit 0"));
  t.true(out.includes("exit 71"));
  t.true(r.err.includes("ping: setsockopt IP_MULTICAST_IF: Can't assign requested address\n"));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping -G -g -h: a sweep of sizes, -c requests per size", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ping -G 60 -g 56 -h 2 -c 2 10.0.0.2; echo "exit $?"
jail -r a b
`,
  );
  t.deepEqual(lines(r.out), [
    "PING 10.0.0.2 (10.0.0.2): (56 ... 60) data bytes",
    "64 bytes from 10.0.0.2: icmp_seq=0 ttl=64 time=0.000 ms",
    "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.000 ms",
    "66 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.000 ms",
    "66 bytes from 10.0.0.2: icmp_seq=3 ttl=64 time=0.000 ms",
    "68 bytes from 10.0.0.2: icmp_seq=4 ttl=64 time=0.000 ms",
    "68 bytes from 10.0.0.2: icmp_seq=5 ttl=64 time=0.000 ms",
    "",
    "--- 10.0.0.2 ping statistics ---",
    "6 packets transmitted, 6 packets received, 0.0% packet loss",
    "round-trip min/avg/max/stddev = 0.000/0.000/0.000/0.000 ms",
    "exit 0",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping -a rings for each reply, -A for each missed one; -s 0 has no times", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ping -a -c 2 -s 0 10.0.0.2
jexec a ping -A -c 2 -t 4 10.0.0.77
jail -r a b
`,
  );
  t.deepEqual(lines(r.out), [
    "PING 10.0.0.2 (10.0.0.2): 0 data bytes",
    "\x078 bytes from 10.0.0.2: icmp_seq=0 ttl=64",
    "\x078 bytes from 10.0.0.2: icmp_seq=1 ttl=64",
    ...stats("10.0.0.2", 2, 2, false),
    "PING 10.0.0.77 (10.0.0.77): 56 data bytes",
    // The second request went out with the first unanswered: one bell.
    "\x07",
    "--- 10.0.0.77 ping statistics ---",
    "2 packets transmitted, 0 packets received, 100.0% packet loss",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

// The socket options behind -I, -T, -L and -C, as ip_ctloutput keeps them.
test("IP_MULTICAST_IF/TTL/LOOP and IP_VLAN_PCP: set, read back, refused values", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_RAW, k.IPPROTO_ICMP);
  t.is(s.error, 0);
  const cases: [number, number | Uint8Array, number, number | Uint8Array | null][] = [
    [k.IP_MULTICAST_TTL, new Uint8Array([5]), 0, 5],
    [k.IP_MULTICAST_TTL, 300, k.EINVAL, 5],
    [k.IP_MULTICAST_LOOP, new Uint8Array([0]), 0, 0],
    [k.IP_MULTICAST_LOOP, 7, 0, 1],
    [k.IP_MULTICAST_IF, new Uint8Array([127, 0, 0, 1]), k.EADDRNOTAVAIL, new Uint8Array([0, 0, 0, 0])],
    [k.IP_MULTICAST_IF, new Uint8Array([0, 0, 0, 0]), 0, new Uint8Array([0, 0, 0, 0])],
    [k.IP_VLAN_PCP, 3, 0, 3],
    [k.IP_VLAN_PCP, 8, k.EINVAL, 3],
    [k.IP_VLAN_PCP, -1, 0, -1],
  ];
  for (const [opt, val, err, back] of cases) {
    t.is(k.sys_setsockopt(p, s.fd, k.IPPROTO_IP, opt, val), err, `set ${opt} ${String(val)}`);
    const g = k.sys_getsockopt(p, s.fd, k.IPPROTO_IP, opt);
    t.is(g.error, 0);
    t.deepEqual(g.val, back, `get ${opt}`);
  }
  k.sys_close(p, s.fd);
});

// -C puts IP_VLAN_PCP on the socket; ip_output carries it to the link
// layer, which priority-tags the frame (VID 0) or writes it into a vlan's
// tag.  tcpdump in the receiving jail shows the tags.
test("ping -C: the priority reaches the wire, priority-tagged on Ethernet and in a vlan's own tag; replies are untagged", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-ping-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, "t.out");
  const r = await run_script(
    TWO_JAILS +
      `jexec a ifconfig vlan create vlandev epair0a vlan 9 >/dev/null
jexec a ifconfig vlan0 10.9.0.1/24 vlanpcp 2 up
jexec b ifconfig epair0b.9 create 10.9.0.2/24 up >/dev/null
jexec b tcpdump -e -n -l -i epair0b -c 4 icmp or \\( vlan and icmp \\) > ${out} 2>/dev/null &
jexec a ping -C 5 -c 1 -q 10.0.0.2 >/dev/null
jexec a ping -C 7 -c 1 -q 10.9.0.2 >/dev/null; echo "exit $?"
wait
sed -e 's/^[^ ]* //' -e 's/, id [0-9]*//' -e 's/[0-9a-f:]\\{17\\} > [0-9a-f:]\\{17\\}, //' ${out}
`,
  );
  t.is(r.err, "");
  t.deepEqual(lines(r.out), [
    "exit 0",
    "ethertype 802.1Q (0x8100), length 102: vlan 0, p 5, ethertype IPv4 (0x0800), 10.0.0.1 > 10.0.0.2: ICMP echo request, seq 0, length 64",
    "ethertype IPv4 (0x0800), length 98: 10.0.0.2 > 10.0.0.1: ICMP echo reply, seq 0, length 64",
    "ethertype 802.1Q (0x8100), length 102: vlan 9, p 7, ethertype IPv4 (0x0800), 10.9.0.1 > 10.9.0.2: ICMP echo request, seq 0, length 64",
    "ethertype 802.1Q (0x8100), length 102: vlan 9, p 0, ethertype IPv4 (0x0800), 10.9.0.2 > 10.9.0.1: ICMP echo reply, seq 0, length 64",
    "",
  ]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
