// netpfil/ipfw/ip_fw_nat.ts with sbin/ipfw_nat.ts, end to end: a NAT router
// jail lets a private LAN jail ping, send UDP and open TCP connections (nc)
// to a public jail, which sees the router's address; `ipfw nat show log`
// counts the links, `ipfw nat show config` prints the instance back; an
// instance on `if IFNAME` follows the address the interface gets later;
// reconfigured with redirect_port it lets a connection in while deny_in
// turns the rest away, and draws alias ports from port_range; delete and
// kldunload undo it all; no mbuf is left behind.  (One kernel for the
// whole story: loading one is most of the time.)
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { NAT_TRAFFIC, nat_net, run_script } from "../../sbin/prog_helpers.ts";

const NAT_NET = nat_net("ipfw ipfw_nat", false);

test("a NAT router jail between a LAN jail and a public jail", async (t) => {
  const r = await run_script(
    NAT_NET +
      `jexec gw ipfw nat 1 config if epair1a log same_ports
jexec gw ifconfig epair1a 198.51.100.1/24 up
jexec gw ipfw -q add 100 nat 1 ip from any to any via epair1a
jexec gw ipfw -q add 200 allow ip from any to any
${NAT_TRAFFIC}cat udp.out tcp.out
jexec gw ipfw nat show log
jexec gw ipfw nat show config
echo ---
jexec gw ipfw -q nat 1 config ip 198.51.100.1 deny_in port_range 40000-40999 redirect_port tcp 192.168.0.2:80 8080
jexec lan nc -l -v -n 80 > in.out &
sleep 1
echo inbound | jexec pub nc -N -p 5555 198.51.100.1 8080
wait %3
cat in.out
jexec pub nc -l -v -n 6001 > /dev/null &
sleep 1
echo out | jexec lan nc -N -p 4002 198.51.100.2 6001
wait %4
jexec pub ping -c 1 -t 1 198.51.100.1 | grep transmitted
jexec gw ipfw nat show config
jexec gw ipfw -q nat 1 delete
jexec gw ipfw nat show config
jexec gw ipfw nat 1 delete
jail -r lan gw pub >/dev/null
kldunload ipfw_nat ipfw
`,
    { seed: 7, cwd: fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-nat-")) },
  );
  const [one, two] = r.out.split("---\n");
  t.is(
    one,
    "ipfw nat 1 config if epair1a log same_ports\n" +
      "2 packets transmitted, 2 packets received, 0.0% packet loss\n" +
      "hello\nover tcp\n" +
      "nat 1: icmp=1, udp=1, tcp=1, sctp=0, pptp=0, proto=0, frag_id=0 frag_ptr=0 / tot=3\n" +
      "ipfw nat 1 config if epair1a log same_ports\n",
  );
  t.is(two, "inbound\n1 packets transmitted, 0 packets received, 100.0% packet loss\nipfw nat 1 config ip 198.51.100.1 deny_in port_range 40000-40999 redirect_port tcp 192.168.0.2:80 8080\n");
  // The public side saw the router, with the LAN's ports (same_ports), then
  // a port from the range; the LAN host saw the public peer as it is.
  const m = /^Connection from 198\.51\.100\.1 4000 received!\nConnection from 198\.51\.100\.1 4001 received!\nConnection from 198\.51\.100\.2 5555 received!\nConnection from 198\.51\.100\.1 (\d+) received!\nipfw: nat 1 not available: No such process\n$/.exec(r.err);
  t.truthy(m, r.err);
  const port = Number(m?.[1]);
  t.true(port >= 40000 && port <= 40999, `alias port ${port} in the range`);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
