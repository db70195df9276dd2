// netinet6/in6: IPv6 addresses on interfaces (SIOCAIFADDR_IN6 /
// SIOCDIFADDR_IN6 and the SIOCGIF*_IN6 requests) with FreeBSD's checks and
// errno values, the flags a new address gets (tentative for DAD, anycast,
// deprecated), lifetimes, the vnet's address lists and lookups, and what
// goes when an address or an interface does.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import { epair, ifp, inv } from "../netinet/rt_helpers.ts";
import { AF_INET6, ND6_IFF_IFDISABLED, a6, add6, del6, ia6_text, ia6s, ifdisabled, nd6_flags, up } from "./in6_helpers.ts";

function ia_of(k: Kernel, name: string, addr: string) {
  return ia6s(k, name).find((ia) => k.ip6_sprintf(ia.ia_addr.sin6_addr) === addr) ?? null;
}

for (const build of BOTH) {
  test.serial(`${build}: SIOCAIFADDR_IN6 adds a tentative address with its prefix, lookups find it, SIOCDIFADDR_IN6 takes it away`, async (t) => {
    const k = await loadKernel(build);
    const cr = k.cred0;
    inv(k, k.vnet0, () => {
      const e = epair(k);
      const i = ifp(k, e.a);
      t.true((nd6_flags(k, cr, e.a) & ND6_IFF_IFDISABLED) !== 0, "IPv6 starts disabled on an epair");
      t.is(ifdisabled(k, cr, e.a, false), 0);
      t.is(add6(k, cr, e.a, "2001:db8:1::1", 64), 0);
      const ia = ia_of(k, e.a, "2001:db8:1::1");
      if (ia === null) return t.fail("no address");
      t.is(ia6_text(k, ia), "2001:db8:1::1/64");
      t.is(ia.ia_plen, 64);
      t.true((ia.ia6_flags & k.IN6_IFF_TENTATIVE) !== 0, "tentative until DAD is done");
      t.true((i.if_flags & k.IFF_UP) !== 0, "SIOCSIFADDR brought Ethernet up");
      t.true((ia.ifa_flags & k.IFA_RTSELF) !== 0, "the route to itself via lo0");
      t.is(ia.ifa_dstaddr, null, "no destination on a broadcast link");
      t.true(k.V_in6_ifaddrhead().includes(ia));
      t.true(k.in6_localip(a6(k, "2001:db8:1::1")));
      t.false(k.in6_localip(a6(k, "2001:db8:1::2")));
      t.true(k.in6_localaddr(a6(k, "2001:db8:1::77")), "on a prefix of ours");
      t.false(k.in6_localaddr(a6(k, "2001:db8:2::77")));
      t.true(k.in6_localaddr(a6(k, "fe80::99")), "link-local is always local");
      t.is(k.in6ifa_ifwithaddr(a6(k, "2001:db8:1::1"), 0), ia);
      t.is(k.in6ifa_ifpwithaddr(i, a6(k, "2001:db8:1::1")), ia);
      t.true(k.in6_ifhasaddr(i, a6(k, "2001:db8:1::1")));
      t.false(k.in6_ifhasaddr(ifp(k, e.b), a6(k, "2001:db8:1::1")));
      t.true(k.IN6ADDR_HASH(a6(k, "2001:db8:1::1")).includes(ia));
      // The prefix came with it, with the address's lifetimes.
      t.not(ia.ia6_ndpr, null);
      t.is(ia.ia6_ndpr?.ndpr_plen, 64);
      t.is(ia.ia6_ndpr?.ndpr_addrcnt, 1);
      // The requests that read it.
      const q: { ifr_name: string; ifr_addr?: InstanceType<typeof k.sockaddr_in6>; ifr_ifru_flags6?: number } = { ifr_name: e.a, ifr_addr: new k.sockaddr_in6(a6(k, "2001:db8:1::1")) };
      t.is(k.ifioctl(cr, k.SIOCGIFAFLAG_IN6, q, AF_INET6), 0);
      t.is(q.ifr_ifru_flags6, ia.ia6_flags);
      t.is(k.ifioctl(cr, k.SIOCGIFNETMASK_IN6, q, AF_INET6), 0);
      t.is(k.in6_mask2len(q.ifr_addr!.sin6_addr), 64);
      q.ifr_addr = new k.sockaddr_in6(a6(k, "2001:db8:1::1"));
      t.is(k.ifioctl(cr, k.SIOCGIFADDR_IN6, q, AF_INET6), 0);
      t.is(k.ip6_sprintf(q.ifr_addr!.sin6_addr), "2001:db8:1::1");
      q.ifr_addr = new k.sockaddr_in6(a6(k, "2001:db8:1::1"));
      t.is(k.ifioctl(cr, k.SIOCGIFDSTADDR_IN6, q, AF_INET6), k.EINVAL, "not point-to-point");
      const st: { ifr_name: string; ifr_ifru_stat?: number[] } = { ifr_name: e.a };
      t.is(k.ifioctl(cr, k.SIOCGIFSTAT_IN6, st, AF_INET6), 0);
      t.is(st.ifr_ifru_stat?.length, k.IN6_IFSTAT_NFIELDS);
      t.is(k.ifioctl(cr, k.SIOCGIFSTAT_ICMP6, st, AF_INET6), 0);
      t.is(st.ifr_ifru_stat?.length, k.ICMP6_IFSTAT_NFIELDS);
      // Gone.
      t.is(del6(k, cr, e.a, "2001:db8:1::1"), 0);
      t.is(ia_of(k, e.a, "2001:db8:1::1"), null);
      t.false(k.V_in6_ifaddrhead().includes(ia));
      t.false(k.in6_localip(a6(k, "2001:db8:1::1")));
      t.is(ia.ia6_ndpr, null, "let go of its prefix");
      t.is(del6(k, cr, e.a, "2001:db8:1::1"), k.EADDRNOTAVAIL, "IPv6 has no 'delete the first address'");
      // On an interface where IPv6 is still disabled an address is made
      // without DAD (in6if_do_dad says no), and enables IPv6 there.
      t.is(add6(k, cr, e.b, "2001:db8:1::2", 64), 0);
      t.is(ia_of(k, e.b, "2001:db8:1::2")?.ia6_flags, 0);
      t.is(nd6_flags(k, cr, e.b) & ND6_IFF_IFDISABLED, 0);
    });
    k.kern_advance_ns(3e9);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: SIOCAIFADDR_IN6 and friends refuse what FreeBSD refuses, with its errno`, async (t) => {
    const k = await loadKernel(build);
    const cr = k.cred0;
    inv(k, k.vnet0, () => {
      const e = epair(k);
      t.is(add6(k, cr, e.a, "2001:db8::1", null), k.EINVAL, "a new address needs a prefix length");
      t.is(add6(k, cr, e.a, "2001:db8::1", 0), k.EINVAL, "and not 0");
      t.is(add6(k, cr, e.a, "2001:db8::1", 64, { vltime: 100, pltime: 200 }), k.EINVAL, "preferred longer than valid");
      t.is(add6(k, cr, e.a, "2001:db8::1", 128, { dst: "2001:db8::2" }), k.EINVAL, "a destination on a broadcast link");
      t.is(add6(k, cr, e.a, "fe80::1", 64, { scope_id: 999 }), k.ENXIO, "a zone that is no interface");
      t.is(add6(k, cr, e.a, "2001:db8::1", 128), 0);
      t.is(add6(k, cr, e.a, "2001:db8::1", 127), k.EINVAL, "an address keeps its prefix length (addr6.sh)");
      t.is(add6(k, cr, e.a, "2001:db8::1", 128), 0, "the same request again is an update");
      t.is(add6(k, cr, e.a, "2001:db8::1", null), 0, "an update may leave the mask out");
      const bad = new k.in6_aliasreq();
      bad.ifra_name = e.a;
      bad.ifra_addr.sin6_len = 16;
      t.is(k.ifioctl(cr, k.SIOCAIFADDR_IN6, bad, AF_INET6), k.EAFNOSUPPORT, "not a sockaddr_in6");
      const q = { ifr_name: e.a, ifr_addr: new k.sockaddr_in6(a6(k, "2001:db8::99")) };
      t.is(k.ifioctl(cr, k.SIOCGIFAFLAG_IN6, q, AF_INET6), k.EADDRNOTAVAIL);
      t.is(k.ifioctl(cr, k.SIOCGIFALIFETIME_IN6, q, AF_INET6), k.EADDRNOTAVAIL);
      t.is(k.ifioctl(cr, k.SIOCGIFADDR_IN6, q, AF_INET6), k.EADDRNOTAVAIL);
      t.is(k.ifioctl(cr, k.SIOCSIFADDR_IN6, q, AF_INET6), k.EINVAL, "the one-address requests are obsolete");
      t.is(k.ifioctl(cr, k.SIOCSIFNETMASK_IN6, q, AF_INET6), k.EINVAL);
      t.is(k.ifioctl(cr, k.SIOCSIFADDR, q, AF_INET6), k.EINVAL, "IPv4's legacy requests do not reach the driver");
      t.is(k.ifioctl(cr, k.SIOCAIFADDR_IN6, { ifra_name: "nosuch0" }, AF_INET6), k.ENXIO);
      // Only root may add or remove.
      const user = k.crget(1001, k.prison0);
      t.is(add6(k, user, e.a, "2001:db8::7", 64), k.EPERM);
      t.is(del6(k, user, e.a, "2001:db8::1"), k.EPERM);
      t.is(k.ifioctl(user, k.SIOCGIFAFLAG_IN6, { ifr_name: e.a, ifr_addr: new k.sockaddr_in6(a6(k, "2001:db8::1")) }, AF_INET6), 0, "reading is for everyone");
    });
    k.kern_advance_ns(3e9);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: flags and lifetimes: anycast, no DAD on loopback, deprecated, pltime and vltime`, async (t) => {
    const k = await loadKernel(build);
    const cr = k.cred0;
    inv(k, k.vnet0, () => {
      const e = epair(k);
      t.is(up(k, cr, "lo0"), 0);
      t.is(add6(k, cr, "lo0", "2001:db8::1", 128), 0);
      t.is(ia_of(k, "lo0", "2001:db8::1")?.ia6_flags, 0, "loopback: no DAD, so not tentative");
      t.is(add6(k, cr, "lo0", "2001:db8::2", 128, { flags: k.IN6_IFF_ANYCAST }), 0);
      t.is(ia_of(k, "lo0", "2001:db8::2")?.ia6_flags, k.IN6_IFF_ANYCAST);
      const now = k.time_uptime();
      t.is(add6(k, cr, e.a, "2001:db8:5::1", 64, { vltime: 3600, pltime: 1800 }), 0);
      const ia = ia_of(k, e.a, "2001:db8:5::1");
      if (ia === null) return t.fail("no address");
      t.is(ia.ia6_lifetime.ia6t_vltime, 3600);
      t.is(ia.ia6_lifetime.ia6t_pltime, 1800);
      t.is(ia.ia6_lifetime.ia6t_expire, now + 3600);
      t.is(ia.ia6_lifetime.ia6t_preferred, now + 1800);
      const q: { ifr_name: string; ifr_addr: InstanceType<typeof k.sockaddr_in6>; ifr_ifru_lifetime?: InstanceType<typeof k.in6_addrlifetime> } = { ifr_name: e.a, ifr_addr: new k.sockaddr_in6(a6(k, "2001:db8:5::1")) };
      t.is(k.ifioctl(cr, k.SIOCGIFALIFETIME_IN6, q, AF_INET6), 0);
      t.is(q.ifr_ifru_lifetime?.ia6t_expire, ia.ia6_updatetime + 3600);
      t.is(q.ifr_ifru_lifetime?.ia6t_preferred, ia.ia6_updatetime + 1800);
      t.is(ia.ia6_ndpr?.ndpr_vltime, 3600, "the prefix takes the address's lifetimes");
      // `deprecated` from userland: preferred lifetime 0 from now on.
      t.is(add6(k, cr, e.a, "2001:db8:6::1", 64, { flags: k.IN6_IFF_DEPRECATED }), 0);
      const dep = ia_of(k, e.a, "2001:db8:6::1");
      t.is(dep?.ia6_lifetime.ia6t_pltime, 0);
      t.is(dep?.ia6_lifetime.ia6t_preferred, k.time_uptime());
      t.true(((dep?.ia6_flags ?? 0) & k.IN6_IFF_DEPRECATED) !== 0);
      t.true(k.in6_is_addr_deprecated(new k.sockaddr_in6(a6(k, "2001:db8:6::1"))));
      t.false(k.in6_is_addr_deprecated(new k.sockaddr_in6(a6(k, "2001:db8:5::1"))));
      // Infinite lifetimes have no expiry times.
      const lo1 = ia_of(k, "lo0", "2001:db8::1");
      t.is(lo1?.ia6_lifetime.ia6t_expire, 0);
      t.is(lo1?.ia6_lifetime.ia6t_preferred, 0);
    });
    k.kern_advance_ns(3e9);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a link-local address given with sin6_scope_id is stored with the zone embedded, and must match the interface`, async (t) => {
    const k = await loadKernel(build);
    const cr = k.cred0;
    inv(k, k.vnet0, () => {
      const e = epair(k);
      const a = ifp(k, e.a);
      const b = ifp(k, e.b);
      t.is(add6(k, cr, e.a, "fe80::1234", 64, { scope_id: a.if_index }), 0);
      const ia = ia6s(k, e.a).find((x) => ia6_text(k, x) === `fe80::1234%${a.if_index}/64`);
      t.not(ia, undefined);
      t.is(k.s6_addr16(ia!.ia_addr.sin6_addr, 1), a.if_index);
      // Without a zone the interface's is taken.
      t.is(add6(k, cr, e.b, "fe80::1234", 64), 0);
      t.true(ia6s(k, e.b).some((x) => ia6_text(k, x) === `fe80::1234%${b.if_index}/64`));
      t.is(k.in6ifa_ifwithaddr(ia!.ia_addr.sin6_addr, 0), ia ?? null, "the embedded forms differ: each interface's own");
    });
    k.kern_advance_ns(3e9);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: destroying an interface takes its IPv6 addresses with it`, async (t) => {
    const k = await loadKernel(build);
    const cr = k.cred0;
    inv(k, k.vnet0, () => {
      const e = epair(k);
      t.is(up(k, cr, e.a), 0);
      t.is(add6(k, cr, e.a, "2001:db8::1", 64), 0);
      t.is(add6(k, cr, e.b, "2001:db8::2", 64), 0);
      // Each address enabled IPv6 on its (running) interface, which then
      // took a link-local address as well.
      t.is(k.V_in6_ifaddrhead().length, 4);
      t.is(k.if_clone_destroy(e.a), 0);
      t.is(k.V_in6_ifaddrhead().length, 0);
      t.false(k.in6_localip(a6(k, "2001:db8::1")));
    });
    k.kern_advance_ns(3e9);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test.serial("vimage: an epair moved into a jail leaves its addresses behind and gets a new link-local there", async (t) => {
  const k = await loadKernel("vimage");
  const cr = k.cred0;
  const e = inv(k, k.vnet0, () => epair(k));
  inv(k, k.vnet0, () => {
    t.is(up(k, cr, e.a), 0);
    t.is(add6(k, cr, e.a, "2001:db8::1", 64), 0);
  });
  const j = k.kern_jail_set(cr, { name: "j", vnet: "new", persist: true }, k.JAIL_CREATE);
  t.is(j.error, 0);
  const pr = k.prison_find_name("j")!;
  inv(k, k.vnet0, () => {
    t.is(k.ifioctl(cr, k.SIOCSIFVNET, { ifr_name: e.a, ifr_jid: pr.pr_id }), 0);
    t.is(k.V_in6_ifaddrhead().length, 0);
  });
  inv(k, pr.pr_vnet, () => {
    const i = ifp(k, e.a);
    t.deepEqual(ia6s(k, e.a), [], "down after the move");
    t.is(up(k, cr, e.a), 0);
    t.deepEqual(ia6s(k, e.a), [], "and IPv6 disabled, as on any new arrival");
    t.is(ifdisabled(k, cr, e.a, false), 0);
    t.deepEqual(
      ia6s(k, e.a).map((ia) => ia6_text(k, ia).replace(/::.*%/, "::%")),
      [`fe80::%${i.if_index}/64`],
    );
    t.is(k.V_in6_ifaddrhead().length, 1);
  });
  // The new link-local's MLDv2 state-change report is sent again after a
  // random delay of up to MLD_URI_INIT (3 s), itself after the join's random
  // delay of up to 1 s: wait out the worst case, not one seed's draw.
  k.kern_advance_ns(5e9);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

