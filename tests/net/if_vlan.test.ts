// net/if_vlan, if_ethersubr (ether_8021q_frame, ether_set_pcp): tags on the
// wire and off it, QinQ and nested vlans, trunks with several vlans, the
// priority of an interface and of a packet, parents going away or to
// another vnet, FreeBSD's errors, and the tag codec under fast-check.
import test from "ava";
import fc from "fast-check";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BOTH, loadKernel, loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import { needs } from "../helpers/tools.ts";
import {
  counters,
  ifconfig_create,
  ifconfig_destroy,
  ifconfig_up,
  ifconfig_vnet,
  ifp_in,
  inv,
  mkpkt,
  pktbytes,
  record_netisr,
  sin,
  vnet_jail,
  type ifnet,
  type mbuf,
  type vnet,
} from "./link_helpers.ts";

const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;

/** `ifconfig NAME create vlandev P vlan V [vlanproto ...]` in vnet v. */
function vlan_create(k: Kernel, v: vnet, name: string, parent: string, vid: number, proto = 0): { error: number; name: string } {
  return inv(k, v, () => {
    const ifr = { ifr_name: name, ifr_params: { vlr_parent: parent, vlr_tag: vid, vlr_proto: proto } };
    const error = k.ifioctl(k.cred0, k.SIOCIFCREATE2, ifr);
    return { error, name: ifr.ifr_name };
  });
}

function setvlan(k: Kernel, v: vnet, name: string, parent: string, vid: number, proto = 0): number {
  return inv(k, v, () => k.ifioctl(k.cred0, k.SIOCSETVLAN, { ifr_name: name, ifr_params: { vlr_parent: parent, vlr_tag: vid, vlr_proto: proto } }));
}

function getvlan(k: Kernel, v: vnet, name: string): { error: number; vlr: { vlr_parent: string; vlr_tag: number; vlr_proto: number } | null } {
  return inv(k, v, () => {
    const ifr: { ifr_name: string; ifr_params?: object | null } = { ifr_name: name };
    const error = k.ifioctl(k.cred0, k.SIOCGETVLAN, ifr);
    return { error, vlr: (ifr.ifr_params ?? null) as { vlr_parent: string; vlr_tag: number; vlr_proto: number } | null };
  });
}

/** Record what leaves through ifp's driver (after any tag went in). */
function tap_tx(k: Kernel, ifp: ifnet): Uint8Array[] {
  const got: Uint8Array[] = [];
  const orig = ifp.if_transmit;
  ifp.if_transmit = (i: ifnet, m: mbuf) => {
    got.push(pktbytes(k, m));
    return orig(i, m);
  };
  return got;
}

/** A broadcast IPv4 packet of n bytes out of ifp (ether_output). */
function send_bcast(k: Kernel, ifp: ifnet, n = 28): number {
  return inv(k, ifp.if_vnet, () => {
    const m = mkpkt(k, Uint8Array.from({ length: n }, (_, i) => (i * 5 + 1) & 0xff));
    m.m_flags |= k.M_BCAST;
    return ifp.if_output(ifp, m, sin(0xffffffff), null);
  });
}

const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];

/** An epair in vnet0, both ends up. */
function epair(k: Kernel): { a: ifnet; b: ifnet } {
  const v0 = k.vnet0;
  if (ifconfig_create(k, v0, "epair").error !== 0) throw new Error("epair");
  ifconfig_up(k, v0, "epair0a");
  ifconfig_up(k, v0, "epair0b");
  return { a: ifp_in(k, v0, "epair0a"), b: ifp_in(k, v0, "epair0b") };
}

for (const build of BOTH) {
  test(`${build}: a vlan tags what it sends and receives what carries its VID; counters on both`, async (t) => {
    const k = await loadKernel(build);
    const v0 = k.vnet0;
    const { a, b } = epair(k);
    t.deepEqual(vlan_create(k, v0, "vlan", "epair0a", 5), { error: 0, name: "vlan0" });
    t.deepEqual(vlan_create(k, v0, "vlan7", "epair0b", 5), { error: 0, name: "vlan7" });
    ifconfig_up(k, v0, "vlan0");
    ifconfig_up(k, v0, "vlan7");
    const va = ifp_in(k, v0, "vlan0");
    const vb = ifp_in(k, v0, "vlan7");
    t.is(va.if_type, k.IFT_L2VLAN);
    t.is(va.if_mtu, 1500, "epair carries VLAN_MTU frames: no fudge");
    t.deepEqual([...k.IF_LLADDR(va)], [...k.IF_LLADDR(a)], "the parent's address");
    t.true(va.if_groups.includes("vlan"));
    const wire = tap_tx(k, a);
    const got = record_netisr(k, k.NETISR_IP);

    t.is(send_bcast(k, va), 0);
    k.kern_run_until_idle();
    t.is(wire.length, 1);
    const f = wire[0];
    t.is(f.length, 14 + 4 + 28);
    t.is(u16(f, 12), ETHERTYPE_VLAN);
    t.is(u16(f, 14), 5, "VID 5, PCP 0");
    t.is(u16(f, 16), 0x0800);
    // The sender hears its own broadcast (IFF_SIMPLEX copied from the
    // parent) and the peer's vlan gets the frame, untagged.
    const rx = got.filter((d) => d.rcvif === "vlan7");
    t.is(rx.length, 1);
    t.is(rx[0].bytes.length, 28);
    t.is(rx[0].bytes[1], 6);
    t.is(rx[0].flags & k.M_VLANTAG, 0, "the tag stays with the link layer");
    const ca = counters(k, va);
    t.is(ca.opackets, 1);
    t.is(ca.obytes, 14 + 28, "the frame as the vlan sent it");
    t.is(ca.omcasts, 1);
    const cb = counters(k, vb);
    t.is(cb.ipackets, 1);
    t.is(cb.ibytes, 14 + 28);
    t.is(counters(k, b).noproto, 0);
    t.is(counters(k, b).ipackets, 1);

    // vlanpcp: the tag carries it.
    t.is(inv(k, v0, () => k.ifioctl(k.cred0, k.SIOCSVLANPCP, { ifr_name: "vlan0", ifr_vlan_pcp: 5 })), 0);
    t.is(va.if_pcp, 5);
    t.is(send_bcast(k, va), 0);
    k.kern_run_until_idle();
    t.is(u16(wire[1], 14), (5 << 13) | 5);
    t.is(inv(k, v0, () => k.ifioctl(k.cred0, k.SIOCSVLANPCP, { ifr_name: "vlan0", ifr_vlan_pcp: 8 })), k.EINVAL);
    const ifr = { ifr_name: "vlan0", ifr_vlan_pcp: -1 };
    t.is(inv(k, v0, () => k.ifioctl(k.cred0, k.SIOCGVLANPCP, ifr)), 0);
    t.is(ifr.ifr_vlan_pcp, 5);

    for (const n of ["vlan0", "vlan7", "epair0a"]) t.is(ifconfig_destroy(k, v0, n), 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: a trunk with several vlans hands each VID to its vlan; an unknown VID or a vlan that is down is NOPROTO`, async (t) => {
    const k = await loadKernel(build);
    const v0 = k.vnet0;
    const { a, b } = epair(k);
    const vids = [5, 6, 4094];
    for (const vid of vids) {
      t.is(vlan_create(k, v0, `epair0a.${vid}`, "epair0a", vid).error, 0);
      t.is(ifconfig_create(k, v0, `epair0b.${vid}`).error, 0, "the parent and VID from the name");
      ifconfig_up(k, v0, `epair0a.${vid}`);
      ifconfig_up(k, v0, `epair0b.${vid}`);
    }
    t.deepEqual(getvlan(k, v0, "epair0b.4094").vlr, { vlr_parent: "epair0b", vlr_tag: 4094, vlr_proto: ETHERTYPE_VLAN });
    t.is(ifp_in(k, v0, "epair0b.6").if_dunit, -1, "no unit of its own");
    const got = record_netisr(k, k.NETISR_IP);
    for (const vid of vids) t.is(send_bcast(k, ifp_in(k, v0, `epair0a.${vid}`)), 0);
    k.kern_run_until_idle();
    t.deepEqual(
      got.filter((d) => d.rcvif.startsWith("epair0b")).map((d) => d.rcvif),
      vids.map((v) => `epair0b.${v}`),
    );
    // VID 9 has no vlan on b; vlan 6 is down.
    const nine = vlan_create(k, v0, "vlan9", "epair0a", 9);
    t.is(nine.error, 0);
    ifconfig_up(k, v0, "vlan9");
    ifconfig_up(k, v0, "epair0b.6", false);
    t.is(send_bcast(k, ifp_in(k, v0, "vlan9")), 0);
    t.is(send_bcast(k, ifp_in(k, v0, "epair0a.6")), 0);
    k.kern_run_until_idle();
    t.is(counters(k, b).noproto, 2);
    t.is(counters(k, a).noproto, 0);
    for (const n of ["epair0a"]) t.is(ifconfig_destroy(k, v0, n), 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: QinQ: 802.1Q inside 802.1ad, and 802.1Q inside 802.1Q; names nest (vlan5.42, epair0a.5.42)`, async (t) => {
    const k = await loadKernel(build);
    const v0 = k.vnet0;
    const { a } = epair(k);
    t.is(vlan_create(k, v0, "vlan5", "epair0a", 5, ETHERTYPE_QINQ).error, 0);
    t.is(ifconfig_create(k, v0, "vlan5.42").error, 0);
    t.is(vlan_create(k, v0, "epair0b.5", "epair0b", 5, ETHERTYPE_QINQ).error, 0);
    t.is(ifconfig_create(k, v0, "epair0b.5.42").error, 0);
    for (const n of ["vlan5", "vlan5.42", "epair0b.5", "epair0b.5.42"]) ifconfig_up(k, v0, n);
    const inner = ifp_in(k, v0, "vlan5.42");
    t.is(inner.if_mtu, 1496, "a vlan parent has no VLAN_MTU: the tag comes out of the MTU");
    t.deepEqual(getvlan(k, v0, "vlan5").vlr?.vlr_proto, ETHERTYPE_QINQ);
    const wire = tap_tx(k, a);
    const got = record_netisr(k, k.NETISR_IP);
    t.is(send_bcast(k, inner), 0);
    k.kern_run_until_idle();
    const f = wire[0];
    t.is(u16(f, 12), ETHERTYPE_QINQ);
    t.is(u16(f, 14), 5);
    t.is(u16(f, 16), ETHERTYPE_VLAN);
    t.is(u16(f, 18), 42);
    t.is(u16(f, 20), 0x0800);
    t.deepEqual(
      got.filter((d) => d.rcvif.startsWith("epair0b")).map((d) => [d.rcvif, d.bytes.length]),
      [["epair0b.5.42", 28]],
    );
    // The outer vlan cannot go while the inner one sits on it.
    t.is(ifconfig_destroy(k, v0, "vlan5"), k.EBUSY);

    // Legacy QinQ: 802.1Q in 802.1Q.
    t.is(vlan_create(k, v0, "vlan", "epair0a", 7).error, 0);
    t.is(vlan_create(k, v0, "vlan", "vlan0", 8).error, 0);
    ifconfig_up(k, v0, "vlan0");
    ifconfig_up(k, v0, "vlan1");
    t.is(send_bcast(k, ifp_in(k, v0, "vlan1")), 0);
    k.kern_run_until_idle();
    const g = wire[1];
    t.deepEqual([u16(g, 12), u16(g, 14), u16(g, 16), u16(g, 18), u16(g, 20)], [ETHERTYPE_VLAN, 7, ETHERTYPE_VLAN, 8, 0x0800]);
    for (const n of ["vlan5.42", "vlan5", "epair0b.5.42", "vlan1", "epair0a"]) t.is(ifconfig_destroy(k, v0, n), 0, n);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: pcp on an Ethernet interface priority-tags (VID 0) what it sends; a packet's own priority wins; priority-tagged frames are received`, async (t) => {
    const k = await loadKernel(build);
    const v0 = k.vnet0;
    const { a } = epair(k);
    const ifr = { ifr_name: "epair0a", ifr_lan_pcp: 0 };
    t.is(inv(k, v0, () => k.ifioctl(k.cred0, k.SIOCGLANPCP, ifr)), 0);
    t.is(ifr.ifr_lan_pcp, k.IFNET_PCP_NONE);
    t.is(inv(k, v0, () => k.ifioctl(k.cred0, k.SIOCSLANPCP, { ifr_name: "epair0a", ifr_lan_pcp: 8 })), k.EINVAL);
    t.is(inv(k, v0, () => k.ifioctl(k.cred0, k.SIOCSLANPCP, { ifr_name: "epair0a", ifr_lan_pcp: 3 })), 0);
    t.is(a.if_pcp, 3);
    const wire = tap_tx(k, a);
    const got = record_netisr(k, k.NETISR_IP);
    t.is(send_bcast(k, a), 0);
    // IP_VLAN_PCP leaves the priority in the packet header (EVL_APPLY_PRI).
    inv(k, v0, () => {
      const m = mkpkt(k, new Uint8Array(28));
      m.m_flags |= k.M_BCAST;
      k.EVL_APPLY_PRI(m, 6);
      return a.if_output(a, m, sin(0xffffffff), null);
    });
    k.kern_run_until_idle();
    t.deepEqual(
      wire.map((f) => [u16(f, 12), u16(f, 14), u16(f, 16), f.length]),
      [
        [ETHERTYPE_VLAN, 3 << 13, 0x0800, 46],
        [ETHERTYPE_VLAN, 6 << 13, 0x0800, 46],
      ],
    );
    // epair0b has no vlans: VID 0 frames go up as plain ones.
    const rx = got.filter((d) => d.rcvif === "epair0b");
    t.is(rx.length, 2);
    t.is(rx[0].bytes.length, 28);
    t.is(inv(k, v0, () => k.ifioctl(k.cred0, k.SIOCSLANPCP, { ifr_name: "epair0a", ifr_lan_pcp: k.IFNET_PCP_NONE })), 0);
    t.is(send_bcast(k, a), 0);
    k.kern_run_until_idle();
    t.is(u16(wire[2], 12), 0x0800, "-pcp: untagged again");
    t.is(ifconfig_destroy(k, v0, "epair0a"), 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: FreeBSD's errors: reserved VIDs, a VID taken on the trunk, another parent, no parent, a parent that is not Ethernet`, async (t) => {
    const k = await loadKernel(build);
    const v0 = k.vnet0;
    epair(k);
    t.is(vlan_create(k, v0, "vlan", "epair0a", 0).error, k.EINVAL);
    t.is(vlan_create(k, v0, "vlan", "epair0a", 4095).error, k.EINVAL);
    t.is(vlan_create(k, v0, "vlan", "nosuch0", 5).error, k.ENXIO);
    t.is(vlan_create(k, v0, "vlan", "lo0", 5).error, k.EPROTONOSUPPORT);
    t.is(ifconfig_create(k, v0, "nosuch0.5").error, k.EINVAL, "no cloner matches");
    t.is(vlan_create(k, v0, "epair0b.5", "epair0a", 5).error, k.EINVAL, "the name's parent and the request's differ");
    t.deepEqual(vlan_create(k, v0, "vlan", "epair0a", 5), { error: 0, name: "vlan0" });
    t.is(vlan_create(k, v0, "vlan", "epair0a", 5).error, k.EEXIST, "VID 5 is taken on epair0a");
    t.is(vlan_create(k, v0, "vlan0", "epair0b", 5).error, k.EEXIST, "the name is taken");
    t.is(ifconfig_create(k, v0, "vlan").name, "vlan1", "a vlan with no parent yet");
    t.is(setvlan(k, v0, "vlan1", "nosuch0", 5), k.ENOENT);
    t.is(setvlan(k, v0, "vlan1", "epair0a", 5), k.EEXIST);
    t.is(setvlan(k, v0, "vlan1", "epair0a", 6), 0);
    t.is(setvlan(k, v0, "vlan1", "epair0b", 6), k.EBUSY, "a vlan keeps its parent until -vlandev");
    t.is(setvlan(k, v0, "vlan1", "epair0a", 7, ETHERTYPE_QINQ), k.EBUSY, "and its VID and protocol");
    t.is(setvlan(k, v0, "vlan1", "epair0a", 0), k.EINVAL, "the VID is checked first");
    t.deepEqual(getvlan(k, v0, "vlan1").vlr, { vlr_parent: "epair0a", vlr_tag: 6, vlr_proto: ETHERTYPE_VLAN });
    t.is(setvlan(k, v0, "vlan1", "", 0), 0, "-vlandev");
    t.deepEqual(getvlan(k, v0, "vlan1").vlr, { vlr_parent: "", vlr_tag: 0, vlr_proto: 0 });
    t.is(setvlan(k, v0, "vlan1", "epair0b", 7, ETHERTYPE_QINQ), 0, "free to take another parent now");
    t.deepEqual(getvlan(k, v0, "vlan1").vlr, { vlr_parent: "epair0b", vlr_tag: 7, vlr_proto: ETHERTYPE_QINQ });
    t.is(setvlan(k, v0, "epair0a", "epair0b", 8), k.EINVAL, "not a vlan");
    // MTU bounds: the parent's MTU less the fudge, at least ETHERMIN.
    t.is(inv(k, v0, () => k.ifioctl(k.cred0, k.SIOCSIFMTU, { ifr_name: "vlan0", ifr_mtu: 1501 })), k.EINVAL);
    t.is(inv(k, v0, () => k.ifioctl(k.cred0, k.SIOCSIFMTU, { ifr_name: "vlan0", ifr_mtu: 1400 })), 0);
    t.is(setvlan(k, v0, "vlan1", "", 0), 0);
    t.is(inv(k, v0, () => k.ifioctl(k.cred0, k.SIOCSIFMTU, { ifr_name: "vlan1", ifr_mtu: 1400 })), k.EINVAL, "no parent");
    // A vlan with no parent cannot send.
    ifconfig_up(k, v0, "vlan1");
    t.is(send_bcast(k, ifp_in(k, v0, "vlan1")), k.ENETDOWN);
    for (const n of ["vlan0", "vlan1", "epair0a"]) t.is(ifconfig_destroy(k, v0, n), 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: a parent destroyed leaves its vlans without a parent; link state follows the parent`, async (t) => {
    const k = await loadKernel(build);
    const v0 = k.vnet0;
    const { a } = epair(k);
    t.is(vlan_create(k, v0, "vlan", "epair0a", 5).error, 0);
    t.is(vlan_create(k, v0, "vlan", "vlan0", 6).error, 0);
    const va = ifp_in(k, v0, "vlan0");
    const vb = ifp_in(k, v0, "vlan1");
    t.is(va.if_link_state, a.if_link_state);
    k.if_link_state_change(a, k.LINK_STATE_DOWN);
    t.is(va.if_link_state, k.LINK_STATE_DOWN);
    t.is(vb.if_link_state, k.LINK_STATE_DOWN, "down the stack");
    k.if_link_state_change(a, k.LINK_STATE_UP);
    t.is(vb.if_link_state, k.LINK_STATE_UP);
    t.is(a.if_refcount > 1, true, "the trunk holds a reference");
    t.is(ifconfig_destroy(k, v0, "epair0a"), 0);
    t.deepEqual(getvlan(k, v0, "vlan0").vlr, { vlr_parent: "", vlr_tag: 0, vlr_proto: 0 });
    t.is(getvlan(k, v0, "vlan1").vlr?.vlr_parent, "vlan0", "vlan1 keeps vlan0");
    t.is(va.if_drv_flags & k.IFF_DRV_RUNNING, 0);
    t.is(va.if_link_state, k.LINK_STATE_UNKNOWN);
    ifconfig_up(k, v0, "vlan1");
    ifconfig_up(k, v0, "vlan0");
    t.is(send_bcast(k, vb), k.ENETDOWN, "through vlan0, which has no parent");
    t.is(counters(k, va).oerrors, 0);
    t.is(ifconfig_destroy(k, v0, "vlan0"), k.EBUSY);
    t.is(ifconfig_destroy(k, v0, "vlan1"), 0);
    t.is(ifconfig_destroy(k, v0, "vlan0"), 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: net.link.vlan.soft_pad pads runts to the Ethernet minimum before the tag goes in`, async (t) => {
    const k = await loadKernel(build);
    const v0 = k.vnet0;
    const { a } = epair(k);
    t.is(vlan_create(k, v0, "vlan", "epair0a", 5).error, 0);
    ifconfig_up(k, v0, "vlan0");
    const va = ifp_in(k, v0, "vlan0");
    const wire = tap_tx(k, a);
    t.is(send_bcast(k, va, 20), 0);
    t.is(inv(k, v0, () => k.kernel_sysctlbyname(k.cred0, "net.link.vlan.soft_pad", 1).error), 0);
    t.is(send_bcast(k, va, 20), 0);
    t.is(send_bcast(k, va, 100), 0);
    k.kern_run_until_idle();
    t.deepEqual(
      wire.map((f) => f.length),
      [14 + 20 + 4, 60 + 4, 14 + 100 + 4],
    );
    t.deepEqual([...wire[1].subarray(38)], new Array(26).fill(0), "zeros after the payload");
    t.is(ifconfig_destroy(k, v0, "epair0a"), 0);
    t.is(ifconfig_destroy(k, v0, "vlan0"), 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: the tag codec: EVL_MAKETAG and its readers agree, ether_vlanencap_proto puts TPID and TCI after the addresses (fast-check)`, async (t) => {
    const k = await loadKernel(build);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 0xfff }),
        fc.constantFrom(ETHERTYPE_VLAN, ETHERTYPE_QINQ),
        fc.uint8Array({ minLength: 14, maxLength: 400 }),
        (pcp, dei, vid, proto, frame) => {
          const tag = k.EVL_MAKETAG(vid, pcp, dei);
          if (k.EVL_VLANOFTAG(tag) !== vid || k.EVL_PRIOFTAG(tag) !== pcp || k.EVL_CFIOFTAG(tag) !== dei) return false;
          const m = k.ether_vlanencap_proto(mkpkt(k, frame), tag, proto);
          if (m === null) return false;
          const b = pktbytes(k, m);
          k.m_freem(m);
          const want = new Uint8Array(frame.length + 4);
          want.set(frame.subarray(0, 12), 0);
          want[12] = proto >> 8;
          want[13] = proto & 0xff;
          want[14] = tag >> 8;
          want[15] = tag & 0xff;
          want.set(frame.subarray(12), 16);
          return Buffer.compare(Buffer.from(b), Buffer.from(want)) === 0;
        },
      ),
      { numRuns: 300 },
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test("vimage: a vlan lent to a jail still works but is not reconfigured from inside it (EPERM); a parent moved away takes its vlans' configuration", async (t) => {
  const k = await loadKernel("vimage");
  const v0 = k.vnet0;
  epair(k);
  const { jid, v: vj } = vnet_jail(k, "j");
  t.is(vlan_create(k, v0, "vlan", "epair0a", 5).error, 0);
  t.is(vlan_create(k, v0, "vlan", "epair0b", 5).error, 0);
  t.is(ifconfig_vnet(k, "vlan1", jid), 0);
  const vb = ifp_in(k, vj, "vlan1");
  t.is(getvlan(k, vj, "vlan1").error, k.EPERM);
  t.is(setvlan(k, vj, "vlan1", "", 0), k.EPERM);
  t.is(inv(k, vj, () => k.ifioctl(k.cred0, k.SIOCSVLANPCP, { ifr_name: "vlan1", ifr_vlan_pcp: 1 })), k.EPERM);
  ifconfig_up(k, v0, "vlan0");
  ifconfig_up(k, vj, "vlan1");
  const got = record_netisr(k, k.NETISR_IP);
  t.is(send_bcast(k, ifp_in(k, v0, "vlan0")), 0);
  k.kern_run_until_idle();
  const rx = got.find((d) => d.rcvif === "vlan1");
  t.is(rx?.vnet, vj, "received in the jail's vnet, from a parent in the host's");
  t.is(send_bcast(k, vb), 0, "and sent from it");
  k.kern_run_until_idle();
  t.true(got.some((d) => d.rcvif === "vlan0" && d.vnet === v0));
  // epair0a into the jail: vlan0 in the host loses it.
  t.is(ifconfig_vnet(k, "epair0a", jid), 0);
  t.is(getvlan(k, v0, "vlan0").vlr?.vlr_parent, "");
  // The jail goes: vlan1 comes home and keeps its parent.
  t.is(k.sys_jail_remove(k.cred0, jid), 0);
  k.kern_run_until_idle();
  t.is(getvlan(k, v0, "vlan1").vlr?.vlr_parent, "epair0b");
  for (const n of ["vlan0", "vlan1", "epair0a"]) t.is(ifconfig_destroy(k, v0, n), 0, n);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: vlans made in a jail go with it, stacked ones included, in whatever order they were stacked", async (t) => {
  const k = await loadKernel("vimage");
  const v0 = k.vnet0;
  epair(k);
  const { jid, v: vj } = vnet_jail(k, "j");
  t.is(ifconfig_vnet(k, "epair0a", jid), 0);
  t.is(vlan_create(k, vj, "vlan", "epair0a", 5).error, 0);
  t.is(vlan_create(k, vj, "vlan", "epair0a", 6).error, 0);
  // The older vlan0 on the newer vlan1: the cloner's list has the parent
  // first when the jail goes.
  t.is(setvlan(k, vj, "vlan0", "", 0), 0);
  t.is(setvlan(k, vj, "vlan0", "vlan1", 7), 0);
  t.is(k.sys_jail_remove(k.cred0, jid), 0);
  k.kern_run_until_idle();
  t.not(inv(k, v0, () => k.ifunit("epair0a")), null, "epair0a came home");
  t.is(ifconfig_destroy(k, v0, "epair0a"), 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

/** Run a script with captures into a fresh directory; the directory. */
async function capture(t: { teardown: (f: () => void) => void }, script: string, seed: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-vlan-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const k = await loadKernelUnbooted("vimage");
  let err = "";
  const status = await k.virtnet_run_script(script, {
    seed,
    pcapdir: dir,
    name: "vlan.sh",
    stdout: { write: () => {} },
    stderr: { write: (s: string) => void (err += s) },
    cwd: dir,
  });
  if (status !== 0) throw new Error(`script failed (${status}): ${err}`);
  return dir;
}

const QINQ_SCRIPT = `jail -c name=a vnet persist >/dev/null
jail -c name=b vnet persist >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a up
jexec b ifconfig epair0b up
jexec a ifconfig epair0a.5 create vlanproto 802.1ad up >/dev/null
jexec a ifconfig epair0a.5.42 create vlanpcp 3 >/dev/null
jexec a ifconfig epair0a.5.42 10.5.42.1/24 up
jexec b ifconfig vlan5 create vlandev epair0b vlan 5 vlanproto 802.1ad up >/dev/null
jexec b ifconfig vlan42 create vlandev vlan5 vlan 42 >/dev/null
jexec b ifconfig vlan42 10.5.42.2/24 up
jexec b ifconfig vlan7 create vlandev epair0b vlan 7 >/dev/null
jexec b ifconfig vlan7 10.7.0.2/24 vlanpcp 6 up
jexec a ifconfig epair0a.7 create 10.7.0.1/24 up >/dev/null
jexec a ping -c 2 10.5.42.2 >/dev/null
jexec b ping -c 1 -C 5 10.7.0.1 >/dev/null
`;

test("vimage: the same script and seed give the same tagged bytes", async (t) => {
  const d1 = await capture(t, QINQ_SCRIPT, 7);
  const d2 = await capture(t, QINQ_SCRIPT, 7);
  const f1 = fs.readFileSync(path.join(d1, "b-epair0b.pcap"));
  const f2 = fs.readFileSync(path.join(d2, "b-epair0b.pcap"));
  t.true(f1.length > 24 + 5 * 16);
  t.true(f1.equals(f2));
});

const tshark = needs("tshark");
tshark.test("vimage: tshark reads VLAN IDs and priorities from a capture: 802.1Q, 802.1ad with 802.1Q inside, priority from vlanpcp and ping -C", async (t) => {
  const dir = await capture(t, QINQ_SCRIPT, 0);
  const { stdout } = await promisify(execFile)(
    "tshark",
    ["-r", path.join(dir, "b-epair0b.pcap"), "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "ieee8021ad.id", "-e", "vlan.id", "-e", "vlan.priority", "-e", "icmp.type", "-e", "ip.src"],
    { encoding: "utf8" },
  );
  const rows = stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
  const icmp = rows.filter((r) => r[3] !== "");
  // QinQ echo requests from a (inner PCP 3), replies from b (PCP 0).
  t.true(icmp.some((r) => r[0] === "5" && r[1] === "42" && r[2] === "3" && r[3] === "8" && r[4] === "10.5.42.1"));
  t.true(icmp.some((r) => r[0] === "5" && r[1] === "42" && r[2] === "0" && r[3] === "0" && r[4] === "10.5.42.2"));
  // ping -C 5 out of vlan7 (vlanpcp 6): the socket's priority wins.
  t.true(icmp.some((r) => r[0] === "" && r[1] === "7" && r[2] === "5" && r[3] === "8"));
  // The reply from a's epair0a.7: PCP 0.
  t.true(icmp.some((r) => r[0] === "" && r[1] === "7" && r[2] === "0" && r[3] === "0"));
  // vlan7's own ARP and everything else it sends: PCP 6.
  t.true(rows.some((r) => r[0] === "" && r[1] === "7" && r[2] === "6" && r[3] === ""));
});
