// Bad command lines: each row runs as a program from the host of a fresh
// topology; its stderr, stdout and status must be FreeBSD's, and nothing
// of JavaScript may show (stack frames, TypeError, undefined, NaN).
import { badcmd_tables, type badcmd_row } from "./registry.ts";
import type { world } from "./topo.ts";

export interface badcmd_result {
  rows: number;
  failures: string[];
  /** Rows whose program is known to differ from FreeBSD's, still differing. */
  known: string[];
}

const JS_LEAK = /\n\s+at |^\s+at |TypeError|RangeError|ReferenceError|SyntaxError: |undefined|NaN|\[object /m;

function match(want: string | RegExp, got: string): boolean {
  return typeof want === "string" ? want === got : want.test(got);
}

function show(argv: string[]): string {
  return argv.map((a) => (a.length > 40 ? `${JSON.stringify(a.slice(0, 12))}...(${a.length})` : /^[\w./=:-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

export async function run_badcmds(w: world, progress?: (n: number) => void): Promise<badcmd_result> {
  const res: badcmd_result = { rows: 0, failures: [], known: [] };
  for (const rows of badcmd_tables.values()) {
    for (const row of rows) {
      res.rows++;
      const why = await check_row(w, row);
      if (why !== null) {
        if (why.startsWith("JS:") || row.known === undefined) res.failures.push(`${show(row.argv)}: ${why}`);
        else res.known.push(`${show(row.argv)}: ${row.known}`);
      }
      progress?.(1);
    }
  }
  return res;
}

async function check_row(w: world, row: badcmd_row): Promise<string | null> {
  let r;
  try {
    r = await w.run(row.argv);
  } catch (e) {
    return `JS: threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
  if (JS_LEAK.test(r.out) || JS_LEAK.test(r.err)) return `JS: JavaScript in the output:\n${r.out}${r.err}`;
  const bad: string[] = [];
  if (r.status !== row.status) bad.push(`status ${r.status}, FreeBSD's ${row.status}`);
  if (!match(row.err, r.err)) bad.push(`stderr ${JSON.stringify(r.err.slice(0, 300))}, FreeBSD's ${row.err instanceof RegExp ? String(row.err) : JSON.stringify(row.err)}`);
  if (!match(row.out ?? "", r.out)) bad.push(`stdout ${JSON.stringify(r.out.slice(0, 300))}, FreeBSD's ${row.out instanceof RegExp ? String(row.out) : JSON.stringify(row.out ?? "")}`);
  return bad.length === 0 ? null : bad.join("; ");
}
