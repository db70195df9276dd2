// IMUNES's canvas (gui/drawing.tcl draws nodes by type and links labelled
// with their interfaces, addresses and parameters), done by graphviz: the
// topology as a dot(1) graph, laid out and rendered by the host's `dot`.

import { spawnSync } from "node:child_process";
import { IMN_L2, type imn_checked, type imn_link, type imn_node } from "./imunes_cfg.ts";

/** How each node type is drawn. */
const LOOK: Record<string, string> = {
  router: 'shape=octagon, style=filled, fillcolor="#9cc3e6"',
  pc: 'shape=box, style="filled,rounded", fillcolor="#fff2b3"',
  host: 'shape=box3d, style=filled, fillcolor="#f4cccc"',
  lanswitch: 'shape=box, style=filled, fillcolor="#b6d7a8", height=0.35',
  hub: 'shape=ellipse, style=filled, fillcolor="#f9cb9c", height=0.35',
};
const SKIPPED = 'shape=box, style="dashed", color="#888888", fontcolor="#888888"';

function q(s: string): string {
  // Labels keep their \n (dot's line break); names hold no backslash.
  return `"${s.replace(/"/g, '\\"')}"`;
}

/** 10000000 -> "10 Mbit/s". */
export function fmt_bandwidth(bps: number): string {
  for (const [div, unit] of [
    [1e9, "Gbit/s"],
    [1e6, "Mbit/s"],
    [1e3, "kbit/s"],
  ] as const) {
    if (bps >= div) return `${Number((bps / div).toPrecision(4))} ${unit}`;
  }
  return `${bps} bit/s`;
}

/** microseconds -> "20 ms". */
export function fmt_delay(us: number): string {
  if (us >= 1e6) return `${Number((us / 1e6).toPrecision(4))} s`;
  if (us >= 1e3) return `${Number((us / 1e3).toPrecision(4))} ms`;
  return `${us} us`;
}

export function link_params(l: imn_link): string {
  const parts: string[] = [];
  if (l.bandwidth !== 0) parts.push(fmt_bandwidth(l.bandwidth));
  if (l.delay !== 0) parts.push(fmt_delay(l.delay));
  if (l.ber !== 0) parts.push(`BER 1/${l.ber}`);
  if (l.duplicate !== 0) parts.push(`dup ${l.duplicate}%`);
  if (l.direct) parts.push("direct");
  return parts.join(", ");
}

function end_label(n: imn_node, iface_id: string): string {
  const f = n.ifaces.find((x) => x.id === iface_id);
  if (f === undefined) return "";
  if (IMN_L2.has(n.type)) return f.name;
  return [f.name, ...f.ipv4, ...f.ipv6].join("\\n");
}

/** The topology in the dot language. */
export function imunes_dot(c: imn_checked, title: string): string {
  const built = new Set(c.nodes.map((n) => n.id));
  const byid = new Map(c.topo.nodes.map((n) => [n.id, n]));
  let s = `graph ${q(title)} {\n`;
  s += `  graph [label=${q(title)}, labelloc=t, fontname="Helvetica", fontsize=16, overlap=false, splines=true, nodesep=0.6, ranksep=1.1];\n`;
  s += '  node [fontname="Helvetica", fontsize=11];\n';
  s += '  edge [fontname="Helvetica", fontsize=9, color="#444444", labeldistance=2.2, labelangle=30];\n';
  for (const n of c.topo.nodes) {
    const look = built.has(n.id) ? (LOOK[n.type] ?? SKIPPED) : SKIPPED;
    const extra = n.type === "router" && n.croutes4.length > 0 ? `\\n${n.croutes4.length} static route${n.croutes4.length > 1 ? "s" : ""}` : "";
    const label = `${n.name}\\n(${n.type}${built.has(n.id) ? "" : ", not emulated"})${extra}`;
    s += `  ${q(n.id)} [label=${q(label)}, ${look}];\n`;
  }
  for (const l of c.topo.links) {
    const a = byid.get(l.peers[0]);
    const b = byid.get(l.peers[1]);
    if (a === undefined || b === undefined) continue;
    const lossy = l.ber !== 0 || l.loss !== 0;
    const params = link_params(l);
    const label = `${l.id}${params === "" ? "" : "\\n" + params}`;
    const style = built.has(a.id) && built.has(b.id) ? (lossy ? ', color="#c00000", fontcolor="#c00000", style=bold' : "") : ', style=dashed, color="#888888"';
    s += `  ${q(a.id)} -- ${q(b.id)} [label=${q(label)}, taillabel=${q(end_label(a, l.peers_ifaces[0]))}, headlabel=${q(end_label(b, l.peers_ifaces[1]))}${style}];\n`;
  }
  s += "}\n";
  return s;
}

/** Render with the host's dot(1); null on success, else why not. */
export function imunes_render(dot: string, out: string, format = "svg"): string | null {
  const r = spawnSync("dot", [`-T${format}`, "-o", out], { input: dot, encoding: "utf8" });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? "dot (graphviz) not found on PATH; install it with: apt-get install graphviz" : String(r.error);
  }
  if (r.status !== 0) return `dot exited with status ${r.status}: ${r.stderr.trim()}`;
  return null;
}
