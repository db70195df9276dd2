// IMUNES scripts/vlink.tcl (the FreeBSD half): show and change a running
// link's bandwidth, delay, BER and duplication, by the link's name
// `node1:node2[@eid]`, through `jexec EID ngctl msg LINK: getcfg` and
// `... setcfg { ... }` on the link's ng_pipe, as vlink does.  Options as
// vlink's cmdline table: -l -s -r -b/-bw -B/-BER -d/-dly -D/-dup -L/-loss
// -e/-eid (loss is Linux's netem; FreeBSD's vlink parses it and applies
// nothing, and so does this one).

import { prog_run, type prog_ctx } from "./libc.ts";
import { imunes_runtime } from "./imunes.ts";
import type { proc } from "../kern/uipc_syscalls.ts";

export type vlink_exec = (p: proc, argv: string[], stdin: string, ctx: prog_ctx) => Promise<{ status: number; stdout: string }>;

const OPTIONS: [string, string, string][] = [
  ["l", "", "print the list of all links"],
  ["s", "", "print link status"],
  ["r", "", "set link settings to default values"],
  ["bw", "value", "set link bandwidth (bps) <>"],
  ["b", "value", "set link bandwidth (bps) <>"],
  ["BER", "value", "set link BER (1/value) <>"],
  ["B", "value", "set link BER (1/value) <>"],
  ["loss", "value", "set link loss (%) <>"],
  ["L", "value", "set link loss (%) <>"],
  ["dly", "value", "set link delay (us) <>"],
  ["d", "value", "set link delay (us) <>"],
  ["dup", "value", "set link duplicate (%) <>"],
  ["D", "value", "set link duplicate (%) <>"],
  ["e", "value", "specify experiment ID <>"],
  ["eid", "value", "specify experiment ID <>"],
];

/** ::cmdline::usage for the table above. */
export function vlink_usage(): string {
  let s = "vlink [options] link_name[@eid]\noptions:\n";
  for (const [n, arg, what] of OPTIONS) s += ` ${(`-${n}${arg === "" ? "" : " " + arg}`).padEnd(20)} ${what}\n`;
  s += ` ${"-help".padEnd(20)} Print this message\n ${"-?".padEnd(20)} Print this message\n`;
  return s;
}

/** getUnitForPrint: the value in the largest unit it fills, %.6g. */
function unit_for_print(value: number, units: string[]): string {
  const g = (x: number): string => String(Number(x.toPrecision(6)));
  let head = value;
  for (let i = 0; i < units.length; i++) {
    head = value / 10 ** (3 * i);
    if (head < 1) return `${g(head * 1000)}${i === 0 ? "" : units[i - 1]}`;
  }
  return `${g(head)}${units[units.length - 1]}`;
}

/** The fields vlink reads out of getcfg's reply. */
export function vlink_parse_getcfg(out: string): { bandwidth: number; delay: number; BER: number; duplicate: number } {
  const field = (name: string, text: string): number => {
    const m = new RegExp(`(?:^|[\\s{])${name}=(-?[0-9]+)`).exec(text);
    return m === null ? -1 : Number(m[1]);
  };
  // bandwidth and delay at the top level; BER and duplicate per direction
  // (the same both ways, as IMUNES sets them): the downstream's.
  const inner = /downstream=\{([^}]*)\}/.exec(out)?.[1] ?? "";
  const top = out.replace(/(up|down)stream=\{[^}]*\}/g, "");
  return { bandwidth: field("bandwidth", top), delay: field("delay", top), BER: field("BER", inner), duplicate: field("duplicate", inner) };
}

export function make_vlink_main(exec: vlink_exec): (ctx: prog_ctx) => Promise<number> {
  return (ctx) =>
    prog_run(ctx, async () => {
      const p = ctx.p as proc;
      const params = new Map<string, string>();
      const flags = new Set<string>();
      const a = ctx.argv.slice(1);
      let i = 0;
      // ::cmdline::getoptions: options first, up to "--" or the first word
      // that is not one.
      for (; i < a.length; i++) {
        const x = a[i];
        if (x === "--") {
          i++;
          break;
        }
        if (!x.startsWith("-") || x === "-") break;
        const name = x.replace(/^--?/, "");
        if (name === "help" || name === "?") {
          ctx.stderr.write(`Usage:\n${vlink_usage()}`);
          return 1;
        }
        const o = OPTIONS.find(([n]) => n === name);
        if (o === undefined) {
          ctx.stderr.write(`Usage:\nIllegal option "${x}"\n${vlink_usage()}`);
          return 1;
        }
        if (o[1] === "") flags.add(name);
        else {
          const v = a[++i];
          if (v === undefined) {
            ctx.stderr.write(`Usage:\nOption "${x}" requires an argument\n${vlink_usage()}`);
            return 1;
          }
          params.set(name, v);
        }
      }
      const args = a.slice(i);
      if (a.length === 0) {
        ctx.stderr.write(`No arguments were specified.\nUsage:\n${vlink_usage()}`);
        return 1;
      }
      const pick = (x: string, y: string): string | null => params.get(x) ?? params.get(y) ?? null;
      const [link1, eid2 = ""] = (args[0] ?? "").split("@");
      const eid1 = pick("e", "eid") ?? "";
      if (eid1 !== "" && eid2 !== "") {
        ctx.stderr.write(`Only one eid option should be used.\nUsage:\n${vlink_usage()}`);
        return 1;
      }
      const selected = eid1 !== "" ? eid1 : eid2;
      let check = 0;
      const vb = pick("b", "bw");
      const vB = pick("B", "BER");
      const vL = pick("L", "loss");
      const vd = pick("d", "dly");
      const vD = pick("D", "dup");
      let ban = -1;
      let ber = -1;
      let del = -1;
      let dup = -1;
      if (vb !== null) {
        check++;
        const m = /^([0-9]+)([KMGT])?$/.exec(vb);
        if (m === null) {
          ctx.stderr.write("Error: wrong bandwidth format (e.g. 1000, 10K, 5M, 2G, 1T).\n");
          return 1;
        }
        ban = Math.round(Number(m[1]) * (m[2] === undefined ? 1 : 10 ** (3 * ("KMGT".indexOf(m[2]) + 1))));
      }
      if (vB !== null) {
        check++;
        if (!/^[0-9]+$/.test(vB)) {
          ctx.stderr.write("Error: wrong BER format, should be a number.\n");
          return 1;
        }
        ber = Number(vB);
      }
      if (vd !== null) {
        check++;
        const m = /^([0-9]+)(([um])?s)?$/.exec(vd);
        if (m === null) {
          ctx.stderr.write("Error: wrong delay format (e.g. 100 == 100us, 100ms, 1s).\n");
          return 1;
        }
        del = Math.round(Number(m[1]) * (m[2] === "ms" ? 1e3 : m[2] === "s" ? 1e6 : 1));
      }
      if (vD !== null) {
        check++;
        if (!/^([0-9]+)(%)?$/.test(vD)) {
          ctx.stderr.write("Error: wrong duplicate format (e.g. 10, 10%).\n");
          return 1;
        }
        dup = Number(vD.replace(/%$/, ""));
      }
      if (vL !== null) {
        check++;
        if (!/^([0-9]+)(%)?$/.test(vL)) {
          ctx.stderr.write("Error: wrong loss format (e.g. 10, 10%).\n");
          return 1;
        }
      }
      if (flags.has("r")) {
        ban = 0;
        del = 0;
        ber = 0;
        dup = 0;
        check++;
      }
      const [n0 = "", n1 = ""] = link1.split(":");
      const link2 = `${n1}:${n0}`;
      let running = [...imunes_runtime.keys()];
      if (selected !== "") {
        if (running.includes(selected)) running = [selected];
        else if (!flags.has("l")) {
          ctx.stderr.write(`Error: Experiment with the specified eid (${selected}) is not running.\n`);
          return 1;
        }
      }
      const names = (eid: string): string[] => [...(imunes_runtime.get(eid)?.links.values() ?? [])];
      const containing = running.filter((eid) => names(eid).includes(link1) || names(eid).includes(link2));
      if (flags.has("l")) {
        for (const eid of running) ctx.stdout.write(`${eid} (${names(eid).join(" ")})\n`);
        return 0;
      }
      if (link1 === "") {
        ctx.stderr.write(`No link was specified.\nUsage:\n${vlink_usage()}`);
        return 1;
      }
      if (selected !== "" && containing.length === 0) {
        ctx.stderr.write(`Error: The specified experiment (${selected}) does not have the specified link (${link1}).\n`);
        return 1;
      }
      if (check === 0 && !flags.has("s")) {
        ctx.stderr.write(`No link options were specified.\nUsage:\n${vlink_usage()}`);
        return 1;
      }
      if (containing.length === 0) {
        ctx.stderr.write(`Error: There are no running experiments with link "${link1}":\n`);
        for (const eid of running) ctx.stderr.write(`${eid} (${names(eid).join(" ")})\n`);
        return 1;
      }
      if (containing.length > 1) {
        ctx.stderr.write(`Error: There are multiple running experiments with link ${link1}.\nChoose one of the following experiment ID's using the '-e' or '-eid' option:\n ${containing.join(" ")}\n`);
        return 1;
      }
      const eid = containing[0];
      const ex = imunes_runtime.get(eid);
      if (ex === undefined) return 1;
      // The link's real name: the other order, if that is how it is known.
      const lname = names(eid).includes(link2) ? link2 : link1;
      const lids = [...ex.links].filter(([, n]) => n === lname).map(([id]) => id);
      if (lids.length !== 1) {
        ctx.stderr.write(`There are more links/nodes with the same name in the same experiment.\n    ${eid} (${names(eid).join(" ")})\nFor using vlink all nodes should be named differently.\n`);
        return 1;
      }
      const lid = lids[0];
      if (flags.has("s")) {
        const r = await exec(p, ["jexec", eid, "ngctl", "msg", `${lid}:`, "getcfg"], "", ctx);
        if (r.status !== 0) return r.status;
        const cfg = vlink_parse_getcfg(r.stdout);
        ctx.stdout.write(`${lname}@${eid}:\n`);
        let shown = 0;
        for (const [k, v] of [
          ["bandwidth", cfg.bandwidth],
          ["delay", cfg.delay],
          ["BER", cfg.BER],
          ["duplicate", cfg.duplicate],
        ] as const) {
          if (v === -1 || v === 0) continue;
          shown++;
          const text = k === "bandwidth" ? unit_for_print(v, ["bps", "Kbps", "Mbps", "Gbps", "Tbps"]) : k === "delay" ? unit_for_print(v, ["us", "ms", "s"]) : k === "duplicate" ? `${v}%` : String(v);
          ctx.stdout.write(`\t${k} ${text}\n`);
        }
        if (shown === 0) ctx.stdout.write("\tNo currently applied settings.\n");
        return 0;
      }
      // applyLinkSettingsFreeBSD.
      let config = "{ ";
      if (ban !== -1) config += `bandwidth=${ban === 0 ? -1 : ban} `;
      if (del !== -1) config += `delay=${del === 0 ? -1 : del} `;
      const d = dup === 0 ? -1 : dup;
      const b = ber === 0 ? -1 : ber;
      if (dup !== -1 && ber !== -1) config += `upstream={ duplicate=${d} BER=${b} }downstream={ duplicate=${d} BER=${b} }`;
      else if (dup !== -1) config += `upstream={ duplicate=${d} }downstream={ duplicate=${d} }`;
      else if (ber !== -1) config += `upstream={ BER=${b} }downstream={ BER=${b} }`;
      config += " }";
      const r = await exec(p, ["jexec", eid, "ngctl", "msg", `${lid}:`, "setcfg", config], "", ctx);
      return r.status;
    });
}
