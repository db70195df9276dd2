// usr.bin/timeout/timeout.c: timeout(1).  Runs a command and, when the
// duration has passed, signals it (SIGTERM, or -s's signal), then with -k
// once more with SIGKILL after the second duration.  Unless --foreground,
// timeout becomes a reaper (procctl(2)) and signals everything the command
// started, not only the command.  It exits with the command's status, or
// 124 when the time ran out (the command's own with --preserve-status); 125
// for a bad duration or signal, 126/127 when the command cannot be run.
//
// The duration is virtual time (setitimer(2) on the simulated clock), so
// `timeout 3 nc ...` in a FreeBSD test script gives nc three seconds of the
// simulation's time however fast or slow the host runs it.
//
// Departure: fork(2) and execvp(3) are one step here, the runner's
// execvp_prog (posix_spawnp, in effect): the command runs as timeout's
// child, a process with its own pid, and what waitpid(2) would report is
// kept until the loop below asks for it.  When the command cannot be
// started, the message and the status (127, or 126) are those the forked
// child prints and exits with in C, and the SIGCHLD of its exit is posted
// by timeout itself.

import { ENOENT, strerror } from "../kern/errno.ts";
import { ITIMER_REAL, sys_setitimer } from "../kern/kern_time.ts";
import { NSIG, SIGALRM, SIGCHLD, SIGHUP, SIGINT, SIGKILL, SIGQUIT, SIGSTOP, SIGTERM, sys_kill, sys_sigaction, sys_signame, sys_sigsuspend } from "../kern/kern_sig.ts";
import { PROC_REAP_ACQUIRE, PROC_REAP_KILL, PROC_REAP_RELEASE, PROC_REAP_STATUS, P_PID, sys_procctl, type procctl_reaper_kill, type procctl_reaper_status } from "../kern/kern_procctl.ts";
import type { proc } from "../kern/uipc_syscalls.ts";
import { err, errx, getopt_long, prog_exit, prog_run, strtod, strtonum, type long_option, type prog_ctx } from "./libc.ts";
import type { execvp_result } from "./programs.ts";
import type { sh_cmd_ctx } from "./sh.ts";

const EXIT_TIMEOUT = 124;
/** <sysexits.h> */
const EX_USAGE = 64;
const EX_OSERR = 71;

/** How timeout runs its command: execvp_prog (sbin/programs.ts). */
export type timeout_exec_fn = (parent: proc, argv: string[], io: Omit<sh_cmd_ctx, "argv">) => Promise<execvp_result>;

function usage(ctx: prog_ctx): never {
  ctx.stderr.write("Usage: timeout [--signal sig | -s sig] [--preserve-status] [--kill-after time | -k time] [--foreground] <duration> <command> <arg ...>\n");
  throw new prog_exit(EX_USAGE);
}

/** parse_duration: seconds, with an optional unit (s, m, h, d). */
function parse_duration(ctx: prog_ctx, duration: string): number {
  const r = strtod(duration);
  let ret = r.v;
  const end = r.rest;
  if (ret === 0 && end === duration) errx(ctx, 125, "invalid duration");
  if (end === "") return ret;
  if (end.length > 1) errx(ctx, EX_USAGE, "invalid duration");
  switch (end) {
    case "s":
      break;
    case "m":
      ret *= 60;
      break;
    case "h":
      ret *= 60 * 60;
      break;
    case "d":
      ret *= 60 * 60 * 24;
      break;
    default:
      errx(ctx, 125, "invalid duration");
  }
  if (ret < 0 || ret >= 100000000) errx(ctx, 125, "invalid duration");
  return ret;
}

/** parse_signal: a number, or a name with or without "SIG", any case. */
function parse_signal(ctx: prog_ctx, str: string): number {
  const n = strtonum(str, 1, NSIG - 1);
  if (n.errstr === null) return n.v;
  if (str.slice(0, 3).toLowerCase() === "sig") str = str.slice(3);
  for (let i = 1; i < NSIG; i++) if (str.toLowerCase() === sys_signame[i].toLowerCase()) return i;
  errx(ctx, 125, "invalid signal");
}

/** set_interval: arm (0: disarm) the real timer, as setitimer(2) takes it. */
function set_interval(ctx: prog_ctx, iv: number): void {
  const sec = Math.trunc(iv);
  const usec = Math.trunc((iv - sec) * 1000000);
  const r = sys_setitimer(ctx.p as proc, ITIMER_REAL, { it_interval: { tv_sec: 0, tv_usec: 0 }, it_value: { tv_sec: sec, tv_usec: usec } });
  if (r.error !== 0) err(ctx, EX_OSERR, "setitimer()", r.error);
}

const LONGOPTS: long_option[] = [
  { name: "preserve-status", has_arg: 0, val: "preserve-status" },
  { name: "foreground", has_arg: 0, val: "foreground" },
  { name: "kill-after", has_arg: 1, val: "k" },
  { name: "signal", has_arg: 1, val: "s" },
  { name: "help", has_arg: 0, val: "h" },
];

export function make_timeout_main(exec: timeout_exec_fn) {
  return async function timeout_main(ctx: prog_ctx): Promise<number> {
    return prog_run(ctx, async () => {
      let foreground = false;
      let preserve = false;
      let killsig = SIGTERM;
      let second_kill = 0;
      let do_second_kill = false;
      let timedout = false;
      let child_done = false;
      let pstat = 0;

      const { opts, operands } = getopt_long(ctx, "+k:s:h", LONGOPTS, () => usage(ctx));
      for (const [ch, optarg] of opts) {
        switch (ch) {
          case "k":
            do_second_kill = true;
            second_kill = parse_duration(ctx, optarg);
            break;
          case "s":
            killsig = parse_signal(ctx, optarg);
            break;
          case "preserve-status":
            preserve = true;
            break;
          case "foreground":
            foreground = true;
            break;
          default:
            usage(ctx);
        }
      }
      if (operands.length < 2) usage(ctx);
      const first_kill = parse_duration(ctx, operands[0]);
      const argv = operands.slice(1);

      const kp = ctx.p as proc;
      if (!foreground) {
        const e = sys_procctl(kp, P_PID, kp.p_pid, PROC_REAP_ACQUIRE, null);
        if (e !== 0) err(ctx, EX_OSERR, "Fail to acquire the reaper", e);
      }

      // What the handler records, looked at after each sigsuspend.
      let sig_chld = false;
      let sig_term = 0;
      let sig_alrm = false;
      let sig_ign = 0;
      const sig_handler = (signo: number) => () => {
        if (sig_ign !== 0 && signo === sig_ign) {
          sig_ign = 0;
          return;
        }
        switch (signo) {
          case SIGINT:
          case SIGHUP:
          case SIGQUIT:
          case SIGTERM:
            sig_term = signo;
            break;
          case SIGCHLD:
            sig_chld = true;
            break;
          case SIGALRM:
            sig_alrm = true;
            break;
        }
      };
      const signums = [-1, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGALRM, SIGQUIT];
      if (killsig !== SIGKILL && killsig !== SIGSTOP) signums[0] = killsig;
      for (const s of signums) {
        if (s === -1 || s === 0) continue;
        const e = sys_sigaction(kp, s, sig_handler(s));
        if (e !== 0) err(ctx, EX_OSERR, "sigaction()", e);
      }

      // fork + execvp: the child's pid once it runs, its wait status once
      // it has ended (until waitpid takes it).
      let pid = -1;
      let zombie: { pid: number; status: number } | null = null;
      const io: Omit<sh_cmd_ctx, "argv"> = {
        stdin: ctx.stdin,
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        env: ctx.env,
        cwd: ctx.cwd,
        spawned: (cpid) => {
          pid = cpid;
          ctx.spawned?.(cpid);
        },
      };
      // A simulator bug in the command surfaces here, after the loop, as
      // it would have from a direct run; the command counts as ended.
      let crashed: { e: unknown } | null = null;
      const child = exec(kp, argv, io).then(
        (r) => {
          if (io.stdin_read === true) ctx.stdin_read = true;
          let status: number;
          if (r.error === 0) status = r.status;
          else {
            ctx.stderr.write(`timeout: exec(${argv[0]}): ${strerror(r.error)}\n`);
            status = r.error === ENOENT ? 127 : 126;
          }
          zombie = { pid, status };
          // The runner hands over the status after the child's exit posted
          // its SIGCHLD: one more, now that waitpid can find it (two
          // SIGCHLDs are one pending signal, as when two children end).
          sys_kill(kp, kp.p_pid, SIGCHLD);
        },
        (e: unknown) => {
          crashed = { e };
          zombie = { pid, status: 70 };
          sys_kill(kp, kp.p_pid, SIGCHLD);
        },
      );
      /** waitpid(-1, &status, WNOHANG): the ended child, once. */
      const waitpid_nohang = (): { pid: number; status: number } | null => {
        const z = zombie;
        zombie = null;
        return z;
      };

      set_interval(ctx, first_kill);

      for (;;) {
        await sys_sigsuspend(kp);
        if (sig_chld) {
          sig_chld = false;
          for (let w = waitpid_nohang(); w !== null; w = waitpid_nohang()) {
            if (w.pid === pid) {
              pstat = w.status;
              child_done = true;
            }
          }
          if (child_done) {
            if (foreground) break;
            const info: procctl_reaper_status = { rs_flags: 0, rs_children: 0, rs_descendants: 0, rs_reaper: 0, rs_pid: 0 };
            sys_procctl(kp, P_PID, kp.p_pid, PROC_REAP_STATUS, info);
            if (info.rs_children === 0) break;
          }
        } else if (sig_alrm || sig_term !== 0) {
          let sig: number;
          if (sig_alrm) {
            sig_alrm = false;
            timedout = true;
            sig = killsig;
          } else sig = sig_term;
          if (!foreground) {
            const killemall: procctl_reaper_kill = { rk_sig: sig, rk_flags: 0, rk_subtree: 0, rk_killed: 0, rk_fpid: -1 };
            sys_procctl(kp, P_PID, kp.p_pid, PROC_REAP_KILL, killemall);
          } else if (pid !== -1) sys_kill(kp, pid, sig);
          if (!do_second_kill) break;
          set_interval(ctx, second_kill);
          second_kill = 0;
          sig_ign = killsig;
          killsig = SIGKILL;
        }
      }

      // wait(2) for the command, unless the loop saw it end.
      if (!child_done) {
        await child;
        const w = waitpid_nohang();
        if (w !== null) pstat = w.status;
      }
      if (!foreground) sys_procctl(kp, P_PID, kp.p_pid, PROC_REAP_RELEASE, null);
      if (crashed !== null) throw (crashed as { e: unknown }).e;
      // The statuses are the shell's already: an exit status, or 128 plus
      // the signal that ended the command.
      if (timedout && !preserve) pstat = EXIT_TIMEOUT;
      return pstat;
    });
  };
}
