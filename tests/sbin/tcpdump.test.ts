// sbin/tcpdump.ts: captures through bpf, pcap savefiles, the one-line
// decode of tcpdump 4.99 (print-ether.c, print-arp.c, print-ip.c,
// print-icmp.c, print-udp.c, print-ip6.c, print-icmp6.c) and its messages,
// compared line by line.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import fc from "fast-check";
import { needs } from "../helpers/tools.ts";
import { run_script, split_macs, SHOW_MACS, TWO_JAILS } from "./prog_helpers.ts";
import { frames6, pcap } from "./pcap6_helpers.ts";

const lines = (s: string) => s.split("\n");
/** ping's ICMP id is its pid: the decode is compared with it left out. */
const noid = (s: string) => s.replace(/, id \d+, seq/g, ", id ID, seq");

const LISTENING_QUIET = "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n";
const listening = (ifname: string, dlt = "EN10MB (Ethernet)") => `listening on ${ifname}, link-type ${dlt}, snapshot length 262144 bytes\n`;
const stats = (captured: number, received: number) =>
  `${captured} packet${captured === 1 ? "" : "s"} captured\n${received} packet${received === 1 ? "" : "s"} received by filter\n0 packets dropped by kernel\n`;

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "tcpdump-"));
}

test("tcpdump -n -c: ARP and ICMP echo decoded, then the counts on stderr", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `${SHOW_MACS}jexec a tcpdump -n -i epair0a -c 6 &
sleep 1
jexec a ping -c 2 10.0.0.2 >/dev/null
wait
jail -r a b
`,
  );
  const { b, rest } = split_macs(r.out);
  // The virtual clock starts at 1700000000 (22:13:20 UTC); ping starts a second later.
  t.deepEqual(lines(noid(rest)), [
    "22:13:21.000000 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28",
    `22:13:21.000000 ARP, Reply 10.0.0.2 is-at ${b}, length 28`,
    "22:13:21.000000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id ID, seq 0, length 64",
    "22:13:21.000000 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id ID, seq 0, length 64",
    "22:13:22.000000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id ID, seq 1, length 64",
    "22:13:22.000000 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id ID, seq 1, length 64",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.is(r.err, LISTENING_QUIET + listening("epair0a") + stats(6, 6));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("tcpdump -e -t, and without -n: link headers, Broadcast and oui names", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `${SHOW_MACS}jexec b tcpdump -e -t -i epair0b -c 4 &
sleep 1
jexec a ping -c 1 10.0.0.2 >/dev/null
wait
jail -r a b
`,
  );
  const { a, b, rest } = split_macs(r.out);
  const oa = `${a} (oui Unknown)`;
  const ob = `${b} (oui Unknown)`;
  t.deepEqual(lines(noid(rest)), [
    `${oa} > Broadcast, ethertype ARP (0x0806), length 42: Request who-has 10.0.0.2 tell 10.0.0.1, length 28`,
    `${ob} > ${oa}, ethertype ARP (0x0806), length 42: Reply 10.0.0.2 is-at ${ob}, length 28`,
    `${oa} > ${ob}, ethertype IPv4 (0x0800), length 98: 10.0.0.1 > 10.0.0.2: ICMP echo request, id ID, seq 0, length 64`,
    `${ob} > ${oa}, ethertype IPv4 (0x0800), length 98: 10.0.0.2 > 10.0.0.1: ICMP echo reply, id ID, seq 0, length 64`,
    "a: removed",
    "b: removed",
    "",
  ]);
  t.is(r.err, LISTENING_QUIET + listening("epair0b") + stats(4, 4));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

/** tcpdump -w in a, while a pings b twice; then -r reads the file back. */
const WRITE_READ = (dir: string) =>
  `PWD=${dir}\n` +
  TWO_JAILS +
  `jexec a tcpdump -i epair0a -w cap.pcap &
sleep 1
jexec a ping -c 2 10.0.0.2 >/dev/null
wait
jexec a tcpdump -n -r cap.pcap
jexec a tcpdump -n -r cap.pcap -c 1 arp
jail -r a b
`;

test("tcpdump -w writes a pcap savefile that -r reads back; no -c ends when the run goes quiet", async (t) => {
  const dir = tmpdir();
  const r = await run_script(WRITE_READ(dir));
  const file = fs.readFileSync(path.join(dir, "cap.pcap"));
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  // The pcap global header: magic, version 2.4, snaplen, LINKTYPE_ETHERNET.
  t.is(dv.getUint32(0, true), 0xa1b2c3d4);
  t.is(dv.getUint16(4, true), 2);
  t.is(dv.getUint16(6, true), 4);
  t.is(dv.getUint32(16, true), 262144);
  t.is(dv.getUint32(20, true), 1);
  const recs: { sec: number; usec: number; caplen: number; len: number }[] = [];
  for (let off = 24; off < file.length; ) {
    const caplen = dv.getUint32(off + 8, true);
    recs.push({ sec: dv.getUint32(off, true), usec: dv.getUint32(off + 4, true), caplen, len: dv.getUint32(off + 12, true) });
    off += 16 + caplen;
  }
  t.deepEqual(
    recs.map((x) => [x.sec - 1700000000, x.usec, x.caplen, x.len]),
    [
      [1, 0, 42, 42],
      [1, 0, 42, 42],
      [1, 0, 98, 98],
      [1, 0, 98, 98],
      [2, 0, 98, 98],
      [2, 0, 98, 98],
    ],
  );
  t.deepEqual(lines(noid(r.out)).slice(0, 7), [
    "22:13:21.000000 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28",
    lines(r.out)[1],
    "22:13:21.000000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id ID, seq 0, length 64",
    "22:13:21.000000 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id ID, seq 0, length 64",
    "22:13:22.000000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id ID, seq 1, length 64",
    "22:13:22.000000 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id ID, seq 1, length 64",
    "22:13:21.000000 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28",
  ]);
  t.regex(lines(r.out)[1], /^22:13:21\.000000 ARP, Reply 10\.0\.0\.2 is-at [0-9a-f:]{17}, length 28$/);
  // -w announces itself on one line; the counts follow the capture's end.
  t.is(
    r.err,
    "tcpdump: " +
      listening("epair0a") +
      stats(6, 6) +
      "reading from file cap.pcap, link-type EN10MB (Ethernet), snapshot length 262144\n" +
      "reading from file cap.pcap, link-type EN10MB (Ethernet), snapshot length 262144\n",
  );
  fs.rmSync(dir, { recursive: true });
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

// A tool nobody here wrote reads the savefile too.
needs("tshark").test("tcpdump -w: tshark decodes the savefile", async (t) => {
  const dir = tmpdir();
  const r = await run_script(WRITE_READ(dir));
  const ts = spawnSync("tshark", ["-r", path.join(dir, "cap.pcap"), "-T", "fields", "-e", "frame.protocols"], { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true });
  t.is(ts.status, 0, ts.error?.message ?? ts.stderr);
  t.deepEqual(lines(ts.stdout.trim()), ["eth:ethertype:arp", "eth:ethertype:arp", "eth:ethertype:ip:icmp:data", "eth:ethertype:ip:icmp:data", "eth:ethertype:ip:icmp:data", "eth:ethertype:ip:icmp:data"]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("tcpdump: UDP, an ICMP port unreachable quoting it, and a filter expression", async (t) => {
  const setup = await run_script(TWO_JAILS);
  const k = setup.k;
  let out = "";
  let err = "";
  const io = { stdin: "", stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (err += s) }, env: new Map<string, string>() };
  const root = k.proc_create(k.cred0, "sh");
  // Started first, so bpf is attached before anything is sent.
  const all = k.exec_prog(root, ["jexec", "b", "tcpdump", "-n", "-i", "epair0b", "-c", "4"], io);
  const onlyudp = k.exec_prog(root, ["jexec", "a", "tcpdump", "-n", "-t", "-i", "epair0a", "-c", "1", "udp", "and", "dst", "port", "9"], io);
  const p = k.proc_create(k.cred0, "udp");
  const jid = k.prison_find_name("a")?.pr_id ?? -1;
  t.is(k.sys_jail_attach_proc(p, jid), 0);
  const s = k.sys_socket(p, k.AF_INET, k.SOCK_DGRAM, 0);
  t.is(s.error, 0);
  t.is(k.sys_bind(p, s.fd, new k.sockaddr_in(0, 5555)), 0);
  t.is(k.sys_sendto(p, s.fd, new TextEncoder().encode("hello"), 0, new k.sockaddr_in(0x0a000002, 9)).error, 0);
  t.is(await all, 0);
  t.is(await onlyudp, 0);
  k.sys_close(p, s.fd);
  k.proc_exit(p);
  const b_lines = lines(out).filter((l) => l.startsWith("22:"));
  t.deepEqual(b_lines, [
    "22:13:20.000000 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28",
    b_lines[1],
    "22:13:20.000000 IP 10.0.0.1.5555 > 10.0.0.2.9: UDP, length 5",
    "22:13:20.000000 IP 10.0.0.2 > 10.0.0.1: ICMP 10.0.0.2 udp port 9 unreachable, length 41",
  ]);
  t.true(lines(out).includes("IP 10.0.0.1.5555 > 10.0.0.2.9: UDP, length 5"));
  // The filter runs in the kernel (BIOCSETF): what it refused was still received.
  t.true(err.includes(stats(4, 4)), err);
  t.true(err.includes(stats(1, 4)), err);
  t.is(await k.exec_prog(root, ["jail", "-r", "a"], io), 0);
  t.is(await k.exec_prog(root, ["jail", "-r", "b"], io), 0);
  k.proc_exit(root);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("tcpdump on lo0: the BSD loopback link type", async (t) => {
  const r = await run_script(
    `jail -c name=a persist vnet >/dev/null
jexec a ifconfig lo0 127.0.0.1/8 up
jexec a tcpdump -n -e -i lo0 -c 2 &
sleep 1
jexec a ping -c 1 127.0.0.1 >/dev/null
wait
jail -r a
`,
  );
  // jail -r of one jail named on the command line says nothing (jail.c's
  // note_remove).
  t.deepEqual(lines(noid(r.out)), [
    "22:13:21.000000 AF IPv4 (2), length 88: 127.0.0.1 > 127.0.0.1: ICMP echo request, id ID, seq 0, length 64",
    "22:13:21.000000 AF IPv4 (2), length 88: 127.0.0.1 > 127.0.0.1: ICMP echo reply, id ID, seq 0, length 64",
    "",
  ]);
  t.is(r.err, LISTENING_QUIET + listening("lo0", "NULL (BSD loopback)") + stats(2, 2));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("tcpdump: the interface going away ends the capture with pcap_loop's error", async (t) => {
  const r = await run_script(`ifconfig epair create >/dev/null\ntcpdump -n -i epair0a &\nsleep 1\nifconfig epair0a destroy\nwait $!; echo "status $?"\n`);
  t.is(r.out, "status 1\n");
  t.is(r.err, LISTENING_QUIET + listening("epair0a") + "tcpdump: pcap_loop: The interface disappeared\n" + stats(0, 0));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

const USAGE = `tcpdump version 4.99.4
libpcap version 1.10.4
OpenSSL 3.0.10 1 Aug 2023
Usage: tcpdump [-AbdDefhHIJKlLnNOpqStuUvxX#] [ -B size ] [ -c count ] [--count]
\t\t[ -C file_size ] [ -E algo:secret ] [ -F file ] [ -G seconds ]
\t\t[ -i interface ] [ --immediate-mode ] [ -j tstamptype ]
\t\t[ -M secret ] [ --number ] [ --print ] [ -Q in|out|inout ]
\t\t[ -r file ] [ -s snaplen ] [ -T type ] [ --version ]
\t\t[ -V file ] [ -w file ] [ -W filecount ] [ -y datalinktype ]
\t\t[ --time-stamp-precision precision ] [ --micro ] [ --nano ]
\t\t[ -z postrotate-command ] [ -Z user ] [ expression ]
`;

test("tcpdump: wrong arguments give tcpdump's and libpcap's messages, status 1", async (t) => {
  const r = await run_script(
    `ifconfig epair create >/dev/null
tcpdump -i epair9a; echo "status $?"
tcpdump -i epair0a -c 0; echo "status $?"
tcpdump -i epair0a -s big; echo "status $?"
tcpdump -k; echo "status $?"
tcpdump -i; echo "status $?"
tcpdump -i epair0a -w /nonexistent/dir/f.pcap; echo "status $?"
tcpdump -r /nonexistent/f.pcap; echo "status $?"
tcpdump -i epair0a icmp and; echo "status $?"
ifconfig epair0a destroy
`,
  );
  t.is(r.out, "status 1\n".repeat(8));
  t.is(
    r.err,
    "tcpdump: epair9a: No such device exists\n(BIOCSETIF failed: Device not configured)\n" +
      "tcpdump: invalid packet count 0\n" +
      "tcpdump: invalid snaplen big\n" +
      "tcpdump: illegal option -- k\n" +
      USAGE +
      "tcpdump: option requires an argument -- i\n" +
      USAGE +
      "tcpdump: /nonexistent/dir/f.pcap: No such file or directory\n" +
      "tcpdump: /nonexistent/f.pcap: No such file or directory\n" +
      "tcpdump: can't parse filter expression: syntax error\n",
  );
});

test("tcpdump needs PRIV_NET_BPF to open /dev/bpf", async (t) => {
  const r = await run_script("ifconfig epair create >/dev/null\n");
  const k = r.k;
  let err = "";
  const io = { stdin: "", stdout: { write: () => {} }, stderr: { write: (s: string) => void (err += s) }, env: new Map<string, string>() };
  const user = k.proc_create(k.crget(1001, k.prison0), "sh");
  t.is(await k.exec_prog(user, ["tcpdump", "-i", "epair0a"], io), 1);
  k.proc_exit(user);
  t.is(err, "tcpdump: epair0a: You don't have permission to capture on that device\n((cannot open device) /dev/bpf: Permission denied)\n");
});

// ---------------------------------------------------------------------------
// IPv6 (print-ip6.c and friends), from pcaps built from bytes: the expected
// lines are what tcpdump 4.99 prints for them (checked against the host's
// tcpdump below when it is installed).


const EXPECT6_N = [
  "00:16:40.000000 IP6 fe80::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has fe80::2, length 32",
  "00:16:41.000000 IP6 fe80::2 > fe80::1: ICMP6, neighbor advertisement, tgt is fe80::2, length 32",
  "00:16:42.000000 IP6 :: > ff02::1:ff00:1: ICMP6, neighbor solicitation, who has fe80::1, length 24",
  "00:16:43.000000 IP6 fe80::1 > ff02::2: ICMP6, router solicitation, length 16",
  "00:16:44.000000 IP6 fe80::2 > ff02::1: ICMP6, router advertisement, length 64",
  "00:16:45.000000 IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id 4660, seq 0, length 64",
  "00:16:46.000000 IP6 2001:db8::2 > 2001:db8::1: ICMP6, echo reply, id 4660, seq 0, length 64",
  "00:16:47.000000 IP6 2001:db8::1.7777 > 2001:db8::2.9999: UDP, length 11",
  "00:16:48.000000 IP6 fe80::1 > ff02::16: HBH ICMP6, multicast listener report v2, 2 group record(s), length 64",
  "00:16:49.000000 IP6 fe80::1 > ff02::1:ff00:1: HBH ICMP6, multicast listener reportmax resp delay: 0 addr: ff02::1:ff00:1, length 24",
  "00:16:50.000000 IP6 2001:db8::1 > 2001:db8::2: frag (0|1448) 1000 > 2000: UDP, length 3000",
  "00:16:51.000000 IP6 2001:db8::1 > 2001:db8::2: frag (1448|1448)",
  "00:16:52.000000 IP6 2001:db8::1 > 2001:db8::2: frag (2896|112)",
  "00:16:53.000000 IP6 2001:db8::1 > 2001:db8::2: DSTOPT 1 > 2: UDP, length 4",
  "00:16:54.000000 IP6 fe80::2 > fe80::1: ICMP6, redirect, 2001:db8:2::5 to fe80::3, length 48",
  "00:16:55.000000 IP6 2001:db8::1 > 2001:db8::2: ICMP6, destination unreachable, unreachable port, 2001:db8::1 udp port 6000, length 61",
  "00:16:56.000000 IP6 2001:db8::2 > 2001:db8::1: ICMP6, packet too big, mtu 1280, length 156",
  "00:16:57.000000 IP6 2001:db8::2 > 2001:db8::1: ICMP6, time exceeded in-transit for 2001:db8:9::1, length 156",
  "00:16:58.000000 IP6 2001:db8::2 > 2001:db8::1: ICMP6, parameter problem, next header - octet 40, length 156",
  "00:16:59.000000 IP6 2001:db8::1.1 > 2001:db8::2.2: UDP, length 3",
  "00:17:00.000000 IP6 2001:db8::1 > 2001:db8::2: no next header",
];

const EXPECT6_V_HEAD = [
  "00:16:40.000000 IP6 (hlim 255, next-header ICMPv6 (58) payload length: 32) fe80::1 > ff02::1:ff00:2: [icmp6 sum ok] ICMP6, neighbor solicitation, length 32, who has fe80::2",
  "\t  source link-address option (1), length 8 (1): 02:00:00:00:00:01",
  "00:16:41.000000 IP6 (hlim 255, next-header ICMPv6 (58) payload length: 32) fe80::2 > fe80::1: [icmp6 sum ok] ICMP6, neighbor advertisement, length 32, tgt is fe80::2, Flags [solicited, override]",
  "\t  destination link-address option (2), length 8 (1): 02:00:00:00:00:02",
  "00:16:42.000000 IP6 (hlim 255, next-header ICMPv6 (58) payload length: 24) :: > ff02::1:ff00:1: [icmp6 sum ok] ICMP6, neighbor solicitation, length 24, who has fe80::1",
  "00:16:43.000000 IP6 (hlim 255, next-header ICMPv6 (58) payload length: 16) fe80::1 > ff02::2: [icmp6 sum ok] ICMP6, router solicitation, length 16",
  "\t  source link-address option (1), length 8 (1): 02:00:00:00:00:01",
  "00:16:44.000000 IP6 (hlim 255, next-header ICMPv6 (58) payload length: 64) fe80::2 > ff02::1: [icmp6 sum ok] ICMP6, router advertisement, length 64",
  "\thop limit 64, Flags [none], pref medium, router lifetime 1800s, reachable time 0ms, retrans timer 0ms",
  "\t  source link-address option (1), length 8 (1): 02:00:00:00:00:02",
  "\t  mtu option (5), length 8 (1):  1500",
  "\t  prefix info option (3), length 32 (4): 2001:db8:1::/64, Flags [onlink, auto], valid time 2592000s, pref. time 604800s",
];

function savefile6(): string {
  const dir = tmpdir();
  const file = path.join(dir, "v6.pcap");
  fs.writeFileSync(file, pcap(frames6()));
  return file;
}

test("tcpdump -r: IPv6, ICMPv6 with ND and MLD, UDP, fragments and extension headers as tcpdump 4.99 prints them", async (t) => {
  const file = savefile6();
  const r = await run_script(`tcpdump -n -r ${file}\n`);
  t.deepEqual(lines(r.out), [...EXPECT6_N, ""]);
  t.is(r.err, `reading from file ${file}, link-type EN10MB (Ethernet), snapshot length 262144\n`);
  const v = await run_script(`tcpdump -nv -r ${file}\n`);
  t.deepEqual(lines(v.out).slice(0, EXPECT6_V_HEAD.length), EXPECT6_V_HEAD);
  t.true(v.out.includes("HBH (rtalert: 0x0000) (padn) [icmp6 sum ok] ICMP6, multicast listener report v2, 2 group record(s) [gaddr ff02::1:ff00:1 to_ex, 0 source(s)] [gaddr ff05::2 to_in, 1 source(s)]"));
  t.true(v.out.includes("frag (0x0000abcd:0|1448) 1000 > 2000: UDP, length 3000"));
  t.true(v.out.includes("2001:db8::1.1 > 2001:db8::2.2: [bad udp cksum 0x20fd -> 0xdffd!] UDP, length 3"));
  const e = await run_script(`tcpdump -ne -r ${file} -c 1\n`);
  t.is(e.out, "00:16:40.000000 02:00:00:00:00:01 > 33:33:ff:00:00:02, ethertype IPv6 (0x86dd), length 86: fe80::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has fe80::2, length 32\n");
});

test("tcpdump filters ip6, icmp6, udp over IPv6, IPv6 hosts and nets", async (t) => {
  const file = savefile6();
  const count = async (expr: string) => lines((await run_script(`tcpdump -n -r ${file} ${expr}\n`)).out).filter((l) => l !== "").length;
  t.is(await count("ip6"), 21);
  t.is(await count("icmp6"), 12);
  t.is(await count("udp"), 5);
  t.is(await count("ip"), 0);
  t.is(await count("host fe80::1"), 6);
  t.is(await count("src host 2001:db8::2"), 4);
  t.is(await count("net 2001:db8::/32"), 13);
  t.is(await count("dst net ff02::/16"), 6);
  t.is(await count("udp and not icmp6"), 5);
  const bad = await run_script(`tcpdump -n -r ${file} fe80::1\n`);
  t.regex(bad.err, /can't parse filter expression: syntax error/);
});

needs("tcpdump").test("tcpdump -r: the IPv6 decode matches the host's tcpdump line for line", async (t) => {
  const file = savefile6();
  for (const opt of ["-n", "-nv", "-nvv", "-ne", "-nq"]) {
    const host = spawnSync("tcpdump", [opt, "-r", file], { encoding: "utf8" });
    const ours = await run_script(`tcpdump ${opt} -r ${file}\n`);
    t.deepEqual(lines(ours.out), lines(host.stdout), `tcpdump ${opt}`);
  }
});

test("tcpdump -r: mangled and truncated IPv6 frames decode to one line each, never an exception", async (t) => {
  // fast-check draws the damage: which frame, which bytes, where it is cut.
  const base = frames6();
  const frames = fc.sample(
    fc.record({
      i: fc.nat({ max: base.length - 1 }),
      hits: fc.array(fc.record({ at: fc.nat(), v: fc.nat({ max: 255 }) }), { maxLength: 4 }),
      cut: fc.option(fc.nat(), { nil: null }),
    }),
    { numRuns: 400, seed: 6 },
  ).map(({ i, hits, cut }) => {
    const f = base[i].slice();
    for (const h of hits) f[14 + (h.at % (f.length - 14))] = h.v;
    return cut === null ? f : f.slice(0, Math.max(14, cut % f.length));
  });
  const dir = tmpdir();
  const file = path.join(dir, "mangled.pcap");
  fs.writeFileSync(file, pcap(frames));
  for (const opt of ["-n", "-nvv", "-ne"]) {
    const r = await run_script(`tcpdump ${opt} -r ${file}\n`);
    t.is(r.status, 0, r.err);
    t.is(lines(r.out).filter((l) => /^\d\d:/.test(l)).length, frames.length, opt);
  }
});

const TWO_JAILS6 = `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
sleep 3
`;

test("tcpdump on an epair: ND and an ICMPv6 echo between two jails, live and from the savefile it wrote", async (t) => {
  const dir = tmpdir();
  const r = await run_script(
    TWO_JAILS6 +
      `jexec b tcpdump -n -i epair0b -w ${dir}/cap6.pcap -c 4 host 2001:db8::1 &
sleep 1
jexec a ping -6 -c 1 2001:db8::2 >/dev/null
wait
jexec b tcpdump -n -r ${dir}/cap6.pcap
jail -r a b
`,
  );
  t.deepEqual(lines(noid(r.out)), [
    "22:13:24.000000 IP6 2001:db8::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has 2001:db8::2, length 32",
    "22:13:24.000000 IP6 2001:db8::2 > 2001:db8::1: ICMP6, neighbor advertisement, tgt is 2001:db8::2, length 32",
    "22:13:24.000000 IP6 2001:db8::1 > 2001:db8::2: ICMP6, echo request, id ID, seq 0, length 16",
    "22:13:24.000000 IP6 2001:db8::2 > 2001:db8::1: ICMP6, echo reply, id ID, seq 0, length 16",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

needs("tshark").test("tcpdump -w of IPv6 traffic: tshark decodes it and finds every ICMPv6 checksum good", async (t) => {
  const dir = tmpdir();
  await run_script(
    TWO_JAILS6 +
      `jexec b tcpdump -n -i epair0b -w ${dir}/cap6.pcap -c 4 host 2001:db8::1 &
sleep 1
jexec a ping -6 -c 1 2001:db8::2 >/dev/null
wait
jail -r a b
`,
  );
  const ts = spawnSync("tshark", ["-r", path.join(dir, "cap6.pcap"), "-T", "fields", "-e", "frame.protocols", "-e", "icmpv6.type", "-e", "icmpv6.checksum.status"], { encoding: "utf8" });
  t.is(ts.status, 0, ts.stderr);
  t.deepEqual(lines(ts.stdout.trim()), ["eth:ethertype:ipv6:icmpv6\t135\t1", "eth:ethertype:ipv6:icmpv6\t136\t1", "eth:ethertype:ipv6:icmpv6:data\t128\t1", "eth:ethertype:ipv6:icmpv6:data\t129\t1"]);
});
