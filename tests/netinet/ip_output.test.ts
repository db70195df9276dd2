// netinet/ip_output: local output through the routing table: the source
// address from the route, IP ids, broadcast rules, no route, DF and
// fragmentation, with FreeBSD's counters; no mbuf is left behind.
import test from "ava";
import { BOTH } from "../helpers/builds.ts";
import { aton, delta, ip_setup, ippkt, payload, ref_cksum, u16, u32 } from "./ip_helpers.ts";

for (const build of BOTH) {
  test.serial(`${build}: ip_output: source from the route, ids, broadcast rules, no route, DF, fragments`, async (t) => {
    const e = await ip_setup(build);
    e.mkif("cap0", "10.0.0.1", 24);
    const { k } = e;
    const out = (o: Parameters<typeof ippkt>[0], n: number, flags = 0) => {
      const b = ippkt({ src: 0, ...o }, payload(n));
      const m = k.m_devget(b, 0, b.length, null);
      if (m === null) throw new Error("m_devget");
      return e.run(() => k.ip_output(m, null, null, flags, null, null));
    };
    let before = e.ipstat();
    t.is(out({ dst: aton("10.0.0.2") }, 20), 0);
    t.is(out({ dst: aton("10.0.0.2") }, 20), 0);
    t.is(e.sent.length, 2);
    const [a, b] = e.sent.map((s) => s.bytes);
    t.is(u32(a, 12), aton("10.0.0.1"), "source address from the route's ifa");
    t.is(ref_cksum(a, 0, 20), 0);
    t.is((u16(b, 4) - u16(a, 4)) & 0xffff, 1, "sequential ip_id");
    t.is(e.k.sysctl_name2oid("net.inet.ip.random_id").error, 0);
    // DF: RFC 6864 atomic datagrams get id 0.
    t.is(out({ dst: aton("10.0.0.2"), off: k.IP_DF }, 20), 0);
    t.is(u16(e.sent[2].bytes, 4), 0);
    t.deepEqual(delta(before, e.ipstat()), { ips_localout: 3 });
    e.sent.length = 0;
    before = e.ipstat();
    t.is(out({ dst: aton("10.0.0.255") }, 20), k.EACCES, "broadcast without SO_BROADCAST");
    t.is(out({ dst: aton("10.0.0.255") }, 20, k.IP_ALLOWBROADCAST), 0);
    t.is(e.sent[0].m_flags & k.M_BCAST, k.M_BCAST);
    t.is(out({ dst: aton("10.0.0.255") }, 2000, k.IP_ALLOWBROADCAST), k.EMSGSIZE, "broadcast is not fragmented");
    t.is(out({ dst: aton("99.0.0.1") }, 20), k.EHOSTUNREACH);
    t.is(out({ dst: aton("10.0.0.2"), off: k.IP_DF }, 2000), k.EMSGSIZE);
    t.deepEqual(delta(before, e.ipstat()), { ips_localout: 5, ips_noroute: 1, ips_cantfrag: 1 });
    e.sent.length = 0;
    before = e.ipstat();
    t.is(out({ dst: aton("10.0.0.2") }, 4000), 0);
    t.is(e.sent.length, 3);
    t.deepEqual(delta(before, e.ipstat()), { ips_localout: 1, ips_fragmented: 1, ips_ofragments: 3 });
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
