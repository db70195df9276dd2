// netinet6/icmp6: echo answered from the address it was sent to; length,
// checksum and code checks with their icmp6stat counters and histograms;
// icmp6_error's rules (no error about a multicast packet, an ICMPv6 error,
// or to an unspecified source) and its net.inet6.icmp6.errppslimit rate
// limit on the virtual clock; a Packet Too Big lowering the path MTU to its
// destination; a redirect installing a host route; ICMP6_FILTER on raw
// sockets.  Every test ends with zero outstanding mbufs.
import test from "ava";
import { BOTH } from "../helpers/builds.ts";
import { icmp6_cksum, icmp6_setup, icmp6msg, ip6pkt, moved, ntop, parse6, payload, type icmp6_env } from "./icmp6_helpers.ts";

const ME = "2001:db8::1";
const PEER = "2001:db8::2";

async function host(build: (typeof BOTH)[number]): Promise<icmp6_env & { cap0: ReturnType<icmp6_env["mkif"]> }> {
  const e = await icmp6_setup(build);
  const cap0 = e.mkif("cap0", ME);
  // The joins' MLD reports and DAD are over.
  e.advance(10000);
  e.sent.length = 0;
  return { ...e, cap0 };
}

function echo(id: number, seq: number, data: Uint8Array): Uint8Array {
  const r = new Uint8Array(4 + data.length);
  r[0] = id >> 8;
  r[1] = id & 0xff;
  r[2] = seq >> 8;
  r[3] = seq & 0xff;
  r.set(data, 4);
  return r;
}

for (const build of BOTH) {
  test.serial(`${build}: an echo request is answered from the address it was sent to, with the interface's hop limit`, async (t) => {
    const e = await host(build);
    const k = e.k;
    const src = e.addr(PEER);
    const dst = e.addr(ME);
    const before = e.icmp6stat();
    const ifs0 = Array.from(e.ifstat(e.cap0));
    const req = icmp6msg(src, dst, 128, 0, echo(0x4242, 7, payload(56)));
    e.input(e.cap0, ip6pkt({ src, dst, hlim: 7 }, req));
    t.is(e.sent.length, 1);
    const r = parse6(e.sent[0].bytes);
    t.is(e.sent[0].ifp, "cap0");
    t.is(ntop(k, r.src), ME);
    t.is(ntop(k, r.dst), PEER);
    t.is(r.ulp, 58);
    t.is(r.hlim, 64, "ND_IFINFO(cap0)->chlim");
    t.is(r.msg[0], 129);
    t.is(r.msg[1], 0);
    t.is(icmp6_cksum(r.src, r.dst, r.msg), 0, "checksum good");
    t.deepEqual(r.msg.subarray(4), req.subarray(4), "id, seq and data echoed");
    t.deepEqual(moved(before, e.icmp6stat()), { [k.icp6s_inhist + 128]: 1, [k.icp6s_outhist + 129]: 1, [k.icp6s_reflect]: 1 });
    const ifs = e.ifstat(e.cap0);
    t.is(ifs[k.ifs6_in_msg] - ifs0[k.ifs6_in_msg], 1);
    t.is(ifs[k.ifs6_in_echo] - ifs0[k.ifs6_in_echo], 1);
    t.is(ifs[k.ifs6_out_msg] - ifs0[k.ifs6_out_msg], 1);
    t.is(ifs[k.ifs6_out_echoreply] - ifs0[k.ifs6_out_echoreply], 1);
    e.advance(20000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a large echo (clusters) is answered whole`, async (t) => {
    const e = await host(build);
    const src = e.addr(PEER);
    const dst = e.addr(ME);
    const req = icmp6msg(src, dst, 128, 0, echo(1, 2, payload(1400, 3)));
    e.input(e.cap0, ip6pkt({ src, dst }, req));
    t.is(e.sent.length, 1);
    const r = parse6(e.sent[0].bytes);
    t.is(r.msg.length, req.length);
    t.is(icmp6_cksum(r.src, r.dst, r.msg), 0);
    t.deepEqual(r.msg.subarray(4), req.subarray(4));
    e.advance(20000);
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: bad checksum, a short message and a bad code are counted and not answered`, async (t) => {
    const e = await host(build);
    const k = e.k;
    const src = e.addr(PEER);
    const dst = e.addr(ME);
    let before = e.icmp6stat();
    const bad = icmp6msg(src, dst, 128, 0, echo(1, 1, payload(8)));
    bad[2] ^= 0x55;
    e.input(e.cap0, ip6pkt({ src, dst }, bad));
    t.deepEqual(moved(before, e.icmp6stat()), { [k.icp6s_checksum]: 1 });
    // Shorter than an ICMPv6 header: the pullup fails first, as in FreeBSD
    // (ip6s_exthdrtoolong; icp6s_tooshort is left for what pullup passes).
    before = e.icmp6stat();
    const toolong = e.run(() => k.VNET_U64(k.ip6stat + k.ip6s_exthdrtoolong));
    e.input(e.cap0, ip6pkt({ src, dst }, Uint8Array.from([128, 0, 0])));
    t.deepEqual(moved(before, e.icmp6stat()), {});
    t.is(e.run(() => k.VNET_U64(k.ip6stat + k.ip6s_exthdrtoolong)) - toolong, 1);
    before = e.icmp6stat();
    e.input(e.cap0, ip6pkt({ src, dst }, icmp6msg(src, dst, 128, 3, echo(1, 1, payload(8)))));
    t.deepEqual(moved(before, e.icmp6stat()), { [k.icp6s_inhist + 128]: 1, [k.icp6s_badcode]: 1 });
    t.is(e.sent.length, 0);
    e.advance(20000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: icmp6_error answers to the source, quoting the packet, within FreeBSD's rules`, async (t) => {
    const e = await host(build);
    const k = e.k;
    const peer = e.addr(PEER);
    const me = e.addr(ME);
    const udp = new Uint8Array(16);
    udp[0] = 0x30;
    udp[2] = 0x30;
    udp[5] = 16;
    const orig = ip6pkt({ src: peer, dst: me, nxt: 17 }, udp);
    const send_error = (bytes: Uint8Array, type: number, code: number, param: number, flags = 0) =>
      e.run(() => {
        const m = k.m_devget(bytes, 0, bytes.length, e.cap0);
        if (m === null) throw new Error("m_devget");
        m.m_flags |= flags;
        k.icmp6_error(m, type, code, param);
      });
    let before = e.icmp6stat();
    send_error(orig, 1, 4, 0);
    t.is(e.sent.length, 1);
    const r = parse6(e.sent[0].bytes);
    t.is(ntop(k, r.src), ME);
    t.is(ntop(k, r.dst), PEER);
    t.is(r.msg[0], 1);
    t.is(r.msg[1], 4);
    t.is(icmp6_cksum(r.src, r.dst, r.msg), 0);
    t.deepEqual(r.msg.subarray(8), orig, "the whole packet is quoted");
    t.deepEqual(moved(before, e.icmp6stat()), { [k.icp6s_error]: 1, [k.icp6s_outerrhist + k.icp6errs_dst_unreach_noport]: 1, [k.icp6s_outhist + 1]: 1 });

    // Not about a packet to a multicast group (but Packet Too Big is sent).
    e.sent.length = 0;
    const mc = ip6pkt({ src: peer, dst: e.addr("ff02::1"), nxt: 17 }, udp);
    before = e.icmp6stat();
    send_error(mc, 1, 4, 0, k.M_MCAST);
    t.is(e.sent.length, 0);
    send_error(mc, 2, 0, 1280, k.M_MCAST);
    t.is(e.sent.length, 1);
    t.is(parse6(e.sent[0].bytes).msg[0], 2);
    t.is(parse6(e.sent[0].bytes).msg.length, 8 + mc.length);
    // Not to the unspecified address, nor about an ICMPv6 error.
    e.sent.length = 0;
    send_error(ip6pkt({ src: new Uint8Array(16), dst: me, nxt: 17 }, udp), 1, 4, 0);
    t.is(e.sent.length, 0);
    const err_msg = icmp6msg(peer, me, 1, 4, new Uint8Array(44));
    before = e.icmp6stat();
    send_error(ip6pkt({ src: peer, dst: me }, err_msg), 4, 0, 0);
    t.is(e.sent.length, 0);
    t.deepEqual(moved(before, e.icmp6stat()), { [k.icp6s_error]: 1, [k.icp6s_outerrhist + k.icp6errs_paramprob_header]: 1, [k.icp6s_canterror]: 1 });
    // An error about an echo request is fine.
    send_error(ip6pkt({ src: peer, dst: me }, icmp6msg(peer, me, 128, 0, echo(1, 1, payload(8)))), 4, 0, 0);
    t.is(e.sent.length, 1);
    e.advance(20000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: errors are limited to net.inet6.icmp6.errppslimit a second of virtual time`, async (t) => {
    const e = await host(build);
    const k = e.k;
    const peer = e.addr(PEER);
    const me = e.addr(ME);
    t.is(e.sysctl("net.inet6.icmp6.errppslimit"), 100);
    e.sysctl("net.inet6.icmp6.errppslimit", 3);
    const orig = ip6pkt({ src: peer, dst: me, nxt: 17 }, new Uint8Array(8));
    const burst = (n: number) => {
      for (let i = 0; i < n; i++)
        e.run(() => {
          const m = k.m_devget(orig, 0, orig.length, e.cap0);
          if (m === null) throw new Error("m_devget");
          k.icmp6_error(m, 1, 4, 0);
        });
    };
    const before = e.icmp6stat();
    burst(5);
    t.is(e.sent.length, 3);
    t.deepEqual(moved(before, e.icmp6stat())[k.icp6s_toofreq], 2);
    e.advance(1000);
    burst(5);
    t.is(e.sent.length, 6, "a new second, three more");
    e.sysctl("net.inet6.icmp6.errppslimit", 0);
    e.advance(1000);
    burst(2);
    t.is(e.sent.length, 6, "0: no errors at all");
    e.sysctl("net.inet6.icmp6.errppslimit", -1);
    burst(7);
    t.is(e.sent.length, 13, "negative: no limit");
    e.advance(20000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a Packet Too Big lowers the path MTU to its destination (a dynamic host route)`, async (t) => {
    const e = await host(build);
    const k = e.k;
    const gw = "fe80::1";
    const far = "2001:db8:99::7";
    // A default route through a router on cap0.
    e.run(() => {
      const info = new k.rt_addrinfo();
      info.rti_info[k.RTAX_DST] = new k.sockaddr_in6();
      info.rti_info[k.RTAX_NETMASK] = new k.sockaddr_in6();
      const g = new k.sockaddr_in6(k.inet_pton6(gw) ?? undefined);
      k.in6_setscope(g.sin6_addr, e.cap0, null);
      info.rti_info[k.RTAX_GATEWAY] = g;
      info.rti_flags = k.RTF_GATEWAY | k.RTF_STATIC;
      t.is(k.rib_action(0, k.RTM_ADD, info), 0);
    });
    // The router says our 1500-byte packet to far does not fit in 1400.
    const quoted = ip6pkt({ src: e.addr(ME), dst: e.addr(far), nxt: 17 }, new Uint8Array(1460 - 40));
    const rest = new Uint8Array(4 + 1232 - 8);
    new DataView(rest.buffer).setUint32(0, 1400);
    rest.set(quoted.subarray(0, rest.length - 4), 4);
    const before = e.icmp6stat();
    const mtu_before = e.run(() => k.fib6_lookup(0, k.inet_pton6(far) ?? new k.in6_addr(), 0, 0, 0)?.nh_mtu);
    t.is(mtu_before, 1500);
    e.input(e.cap0, ip6pkt({ src: e.addr(gw), dst: e.addr(ME) }, icmp6msg(e.addr(gw), e.addr(ME), 2, 0, rest)));
    const nh = e.run(() => k.fib6_lookup(0, k.inet_pton6(far) ?? new k.in6_addr(), 0, 0, 0));
    t.truthy(nh);
    t.is(nh?.nh_mtu, 1400);
    t.true(((nh?.nh_flags ?? 0) & k.NHF_HOST) !== 0, "a host route");
    t.is(moved(before, e.icmp6stat())[k.icp6s_pmtuchg], 1);
    // A larger MTU does not raise it; a smaller one lowers it again.
    rest[1] = 0;
    new DataView(rest.buffer).setUint32(0, 1450);
    e.input(e.cap0, ip6pkt({ src: e.addr(gw), dst: e.addr(ME) }, icmp6msg(e.addr(gw), e.addr(ME), 2, 0, rest)));
    t.is(e.run(() => k.fib6_lookup(0, k.inet_pton6(far) ?? new k.in6_addr(), 0, 0, 0)?.nh_mtu), 1400);
    new DataView(rest.buffer).setUint32(0, 1300);
    e.input(e.cap0, ip6pkt({ src: e.addr(gw), dst: e.addr(ME) }, icmp6msg(e.addr(gw), e.addr(ME), 2, 0, rest)));
    t.is(e.run(() => k.fib6_lookup(0, k.inet_pton6(far) ?? new k.in6_addr(), 0, 0, 0)?.nh_mtu), 1300);
    e.advance(20000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a redirect from our router installs a dynamic host route through the better one`, async (t) => {
    const e = await host(build);
    const k = e.k;
    const rtr = "fe80::4242";
    const better = "fe80::5555";
    const dest = "2001:db8:6667::4242";
    e.run(() => {
      const info = new k.rt_addrinfo();
      const net = new k.sockaddr_in6(k.inet_pton6("2001:db8:6667::") ?? undefined);
      const mask = new k.sockaddr_in6();
      k.in6_prefixlen2mask(mask.sin6_addr, 64);
      const g = new k.sockaddr_in6(k.inet_pton6(rtr) ?? undefined);
      k.in6_setscope(g.sin6_addr, e.cap0, null);
      info.rti_info[k.RTAX_DST] = net;
      info.rti_info[k.RTAX_NETMASK] = mask;
      info.rti_info[k.RTAX_GATEWAY] = g;
      info.rti_flags = k.RTF_GATEWAY | k.RTF_STATIC;
      t.is(k.rib_action(0, k.RTM_ADD, info), 0);
    });
    const my_ll = e.run(() => k.in6ifa_ifpforlinklocal(e.cap0, 0));
    t.truthy(my_ll);
    const ll = new Uint8Array(16);
    if (my_ll !== null) ll.set(my_ll.ia_addr.sin6_addr.s6_addr);
    ll[2] = ll[3] = 0;
    const rd = new Uint8Array(4 + 32 + 8);
    rd.set(e.addr(better), 4);
    rd.set(e.addr(dest), 20);
    rd[36] = 2; // target link-layer address option
    rd[37] = 1;
    rd.set([0x00, 0x00, 0x5e, 0x00, 0x53, 0x55], 38);
    const before = e.icmp6stat();
    // Hop limit other than 255: refused.
    e.input(e.cap0, ip6pkt({ src: e.addr(rtr), dst: ll, hlim: 64 }, icmp6msg(e.addr(rtr), ll, 137, 0, rd)));
    t.deepEqual(moved(before, e.icmp6stat()), { [k.icp6s_inhist + 137]: 1, [k.icp6s_invlhlim]: 1, [k.icp6s_badredirect]: 1 });
    e.input(e.cap0, ip6pkt({ src: e.addr(rtr), dst: ll, hlim: 255 }, icmp6msg(e.addr(rtr), ll, 137, 0, rd)));
    const nh = e.run(() => k.fib6_lookup(0, k.inet_pton6(dest) ?? new k.in6_addr(), 0, 0, 0));
    t.truthy(nh);
    t.true(((nh?.nh_flags ?? 0) & k.NHF_HOST) !== 0);
    t.true(((nh?.nh_flags ?? 0) & k.NHF_GATEWAY) !== 0);
    const gwa = new Uint8Array(16);
    if (nh) gwa.set(nh.gw6_sa.sin6_addr.s6_addr);
    gwa[2] = gwa[3] = 0;
    t.is(ntop(k, gwa), better);
    // With net.inet6.icmp6.rediraccept=0 nothing happens.
    e.sysctl("net.inet6.icmp6.rediraccept", 0);
    t.is(e.sysctl("net.inet6.icmp6.redirtimeout"), 600);
    e.advance(20000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
