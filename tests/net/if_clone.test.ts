// net/if_clone, if_loop, if_epair: cloners per vnet, unit allocation,
// lo0 in every vnet, epair pairs created and destroyed together.
import test from "ava";
import { BOTH, loadKernel } from "../helpers/builds.ts";
import { ifconfig_create, ifconfig_destroy, ifp_in, inv, vnet_jail } from "./link_helpers.ts";

for (const build of BOTH) {
  test(`${build}: lo0 exists at boot; lo and epair cloners; units allocated lowest-free`, async (t) => {
    const k = await loadKernel(build);
    const v0 = k.vnet0;
    inv(k, v0, () => {
      const names = k.V_ifnet().map((i) => i.if_xname);
      t.deepEqual(names, ["lo0"]);
      t.deepEqual(k.if_clone_list().sort(), ["bridge", "epair", "gif", "lo", "tap", "tun", "vlan", "vmnet"]);
      const lo0 = k.V_loif();
      t.truthy(lo0);
      if (lo0 === null) return;
      t.is(lo0.if_index, 1);
      t.is(lo0.if_mtu, k.LOMTU);
      t.is(lo0.if_flags, k.IFF_LOOPBACK | k.IFF_MULTICAST);
      t.is(lo0.if_type, k.IFT_LOOP);
      t.is(lo0.if_bpf?.bif_dlt, k.DLT_NULL);
      t.is(lo0.if_bpf?.bif_hdrlen, 4);
      t.deepEqual(lo0.if_groups, ["all", "lo"]);
    });

    // epair: wildcard, specific unit, collisions.
    t.deepEqual(ifconfig_create(k, v0, "epair"), { error: 0, name: "epair0a" });
    t.deepEqual(ifconfig_create(k, v0, "epair"), { error: 0, name: "epair1a" });
    t.deepEqual(ifconfig_create(k, v0, "epair5"), { error: 0, name: "epair5a" });
    t.is(ifconfig_create(k, v0, "epair5").error, k.EEXIST, "unit taken");
    t.is(ifconfig_create(k, v0, "epair0a").error, k.EINVAL, "epair<n>a is not a cloner name");
    t.is(ifconfig_create(k, v0, "epair01").error, k.EINVAL, "leading zero");
    t.is(ifconfig_create(k, v0, "bogus").error, k.EINVAL);
    t.deepEqual(ifconfig_create(k, v0, "epair"), { error: 0, name: "epair2a" });

    const a = ifp_in(k, v0, "epair0a");
    const b = ifp_in(k, v0, "epair0b");
    t.is(a.if_type, k.IFT_ETHER);
    t.is(a.if_flags, k.IFF_BROADCAST | k.IFF_SIMPLEX | k.IFF_MULTICAST);
    t.is(a.if_drv_flags & k.IFF_DRV_RUNNING, k.IFF_DRV_RUNNING);
    t.is(b.if_link_state, k.LINK_STATE_UP);
    t.is(a.if_mtu, 1500);
    t.is(a.if_dname, "epair");
    t.is(a.if_dunit, 0);
    t.deepEqual(b.if_groups, ["all", "epair"]);
    t.is(a.if_bpf?.bif_dlt, k.DLT_EN10MB);
    t.is(a.if_index + 1, b.if_index);
    const ma = k.IF_LLADDR(a);
    const mb = k.IF_LLADDR(b);
    t.is(ma[0], 0x02);
    t.is(ma[5], 0x0a);
    t.is(mb[5], 0x0b);
    t.deepEqual(Array.from(ma.subarray(0, 5)), Array.from(mb.subarray(0, 5)));
    t.deepEqual(Array.from(a.if_hw_addr ?? []), Array.from(ma));
    t.regex(k.msgbuf_read(), /epair0a: Ethernet address: 02:[0-9a-f:]{11}:0a\n/);

    // Destroying either side destroys both; the unit comes free again.
    t.is(ifconfig_destroy(k, v0, "epair1b"), 0);
    t.is(inv(k, v0, () => k.ifunit("epair1a")), null);
    t.is(inv(k, v0, () => k.ifunit("epair1b")), null);
    t.true((a.if_flags & k.IFF_DYING) === 0);
    t.deepEqual(ifconfig_create(k, v0, "epair"), { error: 0, name: "epair1a" });
    t.is(ifconfig_destroy(k, v0, "epair9a"), k.ENXIO);

    // lo: lo0 is permanent, others come and go.
    t.deepEqual(ifconfig_create(k, v0, "lo"), { error: 0, name: "lo1" });
    t.is(ifconfig_create(k, v0, "lo1").error, k.EEXIST);
    t.deepEqual(ifconfig_create(k, v0, "lo7"), { error: 0, name: "lo7" });
    t.is(ifconfig_destroy(k, v0, "lo0"), k.EINVAL);
    t.is(ifconfig_destroy(k, v0, "lo1"), 0);
    t.is(ifconfig_destroy(k, v0, "lo7"), 0);
    t.deepEqual(ifconfig_create(k, v0, "lo"), { error: 0, name: "lo1" });
    t.is(ifconfig_destroy(k, v0, "lo1"), 0);

    for (const n of ["epair0a", "epair1a", "epair2a", "epair5b"]) t.is(ifconfig_destroy(k, v0, n), 0);
    t.deepEqual(inv(k, v0, () => k.V_ifnet().map((i) => i.if_xname)), ["lo0"]);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: epair MAC addresses follow the seed`, async (t) => {
    const macs = async (seed: number) => {
      const k = await loadKernel(build, seed);
      ifconfig_create(k, k.vnet0, "epair");
      ifconfig_create(k, k.vnet0, "epair");
      return ["epair0a", "epair0b", "epair1a"].map((n) => k.ether_ntoa(k.IF_LLADDR(ifp_in(k, k.vnet0, n))));
    };
    const a = await macs(7);
    t.deepEqual(await macs(7), a);
    t.notDeepEqual(await macs(8), a);
    t.not(a[0].slice(0, 14), a[2].slice(0, 14), "each pair has its own address");
  });
}

test("vimage: every new vnet gets its own lo0 and cloners; teardown destroys what it cloned", async (t) => {
  const k = await loadKernel("vimage");
  const vs = [k.vnet_alloc(), k.vnet_alloc(), k.vnet_alloc()];
  const lo0s = vs.map((v) => inv(k, v, () => k.V_loif()));
  for (const [i, v] of vs.entries()) {
    inv(k, v, () => {
      t.deepEqual(k.V_ifnet().map((x) => x.if_xname), ["lo0"]);
      t.is(k.V_loif()?.if_index, 1);
      t.is(k.V_loif()?.if_vnet, v);
      t.deepEqual(k.if_clone_list().sort(), ["bridge", "epair", "gif", "lo", "tap", "tun", "vlan", "vmnet"]);
    });
    t.not(lo0s[i], inv(k, k.vnet0, () => k.V_loif()), "not vnet0's lo0");
  }
  // Units are per vnet: each vnet starts at epair0.
  t.deepEqual(ifconfig_create(k, vs[0], "epair"), { error: 0, name: "epair0a" });
  t.deepEqual(ifconfig_create(k, vs[1], "epair"), { error: 0, name: "epair0a" });
  t.deepEqual(ifconfig_create(k, vs[1], "lo"), { error: 0, name: "lo1" });
  t.deepEqual(ifconfig_create(k, k.vnet0, "epair"), { error: 0, name: "epair0a" });
  const e = ifp_in(k, vs[1], "epair0a");
  t.is(e.if_vnet, vs[1]);
  t.is(e.if_home_vnet, vs[1]);
  // Destroying the vnets destroys their interfaces (vnet_if_uninit would
  // panic on any left) and no other vnet's.
  for (const v of vs) k.vnet_destroy(v);
  for (const lo of lo0s) t.true(((lo?.if_flags ?? 0) & k.IFF_DYING) !== 0);
  t.true((e.if_flags & k.IFF_DYING) !== 0);
  t.deepEqual(inv(k, k.vnet0, () => k.V_ifnet().map((x) => x.if_xname)), ["lo0", "epair0a", "epair0b"]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: jails create epairs with their own cloner; jail removal destroys them", async (t) => {
  const k = await loadKernel("vimage");
  const { jid, v } = vnet_jail(k, "j1");
  t.deepEqual(ifconfig_create(k, v, "epair"), { error: 0, name: "epair0a" });
  const a = ifp_in(k, v, "epair0a");
  t.is(a.if_index, 2, "lo0 is 1 in the jail");
  t.is(k.sys_jail_remove(k.cred0, jid), 0);
  t.true((a.if_flags & k.IFF_DYING) !== 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
