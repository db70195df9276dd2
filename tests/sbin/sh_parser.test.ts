// sbin/sh_parser.ts: FreeBSD's sh parses a script one command at a time;
// a syntax error is reported with the script's name and the line of the
// token, after the commands before it have run, and the status is 2.
import test from "ava";
import fc from "fast-check";
import { loadKernelUnbooted } from "../helpers/builds.ts";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run } from "./sh_helpers.ts";

const SYNTAX: [string, string, string, string][] = [
  // name, script, stdout before the error, stderr
  ["a stray fi on line 4", "echo one\necho two\nif true; then\n  echo x\nfi fi\necho never", "one\ntwo\n", 't.sh: 5: Syntax error: "fi" unexpected\n'],
  ["end of file in if", "echo a\nif true; then\necho x\n", "a\n", 't.sh: 4: Syntax error: end of file unexpected (expecting "fi")\n'],
  ["unterminated quote names its start", "x=1\necho \"open\n\n", "", "t.sh: 2: Syntax error: Unterminated quoted string\n"],
  ["bad for variable", "echo ok\nfor 1x in a; do :; done", "ok\n", "t.sh: 2: Syntax error: Bad for loop variable\n"],
  ["unexpected )", "echo )", "", 't.sh: 1: Syntax error: ")" unexpected\n'],
  ["missing done", "while true; do\necho x\n", "", 't.sh: 3: Syntax error: end of file unexpected (expecting "done")\n'],
  ["bad substitution", "echo a\necho ${x!}", "a\n", "t.sh: 2: Syntax error: Bad substitution\n"],
  ["missing ))", "echo $((1+2", "", "t.sh: 1: Syntax error: Missing '))'\n"],
  ["special builtin as function name", "exit() { :; }", "", "t.sh: 1: Syntax error: Cannot override a special builtin with a function\n"],
  ["empty command before ;", "echo a; ; echo b", "", 't.sh: 1: Syntax error: ";" unexpected\n'],
];

test("sh_parser: a syntax error ends the script after the commands before it, with its line, status 2", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  for (const [name, src, out, err] of SYNTAX) {
    const got = await run(k, src);
    t.is(got.out, out, `${name}: stdout`);
    t.is(got.err, err, `${name}: stderr`);
    t.is(got.status, 2, `${name}: status`);
  }
});


test("sh_parser: -c and stdin scripts name no line", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  let err = "";
  const sh = new k.sh_shell({ name: "sh", lookup: () => null });
  const s = await sh.run("echo a\nfi", { write: () => {} }, { write: (x) => (err += x) });
  t.is(s, 2);
  t.is(err, 'sh: Syntax error: "fi" unexpected\n');
});

test("sh_parser: a syntax error in a sourced file names the file and its line", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-shp-"));
  try {
    fs.writeFileSync(path.join(dir, "bad.sh"), "echo in bad\nfi\n");
    const r = await run(k, "echo before\n. ./bad.sh\necho never", {}, dir);
    t.is(r.out, "before\nin bad\n");
    t.is(r.err, './bad.sh: 2: Syntax error: "fi" unexpected\n');
    t.is(r.status, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("sh_parser: any string, single-quoted, double-quoted or backslashed, comes back as itself", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const sq = (s: string) => "'" + s.replace(/'/g, "'\\''") + "'";
  const dq = (s: string) => '"' + s.replace(/[\\$`"]/g, "\\$&") + '"';
  const bs = (s: string) => (s === "" ? "''" : s.replace(/[^A-Za-z0-9]/g, (c) => (c === "\n" ? "'\n'" : "\\" + c)));
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 24 }), async (s) => {
      const r = await run(k, `printf '%s|' ${sq(s)} ${dq(s)} ${bs(s)}\nx=${sq(s)}; printf '%s|' "$x" "\${#x}"`);
      const n = [...s].length;
      return r.err === "" && r.out === `${s}|${s}|${s}|${s}|${n}|`;
    }),
    { numRuns: 200, seed: 7 },
  );
  t.pass();
});
