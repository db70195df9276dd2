// sys/net/route/route_rtentry.c: making and freeing table entries, and what callers may read of one.

import { AF_INET, AF_INET6, type sockaddr } from "../../kern/socket.ts";
import { rt6_bytes, rt6_wmask, rt6_words, rt_mask2plen, rt_masks } from "../radix.ts";

import { RTF_HOST, RTF_UP } from "../route.ts";
import type { nhop_object, rt_nhop_t } from "./nhop.ts";
import { nhop_free_any } from "./nhop_ctl.ts";
import type { route_nhop_data } from "./route_ctl.ts";
import { rtentry, type rib_head } from "./route_var.ts";
import { IN6_IS_SCOPE_LINKLOCAL, in6_addr, in6_mask2len, in6_prefixlen2mask, s6_addr16, s6_addr16_set } from "../../netinet6/in6_var.ts";

/**
 * rt_alloc(rnh, dst, netmask, nh): an entry for dst/netmask (a host entry
 * without a netmask), dst masked, not yet in the table.  NULL for a mask
 * the table cannot hold (non-contiguous, see net/radix.ts) or of another
 * family.  An IPv6 dst carries its zone embedded, as the table keeps it.
 *
 * Departure: the entry is born with its nexthop (FreeBSD sets rt_nhop when
 * add_route links it), so that rt_nhop is never NULL here.
 */
export function rt_alloc(_rnh: rib_head, dst: sockaddr, netmask: sockaddr | null, nh: nhop_object): rtentry | null {
  if ("sin6_addr" in dst) {
    let plen = 128;
    if (netmask !== null) {
      if (!("sin6_addr" in netmask)) return null;
      plen = in6_mask2len(netmask.sin6_addr);
      if (plen < 0) return null;
    }
    const rt = new rtentry(nh);
    rt.rte_flags = RTF_UP | (netmask === null ? RTF_HOST : 0);
    rt.rt_plen = plen;
    const key = rt6_words(dst.sin6_addr.s6_addr, new Int32Array(4));
    for (let i = 0; i < 4; i++) key[i] &= rt6_wmask[plen * 4 + i];
    rt.rt_key6 = key;
    return rt;
  }
  const a = "sin_addr" in dst ? dst.sin_addr : 0;
  let plen = 32;
  if (netmask !== null) {
    if (!("sin_addr" in netmask)) return null;
    plen = rt_mask2plen(netmask.sin_addr);
    if (plen < 0) return null;
  }
  const rt = new rtentry(nh);
  rt.rte_flags = RTF_UP | (netmask === null ? RTF_HOST : 0);
  rt.rt_plen = plen;
  rt.rt_mask = rt_masks[plen] >>> 0;
  rt.rt_dst = (a & rt_masks[plen]) >>> 0;
  return rt;
}

/**
 * rt_free: the entry is unlinked and done with.  FreeBSD waits for the
 * epoch to end; with no epoch here its nexthop reference drops at once.
 */
export function rt_free(rt: rtentry): void {
  nhop_free_any(rt.rt_nhop);
}

export function rt_is_host(rt: rtentry): boolean {
  return (rt.rte_flags & RTF_HOST) !== 0;
}

/** rt_get_family: the family of the entry's key. */
export function rt_get_family(rt: rtentry): number {
  return rt.rt_key6 !== null ? AF_INET6 : AF_INET;
}

/** rt_get_raw_nhop: the entry's nexthop. */
export function rt_get_raw_nhop(rt: rtentry): rt_nhop_t {
  return rt.rt_nhop;
}

/** rt_get_rnd: the entry's nexthop and weight into rnd. */
export function rt_get_rnd(rt: rtentry, rnd: route_nhop_data): void {
  rnd.rnd_nhop = rt.rt_nhop;
  rnd.rnd_weight = rt.rt_weight;
}

/** rt_get_inet_prefix_plen: the entry's address and prefix length. */
export function rt_get_inet_prefix_plen(rt: rtentry): { addr: number; plen: number } {
  return { addr: rt.rt_dst, plen: rt_is_host(rt) ? 32 : rt.rt_plen };
}

/**
 * rt_get_inet6_prefix_plen: an IPv6 entry's address with its zone taken
 * out (into scopeid; 0 for other scopes) and its prefix length.
 */
export function rt_get_inet6_prefix_plen(rt: rtentry): { addr: in6_addr; plen: number; scopeid: number } {
  const addr = new in6_addr();
  let scopeid = 0;
  if (rt.rt_key6 !== null) {
    rt6_bytes(rt.rt_key6, addr.s6_addr);
    if (IN6_IS_SCOPE_LINKLOCAL(addr)) {
      scopeid = s6_addr16(addr, 1);
      s6_addr16_set(addr, 1, 0);
    }
  }
  return { addr, plen: rt_is_host(rt) ? 128 : rt.rt_plen, scopeid };
}

/** rt_get_inet6_prefix_pmask: the same with the mask as an address (all ones for a host entry). */
export function rt_get_inet6_prefix_pmask(rt: rtentry): { addr: in6_addr; mask: in6_addr; scopeid: number } {
  const p = rt_get_inet6_prefix_plen(rt);
  const mask = new in6_addr();
  in6_prefixlen2mask(mask, p.plen);
  return { addr: p.addr, mask, scopeid: p.scopeid };
}
