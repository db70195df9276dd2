// net/bpf_hostif.ts: the host-interface mirror, first with a recording
// stand-in for the host side (no root needed): it follows vnet0's Ethernet
// interfaces (create, rename, move into a jail and back, destroy), frames
// from the host leave by the interface as bpf writes and are not echoed,
// what the interface sends and receives reaches the host; bad frames are
// refused and counted.  Then the real thing, through `virtnet atf-run` in a
// throw-away namespace: scapy on epair0a as on FreeBSD.
import test, { type ExecutionContext } from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadKernel, type BuildName, type Kernel } from "../helpers/builds.ts";
import { decide, in_ci, needs } from "../helpers/tools.ts";
import { frame } from "./link_helpers.ts";

interface fake_tap {
  name: string;
  input: (f: Uint8Array) => void;
  sent: Uint8Array[];
  closed: boolean;
}

/** A host side that records what the mirror does. */
function fake_host() {
  const taps: fake_tap[] = [];
  const events: string[] = [];
  const configured: string[] = [];
  /** IPv4 the host devices have, as the mirror left it ("epair0a addr
   *  192.0.2.1/24 brd ..."); a device's going or renaming takes its share
   *  along, as Linux does; taking away what is not there is a mistake. */
  const inet = new Set<string>();
  const inet_errors: string[] = [];
  const inet_rename = (from: string, to: string) => {
    for (const e of [...inet]) {
      if (!e.startsWith(`${from} `)) continue;
      inet.delete(e);
      if (to !== "") inet.add(to + e.slice(from.length));
    }
  };
  const inet_op = (e: string, add: boolean): Promise<string | null> => {
    if (add) inet.add(e);
    else if (!inet.delete(e)) inet_errors.push(`not there: ${e}`);
    return Promise.resolve(null);
  };
  const ops = {
    open(name: string, _mtu: number, input: (f: Uint8Array) => void): fake_tap | string {
      if (name === "refuse0") return "refused for the test";
      const t: fake_tap = { name, input, sent: [], closed: false };
      taps.push(t);
      events.push(`open ${name}`);
      return t;
    },
    send(t: fake_tap, f: Uint8Array): void {
      t.sent.push(f.slice());
    },
    mtu(t: fake_tap, mtu: number): string | null {
      events.push(`mtu ${t.name} ${mtu}`);
      return null;
    },
    rename(t: fake_tap, n: string): string | null {
      events.push(`rename ${t.name} ${n}`);
      inet_rename(t.name, n);
      t.name = n;
      return null;
    },
    close(t: fake_tap): void {
      events.push(`close ${t.name}`);
      inet_rename(t.name, "");
      t.closed = true;
    },
    configure(name: string, lladdr: Uint8Array, mtu: number): Promise<string | null> {
      configured.push(`${name} ${Array.from(lladdr, (b) => b.toString(16).padStart(2, "0")).join(":")} ${mtu}`);
      return Promise.resolve(null);
    },
    settle(): Promise<void> {
      return Promise.resolve();
    },
    addr4(name: string, a: { addr: string; plen: number; brd: string }, add: boolean): Promise<string | null> {
      return inet_op(`${name} addr ${a.addr}/${a.plen} brd ${a.brd || "none"}`, add);
    },
    route4(name: string, r: { dst: string; plen: number; gw: string }, add: boolean): Promise<string | null> {
      return inet_op(`${name} route ${r.dst}/${r.plen} via ${r.gw || "direct"}`, add);
    },
  };
  const live = (name: string): fake_tap => {
    const t = taps.find((x) => x.name === name && !x.closed);
    if (t === undefined) throw new Error(`no open tap ${name}`);
    return t;
  };
  return { ops, taps, events, configured, inet, inet_errors, live };
}

async function sh(k: Kernel, ...cmds: string[][]): Promise<string> {
  let out = "";
  const io = { stdin: "", stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (out += s) }, env: new Map<string, string>() };
  const root = k.proc_create(k.cred0, "sh");
  for (const argv of cmds) {
    const st = await k.exec_prog(root, argv, io);
    if (st !== 0) throw new Error(`${argv.join(" ")}: exit ${st}: ${out}`);
  }
  k.proc_exit(root);
  return out;
}

function cksum(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (b[off + i] << 8) | (i + 1 < len ? b[off + i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** IPv4 ICMP echo request from src to dst (a.b.c.d as numbers). */
function icmp_echo(src: number[], dst: number[], id: number): Uint8Array {
  const p = new Uint8Array(20 + 8 + 8);
  p.set([0x45, 0, 0, p.length, 0, 1, 0, 0, 64, 1, 0, 0, ...src, ...dst]);
  const ip = cksum(p, 0, 20);
  p[10] = ip >> 8;
  p[11] = ip & 0xff;
  p.set([8, 0, 0, 0, id >> 8, id & 0xff, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8], 20);
  const c = cksum(p, 20, 16);
  p[22] = c >> 8;
  p[23] = c & 0xff;
  return p;
}

function arp(op: number, sha: number[], spa: number[], tha: number[], tpa: number[]): Uint8Array {
  return Uint8Array.from([0, 1, 8, 0, 6, 4, 0, op, ...sha, ...spa, ...tha, ...tpa]);
}

const mac = (s: string) => s.split(":").map((x) => parseInt(x, 16));
const HOST = [0x02, 0, 0, 0, 0, 0x01];

function ether_of(k: Kernel, v: unknown, name: string): number[] {
  const saved = k.CURVNET_SET(v as Parameters<Kernel["CURVNET_SET"]>[0], "test");
  try {
    const ifp = k.ifunit(name);
    if (ifp === null) throw new Error(`no ${name}`);
    return Array.from(k.IF_LLADDR(ifp));
  } finally {
    k.CURVNET_RESTORE(saved);
  }
}

test("vimage: the mirror follows vnet0's Ethernet interfaces: create, rename, into a jail and back, destroy", async (t) => {
  const k = await loadKernel("vimage");
  const h = fake_host();
  const logs: string[] = [];
  const m = new k.hostif_mirror(h.ops, (s: string) => logs.push(s));
  await sh(k, ["ifconfig", "epair", "create"]);
  m.start();
  await m.settle();
  // What was there before start is mirrored; lo0 (DLT_NULL) never is.
  t.deepEqual(h.events, ["open epair0a", "open epair0b"]);
  const a = ether_of(k, k.vnet0, "epair0a");
  t.deepEqual(h.configured, [`epair0a ${a.map((b) => b.toString(16).padStart(2, "0")).join(":")} 1500`, `epair0b ${[...a.slice(0, 5), 0x0b].map((b) => b.toString(16).padStart(2, "0")).join(":")} 1500`]);
  // netstat -B names the process holding the descriptors, as it would
  // name the host program on FreeBSD.
  const b = await sh(k, ["netstat", "-B"]);
  t.regex(b, /epair0a .*hostif/);
  t.regex(b, /epair0b .*hostif/);
  h.events.length = 0;
  await sh(k, ["ifconfig", "epair0a", "name", "host0"], ["ifconfig", "host0", "mtu", "9000"], ["jail", "-c", "name=j", "vnet", "persist"], ["ifconfig", "epair0b", "vnet", "j"]);
  t.deepEqual(h.events, ["rename epair0a host0", "mtu host0 9000", "close epair0b"]);
  t.deepEqual(m.list().map((x) => x.name), ["host0"]);
  h.events.length = 0;
  await sh(k, ["ifconfig", "epair0b", "-vnet", "j"], ["ifconfig", "epair1", "create"], ["ifconfig", "lo1", "create"]);
  t.deepEqual(h.events, ["open epair0b", "open epair1a", "open epair1b"]);
  h.events.length = 0;
  await sh(k, ["ifconfig", "host0", "destroy"], ["ifconfig", "epair1b", "destroy"], ["jail", "-r", "j"]);
  t.deepEqual(h.events.sort(), ["close epair0b", "close epair1a", "close epair1b", "close host0"]);
  t.deepEqual(m.list(), []);
  t.deepEqual(logs, []);
  // A host device that cannot be made is one line in the log, and the
  // interface goes on without a mirror.
  await sh(k, ["ifconfig", "epair", "create"], ["ifconfig", "epair0a", "name", "refuse0"], ["jail", "-c", "name=k", "vnet", "persist"], ["ifconfig", "refuse0", "vnet", "k"], ["ifconfig", "refuse0", "-vnet", "k"], ["jail", "-r", "k"]);
  t.deepEqual(logs, ["virtnet hostif: refuse0: refused for the test\n"]);
  t.deepEqual(m.list().map((x) => x.name), ["epair0b"]);
  m.stop();
  t.deepEqual(h.taps.filter((x) => !x.closed), []);
  // After stop, nothing is followed any more.
  await sh(k, ["ifconfig", "epair9", "create"]);
  t.false(h.events.includes("open epair9a"));
  // No bpf descriptor is left behind.
  t.is(k.bpf_iflist.reduce((n, bp) => n + bp.bif_dlist.length, 0), 0);
});

test("vimage: the host gets vnet0's IPv4: each mirrored interface's addresses, the routes by them, following vnet0's changes", async (t) => {
  const k = await loadKernel("vimage");
  const h = fake_host();
  const logs: string[] = [];
  const m = new k.hostif_mirror(h.ops, (s: string) => logs.push(s));
  const host = async () => {
    await m.settle();
    return [...h.inet].sort();
  };
  await sh(k, ["ifconfig", "epair", "create"], ["ifconfig", "epair0a", "192.0.2.1/24", "up"]);
  m.start();
  // What vnet0 had at start: the address (its interface route is the
  // host's own), on the interface that has it.
  t.deepEqual(await host(), ["epair0a addr 192.0.2.1/24 brd 192.0.2.255"]);
  await sh(k, ["ifconfig", "epair1", "create"], ["jail", "-c", "name=j", "vnet", "persist"], ["ifconfig", "epair0b", "vnet", "j"], ["ifconfig", "epair1b", "vnet", "j"]);
  await sh(k, ["ifconfig", "epair1a", "inet", "10.1.0.1/31"]);
  await sh(k, ["route", "add", "-net", "198.51.100.0/24", "192.0.2.2"], ["route", "add", "-host", "203.0.113.7", "-interface", "epair1a"], ["route", "add", "default", "192.0.2.254"]);
  t.deepEqual(await host(), [
    "epair0a addr 192.0.2.1/24 brd 192.0.2.255",
    "epair0a route 0.0.0.0/0 via 192.0.2.254",
    "epair0a route 198.51.100.0/24 via 192.0.2.2",
    "epair1a addr 10.1.0.1/31 brd none",
    "epair1a route 203.0.113.7/32 via direct",
  ]);
  // A route's gateway changes; a route and an address go (and the route
  // that used the address, in vnet0 and so on the host); an alias comes.
  await sh(k, ["route", "change", "-net", "198.51.100.0/24", "192.0.2.3"], ["route", "delete", "default"], ["ifconfig", "epair0a", "inet", "192.0.2.9/32", "alias"], ["ifconfig", "epair1a", "inet", "10.1.0.1", "delete"]);
  t.deepEqual(await host(), ["epair0a addr 192.0.2.1/24 brd 192.0.2.255", "epair0a addr 192.0.2.9/32 brd none", "epair0a route 198.51.100.0/24 via 192.0.2.3"]);
  // A rename keeps what the host device has; moving into a jail takes
  // the device, and its addresses and routes, away; back, it starts anew.
  await sh(k, ["ifconfig", "epair1a", "inet", "10.2.0.1/24"], ["route", "add", "-net", "192.168.7.0/24", "10.2.0.7"], ["ifconfig", "epair0a", "name", "far0"]);
  t.deepEqual(await host(), [
    "epair1a addr 10.2.0.1/24 brd 10.2.0.255",
    "epair1a route 192.168.7.0/24 via 10.2.0.7",
    "far0 addr 192.0.2.1/24 brd 192.0.2.255",
    "far0 addr 192.0.2.9/32 brd none",
    "far0 route 198.51.100.0/24 via 192.0.2.3",
  ]);
  await sh(k, ["ifconfig", "far0", "vnet", "j"]);
  t.deepEqual(await host(), ["epair1a addr 10.2.0.1/24 brd 10.2.0.255", "epair1a route 192.168.7.0/24 via 10.2.0.7"]);
  await sh(k, ["ifconfig", "far0", "-vnet", "j"], ["ifconfig", "far0", "inet", "10.3.0.1/24"]);
  t.deepEqual(await host(), ["epair1a addr 10.2.0.1/24 brd 10.2.0.255", "epair1a route 192.168.7.0/24 via 10.2.0.7", "far0 addr 10.3.0.1/24 brd 10.3.0.255"]);
  // Nothing was taken away that the host did not have, nothing failed.
  t.deepEqual(h.inet_errors, []);
  t.deepEqual(logs, []);
  m.stop();
  await m.settle();
  await sh(k, ["jail", "-r", "j"], ["ifconfig", "far0", "destroy"], ["ifconfig", "epair1a", "destroy"]);
});

test("vimage: a host frame leaves by epair0a, a jail behind epair0b answers, the answer reaches the host, nothing is echoed", async (t) => {
  const k = await loadKernel("vimage");
  const h = fake_host();
  const m = new k.hostif_mirror(h.ops, () => {});
  m.start();
  await sh(k, ["ifconfig", "epair", "create"], ["ifconfig", "epair0a", "up"], ["jail", "-c", "name=j", "vnet", "persist"], ["ifconfig", "epair0b", "vnet", "j"], ["jexec", "j", "ifconfig", "epair0b", "192.0.2.2/24", "up"]);
  k.kern_run_until_idle();
  const tap = h.live("epair0a");
  // The jail's gratuitous ARP came in on epair0a: the host saw it.
  t.true(tap.sent.some((f) => f[12] === 0x08 && f[13] === 0x06));
  tap.sent.length = 0;
  const jail_mac = ether_of(k, k.prison_find_name("j")?.pr_vnet, "epair0b");
  const echo = frame(jail_mac, HOST, 0x0800, icmp_echo([192, 0, 2, 3], [192, 0, 2, 2], 0x1234));
  tap.input(echo);
  // A millisecond, not until idle: ARP would give up on 192.0.2.3 first.
  k.kern_advance_ns(1_000_000);
  // Not echoed: the host's own frame does not come back.
  t.false(tap.sent.some((f) => f.length === echo.length && f.every((b, i) => b === echo[i])));
  // The jail asks who 192.0.2.3 is.
  const req = tap.sent.find((f) => f[12] === 0x08 && f[13] === 0x06 && f[21] === 1);
  t.truthy(req);
  tap.sent.length = 0;
  tap.input(frame(jail_mac, HOST, 0x0806, arp(2, HOST, [192, 0, 2, 3], jail_mac, [192, 0, 2, 2])));
  k.kern_advance_ns(1_000_000);
  const reply = tap.sent.find((f) => f[12] === 0x08 && f[13] === 0x00 && f[23] === 1 && f[34] === 0);
  t.truthy(reply, "an ICMP echo reply");
  if (reply !== undefined) {
    t.deepEqual(Array.from(reply.subarray(0, 6)), HOST);
    t.deepEqual(Array.from(reply.subarray(6, 12)), jail_mac);
    t.deepEqual(Array.from(reply.subarray(26, 34)), [192, 0, 2, 2, 192, 0, 2, 3]);
    t.deepEqual(Array.from(reply.subarray(38, 40)), [0x12, 0x34]);
  }
  t.true(m.list().every((x) => x.inerr === 0));
  t.is(m.list().find((x) => x.name === "epair0a")?.in, 2);
  m.stop();
  await sh(k, ["jail", "-r", "j"], ["ifconfig", "epair0a", "destroy"]);
  k.kern_run_until_idle();
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

for (const build of ["vimage", "novimage"] as BuildName[]) {
  test(`${build}: bad host frames are refused and counted: runt, oversized, down interface; a broadcast is marked`, async (t) => {
    const k = await loadKernel(build);
    const h = fake_host();
    const m = new k.hostif_mirror(h.ops, () => {});
    m.start();
    await sh(k, ["ifconfig", "epair", "create"]);
    const tap = h.live("epair0a");
    // Down: ENETDOWN.
    tap.input(frame(HOST, HOST, 0x0800, 40));
    await sh(k, ["ifconfig", "epair0a", "up"], ["ifconfig", "epair0b", "up"]);
    tap.input(new Uint8Array(0));
    tap.input(new Uint8Array(13));
    tap.input(frame(HOST, HOST, 0x0800, 1501));
    tap.input(frame(HOST, HOST, 0x0800, 9000));
    tap.input(frame(HOST, HOST, 0x0800, 1500));
    tap.input(frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], HOST, 0x0806, arp(1, HOST, [192, 0, 2, 3], [0, 0, 0, 0, 0, 0], [192, 0, 2, 9])));
    k.kern_run_until_idle();
    const st = m.list().find((x) => x.name === "epair0a");
    // An empty write is no write; 13 bytes, 1501 and 9000 of payload are
    // EMSGSIZE, the down interface ENETDOWN.
    t.deepEqual({ in: st?.in, inerr: st?.inerr }, { in: 3, inerr: 4 });
    // The full-size frame and the broadcast crossed to epair0b, and epair0b's
    // mirror saw them arrive.
    const b = h.live("epair0b");
    t.is(b.sent.filter((f) => f.length === 1514).length, 1);
    t.is(b.sent.filter((f) => f[0] === 0xff).length, 1);
    m.stop();
    await sh(k, ["ifconfig", "epair0a", "destroy"]);
    k.kern_run_until_idle();
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

// ---------------------------------------------------------------------------
// The real thing: Linux TAPs in a throw-away namespace, scapy on them.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Root, and a python3 with scapy (the one on PATH or the system's). */
function host_missing(): string | null {
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "root is needed for TAP devices";
  const has = (py: string) => spawnSync(py, ["-c", "import scapy"], { stdio: "ignore" }).status === 0;
  if (!has("python3") && !has("/usr/bin/python3")) return "no python3 with scapy; install with: apt-get install python3-scapy";
  return null;
}
const tools = needs("socat", "ip", "unshare", "/bin/sh");
const why = tools.missing ?? host_missing();
const real = decide(why, in_ci());
const real_test = (title: string, fn: (t: ExecutionContext) => Promise<void>) => {
  if (real.kind === "run") test.serial(title, fn);
  else if (real.kind === "skip") test.serial.skip(real.title(title), fn);
  else test.serial(title, (t) => t.fail(real.message));
};

// A test program in FreeBSD's layout: it checks the TAPs from the host side
// and talks to a jail through them with scapy (on PATH as python3); the
// second case does it over IPv4, by vnet0's addresses and routes.
const PROGRAM = String.raw`#!/usr/bin/env atf-sh
. $(atf_get_srcdir)/../common/vnet.subr

atf_test_case "mirror" "cleanup"
mirror_head() {
	atf_set require.user root
	atf_set require.progs scapy
}
mirror_body() {
	vnet_init
	epair=$(vnet_mkepair)
	ifconfig "$epair"a up
	mac=$(ifconfig "$epair"a ether | awk '$1~/ether/{print $2}')
	atf_check -o match:"link/ether $mac" ip -o link show "$epair"a
	atf_check -o match:""$epair"b" ip -o link show
	vnet_mkjail one "$epair"b
	jexec one ifconfig "$epair"b 192.0.2.2/24 up
	# Gone with the move into the jail.
	atf_check -o not-match:""$epair"b" ip -o link show
	# IPv6 on for scapy, Linux's own stack quiet: no RAs, no SLAAC, no ARP/ND.
	atf_check -o inline:"0\n" cat /proc/sys/net/ipv6/conf/"$epair"a/disable_ipv6
	atf_check -o inline:"0\n" cat /proc/sys/net/ipv6/conf/"$epair"a/accept_ra
	atf_check -o inline:"0\n" cat /proc/sys/net/ipv6/conf/"$epair"a/autoconf
	atf_check -o match:"NOARP" ip -o link show "$epair"a
	atf_check -o match:"inet6 fe80::" ip -6 -o addr show dev "$epair"a
	atf_check -o match:"^$epair"a -e ignore python3 -c "import scapy.all as sc; print(sc.conf.route6.route('fe80::1', dev='$epair'+'a')[0])"
	atf_check -o match:"reply from 192.0.2.2" -e ignore python3 $(atf_get_srcdir)/ping.py "$epair"a
	# scapy's default interface is the namespace's stand-in for the host's
	# own (IPv6 link-local, no IPv4 route but 240/4): a multicast or
	# link-local destination given without an interface routes through it,
	# with nothing on stderr.
	atf_check -o match:"^vnuplink0 vnuplink0 fe80::" python3 -c "import scapy.all as sc; r = sc.conf.route6.route('ff02::1'); print(sc.conf.iface, r[0], r[1])"
	atf_check -o match:"^lo " python3 -c "import scapy.all as sc; print(sc.conf.route.route('192.0.2.9', verbose=0)[0], 'no IPv4 route')"
	ifconfig "$epair"a name host0
	atf_check -o match:"host0" ip -o link show host0
	atf_check -s not-exit:0 -e ignore ip -o link show "$epair"a
}
mirror_cleanup() {
	vnet_cleanup
}

atf_test_case "mirror4" "cleanup"
mirror4_head() {
	atf_set require.user root
	atf_set require.progs scapy
}
mirror4_body() {
	vnet_init
	send=$(vnet_mkepair)
	recv=$(vnet_mkepair)
	ifconfig "$send"a 192.0.2.1/24 up
	ifconfig "$recv"a up
	vnet_mkjail four "$send"b "$recv"b
	jexec four ifconfig "$send"b 192.0.2.2/24 up
	jexec four ifconfig "$recv"b 198.51.100.2/24 up
	# No route to the far network yet, on either side.
	atf_check -s not-exit:0 -e ignore ip -4 route get 198.51.100.3
	atf_check -o match:"inet 192.0.2.1/24 brd 192.0.2.255" ip -4 addr show dev "$send"a
	route add -net 198.51.100.0/24 192.0.2.2
	atf_check -o match:"198.51.100.3 via 192.0.2.2 dev "$send"a src 192.0.2.1" ip -4 route get 198.51.100.3
	atf_check -o inline:""$send"a 192.0.2.1 192.0.2.2
" python3 -c "import scapy.all as sc; print(*sc.conf.route.route('198.51.100.3', verbose=0))"
	# Linux keeps no local entry for vnet0's address.
	atf_check -o not-match:"192.0.2" ip -4 route show table local
	atf_check -o inline:"8
" cat /proc/sys/net/ipv4/conf/"$send"a/arp_ignore
	atf_check -o match:"^reply from 198.51.100.2$" -e ignore python3 $(atf_get_srcdir)/ping4.py 198.51.100.2
	# A jail's echo requests, a SYN and a datagram to vnet0's address:
	# FreeBSD's stack answers (incoming on the TAP), Linux's does not.
	atf_check -o match:"^outgoing 0 incoming [1-9]" python3 $(atf_get_srcdir)/quiet.py "$send"a 	    "jexec four ping -c 2 192.0.2.1; jexec four nc -z -w 1 192.0.2.1 7777; echo x | jexec four nc -u -w 1 192.0.2.1 7777"
	ip -4 route add table local local 192.0.2.1 dev "$send"a
	atf_check -o match:"^outgoing [1-9]" python3 $(atf_get_srcdir)/quiet.py "$send"a "jexec four nc -z -w 1 192.0.2.1 7777"
	ip -4 route del table local local 192.0.2.1 dev "$send"a
	# The same for vnet0's IPv6 addresses on the TAP: a global one, and
	# the link-local (Linux's, made from the same Ethernet address).
	ifconfig "$send"a inet6 2001:db8:4::1/64 no_dad
	jexec four ifconfig "$send"b inet6 2001:db8:4::2/64 no_dad
	ll=$(ifconfig "$send"a inet6 | awk '$2 ~ /^fe80:/ { print $2 }' | cut -d% -f1)
	sb="$send"b
	atf_check -o not-match:"2001:db8:4::1|$ll" ip -6 route show table local
	atf_check -o match:"^outgoing 0 incoming [1-9]" python3 $(atf_get_srcdir)/quiet.py "$send"a \
	    "jexec four ping6 -c 2 2001:db8:4::1; jexec four nc -6 -z -w 1 2001:db8:4::1 7777; echo x | jexec four nc -6 -u -w 1 2001:db8:4::1 7777"
	atf_check -o match:"^outgoing 0 incoming [1-9]" python3 $(atf_get_srcdir)/quiet.py "$send"a \
	    "jexec four nc -6 -z -w 1 $ll%$sb 7777; echo x | jexec four nc -6 -u -w 1 $ll%$sb 7777"
	# The host follows vnet0: a route and an address going, a new address.
	route delete -net 198.51.100.0/24
	atf_check -s not-exit:0 -e ignore ip -4 route get 198.51.100.3
	ifconfig "$send"a inet 192.0.2.1 delete
	ifconfig "$send"a inet 203.0.113.1/24 alias
	atf_check -o not-match:"192.0.2.1" ip -4 addr show dev "$send"a
	atf_check -o match:"inet 203.0.113.1/24" ip -4 addr show dev "$send"a
	# Into the jail: the TAP goes, and its routes with it.
	ifconfig "$recv"a vnet four
	atf_check -s not-exit:0 -e ignore ip -o link show "$recv"a
}
mirror4_cleanup() {
	vnet_cleanup
}

atf_init_test_cases() {
	atf_add_test_case "mirror"
	atf_add_test_case "mirror4"
}
`;

// ARP for the jail, then one echo request; prints the reply, and whether
// our own request came back as something received (it must not).
const PING_PY = String.raw`import sys
import scapy.all as sc
iface = sys.argv[1]
mine = sc.get_if_hwaddr(iface)
ans, _ = sc.srp(sc.Ether(dst="ff:ff:ff:ff:ff:ff") / sc.ARP(pdst="192.0.2.2", psrc="192.0.2.3"), iface=iface, timeout=5, verbose=False)
if not ans:
    sys.exit("no ARP reply")
jmac = ans[0][1][sc.ARP].hwsrc
pkt = sc.Ether(src=mine, dst=jmac) / sc.IP(src="192.0.2.3", dst="192.0.2.2") / sc.ICMP(id=77)
got = sc.sniff(iface=iface, started_callback=lambda: sc.sendp(pkt, iface=iface, verbose=False), timeout=5,
               lfilter=lambda p: sc.ICMP in p, stop_filter=lambda p: sc.ICMP in p and p[sc.ICMP].type == 0)
# Linux shows our request once, as it leaves; an echo would show it twice.
echoes = [p for p in got if p[sc.ICMP].type == 8 and p[sc.ICMP].id == 77]
for p in got:
    if p[sc.ICMP].type == 0 and p[sc.IP].src == "192.0.2.2":
        print("reply from 192.0.2.2, id", p[sc.ICMP].id)
if len(echoes) > 1:
    sys.exit("our own request came back in")
`;

// scapy's own IPv4 ping: its route, its ARP for the next hop, its reply.
const PING4_PY = String.raw`import sys
import scapy.all as sc
r = sc.sr1(sc.IP(dst=sys.argv[1]) / sc.ICMP(id=44), timeout=5, verbose=False)
if r is None:
    sys.exit("no reply")
print("reply from", r[sc.IP].src)
`;

// Counts what crosses the TAP while a command runs: frames Linux sends
// (PACKET_OUTGOING) and frames it receives.
const QUIET_PY = String.raw`import socket, subprocess, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
s.settimeout(0.2)
p = subprocess.Popen(["sh", "-c", sys.argv[2]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
out = inc = 0
end = None
while end is None or time.time() < end:
    if end is None and p.poll() is not None:
        end = time.time() + 1.0
    try:
        data, sa = s.recvfrom(65535)
    except socket.timeout:
        continue
    if sa[2] == socket.PACKET_OUTGOING:
        out += 1
    else:
        inc += 1
print("outgoing", out, "incoming", inc)
`;

const FILES = { "mirror.sh": PROGRAM, "ping.py": PING_PY, "ping4.py": PING4_PY, "quiet.py": QUIET_PY };

/** `virtnet atf-run` on a program written into a FreeBSD-like tree. */
async function atf_run_program(files: Record<string, string>, script: string, ...cases: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostif-"));
  try {
    const tests = path.join(dir, "tests", "sys", "net");
    fs.mkdirSync(tests, { recursive: true });
    fs.mkdirSync(path.join(dir, "tests", "sys", "common"));
    for (const [n, text] of Object.entries(files)) fs.writeFileSync(path.join(tests, n), text);
    return await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(root, "bin", "virtnet.mjs"), "atf-run", path.join(tests, script), ...cases], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("close", (code) => resolve({ code, out, err }));
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

real_test("real TAPs: atf-run mirrors epair0a in its own namespace, scapy talks to a jail through it", async (t) => {
  const r = await atf_run_program(FILES, "mirror.sh", "mirror");
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /^mirror: passed$/m);
  // Nothing was left on the host: the namespace went with the run.
  t.false(fs.readFileSync("/proc/net/dev", "utf8").includes("epair0a:"));
});

// IPv4 through the mirror: vnet0's addresses and routes are Linux's view
// too, so `ip route get` and scapy route to a jail's far network by
// epair0a as FreeBSD's host would; scapy's echo request (its next hop
// found by scapy's own ARP) is answered by the jail; and Linux's own stack
// sends nothing onto the TAP when a jail pings, SYNs or sends UDP to
// vnet0's address (frames Linux sends show as outgoing on a packet
// socket).  The control puts Linux's local entry back: then Linux answers
// the SYN with a RST of its own, which the capture sees.
real_test("real TAPs: IPv4 through the mirror: Linux routes as vnet0 does, scapy's ping is answered by the jail, Linux's own stack stays off the TAP", async (t) => {
  const r = await atf_run_program(FILES, "mirror.sh", "mirror4");
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /^mirror4: passed$/m);
});
