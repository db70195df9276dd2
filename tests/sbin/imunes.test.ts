// sbin/imunes.ts, sbin/himage.ts, sbin/vlink.ts and `virtnet imunes`: the
// command's usage, statuses and messages for bad files, --dry-run's plan,
// --graph through graphviz, himage's lookup of nodes by host name, vlink's
// checks and its reading of getcfg.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import { needs } from "../helpers/tools.ts";
import { run_script } from "./prog_helpers.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const example = path.join(root, "examples", "imunes-3routers.json");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-imunes-test-"));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function virtnet(argv: string[], stdin = ""): Promise<{ k: Kernel; out: string; err: string; status: number }> {
  const k = await loadKernelUnbooted("vimage");
  let out = "";
  let err = "";
  const status = await k.virtnet_main(argv, { write: (s: string) => void (out += s) }, { write: (s: string) => void (err += s) }, () => stdin);
  return { k, out, err, status };
}

function file(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}

test("virtnet imunes: help on stdout, bad usage 64, a missing file 66", async (t) => {
  const h = await virtnet(["help", "imunes"]);
  t.is(h.status, 0);
  t.regex(h.out, /^usage: virtnet imunes \[--seed N\] \[--eid EID\] \[--exec 'NODE CMD' \.\.\.\] \[--graph FILE\.svg\]/);
  t.regex(h.out, /65 a bad topology file/);
  const all = await virtnet(["--help"]);
  t.regex(all.out, /\n {2}imunes {3}load an IMUNES topology/);
  const none = await virtnet(["imunes"]);
  t.is(none.status, 64);
  t.regex(none.err, /^usage: virtnet imunes/);
  const opt = await virtnet(["imunes", "--nosuch", example]);
  t.is(opt.status, 64);
  t.regex(opt.err, /^virtnet: unknown option --nosuch\n/);
  const noexec = await virtnet(["imunes", "--exec", "  ", example]);
  t.is(noexec.status, 64);
  const gone = await virtnet(["imunes", path.join(tmp, "nosuch.json")]);
  t.is(gone.status, 66);
  t.is(gone.err, `virtnet: ${path.join(tmp, "nosuch.json")}: No such file or directory\n`);
});

const BAD: [string, string, string][] = [
  ["missing link peer", '{"nodes":{"n0":{"type":"pc","name":"pc1","ifaces":{"ifc0":{"name":"eth0","type":"phys","link":"l0"}}}},"links":{"l0":{"peers":"n0 n4","peers_ifaces":"ifc0 ifc0"}}}', 'link l0: missing link peer: node "n4" is not in the file'],
  ["bad address", '{"nodes":{"n0":{"type":"pc","name":"pc1","ifaces":{"ifc0":{"name":"eth0","type":"phys","ipv4_addrs":["10.1.2.3/40"]}}}}}', 'node n0 (pc1): interface eth0: bad IPv4 address "10.1.2.3/40" (a.b.c.d/len)'],
  ["unknown node type", '{"nodes":{"n0":{"type":"router","name":"r1"},"n1":{"type":"mainframe","name":"big"}}}', `node n1 (big): unknown node type "mainframe" (IMUNES's types VirtNet builds: pc, host, router, lanswitch, hub)`],
  ["malformed JSON", '{\n  "nodes": {\n    "n0": {"type": "pc",}\n  }\n}\n', "line 3, column 25: malformed JSON: expected a property name in double quotes, found '}'"],
];

for (const [name, text, msg] of BAD) {
  test(`virtnet imunes: ${name} is one line naming the file, status 65, before anything boots`, async (t) => {
    const f = file(`${name.replace(/ /g, "-")}.json`, text);
    const r = await virtnet(["imunes", f]);
    t.is(r.status, 65);
    t.is(r.err, `virtnet: ${f}: ${msg}\n`);
    t.is(r.out, "");
    t.false(/\n\s+at /.test(r.err), "no stack trace");
  });
}

test("virtnet imunes --dry-run: the commands IMUNES would run, the warning once", async (t) => {
  const r = await virtnet(["imunes", "--dry-run", "--eid", "i00aa", example]);
  t.is(r.status, 0);
  t.is(r.err, "");
  const lines = r.out.trimEnd().split("\n");
  t.is(lines[0], "jail -c name=i00aa vnet persist");
  t.is(lines.filter((l) => l.startsWith("jail -c")).length, 8);
  t.is(lines.filter((l) => l.includes("ngctl -f -")).length, 2 + 11 + 2);
  t.is((r.out.match(/pipe [a-z0-9]+ upper/g) ?? []).length, 8);
  t.regex(lines[lines.length - 1], /^jexec i00aa-n6 sh -ec 'ifconfig n6-ifc1 name eth0; .*; route -q add -inet 0\.0\.0\.0\/0 10\.0\.3\.1'$/);
  const w = file("warn.json", '{"nodes":{"n0":{"type":"router","name":"r1","model":"frr","router_config":"rip 1 ripng 1","ifaces":{"ifc0":{"name":"eth0","type":"phys","ipv4_addrs":["10.0.0.1/24"],"ipv6_addrs":["fc00::1/64"]}}},"n1":{"type":"rj45","name":"em0"}}}');
  const r2 = await virtnet(["imunes", "--dry-run", "--eid", "i1", w]);
  t.is(r2.status, 0);
  t.is(r2.err, `virtnet: warning: ${w}: not emulated (the rest runs): IPv6 addresses on r1 eth0; routing protocols rip, ripng on router r1 (model frr; its croutes4 are applied); rj45 node em0\n`);
  t.regex(r2.out, /^jail -c name=i1 vnet persist\njail -c name=i1-n0 host.hostname=r1 vnet persist\n/);
  t.false(r2.out.includes("em0"));
});

test("the default experiment ID is i + 4 hex digits, the same for the same seed", async (t) => {
  const a = await virtnet(["imunes", "--dry-run", "--seed", "3", example]);
  const b = await virtnet(["imunes", "--dry-run", "--seed", "3", example]);
  const c = await virtnet(["imunes", "--dry-run", "--seed", "4", example]);
  const id = (s: string): string => /name=(i[0-9a-f]{4}) /.exec(s)?.[1] ?? "";
  t.regex(id(a.out), /^i[0-9a-f]{4}$/);
  t.is(id(a.out), id(b.out));
  t.not(id(a.out), id(c.out));
});

const dot = needs("dot");
dot.serial("virtnet imunes --graph draws nodes by type and links with addresses and parameters", async (t) => {
  const out = path.join(tmp, "topo.svg");
  const r = await virtnet(["imunes", "--dry-run", "--graph", out, example]);
  t.is(r.status, 0, r.err);
  const svg = fs.readFileSync(out, "utf8");
  t.regex(svg, /^<\?xml|<svg/);
  for (const s of ["router1", "pc4", "switch1", "hub1", "10.0.23.2/24", "10 Mbit/s, 5 ms, BER 1/100000", "100 Mbit/s, 10 ms", "(lanswitch)", "(hub)", "(router)"]) t.true(svg.includes(s), s);
  // Nodes by type: routers are octagons (polygons of 8 points), the lossy link red.
  t.true(svg.includes('stroke="#c00000"'));
  const dotsrc = (await loadKernelUnbooted("vimage")).imunes_dot((await loadKernelUnbooted("vimage")).imn_check((await loadKernelUnbooted("vimage")).imn_parse("x", fs.readFileSync(example, "utf8"))), "x");
  t.regex(dotsrc, /"n0" \[label="router1\\n\(router\)\\n3 static routes", shape=octagon/);
  t.regex(dotsrc, /"n7" \[label="switch1\\n\(lanswitch\)", shape=box/);
});

test.serial("virtnet imunes --graph without dot: status 69 and how to get it", async (t) => {
  const saved = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    const r = await virtnet(["imunes", "--dry-run", "--graph", path.join(tmp, "x.svg"), example]);
    t.is(r.status, 69);
    t.regex(r.err, /dot \(graphviz\) not found on PATH; install it with: apt-get install graphviz/);
  } finally {
    process.env.PATH = saved;
  }
});

// himage needs jails only: a node is the vnet jail EID-nN whose
// host.hostname is the node's name.
const NODES = `jail -c name=i0001-n0 host.hostname=pc1 vnet persist >/dev/null
jail -c name=i0001-n1 host.hostname=pc2 vnet persist >/dev/null
jail -c name=i0002-n0 host.hostname=pc2 vnet persist >/dev/null
`;

test("himage NODE CMD runs CMD in the node's jail; -v -e -n -j name it", async (t) => {
  const r = await run_script(`${NODES}himage pc1 sysctl -n kern.hostname security.jail.jailed
himage pc1@i0001 sysctl -n kern.hostname; himage pc1 sh -c 'echo in $(sysctl -n kern.hostname)'
himage -v pc1; himage -e pc1; himage -n pc1; himage -j pc1; himage -i pc2@i0002
`);
  t.is(r.err, "");
  t.is(r.out, "pc1\n1\npc1\nin pc1\ni0001-n0\ni0001\nn0\n1\n3\n");
});

test("himage: a name used twice, an unknown one, an illegal option", async (t) => {
  const r = await run_script(`${NODES}himage pc2 true; echo "status $?"
himage nosuch true; echo "status $?"
himage -x; echo "status $?"
himage -b pc2@i0002 sysctl -n kern.hostname
`);
  t.regex(r.err, /^Error: pc2 is not a unique name\.\nIt is used \(at least\) for nodes:\nJID\tName    \tHostname\n2\ti0001-n1\tpc2\n3\ti0002-n0\tpc2\nError: cannot find node named nosuch\n$/);
  t.regex(r.out, /^\nCommand himage can be used as an interface to the jexec\/jls command[^]*status 2\n[^]*status 2\nhimage: illegal option -- -x\n[^]*status 2\npc2\n$/);
});

test("vlink: its checks and messages, as vlink.tcl's", async (t) => {
  const r = await run_script(`vlink; echo "status $?"
vlink -s pc1:pc2; echo "status $?"
vlink -bw 10X pc1:pc2; echo "status $?"
vlink -d 20 -e i1 pc1:pc2@i1; echo "status $?"
vlink -l; echo "status $?"
vlink -x pc1:pc2; echo "status $?"
`);
  const err = r.err.split("\n");
  t.is(err[0], "No arguments were specified.");
  t.true(r.err.includes('Error: There are no running experiments with link "pc1:pc2":\n'));
  t.true(r.err.includes("Error: wrong bandwidth format (e.g. 1000, 10K, 5M, 2G, 1T).\n"));
  t.true(r.err.includes("Only one eid option should be used.\n"));
  t.true(r.err.includes('Illegal option "-x"'));
  t.is(r.out, "status 1\nstatus 1\nstatus 1\nstatus 1\nstatus 0\nstatus 1\n");
});

test("vlink reads getcfg's reply: bandwidth and delay at the top, BER and duplicate per direction", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const out = `Rec'd response "getcfg" (2) from "[a]:":\nArgs:\t{ bandwidth=10000000 delay=20000 header_offset=0 downstream={ BER=100000 duplicate=5 fifo=1 droptail=1 } upstream={ BER=100000 duplicate=5 fifo=1 droptail=1 } }\n`;
  t.deepEqual(k.vlink_parse_getcfg(out), { bandwidth: 10000000, delay: 20000, BER: 100000, duplicate: 5 });
  t.deepEqual(k.vlink_parse_getcfg("Args:\t{ downstream={ fifo=1 } }"), { bandwidth: -1, delay: -1, BER: -1, duplicate: -1 });
});

test("imunes -b: usage and the GUI that is not here", async (t) => {
  const r = await run_script(`imunes ${example}; echo "status $?"\nimunes -b; echo "status $?"\nimunes -b -e i9; echo "status $?"\n`);
  t.regex(r.err, /^imunes: only batch mode \(-b\) runs here: the GUI is not simulated\nusage: imunes -b \[-e eid\] FILE\n {7}imunes -b -e eid\nusage: imunes -b \[-e eid\] FILE\n {7}imunes -b -e eid\nimunes: no running experiment with ID i9\n$/);
  t.is(r.out, "status 64\nstatus 64\nstatus 1\n");
});

// The whole path: netgraph (ng_socket and ngctl, eiface, bridge, hub,
// pipe) driven by imunes -b, himage and vlink.

const PAIRS = `addr() { case $1 in pc1) echo 10.0.1.10;; pc2) echo 10.0.1.11;; pc3) echo 10.0.2.10;; pc4) echo 10.0.3.10;; esac; }
for a in pc1 pc2 pc3 pc4; do for b in pc1 pc2 pc3 pc4; do
  [ $a = $b ] && continue
  r=lost
  for try in 1 2 3; do himage $a ping -c 1 -q $(addr $b) >/dev/null && { r=ok; break; }; done
  echo "$a $b $r"
done; done
`;

for (const form of ["json", "imn"]) {
  test.serial(`the example (${form}) loads; every PC pings every other; nothing is left after terminating it`, async (t) => {
    const r = await run_script(`imunes -b -e i3r examples/imunes-3routers.${form}\n${PAIRS}imunes -b -e i3r\njls name\n`, { cwd: root });
    t.is(r.err, "");
    t.regex(r.out, /^Creating experiment\.\.\.\n[^]*Network topology instantiated in [0-9.]+ seconds \(9 nodes and 8 links\)\.\nExperiment ID = i3r\n/);
    const pairs = r.out.split("\n").filter((l) => /^pc[1-4] pc[1-4] /.test(l));
    t.is(pairs.length, 12);
    t.deepEqual(
      pairs.filter((l) => !l.endsWith(" ok")),
      [],
    );
    t.regex(r.out, /Terminated experiment ID = i3r\n$/);
    t.is(r.status, 0);
    t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test.serial("the experiment's netgraph: eifaces, a bridge, a hub and a pipe per link, named as IMUNES names them", async (t) => {
  const r = await run_script(`imunes -b -e i3r examples/imunes-3routers.json >/dev/null
jexec i3r ngctl list
himage pc1 ifconfig eth0
jexec i3r ngctl msg l3: getcfg
imunes -b -e i3r >/dev/null
`, { cwd: root });
  t.is(r.err, "");
  for (const n of ["n0-ifc1", "n3-ifc1", "n7", "n8", "l0", "l7"]) t.regex(r.out, new RegExp(`Name: ${n} +Type: `), n);
  t.regex(r.out, /Name: n7 +Type: bridge/);
  t.regex(r.out, /Name: n8 +Type: hub/);
  t.regex(r.out, /Name: l5 +Type: pipe/);
  t.regex(r.out, /Name: n3-ifc1 +Type: eiface/);
  t.regex(r.out, /\tether 42:00:aa:00:00:07\n/);
  t.regex(r.out, /\tinet 10\.0\.1\.10 netmask 0xffffff00 broadcast 10\.0\.1\.255\n/);
  t.regex(r.out, /bandwidth=100000000 delay=10000/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("--exec runs in order in the nodes; a delay set with vlink shows in ping's times", async (t) => {
  const r = await virtnet(["imunes", "--eid", "i1", "--exec", "pc1 ping -c 2 10.0.2.10", "--exec", "vlink -d 50ms router1:router2", "--exec", "vlink -s router1:router2", "--exec", "pc1 ping -c 2 10.0.2.10", example]);
  t.is(r.status, 0, r.err);
  const times = [...r.out.matchAll(/icmp_seq=1 ttl=62 time=([0-9.]+) ms/g)].map((m) => Number(m[1]));
  t.is(times.length, 2);
  // One way: 1 + 10 + 2 ms, then 1 + 50 + 2 ms: the round trip grows by 80 ms.
  t.true(times[0] >= 26 && times[0] < 32, String(times[0]));
  t.true(times[1] - times[0] >= 79 && times[1] - times[0] <= 81, String(times));
  t.regex(r.out, /router1:router2@i1:\n\tbandwidth 100Mbps\n\tdelay 50ms\n/);
});

test.serial("without --exec, lines from the standard input: NODE CMD, himage and vlink", async (t) => {
  const r = await virtnet(["imunes", "--eid", "i2", example], "pc4 ping -c 1 -q 10.0.1.11\nhimage -n pc4\nvlink -l\n");
  t.is(r.status, 0, r.err);
  t.regex(r.out, /1 packets transmitted, 1 packets received, 0\.0% packet loss\n/);
  t.regex(r.out, /\nn6\n/);
  t.regex(r.out, /\ni2 \(pc1:switch1 pc2:switch1 switch1:router1 router1:router2 router2:pc3 router2:router3 router3:hub1 hub1:pc4\)\n/);
});

test.serial("vlink changes bandwidth, BER and duplication, and -r resets the link", async (t) => {
  const r = await run_script(`imunes -b -e i4 examples/imunes-3routers.json >/dev/null
vlink -bw 5M -BER 1000 -dup 10% pc1:switch1
vlink -s switch1:pc1
jexec i4 ngctl msg l0: getcfg
vlink -r pc1:switch1@i4
vlink -s pc1:switch1
vlink -l
imunes -b -e i4 >/dev/null
`, { cwd: root });
  t.is(r.err, "");
  t.regex(r.out, /^pc1:switch1@i4:\n\tbandwidth 5Mbps\n\tBER 1000\n\tduplicate 10%\n/);
  t.regex(r.out, /Args:\t\{ bandwidth=5000000 .*downstream=\{ BER=1000 .*duplicate=10 .*upstream=\{ BER=1000 .*duplicate=10 /);
  t.regex(r.out, /\npc1:switch1@i4:\n\tNo currently applied settings\.\n/);
  t.regex(r.out, /\ni4 \(pc1:switch1 pc2:switch1 switch1:router1 router1:router2 router2:pc3 router2:router3 router3:hub1 hub1:pc4\)\n$/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ifconfig IF link|ether|lladdr ADDR sets the link-level address (IMUNES's getMacIfcCmd), as FreeBSD's does", async (t) => {
  const r = await run_script(`ifconfig epair create >/dev/null
ifconfig epair0a link 42:00:aa:00:00:01
ifconfig epair0a ether | grep ether
ifconfig epair0a ether 42:0:aa:0:0:2 mtu 1400
ifconfig epair0a | grep -E 'ether|mtu'
ifconfig epair0a lladdr 42:00:aa:00:00:zz; echo "status $?"
ifconfig lo0 link 42:00:aa:00:00:03; echo "status $?"
`);
  t.is(r.out, "\tether 42:00:aa:00:00:01\n" + "epair0a: flags=8842<BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1400\n\tether 42:00:aa:00:00:02\n" + "status 1\nstatus 1\n");
  t.is(r.err, "ifconfig: malformed link-level address\nifconfig: ioctl (set lladdr): Invalid argument\n");
});
