// sys/netinet6/mld6.c, mld6_var.h: Multicast Listener Discovery, version 2
// (RFC 3810) with version 1 compatibility (RFC 2710).  A host tells the
// routers of a link which groups it listens to: a join or leave sends a
// state-change report (MLDv2, to ff02::16, robustness-many times), a query
// schedules current-state reports; MLDv1 queries put the link in
// compatibility mode until the Older Version Querier Present timer runs out.
// Every MLD packet goes out with hop limit 1 and a router alert hop-by-hop
// option.
//
// Timers count in FreeBSD's units: group and interface timers in fast ticks
// (PR_FASTHZ, 200 ms), the MLDv1 querier timer in slow ticks (PR_SLOWHZ,
// 500 ms).  FreeBSD runs both ticks forever; here each vnet's tick is a
// callout armed only while some timer of that vnet runs (on the same
// 200 ms / 500 ms boundaries), so an idle vnet has nothing scheduled.

import { MT_DATA, M_PKTHDR, M_PROTO1, M_ALIGN, type mbuf } from "../kern/mbuf.ts";
import { m_freem, m_getcl, m_gethdr, m_get } from "../kern/kern_mbuf.ts";
import { m_append, m_copydata, m_dup, m_getptr, m_length, m_pullup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { EINVAL, EMSGSIZE, ENOENT, ENOMEM, EPERM } from "../kern/errno.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_RWTUN, CTLFLAG_VNET, CTLTYPE_INT, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC, kvar_of, sysctl_handle_int, type sysctl_handler_t } from "../kern/sysctl.ts";
import { callout, callout_init, callout_pending, callout_reset, callout_stop, hz, ticks } from "../kern/kern_timeout.ts";
import { arc4random } from "../kern/arc4random.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_MC } from "../kern/kernel.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_I32_SET, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT, curvnet, type vnet } from "../net/vnet.ts";
import { IFF_LOOPBACK, IFF_MULTICAST, ifnet_byindex, type ifnet } from "../net/if.ts";
import { V_loif } from "../net/if_loop.ts";
import {
  ICMP6STAT_INC,
  ICMP6STAT_INC2,
  ICMP6_HDR_LEN,
  IPPROTO_ICMPV6,
  MLDV2_LISTENER_REPORT,
  MLDV2_QUERY_LEN,
  MLDV2_RECORD_LEN,
  MLDV2_REPORT_LEN,
  MLD_ALLOW_NEW_SOURCES,
  MLD_BLOCK_OLD_SOURCES,
  MLD_CHANGE_TO_EXCLUDE_MODE,
  MLD_CHANGE_TO_INCLUDE_MODE,
  MLD_DO_NOTHING,
  MLD_HDR_LEN,
  MLD_LISTENER_DONE,
  MLD_LISTENER_QUERY,
  MLD_LISTENER_REPORT,
  MLD_MODE_IS_EXCLUDE,
  MLD_MODE_IS_INCLUDE,
  MLD_MRC_EXP,
  MLD_MRC_MANT,
  MLD_OFF_ADDR,
  MLD_OFF_CKSUM,
  MLD_OFF_CODE,
  MLD_OFF_MAXDELAY,
  MLD_OFF_MISC,
  MLD_OFF_NUMSRC,
  MLD_OFF_QQI,
  MLD_OFF_RESERVED,
  MLD_OFF_TYPE,
  MLD_OFF_V2_NUMRECS,
  MLD_QQIC_EXP,
  MLD_QQIC_MANT,
  MLD_QRV,
  MR_OFF_ADDR,
  MR_OFF_NUMSRC,
  icp6s_badlen,
  icp6s_outhist,
} from "../netinet/icmp6.ts";
import { IP6OPT_PADN, IP6OPT_ROUTER_ALERT, IP6OPT_RTALERT_LEN, IP6OPT_RTALERT_MLD, IP6_HDR_LEN, IP6_OFF_DST, IP6_OFF_FLOW, IP6_OFF_HLIM, IP6_OFF_NXT, IP6_OFF_PLEN, IP6_OFF_SRC, IPV6_VERSION } from "../netinet/ip6.ts";
import { in6ifa_ifpforlinklocal } from "./in6.ts";
import { IPPROTO_DONE, IPV6_UNSPECSRC, IP6PO_DONTFRAG, IP6PO_TEMPADDR_NOTPREFER, IP6STAT_INC, ip6_moptions, ip6_pktopts, ip6s_noroute, ip6s_odropped, type mbufp, _net_inet6 } from "./ip6_var.ts";
import { in6_cksum } from "./in6_cksum.ts";
import { ip6_output } from "./ip6_output.ts";
import { in6_clearscope, in6_setscope } from "./scope6.ts";
import {
  MCAST_EXCLUDE,
  MCAST_INCLUDE,
  MCAST_UNDEFINED,
  in6_multi,
  in6m_acquire_locked,
  in6m_clear_recorded,
  in6m_commit,
  in6m_disconnect_locked,
  in6m_ifp_groups,
  in6m_lookup_locked,
  in6m_record_source,
  in6m_rele_locked,
} from "./in6_mcast.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_IFF_ANYCAST, IN6_IFF_NOTREADY, IN6_IS_ADDR_MC_INTFACELOCAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, IN6_IS_SCOPE_LINKLOCAL, IPV6_ADDR_MC_SCOPE, IPV6_ADDR_SCOPE_LINKLOCAL, IPV6_ADDR_SCOPE_NODELOCAL, icmp6_ifstat_inc, ifs6_in_mlddone, ifs6_in_mldquery, ifs6_in_mldreport, ifs6_out_mlddone, ifs6_out_mldreport, ifs6_out_msg, in6_addr, in6_addr_copy, in6_addr_read, in6_addr_write, in6_ifextra_get, in6addr_any, in6addr_linklocal_allnodes, in6addr_linklocal_allv2routers, s6_addr16_set } from "./in6_var.ts";

// mld6_var.h
export const MLD_VERSION_1 = 1;
export const MLD_VERSION_2 = 2;
// in6m_state
export const MLD_NOT_MEMBER = 0;
export const MLD_SILENT_MEMBER = 1;
export const MLD_REPORTING_MEMBER = 2;
export const MLD_IDLE_MEMBER = 3;
export const MLD_LAZY_MEMBER = 4;
export const MLD_SLEEPING_MEMBER = 5;
export const MLD_AWAKENING_MEMBER = 6;
export const MLD_G_QUERY_PENDING_MEMBER = 7;
export const MLD_SG_QUERY_PENDING_MEMBER = 8;
export const MLD_LEAVING_MEMBER = 9;
// mli_flags
export const MLIF_SILENT = 0x00000001;
export const MLIF_USEALLOW = 0x00000002;
// Protocol defaults (RFC 3810 9).
export const MLD_RV_INIT = 2;
export const MLD_QI_INIT = 125;
export const MLD_QRI_INIT = 10;
export const MLD_URI_INIT = 3;
export const MLD_V1_MAX_RI = 10;
export const MLD_MAX_GS_SOURCES = 256;
export const MLD_MAX_G_GS_PACKETS = 8;
export const MLD_MAX_STATE_CHANGE_PACKETS = 8;
export const MLD_MAX_RESPONSE_PACKETS = 16;
export const MLD_MAX_RESPONSE_BURST = 4;
/** Max pending state-change reports per group. */
export const MLD_MAX_STATE_CHANGES = 24;
export const MLD_V2_REPORT_MAXRECS = 65535;
export const MLD_TIMER_SCALE = 1000;
/** The fast and slow protocol ticks per second (protosw.h). */
export const PR_FASTHZ = 5;
export const PR_SLOWHZ = 2;
export const MLD_RESPONSE_BURST_INTERVAL = PR_FASTHZ / 2;
/** struct mld_raopt: a hop-by-hop header with a PadN and a router alert. */
const MLD_RAOPT_LEN = 8;
/** Room for the headers of a report: IPv6, the router alert, ICMPv6. */
export const MLD_MTUSPACE = IP6_HDR_LEN + MLD_RAOPT_LEN + ICMP6_HDR_LEN;
/** M_MLDV1: an MLDv1 message, already encapsulated. */
const M_MLDV1 = M_PROTO1;

/** MLD_RANDOM_DELAY(X): 1..X. */
function MLD_RANDOM_DELAY(x: number): number {
  return (arc4random() % x) + 1;
}

/**
 * struct mbufq (sys/mbuf.h): a bounded queue of packets.  The queues here
 * hold MLD's pending reports.
 */
export class mbufq {
  readonly mq: mbuf[] = [];
  constructor(public mq_maxlen: number) {}
  len(): number {
    return this.mq.length;
  }
  full(): boolean {
    return this.mq.length >= this.mq_maxlen;
  }
  first(): mbuf | null {
    return this.mq.length > 0 ? this.mq[0] : null;
  }
  last(): mbuf | null {
    return this.mq.length > 0 ? this.mq[this.mq.length - 1] : null;
  }
  enqueue(m: mbuf): number {
    if (this.full()) return ENOMEM;
    this.mq.push(m);
    return 0;
  }
  dequeue(): mbuf | null {
    return this.mq.shift() ?? null;
  }
  drain(): void {
    for (const m of this.mq) m_freem(m);
    this.mq.length = 0;
  }
}

/** struct mld_ifsoftc: an interface's MLD state. */
export class mld_ifsoftc {
  mli_version = MLD_VERSION_2;
  /** Older Version Querier Present timer (slow ticks). */
  mli_v1_timer = 0;
  /** General Query response timer (fast ticks). */
  mli_v2_timer = 0;
  mli_flags = 0;
  /** Robustness, query interval, query response interval, unsolicited report interval. */
  mli_rv = MLD_RV_INIT;
  mli_qi = MLD_QI_INIT;
  mli_qri = MLD_QRI_INIT;
  mli_uri = MLD_URI_INIT;
  /** Queued General Query responses. */
  readonly mli_gq = new mbufq(MLD_MAX_RESPONSE_PACKETS);
  constructor(readonly mli_ifp: ifnet) {}
}

/** MLD_IFINFO(ifp): the interface's MLD state, null before IPv6 attached to it. */
export function MLD_IFINFO(ifp: ifnet): mld_ifsoftc | null {
  const x = in6_ifextra_get(ifp);
  if (x === null) return null;
  const mli = x.mld_ifinfo;
  return mli instanceof mld_ifsoftc ? mli : null;
}

// ---------------------------------------------------------------------------
// Per-vnet state and knobs.

class mld_vnet_state {
  readonly mli_head: mld_ifsoftc[] = [];
  interface_timers_running6 = 0;
  state_change_timers_running6 = 0;
  current_state_timers_running6 = 0;
  readonly fast_callout = new callout();
  readonly slow_callout = new callout();
  constructor(readonly vnet: vnet | null) {
    callout_init(this.fast_callout, true);
    callout_init(this.slow_callout, true);
  }
}
const mld_state = VNET_DEFINE_PTR<mld_vnet_state | null>("mld_state", null);

function V_mld(): mld_vnet_state {
  let st = VNET_PTR(mld_state);
  if (st === null) {
    st = new mld_vnet_state(VIMAGE ? curvnet : null);
    VNET_PTR_SET(mld_state, st);
  }
  return st;
}

function vnet_mld_init(): void {
  VNET_PTR_SET(mld_state, new mld_vnet_state(VIMAGE ? curvnet : null));
}
VNET_SYSINIT("vnet_mld_init", SI_SUB_PROTO_MC, SI_ORDER_ANY, vnet_mld_init);

/** vnet_mld_uninit: a dying vnet's ticks stop. */
function vnet_mld_uninit(): void {
  const st = VNET_PTR(mld_state);
  if (st === null) return;
  callout_stop(st.fast_callout);
  callout_stop(st.slow_callout);
}
VNET_SYSUNINIT("vnet_mld_uninit", SI_SUB_PROTO_MC, SI_ORDER_ANY, vnet_mld_uninit);

/** V_mld_gsrdelay: seconds between answers to group-and-source queries. */
const mld_gsrdelay = VNET_DEFINE_INT("mld_gsrdelay", 10);
/** Accept MLDv1 queries (fall back to v1), MLDv2 queries, use ALLOW/BLOCK records. */
const mld_v1enable = kvar_of(1);
const mld_v2enable = kvar_of(1);
const mld_use_allow = kvar_of(1);

export const _net_inet6_mld = SYSCTL_NODE(_net_inet6, OID_AUTO, "mld", CTLFLAG_RW, null, "IPv6 Multicast Listener Discovery");
const sysctl_mld_gsr: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const v = kvar_of(VNET_I32(mld_gsrdelay));
  const error = sysctl_handle_int(oidp, v, 0, req);
  if (error !== 0 || req.newval === null) return error;
  if (v.v < -1 || v.v >= 60) return EINVAL;
  VNET_I32_SET(mld_gsrdelay, v.v);
  return 0;
};
SYSCTL_PROC(_net_inet6_mld, OID_AUTO, "gsrdelay", CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_RW, mld_gsrdelay, 0, sysctl_mld_gsr, "I", "Rate limit for MLDv2 Group-and-Source queries in seconds");
SYSCTL_INT(_net_inet6_mld, OID_AUTO, "v1enable", CTLFLAG_RWTUN, mld_v1enable, 0, "Enable fallback to MLDv1");
SYSCTL_INT(_net_inet6_mld, OID_AUTO, "v2enable", CTLFLAG_RWTUN, mld_v2enable, 0, "Enable MLDv2");
SYSCTL_INT(_net_inet6_mld, OID_AUTO, "use_allow", CTLFLAG_RWTUN, mld_use_allow, 0, "Use ALLOW/BLOCK for RFC 4604 SSM joins/leaves");

/** The words of struct mld_ifinfo, in its field order. */
export const MLI_VERSION = 0;
export const MLI_V1_TIMER = 1;
export const MLI_V2_TIMER = 2;
export const MLI_FLAGS = 3;
export const MLI_RV = 4;
export const MLI_QI = 5;
export const MLI_QRI = 6;
export const MLI_URI = 7;

/** sysctl_mld_ifinfo: net.inet6.mld.ifinfo.<ifindex>, the interface's MLD
 *  state (struct mld_ifinfo) for ifmcstat(8); read-only. */
const sysctl_mld_ifinfo: sysctl_handler_t = (_oidp, arg1, arg2, req) => {
  const name = arg1 as readonly number[];
  if (req.newval !== null) return EPERM;
  if (arg2 !== 1) return EINVAL;
  const ifp = ifnet_byindex(name[0]);
  if (ifp === null) return ENOENT;
  const mli = MLD_IFINFO(ifp);
  if (mli === null) return ENOENT;
  return SYSCTL_OUT(req, [mli.mli_version, mli.mli_v1_timer, mli.mli_v2_timer, mli.mli_flags, mli.mli_rv, mli.mli_qi, mli.mli_qri, mli.mli_uri]);
};
SYSCTL_NODE(_net_inet6_mld, OID_AUTO, "ifinfo", CTLFLAG_RD | CTLFLAG_MPSAFE, sysctl_mld_ifinfo, "Per-interface MLDv2 state");

/**
 * The output options of every MLD packet (mld_po): hop limit 1, the router
 * alert (a PadN of 0 bytes, then IP6OPT_ROUTER_ALERT with value MLD), no
 * fragments.
 */
let mld_po_p: ip6_pktopts | null = null;
function mld_po(): ip6_pktopts {
  if (mld_po_p !== null) return mld_po_p;
  const po = (mld_po_p = new ip6_pktopts());
  po.ip6po_hlim = 1;
  po.ip6po_hbh = Uint8Array.from([0, 0, IP6OPT_PADN, 0, IP6OPT_ROUTER_ALERT, IP6OPT_RTALERT_LEN - 2, (IP6OPT_RTALERT_MLD >> 8) & 0xff, IP6OPT_RTALERT_MLD & 0xff]);
  po.ip6po_prefer_tempaddr = IP6PO_TEMPADDR_NOTPREFER;
  po.ip6po_flags = IP6PO_DONTFRAG;
  return po;
}

/** mld_save_context: which interface a queued report belongs to. */
function mld_save_context(m: mbuf, ifp: ifnet): void {
  m.m_pkthdr.rcvif = ifp;
  m.m_pkthdr.flowid = ifp.if_index;
}

/** The number of group records of a queued report (FreeBSD's PH_vt.vt_nrecs). */
function vt_nrecs(m: mbuf): number {
  return m.m_pkthdr.PH_loc;
}
function vt_nrecs_set(m: mbuf, n: number): void {
  m.m_pkthdr.PH_loc = n;
}

/**
 * mld_is_addr_reported: is this group ever reported?  Not node-local
 * groups, nor the link-local all-nodes group.
 */
function mld_is_addr_reported(addr: in6_addr): boolean {
  if (IPV6_ADDR_MC_SCOPE(addr) === IPV6_ADDR_SCOPE_NODELOCAL) return false;
  if (IPV6_ADDR_MC_SCOPE(addr) === IPV6_ADDR_SCOPE_LINKLOCAL) {
    const tmp = new in6_addr();
    in6_addr_copy(tmp, addr);
    in6_clearscope(tmp);
    if (IN6_ARE_ADDR_EQUAL(tmp, in6addr_linklocal_allnodes)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// The ticks.

/** Arm the vnet's fast tick at the next 200 ms boundary, if a timer runs. */
function mld_fast_kick(): void {
  // A dying vnet's ticks stay stopped (vnet_mld_uninit ran, or will).
  if (VIMAGE && curvnet !== null && curvnet.vnet_shutdown) return;
  const st = V_mld();
  if (st.interface_timers_running6 === 0 && st.state_change_timers_running6 === 0 && st.current_state_timers_running6 === 0) return;
  if (callout_pending(st.fast_callout)) return;
  const period = Math.max(1, Math.floor(hz / PR_FASTHZ));
  callout_reset(st.fast_callout, period - (ticks % period), mld_fasttimo_callout, st);
}

function mld_fasttimo_callout(st: mld_vnet_state): void {
  const saved = st.vnet !== null ? CURVNET_SET(st.vnet, "mld_fasttimo") : null;
  try {
    mld_fasttimo_vnet();
    mld_fast_kick();
  } finally {
    if (st.vnet !== null) CURVNET_RESTORE(saved);
  }
}

/** Arm the slow tick while an interface is in MLDv1 compatibility mode. */
function mld_slow_kick(): void {
  if (VIMAGE && curvnet !== null && curvnet.vnet_shutdown) return;
  const st = V_mld();
  if (callout_pending(st.slow_callout)) return;
  if (!st.mli_head.some((mli) => mli.mli_version !== MLD_VERSION_2)) return;
  const period = Math.max(1, Math.floor(hz / PR_SLOWHZ));
  callout_reset(st.slow_callout, period - (ticks % period), mld_slowtimo_callout, st);
}

function mld_slowtimo_callout(st: mld_vnet_state): void {
  const saved = st.vnet !== null ? CURVNET_SET(st.vnet, "mld_slowtimo") : null;
  try {
    mld_slowtimo_vnet();
    mld_slow_kick();
  } finally {
    if (st.vnet !== null) CURVNET_RESTORE(saved);
  }
}

// ---------------------------------------------------------------------------
// Attach and detach.

/** mld_domifattach(ifp): MLD state for an interface IPv6 attaches to. */
export function mld_domifattach(ifp: ifnet): mld_ifsoftc {
  const mli = new mld_ifsoftc(ifp);
  if ((ifp.if_flags & IFF_MULTICAST) === 0) mli.mli_flags |= MLIF_SILENT;
  if (mld_use_allow.v !== 0) mli.mli_flags |= MLIF_USEALLOW;
  V_mld().mli_head.unshift(mli);
  return mli;
}

/**
 * mld_ifdetach(ifp, groups): before the link layer goes: the groups IPv6
 * is about to drop leave MLD, and pending final reports are released.
 */
export function mld_ifdetach(ifp: ifnet, groups: readonly in6_multi[]): void {
  const mli = MLD_IFINFO(ifp);
  if (mli === null) return;
  for (const inm of groups) {
    if (mli.mli_version === MLD_VERSION_2) {
      in6m_clear_recorded(inm);
      if (inm.in6m_state === MLD_LEAVING_MEMBER) {
        inm.in6m_state = MLD_NOT_MEMBER;
        in6m_rele_locked(inm);
      }
    }
  }
}

/** mld_domifdetach(ifp): after the link layer: free the interface's MLD state. */
export function mld_domifdetach(ifp: ifnet): void {
  const head = V_mld().mli_head;
  for (let i = 0; i < head.length; i++) {
    const mli = head[i];
    if (mli.mli_ifp !== ifp) continue;
    mli.mli_gq.drain();
    head.splice(i, 1);
    return;
  }
}

// ---------------------------------------------------------------------------
// Input.

class mld_scratch {
  readonly src = new in6_addr();
  readonly dst = new in6_addr();
  readonly maddr = new in6_addr();
}
/** Made on first use: this module is reached while in6.ts is still loading. */
let scratch: mld_scratch | null = null;
function S(): mld_scratch {
  if (scratch === null) scratch = new mld_scratch();
  return scratch;
}

/**
 * mld_v1_input_query: an MLDv1 general or group query.  The link goes to
 * MLDv1 mode; the groups asked about get a report timer.
 */
function mld_v1_input_query(ifp: ifnet, m: mbuf, ip6: number, mld: number): number {
  let is_general_query = false;
  if (mld_v1enable.v === 0) return 0;
  // RFC 3810 6.2: queries come from a router's link-local address.
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, S().src);
  if (!IN6_IS_SCOPE_LINKLOCAL(S().src)) return 0;

  in6_addr_read(m.m_buf, mld + MLD_OFF_ADDR, S().maddr);
  if (IN6_IS_ADDR_UNSPECIFIED(S().maddr)) {
    // A general query must go to all-nodes.
    in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, S().dst);
    in6_clearscope(S().dst);
    if (!IN6_ARE_ADDR_EQUAL(S().dst, in6addr_linklocal_allnodes)) return EINVAL;
    is_general_query = true;
  } else {
    in6_setscope(S().maddr, ifp, null);
  }

  const mli = MLD_IFINFO(ifp);
  if (mli === null) return 0;
  mld_set_version(mli, MLD_VERSION_1);

  let timer = Math.floor((m.m_dv.getUint16(mld + MLD_OFF_MAXDELAY) * PR_FASTHZ) / MLD_TIMER_SCALE) & 0xffff;
  if (timer === 0) timer = 1;

  if (is_general_query) {
    for (const inm of in6m_ifp_groups(ifp)) mld_v1_update_group(inm, timer);
  } else {
    const inm = in6m_lookup_locked(ifp, S().maddr);
    if (inm !== null) mld_v1_update_group(inm, timer);
  }
  mld_fast_kick();
  return 0;
}

/**
 * mld_v1_update_group: the report timer of a group after an MLDv1 query
 * (jittered, and never later than one already running).
 */
function mld_v1_update_group(inm: in6_multi, timer: number): void {
  switch (inm.in6m_state) {
    case MLD_NOT_MEMBER:
    case MLD_SILENT_MEMBER:
    case MLD_LEAVING_MEMBER:
      break;
    case MLD_REPORTING_MEMBER:
      if (inm.in6m_timer !== 0 && inm.in6m_timer <= timer) break;
      inm.in6m_state = MLD_REPORTING_MEMBER;
      inm.in6m_timer = MLD_RANDOM_DELAY(timer);
      V_mld().current_state_timers_running6 = 1;
      break;
    case MLD_SG_QUERY_PENDING_MEMBER:
    case MLD_G_QUERY_PENDING_MEMBER:
    case MLD_IDLE_MEMBER:
    case MLD_LAZY_MEMBER:
    case MLD_AWAKENING_MEMBER:
      inm.in6m_state = MLD_REPORTING_MEMBER;
      inm.in6m_timer = MLD_RANDOM_DELAY(timer);
      V_mld().current_state_timers_running6 = 1;
      break;
    case MLD_SLEEPING_MEMBER:
      inm.in6m_state = MLD_AWAKENING_MEMBER;
      break;
  }
}

/**
 * mld_v2_input_query: an MLDv2 general, group or group-and-source query.
 * The link takes the querier's robustness and intervals; a general query
 * schedules a report of every group, a group query one of that group.
 */
function mld_v2_input_query(ifp: ifnet, m: mbuf, ip6: number, mld: number, off: number, icmp6len: number): number {
  if (mld_v2enable.v === 0) return 0;
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, S().src);
  if (!IN6_IS_SCOPE_LINKLOCAL(S().src)) return 0;
  let is_general_query = false;
  const dv = m.m_dv;

  // The Maximum Response Code: milliseconds, large values as a float.
  let maxdelay = dv.getUint16(mld + MLD_OFF_MAXDELAY);
  if (maxdelay >= 32768) maxdelay = (MLD_MRC_MANT(maxdelay) | 0x1000) << (MLD_MRC_EXP(maxdelay) + 3);
  let timer = Math.floor((maxdelay * PR_FASTHZ) / MLD_TIMER_SCALE) & 0xffff;
  if (timer === 0) timer = 1;

  let qrv = MLD_QRV(m.m_buf[mld + MLD_OFF_MISC]);
  if (qrv < 2) qrv = MLD_RV_INIT;
  let qqi = m.m_buf[mld + MLD_OFF_QQI];
  if (qqi >= 128) qqi = MLD_QQIC_MANT(qqi) << (MLD_QQIC_EXP(qqi) + 3);

  const nsrc = dv.getUint16(mld + MLD_OFF_NUMSRC);
  if (nsrc > MLD_MAX_GS_SOURCES) return EMSGSIZE;
  if (icmp6len < MLDV2_QUERY_LEN + nsrc * 16) return EMSGSIZE;

  in6_addr_read(m.m_buf, mld + MLD_OFF_ADDR, S().maddr);
  if (IN6_IS_ADDR_UNSPECIFIED(S().maddr)) {
    // A general query with sources means nothing: dropped.
    if (nsrc > 0) return EINVAL;
    is_general_query = true;
  } else {
    in6_setscope(S().maddr, ifp, null);
  }

  const mli = MLD_IFINFO(ifp);
  if (mli === null) return 0;
  // In compatibility mode MLDv2 queries are not heard until the Older
  // Version Querier Present timer expires.
  if (mli.mli_version !== MLD_VERSION_2) return 0;
  mld_set_version(mli, MLD_VERSION_2);
  mli.mli_rv = qrv;
  mli.mli_qi = qqi;
  mli.mli_qri = maxdelay;

  if (is_general_query) {
    // Unless a response is due sooner, answer every group after a random
    // delay.
    if (mli.mli_v2_timer === 0 || mli.mli_v2_timer >= timer) {
      mli.mli_v2_timer = MLD_RANDOM_DELAY(timer);
      V_mld().interface_timers_running6 = 1;
    }
  } else {
    const inm = in6m_lookup_locked(ifp, S().maddr);
    if (inm === null) return 0;
    if (nsrc > 0) {
      // Group-and-source queries are rate limited per group.
      const gsr = VNET_I32(mld_gsrdelay);
      if (inm.in6m_lastgsrtv !== 0 && gsr > 0 && ((ticks - inm.in6m_lastgsrtv) | 0) < gsr * hz) return 0;
      inm.in6m_lastgsrtv = ticks === 0 ? 1 : ticks;
    }
    if (mli.mli_v2_timer === 0 || mli.mli_v2_timer >= timer) mld_v2_process_group_query(inm, timer, m, mld, off);
  }
  mld_fast_kick();
  return 0;
}

/** mld_v2_process_group_query: schedule the answer to a group (and source) query. */
function mld_v2_process_group_query(inm: in6_multi, timer: number, m0: mbuf, mld: number, off: number): number {
  switch (inm.in6m_state) {
    case MLD_NOT_MEMBER:
    case MLD_SILENT_MEMBER:
    case MLD_SLEEPING_MEMBER:
    case MLD_LAZY_MEMBER:
    case MLD_AWAKENING_MEMBER:
    case MLD_IDLE_MEMBER:
    case MLD_LEAVING_MEMBER:
      return 0;
    case MLD_REPORTING_MEMBER:
    case MLD_G_QUERY_PENDING_MEMBER:
    case MLD_SG_QUERY_PENDING_MEMBER:
      break;
  }
  const nsrc = m0.m_dv.getUint16(mld + MLD_OFF_NUMSRC);
  if (nsrc === 0) {
    // A group query: a pending answer of any kind becomes one for the group.
    if (inm.in6m_state === MLD_G_QUERY_PENDING_MEMBER || inm.in6m_state === MLD_SG_QUERY_PENDING_MEMBER) {
      in6m_clear_recorded(inm);
      timer = Math.min(inm.in6m_timer, timer);
    }
    inm.in6m_state = MLD_G_QUERY_PENDING_MEMBER;
    inm.in6m_timer = MLD_RANDOM_DELAY(timer);
    V_mld().current_state_timers_running6 = 1;
    return 0;
  }
  if (inm.in6m_state === MLD_G_QUERY_PENDING_MEMBER) {
    timer = Math.min(inm.in6m_timer, timer);
    inm.in6m_timer = MLD_RANDOM_DELAY(timer);
    V_mld().current_state_timers_running6 = 1;
    return 0;
  }
  // Group-and-source: answer for the sources we filter on, if any.
  let retval = 0;
  if (inm.in6m_nsrc > 0) {
    let soff = off + MLDV2_QUERY_LEN;
    let nrecorded = 0;
    const srcaddr = new in6_addr();
    for (let i = 0; i < nsrc; i++) {
      m_copydata(m0, soff, 16, srcaddr.s6_addr);
      retval = in6m_record_source(inm, srcaddr);
      if (retval < 0) break;
      nrecorded += retval;
      soff += 16;
    }
    if (nrecorded > 0) {
      inm.in6m_state = MLD_SG_QUERY_PENDING_MEMBER;
      inm.in6m_timer = MLD_RANDOM_DELAY(timer);
      V_mld().current_state_timers_running6 = 1;
    }
  }
  return retval;
}

/**
 * mld_v1_input_report: another host's MLDv1 report.  In MLDv1 mode it
 * suppresses our own report of the group.
 */
function mld_v1_input_report(ifp: ifnet, m: mbuf, ip6: number, mld: number): number {
  if (mld_v1enable.v === 0) return 0;
  if ((ifp.if_flags & IFF_LOOPBACK) !== 0) return 0;
  // From a link-local address, or :: while the sender boots.
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, S().src);
  in6_clearscope(S().src);
  if (!IN6_IS_SCOPE_LINKLOCAL(S().src) && !IN6_IS_ADDR_UNSPECIFIED(S().src)) return EINVAL;
  // About a group, and sent to it.
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, S().dst);
  in6_clearscope(S().dst);
  in6_addr_read(m.m_buf, mld + MLD_OFF_ADDR, S().maddr);
  if (!IN6_IS_ADDR_MULTICAST(S().maddr) || !IN6_ARE_ADDR_EQUAL(S().maddr, S().dst)) return EINVAL;
  // Not our own report (fast leave needs to know we are alone).
  const ia = in6ifa_ifpforlinklocal(ifp, IN6_IFF_NOTREADY | IN6_IFF_ANYCAST);
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, S().src);
  if ((ia !== null && IN6_ARE_ADDR_EQUAL(S().src, ia.ia_addr.sin6_addr)) || (ia === null && IN6_IS_ADDR_UNSPECIFIED(S().src))) return 0;

  if (!IN6_IS_ADDR_UNSPECIFIED(S().maddr)) in6_setscope(S().maddr, ifp, null);
  const inm = in6m_lookup_locked(ifp, S().maddr);
  if (inm !== null) {
    const mli = inm.in6m_mli;
    // In MLDv2 mode another host's v1 report does not silence ours.
    if (mli === null || mli.mli_version === MLD_VERSION_2) return 0;
    inm.in6m_timer = 0;
    switch (inm.in6m_state) {
      case MLD_NOT_MEMBER:
      case MLD_SILENT_MEMBER:
      case MLD_SLEEPING_MEMBER:
        break;
      case MLD_REPORTING_MEMBER:
      case MLD_IDLE_MEMBER:
      case MLD_AWAKENING_MEMBER:
      case MLD_LAZY_MEMBER:
        inm.in6m_state = MLD_LAZY_MEMBER;
        break;
      case MLD_G_QUERY_PENDING_MEMBER:
      case MLD_SG_QUERY_PENDING_MEMBER:
      case MLD_LEAVING_MEMBER:
        break;
    }
  }
  return 0;
}

/**
 * mld_input(mp, off, icmp6len): an MLD message (icmp6_input checked its
 * hop limit and router alert).  Userland sees every message as well: m is
 * kept unless a pullup fails, which frees it (IPPROTO_DONE is returned).
 */
export function mld_input(mp: mbufp, off: number, icmp6len: number): number {
  let m = mp.m;
  if (m === null) return IPPROTO_DONE;
  const ifp = m.m_pkthdr.rcvif as ifnet | null;
  if (m.m_len < off + MLD_HDR_LEN) {
    const mm = m_pullup(m, off + MLD_HDR_LEN);
    if (mm === null) {
      ICMP6STAT_INC(icp6s_badlen);
      mp.m = null;
      return IPPROTO_DONE;
    }
    m = mm;
  }
  const type = m.m_buf[m.m_data + off + MLD_OFF_TYPE];
  const mldlen = type === MLD_LISTENER_QUERY && icmp6len >= MLDV2_QUERY_LEN ? MLDV2_QUERY_LEN : MLD_HDR_LEN;
  if (m.m_len < off + mldlen) {
    const mm = m_pullup(m, off + mldlen);
    if (mm === null) {
      ICMP6STAT_INC(icp6s_badlen);
      mp.m = null;
      return IPPROTO_DONE;
    }
    m = mm;
  }
  mp.m = m;
  if (ifp === null) return 0;
  const ip6 = m.m_data;
  const mld = ip6 + off;

  switch (type) {
    case MLD_LISTENER_QUERY:
      icmp6_ifstat_inc(ifp, ifs6_in_mldquery);
      if (icmp6len === MLD_HDR_LEN) {
        if (mld_v1_input_query(ifp, m, ip6, mld) !== 0) return 0;
      } else if (icmp6len >= MLDV2_QUERY_LEN) {
        if (mld_v2_input_query(ifp, m, ip6, mld, off, icmp6len) !== 0) return 0;
      }
      break;
    case MLD_LISTENER_REPORT:
      icmp6_ifstat_inc(ifp, ifs6_in_mldreport);
      if (mld_v1_input_report(ifp, m, ip6, mld) !== 0) return 0;
      break;
    case MLDV2_LISTENER_REPORT:
      icmp6_ifstat_inc(ifp, ifs6_in_mldreport);
      break;
    case MLD_LISTENER_DONE:
      icmp6_ifstat_inc(ifp, ifs6_in_mlddone);
      break;
    default:
      break;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Timers.

/** mld_fasttimo_vnet: one fast tick of this vnet's MLD timers. */
function mld_fasttimo_vnet(): void {
  const st = V_mld();
  if (st.current_state_timers_running6 === 0 && st.interface_timers_running6 === 0 && st.state_change_timers_running6 === 0) return;

  // General Query responses.
  if (st.interface_timers_running6 !== 0) {
    st.interface_timers_running6 = 0;
    for (const mli of st.mli_head.slice()) {
      if (mli.mli_v2_timer === 0) {
        // nothing
      } else if (--mli.mli_v2_timer === 0) {
        mld_v2_dispatch_general_query(mli);
      } else {
        st.interface_timers_running6 = 1;
      }
    }
  }
  if (st.current_state_timers_running6 === 0 && st.state_change_timers_running6 === 0) return;
  st.current_state_timers_running6 = 0;
  st.state_change_timers_running6 = 0;

  // Report and state-change timers of every group.
  for (const mli of st.mli_head.slice()) {
    const ifp = mli.mli_ifp;
    let uri_fasthz = 0;
    const qrq = new mbufq(MLD_MAX_G_GS_PACKETS);
    const scq = new mbufq(MLD_MAX_STATE_CHANGE_PACKETS);
    const v1_due: in6_multi[] = [];
    if (mli.mli_version === MLD_VERSION_2) uri_fasthz = MLD_RANDOM_DELAY(mli.mli_uri * PR_FASTHZ);
    for (const inm of in6m_ifp_groups(ifp).slice()) {
      switch (mli.mli_version) {
        case MLD_VERSION_1:
          mld_v1_process_group_timer(v1_due, inm);
          break;
        case MLD_VERSION_2:
          mld_v2_process_group_timers(qrq, scq, inm, uri_fasthz);
          break;
      }
    }
    switch (mli.mli_version) {
      case MLD_VERSION_1:
        for (const inm of v1_due) mld_v1_transmit_report(inm, MLD_LISTENER_REPORT);
        break;
      case MLD_VERSION_2:
        mld_dispatch_queue(qrq, 0);
        mld_dispatch_queue(scq, 0);
        break;
    }
  }
}

/** mld_v1_process_group_timer: an MLDv1 report timer ticks. */
function mld_v1_process_group_timer(due: in6_multi[], inm: in6_multi): void {
  let report_timer_expired = false;
  if (inm.in6m_timer === 0) report_timer_expired = false;
  else if (--inm.in6m_timer === 0) report_timer_expired = true;
  else {
    V_mld().current_state_timers_running6 = 1;
    return;
  }
  switch (inm.in6m_state) {
    case MLD_REPORTING_MEMBER:
      if (report_timer_expired) {
        inm.in6m_state = MLD_IDLE_MEMBER;
        due.unshift(inm);
      }
      break;
    default:
      break;
  }
}

/** mld_v2_process_group_timers: a group's query-response and state-change timers tick. */
function mld_v2_process_group_timers(qrq: mbufq, scq: mbufq, inm: in6_multi, uri_fasthz: number): void {
  const st = V_mld();
  let query_response_timer_expired = false;
  let state_change_retransmit_timer_expired = false;
  if (inm.in6m_timer === 0) query_response_timer_expired = false;
  else if (--inm.in6m_timer === 0) query_response_timer_expired = true;
  else st.current_state_timers_running6 = 1;

  if (inm.in6m_sctimer === 0) state_change_retransmit_timer_expired = false;
  else if (--inm.in6m_sctimer === 0) state_change_retransmit_timer_expired = true;
  else st.state_change_timers_running6 = 1;

  if (!state_change_retransmit_timer_expired && !query_response_timer_expired) return;

  switch (inm.in6m_state) {
    case MLD_NOT_MEMBER:
    case MLD_SILENT_MEMBER:
    case MLD_SLEEPING_MEMBER:
    case MLD_LAZY_MEMBER:
    case MLD_AWAKENING_MEMBER:
    case MLD_IDLE_MEMBER:
      break;
    case MLD_G_QUERY_PENDING_MEMBER:
    case MLD_SG_QUERY_PENDING_MEMBER:
    case MLD_REPORTING_MEMBER:
    case MLD_LEAVING_MEMBER:
      if ((inm.in6m_state === MLD_G_QUERY_PENDING_MEMBER || inm.in6m_state === MLD_SG_QUERY_PENDING_MEMBER) && query_response_timer_expired) {
        // A current-state report answers the pending group query now.
        mld_v2_enqueue_group_record(qrq, inm, false, true, inm.in6m_state === MLD_SG_QUERY_PENDING_MEMBER, false);
        inm.in6m_state = MLD_REPORTING_MEMBER;
        in6m_clear_recorded(inm);
      }
      if (state_change_retransmit_timer_expired) {
        // Retransmit the state change; more to come while scrv lasts.
        if (--inm.in6m_scrv > 0) {
          inm.in6m_sctimer = uri_fasthz;
          st.state_change_timers_running6 = 1;
        }
        mld_v2_merge_state_changes(inm, scq);
        in6m_commit(inm);
        // The last retransmission of a leave drops MLD's reference.
        if (inm.in6m_state === MLD_LEAVING_MEMBER && inm.in6m_scrv === 0) {
          inm.in6m_state = MLD_NOT_MEMBER;
          in6m_disconnect_locked(inm);
          in6m_rele_locked(inm);
        }
      }
      break;
  }
}

/**
 * mld_set_version: switch a link's MLD version (RFC 3810 9.12).  Going to
 * v1 starts the Older Version Querier Present timer and cancels the v2
 * timers.
 */
function mld_set_version(mli: mld_ifsoftc, version: number): void {
  if (version === MLD_VERSION_1) {
    let old_version_timer = mli.mli_rv * mli.mli_qi + mli.mli_qri;
    old_version_timer *= PR_SLOWHZ;
    mli.mli_v1_timer = old_version_timer;
  }
  if (mli.mli_v1_timer > 0 && mli.mli_version !== MLD_VERSION_1) {
    mli.mli_version = MLD_VERSION_1;
    mld_v2_cancel_link_timers(mli);
  }
  mld_slow_kick();
}

/** mld_v2_cancel_link_timers: drop the pending MLDv2 work of a link. */
function mld_v2_cancel_link_timers(mli: mld_ifsoftc): void {
  const st = V_mld();
  if (st.interface_timers_running6 === 0 && st.state_change_timers_running6 === 0 && st.current_state_timers_running6 === 0) return;
  mli.mli_v2_timer = 0;
  for (const inm of in6m_ifp_groups(mli.mli_ifp).slice()) {
    switch (inm.in6m_state) {
      case MLD_NOT_MEMBER:
      case MLD_SILENT_MEMBER:
      case MLD_IDLE_MEMBER:
      case MLD_LAZY_MEMBER:
      case MLD_SLEEPING_MEMBER:
      case MLD_AWAKENING_MEMBER:
        break;
      case MLD_LEAVING_MEMBER:
      case MLD_G_QUERY_PENDING_MEMBER:
      case MLD_SG_QUERY_PENDING_MEMBER:
      case MLD_REPORTING_MEMBER:
        if (inm.in6m_state === MLD_LEAVING_MEMBER) {
          // Leaving and switching version: the reference kept for the
          // final report goes.
          if (inm.in6m_refcount === 1) in6m_disconnect_locked(inm);
          in6m_rele_locked(inm);
        }
        if (inm.in6m_state !== MLD_REPORTING_MEMBER) in6m_clear_recorded(inm);
        inm.in6m_sctimer = 0;
        inm.in6m_timer = 0;
        inm.in6m_state = MLD_REPORTING_MEMBER;
        inm.in6m_scq.drain();
        break;
    }
  }
}

/** mld_slowtimo_vnet: one slow tick (the MLDv1 querier timers). */
function mld_slowtimo_vnet(): void {
  for (const mli of V_mld().mli_head) mld_v1_process_querier_timers(mli);
}

/** mld_v1_process_querier_timers: back to MLDv2 when no v1 querier was heard for long enough. */
function mld_v1_process_querier_timers(mli: mld_ifsoftc): void {
  if (mli.mli_version !== MLD_VERSION_2 && --mli.mli_v1_timer === 0) mli.mli_version = MLD_VERSION_2;
}

// ---------------------------------------------------------------------------
// Output.

/**
 * mld_v1_transmit_report(in6m, type): send an MLDv1 report or done for
 * the group now, from our link-local address (:: while it is tentative).
 */
function mld_v1_transmit_report(in6m: in6_multi, type: number): number {
  const ifp = in6m.in6m_ifp;
  if (ifp === null) return 0;
  const ia = in6ifa_ifpforlinklocal(ifp, IN6_IFF_NOTREADY | IN6_IFF_ANYCAST);
  const mh = m_gethdr(M_NOWAIT, MT_DATA);
  if (mh === null) return ENOMEM;
  const md = m_get(M_NOWAIT, MT_DATA);
  if (md === null) {
    m_freem(mh);
    return ENOMEM;
  }
  mh.m_next = md;
  M_ALIGN(mh, IP6_HDR_LEN);
  mh.m_pkthdr.len = IP6_HDR_LEN + MLD_HDR_LEN;
  mh.m_len = IP6_HDR_LEN;
  const ip6 = mh.m_data;
  mh.m_dv.setUint32(ip6 + IP6_OFF_FLOW, 0);
  mh.m_buf[ip6] = IPV6_VERSION;
  mh.m_dv.setUint16(ip6 + IP6_OFF_PLEN, MLD_HDR_LEN);
  mh.m_buf[ip6 + IP6_OFF_NXT] = IPPROTO_ICMPV6;
  mh.m_buf[ip6 + IP6_OFF_HLIM] = 1;
  in6_addr_write(mh.m_buf, ip6 + IP6_OFF_SRC, ia !== null ? ia.ia_addr.sin6_addr : in6addr_any);
  in6_addr_write(mh.m_buf, ip6 + IP6_OFF_DST, in6m.in6m_addr);

  md.m_len = MLD_HDR_LEN;
  const mld = md.m_data;
  md.m_buf.fill(0, mld, mld + MLD_HDR_LEN);
  md.m_buf[mld + MLD_OFF_TYPE] = type;
  md.m_buf[mld + MLD_OFF_CODE] = 0;
  md.m_dv.setUint16(mld + MLD_OFF_MAXDELAY, 0);
  md.m_dv.setUint16(mld + MLD_OFF_RESERVED, 0);
  const ga = new in6_addr();
  in6_addr_copy(ga, in6m.in6m_addr);
  in6_clearscope(ga);
  in6_addr_write(md.m_buf, mld + MLD_OFF_ADDR, ga);
  md.m_dv.setUint16(mld + MLD_OFF_CKSUM, in6_cksum(mh, IPPROTO_ICMPV6, IP6_HDR_LEN, MLD_HDR_LEN));

  mld_save_context(mh, ifp);
  mh.m_flags |= M_MLDV1;
  mld_dispatch_packet(mh);
  return 0;
}

/**
 * mld_change_state(inm, delay): the socket layer changed the group's state
 * (t0 -> t1); tell the routers: an initial join, a final leave, or (with
 * MLDv2) a filter change.  delay: fast ticks to wait before a join's report.
 */
export function mld_change_state(inm: in6_multi, delay: number): number {
  if (inm.in6m_ifp === null) return 0;
  const ifp = inm.in6m_ifp;
  const mli = MLD_IFINFO(ifp);
  if (mli === null) return 0;
  let error = 0;
  if (inm.in6m_st[1].iss_fmode !== inm.in6m_st[0].iss_fmode) {
    if (inm.in6m_st[0].iss_fmode === MCAST_UNDEFINED) {
      error = mld_initial_join(inm, mli, delay);
      mld_fast_kick();
      return error;
    } else if (inm.in6m_st[1].iss_fmode === MCAST_UNDEFINED) {
      mld_final_leave(inm, mli);
      mld_fast_kick();
      return 0;
    }
  }
  error = mld_handle_state_change(inm, mli);
  mld_fast_kick();
  return error;
}

/**
 * mld_initial_join: a group's MLD life begins.  Loopback, silent links and
 * unreported groups stay silent; MLDv1 sends a report (or waits delay);
 * MLDv2 queues a state-change report sent robustness-many times.
 */
function mld_initial_join(inm: in6_multi, mli: mld_ifsoftc, delay: number): number {
  let error = 0;
  let syncstates = true;
  const ifp = inm.in6m_ifp as ifnet;
  const st = V_mld();
  if ((ifp.if_flags & IFF_LOOPBACK) !== 0 || (mli.mli_flags & MLIF_SILENT) !== 0 || !mld_is_addr_reported(inm.in6m_addr)) {
    inm.in6m_state = MLD_SILENT_MEMBER;
    inm.in6m_timer = 0;
  } else {
    // A group still leaving is joined again: the reference kept for its
    // final report goes.
    if (mli.mli_version === MLD_VERSION_2 && inm.in6m_state === MLD_LEAVING_MEMBER) inm.in6m_refcount--;
    inm.in6m_state = MLD_REPORTING_MEMBER;
    switch (mli.mli_version) {
      case MLD_VERSION_1: {
        const odelay = MLD_RANDOM_DELAY(MLD_V1_MAX_RI * PR_FASTHZ);
        if (delay !== 0) {
          inm.in6m_timer = Math.max(delay, odelay);
          st.current_state_timers_running6 = 1;
        } else {
          inm.in6m_state = MLD_IDLE_MEMBER;
          error = mld_v1_transmit_report(inm, MLD_LISTENER_REPORT);
          if (error === 0) {
            inm.in6m_timer = odelay;
            st.current_state_timers_running6 = 1;
          }
        }
        break;
      }
      case MLD_VERSION_2: {
        // T0 becomes T1 once the first report has gone.
        syncstates = false;
        inm.in6m_scq.drain();
        const retval = mld_v2_enqueue_group_record(inm.in6m_scq, inm, true, false, false, (mli.mli_flags & MLIF_USEALLOW) !== 0);
        if (retval <= 0) {
          error = -retval;
          break;
        }
        // Sent at the next fast tick, then again up to robustness times.
        inm.in6m_scrv = mli.mli_rv;
        if (delay !== 0) {
          if (inm.in6m_sctimer > 1) inm.in6m_sctimer = Math.min(inm.in6m_sctimer, delay);
          else inm.in6m_sctimer = delay;
        } else inm.in6m_sctimer = 1;
        st.state_change_timers_running6 = 1;
        error = 0;
        break;
      }
    }
  }
  if (syncstates) in6m_commit(inm);
  return error;
}

/** mld_handle_state_change: a change of filter within a group's life (MLDv2 only). */
function mld_handle_state_change(inm: in6_multi, mli: mld_ifsoftc): number {
  const ifp = inm.in6m_ifp as ifnet;
  // Departure: a group joined again while its MLDv2 leave is still pending
  // is a member again.  When the leave's first report has gone out (t0 is
  // INCLUDE {}) the re-join is an initial join and mld_initial_join drops
  // the leave's reference; before that, t0 still holds the joined state and
  // the re-join lands here, where FreeBSD 14 leaves the group LEAVING, and
  // its state-change timer then takes the group off the interface while
  // the new member still holds it (an address deleted and added again at
  // once, as `ifconfig IF inet6 ADDR` does, loses its solicited-node group:
  // mld.sh's pr233683).  Here the leave is called off: its reference goes,
  // the pending TO_IN {} is dropped below, and nothing is retransmitted.
  if (inm.in6m_state === MLD_LEAVING_MEMBER && inm.in6m_st[1].iss_fmode !== MCAST_UNDEFINED) {
    if (inm.in6m_refcount > 1) inm.in6m_refcount--;
    inm.in6m_state = MLD_REPORTING_MEMBER;
    inm.in6m_scrv = 0;
    inm.in6m_sctimer = 0;
  }
  if ((ifp.if_flags & IFF_LOOPBACK) !== 0 || (mli.mli_flags & MLIF_SILENT) !== 0 || !mld_is_addr_reported(inm.in6m_addr) || mli.mli_version !== MLD_VERSION_2) {
    in6m_commit(inm);
    return 0;
  }
  inm.in6m_scq.drain();
  const retval = mld_v2_enqueue_group_record(inm.in6m_scq, inm, true, false, false, (mli.mli_flags & MLIF_USEALLOW) !== 0);
  if (retval <= 0) return -retval;
  inm.in6m_scrv = mli.mli_rv;
  inm.in6m_sctimer = 1;
  V_mld().state_change_timers_running6 = 1;
  return 0;
}

/**
 * mld_final_leave: the last listener left.  MLDv1 sends a done; MLDv2
 * queues a report of the change to INCLUDE {} (keeping a reference until
 * its retransmissions are over).
 */
function mld_final_leave(inm: in6_multi, mli: mld_ifsoftc): void {
  let syncstates = true;
  switch (inm.in6m_state) {
    case MLD_NOT_MEMBER:
    case MLD_SILENT_MEMBER:
    case MLD_LEAVING_MEMBER:
      break;
    case MLD_REPORTING_MEMBER:
    case MLD_IDLE_MEMBER:
    case MLD_G_QUERY_PENDING_MEMBER:
    case MLD_SG_QUERY_PENDING_MEMBER:
      if (mli.mli_version === MLD_VERSION_1) {
        mld_v1_transmit_report(inm, MLD_LISTENER_DONE);
        inm.in6m_state = MLD_NOT_MEMBER;
        V_mld().current_state_timers_running6 = 1;
      } else if (mli.mli_version === MLD_VERSION_2) {
        inm.in6m_scq.drain();
        inm.in6m_timer = 0;
        inm.in6m_scrv = mli.mli_rv;
        if (inm.in6m_scrv === 0) {
          inm.in6m_state = MLD_NOT_MEMBER;
          inm.in6m_sctimer = 0;
        } else {
          in6m_acquire_locked(inm);
          mld_v2_enqueue_group_record(inm.in6m_scq, inm, true, false, false, (mli.mli_flags & MLIF_USEALLOW) !== 0);
          inm.in6m_state = MLD_LEAVING_MEMBER;
          inm.in6m_sctimer = 1;
          V_mld().state_change_timers_running6 = 1;
          syncstates = false;
        }
      }
      break;
    case MLD_LAZY_MEMBER:
    case MLD_SLEEPING_MEMBER:
    case MLD_AWAKENING_MEMBER:
      // Our reports are suppressed.
      break;
  }
  if (syncstates) {
    in6m_commit(inm);
    inm.in6m_st[1].iss_fmode = MCAST_UNDEFINED;
  }
}

/** A group record, as mld_v2_enqueue_group_record appends it. */
const s_mr = new Uint8Array(MLDV2_RECORD_LEN);

/**
 * mld_v2_enqueue_group_record(mq, inm, is_state_change, is_group_query,
 * is_source_query, use_block_allow): append the group's record to the last
 * queued report if it fits, else to a new one.  A state change records the
 * change of filter mode (TO_EX on a join, TO_IN or, with use_block_allow,
 * BLOCK_OLD on a leave); a current-state record the mode (IS_EX / IS_IN).
 * Returns the bytes appended, 0 for nothing to do, or a negated errno.
 */
function mld_v2_enqueue_group_record(mq: mbufq, inm: in6_multi, is_state_change: boolean, is_group_query: boolean, is_source_query: boolean, use_block_allow: boolean): number {
  const ifp = inm.in6m_ifp;
  if (ifp === null) return 0;
  let type = MLD_DO_NOTHING;
  const mode = inm.in6m_st[1].iss_fmode;
  let record_has_sources = true;
  let nbytes = 0;
  // No change out of any-source mode and no sources: no source records.
  if (inm.in6m_st[0].iss_asm > 0 && inm.in6m_st[1].iss_asm > 0 && inm.in6m_nsrc === 0) record_has_sources = false;

  if (is_state_change) {
    if (mode !== inm.in6m_st[0].iss_fmode) {
      if (mode === MCAST_EXCLUDE) type = MLD_CHANGE_TO_EXCLUDE_MODE;
      else if (use_block_allow) type = mode === MCAST_UNDEFINED ? MLD_BLOCK_OLD_SOURCES : MLD_ALLOW_NEW_SOURCES;
      else {
        type = MLD_CHANGE_TO_INCLUDE_MODE;
        if (mode === MCAST_UNDEFINED) record_has_sources = false;
      }
    } else {
      // Same mode: a filter list change (mld_v2_enqueue_filter_change),
      // of which there is none without sources.
      return 0;
    }
  } else {
    if (mode === MCAST_EXCLUDE) type = MLD_MODE_IS_EXCLUDE;
    else if (mode === MCAST_INCLUDE) type = MLD_MODE_IS_INCLUDE;
  }
  if (type === MLD_DO_NOTHING) return 0;

  let minrec0len = MLDV2_RECORD_LEN;
  if (record_has_sources) minrec0len += 16;

  // Into the last queued report if it has room (a group query's answer
  // always gets a packet of its own).
  const m0 = mq.last();
  let m: mbuf | null;
  if (!is_group_query && m0 !== null && vt_nrecs(m0) + 1 <= MLD_V2_REPORT_MAXRECS && m0.m_pkthdr.len + minrec0len < ifp.if_mtu - MLD_MTUSPACE) {
    m = m0;
  } else {
    if (mq.full()) return -ENOMEM;
    m = null;
    if (!is_state_change && !is_group_query) m = m_getcl(M_NOWAIT, MT_DATA, M_PKTHDR);
    if (m === null) m = m_gethdr(M_NOWAIT, MT_DATA);
    if (m === null) return -ENOMEM;
    mld_save_context(m, ifp);
  }

  s_mr.fill(0);
  s_mr[0] = type;
  const ga = new in6_addr();
  in6_addr_copy(ga, inm.in6m_addr);
  in6_clearscope(ga);
  s_mr.set(ga.s6_addr, MR_OFF_ADDR);
  if (!m_append(m, MLDV2_RECORD_LEN, s_mr)) {
    if (m !== m0) m_freem(m);
    return -ENOMEM;
  }
  nbytes += MLDV2_RECORD_LEN;
  // The record's number of sources: none are kept (any-source only).
  let msrcs = 0;
  if (record_has_sources) {
    const rec = m_getptr(m, m.m_pkthdr.len - MLDV2_RECORD_LEN);
    if (rec !== null) rec.m.m_dv.setUint16(rec.m.m_data + rec.off + MR_OFF_NUMSRC, msrcs);
  }
  if (is_source_query && msrcs === 0) {
    if (m !== m0) m_freem(m);
    else {
      // Take the record back off the packet it was appended to.
      m0.m_pkthdr.len -= MLDV2_RECORD_LEN;
      let last = m0;
      while (last.m_next !== null) last = last.m_next;
      last.m_len -= MLDV2_RECORD_LEN;
    }
    return 0;
  }
  if (m !== m0) {
    vt_nrecs_set(m, 1);
    mq.enqueue(m);
  } else vt_nrecs_set(m, vt_nrecs(m) + 1);
  return nbytes;
}

/**
 * mld_v2_merge_state_changes(inm, scq): move (or, while retransmissions
 * remain, copy) the group's pending state-change reports onto the
 * interface's queue, merging into its last packet where they fit.
 */
function mld_v2_merge_state_changes(inm: in6_multi, scq: mbufq): number {
  const docopy = inm.in6m_scrv > 0;
  const gq = inm.in6m_scq;
  const ifp = inm.in6m_ifp;
  const mtu = ifp !== null ? ifp.if_mtu : 0;
  let i = 0;
  while (i < gq.len()) {
    const m = gq.mq[i];
    let domerge = false;
    const mt = scq.last();
    let recslen = 0;
    if (mt !== null) {
      recslen = m_length(m);
      if (vt_nrecs(mt) + vt_nrecs(m) <= MLD_V2_REPORT_MAXRECS && mt.m_pkthdr.len + recslen <= mtu - MLD_MTUSPACE) domerge = true;
    }
    if (!domerge && gq.full()) {
      // The queue is full: skip the whole packet.
      if (!docopy) {
        gq.mq.splice(i, 1);
        m_freem(m);
      } else i++;
      continue;
    }
    let m0: mbuf | null;
    if (!docopy) {
      m0 = gq.mq.splice(i, 1)[0];
    } else {
      m0 = m_dup(m, M_NOWAIT);
      if (m0 === null) return ENOMEM;
      vt_nrecs_set(m0, vt_nrecs(m));
      m0.m_pkthdr.rcvif = m.m_pkthdr.rcvif;
      m0.m_pkthdr.flowid = m.m_pkthdr.flowid;
      i++;
    }
    if (!domerge) {
      scq.enqueue(m0);
    } else {
      const target = mt as mbuf;
      let mtl = target;
      while (mtl.m_next !== null) mtl = mtl.m_next;
      m0.m_flags &= ~M_PKTHDR;
      m0.m_pkthdr.tags = null;
      target.m_pkthdr.len += recslen;
      vt_nrecs_set(target, vt_nrecs(target) + vt_nrecs(m0));
      mtl.m_next = m0;
    }
  }
  return 0;
}

/** mld_v2_dispatch_general_query: answer a General Query, in bursts. */
function mld_v2_dispatch_general_query(mli: mld_ifsoftc): void {
  if (mli.mli_gq.len() === 0) {
    const ifp = mli.mli_ifp;
    for (const inm of in6m_ifp_groups(ifp)) {
      switch (inm.in6m_state) {
        case MLD_NOT_MEMBER:
        case MLD_SILENT_MEMBER:
          break;
        case MLD_REPORTING_MEMBER:
        case MLD_IDLE_MEMBER:
        case MLD_LAZY_MEMBER:
        case MLD_SLEEPING_MEMBER:
        case MLD_AWAKENING_MEMBER:
          inm.in6m_state = MLD_REPORTING_MEMBER;
          mld_v2_enqueue_group_record(mli.mli_gq, inm, false, false, false, false);
          break;
        case MLD_G_QUERY_PENDING_MEMBER:
        case MLD_SG_QUERY_PENDING_MEMBER:
        case MLD_LEAVING_MEMBER:
          break;
      }
    }
  }
  mld_dispatch_queue(mli.mli_gq, MLD_MAX_RESPONSE_BURST);
  // Spread further bursts over 500 ms intervals.
  if (mli.mli_gq.first() !== null) {
    mli.mli_v2_timer = 1 + MLD_RANDOM_DELAY(MLD_RESPONSE_BURST_INTERVAL);
    V_mld().interface_timers_running6 = 1;
  }
}

/** mld_dispatch_queue: send queued reports (limit 0: all). */
function mld_dispatch_queue(mq: mbufq, limit: number): void {
  let m: mbuf | null;
  while ((m = mq.dequeue()) !== null) {
    mld_dispatch_packet(m);
    if (--limit === 0) break;
  }
}

const s_oifp: { ifp: ifnet | null } = { ifp: null };

/**
 * mld_dispatch_packet(m): send one MLD message out of its interface, with
 * hop limit 1, the router alert, and no loopback to ourselves.
 */
function mld_dispatch_packet(m: mbuf): void {
  const ifindex = m.m_pkthdr.flowid;
  const ifp = ifnet_byindex(ifindex);
  if (ifp === null) {
    m_freem(m);
    IP6STAT_INC(ip6s_noroute);
    return;
  }
  const im6o = new ip6_moptions();
  im6o.im6o_multicast_hlim = 1;
  im6o.im6o_multicast_loop = 0;
  im6o.im6o_multicast_ifp = ifp;

  let m0: mbuf | null;
  if ((m.m_flags & M_MLDV1) !== 0) m0 = m;
  else {
    m0 = mld_v2_encap_report(ifp, m);
    if (m0 === null) {
      IP6STAT_INC(ip6s_odropped);
      return;
    }
  }
  // mld_scrub_context, m_clrprotoflags.
  m0.m_pkthdr.flowid = 0;
  m0.m_pkthdr.PH_loc = 0;
  for (let n: mbuf | null = m0; n !== null; n = n.m_next) n.m_flags &= ~M_MLDV1;
  m0.m_pkthdr.rcvif = V_loif();

  // The destination's zone is the interface (MLD_EMBEDSCOPE).
  const ip6 = m0.m_data;
  in6_addr_read(m0.m_buf, ip6 + IP6_OFF_DST, S().dst);
  if (IN6_IS_SCOPE_LINKLOCAL(S().dst) || IN6_IS_ADDR_MC_INTFACELOCAL(S().dst)) {
    s6_addr16_set(S().dst, 1, ifp.if_index & 0xffff);
    in6_addr_write(m0.m_buf, ip6 + IP6_OFF_DST, S().dst);
  }
  const p = m_getptr(m0, IP6_HDR_LEN);
  const type = p !== null ? p.m.m_buf[p.m.m_data + p.off + MLD_OFF_TYPE] : 0;

  s_oifp.ifp = null;
  const error = ip6_output(m0, mld_po(), null, IPV6_UNSPECSRC, im6o, s_oifp, null);
  const oifp = s_oifp.ifp;
  s_oifp.ifp = null;
  if (error !== 0) return;
  ICMP6STAT_INC2(icp6s_outhist, type);
  if (oifp !== null) {
    icmp6_ifstat_inc(oifp, ifs6_out_msg);
    switch (type) {
      case MLD_LISTENER_REPORT:
      case MLDV2_LISTENER_REPORT:
        icmp6_ifstat_inc(oifp, ifs6_out_mldreport);
        break;
      case MLD_LISTENER_DONE:
        icmp6_ifstat_inc(oifp, ifs6_out_mlddone);
        break;
    }
  }
}

/**
 * mld_v2_encap_report(ifp, m): put the IPv6 header and the report header in
 * front of the queued group records (from our link-local address, or ::
 * while it is tentative, to ff02::16).  Consumes m; null on failure.
 */
function mld_v2_encap_report(ifp: ifnet, m: mbuf): mbuf | null {
  // RFC 3590: :: or a tentative address is fine during DAD.
  const ia = in6ifa_ifpforlinklocal(ifp, IN6_IFF_NOTREADY | IN6_IFF_ANYCAST);
  const mh = m_gethdr(M_NOWAIT, MT_DATA);
  if (mh === null) {
    m_freem(m);
    return null;
  }
  M_ALIGN(mh, IP6_HDR_LEN + MLDV2_REPORT_LEN);
  const mldreclen = m_length(m);
  mh.m_len = IP6_HDR_LEN + MLDV2_REPORT_LEN;
  mh.m_pkthdr.len = IP6_HDR_LEN + MLDV2_REPORT_LEN + mldreclen;
  const ip6 = mh.m_data;
  const buf = mh.m_buf;
  mh.m_dv.setUint32(ip6 + IP6_OFF_FLOW, 0);
  buf[ip6] = IPV6_VERSION;
  mh.m_dv.setUint16(ip6 + IP6_OFF_PLEN, MLDV2_REPORT_LEN + mldreclen);
  buf[ip6 + IP6_OFF_NXT] = IPPROTO_ICMPV6;
  buf[ip6 + IP6_OFF_HLIM] = 1;
  in6_addr_write(buf, ip6 + IP6_OFF_SRC, ia !== null ? ia.ia_addr.sin6_addr : in6addr_any);
  in6_addr_write(buf, ip6 + IP6_OFF_DST, in6addr_linklocal_allv2routers);

  const mld = ip6 + IP6_HDR_LEN;
  buf[mld + MLD_OFF_TYPE] = MLDV2_LISTENER_REPORT;
  buf[mld + MLD_OFF_CODE] = 0;
  mh.m_dv.setUint16(mld + MLD_OFF_CKSUM, 0);
  mh.m_dv.setUint16(mld + 4, 0);
  mh.m_dv.setUint16(mld + MLD_OFF_V2_NUMRECS, vt_nrecs(m));
  vt_nrecs_set(m, 0);
  // The records become the tail of the new packet.
  m.m_flags &= ~M_PKTHDR;
  m.m_pkthdr.tags = null;
  mh.m_next = m;
  mh.m_dv.setUint16(mld + MLD_OFF_CKSUM, in6_cksum(mh, IPPROTO_ICMPV6, IP6_HDR_LEN, MLDV2_REPORT_LEN + mldreclen));
  return mh;
}
