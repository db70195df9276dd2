// sbin/netstat.ts with --libxo: the statistics FreeBSD's frag6 scripts read
// (-s -p udp|ip6|icmp6, and per interface with -I), as XML and JSON under
// FreeBSD 14's field names, holding the same counters as the text output.
// Every run ends with zero outstanding mbufs.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

const JAILS6 = `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
sleep 3
`;

/** The text between "==name==" and the next marker. */
function section(out: string, name: string): string {
  const i = out.indexOf(`==${name}==\n`);
  if (i < 0) throw new Error(`no ${name} in:\n${out}`);
  const rest = out.slice(i + name.length + 5);
  const j = rest.indexOf("==");
  return j < 0 ? rest : rest.slice(0, j);
}

test("netstat -s -p ip6/icmp6/udp --libxo: fragments of a big ping6 counted alike in text, JSON and XML", async (t) => {
  const r = await run_script(
    JAILS6 +
      `jexec b netstat -z -s >/dev/null
jexec a ping6 -q -c 2 -s 3000 2001:db8::2 >/dev/null
echo ==text==
jexec b netstat -s -p ip6
echo ==json==
jexec b netstat -s -p ip6 --libxo json
echo ==xml==
jexec b netstat -s -p ip6 --libxo xml,pretty
echo ==icmp6==
jexec b netstat -s -p icmp6 --libxo=json,pretty
echo ==udp==
jexec b netstat -s -p udp --libxo:XP
echo ==end==
jail -r a b
`,
  );
  t.is(r.err, "");
  const text = section(r.out, "text");
  const frags = Number(/^\t(\d+) fragments received$/m.exec(text)?.[1]);
  const reass = Number(/^\t(\d+) packets? reassembled ok$/m.exec(text)?.[1]);
  t.is(frags, 6, text);
  t.is(reass, 2);
  const json = JSON.parse(section(r.out, "json")) as { statistics: { ip6: Record<string, unknown> } };
  const ip6 = json.statistics.ip6;
  t.is(ip6["received-fragments"], frags);
  t.is(ip6["reassembled-packets"], reass);
  t.is(ip6["dropped-fragment"], 0);
  // The input histogram: fragment headers seen, as a list of instances.
  t.deepEqual(ip6["input-histogram"], [
    { name: "fragment", count: 6 },
    { name: "ICMP6", count: Number(/^\t\tICMP6: (\d+)$/m.exec(text)?.[1]) },
  ]);
  const xml = section(r.out, "xml");
  t.true(xml.startsWith("<statistics>\n  <ip6>\n"));
  t.true(xml.includes(`\n    <received-fragments>${frags}</received-fragments>\n`));
  t.true(xml.includes(`\n    <reassembled-packets>${reass}</reassembled-packets>\n`));
  t.true(xml.includes("\n    <input-histogram>\n      <name>fragment</name>\n      <count>6</count>\n    </input-histogram>\n"));
  const icmp6 = (JSON.parse(section(r.out, "icmp6")) as { statistics: { icmp6: Record<string, unknown> } }).statistics.icmp6;
  t.is(icmp6["icmp6-calls"], 0);
  t.deepEqual(icmp6["output-histogram"], [{ name: "echo reply", count: 2 }, ...((icmp6["output-histogram"] as unknown[]).slice(1))]);
  t.is((icmp6.errors as Record<string, number>)["bad-header"], 0);
  t.true(section(r.out, "udp").includes("\n    <received-datagrams>0</received-datagrams>\n"));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat -s -I IF --libxo: ip6 and icmp6 per-interface counters as instances named by the interface", async (t) => {
  const r = await run_script(
    JAILS6 +
      `jexec a ping6 -q -c 1 -s 2000 2001:db8::2 >/dev/null
echo ==text==
jexec b netstat -s -p ip6 -I epair0b
echo ==json==
jexec b netstat -s -p ip6 -I epair0b --libxo json
echo ==icmp6text==
jexec b netstat -s -p icmp6 -I epair0b
echo ==icmp6==
jexec b netstat -s -p icmp6 -I epair0b --libxo xml,pretty
echo ==end==
jail -r a b
`,
  );
  t.is(r.err, "");
  const text = section(r.out, "text");
  t.true(text.startsWith("ip6 on epair0b:\n"));
  const js = JSON.parse(section(r.out, "json")) as { statistics: { "ip6-interface-statistics": Record<string, unknown>[] } };
  const st = js.statistics["ip6-interface-statistics"];
  t.is(st.length, 1);
  t.is(st[0].name, "epair0b");
  t.is(st[0]["reassembly-required"], Number(/^\t(\d+) incoming datagrams? fragmented$/m.exec(text)?.[1]));
  t.is(st[0]["reassembly-required"], 2);
  t.is(st[0]["reassembled-packets"], 1);
  t.is(st[0]["reassembly-failed"], 0);
  const it = section(r.out, "icmp6text");
  t.true(it.startsWith("icmp6 on epair0b:\n"));
  const echo = Number(/^\t(\d+) output echo repl(y|ies)$/m.exec(it)?.[1]);
  t.is(echo, 1);
  const xml = section(r.out, "icmp6");
  t.true(xml.startsWith("<statistics>\n  <icmp6-interface-statistics>\n    <name>epair0b</name>\n"));
  t.true(xml.includes(`\n    <sent-echo-replies>${echo}</sent-echo-replies>\n`));
  t.true(xml.includes("\n    <sent-bad-parameter>0</sent-bad-parameter>\n"));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat --libxo: an unknown style is refused with exit 1", async (t) => {
  const r = await run_script("netstat -s -p ip6 --libxo yaml\necho \"exit $?\"\n");
  t.is(r.out, "exit 1\n");
  t.regex(r.err, /^netstat: unknown libxo option value: 'yaml'\n$/);
});

test("netstat -rn --libxo: route.c's route-information tree, the text unchanged beside it", async (t) => {
  const r = await run_script(
    `jail -c name=a persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec a ifconfig epair0a inet6 2001:db8::1/64
jexec a route add default 10.0.0.2 >/dev/null
jexec a route -6 add -net 2001:db8:1::/64 2001:db8::2 >/dev/null
echo ==text==
jexec a netstat -rn6
echo ==json==
jexec a netstat -rn6 --libxo json
echo ==xml==
jexec a netstat -rn -F 0 -4 --libxo xml,pretty
echo ==end==
jail -r a
`,
  );
  t.is(r.err, "");
  const text = section(r.out, "text");
  const js = JSON.parse(section(r.out, "json")) as {
    statistics: { "route-information": { "route-table": { "rt-family": { "address-family": string; "rt-entry": Record<string, unknown>[] }[] } } };
  };
  const fams = js.statistics["route-information"]["route-table"]["rt-family"];
  t.deepEqual(fams.map((x) => x["address-family"]), ["Internet6"]);
  const entries = fams[0]["rt-entry"];
  // One entry per text line after the header, in the same order.
  const rows = text.split("\n").filter((l) => /^[0-9a-f:]+[%/:]|^[0-9a-f]+:/.test(l) && !l.startsWith("Destination"));
  t.deepEqual(entries.map((e) => e.destination), rows.map((l) => l.split(/\s+/)[0]));
  const via = entries.find((e) => e.destination === "2001:db8:1::/64");
  t.like(via, { gateway: "2001:db8::2", flags: "UGS", flags_pretty: ["up", "gateway", "static"], weight: 1, "interface-name": "epair0a" });
  const xml = section(r.out, "xml");
  t.true(xml.startsWith("<statistics>\n  <route-information>\n    <route-table>\n      <rt-family>\n        <address-family>Internet</address-family>\n"));
  t.true(xml.includes("\n        <rt-entry>\n          <destination>default</destination>\n          <gateway>10.0.0.2</gateway>\n          <flags>UGS</flags>\n          <flags_pretty>up</flags_pretty>\n"));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat -i and -m --libxo: if.c's interface instances and mbuf.c's counters, as the text shows them", async (t) => {
  const r = await run_script(
    `ifconfig epair create >/dev/null
ifconfig epair0a 10.0.0.1/24 up
echo ==text==
netstat -i -I epair0a
echo ==json==
netstat -i -I epair0a --libxo json
echo ==mtext==
netstat -m
echo ==m==
netstat -m --libxo json,pretty
echo ==end==
`,
  );
  t.is(r.err, "");
  const text = section(r.out, "text").split("\n");
  const js = JSON.parse(section(r.out, "json")) as { statistics: { interface: Record<string, unknown>[] } };
  const ifs = js.statistics.interface;
  t.is(ifs.length, text.length - 2, text.join("\n"));
  t.like(ifs[0], { name: "epair0a", flags: "0x8843", network: "<Link#2>" });
  t.is(String(ifs[0].mtu).trim(), "1500");
  t.like(ifs[1], { name: "epair0a", network: "10.0.0.0/24", address: "10.0.0.1" });
  const m = (JSON.parse(section(r.out, "m")) as { "mbuf-statistics": Record<string, number> })["mbuf-statistics"];
  const first = section(r.out, "mtext").split("\n")[0];
  t.is(first, `${m["mbuf-current"]}/${m["mbuf-cache"]}/${m["mbuf-total"]} mbufs in use (current/cache/total)`);
  t.is(typeof m["sfbufs-alloc-wait"], "number");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
