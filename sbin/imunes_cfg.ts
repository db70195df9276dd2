// IMUNES runtime/cfgparse.tcl (loadCfgJson, loadCfgLegacy) and the getters
// of config/nodecfg.tcl, config/ifaces.tcl, config/links.tcl and
// config/mac.tcl: an IMUNES topology file, in today's JSON form or the older
// Tcl-list .imn form, read into one model and checked.  Errors name the
// file, the node or link (or the line, for a file that does not parse), and
// what is wrong; what VirtNet cannot emulate yet is collected into one
// warning and the rest runs.

/** A node's interface: IMUNES keeps them under ids ifc0, ifc1, ... */
export interface imn_iface {
  id: string;
  name: string;
  /** "phys", "lo", "vlan", "stolen", ... */
  type: string;
  mac: string | null;
  ipv4: string[];
  ipv6: string[];
  link: string | null;
  mtu: number | null;
  down: boolean;
}

export interface imn_node {
  id: string;
  type: string;
  name: string;
  /** A router's model: frr, quagga or static. */
  model: string;
  /** Routing protocols the router's file turns on (rip, ospf, ...). */
  protocols: string[];
  ifaces: imn_iface[];
  croutes4: string[];
  croutes6: string[];
}

export interface imn_link {
  id: string;
  peers: [string, string];
  peers_ifaces: [string, string];
  /** bit/s, 0 for none. */
  bandwidth: number;
  /** microseconds. */
  delay: number;
  /** one bit in `ber` is wrong; 0 for none. */
  ber: number;
  /** percent. */
  loss: number;
  duplicate: number;
  direct: boolean;
}

export interface imn_topology {
  file: string;
  format: "json" | "imn";
  nodes: imn_node[];
  links: imn_link[];
}

/** What is wrong with a topology file. */
/** A message quotes what the file holds; its control characters (a
 *  newline inside a JSON string, a \r in a name) are shown escaped, so the
 *  error stays one line. */
export function imn_printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

export class imn_error extends Error {
  constructor(
    public file: string,
    public where: string,
    public what: string,
  ) {
    super(imn_printable(`${file}: ${where === "" ? "" : where + ": "}${what}`));
  }
}

/** IMUNES's node types (all_modules_list), the ones VirtNet builds first. */
export const IMN_SUPPORTED = ["pc", "host", "router", "lanswitch", "hub"] as const;
const IMN_KNOWN = new Set<string>([...IMN_SUPPORTED, "rj45", "ext", "extnat", "extelem", "stpswitch", "filter", "packgen", "nat64", "wlan", "pseudo", "klanswitch", "click_l2", "click_l3"]);
/** Layer-2 types: a netgraph node each, no jail. */
export const IMN_L2 = new Set(["lanswitch", "hub"]);
/** IMUNES's router_protocols. */
const ROUTER_PROTOCOLS = ["rip", "ripng", "ospf", "ospf6", "bgp", "ldp", "isis"];

// ---------------------------------------------------------------------------
// JSON, with line numbers in its errors (JSON.parse's wording changes with
// the engine, and not every version gives a line).

export type json = null | boolean | number | string | json[] | { [k: string]: json };

export class json_syntax extends Error {
  constructor(
    public line: number,
    public col: number,
    what: string,
  ) {
    super(what);
  }
}

export function json_parse(src: string): json {
  let i = 0;
  let line = 1;
  let linestart = 0;
  const fail = (what: string): never => {
    throw new json_syntax(line, i - linestart + 1, what);
  };
  const ws = (): void => {
    for (;;) {
      const c = src.charCodeAt(i);
      if (c === 10) {
        line++;
        i++;
        linestart = i;
      } else if (c === 32 || c === 9 || c === 13) i++;
      else return;
    }
  };
  const shown = (): string => (i >= src.length ? "end of file" : `'${src[i]}'`);
  const str = (): string => {
    i++;
    let s = "";
    for (;;) {
      if (i >= src.length) fail("unterminated string");
      const c = src[i];
      if (c === '"') {
        i++;
        return s;
      }
      if (c === "\n") fail("newline inside a string");
      if (c === "\\") {
        const e = src[i + 1];
        const map: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e === "u") {
          const h = src.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) fail("bad \\u escape in a string");
          s += String.fromCharCode(parseInt(h, 16));
          i += 6;
          continue;
        }
        const m = e === undefined ? undefined : map[e];
        if (m === undefined) fail(`bad escape \\${e ?? ""} in a string`);
        s += m;
        i += 2;
        continue;
      }
      s += c;
      i++;
    }
  };
  const value = (depth: number): json => {
    if (depth > 200) fail("nested too deeply");
    ws();
    const c = src[i];
    if (c === "{") {
      i++;
      const o: { [k: string]: json } = Object.create(null) as { [k: string]: json };
      ws();
      if (src[i] === "}") {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (src[i] !== '"') fail(`expected a property name in double quotes, found ${shown()}`);
        const k = str();
        ws();
        if (src[i] !== ":") fail(`expected ':' after property name "${k}", found ${shown()}`);
        i++;
        o[k] = value(depth + 1);
        ws();
        if (src[i] === ",") {
          i++;
          continue;
        }
        if (src[i] === "}") {
          i++;
          return o;
        }
        fail(`expected ',' or '}' after a property value, found ${shown()}`);
      }
    }
    if (c === "[") {
      i++;
      const a: json[] = [];
      ws();
      if (src[i] === "]") {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (src[i] === ",") {
          i++;
          continue;
        }
        if (src[i] === "]") {
          i++;
          return a;
        }
        fail(`expected ',' or ']' after an array element, found ${shown()}`);
      }
    }
    if (c === '"') return str();
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i, i + 64));
    if (m !== null && m[0] !== "" && m[0] !== "-") {
      i += m[0].length;
      return Number(m[0]);
    }
    for (const [w, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (src.startsWith(w, i)) {
        i += w.length;
        return v;
      }
    }
    return fail(`unexpected ${shown()}`);
  };
  const v = value(0);
  ws();
  if (i < src.length) fail(`unexpected ${shown()} after the end of the JSON value`);
  return v;
}

// ---------------------------------------------------------------------------
// Tcl lists (the .imn form is one), with the line each word starts on.

export interface tcl_word {
  text: string;
  line: number;
}

export class tcl_syntax extends Error {
  constructor(
    public line: number,
    what: string,
  ) {
    super(what);
  }
}

const TCL_SPACE = /[ \t\n\r\f\v]/;

function tcl_backslash(src: string, i: number): [string, number] {
  const e = src[i + 1];
  if (e === undefined) return ["\\", i + 1];
  const map: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };
  if (e === "\n") {
    let j = i + 2;
    while (j < src.length && (src[j] === " " || src[j] === "\t")) j++;
    return [" ", j];
  }
  const m = map[e];
  if (m !== undefined) return [m, i + 2];
  return [e, i + 2];
}

/** Split a Tcl list into its elements, as `lindex`/`foreach` see them. */
export function tcl_list(src: string, firstline = 1): tcl_word[] {
  const out: tcl_word[] = [];
  let i = 0;
  let line = firstline;
  const n = src.length;
  while (i < n) {
    while (i < n && TCL_SPACE.test(src[i])) {
      if (src[i] === "\n") line++;
      i++;
    }
    if (i >= n) break;
    const start = line;
    let text = "";
    if (src[i] === "{") {
      let depth = 1;
      i++;
      const from = i;
      // The lines of the braces still open, for the message.
      const open: number[] = [start];
      while (i < n) {
        const c = src[i];
        if (c === "\\" && i + 1 < n) {
          if (src[i + 1] === "\n") line++;
          i += 2;
          continue;
        }
        if (c === "\n") line++;
        if (c === "{") {
          depth++;
          open.push(line);
        } else if (c === "}") {
          open.pop();
          if (--depth === 0) break;
        }
        i++;
      }
      if (depth !== 0) throw new tcl_syntax(start, `unmatched open brace in list${open.length > 1 ? ` (the last brace still open is on line ${open[open.length - 1]})` : ""}`);
      text = src.slice(from, i);
      i++;
      if (i < n && !TCL_SPACE.test(src[i])) throw new tcl_syntax(line, "list element in braces followed by text instead of space");
    } else if (src[i] === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new tcl_syntax(start, "unmatched open quote in list");
        const c = src[i];
        if (c === '"') break;
        if (c === "\\") {
          const [s, j] = tcl_backslash(src, i);
          text += s;
          i = j;
          continue;
        }
        if (c === "\n") line++;
        text += c;
        i++;
      }
      i++;
      if (i < n && !TCL_SPACE.test(src[i])) throw new tcl_syntax(line, "list element in quotes followed by text instead of space");
    } else {
      while (i < n && !TCL_SPACE.test(src[i])) {
        if (src[i] === "\\") {
          const [s, j] = tcl_backslash(src, i);
          text += s;
          i = j;
          continue;
        }
        text += src[i];
        i++;
      }
    }
    out.push({ text, line: start });
  }
  return out;
}

/** The line where the text of word `w` starts inside its braces. */
function inner_line(w: tcl_word): number {
  return w.line;
}

/** Tcl's `lsort -dictionary`: digit runs compare as numbers. */
export function dict_compare(a: string, b: string): number {
  const ra = a.match(/[0-9]+|[^0-9]+/g) ?? [];
  const rb = b.match(/[0-9]+|[^0-9]+/g) ?? [];
  for (let k = 0; k < Math.min(ra.length, rb.length); k++) {
    const x = ra[k];
    const y = rb[k];
    if (/^[0-9]/.test(x) && /^[0-9]/.test(y)) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
    } else if (x !== y) {
      const lx = x.toLowerCase();
      const ly = y.toLowerCase();
      if (lx !== ly) return lx < ly ? -1 : 1;
      return x < y ? -1 : 1;
    }
  }
  return ra.length - rb.length;
}

// ---------------------------------------------------------------------------
// Reading either form.

/** Today's files are JSON objects; the older ones are Tcl lists. */
export function imn_parse(file: string, src: string): imn_topology {
  const t = src.replace(/^\uFEFF/, "").trimStart();
  const json = t.startsWith("{");
  try {
    return json ? imn_parse_json(file, src) : imn_parse_legacy(file, src);
  } catch (e) {
    // A Tcl list inside a field (a link's nodes, an interface-peer, a JSON
    // string holding a list) that does not parse: the field's line in the
    // .imn form; in the JSON form the list's own line counts from its start.
    if (e instanceof tcl_syntax) throw new imn_error(file, json ? "" : `line ${e.line}`, `malformed ${json ? "list in a JSON string" : ".imn"}: ${e.message}`);
    throw e;
  }
}

const str_of = (v: json | undefined): string => (v === undefined || v === null ? "" : typeof v === "object" ? "" : String(v));

/** A Tcl list kept as a JSON string ("n0 n1") or a JSON array. */
function list_of(v: json | undefined): string[] {
  if (Array.isArray(v)) return v.map((x) => str_of(x));
  const s = str_of(v);
  return s === "" ? [] : tcl_list(s).map((w) => w.text);
}

function is_obj(v: json | undefined): v is { [k: string]: json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num_field(file: string, where: string, what: string, v: json | undefined): number {
  const s = str_of(v).trim();
  if (s === "") return 0;
  if (!/^[0-9]+$/.test(s)) throw new imn_error(file, where, `bad ${what} "${s}" (a non-negative integer)`);
  return Number(s);
}

/** router_config as loadCfgLegacy stores it: protocol -> 1. */
function protocols_of(v: json | undefined): string[] {
  const on: string[] = [];
  if (is_obj(v)) {
    for (const [k, x] of Object.entries(v)) if (str_of(x) !== "0" && str_of(x) !== "" && x !== false) on.push(k);
    return on;
  }
  const words = list_of(v);
  for (let k = 0; k < words.length; k += 2) if (words[k + 1] === undefined || words[k + 1] !== "0") on.push(words[k]);
  return on;
}

export function imn_parse_json(file: string, src: string): imn_topology {
  let doc: json;
  try {
    doc = json_parse(src);
  } catch (e) {
    if (e instanceof json_syntax) throw new imn_error(file, `line ${e.line}, column ${e.col}`, `malformed JSON: ${e.message}`);
    throw e;
  }
  if (!is_obj(doc)) throw new imn_error(file, "", "malformed topology: the file is not a JSON object");
  const topo: imn_topology = { file, format: "json", nodes: [], links: [] };
  const nodes = doc.nodes ?? {};
  const links = doc.links ?? {};
  if (!is_obj(nodes)) throw new imn_error(file, "", `malformed topology: "nodes" is not an object`);
  if (!is_obj(links)) throw new imn_error(file, "", `malformed topology: "links" is not an object`);
  for (const [id, n] of Object.entries(nodes)) {
    if (!is_obj(n)) throw new imn_error(file, `node ${id}`, "not a JSON object");
    const node: imn_node = {
      id,
      type: str_of(n.type),
      name: str_of(n.name) === "" ? id : str_of(n.name),
      model: str_of(n.model),
      protocols: protocols_of(n.router_config),
      ifaces: [],
      croutes4: list_of_lines(n.croutes4),
      croutes6: list_of_lines(n.croutes6),
    };
    for (const group of [n.ifaces, n.logifaces]) {
      if (group === undefined) continue;
      if (!is_obj(group)) throw new imn_error(file, `node ${id} (${node.name})`, `"ifaces" is not an object`);
      for (const [iid, f] of Object.entries(group)) {
        if (!is_obj(f)) throw new imn_error(file, `node ${id} (${node.name}): interface ${iid}`, "not a JSON object");
        const ipv4 = f.ipv4_addrs !== undefined ? list_of(f.ipv4_addrs) : list_of(f.ipv4);
        const ipv6 = f.ipv6_addrs !== undefined ? list_of(f.ipv6_addrs) : list_of(f.ipv6);
        const mtu = str_of(f.mtu);
        node.ifaces.push({
          id: iid,
          name: str_of(f.name) === "" ? iid : str_of(f.name),
          type: str_of(f.type) === "" ? "phys" : str_of(f.type),
          mac: str_of(f.mac) === "" ? null : str_of(f.mac),
          ipv4,
          ipv6,
          link: str_of(f.link) === "" ? null : str_of(f.link),
          mtu: mtu === "" ? null : num_field(file, `node ${id} (${node.name}): interface ${str_of(f.name) || iid}`, "mtu", mtu),
          down: str_of(f.oper_state) === "down",
        });
      }
    }
    topo.nodes.push(node);
  }
  for (const [id, l] of Object.entries(links)) {
    if (!is_obj(l)) throw new imn_error(file, `link ${id}`, "not a JSON object");
    const peers = list_of(l.peers);
    const pif = l.peers_ifaces !== undefined ? list_of(l.peers_ifaces) : list_of(l.interfaces);
    const where = `link ${id}`;
    if (peers.length !== 2) throw new imn_error(file, where, peers.length < 2 ? `missing link peer ("peers" names ${peers.length} node${peers.length === 1 ? "" : "s"}, a link joins 2)` : `"peers" names ${peers.length} nodes, a link joins 2`);
    topo.links.push({
      id,
      peers: [peers[0], peers[1]],
      peers_ifaces: [pif[0] ?? "", pif[1] ?? ""],
      bandwidth: num_field(file, where, "bandwidth", l.bandwidth),
      delay: num_field(file, where, "delay", l.delay),
      ber: num_field(file, where, "BER", l.ber),
      loss: num_field(file, where, "loss", l.loss),
      duplicate: num_field(file, where, "duplicate", l.duplicate),
      direct: str_of(l.direct) === "1" || str_of(l.direct) === "true",
    });
  }
  // A peer given by interface name (an older draft of the format) is
  // looked up like the ids.
  for (const l of topo.links) {
    for (const k of [0, 1] as const) {
      const node = topo.nodes.find((x) => x.id === l.peers[k]);
      if (node === undefined) continue;
      if (l.peers_ifaces[k] === "") {
        const f = node.ifaces.find((x) => x.link === l.id);
        if (f !== undefined) l.peers_ifaces[k] = f.id;
      } else if (node.ifaces.find((x) => x.id === l.peers_ifaces[k]) === undefined) {
        const f = node.ifaces.find((x) => x.name === l.peers_ifaces[k]);
        if (f !== undefined) l.peers_ifaces[k] = f.id;
      }
    }
  }
  return topo;
}

function list_of_lines(v: json | undefined): string[] {
  if (Array.isArray(v)) return v.map((x) => str_of(x).trim()).filter((s) => s !== "");
  const s = str_of(v).trim();
  if (s === "") return [];
  // A Tcl list of "dest gw" elements.
  return tcl_list(s).map((w) => w.text.trim());
}

/** loadCfgLegacy: `node n0 { type router ... }`, `link l0 { nodes {n0 n1} ... }`. */
export function imn_parse_legacy(file: string, src: string): imn_topology {
  let words: tcl_word[];
  try {
    words = tcl_list(src);
  } catch (e) {
    if (e instanceof tcl_syntax) throw new imn_error(file, `line ${e.line}`, `malformed .imn: ${e.message}`);
    throw e;
  }
  const topo: imn_topology = { file, format: "imn", nodes: [], links: [] };
  const link_nodes = new Map<string, { nodes: string[]; line: number }>();
  const peers_of = new Map<string, { iface: string; peer: string }[]>();
  for (let k = 0; k < words.length; k += 3) {
    const cls = words[k];
    const obj = words[k + 1];
    const body = words[k + 2];
    if (obj === undefined || body === undefined) throw new imn_error(file, `line ${cls.line}`, `malformed .imn: "${cls.text}" needs a name and a {...} body`);
    if (!["node", "link", "canvas", "option", "annotation", "image"].includes(cls.text)) throw new imn_error(file, `line ${cls.line}`, `malformed .imn: unknown object class "${cls.text}"`);
    let fields: tcl_word[];
    try {
      fields = tcl_list(body.text, inner_line(body));
    } catch (e) {
      if (e instanceof tcl_syntax) throw new imn_error(file, `line ${e.line}`, `malformed .imn: ${e.message}`);
      throw e;
    }
    if (fields.length % 2 !== 0) throw new imn_error(file, `line ${fields[fields.length - 1].line}`, `malformed .imn: ${cls.text} ${obj.text}: field "${fields[fields.length - 1].text}" has no value`);
    if (cls.text === "node") {
      const node: imn_node = { id: obj.text, type: "", name: obj.text, model: "", protocols: [], ifaces: [], croutes4: [], croutes6: [] };
      const peers: { iface: string; peer: string }[] = [];
      for (let f = 0; f < fields.length; f += 2) {
        const key = fields[f].text;
        const val = fields[f + 1];
        if (key === "type") node.type = val.text;
        else if (key === "model") node.model = val.text;
        else if (key === "interface-peer") {
          const w = tcl_list(val.text, inner_line(val)).map((x) => x.text);
          if (w.length !== 2) throw new imn_error(file, `line ${val.line}: node ${obj.text}`, `malformed interface-peer {${val.text}}`);
          peers.push({ iface: w[0], peer: w[1] });
        } else if (key === "network-config") network_config(file, node, val);
      }
      // Interfaces named only by interface-peer.
      for (const p of peers) {
        if (node.ifaces.find((x) => x.name === p.iface) === undefined) node.ifaces.push(new_iface(p.iface, "phys"));
      }
      // ifc ids in IMUNES's order: logical interfaces, then physical, each
      // sorted as lsort -dictionary sorts.
      const logical = node.ifaces.filter((x) => x.type !== "phys").sort((a, b) => dict_compare(a.name, b.name));
      const phys = node.ifaces.filter((x) => x.type === "phys").sort((a, b) => dict_compare(a.name, b.name));
      node.ifaces = [...logical, ...phys];
      node.ifaces.forEach((x, j) => (x.id = `ifc${j}`));
      peers_of.set(node.id, peers);
      topo.nodes.push(node);
    } else if (cls.text === "link") {
      const l: imn_link = { id: obj.text, peers: ["", ""], peers_ifaces: ["", ""], bandwidth: 0, delay: 0, ber: 0, loss: 0, duplicate: 0, direct: false };
      const where = `link ${obj.text}`;
      for (let f = 0; f < fields.length; f += 2) {
        const key = fields[f].text;
        const val = fields[f + 1];
        if (key === "nodes") link_nodes.set(l.id, { nodes: tcl_list(val.text, inner_line(val)).map((x) => x.text), line: val.line });
        else if (key === "bandwidth") l.bandwidth = num_field(file, where, "bandwidth", val.text);
        else if (key === "delay") l.delay = num_field(file, where, "delay", val.text);
        else if (key === "ber") l.ber = num_field(file, where, "BER", val.text);
        else if (key === "loss") l.loss = num_field(file, where, "loss", val.text);
        else if (key === "duplicate") l.duplicate = num_field(file, where, "duplicate", val.text);
        else if (key === "direct") l.direct = val.text === "1" || val.text === "true";
      }
      topo.links.push(l);
    }
  }
  // Which interface of each peer the link uses: the one whose
  // interface-peer names the other node (the first not yet taken).
  for (const l of topo.links) {
    const ln = link_nodes.get(l.id);
    const nodes = ln?.nodes ?? [];
    if (nodes.length !== 2) throw new imn_error(file, `link ${l.id}`, nodes.length < 2 ? `missing link peer ("nodes" names ${nodes.length} node${nodes.length === 1 ? "" : "s"}, a link joins 2)` : `"nodes" names ${nodes.length} nodes, a link joins 2`);
    l.peers = [nodes[0], nodes[1]];
    for (const k of [0, 1] as const) {
      const me = topo.nodes.find((x) => x.id === nodes[k]);
      if (me === undefined) continue;
      const other = nodes[1 - k];
      const p = (peers_of.get(me.id) ?? []).find((x) => x.peer === other && me.ifaces.find((f) => f.name === x.iface && f.link === null) !== undefined);
      const f = p === undefined ? undefined : me.ifaces.find((x) => x.name === p.iface);
      if (f !== undefined) {
        f.link = l.id;
        l.peers_ifaces[k] = f.id;
      }
    }
  }
  return topo;
}

function new_iface(name: string, type: string): imn_iface {
  return { id: "", name, type, mac: null, ipv4: [], ipv6: [], link: null, mtu: null, down: false };
}

/** The network-config block: hostname, interfaces, routes, router protocols. */
function network_config(file: string, node: imn_node, val: tcl_word): void {
  let cur: imn_iface | null = null;
  const lines = val.text.split("\n");
  lines.forEach((raw, j) => {
    const line = val.line + j;
    let z = raw.startsWith("\t") ? raw.slice(1) : raw;
    if (cur !== null) {
      const t = z.trim();
      const w = t.split(/\s+/);
      const last = w[w.length - 1];
      if (z.startsWith(" ") && t !== "") {
        if (/^type\s/.test(t)) cur.type = last;
        else if (/^mac address\s/.test(t)) cur.mac = last;
        else if (/^ip address\s/.test(t)) cur.ipv4.push(last);
        else if (/^ipv6 address\s/.test(t)) cur.ipv6.push(last);
        else if (t === "shutdown") cur.down = true;
        else if (/^mtu\s/.test(t)) {
          if (!/^[0-9]+$/.test(last)) throw new imn_error(file, `line ${line}: node ${node.id}: interface ${cur.name}`, `bad mtu "${last}"`);
          cur.mtu = Number(last);
        }
        return;
      }
      if (t === "!") {
        cur = null;
        return;
      }
    }
    z = z.trimStart();
    const w = z.split(/\s+/);
    if (w[0] === "hostname" && w.length > 1) node.name = w[w.length - 1];
    else if (w[0] === "interface" && w.length > 1) {
      const name = w[w.length - 1];
      cur = node.ifaces.find((x) => x.name === name) ?? null;
      if (cur === null) {
        cur = new_iface(name, "phys");
        node.ifaces.push(cur);
      }
    } else if (w[0] === "ip" && w[1] === "route") node.croutes4.push(w.slice(2).join(" "));
    else if (w[0] === "ipv6" && w[1] === "route") node.croutes6.push(w.slice(2).join(" "));
    else if (w[0] === "router" && w.length > 1) node.protocols.push(w[1]);
  });
}

// ---------------------------------------------------------------------------
// Checking.

export function ipv4_cidr_ok(s: string): boolean {
  const m = /^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\/([0-9]{1,2})$/.exec(s);
  if (m === null) return false;
  for (let k = 1; k <= 4; k++) if (Number(m[k]) > 255) return false;
  return Number(m[5]) <= 32;
}

export function ipv4_ok(s: string): boolean {
  return ipv4_cidr_ok(`${s}/32`);
}

export function mac_ok(s: string): boolean {
  return /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(s);
}

/** MACaddrAddZeros: two digits a byte. */
function mac_norm(s: string): string {
  return s
    .split(":")
    .map((b) => b.padStart(2, "0").toLowerCase())
    .join(":");
}

export interface imn_checked {
  topo: imn_topology;
  /** What VirtNet leaves out, one phrase each (printed as one warning). */
  unsupported: string[];
  /** Nodes and links that are built. */
  nodes: imn_node[];
  links: imn_link[];
}

/**
 * Check what the loader relies on; the first fault is thrown as an
 * imn_error.  Interfaces without a MAC get one as autoMACaddr hands them out
 * (42:00:aa:00:00:NN, the first not in the file).
 */
export function imn_check(topo: imn_topology): imn_checked {
  const file = topo.file;
  const unsupported: string[] = [];
  const byid = new Map<string, imn_node>();
  const skipped = new Set<string>();
  for (const n of topo.nodes) {
    const where = `node ${n.id}${n.name !== n.id ? ` (${n.name})` : ""}`;
    if (n.type === "") throw new imn_error(file, where, "no node type");
    if (!IMN_KNOWN.has(n.type) && !n.type.startsWith("router.")) throw new imn_error(file, where, `unknown node type "${n.type}" (IMUNES's types VirtNet builds: ${IMN_SUPPORTED.join(", ")})`);
    if (!/^[A-Za-z0-9_-]+$/.test(n.name)) throw new imn_error(file, where, `bad node name "${n.name}" (letters, digits, - and _)`);
    byid.set(n.id, n);
    if (!(IMN_SUPPORTED as readonly string[]).includes(n.type)) {
      unsupported.push(`${n.type} node ${n.name}`);
      skipped.add(n.id);
      continue;
    }
    const names = new Set<string>();
    for (const f of n.ifaces) {
      const fw = `${where}: interface ${f.name}`;
      if (names.has(f.name)) throw new imn_error(file, fw, "interface name used twice");
      names.add(f.name);
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(f.name) || f.name.length > 15) throw new imn_error(file, fw, `bad interface name "${f.name}"`);
      for (const a of f.ipv4) {
        if (a === "dhcp") {
          unsupported.push(`dhcp on ${n.name} ${f.name}`);
          continue;
        }
        if (!ipv4_cidr_ok(a)) throw new imn_error(file, fw, `bad IPv4 address "${a}" (a.b.c.d/len)`);
      }
      if (f.mac !== null && !mac_ok(f.mac)) throw new imn_error(file, fw, `bad MAC address "${f.mac}"`);
      if (f.mac !== null) f.mac = mac_norm(f.mac);
      if (f.type !== "phys" && f.type !== "lo") unsupported.push(`${f.type} interface ${n.name} ${f.name}`);
      if (f.type === "lo" && f.name !== "lo0") unsupported.push(`loopback ${n.name} ${f.name}`);
      const v6 = f.ipv6.filter((a) => !(f.type === "lo" && (a === "::1/128" || a === "::1")));
      if (v6.length > 0) unsupported.push(`IPv6 addresses on ${n.name} ${f.name}`);
    }
    for (const r of n.croutes4) {
      const w = r.split(/\s+/);
      if (w.length !== 2 || !ipv4_cidr_ok(w[0]) || !ipv4_ok(w[1])) throw new imn_error(file, where, `bad static route "${r}" (DEST/LEN GATEWAY)`);
    }
    if (n.croutes6.length > 0) unsupported.push(`IPv6 static routes (croutes6) on ${n.name}`);
    if (n.type === "router") {
      const p = n.protocols.filter((x) => ROUTER_PROTOCOLS.includes(x) || x !== "");
      if (p.length > 0 && n.model !== "static") unsupported.push(`routing protocol${p.length > 1 ? "s" : ""} ${p.join(", ")} on router ${n.name} (model ${n.model === "" ? "frr" : n.model}; its croutes4 are applied)`);
    }
  }
  const links: imn_link[] = [];
  const taken = new Map<string, string>();
  for (const l of topo.links) {
    const where = `link ${l.id}`;
    let skip = false;
    for (const pid of l.peers) if (pid === "" || !byid.has(pid)) throw new imn_error(file, where, `missing link peer: node "${pid}" is not in the file`);
    for (const k of [0, 1] as const) {
      const n = byid.get(l.peers[k]);
      if (n === undefined) continue;
      const fid = l.peers_ifaces[k];
      const f = n.ifaces.find((x) => x.id === fid);
      if (f === undefined) throw new imn_error(file, where, fid === "" ? `missing link peer: no interface of ${n.name} (${n.id}) is on this link` : `missing link peer: ${n.name} (${n.id}) has no interface ${fid}`);
      const key = `${n.id}|${f.id}`;
      const before = taken.get(key);
      if (before !== undefined) throw new imn_error(file, where, `interface ${f.name} of ${n.name} is already on link ${before}`);
      taken.set(key, l.id);
      if (f.link !== null && f.link !== l.id) throw new imn_error(file, where, `interface ${f.name} of ${n.name} says it is on link ${f.link}`);
      f.link = l.id;
      if (skipped.has(n.id)) skip = true;
    }
    if (l.peers[0] === l.peers[1]) throw new imn_error(file, where, `both ends are on node ${l.peers[0]}`);
    if (l.loss > 100) throw new imn_error(file, where, `bad loss ${l.loss} (a percentage)`);
    if (l.duplicate > 100) throw new imn_error(file, where, `bad duplicate ${l.duplicate} (a percentage)`);
    if (skip) unsupported.push(`link ${l.id}`);
    else {
      if (l.loss !== 0) unsupported.push(`loss on link ${l.id} (FreeBSD's IMUNES uses BER)`);
      links.push(l);
    }
  }
  // An interface that names a link the file does not have.
  const linkids = new Set(topo.links.map((l) => l.id));
  for (const n of topo.nodes) {
    for (const f of n.ifaces) {
      if (f.link !== null && !linkids.has(f.link)) throw new imn_error(file, `node ${n.id}${n.name !== n.id ? ` (${n.name})` : ""}: interface ${f.name}`, `link ${f.link} is not in the file`);
    }
  }
  const nodes = topo.nodes.filter((n) => !skipped.has(n.id));
  // autoMACaddr for the interfaces that need one (L3 nodes' physical ones).
  const used = new Set<string>();
  for (const n of nodes) for (const f of n.ifaces) if (f.mac !== null) used.add(f.mac);
  let next = 0;
  for (const n of nodes) {
    if (IMN_L2.has(n.type)) continue;
    for (const f of n.ifaces) {
      if (f.type !== "phys" || f.mac !== null || f.link === null) continue;
      let m: string;
      do {
        m = `42:00:aa:${[(next >> 16) & 0xff, (next >> 8) & 0xff, next & 0xff].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
        next++;
      } while (used.has(m));
      used.add(m);
      f.mac = m;
    }
  }
  return { topo, unsupported, nodes, links };
}
