// sbin/kldload/kldload.c: kldload(8), kldload(2) for each file or module
// named.  -n: what is loaded already (EEXIST) is no error.  (kldload.c's
// check of a "name.ko" in the current directory against kern.module_path
// has nothing to look at here: the simulated system has no file system.)

import { EEXIST, ENOEXEC } from "../kern/errno.ts";
import { sys_kldload } from "../kern/kern_linker.ts";
import { getopt, prog_exit, prog_run, warn, warnx, type prog_ctx } from "./libc.ts";

function usage(ctx: prog_ctx): never {
  ctx.stderr.write("usage: kldload [-nqv] file ...\n");
  throw new prog_exit(1);
}

export async function kldload_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const { opts, optind } = getopt(ctx, "nqv", () => usage(ctx));
    let verbose = false;
    let check_loaded = false;
    for (const [c] of opts) {
      if (c === "q") verbose = false;
      else if (c === "v") verbose = true;
      else if (c === "n") check_loaded = true;
    }
    const files = ctx.argv.slice(optind);
    if (files.length === 0) usage(ctx);
    let errors = 0;
    for (const f of files) {
      const r = sys_kldload(ctx.p, f);
      if (r.error === 0) {
        if (verbose) ctx.stdout.write(`Loaded ${f}, id=${r.fileid}\n`);
        continue;
      }
      if (check_loaded && r.error === EEXIST) {
        if (verbose) ctx.stdout.write(`${f} is already loaded\n`);
        continue;
      }
      if (r.error === EEXIST) warnx(ctx, `can't load ${f}: module already loaded or in kernel`);
      else if (r.error === ENOEXEC) warnx(ctx, "an error occurred while loading the module. Please check dmesg(8) for more details.");
      else warn(ctx, `can't load ${f}`, r.error);
      errors++;
    }
    return errors > 0 ? 1 : 0;
  });
}
