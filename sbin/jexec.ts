// usr.sbin/jexec/jexec.c: jexec(8).  jail_getid(3) finds the jail by jid or
// name, jail_attach(2) moves this process into it, then the command (or the
// user's shell) runs there; -l gives it a clean environment, -u/-U the
// environment of a user looked up outside or inside the jail.

import { strerror } from "../kern/errno.ts";
import { sys_jail_attach_proc, type proc } from "../kern/uipc_syscalls.ts";
import { getopt, prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import { jail_errmsg, jail_getid } from "./libjail.ts";
import type { execvp_result } from "./programs.ts";

/** struct passwd, as getpwnam(3) returns it. */
export interface passwd {
  pw_name: string;
  pw_uid: number;
  pw_gid: number;
  pw_dir: string;
  pw_shell: string;
}

/** The simulated system's /etc/passwd (the host's and every jail's): root. */
const passwd_db: readonly passwd[] = [{ pw_name: "root", pw_uid: 0, pw_gid: 0, pw_dir: "/root", pw_shell: "/bin/sh" }];

export function getpwnam(name: string): passwd | null {
  return passwd_db.find((p) => p.pw_name === name) ?? null;
}
export function getpwuid(uid: number): passwd | null {
  return passwd_db.find((p) => p.pw_uid === uid) ?? null;
}

/** login.conf's "default" class: the PATH setusercontext(3) sets. */
const LOGIN_DEFAULT_PATH = "/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin";

/** How jexec runs the command: a child of this (now jailed) process. */
export type jexec_exec_fn = (p: proc, argv: string[], ctx: prog_ctx, env: Map<string, string>) => Promise<execvp_result>;

function usage(ctx: prog_ctx): never {
  ctx.stderr.write("usage: jexec [-l] [-u username | -U username] jail [command ...]\n");
  throw new prog_exit(1);
}

function get_user_info(ctx: prog_ctx, username: string | null): passwd {
  if (username !== null) {
    const pwd = getpwnam(username);
    if (pwd === null) {
      ctx.stderr.write(`jexec: ${username}: no such user\n`);
      throw new prog_exit(1);
    }
    return pwd;
  }
  const uid = ctx.p.p_ucred.cr_uid;
  const pwd = getpwuid(uid);
  if (pwd === null) {
    ctx.stderr.write(`jexec: unknown uid: ${uid}\n`);
    throw new prog_exit(1);
  }
  return pwd;
}

export function make_jexec_main(exec: jexec_exec_fn) {
  return async function jexec_main(ctx: prog_ctx): Promise<number> {
    return prog_run(ctx, async () => {
      let clean = false;
      let uflag = false;
      let Uflag = false;
      let username: string | null = null;
      const { opts, optind } = getopt(ctx, "lnu:U:", () => usage(ctx));
      for (const [ch, optarg] of opts) {
        switch (ch) {
          case "l":
            clean = true;
            break;
          case "n":
            // Specified name, now unused.
            break;
          case "u":
            username = optarg;
            uflag = true;
            break;
          case "U":
            username = optarg;
            Uflag = true;
            break;
        }
      }
      const argv = ctx.argv.slice(optind);
      if (argv.length < 1) usage(ctx);
      if (uflag && Uflag) usage(ctx);
      let pwd: passwd | null = null;
      // User info from the host's password database.
      if (uflag || (clean && !Uflag)) pwd = get_user_info(ctx, username);

      const kp = ctx.p as proc;
      const jid = jail_getid(kp, argv[0]);
      if (jid < 0) {
        ctx.stderr.write(`jexec: ${jail_errmsg.v}\n`);
        return 1;
      }
      const e = sys_jail_attach_proc(kp, jid);
      if (e !== 0) {
        ctx.stderr.write(`jexec: jail_attach(${jid}): ${strerror(e)}\n`);
        return 1;
      }

      let env = ctx.env;
      if (clean || username !== null) {
        // User info from the jail's password database.
        if (Uflag) pwd = get_user_info(ctx, username);
        if (pwd === null) pwd = get_user_info(ctx, username);
        if (clean) {
          const term = ctx.env.get("TERM");
          env = new Map([["PATH", "/bin:/usr/bin"]]);
          if (term !== undefined) env.set("TERM", term);
        } else env = new Map(ctx.env);
        // setusercontext(LOGIN_SETPATH | LOGIN_SETENV, or all but groups
        // and login for a named user): the class's PATH; the uid is the
        // user's (every user here is root).
        env.set("PATH", LOGIN_DEFAULT_PATH + `:${pwd.pw_dir}/bin`);
        env.set("USER", pwd.pw_name);
        env.set("HOME", pwd.pw_dir);
        env.set("SHELL", pwd.pw_shell !== "" ? pwd.pw_shell : "/bin/sh");
      }

      if (argv.length > 1) {
        const r = await exec(kp, argv.slice(1), ctx, env);
        if (r.error === 0) return r.status;
        ctx.stderr.write(`jexec: execvp: ${argv[1]}: ${strerror(r.error)}\n`);
        return 1;
      }
      const shell = env.get("SHELL") ?? "/bin/sh";
      const r = await exec(kp, [shell, "-i"], ctx, env);
      if (r.error === 0) return r.status;
      ctx.stderr.write(`jexec: execlp: ${shell}: ${strerror(r.error)}\n`);
      return 1;
    });
  };
}
