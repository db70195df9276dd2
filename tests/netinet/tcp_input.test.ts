// netinet/tcp_input: segments from a scripted peer (the test injects them
// on epair0a and reads what TCP answers on it): the passive open through
// the syncache, data in order and out of order, FIN; RST and SYN checks of
// RFC 5961 with rate-limited challenge ACKs; RSTs for closed ports and the
// blackhole; bad checksums and header lengths; tcp_dooptions on random
// option bytes.  Every test ends with no mbuf outstanding.
import test from "ava";
import fc from "fast-check";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import { inv, ifp, lo_epair_setup } from "./rt_helpers.ts";
import { TWO_JAILS, run_script } from "../sbin/prog_helpers.ts";
import { ACK, FIN, PUSH, RST, SYN, moved, peer_link_on, seg4, settle, tcpstat, type peer_link, type tcp_out } from "./tcp_helpers.ts";

type Proc = ReturnType<Kernel["proc_create"]>;

const LOCAL = 0x0a000001; // 10.0.0.1, epair0a
const PEER = 0x0a000002; // 10.0.0.2, the scripted peer behind it
const bytes = (s: string) => new TextEncoder().encode(s);

/** MSS 1460, window scale 7, SACK permitted, timestamps val/ecr: a SYN's options. */
function syn_opts(tsval: number, ecr = 0): number[] {
  return [2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, tsval >>> 24, (tsval >>> 16) & 0xff, (tsval >>> 8) & 0xff, tsval & 0xff, ecr >>> 24, (ecr >>> 16) & 0xff, (ecr >>> 8) & 0xff, ecr & 0xff];
}
/** NOP NOP timestamp: what every later segment carries. */
function ts_opts(tsval: number, ecr: number): number[] {
  return [1, 1, 8, 10, tsval >>> 24, (tsval >>> 16) & 0xff, (tsval >>> 8) & 0xff, tsval & 0xff, ecr >>> 24, (ecr >>> 16) & 0xff, (ecr >>> 8) & 0xff, ecr & 0xff];
}
/** The options of a segment TCP sent, by kind (value: the option's bytes after kind and length). */
function opts_of(o: tcp_out): Map<number, Uint8Array> {
  const r = new Map<number, Uint8Array>();
  for (let i = 0; i < o.opts.length; ) {
    const k = o.opts[i];
    if (k === 0) break;
    if (k === 1) {
      i++;
      continue;
    }
    const l = o.opts[i + 1];
    r.set(k, o.opts.slice(i + 2, i + l));
    i += l;
  }
  return r;
}
function be32(b: Uint8Array, o = 0): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

interface conn {
  k: Kernel;
  p: Proc;
  peer: peer_link;
  lfd: number;
  fd: number;
  /** The peer's next sequence number and our ISS + 1 (what it acknowledges). */
  pseq: number;
  ours: number;
  /** The peer's timestamp clock and the last TSval it saw from us. */
  tsval: number;
  ecr: number;
}

/** A listening socket on 10.0.0.1:80 and a connection from the scripted peer at 10.0.0.2:5555
 *  (its ISS pseq, its timestamp clock at tsval). */
async function established(build: (typeof BOTH)[number], sport = 5555, pseq = 1000, tsval = 500): Promise<conn> {
  const k = await loadKernel(build);
  const p = k.proc_create(k.cred0, "t");
  const e = lo_epair_setup(k);
  const peer = peer_link_on(k, inv(k, k.vnet0, () => ifp(k, e.a)));
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_STREAM, 0);
  if (s.error !== 0) throw new Error(`socket ${s.error}`);
  if (k.sys_bind(p, s.fd, new k.sockaddr_in(LOCAL, 80)) !== 0) throw new Error("bind");
  if (k.sys_listen(p, s.fd, 5) !== 0) throw new Error("listen");
  const c: conn = { k, p, peer, lfd: s.fd, fd: -1, pseq, ours: 0, tsval, ecr: 0 };
  peer.inject(seg4(PEER, LOCAL, { sport, dport: 80, seq: c.pseq, flags: SYN, opts: syn_opts(c.tsval) }));
  const sa = peer.take();
  if (sa.length !== 1 || sa[0].flags !== (SYN | ACK)) throw new Error(`no SYN|ACK: ${JSON.stringify(sa)}`);
  c.pseq++;
  c.ours = (sa[0].seq + 1) >>> 0;
  c.ecr = be32(opts_of(sa[0]).get(8) ?? new Uint8Array(8));
  c.tsval++;
  peer.inject(seg4(PEER, LOCAL, { sport, dport: 80, seq: c.pseq, ack: c.ours, flags: ACK, win: 512, opts: ts_opts(c.tsval, c.ecr) }));
  const a = k.sys_accept(p, s.fd);
  if (a.error !== 0) throw new Error(`accept ${a.error}`);
  c.fd = a.fd;
  return c;
}

/** The peer sends flags (and data) at its sequence number; returns what TCP answered at once. */
function send(c: conn, flags: number, data = new Uint8Array(0), seq = c.pseq, sport = 5555, win = 512): tcp_out[] {
  c.tsval++;
  c.peer.inject(seg4(PEER, LOCAL, { sport, dport: 80, seq, ack: c.ours, flags, win, data, opts: ts_opts(c.tsval, c.ecr) }));
  return c.peer.take();
}

function state_of(c: conn): number {
  const so = c.k.fd_socket(c.p, c.fd);
  if (so === null) throw new Error("no socket");
  return c.k.sototcpcb(so).t_state;
}

/** Close everything and let TCP finish; the peer answers nothing, so timers run out. */
function teardown(c: conn): void {
  const { k, p } = c;
  if (c.fd >= 0) k.sys_close(p, c.fd);
  k.sys_close(p, c.lfd);
  settle(k, 20 * 60 * 1000);
  c.peer.take();
  c.peer.restore();
}

for (const build of BOTH) {
  test.serial(`${build}: passive open through the syncache, in-order data with a delayed ACK, FIN to CLOSE_WAIT`, async (t) => {
    const c = await established(build);
    const { k, p } = c;
    t.is(state_of(c), k.TCPS_ESTABLISHED);
    const st0 = tcpstat(k);
    // In-order data: delivered, the ACK delayed (net.inet.tcp.delayed_ack).
    t.deepEqual(send(c, ACK | PUSH, bytes("hello")), []);
    c.pseq += 5;
    const r = k.sys_recvfrom(p, c.fd, 100, 0);
    t.deepEqual(r.data, bytes("hello"));
    settle(k, 300);
    const acks = c.peer.take();
    t.is(acks.length, 1);
    t.is(acks[0].ack, c.pseq);
    t.true(acks[0].sum_ok);
    const d = moved(st0, tcpstat(k));
    t.is(d.tcps_preddat, 1, "header prediction took the segment");
    t.is(d.tcps_rcvbyte, 5);
    t.is(d.tcps_delack, 1);
    // A FIN: acknowledged at once, CLOSE_WAIT, the reader sees EOF.
    const fa = send(c, ACK | FIN);
    c.pseq++;
    t.is(fa.length, 1);
    t.is(fa[0].ack, c.pseq);
    t.is(state_of(c), k.TCPS_CLOSE_WAIT);
    t.is(k.sys_recvfrom(p, c.fd, 100, 0).data?.length ?? -1, 0);
    teardown(c);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: the peer's sequence numbers and timestamps cross 2^31: ACKed right on the wire, int32 inside (V8's small integers, no heap number per segment)`, async (t) => {
    const c = await established(build, 5555, 0x7fffffe0, 0x7ffffffc);
    const { k, p } = c;
    const so = k.fd_socket(p, c.fd);
    if (so === null) throw new Error("no socket");
    const tp = k.sototcpcb(so);
    const acks: tcp_out[] = [];
    for (let i = 0; i < 6; i++) {
      acks.push(...send(c, ACK | PUSH, bytes("0123456789")));
      c.pseq = (c.pseq + 10) >>> 0;
    }
    t.is(c.pseq, 0x8000001d);
    t.is(k.sys_recvfrom(p, c.fd, 100, 0).data?.length, 60);
    settle(k, 300);
    acks.push(...c.peer.take());
    t.true(acks.length >= 1);
    t.is(acks[acks.length - 1].ack, c.pseq, "the ACK on the wire is the unsigned 32-bit number");
    // Inside, every sequence number and timestamp is the same 32 bits as
    // an int32: the peer's are past 2^31, so negative.
    const int32 = (x: number): boolean => (x | 0) === x;
    const fields = { snd_una: tp.snd_una, snd_nxt: tp.snd_nxt, snd_max: tp.snd_max, snd_up: tp.snd_up, snd_recover: tp.snd_recover, snd_wl1: tp.snd_wl1, snd_wl2: tp.snd_wl2, iss: tp.iss, irs: tp.irs, rcv_nxt: tp.rcv_nxt, rcv_adv: tp.rcv_adv, rcv_up: tp.rcv_up, last_ack_sent: tp.last_ack_sent, ts_recent: tp.ts_recent, ts_offset: tp.ts_offset };
    for (const [name, v] of Object.entries(fields)) t.true(int32(v), `${name} = ${v} is not an int32`);
    t.is(tp.rcv_nxt, c.pseq | 0);
    t.true(tp.rcv_nxt < 0, `rcv_nxt ${tp.rcv_nxt}`);
    t.true(tp.ts_recent < 0, `ts_recent ${tp.ts_recent}`);
    teardown(c);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: out-of-order data is ACKed at once with a SACK block, then reassembled`, async (t) => {
    const c = await established(build);
    const { k, p } = c;
    const st0 = tcpstat(k);
    const a = send(c, ACK, bytes("WORLD"), (c.pseq + 5) >>> 0);
    t.is(a.length, 1, "an immediate ACK for out-of-order data");
    t.is(a[0].ack, c.pseq);
    const sack = opts_of(a[0]).get(5);
    t.truthy(sack, "a SACK option");
    if (sack !== undefined) t.deepEqual([be32(sack, 0), be32(sack, 4)], [(c.pseq + 5) >>> 0, (c.pseq + 10) >>> 0]);
    t.false(k.so_readable(p, c.fd));
    const b = send(c, ACK, bytes("hello"));
    c.pseq += 10;
    t.is(b.length, 1);
    t.is(b[0].ack, c.pseq, "the hole filled: everything acknowledged");
    t.false(opts_of(b[0]).has(5), "no SACK block left");
    t.deepEqual(k.sys_recvfrom(p, c.fd, 100, 0).data, bytes("helloWORLD"));
    const d = moved(st0, tcpstat(k));
    t.is(d.tcps_rcvoopack, 2);
    t.is(d.tcps_rcvoobyte, 10);
    teardown(c);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: the send window follows the peer: only from a newer segment (RFC 793), a zero window with data is taken, a pure window update reopens it`, async (t) => {
    const c = await established(build);
    const { k, p } = c;
    const so = k.fd_socket(p, c.fd);
    if (so === null) throw new Error("no socket");
    const tp = k.sototcpcb(so);
    t.is(tp.snd_wnd, 512 << 7);
    // Same sequence and ACK as the handshake's last segment: a smaller
    // window is not taken (RFC 793's SND.WL1/SND.WL2 rule).
    send(c, ACK | PUSH, bytes("a"), c.pseq, 5555, 0);
    t.is(tp.snd_wnd, 512 << 7);
    c.pseq += 1;
    // A later segment: taken, zero and all.
    send(c, ACK | PUSH, bytes("zero"), c.pseq, 5555, 0);
    t.is(tp.snd_wnd, 0);
    t.is(tp.snd_wl1, c.pseq);
    c.pseq += 4;
    const st0 = tcpstat(k);
    send(c, ACK, new Uint8Array(0), c.pseq, 5555, 100);
    t.is(tp.snd_wnd, 100 << 7);
    t.is(moved(st0, tcpstat(k)).tcps_rcvwinupd, 1, "a pure window update");
    teardown(c);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: RST out of window changes nothing, in window earns a challenge ACK (at most ack_war_cnt a second), at RCV.NXT resets`, async (t) => {
    const c = await established(build);
    const { k, p } = c;
    const so = k.fd_socket(p, c.fd);
    if (so === null) throw new Error("no socket");
    const tp = k.sototcpcb(so);
    const snap = () => [tp.t_state, tp.snd_una, tp.snd_nxt, tp.snd_max, tp.rcv_nxt, tp.rcv_wnd, tp.snd_wnd, tp.t_flags];
    const before = snap();
    let st0 = tcpstat(k);
    // Far out of the window: dropped, no answer, no counter but the total.
    t.deepEqual(send(c, RST, new Uint8Array(0), (c.pseq + 0x40000000) >>> 0), []);
    t.deepEqual(send(c, RST | ACK, new Uint8Array(0), (c.pseq - 1) >>> 0), []);
    t.deepEqual(snap(), before);
    t.deepEqual(moved(st0, tcpstat(k)), { tcps_rcvtotal: 2 });
    // In the window but not at RCV.NXT: a challenge ACK.
    st0 = tcpstat(k);
    const ch = send(c, RST, new Uint8Array(0), (c.pseq + 100) >>> 0);
    t.is(ch.length, 1);
    t.is(ch[0].flags, ACK);
    t.is(ch[0].ack, c.pseq);
    t.is(ch[0].seq, c.ours);
    t.deepEqual(snap(), before);
    t.is(moved(st0, tcpstat(k)).tcps_badrst, 1);
    // Ten more within the second: four more challenge ACKs (five in all).
    let n = 0;
    for (let i = 0; i < 10; i++) n += send(c, RST, new Uint8Array(0), (c.pseq + 200 + i) >>> 0).length;
    t.is(n, 4);
    settle(k, 1100);
    c.peer.take();
    t.is(send(c, RST, new Uint8Array(0), (c.pseq + 300) >>> 0).length, 1, "a new second, a new allowance");
    t.is(state_of(c), k.TCPS_ESTABLISHED);
    // Exactly at RCV.NXT: the connection is reset.
    st0 = tcpstat(k);
    t.deepEqual(send(c, RST), []);
    t.is(moved(st0, tcpstat(k)).tcps_drops, 1);
    t.is(k.sys_recvfrom(p, c.fd, 100, 0).error, k.ECONNRESET);
    teardown(c);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a SYN on an established connection: challenge ACK (tcps_badsyn); with insecure_syn in the window it drops`, async (t) => {
    const c = await established(build);
    const { k, p } = c;
    const st0 = tcpstat(k);
    const a = send(c, SYN, new Uint8Array(0), (c.pseq + 10) >>> 0);
    t.is(a.length, 1);
    t.is(a[0].flags, ACK);
    t.is(a[0].ack, c.pseq);
    t.is(moved(st0, tcpstat(k)).tcps_badsyn, 1);
    t.is(state_of(c), k.TCPS_ESTABLISHED);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.insecure_syn", 1).error, 0);
    const r = send(c, SYN, new Uint8Array(0), (c.pseq + 10) >>> 0);
    t.true(r.length === 1 && (r[0].flags & RST) !== 0, "tcp_drop sends a RST");
    t.is(k.sys_recvfrom(p, c.fd, 100, 0).error, k.ECONNRESET);
    teardown(c);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: segments nobody wants: RST|ACK for a SYN, RST for an ACK, nothing for a RST; blackhole; bad checksum and offset counted`, async (t) => {
    const k = await loadKernel(build);
    const e = lo_epair_setup(k);
    const peer = peer_link_on(k, inv(k, k.vnet0, () => ifp(k, e.a)));
    const st0 = tcpstat(k);
    peer.inject(seg4(PEER, LOCAL, { sport: 4000, dport: 81, seq: 7000, flags: SYN }));
    let o = peer.take();
    t.is(o.length, 1);
    t.is(o[0].flags, RST | ACK);
    t.is(o[0].ack, 7001);
    t.is(o[0].seq, 0);
    t.true(o[0].sum_ok);
    peer.inject(seg4(PEER, LOCAL, { sport: 4000, dport: 81, seq: 7000, ack: 4242, flags: ACK, data: bytes("xyz") }));
    o = peer.take();
    t.is(o.length, 1);
    t.is(o[0].flags, RST);
    t.is(o[0].seq, 4242);
    peer.inject(seg4(PEER, LOCAL, { sport: 4000, dport: 81, seq: 7000, flags: RST }));
    t.deepEqual(peer.take(), []);
    // net.inet.tcp.blackhole=1: SYNs to closed ports dropped silently, others still answered.
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.blackhole", 1).error, 0);
    peer.inject(seg4(PEER, LOCAL, { sport: 4001, dport: 81, seq: 1, flags: SYN }));
    t.deepEqual(peer.take(), []);
    peer.inject(seg4(PEER, LOCAL, { sport: 4001, dport: 81, seq: 1, ack: 9, flags: ACK }));
    t.is(peer.take().length, 1);
    peer.inject(seg4(PEER, LOCAL, { sport: 4002, dport: 81, seq: 1, flags: SYN, badsum: true }));
    peer.inject(seg4(PEER, LOCAL, { sport: 4002, dport: 81, seq: 1, flags: SYN, off: 4 }));
    peer.inject(seg4(PEER, LOCAL, { sport: 4002, dport: 81, seq: 1, flags: SYN, off: 15 }));
    t.deepEqual(peer.take(), []);
    const d = moved(st0, tcpstat(k));
    t.is(d.tcps_rcvtotal, 8);
    t.is(d.tcps_rcvbadsum, 1);
    t.is(d.tcps_rcvbadoff, 2);
    peer.restore();
    settle(k, 10);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test.serial("tcp_dooptions: random option bytes never throw, never read past the header, and what it reports lies inside", async (t) => {
  const k = await loadKernel("vimage");
  const to = new k.tcpopt();
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.boolean(), (opt, syn) => {
      // A buffer exactly as long as the options: a read past them throws.
      const buf = Uint8Array.from(opt);
      const m = { m_buf: buf, m_dv: new DataView(buf.buffer) } as unknown as mbuf;
      inv(k, k.vnet0, () => k.tcp_dooptions(to, m, 0, buf.length, syn ? k.TO_SYN : 0));
      const known = k.TOF_MSS | k.TOF_SCALE | k.TOF_SACKPERM | k.TOF_TS | k.TOF_SIGNATURE | k.TOF_SACK;
      if ((to.to_flags & ~known) !== 0) return false;
      if (!syn && (to.to_flags & (k.TOF_MSS | k.TOF_SCALE | k.TOF_SACKPERM)) !== 0) return false;
      if (syn && (to.to_flags & k.TOF_SACK) !== 0) return false;
      if ((to.to_flags & k.TOF_SACK) !== 0 && (to.to_nsacks < 1 || to.to_sacks + 8 * to.to_nsacks > buf.length)) return false;
      if ((to.to_flags & k.TOF_SCALE) !== 0 && to.to_wscale > 14) return false;
      return true;
    }),
    { numRuns: 3000, seed: 14 },
  );
  t.pass();
});

for (const v6 of [false, true]) {
  test.serial(`vimage: two vnet jails over an epair, ${v6 ? "IPv6" : "IPv4"}: handshake, 200 kB byte-identical, FIN both ways, RST for a closed port`, async (t) => {
    const r = await run_script(`${TWO_JAILS}jexec a ifconfig epair0a inet6 2001:db8:9::1/64
jexec b ifconfig epair0b inet6 2001:db8:9::2/64
sleep 3
`);
    t.is(r.status, 0, r.err);
    const k = r.k;
    const ja = k.prison_find_name("a");
    const jb = k.prison_find_name("b");
    if (ja === null || jb === null) throw new Error("jails");
    const pa = k.proc_create(k.cred0, "a");
    const pb = k.proc_create(k.cred0, "b");
    t.is(k.sys_jail_attach_proc(pa, ja.pr_id), 0);
    t.is(k.sys_jail_attach_proc(pb, jb.pr_id), 0);
    const tick = (ms = 1) => k.kern_advance_ns(ms * 1_000_000);
    const fds: [Proc, number][] = [];
    {
      const af = v6 ? k.PF_INET6 : k.PF_INET;
      const addr = (host: number, port: number) => (v6 ? new k.sockaddr_in6(k.in6_addr_from([0x20, 1, 0xd, 0xb8, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, host]), port) : new k.sockaddr_in((10 << 24) | host, port));
      const l = k.sys_socket(pb, af, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0);
      t.is(k.sys_bind(pb, l.fd, addr(2, 7000)), 0);
      t.is(k.sys_listen(pb, l.fd, 4), 0);
      const c = k.sys_socket(pa, af, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0);
      t.is(k.sys_connect(pa, c.fd, addr(2, 7000)), k.EINPROGRESS);
      tick(50);
      const a = k.sys_accept(pb, l.fd);
      t.is(a.error, 0, `accept (${v6 ? "IPv6" : "IPv4"})`);
      fds.push([pb, l.fd], [pb, a.fd], [pa, c.fd]);
      const tpa = k.sototcpcb(k.fd_socket(pa, c.fd) as NonNullable<ReturnType<Kernel["fd_socket"]>>);
      const tpb = k.sototcpcb(k.fd_socket(pb, a.fd) as NonNullable<ReturnType<Kernel["fd_socket"]>>);
      t.deepEqual([tpa.t_state, tpb.t_state], [k.TCPS_ESTABLISHED, k.TCPS_ESTABLISHED]);
      // 200 kB from a to b, then a reply from b to a.
      const data = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 13 + (v6 ? 7 : 3)) & 0xff);
      const got: number[] = [];
      let sent = 0;
      for (let i = 0; i < 20000 && got.length < data.length; i++) {
        if (sent < data.length) {
          const w = k.sys_sendto(pa, c.fd, data.subarray(sent, Math.min(data.length, sent + 16384)), 0, null);
          if (w.error === 0) sent += w.len;
        }
        tick(1);
        const rr = k.sys_recvfrom(pb, a.fd, 65536, 0);
        if (rr.error === 0 && rr.data !== undefined && rr.data !== null) for (const b of rr.data) got.push(b);
      }
      t.is(got.length, data.length);
      t.true(Buffer.from(got).equals(Buffer.from(data)), "byte-identical");
      t.is(k.sys_sendto(pb, a.fd, bytes("thanks"), 0, null).error, 0);
      tick(50);
      t.deepEqual(k.sys_recvfrom(pa, c.fd, 100, 0).data, bytes("thanks"));
      // FIN from a, then from b.
      t.is(k.sys_shutdown(pa, c.fd, 1), 0);
      tick(50);
      t.is(tpb.t_state, k.TCPS_CLOSE_WAIT);
      t.is(k.sys_recvfrom(pb, a.fd, 100, 0).data?.length, 0, "EOF");
      t.is(k.sys_shutdown(pb, a.fd, 1), 0);
      tick(50);
      t.is(tpa.t_state, k.TCPS_TIME_WAIT);
      t.is(k.sys_recvfrom(pa, c.fd, 100, 0).data?.length, 0, "EOF");
      // A SYN to a port nobody listens on: RST, ECONNREFUSED.
      const x = k.sys_socket(pa, af, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0);
      fds.push([pa, x.fd]);
      t.is(k.sys_connect(pa, x.fd, addr(2, 7001)), k.EINPROGRESS);
      tick(50);
      const so = k.fd_socket(pa, x.fd);
      t.is(so?.so_error, k.ECONNREFUSED);
    }
    for (const [p, fd] of fds) k.sys_close(p, fd);
    tick(5 * 60 * 1000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
