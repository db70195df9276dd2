// netinet6/ip6_output (with frag6 at the other end): a 4,000-byte echo
// between two vnet jails is fragmented at the source (1500-byte link: 1448
// bytes of data per fragment) and reassembled at the destination, both
// ways; netstat -s -p ip6 shows FreeBSD's counters; tshark decodes every
// frame of the capture with good checksums and reassembles the fragments;
// the same seed gives the same bytes.  IPV6_DONTFRAG and a path MTU under
// 1280 (always a fragment header) are ip6_output's other cases.
import test from "ava";
import fs from "node:fs";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { needs } from "../helpers/tools.ts";
import { script, tmpdir } from "./ip6_helpers.ts";

const tshark = needs("tshark");

const PING = `jail -c name=a vnet persist
jail -c name=b vnet persist
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
sleep 3
jexec a echo6 2001:db8::2 4000
echo a:
jexec a netstat -s -p ip6
echo b:
jexec b netstat -s -p ip6
jexec a netstat -s -p ip6 -I epair0a
jexec b netstat -s -p ip6 -I epair0b
`;

function section(out: string, name: string): string {
  const i = out.indexOf(`${name}:\nip6:`);
  if (i < 0) return "";
  const j = out.indexOf("\nb:\n", i + 1);
  return out.slice(i, j < 0 || name === "b" ? undefined : j);
}

test.serial("a 4,000-byte echo request is fragmented at the source and reassembled, both ways", async (t) => {
  const r = await script(PING, 1, null);
  t.is(r.status, 0, r.err);
  t.regex(r.out, /echo6: 4000 bytes back: intact/);
  const a = section(r.out, "a");
  const b = section(r.out, "b");
  // The request: 40 + 8 + 4000 bytes, in fragments of 1448 data bytes.
  t.regex(a, /\t1 output datagram fragmented\n/);
  t.regex(a, /\t3 fragments created\n/);
  t.regex(b, /\t3 fragments received\n/);
  t.regex(b, /\t1 packet reassembled ok\n/);
  // The reply, the other way.
  t.regex(b, /\t1 output datagram fragmented\n/);
  t.regex(a, /\t1 packet reassembled ok\n/);
  // The interfaces' own counters (RFC 2465, netstat -s -I).
  t.regex(r.out, /ip6 on epair0a:\n(\t.*\n)*\t1 output datagram fragmented\n(\t.*\n)*\t3 output datagrams succeeded on fragment\n/);
  t.regex(r.out, /ip6 on epair0b:\n(\t.*\n)*\t3 incoming datagrams fragmented\n\t1 datagram reassembled\n\t0 datagrams failed on reassembly\n/);
  // MLD's and ND's timers let go of what they hold.
  r.k.kern_advance_ns(120e9);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

const FIELDS = ["frame.protocols", "icmpv6.checksum.status", "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.reassembled.length", "icmpv6.type"] as const;

async function decode(file: string): Promise<Record<string, string[]>[]> {
  const args = ["-r", file, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"];
  for (const f of FIELDS) args.push("-e", f);
  const { stdout } = await promisify(execFile)("tshark", args, { encoding: "utf8", maxBuffer: 64 << 20 });
  return stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const cols = l.split("\t");
      const fr: Record<string, string[]> = {};
      FIELDS.forEach((f, i) => (fr[f] = (cols[i] ?? "") === "" ? [] : (cols[i] as string).split(",")));
      return fr;
    });
}

tshark.serial("tshark decodes the capture: fragments reassembled to the whole echo, every ICMPv6 checksum good; same seed, same bytes", async (t) => {
  const d1 = tmpdir(t, "ip6frag1");
  const d2 = tmpdir(t, "ip6frag2");
  const r1 = await script(PING, 7, d1);
  const r2 = await script(PING, 7, d2);
  t.is(r1.status, 0, r1.err);
  const files = fs.readdirSync(d1).filter((f) => f.endsWith(".pcap")).sort();
  t.true(files.length > 0);
  let reassembled = 0;
  let sums = 0;
  for (const f of files) {
    t.deepEqual(fs.readFileSync(path.join(d1, f)), fs.readFileSync(path.join(d2, f)), `${f}: same seed, same bytes`);
    for (const fr of await decode(path.join(d1, f))) {
      for (const st of fr["icmpv6.checksum.status"]) {
        t.is(st, "1", `${f}: an ICMPv6 checksum is not good (${JSON.stringify(fr)})`);
        sums++;
      }
      for (const l of fr["ipv6.reassembled.length"]) if (Number(l) === 4008) reassembled++;
    }
  }
  t.true(sums > 0, "no ICMPv6 checksum checked");
  t.true(reassembled >= 2, `tshark reassembled ${reassembled} 4008-byte messages`);
});
