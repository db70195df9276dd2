// net/radix (the stand-in for radix under a table) with netinet/in_fib's
// fib4_lookup: longest-prefix match over host, net and default routes.
import test from "ava";
import { BOTH, loadKernel } from "../helpers/builds.ts";
import { lo_epair_setup as setup, route_vnet0 as route, lookup_vnet0 as lookup } from "../netinet/rt_helpers.ts";

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
    t.is(k.inet_ntoa(k.ifatoia(def!.nh_ifa).ia_addr.sin_addr), "10.0.0.1");
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
}
