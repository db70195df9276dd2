// lib/libjail/jail.c: the jail parameter library jail(8), jls(8) and
// jexec(8) share, over the jail_get(2) and jail_set(2) system calls.  A
// parameter is known by its name in the kernel's security.jail.param
// tree; booleans also answer to their "no" form (nopersist), and values
// travel as text the way jailparam_import/jailparam_export convert them.

import { JAIL_SYS_DISABLE, JAIL_SYS_INHERIT, JAIL_SYS_NEW, jail_params, sys_jail_get, type jail_value, type jailparam_desc } from "../kern/kern_jail.ts";
import { inet_ntoa } from "../netinet/in.ts";
import type { uproc } from "./libc.ts";

export const JP_RAWVALUE = 0x01;
export const JP_BOOL = 0x02;
export const JP_NOBOOL = 0x04;
export const JP_JAILSYS = 0x08;

/** struct jailparam. */
export interface jailparam {
  jp_name: string;
  jp_value: jail_value | null;
  jp_flags: number;
  /** The kernel's description of the parameter (its type and access). */
  jp_desc: jailparam_desc;
}

/** The last error of a libjail call (jail_errmsg). */
export const jail_errmsg = { v: "" };

/** jailparam_init(): look the name up; "no" forms of booleans too. */
export function jailparam_init(name: string): jailparam | null {
  const d = jail_params.find((p) => p.name === name);
  if (d !== undefined) {
    const flags = d.type === "bool" ? JP_BOOL : d.type === "jailsys" ? JP_JAILSYS : 0;
    return { jp_name: name, jp_value: null, jp_flags: flags, jp_desc: d };
  }
  const dot = name.lastIndexOf(".");
  const base = name.slice(dot + 1);
  if (base.startsWith("no")) {
    const yes = name.slice(0, dot + 1) + base.slice(2);
    const b = jail_params.find((p) => p.name === yes && p.type === "bool");
    if (b !== undefined) return { jp_name: name, jp_value: null, jp_flags: JP_NOBOOL, jp_desc: b };
  }
  jail_errmsg.v = `unknown parameter: ${name}`;
  return null;
}

/** jailparam_export(): a value as text. */
export function jailparam_export(jp: jailparam): string {
  const v = jp.jp_value;
  if (v === null) return "";
  switch (jp.jp_desc.type) {
    case "bool":
      return (jp.jp_flags & JP_NOBOOL) !== 0 ? String(!v) : String(v);
    case "jailsys":
      return v === JAIL_SYS_NEW ? "new" : v === JAIL_SYS_INHERIT ? "inherit" : v === JAIL_SYS_DISABLE ? "disable" : String(v);
    case "ip4":
      return Array.isArray(v) ? v.map((a) => inet_ntoa(a)).join(",") : String(v);
    default:
      return String(v);
  }
}

/** The value's length as jail_get returns it: only an empty address list
 *  is empty (a string carries its terminating NUL). */
export function jailparam_valuelen(jp: jailparam): number {
  const v = jp.jp_value;
  if (v === null) return 0;
  if (Array.isArray(v)) return v.length * 4;
  return 1;
}

/** jail_get(2) through libjail: by lastjid, jid or name, filling in the
 *  values of `params`.  Returns the jid, or -1 with jail_errmsg set and the
 *  errno in `errno`. */
export function jailparam_get(p: uproc, keys: { lastjid?: number; jid?: number; name?: string }, params: jailparam[], flags: number): { jid: number; errno: number } {
  const want = params.map((jp) => jp.jp_desc.name);
  const r = sys_jail_get(p.p_ucred, keys, want, flags);
  if (r.error !== 0) {
    jail_errmsg.v = r.errmsg;
    return { jid: -1, errno: r.error };
  }
  for (const jp of params) jp.jp_value = r.values.get(jp.jp_desc.name) ?? null;
  return { jid: r.jid, errno: 0 };
}

/** jail_getid(3): a jail's jid from its jid or name. */
export function jail_getid(p: uproc, name: string): number {
  if (/^[0-9]+$/.test(name)) {
    const jid = Number(name);
    // jid 0 is the host itself, which no jail list holds.
    if (jid === 0) return 0;
    const r = sys_jail_get(p.p_ucred, { jid }, [], 0);
    if (r.error !== 0) {
      jail_errmsg.v = r.errmsg;
      return -1;
    }
    return r.jid;
  }
  const r = sys_jail_get(p.p_ucred, { name }, [], 0);
  if (r.error !== 0) {
    jail_errmsg.v = r.errmsg;
    return -1;
  }
  return r.jid;
}

/** jailparam_all(): every parameter of security.jail.param. */
export function jailparam_all(): jailparam[] {
  return jail_params.map((d) => ({ jp_name: d.name, jp_value: null, jp_flags: d.type === "bool" ? JP_BOOL : d.type === "jailsys" ? JP_JAILSYS : 0, jp_desc: d }));
}
