// netpfil/ipfw/ip_dummynet end to end: ipfw's pipe action in a vnet jail,
// dummynet's queue, link and delay line, and the packet's return into the
// stack after its rule (one_pass).  A ping across a 1 Mbit/s, 50 ms pipe
// has the closed-form RTT; FreeBSD's own pipe test (tests/sys/netpfil/
// common/dummynet.sh: a 30 Byte/s pipe saturates and drops) passes; plr
// drops its fraction both ways, the same with the same seed; no mbufs left.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script } from "../../sbin/prog_helpers.ts";

const RTT = `kldload ipfw
kldload dummynet
jail -c name=a persist vnet
jail -c name=b persist vnet
ifconfig epair create
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
jexec a ipfw add 100 allow ip from any to any
jexec b ipfw add 100 pipe 1 ip from any to any
jexec b ipfw pipe 1 config bw 1Mbit/s delay 50 queue 20
jexec a ping -c 3 10.0.0.2
jexec b ipfw pipe show
jexec b ipfw show
jexec b sysctl net.inet.ip.dummynet.io_pkt net.inet.ip.dummynet.io_pkt_drop
jexec b ipfw -q -f flush
jexec b sysctl net.link.ether.ipfw=1 >/dev/null
jexec b ipfw -q add 100 pipe 2 ip from any to any layer2
jexec b ipfw -q add 200 allow ip from any to any
jexec b ipfw pipe 2 config bw 1Mbit/s delay 10
jexec a ping -c 2 10.0.0.2
`;

const FREEBSD_PIPE = `kldload ipfw
kldload dummynet
jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 192.0.2.1/24 up
jexec b ifconfig epair0b 192.0.2.2/24 up
jexec a ipfw -q add 100 allow ip from any to any
jexec b dnctl pipe 1 config bw 30Byte/s
jexec b ipfw -q add 1000 pipe 1 ip from any to any
jexec a ping -c 1 192.0.2.2 >/dev/null
echo single=$?
jexec a ping -i .1 -c 5 -s 1200 192.0.2.2 >/dev/null
echo saturate=$?
jexec a ping -c 1 -s 1200 192.0.2.2 >/dev/null
echo limited=$?
jexec b ipfw -q delete 1000
jexec b dnctl pipe 2 config plr 0.1
jexec b ipfw -q add 1000 pipe 2 ip from any to any
jexec a ping -q -i .01 -c 400 192.0.2.2
jexec b ipfw pipe 2 show
jexec b dnctl pipe flush
`;

test("ping through a 1 Mbit/s, 50 ms pipe: RTT = 2 * (delay + serialization on the tick grid), at layer 3 and layer 2", async (t) => {
  const r = await run_script(RTT, { seed: 3 });
  // An 84-byte echo at 1 Mbit/s is 0.672 ms: one tick (kern.hz 1000) of credit, then 50 ms; both ways.
  const rtts = [...r.out.matchAll(/time=([0-9.]+) ms/g)].map((m) => Number(m[1]));
  // Then at layer 2 (ether_demux / ether_output_frame): a 98-byte frame is one tick too.
  t.deepEqual(rtts, [102, 102, 102, 22, 22]);
  t.regex(r.out, /3 packets transmitted, 3 packets received, 0\.0% packet loss/);
  t.regex(r.out, /00100 6 504 pipe 1 ip from any to any/);
  t.regex(r.out, /net\.inet\.ip\.dummynet\.io_pkt: 6\n/);
  t.regex(r.out, /net\.inet\.ip\.dummynet\.io_pkt_drop: 0\n/);
  t.is(r.err, "");
  r.k.kern_run_until_idle();
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("FreeBSD's dummynet.sh pipe test, then plr 0.1 on both ways of a ping (seeded)", async (t) => {
  const r = await run_script(FREEBSD_PIPE, { seed: 5 });
  t.regex(r.out, /^single=0\nsaturate=[0-9]+\nlimited=2\n/);
  const m = /400 packets transmitted, ([0-9]+) packets received/.exec(r.out);
  t.not(m, null);
  const received = Number((m as RegExpExecArray)[1]);
  // Each echo survives two draws of plr 0.1: 81 % of 400 is 324 (sd 7.8).
  t.true(received > 324 - 40 && received < 324 + 40, `received ${received}`);
  const again = await run_script(FREEBSD_PIPE, { seed: 5 });
  t.is(again.out, r.out, "same seed, same drops");
  r.k.kern_run_until_idle();
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

// The example profile of sbin/ipfw/dummynet.c's comment.
const PROFILE = `name    bla_bla_bla
samples 100
loss-level    0.86
prob    delay
0       200	# minimum overhead is 200ms
0.5     200
0.5     300
0.8     1000
0.9     1300
1       1300
`;

const PROFILED = `kldload ipfw
kldload dummynet
jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
jexec a ipfw -q add 100 allow ip from any to any
jexec b ipfw -q add 100 pipe 1 ip from any to any in
jexec b ipfw -q add 200 allow ip from any to any
jexec b ipfw pipe 1 config bw 1Mbit/s profile prof.txt
jexec b ipfw pipe show
jexec a ping -c 20 -i 2 10.0.0.2 | tail -4
`;

test("a delay profile read by ipfw: the extra airtime as extra bits, loss above the loss level", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dn-profile-"));
  try {
    fs.writeFileSync(path.join(dir, "prof.txt"), PROFILE);
    const r = await run_script(PROFILED, { seed: 2, cwd: dir });
    t.regex(r.out, /\t profile: name "bla_bla_bla" loss 0\.860000 samples 100\n/);
    t.regex(r.out, /q131073  50 sl\. 0 flows \(1 buckets\) sched 65537 weight 0 lmax 0 pri 0 droptail\n/);
    const m = /20 packets transmitted, ([0-9]+) packets received/.exec(r.out);
    t.not(m, null);
    const received = Number((m as RegExpExecArray)[1]);
    t.true(received >= 12 && received < 20, `received ${received}`);
    // Every delay is a sample of the curve: 200 to 1300 ms (plus a tick).
    const rtt = /round-trip min\/avg\/max\/stddev = ([0-9.]+)\/[0-9.]+\/([0-9.]+)\//.exec(r.out);
    t.not(rtt, null);
    t.true(Number((rtt as RegExpExecArray)[1]) >= 200 && Number((rtt as RegExpExecArray)[2]) <= 1302);
    r.k.kern_run_until_idle();
    t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
