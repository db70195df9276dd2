// sbin/ifconfig_ifvlan.ts (ifvlan.c) and ifconfig.c's pcp: creating vlans
// both ways, the clone parameters and their checks, changing and dropping
// the parent, the status lines, and FreeBSD's messages and exit statuses.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

const SETUP = "ifconfig epair create >/dev/null\n";

/** [title, commands, stdout, stderr]: each command's status follows it. */
const cases: [string, string, string, string][] = [
  ["a tag without a parent", "ifconfig vlan create vlan 5", "1\n", "ifconfig: must specify a parent device for vlan create\n"],
  ["a parent without a tag", "ifconfig vlan create vlandev epair0a", "1\n", "ifconfig: must specify a tag for vlan create\n"],
  ["a dotted name and a tag", "ifconfig epair0a.5 create vlan 5", "1\n", "ifconfig: ambiguous vlan specification\n"],
  ["a dotted name with a leading zero", "ifconfig epair0a.05 create", "1\n", "ifconfig: invalid vlan tag\n"],
  ["a dotted name with junk", "ifconfig epair0a.5x create", "1\n", "ifconfig: invalid vlan tag\n"],
  ["a dotted name past 4095", "ifconfig epair0a.4096 create", "1\n", "ifconfig: invalid vlan tag\n"],
  ["a tag that is not a number", "ifconfig vlan create vlan 5x vlandev epair0a", "1\n", "ifconfig: invalid value for vlan\n"],
  ["a tag past a u_short", "ifconfig vlan create vlan 65536 vlandev epair0a", "1\n", "ifconfig: value for vlan out of range\n"],
  ["a reserved tag: the kernel's EINVAL", "ifconfig vlan create vlan 4095 vlandev epair0a", "1\n", "ifconfig: SIOCIFCREATE2 (vlan): Invalid argument\n"],
  ["an unknown protocol", "ifconfig vlan create vlan 5 vlandev epair0a vlanproto 802.1x", "1\n", "ifconfig: invalid value for vlanproto\n"],
  ["a parent that does not exist", "ifconfig vlan create vlan 5 vlandev nosuch0", "1\n", "ifconfig: SIOCIFCREATE2 (vlan): Device not configured\n"],
  ["a parent that is not Ethernet", "ifconfig vlan create vlan 5 vlandev lo0", "1\n", "ifconfig: SIOCIFCREATE2 (vlan): Protocol not supported\n"],
  ["a VID taken on the trunk reads as EEXIST", "ifconfig vlan create vlan 5 vlandev epair0a; ifconfig vlan create vlan 5 vlandev epair0a", "vlan0\n0\n1\n", "ifconfig: interface vlan already exists\n"],
  ["hex and octal tags, as strtoul reads them", "ifconfig vlan create vlan 0x10 vlandev epair0a; ifconfig vlan create vlan 010 vlandev epair0a; ifconfig vlan0 | grep vlan:; ifconfig vlan1 | grep vlan:", "vlan0\n0\nvlan1\n0\n\tvlan: 16 vlanproto: 802.1q vlanpcp: 0 parent interface: epair0a\n0\n\tvlan: 8 vlanproto: 802.1q vlanpcp: 0 parent interface: epair0a\n0\n", ""],
  ["vlan alone on an existing vlan", "ifconfig epair0a.5 create; ifconfig epair0a.5 vlan 6", "epair0a.5\n0\n1\n", "ifconfig: both vlan and vlandev must be specified\n"],
  ["another parent while it has one", "ifconfig epair0a.5 create; ifconfig epair0a.5 vlan 6 vlandev epair0b", "epair0a.5\n0\n1\n", "ifconfig: SIOCSETVLAN: Device busy\n"],
  ["a VID taken, on SIOCSETVLAN", "ifconfig epair0a.5 create; ifconfig vlan3 create; ifconfig vlan3 vlan 5 vlandev epair0a", "epair0a.5\n0\nvlan3\n0\n1\n", "ifconfig: SIOCSETVLAN: File exists\n"],
  // Once both are known the vlan is configured; a vlanproto after that is
  // another SIOCSETVLAN, on a configured vlan.
  ["vlanproto after vlan and vlandev", "ifconfig vlan3 create; ifconfig vlan3 vlan 5 vlandev epair0a vlanproto 802.1ad", "vlan3\n0\n1\n", "ifconfig: SIOCSETVLAN: Device busy\n"],
  ["vlanpcp out of range", "ifconfig epair0a.5 create; ifconfig epair0a.5 vlanpcp 8", "epair0a.5\n0\n1\n", "ifconfig: value for vlanpcp out of range\n"],
  ["vlanpcp not a number", "ifconfig epair0a.5 create; ifconfig epair0a.5 vlanpcp three", "epair0a.5\n0\n1\n", "ifconfig: invalid value for vlanpcp\n"],
  ["pcp out of range", "ifconfig epair0a pcp 8", "1\n", "ifconfig: value for pcp out of range\n"],
  ["pcp not a number", "ifconfig epair0a pcp 1x", "1\n", "ifconfig: invalid value for pcp\n"],
  ["pcp with nothing after it", "ifconfig epair0a pcp", "1\n", "ifconfig: 'pcp' requires argument\n"],
  ["pcp on an interface without a priority", "ifconfig lo0 pcp 1", "1\n", "ifconfig: SIOCSLANPCP: Invalid argument\n"],
  // SIOCGETVLAN fails on epair0a, so nothing is set, and nothing is said.
  ["vlan and vlandev on something that is not a vlan", "ifconfig epair0a vlan 5 vlandev epair0b", "0\n", ""],
  ["a name taken", "ifconfig vlan3 create; ifconfig vlan3 create", "vlan3\n0\n1\n", "ifconfig: interface vlan3 already exists\n"],
];

for (const [name, cmds, out, err] of cases) {
  test(`ifconfig vlan: ${name}`, async (t) => {
    const script = SETUP + cmds.split("; ").map((c) => `${c}; echo $?`).join("\n") + "\n";
    const r = await run_script(script);
    t.is(r.out, out);
    t.is(r.err, err);
    t.is(r.status, 0);
  });
}

test("ifconfig vlan: the status line, as FreeBSD 14 prints it, after the groups; -vlandev leaves no parent; vlanproto and vlanpcp", async (t) => {
  const r = await run_script(
    SETUP +
      `ifconfig vlan create vlandev epair0a vlan 5
ifconfig vlan0 10.0.0.1/24 up
ifconfig vlan0
ifconfig vlan0 -vlandev
ifconfig vlan0 vlanproto qinq vlan 5 vlandev epair0a vlanpcp 3
ifconfig vlan0 | grep vlan:
ifconfig vlan0 -vlandev
ifconfig vlan0 | grep -e vlan: -e flags -e media
ifconfig vlan0 vlanproto 802.1Q vlandev epair0b vlan 7
ifconfig vlan0 | grep vlan:
`,
  );
  t.is(r.err, "");
  const mac = /\tether ([0-9a-f:]{17})/.exec(r.out)?.[1] ?? "";
  t.is(
    r.out,
    `vlan0
vlan0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500
\tether ${mac}
\tinet 10.0.0.1 netmask 0xffffff00 broadcast 10.0.0.255
\tgroups: vlan
\tvlan: 5 vlanproto: 802.1q vlanpcp: 0 parent interface: epair0a
\tmedia: Ethernet 10Gbase-T (10Gbase-T <full-duplex>)
\tstatus: active
\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>
\tvlan: 5 vlanproto: 802.1ad vlanpcp: 3 parent interface: epair0a
vlan0: flags=8803<UP,BROADCAST,SIMPLEX,MULTICAST> metric 0 mtu 1500
\tvlan: 0 vlanproto: 0x0000 vlanpcp: 3 parent interface: <none>
\tvlan: 7 vlanproto: 802.1q vlanpcp: 0 parent interface: epair0b
`,
  );
});

test("ifconfig vlan: dotted names nest and take the parent's VID and name; the create prints the name made", async (t) => {
  const r = await run_script(
    SETUP +
      `ifconfig vlan5 create vlandev epair0a vlan 5 vlanproto 802.1ad
ifconfig vlan5.42 create vlanproto 802.1q
ifconfig epair0b.5 create vlanproto 802.1ad
ifconfig epair0b.5.42 create
ifconfig vlan create
ifconfig -l
for i in vlan5 vlan5.42 epair0b.5 epair0b.5.42 vlan0; do ifconfig $i | grep vlan:; done
ifconfig vlan5 destroy; echo $?
ifconfig vlan5.42 destroy; ifconfig vlan5 destroy; echo $?
`,
  );
  t.is(
    r.out,
    `vlan5
vlan5.42
epair0b.5
epair0b.5.42
vlan0
lo0 epair0a epair0b vlan5 vlan5.42 epair0b.5 epair0b.5.42 vlan0
\tvlan: 5 vlanproto: 802.1ad vlanpcp: 0 parent interface: epair0a
\tvlan: 42 vlanproto: 802.1q vlanpcp: 0 parent interface: vlan5
\tvlan: 5 vlanproto: 802.1ad vlanpcp: 0 parent interface: epair0b
\tvlan: 42 vlanproto: 802.1q vlanpcp: 0 parent interface: epair0b.5
\tvlan: 0 vlanproto: 0x0000 vlanpcp: 0 parent interface: <none>
1
0
`,
  );
  t.is(r.err, "ifconfig: SIOCIFDESTROY: Device busy\n");
});

test("ifconfig pcp: printed for an Ethernet interface that has one; -pcp takes it away; traffic between two jails with pcp and ping -C", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 192.0.2.1/24 pcp 3 up
jexec b ifconfig epair0b 192.0.2.2/24 up
jexec a ifconfig epair0a | grep -A1 ether
jexec a ping -c 1 -q 192.0.2.2 | tail -2
jexec a ping -C5 -c 1 -q 192.0.2.2 | tail -2
jexec a ifconfig epair0a -pcp
jexec a ifconfig epair0a | grep -c pcp
jexec a ifconfig epair0a pcp 0
jexec a ifconfig epair0a | grep pcp
`);
  t.is(r.err, "");
  const lines = r.out.split("\n");
  t.regex(lines[0], /^\tether [0-9a-f:]{17}$/);
  t.is(lines[1], "\tpcp 3");
  t.is(lines[2], "1 packets transmitted, 1 packets received, 0.0% packet loss");
  t.is(lines[4], "1 packets transmitted, 1 packets received, 0.0% packet loss");
  t.deepEqual(lines.slice(6), ["0", "\tpcp 0", ""]);
});
