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
import { lookup } from "./programs.ts";

export interface run_options {
  seed: number;
  pcapdir: string | null;
  /** Script name for messages ($0). */
  name: string;
  stdout: sh_io;
  stderr: sh_io;
  /** Directory redirections are relative to. */
  cwd: string;
}

/** A name for a vnet in file names: its jail's name, or "host". */
function vnet_label(v: vnet): string {
  if (v === prison0.pr_vnet) return "host";
  const pr = allprison.find((p) => p.pr_vnet === v);
  return pr !== undefined ? pr.pr_name : vnet_name(v);
}

/** Boot, run the script, wait for background jobs, write captures.
 *  Resolves with the script's exit status. */
export async function virtnet_run_script(src: string, o: run_options): Promise<number> {
  kern_boot({ seed: o.seed });
  const captures: { d: bpf_d; file: string }[] = [];
  if (o.pcapdir !== null) {
    const dir = o.pcapdir;
    fs.mkdirSync(dir, { recursive: true });
    const used = new Set<string>();
    const open = (ifp: ifnet) => {
      const d = bpf_open_capture(ifp);
      if (d === null) return;
      let base = `${vnet_label(ifp.if_vnet)}-${ifp.if_xname}`;
      for (let n = 2; used.has(base); n++) base = `${vnet_label(ifp.if_vnet)}-${ifp.if_xname}.${n}`;
      used.add(base);
      captures.push({ d, file: path.join(dir, `${base}.pcap`) });
    };
    bpf_attach_event.push(open);
  }
  const root = proc_create(cred0, "sh");
  const shell = new sh_shell({
    lookup: (n) => lookup(root, n),
    name: o.name,
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
  let status: number;
  try {
    status = await shell.run(src, o.stdout, o.stderr);
  } finally {
    proc_exit(root);
  }
  for (const c of captures) fs.writeFileSync(c.file, pcap_file(c.d));
  return status;
}

const USAGE = "usage: virtnet run [--seed N] [--pcap DIR] FILE|-\n";

/** The command line: returns the exit status. */
export async function virtnet_main(argv: string[], stdout: sh_io, stderr: sh_io, readStdin: () => string): Promise<number> {
  const cmd = argv[0];
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
  return virtnet_run_script(src, { seed, pcapdir, name: file === "-" ? "sh" : file, stdout, stderr, cwd: process.cwd() });
}
