// sbin/dmesg/dmesg.c: dmesg(8), the kernel message buffer through the
// kern.msgbuf sysctl; -c clears it afterwards (kern.msgbuf_clear).  With
// -M it reads a crash dump through kvm_open(3) instead, with -N's kernel
// (default the boot file): the files are the host's, and kvm's complaints
// about them are FreeBSD's ("dmesg: FILE: No such file or directory").
// The simulator writes no crash dumps, so a dump that opens is still one
// kvm cannot make sense of.

import fs from "node:fs";
import path from "node:path";
import { strerror } from "../kern/errno.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { getopt, prog_exit, prog_run, type prog_ctx } from "./libc.ts";

function usage(ctx: prog_ctx): never {
  ctx.stderr.write("usage: dmesg [-ac] [-M core [-N system]]\n");
  throw new prog_exit(1);
}

export async function dmesg_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const { opts, optind } = getopt(ctx, "acM:N:", () => usage(ctx));
    if (optind !== ctx.argv.length) usage(ctx);
    const clear = opts.some(([c]) => c === "c");
    let memf: string | null = null;
    let nlistf: string | null = null;
    for (const [c, arg] of opts) {
      if (c === "M") memf = arg;
      else if (c === "N") nlistf = arg;
    }
    // Without -M, -N has nothing to name symbols for: dmesg ignores it.
    if (memf !== null) {
      kvm_open(ctx, nlistf ?? "/boot/kernel/kernel", memf);
      throw new prog_exit(1);
    }
    const r = sysctlbyname(ctx.p, "kern.msgbuf");
    if (r.error !== 0 || typeof r.value !== "string") {
      ctx.stderr.write(`dmesg: sysctl kern.msgbuf: ${strerror(r.error)}\n`);
      throw new prog_exit(1);
    }
    // Each line as it was logged; a last line cut short gets its newline.
    let text = r.value;
    if (text !== "" && !text.endsWith("\n")) text += "\n";
    ctx.stdout.write(text);
    if (clear) {
      const w = sysctlbyname(ctx.p, "kern.msgbuf_clear", 1);
      if (w.error !== 0) {
        ctx.stderr.write(`dmesg: sysctl kern.msgbuf_clear: ${strerror(w.error)}\n`);
        throw new prog_exit(1);
      }
    }
    return 0;
  });
}

/**
 * kvm_open(3) as dmesg calls it, with "dmesg" for its messages: the core
 * must open and not be empty, then the kernel file must open.  Prints what
 * went wrong, kvm's way (_kvm_syserr: "dmesg: WHAT: strerror").
 */
function kvm_open(ctx: prog_ctx, uf: string, mf: string): void {
  const syserr = (what: string, code: string | undefined): void => {
    const msg = code === "ENOENT" ? "No such file or directory" : code === "EACCES" ? "Permission denied" : code === "EISDIR" ? "Is a directory" : code === "ENOTDIR" ? "Not a directory" : "Input/output error";
    ctx.stderr.write(`dmesg: ${what}: ${msg}\n`);
  };
  const at = (f: string): string => path.resolve(ctx.cwd ?? process.cwd(), f);
  let st: fs.Stats;
  try {
    fs.accessSync(at(mf), fs.constants.R_OK);
    st = fs.statSync(at(mf));
  } catch (e) {
    syserr(mf, (e as NodeJS.ErrnoException).code);
    return;
  }
  if (st.isFile() && st.size <= 0) {
    ctx.stderr.write("dmesg: empty file: Invalid argument\n");
    return;
  }
  try {
    fs.accessSync(at(uf), fs.constants.R_OK);
  } catch (e) {
    syserr(uf, (e as NodeJS.ErrnoException).code);
    return;
  }
  // No crash dump format is known here (kvm finds no implementation).
  ctx.stderr.write(`dmesg: ${mf}: invalid core\n`);
}
