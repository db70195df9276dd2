// sbin/virtnet_kernel.ts and sbin/virtnet_shims.ts: a kernel daemon on a
// Unix socket, driven by real /bin/sh scripts through the command shims.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import { needs } from "../helpers/tools.ts";

/** The scripts run under the host's /bin/sh. */
const sh_test = needs("/bin/sh");

interface sh_result {
  out: string;
  err: string;
  status: number | null;
}

let k: Kernel;
let tmp: string;
let shims: string;
let socket: string;
let daemon: { close(): Promise<void> } | null = null;
let log = "";

/** Run a script with the real /bin/sh, the shims first on PATH.  Async, so
 *  that this process (which is also the daemon) keeps serving. */
function sh(script: string, env: Record<string, string> = {}): Promise<sh_result> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", script], {
      cwd: tmp,
      env: { ...process.env, PATH: `${shims}:${process.env.PATH ?? "/usr/bin:/bin"}`, VIRTNET_SOCKET: socket, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin.end();
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ out, err, status }));
  });
}

test.before(async () => {
  k = await loadKernelUnbooted("vimage");
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-daemon-test-"));
  socket = path.join(tmp, "kernel.sock");
  shims = path.join(tmp, "bin");
  daemon = await k.virtnet_kernel_listen({ socket, seed: 0, log: (s: string) => void (log += s) });
  k.virtnet_write_shims(shims, { socket });
});

test.after.always(async () => {
  if (daemon !== null) await daemon.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test.serial("the shims: one executable per program, a /bin/sh wrapper around the client", (t) => {
  for (const n of ["arp", "ifconfig", "jail", "jexec", "jls", "netstat", "ping", "route", "setfib", "sysctl", "tcpdump"]) {
    const f = path.join(shims, n);
    t.true(fs.existsSync(f), n);
    t.true((fs.statSync(f).mode & 0o111) !== 0, `${n} is executable`);
    t.true(fs.readFileSync(f, "utf8").startsWith("#!/bin/sh\n"), n);
  }
  t.false(fs.existsSync(path.join(shims, "sh")), "the host's /bin/sh is never shadowed");
  t.true(fs.existsSync(path.join(shims, ".virtnet-shim.mjs")));
});

sh_test.serial("two jails over an epair: a real /bin/sh script pings across in virtual time", async (t) => {
  const started = Date.now();
  const r = await sh(`set -e
jail -c name=a persist vnet
jail -c name=b persist vnet
ep=$(ifconfig epair create)
ifconfig \${ep} vnet a
ifconfig \${ep%a}b vnet b
jexec a ifconfig \${ep} 10.0.0.1/24 up
jexec b ifconfig \${ep%a}b 10.0.0.2/24 up
jexec a ping -c 3 -i 5 10.0.0.2
jexec a ifconfig -l
`);
  t.is(r.err, "");
  t.is(r.status, 0);
  t.regex(r.out, /^a: created\nb: created\nPING 10\.0\.0\.2 \(10\.0\.0\.2\): 56 data bytes\n64 bytes from 10\.0\.0\.2: icmp_seq=0 ttl=64 time=/);
  t.regex(r.out, /3 packets transmitted, 3 packets received, 0\.0% packet loss\n/);
  t.true(r.out.endsWith("lo0 epair0a\n"));
  // Ten seconds of pinging in virtual time take far less in real time.
  t.true(Date.now() - started < 10_000);
});

sh_test.serial("exit statuses and stderr come back as the program left them", async (t) => {
  const r = await sh(`ifconfig nosuch0; echo "ifconfig=$?"
jexec nosuch ifconfig -l; echo "jexec=$?"
jexec a ping -c 1 -t 1 10.0.0.99 >/dev/null; echo "ping=$?"
route; echo "route=$?"
sysctl -n kern.features.vimage; echo "sysctl=$?"
`);
  t.is(r.out, "ifconfig=1\njexec=1\nping=2\nroute=64\n1\nsysctl=0\n");
  t.is(r.err, 'ifconfig: interface nosuch0 does not exist\njexec: jail "nosuch" not found\nusage: route [-j jail] [-46dnqtv] command [[modifiers] args]\n');
});

sh_test.serial("jexec: the jail is inherited by what it runs, simulated or on the host", async (t) => {
  const r = await sh(`jexec a ifconfig -l
jexec b sh -c 'ifconfig -l; echo "jail=$VIRTNET_JAIL"; sysctl -n security.jail.jailed'
jexec a sh -c 'exit 3'; echo "sh=$?"
ifconfig -l
`);
  t.is(r.err, "");
  t.is(r.out, "lo0 epair0a\nlo0 epair0b\njail=2\n1\nsh=3\nlo0\n");
});

sh_test.serial("a background ping ends with SIGTERM from the shell, or killall in its jail", async (t) => {
  const r = await sh(`jexec a ping 10.0.0.2 >ping1.out &
p=$!
sleep 2
kill $p
wait $p; echo "kill=$?"
jexec a ping 10.0.0.2 >ping2.out &
p=$!
sleep 2
jexec a killall ping; echo "killall=$?"
wait $p; echo "wait=$?"
jexec b killall ping; echo "none=$?"
`);
  t.is(r.out, "kill=143\nkillall=0\nwait=143\nnone=1\n");
  t.is(r.err, "No matching processes were found\n");
  for (const f of ["ping1.out", "ping2.out"]) {
    const text = fs.readFileSync(path.join(tmp, f), "utf8");
    t.regex(text, /^PING 10\.0\.0\.2 \(10\.0\.0\.2\): 56 data bytes\n64 bytes from 10\.0\.0\.2: icmp_seq=0 /, f);
  }
  // Nothing simulated is left running.
  const jls = await sh("jexec a killall -s ping; echo $?");
  t.is(jls.out, "1\n");
});

sh_test.serial("commands overlap: a background tcpdump sees the ping that runs meanwhile", async (t) => {
  const r = await sh(`jexec b tcpdump -n -c 2 -i epair0b >td.out 2>td.err &
p=$!
sleep 1
jexec a ping -c 1 10.0.0.2 >/dev/null; echo "ping=$?"
wait $p; echo "tcpdump=$?"
`);
  t.is(r.out, "ping=0\ntcpdump=0\n");
  const lines = fs.readFileSync(path.join(tmp, "td.out"), "utf8").split("\n");
  t.regex(lines[0], /IP 10\.0\.0\.1 > 10\.0\.0\.2: ICMP echo request/);
  t.regex(lines[1], /IP 10\.0\.0\.2 > 10\.0\.0\.1: ICMP echo reply/);
  t.regex(fs.readFileSync(path.join(tmp, "td.err"), "utf8"), /2 packets captured\n/);
});

sh_test.serial("commands in a while-read loop leave the loop's input alone", async (t) => {
  const r = await sh(`printf 'one\\ntwo\\n' | while read x; do jexec a ifconfig -l >/dev/null; echo "got $x"; done`);
  t.is(r.out, "got one\ngot two\n");
});

sh_test.serial("jail -r ends what still runs in the jail (SIGKILL), then the jail goes", async (t) => {
  const r = await sh(`jail -c name=c persist vnet >/dev/null
jexec c ifconfig lo0 127.0.0.1/8 up
jexec c ping 127.0.0.1 >/dev/null &
p=$!
sleep 1
jail -r c
wait $p; echo "ping=$?"
jls -n name
`);
  t.is(r.out, "ping=137\nname=a\nname=b\n");
  t.is(r.err, "");
});

test.serial("the wire: a program that reads '-' gets the client's stdin when it asks", async (t) => {
  const net = await import("node:net");
  const frames: { type: number; payload: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const c = net.createConnection(socket);
    const rd = new k.frame_reader();
    c.on("error", reject);
    c.on("connect", () => {
      c.write(k.frame_encode(k.FRAME_CMD, JSON.stringify({ argv: ["ifconfig", "-"], env: {}, cwd: tmp, background: false })));
    });
    c.on("data", (d: Buffer) => {
      rd.push(d);
      for (let f = rd.next(); f !== null; f = rd.next()) {
        frames.push({ type: f.type, payload: f.payload.toString() });
        if (f.type === k.FRAME_NEED_STDIN) {
          c.write(k.frame_encode(k.FRAME_STDIN, "ignored\n"));
          c.write(k.frame_encode(k.FRAME_STDIN_EOF, ""));
        }
      }
    });
    c.on("close", () => resolve());
  });
  t.deepEqual(frames, [
    { type: k.FRAME_NEED_STDIN, payload: "" },
    { type: k.FRAME_STDERR, payload: "ifconfig: interface - does not exist\n" },
    { type: k.FRAME_EXIT, payload: JSON.stringify({ status: 1 }) },
  ]);
});

sh_test.serial("a client that cannot reach a kernel says so", async (t) => {
  const r = await sh("ifconfig -l; echo $?", { VIRTNET_SOCKET: path.join(tmp, "nothing.sock") });
  t.is(r.out, "69\n");
  t.regex(r.err, /^ifconfig: cannot reach the VirtNet kernel at .*nothing\.sock: ENOENT\n/);
  t.is(log, "");
});
