// netinet6/frag6: reassembly as FreeBSD 14 does it, called as ip6_input
// would (frag6_input on the fragment header): any arrival order; the
// fragment header taken out and the next header restored; an exact
// duplicate dropped alone, an overlap dropping the whole datagram; atomic
// fragments passed straight through; datagrams dying after 60 s of virtual
// time; the per-datagram, per-vnet and global limits (sysctls), with
// FreeBSD's ip6stat counters.  Every test ends with zero outstanding mbufs.
import test from "ava";
import { BOTH, loadKernel, type BuildName, type Kernel } from "../helpers/builds.ts";
import type { mbuf } from "../../kern/mbuf.ts";

const SRC = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const DST = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
const NXT = 17;

/** One fragment: IPv6 header, fragment header (offset in bytes), data. */
function frag(ident: number, off: number, more: boolean, data: Uint8Array, o: { nxt?: number; plen?: number; ecn?: number; src?: number[] } = {}): Uint8Array {
  const b = new Uint8Array(48 + data.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, (0x60000000 | ((o.ecn ?? 0) << 20)) >>> 0);
  dv.setUint16(4, o.plen ?? 8 + data.length);
  b[6] = 44;
  b[7] = 64;
  b.set(o.src ?? SRC, 8);
  b.set(DST, 24);
  b[40] = o.nxt ?? NXT;
  dv.setUint16(42, off | (more ? 1 : 0));
  dv.setUint32(44, ident);
  b.set(data, 48);
  return b;
}

function payload(n: number, seed = 1): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 7 + seed) & 0xff;
  return p;
}

interface env {
  k: Kernel;
  /** frag6_input on the bytes: the next header returned, and the packet if whole. */
  input(bytes: Uint8Array): { nxt: number; pkt: Uint8Array | null; off: number };
  stat(name: string): number;
  moved(before: Record<string, number>): Record<string, number>;
  stats(): Record<string, number>;
}

const NAMES = ["ip6s_fragments", "ip6s_fragdropped", "ip6s_fragtimeout", "ip6s_fragoverflow", "ip6s_reassembled", "ip6s_atomicfrags", "ip6s_exthdrtoolong"] as const;

async function setup(build: BuildName): Promise<env> {
  const k = await loadKernel(build);
  const input = (bytes: Uint8Array) =>
    k.vnet_run(k.vnet0, "test", () => {
      const m = k.m_devget(bytes, 0, bytes.length, null) as mbuf;
      const mp = { m: m as mbuf | null };
      const offp = { v: 40 };
      const nxt = k.frag6_input(mp, offp, 44);
      let pkt: Uint8Array | null = null;
      if (mp.m !== null) {
        pkt = new Uint8Array(mp.m.m_pkthdr.len);
        k.m_copydata(mp.m, 0, pkt.length, pkt);
        k.m_freem(mp.m);
      }
      return { nxt, pkt, off: offp.v };
    });
  const idx: Record<string, number> = {
    ip6s_fragments: k.ip6s_fragments,
    ip6s_fragdropped: k.ip6s_fragdropped,
    ip6s_fragtimeout: k.ip6s_fragtimeout,
    ip6s_fragoverflow: k.ip6s_fragoverflow,
    ip6s_reassembled: k.ip6s_reassembled,
    ip6s_atomicfrags: k.ip6s_atomicfrags,
    ip6s_exthdrtoolong: k.ip6s_exthdrtoolong,
  };
  const stat = (name: string) => k.vnet_run(k.vnet0, "test", () => k.VNET_U64(k.ip6stat + idx[name]));
  const stats = () => {
    const r: Record<string, number> = {};
    for (const n of NAMES) r[n] = stat(n);
    return r;
  };
  const moved = (before: Record<string, number>) => {
    const now = stats();
    const r: Record<string, number> = {};
    for (const n of NAMES) if (now[n] !== before[n]) r[n] = now[n] - before[n];
    return r;
  };
  return { k, input, stat, stats, moved };
}

/** The datagram the fragments make: header with plen, next header restored. */
function whole(data: Uint8Array): Uint8Array {
  const b = new Uint8Array(40 + data.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x60000000);
  dv.setUint16(4, data.length);
  b[6] = NXT;
  b[7] = 64;
  b.set(SRC, 8);
  b.set(DST, 24);
  b.set(data, 40);
  return b;
}

for (const build of BOTH) {
  test.serial(`${build}: fragments in any order make the datagram; the fragment header goes, the next header comes back`, async (t) => {
    const e = await setup(build);
    const data = payload(3000);
    const parts = [frag(7, 0, true, data.subarray(0, 1232)), frag(7, 1232, true, data.subarray(1232, 2464)), frag(7, 2464, false, data.subarray(2464))];
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 2, 0],
    ]) {
      const before = e.stats();
      const r0 = e.input(parts[order[0]]);
      const r1 = e.input(parts[order[1]]);
      t.is(r0.nxt, e.k.IPPROTO_DONE);
      t.is(r1.nxt, e.k.IPPROTO_DONE);
      t.is(r0.pkt, null);
      const r = e.input(parts[order[2]]);
      t.is(r.nxt, NXT);
      t.is(r.off, 40, "the next header starts where the fragment header was");
      t.deepEqual(r.pkt, whole(data));
      t.deepEqual(e.moved(before), { ip6s_fragments: 3, ip6s_reassembled: 1 });
    }
    t.is(e.k.frag6_curfrags(), 0);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: an exact duplicate is dropped alone; an overlap drops the whole datagram (RFC 8200 4.5)`, async (t) => {
    const e = await setup(build);
    const data = payload(48);
    let before = e.stats();
    e.input(frag(1, 0, true, data.subarray(0, 16)));
    e.input(frag(1, 0, true, data.subarray(0, 16)));
    t.deepEqual(e.moved(before), { ip6s_fragments: 2, ip6s_fragdropped: 1 });
    const r = e.input(frag(1, 16, false, data.subarray(16)));
    t.deepEqual(r.pkt, whole(data));

    before = e.stats();
    e.input(frag(2, 0, true, data.subarray(0, 24)));
    e.input(frag(2, 32, false, data.subarray(32)));
    // Overlaps the first one's tail: both queued fragments and itself go.
    const ov = e.input(frag(2, 16, true, data.subarray(16, 32)));
    t.is(ov.pkt, null);
    t.deepEqual(e.moved(before), { ip6s_fragments: 3, ip6s_fragdropped: 1 });
    t.is(e.k.frag6_curfrags(), 0);
    // The datagram is gone: the missing piece alone completes nothing.
    const late = e.input(frag(2, 24, true, data.subarray(24, 32)));
    t.is(late.pkt, null);
    e.k.vnet_run(e.k.vnet0, "test", () => e.k.frag6_drain());
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: an atomic fragment is a whole datagram at once`, async (t) => {
    const e = await setup(build);
    const data = payload(20);
    const before = e.stats();
    const r = e.input(frag(9, 0, false, data));
    t.is(r.nxt, NXT);
    t.deepEqual(r.pkt, whole(data));
    t.deepEqual(e.moved(before), { ip6s_fragments: 1, ip6s_atomicfrags: 1 });
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a datagram dies after 60 s of virtual time, its fragments counted as timed out`, async (t) => {
    const e = await setup(build);
    const data = payload(64);
    // No rcvif: nobody to send time exceeded to.
    e.input(frag(3, 0, true, data.subarray(0, 16)));
    e.input(frag(3, 32, true, data.subarray(32, 48)));
    t.is(e.k.frag6_curfrags(), 2);
    const before = e.stats();
    e.k.kern_advance_ns(59e9);
    t.deepEqual(e.moved(before), {});
    e.k.kern_advance_ns(2e9);
    t.deepEqual(e.moved(before), { ip6s_fragtimeout: 2 });
    t.is(e.k.frag6_curfrags(), 0);
    t.is(e.k.vnet_run(e.k.vnet0, "t", () => e.k.kernel_sysctlbyname(e.k.cred0, "net.inet6.ip6.frag6_nfragpackets").value), 0);
    // Nothing left scheduled: the simulation can go idle.
    e.k.kern_run_until_idle(10);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: limits: fragments per datagram, datagrams per vnet (0 refuses all), the global fragment count`, async (t) => {
    const e = await setup(build);
    const k = e.k;
    const data = payload(8 * 80);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.maxfragsperpacket").value, 64);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.maxfragsperpacket", 4).error, 0);
    let before = e.stats();
    // Five fragments with a hole: past four the datagram goes.
    for (let i = 1; i <= 5; i++) e.input(frag(4, i * 8, true, data.subarray(i * 8, i * 8 + 8)));
    t.deepEqual(e.moved(before), { ip6s_fragments: 5, ip6s_fragdropped: 5 });
    t.is(k.frag6_curfrags(), 0);

    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.maxfragpackets", 0).error, 0);
    before = e.stats();
    e.input(frag(5, 0, true, data.subarray(0, 8)));
    t.deepEqual(e.moved(before), { ip6s_fragments: 1, ip6s_fragdropped: 1 });
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.maxfragpackets", 100).error, 0);

    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.maxfrags", 2).error, 0);
    before = e.stats();
    e.input(frag(6, 0, true, data.subarray(0, 8)));
    e.input(frag(6, 16, true, data.subarray(16, 24)));
    e.input(frag(6, 32, true, data.subarray(32, 40)));
    t.deepEqual(e.moved(before), { ip6s_fragments: 3, ip6s_fragdropped: 1 });
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.frag6_nfrags").value, 2);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.maxfrags", -1).error, 0);
    k.vnet_run(k.vnet0, "test", () => k.frag6_drain());
    t.is(k.frag6_curfrags(), 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: CE in any fragment marks the datagram; not-ECT and ECT do not mix`, async (t) => {
    const e = await setup(build);
    const data = payload(32);
    e.input(frag(8, 0, true, data.subarray(0, 16), { ecn: 2 }));
    const r = e.input(frag(8, 16, false, data.subarray(16), { ecn: 3 }));
    t.truthy(r.pkt);
    t.is(((r.pkt as Uint8Array)[1] >> 4) & 3, 3, "CE");
    const before = e.stats();
    e.input(frag(10, 0, true, data.subarray(0, 16), { ecn: 2 }));
    e.input(frag(10, 16, false, data.subarray(16), { ecn: 0 }));
    t.deepEqual(e.moved(before), { ip6s_fragments: 2, ip6s_fragdropped: 1 });
    e.k.vnet_run(e.k.vnet0, "test", () => e.k.frag6_drain());
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
