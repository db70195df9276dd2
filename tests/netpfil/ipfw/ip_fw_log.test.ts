// ipfw_log (netpfil/ipfw/ip_fw_log.ts): the lines FreeBSD writes to the
// kernel log for "log" rules, the per-rule logamount and its "limit reached"
// notice, on IPv6 traffic (which also exercises ipfw_chk's IPv6 parsing:
// ip6, icmp6types).
import test from "ava";
import { loadKernelUnbooted } from "../../helpers/builds.ts";
import * as F from "../../../netinet/ip_fw.ts";
import { I, LOG, U32, install_fw, rule_body, xadd } from "./ipfw_helpers.ts";

test("log rules write FreeBSD's lines until their logamount runs out (IPv6, icmp6types, ip6)", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const icmp6types = [0, 0, 0, 0, 1 << (128 - 128), 0, 0]; // echo request
  const rules = new Map<string, Uint8Array>([
    ["log10", xadd(rule_body(10, 0, [U32(F.O_ICMP6TYPE, icmp6types)], [LOG(2), I(F.O_COUNT)]))],
    ["ip6", xadd(rule_body(20, 0, [I(F.O_IP6)], [I(F.O_ACCEPT)]))],
    ["deny4", xadd(rule_body(30, 0, [I(F.O_IP4)], [LOG(0), I(F.O_DENY)]))],
    ["allow", xadd(rule_body(100, 0, [], [I(F.O_ACCEPT)]))],
  ]);
  install_fw(k, rules);
  let out = "";
  let err = "";
  await k.virtnet_run_script(
    `
kldload ipfw
jail -c name=a persist vnet
jail -c name=b persist vnet
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a inet6 fd00::1/64 up
jexec b ifconfig epair0b inet6 fd00::2/64 up
jexec a ifconfig epair0a inet 10.0.0.1/24
jexec b ifconfig epair0b inet 10.0.0.2/24
jexec a fw add allow >/dev/null
for n in log10 ip6 deny4; do jexec b fw add $n >/dev/null; done
jexec b sysctl net.inet.ip.fw.verbose=1 >/dev/null
jexec a ping6 -c 3 fd00::2 >/dev/null; echo "ping6 $?"
jexec a ping -c 1 -t 2 10.0.0.2 >/dev/null; echo "ping $?"
jexec b fw show
dmesg | grep '^ipfw: [0-9l]'
echo "== bpf"
jexec b sysctl net.inet.ip.fw.verbose=0 >/dev/null
jexec b ifconfig ipfw0 create
jexec b ifconfig ipfw0 create; echo "again $?"
jexec b tcpdump -n -e -c 1 -i ipfw0 &
sleep 1
jexec a ping -c 1 -t 2 10.0.0.2 >/dev/null
wait
jexec b ifconfig -l
`,
    {
      seed: 1,
      pcapdir: null,
      name: "ipfw",
      stdout: { write: (d: string) => void (out += d) },
      stderr: { write: (d: string) => void (err += d) },
      cwd: process.cwd(),
    },
  );
  t.regex(out, /ping6 0\n/);
  t.regex(out, /ping 2\n/);
  t.regex(out, /00010 3 168\n00020 \d+ \d+\n00030 1 84\n65535 0 0\n/);
  const lines = out.split("\n").filter((l) => l.startsWith("ipfw: "));
  t.deepEqual(lines, [
    "ipfw: 10 Count ICMPv6:128.0 [fd00::1] [fd00::2] in via epair0b",
    "ipfw: 10 Count ICMPv6:128.0 [fd00::1] [fd00::2] in via epair0b",
    "ipfw: limit 2 reached on entry 10",
    "ipfw: 30 Deny ICMP:8.0 10.0.0.1 10.0.0.2 in via epair0b",
  ]);
  // verbose 0: the logged packet goes to ipfw0's listeners behind a fake
  // Ethernet header, and ipfw0 is one per vnet.
  const bpf = out.slice(out.indexOf("== bpf\n"));
  t.regex(err, /ifconfig: SIOCIFCREATE2 \(ipfw0\): File exists|ifconfig: interface ipfw0 already exists/);
  t.regex(bpf, /again 1\n/);
  t.regex(bpf, /53:53:53:53:53:53 > 44:44:44:44:44:44, ethertype IPv4 \(0x0800\), length 98: 10\.0\.0\.1 > 10\.0\.0\.2: ICMP echo request/);
  t.regex(bpf, /lo0 epair0b ipfw0\n/);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
