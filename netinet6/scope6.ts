// sys/netinet6/scope6.c, scope6_var.h: scope zones of IPv6 addresses (RFC 4007).
//
// KAME's convention, which FreeBSD keeps: a zone is named by an interface
// index (one link per interface), and inside the kernel an address of
// link-local or interface-local scope carries its zone in its second 16-bit
// word (s6_addr16[1]).  Userland sees the zone in sin6_scope_id instead;
// sa6_embedscope and sa6_recoverscope convert between the two forms at the
// boundary, in6_setscope and in6_clearscope do it for bare addresses.

import { EADDRNOTAVAIL, EINVAL, ENETDOWN, ENXIO, EOPNOTSUPP, EPFNOSUPPORT } from "../kern/errno.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { log } from "../kern/subr_prf.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, SYSCTL_INT } from "../kern/sysctl.ts";
import { IFF_LOOPBACK, ifnet_byindex, V_if_index, type ifnet } from "../net/if.ts";
import { V_loif } from "../net/if_loop.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT } from "../net/vnet.ts";

import { _net_inet6_ip6, type intp } from "./ip6_var.ts";
import { IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_LOOPBACK, IN6_IS_ADDR_MC_INTFACELOCAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_SITELOCAL, IN6_IS_SCOPE_LINKLOCAL, IPV6_ADDR_MC_SCOPE, IPV6_ADDR_SCOPE_GLOBAL, IPV6_ADDR_SCOPE_INTFACELOCAL, IPV6_ADDR_SCOPE_LINKLOCAL, IPV6_ADDR_SCOPE_SITELOCAL, in6_addr_copy, in6_ifextra_get, ip6_sprintf, s6_addr16, s6_addr16_set, type in6_addr, type sockaddr_in6 } from "./in6_var.ts";

// sys/syslog.h
const LOG_NOTICE = 5;

/** IPV6_ADDR_SCOPES_COUNT: the sixteen scope values of a multicast address. */
export const IPV6_ADDR_SCOPES_COUNT = 16;

/** struct scope6_id: the zone of each scope on an interface (or the defaults). */
export class scope6_id {
  readonly s6id_list = new Uint32Array(IPV6_ADDR_SCOPES_COUNT);
}

/** The in6_ifreq members the scope requests use (ifr_ifru.ifru_scope_id). */
export interface scope6_ifreq {
  ifr_name: string;
  ifr_ifru_scope_id?: scope6_id;
}

// sys/sockio.h: _IOW/_IOWR('i', 88..90, struct in6_ifreq).
export const SIOCSSCOPE6 = 0x81206958;
export const SIOCGSCOPE6 = 0xc1206959;
export const SIOCGSCOPE6DEF = 0xc120695a;

/** V_ip6_use_defzone: take the default zone when userland names none (net.inet6.ip6.use_defaultzone; off unless built with ENABLE_DEFAULT_SCOPE). */
export const ip6_use_defzone = VNET_DEFINE_INT("ip6_use_defzone", 0);
// in6_proto.c's declaration, here beside the variable (IPV6CTL_USE_DEFAULTZONE is 39).
SYSCTL_INT(_net_inet6_ip6, 39, "use_defaultzone", CTLFLAG_VNET | CTLFLAG_RW, ip6_use_defzone, 0, "Use the default scope zone when none is specified");

/** V_sid_default: the zones taken when userland names none (ip6_use_defzone). */
const sid_default = VNET_DEFINE_PTR<scope6_id>("sid_default", new scope6_id());

/** scope6_init: a vnet starts without default zones. */
export function scope6_init(): void {
  VNET_PTR_SET(sid_default, new scope6_id());
}
VNET_SYSINIT("scope6_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY, scope6_init);

/** SID(ifp): the interface's zone list. */
function SID(ifp: ifnet): scope6_id | null {
  const ext = in6_ifextra_get(ifp);
  return ext !== null && ext.scope6_id instanceof scope6_id ? ext.scope6_id : null;
}

/** scope6_ifattach: an interface is its own interface-local and link-local zone. */
export function scope6_ifattach(ifp: ifnet): scope6_id {
  const sid = new scope6_id();
  sid.s6id_list[IPV6_ADDR_SCOPE_INTFACELOCAL] = ifp.if_index;
  sid.s6id_list[IPV6_ADDR_SCOPE_LINKLOCAL] = ifp.if_index;
  return sid;
}

export function scope6_ifdetach(_sid: scope6_id): void {
  // Nothing to release: the garbage collector takes it with in6_ifextra.
}

/** scope6_ioctl: SIOCSSCOPE6, SIOCGSCOPE6, SIOCGSCOPE6DEF (in6_control has checked privileges). */
export function scope6_ioctl(cmd: number, data: scope6_ifreq, ifp: ifnet): number {
  if (in6_ifextra_get(ifp) === null) return EPFNOSUPPORT;
  switch (cmd) {
    case SIOCSSCOPE6:
      return scope6_set(ifp, data.ifr_ifru_scope_id ?? new scope6_id());
    case SIOCGSCOPE6: {
      const out = new scope6_id();
      const error = scope6_get(ifp, out);
      if (error === 0) data.ifr_ifru_scope_id = out;
      return error;
    }
    case SIOCGSCOPE6DEF: {
      const out = new scope6_id();
      const error = scope6_get_default(out);
      if (error === 0) data.ifr_ifru_scope_id = out;
      return error;
    }
    default:
      return EOPNOTSUPP;
  }
}

function scope6_set(ifp: ifnet, idlist: scope6_id): number {
  const sid = SID(ifp);
  if (sid === null) return EINVAL;
  for (let i = 0; i < IPV6_ADDR_SCOPES_COUNT; i++) {
    const id = idlist.s6id_list[i];
    if (id === 0 || id === sid.s6id_list[i]) continue;
    // An interface zone is the interface itself, by definition.
    if (i === IPV6_ADDR_SCOPE_INTFACELOCAL && id !== ifp.if_index) return EINVAL;
    // Link ids are interface indices here too, so they must name one.
    if (i === IPV6_ADDR_SCOPE_LINKLOCAL && id > V_if_index()) return EINVAL;
    // Only the value changes: addresses, routes and PCBs already using the
    // old zone keep it, as in FreeBSD.
    sid.s6id_list[i] = id;
  }
  return 0;
}

function scope6_get(ifp: ifnet, idlist: scope6_id): number {
  const sid = SID(ifp);
  if (sid === null) return EINVAL;
  idlist.s6id_list.set(sid.s6id_list);
  return 0;
}

/** in6_addrscope: the scope of an address (multicast: its scope field; reserved 0xf counts as global). */
export function in6_addrscope(addr: in6_addr): number {
  if (IN6_IS_ADDR_MULTICAST(addr)) {
    const scope = IPV6_ADDR_MC_SCOPE(addr);
    return scope === 0x0f ? IPV6_ADDR_SCOPE_GLOBAL : scope;
  }
  if (IN6_IS_ADDR_LINKLOCAL(addr) || IN6_IS_ADDR_LOOPBACK(addr)) return IPV6_ADDR_SCOPE_LINKLOCAL;
  if (IN6_IS_ADDR_SITELOCAL(addr)) return IPV6_ADDR_SCOPE_SITELOCAL;
  return IPV6_ADDR_SCOPE_GLOBAL;
}

/** scope6_setdefault: the default interface and link zones become ifp's (or none). */
export function scope6_setdefault(ifp: ifnet | null): void {
  const d = VNET_PTR(sid_default);
  const id = ifp !== null ? ifp.if_index : 0;
  d.s6id_list[IPV6_ADDR_SCOPE_INTFACELOCAL] = id;
  d.s6id_list[IPV6_ADDR_SCOPE_LINKLOCAL] = id;
}

export function scope6_get_default(idlist: scope6_id): number {
  idlist.s6id_list.set(VNET_PTR(sid_default).s6id_list);
  return 0;
}

/** scope6_addr2default: the default zone of the address's scope (0 for ::1, which is unambiguous). */
export function scope6_addr2default(addr: in6_addr): number {
  if (IN6_IS_ADDR_LOOPBACK(addr)) return 0;
  return VNET_PTR(sid_default).s6id_list[in6_addrscope(addr)];
}

/**
 * sa6_embedscope: check sin6_scope_id (or take the default zone when it is
 * 0 and defaultok) and, for link- and interface-local addresses, move it
 * into the address: the kernel's internal form.
 */
export function sa6_embedscope(sin6: sockaddr_in6, defaultok: number): number {
  let zoneid = sin6.sin6_scope_id;
  if (zoneid === 0 && defaultok !== 0) zoneid = scope6_addr2default(sin6.sin6_addr);
  if (zoneid !== 0 && (IN6_IS_SCOPE_LINKLOCAL(sin6.sin6_addr) || IN6_IS_ADDR_MC_INTFACELOCAL(sin6.sin6_addr))) {
    // Zones are interface indices (one link per interface).
    if (V_if_index() < zoneid || ifnet_byindex(zoneid) === null) return ENXIO;
    s6_addr16_set(sin6.sin6_addr, 1, zoneid & 0xffff);
    sin6.sin6_scope_id = 0;
  }
  return 0;
}

/** sa6_recoverscope: the standard form again, the embedded zone moved to sin6_scope_id. */
export function sa6_recoverscope(sin6: sockaddr_in6): number {
  if (IN6_IS_SCOPE_LINKLOCAL(sin6.sin6_addr) || IN6_IS_ADDR_MC_INTFACELOCAL(sin6.sin6_addr)) {
    const zoneid = s6_addr16(sin6.sin6_addr, 1);
    if (zoneid !== 0) {
      if (V_if_index() < zoneid) return ENXIO;
      if (sin6.sin6_scope_id !== 0 && zoneid !== sin6.sin6_scope_id)
        log(LOG_NOTICE, `sa6_recoverscope: embedded scope mismatch: ${ip6_sprintf(sin6.sin6_addr)}%${sin6.sin6_scope_id}. sin6_scope_id was overridden\n`);
      s6_addr16_set(sin6.sin6_addr, 1, 0);
      sin6.sin6_scope_id = zoneid;
    }
  }
  return 0;
}

/**
 * in6_setscope: the zone of in6 on ifp, embedded in the address when its
 * scope calls for it; ::1 belongs to loopback interfaces only.  The zone is
 * also stored in ret_id when given.
 */
export function in6_setscope(in6: in6_addr, ifp: ifnet, ret_id: intp | null): number {
  let zoneid = 0;
  if (IN6_IS_ADDR_LOOPBACK(in6)) {
    if ((ifp.if_flags & IFF_LOOPBACK) === 0) return EINVAL;
  } else {
    const scope = in6_addrscope(in6);
    if (scope === IPV6_ADDR_SCOPE_INTFACELOCAL || scope === IPV6_ADDR_SCOPE_LINKLOCAL) {
      zoneid = ifp.if_index;
      s6_addr16_set(in6, 1, zoneid & 0xffff);
    } else if (scope !== IPV6_ADDR_SCOPE_GLOBAL) {
      const sid = SID(ifp);
      if (sid === null) return ENETDOWN;
      zoneid = sid.s6id_list[scope];
    }
  }
  if (ret_id !== null) ret_id.v = zoneid;
  return 0;
}

/** in6_clearscope: drop an embedded zone; 1 if the address changed. */
export function in6_clearscope(in6: in6_addr): number {
  let modified = 0;
  if (IN6_IS_SCOPE_LINKLOCAL(in6) || IN6_IS_ADDR_MC_INTFACELOCAL(in6)) {
    if (in6.s6_addr[2] !== 0 || in6.s6_addr[3] !== 0) modified = 1;
    in6.s6_addr[2] = 0;
    in6.s6_addr[3] = 0;
  }
  return modified;
}

/** in6_getscope: the embedded zone, or 0.  (A host-order number here; FreeBSD hands back the raw network-order word.) */
export function in6_getscope(in6: in6_addr): number {
  if (IN6_IS_SCOPE_LINKLOCAL(in6) || IN6_IS_ADDR_MC_INTFACELOCAL(in6)) return s6_addr16(in6, 1);
  return 0;
}

/** in6_get_unicast_scopeid: ifp's index for a link-local address, 0 for the others. */
export function in6_get_unicast_scopeid(in6: in6_addr, ifp: ifnet): number {
  return IN6_IS_SCOPE_LINKLOCAL(in6) ? ifp.if_index : 0;
}

export function in6_set_unicast_scopeid(in6: in6_addr, scopeid: number): void {
  s6_addr16_set(in6, 1, scopeid & 0xffff);
}

/** in6_getlinkifnet: the interface a link zone names. */
export function in6_getlinkifnet(zoneid: number): ifnet | null {
  return ifnet_byindex(zoneid & 0xffff);
}

/** in6_getscopezone: ifp's zone for a scope. */
export function in6_getscopezone(ifp: ifnet, scope: number): number {
  if (scope === IPV6_ADDR_SCOPE_INTFACELOCAL || scope === IPV6_ADDR_SCOPE_LINKLOCAL) return ifp.if_index;
  if (scope >= 0 && scope < IPV6_ADDR_SCOPES_COUNT) {
    const sid = SID(ifp);
    return sid !== null ? sid.s6id_list[scope] : 0;
  }
  return 0;
}

/** in6_splitscope: dst gets src without its zone, the zone goes to scopeid. */
export function in6_splitscope(src: in6_addr, dst: in6_addr, scopeid: intp): void {
  in6_addr_copy(dst, src);
  scopeid.v = in6_getscope(dst);
  in6_clearscope(dst);
}

/**
 * sa6_checkzone: a sockaddr_in6 from userland has the zone its scope needs:
 * none for global addresses, lo0's for ::1, the default zone (with
 * net.inet6.ip6.use_defaultzone) when none is given; EADDRNOTAVAIL when it
 * cannot be told.
 */
export function sa6_checkzone(sa6: sockaddr_in6): number {
  const scope = in6_addrscope(sa6.sin6_addr);
  if (scope === IPV6_ADDR_SCOPE_GLOBAL) return sa6.sin6_scope_id !== 0 ? EINVAL : 0;
  const d = VNET_PTR(sid_default);
  if (IN6_IS_ADDR_MULTICAST(sa6.sin6_addr) && scope !== IPV6_ADDR_SCOPE_LINKLOCAL && scope !== IPV6_ADDR_SCOPE_INTFACELOCAL) {
    if (sa6.sin6_scope_id === 0 && VNET_I32(ip6_use_defzone) !== 0) sa6.sin6_scope_id = d.s6id_list[scope];
    return 0;
  }
  // ::1 lives on lo0, so its zone is known when not given.
  if (IN6_IS_ADDR_LOOPBACK(sa6.sin6_addr)) {
    const lo = V_loif();
    const loz = lo !== null ? in6_getscopezone(lo, scope) : 0;
    if (sa6.sin6_scope_id === 0) sa6.sin6_scope_id = loz;
    else if (sa6.sin6_scope_id !== loz) return EADDRNOTAVAIL;
  }
  if (sa6.sin6_scope_id !== 0) return 0;
  if (VNET_I32(ip6_use_defzone) !== 0) sa6.sin6_scope_id = d.s6id_list[scope];
  return sa6.sin6_scope_id !== 0 ? 0 : EADDRNOTAVAIL;
}

/** sa6_checkzone_ifp: sa6_checkzone, taking ifp's zone for link- and interface-local addresses. */
export function sa6_checkzone_ifp(ifp: ifnet, sa6: sockaddr_in6): number {
  const scope = in6_addrscope(sa6.sin6_addr);
  if (scope === IPV6_ADDR_SCOPE_LINKLOCAL || scope === IPV6_ADDR_SCOPE_INTFACELOCAL) {
    if (sa6.sin6_scope_id === 0) {
      sa6.sin6_scope_id = in6_getscopezone(ifp, scope);
      return 0;
    } else if (sa6.sin6_scope_id !== in6_getscopezone(ifp, scope)) return EADDRNOTAVAIL;
  }
  return sa6_checkzone(sa6);
}
