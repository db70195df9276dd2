// netinet/tcp_syncache: half-open connections from a scripted peer on
// epair0a: the SYN|ACK and its retransmissions with backoff until the
// entry goes stale, duplicate SYNs, RSTs for an entry (exact, in window,
// outside); SYN cookies alone (net.inet.tcp.syncookies_only) carrying MSS,
// window scale and SACK through the handshake and refusing forged ACKs;
// a full bucket pausing the cache so that cookies take over.
import test from "ava";
import { loadKernel, loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import { ifp, inv, lo_epair_setup } from "./rt_helpers.ts";
import { ACK, RST, SYN, moved, peer_link_on, seg4, settle, tcpstat, type peer_link } from "./tcp_helpers.ts";

type Proc = ReturnType<Kernel["proc_create"]>;

const LOCAL = 0x0a000001;
const PEER = 0x0a000002;

/** MSS 1460, window scale 7, SACK permitted. */
const SYNOPTS = [2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0];

function listener(k: Kernel, p: Proc, port = 80): number {
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0);
  if (s.error !== 0) throw new Error(`socket ${s.error}`);
  if (k.sys_bind(p, s.fd, new k.sockaddr_in(LOCAL, port)) !== 0) throw new Error("bind");
  if (k.sys_listen(p, s.fd, 16) !== 0) throw new Error("listen");
  return s.fd;
}

function world(k: Kernel): { p: Proc; peer: peer_link } {
  const p = k.proc_create(k.cred0, "t");
  const e = lo_epair_setup(k);
  return { p, peer: peer_link_on(k, inv(k, k.vnet0, () => ifp(k, e.a))) };
}

function count(k: Kernel): number {
  const v = k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.syncache.count").value;
  return typeof v === "number" ? v : -1;
}

/** Close everything and let the timers run out. */
function finish(k: Kernel, p: Proc, peer: peer_link, fds: number[]): void {
  for (const fd of fds) k.sys_close(p, fd);
  settle(k, 10 * 60 * 1000);
  peer.take();
  peer.restore();
}

test.serial("the SYN|ACK is resent with backoff (after 1 s, 2.2 s, 4.2 s) and the entry goes stale 8.2 s later; a duplicate SYN resends at once", async (t) => {
  const k = await loadKernel("vimage");
  const { p, peer } = world(k);
  const l = listener(k, p);
  const st0 = tcpstat(k);
  peer.inject(seg4(PEER, LOCAL, { sport: 1234, dport: 80, seq: 100, flags: SYN, opts: SYNOPTS }));
  const sa = peer.take();
  t.is(sa.length, 1);
  t.is(sa[0].flags, SYN | ACK);
  t.is(sa[0].ack, 101);
  t.true(sa[0].sum_ok);
  t.is(count(k), 1);
  const iss = sa[0].seq;
  // A duplicate SYN: the same SYN|ACK again.
  peer.inject(seg4(PEER, LOCAL, { sport: 1234, dport: 80, seq: 100, flags: SYN, opts: SYNOPTS }));
  const dup = peer.take();
  t.is(dup.length, 1);
  t.is(dup[0].seq, iss);
  // The timer: retransmissions at growing intervals, then the entry goes.
  const times: number[] = [];
  for (let ms = 0; ms < 20000; ms += 50) {
    settle(k, 50);
    if (peer.take().length > 0) times.push(ms + 50);
  }
  t.deepEqual(times, [1000, 3200, 7400]);
  t.is(count(k), 0);
  const d = moved(st0, tcpstat(k));
  t.is(d.tcps_sc_added, 1);
  t.is(d.tcps_sc_dupsyn, 1);
  t.is(d.tcps_sc_retransmitted, 3);
  t.is(d.tcps_sc_stale, 1);
  finish(k, p, peer, [l]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("a RST for an entry: outside the window ignored, in the window a challenge ACK, at IRS+1 the entry goes", async (t) => {
  const k = await loadKernel("vimage");
  const { p, peer } = world(k);
  const l = listener(k, p);
  peer.inject(seg4(PEER, LOCAL, { sport: 2222, dport: 80, seq: 5000, flags: SYN, opts: SYNOPTS }));
  t.is(peer.take().length, 1);
  const st0 = tcpstat(k);
  peer.inject(seg4(PEER, LOCAL, { sport: 2222, dport: 80, seq: 5000 + 200000, flags: RST }));
  t.deepEqual(peer.take(), []);
  peer.inject(seg4(PEER, LOCAL, { sport: 2222, dport: 80, seq: 5010, flags: RST }));
  const ch = peer.take();
  t.is(ch.length, 1);
  t.is(ch[0].flags, ACK);
  t.is(ch[0].ack, 5001);
  t.is(count(k), 1);
  peer.inject(seg4(PEER, LOCAL, { sport: 2222, dport: 80, seq: 5001, flags: RST }));
  t.is(count(k), 0);
  const d = moved(st0, tcpstat(k));
  t.is(d.tcps_badrst, 2);
  t.is(d.tcps_sc_reset, 1);
  finish(k, p, peer, [l]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("syncookies_only: nothing kept, the cookie brings back MSS, window scale and SACK; a forged ACK gets a RST", async (t) => {
  const k = await loadKernel("vimage");
  const { p, peer } = world(k);
  t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.syncookies_only", 1).error, 0);
  const l = listener(k, p);
  const st0 = tcpstat(k);
  peer.inject(seg4(PEER, LOCAL, { sport: 3333, dport: 80, seq: 9000, flags: SYN, opts: SYNOPTS }));
  const sa = peer.take();
  t.is(sa.length, 1);
  t.is(count(k), 0, "no entry with cookies only");
  // A forged ACK from another port, and one that acknowledges the wrong ISS.
  peer.inject(seg4(PEER, LOCAL, { sport: 3334, dport: 80, seq: 9001, ack: (sa[0].seq + 1) >>> 0, flags: ACK }));
  peer.inject(seg4(PEER, LOCAL, { sport: 3333, dport: 80, seq: 9001, ack: (sa[0].seq + 2) >>> 0, flags: ACK }));
  const rsts = peer.take();
  t.is(rsts.length, 2);
  t.true(rsts.every((o) => o.flags === RST));
  t.is(k.sys_accept(p, l).error, k.EAGAIN);
  // The right ACK: the connection, rebuilt from the cookie.
  peer.inject(seg4(PEER, LOCAL, { sport: 3333, dport: 80, seq: 9001, ack: (sa[0].seq + 1) >>> 0, flags: ACK, win: 100 }));
  const a = k.sys_accept(p, l);
  t.is(a.error, 0);
  const so = k.fd_socket(p, a.fd);
  if (so === null) throw new Error("no socket");
  const tp = k.sototcpcb(so);
  t.is(tp.t_state, k.TCPS_ESTABLISHED);
  t.is(tp.snd_scale, 7);
  t.true((tp.t_flags & k.TF_SACK_PERMIT) !== 0);
  t.is(tp.t_maxseg, 1460);
  t.is(tp.snd_wnd, 100 << 7);
  const d = moved(st0, tcpstat(k));
  t.is(d.tcps_sc_sendcookie, 1);
  t.is(d.tcps_sc_recvcookie, 1);
  t.is(d.tcps_sc_completed, 1);
  t.is(d.tcps_sc_added ?? 0, 0);
  finish(k, p, peer, [a.fd, l]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("a full bucket (hashsize 1, bucketlimit 1 at boot) pauses the cache: every handshake still completes on cookies", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  k.kern_boot({ seed: 0, tunables: { "net.inet.tcp.syncache.hashsize": 1, "net.inet.tcp.syncache.bucketlimit": 1 } });
  const { p, peer } = world(k);
  const l = listener(k, p);
  const st0 = tcpstat(k);
  const isss: number[] = [];
  for (let i = 0; i < 4; i++) {
    peer.inject(seg4(PEER, LOCAL, { sport: 4000 + i, dport: 80, seq: 100 * i, flags: SYN, opts: SYNOPTS }));
    const sa = peer.take();
    t.is(sa.length, 1);
    isss.push(sa[0].seq);
  }
  const d = moved(st0, tcpstat(k));
  t.is(d.tcps_sc_bucketoverflow, 1, "counted once per pause");
  t.true(count(k) <= 1);
  for (let i = 0; i < 4; i++) peer.inject(seg4(PEER, LOCAL, { sport: 4000 + i, dport: 80, seq: 100 * i + 1, ack: (isss[i] + 1) >>> 0, flags: ACK }));
  const fds: number[] = [];
  for (;;) {
    const a = k.sys_accept(p, l);
    if (a.error !== 0) break;
    fds.push(a.fd);
  }
  t.is(fds.length, 4);
  t.true(moved(st0, tcpstat(k)).tcps_sc_recvcookie >= 3);
  finish(k, p, peer, [...fds, l]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
