// sbin/ipfw/main.c: ipfw(8)'s command line: the options, the splitting of
// one quoted argument into words (as rules files feed it), the legacy
// "100 add" and "pipe 1 config" word orders, dispatch to the handlers of
// ipfw2.c, tables.c, dummynet.c and nat.c, and `ipfw [-q] /path/to/file`.

import fs from "node:fs";
import path from "node:path";
import { getopt_r, getopt_state, isatty, prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import {
  EX_OK, EX_DATAERR, EX_OSERR, EX_UNAVAILABLE, EX_USAGE, warn, TIMESTAMP_NUMERIC, TIMESTAMP_STRING, _substrcmp, atoi, err, errx,
  ipfw_add, ipfw_ctx, ipfw_delete, ipfw_flush, ipfw_hooks, ipfw_internal_handler, ipfw_list, ipfw_sets_handler,
  ipfw_sysctl_handler, ipfw_zero, isdigit, strtonum,
} from "./ipfw2.ts";
import { ipfw_table_handler } from "./ipfw_tables.ts";
// dummynet.c and nat.c are linked into ipfw(8): loading them fills ipfw_hooks.
import "./ipfw_dummynet.ts";
import "./ipfw_nat.ts";
import { RESVD_SET } from "../netinet/ip_fw.ts";

const WHITESP = " \t\f\v\n\r";

function help(ctx: ipfw_ctx): never {
  ctx.prog.stderr.write(
    "ipfw syntax summary (but please do read the ipfw(8) manpage):\n\n" +
      "\tipfw [-abcdefhnNqStTv] <command>\n\n" +
      "where <command> is one of the following:\n\n" +
      "add [num] [set N] [prob x] RULE-BODY\n" +
      "{pipe|queue} N config PIPE-BODY\n" +
      "[pipe|queue] {zero|delete|show} [N{,N}]\n" +
      "nat N config {ip IPADDR|if IFNAME|log|deny_in|same_ports|unreg_only|reset|\n" +
      "\t\treverse|proxy_only|redirect_addr linkspec|\n" +
      "\t\tredirect_port linkspec|redirect_proto linkspec}\n" +
      "set [disable N... enable N...] | move [rule] X to Y | swap X Y | show\n" +
      "set N {show|list|zero|resetlog|delete} [N{,N}] | flush\n" +
      "table N {add ip[/bits] [value] | delete ip[/bits] | flush | list}\n" +
      "table all {flush | list}\n" +
      "\n" +
      "RULE-BODY:\tcheck-state [PARAMS] | ACTION [PARAMS] ADDR [OPTION_LIST]\n" +
      "ACTION:\tcheck-state | allow | count | deny | unreach{,6} CODE |\n" +
      "               skipto N | {divert|tee} PORT | forward ADDR |\n" +
      "               pipe N | queue N | nat N | setfib FIB | reass\n" +
      "PARAMS: \t[log [logamount LOGLIMIT]] [altq QUEUE_NAME]\n" +
      "ADDR:\t\t[ MAC dst src ether_type ] \n" +
      "\t\t[ ip from IPADDR [ PORT ] to IPADDR [ PORTLIST ] ]\n" +
      "\t\t[ ipv6|ip6 from IP6ADDR [ PORT ] to IP6ADDR [ PORTLIST ] ]\n" +
      "IPADDR:\t[not] { any | me | ip/bits{x,y,z} | table(t[,v]) | IPLIST }\n" +
      "IP6ADDR:\t[not] { any | me | me6 | ip6/bits | IP6LIST }\n" +
      "IP6LIST:\t{ ip6 | ip6/bits }[,IP6LIST]\n" +
      "IPLIST:\t{ ip | ip/bits | ip:mask }[,IPLIST]\n" +
      "OPTION_LIST:\tOPTION [OPTION_LIST]\n" +
      "OPTION:\tbridged | diverted | diverted-loopback | diverted-output |\n" +
      "\t{dst-ip|src-ip} IPADDR | {dst-ip6|src-ip6|dst-ipv6|src-ipv6} IP6ADDR |\n" +
      "\t{dst-port|src-port} LIST |\n" +
      "\testab | frag | {gid|uid} N | icmptypes LIST | in | out | ipid LIST |\n" +
      "\tiplen LIST | ipoptions SPEC | ipprecedence | ipsec | iptos SPEC |\n" +
      "\tipttl LIST | ipversion VER | keep-state | layer2 | limit ... |\n" +
      "\ticmp6types LIST | ext6hdr LIST | flow-id N[,N] | fib FIB |\n" +
      "\tmac ... | mac-type LIST | proto LIST | {recv|xmit|via} {IF|IPADDR} |\n" +
      "\tsetup | {tcpack|tcpseq|tcpwin} NN | tcpflags SPEC | tcpoptions SPEC |\n" +
      "\ttcpdatalen LIST | verrevpath | versrcreach | antispoof\n",
  );
  throw new prog_exit(0);
}

/**
 * The argument vector ipfw_main works on: one argument is split into words
 * (up to a '#', blanks after a ',' dropped); several are kept, with an
 * argument ending in ',' joined to the next.
 */
export function ipfw_split_args(oldav: string[]): string[] | null {
  if (oldav.length < 2) return null;
  if (oldav.length === 2) {
    const arg = oldav[1];
    let out = "";
    let copy = false;
    for (const c of arg) {
      if (c === "#") break;
      if (copy) {
        out += c;
        copy = !("," + WHITESP).includes(c);
      } else {
        copy = !WHITESP.includes(c);
        if (copy) out += c;
      }
    }
    if (!copy && out.length > 0) out = out.slice(0, -1);
    if (out.length === 0) return null;
    const words: string[] = [oldav[0]];
    let cur = "";
    for (const c of out) {
      if (WHITESP.includes(c)) {
        words.push(cur);
        cur = "";
      } else cur += c;
    }
    words.push(cur);
    return words;
  }
  const av: string[] = [oldav[0]];
  let acc = "";
  for (let i = 1; i < oldav.length; i++) {
    const arg = oldav[i];
    acc += arg;
    if (!arg.endsWith(",") || i === oldav.length - 1) {
      av.push(acc);
      acc = "";
    }
  }
  return av;
}

/** ipfw_main: options and one command; returns 1 for "nothing to do" (usage). */
async function ipfw_main(ctx: ipfw_ctx, go: getopt_state, oldav: string[]): Promise<number> {
  const split = ipfw_split_args(oldav);
  if (split === null) return 1;
  const co = ctx.co;
  let do_acct = false;
  let try_next = false;
  if (!co.do_force) co.do_force = isatty(ctx.prog, 0) ? 0 : 1;
  go.optind = go.optreset = 1;
  go.progname = ctx.name;
  for (let ch = getopt_r(ctx.prog, go, split, "abcdDefhinNp:qs:STtv"); ch !== -1; ch = getopt_r(ctx.prog, go, split, "abcdDefhinNp:qs:STtv")) {
    switch (ch) {
      case "a":
        do_acct = true;
        break;
      case "b":
        co.comment_only = 1;
        co.do_compact = 1;
        break;
      case "c":
        co.do_compact = 1;
        break;
      case "d":
        co.do_dynamic = 1;
        break;
      case "D":
        co.do_dynamic = 2;
        break;
      case "e":
        break;
      case "f":
        co.do_force = 1;
        break;
      case "h":
        help(ctx);
      // eslint-disable-next-line no-fallthrough
      case "i":
        co.do_value_as_ip = 1;
        break;
      case "n":
        co.test_only = 1;
        break;
      case "N":
        co.do_resolv = 1;
        break;
      case "p":
        errx(ctx, EX_USAGE, "An absolute pathname must be used with -p option.");
      // eslint-disable-next-line no-fallthrough
      case "q":
        co.do_quiet = 1;
        break;
      case "s":
        co.do_sort = atoi(go.optarg ?? "");
        break;
      case "S":
        co.show_sets = 1;
        break;
      case "t":
        co.do_time = TIMESTAMP_STRING;
        break;
      case "T":
        co.do_time = TIMESTAMP_NUMERIC;
        break;
      case "v":
        co.verbose = 1;
        break;
      default:
        return 1;
    }
  }
  let av = split.slice(go.optind);
  if (av.length === 0) errx(ctx, EX_USAGE, "bad arguments, for usage summary ``ipfw''");
  // ipfw1 took the rule number first ("100 add ..."): swap it back.
  if (av.length > 1 && isdigit(av[0][0])) [av[0], av[1]] = [av[1], av[0]];
  co.do_nat = 0;
  co.do_pipe = 0;
  co.use_set = 0;
  if ("nat".startsWith(av[0])) co.do_nat = 1;
  else if ("pipe".startsWith(av[0])) co.do_pipe = 1;
  else if (_substrcmp(ctx, av[0], "queue") === 0) co.do_pipe = 2;
  else if (_substrcmp(ctx, av[0], "flowset") === 0) co.do_pipe = 2;
  else if (_substrcmp(ctx, av[0], "sched") === 0) co.do_pipe = 3;
  else if ("set".startsWith(av[0])) {
    if (av.length > 1 && isdigit(av[1][0])) {
      const r = strtonum(av[1], 0, RESVD_SET);
      if (r.errstr !== null) errx(ctx, EX_DATAERR, `invalid set number ${av[1]}\n`);
      co.use_set = r.v + 1;
      av = av.slice(2);
    }
  }
  if (co.do_pipe || co.do_nat) av = av.slice(1);
  if (av.length === 0) errx(ctx, EX_USAGE, "missing command");
  // "pipe 1 config" is parsed as "config 1".
  if ((co.do_pipe || co.do_nat) && av.length > 1 && isdigit(av[0][0])) [av[0], av[1]] = [av[1], av[0]];
  const w = av[0];
  if (co.use_set === 0) {
    if (_substrcmp(ctx, w, "add") === 0) ipfw_add(ctx, av);
    else if (co.do_nat && _substrcmp(ctx, w, "show") === 0) await ipfw_hooks.ipfw_show_nat(ctx, av);
    else if (co.do_pipe && _substrcmp(ctx, w, "config") === 0) await ipfw_hooks.ipfw_config_pipe(ctx, av);
    else if (co.do_nat && _substrcmp(ctx, w, "config") === 0) await ipfw_hooks.ipfw_config_nat(ctx, av);
    else if (_substrcmp(ctx, w, "set") === 0) ipfw_sets_handler(ctx, av);
    else if (_substrcmp(ctx, w, "table") === 0) ipfw_table_handler(ctx, av);
    else if (_substrcmp(ctx, w, "enable") === 0) ipfw_sysctl_handler(ctx, av, 1);
    else if (_substrcmp(ctx, w, "disable") === 0) ipfw_sysctl_handler(ctx, av, 0);
    else try_next = true;
  }
  if (co.use_set || try_next) {
    if (_substrcmp(ctx, w, "delete") === 0) await ipfw_delete(ctx, av);
    else if ("nat64clat".startsWith(w) || "nat64stl".startsWith(w) || "nat64lsn".startsWith(w) || "nptv6".startsWith(w))
      errx(ctx, EX_UNAVAILABLE, `${w}: not supported by this kernel`);
    else if (_substrcmp(ctx, w, "flush") === 0) await ipfw_flush(ctx, co.do_force);
    else if (_substrcmp(ctx, w, "zero") === 0) ipfw_zero(ctx, av, false);
    else if (_substrcmp(ctx, w, "resetlog") === 0) ipfw_zero(ctx, av, true);
    else if (_substrcmp(ctx, w, "print") === 0 || _substrcmp(ctx, w, "list") === 0) await ipfw_list(ctx, av, do_acct);
    else if (_substrcmp(ctx, w, "show") === 0) await ipfw_list(ctx, av, true);
    else if (_substrcmp(ctx, w, "table") === 0) ipfw_table_handler(ctx, av);
    else if (_substrcmp(ctx, w, "internal") === 0) ipfw_internal_handler(ctx, av);
    else errx(ctx, EX_USAGE, `bad command \`${w}'`);
  }
  return 0;
}

function read_host_file(ctx: prog_ctx, name: string): { text: string | null; errno: number } {
  try {
    return { text: fs.readFileSync(path.resolve(ctx.cwd ?? ctx.env.get("PWD") ?? process.cwd(), name), "utf8"), errno: 0 };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { text: null, errno: code === "ENOENT" ? 2 : code === "EACCES" ? 13 : code === "EISDIR" ? 21 : 5 };
  }
}

/** ipfw_readfile: [-cfNnqS] [-p cmd [args]] file: each line is one ipfw command. */
async function ipfw_readfile(ctx: ipfw_ctx, go: getopt_state, av: string[]): Promise<void> {
  const progname = av[0];
  const filename = av[av.length - 1];
  let cmd: string | null = null;
  let ac = av.length;
  go.progname = ctx.name;
  for (let c = getopt_r(ctx.prog, go, av, "cfNnp:qS"); c !== -1; c = getopt_r(ctx.prog, go, av, "cfNnp:qS")) {
    switch (c) {
      case "c":
        ctx.co.do_compact = 1;
        break;
      case "f":
        ctx.co.do_force = 1;
        break;
      case "N":
        ctx.co.do_resolv = 1;
        break;
      case "n":
        ctx.co.test_only = 1;
        break;
      case "p":
        // -p cmd [args] file: the rest of the arguments but the file are
        // the preprocessor's, so the scan ends here (optind = ac).
        if (go.optind === ac) errx(ctx, EX_USAGE, "no filename argument");
        cmd = go.optarg;
        av = av.slice(go.optind - 1, ac - 1);
        ac -= go.optind;
        go.optind = ac;
        break;
      case "q":
        ctx.co.do_quiet = 1;
        break;
      case "S":
        ctx.co.show_sets = 1;
        break;
      default:
        errx(ctx, EX_USAGE, "bad arguments, for usage summary ``ipfw''");
    }
  }
  if (cmd === null && ac !== go.optind + 1) errx(ctx, EX_USAGE, `extraneous filename arguments ${av[ac - 1]}`);
  const f = read_host_file(ctx.prog, filename);
  if (f.text === null) err(ctx, EX_UNAVAILABLE, `fopen: ${filename}`, f.errno);
  if (cmd !== null) {
    // The simulator has no m4 or cpp to run on the file: what FreeBSD prints
    // when execvp(3) of the preprocessor fails (the child's message, then the
    // parent's on its exit status, with nothing read from the pipe).
    warn(ctx, `execvp(${cmd}) failed`, 2);
    errx(ctx, EX_UNAVAILABLE, `preprocessor exited with status ${EX_OSERR}`);
  }
  const lines = f.text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  let lineno = 0;
  for (const line of lines) {
    lineno++;
    ctx.name = `Line ${lineno}`;
    await ipfw_main(ctx, go, [progname, line]);
  }
}

/** ipfw(8). */
export async function ipfw_main_prog(prog: prog_ctx): Promise<number> {
  const ctx = new ipfw_ctx(prog);
  const go = new getopt_state();
  return prog_run(prog, async () => {
    const av = prog.argv;
    if (av.length > 1 && av[av.length - 1][0] === "/") {
      const last = av[av.length - 1];
      const f = read_host_file(prog, last);
      if (f.text !== null) await ipfw_readfile(ctx, go, av);
      else err(ctx, EX_USAGE, `pathname: ${last}`, f.errno);
    } else if ((await ipfw_main(ctx, go, av)) !== 0) {
      errx(ctx, EX_USAGE, 'usage: ipfw [options]\ndo "ipfw -h" or "man ipfw" for details');
    }
    return EX_OK;
  });
}
