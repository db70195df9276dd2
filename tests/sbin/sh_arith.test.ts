// sbin/sh_arith.ts: $(( )) as FreeBSD's arith_yacc.c computes it.
import test from "ava";
import { loadKernelUnbooted } from "../helpers/builds.ts";

const CASES: [string, string][] = [
  ["1 + 2 * 3", "7"],
  ["(1 + 2) * 3", "9"],
  ["7 / 2", "3"],
  ["-7 / 2", "-3"],
  ["-7 % 3", "-1"],
  ["1 << 62 << 1", "-9223372036854775808"],
  ["9223372036854775807 + 1", "-9223372036854775808"],
  ["-9223372036854775807 - 1", "-9223372036854775808"],
  ["0x1f + 010 + 9", "48"],
  ["~5", "-6"],
  ["!3 + !0", "1"],
  ["5 > 3 && 2 > 1", "1"],
  ["0 || 0", "0"],
  ["6 & 3 | 8 ^ 1", "11"],
  ["1 ? 2 : 3", "2"],
  ["0 ? 2 : 0 ? 3 : 4", "4"],
  ["3 <= 3 == 1", "1"],
  ["-(-2)", "2"],
  ["", "0"],
  ["x", "5"],
  ["x * y", "0"],
  ["z = x + 1", "6"],
  ["x += 2", "7"],
  ["x <<= 1", "14"],
  ["0 && (w = 9)", "0"],
];

test("arithmetic: operators, precedence, 64-bit wrap, variables", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const vars = new Map<string, string>([["x", "5"]]);
  for (const [expr, want] of CASES) {
    t.is(k.arith_eval(expr, (n) => vars.get(n), (n, v) => vars.set(n, v)).toString(), want, expr);
    if (expr === "z = x + 1") t.is(vars.get("z"), "6");
  }
  t.false(vars.has("w"), "a short-circuited assignment does not happen");
  t.is(k.sh_arith("2 * 21", () => ""), 42);
});

test("arithmetic errors", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const get = (n: string) => (n === "bad" ? "1x" : undefined);
  for (const [expr, msg] of [
    ["1 / 0", "division by zero"],
    ["1 % 0", "division by zero"],
    ["1 +", "syntax error"],
    ["(1", "expecting ')'"],
    ["1 ? 2", "expecting ':'"],
    ["bad + 1", "variable conversion error"],
    ["08", "syntax error"],
    ["1 , 2", "syntax error"],
  ]) {
    t.throws(() => k.arith_eval(expr, get, () => {}), { message: msg }, expr);
  }
});
