// netpfil/ipfw/dn_sched_fq_pie.ts: FQ-PIE behind a 1 Mbit/s pipe, the
// scenario of dn_sched_fq_codel's test: a heavy ping (1.6 Mbit/s) and a
// light one from another address.  Behind the pipe's FIFO the light one
// loses most echoes and waits ~0.4 s; under FQ-PIE its own sub-queue, served
// first as a new flow, gets them all through at once.  Then FQ-PIE's
// parameters through dnctl.
import test from "ava";
import { TWO_JAILS, run_script } from "../../sbin/prog_helpers.ts";

const LOAD = `kldload ipfw
kldload dummynet
${TWO_JAILS}jexec a ifconfig epair0a 10.0.0.3/32 alias
jexec a ipfw -q add 100 allow ip from any to any
jexec b dnctl pipe 1 config bw 1Mbit/s queue 100
jexec b dnctl sched 1 config pipe 1 type fq_pie
jexec b dnctl queue 1 config pipe 1
jexec b ipfw -q add 1000 queue 1 ip from 10.0.0.0/24 to any in
jexec b ipfw -q add 2000 allow ip from any to any
jexec a ping -q -i 0.005 -c 1500 -s 1000 10.0.0.2
jexec a ping -q -i 0.1 -c 60 -S 10.0.0.3 10.0.0.2 &
jexec a ping -q -i 0.005 -c 1500 -s 1000 10.0.0.2 > /dev/null &
wait
jexec b dnctl sched 1 show
`;

test("FQ-PIE keeps a light ping's echoes apart from a heavy one's; same seed, same bytes; no mbufs left", async (t) => {
  const r = await run_script(LOAD, { seed: 17 });
  t.is(r.err, "");
  const rx = [...r.out.matchAll(/(\d+) packets transmitted, (\d+) packets received/g)].map((m) => [Number(m[1]), Number(m[2])]);
  const rtt = [...r.out.matchAll(/round-trip min\/avg\/max\/stddev = [0-9.]+\/([0-9.]+)\//g)].map((m) => Number(m[1]));
  // The heavy ping alone first (PIE's drops), then the light one beside it.
  t.is(rx.length, 2);
  t.true(rx[0][1] < 1500, `heavy alone: ${rx[0][1]} of 1500`);
  t.deepEqual(rx[1], [60, 60]);
  t.true(rtt[1] < 20, `light RTT ${rtt[1]} ms`);
  t.regex(r.out, / sched 1 type FQ_PIE flags 0x0 0 buckets 1 active\n  FQ_PIE target 15ms tupdate 15ms alpha 0\.125 beta 1\.25 max_burst 150ms max_ecnth 0\.1 quantum 1514 limit 10240 flows 1024 ECN CapDrop TS Derand\n/);
  r.k.kern_run_until_idle();
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  const again = await run_script(LOAD, { seed: 17 });
  t.is(again.out, r.out);
});

test("dnctl fq_pie: parameters and defaults round-trip; bad ones get dnctl's messages", async (t) => {
  const r = await run_script(`kldload ipfw
kldload dummynet
dnctl sched 1 config type fq_pie target 20ms quantum 3000 limit 500 flows 16 noecn dre onoff
dnctl sched 1 show
sysctl net.inet.ip.dummynet.fqpie.limit=600
dnctl sched 2 config type fq_pie
dnctl sched 2 show
dnctl sched 3 config type fq_pie alpha 2>&1; echo "status $?"
dnctl sched 3 config type fq_pie interval 5ms 2>&1; echo "status $?"
`);
  t.is(r.err, "");
  t.is(
    r.out,
    "00001: unlimited         0 ms burst 0 \n" +
      "q65537  50 sl. 0 flows (1 buckets) sched 1 weight 0 lmax 0 pri 0 droptail\n" +
      " sched 1 type FQ_PIE flags 0x0 0 buckets 0 active\n" +
      "  FQ_PIE target 20ms tupdate 15ms alpha 0.125 beta 1.25 max_burst 150ms max_ecnth 0.1 quantum 3000 limit 500 flows 16 NoECN CapDrop OnOff DRE Derand\n" +
      "net.inet.ip.dummynet.fqpie.limit: 10240 -> 600\n" +
      "00002: unlimited         0 ms burst 0 \n" +
      "q65538  50 sl. 0 flows (1 buckets) sched 2 weight 0 lmax 0 pri 0 droptail\n" +
      " sched 2 type FQ_PIE flags 0x0 0 buckets 0 active\n" +
      "  FQ_PIE target 15ms tupdate 15ms alpha 0.125 beta 1.25 max_burst 150ms max_ecnth 0.1 quantum 1514 limit 600 flows 1024 ECN CapDrop TS Derand\n" +
      "dnctl: alpha needs number\n\nstatus 65\n" +
      // interval is CoDel's: process_extra_parms says so and goes on.
      "interval is invalid parameter\n5ms is invalid parameter\nstatus 0\n",
  );
});
