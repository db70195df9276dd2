// Cross-part scenarios of issue 3, on the VIMAGE build, driven the way a
// user drives FreeBSD: a script of jail/ifconfig/route/sysctl/ping
// commands (virtnet_run_script), plus small test programs that use the
// socket system calls and read the counters through sysctl
// (scenario_helpers.ts).  The counters asserted are what FreeBSD 14 counts
// for the same commands; each assertion lists every nonzero field, so any
// other field moving fails the test.
import test from "ava";
import { CHAIN_STEPS, SCRIPT_CHAIN, SCRIPT_PAIR, chain_section, delta, nonzero, run_script, scen_kernel, type scen, type stats } from "./scenario_helpers.ts";

const aton = (s: string): number => s.split(".").reduce((a, o) => a * 256 + Number(o), 0);

function snap(s: scen, label: string): stats {
  const x = s.snaps.get(label);
  if (x === undefined) throw new Error(`no snapshot ${label}`);
  return x;
}

/** Every nonzero counter of one snapshot, by struct. */
function counters(s: scen, label: string) {
  const k = s.k;
  const x = snap(s, label);
  return {
    ip: nonzero(k.ipstat_names, x.ip),
    icmp: nonzero(k.icmpstat_names, x.icmp),
    udp: nonzero(k.udpstat_names, x.udp),
    arp: nonzero(k.arpstat_names, x.arp),
  };
}

/** What changed between two snapshots, by struct. */
function step(s: scen, from: string, to: string) {
  const k = s.k;
  const a = snap(s, from);
  const b = snap(s, to);
  return {
    ip: delta(k.ipstat_names, a.ip, b.ip),
    icmp: delta(k.icmpstat_names, a.icmp, b.icmp),
    udp: delta(k.udpstat_names, a.udp, b.udp),
    arp: delta(k.arpstat_names, a.arp, b.arp),
  };
}

function mac(s: scen, label: string, ifname: string): string {
  const i = snap(s, label).ifs.find((x) => x.name === ifname);
  if (i === undefined) throw new Error(`${label}: no ${ifname}`);
  return Array.from(i.lladdr, (b) => b.toString(16).padStart(2, "0")).join(":");
}

test.serial("vimage: two vnet jails over an epair: echo both ways, ARP, every counter as FreeBSD counts it", async (t) => {
  const s = await scen_kernel();
  const k = s.k;
  const status = await run_script(s, SCRIPT_PAIR);
  t.is(status, 0, s.err);
  t.is(s.err, "");
  // Both pings: 3 of 3 replies, exit status 0.
  t.is(s.out.match(/3 packets transmitted, 3 packets received, 0\.0% packet loss/g)?.length, 2, s.out);
  t.is(s.out.match(/^status 0$/gm)?.length, 2, s.out);
  for (const [to, seq] of [["10.0.0.2", 0], ["10.0.0.2", 2], ["10.0.0.1", 0], ["10.0.0.1", 2]] as const)
    t.regex(s.out, new RegExp(`^64 bytes from ${to.replace(/\./g, "\\.")}: icmp_seq=${seq} ttl=64 time=`, "m"));

  // A configures 10.0.0.1 first, while B's end is still down: A's
  // gratuitous ARP goes out (txrequests) but epair_transmit drops it because
  // the peer is not up.  B's gratuitous ARP, sent when B configures
  // 10.0.0.2, reaches A: a request (rxrequests) for an address that is not
  // A's, so A makes no entry for it and does not answer.  A's first echo
  // needs B's MAC: one request (txrequests) answered by one reply
  // (rxreplies).  B learns A from that request because it is the target
  // (the entry is made then, so B never asks); it answers (txreplies).
  // received counts every ARP packet that passed arpintr's checks.
  // IP: 3 echo requests out and 3 replies in on A (ping's raw socket sends
  // with ip_output, ips_localout); B reflects each request (icps_reflect,
  // outhist[ECHOREPLY], ips_localout for the reply); then the same the other
  // way round.  Replies go to ping's raw socket after icmp_input counted them
  // in inhist[ECHOREPLY]; requests sent from a raw socket are not in outhist.
  const echo_both_ways = {
    ip: { ips_total: 6, ips_delivered: 6, ips_localout: 6 },
    icmp: { "icps_outhist[0]": 3, icps_reflect: 3, "icps_inhist[0]": 3, "icps_inhist[8]": 3 },
    udp: {},
  };
  t.deepEqual(counters(s, "a"), { ...echo_both_ways, arp: { txrequests: 2, rxrequests: 1, rxreplies: 1, received: 2 } });
  t.deepEqual(counters(s, "b"), { ...echo_both_ways, arp: { txrequests: 1, txreplies: 1, rxrequests: 1, received: 1 } });
  // Nothing of this touched the host's stack.
  t.deepEqual(counters(s, "host"), { ip: {}, icmp: {}, udp: {}, arp: {} });

  // ARP resolved: each side has its own address as a permanent entry and
  // the peer's, learnt, with an expiry (arp -a through the routing sysctl).
  const ma = mac(s, "a", "epair0a");
  const mb = mac(s, "b", "epair0b");
  t.regex(ma, /^02:(?:[0-9a-f]{2}:){4}0a$/);
  t.is(mb, ma.replace(/0a$/, "0b"));
  const arptab = (label: string) =>
    snap(s, label)
      .arptab.map((e) => ({
        addr: k.inet_ntoa(e.addr),
        mac: e.lladdr === null ? null : Array.from(e.lladdr, (b) => b.toString(16).padStart(2, "0")).join(":"),
        ifname: e.ifname,
        permanent: e.expire_in === null,
      }))
      .sort((x, y) => aton(x.addr) - aton(y.addr));
  t.deepEqual(arptab("a"), [
    { addr: "10.0.0.1", mac: ma, ifname: "epair0a", permanent: true },
    { addr: "10.0.0.2", mac: mb, ifname: "epair0a", permanent: false },
  ]);
  t.deepEqual(arptab("b"), [
    { addr: "10.0.0.1", mac: ma, ifname: "epair0b", permanent: false },
    { addr: "10.0.0.2", mac: mb, ifname: "epair0b", permanent: true },
  ]);

  // The interface counters agree (if_data, as netstat -i reads them): A
  // sent the ARP request and 6 ICMP frames (the dropped gratuitous ARP is
  // an output error), and received B's gratuitous ARP, B's reply and 6 ICMP
  // frames.  Frames are 42 (ARP) and 98 (ICMP, 56 data bytes) bytes; the
  // broadcasts are the only multicasts.
  const ifc = (label: string, ifname: string) => {
    const i = snap(s, label).ifs.find((x) => x.name === ifname);
    if (i === undefined) throw new Error(ifname);
    return {
      ipackets: i.counters[k.IFCOUNTER_IPACKETS],
      ierrors: i.counters[k.IFCOUNTER_IERRORS],
      opackets: i.counters[k.IFCOUNTER_OPACKETS],
      oerrors: i.counters[k.IFCOUNTER_OERRORS],
      ibytes: i.counters[k.IFCOUNTER_IBYTES],
      obytes: i.counters[k.IFCOUNTER_OBYTES],
      imcasts: i.counters[k.IFCOUNTER_IMCASTS],
      omcasts: i.counters[k.IFCOUNTER_OMCASTS],
      iqdrops: i.counters[k.IFCOUNTER_IQDROPS],
      oqdrops: i.counters[k.IFCOUNTER_OQDROPS],
    };
  };
  t.deepEqual(ifc("a", "epair0a"), { ipackets: 8, ierrors: 0, opackets: 7, oerrors: 1, ibytes: 2 * 42 + 6 * 98, obytes: 42 + 6 * 98, imcasts: 1, omcasts: 1, iqdrops: 0, oqdrops: 0 });
  t.deepEqual(ifc("b", "epair0b"), { ipackets: 7, ierrors: 0, opackets: 8, oerrors: 0, ibytes: 42 + 6 * 98, obytes: 2 * 42 + 6 * 98, imcasts: 1, omcasts: 1, iqdrops: 0, oqdrops: 0 });

  // The jails are gone (jail -r at the end of the script): nothing leaked.
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: A - R - B: fast path, slow path with options, TTL, no route, closed port, fragments, forwarding off", async (t) => {
  const s = await scen_kernel();
  const k = s.k;
  const status = await run_script(s, SCRIPT_CHAIN);
  t.is(status, 0, s.err);
  t.is(s.err, "");
  const out = (st: string) => chain_section(s.out, st);
  const d = (j: string, i: number) => step(s, `${j}.${i === 0 ? "setup" : CHAIN_STEPS[i - 1]}`, `${j}.${CHAIN_STEPS[i]}`);
  const none = { ip: {}, icmp: {}, udp: {}, arp: {} };
  const arp_entries = (label: string) =>
    snap(s, label)
      .arptab.map((e) => `${k.inet_ntoa(e.addr)}${e.expire_in === null ? " permanent" : ""}`)
      .sort();

  // 0. The setup: each address assignment sends a gratuitous ARP.  A's
  // (10.0.1.1) and R's on epair1a (10.0.2.254) are dropped by the epair
  // because the other end is not up yet; R's 10.0.1.254 reaches A and B's
  // 10.0.2.1 reaches R.  They are requests for addresses that are not the
  // receiver's, so they create no entry: each ARP table holds only the
  // vnet's own addresses (permanent).
  t.deepEqual(counters(s, "a.setup"), { ip: {}, icmp: {}, udp: {}, arp: { txrequests: 1, rxrequests: 1, received: 1 } });
  t.deepEqual(counters(s, "r.setup"), { ip: {}, icmp: {}, udp: {}, arp: { txrequests: 2, rxrequests: 1, received: 1 } });
  t.deepEqual(counters(s, "b.setup"), { ip: {}, icmp: {}, udp: {}, arp: { txrequests: 1 } });
  t.deepEqual(arp_entries("a.setup"), ["10.0.1.1 permanent"]);
  t.deepEqual(arp_entries("r.setup"), ["10.0.1.254 permanent", "10.0.2.254 permanent"]);
  t.deepEqual(arp_entries("b.setup"), ["10.0.2.1 permanent"]);

  // 1. A pings B: 3 requests and 3 replies cross R, all through
  // ip_tryforward.  FreeBSD 14 counts ips_total twice for a packet that
  // takes the fast path: once in ip_input and once more in ip_tryforward.
  // ARP: A asks for its gateway; R learns A from that request (it is the
  // target) and answers; R asks for B, B learns R and answers; the replies
  // from B find every entry in place.  (The gratuitous ARPs of the setup
  // were counted before the first snapshot.)
  t.regex(out("fast"), /3 packets transmitted, 3 packets received, 0\.0% packet loss\nround-trip [^\n]*\nstatus 0\n/);
  t.regex(out("fast"), /^64 bytes from 10\.0\.2\.1: icmp_seq=0 ttl=63 /m);
  t.deepEqual(d("a", 0), { ip: { ips_total: 3, ips_delivered: 3, ips_localout: 3 }, icmp: { "icps_inhist[0]": 3 }, udp: {}, arp: { txrequests: 1, rxreplies: 1, received: 1 } });
  t.deepEqual(d("r", 0), {
    ip: { ips_total: 12, ips_forward: 6, ips_fastforward: 6 },
    icmp: {},
    udp: {},
    arp: { txrequests: 1, txreplies: 1, rxrequests: 1, rxreplies: 1, received: 2 },
  });
  t.deepEqual(d("b", 0), {
    ip: { ips_total: 3, ips_delivered: 3, ips_localout: 3 },
    icmp: { "icps_outhist[0]": 3, icps_reflect: 3, "icps_inhist[8]": 3 },
    udp: {},
    arp: { txreplies: 1, rxrequests: 1, received: 1 },
  });
  t.deepEqual(arp_entries("a.fast"), ["10.0.1.1 permanent", "10.0.1.254"]);
  t.deepEqual(arp_entries("r.fast"), ["10.0.1.1", "10.0.1.254 permanent", "10.0.2.1", "10.0.2.254 permanent"]);
  t.deepEqual(arp_entries("b.fast"), ["10.0.2.1 permanent", "10.0.2.254"]);

  // 2. ping -R: the record-route option sends both packets to ip_input's
  // slow path (ip_tryforward returns them untouched, so ips_total once
  // each): ips_forward without ips_fastforward.  The route recorded: R out
  // to B, B itself, R out to A, A itself.
  t.regex(out("opt"), /RR: \t10\.0\.2\.254\n\t10\.0\.2\.1\n\t10\.0\.1\.254\n\t10\.0\.1\.1\n/);
  t.regex(out("opt"), /1 packets transmitted, 1 packets received, 0\.0% packet loss\n[^\n]*\nstatus 0\n/);
  t.deepEqual(d("r", 1), { ip: { ips_total: 2, ips_forward: 2 }, icmp: {}, udp: {}, arp: {} });
  t.deepEqual(d("a", 1), { ip: { ips_total: 1, ips_delivered: 1, ips_localout: 1 }, icmp: { "icps_inhist[0]": 1 }, udp: {}, arp: {} });
  t.deepEqual(d("b", 1), { ip: { ips_total: 1, ips_delivered: 1, ips_localout: 1 }, icmp: { "icps_outhist[0]": 1, icps_reflect: 1, "icps_inhist[8]": 1 }, udp: {}, arp: {} });

  // 3. ping -m 1: R's ip_tryforward (after counting ips_total) finds TTL 1
  // and sends time exceeded (icps_error, outhist[TIMXCEED], ips_localout
  // for the error).  B sees nothing.
  t.regex(out("ttl"), /^92 bytes from 10\.0\.1\.254: Time to live exceeded$/m);
  t.regex(out("ttl"), /1 packets transmitted, 0 packets received, 100\.0% packet loss\nstatus 2\n/);
  t.deepEqual(d("r", 2), { ip: { ips_total: 2, ips_localout: 1 }, icmp: { icps_error: 1, [`icps_outhist[${k.ICMP_TIMXCEED}]`]: 1 }, udp: {}, arp: {} });
  t.deepEqual(d("a", 2), { ip: { ips_total: 1, ips_delivered: 1, ips_localout: 1 }, icmp: { [`icps_inhist[${k.ICMP_TIMXCEED}]`]: 1 }, udp: {}, arp: {} });
  t.deepEqual(d("b", 2), none);

  // 4. No route at R for 10.0.3.1: ip_findroute counts ips_noroute and
  // ips_cantforward and sends host unreachable.
  t.regex(out("noroute"), /^92 bytes from 10\.0\.1\.254: Destination Host Unreachable$/m);
  t.regex(out("noroute"), /status 2\n/);
  t.deepEqual(d("r", 3), {
    ip: { ips_total: 2, ips_cantforward: 1, ips_localout: 1, ips_noroute: 1 },
    icmp: { icps_error: 1, [`icps_outhist[${k.ICMP_UNREACH}]`]: 1 },
    udp: {},
    arp: {},
  });
  t.deepEqual(d("a", 3), { ip: { ips_total: 1, ips_delivered: 1, ips_localout: 1 }, icmp: { [`icps_inhist[${k.ICMP_UNREACH}]`]: 1 }, udp: {}, arp: {} });
  t.deepEqual(d("b", 3), none);

  // 5. UDP to a closed port of B: udp_input counts the datagram
  // (udps_ipackets) and udps_noport, then icmp_error sends port
  // unreachable; A's connected socket gets ECONNREFUSED (udp_ctlinput).
  t.regex(out("closed"), /udpsend: sent 32 bytes\nudpsend: recv: Connection refused\nstatus 0\n/);
  t.deepEqual(d("b", 4), {
    ip: { ips_total: 1, ips_delivered: 1, ips_localout: 1 },
    icmp: { icps_error: 1, [`icps_outhist[${k.ICMP_UNREACH}]`]: 1 },
    udp: { udps_ipackets: 1, udps_noport: 1 },
    arp: {},
  });
  t.deepEqual(d("a", 4), { ip: { ips_total: 1, ips_delivered: 1, ips_localout: 1 }, icmp: { [`icps_inhist[${k.ICMP_UNREACH}]`]: 1 }, udp: { udps_opackets: 1 }, arp: {} });
  t.deepEqual(d("r", 4), { ip: { ips_total: 4, ips_forward: 2, ips_fastforward: 2 }, icmp: {}, udp: {}, arp: {} });

  // 6. 3000 bytes of UDP: 3028 bytes of IP over a 1500-byte MTU leave A as
  // 3 fragments (1480 + 1480 + 48 bytes of payload): ips_fragmented once,
  // ips_ofragments 3.  R forwards the fragments as they are; B counts each
  // (ips_fragments), reassembles once and delivers one datagram.
  t.regex(out("frag"), /^udpsend: sent 3000 bytes$/m);
  t.regex(out("frag"), /^status 0$/m);
  t.regex(out("frag"), /^udprecv: 3000 bytes from 10\.0\.1\.1: intact$/m);
  t.deepEqual(d("a", 5), { ip: { ips_localout: 1, ips_fragmented: 1, ips_ofragments: 3 }, icmp: {}, udp: { udps_opackets: 1 }, arp: {} });
  t.deepEqual(d("r", 5), { ip: { ips_total: 6, ips_forward: 3, ips_fastforward: 3 }, icmp: {}, udp: {}, arp: {} });
  t.deepEqual(d("b", 5), { ip: { ips_total: 3, ips_fragments: 3, ips_reassembled: 1, ips_delivered: 1 }, icmp: {}, udp: { udps_ipackets: 1 }, arp: {} });

  // 7. Forwarding off: ip_input drops what is not ours on
  // ips_cantforward, silently.
  t.regex(out("off"), /net\.inet\.ip\.forwarding: 1 -> 0\n/);
  t.regex(out("off"), /1 packets transmitted, 0 packets received, 100\.0% packet loss\nstatus 2\n/);
  t.deepEqual(d("r", 6), { ip: { ips_total: 1, ips_cantforward: 1 }, icmp: {}, udp: {}, arp: {} });
  t.deepEqual(d("a", 6), { ip: { ips_localout: 1 }, icmp: {}, udp: {}, arp: {} });
  t.deepEqual(d("b", 6), none);

  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

const SCRIPT_VMOVE = `
jail -c name=a persist vnet
jail -c name=b persist vnet
ifconfig epair create
snap h0
ifconfig epair0a vnet a
ifconfig epair0b vnet b
echo "host: $(ifconfig -l)"
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
jexec a route add default 10.0.0.254
jexec a route add -net 192.168.0.0/16 10.0.0.253
jexec a ping -c 1 10.0.0.2 > /dev/null
jexec a snap a1
ifconfig epair0a -vnet a
echo "reclaim $?"
jexec a snap a2
snap h2
jexec a route -n get default
echo "route get $?"
jexec b ifconfig lo1 create
jexec b ifconfig lo1 name epair0a
ifconfig epair0a vnet b
echo "clash $?"
jexec b ifconfig epair0a destroy
ifconfig epair0a vnet a
jexec a snap a3
jail -r a
jail -r b
echo "host: $(ifconfig -l)"
snap h3
`;

test.serial("vimage: moving an interface purges its addresses and routes and keeps its MAC; a dying vnet sends it home", async (t) => {
  const s = await scen_kernel();
  const k = s.k;
  const status = await run_script(s, SCRIPT_VMOVE);
  t.is(status, 0, s.err);
  const lines = s.out.split("\n");
  // Both ends lent out: the host keeps only lo0.
  t.is(lines.find((l) => l.startsWith("host: ")), "host: lo0");
  const m0 = mac(s, "h0", "epair0a");

  // In a: the address, its prefix route and loopback host route, the two
  // static routes, and an ARP entry for B.
  const routes = (label: string) =>
    snap(s, label)
      // The prefix length is the number of leading ones of the mask.
      .routes.map((r) => `${k.inet_ntoa(r.rt_dst)}/${Math.clz32(~r.rt_mask)} ${r.rt_ifname}`)
      .sort();
  const a1 = snap(s, "a1");
  t.deepEqual(a1.ifs.find((i) => i.name === "epair0a")?.addrs, [{ family: k.AF_INET, addr: aton("10.0.0.1"), netmask: aton("255.255.255.0"), broadaddr: aton("10.0.0.255") }]);
  t.deepEqual(routes("a1"), ["0.0.0.0/0 epair0a", "10.0.0.0/24 epair0a", "10.0.0.1/32 lo0", "192.168.0.0/16 epair0a"]);
  t.deepEqual(a1.arptab.map((e) => k.inet_ntoa(e.addr)).sort(), ["10.0.0.1", "10.0.0.2"]);
  t.is(mac(s, "a1", "epair0a"), m0);

  // Reclaimed by the host (ifconfig epair0a -vnet a): a has no trace of it
  // left, neither address nor route nor ARP entry; the host has it back,
  // down, without addresses, with the same MAC.
  t.true(lines.includes("reclaim 0"));
  const a2 = snap(s, "a2");
  t.deepEqual(a2.ifs.map((i) => i.name), ["lo0"]);
  t.deepEqual(a2.routes, []);
  t.deepEqual(a2.arptab, []);
  t.true(lines.includes("route get 1"));
  const h2 = snap(s, "h2").ifs.find((i) => i.name === "epair0a");
  t.truthy(h2);
  t.deepEqual(h2?.addrs, []);
  t.is((h2?.flags ?? 0) & k.IFF_UP, 0);
  t.is(mac(s, "h2", "epair0a"), m0);
  t.deepEqual(snap(s, "h2").routes, []);

  // A vnet that already has an interface of that name refuses it.
  t.true(lines.includes("clash 1"));
  t.is(s.err, "route: route has not been found\nifconfig: SIOCSIFVNET: File exists\n");

  // Lent again to a, then a and b are removed: both ends come home with
  // their MACs, and nothing else stayed behind.
  t.deepEqual(snap(s, "a3").ifs.map((i) => i.name), ["lo0", "epair0a"]);
  t.deepEqual(snap(s, "a3").ifs[1].addrs, []);
  const home = lines.filter((l) => l.startsWith("host: "))[1];
  t.deepEqual(home?.slice(6).split(" ").sort(), ["epair0a", "epair0b", "lo0"]);
  t.is(mac(s, "h3", "epair0a"), m0);
  t.is(mac(s, "h3", "epair0b"), m0.replace(/0a$/, "0b"));
  t.deepEqual(snap(s, "h3").routes, []);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
