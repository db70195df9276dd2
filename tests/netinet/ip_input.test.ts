// netinet/ip_input, ip_reass, ip_fragment: malformed datagrams dropped on
// FreeBSD's ipstat counter without exceptions and without leaking mbufs;
// random garbage fed to ip_input; fragmentation by ip_fragment and
// reassembly by ip_input/ip_reass in any order; the reassembly limits and
// timeout on the virtual clock; ip_forward, the slow path datagrams with
// options take.
import test from "ava";
import fc from "fast-check";
import { BOTH, loadKernel, type BuildName, type Kernel } from "../helpers/builds.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import type { ifnet } from "../../net/if.ts";
import { aton, delta, icmp_of, ippkt as ippkt_base, payload, ref_cksum, router, u32, type hdr_opts } from "./ip_helpers.ts";

/** An experimental protocol number the tests register a catcher for. */
const PROTO_TEST = 253;

/** An IPv4 datagram from 10.0.0.1 to 10.0.0.2 unless `o` says otherwise. */
function ippkt(o: hdr_opts, body: Uint8Array): Uint8Array {
  return ippkt_base({ src: 0x0a000001, dst: 0x0a000002, p: PROTO_TEST, ...o }, body);
}

interface env {
  k: Kernel;
  ifp: ifnet;
  got: Uint8Array[];
  in_(bytes: Uint8Array): void;
  in_m(m: mbuf): void;
  stat(field: number): number;
}

/** A booted kernel, a plain (non-loopback) interface to receive on, and a
 *  protocol that records what IP delivers. */
async function setup(build: BuildName): Promise<env> {
  const k = await loadKernel(build);
  const got: Uint8Array[] = [];
  const ifp = k.vnet_run(k.vnet0, "test", () => {
    const ifp = k.if_alloc(k.IFT_ETHER);
    k.if_initname(ifp, "test", 0);
    ifp.if_mtu = 1500;
    ifp.if_flags |= k.IFF_UP | k.IFF_BROADCAST;
    k.if_attach(ifp);
    return ifp;
  });
  k.IPPROTO_REGISTER(
    PROTO_TEST,
    (m: mbuf) => {
      const n = k.m_length(m);
      const out = new Uint8Array(n);
      k.m_copydata(m, 0, n, out);
      got.push(out);
      k.m_freem(m);
    },
    null,
  );
  const in_m = (m: mbuf) => {
    m.m_pkthdr.rcvif = ifp;
    k.vnet_run(k.vnet0, "test", () => k.ip_input(m));
  };
  const in_ = (bytes: Uint8Array) => {
    const m = bytes.length === 0 ? k.m_gethdr(k.M_NOWAIT, k.MT_DATA) : k.m_devget(bytes, 0, bytes.length, ifp);
    if (m === null) throw new Error("m_devget");
    in_m(m);
  };
  const stat = (field: number) => k.vnet_run(k.vnet0, "test", () => k.VNET_U64(k.ipstat + field));
  return { k, ifp, got, in_, in_m, stat };
}

/** The ipstat counters, by name. */
function stats(e: env): Record<string, number> {
  const r: Record<string, number> = {};
  e.k.ipstat_names.forEach((n, i) => (r[n] = e.stat(i)));
  return r;
}

/** Counters that moved since `before`. */
function moved(e: env, before: Record<string, number>): Record<string, number> {
  const now = stats(e);
  const r: Record<string, number> = {};
  for (const n of Object.keys(now)) if (now[n] !== before[n]) r[n] = now[n] - before[n];
  return r;
}

for (const build of BOTH) {
  test.serial(`${build}: a well-formed datagram is delivered, the excess beyond ip_len trimmed`, async (t) => {
    const e = await setup(build);
    const p = ippkt({}, payload(100));
    const before = stats(e);
    const padded = new Uint8Array(p.length + 30);
    padded.set(p);
    e.in_(padded);
    t.deepEqual(moved(e, before), { ips_total: 1, ips_delivered: 1 });
    t.is(e.got.length, 1);
    t.deepEqual(e.got[0], p);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: malformed datagrams are dropped on FreeBSD's counters`, async (t) => {
    const e = await setup(build);
    const cases: [string, Uint8Array, string][] = [
      ["shorter than a header", ippkt({}, payload(0)).subarray(0, 19), "ips_tooshort"],
      ["version 6", ippkt({ v: 6 }, payload(8)), "ips_badvers"],
      ["header length 16", ippkt({ hl: 4 }, payload(8)), "ips_badhlen"],
      ["header length beyond the data", ippkt({ hl: 15 }, payload(8)), "ips_badhlen"],
      ["bad checksum", ippkt({ sum: 0x1234 }, payload(8)), "ips_badsum"],
      ["ip_len below the header length", ippkt({ len: 19 }, payload(8)), "ips_badlen"],
      ["ip_len beyond the data", ippkt({ len: 200 }, payload(8)), "ips_tooshort"],
      ["127/8 destination from outside", ippkt({ dst: 0x7f000001 }, payload(8)), "ips_badaddr"],
      ["127/8 source from outside", ippkt({ src: 0x7f000001 }, payload(8)), "ips_badaddr"],
      ["0.0.0.0 destination", ippkt({ dst: 0 }, payload(8)), "ips_badaddr"],
    ];
    for (const [what, bytes, counter] of cases) {
      const before = stats(e);
      t.notThrows(() => e.in_(bytes), what);
      t.deepEqual(moved(e, before), { ips_total: 1, [counter]: 1 }, what);
      t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 }, what);
    }
    t.is(e.got.length, 0);
  });

  test.serial(`${build}: a header split over mbufs is pulled up; one too short for m_pullup counts ips_toosmall`, async (t) => {
    const e = await setup(build);
    const { k } = e;
    // 8 + 40 bytes in two mbufs: the header straddles them.
    const p = ippkt({}, payload(28));
    const m1 = k.m_gethdr(k.M_NOWAIT, k.MT_DATA);
    const m2 = k.m_get(k.M_NOWAIT, k.MT_DATA);
    if (m1 === null || m2 === null) throw new Error("mbufs");
    m1.m_buf.set(p.subarray(0, 8), m1.m_data);
    m1.m_len = 8;
    m2.m_buf.set(p.subarray(8), m2.m_data);
    m2.m_len = p.length - 8;
    m1.m_next = m2;
    m1.m_pkthdr.len = p.length;
    e.in_m(m1);
    t.is(e.got.length, 1);
    t.deepEqual(e.got[0], p);
    // m_pkthdr.len claims 20 bytes, the chain holds 10: m_pullup fails.
    const before = stats(e);
    const m3 = k.m_gethdr(k.M_NOWAIT, k.MT_DATA);
    const m4 = k.m_get(k.M_NOWAIT, k.MT_DATA);
    if (m3 === null || m4 === null) throw new Error("mbufs");
    m3.m_len = 5;
    m4.m_len = 5;
    m3.m_next = m4;
    m3.m_pkthdr.len = 20;
    e.in_m(m3);
    t.deepEqual(moved(e, before), { ips_total: 1, ips_toosmall: 1 });
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: random garbage never throws and never leaks`, async (t) => {
    const e = await setup(build);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.boolean(), (bytes, fix) => {
        const b = bytes.slice();
        // Half the time, a header that gets further: version 4, a sane
        // length and checksum.
        if (fix && b.length >= 20) {
          b[0] = 0x40 | Math.max(5, b[0] & 0x0f);
          const hlen = (b[0] & 0x0f) << 2;
          const dv = new DataView(b.buffer);
          dv.setUint16(2, Math.min(b.length, dv.getUint16(2)));
          b[12] = 10;
          b[16] = 10;
          dv.setUint16(10, 0);
          if (hlen <= b.length) dv.setUint16(10, ref_cksum(b, 0, hlen));
        }
        e.in_(b);
        // Only fragments waiting for reassembly may hold mbufs.
        const o = e.k.mbuf_outstanding();
        return (o.mbufs === 0 && o.clusters === 0) || e.k.ipreass_curfrags() > 0;
      }),
      { numRuns: 1000 },
    );
    e.k.kern_advance_ns(60e9);
    t.is(e.k.ipreass_curfrags(), 0);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: ip_fragment then reassembly in any order gives back the datagram`, async (t) => {
    const e = await setup(build);
    const { k } = e;
    // Small MTUs make more than the default 16 fragments per datagram.
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.ip.maxfragsperpacket", 1000).error, 0);
    let id = 1;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6000 }), fc.integer({ min: 68, max: 1500 }), fc.infiniteStream(fc.nat()), fc.boolean(), (plen, mtu, rnd, dup) => {
        const p = ippkt({ id: id++ & 0xffff }, payload(plen, id));
        if (p.length <= mtu) return true;
        const m = k.m_devget(p, 0, p.length, null);
        if (m === null) throw new Error("m_devget");
        m.m_pkthdr.csum_flags = k.CSUM_IP;
        const mf = new k.ip_mfrag();
        mf.m = m;
        const error = k.vnet_run(k.vnet0, "test", () => k.ip_fragment(mf, mtu, 0));
        if (error !== 0) throw new Error(`ip_fragment: ${error}`);
        const frags: mbuf[] = [];
        for (let f: mbuf | null = mf.m; f !== null; ) {
          const n: mbuf | null = f.m_nextpkt;
          f.m_nextpkt = null;
          frags.push(f);
          f = n;
        }
        // Every fragment fits, carries a valid header, and all but the
        // last say more fragments follow.
        for (let i = 0; i < frags.length; i++) {
          const f = frags[i];
          if (f.m_pkthdr.len > mtu || k.in_cksum_hdr(f) !== 0) return false;
          const off = f.m_dv.getUint16(f.m_data + k.IPH_OFF);
          if (((off & k.IP_MF) !== 0) !== (i < frags.length - 1)) return false;
        }
        // Shuffle; perhaps send one twice.
        const it = rnd[Symbol.iterator]();
        for (let i = frags.length - 1; i > 0; i--) {
          const j = (it.next().value as number) % (i + 1);
          [frags[i], frags[j]] = [frags[j], frags[i]];
        }
        if (dup) {
          const c = k.m_dup(frags[0], k.M_NOWAIT);
          if (c === null) throw new Error("m_dup");
          frags.splice((it.next().value as number) % frags.length, 0, c);
        }
        const before = stats(e);
        const ngot = e.got.length;
        for (const f of frags) e.in_m(f);
        if (e.got.length !== ngot + 1) return false;
        const r = e.got[ngot];
        // Same payload and addresses; ip_len covers the whole again.
        const dv = new DataView(r.buffer);
        if (r.length !== p.length || dv.getUint16(2) !== p.length) return false;
        if (!r.subarray(20).every((x, i) => x === p[20 + i])) return false;
        if (dv.getUint32(12) !== 0x0a000001 || dv.getUint32(16) !== 0x0a000002) return false;
        const d = moved(e, before);
        // A duplicate may be taken as the last (then dropped after the
        // datagram completes: it starts a new queue, left to time out) or
        // be discarded as covered (ips_fragdropped).
        if (d.ips_reassembled !== 1 || d.ips_delivered !== 1) return false;
        if (d.ips_fragments !== frags.length) return false;
        return true;
      }),
      { numRuns: 150 },
    );
    // Leftover duplicates time out.
    k.kern_advance_ns(60e9);
    t.is(k.ipreass_curfrags(), 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: fragments of an incomplete datagram time out after net.inet.ip.fragttl`, async (t) => {
    const e = await setup(build);
    const { k } = e;
    const before = stats(e);
    // Two of three fragments of a 48-byte payload.
    const pl = payload(48);
    e.in_(ippkt({ id: 7, off: k.IP_MF | 0 }, pl.subarray(0, 16)));
    e.in_(ippkt({ id: 7, off: 4 }, pl.subarray(32, 48)));
    t.is(k.ipreass_curfrags(), 2);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.ip.fragpackets").value, 1);
    t.true(k.mbuf_outstanding().mbufs > 0);
    k.kern_advance_ns(29e9);
    t.is(k.ipreass_curfrags(), 2, "still waiting before fragttl");
    k.kern_advance_ns(2e9);
    t.is(k.ipreass_curfrags(), 0);
    t.deepEqual(moved(e, before), { ips_total: 2, ips_fragments: 2, ips_fragtimeout: 2 });
    t.is(e.got.length, 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: reassembly limits: maxfragsperpacket, maxfragpackets 0, bad fragment lengths`, async (t) => {
    const e = await setup(build);
    const { k } = e;
    // 17 fragments that never complete: the 17th exceeds the limit of 16
    // and the whole queue goes.
    let before = stats(e);
    for (let i = 1; i <= 17; i++) e.in_(ippkt({ id: 9, off: k.IP_MF | (i * 2) }, payload(8)));
    t.deepEqual(moved(e, before), { ips_total: 17, ips_fragments: 17, ips_fragdropped: 17 });
    t.is(k.ipreass_curfrags(), 0);
    // A non-last fragment whose length is not a multiple of 8.
    before = stats(e);
    e.in_(ippkt({ id: 10, off: k.IP_MF }, payload(12)));
    t.deepEqual(moved(e, before), { ips_total: 1, ips_toosmall: 1, ips_fragdropped: 1 });
    // Beyond 65535 bytes.
    before = stats(e);
    e.in_(ippkt({ id: 11, off: 0x1fff }, payload(16)));
    t.deepEqual(moved(e, before), { ips_total: 1, ips_toolong: 1, ips_fragdropped: 1 });
    // Reassembly off: every fragment is dropped.
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.ip.maxfragpackets", 0).error, 0);
    before = stats(e);
    e.in_(ippkt({ id: 12, off: k.IP_MF }, payload(8)));
    t.deepEqual(moved(e, before), { ips_total: 1, ips_fragments: 1, ips_fragdropped: 1 });
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.ip.maxfragpackets").value, 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

for (const build of BOTH) {
  test.serial(`${build}: with options the slow path forwards (record route filled in); bad options get a parameter problem`, async (t) => {
    const e = await router(build);
    // Record route with room for two addresses.
    const rr = [e.k.IPOPT_RR, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, e.k.IPOPT_EOL];
    const before = e.ipstat();
    e.input(e.cap0, ippkt_base({ options: rr }, payload(16)));
    t.deepEqual(delta(before, e.ipstat()), { ips_total: 1, ips_forward: 1 });
    t.is(e.sent.length, 1);
    const b = e.sent[0].bytes;
    t.is(b[0] & 15, 8);
    t.is(ref_cksum(b, 0, 32), 0);
    t.is(b[22], 8, "RR pointer advanced");
    t.is(u32(b, 23), aton("10.1.0.1"), "our outgoing address recorded");
    t.is(b[8], 63);
    // An option whose length runs past the header.
    e.sent.length = 0;
    const b2 = e.ipstat();
    e.input(e.cap0, ippkt_base({ options: [e.k.IPOPT_RR, 9, 4, 0] }, payload(16)));
    t.deepEqual(delta(b2, e.ipstat()), { ips_total: 1, ips_badoptions: 1, ips_localout: 1 });
    t.is(e.sent.length, 1);
    const c = icmp_of(e.sent[0].bytes);
    t.is(c.type, e.k.ICMP_PARAMPROB);
    t.is(c.word >>> 24, 21, "icmp_pptr: the option's length byte");
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: the slow path drops for a blackhole route and answers host unreachable for a reject route (later FreeBSD; forward.sh fwd_ip_blackhole)`, async (t) => {
    const e = await router(build);
    const lo = e.run(() => e.k.V_loif());
    if (lo === null) throw new Error("no lo0");
    e.run(() => e.k.in_control(e.k.SIOCAIFADDR, { ifra_name: "lo0", ifra_addr: new e.k.sockaddr_in(0x7f000001), ifra_broadaddr: null, ifra_mask: new e.k.sockaddr_in(0xff000000) }, lo, e.k.cred0));
    t.is(e.addroute("11.0.0.0", 8, "127.0.0.1", e.k.RTF_GATEWAY | e.k.RTF_BLACKHOLE), 0);
    t.is(e.addroute("12.0.0.0", 8, "127.0.0.1", e.k.RTF_GATEWAY | e.k.RTF_REJECT), 0);
    // An option (record route) keeps the datagram off the fast path.
    const rr = [e.k.IPOPT_RR, 7, 4, 0, 0, 0, 0, e.k.IPOPT_EOL];
    let before = e.ipstat();
    e.input(e.cap0, ippkt_base({ dst: aton("11.0.0.1"), options: rr }, payload(16)));
    t.deepEqual(delta(before, e.ipstat()), { ips_total: 1, ips_cantforward: 1 }, "blackhole: not forwardable, not counted as forwarded");
    t.is(e.sent.length, 0);
    before = e.ipstat();
    e.input(e.cap0, ippkt_base({ dst: aton("12.0.0.1"), options: rr }, payload(16)));
    t.deepEqual(delta(before, e.ipstat()), { ips_total: 1, ips_cantforward: 1, ips_localout: 1 }, "reject: not forwardable");
    t.is(e.sent.length, 1);
    const c = icmp_of(e.sent[0].bytes);
    t.is(c.type, e.k.ICMP_UNREACH);
    t.is(c.code, e.k.ICMP_UNREACH_HOST);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
