// netinet/tcp_output: what an active open puts on the wire, read back from
// epair0a where a scripted peer (the test) sits: the SYN's options in
// FreeBSD's order and padding with good checksums, the SYN retransmitted
// with tcp_rexmit_initial's backoff (1 s, then 2.2 s and 4.2 s later with
// the slop), the handshake's ACK, data and FIN, and a connection that
// never hears back dropped after net.inet.tcp.keepinit.  Every test ends
// with no mbuf outstanding.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import { inv, ifp, lo_epair_setup } from "./rt_helpers.ts";
import { ACK, FIN, PUSH, SYN, moved, peer_link_on, seg4, settle, tcpstat, type peer_link } from "./tcp_helpers.ts";

type Proc = ReturnType<Kernel["proc_create"]>;
const LOCAL = 0x0a000001;
const PEER = 0x0a000002;

interface active {
  k: Kernel;
  p: Proc;
  peer: peer_link;
  fd: number;
}

/** A non-blocking connect from 10.0.0.1 to the scripted peer 10.0.0.2:80. */
async function connect(build: (typeof BOTH)[number]): Promise<active> {
  const k = await loadKernel(build);
  const p = k.proc_create(k.cred0, "t");
  const e = lo_epair_setup(k);
  const peer = peer_link_on(k, inv(k, k.vnet0, () => ifp(k, e.a)));
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0);
  if (s.error !== 0) throw new Error(`socket ${s.error}`);
  if (k.sys_bind(p, s.fd, new k.sockaddr_in(LOCAL, 4000)) !== 0) throw new Error("bind");
  const error = k.sys_connect(p, s.fd, new k.sockaddr_in(PEER, 80));
  if (error !== k.EINPROGRESS) throw new Error(`connect ${error}`);
  return { k, p, peer, fd: s.fd };
}

function finish(c: active): void {
  c.k.sys_close(c.p, c.fd);
  settle(c.k, 20 * 60 * 1000);
  c.peer.take();
  c.peer.restore();
}

for (const build of BOTH) {
  test.serial(`${build}: the SYN: MSS, NOP, window scale 6, SACK permitted, timestamps, in FreeBSD's layout, checksum good`, async (t) => {
    const c = await connect(build);
    const out = c.peer.take();
    t.is(out.length, 1);
    const syn = out[0];
    t.is(syn.flags, SYN);
    t.is(syn.sport, 4000);
    t.is(syn.dport, 80);
    t.is(syn.ack, 0);
    t.true(syn.sum_ok);
    // An unscaled window in a SYN: the receive buffer, at most 65535.
    t.is(syn.win, 65535);
    t.deepEqual(Array.from(syn.opts.subarray(0, 12)), [2, 4, 0x05, 0xb4, 1, 3, 3, 6, 4, 2, 8, 10]);
    t.is(syn.opts.length, 20);
    // TSecr is zero in a SYN.
    t.deepEqual(Array.from(syn.opts.subarray(16, 20)), [0, 0, 0, 0]);
    finish(c);
    t.deepEqual(c.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: an unanswered SYN is resent after 1 s, 2.2 s and 4.2 s, then the connection is dropped at keepinit (75 s)`, async (t) => {
    const c = await connect(build);
    const before = tcpstat(c.k);
    t.is(c.peer.take().length, 1);
    const at: number[] = [];
    for (let ms = 0; ms < 80000; ms += 100) {
      settle(c.k, 100);
      const o = c.peer.take();
      for (const s of o) if (s.flags === SYN) at.push(ms + 100);
    }
    t.deepEqual(at.slice(0, 3), [1000, 3200, 7400]);
    const d = moved(before, tcpstat(c.k));
    t.is(d.tcps_connattempt ?? 0, 0);
    t.true((d.tcps_rexmttimeo ?? 0) >= 3);
    t.is(d.tcps_conndrops, 1);
    t.is(d.tcps_keepdrops, 1);
    finish(c);
    t.deepEqual(c.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: the handshake, data with PUSH, FIN: sequence numbers, window and counters`, async (t) => {
    const c = await connect(build);
    const { k, p, peer } = c;
    const syn = peer.take()[0];
    const before = tcpstat(k);
    // SYN|ACK with MSS 1000 and no other option.
    peer.inject(seg4(PEER, LOCAL, { sport: 80, dport: 4000, seq: 7000, ack: (syn.seq + 1) >>> 0, flags: SYN | ACK, win: 8192, opts: [2, 4, 0x03, 0xe8] }));
    const ack = peer.take();
    t.is(ack.length, 1);
    t.is(ack[0].flags, ACK);
    t.is(ack[0].seq, (syn.seq + 1) >>> 0);
    t.is(ack[0].ack, 7001);
    t.is(ack[0].opts.length, 0);
    t.true(ack[0].sum_ok);
    // Write 2500 bytes: segments of the peer's MSS, PUSH on the last.
    const data = new Uint8Array(2500).map((_, i) => i & 0xff);
    t.is(k.sys_write(p, c.fd, data).len, 2500);
    const segs = peer.take();
    t.deepEqual(
      segs.map((s) => s.data.length),
      [1000, 1000, 500],
    );
    t.is(segs[2].flags, ACK | PUSH);
    t.is(segs[1].seq, (syn.seq + 1001) >>> 0);
    const d = moved(before, tcpstat(k));
    t.is(d.tcps_sndpack, 3);
    t.is(d.tcps_sndbyte, 2500);
    // The peer ACKs everything; shutdown sends the FIN.
    peer.inject(seg4(PEER, LOCAL, { sport: 80, dport: 4000, seq: 7001, ack: (syn.seq + 2501) >>> 0, flags: ACK, win: 8192 }));
    t.is(k.sys_shutdown(p, c.fd, k.SHUT_WR), 0);
    const fin = peer.take();
    t.is(fin.length, 1);
    t.is(fin[0].flags, FIN | ACK);
    t.is(fin[0].seq, (syn.seq + 2501) >>> 0);
    finish(c);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test("EMSGSIZE under the 64-byte floor of t_maxseg: tcp_output gives up the send instead of trying again for ever", async (t) => {
  // An MTU of 74 leaves 34 bytes of segment; t_maxseg never goes under 64,
  // so every data segment is too big for the link and ip_output says
  // EMSGSIZE.  tcp_mss_update then leaves t_maxseg where it was, and
  // FreeBSD tries again only when it went down: the write returns, the
  // handshake's connection stays, nothing loops.  (Before, tcp_output went
  // round for ever inside one write(2).)
  const { run_script } = await import("../sbin/prog_helpers.ts");
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 mtu 74 up
jexec b ifconfig epair0b 10.0.0.2/24 mtu 74 up
jexec a sysctl net.inet.tcp.minmss=22 >/dev/null
jexec b nc -l 10.0.0.2 2345 > /dev/null &
sleep 1
echo "a line longer than the link can carry" | jexec a nc -w 2 -N 10.0.0.2 2345
echo "nc $?"
jexec a netstat -s -p tcp | grep -E 'connections? established'
# The closed socket's unsendable data keeps it retransmitting (each try
# EMSGSIZE again) until the retransmit limit drops the connection.
sleep 900
jexec a netstat -s -p tcp | grep -E 'connections? dropped by rexmit timeout'
jail -r a b >/dev/null
`);
  t.is(r.err, "");
  t.is(r.out, "nc 0\n\t1 connection established (including accepts)\n\t\t1 connection dropped by rexmit timeout\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
