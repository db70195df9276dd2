// sbin/natd.ts (sbin/natd/natd.c): natd(8).  What the option parser and
// main's checks refuse, with natd's messages and exit status 1; options
// read from a -f file (comments, blank lines, several words of parameters)
// and a file whose last line has no newline.  Then natd on a router jail
// behind `ipfw add divert natd ... via <outside if>`: a LAN jail's ping,
// UDP and TCP reach a public jail, which sees only the router's address;
// -redirect_port lets a connection in; natd daemonizes (pid file, gone
// after SIGTERM and the exit delay); -verbose prints each packet; two
// instances, one with -in_port/-out_port, and -dynamic; no mbuf
// is left behind.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NAT_TRAFFIC, nat_net, run_script } from "./prog_helpers.ts";

test("natd: the parser's and main's refusals, exit status 1", async (t) => {
  const r = await run_script(`natd; echo s0=$?
natd -a 192.0.2.1 -n epair0a; echo s1=$?
natd -a 192.0.2.1 -m maybe; echo s2=$?
natd -a 192.0.2.1 -in_port 100; echo s3=$?
natd -a 192.0.2.1 -exit_delay 1000000; echo s4=$?
natd -a 192.0.2.1 -redirect_port udp 10.0.0.5:53 53 10.1.1.1:1-2; echo s5=$?
natd -a 192.0.2.1 -redirect_address 10.0.0.5; echo s6=$?
natd -a 192.0.2.1 -proxy_only -instance second; echo s7=$?
natd -a 192.0.2.1 -punch_fw 100:10; echo s8=$?
natd -a 192.0.2.1 -proxy_rule port 80 server 10.0.0.5:80; echo s9=$?
natd -a 192.0.2.1; echo s10=$?
`);
  t.is(r.out, "s0=1\ns1=1\ns2=1\ns3=1\ns4=1\ns5=1\ns6=1\ns7=1\ns8=1\ns9=1\ns10=1\n");
  t.is(
    r.err,
    [
      "natd: instance default: aliasing address not given",
      "natd: both alias address and interface name are not allowed",
      "natd: m needs yes/no parameter",
      "natd: both input and output ports are required",
      "natd: Incorrect exit delay: 1000000",
      "natd: redirect_port: remote port must be 0 or equal to local port range in size",
      "natd: redirect_address: missing public address",
      // The new instance has neither an address nor -proxy_only.
      "natd: instance second: aliasing address not given",
      // No ipfw loaded: natd's warning, then the historical default.
      "natd: Failed to get the default ipfw rule number, using default historical value 65535.  The reason was: No such file or directory",
      "natd: punch_fw: firewall punching is not built into this libalias (NO_FW_PUNCH)",
      "natd: proxy_rule: transparent proxy rules are not built into this libalias",
      // Without ipdivert there is no PF_DIVERT.
      "natd: Unable to create divert socket.: Address family not supported by protocol family",
      "",
    ].join("\n"),
  );
});

test("natd: an unknown option prints the option table", async (t) => {
  const r = await run_script("natd -nosuch; echo s=$?\n");
  t.is(r.out, "s=1\n");
  const lines = r.err.split("\n");
  t.is(lines[0], "natd: unknown option nosuch");
  t.is(lines[1], "Recognized options:");
  t.true(lines.includes("-unregistered_only    [yes|no]"));
  t.true(lines.includes("-u                    [yes|no]"));
  t.true(lines.includes("      alias only unregistered addresses"));
  t.true(lines.includes("-exit_delay           ms"));
});

test("natd: -f reads options from a file; its last line must end in a newline", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-natd-"));
  fs.writeFileSync(path.join(dir, "good.conf"), "# natd.conf\n\n  alias_address 192.0.2.1   # the public address\nredirect_port tcp 10.0.0.5:80 8080\nsame_ports no\nexit_delay 50\n");
  fs.writeFileSync(path.join(dir, "bad.conf"), "alias_address 192.0.2.1\nexit_delay 2000000\n");
  fs.writeFileSync(path.join(dir, "nonl.conf"), "alias_address 192.0.2.1");
  fs.writeFileSync(path.join(dir, "word.conf"), "redirect_port tcp\n");
  const r = await run_script("natd -f good.conf; echo g=$?\nnatd -f bad.conf; echo b=$?\nnatd -f nonl.conf; echo n=$?\nnatd -a 192.0.2.1 -f word.conf; echo w=$?\n", { cwd: dir });
  t.is(r.out, "g=1\nb=1\nn=1\nw=1\n");
  t.is(
    r.err,
    [
      // good.conf is taken whole: natd gets as far as the divert socket.
      "natd: Unable to create divert socket.: Address family not supported by protocol family",
      "natd: Incorrect exit delay: 2000000",
      "natd: config file format error: last line should end with newline",
      "natd: redirect_port: missing local address",
      "",
    ].join("\n"),
  );
});

const NAT_NET = nat_net("ipfw ipdivert", true);

test("natd on a router jail: the LAN's ping, UDP and TCP reach the public jail from the router's address; redirect_port lets a connection in; SIGHUP reads a new address", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-natd-"));
  const r = await run_script(
    NAT_NET +
      `jexec gw ipfw -q add 100 divert natd all from any to any via epair1a
jexec gw ipfw -q add 200 allow ip from any to any
jexec gw natd -n epair1a -same_ports -P ${dir}/natd.pid -redirect_port tcp 192.168.0.2:80 8080; echo natd=$?
test -s ${dir}/natd.pid && echo pidfile
${NAT_TRAFFIC}jexec lan nc -l -v -n 80 > in.out &
sleep 1
echo inbound | jexec pub nc -N -p 5555 198.51.100.1 8080
wait %3
cat udp.out tcp.out in.out
jexec gw ifconfig epair1a 198.51.100.9/24 alias
jexec gw ifconfig epair1a 198.51.100.1 -alias
kill -HUP $(cat ${dir}/natd.pid)
jexec pub nc -u -l -w 2 -v -n 5001 > /dev/null &
sleep 1
echo again | jexec lan nc -u -w 1 -p 4002 198.51.100.2 5001
wait %4
kill $(cat ${dir}/natd.pid)
sleep 11
test -e ${dir}/natd.pid || echo pidfile gone
jexec lan ping -c 1 -t 1 198.51.100.2 | grep transmitted
jail -r lan gw pub >/dev/null
kldunload ipdivert; echo unload=$?
`,
    { seed: 5, cwd: dir },
  );
  t.is(
    r.out,
    "natd=0\npidfile\n2 packets transmitted, 2 packets received, 0.0% packet loss\nhello\nover tcp\ninbound\npidfile gone\n1 packets transmitted, 0 packets received, 100.0% packet loss\nunload=1\n",
  );
  // The public jail saw the router with the LAN's ports (-same_ports); the
  // LAN host saw the public one as it is; after SIGHUP the router's new
  // address is the alias.
  // (ipdivert, as FreeBSD's, refuses to be unloaded: MOD_QUIESCE says EPERM.)
  t.is(
    r.err,
    "Connection from 198.51.100.1 4000 received!\nConnection from 198.51.100.1 4001 received!\nConnection from 198.51.100.2 5555 received!\nConnection from 198.51.100.9 4002 received!\nkldunload: can't unload file: Operation not permitted\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("natd -verbose stays in the foreground and prints each packet before and after translation; -deny_incoming drops what no link expects", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-natd-"));
  const r = await run_script(
    NAT_NET +
      `jexec gw ipfw -q add 100 divert 8668 all from any to any via epair1a
jexec gw ipfw -q add 200 allow ip from any to any
jexec gw natd -v -a 198.51.100.1 -exit_delay 0 -deny_incoming -log_denied > natd.out 2> natd.err &
sleep 1
jexec lan ping -c 1 198.51.100.2 | grep transmitted
jexec pub ping -c 1 -t 1 198.51.100.1 | grep transmitted
jexec gw killall natd
wait
cat natd.out natd.err
`,
    { seed: 5, cwd: dir },
  );
  t.is(
    r.out.replace(/^natd\[\d+\]:/gm, "natd[PID]:"),
    "1 packets transmitted, 1 packets received, 0.0% packet loss\n" +
      "1 packets transmitted, 0 packets received, 100.0% packet loss\n" +
      "Out {default}[ICMP] [ICMP] 192.168.0.2 -> 198.51.100.2 8(0) aliased to\n" +
      "           [ICMP] 198.51.100.1 -> 198.51.100.2 8(0)\n" +
      "In  {default}[ICMP] [ICMP] 198.51.100.2 -> 198.51.100.1 0(0) aliased to\n" +
      "           [ICMP] 198.51.100.2 -> 192.168.0.2 0(0)\n" +
      "In  {default}[ICMP] [ICMP] 198.51.100.2 -> 198.51.100.1 8(0) dropped.\n" +
      "natd[PID]: denied [ICMP] 198.51.100.2 -> 198.51.100.1 8(0)\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("natd -dynamic follows the interface's address through the routing socket", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-natd-"));
  const r = await run_script(
    nat_net("ipfw ipdivert", false) +
      `jexec gw ipfw -q add 100 divert natd ip from any to any via epair1a
jexec gw ipfw -q add 200 allow ip from any to any
jexec gw natd -v -n epair1a -dynamic -exit_delay 0 > natd.out 2>&1 &
sleep 1
jexec gw ifconfig epair1a 198.51.100.1/24 up
sleep 1
jexec lan ping -c 1 198.51.100.2 | grep transmitted
jexec gw ifconfig epair1a 198.51.100.9/24 alias
jexec gw ifconfig epair1a 198.51.100.1 -alias
sleep 1
jexec lan ping -c 1 198.51.100.2 | grep transmitted
jexec gw killall natd
wait
grep -v '^Routing message' natd.out
`,
    { seed: 5, cwd: dir },
  );
  t.is(
    r.out.replace(/^natd\[\d+\]:/gm, "natd[PID]:"),
    "1 packets transmitted, 1 packets received, 0.0% packet loss\n".repeat(2) +
      "natd[PID]: Aliasing to 198.51.100.1, mtu 1500 bytes\n" +
      "Out {default}[ICMP] [ICMP] 192.168.0.2 -> 198.51.100.2 8(0) aliased to\n" +
      "           [ICMP] 198.51.100.1 -> 198.51.100.2 8(0)\n" +
      "In  {default}[ICMP] [ICMP] 198.51.100.2 -> 198.51.100.1 0(0) aliased to\n" +
      "           [ICMP] 198.51.100.2 -> 192.168.0.2 0(0)\n" +
      "Interface address/MTU has probably changed.\n" +
      "natd[PID]: Aliasing to 198.51.100.9, mtu 1500 bytes\n" +
      "Out {default}[ICMP] [ICMP] 192.168.0.2 -> 198.51.100.2 8(0) aliased to\n" +
      "           [ICMP] 198.51.100.9 -> 198.51.100.2 8(0)\n" +
      "In  {default}[ICMP] [ICMP] 198.51.100.2 -> 198.51.100.9 0(0) aliased to\n" +
      "           [ICMP] 198.51.100.2 -> 192.168.0.2 0(0)\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("natd with two instances: one on a single socket, one with -in_port/-out_port (the direction from the socket)", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-natd-"));
  const net = NAT_NET.replace("jexec lan route", "jexec lan ifconfig epair0a 192.168.0.3/24 alias\njexec lan route").replace(
    "jexec gw sysctl",
    "jexec gw ifconfig epair1a 198.51.100.9/24 alias\njexec gw sysctl",
  );
  const r = await run_script(
    net +
      `jexec gw ipfw -q add 100 divert 8668 ip from 192.168.0.2 to any out xmit epair1a
jexec gw ipfw -q add 101 divert 8672 ip from 192.168.0.3 to any out xmit epair1a
jexec gw ipfw -q add 102 divert 8668 ip from any to 198.51.100.1 in recv epair1a
jexec gw ipfw -q add 103 divert 8671 ip from any to 198.51.100.9 in recv epair1a
jexec gw ipfw -q add 200 allow ip from any to any
jexec gw natd -v -p 8668 -a 198.51.100.1 -instance second -i 8671 -o 8672 -a 198.51.100.9 -globalport 8670 -exit_delay 0 > natd.out 2>&1 &
sleep 1
jexec lan ping -c 1 -S 192.168.0.2 198.51.100.2 | grep transmitted
jexec lan ping -c 1 -S 192.168.0.3 198.51.100.2 | grep transmitted
jexec gw killall natd
wait
cat natd.out
`,
    { seed: 5, cwd: dir },
  );
  t.is(
    r.out,
    "1 packets transmitted, 1 packets received, 0.0% packet loss\n".repeat(2) +
      "Out {default}[ICMP] [ICMP] 192.168.0.2 -> 198.51.100.2 8(0) aliased to\n" +
      "           [ICMP] 198.51.100.1 -> 198.51.100.2 8(0)\n" +
      "In  {default}[ICMP] [ICMP] 198.51.100.2 -> 198.51.100.1 0(0) aliased to\n" +
      "           [ICMP] 198.51.100.2 -> 192.168.0.2 0(0)\n" +
      "Out {second}[ICMP] [ICMP] 192.168.0.3 -> 198.51.100.2 8(0) aliased to\n" +
      "           [ICMP] 198.51.100.9 -> 198.51.100.2 8(0)\n" +
      "In  {second}[ICMP] [ICMP] 198.51.100.2 -> 198.51.100.9 0(0) aliased to\n" +
      "           [ICMP] 198.51.100.2 -> 192.168.0.3 0(0)\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
