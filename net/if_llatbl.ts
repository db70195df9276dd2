// sys/net/if_llatbl.c, sys/net/if_llatbl.h: link-layer address tables.
// Every interface has one table per family (for IPv4 the ARP table,
// built by in_lltattach in netinet/in.ts); an entry (struct llentry) maps
// an L3 address to the prebuilt link-level header packets to it get, holds
// packets while the address is resolved, and carries the state ARP's timer
// walks.  The family supplies the table's methods; this file holds the
// generic parts and the hash table they default to.
//
// The L3 address of an entry is an IPv4 address (a host-order number) or an
// IPv6 one (an in6_addr, zone embedded as the kernel keeps it): FreeBSD's
// methods take a sockaddr of the table's family, these take lle_l3addr,
// and each family's methods read the kind they are given.
//
// Departures from FreeBSD 14:
// - no locks or epoch; LLE_WLOCK and friends vanish, and an entry is freed
//   as soon as it is unlinked.
// - lltable_append_entry_queue is from later FreeBSD (14.0's
//   arpresolve_full queues inline and frees at most one held packet per
//   new one); we use it so that lowering net.link.ether.inet.maxhold
//   trims a waiting queue to the new limit at once.

import { EINVAL, ENOENT, ENOMEM, EOPNOTSUPP, EPERM, ESRCH } from "../kern/errno.ts";
import { callout, callout_init, callout_stop } from "../kern/kern_timeout.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { AF_INET } from "../kern/socket.ts";
import { KASSERT, log } from "../kern/subr_prf.ts";
import { time_uptime } from "../kern/kern_timeout.ts";
import { IFENCAP_LL, IFF_LOOPBACK, if_encap_req, ifnet_byindex, type ifnet } from "./if.ts";
import type { sockaddr_dl } from "./if_dl.ts";
import { VNET_DEFINE_PTR, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT } from "./vnet.ts";
import { SI_ORDER_FIRST, SI_SUB_INIT_IF } from "../kern/kernel.ts";
import { RTF_ANNOUNCE, RTM_ADD, RTM_DELETE, RTAX_DST, RTAX_GATEWAY, rt_addrinfo } from "./route.ts";
import { rt_msghdr } from "./rtsock.ts";
import type { in6_addr } from "../netinet6/in6_var.ts";


/** An entry's L3 address: IPv4 (host order) or IPv6 (zone embedded). */
export type lle_l3addr = number | in6_addr;

const LOG_INFO = 6;

/** Full Infiniband header: the most any link header takes. */
export const LLE_MAX_LINKHDR = 24;

// la_flags
export const LLE_DELETED = 0x0001;
export const LLE_STATIC = 0x0002;
export const LLE_IFADDR = 0x0004;
export const LLE_VALID = 0x0008;
export const LLE_REDIRECT = 0x0010;
export const LLE_PUB = 0x0020;
export const LLE_LINKED = 0x0040;
// Request flags.
export const LLE_EXCLUSIVE = 0x2000;
export const LLE_UNLOCKED = 0x4000;
export const LLE_ADDRONLY = 0x4000;
export const LLE_CREATE = 0x8000;
// r_flags: what the fast path looks at.
export const RLLE_VALID = 0x0001;
export const RLLE_IFADDR = LLE_IFADDR;

// lle_event
export const LLENTRY_RESOLVED = 0;
export const LLENTRY_TIMEDOUT = 1;
export const LLENTRY_DELETED = 2;
export const LLENTRY_EXPIRED = 3;

/** An lle_event observer (EVENTHANDLER_DECLARE(lle_event, ...) of if_llatbl.h). */
type lle_event_fn = (lle: llentry, evt: number) => void;
// The IPv6 tables' observers (nd6 reports to the route socket there); the
// IPv4 side has its own hook in if_ether.ts.  Here, not in in6.ts, so that
// nd6.ts can register while the netinet6 modules are still loading.
const lle_event6_handlers: lle_event_fn[] = [];
/** EVENTHANDLER_REGISTER(lle_event, f) for the IPv6 tables. */
export function in6_lle_event_register(f: lle_event_fn): void {
  lle_event6_handlers.push(f);
}
/** EVENTHANDLER_INVOKE(lle_event, lle, evt) for an IPv6 entry. */
export function in6_lle_event(lle: llentry, evt: number): void {
  for (let i = 0; i < lle_event6_handlers.length; i++) lle_event6_handlers[i](lle, evt);
}

/**
 * struct llentry.  r_l3addr is the IPv4 address, host order; an AF_INET6
 * table's entries extend this class with the union's addr6 (in6_llentry,
 * netinet6/in6.ts).
 */
export class llentry {
  r_l3addr = 0;
  /** The link-level header packets to this neighbour start with. */
  readonly r_linkdata = new Uint8Array(LLE_MAX_LINKHDR);
  r_hdrlen = 0;
  r_flags = 0;
  /** Fast-path feedback: set by the timer, cleared when a packet uses the entry. */
  r_skip_req = 0;
  lle_tbl: lltable | null = null;
  /** Packets waiting for resolution, chained through m_nextpkt. */
  la_hold: mbuf | null = null;
  la_numheld = 0;
  /** time_uptime when the entry expires (0: never). */
  la_expire = 0;
  la_flags = 0;
  la_asked = 0;
  la_preempt = 0;
  ln_state = 0;
  ln_router = 0;
  ln_ntick = 0;
  lle_remtime = 0;
  lle_hittime = 0;
  lle_refcnt = 1;
  /** The neighbour's link-level address, a view into r_linkdata. */
  ll_addr: Uint8Array = new Uint8Array(0);
  readonly lle_timer = new callout();
  lle_free: (lle: llentry) => void = () => {};
  constructor() {
    callout_init(this.lle_timer, true);
  }
}

export type llt_foreach_cb_t = (llt: lltable, lle: llentry, farg: unknown) => number;

/** One row of an ARP table dump (what in_lltable_dump_entry writes). */
export interface lla_dump_entry {
  /** IPv4 address, host order. */
  addr: number;
  /** The link-level address, or null while unresolved. */
  lladdr: Uint8Array | null;
  /** rtm_flags: RTF_UP|RTF_HOST|RTF_LLDATA, RTF_STATIC, RTF_PINNED, RTF_ANNOUNCE. */
  flags: number;
  /** rmx_expire: time_uptime at which it expires, 0 for permanent. */
  expire: number;
  ifname: string;
  ifindex: number;
  /** la_flags, for callers that want the raw state. */
  la_flags: number;
}

/** struct lltable. */
/** The one empty chain every unused hash slot points at (read-only). */
const LLE_CHAIN_EMPTY: never[] = [];
Object.freeze(LLE_CHAIN_EMPTY);

export class lltable {
  llt_af = 0;
  llt_hsize: number;
  llt_entries = 0;
  llt_maxentries = 0;
  readonly lle_head: llentry[][];
  llt_ifp: ifnet;

  // The family's methods (declared as methods: a family's own take the
  // kind of address it keys by, number or in6_addr).
  llt_lookup(_llt: lltable, _flags: number, _l3addr: lle_l3addr): llentry | null {
    return null;
  }
  llt_alloc_entry(_llt: lltable, _flags: number, _l3addr: lle_l3addr): llentry | null {
    return null;
  }
  llt_delete_entry: (llt: lltable, lle: llentry) => void = () => {};
  llt_prefix_free(llt: lltable, addr: lle_l3addr, mask: lle_l3addr, flags: number): void {
    htable_prefix_free(llt, addr, mask, flags);
  }
  llt_dump_entry: (llt: lltable, lle: llentry, out: lla_dump_entry[]) => number = () => 0;
  llt_hash: (lle: llentry, hsize: number) => number = () => 0;
  llt_match_prefix(_addr: lle_l3addr, _mask: lle_l3addr, _flags: number, _lle: llentry): number {
    return 0;
  }
  llt_free_entry: (llt: lltable, lle: llentry) => void = () => {};
  llt_foreach_entry: (llt: lltable, f: llt_foreach_cb_t, farg: unknown) => number = htable_foreach_lle;
  llt_link_entry: (llt: lltable, lle: llentry) => number = htable_link_entry;
  llt_unlink_entry: (lle: llentry) => number = htable_unlink_entry;
  /** The entry's IPv4 address (an IPv6 table's entries keep theirs in r_l3addr6). */
  llt_fill_sa_entry: (lle: llentry) => number = (lle) => lle.r_l3addr;
  llt_free_tbl: (llt: lltable) => void = () => {};
  llt_mark_used: (lle: llentry) => void = llentry_mark_used;
  llt_post_resolved: (llt: lltable, lle: llentry) => void = () => {};

  constructor(hsize: number, ifp: ifnet) {
    this.llt_hsize = hsize;
    this.llt_ifp = ifp;
    // Empty chains share one frozen array until an entry lands there.
    this.lle_head = new Array<llentry[]>(hsize).fill(LLE_CHAIN_EMPTY);
  }
}

/** V_lltables: every table of the vnet. */
const lltables = VNET_DEFINE_PTR<lltable[]>("lltables", []);
/** vnet_lltable_init: each vnet starts with no tables (FreeBSD 14 uses a
 *  static SLIST_HEAD_INITIALIZER; a vnet copy here needs its own array). */
function vnet_lltable_init(): void {
  VNET_PTR_SET(lltables, []);
}
VNET_SYSINIT("vnet_lltable_init", SI_SUB_INIT_IF, SI_ORDER_FIRST, vnet_lltable_init);
function V_lltables(): lltable[] {
  return VNET_PTR(lltables);
}

// ---------------------------------------------------------------------------
// The chained hash table.

function htable_foreach_lle(llt: lltable, f: llt_foreach_cb_t, farg: unknown): number {
  let error = 0;
  for (let i = 0; i < llt.llt_hsize; i++) {
    // A snapshot: the callback may unlink.
    for (const lle of llt.lle_head[i].slice()) {
      error = f(llt, lle, farg);
      if (error !== 0) break;
    }
  }
  return error;
}

/** 1 if linked now, 0 if it already was, -1 when the table is full. */
function htable_link_entry(llt: lltable, lle: llentry): number {
  if ((lle.la_flags & LLE_LINKED) !== 0) return 0;
  if (llt.llt_maxentries > 0 && llt.llt_entries >= llt.llt_maxentries) return -1;
  const hashidx = llt.llt_hash(lle, llt.llt_hsize);
  lle.lle_tbl = llt;
  lle.la_flags |= LLE_LINKED;
  let chain = llt.lle_head[hashidx];
  if (chain === LLE_CHAIN_EMPTY) llt.lle_head[hashidx] = chain = [];
  chain.unshift(lle);
  llt.llt_entries++;
  return 1;
}

function htable_unlink_entry(lle: llentry): number {
  if ((lle.la_flags & LLE_LINKED) === 0) return 0;
  const llt = lle.lle_tbl as lltable;
  KASSERT(llt.llt_entries > 0, `htable_unlink_entry: lltable ${llt.llt_ifp.if_xname} entries ${llt.llt_entries} <= 0`);
  for (const head of llt.lle_head) {
    const i = head.indexOf(lle);
    if (i >= 0) {
      head.splice(i, 1);
      break;
    }
  }
  lle.la_flags &= ~(LLE_VALID | LLE_LINKED);
  llt.llt_entries--;
  return 1;
}

function htable_prefix_free(llt: lltable, addr: lle_l3addr, mask: lle_l3addr, flags: number): void {
  const dchain: llentry[] = [];
  lltable_foreach_lle(
    llt,
    (t, lle) => {
      if (t.llt_match_prefix(addr, mask, flags, lle) !== 0) dchain.push(lle);
      return 0;
    },
    null,
  );
  for (const lle of dchain) llt.llt_unlink_entry(lle);
  for (const lle of dchain) lltable_free_entry(llt, lle);
}

// ---------------------------------------------------------------------------
// Helpers.

/** lltable_drop_entry_queue: free the held packets; how many there were. */
export function lltable_drop_entry_queue(lle: llentry): number {
  let pkts_dropped = 0;
  while (lle.la_numheld > 0 && lle.la_hold !== null) {
    const next: mbuf | null = lle.la_hold.m_nextpkt;
    lle.la_hold.m_nextpkt = null;
    m_freem(lle.la_hold);
    lle.la_hold = next;
    lle.la_numheld--;
    pkts_dropped++;
  }
  KASSERT(lle.la_numheld === 0, `lltable_drop_entry_queue: la_numheld ${lle.la_numheld} > 0, pkts_dropped ${pkts_dropped}`);
  return pkts_dropped;
}

/**
 * lltable_append_entry_queue(lle, m, maxheld): put m at the tail of the
 * entry's hold queue, first freeing the oldest packets until fewer than
 * maxheld remain (several, when maxheld was lowered while packets waited).
 * Returns how many were freed, for the caller's drop counter.
 */
export function lltable_append_entry_queue(lle: llentry, m: mbuf, maxheld: number): number {
  let pkts_dropped = 0;
  while (lle.la_numheld >= maxheld && lle.la_hold !== null) {
    const next: mbuf | null = lle.la_hold.m_nextpkt;
    lle.la_hold.m_nextpkt = null;
    m_freem(lle.la_hold);
    lle.la_hold = next;
    lle.la_numheld--;
    pkts_dropped++;
  }
  if (lle.la_hold !== null) {
    let curr = lle.la_hold;
    while (curr.m_nextpkt !== null) curr = curr.m_nextpkt;
    curr.m_nextpkt = m;
  } else lle.la_hold = m;
  lle.la_numheld++;
  return pkts_dropped;
}

/** lltable_set_entry_addr: the entry now has this link header. */
export function lltable_set_entry_addr(ifp: ifnet, lle: llentry, linkhdr: Uint8Array, linkhdrsize: number, lladdr_off: number): void {
  for (let i = 0; i < linkhdrsize; i++) lle.r_linkdata[i] = linkhdr[i];
  lle.r_hdrlen = linkhdrsize;
  const alen = ifp.if_addrlen;
  if (lle.ll_addr.length !== alen || lle.ll_addr.byteOffset !== lle.r_linkdata.byteOffset + lladdr_off)
    lle.ll_addr = lle.r_linkdata.subarray(lladdr_off, lladdr_off + alen);
  lle.la_flags |= LLE_VALID;
  lle.r_flags |= RLLE_VALID;
}

/** lltable_try_set_entry_addr: 1 on success, 0 if the entry died meanwhile. */
export function lltable_try_set_entry_addr(ifp: ifnet, lle: llentry, linkhdr: Uint8Array, linkhdrsize: number, lladdr_off: number): number {
  if ((lle.la_flags & LLE_DELETED) !== 0) return 0;
  lltable_set_entry_addr(ifp, lle, linkhdr, linkhdrsize, lladdr_off);
  return 1;
}

/** Result of lltable_calc_llheader (FreeBSD's *bufsize and *lladdr_off). */
export class llheader_result {
  bufsize = 0;
  lladdr_off = 0;
}

/** The link-level address of ifp (IF_LLADDR). */
export function lltable_if_lladdr(ifp: ifnet): Uint8Array {
  const ifa = ifp.if_addr;
  if (ifa === null || !("sdl_index" in ifa.ifa_addr)) return EMPTY;
  return (ifa.ifa_addr as sockaddr_dl).sdl_lladdr;
}
const EMPTY = new Uint8Array(0);

// Scratch for if_requestencap requests: nothing in between can re-enter.
const encap_req = new if_encap_req();
const encap_lladdr = new Uint8Array(LLE_MAX_LINKHDR);

/**
 * lltable_calc_llheader: the full link-level header for packets of `family`
 * to lladdr (if_addrlen bytes at lladdr[lladdr_pos]), written to buf, by
 * asking the interface (if_requestencap, IFENCAP_LL).  Interfaces with no
 * such method cannot (EOPNOTSUPP, as if_requestencap_default).
 * Allocation-free.
 */
export function lltable_calc_llheader(ifp: ifnet, family: number, lladdr: Uint8Array, lladdr_pos: number, buf: Uint8Array, res: llheader_result): number {
  for (let i = 0; i < buf.length; i++) buf[i] = 0;
  if (ifp.if_requestencap === null) return EOPNOTSUPP;
  const alen = ifp.if_addrlen;
  for (let i = 0; i < alen && i < encap_lladdr.length; i++) encap_lladdr[i] = lladdr[lladdr_pos + i];
  const ereq = encap_req;
  ereq.buf = buf;
  ereq.bufsize = buf.length;
  ereq.rtype = IFENCAP_LL;
  ereq.flags = 0;
  ereq.family = family;
  ereq.lladdr = encap_lladdr;
  ereq.lladdr_len = alen;
  ereq.lladdr_off = 0;
  ereq.hdata = null;
  ereq.hdata_off = 0;
  const error = ifp.if_requestencap(ifp, ereq);
  if (error === 0) {
    res.bufsize = ereq.bufsize;
    res.lladdr_off = ereq.lladdr_off;
  }
  return error;
}

/** llentry_update_ifaddr: rebuild a header after the interface's own
 *  link-level address changed. */
function llentry_update_ifaddr(llt: lltable, lle: llentry, farg: unknown): number {
  const ifp = farg as ifnet;
  if ((lle.la_flags & LLE_VALID) === 0) return 0;
  const lladdr = (lle.la_flags & LLE_IFADDR) !== 0 ? lltable_if_lladdr(ifp) : lle.ll_addr.slice();
  const buf = new Uint8Array(LLE_MAX_LINKHDR);
  const res = new llheader_result();
  lltable_calc_llheader(ifp, llt.llt_af, lladdr, 0, buf, res);
  for (let i = 0; i < res.bufsize; i++) lle.r_linkdata[i] = buf[i];
  return 0;
}

/** lltable_update_ifaddr: every header of the table after SIOCSIFLLADDR. */
export function lltable_update_ifaddr(llt: lltable): void {
  if ((llt.llt_ifp.if_flags & IFF_LOOPBACK) !== 0) return;
  lltable_foreach_lle(llt, llentry_update_ifaddr, llt.llt_ifp);
}

/**
 * llentry_free: drop the held packets and the timer of an unlinked entry;
 * returns how many packets were dropped.
 */
export function llentry_free(lle: llentry): number {
  KASSERT((lle.la_flags & LLE_LINKED) === 0, "freeing linked lle");
  const pkts_dropped = lltable_drop_entry_queue(lle);
  if (callout_stop(lle.lle_timer) > 0) lle.lle_refcnt--;
  // LLE_FREE_LOCKED: the last reference frees it.
  if (lle.lle_refcnt === 1) lle.lle_free(lle);
  else lle.lle_refcnt--;
  return pkts_dropped;
}

/**
 * llentry_mark_used: the fast path used the entry while the timer wanted
 * to know (r_skip_req); tell it.  Allocation-free.
 */
export function llentry_mark_used(lle: llentry): void {
  if (lle.r_skip_req === 0) return;
  if ((lle.r_flags & RLLE_VALID) === 0) return;
  lle.r_skip_req = 0;
  lle.lle_hittime = time_uptime();
}

/** lltable_free: the interface is going; so are its entries. */
export function lltable_free(llt: lltable): void {
  lltable_unlink(llt);
  const dchain: llentry[] = [];
  lltable_foreach_lle(
    llt,
    (_t, lle) => {
      dchain.push(lle);
      return 0;
    },
    null,
  );
  for (const lle of dchain) llt.llt_unlink_entry(lle);
  for (const lle of dchain) llentry_free(lle);
  KASSERT(llt.llt_entries === 0, `lltable_free: lltable ${llt.llt_ifp.if_xname} entries not 0: ${llt.llt_entries}`);
  llt.llt_free_tbl(llt);
}

/**
 * lltable_delete_addr: remove one entry (arp -d).  Entries for our own
 * addresses stay unless flags has LLE_IFADDR (EPERM).
 */
export function lltable_delete_addr(llt: lltable, flags: number, l3addr: lle_l3addr): number {
  const lle = lla_lookup(llt, LLE_EXCLUSIVE, l3addr);
  if (lle === null) return ENOENT;
  if ((lle.la_flags & LLE_IFADDR) !== 0 && (flags & LLE_IFADDR) === 0) return EPERM;
  lltable_unlink_entry(llt, lle);
  llt.llt_delete_entry(llt, lle);
  return 0;
}

/** lltable_prefix_free: entries inside addr/mask go from every table of af. */
export function lltable_prefix_free(af: number, addr: lle_l3addr, mask: lle_l3addr, flags: number): void {
  for (const llt of V_lltables().slice()) {
    if (llt.llt_af !== af) continue;
    llt.llt_prefix_free(llt, addr, mask, flags);
  }
}

export function lltable_allocate_htbl(hsize: number, ifp: ifnet): lltable {
  return new lltable(hsize, ifp);
}

/** lltable_link: the table joins V_lltables. */
export function lltable_link(llt: lltable): void {
  V_lltables().unshift(llt);
}

function lltable_unlink(llt: lltable): void {
  const l = V_lltables();
  const i = l.indexOf(llt);
  if (i >= 0) l.splice(i, 1);
}

export function lltable_foreach_lle(llt: lltable, f: llt_foreach_cb_t, farg: unknown): number {
  return llt.llt_foreach_entry(llt, f, farg);
}
export function lltable_alloc_entry(llt: lltable, flags: number, l3addr: lle_l3addr): llentry | null {
  return llt.llt_alloc_entry(llt, flags, l3addr);
}
export function lltable_free_entry(llt: lltable, lle: llentry): void {
  llt.llt_free_entry(llt, lle);
}
export function lltable_link_entry(llt: lltable, lle: llentry): number {
  return llt.llt_link_entry(llt, lle);
}
export function lltable_unlink_entry(llt: lltable, lle: llentry): number {
  return llt.llt_unlink_entry(lle);
}
/** lltable_fill_sa_entry: the entry's L3 address (a sockaddr in FreeBSD). */
export function lltable_fill_sa_entry(lle: llentry): number {
  return (lle.lle_tbl as lltable).llt_fill_sa_entry(lle);
}
export function lltable_get_ifp(llt: lltable): ifnet {
  return llt.llt_ifp;
}
export function lltable_get_af(llt: lltable): number {
  return llt.llt_af;
}

/** lla_lookup(llt, flags, l3addr): the linked, not deleted entry for l3addr. */
export function lla_lookup(llt: lltable, flags: number, l3addr: lle_l3addr): llentry | null {
  return llt.llt_lookup(llt, flags, l3addr);
}

// ---------------------------------------------------------------------------
// Dumps and the route-socket interface arp(8) uses.

function lltable_dump_af(llt: lltable, out: lla_dump_entry[]): number {
  if ((llt.llt_ifp.if_flags & IFF_LOOPBACK) !== 0) return 0;
  return lltable_foreach_lle(llt, (t, lle, o) => t.llt_dump_entry(t, lle, o as lla_dump_entry[]), out);
}

/** lltable_sysctl_dumparp(af): every entry of every table of af (arp -a). */
export function lltable_sysctl_dumparp(af: number): lla_dump_entry[] {
  const out: lla_dump_entry[] = [];
  for (const llt of V_lltables()) if (llt.llt_af === af) lltable_dump_af(llt, out);
  return out;
}

function lltable_by_ifp(ifp: ifnet, af: number): lltable | null {
  for (const llt of V_lltables()) if (llt.llt_af === af && llt.llt_ifp === ifp) return llt;
  return null;
}

/** lla_dump(ifp): the IPv4 entries of one interface (arp -i IF -a). */
export function lla_dump(ifp: ifnet): lla_dump_entry[] {
  const out: lla_dump_entry[] = [];
  const llt = lltable_by_ifp(ifp, AF_INET);
  if (llt !== null) lltable_dump_af(llt, out);
  return out;
}

/**
 * lla_rt_output: RTM_ADD / RTM_DELETE with RTF_LLDATA on a route socket,
 * how arp(8) adds and deletes entries.  The gateway is an AF_LINK address
 * naming the interface (sdl_index) and carrying the link-level address.
 */
export function lla_rt_output(rtm: rt_msghdr, info: rt_addrinfo): number {
  const dl = info.rti_info[RTAX_GATEWAY];
  const dst = info.rti_info[RTAX_DST];
  if (dl === null || !("sdl_index" in dl) || dst === null) return EINVAL;
  const ifp = ifnet_byindex(dl.sdl_index);
  if (ifp === null) {
    log(LOG_INFO, `lla_rt_output: invalid ifp (sdl_index ${dl.sdl_index})\n`);
    return EINVAL;
  }
  // The table's key: an IPv4 address, or an IPv6 one with its zone
  // embedded (the route socket embedded it).
  let addr: lle_l3addr;
  let af: number;
  if ("sin6_addr" in dst) {
    addr = dst.sin6_addr;
    af = dst.sin6_family;
  } else if ("sin_addr" in dst) {
    addr = dst.sin_addr;
    af = dst.sin_family;
  } else return ESRCH;
  const llt = lltable_by_ifp(ifp, af);
  if (llt === null) return ESRCH;
  switch (rtm.rtm_type) {
    case RTM_ADD:
      return lla_add_entry(ifp, llt, addr, dl.sdl_lladdr, rtm.rtm_rmx.rmx_expire, (rtm.rtm_flags & RTF_ANNOUNCE) !== 0);
    case RTM_DELETE:
      return lltable_delete_addr(llt, 0, addr);
    default:
      return EINVAL;
  }
}

function lla_add_entry(ifp: ifnet, llt: lltable, addr: lle_l3addr, lladdr: Uint8Array, expire: number, announce: boolean): number {
  const laflags = expire === 0 ? LLE_STATIC : 0;
  const lle = lltable_alloc_entry(llt, laflags, addr);
  if (lle === null) return ENOMEM;
  const linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
  const res = new llheader_result();
  if (lltable_calc_llheader(ifp, llt.llt_af, lladdr, 0, linkhdr, res) !== 0) {
    lltable_free_entry(llt, lle);
    return EINVAL;
  }
  lltable_set_entry_addr(ifp, lle, linkhdr, res.bufsize, res.lladdr_off);
  if (announce) lle.la_flags |= LLE_PUB;
  lle.la_expire = expire;
  const flags = lle.la_flags;
  const lle_tmp = lla_lookup(llt, LLE_EXCLUSIVE, addr);
  if (lle_tmp !== null) {
    // Our own addresses' entries cannot be replaced.
    if ((lle_tmp.la_flags & LLE_IFADDR) !== 0) {
      lltable_free_entry(llt, lle);
      return EPERM;
    }
    lltable_unlink_entry(llt, lle_tmp);
  }
  lltable_link_entry(llt, lle);
  if (lle_tmp !== null) lltable_free_entry(llt, lle_tmp);
  // A published entry is announced (gratuitous ARP).
  if ((flags & LLE_PUB) !== 0 && llt.llt_af === AF_INET) llt.llt_post_resolved(llt, lle);
  return 0;
}

/** lla_add_static(ifp, addr, mac): arp -s addr mac (a permanent entry). */
export function lla_add_static(ifp: ifnet, addr: number, mac: Uint8Array, pub = false): number {
  const llt = lltable_by_ifp(ifp, AF_INET);
  if (llt === null) return ESRCH;
  if (mac.length !== ifp.if_addrlen) return EINVAL;
  return lla_add_entry(ifp, llt, addr >>> 0, mac, 0, pub);
}

/** lla_delete(ifp, addr): arp -d addr.  ENOENT if there is no such entry,
 *  EPERM for one of our own addresses. */
export function lla_delete(ifp: ifnet, addr: number): number {
  const llt = lltable_by_ifp(ifp, AF_INET);
  if (llt === null) return ESRCH;
  return lltable_delete_addr(llt, 0, addr >>> 0);
}

// ---------------------------------------------------------------------------
// IPv6 keys.  An inet6 table's entries are keyed by an in6_addr
// (netinet6/in6.ts, in6.c's lltable half); the NET_RT_FLAGS dump for
// AF_INET6 (ndp -a) is written there.

let lltable_sysctl_dump6: ((out: number[]) => void) | null = null;
/** Set by netinet6/in6.ts when it loads. */
export function lltable_sysctl_dump6_set(dump: (out: number[]) => void): void {
  lltable_sysctl_dump6 = dump;
}
/** The AF_INET6 neighbor entries of curvnet as routing messages (ndp's dump). */
export function lltable_sysctl_dumpnd6(out: number[]): void {
  if (lltable_sysctl_dump6 !== null) lltable_sysctl_dump6(out);
}
