// net/if_epair, if_ethersubr: frames crossing an epair between vnets, the
// receiver's vnet current on delivery, counters on both sides, drops.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import {
  BCAST,
  counters,
  frame,
  ifconfig_create,
  ifconfig_up,
  ifconfig_vnet,
  ifp_in,
  inv,
  mkpkt,
  record_netisr,
  sin,
  vnet_jail,
  type ifnet,
  type vnet,
} from "./link_helpers.ts";

const IPPAYLOAD = 40;

/** An epair in vnet0 with side b moved into a vnet jail; both up. */
function setup(k: Kernel): { a: ifnet; b: ifnet; v0: vnet; vj: vnet; jid: number } {
  const v0 = k.vnet0;
  ifconfig_create(k, v0, "epair");
  // Without VIMAGE both ends stay in the one stack.
  const { jid, v: vj } = k.KERNCONF.VIMAGE ? vnet_jail(k, "j") : { jid: 0, v: v0 };
  if (k.KERNCONF.VIMAGE && ifconfig_vnet(k, "epair0b", jid) !== 0) throw new Error("vmove");
  const a = ifp_in(k, v0, "epair0a");
  const b = ifp_in(k, vj, "epair0b");
  ifconfig_up(k, v0, "epair0a");
  ifconfig_up(k, vj, "epair0b");
  return { a, b, v0, vj, jid };
}

/** ether_output of a broadcast IPv4 packet in ifp's vnet. */
function send_bcast_ip(k: Kernel, ifp: ifnet, payload = IPPAYLOAD): number {
  return inv(k, ifp.if_vnet, () => {
    const m = mkpkt(k, Uint8Array.from({ length: payload }, (_, i) => i));
    m.m_flags |= k.M_BCAST;
    return ifp.if_output(ifp, m, sin(0xffffffff), null);
  });
}

/** A whole frame straight to the driver (ether_output_frame). */
function send_frame(k: Kernel, ifp: ifnet, f: Uint8Array): number {
  return inv(k, ifp.if_vnet, () => k.ether_output_frame(ifp, mkpkt(k, f)));
}

test("vimage: a broadcast crosses the epair into the jail; the receiver's vnet is current on delivery", async (t) => {
  const k = await loadKernel("vimage");
  const got = record_netisr(k, k.NETISR_IP);
  const { a, b, v0, vj } = setup(k);
  t.is(a.if_vnet, v0);
  t.is(b.if_vnet, vj);

  t.is(send_bcast_ip(k, a), 0);
  t.is(got.length, 0, "nothing delivered before the tasks run");
  t.is(k.epair_queue_len(b), 1, "queued on the receiving side");
  k.kern_run_until_idle();

  // The IFF_SIMPLEX loop-back copy on the sender (via if_simloop/netisr
  // queue) and the frame that crossed.
  const byif = new Map(got.map((d) => [d.rcvif, d]));
  t.is(got.length, 2);
  t.is(byif.get("epair0a")?.vnet, v0);
  t.is(byif.get("epair0b")?.vnet, vj);
  const rx = byif.get("epair0b");
  t.is(rx?.bytes.length, IPPAYLOAD, "Ethernet header stripped");
  t.is(rx?.bytes[5], 5);
  t.is((rx?.flags ?? 0) & k.M_BCAST, k.M_BCAST);

  const ca = counters(k, a);
  const cb = counters(k, b);
  t.is(ca.opackets, 1);
  t.is(ca.obytes, 14 + IPPAYLOAD);
  t.is(ca.omcasts, 1);
  t.is(ca.ipackets, 1, "the loop-back copy is received by the sender");
  t.is(ca.ibytes, IPPAYLOAD);
  t.is(cb.ipackets, 1);
  t.is(cb.ibytes, 14 + IPPAYLOAD);
  t.is(cb.imcasts, 1);
  t.is(cb.opackets, 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

for (const build of BOTH) {
  test(`${build}: unicast to the peer's MAC is delivered; to another MAC it is M_PROMISC and dropped unless IFF_PPROMISC`, async (t) => {
    const k = await loadKernel(build);
    const got = record_netisr(k, k.NETISR_IP);
    const { a, b, vj } = setup(k);
    const src = Array.from(k.IF_LLADDR(a));
    t.is(send_frame(k, a, frame(k.IF_LLADDR(b), src, k.ETHERTYPE_IP, 60)), 0);
    t.is(send_frame(k, a, frame([0x02, 0, 0, 0, 0, 9], src, k.ETHERTYPE_IP, 60)), 0);
    k.kern_run_until_idle();
    t.is(got.length, 1);
    t.is(got[0].rcvif, "epair0b");
    t.is(got[0].vnet, k.KERNCONF.VIMAGE ? vj : null);
    t.is(got[0].bytes.length, 60);
    t.is(counters(k, b).ipackets, 2, "both arrived");
    t.is(counters(k, b).imcasts, 0);

    b.if_flags |= k.IFF_PPROMISC;
    send_frame(k, a, frame([0x02, 0, 0, 0, 0, 9], src, k.ETHERTYPE_IP, 60));
    k.kern_run_until_idle();
    t.is(got.length, 2, "IFF_PPROMISC passes frames for others up");
    t.is(got[1].flags & k.M_PROMISC, k.M_PROMISC, "still marked for the protocols to see");
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: short frames are input errors; unknown EtherTypes are dropped; frames reach ARP via ro_prepend`, async (t) => {
    const k = await loadKernel(build);
    const ip = record_netisr(k, k.NETISR_IP);
    const arp = record_netisr(k, k.NETISR_ARP, "arp");
    const { a, b } = setup(k);
    // 10 bytes: shorter than an Ethernet header.
    send_frame(k, a, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    send_frame(k, a, frame(BCAST, k.IF_LLADDR(a), 0x88b5, 30));
    k.kern_run_until_idle();
    t.is(counters(k, b).ierrors, 1);
    t.is(counters(k, b).ipackets, 2);
    t.is(ip.length + arp.length, 0);

    // ARP's way out: a prebuilt header in ro_prepend, dst AF_ARP.
    const hdr = frame(BCAST, k.IF_LLADDR(a), k.ETHERTYPE_ARP, 0);
    const ro = { ro_nh: null, ro_flags: 0, ro_prepend: hdr, ro_plen: 14 };
    const err = inv(k, a.if_vnet, () => {
      const m = mkpkt(k, new Uint8Array(28).fill(0x11));
      m.m_flags |= k.M_BCAST;
      return a.if_output(a, m, { sa_len: 16, sa_family: 35 /* AF_ARP */ } as never, ro);
    });
    t.is(err, 0);
    k.kern_run_until_idle();
    t.is(arp.length, 1, "no loop-back copy for a prebuilt header");
    t.is(arp[0].rcvif, "epair0b");
    t.is(arp[0].bytes.length, 28);

    // IFF_NOARP interfaces drop ARP.
    b.if_flags |= k.IFF_NOARP;
    send_frame(k, a, frame(BCAST, k.IF_LLADDR(a), k.ETHERTYPE_ARP, 28));
    k.kern_run_until_idle();
    t.is(arp.length, 1);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: down or not running interfaces drop with FreeBSD's errors and counters`, async (t) => {
    const k = await loadKernel(build);
    const got = record_netisr(k, k.NETISR_IP);
    const { a, b, v0, vj } = setup(k);
    const f = () => frame(k.IF_LLADDR(b), k.IF_LLADDR(a), k.ETHERTYPE_IP, 50);

    // Sender down: ether_output refuses without counting; the driver counts.
    ifconfig_up(k, v0, "epair0a", false);
    t.is(send_bcast_ip(k, a), k.ENETDOWN);
    t.is(counters(k, a).oerrors, 0);
    t.is(inv(k, v0, () => a.if_transmit(a, mkpkt(k, f()))), k.ENETDOWN);
    t.is(counters(k, a).oerrors, 1);
    ifconfig_up(k, v0, "epair0a");

    // Sender not running: ENXIO.
    a.if_drv_flags &= ~k.IFF_DRV_RUNNING;
    t.is(inv(k, v0, () => a.if_transmit(a, mkpkt(k, f()))), k.ENXIO);
    t.is(counters(k, a).oerrors, 2);
    a.if_drv_flags |= k.IFF_DRV_RUNNING;

    // Peer down: the sender counts an output error, says nothing.
    ifconfig_up(k, vj, "epair0b", false);
    t.is(send_frame(k, a, f()), 0);
    t.is(counters(k, a).oerrors, 3);
    t.is(counters(k, a).opackets, 0);
    t.is(counters(k, b).ipackets, 0);

    // Peer goes down while the frame is queued: counted as received by the
    // epair, dropped quietly by ether_input.
    ifconfig_up(k, vj, "epair0b");
    t.is(send_frame(k, a, f()), 0);
    ifconfig_up(k, vj, "epair0b", false);
    k.kern_run_until_idle();
    t.is(counters(k, a).opackets, 1);
    t.is(counters(k, b).ipackets, 1);
    t.is(counters(k, b).ibytes, 0);
    t.is(got.length, 0);
    ifconfig_up(k, vj, "epair0b");

    // Bigger than the MTU plus an Ethernet/VLAN header: E2BIG.
    t.is(send_frame(k, a, frame(k.IF_LLADDR(b), k.IF_LLADDR(a), k.ETHERTYPE_IP, 1500 + 5)), k.E2BIG);
    t.is(counters(k, a).oerrors, 4);

    // The receive queue holds 4096: one more is an output queue drop.
    for (let i = 0; i < k.RXRSIZE + 1; i++) send_frame(k, a, f());
    t.is(counters(k, a).oqdrops, 1);
    t.is(k.epair_queue_len(b), k.RXRSIZE);
    k.kern_run_until_idle();
    t.is(got.length, k.RXRSIZE);
    t.is(k.epair_queue_len(b), 0);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: link pfil hooks see, and may drop, frames both ways`, async (t) => {
    const k = await loadKernel(build);
    const got = record_netisr(k, k.NETISR_IP);
    const { a, b, v0, vj } = setup(k);
    const seen: string[] = [];
    let drop_in = false;
    const hook = inv(k, vj, () =>
      k.pfil_add_hook({
        pa_flags: k.PFIL_IN | k.PFIL_OUT,
        pa_type: k.PFIL_TYPE_ETHERNET,
        pa_modname: "test",
        pa_rulname: "in",
        pa_mbuf_chk: (mp, ifp, flags) => {
          seen.push(`${ifp.if_xname}:${flags === k.PFIL_IN ? "in" : "out"}:${String(k.curvnet === (k.KERNCONF.VIMAGE ? vj : null))}`);
          if (drop_in && mp.m !== null) {
            k.m_freem(mp.m);
            mp.m = null;
            return k.PFIL_DROPPED;
          }
          return k.PFIL_PASS;
        },
      }),
    );
    t.is(inv(k, vj, () => k.pfil_link({ pa_flags: k.PFIL_IN | k.PFIL_HOOKPTR, pa_headname: "ethernet", pa_hook: hook })), 0);
    t.is(inv(k, vj, () => k.pfil_link({ pa_flags: k.PFIL_IN | k.PFIL_HOOKPTR, pa_headname: "ethernet", pa_hook: hook })), k.EEXIST);
    send_frame(k, a, frame(k.IF_LLADDR(b), k.IF_LLADDR(a), k.ETHERTYPE_IP, 20));
    k.kern_run_until_idle();
    t.deepEqual(seen, ["epair0b:in:true"]);
    t.is(got.length, 1);
    drop_in = true;
    send_frame(k, a, frame(k.IF_LLADDR(b), k.IF_LLADDR(a), k.ETHERTYPE_IP, 20));
    k.kern_run_until_idle();
    t.is(got.length, 1, "dropped by the hook");

    // Out: a dropped frame is EACCES for the sender.
    const hout = inv(k, v0, () =>
      k.pfil_add_hook({
        pa_flags: k.PFIL_OUT,
        pa_type: k.PFIL_TYPE_ETHERNET,
        pa_modname: "test",
        pa_rulname: "out",
        pa_mbuf_chk: (mp) => {
          if (mp.m !== null) k.m_freem(mp.m);
          mp.m = null;
          return k.PFIL_DROPPED;
        },
      }),
    );
    t.is(inv(k, v0, () => k.pfil_link({ pa_flags: k.PFIL_OUT | k.PFIL_HOOKPTR, pa_headname: "ethernet", pa_hook: hout })), 0);
    t.is(send_frame(k, a, frame(k.IF_LLADDR(b), k.IF_LLADDR(a), k.ETHERTYPE_IP, 20)), k.EACCES);
    t.is(counters(k, a).opackets, 2);
    inv(k, v0, () => k.pfil_remove_hook(hout));
    t.is(send_frame(k, a, frame(k.IF_LLADDR(b), k.IF_LLADDR(a), k.ETHERTYPE_IP, 20)), 0);
    k.kern_run_until_idle();
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: an 802.1Q tag is taken into the packet header; VLAN 0 passes, others are NOPROTO`, async (t) => {
    const k = await loadKernel(build);
    const got = record_netisr(k, k.NETISR_IP);
    const { a, b } = setup(k);
    const tagged = (vid: number) => {
      const inner = frame(k.IF_LLADDR(b), k.IF_LLADDR(a), k.ETHERTYPE_IP, 20);
      const f = new Uint8Array(inner.length + 4);
      f.set(inner.subarray(0, 12), 0);
      f.set([0x81, 0x00, (vid >> 8) & 0x0f, vid & 0xff], 12);
      f.set(inner.subarray(12), 16);
      return f;
    };
    send_frame(k, a, tagged(0));
    send_frame(k, a, tagged(42));
    k.kern_run_until_idle();
    t.is(got.length, 1, "priority-tagged frame delivered");
    t.is(got[0].bytes.length, 20);
    t.is(counters(k, b).noproto, 1, "no vlan(4) trunk for VLAN 42");
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test("vimage: frames flow both ways and keep flowing as the ends change vnets", async (t) => {
  const k = await loadKernel("vimage");
  const got = record_netisr(k, k.NETISR_IP);
  const { a, b, vj, jid } = setup(k);
  send_frame(k, b, frame(k.IF_LLADDR(a), k.IF_LLADDR(b), k.ETHERTYPE_IP, 10));
  k.kern_run_until_idle();
  t.is(got.length, 1);
  t.is(got[0].rcvif, "epair0a");
  t.is(got[0].vnet, k.vnet0);
  t.is(counters(k, b).opackets, 1);
  t.is(counters(k, a).ipackets, 1);

  // Queued for b while b moves home: delivered in b's new vnet (the
  // move takes it down; bring it up before the task runs).
  send_frame(k, a, frame(k.IF_LLADDR(b), k.IF_LLADDR(a), k.ETHERTYPE_IP, 10));
  t.is(k.sys_jail_remove(k.cred0, jid), 0);
  t.is(b.if_vnet, k.vnet0, "came home");
  t.not(b.if_vnet, vj);
  t.is(b.if_flags & k.IFF_UP, 0);
  ifconfig_up(k, k.vnet0, "epair0b");
  k.kern_run_until_idle();
  t.is(got.length, 2);
  t.is(got[1].rcvif, "epair0b");
  t.is(got[1].vnet, k.vnet0);
  // Down after a move: dropped by ether_input.
  ifconfig_vnet(k, "epair0a", vnet_jail(k, "j2").jid);
  send_frame(k, b, frame(k.IF_LLADDR(a), k.IF_LLADDR(b), k.ETHERTYPE_IP, 10));
  t.is(counters(k, b).oerrors, 1, "peer down after its move");
  ifconfig_up(k, a.if_vnet, "epair0a");
  send_frame(k, b, frame(k.IF_LLADDR(a), k.IF_LLADDR(b), k.ETHERTYPE_IP, 10));
  k.kern_run_until_idle();
  t.is(got.length, 3);
  t.is(got[2].rcvif, "epair0a");
  t.is(got[2].vnet, a.if_vnet);
  t.not(a.if_vnet, k.vnet0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

for (const build of BOTH) {
  test(`${build}: epair_ioctl accepts SIOCADDMULTI/SIOCDELMULTI; the rest falls to ether_ioctl`, async (t) => {
    const k = await loadKernel(build);
    const { a } = setup(k);
    const ifr = { ifr_name: "epair0a" };
    t.is(inv(k, a.if_vnet, () => a.if_ioctl(a, k.SIOCADDMULTI, ifr)), 0);
    t.is(inv(k, a.if_vnet, () => a.if_ioctl(a, k.SIOCDELMULTI, ifr)), 0);
    // An ioctl neither epair nor Ethernet knows (SIOCGIFMETRIC is if.c's).
    t.is(inv(k, a.if_vnet, () => a.if_ioctl(a, k.SIOCGIFMETRIC, ifr)), k.EINVAL);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: epair_clear_mbuf keeps MTAG_PERSISTENT tags and drops the others`, async (t) => {
    const k = await loadKernel(build);
    const seen: (number[] | null)[] = [];
    if (k.netisr_registered(k.NETISR_IP)) k.netisr_unregister(k.NETISR_IP);
    k.netisr_register(k.NETISR_IP, "test", (m) => {
      seen.push(m.m_pkthdr.tags === null ? null : m.m_pkthdr.tags.map((x) => x.m_tag_id));
      k.m_freem(m);
    });
    const { a, b } = setup(k);
    const tag = (id: number) => ({ m_tag_id: id, m_tag_copy: () => null });
    const f = frame(k.IF_LLADDR(b), Array.from(k.IF_LLADDR(a)), k.ETHERTYPE_IP, 60);
    inv(k, a.if_vnet, () => {
      const m = mkpkt(k, f);
      m.m_pkthdr.tags = [tag(7), tag(8 | k.MTAG_PERSISTENT)];
      return k.ether_output_frame(a, m);
    });
    inv(k, a.if_vnet, () => {
      const m = mkpkt(k, f);
      m.m_pkthdr.tags = [tag(7)];
      return k.ether_output_frame(a, m);
    });
    k.kern_run_until_idle();
    t.deepEqual(seen, [[8 | k.MTAG_PERSISTENT], null]);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
