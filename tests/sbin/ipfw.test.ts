// sbin/ipfw.ts: ipfw(8)'s command line (sbin/ipfw/main.c): options, usage,
// the word splitting of one quoted argument, the legacy word orders, rules
// files, and that no argument vector makes it throw.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import fc from "fast-check";
import { loadKernel } from "../helpers/builds.ts";
import { run_script } from "./prog_helpers.ts";

const USAGE = 'ipfw: usage: ipfw [options]\ndo "ipfw -h" or "man ipfw" for details\n';

test("ipfw: usage, -h, bad options and commands, -n list, word splitting and legacy orders", async (t) => {
  const r = await run_script(`ipfw 2>&1; echo "status $?"
ipfw -x 2>&1; echo "status $?"
ipfw -n 2>&1; echo "status $?"
ipfw foo 2>&1; echo "status $?"
ipfw -h 2>/dev/null; echo "status $?"
ipfw -h 2>&1 | sed -n 1p
ipfw -n list 2>&1; echo "status $?"
ipfw -n set 40 list 2>&1; echo "status $?"
ipfw '-n add 100 allow  ip from 1.2.3.4, 5.6.7.8 to any # a comment'
ipfw -n add 200 allow ip from 1.2.3.4, 5.6.7.8 to any
ipfw -n 300 add deny ip from any to any
ipfw -n '' 2>&1; echo "status $?"
ipfw -n a 400 count ip from any to any 2>&1
`);
  t.is(r.err, "");
  t.is(
    r.out,
    USAGE + "status 64\n" +
      "ipfw: illegal option -- x\n" + USAGE + "status 64\n" +
      "ipfw: bad arguments, for usage summary ``ipfw''\nstatus 64\n" +
      "ipfw: bad command `foo'\nstatus 64\n" +
      "status 0\n" +
      "ipfw syntax summary (but please do read the ipfw(8) manpage):\n" +
      "Testing only, list disabled\nstatus 0\n" +
      "ipfw: invalid set number 40\n\nstatus 65\n" +
      "00100 allow ip from 1.2.3.4,5.6.7.8 to any\n" +
      "00200 allow ip from 1.2.3.4,5.6.7.8 to any\n" +
      "00300 deny ip from any to any\n" +
      // An empty word is a prefix of "nat" (strncmp with its length, 0).
      "ipfw: missing command\nstatus 64\n" +
      "ipfw: DEPRECATED: 'a' matched 'add' as a sub-string\n00400 count ip from any to any\n",
  );
});

test("ipfw /path/to/file: one command a line, errors as Line N, options before the file", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipfw-"));
  const good = path.join(dir, "good");
  const bad = path.join(dir, "bad");
  fs.writeFileSync(good, "# firewall\nadd 100 allow tcp from any to me 22 setup keep-state\n\nadd 200 deny ip from any to any # the rest\n");
  fs.writeFileSync(bad, "add 100 allow ip from any to any\nadd 200 frobnicate ip from any to any\nadd 300 deny ip from any to any\n");
  const r = await run_script(`ipfw -n ${good}; echo "status $?"
ipfw -n -q ${good}; echo "status $?"
ipfw -n ${bad} 2>&1; echo "status $?"
ipfw ${dir}/missing 2>&1; echo "status $?"
ipfw -n -p m4 ${good} 2>&1; echo "status $?"
ipfw -n ${good} ${good} 2>&1; echo "status $?"
`);
  fs.rmSync(dir, { recursive: true });
  t.is(r.err, "");
  t.is(
    r.out,
    "00100 allow tcp from any to me 22 setup keep-state :default\n00200 deny ip from any to any\nstatus 0\n" +
      "status 0\n" +
      "00100 allow ip from any to any\nLine 2: invalid action frobnicate\n\nstatus 65\n" +
      `ipfw: pathname: ${dir}/missing: No such file or directory\nstatus 64\n` +
      "ipfw: execvp(m4) failed: No such file or directory\nipfw: preprocessor exited with status 71\nstatus 69\n" +
      `ipfw: extraneous filename arguments ${good}\nstatus 64\n`,
  );
});

test("ipfw's options through getopt(3): in order, a lone '-' ends them, -s takes its argument either way, each rules-file line restarts the scan", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipfw-"));
  const rules = path.join(dir, "rules");
  fs.writeFileSync(rules, "-z list\n-q add 100 allow ip from any to any\nadd 200 deny ip from any to any\n");
  const r = await run_script(`ipfw -h -Z 2>&1 | sed -n 1p
ipfw -n - list 2>&1; echo "status $?"
ipfw -n -s 2>&1 | sed -n 1p
ipfw -ns1 list 2>&1; echo "status $?"
ipfw -n -s 1 -- list 2>&1; echo "status $?"
ipfw -n ${rules} 2>&1; echo "status $?"
`);
  fs.rmSync(dir, { recursive: true });
  t.is(r.err, "");
  t.is(
    r.out,
    "ipfw syntax summary (but please do read the ipfw(8) manpage):\n" +
      "ipfw: bad command `-'\nstatus 64\n" +
      "ipfw: option requires an argument -- s\n" +
      "Testing only, list disabled\nstatus 0\n" +
      "Testing only, list disabled\nstatus 0\n" +
      // getopt's message carries setprogname's "Line N"; ipfw_main's 1 is
      // not looked at for a rules-file line, and -q of line 2 stays set.
      "Line 1: illegal option -- z\n" +
      "status 0\n",
  );
});

const WORDS = [
  "add", "delete", "list", "show", "flush", "zero", "resetlog", "set", "table", "enable", "disable", "pipe", "queue",
  "nat", "internal", "allow", "deny", "count", "skipto", "check-state", "ip", "tcp", "udp", "icmp", "ip6", "from", "to",
  "any", "me", "me6", "not", "or", "{", "}", "(", ")", "in", "out", "via", "keep-state", "limit", "src-addr", "log",
  "logamount", "tag", "tagged", "setup", "tcpflags", "icmptypes", "//", "table(t)", "1.2.3.4/24", "10.0.0.0/24{1,2-5}",
  "::1", "fe80::/10", "22", "80,443", "1-1024", "100", "65535", "0", "-1", "tablearg", ":s", "create", "type", "flow:src-ip",
  "swap", "move", "rule", "uid", "jail", "MAC", "mac-type", "prob", "0.5", "fwd", "10.0.0.1,80", "unreach", "port", "x",
  "", ",", "-", "!", "!syn", "frag", "dscp", "af11", "lookup", "dst-ip", "call", "return", "setfib", "1",
];

test("ipfw: random argument vectors end with an exit status, never an exception", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.crget(0, k.prison0), "sh");
  const io = { stdin: "", stdout: { write: () => undefined }, stderr: { write: () => undefined }, env: new Map<string, string>() };
  // Half the runs before the module is loaded (the kernel refuses IP_FW3), half after (rules get in and are listed).
  let runs = 0;
  const exits = new Set<number>();
  const word = fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 12 }));
  // Rule-shaped vectors too, so that many rules get in and list/show decode them.
  const rule = fc
    .tuple(
      fc.constantFrom("allow", "deny", "count", "skipto 1000", "check-state", "reject", "unreach port", "pipe 1", "nat 1", "setfib 0", "call 2000", "return"),
      fc.constantFrom("ip", "tcp", "udp", "icmp", "ip6", "{ tcp or udp }", "all"),
      fc.constantFrom("any", "me", "10.0.0.0/24", "1.2.3.4,5.6.7.8", "not 10.1.0.0/16", "table(t)", "::1", "10.0.0.0/24{1,3-7}"),
      fc.constantFrom("any", "me", "me6", "2001:db8::/32", "10.0.0.1 22", "any 80,443"),
      fc.subarray(["in", "out", "via lo0", "keep-state", "setup", "established", "frag", "icmptypes 0,8", "tagged 5", "// c", "limit src-addr 5", "log", "uid 0", "jail 1", "ipttl 1-10", "dscp ef", "iptos lowdelay", "tcpflags syn,!ack"], { maxLength: 3 }),
    )
    .map(([a, p, s, d, o]) => ["add", ...a.split(" "), ...p.split(" "), "from", ...s.split(" "), "to", ...d.split(" "), ...o.flatMap((x) => x.split(" "))]);
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.oneof(fc.array(word, { maxLength: 14 }), rule), async (n, args) => {
      if (runs++ === 125) t.is(await k.exec_prog(p, ["kldload", "ipfw"], io), 0);
      const argv = ["ipfw", ...(n ? ["-n"] : []), ...args];
      const status = await k.exec_prog(p, argv, io);
      exits.add(status);
      return [0, 1, 64, 65, 68, 69, 71].includes(status);
    }),
    { numRuns: 250, seed: 15 },
  );
  t.true(exits.has(0) && exits.has(64) && exits.has(65));
  let out = "";
  const show = { ...io, stdout: { write: (x: string) => void (out += x) } };
  for (const argv of [["ipfw", "-a", "-S", "-d", "show"], ["ipfw", "-t", "-c", "list"], ["ipfw", "-T", "-b", "show"]]) t.is(await k.exec_prog(p, argv, show), 0);
  t.true(out.split("\n").length > 20, out);
});

test("ipfw rules loaded in a vnet jail from a file and as FreeBSD's utils.subr does (ipfw -q -f flush; sh ipfw.rule)", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipfw-"));
  fs.writeFileSync(path.join(dir, "rules"), "add 100 deny icmp from any to any\nadd 200 allow all from any to any\n");
  fs.writeFileSync(path.join(dir, "ipfw.rule"), "ipfw -q add 100 deny all from any to any\n");
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
kldload ipfw
jexec a ipfw -q ${dir}/rules
jexec b ipfw -q ${dir}/rules
jexec a ipfw list
jexec b ping -c 1 -t 2 10.0.0.1 2>&1 | sed -n -e /transmitted/p -e /sendto/p
jexec b ipfw -q -f flush
jexec b /bin/sh ${dir}/ipfw.rule
jexec b ipfw list
jexec a ipfw -q -f flush
jexec a ipfw add 100 allow ip from any to any >/dev/null
jexec a ping -c 1 -t 2 10.0.0.2 | sed -n /transmitted/p
jexec b ipfw show
jail -r a b
`);
  fs.rmSync(dir, { recursive: true });
  t.is(r.err, "");
  t.is(
    r.out,
    `00100 deny icmp from any to any
00200 allow ip from any to any
65535 deny ip from any to any
ping: sendto: Permission denied
1 packets transmitted, 0 packets received, 100.0% packet loss
00100 deny ip from any to any
65535 deny ip from any to any
1 packets transmitted, 0 packets received, 100.0% packet loss
00100 1 84 deny ip from any to any
65535 0  0 deny ip from any to any
a: removed
b: removed
`,
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
