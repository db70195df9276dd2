// sbin/iperf3.ts: iperf3's client and server between two vnet jails over
// an ng_pipe link (bandwidth, delay, bit errors), in virtual time: the
// text report, -J, -R, -P, -u, -n, the Mathis estimate on a lossy path,
// and the parameter errors.
import test from "ava";
import { pipe_jails, run_script, TWO_JAILS } from "./prog_helpers.ts";

const pipe = (cfg: string): string => pipe_jails(cfg);

/** A one-off server in a (its output dropped), the client in b with
 *  `args`, then both exit statuses.  The jails go once the link is idle
 *  (5 s of virtual time): a frame still inside ng_pipe, or in a dying
 *  vnet's ND/MLD queues, is still held, and would count as outstanding. */
const SETTLE = "sleep 5\n";
function client_server(args: string): string {
  return `jexec a iperf3 -s -1 > /dev/null &
sleep 1
jexec b iperf3 -c 10.0.0.1 ${args}
echo "client $?"
wait %1
echo "server $?"
${SETTLE}jail -r a b >/dev/null
`;
}

const MBPS = /([0-9.]+) Mbits\/sec/;

interface jstream {
  [k: string]: number | boolean;
}
interface iperf_json {
  start: { connected: { socket: number; local_host: string; remote_host: string; remote_port: number }[]; test_start: { protocol: string; num_streams: number; reverse: number; blksize: number }; cookie: string; version: string };
  intervals: { streams: jstream[]; sum: jstream }[];
  end: {
    streams: { sender?: jstream; receiver?: jstream; udp?: jstream }[];
    sum_sent: jstream;
    sum_received: jstream;
    sum?: jstream;
    cpu_utilization_percent: jstream;
  };
}

function parse_json(out: string): iperf_json {
  const end = out.lastIndexOf("}\n");
  return JSON.parse(out.slice(0, end + 1)) as iperf_json;
}

test("TCP over 10 Mbit/s and 20 ms: iperf3's table, at least 9 Mbit/s after slow start, the sender and receiver lines", async (t) => {
  const r = await run_script(pipe("bandwidth=10000000 delay=20000") + client_server("-t 3"));
  t.is(r.err, "");
  const lines = r.out.split("\n");
  t.is(lines[0], "Connecting to host 10.0.0.1, port 5201");
  t.regex(lines[1], /^\[ {2}\d\] local 10\.0\.0\.2 port \d+ connected to 10\.0\.0\.1 port 5201$/);
  t.is(lines[2], "[ ID] Interval           Transfer     Bitrate         Retr  Cwnd");
  const iv = lines.slice(3, 6);
  t.regex(iv[0], /^\[ {2}\d\] {3}0\.00-1\.00 {3}sec {2}[ 0-9.]{4} [KM]Bytes {2}[ 0-9.]{4} Mbits\/sec {2} {2}\d {3}[ 0-9.]{4} KBytes {7}$/);
  t.regex(iv[1], /^\[ {2}\d\] {3}1\.00-2\.00 {3}sec/);
  t.regex(iv[2], /^\[ {2}\d\] {3}2\.00-3\.00 {3}sec/);
  // After slow start the link is full: 10 Mbit/s less the framing.
  for (const l of iv.slice(1)) {
    const m = MBPS.exec(l);
    t.truthy(m, l);
    const rate = Number(m?.[1]);
    t.true(rate >= 9 && rate <= 10, l);
  }
  t.is(lines[6], "- - - - - - - - - - - - - - - - - - - - - - - - -");
  t.is(lines[7], "[ ID] Interval           Transfer     Bitrate         Retr");
  t.regex(lines[8], /^\[ {2}\d\] {3}0\.00-3\.00 {3}sec {2}[ 0-9.]{4} MBytes {2}[ 0-9.]{4} Mbits\/sec {4}0 {13}sender$/);
  // The receiver's time ends when TEST_END reaches the server, a little later.
  t.regex(lines[9], /^\[ {2}\d\] {3}0\.00-3\.0\d {3}sec {2}[ 0-9.]{4} MBytes {2}[ 0-9.]{4} Mbits\/sec {18}receiver$/);
  t.is(lines.slice(10).join("\n"), "\niperf Done.\nclient 0\nserver 0\n");
  const recv = Number(MBPS.exec(lines[9])?.[1]);
  t.true(recv >= 8.5, lines[9]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("the server's side: its banner, the accepted client, its receiver intervals and summary", async (t) => {
  const r = await run_script(
    pipe("bandwidth=2000000 delay=5000") +
      `jexec a iperf3 -s -1 &
sleep 1
jexec b iperf3 -c 10.0.0.1 -t 2 > /dev/null
wait %1
echo "server $?"
${SETTLE}jail -r a b >/dev/null
`,
  );
  const lines = r.out.split("\n");
  t.deepEqual(lines.slice(0, 3), ["-----------------------------------------------------------", "Server listening on 5201 (test #1)", "-----------------------------------------------------------"]);
  t.regex(lines[3], /^Accepted connection from 10\.0\.0\.2, port \d+$/);
  t.regex(lines[4], /^\[ {2}\d\] local 10\.0\.0\.1 port 5201 connected to 10\.0\.0\.2 port \d+$/);
  t.is(lines[5], "[ ID] Interval           Transfer     Bitrate");
  t.regex(lines[6], /^\[ {2}\d\] {3}0\.00-1\.00 {3}sec .* Kbits\/sec|Mbits\/sec {18}$/);
  const sep = lines.indexOf("- - - - - - - - - - - - - - - - - - - - - - - - -");
  t.true(sep > 6);
  t.is(lines[sep + 1], "[ ID] Interval           Transfer     Bitrate");
  t.regex(lines[sep + 2], /^\[ {2}\d\] {3}0\.00-2\.\d\d {3}sec .* receiver$/);
  t.is(lines[sep + 3], "server 0");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("-J -P 2: iperf3's JSON document, the streams and the sums agreeing", async (t) => {
  const r = await run_script(pipe("bandwidth=2000000 delay=5000") + client_server("-t 2 -P 2 -J"));
  t.is(r.err, "");
  t.true(r.out.endsWith("}\nclient 0\nserver 0\n"));
  const j = parse_json(r.out);
  t.is(j.start.connected.length, 2);
  t.is(j.start.test_start.protocol, "TCP");
  t.is(j.start.test_start.num_streams, 2);
  t.is(j.start.test_start.blksize, 131072);
  t.is(j.start.cookie.length, 36);
  t.is(j.start.version.slice(0, 7), "iperf 3");
  t.true(j.intervals.length === 2 || j.intervals.length === 3);
  let sent_in_intervals = 0;
  for (const iv of j.intervals) {
    t.is(iv.streams.length, 2);
    const b = iv.streams.reduce((a, s) => a + (s.bytes as number), 0);
    t.is(iv.sum.bytes, b);
    t.true(Math.abs((iv.sum.bits_per_second as number) - (b * 8) / (iv.sum.seconds as number)) < 1e-3);
    sent_in_intervals += b;
  }
  const e = j.end;
  t.is(e.streams.length, 2);
  const sent = e.streams.reduce((a, s) => a + ((s.sender?.bytes as number) ?? 0), 0);
  const received = e.streams.reduce((a, s) => a + ((s.receiver?.bytes as number) ?? 0), 0);
  t.is(e.sum_sent.bytes, sent);
  t.is(e.sum_received.bytes, received);
  t.is(sent_in_intervals, sent);
  t.true(received > 0 && received <= sent);
  t.true(Math.abs((e.sum_sent.bits_per_second as number) - (sent * 8) / (e.sum_sent.seconds as number)) < 1e-3);
  t.is(e.sum_sent.seconds, 2);
  t.true((e.sum_received.seconds as number) >= 2);
  // Two flows share 2 Mbit/s.
  const total = (e.sum_received.bits_per_second as number) / 1e6;
  t.true(total > 1.5 && total < 2, String(total));
  t.is(e.sum_sent.retransmits, e.streams.reduce((a, s) => a + ((s.sender?.retransmits as number) ?? 0), 0));
  t.deepEqual(Object.keys(e.cpu_utilization_percent), ["host_total", "host_user", "host_system", "remote_total", "remote_user", "remote_system"]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("-R: the server sends and the client receives; the server's retransmits come back in its results, and --get-server-output its lines", async (t) => {
  const r = await run_script(pipe("bandwidth=2000000 delay=5000") + client_server("-t 2 -R --get-server-output"));
  t.is(r.err, "");
  const lines = r.out.split("\n");
  t.is(lines[1], "Reverse mode, remote host 10.0.0.1 is sending");
  t.is(lines[3], "[ ID] Interval           Transfer     Bitrate");
  const sep = lines.indexOf("- - - - - - - - - - - - - - - - - - - - - - - - -");
  t.is(lines[sep + 1], "[ ID] Interval           Transfer     Bitrate         Retr");
  t.regex(lines[sep + 2], /^\[ {2}\d\] {3}0\.00-2\.\d\d {3}sec .* Mbits\/sec {2} {2}\d {13}sender$/);
  t.regex(lines[sep + 3], /^\[ {2}\d\] {3}0\.00-2\.00 {3}sec .* receiver$/);
  // The server's own report, as it printed it, after the client's.
  t.is(lines[sep + 4], "");
  t.is(lines[sep + 5], "Server output:");
  t.regex(lines[sep + 6], /^Accepted connection from 10\.0\.0\.2, port \d+$/);
  t.regex(lines[sep + 8], /^\[ ID\] Interval {11}Transfer {5}Bitrate {9}Retr {2}Cwnd$/);
  const srv_sender = lines.slice(sep + 6).find((l) => l.endsWith("sender")) ?? "";
  // The same numbers (each side names the stream by its own descriptor).
  t.is(srv_sender.slice(5), lines[sep + 2].slice(5));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("-u: UDP at -b's rate, its datagrams counted, the ones the link's bit errors lost reported as lost", async (t) => {
  const r = await run_script(pipe("bandwidth=10000000 delay=10000 upstream={ BER=300000 }") + client_server("-u -b 2M -t 2 -J"));
  t.is(r.err, "");
  const j = parse_json(r.out);
  t.is(j.start.test_start.protocol, "UDP");
  const u = j.end.streams[0].udp;
  t.truthy(u);
  const sent = j.end.sum_sent.packets as number;
  const received = j.end.sum_received.bytes as number;
  // 2 Mbit/s of 1460-byte datagrams for 2 s.
  t.true(Math.abs(sent - (2e6 * 2) / 8 / 1460) <= 3, String(sent));
  t.true(Math.abs((j.end.sum_sent.bits_per_second as number) - 2e6) < 2e4);
  // What did not arrive was counted lost (from the gaps in the sequence).
  const lost = j.end.sum_received.lost_packets as number;
  t.true(lost > 0);
  // Lost or arrived, but for the tail: a lost last datagram leaves no
  // gap behind it, and the ones in flight at TEST_END are not counted.
  t.true(received / 1460 + lost <= sent && received / 1460 + lost >= sent - 3, `${received / 1460} + ${lost} of ${sent}`);
  // Out of the datagrams the receiver knows of (the highest sequence number seen).
  const known = j.end.sum_received.packets as number;
  t.true(known <= sent && known >= sent - 3);
  t.true(Math.abs((j.end.sum_received.lost_percent as number) - (100 * lost) / known) < 1e-9);
  for (const iv of j.intervals) t.is(typeof iv.streams[0].packets, "number");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("-n: the sender stops after that many bytes; -4 -f k", async (t) => {
  const r = await run_script(pipe("bandwidth=10000000 delay=1000") + client_server("-n 512K -4 -f k -i 0"));
  t.is(r.err, "");
  const lines = r.out.split("\n");
  t.is(lines[2], "[ ID] Interval           Transfer     Bitrate         Retr  Cwnd");
  const sender = lines.find((l) => l.endsWith("sender")) ?? "";
  t.regex(sender, /^\[ {2}\d\] {3}0\.00-0\.\d\d {3}sec {2} 512 KBytes {2}[0-9]{4,} Kbits\/sec/);
  t.is(lines.filter((l) => /sec/.test(l)).length, 3);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("-6 over an epair: IPv6 addresses in the connect lines", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ifconfig epair0a inet6 2001:db8::1/64 no_dad
jexec b ifconfig epair0b inet6 2001:db8::2/64 no_dad
jexec a iperf3 -s -1 -6 > /dev/null &
sleep 1
jexec b iperf3 -6 -c 2001:db8::1 -n 256K -l 64K
echo "client $?"
wait %1
echo "server $?"
${SETTLE}jail -r a b >/dev/null
`,
  );
  t.is(r.err, "");
  const lines = r.out.split("\n");
  t.is(lines[0], "Connecting to host 2001:db8::1, port 5201");
  t.regex(lines[1], /^\[ {2}\d\] local 2001:db8::2 port \d+ connected to 2001:db8::1 port 5201$/);
  t.regex(lines.find((l) => l.endsWith("sender")) ?? "", / 256 KBytes /);
  t.true(r.out.endsWith("iperf Done.\nclient 0\nserver 0\n"));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("a lossy path (ng_pipe BER): the measured rate beside the Mathis estimate MSS/RTT x 1.22/sqrt(p)", async (t) => {
  const BER = 1000000;
  const r = await run_script(pipe(`bandwidth=10000000 delay=20000 upstream={ BER=${BER} }`) + client_server("-t 8 -J"));
  t.is(r.err, "");
  const j = parse_json(r.out);
  const snd = j.end.streams[0].sender;
  t.truthy(snd);
  const MSS = 1448; // 1460 less the timestamp option
  // A full frame on the wire: Ethernet + IP + TCP with timestamps + data, and ng_pipe's overhead.
  const frame = 14 + 20 + 32 + MSS + 24;
  const p = 1 - (1 - 1 / BER) ** (8 * frame);
  const rtt = (snd?.mean_rtt as number) / 1e6;
  const mathis = ((MSS * 8) / rtt) * (1.22 / Math.sqrt(p));
  const measured = j.end.sum_received.bits_per_second as number;
  const segs = (snd?.bytes as number) / MSS;
  t.log(`p=${(p * 100).toFixed(2)}% (retransmitted ${snd?.retransmits} of ${Math.round(segs)} segments), mean RTT ${(rtt * 1000).toFixed(1)} ms`);
  t.log(`iperf3 measured ${(measured / 1e6).toFixed(2)} Mbit/s; Mathis estimate ${(mathis / 1e6).toFixed(2)} Mbit/s (ratio ${(measured / mathis).toFixed(2)})`);
  t.true((snd?.retransmits as number) > 0);
  t.true(measured / mathis > 0.4 && measured / mathis < 2.5);
  t.true(measured < 9e6);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("parameter errors: iperf3's messages, the short usage, exit 1", async (t) => {
  const cases: [string, string][] = [
    ["iperf3", "must either be a client (-c) or server (-s)"],
    ["iperf3 -s -c 10.0.0.1", "cannot be both server and client"],
    ["iperf3 -c 10.0.0.1 -s", "cannot be both server and client"],
    ["iperf3 -s -t 5", "some option you are trying to set is client only"],
    ["iperf3 -c 10.0.0.1 -1", "some option you are trying to set is server only"],
    ["iperf3 -c 10.0.0.1 -p 0", "port number must be between 1 and 65535 inclusive"],
    ["iperf3 -c 10.0.0.1 -P 129", "invalid number of parallel streams (min = 1, max = 128)"],
    ["iperf3 -c 10.0.0.1 -i 0.01", "invalid report interval (min = 0.1, max = 60 seconds)"],
    ["iperf3 -c 10.0.0.1 -t 100000", "test duration valid values are 0 to 86400 seconds"],
    ["iperf3 -c 10.0.0.1 -l 2M", "block size too large (maximum = 1048576 bytes)"],
    ["iperf3 -c 10.0.0.1 -u -l 8", "block size invalid (minimum = 16 bytes, maximum = 65507 bytes)"],
    ["iperf3 -c 10.0.0.1 -t 5 -n 1M", "only one test end condition (-t, -n, -k) may be specified"],
    ["iperf3 -c 10.0.0.1 -f x", "bad format specifier (valid formats are in the set [kmgtKMGT])"],
    ["iperf3 -c 10.0.0.1 -b 10Q", "invalid unit value or suffix: '10Q'"],
    ["iperf3 -c 10.0.0.1 -b 1M/0", "invalid burst count (maximum = 1000)"],
  ];
  const r = await run_script(cases.map(([c]) => `${c}; echo "s $?"`).join("\n") + "\niperf3 -x; echo \"s $?\"\n");
  t.is(r.out, Array(cases.length + 1).fill("s 1\n").join(""));
  const usage = "\nUsage: iperf3 [-s|-c host] [options]\nTry `iperf3 --help' for more information.\n";
  t.is(r.err, cases.map(([, m]) => `iperf3: parameter error - ${m}\n${usage}`).join("") + `iperf3: illegal option -- x\n${usage}`);
});

test("a second client while a test runs: ACCESS_DENIED, the server busy", async (t) => {
  const r = await run_script(
    pipe("bandwidth=2000000 delay=5000") +
      `jexec a iperf3 -s -1 > /dev/null &
sleep 1
jexec b iperf3 -c 10.0.0.1 -t 3 > /dev/null &
sleep 2
jexec b iperf3 -c 10.0.0.1 -t 1
echo "second $?"
wait %2
echo "first $?"
wait %1
echo "server $?"
${SETTLE}jail -r a b >/dev/null
`,
  );
  t.is(r.out, "second 1\nfirst 0\nserver 0\n");
  t.is(r.err, "iperf3: error - the server is busy running a test. try again later\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("no server: the client's error line and exit 1", async (t) => {
  const r = await run_script(TWO_JAILS + `jexec b iperf3 -c 10.0.0.1 -t 1; echo "s $?"\njail -r a b >/dev/null\n`);
  t.is(r.out, "s 1\n");
  t.is(r.err, "iperf3: error - unable to connect to server - server may have stopped running or use a different port, firewall issue, etc.: Connection refused\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("a timed test on a link without a rate (an epair): the clock cannot move, so the sender stops after 64 MBytes with the cause and exit 1 (a departure: iperf3 on a real host never meets this)", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a iperf3 -s -1 > /dev/null 2>&1 &
sleep 1
jexec b iperf3 -c 10.0.0.1 -t 3 > /dev/null
echo "client $?"
wait %1
echo "server $?"
${SETTLE}jail -r a b >/dev/null
`,
  );
  t.is(r.out, "client 1\nserver 0\n"); // the one-off server: "the client has unexpectedly closed the connection"
  t.is(
    r.err,
    "iperf3: error - the clock did not move while 64 MBytes were sent: the path has no bandwidth limit, so a timed test cannot end (shape it with ng_pipe or vlink -bw, or give an amount with -n or -k)\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
