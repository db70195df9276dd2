// sys/sys/sysctl.h and the leaf handlers of sys/kern/kern_sysctl.c
// (sysctl_handle_int/string/u64, SYSCTL_IN/OUT): the oid tree and the
// SYSCTL_* declarations.  Lookup, permissions and the system call are in
// kern_sysctl.ts; keeping the tree here lets any file declare oids at load
// time without an import cycle.

import { EINVAL, EPERM } from "./errno.ts";

export const CTL_MAXNAME = 24;

export const CTLTYPE = 0xf;
export const CTLTYPE_NODE = 1;
export const CTLTYPE_INT = 2;
export const CTLTYPE_STRING = 3;
export const CTLTYPE_S64 = 4;
export const CTLTYPE_OPAQUE = 5;
export const CTLTYPE_STRUCT = CTLTYPE_OPAQUE;
export const CTLTYPE_UINT = 6;
export const CTLTYPE_LONG = 7;
export const CTLTYPE_ULONG = 8;
export const CTLTYPE_U64 = 9;

export const CTLFLAG_RD = 0x80000000;
export const CTLFLAG_WR = 0x40000000;
export const CTLFLAG_RW = CTLFLAG_RD | CTLFLAG_WR;
export const CTLFLAG_DORMANT = 0x20000000;
export const CTLFLAG_ANYBODY = 0x10000000;
export const CTLFLAG_SECURE = 0x08000000;
export const CTLFLAG_PRISON = 0x04000000;
export const CTLFLAG_DYN = 0x02000000;
export const CTLFLAG_SKIP = 0x01000000;
export const CTLFLAG_TUN = 0x00080000;
export const CTLFLAG_RDTUN = CTLFLAG_RD | CTLFLAG_TUN;
export const CTLFLAG_RWTUN = CTLFLAG_RW | CTLFLAG_TUN;
export const CTLFLAG_MPSAFE = 0x00040000;
export const CTLFLAG_VNET = 0x00020000;
export const CTLFLAG_DYING = 0x00010000;
export const CTLFLAG_STATS = 0x00002000;
export const CTLFLAG_NOFETCH = 0x00001000;

export const OID_AUTO = -1;
export const CTL_AUTO_START = 0x100;

export const CTL_SYSCTL = 0;
export const CTL_KERN = 1;
export const CTL_VM = 2;
export const CTL_VFS = 3;
export const CTL_NET = 4;
export const CTL_DEBUG = 5;
export const CTL_HW = 6;
export const CTL_MACHDEP = 7;
export const CTL_USER = 8;

/** A value crossing the sysctl boundary: an integer, a string, or the
 *  counters of a statistics structure. */
export type sysctl_val = number | string | readonly number[];

/** struct sysctl_req: who asks, what they get back, what they set. */
export class sysctl_req {
  oldval: sysctl_val | null = null;
  constructor(
    /** Credential of the calling thread (struct ucred). */
    readonly cred: unknown,
    readonly newval: sysctl_val | null,
  ) {}
}

/** A kernel variable a sysctl points at: FreeBSD's `&var`. */
export interface kvar<T> {
  get(): T;
  set(v: T): void;
}

export function kvar_of<T>(init: T): kvar<T> & { v: T } {
  return {
    v: init,
    get() {
      return this.v;
    },
    set(x: T) {
      this.v = x;
    },
  };
}

/** A pointer into a vnet's data region, after CTLFLAG_VNET rebasing. */
export class vnet_region_ptr {
  constructor(
    readonly i32: Int32Array,
    readonly f64: Float64Array,
    readonly idx: number,
  ) {}
}

export type sysctl_handler_t = (oidp: sysctl_oid, arg1: unknown, arg2: number, req: sysctl_req) => number;

export class sysctl_oid {
  oid_children: sysctl_oid[] | null = null;
  oid_running = 0;
  constructor(
    public oid_parent: sysctl_oid | null,
    public oid_number: number,
    public oid_kind: number,
    public oid_arg1: unknown,
    public oid_arg2: number,
    public oid_name: string,
    public oid_handler: sysctl_handler_t | null,
    public oid_fmt: string,
    public oid_descr: string,
    public oid_label: string | null = null,
  ) {}
}

/** The root of the tree (sysctl__children). */
export const sysctl__children = new sysctl_oid(null, 0, CTLTYPE_NODE | CTLFLAG_RW, null, 0, "", null, "N", "");
sysctl__children.oid_children = [];

function sysctl_next_auto(parent: sysctl_oid): number {
  let n = CTL_AUTO_START;
  for (const c of parent.oid_children ?? []) if (c.oid_number >= n) n = c.oid_number + 1;
  return n;
}

/** sysctl_register_oid: insert in number order; OID_AUTO takes the next
 *  free number from CTL_AUTO_START.  A node that exists already is reused,
 *  as sysctl_add_oid does for dynamic nodes. */
export function sysctl_register_oid(oidp: sysctl_oid): sysctl_oid {
  const parent = oidp.oid_parent ?? sysctl__children;
  const kids = (parent.oid_children ??= []);
  const dup = kids.find((c) => c.oid_name === oidp.oid_name);
  if (dup !== undefined) {
    if ((dup.oid_kind & CTLTYPE) === CTLTYPE_NODE && (oidp.oid_kind & CTLTYPE) === CTLTYPE_NODE) return dup;
    throw new Error(`sysctl: can't re-use leaf ${sysctl_oid_path(dup)}`);
  }
  if (oidp.oid_number === OID_AUTO) oidp.oid_number = sysctl_next_auto(parent);
  let i = 0;
  while (i < kids.length && kids[i].oid_number < oidp.oid_number) i++;
  kids.splice(i, 0, oidp);
  oidp.oid_parent = parent;
  return oidp;
}

export function sysctl_unregister_oid(oidp: sysctl_oid): void {
  const kids = oidp.oid_parent?.oid_children;
  if (kids === undefined || kids === null) return;
  const i = kids.indexOf(oidp);
  if (i >= 0) kids.splice(i, 1);
}

export function sysctl_oid_path(oidp: sysctl_oid): string {
  const parts: string[] = [];
  for (let o: sysctl_oid | null = oidp; o !== null && o !== sysctl__children; o = o.oid_parent) parts.unshift(o.oid_name);
  return parts.join(".");
}

// ---------------------------------------------------------------------------
// SYSCTL_OUT / SYSCTL_IN and the handlers.

function SYSCTL_OUT(req: sysctl_req, v: sysctl_val): number {
  req.oldval = v;
  return 0;
}

/** Read the new value as an int (SYSCTL_IN of sizeof(int)). */
function SYSCTL_IN_int(req: sysctl_req, unsigned: boolean): number | null {
  const v = req.newval;
  if (typeof v !== "number" || !Number.isInteger(v)) return null;
  if (unsigned ? v < 0 || v > 0xffffffff : v < -0x80000000 || v > 0x7fffffff) return null;
  return unsigned ? v >>> 0 : v | 0;
}

function int_handler(unsigned: boolean): sysctl_handler_t {
  return (oidp, arg1, arg2, req) => {
    let cur: number;
    if (arg1 instanceof vnet_region_ptr) cur = arg1.i32[arg1.idx];
    else if (arg1 !== null && arg1 !== undefined) cur = (arg1 as kvar<number>).get();
    else cur = arg2;
    if (unsigned) cur = cur >>> 0;
    const error = SYSCTL_OUT(req, cur);
    if (error !== 0 || req.newval === null) return error;
    if (arg1 === null || arg1 === undefined) return EPERM;
    const nv = SYSCTL_IN_int(req, unsigned);
    if (nv === null) return EINVAL;
    if (arg1 instanceof vnet_region_ptr) arg1.i32[arg1.idx] = nv;
    else (arg1 as kvar<number>).set(nv);
    return 0;
  };
}

export const sysctl_handle_int: sysctl_handler_t = int_handler(false);
export const sysctl_handle_uint: sysctl_handler_t = int_handler(true);

/** sysctl_handle_64 for a counter or a 64-bit variable. */
export const sysctl_handle_64: sysctl_handler_t = (_oidp, arg1, arg2, req) => {
  const cur = arg1 instanceof vnet_region_ptr ? arg1.f64[arg1.idx] : arg1 ? (arg1 as kvar<number>).get() : arg2;
  const error = SYSCTL_OUT(req, cur);
  if (error !== 0 || req.newval === null) return error;
  if (!arg1) return EPERM;
  const v = req.newval;
  if (typeof v !== "number" || !Number.isInteger(v)) return EINVAL;
  if (arg1 instanceof vnet_region_ptr) arg1.f64[arg1.idx] = v;
  else (arg1 as kvar<number>).set(v);
  return 0;
};

/** sysctl_handle_string: arg2 is the buffer size (0 = read-only constant). */
export const sysctl_handle_string: sysctl_handler_t = (_oidp, arg1, arg2, req) => {
  const cur = (arg1 as kvar<string>).get();
  const error = SYSCTL_OUT(req, cur);
  if (error !== 0 || req.newval === null) return error;
  const v = req.newval;
  if (typeof v !== "string") return EINVAL;
  if (arg2 !== 0 && v.length >= arg2) return EINVAL;
  (arg1 as kvar<string>).set(v);
  return 0;
};

/** SYSCTL_VNET_PCPUSTAT's handler: read the counters, any write zeroes them. */
export const sysctl_handle_counter_array: sysctl_handler_t = (_oidp, arg1, arg2, req) => {
  const p = arg1 as vnet_region_ptr;
  const out: number[] = new Array(arg2);
  for (let i = 0; i < arg2; i++) out[i] = p.f64[p.idx + i];
  const error = SYSCTL_OUT(req, out);
  if (error !== 0 || req.newval === null) return error;
  p.f64.fill(0, p.idx, p.idx + arg2);
  return 0;
};

/** Handler for an array of counters held in a kvar (non-VNET stats). */
export const sysctl_handle_opaque: sysctl_handler_t = (_oidp, arg1, _arg2, req) => {
  const a = (arg1 as kvar<number[]>).get();
  const error = SYSCTL_OUT(req, a.slice());
  if (error !== 0 || req.newval === null) return error;
  return EPERM;
};

export { SYSCTL_OUT };

// ---------------------------------------------------------------------------
// Declarations.  `parent` is the node object (FreeBSD's _net_inet_ip).

export function SYSCTL_NODE(parent: sysctl_oid | null, nbr: number, name: string, flags: number, handler: sysctl_handler_t | null, descr: string): sysctl_oid {
  const o = new sysctl_oid(parent, nbr, CTLTYPE_NODE | flags, null, 0, name, handler, "N", descr);
  return sysctl_register_oid(o);
}

/** SYSCTL_INT.  With CTLFLAG_VNET, `ptr` is the index VNET_DEFINE_INT gave. */
export function SYSCTL_INT(parent: sysctl_oid, nbr: number, name: string, flags: number, ptr: kvar<number> | number | null, val: number, descr: string): sysctl_oid {
  return sysctl_register_oid(new sysctl_oid(parent, nbr, CTLTYPE_INT | CTLFLAG_MPSAFE | flags, ptr, val, name, sysctl_handle_int, "I", descr));
}

export function SYSCTL_UINT(parent: sysctl_oid, nbr: number, name: string, flags: number, ptr: kvar<number> | number | null, val: number, descr: string): sysctl_oid {
  return sysctl_register_oid(new sysctl_oid(parent, nbr, CTLTYPE_UINT | CTLFLAG_MPSAFE | flags, ptr, val, name, sysctl_handle_uint, "IU", descr));
}

export function SYSCTL_U64(parent: sysctl_oid, nbr: number, name: string, flags: number, ptr: kvar<number> | number | null, val: number, descr: string): sysctl_oid {
  return sysctl_register_oid(new sysctl_oid(parent, nbr, CTLTYPE_U64 | CTLFLAG_MPSAFE | flags, ptr, val, name, sysctl_handle_64, "QU", descr));
}

export function SYSCTL_STRING(parent: sysctl_oid, nbr: number, name: string, flags: number, ptr: kvar<string>, len: number, descr: string): sysctl_oid {
  return sysctl_register_oid(new sysctl_oid(parent, nbr, CTLTYPE_STRING | CTLFLAG_MPSAFE | flags, ptr, len, name, sysctl_handle_string, "A", descr));
}

export function SYSCTL_PROC(parent: sysctl_oid, nbr: number, name: string, kind: number, arg1: unknown, arg2: number, handler: sysctl_handler_t, fmt: string, descr: string): sysctl_oid {
  return sysctl_register_oid(new sysctl_oid(parent, nbr, kind, arg1, arg2, name, handler, fmt, descr));
}

/** SYSCTL_VNET_PCPUSTAT: a per-vnet statistics structure of `n` counters
 *  starting at region index `idx` (from VNET_DEFINE_U64). */
export function SYSCTL_VNET_PCPUSTAT(parent: sysctl_oid, nbr: number, name: string, idx: number, n: number, struct_name: string, descr: string): sysctl_oid {
  return sysctl_register_oid(
    new sysctl_oid(parent, nbr, CTLTYPE_OPAQUE | CTLFLAG_RW | CTLFLAG_VNET | CTLFLAG_MPSAFE, idx, n, name, sysctl_handle_counter_array, `S,${struct_name}`, descr),
  );
}

// The top-level nodes (kern_mib.c declares them in FreeBSD).
export const _sysctl = SYSCTL_NODE(null, CTL_SYSCTL, "sysctl", CTLFLAG_RW | CTLFLAG_SKIP, null, "Sysctl internal magic");
export const _kern = SYSCTL_NODE(null, CTL_KERN, "kern", CTLFLAG_RW, null, "High kernel, proc, limits &c");
export const _vm = SYSCTL_NODE(null, CTL_VM, "vm", CTLFLAG_RW, null, "Virtual memory");
export const _net = SYSCTL_NODE(null, CTL_NET, "net", CTLFLAG_RW, null, "Network, (see socket.h)");
export const _debug = SYSCTL_NODE(null, CTL_DEBUG, "debug", CTLFLAG_RW, null, "Debugging");
export const _hw = SYSCTL_NODE(null, CTL_HW, "hw", CTLFLAG_RW, null, "hardware");
export const _security = SYSCTL_NODE(null, OID_AUTO, "security", CTLFLAG_RW, null, "Security");
export const _kern_features = SYSCTL_NODE(_kern, OID_AUTO, "features", CTLFLAG_RD, null, "Kernel Features");
export const _kern_ipc = SYSCTL_NODE(_kern, 30, "ipc", CTLFLAG_RW, null, "IPC");

/** FEATURE(name, desc): kern.features.<name> = 1. */
export function FEATURE(name: string, desc: string): sysctl_oid {
  return SYSCTL_INT(_kern_features, OID_AUTO, name, CTLFLAG_RD, null, 1, desc);
}
