// sys/net/vnet.h, sys/net/vnet.c: the virtualized network stack (VIMAGE).
//
// Every VNET_DEFINE'd variable has a slot in one "master" data region that
// holds its initial value.  vnet_alloc() gives each new stack its own copy of
// that region and then runs the VNET_SYSINIT constructors with curvnet set to
// it; V_ access reads the copy of curvnet.  Built without VIMAGE (esbuild
// defines VIMAGE=false), the same calls fold to plain access to the master
// region: one stack, no switching, as vnet.h's #else branch does.
//
// The region is an ArrayBuffer with Int32 and Float64 views for scalar
// variables (so sysctl oids can point into it by offset, as FreeBSD's
// arg1 = curvnet->vnet_data_base + &master does), and an array of references
// for pointer variables (list heads, tables), which FreeBSD also keeps in the
// region and which constructors fill in.
//
// Departures: there is one kernel thread, so curthread->td_vnet is the module
// variable `curvnet`; there are no locks (vnet_rwlock/vnet_sxlock).

import {
  SI_ORDER_ANY,
  SI_ORDER_FIRST,
  SI_SUB_VNET,
  SI_SUB_VNET_DONE,
  SYSINIT,
} from "../kern/kernel.ts";
import { KASSERT, panic, printf } from "../kern/subr_prf.ts";

export const VNET_MAGIC_N = 0x5e4a6f28;
const VNET_MAGIC_DEAD = 0xdeadbeef;

/** Room reserved in every vnet's region for variables defined after the first
 *  vnet exists (kernel modules loaded late): FreeBSD's VNET_MODMIN.  FreeBSD
 *  reserves 8 KB for C variables of any type; our region holds only ints and
 *  counters (objects live in vnet_data_ptr), so 2 KB holds as many. */
export const VNET_MODMIN = 2048;

export class vnet {
  vnet_magic_n = VNET_MAGIC_N;
  vnet_ifcnt = 0;
  vnet_sockcnt = 0;
  /** SI_SUB_* of the constructor or destructor running now. */
  vnet_state = 0;
  vnet_data_mem: ArrayBuffer;
  vnet_data_i32: Int32Array;
  vnet_data_f64: Float64Array;
  vnet_data_ptr: unknown[];
  vnet_shutdown = false;

  constructor(mem: ArrayBuffer, ptrs: unknown[]) {
    this.vnet_data_mem = mem;
    this.vnet_data_i32 = new Int32Array(mem);
    this.vnet_data_f64 = new Float64Array(mem);
    this.vnet_data_ptr = ptrs;
  }
}

// ---------------------------------------------------------------------------
// The master data region ("set_vnet").

let vnet_data_used = 0; // bytes handed out by VNET_DEFINE
let vnet_data_size = 0; // size of every vnet's region; fixed at the first vnet_alloc
let master_mem = new ArrayBuffer(1024);
let master_i32 = new Int32Array(master_mem);
let master_f64 = new Float64Array(master_mem);
const master_ptr: unknown[] = [];

/** Names of the defined variables, for diagnostics (the linker's symbol table). */
const vnet_symbols: { name: string; kind: "int" | "u64" | "ptr"; index: number }[] = [];

/** The vnets, newest first (vnet_head). */
export const vnet_head: vnet[] = [];

/** vnet_data_alloc(): carve `size` bytes aligned to `align` from the region.
 *  Before the first vnet exists the master simply grows; afterwards the
 *  variable must fit in the VNET_MODMIN space every vnet reserved. */
function vnet_data_alloc(size: number, align: number): number {
  const off = (vnet_data_used + align - 1) & ~(align - 1);
  const end = off + size;
  if (vnet_data_size !== 0 && end > vnet_data_size) panic("vnet_data_alloc: out of module space (VNET_MODMIN)");
  if (end > master_mem.byteLength) {
    let n = master_mem.byteLength;
    while (n < end) n *= 2;
    const mem = new ArrayBuffer(n);
    new Uint8Array(mem).set(new Uint8Array(master_mem));
    master_mem = mem;
    master_i32 = new Int32Array(mem);
    master_f64 = new Float64Array(mem);
    if (!VIMAGE) vnet0.vnet_data_mem = mem, vnet0.vnet_data_i32 = master_i32, vnet0.vnet_data_f64 = master_f64;
  }
  vnet_data_used = end;
  return off;
}

/** vnet_data_copy(): push a late variable's initial value into every vnet. */
function vnet_data_copy(off: number, size: number): void {
  if (!VIMAGE) return;
  const src = new Uint8Array(master_mem, off, size);
  for (const v of vnet_head) new Uint8Array(v.vnet_data_mem, off, size).set(src);
}

/** VNET_DEFINE(int, name) = init: returns the variable's index in the Int32 view. */
export function VNET_DEFINE_INT(name: string, init = 0): number {
  const off = vnet_data_alloc(4, 4);
  const idx = off >> 2;
  master_i32[idx] = init;
  vnet_data_copy(off, 4);
  vnet_symbols.push({ name, kind: "int", index: idx });
  return idx;
}

/** VNET_DEFINE(uint64_t[n], name): n 64-bit counters (kept as float64, exact
 *  to 2^53), returns the index of the first in the Float64 view. */
export function VNET_DEFINE_U64(name: string, n = 1): number {
  const off = vnet_data_alloc(8 * n, 8);
  const idx = off >> 3;
  master_f64.fill(0, idx, idx + n);
  vnet_data_copy(off, 8 * n);
  vnet_symbols.push({ name, kind: "u64", index: idx });
  return idx;
}

/** A pointer-valued VNET_DEFINE: the slot of a reference in every vnet. */
export type vnet_ptr<T> = number & { readonly __vnet_ptr?: T };

export function VNET_DEFINE_PTR<T>(name: string, init: T): vnet_ptr<T> {
  const idx = master_ptr.length;
  master_ptr.push(init);
  if (VIMAGE) for (const v of vnet_head) v.vnet_data_ptr[idx] = init;
  vnet_symbols.push({ name, kind: "ptr", index: idx });
  return idx as vnet_ptr<T>;
}

// ---------------------------------------------------------------------------
// curvnet and V_ access.

/** curthread->td_vnet; NULL outside any vnet context. */
export let curvnet: vnet | null = null;

/** curthread->td_vnet_lpush: who did the last CURVNET_SET (VNET_DEBUG). */
let td_vnet_lpush = "";
const lpush_stack: string[] = [];
const set_stack: (vnet | null)[] = [];

// A V_ access with no curvnet is a NULL dereference in FreeBSD (a panic); the
// cast below lets it fail the same way, with a TypeError, at no cost when it
// does not happen.

/** VNET(name) for an int variable: V_name. */
export function VNET_I32(idx: number): number {
  return VIMAGE ? (curvnet as vnet).vnet_data_i32[idx] : master_i32[idx];
}
export function VNET_I32_SET(idx: number, val: number): void {
  if (VIMAGE) (curvnet as vnet).vnet_data_i32[idx] = val;
  else master_i32[idx] = val;
}
/** VNET(name) for a counter: V_name[i]. */
export function VNET_U64(idx: number): number {
  return VIMAGE ? (curvnet as vnet).vnet_data_f64[idx] : master_f64[idx];
}
export function VNET_U64_ADD(idx: number, n: number): void {
  if (VIMAGE) (curvnet as vnet).vnet_data_f64[idx] += n;
  else master_f64[idx] += n;
}
export function VNET_U64_SET(idx: number, n: number): void {
  if (VIMAGE) (curvnet as vnet).vnet_data_f64[idx] = n;
  else master_f64[idx] = n;
}
export function VNET_PTR<T>(p: vnet_ptr<T>): T {
  return (VIMAGE ? (curvnet as vnet).vnet_data_ptr[p] : master_ptr[p]) as T;
}
export function VNET_PTR_SET<T>(p: vnet_ptr<T>, val: T): void {
  if (VIMAGE) (curvnet as vnet).vnet_data_ptr[p] = val;
  else master_ptr[p] = val;
}

/** VNET_VNET(vnet, name): the instance in a named vnet, not curvnet's. */
export function VNET_VNET_I32(v: vnet, idx: number): number {
  return v.vnet_data_i32[idx];
}
export function VNET_VNET_U64(v: vnet, idx: number): number {
  return v.vnet_data_f64[idx];
}
export function VNET_VNET_PTR<T>(v: vnet, p: vnet_ptr<T>): T {
  return v.vnet_data_ptr[p] as T;
}

/** The Int32/Float64 view that V_ access resolves to right now; sysctl uses
 *  it to rebase CTLFLAG_VNET oids. */
export function vnet_data_i32_cur(): Int32Array {
  return VIMAGE ? (curvnet as vnet).vnet_data_i32 : master_i32;
}
export function vnet_data_f64_cur(): Float64Array {
  return VIMAGE ? (curvnet as vnet).vnet_data_f64 : master_f64;
}

/**
 * CURVNET_SET_QUIET(arg): make `arg` the current vnet; returns the vnet to
 * hand back to CURVNET_RESTORE.  Calls nest strictly, like the C macros that
 * declare their saved_vnet in the enclosing block.
 */
export function CURVNET_SET_QUIET(arg: vnet, where = "?"): vnet | null {
  if (!VIMAGE) return null;
  if (arg.vnet_magic_n !== VNET_MAGIC_N) panic(`CURVNET_SET at ${where}: bad vnet magic 0x${(arg.vnet_magic_n >>> 0).toString(16)}`);
  const saved = curvnet;
  if (VNET_DEBUG) {
    set_stack.push(saved);
    lpush_stack.push(td_vnet_lpush);
    td_vnet_lpush = where;
  }
  curvnet = arg;
  return saved;
}

/** CURVNET_SET(arg) = CURVNET_SET_VERBOSE: QUIET plus recursion logging
 *  under VNET_DEBUG. */
export function CURVNET_SET(arg: vnet, where = "?", line = 0): vnet | null {
  const saved = CURVNET_SET_QUIET(arg, where);
  if (VNET_DEBUG && saved !== null) vnet_log_recursion(saved, lpush_stack[lpush_stack.length - 1], "", line);
  return saved;
}

/**
 * CURVNET_SET with the call site's file and line, as the C macro gets them
 * from __FILE__ and __LINE__.  Only the VNET_DEBUG build calls it: build.mjs
 * rewrites each `CURVNET_SET(` in the kernel source to
 * `CURVNET_SET_AT("<file>", <line>, ` when it bundles that build, so the
 * other builds keep plain CURVNET_SET and pay nothing.
 */
export function CURVNET_SET_AT(file: string, line: number, arg: vnet, where = "?"): vnet | null {
  const saved = CURVNET_SET_QUIET(arg, where);
  if (VNET_DEBUG && saved !== null) vnet_log_recursion(saved, lpush_stack[lpush_stack.length - 1], file, line);
  return saved;
}

export function CURVNET_RESTORE(saved: vnet | null): void {
  if (!VIMAGE) return;
  if (curvnet === null || (saved !== null && saved.vnet_magic_n !== VNET_MAGIC_N)) panic("CURVNET_RESTORE: bad curvnet or saved vnet");
  if (VNET_DEBUG) {
    // FreeBSD gets LIFO order from C scoping; here it is checked: the vnet
    // handed back must be the one the innermost CURVNET_SET saved.
    if (set_stack.length === 0 || set_stack.pop() !== saved) panic("CURVNET_RESTORE: not nested in its CURVNET_SET");
    td_vnet_lpush = lpush_stack.pop() ?? "";
  }
  curvnet = saved;
}

/** Run fn with curvnet = v (the pattern every switch point uses). */
export function vnet_run<R>(v: vnet, where: string, fn: () => R): R {
  const saved = CURVNET_SET(v, where);
  try {
    return fn();
  } finally {
    CURVNET_RESTORE(saved);
  }
}

export function IS_DEFAULT_VNET(v: vnet | null): boolean {
  return VIMAGE ? v === vnet0 : true;
}

/** VNET_FOREACH: every vnet, newest first; without VIMAGE the body runs once. */
export function VNET_FOREACH(fn: (v: vnet) => void): void {
  if (!VIMAGE) {
    fn(vnet0);
    return;
  }
  for (const v of vnet_head.slice()) fn(v);
}

// ---------------------------------------------------------------------------
// VNET_DEBUG: the recursion log.

export class vnet_recursion {
  constructor(
    readonly prev_fn: string,
    readonly where_fn: string,
    /** The source file of the CURVNET_SET ("" when the caller did not say). */
    readonly where_file: string,
    readonly where_line: number,
    readonly old_vnet: vnet,
    readonly new_vnet: vnet,
  ) {}
}

/** vnet_recursions, newest first (an SLIST with INSERT_HEAD). */
export const vnet_recursions: vnet_recursion[] = [];

function vnet_print_recursion(vnr: vnet_recursion, brief: boolean): string {
  let s = brief ? "" : "CURVNET_SET() recursion in ";
  // FreeBSD prints the function and __LINE__; our line needs its file too.
  s += `${vnr.where_fn}() line ${vnr.where_line}${vnr.where_file === "" ? "" : ` of ${vnr.where_file}`}, prev in ${vnr.prev_fn}()`;
  s += brief ? ", " : "\n    ";
  s += `${vnet_name(vnr.old_vnet)} -> ${vnet_name(vnr.new_vnet)}\n`;
  return s;
}

function vnet_log_recursion(old_vnet: vnet, old_fn: string, file: string, line: number): void {
  for (const vnr of vnet_recursions) {
    if (
      vnr.prev_fn === old_fn &&
      vnr.where_fn === td_vnet_lpush &&
      vnr.where_file === file &&
      vnr.where_line === line &&
      (vnr.old_vnet === vnr.new_vnet) === (curvnet === old_vnet)
    )
      return;
  }
  const vnr = new vnet_recursion(old_fn, td_vnet_lpush, file, line, old_vnet, curvnet as vnet);
  vnet_recursions.unshift(vnr);
  printf(vnet_print_recursion(vnr, false));
}

/** DDB `show vnetrcrs`. */
export function db_show_vnetrcrs(): string {
  return vnet_recursions.map((r) => vnet_print_recursion(r, true)).join("");
}

// A vnet has no name in FreeBSD (DDB prints its address); a serial number
// stands in for the address in messages.
const vnet_serials = new WeakMap<vnet, number>();
let vnet_next_serial = 0;
export function vnet_name(v: vnet): string {
  let n = vnet_serials.get(v);
  if (n === undefined) vnet_serials.set(v, (n = vnet_next_serial++));
  return `vnet${n}@${n.toString(16).padStart(8, "0")}`;
}

// ---------------------------------------------------------------------------
// VNET_SYSINIT / VNET_SYSUNINIT.

export class vnet_sysinit {
  constructor(
    readonly name: string,
    readonly subsystem: number,
    readonly order: number,
    readonly func: (arg: unknown) => void,
    readonly arg: unknown,
  ) {}
}

const vnet_constructors: vnet_sysinit[] = [];
const vnet_destructors: vnet_sysinit[] = [];

function vnet_sysinit_insert(list: vnet_sysinit[], vs: vnet_sysinit): void {
  // After every entry of lower or equal (subsystem, order): stable.
  let i = 0;
  for (; i < list.length; i++) {
    const vs2 = list[i];
    if (vs2.subsystem > vs.subsystem) break;
    if (vs2.subsystem === vs.subsystem && vs2.order > vs.order) break;
  }
  list.splice(i, 0, vs);
}

function vnet_register_sysinit(vs: vnet_sysinit): void {
  KASSERT(vs.subsystem > SI_SUB_VNET, "vnet sysinit too early");
  vnet_sysinit_insert(vnet_constructors, vs);
  // A constructor registered late (a module loaded after boot) runs on every
  // vnet that already exists.
  for (const v of vnet_head.slice()) {
    const saved = CURVNET_SET_QUIET(v, "vnet_register_sysinit");
    v.vnet_state = vs.subsystem;
    vs.func(vs.arg);
    CURVNET_RESTORE(saved);
  }
}

function vnet_register_sysuninit(vs: vnet_sysinit): void {
  vnet_sysinit_insert(vnet_destructors, vs);
}

/** Module unload: run the destructor on every vnet, then forget it. */
export function vnet_deregister_sysuninit(vs: vnet_sysinit): void {
  for (const v of vnet_head.slice()) {
    const saved = CURVNET_SET_QUIET(v, "vnet_deregister_sysuninit");
    vs.func(vs.arg);
    CURVNET_RESTORE(saved);
  }
  const i = vnet_destructors.indexOf(vs);
  if (i >= 0) vnet_destructors.splice(i, 1);
}

export function vnet_deregister_sysinit(vs: vnet_sysinit): void {
  const i = vnet_constructors.indexOf(vs);
  if (i >= 0) vnet_constructors.splice(i, 1);
}

/**
 * VNET_SYSINIT(ident, subsystem, order, func, arg).  With VIMAGE it is a
 * SYSINIT that registers the constructor (run for vnet0 at boot and for every
 * later vnet); without VIMAGE it is a plain SYSINIT.
 */
export function VNET_SYSINIT<T>(name: string, subsystem: number, order: number, func: (arg: T) => void, arg?: T): vnet_sysinit {
  const vs = new vnet_sysinit(name, subsystem, order, func as (arg: unknown) => void, arg);
  if (VIMAGE) {
    KASSERT(subsystem > SI_SUB_VNET && subsystem <= SI_SUB_VNET_DONE, `VNET_SYSINIT ${name}: subsystem out of range`);
    SYSINIT(`${name}_vnet_init`, subsystem, order, vnet_register_sysinit, vs);
  } else {
    SYSINIT(name, subsystem, order, func, arg);
  }
  return vs;
}

export function VNET_SYSUNINIT<T>(name: string, subsystem: number, order: number, func: (arg: T) => void, arg?: T): vnet_sysinit {
  const vs = new vnet_sysinit(name, subsystem, order, func as (arg: unknown) => void, arg);
  if (VIMAGE) {
    KASSERT(subsystem > SI_SUB_VNET && subsystem <= SI_SUB_VNET_DONE, `VNET_SYSUNINIT ${name}: subsystem out of range`);
    // Registration must not wait for boot to reach this subsystem: a vnet
    // created by then would miss the destructor.  FreeBSD registers it from a
    // SYSINIT at the same (subsystem, order); so do we.
    SYSINIT(`${name}_vnet_uninit`, subsystem, order, vnet_register_sysuninit, vs);
  }
  return vs;
}

/** vnet_sysinit(): run every constructor on curvnet, in order. */
function vnet_sysinit_run(): void {
  const v = curvnet as vnet;
  for (const vs of vnet_constructors) {
    v.vnet_state = vs.subsystem;
    vs.func(vs.arg);
  }
}

/** vnet_sysuninit(): run every destructor on curvnet, last first. */
function vnet_sysuninit_run(): void {
  const v = curvnet as vnet;
  for (let i = vnet_destructors.length - 1; i >= 0; i--) {
    const vs = vnet_destructors[i];
    v.vnet_state = vs.subsystem;
    vs.func(vs.arg);
  }
}

export function vnet_constructor_list(): readonly vnet_sysinit[] {
  return vnet_constructors;
}
export function vnet_destructor_list(): readonly vnet_sysinit[] {
  return vnet_destructors;
}

// ---------------------------------------------------------------------------
// Allocation and teardown.

/** The host's stack.  Without VIMAGE it is the one stack, whose region is
 *  the master region itself. */
export let vnet0: vnet = new vnet(master_mem, master_ptr);

/** vnet_alloc(): a new stack, a copy of the master region with every
 *  constructor run on it, linked at the head of vnet_head afterwards. */
export function vnet_alloc(): vnet {
  if (!VIMAGE) panic("vnet_alloc: kernel built without VIMAGE");
  if (vnet_data_size === 0) vnet_data_size = ((vnet_data_used + 7) & ~7) + VNET_MODMIN;
  const mem = new ArrayBuffer(vnet_data_size);
  new Uint8Array(mem).set(new Uint8Array(master_mem, 0, Math.min(vnet_data_size, master_mem.byteLength)));
  const v = new vnet(mem, master_ptr.slice());
  const saved = CURVNET_SET_QUIET(v, "vnet_alloc");
  vnet_sysinit_run();
  CURVNET_RESTORE(saved);
  vnet_head.unshift(v);
  return v;
}

/** VNET_IS_SHUTTING_DOWN: past the first destructor of a dying vnet. */
export function VNET_IS_SHUTTING_DOWN(v: vnet): boolean {
  return v.vnet_shutdown && v.vnet_state < SI_SUB_VNET_DONE;
}

export function vnet_destroy(v: vnet): void {
  if (!VIMAGE) panic("vnet_destroy: kernel built without VIMAGE");
  KASSERT(v.vnet_sockcnt === 0, `vnet ${vnet_name(v)} still has sockets`);
  KASSERT(v !== vnet0, "vnet_destroy: vnet0");
  const i = vnet_head.indexOf(v);
  KASSERT(i >= 0, "vnet_destroy: vnet not on vnet_head");
  vnet_head.splice(i, 1);
  v.vnet_shutdown = true;
  const saved = CURVNET_SET_QUIET(v, "vnet_destroy");
  vnet_sysuninit_run();
  CURVNET_RESTORE(saved);
  v.vnet_magic_n = VNET_MAGIC_DEAD;
  v.vnet_data_ptr.length = 0;
}

/** Bytes of region every vnet carries (VNET_SIZE). */
export function vnet_data_region_size(): number {
  return VIMAGE ? vnet_data_size : master_mem.byteLength;
}

export function vnet_symbol_table(): readonly { name: string; kind: string; index: number }[] {
  return vnet_symbols;
}

// ---------------------------------------------------------------------------
// Boot.

/** vnet0_init: the host stack, made current for the rest of boot. */
function vnet0_init(): void {
  if (!VIMAGE) return;
  vnet0 = vnet_alloc();
  curvnet = vnet0;
}
SYSINIT("vnet0_init", SI_SUB_VNET, SI_ORDER_FIRST, vnet0_init);

/** vnet_init_done: boot is over, no vnet is current any more. */
function vnet_init_done(): void {
  if (!VIMAGE) return;
  curvnet = null;
}
SYSINIT("vnet_init_done", SI_SUB_VNET_DONE, SI_ORDER_ANY, vnet_init_done);

// Makes sure every vnet_state reaches SI_SUB_VNET_DONE.
function vnet_sysinit_done(): void {}
VNET_SYSINIT("vnet_sysinit_done", SI_SUB_VNET_DONE, SI_ORDER_ANY, vnet_sysinit_done);
