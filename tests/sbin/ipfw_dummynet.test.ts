// sbin/ipfw_dummynet (dummynet.c): `ipfw pipe|queue|sched ... config`,
// show/list in FreeBSD's format, delete and flush, dnctl, the checks and
// messages of a bad configuration, and the net.inet.ip.dummynet limits
// they read.  The expected text follows dummynet.c's printf formats
// (humanize_number's "0 " burst, the link line on its own and the pipe's
// flowset q<pipe+131072> under it, children flowsets newest first).
import test from "ava";
import { TWO_JAILS, run_script } from "./prog_helpers.ts";

const SCRIPT = `kldload dummynet
ipfw pipe 1 config bw 1Mbit/s delay 50 queue 20 plr 0.01
ipfw pipe 2 config bw 300Kbit/s queue 10KB mask src-ip 0xffffff00
ipfw sched 3 config type wf2q+ mask dst-ip 0xffffffff
ipfw queue 5 config sched 3 weight 4 queue 30
ipfw queue 6 config pipe 3 weight 1 red 0.002/5/15/0.1
ipfw pipe show
echo ---
ipfw queue show
echo ---
ipfw sched show
echo ---
dnctl pipe 2 show
dnctl pipe 2 delete
dnctl pipe 2 delete
echo rc=$?
dnctl pipe show
ipfw pipe 7 config bw 1Mbit/s queue 200
echo rc=$?
ipfw pipe 7 config delay 20000
echo rc=$?
ipfw pipe 7 config bogus
echo rc=$?
ipfw pipe config
echo rc=$?
ipfw sched 7 config type nosuch
echo rc=$?
dnctl nat 1 show
echo rc=$?
dnctl -q pipe flush
dnctl pipe show
sysctl net.inet.ip.dummynet.pipe_slot_limit=10
ipfw pipe 8 config queue 20
echo rc=$?
sysctl net.inet.ip.dummynet.hash_size=8
echo rc=$?
`;

const EXPECTED_OUT = `00001:   1.000 Mbit/s   50 ms burst 0 
q131073  20 sl.plr 0.010000 0 flows (1 buckets) sched 65537 weight 0 lmax 0 pri 0 droptail
 sched 65537 type FIFO flags 0x0 0 buckets 0 active
00002: 300.000 Kbit/s    0 ms burst 0 
q131074 10 KB 0 flows (1 buckets) sched 65538 weight 0 lmax 0 pri 0 droptail
 sched 65538 type FIFO flags 0x1 64 buckets 0 active
    mask:  0x00 0xffffff00/0x0000 -> 0x00000000/0x0000
00003: unlimited         0 ms burst 0 
q131075  50 sl. 0 flows (1 buckets) sched 65539 weight 0 lmax 0 pri 0 droptail
 sched 65539 type FIFO flags 0x1 64 buckets 0 active
    mask:  0x00 0x00000000/0x0000 -> 0xffffffff/0x0000
---
q00005  30 sl. 0 flows (1 buckets) sched 3 weight 4 lmax 0 pri 0 droptail
q00006  50 sl. 0 flows (1 buckets) sched 3 weight 1 lmax 0 pri 0 
	  RED w_q 0.001999 min_th 5 max_th 15 max_p 0.099991
---
00001:   1.000 Mbit/s   50 ms burst 0 
 sched 1 type WF2Q+ flags 0x0 0 buckets 0 active
00002: 300.000 Kbit/s    0 ms burst 0 
 sched 2 type WF2Q+ flags 0x0 0 buckets 0 active
00003: unlimited         0 ms burst 0 
 sched 3 type WF2Q+ flags 0x1 64 buckets 0 active
    mask:  0x00 0x00000000/0x0000 -> 0xffffffff/0x0000
   Children flowsets: 6 5 
---
00002: 300.000 Kbit/s    0 ms burst 0 
q131074 10 KB 0 flows (1 buckets) sched 65538 weight 0 lmax 0 pri 0 droptail
 sched 65538 type FIFO flags 0x1 64 buckets 0 active
    mask:  0x00 0xffffff00/0x0000 -> 0x00000000/0x0000
rc=0
00001:   1.000 Mbit/s   50 ms burst 0 
q131073  20 sl.plr 0.010000 0 flows (1 buckets) sched 65537 weight 0 lmax 0 pri 0 droptail
 sched 65537 type FIFO flags 0x0 0 buckets 0 active
00003: unlimited         0 ms burst 0 
q131075  50 sl. 0 flows (1 buckets) sched 65539 weight 0 lmax 0 pri 0 droptail
 sched 65539 type FIFO flags 0x1 64 buckets 0 active
    mask:  0x00 0x00000000/0x0000 -> 0xffffffff/0x0000
rc=65
rc=65
rc=65
rc=64
rc=1
rc=64
net.inet.ip.dummynet.pipe_slot_limit: 100 -> 10
rc=65
rc=1
`;

const EXPECTED_ERR = `dnctl: rule 1: setsockopt(IP_DUMMYNET_DEL): Invalid argument
ipfw: 2 <= queue size <= 100
ipfw: delay must be < 10000
ipfw: unrecognised option \`\`bogus''
ipfw: need a pipe/flowset/sched number
ipfw: setsockopt(IP_DUMMYNET_CONFIGURE): Invalid argument
dnctl: Unsupported command
ipfw: 2 <= queue size <= 10
sysctl: net.inet.ip.dummynet.hash_size=8: Invalid argument
`;

test("pipe, queue and sched config, show, delete, flush and errors, as FreeBSD 14 prints them", async (t) => {
  const r = await run_script(SCRIPT, { seed: 1 });
  t.is(r.out, EXPECTED_OUT);
  t.is(r.err, EXPECTED_ERR);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

// Traffic leaves instances and queues behind; net.inet.ip.dummynet.expire=0
// keeps FreeBSD's drain from removing them, so what is shown does not hang
// on when the drain's bucket scan comes round.
const TRAFFIC = (conf: string, rule: string): string => `kldload ipfw
kldload dummynet
sysctl net.inet.ip.dummynet.expire=0 > /dev/null
${TWO_JAILS}jexec a ipfw -q add 100 allow ip from any to any
jexec b ipfw -q add 100 ${rule} ip from any to any
${conf}echo "--- before"
jexec b dnctl pipe show
jexec b dnctl sched show
jexec b dnctl queue show
jexec a ping -q -c 2 10.0.0.2 > /dev/null
echo "--- after"
jexec b dnctl pipe show
jexec b dnctl sched show
jexec b dnctl queue show
`;

test("a plain pipe before and after traffic: link line, the pipe's flowset q131073, its FIFO twin with one instance and its flow", async (t) => {
  const r = await run_script(TRAFFIC("jexec b dnctl pipe 1 config bw 1Mbit/s delay 20\n", "pipe 1"), { seed: 1 });
  t.is(r.err, "");
  const pipe = (active: number): string =>
    "00001:   1.000 Mbit/s   20 ms burst 0 \n" +
    // The pipe's own queue is flowset 1 + 2 * DN_MAX_ID; a FIFO keeps its
    // queue in the instance, so the flowset counts no flows of its own.
    "q131073  50 sl. 0 flows (1 buckets) sched 65537 weight 0 lmax 0 pri 0 droptail\n" +
    ` sched 65537 type FIFO flags 0x0 0 buckets ${active} active\n`;
  // "sched show" lists scheduler 1 (WF2Q+, no flowset of its own, no
  // children: the pipe's traffic goes through the FIFO twin).
  const sched = "00001:   1.000 Mbit/s   20 ms burst 0 \n sched 1 type WF2Q+ flags 0x0 0 buckets 0 active\n";
  t.is(
    r.out,
    "--- before\n" +
      pipe(0) +
      sched +
      "--- after\n" +
      pipe(1) +
      // The instance as a flow: no scheduler mask, so an all-zero id in
      // bucket 0; 2 echoes and 2 replies of 84 bytes crossed it.
      "BKT Prot ___Source IP/port____ ____Dest. IP/port____ Tot_pkt/bytes Pkt/Byte Drp\n" +
      "  0 ip           0.0.0.0/0             0.0.0.0/0        4      336  0    0   0\n" +
      sched,
  );
  r.k.kern_run_until_idle();
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("WF2Q+ with a masked queue: sched show's children and instance, queue show's mask and one flow per direction", async (t) => {
  const r = await run_script(
    TRAFFIC("jexec b dnctl pipe 1 config bw 1Mbit/s\njexec b dnctl queue 100 config sched 1 weight 99 mask all\n", "queue 100"),
    { seed: 1 },
  );
  t.is(r.err, "");
  const pipe = "00001:   1.000 Mbit/s    0 ms burst 0 \nq131073  50 sl. 0 flows (1 buckets) sched 65537 weight 0 lmax 0 pri 0 droptail\n sched 65537 type FIFO flags 0x0 0 buckets 0 active\n";
  const HDR = "BKT Prot ___Source IP/port____ ____Dest. IP/port____ Tot_pkt/bytes Pkt/Byte Drp\n";
  t.is(
    r.out,
    "--- before\n" +
      pipe +
      // WF2Q+ is DN_MULTIQUEUE: no flowset of its own under the link.
      "00001:   1.000 Mbit/s    0 ms burst 0 \n" +
      " sched 1 type WF2Q+ flags 0x0 0 buckets 0 active\n" +
      "   Children flowsets: 100 \n" +
      // A mask gets the flowset hash_size (64) buckets; "all" leaves the
      // queue bit out of the mask.
      "q00100  50 sl. 0 flows (64 buckets) sched 1 weight 99 lmax 0 pri 0 droptail\n" +
      "    mask:  0xff 0xffffffff/0xffff -> 0xffffffff/0xffff\n" +
      "--- after\n" +
      pipe +
      "00001:   1.000 Mbit/s    0 ms burst 0 \n" +
      " sched 1 type WF2Q+ flags 0x0 0 buckets 1 active\n" +
      "   Children flowsets: 100 \n" +
      HDR +
      "  0 ip           0.0.0.0/0             0.0.0.0/0        4      336  0    0   0\n" +
      "q00100  50 sl. 2 flows (64 buckets) sched 1 weight 99 lmax 0 pri 0 droptail\n" +
      "    mask:  0xff 0xffffffff/0xffff -> 0xffffffff/0xffff\n" +
      HDR +
      // BKT is flow_id_hash of the masked id, low byte: 1 one way, 4 the
      // other; the hash table is scanned in bucket order.
      "  1 icmp        10.0.0.1/0            10.0.0.2/0        2      168  0    0   0\n" +
      "  4 icmp        10.0.0.2/0            10.0.0.1/0        2      168  0    0   0\n",
  );
  r.k.kern_run_until_idle();
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
