// sys/netinet6/in6_src.c: source address selection, the outgoing interface
// and hop limit of a packet we originate.  in6_selectsrc walks every IPv6
// address of the vnet against the destination and the interface the route
// leaves by, keeping the best by the rules of RFC 6724 section 5 as FreeBSD
// applies them (1 same address, 2 appropriate scope, 3 avoid deprecated,
// 5 outgoing interface, 6 matching label, 7 public or temporary, 8 alive
// interface, 10 prefer_source, 14 longest match), and counts which rule
// decided in ip6s_sources_rule (netstat -s -p ip6's "source addresses"
// lines).  The policy table of rule 6 (net.inet6.ip6.addrctlpolicy,
// managed by ip6addrctl(8) through SIOCAADDRCTL_POLICY) starts empty in
// the kernel, as in FreeBSD: rc's ip6addrctl installs the RFC 6724 table.
//
// Departures: no jails' address restrictions (prison_*_ip6 pass), no CARP
// (rule 9 never decides), no cached route on the socket (every send looks
// the route up).

import { EADDRNOTAVAIL, EEXIST, EHOSTUNREACH, EINVAL, ENETUNREACH, EOPNOTSUPP, EPERM, ESRCH } from "../kern/errno.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { time_uptime } from "../kern/kern_timeout.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_OPAQUE, SYSCTL_INT, SYSCTL_OUT, SYSCTL_PROC } from "../kern/sysctl.ts";
import { IFF_LOOPBACK, IFF_UP, ifnet_byindex, type ifnet } from "../net/if.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT } from "../net/vnet.ts";
import { NHF_BLACKHOLE, NHF_GATEWAY, NHF_HOST, NHF_REJECT, NHR_NONE, type nhop_object } from "../net/route/nhop.ts";
import { INP_BINDANY, type inpcb } from "../netinet/in_pcb.ts";
import { V_in6_ifaddrhead, in6ifa_ifwithaddr } from "./in6.ts";
import { in6_addrscope, in6_getscope, in6_setscope, sa6_embedscope } from "./scope6.ts";
import { fib6_lookup } from "./in6_fib.ts";
import { in6p_moptions } from "./in6_mcast.ts";
import { ND_IFINFO, ND6_IFF_NO_PREFER_IFACE } from "./nd6.ts";
import { IPV6CTL_ADDRCTLPOLICY, V_ip6_defhlim, V_ip6_use_deprecated } from "./in6_proto.ts";
import {
  IP6PO_TEMPADDR_NOTPREFER,
  IP6PO_TEMPADDR_SYSTEM,
  IP6STAT_INC,
  IP6STAT_INC2,
  _net_inet6_ip6,
  ip6s_noroute,
  ip6s_sources_deprecated,
  ip6s_sources_none,
  ip6s_sources_otherif,
  ip6s_sources_otherscope,
  ip6s_sources_rule,
  ip6s_sources_sameif,
  ip6s_sources_samescope,
  type intp,
  type ip6_moptions,
  type ip6_pktopts,
} from "./ip6_var.ts";
import { IFA6_IS_DEPRECATED, IN6_ARE_ADDR_EQUAL, IN6_IFF_ANYCAST, IN6_IFF_DETACHED, IN6_IFF_NOTREADY, IN6_IFF_PREFER_SOURCE, IN6_IFF_TEMPORARY, IN6_IS_ADDR_MC_LINKLOCAL, IN6_IS_ADDR_MC_NODELOCAL, IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, IN6_IS_SCOPE_LINKLOCAL, in6_addr, in6_addr_copy, in6_mask2len, in6_matchlen, s6_addr16, s6_addr16_set, s6_addr32, sockaddr_in6, type in6_ifaddr, type route_in6 } from "./in6_var.ts";

/** V_ip6_prefer_tempaddr (net.inet6.ip6.prefer_tempaddr, in6_proto.c in
 *  FreeBSD): rule 7 prefers temporary (privacy) addresses when set. */
export const ip6_prefer_tempaddr = VNET_DEFINE_INT("ip6_prefer_tempaddr", 0);
const IPV6CTL_PREFER_TEMPADDR = 37;
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_PREFER_TEMPADDR, "prefer_tempaddr", CTLFLAG_VNET | CTLFLAG_RW, ip6_prefer_tempaddr, 0, "");

// ---------------------------------------------------------------------------
// The address selection policy table (struct in6_addrpolicy, in6_var.h).

/** ADDR_LABEL_NOTAPP: the label of the last-resort policy; rule 6 then
 *  does not apply. */
export const ADDR_LABEL_NOTAPP = -1;

/** struct in6_addrpolicy: a prefix, its precedence and label, and how
 *  often it matched. */
export class in6_addrpolicy {
  readonly addr = new sockaddr_in6();
  readonly addrmask = new sockaddr_in6();
  preced = 0;
  label = 0;
  use = 0;
}

/** The words of one in6_addrpolicy as net.inet6.ip6.addrctlpolicy exports
 *  it: addr (4 network-order words), addrmask (4), preced, label, use. */
export const ADDRPOLICY_WORDS = 11;

/** SIOCAADDRCTL_POLICY / SIOCDADDRCTL_POLICY: _IOW('u', 108/109, struct in6_addrpolicy). */
export const SIOCAADDRCTL_POLICY = 0x8048756c;
export const SIOCDADDRCTL_POLICY = 0x8048756d;

class addrsel_vnet {
  /** TAILQ of policies, in the order they were added. */
  readonly policytab: in6_addrpolicy[] = [];
  /** The last-resort policy (label ADDR_LABEL_NOTAPP). */
  readonly defaultaddrpolicy = new in6_addrpolicy();
  constructor() {
    this.defaultaddrpolicy.label = ADDR_LABEL_NOTAPP;
  }
}

const addrsel_p = VNET_DEFINE_PTR<addrsel_vnet | null>("addrsel_policy", null);

function V_addrsel(): addrsel_vnet {
  let a = VNET_PTR(addrsel_p);
  if (a === null) {
    a = new addrsel_vnet();
    VNET_PTR_SET(addrsel_p, a);
  }
  return a;
}

/** addrsel_policy_init: an empty table and the last-resort policy. */
function addrsel_policy_init(): void {
  VNET_PTR_SET(addrsel_p, new addrsel_vnet());
}
VNET_SYSINIT("addrsel_policy_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY, addrsel_policy_init);

/** match_addrsel_policy: the longest prefix in the table covering key. */
function match_addrsel_policy(key: in6_addr): in6_addrpolicy | null {
  let bestpol: in6_addrpolicy | null = null;
  let bestmatchlen = -1;
  const tab = V_addrsel().policytab;
  next: for (let n = 0; n < tab.length; n++) {
    const pol = tab[n];
    let matchlen = 0;
    const mp = pol.addrmask.sin6_addr.s6_addr;
    const k = key.s6_addr;
    const p = pol.addr.sin6_addr.s6_addr;
    for (let i = 0; i < 16 && mp[i] !== 0; i++) {
      let m = mp[i];
      if ((k[i] & m) !== p[i]) continue next;
      if (m === 0xff) matchlen += 8;
      else {
        while (m >= 0x80) {
          matchlen++;
          m = (m << 1) & 0xff;
        }
      }
    }
    if (bestpol === null || matchlen > bestmatchlen) {
      bestpol = pol;
      bestmatchlen = matchlen;
    }
  }
  return bestpol;
}

/** lookup_addrsel_policy: the matching policy (its use counted), or the
 *  last-resort one. */
export function lookup_addrsel_policy(key: in6_addr): in6_addrpolicy {
  const match = match_addrsel_policy(key);
  if (match === null) return V_addrsel().defaultaddrpolicy;
  match.use++;
  return match;
}

/**
 * in6_src_ioctl(cmd, data): add (SIOCAADDRCTL_POLICY) or delete
 * (SIOCDADDRCTL_POLICY) a policy; in6_control passes these on after its
 * privilege check.  The prefix is masked first; its mask must be
 * contiguous.
 */
export function in6_src_ioctl(cmd: number, data: in6_addrpolicy): number {
  if (cmd !== SIOCAADDRCTL_POLICY && cmd !== SIOCDADDRCTL_POLICY) return EOPNOTSUPP;
  if (data.label === ADDR_LABEL_NOTAPP) return EINVAL;
  if (in6_mask2len(data.addrmask.sin6_addr) < 0) return EINVAL;
  const ent0 = new in6_addrpolicy();
  in6_addr_copy(ent0.addr.sin6_addr, data.addr.sin6_addr);
  in6_addr_copy(ent0.addrmask.sin6_addr, data.addrmask.sin6_addr);
  for (let i = 0; i < 16; i++) ent0.addr.sin6_addr.s6_addr[i] &= ent0.addrmask.sin6_addr.s6_addr[i];
  ent0.preced = data.preced;
  ent0.label = data.label;
  ent0.use = 0;
  const tab = V_addrsel().policytab;
  const i = tab.findIndex((pol) => IN6_ARE_ADDR_EQUAL(ent0.addr.sin6_addr, pol.addr.sin6_addr) && IN6_ARE_ADDR_EQUAL(ent0.addrmask.sin6_addr, pol.addrmask.sin6_addr));
  if (cmd === SIOCAADDRCTL_POLICY) {
    if (i >= 0) return EEXIST;
    tab.push(ent0);
    return 0;
  }
  if (i < 0) return ESRCH;
  tab.splice(i, 1);
  return 0;
}

/** net.inet6.ip6.addrctlpolicy: the table, read-only (EPERM on write). */
SYSCTL_PROC(
  _net_inet6_ip6,
  IPV6CTL_ADDRCTLPOLICY,
  "addrctlpolicy",
  CTLTYPE_OPAQUE | CTLFLAG_RD | CTLFLAG_MPSAFE,
  null,
  0,
  (_oidp, _arg1, _arg2, req) => {
    if (req.newval !== null) return EPERM;
    const out: number[] = [];
    for (const pol of V_addrsel().policytab) {
      for (let i = 0; i < 4; i++) out.push(s6_addr32(pol.addr.sin6_addr, i));
      for (let i = 0; i < 4; i++) out.push(s6_addr32(pol.addrmask.sin6_addr, i));
      out.push(pol.preced, pol.label, pol.use);
    }
    return SYSCTL_OUT(req, out);
  },
  "S,in6_addrpolicy",
  "",
);

// ---------------------------------------------------------------------------
// Source address selection.

/** IN6_ARE_SCOPE_CMP(a, b): compare scopes (smaller is narrower). */
function IN6_ARE_SCOPE_CMP(a: number, b: number): number {
  return a - b;
}

/** The deprecated test against the current uptime. */
function ia6_deprecated(ia: in6_ifaddr): boolean {
  return IFA6_IS_DEPRECATED(ia.ia6_lifetime, time_uptime());
}

const sel_dst = new in6_addr();
const sel_src = new in6_addr();
const sel_tmp = new in6_addr();
const sel_zone: intp = { v: 0 };
const sel_zone2: intp = { v: 0 };
const sel_ifp: { ifp: ifnet | null } = { ifp: null };

/**
 * in6_selectsrc(fibnum, dstsock, opts, inp, cred, ifpp, srcp): the best
 * source address for dstsock into srcp; ifpp (when not null) gets the
 * outgoing interface, and may bring one in (ND knows the interface when the
 * route does not).  An address given with IPV6_PKTINFO, then the socket's
 * own binding, come first.  Returns an errno (EADDRNOTAVAIL when no address
 * will do).
 */
export function in6_selectsrc(fibnum: number, dstsock: sockaddr_in6, opts: ip6_pktopts | null, inp: inpcb | null, _cred: ucred | null, ifpp: { ifp: ifnet | null } | null, srcp: in6_addr): number {
  const dst = sel_dst;
  in6_addr_copy(dst, dstsock.sin6_addr);
  let oifp: ifnet | null = null;
  if (ifpp !== null) {
    if (ifpp.ifp !== null) oifp = ifpp.ifp;
    ifpp.ifp = null;
  }
  const mopts = inp !== null ? in6p_moptions(inp) : null;
  const odstzone = sel_zone;

  // A source given with IPV6_PKTINFO must be a unicast address of ours.
  const pi = opts !== null ? opts.ip6po_pktinfo : null;
  if (pi !== null && pi.ipi6_addr !== null && !IN6_IS_ADDR_UNSPECIFIED(pi.ipi6_addr)) {
    const r = sel_ifp;
    const error = in6_selectif(dstsock, opts, mopts, r, oifp, fibnum);
    if (error !== 0) return error;
    const ifp = r.ifp;
    const tmp = sel_tmp;
    in6_addr_copy(tmp, pi.ipi6_addr);
    if (ifp !== null) {
      const e = in6_setscope(tmp, ifp, odstzone);
      if (e !== 0) return e;
    }
    // IPV6_BINDANY lets any address through.
    if (inp === null || (inp.inp_flags & INP_BINDANY) === 0) {
      const ia = in6ifa_ifwithaddr(tmp, 0);
      if (ia === null || (ia.ia6_flags & (IN6_IFF_ANYCAST | IN6_IFF_NOTREADY)) !== 0) return EADDRNOTAVAIL;
      in6_addr_copy(srcp, ia.ia_addr.sin6_addr);
    } else in6_addr_copy(srcp, tmp);
    in6_addr_copy(pi.ipi6_addr, tmp);
    if (ifpp !== null) ifpp.ifp = ifp;
    return 0;
  }

  // The socket's own binding, when it has one.
  if (inp !== null && !IN6_IS_ADDR_UNSPECIFIED(inp.in6p_laddr)) {
    in6_addr_copy(srcp, inp.in6p_laddr);
    return 0;
  }

  // Otherwise the best by the outgoing interface and the destination.
  const r = sel_ifp;
  let error = in6_selectif(dstsock, opts, mopts, r, oifp, inp !== null ? inp.inp_inc.inc_fibnum : fibnum);
  if (error !== 0) return error;
  const ifp = r.ifp;
  if (ifp === null) return EHOSTUNREACH;
  error = in6_setscope(dst, ifp, odstzone);
  if (error !== 0) return error;
  const odz = odstzone.v;

  let ia_best: in6_ifaddr | null = null;
  let dst_scope = -1;
  let best_scope = -1;
  let best_matchlen = -1;
  let dst_policy: ReturnType<typeof lookup_addrsel_policy> | null = null;
  let best_policy: ReturnType<typeof lookup_addrsel_policy> | null = null;
  const use_deprecated = V_ip6_use_deprecated() !== 0;
  const head = V_in6_ifaddrhead();
  for (let n = 0; n < head.length; n++) {
    const ia = head[n];
    const ifp1 = ia.ia_ifp;
    let new_scope = -1;
    let new_matchlen = -1;
    let new_policy: ReturnType<typeof lookup_addrsel_policy> | null = null;
    // Never an address outside the destination's zone, nor one whose zone
    // does not hold the outgoing interface.
    if (in6_setscope(dst, ifp1, sel_zone2) !== 0 || odz !== sel_zone2.v) continue;
    const src = sel_src;
    in6_addr_copy(src, ia.ia_addr.sin6_addr);
    if (in6_setscope(src, ifp, sel_zone2) !== 0) continue;
    const osrczone = sel_zone2.v;
    if (in6_setscope(src, ifp1, sel_zone2) !== 0 || osrczone !== sel_zone2.v) continue;
    // Unusable addresses.
    if ((ia.ia6_flags & (IN6_IFF_NOTREADY | IN6_IFF_ANYCAST | IN6_IFF_DETACHED)) !== 0) continue;
    if (!use_deprecated && ia6_deprecated(ia)) continue;

    let decided = -1; // the rule that decided, and whether it replaced
    let replace = false;
    rules: {
      // Rule 1: prefer the same address.
      if (IN6_ARE_ADDR_EQUAL(dst, ia.ia_addr.sin6_addr)) {
        ia_best = ia;
        IP6STAT_INC2(ip6s_sources_rule, 1);
        best_scope = in6_addrscope(ia.ia_addr.sin6_addr);
        if (dst_scope < 0) dst_scope = in6_addrscope(dst);
        break rules;
      }
      if (ia_best === null) {
        decided = 0;
        replace = true;
        break rules;
      }
      // Rule 2: prefer the appropriate scope.
      if (dst_scope < 0) dst_scope = in6_addrscope(dst);
      new_scope = in6_addrscope(ia.ia_addr.sin6_addr);
      if (IN6_ARE_SCOPE_CMP(best_scope, new_scope) < 0) {
        decided = 2;
        replace = IN6_ARE_SCOPE_CMP(best_scope, dst_scope) < 0;
        break rules;
      } else if (IN6_ARE_SCOPE_CMP(new_scope, best_scope) < 0) {
        decided = 2;
        replace = !(IN6_ARE_SCOPE_CMP(new_scope, dst_scope) < 0);
        break rules;
      }
      // Rule 3: avoid deprecated addresses.
      const best_dep = ia6_deprecated(ia_best);
      const new_dep = ia6_deprecated(ia);
      if (!best_dep && new_dep) {
        decided = 3;
        break rules;
      }
      if (best_dep && !new_dep) {
        decided = 3;
        replace = true;
        break rules;
      }
      // Rule 4 (home addresses) is not implemented, as in FreeBSD.
      // Rule 5: prefer the outgoing interface.
      if ((ND_IFINFO(ifp).flags & ND6_IFF_NO_PREFER_IFACE) === 0) {
        if (ia_best.ia_ifp === ifp && ia.ia_ifp !== ifp) {
          decided = 5;
          break rules;
        }
        if (ia_best.ia_ifp !== ifp && ia.ia_ifp === ifp) {
          decided = 5;
          replace = true;
          break rules;
        }
      }
      // Rule 6: prefer the matching label.
      if (dst_policy === null) dst_policy = lookup_addrsel_policy(dstsock.sin6_addr);
      if (dst_policy.label !== ADDR_LABEL_NOTAPP && best_policy !== null) {
        new_policy = lookup_addrsel_policy(ia.ia_addr.sin6_addr);
        if (dst_policy.label === best_policy.label && dst_policy.label !== new_policy.label) {
          decided = 6;
          break rules;
        }
        if (dst_policy.label !== best_policy.label && dst_policy.label === new_policy.label) {
          decided = 6;
          replace = true;
          break rules;
        }
      }
      // Rule 7: prefer public addresses (or temporary ones, if asked).
      let prefer_tempaddr: boolean;
      if (opts === null || opts.ip6po_prefer_tempaddr === IP6PO_TEMPADDR_SYSTEM) prefer_tempaddr = VNET_I32(ip6_prefer_tempaddr) !== 0;
      else prefer_tempaddr = opts.ip6po_prefer_tempaddr !== IP6PO_TEMPADDR_NOTPREFER;
      if ((ia_best.ia6_flags & IN6_IFF_TEMPORARY) === 0 && (ia.ia6_flags & IN6_IFF_TEMPORARY) !== 0) {
        decided = 7;
        replace = prefer_tempaddr;
        break rules;
      }
      if ((ia_best.ia6_flags & IN6_IFF_TEMPORARY) !== 0 && (ia.ia6_flags & IN6_IFF_TEMPORARY) === 0) {
        decided = 7;
        replace = !prefer_tempaddr;
        break rules;
      }
      // Rule 8: prefer addresses on interfaces that are up (KAME's).
      if ((ia_best.ia_ifp.if_flags & IFF_UP) !== 0 && (ia.ia_ifp.if_flags & IFF_UP) === 0) {
        decided = 8;
        break rules;
      }
      if ((ia_best.ia_ifp.if_flags & IFF_UP) === 0 && (ia.ia_ifp.if_flags & IFF_UP) !== 0) {
        decided = 8;
        replace = true;
        break rules;
      }
      // Rule 9 (CARP's better virtual status) has no CARP to ask.
      // Rule 10: prefer an address marked prefer_source.
      if ((ia_best.ia6_flags & IN6_IFF_PREFER_SOURCE) === 0 && (ia.ia6_flags & IN6_IFF_PREFER_SOURCE) !== 0) {
        decided = 10;
        replace = true;
        break rules;
      }
      if ((ia_best.ia6_flags & IN6_IFF_PREFER_SOURCE) !== 0 && (ia.ia6_flags & IN6_IFF_PREFER_SOURCE) === 0) {
        decided = 10;
        break rules;
      }
      // Rule 14: the longest matching prefix.
      new_matchlen = in6_matchlen(ia.ia_addr.sin6_addr, dst);
      if (best_matchlen < new_matchlen) {
        decided = 14;
        replace = true;
        break rules;
      }
      // Otherwise the current candidate stays.
    }
    if (ia_best === ia && decided < 0) break; // rule 1: no better candidate
    if (!replace) continue;
    IP6STAT_INC2(ip6s_sources_rule, decided);
    ia_best = ia;
    best_scope = new_scope >= 0 ? new_scope : in6_addrscope(ia.ia_addr.sin6_addr);
    best_policy = new_policy !== null ? new_policy : lookup_addrsel_policy(ia.ia_addr.sin6_addr);
    best_matchlen = new_matchlen >= 0 ? new_matchlen : in6_matchlen(ia.ia_addr.sin6_addr, dst);
  }
  const ia = ia_best;
  if (ia === null) {
    IP6STAT_INC(ip6s_sources_none);
    return EADDRNOTAVAIL;
  }
  if (ifpp !== null) ifpp.ifp = ifp;
  in6_addr_copy(srcp, ia.ia_addr.sin6_addr);
  if (dst_scope < 0) dst_scope = in6_addrscope(dst);
  if (ia.ia_ifp === ifp) IP6STAT_INC2(ip6s_sources_sameif, best_scope);
  else IP6STAT_INC2(ip6s_sources_otherif, best_scope);
  if (dst_scope === best_scope) IP6STAT_INC2(ip6s_sources_samescope, best_scope);
  else IP6STAT_INC2(ip6s_sources_otherscope, best_scope);
  if (ia6_deprecated(ia)) IP6STAT_INC2(ip6s_sources_deprecated, best_scope);
  return 0;
}

const sock_retifp: { ifp: ifnet | null } = { ifp: null };

/**
 * in6_selectsrc_socket(dstsock, opts, inp, cred, scope_ambiguous, srcp,
 * hlim): the source for a socket's packet; with scope_ambiguous (the
 * caller named no zone) the destination takes the outgoing interface's.
 */
export function in6_selectsrc_socket(dstsock: sockaddr_in6, opts: ip6_pktopts | null, inp: inpcb, cred: ucred | null, scope_ambiguous: number, srcp: in6_addr, hlim: intp | null): number {
  const retifp = sock_retifp;
  retifp.ifp = null;
  const error = in6_selectsrc(inp.inp_inc.inc_fibnum, dstsock, opts, inp, cred, retifp, srcp);
  if (error !== 0) return error;
  if (hlim !== null) hlim.v = in6_selecthlim(inp, retifp.ifp);
  if (retifp.ifp === null || scope_ambiguous === 0) return 0;
  return in6_setscope(dstsock.sin6_addr, retifp.ifp, null);
}

const addr_dst = new sockaddr_in6();
const addr_retifp: { ifp: ifnet | null } = { ifp: null };

/**
 * in6_selectsrc_addr(fibnum, dst, scopeid, ifp, srcp, hlim): the source
 * for a packet the kernel itself sends (ND, MLD, ICMPv6 errors): dst
 * without its zone, scopeid the zone; ifp, when known, is used if the
 * route does not say.
 */
export function in6_selectsrc_addr(fibnum: number, dst: in6_addr, scopeid: number, ifp: ifnet | null, srcp: in6_addr, hlim: intp | null): number {
  const dst_sa = addr_dst;
  dst_sa.sin6_len = 28;
  dst_sa.sin6_family = 28;
  dst_sa.sin6_port = 0;
  dst_sa.sin6_flowinfo = 0;
  in6_addr_copy(dst_sa.sin6_addr, dst);
  dst_sa.sin6_scope_id = scopeid;
  sa6_embedscope(dst_sa, 0);
  addr_retifp.ifp = ifp;
  const error = in6_selectsrc(fibnum, dst_sa, null, null, null, addr_retifp, srcp);
  if (hlim !== null) hlim.v = in6_selecthlim(null, addr_retifp.ifp);
  return error;
}

// ---------------------------------------------------------------------------
// The outgoing interface.

const sr_dst = new in6_addr();

/**
 * selectroute(dstsock, opts, mopts, ro, retifp, retnh, norouteok, fibnum,
 * flowid): the interface (and route) a packet to dstsock leaves by: the one
 * IPV6_PKTINFO names, the multicast interface, the zone of a link-local or
 * interface-local multicast destination, the route to IPV6_NEXTHOP, or the
 * route to the destination.  EHOSTUNREACH (counted in ip6s_noroute) when
 * none.
 */
function selectroute(
  dstsock: sockaddr_in6,
  opts: ip6_pktopts | null,
  mopts: ip6_moptions | null,
  ro: route_in6 | null,
  retifp: { ifp: ifnet | null } | null,
  retnh: { nh: nhop_object | null } | null,
  norouteok: boolean,
  fibnum: number,
  flowid: number,
): number {
  let error = 0;
  let ifp: ifnet | null = null;
  let nh: nhop_object | null = null;
  const dst = dstsock.sin6_addr;
  done: {
    const pi = opts !== null ? opts.ip6po_pktinfo : null;
    let getroute = false;
    if (pi !== null && pi.ipi6_ifindex !== 0) {
      ifp = ifnet_byindex(pi.ipi6_ifindex);
      if (ifp !== null && (norouteok || retnh === null || IN6_IS_ADDR_MULTICAST(dst))) break done;
      getroute = true;
    }
    if (!getroute) {
      if (IN6_IS_ADDR_MULTICAST(dst) && mopts !== null && mopts.im6o_multicast_ifp !== null) {
        ifp = mopts.im6o_multicast_ifp;
        break done;
      }
      // A link-local or interface-local multicast destination names its
      // interface in its zone.
      if (IN6_IS_ADDR_MC_LINKLOCAL(dst) || IN6_IS_ADDR_MC_NODELOCAL(dst)) {
        const zoneid = in6_getscope(dst);
        if (zoneid > 0) {
          ifp = ifnet_byindex(zoneid);
          break done;
        }
      }
    }
    const nexthop = opts !== null ? opts.ip6po_nexthop : null;
    if (nexthop !== null) {
      if (IN6_IS_ADDR_LINKLOCAL(nexthop.sin6_addr)) {
        const zoneid = in6_getscope(nexthop.sin6_addr);
        if (zoneid > 0) {
          ifp = ifnet_byindex(zoneid);
          break done;
        }
      }
      const nnh = fib6_lookup(fibnum, nexthop.sin6_addr, 0, NHR_NONE, flowid);
      // The next hop must be a neighbor.
      if (nnh === null || (nnh.nh_flags & NHF_GATEWAY) !== 0) error = EHOSTUNREACH;
      else {
        nh = nnh;
        ifp = nnh.nh_ifp;
      }
      break done;
    }
    // The route to the destination (the lookup takes the address without
    // its zone and the zone apart).
    const d = sr_dst;
    in6_addr_copy(d, dst);
    let scopeid = 0;
    if (IN6_IS_SCOPE_LINKLOCAL(d)) {
      scopeid = s6_addr16(d, 1);
      s6_addr16_set(d, 1, 0);
    }
    nh = fib6_lookup(fibnum, d, scopeid, NHR_NONE, flowid);
    if (ro !== null) {
      ro.ro_nh = nh;
      in6_addr_copy(ro.ro_dst.sin6_addr, dst);
    }
    if (nh !== null) ifp = nh.nh_ifp;
    else error = EHOSTUNREACH;
    // The interface IPV6_PKTINFO names must be the route's (loopback is
    // always fine: a packet to ourselves).
    if (ifp !== null && pi !== null && pi.ipi6_ifindex !== 0) {
      if ((ifp.if_flags & IFF_LOOPBACK) === 0 && ifp.if_index !== pi.ipi6_ifindex) {
        error = EHOSTUNREACH;
        break done;
      }
    }
  }
  if (ifp === null && nh === null) error = EHOSTUNREACH;
  if (error === EHOSTUNREACH) IP6STAT_INC(ip6s_noroute);
  if (retifp !== null) retifp.ifp = nh !== null ? nh.nh_aifp : ifp;
  if (retnh !== null) retnh.nh = nh;
  return error;
}

const selif_nh: { nh: nhop_object | null } = { nh: null };

/**
 * in6_selectif: the outgoing interface only.  A reject or blackhole route
 * is refused here; with no route at all the interface the caller brought
 * (ND's) is used in the default FIB.
 */
function in6_selectif(dstsock: sockaddr_in6, opts: ip6_pktopts | null, mopts: ip6_moptions | null, retifp: { ifp: ifnet | null }, oifp: ifnet | null, fibnum: number): number {
  // selectroute always sets the nexthop (null when it has none).
  const error = selectroute(dstsock, opts, mopts, null, retifp, selif_nh, true, fibnum, 0);
  const nh = selif_nh.nh;
  const nh_flags = nh !== null ? nh.nh_flags : 0;
  if (error !== 0) {
    if (oifp !== null && fibnum === 0) {
      retifp.ifp = oifp;
      return 0;
    }
    return error;
  }
  if ((nh_flags & (NHF_REJECT | NHF_BLACKHOLE)) !== 0) return (nh_flags & NHF_HOST) !== 0 ? EHOSTUNREACH : ENETUNREACH;
  return 0;
}

/** in6_selectroute: selectroute for ip6_output (a route is needed). */
export function in6_selectroute(
  dstsock: sockaddr_in6,
  opts: ip6_pktopts | null,
  mopts: ip6_moptions | null,
  ro: route_in6 | null,
  retifp: { ifp: ifnet | null } | null,
  retnh: { nh: nhop_object | null } | null,
  fibnum: number,
  flowid: number,
): number {
  return selectroute(dstsock, opts, mopts, ro, retifp, retnh, false, fibnum, flowid);
}

// ---------------------------------------------------------------------------
// Hop limit.

const hlim_dst = new in6_addr();

/**
 * in6_selecthlim(inp, ifp): IPV6_UNICAST_HOPS if set; else the current hop
 * limit of the outgoing interface (a router advertisement may have set
 * it); else that of the interface the route to the peer leaves by; else
 * net.inet6.ip6.hlim.
 */
export function in6_selecthlim(inp: inpcb | null, ifp: ifnet | null): number {
  if (inp !== null && inp.in6p_hops >= 0) return inp.in6p_hops;
  if (ifp !== null) return ND_IFINFO(ifp).chlim;
  if (inp !== null && !IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr)) {
    // in6_splitscope: the address without its zone, and the zone.
    const dst = hlim_dst;
    in6_addr_copy(dst, inp.in6p_faddr);
    let scopeid = 0;
    if (IN6_IS_SCOPE_LINKLOCAL(dst)) {
      scopeid = s6_addr16(dst, 1);
      s6_addr16_set(dst, 1, 0);
    }
    const nh = fib6_lookup(inp.inp_inc.inc_fibnum, dst, scopeid, 0, 0);
    if (nh !== null) return ND_IFINFO(nh.nh_ifp).chlim;
  }
  return V_ip6_defhlim();
}
