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
jexec a route add -net 192.168.5.0/24 10.0.0.3
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
      "add net 192.168.5.0/24: gateway 10.0.0.3 fib 0: route already in table",
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
