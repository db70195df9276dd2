// net/route/nhop_ctl: blackhole and reject nexthops, whose interface is
// lo0 and whose flags the data path reads; nhop_get_nhop sharing and linking.
import test from "ava";
import { BOTH, loadKernel } from "../../helpers/builds.ts";
import { inv, reply_ifname, lo_epair_setup as setup, route_vnet0 as route, lookup_vnet0 as lookup } from "../../netinet/rt_helpers.ts";

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

for (const build of BOTH) {
  test.serial(`${build}: nhop_get_nhop shares an equal linked nexthop and links a new one under the next free index`, async (t) => {
    const k = await loadKernel(build);
    setup(k);
    const nh = lookup(k, 0, "10.0.0.9");
    if (nh === null) return t.fail("no prefix route");
    inv(k, k.vnet0, () => {
      const copy = () => {
        const c = new k.nhop_object(nh.nh_ifp, nh.nh_ifa);
        c.nh_flags = nh.nh_flags;
        c.nh_mtu = nh.nh_mtu;
        c.gw_sa = nh.gw_sa;
        c.nh_aifp = nh.nh_aifp;
        const p = c.nh_priv;
        const o = nh.nh_priv;
        p.nh_upper_family = o.nh_upper_family;
        p.nh_neigh_family = o.nh_neigh_family;
        p.nh_type = o.nh_type;
        p.rt_flags = o.rt_flags;
        p.nh_fibnum = o.nh_fibnum;
        return c;
      };
      const refs = nh.nh_refcnt;
      const same = k.nhop_get_nhop(copy());
      t.is(same.error, 0);
      t.is(same.nh, nh, "the equal nexthop, referenced");
      t.is(nh.nh_refcnt, refs + 1);
      k.nhop_free(nh);
      const other = copy();
      other.nh_mtu = 1280;
      const r = k.nhop_get_nhop(other);
      t.is(r.error, 0);
      t.is(r.nh, other, "a new nexthop is linked");
      t.not(k.nhop_get_idx(other), k.nhop_get_idx(nh));
      t.true(k.nhop_get_idx(other) > 0);
      t.is(k.nhop_get_fibnum(other), 0);
      t.is(k.nhop_get_upper_family(other), k.AF_INET);
      k.nhop_free(other);
      t.is(other.nh_refcnt, 0);
      const nofib = copy();
      nofib.nh_priv.nh_upper_family = k.AF_LINK;
      t.is(k.nhop_get_nhop(nofib).error, k.EAFNOSUPPORT);
    });
  });
}
