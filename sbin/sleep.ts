// bin/sleep/sleep.c: sleep(1) on the virtual clock, through nanosleep(2).
// FreeBSD 14 takes one or more numbers, each with an optional unit (s, m, h,
// d), and sleeps for their sum.  Under the daemon this is what makes a
// script's `sleep 5` let five virtual seconds of timers fire at once.

import { sys_nanosleep } from "../kern/kern_time.ts";
import type { proc } from "../kern/uipc_syscalls.ts";
import { prog_exit, prog_run, type prog_ctx } from "./libc.ts";

function usage(ctx: prog_ctx): never {
  ctx.stderr.write("usage: sleep number[unit] [...]\n");
  throw new prog_exit(1);
}

const UNIT: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400 };

export async function sleep_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    let args = ctx.argv.slice(1);
    if (args[0] === "--") args = args.slice(1);
    if (args.length === 0) usage(ctx);
    let seconds = 0;
    for (const a of args) {
      const m = /^[+]?(\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?([smhd]?)$/.exec(a);
      if (m === null) {
        if (/^-/.test(a) && !/^-[\d.]/.test(a)) {
          ctx.stderr.write(`sleep: illegal option -- ${a.slice(1, 2)}\n`);
          usage(ctx);
        }
        ctx.stderr.write(`sleep: invalid time interval: ${a}\n`);
        throw new prog_exit(1);
      }
      const num = Number(a.slice(0, a.length - m[2].length).replace(/^\+/, ""));
      seconds += num * UNIT[m[2]];
    }
    if (seconds > 2 ** 31) usage(ctx);
    if (!(seconds > 0)) return 0;
    await sys_nanosleep(ctx.p as proc, Math.round(seconds * 1e9));
    return 0;
  });
}
