// usr.bin/killall/killall.c: killall(1).  Signals the processes the caller
// can see (kern.proc.proc), by command name, regular expression (-m), user
// (-u) or jail (-j); -s only shows what it would do, -v also does it.

import { strerror } from "../kern/errno.ts";
import { NSIG, SIGTERM, sys_kill, sys_signame } from "../kern/kern_sig.ts";
import { sys_jail_attach_proc, type proc } from "../kern/uipc_syscalls.ts";
import { prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import { jail_getid } from "./libjail.ts";
import { kinfo_getallproc } from "./libutil.ts";

function usage(ctx: prog_ctx): never {
  ctx.stderr.write(
    "usage: killall [-delmsqvz] [-help] [-I] [-j jail]\n" +
      "               [-u user] [-t tty] [-c cmd] [-SIGNAL] [cmd]...\n" +
      "At least one option or argument to specify processes must be given.\n",
  );
  throw new prog_exit(1);
}

/** The signal list as `killall -l` and the unknown-signal error print it. */
function printsig(): string {
  let out = "";
  let col = 0;
  for (let sig = 1; sig < NSIG; sig++) {
    const s = `${sys_signame[sig].toUpperCase()} `;
    out += s;
    col += s.length;
    if (col >= 75 && sig < NSIG - 1) {
      out += "\n";
      col = 0;
    }
  }
  return out + "\n";
}

function nosig(ctx: prog_ctx, name: string): never {
  ctx.stderr.write(`killall: unknown signal ${name}; valid signals:\n${printsig()}`);
  throw new prog_exit(1);
}

export async function killall_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const kp = ctx.p as proc;
    let sig = SIGTERM;
    let user: string | null = null;
    let cmd: string | null = null;
    let jflag = false;
    let vflag = false;
    let sflag = false;
    let dflag = false;
    let mflag = false;
    let qflag = false;
    const av = ctx.argv.slice(1);
    let i = 0;
    const optarg = (a: string, what: string): string => {
      if (a.length > 2) return a.slice(2);
      i++;
      if (i >= av.length) {
        ctx.stderr.write(`killall: must specify ${what}\n`);
        throw new prog_exit(1);
      }
      return av[i];
    };
    for (; i < av.length; i++) {
      const a = av[i];
      if (a === "-l") {
        ctx.stdout.write(printsig());
        return 0;
      }
      if (a === "-help") usage(ctx);
      if (!a.startsWith("-")) break;
      const c = a[1] ?? "";
      switch (c) {
        case "j": {
          const name = optarg(a, "jail");
          jflag = true;
          const jid = jail_getid(kp, name);
          if (jid < 0) {
            ctx.stderr.write(`killall: jail "${name}" not found\n`);
            throw new prog_exit(1);
          }
          const e = sys_jail_attach_proc(kp, jid);
          if (e !== 0) {
            ctx.stderr.write(`killall: jail_attach(${jid}): ${strerror(e)}\n`);
            throw new prog_exit(1);
          }
          break;
        }
        case "u":
          user = optarg(a, "user");
          break;
        case "t":
          ctx.stderr.write(`killall: stat(/dev/tty${optarg(a, "tty")}): No such file or directory\n`);
          throw new prog_exit(1);
        case "c":
          cmd = optarg(a, "procname");
          break;
        case "v":
          vflag = true;
          break;
        case "s":
          sflag = true;
          break;
        case "d":
          dflag = true;
          break;
        case "q":
          qflag = true;
          break;
        case "m":
          mflag = true;
          break;
        case "e":
        case "z":
          break;
        default: {
          const name = a.slice(1);
          if (/^[A-Za-z]/.test(name)) {
            const bare = name.toLowerCase().replace(/^sig/, "");
            const n = sys_signame.indexOf(bare);
            if (n <= 0) nosig(ctx, name);
            sig = n;
          } else if (/^[0-9]/.test(name)) {
            if (!/^[0-9]+$/.test(name)) {
              ctx.stderr.write(`killall: illegal signal number: ${name}\n`);
              throw new prog_exit(1);
            }
            sig = Number(name);
            if (sig >= NSIG) nosig(ctx, name);
          } else nosig(ctx, name);
        }
      }
    }
    const names = av.slice(i);
    if (user === null && cmd === null && !jflag && names.length === 0) usage(ctx);
    let uid: number | null = null;
    if (user !== null) {
      if (/^[0-9]+$/.test(user)) uid = Number(user);
      else if (user === "root") uid = 0;
      else {
        ctx.stderr.write(`killall: user ${user} does not exist\n`);
        throw new prog_exit(1);
      }
    }
    const matches = (pat: string, comm: string): boolean => {
      if (!mflag) return comm === pat;
      try {
        return new RegExp(pat).test(comm);
      } catch {
        ctx.stderr.write(`killall: ${pat}: illegal regexp\n`);
        return false;
      }
    };
    let killed = 0;
    let errors = 0;
    for (const kip of kinfo_getallproc(kp).procs) {
      if (kip.ki_pid === kp.p_pid) continue;
      if (uid !== null && kip.ki_uid !== uid) continue;
      if (cmd !== null && !matches(cmd, kip.ki_comm)) continue;
      if (names.length > 0 && !names.some((n) => matches(n, kip.ki_comm))) continue;
      if (dflag) ctx.stdout.write(`sig:${sig}, cmd:${kip.ki_comm}, pid:${kip.ki_pid}, dev:0xffffffff uid:${kip.ki_uid}\n`);
      if (vflag || sflag) ctx.stdout.write(`kill -${sys_signame[sig].toUpperCase()} ${kip.ki_pid}\n`);
      killed++;
      if (!dflag && !sflag) {
        const e = sys_kill(kp, kip.ki_pid, sig);
        if (e !== 0) {
          ctx.stderr.write(`killall: warning: kill -${sys_signame[sig].toUpperCase()} ${kip.ki_pid}: ${strerror(e)}\n`);
          errors = 1;
        }
      }
    }
    if (killed === 0) {
      if (!qflag) ctx.stderr.write(`No matching processes ${kp.p_ucred.cr_uid !== 0 ? "belonging to you " : ""}were found\n`);
      errors = 1;
    }
    return errors;
  });
}
