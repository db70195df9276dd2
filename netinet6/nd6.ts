// sys/netinet6/nd6.c, nd6.h: Neighbor Discovery (RFC 4861), the part that
// is not about particular messages: each interface's ND parameters (struct
// nd_ifinfo), the neighbor cache and its states, address resolution for
// the output path (nd6_resolve), the ND option parser, the timers that age
// addresses, routers and prefixes, and the ND ioctls ndp(8) uses.
//
// The neighbor cache lives in the interface's inet6 lltable
// (in6.c's lltable half, netinet6/in6.ts).  An entry's life, as FreeBSD 14 runs it:
//   NOSTATE     made, not yet asked for;
//   INCOMPLETE  a solicitation went to the solicited-node group, another
//               every retrans ms until mmaxtries, then the entry goes and
//               the held packets get Address Unreachable;
//   REACHABLE   a solicited advertisement came; for `reachable` seconds;
//   STALE       learnt from an unsolicited message, or REACHABLE ran out;
//               the timer wakes every nd6_delay s to see whether packets
//               used the entry (r_skip_req / lle_hittime) and collects it
//               after nd6_gctimer s unused;
//   DELAY       used while STALE: nd6_delay s for an upper-layer hint;
//   PROBE       unicast solicitations every retrans ms, umaxtries of them.
//
// Departures from FreeBSD 14:
// - nd6_timer (router, prefix and address lifetimes; DAD for addresses
//   that were configured while their interface was down) and nd6_slowtimo
//   run while there is something for them to watch, not every second of
//   every vnet forever: a timer that never stops would keep the simulator
//   from ever being idle.  What gives them work kicks them: a router or a
//   prefix learnt, an address added, an interface going up or down.
// - no SEND (send_sendso_input_hook), no MAC framework, no epoch or locks.

import { EAFNOSUPPORT, EINVAL, ENETDOWN, ENOBUFS, EPERM, EPFNOSUPPORT, EWOULDBLOCK } from "../kern/errno.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { arc4random } from "../kern/arc4random.ts";
import { callout, callout_init, callout_pending, callout_reset, callout_stop, hz, time_uptime, boottime_s } from "../kern/kern_timeout.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { M_EXTPG, M_MCAST, m_clrprotoflags, type mbuf } from "../kern/mbuf.ts";
import { AF_INET6, AF_LINK } from "../kern/socket.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_OPAQUE, OID_AUTO, SYSCTL_INT, SYSCTL_OUT, SYSCTL_PROC, type sysctl_handler_t } from "../kern/sysctl.ts";
import { log } from "../kern/subr_prf.ts";
import { m_copydata } from "../kern/uipc_mbuf.ts";
import { IFF_DRV_RUNNING, IFF_LOOPBACK, IFF_POINTOPOINT, IFF_UP, IFNET_EVENT_DOWN, IFNET_EVENT_UP, V_ifnet, iflladdr_event, ifnet_event, type ifnet } from "../net/if.ts";
import { IFT_BRIDGE, IFT_ETHER, IFT_IEEE1394, IFT_INFINIBAND, IFT_L2VLAN, IFT_PROPVIRTUAL, sockaddr_dl } from "../net/if_dl.ts";
import {
  LLE_ADDRONLY,
  LLE_DELETED,
  LLE_EXCLUSIVE,
  LLE_IFADDR,
  LLE_LINKED,
  LLE_MAX_LINKHDR,
  LLE_REDIRECT,
  LLE_STATIC,
  LLE_UNLOCKED,
  LLE_VALID,
  LLENTRY_EXPIRED,
  LLENTRY_RESOLVED,
  RLLE_IFADDR,
  RLLE_VALID,
  lla_lookup,
  llentry_free,
  llheader_result,
  lltable_alloc_entry,
  lltable_delete_addr,
  lltable_prefix_free,
  lltable_append_entry_queue,
  lltable_calc_llheader,
  lltable_set_entry_addr,
  lltable_try_set_entry_addr,
  lltable_update_ifaddr,
  type llentry,
} from "../net/if_llatbl.ts";
import { RTAX_DST, RTAX_GATEWAY, RTA_DST, RTA_GATEWAY, RTF_HOST, RTF_LLDATA, RTF_UP, RTM_ADD, RTM_DELETE, RT_ALL_FIBS, rt_addrinfo } from "../net/route.ts";
import { NHF_DEFAULT, NHF_REDIRECT } from "../net/route/nhop.ts";
import { rib_action, type rib_cmd_info } from "../net/route/route_ctl.ts";
import type { rib_head } from "../net/route/route_var.ts";
import { rib_lookup_info } from "../net/route/route_helpers.ts";
import { V_rt_add_addr_allfibs, V_rt_numfibs } from "../net/route/route_tables.ts";
import { rt_missmsg_fib } from "../net/rtsock.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT, curvnet, vnet0, type vnet } from "../net/vnet.ts";
import { ICMP6STAT_INC, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, ND_NEIGHBOR_SOLICIT, ND_OPT_DNSSL, ND_OPT_MTU, ND_OPT_NONCE, ND_OPT_PREFIX_INFORMATION, ND_OPT_RDNSS, ND_OPT_REDIRECTED_HEADER, ND_OPT_SOURCE_LINKADDR, ND_OPT_TARGET_LINKADDR, ND_REDIRECT, ND_REDIRECT_ROUTER, ND_ROUTER_ADVERT, ND_ROUTER_SOLICIT, _net_inet6_icmp6, icp6s_nd_badopt, icp6s_nd_toomanyopt } from "../netinet/icmp6.ts";
import { IPV6_DEFHLIM, IPV6_MMTU, IP6_OFF_SRC } from "../netinet/ip6.ts";
import { icmp6_error2 } from "./icmp6.ts";
import { IA6_IN6, IFA6_IS_DEPRECATED, IFA6_IS_INVALID, IN6_ARE_ADDR_EQUAL, IN6_ARE_MASKED_ADDR_EQUAL, IN6_IFF_DEPRECATED, IN6_IFF_DUPLICATED, IN6_IFF_TENTATIVE, IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_UNSPECIFIED, ND6_INFINITE_LIFETIME, IN6_LINKMTU, in6_addr, in6_addr_copy, in6_ifaddr, in6_ifextra_get, ip6_sprintf, sockaddr_in6, type route_in6, OSIOCGIFINFO_IN6, SIOCGDEFIFACE_IN6, SIOCGIFINFO_IN6, SIOCGNBRINFO_IN6, SIOCSDEFIFACE_IN6, SIOCSIFINFO_FLAGS, SIOCSIFINFO_IN6, SIOCSNDFLUSH_IN6, SIOCSPFXFLUSH_IN6, SIOCSRTRFLUSH_IN6 } from "./in6_var.ts";
import { in6_ifattach } from "./in6_ifattach.ts";
import { V_in6_ifaddrhead, in6_lltable_fill_sa_entry, in6_lltable_get, in6_purgeifaddr, lle_addr6 } from "./in6.ts";
import { in6_lle_event, in6_lle_event_register } from "../net/if_llatbl.ts";
import { V_ip6_accept_rtadv, V_ip6_dad_count, V_ip6_no_radr } from "./in6_proto.ts";
import { ip6_auto_linklocal } from "./in6_ifattach.ts";
import { M_FRAGMENTED, type intp } from "./ip6_var.ts";
import { nd6_dad_start, nd6_dad_pending, nd6_dad_stop, nd6_dad_init } from "./nd6_nbr.ts";
import { nd6_ns_output } from "./nd6_nbr.ts";
import {
  NDPRF_ONLINK,
  NDPRF_DETACHED,
  V_nd_prefix,
  nd6_defifindex,
  defrouter_lookup,
  defrouter_rele,
  defrouter_reset,
  defrouter_select_fib,
  nd6_defrouter_flush_all,
  nd6_defrouter_has_expiry,
  nd6_defrouter_init,
  nd6_defrouter_list_empty,
  nd6_defrouter_purge,
  nd6_defrouter_timer,
  nd6_prefix_del,
  nd6_prefix_offlink,
  nd6_prefix_ref,
  nd6_prefix_rele,
  nd6_prefix_unlink,
  nd6_setdefaultiface,
  pfxlist_onlink_check,
  rt6_flush,
  type nd_prefix,
} from "./nd6_rtr.ts";
import { sa6_recoverscope, in6_setscope, in6_getscopezone, in6_addrscope } from "./scope6.ts";

// sys/syslog.h
const LOG_ERR = 3;
const LOG_NOTICE = 5;
const LOG_INFO = 6;
const LOG_DEBUG = 7;

const INT_MAX = 0x7fffffff;



// ---------------------------------------------------------------------------
// nd6.h

export const ND6_LLINFO_NOSTATE = -2;
export const ND6_LLINFO_INCOMPLETE = 0;
export const ND6_LLINFO_REACHABLE = 1;
export const ND6_LLINFO_STALE = 2;
export const ND6_LLINFO_DELAY = 3;
export const ND6_LLINFO_PROBE = 4;

/** ND6_IS_LLINFO_PROBREACH: resolved at least once. */
export function ND6_IS_LLINFO_PROBREACH(n: llentry): boolean {
  return n.ln_state > ND6_LLINFO_INCOMPLETE;
}
/** ND6_LLINFO_PERMANENT: resolved and never expiring. */
export function ND6_LLINFO_PERMANENT(n: llentry): boolean {
  return n.la_expire === 0 && n.ln_state > ND6_LLINFO_INCOMPLETE;
}

/** struct nd_ifinfo: an interface's ND parameters. */
export class nd_ifinfo {
  /** LinkMTU (from an RA), 0 when none. */
  linkmtu = 0;
  /** Upper bound of LinkMTU: the interface's MTU. */
  maxmtu = 0;
  /** BaseReachableTime, ms. */
  basereachable = 0;
  /** ReachableTime, s. */
  reachable = 0;
  /** RetransTimer, ms. */
  retrans = 0;
  /** ND6_IFF_* */
  flags = 0;
  /** When BaseReachableTime is recomputed next (seconds left). */
  recalctm = 0;
  /** CurHopLimit. */
  chlim = 0;
  initialized = 0;
  /** For the privacy extension of addrconf (unused: no temporary addresses). */
  readonly randomseed0 = new Uint8Array(8);
  readonly randomseed1 = new Uint8Array(8);
  readonly randomid = new Uint8Array(8);
}

// nd_ifinfo.flags
export const ND6_IFF_PERFORMNUD = 0x1;
export const ND6_IFF_ACCEPT_RTADV = 0x2;
/** Not used in FreeBSD. */
export const ND6_IFF_PREFER_SOURCE = 0x4;
/** IPv6 operation is disabled (DAD failure of a hardware-derived link-local address, or by hand). */
export const ND6_IFF_IFDISABLED = 0x8;
export const ND6_IFF_DONT_SET_IFROUTE = 0x10;
export const ND6_IFF_AUTO_LINKLOCAL = 0x20;
export const ND6_IFF_NO_RADR = 0x40;
export const ND6_IFF_NO_PREFER_IFACE = 0x80;
export const ND6_IFF_NO_DAD = 0x100;
export const ND6_IFF_STABLEADDR = 0x800;

export const ND6_CREATE = 0x8000; // LLE_CREATE
export const ND6_EXCLUSIVE = LLE_EXCLUSIVE;

/** struct in6_nbrinfo: SIOCGNBRINFO_IN6's argument. */
export class in6_nbrinfo {
  ifname = "";
  readonly addr = new in6_addr();
  asked = 0;
  isrouter = 0;
  state = 0;
  /** Wall-clock second the state changes, 0 for never. */
  expire = 0;
}


// Protocol constants.
export const MAX_RTR_SOLICITATION_DELAY = 1;
export const RTR_SOLICITATION_INTERVAL = 4;
export const MAX_RTR_SOLICITATIONS = 3;
export { ND6_INFINITE_LIFETIME };

// Node constants.
export const MAX_REACHABLE_TIME = 3600000;
export const REACHABLE_TIME = 30000;
export const RETRANS_TIMER = 1000;
export const MIN_RANDOM_FACTOR = 512;
export const MAX_RANDOM_FACTOR = 1536;
export const DEF_TEMP_VALID_LIFETIME = 604800;
export const DEF_TEMP_PREFERRED_LIFETIME = 86400;
export const TEMPADDR_REGEN_ADVANCE = 5;
export const MAX_TEMP_DESYNC_FACTOR = 600;

/** ND_COMPUTE_RTIME(x): ReachableTime in seconds, uniformly random in [0.5, 1.5] x BaseReachableTime (ms). */
export function ND_COMPUTE_RTIME(x: number): number {
  return Math.floor((MIN_RANDOM_FACTOR * (x >>> 10) + (arc4random() & ((MAX_RANDOM_FACTOR - MIN_RANDOM_FACTOR) * (x >>> 10)))) / 1000);
}

// ---------------------------------------------------------------------------
// Knobs (nd6.c and the nd6 part of icmp6.c's net.inet6.icmp6.*).

const ND6_SLOWTIMER_INTERVAL = 60 * 60;
const ND6_RECALC_REACHTM_INTERVAL = 60 * 120;

/** Walk the prefix and router lists every second. */
export const nd6_prune = VNET_DEFINE_INT("nd6_prune", 1);
/** DELAY_FIRST_PROBE_TIME, s. */
export const nd6_delay = VNET_DEFINE_INT("nd6_delay", 5);
/** MAX_UNICAST_SOLICIT */
export const nd6_umaxtries = VNET_DEFINE_INT("nd6_umaxtries", 3);
/** MAX_MULTICAST_SOLICIT */
export const nd6_mmaxtries = VNET_DEFINE_INT("nd6_mmaxtries", 3);
export const nd6_useloopback = VNET_DEFINE_INT("nd6_useloopback", 1);
/** How long an unused STALE entry lives: a day. */
export const nd6_gctimer = VNET_DEFINE_INT("nd6_gctimer", 60 * 60 * 24);
/** At most this many options in one message. */
const nd6_maxndopt = VNET_DEFINE_INT("nd6_maxndopt", 10);
export const nd6_maxnudhint = VNET_DEFINE_INT("nd6_maxnudhint", 0);
/** Packets held per unresolved entry. */
export const nd6_maxqueuelen = VNET_DEFINE_INT("nd6_maxqueuelen", 16);
export const nd6_debug = VNET_DEFINE_INT("nd6_debug", 0);
export const nd6_recalc_reachtm_interval = VNET_DEFINE_INT("nd6_recalc_reachtm_interval", ND6_RECALC_REACHTM_INTERVAL);

// icmp6.h's sysctl numbers.
export const ICMPV6CTL_ND6_PRUNE = 6;
export const ICMPV6CTL_ND6_DELAY = 8;
export const ICMPV6CTL_ND6_UMAXTRIES = 9;
export const ICMPV6CTL_ND6_MMAXTRIES = 10;
export const ICMPV6CTL_ND6_USELOOPBACK = 11;
export const ICMPV6CTL_ND6_MAXNUDHINT = 15;
export const ICMPV6CTL_ND6_DEBUG = 18;
export const ICMPV6CTL_ND6_DRLIST = 19;
export const ICMPV6CTL_ND6_PRLIST = 20;
export const ICMPV6CTL_ND6_MAXQLEN = 24;

const V = CTLFLAG_VNET | CTLFLAG_RW;
SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_ND6_PRUNE, "nd6_prune", V, nd6_prune, 0, "Frequency in seconds of checks for expired prefixes and routers");
SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_ND6_DELAY, "nd6_delay", V, nd6_delay, 0, "Delay in seconds before probing for reachability");
SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_ND6_UMAXTRIES, "nd6_umaxtries", V, nd6_umaxtries, 0, "Number of ICMPv6 NS messages sent during reachability detection");
SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_ND6_MMAXTRIES, "nd6_mmaxtries", V, nd6_mmaxtries, 0, "Number of ICMPv6 NS messages sent during address resolution");
SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_ND6_USELOOPBACK, "nd6_useloopback", V, nd6_useloopback, 0, "Create a loopback route when configuring an IPv6 address");
SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_ND6_MAXNUDHINT, "nd6_maxnudhint", V, nd6_maxnudhint, 0, "");
SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_ND6_DEBUG, "nd6_debug", V, nd6_debug, 0, "Log NDP debug messages");
SYSCTL_INT(_net_inet6_icmp6, ICMPV6CTL_ND6_MAXQLEN, "nd6_maxqueuelen", V, nd6_maxqueuelen, 1, "");
SYSCTL_INT(_net_inet6_icmp6, OID_AUTO, "nd6_gctimer", V, nd6_gctimer, 60 * 60 * 24, "");

/** nd6log((pri, ...)): debug messages, only with net.inet6.icmp6.nd6_debug. */
export function nd6log_on(): boolean {
  return VNET_I32(nd6_debug) !== 0;
}
export function nd6log(pri: number, msg: string): void {
  if (VNET_I32(nd6_debug) !== 0) log(pri, msg);
}

// ---------------------------------------------------------------------------
// Per-vnet state: the timers.

class nd6_vnet_state {
  readonly nd6_slowtimo_ch = new callout();
  readonly nd6_timer_ch = new callout();
  /** nd6_destroy ran: the vnet's teardown (interfaces leaving later) starts no timer. */
  destroyed = false;
  constructor() {
    callout_init(this.nd6_slowtimo_ch, false);
    callout_init(this.nd6_timer_ch, false);
  }
}
const nd6_state = VNET_DEFINE_PTR<nd6_vnet_state | null>("nd6_state", null);
function V_nd6(): nd6_vnet_state {
  let s = VNET_PTR(nd6_state);
  if (s === null) {
    s = new nd6_vnet_state();
    VNET_PTR_SET(nd6_state, s);
  }
  return s;
}

/** nd6_init: the lists and timers of a new vnet. */
export function nd6_init(): void {
  VNET_PTR_SET(nd6_state, new nd6_vnet_state());
  nd6_defrouter_init();
  nd6_dad_init();
}
VNET_SYSINIT("nd6_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY, nd6_init);

/** nd6_destroy: the vnet goes; so do its timers. */
function nd6_destroy(): void {
  const s = VNET_PTR(nd6_state);
  if (s === null) return;
  s.destroyed = true;
  callout_stop(s.nd6_slowtimo_ch);
  callout_stop(s.nd6_timer_ch);
}
VNET_SYSUNINIT("nd6_destroy", SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY, nd6_destroy);

/** Start nd6_timer (and nd6_slowtimo) unless they run already: something for them to watch appeared. */
export function nd6_timer_kick(): void {
  const s = V_nd6();
  if (s.destroyed) return;
  const v = curvnet ?? vnet0;
  if (!callout_pending(s.nd6_timer_ch)) callout_reset(s.nd6_timer_ch, VNET_I32(nd6_prune) * hz, nd6_timer, v);
  if (!callout_pending(s.nd6_slowtimo_ch)) callout_reset(s.nd6_slowtimo_ch, ND6_SLOWTIMER_INTERVAL * hz, nd6_slowtimo, v);
}

// EVENTHANDLER(lle_event, nd6_lle_event): resolved and expired entries
// are announced on the routing socket (RTM_ADD / RTM_DELETE, RTF_LLDATA).
const lle_event_dst = new sockaddr_in6();
function nd6_lle_event(lle: llentry, evt: number): void {
  let type: number;
  switch (evt) {
    case LLENTRY_RESOLVED:
      type = RTM_ADD;
      break;
    case LLENTRY_EXPIRED:
      type = RTM_DELETE;
      break;
    default:
      return;
  }
  const llt = lle.lle_tbl;
  if (llt === null) return;
  const ifp = llt.llt_ifp;
  const dst = lle_event_dst;
  in6_lltable_fill_sa_entry(lle, dst);
  dst.sin6_scope_id = in6_getscopezone(ifp, in6_addrscope(dst.sin6_addr));
  const gw = new sockaddr_dl(ifp.if_index, ifp.if_type, "", evt === LLENTRY_RESOLVED ? lle.ll_addr.slice(0, ifp.if_addrlen) : new Uint8Array(0));
  const rtinfo = new rt_addrinfo();
  rtinfo.rti_info[RTAX_DST] = dst;
  rtinfo.rti_info[RTAX_GATEWAY] = gw;
  rtinfo.rti_addrs = RTA_DST | RTA_GATEWAY;
  const fibnum = V_rt_add_addr_allfibs() !== 0 ? RT_ALL_FIBS : ifp.if_fib;
  rt_missmsg_fib(type, rtinfo, RTF_HOST | RTF_LLDATA | (type === RTM_ADD ? RTF_UP : 0), 0, fibnum);
}
in6_lle_event_register(nd6_lle_event);

/** nd6_iflladdr: the interface's link-level address changed; so do the cached headers. */
function nd6_iflladdr(ifp: ifnet): void {
  const llt = in6_lltable_get(ifp);
  if (llt !== null) lltable_update_ifaddr(llt);
}
iflladdr_event.push(nd6_iflladdr);

/** An interface going up or down may give nd6_timer work (see the header). */
function nd6_ifnet_event(ifp: ifnet, event: number): void {
  if (event !== IFNET_EVENT_UP && event !== IFNET_EVENT_DOWN) return;
  if (in6_ifextra_get(ifp) === null) return;
  const saved = CURVNET_SET(ifp.if_vnet, "nd6_ifnet_event");
  // Only an interface with IPv6 addresses gives the timers work (DAD on up,
  // tentative again on down); kicking them for the others would let an idle
  // simulation's clock run to the slow timer's hour.
  if (V_in6_ifaddrhead().some((ia6) => ia6.ia_ifp === ifp)) nd6_timer_kick();
  CURVNET_RESTORE(saved);
}
ifnet_event.push(nd6_ifnet_event);

// ---------------------------------------------------------------------------
// Interfaces.

/** ND_IFINFO(ifp): the interface's ND parameters (in6_ifextra's nd_ifinfo). */
export function ND_IFINFO(ifp: ifnet): nd_ifinfo {
  const ext = in6_ifextra_get(ifp);
  const nd = ext === null ? null : ext.nd_ifinfo;
  if (!(nd instanceof nd_ifinfo)) throw new Error(`ND_IFINFO: ${ifp.if_xname} has no IPv6 data`);
  return nd;
}

/** nd6_ifattach: an interface's ND parameters, with FreeBSD's defaults. */
export function nd6_ifattach(ifp: ifnet): nd_ifinfo {
  const nd = new nd_ifinfo();
  nd.initialized = 1;
  nd.chlim = IPV6_DEFHLIM;
  nd.basereachable = REACHABLE_TIME;
  nd.reachable = ND_COMPUTE_RTIME(nd.basereachable);
  nd.retrans = RETRANS_TIMER;
  nd.flags = ND6_IFF_PERFORMNUD;
  // IPv6 is off on everything but loopback until ifconfig says otherwise
  // (or net.inet6.ip6.accept_rtadv turns it on).
  if ((ifp.if_flags & IFF_LOOPBACK) === 0) nd.flags |= ND6_IFF_IFDISABLED;
  // A bridge does not get a link-local address by default.
  if ((VNET_I32(ip6_auto_linklocal) !== 0 && ifp.if_type !== IFT_BRIDGE) || (ifp.if_flags & IFF_LOOPBACK) !== 0) nd.flags |= ND6_IFF_AUTO_LINKLOCAL;
  // Loopback and bridges do not take router advertisements.
  if (V_ip6_accept_rtadv() !== 0 && (ifp.if_flags & IFF_LOOPBACK) === 0 && ifp.if_type !== IFT_BRIDGE) {
    nd.flags |= ND6_IFF_ACCEPT_RTADV;
    nd.flags &= ~ND6_IFF_IFDISABLED;
  }
  if (V_ip6_no_radr() !== 0 && (ifp.if_flags & IFF_LOOPBACK) === 0) nd.flags |= ND6_IFF_NO_RADR;
  nd6_setmtu0(ifp, nd);
  return nd;
}

/** nd6_ifdetach: stop DAD on the interface's addresses. */
export function nd6_ifdetach(ifp: ifnet, _nd: nd_ifinfo): void {
  for (const ifa of ifp.if_addrhead.slice()) {
    if (!(ifa instanceof in6_ifaddr)) continue;
    nd6_dad_stop(ifa);
  }
}

/** nd6_setmtu: the interface's MTU changed. */
export function nd6_setmtu(ifp: ifnet): void {
  if (in6_ifextra_get(ifp) === null) return;
  nd6_setmtu0(ifp, ND_IFINFO(ifp));
}

function nd6_setmtu0(ifp: ifnet, ndi: nd_ifinfo): void {
  const omaxmtu = ndi.maxmtu;
  ndi.maxmtu = ifp.if_mtu;
  // Only a change (not the first setting) below the IPv6 minimum is told.
  if (omaxmtu >= IPV6_MMTU && ndi.maxmtu < IPV6_MMTU) log(LOG_NOTICE, `nd6_setmtu0: new link MTU on ${ifp.if_xname} (${ndi.maxmtu}) is too small for IPv6\n`);
}

// ---------------------------------------------------------------------------
// ND options (nd6_option_init, nd6_option, nd6_options).  The offsets are
// into the first mbuf's buffer (the callers pulled the message up).

export class nd_opts {
  /** Offset of the first option of each type (by type, ND_OPT_*), -1 if absent. */
  readonly nd_opt_array = new Int32Array(16).fill(-1);
  nd_opts_search = -1;
  nd_opts_last = -1;
  nd_opts_done = 0;
  /** The last prefix information option (the first is nd_opt_array[3]). */
  nd_opts_pi_end = -1;
  get nd_opts_src_lladdr(): number {
    return this.nd_opt_array[ND_OPT_SOURCE_LINKADDR];
  }
  get nd_opts_tgt_lladdr(): number {
    return this.nd_opt_array[ND_OPT_TARGET_LINKADDR];
  }
  get nd_opts_pi(): number {
    return this.nd_opt_array[ND_OPT_PREFIX_INFORMATION];
  }
  get nd_opts_rh(): number {
    return this.nd_opt_array[ND_OPT_REDIRECTED_HEADER];
  }
  get nd_opts_mtu(): number {
    return this.nd_opt_array[ND_OPT_MTU];
  }
  get nd_opts_nonce(): number {
    return this.nd_opt_array[ND_OPT_NONCE];
  }
  bzero(): void {
    this.nd_opt_array.fill(-1);
    this.nd_opts_search = -1;
    this.nd_opts_last = -1;
    this.nd_opts_done = 0;
    this.nd_opts_pi_end = -1;
  }
}

/** nd6_option_init(opt, icmp6len, ndopts): options from offset opt, icmp6len bytes. */
export function nd6_option_init(opt: number, icmp6len: number, ndopts: nd_opts): void {
  ndopts.bzero();
  ndopts.nd_opts_search = opt;
  ndopts.nd_opts_last = opt + icmp6len;
  if (icmp6len === 0) {
    ndopts.nd_opts_done = 1;
    ndopts.nd_opts_search = -1;
  }
}

/** nd6_option: the next option (its offset), or -1 (and ndopts zeroed when malformed). */
export function nd6_option(buf: Uint8Array, ndopts: nd_opts): number {
  if (ndopts.nd_opts_search < 0) return -1;
  if (ndopts.nd_opts_done !== 0) return -1;
  const nd_opt = ndopts.nd_opts_search;
  // nd_opt_len must be inside the buffer.
  if (nd_opt + 1 >= ndopts.nd_opts_last) {
    ndopts.bzero();
    return -1;
  }
  const olen = buf[nd_opt + 1] << 3;
  if (olen === 0) {
    // Every option is at least 8 bytes long.
    ndopts.bzero();
    return -1;
  }
  ndopts.nd_opts_search = nd_opt + olen;
  if (ndopts.nd_opts_search > ndopts.nd_opts_last) {
    // It runs past the end.
    ndopts.bzero();
    return -1;
  } else if (ndopts.nd_opts_search === ndopts.nd_opts_last) {
    ndopts.nd_opts_done = 1;
    ndopts.nd_opts_search = -1;
  }
  return nd_opt;
}

/**
 * The link-layer address an option carries (what follows its type and
 * length: FreeBSD's `(char *)(opt + 1)`), copied into out, which callers
 * keep (nd6_cache_lladdr keeps nothing of it); returns the option's length
 * in bytes (nd_opt_len << 3).  Allocation-free.
 */
export function nd6_opt_lladdr(buf: Uint8Array, opt: number, out: Uint8Array): number {
  const len = buf[opt + 1] << 3;
  for (let i = 0; i < len - 2 && i < out.length; i++) out[i] = buf[opt + 2 + i];
  return len;
}

/** nd6_options: index the options by type; -1 for a malformed message (icp6s_nd_badopt counted). */
export function nd6_options(buf: Uint8Array, ndopts: nd_opts): number {
  if (ndopts.nd_opts_search < 0) return 0;
  let i = 0;
  for (;;) {
    const nd_opt = nd6_option(buf, ndopts);
    if (nd_opt < 0 && ndopts.nd_opts_last < 0) {
      ICMP6STAT_INC(icp6s_nd_badopt);
      ndopts.bzero();
      return -1;
    }
    if (nd_opt >= 0) {
      const type = buf[nd_opt];
      switch (type) {
        case ND_OPT_SOURCE_LINKADDR:
        case ND_OPT_TARGET_LINKADDR:
        case ND_OPT_MTU:
        case ND_OPT_REDIRECTED_HEADER:
        case ND_OPT_NONCE:
          if (ndopts.nd_opt_array[type] >= 0) nd6log(LOG_INFO, `duplicated ND6 option found (type=${type})\n`);
          else ndopts.nd_opt_array[type] = nd_opt;
          break;
        case ND_OPT_PREFIX_INFORMATION:
          if (ndopts.nd_opt_array[type] < 0) ndopts.nd_opt_array[type] = nd_opt;
          ndopts.nd_opts_pi_end = nd_opt;
          break;
        case ND_OPT_RDNSS:
        case ND_OPT_DNSSL:
          // Known, and for userland.
          break;
        default:
          nd6log(LOG_DEBUG, `nd6_options: unsupported option ${type} - option ignored\n`);
      }
    }
    i++;
    if (i > VNET_I32(nd6_maxndopt)) {
      ICMP6STAT_INC(icp6s_nd_toomanyopt);
      nd6log(LOG_INFO, "too many loop in nd opt\n");
      break;
    }
    if (ndopts.nd_opts_done !== 0) break;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// The neighbor cache's timers and states.

/** LLE_FREE_LOCKED: drop a reference; the last one frees the entry. */
function LLE_FREE_LOCKED(lle: llentry): void {
  if (lle.lle_refcnt === 1) lle.lle_free(lle);
  else lle.lle_refcnt--;
}

/** nd6_llinfo_settimer_locked: (re)arm the entry's timer for tick ticks; tick < 0 stops it. */
export function nd6_llinfo_settimer_locked(ln: llentry, tick: number): void {
  let canceled: number;
  if (tick < 0) {
    ln.la_expire = 0;
    ln.ln_ntick = 0;
    canceled = callout_stop(ln.lle_timer);
  } else {
    ln.la_expire = time_uptime() + Math.floor(tick / hz);
    ln.lle_refcnt++;
    if (tick > INT_MAX) {
      ln.ln_ntick = tick - INT_MAX;
      canceled = callout_reset(ln.lle_timer, INT_MAX, nd6_llinfo_timer, ln);
    } else {
      ln.ln_ntick = 0;
      canceled = callout_reset(ln.lle_timer, tick, nd6_llinfo_timer, ln);
    }
  }
  if (canceled > 0) ln.lle_refcnt--;
}

const holdsrc_scratch = new Uint8Array(16);
/** nd6_llinfo_get_holdsrc: the source address of the first held packet, into src; false when none. */
function nd6_llinfo_get_holdsrc(ln: llentry, src: in6_addr): boolean {
  const m = ln.la_hold;
  if (m === null) return false;
  if (m.m_pkthdr.len < 40) return false;
  m_copydata(m, IP6_OFF_SRC, 16, holdsrc_scratch);
  src.s6_addr.set(holdsrc_scratch);
  return true;
}

/** nd6_is_stale's answers. */
let stale_delay = 0;
let stale_do_switch = 0;

/**
 * nd6_is_stale: a STALE entry's timer fired.  FreeBSD leaves the state
 * alone when a packet uses the entry; the timer sees it (r_skip_req was
 * cleared, lle_hittime set) and moves to PROBE nd6_delay seconds after
 * that use.  1 and stale_delay: stay STALE, wake again then; 0 and
 * stale_do_switch: probe (1) or collect (0).
 */
function nd6_is_stale(lle: llentry): number {
  stale_do_switch = 0;
  const nd_gctimer = VNET_I32(nd6_gctimer);
  const nd_delay = VNET_I32(nd6_delay);
  if (lle.r_skip_req > 0) {
    // Unused since it went STALE.
    let delay = Math.min(nd_gctimer, nd_delay) * hz;
    if (lle.lle_remtime > delay) lle.lle_remtime -= delay;
    else {
      delay = lle.lle_remtime;
      lle.lle_remtime = 0;
    }
    if (delay === 0) return 0;
    stale_delay = delay;
    return 1;
  }
  const delay = time_uptime() - lle.lle_hittime;
  if (delay < nd_delay) {
    stale_delay = (nd_delay - delay) * hz;
    return 1;
  }
  stale_do_switch = 1;
  return 0;
}

/** nd6_llinfo_setstate: move to newstate, arming the timer that state needs. */
export function nd6_llinfo_setstate(lle: llentry, newstate: number): void {
  let delay = 0;
  let remtime = 0;
  switch (newstate) {
    case ND6_LLINFO_INCOMPLETE: {
      const ifp = (lle.lle_tbl as NonNullable<llentry["lle_tbl"]>).llt_ifp;
      delay = Math.floor((ND_IFINFO(ifp).retrans * hz) / 1000);
      break;
    }
    case ND6_LLINFO_REACHABLE:
      if (!ND6_LLINFO_PERMANENT(lle)) {
        const ifp = (lle.lle_tbl as NonNullable<llentry["lle_tbl"]>).llt_ifp;
        delay = ND_IFINFO(ifp).reachable * hz;
      }
      break;
    case ND6_LLINFO_STALE: {
      // Ask the data path to tell whether the entry gets used.
      lle.r_skip_req = 1;
      const nd_delay = VNET_I32(nd6_delay);
      const nd_gctimer = VNET_I32(nd6_gctimer);
      delay = Math.min(nd_gctimer, nd_delay) * hz;
      remtime = nd_gctimer * hz - delay;
      break;
    }
    case ND6_LLINFO_DELAY:
      lle.la_asked = 0;
      delay = VNET_I32(nd6_delay) * hz;
      break;
  }
  if (delay > 0) nd6_llinfo_settimer_locked(lle, delay);
  lle.lle_remtime = remtime;
  lle.ln_state = newstate;
}

const timer_src = new in6_addr();

/** nd6_llinfo_timer: an entry's timer fired (the state machine above). */
function nd6_llinfo_timer(arg: llentry): void {
  let ln: llentry | null = arg;
  const llt = arg.lle_tbl;
  if (llt === null) return;
  const ifp = llt.llt_ifp;
  const saved = CURVNET_SET(ifp.if_vnet, "nd6_llinfo_timer");
  // Rescheduled before it ran: the new run does the work.
  if (callout_pending(arg.lle_timer)) {
    CURVNET_RESTORE(saved);
    return;
  }
  const ndi = ND_IFINFO(ifp);
  let send_ns = 0;
  const dst = lle_addr6(arg);
  let pdst: in6_addr | null = dst;
  done: {
    if (ln.ln_ntick > 0) {
      if (ln.ln_ntick > INT_MAX) {
        ln.ln_ntick -= INT_MAX;
        nd6_llinfo_settimer_locked(ln, INT_MAX);
      } else {
        ln.ln_ntick = 0;
        nd6_llinfo_settimer_locked(ln, ln.ln_ntick);
      }
      break done;
    }
    if ((ln.la_flags & LLE_STATIC) !== 0) break done;
    if ((ln.la_flags & LLE_DELETED) !== 0) {
      nd6_free(ln, 0);
      ln = null;
      break done;
    }
    switch (ln.ln_state) {
      case ND6_LLINFO_INCOMPLETE:
        if (ln.la_asked < VNET_I32(nd6_mmaxtries)) {
          ln.la_asked++;
          send_ns = 1;
          // To the solicited-node group.
          pdst = null;
        } else {
          // Given up: the first held packet gets an error, the rest go.
          let m: mbuf | null = ln.la_hold;
          if (m !== null) {
            const m0 = m.m_nextpkt;
            m.m_nextpkt = null;
            ln.la_hold = m0;
            clear_llinfo_pqueue(ln);
          }
          nd6_free(ln, 0);
          ln = null;
          if (m !== null) {
            // Unmapped (M_EXTPG) data cannot be checksummed for an ICMP error.
            let n: mbuf | null = m;
            while ((n = n.m_next) !== null) if ((n.m_flags & M_EXTPG) !== 0) break;
            if (n !== null) {
              m_freem(m);
              m = null;
            } else icmp6_error2(m, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, 0, ifp);
          }
        }
        break;
      case ND6_LLINFO_REACHABLE:
        if (!ND6_LLINFO_PERMANENT(ln)) nd6_llinfo_setstate(ln, ND6_LLINFO_STALE);
        break;
      case ND6_LLINFO_STALE:
        if (nd6_is_stale(ln) !== 0) {
          // Unused and the GC time is not up: sleep again.
          nd6_llinfo_settimer_locked(ln, stale_delay);
          break;
        }
        if (stale_do_switch === 0) {
          // Unused for nd6_gctimer: collect it (RFC 4861 5.3).
          if (!ND6_LLINFO_PERMANENT(ln)) {
            nd6_free(ln, 1);
            ln = null;
          }
          break;
        }
        // Used, and nd6_delay has passed since: as DELAY running out.
        send_ns = nd6_llinfo_delay_expired(ln, ndi);
        break;
      case ND6_LLINFO_DELAY:
        send_ns = nd6_llinfo_delay_expired(ln, ndi);
        break;
      case ND6_LLINFO_PROBE:
        if (ln.la_asked < VNET_I32(nd6_umaxtries)) {
          ln.la_asked++;
          send_ns = 1;
        } else {
          nd6_free(ln, 0);
          ln = null;
        }
        break;
      default:
        throw new Error(`nd6_llinfo_timer: paths in a dark night can be confusing: ${ln.ln_state}`);
    }
  }
  if (send_ns !== 0 && ln !== null) {
    nd6_llinfo_settimer_locked(ln, Math.floor((ndi.retrans * hz) / 1000));
    const psrc = nd6_llinfo_get_holdsrc(ln, timer_src) ? timer_src : null;
    LLE_FREE_LOCKED(ln);
    ln = null;
    nd6_ns_output(ifp, psrc, pdst, dst, null);
  }
  if (ln !== null) LLE_FREE_LOCKED(ln);
  CURVNET_RESTORE(saved);
}

/** DELAY ran out (or a used STALE entry's delay): probe, with NUD; 1 when a solicitation is due. */
function nd6_llinfo_delay_expired(ln: llentry, ndi: nd_ifinfo): number {
  if ((ndi.flags & ND6_IFF_PERFORMNUD) !== 0) {
    ln.la_asked = 1;
    nd6_llinfo_setstate(ln, ND6_LLINFO_PROBE);
    return 1;
  }
  nd6_llinfo_setstate(ln, ND6_LLINFO_STALE);
  return 0;
}

/** Is there something for nd6_timer to watch (see the header)? */
function nd6_timer_has_work(): boolean {
  if (nd6_defrouter_has_expiry()) return true;
  for (const pr of V_nd_prefix()) if (pr.ndpr_vltime !== ND6_INFINITE_LIFETIME) return true;
  for (const ia6 of V_in6_ifaddrhead()) {
    const lt = ia6.ia6_lifetime;
    if (lt.ia6t_vltime !== ND6_INFINITE_LIFETIME || lt.ia6t_pltime !== ND6_INFINITE_LIFETIME) return true;
    if ((ia6.ia6_flags & IN6_IFF_TENTATIVE) !== 0 && nd6_dad_should_start(ia6)) return true;
  }
  return false;
}

/** A tentative address the timer would start DAD for (no DAD running, the interface able to). */
function nd6_dad_should_start(ia6: in6_ifaddr): boolean {
  const ifp = ia6.ia_ifp;
  if ((ifp.if_flags & IFF_UP) === 0 || (ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) return false;
  const ext = in6_ifextra_get(ifp);
  if (ext === null || !(ext.nd_ifinfo instanceof nd_ifinfo)) return false;
  if ((ext.nd_ifinfo.flags & ND6_IFF_IFDISABLED) !== 0) return false;
  return !nd6_dad_pending(ia6);
}

/** nd6_timer: expire default routers, addresses and prefixes. */
export function nd6_timer(arg: vnet): void {
  const saved = CURVNET_SET(arg, "nd6_timer");
  nd6_defrouter_timer();
  const now = time_uptime();
  // Address lifetimes (apart from prefix lifetimes, RFC 4862).
  {
    for (const ia6 of V_in6_ifaddrhead().slice()) {
      if (IFA6_IS_INVALID(ia6.ia6_lifetime, now)) {
        // No temporary addresses here (net.inet6.ip6.use_tempaddr is 0),
        // so none is regenerated.
        in6_purgeifaddr(ia6);
        continue;
      } else if (IFA6_IS_DEPRECATED(ia6.ia6_lifetime, now)) {
        ia6.ia6_flags |= IN6_IFF_DEPRECATED;
      } else if ((ia6.ia6_flags & IN6_IFF_TENTATIVE) !== 0) {
        // Configured while the interface was down or not running.
        const delay = arc4random() % (MAX_RTR_SOLICITATION_DELAY * hz);
        nd6_dad_start(ia6, delay);
      } else {
        // A down interface's addresses are tentative again, for DAD when it comes up.
        const ifp = ia6.ia_ifp;
        const ndi = ND_IFINFO(ifp);
        if ((ndi.flags & ND6_IFF_NO_DAD) === 0 && ((ifp.if_flags & IFF_UP) === 0 || (ifp.if_drv_flags & IFF_DRV_RUNNING) === 0 || (ndi.flags & ND6_IFF_IFDISABLED) !== 0)) {
          ia6.ia6_flags &= ~IN6_IFF_DUPLICATED;
          ia6.ia6_flags |= IN6_IFF_TENTATIVE;
        }
        // A new RA may have made a deprecated address preferred.
        ia6.ia6_flags &= ~IN6_IFF_DEPRECATED;
      }
    }
  }
  // Prefixes: unlinked once their addresses are gone, off-link before that.
  const prl: nd_prefix[] = [];
  for (const pr of V_nd_prefix().slice()) {
    if (pr.ndpr_vltime === ND6_INFINITE_LIFETIME || now - pr.ndpr_lastupdate <= pr.ndpr_vltime) continue;
    if (pr.ndpr_addrcnt === 0) {
      nd6_prefix_unlink(pr, prl);
      continue;
    }
    if ((pr.ndpr_stateflags & NDPRF_ONLINK) !== 0) {
      nd6_prefix_ref(pr);
      nd6_prefix_offlink(pr);
      nd6_prefix_rele(pr);
    }
  }
  while (prl.length > 0) nd6_prefix_del(prl.shift() as nd_prefix);
  if (nd6_timer_has_work() && !V_nd6().destroyed) callout_reset(V_nd6().nd6_timer_ch, VNET_I32(nd6_prune) * hz, nd6_timer, arg);
  CURVNET_RESTORE(saved);
}

/** nd6_slowtimo: recompute each interface's ReachableTime every couple of hours (RFC 4861 6.3.4). */
function nd6_slowtimo(arg: vnet): void {
  const saved = CURVNET_SET(arg, "nd6_slowtimo");
  for (const ifp of V_ifnet()) {
    const ext = in6_ifextra_get(ifp);
    if (ext === null || !(ext.nd_ifinfo instanceof nd_ifinfo)) continue;
    const nd6if = ext.nd_ifinfo;
    if (nd6if.basereachable !== 0 && (nd6if.recalctm -= ND6_SLOWTIMER_INTERVAL) <= 0) {
      nd6if.recalctm = VNET_I32(nd6_recalc_reachtm_interval);
      nd6if.reachable = ND_COMPUTE_RTIME(nd6if.basereachable);
    }
  }
  if (nd6_timer_has_work() && !V_nd6().destroyed) callout_reset(V_nd6().nd6_slowtimo_ch, ND6_SLOWTIMER_INTERVAL * hz, nd6_slowtimo, arg);
  CURVNET_RESTORE(saved);
}

/** nd6_purge: the interface goes; so do its routers and prefixes (its cache goes with its table). */
export function nd6_purge(ifp: ifnet): void {
  nd6_defrouter_purge(ifp);
  const prl: nd_prefix[] = [];
  for (const pr of V_nd_prefix().slice()) if (pr.ndpr_ifp === ifp) nd6_prefix_unlink(pr, prl);
  while (prl.length > 0) nd6_prefix_del(prl.shift() as nd_prefix);
  if (VNET_I32(nd6_defifindex) === ifp.if_index) nd6_setdefaultiface(0);
  if ((ND_IFINFO(ifp).flags & ND6_IFF_ACCEPT_RTADV) !== 0) defrouter_select_fib(ifp.if_fib);
}

// ---------------------------------------------------------------------------
// Lookups.

/** nd6_lookup: the cache entry for addr6 on ifp.  Allocation-free. */
export function nd6_lookup(addr6: in6_addr, llflags: number, ifp: ifnet): llentry | null {
  const llt = in6_lltable_get(ifp);
  if (llt === null) return null;
  return lla_lookup(llt, llflags, addr6);
}

/** nd6_alloc: a new, unlinked entry in state NOSTATE. */
function nd6_alloc(addr6: in6_addr, _flags: number, ifp: ifnet): llentry | null {
  const llt = in6_lltable_get(ifp);
  if (llt === null) return null;
  const ln = lltable_alloc_entry(llt, 0, addr6);
  if (ln !== null) ln.ln_state = ND6_LLINFO_NOSTATE;
  return ln;
}

const neighbor_copy = new sockaddr_in6();
const neighbor_zone: intp = { v: 0 };
const neighbor_key = new sockaddr_in6();

/**
 * nd6_is_new_addr_neighbor: is addr on ifp's link, by the rules alone (not
 * the cache)?  Link-local addresses of ifp's zone, our on-link prefixes,
 * the far end of a point-to-point link, and everything when we accept RAs,
 * know of no router and ifp is the default interface.
 */
function nd6_is_new_addr_neighbor(addr: sockaddr_in6, ifp: ifnet): boolean {
  if (IN6_IS_ADDR_LINKLOCAL(addr.sin6_addr)) {
    // sa6_recoverscope may change it: work on a copy.
    const c = neighbor_copy;
    in6_addr_copy(c.sin6_addr, addr.sin6_addr);
    c.sin6_scope_id = addr.sin6_scope_id;
    if (sa6_recoverscope(c) !== 0) return false;
    if (in6_setscope(c.sin6_addr, ifp, neighbor_zone) !== 0) return false;
    return c.sin6_scope_id === neighbor_zone.v;
  }
  // Our addresses and on-link prefixes.
  for (const pr of V_nd_prefix()) {
    if (pr.ndpr_ifp !== ifp) continue;
    if ((pr.ndpr_stateflags & NDPRF_ONLINK) === 0) {
      // The same prefix on several interfaces: only the one whose route is
      // installed counts (any fib will do when routes go to all of them).
      let error = 0;
      const info = new rt_addrinfo();
      info.rti_info[RTAX_DST] = neighbor_key;
      let fibnum = V_rt_add_addr_allfibs() !== 0 ? V_rt_numfibs() - 1 : 0;
      for (; fibnum < V_rt_numfibs(); fibnum++) {
        error = rib_lookup_info(fibnum, pr.ndpr_prefix, 0, 0, info);
        if (error === 0) break;
      }
      if (error !== 0) continue;
      const rt_key = info.rti_info[RTAX_DST];
      if (rt_key === null || !("sin6_addr" in rt_key) || !IN6_ARE_ADDR_EQUAL(pr.ndpr_prefix.sin6_addr, rt_key.sin6_addr)) continue;
    }
    if (IN6_ARE_MASKED_ADDR_EQUAL(pr.ndpr_prefix.sin6_addr, addr.sin6_addr, pr.ndpr_mask)) return true;
  }
  // The far end of a point-to-point link.
  if ((ifp.if_flags & IFF_POINTOPOINT) !== 0) {
    for (const ifa of ifp.if_addrhead) {
      if (!(ifa instanceof in6_ifaddr)) continue;
      if (ifa.ia_dstaddr.sin6_len !== 0 && IN6_ARE_ADDR_EQUAL(ifa.ia_dstaddr.sin6_addr, addr.sin6_addr)) return true;
    }
  }
  // No default router: everything is on-link.
  if ((ND_IFINFO(ifp).flags & ND6_IFF_ACCEPT_RTADV) !== 0 && nd6_defrouter_list_empty() && VNET_I32(nd6_defifindex) === ifp.if_index) return true;
  return false;
}

/** nd6_is_addr_neighbor: is addr a neighbor on ifp (by the rules, or in the cache)? */
export function nd6_is_addr_neighbor(addr: sockaddr_in6, ifp: ifnet): boolean {
  if (nd6_is_new_addr_neighbor(addr, ifp)) return true;
  return nd6_lookup(addr.sin6_addr, 0, ifp) !== null;
}

/**
 * nd6_free: an entry goes (gc: only because it went unused).  A default
 * router's entry collected for disuse stays while the router's lifetime
 * runs; a router's going changes the default route and the prefixes'
 * on-link state.
 */
function nd6_free(ln: llentry, gc: number): void {
  const llt = ln.lle_tbl as NonNullable<llentry["lle_tbl"]>;
  const ifp = llt.llt_ifp;
  const addr = lle_addr6(ln);
  const dr = (ND_IFINFO(ifp).flags & ND6_IFF_ACCEPT_RTADV) !== 0 ? defrouter_lookup(addr, ifp) : null;
  if ((ln.la_flags & LLE_DELETED) === 0) in6_lle_event(ln, LLENTRY_EXPIRED);
  nd6_llinfo_settimer_locked(ln, -1);
  if ((ND_IFINFO(ifp).flags & ND6_IFF_ACCEPT_RTADV) !== 0) {
    if (dr !== null && dr.expire !== 0 && ln.ln_state === ND6_LLINFO_STALE && gc !== 0) {
      // Keep an active default router's entry for its lifetime.
      const now = time_uptime();
      if (dr.expire > now) nd6_llinfo_settimer_locked(ln, (dr.expire - now) * hz);
      else nd6_llinfo_settimer_locked(ln, VNET_I32(nd6_gctimer) * hz);
      ln.lle_refcnt--;
      return;
    }
    // The router is (as good as) unreachable: for choosing again, pretend so.
    if (dr !== null) ln.ln_state = ND6_LLINFO_INCOMPLETE;
    if (ln.ln_router !== 0 || dr !== null) rt6_flush(addr, ifp);
    if (dr !== null) {
      pfxlist_onlink_check();
      defrouter_select_fib((dr.ifp as ifnet).if_fib);
    }
    // An entry an on-link redirect made takes its host route along.
    if ((ln.la_flags & LLE_REDIRECT) !== 0) nd6_free_redirect(ln);
  }
  if ((ln.la_flags & LLE_LINKED) !== 0) {
    // The callout's reference.
    ln.lle_refcnt--;
    llt.llt_unlink_entry(ln);
  }
  llentry_free(ln);
}

/** nd6_free_redirect: the host route a redirect installed beside the entry. */
function nd6_free_redirect(ln: llentry): void {
  const sin6 = new sockaddr_in6();
  in6_lltable_fill_sa_entry(ln, sin6);
  const info = new rt_addrinfo();
  info.rti_info[RTAX_DST] = sin6;
  info.rti_filter = (_rt, nh) => ((nh.nh_flags & NHF_REDIRECT) !== 0 ? 1 : 0);
  for (let fibnum = 0; fibnum < V_rt_numfibs(); fibnum++) rib_action(fibnum, RTM_DELETE, info);
}

// ---------------------------------------------------------------------------
// ioctls.

/** The interface's addresses (for the ifdisabled checks). */
function in6_ifaddrs_of(ifp: ifnet): in6_ifaddr[] {
  const r: in6_ifaddr[] = [];
  for (const ifa of ifp.if_addrhead) if (ifa instanceof in6_ifaddr) r.push(ifa);
  return r;
}

/** struct in6_ndireq: an interface name and its ND parameters (SIOCGIFINFO_IN6 and friends). */
export class in6_ndireq {
  ifname = "";
  ndi = new nd_ifinfo();
}

/** struct in6_ndifreq: SIOCGDEFIFACE_IN6 / SIOCSDEFIFACE_IN6's interface name and default interface index. */
export class in6_ndifreq {
  ifname = "";
  ifindex = 0;
}

/**
 * nd6_ioctl: the ND requests in6_control passes on.  SIOCGIFINFO_IN6 /
 * SIOCSIFINFO_IN6 / SIOCSIFINFO_FLAGS (data an in6_ndireq), SIOCGNBRINFO_IN6
 * (in6_nbrinfo), SIOCSNDFLUSH_IN6 / SIOCSPFXFLUSH_IN6 / SIOCSRTRFLUSH_IN6,
 * SIOCGDEFIFACE_IN6 / SIOCSDEFIFACE_IN6 (in6_ndifreq).
 */
export function nd6_ioctl(cmd: number, data: unknown, ifp: ifnet): number {
  if (in6_ifextra_get(ifp) === null) return EPFNOSUPPORT;
  let error = 0;
  switch (cmd) {
    case OSIOCGIFINFO_IN6: {
      const ndi = data as in6_ndireq;
      const nd = new nd_ifinfo();
      nd.linkmtu = IN6_LINKMTU(ifp);
      const cur = ND_IFINFO(ifp);
      nd.maxmtu = cur.maxmtu;
      nd.basereachable = cur.basereachable;
      nd.reachable = cur.reachable;
      nd.retrans = cur.retrans;
      nd.flags = cur.flags;
      nd.recalctm = cur.recalctm;
      nd.chlim = cur.chlim;
      ndi.ndi = nd;
      break;
    }
    case SIOCGIFINFO_IN6: {
      const ndi = data as in6_ndireq;
      const cur = ND_IFINFO(ifp);
      const nd = new nd_ifinfo();
      nd_ifinfo_copy(nd, cur);
      ndi.ndi = nd;
      break;
    }
    case SIOCSIFINFO_IN6:
    case SIOCSIFINFO_FLAGS: {
      const ND = (data as in6_ndireq).ndi;
      const cur = ND_IFINFO(ifp);
      if (cmd === SIOCSIFINFO_IN6) {
        // Host variables from userland (a router's RA configuration); 0 is "unspecified".
        if (ND.linkmtu !== 0) {
          if (ND.linkmtu < IPV6_MMTU || ND.linkmtu > IN6_LINKMTU(ifp)) {
            error = EINVAL;
            break;
          }
          cur.linkmtu = ND.linkmtu;
        }
        if (ND.basereachable !== 0) {
          const obasereachable = cur.basereachable;
          cur.basereachable = ND.basereachable;
          if (ND.basereachable !== obasereachable) cur.reachable = ND_COMPUTE_RTIME(ND.basereachable);
        }
        if (ND.retrans !== 0) cur.retrans = ND.retrans;
        if (ND.chlim !== 0) cur.chlim = ND.chlim;
      }
      if ((cur.flags & ND6_IFF_IFDISABLED) !== 0 && (ND.flags & ND6_IFF_IFDISABLED) === 0) {
        // ifdisabled 1 -> 0, unless a link-local address is a duplicate (RFC 4862 5.4.5).
        const dup = in6_ifaddrs_of(ifp).some((ia) => (ia.ia6_flags & IN6_IFF_DUPLICATED) !== 0 && IN6_IS_ADDR_LINKLOCAL(IA6_IN6(ia)));
        if (dup) {
          ND.flags |= ND6_IFF_IFDISABLED;
          log(LOG_ERR, "Cannot enable an interface with a link-local address marked duplicate.\n");
        } else {
          cur.flags &= ~ND6_IFF_IFDISABLED;
          // in6_if_up.
          if ((ifp.if_flags & IFF_UP) !== 0) in6_ifattach(ifp, null);
        }
      } else if ((cur.flags & ND6_IFF_IFDISABLED) === 0 && (ND.flags & ND6_IFF_IFDISABLED) !== 0) {
        // ifdisabled 0 -> 1: every address is tentative again.
        cur.flags |= ND6_IFF_IFDISABLED;
        if (V_ip6_dad_count() > 0 && (cur.flags & ND6_IFF_NO_DAD) === 0) for (const ia of in6_ifaddrs_of(ifp)) ia.ia6_flags |= IN6_IFF_TENTATIVE;
      }
      if ((ND.flags & ND6_IFF_AUTO_LINKLOCAL) !== 0) {
        if ((cur.flags & ND6_IFF_AUTO_LINKLOCAL) === 0) {
          // auto_linklocal 0 -> 1: configure one if there is none.
          cur.flags |= ND6_IFF_AUTO_LINKLOCAL;
          in6_ifattach(ifp, null);
        } else if ((ND.flags & ND6_IFF_IFDISABLED) === 0 && (ifp.if_flags & IFF_UP) !== 0) {
          // Up with auto_linklocal and (FreeBSD's test) a link-local address: attach.
          if (in6_ifaddrs_of(ifp).some((ia) => IN6_IS_ADDR_LINKLOCAL(IA6_IN6(ia)))) in6_ifattach(ifp, null);
        }
      }
      cur.flags = ND.flags;
      break;
    }
    case SIOCSNDFLUSH_IN6:
      // Sync the routing table with the default router list.
      defrouter_reset();
      defrouter_select_fib(RT_ALL_FIBS);
      break;
    case SIOCSPFXFLUSH_IN6: {
      // Every prefix routers advertised, and the addresses made from them.
      const prl: nd_prefix[] = [];
      for (const pr of V_nd_prefix().slice()) {
        if (IN6_IS_ADDR_LINKLOCAL(pr.ndpr_prefix.sin6_addr)) continue;
        nd6_prefix_unlink(pr, prl);
      }
      while (prl.length > 0) {
        const pr = prl.shift() as nd_prefix;
        for (const ia of V_in6_ifaddrhead().slice()) {
          if ((ia.ia6_flags & 0x40) /* IN6_IFF_AUTOCONF */ === 0) continue;
          if (ia.ia6_ndpr === pr) in6_purgeifaddr(ia);
        }
        nd6_prefix_del(pr);
      }
      break;
    }
    case SIOCSRTRFLUSH_IN6:
      defrouter_reset();
      nd6_defrouter_flush_all();
      defrouter_select_fib(RT_ALL_FIBS);
      break;
    case SIOCGNBRINFO_IN6: {
      const nbi = data as in6_nbrinfo;
      const nb_addr = new in6_addr();
      in6_addr_copy(nb_addr, nbi.addr);
      error = in6_setscope(nb_addr, ifp, null);
      if (error !== 0) return error;
      const ln = nd6_lookup(nb_addr, 0, ifp);
      if (ln === null) {
        error = EINVAL;
        break;
      }
      nbi.state = ln.ln_state;
      nbi.asked = ln.la_asked;
      nbi.isrouter = ln.ln_router;
      if (ln.la_expire === 0) nbi.expire = 0;
      else nbi.expire = ln.la_expire + Math.floor(ln.lle_remtime / hz) + (boottime_s + time_uptime() - 1 - time_uptime());
      break;
    }
    case SIOCGDEFIFACE_IN6:
      (data as in6_ndifreq).ifindex = VNET_I32(nd6_defifindex);
      break;
    case SIOCSDEFIFACE_IN6:
      return nd6_setdefaultiface((data as in6_ndifreq).ifindex);
  }
  return error;
}

function nd_ifinfo_copy(dst: nd_ifinfo, src: nd_ifinfo): void {
  dst.linkmtu = src.linkmtu;
  dst.maxmtu = src.maxmtu;
  dst.basereachable = src.basereachable;
  dst.reachable = src.reachable;
  dst.retrans = src.retrans;
  dst.flags = src.flags;
  dst.recalctm = src.recalctm;
  dst.chlim = src.chlim;
  dst.initialized = src.initialized;
  dst.randomseed0.set(src.randomseed0);
  dst.randomseed1.set(src.randomseed1);
  dst.randomid.set(src.randomid);
}

// ---------------------------------------------------------------------------
// Learning link-level addresses from RS, RA, NS and redirects.

/**
 * nd6_is_router: the new IsRouter flag (RFC 4861 7.2.5, 6.3.4, 8.3): an NS
 * or a redirect to a host clears it on a new entry, an RS always, an RA
 * with a link-level address sets it, a redirect to a router sets it.
 */
function nd6_is_router(type: number, code: number, is_new: number, old_addr: number, new_addr: number, ln_router: number): number {
  switch (type & 0xff) {
    case ND_NEIGHBOR_SOLICIT:
      if (is_new !== 0) ln_router = 0;
      break;
    case ND_REDIRECT:
      if (code === ND_REDIRECT_ROUTER) ln_router = 1;
      else if (is_new !== 0) ln_router = 0;
      break;
    case ND_ROUTER_SOLICIT:
      ln_router = 0;
      break;
    case ND_ROUTER_ADVERT:
      if ((is_new === 0 && (old_addr !== 0 || new_addr !== 0)) || (is_new !== 0 && new_addr !== 0)) ln_router = 1;
      break;
  }
  return ln_router;
}


const cache_linkhdr = new Uint8Array(LLE_MAX_LINKHDR);
const cache_res = new llheader_result();
const cache_dst = new sockaddr_in6();

/**
 * nd6_cache_lladdr: an RS, RA, NS or redirect from `from` carried (or not)
 * its link-level address.  Creates or updates the entry by RFC 4861's
 * table (a new address: STALE), sends what was waiting for it, and picks
 * the default router again when a router's address changed.
 */
export function nd6_cache_lladdr(ifp: ifnet, from: in6_addr, lladdr: Uint8Array | null, lladdrlen: number, type: number, code: number): void {
  // Nothing is learnt from the unspecified address.
  if (IN6_IS_ADDR_UNSPECIFIED(from)) return;
  let flags = lladdr !== null ? LLE_EXCLUSIVE : 0;
  let ln = nd6_lookup(from, flags, ifp);
  let is_newentry = 0;
  if (ln === null) {
    flags |= LLE_EXCLUSIVE;
    ln = nd6_alloc(from, 0, ifp);
    if (ln === null) return;
    // Everything about the new entry is known: fill it before linking.
    if (lladdr !== null) {
      if (lltable_calc_llheader(ifp, AF_INET6, lladdr, 0, cache_linkhdr, cache_res) !== 0) return;
      lltable_set_entry_addr(ifp, ln, cache_linkhdr, cache_res.bufsize, cache_res.lladdr_off);
    }
    const llt = in6_lltable_get(ifp) as NonNullable<ReturnType<typeof in6_lltable_get>>;
    // Prefer an entry that appeared meanwhile.
    const ln_tmp = nd6_lookup(from, LLE_EXCLUSIVE, ifp);
    if (ln_tmp === null) {
      llt.llt_link_entry(llt, ln);
      is_newentry = 1;
      if (lladdr !== null) {
        nd6_llinfo_setstate(ln, ND6_LLINFO_STALE);
        in6_lle_event(ln, LLENTRY_RESOLVED);
      }
    } else {
      llt.llt_free_entry(llt, ln);
      ln = ln_tmp;
    }
  }
  // Static entries do not change.
  if ((ln.la_flags & LLE_STATIC) !== 0) return;
  const olladdr = (ln.la_flags & LLE_VALID) !== 0 ? 1 : 0;
  let llchange = 0;
  if (olladdr !== 0 && lladdr !== null) {
    for (let i = 0; i < ifp.if_addrlen; i++)
      if (lladdr[i] !== ln.ll_addr[i]) {
        llchange = 1;
        break;
      }
  } else if (olladdr === 0 && lladdr !== null) llchange = 1;
  // newentry olladdr lladdr llchange (*: record)
  //   0        n      n      --      (1)
  //   0        y      n      --      (2)
  //   0        n      y      y       (3) * STALE
  //   0        y      y      n       (4) *
  //   0        y      y      y       (5) * STALE
  //   1        --     n      --      (6)   NOSTATE
  //   1        --     y      --      (7) * STALE
  let do_update = 0;
  let chain: mbuf | null = null;
  if (is_newentry === 0 && llchange !== 0 && lladdr !== null) {
    do_update = 1;
    if (lltable_calc_llheader(ifp, AF_INET6, lladdr, 0, cache_linkhdr, cache_res) !== 0) return;
    if (lltable_try_set_entry_addr(ifp, ln, cache_linkhdr, cache_res.bufsize, cache_res.lladdr_off) === 0) return;
    nd6_llinfo_setstate(ln, ND6_LLINFO_STALE);
    in6_lle_event(ln, LLENTRY_RESOLVED);
    if (ln.la_hold !== null) chain = nd6_grab_holdchain(ln, cache_dst);
  }
  const router = nd6_is_router(type, code, is_newentry, olladdr, lladdr !== null ? 1 : 0, ln.ln_router);
  ln.ln_router = router;
  // Non-router redirects are marked.
  if ((type & 0xff) === ND_REDIRECT && code !== ND_REDIRECT_ROUTER) ln.la_flags |= LLE_REDIRECT;
  if (chain !== null) nd6_flush_holdchain(ifp, chain, cache_dst);
  // A router's new or changed address may change which router is best.
  if ((do_update !== 0 || is_newentry !== 0) && router !== 0 && (ND_IFINFO(ifp).flags & ND6_IFF_ACCEPT_RTADV) !== 0) defrouter_select_fib(ifp.if_fib);
  void lladdrlen;
}

/**
 * nd6_grab_holdchain: take the entry's held packets (returned) and its
 * address (into sin6); a STALE entry about to be used goes to DELAY.
 */
export function nd6_grab_holdchain(ln: llentry, sin6: sockaddr_in6): mbuf | null {
  const chain = ln.la_hold;
  ln.la_hold = null;
  ln.la_numheld = 0;
  in6_lltable_fill_sa_entry(ln, sin6);
  if (ln.ln_state === ND6_LLINFO_STALE) nd6_llinfo_setstate(ln, ND6_LLINFO_DELAY);
  return chain;
}

/** nd6_flush_holdchain: send the packets that waited for the address. */
export function nd6_flush_holdchain(ifp: ifnet, chain: mbuf | null, dst: sockaddr_in6): number {
  let error = 0;
  let m_head = chain;
  while (m_head !== null) {
    const m = m_head;
    m_head = m_head.m_nextpkt;
    m.m_nextpkt = null;
    error = nd6_output_ifp(ifp, ifp, m, dst, null);
  }
  // Intermediate errors are ignored, as in FreeBSD.
  return error;
}

function clear_llinfo_pqueue(ln: llentry): void {
  let m_hold = ln.la_hold;
  while (m_hold !== null) {
    const next: mbuf | null = m_hold.m_nextpkt;
    m_hold.m_nextpkt = null;
    m_freem(m_hold);
    m_hold = next;
  }
  ln.la_hold = null;
  ln.la_numheld = 0;
}

// ---------------------------------------------------------------------------
// Output.

/**
 * nd6_output_ifp: hand an IPv6 packet to the interface (ifp's if_output
 * with origifp, for loopback's sake).  Consumes m.
 */
export function nd6_output_ifp(ifp: ifnet, origifp: ifnet, m: mbuf, dst: sockaddr_in6, ro: route_in6 | null): number {
  m_clrprotoflags(m);
  if ((ifp.if_flags & IFF_LOOPBACK) === 0) origifp = ifp;
  return ifp.if_output(origifp, m, dst, ro);
}

/**
 * nd6_resolve: the link header for an IPv6 packet to next hop sa_dst on
 * ifp (ether_output's AF_INET6 case), copied into desten.  Returns 0, or
 * EWOULDBLOCK when m was held until the address is known, or an error
 * (m freed).  pflags gets LLE_VALID and LLE_IFADDR (one of our own
 * addresses).  Multicast maps to 33:33:xx:xx:xx:xx.  The fast path
 * allocates nothing.
 */
export function nd6_resolve(ifp: ifnet, gw_flags: number, m: mbuf, sa_dst: sockaddr_in6, desten: Uint8Array, pflags: intp | null, plle: { lle: llentry | null } | null): number {
  if (pflags !== null) pflags.v = 0;
  void gw_flags;
  const dst6 = sa_dst;
  // IPv6 is off on the interface.
  if ((ND_IFINFO(ifp).flags & ND6_IFF_IFDISABLED) !== 0) {
    m_freem(m);
    return ENETDOWN;
  }
  if ((m.m_flags & M_MCAST) !== 0) {
    switch (ifp.if_type) {
      case IFT_ETHER:
      case IFT_L2VLAN:
      case IFT_BRIDGE: {
        // ETHER_MAP_IPV6_MULTICAST
        const a = dst6.sin6_addr.s6_addr;
        desten[0] = 0x33;
        desten[1] = 0x33;
        desten[2] = a[12];
        desten[3] = a[13];
        desten[4] = a[14];
        desten[5] = a[15];
        return 0;
      }
      default:
        m_freem(m);
        return EAFNOSUPPORT;
    }
  }
  const ln = nd6_lookup(dst6.sin6_addr, plle !== null ? LLE_EXCLUSIVE : LLE_UNLOCKED, ifp);
  if (ln !== null && (ln.r_flags & RLLE_VALID) !== 0) {
    const n = ln.r_hdrlen < desten.length ? ln.r_hdrlen : desten.length;
    for (let i = 0; i < n; i++) desten[i] = ln.r_linkdata[i];
    if (pflags !== null) pflags.v = LLE_VALID | (ln.r_flags & RLLE_IFADDR);
    // The STALE timer asked whether the entry is used: it is.
    if (ln.r_skip_req !== 0) {
      ln.r_skip_req = 0;
      ln.lle_hittime = time_uptime();
    }
    if (plle !== null) {
      ln.lle_refcnt++;
      plle.lle = ln;
    }
    return 0;
  }
  return nd6_resolve_slow(ifp, 0, m, dst6, desten, pflags, plle);
}

const slow_src = new in6_addr();

/**
 * nd6_resolve_slow: no valid entry.  Make one if dst is a neighbor, move a
 * STALE one to DELAY, answer from a resolved one, else hold m (at most
 * nd6_maxqueuelen packets, the oldest dropped) and, the first time, ask.
 */
function nd6_resolve_slow(ifp: ifnet, flags: number, m: mbuf | null, dst: sockaddr_in6, desten: Uint8Array, pflags: intp | null, plle: { lle: llentry | null } | null): number {
  let lle = nd6_lookup(dst.sin6_addr, LLE_EXCLUSIVE, ifp);
  if (lle === null && nd6_is_addr_neighbor(dst, ifp)) {
    // nd6_is_addr_neighbor looked in the cache too; rare enough.
    lle = nd6_alloc(dst.sin6_addr, 0, ifp);
    if (lle === null) {
      log(LOG_DEBUG, `nd6_output: can't allocate llinfo for ${ip6_sprintf(dst.sin6_addr)} (ln=0x0)\n`);
      m_freem(m);
      return ENOBUFS;
    }
    const llt = in6_lltable_get(ifp) as NonNullable<ReturnType<typeof in6_lltable_get>>;
    const lle_tmp = nd6_lookup(dst.sin6_addr, LLE_EXCLUSIVE, ifp);
    if (lle_tmp === null) llt.llt_link_entry(llt, lle);
    else {
      llt.llt_free_entry(llt, lle);
      lle = lle_tmp;
    }
  }
  if (lle === null) {
    m_freem(m);
    return ENOBUFS;
  }
  // First use of a STALE entry: DELAY, probe after DELAY_FIRST_PROBE_TIME (RFC 4861 7.3.3).
  if (lle.ln_state === ND6_LLINFO_STALE) nd6_llinfo_setstate(lle, ND6_LLINFO_DELAY);
  // Resolved: send.
  if (lle.ln_state > ND6_LLINFO_INCOMPLETE) {
    if ((flags & LLE_ADDRONLY) !== 0) {
      for (let i = 0; i < ifp.if_addrlen && i < desten.length; i++) desten[i] = lle.ll_addr[i];
    } else {
      for (let i = 0; i < lle.r_hdrlen && i < desten.length; i++) desten[i] = lle.r_linkdata[i];
    }
    if (pflags !== null) pflags.v = lle.la_flags;
    if (plle !== null) {
      lle.lle_refcnt++;
      plle.lle = lle;
    }
    return 0;
  }
  // Unresolved: the packet waits at the end of the queue.
  if (m !== null) lltable_append_entry_queue(lle, m, VNET_I32(nd6_maxqueuelen));
  // The first packet after entering INCOMPLETE sends the first solicitation
  // (a new entry has la_asked 0: NOSTATE -> INCOMPLETE here).
  let psrc: in6_addr | null = null;
  let send_ns = 0;
  if (lle.la_asked === 0) {
    lle.la_asked++;
    send_ns = 1;
    psrc = nd6_llinfo_get_holdsrc(lle, slow_src) ? slow_src : null;
    nd6_llinfo_setstate(lle, ND6_LLINFO_INCOMPLETE);
  }
  if (send_ns !== 0) nd6_ns_output(ifp, psrc, null, dst.sin6_addr, null);
  return EWOULDBLOCK;
}

/** nd6_resolve_addr: only the link-level address of dst (no packet). */
export function nd6_resolve_addr(ifp: ifnet, flags: number, dst: sockaddr_in6, desten: Uint8Array, pflags: intp | null): number {
  return nd6_resolve_slow(ifp, flags | LLE_ADDRONLY, null, dst, desten, pflags, null);
}

/** nd6_need_cache: interfaces with neighbor caches (Ethernet-like ones). */
function nd6_need_cache(ifp: ifnet): boolean {
  switch (ifp.if_type) {
    case IFT_ETHER:
    case IFT_IEEE1394:
    case IFT_L2VLAN:
    case IFT_INFINIBAND:
    case IFT_BRIDGE:
    case IFT_PROPVIRTUAL:
      return true;
    default:
      return false;
  }
}

/**
 * nd6_add_ifa_lle: the permanent entry of an address of ours (as
 * arp_ifinit's for IPv4; DAD is elsewhere).
 */
export function nd6_add_ifa_lle(ia: in6_ifaddr): number {
  const ifp = ia.ifa_ifp;
  // A new address may have lifetimes to watch.
  nd6_timer_kick();
  if (!nd6_need_cache(ifp)) return 0;
  const llt = in6_lltable_get(ifp);
  if (llt === null) return ENOBUFS;
  const ln = lltable_alloc_entry(llt, LLE_IFADDR, ia.ia_addr.sin6_addr);
  if (ln === null) return ENOBUFS;
  const ln_tmp = lla_lookup(llt, LLE_EXCLUSIVE, ia.ia_addr.sin6_addr);
  if (ln_tmp !== null) llt.llt_unlink_entry(ln_tmp);
  llt.llt_link_entry(llt, ln);
  if (ln_tmp !== null) in6_lle_event(ln_tmp, LLENTRY_EXPIRED);
  in6_lle_event(ln, LLENTRY_RESOLVED);
  if (ln_tmp !== null) llentry_free(ln_tmp);
  return 0;
}

/** nd6_rem_ifa_lle: the entry of an address going (all: every entry in its prefix too). */
export function nd6_rem_ifa_lle(ia: in6_ifaddr, all: number): void {
  const ifp = ia.ifa_ifp;
  if (all !== 0) lltable_prefix_free(AF_INET6, ia.ia_addr.sin6_addr, ia.ia_prefixmask.sin6_addr, LLE_STATIC);
  else {
    const llt = in6_lltable_get(ifp);
    if (llt !== null) lltable_delete_addr(llt, LLE_IFADDR, ia.ia_addr.sin6_addr);
  }
}


// ---------------------------------------------------------------------------
// sysctl net.inet6.icmp6.nd6_prlist: struct in6_prefix after one another,
// each followed by its advertising routers' sockaddr_in6 (words here):
// [16 prefix bytes, sin6_scope_id, raflags.onlink, raflags.autonomous,
//  prefixlen, origin, vltime, pltime, expire (wall clock, 0 = never),
//  flags (ndpr_stateflags), refcnt (ndpr_addrcnt), if_index, advrtrs,
//  then advrtrs times (16 address bytes, sin6_scope_id)].

export const PRL_PREFIX = 0;
export const PRL_SCOPEID = 16;
export const PRL_ONLINK = 17;
export const PRL_AUTO = 18;
export const PRL_PREFIXLEN = 19;
export const PRL_ORIGIN = 20;
export const PRL_VLTIME = 21;
export const PRL_PLTIME = 22;
export const PRL_EXPIRE = 23;
export const PRL_FLAGS = 24;
export const PRL_REFCNT = 25;
export const PRL_IFINDEX = 26;
export const PRL_ADVRTRS = 27;
export const PRL_LEN = 28;
/** in6_var.h: where a prefix came from. */
export const PR_ORIG_RA = 0;

const nd6_sysctl_prlist: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  if (req.newval !== null) return EPERM;
  const out: number[] = [];
  const time_second = boottime_s + time_uptime() - 1;
  const s6 = new sockaddr_in6();
  for (const pr of V_nd_prefix()) {
    in6_addr_copy(s6.sin6_addr, pr.ndpr_prefix.sin6_addr);
    s6.sin6_scope_id = 0;
    if (sa6_recoverscope(s6) !== 0) log(LOG_ERR, `scope error in prefix list (${ip6_sprintf(s6.sin6_addr)})\n`);
    for (let i = 0; i < 16; i++) out.push(s6.sin6_addr.s6_addr[i]);
    const expire = pr.ndpr_vltime === ND6_INFINITE_LIFETIME ? 0 : pr.ndpr_lastupdate + pr.ndpr_vltime + (time_second - time_uptime());
    out.push(s6.sin6_scope_id, pr.ndpr_raf_onlink, pr.ndpr_raf_auto, pr.ndpr_plen, PR_ORIG_RA, pr.ndpr_vltime, pr.ndpr_pltime, expire);
    out.push(pr.ndpr_stateflags, pr.ndpr_addrcnt, (pr.ndpr_ifp as ifnet).if_index, pr.ndpr_advrtrs.length);
    for (const dr of pr.ndpr_advrtrs) {
      in6_addr_copy(s6.sin6_addr, dr.rtaddr.sin6_addr);
      s6.sin6_scope_id = 0;
      if (sa6_recoverscope(s6) !== 0) log(LOG_ERR, `scope error in prefix list (${ip6_sprintf(dr.rtaddr.sin6_addr)})\n`);
      for (let i = 0; i < 16; i++) out.push(s6.sin6_addr.s6_addr[i]);
      out.push(s6.sin6_scope_id);
    }
  }
  return SYSCTL_OUT(req, out);
};
SYSCTL_PROC(_net_inet6_icmp6, ICMPV6CTL_ND6_PRLIST, "nd6_prlist", CTLTYPE_OPAQUE | CTLFLAG_RD | CTLFLAG_MPSAFE, null, 0, nd6_sysctl_prlist, "S,in6_prefix", "NDP prefix list");
