// usr.sbin/setfib/setfib.c: setfib(1), run a command with another default
// FIB: setfib(2), then exec.

import { ENOENT, strerror } from "../kern/errno.ts";
import type { execvp_result } from "./programs.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { sys_setfib, type proc } from "../kern/uipc_syscalls.ts";
import { getopt, prog_exit, prog_run, type prog_ctx } from "./libc.ts";

export type setfib_exec_fn = (p: proc, argv: string[], ctx: prog_ctx) => Promise<execvp_result>;

function usage(ctx: prog_ctx): never {
  ctx.stderr.write("usage: setfib [-[F]]value command\n");
  throw new prog_exit(1);
}

export function make_setfib_main(exec: setfib_exec_fn) {
  return async function setfib_main(ctx: prog_ctx): Promise<number> {
    return prog_run(ctx, async () => {
      const kp = ctx.p as proc;
      const r = sysctlbyname(kp, "net.fibs");
      if (r.error !== 0) {
        ctx.stderr.write("setfib: Multiple FIBS not supported\n");
        return 1;
      }
      const numfibs = Number(r.value);
      if (ctx.argv.length < 2) usage(ctx);
      // -N and N are -FN.
      const argv = ctx.argv.slice();
      let ep = argv[1];
      if (ep[0] === "-" && /[0-9]/.test(ep[1] ?? "")) ep = ep.slice(1);
      if (/[0-9]/.test(ep[0] ?? "")) argv[1] = `-F${ep}`;
      let fib = 0;
      const { opts, optind } = getopt(ctx, "F:", () => usage(ctx), argv);
      for (const [, optarg] of opts) {
        const m = /^[ \t]*[-+]?[0-9]+$/.test(optarg) ? Number(optarg) : NaN;
        if (Number.isNaN(m) || m < 0 || m >= numfibs) {
          ctx.stderr.write(`setfib: ${optarg}: invalid FIB (max ${numfibs - 1})\n`);
          return 1;
        }
        fib = m;
      }
      const cmd = argv.slice(optind);
      if (cmd.length === 0) usage(ctx);
      const e = sys_setfib(kp, fib);
      if (e !== 0) ctx.stderr.write(`setfib: setfib: ${strerror(e)}\n`);
      const x = await exec(kp, cmd, ctx);
      if (x.error === 0) return x.status;
      ctx.stderr.write(`setfib: ${cmd[0]}: ${strerror(x.error)}\n`);
      return x.error === ENOENT ? 127 : 126;
    });
  };
}
