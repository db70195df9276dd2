// sbin/kldunload/kldunload.c: kldunload(8), kldunloadf(2) for each file
// named (or, with -i, each file id).  -f forces (no MOD_QUIESCE); -n is
// accepted and does nothing, as in FreeBSD.

import { LINKER_UNLOAD_FORCE, LINKER_UNLOAD_NORMAL, sys_kldfind, sys_kldstat, sys_kldunloadf } from "../kern/kern_linker.ts";
import { atoi, err, errx, getopt, prog_exit, prog_run, type prog_ctx } from "./libc.ts";

/** sysexits.h */
const EX_USAGE = 64;

function usage(ctx: prog_ctx): never {
  ctx.stderr.write("usage: kldunload [-fv] -i id ...\n       kldunload [-fv] [-n] name ...\n");
  throw new prog_exit(EX_USAGE);
}

export async function kldunload_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const { opts, optind } = getopt(ctx, "finv", () => usage(ctx));
    const byid = opts.some(([c]) => c === "i");
    const verbose = opts.some(([c]) => c === "v");
    const force = opts.some(([c]) => c === "f");
    const names = ctx.argv.slice(optind);
    if (names.length === 0) usage(ctx);
    for (const name of names) {
      let fileid: number;
      if (byid) {
        fileid = atoi(name);
        // kldunload.c prints optarg here, which no option of its has set.
        if (fileid < 0) errx(ctx, 1, "Invalid ID (null)");
      } else {
        const f = sys_kldfind(ctx.p, name);
        if (f.error !== 0) errx(ctx, 1, `can't find file ${name}`);
        fileid = f.fileid;
      }
      if (verbose) {
        const s = sys_kldstat(ctx.p, fileid);
        if (s.stat === null) err(ctx, 1, "can't stat file", s.error);
        ctx.stdout.write(`Unloading ${s.stat.name}, id=${fileid}\n`);
      }
      const e = sys_kldunloadf(ctx.p, fileid, force ? LINKER_UNLOAD_FORCE : LINKER_UNLOAD_NORMAL);
      if (e !== 0) err(ctx, 1, "can't unload file", e);
    }
    return 0;
  });
}
