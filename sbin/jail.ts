// usr.sbin/jail/jail.c, config.c, state.c, command.c (jail(8)) and
// usr.sbin/jls/jls.c (jls(8)), over the jail_set(2), jail_get(2) and
// jail_remove(2) system calls through libjail.
//
// jail(8) runs one jail at a time, in the order the command line or the
// configuration file gives (this version has no dependency ordering or
// parallel runs: "depend" and -p are accepted and change nothing, as they
// would with one jail).  Commands a jail runs (exec.*, command, and the
// ifconfig that vnet.interface implies) are run as programs of the system
// and waited for.

import fs from "node:fs";
import path from "node:path";
import { JAIL_CREATE, JAIL_DYING, JAIL_UPDATE, JP_ACCESS_RD, JP_ACCESS_RDTUN, JAIL_SYS_NEW, sys_jail_set, sys_jail_remove, type jail_params as kjail_params } from "../kern/kern_jail.ts";
import { EPERM, strerror } from "../kern/errno.ts";
import { getopt, prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import { JP_BOOL, JP_JAILSYS, JP_NOBOOL, jail_errmsg, jailparam_all, jailparam_export, jailparam_get, jailparam_init, jailparam_valuelen, type jailparam } from "./libjail.ts";
import { inet_aton } from "../netinet/in.ts";

/** How jail(8) runs other programs: as a child process, in the jail `jid`
 *  when given (jail_attach in the child, as command.c does). */
export type exec_fn = (ctx: prog_ctx, argv: string[]) => Promise<number>;

// ---------------------------------------------------------------------------
// jailp.h

const JF_START = 0x0001;
const JF_SET = 0x0002;
const JF_STOP = 0x0004;
const JF_WILD = 0x0010;
const JF_FAILED = 0x0020;
const JF_RDTUN = 0x0080;
const JF_PERSIST = 0x0100;
const JF_SHOW = 0x1000;
const JF_OP_MASK = JF_START | JF_SET | JF_STOP;
const JF_RESTART = JF_START | JF_STOP;
const JF_START_SET = JF_START | JF_SET;
const JF_SET_RESTART = JF_SET | JF_STOP;
const JF_START_SET_RESTART = JF_START | JF_SET | JF_STOP;

const PF_VAR = 0x0001;
const PF_APPEND = 0x0002;
const PF_BAD = 0x0004;
const PF_INTERNAL = 0x0008;
const PF_BOOL = 0x0010;
const PF_INT = 0x0020;
const PF_IMMUTABLE = 0x0080;

/** config.c's internal parameters: jail(8)'s own, never given to the kernel. */
const intparams: Record<string, number> = {
  "allow.dying": PF_INTERNAL | PF_BOOL,
  command: PF_INTERNAL,
  depend: PF_INTERNAL,
  "exec.clean": PF_INTERNAL | PF_BOOL,
  "exec.consolelog": PF_INTERNAL,
  "exec.fib": PF_INTERNAL | PF_INT,
  "exec.jail_user": PF_INTERNAL,
  "exec.poststart": PF_INTERNAL,
  "exec.poststop": PF_INTERNAL,
  "exec.prepare": PF_INTERNAL,
  "exec.prestart": PF_INTERNAL,
  "exec.prestop": PF_INTERNAL,
  "exec.release": PF_INTERNAL,
  "exec.created": PF_INTERNAL,
  "exec.start": PF_INTERNAL,
  "exec.stop": PF_INTERNAL,
  "exec.system_jail_user": PF_INTERNAL | PF_BOOL,
  "exec.system_user": PF_INTERNAL,
  "exec.timeout": PF_INTERNAL | PF_INT,
  interface: PF_INTERNAL,
  ip_hostname: PF_INTERNAL | PF_BOOL,
  mount: PF_INTERNAL,
  "mount.devfs": PF_INTERNAL | PF_BOOL,
  "mount.fdescfs": PF_INTERNAL | PF_BOOL,
  "mount.procfs": PF_INTERNAL | PF_BOOL,
  "mount.fstab": PF_INTERNAL,
  "stop.timeout": PF_INTERNAL | PF_INT,
  "vnet.interface": PF_INTERNAL,
  jid: PF_IMMUTABLE,
  name: PF_IMMUTABLE,
};

interface cfparam {
  name: string;
  val: string[];
  flags: number;
}

interface cfjail {
  name: string | null;
  params: cfparam[];
  jid: number;
  flags: number;
  seq: number;
  /** Given on the command line rather than in a configuration file: its
   *  command= values are one argument vector. */
  cmdline: boolean;
  jp: jailparam[];
  /** The values jp carries, as text (jailparam_import's input). */
  jpval: (string | null)[];
}

class jail_state {
  verbose = 0;
  iflag = false;
  note_remove = false;
  separator = "\t";
  cfname = "/etc/jail.conf";
  jails: cfjail[] = [];
  error = 0;
  constructor(
    readonly ctx: prog_ctx,
    readonly exec: exec_fn,
  ) {}
}

function jail_usage(ctx: prog_ctx): never {
  ctx.stderr.write(
    "usage: jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n" +
      "            -[cmr] param=value ... [command=command ...]\n" +
      "       jail [-dqv] [-f file] [-e separator] -[cmr] [jail]\n" +
      "       jail [-qv] [-f file] -[rR] ['*' | jail ...]\n" +
      "       jail [-dhilqv] [-J jid_file] [-u username] [-U username]\n" +
      "            [-n jailname] [-s securelevel]\n" +
      "            path hostname [ip[,...]] command ...\n",
  );
  throw new prog_exit(1);
}

function warnx(st: jail_state, msg: string): void {
  st.ctx.stderr.write(`jail: ${msg}\n`);
}
function jail_warnx(st: jail_state, j: cfjail, msg: string): void {
  warnx(st, j.name !== null ? `${j.name}: ${msg}` : msg);
}
function jail_note(st: jail_state, j: cfjail, msg: string): void {
  st.ctx.stdout.write(j.name !== null ? `${j.name}: ${msg}` : msg);
}
function jail_quoted_warnx(st: jail_state, j: cfjail, name_msg: string, noname_msg: string | null): void {
  const pval = j.name ?? string_param(find_param(j, "jid")) ?? string_param(find_param(j, "name"));
  if (pval !== null) warnx(st, `"${pval}" ${name_msg}`);
  else warnx(st, noname_msg ?? "(null)");
}
function failed(j: cfjail): void {
  j.flags |= JF_FAILED;
}

function add_jail(st: jail_state): cfjail {
  const j: cfjail = { name: null, params: [], jid: 0, flags: 0, seq: 0, cmdline: false, jp: [], jpval: [] };
  st.jails.push(j);
  return j;
}

/** equalopts(): the same option, with or without its "no" prefix. */
function equalopts(a: string, b: string): boolean {
  if (a === b) return true;
  const da = a.lastIndexOf(".");
  const db = b.lastIndexOf(".");
  if (a.slice(0, da + 1) !== b.slice(0, db + 1)) return false;
  const ba = a.slice(da + 1);
  const bb = b.slice(db + 1);
  return (ba.startsWith("no") && ba.slice(2) === bb) || (bb.startsWith("no") && bb.slice(2) === ba);
}

function intparam_flags(name: string): number {
  for (const [k, f] of Object.entries(intparams)) if (equalopts(name, k)) return f;
  return 0;
}

function find_param(j: cfjail, name: string): cfparam | null {
  return j.params.find((p) => equalopts(p.name, name)) ?? null;
}

/** add_param(): add or append to (or replace) a jail's parameter. */
function add_param(st: jail_state, jin: cfjail | null, name: string, value: string | null, flags = PF_APPEND, vals: string[] | null = null): void {
  const j = jin ?? st.jails[st.jails.length - 1] ?? add_jail(st);
  const nss = vals !== null ? vals.slice() : value !== null ? [value] : [];
  const dp = j.params.find((p) => equalopts(p.name, name));
  if (dp !== undefined) {
    if (((flags ^ dp.flags) & PF_VAR) !== 0) {
      jail_warnx(st, j, `variable "$${name}" cannot have the same name as a parameter.`);
      j.flags |= JF_FAILED;
      return;
    }
    if ((dp.flags & PF_IMMUTABLE) !== 0) {
      jail_warnx(st, j, `cannot redefine parameter "${dp.name}".`);
      j.flags |= JF_FAILED;
      return;
    }
    dp.name = name;
    if ((flags & PF_APPEND) === 0 || nss.length === 0) dp.val = [];
    dp.val.push(...nss);
    dp.flags |= flags;
    return;
  }
  j.params.push({ name, val: nss, flags: flags | intparam_flags(name) });
}

function bool_param(p: cfparam | null): boolean {
  if (p === null) return false;
  const dot = p.name.lastIndexOf(".");
  const no = p.name.slice(dot + 1).startsWith("no");
  const last = p.val[p.val.length - 1];
  const yes = p.val.length === 0 || last.toLowerCase() === "true" || (parseInt(last, 10) || 0) !== 0;
  return no !== yes;
}
function string_param(p: cfparam | null): string | null {
  return p !== null && p.val.length > 0 ? p.val[p.val.length - 1] : null;
}
function int_param(p: cfparam | null): number | null {
  if (p === null || p.val.length === 0) return null;
  return parseInt(p.val[p.val.length - 1], 10) || 0;
}

/** wild_jail_name()/wild_jail_match(). */
function wild_jail_name(w: string): boolean {
  for (let i = w.indexOf("*"); i >= 0; i = w.indexOf("*", i + 1)) if ((i === 0 || w[i - 1] === ".") && (i + 1 === w.length || w[i + 1] === ".")) return true;
  return false;
}
function wild_jail_match(jname: string, wname: string): boolean {
  const jc = jname.split(".");
  const wc = wname.split(".");
  for (let i = 0; i < wc.length; i++) {
    if (wc[i] === "*" && i === wc.length - 1) return jc.length >= wc.length;
    if (i >= jc.length) return false;
    if (wc[i] !== "*" && wc[i] !== jc[i]) return false;
  }
  return jc.length === wc.length;
}

// ---------------------------------------------------------------------------
// jail.conf (jaillex.l, jailparse.y): the common subset — jail blocks,
// wildcard blocks, global parameters, `=` and `+=`, lists with `,`,
// quoted strings, comments and ${var}/$var substitution.

interface cfstr {
  s: string;
  /** Variables to substitute: name and position in s. */
  vars: { name: string; pos: number }[];
}
interface cfparse_param {
  name: string;
  val: cfstr[];
  flags: number;
}

function parse_config(st: jail_state, text: string, fname: string): { blocks: { name: string; params: cfparse_param[] }[]; ok: boolean } {
  const blocks: { name: string; params: cfparse_param[] }[] = [];
  const global: cfparse_param[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  const perr = (msg: string): never => {
    warnx(st, `${fname} line ${line}: ${msg}`);
    throw new prog_exit(1);
  };
  const skip = (): void => {
    for (;;) {
      while (i < n && /\s/.test(text[i])) {
        if (text[i] === "\n") line++;
        i++;
      }
      if (text[i] === "#" || (text[i] === "/" && text[i + 1] === "/")) {
        while (i < n && text[i] !== "\n") i++;
      } else if (text[i] === "/" && text[i + 1] === "*") {
        const e = text.indexOf("*/", i + 2);
        if (e < 0) perr("syntax error");
        for (let k = i; k < e; k++) if (text[k] === "\n") line++;
        i = e + 2;
      } else return;
    }
  };
  // A word or string, with variables noted.
  const value = (): cfstr | null => {
    const out: cfstr = { s: "", vars: [] };
    let any = false;
    for (;;) {
      const c = text[i];
      if (c === '"') {
        any = true;
        i++;
        while (i < n && text[i] !== '"') {
          if (text[i] === "\\" && i + 1 < n) {
            const e = text[i + 1];
            out.s += e === "n" ? "\n" : e === "t" ? "\t" : e === "\n" ? "" : e;
            i += 2;
            continue;
          }
          if (text[i] === "$") {
            const v = varref();
            if (v !== null) {
              out.vars.push({ name: v, pos: out.s.length });
              continue;
            }
          }
          if (text[i] === "\n") line++;
          out.s += text[i++];
        }
        if (i >= n) perr("unterminated string");
        i++;
      } else if (c === "'") {
        any = true;
        const e = text.indexOf("'", i + 1);
        if (e < 0) perr("unterminated string");
        out.s += text.slice(i + 1, e);
        i = e + 1;
      } else if (c === "$") {
        any = true;
        const v = varref();
        if (v === null) out.s += text[i++];
        else out.vars.push({ name: v, pos: out.s.length });
      } else if (c !== undefined && !/[\s;,{}="'#]/.test(c) && !(c === "+" && text[i + 1] === "=")) {
        any = true;
        if (c === "\\" && i + 1 < n) {
          out.s += text[i + 1];
          i += 2;
        } else out.s += text[i++];
      } else break;
    }
    return any ? out : null;
  };
  const varref = (): string | null => {
    // At '$': ${name} or $name.
    if (text[i + 1] === "{") {
      const e = text.indexOf("}", i + 2);
      if (e < 0) return null;
      const name = text.slice(i + 2, e);
      i = e + 1;
      return name;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
    if (m === null) return null;
    i += 1 + m[0].length;
    return m[0];
  };
  const param = (into: cfparse_param[]): void => {
    const start = i;
    const nm = value();
    if (nm === null) return perr(`syntax error, unexpected "${text[start] ?? "end of file"}"`);
    let name = nm.s;
    let flags = 0;
    if (text[start] === "$") {
      // A variable definition: $name = value.
      name = nm.vars.length > 0 ? nm.vars[0].name : name;
      flags |= PF_VAR;
    }
    skip();
    const vals: cfstr[] = [];
    if (text[i] === "+" && text[i + 1] === "=") {
      flags |= PF_APPEND;
      i += 2;
    } else if (text[i] === "=") i++;
    else {
      if (text[i] !== ";") perr(`syntax error, unexpected "${text[i] ?? "end of file"}"`);
      i++;
      into.push({ name, val: [], flags });
      return;
    }
    for (;;) {
      skip();
      const v = value();
      if (v !== null) vals.push(v);
      skip();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === ";") {
        i++;
        break;
      }
      perr(`syntax error, unexpected "${text[i] ?? "end of file"}"`);
    }
    into.push({ name, val: vals, flags });
  };
  for (;;) {
    skip();
    if (i >= n) break;
    // A block `name {` or a global parameter.
    const save = i;
    const saveline = line;
    const nm = value();
    skip();
    if (nm !== null && text[i] === "{") {
      i++;
      const params: cfparse_param[] = [];
      for (;;) {
        skip();
        if (i >= n) perr("syntax error, unexpected end of file");
        if (text[i] === "}") {
          i++;
          break;
        }
        param(params);
      }
      blocks.push({ name: nm.s, params });
      continue;
    }
    i = save;
    line = saveline;
    param(global);
  }
  // Global parameters go first into every jail (as a "*" block would).
  if (global.length > 0) blocks.unshift({ name: "*", params: global });
  return { blocks, ok: true };
}

/** load_config(): the jails of the configuration file, with wildcard and
 *  global parameters merged in and variables substituted. */
function load_config(st: jail_state): void {
  let text: string;
  let fname = st.cfname;
  if (fname === "-") {
    fname = "STDIN";
    text = st.ctx.stdin;
  } else {
    try {
      text = fs.readFileSync(path.resolve(st.ctx.env.get("PWD") ?? process.cwd(), fname), "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      warnx(st, `${fname}: ${code === "ENOENT" ? "No such file or directory" : code === "EACCES" ? "Permission denied" : String(code)}`);
      throw new prog_exit(1);
    }
  }
  const { blocks } = parse_config(st, text, fname);
  const wild = blocks.map((b, k) => ({ ...b, seq: k + 1 })).filter((b) => wild_jail_name(b.name));
  blocks.forEach((b, k) => {
    if (wild_jail_name(b.name)) return;
    const j = add_jail(st);
    j.name = b.name;
    j.seq = k + 1;
    const vparams: { name: string; val: cfstr[]; flags: number }[] = [];
    const addp = (p: cfparse_param): void => {
      const dp = vparams.find((x) => equalopts(x.name, p.name));
      if (dp !== undefined) {
        if ((dp.flags & PF_IMMUTABLE) !== 0) {
          jail_warnx(st, j, `cannot redefine parameter "${dp.name}".`);
          j.flags |= JF_FAILED;
          return;
        }
        dp.name = p.name;
        if ((p.flags & PF_APPEND) === 0 || p.val.length === 0) dp.val = [];
        dp.val.push(...p.val.map((v) => ({ s: v.s, vars: v.vars.slice() })));
        dp.flags |= p.flags;
      } else vparams.push({ name: p.name, val: p.val.map((v) => ({ s: v.s, vars: v.vars.slice() })), flags: p.flags | intparam_flags(p.name) });
    };
    // The block's name is its "name" (or "jid") parameter.
    addp({ name: /^[0-9]+$/.test(b.name) && Number(b.name) !== 0 ? "jid" : "name", val: [{ s: b.name, vars: [] }], flags: PF_IMMUTABLE });
    let did_self = false;
    for (const w of wild) {
      if (j.seq < w.seq && !did_self) {
        b.params.forEach(addp);
        did_self = true;
      }
      if (wild_jail_match(b.name, w.name)) w.params.forEach(addp);
    }
    if (!did_self) b.params.forEach(addp);
    // Variable substitution.
    const resolve = (p: (typeof vparams)[number], depth: number): boolean => {
      if ((p.flags & PF_BAD) !== 0) return false;
      if (depth > vparams.length) {
        jail_warnx(st, j, `${p.name}: variable loop`);
        return false;
      }
      const out: cfstr[] = [];
      for (const s of p.val) {
        let str = s.s;
        let shift = 0;
        let extra: string[] = [];
        for (const v of s.vars) {
          const vp = vparams.find((x) => x.name === v.name);
          if (vp === undefined) {
            jail_warnx(st, j, `${p.name}: variable "${v.name}" not found`);
            return false;
          }
          if (!resolve(vp, depth + 1)) return false;
          if (vp.val.length > 1 && (s.s !== "" || s.vars.length > 1)) {
            jail_warnx(st, j, `${p.name}: array cannot be substituted inline`);
            return false;
          }
          const first = vp.val[0]?.s ?? "";
          str = str.slice(0, v.pos + shift) + first + str.slice(v.pos + shift);
          shift += first.length;
          extra = vp.val.slice(1).map((x) => x.s);
        }
        out.push({ s: str, vars: [] });
        for (const e of extra) out.push({ s: e, vars: [] });
      }
      p.val = out;
      return true;
    };
    for (const p of vparams) {
      if (!resolve(p, 0)) {
        p.flags |= PF_BAD;
        j.flags |= JF_FAILED;
      }
    }
    for (const p of vparams) if ((p.flags & PF_VAR) === 0) j.params.push({ name: p.name, val: p.val.map((v) => v.s), flags: p.flags });
  });
}

// ---------------------------------------------------------------------------
// Parameters to the kernel.

function check_intparams(st: jail_state, j: cfjail): number {
  let error = 0;
  for (const p of j.params) {
    if (p.val.length === 0 || (p.flags & (PF_BOOL | PF_INT)) === 0) continue;
    const val = p.val[p.val.length - 1];
    if ((p.flags & PF_BOOL) !== 0) {
      if (val.toLowerCase() !== "false" && val.toLowerCase() !== "true" && !/^[ \t]*[-+]?[0-9]*$/.test(val)) {
        jail_warnx(st, j, `${p.name}: unknown boolean value "${val}"`);
        error = -1;
      }
    } else if (!/^[ \t]*[-+]?[0-9]+$/.test(val)) {
      jail_warnx(st, j, `${p.name}: non-integer value "${val}"`);
      error = -1;
    }
  }
  // ip_hostname: the addresses of host.hostname become ip4.addr.
  const hostname = string_param(find_param(j, "host.hostname"));
  if (((j.flags & JF_OP_MASK) !== JF_STOP || find_param(j, "interface") !== null) && bool_param(find_param(j, "ip_hostname")) && hostname !== null) {
    j.params = j.params.filter((p) => p.name !== "ip_hostname");
    const a = inet_aton(hostname);
    if (a === null) {
      jail_warnx(st, j, `host.hostname ${hostname}: hostname nor servname provided, or not known`);
      error = -1;
    } else add_param(st, j, "ip4.addr", hostname);
  }
  if (error !== 0) failed(j);
  return error;
}

function import_params(st: jail_state, j: cfjail): number {
  let error = 0;
  j.jp = [];
  j.jpval = [];
  for (const p of j.params) {
    if ((p.flags & PF_INTERNAL) !== 0) continue;
    const jp = jailparam_init(p.name);
    if (jp === null) {
      error = -1;
      jail_warnx(st, j, jail_errmsg.v);
      continue;
    }
    const value = p.val.length === 0 ? null : p.val.length === 1 || jp.jp_desc.type !== "ip4" ? p.val[p.val.length - 1] : p.val.join(",");
    if ((jp.jp_flags & (JP_BOOL | JP_NOBOOL)) !== 0 && value !== null && !/^(true|false|[-+]?[0-9]+)$/i.test(value)) {
      error = -1;
      jail_warnx(st, j, `${p.name}: unknown boolean value "${value}"`);
      continue;
    }
    j.jp.push(jp);
    j.jpval.push(value);
  }
  if (error !== 0) failed(j);
  return error;
}

/** The name/value pairs jail_set(2) gets (libjail's iovec). */
function kernel_params(jps: jailparam[], vals: (string | null)[]): kjail_params {
  const out: kjail_params = {};
  jps.forEach((jp, k) => {
    const v = vals[k];
    if ((jp.jp_flags & (JP_BOOL | JP_NOBOOL)) !== 0) {
      const on = v === null || v.toLowerCase() === "true" || (parseInt(v, 10) || 0) !== 0;
      const yes = (jp.jp_flags & JP_NOBOOL) !== 0 ? !on : on;
      out[jp.jp_desc.name] = yes;
    } else if ((jp.jp_flags & JP_JAILSYS) !== 0) out[jp.jp_name] = v === null ? "new" : v;
    else out[jp.jp_name] = v ?? "";
  });
  return out;
}

function quoted_print(str: string): string {
  const qc = str === "" ? '"' : str.includes("'") ? '"' : str.includes('"') ? "'" : str.includes(" ") || str.includes("\t") ? '"' : "";
  let s = qc;
  for (const c of str) s += c === "\\" || (qc !== "" && c === qc) ? "\\" + c : c;
  return s + qc;
}

/** jailparam_set_note(): jail_set(2), and with -v what was set. */
function jailparam_set_note(st: jail_state, j: cfjail, jps: jailparam[], vals: (string | null)[], flags: number): { jid: number; errno: number; errmsg: string } {
  const r = sys_jail_set(st.ctx.p.p_ucred, kernel_params(jps, vals), flags);
  if (st.verbose > 0) {
    let s = `jail_set(${(flags & (JAIL_CREATE | JAIL_UPDATE)) === JAIL_CREATE ? "JAIL_CREATE" : "JAIL_UPDATE"}${(flags & JAIL_DYING) !== 0 ? " | JAIL_DYING" : ""})`;
    jps.forEach((jp, k) => {
      s += ` ${jp.jp_name}`;
      const v = vals[k];
      const shown = (jp.jp_flags & (JP_BOOL | JP_NOBOOL)) !== 0 ? (v === null ? "true" : v) : (jp.jp_flags & JP_JAILSYS) !== 0 && v === null ? "new" : v;
      if (shown !== null) s += "=" + quoted_print(shown);
    });
    if (r.error !== 0) s += `: ${strerror(r.error)}`;
    jail_note(st, j, s + "\n");
  }
  // libjail's jailparam_set(): no message from the kernel, errno's then.
  if (r.error !== 0) return { jid: -1, errno: r.error, errmsg: r.errmsg !== "" ? r.errmsg : `jail_set: ${strerror(r.error)}` };
  return { jid: r.jid, errno: 0, errmsg: "" };
}

function create_jail(st: jail_state, j: cfjail): number {
  const p = string_param(find_param(j, "path"));
  if (p !== null && j.name !== null && p[0] !== "/") {
    jail_warnx(st, j, `path ${p}: not an absolute pathname`);
    return -1;
  }
  // "persist" is set while there are commands still to run.
  const dopersist = !bool_param(find_param(j, "persist")) && (find_param(j, "exec.start") !== null || find_param(j, "command") !== null || find_param(j, "exec.poststart") !== null);
  let jps = j.jp;
  let vals = j.jpval;
  if (dopersist) {
    const pj = jailparam_init("persist");
    if (pj === null) return -1;
    const keep = j.jp.map((jp, k) => k).filter((k) => !equalopts(j.jp[k].jp_name, "persist"));
    jps = [pj, ...keep.map((k) => j.jp[k])];
    vals = [null, ...keep.map((k) => j.jpval[k])];
  }
  const r = jailparam_set_note(st, j, jps, vals, JAIL_CREATE);
  j.jid = r.jid;
  if (j.jid < 0) {
    jail_warnx(st, j, r.errmsg);
    failed(j);
  }
  if (dopersist && j.jid > 0) j.flags |= JF_PERSIST;
  return j.jid;
}

function clear_persist(st: jail_state, j: cfjail): void {
  if ((j.flags & JF_PERSIST) === 0) return;
  j.flags &= ~JF_PERSIST;
  const r = sys_jail_set(st.ctx.p.p_ucred, { jid: j.jid, nopersist: true }, JAIL_UPDATE);
  if (st.verbose > 0) jail_note(st, j, `jail_set(JAIL_UPDATE) jid=${j.jid} nopersist${r.error !== 0 ? ": " + strerror(r.error) : ""}\n`);
}

const JP_IS_RDTUN = (jp: jailparam): boolean => jp.jp_desc.access === JP_ACCESS_RDTUN;

function update_jail(st: jail_state, j: cfjail): number {
  const keep = j.jp.map((_, k) => k).filter((k) => !JP_IS_RDTUN(j.jp[k]));
  if (keep.length === 0) return 0;
  const jidp = jailparam_init("jid");
  if (jidp === null) return -1;
  const r = jailparam_set_note(
    st,
    j,
    [jidp, ...keep.map((k) => j.jp[k])],
    [String(j.jid), ...keep.map((k) => j.jpval[k])],
    bool_param(find_param(j, "allow.dying")) ? JAIL_UPDATE | JAIL_DYING : JAIL_UPDATE,
  );
  if (r.jid < 0) {
    jail_warnx(st, j, r.errmsg);
    failed(j);
  }
  return r.jid;
}

/** rdtun_params(): would this change a create-only parameter? */
function rdtun_params(st: jail_state, j: cfjail, dofail: boolean): number {
  if ((j.flags & JF_RDTUN) !== 0) return 0;
  j.flags |= JF_RDTUN;
  const idx = j.jp.map((_, k) => k).filter((k) => JP_IS_RDTUN(j.jp[k]) && j.jp[k].jp_name !== "jid");
  if (idx.length === 0) return 0;
  const rt = idx.map((k) => ({ ...j.jp[k], jp_value: null }));
  const g = jailparam_get(st.ctx.p, { jid: j.jid }, rt, bool_param(find_param(j, "allow.dying")) ? JAIL_DYING : 0);
  if (g.jid <= 0) return 0;
  for (let n = 0; n < idx.length; n++) {
    const jp = j.jp[idx[n]];
    const mine = j.jpval[idx[n]];
    const theirs = rt[n];
    // A bare boolean ("vnet", "persist") stands for its true value.
    let want: string;
    if ((jp.jp_flags & JP_JAILSYS) !== 0) want = mine === null ? "new" : /^[0-9]+$/.test(mine) ? ["disable", "new", "inherit"][Number(mine)] ?? mine : mine;
    else if ((jp.jp_flags & (JP_BOOL | JP_NOBOOL)) !== 0) want = String(kernel_params([jp], [mine])[jp.jp_desc.name]);
    else want = mine ?? "";
    if (jailparam_export(theirs) !== want) {
      if (dofail) {
        jail_warnx(st, j, `${jp.jp_name} cannot be changed after creation`);
        failed(j);
        return -1;
      }
      return 1;
    }
  }
  return 0;
}

function running_jid(st: jail_state, j: cfjail, dflag: boolean): void {
  const jidv = string_param(find_param(j, "jid"));
  let r: { jid: number; errno: number };
  if (jidv !== null) {
    if (!/^[0-9]+$/.test(jidv) || Number(jidv) === 0) {
      j.jid = -1;
      return;
    }
    r = jailparam_get(st.ctx.p, { jid: Number(jidv) }, [], dflag ? JAIL_DYING : 0);
  } else {
    const name = string_param(find_param(j, "name"));
    if (name === null) {
      j.jid = -1;
      return;
    }
    r = jailparam_get(st.ctx.p, { name }, [], dflag ? JAIL_DYING : 0);
  }
  j.jid = r.jid;
}

// ---------------------------------------------------------------------------
// command.c: the commands of starting and stopping a jail.

// command.c's startcommands and stopcommands, less what needs a file
// system (mount*) or jail addresses (ip4.addr's interface aliases).
const startcommands = ["exec.prepare", "exec.prestart", "__op", "exec.created", "vnet.interface", "exec.start", "command", "exec.poststart"];
const stopcommands = ["exec.prestop", "exec.stop", "__op", "exec.poststop", "exec.release"];
const injail_commands = new Set(["exec.start", "command", "exec.stop"]);

async function run_command(st: jail_state, j: cfjail, comparam: string, comstring: string | null, down: boolean): Promise<number> {
  if (comparam === "__op") {
    if (down) {
      const e = sys_jail_remove(st.ctx.p.p_ucred, j.jid);
      if (e === EPERM) {
        jail_warnx(st, j, `jail_remove: ${strerror(e)}`);
        return -1;
      }
      if (st.verbose > 0 || (st.verbose === 0 && ((j.flags & JF_STOP) !== 0 ? st.note_remove : j.name !== null))) jail_note(st, j, "removed\n");
      j.jid = -1;
      if ((j.flags & JF_STOP) === 0) j.flags &= ~JF_PERSIST;
    } else {
      if (create_jail(st, j) < 0) return -1;
      if (st.iflag) st.ctx.stdout.write(`${j.jid}\n`);
      if (st.verbose >= 0 && (j.name !== null || st.verbose > 0)) jail_note(st, j, "created\n");
    }
    return 0;
  }
  let argv: string[];
  if (comparam === "vnet.interface") {
    argv = ["ifconfig", comstring ?? "", down ? "-vnet" : "vnet", string_param(find_param(j, "jid")) ?? string_param(find_param(j, "name")) ?? ""];
  } else if (comparam === "command" && (j.name === null || j.cmdline)) {
    argv = find_param(j, "command")?.val.slice() ?? [];
  } else {
    const s = comstring ?? "";
    const special = /[!"$&'()*;<>?[\\\]`{|}~]/.exec(s);
    if (special !== null && !(special[0] === "&" && special.index === s.length - 1)) argv = ["/bin/sh", "-c", s];
    else argv = (special !== null ? s.slice(0, special.index) : s).split(/[ \t\f\v\r\n]+/).filter((w) => w !== "");
  }
  if (argv.length === 0 || argv[0] === "") return 0;
  const comline = argv.join(" ");
  const injail = injail_commands.has(comparam);
  const username = string_param(find_param(j, injail ? "exec.jail_user" : "exec.system_user"));
  if (st.verbose > 0) jail_note(st, j, `run command${injail ? " in jail" : ""}${username !== null ? " as " : ""}${username ?? ""}: ${comline}\n`);
  let full = argv;
  if (injail) {
    // The child attaches to the jail and becomes the user, as jexec(8) does.
    const clean = bool_param(find_param(j, "exec.clean"));
    const sjuser = bool_param(find_param(j, "exec.system_jail_user"));
    const opts: string[] = [];
    if (clean) opts.push("-l");
    if (username !== null) opts.push(sjuser ? "-u" : "-U", username);
    full = ["jexec", ...opts, String(j.jid), ...argv];
    // exec.fib: the FIB the command runs with (setfib before the attach).
    const fib = int_param(find_param(j, "exec.fib"));
    if (fib !== null) full = ["setfib", String(fib), ...full];
  }
  const status = await st.exec(st.ctx, full);
  if (status !== 0) {
    if (status > 128 && status < 160) jail_warnx(st, j, `${comline}: exited on signal ${status - 128}`);
    else jail_warnx(st, j, `${comline}: failed`);
    return -1;
  }
  return 0;
}

/** next_command(): run a jail's command list forward (or, after a failed
 *  start, back down from where it failed, undoing what was done). */
async function run_commands(st: jail_state, j: cfjail, list: string[]): Promise<void> {
  const stopping = (j.flags & JF_STOP) !== 0;
  let k = 0;
  for (; k < list.length; k++) {
    const c = list[k];
    const down = stopping;
    const strs = c === "__op" ? [null] : c === "command" && (j.name === null || j.cmdline) ? (find_param(j, c) !== null ? [null] : []) : (find_param(j, c)?.val ?? []);
    let bad = false;
    for (const s of strs) {
      if (s !== null && s.length === 0) continue;
      if ((await run_command(st, j, c, s, down)) < 0) {
        failed(j);
        bad = true;
        break;
      }
    }
    if (bad) break;
  }
  if ((j.flags & JF_FAILED) !== 0 && !stopping && k < list.length) {
    // create_failed: walk back, skipping the start commands.
    for (k--; k >= 0; k--) {
      const c = list[k];
      if (["exec.prestart", "exec.created", "exec.start", "command", "exec.poststart", "exec.prepare"].includes(c)) continue;
      if (c === "__op") {
        if (j.jid > 0) await run_command(st, j, c, null, true);
        continue;
      }
      for (const s of (find_param(j, c)?.val ?? []).slice().reverse()) await run_command(st, j, c, s, true);
    }
  }
}

// ---------------------------------------------------------------------------
// jail(8)

export function make_jail_main(exec: exec_fn) {
  return async function jail_main(ctx: prog_ctx): Promise<number> {
    return prog_run(ctx, async () => {
      const st = new jail_state(ctx, exec);
      let op = 0;
      let dflag = false;
      let Rflag = false;
      let docf = true;
      let JidFile: string | null = null;
      const { opts, optind } = getopt(ctx, "cde:f:hiJ:lmn:p:qrRs:u:U:v", () => jail_usage(ctx));
      for (const [ch, optarg] of opts) {
        switch (ch) {
          case "c":
            op |= JF_START;
            break;
          case "d":
            dflag = true;
            break;
          case "e":
            op |= JF_SHOW;
            st.separator = optarg;
            break;
          case "f":
            st.cfname = optarg;
            break;
          case "h":
            add_param(st, null, "ip_hostname", null);
            docf = false;
            break;
          case "i":
            st.iflag = true;
            st.verbose = -1;
            break;
          case "J":
            JidFile = optarg;
            break;
          case "l":
            add_param(st, null, "exec.clean", null);
            docf = false;
            break;
          case "m":
            op |= JF_SET;
            break;
          case "n":
            add_param(st, null, "name", optarg);
            docf = false;
            break;
          case "p":
            // paralimit: jails run one at a time here anyway.
            break;
          case "q":
            st.verbose = -1;
            break;
          case "r":
            op |= JF_STOP;
            break;
          case "R":
            op |= JF_STOP;
            Rflag = true;
            break;
          case "s":
            add_param(st, null, "securelevel", optarg);
            docf = false;
            break;
          case "u":
            add_param(st, null, "exec.jail_user", optarg);
            add_param(st, null, "exec.system_jail_user", null);
            docf = false;
            break;
          case "U":
            add_param(st, null, "exec.jail_user", optarg);
            add_param(st, null, "exec.system_jail_user", "false");
            docf = false;
            break;
          case "v":
            st.verbose = 1;
            break;
        }
      }
      const argv = ctx.argv.slice(optind);
      const argc = argv.length;
      let oldcl = false;
      // The simulated system has no /etc/jail.conf; -f names a file.
      const conf_exists = (): boolean => st.cfname === "-" || (st.cfname !== "/etc/jail.conf" && fs.existsSync(path.resolve(ctx.env.get("PWD") ?? process.cwd(), st.cfname)));
      if (op === 0) {
        // Old-style command line: path hostname ip command ...
        if (argc < 4 || argv[0][0] !== "/") jail_usage(ctx);
        op = JF_START;
        docf = false;
        oldcl = true;
        add_param(st, null, "path", argv[0]);
        add_param(st, null, "host.hostname", argv[1]);
        if (argv[2] !== "") for (const a of argv[2].split(",")) add_param(st, null, "ip4.addr", a);
        for (let k = 3; k < argc; k++) add_param(st, null, "command", argv[k]);
        const j = st.jails[st.jails.length - 1];
        if (j !== undefined) {
          j.name = string_param(find_param(j, "name"));
          j.cmdline = true;
        }
      } else if (op === JF_STOP || op === JF_SHOW) {
        if (op === JF_SHOW) {
          load_config(st);
          for (const j of st.jails) ctx.stdout.write(print_jail(st, j, false, false) + "\n");
          return 0;
        }
        if (!docf || argc === 0) jail_usage(ctx);
        if (!Rflag) for (const a of argv) if (a.includes("=")) jail_usage(ctx);
        docf = !Rflag && conf_exists();
        if (docf) load_config(st);
        st.note_remove = docf || argc > 1 || wild_jail_name(argv[0]);
      } else if (argc > 1 || (argc === 1 && argv[0].includes("="))) {
        if (Rflag) jail_usage(ctx);
        docf = false;
        for (let k = 0; k < argc; k++) {
          const a = argv[k];
          if (a.startsWith("command") && (a.length === 7 || a[7] === "=")) {
            if (a[7] === "=") add_param(st, null, "command", a.slice(8));
            for (k++; k < argc; k++) add_param(st, null, "command", argv[k]);
          } else if (a.startsWith("ip4.addr=")) {
            for (const cs of a.slice(9).split(",")) add_param(st, null, "ip4.addr", cs);
          } else {
            const eq = a.indexOf("=");
            add_param(st, null, eq >= 0 ? a.slice(0, eq) : a, eq >= 0 ? a.slice(eq + 1) : null);
          }
        }
        // The jail's name, for what jail(8) says about it ("a: created").
        const j = st.jails[st.jails.length - 1];
        if (j !== undefined) {
          j.name = string_param(find_param(j, "name"));
          j.cmdline = true;
        }
      } else {
        if (Rflag || !docf) jail_usage(ctx);
        if (!conf_exists()) {
          warnx(st, `${st.cfname}: No such file or directory`);
          return 1;
        }
        load_config(st);
      }

      // start_state(): which jails, in what state.
      let queue: cfjail[] = [];
      const start_state = (target: string | null, state: number, running: boolean): number => {
        if (target === null || (!docf && state !== JF_STOP) || (!running && target === "*")) {
          for (const j of st.jails) {
            j.flags = (j.flags & JF_FAILED) | state | (docf ? JF_WILD : 0);
            if (!queue.includes(j)) queue.push(j);
          }
        } else if (wild_jail_name(target)) {
          if (running) {
            // -R matches wildcards against the running jails.
            const nm = jailparam_init("name");
            if (nm === null) return -1;
            for (let lastjid = 0; ; ) {
              const g = jailparam_get(ctx.p, { lastjid }, [nm], 0);
              if (g.jid < 0) break;
              lastjid = g.jid;
              const name = String(nm.jp_value);
              if (wild_jail_match(name, target)) {
                const j = add_jail(st);
                j.name = name;
                j.jid = g.jid;
                j.flags = state | JF_WILD;
                queue.push(j);
              }
            }
          } else {
            for (const j of st.jails) {
              if (j.name !== null && wild_jail_match(j.name, target)) {
                j.flags = (j.flags & JF_FAILED) | state | JF_WILD;
                if (!queue.includes(j)) queue.push(j);
              }
            }
          }
        } else {
          let j = st.jails.find((x) => x.name === target) ?? null;
          if (j === null && state === JF_STOP) {
            const g = /^[0-9]+$/.test(target) && Number(target) !== 0 ? jailparam_get(ctx.p, { jid: Number(target) }, [], JAIL_DYING) : jailparam_get(ctx.p, { name: target }, [], JAIL_DYING);
            if (g.jid > 0) {
              j = add_jail(st);
              j.name = target;
              j.jid = g.jid;
            }
          }
          if (j === null) {
            warnx(st, `"${target}" not found`);
            return -1;
          }
          j.flags = (j.flags & JF_FAILED) | state;
          if (!queue.includes(j)) queue.push(j);
        }
        return 0;
      };
      if (op === JF_STOP) {
        for (const a of argv) if (start_state(a, op, Rflag) < 0) st.error = 1;
      } else if (start_state(argc > 0 ? argv[0] : null, op, false) < 0) return 1;

      // The main loop, one jail after another.
      const jidlines: string[] = [];
      for (const j of queue) {
        if ((j.flags & JF_FAILED) !== 0) {
          st.error = 1;
          continue;
        }
        if (dflag) add_param(st, j, "allow.dying", null);
        if (check_intparams(st, j) < 0) {
          st.error = 1;
          continue;
        }
        if ((j.flags & (JF_START | JF_SET)) !== 0 && import_params(st, j) < 0) {
          st.error = 1;
          continue;
        }
        if (j.jid === 0) running_jid(st, j, (j.flags & JF_OP_MASK) === JF_SET ? dflag || bool_param(find_param(j, "allow.dying")) : false);
        switch (j.flags & JF_OP_MASK) {
          case JF_START_SET:
            j.flags = j.jid < 0 ? JF_START : JF_SET;
            break;
          case JF_SET_RESTART:
            if (j.jid < 0) {
              jail_quoted_warnx(st, j, "not found", "no jail specified");
              failed(j);
              st.error = 1;
              continue;
            }
            j.flags = rdtun_params(st, j, false) !== 0 ? JF_RESTART : JF_SET;
            break;
          case JF_START_SET_RESTART:
            j.flags = j.jid < 0 ? JF_START : rdtun_params(st, j, false) !== 0 ? JF_RESTART : JF_SET;
            break;
        }
        const opnow = j.flags & JF_OP_MASK;
        if (opnow === JF_SET) {
          if (j.jid < 0) {
            jail_quoted_warnx(st, j, "not found", "no jail specified");
            failed(j);
          } else if (rdtun_params(st, j, true) >= 0 && update_jail(st, j) >= 0) {
            if (st.verbose >= 0 && (j.name !== null || st.verbose > 0)) jail_note(st, j, "updated\n");
          }
        } else {
          if ((opnow & JF_STOP) !== 0) {
            if (j.jid < 0) {
              if ((j.flags & JF_WILD) === 0) {
                if (st.verbose >= 0) jail_quoted_warnx(st, j, "not found", null);
                failed(j);
              }
            } else await run_commands(st, j, stopcommands);
          }
          if ((opnow & JF_START) !== 0 && (j.flags & JF_FAILED) === 0) {
            j.flags &= ~JF_STOP;
            if (j.jid > 0 && (j.flags & JF_WILD) === 0) {
              jail_quoted_warnx(st, j, "already exists", null);
              failed(j);
            } else if (j.jid <= 0) {
              await run_commands(st, j, startcommands);
              clear_persist(st, j);
              if (JidFile !== null && (j.flags & JF_FAILED) === 0) jidlines.push(print_jail(st, j, oldcl, true));
            }
          }
        }
        if ((j.flags & JF_FAILED) !== 0) st.error = 1;
      }
      if (JidFile !== null) {
        try {
          fs.writeFileSync(path.resolve(ctx.env.get("PWD") ?? process.cwd(), JidFile), jidlines.map((l) => l + "\n").join(""));
        } catch {
          warnx(st, `open ${JidFile}: No such file or directory`);
          return 1;
        }
      }
      return st.error;
    });
  };
}

/** print_jail(): a jail record, for -e and -J. */
function print_jail(st: jail_state, j: cfjail, oldcl: boolean, running: boolean): string {
  const pv = (p: cfparam | null, sep: string): string => (p === null ? "" : p.val.map(quoted_print).join(sep));
  if (oldcl) {
    let s = running ? `${j.jid}${st.separator}` : "";
    s += pv(find_param(j, "path"), ",") + st.separator;
    s += pv(find_param(j, "host.hostname"), ",") + st.separator;
    s += pv(find_param(j, "ip4.addr"), ",") + st.separator;
    s += pv(find_param(j, "command"), " ");
    return s;
  }
  const parts: string[] = [];
  if (running) parts.push(`jid=${j.jid}`);
  for (const p of j.params) {
    if (p.name === "jid") continue;
    parts.push(p.val.length === 0 ? p.name : `${p.name}=${pv(p, ",")}`);
  }
  return parts.join(st.separator);
}

// ---------------------------------------------------------------------------
// jls(8)

const JP_USER = 0x01000000;
const JP_OPT = 0x02000000;
const PRINT_DEFAULT = 0x01;
const PRINT_HEADER = 0x02;
const PRINT_NAMEVAL = 0x04;
const PRINT_QUOTED = 0x08;
const PRINT_SKIP = 0x10;
const PRINT_VERBOSE = 0x20;
const PRINT_JAIL_NAME = 0x40;

/** jls(8): the jails, in jls's table or as parameter lists. */
export async function jls_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const fatal = (msg: string): never => {
      ctx.stderr.write(`jls: ${msg}\n`);
      throw new prog_exit(1);
    };
    let jname: string | null = null;
    let pflags = 0;
    let jflags = 0;
    let jid = 0;
    const { opts, optind } = getopt(ctx, "adj:hNnqsv", () => fatal("usage: jls [-dhNnqv] [-j jail] [param ...]"));
    for (const [c, optarg] of opts) {
      switch (c) {
        case "a":
        case "d":
          jflags |= JAIL_DYING;
          break;
        case "j": {
          const m = /^[ \t]*[+]?([0-9]+)$/.exec(optarg);
          jid = m !== null ? Number(m[1]) : 0;
          if (jid === 0) jname = optarg;
          break;
        }
        case "h":
          pflags = (pflags & ~(PRINT_SKIP | PRINT_VERBOSE)) | PRINT_HEADER;
          break;
        case "N":
          pflags |= PRINT_JAIL_NAME;
          break;
        case "n":
          pflags = (pflags & ~PRINT_VERBOSE) | PRINT_NAMEVAL;
          break;
        case "q":
          pflags |= PRINT_QUOTED;
          break;
        case "s":
          pflags = (pflags & ~(PRINT_HEADER | PRINT_VERBOSE)) | PRINT_NAMEVAL | PRINT_QUOTED | PRINT_SKIP;
          break;
        case "v":
          pflags = (pflags & ~(PRINT_HEADER | PRINT_NAMEVAL | PRINT_SKIP)) | PRINT_VERBOSE;
          break;
      }
    }

    const params: jailparam[] = [];
    const parent: number[] = [];
    const add_param = (name: string, flags: number): number => {
      if (name === "all") {
        const all = jailparam_all().sort((a, b) => {
          const ad = a.jp_name.includes(".");
          const bd = b.jp_name.includes(".");
          if (ad !== bd) return ad ? 1 : -1;
          return a.jp_name < b.jp_name ? -1 : a.jp_name > b.jp_name ? 1 : 0;
        });
        for (const jp of all) add_param(jp.jp_name, flags);
        return -1;
      }
      const k = params.findIndex((p) => p.jp_name === name);
      if (k >= 0) {
        params[k].jp_flags |= flags;
        return k;
      }
      const jp = jailparam_init(name);
      if (jp === null) {
        if ((flags & JP_OPT) !== 0) return -1;
        return fatal(jail_errmsg.v);
      }
      jp.jp_flags |= flags;
      params.push(jp);
      parent.push(-1);
      return params.length - 1;
    };

    const args = ctx.argv.slice(optind);
    if (args.length === 0) {
      if ((pflags & (PRINT_HEADER | PRINT_NAMEVAL)) !== 0) add_param("all", JP_USER);
      else if ((pflags & PRINT_VERBOSE) !== 0) {
        for (const n of ["jid", "host.hostname", "path", "name", "dying", "cpuset.id", "ip4.addr"]) add_param(n, JP_USER);
      } else {
        pflags |= PRINT_DEFAULT;
        add_param((pflags & PRINT_JAIL_NAME) !== 0 ? "name" : "jid", JP_USER);
        add_param("ip4.addr", JP_USER);
        add_param("host.hostname", JP_USER);
        add_param("path", JP_USER);
      }
    } else {
      pflags &= ~PRINT_VERBOSE;
      for (const a of args) add_param(a, JP_USER);
    }
    if ((pflags & PRINT_SKIP) !== 0) {
      // Parameters under a jailsys parent ("host", "ip4") print only when
      // the parent is "new".
      const n = params.length;
      for (let i = 0; i < n; i++) {
        const dot = params[i].jp_name.indexOf(".");
        if ((params[i].jp_flags & JP_USER) !== 0 && dot >= 0) parent[i] = add_param(params[i].jp_name.slice(0, dot), JP_OPT);
      }
    }

    let out = "";
    if ((pflags & PRINT_VERBOSE) !== 0) {
      out += `${"".padStart(3)}JID  Hostname${"".padStart(22)}Path\n`;
      out += `${"".padStart(8)}Name${"".padStart(26)}State\n`;
      out += `${"".padStart(8)}CPUSetID\n`;
      out += `${"".padStart(8)}IP Address(es)\n`;
    } else if ((pflags & PRINT_DEFAULT) !== 0) {
      if ((pflags & PRINT_JAIL_NAME) !== 0) out += ` ${"JID".padEnd(15)} ${"IP Address".padEnd(15)} ${"Hostname".padEnd(29)} Path\n`;
      else out += `${"JID".padStart(6)}  IP Address${"".padStart(6)}Hostname${"".padStart(22)}Path\n`;
    } else if ((pflags & PRINT_HEADER) !== 0) {
      out += params.filter((p) => (p.jp_flags & JP_USER) !== 0).map((p) => p.jp_name).join(" ") + "\n";
    }
    ctx.stdout.write(out);

    const print_jail = (keys: { lastjid?: number; jid?: number; name?: string }): { jid: number; errno: number } => {
      const g = jailparam_get(ctx.p, keys, params, jflags);
      if (g.jid < 0) return g;
      let s = "";
      const str = (k: number): string => jailparam_export(params[k]);
      if ((pflags & PRINT_VERBOSE) !== 0) {
        s += `${str(0).padStart(6)}  ${str(1).slice(0, 29).padEnd(29)} ${str(2).slice(0, 74)}\n`;
        s += `        ${str(3).slice(0, 29).padEnd(29)} ${(params[4].jp_value === true ? "DYING" : "ACTIVE").slice(0, 74)}\n`;
        s += `        ${str(5)}\n`;
        const a = params[6].jp_value;
        if (Array.isArray(a)) for (const ip of str(6).split(",").filter((x) => x !== "")) s += `        ${ip}\n`;
      } else if ((pflags & PRINT_DEFAULT) !== 0) {
        if ((pflags & PRINT_JAIL_NAME) !== 0) s += ` ${str(0).padEnd(15)} `;
        else s += `${str(0).padStart(6)}  `;
        const ip = jailparam_valuelen(params[1]) === 0 ? "" : str(1).split(",")[0];
        s += `${ip.slice(0, 15).padEnd(15)} ${str(2).slice(0, 29).padEnd(29)} ${str(3).slice(0, 74)}\n`;
      } else {
        const parts: string[] = [];
        for (let i = 0; i < params.length; i++) {
          const jp = params[i];
          if ((jp.jp_flags & JP_USER) === 0) continue;
          if ((pflags & PRINT_SKIP) !== 0 && (jp.jp_desc.access === JP_ACCESS_RD || (parent[i] >= 0 && params[parent[i]].jp_value !== JAIL_SYS_NEW))) continue;
          let t = "";
          if ((pflags & PRINT_NAMEVAL) !== 0) {
            if ((jp.jp_flags & (JP_BOOL | JP_NOBOOL)) !== 0) {
              const on = jailparam_export(jp) === "true";
              if (on) t = jp.jp_name;
              else if ((jp.jp_flags & JP_NOBOOL) !== 0) t = jp.jp_name.replace(/(^|\.)no([^.]*)$/, "$1$2");
              else {
                const dot = jp.jp_name.lastIndexOf(".");
                t = dot >= 0 ? `${jp.jp_name.slice(0, dot)}.no${jp.jp_name.slice(dot + 1)}` : `no${jp.jp_name}`;
              }
              parts.push(t);
              continue;
            }
            t = `${jp.jp_name}=`;
          }
          if (jailparam_valuelen(jp) === 0) {
            if ((pflags & PRINT_QUOTED) !== 0) t += '""';
            else if ((pflags & PRINT_NAMEVAL) === 0) t += "-";
          } else {
            const v = jailparam_export(jp);
            if (v === "") t += '""';
            else {
              const qc = v.includes("'") ? '"' : v.includes('"') ? "'" : v.includes(" ") || v.includes("\t") ? '"' : "";
              t += (pflags & PRINT_QUOTED) !== 0 && qc !== "" ? qc + v + qc : v;
            }
          }
          parts.push(t);
        }
        s += parts.join(" ") + "\n";
      }
      ctx.stdout.write(s);
      return g;
    };

    if (jid !== 0 || jname !== null) {
      const r = print_jail(jid !== 0 ? { jid } : { name: jname ?? "" });
      if (r.jid < 0) fatal(jail_errmsg.v);
    } else {
      for (let lastjid = 0; ; ) {
        const r = print_jail({ lastjid });
        if (r.jid < 0) {
          if (r.errno !== 0 && r.errno !== 2 /* ENOENT */) fatal(jail_errmsg.v);
          break;
        }
        lastjid = r.jid;
      }
    }
    return 0;
  });
}
