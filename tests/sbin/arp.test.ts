// sbin/arp.ts: arp(8) over the neighbour table, compared line by line with
// FreeBSD 14's output (usr.sbin/arp/arp.c, arp_netlink.c).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { run_script, split_macs, SHOW_MACS, TWO_JAILS } from "./prog_helpers.ts";

const lines = (s: string) => s.split("\n");

const USAGE = `usage: arp [-n] [-i interface] hostname
       arp [-n] [-i interface] -a
       arp -d hostname [pub]
       arp -d [-i interface] -a
       arp -s hostname ether_addr [temp] [reject | blackhole] [pub [only]]
       arp -S hostname ether_addr [temp] [reject | blackhole] [pub [only]]
       arp -f filename
`;

test("arp -a, -n, -i, arp HOST: entries with their expiry, and -- no entry", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ping -c 1 10.0.0.2 >/dev/null
${SHOW_MACS}jexec a arp -a
sleep 100
jexec a arp -an
jexec a arp -i epair0a 10.0.0.2
jexec b arp -a
jexec a arp 10.0.0.9; echo "status $?"
jexec a arp -i epair0a 10.0.0.9; echo "status $?"
jail -r a b
`,
  );
  t.is(r.err, "");
  const { a, b, rest } = split_macs(r.out);
  t.deepEqual(lines(rest), [
    `? (10.0.0.2) at ${b} on epair0a expires in 1200 seconds [ethernet]`,
    `? (10.0.0.1) at ${a} on epair0a permanent [ethernet]`,
    `? (10.0.0.2) at ${b} on epair0a expires in 1100 seconds [ethernet]`,
    `? (10.0.0.1) at ${a} on epair0a permanent [ethernet]`,
    `? (10.0.0.2) at ${b} on epair0a expires in 1100 seconds [ethernet]`,
    // b learnt a from its request.
    `? (10.0.0.2) at ${b} on epair0b permanent [ethernet]`,
    `? (10.0.0.1) at ${a} on epair0b expires in 1100 seconds [ethernet]`,
    "10.0.0.9 (10.0.0.9) -- no entry",
    "status 1",
    "10.0.0.9 (10.0.0.9) -- no entry on epair0a",
    "status 1",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("arp -s, -S, temp, pub, -d, -d -a", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ping -c 1 10.0.0.2 >/dev/null
${SHOW_MACS}jexec a arp -s 10.0.0.5 00:11:22:33:44:55
jexec a arp -s 10.0.0.6 0:1:2:3:4:5 temp
jexec a arp -s 10.0.0.7 0:1:2:3:4:7 pub only
jexec a arp 10.0.0.5
jexec a arp 10.0.0.6
jexec a arp 10.0.0.7
jexec a arp -S 10.0.0.5 00:11:22:33:44:66
jexec a arp 10.0.0.5
jexec a arp -S 10.0.0.8 0:0:0:0:0:8; echo "status $?"
jexec a arp -d 10.0.0.8; echo "status $?"
jexec a arp -d 10.0.0.8; echo "status $?"
jexec a arp -d -a
jexec a arp -a
jail -r a b
`,
  );
  const { a, rest } = split_macs(r.out);
  t.deepEqual(lines(rest), [
    "? (10.0.0.5) at 00:11:22:33:44:55 on epair0a permanent [ethernet]",
    "? (10.0.0.6) at 00:01:02:03:04:05 on epair0a expires in 1200 seconds [ethernet]",
    "? (10.0.0.7) at 00:01:02:03:04:07 on epair0a permanent published [ethernet]",
    // -S deletes first, and says so.
    "10.0.0.5 (10.0.0.5) deleted",
    "? (10.0.0.5) at 00:11:22:33:44:66 on epair0a permanent [ethernet]",
    "status 0",
    "10.0.0.8 (10.0.0.8) deleted",
    "status 0",
    "status 1",
    // -d -a leaves our own address's entry (pinned) alone.
    // (in the table's order)
    "10.0.0.2 (10.0.0.2) deleted",
    "10.0.0.6 (10.0.0.6) deleted",
    "10.0.0.7 (10.0.0.7) deleted",
    "10.0.0.5 (10.0.0.5) deleted",
    `? (10.0.0.1) at ${a} on epair0a permanent [ethernet]`,
    "a: removed",
    "b: removed",
    "",
  ]);
  // -S of an entry that is not there warns about the delete and goes on.
  t.is(r.err, "arp: delete 10.0.0.8: No such file or directory\narp: delete 10.0.0.8: No such file or directory\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("arp: an unanswered request leaves an incomplete entry", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a ping -c 1 -t 1 10.0.0.9 >/dev/null
jexec a arp -n 10.0.0.9
jail -r a b
`,
  );
  t.is(r.err, "");
  t.deepEqual(lines(r.out), ["? (10.0.0.9) at (incomplete) on epair0a expired [ethernet]", "a: removed", "b: removed", ""]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("arp -f: one entry per line, comments and bad lines", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arp-"));
  fs.writeFileSync(path.join(dir, "ethers"), "10.0.0.20 0:0:0:0:0:20\n# a comment\n10.0.0.21 0:0:0:0:0:21 # trailing\nbogus\n\n");
  // Relative names are looked up from the shell's $PWD.
  const r = await run_script(
    `PWD=${dir}\n` +
      TWO_JAILS +
      `jexec a arp -f ethers; echo "status $?"
jexec a arp -f missing; echo "status $?"
jexec a arp -n 10.0.0.20
jexec a arp -n 10.0.0.21
jail -r a b
`,
  );
  t.deepEqual(lines(r.out), [
    "status 1",
    "status 1",
    "? (10.0.0.20) at 00:00:00:00:00:20 on epair0a permanent [ethernet]",
    "? (10.0.0.21) at 00:00:00:00:00:21 on epair0a permanent [ethernet]",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.is(r.err, "arp: bad line: bogus\n\narp: cannot open missing: No such file or directory\n");
  fs.rmSync(dir, { recursive: true });
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("arp: wrong arguments and refused changes give arp.c's messages and statuses", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec a arp; echo "status $?"
jexec a arp -a 10.0.0.2; echo "status $?"
jexec a arp -s 10.0.0.5; echo "status $?"
jexec a arp -s -d 10.0.0.5; echo "status $?"
jexec a arp -x; echo "status $?"
jexec a arp -i epair0a -s 10.0.0.5 0:1:2:3:4:5; echo "status $?"
jexec a arp -i epair9a -a; echo "status $?"
jexec a arp -s 10.0.0.5 zz:1; echo "status $?"
jexec a arp -s 10.0.0.5 0:1:2:3:4:5 bogus; echo "status $?"
jexec a arp -s 10.0.0.5 0:1:2:3:4:5 blackhole reject; echo "status $?"
jexec a arp nosuchhost; echo "status $?"
jexec a arp -s 192.168.7.7 0:1:2:3:4:5; echo "status $?"
jexec a arp -s 10.0.0.1 0:1:2:3:4:5; echo "status $?"
jexec a ifconfig lo0 up
jexec a arp -s 10.0.0.1 0:1:2:3:4:5; echo "status $?"
jexec a arp -d 10.0.0.1; echo "status $?"
jexec a arp -d 10.0.0.99; echo "status $?"
jail -r a b
`,
  );
  t.deepEqual(lines(r.out), [
    "status 1",
    "status 1",
    "status 1",
    "status 1",
    "status 1",
    "status 1",
    "status 1",
    "status 1",
    "status 1",
    "status 1",
    "status 1",
    // arp(8) reports a failed interface lookup with delete's words, status 0.
    "status 0",
    "status 1",
    "status 1",
    "status 1",
    "status 1",
    "a: removed",
    "b: removed",
    "",
  ]);
  t.is(
    r.err,
    USAGE +
      USAGE +
      USAGE +
      USAGE +
      "arp: illegal option -- x\n" +
      USAGE +
      "arp: -i not applicable to this operation\n" +
      "arp: interface epair9a does not exist\n" +
      "arp: invalid Ethernet address 'zz:1'\n" +
      "arp: Invalid parameter 'bogus'\n" +
      USAGE +
      "arp: Choose one of blackhole or reject, not both.\n" +
      "arp: nosuchhost: Unknown host\n" +
      "arp: delete: cannot locate 192.168.7.7\n" +
      // With the jail's lo0 down the route to our own address is not up,
      // so in_lltable_rtcheck refuses the new entry before the kernel
      // finds our own (RTM_ADD and RTM_NEWNEIGH both allocate first).
      "arp: set 10.0.0.1: Cannot allocate memory\n" +
      "arp: set 10.0.0.1: Operation not permitted\n" +
      "arp: delete 10.0.0.1: Operation not permitted\n" +
      "arp: delete 10.0.0.99: No such file or directory\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("arp -s and -d need root (PRIV_NET_ROUTE); -a does not", async (t) => {
  const r = await run_script(`ifconfig epair create >/dev/null\nifconfig epair0a 10.0.0.1/24 up\nifconfig epair0b up\n`);
  const k = r.k;
  const user = k.proc_create(k.crget(1001, k.prison0), "sh");
  let out = "";
  let err = "";
  const io = { stdin: "", stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (err += s) }, env: new Map<string, string>() };
  t.is(await k.exec_prog(user, ["arp", "-s", "10.0.0.5", "0:1:2:3:4:5"], io), 1);
  t.is(await k.exec_prog(user, ["arp", "-d", "10.0.0.1"], io), 1);
  t.is(await k.exec_prog(user, ["arp", "-an"], io), 0);
  k.proc_exit(user);
  t.is(err, "arp: set 10.0.0.5: Operation not permitted\narp: delete 10.0.0.1: Operation not permitted\n");
  t.regex(out, /^\? \(10\.0\.0\.1\) at [0-9a-f:]{17} on epair0a permanent \[ethernet\]\n$/);
  const root = k.proc_create(k.cred0, "sh");
  t.is(await k.exec_prog(root, ["ifconfig", "epair0a", "destroy"], io), 0);
  k.proc_exit(root);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("arp -s and -d speak the routing socket: RTM_GET, then RTM_ADD / RTM_DELETE with RTF_LLDATA and an AF_LINK gateway", async (t) => {
  const r = await run_script(`ifconfig epair create >/dev/null\nifconfig epair0a 10.0.0.1/24 up\nifconfig epair0b up\n`);
  const k = r.k;
  const seen: { type: number; flags: number; index: number; lladdr: string; errno: number }[] = [];
  const saved = k.CURVNET_SET(k.vnet0, "test");
  const l = k.rts_attach((m) => {
    const gw = m.rtm_sa[k.RTAX_GATEWAY];
    seen.push({
      type: m.rtm_type,
      flags: m.rtm_flags & (k.RTF_LLDATA | k.RTF_HOST | k.RTF_STATIC),
      index: gw !== null && "sdl_index" in gw ? gw.sdl_index : 0,
      lladdr: gw !== null && "sdl_lladdr" in gw ? Array.from(gw.sdl_lladdr).join(":") : "",
      errno: m.rtm_errno,
    });
  });
  k.CURVNET_RESTORE(saved);
  const p = k.proc_create(k.cred0, "sh");
  let out = "";
  const io = { stdin: "", stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (out += s) }, env: new Map<string, string>() };
  t.is(await k.exec_prog(p, ["arp", "-s", "10.0.0.5", "0:1:2:3:4:5"], io), 0);
  t.is(await k.exec_prog(p, ["arp", "-d", "10.0.0.5"], io), 0);
  t.is(await k.exec_prog(p, ["arp", "-d", "10.0.0.5"], io), 1);
  k.proc_exit(p);
  const s2 = k.CURVNET_SET(k.vnet0, "test");
  k.rts_detach(l);
  const ifindex = k.ifunit("epair0a")?.if_index ?? -1;
  k.CURVNET_RESTORE(s2);
  const LL = k.RTF_LLDATA | k.RTF_HOST | k.RTF_STATIC;
  // Each RTM_GET is answered with the connected prefix route of epair0a.
  t.deepEqual(
    seen.map((m) => [m.type, m.flags, m.index, m.errno]),
    [
      [k.RTM_GET, 0, ifindex, 0],
      [k.RTM_ADD, LL, ifindex, 0],
      [k.RTM_GET, 0, ifindex, 0],
      [k.RTM_DELETE, k.RTF_LLDATA, ifindex, 0],
      [k.RTM_GET, 0, ifindex, 0],
      [k.RTM_DELETE, k.RTF_LLDATA, ifindex, k.ENOENT],
    ],
  );
  t.is(seen[1].lladdr, "0:1:2:3:4:5");
  t.is(out, "10.0.0.5 (10.0.0.5) deleted\narp: delete 10.0.0.5: No such file or directory\n");
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
