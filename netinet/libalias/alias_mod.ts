// sys/netinet/libalias/alias_mod.c, alias_mod.h: the protocol-module
// framework of libalias.  A module (alias_ftp, ...) brings an array of
// handlers; each says which way it works (IN, OUT), on what (IP, TCP, UDP),
// its priority, a fingerprint that decides whether a packet is its
// business and the handler proper.  LibAliasAttachHandlers keeps them on
// one chain sorted by priority (a handler with the priority, direction and
// protocol of one already there is refused with EEXIST, and the rest of
// its array with it); alias.c's TcpAliasIn/Out (and UDP, GRE) fill in an
// alias_data and call find_handler, which runs the first handler whose
// flags match and whose fingerprint says 0, and returns what it returns
// (ENOENT when none took the packet).
//
// Where the chain lives: FreeBSD has one static chain per copy of the
// library, the kernel's (filled by kldload of the alias_* modules) and
// each process's lib/libalias (filled from /etc/libalias.conf by
// LibAliasRefreshModules).  Here it hangs off the build (libalias_build),
// which is exactly one such copy.  The C arrays end with an EOH entry
// (dir NODIR); a TypeScript array knows its length, so NODIR is only kept
// for what it names.  alias_data's port fields are the values the C
// pointers would read when the chain is walked (handlers here only read
// them); the packet itself is the DataView and offset passed alongside.

import { EEXIST, ENOENT } from "../../kern/errno.ts";
import type { alias_link } from "./alias_db.ts";
import type { in_addr_t, libalias, libalias_build } from "./alias_local.ts";

// Packet flow direction flags.
export const IN = 0x0001;
export const OUT = 0x0002;
/** Marks the end of a C handler array. */
export const NODIR = 0x4000;

// Working protocol flags.
export const IP = 0x01;
export const TCP = 0x02;
export const UDP = 0x04;

/** struct alias_data: what a fingerprint and a handler get to look at. */
export interface alias_data {
  lnk: alias_link | null;
  /** Original address (null where the caller offers none). */
  oaddr: in_addr_t | null;
  /** Alias address. */
  aaddr: in_addr_t | null;
  /** Alias port. */
  aport: number | null;
  /** The packet's source and destination ports, as they are now. */
  sport: number | null;
  dport: number | null;
  /** How large the packet may grow, headers included (0: not at all);
   *  a uint16_t in FreeBSD, so kept to 16 bits. */
  maxpktsize: number;
}

/** struct proto_handler. */
export interface proto_handler {
  pri: number;
  dir: number;
  proto: number;
  fingerprint(la: libalias, ad: alias_data): number;
  protohandler(la: libalias, dv: DataView, pip: number, ad: alias_data): number;
}

/** attach_handler: into the chain, before the first of larger priority. */
function attach_handler(chain: proto_handler[], p: proto_handler): number {
  for (let i = 0; i < chain.length; i++) {
    const b = chain[i];
    if (b.pri === p.pri && b.dir === p.dir && b.proto === p.proto) return EEXIST;
    if (b.pri > p.pri) {
      chain.splice(i, 0, p);
      return 0;
    }
  }
  chain.push(p);
  return 0;
}

/** LibAliasAttachHandlers: a module's handlers onto the build's chain (the
 *  kernel's when loaded by kldload); stops at the first refused. */
export function LibAliasAttachHandlers(build: libalias_build, p: readonly proto_handler[]): number {
  for (const h of p) {
    const error = attach_handler(build.handler_chain, h);
    if (error !== 0) return error;
  }
  return 0;
}

/** LibAliasDetachHandlers: take them off again (always 0, as FreeBSD's). */
export function LibAliasDetachHandlers(build: libalias_build, p: readonly proto_handler[]): number {
  const chain = build.handler_chain;
  for (const h of p) {
    const i = chain.indexOf(h);
    if (i >= 0) chain.splice(i, 1);
  }
  return 0;
}

/**
 * find_handler: run the first handler for this direction and protocol
 * whose fingerprint accepts the packet; its result, or ENOENT.
 */
export function find_handler(dir: number, proto: number, la: libalias, dv: DataView, pip: number, ad: alias_data): number {
  for (const p of la.build.handler_chain) {
    if ((p.dir & dir) !== 0 && (p.proto & proto) !== 0 && p.fingerprint(la, ad) === 0) return p.protohandler(la, dv, pip, ad);
  }
  return ENOENT;
}

/** first_handler: the head of the chain, or null. */
export function first_handler(build: libalias_build): proto_handler | null {
  return build.handler_chain.length > 0 ? build.handler_chain[0] : null;
}

/** moduledata_t as alias_mod.h spells it for userland: a module's name
 *  (what attach_dll compares), its event handler, and (here) its handler
 *  array, which dlsym(handle, "handlers") finds in FreeBSD. */
export interface alias_moduledata {
  name: string;
  evhand: (mod: unknown, type: number, data: unknown) => number;
  priv: unknown;
  handlers: readonly proto_handler[];
}

/** DLL_LEN: how much of a module name attach_dll compares. */
export const DLL_LEN = 32;

/** struct dll: a userland module loaded into a process's library. */
export interface dll {
  name: string;
  /** What dlopen returned: here the module's data. */
  handle: alias_moduledata;
}

/** attach_dll: remember a loaded module; EEXIST for a name already there. */
export function attach_dll(build: libalias_build, p: dll): number {
  for (const b of build.dll_chain) if (b.name.slice(0, DLL_LEN) === p.name.slice(0, DLL_LEN)) return EEXIST;
  build.dll_chain.unshift(p);
  return 0;
}

/** walk_dll_chain: take the first loaded module off the list (null when
 *  none is left). */
export function walk_dll_chain(build: libalias_build): dll | null {
  return build.dll_chain.shift() ?? null;
}
