// lib/libnetgraph (netgraph.h, msg.c, sock.c, debug.c): the C
// library userland uses to talk to netgraph through PF_NETGRAPH sockets.
//
// A process gets one library state (errno, debug level, log functions and
// the message token counter are globals of libnetgraph in C).  The calls
// keep the C signatures' spirit: they return -1 and set `errno` on failure.
//
// Departures: nothing blocks.  FreeBSD's NgDeliverMsg polls for the reply
// of a message that has one with no time limit, and NgRecvMsg sleeps in
// recvfrom; here a node's answer is queued before sendto returns, so the
// poll only looks, and a receive on an empty socket fails with EAGAIN
// instead of hanging.

import { strerror } from "../kern/errno.ts";
import { AF_NETGRAPH, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUF, type sockaddr } from "../kern/socket.ts";
import { sys_bind, sys_close, sys_connect, sys_getsockopt, sys_poll, sys_recvfrom, sys_sendto, sys_socket, POLLIN, type proc } from "../kern/uipc_syscalls.ts";
import { sys_kldload } from "../kern/kern_linker.ts";
import { EAFNOSUPPORT } from "../kern/errno.ts";
import {
  NGF_ORIG,
  NGF_RESP,
  NGM_ASCII2BINARY,
  NGM_BINARY2ASCII,
  NGM_GENERIC_COOKIE,
  NGM_HASREPLY,
  NGM_NAME,
  NGM_NODEINFO,
  NG_CMDSTRSIZ,
  NG_HOOKSIZ,
  NG_MESG_HDRLEN,
  NG_NODESIZ,
  NG_PATHSIZ,
  NG_VERSION,
  ng_mesg,
  ngm_str_enc,
  nodeinfo_dec,
} from "../netgraph/netgraph.ts";
import { NG_CONTROL, NG_DATA, NGM_SOCKET_COOKIE, ng_mesg_bytes, ng_mesg_parse, sockaddr_ng } from "../netgraph/ng_socket.ts";
import { progname, type prog_ctx } from "./libc.ts";

/** The socket node type's KLD, loaded when PF_NETGRAPH is missing. */
const NG_SOCKET_KLD = "ng_socket.ko";

export type ng_log_fn = (msg: string) => void;

/** libnetgraph's globals for one process. */
export class libnetgraph {
  errno = 0;
  /** _gNgDebugLevel */
  debug = 0;
  /** gMsgId: the last token used. */
  msgid = 0;
  /** _NgLog and _NgLogx: warn(3) and warnx(3) by default. */
  log: ng_log_fn;
  logx: ng_log_fn;
  constructor(readonly ctx: prog_ctx) {
    this.log = (msg) => ctx.stderr.write(`${progname(ctx)}: ${msg}: ${strerror(this.errno)}\n`);
    this.logx = (msg) => ctx.stderr.write(`${progname(ctx)}: ${msg}\n`);
  }

  get p(): proc {
    return this.ctx.p as proc;
  }

  /** NGLOG: the message with errno's text (warn). */
  private NGLOG(msg: string, errno: number): void {
    this.errno = errno;
    this.log(msg);
  }

  private fail(errno: number): -1 {
    this.errno = errno;
    return -1;
  }

  // -------------------------------------------------------------------------
  // debug.c

  /** NgSetDebug: set the level if level >= 0; the old level. */
  NgSetDebug(level: number): number {
    const old = this.debug;
    if (level >= 0) this.debug = level;
    return old;
  }

  /** NgSetErrLog: where warnings go (warn and warnx by default). */
  NgSetErrLog(log: ng_log_fn, logx: ng_log_fn): void {
    this.log = log;
    this.logx = logx;
  }

  private _NgDebugSockaddr(sg: sockaddr_ng): void {
    this.logx(`SOCKADDR: { fam=${sg.sg_family} len=${sg.sg_len} addr="${sg.sg_data}" }`);
  }

  private _NgDebugMsg(msg: ng_mesg): void {
    const h = msg.header;
    this.logx("NG_MESG :");
    this.logx(`  vers   ${h.version}`);
    this.logx(`  arglen ${h.arglen >>> 0}`);
    this.logx(`  flags  ${(h.flags >>> 0).toString(16)}`);
    this.logx(`  token  ${h.token >>> 0}`);
    this.logx(`  cookie ${NgCookie(h.typecookie)} (${h.typecookie >>> 0})`);
    // The ASCII translation of higher levels is not attempted.
    this.logx(`  cmd    ${h.cmd | 0}`);
    this.logx(`  args (${h.arglen | 0} bytes)`);
    this._NgDebugBytes(msg.data.subarray(0, h.arglen));
  }

  /** _NgDebugBytes: hex and ASCII, 16 bytes a line. */
  _NgDebugBytes(b: Uint8Array): void {
    for (let count = 0; count < b.length; count += 16) {
      let s = count.toString(16).padStart(4, "0") + ":  ";
      for (let k = 0; k < 16; k++) s += count + k < b.length ? b[count + k].toString(16).padStart(2, "0") + " " : "   ";
      s += "  ";
      for (let k = 0; k < 16; k++) s += count + k < b.length ? isprint(b[count + k]) ? String.fromCharCode(b[count + k]) : "." : "  ";
      this.logx(s);
    }
  }

  // -------------------------------------------------------------------------
  // sock.c

  /**
   * NgMkSockNode: a socket node named `name` (none if null or empty), its
   * control socket and, if wanted, a data socket attached to it.
   */
  NgMkSockNode(name: string | null, want_data: boolean): { cs: number; ds: number } | null {
    if (name !== null && name === "") name = null;
    let cs = -1;
    let ds = -1;
    let errnosv = 0;
    const out = (): null => {
      if (cs >= 0) sys_close(this.p, cs);
      if (ds >= 0) sys_close(this.p, ds);
      this.errno = errnosv;
      return null;
    };
    let r = sys_socket(this.p, AF_NETGRAPH, SOCK_DGRAM, NG_CONTROL);
    if (r.error === EAFNOSUPPORT) {
      // The socket type is not loaded: load it and try again.
      const k = sys_kldload(this.p, NG_SOCKET_KLD);
      if (k.error !== 0) {
        errnosv = k.error;
        if (this.debug >= 1) this.NGLOG(`can't load ${NG_SOCKET_KLD}`, errnosv);
        return out();
      }
      r = sys_socket(this.p, AF_NETGRAPH, SOCK_DGRAM, NG_CONTROL);
    }
    if (r.error !== 0) {
      errnosv = r.error;
      if (this.debug >= 1) this.NGLOG("socket", errnosv);
      return out();
    }
    cs = r.fd;
    let namebuf = "";
    if (name !== null) {
      const data = strlcpy(name, NG_NODESIZ);
      const e = sys_bind(this.p, cs, new sockaddr_ng(data));
      if (e !== 0) {
        errnosv = e;
        if (this.debug >= 1) this.NGLOG(`bind(${data})`, errnosv);
        return out();
      }
      namebuf = strlcpy(name, NG_NODESIZ);
    } else if (want_data) {
      // Address the data socket's node by its ID.
      if (this.NgSendMsg(cs, ".", NGM_GENERIC_COOKIE, NGM_NODEINFO, null) < 0) {
        errnosv = this.errno;
        if (this.debug >= 1) this.NGLOG("send nodeinfo", errnosv);
        return out();
      }
      const rep = this.NgRecvMsg(cs, NG_MESG_HDRLEN + 72);
      if (rep === null) {
        errnosv = this.errno;
        if (this.debug >= 1) this.NGLOG("recv nodeinfo", errnosv);
        return out();
      }
      namebuf = `[${nodeinfo_dec(rep.msg.data, 0).id.toString(16)}]`;
    }
    if (want_data) {
      const s = sys_socket(this.p, AF_NETGRAPH, SOCK_DGRAM, NG_DATA);
      if (s.error !== 0) {
        errnosv = s.error;
        if (this.debug >= 1) this.NGLOG("socket", errnosv);
        return out();
      }
      ds = s.fd;
      const path = strlcpy(`${namebuf}:`, NG_NODESIZ + 1);
      const e = sys_connect(this.p, ds, new sockaddr_ng(path));
      if (e !== 0) {
        errnosv = e;
        if (this.debug >= 1) this.NGLOG(`connect(${path})`, errnosv);
        return out();
      }
    }
    return { cs, ds };
  }

  /** NgNameNode: give the node at path a name. */
  NgNameNode(cs: number, path: string, name: string): number {
    if (this.NgSendMsg(cs, path, NGM_GENERIC_COOKIE, NGM_NAME, ngm_str_enc(name, NG_NODESIZ)) < 0) {
      if (this.debug >= 1) this.logx("NgNameNode: failed");
      return -1;
    }
    return 0;
  }

  /** NgRecvData: the next frame on a data socket and the hook it came in on. */
  NgRecvData(ds: number, len: number): { data: Uint8Array; hook: string } | null {
    const r = sys_recvfrom(this.p, ds, len, 0);
    if (r.error !== 0 || r.data === null) {
      if (this.debug >= 1) this.NGLOG("recvfrom", r.error);
      this.errno = r.error;
      return null;
    }
    const hook = strlcpy(sg_text(r.from), NG_HOOKSIZ);
    if (this.debug >= 2) {
      this.logx(`READ ${r.data.length !== 0 ? "PACKET" : "EOF"} from hook "${hook}" (${r.data.length} bytes)`);
      if (this.debug >= 3) this._NgDebugBytes(r.data);
    }
    return { data: r.data, hook };
  }

  /** NgAllocRecvData: NgRecvData with a buffer the size of SO_RCVBUF. */
  NgAllocRecvData(ds: number): { data: Uint8Array; hook: string } | null {
    const len = this.rcvbuf(ds);
    return len < 0 ? null : this.NgRecvData(ds, len);
  }

  /** NgSendData: a frame out of the node's hook `hook`. */
  NgSendData(ds: number, hook: string, buf: Uint8Array): number {
    const sg = new sockaddr_ng(strlcpy(hook, NG_HOOKSIZ));
    if (this.debug >= 2) {
      this.logx(`WRITE PACKET to hook "${hook}" (${buf.length} bytes)`);
      this._NgDebugSockaddr(sg);
      if (this.debug >= 3) this._NgDebugBytes(buf);
    }
    const r = sys_sendto(this.p, ds, buf, 0, sg);
    if (r.error !== 0) {
      if (this.debug >= 1) this.NGLOG(`sendto(${sg.sg_data})`, r.error);
      return this.fail(r.error);
    }
    return 0;
  }

  private rcvbuf(s: number): number {
    const r = sys_getsockopt(this.p, s, SOL_SOCKET, SO_RCVBUF);
    if (r.error !== 0 || typeof r.val !== "number") return this.fail(r.error);
    return r.val;
  }

  // -------------------------------------------------------------------------
  // msg.c

  private next_token(): number {
    this.msgid = (this.msgid + 1) | 0;
    if (this.msgid < 0) this.msgid = 1;
    return this.msgid;
  }

  /** NgSendMsg: a message to the node at path; its token, or -1. */
  NgSendMsg(cs: number, path: string, cookie: number, cmd: number, args: Uint8Array | null): number {
    const msg = new ng_mesg();
    msg.header.version = NG_VERSION;
    msg.header.typecookie = cookie;
    msg.header.token = this.next_token();
    msg.header.flags = NGF_ORIG;
    msg.header.cmd = cmd;
    msg.header.cmdstr = strlcpy(`cmd${cmd | 0}`, NG_CMDSTRSIZ);
    if (this.NgDeliverMsg(cs, path, msg, args) < 0) return -1;
    return msg.header.token;
  }

  /**
   * NgSendAsciiMsg: "cmd args" in ASCII; the node is first asked to turn it
   * into binary (NGM_ASCII2BINARY), then the binary message is sent.
   */
  NgSendAsciiMsg(cs: number, path: string, text: string): number {
    const m = /^\s*(\S*)\s*([\s\S]*)$/.exec(text);
    const cmd = m === null ? "" : m[1];
    const args = m === null ? "" : m[2];
    const ascii = new ng_mesg();
    ascii.header.version = 0;
    ascii.header.cmdstr = strlcpy(cmd, NG_CMDSTRSIZ);
    const enc = new TextEncoder().encode(args);
    ascii.data = new Uint8Array(enc.length + 1);
    ascii.data.set(enc);
    ascii.header.arglen = ascii.data.length;
    if (this.NgSendMsg(cs, path, NGM_GENERIC_COOKIE, NGM_ASCII2BINARY, ng_mesg_bytes(ascii)) < 0) return -1;
    const reply = this.NgAllocRecvMsg(cs);
    if (reply === null) return -1;
    const binary = ng_mesg_parse(reply.msg.data);
    binary.header.token = this.next_token();
    binary.header.version = NG_VERSION;
    if (this.NgDeliverMsg(cs, path, binary, binary.data) < 0) return -1;
    return binary.header.token;
  }

  /** NgSendReplyMsg: answer msg (a message received earlier). */
  NgSendReplyMsg(cs: number, path: string, msg: ng_mesg, args: Uint8Array | null): number {
    const rep = new ng_mesg();
    Object.assign(rep.header, msg.header);
    rep.header.flags = NGF_RESP;
    return this.NgDeliverMsg(cs, path, rep, args);
  }

  /** NgDeliverMsg: header and arguments out to the path; then, for a
   *  message that has an answer, see whether it came. */
  private NgDeliverMsg(cs: number, path: string, hdr: ng_mesg, args: Uint8Array | null): number {
    const msg = new ng_mesg();
    Object.assign(msg.header, hdr.header);
    msg.data = args === null ? new Uint8Array(0) : args;
    msg.header.arglen = msg.data.length;
    const sg = new sockaddr_ng(strlcpy(path, NG_PATHSIZ));
    if (this.debug >= 2) {
      this.logx(`SENDING ${(msg.header.flags & NGF_RESP) !== 0 ? "RESPONSE" : "MESSAGE"}:`);
      this._NgDebugSockaddr(sg);
      this._NgDebugMsg(msg);
    }
    const r = sys_sendto(this.p, cs, ng_mesg_bytes(msg), 0, sg);
    if (r.error !== 0) {
      if (this.debug >= 1) this.NGLOG(`sendto(${sg.sg_data})`, r.error);
      return this.fail(r.error);
    }
    // FreeBSD waits here for the reply with poll(INFTIM); delivery being
    // synchronous, the reply (if any) is already queued: just look.
    if ((msg.header.cmd & NGM_HASREPLY) !== 0 && (msg.header.flags & NGF_RESP) === 0) {
      void sys_poll(this.p, [{ fd: cs, events: POLLIN, revents: 0 }], 0);
    }
    return 0;
  }

  /** NgRecvMsg: the next message on the control socket (at most replen
   *  bytes of it) and the path of its sender. */
  NgRecvMsg(cs: number, replen: number): { msg: ng_mesg; path: string; len: number } | null {
    const r = sys_recvfrom(this.p, cs, replen, 0);
    if (r.error !== 0 || r.data === null) {
      if (this.debug >= 1) this.NGLOG("recvfrom", r.error);
      this.errno = r.error;
      return null;
    }
    const path = strlcpy(sg_text(r.from), NG_PATHSIZ);
    const msg = ng_mesg_parse(r.data);
    if (this.debug >= 2) {
      this.logx(`RECEIVED ${(msg.header.flags & NGF_RESP) !== 0 ? "RESPONSE" : "MESSAGE"}:`);
      if (r.from !== null && "sg_data" in r.from) this._NgDebugSockaddr(r.from);
      this._NgDebugMsg(msg);
    }
    return { msg, path, len: r.data.length };
  }

  /** NgAllocRecvMsg: NgRecvMsg with a buffer the size of SO_RCVBUF. */
  NgAllocRecvMsg(cs: number): { msg: ng_mesg; path: string; len: number } | null {
    const len = this.rcvbuf(cs);
    return len < 0 ? null : this.NgRecvMsg(cs, len);
  }

  /**
   * NgRecvAsciiMsg: the next message, its arguments turned into ASCII by
   * the node that sent it (NGM_BINARY2ASCII); the result's data is the
   * NUL-terminated text.
   */
  NgRecvAsciiMsg(cs: number, replen: number): { msg: ng_mesg; path: string; text: string } | null {
    const bufsize = 2 * NG_MESG_HDRLEN + replen;
    const got = this.NgRecvMsg(cs, bufsize);
    if (got === null) return null;
    const reply = new ng_mesg();
    Object.assign(reply.header, got.msg.header);
    if (this.NgSendMsg(cs, got.path, NGM_GENERIC_COOKIE, NGM_BINARY2ASCII, ng_mesg_bytes(got.msg)) < 0) return null;
    const conv = this.NgRecvMsg(cs, bufsize);
    if (conv === null) return null;
    const ascii = ng_mesg_parse(conv.msg.data);
    if (NG_MESG_HDRLEN + ascii.header.arglen > replen) {
      this.errno = 34; // ERANGE
      return null;
    }
    const text = cstring(ascii.data);
    reply.data = ascii.data;
    reply.header.arglen = ascii.data.length;
    return { msg: reply, path: got.path, text };
  }

  /** NgAllocRecvAsciiMsg. */
  NgAllocRecvAsciiMsg(cs: number): { msg: ng_mesg; path: string; text: string } | null {
    const len = this.rcvbuf(cs);
    return len < 0 ? null : this.NgRecvAsciiMsg(cs, len);
  }
}

const libs = new WeakMap<object, libnetgraph>();

/** The calling process's libnetgraph. */
export function ng_lib(ctx: prog_ctx): libnetgraph {
  let lib = libs.get(ctx.p);
  if (lib === undefined || lib.ctx !== ctx) {
    lib = new libnetgraph(ctx);
    libs.set(ctx.p, lib);
  }
  return lib;
}

/** strlcpy into a buffer of `size` bytes: at most size - 1 bytes of s. */
export function strlcpy(s: string, size: number): string {
  const b = new TextEncoder().encode(s);
  if (b.length < size) return s;
  return new TextDecoder().decode(b.subarray(0, size - 1));
}

/** The text of a netgraph source address (sg_data). */
function sg_text(sa: sockaddr | null): string {
  return sa !== null && "sg_data" in sa ? sa.sg_data : "";
}

/** A NUL-terminated string out of bytes. */
export function cstring(b: Uint8Array): string {
  const z = b.indexOf(0);
  return new TextDecoder().decode(z < 0 ? b : b.subarray(0, z));
}

export function isprint(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

/** The node types libnetgraph knows the cookies of (debug.c). */
const cookies: [number, string][] = [
  [NGM_GENERIC_COOKIE, "GENERIC"],
  [1082189597, "HUB"],
  [NGM_SOCKET_COOKIE, "SOCKET"],
];

function NgCookie(cookie: number): string {
  for (const [c, name] of cookies) if (c === cookie >>> 0) return name;
  return "??";
}
