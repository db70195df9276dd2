// sbin/ipfw2.ts: ipfw(8)'s rule language, compiled to FreeBSD 14's ipfw_insn
// words and printed back.  `ipfw -n add` compiles without a kernel and prints
// the rule as `ipfw list` would (FreeBSD's own -n path): each case is the
// command and the line FreeBSD 14 prints for it (sbin/ipfw/ipfw2.c,
// compile_rule and show_static_rule).
import test, { type ExecutionContext } from "ava";
import { run_script } from "./prog_helpers.ts";

const CASES: [string, string][] = [
  ["-n add 100 allow tcp from any to me 22 setup keep-state", "00100 allow tcp from any to me 22 setup keep-state :default"],
  ["-n add 200 deny ip from 10.0.0.0/8 to any", "00200 deny ip from 10.0.0.0/8 to any"],
  ["-n add 300 allow udp from any 53 to any", "00300 allow udp from any 53 to any"],
  ["-n add 400 allow icmp from any to any icmptypes 0,8", "00400 allow icmp from any to any icmptypes 0,8"],
  ["-n add 500 deny tcp from any to any tcpflags syn,!ack", "00500 deny tcp from any to any setup"],
  ["-n add 510 deny tcp from any to any tcpflags fin,rst", "00510 deny tcp from any to any tcpflags fin,rst"],
  ["-n add 600 allow ip from { 1.2.3.4 or 5.6.7.8 } to any", "00600 allow ip from { 1.2.3.4 or 5.6.7.8 } to any"],
  ["-n add 700 deny log ip from any to any", "00700 deny log ip from any to any"],
  ["-n add 800 count ip from any to any out xmit em0", "00800 count ip from any to any out xmit em0"],
  ["-n add 900 allow ip from any to any // hello world", "00900 allow ip from any to any // hello world"],
  ["-n add 1000 reset tcp from any to any 25", "01000 reset tcp from any to any 25"],
  ["-n add 1100 unreach host-prohib ip from any to any", "01100 unreach host-prohib ip from any to any"],
  ["-n add 1200 reject ip from any to any", "01200 reject ip from any to any"],
  ["-n add 1300 pipe 1 ip from any to any", "01300 pipe 1 ip from any to any"],
  ["-n add 1400 nat 1 ip from any to any via em0", "01400 nat 1 ip from any to any via em0"],
  ["-n add 1500 allow ip from any to any keep-state :mystate", "01500 allow ip from any to any keep-state :mystate"],
  ["-n add 1600 check-state :mystate", "01600 check-state :mystate"],
  ["-n add 1700 allow tcp from any to any established", "01700 allow tcp from any to any established"],
  ["-n add 1800 deny ip from any to any frag", "01800 deny ip from any to any frag offset"],
  ["-n add 1900 allow ip from not 10.0.0.1 to any", "01900 allow ip from not 10.0.0.1 to any"],
  ["-n add 2000 allow ip from 10.0.0.1:255.255.0.255 to any", "02000 allow ip from 10.0.0.1:255.255.0.255 to any"],
  ["-n add 2100 allow ip from 1.2.3.4,5.6.7.0/24 to any", "02100 allow ip from 1.2.3.4,5.6.7.0/24 to any"],
  ["-n add 2200 skipto tablearg ip from any to table(1)", "02200 skipto tablearg ip from any to table(1)"],
  ["-n add 2300 allow ip from any to any uid 0", "02300 allow ip from any to any uid root"],
  ["-n add 2400 allow ip from any to any jail 5", "02400 allow ip from any to any jail 5"],
  ["-n add 2500 allow ip from any to any iplen 100-200 ipttl 64", "02500 allow ip from any to any iplen 100-200 ipttl 64"],
  ["-n add 2600 setdscp ef ip from any to any", "02600 setdscp ef ip from any to any"],
  ["-n add 2700 allow ip from any to any dscp af11,46", "02700 allow ip from any to any dscp af11,ef"],
  ["-n add 2800 count tag 5 ip from any to any", "02800 count tag 5 ip from any to any"],
  ["-n add 2900 allow ip from any to any tagged 5", "02900 allow ip from any to any tagged 5"],
  ["-n add 3000 allow ip from any to any MAC any 00:11:22:33:44:55", "03000 allow ip from any to any MAC any 00:11:22:33:44:55"],
  ["-n add 3100 call 5000 ip from any to any", "03100 call 5000 ip from any to any"],
  ["-n add 3200 return ip from any to any", "03200 return ip from any to any"],
  ["-n add 3300 allow ip from any to any in recv epair0a", "03300 allow ip from any to any in recv epair0a"],
  ["-n add 3400 allow ip from me to any", "03400 allow ip from me to any"],
  ["-n add 3500 allow ip6 from ::1 to any", "03500 allow ip6 from ::1 to any"],
  ["-n add 3600 allow ip from any to any ipversion 4", "03600 allow ip from any to any ipver 4"],
  ["-n add 3700 abort tcp from any to any", "03700 abort tcp from any to any"],
  ["-n add 3800 allow tcp from any to any tcpoptions mss,!sack", "03800 allow tcp from any to any tcpoptions mss,!sack"],
  ["-n add 3900 allow ip from any to any iptos lowdelay", "03900 allow ip from any to any iptos lowdelay"],
  ["-n add 4000 reass ip from any to any", "04000 reass ip from any to any"],
  ["-n add 4100 allow tcp from 10.0.0.1 1024-2048,3000 to 10.0.0.2 http,https", "04100 allow tcp from 10.0.0.1 1024-2048,3000 to 10.0.0.2 80,443"],
  ["-n add 4200 allow ip from any to any diverted", "04200 allow ip from any to any diverted"],
  ["-n add 4300 allow ip from any to any layer2", "04300 allow ip from any to any layer2"],
  ["-n add 4500 allow ip from any to any record-state", "04500 allow ip from any to any record-state :default"],
  ["-n add 4600 deny icmp from any to any not icmptypes 8", "04600 deny icmp from any to any not icmptypes 8"],
  ["-n add 4700 allow ip from 10.0.0.0/24 to any out via epair0a", "04700 allow ip from 10.0.0.0/24 to any out via epair0a"],
  ["-n add 4800 allow ipv6-icmp from any to any icmp6types 128,129", "04800 allow ipv6-icmp from any to any icmp6types 128,129"],
  ["-n add 4900 allow ip6 from 2001:db8::/32 to 2001:db8::1", "04900 allow ip6 from 2001:db8::/32 to 2001:db8::1"],
  ["-n add 5000 unreach6 admin-prohib ip6 from any to any", "05000 unreach6 admin-prohib ip6 from any to any"],
  ["-n add 5100 reset6 tcp from any to any", "05100 reset6 tcp from any to any"],
  ["-n add 5200 allow ip from any to any proto tcp", "05200 allow tcp from any to any"],
  ["-n add 5300 deny ip from any to any ipoptions rr,!ts", "05300 deny ip from any to any ipoptions rr,!ts"],
  ["-n add 5400 allow tcp from any to any tcpwin 1000-2000 tcpseq 5 tcpack 6", "05400 allow tcp from any to any tcpwin 1000-2000 tcpseq 5 tcpack 6"],
  ["-n add 5500 allow ip from any to any gid wheel", "05500 allow ip from any to any gid wheel"],
  ["-n add 5600 allow ip from any to any ext6hdr frag,ah", "05600 allow ip from any to any extension header: fragmentation,authentication header"],
  ["-n add 5700 allow ip6 from any to any flow-id 5,6", "05700 allow ip6 from any to any flow-id 5,6 "],
  ["-n add 5800 allow ip from any to any fib 0 sockarg", "05800 allow ip from any to any fib 0 sockarg"],
  ["-n add 5900 count ip from any to any dst-ip 1.2.3.4 src-ip 5.6.7.8", "05900 count ip from 5.6.7.8 to 1.2.3.4"],
  ["-n add 6000 allow udp from any to any dst-port 53 src-port 1000", "06000 allow udp from any 1000 to any 53"],
  ["-n add 6100 queue 5 ip from any to any", "06100 queue 5 ip from any to any"],
  ["-n add 6200 allow ip from any to any verrevpath versrcreach antispoof", "06200 allow ip from any to any verrevpath versrcreach antispoof"],
  ["-n add 6300 allow ip from any to any mac-type ip,arp", "06300 allow ip from any to any mac-type 0x0800,0x0806"],
  ["-n add 6400 fwd 2001:db8::1 ip6 from any to any", "06400 fwd 2001:db8::1 ip6 from any to any"],
  ["-n add 6500 divert 8668 ip from any to any", "06500 divert 8668 ip from any to any"],
  ["-n add 6501 divert natd ip from any to any", "06501 divert 8668 ip from any to any"],
  ["-n add 6600 allow ip from any to any tcpdatalen 0", "06600 allow ip from any to any tcpdatalen 0"],
  ["-n add 6700 allow ip from any to any lookup dst-ip tbl", "06700 allow ip from any to lookup dst-ip tbl"],
  ["-n add 6710 allow ip from any to any lookup src-mac macs", "06710 allow ip from any to lookup src-mac macs"],
  ["-n add 6720 allow ip from any to any lookup dst-mac macs", "06720 allow ip from any to lookup dst-mac macs"],
  ["-n add 6730 allow ip from any to any lookup mark marks", "06730 allow ip from any to lookup mark marks"],
  ["-n add 6740 deny ip from any to any src-mac table(macs) layer2", "06740 deny ip from any to any src-mac table(macs) layer2"],
  ["-n add 6750 skipto tablearg ip from any to any not dst-mac table(macs,7)", "06750 skipto tablearg ip from any to any not dst-mac table(macs,7)"],
  ["-n add 6800 allow ip from any to any { dst-port 1 or src-port 2 }", "06800 allow ip from any to any { dst-port 1 or src-port 2 }"],
  ["-n add 6900 allow { tcp or udp } from any to any", "06900 allow { tcp or udp } from any to any"],
  ["-n -S add 7000 set 5 allow ip from any to any", "07000 set 5 allow ip from any to any"],
  ["-n add 7100 allow ip from any to any ipprecedence 5", "07100 allow ip from any to any ipprecedence 5"],
  ["-n add 7200 deny ip from any to any recv table(ifaces)", "07200 deny ip from any to any recv table(ifaces)"],
  ["-n add 7300 allow ip from 10.1.2.3 to any xmit 10.0.0.1", "07300 allow ip from 10.1.2.3 to any xmit 10.0.0.1"],
  ["-n add 7400 nat global ip from any to any", "07400 nat global ip from any to any"],
  ["-n add 7500 setfib tablearg ip from any to any", "07500 setfib tablearg ip from any to any"],
  ["-n add 7600 allow ip from any to any frag mf,!df", "07600 allow ip from any to any frag !df,mf"],
  ["-n add 7700 count log logamount 10 tag 3 ip from any to any", "07700 count log logamount 10 tag 3 ip from any to any"],
  ["-n -b add 7800 allow ip from any to any", "07800 allow // ..."],
  ["-n -c add 7900 allow ip from any to any", "07900 allow ip"],];

/** Quote one argument for the simulator's sh. */
function q(w: string): string {
  return /^[A-Za-z0-9_.,:/@%+=!-]+$/.test(w) ? w : `'${w}'`;
}

test("ipfw -n add: each rule prints as FreeBSD 14 lists it", async (t) => {
  const src = CASES.map(([cmd]) => "ipfw " + cmd.split(" ").map(q).join(" ")).join("\n") + "\n";
  const r = await run_script(src);
  t.is(r.err, "");
  t.deepEqual(r.out.split("\n").slice(0, -1), CASES.map(([, out]) => out));
});

const ERRORS: [string, string, number][] = [
  ["-n add 100", "ipfw: missing action", 64],
  ["-n add 100 allow", "ipfw: missing protocol", 64],
  ["-n add 100 allow ip", "ipfw: missing ``from''", 64],
  ["-n add 100 allow ip from", "ipfw: missing source address", 64],
  ["-n add 100 allow ip from any", "ipfw: missing ``to''", 64],
  ["-n add 100 allow ip from any to", "ipfw: missing dst address", 64],
  ["-n add 100 foo ip from any to any", "ipfw: invalid action foo\n", 65],
  ["-n add 100 allow foo from any to any", "ipfw: unrecognised option [-1] foo\n", 64],
  ["-n add 100 allow ip from 1.2.3.4/33 to any", "ipfw: bad width ``33''", 65],
  ["-n add 100 allow ip from nosuchhost to any", "ipfw: hostname ``nosuchhost'' unknown", 68],
  ["-n add 100 skipto 0 ip from any to any", "ipfw: illegal argument for skipto", 65],
  ["-n add 100 skipto", "ipfw: missing argument for skipto", 64],
  ["-n add 100 divert nosuchservice ip from any to any", "ipfw: illegal divert/tee port", 65],
  ["-n add 100 allow ip from any to any icmptypes 40", "ipfw: ICMP type out of range", 65],
  ["-n add 100 allow ip from any to any icmptypes x", "ipfw: invalid ICMP type", 65],
  ["-n add 100 allow ip from any to any keep-state keep-state", "ipfw: only one of keep-state, record-state,  limit and set-limit is allowed", 64],
  ["-n add 100 allow ip from any to any uid nosuchuser", 'ipfw: uid "nosuchuser" nonexistent', 65],
  ["-n add 100 allow ip from any to any tcpflags syn,foo", "ipfw: invalid flag foo", 65],
  ["-n add 100 allow ip from not 0.0.0.0/0 to any", "ipfw: not any never matches", 65],
  // "not any" is "any" with a stray "not" that no instruction keeps.
  ["-n add 100 allow ip from not any to any", "00100 allow ip from any to any", 0],
  ["-n add 100 unreach foo ip from any to any", "ipfw: unknown ICMP unreachable code ``foo''", 65],
  ["-n add 100 allow ip from any to any tagged 0", "ipfw: tagged: argument is out of range (1..65534): 0", 65],
  ["-n add 100 allow ip from any to any limit 5", "ipfw: limit: missing limit mask", 64],
  ["-n add 100 set 32 allow ip from any to any", "ipfw: illegal set 32", 65],
  ["-n add 100 prob 2 allow ip from any to any", "ipfw: illegal match prob. 2", 65],
  ["-n add 100 allow ip from any to any ( ( in", "ipfw: +nested \"(\" not allowed\n", 64],
  ["-n add 100 allow ip from any or 1.2.3.4 to any", "ipfw: invalid OR block", 65],
  ["-n add 100 allow ip from any to any keep-state :any", "ipfw: Invalid state name :any", 65],
  ["-n add 100 allow ip from 10.0.0.0/16{1,2} to any", "ipfw: invalid set with mask 16\n", 65],
  ["-n add 100 allow ip from any to any // " + "x".repeat(90), "ipfw: comment too long (max 80 chars)", 65],
  ["-n add 100 allow ip from any to any flow-id 1", "ipfw: flow-id filter is active only for ipv6 protocol\n", 64],
  ["-n add 100 allow ip6 from 2001:db8::/129 to any", "ipfw: bad width \"129''", 65],
  ["-n add 100 allow ip from any to any MAC zz any", "ipfw: Incorrect MAC address", 65],
  ["-n add 100 allow ip from any to any src-mac 00:11:22:33:44:55", "ipfw: only mac table lookup is supported 00:11:22:33:44:55", 65],
  ["-n add 100 allow ip from any to any dst-mac any", "ipfw: only mac table lookup is supported any", 65],
  ["-n add 100 allow ip from any to any dst-mac", "ipfw: missing destination MAC", 64],
  ["-n add 100 allow ip from any to any src-mac table(m", "ipfw: forgotten parenthesis: 'table(m'", 65],
  ["-n add 100 allow ip from any to any lookup mac m", "ipfw: format: cannot lookup on mac", 64],
];

/** Run each `ipfw` command of cases; what it printed (both streams) and its status, in order. */
async function status_cases(t: ExecutionContext, cases: [string, string, number][]): Promise<void> {
  const src = cases.map(([cmd]) => "ipfw " + cmd.split(" ").map(q).join(" ") + " 2>&1; echo \"status $?\"").join("\n") + "\n";
  const r = await run_script(src);
  t.is(r.err, "");
  t.deepEqual(r.out.split("\n").slice(0, -1), cases.flatMap(([, msg, st]) => [...msg.split("\n"), `status ${st}`]));
}

test("ipfw -n add: bad rules give FreeBSD's message and exit status", (t) => status_cases(t, ERRORS));

// Numbers larger than the field they land in.  ipfw2.c reads them with
// strtoul(3), which saturates at ULONG_MAX (ERANGE) past 64 bits, and then
// stores the unsigned long in an int, a uint16_t, a uint8_t or a uint32_t:
// the low bits survive.  Each line is what FreeBSD 14's ipfw prints.
const HUGE: [string, string, number][] = [
  // (int)4294967299 == 3: ICMP_UNREACH_PORT
  ["-n add 100 unreach 4294967299 ip from any to any", "00100 unreach port ip from any to any", 0],
  // (int)ULONG_MAX == -1: not below 0x100, so no name lookup, and negative
  ["-n add 100 unreach 18446744073709551615 ip from any to any", "ipfw: unknown ICMP unreachable code ``18446744073709551615''", 65],
  // uint16_t arg1: 65537 -> 1
  ["-n add 100 skipto 65537 ip from any to any", "00100 skipto 1 ip from any to any", 0],
  // 2^64 + 3 saturates (it does not wrap to 3): 0xffff is IP_FW_TABLEARG
  ["-n add 100 skipto 18446744073709551619 ip from any to any", "ipfw: illegal argument for skipto", 65],
  // htonl((uint32_t)2^32 + 1), printed with %d
  ["-n add 100 allow tcp from any to any tcpseq 4294967297", "00100 allow tcp from any to any tcpseq 1", 0],
  ["-n add 100 allow tcp from any to any tcpack 4294967295", "00100 allow tcp from any to any tcpack -1", 0],
  // uint8_t type: 264 -> 8
  ["-n add 100 allow icmp from any to any icmptypes 264", "00100 allow icmp from any to any icmptypes 8", 0],
  // int code: 2^32 + 46 -> 46 (ef); ULONG_MAX -> -1
  ["-n add 100 allow ip from any to any dscp 4294967342", "00100 allow ip from any to any dscp ef", 0],
  ["-n add 100 allow ip from any to any dscp 99999999999999999999", "ipfw: Invalid DSCP value", 65],
  // fill_cmd's uint16_t: 65600 -> 64; (ULONG_MAX & 7) << 5
  ["-n add 100 allow ip from any to any ipttl 65600", "00100 allow ip from any to any ipttl 64", 0],
  ["-n add 100 allow ip from any to any ipprecedence 99999999999999999999", "00100 allow ip from any to any ipprecedence 7", 0],
  // int set: 2^32 + 5 -> 5
  ["-n add 100 set 4294967301 allow ip from any to any", "00100 allow ip from any to any", 0],
];

test("ipfw -n add: numbers past their field keep the low bits of strtoul's unsigned long, as FreeBSD's casts do", (t) => status_cases(t, HUGE));

const JAILS = `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
kldload ipfw
`;

test("ipfw in two vnet jails: a's rule drops b's pings, show counts them, zero/delete/flush, sets", async (t) => {
  const r = await run_script(
    JAILS +
      `jexec a ipfw add 100 deny icmp from any to any
jexec a ipfw add 200 allow ip from any to any
jexec b ipfw add 100 allow ip from any to any
jexec b ping -c 3 10.0.0.1 | sed -n /transmitted/p
jexec a ipfw show
jexec b ipfw show
jexec a ipfw list
jexec a ipfw -a list 100
jexec a ipfw -S show 200-65535
jexec a ipfw show 300 2>&1; echo "status $?"
jexec a ipfw zero 100
jexec a ipfw zero 150
jexec a ipfw show 100
jexec a ipfw delete 100
jexec b ping -c 1 10.0.0.1 | sed -n /transmitted/p
jexec a ipfw show
jexec a ipfw delete 100 2>&1; echo "status $?"
jexec a ipfw set show
jexec a ipfw set move rule 200 to 1
jexec a ipfw set disable 1
jexec a ipfw set show
jexec a ipfw list
jexec a ipfw -S list
jexec b ping -c 1 -t 2 10.0.0.1 | sed -n /transmitted/p
jexec a ipfw set 1 list
jexec a ipfw -S set 1 list
jexec a ipfw -q flush
jexec a ipfw list
ipfw list
jail -r a b
`,
  );
  t.is(r.err, "");
  t.is(
    r.out,
    `00100 deny icmp from any to any
00200 allow ip from any to any
00100 allow ip from any to any
3 packets transmitted, 0 packets received, 100.0% packet loss
00100 3 252 deny icmp from any to any
00200 0   0 allow ip from any to any
65535 0   0 deny ip from any to any
00100 3 252 allow ip from any to any
65535 0   0 deny ip from any to any
00100 deny icmp from any to any
00200 allow ip from any to any
65535 deny ip from any to any
00100 3 252 deny icmp from any to any
00200 0 0 set 0 allow ip from any to any
65535 0 0 set 31 deny ip from any to any
ipfw: rule 300 does not exist
status 69
Entry 100 cleared.
Entry 150 not found
00100 0 0 deny icmp from any to any
1 packets transmitted, 1 packets received, 0.0% packet loss
00200 2 168 allow ip from any to any
65535 0   0 deny ip from any to any
ipfw: rule 100 not found
status 0
enable 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30
disable 1 enable 0 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30
65535 deny ip from any to any
# DISABLED 00200 set 1 allow ip from any to any
65535 set 31 deny ip from any to any
1 packets transmitted, 0 packets received, 100.0% packet loss
# DISABLED 00200 set 1 allow ip from any to any
65535 deny ip from any to any
65535 deny ip from any to any
a: removed
b: removed
`,
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ipfw keep-state: the state opened by b's ping lets the replies out; -d and -D list it", async (t) => {
  const r = await run_script(
    JAILS +
      `jexec b ipfw add 100 allow ip from any to any
jexec a ipfw add 100 check-state
jexec a ipfw add 200 allow icmp from 10.0.0.2 to me keep-state
jexec a ipfw add 300 allow ip from any to any keep-state :mine
jexec b ping -c 2 10.0.0.1 | sed -n /transmitted/p
jexec a ipfw -d show
jexec a ipfw -d list 200
jexec a ipfw -D list
jexec a ipfw internal olist
jexec a ipfw add allow udp from any to any keep-state
jexec a ipfw list 400
jail -r a b
`,
  );
  t.is(r.err, "");
  t.is(
    r.out,
    `00100 allow ip from any to any
00100 check-state :default
00200 allow icmp from 10.0.0.2 to me keep-state :default
00300 allow ip from any to any keep-state :mine
2 packets transmitted, 2 packets received, 0.0% packet loss
00100 0   0 check-state :default
00200 4 336 allow icmp from 10.0.0.2 to me keep-state :default
00300 0   0 allow ip from any to any keep-state :mine
65535 0   0 deny ip from any to any
## Dynamic rules (1 152):
00200 4 336 (5s) STATE icmp 10.0.0.2 0 <-> 10.0.0.1 0 :default
00200 allow icmp from 10.0.0.2 to me keep-state :default
## Dynamic rules:
00200 STATE icmp 10.0.0.2 0 <-> 10.0.0.1 0 :default
## Dynamic rules (1 152):
00200 STATE icmp 10.0.0.2 0 <-> 10.0.0.1 0 :default
Objects list:
 kidx:    1\ttype:   DYNSTATE\tname: default
 kidx:    2\ttype:   DYNSTATE\tname: mine
00000 allow udp from any to any keep-state :default
00400 allow udp from any to any keep-state :default
a: removed
b: removed
`,
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
