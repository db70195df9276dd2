// lib.ts, the package entry: boot() gives a fresh, independent kernel every
// call; run/exec, sysctl and the named counter blocks, capture, advance and
// destroy behave as documented; the same seed gives the same output.  The
// library is loaded from the build (dist/lib.mjs), as users get it.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as L from "../lib.ts";
import type * as K from "../index.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const lib = (await import(pathToFileURL(path.join(root, process.env.VIRTNET_DIST ?? "dist", "lib.mjs")).href)) as typeof L;
const { boot, VirtNetError } = lib;

// Type-level: the raw module is the kernel bundle's type, and the counter
// blocks have exactly the hand-written fields (a missing or extra key here
// fails `npm run typecheck`; the runtime checks below compare them with the
// kernel's own field lists).
type exactly<T> = { readonly [F in keyof T]: true };
const _module_type: (k: L.Kernel) => typeof K = (k) => k.kernel;
void _module_type;
const FIELDS: { [P in keyof L.StatsByProtocol]: exactly<L.StatsByProtocol[P]> } = {
  ip: {
    ips_total: true, ips_badsum: true, ips_tooshort: true, ips_toosmall: true, ips_badhlen: true, ips_badlen: true,
    ips_fragments: true, ips_fragdropped: true, ips_fragtimeout: true, ips_forward: true, ips_fastforward: true,
    ips_cantforward: true, ips_redirectsent: true, ips_noproto: true, ips_delivered: true, ips_localout: true,
    ips_odropped: true, ips_reassembled: true, ips_fragmented: true, ips_ofragments: true, ips_cantfrag: true,
    ips_badoptions: true, ips_noroute: true, ips_badvers: true, ips_rawout: true, ips_toolong: true,
    ips_notmember: true, ips_nogif: true, ips_badaddr: true,
  },
  icmp: {
    icps_error: true, icps_oldshort: true, icps_oldicmp: true, icps_outhist: true, icps_badcode: true,
    icps_tooshort: true, icps_checksum: true, icps_badlen: true, icps_reflect: true, icps_inhist: true,
    icps_bmcastecho: true, icps_bmcasttstamp: true, icps_badaddr: true, icps_noroute: true,
  },
  udp: {
    udps_ipackets: true, udps_hdrops: true, udps_badsum: true, udps_nosum: true, udps_badlen: true,
    udps_noport: true, udps_noportbcast: true, udps_fullsock: true, udpps_pcbcachemiss: true,
    udpps_pcbhashmiss: true, udps_opackets: true, udps_fastout: true, udps_noportmcast: true, udps_filtermcast: true,
  },
  arp: {
    txrequests: true, txreplies: true, rxrequests: true, rxreplies: true, received: true, txerrors: true,
    arp_spares: true, dropped: true, timeouts: true, dupips: true,
  },
};

/** Two vnet jails a (10.0.0.1) and b (10.0.0.2) on epair0. */
const PAIR = `jail -c name=a vnet persist >/dev/null
jail -c name=b vnet persist >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
`;

function no_leaks(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, m: typeof K): void {
  t.deepEqual(m.mbuf_outstanding(), { mbufs: 0, clusters: 0 }, "no mbuf outstanding");
}

test("two kernels in one process share nothing; destroying one leaves the other working", async (t) => {
  const k1 = await boot({ build: "vimage", seed: 1 });
  const k2 = await boot({ build: "vimage", seed: 2 });
  t.not(k1.kernel, k2.kernel);
  t.is((await k1.run(PAIR)).status, 0);
  const p1 = await k1.run("ping -c 2 10.0.0.2", { jail: "a" });
  t.regex(p1.stdout, /2 packets transmitted, 2 packets received/);
  // k2 sees none of it: no jails, no epair, no counters, no time passed.
  t.is((await k2.run("jls -N name")).stdout, "");
  t.is((await k2.run("ifconfig -l")).stdout, "lo0\n");
  t.is(k2.stats("ip").ips_localout, 0);
  t.is(k2.stats("icmp").icps_outhist[0], 0);
  t.is(k1.stats("ip", { jail: "a" }).ips_localout, 2);
  t.is(k1.stats("icmp", { jail: "b" }).icps_outhist[0], 2);
  t.is(k1.kernel.vnet_head.length, 3);
  t.is(k2.kernel.vnet_head.length, 1);
  t.true(k1.uptime >= 1);
  t.is(k2.uptime, 0);
  k1.advance(100);
  t.is(k2.uptime, 0);
  // The same names in k2 are k2's own.
  t.is((await k2.run(PAIR)).status, 0);
  t.is((await k2.run("ifconfig -l", { jail: "b" })).stdout, "lo0 epair0b\n");

  const m1 = k1.kernel;
  k1.destroy();
  t.true(k1.destroyed);
  t.is(m1.allprison.length, 0, "k1's jails are gone");
  t.is(m1.vnet_head.length, 1, "and their vnets");
  t.deepEqual(
    m1.vnet_run(m1.vnet0, "t", () => m1.V_ifnet().map((i) => i.if_xname)),
    ["lo0"],
    "the epairs came home and were destroyed",
  );
  no_leaks(t, m1);
  k1.destroy(); // again: nothing more happens
  await t.throwsAsync(k1.run("true"), { instanceOf: VirtNetError, message: "virtnet: run: the kernel was destroyed" });
  t.throws(() => k1.sysctl("kern.hz"), { instanceOf: VirtNetError, message: "virtnet: sysctl: the kernel was destroyed" });
  t.throws(() => k1.kernel, { instanceOf: VirtNetError });
  t.throws(() => k1.advance(1), { instanceOf: VirtNetError });
  t.throws(() => k1.capture("lo0"), { instanceOf: VirtNetError });

  const p2 = await k2.run("ping -c 3 10.0.0.2", { jail: "a" });
  t.regex(p2.stdout, /3 packets transmitted, 3 packets received/);
  t.is(k2.stats("ip", { jail: "a" }).ips_localout, 3);
  const m2 = k2.kernel;
  k2.destroy();
  no_leaks(t, m2);
});

test("the same seed gives the same output and packets; another seed other MAC addresses", async (t) => {
  async function once(seed: number): Promise<{ out: string; pcap: Uint8Array }> {
    const k = await boot({ seed });
    let out = (await k.run(PAIR)).stdout;
    const c = k.capture("epair0b", { jail: "b" });
    out += (await k.run("ping -c 3 10.0.0.2; ifconfig epair0a; arp -an", { jail: "a" })).stdout;
    c.stop();
    out += JSON.stringify(k.stats("ip", { jail: "b" }));
    const pcap = c.pcap();
    k.destroy();
    return { out, pcap };
  }
  const a = await once(7);
  const b = await once(7);
  const c = await once(8);
  t.is(a.out, b.out);
  t.deepEqual(a.pcap, b.pcap);
  // Kernels running at the same time do not disturb each other's clocks
  // or random sources: the same as one at a time.
  const [d, e] = await Promise.all([once(7), once(8)]);
  t.is(d.out, a.out);
  t.deepEqual(d.pcap, a.pcap);
  t.is(e.out, c.out);
  t.deepEqual(e.pcap, c.pcap);
  const mac = (s: string): string | undefined => /ether ([0-9a-f:]{17})/.exec(s)?.[1];
  t.not(mac(a.out), undefined);
  t.not(mac(a.out), mac(c.out));
});

test("both builds boot side by side; the baseline has no vnet jails", async (t) => {
  const v = await boot({ build: "vimage" });
  const n = await boot({ build: "novimage" });
  t.is(v.build, "vimage");
  t.is(v.sysctl("kern.features.vimage"), 1);
  t.throws(() => n.sysctl("kern.features.vimage"), { instanceOf: VirtNetError, message: "sysctl: unknown oid 'kern.features.vimage'" });
  t.deepEqual(n.kernel.KERNCONF, { VIMAGE: false, VNET_DEBUG: false });
  const r = await n.run("jail -c name=a vnet persist");
  t.is(r.status, 1);
  t.regex(r.stderr, /unknown parameter: vnet/);
  // A jail without vnet works there, and run() can enter it.
  t.is((await n.run("jail -c name=j persist >/dev/null; jexec j sysctl -n security.jail.jailed")).stdout, "1\n");
  t.is((await n.run("sysctl -n security.jail.jailed", { jail: "j" })).stdout, "1\n");
  v.destroy();
  n.destroy();
  await t.throwsAsync(boot({ build: "nosuch" as L.BuildName }), { instanceOf: VirtNetError, message: /unknown build nosuch/ });
  await t.throwsAsync(boot({ seed: -1 }), { instanceOf: VirtNetError });
});

test("boot({ tunables }): loader tunables before the kernel starts; bad ones are a VirtNetError", async (t) => {
  const k = await boot({ seed: 3, tunables: { "kern.ipc.nmbufs": 1000, "kern.ipc.nmbclusters": 500, "kern.hz": 100, "net.inet.ip.reass_hashsize": "1k" } });
  t.is(k.sysctl("kern.ipc.nmbufs"), 1000);
  t.is(k.sysctl("kern.ipc.nmbclusters"), 500);
  t.is(k.sysctl("kern.hz"), 100);
  t.is(k.sysctl("net.inet.ip.reass_hashsize"), 1024);
  // Each vnet reads the environment when it starts.
  t.is((await k.run("jail -c name=a vnet persist >/dev/null; jexec a sysctl -n net.inet.ip.reass_hashsize")).stdout, "1024\n");
  const r = await k.run("sysctl kern.hz=1000");
  t.is(r.status, 1);
  t.is(r.stderr, "sysctl: oid 'kern.hz' is a read only tunable\nsysctl: Tunable values are set in /boot/loader.conf\n");
  // Another kernel keeps its defaults.
  const d = await boot();
  t.is(d.sysctl("kern.ipc.nmbclusters"), 262144);
  t.is(d.sysctl("kern.hz"), 1000);
  k.destroy();
  d.destroy();
  await t.throwsAsync(boot({ tunables: { "kern.ipc.nmbclusterz": 5 } }), { instanceOf: VirtNetError, message: "virtnet: loader tunable kern.ipc.nmbclusterz: not a loader tunable" });
  await t.throwsAsync(boot({ tunables: { "kern.hz": "fast" } }), { instanceOf: VirtNetError, message: "virtnet: loader tunable kern.hz: invalid value 'fast' (an int expected)" });
});

test("run and exec: status, stderr, stdin, jails, argv word for word", async (t) => {
  const k = await boot();
  t.deepEqual(await k.run("echo out; echo err >&2; exit 3"), { stdout: "out\n", stderr: "err\n", status: 3 });
  t.deepEqual(await k.run("ifconfig nosuch0"), { stdout: "", stderr: "ifconfig: interface nosuch0 does not exist\n", status: 1 });
  t.is((await k.run("sh", { stdin: "echo from stdin\n" })).stdout, "from stdin\n");
  t.deepEqual(await k.exec(["echo", "a  b", "$HOME", "it's"]), { stdout: "a  b $HOME it's\n", stderr: "", status: 0 });
  t.is((await k.exec(["nosuchprog"])).status, 127);
  await t.throwsAsync(k.exec([]), { instanceOf: VirtNetError });
  await t.throwsAsync(k.run("true", { jail: "nosuch" }), { instanceOf: VirtNetError, message: 'jexec: jail "nosuch" not found' });
  t.is((await k.run(PAIR)).status, 0);
  t.is((await k.exec(["ifconfig", "-l"], { jail: "a" })).stdout, "lo0 epair0a\n");
  // Redirections go to files relative to cwd.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-lib-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  t.is((await k.run("jls -N name > jails.txt", { cwd: dir })).status, 0);
  t.is(fs.readFileSync(path.join(dir, "jails.txt"), "utf8"), "a\nb\n");
  // No processes are left behind by run, exec or sysctl in a jail.
  k.sysctl("net.inet.ip.forwarding", { jail: "a" });
  t.is(k.kernel.allproc.length, 0);
  k.destroy();
});

test("sysctl: values, per-vnet views, counter blocks by FreeBSD's field names, errors", async (t) => {
  const k = await boot({ seed: 3 });
  const m = k.kernel;
  t.is(k.sysctl("kern.hz"), 1000);
  t.is(typeof k.sysctl("kern.ostype"), "string");
  t.is((await k.run(PAIR)).status, 0);
  t.is(k.setSysctl("net.inet.ip.forwarding", 1, { jail: "a" }), 0);
  t.is(k.sysctl("net.inet.ip.forwarding", { jail: "a" }), 1);
  t.is(k.sysctl("net.inet.ip.forwarding", { jail: "b" }), 0);
  t.is(k.sysctl("net.inet.ip.forwarding"), 0);
  t.is((await k.run("ping -c 2 10.0.0.2", { jail: "a" })).status, 0);

  // Each block has exactly the typed fields, holds what the raw sysctl
  // holds, and is the jail's own.
  const MIB = { ip: "net.inet.ip.stats", icmp: "net.inet.icmp.stats", udp: "net.inet.udp.stats", arp: "net.link.ether.arp.stats" } as const;
  const jcred = m.proc_create(m.cred0, "t");
  t.is(m.sys_jail_attach_proc(jcred, m.prison_find_name("b")?.pr_id ?? -1), 0);
  for (const proto of ["ip", "icmp", "udp", "arp"] as const) {
    const s: L.CounterBlock = k.stats(proto, { jail: "b" });
    t.deepEqual(Object.keys(s).sort(), Object.keys(FIELDS[proto]).sort(), proto);
    t.deepEqual(k.sysctl(MIB[proto], { jail: "b" }), s);
    const raw = m.kernel_sysctlbyname(jcred.p_ucred, MIB[proto]).value;
    t.deepEqual(Object.values(s).flat(), raw, `${proto}: the fields in struct order`);
  }
  m.proc_exit(jcred);
  const icmp = k.stats("icmp", { jail: "b" });
  t.is(icmp.icps_inhist.length, m.ICMP_MAXTYPE + 1);
  t.is(icmp.icps_inhist[m.ICMP_ECHO], 2);
  t.is(icmp.icps_outhist[m.ICMP_ECHOREPLY], 2);
  t.is(k.stats("arp", { jail: "a" }).rxreplies, 1);
  t.is(k.stats("arp", { jail: "b" }).txreplies, 1);
  t.is(k.stats("ip", { jail: "b" }).ips_delivered, 2);
  t.is(k.stats("ip").ips_delivered, 0, "the host saw none of it");
  // Writing a block zeroes it, as `sysctl net.inet.ip.stats=0` does.
  k.setSysctl("net.inet.ip.stats", 0, { jail: "b" });
  t.is(k.stats("ip", { jail: "b" }).ips_delivered, 0);

  // Every counter block in the tree ("S,ipstat", ...) has field names;
  // the other opaque oids are lists of records (pcblist, kern.proc.proc).
  const opaque: string[] = [];
  for (let mib = m.sysctl_next([], false); mib !== null; mib = m.sysctl_next(mib, false)) {
    const f = m.sysctl_oidfmt(mib);
    if ((f.kind & m.CTLTYPE) !== m.CTLTYPE_OPAQUE || !/^S,\w+stat$/.test(f.fmt)) continue;
    const name = m.sysctl_oidname(mib).name;
    opaque.push(name);
    const v = k.sysctl(name);
    t.true(typeof v === "object" && Object.keys(v).length > 0, name);
  }
  t.true(opaque.length >= 4, opaque.join(" "));

  t.throws(() => k.sysctl("net.inet.nosuch"), { instanceOf: VirtNetError, message: "sysctl: unknown oid 'net.inet.nosuch'" });
  t.throws(() => k.sysctl("net.inet"), { instanceOf: VirtNetError, message: /net\.inet: is a node/ });
  t.throws(() => k.sysctl("kern.hz", { jail: "nosuch" }), { instanceOf: VirtNetError, message: 'jexec: jail "nosuch" not found' });
  const e = t.throws(() => k.setSysctl("kern.ostype", "Linux"), { instanceOf: VirtNetError });
  t.is(e?.errno, m.EPERM);
  t.throws(() => k.stats("tcp" as keyof L.StatsByProtocol), { instanceOf: VirtNetError });
  k.destroy();
  no_leaks(t, m);
});

test("capture: frames in memory, a pcap file on stop, errors, and what ends a capture", async (t) => {
  const k = await boot({ seed: 4 });
  t.is((await k.run(PAIR)).status, 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-lib-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "b.pcap");
  const all = k.capture("epair0b", { jail: "b", file });
  const inbound = k.capture("epair0b", { jail: "b", direction: "in" });
  const lo = k.capture("lo0", { jail: "b" });
  t.is(all.dlt, 1);
  t.is(lo.dlt, 0);
  t.true(all.active);
  t.is((await k.run("ping -c 2 10.0.0.2", { jail: "a" })).status, 0);
  all.stop();
  t.false(all.active);
  // ARP request and reply, two echo requests and two replies.
  const frames = all.frames();
  t.is(frames.length, 6);
  t.deepEqual(
    frames.map((f) => (f.data[12] << 8) | f.data[13]),
    [0x0806, 0x0806, 0x0800, 0x0800, 0x0800, 0x0800],
  );
  t.is(inbound.frames().length, 3, "only what b received");
  t.is(lo.frames().length, 0);
  t.is(frames[2].len, 98);
  const bytes = fs.readFileSync(file);
  t.deepEqual(new Uint8Array(bytes), all.pcap());
  t.is(bytes.readUInt32LE(0), 0xa1b2c3d4);
  t.is(bytes.readUInt32LE(20), 1, "LINKTYPE_ETHERNET");
  // Nothing more after stop.
  await k.run("ping -c 1 10.0.0.2", { jail: "a" });
  t.is(all.frames().length, 6);
  t.is(inbound.frames().length, 4, "one more echo request (the ARP entry is cached)");

  const e = t.throws(() => k.capture("epair9b", { jail: "b" }), { instanceOf: VirtNetError, message: "virtnet: capture: epair9b in jail b: Device not configured" });
  t.is(e?.errno, k.kernel.ENXIO);
  t.throws(() => k.capture("epair0b"), { instanceOf: VirtNetError, message: "virtnet: capture: epair0b: Device not configured" });
  // A listener does not follow its interface to another vnet.
  const moving = k.capture("epair0b", { jail: "b" });
  t.is((await k.run("ifconfig epair0b -vnet b")).status, 0);
  t.false(moving.active);
  const m = k.kernel;
  k.destroy();
  t.false(inbound.active, "destroy stops every capture");
  t.is(inbound.frames().length, 4, "its frames stay readable");
  no_leaks(t, m);
});

test("advance: virtual time passes, callouts fire, no real time; refused while a command runs", async (t) => {
  const k = await boot({ seed: 5 });
  t.is((await k.run(PAIR)).status, 0);
  t.is((await k.run("ping -c 1 10.0.0.2", { jail: "a" })).status, 0);
  t.regex((await k.run("arp -an", { jail: "a" })).stdout, /\(10\.0\.0\.2\) at [0-9a-f:]{17} on epair0a expires in 1200 seconds/);
  const t0 = k.uptime;
  const wall = Date.now();
  k.advance(1.5);
  t.is(k.uptime, t0 + 1.5);
  // net.link.ether.inet.max_age (1200 s) later the entry has expired.
  k.advance(1300);
  t.notRegex((await k.run("arp -an", { jail: "a" })).stdout, /10\.0\.0\.2/);
  t.true(k.stats("arp", { jail: "a" }).timeouts >= 1);
  t.true(Date.now() - wall < 5000);
  t.throws(() => k.advance(-1), { instanceOf: VirtNetError });
  t.throws(() => k.advance(Number.NaN), { instanceOf: VirtNetError });
  const running = k.run("ping -c 2 10.0.0.2", { jail: "a" });
  t.throws(() => k.advance(1), { instanceOf: VirtNetError, message: /a command is running/ });
  t.throws(() => k.destroy(), { instanceOf: VirtNetError, message: /a command is running/ });
  t.is((await running).status, 0);
  k.destroy();
});

test("a real-time link (ng_ksocket): advance refuses while it is open, a run's sleep takes real time, destroy closes it", async (t) => {
  const k = await boot({ seed: 6 });
  const m = k.kernel;
  const ks = m.vnet_run(m.vnet0, "test", () => {
    const hub = m.ng_make_node("hub").node;
    if (hub === null) throw new Error("hub");
    if (m.ng_mkpeer(hub, "ks", "inet/dgram/udp", "ksocket") !== 0) throw new Error("mkpeer");
    const node = m.ng_path2noderef(hub, ".:ks").node;
    if (node === null) throw new Error("ksocket");
    const msg = m.NG_MKMESSAGE(m.NGM_KSOCKET_COOKIE, m.NGM_KSOCKET_BIND, 16);
    msg.data.set(m.sockaddr_in_enc(0x7f000001, 0));
    if (m.NG_SEND_MSG_ID(msg, node.nd_ID, 0) !== 0) throw new Error("bind");
    return node;
  });
  t.is(m.sched_realtime_sources(), 1);
  t.throws(() => k.advance(1), { instanceOf: VirtNetError, message: "virtnet: advance: a real-time link (ng_ksocket) is open: the clock keeps real time" });
  const wall = Date.now();
  t.is((await k.run("sleep 0.3")).status, 0);
  t.true(Date.now() - wall >= 290, "sleep 0.3 took 0.3 s of real time");
  k.destroy();
  t.false(m.NG_NODE_IS_VALID(ks));
  t.is(m.sched_realtime_sources(), 0, "the host socket is closed");
  no_leaks(t, m);
});
