// sbin/netstat.ts with --libxo: the statistics FreeBSD's frag6 scripts read
// (-s -p udp|ip6|icmp6|tcp, and per interface with -I), the socket list
// (-an, -anx, TCP over both families), as XML and JSON under FreeBSD 14's field
// names, holding the same counters as the text output.
// Every run ends with zero outstanding mbufs.
import test from "ava";
import { run_script, TWO_JAILS } from "./prog_helpers.ts";

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

test("netstat -an and -anx --libxo: inet.c's socket instances for TCP over IPv4 and IPv6, the same sockets as the text", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ifconfig epair0a inet6 fd00::1/64 up no_dad
jexec b ifconfig epair0b inet6 fd00::2/64 up no_dad
jexec a nc -l 5000 >/dev/null &
jexec a nc -6 -l 6000 >/dev/null &
sleep 1
jexec b nc -w 30 10.0.0.1 5000 &
jexec b nc -w 30 fd00::1 6000 &
sleep 1
echo ==text==
jexec a netstat -an
echo ==json==
jexec a netstat -an --libxo json
echo ==xtext==
jexec a netstat -anx
echo ==xml==
jexec a netstat -anx --libxo xml,pretty
echo ==plain==
jexec a netstat -n --libxo json
echo ==stext==
jexec a netstat -s -p tcp
echo ==sjson==
jexec a netstat -s -p tcp --libxo json
echo ==end==
kill %1 %2 %3 %4
# TIME_WAIT (2MSL, 60 s of virtual time) keeps the closing side's socket.
sleep 61
jail -r a b >/dev/null
`,
  );
  t.is(r.err, "");
  type sock = { protocol: string; "receive-bytes-waiting": number; "send-bytes-waiting": number; local: { address: string; port: string }; remote: { address: string; port: string }; "tcp-state": string };
  const text = section(r.out, "text").split("\n").slice(2, -1);
  const socks = (JSON.parse(section(r.out, "json")) as { statistics: { socket: sock[] } }).statistics.socket;
  t.is(socks.length, 4, text.join("\n"));
  // Each instance holds what its text line shows, address and port apart.
  t.deepEqual(
    socks.map((s) => [s.protocol, s["receive-bytes-waiting"], s["send-bytes-waiting"], `${s.local.address}.${s.local.port}`, `${s.remote.address}.${s.remote.port}`, s["tcp-state"].trim()].join(" ")),
    text.map((l) => l.split(/\s+/).join(" ").trim()),
  );
  const est4 = socks.find((s) => s.protocol === "tcp4" && s["tcp-state"] === "ESTABLISHED");
  t.like(est4, { local: { address: "10.0.0.1", port: "5000" }, remote: { address: "10.0.0.2" } });
  const lis6 = socks.find((s) => s.protocol === "tcp6" && s["tcp-state"].trim() === "LISTEN");
  t.like(lis6, { local: { address: "*", port: "6000" }, remote: { address: "*", port: "*" } });
  // -x: socket buffer sizes and TCP timers under their field names, no state.
  const xtext = section(r.out, "xtext").split("\n");
  t.regex(xtext[1], /R-MBUF S-MBUF .* S-BMAX {3}rexmt persist {4}keep {4}2msl  delack rcvtime$/);
  const xml = section(r.out, "xml");
  t.is(xml.match(/<socket>/g)?.length, 4);
  t.false(xml.includes("<tcp-state>"));
  const hiwat = [...xml.matchAll(/<receive-high-water>\s*(\d+)<\/receive-high-water>/g)].map((m) => Number(m[1]));
  const xcols = xtext.slice(2, -1).map((l) => Number(l.split(/\s+/)[9]));
  t.deepEqual(hiwat, xcols);
  t.true(xml.includes("<keepalive-timer>") && xml.includes("<inactivity-timer>"));
  // Without -a the listeners are left out.
  const plain = (JSON.parse(section(r.out, "plain")) as { statistics: { socket: sock[] } }).statistics.socket;
  t.deepEqual(plain.map((s) => s["tcp-state"]).sort(), ["ESTABLISHED", "ESTABLISHED"]);
  // -s -p tcp: tcp_stats's counters under inet.c's names, as the text counts them.
  const stext = section(r.out, "stext");
  const tcp = (JSON.parse(section(r.out, "sjson")) as { statistics: { tcp: Record<string, unknown> } }).statistics.tcp;
  const num = (re: RegExp) => Number(re.exec(stext)?.[1]);
  t.is(tcp["sent-packets"], num(/^\t(\d+) packets? sent$/m), stext);
  t.is(tcp["received-packets"], num(/^\t(\d+) packets? received$/m));
  t.is(tcp["connections-accepts"], 2);
  t.is(tcp["connections-accepts"], num(/^\t(\d+) connection accepts?$/m));
  t.like(tcp.syncache, { "entries-added": 2, completed: 2 });
  t.like(tcp["TCP connection count by state"], { ESTABLISHED: 2, LISTEN: 2 });
  t.regex(stext, /^\t2 connections in ESTABLISHED state$/m);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
