// sbin/virtnet_kernel.ts and sbin/virtnet_shims.ts: a kernel daemon on a
// Unix socket, driven by real /bin/sh scripts through the command shims.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import { needs } from "../helpers/tools.ts";
import { run_captured, type run_result } from "../helpers/spawn.ts";

/** The scripts run under the host's /bin/sh. */
const sh_test = needs("/bin/sh");

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/virtnet.mjs");

type sh_result = run_result;

let k: Kernel;
let tmp: string;
let shims: string;
let socket: string;
let daemon: { close(): Promise<void> } | null = null;
let log = "";

/** Run a script with the real /bin/sh, the shims first on PATH.  Async, so
 *  that this process (which is also the daemon) keeps serving. */
function sh(script: string, env: Record<string, string> = {}): Promise<sh_result> {
  return run_captured("/bin/sh", ["-c", script], { cwd: tmp, env: { ...process.env, PATH: `${shims}:${process.env.PATH ?? "/usr/bin:/bin"}`, VIRTNET_SOCKET: socket, ...env } });
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
jexec a ping -c 3 -i 60 10.0.0.2
jexec a ifconfig -l
`);
  t.is(r.err, "");
  t.is(r.status, 0);
  t.regex(r.out, /^a: created\nb: created\nPING 10\.0\.0\.2 \(10\.0\.0\.2\): 56 data bytes\n64 bytes from 10\.0\.0\.2: icmp_seq=0 ttl=64 time=/);
  t.regex(r.out, /3 packets transmitted, 3 packets received, 0\.0% packet loss\n/);
  t.true(r.out.endsWith("lo0 epair0a\n"));
  // Two minutes of pinging in virtual time take far less in real time,
  // even on a loaded machine.
  t.true(Date.now() - started < 60_000);
});

sh_test.serial("exit statuses and stderr come back as the program left them", async (t) => {
  const r = await sh(`ifconfig nosuch0; echo "ifconfig=$?"
jexec nosuch ifconfig -l; echo "jexec=$?"
jexec a ping -c 1 -t 1 10.0.0.99 >/dev/null; echo "ping=$?"
route; echo "route=$?"
sysctl -n kern.features.vimage; echo "sysctl=$?"
`);
  t.is(r.out, "ifconfig=1\njexec=1\nping=2\nroute=64\n1\nsysctl=0\n");
  t.is(r.err, 'ifconfig: interface nosuch0 does not exist\njexec: jail "nosuch" not found\nroute: usage: route [-j jail] [-46dnqtv] command [[modifiers] args]\n');
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

sh_test.serial("timeout through the shims: nc gets its stdin through it, and the duration is the simulation's, or real time's for a host program", async (t) => {
  // A listener that never answers: nc (no -N) would wait for ever after
  // its input; timeout ends it after 30 s of the clock, which jumps while
  // the command runs in the foreground, so this takes no 30 real seconds.
  const started = Date.now();
  const r = await sh(`jail -c name=ta persist vnet >/dev/null
jail -c name=tb persist vnet >/dev/null
ep=$(ifconfig epair create)
ifconfig $ep vnet ta
ifconfig \${ep%a}b vnet tb
jexec ta ifconfig $ep 10.7.0.1/24 up
jexec tb ifconfig \${ep%a}b 10.7.0.2/24 up
jexec ta nc -l 10.7.0.1 2345 > got.bin < /dev/null &
jexec ta nc -l 10.7.0.1 2346 > got2.bin < /dev/null &
sleep 1
dd if=/dev/zero bs=1024 count=100 2>/dev/null | jexec tb timeout 30 nc 10.7.0.1 2345 >/dev/null; echo "nc=$?"
dd if=/dev/zero bs=1024 count=50 2>/dev/null | timeout -s INT 30 jexec tb nc 10.7.0.1 2346; echo "wrapped=$?"
wait
wc -c < got.bin | tr -d ' '
wc -c < got2.bin | tr -d ' '
jail -r ta tb >/dev/null
`);
  const elapsed = Date.now() - started;
  t.is(r.err, "");
  t.is(r.out, "nc=124\nwrapped=124\n102400\n51200\n");
  t.true(elapsed < 25_000, `took ${elapsed} ms`);
  // A program handed to the host runs in real time: so does its timeout.
  const s0 = Date.now();
  const h = await sh("timeout 2 sleep 30; echo \"sleep=$?\"");
  const took = Date.now() - s0;
  t.is(h.out, "sleep=124\n");
  t.true(took >= 1900 && took < 20_000, `timeout 2 sleep 30 took ${took} ms`);
});

sh_test.serial("nc through the shims: the client's stdin (binary) reaches the network, the listener's stdout the file", async (t) => {
  const bytes = Buffer.alloc(40_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + (i >> 7)) & 0xff;
  fs.writeFileSync(path.join(tmp, "in.bin"), bytes);
  const r = await sh(`jexec a nc -l 10.0.0.1 2345 > out.bin < /dev/null &
sleep 1
jexec b nc -N 10.0.0.1 2345 < in.bin; echo "client=$?"
wait; echo "server=$?"
`);
  t.is(r.err, "");
  t.is(r.out, "client=0\nserver=0\n");
  t.true(fs.readFileSync(path.join(tmp, "out.bin")).equals(bytes));
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

sh_test.serial("a background command keeps real time's pace from its start, however long the shell idled before", async (t) => {
  // ping -t 2 ends after 2 s of the clock.  Started in the background after
  // the shell slept 3 s, it must still take 2 real seconds, not catch up the
  // 3 s the idle clock lags.
  const r = await sh(`jail -c name=pace vnet persist >/dev/null
ep=$(ifconfig epair create)
ifconfig $ep vnet pace
jexec pace ifconfig $ep 10.9.0.1/24 up
sleep 3
s=$(date +%s%N)
jexec pace ping -c 1 -t 2 10.9.0.99 >/dev/null </dev/null; echo "ping=$?"
e=$(date +%s%N)
echo $(( (e - s) / 100000000 ))
jail -r pace
ifconfig \${ep%a}b destroy
`);
  const [status, ds] = r.out.trim().split("\n");
  t.is(status, "ping=2");
  t.true(Number(ds) >= 18, `ping -t 2 took ${Number(ds) / 10} s of real time`);
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

// ---------------------------------------------------------------------------
// Bad clients, many clients, clients that go away.

interface wire_frame {
  type: number;
  payload: Buffer;
}

/** One raw connection: send `frames`, collect what comes back until the
 *  daemon closes, or until `until` says to hang up. */
function raw_client(sockpath: string, frames: Buffer[], until: (f: wire_frame, all: wire_frame[]) => boolean = () => false): Promise<wire_frame[]> {
  return new Promise((resolve) => {
    const got: wire_frame[] = [];
    const rd = new k.frame_reader(Infinity);
    const c = net.createConnection(sockpath);
    c.on("error", () => {});
    c.on("connect", () => {
      for (const f of frames) c.write(f);
    });
    c.on("data", (d: Buffer) => {
      rd.push(d);
      for (let f = rd.next(); f !== null; f = rd.next()) {
        const w = { type: f.type, payload: Buffer.from(f.payload) };
        got.push(w);
        if (until(w, got)) {
          c.destroy();
          resolve(got);
          return;
        }
      }
    });
    c.on("close", () => resolve(got));
  });
}

function cmd(argv: string[], env: Record<string, string> = {}): Buffer {
  return k.frame_encode(k.FRAME_CMD, JSON.stringify({ argv, env, cwd: tmp, background: false }));
}

async function until_true(pred: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return pred();
}

test("frame_reader: frames come out whole however the stream is cut; an oversized header ends it", (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
      (frames, cuts) => {
        const stream = Buffer.concat(frames.map((f) => k.frame_encode(f.type, f.payload)));
        const rd = new k.frame_reader(256);
        const out: { type: number; payload: Uint8Array }[] = [];
        let off = 0;
        for (let i = 0; off < stream.length; i++) {
          const n = cuts[i % cuts.length];
          rd.push(stream.subarray(off, off + n));
          off += n;
          for (let f = rd.next(); f !== null; f = rd.next()) out.push({ type: f.type, payload: new Uint8Array(f.payload) });
        }
        const first_big = frames.findIndex((f) => f.payload.length > 256);
        const want = first_big < 0 ? frames : frames.slice(0, first_big);
        t.deepEqual(out, want.map((f) => ({ type: f.type, payload: new Uint8Array(f.payload) })));
        t.is(rd.error !== null, first_big >= 0);
      },
    ),
    { seed: 1, numRuns: 200 },
  );
  t.is(k.FRAME_MAX, 1024 * 1024);
});

test.serial("4096 zero bytes: the client is dropped with one log line, nothing after the first frame is read", async (t) => {
  log = "";
  const got = await raw_client(socket, [Buffer.alloc(4096)]);
  t.deepEqual(got, []);
  t.is(log, "virtnet kernel: dropping a client that sent an unknown frame type 0\n");
  log = "";
});

test.serial("a command frame of 1 MiB is served; stdin over 16 MiB drops the client and kills the command", async (t) => {
  const big = "x".repeat(k.FRAME_MAX - 200);
  const got = await raw_client(socket, [cmd(["sysctl", "-n", "kern.features.vimage"], { BIG: big })]);
  t.deepEqual(
    got.map((f) => [f.type, f.payload.toString()]),
    [
      [k.FRAME_STDOUT, "1\n"],
      [k.FRAME_EXIT, JSON.stringify({ status: 0 })],
    ],
  );
  t.is(log, "");
  const chunk = k.frame_encode(k.FRAME_STDIN, Buffer.alloc(k.FRAME_MAX));
  const flood = [cmd(["ifconfig", "-"]), ...Array.from({ length: 17 }, () => chunk)];
  const r = await raw_client(socket, flood);
  t.deepEqual(
    r.map((f) => f.type),
    [k.FRAME_NEED_STDIN],
  );
  t.is(log, `virtnet kernel: dropping a client that sent more than ${k.STDIN_MAX} bytes of standard input\n`);
  t.true(await until_true(() => k.allproc.length === 0));
  log = "";
});

test.serial("a client that hangs up mid-command leaves no process behind, simulated or handed to the host", async (t) => {
  const ping = await raw_client(socket, [cmd(["jexec", "a", "ping", "10.0.0.2"])], (f) => f.type === k.FRAME_STDOUT && f.payload.toString().includes("bytes from"));
  t.true(ping.some((f) => f.payload.toString().includes("64 bytes from 10.0.0.2")));
  t.true(await until_true(() => k.allproc.length === 0), "the ping is gone");
  const handed = await raw_client(socket, [cmd(["jexec", "a", "sh", "-c", "sleep 100"])], (f) => f.type === k.FRAME_EXEC);
  t.deepEqual(JSON.parse(handed[handed.length - 1].payload.toString()), { id: 1, argv: ["sh", "-c", "sleep 100"], jail: "1", fib: "0" });
  t.true(await until_true(() => k.allproc.length === 0), "jexec and its stand-in are gone");
  t.is(log, "");
});

test.serial("50 shims at once all get their answers", async (t) => {
  const r = await sh(`i=0
while [ $i -lt 50 ]; do
  if [ $((i % 2)) -eq 0 ]; then sysctl -n kern.features.vimage >out.$i 2>&1 & else jexec a ifconfig -l >out.$i 2>&1 & fi
  i=$((i + 1))
done
wait
i=0
while [ $i -lt 50 ]; do cat out.$i; i=$((i + 1)); done
`);
  t.is(r.err, "");
  t.is(r.out, Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? "1\n" : "lo0 epair0a\n")).join(""));
  t.is(k.allproc.length, 0);
  t.is(log, "");
});

/** VmRSS of a process, in bytes. */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? 0 : Number(m[1]) * 1024;
}

function host_children(pid: number): number[] {
  const out: number[] = [];
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const c = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
    if (c !== "") out.push(...c.split(/\s+/).map(Number));
  }
  return out;
}

/** Alive and not a zombie. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

test.serial("a daemon of its own (virtnet kernel --pcap): a 4 GB frame costs no memory; captures and host children at SIGTERM", async (t) => {
  if (!fs.existsSync("/proc/self/status")) return t.pass("needs Linux's /proc");
  const sock2 = path.join(tmp, "k2.sock");
  const pcaps = path.join(tmp, "k2-pcap");
  const d: ChildProcess = spawn(process.execPath, [bin, "kernel", "--socket", sock2, "--seed", "3", "--pcap", pcaps], { stdio: ["ignore", "pipe", "pipe"] });
  let dout = "";
  let derr = "";
  d.stdout?.on("data", (b: Buffer) => (dout += b.toString()));
  d.stderr?.on("data", (b: Buffer) => (derr += b.toString()));
  const exited = new Promise<number | null>((resolve) => d.on("close", (code) => resolve(code)));
  try {
    t.true(await until_true(() => dout.includes("listening")), dout + derr);
    t.is(dout, `virtnet kernel: listening on ${sock2} (seed 3), capturing into ${pcaps}\n`);
    const pid = d.pid ?? 0;

    // A client that claims a 4 GB frame and starts sending it.
    const before = rss(pid);
    await new Promise<void>((resolve) => {
      const c = net.createConnection(sock2);
      c.on("error", () => resolve());
      c.on("close", () => resolve());
      c.on("connect", () => {
        const hdr = Buffer.from([k.FRAME_CMD, 0xff, 0xff, 0xff, 0xff]);
        c.write(hdr);
        const mb = Buffer.alloc(1024 * 1024, 0x41);
        for (let i = 0; i < 128; i++) c.write(mb);
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    t.true(rss(pid) - before < 32 * 1024 * 1024, `RSS grew by ${rss(pid) - before}`);
    t.is(derr, "virtnet kernel: dropping a client that sent a frame of 4294967295 bytes (more than 1048576)\n");

    // Traffic, then a host command in flight when the daemon is told to stop.
    const r = await sh(`${"jail -c name=a persist vnet >/dev/null\njail -c name=b persist vnet >/dev/null\nifconfig epair create >/dev/null\nifconfig epair0a vnet a\nifconfig epair0b vnet b\n"}jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
jexec a ping -c 2 10.0.0.2 >/dev/null; echo "ping=$?"
`, { VIRTNET_SOCKET: sock2 });
    t.is(r.out, "ping=0\n");
    const shim = spawn(path.join(shims, "jexec"), ["a", "sh", "-c", "sleep 30; echo not reached"], { env: { ...process.env, VIRTNET_SOCKET: sock2 }, stdio: ["pipe", "pipe", "pipe"] });
    let shim_err = "";
    shim.stderr.on("data", (b: Buffer) => (shim_err += b.toString()));
    const shim_done = new Promise<number | null>((resolve) => shim.on("close", (code) => resolve(code)));
    t.true(await until_true(() => host_children(shim.pid ?? 0).length > 0), "the shim runs sh on the host");
    const [host_sh] = host_children(shim.pid ?? 0);
    t.true(await until_true(() => host_children(host_sh).length > 0), "the host's sh runs sleep");
    const [host_sleep] = host_children(host_sh);
    d.kill("SIGTERM");
    t.is(await exited, 0);
    t.is(await shim_done, 70);
    t.is(shim_err, "jexec: lost the connection to the VirtNet kernel\n");
    t.true(await until_true(() => !running(host_sh) && !running(host_sleep)), "the host's sh and its sleep were killed with the shim");

    t.deepEqual(fs.readdirSync(pcaps).sort(), ["a-epair0a.pcap", "b-epair0b.pcap"]);
    for (const f of fs.readdirSync(pcaps)) {
      const b = fs.readFileSync(path.join(pcaps, f));
      t.is(b.readUInt32LE(0), 0xa1b2c3d4);
      let off = 24;
      let n = 0;
      while (off + 16 <= b.length) {
        off += 16 + b.readUInt32LE(off + 8);
        n++;
      }
      t.is(off, b.length, `${f}: whole records`);
      // Who-has and is-at, two echo requests and replies (and the
      // gratuitous ARPs each end saw).
      t.true(n >= 6, `${f}: ${n} packets`);
    }
  } finally {
    if (d.exitCode === null) d.kill("SIGKILL");
  }
});
