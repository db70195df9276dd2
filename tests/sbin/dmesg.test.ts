// sbin/dmesg.ts: the message buffer through kern.msgbuf; -M reads a crash
// dump through kvm_open(3), whose complaints are FreeBSD's; -N alone is
// ignored, as dmesg.c ignores it without -M.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script } from "./prog_helpers.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-dmesg-test-"));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));
fs.writeFileSync(path.join(tmp, "empty"), "");
fs.writeFileSync(path.join(tmp, "vmcore.0"), "not a core\n");

const cases: [string, string, string, string][] = [
  ["-M: no such core", "dmesg -M x", "exit 1\n", "dmesg: x: No such file or directory\n"],
  ["-M: an empty core", "dmesg -M empty", "exit 1\n", "dmesg: empty file: Invalid argument\n"],
  ["-M: the kernel file is looked for next", "dmesg -M vmcore.0", "exit 1\n", "dmesg: /boot/kernel/kernel: No such file or directory\n"],
  ["-M -N: that kernel file", "dmesg -M vmcore.0 -N nokernel", "exit 1\n", "dmesg: nokernel: No such file or directory\n"],
  ["-N alone: the running kernel's buffer", "ifconfig epair create >/dev/null; dmesg -N nokernel | grep -c epair0", "2\n", ""],
];

for (const [name, cmd, out, err] of cases) {
  test(`dmesg: ${name}`, async (t) => {
    const r = await run_script(`${cmd} || echo "exit $?"\n`, { cwd: tmp });
    t.is(r.out, out);
    t.is(r.err, err);
  });
}
