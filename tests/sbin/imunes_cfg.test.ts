// sbin/imunes_cfg.ts: IMUNES's two file forms (JSON and the Tcl-list .imn)
// read into one model; JSON and Tcl-list reading checked against generated
// input; every fault named with its file and node, link or line.
import test from "ava";
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ex = (f: string): string => path.join(root, "examples", f);
let kp: Promise<Kernel> | null = null;
const kern = (): Promise<Kernel> => (kp ??= loadKernelUnbooted("vimage"));

test("the example's JSON and .imn forms give the same model and the same commands", async (t) => {
  const k = await kern();
  const j = k.imn_check(k.imn_parse("x", fs.readFileSync(ex("imunes-3routers.json"), "utf8")));
  const i = k.imn_check(k.imn_parse("x", fs.readFileSync(ex("imunes-3routers.imn"), "utf8")));
  t.is(j.topo.format, "json");
  t.is(i.topo.format, "imn");
  t.deepEqual(i.nodes, j.nodes);
  t.deepEqual(i.links, j.links);
  t.deepEqual(j.unsupported, []);
  t.is(k.imunes_plan_text(k.imunes_plan(i, "i0001")), k.imunes_plan_text(k.imunes_plan(j, "i0001")));
  const names = j.nodes.map((n) => `${n.name}:${n.type}`).sort();
  t.deepEqual(names, ["hub1:hub", "pc1:pc", "pc2:pc", "pc3:pc", "pc4:pc", "router1:router", "router2:router", "router3:router", "switch1:lanswitch"]);
  const l5 = j.links.find((l) => l.id === "l5");
  t.like(l5, { bandwidth: 10000000, delay: 5000, ber: 100000, duplicate: 0, peers: ["n1", "n2"], peers_ifaces: ["ifc3", "ifc1"] });
  t.deepEqual(j.nodes.find((n) => n.name === "router2")?.croutes4, ["10.0.1.0/24 10.0.12.1", "10.0.3.0/24 10.0.23.3"]);
});

test("the plan is IMUNES's: experiment jail, node jails, bridge and hub, eifaces, pipes with setcfg, then addresses and routes", async (t) => {
  const k = await kern();
  const c = k.imn_check(k.imn_parse("x", fs.readFileSync(ex("imunes-3routers.json"), "utf8")));
  const text = k.imunes_plan_text(k.imunes_plan(c, "i0001"));
  const lines = text.split("\n");
  t.is(lines[0], "jail -c name=i0001 vnet persist");
  t.is(lines[1], "jail -c name=i0001-n0 host.hostname=router1 vnet persist");
  t.true(lines.includes('printf "mkpeer bridge link1 link1\\nmsg .link1 setpersistent\\nname .link1 n7" | jexec i0001 ngctl -f -'));
  t.true(lines.includes('printf "mkpeer hub link1 link1\\nmsg .link1 setpersistent\\nname .link1 n8" | jexec i0001 ngctl -f -'));
  t.true(lines.includes("jexec i0001-n1 sysctl net.inet.icmp.bmcastecho=1 net.inet.icmp.icmplim=0 net.inet.ip.maxfragsperpacket=64000 net.inet.ip.forwarding=1"));
  t.true(lines.includes("jexec i0001-n3 sysctl net.inet.icmp.bmcastecho=1 net.inet.icmp.icmplim=0 net.inet.ip.maxfragsperpacket=64000"));
  t.true(lines.includes(`set -- $(printf "mkpeer . eiface n3-ifc1 ether\\nshow .:n3-ifc1\\nname .:n3-ifc1 n3-ifc1" | jexec i0001 ngctl -f - | grep '^  Name: ' | cut -d' ' -f4)`));
  t.true(lines.includes("jexec i0001 ifconfig ${1} name n3-ifc1"));
  t.true(lines.includes("ifconfig n3-ifc1 -vnet i0001"));
  t.true(lines.includes("ifconfig n3-ifc1 vnet i0001-n3"));
  const links = lines.find((l) => l.startsWith('printf "mkpeer n3-ifc1: pipe ether upper')) ?? "";
  // pc1 (n3) eth0 to the switch's first port, the link named l0; switch1
  // (n7) port e2 (ifc2, hook link3) to router1's eth0.
  t.true(links.startsWith('printf "mkpeer n3-ifc1: pipe ether upper\\nname n3-ifc1:ether l0\\nconnect l0: n7: lower link1\\n'));
  t.true(links.includes("\\nmkpeer n7: pipe link3 upper\\nname n7:link3 l2\\nconnect l2: n0-ifc1: lower ether\\n"));
  const cfg = lines.find((l) => l.startsWith('printf "msg l0: setcfg')) ?? "";
  t.true(cfg.startsWith('printf "msg l0: setcfg {bandwidth=-1 delay=-1 upstream={BER=-1 duplicate=-1} downstream={BER=-1 duplicate=-1}}\\n'));
  t.true(cfg.includes("\\nmsg l5: setcfg {bandwidth=10000000 delay=5000 upstream={BER=100000 duplicate=-1} downstream={BER=100000 duplicate=-1}}\\n"));
  t.true(lines.includes("jexec i0001-n6 sh -ec 'ifconfig n6-ifc1 name eth0; ifconfig eth0 link 42:00:aa:00:00:0a; ifconfig eth0 mtu 1500; ifconfig eth0 inet 10.0.3.10/24; ifconfig eth0 up; ifconfig lo0 mtu 16384; ifconfig lo0 inet 127.0.0.1/8; ifconfig lo0 up; route -q add -inet 0.0.0.0/0 10.0.3.1'"));
  t.true(lines.some((l) => l.startsWith("jexec i0001-n2 sh -ec 'ifconfig n2-ifc1 name eth0; ifconfig n2-ifc2 name eth1; ") && l.endsWith("route -q add -inet 0.0.0.0/0 10.0.23.2'")));
  // The order of deployCfg: links after interfaces, addresses last.
  const at = (s: string): number => lines.findIndex((l) => l.includes(s));
  t.true(at("mkpeer . eiface") < at("pipe ether upper"));
  t.true(at("pipe ether upper") < at("setcfg"));
  t.true(at("setcfg") < at("ifconfig eth0 inet"));
});

const BASE = {
  nodes: {
    n0: { type: "pc", name: "pc1", ifaces: { ifc0: { name: "eth0", type: "phys", ipv4_addrs: ["10.0.0.1/24"], link: "l0" } } },
    n1: { type: "pc", name: "pc2", ifaces: { ifc0: { name: "eth0", type: "phys", ipv4_addrs: ["10.0.0.2/24"], link: "l0" } } },
  },
  links: { l0: { peers: "n0 n1", peers_ifaces: "ifc0 ifc0" } },
};

function with_change(f: (d: typeof BASE & Record<string, unknown>) => void): string {
  const d = JSON.parse(JSON.stringify(BASE)) as typeof BASE & Record<string, unknown>;
  f(d);
  return JSON.stringify(d, null, 2);
}

const BAD: [string, string, RegExp][] = [
  ["missing link peer (no such node)", with_change((d) => void (d.links.l0.peers = "n0 n9")), /^t\.json: link l0: missing link peer: node "n9" is not in the file$/],
  ["missing link peer (one peer)", with_change((d) => void (d.links.l0.peers = "n0")), /^t\.json: link l0: missing link peer \("peers" names 1 node, a link joins 2\)$/],
  ["missing link peer (no interface)", with_change((d) => void (d.links.l0.peers_ifaces = "ifc0 ifc7")), /^t\.json: link l0: missing link peer: pc2 \(n1\) has no interface ifc7$/],
  ["bad address", with_change((d) => void (d.nodes.n1.ifaces.ifc0.ipv4_addrs = ["10.0.0.300/24"])), /^t\.json: node n1 \(pc2\): interface eth0: bad IPv4 address "10\.0\.0\.300\/24" \(a\.b\.c\.d\/len\)$/],
  ["bad prefix length", with_change((d) => void (d.nodes.n0.ifaces.ifc0.ipv4_addrs = ["10.0.0.1/33"])), /^t\.json: node n0 \(pc1\): interface eth0: bad IPv4 address "10\.0\.0\.1\/33"/],
  ["unknown node type", with_change((d) => void (d.nodes.n1.type = "toaster")), /^t\.json: node n1 \(pc2\): unknown node type "toaster" \(IMUNES's types VirtNet builds: pc, host, router, lanswitch, hub\)$/],
  ["bad static route", with_change((d) => void ((d.nodes.n0 as Record<string, unknown>).croutes4 = ["0.0.0.0/0"])), /^t\.json: node n0 \(pc1\): bad static route "0\.0\.0\.0\/0" \(DEST\/LEN GATEWAY\)$/],
  ["bad MAC", with_change((d) => void ((d.nodes.n0.ifaces.ifc0 as Record<string, unknown>).mac = "42:00:zz:00:00:01")), /^t\.json: node n0 \(pc1\): interface eth0: bad MAC address "42:00:zz:00:00:01"$/],
  ["bad delay", with_change((d) => void ((d.links.l0 as Record<string, unknown>).delay = "20ms")), /^t\.json: link l0: bad delay "20ms" \(a non-negative integer\)$/],
  ["interface on an unknown link", with_change((d) => void (d.nodes.n0.ifaces.ifc0.link = "l4")), /^t\.json: link l0: interface eth0 of pc1 says it is on link l4$/],
  ["malformed JSON", '{\n  "nodes": {\n    "n0": { "type": "pc" }\n    "n1": {}\n  }\n}\n', /^t\.json: line 4, column 5: malformed JSON: expected ',' or '}' after a property value, found '"'$/],
  ["malformed JSON (end of file)", '{\n  "nodes": {\n', /^t\.json: line 3, column 1: malformed JSON: expected a property name in double quotes, found end of file$/],
  // Found by `npm run fuzz`: a backslash before a newline in a string once
  // printed the newline itself and broke the message in two.
  ["a bad escape before a newline", '{\n  "nodes": { "n0": { "name": "a\\\n" } }\n}\n', /^t\.json: line 2, column 32: malformed JSON: bad escape \\\\n in a string$/],
  ["a link's peers that are not a list", with_change((d) => void (d.links.l0.peers = 'n0 "n1')), /^t\.json: malformed list in a JSON string: unmatched open quote in list$/],
  ["a property name holding a newline", '{ "a\\nb" 1 }', /^t\.json: line 1, column 10: malformed JSON: expected ':' after property name "a\\nb", found '1'$/],
];

for (const [name, src, want] of BAD) {
  test(`a bad file gives one clear error: ${name}`, async (t) => {
    const k = await kern();
    const e = t.throws(() => k.imn_check(k.imn_parse("t.json", src)));
    t.true(e instanceof k.imn_error, String(e));
    t.regex(e?.message ?? "", want);
  });
}

const IMN_OK = `node n0 {
    type pc
    network-config {
\thostname pc1
\t!
\tinterface eth0
\t ip address 10.0.0.1/24
\t!
    }
    interface-peer {eth0 n1}
}
node n1 {
    type router
    model frr
    network-config {
\thostname r1
\t!
\tinterface eth0
\t ip address 10.0.0.2/24
\t ipv6 address fc00::2/64
\t!
\trouter rip
\t redistribute static
\t!
\tipv6 route ::/0 fc00::1
\t!
    }
    interface-peer {eth0 n0}
    interface-peer {eth1 n2}
}
node n2 {
    type rj45
    network-config {
\thostname em0
\t!
    }
    interface-peer {0 n1}
}
link l0 {
    nodes {n0 n1}
    bandwidth 1000000
    delay 20000
}
link l1 {
    nodes {n1 n2}
}
`;

test(".imn: interface-peer and nodes give the link's interfaces; what is not emulated is collected for one warning", async (t) => {
  const k = await kern();
  const c = k.imn_check(k.imn_parse("t.imn", IMN_OK));
  t.is(c.topo.format, "imn");
  t.deepEqual(
    c.nodes.map((n) => n.name),
    ["pc1", "r1"],
  );
  t.like(c.links[0], { id: "l0", peers: ["n0", "n1"], peers_ifaces: ["ifc0", "ifc0"], bandwidth: 1000000, delay: 20000 });
  t.is(c.links.length, 1);
  t.deepEqual(c.unsupported, ["IPv6 addresses on r1 eth0", "IPv6 static routes (croutes6) on r1", "routing protocol rip on router r1 (model frr; its croutes4 are applied)", "rj45 node em0", "link l1"]);
  const w = k.imunes_warning(c);
  t.is(w, "warning: t.imn: not emulated (the rest runs): IPv6 addresses on r1 eth0; IPv6 static routes (croutes6) on r1; routing protocol rip on router r1 (model frr; its croutes4 are applied); rj45 node em0; link l1");
  // autoMACaddr for the interfaces that had none.
  t.deepEqual(
    c.nodes.map((n) => n.ifaces.find((f) => f.name === "eth0")?.mac),
    ["42:00:aa:00:00:00", "42:00:aa:00:00:01"],
  );
});

const IMN_BAD: [string, string, RegExp][] = [
  ["unmatched brace, with its line", "node n0 {\n    type pc\n    network-config {\n\thostname pc1\n", /^t\.imn: line 1: malformed \.imn: unmatched open brace in list \(the last brace still open is on line 3\)$/],
  ["a field without a value", "node n0 {\n    type pc\n    model\n}\n", /^t\.imn: line 3: malformed \.imn: node n0: field "model" has no value$/],
  ["an unknown class", "nose n0 {\n}\n", /^t\.imn: line 1: malformed \.imn: unknown object class "nose"$/],
  ["missing link peer", "node n0 {\n    type pc\n}\nlink l0 {\n    nodes {n0 n5}\n}\n", /^t\.imn: link l0: missing link peer: node "n5" is not in the file$/],
  ["unknown node type", "node n0 {\n    type satellite\n}\n", /^t\.imn: node n0: unknown node type "satellite"/],
  ["bad address", "node n0 {\n    type pc\n    network-config {\n\thostname a\n\t!\n\tinterface eth0\n\t ip address 1.2.3/24\n\t!\n    }\n}\n", /^t\.imn: node n0 \(a\): interface eth0: bad IPv4 address "1\.2\.3\/24"/],
  // Found by `npm run fuzz`: a list inside a field that does not parse.
  ["a link's nodes with an open quote", 'node n0 {\n    type pc\n}\nlink l0 {\n    nodes {n0 "n1}\n}\n', /^t\.imn: line 5: malformed \.imn: unmatched open quote in list$/],
  ["an interface-peer with an open quote", 'node n0 {\n    type pc\n    interface-peer {eth0 "n1}\n}\n', /^t\.imn: line 3: malformed \.imn: unmatched open quote in list$/],
];

for (const [name, src, want] of IMN_BAD) {
  test(`a bad .imn gives one clear error: ${name}`, async (t) => {
    const k = await kern();
    const e = t.throws(() => k.imn_check(k.imn_parse("t.imn", src)));
    t.true(e instanceof k.imn_error, String(e));
    t.regex(e?.message ?? "", want);
  });
}

test("property: json_parse reads what JSON.stringify writes, as JSON.parse does", async (t) => {
  const k = await kern();
  fc.assert(
    fc.property(fc.jsonValue(), fc.boolean(), (v, pretty) => {
      const s = JSON.stringify(v, null, pretty ? 2 : undefined);
      t.deepEqual(JSON.parse(JSON.stringify(k.json_parse(s))), JSON.parse(s));
    }),
    { numRuns: 300 },
  );
});

test("property: json_parse fails only where JSON.parse fails, with a line inside the text", async (t) => {
  const k = await kern();
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom("{", "}", "[", "]", '"', ":", ",", "1", "a", " ", "\n", "true", "null", "\\") }), (s) => {
      let ok = true;
      try {
        JSON.parse(s);
      } catch {
        ok = false;
      }
      try {
        k.json_parse(s);
        return ok;
      } catch (e) {
        if (!(e instanceof k.json_syntax)) return false;
        return !ok && e.line >= 1 && e.line <= s.split("\n").length;
      }
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

/** A Tcl list element as Tcl's `list` would quote it (braces). */
function tcl_quote(w: string): string {
  return w === "" || /[\s{}"\\]/.test(w) ? `{${w}}` : w;
}

test("property: tcl_list splits what a list of braced words joins", async (t) => {
  const k = await kern();
  const word = fc.string({ unit: fc.constantFrom("a", "b", "1", ".", "-", " ", "\t", "\n", "/", ":") });
  // Balanced braces inside a braced word are allowed too.
  const nested = fc.tuple(word, word).map(([a, b]) => `${a}{${b}}`);
  fc.assert(
    fc.property(fc.array(fc.oneof(word, nested), { maxLength: 8 }), fc.constantFrom(" ", "\n", " \t "), (ws, sep) => {
      const got = k.tcl_list(ws.map(tcl_quote).join(sep)).map((w) => w.text);
      t.deepEqual(got, ws);
    }),
    { numRuns: 500 },
  );
});

interface gen_node {
  type: "pc" | "router" | "host";
  addr: string;
}

test("property: a generated topology reads the same from its JSON and its .imn form", async (t) => {
  const k = await kern();
  const node = fc.record({ type: fc.constantFrom<"pc" | "router" | "host">("pc", "router", "host"), addr: fc.tuple(fc.nat(255), fc.nat(255), fc.integer({ min: 8, max: 30 })).map(([a, b, m]) => `10.${a}.${b}.1/${m}`) });
  const linkp = fc.record({ bandwidth: fc.nat(1e9), delay: fc.nat(1e6), ber: fc.nat(1e9), duplicate: fc.nat(100) });
  fc.assert(
    fc.property(fc.array(node, { minLength: 2, maxLength: 6 }), fc.array(linkp, { minLength: 1, maxLength: 6 }), fc.nat(1000), (ns, ls, seed) => {
      const nodes: gen_node[] = ns;
      // A chain, then extra links between random pairs: each link gets a
      // new interface ethN on both ends.
      const pairs: [number, number][] = [];
      for (let j = 0; j + 1 < nodes.length; j++) pairs.push([j, j + 1]);
      for (let j = 0; j < ls.length; j++) {
        const a = (seed + j * 7) % nodes.length;
        const b = (a + 1 + ((seed >> 3) + j) % (nodes.length - 1)) % nodes.length;
        pairs.push([a, b]);
      }
      const ifs: string[][] = nodes.map(() => []);
      const jn: Record<string, unknown> = {};
      const jl: Record<string, unknown> = {};
      const ends: [string, string][] = [];
      pairs.forEach(([a, b], j) => {
        const ia = `eth${ifs[a].length}`;
        ifs[a].push(`l${j}`);
        const ib = `eth${ifs[b].length}`;
        ifs[b].push(`l${j}`);
        ends.push([ia, ib]);
      });
      nodes.forEach((n, j) => {
        const ifaces: Record<string, unknown> = { ifc0: { name: "lo0", type: "lo", ipv4_addrs: ["127.0.0.1/8"] } };
        ifs[j].forEach((l, x) => (ifaces[`ifc${x + 1}`] = { name: `eth${x}`, type: "phys", ipv4_addrs: [n.addr], link: l }));
        jn[`n${j}`] = { type: n.type, name: `node${j}`, model: "static", ifaces };
      });
      pairs.forEach(([a, b], j) => {
        const p = ls[j % ls.length];
        jl[`l${j}`] = { peers: `n${a} n${b}`, peers_ifaces: `ifc${Number(ends[j][0].slice(3)) + 1} ifc${Number(ends[j][1].slice(3)) + 1}`, bandwidth: String(p.bandwidth), delay: String(p.delay), ber: String(p.ber), duplicate: String(p.duplicate) };
      });
      let imn = "";
      nodes.forEach((n, j) => {
        imn += `node n${j} {\n    type ${n.type}\n    model static\n    network-config {\n\thostname node${j}\n\t!\n\tinterface lo0\n\t type lo\n\t ip address 127.0.0.1/8\n\t!\n`;
        ifs[j].forEach((_l, x) => (imn += `\tinterface eth${x}\n\t ip address ${n.addr}\n\t!\n`));
        imn += "    }\n";
        pairs.forEach(([a, b], l) => {
          if (a === j) imn += `    interface-peer {${ends[l][0]} n${b}}\n`;
          if (b === j) imn += `    interface-peer {${ends[l][1]} n${a}}\n`;
        });
        imn += "}\n";
      });
      pairs.forEach(([a, b], j) => {
        const p = ls[j % ls.length];
        imn += `link l${j} {\n    nodes {n${a} n${b}}\n    bandwidth ${p.bandwidth}\n    delay ${p.delay}\n    ber ${p.ber}\n    duplicate ${p.duplicate}\n}\n`;
      });
      const fromj = k.imn_check(k.imn_parse("g", JSON.stringify({ nodes: jn, links: jl })));
      const fromi = k.imn_check(k.imn_parse("g", imn));
      t.deepEqual(fromi.nodes, fromj.nodes);
      t.deepEqual(fromi.links, fromj.links);
      t.is(fromj.links.length, pairs.length);
    }),
    { numRuns: 150 },
  );
});
