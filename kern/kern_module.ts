// sys/kern/kern_module.c, sys/sys/module.h: kernel modules.  A module is a
// named piece of the kernel with an event handler (MOD_LOAD, MOD_UNLOAD,
// ...); it lives in a linker file (kern_linker.ts): the kernel itself for
// what is built in, a .ko for what kldload(2) brings in.  A subsystem
// declares its module with one line, as FreeBSD's DECLARE_MODULE does:
//
//   DECLARE_MODULE({ name: "if_epair", evhand: null, priv: null }, SI_SUB_PSEUDO, SI_ORDER_MIDDLE);
//   MODULE_VERSION("if_epair", 3);   // kern_linker.ts: what kldload checks
//
// and, for one kldload(8) must bring in, names its file:
//
//   DECLARE_MODULE({ name: "if_bridge", evhand: bridge_modevent, priv: null }, SI_SUB_PSEUDO, SI_ORDER_ANY, "if_bridge.ko");
//   MODULE_VERSION("if_bridge", 1, "if_bridge.ko");
//
// The simulator has no object files to link: a module's code is always in
// the bundle, and "loading" its file runs its event handlers and makes it
// visible to modfind(2), kldstat(8) and module checks in test scripts.

import { EEXIST, EINVAL, ENOENT, EOPNOTSUPP } from "./errno.ts";
import { SYSINIT } from "./kernel.ts";
import { panic, printf } from "./subr_prf.ts";
import type { linker_file } from "./kern_linker.ts";
import type { proc } from "./uipc_syscalls.ts";

export const MOD_LOAD = 0;
export const MOD_UNLOAD = 1;
export const MOD_SHUTDOWN = 2;
export const MOD_QUIESCE = 3;

/** MAXMODNAME: module names are at most this long, with the NUL. */
export const MAXMODNAME = 32;

export type modeventhand_t = (mod: module, what: number, arg: unknown) => number;

/** moduledata_t. */
export interface moduledata_t {
  name: string;
  evhand: modeventhand_t | null;
  priv: unknown;
}

/** modspecific_t: what modstat(2) reports as the module's data. */
export class modspecific_t {
  intval = 0;
  uintval = 0;
  ulongval = 0n;
}

/** struct module. */
export class module {
  refs = 1;
  readonly data = new modspecific_t();
  constructor(
    readonly id: number,
    readonly name: string,
    readonly handler: modeventhand_t,
    readonly arg: unknown,
    public file: linker_file,
  ) {}
}

/** struct module_stat, as modstat(2) fills it in. */
export interface module_stat {
  name: string;
  refs: number;
  id: number;
  data: modspecific_t;
}

const modules: module[] = [];
let nextid = 1;

/** modevent_nop: what a module without a handler answers. */
function modevent_nop(_mod: module, what: number): number {
  switch (what) {
    case MOD_LOAD:
    case MOD_UNLOAD:
      return 0;
    default:
      return EOPNOTSUPP;
  }
}

export function module_lookupbyname(name: string): module | null {
  for (const m of modules) if (m.name === name) return m;
  return null;
}

export function module_lookupbyid(id: number): module | null {
  for (const m of modules) if (m.id === id) return m;
  return null;
}

/** module_register: a new module in `container`; EEXIST for a name taken. */
export function module_register(data: moduledata_t, container: linker_file): { error: number; mod: module | null } {
  if (module_lookupbyname(data.name) !== null) {
    printf(`module_register: cannot register ${data.name} from ${container.filename}; already loaded from ${module_lookupbyname(data.name)?.file.filename ?? "?"}\n`);
    return { error: EEXIST, mod: null };
  }
  const mod = new module(nextid++, data.name, data.evhand ?? modevent_nop, data.priv, container);
  modules.push(mod);
  container.modules.push(mod);
  return { error: 0, mod };
}

/** module_release: forget a module (its file keeps no reference). */
export function module_release(mod: module): void {
  if (--mod.refs > 0) return;
  const i = modules.indexOf(mod);
  if (i >= 0) modules.splice(i, 1);
  const j = mod.file.modules.indexOf(mod);
  if (j >= 0) mod.file.modules.splice(j, 1);
}

/** module_register_init: register the module and send it MOD_LOAD; a
 *  module that refuses to load is released again. */
export function module_register_init(data: moduledata_t, container: linker_file): number {
  const r = module_register(data, container);
  if (r.mod === null) return r.error;
  const error = r.mod.handler(r.mod, MOD_LOAD, r.mod.arg);
  if (error !== 0) {
    printf(`module_register_init: MOD_LOAD (${data.name}, ${data.evhand === null ? "0" : "handler"}, 0) error ${error}\n`);
    module_release(r.mod);
  }
  return error;
}

export function module_quiesce(mod: module): number {
  const error = mod.handler(mod, MOD_QUIESCE, mod.arg);
  return error === EOPNOTSUPP || error === EINVAL ? 0 : error;
}

export function module_unload(mod: module): number {
  const error = mod.handler(mod, MOD_UNLOAD, mod.arg);
  return error === EOPNOTSUPP || error === EINVAL ? 0 : error;
}

// ---------------------------------------------------------------------------
// Declaring modules.

/** A module of a loadable file, as DECLARE_MODULE left it for the linker. */
export interface module_decl {
  data: moduledata_t;
  subsystem: number;
  order: number;
}

/** The .ko files the linker can find in the module path, by file name. */
export const module_path_files = new Map<string, module_decl[]>();

/** Where built-in modules live: set by kern_linker.ts when it creates the
 *  kernel's linker file at SI_SUB_KLD. */
let kernel_file: linker_file | null = null;
export function module_set_kernel_file(lf: linker_file): void {
  kernel_file = lf;
}

/** The SYSINIT of a module built into the kernel: module_register_init
 *  with the kernel itself as the module's file. */
function module_register_init_kernel(data: moduledata_t): void {
  if (kernel_file === null) panic(`DECLARE_MODULE(${data.name}): no kernel linker file yet`);
  module_register_init(data, kernel_file);
}

/**
 * DECLARE_MODULE(name, data, sub, order): without `file`, the module is
 * built into the kernel and registered when the boot reaches (sub, order);
 * with it ("if_bridge.ko"), it sits in that file until kldload(2) loads it.
 */
export function DECLARE_MODULE(data: moduledata_t, subsystem: number, order: number, file?: string): void {
  if (file === undefined) {
    SYSINIT(`module_${data.name}`, subsystem, order, module_register_init_kernel, data);
    return;
  }
  const decls = module_path_files.get(file) ?? [];
  decls.push({ data, subsystem, order });
  decls.sort((a, b) => a.subsystem - b.subsystem || a.order - b.order);
  module_path_files.set(file, decls);
}

// ---------------------------------------------------------------------------
// System calls.  None needs a privilege: a jail sees the kernel's modules.

/** modnext(2): the module after modid (0: the first); 0 after the last. */
export function sys_modnext(_p: Pick<proc, "p_ucred">, modid: number): { error: number; id: number } {
  if (modid === 0) return { error: 0, id: modules.length > 0 ? modules[0].id : 0 };
  const i = modules.findIndex((m) => m.id === modid);
  if (i < 0) return { error: ENOENT, id: -1 };
  return { error: 0, id: i + 1 < modules.length ? modules[i + 1].id : 0 };
}

/** modfnext(2): the next module of the same file. */
export function sys_modfnext(_p: Pick<proc, "p_ucred">, modid: number): { error: number; id: number } {
  const mod = module_lookupbyid(modid);
  if (mod === null) return { error: ENOENT, id: -1 };
  const list = mod.file.modules;
  const i = list.indexOf(mod);
  return { error: 0, id: i + 1 < list.length ? list[i + 1].id : 0 };
}

/** modstat(2). */
export function sys_modstat(_p: Pick<proc, "p_ucred">, modid: number): { error: number; stat: module_stat | null } {
  const mod = module_lookupbyid(modid);
  if (mod === null) return { error: ENOENT, stat: null };
  return { error: 0, stat: { name: mod.name, refs: mod.refs, id: mod.id, data: mod.data } };
}

/** modfind(2): a module's id by its name. */
export function sys_modfind(_p: Pick<proc, "p_ucred">, name: string): { error: number; id: number } {
  if (name.length >= MAXMODNAME) return { error: ENOENT, id: -1 };
  const mod = module_lookupbyname(name);
  return mod === null ? { error: ENOENT, id: -1 } : { error: 0, id: mod.id };
}
