// netinet/ip_icmp: echo and timestamp replies and their source address,
// broadcast echo, the icmplim rate limit on the virtual clock, bad
// messages, icmp_error's suppression rules, the ctlinput dispatch to the
// protocol, protocol unreachable, redirects installing a host route.
import test from "ava";
import { BOTH } from "../helpers/builds.ts";
import { aton, delta, icmpmsg, ip_setup, ippkt, payload, ref_cksum, u32, type mbuf } from "./ip_helpers.ts";

function icmp_of(b: Uint8Array) {
  const hl = (b[0] & 15) << 2;
  return { src: u32(b, 12), dst: u32(b, 16), type: b[hl], code: b[hl + 1], body: b.subarray(hl + 4), ok: b[9] === 1 && ref_cksum(b, 0, hl) === 0 && ref_cksum(b, hl) === 0 };
}

async function host(build: (typeof BOTH)[number]) {
  const e = await ip_setup(build);
  const cap0 = e.mkif("cap0", "10.0.0.1", 24);
  return { ...e, cap0 };
}

function echo(id: number, seq: number, data: Uint8Array, type = 8): Uint8Array {
  const rest = new Uint8Array(4 + data.length);
  rest[0] = id >> 8;
  rest[1] = id & 255;
  rest[2] = seq >> 8;
  rest[3] = seq & 255;
  rest.set(data, 4);
  return icmpmsg(type, 0, rest);
}

for (const build of BOTH) {
  test.serial(`${build}: an echo request is answered from the address it was sent to`, async (t) => {
    const e = await host(build);
    const before = e.icmpstat();
    const ibefore = e.ipstat();
    const req = echo(0x4242, 7, payload(56));
    e.input(e.cap0, ippkt({ p: 1, dst: aton("10.0.0.1"), ttl: 3 }, req));
    t.is(e.sent.length, 1);
    const r = e.sent[0];
    t.is(r.ifp, "cap0");
    t.is(r.dst, aton("10.0.0.2"));
    const c = icmp_of(r.bytes);
    t.true(c.ok);
    t.is(c.type, e.k.ICMP_ECHOREPLY);
    t.is(c.src, aton("10.0.0.1"));
    t.is(c.dst, aton("10.0.0.2"));
    t.is(r.bytes[8], 64, "TTL net.inet.ip.ttl");
    t.deepEqual(c.body, req.subarray(4), "id, seq and data echoed");
    t.deepEqual(delta(before, e.icmpstat()), { "icps_inhist[8]": 1, "icps_outhist[0]": 1, icps_reflect: 1 });
    t.deepEqual(delta(ibefore, e.ipstat()), { ips_total: 1, ips_delivered: 1, ips_localout: 1 });
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a broadcast echo is ignored unless net.inet.icmp.bmcastecho`, async (t) => {
    const e = await host(build);
    const p = ippkt({ p: 1, dst: aton("10.0.0.255") }, echo(1, 1, payload(8)));
    let before = e.icmpstat();
    e.input(e.cap0, p, e.k.M_BCAST);
    t.is(e.sent.length, 0);
    t.deepEqual(delta(before, e.icmpstat()), { "icps_inhist[8]": 1, icps_bmcastecho: 1 });
    e.sysctl("net.inet.icmp.bmcastecho", 1);
    before = e.icmpstat();
    e.input(e.cap0, p, e.k.M_BCAST);
    t.is(e.sent.length, 1);
    t.is(icmp_of(e.sent[0].bytes).src, aton("10.0.0.1"), "from the address whose broadcast it was");
    t.is(e.sent[0].m_flags & e.k.M_BCAST, 0);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: net.inet.icmp.icmplim limits replies per second of virtual time`, async (t) => {
    const e = await host(build);
    t.is(e.sysctl("net.inet.icmp.icmplim"), 200);
    t.is(e.sysctl("net.inet.icmp.icmplim_jitter"), 16);
    const p = ippkt({ p: 1, dst: aton("10.0.0.1") }, echo(1, 1, payload(8)));
    for (let i = 0; i < 300; i++) e.input(e.cap0, p);
    t.true(e.sent.length >= 200 - 16 && e.sent.length <= 200 + 16, `${e.sent.length} replies`);
    e.sent.length = 0;
    e.k.kern_advance_ns(1.001e9);
    for (let i = 0; i < 10; i++) e.input(e.cap0, p);
    t.is(e.sent.length, 10, "a new second, a new budget");
    t.regex(e.k.msgbuf_read(), /Limiting icmp ping response from \d+ to \d+ packets\/sec/);
    // No limit at all with 0 (the jitter must then be below it, which 16 is not: set the jitter first).
    t.is(e.k.kernel_sysctlbyname(e.k.cred0, "net.inet.icmp.icmplim", 10).error, e.k.EINVAL, "the limit must stay above the jitter");
    e.sysctl("net.inet.icmp.icmplim", 0);
    e.sent.length = 0;
    for (let i = 0; i < 300; i++) e.input(e.cap0, p);
    t.is(e.sent.length, 300);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: short and corrupt messages; timestamps`, async (t) => {
    const e = await host(build);
    let before = e.icmpstat();
    e.input(e.cap0, ippkt({ p: 1, dst: aton("10.0.0.1") }, new Uint8Array([8, 0, 0, 0])));
    const bad = echo(1, 1, payload(8));
    bad[5] ^= 1;
    e.input(e.cap0, ippkt({ p: 1, dst: aton("10.0.0.1") }, bad));
    t.deepEqual(delta(before, e.icmpstat()), { icps_tooshort: 1, icps_checksum: 1 });
    t.is(e.sent.length, 0);
    before = e.icmpstat();
    e.k.kern_advance_ns(3_600_000e6);
    e.input(e.cap0, ippkt({ p: 1, dst: aton("10.0.0.1") }, icmpmsg(e.k.ICMP_TSTAMP, 0, new Uint8Array(16))));
    t.is(e.sent.length, 1);
    const c = icmp_of(e.sent[0].bytes);
    t.true(c.ok);
    t.is(c.type, e.k.ICMP_TSTAMPREPLY);
    t.is(u32(c.body, 8), e.k.iptime(), "icmp_rtime: ms since midnight UTC on the virtual clock");
    t.deepEqual(delta(before, e.icmpstat()), { "icps_inhist[13]": 1, "icps_outhist[14]": 1, icps_reflect: 1 });
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: icmp_error: no error about an ICMP error, a broadcast or a later fragment`, async (t) => {
    const e = await host(build);
    const { k } = e;
    const err = (b: Uint8Array, flags = 0) => {
      const m = k.m_devget(b, 0, b.length, e.cap0);
      if (m === null) throw new Error("m_devget");
      m.m_flags |= flags;
      e.run(() => k.icmp_error(m, k.ICMP_UNREACH, k.ICMP_UNREACH_PORT, 0, 0));
    };
    let before = e.icmpstat();
    err(ippkt({ p: 1, dst: aton("10.0.0.1") }, icmpmsg(k.ICMP_UNREACH, 1, new Uint8Array(28))));
    t.deepEqual(delta(before, e.icmpstat()), { icps_error: 1, icps_oldicmp: 1 });
    before = e.icmpstat();
    err(ippkt({ p: 17, dst: aton("10.0.0.1") }, payload(20)), k.M_BCAST);
    err(ippkt({ p: 17, dst: aton("10.0.0.1"), off: 5 }, payload(20)));
    t.deepEqual(delta(before, e.icmpstat()), { icps_error: 2 });
    t.is(e.sent.length, 0);
    // About an echo request (not an error) it goes out.
    before = e.icmpstat();
    err(ippkt({ p: 1, dst: aton("10.0.0.1") }, echo(1, 1, payload(8))));
    t.is(e.sent.length, 1);
    const c = icmp_of(e.sent[0].bytes);
    t.true(c.ok);
    t.is(c.src, aton("10.0.0.1"));
    t.deepEqual(delta(before, e.icmpstat()), { icps_error: 1, "icps_outhist[3]": 1 });
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: an unreachable is handed to the protocol's ctlinput, then to raw sockets`, async (t) => {
    const e = await host(build);
    const { k } = e;
    const seen: { type: number; code: number; qdst: number; errno: number; outer_hl: number }[] = [];
    k.IPPROTO_REGISTER(
      253,
      (m: mbuf) => k.m_freem(m),
      (m: mbuf, icp: number) => {
        const p = m.m_data + icp;
        seen.push({ type: m.m_buf[p], code: m.m_buf[p + 1], qdst: m.m_dv.getUint32(p + 8 + 16), errno: k.icmp_errmap(m, icp), outer_hl: m.m_buf[m.m_data] & 15 });
      },
    );
    const orig = ippkt({ p: 253, src: aton("10.0.0.1"), dst: aton("10.0.0.2") }, payload(30));
    const rest = new Uint8Array(4 + 28);
    rest.set(orig.subarray(0, 28), 4);
    const msg = icmpmsg(k.ICMP_UNREACH, k.ICMP_UNREACH_PORT, rest);
    const before = e.icmpstat();
    // An outer header with options: stripped before the protocol sees it.
    e.input(e.cap0, ippkt({ p: 1, src: aton("10.0.0.2"), dst: aton("10.0.0.1"), options: [1, 1, 1, 0] }, msg));
    t.deepEqual(seen, [{ type: 3, code: 3, qdst: aton("10.0.0.2"), errno: k.ECONNREFUSED, outer_hl: 5 }]);
    t.deepEqual(delta(before, e.icmpstat()), { "icps_inhist[3]": 1 });
    t.is(e.sent.length, 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a protocol nobody handles gets a protocol unreachable (rip_input)`, async (t) => {
    const e = await host(build);
    const before = e.ipstat();
    e.input(e.cap0, ippkt({ p: 200, dst: aton("10.0.0.1") }, payload(20)));
    t.deepEqual(delta(before, e.ipstat()), { ips_total: 1, ips_noproto: 1, ips_localout: 1 });
    t.is(e.sent.length, 1);
    const c = icmp_of(e.sent[0].bytes);
    t.is(c.type, e.k.ICMP_UNREACH);
    t.is(c.code, e.k.ICMP_UNREACH_PROTOCOL);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a redirect from our gateway installs a host route; a router ignores it`, async (t) => {
    const e = await host(build);
    const { k } = e;
    t.is(e.addroute("0.0.0.0", 0, "10.0.0.254", k.RTF_GATEWAY), 0);
    const quoted = ippkt({ p: 17, src: aton("10.0.0.1"), dst: aton("172.16.1.1") }, payload(8));
    const body = new Uint8Array(4 + 28);
    new DataView(body.buffer).setUint32(0, aton("10.0.0.253"));
    body.set(quoted.subarray(0, 28), 4);
    const redir = ippkt({ p: 1, src: aton("10.0.0.254"), dst: aton("10.0.0.1") }, icmpmsg(k.ICMP_REDIRECT, k.ICMP_REDIRECT_HOST, body));
    e.sysctl("net.inet.ip.forwarding", 1);
    e.input(e.cap0, redir);
    let nh = e.run(() => k.fib4_lookup(0, aton("172.16.1.1"), 0, 0, 0));
    t.is(nh?.gw4_sa.sin_addr, aton("10.0.0.254"), "ignored while forwarding");
    e.sysctl("net.inet.ip.forwarding", 0);
    e.input(e.cap0, redir);
    nh = e.run(() => k.fib4_lookup(0, aton("172.16.1.1"), 0, 0, 0));
    t.is(nh?.gw4_sa.sin_addr, aton("10.0.0.253"));
    t.is((nh?.nh_flags ?? 0) & k.NHF_HOST, k.NHF_HOST);
    t.is(e.run(() => k.fib4_lookup(0, aton("172.16.1.2"), 0, 0, 0))?.gw4_sa.sin_addr, aton("10.0.0.254"), "a host redirect");
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
