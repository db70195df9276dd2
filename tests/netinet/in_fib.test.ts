// netinet/in_fib: fib4_lookup finds no route over a link that is down
// (rts_unreach), and NHR_REF hands the caller a reference to drop.
import test from "ava";
import { BOTH, loadKernel } from "../helpers/builds.ts";
import { ifp, inv, ip, lo_epair_setup as setup, lookup_vnet0 as lookup } from "../netinet/rt_helpers.ts";

for (const build of BOTH) {
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
}
