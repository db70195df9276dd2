// sys/net/route.h, sys/net/route.c, sys/net/route/route_ctl.c,
// route_tables.c, route_var.h, nhop.h, nhop_var.h, nhop_ctl.c,
// route_ifaddrs.c, route_helpers.c, route_temporal.c: the routing tables.
//
// Every vnet has one routing table (RIB) per fib and address family
// (V_rt_tables, grown by the net.fibs sysctl).  A table maps prefixes
// (struct rtentry) to nexthops (struct nhop_object: egress interface,
// source address, gateway, MTU), which entries share.  rib_action() is the
// control plane route(8), interface addresses and ICMP redirects go through;
// fib4_lookup() (netinet/in_fib.ts) is the data path.
//
// Departures: the radix tree is replaced, per table, by one Map per prefix
// length present, probed from the longest length down.  That gives the
// longest-prefix match radix gives for contiguous masks; non-contiguous
// masks, which radix would accept, are refused with EINVAL.  Only AF_INET
// tables exist.  There is no epoch: a deleted entry is gone at once and a
// nexthop is unlinked when its last reference drops.  There is no multipath.

import { EADDRINUSE, EAFNOSUPPORT, EAGAIN, EEXIST, EHOSTUNREACH, EINVAL, ENETUNREACH, ENOENT, EOPNOTSUPP, ESRCH } from "../kern/errno.ts";
import { SI_ORDER_FIRST, SI_ORDER_FOURTH, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { callout, callout_init, callout_reset_sbt, callout_stop, SBT_1S, boottime_s, time_uptime } from "../kern/kern_timeout.ts";
import { AF_INET, AF_LINK, AF_MAX, AF_UNSPEC, type sockaddr } from "../kern/socket.ts";
import { domains } from "../kern/uipc_domain.ts";
import { log, panic, printf } from "../kern/subr_prf.ts";
import {
  CTLFLAG_MPSAFE,
  CTLFLAG_NOFETCH,
  CTLFLAG_RWTUN,
  CTLFLAG_VNET,
  CTLTYPE_UINT,
  OID_AUTO,
  SYSCTL_OUT,
  SYSCTL_PROC,
  SYSCTL_UINT,
  _net,
  type sysctl_handler_t,
} from "../kern/sysctl.ts";
import { IFCAP_LINKSTATE, IFF_LOOPBACK, LINK_STATE_UP, ifnet_byindex, set_rt_numfibs_hook, set_if_mtu_changed_hook, type ifaddr, type ifnet } from "./if.ts";
import { V_loif } from "./if_loop.ts";
import { sockaddr_dl } from "./if_dl.ts";
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  IS_DEFAULT_VNET,
  VNET_DEFINE_INT,
  VNET_DEFINE_PTR,
  VNET_DEFINE_U64,
  VNET_I32,
  VNET_I32_SET,
  VNET_PTR,
  VNET_PTR_SET,
  VNET_SYSINIT,
  VNET_SYSUNINIT,
  VNET_U64,
  VNET_U64_ADD,
  curvnet,
  vnet0,
  type vnet,
} from "./vnet.ts";
import { in_ifaddr, sockaddr_in, ifa_ifwithaddr, ifa_ifwithdstaddr, ifa_ifwithnet, ifaof_ifpforaddr, in_mask2len } from "../netinet/in.ts";
import { fib4_lookup } from "../netinet/in_fib.ts";
import { rt_missmsg_fib, rtsock_addrmsg, rtsock_routemsg, rtsock_routemsg_info } from "./rtsock.ts";

// sys/errno.h: ENOTCAPABLE is not in kern/errno.ts yet.
const ENOTCAPABLE = 93;
// sys/syslog.h
const LOG_ERR = 3;
const LOG_DEBUG = 7;

// ---------------------------------------------------------------------------
// net/route.h

export const RT_L2_ME_BIT = 2;
export const RT_DEFAULT_FIB = 0;
export const RT_ALL_FIBS = -1;
export const RT_DEFAULT_WEIGHT = 1;
export const RT_MAX_WEIGHT = 16777215;
/** route_var.h: RT_MAXFIBS is UINT16_MAX. */
export const RT_MAXFIBS = 65535;
/** Kernel config ROUTETABLES; the loader tunable net.fibs is not modelled. */
const RT_NUMFIBS = 1;
export const RIB_MAX_RETRIES = 3;

export const RTF_UP = 0x1;
export const RTF_GATEWAY = 0x2;
export const RTF_HOST = 0x4;
export const RTF_REJECT = 0x8;
export const RTF_DYNAMIC = 0x10;
export const RTF_MODIFIED = 0x20;
export const RTF_DONE = 0x40;
export const RTF_XRESOLVE = 0x200;
export const RTF_LLINFO = 0x400;
export const RTF_LLDATA = 0x400;
export const RTF_STATIC = 0x800;
export const RTF_BLACKHOLE = 0x1000;
export const RTF_PROTO2 = 0x4000;
export const RTF_PROTO1 = 0x8000;
export const RTF_PROTO3 = 0x40000;
export const RTF_FIXEDMTU = 0x80000;
export const RTF_PINNED = 0x100000;
export const RTF_LOCAL = 0x200000;
export const RTF_BROADCAST = 0x400000;
export const RTF_MULTICAST = 0x800000;
export const RTF_STICKY = 0x10000000;
export const RTF_RNH_LOCKED = 0x40000000;
export const RTF_GWFLAG_COMPAT = 0x80000000 | 0;
/** if_llatbl/arp: RTF_ANNOUNCE is RTF_PROTO2 (published ARP entry). */
export const RTF_ANNOUNCE = RTF_PROTO2;
/** Flags RTM_CHANGE may modify. */
export const RTF_FMASK = RTF_PROTO1 | RTF_PROTO2 | RTF_PROTO3 | RTF_BLACKHOLE | RTF_REJECT | RTF_STATIC | RTF_STICKY;

// Consumer-visible nexthop flags.
export const NHF_MULTIPATH = 0x0008;
export const NHF_REJECT = 0x0010;
export const NHF_BLACKHOLE = 0x0020;
export const NHF_REDIRECT = 0x0040;
export const NHF_DEFAULT = 0x0080;
export const NHF_BROADCAST = 0x0100;
export const NHF_GATEWAY = 0x0200;
export const NHF_HOST = 0x0400;

// Nexthop request flags.
export const NHR_NONE = 0x00;
export const NHR_REF = 0x01;
export const NHR_NODEFAULT = 0x02;
export const NHR_COPY = 0x100;
export const NHR_UNLOCKED = 0x200;

export const RTM_VERSION = 5;
export const RTM_ADD = 0x1;
export const RTM_DELETE = 0x2;
export const RTM_CHANGE = 0x3;
export const RTM_GET = 0x4;
export const RTM_LOSING = 0x5;
export const RTM_REDIRECT = 0x6;
export const RTM_MISS = 0x7;
export const RTM_LOCK = 0x8;
export const RTM_RESOLVE = 0xb;
export const RTM_NEWADDR = 0xc;
export const RTM_DELADDR = 0xd;
export const RTM_IFINFO = 0xe;
export const RTM_NEWMADDR = 0xf;
export const RTM_DELMADDR = 0x10;
export const RTM_IFANNOUNCE = 0x11;
export const RTM_IEEE80211 = 0x12;

export const RTV_MTU = 0x1;
export const RTV_HOPCOUNT = 0x2;
export const RTV_EXPIRE = 0x4;
export const RTV_RPIPE = 0x8;
export const RTV_SPIPE = 0x10;
export const RTV_SSTHRESH = 0x20;
export const RTV_RTT = 0x40;
export const RTV_RTTVAR = 0x80;
export const RTV_WEIGHT = 0x100;

export const RTA_DST = 0x1;
export const RTA_GATEWAY = 0x2;
export const RTA_NETMASK = 0x4;
export const RTA_GENMASK = 0x8;
export const RTA_IFP = 0x10;
export const RTA_IFA = 0x20;
export const RTA_AUTHOR = 0x40;
export const RTA_BRD = 0x80;

export const RTAX_DST = 0;
export const RTAX_GATEWAY = 1;
export const RTAX_NETMASK = 2;
export const RTAX_GENMASK = 3;
export const RTAX_IFP = 4;
export const RTAX_IFA = 5;
export const RTAX_AUTHOR = 6;
export const RTAX_BRD = 7;
export const RTAX_MAX = 8;

// route_var.h / nhop.h masks.
export const RTE_RT_FLAG_MASK = RTF_UP | RTF_HOST;
export const NHOP_RT_FLAG_MASK =
  RTF_GATEWAY | RTF_HOST | RTF_REJECT | RTF_DYNAMIC | RTF_MODIFIED | RTF_STATIC | RTF_BLACKHOLE | RTF_PROTO1 | RTF_PROTO2 | RTF_PROTO3 | RTF_FIXEDMTU | RTF_PINNED | RTF_BROADCAST;
export const RT_SET_RTFLAGS_MASK = RTF_PROTO1 | RTF_PROTO2 | RTF_PROTO3 | RTF_STATIC;
export const RT_CHANGE_RTFLAGS_MASK = RT_SET_RTFLAGS_MASK;

// nhop.h: nexthop types.
export const NH_TYPE_IPV4_ETHER_RSLV = 1;
export const NH_TYPE_IPV4_ETHER_NHOP = 2;

/** struct rt_metrics. */
export class rt_metrics {
  rmx_locks = 0;
  rmx_mtu = 0;
  rmx_hopcount = 0;
  rmx_expire = 0;
  rmx_recvpipe = 0;
  rmx_sendpipe = 0;
  rmx_ssthresh = 0;
  rmx_rtt = 0;
  rmx_rttvar = 0;
  rmx_pksent = 0;
  rmx_weight = 0;
  rmx_nhidx = 0;
}

/** struct rtstat, per vnet. */
export const rts_badredirect = 0;
export const rts_dynamic = 1;
export const rts_newgateway = 2;
export const rts_unreach = 3;
export const rts_wildcard = 4;
export const rts_nh_idx_alloc_failure = 5;
export const rts_nh_alloc_failure = 6;
export const rts_add_failure = 7;
export const rts_add_retry = 8;
export const rts_del_failure = 9;
export const rts_del_retry = 10;
const RTSTAT_NFIELDS = 11;
export const rtstat_names = [
  "rts_badredirect",
  "rts_dynamic",
  "rts_newgateway",
  "rts_unreach",
  "rts_wildcard",
  "rts_nh_idx_alloc_failure",
  "rts_nh_alloc_failure",
  "rts_add_failure",
  "rts_add_retry",
  "rts_del_failure",
  "rts_del_retry",
] as const;
export const rtstat = VNET_DEFINE_U64("rtstat", RTSTAT_NFIELDS);
export function RTSTAT_INC(field: number): void {
  VNET_U64_ADD(rtstat + field, 1);
}
/** The rtstat counters of curvnet (netstat -rs reads them with kvm). */
export function rtstat_fetch(): number[] {
  const out: number[] = [];
  for (let i = 0; i < RTSTAT_NFIELDS; i++) out.push(VNET_U64(rtstat + i));
  return out;
}

/** RT_LINK_IS_UP(ifp): a link without link-state reporting counts as up. */
export function RT_LINK_IS_UP(ifp: ifnet): boolean {
  return (ifp.if_capabilities & IFCAP_LINKSTATE) === 0 || ifp.if_link_state === LINK_STATE_UP;
}

export type rib_filter_f_t = (rt: rtentry, nh: nhop_object, arg: unknown) => number;

/** struct rt_addrinfo: a control-plane request. */
export class rt_addrinfo {
  rti_addrs = 0;
  rti_flags = 0;
  rti_info: (sockaddr | null)[] = [null, null, null, null, null, null, null, null];
  rti_ifa: ifaddr | null = null;
  rti_ifp: ifnet | null = null;
  rti_filter: rib_filter_f_t | null = null;
  rti_filterdata: unknown = null;
  rti_mflags = 0;
  rti_rmx: rt_metrics | null = null;
}

/** struct rib_cmd_info: what a change did. */
export class rib_cmd_info {
  rc_cmd = 0;
  rc_rt: rtentry | null = null;
  rc_nh_old: nhop_object | null = null;
  rc_nh_new: nhop_object | null = null;
  rc_nh_weight = 0;
}

/** struct route_nhop_data. */
export class route_nhop_data {
  rnd_nhop: nhop_object | null = null;
  rnd_weight = 0;
}

// ---------------------------------------------------------------------------
// Socket address helpers (sa_family, sa_equal, SA_SIZE live in socket.h and
// route.h in FreeBSD; addresses here are objects, not bytes).

export function sa_family(sa: sockaddr): number {
  if ("sin_addr" in sa) return sa.sin_family;
  if ("sdl_index" in sa) return sa.sdl_family;
  return sa.sa_family;
}

export function sa_len(sa: sockaddr): number {
  if ("sin_addr" in sa) return sa.sin_len;
  if ("sdl_index" in sa) return sa.sdl_len;
  return sa.sa_len;
}

/** sa_equal(a, b): same length and same bytes. */
export function sa_equal(a: sockaddr, b: sockaddr): boolean {
  if ("sin_addr" in a) {
    if (!("sin_addr" in b)) return false;
    return a.sin_len === b.sin_len && a.sin_family === b.sin_family && a.sin_addr === b.sin_addr && a.sin_port === b.sin_port;
  }
  if ("sdl_index" in a) {
    if (!("sdl_index" in b)) return false;
    if (a.sdl_len !== b.sdl_len || a.sdl_index !== b.sdl_index || a.sdl_type !== b.sdl_type || a.sdl_data !== b.sdl_data) return false;
    if (a.sdl_lladdr.length !== b.sdl_lladdr.length) return false;
    for (let i = 0; i < a.sdl_lladdr.length; i++) if (a.sdl_lladdr[i] !== b.sdl_lladdr[i]) return false;
    return true;
  }
  if ("sin_addr" in b || "sdl_index" in b) return false;
  return a.sa_family === b.sa_family && a.sa_len === b.sa_len;
}

/** The short AF_LINK address a nexthop stores for a direct route (fill_sdl_from_ifp). */
export function fill_sdl_from_ifp(ifp: ifnet): sockaddr_dl {
  const sdl = new sockaddr_dl(ifp.if_index, ifp.if_type, "", new Uint8Array(0));
  sdl.sdl_len = 12; // sizeof(struct sockaddr_dl_short)
  return sdl;
}

/** link_init_sdl(ifp, sdl, type): an AF_LINK address naming ifp. */
export function link_init_sdl(ifp: ifnet, iftype: number): sockaddr_dl {
  return new sockaddr_dl(ifp.if_index, iftype, "", new Uint8Array(0));
}

// Prefix length -> mask, as int32 (the key type of the per-length maps:
// int32 keys are small integers to V8, so probing them allocates nothing).
const rt_masks = new Int32Array(33);
for (let len = 1; len <= 32; len++) rt_masks[len] = (0xffffffff << (32 - len)) | 0;

/** Mask to prefix length for contiguous masks, -1 otherwise. */
export function rt_mask2plen(mask: number): number {
  const len = in_mask2len(mask >>> 0);
  return (rt_masks[len] >>> 0) === mask >>> 0 ? len : -1;
}

// ---------------------------------------------------------------------------
// Nexthops (nhop.h, nhop_var.h, nhop_ctl.c).

export class nhop_priv {
  nh_idx = 0;
  nh_upper_family = 0;
  nh_neigh_family = 0;
  nh_type = 0;
  rt_flags = 0;
  nh_fibnum = 0;
  nh_expire = 0;
  nh_linked = false;
  nh_finalized = false;
  nh_control: nh_control | null = null;
  nh_vnet: vnet | null = null;
}

/**
 * struct nhop_object: what the data path needs to send a packet on.  nh_ifa
 * is the IPv4 address packets routed here take as source by default.
 */
export class nhop_object {
  nh_flags = 0;
  nh_mtu = 0;
  nh_ifp: ifnet;
  nh_aifp: ifnet;
  nh_ifa: in_ifaddr;
  /** The IPv4 gateway when NHF_GATEWAY (gw_sa is then this object). */
  gw4_sa: sockaddr_in;
  /** gw_sa: gw4_sa, or the AF_LINK address of the interface for direct routes. */
  gw_sa: sockaddr;
  /** Packets sent (nh_pksent counter). */
  nh_pksent = 0;
  /** nh_priv->nh_refcnt: references held by rtentries and NHR_REF lookups. */
  nh_refcnt = 1;
  nh_prepend: Uint8Array | null = null;
  nh_prepend_len = 0;
  readonly nh_priv = new nhop_priv();

  constructor(ifp: ifnet, ifa: in_ifaddr) {
    this.nh_ifp = ifp;
    this.nh_aifp = ifp;
    this.nh_ifa = ifa;
    this.gw4_sa = new sockaddr_in(0);
    this.gw4_sa.sin_len = 0;
    this.gw4_sa.sin_family = AF_UNSPEC;
    this.gw_sa = this.gw4_sa;
  }
}

/** struct nh_control: the nexthops of one table, shared between its routes. */
export class nh_control {
  nh_head: nhop_object[] = [];
  /** Indexes in use (nh_idx), for the smallest-free allocation FreeBSD's bitmask does. */
  nh_idx_used = new Set<number>();
  constructor(readonly ctl_rh: rib_head) {}
}

export function nhop_get_rtflags(nh: nhop_object): number {
  return nh.nh_priv.rt_flags;
}
export function nhop_get_idx(nh: nhop_object): number {
  return nh.nh_priv.nh_idx;
}
export function nhop_get_type(nh: nhop_object): number {
  return nh.nh_priv.nh_type;
}
export function nhop_set_type(nh: nhop_object, t: number): void {
  nh.nh_priv.nh_type = t;
}
export function nhop_get_vnet(nh: nhop_object): vnet | null {
  return nh.nh_priv.nh_vnet;
}
export function nhop_get_expire(nh: nhop_object): number {
  return nh.nh_priv.nh_expire;
}
/** nhop_select: no multipath, the nexthop itself. */
export function nhop_select(nh: nhop_object, _flowid: number): nhop_object {
  return nh;
}
function NH_IS_PINNED(nh: nhop_object): boolean {
  return (nh.nh_priv.rt_flags & RTF_PINNED) !== 0;
}

export function nhop_set_broadcast(nh: nhop_object, is_broadcast: boolean): void {
  if (is_broadcast) {
    nh.nh_flags |= NHF_BROADCAST;
    nh.nh_priv.rt_flags |= RTF_BROADCAST;
  } else {
    nh.nh_flags &= ~NHF_BROADCAST;
    nh.nh_priv.rt_flags &= ~RTF_BROADCAST;
  }
}

/** nhop_set_pxtype_flag: NHF_HOST, NHF_DEFAULT or neither. */
export function nhop_set_pxtype_flag(nh: nhop_object, nh_flag: number): void {
  if (nh_flag === NHF_HOST) {
    nh.nh_flags |= NHF_HOST;
    nh.nh_flags &= ~NHF_DEFAULT;
    nh.nh_priv.rt_flags |= RTF_HOST;
  } else if (nh_flag === NHF_DEFAULT) {
    nh.nh_flags |= NHF_DEFAULT;
    nh.nh_flags &= ~NHF_HOST;
    nh.nh_priv.rt_flags &= ~RTF_HOST;
  } else {
    nh.nh_flags &= ~(NHF_HOST | NHF_DEFAULT);
    nh.nh_priv.rt_flags &= ~RTF_HOST;
  }
}

export function nhop_set_mtu(nh: nhop_object, mtu: number, from_user: boolean): void {
  if (from_user) {
    if (mtu !== 0) nh.nh_priv.rt_flags |= RTF_FIXEDMTU;
    else nh.nh_priv.rt_flags &= ~RTF_FIXEDMTU;
  }
  nh.nh_mtu = mtu;
}

function nhop_set_rtflags(nh: nhop_object, rt_flags: number): void {
  nh.nh_priv.rt_flags &= ~RT_SET_RTFLAGS_MASK;
  nh.nh_priv.rt_flags |= rt_flags & RT_SET_RTFLAGS_MASK;
}

function nhop_set_redirect(nh: nhop_object, is_redirect: boolean): void {
  if (is_redirect) {
    nh.nh_priv.rt_flags |= RTF_DYNAMIC;
    nh.nh_flags |= NHF_REDIRECT;
  } else {
    nh.nh_priv.rt_flags &= ~RTF_DYNAMIC;
    nh.nh_flags &= ~NHF_REDIRECT;
  }
}

function nhop_set_pinned(nh: nhop_object, is_pinned: boolean): void {
  if (is_pinned) nh.nh_priv.rt_flags |= RTF_PINNED;
  else nh.nh_priv.rt_flags &= ~RTF_PINNED;
}

/** nhop_set_direct_gw: a route straight out of ifp, no gateway. */
function nhop_set_direct_gw(nh: nhop_object, ifp: ifnet): void {
  nh.nh_flags &= ~NHF_GATEWAY;
  nh.nh_priv.rt_flags &= ~RTF_GATEWAY;
  nh.nh_priv.nh_neigh_family = nh.nh_priv.nh_upper_family;
  nh.gw_sa = fill_sdl_from_ifp(ifp);
}

function nhop_check_gateway(upper_family: number, neigh_family: number): boolean {
  return upper_family === neigh_family || neigh_family === AF_UNSPEC || neigh_family === AF_LINK;
}

/** nhop_set_gw: a gateway address (is_gw), or an interface route named by
 *  an address of the interface. */
function nhop_set_gw(nh: nhop_object, gw: sockaddr, is_gw: boolean): boolean {
  if (!nhop_check_gateway(nh.nh_priv.nh_upper_family, sa_family(gw))) return false;
  if ("sin_addr" in gw) {
    nh.gw4_sa.sin_len = gw.sin_len;
    nh.gw4_sa.sin_family = gw.sin_family;
    nh.gw4_sa.sin_addr = gw.sin_addr;
    nh.gw4_sa.sin_port = 0;
    nh.gw_sa = nh.gw4_sa;
  } else if ("sdl_index" in gw) {
    const sdl = new sockaddr_dl(gw.sdl_index, gw.sdl_type, gw.sdl_data, gw.sdl_lladdr.slice());
    sdl.sdl_len = gw.sdl_len;
    nh.gw_sa = sdl;
  } else {
    return false;
  }
  if (is_gw) {
    nh.nh_flags |= NHF_GATEWAY;
    nh.nh_priv.rt_flags |= RTF_GATEWAY;
    nh.nh_priv.nh_neigh_family = sa_family(gw);
  } else {
    nh.nh_flags &= ~NHF_GATEWAY;
    nh.nh_priv.rt_flags &= ~RTF_GATEWAY;
    nh.nh_priv.nh_neigh_family = nh.nh_priv.nh_upper_family;
  }
  return true;
}

/**
 * nhop_set_blackhole: blackhole and reject nexthops send to lo0 (whose
 * looutput discards or answers EHOSTUNREACH), gateway 127.0.0.1.
 */
function nhop_set_blackhole(nh: nhop_object, blackhole_rt_flag: number): void {
  nh.nh_flags &= ~(NHF_BLACKHOLE | NHF_REJECT);
  nh.nh_priv.rt_flags &= ~(RTF_BLACKHOLE | RTF_REJECT);
  switch (blackhole_rt_flag) {
    case RTF_BLACKHOLE:
      nh.nh_flags |= NHF_BLACKHOLE;
      nh.nh_priv.rt_flags |= RTF_BLACKHOLE;
      break;
    case RTF_REJECT:
      nh.nh_flags |= NHF_REJECT;
      nh.nh_priv.rt_flags |= RTF_REJECT;
      break;
    default:
      return;
  }
  const lo = rt_loif();
  if (lo !== null) nh.nh_ifp = lo;
  nh.nh_flags &= ~NHF_GATEWAY;
  nh.nh_priv.rt_flags &= ~RTF_GATEWAY;
  nh.nh_priv.nh_neigh_family = nh.nh_priv.nh_upper_family;
  nh.gw4_sa.sin_family = AF_INET;
  nh.gw4_sa.sin_len = 16;
  nh.gw4_sa.sin_addr = 0x7f000001;
  nh.gw4_sa.sin_port = 0;
  nh.gw_sa = nh.gw4_sa;
}

/**
 * get_aifp: the interface owning the source address.  For a loopback route
 * to one of our own addresses that is the interface named in the AF_LINK
 * gateway, not lo0.
 */
function get_aifp(nh: nhop_object): ifnet {
  let aifp: ifnet | null = null;
  if ((nh.nh_ifp.if_flags & IFF_LOOPBACK) !== 0 && "sdl_index" in nh.gw_sa) {
    aifp = ifnet_byindex(nh.gw_sa.sdl_index);
    if (aifp === null) log(LOG_DEBUG, `unable to get aifp for ${nh.nh_ifp.if_xname} index ${nh.gw_sa.sdl_index}\n`);
  }
  return aifp ?? nh.nh_ifp;
}

function set_nhop_gw_from_info(nh: nhop_object, info: rt_addrinfo): number {
  const gw = info.rti_info[RTAX_GATEWAY] as sockaddr;
  const is_gw = (info.rti_flags & RTF_GATEWAY) !== 0;
  if ("sdl_index" in gw && !is_gw) {
    const ifp = ifnet_byindex(gw.sdl_index);
    if (ifp === null) return EINVAL;
    nhop_set_direct_gw(nh, ifp);
  } else if (!nhop_set_gw(nh, gw, is_gw)) {
    return EINVAL;
  }
  return 0;
}

function set_nhop_mtu_from_info(nh: nhop_object, info: rt_addrinfo): void {
  if ((info.rti_mflags & RTV_MTU) !== 0 && info.rti_rmx !== null) nhop_set_mtu(nh, info.rti_rmx.rmx_mtu, true);
}

function set_nhop_expire_from_info(nh: nhop_object, info: rt_addrinfo): void {
  let nh_expire = 0;
  // Userland speaks wall-clock seconds, the kernel uptime seconds.
  if ((info.rti_mflags & RTV_EXPIRE) !== 0 && info.rti_rmx !== null && info.rti_rmx.rmx_expire > 0)
    nh_expire = info.rti_rmx.rmx_expire - time_second() + time_uptime();
  nh.nh_priv.nh_expire = nh_expire;
}

/** time_second: the wall clock in seconds. */
function time_second(): number {
  return boottime_s + time_uptime();
}

function cmp_nhop(a: nhop_object, b: nhop_object): boolean {
  if (a.nh_flags !== b.nh_flags || a.nh_mtu !== b.nh_mtu || a.nh_ifp !== b.nh_ifp || a.nh_aifp !== b.nh_aifp || a.nh_ifa !== b.nh_ifa) return false;
  if (!sa_equal(a.gw_sa, b.gw_sa)) return false;
  const pa = a.nh_priv;
  const pb = b.nh_priv;
  return (
    pa.nh_upper_family === pb.nh_upper_family &&
    pa.nh_neigh_family === pb.nh_neigh_family &&
    pa.nh_type === pb.nh_type &&
    pa.rt_flags === pb.rt_flags &&
    pa.nh_fibnum === pb.nh_fibnum &&
    pa.nh_expire === pb.nh_expire
  );
}

/** find_nhop: an equal linked nexthop, referenced. */
function find_nhop(ctl: nh_control, nh: nhop_object): nhop_object | null {
  for (const n of ctl.nh_head) {
    if (cmp_nhop(n, nh) && n.nh_refcnt > 0) {
      n.nh_refcnt++;
      return n;
    }
  }
  return null;
}

function link_nhop(ctl: nh_control, nh: nhop_object): boolean {
  let idx = 1;
  while (ctl.nh_idx_used.has(idx)) idx++;
  if (idx > 0xffff) {
    RTSTAT_INC(rts_nh_idx_alloc_failure);
    return false;
  }
  ctl.nh_idx_used.add(idx);
  nh.nh_priv.nh_idx = idx;
  nh.nh_priv.nh_control = ctl;
  nh.nh_priv.nh_linked = true;
  ctl.nh_head.push(nh);
  return true;
}

function unlink_nhop(ctl: nh_control, nh: nhop_object): void {
  const i = ctl.nh_head.indexOf(nh);
  if (i >= 0) ctl.nh_head.splice(i, 1);
  ctl.nh_idx_used.delete(nh.nh_priv.nh_idx);
  nh.nh_priv.nh_linked = false;
}

function finalize_nhop(ctl: nh_control, nh: nhop_object): number {
  nh.nh_priv.nh_vnet = VIMAGE ? curvnet : vnet0;
  nh.nh_aifp = get_aifp(nh);
  nh.nh_priv.nh_finalized = true;
  if (!link_nhop(ctl, nh)) return EOPNOTSUPP;
  return 0;
}

function nhop_get_nhop_internal(rnh: rib_head, nh: nhop_object): { error: number; nh: nhop_object | null } {
  nh.nh_aifp = get_aifp(nh);
  const error = rnh.rnh_augment_nh(rnh.rib_fibnum, nh);
  if (error !== 0) return { error, nh: null };
  const found = find_nhop(rnh.nh_control, nh);
  if (found !== null) return { error: 0, nh: found };
  const e = finalize_nhop(rnh.nh_control, nh);
  return { error: e, nh: e === 0 ? nh : null };
}

/**
 * nhop_create_from_info: the nexthop a request describes; a linked equal one
 * is shared.  Returns it referenced.
 */
export function nhop_create_from_info(rnh: rib_head, info: rt_addrinfo): { error: number; nh: nhop_object | null } {
  const gw = info.rti_info[RTAX_GATEWAY];
  if (gw === null) return { error: EINVAL, nh: null };
  const ifa = info.rti_ifa;
  const ifp = info.rti_ifp;
  if (ifa === null || ifp === null) return { error: EINVAL, nh: null };
  // Departure: an IPv4 nexthop's source must be an IPv4 address.  FreeBSD
  // would fall back to the interface's link-level address when the
  // interface has no IPv4 address; such routes are refused here.
  if (!(ifa instanceof in_ifaddr)) return { error: ENETUNREACH, nh: null };
  const nh = new nhop_object(ifp, ifa);
  nh.nh_priv.nh_upper_family = rnh.rib_family;
  nh.nh_priv.nh_fibnum = rnh.rib_fibnum;
  let error = set_nhop_gw_from_info(nh, info);
  if (error !== 0) return { error, nh: null };
  nh.nh_ifp = ifp;
  nhop_set_blackhole(nh, info.rti_flags & (RTF_BLACKHOLE | RTF_REJECT));
  error = rnh.rnh_set_nh_pfxflags(rnh.rib_fibnum, info.rti_info[RTAX_DST] as sockaddr, info.rti_info[RTAX_NETMASK], nh);
  if (error !== 0) return { error, nh: null };
  nhop_set_redirect(nh, (info.rti_flags & RTF_DYNAMIC) !== 0);
  nhop_set_pinned(nh, (info.rti_flags & RTF_PINNED) !== 0);
  set_nhop_expire_from_info(nh, info);
  nhop_set_rtflags(nh, info.rti_flags);
  set_nhop_mtu_from_info(nh, info);
  nh.nh_ifa = ifa;
  return nhop_get_nhop_internal(rnh, nh);
}

/** nhop_create_from_nhop: a copy of nh_orig altered by a change request. */
function nhop_create_from_nhop(rnh: rib_head, nh_orig: nhop_object, info: rt_addrinfo): { error: number; nh: nhop_object | null } {
  const nh = new nhop_object(nh_orig.nh_ifp, nh_orig.nh_ifa);
  nh.nh_flags = nh_orig.nh_flags;
  nh.nh_mtu = nh_orig.nh_mtu;
  nh.gw4_sa.sin_len = nh_orig.gw4_sa.sin_len;
  nh.gw4_sa.sin_family = nh_orig.gw4_sa.sin_family;
  nh.gw4_sa.sin_addr = nh_orig.gw4_sa.sin_addr;
  nh.gw_sa = nh_orig.gw_sa === nh_orig.gw4_sa ? nh.gw4_sa : nh_orig.gw_sa;
  nh.nh_aifp = nh_orig.nh_aifp;
  const p = nh.nh_priv;
  const po = nh_orig.nh_priv;
  p.nh_upper_family = po.nh_upper_family;
  p.nh_neigh_family = po.nh_neigh_family;
  p.nh_type = po.nh_type;
  p.rt_flags = po.rt_flags;
  p.nh_fibnum = po.nh_fibnum;
  // alter_nhop_from_info
  set_nhop_mtu_from_info(nh, info);
  let rt_flags = p.rt_flags & ~RT_CHANGE_RTFLAGS_MASK;
  rt_flags |= info.rti_flags & RT_CHANGE_RTFLAGS_MASK;
  p.rt_flags = rt_flags;
  if (info.rti_info[RTAX_GATEWAY] !== null) {
    const error = set_nhop_gw_from_info(nh, info);
    if (error !== 0) return { error, nh: null };
  }
  if (info.rti_ifa !== null) {
    if (!(info.rti_ifa instanceof in_ifaddr)) return { error: ENETUNREACH, nh: null };
    nh.nh_ifa = info.rti_ifa;
  }
  if (info.rti_ifp !== null) nh.nh_ifp = info.rti_ifp;
  return nhop_get_nhop_internal(rnh, nh);
}

export function nhop_ref_object(nh: nhop_object): void {
  nh.nh_refcnt++;
}

/** nhop_free: drop a reference; the last one unlinks the nexthop. */
export function nhop_free(nh: nhop_object): void {
  if (--nh.nh_refcnt > 0) return;
  if (!nh.nh_priv.nh_finalized) return;
  const ctl = nh.nh_priv.nh_control;
  if (ctl !== null && nh.nh_priv.nh_linked) unlink_nhop(ctl, nh);
}
export const nhop_free_any = nhop_free;
export const nhop_ref_any = nhop_ref_object;

/** nhops_update_ifmtu: an interface MTU change reaches its nexthops. */
export function nhops_update_ifmtu(rh: rib_head, ifp: ifnet, mtu: number): void {
  for (const nh of rh.nh_control.nh_head) {
    if (nh.nh_ifp === ifp && ((nh.nh_priv.rt_flags & RTF_FIXEDMTU) === 0 || nh.nh_mtu > mtu)) nh.nh_mtu = mtu;
  }
}

/** rt_updatemtu(ifp): after SIOCSIFMTU. */
export function rt_updatemtu(ifp: ifnet): void {
  const n = V_rt_numfibs();
  for (let j = 0; j < n; j++) {
    const rnh = rt_tables_get_rnh(j, AF_INET);
    if (rnh !== null) nhops_update_ifmtu(rnh, ifp, ifp.if_mtu);
  }
}

// ---------------------------------------------------------------------------
// Table entries and tables (route_var.h, route.c).

/** struct rtentry: one prefix.  rt_dst/rt_mask are host-order numbers. */
export class rtentry {
  rt_dst = 0;
  /** 0xffffffff for host routes (which FreeBSD stores without a mask). */
  rt_mask = 0;
  rt_plen = 0;
  rte_flags = 0;
  rt_weight = RT_DEFAULT_WEIGHT;
  rt_chain: rtentry | null = null;
  constructor(public rt_nhop: nhop_object) {}
}

export function rt_is_host(rt: rtentry): boolean {
  return (rt.rte_flags & RTF_HOST) !== 0;
}
export function rt_get_raw_nhop(rt: rtentry): nhop_object {
  return rt.rt_nhop;
}
export function rt_get_family(_rt: rtentry): number {
  return AF_INET;
}
/** rt_get_inet_prefix_plen. */
export function rt_get_inet_prefix_plen(rt: rtentry): { addr: number; plen: number } {
  return { addr: rt.rt_dst, plen: rt_is_host(rt) ? 32 : rt.rt_plen };
}

export type rnh_set_nh_pfxflags_f_t = (fibnum: number, addr: sockaddr, mask: sockaddr | null, nh: nhop_object) => number;
export type rnh_augment_nh_f_t = (fibnum: number, nh: nhop_object) => number;

/**
 * struct rib_head: one routing table.  rnh_tab[len] holds the entries of
 * prefix length len keyed by (masked destination | 0); rnh_plens lists the
 * lengths present, longest first, so a lookup probes only those.
 */
export class rib_head {
  rnh_gen = 0;
  rnh_prefixes = 0;
  rib_dying = false;
  readonly rnh_tab: (Map<number, rtentry> | null)[] = new Array<Map<number, rtentry> | null>(33).fill(null);
  rnh_plens: number[] = [];
  rnh_set_nh_pfxflags: rnh_set_nh_pfxflags_f_t = () => 0;
  rnh_augment_nh: rnh_augment_nh_f_t = () => 0;
  readonly nh_control: nh_control;
  /** route_temporal.c: expiring (redirect) routes. */
  readonly expire_callout = new callout();
  next_expire = 0;
  rib_vnet: vnet;
  constructor(
    readonly rib_family: number,
    readonly rib_fibnum: number,
  ) {
    this.nh_control = new nh_control(this);
    this.rib_vnet = VIMAGE ? (curvnet as vnet) : vnet0;
    callout_init(this.expire_callout, true);
  }
}

/** rnh_matchaddr for AF_INET: longest prefix match, allocation-free. */
export function rib4_matchaddr(rh: rib_head, dst: number): rtentry | null {
  const plens = rh.rnh_plens;
  const tab = rh.rnh_tab;
  for (let i = 0; i < plens.length; i++) {
    const len = plens[i];
    const rt = (tab[len] as Map<number, rtentry>).get(dst & rt_masks[len]);
    if (rt !== undefined) return rt;
  }
  return null;
}

/** rnh_lookup: exact match of (dst, plen). */
export function rib4_lookup(rh: rib_head, dst: number, plen: number): rtentry | null {
  const t = rh.rnh_tab[plen];
  if (t === null) return null;
  return t.get(dst & rt_masks[plen]) ?? null;
}

/** rnh_addaddr: false when the prefix is already there. */
function rib4_addaddr(rh: rib_head, rt: rtentry): boolean {
  let t = rh.rnh_tab[rt.rt_plen];
  const key = rt.rt_dst | 0;
  if (t === null) {
    t = new Map();
    rh.rnh_tab[rt.rt_plen] = t;
    rh.rnh_plens.push(rt.rt_plen);
    rh.rnh_plens.sort((a, b) => b - a);
  } else if (t.has(key)) {
    return false;
  }
  t.set(key, rt);
  return true;
}

/** rnh_deladdr: unlink (dst, plen) and return it. */
function rib4_deladdr(rh: rib_head, dst: number, plen: number): rtentry | null {
  const t = rh.rnh_tab[plen];
  if (t === null) return null;
  const key = dst & rt_masks[plen];
  const rt = t.get(key);
  if (rt === undefined) return null;
  t.delete(key);
  if (t.size === 0) {
    rh.rnh_tab[plen] = null;
    rh.rnh_plens = rh.rnh_plens.filter((l) => l !== plen);
  }
  return rt;
}

/**
 * rnh_walktree: every entry in radix order (address, then the more specific
 * of equal keys first).  The walk runs over a snapshot, so the callback may
 * delete entries.
 */
export function rib_walktree(rh: rib_head, f: (rt: rtentry) => number): void {
  const all: rtentry[] = [];
  for (const t of rh.rnh_tab) if (t !== null) for (const rt of t.values()) all.push(rt);
  all.sort((a, b) => a.rt_dst - b.rt_dst || b.rt_plen - a.rt_plen);
  for (const rt of all) if (f(rt) !== 0) break;
}

/** rt_table_init(offset, family, fibnum). */
export function rt_table_init(_offset: number, family: number, fibnum: number): rib_head {
  return new rib_head(family, fibnum);
}

/** rt_table_destroy: the vnet is going; entries and nexthops go with it. */
export function rt_table_destroy(rh: rib_head): void {
  rh.rib_dying = true;
  callout_stop(rh.expire_callout);
  rib_walktree(rh, (rt) => {
    rib4_deladdr(rh, rt.rt_dst, rt.rt_plen);
    nhop_free(rt.rt_nhop);
    return 0;
  });
  rh.nh_control.nh_head.length = 0;
}

// ---------------------------------------------------------------------------
// Per-vnet tables (route_tables.c).

/** V_rt_tables: fib-major array of (AF_MAX + 1) heads per fib. */
const rt_tables = VNET_DEFINE_PTR<(rib_head | null)[] | null>("rt_tables", null);
/** V_rt_numfibs (VNET_DEFINE(uint32_t, _rt_numfibs)). */
export const _rt_numfibs = VNET_DEFINE_INT("_rt_numfibs", RT_NUMFIBS);
/** V_rt_add_addr_allfibs: interface routes into every fib (net.add_addr_allfibs). */
export const rt_add_addr_allfibs = VNET_DEFINE_INT("rt_add_addr_allfibs", 0);

export function V_rt_numfibs(): number {
  return VNET_I32(_rt_numfibs);
}
export function V_rt_add_addr_allfibs(): number {
  return VNET_I32(rt_add_addr_allfibs);
}

set_rt_numfibs_hook(V_rt_numfibs);

/** rt_tables_get_rnh(table, family): the table, or NULL for a family with none. */
export function rt_tables_get_rnh(table: number, family: number): rib_head | null {
  const t = VNET_PTR(rt_tables);
  if (t === null) return null;
  if (table >= VNET_I32(_rt_numfibs) || table < 0) panic("rt_tables_get_rnh: table out of bounds");
  return t[table * (AF_MAX + 1) + family];
}

export function rt_tables_get_gen(table: number, family: number): number {
  const rh = rt_tables_get_rnh(table, family);
  return rh === null ? 0 : rh.rnh_gen;
}

function normalize_num_rtables(num_rtables: number): number {
  if (num_rtables > RT_MAXFIBS) num_rtables = RT_MAXFIBS;
  else if (num_rtables === 0) num_rtables = 1;
  return num_rtables;
}

/** grow_rtables: more fibs; existing tables are kept, the new ones created
 *  by each domain's dom_rtattach. */
function grow_rtables(num_tables: number): void {
  const cur = VNET_PTR(rt_tables);
  const n_old = cur === null ? 0 : VNET_I32(_rt_numfibs);
  const new_rt_tables = new Array<rib_head | null>(num_tables * (AF_MAX + 1)).fill(null);
  if (num_tables > 1 && VNET_I32(rt_add_addr_allfibs) === 0)
    printf("WARNING: Adding ifaddrs to all fibs has been turned off by default. Consider tuning net.add_addr_allfibs if needed\n");
  if (cur !== null) for (let i = 0; i < n_old * (AF_MAX + 1); i++) new_rt_tables[i] = cur[i];
  for (const dom of domains) {
    if (dom.dom_rtattach === undefined) continue;
    const family = dom.dom_family;
    for (let i = 0; i < num_tables; i++) {
      const idx = i * (AF_MAX + 1) + family;
      if (new_rt_tables[idx] !== null) continue;
      const rh = dom.dom_rtattach(i);
      if (rh === null) log(LOG_ERR, `unable to create routing table for ${family}.${i}\n`);
      new_rt_tables[idx] = rh;
    }
  }
  VNET_PTR_SET(rt_tables, new_rt_tables);
  VNET_I32_SET(_rt_numfibs, num_tables);
}

/** net.fibs: may only grow (ENOTCAPABLE otherwise). */
const sysctl_fibs: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  let new_fibs = VNET_I32(_rt_numfibs);
  const error = SYSCTL_OUT(req, new_fibs);
  if (error !== 0 || req.newval === null) return error;
  const v = req.newval;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) return EINVAL;
  new_fibs = normalize_num_rtables(v);
  if (new_fibs < VNET_I32(_rt_numfibs)) return ENOTCAPABLE;
  if (new_fibs > VNET_I32(_rt_numfibs)) grow_rtables(new_fibs);
  return 0;
};
SYSCTL_PROC(_net, OID_AUTO, "fibs", CTLFLAG_VNET | CTLTYPE_UINT | CTLFLAG_RWTUN | CTLFLAG_NOFETCH | CTLFLAG_MPSAFE, null, 0, sysctl_fibs, "IU", "set number of fibs");
SYSCTL_UINT(_net, OID_AUTO, "add_addr_allfibs", CTLFLAG_RWTUN | CTLFLAG_VNET, rt_add_addr_allfibs, 0, "");

VNET_SYSINIT("vnet_rtables_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_FOURTH, () => {
  VNET_I32_SET(_rt_numfibs, IS_DEFAULT_VNET(curvnet) ? normalize_num_rtables(RT_NUMFIBS) : 1);
  VNET_PTR_SET(rt_tables, null);
  grow_rtables(VNET_I32(_rt_numfibs));
});

VNET_SYSUNINIT("rtables_destroy", SI_SUB_PROTO_DOMAIN, SI_ORDER_FIRST, () => {
  const t = VNET_PTR(rt_tables);
  if (t === null) return;
  for (const dom of domains) {
    if (dom.dom_rtdetach === undefined) continue;
    for (let i = 0; i < VNET_I32(_rt_numfibs); i++) {
      const rnh = t[i * (AF_MAX + 1) + dom.dom_family];
      if (rnh !== null) dom.dom_rtdetach(rnh);
    }
  }
  VNET_PTR_SET(rt_tables, null);
});

/** V_loif: lo0 of curvnet (net/if_loop.ts), where blackhole, reject and
 *  local-address routes point. */
export function rt_loif(): ifnet | null {
  return V_loif();
}

// ---------------------------------------------------------------------------
// Control plane (route_ctl.c).

function get_rnh(fibnum: number, info: rt_addrinfo): rib_head | null {
  if (fibnum < 0 || fibnum >= VNET_I32(_rt_numfibs)) panic("rib_add_route: bad fibnum");
  const dst = info.rti_info[RTAX_DST] as sockaddr;
  return rt_tables_get_rnh(fibnum, sa_family(dst));
}

/** The (dst, plen) an IPv4 request names: -1 plen for a non-contiguous mask. */
function info_prefix(info: rt_addrinfo): { dst: number; plen: number } {
  const dst = info.rti_info[RTAX_DST];
  const mask = info.rti_info[RTAX_NETMASK];
  const a = dst !== null && "sin_addr" in dst ? dst.sin_addr : 0;
  if (mask === null || !("sin_addr" in mask)) return { dst: a >>> 0, plen: 32 };
  const plen = rt_mask2plen(mask.sin_addr);
  if (plen < 0) return { dst: a >>> 0, plen };
  return { dst: (a & rt_masks[plen]) >>> 0, plen };
}

/** match_nhop_gw: does gw name nh's gateway? */
export function match_nhop_gw(nh: nhop_object, gw: sockaddr): boolean {
  if (sa_family(nh.gw_sa) !== sa_family(gw)) return false;
  if ("sin_addr" in gw) return nh.gw4_sa.sin_addr === gw.sin_addr;
  if ("sdl_index" in gw && "sdl_index" in nh.gw_sa) return nh.gw_sa.sdl_index === gw.sdl_index;
  return sa_equal(nh.gw_sa, gw);
}

/** check_info_match_nhop: 0, ESRCH (other gateway), ENOENT (filter said no). */
export function check_info_match_nhop(info: rt_addrinfo, rt: rtentry | null, nh: nhop_object): number {
  const gw = info.rti_info[RTAX_GATEWAY];
  if (info.rti_filter !== null) {
    if (rt === null || info.rti_filter(rt, nh, info.rti_filterdata) === 0) return ENOENT;
    return 0;
  }
  if (gw !== null && !match_nhop_gw(nh, gw)) return ESRCH;
  return 0;
}

/** can_override_nhop: kernel interface routes (RTF_PINNED) beat user ones. */
export function can_override_nhop(info: rt_addrinfo, nh: nhop_object): number {
  if ((info.rti_flags & RTF_PINNED) !== 0) return NH_IS_PINNED(nh) ? 0 : 1;
  return NH_IS_PINNED(nh) ? -1 : 0;
}

export function lookup_prefix(rnh: rib_head, info: rt_addrinfo, rnd: route_nhop_data): rtentry | null {
  const p = info_prefix(info);
  const rt = p.plen < 0 ? null : rib4_lookup(rnh, p.dst, p.plen);
  rnd.rnd_nhop = rt === null ? null : rt.rt_nhop;
  rnd.rnd_weight = rt === null ? 0 : rt.rt_weight;
  return rt;
}

/** rib_add_route: add the route in info to fib fibnum. */
export function rib_add_route(fibnum: number, info: rt_addrinfo, rc: rib_cmd_info): number {
  const rnh = get_rnh(fibnum, info);
  if (rnh === null) return EAFNOSUPPORT;
  // RTF_HOST and a netmask exclude each other.
  if ((info.rti_flags & RTF_HOST) !== 0) info.rti_info[RTAX_NETMASK] = null;
  else if (info.rti_info[RTAX_NETMASK] === null) return EINVAL;
  rib_cmd_info_reset(rc);
  rc.rc_cmd = RTM_ADD;
  return add_route(rnh, info, rc);
}

function rib_cmd_info_reset(rc: rib_cmd_info): void {
  rc.rc_cmd = 0;
  rc.rc_rt = null;
  rc.rc_nh_old = null;
  rc.rc_nh_new = null;
  rc.rc_nh_weight = 0;
}

function get_info_weight(info: rt_addrinfo, default_weight: number): number {
  let weight = (info.rti_mflags & RTV_WEIGHT) !== 0 && info.rti_rmx !== null ? info.rti_rmx.rmx_weight : default_weight;
  if (weight > RT_MAX_WEIGHT) weight = RT_MAX_WEIGHT;
  return weight;
}

/** create_rtentry: the entry and its nexthop, not yet linked. */
function create_rtentry(rnh: rib_head, info: rt_addrinfo): { error: number; rt: rtentry | null } {
  const dst = info.rti_info[RTAX_DST];
  const gateway = info.rti_info[RTAX_GATEWAY];
  const flags = info.rti_flags;
  if (dst === null) return { error: EINVAL, rt: null };
  if ((flags & RTF_GATEWAY) !== 0 && gateway === null) return { error: EINVAL, rt: null };
  if (gateway !== null && sa_family(dst) !== sa_family(gateway) && sa_family(gateway) !== AF_UNSPEC && sa_family(gateway) !== AF_LINK)
    return { error: EINVAL, rt: null };
  const p = info_prefix(info);
  if (p.plen < 0) return { error: EINVAL, rt: null };
  if (info.rti_ifa === null) {
    const error = rt_getifa_fib(info, rnh.rib_fibnum);
    if (error !== 0) return { error, rt: null };
  }
  if (info.rti_ifp === null && info.rti_ifa !== null) info.rti_ifp = info.rti_ifa.ifa_ifp;
  const r = nhop_create_from_info(rnh, info);
  if (r.error !== 0 || r.nh === null) return { error: r.error, rt: null };
  const rt = new rtentry(r.nh);
  rt.rte_flags = (RTF_UP | flags) & RTE_RT_FLAG_MASK;
  rt.rt_dst = p.dst;
  rt.rt_plen = info.rti_info[RTAX_NETMASK] === null ? 32 : p.plen;
  rt.rt_mask = rt_masks[rt.rt_plen] >>> 0;
  rt.rt_weight = get_info_weight(info, RT_DEFAULT_WEIGHT);
  return { error: 0, rt };
}

function add_route(rnh: rib_head, info: rt_addrinfo, rc: rib_cmd_info): number {
  const c = create_rtentry(rnh, info);
  if (c.error !== 0 || c.rt === null) return c.error;
  const rt = c.rt;
  const rnd_add = new route_nhop_data();
  rnd_add.rnd_nhop = rt.rt_nhop;
  rnd_add.rnd_weight = rt.rt_weight;
  const nh = rt.rt_nhop;
  let error = add_route_nhop(rnh, rt, info, rnd_add, rc);
  if (error === 0) return 0;
  // The addition failed: see why.
  const rnd_orig = new route_nhop_data();
  const rt_orig = lookup_prefix(rnh, info, rnd_orig);
  if (rt_orig === null) {
    nhop_free(nh);
    return EOPNOTSUPP;
  }
  const nh_orig = rnd_orig.rnd_nhop as nhop_object;
  if (can_override_nhop(info, nh_orig) > 0) {
    // A kernel interface route replaces a user one.
    change_route_nhop(rnh, rt_orig, info, rnd_add, rc);
    nhop_free(nh_orig);
    return 0;
  }
  error = EEXIST;
  nhop_free(nh);
  return error;
}

/** add_route_nhop: link rt with the nexthop in rnd. */
function add_route_nhop(rnh: rib_head, rt: rtentry, _info: rt_addrinfo, rnd: route_nhop_data, rc: rib_cmd_info): number {
  rt.rt_nhop = rnd.rnd_nhop as nhop_object;
  rt.rt_weight = rnd.rnd_weight;
  if (!rib4_addaddr(rnh, rt)) return EEXIST;
  if (nhop_get_expire(rt.rt_nhop) > 0) tmproutes_update(rnh, rt, rt.rt_nhop);
  rnh.rnh_gen++;
  rnh.rnh_prefixes++;
  rc.rc_cmd = RTM_ADD;
  rc.rc_rt = rt;
  rc.rc_nh_old = null;
  rc.rc_nh_new = rnd.rnd_nhop;
  rc.rc_nh_weight = rnd.rnd_weight;
  return 0;
}

/** change_route_nhop: switch rt to the nexthop in rnd (NULL: delete rt). */
export function change_route_nhop(rnh: rib_head, rt: rtentry, _info: rt_addrinfo, rnd: route_nhop_data, rc: rib_cmd_info): number {
  const nh_orig = rt.rt_nhop;
  if (rnd.rnd_nhop !== null) {
    rt.rt_nhop = rnd.rnd_nhop;
    rt.rt_weight = rnd.rnd_weight;
    if (nhop_get_expire(rt.rt_nhop) > 0) tmproutes_update(rnh, rt, rt.rt_nhop);
  } else {
    const r = rib4_deladdr(rnh, rt.rt_dst, rt.rt_plen);
    if (r === null) return ESRCH;
    rt.rte_flags &= ~RTF_UP;
  }
  rnh.rnh_gen++;
  if (rnd.rnd_nhop === null) rnh.rnh_prefixes--;
  rc.rc_cmd = rnd.rnd_nhop !== null ? RTM_CHANGE : RTM_DELETE;
  rc.rc_rt = rt;
  rc.rc_nh_old = nh_orig;
  rc.rc_nh_new = rnd.rnd_nhop;
  rc.rc_nh_weight = rnd.rnd_weight;
  return 0;
}

/** rib_del_route: delete the route info names from fib fibnum. */
export function rib_del_route(fibnum: number, info: rt_addrinfo, rc: rib_cmd_info): number {
  const rnh = get_rnh(fibnum, info);
  if (rnh === null) return EAFNOSUPPORT;
  rib_cmd_info_reset(rc);
  rc.rc_cmd = RTM_DELETE;
  if (info_prefix(info).plen < 0) return EINVAL;
  return del_route(rnh, info, rc);
}

/**
 * rt_unlinkrte: unlink the entry info names if its nexthop matches.
 * ESRCH: no such prefix (or another gateway); EADDRINUSE: a kernel route a
 * user may not delete; ENOENT: the filter declined.
 */
function rt_unlinkrte(rnh: rib_head, info: rt_addrinfo, rc: rib_cmd_info): number {
  const rnd = new route_nhop_data();
  const rt = lookup_prefix(rnh, info, rnd);
  if (rt === null) return ESRCH;
  const nh = rt.rt_nhop;
  const error = check_info_match_nhop(info, rt, nh);
  if (error !== 0) return error;
  if (can_override_nhop(info, nh) < 0) return EADDRINUSE;
  if (rib4_deladdr(rnh, rt.rt_dst, rt.rt_plen) === null) return ESRCH;
  rt.rte_flags &= ~RTF_UP;
  rnh.rnh_gen++;
  rnh.rnh_prefixes--;
  rc.rc_cmd = RTM_DELETE;
  rc.rc_rt = rt;
  rc.rc_nh_old = rt.rt_nhop;
  rc.rc_nh_weight = rt.rt_weight;
  return 0;
}

function del_route(rnh: rib_head, info: rt_addrinfo, rc: rib_cmd_info): number {
  const error = rt_unlinkrte(rnh, info, rc);
  if (error !== 0) return error;
  // The entry is gone; the nexthop reference it held goes too (rtfree).
  if (rc.rc_cmd === RTM_DELETE && rc.rc_rt !== null) rt_free(rc.rc_rt);
  return 0;
}

/** rtfree: no epoch here, the entry's nexthop reference drops now. */
function rt_free(rt: rtentry): void {
  nhop_free(rt.rt_nhop);
}

/** rib_change_route: RTM_CHANGE. */
export function rib_change_route(fibnum: number, info: rt_addrinfo, rc: rib_cmd_info): number {
  const rnh = get_rnh(fibnum, info);
  if (rnh === null) return EAFNOSUPPORT;
  rib_cmd_info_reset(rc);
  rc.rc_cmd = RTM_CHANGE;
  // route(8) sets RTF_GATEWAY unless -interface; no gateway means none.
  if ((info.rti_flags & RTF_GATEWAY) !== 0 && info.rti_info[RTAX_GATEWAY] === null) info.rti_flags &= ~RTF_GATEWAY;
  const p = info_prefix(info);
  if (p.plen < 0) return EINVAL;
  const rt = rib4_lookup(rnh, p.dst, info.rti_info[RTAX_NETMASK] === null ? 32 : p.plen);
  if (rt === null) return ESRCH;
  const rnd_orig = new route_nhop_data();
  rnd_orig.rnd_nhop = rt.rt_nhop;
  rnd_orig.rnd_weight = rt.rt_weight;
  let error = 0;
  for (let i = 0; i < RIB_MAX_RETRIES; i++) {
    error = change_route(rnh, info, rnd_orig, rc);
    if (error !== EAGAIN) break;
  }
  return error;
}

function change_nhop(rnh: rib_head, info: rt_addrinfo, nh_orig: nhop_object): { error: number; nh: nhop_object | null } {
  // A new gateway or interface may need another source address.
  const ifa_sa = info.rti_info[RTAX_IFA];
  if (
    ((nh_orig.nh_flags & NHF_GATEWAY) !== 0 && info.rti_info[RTAX_GATEWAY] !== null) ||
    info.rti_info[RTAX_IFP] !== null ||
    (ifa_sa !== null && !sa_equal(ifa_sa, nh_orig.nh_ifa.ifa_addr))
  ) {
    const error = rt_getifa_fib(info, rnh.rib_fibnum);
    if (error !== 0) {
      info.rti_ifa = null;
      return { error, nh: null };
    }
  }
  const r = nhop_create_from_nhop(rnh, nh_orig, info);
  info.rti_ifa = null;
  return r;
}

function change_route(rnh: rib_head, info: rt_addrinfo, rnd_orig: route_nhop_data, rc: rib_cmd_info): number {
  const nh_orig = rnd_orig.rnd_nhop;
  if (nh_orig === null) return ESRCH;
  const rnd_new = new route_nhop_data();
  rnd_new.rnd_weight = get_info_weight(info, rnd_orig.rnd_weight);
  const r = change_nhop(rnh, info, nh_orig);
  if (r.error !== 0) return r.error;
  rnd_new.rnd_nhop = r.nh;
  return change_route_conditional(rnh, null, info, rnd_orig, rnd_new, rc);
}

/** change_route_conditional: apply rnd_new if the route still has rnd_orig. */
export function change_route_conditional(
  rnh: rib_head,
  rt: rtentry | null,
  info: rt_addrinfo,
  rnd_orig: route_nhop_data,
  rnd_new: route_nhop_data,
  rc: rib_cmd_info,
): number {
  let error = 0;
  const p = info_prefix(info);
  const rt_new = p.plen < 0 ? null : rib4_lookup(rnh, p.dst, info.rti_info[RTAX_NETMASK] === null ? 32 : p.plen);
  if (rt_new === null) {
    if (rnd_orig.rnd_nhop === null && rt !== null) error = add_route_nhop(rnh, rt, info, rnd_new, rc);
    else {
      rnd_orig.rnd_nhop = null;
      rnd_orig.rnd_weight = 0;
      error = EAGAIN;
    }
  } else if (rnd_orig.rnd_nhop === rt_new.rt_nhop) {
    error = change_route_nhop(rnh, rt_new, info, rnd_new, rc);
  } else {
    rnd_orig.rnd_nhop = rt_new.rt_nhop;
    rnd_orig.rnd_weight = rt_new.rt_weight;
    error = EAGAIN;
  }
  if (error === 0) {
    if (rnd_orig.rnd_nhop !== null) nhop_free(rnd_orig.rnd_nhop);
  } else if (rnd_new.rnd_nhop !== null) {
    nhop_free(rnd_new.rnd_nhop);
  }
  return error;
}

/**
 * rib_action(fibnum, RTM_ADD|RTM_DELETE|RTM_CHANGE, info, rc): change fib
 * fibnum of curvnet as info says.  Returns 0 with the outcome in rc, or an
 * errno.
 */
export function rib_action(fibnum: number, action: number, info: rt_addrinfo, rc: rib_cmd_info = new rib_cmd_info()): number {
  switch (action) {
    case RTM_ADD:
      return rib_add_route(fibnum, info, rc);
    case RTM_DELETE:
      return rib_del_route(fibnum, info, rc);
    case RTM_CHANGE:
      return rib_change_route(fibnum, info, rc);
    default:
      return EOPNOTSUPP;
  }
}

/**
 * rib_walk_del: delete every entry of (fibnum, family) the filter picks,
 * reporting each to route sockets when asked.
 */
export function rib_walk_del(fibnum: number, family: number, filter_f: rib_filter_f_t, arg: unknown, report: boolean): void {
  const rnh = rt_tables_get_rnh(fibnum, family);
  if (rnh === null) return;
  const info = new rt_addrinfo();
  info.rti_filter = filter_f;
  info.rti_filterdata = arg;
  const rc = new rib_cmd_info();
  const deleted: rtentry[] = [];
  const mask = new sockaddr_in(0);
  rib_walktree(rnh, (rt) => {
    info.rti_info[RTAX_DST] = new sockaddr_in(rt.rt_dst);
    mask.sin_addr = rt.rt_mask;
    info.rti_info[RTAX_NETMASK] = rt_is_host(rt) ? null : mask;
    rib_cmd_info_reset(rc);
    if (rt_unlinkrte(rnh, info, rc) !== 0) return 0;
    if (rc.rc_cmd === RTM_DELETE) deleted.push(rt);
    return 0;
  });
  for (const rt of deleted) {
    if (report) rt_routemsg(RTM_DELETE, rt, rt.rt_nhop, fibnum);
    rt_free(rt);
  }
}

/** rib_foreach_table_walk_del: rib_walk_del over every fib. */
export function rib_foreach_table_walk_del(family: number, filter_f: rib_filter_f_t, arg: unknown): void {
  const n = VNET_PTR(rt_tables) === null ? 0 : VNET_I32(_rt_numfibs);
  for (let fibnum = 0; fibnum < n; fibnum++) {
    if (family !== AF_UNSPEC) {
      rib_walk_del(fibnum, family, filter_f, arg, false);
      continue;
    }
    for (let i = 1; i <= AF_MAX; i++) rib_walk_del(fibnum, i, filter_f, arg, false);
  }
}

/** rib_walk: call f for every entry of (fibnum, family). */
export function rib_walk(fibnum: number, family: number, f: (rt: rtentry, arg: unknown) => number, arg: unknown): void {
  const rnh = rt_tables_get_rnh(fibnum, family);
  if (rnh !== null) rib_walktree(rnh, (rt) => f(rt, arg));
}

/** rib_flush_routes_family: drop every route of a family, no messages. */
export function rib_flush_routes_family(family: number): void {
  const n = VNET_PTR(rt_tables) === null ? 0 : VNET_I32(_rt_numfibs);
  for (let fibnum = 0; fibnum < n; fibnum++) {
    const rnh = rt_tables_get_rnh(fibnum, family);
    if (rnh === null) continue;
    rib_walktree(rnh, (rt) => {
      if (rib4_deladdr(rnh, rt.rt_dst, rt.rt_plen) === rt) rt_free(rt);
      return 0;
    });
  }
}

// ---------------------------------------------------------------------------
// route.c

/**
 * rib_lookup(fibnum, dst, flags, flowid): the family-independent lookup the
 * control plane uses.
 */
export function rib_lookup(fibnum: number, dst: sockaddr, flags: number, flowid: number): nhop_object | null {
  if ("sin_addr" in dst) return fib4_lookup(fibnum, dst.sin_addr, 0, flags, flowid);
  return null;
}

/**
 * rib_lookup_info: longest match for dst exported into info (gateway,
 * netmask, flags, interface), as route_output's gateway check wants.
 * ENOENT when nothing usable matches.
 */
export function rib_lookup_info(fibnum: number, dst: sockaddr, _flags: number, _flowid: number, info: rt_addrinfo): number {
  const rh = rt_tables_get_rnh(fibnum, sa_family(dst));
  if (rh === null || !("sin_addr" in dst)) return ENOENT;
  const rt = rib4_matchaddr(rh, dst.sin_addr);
  if (rt === null) return ENOENT;
  const nh = rt.rt_nhop;
  if (!RT_LINK_IS_UP(nh.nh_ifp)) return ENOENT;
  info.rti_info[RTAX_DST] = new sockaddr_in(rt.rt_dst);
  info.rti_addrs |= RTA_DST;
  if (!rt_is_host(rt)) {
    info.rti_info[RTAX_NETMASK] = new sockaddr_in(rt.rt_mask);
    info.rti_addrs |= RTA_NETMASK;
  }
  info.rti_info[RTAX_GATEWAY] = nh.gw_sa;
  info.rti_addrs |= RTA_GATEWAY;
  if (info.rti_rmx !== null) {
    info.rti_mflags |= RTV_MTU;
    info.rti_rmx.rmx_mtu = nh.nh_mtu;
  }
  info.rti_flags = rt.rte_flags | nhop_get_rtflags(nh);
  info.rti_ifp = nh.nh_ifp;
  info.rti_ifa = nh.nh_ifa;
  return 0;
}

/**
 * ifa_ifwithroute: the interface address a route to dst via gateway should
 * use.  A gateway reachable only through the default route does not count.
 */
export function ifa_ifwithroute(flags: number, dst: sockaddr, gateway: sockaddr, fibnum: number): ifaddr | null {
  let ifa: ifaddr | null = null;
  if ((flags & RTF_GATEWAY) === 0) {
    // A route to an interface: on a point-to-point link the destination
    // names it, otherwise the local address does.
    if ((flags & RTF_HOST) !== 0) ifa = ifa_ifwithdstaddr(dst, fibnum);
    if (ifa === null) ifa = ifa_ifwithaddr(gateway);
  } else {
    // The gateway may be the far end of a point-to-point link.
    ifa = ifa_ifwithdstaddr(gateway, fibnum);
  }
  if (ifa === null) ifa = ifa_ifwithnet(gateway, 0, fibnum);
  if (ifa === null) {
    const nh = rib_lookup(fibnum, gateway, NHR_NONE, 0);
    if (nh === null || (nh.nh_flags & NHF_DEFAULT) !== 0) return null;
    ifa = nh.nh_ifa;
  }
  if (sa_family(ifa.ifa_addr) !== sa_family(dst)) {
    const oifa = ifa;
    ifa = ifaof_ifpforaddr(dst, ifa.ifa_ifp) ?? oifa;
  }
  return ifa;
}

/**
 * rt_getifa_fib: fill in rti_ifa (and rti_ifp) for a request that named
 * neither.  ENETUNREACH when no interface fits.
 */
export function rt_getifa_fib(info: rt_addrinfo, fibnum: number): number {
  const dst = info.rti_info[RTAX_DST];
  const gateway = info.rti_info[RTAX_GATEWAY];
  const ifpaddr = info.rti_info[RTAX_IFP];
  const ifaaddr = info.rti_info[RTAX_IFA];
  const flags = info.rti_flags;
  let error = 0;
  const needref = info.rti_ifa === null;
  // An interface named by index in an AF_LINK address.
  if (info.rti_ifp === null && ifpaddr !== null && "sdl_index" in ifpaddr && ifpaddr.sdl_index !== 0) info.rti_ifp = ifnet_byindex(ifpaddr.sdl_index);
  if (info.rti_ifa === null && ifaaddr !== null) info.rti_ifa = ifa_ifwithaddr(ifaaddr);
  if (info.rti_ifa === null) {
    let sa: sockaddr | null;
    if (ifaaddr !== null) sa = ifaaddr;
    else if ((info.rti_flags & RTF_GATEWAY) !== 0 && gateway !== null && dst !== null && sa_family(gateway) === sa_family(dst)) sa = gateway;
    else sa = dst;
    if (info.rti_ifp !== null) {
      info.rti_ifa = sa === null ? null : ifaof_ifpforaddr(sa, info.rti_ifp);
      if (info.rti_ifa === null && gateway !== null) info.rti_ifa = ifaof_ifpforaddr(gateway, info.rti_ifp);
    } else if (dst !== null && gateway !== null) info.rti_ifa = ifa_ifwithroute(flags, dst, gateway, fibnum);
    else if (sa !== null) info.rti_ifa = ifa_ifwithroute(flags, sa, sa, fibnum);
  }
  if (needref && info.rti_ifa !== null) {
    if (info.rti_ifp === null) info.rti_ifp = info.rti_ifa.ifa_ifp;
  } else error = ENETUNREACH;
  return error;
}

/** rt_ifdelroute: does the route go through the interface in arg? */
const rt_ifdelroute: rib_filter_f_t = (rt, nh, arg) => {
  if (nh.nh_ifp !== arg) return 0;
  if ((rt.rte_flags & RTF_UP) === 0) return 0;
  return 1;
};

/** rt_flushifroutes(ifp): remove every route through ifp (interface detach
 *  or move to another vnet). */
export function rt_flushifroutes(ifp: ifnet): void {
  rib_foreach_table_walk_del(AF_UNSPEC, rt_ifdelroute, ifp);
}

/** rt_flushifroutes_af: the same for one family (a domain's dom_flushroutes). */
export function rt_flushifroutes_af(ifp: ifnet, family: number): void {
  rib_foreach_table_walk_del(family, rt_ifdelroute, ifp);
}

/**
 * rib_add_redirect: a host route learned from an ICMP redirect, expiring
 * after lifetime_sec.
 */
export function rib_add_redirect(
  fibnum: number,
  dst: sockaddr,
  gateway: sockaddr,
  author: sockaddr | null,
  ifp: ifnet,
  flags: number,
  lifetime_sec: number,
): number {
  if (rt_tables_get_rnh(fibnum, sa_family(dst)) === null) return EAFNOSUPPORT;
  if ((flags & ~RTF_GATEWAY) !== 0) panic(`invalid redirect flags: ${flags}`);
  flags |= RTF_HOST | RTF_DYNAMIC;
  const ifa = ifaof_ifpforaddr(gateway, ifp);
  if (ifa === null) return ENETUNREACH;
  const info = new rt_addrinfo();
  info.rti_info[RTAX_DST] = dst;
  info.rti_info[RTAX_GATEWAY] = gateway;
  info.rti_ifa = ifa;
  info.rti_ifp = ifp;
  info.rti_flags = flags;
  const rmx = new rt_metrics();
  rmx.rmx_expire = lifetime_sec + time_second();
  info.rti_mflags |= RTV_EXPIRE;
  info.rti_rmx = rmx;
  const rc = new rib_cmd_info();
  const error = rib_action(fibnum, RTM_ADD, info, rc);
  if (error !== 0) return error;
  RTSTAT_INC(rts_dynamic);
  // Tell route sockets.
  const minfo = new rt_addrinfo();
  minfo.rti_info[RTAX_DST] = dst;
  minfo.rti_info[RTAX_GATEWAY] = gateway;
  minfo.rti_info[RTAX_AUTHOR] = author;
  rt_missmsg_fib(RTM_REDIRECT, minfo, flags | RTF_UP, error, fibnum);
  return 0;
}

/** rt_addrmsg: announce an interface address to route sockets. */
export function rt_addrmsg(cmd: number, ifa: ifaddr, fibnum: number): number {
  if (VNET_I32(rt_add_addr_allfibs) !== 0) fibnum = RT_ALL_FIBS;
  return rtsock_addrmsg(cmd, ifa, fibnum);
}

/** rt_routemsg: announce a kernel route change to route sockets. */
export function rt_routemsg(cmd: number, rt: rtentry, nh: nhop_object, fibnum: number): number {
  return rtsock_routemsg(cmd, rt, nh, fibnum);
}

export function rt_routemsg_info(cmd: number, info: rt_addrinfo, fibnum: number): number {
  return rtsock_routemsg_info(cmd, info, fibnum);
}

// ---------------------------------------------------------------------------
// route_temporal.c: routes with an expiry time (ICMP redirects).

function tmproutes_update(rnh: rib_head, _rt: rtentry, nh: nhop_object): void {
  const expire = nhop_get_expire(nh);
  if (rnh.next_expire === 0 || expire < rnh.next_expire) {
    rnh.next_expire = expire;
    callout_reset_sbt(rnh.expire_callout, SBT_1S * Math.max(1, expire - time_uptime()), expire_callout, rnh);
  }
}

function expire_callout(rnh: rib_head): void {
  const saved = CURVNET_SET(rnh.rib_vnet, "expire_callout");
  rnh.next_expire = 0;
  const now = time_uptime();
  let next = 0;
  const doomed: rtentry[] = [];
  rib_walktree(rnh, (rt) => {
    const e = nhop_get_expire(rt.rt_nhop);
    if (e === 0) return 0;
    if (e <= now) doomed.push(rt);
    else if (next === 0 || e < next) next = e;
    return 0;
  });
  for (const rt of doomed) {
    if (rib4_deladdr(rnh, rt.rt_dst, rt.rt_plen) === rt) {
      rnh.rnh_gen++;
      rnh.rnh_prefixes--;
      rt.rte_flags &= ~RTF_UP;
      rt_free(rt);
    }
  }
  if (next !== 0) {
    rnh.next_expire = next;
    callout_reset_sbt(rnh.expire_callout, SBT_1S * Math.max(1, next - now), expire_callout, rnh);
  }
  CURVNET_RESTORE(saved);
}

// ---------------------------------------------------------------------------
// route_ifaddrs.c: routes interface addresses install.

function rib_handle_ifaddr_one(fibnum: number, cmd: number, info: rt_addrinfo): number {
  const rc = new rib_cmd_info();
  const error = rib_action(fibnum, cmd, info, rc);
  if (error === 0 && rc.rc_rt !== null) {
    const nh = cmd === RTM_ADD ? rc.rc_nh_new : rc.rc_nh_old;
    if (nh !== null) rt_routemsg(cmd, rc.rc_rt, nh, fibnum);
  }
  return error;
}

/**
 * rib_handle_ifaddr_info: add or delete an interface prefix route in the
 * interface's fib, or in every fib with net.add_addr_allfibs.
 */
export function rib_handle_ifaddr_info(fibnum: number, cmd: number, info: rt_addrinfo): number {
  let error = 0;
  let last_error = 0;
  let didwork = false;
  if (VNET_I32(rt_add_addr_allfibs) === 0) {
    error = rib_handle_ifaddr_one(fibnum, cmd, info);
    didwork = error === 0;
  } else {
    for (fibnum = 0; fibnum < VNET_I32(_rt_numfibs); fibnum++) {
      error = rib_handle_ifaddr_one(fibnum, cmd, info);
      if (error === 0) didwork = true;
      else last_error = error;
    }
  }
  if (cmd === RTM_DELETE) {
    if (didwork) error = 0;
    else error = (info.rti_flags & RTF_HOST) !== 0 ? EHOSTUNREACH : ENETUNREACH;
  } else if (last_error !== 0) {
    error = last_error;
  }
  return error;
}

/**
 * ifa_maintain_loopback_route: the host route to one of our own addresses,
 * through lo0, with the owning interface in the AF_LINK gateway.
 */
function ifa_maintain_loopback_route(cmd: number, otype: string, ifa: ifaddr, ia: sockaddr): number {
  const ifp = ifa.ifa_ifp;
  const info = new rt_addrinfo();
  if (cmd !== RTM_DELETE) info.rti_ifp = rt_loif();
  if (cmd === RTM_ADD && info.rti_ifp !== null) {
    // lo0's own IPv4 address is the source, as in FreeBSD.  Departure: a
    // vnet whose lo0 has no IPv4 address uses the address itself, where
    // FreeBSD would take lo0's link-level address.
    info.rti_ifa = ifaof_ifpforaddr(ifa.ifa_addr, info.rti_ifp);
    if (info.rti_ifa === null || !(info.rti_ifa instanceof in_ifaddr)) info.rti_ifa = ifa;
  }
  info.rti_flags = ifa.ifa_flags | RTF_HOST | RTF_STATIC | RTF_PINNED;
  info.rti_info[RTAX_DST] = ia;
  info.rti_info[RTAX_GATEWAY] = link_init_sdl(ifp, ifp.if_type);
  const rc = new rib_cmd_info();
  const error = rib_action(ifp.if_fib, cmd, info, rc);
  if (error === 0 || (cmd === RTM_ADD && error === EEXIST) || (cmd === RTM_DELETE && (error === ENOENT || error === ESRCH))) return error;
  log(LOG_DEBUG, `ifa_maintain_loopback_route: ${otype} failed for interface ${ifp.if_xname}: ${error}\n`);
  return error;
}

export function ifa_add_loopback_route(ifa: ifaddr, ia: sockaddr): number {
  return ifa_maintain_loopback_route(RTM_ADD, "insertion", ifa, ia);
}
export function ifa_del_loopback_route(ifa: ifaddr, ia: sockaddr): number {
  return ifa_maintain_loopback_route(RTM_DELETE, "deletion", ifa, ia);
}
export function ifa_switch_loopback_route(ifa: ifaddr, ia: sockaddr): number {
  return ifa_maintain_loopback_route(RTM_CHANGE, "switch", ifa, ia);
}

// ---------------------------------------------------------------------------
// The table as netstat -rn lists it (sysctl NET_RT_DUMP, sysctl_dumpentry).

export interface rt_dump_entry {
  /** Destination and mask, host order; mask 0xffffffff for host routes. */
  rt_dst: number;
  rt_mask: number;
  /** rte_flags | nexthop rt_flags, as rtm_flags carries them. */
  rt_flags: number;
  /** The gateway: an IPv4 address, or the AF_LINK address of the interface. */
  rt_gateway: sockaddr;
  /** Egress interface name (Netif). */
  rt_ifname: string;
  rt_ifindex: number;
  /** Source address of the nexthop. */
  rt_ifa: number;
  rt_mtu: number;
  /** Seconds left before the route expires, 0 for never. */
  rt_expire: number;
  rt_weight: number;
  rt_nhidx: number;
  rt_refcnt: number;
}

/** rt_dump(fibnum): the IPv4 table of fib fibnum in curvnet. */
export function rt_dump(fibnum: number): { error: number; entries: rt_dump_entry[] } {
  const entries: rt_dump_entry[] = [];
  if (!Number.isInteger(fibnum) || fibnum < 0 || fibnum >= V_rt_numfibs()) return { error: EINVAL, entries };
  const rnh = rt_tables_get_rnh(fibnum, AF_INET);
  if (rnh === null) return { error: EAFNOSUPPORT, entries };
  const now = time_uptime();
  rib_walktree(rnh, (rt) => {
    const nh = rt.rt_nhop;
    const exp = nhop_get_expire(nh);
    entries.push({
      rt_dst: rt.rt_dst,
      rt_mask: rt.rt_mask,
      rt_flags: (rt.rte_flags | nhop_get_rtflags(nh)) >>> 0,
      rt_gateway: nh.gw_sa,
      rt_ifname: nh.nh_ifp.if_xname,
      rt_ifindex: nh.nh_ifp.if_index,
      rt_ifa: nh.nh_ifa.ia_addr.sin_addr,
      rt_mtu: nh.nh_mtu,
      rt_expire: exp === 0 ? 0 : Math.max(0, exp - now),
      rt_weight: rt.rt_weight,
      rt_nhidx: nhop_get_idx(nh),
      rt_refcnt: nh.nh_refcnt,
    });
    return 0;
  });
  return { error: 0, entries };
}

// SIOCSIFMTU tells the routing layer (if.c calls rt_updatemtu directly).
set_if_mtu_changed_hook(rt_updatemtu);
