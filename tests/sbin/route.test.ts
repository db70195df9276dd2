// sbin/route.ts: route(8) as sbin/route/route.c prints and exits: add,
// delete, change, get, flush and monitor over a routing socket, per fib,
// for IPv4 and IPv6 (with "%zone" gateways), and its errors.
import test from "ava";
import { run_script, TWO_JAILS } from "./prog_helpers.ts";

test("route add/delete/change/get: route.c's reports, per fib, with its errors and statuses", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ifconfig lo0 127.0.0.1/8 up
jexec a route add default 10.0.0.2
jexec a route add -net 192.168.5.0/24 10.0.0.2
jexec a route add -net 192.168.5.0/24 10.0.0.2
echo "status $?"
jexec a route change -net 192.168.5.0/24 10.0.0.3
jexec a route -q add 192.168.6.0/24 10.0.0.2
jexec a route add -host 172.16.1.1 10.0.0.2 -reject
jexec a route delete 1.2.3.4
echo "status $?"
jexec a route add -net 10.9.0.0/16 -gateway 10.0.0.2 -mtu 1280
jexec a route -n get 10.9.1.1
jexec a route -n get -net 192.168.5.0/24
jexec a route add -net 10.8.0.0/16 -interface epair9a
echo "status $?"
jexec a route add 10.7.0.0/33 10.0.0.2
echo "status $?"
jexec a route add 10.7.0.0/16 nosuchhost
echo "status $?"
jexec a route add 10.7.0.0/16 10.0.0.2 -bogus
echo "status $?"
jexec a route add
echo "status $?"
jexec a route frob
echo "status $?"
jexec a sysctl net.fibs=2 >/dev/null
jexec a route add -net 10.6.0.0/16 10.0.0.2 -fib 0,1
jexec a route add -net 10.6.0.0/16 10.0.0.2 -fib 1
echo "status $?"
jexec a route add -net 10.5.0.0/16 10.0.0.2 -fib 7
echo "status $?"
route -j b add -net 10.4.0.0/16 10.0.0.1
route -nj b get 10.4.1.1 | grep gateway
route -j nosuch get 10.4.1.1
echo "status $?"
jail -r a b
`,
  );
  t.is(
    r.out,
    [
      "add net default: gateway 10.0.0.2",
      "add net 192.168.5.0/24: gateway 10.0.0.2",
      "add net 192.168.5.0/24: gateway 10.0.0.2 fib 0: route already in table",
      "status 1",
      "change net 192.168.5.0/24: gateway 10.0.0.3",
      "add host 172.16.1.1: gateway 10.0.0.2",
      "delete host 1.2.3.4 fib 0: not in table",
      "status 1",
      "add net 10.9.0.0/16: gateway 10.0.0.2",
      "   route to: 10.9.1.1",
      "destination: 10.9.0.0",
      "       mask: 255.255.0.0",
      "    gateway: 10.0.0.2",
      "        fib: 0",
      "  interface: epair0a",
      "      flags: <UP,GATEWAY,DONE,STATIC,FIXEDMTU>",
      " recvpipe  sendpipe  ssthresh  rtt,msec    mtu        weight    expire",
      "       0         0         0         0      1280         1         0 ",
      "   route to: 192.168.5.0",
      "destination: 192.168.5.0",
      "       mask: 255.255.255.0",
      "    gateway: 10.0.0.3",
      "        fib: 0",
      "  interface: epair0a",
      "      flags: <UP,GATEWAY,DONE,STATIC>",
      " recvpipe  sendpipe  ssthresh  rtt,msec    mtu        weight    expire",
      "       0         0         0         0      1500         1         0 ",
      "status 65",
      "status 68",
      "status 68",
      "status 64",
      "status 64",
      "status 64",
      // fib 1 has no route to the gateway: the interfaces' routes are in fib 0.
      "add net 10.6.0.0/16: gateway 10.0.0.2 fib 0",
      "add net 10.6.0.0/16: gateway 10.0.0.2 fib 1: Network is unreachable",
      "add net 10.6.0.0/16: gateway 10.0.0.2 fib 1: Network is unreachable",
      "status 1",
      "status 64",
      "add net 10.4.0.0/16: gateway 10.0.0.1",
      "    gateway: 10.0.0.1",
      "status 1",
      "a: removed",
      "b: removed",
      "",
    ].join("\n"),
  );
  t.is(
    r.err,
    [
      "route: route has not been found",
      "route: interface 'epair9a' does not exist",
      "route: bad mask length: 33",
      "route: bad address: nosuchhost",
      "route: bad keyword: bogus",
      "route: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]",
      "route: destination parameter required",
      "route: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]",
      "route: bad keyword: frob",
      "route: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]",
      "route: writing to routing socket: Network is unreachable",
      "route: writing to routing socket: Network is unreachable",
      "route: invalid fib number: 7",
      "route: Jail not found",
      "",
    ].join("\n"),
  );
});

test("route flush deletes the gateway routes of a family and fib; route -v shows the messages", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ifconfig lo0 127.0.0.1/8 up
jexec a route add default 10.0.0.2 >/dev/null
jexec a route add -net 192.168.5.0/24 10.0.0.2 >/dev/null
jexec a route add -host 172.16.1.1 10.0.0.3 >/dev/null
jexec a route add -net 10.0.0.128/25 -iface epair0a >/dev/null
jexec a route flush -4
jexec a netstat -rn
jexec a route -v add -net 198.51.100.0/24 10.0.0.2
jexec a route flush -q
jexec a route flush -fib 3
echo "status $?"
jail -r a b
`,
  );
  t.is(
    r.out,
    [
      "default              10.0.0.2             -fib 0   done",
      "172.16.1.1           10.0.0.3             -fib 0   done",
      "192.168.5            10.0.0.2             -fib 0   done",
      "Routing tables",
      "",
      "Internet:",
      "Destination        Gateway            Flags     Netif Expire",
      "10.0.0.0/24        link#2             U       epair0a",
      "10.0.0.1           link#2             UHS         lo0",
      "10.0.0.128/25      link#2             US      epair0a",
      "127.0.0.1          link#1             UH          lo0",
      "RTM_ADD: Add Route: len 200, pid: 0, seq 1, errno 0, flags:<UP,GATEWAY,STATIC>",
      "locks:  inits: ",
      "sockaddrs: <DST,GATEWAY,NETMASK>",
      " 198.51.100.0 10.0.0.2 255.255.255.0",
      "add net 198.51.100.0/24: gateway 10.0.0.2",
      "status 64",
      "a: removed",
      "b: removed",
      "",
    ].join("\n"),
  );
});

test("route -n monitor prints what the routing socket hears until interrupted", async (t) => {
  const r = await run_script(
    `ifconfig lo0 inet 127.0.0.1/8 up
ifconfig epair create >/dev/null
ifconfig epair0a inet 10.0.0.1/24 up
route -n monitor &
route add -net 192.168.7.0/24 10.0.0.2 >/dev/null
route delete -net 192.168.7.0/24 >/dev/null
kill -INT $!
wait
echo "done $?"
`,
  );
  t.is(r.err, "");
  // The wall clock's date varies with the seed's boot time: compare without it.
  t.is(
    r.out.replace(/ on .*\n/g, " on DATE\n"),
    [
      "",
      "got message of size 200 on DATE",
      "RTM_ADD: Add Route: len 200, pid: 105, seq 1, errno 0, flags:<UP,GATEWAY,DONE,STATIC>",
      "locks:  inits: ",
      "sockaddrs: <DST,GATEWAY,NETMASK>",
      " 192.168.7.0 10.0.0.2 255.255.255.0",
      "",
      "got message of size 200 on DATE",
      "RTM_DELETE: Delete Route: len 200, pid: 106, seq 1, errno 0, flags:<GATEWAY,DONE,STATIC>",
      "locks:  inits: ",
      "sockaddrs: <DST,GATEWAY,NETMASK>",
      " 192.168.7.0 10.0.0.2 255.255.255.0",
      "done 0",
      "",
    ].join("\n"),
  );
});

test("route -6 and -inet6: %zone gateways, default, -prefixlen, get, delete, flush -6; netstat -rn -f inet6", async (t) => {
  const r = await run_script(
    `jail -c name=a persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
jexec a ifconfig lo0 up
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec a route add -inet6 2001:db8:1::/48 fe80::1%epair0a
jexec a route -6 add default 2001:db8::2
jexec a route add -6 -host 2001:db8:5::5 2001:db8::2
jexec a route add -6 -net 2001:db8:6:: -prefixlen 56 2001:db8::3
jexec a route add -6 -net 2001:db8:7::/64 fe80::1%epair9a
echo "status $?"
jexec a route add -6 -net 2001:db8:7::/129 2001:db8::3
echo "status $?"
jexec a route -6n get 2001:db8:1::5
jexec a route -6n get fe80::%epair0a/64
jexec a netstat -rn -f inet6
jexec a route -6 delete -net 2001:db8:6::/56
jexec a route -6 flush
jexec a netstat -rn -6
jexec a route -4 flush
jail -r a
`,
  );
  const ll = (s: string) => s.replace(/fe80::[0-9a-f]+:[0-9a-f:]+%/g, "fe80::ID%");
  t.is(ll(r.err), "route: fe80::1%epair9a: Name does not resolve\nroute: 2001:db8:7::/129: invalid prefixlen\n".replace("2001:db8:7::/129", "129"));
  // The link-local address comes from epair0a's MAC, so its length varies; its
  // column is 33 wide with -n (WID_DST_DEFAULT), which it never overflows.
  const lla = /fe80::[0-9a-f]+:[0-9a-f:]+%epair0a/.exec(r.out)?.[0] ?? "fe80::?%epair0a";
  t.is(
    r.out,
    [
      "add net 2001:db8:1::/48: gateway fe80::1%epair0a",
      "add net default: gateway 2001:db8::2",
      "add host 2001:db8:5::5: gateway 2001:db8::2",
      "add net 2001:db8:6::: gateway 2001:db8::3",
      "status 71",
      "status 64",
      "   route to: 2001:db8:1::5",
      "destination: 2001:db8:1::",
      "       mask: ffff:ffff:ffff::",
      "    gateway: fe80::1%epair0a",
      "        fib: 0",
      "  interface: epair0a",
      "      flags: <UP,GATEWAY,DONE,STATIC>",
      " recvpipe  sendpipe  ssthresh  rtt,msec    mtu        weight    expire",
      "       0         0         0         0      1500         1         0 ",
      "   route to: fe80::%epair0a",
      "destination: fe80::%epair0a",
      "       mask: ffff:ffff:ffff:ffff::",
      "        fib: 0",
      "  interface: epair0a",
      "      flags: <UP,DONE,PINNED>",
      " recvpipe  sendpipe  ssthresh  rtt,msec    mtu        weight    expire",
      "       0         0         0         0      1500         1         0 ",
      "Routing tables",
      "",
      "Internet6:",
      "Destination                       Gateway                       Flags     Netif Expire",
      "default                           2001:db8::2                   UGS     epair0a",
      "::1                               link#1                        UHS         lo0",
      "2001:db8::/64                     link#2                        U       epair0a",
      "2001:db8::1                       link#2                        UHS         lo0",
      "2001:db8:1::/48                   fe80::1%epair0a               UGS     epair0a",
      "2001:db8:5::5                     2001:db8::2                   UGHS    epair0a",
      "2001:db8:6::/56                   2001:db8::3                   UGS     epair0a",
      "fe80::%lo0/64                     link#1                        U           lo0",
      "fe80::1%lo0                       link#1                        UHS         lo0",
      "fe80::%epair0a/64                 link#2                        U       epair0a",
      `${lla.padEnd(33)} link#2                        UHS         lo0`,
      "delete net 2001:db8:6::/56",
      "::                   2001:db8::2          -fib 0   done",
      "2001:db8:1::         fe80::1%epair0a      -fib 0   done",
      "2001:db8:5::5        2001:db8::2          -fib 0   done",
      "Routing tables",
      "",
      "Internet6:",
      "Destination                       Gateway                       Flags     Netif Expire",
      "::1                               link#1                        UHS         lo0",
      "2001:db8::/64                     link#2                        U       epair0a",
      "2001:db8::1                       link#2                        UHS         lo0",
      "fe80::%lo0/64                     link#1                        U           lo0",
      "fe80::1%lo0                       link#1                        UHS         lo0",
      "fe80::%epair0a/64                 link#2                        U       epair0a",
      `${lla.padEnd(33)} link#2                        UHS         lo0`,
      "",
    ].join("\n"),
  );
});
