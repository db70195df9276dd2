// examples/*.sh: every example runs through `virtnet run` (bin/virtnet.mjs,
// the built bundle) and does what it says.  New examples are picked up
// without touching this file.  What is checked (examples/README.md):
//   - the exit status is 0;
//   - nothing says `does not exist`, `not found`, `Syntax error` or
//     `usage:` (a program misused, a missing interface, jail or command);
//   - every ping summary shows its packets all received (0.0% packet loss);
//   - every `# expect: TEXT` comment line of the example names a line the
//     run prints (stdout or stderr).  A line named so is expected: a ping
//     summary with loss or an error message is then no failure.
import test from "ava";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { run_captured, type run_result } from "../helpers/spawn.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const examples = path.join(root, "examples");

/** Messages that mean something the example asked for is not there. */
const ERRORS = [/does not exist/, /not found/, /Syntax error/, /usage:/];
/** ping's summary line (sbin/ping/ping.c, finish()). */
const PING_SUMMARY = /^(\d+) packets transmitted, (\d+) packets received, (?:\+\d+ duplicates, )?([\d.]+)% packet loss/;

/** The `# expect: TEXT` lines of an example, TEXT trimmed. */
function expectations(src: string): string[] {
  const out: string[] = [];
  for (const line of src.split("\n")) {
    const m = /^\s*#\s*expect:\s?(.*)$/.exec(line);
    if (m !== null) out.push(m[1].trim());
  }
  return out;
}

/** What is wrong with a run of the example `src` (empty: nothing). */
function check_run(src: string, out: string, err: string, status: number | null): string[] {
  const problems: string[] = [];
  if (status !== 0) problems.push(`exit status ${status}, not 0`);
  const lines = (out + (out.endsWith("\n") || out === "" ? "" : "\n") + err).split("\n").map((l) => l.trimEnd());
  // Every expectation names a line of its own: two identical expectations
  // need two such lines.
  const named = new Set<number>();
  for (const e of expectations(src)) {
    const i = lines.findIndex((l, j) => !named.has(j) && l.trim() === e);
    if (i < 0) problems.push(`expected a line "${e}": not printed`);
    else named.add(i);
  }
  lines.forEach((l, i) => {
    if (named.has(i)) return;
    for (const re of ERRORS) if (re.test(l)) problems.push(`error: ${l}`);
    const m = PING_SUMMARY.exec(l);
    if (m !== null) {
      const [tx, rx] = [Number(m[1]), Number(m[2])];
      if (tx === 0 || rx < tx || m[3] !== "0.0") problems.push(`ping lost packets (state it with "# expect: ${l}" if the example means it): ${l}`);
    }
  });
  return problems;
}

function run(file: string): Promise<run_result> {
  return run_captured(process.execPath, [path.join(root, "bin", "virtnet.mjs"), "run", file], { cwd: root }, "ignore");
}

const files = fs
  .readdirSync(examples)
  .filter((f) => f.endsWith(".sh"))
  .sort();

test("there are examples to run", (t) => {
  t.true(files.length > 0, `no examples/*.sh in ${examples}`);
});

for (const f of files) {
  test(`examples/${f} runs as it says`, async (t) => {
    const file = path.join(examples, f);
    const src = fs.readFileSync(file, "utf8");
    const r = await run(file);
    const problems = check_run(src, r.out, r.err, r.status);
    if (problems.length > 0) t.log(`stdout:\n${r.out}\nstderr:\n${r.err}`);
    t.deepEqual(problems, []);
  });
}

// The checker itself, on made-up runs: it must be able to fail.
const SUMMARY = (tx: number, rx: number, loss: string) => `${tx} packets transmitted, ${rx} packets received, ${loss}% packet loss`;

test("the checker: a clean run passes; loss, errors and exit status fail", (t) => {
  const ok = `PING 10.0.0.2 (10.0.0.2): 56 data bytes\n\n--- 10.0.0.2 ping statistics ---\n${SUMMARY(2, 2, "0.0")}\n`;
  t.deepEqual(check_run("ping -c 2 10.0.0.2\n", ok, "", 0), []);
  t.deepEqual(check_run("", ok, "", 1), ["exit status 1, not 0"]);
  t.deepEqual(check_run("", `${SUMMARY(3, 0, "100.0")}\n`, "", 0), [
    `ping lost packets (state it with "# expect: ${SUMMARY(3, 0, "100.0")}" if the example means it): ${SUMMARY(3, 0, "100.0")}`,
  ]);
  t.deepEqual(check_run("", "", "ifconfig: interface b does not exist\n", 0), ["error: ifconfig: interface b does not exist"]);
  t.deepEqual(check_run("", "", "sh: nosuch: not found\n", 0), ["error: sh: nosuch: not found"]);
  t.deepEqual(check_run("", "", "t.sh: 3: Syntax error: end of file unexpected\n", 0), ["error: t.sh: 3: Syntax error: end of file unexpected"]);
  t.deepEqual(check_run("", "", `${SUMMARY(0, 0, "0.0")}\n`, 0).length, 1, "nothing sent is no success");
});

test("the checker: `# expect:` lines must be printed, and excuse the lines they name, once each", (t) => {
  const lost = SUMMARY(1, 0, "100.0");
  const src = `ping -c 2 10.0.0.2\n# expect: ${lost}\nping -c 1 -m 1 10.0.0.2\n  #expect:ping exited 2\n`;
  t.deepEqual(expectations(src), [lost, "ping exited 2"]);
  t.deepEqual(check_run(src, `${SUMMARY(2, 2, "0.0")}\n${lost}\nping exited 2\n`, "", 0), []);
  // Not printed.
  t.deepEqual(check_run(src, `${SUMMARY(2, 2, "0.0")}\n${lost}\n`, "", 0), ['expected a line "ping exited 2": not printed']);
  // One expectation excuses one summary, not two.
  t.is(check_run(src, `${lost}\n${lost}\nping exited 2\n`, "", 0).length, 1);
  // An expected error message.
  t.deepEqual(check_run("# expect: ifconfig: interface nosuch0 does not exist\n", "", "ifconfig: interface nosuch0 does not exist\n", 0), []);
});
