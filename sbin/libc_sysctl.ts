// lib/libc/gen/sysctl.c, sysctlbyname.c, sysctlnametomib.c: the C library's
// side of sysctl.  Everything goes through the __sysctl(2) system call; a
// name becomes numbers through the sysctl.name2oid meta-oid, and sysctl(8)'s
// own helpers (oidfmt, name, oiddescr, next) ask the other meta-oids.

import { ENOENT } from "../kern/errno.ts";
import { CTL_SYSCTL_NAME, CTL_SYSCTL_NAME2OID, CTL_SYSCTL_NEXT, CTL_SYSCTL_NEXTNOSKIP, CTL_SYSCTL_OIDDESCR, CTL_SYSCTL_OIDFMT, sys___sysctl } from "../kern/kern_sysctl.ts";
import { CTL_SYSCTL, type sysctl_val } from "../kern/sysctl.ts";
import type { proc } from "../kern/uipc_syscalls.ts";
import type { uproc } from "./libc.ts";

export interface sysctl_ret {
  /** 0, or the errno sysctl(3) leaves in errno when it returns -1. */
  error: number;
  value: sysctl_val | null;
}

/** sysctl(3): read the oid at `name`, setting it to `newval` if given. */
export function sysctl(p: uproc, name: readonly number[], newval: sysctl_val | null = null): sysctl_ret {
  return sys___sysctl(p as proc, name, newval);
}

/** sysctlnametomib(3). */
export function sysctlnametomib(p: uproc, name: string): { error: number; mib: number[] } {
  const r = sysctl(p, [CTL_SYSCTL, CTL_SYSCTL_NAME2OID], name);
  if (r.error !== 0) return { error: r.error, mib: [] };
  return Array.isArray(r.value) ? { error: 0, mib: r.value.slice() } : { error: ENOENT, mib: [] };
}

/** sysctlbyname(3). */
export function sysctlbyname(p: uproc, name: string, newval: sysctl_val | null = null): sysctl_ret {
  const m = sysctlnametomib(p, name);
  if (m.error !== 0) return { error: m.error, value: null };
  return sysctl(p, m.mib, newval);
}

/** sysctl.oidfmt: an oid's kind (type and flags) and format string. */
export function sysctl_oidfmt(p: uproc, mib: readonly number[]): { error: number; kind: number; fmt: string } {
  const r = sysctl(p, [CTL_SYSCTL, CTL_SYSCTL_OIDFMT, ...mib]);
  if (r.error !== 0 || !Array.isArray(r.value) || r.value.length === 0) return { error: r.error || ENOENT, kind: 0, fmt: "" };
  const v = r.value as readonly number[];
  return { error: 0, kind: v[0], fmt: String.fromCharCode(...v.slice(1)) };
}

/** sysctl.name: an oid's dotted name. */
export function sysctl_oidname(p: uproc, mib: readonly number[]): { error: number; name: string } {
  const r = sysctl(p, [CTL_SYSCTL, CTL_SYSCTL_NAME, ...mib]);
  return r.error === 0 && typeof r.value === "string" ? { error: 0, name: r.value } : { error: r.error || ENOENT, name: "" };
}

/** sysctl.oiddescr: an oid's description. */
export function sysctl_oiddescr(p: uproc, mib: readonly number[]): { error: number; descr: string } {
  const r = sysctl(p, [CTL_SYSCTL, CTL_SYSCTL_OIDDESCR, ...mib]);
  return r.error === 0 && typeof r.value === "string" ? { error: 0, descr: r.value } : { error: r.error || ENOENT, descr: "" };
}

/** sysctl.next (or sysctl.nextnoskip): the leaf after `mib`, null at the end. */
export function sysctl_next(p: uproc, mib: readonly number[], honor_skip = true): number[] | null {
  const r = sysctl(p, [CTL_SYSCTL, honor_skip ? CTL_SYSCTL_NEXT : CTL_SYSCTL_NEXTNOSKIP, ...mib]);
  return r.error === 0 && Array.isArray(r.value) ? r.value.slice() : null;
}
