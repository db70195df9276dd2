// gif(4): the cloner, IPv4 in IPv4 between two vnet jails through an epair
// (FreeBSD's if_gif.sh basic case and more), the tunnel changed while it
// runs, IFF_DRV_RUNNING following the local address, the nesting limit and
// the loop check, a move to another vnet, ignore_source, and the ioctls'
// errno values.  Every test ends with no mbuf outstanding.
import test from "ava";
import { loadKernel, type Kernel } from "../helpers/builds.ts";
import { run_script } from "../sbin/prog_helpers.ts";

/** Two vnet jails joined by epair0 (192.0.2.1 in one, .2 in two), a gif
 *  in each with the tunnel between them and 198.51.100.1 --> .2 inside. */
const TUNNEL = `jail -c name=one persist vnet >/dev/null
jail -c name=two persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet one
ifconfig epair0b vnet two
jexec one ifconfig epair0a 192.0.2.1/24 up
jexec two ifconfig epair0b 192.0.2.2/24 up
gone=$(jexec one ifconfig gif create)
gtwo=$(jexec two ifconfig gif create)
jexec one ifconfig $gone tunnel 192.0.2.1 192.0.2.2
jexec one ifconfig $gone inet 198.51.100.1/24 198.51.100.2 up
jexec two ifconfig $gtwo tunnel 192.0.2.2 192.0.2.1
jexec two ifconfig $gtwo inet 198.51.100.2/24 198.51.100.1 up
`;

/** The packet counters of `ifname` from netstat -in's link line. */
function netstat_counts(out: string, ifname: string): { ipkts: number; ierrs: number; opkts: number; oerrs: number }[] {
  const rows: { ipkts: number; ierrs: number; opkts: number; oerrs: number }[] = [];
  for (const l of out.split("\n")) {
    const f = l.trim().split(/\s+/);
    if (f[0] !== ifname || !(f[2] ?? "").startsWith("<Link#")) continue;
    rows.push({ ipkts: Number(f[4]), ierrs: Number(f[5]), opkts: Number(f[7]), oerrs: Number(f[8]) });
  }
  return rows;
}

test("gif create: a point-to-point, multicast interface of MTU 1280 in group gif; MTUs outside 1280..8192 are refused", async (t) => {
  const r = await run_script(`ifconfig gif create
ifconfig gif create
ifconfig gif0
ifconfig gif0 mtu 1279; echo rc=$?
ifconfig gif0 mtu 8193; echo rc=$?
ifconfig gif0 mtu 8192
ifconfig gif0 | head -1
ifconfig gif0 destroy
ifconfig -l
kldstat -q -m if_gif; echo kld=$?
`);
  t.is(r.status, 0, r.err);
  t.is(
    r.out,
    "gif0\ngif1\n" +
      "gif0: flags=8010<POINTOPOINT,MULTICAST> metric 0 mtu 1280\n\toptions=80000<LINKSTATE>\n\tgroups: gif\n" +
      "\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n" +
      "rc=1\nrc=1\n" +
      "gif0: flags=8010<POINTOPOINT,MULTICAST> metric 0 mtu 8192\n" +
      "lo0 gif1\nkld=0\n",
  );
  t.is(r.err, "ifconfig: ioctl SIOCSIFMTU (set mtu): Invalid argument\nifconfig: ioctl SIOCSIFMTU (set mtu): Invalid argument\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping across a gif tunnel between two vnet jails, both ways; the gifs count what they carried", async (t) => {
  const r = await run_script(
    TUNNEL +
      `jexec one ping -c 1 192.0.2.2 >/dev/null && echo sanity
jexec one ping -c 3 198.51.100.2 | tail -2 | head -1
jexec two ping -c 2 198.51.100.1 | tail -2 | head -1
jexec one netstat -in
jexec one ifconfig gif0
`,
  );
  t.is(r.status, 0, r.err);
  t.true(r.out.startsWith("sanity\n3 packets transmitted, 3 packets received, 0.0% packet loss\n2 packets transmitted, 2 packets received, 0.0% packet loss\n"), r.out);
  // one's gif0: 3 requests and 2 replies out, 3 replies and 2 requests in.
  t.deepEqual(netstat_counts(r.out, "gif0"), [{ ipkts: 5, ierrs: 0, opkts: 5, oerrs: 0 }]);
  t.regex(r.out, /gif0: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> metric 0 mtu 1280\n\toptions=80000<LINKSTATE>\n\ttunnel inet 192\.0\.2\.1 --> 192\.0\.2\.2\n\tinet 198\.51\.100\.1 --> 198\.51\.100\.2 netmask 0xffffff00\n\tgroups: gif\n/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("the tunnel's end points change while it runs: the old pair stops, the new one carries", async (t) => {
  const r = await run_script(
    TUNNEL +
      `jexec one ping -c 1 198.51.100.2 >/dev/null && echo before
jexec one ifconfig epair0a 192.0.2.11/32 alias
jexec one ifconfig gif0 tunnel 192.0.2.11 192.0.2.2
jexec one ifconfig gif0 | grep tunnel
jexec one ping -c 1 -t 2 198.51.100.2 >/dev/null || echo mismatched
jexec two ifconfig gif0 tunnel 192.0.2.2 192.0.2.11
jexec one ping -c 1 198.51.100.2 >/dev/null && echo after
`,
  );
  t.is(r.status, 0, r.err);
  t.is(r.out, "before\n\ttunnel inet 192.0.2.11 --> 192.0.2.2\nmismatched\nafter\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("a tunnel runs only while its local end is one of the vnet's addresses", async (t) => {
  const r = await run_script(`jail -c name=one persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet one
jexec one ifconfig epair0a 192.0.2.1/24 up
jexec one ifconfig gif create >/dev/null
jexec one ifconfig gif0 tunnel 192.0.2.9 192.0.2.2 198.51.100.1 198.51.100.2 up
jexec one ifconfig gif0 | head -1
jexec one ping -c 1 198.51.100.2
jexec one ifconfig epair0a 192.0.2.9/32 alias
jexec one ifconfig gif0 | head -1
jexec one ifconfig epair0a 192.0.2.9 -alias
jexec one ifconfig gif0 | head -1
`);
  t.is(r.status, 0, r.err);
  t.is(
    r.out,
    "gif0: flags=8011<UP,POINTOPOINT,MULTICAST> metric 0 mtu 1280\n" +
      "PING 198.51.100.2 (198.51.100.2): 56 data bytes\n\n--- 198.51.100.2 ping statistics ---\n1 packets transmitted, 0 packets received, 100.0% packet loss\n" +
      "gif0: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> metric 0 mtu 1280\n" +
      "gif0: flags=8011<UP,POINTOPOINT,MULTICAST> metric 0 mtu 1280\n",
  );
  t.is(r.err, "ping: sendto: Network is down\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("nesting: net.link.gif.max_nesting 1 refuses a tunnel inside a tunnel, 2 carries it; a tunnel routed through itself is a loop", async (t) => {
  const r = await run_script(
    TUNNEL +
      `jexec one ifconfig gif create >/dev/null
jexec two ifconfig gif create >/dev/null
jexec one ifconfig gif1 tunnel 198.51.100.1 198.51.100.2 203.0.113.1/24 203.0.113.2 up
jexec two ifconfig gif1 tunnel 198.51.100.2 198.51.100.1 203.0.113.2/24 203.0.113.1 up
jexec one ping -c 1 203.0.113.2 >/dev/null; echo rc=$?
jexec one sysctl net.link.gif.max_nesting
jexec one sysctl net.link.gif.max_nesting=2
jexec two sysctl net.link.gif.max_nesting=2
sysctl -n net.link.gif.max_nesting
jexec one ping -c 1 203.0.113.2 | tail -2 | head -1
jexec one ifconfig gif create >/dev/null
jexec one ifconfig gif2 tunnel 192.0.2.1 10.9.9.9 10.9.9.1 10.9.9.9 up
jexec one ping -c 1 10.9.9.9 >/dev/null; echo rc=$?
jexec one netstat -in
dmesg | grep gif
`,
  );
  t.is(r.status, 0, r.err);
  t.true(
    r.out.startsWith(
      "rc=2\nnet.link.gif.max_nesting: 1\nnet.link.gif.max_nesting: 1 -> 2\nnet.link.gif.max_nesting: 1 -> 2\n1\n" + "1 packets transmitted, 1 packets received, 0.0% packet loss\nrc=2\n",
    ),
    r.out,
  );
  t.true(r.out.endsWith("gif0: if_output recursively called too many times(2)\ngif2: loop detected\n"), r.out);
  t.is(r.err, "ping: sendto: Input/output error\nping: sendto: Input/output error\n");
  // The refused packets are output errors of the gif that refused them:
  // gif0 (too deep, then inside gif1 so gif1 counts it too), gif2 (the loop;
  // its first pass counted it sent).
  t.deepEqual(netstat_counts(r.out, "gif0"), [{ ipkts: 1, ierrs: 0, opkts: 1, oerrs: 1 }]);
  t.deepEqual(netstat_counts(r.out, "gif1"), [{ ipkts: 1, ierrs: 0, opkts: 2, oerrs: 1 }]);
  t.deepEqual(netstat_counts(r.out, "gif2"), [{ ipkts: 0, ierrs: 0, opkts: 1, oerrs: 2 }]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("a gif moved to another vnet forgets its tunnel (gif_reassign)", async (t) => {
  const r = await run_script(`jail -c name=one persist vnet >/dev/null
ifconfig gif create >/dev/null
ifconfig gif0 tunnel 192.0.2.1 192.0.2.2
ifconfig gif0 | grep tunnel
ifconfig gif0 vnet one
jexec one ifconfig gif0
`);
  t.is(r.status, 0, r.err);
  t.is(r.out, "\ttunnel inet 192.0.2.1 --> 192.0.2.2\ngif0: flags=8010<POINTOPOINT,MULTICAST> metric 0 mtu 1280\n\toptions=80000<LINKSTATE>\n\tgroups: gif\n\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ignore_source: a tunnel takes datagrams for its local end from any source", async (t) => {
  const script = (opt: string) =>
    TUNNEL +
    `jexec one ifconfig epair0a 192.0.2.11/32 alias
jexec one ifconfig gif0 tunnel 192.0.2.11 192.0.2.2
jexec two ifconfig gif0 ${opt}
jexec two ifconfig gif0 | grep options=2
jexec one ping -c 1 -t 2 198.51.100.2 >/dev/null
jexec two netstat -in
`;
  const off = await run_script(script("-ignore_source"));
  t.is(off.status, 0, off.err);
  t.deepEqual(netstat_counts(off.out, "gif0"), [{ ipkts: 0, ierrs: 0, opkts: 0, oerrs: 0 }]);
  t.deepEqual(off.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  const on = await run_script(script("ignore_source"));
  t.is(on.status, 0, on.err);
  t.true(on.out.startsWith("\toptions=2<IGNORE_SOURCE>\n"), on.out);
  // two's gif0 took the request and answered it (to 192.0.2.1, where one's
  // gif no longer listens).
  t.deepEqual(netstat_counts(on.out, "gif0"), [{ ipkts: 1, ierrs: 0, opkts: 1, oerrs: 0 }]);
  t.deepEqual(on.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

function gif_errno(k: Kernel) {
  const p = k.proc_create(k.cred0, "t");
  const s = k.sys_socket(p, k.AF_INET, k.SOCK_DGRAM, 0);
  const ioctl = (cmd: number, data: object) => k.sys_ioctl(p, s.fd, cmd, data);
  return { p, fd: s.fd, ioctl };
}

test("the tunnel ioctls' errno values", async (t) => {
  const k = await loadKernel("vimage");
  const { p, fd, ioctl } = gif_errno(k);
  const sin = (a: string) => new k.sockaddr_in(k.inet_aton(a) ?? 0);
  const phy = (name: string, src: InstanceType<typeof k.sockaddr_in>, dst: InstanceType<typeof k.sockaddr_in>) => ({ ifra_name: name, ifra_addr: src, ifra_broadaddr: null, ifra_dstaddr: dst, ifra_mask: null });
  t.is(ioctl(k.SIOCIFCREATE2, { ifr_name: "gif" }), 0);
  t.is(ioctl(k.SIOCIFCREATE2, { ifr_name: "gif" }), 0);
  // No tunnel yet.
  t.is(ioctl(k.SIOCGIFPSRCADDR, { ifr_name: "gif0" }), k.EADDRNOTAVAIL);
  t.is(ioctl(k.SIOCGIFPDSTADDR, { ifr_name: "gif0" }), k.EADDRNOTAVAIL);
  t.is(ioctl(k.SIOCDIFPHYADDR, { ifr_name: "gif0" }), 0);
  // 0.0.0.0 at either end; another family; a short sockaddr.
  t.is(ioctl(k.SIOCSIFPHYADDR, phy("gif0", sin("0.0.0.0"), sin("192.0.2.2"))), k.EADDRNOTAVAIL);
  t.is(ioctl(k.SIOCSIFPHYADDR, phy("gif0", sin("192.0.2.1"), sin("0.0.0.0"))), k.EADDRNOTAVAIL);
  const v6 = sin("0.0.0.1");
  v6.sin_family = 28;
  v6.sin_len = 28;
  t.is(ioctl(k.SIOCSIFPHYADDR, phy("gif0", v6, v6)), k.EINVAL);
  const short = sin("192.0.2.2");
  short.sin_len = 8;
  t.is(ioctl(k.SIOCSIFPHYADDR, phy("gif0", sin("192.0.2.1"), short)), k.EINVAL);
  // Set, set again (nothing to do), and the same pair on another gif.
  t.is(ioctl(k.SIOCSIFPHYADDR, phy("gif0", sin("192.0.2.1"), sin("192.0.2.2"))), 0);
  t.is(ioctl(k.SIOCSIFPHYADDR, phy("gif0", sin("192.0.2.1"), sin("192.0.2.2"))), 0);
  t.is(ioctl(k.SIOCSIFPHYADDR, phy("gif1", sin("192.0.2.1"), sin("192.0.2.2"))), k.EADDRNOTAVAIL);
  t.is(ioctl(k.SIOCSIFPHYADDR, phy("gif1", sin("192.0.2.2"), sin("192.0.2.1"))), 0);
  const ifr: { ifr_name: string; ifr_addr?: { sin_addr: number }; ifr_opts?: number; ifr_fib?: number } = { ifr_name: "gif0" };
  t.is(ioctl(k.SIOCGIFPDSTADDR, ifr), 0);
  t.is(k.inet_ntoa(ifr.ifr_addr?.sin_addr ?? 0), "192.0.2.2");
  // Options: only GIF_IGNORE_SOURCE exists.
  t.is(ioctl(k.GIFSOPTS, { ifr_name: "gif0", ifr_opts: 4 }), k.EINVAL);
  t.is(ioctl(k.GIFSOPTS, { ifr_name: "gif0", ifr_opts: k.GIF_IGNORE_SOURCE }), 0);
  t.is(ioctl(k.GIFGOPTS, ifr), 0);
  t.is(ifr.ifr_opts, k.GIF_IGNORE_SOURCE);
  // The tunnel's fib: only existing ones.
  t.is(ioctl(k.SIOCSTUNFIB, { ifr_name: "gif0", ifr_fib: 1 }), k.EINVAL);
  t.is(ioctl(k.SIOCGTUNFIB, ifr), 0);
  t.is(ifr.ifr_fib, 0);
  // Not a gif: the Ethernet driver refuses; no such interface: ENXIO.
  t.is(ioctl(k.SIOCGIFPSRCADDR, { ifr_name: "lo0" }), k.EINVAL);
  t.is(ioctl(k.SIOCSIFPHYADDR, phy("nope0", sin("192.0.2.1"), sin("192.0.2.2"))), k.ENXIO);
  // The unprivileged may look, not touch.
  const user = k.proc_create(k.crget(1001, k.prison0), "user");
  const us = k.sys_socket(user, k.AF_INET, k.SOCK_DGRAM, 0);
  t.is(k.sys_ioctl(user, us.fd, k.SIOCSIFPHYADDR, phy("gif0", sin("192.0.2.5"), sin("192.0.2.6"))), k.EPERM);
  t.is(k.sys_ioctl(user, us.fd, k.SIOCDIFPHYADDR, { ifr_name: "gif0" }), k.EPERM);
  t.is(k.sys_ioctl(user, us.fd, k.GIFSOPTS, { ifr_name: "gif0", ifr_opts: 0 }), k.EPERM);
  t.is(k.sys_ioctl(user, us.fd, k.SIOCSTUNFIB, { ifr_name: "gif0", ifr_fib: 0 }), k.EPERM);
  t.is(k.sys_ioctl(user, us.fd, k.SIOCGIFPSRCADDR, { ifr_name: "gif0" }), 0);
  t.is(k.sys_ioctl(user, us.fd, k.GIFGOPTS, { ifr_name: "gif0" }), 0);
  k.sys_close(user, us.fd);
  k.proc_exit(user);
  t.is(ioctl(k.SIOCIFDESTROY, { ifr_name: "gif0" }), 0);
  t.is(ioctl(k.SIOCIFDESTROY, { ifr_name: "gif1" }), 0);
  k.sys_close(p, fd);
  k.proc_exit(p);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

/** FreeBSD's if_bridge_test.sh gif case: a gif in a bridge at each end. */
const ETHERIP = `jail -c name=one persist vnet >/dev/null
jail -c name=two persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet one
ifconfig epair0b vnet two
jexec one sysctl net.link.gif.max_nesting=2 >/dev/null
jexec two sysctl net.link.gif.max_nesting=2 >/dev/null
jexec one ifconfig epair0a 192.0.2.1/24 up
jexec two ifconfig epair0b 192.0.2.2/24 up
g1=$(jexec one ifconfig gif create)
g2=$(jexec two ifconfig gif create)
jexec one ifconfig $g1 tunnel 192.0.2.1 192.0.2.2 up
jexec two ifconfig $g2 tunnel 192.0.2.2 192.0.2.1 up
b1=$(jexec one ifconfig bridge create)
b2=$(jexec two ifconfig bridge create)
jexec one ifconfig $b1 198.51.100.1/24 up
jexec one ifconfig $b1 addm $g1
jexec two ifconfig $b2 198.51.100.2/24 up
jexec two ifconfig $b2 addm $g2
`;

test("EtherIP: gifs as bridge members carry Ethernet frames; big pings fragment inside, then outside when the wire's MTU is smaller", async (t) => {
  const r = await run_script(
    ETHERIP +
      `jexec one ping -c 1 198.51.100.2 | tail -2 | head -1
jexec one ping -c 1 -s 1200 198.51.100.2 | tail -2 | head -1
jexec one ping -c 1 -s 2000 198.51.100.2 | tail -2 | head -1
jexec one ifconfig epair0a mtu 1000
jexec two ifconfig epair0b mtu 1000
jexec one ping -c 1 -s 1200 198.51.100.2 | tail -2 | head -1
jexec one ping -c 1 -s 2000 198.51.100.2 | tail -2 | head -1
jexec one ifconfig bridge0 | grep -E 'mtu|member'
jexec one netstat -in
jexec two netstat -s -p ip | grep -E 'fragments received|reassembled'
`,
  );
  t.is(r.status, 0, r.err);
  t.is(r.err, "");
  const ok = "1 packets transmitted, 1 packets received, 0.0% packet loss\n";
  t.true(r.out.startsWith(ok.repeat(5)), r.out);
  // The bridge took the gif's MTU; the gif counts what it sent (ARP, the
  // pings' fragments), none of it an error.
  t.regex(r.out, /bridge0: flags=\w+<[A-Z,]+> metric 0 mtu 1280\n\tmember: gif0 /);
  const g = netstat_counts(r.out, "gif0");
  t.is(g.length, 1);
  t.is(g[0].oerrs, 0);
  // ARP's request, then 1 + 1 + 2 + 1 + 2 frames of the pings (the bridge
  // cuts at 1280); what arrives through EtherIP is the bridge's, not
  // counted on the gif (FreeBSD counts only the IPv4 it decapsulates).
  t.deepEqual(g[0], { ipkts: 0, ierrs: 0, opkts: 8, oerrs: 0 });
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("EtherIP: a gif in no bridge drops the frames it gets; a frame of another EtherIP version is an input error", async (t) => {
  const k = await loadKernel("vimage");
  // Straight at gif_input, as in_gif_input would call it.
  const { p, fd, ioctl } = gif_errno(k);
  t.is(ioctl(k.SIOCIFCREATE2, { ifr_name: "gif" }), 0);
  const ifp = k.vnet_run(k.vnet0, "test", () => k.ifunit("gif0"));
  if (ifp === null) return t.fail("no gif0");
  ifp.if_flags |= k.IFF_UP;
  const frame = (ver: number) => {
    const b = new Uint8Array(2 + 14 + 28);
    b[0] = ver << 4;
    b.fill(0xff, 2, 8);
    b[14] = 0x08;
    b[15] = 0x06;
    const m = k.m_devget(b, 0, b.length, null);
    if (m === null) throw new Error("m_devget");
    return m;
  };
  const input = (ver: number, proto: number) => k.vnet_run(k.vnet0, "test", () => k.gif_input(frame(ver), ifp, proto, 0));
  input(3, k.IPPROTO_ETHERIP);
  t.is(k.if_get_counter(ifp, k.IFCOUNTER_IERRORS), 0);
  input(4, k.IPPROTO_ETHERIP);
  t.is(k.if_get_counter(ifp, k.IFCOUNTER_IERRORS), 1);
  // IPv6 inside is decapsulated and counted as input (ip6_input then
  // drops it: gif0 has no IPv6 here).
  input(3, k.IPPROTO_IPV6);
  t.is(k.if_get_counter(ifp, k.IFCOUNTER_IERRORS), 1);
  t.is(k.if_get_counter(ifp, k.IFCOUNTER_IPACKETS), 1);
  t.is(ioctl(k.SIOCIFDESTROY, { ifr_name: "gif0" }), 0);
  k.sys_close(p, fd);
  k.proc_exit(p);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
