// sbin/atf.ts: `virtnet atf-run`, an atf-sh compatible runner with our own
// vnet.subr, run on a small test program of our own.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { needs } from "../helpers/tools.ts";

/** The scripts run under the host's /bin/sh. */
const sh_test = needs("/bin/sh");

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

// A test program in the layout of FreeBSD's tests/sys: it sources
// vnet.subr from ../common, which the runner provides.
const PROGRAM = `#!/usr/bin/env atf-sh
. $(atf_get_srcdir)/../common/vnet.subr

note() {
	echo "$1" >>"$(atf_config_get log)"
}

atf_test_case "two_jails" "cleanup"
two_jails_head() {
	atf_set descr 'Ping across an epair between two vnet jails'
	atf_set require.user root
	atf_set require.progs ifconfig jexec
}
two_jails_body() {
	note two_jails:body
	vnet_init
	epair=$(vnet_mkepair)
	vnet_mkjail one \${epair}a
	vnet_mkjail two \${epair}b
	jexec one ifconfig \${epair}a 192.0.2.1/24 up
	jexec two ifconfig \${epair}b 192.0.2.2/24 up
	atf_check -o match:"2 packets transmitted, 2 packets received" \\
	    jexec one ping -c 2 192.0.2.2
	atf_check -s exit:2 -o ignore jexec one ping -c 1 -t 1 192.0.2.99
	atf_check -o inline:"lo0 \${epair}a\\n" jexec one ifconfig -l
	atf_check -s exit:1 -e inline:"ifconfig: interface nosuch0 does not exist\\n" ifconfig nosuch0
	atf_check -o save:ifl.txt jexec two ifconfig -l
	atf_check -o file:ifl.txt -x "jexec two ifconfig -l"
	atf_check_equal "$(atf_get descr)" "Ping across an epair between two vnet jails"
}
two_jails_cleanup() {
	note two_jails:cleanup
	vnet_cleanup
	jls -n name >"$(atf_config_get log).jls"
}

atf_test_case "fails" "cleanup"
fails_head() {
	atf_set descr 'A failed check'
}
fails_body() {
	note fails:body
	atf_check -o match:"^nothing like this" jexec nosuchjail ifconfig -l
	note fails:unreachable
}
fails_cleanup() {
	note fails:cleanup
}

atf_test_case "skips" "cleanup"
skips_body() {
	note skips:body
	atf_skip "not today"
}
skips_cleanup() {
	note skips:cleanup
}

atf_test_case "needs_prog"
needs_prog_head() {
	atf_set require.progs no_such_program_anywhere
}
needs_prog_body() {
	note needs_prog:body
}

atf_test_case "expected"
expected_body() {
	atf_expect_fail "known to be broken"
	atf_fail "as predicted"
}

atf_test_case "bad_exit"
bad_exit_body() {
	false
}

atf_init_test_cases() {
	atf_add_test_case "two_jails"
	atf_add_test_case "fails"
	atf_add_test_case "skips"
	atf_add_test_case "needs_prog"
	atf_add_test_case "expected"
	atf_add_test_case "bad_exit"
}
`;

interface run_result {
  out: string;
  err: string;
  status: number | null;
}

function atf_run(args: string[]): Promise<run_result> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [path.join(root, "bin", "virtnet.mjs"), "atf-run", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ out, err, status }));
  });
}

let tmp: string;
let script: string;

test.before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-atf-test-"));
  fs.mkdirSync(path.join(tmp, "tests", "netinet"), { recursive: true });
  script = path.join(tmp, "tests", "netinet", "mine.sh");
  fs.writeFileSync(script, PROGRAM);
});

test.after.always(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

sh_test.serial("every case: pass, fail, skip, unmet requirement, expected failure, bad exit", async (t) => {
  const log = path.join(tmp, "all.log");
  const r = await atf_run(["--var", `log=${log}`, script]);
  t.is(
    r.out,
    "two_jails: passed\n" +
      "fails: failed: atf-check failed; see the output of the test for details\n" +
      "skips: skipped: not today\n" +
      "needs_prog: skipped: Required program 'no_such_program_anywhere' not found in PATH\n" +
      "expected: expected_failure: known to be broken: as predicted\n" +
      "bad_exit: failed: Test case body returned a non-ok exit code, but this is not allowed\n" +
      "mine.sh: 1 passed, 2 failed, 2 skipped, 1 expected failures\n",
  );
  t.is(r.status, 1);
  // What failed is explained: the check, then the command's output.
  t.regex(
    r.err,
    /--- fails stderr ---\nFail: incorrect exit status: 1, expected: exit:0\nFail: regexp \^nothing like this not in stdout\nFail: stderr not empty\nCommand: jexec nosuchjail ifconfig -l\nstdout:\nstderr:\njexec: jail "nosuchjail" not found\n/,
  );
  // Cleanup runs after every body that ran, whatever became of it; a case
  // skipped for its requirements runs neither.
  t.is(fs.readFileSync(log, "utf8"), "two_jails:body\ntwo_jails:cleanup\nfails:body\nfails:cleanup\nskips:body\nskips:cleanup\n");
  // vnet_cleanup removed the jails.
  t.is(fs.readFileSync(`${log}.jls`, "utf8"), "");
});

sh_test.serial("named cases only; the exit status says whether any failed", async (t) => {
  const log = path.join(tmp, "some.log");
  const r = await atf_run(["--var", `log=${log}`, script, "two_jails", "skips"]);
  t.is(r.out, "two_jails: passed\nskips: skipped: not today\nmine.sh: 1 passed, 0 failed, 1 skipped\n");
  t.is(r.status, 0);
  const bad = await atf_run([script, "no_such_case"]);
  t.is(bad.status, 1);
  t.is(bad.err, `virtnet atf-run: ${script}: unknown test case 'no_such_case'\n`);
  const usage = await atf_run([]);
  t.is(usage.status, 64);
  t.regex(usage.err, /^usage: virtnet atf-run /);
});

sh_test.serial("temporary trees, daemons and sockets are gone afterwards", async (t) => {
  const before = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("virtnet-atf-") && n !== path.basename(tmp));
  await atf_run(["--var", `log=${path.join(tmp, "x.log")}`, script, "skips"]);
  const after = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("virtnet-atf-") && n !== path.basename(tmp));
  t.deepEqual(after.filter((n) => !before.includes(n)), []);
});
