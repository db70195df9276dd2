// The virtnet command: `virtnet run FILE` runs a script of FreeBSD commands
// against a freshly booted simulated kernel, in virtual time, with an
// explicit seed; `--pcap DIR` captures every interface of every vnet as the
// packets go (sbin/virtnet_pcap.ts); `--until SECONDS` ends the run after
// that much virtual time.  The other subcommands live beside it: kernel
// (sbin/virtnet_kernel.ts), shims (sbin/virtnet_shims.ts), atf-run
// (sbin/atf.ts), and bench (bench/run.ts, started by bin/virtnet.mjs).
//
// Ending a run: ^C (SIGINT to the node process) is the terminal's ^C to the
// script's process group: every simulated process gets SIGINT (ping prints
// its statistics), and the shell, which has no trap for it, starts nothing
// more and dies of it when its command is done: status 130.  SIGTERM (and
// SIGHUP) likewise, 143 (129).  A second signal while the first is being
// acted on kills what is left (SIGKILL).  --until is a shutdown in virtual
// time: at the deadline every process gets SIGINT, as from ^C, so that the
// programs that summarize on ^C do; what still runs a second later gets
// SIGTERM, and SIGKILL ten seconds after that, as init does at shutdown;
// the status is 124, as timeout(1) gives.  In every case the captures are
// flushed before the command exits.  A daemon (daemon(3): inetd) left
// running when the script ends gets SIGTERM, as at shutdown: the shell
// waited for its own jobs, so nothing else is left.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { kern_boot, kern_tunables_check } from "../kern/init_main.ts";
import { cred0 } from "../kern/kern_jail.ts";
import { proc_create, proc_exit } from "../kern/uipc_syscalls.ts";
import { callout, callout_init, callout_reset_ns, callout_stop } from "../kern/kern_timeout.ts";
import { SIGHUP, SIGINT, SIGKILL, SIGTERM, pgsignal, sys_kill } from "../kern/kern_sig.ts";
import { sh_from_bytes, sh_shell, sh_to_bytes, type sh_io, type sh_program } from "./sh.ts";
import { sh_options_for } from "./programs.ts";
import { KERNEL_USAGE, virtnet_kernel_main } from "./virtnet_kernel.ts";
import { SHIMS_USAGE, virtnet_shims_main } from "./virtnet_shims.ts";
import { virtnet_atf_main } from "./atf.ts";
import { pcap_spool } from "./virtnet_pcap.ts";
import { imunes_eid, imunes_load, imunes_plan, imunes_plan_text, imunes_warning } from "./imunes.ts";
import { imunes_dot, imunes_render } from "./imunes_graph.ts";

/** sysexits(3) and the shell's statuses the command uses. */
export const EX_USAGE = 64;
export const EX_NOINPUT = 66;
export const EX_UNAVAILABLE = 69;
/** timeout(1)'s status when the time ran out: what --until gives. */
export const VIRTNET_UNTIL_STATUS = 124;

/** After the --until deadline: SIGINT at once, SIGTERM this much later
 *  (virtual ns), SIGKILL VIRTNET_KILL_GRACE_NS after that. */
export const VIRTNET_TERM_GRACE_NS = 1e9;
export const VIRTNET_KILL_GRACE_NS = 10e9;

export interface run_options {
  seed: number;
  pcapdir: string | null;
  /** Script name for messages ($0). */
  name: string;
  stdout: sh_io;
  stderr: sh_io;
  /** Directory redirections are relative to. */
  cwd: string;
  /** Stop after this many seconds of virtual time (null: no limit). */
  until?: number | null;
  /** Act on SIGINT, SIGTERM and SIGHUP sent to this node process (the
   *  command does; a library caller may leave its signals alone). */
  signals?: boolean;
  /** Loader tunables for the boot (checked by the caller). */
  tunables?: Record<string, string>;
  /** After the script, more input for the same shell, a piece at a time
   *  (`virtnet imunes`'s prompt): called with a runner for each piece. */
  more?: (run: (src: string) => Promise<number>) => Promise<number | null>;
}

const NODE_SIGNALS: [NodeJS.Signals, number][] = [
  ["SIGINT", SIGINT],
  ["SIGTERM", SIGTERM],
  ["SIGHUP", SIGHUP],
];

/** Boot, run the script, wait for background jobs, flush the captures.
 *  Resolves with the script's exit status (or that of how it was ended). */
export async function virtnet_run_script(src: string, o: run_options): Promise<number> {
  const spool = o.pcapdir !== null ? new pcap_spool(o.pcapdir, (s) => o.stderr.write(s)) : null;
  // Before the boot, so that what boot attaches (the host's lo0) is
  // captured too.
  spool?.start();
  kern_boot({ seed: o.seed, tunables: o.tunables });
  const root = proc_create(cred0, "sh");

  // The commands the shell started and that still run (background jobs
  // too): a stopped run ends when they have.
  let inflight = 0;
  let stop_status = 0;
  let stop_done: ((status: number) => void) | null = null;
  const stopped = new Promise<number>((resolve) => (stop_done = resolve));
  // Once the run is over, the shell is dead: what it would still do (a
  // builtin after the command that was interrupted) shows nowhere.
  let over = false;
  const settle = (): void => {
    if (stop_status === 0 || inflight !== 0) return;
    over = true;
    stop_done?.(stop_status);
  };
  const sh_stdout: sh_io = { write: (s) => void (over || o.stdout.write(s)) };
  const sh_stderr: sh_io = { write: (s) => void (over || o.stderr.write(s)) };
  const never = new Promise<number>(() => {});
  // The shell is made below; its options' lookup is wrapped so that the run
  // can tell which commands are still running.
  let shell: sh_shell | null = null;
  // A signal the script traps does not end the run: the trap runs and the
  // script goes on, as sh does.
  let trapped = false;
  const base = sh_options_for(root, o.name, o.name !== "sh", o.cwd);
  const run_lookup = (name: string, env?: Map<string, string>, cwd?: string): sh_program | null => {
    const prog = base.lookup(name, env, cwd);
    if (prog === null) return null;
    return async (c) => {
      // The shell got the signal too and dies of it once its command is
      // done: nothing more starts.
      if (stop_status !== 0 && !trapped) return never;
      inflight++;
      try {
        return await prog(c);
      } finally {
        inflight--;
        settle();
      }
    };
  };
  /** A signal to the run: a script that traps it gets it (its foreground
   *  programs too) and goes on; otherwise every simulated process gets it
   *  and the run ends with `status` once the commands have. */
  const stop = (sig: number, status: number): void => {
    if (shell !== null && !trapped && stop_status === 0 && (shell.traps.get(sig) ?? "") !== "") {
      trapped = true;
      shell.signal(sig);
      return;
    }
    if (stop_status !== 0 || trapped) {
      pgsignal(root, SIGKILL);
      return;
    }
    stop_status = status;
    pgsignal(root, sig);
    settle();
  };

  const until = new callout();
  callout_init(until, true);
  if (o.until !== undefined && o.until !== null) {
    const secs = o.until;
    callout_reset_ns(
      until,
      secs * 1e9,
      () => {
        o.stderr.write(`virtnet: stopped after ${secs} s of virtual time (--until)\n`);
        stop(SIGINT, VIRTNET_UNTIL_STATUS);
        callout_reset_ns(
          until,
          VIRTNET_TERM_GRACE_NS,
          () => {
            pgsignal(root, SIGTERM);
            callout_reset_ns(until, VIRTNET_KILL_GRACE_NS, () => pgsignal(root, SIGKILL), null);
          },
          null,
        );
      },
      null,
    );
  }

  const handlers: [NodeJS.Signals, () => void][] = [];
  if (o.signals === true) {
    for (const [name, sig] of NODE_SIGNALS) {
      const h = (): void => stop(sig, 128 + sig);
      handlers.push([name, h]);
      process.on(name, h);
    }
  }

  shell = new sh_shell({
    ...base,
    lookup: run_lookup,
    readFile: (f) => {
      try {
        return sh_from_bytes(fs.readFileSync(path.resolve(o.cwd, f)));
      } catch {
        return null;
      }
    },
    writeFile: (f, data, append) => {
      if (over) return;
      const p = path.resolve(o.cwd, f);
      if (append) fs.appendFileSync(p, sh_to_bytes(data));
      else fs.writeFileSync(p, sh_to_bytes(data));
    },
  });
  shell.import_env(process.env);
  // The simulated system's login shell is its own sh (root's, as in FreeBSD
  // 14), not the host's $SHELL: `jexec a` with no command runs it.
  shell.import_env(new Map([["SHELL", "/bin/sh"]]));
  let status: number;
  try {
    status = await Promise.race([shell.run(src, sh_stdout, sh_stderr), stopped]);
    if (o.more !== undefined && stop_status === 0 && status === 0) {
      const sh = shell;
      const last = await Promise.race([o.more((piece) => sh.run(piece, sh_stdout, sh_stderr)), stopped]);
      if (last !== null) status = last;
    }
    if (stop_status !== 0) status = stop_status;
  } finally {
    callout_stop(until);
    for (const [name, h] of handlers) process.off(name, h);
    sys_kill(root, -1, SIGTERM);
    proc_exit(root);
    spool?.close();
  }
  return status;
}

// ---------------------------------------------------------------------------
// The command line.

/** The version in package.json, read when asked. */
export function virtnet_version(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "virtnet" && typeof pkg.version === "string") return pkg.version;
    } catch {
      /* not here: look further up */
    }
    dir = path.dirname(dir);
  }
  return "unknown";
}

/** What bin/virtnet.mjs provides beyond the kernel bundle. */
export interface virtnet_hooks {
  /** Run the benchmarks (dist/bench.mjs) with these arguments; with
   *  help, write their usage on stdout instead. */
  bench?(args: string[], help: boolean): Promise<number>;
}

const RUN_USAGE = "usage: virtnet run [--seed N] [--pcap DIR] [--until SECONDS] [--tunable NAME=VALUE ...] FILE|-\n";
const IMUNES_USAGE = "usage: virtnet imunes [--seed N] [--eid EID] [--exec 'NODE CMD' ...] [--graph FILE.svg] [--dry-run] [--pcap DIR] [--until SECONDS] [--tunable NAME=VALUE ...] FILE\n";
const BENCH_USAGE = "usage: virtnet bench [--quick] [--only PART[,PART...]] [--out DIR] [--scale-n N[,N...]]\n";

const WHAT: [string, string][] = [
  ["run", "run a script of FreeBSD commands against a freshly booted simulated kernel"],
  ["kernel", "keep a simulated kernel running behind a Unix socket, for the shims"],
  ["shims", "write command shims (ifconfig, jexec, ...) that run in that kernel"],
  ["atf-run", "run a FreeBSD atf-sh test script against a fresh simulated kernel"],
  ["imunes", "load an IMUNES topology (.imn or JSON) and run commands in its nodes"],
  ["bench", "the evaluation: the VIMAGE build against the baseline, with a report"],
  ["help", "show this help, or a subcommand's"],
];

const RUN_HELP =
  "\n" +
  "Runs FILE (or the standard input for -) with the simulator's sh against a\n" +
  "kernel booted for the run, in virtual time: a ping -i 5 takes no real time.\n" +
  "  --seed N         the seed of the run's random numbers (default 0); the same\n" +
  "                   script and seed give the same output and captures\n" +
  "  --pcap DIR       capture every interface of every vnet into\n" +
  "                   DIR/<jail or host>-<ifname>.pcap, written as packets go;\n" +
  "                   an interface that carries nothing leaves no file\n" +
  "  --until SECONDS  stop after SECONDS of virtual time: every process gets\n" +
  "                   SIGINT (ping prints its statistics), SIGTERM 1 s later,\n" +
  "                   SIGKILL 10 s after that; exit status 124\n" +
  "  --tunable NAME=VALUE\n" +
  "                   a loader tunable, as /boot/loader.conf sets it before the\n" +
  "                   kernel starts (repeatable): kern.ipc.nmbclusters=500,\n" +
  "                   kern.ipc.nmbufs=1000, kern.hz=100, any CTLFLAG_TUN sysctl\n" +
  "^C stops the run the same way at once (status 130); SIGTERM: 143.\n" +
  "Exit status: the script's; 64 bad usage, 66 FILE missing.\n";

const KERNEL_HELP =
  "\n" +
  "Boots one simulated kernel and serves commands from the shims on a Unix\n" +
  "socket (default $VIRTNET_SOCKET, else /tmp/virtnet-UID.sock) until SIGINT\n" +
  "or SIGTERM.\n" +
  "  --socket PATH  where to listen\n" +
  "  --seed N       the seed of the kernel's random numbers (default 0)\n" +
  "  --pcap DIR     capture every interface of every vnet while it runs, as\n" +
  "                 `virtnet run --pcap` does\n" +
  "  --host-ifaces  mirror every Ethernet interface of vnet0 as a Linux TAP of\n" +
  "                 the same name in this network namespace, as bpf(4) is for a\n" +
  "                 host program: what the interface sends or receives appears\n" +
  "                 there, and a frame a host program (scapy, tcpdump) sends\n" +
  "                 there leaves by the interface.  Needs root (CAP_NET_ADMIN),\n" +
  "                 /dev/net/tun and socat; run it in a network namespace of its\n" +
  "                 own (unshare -n) to keep the host's network out of it\n" +
  "  --tunable NAME=VALUE  a loader tunable for the boot, as virtnet run takes it\n" +
  "  --kldload MODULE      a module loaded with the kernel (loader.conf's\n" +
  "                 MODULE_load=\"YES\"); both repeatable\n" +
  "A command frame larger than 1 MiB, a standard input larger than 16 MiB,\n" +
  "or a malformed frame drops that client, with one line on stderr.\n";

const SHIMS_HELP =
  "\n" +
  "Writes into DIR one executable per simulated program (ifconfig, jexec,\n" +
  "ping, ...); with DIR first on PATH, a real /bin/sh script drives the kernel\n" +
  "that `virtnet kernel` runs.\n" +
  "  --socket PATH  the kernel's socket when VIRTNET_SOCKET is not set\n";

const IMUNES_HELP =
  "\n" +
  "Boots a kernel and builds the topology of FILE (IMUNES's JSON form or its\n" +
  "older .imn form) as IMUNES does on FreeBSD, by running `imunes -b -e EID\n" +
  "FILE`: each pc, host and router a vnet jail EID-nN with host.hostname set\n" +
  "to its name, interfaces ng_eiface, lanswitch ng_bridge, hub ng_hub, every\n" +
  "link an ng_pipe with its bandwidth, delay, BER and duplicate; routers\n" +
  "forward and get their static routes (croutes4).  What VirtNet cannot\n" +
  "emulate yet (routing protocols, rj45/ext nodes, IPv6) is named in one\n" +
  "warning and the rest runs.  Then:\n" +
  "  --exec 'NODE CMD'  run CMD in node NODE (himage NODE CMD); repeatable,\n" +
  "                     in order; a line starting with himage or vlink runs\n" +
  "                     as it is.  Without --exec, lines are read from the\n" +
  "                     standard input the same way, until end of file\n" +
  "  --graph FILE.svg   draw the topology with graphviz's dot (also without a\n" +
  "                     run: with --dry-run)\n" +
  "  --dry-run          print the commands that would build it, and stop\n" +
  "  --eid EID          the experiment ID (default: i + 4 hex digits from the seed)\n" +
  "  --seed N, --pcap DIR, --until SECONDS, --tunable NAME=VALUE: as for run\n" +
  "In the nodes: himage NODE CMD, vlink -s pc1:router1, vlink -d 20ms pc1:router1.\n" +
  "Exit status: the last command's; 64 bad usage, 65 a bad topology file\n" +
  "(the message names the file, the node or link, and what is wrong), 66 FILE\n" +
  "missing, 69 dot missing for --graph.\n";

const BENCH_HELP = "\n" + "Runs the benchmarks of dist/bench.mjs (what `npm run bench` runs after building).\n";

function sink(): sh_io & { text: string } {
  const s = {
    text: "",
    write(x: string): void {
      s.text += x;
    },
  };
  return s;
}

/** atf-run's usage line, as atf.ts prints it. */
async function atf_usage(): Promise<string> {
  const e = sink();
  await virtnet_atf_main([], sink(), e);
  return e.text;
}

async function usage_all(): Promise<string> {
  const lines = [RUN_USAGE, KERNEL_USAGE, SHIMS_USAGE, await atf_usage(), IMUNES_USAGE, BENCH_USAGE, "usage: virtnet help [SUBCOMMAND]\n", "usage: virtnet --version\n"];
  let s = "";
  for (let i = 0; i < lines.length; i++) s += i === 0 ? lines[i] : lines[i].replace(/^usage:/, "      ");
  s += "\n";
  for (const [n, w] of WHAT) s += `  ${n.padEnd(8)} ${w}\n`;
  return s;
}

function what(cmd: string): string {
  return (WHAT.find(([n]) => n === cmd)?.[1] ?? "") + "\n";
}

/** `virtnet help CMD`, `virtnet CMD --help`: on stdout, status 0. */
async function help(cmd: string | undefined, stdout: sh_io, stderr: sh_io, hooks: virtnet_hooks): Promise<number> {
  switch (cmd) {
    case undefined:
    case "help":
      stdout.write(await usage_all());
      return 0;
    case "run":
      stdout.write(RUN_USAGE + what(cmd) + RUN_HELP);
      return 0;
    case "kernel":
      stdout.write(KERNEL_USAGE + what(cmd) + KERNEL_HELP);
      return 0;
    case "shims":
      stdout.write(SHIMS_USAGE + what(cmd) + SHIMS_HELP);
      return 0;
    case "atf-run":
      stdout.write((await atf_usage()) + what(cmd));
      return 0;
    case "imunes":
      stdout.write(IMUNES_USAGE + what(cmd) + IMUNES_HELP);
      return 0;
    case "bench":
      if (hooks.bench !== undefined) return hooks.bench([], true);
      stdout.write(BENCH_USAGE + what(cmd) + BENCH_HELP);
      return 0;
    default:
      stderr.write(`virtnet: no subcommand named ${cmd}\n`);
      stderr.write(await usage_all());
      return EX_USAGE;
  }
}

const is_help = (a: string | undefined): boolean => a === "--help" || a === "-h";

/** The command line: returns the exit status. */
export async function virtnet_main(argv: string[], stdout: sh_io, stderr: sh_io, readStdin: () => string, hooks: virtnet_hooks = {}): Promise<number> {
  const cmd = argv[0];
  const args = argv.slice(1);
  if (cmd === undefined) {
    stderr.write(await usage_all());
    return EX_USAGE;
  }
  if (is_help(cmd)) return help(undefined, stdout, stderr, hooks);
  if (cmd === "--version" || cmd === "-V") {
    stdout.write(`virtnet ${virtnet_version()}\n`);
    return 0;
  }
  if (cmd === "help") {
    if (args.length > 1) {
      stderr.write(await usage_all());
      return EX_USAGE;
    }
    return help(args[0], stdout, stderr, hooks);
  }
  switch (cmd) {
    case "kernel":
    case "shims":
      if (args.some(is_help)) return help(cmd, stdout, stderr, hooks);
      return cmd === "kernel" ? virtnet_kernel_main(args, stdout, stderr) : virtnet_shims_main(args, stdout, stderr);
    case "atf-run":
      if (is_help(args[0])) return help(cmd, stdout, stderr, hooks);
      return virtnet_atf_main(args, stdout, stderr);
    case "bench":
      if (args.some(is_help)) return help(cmd, stdout, stderr, hooks);
      if (hooks.bench === undefined) {
        stderr.write("virtnet: bench: run it from bin/virtnet.mjs (or `npm run bench`)\n");
        return EX_UNAVAILABLE;
      }
      return hooks.bench(args, false);
    case "run":
      return run_main(args, stdout, stderr, readStdin, hooks);
    case "imunes":
      return imunes_main(args, stdout, stderr, readStdin, hooks);
    default:
      stderr.write(`virtnet: no subcommand named ${cmd}\n`);
      stderr.write(await usage_all());
      return EX_USAGE;
  }
}

async function run_main(argv: string[], stdout: sh_io, stderr: sh_io, readStdin: () => string, hooks: virtnet_hooks): Promise<number> {
  let seed = 0;
  let pcapdir: string | null = null;
  let until: number | null = null;
  let file: string | null = null;
  const tunables: Record<string, string> = {};
  const bad = (msg: string): number => {
    if (msg !== "") stderr.write(`virtnet: ${msg}\n`);
    stderr.write(RUN_USAGE);
    return EX_USAGE;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (file === null && is_help(a)) return help("run", stdout, stderr, hooks);
    if (file === null && a === "--seed") {
      const v = argv[++i];
      if (v === undefined || !/^[0-9]+$/.test(v)) return bad("--seed needs a non-negative integer");
      seed = Number(v);
    } else if (file === null && a === "--pcap") {
      const v = argv[++i];
      if (v === undefined || v === "") return bad("--pcap needs a directory");
      pcapdir = v;
    } else if (file === null && a === "--until") {
      const v = argv[++i];
      if (v === undefined || !/^([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(v) || !(Number(v) > 0)) return bad("--until needs a positive number of seconds");
      until = Number(v);
    } else if (file === null && a === "--tunable") {
      const v = argv[++i];
      const eq = v === undefined ? -1 : v.indexOf("=");
      if (v === undefined || eq <= 0) return bad("--tunable needs NAME=VALUE");
      tunables[v.slice(0, eq)] = v.slice(eq + 1);
    } else if (file === null && a.startsWith("-") && a !== "-") return bad(`unknown option ${a}`);
    else if (file === null) file = a;
    else return bad("");
  }
  if (file === null) return bad("");
  const badtun = kern_tunables_check(tunables);
  if (badtun !== null) {
    stderr.write(`virtnet: loader tunable ${badtun}\n`);
    return EX_USAGE;
  }
  let src: string;
  try {
    src = file === "-" ? readStdin() : fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    stderr.write(`virtnet: ${file}: ${code === "ENOENT" ? "No such file or directory" : code === "EISDIR" ? "Is a directory" : code === "EACCES" ? "Permission denied" : String(e)}\n`);
    return EX_NOINPUT;
  }
  return virtnet_run_script(src, { seed, pcapdir, until, tunables, name: file === "-" ? "sh" : file, stdout, stderr, cwd: process.cwd(), signals: true });
}

function sh_word(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A line of --exec or of the prompt as the shell runs it: `NODE CMD` is
 *  `himage NODE CMD`; himage and vlink lines run as they are. */
export function imunes_line(line: string): string | null {
  const t = line.trim();
  if (t === "" || t.startsWith("#")) return null;
  const first = t.split(/\s+/)[0];
  if (first === "himage" || first === "vlink") return t;
  return `himage ${t}`;
}

async function imunes_main(argv: string[], stdout: sh_io, stderr: sh_io, readStdin: () => string, hooks: virtnet_hooks): Promise<number> {
  let seed = 0;
  let pcapdir: string | null = null;
  let until: number | null = null;
  let file: string | null = null;
  let graph: string | null = null;
  let eid: string | null = null;
  let dry = false;
  const execs: string[] = [];
  const tunables: Record<string, string> = {};
  const bad = (msg: string): number => {
    if (msg !== "") stderr.write(`virtnet: ${msg}\n`);
    stderr.write(IMUNES_USAGE);
    return EX_USAGE;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (is_help(a)) return help("imunes", stdout, stderr, hooks);
    const v = (): string | undefined => argv[++i];
    if (a === "--seed") {
      const x = v();
      if (x === undefined || !/^[0-9]+$/.test(x)) return bad("--seed needs a non-negative integer");
      seed = Number(x);
    } else if (a === "--pcap") {
      const x = v();
      if (x === undefined || x === "") return bad("--pcap needs a directory");
      pcapdir = x;
    } else if (a === "--until") {
      const x = v();
      if (x === undefined || !/^([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(x) || !(Number(x) > 0)) return bad("--until needs a positive number of seconds");
      until = Number(x);
    } else if (a === "--tunable") {
      const x = v();
      const eq = x === undefined ? -1 : x.indexOf("=");
      if (x === undefined || eq <= 0) return bad("--tunable needs NAME=VALUE");
      tunables[x.slice(0, eq)] = x.slice(eq + 1);
    } else if (a === "--exec") {
      const x = v();
      if (x === undefined || imunes_line(x) === null) return bad("--exec needs 'NODE CMD'");
      execs.push(x);
    } else if (a === "--graph") {
      const x = v();
      if (x === undefined || x === "") return bad("--graph needs a file name");
      graph = x;
    } else if (a === "--eid") {
      const x = v();
      if (x === undefined || !/^[A-Za-z0-9_]+$/.test(x)) return bad("--eid needs an experiment ID (letters, digits, _)");
      eid = x;
    } else if (a === "--dry-run") dry = true;
    else if (a.startsWith("-") && a !== "-") return bad(`unknown option ${a}`);
    else if (file === null) file = a;
    else return bad("");
  }
  if (file === null) return bad("");
  const badtun = kern_tunables_check(tunables);
  if (badtun !== null) {
    stderr.write(`virtnet: loader tunable ${badtun}\n`);
    return EX_USAGE;
  }
  // The file is checked before anything boots: a bad one costs nothing.
  const r = imunes_load(file, (f) => fs.readFileSync(f, "utf8"));
  if ("error" in r) {
    stderr.write(`virtnet: ${r.error}\n`);
    return r.status;
  }
  const id = eid ?? imunes_eid(seed);
  if (graph !== null) {
    const why = imunes_render(imunes_dot(r.checked, path.basename(file)), graph);
    if (why !== null) {
      stderr.write(`virtnet: --graph ${graph}: ${why}\n`);
      return EX_UNAVAILABLE;
    }
  }
  if (dry) {
    const w = imunes_warning(r.checked);
    if (w !== null) stderr.write(`virtnet: ${w}\n`);
    stdout.write(imunes_plan_text(imunes_plan(r.checked, id)));
    return 0;
  }
  let script = `imunes -b -e ${id} ${sh_word(path.resolve(file))} || exit $?\n`;
  for (const x of execs) script += `${imunes_line(x) ?? ""}\n`;
  // Without --exec, the standard input, a line at a time (a terminal gets
  // a prompt).
  const more =
    execs.length > 0
      ? undefined
      : async (run: (src: string) => Promise<number>): Promise<number | null> => {
          let last: number | null = null;
          if (process.stdin.isTTY === true) {
            const readline = await import("node:readline");
            const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: `${id}> ` });
            rl.prompt();
            for await (const line of rl) {
              const l = imunes_line(line);
              if (l !== null) last = await run(l + "\n");
              rl.prompt();
            }
            return last;
          }
          for (const line of readStdin().split("\n")) {
            const l = imunes_line(line);
            if (l !== null) last = await run(l + "\n");
          }
          return last;
        };
  return virtnet_run_script(script, { seed, pcapdir, until, tunables, name: "virtnet imunes", stdout, stderr, cwd: process.cwd(), signals: true, more });
}
