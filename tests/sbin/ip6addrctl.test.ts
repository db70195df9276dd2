// sbin/ip6addrctl (usr.sbin/ip6addrctl/ip6addrctl.c): the policy table of
// RFC 6724 address selection, per vnet, through sysctl and the
// SIOCAADDRCTL_POLICY / SIOCDADDRCTL_POLICY ioctls; the table changes which
// source address ping6 picks; FreeBSD's messages, usage and exit codes.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { run_script } from "./prog_helpers.ts";

const HEADER = "Prefix                          Prec Label      Use\n";

test("ip6addrctl: empty, add, show, delete, flush; the errors of each", async (t) => {
  const r = await run_script(`ip6addrctl
ip6addrctl add ::1/128 50 0
ip6addrctl add ::/0 40 1
ip6addrctl add 2002::/16 30 2
ip6addrctl add ::1/128 50 0 2>&1; echo "status $?"
ip6addrctl show
ip6addrctl delete 2002::/16
ip6addrctl delete 2002::/16 2>&1; echo "status $?"
ip6addrctl add bad 1 1 2>&1; echo "status $?"
ip6addrctl add ::1/200 1 1 2>&1; echo "status $?"
ip6addrctl add zz::/3 1 1 2>&1; echo "status $?"
ip6addrctl add ::2/128 1 2>&1; echo "status $?"
ip6addrctl frob 2>&1; echo "status $?"
ip6addrctl
ip6addrctl flush
ip6addrctl flush
`);
  t.is(r.err, "");
  t.is(
    r.out,
    "no source-address-selection policy is installed\n" +
      "ip6addrctl: ioctl(SIOCAADDRCTL_POLICY): File exists\nstatus 1\n" +
      HEADER +
      "::1/128                           50     0        0\n" +
      "::/0                              40     1        0\n" +
      "2002::/16                         30     2        0\n" +
      "ip6addrctl: ioctl(SIOCDADDRCTL_POLICY): No such process\nstatus 1\n" +
      "ip6addrctl: bad prefix: bad\nstatus 1\n" +
      "ip6addrctl: invalid prefix length: 200\nip6addrctl: bad prefix: ::1/200\nstatus 1\n" +
      "ip6addrctl: getaddrinfo failed for zz::: hostname nor servname provided, or not known\nip6addrctl: bad prefix: zz::/3\nstatus 1\n" +
      "usage: ip6addrctl [show]\n       ip6addrctl add <prefix> <precedence> <label>\n       ip6addrctl delete <prefix>\n       ip6addrctl flush\n       ip6addrctl install <configfile>\nstatus 1\n".repeat(2) +
      HEADER +
      "::1/128                           50     0        0\n" +
      "::/0                              40     1        0\n" +
      // flush reads the table first; the second finds it empty.
      "no source-address-selection policy is installed\n",
  );
});

test("ip6addrctl install: comments and blank lines skipped; a short line fails with its number", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ip6addrctl-"));
  try {
    fs.writeFileSync(path.join(dir, "good.conf"), "# RFC 6724's table, in part\n\n::1/128\t\t50 0\n::ffff:0:0/96 35 4\n  fe80::/10 1 1\n");
    fs.writeFileSync(path.join(dir, "short.conf"), "::/0 40 1\n::1/128 50\n");
    const r = await run_script(
      `ip6addrctl install good.conf
ip6addrctl
ip6addrctl flush
ip6addrctl install short.conf 2>&1; echo "status $?"
ip6addrctl
ip6addrctl install nothere.conf 2>&1; echo "status $?"
`,
      { cwd: dir },
    );
    t.is(
      r.out,
      HEADER +
        "::1/128                           50     0        0\n" +
        "::ffff:0.0.0.0/96                 35     4        0\n" +
        "fe80::/10                          1     1        0\n" +
        "ip6addrctl: parse failed at line 2\nstatus 1\n" +
        // Nothing is installed from a file that fails.
        "no source-address-selection policy is installed\n" +
        "ip6addrctl: fopen: nothere.conf: No such file or directory\nstatus 1\n",
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("ip6addrctl: each vnet has its own table, and a matching label changes the source ping6 picks (rule 6 before rule 8)", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
jexec a ifconfig epair0a inet6 -ifdisabled up
jexec a ifconfig epair0a inet6 2001:db8::1/64 no_dad
jexec a ifconfig epair0a inet6 fd00::1/64 no_dad alias
jexec a route -6 add 2001:db8:1::/48 2001:db8::ff >/dev/null
jexec a ping6 -c 1 2001:db8:1::5 | head -1
jexec a ip6addrctl add 2001:db8:1::/48 50 7
jexec a ip6addrctl add fd00::/8 40 7
jexec a ip6addrctl add 2001:db8::/48 30 3
jexec a ping6 -c 1 2001:db8:1::5 | head -1
echo ==
ip6addrctl
`);
  const [a, host] = r.out.split("==\n");
  // Without a policy, the longest matching prefix wins.
  t.is(a, "PING6(56=40+8+8 bytes) 2001:db8::1 --> 2001:db8:1::5\nPING6(56=40+8+8 bytes) fd00::1 --> 2001:db8:1::5\n");
  t.is(host, "no source-address-selection policy is installed\n");
});

test("ip6addrctl: a vnet jail's root may change its own table; a user may read the table but not change it (EPERM)", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
jexec a ip6addrctl add ::/0 40 1; echo "status $?"
ip6addrctl add ::1/128 50 0
`);
  t.is(r.out, "status 0\n");
  const user = r.k.proc_create(r.k.crget(1001, r.k.prison0), "sh");
  const run = async (argv: string[]) => {
    let out = "";
    let err = "";
    const status = await r.k.exec_prog(user, argv, { stdin: "", stdout: { write: (x: string) => void (out += x) }, stderr: { write: (x: string) => void (err += x) }, env: new Map() });
    return { status, out, err };
  };
  t.deepEqual(await run(["ip6addrctl"]), { status: 0, out: HEADER + "::1/128                           50     0        0\n", err: "" });
  t.deepEqual(await run(["ip6addrctl", "delete", "::1/128"]), { status: 1, out: "", err: "ip6addrctl: ioctl(SIOCDADDRCTL_POLICY): Operation not permitted\n" });
});
