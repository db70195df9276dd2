// sbin/ifconfig.ts: what ifconfig.c refuses before it asks the kernel: a
// name that does not fit ifr_name (IFNAMSIZ bytes with the NUL), and
// af_inet.c in_getaddr's prefix widths ("invalid" or "too large", strtonum's
// words), checked before the address itself.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

const cases: [string, string, string, string][] = [
  ["15 bytes fit: the interface is looked up", "ifconfig abcdefghijklmno", "exit 1\n", "ifconfig: interface abcdefghijklmno does not exist\n"],
  ["16 bytes do not", "ifconfig abcdefghijklmnop", "exit 1\n", "ifconfig: interface name 'abcdefghijklmnop' too long\n"],
  ["bytes, not characters", "ifconfig ééééééééé up", "exit 1\n", "ifconfig: interface name 'ééééééééé' too long\n"],
  ["checked before create", "ifconfig epairepairepairepair create", "exit 1\n", "ifconfig: interface name 'epairepairepairepair' too long\n"],
  ["width too large", "ifconfig lo0 inet 10.1.1.1/33", "exit 1\n", "ifconfig: 10.1.1.1/33: bad value (width too large)\n"],
  ["width not a number", "ifconfig lo0 inet 10.1.1.1/abc", "exit 1\n", "ifconfig: 10.1.1.1/abc: bad value (width invalid)\n"],
  ["width empty", "ifconfig lo0 inet 10.1.1.1/", "exit 1\n", "ifconfig: 10.1.1.1/: bad value (width invalid)\n"],
  ["width negative", "ifconfig lo0 inet 10.1.1.1/-1", "exit 1\n", "ifconfig: 10.1.1.1/-1: bad value (width invalid)\n"],
  ["width before address", "ifconfig lo0 inet 300.1.1.1/40", "exit 1\n", "ifconfig: 300.1.1.1/40: bad value (width too large)\n"],
  ["a bad address with a good width", "ifconfig lo0 inet 300.1.1.1/24", "exit 1\n", "ifconfig: 300.1.1.1/24: bad value\n"],
  ["widths 0 and 32 are good", "ifconfig lo0 inet 10.9.9.9/32 alias && ifconfig lo0 inet 10.8.8.8/0 alias && ifconfig lo0 inet | grep netmask", "\tinet 10.9.9.9 netmask 0xffffffff\n\tinet 10.8.8.8 netmask 0x00000000\n", ""],
];

for (const [name, cmd, out, err] of cases) {
  test(`ifconfig: ${name}`, async (t) => {
    const r = await run_script(`${cmd} || echo "exit $?"\n`);
    t.is(r.out, out);
    t.is(r.err, err);
  });
}
