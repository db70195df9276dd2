// bin/test/test.c: test(1) and [, built into the shell as in FreeBSD.  The
// POSIX rules decide one to four arguments; longer expressions go through
// the grammar  oexpr: aexpr [-o oexpr]; aexpr: nexpr [-a aexpr];
// nexpr: ! nexpr | primary; primary: ( oexpr ) | unary-op arg | arg binary-op arg | arg.
// File primaries look at the host file system, relative to the shell's cwd.

import fs from "node:fs";
import path from "node:path";

export class test_error extends Error {}

const UNARY_FILE = new Set(["-b", "-c", "-d", "-e", "-f", "-g", "-h", "-k", "-L", "-p", "-r", "-s", "-S", "-u", "-w", "-x", "-O", "-G"]);
const UNARY = new Set([...UNARY_FILE, "-n", "-z", "-t"]);
const BINARY = new Set(["=", "==", "!=", "<", ">", "-eq", "-ne", "-gt", "-ge", "-lt", "-le", "-nt", "-ot", "-ef"]);

function getn(s: string): bigint {
  const m = /^\s*([-+]?[0-9]+)\s*$/.exec(s);
  if (m === null) throw new test_error(`${s}: bad number`);
  const v = BigInt(m[1]);
  if (v > 2n ** 63n - 1n || v < -(2n ** 63n)) throw new test_error(`${s}: out of range`);
  return v;
}

function stat(file: string, cwd: string, follow = true): fs.Stats | null {
  try {
    const p = path.resolve(cwd, file);
    return follow ? fs.statSync(p) : fs.lstatSync(p);
  } catch {
    return null;
  }
}

function access(file: string, cwd: string, mode: number): boolean {
  try {
    fs.accessSync(path.resolve(cwd, file), mode);
    return true;
  } catch {
    return false;
  }
}

function unary(op: string, a: string, cwd: string): boolean {
  switch (op) {
    case "-n":
      return a !== "";
    case "-z":
      return a === "";
    case "-t":
      // No descriptor of a script run by virtnet is a terminal.
      getn(a);
      return false;
    case "-r":
      return access(a, cwd, fs.constants.R_OK);
    case "-w":
      return access(a, cwd, fs.constants.W_OK);
    case "-x":
      return access(a, cwd, fs.constants.X_OK);
  }
  const st = stat(a, cwd, op !== "-h" && op !== "-L");
  if (st === null) return false;
  switch (op) {
    case "-e":
      return true;
    case "-f":
      return st.isFile();
    case "-d":
      return st.isDirectory();
    case "-b":
      return st.isBlockDevice();
    case "-c":
      return st.isCharacterDevice();
    case "-p":
      return st.isFIFO();
    case "-S":
      return st.isSocket();
    case "-h":
    case "-L":
      return st.isSymbolicLink();
    case "-s":
      return st.size > 0;
    case "-u":
      return (st.mode & 0o4000) !== 0;
    case "-g":
      return (st.mode & 0o2000) !== 0;
    case "-k":
      return (st.mode & 0o1000) !== 0;
    case "-O":
      return typeof process.geteuid === "function" && st.uid === process.geteuid();
    case "-G":
      return typeof process.getegid === "function" && st.gid === process.getegid();
  }
  return false;
}

function binary(a: string, op: string, b: string, cwd: string): boolean {
  switch (op) {
    case "=":
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case ">":
      return a > b;
    case "-eq":
      return getn(a) === getn(b);
    case "-ne":
      return getn(a) !== getn(b);
    case "-gt":
      return getn(a) > getn(b);
    case "-ge":
      return getn(a) >= getn(b);
    case "-lt":
      return getn(a) < getn(b);
    case "-le":
      return getn(a) <= getn(b);
  }
  const sa = stat(a, cwd);
  const sb = stat(b, cwd);
  switch (op) {
    case "-nt":
      return sa !== null && (sb === null || sa.mtimeMs > sb.mtimeMs);
    case "-ot":
      return sb !== null && (sa === null || sa.mtimeMs < sb.mtimeMs);
    case "-ef":
      return sa !== null && sb !== null && sa.dev === sb.dev && sa.ino === sb.ino;
  }
  return false;
}

/** Evaluate test's operands; throws test_error on a syntax or number error. */
export function test_eval(a: string[], cwd = process.cwd()): boolean {
  // POSIX: the meaning of up to four arguments follows from their number.
  switch (a.length) {
    case 0:
      return false;
    case 1:
      return a[0] !== "";
    case 2:
      if (a[0] === "!") return a[1] === "";
      if (UNARY.has(a[0])) return unary(a[0], a[1], cwd);
      break;
    case 3:
      if (BINARY.has(a[1])) return binary(a[0], a[1], a[2], cwd);
      if (a[0] === "!") return !test_eval(a.slice(1), cwd);
      if (a[0] === "(" && a[2] === ")") return a[1] !== "";
      break;
    case 4:
      if (a[0] === "!") return !test_eval(a.slice(1), cwd);
      if (a[0] === "(" && a[3] === ")") return test_eval(a.slice(1, 3), cwd);
      break;
  }
  let p = 0;
  const syntax = (op: string | undefined, msg: string): never => {
    throw new test_error(op !== undefined && op !== "" ? `${op}: ${msg}` : msg);
  };
  const primary = (): boolean => {
    const t = a[p];
    if (t === undefined) syntax(undefined, "argument expected");
    if (t === "(") {
      p++;
      const v = oexpr();
      if (a[p] !== ")") syntax(a[p], "closing paren expected");
      p++;
      return v;
    }
    if (UNARY.has(t) && p + 1 < a.length) {
      p += 2;
      return unary(t, a[p - 1], cwd);
    }
    if (p + 1 < a.length && BINARY.has(a[p + 1])) {
      if (p + 2 >= a.length) syntax(a[p + 1], "argument expected");
      p += 3;
      return binary(t, a[p - 2], a[p - 1], cwd);
    }
    p++;
    return t !== "";
  };
  const nexpr = (): boolean => {
    if (a[p] === "!" && p + 1 < a.length) {
      p++;
      return !nexpr();
    }
    return primary();
  };
  const aexpr = (): boolean => {
    const v = nexpr();
    if (a[p] === "-a") {
      p++;
      return aexpr() && v;
    }
    return v;
  };
  const oexpr = (): boolean => {
    const v = aexpr();
    if (a[p] === "-o") {
      p++;
      return oexpr() || v;
    }
    return v;
  };
  const v = oexpr();
  if (p < a.length) syntax(a[p], "unexpected operator");
  return v;
}

/** test(1) as the old interface: true or false, errors count as false. */
export function sh_test(a: string[]): boolean {
  try {
    return test_eval(a);
  } catch (e) {
    if (e instanceof test_error) return false;
    throw e;
  }
}
