// sys/kern/kern_linker.c, sys/sys/linker.h: linker files and the kld system
// calls.  File id 1 is the kernel, holding the modules built into it (see
// kern_module.ts); kldload(2) "links" a .ko that a subsystem declared
// (DECLARE_MODULE with a file name), registers its modules and sends them
// MOD_LOAD; kldunload(2) sends MOD_QUIESCE and MOD_UNLOAD and drops it.
// Nothing is really linked: the code is in the bundle already, so the
// kernel file reports no size, and a .ko's size is that of nothing either.

import { EBUSY, EEXIST, ENOENT } from "./errno.ts";
import { SI_ORDER_FIRST, SI_SUB_KLD, SYSINIT } from "./kernel.ts";
import { printf } from "./subr_prf.ts";
import { PRIV_KLD_LOAD, PRIV_KLD_UNLOAD, priv_check_cred } from "./kern_priv.ts";
import {
  module_path_files,
  module_quiesce,
  module_register_init,
  module_release,
  module_set_kernel_file,
  module_unload,
  type module,
} from "./kern_module.ts";
import type { proc } from "./uipc_syscalls.ts";

export const LINKER_UNLOAD_NORMAL = 0;
export const LINKER_UNLOAD_FORCE = 1;

/** Where kldload(8) finds modules: kern.module_path's default. */
export const LINKER_MODULE_DIR = "/boot/kernel";

/** amd64's kernel is linked at KERNBASE + 2 MB; .ko files follow it. */
const KERNEL_ADDRESS = 0xffffffff80200000n;

/** struct linker_file. */
export class linker_file {
  refs = 1;
  /** References from kldload(2): what kldunload(2) may drop. */
  userrefs = 0;
  readonly modules: module[] = [];
  /** The files this one depends on (every .ko: the kernel). */
  readonly deps: linker_file[] = [];
  constructor(
    readonly id: number,
    readonly filename: string,
    readonly pathname: string,
    readonly address: bigint,
    readonly size: number,
  ) {}
}

/** struct kld_file_stat, as kldstat(2) fills it in. */
export interface kld_file_stat {
  name: string;
  refs: number;
  id: number;
  address: bigint;
  size: number;
  pathname: string;
}

const linker_files: linker_file[] = [];
let next_file_id = 1;
export let linker_kernel_file: linker_file | null = null;

/** struct modlist: the versioned names (MODULE_VERSION) a file provides;
 *  what kldload(2) of a module name checks for "already there". */
export interface modlist {
  container: linker_file;
  name: string;
  version: number;
}
const found_modules: modlist[] = [];
/** MODULE_VERSION entries of the kernel, and of each loadable file. */
const kernel_versions: { name: string; version: number }[] = [];
const file_versions = new Map<string, { name: string; version: number }[]>();

/**
 * MODULE_VERSION(name, version): the kernel (or, with `file`, that .ko)
 * provides `name` at `version`.  Subsystems call it beside DECLARE_MODULE.
 */
export function MODULE_VERSION(name: string, version: number, file?: string): void {
  if (file === undefined) {
    kernel_versions.push({ name, version });
    if (linker_kernel_file !== null) found_modules.push({ container: linker_kernel_file, name, version });
    return;
  }
  const list = file_versions.get(file) ?? [];
  list.push({ name, version });
  file_versions.set(file, list);
}

/** modlist_lookup2 without a version wanted: the newest of that name. */
export function modlist_lookup2(name: string): modlist | null {
  let best: modlist | null = null;
  for (const m of found_modules) if (m.name === name && (best === null || m.version > best.version)) best = m;
  return best;
}

/** __FreeBSD_version of 14.0-RELEASE: the kernel's own MODULE_VERSION. */
const FREEBSD_VERSION = 1400097;
MODULE_VERSION("kernel", FREEBSD_VERSION);

// linker_preload: the kernel itself is the first file, before any module
// registers.
function linker_preload(): void {
  const lf = new linker_file(next_file_id++, "kernel", `${LINKER_MODULE_DIR}/kernel`, KERNEL_ADDRESS, 0);
  linker_files.push(lf);
  linker_kernel_file = lf;
  module_set_kernel_file(lf);
  for (const v of kernel_versions) found_modules.push({ container: lf, name: v.name, version: v.version });
}
SYSINIT("linker_preload", SI_SUB_KLD, SI_ORDER_FIRST, linker_preload);

function linker_basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function linker_find_file_by_name(filename: string): linker_file | null {
  const koname = `${filename}.ko`;
  for (const lf of linker_files) if (lf.filename === koname || lf.filename === filename) return lf;
  return null;
}

export function linker_find_file_by_id(fileid: number): linker_file | null {
  for (const lf of linker_files) if (lf.id === fileid) return lf;
  return null;
}

/** The .ko in the module path holding a module of that name, or named so. */
function linker_search_module(modname: string): string | null {
  if (module_path_files.has(`${modname}.ko`) || file_versions.has(`${modname}.ko`)) return `${modname}.ko`;
  for (const [file, vers] of file_versions) if (vers.some((v) => v.name === modname)) return file;
  return null;
}

function linker_search_kld(name: string): string | null {
  const base = linker_basename(name);
  if (module_path_files.has(base) || file_versions.has(base)) return base;
  if (module_path_files.has(`${base}.ko`) || file_versions.has(`${base}.ko`)) return `${base}.ko`;
  return null;
}

/** linker_load_file: link the file and register its modules in order. */
function linker_load_file(filename: string): { error: number; lf: linker_file | null } {
  const decls = module_path_files.get(filename) ?? (file_versions.has(filename) ? [] : undefined);
  if (decls === undefined) return { error: ENOENT, lf: null };
  // linker_file_register_modules: a name provided already is EEXIST.
  for (const v of file_versions.get(filename) ?? []) if (modlist_lookup2(v.name) !== null) return { error: EEXIST, lf: null };
  const last = linker_files[linker_files.length - 1];
  const address = last === undefined ? KERNEL_ADDRESS : last.address + BigInt(Math.max(last.size, 0x1000));
  const lf = new linker_file(next_file_id++, filename, `${LINKER_MODULE_DIR}/${filename}`, address, 0);
  linker_files.push(lf);
  if (linker_kernel_file !== null) {
    lf.deps.push(linker_kernel_file);
    linker_kernel_file.refs++;
  }
  for (const v of file_versions.get(filename) ?? []) found_modules.push({ container: lf, name: v.name, version: v.version });
  for (const d of decls) module_register_init(d.data, lf);
  return { error: 0, lf };
}

/** linker_load_module(kldname, modname): EEXIST for what is there already. */
function linker_load_module(kldname: string | null, modname: string | null): { error: number; lf: linker_file | null } {
  if (modname !== null && modlist_lookup2(modname) !== null) return { error: EEXIST, lf: null };
  let file: string | null;
  if (kldname !== null) {
    if (linker_find_file_by_name(linker_basename(kldname)) !== null) return { error: EEXIST, lf: null };
    file = linker_search_kld(kldname);
  } else {
    file = linker_search_module(modname ?? "");
  }
  if (file === null) return { error: ENOENT, lf: null };
  if (linker_find_file_by_name(file) !== null) return { error: EEXIST, lf: null };
  return linker_load_file(file);
}

/** linker_file_unload: quiesce and unload every module, then the file. */
function linker_file_unload(lf: linker_file, flags: number): number {
  if (lf.refs === 1) {
    if (flags !== LINKER_UNLOAD_FORCE) {
      for (const mod of lf.modules) {
        const error = module_quiesce(mod);
        if (error !== 0) return error;
      }
    }
    for (const mod of [...lf.modules]) {
      const error = module_unload(mod);
      if (error !== 0) return error;
      module_release(mod);
    }
  }
  if (--lf.refs > 0) return 0;
  const i = linker_files.indexOf(lf);
  if (i >= 0) linker_files.splice(i, 1);
  for (let j = found_modules.length - 1; j >= 0; j--) if (found_modules[j].container === lf) found_modules.splice(j, 1);
  for (const dep of lf.deps) dep.refs--;
  return 0;
}

// ---------------------------------------------------------------------------
// System calls.

/** kldload(2): a path or file name (with "/" or ".") names a file, anything
 *  else a module.  Returns the file's id. */
export function sys_kldload(p: Pick<proc, "p_ucred">, file: string): { error: number; fileid: number } {
  const error = priv_check_cred(p.p_ucred, PRIV_KLD_LOAD);
  if (error !== 0) return { error, fileid: -1 };
  const byfile = file.includes("/") || file.includes(".");
  const r = linker_load_module(byfile ? file : null, byfile ? null : file);
  if (r.lf === null) return { error: r.error, fileid: -1 };
  r.lf.userrefs++;
  return { error: 0, fileid: r.lf.id };
}

/** kldunloadf(2). */
export function sys_kldunloadf(p: Pick<proc, "p_ucred">, fileid: number, flags: number): number {
  const perr = priv_check_cred(p.p_ucred, PRIV_KLD_UNLOAD);
  if (perr !== 0) return perr;
  const lf = linker_find_file_by_id(fileid);
  if (lf === null) return ENOENT;
  if (lf.userrefs === 0) {
    printf("kldunload: attempt to unload file that was loaded by the kernel\n");
    return EBUSY;
  }
  lf.userrefs--;
  const error = linker_file_unload(lf, flags);
  if (error !== 0) lf.userrefs++;
  return error;
}

/** kldunload(2). */
export function sys_kldunload(p: Pick<proc, "p_ucred">, fileid: number): number {
  return sys_kldunloadf(p, fileid, LINKER_UNLOAD_NORMAL);
}

/** kldfind(2): a loaded file's id by its name ("if_epair" or "if_epair.ko"). */
export function sys_kldfind(_p: Pick<proc, "p_ucred">, file: string): { error: number; fileid: number } {
  const lf = linker_find_file_by_name(linker_basename(file));
  return lf === null ? { error: ENOENT, fileid: -1 } : { error: 0, fileid: lf.id };
}

/** kldnext(2): the file after fileid (0: the first); 0 after the last. */
export function sys_kldnext(_p: Pick<proc, "p_ucred">, fileid: number): { error: number; fileid: number } {
  if (fileid === 0) return { error: 0, fileid: linker_files.length > 0 ? linker_files[0].id : 0 };
  const i = linker_files.findIndex((lf) => lf.id === fileid);
  if (i < 0) return { error: ENOENT, fileid: -1 };
  return { error: 0, fileid: i + 1 < linker_files.length ? linker_files[i + 1].id : 0 };
}

/** kldstat(2). */
export function sys_kldstat(_p: Pick<proc, "p_ucred">, fileid: number): { error: number; stat: kld_file_stat | null } {
  const lf = linker_find_file_by_id(fileid);
  if (lf === null) return { error: ENOENT, stat: null };
  return { error: 0, stat: { name: lf.filename, refs: lf.refs, id: lf.id, address: lf.address, size: lf.size, pathname: lf.pathname } };
}

/** kldfirstmod(2): the first module of a file, 0 if it has none. */
export function sys_kldfirstmod(_p: Pick<proc, "p_ucred">, fileid: number): { error: number; modid: number } {
  const lf = linker_find_file_by_id(fileid);
  if (lf === null) return { error: ENOENT, modid: -1 };
  return { error: 0, modid: lf.modules.length > 0 ? lf.modules[0].id : 0 };
}

