// net/route (route.c's part): an interface's routes go with it
// (rt_flushifroutes), addresses and all.
import test from "ava";
import { BOTH, loadKernel } from "../helpers/builds.ts";
import { ifp, inv, ip, lo_epair_setup as setup, route_vnet0 as route, lookup_vnet0 as lookup } from "../netinet/rt_helpers.ts";

for (const build of BOTH) {
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
}
