// netinet/tcp_subr: path MTU discovery through tcp_ctlinput (an ICMP
// need-frag quoting a segment in flight lowers the MSS, resends from
// snd_una, and the host cache remembers the MTU: net.inet.tcp.hostcache.list),
// an ICMP unreachable quoting a sequence number not in flight changes
// nothing, and net.inet.tcp.pcblist's xtcpcb records (state, timers).
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import { inv, ifp, lo_epair_setup } from "./rt_helpers.ts";
import { ACK, SYN, moved, peer_link_on, seg4, settle, tcpstat, type peer_link } from "./tcp_helpers.ts";

type Proc = ReturnType<Kernel["proc_create"]>;
const LOCAL = 0x0a000001;
const PEER = 0x0a000002;

function sum16(b: Uint8Array, s = 0): number {
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  return s;
}
function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** An ICMP unreachable (type 3, code) from the peer quoting our segment
 *  10.0.0.1:4000 -> 10.0.0.2:80 with sequence number seq. */
function icmp_unreach(code: number, nextmtu: number, seq: number, quoted_len: number): Uint8Array {
  const b = new Uint8Array(20 + 8 + 20 + 8);
  const dv = new DataView(b.buffer);
  dv.setUint8(0, 0x45);
  dv.setUint16(2, b.length);
  b[8] = 64;
  b[9] = 1;
  dv.setUint32(12, PEER);
  dv.setUint32(16, LOCAL);
  dv.setUint16(10, ~fold(sum16(b.subarray(0, 20))) & 0xffff);
  b[20] = 3;
  b[21] = code;
  dv.setUint16(26, nextmtu);
  // The quoted IP header and 8 bytes of TCP.
  dv.setUint8(28, 0x45);
  dv.setUint16(30, quoted_len);
  b[36] = 64;
  b[37] = 6;
  dv.setUint32(40, LOCAL);
  dv.setUint32(44, PEER);
  dv.setUint16(48, 4000);
  dv.setUint16(50, 80);
  dv.setUint32(52, seq);
  dv.setUint16(22, ~fold(sum16(b.subarray(20))) & 0xffff);
  return b;
}

interface conn {
  k: Kernel;
  p: Proc;
  peer: peer_link;
  fd: number;
  snd: number;
}

async function established(build: (typeof BOTH)[number]): Promise<conn> {
  const k = await loadKernel(build);
  const p = k.proc_create(k.cred0, "t");
  const e = lo_epair_setup(k);
  const peer = peer_link_on(k, inv(k, k.vnet0, () => ifp(k, e.a)));
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0);
  if (k.sys_bind(p, s.fd, new k.sockaddr_in(LOCAL, 4000)) !== 0) throw new Error("bind");
  k.sys_connect(p, s.fd, new k.sockaddr_in(PEER, 80));
  const syn = peer.take()[0];
  const snd = (syn.seq + 1) >>> 0;
  // MSS 1460 offered: our MSS is the interface's, 1460.
  peer.inject(seg4(PEER, LOCAL, { sport: 80, dport: 4000, seq: 7000, ack: snd, flags: SYN | ACK, win: 65535, opts: [2, 4, 0x05, 0xb4] }));
  peer.take();
  return { k, p, peer, fd: s.fd, snd };
}

function finish(c: conn): void {
  c.k.sys_close(c.p, c.fd);
  settle(c.k, 20 * 60 * 1000);
  c.peer.take();
  c.peer.restore();
}

for (const build of BOTH) {
  test.serial(`${build}: ICMP need-frag with MTU 1000 lowers the MSS to 960, resends from snd_una, the host cache keeps the MTU`, async (t) => {
    const c = await established(build);
    const { k, p, peer } = c;
    k.sys_write(p, c.fd, new Uint8Array(2920));
    const first = peer.take();
    t.deepEqual(
      first.map((s) => s.data.length),
      [1460, 1460],
    );
    const before = tcpstat(k);
    peer.inject(icmp_unreach(4, 1000, c.snd, 1500));
    const again = peer.take();
    t.is(again[0].seq, c.snd);
    t.true(again.every((s) => s.data.length <= 960));
    t.is(again[0].data.length, 960);
    t.is(moved(before, tcpstat(k)).tcps_mturesent, 1);
    const so = k.fd_socket(p, c.fd);
    if (so === null) throw new Error("no socket");
    t.is(k.sototcpcb(so).t_maxseg, 960);
    const list = k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.hostcache.list").value as string;
    t.regex(list, /\n10\.0\.0\.2\s+1000 /);
    // A quote of a sequence number not in flight is ignored.
    const b2 = tcpstat(k);
    peer.inject(icmp_unreach(4, 600, (c.snd + 100000) >>> 0, 1500));
    t.is(k.sototcpcb(so).t_maxseg, 960);
    t.is(moved(b2, tcpstat(k)).tcps_mturesent ?? 0, 0);
    finish(c);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: net.inet.tcp.pcblist: one xtcpcb per PCB with its state and armed timers`, async (t) => {
    const c = await established(build);
    const { k, p } = c;
    const l = k.sys_socket(p, k.PF_INET, k.SOCK_STREAM, 0);
    t.is(k.sys_bind(p, l.fd, new k.sockaddr_in(0, 8080)), 0);
    t.is(k.sys_listen(p, l.fd, 5), 0);
    k.sys_write(p, c.fd, new Uint8Array(10));
    c.peer.take();
    const w = k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.pcblist").value as number[];
    t.is(w[0], 2);
    const rec = (i: number) => w.slice(k.XINPGEN_LEN + i * k.XTCPCB_LEN, k.XINPGEN_LEN + (i + 1) * k.XTCPCB_LEN);
    const byport = new Map<number, number[]>();
    for (let i = 0; i < w[0]; i++) byport.set(rec(i)[k.XI_LPORT], rec(i));
    const lst = byport.get(8080);
    const est = byport.get(4000);
    if (lst === undefined || est === undefined) throw new Error("records");
    t.is(lst[k.XINPCB_LEN + k.XT_STATE], k.TCPS_LISTEN);
    t.is(est[k.XINPCB_LEN + k.XT_STATE], k.TCPS_ESTABLISHED);
    t.is(est[k.XI_PROTOCOL], k.IPPROTO_TCP);
    t.is(est[k.XINPCB_LEN + k.XT_MAXSEG], 1460);
    // Data in flight: the retransmit timer runs (ms left, at most the 1 s RTO).
    const rexmt = est[k.XINPCB_LEN + k.XT_REXMT];
    t.true(rexmt > 0 && rexmt <= 1000, `rexmt ${rexmt}`);
    // tcp_mss rounded the 32 kB send buffer up to whole segments.
    t.is(est[k.XINPCB_LEN + k.XT_SND_HIWAT], 23 * 1460);
    k.sys_close(p, l.fd);
    finish(c);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
