// sbin/printf.ts: printf(1) as FreeBSD's usr.bin/printf prints.
import test from "ava";
import { loadKernelUnbooted } from "../helpers/builds.ts";

const CASES: [string, string[], string, string?, number?][] = [
  ["%s %s\\n", ["a", "b", "c"], "a b\nc \n"],
  ["%d|%5d|%-5d|%05d|%+d|% d\\n", ["1", "2", "3", "4", "5", "6"], "1|    2|3    |00004|+5| 6\n"],
  ["%x %X %o %#x %#o %u\\n", ["255", "255", "8", "255", "8", "-1"], "ff FF 10 0xff 010 18446744073709551615\n"],
  ["%.3s|%10.2s|%-4s|\\n", ["abcdef", "xyz", "a"], "abc|        xy|a   |\n"],
  ["%c%c\\n", ["hello", "world"], "hw\n"],
  ["%*d|%-*d|%.*d\\n", ["4", "7", "3", "8", "3", "5"], "   7|8  |005\n"],
  ["%.2f %.0f %e %g %g %G\\n", ["3.14159", "2.5", "12345.678", "0.00001234", "123456789", "1e-10"], "3.14 2 1.234568e+04 1.234e-05 1.23457e+08 1E-10\n"],
  ["%b\\n", ["a\\tb\\\\c\\0101"], "a\tb\\cA\n"],
  ["%b|%s\\n", ["stop\\chere", "never"], "stop"],
  ["\\101\\x\\'\\\"\\a", [], "A\\x'\"\x07"],
  ["%d %d\\n", ["'A", '"B'], "65 66\n"],
  ["%d\\n", [], "0\n"],
  ["%s\\n", [], "\n"],
  ["100%%\\n", [], "100%\n"],
  ["%d\\n", ["12abc"], "12\n", "printf: 12abc: not completely converted\n", 1],
  ["%d\\n", ["abc"], "0\n", "printf: abc: expected numeric value\n", 1],
  ["%y", ["a"], "", "printf: illegal format character y\n", 1],
];

test("printf: conversions, flags, widths, escapes, reuse of the format", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  for (const [fmt, args, out, err, status] of CASES) {
    const f = fmt.replace(/\\\\/g, "\\");
    const r = k.printf_format(f.replace(/\\n/g, "\\n"), args);
    t.is(r.out, out, `${fmt} ${args.join(" ")}`);
    t.is(r.err, err ?? "", `${fmt}: stderr`);
    t.is(r.status, status ?? 0, `${fmt}: status`);
  }
});
