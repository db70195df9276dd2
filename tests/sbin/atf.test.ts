// sbin/atf.ts: `virtnet atf-run`, an atf-sh compatible runner with our own
// vnet.subr, run on a small test program of our own.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { needs } from "../helpers/tools.ts";
import { run_captured, type run_result } from "../helpers/spawn.ts";

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


function atf_run(args: string[]): Promise<run_result> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return run_captured(process.execPath, [path.join(root, "bin", "virtnet.mjs"), "atf-run", ...args], { env }, "ignore");
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

/** Live processes whose command line or environment holds `mark`. */
function procs_with(mark: string): string[] {
  const found: string[] = [];
  for (const n of fs.readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(n) || Number(n) === process.pid) continue;
    for (const f of ["cmdline", "environ"]) {
      try {
        if (fs.readFileSync(`/proc/${n}/${f}`).includes(mark)) found.push(`${n}: ${fs.readFileSync(`/proc/${n}/cmdline`, "utf8").replace(/\0/g, " ")}`);
      } catch {
        /* gone, or not readable */
      }
    }
  }
  return found;
}

const SHAPES = `#!/usr/bin/env atf-sh
. $(atf_get_srcdir)/../common/vnet.subr

# FreeBSD names cases after bug numbers; dash refuses such function names.
atf_test_case "235704" "cleanup"
235704_head() {
	atf_set descr 'A case named by a number'
}
235704_body() {
	vnet_init
	epair=$(vnet_mkepair)
	other=$(vnet_mkepair)
	vnet_mkjail one \${epair}a \${other}a
	vnet_mkjail two \${epair}b
	vnet_ifrename_jail two \${epair}b peer0
	atf_check -o inline:"lo0 peer0\\n" jexec two ifconfig -l
	# FreeBSD sh syntax that dash lacks.
	atf_check -o inline:"tab\\there\\n" printf '%s\\n' $'tab\\there'
}
235704_cleanup() {
	vnet_cleanup
	ifconfig -l
	jls -n name
}

atf_test_case "fg_loop" "cleanup"
fg_loop_head() {
	atf_set timeout 2
}
fg_loop_body() {
	while true; do ifconfig -l >/dev/null; done
}
fg_loop_cleanup() {
	echo "fg_loop cleanup ran" >>"$(atf_config_get log)"
}

atf_test_case "bg_loop"
bg_loop_head() {
	atf_set timeout 2
}
bg_loop_body() {
	jail -c name=j persist vnet >/dev/null
	while true; do sleep 0.05; done &
	bash -c 'while true; do sleep 0.05; done' "vatf_bg_$(atf_config_get mark)" &
	setsid bash -c 'while true; do sleep 0.05; done' "vatf_setsid_$(atf_config_get mark)" &
	jexec j sh -c "while true; do sleep 0.05; done # vatf_jexec_$(atf_config_get mark)"
}

atf_test_case "expected_hang"
expected_hang_head() {
	atf_set timeout 1
}
expected_hang_body() {
	atf_expect_timeout "hangs on purpose"
	while true; do sleep 0.05; done
}

atf_init_test_cases() {
	atf_add_test_case "235704"
	atf_add_test_case "fg_loop"
	atf_add_test_case "bg_loop"
	atf_add_test_case "expected_hang"
}
`;

test.serial("digit case names, bash syntax, and a cleanup that destroys each epair once", async (t) => {
  const shapes = path.join(tmp, "tests", "netinet", "shapes.sh");
  fs.writeFileSync(shapes, SHAPES);
  const r = await atf_run(["-v", "--var", `log=${path.join(tmp, "s.log")}`, "--var", "mark=none", shapes, "235704"]);
  t.is(r.out, "235704: passed\nshapes.sh: 1 passed, 0 failed, 0 skipped\n");
  t.is(r.status, 0);
  // The cleanup's own output: its renamed epair and the others gone without
  // a word on stderr, every jail removed, lo0 alone in the host.
  t.is(r.err, "--- 235704 stdout ---\none: created\ntwo: created\npeer0\nlo0\n");
  t.notRegex(r.err, /does not exist/);
});

test.serial("timeouts kill everything the case started; the cleanup still runs", async (t) => {
  const shapes = path.join(tmp, "tests", "netinet", "shapes.sh");
  fs.writeFileSync(shapes, SHAPES);
  const mark = `m${process.pid}x${Date.now()}`;
  const log = path.join(tmp, "t.log");
  const r = await atf_run(["--var", `log=${log}`, "--var", `mark=${mark}`, shapes, "fg_loop", "bg_loop", "expected_hang"]);
  t.is(
    r.out,
    "fg_loop: failed: Test case body timed out\n" +
      "bg_loop: failed: Test case body timed out\n" +
      "expected_hang: expected_failure: hangs on purpose\n" +
      "shapes.sh: 0 passed, 2 failed, 0 skipped, 1 expected failures\n",
  );
  t.is(r.status, 1);
  t.is(fs.readFileSync(log, "utf8"), "fg_loop cleanup ran\n");
  // Nothing is left: not the loops, nor the host shell jexec handed back,
  // nor the loop that left the process group with setsid.
  await new Promise((res) => setTimeout(res, 300));
  t.deepEqual(procs_with(mark), []);
});

test.serial("an interrupted runner leaves nothing running", async (t) => {
  const shapes = path.join(tmp, "tests", "netinet", "shapes.sh");
  fs.writeFileSync(shapes, SHAPES.replace(/atf_set timeout 2/g, "atf_set timeout 60"));
  const mark = `i${process.pid}x${Date.now()}`;
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [path.join(root, "bin", "virtnet.mjs"), "atf-run", "--var", `mark=${mark}`, shapes, "bg_loop"], { env, stdio: "ignore" });
  // Wait until the case's loops run, then interrupt as ^C would.
  for (let i = 0; i < 100 && procs_with(`vatf_jexec_${mark}`).length === 0; i++) await new Promise((res) => setTimeout(res, 100));
  t.not(procs_with(`vatf_jexec_${mark}`).length, 0, "the case got going");
  child.kill("SIGINT");
  const status = await new Promise<number | null>((res) => child.on("close", (code) => res(code)));
  t.is(status, 130);
  await new Promise((res) => setTimeout(res, 300));
  t.deepEqual(procs_with(mark), []);
});

// FreeBSD's sh takes empty lists (netpfil/common/utils.subr has one); the
// runner's '.' gives bash a ':' there.  --kldload and --tunable are the
// run's loader.conf, as FreeBSD's CI preloads ipfw for netpfil's tests.
const LOADER_LIB = `# a helper as FreeBSD's netpfil/common/utils.subr writes them
is_loaded()
{
	if kldstat -q -m $1; then
		# Nothing. This is okay.
	else
		atf_skip "This test requires $1"
	fi
	for x in 1 2; do
	done
	empty() {
	}
	echo "helper ran"
}
`;
const LOADER = `#!/usr/bin/env atf-sh
. $(atf_get_srcdir)/lib.subr

atf_test_case "loaded"
loaded_head() {
	atf_set descr 'ipfw is there, its default rule accepts'
}
loaded_body() {
	is_loaded ipfw
	atf_check -o inline:"1\\n" sysctl -n net.inet.ip.fw.default_to_accept
	atf_check -o match:"65535 allow ip from any to any" ipfw list
}

atf_init_test_cases() {
	atf_add_test_case "loaded"
}
`;

sh_test.serial("--kldload and --tunable set up the kernel as loader.conf would; sourced files may hold FreeBSD sh's empty lists", async (t) => {
  const dir = path.join(tmp, "tests", "netpfil");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "lib.subr"), LOADER_LIB);
  const prog = path.join(dir, "loader.sh");
  fs.writeFileSync(prog, LOADER);
  const without = await atf_run([prog]);
  t.is(without.out, "loaded: skipped: This test requires ipfw\nloader.sh: 0 passed, 0 failed, 1 skipped\n", without.err);
  const r = await atf_run(["-v", "--kldload", "ipfw", "--tunable", "net.inet.ip.fw.default_to_accept=1", prog]);
  t.is(r.status, 0, r.out + r.err);
  t.regex(r.out, /^loaded: passed\n/);
  t.regex(r.err + r.out, /helper ran\n/);
  const bad = await atf_run(["--tunable", "net.inet.nosuch=1", prog]);
  t.is(bad.status, 64);
  t.is(bad.err, "virtnet: loader tunable net.inet.nosuch: not a loader tunable\n");
  const nomod = await atf_run(["--kldload", "nosuchmod", prog]);
  t.is(nomod.status, 1);
  t.regex(nomod.err, /kldload nosuchmod: No such file or directory/);
});
