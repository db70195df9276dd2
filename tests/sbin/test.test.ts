// sbin/test.ts: test(1) / [ as FreeBSD's bin/test decides.
import test from "ava";
import { loadKernelUnbooted } from "../helpers/builds.ts";

const TRUE: string[][] = [
  ["x"],
  ["-n", "x"],
  ["-z", ""],
  ["!", ""],
  ["a", "=", "a"],
  ["a", "==", "a"],
  ["a", "!=", "b"],
  ["a", "<", "b"],
  ["2", "-gt", "1"],
  [" 3", "-eq", "3 "],
  ["-1", "-lt", "0"],
  ["2", "-ge", "2"],
  ["2", "-le", "2"],
  ["2", "-ne", "3"],
  ["-d", "/"],
  ["-e", "/"],
  ["-r", "/"],
  ["-f", "/etc/passwd"],
  ["-s", "/etc/passwd"],
  ["-h", "/proc/self"],
  ["!", "-f", "/"],
  ["(", "x", ")"],
  ["(", "-n", "x", ")"],
  ["x", "-a", "y"],
  ["", "-o", "y"],
  ["!", "", "-a", "x"],
  ["(", "1", "-eq", "2", "-o", "-n", "x", ")"],
  ["-n", "x", "-a", "(", "-z", "", "-o", "", ")"],
  ["-e", "/", "-a", "-d", "/"],
  ["="],
  ["-f"],
];
const FALSE: string[][] = [[], [""], ["-n", ""], ["-z", "x"], ["a", "=", "b"], ["1", "-gt", "2"], ["-e", "/nonexistent"], ["-d", "/etc/passwd"], ["x", "-a", ""], ["!", "x"], ["-t", "0"]];
const ERRORS: [string[], string][] = [
  [["1", "-eq", "x"], "x: bad number"],
  [["1x", "-lt", "2"], "1x: bad number"],
  [["99999999999999999999", "-eq", "1"], "99999999999999999999: out of range"],
  [["(", "x"], "closing paren expected"],
  [["a", "b", "c", "d", "e"], "b: unexpected operator"],
  [["x", "-a"], "argument expected"],
];

test("test: primaries, !, -a, -o and parentheses", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  for (const a of TRUE) t.true(k.test_eval(a, "/"), a.join(" "));
  for (const a of FALSE) t.false(k.test_eval(a, "/"), a.join(" "));
  for (const [a, msg] of ERRORS) t.throws(() => k.test_eval(a, "/"), { message: msg }, a.join(" "));
});
