// sys/netinet6/raw_ip6.c: raw IPv6 sockets.  They live in raw IP's PCB
// table (V_ripcbinfo, netinet/raw_ip.ts) with INP_IPV6 set.  rip6_input
// gives a copy of a datagram, from its upper-layer header on, to every raw
// IPv6 socket whose protocol (0 matches any) and addresses match, checking
// the checksum first where IPV6_CHECKSUM asked for it; a protocol no socket
// wants is answered with ICMPv6 parameter problem (unrecognized next
// header).  ICMPv6 comes here from icmp6_input (icmp6_rip6_input), and
// only sockets of protocol IPPROTO_ICMPV6 whose ICMP6_FILTER passes the
// type hear it.  rip6_send builds the IPv6 header (source by in6_selectsrc,
// hop limit by in6_selecthlim) and the checksum of ICMPv6 or of the offset
// IPV6_CHECKSUM gave.  Counters are struct rip6stat
// (net.inet6.ip6.rip6stats, netstat -s -p rip6).
//
// Departures: no multicast routing (MRT6_*) or SEND hooks; no control
// messages on receive; jails carry no address restrictions.

import { CALC_FLOWID_OUTBOUND } from "../net/route/mpath_ctl.ts";
import { M_HASHTYPE_OPAQUE_HASH } from "../netinet/in_fib.ts";
import { fib6_calc_software_hash } from "./in6_fib.ts";
import { EADDRNOTAVAIL, EAFNOSUPPORT, EINVAL, EISCONN, ENOBUFS, ENOTCONN, EPROTONOSUPPORT } from "../kern/errno.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN, SYSINIT } from "../kern/kernel.ts";
import { M_COPYALL, M_MCAST, type mbuf } from "../kern/mbuf.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { M_PREPEND, m_adj, m_copym, m_pullup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import type { thread } from "../kern/kern_prot.ts";
import { priv_check_cred, PRIV_NETINET_RAW } from "../kern/kern_priv.ts";
import { AF_INET6, PF_INET6, SA_FAMILY, SA_LEN, SOCK_RAW, SOL_SOCKET, SO_SETFIB, type sockaddr } from "../kern/socket.ts";
import { SYSCTL_VNET_PCPUSTAT } from "../kern/sysctl.ts";
import {
  PR_ADDR,
  PR_ATOMIC,
  SOPT_GET,
  SOPT_SET,
  SS_ISCONNECTED,
  pf_proto_register,
  sbappendaddr_locked,
  socantsendmore,
  soisconnected,
  soisdisconnected,
  soreserve,
  soroverflow_locked,
  sooptcopyin_int,
  sooptcopyout_int,
  sorwakeup_locked,
  type protosw,
  type socket,
  type sockopt,
} from "../kern/uipc_socket.ts";
import { VNET_DEFINE_U64, VNET_I32, VNET_U64_ADD } from "../net/vnet.ts";
import { V_ifnet, type ifnet } from "../net/if.ts";
import { IPPROTO_MAX } from "../netinet/in.ts";
import { INP_IPV6, in_pcballoc, in_pcbfree, sotoinpcb, type inpcb } from "../netinet/in_pcb.ts";
import { V_ripcbinfo_pcbinfo, rip_recvspace, rip_sendspace } from "../netinet/raw_ip.ts";
import { IP6_HDR_LEN, IP6_OFF_DST, IP6_OFF_FLOW, IP6_OFF_HLIM, IP6_OFF_NXT, IP6_OFF_SRC, IPV6_FLOWINFO_MASK, IPV6_VERSION } from "../netinet/ip6.ts";
import { ICMP6_OFF_CKSUM, ICMP6_OFF_CODE, ICMP6_OFF_TYPE, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_NEXTHEADER, ICMP6STAT_INC2, IPPROTO_ICMPV6, icp6s_outhist } from "../netinet/icmp6.ts";
import { in6_control, in6ifa_ifwithaddr } from "./in6.ts";
import { in6_getpeeraddr, in6_getsockaddr, in6_pcbnotify, in6_pcbpurge_register, in6_rtchange, init_sin6 } from "./in6_pcb.ts";
import { in6_selectsrc_socket } from "./in6_src.ts";
import { ip6_use_defzone, sa6_embedscope } from "./scope6.ts";
import { ip6_clearpktopts, ip6_ctloutput, ip6_output, ip6_setpktopts } from "./ip6_output.ts";
import { ip6_savecontrol } from "./ip6_input.ts";
import { in6_cksum } from "./in6_cksum.ts";
import { MCAST_PASS, im6o_mc_filter, in6p_moptions } from "./in6_mcast.ts";
import { icmp6_ctloutput, icmp6_errmap, icmp6_error, icmp6_filter_willblock, icmp6_ifoutstat_inc } from "./icmp6.ts";
import { IN6P_CONTROLOPTS, IPPROTO_IPV6, IPV6_CHECKSUM, M_RTALERT_MLD, ip6_pktopts, IP6STAT_INC, IP6STAT_SUB, _net_inet6_ip6, ip6s_delivered, ip6s_notmember, IPPROTO_DONE, type intp, type ip6ctlparam, type mbufp } from "./ip6_var.ts";
import { inet6domain } from "./in6_proto.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_IFF_DEPRECATED, IN6_IFF_DETACHED, IN6_IFF_NOTREADY, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, in6_addr, in6_addr_copy, in6_addr_read, in6_addr_write, in6addr_any, sockaddr_in6 } from "./in6_var.ts";

/** IPPROTO_NONE: no next header. */
const IPPROTO_NONE = 59;

// ---------------------------------------------------------------------------
// struct rip6stat (netinet6/raw_ip6.h), per vnet.

export const rip6s_ipackets = 0;
export const rip6s_isum = 1;
export const rip6s_badsum = 2;
export const rip6s_nosock = 3;
export const rip6s_nosockmcast = 4;
export const rip6s_fullsock = 5;
export const rip6s_opackets = 6;
export const RIP6STAT_NFIELDS = 7;

export const rip6stat_names: readonly string[] = ["rip6s_ipackets", "rip6s_isum", "rip6s_badsum", "rip6s_nosock", "rip6s_nosockmcast", "rip6s_fullsock", "rip6s_opackets"];
export const rip6stat = VNET_DEFINE_U64("rip6stat", RIP6STAT_NFIELDS);

export function RIP6STAT_INC(field: number): void {
  VNET_U64_ADD(rip6stat + field, 1);
}

/** net.inet6.ip6.rip6stats (IPV6CTL_RIP6STATS; in6_proto.c in FreeBSD). */
const IPV6CTL_RIP6STATS = 36;
SYSCTL_VNET_PCPUSTAT(_net_inet6_ip6, IPV6CTL_RIP6STATS, "rip6stats", rip6stat, RIP6STAT_NFIELDS, "rip6stat", "Raw IP6 statistics (struct rip6stat, netinet6/raw_ip6.h)");

// ---------------------------------------------------------------------------
// Input.

const fromsa = new sockaddr_in6();
const rin_src = new in6_addr();
const rin_dst = new in6_addr();

/** rip6_inp_match: an IPv6 raw socket this datagram is for. */
function rip6_inp_match(inp: inpcb, proto: number): boolean {
  if ((inp.inp_vflag & INP_IPV6) === 0) return false;
  if (inp.inp_ip_p !== 0 && inp.inp_ip_p !== proto) return false;
  if (!IN6_IS_ADDR_UNSPECIFIED(inp.in6p_laddr) && !IN6_ARE_ADDR_EQUAL(inp.in6p_laddr, rin_dst)) return false;
  if (!IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr) && !IN6_ARE_ADDR_EQUAL(inp.in6p_faddr, rin_src)) return false;
  return true;
}

/**
 * rip6_input(mp, offp, proto): deliver to the raw IPv6 sockets; the
 * upper-layer header is at *offp.  ICMPv6 (from icmp6_input) goes only to
 * IPPROTO_ICMPV6 sockets whose filter passes its type, and an unclaimed one
 * is just dropped.  Consumes the packet.
 */
export function rip6_input(mp: mbufp, offp: intp, proto: number): number {
  const m = mp.m;
  mp.m = null;
  if (m === null) return IPPROTO_DONE;
  const off = offp.v;
  const icmp = proto === IPPROTO_ICMPV6;
  if (!icmp) RIP6STAT_INC(rip6s_ipackets);
  init_sin6(fromsa, m, 0);
  in6_addr_read(m.m_buf, m.m_data + IP6_OFF_SRC, rin_src);
  in6_addr_read(m.m_buf, m.m_data + IP6_OFF_DST, rin_dst);
  const icmp6_type = icmp && m.m_len > off ? m.m_buf[m.m_data + off + ICMP6_OFF_TYPE] : -1;
  let delivered = 0;
  const list = V_ripcbinfo_pcbinfo().ipi_listhead;
  for (let i = 0; i < list.length; i++) {
    const inp = list[i];
    if (!rip6_inp_match(inp, proto)) continue;
    const so = inp.inp_socket;
    if (so === null) continue;
    if (icmp) {
      if (inp.inp_ip_p !== IPPROTO_ICMPV6) continue;
      if (icmp6_filter_willblock(inp, icmp6_type)) continue;
    }
    if (inp.in6p_cksum !== -1) {
      RIP6STAT_INC(rip6s_isum);
      if (m.m_pkthdr.len - (off + inp.in6p_cksum) < 2 || in6_cksum(m, proto, off, m.m_pkthdr.len - off) !== 0) {
        // Dropped without an ICMPv6 error (IPPROTO_NONE says so below).
        RIP6STAT_INC(rip6s_badsum);
        proto = IPPROTO_NONE;
        break;
      }
    }
    // A multicast needs the socket's membership; MLD, which always
    // carries a router alert, passes (the routing daemons filter it).
    const imo = in6p_moptions(inp);
    if (imo !== null && IN6_IS_ADDR_MULTICAST(rin_dst) && (m.m_flags & M_RTALERT_MLD) === 0) {
      if (im6o_mc_filter(imo, m.m_pkthdr.rcvif as ifnet, rin_dst, rin_src) !== MCAST_PASS) {
        IP6STAT_INC(ip6s_notmember);
        continue;
      }
    }
    const n = m_copym(m, 0, M_COPYALL, M_NOWAIT);
    if (n === null) continue;
    // The ancillary data the socket asked for (IPV6_RECVHOPLIMIT, ...).
    const opts = rin_opts;
    opts.m = null;
    if ((inp.inp_flags & IN6P_CONTROLOPTS) !== 0) ip6_savecontrol(inp, n, opts);
    // The intermediate headers go; the socket sees its protocol's header.
    m_adj(n, off);
    if (sbappendaddr_locked(so.so_rcv, fromsa, n, opts.m) === 0) {
      soroverflow_locked(so);
      m_freem(n);
      m_freem(opts.m);
      if (!icmp) RIP6STAT_INC(rip6s_fullsock);
    } else {
      sorwakeup_locked(so);
      delivered++;
    }
  }
  if (delivered === 0) {
    if (icmp) m_freem(m);
    else {
      RIP6STAT_INC(rip6s_nosock);
      if ((m.m_flags & M_MCAST) !== 0) RIP6STAT_INC(rip6s_nosockmcast);
      if (proto === IPPROTO_NONE) m_freem(m);
      else icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_NEXTHEADER, ip6_get_prevhdr(m, off));
      // icmp6_rip6_input does not take back the delivery ip6_input counted.
      IP6STAT_SUB(ip6s_delivered, 1);
    }
  } else m_freem(m);
  return IPPROTO_DONE;
}

/**
 * ip6_get_prevhdr(m, off): the offset of the next-header field that names
 * the header at off (the fixed header's, or the extension header's before
 * it), what a parameter problem points at.
 */
function ip6_get_prevhdr(m: mbuf, off: number): number {
  if (off === IP6_HDR_LEN) return IP6_OFF_NXT;
  const b = m.m_buf;
  const ip6 = m.m_data;
  let nxt = b[ip6 + IP6_OFF_NXT];
  let len = IP6_HDR_LEN;
  let prev = IP6_OFF_NXT;
  while (len < off && len + 2 <= m.m_len) {
    prev = len;
    const hlen = nxt === 44 ? 8 : nxt === 51 ? (b[ip6 + len + 1] + 2) << 2 : (b[ip6 + len + 1] + 1) << 3;
    nxt = b[ip6 + len];
    len += hlen;
  }
  return prev;
}

/** rip6_ctlinput: an ICMPv6 error for a raw socket's packet. */
export function rip6_ctlinput(ip6cp: ip6ctlparam): void {
  const m = ip6cp.ip6c_m;
  if (m === null || ip6cp.ip6c_finaldst === null) return;
  const errno = icmp6_errmap(m, ip6cp.ip6c_icmp6);
  if (errno !== 0) in6_pcbnotify(V_ripcbinfo_pcbinfo(), ip6cp.ip6c_finaldst, 0, ip6cp.ip6c_src, 0, errno, ip6cp.ip6c_cmdarg, in6_rtchange);
}

// ---------------------------------------------------------------------------
// Output.

const send_tmp = new sockaddr_in6();
/** The holder of ip6_savecontrol's chain (rip6_input's opts). */
const rin_opts: { m: mbuf | null } = { m: null };
const send_in6a = new in6_addr();
const send_hlim: intp = { v: 0 };
const send_oifp: { ifp: ifnet | null } = { ifp: null };

/**
 * rip6_send: the IPv6 header in front of the caller's data (ip6_plen is
 * ip6_output's to fill), the checksum for ICMPv6 or IPV6_CHECKSUM, then
 * ip6_output.  Consumes m.
 */
export function rip6_send(so: socket, _flags: number, m0: mbuf, nam: sockaddr | null, control: mbuf | null, _td: thread | null): number {
  const inp = sotoinpcb(so);
  let m: mbuf | null = m0;
  const plen = m.m_pkthdr.len;
  let error = 0;
  const dstsock = send_tmp;
  let ctlopt: ip6_pktopts | null = null;
  // Always a copy of the address: it is changed below.
  if ((so.so_state & SS_ISCONNECTED) !== 0) {
    if (nam !== null) {
      m_freem(control);
      m_freem(m);
      return EISCONN;
    }
    dstsock.sin6_len = 28;
    dstsock.sin6_family = AF_INET6;
    dstsock.sin6_port = 0;
    dstsock.sin6_flowinfo = 0;
    dstsock.sin6_scope_id = 0;
    in6_addr_copy(dstsock.sin6_addr, inp.in6p_faddr);
  } else {
    if (nam === null) error = ENOTCONN;
    else if (!("sin6_addr" in nam) || nam.sin6_family !== AF_INET6) error = EAFNOSUPPORT;
    else if (nam.sin6_len !== 28) error = EINVAL;
    if (error !== 0 || nam === null || !("sin6_addr" in nam)) {
      m_freem(control);
      m_freem(m);
      return error;
    }
    dstsock.sin6_len = nam.sin6_len;
    dstsock.sin6_family = nam.sin6_family;
    dstsock.sin6_port = nam.sin6_port;
    dstsock.sin6_flowinfo = nam.sin6_flowinfo;
    in6_addr_copy(dstsock.sin6_addr, nam.sin6_addr);
    dstsock.sin6_scope_id = nam.sin6_scope_id;
  }
  bad: {
    let optp = inp.in6p_outputopts;
    if (control !== null) {
      // This packet's own options (IPV6_PKTINFO, IPV6_HOPLIMIT, ...) over
      // the socket's sticky ones.
      ctlopt = new ip6_pktopts();
      error = ip6_setpktopts(control, ctlopt, optp, so.so_cred, so.so_proto.pr_protocol);
      if (error !== 0) break bad;
      optp = ctlopt;
    }
    let scope_ambiguous = 0;
    if ((so.so_state & SS_ISCONNECTED) === 0) {
      let use_defzone = 0;
      if (optp === null || optp.ip6po_pktinfo === null || optp.ip6po_pktinfo.ipi6_ifindex === 0) use_defzone = VNET_I32(ip6_use_defzone);
      if (dstsock.sin6_scope_id === 0 && use_defzone === 0) scope_ambiguous = 1;
      error = sa6_embedscope(dstsock, use_defzone);
      if (error !== 0) break bad;
    }
    // ICMPv6's type and code, for the output statistics.
    let type = 0;
    let code = 0;
    if (inp.inp_ip_p === IPPROTO_ICMPV6) {
      if (m.m_len < 4) {
        m = m_pullup(m, 4);
        if (m === null) {
          error = ENOBUFS;
          break bad;
        }
      }
      type = m.m_buf[m.m_data + ICMP6_OFF_TYPE];
      code = m.m_buf[m.m_data + ICMP6_OFF_CODE];
    }
    const mm = M_PREPEND(m, IP6_HDR_LEN, M_NOWAIT);
    m = mm;
    if (mm === null) {
      error = ENOBUFS;
      break bad;
    }
    // Source address selection.
    error = in6_selectsrc_socket(dstsock, optp, inp, so.so_cred, scope_ambiguous, send_in6a, send_hlim);
    if (error !== 0) break bad;
    const ip6 = mm.m_data;
    const dv = mm.m_dv;
    in6_addr_write(mm.m_buf, ip6 + IP6_OFF_SRC, send_in6a);
    in6_addr_write(mm.m_buf, ip6 + IP6_OFF_DST, dstsock.sin6_addr);
    dv.setUint32(ip6 + IP6_OFF_FLOW, ((IPV6_VERSION << 24) | (inp.inp_flow & IPV6_FLOWINFO_MASK)) >>> 0);
    dv.setUint16(ip6 + 4, 0);
    mm.m_buf[ip6 + IP6_OFF_NXT] = inp.inp_ip_p;
    mm.m_buf[ip6 + IP6_OFF_HLIM] = send_hlim.v;
    if (inp.inp_ip_p === IPPROTO_ICMPV6 || inp.in6p_cksum !== -1) {
      let off = inp.inp_ip_p === IPPROTO_ICMPV6 ? ICMP6_OFF_CKSUM : inp.in6p_cksum;
      if (plen < off + 2) {
        error = EINVAL;
        break bad;
      }
      off += IP6_HDR_LEN;
      let n: mbuf | null = mm;
      while (n !== null && n.m_len <= off) {
        off -= n.m_len;
        n = n.m_next;
      }
      if (n === null) break bad;
      n.m_buf[n.m_data + off] = 0;
      n.m_buf[n.m_data + off + 1] = 0;
      const sum = in6_cksum(mm, inp.inp_ip_p, IP6_HDR_LEN, plen);
      n.m_buf[n.m_data + off] = sum >>> 8;
      n.m_buf[n.m_data + off + 1] = sum & 0xff;
    }
    send_oifp.ifp = null;
    m = null;
    // ROUTE_MPATH: the socket's flow, hashed from its addresses and protocol.
    if (CALC_FLOWID_OUTBOUND()) {
      inp.inp_flowid = fib6_calc_software_hash(inp.in6p_laddr, dstsock.sin6_addr, 0, 0, so.so_proto.pr_protocol);
      inp.inp_flowtype = M_HASHTYPE_OPAQUE_HASH;
    }
    error = ip6_output(mm, optp, null, 0, in6p_moptions(inp), send_oifp, inp);
    if (inp.inp_ip_p === IPPROTO_ICMPV6) {
      if (send_oifp.ifp !== null) icmp6_ifoutstat_inc(send_oifp.ifp, type, code);
      ICMP6STAT_INC2(icp6s_outhist, type);
    } else RIP6STAT_INC(rip6s_opackets);
    if (control !== null) {
      ip6_clearpktopts(ctlopt, -1);
      m_freem(control);
    }
    return error;
  }
  m_freem(m);
  if (control !== null) {
    ip6_clearpktopts(ctlopt, -1);
    m_freem(control);
  }
  return error;
}

// ---------------------------------------------------------------------------
// Socket options.

/**
 * ip6_raw_ctloutput (ip6_output.c): IPV6_CHECKSUM, the offset of the
 * checksum the kernel computes on output and verifies on input.  FreeBSD
 * takes only a non-negative even offset (its test of -1 is C's remainder,
 * which refuses -1 too); an ICMPv6 socket's offset is fixed at 2, and
 * setting it to anything else is EINVAL.
 */
function ip6_raw_ctloutput(so: socket, sopt: sockopt): number {
  const inp = sotoinpcb(so);
  const icmp6off = ICMP6_OFF_CKSUM;
  if (sopt.sopt_level !== IPPROTO_IPV6 || sopt.sopt_name !== IPV6_CHECKSUM) return EINVAL;
  if (sopt.sopt_dir === SOPT_SET) {
    if (sopt.sopt_valsize !== 4) return EINVAL;
    const { error, val } = sooptcopyin_int(sopt);
    if (error !== 0) return error;
    if (val < -1 || val % 2 !== 0) return EINVAL;
    if (inp.inp_ip_p === IPPROTO_ICMPV6) return val !== icmp6off ? EINVAL : 0;
    inp.in6p_cksum = val;
    return 0;
  }
  KASSERT(sopt.sopt_dir === SOPT_GET, "ip6_raw_ctloutput: bad direction");
  return sooptcopyout_int(sopt, inp.inp_ip_p === IPPROTO_ICMPV6 ? icmp6off : inp.in6p_cksum);
}

/** rip6_ctloutput: IPPROTO_ICMPV6 (ICMP6_FILTER) to icmp6_ctloutput,
 *  IPV6_CHECKSUM here, the rest of IPPROTO_IPV6 to ip6_ctloutput; of the
 *  socket level only SO_SETFIB concerns the PCB. */
export function rip6_ctloutput(so: socket, sopt: sockopt): number {
  const inp = sotoinpcb(so);
  if (sopt.sopt_level === IPPROTO_ICMPV6) return icmp6_ctloutput(so, sopt);
  if (sopt.sopt_level !== IPPROTO_IPV6) {
    if (sopt.sopt_level === SOL_SOCKET && sopt.sopt_name === SO_SETFIB) {
      inp.inp_inc.inc_fibnum = so.so_fibnum;
      return 0;
    }
    return EINVAL;
  }
  if (sopt.sopt_name === IPV6_CHECKSUM) return ip6_raw_ctloutput(so, sopt);
  return ip6_ctloutput(so, sopt);
}

// ---------------------------------------------------------------------------
// User requests.

/** rip6_attach: PRIV_NETINET_RAW, raw IP's buffers and table; no checksum
 *  offset; an ICMPv6 socket's filter starts passing everything. */
function rip6_attach(so: socket, proto: number, td: thread | null): number {
  KASSERT(so.so_pcb === null, "rip6_attach: inp != NULL");
  if (td !== null) {
    const error = priv_check_cred(td.td_ucred, PRIV_NETINET_RAW);
    if (error !== 0) return error;
  }
  if (proto >= IPPROTO_MAX || proto < 0) return EPROTONOSUPPORT;
  let error = soreserve(so, rip_sendspace.v, rip_recvspace.v);
  if (error !== 0) return error;
  error = in_pcballoc(so, V_ripcbinfo_pcbinfo());
  if (error !== 0) return error;
  const inp = sotoinpcb(so);
  inp.inp_ip_p = proto;
  inp.in6p_cksum = -1;
  return 0;
}

function rip6_detach(so: socket): void {
  in_pcbfree(sotoinpcb(so));
}

function rip6_abort(so: socket): void {
  soisdisconnected(so);
}

function rip6_close(so: socket): void {
  soisdisconnected(so);
}

function rip6_disconnect(so: socket): number {
  if ((so.so_state & SS_ISCONNECTED) === 0) return ENOTCONN;
  in6_addr_copy(sotoinpcb(so).in6p_faddr, in6addr_any);
  rip6_abort(so);
  return 0;
}

/** rip6_bind: one of our usable (not anycast, tentative, detached or
 *  deprecated) addresses, or ::. */
function rip6_bind(so: socket, nam: sockaddr, _td: thread | null): number {
  const inp = sotoinpcb(so);
  if (SA_FAMILY(nam) !== AF_INET6) return EAFNOSUPPORT;
  if (SA_LEN(nam) !== 28 || !("sin6_addr" in nam)) return EINVAL;
  const addr = nam;
  if (V_ifnet().length === 0) return EADDRNOTAVAIL;
  const error = sa6_embedscope(addr, VNET_I32(ip6_use_defzone));
  if (error !== 0) return error;
  if (!IN6_IS_ADDR_UNSPECIFIED(addr.sin6_addr)) {
    const ia = in6ifa_ifwithaddr(addr.sin6_addr, 0);
    if (ia === null) return EADDRNOTAVAIL;
    // Departure from FreeBSD 14.0: anycast addresses may be bound, as
    // FreeBSD allows since review D49905 (2025; RFC 4291 lifted the ban on
    // anycast sources), which addr6.sh's anycast case tests; addresses not
    // ready, detached or deprecated still may not.
    if ((ia.ia6_flags & (IN6_IFF_NOTREADY | IN6_IFF_DETACHED | IN6_IFF_DEPRECATED)) !== 0) return EADDRNOTAVAIL;
  }
  in6_addr_copy(inp.in6p_laddr, addr.sin6_addr);
  return 0;
}

const conn_in6a = new in6_addr();

/** rip6_connect: remember the peer, and bind the source toward it. */
function rip6_connect(so: socket, nam: sockaddr, _td: thread | null): number {
  const inp = sotoinpcb(so);
  if (SA_LEN(nam) !== 28) return EINVAL;
  if (V_ifnet().length === 0) return EADDRNOTAVAIL;
  if (SA_FAMILY(nam) !== AF_INET6 || !("sin6_addr" in nam)) return EAFNOSUPPORT;
  const addr = nam;
  let scope_ambiguous = 0;
  if (addr.sin6_scope_id === 0 && VNET_I32(ip6_use_defzone) === 0) scope_ambiguous = 1;
  let error = sa6_embedscope(addr, VNET_I32(ip6_use_defzone));
  if (error !== 0) return error;
  error = in6_selectsrc_socket(addr, inp.in6p_outputopts, inp, so.so_cred, scope_ambiguous, conn_in6a, null);
  if (error !== 0) return error;
  in6_addr_copy(inp.in6p_faddr, addr.sin6_addr);
  in6_addr_copy(inp.in6p_laddr, conn_in6a);
  soisconnected(so);
  return 0;
}

function rip6_shutdown(so: socket): number {
  socantsendmore(so);
  return 0;
}

/** rip6_protosw: SOCK_RAW, any protocol, in PF_INET6. */
export const rip6_protosw: protosw = {
  pr_type: SOCK_RAW,
  // Read when used: the bundle may load this file before in6_proto.ts.
  get pr_domain() {
    return inet6domain;
  },
  pr_protocol: 0,
  pr_flags: PR_ATOMIC | PR_ADDR,
  pr_ctloutput: rip6_ctloutput,
  pr_abort: rip6_abort,
  pr_attach: rip6_attach,
  pr_bind: rip6_bind,
  pr_connect: rip6_connect,
  pr_detach: rip6_detach,
  pr_disconnect: rip6_disconnect,
  pr_peeraddr: in6_getpeeraddr,
  pr_send: rip6_send,
  pr_shutdown: rip6_shutdown,
  pr_sockaddr: in6_getsockaddr,
  pr_close: rip6_close,
  // in6_control with no interface: the address selection policy requests.
  pr_control: (_so, cmd, data, td) => in6_control(cmd, data, null, td === null ? null : td.td_ucred),
};

/** rip6_init: raw IPv6 among inet6's protocols for socket(2), its PCBs
 *  among those in6_pcbpurgeif0 walks. */
function rip6_init(): void {
  pf_proto_register(PF_INET6, rip6_protosw);
  in6_pcbpurge_register(V_ripcbinfo_pcbinfo);
}
SYSINIT("rip6_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, rip6_init);
