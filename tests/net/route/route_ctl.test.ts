// net/route/route_ctl: a route to an interface (-interface), RTM_CHANGE of
// the gateway (and of a prefix not there), a route with an MTU of its own.
import test from "ava";
import { BOTH, loadKernel } from "../../helpers/builds.ts";
import { ifp, inv, rtmsg, lo_epair_setup as setup, route_vnet0 as route, lookup_vnet0 as lookup } from "../../netinet/rt_helpers.ts";

for (const build of BOTH) {
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
