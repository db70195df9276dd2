// sbin/virtnet.ts: the command as users meet it: help and exit statuses,
// --version, `run --until`, ^C and SIGTERM on a real `virtnet run`, and
// --pcap captures written while the run goes (sbin/virtnet_pcap.ts).
import test from "ava";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import { TWO_JAILS } from "./prog_helpers.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "bin", "virtnet.mjs");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-cmd-test-"));
test.after.always(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface result {
  out: string;
  err: string;
  status: number;
}

/** virtnet_main in this process, on a fresh kernel. */
async function virtnet(argv: string[], stdin = ""): Promise<result & { k: Kernel }> {
  const k = await loadKernelUnbooted("vimage");
  let out = "";
  let err = "";
  const status = await k.virtnet_main(argv, { write: (s: string) => void (out += s) }, { write: (s: string) => void (err += s) }, () => stdin);
  return { k, out, err, status };
}

/** The real command, bin/virtnet.mjs, in a child process. */
function virtnet_bin(argv: string[]): result {
  const r = spawnSync(process.execPath, [bin, ...argv], { cwd: tmp, encoding: "utf8" });
  return { out: r.stdout, err: r.stderr, status: r.status ?? -1 };
}

function script(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}

/** A pcap savefile's packets, or an error if it is not a whole one. */
function pcap_records(file: string): { dlt: number; lens: number[] } {
  const b = fs.readFileSync(file);
  if (b.length < 24 || b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${file}: not a pcap file`);
  const lens: number[] = [];
  let off = 24;
  while (off < b.length) {
    if (off + 16 > b.length) throw new Error(`${file}: a cut record header at ${off}`);
    const caplen = b.readUInt32LE(off + 8);
    if (off + 16 + caplen > b.length) throw new Error(`${file}: a cut record at ${off}`);
    lens.push(caplen);
    off += 16 + caplen;
  }
  return { dlt: b.readUInt32LE(20), lens };
}

/** After a run: remove its jails (their vnets go, and what they held), then
 *  no mbuf may be left. */
async function no_mbufs_left(k: Kernel): Promise<{ mbufs: number; clusters: number }> {
  const p = k.proc_create(k.cred0, "teardown");
  const sink = { write: () => {} };
  for (const pr of [...k.allprison]) if (pr !== k.prison0) await k.exec_prog(p, ["jail", "-r", pr.pr_name], { stdin: "", stdout: sink, stderr: sink, env: new Map() });
  k.proc_exit(p);
  return k.mbuf_outstanding();
}

const ENDLESS_PING = `${TWO_JAILS}jexec a ping 10.0.0.2
echo "not reached"
`;

// ---------------------------------------------------------------------------
// Help, version, usage.

test("help: --help, -h, help and help SUBCOMMAND print usage on stdout, status 0", async (t) => {
  for (const argv of [["--help"], ["-h"], ["help"]]) {
    const r = await virtnet(argv);
    t.is(r.status, 0, argv.join(" "));
    t.is(r.err, "");
    t.true(r.out.startsWith("usage: virtnet run [--seed N] [--pcap DIR] [--until SECONDS] [--tunable NAME=VALUE ...] FILE|-\n"), argv.join(" "));
    for (const sub of ["kernel", "shims", "atf-run", "bench", "help"]) t.regex(r.out, new RegExp(`\\n {2}${sub} +\\S.*\\n`), `${sub}: one line of what it does`);
    t.regex(r.out, /\n {7}virtnet atf-run \[--seed N\]/);
  }
  for (const sub of ["run", "kernel", "shims", "atf-run", "bench"]) {
    const a = await virtnet(["help", sub]);
    const b = await virtnet([sub, "--help"]);
    const c = await virtnet([sub, "-h"]);
    t.is(a.status, 0, sub);
    t.is(a.err, "", sub);
    t.true(a.out.startsWith(`usage: virtnet ${sub} `), sub);
    t.is(a.out.split("\n")[1].length > 10, true, `${sub}: what it does`);
    t.deepEqual([b.out, b.status, c.out, c.status], [a.out, 0, a.out, 0], sub);
  }
});

test("run --tunable NAME=VALUE: loader tunables for the run's kernel, repeatable; bad ones exit 64 before anything runs", async (t) => {
  const f = script("tun.sh", "sysctl kern.ipc.nmbclusters kern.ipc.nmbufs kern.hz\n");
  const r = await virtnet(["run", "--tunable", "kern.ipc.nmbclusters=500", "--tunable", "kern.ipc.nmbufs=1000", "--tunable", "kern.hz=250", "--tunable", "kern.hz=100", f]);
  t.deepEqual([r.status, r.err], [0, ""]);
  t.is(r.out, "kern.ipc.nmbclusters: 500\nkern.ipc.nmbufs: 1000\nkern.hz: 100\n", "the last kern.hz wins");
  const cases: [string[], string][] = [
    [["--tunable", "kern.nosuch=1"], "virtnet: loader tunable kern.nosuch: not a loader tunable\n"],
    [["--tunable", "kern.hz=soon"], "virtnet: loader tunable kern.hz: invalid value 'soon' (an int expected)\n"],
    [["--tunable", "kern.ipc.nmbufs="], "virtnet: loader tunable kern.ipc.nmbufs: invalid value '' (an int expected)\n"],
    [["--tunable", "kern.hz"], "virtnet: --tunable needs NAME=VALUE\nusage: virtnet run [--seed N] [--pcap DIR] [--until SECONDS] [--tunable NAME=VALUE ...] FILE|-\n"],
    [["--tunable", "=5"], "virtnet: --tunable needs NAME=VALUE\nusage: virtnet run [--seed N] [--pcap DIR] [--until SECONDS] [--tunable NAME=VALUE ...] FILE|-\n"],
    [["--tunable"], "virtnet: --tunable needs NAME=VALUE\nusage: virtnet run [--seed N] [--pcap DIR] [--until SECONDS] [--tunable NAME=VALUE ...] FILE|-\n"],
  ];
  for (const [opts, err] of cases) {
    const b = await virtnet(["run", ...opts, f]);
    t.deepEqual([b.status, b.out, b.err], [64, "", err], opts.join(" "));
    t.false(b.k.kernel_booted(), "no kernel was booted");
  }
  // The real command too.
  const bin_r = virtnet_bin(["run", "--tunable", "kern.ipc.nmbclusters=600", f]);
  t.deepEqual([bin_r.status, bin_r.out.split("\n")[0]], [0, "kern.ipc.nmbclusters: 600"]);
});

test("usage errors: an unknown subcommand or option gives the usage on stderr and 64, a missing file 66", async (t) => {
  const none = await virtnet([]);
  t.is(none.status, 64);
  t.is(none.out, "");
  t.regex(none.err, /^usage: virtnet run /);
  const bad = await virtnet(["frobnicate"]);
  t.is(bad.status, 64);
  t.is(bad.out, "");
  t.regex(bad.err, /^virtnet: no subcommand named frobnicate\nusage: virtnet run /);
  t.is((await virtnet(["help", "frobnicate"])).status, 64);
  const opt = await virtnet(["run", "--frob", "x.sh"]);
  t.deepEqual([opt.status, opt.out], [64, ""]);
  t.is(opt.err, "virtnet: unknown option --frob\nusage: virtnet run [--seed N] [--pcap DIR] [--until SECONDS] [--tunable NAME=VALUE ...] FILE|-\n");
  for (const argv of [["run"], ["run", "--seed"], ["run", "--seed", "-1", "x"], ["run", "--until", "0", "x"], ["run", "--until", "soon", "x"], ["run", "a.sh", "b.sh"], ["kernel", "--frob"], ["shims"]]) {
    const r = await virtnet(argv);
    t.is(r.status, 64, argv.join(" "));
    t.is(r.out, "", argv.join(" "));
    t.regex(r.err, /usage: virtnet /, argv.join(" "));
  }
  const missing = await virtnet(["run", path.join(tmp, "no-such.sh")]);
  t.is(missing.status, 66);
  t.is(missing.err, `virtnet: ${path.join(tmp, "no-such.sh")}: No such file or directory\n`);
});

test("--version: virtnet and package.json's version; the real command agrees", async (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
  const r = await virtnet(["--version"]);
  t.deepEqual([r.out, r.err, r.status], [`virtnet ${pkg.version}\n`, "", 0]);
  const b = virtnet_bin(["--version"]);
  t.deepEqual([b.out, b.status], [`virtnet ${pkg.version}\n`, 0]);
  const h = virtnet_bin(["run", "--help"]);
  t.is(h.status, 0);
  t.regex(h.out, /^usage: virtnet run /);
  const u = virtnet_bin(["nosuch"]);
  t.deepEqual([u.out, u.status], ["", 64]);
});

// ---------------------------------------------------------------------------
// --until.

test("--until: an endless ping ends at the deadline with its statistics; the shell starts nothing more; status 124", async (t) => {
  const f = script("endless.sh", ENDLESS_PING);
  const r = await virtnet(["run", "--until", "10", f]);
  t.is(r.status, 124);
  t.is(r.err, "virtnet: stopped after 10 s of virtual time (--until)\n");
  const lines = r.out.split("\n");
  t.is(lines[0], "PING 10.0.0.2 (10.0.0.2): 56 data bytes");
  // One a second from 0 to 9: the tenth second's ping is not sent.
  t.is(lines.filter((l) => /^64 bytes from 10\.0\.0\.2: icmp_seq=\d+ /.test(l)).length, 10);
  t.true(r.out.endsWith("\n--- 10.0.0.2 ping statistics ---\n10 packets transmitted, 10 packets received, 0.0% packet loss\nround-trip min/avg/max/stddev = 0.000/0.000/0.000/0.000 ms\n"));
  t.false(r.out.includes("not reached"));
  t.is(r.k.nanouptime_ns(), 10e9);
  // Nothing simulated is left running.
  t.deepEqual(
    r.k.allproc.map((p) => p.p_comm),
    [],
  );
  t.deepEqual(await no_mbufs_left(r.k), { mbufs: 0, clusters: 0 });
});

test("--until: tcpdump prints its counts; what ignores SIGINT gets SIGTERM a second later; a script done earlier keeps its status", async (t) => {
  const f = script("td.sh", `${TWO_JAILS}jexec b tcpdump -n -i epair0b
echo "tcpdump: $?"
`);
  const r = await virtnet(["run", "--until", "3", f]);
  t.is(r.status, 124);
  t.is(
    r.err,
    "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on epair0b, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n" +
      "virtnet: stopped after 3 s of virtual time (--until)\n0 packets captured\n0 packets received by filter\n0 packets dropped by kernel\n",
  );
  t.is(r.k.nanouptime_ns(), 3e9);
  t.deepEqual(await no_mbufs_left(r.k), { mbufs: 0, clusters: 0 });

  // A program that catches SIGINT and goes on: SIGTERM ends it at T+1 s.
  const k = await loadKernelUnbooted("vimage");
  k.programs.set("stubborn", async (ctx) => {
    const p = ctx.p as InstanceType<typeof k.proc>;
    let ints = 0;
    k.sys_sigaction(p, k.SIGINT, () => void ints++);
    try {
      for (;;) await k.sys_nanosleep(p, 100e9);
    } finally {
      ctx.stdout.write(`stubborn: ${ints} SIGINT at ${k.nanouptime_ns() / 1e9} s\n`);
    }
  });
  let out = "";
  let err = "";
  const status = await k.virtnet_run_script("stubborn\n", { seed: 0, pcapdir: null, name: "t.sh", stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (err += s) }, cwd: tmp, until: 5 });
  t.is(status, 124);
  t.is(out, "stubborn: 1 SIGINT at 6 s\n");
  t.is(err, "virtnet: stopped after 5 s of virtual time (--until)\n");
  t.is(k.allproc.length, 0);

  const early = await virtnet(["run", "--until", "100", script("early.sh", `${TWO_JAILS}jexec a ping -c 2 10.0.0.2 >/dev/null\nexit 3\n`)]);
  t.deepEqual([early.status, early.err], [3, ""]);
});

// ---------------------------------------------------------------------------
// ^C and SIGTERM on the real command.

/** Start bin/virtnet.mjs run, send `sig` once the first reply is printed. */
function interrupt(argv: string[], sig: NodeJS.Signals): Promise<result> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [bin, "run", ...argv], { cwd: tmp, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let sent = false;
    c.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!sent && /\n64 bytes from /.test(out)) {
        sent = true;
        c.kill(sig);
      }
    });
    c.stderr.on("data", (d: Buffer) => (err += d.toString()));
    c.on("error", reject);
    c.on("close", (code, signal) => resolve({ out, err, status: code ?? 128 + (signal === null ? 0 : os.constants.signals[signal]) }));
  });
}

test("^C: the endless ping prints its statistics, the shell dies of SIGINT: status 130", async (t) => {
  const f = script("endless-int.sh", ENDLESS_PING);
  const r = await interrupt([f], "SIGINT");
  t.is(r.status, 130);
  t.is(r.err, "");
  t.regex(r.out, /^PING 10\.0\.0\.2 \(10\.0\.0\.2\): 56 data bytes\n64 bytes from 10\.0\.0\.2: icmp_seq=0 ttl=64 /);
  t.regex(r.out, /\n\n--- 10\.0\.0\.2 ping statistics ---\n\d+ packets transmitted, \d+ packets received, [\d.]+% packet loss\nround-trip min\/avg\/max\/stddev = [\d./]+ ms\n$/);
  t.false(r.out.includes("not reached"));
});

test("SIGTERM: ping dies without statistics (it does not catch SIGTERM), status 143, the captures are whole", async (t) => {
  const f = script("endless-term.sh", ENDLESS_PING);
  const dir = path.join(tmp, "term-pcap");
  const r = await interrupt(["--pcap", dir, f], "SIGTERM");
  t.is(r.status, 143);
  t.false(r.out.includes("statistics"));
  t.deepEqual(fs.readdirSync(dir).sort(), ["a-epair0a.pcap", "b-epair0b.pcap"]);
  const a = pcap_records(path.join(dir, "a-epair0a.pcap"));
  const b = pcap_records(path.join(dir, "b-epair0b.pcap"));
  t.is(a.dlt, 1);
  // ARP request and reply, then at least the echo request and reply shown.
  t.true(a.lens.length >= 4);
  t.true(b.lens.length >= 4);
});

// ---------------------------------------------------------------------------
// --pcap.

// Byte-for-byte what `virtnet run --seed 42 --pcap` writes.  Pinned when
// captures began to be streamed (they matched the files written whole at the
// end), and re-pinned when ping(8) was rewritten after FreeBSD 14's (its
// echo payload and ICMP id changed), and again when clock_gettime's uptime
// clocks began at 1 s as kern_tc.c's do (ping's timestamps moved a second:
// one payload byte and the checksum of each echo); tests/net/bpf.test.ts checks that the
// streamed bytes are pcap_file's.  Anything that changes the wire shows here.
const PINNED_SCRIPT = `for j in a r b; do jail -c name=$j persist vnet; done
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a; ifconfig epair0b vnet r
ifconfig epair1a vnet r; ifconfig epair1b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec r ifconfig epair0b 10.0.0.254/24 up
jexec r ifconfig epair1a 10.0.1.254/24 up
jexec b ifconfig epair1b 10.0.1.2/24 up
jexec a ifconfig lo0 127.0.0.1/8 up
jexec a route add default 10.0.0.254
jexec b route add default 10.0.1.254
jexec r sysctl net.inet.ip.forwarding=1 >/dev/null
jexec a ping -q -c 3 10.0.1.2
jexec a ping -q -c 2 -s 3000 10.0.1.2
jexec a ping -q -c 1 127.0.0.1
jexec a ping -c 1 -m 1 10.0.1.2
jexec a ping -q -c 40 -i 0.01 -s 1400 10.0.1.2
jexec a ping -q -c 2 -s 9000 127.0.0.1
jexec b ping -q -c 5 -s 6000 10.0.0.1
`;
// Pinned again with IPv6 in the kernel: it draws from the seeded generator
// at boot, so the MACs differ from before (same seed, same bytes still).
// (Each epair file is about 190 KiB: the store buffers are flushed many
// times during the run.)
const PINNED: Record<string, string> = {
  "a-epair0a.pcap": "72fb845634dda004b3ada3dce8068be7baf946ad9e411a2e55115574dfad3031",
  "a-lo0.pcap": "c75f17ccbbd7b172fc7e84d20c25d97df771b62a47cd09e66fc42b5700107061",
  "b-epair1b.pcap": "84d645c6e306c67b78de38b572e8be1585d571c676dbdf66b5743bb343740e36",
  "r-epair0b.pcap": "c1a5fc85a29691353c6854bf808c28a8a2f597eea86f5fd9febec3393b783ea1",
  "r-epair1a.pcap": "73a1f5c485fab96b1fed0188ffe7446e74614309a25c8eebeb9f778908355c27",
};

test("--pcap: same seed, same bytes as before streaming; silent interfaces leave no file", async (t) => {
  const f = script("pinned.sh", PINNED_SCRIPT);
  for (const n of [1, 2]) {
    const dir = path.join(tmp, `pinned-${n}`);
    const r = await virtnet(["run", "--seed", "42", "--pcap", dir, f]);
    t.is(r.status, 0);
    t.deepEqual(fs.readdirSync(dir).sort(), Object.keys(PINNED).sort());
    for (const [file, sha] of Object.entries(PINNED)) t.is(crypto.createHash("sha256").update(fs.readFileSync(path.join(dir, file))).digest("hex"), sha, file);
    t.is(pcap_records(path.join(dir, "a-lo0.pcap")).dlt, 0);
    t.deepEqual(await no_mbufs_left(r.k), { mbufs: 0, clusters: 0 });
  }
});

test("--pcap: a file is there with its records while the run still goes", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  const dir = path.join(tmp, "live-pcap");
  let seen: number[] | null = null;
  // A program of the script looks at the files halfway (the harness's own
  // process is the one writing them).
  k.programs.set("peek", async (ctx) => {
    // The records reach the file within PCAP_FLUSH_MS of real time.
    await new Promise((resolve) => setTimeout(resolve, k.PCAP_FLUSH_MS + 100));
    seen = pcap_records(path.join(dir, "a-epair0a.pcap")).lens;
    ctx.stdout.write("peeked\n");
    return 0;
  });
  let out = "";
  const status = await k.virtnet_run_script(`${TWO_JAILS}jexec a ping -q -c 2 10.0.0.2 >/dev/null\npeek\njexec a ping -q -c 1 10.0.0.2 >/dev/null\n`, {
    seed: 0,
    pcapdir: dir,
    name: "t.sh",
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (out += s) },
    cwd: tmp,
  });
  t.is(status, 0);
  t.is(out, "peeked\n");
  // Gratuitous ARP from both ends, who-has and is-at, two echoes.
  t.deepEqual(seen, [42, 42, 42, 42, 98, 98, 98, 98]);
  t.deepEqual(await no_mbufs_left(k), { mbufs: 0, clusters: 0 });
  t.deepEqual(pcap_records(path.join(dir, "a-epair0a.pcap")).lens, [42, 42, 42, 42, 98, 98, 98, 98, 98, 98]);
});
