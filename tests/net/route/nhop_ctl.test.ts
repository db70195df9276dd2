// net/route/nhop_ctl: blackhole and reject nexthops, whose interface is
// lo0 and whose flags the data path reads.
import test from "ava";
import { BOTH, loadKernel } from "../../helpers/builds.ts";
import { reply_ifname, lo_epair_setup as setup, route_vnet0 as route, lookup_vnet0 as lookup } from "../../netinet/rt_helpers.ts";

for (const build of BOTH) {
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
}
