// netpfil/ipfw/dn_aqm_pie.ts: PIE on a dummynet pipe.  Under the same
// 1.6 Mbit/s of pings into a 1 Mbit/s pipe as dn_aqm_codel's test, PIE's
// drop probability climbs while the queue delay is above its 15 ms target
// and holds the echoes' delay down where the FIFO's sits near 0.8 s; a
// lighter overload needs fewer drops.  Then PIE's parameters through dnctl
// and the sysctls behind its defaults.
import test from "ava";
import { TWO_JAILS, run_script } from "../../sbin/prog_helpers.ts";

const LOAD = (aqm: string, interval: string): string => `kldload ipfw
kldload dummynet
${TWO_JAILS}jexec a ipfw -q add 100 allow ip from any to any
jexec b ipfw -q add 100 pipe 1 ip from 10.0.0.1 to any in
jexec b ipfw -q add 200 allow ip from any to any
jexec b dnctl pipe 1 config bw 1Mbit/s queue 100 ${aqm}
jexec a ping -q -i ${interval} -c 2000 -s 1000 10.0.0.2
jexec b dnctl pipe 1 show
jexec b dnctl pipe flush
`;

function figures(out: string): { avg: number; drops: number } {
  const rtt = /round-trip min\/avg\/max\/stddev = [0-9.]+\/([0-9.]+)\//.exec(out);
  const flow = /0\.0\.0\.0\/0 +2000 +2056000 +\d+ +\d+ +(\d+)\n/.exec(out);
  if (rtt === null || flow === null) throw new Error(`no figures in:\n${out}`);
  return { avg: Number(rtt[1]), drops: Number(flow[1]) };
}

test("PIE holds a 1 Mbit/s bottleneck's delay near its target where the FIFO's fills; more overload, more drops; same seed, same bytes; no mbufs left", async (t) => {
  const fifo = await run_script(LOAD("", "0.005"), { seed: 13 });
  const pie = await run_script(LOAD("pie", "0.005"), { seed: 13 });
  const light = await run_script(LOAD("pie", "0.007"), { seed: 13 });
  for (const r of [fifo, pie, light]) t.is(r.err, "");
  const f = figures(fifo.out);
  const p = figures(pie.out);
  const l = figures(light.out);
  t.true(f.avg > 600, `FIFO average RTT ${f.avg} ms`);
  t.true(p.avg < 100, `PIE average RTT ${p.avg} ms`);
  // 1.6 Mbit/s must lose 3/8, 1.17 Mbit/s about 1/7.
  t.true(p.drops > l.drops && l.drops > 0, `drops at 1.6 Mbit/s ${p.drops}, at 1.17 Mbit/s ${l.drops}`);
  t.regex(pie.out, / AQM type PIE target 15ms tupdate 15ms alpha 0\.125 beta 1\.25 max_burst 150ms max_ecnth 0\.1 NoECN CapDrop DRE Derand\n/);
  for (const r of [fifo, pie, light]) {
    r.k.kern_run_until_idle();
    t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  }
  const again = await run_script(LOAD("pie", "0.005"), { seed: 13 });
  t.is(again.out, pie.out);
});

test("dnctl pie: parameters round-trip through config and show; bad ones get dnctl's messages; the sysctls are the defaults", async (t) => {
  const r = await run_script(`kldload ipfw
kldload dummynet
dnctl pipe 1 config pie target 20ms tupdate 30ms max_burst 1s alpha 0.25 beta 2 max_ecnth 0.5 ecn nocapdrop ts noderand onoff
dnctl pipe 1 show
dnctl pipe 2 config pie target 2>&1; echo "status $?"
dnctl pipe 2 config pie alpha x 2>&1; echo "status $?"
dnctl pipe 2 config pie quantum 5 2>&1; echo "status $?"
dnctl pipe 2 config pie limit 5 2>&1; echo "status $?"
dnctl pipe 2 config pie foo 2>&1; echo "status $?"
sysctl net.inet.ip.dummynet.pie.target=30000 net.inet.ip.dummynet.pie.alpha=500 net.inet.ip.dummynet.pie.beta=0 2>&1
dnctl pipe 3 config pie
dnctl pipe 3 show
dnctl pipe flush
`);
  t.is(r.err, "");
  t.is(
    r.out,
    "00001: unlimited         0 ms burst 0 \n" +
      "q131073  50 sl. 0 flows (1 buckets) sched 65537 weight 0 lmax 0 pri 0  AQM type PIE target 20ms tupdate 30ms alpha 0.25 beta 2 max_burst 1fs max_ecnth 0.5 ECN NoCapDrop OnOff TS NoDerand\n" +
      " sched 65537 type FIFO flags 0x0 0 buckets 0 active\n" +
      "dnctl: target needs time\n\nstatus 65\n" +
      "dnctl: alpha needs number\n\nstatus 65\n" +
      "dnctl: quantum is not for pie\n\nstatus 65\n" +
      "dnctl: limit is not for pie, use queue instead\n\nstatus 65\n" +
      "foo is invalid parameter\nstatus 0\n" +
      "net.inet.ip.dummynet.pie.target: 15000 -> 30000\n" +
      "net.inet.ip.dummynet.pie.alpha: 125 -> 500\n" +
      "sysctl: net.inet.ip.dummynet.pie.beta=0: Invalid argument\n" +
      "00003: unlimited         0 ms burst 0 \n" +
      "q131075  50 sl. 0 flows (1 buckets) sched 65539 weight 0 lmax 0 pri 0  AQM type PIE target 30ms tupdate 15ms alpha 0.5 beta 1.25 max_burst 150ms max_ecnth 0.1 NoECN CapDrop DRE Derand\n" +
      " sched 65539 type FIFO flags 0x0 0 buckets 0 active\n",
  );
  r.k.kern_run_until_idle();
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
