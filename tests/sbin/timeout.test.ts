// sbin/timeout.ts: timeout(1) on the virtual clock.  The command runs to
// its end or is signalled when the duration has passed (SIGTERM, or -s's
// signal, then SIGKILL after -k's); the status is the command's, or 124
// (the command's own with --preserve-status); the reaper signals what the
// command started too, --foreground only the command; bad input gives
// timeout(1)'s messages and statuses; nothing is left behind.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script, TWO_JAILS } from "./prog_helpers.ts";

test("timeout: SIGTERM when the time has passed (124), -s's signal instead, --preserve-status, units", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a timeout -s INT 3.5 ping -q 10.0.0.2
echo "int $?"
jexec a timeout --preserve-status --signal=INT 3.5 ping -q 10.0.0.2 | tail -2 | head -1
echo "int preserved $?"
jexec a timeout 0.05m ping -q 10.0.0.2
echo "term $?"
jexec a timeout --preserve-status 3s ping -q 10.0.0.2
echo "term preserved $?"
jexec a timeout 5 ping -c 2 -q 10.0.0.2 | tail -2 | head -1
echo "in time $?"
jexec a timeout 5 ping -c 1 -t 1 10.0.0.9 > /dev/null
echo "in time, failing $?"
jexec a timeout 0 ping -c 3 -q 10.0.0.2 | tail -2 | head -1
echo "no limit $?"
jail -r a b >/dev/null
`,
  );
  t.is(r.err, "");
  t.is(
    r.out,
    `PING 10.0.0.2 (10.0.0.2): 56 data bytes

--- 10.0.0.2 ping statistics ---
4 packets transmitted, 4 packets received, 0.0% packet loss
round-trip min/avg/max/stddev = 0.000/0.000/0.000/0.000 ms
int 124
4 packets transmitted, 4 packets received, 0.0% packet loss
int preserved 0
PING 10.0.0.2 (10.0.0.2): 56 data bytes
term 124
PING 10.0.0.2 (10.0.0.2): 56 data bytes
term preserved 143
2 packets transmitted, 2 packets received, 0.0% packet loss
in time 0
in time, failing 2
3 packets transmitted, 3 packets received, 0.0% packet loss
no limit 0
`,
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("timeout: the durations are virtual time; -k sends SIGKILL to a command that outlives the first signal", async (t) => {
  const started = Date.now();
  const r = await run_script(
    TWO_JAILS +
      `jexec a timeout 3600 sleep 1800
echo "half an hour $?"
jexec a timeout 1h sleep 7200
echo "an hour $?"
jexec a timeout -s WINCH -k 1 2 ping -q 10.0.0.2
echo "winch then kill $?"
jexec a timeout --preserve-status -s WINCH -k 1 2 ping -q 10.0.0.2
echo "winch then kill preserved $?"
jexec a timeout -s WINCH 2 ping -c 4 -q 10.0.0.2 > /dev/null
echo "winch ignored $?"
jexec a timeout --preserve-status -s WINCH 2 ping -c 4 -q 10.0.0.2 > /dev/null
echo "winch ignored, preserved $?"
jail -r a b >/dev/null
`,
  );
  t.true(Date.now() - started < 60_000);
  t.is(r.err, "");
  t.is(
    r.out,
    `half an hour 0
an hour 124
PING 10.0.0.2 (10.0.0.2): 56 data bytes
winch then kill 124
PING 10.0.0.2 (10.0.0.2): 56 data bytes
winch then kill preserved 137
winch ignored 124
winch ignored, preserved 0
`,
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("timeout: as a reaper it signals what the command started; --foreground only the command", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a timeout 2 sh -c 'ping -q 10.0.0.2 >/dev/null & sleep 10; echo not reached'
echo "reaper $?"
killall -s ping
echo "left over $?"
jexec a timeout --foreground 2 sh -c 'ping -q 10.0.0.2 >/dev/null & sleep 10; echo not reached'
echo "foreground $?"
killall -s ping | sed 's/[0-9][0-9]*/PID/'
killall ping
jail -r a b >/dev/null
`,
  );
  t.is(r.out, "reaper 124\nleft over 1\nforeground 124\nkill -TERM PID\n");
  t.is(r.err, "No matching processes were found\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("timeout: a daemon the command leaves behind is reaped: timeout waits for it and ends it, --foreground does not", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-timeout-"));
  fs.writeFileSync(path.join(dir, "inetd.conf"), "echo stream tcp nowait root internal\n");
  const r = await run_script(
    TWO_JAILS +
      `jexec a timeout 3 inetd -p ${dir}/one.pid ${dir}/inetd.conf
echo "reaped $?"
echo gone | jexec b nc -N 10.0.0.1 7
echo "nc $?"
jexec a timeout --foreground 3 inetd -p ${dir}/two.pid ${dir}/inetd.conf
echo "foreground $?"
echo still here | jexec b nc -N 10.0.0.1 7
kill $(cat ${dir}/two.pid)
jail -r a b >/dev/null
`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
  t.is(r.out, "reaped 124\nnc 1\nforeground 0\nstill here\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("timeout: bad input gives timeout(1)'s messages and statuses", async (t) => {
  const cases: [string, number, string][] = [
    ["timeout", 64, "usage"],
    ["timeout 5", 64, "usage"],
    ["timeout -h", 64, "usage"],
    ["timeout --bogus 1 true", 64, "timeout: unknown option -- bogus\nusage"],
    ["timeout -x 1 true", 64, "timeout: illegal option -- x\nusage"],
    ["timeout -k", 64, "timeout: option requires an argument -- k\nusage"],
    ["timeout abc true", 125, "timeout: invalid duration\n"],
    ["timeout 1sec true", 64, "timeout: invalid duration\n"],
    ["timeout 1w true", 125, "timeout: invalid duration\n"],
    ["timeout 99999999999s true", 125, "timeout: invalid duration\n"],
    ["timeout -k 1x 1 true", 125, "timeout: invalid duration\n"],
    ["timeout -s 0 1 true", 125, "timeout: invalid signal\n"],
    ["timeout -s 32 1 true", 125, "timeout: invalid signal\n"],
    ["timeout -s SIGFOO 1 true", 125, "timeout: invalid signal\n"],
    ["timeout 1 /no/such/program", 127, "timeout: exec(/no/such/program): No such file or directory\n"],
  ];
  const usage = "Usage: timeout [--signal sig | -s sig] [--preserve-status] [--kill-after time | -k time] [--foreground] <duration> <command> <arg ...>\n";
  const src = cases.map(([cmd]) => `${cmd} 2>&1; echo "= $?"`).join("\n") + "\n";
  const r = await run_script(src);
  const want = cases.map(([, status, msg]) => `${msg.replace("usage", usage)}= ${status}\n`).join("");
  t.is(r.out, want);
  // Good names and numbers: any case, with or without SIG.
  const ok = await run_script("timeout -s sigterm 1 true; echo $?\ntimeout -s Kill 1 false; echo $?\ntimeout -s 9 -- 1 true; echo $?\n");
  t.is(ok.out, "0\n1\n0\n");
});
