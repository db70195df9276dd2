// sbin/kldstat/kldstat.c: kldstat(8), the loaded kernel files and the
// modules in them, through kldnext(2), kldstat(2), kldfind(2), modfind(2),
// modstat(2) and modfnext(2).

import { sys_kldfind, sys_kldfirstmod, sys_kldnext, sys_kldstat } from "../kern/kern_linker.ts";
import { sys_modfind, sys_modfnext, sys_modstat, type module_stat } from "../kern/kern_module.ts";
import { err, getopt, prog_exit, prog_run, progname, warn, type prog_ctx } from "./libc.ts";

/** sizeof(void *) * 2 + 2: "0x" and 16 hex digits on amd64. */
const PTR_WIDTH = 18;

function usage(ctx: prog_ctx): never {
  const p = progname(ctx);
  ctx.stderr.write(`usage: ${p} [-dhqv] [-i id] [-n filename]\n       ${p} [-dq] [-m modname]\n`);
  throw new prog_exit(1);
}

/** humanize_number(3) into 4 characters, HN_AUTOSCALE | HN_DECIMAL |
 *  HN_NOSPACE, no suffix, divisor 1024. */
export function humanize_size(n: number): string {
  const prefixes = ["", "K", "M", "G", "T", "P", "E"];
  let i = 0;
  let q = n;
  let rem = 0;
  // Without a prefix four digits fit; with one, three and the letter.
  while (i < prefixes.length - 1 && (i === 0 ? q >= 10000 : q >= 1000)) {
    rem = q % 1024;
    q = Math.floor(q / 1024);
    i++;
  }
  if (i > 0 && q < 10) {
    // HN_DECIMAL: one decimal below ten, rounded.
    let t = q * 10 + Math.round((rem * 10) / 1024);
    if (t >= 100) t = 99;
    return `${Math.floor(t / 10)}.${t % 10}${prefixes[i]}`;
  }
  if (i > 0 && rem >= 512) q++;
  return `${q}${prefixes[i]}`;
}

function hex(n: number | bigint): string {
  return n.toString(16);
}

function printmod(ctx: prog_ctx, modid: number, showdata: boolean): void {
  const r = sys_modstat(ctx.p, modid);
  if (r.stat === null) {
    warn(ctx, `can't stat module id ${modid}`, r.error);
    return;
  }
  const s = r.stat;
  if (showdata) ctx.stdout.write(`\t\t${String(s.id).padStart(3)} ${s.name} (${s.data.intval}, ${s.data.uintval >>> 0}, 0x${hex(s.data.ulongval)})\n`);
  else ctx.stdout.write(`\t\t${String(s.id).padStart(3)} ${s.name}\n`);
}

function printfile(ctx: prog_ctx, fileid: number, verbose: boolean, humanized: boolean, showdata: boolean): void {
  const r = sys_kldstat(ctx.p, fileid);
  if (r.stat === null) err(ctx, 1, `can't stat file id ${fileid}`, r.error);
  const s = r.stat;
  const addr = `0x${hex(s.address)}`.padStart(PTR_WIDTH);
  const size = humanized ? humanize_size(s.size).padStart(5) : hex(s.size).padStart(8);
  ctx.stdout.write(`${String(s.id).padStart(2)} ${String(s.refs).padStart(4)} ${addr} ${size} ${s.name}`);
  if (!verbose) {
    ctx.stdout.write("\n");
    return;
  }
  ctx.stdout.write(` (${s.pathname})\n\tContains modules:\n\t\t Id Name\n`);
  let modid = sys_kldfirstmod(ctx.p, fileid).modid;
  while (modid > 0) {
    printmod(ctx, modid, showdata);
    modid = sys_modfnext(ctx.p, modid).id;
  }
}

export async function kldstat_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const { opts, optind } = getopt(ctx, "dhi:m:n:qv", () => usage(ctx));
    let showdata = false;
    let humanized = false;
    let verbose = false;
    let quiet = false;
    let fileid = 0;
    let filename: string | null = null;
    let modname: string | null = null;
    for (const [c, v] of opts) {
      if (c === "d") showdata = true;
      else if (c === "h") humanized = true;
      else if (c === "i") {
        // strtoul: leading digits, and nothing after them.
        if (!/^\s*[+-]?[0-9]*$/.test(v)) usage(ctx);
        fileid = Number.parseInt(v, 10) || 0;
      } else if (c === "m") modname = v;
      else if (c === "n") filename = v;
      else if (c === "q") quiet = true;
      else if (c === "v") verbose = true;
    }
    if (optind !== ctx.argv.length) usage(ctx);

    if (modname !== null) {
      const f = sys_modfind(ctx.p, modname);
      if (f.error !== 0) {
        if (!quiet) warn(ctx, `can't find module ${modname}`, f.error);
        return 1;
      }
      if (quiet) return 0;
      const r = sys_modstat(ctx.p, f.id);
      if (r.stat === null) warn(ctx, `can't stat module id ${f.id}`, r.error);
      else {
        const s: module_stat = r.stat;
        if (showdata) {
          ctx.stdout.write("Id  Refs Name data..(int, uint, ulong)\n");
          ctx.stdout.write(`${String(s.id).padStart(3)} ${String(s.refs).padStart(4)} ${s.name} (${s.data.intval}, ${s.data.uintval >>> 0}, 0x${hex(s.data.ulongval)})\n`);
        } else {
          ctx.stdout.write("Id  Refs Name\n");
          ctx.stdout.write(`${String(s.id).padStart(3)} ${String(s.refs).padStart(4)} ${s.name}\n`);
        }
      }
      return 0;
    }

    if (filename !== null) {
      const f = sys_kldfind(ctx.p, filename);
      if (f.error !== 0) {
        if (!quiet) warn(ctx, `can't find file ${filename}`, f.error);
        return 1;
      }
      if (quiet) return 0;
      fileid = f.fileid;
    }

    const pad = " ".repeat(PTR_WIDTH - 7);
    ctx.stdout.write(`Id Refs Address${pad} ${humanized ? " Size" : "    Size"} Name\n`);
    if (fileid !== 0) printfile(ctx, fileid, verbose, humanized, showdata);
    else {
      for (let id = sys_kldnext(ctx.p, 0).fileid; id > 0; id = sys_kldnext(ctx.p, id).fileid) printfile(ctx, id, verbose, humanized, showdata);
    }
    return 0;
  });
}
