// sbin/ipfw_ipv6.ts: the IPv6 words of ipfw's rule language (sbin/ipfw/ipv6.c):
// addresses, prefixes and masks, me6, icmp6types, unreach6 codes, ext6hdr,
// flow-id, fwd to an IPv6 next hop; each compiled by `ipfw -n add` and
// printed back as FreeBSD 14 prints it, and the errors ipv6.c gives.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

const CASES: [string, string][] = [
  ["-n add 100 allow ip6 from me6 to any", "00100 allow ip6 from me6 to any"],
  ["-n add 200 allow ip6 from 2001:db8::1,2001:db8:1::/48 to any", "00200 allow ip6 from 2001:db8::1,2001:db8:1::/48 to any"],
  ["-n add 300 allow ip6 from 2001:db8::/ffff:ffff:: to any", "00300 allow ip6 from 2001:db8::/32 to any"],
  ["-n add 400 allow ip6 from fe80::1/ffff::ffff to any", "00400 allow ip6 from fe80::1/ffff::ffff to any"],
  ["-n add 500 deny ipv6-icmp from any to any icmp6types 1,2,3,4,128,200", "00500 deny ipv6-icmp from any to any icmp6types 1,2,3,4,128,200"],
  ["-n add 600 unreach6 no-route ip6 from any to any", "00600 unreach6 no-route ip6 from any to any"],
  ["-n add 700 unreach6 4 ip6 from any to any", "00700 unreach6 port ip6 from any to any"],
  ["-n add 800 unreach6 77 ip6 from any to any", "00800 unreach6 77 ip6 from any to any"],
  ["-n add 900 allow ip6 from any to any ext6hdr hopopt,route,dstopt,esp,rthdr0,rthdr2", "00900 allow ip6 from any to any extension header: hop options,routing options,rthdr0,rthdr2,destination options,encapsulated security payload"],
  ["-n add 1000 allow ip6 from any to any flow-id 1048575", "01000 allow ip6 from any to any flow-id 1048575 "],
  ["-n add 1100 allow tcp from 2001:db8::1 to 2001:db8::2 22", "01100 allow tcp from 2001:db8::1 to 2001:db8::2 22"],
  ["-n add 1200 allow ip from any to any dst-ip6 ::1 src-ip6 ::2", "01200 allow ip from ::2 to ::1"],
  ["-n add 1300 fwd [2001:db8::5]:8080 ip6 from any to any", "01300 fwd 2001:db8::5,8080 ip6 from any to any"],
  ["-n add 1400 allow ip6 from ::ffff:1.2.3.4 to any", "01400 allow ip6 from ::ffff:1.2.3.4 to any"],
  ["-n add 1500 allow ip6 from not 2001:db8::/32 to me", "01500 allow ip6 from not 2001:db8::/32 to me6"],
  ["-n add 1600 abort6 ip6 from any to any", "01600 abort6 ip6 from any to any"],
  ["-n add 1700 allow ip from any to any ip6", "01700 allow ip6 from any to any"],
  ["-n add 1800 allow ip from any to any ip4", "01800 allow ip4 from any to any"],
  ["-n add 100 allow ip6 from any to any icmp6types 202", "ipfw: ICMP6 type out of range"],
  ["-n add 100 unreach6 foo ip6 from any to any", "ipfw: unknown ICMPv6 unreachable code ``foo''"],
  ["-n add 100 allow ip6 from any to any ext6hdr foo", "ipfw: invalid option for ipv6 exten header"],
  ["-n add 100 allow ip6 from any to any flow-id 1048576", "ipfw: flow number out of range "],
  ["-n add 100 allow ip6 from 2001:db8::x to any", "ipfw: bad address \"2001:db8::x\""],
  ["-n add 100 allow ip6 from 2001:db8::/zz:: to any", "ipfw: bad mask \"zz::\""],
];

test("ipfw -n add: IPv6 rules print as FreeBSD 14 lists them, bad ones give ipv6.c's messages", async (t) => {
  const src = CASES.map(([cmd]) => `ipfw ${cmd} 2>&1`).join("\n") + "\n";
  const r = await run_script(src);
  t.is(r.err, "");
  t.deepEqual(r.out.split("\n").slice(0, -1), CASES.map(([, out]) => out));
});
