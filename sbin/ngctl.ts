// usr.sbin/ngctl/ngctl (main.c, ngctl.h, config.c, connect.c, debug.c, dot.c,
// list.c, mkpeer.c, msg.c, name.c, rmhook.c, show.c, shutdown.c, status.c,
// types.c, write.c): netgraph's control program.  It makes a socket node
// named "ngctl<pid>" and sends the generic messages (or any message, in
// ASCII) from it: one command from the command line, a file of commands
// (-f FILE, -f - for standard input), or, on a terminal, commands typed at
// a "+ " prompt.
//
// Departure: with no terminal in the simulator, interactive mode is only
// reached when the caller says stdin and stdout are one (prog_ctx.tty);
// otherwise `ngctl` alone is "no command specified", as FreeBSD's is with
// its input redirected.  Messages are read without waiting (see
// libnetgraph.ts).

import fs from "node:fs";
import path from "node:path";
import { EACCES, EINVAL, EISDIR, ENOENT, strerror } from "../kern/errno.ts";
import { AF_NETGRAPH } from "../kern/socket.ts";
import { sys_poll, sys_sendto, POLLIN, type proc } from "../kern/uipc_syscalls.ts";
import {
  NGF_RESP,
  NGM_BINARY2ASCII,
  NGM_CONNECT,
  NGM_GENERIC_COOKIE,
  NGM_LISTHOOKS,
  NGM_LISTNAMES,
  NGM_LISTNODES,
  NGM_LISTTYPES,
  NGM_MKPEER,
  NGM_NAME,
  NGM_RMHOOK,
  NGM_SHUTDOWN,
  NGM_TEXT_CONFIG,
  NGM_TEXT_STATUS,
  NG_HOOKSIZ,
  NG_MESG_HDRLEN,
  NG_NODESIZ,
  NG_TEXTRESPONSE,
  hooklist_dec,
  namelist_dec,
  ngm_connect_enc,
  ngm_mkpeer_enc,
  ngm_str_enc,
  typelist_dec,
} from "../netgraph/netgraph.ts";
import { ng_mesg_bytes, ng_mesg_parse, sockaddr_ng } from "../netgraph/ng_socket.ts";
import { isatty, progname, prog_run, type prog_ctx } from "./libc.ts";
import { cstring, isprint, ng_lib, strlcpy, type libnetgraph } from "./libnetgraph.ts";

// ngctl.h
const CMDRTN_OK = 0;
const CMDRTN_USAGE = 1;
const CMDRTN_ERROR = 2;
const CMDRTN_QUIT = 3;
const MAX_CMD_ALIAS = 8;

// sysexits.h
const EX_USAGE = 64;
const EX_NOINPUT = 66;
const EX_OSERR = 71;

const PROMPT = "+ ";
const MAX_ARGS = 512;
const WHITESPACE = " \t\r\n\v\f";
/** LINE_MAX: fgets reads lines in pieces of at most this less one. */
const LINE_MAX = 2048;
const UNNAMED = "<unnamed>";

/** struct ngcmd. */
interface ngcmd {
  func: (st: ngctl, ac: number, av: string[]) => Promise<number>;
  cmd: string;
  desc: string;
  help: string | null;
  aliases: string[];
}

/** Thrown by err(3)/errx(3) inside a command: the program exits. */
class ngctl_exit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

/** One run of ngctl: its sockets and its standard streams. */
class ngctl {
  csock = -1;
  dsock = -1;
  readonly lib: libnetgraph;
  constructor(readonly ctx: prog_ctx) {
    this.lib = ng_lib(ctx);
  }
  get p(): proc {
    return this.ctx.p as proc;
  }
  printf(s: string): void {
    this.ctx.stdout.write(s);
  }
  warnx(msg: string): void {
    this.ctx.stderr.write(`${progname(this.ctx)}: ${msg}\n`);
  }
  /** warn(3) with libnetgraph's errno. */
  warn(msg: string, errno = this.lib.errno): void {
    this.ctx.stderr.write(`${progname(this.ctx)}: ${msg}: ${strerror(errno)}\n`);
  }
  err(status: number, msg: string, errno = this.lib.errno): never {
    this.warn(msg, errno);
    throw new ngctl_exit(status);
  }
  errx(status: number, msg: string): never {
    this.warnx(msg);
    throw new ngctl_exit(status);
  }
  path_of(file: string): string {
    return path.resolve(this.ctx.cwd ?? this.ctx.env.get("PWD") ?? process.cwd(), file);
  }
}

/** The errno of a failed fopen. */
function fs_errno(e: unknown): number {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT" || code === "ENOTDIR") return ENOENT;
  if (code === "EACCES" || code === "EPERM") return EACCES;
  if (code === "EISDIR") return EISDIR;
  return EINVAL;
}

function read_file(st: ngctl, file: string): { error: number; text: string } {
  try {
    return { error: 0, text: fs.readFileSync(st.path_of(file), "latin1") };
  } catch (e) {
    return { error: fs_errno(e), text: "" };
  }
}

/** getopt(3) for a command's own options (optind = 1): the options, the
 *  operands, or null after getopt's complaint (the command's usage). */
function cmd_getopt(st: ngctl, av: string[], optstring: string): { opts: string[]; rest: string[] } | null {
  const opts: string[] = [];
  let i = 1;
  for (; i < av.length; i++) {
    const a = av[i];
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (!optstring.includes(c) || c === ":") {
        st.warnx(`illegal option -- ${c}`);
        return null;
      }
      opts.push(c);
    }
  }
  return { opts, rest: av.slice(i) };
}

/** printf's %-Ns and %Ns. */
function ljust(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}
function rjust(s: string, n: number): string {
  return s.length >= n ? s : " ".repeat(n - s.length) + s;
}
function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}
function hex(n: number): string {
  return (n >>> 0).toString(16);
}

/** sscanf(s, "%i"): a C integer (decimal, 0x hex, 0 octal, signed) at the
 *  start of s, or null. */
function scan_int(s: string): number | null {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (m === null) return null;
  const body = m[2];
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (body.length > 1 && body[0] === "0") v = parseInt(body, 8);
  else v = parseInt(body, 10);
  return m[1] === "-" ? -v : v;
}

/** DumpAscii: hex and printable characters, 16 bytes a line. */
function DumpAscii(st: ngctl, buf: Uint8Array): void {
  for (let count = 0; count < buf.length; count += 16) {
    let s = count.toString(16).padStart(4, "0") + ":  ";
    for (let k = 0; k < 16; k++) s += count + k < buf.length ? buf[count + k].toString(16).padStart(2, "0") + " " : "   ";
    s += " ";
    for (let k = 0; k < 16; k++) s += count + k < buf.length ? (isprint(buf[count + k]) ? String.fromCharCode(buf[count + k]) : ".") : " ";
    st.printf(`${s}\n`);
  }
}

// ---------------------------------------------------------------------------
// The commands

async function ConfigCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  if (ac < 2) return CMDRTN_USAGE;
  const p = av[1];
  const buf = av.slice(2, ac).join(" ");
  const args = buf !== "" ? new TextEncoder().encode(buf + "\0") : null;
  const status = text_reply(st, p, NGM_TEXT_CONFIG, args);
  if (status === CMDRTN_ERROR) return CMDRTN_ERROR;
  if (status === null) st.printf(`No config available for "${p}"\n`);
  else st.printf(`Config for "${p}":\n${status}\n`);
  return CMDRTN_OK;
}

/** The exchange config.c and status.c each write out: send a text request;
 *  EINVAL (the type has none) or no proper response is null ("No ...
 *  available"), another send error is warned and CMDRTN_ERROR. */
function text_reply(st: ngctl, p: string, cmd: number, args: Uint8Array | null): string | null | typeof CMDRTN_ERROR {
  if (st.lib.NgSendMsg(st.csock, p, NGM_GENERIC_COOKIE, cmd, args) < 0) {
    if (st.lib.errno === EINVAL) return null;
    st.warn("send msg");
    return CMDRTN_ERROR;
  }
  const r = st.lib.NgRecvMsg(st.csock, NG_MESG_HDRLEN + NG_TEXTRESPONSE);
  if (r === null || (r.msg.header.flags & NGF_RESP) === 0) return null;
  return cstring(r.msg.data);
}

async function ConnectCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  let p = ".";
  if (ac === 5) {
    p = av[1];
    av = av.slice(1);
  } else if (ac !== 4) return CMDRTN_USAGE;
  if (st.lib.NgSendMsg(st.csock, p, NGM_GENERIC_COOKIE, NGM_CONNECT, ngm_connect_enc(av[1], av[2], av[3])) < 0) {
    st.warn("send msg");
    return CMDRTN_ERROR;
  }
  return CMDRTN_OK;
}

async function DebugCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  switch (ac) {
    case 2: {
      let level: number;
      if (av[1] === "+") level = st.lib.NgSetDebug(-1) + 1;
      else if (av[1] === "-") level = st.lib.NgSetDebug(-1) - 1;
      else if ((level = scan_int_atoi(av[1])) < 0) return CMDRTN_USAGE;
      st.lib.NgSetDebug(level);
      break;
    }
    case 1:
      st.printf(`Current debug level is ${st.lib.NgSetDebug(-1)}\n`);
      break;
    default:
      return CMDRTN_USAGE;
  }
  return CMDRTN_OK;
}

/** atoi(3): leading decimal digits, 0 when there are none. */
function scan_int_atoi(s: string): number {
  const m = /^\s*([+-]?[0-9]+)/.exec(s);
  return m === null ? 0 : Number(m[1]) | 0;
}

async function DotCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  const g = cmd_getopt(st, av.slice(0, ac), "c");
  if (g === null) return CMDRTN_USAGE;
  const compact = g.opts.includes("c");
  let file: string | null = null;
  switch (g.rest.length) {
    case 1:
      file = g.rest[0];
      try {
        fs.writeFileSync(st.path_of(file), "");
      } catch (e) {
        st.warn(`Could not open ${file} for writing`, fs_errno(e));
        return CMDRTN_ERROR;
      }
      break;
    case 0:
      break;
    default:
      return CMDRTN_USAGE;
  }
  let out = "";
  const f = (s: string): void => {
    out += s;
  };
  const flush = (): void => {
    if (file === null) st.printf(out);
    else fs.appendFileSync(st.path_of(file), out);
    out = "";
  };
  if (st.lib.NgSendMsg(st.csock, ".", NGM_GENERIC_COOKIE, NGM_LISTNODES, null) < 0) {
    st.warn("send listnodes msg");
    return CMDRTN_ERROR;
  }
  const nl = st.lib.NgAllocRecvMsg(st.csock);
  if (nl === null) {
    st.warn("recv listnodes msg");
    return CMDRTN_ERROR;
  }
  const nlist = namelist_dec(nl.msg.data);
  if (compact) {
    f("digraph netgraph {\n");
    f('\tedge [ dir = "none", fontsize = 10 ];\n');
  } else {
    f("graph netgraph {\n");
    f("\tedge [ weight = 1.0 ];\n");
  }
  f("\tnode [ shape = record, fontsize = 12 ] {\n");
  for (const ni of nlist) f(`\t\t"${hex(ni.id)}" [ label = "{${ni.name !== "" ? ni.name : "\\<unnamed\\>"}:|{${ni.type}|[${hex(ni.id)}]:}}" ];\n`);
  f("\t};\n");
  f("\tsubgraph cluster_disconnected {\n");
  f("\t\tbgcolor = pink;\n");
  for (const ni of nlist) if (ni.hooks === 0) f(`\t\t"${hex(ni.id)}";\n`);
  f("\t};\n");
  for (const ni of nlist) {
    const where = `[${hex(ni.id)}]:`;
    if (st.lib.NgSendMsg(st.csock, where, NGM_GENERIC_COOKIE, NGM_LISTHOOKS, null) < 0) {
      flush();
      st.warn("send listhooks msg");
      return CMDRTN_ERROR;
    }
    const hl = st.lib.NgAllocRecvMsg(st.csock);
    if (hl === null) {
      flush();
      st.warn("recv listhooks msg");
      return CMDRTN_ERROR;
    }
    const hlist = hooklist_dec(hl.msg.data);
    if (hlist.nodeinfo.hooks === 0) continue;
    if (!compact) {
      f("\tnode [ shape = octagon, fontsize = 10 ] {\n");
      for (const l of hlist.link) f(`\t\t"${hex(ni.id)}.${l.ourhook}" [ label = "${l.ourhook}" ];\n`);
      f("\t};\n");
      f("\t{\n\t\tedge [ weight = 2.0, style = bold ];\n");
      for (const l of hlist.link) f(`\t\t"${hex(ni.id)}" -- "${hex(ni.id)}.${l.ourhook}";\n`);
      f("\t};\n");
    }
    for (const l of hlist.link) {
      // Each edge once: from the node with the larger ID.
      if (l.nodeinfo.id > ni.id) continue;
      if (compact) f(`\t"${hex(l.nodeinfo.id)}" -> "${hex(ni.id)}" [ headlabel = "${l.ourhook}", taillabel = "${l.peerhook}" ] ;\n`);
      else f(`\t"${hex(ni.id)}.${l.ourhook}" -- "${hex(l.nodeinfo.id)}.${l.peerhook}";\n`);
    }
  }
  f("}\n");
  flush();
  return CMDRTN_OK;
}

async function HelpCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  if (ac <= 1) {
    st.printf("Available commands:\n");
    for (const cmd of cmds) {
      const name = cmd.cmd.split(/[ \t\r\n\v\f]/)[0];
      st.printf(`  ${ljust(name, 10)} ${cmd.desc}\n`);
    }
    return CMDRTN_OK;
  }
  const cmd = FindCommand(st, av[1]);
  if (cmd === null) return CMDRTN_OK;
  st.printf(`usage:    ${cmd.cmd}\n`);
  if (cmd.aliases.length > 0) st.printf(`Aliases:  ${cmd.aliases.slice(0, MAX_CMD_ALIAS).join(", ")}\n`);
  st.printf(`Summary:  ${cmd.desc}\n`);
  if (cmd.help !== null) {
    st.printf("Description:\n");
    // Lines of at most 64 characters, broken after a space.
    let s = cmd.help;
    while (s.length > 0) {
      s = s.replace(/^[ \t\r\n\v\f]+/, "");
      let buf = s.slice(0, 64);
      let len = buf.length;
      if (len !== s.length) {
        while (len > 0 && !WHITESPACE.includes(buf[len - 1])) len--;
        buf = buf.slice(0, len);
      }
      st.printf(`  ${buf}\n`);
      s = s.slice(len);
      if (len === 0) break;
    }
  }
  return CMDRTN_OK;
}

async function ListCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  const g = cmd_getopt(st, av.slice(0, ac), "ln");
  if (g === null) return CMDRTN_USAGE;
  const list_hooks = g.opts.includes("l");
  const named_only = g.opts.includes("n");
  if (g.rest.length !== 0) return CMDRTN_USAGE;
  if (st.lib.NgSendMsg(st.csock, ".", NGM_GENERIC_COOKIE, named_only ? NGM_LISTNAMES : NGM_LISTNODES, null) < 0) {
    st.warn("send msg");
    return CMDRTN_ERROR;
  }
  const resp = st.lib.NgAllocRecvMsg(st.csock);
  if (resp === null) {
    st.warn("recv msg");
    return CMDRTN_ERROR;
  }
  const nlist = namelist_dec(resp.msg.data);
  st.printf(`There are ${nlist.length} total ${named_only ? "named " : ""}nodes:\n`);
  let rtn = CMDRTN_OK;
  if (list_hooks) {
    for (let i = 0; i < nlist.length; i++) {
      if ((rtn = await ShowCmd(st, 2, ["show", `[${hex(nlist[i].id)}]:`])) !== CMDRTN_OK) break;
      if (i + 1 < nlist.length) st.printf("\n");
    }
  } else {
    for (const ni of nlist) st.printf(`  Name: ${ljust(ni.name !== "" ? ni.name : UNNAMED, 15)} Type: ${ljust(ni.type, 15)} ID: ${hex8(ni.id)}   Num hooks: ${ni.hooks}\n`);
  }
  return rtn;
}

async function MkPeerCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  let p = ".";
  if (ac === 5) {
    p = av[1];
    av = av.slice(1);
  } else if (ac !== 4) return CMDRTN_USAGE;
  if (st.lib.NgSendMsg(st.csock, p, NGM_GENERIC_COOKIE, NGM_MKPEER, ngm_mkpeer_enc(av[1], av[2], av[3])) < 0) {
    st.warn("send msg");
    return CMDRTN_ERROR;
  }
  return CMDRTN_OK;
}

async function MsgCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  if (ac < 3) return CMDRTN_USAGE;
  const p = av[1];
  const cmdstr = av[2];
  let buf = "";
  for (let i = 3; i < ac; i++) buf += ` ${av[i]}`;
  if (st.lib.NgSendAsciiMsg(st.csock, p, `${cmdstr}${buf}`) < 0) {
    st.warn("send msg");
    return CMDRTN_ERROR;
  }
  // A synchronous reply may be waiting.
  const r = await sys_poll(st.p, [{ fd: st.csock, events: POLLIN, revents: 0 }], 0);
  if (r.error !== 0) st.err(EX_OSERR, "select", r.error);
  if (r.n > 0) MsgRead(st);
  return CMDRTN_OK;
}

/** MsgRead: show the next incoming message, in ASCII if its sender can say
 *  it so. */
function MsgRead(st: ngctl): void {
  const m = st.lib.NgAllocRecvMsg(st.csock);
  if (m === null) {
    st.warn("recv incoming message");
    return;
  }
  const kind = (flags: number): string => ((flags & NGF_RESP) !== 0 ? "response" : "command");
  const m2 = st.lib.NgSendMsg(st.csock, m.path, NGM_GENERIC_COOKIE, NGM_BINARY2ASCII, ng_mesg_bytes(m.msg)) < 0 ? null : st.lib.NgAllocRecvMsg(st.csock);
  if (m2 === null) {
    st.printf(`Rec'd ${kind(m.msg.header.flags)} ${m.msg.header.cmd | 0} from "${m.path}":\n`);
    if (m.msg.header.arglen === 0) st.printf("No arguments\n");
    else DumpAscii(st, m.msg.data);
    return;
  }
  const ascii = ng_mesg_parse(m2.msg.data);
  st.printf(`Rec'd ${kind(ascii.header.flags)} "${ascii.header.cmdstr}" (${ascii.header.cmd | 0}) from "${m.path}":\n`);
  const text = cstring(ascii.data);
  if (text !== "") st.printf(`Args:\t${text}\n`);
  else st.printf("No arguments\n");
}

async function NameCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  if (ac !== 3) return CMDRTN_USAGE;
  if (st.lib.NgSendMsg(st.csock, av[1], NGM_GENERIC_COOKIE, NGM_NAME, ngm_str_enc(av[2], NG_NODESIZ)) < 0) {
    st.warn("send msg");
    return CMDRTN_ERROR;
  }
  return CMDRTN_OK;
}

async function ReadCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  if (ac !== 2) return CMDRTN_USAGE;
  const r = read_file(st, av[1]);
  if (r.error !== 0) {
    st.warn(av[1], r.error);
    return CMDRTN_ERROR;
  }
  return ReadFile(st, r.text);
}

async function RmHookCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  let p = ".";
  if (ac === 3) {
    p = av[1];
    av = av.slice(1);
  } else if (ac !== 2) return CMDRTN_USAGE;
  if (st.lib.NgSendMsg(st.csock, p, NGM_GENERIC_COOKIE, NGM_RMHOOK, ngm_str_enc(av[1], NG_HOOKSIZ)) < 0) {
    st.warn("send msg");
    return CMDRTN_ERROR;
  }
  return CMDRTN_OK;
}

async function ShowCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  const g = cmd_getopt(st, av.slice(0, ac), "n");
  if (g === null) return CMDRTN_USAGE;
  const no_hooks = g.opts.includes("n");
  if (g.rest.length !== 1) return CMDRTN_USAGE;
  if (st.lib.NgSendMsg(st.csock, g.rest[0], NGM_GENERIC_COOKIE, NGM_LISTHOOKS, null) < 0) {
    st.warn("send msg");
    return CMDRTN_ERROR;
  }
  const resp = st.lib.NgAllocRecvMsg(st.csock);
  if (resp === null) {
    st.warn("recv msg");
    return CMDRTN_ERROR;
  }
  const hlist = hooklist_dec(resp.msg.data);
  const ni = hlist.nodeinfo;
  st.printf(`  Name: ${ljust(ni.name !== "" ? ni.name : UNNAMED, 15)} Type: ${ljust(ni.type, 15)} ID: ${hex8(ni.id)}   Num hooks: ${ni.hooks}\n`);
  if (!no_hooks && ni.hooks > 0) {
    const FMT = (a: string, b: string, c: string, d: string, e: string): string => `  ${ljust(a, 15)} ${ljust(b, 15)} ${ljust(c, 12)} ${ljust(d, 15)} ${ljust(e, 15)}\n`;
    st.printf(FMT("Local hook", "Peer name", "Peer type", "Peer ID", "Peer hook"));
    st.printf(FMT("----------", "---------", "---------", "-------", "---------"));
    for (const l of hlist.link) {
      const peer = l.nodeinfo;
      st.printf(FMT(l.ourhook, peer.name !== "" ? peer.name : UNNAMED, peer.type, hex8(peer.id), l.peerhook));
    }
  }
  return CMDRTN_OK;
}

async function ShutdownCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  if (ac !== 2) return CMDRTN_USAGE;
  if (st.lib.NgSendMsg(st.csock, av[1], NGM_GENERIC_COOKIE, NGM_SHUTDOWN, null) < 0) {
    st.warn("shutdown");
    return CMDRTN_ERROR;
  }
  return CMDRTN_OK;
}

async function StatusCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  if (ac !== 2) return CMDRTN_USAGE;
  const p = av[1];
  const status = text_reply(st, p, NGM_TEXT_STATUS, null);
  if (status === CMDRTN_ERROR) return CMDRTN_ERROR;
  if (status === null) st.printf(`No status available for "${p}"\n`);
  else st.printf(`Status for "${p}":\n${status}\n`);
  return CMDRTN_OK;
}

async function TypesCmd(st: ngctl, ac: number, _av: string[]): Promise<number> {
  if (ac !== 1) return CMDRTN_USAGE;
  if (st.lib.NgSendMsg(st.csock, ".", NGM_GENERIC_COOKIE, NGM_LISTTYPES, null) < 0) {
    st.warn("send msg");
    return CMDRTN_ERROR;
  }
  const resp = st.lib.NgAllocRecvMsg(st.csock);
  if (resp === null) {
    st.warn("recv msg");
    return CMDRTN_ERROR;
  }
  const tlist = typelist_dec(resp.msg.data);
  st.printf(`There are ${tlist.length} total types:\n`);
  if (tlist.length > 0) {
    st.printf(`${rjust("Type name", 15)}   Number of living nodes\n`);
    st.printf(`${rjust("---------", 15)}   ----------------------\n`);
  }
  for (const ti of tlist) st.printf(`${rjust(ti.type_name, 15)}   ${rjust(String(ti.numnodes), 5)}\n`);
  return CMDRTN_OK;
}

const BUF_SIZE = 8192;

async function WriteCmd(st: ngctl, ac: number, av: string[]): Promise<number> {
  if (ac < 3) return CMDRTN_USAGE;
  const hook = av[1];
  let buf: Uint8Array;
  if (av[2] === "-f") {
    if (ac !== 4) return CMDRTN_USAGE;
    let data: Buffer;
    try {
      data = fs.readFileSync(st.path_of(av[3]));
    } catch (e) {
      st.warn(`can't read file "${av[3]}"`, fs_errno(e));
      return CMDRTN_ERROR;
    }
    if (data.length === 0) {
      st.warnx(`file "${av[3]}" is empty`);
      return CMDRTN_ERROR;
    }
    buf = new Uint8Array(data.subarray(0, BUF_SIZE));
  } else {
    const bytes: number[] = [];
    for (let i = 2; i < ac && bytes.length < BUF_SIZE; i++) {
      const byte = scan_int(av[i]);
      if (byte === null || byte < -128 || byte > 255) {
        st.warnx(`invalid byte "${av[i]}"`);
        return CMDRTN_ERROR;
      }
      bytes.push(byte & 0xff);
    }
    if (bytes.length === 0) return CMDRTN_USAGE;
    buf = Uint8Array.from(bytes);
  }
  // sg_len counts the hook name, its NUL and the header.
  const sag = new sockaddr_ng(strlcpy(hook, 256 - 2), 3 + new TextEncoder().encode(hook).length);
  sag.sg_family = AF_NETGRAPH;
  const r = sys_sendto(st.p, st.dsock, buf, 0, sag);
  if (r.error !== 0) {
    st.warn(`writing to hook "${hook}"`, r.error);
    return CMDRTN_ERROR;
  }
  return CMDRTN_OK;
}

async function QuitCmd(_st: ngctl, _ac: number, _av: string[]): Promise<number> {
  return CMDRTN_QUIT;
}

const config_cmd: ngcmd = { func: ConfigCmd, cmd: "config <path> [arguments]", desc: "get or set configuration of node at <path>", help: null, aliases: [] };
const connect_cmd: ngcmd = {
  func: ConnectCmd,
  cmd: "connect [path] <relpath> <hook> <peerhook>",
  desc: "Connects hook <peerhook> of the node at <relpath> to <hook>",
  help:
    "The connect command creates a link between the two nodes at" +
    ' "path" and "relpath" using hooks "hook" and "peerhook",' +
    ' respectively. The "relpath", if not absolute, is specified' +
    ' relative to the node at "path".' +
    ' If "path" is omitted then "." is assumed.',
  aliases: ["join"],
};
const debug_cmd: ngcmd = {
  func: DebugCmd,
  cmd: "debug [level]",
  desc: "Get/set debugging verbosity level",
  help:
    "Without any argument, this command displays the current" +
    " debugging verbosity level. If the argument is ``+'' or ``-''" +
    " the debug level is incremented or decremented; otherwise," +
    " it must be an absolute numerical level.",
  aliases: [],
};
const dot_cmd: ngcmd = {
  func: DotCmd,
  cmd: "dot [-c] [outputfile]",
  desc: "Produce a GraphViz (.dot) of the entire netgraph.",
  help: "If no outputfile is specified, stdout will be assumed." + " The optional -c argument generates a graph without separate" + " structures for edge names. Such a graph is more compact.",
  aliases: ["graphviz", "confdot"],
};
const help_cmd: ngcmd = { func: HelpCmd, cmd: "help [command]", desc: "Show command summary or get more help on a specific command", help: null, aliases: ["?"] };
const list_cmd: ngcmd = {
  func: ListCmd,
  cmd: "list [-ln]",
  desc: "Show information about all nodes",
  help:
    "The list command shows information about every node that currently" +
    " exists in the netgraph system. The optional -n argument limits" +
    " this list to only those nodes with a global name assignment." +
    " The optional -l argument provides verbose output that includes" +
    " hook information as well.",
  aliases: ["ls"],
};
const mkpeer_cmd: ngcmd = {
  func: MkPeerCmd,
  cmd: "mkpeer [path] <type> <hook> <peerhook>",
  desc: 'Create and connect a new node to the node at "path"',
  help:
    'The mkpeer command atomically creates a new node of type "type"' +
    ' and connects it to the node at "path". The hooks used for the' +
    ' connection are "hook" on the original node and "peerhook"' +
    " on the new node." +
    ' If "path" is omitted then "." is assumed.',
  aliases: [],
};
const msg_cmd: ngcmd = {
  func: MsgCmd,
  cmd: "msg path command [args ... ]",
  desc: 'Send a netgraph control message to the node at "path"',
  help:
    "The msg command constructs a netgraph control message from the" +
    " command name and ASCII arguments (if any) and sends that message" +
    " to the node.  It does this by first asking the node to convert" +
    " the ASCII message into binary format, and resending the result.",
  aliases: ["cmd"],
};
const name_cmd: ngcmd = { func: NameCmd, cmd: "name <path> <name>", desc: "Assign name <name> to the node at <path>", help: null, aliases: [] };
const read_cmd: ngcmd = { func: ReadCmd, cmd: "read <filename>", desc: "Read and execute commands from a file", help: null, aliases: ["source", "."] };
const rmhook_cmd: ngcmd = {
  func: RmHookCmd,
  cmd: "rmhook [path] <hook>",
  desc: 'Disconnect hook "hook" of the node at "path"',
  help: 'The rmhook command forces the node at "path" to break the link' + ' formed by its hook "hook", if connected.' + ' If "path" is omitted then "." is assumed.',
  aliases: ["disconnect"],
};
const show_cmd: ngcmd = { func: ShowCmd, cmd: "show [-n] <path>", desc: "Show information about the node at <path>", help: "If the -n flag is given, hooks are not listed.", aliases: ["inquire", "info"] };
const shutdown_cmd: ngcmd = { func: ShutdownCmd, cmd: "shutdown <path>", desc: "Shutdown the node at <path>", help: null, aliases: ["kill", "rmnode"] };
const status_cmd: ngcmd = { func: StatusCmd, cmd: "status <path>", desc: "Get human readable status information from the node at <path>", help: null, aliases: [] };
const types_cmd: ngcmd = { func: TypesCmd, cmd: "types", desc: "Show information about all installed node types", help: null, aliases: [] };
const write_cmd: ngcmd = {
  func: WriteCmd,
  cmd: "write hook < -f file | byte ... >",
  desc: 'Send a data packet down the hook named by "hook".',
  help: "The data may be contained in a file, or may be described directly" + " on the command line by supplying a sequence of bytes.",
  aliases: ["w"],
};
const quit_cmd: ngcmd = { func: QuitCmd, cmd: "quit", desc: "Exit program", help: null, aliases: ["exit"] };

/** The commands, in main.c's order (help lists them so). */
const cmds: ngcmd[] = [config_cmd, connect_cmd, debug_cmd, dot_cmd, help_cmd, list_cmd, mkpeer_cmd, msg_cmd, name_cmd, read_cmd, rmhook_cmd, show_cmd, shutdown_cmd, status_cmd, types_cmd, write_cmd, quit_cmd];

// ---------------------------------------------------------------------------
// main.c

/** MatchCommand: s is a prefix of the command's name or of an alias, in
 *  any case. */
function MatchCommand(cmd: ngcmd, s: string): boolean {
  const lower = s.toLowerCase();
  const name = cmd.cmd.split(/[ \t\r\n\v\f]/)[0];
  if (s.length <= name.length && name.toLowerCase().startsWith(lower)) return true;
  for (const a of cmd.aliases.slice(0, MAX_CMD_ALIAS)) if (a.length >= s.length && a.toLowerCase().startsWith(lower)) return true;
  return false;
}

function FindCommand(st: ngctl, s: string): ngcmd | null {
  let found: ngcmd | null = null;
  for (const cmd of cmds) {
    if (MatchCommand(cmd, s)) {
      if (found !== null) {
        st.warnx(`"${s}": ambiguous command`);
        return null;
      }
      found = cmd;
    }
  }
  if (found === null) {
    st.warnx(`"${s}": unknown command`);
    return null;
  }
  return found;
}

async function DoCommand(st: ngctl, av: string[]): Promise<number> {
  if (av.length === 0 || av[0] === "") return CMDRTN_OK;
  const cmd = FindCommand(st, av[0]);
  if (cmd === null) return CMDRTN_ERROR;
  const rtn = await cmd.func(st, av.length, av);
  if (rtn === CMDRTN_USAGE) st.warnx(`usage: ${cmd.cmd}`);
  return rtn;
}

/** DoParseCommand: split the line at white space (strtok) and run it. */
async function DoParseCommand(st: ngctl, line: string): Promise<number> {
  const av: string[] = [];
  let word = "";
  for (const c of line) {
    if (WHITESPACE.includes(c)) {
      if (word !== "") av.push(word);
      word = "";
    } else word += c;
  }
  if (word !== "") av.push(word);
  return DoCommand(st, av.slice(0, MAX_ARGS - 1));
}

/** The lines fgets(3) would read, LINE_MAX - 1 bytes at most each. */
function fgets_lines(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let j = text.indexOf("\n", i);
    j = j < 0 ? text.length : j + 1;
    if (j - i > LINE_MAX - 1) j = i + LINE_MAX - 1;
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

/** ReadFile: every line but comments; the first failing one ends it. */
async function ReadFile(st: ngctl, text: string): Promise<number> {
  const lines = fgets_lines(text);
  for (let num = 1; num <= lines.length; num++) {
    const line = lines[num - 1];
    if (line.startsWith("#")) continue;
    const rtn = await DoParseCommand(st, line);
    if (rtn !== 0) {
      st.warnx(`line ${num}: error in file`);
      return rtn;
    }
  }
  return CMDRTN_OK;
}

/** ReadSockets: show what arrived on the control and data sockets. */
async function ReadSockets(st: ngctl): Promise<void> {
  const fds = [
    { fd: st.csock, events: POLLIN, revents: 0 },
    { fd: st.dsock, events: POLLIN, revents: 0 },
  ];
  const r = await sys_poll(st.p, fds, 0);
  if (r.error !== 0 || r.n === 0) return;
  if ((fds[0].revents & POLLIN) !== 0) MsgRead(st);
  if ((fds[1].revents & POLLIN) !== 0) {
    const got = st.lib.NgAllocRecvData(st.dsock);
    if (got === null) st.err(EX_OSERR, `reading hook ""`);
    if (got.data.length === 0) st.errx(EX_OSERR, `EOF from hook "${got.hook}"?`);
    st.printf(`Rec'd data packet on hook "${got.hook}":\n`);
    DumpAscii(st, got.data);
  }
}

/** DoInteractive: the command summary, then a prompt per line until EOF or
 *  quit; messages and frames that arrived are shown before each prompt. */
async function DoInteractive(st: ngctl): Promise<number> {
  await HelpCmd(st, 0, []);
  const lines = fgets_lines(st.ctx.stdin);
  st.ctx.stdin_read = true;
  for (let i = 0; ; i++) {
    await ReadSockets(st);
    st.printf(PROMPT);
    if (i >= lines.length) {
      st.printf("\n");
      break;
    }
    if ((await DoParseCommand(st, lines[i])) === CMDRTN_QUIT) break;
  }
  return CMDRTN_QUIT;
}

function Usage(st: ngctl, msg: string | null): never {
  if (msg !== null) st.warnx(msg);
  st.ctx.stderr.write("usage: ngctl [-d] [-f file] [-n name] [command ...]\n");
  throw new ngctl_exit(EX_USAGE);
}

export async function ngctl_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const st = new ngctl(ctx);
    try {
      return await ngctl_run(st);
    } catch (e) {
      if (e instanceof ngctl_exit) return e.status;
      throw e;
    }
  });
}

async function ngctl_run(st: ngctl): Promise<number> {
  const ctx = st.ctx;
  const interactive = isatty(ctx, 0) && isatty(ctx, 1);
  let name = strlcpy(`ngctl${ctx.p.p_pid}`, NG_NODESIZ);
  let fp: string | null = null;
  const av = ctx.argv;
  let optind = 1;
  // getopt(ac, av, "df:n:")
  for (; optind < av.length; optind++) {
    const a = av[optind];
    if (a === "--") {
      optind++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (c === "d") st.lib.NgSetDebug(st.lib.NgSetDebug(-1) + 1);
      else if (c === "f" || c === "n") {
        let optarg = a.slice(j + 1);
        if (optarg === "") {
          if (++optind >= av.length) {
            st.warnx(`option requires an argument -- ${c}`);
            Usage(st, null);
          }
          optarg = av[optind];
        }
        if (c === "n") name = strlcpy(optarg, NG_NODESIZ);
        else if (optarg === "-") {
          fp = ctx.stdin;
          ctx.stdin_read = true;
        } else {
          const r = read_file(st, optarg);
          if (r.error !== 0) st.err(EX_NOINPUT, optarg, r.error);
          fp = r.text;
        }
        break;
      } else {
        st.warnx(`illegal option -- ${c}`);
        Usage(st, null);
      }
    }
  }
  const args = av.slice(optind);

  const socks = st.lib.NgMkSockNode(name, true);
  if (socks === null) st.err(EX_OSERR, "can't create node");
  st.csock = socks.cs;
  st.dsock = socks.ds;

  let rtn: number;
  if (args.length === 0) {
    if (fp !== null) rtn = await ReadFile(st, fp);
    else if (interactive) rtn = await DoInteractive(st);
    else Usage(st, "no command specified");
  } else rtn = await DoCommand(st, args);

  switch (rtn) {
    case CMDRTN_OK:
    case CMDRTN_QUIT:
      return 0;
    case CMDRTN_USAGE:
      return EX_USAGE;
    case CMDRTN_ERROR:
      return EX_OSERR;
  }
  return rtn;
}
