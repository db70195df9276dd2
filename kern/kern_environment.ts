// sys/kern/kern_environment.c: the kernel environment.  The loader leaves
// name=value strings (loader.conf's tunables) for the kernel; before and
// during boot, TUNABLE_*_FETCH and the sysctl tree read them (getenv_int,
// getenv_quad, ...).  Here kern_boot() fills the static environment from its
// `tunables` option, as the loader would, before the first SYSINIT runs.

import { EINVAL } from "./errno.ts";
import type { kvar } from "./sysctl.ts";

/** The static environment the loader handed over (kenvp). */
const kenvp = new Map<string, string>();

/** kern_setenv(9): set one variable. */
export function kern_setenv(name: string, value: string): number {
  if (name === "" || name.includes("=")) return EINVAL;
  kenvp.set(name, value);
  return 0;
}

/** kern_getenv(9): a variable's value, or null. */
export function kern_getenv(name: string): string | null {
  return kenvp.get(name) ?? null;
}

/** The names set, in the order they were set (kenv(1) without arguments). */
export function kenv_names(): string[] {
  return [...kenvp.keys()];
}

const INT_MIN = -0x80000000;
const INT_MAX = 0x7fffffff;
const UINT_MAX = 0xffffffff;
const QUAD_MIN = -(2n ** 63n);
const QUAD_MAX = 2n ** 63n - 1n;
const UQUAD_MAX = 2n ** 64n - 1n;

/**
 * The number getenv_quad(9) reads from a string: strtoq in base 0 (0x hex,
 * a leading 0 octal), then at most one of the suffixes k, m, g, t (binary
 * multiples, either case); anything else makes the value no number (null).
 */
export function kenv_parse_quad(s: string): bigint | null {
  const m = /^[ \t\n\v\f\r]*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([kKmMgGtT]?)$/.exec(s);
  if (m === null) return null;
  const digits = m[2];
  let v = digits.length > 1 && digits[0] === "0" && digits[1] !== "x" && digits[1] !== "X" ? BigInt("0o" + digits.slice(1)) : BigInt(digits);
  if (m[1] === "-") v = -v;
  const shift = { "": 0n, k: 10n, m: 20n, g: 30n, t: 40n }[m[3].toLowerCase() as "" | "k" | "m" | "g" | "t"];
  return v << shift;
}

/** getenv_quad(9): a signed 64-bit value, or null when unset or malformed. */
export function getenv_quad(name: string): bigint | null {
  const s = kern_getenv(name);
  if (s === null) return null;
  const v = kenv_parse_quad(s);
  return v === null || v < QUAD_MIN || v > QUAD_MAX ? null : v;
}

/** getenv_uquad(9). */
export function getenv_uquad(name: string): bigint | null {
  const s = kern_getenv(name);
  if (s === null) return null;
  const v = kenv_parse_quad(s);
  // Like strtouq, a negative number wraps around.
  if (v === null || v < QUAD_MIN || v > UQUAD_MAX) return null;
  return v < 0n ? v + 2n ** 64n : v;
}

/** getenv_int(9): an int, or null when unset, malformed or out of range. */
export function getenv_int(name: string): number | null {
  const v = getenv_quad(name);
  return v === null || v < BigInt(INT_MIN) || v > BigInt(INT_MAX) ? null : Number(v);
}

/** getenv_uint(9). */
export function getenv_uint(name: string): number | null {
  const v = getenv_uquad(name);
  return v === null || v > BigInt(UINT_MAX) ? null : Number(v);
}

/**
 * The tunables a SYSINIT fetches itself (TUNABLE_INT_FETCH) rather than
 * through a CTLFLAG_TUN oid.  FreeBSD keeps no such list (the loader takes
 * any name); kern_boot keeps one so that a misspelt tunable is an error
 * instead of a setting silently ignored.  Value: the CTLTYPE it is read as.
 */
const declared = new Map<string, number>();
export function TUNABLE_DECLARE(path: string, ctltype: number): void {
  declared.set(path, ctltype);
}
export function tunable_declared(path: string): number | null {
  return declared.get(path) ?? null;
}

/** TUNABLE_INT_FETCH: overwrite *var when the environment has a good int. */
export function TUNABLE_INT_FETCH(path: string, v: kvar<number>): boolean {
  const x = getenv_int(path);
  if (x === null) return false;
  v.set(x);
  return true;
}

/** TUNABLE_STR_FETCH. */
export function TUNABLE_STR_FETCH(path: string, v: kvar<string>): boolean {
  const x = kern_getenv(path);
  if (x === null) return false;
  v.set(x);
  return true;
}
