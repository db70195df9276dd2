// sys/netgraph/ng_parse.c, sys/netgraph/ng_parse.h: conversion of netgraph
// control message arguments between their binary C layout and the ASCII form
// `ngctl msg` reads and prints, e.g. `{ type="hub" ourhook="a" peerhook="b" }`.
//
// A parse type describes one C type: how to parse its ASCII form into bytes,
// print bytes as ASCII, produce the default value (for fields left out) and
// what alignment it needs.  Types inherit methods from their supertype, so a
// subtype usually only supplies `info` (the fields of a struct, the length of
// an array, the size of a string buffer).  Binary layouts are those of
// FreeBSD/amd64 (LP64, little endian): the bytes a node type decodes.
//
// A node type lists its commands in ng_type.cmdlist and declares argument
// types as FreeBSD's files do, e.g.
//   const cfg_type: ng_parse_type = { supertype: ng_parse_struct_type,
//     info: [{ name: "debug", type: ng_parse_uint8_type },
//            { name: "peer", type: ng_parse_ipaddr_type }] };
//   cmdlist: [{ cookie, cmd: NGM_FOO_SETCFG, name: "setcfg",
//               mesgType: cfg_type, respType: null }]
// and ng_base's NGM_ASCII2BINARY/NGM_BINARY2ASCII do the rest.
//
// Buffers are modelled as one Uint8Array with byte offsets standing for C's
// pointers: `start` is where the outermost value begins (array length
// functions look back from it, e.g. at a count stored just before an array),
// `buf` is where the current value goes.  The ASCII text is bytes too (as it
// arrives in a message), so offsets into it, including the error offset, are
// byte offsets as in FreeBSD.
//
// Departures from FreeBSD: where the C code would read past the end of a
// binary argument (a count or string running off the message), unparsing
// stops with EINVAL instead of reading other memory; parse methods check the
// room left (ERANGE) before writing a value, where C trusts its 20 kB buffer.

import { E2BIG, EALREADY, EINVAL, ENOENT, ENOMEM, EOPNOTSUPP, ERANGE } from "../kern/errno.ts";
import { panic } from "../kern/subr_prf.ts";
import { ETHER_ADDR_LEN } from "../net/ethernet.ts";
import { NG_CMDSTRSIZ, NG_HOOKSIZ, NG_MESG_HDRLEN, NG_NODESIZ, NG_PATHSIZ, NG_TYPESIZ } from "./netgraph.ts";

// ---------------------------------------------------------------------------
// Method and type shapes (ng_parse.h)

/** An `int *` in/out argument (offsets, buffer lengths). */
export interface ng_intp {
  v: number;
}

/** A bounded output buffer for unparse: `len` is the room left, counting the
 *  terminating NUL as C's does (an append needs strictly more room than it
 *  writes). */
export class ng_parse_cbuf {
  s = "";
  len: number;
  constructor(len: number) {
    this.len = len;
  }
}

/**
 * Parse the ASCII text `s` from byte `off.v` into `b` at `buf`, with
 * `buflen.v` bytes of room; `start` is where the outermost value begins in
 * `b`.  On success `buflen.v` is the length written and `off.v` is just past
 * the text used; on error `off.v` points at the offending text.  Errors:
 * EALREADY (field given twice), ENOENT (unknown field), E2BIG (array index or
 * string too big), ERANGE (no room), EINVAL (bad text), ENOMEM, EOPNOTSUPP
 * (an omitted element has no default).
 */
export type ng_parse_t = (type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp) => number;

/** Print the value at `b[data + off.v]` (data: start of the outermost value)
 *  onto cbuf and advance off.v past it.  ERANGE when the text does not fit. */
export type ng_unparse_t = (type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf) => number;

/** Write the default value at `b[buf]` (room buflen.v); buflen.v = its length.
 *  ERANGE if no room, EOPNOTSUPP if the type has no default. */
export type ng_getDefault_t = (type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp) => number;

/** The alignment of the type; 0 is the same as 1. */
export type ng_getAlign_t = (type: ng_parse_type) => number;

/**
 * struct ng_parse_type: a type may name a supertype and leave out methods,
 * which are then looked up the supertype chain.  `info` is what the methods
 * need (see each base type); `private` is free for sub-types' own use.
 */
export interface ng_parse_type {
  supertype: ng_parse_type | null;
  info?: unknown;
  private?: unknown;
  parse?: ng_parse_t | null;
  unparse?: ng_unparse_t | null;
  getDefault?: ng_getDefault_t | null;
  getAlign?: ng_getAlign_t | null;
}

/** struct ng_parse_struct_field: `alignment` non-zero overrides the field
 *  type's alignment. */
export interface ng_parse_struct_field {
  name: string;
  type: ng_parse_type;
  alignment?: number;
}

/** Default value of element `index` of an array (instead of the element
 *  type's default). */
export type ng_parse_array_getDefault_t = (type: ng_parse_type, index: number, b: Uint8Array, start: number, buf: number, buflen: ng_intp) => number;

/** Length of a variable array; the struct fields before it are already filled
 *  in (parse) or present (unparse): `start` is the outermost value, `buf` the
 *  array's first element. */
export type ng_parse_array_getLength_t = (type: ng_parse_type, b: Uint8Array, start: number, buf: number) => number;

export interface ng_parse_fixedarray_info {
  elementType: ng_parse_type;
  length: number;
  getDefault?: ng_parse_array_getDefault_t | null;
}

export interface ng_parse_array_info {
  elementType: ng_parse_type;
  getLength: ng_parse_array_getLength_t;
  getDefault?: ng_parse_array_getDefault_t | null;
}

export interface ng_parse_fixedstring_info {
  /** Size of the buffer, NUL included. */
  bufSize: number;
}

/** struct ng_cmdlist: a node type's commands, for NGM_ASCII2BINARY and
 *  NGM_BINARY2ASCII.  A null type means the message has no arguments. */
export interface ng_cmdlist {
  cookie: number;
  cmd: number;
  name: string;
  mesgType: ng_parse_type | null;
  respType: ng_parse_type | null;
}

/** enum ng_parse_token. */
export const T_LBRACE = 0;
export const T_RBRACE = 1;
export const T_LBRACKET = 2;
export const T_RBRACKET = 3;
export const T_EQUALS = 4;
export const T_STRING = 5;
export const T_ERROR = 6;
export const T_WORD = 7;
export const T_EOF = 8;
export type ng_parse_token = typeof T_LBRACE | typeof T_RBRACE | typeof T_LBRACKET | typeof T_RBRACKET | typeof T_EQUALS | typeof T_STRING | typeof T_ERROR | typeof T_WORD | typeof T_EOF;

// ---------------------------------------------------------------------------
// Little helpers: bytes, C character classes, the kernel's strtol family

/** s[i] as C sees it: the text ends at its length (a NUL). */
function ch(s: Uint8Array, i: number): number {
  return i >= 0 && i < s.length ? s[i] : 0;
}
function isspace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
function isdigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isxdigit(c: number): boolean {
  return isdigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
function isalpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** A little-endian unsigned 16-bit value at b[i] (0 outside b). */
export function ng_parse_get_u16(b: Uint8Array, i: number): number {
  return ch(b, i) | (ch(b, i + 1) << 8);
}
/** A little-endian unsigned 32-bit value at b[i] (0 outside b). */
export function ng_parse_get_u32(b: Uint8Array, i: number): number {
  return (ch(b, i) | (ch(b, i + 1) << 8) | (ch(b, i + 2) << 16) | (ch(b, i + 3) << 24)) >>> 0;
}
function put_le(b: Uint8Array, i: number, size: number, v: bigint): void {
  for (let k = 0; k < size; k++) {
    b[i + k] = Number(v & 0xffn);
    v >>= 8n;
  }
}
function get_le(b: Uint8Array, i: number, size: number): bigint {
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(ch(b, i + k));
  return v;
}

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);
const ULONG_MAX = (1n << 64n) - 1n;

/** The kernel's strtol/strtoul/strtoq (sys/libkern): leading white space, a
 *  sign, "0x" for base 0 or 16 (taken even with no hex digit after it, so
 *  "0x" alone converts nothing), octal for a leading 0 in base 0.  `kind`
 *  picks the overflow rule: "l"/"q" saturate at LONG_MIN/LONG_MAX, "ul" at
 *  ULONG_MAX (and negates modulo 2^64).  Returns the value (as C's long,
 *  i.e. strtoul's result reinterpreted as signed) and the end offset (the
 *  start when nothing converted). */
export function ng_strtol(s: Uint8Array, off: number, base: number, kind: "l" | "ul" | "q" = "l"): { val: bigint; eptr: number } {
  let i = off;
  let c = ch(s, i++);
  while (isspace(c)) c = ch(s, i++);
  let neg = false;
  if (c === 0x2d) {
    neg = true;
    c = ch(s, i++);
  } else if (c === 0x2b) c = ch(s, i++);
  if ((base === 0 || base === 16) && c === 0x30 && (ch(s, i) === 0x78 || ch(s, i) === 0x58)) {
    c = ch(s, i + 1);
    i += 2;
    base = 16;
  }
  if (base === 0) base = c === 0x30 ? 8 : 10;
  const B = BigInt(base);
  const limit = kind === "ul" ? ULONG_MAX : neg ? -LONG_MIN : LONG_MAX;
  let acc = 0n;
  let any = 0;
  for (;; c = ch(s, i++)) {
    let d: number;
    if (c > 0x7f) break;
    if (isdigit(c)) d = c - 0x30;
    else if (isalpha(c)) d = c >= 0x61 ? c - 0x61 + 10 : c - 0x41 + 10;
    else break;
    if (d >= base) break;
    if (any < 0) continue;
    const next = acc * B + BigInt(d);
    if (next > limit) any = -1;
    else {
      any = 1;
      acc = next;
    }
  }
  let val: bigint;
  if (any < 0) val = kind === "ul" ? ULONG_MAX : neg ? LONG_MIN : LONG_MAX;
  else val = neg ? -acc : acc;
  if (kind === "ul") val = BigInt.asIntN(64, BigInt.asUintN(64, val));
  return { val, eptr: any !== 0 ? i - 1 : off };
}

const enc = new TextEncoder();

/** The bytes of an ASCII argument string as the kernel gets them. */
export function ng_parse_text(s: string | Uint8Array): Uint8Array {
  return typeof s === "string" ? enc.encode(s) : s;
}

// ---------------------------------------------------------------------------
// Virtual method lookup

function ng_get_parse_method(t: ng_parse_type | null): ng_parse_t | null {
  while (t !== null && (t.parse === undefined || t.parse === null)) t = t.supertype;
  return t === null ? null : (t.parse ?? null);
}
function ng_get_unparse_method(t: ng_parse_type | null): ng_unparse_t | null {
  while (t !== null && (t.unparse === undefined || t.unparse === null)) t = t.supertype;
  return t === null ? null : (t.unparse ?? null);
}
function ng_get_getDefault_method(t: ng_parse_type | null): ng_getDefault_t | null {
  while (t !== null && (t.getDefault === undefined || t.getDefault === null)) t = t.supertype;
  return t === null ? null : (t.getDefault ?? null);
}
function ng_get_getAlign_method(t: ng_parse_type | null): ng_getAlign_t | null {
  while (t !== null && (t.getAlign === undefined || t.getAlign === null)) t = t.supertype;
  return t === null ? null : (t.getAlign ?? null);
}

function INVOKE_parse(t: ng_parse_type): ng_parse_t {
  const f = ng_get_parse_method(t);
  if (f === null) panic("ng_parse: type without a parse method");
  return f;
}
function INVOKE_unparse(t: ng_parse_type): ng_unparse_t {
  const f = ng_get_unparse_method(t);
  if (f === null) panic("ng_parse: type without an unparse method");
  return f;
}
function ALIGNMENT(t: ng_parse_type): number {
  const f = ng_get_getAlign_method(t);
  return f === null ? 0 : f(t);
}

function struct_fields(type: ng_parse_type): readonly ng_parse_struct_field[] {
  const f = type.info;
  if (!Array.isArray(f)) panic("ng_parse: struct type without fields");
  return f as readonly ng_parse_struct_field[];
}
function fixedarray_info(type: ng_parse_type): ng_parse_fixedarray_info {
  const i = type.info;
  if (typeof i !== "object" || i === null || !("elementType" in i) || !("length" in i)) panic("ng_parse: fixed array type without info");
  return i as ng_parse_fixedarray_info;
}
function array_info(type: ng_parse_type): ng_parse_array_info {
  const i = type.info;
  if (typeof i !== "object" || i === null || !("elementType" in i) || !("getLength" in i)) panic("ng_parse: array type without info");
  return i as ng_parse_array_info;
}
function fixedstring_info(type: ng_parse_type): ng_parse_fixedstring_info {
  const i = type.info;
  if (typeof i !== "object" || i === null || !("bufSize" in i)) panic("ng_parse: fixed string type without info");
  return i as ng_parse_fixedstring_info;
}

// ---------------------------------------------------------------------------
// Public entry points

/**
 * ng_parse: convert ASCII to binary.  `s` is the text (a JS string is sent as
 * its UTF-8 bytes), parsing starts at off.v; the value is written at
 * buf[bufoff], with buflen.v bytes of room.  On success buflen.v is the
 * binary length; on error off.v is where parsing stopped.
 */
export function ng_parse(type: ng_parse_type, s: string | Uint8Array, off: ng_intp, buf: Uint8Array, buflen: ng_intp, bufoff = 0): number {
  const t = ng_parse_text(s);
  if (buflen.v > buf.length - bufoff) buflen.v = Math.max(0, buf.length - bufoff);
  return INVOKE_parse(type)(type, t, off, buf, bufoff, bufoff, buflen);
}

/**
 * ng_unparse: convert the binary value at b[data] to ASCII in cbuf (cbuf.len
 * bytes of room, NUL included).  Types that look before `data` (struct
 * ng_mesg's data field, counts) see what b holds there.
 */
export function ng_unparse(type: ng_parse_type, b: Uint8Array, data: number, cbuf: ng_parse_cbuf): number {
  const off: ng_intp = { v: 0 };
  return INVOKE_unparse(type)(type, b, data, off, cbuf);
}

/** ng_parse_getDefault: the default value at buf[0]; EOPNOTSUPP if none. */
export function ng_parse_getDefault(type: ng_parse_type, buf: Uint8Array, buflen: ng_intp): number {
  const func = ng_get_getDefault_method(type);
  if (func === null) return EOPNOTSUPP;
  if (buflen.v > buf.length) buflen.v = buf.length;
  return func(type, buf, 0, 0, buflen);
}

/** Convenience: parse text into a fresh buffer of bufsize bytes. */
export function ng_parse_ascii(type: ng_parse_type, s: string | Uint8Array, bufsize = 20 * 1024): { error: number; off: number; data: Uint8Array } {
  const buf = new Uint8Array(bufsize);
  const off: ng_intp = { v: 0 };
  const buflen: ng_intp = { v: bufsize };
  const error = ng_parse(type, s, off, buf, buflen);
  return { error, off: off.v, data: error === 0 ? buf.slice(0, buflen.v) : new Uint8Array(0) };
}

/** Convenience: unparse b[data..] with cbuflen bytes of room. */
export function ng_unparse_ascii(type: ng_parse_type, b: Uint8Array, data = 0, cbuflen = 20 * 1024): { error: number; text: string } {
  const cbuf = new ng_parse_cbuf(cbuflen);
  const error = ng_unparse(type, b, data, cbuf);
  return { error, text: error === 0 ? cbuf.s : "" };
}

// ---------------------------------------------------------------------------
// Structure, fixed array and variable array types

const CT_STRUCT = 0;
const CT_ARRAY = 1;
const CT_FIXEDARRAY = 2;
type comptype = typeof CT_STRUCT | typeof CT_ARRAY | typeof CT_FIXEDARRAY;

const LBRACE_TEXT = new Uint8Array([0x7b, 0x7d]); // "{}"
const LBRACKET_TEXT = new Uint8Array([0x5b, 0x5d]); // "[]"

function ng_struct_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return ng_parse_composite(type, s, off, b, start, buf, buflen, CT_STRUCT);
}
function ng_struct_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  return ng_unparse_composite(type, b, data, off, cbuf, CT_STRUCT);
}
function ng_struct_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return ng_parse_composite(type, LBRACE_TEXT, { v: 0 }, b, start, buf, buflen, CT_STRUCT);
}
function ng_struct_getAlign(type: ng_parse_type): number {
  let align = 0;
  for (const field of struct_fields(type)) {
    const falign = ALIGNMENT(field.type);
    if (falign > align) align = falign;
  }
  return align;
}

/** Structures: info is the ng_parse_struct_field list.  Fields are laid out
 *  in list order with C's alignment, whatever order the text gives them in. */
export const ng_parse_struct_type: ng_parse_type = {
  supertype: null,
  parse: ng_struct_parse,
  unparse: ng_struct_unparse,
  getDefault: ng_struct_getDefault,
  getAlign: ng_struct_getAlign,
};

function ng_fixedarray_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return ng_parse_composite(type, s, off, b, start, buf, buflen, CT_FIXEDARRAY);
}
function ng_fixedarray_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  return ng_unparse_composite(type, b, data, off, cbuf, CT_FIXEDARRAY);
}
function ng_fixedarray_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return ng_parse_composite(type, LBRACKET_TEXT, { v: 0 }, b, start, buf, buflen, CT_FIXEDARRAY);
}
function ng_fixedarray_getAlign(type: ng_parse_type): number {
  return ALIGNMENT(fixedarray_info(type).elementType);
}

/** Fixed length arrays: info is an ng_parse_fixedarray_info. */
export const ng_parse_fixedarray_type: ng_parse_type = {
  supertype: null,
  parse: ng_fixedarray_parse,
  unparse: ng_fixedarray_unparse,
  getDefault: ng_fixedarray_getDefault,
  getAlign: ng_fixedarray_getAlign,
};

function ng_array_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return ng_parse_composite(type, s, off, b, start, buf, buflen, CT_ARRAY);
}
function ng_array_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  return ng_unparse_composite(type, b, data, off, cbuf, CT_ARRAY);
}
function ng_array_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return ng_parse_composite(type, LBRACKET_TEXT, { v: 0 }, b, start, buf, buflen, CT_ARRAY);
}
function ng_array_getAlign(type: ng_parse_type): number {
  return ALIGNMENT(array_info(type).elementType);
}

/** Variable length arrays: info is an ng_parse_array_info, whose getLength
 *  gives the length (typically from a count field before the array). */
export const ng_parse_array_type: ng_parse_type = {
  supertype: null,
  parse: ng_array_parse,
  unparse: ng_array_unparse,
  getDefault: ng_array_getDefault,
  getAlign: ng_array_getAlign,
};

// ---------------------------------------------------------------------------
// Integer types: info is INT_SIGNED, INT_UNSIGNED or INT_HEX (how they print)

const INT_UNSIGNED = 0;
const INT_SIGNED = 1;
const INT_HEX = 2;

function int_format(type: ng_parse_type, v: bigint, bits: number): string {
  switch (type.info) {
    case INT_SIGNED:
      return BigInt.asIntN(bits, v).toString();
    case INT_UNSIGNED:
      return BigInt.asUintN(bits, v).toString();
    case INT_HEX:
      return "0x" + BigInt.asUintN(bits, v).toString(16);
    default:
      return panic("ng_int_unparse: unknown type");
  }
}

function int_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf, size: number): number {
  const at = data + off.v;
  if (at < 0 || at + size > b.length) return EINVAL;
  const error = ng_parse_append(cbuf, int_format(type, get_le(b, at, size), size * 8));
  if (error !== 0) return error;
  off.v += size;
  return 0;
}

function int_getDefault(b: Uint8Array, buf: number, buflen: ng_intp, size: number): number {
  if (buflen.v < size) return ERANGE;
  b.fill(0, buf, buf + size);
  buflen.v = size;
  return 0;
}

/** strtol-based parse with C's range check [lo, hi] (e.g. -128..255). */
function int_parse(s: Uint8Array, off: ng_intp, b: Uint8Array, buf: number, buflen: ng_intp, size: number, kind: "l" | "ul", lo: bigint, hi: bigint): number {
  const r = ng_strtol(s, off.v, 0, kind);
  if (r.val < lo || r.val > hi || r.eptr === off.v) return EINVAL;
  if (buflen.v < size) return ERANGE;
  off.v = r.eptr;
  put_le(b, buf, size, r.val);
  buflen.v = size;
  return 0;
}

function ng_int8_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return int_parse(s, off, b, buf, buflen, 1, "l", -0x80n, 0xffn);
}
function ng_int8_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  return int_unparse(type, b, data, off, cbuf, 1);
}
function ng_int8_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return int_getDefault(b, buf, buflen, 1);
}
function ng_int8_getAlign(): number {
  return 1;
}

function ng_int16_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return int_parse(s, off, b, buf, buflen, 2, "l", -0x8000n, 0xffffn);
}
function ng_int16_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  return int_unparse(type, b, data, off, cbuf, 2);
}
function ng_int16_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return int_getDefault(b, buf, buflen, 2);
}
function ng_int16_getAlign(): number {
  return 2;
}

/** Signed 32-bit values go through strtol, the others through strtoul
 *  (so "-1" is 0xffffffff, and an overflowing number too, as in FreeBSD). */
function ng_int32_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return int_parse(s, off, b, buf, buflen, 4, type.info === INT_SIGNED ? "l" : "ul", -0x80000000n, 0xffffffffn);
}
function ng_int32_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  return int_unparse(type, b, data, off, cbuf, 4);
}
function ng_int32_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return int_getDefault(b, buf, buflen, 4);
}
function ng_int32_getAlign(): number {
  return 4;
}

/** strtoq for every flavour: unsigned values above 2^63-1 saturate there,
 *  as FreeBSD's do. */
function ng_int64_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  const r = ng_strtol(s, off.v, 0, "q");
  if (r.eptr === off.v) return EINVAL;
  if (buflen.v < 8) return ERANGE;
  off.v = r.eptr;
  put_le(b, buf, 8, r.val);
  buflen.v = 8;
  return 0;
}
function ng_int64_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  return int_unparse(type, b, data, off, cbuf, 8);
}
function ng_int64_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return int_getDefault(b, buf, buflen, 8);
}
function ng_int64_getAlign(): number {
  return 8;
}

export const ng_parse_int8_type: ng_parse_type = {
  supertype: null,
  info: INT_SIGNED,
  parse: ng_int8_parse,
  unparse: ng_int8_unparse,
  getDefault: ng_int8_getDefault,
  getAlign: ng_int8_getAlign,
};
export const ng_parse_uint8_type: ng_parse_type = { supertype: ng_parse_int8_type, info: INT_UNSIGNED };
export const ng_parse_hint8_type: ng_parse_type = { supertype: ng_parse_int8_type, info: INT_HEX };

export const ng_parse_int16_type: ng_parse_type = {
  supertype: null,
  info: INT_SIGNED,
  parse: ng_int16_parse,
  unparse: ng_int16_unparse,
  getDefault: ng_int16_getDefault,
  getAlign: ng_int16_getAlign,
};
export const ng_parse_uint16_type: ng_parse_type = { supertype: ng_parse_int16_type, info: INT_UNSIGNED };
export const ng_parse_hint16_type: ng_parse_type = { supertype: ng_parse_int16_type, info: INT_HEX };

export const ng_parse_int32_type: ng_parse_type = {
  supertype: null,
  info: INT_SIGNED,
  parse: ng_int32_parse,
  unparse: ng_int32_unparse,
  getDefault: ng_int32_getDefault,
  getAlign: ng_int32_getAlign,
};
export const ng_parse_uint32_type: ng_parse_type = { supertype: ng_parse_int32_type, info: INT_UNSIGNED };
export const ng_parse_hint32_type: ng_parse_type = { supertype: ng_parse_int32_type, info: INT_HEX };

export const ng_parse_int64_type: ng_parse_type = {
  supertype: null,
  info: INT_SIGNED,
  parse: ng_int64_parse,
  unparse: ng_int64_unparse,
  getDefault: ng_int64_getDefault,
  getAlign: ng_int64_getAlign,
};
export const ng_parse_uint64_type: ng_parse_type = { supertype: ng_parse_int64_type, info: INT_UNSIGNED };
export const ng_parse_hint64_type: ng_parse_type = { supertype: ng_parse_int64_type, info: INT_HEX };

// ---------------------------------------------------------------------------
// String types

/** strlen of the C string at b[i], or -1 when it runs off the end of b. */
function c_strlen(b: Uint8Array, i: number): number {
  if (i < 0) return -1;
  const n = b.indexOf(0, i);
  return n < 0 ? -1 : n - i;
}

function ng_string_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  const len: ng_intp = { v: 0 };
  const slen: ng_intp = { v: 0 };
  const sval = ng_get_string_token(s, off, len, slen);
  if (sval === null) return EINVAL;
  if (slen.v + 1 > buflen.v) return ERANGE;
  off.v += len.v;
  b.set(sval.subarray(0, slen.v), buf);
  b[buf + slen.v] = 0;
  buflen.v = slen.v + 1;
  return 0;
}
function ng_string_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  const at = data + off.v;
  const n = c_strlen(b, at);
  if (n < 0) return EINVAL;
  const error = ng_parse_append(cbuf, ng_encode_string(b.subarray(at, at + n), n));
  if (error !== 0) return error;
  off.v += n + 1;
  return 0;
}
function ng_string_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  if (buflen.v < 1) return ERANGE;
  b[buf] = 0;
  buflen.v = 1;
  return 0;
}

/** NUL-terminated strings of any length.  Default: the empty string. */
export const ng_parse_string_type: ng_parse_type = {
  supertype: null,
  parse: ng_string_parse,
  unparse: ng_string_unparse,
  getDefault: ng_string_getDefault,
};

function ng_fixedstring_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  const fi = fixedstring_info(type);
  const len: ng_intp = { v: 0 };
  const slen: ng_intp = { v: 0 };
  const sval = ng_get_string_token(s, off, len, slen);
  if (sval === null) return EINVAL;
  if (slen.v + 1 > fi.bufSize) return E2BIG;
  if (fi.bufSize > buflen.v) return ERANGE;
  off.v += len.v;
  b.set(sval.subarray(0, slen.v), buf);
  b.fill(0, buf + slen.v, buf + fi.bufSize);
  buflen.v = fi.bufSize;
  return 0;
}
function ng_fixedstring_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  const fi = fixedstring_info(type);
  if (data + off.v + fi.bufSize > b.length) return EINVAL;
  const temp: ng_intp = { v: off.v };
  const error = ng_string_unparse(type, b, data, temp, cbuf);
  if (error !== 0) return error;
  off.v += fi.bufSize;
  return 0;
}
function ng_fixedstring_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  const fi = fixedstring_info(type);
  if (buflen.v < fi.bufSize) return ERANGE;
  b.fill(0, buf, buf + fi.bufSize);
  buflen.v = fi.bufSize;
  return 0;
}

/** Strings in a buffer of fixed size (NUL included): info is an
 *  ng_parse_fixedstring_info.  A longer string is E2BIG. */
export const ng_parse_fixedstring_type: ng_parse_type = {
  supertype: null,
  parse: ng_fixedstring_parse,
  unparse: ng_fixedstring_unparse,
  getDefault: ng_fixedstring_getDefault,
};

export const ng_parse_nodebuf_info: ng_parse_fixedstring_info = { bufSize: NG_NODESIZ };
export const ng_parse_nodebuf_type: ng_parse_type = { supertype: ng_parse_fixedstring_type, info: ng_parse_nodebuf_info };
export const ng_parse_hookbuf_info: ng_parse_fixedstring_info = { bufSize: NG_HOOKSIZ };
export const ng_parse_hookbuf_type: ng_parse_type = { supertype: ng_parse_fixedstring_type, info: ng_parse_hookbuf_info };
export const ng_parse_pathbuf_info: ng_parse_fixedstring_info = { bufSize: NG_PATHSIZ };
export const ng_parse_pathbuf_type: ng_parse_type = { supertype: ng_parse_fixedstring_type, info: ng_parse_pathbuf_info };
export const ng_parse_typebuf_info: ng_parse_fixedstring_info = { bufSize: NG_TYPESIZ };
export const ng_parse_typebuf_type: ng_parse_type = { supertype: ng_parse_fixedstring_type, info: ng_parse_typebuf_info };
export const ng_parse_cmdbuf_info: ng_parse_fixedstring_info = { bufSize: NG_CMDSTRSIZ };
export const ng_parse_cmdbuf_type: ng_parse_type = { supertype: ng_parse_fixedstring_type, info: ng_parse_cmdbuf_info };

function ng_sizedstring_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  const len: ng_intp = { v: 0 };
  const slen: ng_intp = { v: 0 };
  const sval = ng_get_string_token(s, off, len, slen);
  if (sval === null) return EINVAL;
  if (slen.v > 0xffff) return EINVAL;
  if (2 + slen.v > buflen.v) return ERANGE;
  off.v += len.v;
  b[buf] = slen.v & 0xff;
  b[buf + 1] = slen.v >> 8;
  b.set(sval.subarray(0, slen.v), buf + 2);
  buflen.v = 2 + slen.v;
  return 0;
}
function ng_sizedstring_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  const at = data + off.v;
  if (at < 0 || at + 2 > b.length) return EINVAL;
  const slen = ng_parse_get_u16(b, at);
  if (at + 2 + slen > b.length) return EINVAL;
  const error = ng_parse_append(cbuf, ng_encode_string(b.subarray(at + 2, at + 2 + slen), slen));
  if (error !== 0) return error;
  off.v += slen + 2;
  return 0;
}
function ng_sizedstring_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  if (buflen.v < 2) return ERANGE;
  b[buf] = 0;
  b[buf + 1] = 0;
  buflen.v = 2;
  return 0;
}

/** Strings preceded by a 16-bit length, not NUL-terminated. */
export const ng_parse_sizedstring_type: ng_parse_type = {
  supertype: null,
  parse: ng_sizedstring_parse,
  unparse: ng_sizedstring_unparse,
  getDefault: ng_sizedstring_getDefault,
};

// ---------------------------------------------------------------------------
// IP and Ethernet addresses

/** Four int8 values separated by dots: each goes through strtol, so "-1" and
 *  "0x7f" are accepted as FreeBSD accepts them. */
function ng_ipaddr_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  if (buflen.v < 4) return ERANGE;
  for (let i = 0; i < 4; i++) {
    const one: ng_intp = { v: 1 };
    const error = ng_int8_parse(ng_parse_int8_type, s, off, b, start, buf + i, one);
    if (error !== 0) return error;
    if (i < 3 && ch(s, off.v) !== 0x2e) return EINVAL;
    off.v++;
  }
  buflen.v = 4;
  return 0;
}
function ng_ipaddr_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  const at = data + off.v;
  if (at < 0 || at + 4 > b.length) return EINVAL;
  const error = ng_parse_append(cbuf, `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`);
  if (error !== 0) return error;
  off.v += 4;
  return 0;
}
function ng_ipaddr_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return int_getDefault(b, buf, buflen, 4);
}

/** struct in_addr, dotted quad; default 0.0.0.0. */
export const ng_parse_ipaddr_type: ng_parse_type = {
  supertype: null,
  parse: ng_ipaddr_parse,
  unparse: ng_ipaddr_unparse,
  getDefault: ng_ipaddr_getDefault,
  getAlign: ng_int32_getAlign,
};

function ng_enaddr_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  if (buflen.v < ETHER_ADDR_LEN) return ERANGE;
  for (let i = 0; i < ETHER_ADDR_LEN; i++) {
    const r = ng_strtol(s, off.v, 16, "ul");
    if (BigInt.asUintN(64, r.val) > 0xffn || r.eptr === off.v) return EINVAL;
    b[buf + i] = Number(r.val & 0xffn);
    off.v = r.eptr;
    if (i < ETHER_ADDR_LEN - 1) {
      if (ch(s, r.eptr) !== 0x3a) return EINVAL;
      off.v++;
    }
  }
  buflen.v = ETHER_ADDR_LEN;
  return 0;
}
function hex2(v: number): string {
  return (v < 16 ? "0" : "") + v.toString(16);
}
function ng_enaddr_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  const at = data + off.v;
  if (at < 0 || at + ETHER_ADDR_LEN > b.length) return EINVAL;
  const text = `${hex2(b[at])}:${hex2(b[at + 1])}:${hex2(b[at + 2])}:${hex2(b[at + 3])}:${hex2(b[at + 4])}:${hex2(b[at + 5])}`;
  const error = ng_parse_append(cbuf, text);
  if (error !== 0) return error;
  off.v += ETHER_ADDR_LEN;
  return 0;
}

/** Ethernet address xx:xx:xx:xx:xx:xx; no default (must be given). */
export const ng_parse_enaddr_type: ng_parse_type = {
  supertype: null,
  parse: ng_enaddr_parse,
  unparse: ng_enaddr_unparse,
  getDefault: null,
  getAlign: null,
};

// ---------------------------------------------------------------------------
// Byte arrays

function bytearray_getLength(type: ng_parse_type): ng_parse_array_getLength_t {
  const f = type.info;
  if (typeof f !== "function") panic("ng_parse: byte array type without a length function");
  return f as ng_parse_array_getLength_t;
}

/** The array of hex bytes a byte array is shown as; its private slot holds
 *  the byte array's own length function. */
function ng_parse_bytearray_subtype_getLength(type: ng_parse_type, b: Uint8Array, start: number, buf: number): number {
  const getLength = type.private;
  if (typeof getLength !== "function") panic("ng_parse: byte array subtype without a length function");
  return (getLength as ng_parse_array_getLength_t)(type, b, start, buf);
}
const ng_parse_bytearray_subtype_info: ng_parse_array_info = {
  elementType: ng_parse_hint8_type,
  getLength: ng_parse_bytearray_subtype_getLength,
  getDefault: null,
};
function bytearray_subtype(type: ng_parse_type): ng_parse_type {
  return { supertype: ng_parse_array_type, info: ng_parse_bytearray_subtype_info, private: bytearray_getLength(type) };
}

function ng_bytearray_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  // Either a string constant (zero-filled after its bytes) or an array.
  const toklen: ng_intp = { v: 0 };
  const slen: ng_intp = { v: 0 };
  const str = ng_get_string_token(s, off, toklen, slen);
  if (str !== null) {
    const arraylen = bytearray_getLength(type)(type, b, start, buf);
    if (arraylen > buflen.v) return ERANGE;
    if (slen.v > arraylen) return E2BIG;
    b.set(str.subarray(0, slen.v), buf);
    b.fill(0, buf + slen.v, buf + arraylen);
    off.v += toklen.v;
    buflen.v = arraylen;
    return 0;
  }
  return ng_array_parse(bytearray_subtype(type), s, off, b, start, buf, buflen);
}
function ng_bytearray_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  return ng_array_unparse(bytearray_subtype(type), b, data, off, cbuf);
}
function ng_bytearray_getDefault(type: ng_parse_type, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  return ng_array_getDefault(bytearray_subtype(type), b, start, buf, buflen);
}

/** Variable length byte arrays printed as hex bytes; info is the
 *  ng_parse_array_getLength_t giving the length.  The text may also be a
 *  string constant.  Default: all zero. */
export const ng_parse_bytearray_type: ng_parse_type = {
  supertype: null,
  parse: ng_bytearray_parse,
  unparse: ng_bytearray_unparse,
  getDefault: ng_bytearray_getDefault,
  getAlign: null,
};

// ---------------------------------------------------------------------------
// struct ng_mesg

/** The data of a struct ng_mesg is header.arglen bytes long. */
function ng_parse_ng_mesg_getLength(type: ng_parse_type, b: Uint8Array, start: number, buf: number): number {
  return ng_parse_get_u32(b, buf - NG_MESG_HDRLEN + 4) | 0;
}

const ng_msg_data_type: ng_parse_type = { supertype: ng_parse_bytearray_type, info: ng_parse_ng_mesg_getLength };

/** NG_GENERIC_NG_MESG_INFO(dtype): the fields of struct ng_mesg. */
export function NG_GENERIC_NG_MESG_INFO(dtype: ng_parse_type): ng_parse_struct_field[] {
  return [
    { name: "version", type: ng_parse_uint8_type },
    { name: "spare", type: ng_parse_uint8_type },
    { name: "spare2", type: ng_parse_uint16_type },
    { name: "arglen", type: ng_parse_uint32_type },
    { name: "cmd", type: ng_parse_uint32_type },
    { name: "flags", type: ng_parse_hint32_type },
    { name: "token", type: ng_parse_uint32_type },
    { name: "typecookie", type: ng_parse_uint32_type },
    { name: "cmdstr", type: ng_parse_cmdbuf_type },
    { name: "data", type: dtype },
  ];
}

/** A whole struct ng_mesg, data shown as bytes. */
export const ng_parse_ng_mesg_type: ng_parse_type = { supertype: ng_parse_struct_type, info: NG_GENERIC_NG_MESG_INFO(ng_msg_data_type) };

// ---------------------------------------------------------------------------
// Composite helpers

/** Work space of unparse's default-value check, as FreeBSD's. */
const WORKSIZE = 20 * 1024;

function ng_parse_composite(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp, ctype: comptype): number {
  const num = ng_get_composite_len(type, b, start, buf, ctype);
  // FreeBSD allocates num ints for the value offsets; a negative or absurd
  // count (from a length field) makes that allocation fail.
  if (num < 0 || num > 0x3fffffff) return ENOMEM;
  /** Where each given element's text starts (sparse: num can be large). */
  const foff = new Map<number, number>();
  let nextIndex = 0;
  const len: ng_intp = { v: 0 };
  let index: number;

  if (ng_parse_get_token(s, off, len) !== (ctype === CT_STRUCT ? T_LBRACE : T_LBRACKET)) return EINVAL;
  off.v += len.v;

  for (;;) {
    const tok = ng_parse_get_token(s, off, len);
    if (tok === (ctype === CT_STRUCT ? T_RBRACE : T_RBRACKET)) {
      off.v += len.v;
      break;
    }
    if (ctype !== CT_STRUCT) {
      gotIndex: {
        // An opening brace or bracket: a value with an implied index.
        if (tok === T_LBRACE || tok === T_LBRACKET) {
          index = nextIndex++;
          break gotIndex;
        }
        if (tok !== T_WORD) return EINVAL;
        // A word: an index if an equals sign follows, else a value.
        const off2: ng_intp = { v: off.v + len.v };
        const len2: ng_intp = { v: 0 };
        if (ng_parse_get_token(s, off2, len2) !== T_EQUALS) {
          index = nextIndex++;
          break gotIndex;
        }
        // strtoul's ULONG_MAX (overflow, or "-1") is refused; the rest is
        // cut to an unsigned int.
        const r = ng_strtol(s, off.v, 0, "ul");
        if (r.val === -1n || r.eptr - off.v !== len.v) return EINVAL;
        index = Number(BigInt.asUintN(32, r.val));
        nextIndex = index + 1;
        off.v += len.v + len2.v;
      }
    } else {
      if (tok !== T_WORD) return EINVAL;
      const fields = struct_fields(type);
      const word = s.subarray(off.v, off.v + len.v);
      index = fields.findIndex((f) => field_name_is(f.name, word));
      if (index < 0) return ENOENT;
      off.v += len.v;
      if (ng_parse_get_token(s, off, len) !== T_EQUALS) return EINVAL;
      off.v += len.v;
    }

    if (index >= num) return E2BIG;
    // C keeps 0 for "not given": a value can never start at offset 0.
    if ((foff.get(index) ?? 0) !== 0) return EALREADY;
    while (isspace(ch(s, off.v))) off.v++;
    foff.set(index, off.v);
    const error = ng_parse_skip_value(s, off.v, len);
    if (error !== 0) return error;
    off.v += len.v;
  }

  // Build the binary value from the values given and the defaults.
  let blen = 0;
  for (index = 0; index < num; index++) {
    const etype = ng_get_composite_etype(type, index, ctype);
    const pad = ng_parse_get_elem_pad(type, index, ctype, blen);
    for (let k = 0; k < pad; k++) {
      if (blen >= buflen.v) return ERANGE;
      b[buf + blen++] = 0;
    }
    const vlen: ng_intp = { v: buflen.v - blen };
    let error: number;
    const at = foff.get(index) ?? 0;
    if (at === 0) error = ng_get_composite_elem_default(type, index, b, start, buf + blen, vlen, ctype);
    else {
      off.v = at;
      error = INVOKE_parse(etype)(etype, s, off, b, start, buf + blen, vlen);
    }
    if (error !== 0) return error;
    blen += vlen.v;
  }

  // The size of a composite is a multiple of its alignment.
  const align = ALIGNMENT(type);
  if (align !== 0) {
    while (blen % align !== 0) {
      if (blen >= buflen.v) return ERANGE;
      b[buf + blen++] = 0;
    }
  }
  buflen.v = blen;
  return 0;
}

/** strncmp(&s[off], name, len) == 0 && name[len] == '\0'. */
function field_name_is(name: string, word: Uint8Array): boolean {
  if (name.length !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (name.charCodeAt(i) !== word[i]) return false;
  return true;
}

/** Work buffers by nesting depth of unparse_composite (FreeBSD mallocs one
 *  per call; it starts with no meaningful contents either way). */
const workBufs: Uint8Array[] = [];
let workDepth = 0;

function ng_unparse_composite(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf, ctype: comptype): number {
  let workBuf = workBufs[workDepth];
  if (workBuf === undefined) workBufs[workDepth] = workBuf = new Uint8Array(WORKSIZE);
  workDepth++;
  try {
    return unparse_composite(type, b, data, off, cbuf, ctype, workBuf);
  } finally {
    workDepth--;
  }
}

function unparse_composite(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf, ctype: comptype, workBuf: Uint8Array): number {
  const num = ng_get_composite_len(type, b, data, data + off.v, ctype);
  let nextIndex = 0;
  let didOne = false;
  // workBuf[0, copied) mirrors the header and data so far; defaults are
  // only ever written after it, so each element copies just what is new.
  let copied = 0;

  let error = ng_parse_append(cbuf, ctype === CT_STRUCT ? "{" : "[");
  if (error !== 0) return error;

  for (let index = 0; index < num; index++) {
    const etype = ng_get_composite_etype(type, index, ctype);
    off.v += ng_parse_get_elem_pad(type, index, ctype, off.v);

    // Leave out an element equal to its default.  The work buffer gets the
    // ng_mesg header before the data and the data so far, for types that
    // look back at them.
    if (NG_MESG_HDRLEN + off.v < WORKSIZE) {
      const tempsize: ng_intp = { v: WORKSIZE - NG_MESG_HDRLEN - off.v };
      copy_before(workBuf, b, data - NG_MESG_HDRLEN, copied, NG_MESG_HDRLEN + off.v);
      copied = NG_MESG_HDRLEN + off.v;
      const wstart = NG_MESG_HDRLEN;
      const wbuf = NG_MESG_HDRLEN + off.v;
      if (ng_get_composite_elem_default(type, index, workBuf, wstart, wbuf, tempsize, ctype) === 0 && bytes_equal(workBuf, wbuf, b, data + off.v, tempsize.v)) {
        off.v += tempsize.v;
        continue;
      }
    }

    error = ng_parse_append(cbuf, " ");
    if (error !== 0) return error;
    if (ctype !== CT_STRUCT) {
      if (index !== nextIndex) {
        nextIndex = index;
        error = ng_parse_append(cbuf, `${index}=`);
        if (error !== 0) return error;
      }
      nextIndex++;
    } else {
      error = ng_parse_append(cbuf, `${struct_fields(type)[index].name}=`);
      if (error !== 0) return error;
    }

    error = INVOKE_unparse(etype)(etype, b, data, off, cbuf);
    if (error !== 0) return error;
    didOne = true;
  }

  return ng_parse_append(cbuf, (didOne ? " " : "") + (ctype === CT_STRUCT ? "}" : "]"));
}

/** dst[i] = src[from + i] for i in [lo, hi), bytes outside src read as zero. */
function copy_before(dst: Uint8Array, src: Uint8Array, from: number, lo: number, hi: number): void {
  for (let i = lo; i < hi; i++) dst[i] = ch(src, from + i);
}

/** bcmp of n bytes; data running past the end of b never equals a default. */
function bytes_equal(a: Uint8Array, ai: number, b: Uint8Array, bi: number, n: number): boolean {
  if (bi < 0 || bi + n > b.length) return false;
  for (let i = 0; i < n; i++) if (a[ai + i] !== b[bi + i]) return false;
  return true;
}

function ng_get_composite_elem_default(type: ng_parse_type, index: number, b: Uint8Array, start: number, buf: number, buflen: ng_intp, ctype: comptype): number {
  if (ctype === CT_ARRAY) {
    const ai = array_info(type);
    if (ai.getDefault !== undefined && ai.getDefault !== null) return ai.getDefault(type, index, b, start, buf, buflen);
  } else if (ctype === CT_FIXEDARRAY) {
    const fi = fixedarray_info(type);
    if (fi.getDefault !== undefined && fi.getDefault !== null) return fi.getDefault(type, index, b, start, buf, buflen);
  }
  const etype = ng_get_composite_etype(type, index, ctype);
  const func = ng_get_getDefault_method(etype);
  if (func === null) return EOPNOTSUPP;
  return func(etype, b, start, buf, buflen);
}

function ng_get_composite_len(type: ng_parse_type, b: Uint8Array, start: number, buf: number, ctype: comptype): number {
  switch (ctype) {
    case CT_STRUCT:
      return struct_fields(type).length;
    case CT_ARRAY:
      // getLength returns a C int.
      return array_info(type).getLength(type, b, start, buf) | 0;
    case CT_FIXEDARRAY:
      return fixedarray_info(type).length;
  }
}

function ng_get_composite_etype(type: ng_parse_type, index: number, ctype: comptype): ng_parse_type {
  switch (ctype) {
    case CT_STRUCT:
      return struct_fields(type)[index].type;
    case CT_ARRAY:
      return array_info(type).elementType;
    case CT_FIXEDARRAY:
      return fixedarray_info(type).elementType;
  }
}

/** Bytes to skip before element index at posn for its alignment. */
function ng_parse_get_elem_pad(type: ng_parse_type, index: number, ctype: comptype, posn: number): number {
  const etype = ng_get_composite_etype(type, index, ctype);
  let align = ALIGNMENT(etype);
  if (ctype === CT_STRUCT) {
    const a = struct_fields(type)[index].alignment;
    if (a !== undefined && a !== 0) align = a;
  }
  return align !== 0 ? (align - (posn % align)) % align : 0;
}

// ---------------------------------------------------------------------------
// Tokens

/** Append text to the output; ERANGE unless it fits with room for a NUL. */
export function ng_parse_append(cbuf: ng_parse_cbuf, text: string): number {
  if (text.length >= cbuf.len) return ERANGE;
  cbuf.s += text;
  cbuf.len -= text.length;
  return 0;
}

/** Skip one value (a word, a string, or a bracketed or braced group). */
function ng_parse_skip_value(s: Uint8Array, off0: number, lenp: ng_intp): number {
  const off: ng_intp = { v: off0 };
  const len: ng_intp = { v: 0 };
  let nbracket = 0;
  let nbrace = 0;
  do {
    switch (ng_parse_get_token(s, off, len)) {
      case T_LBRACKET:
        nbracket++;
        break;
      case T_LBRACE:
        nbrace++;
        break;
      case T_RBRACKET:
        if (nbracket-- === 0) return EINVAL;
        break;
      case T_RBRACE:
        if (nbrace-- === 0) return EINVAL;
        break;
      case T_EOF:
        return EINVAL;
      default:
        break;
    }
    off.v += len.v;
  } while (nbracket > 0 || nbrace > 0);
  lenp.v = off.v - off0;
  return 0;
}

/**
 * ng_parse_get_token: the next token at or after startp.v (white space is
 * skipped and startp.v moved to the token); lenp.v is its length.  A string
 * token with no closing quote is T_ERROR.
 */
export function ng_parse_get_token(s: Uint8Array, startp: ng_intp, lenp: ng_intp): ng_parse_token {
  while (isspace(ch(s, startp.v))) startp.v++;
  switch (ch(s, startp.v)) {
    case 0:
      lenp.v = 0;
      return T_EOF;
    case 0x7b:
      lenp.v = 1;
      return T_LBRACE;
    case 0x7d:
      lenp.v = 1;
      return T_RBRACE;
    case 0x5b:
      lenp.v = 1;
      return T_LBRACKET;
    case 0x5d:
      lenp.v = 1;
      return T_RBRACKET;
    case 0x3d:
      lenp.v = 1;
      return T_EQUALS;
    case 0x22:
      if (ng_get_string_token(s, startp, lenp, null) === null) return T_ERROR;
      return T_STRING;
    default: {
      let i = startp.v + 1;
      for (;;) {
        const c = ch(s, i);
        if (c === 0 || isspace(c) || c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d || c === 0x3d || c === 0x22) break;
        i++;
      }
      lenp.v = i - startp.v;
      return T_WORD;
    }
  }
}

function hexval(c: number): number {
  return isdigit(c) ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

/**
 * ng_get_string_token: the value of the double-quoted string at startp.v
 * (after white space), with C's backslash escapes, or null if there is no
 * string there or no closing quote.  lenp.v is the number of characters the
 * token counts for and slenp.v the length of the value.
 *
 * As FreeBSD's, octal and \x escapes take every digit that follows (the value
 * keeps the low 8 bits), and the token length undercounts by one for each \x
 * escape and each escape of a character with no special meaning (\\, \q):
 * such strings parse on their own but throw the parser off inside a
 * struct or array.
 */
export function ng_get_string_token(s: Uint8Array, startp: ng_intp, lenp: ng_intp, slenp: ng_intp | null): Uint8Array | null {
  while (isspace(ch(s, startp.v))) startp.v++;
  const start = startp.v;
  if (ch(s, start) !== 0x22) return null;
  // m: a copy of the text after the opening quote with its NUL, worked on
  // in place as C's buffer is (escapes shift the rest left with strcpy).
  let end = start + 1;
  while (ch(s, end) !== 0) end++;
  const m = new Uint8Array(end - start);
  m.set(s.subarray(start + 1, end));
  const strcpy = (dst: number, src: number): void => {
    m.copyWithin(dst, src, m.indexOf(0, src) + 1);
  };
  let slen = 0;
  let off = 1;
  for (let p = 0; m[p] !== 0; slen++, off++, p++) {
    if (m[p] === 0x22) {
      m[p] = 0;
      lenp.v = off + 1;
      if (slenp !== null) slenp.v = slen;
      return m.subarray(0, p);
    }
    if (m[p] === 0x5c && m[p + 1] !== 0) {
      strcpy(p, p + 1);
      let v = p;
      switch (m[p]) {
        case 0x74:
          m[v] = 0x09;
          off++;
          continue;
        case 0x6e:
          m[v] = 0x0a;
          off++;
          continue;
        case 0x72:
          m[v] = 0x0d;
          off++;
          continue;
        case 0x76:
          m[v] = 0x0b;
          off++;
          continue;
        case 0x66:
          m[v] = 0x0c;
          off++;
          continue;
        case 0x22:
          m[v] = 0x22;
          off++;
          continue;
        case 0x30:
        case 0x31:
        case 0x32:
        case 0x33:
        case 0x34:
        case 0x35:
        case 0x36:
        case 0x37: {
          let x = 0;
          for (; m[v] >= 0x30 && m[v] <= 0x37; v++) {
            x = ((x << 3) + (m[v] - 0x30)) & 0xff;
            off++;
          }
          m[--v] = x;
          break;
        }
        case 0x78: {
          let x = 0;
          for (v++; isxdigit(m[v]); v++) {
            x = ((x << 4) + hexval(m[v])) & 0xff;
            off++;
          }
          m[--v] = x;
          break;
        }
        default:
          continue;
      }
      strcpy(p, v);
    }
  }
  return null;
}

/**
 * ng_encode_string: the first slen bytes of raw as a double-quoted string:
 * \t \f \n \r \v, \" and \\, \xNN for other bytes outside 0x20..0x7e.
 */
export function ng_encode_string(raw: Uint8Array, slen: number): string {
  let out = '"';
  for (let i = 0; i < slen; i++) {
    const c = i < raw.length ? raw[i] : 0;
    switch (c) {
      case 0x09:
        out += "\\t";
        break;
      case 0x0c:
        out += "\\f";
        break;
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x0b:
        out += "\\v";
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += "\\\\";
        break;
      default:
        // char is signed on amd64: bytes >= 0x80 are negative, below 0x20.
        if (c < 0x20 || c > 0x7e) out += "\\x" + hex2(c);
        else out += String.fromCharCode(c);
        break;
    }
  }
  return out + '"';
}
