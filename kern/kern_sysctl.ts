// sys/kern/kern_sysctl.c: finding an oid, sysctl_root()'s permission checks
// and CTLFLAG_VNET rebasing, and the sysctl(2) system call with the
// sysctl.* meta-oids userland uses (name2oid, next, oidfmt, oiddescr).

import { EINVAL, ENOENT, ENOTDIR, EPERM } from "./errno.ts";
import { CRED_TO_VNET, cred0, prison_owns_vnet } from "./kern_jail.ts";
import { PRIV_SYSCTL_WRITE, PRIV_SYSCTL_WRITEJAIL, priv_check_cred } from "./kern_priv.ts";
import type { ucred } from "./kern_prot.ts";
import type { proc } from "./uipc_syscalls.ts";
import {
  _sysctl,
  CTL_MAXNAME,
  CTLFLAG_ANYBODY,
  CTLFLAG_MPSAFE,
  CTLFLAG_RD,
  CTLFLAG_RW,
  CTLFLAG_DORMANT,
  CTLFLAG_PRISON,
  CTLFLAG_SKIP,
  CTLFLAG_VNET,
  CTLFLAG_WR,
  CTLTYPE,
  CTLTYPE_INT,
  CTLTYPE_LONG,
  CTLTYPE_NODE,
  CTLTYPE_S64,
  CTLTYPE_STRING,
  CTLTYPE_U64,
  CTLTYPE_UINT,
  CTLTYPE_ULONG,
  CTLFLAG_NOFETCH,
  CTLFLAG_TUN,
  SYSCTL_NODE,
  SYSCTL_OUT,
  sysctl__children,
  sysctl_oid,
  sysctl_oid_path,
  sysctl_req,
  type sysctl_val,
  vnet_region_ptr,
} from "./sysctl.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_SYSINIT, vnet_data_f64_cur, vnet_data_i32_cur } from "../net/vnet.ts";
import { kenv_parse_quad, kern_getenv } from "./kern_environment.ts";
import { SI_ORDER_FIRST, SI_SUB_INIT_IF, SI_SUB_KMEM, SYSINIT } from "./kernel.ts";
import { printf } from "./subr_prf.ts";

/** sysctl_find_oid: walk the numeric name.  ENOENT when it leads nowhere,
 *  ENOTDIR when it continues past a leaf. */
export function sysctl_find_oid(name: readonly number[]): { error: number; oid: sysctl_oid | null; indx: number } {
  let kids = sysctl__children.oid_children ?? [];
  let indx = 0;
  while (indx < CTL_MAXNAME && indx < name.length) {
    const oid = kids.find((o) => o.oid_number === name[indx]);
    if (oid === undefined) return { error: ENOENT, oid: null, indx };
    indx++;
    if ((oid.oid_kind & CTLTYPE) === CTLTYPE_NODE) {
      if (oid.oid_handler !== null) return { error: 0, oid, indx };
      if (indx === name.length) break;
      kids = oid.oid_children ?? [];
    } else if (indx === name.length) {
      if ((oid.oid_kind & CTLFLAG_DORMANT) !== 0) return { error: ENOENT, oid: null, indx };
      return { error: 0, oid, indx };
    } else {
      return { error: ENOTDIR, oid: null, indx };
    }
  }
  return { error: ENOENT, oid: null, indx };
}

/** name2oid: a dotted name to its numbers. */
export function sysctl_name2oid(name: string): { error: number; mib: number[]; oid: sysctl_oid | null } {
  const mib: number[] = [];
  if (name === "") return { error: ENOENT, mib, oid: null };
  let kids = sysctl__children.oid_children ?? [];
  let oid: sysctl_oid | null = null;
  const parts = name.split(".");
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const o = kids.find((k) => k.oid_name === part);
    if (o === undefined) return { error: ENOENT, mib, oid: null };
    mib.push(o.oid_number);
    oid = o;
    if (i === parts.length - 1) break;
    if ((o.oid_kind & CTLTYPE) !== CTLTYPE_NODE || o.oid_handler !== null) return { error: ENOENT, mib, oid: null };
    kids = o.oid_children ?? [];
  }
  return { error: 0, mib, oid };
}

/**
 * sysctl_root: the checks in FreeBSD's order (writable at all, then the
 * privilege: VNET oids are writable from a jail that owns its vnet, other
 * oids need PRIV_SYSCTL_WRITE which no jail holds), then the handler with
 * arg1 rebased into curvnet's data region for CTLFLAG_VNET oids.
 */
export function sysctl_root(name: readonly number[], req: sysctl_req): number {
  const { error: ferr, oid, indx } = sysctl_find_oid(name);
  if (ferr !== 0 || oid === null) return ferr;
  const cred = req.cred as ucred;
  if (req.newval !== null && (oid.oid_kind & CTLFLAG_WR) === 0) return EPERM;
  if (req.newval !== null && (oid.oid_kind & CTLFLAG_ANYBODY) === 0) {
    let priv: number;
    if ((oid.oid_kind & CTLFLAG_PRISON) !== 0) priv = PRIV_SYSCTL_WRITEJAIL;
    else if (VIMAGE && (oid.oid_kind & CTLFLAG_VNET) !== 0 && prison_owns_vnet(cred)) priv = PRIV_SYSCTL_WRITEJAIL;
    else priv = PRIV_SYSCTL_WRITE;
    const error = priv_check_cred(cred, priv);
    if (error !== 0) return error;
  }
  if (oid.oid_handler === null) return EINVAL;
  let arg1: unknown;
  let arg2: number;
  if ((oid.oid_kind & CTLTYPE) === CTLTYPE_NODE) {
    arg1 = name.slice(indx);
    arg2 = name.length - indx;
  } else {
    arg1 = oid.oid_arg1;
    arg2 = oid.oid_arg2;
  }
  if ((oid.oid_kind & CTLFLAG_VNET) !== 0 && typeof arg1 === "number") arg1 = new vnet_region_ptr(vnet_data_i32_cur(), vnet_data_f64_cur(), arg1);
  oid.oid_running++;
  try {
    return oid.oid_handler(oid, arg1, arg2, req);
  } finally {
    oid.oid_running--;
  }
}

export interface sysctl_result {
  error: number;
  value: sysctl_val | null;
}

/**
 * userland_sysctl / sys___sysctl: the system call.  Runs under the caller's
 * vnet (CURVNET_SET(TD_TO_VNET(td))), so VNET oids resolve to its stack.
 */
export function kern_sysctl(cred: ucred, name: readonly number[], newval: sysctl_val | null): sysctl_result {
  if (name.length > CTL_MAXNAME || name.length < 2) return { error: EINVAL, value: null };
  const req = new sysctl_req(cred, newval);
  const saved = CURVNET_SET(CRED_TO_VNET(cred), "userland_sysctl");
  try {
    const error = sysctl_root(name, req);
    return { error, value: error === 0 ? req.oldval : null };
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/** __sysctl(2): what userland calls, through libc's sysctl(3). */
export function sys___sysctl(p: proc, name: readonly number[], newval: sysctl_val | null): sysctl_result {
  return kern_sysctl(p.p_ucred, name, newval);
}

/** kernel_sysctlbyname: the kernel's own by-name access (not for userland,
 *  which goes through sysctlbyname(3) and the name2oid meta-oid). */
export function kernel_sysctlbyname(cred: ucred, name: string, newval: sysctl_val | null = null): sysctl_result {
  const { error, mib } = sysctl_name2oid(name);
  if (error !== 0) return { error, value: null };
  return kern_sysctl(cred, mib, newval);
}

/** sysctl.oidfmt: the kind (type and flags) and format string. */
export function sysctl_oidfmt(name: readonly number[]): { error: number; kind: number; fmt: string } {
  const { error, oid } = sysctl_find_oid(name);
  if (oid === null) {
    // A node without a handler still has a format for sysctl -a to read.
    const n = sysctl_node_at(name);
    if (n === null) return { error: error || ENOENT, kind: 0, fmt: "" };
    return { error: 0, kind: n.oid_kind, fmt: n.oid_fmt };
  }
  return { error: 0, kind: oid.oid_kind, fmt: oid.oid_fmt };
}

export function sysctl_oiddescr(name: readonly number[]): { error: number; descr: string } {
  const o = sysctl_node_at(name);
  return o === null ? { error: ENOENT, descr: "" } : { error: 0, descr: o.oid_descr };
}

export function sysctl_oidname(name: readonly number[]): { error: number; name: string } {
  const o = sysctl_node_at(name);
  return o === null ? { error: ENOENT, name: "" } : { error: 0, name: sysctl_oid_path(o) };
}

/** Any oid (leaf or node) at a numeric name. */
export function sysctl_node_at(name: readonly number[]): sysctl_oid | null {
  let kids = sysctl__children.oid_children ?? [];
  let o: sysctl_oid | undefined;
  for (const n of name) {
    o = kids.find((k) => k.oid_number === n);
    if (o === undefined) return null;
    kids = o.oid_children ?? [];
  }
  return o ?? null;
}

/**
 * sysctl.next (sysctl_sysctl_next): the leaf after `name` in depth-first
 * order, skipping CTLFLAG_SKIP and dormant oids; an empty name gives the
 * first leaf.  With `honor_skip` false, SKIP oids are listed too (sysctl -a
 * with an explicit name).
 */
export function sysctl_next(name: readonly number[], honor_skip = true): number[] | null {
  const leaves: number[][] = [];
  const walk = (kids: sysctl_oid[], prefix: number[]) => {
    for (const o of kids) {
      if (honor_skip && (o.oid_kind & CTLFLAG_SKIP) !== 0) continue;
      if ((o.oid_kind & CTLFLAG_DORMANT) !== 0) continue;
      const p = [...prefix, o.oid_number];
      if ((o.oid_kind & CTLTYPE) === CTLTYPE_NODE && o.oid_handler === null) walk(o.oid_children ?? [], p);
      else leaves.push(p);
    }
  };
  walk(sysctl__children.oid_children ?? [], []);
  const cmp = (a: readonly number[], b: readonly number[]) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  };
  for (const l of leaves) if (name.length === 0 || cmp(l, name) > 0) return l;
  return null;
}

// ---------------------------------------------------------------------------
// The sysctl.* meta-oids (CTL_SYSCTL): how userland turns names into
// numbers and walks the tree through __sysctl(2) alone.  Each is a node
// whose handler gets the rest of the name, as in kern_sysctl.c.

export const CTL_SYSCTL_DEBUG = 0;
export const CTL_SYSCTL_NAME = 1;
export const CTL_SYSCTL_NEXT = 2;
export const CTL_SYSCTL_NAME2OID = 3;
export const CTL_SYSCTL_OIDFMT = 4;
export const CTL_SYSCTL_OIDDESCR = 5;
export const CTL_SYSCTL_OIDLABEL = 6;
export const CTL_SYSCTL_NEXTNOSKIP = 7;

function meta_name(arg1: unknown): readonly number[] {
  return arg1 as readonly number[];
}

SYSCTL_NODE(_sysctl, CTL_SYSCTL_NAME, "name", CTLFLAG_RD | CTLFLAG_MPSAFE, (_o, arg1, _a2, req) => {
  const r = sysctl_oidname(meta_name(arg1));
  return r.error !== 0 ? r.error : SYSCTL_OUT(req, r.name);
}, "");

function next_handler(honor_skip: boolean) {
  return (_o: unknown, arg1: unknown, _a2: number, req: sysctl_req): number => {
    const next = sysctl_next(meta_name(arg1), honor_skip);
    return next === null ? ENOENT : SYSCTL_OUT(req, next);
  };
}
SYSCTL_NODE(_sysctl, CTL_SYSCTL_NEXT, "next", CTLFLAG_RD | CTLFLAG_MPSAFE, next_handler(true), "");
SYSCTL_NODE(_sysctl, CTL_SYSCTL_NEXTNOSKIP, "nextnoskip", CTLFLAG_RD | CTLFLAG_MPSAFE, next_handler(false), "");

SYSCTL_NODE(_sysctl, CTL_SYSCTL_NAME2OID, "name2oid", CTLFLAG_RW | CTLFLAG_ANYBODY | CTLFLAG_MPSAFE, (_o, _a1, _a2, req) => {
  if (typeof req.newval !== "string" || req.newval === "") return ENOENT;
  const r = sysctl_name2oid(req.newval);
  return r.error !== 0 ? r.error : SYSCTL_OUT(req, r.mib);
}, "");

/** oidfmt's answer: the kind (u_int) followed by the format string, as
 *  character codes. */
SYSCTL_NODE(_sysctl, CTL_SYSCTL_OIDFMT, "oidfmt", CTLFLAG_RD | CTLFLAG_MPSAFE, (_o, arg1, _a2, req) => {
  const r = sysctl_oidfmt(meta_name(arg1));
  if (r.error !== 0) return r.error;
  const out = [r.kind >>> 0];
  for (let i = 0; i < r.fmt.length; i++) out.push(r.fmt.charCodeAt(i));
  return SYSCTL_OUT(req, out);
}, "");

SYSCTL_NODE(_sysctl, CTL_SYSCTL_OIDDESCR, "oiddescr", CTLFLAG_RD | CTLFLAG_MPSAFE, (_o, arg1, _a2, req) => {
  const r = sysctl_oiddescr(meta_name(arg1));
  return r.error !== 0 ? r.error : SYSCTL_OUT(req, r.descr);
}, "");

// ---------------------------------------------------------------------------
// Loader tunables: a CTLFLAG_TUN oid takes its first value from the kernel
// environment (sysctl_load_tunable_by_oid_locked), unless CTLFLAG_NOFETCH
// says its owner fetches it itself (TUNABLE_INT_FETCH in a SYSINIT).  The
// static tree is loaded when it is registered (SI_SUB_KMEM, first); a VNET
// oid in every new vnet before its protocols start.

/** A tunable's value as the oid's type reads it (getenv_int, getenv_uint,
 *  getenv_quad, the string itself); null when the string is no such value. */
export function sysctl_tunable_value(oidp: sysctl_oid, s: string): sysctl_val | null {
  switch (oidp.oid_kind & CTLTYPE) {
    case CTLTYPE_STRING:
      return s;
    case CTLTYPE_INT: {
      const v = kenv_parse_quad(s);
      return v === null || v < -0x80000000n || v > 0x7fffffffn ? null : Number(v);
    }
    case CTLTYPE_UINT: {
      const v = kenv_parse_quad(s);
      return v === null || v < 0n || v > 0xffffffffn ? null : Number(v);
    }
    case CTLTYPE_LONG:
    case CTLTYPE_S64:
    case CTLTYPE_ULONG:
    case CTLTYPE_U64: {
      const v = kenv_parse_quad(s);
      // Values stay exact only within 2^53 here: sysctl values are doubles.
      return v === null || v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(v);
    }
    default:
      return null;
  }
}

/** Whether an oid reads the environment when registered. */
export function sysctl_oid_is_tunable(oidp: sysctl_oid): boolean {
  return (oidp.oid_kind & CTLFLAG_TUN) !== 0 && (oidp.oid_kind & CTLFLAG_NOFETCH) === 0 && (oidp.oid_kind & CTLTYPE) !== CTLTYPE_NODE && oidp.oid_handler !== null;
}

/** sysctl_load_tunable_by_oid_locked: set the oid from the environment
 *  through its handler, as a write that skips the CTLFLAG_WR check. */
export function sysctl_load_tunable_by_oid(oidp: sysctl_oid): void {
  if (!sysctl_oid_is_tunable(oidp) || oidp.oid_handler === null) return;
  const path = sysctl_oid_path(oidp);
  const s = kern_getenv(path);
  if (s === null) return;
  const v = sysctl_tunable_value(oidp, s);
  if (v === null) return;
  let arg1 = oidp.oid_arg1;
  if ((oidp.oid_kind & CTLFLAG_VNET) !== 0 && typeof arg1 === "number") arg1 = new vnet_region_ptr(vnet_data_i32_cur(), vnet_data_f64_cur(), arg1);
  const error = oidp.oid_handler(oidp, arg1, oidp.oid_arg2, new sysctl_req(cred0, v));
  if (error !== 0) printf(`Setting sysctl ${path} failed: ${error}\n`);
}

function sysctl_load_tunables(vnet_oids: boolean): void {
  const walk = (o: sysctl_oid): void => {
    for (const c of o.oid_children ?? []) {
      if ((c.oid_kind & CTLTYPE) === CTLTYPE_NODE) walk(c);
      else if (((c.oid_kind & CTLFLAG_VNET) !== 0) === vnet_oids) sysctl_load_tunable_by_oid(c);
    }
  };
  walk(sysctl__children);
}

/** sysctl_register_all: the static tree is in place; its tunables load. */
function sysctl_register_all(): void {
  sysctl_load_tunables(false);
}
/** A new vnet's CTLFLAG_VNET tunables, before its protocols start. */
function vnet_sysctl_tunables(): void {
  sysctl_load_tunables(true);
}
SYSINIT("sysctl_register_all", SI_SUB_KMEM, SI_ORDER_FIRST, sysctl_register_all);
VNET_SYSINIT("vnet_sysctl_tunables", SI_SUB_INIT_IF, SI_ORDER_FIRST, vnet_sysctl_tunables);
