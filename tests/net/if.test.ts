// net/if: if_vmove with cloned interfaces: bpf re-attached in the new vnet, the
// cloner of the home vnet still owns the interface, borrowed interfaces go
// home when a vnet dies, owned ones are destroyed wherever they are.
import test from "ava";
import { loadKernel } from "../helpers/builds.ts";
import { counters, frame, ifconfig_create, ifconfig_destroy, ifconfig_up, ifconfig_vnet, ifp_in, inv, mkpkt, record_netisr, vnet_jail } from "./link_helpers.ts";

test("vimage: moving epair0b into a jail: new index, same MAC, cloner and groups kept, bpf re-attached", async (t) => {
  const k = await loadKernel("vimage");
  const v0 = k.vnet0;
  ifconfig_create(k, v0, "epair");
  const { jid, v } = vnet_jail(k, "j");
  const b = ifp_in(k, v0, "epair0b");
  const mac = Array.from(k.IF_LLADDR(b));
  const oldbpf = b.if_bpf;
  const cap = k.bpf_open_capture(b);
  t.truthy(cap);
  t.true(k.bpf_peers_present(b));
  t.is(b.if_index, 3);

  t.is(ifconfig_vnet(k, "epair0b", jid), 0);
  t.is(b.if_vnet, v);
  t.is(b.if_home_vnet, v0);
  t.is(inv(k, v0, () => k.ifunit("epair0b")), null);
  t.is(inv(k, v, () => k.ifunit("epair0b")), b);
  t.is(b.if_index, 2, "indexes are per vnet");
  t.deepEqual(Array.from(k.IF_LLADDR(b)), mac);
  t.is(b.if_flags & k.IFF_UP, 0, "taken down by the move");
  t.deepEqual(b.if_groups, ["all", "epair"]);
  const ifc = k.if_clone_findifc(b);
  t.truthy(ifc, "still on its home vnet's epair cloner");
  t.true(ifc !== null && inv(k, v0, () => k.V_if_cloners().includes(ifc)));
  // A fresh tap in the new vnet; the old listener was cut off.
  t.not(b.if_bpf, oldbpf);
  t.is(b.if_bpf?.bif_dlt, k.DLT_EN10MB);
  t.is(b.if_bpf?.bif_hdrlen, 14);
  t.false(k.bpf_peers_present(b));
  t.true(cap !== null && !k.bpf_capture_attached(cap));
  // Moving it again is EEXIST (same vnet) / ENXIO (no such jail).
  t.is(ifconfig_vnet(k, "epair0a", 999), k.ENXIO);

  // Destroying the jail's vnet sends the borrowed interface home.
  t.is(k.sys_jail_remove(k.cred0, jid), 0);
  t.is(b.if_vnet, v0);
  t.is(inv(k, v0, () => k.ifunit("epair0b")), b);
  t.true((b.if_flags & k.IFF_DYING) === 0);
  t.is(b.if_bpf?.bif_dlt, k.DLT_EN10MB);
  t.deepEqual(Array.from(k.IF_LLADDR(b)), mac);

  // ... and it still works: a frame crosses.
  const got = record_netisr(k, k.NETISR_IP);
  ifconfig_up(k, v0, "epair0a");
  ifconfig_up(k, v0, "epair0b");
  const a = ifp_in(k, v0, "epair0a");
  inv(k, v0, () => k.ether_output_frame(a, mkpkt(k, frame(k.IF_LLADDR(b), k.IF_LLADDR(a), k.ETHERTYPE_IP, 30))));
  k.kern_run_until_idle();
  t.is(got.length, 1);
  t.is(got[0].rcvif, "epair0b");
  t.is(ifconfig_destroy(k, v0, "epair0a"), 0);
  t.deepEqual(inv(k, v0, () => k.V_ifnet().map((i) => i.if_xname)), ["lo0"]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: an epair made in a jail, one end lent to the host, dies with the jail's vnet", async (t) => {
  const k = await loadKernel("vimage");
  const v0 = k.vnet0;
  const { jid, v } = vnet_jail(k, "j");
  t.deepEqual(ifconfig_create(k, v, "epair"), { error: 0, name: "epair0a" });
  const a = ifp_in(k, v, "epair0a");
  const b = ifp_in(k, v, "epair0b");
  // ifconfig epair0b -vnet j, run on the host: reclaim it into vnet0.
  t.is(inv(k, v0, () => k.ifioctl(k.cred0, k.SIOCSIFRVNET, { ifr_name: "epair0b", ifr_jid: jid })), 0);
  t.is(b.if_vnet, v0);
  t.is(b.if_home_vnet, v);
  // Traffic from the host into the jail, queued when the jail goes away.
  ifconfig_up(k, v0, "epair0b");
  ifconfig_up(k, v, "epair0a");
  inv(k, v0, () => k.ether_output_frame(b, mkpkt(k, frame(k.IF_LLADDR(a), k.IF_LLADDR(b), k.ETHERTYPE_IP, 30))));
  t.is(k.epair_queue_len(a), 1);
  t.is(k.sys_jail_remove(k.cred0, jid), 0);
  // The jail's epair cloner destroyed both ends, the one in vnet0 too.
  t.true((a.if_flags & k.IFF_DYING) !== 0);
  t.true((b.if_flags & k.IFF_DYING) !== 0);
  t.is(inv(k, v0, () => k.ifunit("epair0b")), null);
  t.deepEqual(inv(k, v0, () => k.V_ifnet().map((i) => i.if_xname)), ["lo0"]);
  k.kern_run_until_idle();
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 }, "the queued frame was freed");
});

test("vimage: destroying the lent end from inside the jail destroys the pair through the home cloner", async (t) => {
  const k = await loadKernel("vimage");
  const v0 = k.vnet0;
  ifconfig_create(k, v0, "epair");
  ifconfig_create(k, v0, "epair");
  const { jid, v } = vnet_jail(k, "j");
  t.is(ifconfig_vnet(k, "epair1b", jid), 0);
  const a = ifp_in(k, v0, "epair1a");
  t.is(ifconfig_destroy(k, v, "epair1b"), 0);
  t.true((a.if_flags & k.IFF_DYING) !== 0);
  t.is(inv(k, v, () => k.ifunit("epair1b")), null);
  // Unit 1 is free again in vnet0's cloner.
  t.deepEqual(ifconfig_create(k, v0, "epair"), { error: 0, name: "epair1a" });
  // A name taken in the target vnet refuses the move.
  t.deepEqual(ifconfig_create(k, v, "epair"), { error: 0, name: "epair0a" });
  t.is(ifconfig_vnet(k, "epair0a", jid), k.EEXIST);
  t.is(k.sys_jail_remove(k.cred0, jid), 0);
  t.deepEqual(inv(k, v0, () => k.V_ifnet().map((i) => i.if_xname).sort()), ["epair0a", "epair0b", "epair1a", "epair1b", "lo0"]);
  t.is(counters(k, a).opackets, 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
