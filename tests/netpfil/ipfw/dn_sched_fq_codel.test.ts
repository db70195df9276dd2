// netpfil/ipfw/dn_sched_fq_codel.ts: FQ-CoDel behind a 1 Mbit/s pipe.  A
// heavy ping (1000 bytes every 5 ms, 1.6 Mbit/s) and a light one (every
// 100 ms, from another address) share the bottleneck: behind the pipe's
// plain FIFO the light one waits with the heavy one's backlog and loses
// most echoes; under FQ-CoDel it has a sub-queue of its own, served first
// as a new flow, and gets through at once.  Then the scheduler's
// parameters as dnctl sends and shows them (FreeBSD's dummynet.sh `codel`
// lines among them), and the jenkins_hash it classifies with.
import test from "ava";
import { TWO_JAILS, run_script } from "../../sbin/prog_helpers.ts";
import { loadKernelUnbooted } from "../../helpers/builds.ts";

const LOAD = (fq: boolean): string => `kldload ipfw
kldload dummynet
${TWO_JAILS}jexec a ifconfig epair0a 10.0.0.3/32 alias
jexec a ipfw -q add 100 allow ip from any to any
jexec b dnctl pipe 1 config bw 1Mbit/s queue 100
${fq ? "jexec b dnctl sched 1 config pipe 1 type fq_codel\njexec b dnctl queue 1 config pipe 1\n" : ""}jexec b ipfw -q add 1000 ${fq ? "queue 1" : "pipe 1"} ip from 10.0.0.0/24 to any in
jexec b ipfw -q add 2000 allow ip from any to any
jexec a ping -q -i 0.005 -c 1500 -s 1000 10.0.0.2 > /dev/null &
jexec a ping -q -i 0.1 -c 60 -S 10.0.0.3 10.0.0.2
wait
jexec b dnctl sched 1 show
`;

function light(out: string): { received: number; avg: number } {
  const rx = /60 packets transmitted, (\d+) packets received/.exec(out);
  const rtt = /round-trip min\/avg\/max\/stddev = [0-9.]+\/([0-9.]+)\//.exec(out);
  if (rx === null || rtt === null) throw new Error(`no figures in:\n${out}`);
  return { received: Number(rx[1]), avg: Number(rtt[1]) };
}

test("FQ-CoDel isolates a light ping from a heavy one the FIFO drowns it in; same seed, same bytes; no mbufs left", async (t) => {
  const fifo = await run_script(LOAD(false), { seed: 11 });
  const fq = await run_script(LOAD(true), { seed: 11 });
  t.is(fifo.err, "");
  t.is(fq.err, "");
  const f = light(fifo.out);
  const q = light(fq.out);
  // Behind the FIFO: most echoes lost at the full queue, the rest ~0.4 s late.
  t.true(f.received < 30 && f.avg > 200, `FIFO: ${f.received} received, ${f.avg} ms`);
  // Under FQ-CoDel: every echo, within a packet time or two of the heavy flow's.
  t.is(q.received, 60);
  t.true(q.avg < 20, `FQ-CoDel: ${q.avg} ms`);
  t.regex(fq.out, / sched 1 type FQ_CODEL flags 0x0 0 buckets 1 active\n FQ_CODEL target 5ms interval 100ms quantum 1514 limit 10240 flows 1024 ECN\n/);
  for (const r of [fifo, fq]) {
    r.k.kern_run_until_idle();
    t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  }
  const again = await run_script(LOAD(true), { seed: 11 });
  t.is(again.out, fq.out);
});

test("dnctl fq_codel: FreeBSD's dummynet.sh codel lines, parameters and defaults round-trip; bad ones get dnctl's messages", async (t) => {
  const r = await run_script(`kldload ipfw
kldload dummynet
dnctl pipe 1 config  bw 10Mb queue 100 droptail
dnctl sched 1 config pipe 1 type fq_codel target 0ms interval 0ms quantum 1514 limit 10240 flows 1024 ecn
dnctl queue 1 config pipe 1 droptail
dnctl sched 1 show
dnctl pipe 1 show
dnctl queue show
dnctl sched 2 config type fq_codel target 20ms interval 300ms quantum 300 limit 99999 flows 8 noecn
dnctl sched 2 show
sysctl net.inet.ip.dummynet.fqcodel.quantum=3000
dnctl sched 3 config type fq_codel
dnctl sched 3 show
dnctl sched 4 config type fq_codel flows 2>&1; echo "status $?"
dnctl sched 4 config type fq_codel quantum x 2>&1; echo "status $?"
dnctl queue 5 config fq_codel 2>&1; echo "status $?"
`);
  t.is(r.err, "");
  t.is(
    r.out,
    // What FreeBSD 14 prints: every object on its own line(s), as
    // list_pipes flushes the link's line before the next object.  Under
    // the link comes the scheduler's own flowset 65537 (1 + DN_MAX_ID),
    // which config_sched created for the FQ_CODEL scheduler (not
    // DN_MULTIQUEUE) with qsize 0, bounded to 50 slots; the pipe's
    // "queue 100" belongs to flowset 131073, the FIFO twin's, and shows
    // under "pipe 1 show".  target and interval 0 are bounded to 1 us.
    "00001:  10.000 Mbit/s    0 ms burst 0 \n" +
      "q65537  50 sl. 0 flows (1 buckets) sched 1 weight 0 lmax 0 pri 0 droptail\n" +
      " sched 1 type FQ_CODEL flags 0x0 0 buckets 0 active\n" +
      " FQ_CODEL target 1us interval 1us quantum 1514 limit 10240 flows 1024 ECN\n" +
      "   Children flowsets: 1 \n" +
      "00001:  10.000 Mbit/s    0 ms burst 0 \n" +
      "q131073 100 sl. 0 flows (1 buckets) sched 65537 weight 0 lmax 0 pri 0 droptail\n" +
      " sched 65537 type FIFO flags 0x0 0 buckets 0 active\n" +
      "q00001  50 sl. 0 flows (1 buckets) sched 1 weight 0 lmax 0 pri 0 droptail\n" +
      // limit is bounded to 20480.
      "00002: unlimited         0 ms burst 0 \n" +
      "q65538  50 sl. 0 flows (1 buckets) sched 2 weight 0 lmax 0 pri 0 droptail\n" +
      " sched 2 type FQ_CODEL flags 0x0 0 buckets 0 active\n" +
      " FQ_CODEL target 20ms interval 300ms quantum 300 limit 20480 flows 8 NoECN\n" +
      "net.inet.ip.dummynet.fqcodel.quantum: 1514 -> 3000\n" +
      "00003: unlimited         0 ms burst 0 \n" +
      "q65539  50 sl. 0 flows (1 buckets) sched 3 weight 0 lmax 0 pri 0 droptail\n" +
      " sched 3 type FQ_CODEL flags 0x0 0 buckets 0 active\n" +
      " FQ_CODEL target 5ms interval 100ms quantum 3000 limit 10240 flows 1024 ECN\n" +
      "dnctl: flows needs number\n\nstatus 65\n" +
      "dnctl: quantum needs number\n\nstatus 65\n" +
      "dnctl: need fq_codel/fq_pie is only for schd\nstatus 64\n",
  );
});

test("jenkins_hash: lookup3's hashlittle values", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const s = new TextEncoder().encode("Four score and seven years ago");
  t.is(k.jenkins_hash(s, 30, 0), 0x17770551);
  t.is(k.jenkins_hash(s, 30, 1), 0xcd628161);
  t.is(k.jenkins_hash(new Uint8Array(0), 0, 0), 0xdeadbeef);
});
