// netpfil/ipfw/dn_aqm_codel.ts: CoDel on a dummynet pipe.  Pings of 1000
// bytes every 5 ms (1.6 Mbit/s) into a 1 Mbit/s pipe with a 100-slot
// queue: the plain FIFO fills and every echo waits most of a second, CoDel
// drops at the head and holds the queue's delay near its target.  Then the
// parameters as dnctl sends and shows them, and dnctl's messages for bad
// ones.
import test from "ava";
import { TWO_JAILS, run_script } from "../../sbin/prog_helpers.ts";

const LOAD = (aqm: string): string => `kldload ipfw
kldload dummynet
${TWO_JAILS}jexec a ipfw -q add 100 allow ip from any to any
jexec b ipfw -q add 100 pipe 1 ip from 10.0.0.1 to any in
jexec b ipfw -q add 200 allow ip from any to any
jexec b dnctl pipe 1 config bw 1Mbit/s queue 100 ${aqm}
jexec a ping -q -i 0.005 -c 3000 -s 1000 10.0.0.2
jexec b dnctl pipe 1 show
`;

/** The ping's average RTT (ms) and the pipe's drop count. */
function figures(out: string): { avg: number; drops: number; received: number } {
  const rtt = /round-trip min\/avg\/max\/stddev = [0-9.]+\/([0-9.]+)\//.exec(out);
  const flow = /0\.0\.0\.0\/0 +3000 +3084000 +\d+ +\d+ +(\d+)\n/.exec(out);
  const rx = /3000 packets transmitted, (\d+) packets received/.exec(out);
  if (rtt === null || flow === null || rx === null) throw new Error(`no figures in:\n${out}`);
  return { avg: Number(rtt[1]), drops: Number(flow[1]), received: Number(rx[1]) };
}

test("a 1 Mbit/s bottleneck under 1.6 Mbit/s: the FIFO's echoes wait ~0.8 s, CoDel's stay within a few targets; same seed, same bytes; no mbufs left", async (t) => {
  const fifo = await run_script(LOAD(""), { seed: 7 });
  const codel = await run_script(LOAD("codel"), { seed: 7 });
  t.is(fifo.err, "");
  t.is(codel.err, "");
  const f = figures(fifo.out);
  const c = figures(codel.out);
  // The FIFO sits full: 100 packets of 8.2 ms each.
  t.true(f.avg > 600, `FIFO average RTT ${f.avg} ms`);
  // CoDel: the first interval lets the queue grow, then it is held down.
  t.true(c.avg < 120, `CoDel average RTT ${c.avg} ms`);
  // Both lose about the excess 3/8 of the load, CoDel at the head.
  t.true(f.drops > 900 && c.drops > 900, `drops FIFO ${f.drops} CoDel ${c.drops}`);
  t.is(f.received + f.drops, 3000);
  t.is(c.received + c.drops, 3000);
  t.regex(codel.out, /00001: {3}1\.000 Mbit\/s {4}0 ms burst 0 \nq131073 100 sl\. 0 flows \(1 buckets\) sched 65537 weight 0 lmax 0 pri 0  AQM CoDel target 5ms interval 100ms NoECN\n/);
  for (const r of [fifo, codel]) {
    r.k.kern_run_until_idle();
    t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  }
  const again = await run_script(LOAD("codel"), { seed: 7 });
  t.is(again.out, codel.out);
});

test("dnctl codel: parameters round-trip through config and show; bad ones get dnctl's messages", async (t) => {
  const r = await run_script(`kldload ipfw
kldload dummynet
dnctl pipe 1 config bw 1Mbit/s codel
dnctl pipe 1 show
dnctl pipe 2 config bw 1Mbit/s queue 50 codel target 10ms interval 200ms ecn
dnctl pipe 2 show
dnctl queue 3 config pipe 2 codel target 2500us noecn
dnctl queue 3 show
dnctl pipe 2 config bw 1Mbit/s queue 50 codel interval 1.5s
dnctl pipe 2 show
dnctl pipe 2 config bw 1Mbit/s
dnctl pipe 2 show
dnctl pipe 4 config codel target 2>&1; echo "status $?"
dnctl pipe 4 config codel interval 5x 2>&1; echo "status $?"
dnctl pipe 4 config codel target 5ms foo 2>&1; echo "status $?"
dnctl pipe 4 config codel quantum 5 2>&1; echo "status $?"
dnctl pipe 4 config codel limit 5 2>&1; echo "status $?"
dnctl sched 5 config type fifo codel 2>&1; echo "status $?"
sysctl net.inet.ip.dummynet.codel.target=10000 net.inet.ip.dummynet.codel.interval=0 2>&1
dnctl pipe 6 config codel
dnctl pipe 6 show
`);
  t.is(r.err, "");
  t.is(
    r.out,
    "00001:   1.000 Mbit/s    0 ms burst 0 \n" +
      "q131073  50 sl. 0 flows (1 buckets) sched 65537 weight 0 lmax 0 pri 0  AQM CoDel target 5ms interval 100ms NoECN\n" +
      " sched 65537 type FIFO flags 0x0 0 buckets 0 active\n" +
      "00002:   1.000 Mbit/s    0 ms burst 0 \n" +
      "q131074  50 sl. 0 flows (1 buckets) sched 65538 weight 0 lmax 0 pri 0  AQM CoDel target 10ms interval 200ms ECN\n" +
      " sched 65538 type FIFO flags 0x0 0 buckets 0 active\n" +
      "q00003  50 sl. 0 flows (1 buckets) sched 2 weight 1 lmax 0 pri 0  AQM CoDel target 2.5ms interval 100ms NoECN\n" +
      // 1.5 s is 1500000 us, which dummynet.c prints with its "%gfs".
      "00002:   1.000 Mbit/s    0 ms burst 0 \n" +
      "q131074  50 sl. 0 flows (1 buckets) sched 65538 weight 0 lmax 0 pri 0  AQM CoDel target 5ms interval 1.5fs NoECN\n" +
      " sched 65538 type FIFO flags 0x0 0 buckets 0 active\n" +
      // Configured again without codel: the flowset drops its AQM.
      "00002:   1.000 Mbit/s    0 ms burst 0 \n" +
      "q131074  50 sl. 0 flows (1 buckets) sched 65538 weight 0 lmax 0 pri 0 droptail\n" +
      " sched 65538 type FIFO flags 0x0 0 buckets 0 active\n" +
      "dnctl: target needs time\n\nstatus 65\n" +
      "dnctl: interval needs time\n\nstatus 65\n" +
      "foo is Invalid parameter\nstatus 0\n" +
      "dnctl: quantum is not for codel\n\nstatus 65\n" +
      "dnctl: limit is not for codel, use queue instead\n\nstatus 65\n" +
      // A scheduler's internal flowset takes an AQM too (case 3 has one).
      "status 0\n" +
      // The defaults behind par[] = -1 are the codel sysctls (microseconds).
      "net.inet.ip.dummynet.codel.target: 5000 -> 10000\n" +
      "sysctl: net.inet.ip.dummynet.codel.interval=0: Invalid argument\n" +
      "00006: unlimited         0 ms burst 0 \n" +
      "q131078  50 sl. 0 flows (1 buckets) sched 65542 weight 0 lmax 0 pri 0  AQM CoDel target 10ms interval 100ms NoECN\n" +
      " sched 65542 type FIFO flags 0x0 0 buckets 0 active\n",
  );
});
