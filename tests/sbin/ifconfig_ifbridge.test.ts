// sbin/ifconfig_ifbridge.ts: ifbridge.c's commands through SIOC[SG]DRVSPEC,
// the bridge block of `ifconfig bridgeN` and `ifconfig bridgeN addr` as
// FreeBSD 14 prints them, and its messages and exit status for what the
// kernel refuses (EEXIST, EBUSY, EINVAL, ENOENT, EPERM, the STP ranges)
// and for what it refuses itself (get_val, ether_aton).
import test from "ava";
import fc from "fast-check";
import { run_script } from "./prog_helpers.ts";

const SETUP = `ifconfig bridge create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig bridge0 addm epair0a addm epair1a up
`;

test("ifconfig bridge0: the bridge block, members newest first, an STP member with its role and state", async (t) => {
  const r = await run_script(`${SETUP}ifconfig epair0a up
ifconfig epair1a up
ifconfig bridge0 stp epair0a ifpriority epair1a 64 ifpathcost epair1a 5000 ifmaxaddr epair1a 7 priority 8192 maxaddr 500 timeout 60
ifconfig bridge0
`);
  t.is(r.err, "");
  t.regex(
    r.out,
    new RegExp(
      "^bridge0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n" +
        "\tether 58:9c:fc:[0-9a-f:]{8}\n" +
        "\tid ([0-9a-f:]{17}) priority 8192 hellotime 2 fwddelay 15\n" +
        "\tmaxage 20 holdcnt 6 proto rstp maxaddr 500 timeout 60\n" +
        "\troot id \\1 priority 8192 ifcost 0 port 0\n" +
        // ifpathcost sets ADMCOST (0x400), shown in the hex only.
        "\tmember: epair1a flags=543<LEARNING,DISCOVER,AUTOEDGE,AUTOPTP>\n" +
        "\t        ifmaxaddr 7 port \\d+ priority 64 path cost 5000\n" +
        "\tmember: epair0a flags=1c7<LEARNING,DISCOVER,STP,AUTOEDGE,PTP,AUTOPTP>\n" +
        "\t        ifmaxaddr 0 port \\d+ priority 128 path cost 2000 proto rstp\n" +
        "\t        role designated state (discarding|learning|forwarding)\n" +
        "\tgroups: bridge\n\tnd6 options=9<PERFORMNUD,IFDISABLED>\n$",
    ),
  );
});

test("member flags: each command sets and clears its bit; private sorts before the STP ones", async (t) => {
  const r = await run_script(`${SETUP}ifconfig bridge0 -learn epair0a -discover epair0a sticky epair0a private epair0a -autoedge epair0a edge epair0a -autoptp epair0a ptp epair0a
ifconfig bridge0 | grep 'member: epair0a'
ifconfig bridge0 learn epair0a discover epair0a -sticky epair0a -private epair0a autoedge epair0a -edge epair0a autoptp epair0a -ptp epair0a
ifconfig bridge0 | grep 'member: epair0a'
`);
  t.is(r.err, "");
  // edge sets the administrative bit (ADMEDGE, 0x200) that printb has no name for.
  t.is(r.out, "\tmember: epair0a flags=ab0<STICKY,PRIVATE,EDGE,PTP>\n\tmember: epair0a flags=143<LEARNING,DISCOVER,AUTOEDGE,AUTOPTP>\n");
});

test("span ports are listed after the members, SPAN only", async (t) => {
  const r = await run_script(`${SETUP}ifconfig epair create >/dev/null
ifconfig bridge0 span epair2a
ifconfig bridge0 | grep -A1 'member: epair2a'
ifconfig bridge0 -span epair2a
ifconfig bridge0 | grep -c member
`);
  t.is(r.err, "");
  t.regex(r.out, /^\tmember: epair2a flags=8<SPAN>\n\t        ifmaxaddr 0 port \d+ priority 128 path cost 2000\n2\n$/);
});

test("static, addr, deladdr, flush and flushall", async (t) => {
  const r = await run_script(`${SETUP}ifconfig bridge0 static epair0a 00:01:02:03:04:05 static epair1a 0:1:2:3:4:6
ifconfig bridge0 addr
ifconfig bridge0 deladdr 00:01:02:03:04:05
ifconfig bridge0 addr
ifconfig bridge0 flush addr
echo ---
ifconfig bridge0 flushall addr
echo ---
`);
  t.is(r.err, "");
  t.is(
    r.out,
    "00:01:02:03:04:06 Vlan1 epair1a 0 flags=1<STATIC>\n00:01:02:03:04:05 Vlan1 epair0a 0 flags=1<STATIC>\n" +
      "00:01:02:03:04:06 Vlan1 epair1a 0 flags=1<STATIC>\n" +
      "00:01:02:03:04:06 Vlan1 epair1a 0 flags=1<STATIC>\n---\n---\n",
  );
});

const errors: [string, string, string][] = [
  ["addm of an unknown interface", "ifconfig bridge0 addm nosuch0", "ifconfig: BRDGADD nosuch0: No such file or directory\n"],
  ["addm twice", "ifconfig bridge0 addm epair0a", "ifconfig: BRDGADD epair0a: File exists\n"],
  ["addm of another bridge's member", "ifconfig bridge create >/dev/null; ifconfig bridge1 addm epair0a", "ifconfig: BRDGADD epair0a: Device busy\n"],
  ["addm of a loopback", "ifconfig bridge0 addm lo0", "ifconfig: BRDGADD lo0: Invalid argument\n"],
  ["addm of a bridge", "ifconfig bridge create >/dev/null; ifconfig bridge0 addm bridge1", "ifconfig: BRDGADD bridge1: Invalid argument\n"],
  ["deletem of a non-member", "ifconfig bridge0 deletem epair0b", "ifconfig: BRDGDEL epair0b: No such file or directory\n"],
  ["a flag on a non-member", "ifconfig bridge0 stp epair0b", "ifconfig: unable to get bridge flags: No such file or directory\n"],
  ["span of a member", "ifconfig bridge0 span epair0a", "ifconfig: BRDGADDS epair0a: Device busy\n"],
  ["-span of a non-span", "ifconfig bridge0 -span epair0b", "ifconfig: BRDGDELS epair0b: No such file or directory\n"],
  ["static on a non-member", "ifconfig bridge0 static epair0b 00:01:02:03:04:05", "ifconfig: BRDGSADDR epair0b: No such file or directory\n"],
  ["static with a bad address", "ifconfig bridge0 static epair0a 00:01:02:03:04", "ifconfig: epair0a: invalid address: 00:01:02:03:04\n"],
  ["static with a group address", "ifconfig bridge0 static epair0a 01:00:5e:00:00:01", "ifconfig: BRDGSADDR epair0a: Invalid argument\n"],
  ["deladdr of a bad address", "ifconfig bridge0 deladdr 00:01:02:03:04", "ifconfig: invalid address: 00:01:02:03:04\n"],
  ["deladdr of an unknown address", "ifconfig bridge0 deladdr 00:01:02:03:04:06", "ifconfig: BRDGDADDR 00:01:02:03:04:06: No such file or directory\n"],
  ["priority out of range", "ifconfig bridge0 priority 65536", "ifconfig: invalid value: 65536\n"],
  ["priority not a number", "ifconfig bridge0 priority 1x", "ifconfig: invalid value: 1x\n"],
  ["hellotime in RSTP", "ifconfig bridge0 hellotime 1", "ifconfig: BRDGSHT 1: Operation not permitted\n"],
  ["fwddelay too short", "ifconfig bridge0 fwddelay 3", "ifconfig: BRDGSFD 3: Invalid argument\n"],
  ["maxage too long", "ifconfig bridge0 maxage 41", "ifconfig: BRDGSMA 41: Invalid argument\n"],
  ["holdcnt 0", "ifconfig bridge0 holdcnt 0", "ifconfig: BRDGSTXHC 0: Invalid argument\n"],
  ["an unknown protocol", "ifconfig bridge0 proto ieee", "ifconfig: unknown stp protocol\n"],
  ["ifpriority too big for a byte", "ifconfig bridge0 ifpriority epair0a 256", "ifconfig: invalid value: 256\n"],
  ["ifpriority past 240", "ifconfig bridge0 ifpriority epair0a 250", "ifconfig: BRDGSIFPRIO 250: Invalid argument\n"],
  ["ifpathcost too big", "ifconfig bridge0 ifpathcost epair0a 200000001", "ifconfig: BRDGSIFCOST 200000001: Invalid argument\n"],
  ["ifmaxaddr of a non-member", "ifconfig bridge0 ifmaxaddr epair0b 3", "ifconfig: BRDGSIFAMAX 3: No such file or directory\n"],
  ["maxaddr negative", "ifconfig bridge0 maxaddr -1", "ifconfig: invalid value: -1\n"],
  ["a bridge command on a non-bridge", "ifconfig epair0b addm epair1b", "ifconfig: BRDGADD epair1b: Invalid argument\n"],
  ["an MTU the members do not have", "ifconfig bridge0 mtu 9000", "ifconfig: ioctl SIOCSIFMTU (set mtu): Invalid argument\n"],
  ["an MTU below 576", "ifconfig bridge0 mtu 500", "ifconfig: ioctl SIOCSIFMTU (set mtu): Invalid argument\n"],
  ["static without its address", "ifconfig bridge0 static epair0a", "ifconfig: 'static' requires 2 arguments\n"],
];

for (const [name, cmd, err] of errors) {
  test(`ifconfig bridge: ${name}`, async (t) => {
    const r = await run_script(`${SETUP}${cmd} || echo "exit $?"\n`);
    t.is(r.err, err);
    t.is(r.out, "exit 1\n");
  });
}

test("EPERM: a jail without its own vnet may look at the bridge but not change it", async (t) => {
  const r = await run_script(`${SETUP}jail -c name=n persist >/dev/null
jexec n ifconfig bridge0 deletem epair0a || echo "exit $?"
jexec n ifconfig bridge0 addr && echo read ok
`);
  t.is(r.err, "ifconfig: BRDGDEL epair0a: Operation not permitted\n");
  t.is(r.out, "exit 1\nread ok\n");
});

test("a vnet jail runs its own bridges: bridge0 in the jail is not the host's", async (t) => {
  const r = await run_script(`${SETUP}jail -c name=j vnet persist >/dev/null
ifconfig epair1b vnet j
jexec j ifconfig bridge create
jexec j ifconfig bridge0 addm epair1b
jexec j ifconfig bridge0 | grep member:
ifconfig bridge0 | grep -c member:
`);
  t.is(r.err, "");
  t.is(r.out, "bridge0\n\tmember: epair1b flags=143<LEARNING,DISCOVER,AUTOEDGE,AUTOPTP>\n2\n");
});

test("destroy with members; the members are plain interfaces again", async (t) => {
  const r = await run_script(`${SETUP}ifconfig bridge0 destroy
ifconfig epair0a | head -1
ifconfig -l
`);
  t.is(r.err, "");
  t.is(r.out, "epair0a: flags=8842<BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\nlo0 epair0a epair0b epair1a epair1b\n");
});

test("get_val reads what strtoul(.., 0) reads (decimal, 0x hex, 0 octal) and refuses the rest", async (t) => {
  // Random timeouts written three ways each, set and read back in one run.
  const vals = fc.sample(fc.integer({ min: 0, max: 0xffffffff }), { numRuns: 30, seed: 7 });
  let script = SETUP;
  for (const v of vals) {
    for (const w of [v.toString(), `0x${v.toString(16)}`, `0${v.toString(8)}`]) script += `ifconfig bridge0 timeout ${w} && ifconfig bridge0 | grep -o 'timeout [0-9]*'\n`;
  }
  for (const bad of ["0x", "09", "4294967296", "12z", "-1", "''"]) script += `ifconfig bridge0 timeout ${bad} || echo "exit $?"\n`;
  const r = await run_script(script);
  const want = vals.flatMap((v) => [v, v, v].map((x) => `timeout ${x}\n`)).join("") + "exit 1\n".repeat(6);
  t.is(r.out, want);
  t.is(r.err, ["0x", "09", "4294967296", "12z", "-1", ""].map((b) => `ifconfig: invalid value: ${b}\n`).join(""));
});
