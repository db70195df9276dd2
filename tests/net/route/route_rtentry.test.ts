// net/route/route_rtentry: rt_alloc makes an entry with its destination
// masked, RTF_HOST without a netmask, and none for a mask the table cannot
// hold; the accessors read what the table stored.
import test from "ava";
import { BOTH, loadKernel } from "../../helpers/builds.ts";
import { inv, ip, lo_epair_setup as setup, lookup_vnet0 as lookup } from "../../netinet/rt_helpers.ts";

for (const build of BOTH) {
  test.serial(`${build}: rt_alloc and the rtentry accessors`, async (t) => {
    const k = await loadKernel(build);
    setup(k);
    const nh = lookup(k, 0, "10.0.0.9");
    if (nh === null) return t.fail("no prefix route");
    inv(k, k.vnet0, () => {
      const rnh = k.rt_tables_get_rnh(0, k.AF_INET);
      if (rnh === null) return t.fail("no AF_INET table");
      const net = k.rt_alloc(rnh, new k.sockaddr_in(ip(k, "192.0.2.77")), new k.sockaddr_in(0xffffff00), nh);
      if (net === null) return t.fail("rt_alloc refused a /24");
      t.is(k.inet_ntoa(net.rt_dst), "192.0.2.0", "the destination is masked");
      t.is(net.rt_plen, 24);
      t.is(net.rte_flags, k.RTF_UP);
      t.false(k.rt_is_host(net));
      t.deepEqual(k.rt_get_inet_prefix_plen(net), { addr: ip(k, "192.0.2.0"), plen: 24 });
      t.is(k.rt_get_raw_nhop(net), nh);
      t.is(k.rt_get_family(net), k.AF_INET);
      const host = k.rt_alloc(rnh, new k.sockaddr_in(ip(k, "192.0.2.77")), null, nh);
      if (host === null) return t.fail("rt_alloc refused a host");
      t.is(host.rte_flags, k.RTF_UP | k.RTF_HOST);
      t.deepEqual(k.rt_get_inet_prefix_plen(host), { addr: ip(k, "192.0.2.77"), plen: 32 });
      const rnd = new k.route_nhop_data();
      k.rt_get_rnd(host, rnd);
      t.is(rnd.rnd_nhop, nh);
      t.is(rnd.rnd_weight, k.RT_DEFAULT_WEIGHT);
      t.is(k.rt_alloc(rnh, new k.sockaddr_in(ip(k, "192.0.2.77")), new k.sockaddr_in(0xff00ff00), nh), null);
      // Not linked: the table does not know them.
      t.is(k.rib4_matchaddr(rnh, ip(k, "192.0.2.77")), null);
    });
  });
}
