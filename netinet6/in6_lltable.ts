// sys/netinet6/in6.c (its in6_lltable_* half): the IPv6 neighbor table of an
// interface, the lltable nd6 keeps its neighbor cache in.  Kept apart from
// in6.ts this session so two helpers can work at once; it folds into in6.ts.
//
// An entry is an in6_llentry: the generic llentry (net/if_llatbl.ts) plus
// its IPv6 address, embedded zone included (FreeBSD keeps it in the union
// r_l3addr).  The generic table methods of if_llatbl.ts are keyed by an IPv4
// number; for this table they never match (an IPv4 key names no IPv6
// neighbor), and the IPv6-keyed operations are the in6_lltable_* functions
// below, which nd6 and the route-socket requests of ndp(8) call.
//
// Departures from FreeBSD 14:
// - a published (proxy, "ndp -s ... proxy") entry joins the solicited-node
//   group of its address on the interface while it exists, so that the
//   neighbor solicitations for it arrive (proxy_ndp.sh checks the group).

import { EINVAL, ENOENT, ENOMEM, EPERM, ESRCH } from "../kern/errno.ts";
import { log } from "../kern/subr_prf.ts";
import { AF_INET6, AF_LINK } from "../kern/socket.ts";
import { boottime_s, hz, time_uptime } from "../kern/kern_timeout.ts";
import { V_ifnet, ifnet_byindex, type ifnet } from "../net/if.ts";
import type { sockaddr_dl } from "../net/if_dl.ts";
import {
  LLE_DELETED,
  LLE_IFADDR,
  LLE_LINKED,
  LLE_MAX_LINKHDR,
  LLE_PUB,
  LLE_STATIC,
  LLE_UNLOCKED,
  LLE_VALID,
  LLENTRY_DELETED,
  LLENTRY_EXPIRED,
  LLENTRY_RESOLVED,
  lla_rt_output6_set,
  llentry,
  llentry_free,
  lltable,
  lltable_allocate_htbl,
  lltable_calc_llheader,
  lltable_foreach_lle,
  lltable_if_lladdr,
  lltable_link,
  lltable_set_entry_addr,
  llheader_result,
} from "../net/if_llatbl.ts";
import { RTAX_DST, RTAX_GATEWAY, RTF_ANNOUNCE, RTF_GATEWAY, RTF_HOST, RTF_LLDATA, RTF_PINNED, RTF_STATIC, RTF_UP, RTM_ADD, RTM_DELETE, RTM_GET, type rt_addrinfo } from "../net/route.ts";
import { NHF_GATEWAY, NHR_NONE } from "../net/route/nhop.ts";
import type { rt_msghdr } from "../net/rtsock.ts";
import { fib6_lookup } from "./in6_fib.ts";

import { in6_joingroup, in6_leavegroup, type in6_multi } from "./in6_mcast.ts";
import { sa6_recoverscope } from "./scope6.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_ARE_MASKED_ADDR_EQUAL, IN6_IS_SCOPE_EMBED, in6_addr, in6_addr_copy, in6_ifaddr, in6_ifextra_get, ip6_sprintf, s6_addr16, s6_addr16_set, sockaddr_in6 } from "./in6_var.ts";

// sys/syslog.h
const LOG_INFO = 6;

/** ND6_LLINFO_REACHABLE (nd6.h): a static entry is born reachable. */
const ND6_LLINFO_REACHABLE = 1;

const IN6_LLTBL_DEFAULT_HSIZE = 32;

/**
 * IN6_LLTBL_HASH over s6_addr32[3] as an amd64 kernel reads it (the four
 * bytes little-endian), so entries fall in FreeBSD's buckets and ndp -a
 * lists them in FreeBSD's order.
 */
function in6_lltable_hash_dst(dst: in6_addr, hsize: number): number {
  const b = dst.s6_addr;
  const k = (b[12] | (b[13] << 8) | (b[14] << 16) | (b[15] << 24)) >>> 0;
  return ((((((k >>> 8) ^ k) >>> 8) ^ k) >>> 8) ^ k) & (hsize - 1);
}

/** struct in6_llentry: an llentry keyed by an IPv6 address. */
export class in6_llentry extends llentry {
  /** r_l3addr.addr6: the neighbor's address, its zone embedded. */
  readonly r_l3addr6 = new in6_addr();
  /** The solicited-node membership of a published entry (see the header). */
  ln_proxy_inm: in6_multi | null = null;
}

/** The IPv6 address of an entry of an inet6 table. */
export function lle_addr6(lle: llentry): in6_addr {
  return (lle as in6_llentry).r_l3addr6;
}

/** The lle_event observers (EVENTHANDLER lle_event): nd6 reports to the route socket there. */
type lle_event_fn = (lle: llentry, evt: number) => void;
const lle_event_handlers: lle_event_fn[] = [];
export function in6_lle_event_register(f: lle_event_fn): void {
  lle_event_handlers.push(f);
}
/** EVENTHANDLER_INVOKE(lle_event, lle, evt) for an IPv6 entry. */
export function in6_lle_event(lle: llentry, evt: number): void {
  for (let i = 0; i < lle_event_handlers.length; i++) lle_event_handlers[i](lle, evt);
}

function in6_lltable_destroy_lle(lle: llentry): void {
  lle.lle_refcnt = 0;
}

function in6_lltable_new(addr6: in6_addr, _flags: number): in6_llentry {
  const lle = new in6_llentry();
  in6_addr_copy(lle.r_l3addr6, addr6);
  lle.lle_refcnt = 1;
  lle.lle_free = in6_lltable_destroy_lle;
  return lle;
}

/** in6_lltable_match_prefix: is the entry inside addr/mask (and may it go)? */
export function in6_lltable_match_prefix(addr: in6_addr, mask: in6_addr, flags: number, lle: llentry): number {
  const lle_addr = lle_addr6(lle);
  if (!IN6_ARE_MASKED_ADDR_EQUAL(lle_addr, addr, mask)) return 0;
  if ((lle.la_flags & LLE_IFADDR) !== 0) {
    // Our own address's entry goes only with that address itself.
    if (IN6_ARE_ADDR_EQUAL(addr, lle_addr) && (flags & LLE_STATIC) !== 0) return 1;
    return 0;
  }
  // LLE_STATIC asks for the static entries too.
  if ((flags & LLE_STATIC) !== 0 || (lle.la_flags & LLE_STATIC) === 0) return 1;
  return 0;
}

/** A published entry's membership goes with it. */
function in6_lltable_proxy_leave(lle: llentry): void {
  const e = lle as in6_llentry;
  if (e.ln_proxy_inm !== null) {
    const inm = e.ln_proxy_inm;
    e.ln_proxy_inm = null;
    in6_leavegroup(inm, null);
  }
}

function in6_lltable_free_entry(llt: lltable, lle: llentry): void {
  if ((lle.la_flags & LLE_LINKED) !== 0) llt.llt_unlink_entry(lle);
  in6_lltable_proxy_leave(lle);
  llentry_free(lle);
}

/** in6_splitscope: the address without its embedded zone, and the zone. */
function in6_splitscope_zone(src: in6_addr, dst: in6_addr): number {
  in6_addr_copy(dst, src);
  if (!IN6_IS_SCOPE_EMBED(src)) return 0;
  const zoneid = s6_addr16(src, 1);
  if (zoneid !== 0) s6_addr16_set(dst, 1, 0);
  return zoneid;
}

const rtcheck_dst = new in6_addr();

/**
 * in6_lltable_rtcheck: an entry may be made for an address a route puts on
 * ifp's link, or one inside a prefix of ifp's own addresses.
 */
function in6_lltable_rtcheck(ifp: ifnet, _flags: number, addr: in6_addr): number {
  const scopeid = in6_splitscope_zone(addr, rtcheck_dst);
  const nh = fib6_lookup(ifp.if_fib, rtcheck_dst, scopeid, NHR_NONE, 0);
  if (nh !== null && ((nh.nh_flags & NHF_GATEWAY) !== 0 || nh.nh_ifp !== ifp)) {
    // A neighbor not covered by our own prefixes (ifaof_ifpforaddr).
    if (in6_ifaof_ifpforaddr(addr, ifp) !== null) return 0;
    log(LOG_INFO, `IPv6 address: "${ip6_sprintf(addr)}" is not on the network\n`);
    return EINVAL;
  }
  return 0;
}

/** ifaof_ifpforaddr for an IPv6 address: an address of ifp whose prefix holds addr. */
function in6_ifaof_ifpforaddr(addr: in6_addr, ifp: ifnet): in6_ifaddr | null {
  let first: in6_ifaddr | null = null;
  const list = ifp.if_addrhead;
  for (let i = 0; i < list.length; i++) {
    const ifa = list[i];
    if (!(ifa instanceof in6_ifaddr)) continue;
    if (first === null) first = ifa;
    if (IN6_ARE_MASKED_ADDR_EQUAL(ifa.ia_addr.sin6_addr, addr, ifa.ia_prefixmask.sin6_addr)) return ifa;
  }
  // FreeBSD's falls back to the first address of the family on a
  // point-to-point interface only; an Ethernet one gets none.
  void first;
  return null;
}

/** in6_lltable_mark_used: the data path used the entry (the STALE timer wants to know). */
function in6_lltable_mark_used(lle: llentry): void {
  lle.r_skip_req = 0;
  lle.lle_hittime = time_uptime();
}

function in6_lltable_hash(lle: llentry, hsize: number): number {
  return in6_lltable_hash_dst(lle_addr6(lle), hsize);
}

/** in6_lltable_fill_sa_entry: the entry's address as a sockaddr_in6. */
export function in6_lltable_fill_sa_entry(lle: llentry, sin6: sockaddr_in6): void {
  sin6.sin6_len = 28;
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = 0;
  sin6.sin6_flowinfo = 0;
  sin6.sin6_scope_id = 0;
  in6_addr_copy(sin6.sin6_addr, lle_addr6(lle));
}

/** in6_lltable_find_dst: allocation-free lookup. */
function in6_lltable_find_dst(llt: lltable, dst: in6_addr): llentry | null {
  const chain = llt.lle_head[in6_lltable_hash_dst(dst, llt.llt_hsize)];
  for (let i = 0; i < chain.length; i++) {
    const lle = chain[i];
    if ((lle.la_flags & LLE_DELETED) !== 0) continue;
    if (IN6_ARE_ADDR_EQUAL(lle_addr6(lle), dst)) return lle;
  }
  return null;
}

function in6_lltable_delete_entry(_llt: lltable, lle: llentry): void {
  lle.la_flags |= LLE_DELETED;
  in6_lle_event(lle, LLENTRY_DELETED);
  in6_lltable_proxy_leave(lle);
  llentry_free(lle);
}

// Made on first use: LLE_MAX_LINKHDR's module may load after this one.
let ifaddr_linkhdr: Uint8Array | null = null;
const ifaddr_llres = new llheader_result();

/** in6_lltable_alloc: a new entry (not linked) for addr6; null when no route puts it on the link. */
export function in6_lltable_alloc(llt: lltable, flags: number, addr6: in6_addr): llentry | null {
  const ifp = llt.llt_ifp;
  // Resolution needs a route that covers the address.
  if ((flags & LLE_IFADDR) === 0 && in6_lltable_rtcheck(ifp, flags, addr6) !== 0) return null;
  const lle = in6_lltable_new(addr6, flags);
  lle.la_flags = flags;
  if ((flags & LLE_IFADDR) === LLE_IFADDR) {
    if (ifaddr_linkhdr === null) ifaddr_linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
    if (lltable_calc_llheader(ifp, AF_INET6, lltable_if_lladdr(ifp), 0, ifaddr_linkhdr, ifaddr_llres) !== 0) {
      llentry_free(lle);
      return null;
    }
    lltable_set_entry_addr(ifp, lle, ifaddr_linkhdr, ifaddr_llres.bufsize, ifaddr_llres.lladdr_off);
    lle.la_flags |= LLE_STATIC;
  }
  if ((lle.la_flags & LLE_STATIC) !== 0) lle.ln_state = ND6_LLINFO_REACHABLE;
  return lle;
}

/** in6_lltable_lookup (lla_lookup on an inet6 table): the linked entry for addr6.  Allocation-free. */
export function in6_lltable_lookup(llt: lltable, flags: number, addr6: in6_addr): llentry | null {
  const lle = in6_lltable_find_dst(llt, addr6);
  if (lle === null) return null;
  if ((flags & LLE_UNLOCKED) !== 0) return lle;
  if ((lle.la_flags & LLE_LINKED) === 0) return null;
  return lle;
}

// ---------------------------------------------------------------------------
// The dump ndp(8) reads: sysctl {CTL_NET, PF_ROUTE, 0, AF_INET6,
// NET_RT_FLAGS, RTF_LLINFO}, one RTM_GET message per entry, as
// in6_lltable_dump_entry writes them (rt_msghdr, sockaddr_in6, sockaddr_dl).
// Words rather than bytes, as the other routing dumps here:
//   [len, RTM_GET, rtm_flags, rtm_index, sdl_type, rmx_expire (wall clock,
//    0 = permanent), rmx_state (ln_state), rmx_pksent (la_asked),
//    sin6_scope_id, the 16 address bytes, sdl_alen (0 while incomplete)
//    and the link-level address, then the interface name (length, codes)].

export const RTN_FLAGS = 2;
export const RTN_INDEX = 3;
export const RTN_IFTYPE = 4;
export const RTN_EXPIRE = 5;
export const RTN_STATE = 6;
export const RTN_PKSENT = 7;
export const RTN_SCOPEID = 8;
export const RTN_ADDR = 9;
export const RTN_LLADDR = 25;

const dump_sin6 = new sockaddr_in6();

function in6_lltable_dump_entry(llt: lltable, lle: llentry, out: number[]): number {
  const ifp = llt.llt_ifp;
  if ((lle.la_flags & LLE_DELETED) === LLE_DELETED) return 0;
  in6_lltable_fill_sa_entry(lle, dump_sin6);
  sa6_recoverscope(dump_sin6);
  let flags = RTF_UP;
  if ((lle.la_flags & LLE_PUB) !== 0) flags |= RTF_ANNOUNCE;
  flags |= RTF_HOST | RTF_LLDATA;
  if ((lle.la_flags & LLE_STATIC) !== 0) flags |= RTF_STATIC;
  if ((lle.la_flags & LLE_IFADDR) !== 0) flags |= RTF_PINNED;
  if (lle.ln_router !== 0) flags |= RTF_GATEWAY;
  // rmx_expire = la_expire + lle_remtime / hz + time_second - time_uptime.
  const time_second = boottime_s + time_uptime() - 1;
  const expire = lle.la_expire !== 0 ? lle.la_expire + Math.floor(lle.lle_remtime / hz) + time_second - time_uptime() : 0;
  const at = out.length;
  out.push(0, RTM_GET, flags, ifp.if_index, ifp.if_type, expire, lle.ln_state, lle.la_asked, dump_sin6.sin6_scope_id);
  const a = dump_sin6.sin6_addr.s6_addr;
  for (let i = 0; i < 16; i++) out.push(a[i]);
  if ((lle.la_flags & LLE_VALID) === LLE_VALID) {
    out.push(ifp.if_addrlen);
    for (let i = 0; i < ifp.if_addrlen; i++) out.push(lle.ll_addr[i]);
  } else out.push(0);
  const name = ifp.if_xname;
  out.push(name.length);
  for (let i = 0; i < name.length; i++) out.push(name.charCodeAt(i));
  out[at] = out.length - at;
  return 0;
}

/** in6_lltable_sysctl_dump: every entry of every inet6 table of curvnet (loopback excepted). */
export function in6_lltable_sysctl_dump(out: number[]): void {
  for (const ifp of V_ifnet()) {
    const llt = in6_lltable_get(ifp);
    if (llt === null || (ifp.if_flags & 0x8) /* IFF_LOOPBACK */ !== 0) continue;
    lltable_foreach_lle(llt, (t, lle) => in6_lltable_dump_entry(t, lle, out), null);
  }
}

// ---------------------------------------------------------------------------
// Attaching.

/** The IPv4-keyed methods: no IPv4 number names an IPv6 neighbor. */
function in6_lltable_no_v4key(): null {
  return null;
}
function in6_lltable_no_v4match(): number {
  return 0;
}

/** in6_lltattach: ifp's inet6 table, linked into the vnet's list. */
export function in6_lltattach(ifp: ifnet): lltable {
  const llt = lltable_allocate_htbl(IN6_LLTBL_DEFAULT_HSIZE, ifp);
  llt.llt_af = AF_INET6;
  llt.llt_ifp = ifp;
  llt.llt_lookup = in6_lltable_no_v4key;
  llt.llt_alloc_entry = in6_lltable_no_v4key;
  llt.llt_delete_entry = in6_lltable_delete_entry;
  llt.llt_dump_entry = () => 0;
  llt.llt_hash = in6_lltable_hash;
  llt.llt_free_entry = in6_lltable_free_entry;
  llt.llt_match_prefix = in6_lltable_no_v4match;
  llt.llt_mark_used = in6_lltable_mark_used;
  lltable_link(llt);
  return llt;
}

/** LLTABLE6(ifp): ifp's inet6 table, null before in6_domifattach.  Allocation-free. */
export function in6_lltable_get(ifp: ifnet): lltable | null {
  const ext = in6_ifextra_get(ifp);
  return ext === null ? null : ext.lltable;
}

// ---------------------------------------------------------------------------
// The IPv6-keyed counterparts of if_llatbl.c's lltable_delete_addr,
// lltable_prefix_free and lla_rt_output.

/** lltable_delete_addr on an inet6 table (ndp -d, an address going). */
export function in6_lltable_delete_addr(llt: lltable, flags: number, addr6: in6_addr): number {
  const lle = in6_lltable_lookup(llt, 0, addr6);
  if (lle === null) return ENOENT;
  if ((lle.la_flags & LLE_IFADDR) !== 0 && (flags & LLE_IFADDR) === 0) return EPERM;
  llt.llt_unlink_entry(lle);
  llt.llt_delete_entry(llt, lle);
  return 0;
}

/** lltable_prefix_free(AF_INET6, addr, mask, flags): every inet6 table of curvnet. */
export function in6_lltable_prefix_free(addr: in6_addr, mask: in6_addr, flags: number): void {
  for (const ifp of V_ifnet()) {
    const llt = in6_lltable_get(ifp);
    if (llt === null) continue;
    const dchain: llentry[] = [];
    lltable_foreach_lle(
      llt,
      (_t, lle) => {
        if (in6_lltable_match_prefix(addr, mask, flags, lle) !== 0) dchain.push(lle);
        return 0;
      },
      null,
    );
    for (const lle of dchain) llt.llt_unlink_entry(lle);
    for (const lle of dchain) llt.llt_free_entry(llt, lle);
  }
}

const rtout_linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
const rtout_res = new llheader_result();
const solicited = new in6_addr();

/**
 * lla_rt_output for an AF_INET6 destination: RTM_ADD (ndp -s: a static
 * entry, published with RTF_ANNOUNCE) and RTM_DELETE (ndp -d) with
 * RTF_LLDATA.  The gateway is an AF_LINK address naming the interface.
 */
export function in6_lla_rt_output(rtm: rt_msghdr, info: rt_addrinfo): number {
  const dl = info.rti_info[RTAX_GATEWAY];
  const dst = info.rti_info[RTAX_DST];
  if (dl === null || !("sdl_index" in dl) || dl.sdl_family !== AF_LINK || dst === null || !("sin6_addr" in dst)) return EINVAL;
  const sdl = dl as sockaddr_dl;
  const ifp = ifnet_byindex(sdl.sdl_index);
  if (ifp === null) {
    log(LOG_INFO, `lla_rt_output: invalid ifp (sdl_index ${sdl.sdl_index})\n`);
    return EINVAL;
  }
  const llt = in6_lltable_get(ifp);
  if (llt === null) return ESRCH;
  const addr = dst.sin6_addr;
  switch (rtm.rtm_type) {
    case RTM_ADD: {
      const laflags = rtm.rtm_rmx.rmx_expire === 0 ? LLE_STATIC : 0;
      const lle = in6_lltable_alloc(llt, laflags, addr);
      if (lle === null) return ENOMEM;
      if (lltable_calc_llheader(ifp, AF_INET6, sdl.sdl_lladdr, 0, rtout_linkhdr, rtout_res) !== 0) return EINVAL;
      lltable_set_entry_addr(ifp, lle, rtout_linkhdr, rtout_res.bufsize, rtout_res.lladdr_off);
      if ((rtm.rtm_flags & RTF_ANNOUNCE) !== 0) lle.la_flags |= LLE_PUB;
      lle.la_expire = rtm.rtm_rmx.rmx_expire;
      const lle_tmp = in6_lltable_lookup(llt, 0, addr);
      if (lle_tmp !== null) {
        // Our own addresses' entries cannot be replaced.
        if ((lle_tmp.la_flags & LLE_IFADDR) !== 0) {
          llt.llt_free_entry(llt, lle);
          return EPERM;
        }
        llt.llt_unlink_entry(lle_tmp);
      }
      llt.llt_link_entry(llt, lle);
      if (lle_tmp !== null) {
        in6_lle_event(lle_tmp, LLENTRY_EXPIRED);
        llt.llt_free_entry(llt, lle_tmp);
      }
      in6_lle_event(lle, LLENTRY_RESOLVED);
      if ((lle.la_flags & LLE_PUB) !== 0) {
        // ff02::1:ffXX:XXXX, where the solicitations for it are sent.
        solicited.s6_addr.fill(0);
        solicited.s6_addr[0] = 0xff;
        solicited.s6_addr[1] = 0x02;
        solicited.s6_addr[11] = 0x01;
        solicited.s6_addr[12] = 0xff;
        for (let i = 13; i < 16; i++) solicited.s6_addr[i] = addr.s6_addr[i];
        s6_addr16_set(solicited, 1, ifp.if_index);
        const pinm: { inm: in6_multi | null } = { inm: null };
        if (in6_joingroup(ifp, solicited, null, pinm, 0) === 0) (lle as in6_llentry).ln_proxy_inm = pinm.inm;
      }
      return 0;
    }
    case RTM_DELETE:
      return in6_lltable_delete_addr(llt, 0, addr);
    default:
      return EINVAL;
  }
}
lla_rt_output6_set(in6_lla_rt_output, in6_lltable_sysctl_dump);
