// sys/net/pfil.c, sys/net/pfil.h: packet filter hooks.  A protocol
// registers a head where packets pass ("ethernet" in ether_input/output,
// "inet" in ip_input/ip_output); a filter registers a hook; pfil_link puts a
// hook on a head, in or out.  Heads and hooks are per vnet, so a firewall in
// one jail never sees another jail's packets.
//
// The packet path asks PFIL_HOOKED_IN/OUT first, two integer reads, and only
// runs the chain when something is linked: with no firewall the call sites
// cost nothing, which is why they are kept even before any filter exists.
//
// FreeBSD passes `struct mbuf **` so a hook may replace the chain (after an
// m_pullup, say) or consume it.  Here a hook gets a pfil_mbufp whose `m` it
// may change; pfil_mbuf_in/out return the verdict and the chain that comes
// out is pfil_mbuf_result().  Departure: no epoch, no locks.

import { EEXIST, EINVAL, ENOENT } from "../kern/errno.ts";
import {
  SI_ORDER_FIRST,
  SI_ORDER_FOURTH,
  SI_ORDER_THIRD,
  SI_SUB_PROTO_DOMAIN,
  SI_SUB_PROTO_PFIL,
} from "../kern/kernel.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import type { ifnet } from "./if.ts";
import { VNET_DEFINE_PTR, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT } from "./vnet.ts";

export const PFIL_VERSION = 1;

// pfil_return_t
export const PFIL_PASS = 0;
export const PFIL_DROPPED = 1;
export const PFIL_CONSUMED = 2;
export const PFIL_REALLOCED = 3;

export const PFIL_IN = 0x00010000;
export const PFIL_OUT = 0x00020000;
export const PFIL_FWD = 0x00040000;
export const PFIL_DIR = (f: number): number => f & (PFIL_IN | PFIL_OUT);
export const PFIL_HEADPTR = 0x00100000;
export const PFIL_HOOKPTR = 0x00200000;
export const PFIL_APPEND = 0x00400000;
export const PFIL_UNLINK = 0x00800000;

// enum pfil_types
export const PFIL_TYPE_IP4 = 0;
export const PFIL_TYPE_IP6 = 1;
export const PFIL_TYPE_ETHERNET = 2;

export const PFIL_ETHER_NAME = "ethernet";
export const PFIL_INET_NAME = "inet";
export const PFIL_INET_LOCAL_NAME = "inet-local";

/** The `struct mbuf **` a hook receives: it may replace m, or set it to
 *  null when it frees the packet (PFIL_DROPPED) or keeps it (PFIL_CONSUMED). */
export class pfil_mbufp {
  m: mbuf | null = null;
}

/** pfil_mbuf_chk_t: (mp, ifp, flags, ruleset, inp) -> pfil_return_t. */
export type pfil_mbuf_chk_t = (mp: pfil_mbufp, ifp: ifnet, flags: number, ruleset: unknown, inp: unknown) => number;

export class pfil_hook {
  hook_links = 0;
  constructor(
    readonly hook_mbuf_chk: pfil_mbuf_chk_t,
    readonly hook_ruleset: unknown,
    readonly hook_flags: number,
    readonly hook_type: number,
    readonly hook_modname: string,
    readonly hook_rulname: string,
  ) {}
}

/** struct pfil_link (pfil_hook_link here, as the name is pfil_link()'s): one hook on one chain of one head. */
export class pfil_hook_link {
  constructor(
    readonly link_hook: pfil_hook,
    readonly link_mbuf_chk: pfil_mbuf_chk_t,
    readonly link_ruleset: unknown,
  ) {}
}

/** struct pfil_head; head_nhooksin/out first, as PFIL_HOOKED_* read them. */
export class pfil_head {
  head_nhooksin = 0;
  head_nhooksout = 0;
  readonly head_in: pfil_hook_link[] = [];
  readonly head_out: pfil_hook_link[] = [];
  constructor(
    readonly head_flags: number,
    readonly head_type: number,
    readonly head_name: string,
  ) {}
}

export function PFIL_HOOKED_IN(h: pfil_head | null): boolean {
  return h !== null && h.head_nhooksin > 0;
}
export function PFIL_HOOKED_OUT(h: pfil_head | null): boolean {
  return h !== null && h.head_nhooksout > 0;
}

// ---------------------------------------------------------------------------
// Per-vnet lists.

const pfil_head_list = VNET_DEFINE_PTR<pfil_head[]>("pfil_head_list", []);
const pfil_hook_list = VNET_DEFINE_PTR<pfil_hook[]>("pfil_hook_list", []);

export function V_pfil_head_list(): pfil_head[] {
  return VNET_PTR(pfil_head_list);
}
export function V_pfil_hook_list(): pfil_hook[] {
  return VNET_PTR(pfil_hook_list);
}

function vnet_pfil_init(): void {
  VNET_PTR_SET(pfil_head_list, []);
  VNET_PTR_SET(pfil_hook_list, []);
}
VNET_SYSINIT("vnet_pfil_init", SI_SUB_PROTO_PFIL, SI_ORDER_FIRST, vnet_pfil_init);

function vnet_pfil_uninit(): void {
  KASSERT(V_pfil_head_list().length === 0, "vnet_pfil_uninit: pfil_head_list not empty");
  // Hooks a filter left behind go with the vnet.
  for (const hook of V_pfil_hook_list().slice()) pfil_remove_hook(hook);
}
VNET_SYSUNINIT("vnet_pfil_uninit", SI_SUB_PROTO_PFIL, SI_ORDER_FIRST, vnet_pfil_uninit);

// ---------------------------------------------------------------------------
// Running the chains.  A hook may itself send packets that pass another
// pfil chain, so each nesting level has its own pfil_mbufp: preallocated,
// nothing is made per packet.

const mbufp_stack: pfil_mbufp[] = [new pfil_mbufp(), new pfil_mbufp(), new pfil_mbufp(), new pfil_mbufp()];
let mbufp_depth = 0;
let result_m: mbuf | null = null;

function pfil_mbuf_common(chain: pfil_hook_link[], m: mbuf, ifp: ifnet, flags: number, inp: unknown): number {
  if (mbufp_depth === mbufp_stack.length) mbufp_stack.push(new pfil_mbufp());
  const mp = mbufp_stack[mbufp_depth++];
  mp.m = m;
  let rv = PFIL_PASS;
  for (let i = 0; i < chain.length; i++) {
    const link = chain[i];
    rv = link.link_mbuf_chk(mp, ifp, flags, link.link_ruleset, inp);
    if (rv === PFIL_DROPPED || rv === PFIL_CONSUMED) {
      KASSERT(mp.m === null, "pfil: hook dropped or consumed the packet but kept the mbuf");
      break;
    }
    KASSERT(mp.m !== null, "pfil: hook passed a NULL mbuf");
    if (rv === PFIL_REALLOCED) rv = PFIL_PASS;
  }
  result_m = mp.m;
  mp.m = null;
  mbufp_depth--;
  return rv;
}

/** The chain that came out of the last pfil_mbuf_in/out/fwd (the `*m`
 *  FreeBSD's callers read back); only valid after a PFIL_PASS verdict. */
export function pfil_mbuf_result(): mbuf {
  const m = result_m;
  KASSERT(m !== null, "pfil_mbuf_result: no packet passed");
  result_m = null;
  return m;
}

/** pfil_mbuf_in(head, &m, ifp, inp). */
export function pfil_mbuf_in(head: pfil_head, m: mbuf, ifp: ifnet, inp: unknown = null): number {
  return pfil_mbuf_common(head.head_in, m, ifp, PFIL_IN, inp);
}
/** pfil_mbuf_out(head, &m, ifp, inp). */
export function pfil_mbuf_out(head: pfil_head, m: mbuf, ifp: ifnet, inp: unknown = null): number {
  return pfil_mbuf_common(head.head_out, m, ifp, PFIL_OUT, inp);
}
/** pfil_mbuf_fwd: the out chain, flagged as forwarded (ip_tryforward). */
export function pfil_mbuf_fwd(head: pfil_head, m: mbuf, ifp: ifnet, inp: unknown = null): number {
  return pfil_mbuf_common(head.head_out, m, ifp, PFIL_OUT | PFIL_FWD, inp);
}

// ---------------------------------------------------------------------------
// Heads, hooks, links.

export interface pfil_head_args {
  pa_version?: number;
  pa_flags: number;
  pa_type: number;
  pa_headname: string;
}

/** pfil_head_register: a new head in curvnet (a name is unique per vnet). */
export function pfil_head_register(pa: pfil_head_args): pfil_head {
  const list = V_pfil_head_list();
  for (const h of list) KASSERT(h.head_name !== pa.pa_headname, `pfil_head_register: ${pa.pa_headname} exists`);
  const head = new pfil_head(pa.pa_flags, pa.pa_type, pa.pa_headname);
  list.push(head);
  return head;
}

/** pfil_head_unregister: unlink every hook from the head and forget it. */
export function pfil_head_unregister(head: pfil_head): void {
  const list = V_pfil_head_list();
  const i = list.indexOf(head);
  if (i >= 0) list.splice(i, 1);
  for (const l of head.head_in) l.link_hook.hook_links--;
  for (const l of head.head_out) l.link_hook.hook_links--;
  head.head_in.length = 0;
  head.head_out.length = 0;
  head.head_nhooksin = 0;
  head.head_nhooksout = 0;
}

export interface pfil_hook_args {
  pa_version?: number;
  pa_flags: number;
  pa_type: number;
  pa_mbuf_chk: pfil_mbuf_chk_t;
  pa_ruleset?: unknown;
  pa_modname: string;
  pa_rulname: string;
}

/** pfil_add_hook: a hook in curvnet, not yet on any head. */
export function pfil_add_hook(pa: pfil_hook_args): pfil_hook {
  const hook = new pfil_hook(pa.pa_mbuf_chk, pa.pa_ruleset ?? null, pa.pa_flags, pa.pa_type, pa.pa_modname, pa.pa_rulname);
  V_pfil_hook_list().push(hook);
  return hook;
}

/** pfil_remove_hook: unlink the hook from every head and forget it. */
export function pfil_remove_hook(hook: pfil_hook): void {
  for (const head of V_pfil_head_list()) {
    pfil_unlink(head.head_in, hook, head, true);
    pfil_unlink(head.head_out, hook, head, false);
  }
  const list = V_pfil_hook_list();
  const i = list.indexOf(hook);
  if (i >= 0) list.splice(i, 1);
}

function pfil_unlink(chain: pfil_hook_link[], hook: pfil_hook, head: pfil_head, in_: boolean): boolean {
  const i = chain.findIndex((l) => l.link_hook === hook);
  if (i < 0) return false;
  chain.splice(i, 1);
  hook.hook_links--;
  if (in_) head.head_nhooksin--;
  else head.head_nhooksout--;
  return true;
}

export interface pfil_link_args {
  pa_version?: number;
  /** PFIL_IN/PFIL_OUT, PFIL_HEADPTR/PFIL_HOOKPTR, PFIL_APPEND, PFIL_UNLINK. */
  pa_flags: number;
  pa_head?: pfil_head;
  pa_headname?: string;
  pa_hook?: pfil_hook;
  pa_modname?: string;
  pa_rulname?: string;
}

/**
 * pfil_link: put a hook on a head (or take it off with PFIL_UNLINK).  The in
 * chain is built front to back and the out chain back to front, so that by
 * default a packet meets the filters in mirrored order on the way in and out.
 */
export function pfil_link(pa: pfil_link_args): number {
  let head: pfil_head | null = null;
  if ((pa.pa_flags & PFIL_HEADPTR) !== 0) head = pa.pa_head ?? null;
  else head = V_pfil_head_list().find((h) => h.head_name === pa.pa_headname) ?? null;
  let hook: pfil_hook | null = null;
  if ((pa.pa_flags & PFIL_HOOKPTR) !== 0) hook = pa.pa_hook ?? null;
  else hook = V_pfil_hook_list().find((h) => h.hook_modname === pa.pa_modname && h.hook_rulname === pa.pa_rulname) ?? null;
  if (head === null || hook === null) return ENOENT;

  if ((pa.pa_flags & PFIL_UNLINK) !== 0) {
    if ((pa.pa_flags & PFIL_IN) !== 0) pfil_unlink(head.head_in, hook, head, true);
    if ((pa.pa_flags & PFIL_OUT) !== 0) pfil_unlink(head.head_out, hook, head, false);
    return 0;
  }
  if ((pa.pa_flags & PFIL_IN && (hook.hook_flags & PFIL_IN) === 0) || (pa.pa_flags & PFIL_OUT && (hook.hook_flags & PFIL_OUT) === 0)) return EINVAL;
  if (hook.hook_type !== head.head_type) return EINVAL;
  if ((pa.pa_flags & PFIL_IN) !== 0 && head.head_in.some((l) => l.link_hook === hook)) return EEXIST;
  if ((pa.pa_flags & PFIL_OUT) !== 0 && head.head_out.some((l) => l.link_hook === hook)) return EEXIST;

  if ((pa.pa_flags & PFIL_IN) !== 0) {
    const l = new pfil_hook_link(hook, hook.hook_mbuf_chk, hook.hook_ruleset);
    if ((pa.pa_flags & PFIL_APPEND) !== 0) head.head_in.push(l);
    else head.head_in.unshift(l);
    hook.hook_links++;
    head.head_nhooksin++;
  }
  if ((pa.pa_flags & PFIL_OUT) !== 0) {
    const l = new pfil_hook_link(hook, hook.hook_mbuf_chk, hook.hook_ruleset);
    if ((pa.pa_flags & PFIL_APPEND) !== 0) head.head_out.unshift(l);
    else head.head_out.push(l);
    hook.hook_links++;
    head.head_nhooksout++;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// The inet heads.  FreeBSD registers them in ip_vnet_init (netinet/
// ip_input.c, SI_SUB_PROTO_DOMAIN); they live here so that IP, the heads'
// users, and the firewalls that hook them all find them in one place.

const inet_pfil_head = VNET_DEFINE_PTR<pfil_head | null>("inet_pfil_head", null);
const inet_local_pfil_head = VNET_DEFINE_PTR<pfil_head | null>("inet_local_pfil_head", null);

/** V_inet_pfil_head: ip_input (in), ip_output (out), ip_tryforward (fwd). */
export function V_inet_pfil_head(): pfil_head | null {
  return VNET_PTR(inet_pfil_head);
}
/** V_inet_local_pfil_head: packets about to be delivered locally. */
export function V_inet_local_pfil_head(): pfil_head | null {
  return VNET_PTR(inet_local_pfil_head);
}

function vnet_inet_pfil_init(): void {
  VNET_PTR_SET(inet_pfil_head, pfil_head_register({ pa_flags: PFIL_IN | PFIL_OUT, pa_type: PFIL_TYPE_IP4, pa_headname: PFIL_INET_NAME }));
  VNET_PTR_SET(inet_local_pfil_head, pfil_head_register({ pa_flags: PFIL_OUT, pa_type: PFIL_TYPE_IP4, pa_headname: PFIL_INET_LOCAL_NAME }));
}
VNET_SYSINIT("vnet_inet_pfil_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_FOURTH, vnet_inet_pfil_init);

function vnet_inet_pfil_uninit(): void {
  const h = VNET_PTR(inet_pfil_head);
  if (h !== null) pfil_head_unregister(h);
  const hl = VNET_PTR(inet_local_pfil_head);
  if (hl !== null) pfil_head_unregister(hl);
  VNET_PTR_SET(inet_pfil_head, null);
  VNET_PTR_SET(inet_local_pfil_head, null);
}
VNET_SYSUNINIT("vnet_inet_pfil_uninit", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, vnet_inet_pfil_uninit);

/** pfil_head_get by name in curvnet (pfilctl's view). */
export function pfil_head_byname(name: string): pfil_head | null {
  return V_pfil_head_list().find((h) => h.head_name === name) ?? null;
}
