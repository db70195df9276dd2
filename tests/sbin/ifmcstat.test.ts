// sbin/ifmcstat (usr.sbin/ifmcstat/ifmcstat.c): the groups an interface has
// joined, as getifmaddrs(3) and the MLD sysctls tell them; a join shows, a
// leave takes the group away, bad options get FreeBSD's words and codes.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

const SETUP = `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a inet6 -ifdisabled up
jexec b ifconfig epair0b inet6 -ifdisabled up
jexec a ifconfig epair0a inet6 2001:db8::1/64
jexec b ifconfig epair0b inet6 2001:db8::2/64
sleep 3
`;

test.serial("a new address's solicited-node group shows under the link-local, with its MLD state, mode and Ethernet group", async (t) => {
  const r = await run_script(SETUP + "jexec a ifmcstat -i epair0a -f inet6\n");
  t.is(r.err, "");
  const lines = r.out.split("\n");
  t.is(lines[0], "epair0a:");
  t.regex(lines[1], /^\tinet6 fe80::[0-9a-f:]+%epair0a scopeid 0x2$/);
  t.is(lines[2], "\tmldv2 flags=2<USEALLOW> rv 2 qi 125 qri 10 uri 3");
  const i = lines.indexOf("\t\tgroup ff02::1:ff00:1%epair0a scopeid 0x2 mode exclude");
  t.true(i > 2, r.out);
  t.is(lines[i + 1], "\t\t\tmcast-macaddr 33:33:ff:00:00:01");
  t.true(lines.includes("\t\tgroup ff02::1%epair0a scopeid 0x2 mode exclude"), r.out);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("deleting the address leaves its solicited-node group: mode undefined while MLDv2's leave reports go out, then gone; the others stay", async (t) => {
  const r = await run_script(
    SETUP + "jexec a ping -6 -c 1 2001:db8::2 >/dev/null\njexec a ifconfig epair0a inet6 2001:db8::1 delete\njexec a ifmcstat -i epair0a -f inet6\necho ==\nsleep 5\njexec a ifmcstat -i epair0a -f inet6\n",
  );
  const [leaving, after] = r.out.split("==\n");
  t.regex(leaving, /\t\tgroup ff02::1:ff00:1%epair0a scopeid 0x2 mode undefined\n/);
  t.notRegex(after, /ff02::1:ff00:1/);
  t.notRegex(after, /33:33:ff:00:00:01/);
  t.notRegex(after, /undefined/);
  t.regex(after, /\t\tgroup ff02::1%epair0a scopeid 0x2 mode exclude\n\t\t\tmcast-macaddr 33:33:00:00:00:01\n/);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("-v adds the link-level memberships under the interface's Ethernet address; no filter lists both families", async (t) => {
  const r = await run_script(SETUP + "jexec a ifmcstat -v -i epair0a\n");
  t.regex(r.out, /\n\tlink [0-9a-f]{2}(:[0-9a-f]{2}){5}\n\t\tgroup 33:33:ff:00:00:01\n/);
  t.regex(r.out, /\n\t\tgroup ff02::1:ff00:1%epair0a scopeid 0x2 mode exclude\n/);
  const plain = await run_script(SETUP + "jexec a ifmcstat -i epair0a\n");
  t.notRegex(plain.out, /\tlink /);
});

test.serial("errors: unknown interface (EX_NOHOST), unknown family and -f link -v (usage, EX_USAGE), -K without kernel memory", async (t) => {
  const r = await run_script(
    SETUP +
      "jexec a ifmcstat -i nope0; echo status $?\njexec a ifmcstat -f ipx; echo status $?\njexec a ifmcstat -f link -v; echo status $?\njexec a ifmcstat -K -i epair0a -f inet6 >/dev/null; echo status $?\njexec a ifmcstat -K -M /dev/null; echo status $?\n",
  );
  t.is(r.out, "status 68\nstatus 64\nstatus 64\nstatus 0\nstatus 71\n");
  t.is(
    r.err,
    "nope0: unknown interface\nipx: unknown address family\nusage: ifmcstat [-i interface] [-f address family] [-v] [-K] [-M core] [-N system]\nkvm_openfiles: No such file or directory\nkvm_openfiles: No such file or directory\n",
  );
});
