// netinet6/nd6 (with nd6_nbr and in6.c's neighbor table): two vnet jails on an epair
// resolving each other, the neighbor cache moving through FreeBSD's states
// on the virtual clock (INCOMPLETE, DELAY, REACHABLE, STALE, PROBE), the
// hold queue, an unanswered resolution ending in Address Unreachable and
// the entry's removal, the ND ioctls and knobs.
import test from "ava";
import { SEC, bytes, entry, run, sin6, two_jails, udp6 } from "./nd6_helpers.ts";

test.serial("vimage: a resolves b: INCOMPLETE with the packet held, a solicited NA makes it REACHABLE and sends it; b learnt a STALE", async (t) => {
  const { k, pa, pb, ifa, ifb } = await two_jails();
  const rx = udp6(k, pb, 4000);
  const tx = udp6(k, pa);
  t.is(entry(k, ifa, "2001:db8::2"), null);
  t.is(k.sys_sendto(pa, tx, bytes("one"), 0, sin6(k, "2001:db8::2", 4000)).error, 0);
  // The NS went out; the datagram waits in the entry.
  t.deepEqual(entry(k, ifa, "2001:db8::2"), { state: k.ND6_LLINFO_INCOMPLETE, asked: 1, router: 0, valid: false });
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(entry(k, ifa, "2001:db8::2"), { state: k.ND6_LLINFO_REACHABLE, asked: 0, router: 0, valid: true });
  // b learnt a from the solicitation's source link-layer address option.
  t.deepEqual(entry(k, ifb, "2001:db8::1"), { state: k.ND6_LLINFO_STALE, asked: 0, router: 0, valid: true });
  const got = k.sys_recvfrom(pb, rx, 100, 0);
  t.is(got.error, 0);
  t.deepEqual(got.data, bytes("one"));
  for (const p of [pa, pb]) k.proc_exit(p);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: the states on the virtual clock: REACHABLE -> STALE after ReachableTime; used -> PROBE nd6_delay later; unanswered -> gone", async (t) => {
  const { k, pa, pb, ifa } = await two_jails();
  const rx = udp6(k, pb, 4000);
  const tx = udp6(k, pa);
  k.sys_sendto(pa, tx, bytes("x"), 0, sin6(k, "2001:db8::2", 4000));
  k.kern_advance_ns(SEC / 100);
  t.is(entry(k, ifa, "2001:db8::2")?.state, k.ND6_LLINFO_REACHABLE);
  const reachable = k.vnet_run(ifa.if_vnet, "t", () => k.ND_IFINFO(ifa).reachable);
  t.true(reachable >= 15 && reachable <= 45, `ReachableTime ${reachable} s: 0.5 to 1.5 x 30 s`);
  k.kern_advance_ns((reachable + 1) * SEC);
  t.is(entry(k, ifa, "2001:db8::2")?.state, k.ND6_LLINFO_STALE);
  // b goes away; a uses the entry while STALE.  FreeBSD keeps the state and
  // lets the timer see the use (r_skip_req, lle_hittime).
  t.is((await run(k, ["jexec", "b", "ifconfig", "epair0b", "down"])).status, 0);
  k.sys_sendto(pa, tx, bytes("y"), 0, sin6(k, "2001:db8::2", 4000));
  k.kern_advance_ns(SEC / 100);
  t.is(entry(k, ifa, "2001:db8::2")?.state, k.ND6_LLINFO_STALE);
  // nd6_delay (5 s) after the use: PROBE, unicast solicitations a RetransTimer apart.
  k.kern_advance_ns(5 * SEC);
  t.deepEqual(entry(k, ifa, "2001:db8::2"), { state: k.ND6_LLINFO_PROBE, asked: 1, router: 0, valid: true });
  k.kern_advance_ns(SEC);
  t.is(entry(k, ifa, "2001:db8::2")?.asked, 2);
  k.kern_advance_ns(SEC);
  t.is(entry(k, ifa, "2001:db8::2")?.asked, 3);
  // nd6_umaxtries unanswered: the entry goes.
  k.kern_advance_ns(SEC);
  t.is(entry(k, ifa, "2001:db8::2"), null);
  t.is(k.sys_recvfrom(pb, rx, 100, 0).error, 0, "the first datagram arrived");
  for (const p of [pa, pb]) k.proc_exit(p);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: INCOMPLETE -> DELAY -> PROBE -> REACHABLE: b's solicitation gives a b's address while a's own went unanswered", async (t) => {
  // a asks from 2001:db9::1, which b does not take as a neighbor (RFC 4861
  // on-link check, net.inet6.icmp6.nd6_onlink_ns_rfc4861 0): no answer.
  const { k, pa, pb, ifa, ifb } = await two_jails("jexec a ifconfig epair0a inet6 2001:db9::1/64 alias\nsleep 3\n");
  const sa = k.sys_socket(pa, k.PF_INET6, k.SOCK_DGRAM, 0).fd;
  t.is(k.sys_bind(pa, sa, sin6(k, "2001:db9::1", 4000)), 0);
  const sb = udp6(k, pb, 4000);
  t.is(k.sys_sendto(pa, sa, bytes("a"), 0, sin6(k, "2001:db8::2", 4000)).error, 0);
  k.kern_advance_ns(SEC / 100);
  t.is(entry(k, ifa, "2001:db8::2")?.state, k.ND6_LLINFO_INCOMPLETE);
  t.is(entry(k, ifb, "2001:db9::1"), null, "b ignored the solicitation");
  // b talks to a: its NS carries b's address; a's INCOMPLETE entry takes it
  // (STALE) and, having a packet to send, goes to DELAY.
  t.is(k.sys_sendto(pb, sb, bytes("b"), 0, sin6(k, "2001:db8::1", 4000)).error, 0);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(entry(k, ifa, "2001:db8::2"), { state: k.ND6_LLINFO_DELAY, asked: 0, router: 0, valid: true });
  t.is(entry(k, ifb, "2001:db8::1")?.state, k.ND6_LLINFO_REACHABLE);
  t.deepEqual(k.sys_recvfrom(pb, sb, 10, 0).data, bytes("a"), "the held packet went with the DELAY");
  // DELAY_FIRST_PROBE_TIME (nd6_delay, 5 s): PROBE, a unicast NS from
  // 2001:db8::1 this time, answered.
  k.kern_advance_ns(5 * SEC - SEC / 10);
  t.is(entry(k, ifa, "2001:db8::2")?.state, k.ND6_LLINFO_DELAY);
  k.kern_advance_ns(SEC / 5);
  t.deepEqual(entry(k, ifa, "2001:db8::2"), { state: k.ND6_LLINFO_REACHABLE, asked: 0, router: 0, valid: true });
  for (const p of [pa, pb]) k.proc_exit(p);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: no answer: nd6_mmaxtries solicitations a RetransTimer apart, the held packets dropped, Address Unreachable, the entry gone", async (t) => {
  const { k, pa, ifa } = await two_jails();
  const tx = udp6(k, pa);
  // Three packets for a host that is not there (nd6_maxqueuelen is 16).
  for (const s of ["1", "2", "3"]) t.is(k.sys_sendto(pa, tx, bytes(s), 0, sin6(k, "2001:db8::99", 4000)).error, 0);
  const e0 = entry(k, ifa, "2001:db8::99");
  t.deepEqual(e0, { state: k.ND6_LLINFO_INCOMPLETE, asked: 1, router: 0, valid: false });
  const unreach = () => {
    const r = k.kernel_sysctlbyname(pa.p_ucred, "net.inet6.icmp6.stats");
    return Array.isArray(r.value) ? r.value[k.icp6s_outhist + k.ICMP6_DST_UNREACH] : -1;
  };
  t.is(unreach(), 0);
  k.kern_advance_ns(SEC + SEC / 100);
  t.is(entry(k, ifa, "2001:db8::99")?.asked, 2);
  k.kern_advance_ns(SEC);
  t.is(entry(k, ifa, "2001:db8::99")?.asked, 3);
  k.kern_advance_ns(SEC);
  t.is(entry(k, ifa, "2001:db8::99"), null, "given up after nd6_mmaxtries");
  t.is(unreach(), 1, "one Address Unreachable, for the first held packet");
  k.proc_exit(pa);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: SIOCGIFINFO_IN6 / SIOCSIFINFO_IN6 through ndp -i: the defaults, basereachable, retrans, flags; an unknown interface", async (t) => {
  const { k } = await two_jails();
  let r = await run(k, ["jexec", "a", "ndp", "-i", "epair0a"]);
  t.is(r.status, 0, r.err);
  t.regex(r.out, /^linkmtu=0, maxmtu=1500, curhlim=64, basereachable=30s0ms, reachable=\d+s, retrans=1s0ms\nFlags: nud auto_linklocal \n$/);
  r = await run(k, ["jexec", "a", "ndp", "-i", "epair0a", "basereachable=20000", "retrans=2000", "accept_rtadv", "-nud"]);
  t.is(r.status, 0, r.err);
  t.regex(r.out, /^linkmtu=0, maxmtu=1500, curhlim=64, basereachable=20s0ms, reachable=\d+s, retrans=2s0ms\nFlags: accept_rtadv auto_linklocal \n$/);
  r = await run(k, ["jexec", "a", "ndp", "-i", "nosuch0"]);
  t.is(r.status, 1);
  t.is(r.err, "ndp: ioctl(SIOCGIFINFO_IN6): Device not configured\n");
});
