// sbin/netstat.ts: netstat(1)'s routing tables, protocol statistics,
// interface list and mbuf summary, compared line by line with FreeBSD 14's
// format (usr.bin/netstat route.c, inet.c, if.c, mbuf.c, main.c).
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script, split_macs, SHOW_MACS, TWO_JAILS } from "./prog_helpers.ts";

const lines = (s: string) => s.split("\n");

test("netstat -rn, -r, -rnW, -F: the routing table in route.c's columns", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ifconfig lo0 127.0.0.1/8 up
jexec a route add default 10.0.0.2 >/dev/null
jexec a route add -net 192.168.5.0/24 10.0.0.2 -blackhole >/dev/null
jexec a route add -host 172.16.1.1 10.0.0.2 -reject >/dev/null
jexec a route add -net 10.0.0.128/25 -iface epair0a >/dev/null
jexec a netstat -rn
jexec a netstat -r -4
jexec a netstat -rnW -F 0
netstat -rn
jail -r a b
`,
  );
  t.is(r.err, "");
  const table = (names: boolean) => [
    "Routing tables",
    "",
    "Internet:",
    "Destination        Gateway            Flags     Netif Expire",
    "default            10.0.0.2           UGS     epair0a",
    "10.0.0.0/24        link#2             U       epair0a",
    "10.0.0.1           link#2             UHS         lo0",
    "10.0.0.128/25      link#2             US      epair0a",
    // Without -n, /etc/hosts names 127.0.0.1.
    `${names ? "localhost  " : "127.0.0.1  "}        link#1             UH          lo0`,
    `172.16.1.1         ${names ? "localhost  " : "127.0.0.1  "}        UHRS        lo0`,
    `192.168.5.0/24     ${names ? "localhost  " : "127.0.0.1  "}        USB         lo0`,
  ];
  t.deepEqual(lines(r.out), [
    ...table(false),
    ...table(true),
    "Routing tables",
    "",
    "Internet:",
    "Destination        Gateway            Flags   Nhop#    Mtu      Netif Expire",
    "default            10.0.0.2           UGS         4   1500    epair0a",
    "10.0.0.0/24        link#2             U           1   1500    epair0a",
    "10.0.0.1           link#2             UHS         2  16384        lo0",
    "10.0.0.128/25      link#2             US          7   1500    epair0a",
    "127.0.0.1          link#1             UH          3  16384        lo0",
    "172.16.1.1         127.0.0.1          UHRS        6  16384        lo0",
    "192.168.5.0/24     127.0.0.1          USB         5  16384        lo0",
    // The host's table is empty (its lo0 has no address): only the title.
    "Routing tables",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.is(r.status, 0);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat -rn in another fib, and an invalid fib", async (t) => {
  const r = await run_script(
    `sysctl net.fibs=2 >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a fib 1
ifconfig epair0a 10.1.0.1/24 up
netstat -rn -F 1
netstat -rn -F 2; echo "status $?"
netstat -rn -F one; echo "status $?"
ifconfig epair0a destroy
`,
  );
  const fib1 = [
    "Routing tables (fib: 1)",
    "",
    "Internet:",
    "Destination        Gateway            Flags     Netif Expire",
    "10.1.0.0/24        link#2             U       epair0a",
    "10.1.0.1           link#2             UHS         lo0",
  ];
  t.deepEqual(lines(r.out), [...fib1, "status 64", "status 1", ""]);
  t.is(r.err, "netstat: 2: invalid fib\nnetstat: one: invalid fib\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat -s: ip, icmp, udp and arp statistics with inet.c's wording", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ping -c 3 10.0.0.2 >/dev/null
jexec a netstat -s -p ip
jexec b netstat -ss
jexec a netstat -s -p udp
jexec a netstat -s -p arp
jexec a netstat -s -p icmp
jexec b netstat -sz -p arp
jexec b netstat -s -p arp
jexec a netstat -s -p tcp
jexec a netstat -s -p divert
jail -r a b
`,
  );
  t.is(r.err, "");
  t.deepEqual(lines(r.out), [
    "ip:",
    "\t3 total packets received",
    "\t0 bad header checksums",
    "\t0 with size smaller than minimum",
    "\t0 with data size < data length",
    "\t0 with ip length > max ip packet size",
    "\t0 with header length < data size",
    "\t0 with data length < header length",
    "\t0 with bad options",
    "\t0 with incorrect version number",
    "\t0 fragments received",
    "\t0 fragments dropped (dup or out of space)",
    "\t0 fragments dropped after timeout",
    "\t0 packets reassembled ok",
    "\t3 packets for this host",
    "\t0 packets for unknown/unsupported protocol",
    "\t0 packets forwarded (0 packets fast forwarded)",
    "\t0 packets not forwardable",
    "\t0 packets received for unknown multicast group",
    "\t0 redirects sent",
    "\t3 packets sent from this host",
    "\t0 packets sent with fabricated ip header",
    "\t0 output packets dropped due to no bufs, etc.",
    "\t0 output packets discarded due to no route",
    "\t0 output datagrams fragmented",
    "\t0 fragments created",
    "\t0 datagrams that can't be fragmented",
    "\t0 tunneling packets that can't find gif",
    "\t0 datagrams with bad address in header",
    // -s -s: only what is not zero; every protocol's title stays.  TCP comes
    // first (protox's order); its per-state title is printed unconditionally.
    "tcp:",
    "TCP connection count by state:",
    "udp:",
    "ip:",
    "\t3 total packets received",
    "\t3 packets for this host",
    "\t3 packets sent from this host",
    "icmp:",
    "\tOutput histogram:",
    "\t\techo reply: 3",
    "\tInput histogram:",
    "\t\techo: 3",
    "\t3 message responses generated",
    "\tICMP address mask responses are disabled",
    // b announced its address (a gratuitous request) and answered a.
    "arp:",
    "\t1 ARP request sent",
    "\t1 ARP reply sent",
    "\t1 ARP request received",
    "\t1 ARP packet received",
    // inet6.c's ip6 block: its mbuf statistics are printed even with -ss.
    "ip6:",
    "\tMbuf statistics:",
    "\t\t0 one mbuf",
    "\t\t0 one ext mbuf",
    "\t\t0 two or more ext mbuf",
    // inet6.c's icmp6 and rip6 blocks under -ss: their unconditional titles.
    "icmp6:",
    "\tHistogram of error messages to be generated:",
    "rip6:",
    "udp:",
    "\t0 datagrams received",
    "\t0 with incomplete header",
    "\t0 with bad data length field",
    "\t0 with bad checksum",
    "\t0 with no checksum",
    "\t0 dropped due to no socket",
    "\t0 broadcast/multicast datagrams undelivered",
    "\t0 dropped due to full socket buffers",
    "\t0 not for hashed pcb",
    "\t0 delivered",
    "\t0 datagrams output",
    "\t0 times multicast source filter matched",
    // a's own announcement went out while b was not there yet; it then
    // saw b's announcement and asked for 10.0.0.2.  "entrys" is FreeBSD's.
    "arp:",
    "\t2 ARP requests sent",
    "\t0 ARP requests failed to sent",
    "\t0 ARP replies sent",
    "\t1 ARP request received",
    "\t1 ARP reply received",
    "\t2 ARP packets received",
    "\t0 total packets dropped due to no ARP entry",
    "\t0 ARP entrys timed out",
    "\t0 Duplicate IPs seen",
    "icmp:",
    "\t0 calls to icmp_error",
    "\t0 errors not generated in response to an icmp message",
    "\t0 messages with bad code fields",
    "\t0 messages less than the minimum length",
    "\t0 messages with bad checksum",
    "\t0 messages with bad length",
    "\t0 multicast echo requests ignored",
    "\t0 multicast timestamp requests ignored",
    "\tInput histogram:",
    "\t\techo reply: 3",
    "\t0 message responses generated",
    "\t0 invalid return addresses",
    "\t0 no return routes",
    "\tICMP address mask responses are disabled",
    // -z shows the (now cleared) counters as zero, and they stay cleared.
    "arp:",
    "\t0 ARP requests sent",
    "\t0 ARP requests failed to sent",
    "\t0 ARP replies sent",
    "\t0 ARP requests received",
    "\t0 ARP replies received",
    "\t0 ARP packets received",
    "\t0 total packets dropped due to no ARP entry",
    "\t0 ARP entrys timed out",
    "\t0 Duplicate IPs seen",
    "arp:",
    "\t0 ARP requests sent",
    "\t0 ARP requests failed to sent",
    "\t0 ARP replies sent",
    "\t0 ARP requests received",
    "\t0 ARP replies received",
    "\t0 ARP packets received",
    "\t0 total packets dropped due to no ARP entry",
    "\t0 ARP entrys timed out",
    "\t0 Duplicate IPs seen",
    // tcp: inet.c's whole block, then the count of connections in each state.
    "tcp:",
    "\t0 packets sent",
    "\t\t0 data packets (0 bytes)",
    "\t\t0 data packets (0 bytes) retransmitted",
    "\t\t0 data packets unnecessarily retransmitted",
    "\t\t0 resends initiated by MTU discovery",
    "\t\t0 ack-only packets (0 delayed)",
    "\t\t0 URG only packets",
    "\t\t0 window probe packets",
    "\t\t0 window update packets",
    "\t\t0 control packets",
    "\t0 packets received",
    "\t\t0 acks (for 0 bytes)",
    "\t\t0 duplicate acks",
    "\t\t0 acks for unsent data",
    "\t\t0 packets (0 bytes) received in-sequence",
    "\t\t0 completely duplicate packets (0 bytes)",
    "\t\t0 old duplicate packets",
    "\t\t0 packets with some dup. data (0 bytes duped)",
    "\t\t0 out-of-order packets (0 bytes)",
    "\t\t0 packets (0 bytes) of data after window",
    "\t\t0 window probes",
    "\t\t0 window update packets",
    "\t\t0 packets received after close",
    "\t\t0 discarded for bad checksums",
    "\t\t0 discarded for bad header offset fields",
    "\t\t0 discarded because packet too short",
    "\t\t0 discarded due to full reassembly queue",
    "\t0 connection requests",
    "\t0 connection accepts",
    "\t0 bad connection attempts",
    "\t0 listen queue overflows",
    "\t0 ignored RSTs in the windows",
    "\t0 connections established (including accepts)",
    "\t\t0 times used RTT from hostcache",
    "\t\t0 times used RTT variance from hostcache",
    "\t\t0 times used slow-start threshold from hostcache",
    "\t0 connections closed (including 0 drops)",
    "\t\t0 connections updated cached RTT on close",
    "\t\t0 connections updated cached RTT variance on close",
    "\t\t0 connections updated cached ssthresh on close",
    "\t0 embryonic connections dropped",
    "\t0 segments updated rtt (of 0 attempts)",
    "\t0 retransmit timeouts",
    "\t\t0 connections dropped by rexmit timeout",
    "\t0 persist timeouts",
    "\t\t0 connections dropped by persist timeout",
    "\t0 Connections (fin_wait_2) dropped because of timeout",
    "\t0 keepalive timeouts",
    "\t\t0 keepalive probes sent",
    "\t\t0 connections dropped by keepalive",
    "\t0 correct ACK header predictions",
    "\t0 correct data packet header predictions",
    "\t0 syncache entries added",
    "\t\t0 retransmitted",
    "\t\t0 dupsyn",
    "\t\t0 dropped",
    "\t\t0 completed",
    "\t\t0 bucket overflow",
    "\t\t0 cache overflow",
    "\t\t0 reset",
    "\t\t0 stale",
    "\t\t0 aborted",
    "\t\t0 badack",
    "\t\t0 unreach",
    "\t\t0 zone failures",
    "\t0 cookies sent",
    "\t0 cookies received",
    "\t0 hostcache entries added",
    "\t\t0 bucket overflow",
    "\t0 SACK recovery episodes",
    "\t0 segment rexmits in SACK recovery episodes",
    "\t0 byte rexmits in SACK recovery episodes",
    "\t0 SACK options (SACK blocks) received",
    "\t0 SACK options (SACK blocks) sent",
    "\t0 SACK scoreboard overflow",
    "\t0 packets received with ECN CE bit set",
    "\t0 packets received with ECN ECT(0) bit set",
    "\t0 packets received with ECN ECT(1) bit set",
    "\t0 packets sent with ECN ECT(0) bit set",
    "\t0 packets sent with ECN ECT(1) bit set",
    "\t0 successful ECN handshakes",
    "\t0 times ECN reduced the congestion window",
    "\t0 packets with matching signature received",
    "\t0 packets with bad signature received",
    "\t0 times failed to make signature due to no SA",
    "\t0 times unexpected signature received",
    "\t0 times no signature provided by segment",
    "\t0 Path MTU discovery black hole detection activations",
    "\t0 Path MTU discovery black hole detection min MSS activations",
    "\t0 Path MTU discovery black hole detection failures",
    "TCP connection count by state:",
    "\t0 connections in CLOSED state",
    "\t0 connections in LISTEN state",
    "\t0 connections in SYN_SENT state",
    "\t0 connections in SYN_RCVD state",
    "\t0 connections in ESTABLISHED state",
    "\t0 connections in CLOSE_WAIT state",
    "\t0 connections in FIN_WAIT_1 state",
    "\t0 connections in CLOSING state",
    "\t0 connections in LAST_ACK state",
    "\t0 connections in FIN_WAIT_2 state",
    "\t0 connections in TIME_WAIT state",
    // divert has no stats routine.
    "divert: no stats routine",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat -s forwarding counters: the forwarded line and its fast-forward part", async (t) => {
  const r = await run_script(
    `jail -c name=a persist vnet >/dev/null
jail -c name=r persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet r
ifconfig epair1a vnet r
ifconfig epair1b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec r ifconfig epair0b 10.0.0.2/24 up
jexec r ifconfig epair1a 10.0.1.1/24 up
jexec b ifconfig epair1b 10.0.1.2/24 up
jexec r sysctl net.inet.ip.forwarding=1 >/dev/null
jexec a route add default 10.0.0.2 >/dev/null
jexec b route add default 10.0.1.1 >/dev/null
jexec a ping -c 2 10.0.1.2 >/dev/null
jexec a ping -c 1 -t 2 10.9.9.9 >/dev/null
jexec r netstat -ss -p ip
jexec r netstat -ss -p icmp
jail -r a r b
`,
  );
  t.is(r.err, "");
  t.deepEqual(lines(r.out), [
    // ip_input and ip_tryforward both count a forwarded packet in
    // ips_total, as FreeBSD's do.
    "ip:",
    "\t10 total packets received",
    "\t4 packets forwarded (4 packets fast forwarded)",
    "\t1 packet not forwardable",
    "\t1 packet sent from this host",
    "\t1 output packet discarded due to no route",
    "icmp:",
    "\t1 call to icmp_error",
    "\tOutput histogram:",
    "\t\tdestination unreachable: 1",
    "\tICMP address mask responses are disabled",
    "a: removed",
    "r: removed",
    "b: removed",
    "",
  ]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat -i, -I, -W, -f link, -b -d: if.c's interface table", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ping -c 2 10.0.0.2 >/dev/null
${SHOW_MACS}jexec a netstat -i
jexec a netstat -inW
jexec a netstat -W -f link -i
jexec a netstat -n -I epair0a -bd
jexec a netstat -i -f inet
jexec a netstat -n -I epair7 -i
jail -r a b
`,
  );
  t.is(r.err, "");
  const { a, rest } = split_macs(r.out);
  t.deepEqual(lines(rest), [
    // Names are cut to five columns without -W; a '*' marks an interface that is down.
    "Name    Mtu Network       Address              Ipkts Ierrs Idrop    Opkts Oerrs  Coll",
    "lo0*  16384 <Link#1>      lo0                      0     0     0        0     0     0",
    // In: b's announcement, its ARP reply, two echo replies.  Out: the ARP
    // request and two echo requests; a's own announcement found no peer
    // yet (Oerrs).  The address row counts the IP packets of 10.0.0.1.
    `epair  1500 <Link#2>      ${a}        4     0     0        3     1     0`,
    "epair     - 10.0.0.0/24   10.0.0.1                 2     -     -        2     -     -",
    "Name      Mtu Network            Address              Ipkts Ierrs Idrop    Opkts Oerrs  Coll",
    "lo0*    16384 <Link#1>           lo0                      0     0     0        0     0     0",
    `epair0a  1500 <Link#2>           ${a}        4     0     0        3     1     0`,
    "epair0a     - 10.0.0.0/24        10.0.0.1                 2     -     -        2     -     -",
    "Name      Mtu Network            Address              Ipkts Ierrs Idrop    Opkts Oerrs  Coll",
    "lo0*    16384 <Link#1>           lo0                      0     0     0        0     0     0",
    `epair0a  1500 <Link#2>           ${a}        4     0     0        3     1     0`,
    "Name    Mtu Network       Address              Ipkts Ierrs Idrop     Ibytes    Opkts Oerrs     Obytes  Coll  Drop",
    `epair  1500 <Link#2>      ${a}        4     0     0        280        3     1        238     0     0 `,
    "epair     - 10.0.0.0/24   10.0.0.1                 2     -     -        168        2     -        168     -     - ",
    "Name    Mtu Network       Address              Ipkts Ierrs Idrop    Opkts Oerrs  Coll",
    "epair     - 10.0.0.0/24   10.0.0.1                 2     -     -        2     -     -",
    // An interface that does not exist: the header, no rows.
    "Name    Mtu Network       Address              Ipkts Ierrs Idrop    Opkts Oerrs  Coll",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat -m: mbuf.c's summary from the zone statistics", async (t) => {
  const r = await run_script(TWO_JAILS + `jexec a ping -c 2 10.0.0.2 >/dev/null\njail -r a b\nnetstat -m\n`);
  t.is(r.err, "");
  // Nothing happened after netstat -m: the zones are as it saw them.
  const z = r.k.mbuf_zone_stats();
  const mb = z.find((x) => x.name === "mbuf");
  const cl = z.find((x) => x.name === "mbuf_cluster");
  if (mb === undefined || cl === undefined) throw new Error("zones");
  const K = (n: number) => Math.floor(n / 1024);
  const out = lines(r.out).slice(2);
  t.deepEqual(out, [
    `${mb.used}/${mb.cached}/${mb.used + mb.cached} mbufs in use (current/cache/total)`,
    `${cl.used}/${cl.cached}/${cl.used + cl.cached}/${cl.max} mbuf clusters in use (current/cache/total/max)`,
    "0/0 mbuf+clusters out of packet secondary zone in use (current/cache)",
    "0/0/0/131072 4k (page size) jumbo clusters in use (current/cache/total/max)",
    "0/0/0/38836 9k jumbo clusters in use (current/cache/total/max)",
    "0/0/0/21845 16k jumbo clusters in use (current/cache/total/max)",
    `${K(mb.used * 256 + cl.used * 2048)}K/${K(mb.cached * 256 + cl.cached * 2048)}K/${K((mb.used + mb.cached) * 256 + (cl.used + cl.cached) * 2048)}K bytes allocated to network (current/cache/total)`,
    "0/0/0 requests for mbufs denied (mbufs/clusters/mbuf+clusters)",
    "0/0/0 requests for mbufs delayed (mbufs/clusters/mbuf+clusters)",
    "0/0/0 requests for jumbo clusters delayed (4k/9k/16k)",
    "0/0/0 requests for jumbo clusters denied (4k/9k/16k)",
    "0 sendfile syscalls",
    "0 sendfile syscalls completed without I/O request",
    "0 requests for I/O initiated by sendfile",
    "0 pages read by sendfile as part of a request",
    "0 pages were valid at time of a sendfile request",
    "0 pages were valid and substituted to bogus page",
    "0 pages were requested for read ahead by applications",
    "0 pages were read ahead by sendfile",
    "0 times sendfile encountered an already busy page",
    "0 requests for sfbufs denied",
    "0 requests for sfbufs delayed",
    "",
  ]);
  t.is(mb.used, 0);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

const USAGE = `usage: netstat [-46AaCcLnRSTWx] [-f protocol_family | -p protocol]
               [-M core] [-N system]
       netstat -i | -I interface [-46abdhnW] [-f address_family]
               [-M core] [-N system]
       netstat -w wait [-I interface] [-46d] [-M core] [-N system]
               [-q howmany]
       netstat -s [-46sz] [-f protocol_family | -p protocol]
               [-M core] [-N system]
       netstat -i | -I interface -s [-46s]
               [-f protocol_family | -p protocol] [-M core] [-N system]
       netstat -m [-M core] [-N system]
       netstat -B [-z] [-I interface]
       netstat -r [-46AnW] [-F fibnum] [-f address_family]
               [-M core] [-N system]
       netstat -rs [-s] [-M core] [-N system]
       netstat -g [-46W] [-f address_family] [-M core] [-N system]
       netstat -gs [-46s] [-f address_family] [-M core] [-N system]
       netstat -Q
`;

test("netstat: wrong arguments give main.c's messages and statuses", async (t) => {
  const r = await run_script(
    `netstat -y; echo "status $?"
netstat -p smtp; echo "status $?"
netstat -f appletalk -r; echo "status $?"
netstat -s -p ipx; echo "status $?"
netstat -I; echo "status $?"
`,
  );
  t.is(r.out, "status 1\nstatus 1\nstatus 1\nstatus 1\nstatus 1\n");
  t.is(
    r.err,
    "netstat: illegal option -- y\n" +
      USAGE +
      "netstat: smtp: unknown or uninstrumented protocol\n" +
      "netstat: appletalk: unknown address family\n" +
      "netstat: ipx: unknown or uninstrumented protocol\n" +
      "netstat: option requires an argument -- I\n" +
      USAGE,
  );
});

test("netstat, -a, -an, -p udp: inet.c's socket list (UDP and raw PCBs)", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec a ifconfig lo0 127.0.0.1/8 up
`);
  const k = r.k;
  const p = k.proc_create(k.cred0, "udp");
  t.is(k.sys_jail_attach_proc(p, k.prison_find_name("a")?.pr_id ?? -1), 0);
  const udp = () => k.sys_socket(p, k.AF_INET, k.SOCK_DGRAM, 0).fd;
  const s1 = udp();
  t.is(k.sys_bind(p, s1, new k.sockaddr_in(0x0a000001, 7)), 0);
  const s2 = udp();
  t.is(k.sys_bind(p, s2, new k.sockaddr_in(0, 5555)), 0);
  const s3 = udp();
  t.is(k.sys_bind(p, s3, new k.sockaddr_in(0x0a000001, 4000)), 0);
  t.is(k.sys_connect(p, s3, new k.sockaddr_in(0x0a000002, 9)), 0);
  const s4 = k.sys_socket(p, k.AF_INET, k.SOCK_RAW, k.IPPROTO_ICMP).fd;
  let out = "";
  const io = { stdin: "", stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (out += s) }, env: new Map<string, string>() };
  const root = k.proc_create(k.cred0, "sh");
  for (const argv of [["netstat"], ["netstat", "-an"], ["netstat", "-p", "udp"]]) t.is(await k.exec_prog(root, ["jexec", "a", ...argv], io), 0);
  const title = "Active Internet connections";
  const head = "Proto Recv-Q Send-Q Local Address          Foreign Address        (state)    ";
  // Without -a, sockets bound to the wildcard address are left out.  Port
  // names come from /etc/services, except for a remote port that differs
  // from a (non-ephemeral) local one, which protopr shows as a number.
  t.deepEqual(lines(out), [
    title,
    head,
    "udp4       0      0 10.0.0.1.4000          10.0.0.2.9             ",
    "udp4       0      0 10.0.0.1.echo          *.*                    ",
    `${title} (including servers)`,
    head,
    "udp4       0      0 10.0.0.1.4000          10.0.0.2.9             ",
    "udp4       0      0 *.5555                 *.*                    ",
    "udp4       0      0 10.0.0.1.7             *.*                    ",
    "icm4       0      0 *.*                    *.*                    ",
    title,
    head,
    "udp4       0      0 10.0.0.1.4000          10.0.0.2.9             ",
    "udp4       0      0 10.0.0.1.echo          *.*                    ",
    "",
  ]);
  for (const fd of [s1, s2, s3, s4]) k.sys_close(p, fd);
  k.proc_exit(p);
  t.is(await k.exec_prog(root, ["jail", "-r", "a"], io), 0);
  k.proc_exit(root);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat -B: the bpf descriptors of running tcpdumps, -I, -z, and who may look", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-netstat-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = await run_script(
    TWO_JAILS +
      `jexec a tcpdump -i epair0a -w cap.pcap 2>/dev/null &
jexec a tcpdump -p -l -n -i epair0a icmp >/dev/null 2>&1 &
sleep 1
jexec a ping -c 3 10.0.0.2 >/dev/null
netstat -B
echo ---
netstat -B -I epair0b
echo ---
jexec a ifconfig epair0a >ifc.txt
netstat -z -B
netstat -B -I epair0a
jail -c name=plain persist >/dev/null
jexec plain netstat -B; echo "plain=$?"
jexec a killall tcpdump
wait
echo ---
netstat -B
dmesg
jail -r a >/dev/null
jail -r b >/dev/null
jail -r plain >/dev/null
`,
    { cwd: dir },
  );
  // BIOCPROMISC put the interface in promiscuous mode while tcpdump ran.
  t.regex(fs.readFileSync(path.join(dir, "ifc.txt"), "utf8"), /^epair0a: flags=[0-9a-f]+<UP,BROADCAST,RUNNING,PROMISC,SIMPLEX,MULTICAST>/);
  const rows = lines(r.out);
  const head = "  Pid  Netif   Flags      Recv      Drop     Match Sblen Hblen Command";
  t.is(rows[0], head);
  // tcpdump: promiscuous, full-header, both directions; the second with
  // -p (not promiscuous) and -l (immediate mode), matching only ICMP.  Each
  // saw the three echo exchanges and the ARP request and reply.
  t.regex(rows[1], /^ {0,4}\d+ epair0a p-fs---         8         0         8     0     0 tcpdump$/);
  t.regex(rows[2], /^ {0,4}\d+ epair0a -ifs---         8         0         6     0     0 tcpdump$/);
  t.deepEqual(rows.slice(3, 6), ["---", head, "---"]);
  // -z zeroes the counters.
  t.is(rows[6], head);
  t.regex(rows[7], /^ {0,4}\d+ epair0a p-fs---         0         0         0     0     0 tcpdump$/);
  t.regex(rows[8], /^ {0,4}\d+ epair0a -ifs---         0         0         0     0     0 tcpdump$/);
  t.is(rows[9], "plain=0");
  // After the captures end nothing is listed, and promiscuous mode was on
  // for as long as the first tcpdump ran.
  t.is(rows[10], "---");
  t.true(rows.includes("epair0a: promiscuous mode enabled"));
  t.true(rows.indexOf("epair0a: promiscuous mode disabled") > rows.indexOf("epair0a: promiscuous mode enabled"));
  t.false(rows.includes(head, 11));
  t.regex(r.err, /netstat: net\.bpf\.stats: Operation not permitted\n/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat -rs: route.c's rt_stats from sysctl net.route.stats, per vnet and read-only", async (t) => {
  // Two pings to a network a has no route to: two lookups found nothing.
  const r = await run_script(
    TWO_JAILS +
      `jexec a ping -c 1 192.168.9.9 >/dev/null 2>&1
jexec a ping -c 1 192.168.9.9 >/dev/null 2>&1
jexec a netstat -rs
jexec b netstat -rs -s
jexec a sysctl net.route.stats=0; echo "status $?"
jail -r a b
`,
  );
  const o = lines(r.out);
  t.deepEqual(o.slice(0, 7), [
    "routing:",
    "\t0 bad routing redirects",
    "\t0 dynamically created routes",
    "\t0 new gateways due to redirects",
    `\t${o[4].match(/^\t(\d+) destinations found unreachable$/)?.[1] ?? "?"} destinations found unreachable`,
    "\t0 uses of a wildcard route",
    "\t0 routes not in table but not freed",
  ]);
  t.true(Number(o[4].trim().split(" ")[0]) >= 2, o[4]);
  // With -s twice only the counters that moved are shown: b's have not.
  t.deepEqual(o.slice(7, 8), ["routing:"]);
  t.is(o[8], "status 1");
  t.regex(r.err, /net\.route\.stats/);
  const k = r.k;
  const v = k.kernel_sysctlbyname(k.cred0, "net.route.stats");
  t.is(v.error, 0);
  t.true(Array.isArray(v.value));
  t.is((v.value as number[]).length, 11, "struct rtstat's 11 counters");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat and divert(4): protopr reads net.inet.divert.pcblist yet lists no divert socket, as FreeBSD 14's; -s -p divert has no stats routine", async (t) => {
  // a (10.0.0.1) pings b (10.0.0.2), whose ipfw diverts the request to
  // port 8668; a program in b has a divert socket bound there and does not
  // read it, so the request waits in its receive buffer.
  const r = await run_script(`kldload ipfw ipdivert
${TWO_JAILS}jexec a ipfw -q add allow ip from any to any
jexec b ipfw -q add 100 divert 8668 icmp from any to any in
jexec b ipfw -q add 200 allow ip from any to any
`);
  t.is(r.err, "");
  const k = r.k;
  const p = k.proc_create(k.cred0, "divd");
  t.is(k.sys_jail_attach_proc(p, k.prison_find_name("b")?.pr_id ?? -1), 0);
  const div = k.sys_socket(p, k.PF_DIVERT, k.SOCK_RAW, 0).fd;
  t.is(k.sys_bind(p, div, new k.sockaddr_in(0, 8668)), 0);
  // A UDP socket beside it, which netstat does list.
  const udp = k.sys_socket(p, k.AF_INET, k.SOCK_DGRAM, 0).fd;
  t.is(k.sys_bind(p, udp, new k.sockaddr_in(0x0a000002, 7)), 0);
  let out = "";
  let err = "";
  const io = { stdin: "", stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (err += s) }, env: new Map<string, string>() };
  const root = k.proc_create(k.cred0, "sh");
  const run = async (...argv: string[]): Promise<{ status: number; out: string; err: string }> => {
    out = "";
    err = "";
    const status = await k.exec_prog(root, argv, io);
    return { status, out, err };
  };
  t.regex((await run("jexec", "a", "ping", "-c", "1", "-t", "1", "10.0.0.2")).out, /1 packets transmitted, 0 packets received/);
  // The kernel counted the diverted request; the socket holds its 84 bytes.
  const st = k.kernel_sysctlbyname(p.p_ucred, "net.inet.divert.stats");
  t.deepEqual(st.value, [1, 0, 0, 0]);
  t.regex((await run("jexec", "b", "sockstat", "-4", "-P", "divert")).out, /divd .* div4 +\*:8668 +\*:\*\n$/);
  // Each divert record says xso_protocol 0 (the divert protosw has no
  // pr_protocol), and protopr keeps IPPROTO_DIVERT's only: the UDP socket
  // is there, the divert one is not, with -a, -an or -p divert.
  const head = "Proto Recv-Q Send-Q Local Address          Foreign Address        (state)    ";
  t.deepEqual(await run("jexec", "b", "netstat", "-an"), {
    status: 0,
    out: `Active Internet connections (including servers)\n${head}\nudp4       0      0 10.0.0.2.7             *.*                    \n`,
    err: "",
  });
  t.deepEqual(await run("jexec", "b", "netstat", "-a"), {
    status: 0,
    out: `Active Internet connections (including servers)\n${head}\nudp4       0      0 10.0.0.2.echo          *.*                    \n`,
    err: "",
  });
  t.deepEqual(await run("jexec", "b", "netstat", "-an", "-p", "divert"), { status: 0, out: "", err: "" });
  t.deepEqual(await run("jexec", "b", "netstat", "-an", "-p", "DIVERT"), { status: 0, out: "", err: "" });
  // --libxo: the socket list is opened for the routine and stays empty.
  t.deepEqual(await run("jexec", "b", "netstat", "-an", "-p", "divert", "--libxo", "json"), { status: 0, out: '{"statistics": {"socket": []}}\n', err: "" });
  const json = JSON.parse((await run("jexec", "b", "netstat", "-an", "--libxo", "json")).out) as { statistics: { socket: { protocol: string }[] } };
  t.deepEqual(
    json.statistics.socket.map((s) => s.protocol),
    ["udp4"],
  );
  // No divert statistics in netstat -s, though the kernel keeps them: the
  // routine is missing, which -p makes it say (xo_message: text and XML,
  // nothing in JSON).
  t.deepEqual(await run("jexec", "b", "netstat", "-s", "-p", "divert"), { status: 0, out: "divert: no stats routine\n", err: "" });
  t.deepEqual(await run("jexec", "b", "netstat", "-s", "-p", "divert", "--libxo", "xml"), {
    status: 0,
    out: "<statistics><message>divert: no stats routine\n</message></statistics>\n",
    err: "",
  });
  t.deepEqual(await run("jexec", "b", "netstat", "-s", "-p", "divert", "--libxo", "json"), { status: 0, out: '{"statistics": {}}\n', err: "" });
  t.false((await run("jexec", "b", "netstat", "-s")).out.includes("divert"));
  // Families and protocols netstat does not know by that name.
  t.deepEqual(await run("jexec", "b", "netstat", "-f", "divert"), { status: 1, out: "", err: "netstat: divert: unknown address family\n" });
  t.deepEqual(await run("jexec", "b", "netstat", "-p", "div"), { status: 1, out: "", err: "netstat: div: unknown or uninstrumented protocol\n" });
  // A protocol with statistics but no PCB routine says so under -p.
  t.deepEqual(await run("jexec", "b", "netstat", "-p", "arp"), { status: 0, out: "arp: no PCB routine\n", err: "" });
  t.is(k.sys_close(p, div), 0);
  t.is(k.sys_close(p, udp), 0);
  k.proc_exit(p);
  t.is((await run("jail", "-r", "a", "b")).status, 0);
  // Without ipdivert the list is not there (ENOENT), which protopr passes
  // over in silence.
  t.is((await run("kldunload", "-f", "ipdivert")).status, 0);
  t.deepEqual(await run("netstat", "-an", "-p", "divert"), { status: 0, out: "", err: "" });
  k.proc_exit(root);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
