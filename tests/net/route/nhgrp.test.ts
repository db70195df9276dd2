// net/route/nhgrp (multipath routes): two gateways for one prefix through
// route(8), both in netstat -rn, route get by gateway, deleting one member,
// weights, the errors (EEXIST, ESRCH); UDP flows spread over the members by
// flowid once net.route.hash_outbound is on, one flow always on one member;
// a member on a down interface; IPv4 and IPv6.
import test from "ava";
import { run_script, type script_result } from "../../sbin/prog_helpers.ts";
import type { Kernel } from "../../helpers/builds.ts";
import { inv, ifp } from "../../netinet/rt_helpers.ts";

// Host (vnet0): epair0a 10.0.0.1/24, epair1a 10.0.1.1/24; jail r: the b
// ends, and 192.168.5.1 / 3fff:5::1 on its lo0, reachable through both.
const TOPO = `jail -c name=r persist vnet >/dev/null
ifconfig epair0 create >/dev/null
ifconfig epair1 create >/dev/null
ifconfig epair0b vnet r
ifconfig epair1b vnet r
ifconfig epair0a 10.0.0.1/24 up
ifconfig epair1a 10.0.1.1/24 up
ifconfig epair0a inet6 3fff:1::1/64
ifconfig epair1a inet6 3fff:2::1/64
jexec r ifconfig epair0b 10.0.0.2/24 up
jexec r ifconfig epair1b 10.0.1.2/24 up
jexec r ifconfig epair0b inet6 3fff:1::2/64
jexec r ifconfig epair1b inet6 3fff:2::2/64
jexec r ifconfig lo0 inet 192.168.5.1/32 up
jexec r ifconfig lo0 inet6 3fff:5::1/128
`;

test("route(8): a second gateway joins the prefix; netstat -rn lists both; delete by gateway; EEXIST, ESRCH", async (t) => {
  const r = await run_script(
    TOPO +
      `sysctl net.route.multipath net.route.hash_outbound
route add -net 192.168.6.0/24 10.0.0.2
route add -net 192.168.6.0/24 10.0.1.2 -weight 3
route add -net 192.168.6.0/24 10.0.1.2
echo "status $?"
route delete -net 192.168.6.0/24 10.0.0.9
echo "status $?"
sysctl net.route.hash_outbound
netstat -rn -f inet | grep 192.168.6
route -n get -net 192.168.6.0/24 10.0.1.2 | grep gateway
route -n get -net 192.168.6.0/24 10.0.0.9
echo "status $?"
route -6 add -net 3fff:6::/64 3fff:1::2
route -6 add -net 3fff:6::/64 3fff:2::2
netstat -rn -f inet6 | grep 3fff:6
route delete -net 192.168.6.0/24 10.0.0.2
netstat -rn -f inet | grep 192.168.6
route -6 delete -net 3fff:6::/64 3fff:2::2
netstat -rn -f inet6 | grep 3fff:6
route delete -net 192.168.6.0/24 10.0.1.2
netstat -rn -f inet | grep -c 192.168.6
sysctl net.route.multipath=0
route add -net 192.168.7.0/24 10.0.0.2
route add -net 192.168.7.0/24 10.0.1.2
echo "status $?"
sleep 30
`,
  );
  t.is(
    r.out,
    [
      "net.route.multipath: 1",
      "net.route.hash_outbound: 0",
      "add net 192.168.6.0/24: gateway 10.0.0.2",
      "add net 192.168.6.0/24: gateway 10.0.1.2",
      "add net 192.168.6.0/24: gateway 10.0.1.2 fib 0: route already in table",
      "status 1",
      "delete net 192.168.6.0/24: gateway 10.0.0.9 fib 0: not in table",
      "status 1",
      "net.route.hash_outbound: 1",
      "192.168.6.0/24     10.0.0.2           UGS     epair0a",
      "192.168.6.0/24     10.0.1.2           UGS     epair1a",
      "    gateway: 10.0.1.2",
      "status 1",
      "add net 3fff:6::/64: gateway 3fff:1::2",
      "add net 3fff:6::/64: gateway 3fff:2::2",
      "3fff:6::/64                       3fff:1::2                     UGS     epair0a",
      "3fff:6::/64                       3fff:2::2                     UGS     epair1a",
      "delete net 192.168.6.0/24: gateway 10.0.0.2",
      "192.168.6.0/24     10.0.1.2           UGS     epair1a",
      "delete net 3fff:6::/64: gateway 3fff:2::2",
      "3fff:6::/64                       3fff:1::2                     UGS     epair0a",
      "delete net 192.168.6.0/24: gateway 10.0.1.2",
      "0",
      "net.route.multipath: 1 -> 0",
      "add net 192.168.7.0/24: gateway 10.0.0.2",
      "add net 192.168.7.0/24: gateway 10.0.1.2 fib 0: route already in table",
      "status 1",
      "",
    ].join("\n"),
  );
  t.is(r.err, "route: route has not been found\nroute: route has not been found\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

type Proc = ReturnType<Kernel["proc_create"]>;

function opackets(k: Kernel, name: string): number {
  return inv(k, k.vnet0, () => k.if_get_counter(ifp(k, name), k.IFCOUNTER_OPACKETS));
}

/**
 * Send `per` datagrams of each of `flows` UDP flows (source ports 20000 +
 * i) to dst; for each flow, the member interface all its datagrams left by
 * ("epair0a", "epair1a", or "split" if they did not stay together).
 */
function flows_by_member(k: Kernel, p: Proc, v6: boolean, flows: number, per: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < flows; i++) {
    const s = k.sys_socket(p, v6 ? k.PF_INET6 : k.PF_INET, k.SOCK_DGRAM, 0);
    if (s.error !== 0) throw new Error(`socket: ${s.error}`);
    const src = v6 ? new k.sockaddr_in6(new k.in6_addr(), 20000 + i) : new k.sockaddr_in(0, 20000 + i);
    if (k.sys_bind(p, s.fd, src) !== 0) throw new Error("bind");
    const dst = v6 ? new k.sockaddr_in6(k.inet_pton6("3fff:5::1") ?? new k.in6_addr(), 9) : new k.sockaddr_in(k.inet_aton("192.168.5.1") ?? 0, 9);
    const a0 = opackets(k, "epair0a");
    const a1 = opackets(k, "epair1a");
    for (let j = 0; j < per; j++) {
      const e = k.sys_sendto(p, s.fd, new Uint8Array(8), 0, dst).error;
      if (e !== 0) throw new Error(`sendto: ${e}`);
      k.kern_advance_ns(1_000_000);
    }
    const d0 = opackets(k, "epair0a") - a0;
    const d1 = opackets(k, "epair1a") - a1;
    out.push(d0 === per && d1 === 0 ? "epair0a" : d1 === per && d0 === 0 ? "epair1a" : `split ${d0}/${d1}`);
    k.sys_close(p, s.fd);
  }
  return out;
}

/** One datagram to each gateway, so that ARP/ND resolution sends nothing while flows are counted. */
function warm(k: Kernel, p: Proc, v6: boolean): void {
  const s = k.sys_socket(p, v6 ? k.PF_INET6 : k.PF_INET, k.SOCK_DGRAM, 0);
  for (const gw of v6 ? ["3fff:1::2", "3fff:2::2"] : ["10.0.0.2", "10.0.1.2"]) {
    const dst = v6 ? new k.sockaddr_in6(k.inet_pton6(gw) ?? new k.in6_addr(), 9) : new k.sockaddr_in(k.inet_aton(gw) ?? 0, 9);
    k.sys_sendto(p, s.fd, new Uint8Array(8), 0, dst);
    k.kern_advance_ns(10_000_000);
  }
  k.sys_close(p, s.fd);
}

async function ecmp_topology(): Promise<script_result> {
  return run_script(
    TOPO +
      `route add -host 192.168.5.1 10.0.0.2 >/dev/null
route add -host 192.168.5.1 10.0.1.2 >/dev/null
route -6 add -host 3fff:5::1 3fff:1::2 >/dev/null
route -6 add -host 3fff:5::1 3fff:2::2 >/dev/null
ping -c1 -t1 10.0.0.2 >/dev/null
ping -c1 -t1 10.0.1.2 >/dev/null
ping -6 -c1 3fff:1::2 >/dev/null
ping -6 -c1 3fff:2::2 >/dev/null
`,
  );
}

for (const v6 of [false, true]) {
  const fam = v6 ? "IPv6" : "IPv4";
  test(`${fam}: UDP flows spread over both members by flowid, each flow on one; a down member's flows move to the other`, async (t) => {
    const r = await ecmp_topology();
    t.is(r.status, 0, r.err);
    const k = r.k;
    const p = k.proc_create(k.cred0, "t");
    const spread = flows_by_member(k, p, v6, 12, 3);
    t.false(spread.some((x) => x.startsWith("split")), spread.join(" "));
    t.true(spread.includes("epair0a") && spread.includes("epair1a"), spread.join(" "));
    // The same flows again take the same members.
    t.deepEqual(flows_by_member(k, p, v6, 12, 3), spread);
    // epair0a down (ifconfig epair0a down's if_down): every flow leaves by
    // epair1a; back up: as before.
    inv(k, k.vnet0, () => k.if_down(ifp(k, "epair0a")));
    t.deepEqual(flows_by_member(k, p, v6, 12, 1), spread.map(() => "epair1a"));
    inv(k, k.vnet0, () => k.if_up(ifp(k, "epair0a")));
    warm(k, p, v6);
    t.deepEqual(flows_by_member(k, p, v6, 12, 1), spread);
    k.proc_exit(p);
    // Let the timers that still hold packets (MLD reports, DAD) run out.
    k.kern_advance_ns(30_000_000_000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

/** Destination ports spread over the 16 bits (output.sh's list): a run of
 *  consecutive ports changes only low bits, which the Toeplitz hash's low
 *  bit may not see. */
const PORTS = [53540, 49743, 43067, 9131, 16734, 5150, 14379, 40292, 20634, 51302, 3387, 24387, 9282, 14275, 42103, 26881];

/**
 * Connect `n` TCP sockets to PORTS (nothing answers: the SYN is all that
 * leaves); for each, the member its SYN left by.  in_pcbconnect gives a
 * connected socket its flowid once net.route.hash_outbound is on.
 */
function syns_by_member(k: Kernel, p: Proc, v6: boolean, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = k.sys_socket(p, v6 ? k.PF_INET6 : k.PF_INET, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0);
    if (s.error !== 0) throw new Error(`socket: ${s.error}`);
    const dst = v6 ? new k.sockaddr_in6(k.inet_pton6("3fff:5::1") ?? new k.in6_addr(), PORTS[i]) : new k.sockaddr_in(k.inet_aton("192.168.5.1") ?? 0, PORTS[i]);
    const a0 = opackets(k, "epair0a");
    const a1 = opackets(k, "epair1a");
    const e = k.sys_connect(p, s.fd, dst);
    if (e !== k.EINPROGRESS) throw new Error(`connect: ${e}`);
    k.kern_advance_ns(1_000_000);
    const d0 = opackets(k, "epair0a") - a0;
    const d1 = opackets(k, "epair1a") - a1;
    out.push(d0 === 1 && d1 === 0 ? "epair0a" : d1 === 1 && d0 === 0 ? "epair1a" : `${d0}/${d1}`);
    k.sys_close(p, s.fd);
  }
  return out;
}

for (const v6 of [false, true]) {
  const fam = v6 ? "IPv6" : "IPv4";
  test(`${fam}: TCP connections spread over both members by the flowid in_pcbconnect gives them; the same destination, the same member`, async (t) => {
    const r = await ecmp_topology();
    t.is(r.status, 0, r.err);
    const k = r.k;
    const p = k.proc_create(k.cred0, "t");
    const spread = syns_by_member(k, p, v6, 16);
    t.true(spread.every((x) => x === "epair0a" || x === "epair1a"), spread.join(" "));
    t.true(spread.includes("epair0a") && spread.includes("epair1a"), spread.join(" "));
    t.deepEqual(syns_by_member(k, p, v6, 16), spread);
    k.proc_exit(p);
    k.kern_advance_ns(120_000_000_000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
