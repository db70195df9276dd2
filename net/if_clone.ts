// sys/net/if_clone.c, sys/net/if_clone.h: interface cloners, the drivers
// behind `ifconfig lo1 create`, `ifconfig epair create`, `ifconfig X
// destroy`.  A cloner has a name ("lo", "epair"), a unit allocator, and the
// list of interfaces it made.  Cloners are per vnet: each driver attaches
// its cloner from a VNET_SYSINIT, so every vnet can create its own, and the
// driver's VNET_SYSUNINIT detaches it again, which destroys whatever that
// vnet's cloner made, wherever those interfaces are now.
//
// Both interfaces of FreeBSD 14 are here: ifc_attach_cloner with
// match/create/destroy functions, and the older if_clone_simple (fixed
// number of units made at attach, "minifs") and if_clone_advanced, which 14
// keeps as wrappers (CLONE_COMPAT_13).
//
// One addition the shared contract asks for: a create request that no
// cloner of the current vnet matches is tried against vnet0's cloners, as
// FreeBSD's if_clone_create did before 13.  An interface made that way
// belongs to vnet0's cloner and is destroyed by it.

import { EEXIST, EINVAL, ENOSPC, ENXIO, EOPNOTSUPP } from "../kern/errno.ts";
import { SI_ORDER_SECOND, SI_SUB_INIT_IF } from "../kern/kernel.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { KASSERT, panic } from "../kern/subr_prf.ts";
import { IFNAMSIZ, if_addgroup, if_delgroup, ifunit, set_cloner_ops, type ifnet } from "./if.ts";
import {
  CURVNET_RESTORE,
  CURVNET_SET_QUIET,
  IS_DEFAULT_VNET,
  VNET_DEFINE_PTR,
  VNET_PTR,
  VNET_PTR_SET,
  VNET_SYSINIT,
  curvnet,
  vnet0,
  type vnet,
} from "./vnet.ts";

export const IFC_F_NOGROUP = 0x01;
export const IFC_F_AUTOUNIT = 0x02;
export const IFC_F_SYSSPACE = 0x04;
export const IFC_F_FORCE = 0x08;
export const IFC_F_CREATE = 0x10;
export const IFC_NOGROUP = IFC_F_NOGROUP;

export const IF_MAXUNIT = 0x7fff;
/** IF_MAXUNIT takes up to 5 characters of a name. */
const IFCLOSIZ = IFNAMSIZ - 5;

/** struct ifc_data: what a create request carries to the driver. */
export class ifc_data {
  flags = 0;
  unit = -1;
  params: unknown = null;
}

export type ifc_match_f = (ifc: if_clone, name: string) => boolean;
/** Create `name` (unit already in it for IFC_F_AUTOUNIT cloners); the new
 *  interface comes back in `ifp` (*ifpp). */
export type ifc_create_f = (ifc: if_clone, name: string, ifd: ifc_data) => { error: number; ifp: ifnet | null };
export type ifc_destroy_f = (ifc: if_clone, ifp: ifnet, flags: number) => number;

// The CLONE_COMPAT_13 interfaces.
export type ifcs_create_t = (ifc: if_clone, unit: number, params: unknown) => number;
export type ifcs_destroy_t = (ifp: ifnet) => void;
/** if_clone_advanced's create: returns the name it made (it may add a unit). */
export type ifc_create_t = (ifc: if_clone, name: string, params: unknown) => { error: number; name: string };
export type ifc_destroy_t = (ifc: if_clone, ifp: ifnet) => number;

/** alloc_unr(9): a unit number allocator over [low, high]. */
class unrhdr {
  private readonly used = new Set<number>();
  constructor(
    readonly low: number,
    readonly high: number,
  ) {}
  alloc_unr(): number {
    for (let u = this.low; u <= this.high; u++) {
      if (!this.used.has(u)) {
        this.used.add(u);
        return u;
      }
    }
    return -1;
  }
  alloc_unr_specific(u: number): number {
    if (u < this.low || u > this.high || this.used.has(u)) return -1;
    this.used.add(u);
    return u;
  }
  free_unr(u: number): void {
    KASSERT(this.used.has(u), `free_unr: unit ${u} not allocated`);
    this.used.delete(u);
  }
  get count(): number {
    return this.used.size;
  }
}

function ifc_nomatch(): boolean {
  return false;
}
function ifc_nocreate(): { error: number; ifp: ifnet | null } {
  return { error: EOPNOTSUPP, ifp: null };
}
function ifc_nodestroy(): number {
  return EOPNOTSUPP;
}

/** struct if_clone. */
export class if_clone {
  ifc_flags = 0;
  ifc_refcnt = 0;
  /** ifc_iflist: newest first (LIST_INSERT_HEAD). */
  readonly ifc_iflist: ifnet[] = [];
  ifc_match: ifc_match_f = ifc_nomatch;
  ifc_create: ifc_create_f = ifc_nocreate;
  ifc_destroy: ifc_destroy_f = ifc_nodestroy;
  // Simple cloners (compat).
  ifcs_create: ifcs_create_t | null = null;
  ifcs_destroy: ifcs_destroy_t | null = null;
  ifcs_minifs = 0;
  // Advanced cloners (compat).
  ifca_create: ifc_create_t | null = null;
  ifca_destroy: ifc_destroy_t | null = null;
  readonly ifc_unrhdr: unrhdr;
  constructor(
    readonly ifc_name: string,
    readonly ifc_maxunit: number,
  ) {
    this.ifc_unrhdr = new unrhdr(0, ifc_maxunit);
  }
}

/** V_if_cloners: this vnet's cloners, newest first. */
const if_cloners = VNET_DEFINE_PTR<if_clone[]>("if_cloners", []);

export function V_if_cloners(): if_clone[] {
  return VNET_PTR(if_cloners);
}

/** vnet_if_clone_init, called from vnet_if_init in FreeBSD. */
function vnet_if_clone_init(): void {
  VNET_PTR_SET(if_cloners, []);
}
VNET_SYSINIT("vnet_if_clone_init", SI_SUB_INIT_IF, SI_ORDER_SECOND, vnet_if_clone_init);

function IF_CLONE_ADDREF(ifc: if_clone): void {
  KASSERT(ifc.ifc_refcnt >= 0, `negative refcnt ${ifc.ifc_refcnt}`);
  ifc.ifc_refcnt++;
}
function IF_CLONE_REMREF(ifc: if_clone): void {
  KASSERT(ifc.ifc_refcnt > 0, `bogus refcnt ${ifc.ifc_refcnt}`);
  if (--ifc.ifc_refcnt === 0) if_clone_free(ifc);
}

function if_clone_free(ifc: if_clone): void {
  KASSERT(ifc.ifc_iflist.length === 0, "if_clone_free: ifc_iflist not empty");
}

// ---------------------------------------------------------------------------
// Lookup.

function ifc_find_cloner_match(name: string): if_clone | null {
  for (const ifc of V_if_cloners()) if (ifc.ifc_match(ifc, name)) return ifc;
  return null;
}

function ifc_find_cloner(name: string): if_clone | null {
  for (const ifc of V_if_cloners()) if (ifc.ifc_name === name) return ifc;
  return null;
}

function ifc_find_cloner_in_vnet(name: string, v: vnet): if_clone | null {
  const saved = CURVNET_SET_QUIET(v, "ifc_find_cloner_in_vnet");
  const ifc = ifc_find_cloner(name);
  CURVNET_RESTORE(saved);
  return ifc;
}

/** The cloner (of the interface's home vnet) that made ifp, if any. */
export function if_clone_findifc(ifp: ifnet): if_clone | null {
  const v = ifp.if_home_vnet ?? ifp.if_vnet;
  const ifc = ifc_find_cloner_in_vnet(ifp.if_dname, v);
  return ifc !== null && ifc.ifc_iflist.includes(ifp) ? ifc : null;
}

// ---------------------------------------------------------------------------
// Create and destroy.

/**
 * ifc_create_ifp: find a cloner for `name` and create it.  Returns the new
 * interface (for epair, side a).
 */
export function ifc_create_ifp(name: string, ifd: ifc_data): { error: number; ifp: ifnet | null } {
  let ifc = ifc_find_cloner_match(name);
  if (VIMAGE && ifc === null && !IS_DEFAULT_VNET(curvnet)) {
    const saved = CURVNET_SET_QUIET(vnet0, "ifc_create_ifp");
    ifc = ifc_find_cloner_match(name);
    CURVNET_RESTORE(saved);
  }
  if (ifc === null) return { error: EINVAL, ifp: null };
  return if_clone_createif(ifc, name, ifd);
}

/** if_clone_create: SIOCIFCREATE(2).  `name` is what the user asked for
 *  ("epair", "lo5"); the result carries the name made ("epair0a", "lo5"). */
export function if_clone_create(name: string, _cred?: ucred, params: unknown = null): { error: number; name: string } {
  const ifd = new ifc_data();
  ifd.params = params;
  const r = ifc_create_ifp(name, ifd);
  if (r.error !== 0 || r.ifp === null) return { error: r.error, name };
  return { error: 0, name: r.ifp.if_xname };
}

/** ifc_link_ifp / if_clone_addif: the interface joins its cloner's list and
 *  the interface group of the cloner's name. */
export function if_clone_addif(ifc: if_clone, ifp: ifnet): void {
  if ((ifc.ifc_flags & IFC_F_NOGROUP) === 0) if_addgroup(ifp, ifc.ifc_name);
  ifc.ifc_iflist.unshift(ifp);
  ifp.if_clone = ifc;
}

function ifc_unlink_ifp(ifc: if_clone, ifp: ifnet): boolean {
  const i = ifc.ifc_iflist.indexOf(ifp);
  if (i < 0) return false;
  ifc.ifc_iflist.splice(i, 1);
  if ((ifc.ifc_flags & IFC_F_NOGROUP) === 0) if_delgroup(ifp, ifc.ifc_name);
  return true;
}

function if_clone_createif(ifc: if_clone, ifname: string, ifd: ifc_data): { error: number; ifp: ifnet | null } {
  let name = ifname;
  if (ifunit(name) !== null) return { error: EEXIST, ifp: null };
  if ((ifc.ifc_flags & IFC_F_AUTOUNIT) !== 0) {
    const r = ifc_handle_unit(ifc, name);
    if (r.error !== 0) return { error: r.error, ifp: null };
    name = r.name;
    ifd.unit = r.unit;
  }
  const r = ifc.ifc_create(ifc, name, ifd);
  if (r.error !== 0) {
    if ((ifc.ifc_flags & IFC_F_AUTOUNIT) !== 0) ifc_free_unit(ifc, ifd.unit);
    return { error: r.error, ifp: null };
  }
  const ifp = r.ifp;
  KASSERT(ifp !== null, `if_clone_createif: ${ifc.ifc_name} created nothing`);
  if_clone_addif(ifc, ifp);
  return { error: 0, ifp };
}

/** if_clone_destroy: SIOCIFDESTROY.  The cloner is the one of the
 *  interface's home vnet, wherever the interface lives now. */
export function if_clone_destroy(name: string): number {
  const ifp = ifunit(name);
  if (ifp === null) return ENXIO;
  const ifc = ifc_find_cloner_in_vnet(ifp.if_dname, ifp.if_home_vnet ?? ifp.if_vnet);
  if (ifc === null) return EINVAL;
  return if_clone_destroyif(ifc, ifp);
}

function if_clone_destroyif_flags(ifc: if_clone, ifp: ifnet, flags: number): number {
  // The interface may have been moved away from the vnet its cloner is in.
  const saved = CURVNET_SET_QUIET(ifp.if_vnet, "if_clone_destroyif");
  if (!ifc_unlink_ifp(ifc, ifp)) {
    CURVNET_RESTORE(saved);
    return ENXIO;
  }
  const unit = ifp.if_dunit;
  const err = ifc.ifc_destroy(ifc, ifp, flags);
  if (err !== 0) if_clone_addif(ifc, ifp);
  else {
    ifp.if_clone = null;
    if ((ifc.ifc_flags & IFC_F_AUTOUNIT) !== 0) ifc_free_unit(ifc, unit);
  }
  CURVNET_RESTORE(saved);
  return err;
}

/** if_clone_destroyif: destroy one interface of this cloner. */
export function if_clone_destroyif(ifc: if_clone, ifp: ifnet): number {
  return if_clone_destroyif_flags(ifc, ifp, 0);
}

// ---------------------------------------------------------------------------
// Attaching and detaching cloners.

function if_clone_alloc(name: string, maxunit: number): if_clone {
  const ifc = new if_clone(name.slice(0, IFCLOSIZ - 1), maxunit !== 0 ? maxunit : IF_MAXUNIT);
  IF_CLONE_ADDREF(ifc);
  return ifc;
}

function if_clone_attach(ifc: if_clone): number {
  const list = V_if_cloners();
  for (const ifc1 of list) {
    if (ifc1.ifc_name === ifc.ifc_name) {
      IF_CLONE_REMREF(ifc);
      return EEXIST;
    }
  }
  list.unshift(ifc);
  return 0;
}

/** struct if_clone_addreq. */
export interface if_clone_addreq {
  flags?: number;
  maxunit?: number;
  match_f?: ifc_match_f;
  create_f: ifc_create_f;
  destroy_f: ifc_destroy_f;
}

/** ifc_attach_cloner: register a cloner in curvnet (null if the name is
 *  too long or taken). */
export function ifc_attach_cloner(name: string, req: if_clone_addreq): if_clone | null {
  if (name.length >= IFCLOSIZ - 1) return null;
  const ifc = if_clone_alloc(name, req.maxunit ?? 0);
  ifc.ifc_match = req.match_f ?? ifc_simple_match;
  ifc.ifc_create = req.create_f;
  ifc.ifc_destroy = req.destroy_f;
  ifc.ifc_flags = (req.flags ?? 0) & IFC_F_AUTOUNIT;
  if (if_clone_attach(ifc) !== 0) return null;
  return ifc;
}

export function ifc_detach_cloner(ifc: if_clone): void {
  if_clone_detach(ifc);
}

function ifc_advanced_create_wrapper(ifc: if_clone, name: string, ifd: ifc_data): { error: number; ifp: ifnet | null } {
  const r = (ifc.ifca_create as ifc_create_t)(ifc, name, ifd.params);
  return { error: r.error, ifp: r.error === 0 ? ifunit(r.name) : null };
}

function ifc_advanced_destroy_wrapper(ifc: if_clone, ifp: ifnet, _flags: number): number {
  if (ifc.ifca_destroy === null) return EOPNOTSUPP;
  return ifc.ifca_destroy(ifc, ifp);
}

/** if_clone_advanced: a cloner that parses names itself. */
export function if_clone_advanced(name: string, maxunit: number, match: ifc_match_f, create: ifc_create_t, destroy: ifc_destroy_t | null): if_clone | null {
  const ifc = if_clone_alloc(name, maxunit);
  ifc.ifc_match = match;
  ifc.ifc_create = ifc_advanced_create_wrapper;
  ifc.ifc_destroy = ifc_advanced_destroy_wrapper;
  ifc.ifca_create = create;
  ifc.ifca_destroy = destroy;
  if (if_clone_attach(ifc) !== 0) return null;
  return ifc;
}

function ifc_simple_create_wrapper(ifc: if_clone, name: string, ifd: ifc_data): { error: number; ifp: ifnet | null } {
  const unit = ifc_name2unit(name).unit;
  const error = (ifc.ifcs_create as ifcs_create_t)(ifc, unit, ifd.params);
  return { error, ifp: error === 0 ? ifunit(name) : null };
}

function ifc_simple_destroy_wrapper(ifc: if_clone, ifp: ifnet, flags: number): number {
  // The first minifs units are permanent, except when the cloner goes.
  if (ifp.if_dunit < ifc.ifcs_minifs && (flags & IFC_F_FORCE) === 0) return EINVAL;
  (ifc.ifcs_destroy as ifcs_destroy_t)(ifp);
  return 0;
}

/**
 * if_clone_simple: a cloner of name<unit> interfaces that creates units
 * 0..minifs-1 at once (lo: minifs 1, hence lo0 in every vnet).
 */
export function if_clone_simple(name: string, create: ifcs_create_t, destroy: ifcs_destroy_t, minifs: number): if_clone | null {
  const ifc = if_clone_alloc(name, 0);
  ifc.ifc_match = ifc_simple_match;
  ifc.ifc_create = ifc_simple_create_wrapper;
  ifc.ifc_destroy = ifc_simple_destroy_wrapper;
  ifc.ifcs_create = create;
  ifc.ifcs_destroy = destroy;
  ifc.ifcs_minifs = minifs;
  ifc.ifc_flags = IFC_F_AUTOUNIT;
  if (if_clone_attach(ifc) !== 0) return null;
  for (let unit = 0; unit < minifs; unit++) {
    const r = if_clone_createif(ifc, `${ifc.ifc_name}${unit}`, new ifc_data());
    KASSERT(r.error === 0, `if_clone_simple: failed to create required interface ${ifc.ifc_name}${unit}`);
  }
  return ifc;
}

/** if_clone_detach: unregister, destroying every interface the cloner made
 *  (forced: even the minifs ones). */
export function if_clone_detach(ifc: if_clone): void {
  const list = V_if_cloners();
  const i = list.indexOf(ifc);
  if (i >= 0) list.splice(i, 1);
  while (ifc.ifc_iflist.length > 0) {
    const err = if_clone_destroyif_flags(ifc, ifc.ifc_iflist[0], IFC_F_FORCE);
    KASSERT(err === 0, `if_clone_detach: ${ifc.ifc_name}: destroy failed with ${err}`);
  }
  IF_CLONE_REMREF(ifc);
}

/** if_clone_list: the cloner names of curvnet (ifconfig -C). */
export function if_clone_list(): string[] {
  return V_if_cloners().map((ifc) => ifc.ifc_name);
}

// ---------------------------------------------------------------------------
// Units.

/** ifc_name2unit: the number at the end of name###; -1 if there is none;
 *  EINVAL for leading zeroes, junk after the digits, or overflow. */
export function ifc_name2unit(name: string): { error: number; unit: number } {
  let i = 0;
  while (i < name.length && (name[i] < "0" || name[i] > "9")) i++;
  if (i === name.length) return { error: 0, unit: -1 };
  if (name[i] === "0" && i + 1 < name.length) return { error: EINVAL, unit: -1 };
  let unit = 0;
  for (; i < name.length; i++) {
    const c = name.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return { error: EINVAL, unit: -1 };
    unit = unit * 10 + c;
    if (unit > 0x7fffffff) return { error: EINVAL, unit: -1 };
  }
  return { error: 0, unit };
}

function ifc_alloc_unit_specific(ifc: if_clone, unit: number): number {
  if (unit > ifc.ifc_maxunit) return ENOSPC;
  if (ifc.ifc_unrhdr.alloc_unr_specific(unit) === -1) return EEXIST;
  if (ifunit(`${ifc.ifc_name}${unit}`) !== null) {
    ifc.ifc_unrhdr.free_unr(unit);
    return EEXIST;
  }
  IF_CLONE_ADDREF(ifc);
  return 0;
}

function ifc_alloc_unit_next(ifc: if_clone): { error: number; unit: number } {
  let unit = ifc.ifc_unrhdr.alloc_unr();
  if (unit === -1) return { error: ENOSPC, unit };
  ifc.ifc_unrhdr.free_unr(unit);
  let error: number;
  for (;;) {
    error = ifc_alloc_unit_specific(ifc, unit);
    if (error !== EEXIST) break;
    unit++;
  }
  return { error, unit };
}

/** ifc_alloc_unit: the given unit, or (unit < 0) the lowest free one. */
export function ifc_alloc_unit(ifc: if_clone, unit: number): { error: number; unit: number } {
  if (unit < 0) return ifc_alloc_unit_next(ifc);
  return { error: ifc_alloc_unit_specific(ifc, unit), unit };
}

export function ifc_free_unit(ifc: if_clone, unit: number): void {
  ifc.ifc_unrhdr.free_unr(unit);
  IF_CLONE_REMREF(ifc);
}

/** ifc_simple_match: the cloner's name, then digits or nothing. */
export function ifc_simple_match(ifc: if_clone, name: string): boolean {
  if (!name.startsWith(ifc.ifc_name)) return false;
  for (let i = ifc.ifc_name.length; i < name.length; i++) if (name[i] < "0" || name[i] > "9") return false;
  return true;
}

/** ifc_handle_unit: allocate the unit a name asks for (or the next free
 *  one, appended to the name). */
function ifc_handle_unit(ifc: if_clone, name: string): { error: number; name: string; unit: number } {
  const r = ifc_name2unit(name);
  if (r.error !== 0) return { error: r.error, name, unit: -1 };
  const wildcard = r.unit < 0;
  const a = ifc_alloc_unit(ifc, r.unit);
  if (a.error !== 0) return { error: a.error, name, unit: -1 };
  if (wildcard) {
    name = `${name}${a.unit}`;
    if (name.length > IFNAMSIZ - 1) panic("if_clone_create(): interface name too long");
  }
  return { error: 0, name, unit: a.unit };
}

set_cloner_ops({ if_clone_create, if_clone_destroy });
