// sbin/sysctl.ts: setting an oid that may not be set.  A read-only tunable
// (CTLFLAG_RDTUN: kern.hz, net.isr.maxthreads) is set by the loader before
// boot, and sysctl.c says so; a plain read-only oid is just read only.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

const TUN = (n: string): string => `sysctl: oid '${n}' is a read only tunable\nsysctl: Tunable values are set in /boot/loader.conf\n`;

const cases: [string, string, string, string][] = [
  ["kern.hz is a read-only tunable", "sysctl kern.hz=100", "exit 1\n", TUN("kern.hz")],
  ["whatever the value", "sysctl kern.hz=abc", "exit 1\n", TUN("kern.hz")],
  ["net.isr.maxthreads too", "sysctl net.isr.maxthreads=2", "exit 1\n", TUN("net.isr.maxthreads")],
  ["kern.hz unchanged", "sysctl kern.hz=100 2>/dev/null; sysctl -n kern.hz", "1000\n", ""],
  ["a plain read-only oid", "sysctl kern.ostype=x", "exit 1\n", "sysctl: oid 'kern.ostype' is read only\n"],
  ["-q says nothing", "sysctl -q kern.hz=100", "exit 1\n", ""],
  ["a read-write tunable can be set", "sysctl kern.ipc.nmbclusters=300000 >/dev/null && sysctl -n kern.ipc.nmbclusters", "300000\n", ""],
  ["several names: one warning, the rest done", "sysctl kern.hz=1 net.inet.ip.forwarding=1", "net.inet.ip.forwarding: 0 -> 1\nexit 1\n", TUN("kern.hz")],
];

for (const [name, cmd, out, err] of cases) {
  test(`sysctl: ${name}`, async (t) => {
    const r = await run_script(`${cmd} || echo "exit $?"\n`);
    t.is(r.out, out);
    t.is(r.err, err);
  });
}
