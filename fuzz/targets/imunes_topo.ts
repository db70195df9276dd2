// IMUNES topology files (sbin/imunes_cfg.ts, sbin/imunes.ts) under hostile
// input: a small topology in either form, mutated byte by byte or field by
// field, loaded with `imunes -b`.  Whatever the file holds, imunes answers
// with a built experiment (0), a failed command (1) or one line naming the
// fault (65): never a stack trace.  A built experiment is terminated again,
// so the topology's own jails stay as they were.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { register_chaos_kind, register_badcmds } from "../registry.ts";
import type { rng } from "../rng.ts";
import { chaos_cmd_stats } from "./chaos_net.ts";

const JSON_BASE = JSON.stringify(
  {
    nodes: {
      n0: { type: "pc", name: "pc1", ifaces: { ifc0: { name: "lo0", type: "lo", ipv4_addrs: ["127.0.0.1/8"] }, ifc1: { name: "eth0", type: "phys", ipv4_addrs: ["10.9.0.1/24"], link: "l0" } }, croutes4: ["0.0.0.0/0 10.9.0.254"] },
      n1: { type: "router", name: "r1", model: "static", ifaces: { ifc0: { name: "eth0", type: "phys", ipv4_addrs: ["10.9.0.254/24"], link: "l1" } } },
      n2: { type: "lanswitch", name: "sw1", ifaces: { ifc0: { name: "e0", type: "phys", link: "l0" }, ifc1: { name: "e1", type: "phys", link: "l1" } } },
    },
    links: { l0: { peers: "n0 n2", peers_ifaces: "ifc1 ifc0", delay: "1000" }, l1: { peers: "n2 n1", peers_ifaces: "ifc1 ifc0", bandwidth: "1000000", ber: "100000" } },
  },
  null,
  1,
);

const IMN_BASE = `node n0 {
    type pc
    network-config {
\thostname pc1
\t!
\tinterface eth0
\t ip address 10.9.0.1/24
\t!
\tip route 0.0.0.0/0 10.9.0.254
\t!
    }
    interface-peer {eth0 n1}
}
node n1 {
    type hub
    network-config {
\thostname hub1
\t!
    }
    interface-peer {e0 n0}
    interface-peer {e1 n2}
}
node n2 {
    type router
    model static
    network-config {
\thostname r1
\t!
\tinterface eth0
\t ip address 10.9.0.254/24
\t!
    }
    interface-peer {eth0 n1}
}
link l0 {
    nodes {n0 n1}
    delay 500
}
link l1 {
    nodes {n1 n2}
}
`;

const ALPHABET = ['{', '}', '"', ":", ",", "[", "]", " ", "\n", "\\", "0", "9", ".", "/", "n", "l", "e", "-"];
const FIELDS: [string, string][] = [
  ['"n2 n1"', '"n2 n7"'],
  ['"n2 n1"', '"n2"'],
  ["10.9.0.254/24", "10.9.0.256/24"],
  ['"lanswitch"', '"teapot"'],
  ['"1000"', '"-5"'],
  ['"ifc1 ifc0"', '"ifc1 ifc9"'],
  ["type hub", "type wlan"],
  ["nodes {n1 n2}", "nodes {n1}"],
  ["ip address 10.9.0.1/24", "ip address 10.9.0/24"],
  ["delay 500", "delay 5x"],
  ['"static"', '"frr", "router_config": "ospf 1"'],
];

/** A mutated topology: the text is the step's data, so a failure replays. */
function mutate(r: rng): string {
  let s = r.chance(0.5) ? JSON_BASE : IMN_BASE;
  if (r.chance(0.4)) {
    const [from, to] = FIELDS[r.int(FIELDS.length)];
    s = s.replace(from, to);
  }
  const edits = r.chance(0.3) ? 0 : r.range(1, 4);
  for (let k = 0; k < edits; k++) {
    const at = r.int(s.length + 1);
    const c = ALPHABET[r.int(ALPHABET.length)];
    const op = r.int(3);
    s = op === 0 ? s.slice(0, at) + c + s.slice(at) : op === 1 ? s.slice(0, at) + s.slice(at + 1) : s.slice(0, at) + c + s.slice(at + 1);
  }
  return s;
}

let dir: string | null = null;
let nfile = 0;

register_chaos_kind({
  name: "imunes_topology",
  weight: 2,
  gen: (r) => ({ kind: "imunes_topology", args: [mutate(r)] }),
  run: async (w, _m, s) => {
    dir ??= fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-fuzz-imunes-"));
    const file = path.join(dir, `t${nfile++}`);
    fs.writeFileSync(file, String(s.args[0]));
    const eid = "ifz";
    try {
      const r = await w.run(["imunes", "-b", "-e", eid, file]);
      const c = chaos_cmd_stats(w).get("imunes") ?? [0, 0];
      c[r.status === 0 ? 0 : 1]++;
      chaos_cmd_stats(w).set("imunes", c);
      const text = r.out + r.err;
      if (/\n\s+at |TypeError|RangeError|ReferenceError|undefined|NaN/.test(text)) throw new Error(`imunes -b: JavaScript leaked into the output:\n${text}`);
      if (![0, 1, 65].includes(r.status)) throw new Error(`imunes -b: status ${r.status}:\n${text}`);
      if (r.status === 65 && r.err.split("\n").filter((l) => l !== "").length !== 1) throw new Error(`imunes -b: a bad file must give one line:\n${r.err}`);
    } finally {
      // Built or half built: take it down again.
      await w.run(["imunes", "-b", "-e", eid]);
      fs.rmSync(file, { force: true });
    }
  },
});

const USAGE = "usage: imunes -b [-e eid] FILE\n       imunes -b -e eid\n";
register_badcmds("imunes", [
  { argv: ["imunes"], status: 64, err: `imunes: only batch mode (-b) runs here: the GUI is not simulated\n${USAGE}` },
  { argv: ["imunes", "-b"], status: 64, err: USAGE },
  { argv: ["imunes", "-b", "-e"], status: 64, err: `imunes: -e needs an experiment ID (letters, digits, _)\n${USAGE}` },
  { argv: ["imunes", "-b", "-q", "x.imn"], status: 64, err: `imunes: unknown option -q\n${USAGE}` },
  { argv: ["imunes", "-b", "/nonexistent/t.imn"], status: 66, err: "imunes: /nonexistent/t.imn: No such file or directory\n" },
  { argv: ["imunes", "-b", "-e", "inone"], status: 1, err: "imunes: no running experiment with ID inone\n" },
]);
register_badcmds("vlink", [
  { argv: ["vlink"], status: 1, err: /^No arguments were specified\.\nUsage:\nvlink \[options\] link_name\[@eid\]\n/ },
  { argv: ["vlink", "-s"], status: 1, err: /^No link was specified\.\n/ },
  { argv: ["vlink", "-bw", "1Q", "a:b"], status: 1, err: "Error: wrong bandwidth format (e.g. 1000, 10K, 5M, 2G, 1T).\n" },
  { argv: ["vlink", "-d", "3h", "a:b"], status: 1, err: "Error: wrong delay format (e.g. 100 == 100us, 100ms, 1s).\n" },
  { argv: ["vlink", "-B", "x", "a:b"], status: 1, err: "Error: wrong BER format, should be a number.\n" },
  { argv: ["vlink", "-D", "5x", "a:b"], status: 1, err: "Error: wrong duplicate format (e.g. 10, 10%).\n" },
  { argv: ["vlink", "-e", "i1", "a:b@i1"], status: 1, err: /^Only one eid option should be used\.\n/ },
  { argv: ["vlink", "-e", "i1", "-s", "a:b"], status: 1, err: "Error: Experiment with the specified eid (i1) is not running.\n" },
]);
register_badcmds("himage", [
  { argv: ["himage", "nosuch"], status: 2, err: "Error: cannot find node named nosuch\n", out: /^\nCommand himage can be used as an interface/ },
  { argv: ["himage", "-z"], status: 2, err: "", out: /^himage: illegal option -- -z\n/ },
  { argv: ["himage", "-v"], status: 2, err: "", out: /^\nCommand himage/ },
]);
