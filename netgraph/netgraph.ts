// sys/netgraph/netgraph.h, sys/netgraph/ng_message.h: sizes, flags, the
// generic control messages and the byte layouts of their arguments.
// Argument structs are kept as bytes (as they cross the socket boundary in
// FreeBSD) with small encoders/decoders; strings are NUL-padded fixed fields.

export const NG_ABI_VERSION = 12;
export const NG_VERSION = 8;

export const NG_TYPESIZ = 32;
export const NG_HOOKSIZ = 32;
export const NG_NODESIZ = 32;
export const NG_PATHSIZ = 512;
export const NG_CMDSTRSIZ = 32;
export const NG_TEXTRESPONSE = 1024;

/** Node flags (nd_flags). */
export const NGF_INVALID = 0x00000001;
export const NGF_FORCE_WRITER = 0x00000004;
export const NGF_CLOSING = 0x00000008;
export const NGF_REALLY_DIE = 0x00000010;
export const NGF_HI_STACK = 0x00000020;
export const NGF_TYPE1 = 0x10000000;
export const NGF_TYPE2 = 0x20000000;
export const NGF_TYPE3 = 0x40000000;
export const NGF_TYPE4 = 0x80000000;

/** Hook flags (hk_flags). */
export const HK_INVALID = 0x0001;
export const HK_QUEUE = 0x0002;
export const HK_FORCE_WRITER = 0x0004;
export const HK_DEAD = 0x0008;
export const HK_HI_STACK = 0x0010;
export const HK_TO_INBOUND = 0x0020;

/** ng_mesg header flags. */
export const NGF_ORIG = 0x00000000;
export const NGF_RESP = 0x00000001;

/** Command flags. */
export const NGM_READONLY = 0x10000000;
export const NGM_HASREPLY = 0x20000000;

export const NGM_GENERIC_COOKIE = 1137070366;

export const NGM_SHUTDOWN = 1;
export const NGM_MKPEER = 2;
export const NGM_CONNECT = 3;
export const NGM_NAME = 4;
export const NGM_RMHOOK = 5;
export const NGM_NODEINFO = 6 | NGM_READONLY | NGM_HASREPLY;
export const NGM_LISTHOOKS = 7 | NGM_READONLY | NGM_HASREPLY;
export const NGM_LISTNAMES = 8 | NGM_READONLY | NGM_HASREPLY;
export const NGM_LISTNODES = 9 | NGM_READONLY | NGM_HASREPLY;
export const NGM_LISTTYPES = 10 | NGM_READONLY | NGM_HASREPLY;
export const NGM_TEXT_STATUS = 11 | NGM_READONLY | NGM_HASREPLY;
export const NGM_BINARY2ASCII = 12 | NGM_READONLY | NGM_HASREPLY;
export const NGM_ASCII2BINARY = 13 | NGM_READONLY | NGM_HASREPLY;
export const NGM_TEXT_CONFIG = 14;

/** sizeof(struct ng_mesg) without its data: version, spare, spare2, arglen,
 *  cmd, flags, token, typecookie, cmdstr[NG_CMDSTRSIZ]. */
export const NG_MESG_HDRLEN = 24 + NG_CMDSTRSIZ;

/** struct ng_mesg. */
export class ng_mesg {
  header = {
    version: NG_VERSION,
    arglen: 0,
    cmd: 0,
    flags: 0,
    token: 0,
    typecookie: 0,
    cmdstr: "",
  };
  data: Uint8Array = new Uint8Array(0);
}

/** NG_MKMESSAGE: a new original message with a zeroed argument of len bytes. */
export function NG_MKMESSAGE(cookie: number, cmdid: number, len: number): ng_mesg {
  const msg = new ng_mesg();
  msg.header.typecookie = cookie;
  msg.header.cmd = cmdid;
  msg.header.arglen = len;
  msg.data = new Uint8Array(len);
  return msg;
}

/** NG_MKRESPONSE: a response to msg with an argument of len bytes. */
export function NG_MKRESPONSE(msg: ng_mesg, len: number): ng_mesg {
  const rsp = NG_MKMESSAGE(msg.header.typecookie, msg.header.cmd, len);
  rsp.header.flags |= NGF_RESP;
  rsp.header.token = msg.header.token;
  rsp.header.cmdstr = msg.header.cmdstr;
  return rsp;
}

// ---------------------------------------------------------------------------
// Fixed-size string fields.

const enc = new TextEncoder();
const dec = new TextDecoder();

export function ng_putstr(b: Uint8Array, off: number, size: number, s: string): void {
  const e = enc.encode(s);
  const n = Math.min(e.length, size - 1);
  b.set(e.subarray(0, n), off);
  b.fill(0, off + n, off + size);
}

export function ng_getstr(b: Uint8Array, off: number, size: number): string {
  const end = Math.min(b.length, off + size);
  let i = off;
  while (i < end && b[i] !== 0) i++;
  return dec.decode(b.subarray(off, i));
}

/** Whether s fits a field of size bytes with its NUL. */
export function ng_strfits(s: string, size: number): boolean {
  return enc.encode(s).length < size;
}

// ---------------------------------------------------------------------------
// Argument structs of the generic messages.

/** struct ngm_mkpeer { type, ourhook, peerhook }. */
export const NGM_MKPEER_SIZE = NG_TYPESIZ + 2 * NG_HOOKSIZ;
export function ngm_mkpeer_enc(type: string, ourhook: string, peerhook: string): Uint8Array {
  const b = new Uint8Array(NGM_MKPEER_SIZE);
  ng_putstr(b, 0, NG_TYPESIZ, type);
  ng_putstr(b, NG_TYPESIZ, NG_HOOKSIZ, ourhook);
  ng_putstr(b, NG_TYPESIZ + NG_HOOKSIZ, NG_HOOKSIZ, peerhook);
  return b;
}
export function ngm_mkpeer_dec(b: Uint8Array): { type: string; ourhook: string; peerhook: string } {
  return { type: ng_getstr(b, 0, NG_TYPESIZ), ourhook: ng_getstr(b, NG_TYPESIZ, NG_HOOKSIZ), peerhook: ng_getstr(b, NG_TYPESIZ + NG_HOOKSIZ, NG_HOOKSIZ) };
}

/** struct ngm_connect { path, ourhook, peerhook }. */
export const NGM_CONNECT_SIZE = NG_PATHSIZ + 2 * NG_HOOKSIZ;
export function ngm_connect_enc(path: string, ourhook: string, peerhook: string): Uint8Array {
  const b = new Uint8Array(NGM_CONNECT_SIZE);
  ng_putstr(b, 0, NG_PATHSIZ, path);
  ng_putstr(b, NG_PATHSIZ, NG_HOOKSIZ, ourhook);
  ng_putstr(b, NG_PATHSIZ + NG_HOOKSIZ, NG_HOOKSIZ, peerhook);
  return b;
}
export function ngm_connect_dec(b: Uint8Array): { path: string; ourhook: string; peerhook: string } {
  return { path: ng_getstr(b, 0, NG_PATHSIZ), ourhook: ng_getstr(b, NG_PATHSIZ, NG_HOOKSIZ), peerhook: ng_getstr(b, NG_PATHSIZ + NG_HOOKSIZ, NG_HOOKSIZ) };
}

/** struct ngm_name { name }. */
export const NGM_NAME_SIZE = NG_NODESIZ;
/** struct ngm_rmhook { ourhook }. */
export const NGM_RMHOOK_SIZE = NG_HOOKSIZ;
export function ngm_str_enc(s: string, size: number): Uint8Array {
  const b = new Uint8Array(size);
  ng_putstr(b, 0, size, s);
  return b;
}

/** struct nodeinfo { name, type, id, hooks }. */
export const NODEINFO_SIZE = NG_NODESIZ + NG_TYPESIZ + 8;
export interface nodeinfo {
  name: string;
  type: string;
  id: number;
  hooks: number;
}
export function nodeinfo_enc(b: Uint8Array, off: number, ni: nodeinfo): void {
  ng_putstr(b, off, NG_NODESIZ, ni.name);
  ng_putstr(b, off + NG_NODESIZ, NG_TYPESIZ, ni.type);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint32(off + NG_NODESIZ + NG_TYPESIZ, ni.id >>> 0, true);
  dv.setUint32(off + NG_NODESIZ + NG_TYPESIZ + 4, ni.hooks >>> 0, true);
}
export function nodeinfo_dec(b: Uint8Array, off: number): nodeinfo {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    name: ng_getstr(b, off, NG_NODESIZ),
    type: ng_getstr(b, off + NG_NODESIZ, NG_TYPESIZ),
    id: dv.getUint32(off + NG_NODESIZ + NG_TYPESIZ, true),
    hooks: dv.getUint32(off + NG_NODESIZ + NG_TYPESIZ + 4, true),
  };
}

/** struct linkinfo { ourhook, peerhook, nodeinfo }. */
export const LINKINFO_SIZE = 2 * NG_HOOKSIZ + NODEINFO_SIZE;
export interface linkinfo {
  ourhook: string;
  peerhook: string;
  nodeinfo: nodeinfo;
}

/** struct hooklist { nodeinfo, link[] }. */
export function hooklist_dec(b: Uint8Array): { nodeinfo: nodeinfo; link: linkinfo[] } {
  const ni = nodeinfo_dec(b, 0);
  const link: linkinfo[] = [];
  for (let i = 0; i < ni.hooks; i++) {
    const off = NODEINFO_SIZE + i * LINKINFO_SIZE;
    if (off + LINKINFO_SIZE > b.length) break;
    link.push({ ourhook: ng_getstr(b, off, NG_HOOKSIZ), peerhook: ng_getstr(b, off + NG_HOOKSIZ, NG_HOOKSIZ), nodeinfo: nodeinfo_dec(b, off + 2 * NG_HOOKSIZ) });
  }
  return { nodeinfo: ni, link };
}

/** struct namelist { numnames, nodeinfo[] }. */
export function namelist_dec(b: Uint8Array): nodeinfo[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length >= 4 ? dv.getUint32(0, true) : 0;
  const out: nodeinfo[] = [];
  for (let i = 0; i < n && 4 + (i + 1) * NODEINFO_SIZE <= b.length; i++) out.push(nodeinfo_dec(b, 4 + i * NODEINFO_SIZE));
  return out;
}

/** struct typeinfo { type_name, numnodes }; struct typelist { numtypes, typeinfo[] }. */
export const TYPEINFO_SIZE = NG_TYPESIZ + 4;
export function typelist_dec(b: Uint8Array): { type_name: string; numnodes: number }[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length >= 4 ? dv.getUint32(0, true) : 0;
  const out: { type_name: string; numnodes: number }[] = [];
  for (let i = 0; i < n && 4 + (i + 1) * TYPEINFO_SIZE <= b.length; i++) {
    const off = 4 + i * TYPEINFO_SIZE;
    out.push({ type_name: ng_getstr(b, off, NG_TYPESIZ), numnodes: dv.getUint32(off + NG_TYPESIZ, true) });
  }
  return out;
}

// ---------------------------------------------------------------------------
// struct ng_mesg as bytes (a message carried inside another message, as
// NGM_ASCII2BINARY and NGM_BINARY2ASCII carry one, or crossing a socket).

/** Write msg's header at b[off] (NG_MESG_HDRLEN bytes; spare fields zero). */
export function ng_mesg_hdr_enc(b: Uint8Array, off: number, h: ng_mesg["header"]): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  b[off] = h.version & 0xff;
  b[off + 1] = 0;
  dv.setUint16(off + 2, 0, true);
  dv.setUint32(off + 4, h.arglen >>> 0, true);
  dv.setUint32(off + 8, h.cmd >>> 0, true);
  dv.setUint32(off + 12, h.flags >>> 0, true);
  dv.setUint32(off + 16, h.token >>> 0, true);
  dv.setUint32(off + 20, h.typecookie >>> 0, true);
  ng_putstr(b, off + 24, NG_CMDSTRSIZ, h.cmdstr);
}

/** The header at b[off] (b must hold NG_MESG_HDRLEN bytes from off). */
export function ng_mesg_hdr_dec(b: Uint8Array, off: number): ng_mesg["header"] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    version: b[off],
    arglen: dv.getUint32(off + 4, true),
    cmd: dv.getUint32(off + 8, true),
    flags: dv.getUint32(off + 12, true),
    token: dv.getUint32(off + 16, true),
    typecookie: dv.getUint32(off + 20, true),
    cmdstr: ng_getstr(b, off + 24, NG_CMDSTRSIZ),
  };
}

/** A whole message as bytes: header then its arglen bytes of data. */
export function ng_mesg_enc(msg: ng_mesg): Uint8Array {
  const b = new Uint8Array(NG_MESG_HDRLEN + msg.header.arglen);
  ng_mesg_hdr_enc(b, 0, msg.header);
  b.set(msg.data.subarray(0, msg.header.arglen), NG_MESG_HDRLEN);
  return b;
}

/** A message from bytes, or null if b is shorter than its header says. */
export function ng_mesg_dec(b: Uint8Array): ng_mesg | null {
  if (b.length < NG_MESG_HDRLEN) return null;
  const msg = new ng_mesg();
  msg.header = ng_mesg_hdr_dec(b, 0);
  if (b.length - NG_MESG_HDRLEN < msg.header.arglen) return null;
  msg.data = b.slice(NG_MESG_HDRLEN, NG_MESG_HDRLEN + msg.header.arglen);
  return msg;
}

// ---------------------------------------------------------------------------
// Flow control messages (ng_message.h): sent along a connection, e.g. by
// ng_ether when its interface's carrier comes or goes.
export const NGM_FLOW_COOKIE = 851672668;
export const NGM_LINK_IS_UP = 32;
export const NGM_LINK_IS_DOWN = 33;
