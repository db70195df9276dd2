// sbin/ipfw_dummynet (dummynet.c): `ipfw pipe|queue|sched ... config`,
// show/list in FreeBSD's format, delete and flush, dnctl, the checks and
// messages of a bad configuration, and the net.inet.ip.dummynet limits
// they read.  The expected text follows dummynet.c's printf formats
// (humanize_number's "0 " burst, the link line joined with the pipe's
// flowset, children flowsets newest first).
import test from "ava";
import { run_script } from "./prog_helpers.ts";

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

const EXPECTED_OUT = `00001:   1.000 Mbit/s   50 ms burst 0   20 sl.plr 0.010000 0 queues (1 buckets) droptail
 sched 65537 type FIFO flags 0x0 0 buckets 0 active
00002: 300.000 Kbit/s    0 ms burst 0  10 KB 0 queues (1 buckets) droptail
 sched 65538 type FIFO flags 0x1 64 buckets 0 active
    mask:  0x00 0xffffff00/0x0000 -> 0x00000000/0x0000
00003: unlimited         0 ms burst 0   50 sl. 0 queues (1 buckets) droptail
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
00002: 300.000 Kbit/s    0 ms burst 0  10 KB 0 queues (1 buckets) droptail
 sched 65538 type FIFO flags 0x1 64 buckets 0 active
    mask:  0x00 0xffffff00/0x0000 -> 0x00000000/0x0000
rc=0
00001:   1.000 Mbit/s   50 ms burst 0   20 sl.plr 0.010000 0 queues (1 buckets) droptail
 sched 65537 type FIFO flags 0x0 0 buckets 0 active
00003: unlimited         0 ms burst 0   50 sl. 0 queues (1 buckets) droptail
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
