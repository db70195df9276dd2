// netinet/if_ether (ARP) and net/if_llatbl: announcing addresses, resolving
// with held packets and the request-a-second / maxtries / wait timers,
// learning and answering, static and published entries, entry expiry,
// malformed packets, the counters and knobs.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import { arp_frame, arp_input, arpstat, capture, epair, ifaddr_add, ifp, inv, ip, lladdr, pkt, vnet_jail, ifvnet, type ifnet } from "./rt_helpers.ts";

const SEC = 1e9;
const MAC_X = [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee];
const MAC_Y = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
const ZERO = [0, 0, 0, 0, 0, 0];
// sys/socket.h
const AF_INET = 2;
const AF_ARP = 35;

/** vnet0: lo0 127.0.0.1/8, epair0a 10.0.0.1/24 (its output recorded). */
function setup(k: Kernel) {
  return inv(k, k.vnet0, () => {
    const e = epair(k);
    const a = ifp(k, e.a);
    const cap = capture(k, a);
    if (ifaddr_add(k, k.cred0, "lo0", "127.0.0.1", 8) !== 0) throw new Error("lo0");
    if (ifaddr_add(k, k.cred0, e.a, "10.0.0.1", 24) !== 0) throw new Error("addr");
    return { a, cap };
  });
}

function entry(k: Kernel, i: ifnet, a: string) {
  return inv(k, i.if_vnet, () => k.lla_dump(i)).find((x) => x.addr === ip(k, a)) ?? null;
}

function mac(b: Uint8Array | number[] | null): string | null {
  return b === null ? null : Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":");
}

function stats(k: Kernel) {
  return inv(k, k.vnet0, () => arpstat(k));
}

for (const build of BOTH) {
  test.serial(`${build}: a new address is announced and gets a permanent entry`, async (t) => {
    const k = await loadKernel(build);
    const { a, cap } = setup(k);
    t.is(cap.out.length, 1);
    const g = cap.out[0];
    t.is(g.family, AF_ARP);
    t.true((g.flags & k.M_BCAST) !== 0);
    const me = lladdr(a);
    // Broadcast frame, ARP ethertype, built by the interface's encapsulation.
    t.deepEqual(g.prepend, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...me, 0x08, 0x06]);
    const b = g.bytes;
    const dv = new DataView(b.buffer);
    t.is(b.length, 28);
    t.is(dv.getUint16(0), k.ARPHRD_ETHER);
    t.is(dv.getUint16(2), 0x0800);
    t.is(b[4], 6);
    t.is(b[5], 4);
    t.is(dv.getUint16(6), k.ARPOP_REQUEST);
    t.deepEqual(Array.from(b.subarray(8, 14)), Array.from(me));
    t.is(k.inet_ntoa(dv.getUint32(14)), "10.0.0.1", "sender = target: gratuitous");
    t.is(k.inet_ntoa(dv.getUint32(24)), "10.0.0.1");
    t.is(stats(k).txrequests, 1);
    const e = entry(k, a, "10.0.0.1")!;
    t.is(mac(e.lladdr), mac(me));
    t.is(e.expire, 0);
    t.is(e.flags, k.RTF_UP | k.RTF_HOST | k.RTF_LLDATA | k.RTF_STATIC | k.RTF_PINNED);
    // Our own address resolves to ourselves, flagged LLE_IFADDR.
    const res = new k.arp_result();
    const desten = new Uint8Array(14);
    const m = pkt(k);
    t.is(inv(k, k.vnet0, () => k.arpresolve(a, false, m, ip(k, "10.0.0.1"), desten, res)), 0);
    k.m_freem(m);
    t.is(mac(desten.subarray(0, 6)), mac(me));
    t.is(res.lleflags, k.LLE_VALID | k.LLE_IFADDR);
    // It is not deleted by arp -d, only with the address.
    t.is(inv(k, k.vnet0, () => k.lla_delete(a, ip(k, "10.0.0.1"))), k.EPERM);
    t.is(inv(k, k.vnet0, () => k.lla_delete(a, ip(k, "10.0.0.50"))), k.ENOENT);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: unresolved: held packets, a request a second, EHOSTDOWN after maxtries, gone after wait`, async (t) => {
    const k = await loadKernel(build);
    const { a, cap } = setup(k);
    cap.out.length = 0;
    const s0 = stats(k);
    const res = new k.arp_result();
    const desten = new Uint8Array(14);
    const resolve = (is_gw = false) => inv(k, k.vnet0, () => k.arpresolve(a, is_gw, pkt(k), ip(k, "10.0.0.9"), desten, res));
    t.is(resolve(), k.EWOULDBLOCK);
    t.is(resolve(), k.EWOULDBLOCK, "still waiting");
    t.is(cap.out.length, 1, "one request per second");
    const rq = new DataView(cap.out[0].bytes.buffer);
    t.is(k.inet_ntoa(rq.getUint32(14)), "10.0.0.1", "the source on the target's subnet");
    t.is(k.inet_ntoa(rq.getUint32(24)), "10.0.0.9");
    t.deepEqual(Array.from(cap.out[0].bytes.subarray(18, 24)), ZERO);
    const e = entry(k, a, "10.0.0.9")!;
    t.is(e.lladdr, null, "incomplete");
    t.is(e.flags & k.RTF_STATIC, 0);
    for (let i = 2; i <= 5; i++) {
      k.kern_advance_ns(SEC);
      t.is(resolve(), k.EWOULDBLOCK, `request ${i}`);
    }
    t.is(cap.out.length, 5);
    k.kern_advance_ns(SEC);
    t.is(resolve(), k.EHOSTDOWN, "maxtries requests went unanswered");
    t.is(resolve(true), k.EHOSTUNREACH, "through a gateway");
    t.is(cap.out.length, 6, "it keeps asking once a second");
    // 8 packets so far: none dropped yet (maxhold 16).
    t.is(stats(k).dropped, s0.dropped);
    for (let i = 0; i < 10; i++) resolve();
    t.is(stats(k).dropped, s0.dropped + 2, "18 packets, 16 held, the 2 oldest dropped");
    // net.link.ether.inet.wait (20 s) after the last request the entry goes,
    // with what it held.
    k.kern_advance_ns(19 * SEC);
    t.truthy(entry(k, a, "10.0.0.9"));
    k.kern_advance_ns(2 * SEC);
    t.is(entry(k, a, "10.0.0.9"), null);
    const s1 = stats(k);
    t.is(s1.timeouts, s0.timeouts + 1);
    t.is(s1.dropped, s0.dropped + 2 + 16);
    t.is(s1.txrequests, s0.txrequests + 6);
    // Nothing to send from: no address on that subnet.
    t.is(inv(k, k.vnet0, () => k.arpresolve(a, false, null, ip(k, "192.0.2.1"), desten, res)), k.EINVAL, "no route covers it: no entry");
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a reply resolves, sends what was held, and ages out after max_age`, async (t) => {
    const k = await loadKernel(build);
    const { a, cap } = setup(k);
    const me = Array.from(lladdr(a));
    const res = new k.arp_result();
    const desten = new Uint8Array(14);
    t.is(inv(k, k.vnet0, () => k.arpresolve(a, false, pkt(k, 40), ip(k, "10.0.0.9"), desten, res)), k.EWOULDBLOCK);
    t.is(inv(k, k.vnet0, () => k.arpresolve(a, false, pkt(k, 41), ip(k, "10.0.0.9"), desten, res)), k.EWOULDBLOCK);
    cap.out.length = 0;
    arp_input(k, a, arp_frame(k, k.ARPOP_REPLY, MAC_X, "10.0.0.9", me, "10.0.0.1"));
    // The held packets went out, in order, to the resolved address.
    t.deepEqual(
      cap.out.map((o) => [o.family, o.dst === null ? null : k.inet_ntoa(o.dst), o.bytes.length]),
      [
        [AF_INET, "10.0.0.9", 40],
        [AF_INET, "10.0.0.9", 41],
      ],
    );
    const s = stats(k);
    t.is(s.rxreplies, 1);
    t.is(s.received, 1);
    const e = entry(k, a, "10.0.0.9")!;
    t.is(mac(e.lladdr), mac(MAC_X));
    t.is(e.expire, k.time_uptime() + 1200);
    t.is(inv(k, k.vnet0, () => k.arpresolve(a, false, null, ip(k, "10.0.0.9"), desten, res)), 0);
    t.deepEqual(Array.from(desten), [...MAC_X, ...me, 0x08, 0x00]);
    t.is(res.lleflags, k.LLE_VALID);
    // Unused near the end: no refresh, gone at max_age.
    cap.out.length = 0;
    k.kern_advance_ns(1199 * SEC);
    t.truthy(entry(k, a, "10.0.0.9"));
    k.kern_advance_ns(2 * SEC);
    t.is(entry(k, a, "10.0.0.9"), null);
    t.is(cap.out.length, 0, "no refresh for an unused entry");
    t.is(stats(k).timeouts, 1);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: an entry still in use is refreshed before it expires`, async (t) => {
    const k = await loadKernel(build);
    const { a, cap } = setup(k);
    const me = Array.from(lladdr(a));
    const res = new k.arp_result();
    const desten = new Uint8Array(14);
    // Learned from a request to us.
    arp_input(k, a, arp_frame(k, k.ARPOP_REQUEST, MAC_Y, "10.0.0.7", ZERO, "10.0.0.1"));
    t.truthy(entry(k, a, "10.0.0.7")!.lladdr);
    cap.out.length = 0;
    // max_age - maxtries * rexmit: the timer asks whether the entry is used.
    k.kern_advance_ns(1195.5 * SEC);
    t.is(inv(k, k.vnet0, () => k.arpresolve(a, false, null, ip(k, "10.0.0.7"), desten, res)), 0);
    k.kern_advance_ns(1 * SEC);
    t.is(cap.out.length, 1, "a refresh request");
    t.is(k.inet_ntoa(new DataView(cap.out[0].bytes.buffer).getUint32(24)), "10.0.0.7");
    // Answered: good for another max_age.
    arp_input(k, a, arp_frame(k, k.ARPOP_REPLY, MAC_Y, "10.0.0.7", me, "10.0.0.1"));
    k.kern_advance_ns(100 * SEC);
    t.truthy(entry(k, a, "10.0.0.7"));
    // The reply came at 1196.5 s of virtual time: time_uptime 1197 (it starts at 1).
    t.is(entry(k, a, "10.0.0.7")!.expire, 1197 + 1200);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: requests: answered for our address, learned only when we are the target`, async (t) => {
    const k = await loadKernel(build);
    const { a, cap } = setup(k);
    const me = Array.from(lladdr(a));
    cap.out.length = 0;
    // For someone else: counted, not learned, not answered.
    arp_input(k, a, arp_frame(k, k.ARPOP_REQUEST, MAC_Y, "10.0.0.7", ZERO, "10.0.0.99"));
    t.is(entry(k, a, "10.0.0.7"), null);
    t.is(cap.out.length, 0);
    t.is(stats(k).rxrequests, 1);
    // For us: learned, answered in place.
    arp_input(k, a, arp_frame(k, k.ARPOP_REQUEST, MAC_Y, "10.0.0.7", ZERO, "10.0.0.1"));
    t.is(mac(entry(k, a, "10.0.0.7")!.lladdr), mac(MAC_Y));
    t.is(cap.out.length, 1);
    const r = cap.out[0];
    t.is(r.family, AF_ARP);
    t.is(r.flags & (k.M_BCAST | k.M_MCAST), 0, "never by broadcast");
    t.deepEqual(r.prepend, [...MAC_Y, ...me, 0x08, 0x06]);
    t.deepEqual(Array.from(r.bytes), Array.from(arp_frame(k, k.ARPOP_REPLY, me, "10.0.0.1", MAC_Y, "10.0.0.7")));
    const s = stats(k);
    t.is(s.rxrequests, 2);
    t.is(s.txreplies, 1);
    t.is(s.received, 2);
    // An unsolicited reply to us is learned too; from elsewhere it is not.
    arp_input(k, a, arp_frame(k, k.ARPOP_REPLY, MAC_X, "10.0.0.8", me, "10.0.0.1"));
    arp_input(k, a, arp_frame(k, k.ARPOP_REPLY, MAC_X, "10.0.0.6", MAC_Y, "10.0.0.7"));
    t.truthy(entry(k, a, "10.0.0.8"));
    t.is(entry(k, a, "10.0.0.6"), null);
    t.is(stats(k).rxreplies, 2);
    // An entry we hold moves to a new address, with a log line.
    k.kern_advance_ns(2 * SEC);
    k.msgbuf_clear();
    arp_input(k, a, arp_frame(k, k.ARPOP_REPLY, MAC_X, "10.0.0.7", me, "10.0.0.1"));
    t.is(mac(entry(k, a, "10.0.0.7")!.lladdr), mac(MAC_X));
    t.true(k.msgbuf_read().includes("arp: 10.0.0.7 moved from 02:11:22:33:44:55 to 02:aa:bb:cc:dd:ee on epair0a"));
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: static and published entries`, async (t) => {
    const k = await loadKernel(build);
    const { a, cap } = setup(k);
    const me = Array.from(lladdr(a));
    t.is(inv(k, k.vnet0, () => k.lla_add_static(a, ip(k, "10.0.0.5"), new Uint8Array(MAC_X))), 0);
    t.is(inv(k, k.vnet0, () => k.lla_add_static(a, ip(k, "192.0.2.5"), new Uint8Array(MAC_X))), k.ENOMEM, "not on a connected subnet");
    let e = entry(k, a, "10.0.0.5")!;
    t.is(e.expire, 0);
    t.true((e.flags & k.RTF_STATIC) !== 0);
    // Someone else claims it: the entry stays, and it is logged.
    k.kern_advance_ns(2 * SEC);
    k.msgbuf_clear();
    arp_input(k, a, arp_frame(k, k.ARPOP_REPLY, MAC_Y, "10.0.0.5", me, "10.0.0.1"));
    e = entry(k, a, "10.0.0.5")!;
    t.is(mac(e.lladdr), mac(MAC_X));
    t.true(k.msgbuf_read().includes("arp: 02:11:22:33:44:55 attempts to modify permanent entry for 10.0.0.5 on epair0a"));
    // A packet to it needs no request.
    cap.out.length = 0;
    const res = new k.arp_result();
    const desten = new Uint8Array(14);
    t.is(inv(k, k.vnet0, () => k.arpresolve(a, false, null, ip(k, "10.0.0.5"), desten, res)), 0);
    t.is(mac(desten.subarray(0, 6)), mac(MAC_X));
    t.is(cap.out.length, 0);
    // Static entries never time out.
    k.kern_advance_ns(5000 * SEC);
    t.truthy(entry(k, a, "10.0.0.5"));
    t.is(inv(k, k.vnet0, () => k.lla_delete(a, ip(k, "10.0.0.5"))), 0);
    t.is(entry(k, a, "10.0.0.5"), null);
    // A published entry is announced and answers requests for its address.
    cap.out.length = 0;
    t.is(inv(k, k.vnet0, () => k.lla_add_static(a, ip(k, "10.0.0.66"), new Uint8Array(MAC_X), true)), 0);
    t.is(cap.out.length, 1, "gratuitous ARP for the published address");
    t.deepEqual(Array.from(cap.out[0].bytes.subarray(8, 14)), MAC_X);
    t.true((entry(k, a, "10.0.0.66")!.flags & k.RTF_ANNOUNCE) !== 0);
    cap.out.length = 0;
    arp_input(k, a, arp_frame(k, k.ARPOP_REQUEST, MAC_Y, "10.0.0.7", ZERO, "10.0.0.66"));
    t.is(cap.out.length, 1);
    t.deepEqual(Array.from(cap.out[0].bytes), Array.from(arp_frame(k, k.ARPOP_REPLY, MAC_X, "10.0.0.66", MAC_Y, "10.0.0.7")));
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: someone using our address is reported (dupips)`, async (t) => {
    const k = await loadKernel(build);
    const { a, cap } = setup(k);
    cap.out.length = 0;
    k.kern_advance_ns(2 * SEC);
    k.msgbuf_clear();
    arp_input(k, a, arp_frame(k, k.ARPOP_REQUEST, MAC_X, "10.0.0.1", ZERO, "10.0.0.1"));
    t.is(stats(k).dupips, 1);
    t.true(k.msgbuf_read().includes("arp: 02:aa:bb:cc:dd:ee is using my IP address 10.0.0.1 on epair0a!"));
    t.is(cap.out.length, 1, "and told it is ours");
    t.deepEqual(Array.from(cap.out[0].bytes.subarray(8, 14)), Array.from(lladdr(a)));
    // Our own frames coming back are ignored.
    arp_input(k, a, arp_frame(k, k.ARPOP_REQUEST, lladdr(a), "10.0.0.1", ZERO, "10.0.0.1"));
    t.is(stats(k).dupips, 1);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: malformed ARP is dropped and logged, never thrown`, async (t) => {
    const k = await loadKernel(build);
    const { a, cap } = setup(k);
    cap.out.length = 0;
    const good = arp_frame(k, k.ARPOP_REQUEST, MAC_Y, "10.0.0.7", ZERO, "10.0.0.1");
    const cases: [Uint8Array, string, boolean][] = [
      [good.subarray(0, 6), "arp: packet with short header received on epair0a", false],
      [good.subarray(0, 20), "arp: short packet received on epair0a", false],
      // ARPHRD_IEEE802 (6): FreeBSD 14's arpintr has no case for it either.
      [arp_frame(k, k.ARPOP_REQUEST, MAC_Y, "10.0.0.7", ZERO, "10.0.0.1", { hrd: k.ARPHRD_IEEE802 }), "arp: packet with unknown hardware format 0x06 received on epair0a", false],
      [arp_frame(k, k.ARPOP_REQUEST, [...MAC_Y, 1, 2], "10.0.0.7", [...ZERO, 0, 0], "10.0.0.1", { hln: 8 }), "arp: packet with invalid ethernet address length 8 received on epair0a", false],
      [arp_frame(k, k.ARPOP_REQUEST, MAC_Y, "10.0.0.7", ZERO, "10.0.0.1", { pln: 16 }), "arp: requested protocol length != 4", true],
      [arp_frame(k, k.ARPOP_REQUEST, [0x01, 0, 0x5e, 0, 0, 1], "10.0.0.7", ZERO, "10.0.0.1"), "arp: 01:00:5e:00:00:01 is multicast", true],
      [arp_frame(k, k.ARPOP_REQUEST, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], "10.0.0.7", ZERO, "10.0.0.1", {}), "is multicast", true],
    ];
    let received = stats(k).received;
    for (const [bytes, msg, counted] of cases) {
      k.kern_advance_ns(1.5 * SEC);
      k.msgbuf_clear();
      t.notThrows(() => arp_input(k, a, bytes));
      t.true(k.msgbuf_read().includes(msg), `${msg} in ${JSON.stringify(k.msgbuf_read())}`);
      if (counted) received++;
      t.is(stats(k).received, received);
    }
    // Not IPv4: counted as received, then dropped without a word.
    arp_input(k, a, arp_frame(k, k.ARPOP_REQUEST, MAC_Y, "10.0.0.7", ZERO, "10.0.0.1", { pro: 0x86dd }));
    t.is(stats(k).received, received + 1);
    t.is(cap.out.length, 0);
    t.is(entry(k, a, "10.0.0.7"), null);
    // Rate limited: a second bad packet within the second is not logged.
    k.kern_advance_ns(1.5 * SEC);
    k.msgbuf_clear();
    arp_input(k, a, good.subarray(0, 6));
    arp_input(k, a, good.subarray(0, 6));
    t.is(k.msgbuf_read().split("short header").length - 1, 1);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: knobs: maxhold, maxtries, max_age; stats reset`, async (t) => {
    const k = await loadKernel(build);
    const { a, cap } = setup(k);
    t.deepEqual(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.max_age"), { error: 0, value: 1200 });
    t.deepEqual(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.maxtries"), { error: 0, value: 5 });
    t.deepEqual(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.wait"), { error: 0, value: 20 });
    t.deepEqual(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.maxhold"), { error: 0, value: 16 });
    t.deepEqual(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.proxyall"), { error: 0, value: 0 });
    t.is(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.maxhold", 2).error, 0);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.maxtries", 2).error, 0);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.wait", 5).error, 0);
    const res = new k.arp_result();
    const desten = new Uint8Array(14);
    const resolve = () => inv(k, k.vnet0, () => k.arpresolve(a, false, pkt(k), ip(k, "10.0.0.9"), desten, res));
    const d0 = stats(k).dropped;
    t.is(resolve(), k.EWOULDBLOCK);
    t.is(resolve(), k.EWOULDBLOCK);
    t.is(resolve(), k.EWOULDBLOCK);
    t.is(stats(k).dropped, d0 + 1, "maxhold 2");
    k.kern_advance_ns(SEC);
    t.is(resolve(), k.EWOULDBLOCK);
    k.kern_advance_ns(SEC);
    t.is(resolve(), k.EHOSTDOWN, "maxtries 2");
    k.kern_advance_ns(6 * SEC);
    t.is(entry(k, a, "10.0.0.9"), null, "wait 5");
    const st = k.kernel_sysctlbyname(k.cred0, "net.link.ether.arp.stats");
    t.is(st.error, 0);
    t.is((st.value as number[]).length, 12);
    t.is((st.value as number[])[0], stats(k).txrequests);
    // Writing the stats clears them.
    t.is(k.kernel_sysctlbyname(k.cred0, "net.link.ether.arp.stats", 0).error, 0);
    t.is(stats(k).txrequests, 0);
    // garp_rexmit_count is clamped to 16.
    t.is(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.garp_rexmit_count", 99).error, 0);
    t.deepEqual(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.garp_rexmit_count"), { error: 0, value: 16 });
    t.is(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.garp_rexmit_count", 0).error, 0);
    cap.restore();
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: lowering maxhold trims a waiting queue to the new limit at once (lltable_append_entry_queue)`, async (t) => {
    const k = await loadKernel(build);
    const { a, cap } = setup(k);
    const res = new k.arp_result();
    const desten = new Uint8Array(14);
    const resolve = (len: number) => inv(k, k.vnet0, () => k.arpresolve(a, false, pkt(k, len), ip(k, "10.0.0.9"), desten, res));
    for (let i = 0; i < 6; i++) t.is(resolve(40 + i), k.EWOULDBLOCK);
    const d0 = stats(k).dropped;
    t.is(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.maxhold", 2).error, 0);
    t.is(resolve(50), k.EWOULDBLOCK);
    // 6 waiting, limit 2: the 5 oldest go so that the new one makes 2.
    t.is(stats(k).dropped, d0 + 5);
    cap.out.length = 0;
    const me = Array.from(lladdr(a));
    arp_input(k, a, arp_frame(k, k.ARPOP_REPLY, MAC_X, "10.0.0.9", me, "10.0.0.1"));
    // The two left go out in order, with no route: each is resolved again
    // by ether_output (FreeBSD 14's arp_check_update_lle passes ro NULL).
    t.deepEqual(
      cap.out.map((o) => [o.bytes.length, o.prepend, o.ro_flags]),
      [
        [45, null, null],
        [50, null, null],
      ],
    );
    t.is(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.maxhold", 16).error, 0);
    cap.restore();
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: ARP's own frames carry a prebuilt header and no route flags`, async (t) => {
    const k = await loadKernel(build);
    const { a, cap } = setup(k);
    // The announcement (a request) went out with the header in ro_prepend
    // and ro_flags 0, as FreeBSD sets them (no RT_HAS_HEADER).
    t.is(cap.out.length, 1);
    t.is(cap.out[0].ro_flags, 0);
    t.not(cap.out[0].prepend, null);
    // So does a reply.
    cap.out.length = 0;
    arp_input(k, a, arp_frame(k, k.ARPOP_REQUEST, MAC_Y, "10.0.0.7", ZERO, "10.0.0.1"));
    t.is(cap.out.length, 1);
    t.is(cap.out[0].ro_flags, 0);
    t.deepEqual(cap.out[0].prepend, [...MAC_Y, ...Array.from(lladdr(a)), 0x08, 0x06]);
    cap.restore();
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: gratuitous ARP retransmissions back off 1, 2, 4 s`, async (t) => {
    const k = await loadKernel(build);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.link.ether.inet.garp_rexmit_count", 3).error, 0);
    const { cap } = setup(k);
    const times = () => cap.out.length;
    t.is(times(), 1);
    k.kern_advance_ns(1.01 * SEC);
    t.is(times(), 2);
    k.kern_advance_ns(2 * SEC);
    t.is(times(), 3);
    k.kern_advance_ns(4 * SEC);
    t.is(times(), 4);
    k.kern_advance_ns(100 * SEC);
    t.is(times(), 4, "three retransmissions");
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test.serial("vimage: two vnets resolve each other across an epair", async (t) => {
  const k = await loadKernel("vimage");
  const A = vnet_jail(k, "a");
  const B = vnet_jail(k, "b");
  const e = inv(k, k.vnet0, () => epair(k));
  t.is(ifvnet(k, e.a, A.jid), 0);
  t.is(ifvnet(k, e.b, B.jid), 0);
  t.is(inv(k, A.v, () => ifaddr_add(k, A.cred, e.a, "10.0.0.1", 24)), 0);
  t.is(inv(k, B.v, () => ifaddr_add(k, B.cred, e.b, "10.0.0.2", 24)), 0);
  k.kern_advance_ns(1e6);
  const a = inv(k, A.v, () => ifp(k, e.a));
  const b = inv(k, B.v, () => ifp(k, e.b));
  const res = new k.arp_result();
  const desten = new Uint8Array(14);
  t.is(inv(k, A.v, () => k.arpresolve(a, false, pkt(k), ip(k, "10.0.0.2"), desten, res)), k.EWOULDBLOCK);
  k.kern_advance_ns(1e6);
  t.is(inv(k, A.v, () => k.arpresolve(a, false, null, ip(k, "10.0.0.2"), desten, res)), 0);
  t.deepEqual(Array.from(desten), [...lladdr(b), ...lladdr(a), 0x08, 0x00]);
  // B learned A from the request (it was the target).
  t.is(mac(entry(k, b, "10.0.0.1")!.lladdr), mac(lladdr(a)));
  const sa = inv(k, A.v, () => arpstat(k));
  const sb = inv(k, B.v, () => arpstat(k));
  // A: its announcement and the request; B's announcement and reply came in.
  t.is(sa.txrequests, 2);
  t.is(sa.rxreplies, 1);
  t.is(sa.received, 2);
  // B: A's announcement went out before B was up; the request came in.
  t.is(sb.rxrequests, 1);
  t.is(sb.txreplies, 1);
  // Each vnet has its own knobs.
  t.is(k.kernel_sysctlbyname(A.cred, "net.link.ether.inet.max_age", 60).error, 0);
  t.deepEqual(k.kernel_sysctlbyname(B.cred, "net.link.ether.inet.max_age"), { error: 0, value: 1200 });
  // garp_rexmit_count is per vnet too (arp.sh's garp case sets it in a jail) ...
  t.is(k.kernel_sysctlbyname(A.cred, "net.link.ether.inet.garp_rexmit_count", 1).error, 0);
  t.deepEqual(k.kernel_sysctlbyname(B.cred, "net.link.ether.inet.garp_rexmit_count"), { error: 0, value: 0 });
  // ... but max_log_per_second is global: read-only from a jail.
  t.is(k.kernel_sysctlbyname(A.cred, "net.link.ether.inet.max_log_per_second", 2).error, k.EPERM);
  t.is(A.remove(), 0);
  t.is(B.remove(), 0);
  k.kern_run_until_idle();
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
