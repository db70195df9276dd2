// netinet/ip_fastfwd: ip_tryforward between two interfaces, checked at the
// interfaces' if_output, with FreeBSD's counters and ICMP errors (time
// exceeded, unreachable, needfrag, redirect); no mbuf is left behind.
import test from "ava";
import { BOTH } from "../helpers/builds.ts";
import { aton, delta, icmp_of, ip_setup, ippkt, payload, ref_cksum, router, u16, u32 } from "./ip_helpers.ts";

for (const build of BOTH) {
  test.serial(`${build}: the fast path forwards, decrementing the TTL with a valid checksum`, async (t) => {
    const e = await router(build);
    const before = e.ipstat();
    const p = ippkt({ ttl: 64 }, payload(100));
    e.input(e.cap0, p);
    t.deepEqual(delta(before, e.ipstat()), { ips_total: 2, ips_forward: 1, ips_fastforward: 1 }, "ip_input and ip_tryforward both count ips_total, as in FreeBSD");
    t.is(e.sent.length, 1);
    const s = e.sent[0];
    t.is(s.ifp, "cap1");
    t.is(s.dst, aton("10.1.0.2"));
    t.is(s.bytes[8], 63);
    t.is(ref_cksum(s.bytes, 0, 20), 0);
    t.deepEqual(s.bytes.subarray(20), p.subarray(20));
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: through a gateway the link layer resolves the gateway (RT_HAS_GW)`, async (t) => {
    const e = await router(build);
    t.is(e.addroute("192.168.0.0", 16, "10.1.0.254", e.k.RTF_GATEWAY), 0);
    e.input(e.cap0, ippkt({ dst: aton("192.168.3.4") }, payload(10)));
    t.is(e.sent.length, 1);
    t.is(e.sent[0].dst, aton("10.1.0.254"));
    t.is(e.sent[0].ro_flags & e.k.RT_HAS_GW, e.k.RT_HAS_GW);
    t.is(u32(e.sent[0].bytes, 16), aton("192.168.3.4"));
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: TTL expiry, no route, reject and blackhole routes, forwarding off`, async (t) => {
    const e = await router(build);
    const lo = e.run(() => e.k.V_loif());
    if (lo === null) throw new Error("no lo0");
    e.run(() => e.k.in_control(e.k.SIOCAIFADDR, { ifra_name: "lo0", ifra_addr: new e.k.sockaddr_in(0x7f000001), ifra_broadaddr: null, ifra_mask: new e.k.sockaddr_in(0xff000000) }, lo, e.k.cred0));
    t.is(e.addroute("11.0.0.0", 8, "127.0.0.1", e.k.RTF_GATEWAY | e.k.RTF_BLACKHOLE), 0);
    t.is(e.addroute("12.0.0.0", 8, "127.0.0.1", e.k.RTF_GATEWAY | e.k.RTF_REJECT), 0);
    const cases: [string, Parameters<typeof ippkt>[0], Record<string, number>, number | null, number][] = [
      ["TTL 1", { ttl: 1 }, { ips_total: 2 }, e.k.ICMP_TIMXCEED, e.k.ICMP_TIMXCEED_INTRANS],
      ["no route", { dst: aton("13.0.0.1") }, { ips_total: 2, ips_noroute: 1, ips_cantforward: 1 }, e.k.ICMP_UNREACH, e.k.ICMP_UNREACH_HOST],
      ["reject route", { dst: aton("12.0.0.1") }, { ips_total: 2, ips_cantforward: 1 }, e.k.ICMP_UNREACH, e.k.ICMP_UNREACH_HOST],
      ["blackhole route", { dst: aton("11.0.0.1") }, { ips_total: 2, ips_cantforward: 1 }, null, 0],
    ];
    for (const [what, o, expected, type, code] of cases) {
      let counters = expected;
      e.sent.length = 0;
      const before = e.ipstat();
      const ibefore = e.icmpstat();
      const p = ippkt(o, payload(40));
      e.input(e.cap0, p);
      const d = delta(before, e.ipstat());
      // The ICMP error itself went out through ip_output.
      if (type !== null) counters = { ...counters, ips_localout: 1 };
      t.deepEqual(d, counters, what);
      if (type === null) {
        t.is(e.sent.length, 0, what);
        continue;
      }
      t.is(e.sent.length, 1, what);
      const c = icmp_of(e.sent[0].bytes);
      t.is(e.sent[0].ifp, "cap0", what);
      t.true(c.ok, `${what}: checksums`);
      t.is(c.src, aton("10.0.0.1"), `${what}: from the arrival interface's address`);
      t.is(c.dst, aton("10.0.0.2"), what);
      t.is(c.type, type, what);
      t.is(c.code, code, what);
      // The quote: the datagram (up to net.inet.icmp.quotelen bytes) as it
      // was when the error was found (after the fast path's TTL decrement
      // when the route lookup failed).
      const q = p.slice();
      if (what !== "TTL 1") {
        q[8]--;
        q[10] = q[11] = 0;
        const sum = ref_cksum(q, 0, 20);
        q[10] = sum >>> 8;
        q[11] = sum & 0xff;
      }
      t.deepEqual(c.quoted, q, `${what}: quote`);
      const id = delta(ibefore, e.icmpstat());
      t.deepEqual(id, { icps_error: 1, [`icps_outhist[${type}]`]: 1 }, what);
    }
    // Forwarding off: not ours, not forwarded.
    e.sysctl("net.inet.ip.forwarding", 0);
    e.sent.length = 0;
    const before = e.ipstat();
    e.input(e.cap0, ippkt({}, payload(10)));
    t.deepEqual(delta(before, e.ipstat()), { ips_total: 1, ips_cantforward: 1 });
    t.is(e.sent.length, 0);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: too big with DF: needfrag with the next-hop MTU; without DF: fragments`, async (t) => {
    const e = await ip_setup(build);
    const cap0 = e.mkif("cap0", "10.0.0.1", 24);
    e.mkif("cap1", "10.1.0.1", 24, 576);
    e.sysctl("net.inet.ip.forwarding", 1);
    let before = e.ipstat();
    e.input(cap0, ippkt({ off: e.k.IP_DF }, payload(1000)));
    t.deepEqual(delta(before, e.ipstat()), { ips_total: 2, ips_cantfrag: 1, ips_localout: 1 });
    t.is(e.sent.length, 1);
    const c = icmp_of(e.sent[0].bytes);
    t.is(c.type, e.k.ICMP_UNREACH);
    t.is(c.code, e.k.ICMP_UNREACH_NEEDFRAG);
    t.is(c.word & 0xffff, 576, "icmp_nextmtu");
    e.sent.length = 0;
    before = e.ipstat();
    const p = ippkt({}, payload(1000));
    e.input(cap0, p);
    t.deepEqual(delta(before, e.ipstat()), { ips_total: 2, ips_forward: 1, ips_fastforward: 1, ips_fragmented: 1, ips_ofragments: 2 });
    t.is(e.sent.length, 2);
    const [f1, f2] = e.sent.map((s) => s.bytes);
    t.true(f1.length <= 576 && f2.length <= 576);
    t.is(ref_cksum(f1, 0, 20), 0);
    t.is(ref_cksum(f2, 0, 20), 0);
    t.is(u16(f1, 6), e.k.IP_MF);
    t.is(u16(f2, 6), (f1.length - 20) >> 3);
    t.deepEqual([...f1.subarray(20), ...f2.subarray(20)], [...p.subarray(20)]);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: out the arrival interface through a gateway on the sender's subnet: a redirect follows`, async (t) => {
    const e = await router(build);
    t.is(e.addroute("172.16.0.0", 16, "10.0.0.254", e.k.RTF_GATEWAY), 0);
    const p = ippkt({ dst: aton("172.16.1.1") }, payload(20));
    e.input(e.cap0, p);
    t.is(e.sent.length, 2);
    t.is(e.sent[0].dst, aton("10.0.0.254"), "the datagram goes first");
    const c = icmp_of(e.sent[1].bytes);
    t.is(c.type, e.k.ICMP_REDIRECT);
    t.is(c.code, e.k.ICMP_REDIRECT_HOST);
    t.is(c.word, aton("10.0.0.254"), "icmp_gwaddr");
    t.is(c.dst, aton("10.0.0.2"));
    // net.inet.ip.redirect=0: no redirect.
    e.sysctl("net.inet.ip.redirect", 0);
    e.sent.length = 0;
    e.input(e.cap0, p);
    t.is(e.sent.length, 1);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
  test.serial(`${build}: the fast path patches the TTL checksum even with CSUM_IP set (as FreeBSD always does)`, async (t) => {
    const e = await router(build);
    const p = ippkt({ ttl: 64 }, payload(30));
    const m = e.k.m_devget(p, 0, p.length, e.cap0);
    if (m === null) throw new Error("m_devget");
    m.m_pkthdr.csum_flags |= e.k.CSUM_IP;
    e.run(() => e.k.ip_input(m));
    t.is(e.sent.length, 1);
    t.is(e.sent[0].bytes[8], 63);
    t.is(ref_cksum(e.sent[0].bytes, 0, 20), 0, "the header checksum follows the new TTL");
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

}
