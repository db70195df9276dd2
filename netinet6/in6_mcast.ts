// sys/netinet6/in6_mcast.c, in6_var.h's in6_multi: IPv6 multicast group
// memberships.  An interface joins a group (in6_joingroup: the kernel's
// all-nodes and solicited-node groups, and sockets through IPV6_JOIN_GROUP)
// as one in6_multi per (interface, group), reference counted, with the
// link layer told through if_addmulti of the group's 33:33:xx:xx:xx:xx
// address; MLD (mld6.ts) reports the change of state.  The socket side
// keeps each socket's memberships and multicast options (struct
// ip6_moptions: IPV6_MULTICAST_IF/HOPS/LOOP, IPV6_JOIN_GROUP/LEAVE_GROUP).
//
// Departures: any-source multicast only.  The source-specific options
// (MCAST_JOIN_SOURCE_GROUP, MCAST_BLOCK_SOURCE, IPV6_MSFILTER and friends)
// answer EOPNOTSUPP, so every membership is EXCLUDE {} and the group
// records MLD sends carry no sources.  A group is freed at once when its
// last reference goes (FreeBSD defers that to a task).

import { EADDRINUSE, EADDRNOTAVAIL, EINVAL, ENOENT, ENOMEM, ENOPROTOOPT, EOPNOTSUPP, EPERM } from "../kern/errno.ts";
import { SOPT_GET, SOPT_SET, sooptcopyin_bytes, sooptcopyin_int, sooptcopyout_int, type sockopt } from "../kern/uipc_socket.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_RWTUN, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, SYSCTL_OUT, kvar_of, type sysctl_handler_t } from "../kern/sysctl.ts";
import { ETHER_ADDR_LEN } from "../net/ethernet.ts";
import { IFF_MULTICAST, if_addmulti, if_delmulti, ifma_nextstamp, ifnet_byindex, type ifnet } from "../net/if.ts";
import { rt_ifmalist_register } from "../net/rtsock.ts";
import { AF_INET6 } from "../kern/socket.ts";
import type { inpcb } from "../netinet/in_pcb.ts";

import { ip6_moptions, _net_inet6_ip6 } from "./ip6_var.ts";
import { in6_clearscope, in6_setscope, ip6_use_defzone, sa6_embedscope } from "./scope6.ts";
import { fib6_lookup } from "./in6_fib.ts";
import { MLD_NOT_MEMBER, MLD_IFINFO, mld_change_state, mld_ifdetach, type mld_ifsoftc, mbufq, MLD_MAX_STATE_CHANGES } from "./mld6.ts";
import { V_ip6_defmcasthlim } from "./in6_proto.ts";
import { VNET_I32 } from "../net/vnet.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_MC, SYSINIT } from "../kern/kernel.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_IS_ADDR_MULTICAST, IN6_IS_SCOPE_EMBED, in6_addr, in6_addr_copy, s6_addr16, sockaddr_in6 } from "./in6_var.ts";

// netinet6/in6.h: the multicast socket options.
const IPV6_MULTICAST_IF = 9;
const IPV6_MULTICAST_HOPS = 10;
const IPV6_MULTICAST_LOOP = 11;
const IPV6_JOIN_GROUP = 12;
const IPV6_LEAVE_GROUP = 13;
// netinet/in.h: the protocol-independent ones.
const MCAST_JOIN_GROUP = 80;
const MCAST_LEAVE_GROUP = 81;
const MCAST_JOIN_SOURCE_GROUP = 82;
const MCAST_LEAVE_SOURCE_GROUP = 83;
const MCAST_BLOCK_SOURCE = 84;
const MCAST_UNBLOCK_SOURCE = 85;
const IPV6_MSFILTER = 74;
/** struct ipv6_mreq: the group, then the interface index (a host-order u_int). */
export const IPV6_MREQ_LEN = 20;
/** IPV6_MAX_MEMBERSHIPS: groups one socket may join. */
export const IPV6_MAX_MEMBERSHIPS = 4095;

// Filter modes (netinet/in.h MCAST_*) and im6o_mc_filter's answers.
export const MCAST_UNDEFINED = 0;
export const MCAST_INCLUDE = 1;
export const MCAST_EXCLUDE = 2;
export const MCAST_PASS = 0;
export const MCAST_NOTGMEMBER = 1;
export const MCAST_NOTSMEMBER = 2;
export const MCAST_MUTED = 3;

// net.inet6.ip6.mcast.*
export const _net_inet6_ip6_mcast = SYSCTL_NODE(_net_inet6_ip6, OID_AUTO, "mcast", CTLFLAG_RW, null, "IPv6 multicast");
const in6_mcast_maxgrpsrc = kvar_of(512);
const in6_mcast_maxsocksrc = kvar_of(128);
/** in6_mcast_loop: loop multicast sent back to the sender by default. */
export const in6_mcast_loop = kvar_of(1);
SYSCTL_INT(_net_inet6_ip6_mcast, OID_AUTO, "maxgrpsrc", CTLFLAG_RWTUN, in6_mcast_maxgrpsrc, 0, "Max source filters per group");
SYSCTL_INT(_net_inet6_ip6_mcast, OID_AUTO, "maxsocksrc", CTLFLAG_RWTUN, in6_mcast_maxsocksrc, 0, "Max source filters per socket");
SYSCTL_INT(_net_inet6_ip6_mcast, OID_AUTO, "loop", CTLFLAG_RWTUN, in6_mcast_loop, 0, "Loopback multicast datagrams by default");

/**
 * sysctl_ip6_mcast_filters: net.inet6.ip6.mcast.filters.<ifindex>.<group as
 * four 32-bit words, first byte most significant>: the group's filter mode
 * at t1, then the sources in that mode (none: this stack keeps no source
 * lists), for ifmcstat(8).  The group comes as the kernel reported it, its
 * zone taken out; it is put back before the lookup.
 */
const sysctl_ip6_mcast_filters: sysctl_handler_t = (_oidp, arg1, arg2, req) => {
  const name = arg1 as readonly number[];
  if (req.newval !== null) return EPERM;
  if (arg2 !== 5) return EINVAL;
  const ifindex = name[0];
  if (ifindex <= 0) return ENOENT;
  const mcaddr = new in6_addr();
  for (let i = 0; i < 4; i++) {
    const w = name[i + 1] >>> 0;
    mcaddr.s6_addr[4 * i] = w >>> 24;
    mcaddr.s6_addr[4 * i + 1] = (w >>> 16) & 0xff;
    mcaddr.s6_addr[4 * i + 2] = (w >>> 8) & 0xff;
    mcaddr.s6_addr[4 * i + 3] = w & 0xff;
  }
  if (!IN6_IS_ADDR_MULTICAST(mcaddr)) return EINVAL;
  const ifp = ifnet_byindex(ifindex);
  if (ifp === null) return ENOENT;
  in6_setscope(mcaddr, ifp, null);
  const out: number[] = [];
  for (const inm of in6m_ifp_groups(ifp)) {
    if (!IN6_ARE_ADDR_EQUAL(inm.in6m_addr, mcaddr)) continue;
    out.push(inm.in6m_st[1].iss_fmode);
  }
  return SYSCTL_OUT(req, out);
};
SYSCTL_NODE(_net_inet6_ip6_mcast, OID_AUTO, "filters", CTLFLAG_RD | CTLFLAG_MPSAFE, sysctl_ip6_mcast_filters, "Per-interface stack-wide source filters");

/** struct in6_multi_istate: the group's listener counts at t0 and t1. */
export class in6_multi_istate {
  iss_fmode = MCAST_UNDEFINED;
  iss_asm = 0;
  iss_ex = 0;
  iss_in = 0;
  iss_rec = 0;
}

/** The link-layer membership behind an in6_multi (its ifmultiaddr). */
export class in6_ifma {
  /** Made after its link-level group (if_addmulti), so listed before it. */
  readonly ifma_stamp = ifma_nextstamp();
  constructor(
    readonly ifma_ifp: ifnet,
    /** The 33:33 group address, or null on a link without multicast addresses (lo). */
    readonly ifma_lladdr: Uint8Array | null,
  ) {}
}

/** struct in6_multi: a group joined on an interface. */
export class in6_multi {
  /** The group, its zone embedded. */
  readonly in6m_addr = new in6_addr();
  /** null once disconnected from the interface. */
  in6m_ifp: ifnet | null = null;
  in6m_ifma: in6_ifma | null = null;
  in6m_refcount = 1;
  /** MLD state (MLD_*_MEMBER) and its report timer, in fast ticks. */
  in6m_state = 0;
  in6m_timer = 0;
  in6m_mli: mld_ifsoftc | null = null;
  /** Sources in the filter (always 0: no source filtering). */
  in6m_nsrc = 0;
  /** State-change report: retransmissions left and their timer. */
  in6m_sctimer = 0;
  in6m_scrv = 0;
  /** Pending state-change reports. */
  readonly in6m_scq = new mbufq(MLD_MAX_STATE_CHANGES);
  /** When the last group-and-source query was answered (ticks). */
  in6m_lastgsrtv = 0;
  /** The listener counts at t0 (as last reported) and t1 (now). */
  readonly in6m_st: [in6_multi_istate, in6_multi_istate] = [new in6_multi_istate(), new in6_multi_istate()];
}

/** struct in6_mfilter: one socket's membership of one group. */
export class in6_mfilter {
  /** Filter mode at t0 and t1. */
  readonly im6f_st = [MCAST_UNDEFINED, MCAST_UNDEFINED];
  im6f_nsrc = 0;
  im6f_in6m: in6_multi | null = null;
  constructor(st0: number, st1: number) {
    this.im6f_st[0] = st0;
    this.im6f_st[1] = st1;
  }
}

// ---------------------------------------------------------------------------
// An interface's groups (the in6_multi hung off its if_multiaddrs), newest
// first as FreeBSD's list is.

const ifp_groups = new WeakMap<ifnet, in6_multi[]>();
const NO_GROUPS: readonly in6_multi[] = Object.freeze([]);

/** The groups joined on ifp, newest first (read-only to callers). */
export function in6m_ifp_groups(ifp: ifnet): readonly in6_multi[] {
  return ifp_groups.get(ifp) ?? NO_GROUPS;
}

// NET_RT_IFMALIST (sysctl_ifmalist) lists these groups beside the
// interface's link-level ones.
rt_ifmalist_register(AF_INET6, (ifp, visit) => {
  for (const inm of in6m_ifp_groups(ifp)) {
    const ifma = inm.in6m_ifma;
    if (ifma !== null) visit(ifma.ifma_stamp, inm.in6m_addr, ifma.ifma_lladdr);
  }
});

/**
 * in6m_lookup(ifp, mcaddr): the membership of mcaddr (zone embedded) on ifp,
 * or null.  On the input path: allocates nothing.
 */
export function in6m_lookup(ifp: ifnet, mcaddr: in6_addr): in6_multi | null {
  const l = ifp_groups.get(ifp);
  if (l === undefined) return null;
  for (let i = 0; i < l.length; i++) if (IN6_ARE_ADDR_EQUAL(l[i].in6m_addr, mcaddr)) return l[i];
  return null;
}
export const in6m_lookup_locked = in6m_lookup;

/** ETHER_MAP_IPV6_MULTICAST: 33:33 and the group's last 32 bits. */
export function ETHER_MAP_IPV6_MULTICAST(a: in6_addr): Uint8Array {
  const e = new Uint8Array(ETHER_ADDR_LEN);
  e[0] = 0x33;
  e[1] = 0x33;
  e[2] = a.s6_addr[12];
  e[3] = a.s6_addr[13];
  e[4] = a.s6_addr[14];
  e[5] = a.s6_addr[15];
  return e;
}

/**
 * in6_getmulti(ifp, group, pinm): the group's in6_multi on ifp with one
 * more reference; a new one joins the link-layer group and starts in
 * INCLUDE {} (MLD is told later, by in6_joingroup).
 */
function in6_getmulti(ifp: ifnet, group: in6_addr, pinm: { inm: in6_multi | null }): number {
  let inm = in6m_lookup(ifp, group);
  if (inm !== null) {
    inm.in6m_refcount++;
    pinm.inm = inm;
    return 0;
  }
  // ether_resolvemulti: Ethernet-like links join 33:33:xx; others (lo)
  // have no link-layer group.
  let lladdr: Uint8Array | null = null;
  if (ifp.if_addrlen === ETHER_ADDR_LEN) {
    lladdr = ETHER_MAP_IPV6_MULTICAST(group);
    const error = if_addmulti(ifp, lladdr);
    if (error !== 0) return error;
  }
  inm = new in6_multi();
  in6_addr_copy(inm.in6m_addr, group);
  inm.in6m_ifp = ifp;
  inm.in6m_mli = MLD_IFINFO(ifp);
  inm.in6m_ifma = new in6_ifma(ifp, lladdr);
  inm.in6m_refcount = 1;
  inm.in6m_state = MLD_NOT_MEMBER;
  inm.in6m_st[0].iss_fmode = MCAST_UNDEFINED;
  inm.in6m_st[1].iss_fmode = MCAST_UNDEFINED;
  let l = ifp_groups.get(ifp);
  if (l === undefined) ifp_groups.set(ifp, (l = []));
  l.unshift(inm);
  pinm.inm = inm;
  return 0;
}

/** in6m_acquire_locked: one more reference. */
export function in6m_acquire_locked(inm: in6_multi): void {
  inm.in6m_refcount++;
}

/**
 * in6m_disconnect_locked: take the group off its interface's list (it stays
 * alive while referenced, but is no longer found).
 */
export function in6m_disconnect_locked(inm: in6_multi): void {
  const ifp = inm.in6m_ifp;
  if (ifp === null) return;
  inm.in6m_ifp = null;
  const l = ifp_groups.get(ifp);
  if (l === undefined) return;
  const i = l.indexOf(inm);
  if (i >= 0) l.splice(i, 1);
}

/**
 * in6m_rele_locked: one reference fewer; the last frees the group and
 * leaves the link-layer group (in6m_release).
 */
export function in6m_rele_locked(inm: in6_multi): void {
  if (--inm.in6m_refcount > 0) return;
  in6m_disconnect_locked(inm);
  inm.in6m_scq.drain();
  const ifma = inm.in6m_ifma;
  inm.in6m_ifma = null;
  if (ifma !== null && ifma.ifma_lladdr !== null) if_delmulti(ifma.ifma_ifp, ifma.ifma_lladdr);
}

/** in6m_commit: the state at t1 becomes t0 (it has been reported). */
export function in6m_commit(inm: in6_multi): void {
  const s0 = inm.in6m_st[0];
  const s1 = inm.in6m_st[1];
  s0.iss_fmode = s1.iss_fmode;
  s0.iss_asm = s1.iss_asm;
  s0.iss_ex = s1.iss_ex;
  s0.iss_in = s1.iss_in;
  s0.iss_rec = s1.iss_rec;
}

/** in6m_clear_recorded: forget the sources a query asked about (none are kept). */
export function in6m_clear_recorded(inm: in6_multi): void {
  inm.in6m_st[1].iss_rec = 0;
}

/**
 * in6m_record_source: mark a source a group-and-source query named.  With
 * no source filters there is never one to mark: 0.
 */
export function in6m_record_source(_inm: in6_multi, _addr: in6_addr): number {
  return 0;
}

/**
 * in6m_merge(inm, imf): fold a socket's change of filter (t0 -> t1) into
 * the group's listener counts and filter mode at t1.
 */
function in6m_merge(inm: in6_multi, imf: in6_mfilter): number {
  const s1 = inm.in6m_st[1];
  const nsrc0 = 0;
  const nsrc1 = 0;
  if (imf.im6f_st[0] !== imf.im6f_st[1]) {
    if (imf.im6f_st[0] === MCAST_EXCLUDE) --s1.iss_ex;
    else if (imf.im6f_st[0] === MCAST_INCLUDE) --s1.iss_in;
    if (imf.im6f_st[1] === MCAST_EXCLUDE) s1.iss_ex++;
    else if (imf.im6f_st[1] === MCAST_INCLUDE) s1.iss_in++;
  }
  // Any exclusive listener makes the group exclusive; no listener at all
  // ends its MLD life.
  if (s1.iss_ex > 0) s1.iss_fmode = MCAST_EXCLUDE;
  else if (s1.iss_in > 0) s1.iss_fmode = MCAST_INCLUDE;
  else s1.iss_fmode = MCAST_UNDEFINED;
  // Any-source listeners.
  if (imf.im6f_st[0] === MCAST_EXCLUDE && nsrc0 === 0) {
    if (imf.im6f_st[1] !== MCAST_EXCLUDE || nsrc1 > 0) --s1.iss_asm;
  }
  if (imf.im6f_st[1] === MCAST_EXCLUDE && nsrc1 === 0) s1.iss_asm++;
  return 0;
}

/**
 * in6_joingroup(ifp, mcaddr, imf, pinm, delay): join mcaddr (zone embedded)
 * on ifp, any source; MLD reports it (delay: fast ticks to wait first).
 * The membership is returned in pinm.inm.
 */
export function in6_joingroup(ifp: ifnet, mcaddr: in6_addr, _imf: null, pinm: { inm: in6_multi | null }, delay: number): number {
  return in6_joingroup_locked(ifp, mcaddr, null, pinm, delay);
}

export function in6_joingroup_locked(ifp: ifnet, mcaddr: in6_addr, imf: in6_mfilter | null, pinm: { inm: in6_multi | null }, delay: number): number {
  // Only multicast groups, and only on interfaces with IPv6.
  if (!IN6_IS_ADDR_MULTICAST(mcaddr)) return EINVAL;
  if (MLD_IFINFO(ifp) === null) return ENOMEM;
  const timf = imf ?? new in6_mfilter(MCAST_UNDEFINED, MCAST_EXCLUDE);
  const h: { inm: in6_multi | null } = { inm: null };
  let error = in6_getmulti(ifp, mcaddr, h);
  if (error !== 0) return error;
  const inm = h.inm as in6_multi;
  error = in6m_merge(inm, timf);
  if (error === 0) error = mld_change_state(inm, delay);
  if (error !== 0) {
    // As FreeBSD does: the group is taken off the interface and this
    // reference dropped.
    in6m_disconnect_locked(inm);
    in6m_rele_locked(inm);
    return error;
  }
  pinm.inm = inm;
  return 0;
}

/**
 * in6_leavegroup(inm, imf): give up a membership in6_joingroup returned; the
 * last one leaves the group (MLD reports the leave).
 */
export function in6_leavegroup(inm: in6_multi, _imf: null): number {
  return in6_leavegroup_locked(inm, null);
}

export function in6_leavegroup_locked(inm: in6_multi, imf: in6_mfilter | null): number {
  const timf = imf ?? new in6_mfilter(MCAST_EXCLUDE, MCAST_UNDEFINED);
  in6m_merge(inm, timf);
  const error = mld_change_state(inm, 0);
  if (inm.in6m_refcount === 1 && inm.in6m_ifp !== null) in6m_disconnect_locked(inm);
  in6m_rele_locked(inm);
  return error;
}

/**
 * in6_purgemaddrs(ifp): the interface leaves IPv6 (detach): MLD forgets
 * its state and every group on it is dropped.
 */
export function in6_purgemaddrs(ifp: ifnet): void {
  const l = ifp_groups.get(ifp);
  if (l === undefined) return;
  const groups = l.slice();
  mld_ifdetach(ifp, groups);
  for (const inm of groups) {
    in6m_disconnect_locked(inm);
    // The interface is gone: the link-layer membership with it.
    const ifma = inm.in6m_ifma;
    inm.in6m_ifma = null;
    inm.in6m_scq.drain();
    if (ifma !== null && ifma.ifma_lladdr !== null) if_delmulti(ifma.ifma_ifp, ifma.ifma_lladdr);
  }
  ifp_groups.delete(ifp);
}


// ---------------------------------------------------------------------------
// Sockets.

/** Each socket's multicast options (in6p_moptions), made on first use. */
const in6p_moptions_map = new WeakMap<inpcb, ip6_moptions>();

/** The socket's multicast options, or null when it never set any. */
export function in6p_moptions(inp: inpcb): ip6_moptions | null {
  return in6p_moptions_map.get(inp) ?? null;
}

/** in6p_findmoptions: the socket's options, made with the defaults if new. */
function in6p_findmoptions(inp: inpcb): ip6_moptions {
  let imo = in6p_moptions_map.get(inp);
  if (imo !== undefined) return imo;
  imo = new ip6_moptions();
  imo.im6o_multicast_ifp = null;
  imo.im6o_multicast_hlim = V_ip6_defmcasthlim();
  imo.im6o_multicast_loop = in6_mcast_loop.v;
  in6p_moptions_map.set(inp, imo);
  return imo;
}

function im6o_filters(imo: ip6_moptions): in6_mfilter[] {
  return imo.im6o_head as in6_mfilter[];
}

/** im6o_match_group: the socket's membership of group (zone embedded) on ifp (any if null). */
function im6o_match_group(imo: ip6_moptions, ifp: ifnet | null, group: in6_addr): in6_mfilter | null {
  const l = im6o_filters(imo);
  for (let i = 0; i < l.length; i++) {
    const inm = l[i].im6f_in6m;
    if (inm === null) continue;
    if ((ifp === null || inm.in6m_ifp === ifp) && IN6_ARE_ADDR_EQUAL(inm.in6m_addr, group)) return l[i];
  }
  return null;
}

/**
 * im6o_mc_filter(imo, ifp, group, src): may a datagram to group (zone
 * embedded) from src come up this socket?  MCAST_PASS, or why not.
 */
export function im6o_mc_filter(imo: ip6_moptions, ifp: ifnet, group: in6_addr, _src: in6_addr): number {
  const imf = im6o_match_group(imo, ifp, group);
  if (imf === null) return MCAST_NOTGMEMBER;
  // No source entries exist: an exclusive membership passes every source,
  // an inclusive one none.
  if (imf.im6f_st[1] === MCAST_INCLUDE) return MCAST_NOTSMEMBER;
  return MCAST_PASS;
}

/** in6p_lookup_mcast_ifp: the interface of the route toward the group. */
function in6p_lookup_mcast_ifp(inp: inpcb, group: in6_addr): ifnet | null {
  const dst = new in6_addr();
  in6_addr_copy(dst, group);
  let scopeid = 0;
  if (IN6_IS_SCOPE_EMBED(dst)) {
    scopeid = s6_addr16(dst, 1);
    in6_clearscope(dst);
  }
  const nh = fib6_lookup(inp.inp_inc.inc_fibnum, dst, scopeid, 0, 0);
  return nh !== null ? nh.nh_ifp : null;
}

/** struct ipv6_mreq from the option's bytes. */
function ipv6_mreq_in(sopt: sockopt): { error: number; group: in6_addr; ifindex: number } {
  const group = new in6_addr();
  const { error, val } = sooptcopyin_bytes(sopt, IPV6_MREQ_LEN, IPV6_MREQ_LEN);
  if (error !== 0) return { error, group, ifindex: 0 };
  group.s6_addr.set(val.subarray(0, 16));
  const ifindex = (val[16] | (val[17] << 8) | (val[18] << 16) | (val[19] << 24)) >>> 0;
  return { error: 0, group, ifindex };
}

/** in6p_join_group: IPV6_JOIN_GROUP. */
function in6p_join_group(inp: inpcb, sopt: sockopt): number {
  const r = ipv6_mreq_in(sopt);
  if (r.error !== 0) return r.error;
  const gsa = new sockaddr_in6(r.group);
  let ifp: ifnet | null;
  if (r.ifindex === 0) ifp = in6p_lookup_mcast_ifp(inp, gsa.sin6_addr);
  else ifp = ifnet_byindex(r.ifindex);
  if (r.ifindex !== 0 && ifp === null) return EADDRNOTAVAIL;
  if (!IN6_IS_ADDR_MULTICAST(gsa.sin6_addr)) return EINVAL;
  if (ifp === null || (ifp.if_flags & IFF_MULTICAST) === 0) return EADDRNOTAVAIL;
  // Memberships from userland always carry the zone of their interface.
  in6_setscope(gsa.sin6_addr, ifp, null);

  const imo = in6p_findmoptions(inp);
  if (im6o_match_group(imo, ifp, gsa.sin6_addr) !== null) return EADDRINUSE;
  if (im6o_filters(imo).length >= IPV6_MAX_MEMBERSHIPS) return ENOMEM;
  const imf = new in6_mfilter(MCAST_UNDEFINED, MCAST_EXCLUDE);
  const h: { inm: in6_multi | null } = { inm: null };
  const error = in6_joingroup_locked(ifp, gsa.sin6_addr, imf, h, 0);
  if (error !== 0) return error;
  // Advance the socket's t0.
  imf.im6f_st[0] = imf.im6f_st[1];
  imf.im6f_in6m = h.inm;
  im6o_filters(imo).push(imf);
  return 0;
}

/** in6p_leave_group: IPV6_LEAVE_GROUP. */
function in6p_leave_group(inp: inpcb, sopt: sockopt): number {
  const r = ipv6_mreq_in(sopt);
  if (r.error !== 0) return r.error;
  const gsa = new sockaddr_in6(r.group);
  if (!IN6_IS_ADDR_MULTICAST(gsa.sin6_addr)) return EINVAL;
  let ifp: ifnet | null;
  if (r.ifindex !== 0) {
    ifp = ifnet_byindex(r.ifindex);
    if (ifp === null) return EADDRNOTAVAIL;
    in6_setscope(gsa.sin6_addr, ifp, null);
  } else {
    if (sa6_embedscope(gsa, VNET_I32(ip6_use_defzone)) !== 0) return EADDRNOTAVAIL;
    // No interface and no zone (an API violation some programs commit):
    // look it up as a join would.
    const zone = s6_addr16(gsa.sin6_addr, 1);
    ifp = zone === 0 ? in6p_lookup_mcast_ifp(inp, gsa.sin6_addr) : ifnet_byindex(zone);
    if (ifp === null) return EADDRNOTAVAIL;
  }
  const imo = in6p_findmoptions(inp);
  const imf = im6o_match_group(imo, ifp, gsa.sin6_addr);
  if (imf === null) return EADDRNOTAVAIL;
  const inm = imf.im6f_in6m as in6_multi;
  const l = im6o_filters(imo);
  l.splice(l.indexOf(imf), 1);
  // im6f_leave: the socket's t1 becomes "no membership".
  imf.im6f_st[1] = MCAST_UNDEFINED;
  in6_leavegroup_locked(inm, imf);
  return 0;
}

/** in6p_set_multicast_if: IPV6_MULTICAST_IF, an interface index (0: none). */
function in6p_set_multicast_if(inp: inpcb, sopt: sockopt): number {
  const { error, val } = sooptcopyin_int(sopt);
  if (error !== 0) return error;
  let ifp: ifnet | null = null;
  if (val !== 0) {
    if (val < 0) return EINVAL;
    ifp = ifnet_byindex(val);
    if (ifp === null) return EADDRNOTAVAIL;
    if ((ifp.if_flags & IFF_MULTICAST) === 0) return EOPNOTSUPP;
  }
  const imo = in6p_findmoptions(inp);
  imo.im6o_multicast_ifp = ifp;
  return 0;
}

/**
 * ip6_setmoptions(inp, sopt): the multicast socket options of IPPROTO_IPV6
 * (ip6_ctloutput passes them here).
 */
export function ip6_setmoptions(inp: inpcb, sopt: sockopt): number {
  if (sopt.sopt_dir !== SOPT_SET) return EINVAL;
  switch (sopt.sopt_name) {
    case IPV6_MULTICAST_IF:
      return in6p_set_multicast_if(inp, sopt);
    case IPV6_MULTICAST_HOPS: {
      if (sopt.sopt_valsize !== 4) return EINVAL;
      const { error, val } = sooptcopyin_int(sopt);
      if (error !== 0) return error;
      if (val < -1 || val >= 256) return EINVAL;
      const imo = in6p_findmoptions(inp);
      imo.im6o_multicast_hlim = val === -1 ? V_ip6_defmcasthlim() : val;
      return 0;
    }
    case IPV6_MULTICAST_LOOP: {
      // Set the loop flag (only 0 and 1 are valid).
      if (sopt.sopt_valsize !== 4) return EINVAL;
      const { error, val } = sooptcopyin_int(sopt);
      if (error !== 0) return error;
      if ((val >>> 0) > 1) return EINVAL;
      const imo = in6p_findmoptions(inp);
      imo.im6o_multicast_loop = val;
      return 0;
    }
    case IPV6_JOIN_GROUP:
      return in6p_join_group(inp, sopt);
    case IPV6_LEAVE_GROUP:
      return in6p_leave_group(inp, sopt);
    case MCAST_JOIN_GROUP:
    case MCAST_LEAVE_GROUP:
    case MCAST_JOIN_SOURCE_GROUP:
    case MCAST_LEAVE_SOURCE_GROUP:
    case MCAST_BLOCK_SOURCE:
    case MCAST_UNBLOCK_SOURCE:
    case IPV6_MSFILTER:
      // Source-specific multicast is not modelled.
      return EOPNOTSUPP;
    default:
      return EOPNOTSUPP;
  }
}

/** ip6_getmoptions(inp, sopt): read the multicast socket options. */
export function ip6_getmoptions(inp: inpcb, sopt: sockopt): number {
  if (sopt.sopt_dir !== SOPT_GET) return EINVAL;
  const imo = in6p_moptions_map.get(inp) ?? null;
  switch (sopt.sopt_name) {
    case IPV6_MULTICAST_IF: {
      const ifp = imo === null ? null : imo.im6o_multicast_ifp;
      return sooptcopyout_int(sopt, ifp === null ? 0 : ifp.if_index);
    }
    case IPV6_MULTICAST_HOPS:
      return sooptcopyout_int(sopt, imo === null ? V_ip6_defmcasthlim() : imo.im6o_multicast_hlim);
    case IPV6_MULTICAST_LOOP:
      return sooptcopyout_int(sopt, imo === null ? in6_mcast_loop.v : imo.im6o_multicast_loop);
    case IPV6_MSFILTER:
      return EOPNOTSUPP;
    default:
      return ENOPROTOOPT;
  }
}

/**
 * ip6_freemoptions(im6o): the socket is going away: leave its groups.
 */
export function ip6_freemoptions(im6o: ip6_moptions): void {
  const l = im6o_filters(im6o);
  while (l.length > 0) {
    const imf = l.pop() as in6_mfilter;
    const inm = imf.im6f_in6m;
    imf.im6f_st[1] = MCAST_UNDEFINED;
    if (inm !== null) in6_leavegroup_locked(inm, imf);
  }
  im6o.im6o_multicast_ifp = null;
}

/** in6_pcbpurgeif0's multicast half: drop a departing interface from a socket's options. */
export function in6p_moptions_purgeif(inp: inpcb, ifp: ifnet): void {
  const imo = in6p_moptions_map.get(inp);
  if (imo === undefined) return;
  if (imo.im6o_multicast_ifp === ifp) imo.im6o_multicast_ifp = null;
  const l = im6o_filters(imo);
  for (let i = l.length - 1; i >= 0; i--) {
    const imf = l[i];
    const inm = imf.im6f_in6m;
    if (inm === null || inm.in6m_ifp !== ifp) continue;
    l.splice(i, 1);
    imf.im6f_st[1] = MCAST_UNDEFINED;
    in6_leavegroup_locked(inm, imf);
  }
}

/** When a socket closes: free its options (in6_pcbfree calls this). */
export function in6p_moptions_free(inp: inpcb): void {
  const imo = in6p_moptions_map.get(inp);
  if (imo === undefined) return;
  in6p_moptions_map.delete(inp);
  ip6_freemoptions(imo);
}

