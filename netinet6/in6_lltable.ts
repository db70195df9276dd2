// sys/netinet6/in6.c (its in6_lltable_* half): the IPv6 neighbor table of an
// interface, the lltable nd6 keeps its neighbor cache in.  Kept apart from
// in6.ts this session so two helpers can work at once; it folds into in6.ts.
//
// An entry's key is its IPv6 address, zone embedded (in6_llentry.r_l3addr6);
// the generic table code of net/if_llatbl.ts hands these methods an
// in6_addr where an IPv4 table's get a number.
//
// Departures from FreeBSD 14:
// - a published (proxy, "ndp -s ADDR MAC proxy") entry joins the
//   solicited-node group of its address on the interface while it is in
//   the table, so that the solicitations for it arrive (proxy_ndp.sh checks
//   the group; later FreeBSD does this, 14.0 does not).

import { EINVAL, ENOMEM, EPERM, ESRCH } from "../kern/errno.ts";
import { log } from "../kern/subr_prf.ts";
import { AF_INET6 } from "../kern/socket.ts";
import { boottime_s, hz, time_uptime } from "../kern/kern_timeout.ts";
import { ifnet_byindex, type ifnet } from "../net/if.ts";
import {
  LLE_DELETED,
  LLE_EXCLUSIVE,
  LLE_IFADDR,
  LLE_LINKED,
  LLE_MAX_LINKHDR,
  LLE_PUB,
  LLE_STATIC,
  LLE_UNLOCKED,
  LLE_VALID,
  LLENTRY_DELETED,
  llentry,
  llentry_free,
  lltable,
  lltable_allocate_htbl,
  lltable_calc_llheader,
  lltable_if_lladdr,
  lltable_link,
  lltable_set_entry_addr,
  lltable_alloc_entry,
  lltable_delete_addr,
  lltable_free_entry,
  lltable_link_entry,
  lltable_sysctl_dumparp,
  lltable_unlink_entry,
  lla_lookup,
  lla_rt_output6_set,
  llheader_result,
  type lla_dump_entry,
  type lle_l3addr,
} from "../net/if_llatbl.ts";
import { RTAX_DST, RTAX_GATEWAY, RTF_ANNOUNCE, RTF_GATEWAY, RTF_HOST, RTF_LLDATA, RTF_PINNED, RTF_STATIC, RTF_UP, RTM_ADD, RTM_DELETE, RTM_GET, type rt_addrinfo } from "../net/route.ts";
import { RTM_HDR_LEN, type rt_msghdr } from "../net/rtsock.ts";
import { NHF_GATEWAY, NHR_NONE } from "../net/route/nhop.ts";
import { fib6_lookup } from "./in6_fib.ts";

import { in6_joingroup, in6_leavegroup, type in6_multi } from "./in6_mcast.ts";
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

/** struct in6_llentry: an llentry of an inet6 table. */
export class in6_llentry extends llentry {
  /** The union's addr6: the neighbour's address, zone embedded. */
  readonly r_l3addr6 = new in6_addr();
  /** The solicited-node membership of a published entry (see the header). */
  ln_proxy_inm: in6_multi | null = null;
}

/** An inet6 table's entry's address (its r_l3addr6); allocation-free. */
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
function in6_lltable_match_prefix(saddr: lle_l3addr, smask: lle_l3addr, flags: number, lle: llentry): number {
  if (typeof saddr === "number" || typeof smask === "number") return 0;
  const lle_addr = lle_addr6(lle);
  if (!IN6_ARE_MASKED_ADDR_EQUAL(lle_addr, saddr, smask)) return 0;
  if ((lle.la_flags & LLE_IFADDR) !== 0) {
    // Our own address's entry goes only with that address itself.
    if (IN6_ARE_ADDR_EQUAL(saddr, lle_addr) && (flags & LLE_STATIC) !== 0) return 1;
    return 0;
  }
  // LLE_STATIC asks for the static entries too.
  if ((flags & LLE_STATIC) !== 0 || (lle.la_flags & LLE_STATIC) === 0) return 1;
  return 0;
}

/** A published entry's membership goes with it. */
function in6_lltable_proxy_leave(lle: llentry): void {
  if (!(lle instanceof in6_llentry) || lle.ln_proxy_inm === null) return;
  const inm = lle.ln_proxy_inm;
  lle.ln_proxy_inm = null;
  in6_leavegroup(inm, null);
}

const solicited = new in6_addr();

/** A published entry joins its address's solicited-node group (see the header). */
function in6_lltable_proxy_join(llt: lltable, lle: llentry): void {
  if (!(lle instanceof in6_llentry) || (lle.la_flags & LLE_PUB) === 0 || lle.ln_proxy_inm !== null) return;
  const ifp = llt.llt_ifp;
  // ff02::1:ffXX:XXXX, zone embedded.
  solicited.s6_addr.fill(0);
  solicited.s6_addr[0] = 0xff;
  solicited.s6_addr[1] = 0x02;
  solicited.s6_addr[11] = 0x01;
  solicited.s6_addr[12] = 0xff;
  for (let i = 13; i < 16; i++) solicited.s6_addr[i] = lle_addr6(lle).s6_addr[i];
  s6_addr16_set(solicited, 1, ifp.if_index);
  const pinm: { inm: in6_multi | null } = { inm: null };
  if (in6_joingroup(ifp, solicited, null, pinm, 0) === 0) lle.ln_proxy_inm = pinm.inm;
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
    // A neighbor not covered by our own prefix (ifaof_ifpforaddr).
    for (const ifa of ifp.if_addrhead) if (ifa instanceof in6_ifaddr && IN6_ARE_MASKED_ADDR_EQUAL(ifa.ia_addr.sin6_addr, addr, ifa.ia_prefixmask.sin6_addr)) return 0;
    log(LOG_INFO, `IPv6 address: "${ip6_sprintf(addr)}" is not on the network\n`);
    return EINVAL;
  }
  return 0;
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
function in6_lltable_alloc(llt: lltable, flags: number, l3addr: lle_l3addr): llentry | null {
  if (typeof l3addr === "number") return null;
  const ifp = llt.llt_ifp;
  // Resolution needs a route that covers the address.
  if ((flags & LLE_IFADDR) === 0 && in6_lltable_rtcheck(ifp, flags, l3addr) !== 0) return null;
  const lle = in6_lltable_new(l3addr, flags);
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

/** in6_lltable_lookup (lla_lookup on an inet6 table): the linked entry for an address.  Allocation-free. */
function in6_lltable_lookup(llt: lltable, flags: number, l3addr: lle_l3addr): llentry | null {
  if (typeof l3addr === "number") return null;
  const lle = in6_lltable_find_dst(llt, l3addr);
  if (lle === null) return null;
  if ((flags & LLE_UNLOCKED) !== 0) return lle;
  if ((lle.la_flags & LLE_LINKED) === 0) return null;
  return lle;
}

/**
 * in6_lltable_dump_entry: one row of the NET_RT_FLAGS dump ndp reads: the
 * address (zone embedded; the route socket recovers it), the link-level
 * address when valid, RTF_GATEWAY for a router, and the expiry (la_expire
 * plus what lle_remtime adds to a STALE entry's, 0 for permanent).
 */
/** A dump row of an inet6 table: the address in addr6. */
interface in6_dump_entry extends lla_dump_entry {
  addr6: in6_addr;
}

function in6_lltable_dump_entry(llt: lltable, lle: llentry, out: lla_dump_entry[]): number {
  const ifp = llt.llt_ifp;
  if ((lle.la_flags & LLE_DELETED) === LLE_DELETED) return 0;
  let flags = RTF_UP;
  if ((lle.la_flags & LLE_PUB) !== 0) flags |= RTF_ANNOUNCE;
  flags |= RTF_HOST | RTF_LLDATA;
  if ((lle.la_flags & LLE_STATIC) !== 0) flags |= RTF_STATIC;
  if ((lle.la_flags & LLE_IFADDR) !== 0) flags |= RTF_PINNED;
  if (lle.ln_router !== 0) flags |= RTF_GATEWAY;
  const addr6 = new in6_addr();
  in6_addr_copy(addr6, lle_addr6(lle));
  const row: in6_dump_entry = {
    addr: 0,
    addr6,
    lladdr: (lle.la_flags & LLE_VALID) === LLE_VALID ? lle.ll_addr.slice() : null,
    flags,
    expire: lle.la_expire !== 0 ? lle.la_expire + Math.floor(lle.lle_remtime / hz) : 0,
    ifname: ifp.if_xname,
    ifindex: ifp.if_index,
    la_flags: lle.la_flags,
  };
  out.push(row);
  return 0;
}

/** The table's link method: the hash table's, then a published entry's group. */
function in6_lltable_link_entry(llt: lltable, lle: llentry, base: (llt: lltable, lle: llentry) => number): number {
  const r = base(llt, lle);
  if (r > 0) in6_lltable_proxy_join(llt, lle);
  return r;
}

/** in6_lltattach: ifp's inet6 table, linked into the vnet's list. */
export function in6_lltattach(ifp: ifnet): lltable {
  const llt = lltable_allocate_htbl(IN6_LLTBL_DEFAULT_HSIZE, ifp);
  llt.llt_af = AF_INET6;
  llt.llt_ifp = ifp;
  llt.llt_lookup = in6_lltable_lookup;
  llt.llt_alloc_entry = in6_lltable_alloc;
  llt.llt_delete_entry = in6_lltable_delete_entry;
  llt.llt_dump_entry = in6_lltable_dump_entry;
  llt.llt_hash = in6_lltable_hash;
  llt.llt_free_entry = in6_lltable_free_entry;
  llt.llt_match_prefix = in6_lltable_match_prefix;
  llt.llt_mark_used = in6_lltable_mark_used;
  const base = llt.llt_link_entry;
  llt.llt_link_entry = (t, lle) => in6_lltable_link_entry(t, lle, base);
  lltable_link(llt);
  return llt;
}

/** LLTABLE6(ifp): ifp's inet6 table, null before in6_domifattach.  Allocation-free. */
export function in6_lltable_get(ifp: ifnet): lltable | null {
  const ext = in6_ifextra_get(ifp);
  return ext === null ? null : ext.lltable;
}

// ---------------------------------------------------------------------------
// The route socket's AF_INET6 requests (net/if_llatbl.ts's lla_rt_output hands
// them here through lla_rt_output6_set): ndp -s / -d, and the NET_RT_FLAGS
// dump ndp -a reads.

/** lla_rt_output for an AF_INET6 destination (zone embedded by the route socket). */
function in6_lla_rt_output(rtm: rt_msghdr, info: rt_addrinfo): number {
  const dl = info.rti_info[RTAX_GATEWAY];
  const dst = info.rti_info[RTAX_DST];
  if (dl === null || !("sdl_index" in dl) || dst === null || !("sin6_addr" in dst)) return EINVAL;
  const ifp = ifnet_byindex(dl.sdl_index);
  if (ifp === null) return EINVAL;
  const llt = in6_lltable_get(ifp);
  if (llt === null) return ESRCH;
  const addr = dst.sin6_addr;
  switch (rtm.rtm_type) {
    case RTM_ADD: {
      const expire = rtm.rtm_rmx.rmx_expire;
      const lle = lltable_alloc_entry(llt, expire === 0 ? LLE_STATIC : 0, addr);
      if (lle === null) return ENOMEM;
      const linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
      const res = new llheader_result();
      if (lltable_calc_llheader(ifp, AF_INET6, dl.sdl_lladdr, 0, linkhdr, res) !== 0) {
        lltable_free_entry(llt, lle);
        return EINVAL;
      }
      lltable_set_entry_addr(ifp, lle, linkhdr, res.bufsize, res.lladdr_off);
      if ((rtm.rtm_flags & RTF_ANNOUNCE) !== 0) lle.la_flags |= LLE_PUB;
      lle.la_expire = expire;
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
      return 0;
    }
    case RTM_DELETE:
      return lltable_delete_addr(llt, 0, addr);
    default:
      return EINVAL;
  }
}

/**
 * The NET_RT_FLAGS dump of the inet6 tables (sysctl_dumparp for AF_INET6),
 * one RTM_GET message per entry in net/rtsock.ts's RTL_ layout: RTF_ flags,
 * at RTL_DST the address as rt_msg_sa_push writes an AF_INET6 sockaddr
 * (family, four words, zone in sin6_scope_id), then the interface's index
 * and type, rmx_expire on the wall clock (0: permanent), the link-level
 * address (its length, -1 while incomplete, and bytes) and the interface
 * name (rt_msg_sa_decode finds where these start).
 */
function in6_lltable_sysctl_dump(out: number[]): void {
  const time_second = boottime_s + time_uptime() - 1;
  for (const e of lltable_sysctl_dumparp(AF_INET6) as in6_dump_entry[]) {
    const at = out.length;
    const ifp = ifnet_byindex(e.ifindex);
    out.push(0, RTM_GET, e.flags, AF_INET6);
    const b = e.addr6.s6_addr;
    let zone = 0;
    if (IN6_IS_SCOPE_EMBED(e.addr6)) zone = (b[2] << 8) | b[3];
    for (let i = 0; i < 4; i++) {
      const hi = i === 0 && zone !== 0 ? b[0] << 24 | b[1] << 16 : (b[i * 4] << 24) | (b[i * 4 + 1] << 16) | (b[i * 4 + 2] << 8) | b[i * 4 + 3];
      out.push(hi >>> 0);
    }
    out.push(zone);
    out.push(e.ifindex, ifp !== null ? ifp.if_type : 0, e.expire === 0 ? 0 : e.expire - time_uptime() + time_second);
    if (e.lladdr === null) out.push(-1);
    else out.push(e.lladdr.length, ...e.lladdr);
    out.push(e.ifname.length);
    for (let i = 0; i < e.ifname.length; i++) out.push(e.ifname.charCodeAt(i));
    out[at + RTM_HDR_LEN] = out.length - at;
  }
}

lla_rt_output6_set(in6_lla_rt_output, in6_lltable_sysctl_dump);
