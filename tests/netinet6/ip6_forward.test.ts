// netinet6/ip6_forward and ip6_fastfwd: a router jail between two /64s.
// With redirects on (the default) packets take ip6_forward; with
// net.inet6.ip6.redirect=0 the fast path ip6_tryforward.  Both forward an
// echo end to end and count ip6s_forward; a hop limit of 1 is answered
// with time exceeded; a packet too big for the next link with packet too
// big (routers do not fragment); a packet from a link-local source is
// not forwarded off its link (beyond scope); without
// net.inet6.ip6.forwarding nothing is.
import test from "ava";
import { a6, echo6, ether6, ifp_in, inject, ip6pkt, ip6stats, jail_vnet, mac_of, moved, script } from "./ip6_helpers.ts";

const ROUTER = (redirect: number) => `jail -c name=h1 vnet persist
jail -c name=r vnet persist
jail -c name=h2 vnet persist
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet h1
ifconfig epair0b vnet r
ifconfig epair1a vnet r
ifconfig epair1b vnet h2
jexec r sysctl net.inet6.ip6.forwarding=1 >/dev/null
jexec r sysctl net.inet6.ip6.redirect=${redirect} >/dev/null
jexec h1 ifconfig epair0a inet6 2001:db8:1::1/64 up
jexec r ifconfig epair0b inet6 2001:db8:1::2/64 up
jexec r ifconfig epair1a inet6 2001:db8:2::2/64 up
jexec r ifconfig epair1a mtu 1400
jexec h2 ifconfig epair1b inet6 2001:db8:2::1/64 up
jexec h1 route -6 add default 2001:db8:1::2 >/dev/null
jexec h2 route -6 add default 2001:db8:2::2 >/dev/null
sleep 3
`;

for (const [redirect, path] of [
  [1, "ip6_forward"],
  [0, "ip6_tryforward"],
] as const) {
  test.serial(`${path}: an echo crosses the router; hop limit 1, too big and a link-local source are refused with FreeBSD's counters`, async (t) => {
    const r = await script(ROUTER(redirect) + "jexec h1 echo6 2001:db8:2::1 56\njexec h1 echo6 2001:db8:2::1 56\n", 1, null);
    t.is(r.status, 0, r.err + r.out);
    t.is(r.out.match(/echo6: 56 bytes back: intact/g)?.length, 2, r.out);
    const k = r.k;
    const vr = jail_vnet(k, "r");
    t.true(ip6stats(k, vr).ip6s_forward >= 4, "two requests, two replies (and ND between the hosts' routers)");

    // Frames from h1's side, straight into the router's epair0b.
    const vh1 = jail_vnet(k, "h1");
    const in_ifp = ifp_in(k, vr, "epair0b");
    const h1mac = mac_of(ifp_in(k, vh1, "epair0a"));
    const rmac = mac_of(in_ifp);
    const S = a6(k, "2001:db8:1::1");
    const D = a6(k, "2001:db8:2::1");
    const send = (pkt: Uint8Array) => {
      const before = ip6stats(k, vr);
      inject(k, in_ifp, ether6(rmac, h1mac, pkt));
      k.kern_advance_ns(1e9);
      return moved(ip6stats(k, vr), before);
    };
    // MLD's and ND's traffic of the echoes dies down first.
    k.kern_advance_ns(60e9);
    // Hop limit 1: time exceeded back to the source.
    let got = send(ip6pkt(S, D, 58, echo6(S, D, 9, 1, 8), { hlim: 1 }));
    t.false("ip6s_forward" in got, JSON.stringify(got));
    t.is(got.ip6s_localout, 1, `the time exceeded: ${JSON.stringify(got)}`);
    // 1,452 bytes over a 1,400-byte link: packet too big, nothing forwarded.
    got = send(ip6pkt(S, D, 58, echo6(S, D, 9, 2, 1404)));
    t.false("ip6s_forward" in got, JSON.stringify(got));
    t.is(got.ip6s_localout, 1, `the packet too big: ${JSON.stringify(got)}`);
    // A link-local source may not leave its link: beyond scope of source.
    const LL = Uint8Array.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, h1mac[0] ^ 2, h1mac[1], h1mac[2], 0xff, 0xfe, h1mac[3], h1mac[4], h1mac[5]]);
    got = send(ip6pkt(LL, D, 58, echo6(LL, D, 9, 3, 8)));
    t.false("ip6s_forward" in got, JSON.stringify(got));
    t.is(got.ip6s_cantforward, 1, JSON.stringify(got));
    t.is(got.ip6s_badscope, 1, JSON.stringify(got));
    k.kern_advance_ns(60e9);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test.serial("without net.inet6.ip6.forwarding a packet not for us is not forwardable", async (t) => {
  const r = await script(ROUTER(1) + "jexec r sysctl net.inet6.ip6.forwarding=0 >/dev/null\njexec h1 echo6 2001:db8:2::1 56\n", 1, null);
  t.regex(r.out, /echo6: timeout/);
  const vr = jail_vnet(r.k, "r");
  t.true(ip6stats(r.k, vr).ip6s_cantforward >= 1);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
