// net/route/route_tables: net.fibs grows the tables (interface routes
// following if_fib, through route_ifaddrs), and each vnet has tables of its own.
import test from "ava";
import { BOTH, loadKernel } from "../../helpers/builds.ts";
import { epair, ifaddr_add, ifp, inv, ip, rtmsg, vnet_jail, ifvnet, lo_epair_setup as setup, route_vnet0 as route, lookup_vnet0 as lookup } from "../../netinet/rt_helpers.ts";

for (const build of BOTH) {
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
}

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
