// sbin/dmesg/dmesg.c: dmesg(8), the kernel message buffer through the
// kern.msgbuf sysctl; -c clears it afterwards (kern.msgbuf_clear).

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
