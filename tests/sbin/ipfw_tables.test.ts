// sbin/ipfw_tables.ts: `ipfw table ...` (sbin/ipfw/tables.c): the command
// words and options, with tables.c's messages and exit codes for bad ones.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

test("ipfw table: bad names, commands and options give tables.c's messages", async (t) => {
  const r = await run_script(`ipfw -n table 2>&1; echo "status \$?"
ipfw -n table t 2>&1; echo "status \$?"
ipfw -n table 'b\$d' create 2>&1; echo "status \$?"
ipfw -n table all add 1.2.3.4 2>&1; echo "status \$?"
ipfw -n table t frob 2>&1; echo "status \$?"
ipfw -n table t create type foo 2>&1; echo "status \$?"
ipfw -n table t create valtype foo 2>&1; echo "status \$?"
ipfw -n table t create type flow:src-ip,bogus 2>&1; echo "status \$?"
ipfw -n table t create type addr:x 2>&1; echo "status \$?"
ipfw -n table t create frob 2>&1; echo "status \$?"
ipfw -n table t atomic delete 1.2.3.4 2>&1; echo "status \$?"
ipfw -n table t swap 'b\$d' 2>&1; echo "status \$?"
ipfw -n table t modify type addr 2>&1; echo "status \$?"
ipfw -n table t add 2>&1; echo "status \$?"
ipfw -n table t lookup 2>&1; echo "status \$?"
ipfw -n table t create type addr valtype skipto,fib algo addr:hash limit 10 locked; echo "status \$?"
`);
  t.is(r.err, "");
  t.is(
    r.out,
    "ipfw: table needs name\n" +
    "status 64\n" +
    "ipfw: table needs command\n" +
    "status 64\n" +
    "ipfw: table name b$d is invalid\n" +
    "status 64\n" +
    "ipfw: table name required\n" +
    "status 64\n" +
    "ipfw: ambiguous table command frob\n" +
    "status 64\n" +
    "ipfw: Unknown tabletype: foo. Supported: addr, mac, iface, number, flow\n" +
    "status 64\n" +
    "ipfw: Unknown value type: foo. Supported: skipto, pipe, fib, nat, dscp, tag, divert, netgraph, limit, ipv4, ipv6\n" +
    "status 64\n" +
    "ipfw: unable to parse flow option bogus\n" +
    "status 64\n" +
    "ipfw: Unsupported suboptions: x\n" +
    "status 64\n" +
    "ipfw: ambiguous option frob\n" +
    "status 64\n" +
    "ipfw: atomic is not compatible with delete\n" +
    "status 64\n" +
    "ipfw: table name b$d is invalid\n" +
    "status 64\n" +
    "ipfw: cmd is not supported for modificatiob\n" +
    "status 64\n" +
    "ipfw: address required\n" +
    "status 64\n" +
    "ipfw: address required\n" +
    "status 64\n" +
    "status 0\n",
  );
});

test("ipfw table in a vnet jail: create, add, list, info, lookup, delete, a rule that uses it, destroy", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
kldload ipfw
jexec a ipfw table t1 create type addr
jexec a ipfw table t1 add 10.0.0.0/24 5
jexec a ipfw table t1 add 10.9.0.1
jexec a ipfw table t1 add 10.9.0.1 2>&1; echo "status $?"
jexec a ipfw table t1 list
jexec a ipfw table t1 info
jexec a ipfw table t1 lookup 10.0.0.7
jexec a ipfw table t1 lookup 10.1.0.7 2>&1; echo "status $?"
jexec a ipfw table t1 delete 10.9.0.1
jexec a ipfw table all list
jexec a ipfw add 400 deny ip from 'table(t1)' to any
jexec a ipfw list 400
jexec a ipfw table t2 add 1.2.3.4 2>&1
jexec a ipfw table all info
jexec a ipfw table t1 destroy 2>&1; echo "status $?"
jexec a ipfw delete 400
jexec a ipfw table t1 destroy; echo "status $?"
jexec a ipfw table t1 list 2>&1; echo "status $?"
jexec a ipfw table ports create type number valtype skipto,fib
jexec a ipfw table ports add 22 1000,1
jexec a ipfw table ports add 80 2000 2>&1; echo "status $?"
jexec a ipfw table ports list
jexec a ipfw -q table all flush
jexec a ipfw table all list
jail -r a
`);
  t.is(r.err, "");
  t.is(
    r.out,
    `added: 10.0.0.0/24 5
added: 10.9.0.1/32 0
exists: 10.9.0.1/32 0
ipfw: Adding record failed: record already exists
status 71
10.0.0.0/24 5
10.9.0.1/32 0
--- table(t1), set(0) ---
 kindex: 1, type: addr
 references: 0, valtype: legacy
 algorithm: addr:radix
 items: 2, size: 560
10.0.0.0/24 5
ipfw: Entry 10.1.0.7 not found
status 69
deleted: 10.9.0.1/32 0
--- table(t1), set(0) ---
10.0.0.0/24 5
00400 deny ip from table(t1) to any
00400 deny ip from table(t1) to any
ipfw: DEPRECATED: inserting data into non-existent table t2. (auto-created)
added: 1.2.3.4/32 0
--- table(t1), set(0) ---
 kindex: 1, type: addr
 references: 1, valtype: legacy
 algorithm: addr:radix
 items: 1, size: 432
--- table(t2), set(0) ---
 kindex: 2, type: addr
 references: 0, valtype: legacy
 algorithm: addr:radix
 items: 1, size: 432
ipfw: failed to destroy table t1: Device busy
status 71
status 0
ipfw: failed to request table info: No such process
status 71
added: 22 1000,1
ipfw: Not enough fields inside value
status 64
22 1000,1
--- table(t2), set(0) ---
--- table(ports), set(0) ---
`,
  );
});

test("a mac table: prefixes added, listed longest-match, looked up, deleted; keys and masks tables.c refuses", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
kldload ipfw
jexec a ipfw table m create type mac
jexec a ipfw table m add 00:00:5e:00:53:01 7
jexec a ipfw table m add 0:0:5e:0:0:0/24 8
jexec a ipfw table m add 00:00:5e:00:00:00/24 9 2>&1; echo "status $?"
jexec a ipfw table m add 02:aa:bb:cc:dd:ee/0 1
jexec a ipfw table m add 00:00:5e:00:53:2 2
jexec a ipfw table m list
jexec a ipfw table m info
jexec a ipfw table m lookup 00:00:5e:00:53:01
jexec a ipfw table m lookup 00:00:5e:99:99:99
jexec a ipfw table m delete 02:00:00:00:00:00/0
jexec a ipfw table m lookup 00:00:5f:00:00:00 2>&1; echo "status $?"
jexec a ipfw table m add 00:00:5e:00:53:01/49 2>&1; echo "status $?"
jexec a ipfw table m add 00:00:5e:00:53 2>&1; echo "status $?"
jexec a ipfw table m add 00-00-5e-00-53-01 2>&1; echo "status $?"
jexec a ipfw table m add 00:00:5e:00:53:01/-1 2>&1; echo "status $?"
jexec a ipfw table m delete 00:00:5e:00:00:00/16 2>&1; echo "status $?"
jexec a ipfw table m delete 00:00:5e:00:00:00/24
jexec a ipfw table m list
jexec a ipfw internal talist | grep -A2 mac
jexec a ipfw add 100 count ip from 'table(m)' to any 2>&1; echo "status $?"
jexec a ipfw add 110 count ip from any to any lookup dst-port m 2>&1; echo "status $?"
jexec a ipfw table n create type number
jexec a ipfw add 120 count ip from any to any dst-mac 'table(n)' 2>&1; echo "status $?"
jexec a ipfw add 130 count ip from any to any dst-mac 'table(m)' src-mac 'table(m,2)'
jexec a ipfw table m info | grep references
jexec a ipfw table m destroy 2>&1; echo "status $?"
jail -r a
`);
  t.is(r.err, "");
  t.is(
    r.out,
    `added: 00:00:5e:00:53:01/48 7
added: 00:00:5e:00:00:00/24 8
exists: 00:00:5e:00:00:00/24 9
ipfw: Adding record failed: record already exists
status 71
added: 02:aa:bb:cc:dd:ee/0 1
added: 00:00:5e:00:53:02/48 2
00:00:00:00:00:00/0 1
00:00:5e:00:00:00/24 8
00:00:5e:00:53:01/48 7
00:00:5e:00:53:02/48 2
--- table(m), set(0) ---
 kindex: 1, type: mac
 references: 0, valtype: legacy
 algorithm: mac:radix
 items: 4, size: 816
00:00:5e:00:53:01/48 7
00:00:5e:00:00:00/24 8
deleted: 02:00:00:00:00:00/0 0
ipfw: Entry 00:00:5f:00:00:00 not found
status 69
ipfw: bad MAC mask width: 49
status 65
ipfw: Incorrect MAC address
status 65
ipfw: Incorrect MAC address
status 65
ignored: 00:00:5e:00:53:01/255 0
ipfw: Adding record failed: Invalid argument
status 71
notfound: 00:00:5e:00:00:00/16 0
ipfw: Deleting record failed: record not found
status 71
deleted: 00:00:5e:00:00:00/24 0
00:00:5e:00:53:01/48 7
00:00:5e:00:53:02/48 2
--- mac:radix ---
 type: mac
 refcount: 1
ipfw: getsockopt(IP_FW_XADD): Invalid argument
status 69
ipfw: getsockopt(IP_FW_XADD): Invalid argument
status 69
ipfw: getsockopt(IP_FW_XADD): Invalid argument
status 69
00130 count ip from any to any dst-mac table(m) src-mac table(m,2)
 references: 2, valtype: legacy
ipfw: failed to destroy table m: Device busy
status 71
`,
  );
});

test("MAC keys are read as libc's ether_aton reads them (sscanf %x:...): signs, 0x, long numbers and trailing words pass, the low byte counts", async (t) => {
  const keys = ["0x0:0:5e:0:53:1", "-1:0:0:0:0:0", "100:0:5e:0:53:1ff", "0:0:5e:0:53:1junk", "+2:3:4:5:6:7/8", "0:0:5e:0:53:1/abc"];
  const bad = ["0:0:5e:0:53", "0x:0:5e:0:53:1", "0:0:5e:0:53:", ":0:5e:0:53:1:2", "0:0 :5e:0:53:1", "g:0:0:0:0:0", ""];
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
kldload ipfw
jexec a ipfw table m create type mac
${keys.map((k) => `jexec a ipfw table m add '${k}' 2>&1; echo "status $?"`).join("\n")}
${bad.map((k) => `jexec a ipfw table m add '${k}' 2>&1; echo "status $?"`).join("\n")}
jexec a ipfw table m list
jail -r a
`);
  t.is(r.err, "");
  t.is(
    r.out,
    `added: 00:00:5e:00:53:01/48 0
status 0
added: ff:00:00:00:00:00/48 0
status 0
added: 00:00:5e:00:53:ff/48 0
status 0
exists: 00:00:5e:00:53:01/48 0
ipfw: Adding record failed: record already exists
status 71
added: 02:03:04:05:06:07/8 0
status 0
added: 00:00:5e:00:53:01/0 0
status 0
${"ipfw: Incorrect MAC address\nstatus 65\n".repeat(bad.length)}00:00:00:00:00:00/0 0
00:00:5e:00:53:01/48 0
00:00:5e:00:53:ff/48 0
02:00:00:00:00:00/8 0
ff:00:00:00:00:00/48 0
`,
  );
});

test("mac tables on frames: src-mac, dst-mac, lookup src-mac, table values and tablearg at layer 2", async (t) => {
  const r = await run_script(`kldload ipfw
jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a ether 00:00:5e:00:53:0a
jexec b ifconfig epair0b ether 00:00:5e:00:53:0b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
jexec a ipfw -q add 65000 allow ip from any to any
jexec b ipfw -q add 65000 allow ip from any to any
jexec b sysctl net.link.ether.ipfw=1 >/dev/null
jexec b ipfw table macs create type mac
jexec b ipfw -q table macs add 00:00:5e:00:53:0a 300
jexec b ipfw -q table macs add 00:00:5e:00:00:00/24 20
jexec b ipfw -q add 100 count ip from any to any src-mac 'table(macs)' layer2 in
jexec b ipfw -q add 110 count ip from any to any src-mac 'table(macs,300)' layer2
jexec b ipfw -q add 120 count ip from any to any dst-mac 'table(macs,20)' layer2
jexec b ipfw -q add 130 count ip from any to any lookup src-mac macs
jexec b ipfw -q add 140 count ip from any to any src-mac 'table(macs)' not layer2
jexec b ipfw -q add 150 skipto tablearg ip from any to any dst-mac 'table(macs)' layer2 out
jexec b ipfw -q add 200 deny ip from any to any layer2 out
jexec b ipfw -q add 300 count ip from any to any layer2 out
jexec a ping -c 2 10.0.0.2 >/dev/null; echo "ping $?"
jexec b ipfw show
jexec b ipfw -q zero
jexec b ipfw -q add 50 deny ip from any to any src-mac 'table(macs,300)' layer2
jexec a ping -c 1 -t 2 10.0.0.2 >/dev/null; echo "ping $?"
jexec b ipfw show 50
jexec b ipfw -q table macs delete 00:00:5e:00:53:0a
jexec a ping -c 1 -t 2 10.0.0.2 >/dev/null; echo "ping $?"
jexec b ipfw show 50 200
jail -r a
jail -r b
`);
  t.is(r.err, "");
  // b sees, at layer 2, a's ARP request and two echo requests in (src a,
  // value 300; the requests to b's own address, value 20 by the /24) and
  // its ARP reply and two echo replies out (dst a: skipto 300); at layer 3
  // no Ethernet header, so the src-mac rule 140 never matches there.
  t.is(
    r.out,
    `ping 0
00100  3 210 count ip from any to any src-mac table(macs) layer2 in
00110  3 210 count ip from any to any src-mac table(macs,300) layer2
00120  2 168 count ip from any to any dst-mac table(macs,20) layer2
00130  6 420 count ip from any to lookup src-mac macs
00140  0   0 count ip from any to any src-mac table(macs) not layer2
00150  3 210 skipto tablearg ip from any to any dst-mac table(macs) layer2 out
00200  0   0 deny ip from any to any layer2 out
00300  3 210 count ip from any to any layer2 out
65000 10 756 allow ip from any to any
65535  0   0 deny ip from any to any
ping 2
00050 1 84 deny ip from any to any src-mac table(macs,300) layer2
ping 2
00050 1  84 deny ip from any to any src-mac table(macs,300) layer2
00200 1  84 deny ip from any to any layer2 out
`,
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
