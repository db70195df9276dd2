// ipfw on the pfil heads (netpfil/ipfw/ip_fw_pfil.ts): the enable sysctls
// link and unlink the hooks, the module's load and unload, vnets made after
// the load, the default_to_accept tunable, layer 2 (net.link.ether.ipfw) and
// fwd's next-hop tags.
import test from "ava";
import { loadKernelUnbooted, type Kernel } from "../../helpers/builds.ts";
import * as F from "../../../netinet/ip_fw.ts";
import { FWD, I, IPADDR, RANGES, install_fw, rule_body, xadd } from "./ipfw_helpers.ts";

async function run(rules: [string, Uint8Array][], script: string, tunables?: Record<string, string>): Promise<{ k: Kernel; out: string; err: string }> {
  const k = await loadKernelUnbooted("vimage");
  install_fw(k, new Map(rules.map(([n, b]) => [n, xadd(b)])));
  const r = { k, out: "", err: "" };
  await k.virtnet_run_script(script, {
    seed: 1,
    pcapdir: null,
    name: "ipfw",
    stdout: { write: (d: string) => void (r.out += d) },
    stderr: { write: (d: string) => void (r.err += d) },
    cwd: process.cwd(),
    tunables,
  });
  return r;
}

const PAIR = `
jail -c name=a persist vnet
jail -c name=b persist vnet
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
`;

test("net.inet.ip.fw.enable unlinks and relinks the hook; kldunload takes ipfw away; a vnet made after the load has its chain", async (t) => {
  const r = await run(
    [],
    `kldload ipfw
` +
      PAIR +
      `
jexec a ping -c 1 -t 2 10.0.0.2 >/dev/null 2>&1; echo "deny $?"
jexec a sysctl net.inet.ip.fw.enable=0
jexec b sysctl net.inet.ip.fw.enable=0
jexec a ping -c 1 10.0.0.2 >/dev/null; echo "disabled $?"
jexec a sysctl net.inet.ip.fw.enable=1
jexec a ping -c 1 -t 2 10.0.0.2 >/dev/null 2>&1; echo "enabled $?"
jexec a sysctl net.inet.ip.fw.static_count net.inet6.ip6.fw.enable net.link.ether.ipfw
kldunload ipfw; echo "unload $?"
sysctl net.inet.ip.fw.enable 2>&1
jexec a ping -c 1 10.0.0.2 >/dev/null; echo "unloaded $?"
kldload ipfw
jail -c name=c persist vnet
jexec c fw show
`,
  );
  t.regex(r.out, /deny 2\n/);
  t.regex(r.out, /net\.inet\.ip\.fw\.enable: 1 -> 0\n/);
  t.regex(r.out, /disabled 0\n/);
  t.regex(r.out, /net\.inet\.ip\.fw\.enable: 0 -> 1\n/);
  t.regex(r.out, /enabled 2\n/);
  t.regex(r.out, /net\.inet\.ip\.fw\.static_count: 1\nnet\.inet6\.ip6\.fw\.enable: 1\nnet\.link\.ether\.ipfw: 0\n/);
  t.regex(r.out, /unload 0\n/);
  t.regex(r.out, /sysctl: unknown oid 'net\.inet\.ip\.fw\.enable'/);
  t.regex(r.out, /unloaded 0\n/);
  t.regex(r.out, /c: created\n65535 0 0\n/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("the default_to_accept tunable makes rule 65535 accept", async (t) => {
  const r = await run(
    [],
    `kldload ipfw
` +
      PAIR +
      `
sysctl net.inet.ip.fw.default_to_accept
jexec a ping -c 2 10.0.0.2 >/dev/null; echo "ping $?"
jexec b fw show
`,
    { "net.inet.ip.fw.default_to_accept": "1" },
  );
  t.regex(r.out, /net\.inet\.ip\.fw\.default_to_accept: 1\n/);
  t.regex(r.out, /ping 0\n/);
  t.regex(r.out, /65535 4 336\n/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("layer 2: with net.link.ether.ipfw=1 frames meet the ruleset (layer2, mac-type)", async (t) => {
  const r = await run(
    [
      // 10: count layer-2 frames of type ARP
      ["arp", rule_body(10, 0, [I(F.O_LAYER2), RANGES(F.O_MAC_TYPE, [[0x0806, 0x0806]])], [I(F.O_COUNT)])],
      // 20: accept every other layer-2 frame
      ["l2", rule_body(20, 0, [I(F.O_LAYER2)], [I(F.O_ACCEPT)])],
      ["allow", rule_body(100, 0, [], [I(F.O_ACCEPT)])],
    ],
    `kldload ipfw
` +
      PAIR +
      `
jexec a fw add allow
jexec b sysctl net.link.ether.ipfw=1 >/dev/null
for n in arp l2 allow; do jexec b fw add $n >/dev/null; done
jexec a ping -c 2 10.0.0.2 >/dev/null; echo "ping $?"
jexec b fw show
`,
  );
  t.regex(r.out, /ping 0\n/);
  // b: one ARP request in and its reply out; the IP frames pass rule 20
  // at layer 2 and rule 100 at layer 3.
  t.regex(r.out, /00010 2 \d+\n00020 6 \d+\n00100 4 336\n65535 0 0\n/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("fwd sends the packet to another next hop (PACKET_TAG_IPFORWARD through ip_output)", async (t) => {
  const r = await run(
    [
      ["fwd", rule_body(10, 0, [IPADDR(F.O_IP_DST, "10.0.0.2")], [FWD("10.0.1.2")])],
      ["allow", rule_body(100, 0, [], [I(F.O_ACCEPT)])],
    ],
    `kldload ipfw
` +
      PAIR +
      `
jail -c name=c persist vnet
ifconfig epair create >/dev/null
ifconfig epair1a vnet a
ifconfig epair1b vnet c
jexec a ifconfig epair1a 10.0.1.1/24 up
jexec c ifconfig epair1b 10.0.1.2/24 up
for j in a b c; do jexec $j fw add allow >/dev/null; done
jexec a fw add fwd
jexec a ping -c 2 -t 3 10.0.0.2 >/dev/null; echo "ping $?"
echo "== a"; jexec a fw show
echo "== b"; jexec b fw show
echo "== c"; jexec c fw show
`,
  );
  t.regex(r.out, /ping 2\n/);
  t.regex(r.out, /== a\n00010 2 168\n00100 0 0\n65535 0 0\n/);
  t.regex(r.out, /== b\n00100 0 0\n65535 0 0\n/, "b never saw them");
  t.regex(r.out, /== c\n00100 2 168\n65535 0 0\n/, "c got the echo requests for 10.0.0.2");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("fwd to one of our addresses with a port: TCP and UDP for another destination land on the socket the forward names", async (t) => {
  // As FreeBSD's netpfil/ipfw/fwd.sh: the segments for 10.9.9.9:80 (not an
  // address of b's) are taken in by b, and tcp_input finds the listener
  // the fwd names (127.0.0.1:82), not the one on port 80; udp_input does
  // the same for a datagram.  The port travels in the rule unconverted.
  const r = await run(
    [],
    `kldload ipfw
` +
      PAIR +
      `
jexec a ipfw -q add 100 allow ip from any to any
jexec b ifconfig lo0 127.0.0.1/8 up
jexec a route -q add 10.9.9.9/32 10.0.0.2
jexec b ipfw -q add 10 fwd 127.0.0.1,82 tcp from any to any dst-port 80 in via epair0b
jexec b ipfw -q add 11 fwd 127.0.0.1,83 udp from any to any dst-port 53 in via epair0b
jexec b ipfw -q add 100 allow ip from any to any
jexec b nc -l 10.0.0.2 80 > /tmp/virtnet-fwd-80.out &
jexec b nc -l 127.0.0.1 82 > /tmp/virtnet-fwd-82.out &
jexec b nc -u -l 127.0.0.1 83 > /tmp/virtnet-fwd-83.out &
sleep 1
echo "to port 80" | jexec a nc -N 10.9.9.9 80
echo "to port 53" | jexec a nc -u -w 1 10.9.9.9 53
sleep 1
echo "82: $(cat /tmp/virtnet-fwd-82.out)"
echo "83: $(cat /tmp/virtnet-fwd-83.out)"
echo "80: $(cat /tmp/virtnet-fwd-80.out)"
jexec b ipfw show 10 11 | awk '{ print $1, $2, $5 }'
rm -f /tmp/virtnet-fwd-8?.out
jail -r a b >/dev/null
`,
  );
  t.is(r.err, "");
  t.is(r.out, "a: created\nb: created\n82: to port 80\n83: to port 53\n80: \n00010 5 127.0.0.1,82\n00011 1 127.0.0.1,83\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
