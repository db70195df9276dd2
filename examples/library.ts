// The library from TypeScript: a chain of 20 vnet jails built from code,
// a ping from one end to the other through 18 routers, and the counters
// each node kept.  Run with:
//   npm run build && npx tsx examples/library.ts [FILE.pcap]
// (with FILE.pcap, what n20 saw on its link is written there for tshark).
//
//   n1 --10.0.1.0/24-- n2 --10.0.2.0/24-- n3 ... n19 --10.0.19.0/24-- n20
//   each link an epair: node i is 10.0.i.1 on its right, node i+1 is 10.0.i.2.
import { boot, type Kernel } from "virtnet";

const N = 20;
// ICMP types: the histograms in struct icmpstat are indexed by them.
const ICMP_ECHOREPLY = 0;
const ICMP_ECHO = 8;
const name = (i: number): string => `n${i}`;

/** Run a command, failing loudly if it fails: a topology script should not
 *  go on after a mistake. */
async function must(k: Kernel, argv: string[], jail?: string): Promise<string> {
  const r = await k.exec(argv, { jail });
  if (r.status !== 0) throw new Error(`${jail === undefined ? "" : `jexec ${jail} `}${argv.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const k = await boot({ build: "vimage", seed: 1 });

for (let i = 1; i <= N; i++) await must(k, ["jail", "-c", `name=${name(i)}`, "vnet", "persist"]);

for (let i = 1; i < N; i++) {
  // `ifconfig epair create` prints the A end's name, as on FreeBSD.
  const a = (await must(k, ["ifconfig", "epair", "create"])).trim();
  const b = a.replace(/a$/, "b");
  await must(k, ["ifconfig", a, "vnet", name(i)]);
  await must(k, ["ifconfig", b, "vnet", name(i + 1)]);
  await must(k, ["ifconfig", a, `10.0.${i}.1/24`, "up"], name(i));
  await must(k, ["ifconfig", b, `10.0.${i}.2/24`, "up"], name(i + 1));
}

// Towards n20 every node sends to its right-hand neighbour; the way back
// to n1's network goes left.  The nodes in between forward.
for (let i = 1; i <= N; i++) {
  if (i < N) await must(k, ["route", "-q", "add", "default", `10.0.${i}.2`], name(i));
  else await must(k, ["route", "-q", "add", "default", `10.0.${i - 1}.1`], name(i));
  if (i > 2 && i < N) await must(k, ["route", "-q", "add", "-net", "10.0.1.0/24", `10.0.${i - 1}.1`], name(i));
  if (i > 1 && i < N) k.setSysctl("net.inet.ip.forwarding", 1, { jail: name(i) });
}

// What n20 sees on its only link.
const cap = k.capture(`epair${N - 2}b`, { jail: name(N), file: process.argv[2] });

const ping = await k.run(`ping -c 3 10.0.${N - 1}.2`, { jail: name(1) });
process.stdout.write(ping.stdout);
cap.stop();
console.log(`\n${name(N)} captured ${cap.frames().length} frames on epair${N - 2}b`);

console.log("\nnode  ips_forward  echo requests in  echo replies out  echo replies in");
let forwarded = 0;
for (let i = 1; i <= N; i++) {
  const ip = k.stats("ip", { jail: name(i) });
  const icmp = k.stats("icmp", { jail: name(i) });
  forwarded += ip.ips_forward;
  const cols = [ip.ips_forward, icmp.icps_inhist[ICMP_ECHO], icmp.icps_outhist[ICMP_ECHOREPLY], icmp.icps_inhist[ICMP_ECHOREPLY]];
  console.log(name(i).padEnd(4) + cols.map((n, c) => String(n).padStart([13, 18, 18, 17][c])).join(""));
}
console.log(`forwarded in all: ${forwarded}; virtual time: ${k.uptime.toFixed(3)} s`);

// Twenty minutes later (net.link.ether.inet.max_age) the ARP entries the
// ping made have expired, on every node, and cost no real time.
k.advance(20 * 60 + 5);
let timeouts = 0;
for (let i = 1; i <= N; i++) timeouts += k.stats("arp", { jail: name(i) }).timeouts;
console.log(`after ${k.uptime.toFixed(0)} s: ${timeouts} ARP entries timed out`);

k.destroy();
