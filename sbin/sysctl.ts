// sbin/sysctl/sysctl.c: sysctl(8).  Reads and writes kernel state through
// the sysctl system call: by name, whole subtrees, -a, -n, -e, -d, -N, -i,
// -q, -W, name=value, with sysctl(8)'s messages and exit statuses.

import { strerror } from "../kern/errno.ts";
import { CTLFLAG_SKIP, CTLFLAG_TUN, CTLFLAG_WR, CTLTYPE, CTLTYPE_INT, CTLTYPE_NODE, CTLTYPE_OPAQUE, CTLTYPE_STRING, CTLTYPE_U64, CTLTYPE_UINT, CTLTYPE_S64, CTLTYPE_LONG, CTLTYPE_ULONG } from "../kern/sysctl.ts";
import { getopt, prog_run, type prog_ctx, prog_exit } from "./libc.ts";
import { sysctl, sysctl_next, sysctl_oiddescr, sysctl_oidfmt, sysctl_oidname, sysctlnametomib } from "./libc_sysctl.ts";

interface flags {
  a: boolean;
  n: boolean;
  e: boolean;
  d: boolean;
  N: boolean;
  i: boolean;
  q: boolean;
  W: boolean;
  o: boolean;
  b: boolean;
}

function usage(ctx: prog_ctx): never {
  ctx.stderr.write("usage: sysctl [-bdehiNnoqTtWx] [ -B <bufsize> ] [-f filename] name[=value] ...\n       sysctl [-bdehNnoqTtWx] [ -B <bufsize> ] -a\n");
  throw new prog_exit(1);
}

export async function sysctl_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const { opts, optind } = getopt(ctx, "AabB:def:hiNnoqtTwWxX", () => usage(ctx));
    const f: flags = { a: false, n: false, e: false, d: false, N: false, i: false, q: false, W: false, o: false, b: false };
    for (const [c] of opts) {
      if (c === "A" || c === "X") (f.a = true), (f.o = true);
      else if (c in f) (f as unknown as Record<string, boolean>)[c] = true;
    }
    const names = ctx.argv.slice(optind);
    if (f.a && names.length === 0) {
      dump_tree(ctx, f, []);
      return 0;
    }
    if (names.length === 0) usage(ctx);
    let warncount = 0;
    for (const arg of names) warncount += parse(ctx, f, arg);
    return warncount > 0 ? 1 : 0;
  });
}

/** One name or name=value; returns 1 on a warning. */
function parse(ctx: prog_ctx, f: flags, arg: string): number {
  const eq = arg.indexOf("=");
  const name = eq >= 0 ? arg.slice(0, eq) : arg;
  const newstr = eq >= 0 ? arg.slice(eq + 1) : null;
  const { error, mib } = sysctlnametomib(ctx.p, name);
  if (error !== 0) {
    if (f.i) return 0;
    if (!f.q) ctx.stderr.write(`sysctl: unknown oid '${name}'\n`);
    return 1;
  }
  const fmt = sysctl_oidfmt(ctx.p, mib);
  const kind = fmt.kind;
  if (newstr === null) {
    if ((kind & CTLTYPE) === CTLTYPE_NODE) {
      dump_tree(ctx, f, mib);
      return 0;
    }
    return show_var(ctx, f, mib, true) < 0 ? 1 : 0;
  }
  if ((kind & CTLTYPE) === CTLTYPE_NODE) {
    if (!f.q) ctx.stderr.write(`sysctl: oid '${name}' isn't a leaf node\n`);
    return 1;
  }
  if ((kind & CTLFLAG_WR) === 0) {
    if (f.q) return 1;
    // A read-only tunable is set by the loader before boot, never here.
    if ((kind & CTLFLAG_TUN) !== 0) ctx.stderr.write(`sysctl: oid '${name}' is a read only tunable\nsysctl: Tunable values are set in /boot/loader.conf\n`);
    else ctx.stderr.write(`sysctl: oid '${name}' is read only\n`);
    return 1;
  }
  let newval: number | string;
  switch (kind & CTLTYPE) {
    case CTLTYPE_INT:
    case CTLTYPE_UINT:
    case CTLTYPE_LONG:
    case CTLTYPE_ULONG:
    case CTLTYPE_S64:
    case CTLTYPE_U64: {
      const s = newstr.trim();
      if (!/^[-+]?(0x[0-9a-fA-F]+|[0-9]+)$/.test(s)) {
        if (!f.q) ctx.stderr.write(`sysctl: invalid ${int_typename(kind)} '${newstr}'\n`);
        return 1;
      }
      newval = Number(s.replace(/^\+/, ""));
      break;
    }
    case CTLTYPE_STRING:
      newval = newstr;
      break;
    default:
      if (!f.q) ctx.stderr.write(`sysctl: oid '${name}' is type ${kind & CTLTYPE}, cannot set that\n`);
      return 1;
  }
  // Show the old value, set, then show the new one: "name: old -> new".
  const old = sysctl(ctx.p, mib);
  if (old.error !== 0) return report(ctx, f, name, old.error);
  const r = sysctl(ctx.p, mib, newval);
  if (r.error !== 0) {
    if (!f.q) ctx.stderr.write(`sysctl: ${arg}: ${strerror(r.error)}\n`);
    return 1;
  }
  const now = sysctl(ctx.p, mib);
  if (f.n) ctx.stdout.write(`${fmtval(old.value)} -> ${fmtval(now.value)}\n`);
  else ctx.stdout.write(`${name}${f.e ? "=" : ": "}${fmtval(old.value)} -> ${fmtval(now.value)}\n`);
  return 0;
}

function int_typename(kind: number): string {
  switch (kind & CTLTYPE) {
    case CTLTYPE_UINT:
      return "unsigned integer";
    case CTLTYPE_LONG:
      return "long integer";
    case CTLTYPE_ULONG:
      return "unsigned long";
    case CTLTYPE_S64:
      return "int64_t";
    case CTLTYPE_U64:
      return "uint64_t";
    default:
      return "integer";
  }
}

function report(ctx: prog_ctx, f: flags, name: string, error: number): number {
  if (!f.q) ctx.stderr.write(`sysctl: ${name}: ${strerror(error)}\n`);
  return 1;
}

function fmtval(v: unknown): string {
  if (Array.isArray(v)) return v.join(" ");
  return String(v);
}

/** show_var: print one oid.  Returns 0 printed, 1 skipped, -1 error. */
function show_var(ctx: prog_ctx, f: flags, mib: number[], explicit: boolean): number {
  const name = sysctl_oidname(ctx.p, mib).name;
  const fmt = sysctl_oidfmt(ctx.p, mib);
  if (f.W && (fmt.kind & CTLFLAG_WR) === 0) return 1;
  if (f.N) {
    ctx.stdout.write(`${name}\n`);
    return 0;
  }
  if (f.d) {
    const d = sysctl_oiddescr(ctx.p, mib).descr;
    ctx.stdout.write(f.n ? `${d}\n` : `${name}: ${d}\n`);
    return 0;
  }
  const sep = f.e ? "=" : ": ";
  // Opaque structures are shown only on request (-o), as sysctl(8) does.
  if ((fmt.kind & CTLTYPE) === CTLTYPE_OPAQUE && !f.o && !f.b) return 1;
  const r = sysctl(ctx.p, mib);
  if (r.error !== 0) {
    return explicit ? -report(ctx, f, name, r.error) : 1;
  }
  const val = Array.isArray(r.value) ? `Format:${fmt.fmt} Length:${r.value.length * 8} Dump:0x${r.value.map((x: number) => x.toString(16).padStart(16, "0")).join("")}` : fmtval(r.value);
  ctx.stdout.write(f.n ? `${val}\n` : `${name}${sep}${val}\n`);
  return 0;
}

function dump_tree(ctx: prog_ctx, f: flags, prefix: number[]): void {
  const node = prefix.length ? sysctl_oidfmt(ctx.p, prefix) : null;
  const honor_skip = prefix.length === 0 || node === null || node.error !== 0 || (node.kind & CTLFLAG_SKIP) === 0;
  for (let mib = sysctl_next(ctx.p, prefix.length ? prefix : [], honor_skip); mib !== null; mib = sysctl_next(ctx.p, mib, honor_skip)) {
    if (prefix.length && (mib.length < prefix.length || prefix.some((x, i) => mib !== null && mib[i] !== x))) break;
    show_var(ctx, f, mib, false);
  }
}
