// in_gif: the outer IPv4 header as it goes on the wire, read back from the
// pcap files of a run: version and length, the TOS copied from the inner
// header, no DF, TTL net.inet.ip.gifttl (30), protocol 4, the tunnel's
// addresses and a good checksum, the inner datagram untouched behind it.
// tshark decodes both headers and finds both checksums good.  The same seed
// gives the same bytes.  The ingress filter (uRPF on the outer source,
// skipped with IFF_LINK2) and ip_encap's fall-through to raw IP are here
// too.  Every run ends with no mbuf outstanding.
import test from "ava";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { needs } from "../helpers/tools.ts";
import { run_script } from "../sbin/prog_helpers.ts";
import { loadKernelUnbooted } from "../helpers/builds.ts";
import { ref_cksum } from "./ip_helpers.ts";

const TUNNEL = `jail -c name=one persist vnet >/dev/null
jail -c name=two persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet one
ifconfig epair0b vnet two
jexec one ifconfig epair0a 192.0.2.1/24 up
jexec two ifconfig epair0b 192.0.2.2/24 up
jexec one ifconfig gif create >/dev/null
jexec two ifconfig gif create >/dev/null
jexec one ifconfig gif0 tunnel 192.0.2.1 192.0.2.2 198.51.100.1/24 198.51.100.2 up
jexec two ifconfig gif0 tunnel 192.0.2.2 192.0.2.1 198.51.100.2/24 198.51.100.1 up
`;

function tmpdir(t: { teardown: (f: () => void) => void }, tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `virtnet-${tag}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Run src with every interface captured into dir. */
async function capture(src: string, seed: number, dir: string) {
  const k = await loadKernelUnbooted("vimage");
  let out = "";
  let err = "";
  const status = await k.virtnet_run_script(src, {
    seed,
    pcapdir: dir,
    name: "t.sh",
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (err += s) },
    cwd: dir,
  });
  return { k, out, err, status };
}

/** The records of a pcap file (little-endian, as the spool writes them). */
function pcap_records(file: string): Uint8Array[] {
  const b = fs.readFileSync(file);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== 0xa1b2c3d4) throw new Error(`${file}: not a pcap file`);
  const out: Uint8Array[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const caplen = dv.getUint32(off + 8, true);
    out.push(new Uint8Array(b.subarray(off + 16, off + 16 + caplen)));
    off += 16 + caplen;
  }
  return out;
}

const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const ip4 = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

test("the outer header: 0x45, the inner TOS, no DF, TTL 30 (then gifttl), protocol 4, the tunnel's addresses, a good checksum; the inner datagram whole behind it", async (t) => {
  const dir = tmpdir(t, "gif-bytes");
  const r = await capture(
    TUNNEL +
      `jexec one ping -c 1 -z 0x28 198.51.100.2 >/dev/null
jexec one sysctl net.inet.ip.gifttl=64 >/dev/null
jexec one ping -c 1 -s 100 198.51.100.2 >/dev/null
`,
    1,
    dir,
  );
  t.is(r.status, 0, r.err);
  const frames = pcap_records(path.join(dir, "one-epair0a.pcap")).filter((f) => u16(f, 12) === 0x0800 && f[14 + 9] === 4);
  // Two requests out, two replies in.
  t.is(frames.length, 4);
  const seen: string[] = [];
  for (const f of frames) {
    const o = 14;
    const inner = o + 20;
    t.is(f[o], 0x45);
    t.is(f[o + 1], f[inner + 1], "outer TOS is the inner TOS");
    t.is(u16(f, o + 2), f.length - 14, "outer length");
    t.is(u16(f, o + 2), u16(f, inner + 2) + 20);
    t.is(u16(f, o + 6), 0, "no DF, no fragment");
    t.is(ref_cksum(f, o, o + 20), 0, "outer checksum");
    t.is(ref_cksum(f, inner, inner + 20), 0, "inner checksum");
    t.is(f[inner], 0x45);
    t.is(f[inner + 9], 1, "ICMP inside");
    seen.push(`${ip4(f, o + 12)}>${ip4(f, o + 16)} ttl ${f[o + 8]} tos ${f[o + 1]} | ${ip4(f, inner + 12)}>${ip4(f, inner + 16)} type ${f[inner + 20]}`);
  }
  t.deepEqual(seen, [
    "192.0.2.1>192.0.2.2 ttl 30 tos 40 | 198.51.100.1>198.51.100.2 type 8",
    "192.0.2.2>192.0.2.1 ttl 30 tos 40 | 198.51.100.2>198.51.100.1 type 0",
    "192.0.2.1>192.0.2.2 ttl 64 tos 0 | 198.51.100.1>198.51.100.2 type 8",
    "192.0.2.2>192.0.2.1 ttl 30 tos 0 | 198.51.100.2>198.51.100.1 type 0",
  ]);
  // The gif's own capture is DLT_NULL: the family (AF_INET, host order),
  // then the inner datagram.
  const g = pcap_records(path.join(dir, "one-gif0.pcap"));
  t.is(g.length, 4);
  t.deepEqual([...g[0].subarray(0, 4)], [2, 0, 0, 0]);
  t.is(g[0][4], 0x45);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("same seed, same bytes: the pcaps of two runs are identical", async (t) => {
  const script = TUNNEL + "jexec one ping -c 2 198.51.100.2 >/dev/null\njexec two ping -c 1 198.51.100.1 >/dev/null\n";
  const a = tmpdir(t, "gif-seed-a");
  const b = tmpdir(t, "gif-seed-b");
  const ra = await capture(script, 7, a);
  const rb = await capture(script, 7, b);
  t.is(ra.status, 0, ra.err);
  t.is(rb.status, 0, rb.err);
  const files = fs.readdirSync(a).sort();
  t.deepEqual(files, ["one-epair0a.pcap", "one-gif0.pcap", "two-epair0b.pcap", "two-gif0.pcap"]);
  t.deepEqual(fs.readdirSync(b).sort(), files);
  for (const f of files) t.true(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), f);
  t.deepEqual(ra.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  t.deepEqual(rb.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

const tshark = needs("tshark");
tshark.serial("tshark decodes the outer and the inner IPv4 header of every tunnelled frame, both checksums good", async (t) => {
  const dir = tmpdir(t, "gif-tshark");
  const r = await capture(TUNNEL + "jexec one ping -c 2 -s 1000 198.51.100.2 >/dev/null\n", 3, dir);
  t.is(r.status, 0, r.err);
  const { stdout } = await promisify(execFile)(
    "tshark",
    ["-r", path.join(dir, "two-epair0b.pcap"), "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.protocols", "-e", "ip.checksum.status", "-e", "ip.proto", "-e", "ip.ttl", "-e", "icmp.checksum.status"],
    { encoding: "utf8" },
  );
  const tunnelled = stdout.split("\n").filter((l) => l.startsWith("eth:ethertype:ip:ip:"));
  t.is(tunnelled.length, 4, stdout);
  for (const l of tunnelled) t.is(l, "eth:ethertype:ip:ip:icmp:data\t1,1\t4,1\t30,64\t1", l);
});

test("ingress filter: a tunnelled datagram whose outer source is not routed back through the interface it came in on is dropped, unless link2", async (t) => {
  // two routes 192.0.2.1 (one's tunnel end) out of another interface.
  const script = (flag: string) =>
    TUNNEL +
    `jexec two ifconfig epair1 create >/dev/null
jexec two ifconfig epair1a 10.1.1.1/24 up
jexec two route -q add -host 192.0.2.1 10.1.1.2
jexec two ifconfig gif0 ${flag}
jexec one ping -c 1 -t 2 198.51.100.2 >/dev/null
jexec two netstat -in
# two's reply waits for ARP on epair1a, whose other end nobody hears: the
# hold goes with the jail.
jail -r two
`;
  const strict = await run_script(script("-link2"));
  t.is(strict.status, 0, strict.err);
  t.notRegex(strict.out, /^gif0\s+1280\s+<Link#\d+>\s+gif0\s+1\b/m);
  t.regex(strict.out, /^gif0\s+1280\s+<Link#\d+>\s+gif0\s+0\s+0\s+0\s+0\s+0/m);
  t.deepEqual(strict.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  const loose = await run_script(script("link2"));
  t.is(loose.status, 0, loose.err);
  t.regex(loose.out, /^gif0\s+1280\s+<Link#\d+>\s+gif0\s+1\s+0\s+0\s+1\s+0/m);
  t.deepEqual(loose.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("protocol 4 that no tunnel claims goes to raw IP: counted delivered, no protocol unreachable", async (t) => {
  // one tunnels to 192.0.2.2, which has no gif.
  const r = await run_script(`jail -c name=one persist vnet >/dev/null
jail -c name=two persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet one
ifconfig epair0b vnet two
jexec one ifconfig epair0a 192.0.2.1/24 up
jexec two ifconfig epair0b 192.0.2.2/24 up
jexec one ifconfig gif create >/dev/null
jexec one ifconfig gif0 tunnel 192.0.2.1 192.0.2.2 198.51.100.1 198.51.100.2 up
jexec one ping -c 1 -t 2 198.51.100.2 >/dev/null
jexec two netstat -s -p ip | grep -E 'for this host|protocol|gif'
jexec two netstat -s -p icmp | grep -c 'protocol unreachable'
`);
  t.is(r.status, 1, r.err);
  t.regex(r.out, /\t1 packet for this host\n/);
  t.regex(r.out, /\t0 packets for unknown\/unsupported protocol\n/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

tshark.serial("tshark decodes EtherIP between two bridged gifs: version 3, the Ethernet frame inside, every IPv4 checksum good, outer fragments when the wire is small", async (t) => {
  const dir = tmpdir(t, "gif-etherip");
  const r = await capture(
    `jail -c name=one persist vnet >/dev/null
jail -c name=two persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet one
ifconfig epair0b vnet two
jexec one ifconfig epair0a 192.0.2.1/24 up
jexec two ifconfig epair0b 192.0.2.2/24 up
jexec one ifconfig gif create >/dev/null
jexec two ifconfig gif create >/dev/null
jexec one ifconfig gif0 tunnel 192.0.2.1 192.0.2.2 up
jexec two ifconfig gif0 tunnel 192.0.2.2 192.0.2.1 up
jexec one ifconfig bridge create >/dev/null
jexec two ifconfig bridge create >/dev/null
jexec one ifconfig bridge0 198.51.100.1/24 addm gif0 up
jexec two ifconfig bridge0 198.51.100.2/24 addm gif0 up
jexec one ping -c 1 198.51.100.2 >/dev/null
jexec one ifconfig epair0a mtu 1000
jexec two ifconfig epair0b mtu 1000
jexec one ping -c 1 -s 2000 198.51.100.2 >/dev/null
`,
    5,
    dir,
  );
  t.is(r.status, 0, r.err);
  const { stdout } = await promisify(execFile)(
    "tshark",
    ["-r", path.join(dir, "two-epair0b.pcap"), "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.protocols", "-e", "ip.checksum.status", "-e", "ip.proto", "-e", "etherip.ver", "-e", "ip.flags.mf"],
    { encoding: "utf8" },
  );
  const rows = stdout.split("\n").filter((l) => l.includes("\t97"));
  let etherip = 0;
  let outer_frags = 0;
  for (const l of rows) {
    const [protos, sums, , ver, mf] = l.split("\t");
    for (const s of sums.split(",")) t.is(s, "1", l);
    if (protos.includes(":etherip:eth:")) {
      etherip++;
      t.is(ver, "3", l);
    }
    if (mf.split(",")[0] === "1") outer_frags++;
  }
  // ARP both ways, the small ping both ways, the big one's pieces.
  t.true(etherip >= 6, stdout);
  t.true(outer_frags >= 2, stdout);
  t.true(rows.some((l) => l.startsWith("eth:ethertype:ip:etherip:eth:ethertype:arp")), stdout);
  t.true(rows.some((l) => l.startsWith("eth:ethertype:ip:etherip:eth:ethertype:ip:icmp")), stdout);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
