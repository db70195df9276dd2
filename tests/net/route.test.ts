// net/route, net/rtsock, netinet/in_fib: longest-prefix match with host,
// net and default routes, blackhole and reject nexthops, several fibs,
// route_output's errors and RTM_GET's answer, routes going with their
// interface, and tables per vnet.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import { epair, ifaddr_add, ifp, inv, ip, reply_ifname, rtmsg, sa_addr, vnet_jail, ifvnet } from "../netinet/rt_helpers.ts";

/** vnet0 with lo0 127.0.0.1/8 and epair0a 10.0.0.1/24 up. */
function setup(k: Kernel): { a: string; b: string } {
  return inv(k, k.vnet0, () => {
    const e = epair(k);
    if (ifaddr_add(k, k.cred0, "lo0", "127.0.0.1", 8) !== 0) throw new Error("lo0");
    if (ifaddr_add(k, k.cred0, e.a, "10.0.0.1", 24) !== 0) throw new Error("epair");
    return e;
  });
}

function route(k: Kernel, fib: number, type: number, r: Parameters<typeof rtmsg>[2], cred = k.cred0) {
  return inv(k, k.vnet0, () => k.route_output(cred, fib, rtmsg(k, type, r)));
}

function lookup(k: Kernel, fib: number, a: string) {
  return inv(k, k.vnet0, () => k.fib4_lookup(fib, ip(k, a), 0, k.NHR_NONE, 0));
}

for (const build of BOTH) {
  test.serial(`${build}: longest prefix match over host, net and default routes`, async (t) => {
    const k = await loadKernel(build);
    setup(k);
    t.is(route(k, 0, k.RTM_ADD, { dst: "0.0.0.0", len: 0, gw: "10.0.0.254" }).error, 0);
    t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.0.0", len: 16, gw: "10.0.0.2" }).error, 0);
    t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.1.0", len: 24, gw: "10.0.0.3" }).error, 0);
    t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.1.1", len: null, gw: "10.0.0.4" }).error, 0);
    const gw = (a: string) => {
      const nh = lookup(k, 0, a);
      return nh === null ? null : k.inet_ntoa(nh.gw4_sa.sin_addr);
    };
    t.is(gw("192.168.1.1"), "10.0.0.4");
    t.is(gw("192.168.1.2"), "10.0.0.3");
    t.is(gw("192.168.200.1"), "10.0.0.2");
    t.is(gw("8.8.8.8"), "10.0.0.254");
    const def = lookup(k, 0, "8.8.8.8");
    t.truthy(def);
    t.true((def!.nh_flags & k.NHF_DEFAULT) !== 0);
    t.true((def!.nh_flags & k.NHF_GATEWAY) !== 0);
    t.is(def!.nh_ifp.if_xname, "epair0a");
    t.is(def!.nh_mtu, 1500);
    t.is(k.inet_ntoa(def!.nh_ifa.ia_addr.sin_addr), "10.0.0.1");
    const host = lookup(k, 0, "192.168.1.1");
    t.true((host!.nh_flags & k.NHF_HOST) !== 0);
    // The connected prefix: no gateway.
    const conn = lookup(k, 0, "10.0.0.77");
    t.is(conn!.nh_flags & (k.NHF_GATEWAY | k.NHF_HOST), 0);
    t.is(conn!.nh_ifp.if_xname, "epair0a");
    // Our own address: a host route through lo0 that remembers epair0a.
    const self = lookup(k, 0, "10.0.0.1");
    t.is(self!.nh_ifp.if_xname, "lo0");
    t.is(self!.nh_aifp.if_xname, "epair0a");
    t.true((self!.nh_flags & k.NHF_HOST) !== 0);
    // Deleting the host route uncovers the /24.
    t.is(route(k, 0, k.RTM_DELETE, { dst: "192.168.1.1", len: null }).error, 0);
    t.is(gw("192.168.1.1"), "10.0.0.3");
    t.is(route(k, 0, k.RTM_DELETE, { dst: "0.0.0.0", len: 0 }).error, 0);
    t.is(lookup(k, 0, "8.8.8.8"), null);
  });

  test.serial(`${build}: blackhole and reject routes point at lo0`, async (t) => {
    const k = await loadKernel(build);
    setup(k);
    t.is(route(k, 0, k.RTM_ADD, { dst: "172.16.0.0", len: 12, flags: k.RTF_UP | k.RTF_STATIC | k.RTF_BLACKHOLE }).error, 0);
    t.is(route(k, 0, k.RTM_ADD, { dst: "172.32.0.1", len: null, flags: k.RTF_UP | k.RTF_STATIC | k.RTF_REJECT }).error, 0);
    const bh = lookup(k, 0, "172.16.5.5")!;
    t.true((bh.nh_flags & k.NHF_BLACKHOLE) !== 0);
    t.is(bh.nh_flags & k.NHF_GATEWAY, 0);
    t.is(bh.nh_ifp.if_xname, "lo0");
    t.is(k.inet_ntoa(bh.gw4_sa.sin_addr), "127.0.0.1");
    const rj = lookup(k, 0, "172.32.0.1")!;
    t.true((rj.nh_flags & k.NHF_REJECT) !== 0);
    t.is(rj.nh_ifp.if_xname, "lo0");
    // route -n get shows the flags.
    const g = route(k, 0, k.RTM_GET, { dst: "172.16.1.1", ifp: true });
    t.is(g.error, 0);
    t.is(g.reply!.rtm_flags & (k.RTF_BLACKHOLE | k.RTF_STATIC | k.RTF_UP | k.RTF_DONE), k.RTF_BLACKHOLE | k.RTF_STATIC | k.RTF_UP | k.RTF_DONE);
    t.is(reply_ifname(g.reply), "lo0");
    // Both at once is refused.
    t.is(route(k, 0, k.RTM_ADD, { dst: "172.33.0.0", len: 16, flags: k.RTF_UP | k.RTF_BLACKHOLE | k.RTF_REJECT }).error, k.EINVAL);
  });

  test.serial(`${build}: route_output errors are FreeBSD's`, async (t) => {
    const k = await loadKernel(build);
    setup(k);
    t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.0.0", len: 16, gw: "10.0.0.2" }).error, 0);
    t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.0.0", len: 16, gw: "10.0.0.3" }).error, k.EEXIST);
    t.is(route(k, 0, k.RTM_DELETE, { dst: "192.169.0.0", len: 16 }).error, k.ESRCH);
    // Deleting with another gateway than the route's does not match.
    t.is(route(k, 0, k.RTM_DELETE, { dst: "192.168.0.0", len: 16, gw: "10.0.0.9" }).error, k.ESRCH);
    // A gateway no interface reaches.
    t.is(route(k, 0, k.RTM_ADD, { dst: "198.51.100.0", len: 24, gw: "203.0.113.1" }).error, k.ENETUNREACH);
    // A fib that does not exist.
    t.is(route(k, 1, k.RTM_ADD, { dst: "198.51.100.0", len: 24, gw: "10.0.0.2" }).error, k.EINVAL);
    // No gateway on RTM_ADD.
    t.is(route(k, 0, k.RTM_ADD, { dst: "198.51.100.0", len: 24 }).error, k.EINVAL);
    // route get of nothing.
    t.is(route(k, 0, k.RTM_GET, { dst: "203.0.113.5" }).error, k.ESRCH);
    // A user may not change routes, only read them.
    const user = new k.ucred(1001, k.prison0);
    t.is(route(k, 0, k.RTM_ADD, { dst: "198.51.100.0", len: 24, gw: "10.0.0.2" }, user).error, k.EPERM);
    t.is(route(k, 0, k.RTM_GET, { dst: "192.168.3.3" }, user).error, 0);
    // Interface routes are the kernel's: a user route cannot delete them.
    t.is(route(k, 0, k.RTM_DELETE, { dst: "10.0.0.0", len: 24 }).error, k.EADDRINUSE);
    // A wrong version is not answered.
    const m = rtmsg(k, k.RTM_GET, { dst: "10.0.0.1" });
    m.rtm_version = 4;
    const r = inv(k, k.vnet0, () => k.route_output(k.cred0, 0, m));
    t.is(r.error, k.EPROTONOSUPPORT);
    t.is(r.reply, null);
    // The error travels back in the reply.
    const e = route(k, 0, k.RTM_DELETE, { dst: "192.169.0.0", len: 16 });
    t.is(e.reply!.rtm_errno, k.ESRCH);
  });

  test.serial(`${build}: RTM_GET answers as route -n get shows it`, async (t) => {
    const k = await loadKernel(build);
    setup(k);
    t.is(route(k, 0, k.RTM_ADD, { dst: "0.0.0.0", len: 0, gw: "10.0.0.254" }).error, 0);
    const d = route(k, 0, k.RTM_GET, { dst: "8.8.8.8", ifp: true });
    t.is(d.error, 0);
    const r = d.reply!;
    t.is(sa_addr(r.rtm_sa[k.RTAX_DST]), 0);
    t.is(sa_addr(r.rtm_sa[k.RTAX_NETMASK]), 0);
    t.is(k.inet_ntoa(sa_addr(r.rtm_sa[k.RTAX_GATEWAY])!), "10.0.0.254");
    t.is(reply_ifname(r), "epair0a");
    t.is(k.inet_ntoa(sa_addr(r.rtm_sa[k.RTAX_IFA])!), "10.0.0.1");
    t.is(r.rtm_flags, k.RTF_UP | k.RTF_GATEWAY | k.RTF_DONE | k.RTF_STATIC);
    t.is(r.rtm_rmx.rmx_mtu, 1500);
    t.is(r.rtm_index, inv(k, k.vnet0, () => ifp(k, "epair0a")).if_index);
    // Our own address: interface lo0, a pinned static host route.
    const s = route(k, 0, k.RTM_GET, { dst: "10.0.0.1", ifp: true }).reply!;
    t.is(reply_ifname(s), "lo0");
    t.is(s.rtm_flags, k.RTF_UP | k.RTF_HOST | k.RTF_DONE | k.RTF_STATIC | k.RTF_PINNED);
    t.is(s.rtm_sa[k.RTAX_NETMASK], null);
    // The connected prefix, asked for exactly (with a netmask).
    const c = route(k, 0, k.RTM_GET, { dst: "10.0.0.0", len: 24, ifp: true }).reply!;
    t.is(reply_ifname(c), "epair0a");
    t.is(c.rtm_flags, k.RTF_UP | k.RTF_DONE | k.RTF_PINNED);
    t.is(k.inet_ntoa(sa_addr(c.rtm_sa[k.RTAX_NETMASK])!), "255.255.255.0");
    // An exact lookup of a prefix that is not there.
    t.is(route(k, 0, k.RTM_GET, { dst: "10.0.0.0", len: 16 }).error, k.ESRCH);
  });

  test.serial(`${build}: net.fibs grows the tables; interface routes follow if_fib`, async (t) => {
    const k = await loadKernel(build);
    setup(k);
    t.deepEqual(k.kernel_sysctlbyname(k.cred0, "net.fibs"), { error: 0, value: 1 });
    t.is(k.kernel_sysctlbyname(k.cred0, "net.fibs", 3).error, 0);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.fibs", 2).error, 93 /* ENOTCAPABLE */);
    t.deepEqual(k.kernel_sysctlbyname(k.cred0, "net.fibs"), { error: 0, value: 3 });
    // Fib 1 knows nothing of fib 0's interface routes (add_addr_allfibs is 0).
    t.is(lookup(k, 1, "10.0.0.5"), null);
    t.truthy(lookup(k, 0, "10.0.0.5"));
    // A second interface in fib 2 gets its routes there.
    inv(k, k.vnet0, () => {
      const e = epair(k);
      t.is(k.ifioctl(k.cred0, k.SIOCSIFFIB, { ifr_name: e.a, ifr_fib: 2 }), 0);
      t.is(ifaddr_add(k, k.cred0, e.a, "10.1.0.1", 24), 0);
    });
    t.is(lookup(k, 0, "10.1.0.5"), null);
    t.is(lookup(k, 2, "10.1.0.5")!.nh_ifp.if_xname, "epair1a");
    t.is(lookup(k, 2, "10.1.0.1")!.nh_ifp.if_xname, "lo0");
    // Routes per fib.
    t.is(route(k, 2, k.RTM_ADD, { dst: "0.0.0.0", len: 0, gw: "10.1.0.254" }).error, 0);
    t.is(k.inet_ntoa(lookup(k, 2, "8.8.8.8")!.gw4_sa.sin_addr), "10.1.0.254");
    t.is(lookup(k, 0, "8.8.8.8"), null);
    // The gateway must be reachable in the route's fib.
    t.is(route(k, 1, k.RTM_ADD, { dst: "0.0.0.0", len: 0, gw: "10.1.0.254" }).error, k.ENETUNREACH);
    const d2 = inv(k, k.vnet0, () => k.rt_dump(2));
    t.is(d2.error, 0);
    t.deepEqual(
      d2.entries.map((e) => [k.inet_ntoa(e.rt_dst), k.in_mask2len(e.rt_mask), e.rt_ifname]),
      [
        ["0.0.0.0", 0, "epair1a"],
        ["10.1.0.0", 24, "epair1a"],
        ["10.1.0.1", 32, "lo0"],
      ],
    );
    t.is(inv(k, k.vnet0, () => k.rt_dump(7)).error, k.EINVAL);
  });

  test.serial(`${build}: a link that is down has no route (rts_unreach)`, async (t) => {
    const k = await loadKernel(build);
    const e = setup(k);
    const i = inv(k, k.vnet0, () => ifp(k, e.a));
    const before = inv(k, k.vnet0, () => k.rtstat_fetch()[k.rts_unreach]);
    i.if_capabilities |= k.IFCAP_LINKSTATE;
    i.if_link_state = k.LINK_STATE_DOWN;
    t.is(lookup(k, 0, "10.0.0.9"), null);
    t.is(inv(k, k.vnet0, () => k.rtstat_fetch()[k.rts_unreach]), before + 1);
    i.if_link_state = k.LINK_STATE_UP;
    t.truthy(lookup(k, 0, "10.0.0.9"));
    // NHR_REF takes a reference for the caller to drop.
    const nh = inv(k, k.vnet0, () => k.fib4_lookup(0, ip(k, "10.0.0.9"), 0, k.NHR_REF, 0))!;
    const refs = nh.nh_refcnt;
    inv(k, k.vnet0, () => k.nhop_free(nh));
    t.is(nh.nh_refcnt, refs - 1);
  });

  test.serial(`${build}: routes through an interface go when it is destroyed`, async (t) => {
    const k = await loadKernel(build);
    const e = setup(k);
    t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.0.0", len: 16, gw: "10.0.0.2" }).error, 0);
    t.is(route(k, 0, k.RTM_ADD, { dst: "192.170.0.0", len: 16, gwifp: inv(k, k.vnet0, () => ifp(k, e.a)) }).error, 0);
    t.truthy(lookup(k, 0, "192.170.3.3"));
    inv(k, k.vnet0, () => t.is(k.if_clone_destroy(e.a), 0));
    const left = inv(k, k.vnet0, () => k.rt_dump(0)).entries.map((x) => `${k.inet_ntoa(x.rt_dst)}/${k.in_mask2len(x.rt_mask)} ${x.rt_ifname}`);
    t.deepEqual(left, ["127.0.0.1/32 lo0"]);
    t.is(lookup(k, 0, "192.168.1.1"), null);
    t.deepEqual(inv(k, k.vnet0, () => k.V_in_ifaddrhead().map((ia) => k.inet_ntoa(ia.ia_addr.sin_addr))), ["127.0.0.1"]);
    t.false(inv(k, k.vnet0, () => k.in_localip(ip(k, "10.0.0.1"))));
    k.kern_run_until_idle();
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: an interface route named by -interface; RTM_CHANGE`, async (t) => {
    const k = await loadKernel(build);
    const e = setup(k);
    const a = inv(k, k.vnet0, () => ifp(k, e.a));
    t.is(route(k, 0, k.RTM_ADD, { dst: "198.18.0.0", len: 15, gwifp: a }).error, 0);
    const nh = lookup(k, 0, "198.18.1.1")!;
    t.is(nh.nh_ifp, a);
    t.is(nh.nh_flags & k.NHF_GATEWAY, 0);
    t.is(route(k, 0, k.RTM_ADD, { dst: "198.20.0.0", len: 16, gw: "10.0.0.2" }).error, 0);
    t.is(route(k, 0, k.RTM_CHANGE, { dst: "198.20.0.0", len: 16, gw: "10.0.0.3" }).error, 0);
    t.is(k.inet_ntoa(lookup(k, 0, "198.20.1.1")!.gw4_sa.sin_addr), "10.0.0.3");
    t.is(route(k, 0, k.RTM_CHANGE, { dst: "198.21.0.0", len: 16, gw: "10.0.0.3" }).error, k.ESRCH);
    // A route with an MTU of its own, capped by the interface's.
    const m = rtmsg(k, k.RTM_ADD, { dst: "198.22.0.0", len: 16, gw: "10.0.0.2" });
    m.rtm_inits = k.RTV_MTU;
    m.rtm_rmx.rmx_mtu = 1280;
    t.is(inv(k, k.vnet0, () => k.route_output(k.cred0, 0, m)).error, 0);
    t.is(lookup(k, 0, "198.22.0.1")!.nh_mtu, 1280);
  });
}

test.serial("vimage: route sockets hear announcements and replies", async (t) => {
  const k = await loadKernel("vimage");
  const heard: string[] = [];
  const l = inv(k, k.vnet0, () =>
    k.rts_attach((m) => {
      heard.push(`${m.rtm_type}${m.rtm_type === k.RTM_IFANNOUNCE ? " " + m.ifan_name : ""}${m.rtm_errno ? " errno " + m.rtm_errno : ""}`);
    }),
  );
  const e = setup(k);
  t.true(heard.includes(`${k.RTM_IFANNOUNCE} ${e.a}`));
  t.true(heard.includes(`${k.RTM_NEWADDR}`));
  t.true(heard.includes(`${k.RTM_ADD}`), "the prefix route the address installed");
  heard.length = 0;
  t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.0.0", len: 16, gw: "10.0.0.2" }).error, 0);
  t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.0.0", len: 16, gw: "10.0.0.2" }).error, k.EEXIST);
  t.deepEqual(heard, [`${k.RTM_ADD}`, `${k.RTM_ADD} errno ${k.EEXIST}`]);
  // The writer can choose not to hear its own.
  heard.length = 0;
  inv(k, k.vnet0, () => k.route_output(k.cred0, 0, rtmsg(k, k.RTM_GET, { dst: "10.0.0.1" }), 42, l));
  t.deepEqual(heard, []);
  inv(k, k.vnet0, () => k.rts_detach(l));
  t.is(route(k, 0, k.RTM_DELETE, { dst: "192.168.0.0", len: 16 }).error, 0);
  t.deepEqual(heard, []);
});

test.serial("vimage: each vnet has its own tables", async (t) => {
  const k = await loadKernel("vimage");
  const A = vnet_jail(k, "a");
  const B = vnet_jail(k, "b");
  const e = inv(k, k.vnet0, () => epair(k));
  t.is(ifvnet(k, e.a, A.jid), 0);
  t.is(ifvnet(k, e.b, B.jid), 0);
  t.is(inv(k, A.v, () => ifaddr_add(k, A.cred, e.a, "10.0.0.1", 24)), 0);
  t.is(inv(k, B.v, () => ifaddr_add(k, B.cred, e.b, "10.0.0.2", 24)), 0);
  // A vnet jail's root may change its own routes.
  const r = inv(k, A.v, () => k.route_output(A.cred, 0, rtmsg(k, k.RTM_ADD, { dst: "0.0.0.0", len: 0, gw: "10.0.0.2" })));
  t.is(r.error, 0);
  t.truthy(inv(k, A.v, () => k.fib4_lookup(0, ip(k, "8.8.8.8"), 0, 0, 0)));
  t.is(inv(k, B.v, () => k.fib4_lookup(0, ip(k, "8.8.8.8"), 0, 0, 0)), null);
  t.is(inv(k, k.vnet0, () => k.fib4_lookup(0, ip(k, "10.0.0.2"), 0, 0, 0)), null);
  // net.fibs is per vnet.
  t.is(k.kernel_sysctlbyname(A.cred, "net.fibs", 2).error, 0);
  t.deepEqual(k.kernel_sysctlbyname(B.cred, "net.fibs"), { error: 0, value: 1 });
  t.deepEqual(k.kernel_sysctlbyname(A.cred, "net.fibs"), { error: 0, value: 2 });
  // Taking the interface home scrubs its addresses and routes from A.
  t.is(inv(k, k.vnet0, () => k.ifioctl(k.cred0, k.SIOCSIFRVNET, { ifr_name: e.a, ifr_jid: A.jid })), 0);
  t.deepEqual(inv(k, A.v, () => k.rt_dump(0).entries), []);
  t.deepEqual(inv(k, A.v, () => k.V_in_ifaddrhead()), []);
  t.is(A.remove(), 0);
  t.is(B.remove(), 0);
  t.false(k.vnet_head.includes(A.v));
  // epair0b came home from B's teardown without its address and routes.
  t.deepEqual(inv(k, k.vnet0, () => ifp(k, e.b).if_addrhead.length), 1);
  t.deepEqual(inv(k, k.vnet0, () => k.rt_dump(0).entries), []);
  k.kern_run_until_idle();
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
