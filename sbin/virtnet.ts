// The virtnet command: `virtnet run FILE` runs a script of FreeBSD commands
// against a freshly booted simulated kernel, in virtual time, with an
// explicit seed; `--pcap DIR` captures every interface of every vnet.

import fs from "node:fs";
import path from "node:path";
import { kern_boot } from "../kern/init_main.ts";
import { cred0, allprison, prison0 } from "../kern/kern_jail.ts";
import { proc_create, proc_exit } from "../kern/uipc_syscalls.ts";
import { bpf_attach_event, bpf_open_capture, pcap_file, type bpf_d } from "../net/bpf.ts";
import type { ifnet } from "../net/if.ts";
import { vnet_name, type vnet } from "../net/vnet.ts";
import { sh_shell, type sh_io } from "./sh.ts";
import { sh_options_for } from "./programs.ts";
import { virtnet_kernel_main } from "./virtnet_kernel.ts";
import { virtnet_shims_main } from "./virtnet_shims.ts";
import { virtnet_atf_main } from "./atf.ts";

export interface run_options {
  seed: number;
  pcapdir: string | null;
  /** Script name for messages ($0). */
  name: string;
  stdout: sh_io;
  stderr: sh_io;
  /** Directory redirections are relative to. */
  cwd: string;
  /** Take the process's SIGINT, SIGTERM and SIGHUP for the script (the command line does). */
  signals?: boolean;
}

/**
 * Names for vnets in file names: the jail's name, or "host".  A jail's lo0
 * attaches while its vnet is being made, before the prison points at it, so
 * names are learnt whenever an interface attaches and once more at the end,
 * and given to the files only when they are written.
 */
function vnet_labels_learn(labels: Map<vnet, string>): void {
  labels.set(prison0.pr_vnet, "host");
  for (const pr of allprison) if (pr.pr_vnet !== prison0.pr_vnet && !labels.has(pr.pr_vnet)) labels.set(pr.pr_vnet, pr.pr_name);
}

/** Boot, run the script, wait for background jobs, write captures.
 *  Resolves with the script's exit status. */
export async function virtnet_run_script(src: string, o: run_options): Promise<number> {
  const captures: { d: bpf_d; v: vnet; ifname: string }[] = [];
  const labels = new Map<vnet, string>();
  if (o.pcapdir !== null) {
    fs.mkdirSync(o.pcapdir, { recursive: true });
    bpf_attach_event.push((ifp: ifnet) => {
      vnet_labels_learn(labels);
      const d = bpf_open_capture(ifp);
      if (d !== null) captures.push({ d, v: ifp.if_vnet, ifname: ifp.if_xname });
    });
  }
  // After the capture hook, so that what boot attaches (the host's lo0) is
  // captured too.
  kern_boot({ seed: o.seed });
  const root = proc_create(cred0, "sh");
  const shell = new sh_shell({
    ...sh_options_for(root, o.name, o.name !== "sh", o.cwd),
    readFile: (f) => {
      try {
        return fs.readFileSync(path.resolve(o.cwd, f), "utf8");
      } catch {
        return null;
      }
    },
    writeFile: (f, data, append) => {
      const p = path.resolve(o.cwd, f);
      if (append) fs.appendFileSync(p, data);
      else fs.writeFileSync(p, data);
    },
  });
  shell.import_env(process.env);
  // ^C, kill: to the script's foreground programs and its shell; a second
  // one while the first is still being handled ends virtnet at once.
  const caught = new Set<string>();
  const onsig = (name: "SIGINT" | "SIGTERM" | "SIGHUP", num: number) => () => {
    if (caught.has(name)) process.exit(128 + num);
    caught.add(name);
    shell.signal(num);
  };
  const handlers = [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]].map(([name, num]) => {
    const h = onsig(name as "SIGINT" | "SIGTERM" | "SIGHUP", num as number);
    if (o.signals === true) process.on(name as NodeJS.Signals, h);
    return [name as NodeJS.Signals, h] as const;
  });
  let status: number;
  try {
    status = await shell.run(src, o.stdout, o.stderr);
  } finally {
    for (const [name, h] of handlers) process.off(name, h);
    proc_exit(root);
  }
  if (o.pcapdir !== null) {
    vnet_labels_learn(labels);
    const used = new Set<string>();
    for (const c of captures) {
      const label = labels.get(c.v) ?? vnet_name(c.v);
      let base = `${label}-${c.ifname}`;
      for (let n = 2; used.has(base); n++) base = `${label}-${c.ifname}.${n}`;
      used.add(base);
      fs.writeFileSync(path.join(o.pcapdir, `${base}.pcap`), pcap_file(c.d));
    }
  }
  return status;
}

const USAGE =
  "usage: virtnet run [--seed N] [--pcap DIR] FILE|-\n" +
  "       virtnet kernel [--socket PATH] [--seed N]\n" +
  "       virtnet shims [--socket PATH] DIR\n" +
  "       virtnet atf-run [--seed N] [-v] [--keep] [--var NAME=VALUE]... SCRIPT [CASE ...]\n";

/** The command line: returns the exit status. */
export async function virtnet_main(argv: string[], stdout: sh_io, stderr: sh_io, readStdin: () => string): Promise<number> {
  const cmd = argv[0];
  if (cmd === "kernel") return virtnet_kernel_main(argv.slice(1), stdout, stderr);
  if (cmd === "shims") return virtnet_shims_main(argv.slice(1), stdout, stderr);
  if (cmd === "atf-run") return virtnet_atf_main(argv.slice(1), stdout, stderr);
  if (cmd !== "run") {
    stderr.write(USAGE);
    return 64;
  }
  let seed = 0;
  let pcapdir: string | null = null;
  let file: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--seed") {
      const v = argv[++i];
      if (v === undefined || !/^[0-9]+$/.test(v)) {
        stderr.write(`virtnet: --seed needs a non-negative integer\n`);
        return 64;
      }
      seed = Number(v);
    } else if (a === "--pcap") {
      const v = argv[++i];
      if (v === undefined) {
        stderr.write(`virtnet: --pcap needs a directory\n`);
        return 64;
      }
      pcapdir = v;
    } else if (file === null) file = a;
    else {
      stderr.write(USAGE);
      return 64;
    }
  }
  if (file === null) {
    stderr.write(USAGE);
    return 64;
  }
  let src: string;
  try {
    src = file === "-" ? readStdin() : fs.readFileSync(file, "utf8");
  } catch (e) {
    stderr.write(`virtnet: ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : String(e)}\n`);
    return 66;
  }
  return virtnet_run_script(src, { seed, pcapdir, name: file === "-" ? "sh" : file, stdout, stderr, cwd: process.cwd(), signals: true });
}
