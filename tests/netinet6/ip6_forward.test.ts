// netinet6/ip6_forward and ip6_fastfwd: a router jail between two /64s.
// With redirects on (the default) packets take ip6_forward; with
// net.inet6.ip6.redirect=0 the fast path ip6_tryforward.  Both forward a
// ping6 end to end and count ip6s_forward; a hop limit of 1 is answered
// with time exceeded; a packet too big for the next link with packet too
// big (routers do not fragment); a link-local destination is not
// forwarded; without net.inet6.ip6.forwarding nothing is.
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
  test.serial(`${path}: a ping6 crosses the router; hop limit 1, too big and link-local are refused with FreeBSD's counters`, async (t) => {
    const r = await script(ROUTER(redirect) + "jexec h1 ping6 -c 2 2001:db8:2::1\n", 1, null);
    t.is(r.status, 0, r.err);
    t.regex(r.out, /2 packets transmitted, 2 packets received/);
    const k = r.k;
    const vr = jail_vnet(k, "r");
    t.is(ip6stats(k, vr).ip6s_forward, 4, "two requests, two replies");

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
      k.kern_run_until_idle(1000);
      return moved(ip6stats(k, vr), before);
    };
    // Hop limit 1: time exceeded back to the source.
    let got = send(ip6pkt(S, D, 58, echo6(S, D, 9, 1, 8), { hlim: 1 }));
    t.false("ip6s_forward" in got, JSON.stringify(got));
    t.is(got.ip6s_localout, 1, `the time exceeded: ${JSON.stringify(got)}`);
    // 1,452 bytes over a 1,400-byte link: packet too big, nothing forwarded.
    got = send(ip6pkt(S, D, 58, echo6(S, D, 9, 2, 1404)));
    t.false("ip6s_forward" in got, JSON.stringify(got));
    t.is(got.ip6s_localout, 1, `the packet too big: ${JSON.stringify(got)}`);
    // A link-local destination stays on its link.
    const LL = a6(k, "fe80::1");
    got = send(ip6pkt(S, LL, 58, echo6(S, LL, 9, 3, 8)));
    t.false("ip6s_forward" in got, JSON.stringify(got));
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test.serial("without net.inet6.ip6.forwarding a packet not for us is not forwardable", async (t) => {
  const r = await script(ROUTER(1) + "jexec r sysctl net.inet6.ip6.forwarding=0 >/dev/null\njexec h1 ping6 -c 1 -t 2 2001:db8:2::1\n", 1, null);
  t.regex(r.out, /1 packets transmitted, 0 packets received/);
  const vr = jail_vnet(r.k, "r");
  t.true(ip6stats(r.k, vr).ip6s_cantforward >= 1);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
