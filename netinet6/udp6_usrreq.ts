// sys/netinet6/udp6_usrreq.c: UDP over IPv6.  The PCBs are UDP's own
// (V_udbinfo, netinet/udp_usrreq.ts), and so are the counters (udpstat:
// netstat -s -p udp counts both families, as FreeBSD's does).  Input checks
// the length and the checksum, which IPv6 makes mandatory (a zero checksum
// is dropped unless the port is net.inet6.udp6.rfc6935_port), finds the
// socket (connected, then bound to the destination, then to ::), gives a
// copy to every member socket of a multicast group, and answers a datagram
// nobody wants with ICMPv6 port unreachable.  Output picks the source
// (in6_selectsrc), binds an ephemeral port when needed and computes the
// checksum.  An AF_INET6 socket that is not IPV6_V6ONLY sends to and is
// reached from IPv4 through v4-mapped addresses (::ffff:a.b.c.d): those go
// to udp_usrreq.ts.
//
// Departures: no UDP-Lite; no IPV6_ORIGDSTADDR on receive; the
// checksum is computed whole in udp6_send rather than left to ip6_output
// (CSUM_UDP_IPV6), which gives the same bytes; no kernel tunnel consumers
// (udp_set_kernel_tunneling) on AF_INET6 sockets.

import { CALC_FLOWID_OUTBOUND } from "../net/route/mpath_ctl.ts";
import { M_HASHTYPE_OPAQUE_HASH } from "../netinet/in_fib.ts";
import { IP_NODEFAULTFLOWID, is_ip_fwd_tag } from "../netinet/ip_var.ts";
import { m_tag_delete, m_tag_locate } from "../kern/uipc_mbuf2.ts";
import { fib6_calc_packet_hash } from "./in6_fib.ts";
import { EADDRNOTAVAIL, EAFNOSUPPORT, EINVAL, EISCONN, ENOBUFS, ENOPROTOOPT, ENOTCONN } from "../kern/errno.ts";
import { KASSERT, log, printf } from "../kern/subr_prf.ts";
import { SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN, SYSINIT } from "../kern/kernel.ts";
import { CSUM_DATA_VALID, CSUM_PSEUDO_HDR, M_COPYALL, M_MCAST, type mbuf } from "../kern/mbuf.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { M_PREPEND, m_adj, m_copym, m_pullup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import type { thread } from "../kern/kern_prot.ts";
import { AF_INET6, PF_INET6, SOCK_DGRAM, SO_REUSEADDR, SO_REUSEPORT, SO_REUSEPORT_LB, type sockaddr } from "../kern/socket.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, OID_AUTO, SYSCTL_INT, SYSCTL_NODE } from "../kern/sysctl.ts";
import {
  PR_ADDR,
  PR_ATOMIC,
  PR_CAPATTACH,
  PRUS_IPV6,
  SS_ISCONNECTED,
  pf_proto_register,
  sbappendaddr_locked,
  soisconnected,
  soisdisconnected,
  soreserve,
  soroverflow_locked,
  sorwakeup_locked,
  type protosw,
  type socket,
  type sockopt,
} from "../kern/uipc_socket.ts";
import { VNET_DEFINE_INT, VNET_I32 } from "../net/vnet.ts";
import type { ifnet } from "../net/if.ts";
import { INADDR_ANY, IPPROTO_UDP, sockaddr_in } from "../netinet/in.ts";
import { UDP_HDRLEN, UH_DPORT, UH_SPORT, UH_SUM, UH_ULEN } from "../netinet/ip.ts";
import {
  INPLOOKUP_RLOCKPCB,
  INPLOOKUP_WILDCARD,
  INP_IPV4,
  INP_IPV6,
  in_pcballoc,
  in_pcbconnect,
  in_pcbbind,
  in_pcbfree,
  sotoinpcb,
  type inpcb,
} from "../netinet/in_pcb.ts";
import {
  UDPSTAT_INC,
  V_udbinfo,
  udp_abort,
  udp_blackhole,
  udp_blackhole_local,
  udp_disconnect,
  udp_log_in_vain,
  udp_notify,
  udp_recvspace,
  udp_send,
  udp_sendspace,
  udp_shutdown,
  udpcb,
  udps_badlen,
  udps_badsum,
  udps_filtermcast,
  udps_fullsock,
  udps_ipackets,
  udps_noport,
  udps_noportmcast,
  udps_nosum,
  udps_opackets,
} from "../netinet/udp_usrreq.ts";
import { V_ip_defttl } from "../netinet/raw_ip.ts";
import { IP6_HDR_LEN, IP6_OFF_DST, IP6_OFF_FLOW, IP6_OFF_HLIM, IP6_OFF_NXT, IP6_OFF_PLEN, IP6_OFF_SRC, IPV6_FLOWINFO_MASK, IPV6_VERSION } from "../netinet/ip6.ts";
import { ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT } from "../netinet/icmp6.ts";
import { in6_control, in6_localaddr, in6_sin6_2_sin } from "./in6.ts";
import {
  in6_mapped_peeraddr,
  in6_mapped_sockaddr,
  in6_pcbbind,
  in6_pcbconnect,
  in6_pcbdisconnect,
  in6_pcblookup_mbuf,
  in6_pcbnotify,
  in6_pcbpurge_register,
  in6_pcbsetport,
  init_sin6,
} from "./in6_pcb.ts";
import { MCAST_MUTED, MCAST_NOTGMEMBER, MCAST_NOTSMEMBER, MCAST_PASS, im6o_mc_filter, in6p_moptions } from "./in6_mcast.ts";
import { in6_selecthlim, in6_selectsrc_socket } from "./in6_src.ts";
import { ip6_use_defzone, sa6_embedscope } from "./scope6.ts";
import { ip6_clearpktopts, ip6_ctloutput, ip6_output, ip6_setpktopts } from "./ip6_output.ts";
import { ip6_savecontrol, ip6proto_register } from "./ip6_input.ts";
import { in6_cksum } from "./in6_cksum.ts";
import { icmp6_errmap, icmp6_error } from "./icmp6.ts";
import { IN6P_CONTROLOPTS, IN6P_IPV6_V6ONLY, IP6STAT_INC, M_IP6_NEXTHOP, ip6_pktopts, _net_inet6, ip6s_exthdrtoolong, ip6s_notmember, IPPROTO_DONE, type intp, type ip6ctlparam, type mbufp } from "./ip6_var.ts";
import { inet6domain } from "./in6_proto.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, IN6_IS_ADDR_V4MAPPED, in6_addr, in6_addr_read, in6_addr_write, inet_ntop6, s6_addr32, sockaddr_in6 } from "./in6_var.ts";

/** net.inet6.udp6 (in6_proto.c declares the node in FreeBSD). */
export const _net_inet6_udp6 = SYSCTL_NODE(_net_inet6, IPPROTO_UDP, "udp6", CTLFLAG_RW, null, "UDP6");

/** V_zero_checksum_port: the one port where a zero checksum is accepted
 *  (RFC 6935), 0 for none. */
export const zero_checksum_port = VNET_DEFINE_INT("zero_checksum_port", 0);
SYSCTL_INT(_net_inet6_udp6, OID_AUTO, "rfc6935_port", CTLFLAG_VNET | CTLFLAG_RW, zero_checksum_port, 0, "Zero UDP checksum allowed for traffic to/from this port.");

// ---------------------------------------------------------------------------
// Input.

/** fromsa[0]: the sender; fromsa[1]: the destination (kept, reused). */
const fromsa: readonly [sockaddr_in6, sockaddr_in6] = [new sockaddr_in6(), new sockaddr_in6()];
const in_src = new in6_addr();
const in_dst = new in6_addr();

/** ip6_savecontrol's chain for the datagram being queued (kept). */
const append_opts: { m: mbuf | null } = { m: null };

/** udp6_append(inp, n, off, fromsa): queue the datagram (its UDP header at
 *  off) on the socket with the sender's address, and the ancillary data
 *  the socket asked for (IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, ...). */
function udp6_append(inp: inpcb, n: mbuf, off: number, from: readonly [sockaddr_in6, sockaddr_in6]): number {
  const so = inp.inp_socket;
  if (so === null) {
    m_freem(n);
    return 0;
  }
  const opts = append_opts;
  opts.m = null;
  if ((inp.inp_flags & IN6P_CONTROLOPTS) !== 0) ip6_savecontrol(inp, n, opts);
  m_adj(n, off + UDP_HDRLEN);
  if (sbappendaddr_locked(so.so_rcv, from[0], n, opts.m) === 0) {
    soroverflow_locked(so);
    m_freem(n);
    m_freem(opts.m);
    UDPSTAT_INC(udps_fullsock);
  } else sorwakeup_locked(so);
  opts.m = null;
  return 0;
}

/** udp6_multi_match: an IPv6 socket a multicast datagram is for. */
function udp6_multi_match(inp: inpcb, src: in6_addr, dst: in6_addr, sport: number, dport: number): boolean {
  if ((inp.inp_vflag & INP_IPV6) === 0) return false;
  if (inp.inp_lport !== dport) return false;
  if (inp.inp_fport !== 0 && inp.inp_fport !== sport) return false;
  if (!IN6_IS_ADDR_UNSPECIFIED(inp.in6p_laddr) && !IN6_ARE_ADDR_EQUAL(inp.in6p_laddr, dst)) return false;
  if (!IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr) && (!IN6_ARE_ADDR_EQUAL(inp.in6p_faddr, src) || inp.inp_fport !== sport)) return false;
  return true;
}

/**
 * udp6_multi_input: a copy to every matching socket the group filter lets
 * it through to, until one that does not share its port ends the search.
 */
function udp6_multi_input(m: mbuf, off: number, _proto: number, from: readonly [sockaddr_in6, sockaddr_in6]): number {
  const ip6 = m.m_data;
  const dv = m.m_dv;
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, in_src);
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, in_dst);
  const sport = dv.getUint16(ip6 + off + UH_SPORT);
  const dport = dv.getUint16(ip6 + off + UH_DPORT);
  const list = V_udbinfo().ipi_listhead;
  let appends = 0;
  for (let i = 0; i < list.length; i++) {
    const inp = list[i];
    if (!udp6_multi_match(inp, in_src, in_dst, sport, dport)) continue;
    // Any-source and source-specific delivery policy (RFC 3678), for a
    // socket that has multicast options; one without hears what the
    // interface receives.
    const imo = in6p_moptions(inp);
    if (imo !== null) {
      const blocked = im6o_mc_filter(imo, m.m_pkthdr.rcvif as ifnet, in_dst, in_src);
      if (blocked !== MCAST_PASS) {
        if (blocked === MCAST_NOTGMEMBER) IP6STAT_INC(ip6s_notmember);
        if (blocked === MCAST_NOTSMEMBER || blocked === MCAST_MUTED) UDPSTAT_INC(udps_filtermcast);
        continue;
      }
    }
    const n = m_copym(m, 0, M_COPYALL, M_NOWAIT);
    if (n !== null) {
      if (udp6_append(inp, n, off, from) !== 0) break;
      appends++;
    }
    const so = inp.inp_socket;
    if (so === null || (so.so_options & (SO_REUSEPORT | SO_REUSEPORT_LB | SO_REUSEADDR)) === 0) break;
  }
  m_freem(m);
  if (appends === 0) {
    // Unclaimed multicast: dropped and counted, never answered.
    UDPSTAT_INC(udps_noport);
    UDPSTAT_INC(udps_noportmcast);
  }
  return IPPROTO_DONE;
}

/**
 * udp6_input(mp, offp, proto): a UDP datagram for us, the IPv6 header at
 * the start of *mp, the UDP header at *offp.  Consumes the packet.
 */
/** A fwd tag's next hop, as the lookup takes it (no allocation per datagram). */
const fwd_next_hop6 = new in6_addr();

export function udp6_input(mp: mbufp, offp: intp, proto: number): number {
  let m = mp.m;
  mp.m = null;
  if (m === null) return IPPROTO_DONE;
  const off = offp.v;
  if (m.m_len < off + UDP_HDRLEN) {
    m = m_pullup(m, off + UDP_HDRLEN);
    if (m === null) {
      IP6STAT_INC(ip6s_exthdrtoolong);
      return IPPROTO_DONE;
    }
  }
  const ip6 = m.m_data;
  const dv = m.m_dv;
  const uh = ip6 + off;
  UDPSTAT_INC(udps_ipackets);
  bad: {
    // RFC 768 gives destination port 0 no meaning.
    if (dv.getUint16(uh + UH_DPORT) === 0) break bad;
    const plen = dv.getUint16(ip6 + IP6_OFF_PLEN) - off + IP6_HDR_LEN;
    const ulen = dv.getUint16(uh + UH_ULEN);
    if (ulen < UDP_HDRLEN || plen !== ulen) {
      UDPSTAT_INC(udps_badlen);
      break bad;
    }
    skip: {
      if (dv.getUint16(uh + UH_SUM) === 0) {
        UDPSTAT_INC(udps_nosum);
        // Port 0 was refused above, so this holds even with the knob at 0.
        if (dv.getUint16(uh + UH_DPORT) === VNET_I32(zero_checksum_port)) break skip;
        break bad;
      }
      let uh_sum: number;
      if ((m.m_pkthdr.csum_flags & CSUM_DATA_VALID) !== 0 && (m.m_pkthdr.csum_flags & CSUM_PSEUDO_HDR) !== 0) uh_sum = m.m_pkthdr.csum_data ^ 0xffff;
      else uh_sum = in6_cksum(m, proto, off, ulen);
      if (uh_sum !== 0) {
        UDPSTAT_INC(udps_badsum);
        break bad;
      }
    }
    // The sender and the destination as sockaddrs, zones recovered.
    init_sin6(fromsa[0], m, 0);
    fromsa[0].sin6_port = dv.getUint16(uh + UH_SPORT);
    init_sin6(fromsa[1], m, 1);
    fromsa[1].sin6_port = dv.getUint16(uh + UH_DPORT);

    in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, in_src);
    in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, in_dst);
    if (IN6_IS_ADDR_MULTICAST(in_dst)) return udp6_multi_input(m, off, proto, fromsa);

    const ifp = m.m_pkthdr.rcvif as ifnet | null;
    // A firewall's fwd to one of our addresses: as udp_input does.
    let inp: inpcb | null;
    const fwd_tag = (m.m_flags & M_IP6_NEXTHOP) !== 0 ? m_tag_locate(m, is_ip_fwd_tag, null) : null;
    if (fwd_tag !== null) {
      inp = in6_pcblookup_mbuf(V_udbinfo(), in_src, fromsa[0].sin6_port, in_dst, fromsa[1].sin6_port, INPLOOKUP_RLOCKPCB, ifp, m);
      if (inp === null) {
        fwd_next_hop6.s6_addr.set(fwd_tag.sin6_addr);
        inp = in6_pcblookup_mbuf(V_udbinfo(), in_src, fromsa[0].sin6_port, fwd_next_hop6, fwd_tag.sin6_port !== 0 ? fwd_tag.sin6_port : fromsa[1].sin6_port, INPLOOKUP_WILDCARD | INPLOOKUP_RLOCKPCB, ifp, m);
      }
      m_tag_delete(m, fwd_tag);
      m.m_flags &= ~M_IP6_NEXTHOP;
    } else inp = in6_pcblookup_mbuf(V_udbinfo(), in_src, fromsa[0].sin6_port, in_dst, fromsa[1].sin6_port, INPLOOKUP_WILDCARD | INPLOOKUP_RLOCKPCB, ifp, m);
    if (inp === null) {
      if (VNET_I32(udp_log_in_vain) !== 0) {
        log(6 /* LOG_INFO */, `Connection attempt to UDP [${inet_ntop6(in_dst)}]:${fromsa[1].sin6_port} from [${inet_ntop6(in_src)}]:${fromsa[0].sin6_port}\n`);
      }
      UDPSTAT_INC(udps_noport);
      if ((m.m_flags & M_MCAST) !== 0) {
        printf("UDP6: M_MCAST is set in a unicast packet.\n");
        UDPSTAT_INC(udps_noportmcast);
        break bad;
      }
      if (VNET_I32(udp_blackhole) !== 0 && (VNET_I32(udp_blackhole_local) !== 0 || !in6_localaddr(in_src))) break bad;
      icmp6_error(m, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT, 0);
      return IPPROTO_DONE;
    }
    udp6_append(inp, m, off, fromsa);
    return IPPROTO_DONE;
  }
  m_freem(m);
  return IPPROTO_DONE;
}

const ctl_ports = new Uint8Array(4);

/**
 * udp6_ctlinput(ip6cp): an ICMPv6 error quoting a datagram we sent.  A
 * kernel tunnel hears it first; then every socket talking to the quoted
 * destination from the quoted source and ports gets the error (udp_notify:
 * so_error, and the reader woken).
 */
export function udp6_ctlinput(ip6cp: ip6ctlparam): void {
  const m = ip6cp.ip6c_m;
  if (m === null) return;
  const errno = icmp6_errmap(m, ip6cp.ip6c_icmp6);
  if (errno === 0) return;
  const off = ip6cp.ip6c_off;
  // Both ports must be in the quote.
  if (m.m_pkthdr.len < off + 4) return;
  const b = ctl_ports;
  m_copydata_small(m, off, 4, b);
  const sport = (b[0] << 8) | b[1];
  const dport = (b[2] << 8) | b[3];
  const finaldst = ip6cp.ip6c_finaldst;
  if (finaldst === null) return;
  in6_pcbnotify(V_udbinfo(), finaldst, dport, ip6cp.ip6c_src, sport, errno, ip6cp.ip6c_cmdarg, udp_notify);
}

/** m_copydata for a few bytes. */
function m_copydata_small(m: mbuf, off: number, len: number, out: Uint8Array): void {
  let n: mbuf | null = m;
  let o = off;
  while (n !== null && o >= n.m_len) {
    o -= n.m_len;
    n = n.m_next;
  }
  for (let i = 0; i < len && n !== null; i++) {
    out[i] = n.m_buf[n.m_data + o];
    if (++o === n.m_len) {
      n = n.m_next;
      o = 0;
    }
  }
}

// ---------------------------------------------------------------------------
// Output.

const send_in6a = new in6_addr();
/** The options of one datagram sent with ancillary data (made on first
 *  use, then kept). */
let send_opt_p: ip6_pktopts | null = null;
function send_opt(): ip6_pktopts {
  if (send_opt_p === null) send_opt_p = new ip6_pktopts();
  return send_opt_p;
}
const send_tmp = new sockaddr_in6();
const send_sin = new sockaddr_in();

/**
 * udp6_send(so, flags, m, addr6, control, td): send the datagram in m to
 * addr6 (or the connected peer).  A v4-mapped destination on a socket that
 * takes IPv4 goes out as IPv4 (udp_send); on an IPV6_V6ONLY socket it is
 * EINVAL.  Consumes m.
 */
export function udp6_send(so: socket, flags_arg: number, m: mbuf, addr6: sockaddr | null, control: mbuf | null, td: thread | null): number {
  let error = 0;
  if (addr6 !== null) {
    if (!("sin6_addr" in addr6) || addr6.sin6_family !== AF_INET6) error = EAFNOSUPPORT;
    else if (addr6.sin6_len !== 28) error = EINVAL;
    if (error !== 0) {
      m_freem(control);
      m_freem(m);
      return error;
    }
  }
  let sin6: sockaddr_in6 | null = null;
  let scope_ambiguous = 0;
  if (addr6 !== null && "sin6_addr" in addr6) {
    // Work on a copy: the caller's address is not ours to change.
    sin6 = send_tmp;
    sin6.sin6_len = addr6.sin6_len;
    sin6.sin6_family = addr6.sin6_family;
    sin6.sin6_port = addr6.sin6_port;
    sin6.sin6_flowinfo = addr6.sin6_flowinfo;
    sin6.sin6_addr.s6_addr.set(addr6.sin6_addr.s6_addr);
    sin6.sin6_scope_id = addr6.sin6_scope_id;
    // With no zone given (and no default zone), the outgoing interface's
    // is taken once the route is known.
    if (sin6.sin6_scope_id === 0 && VNET_I32(ip6_use_defzone) === 0) scope_ambiguous = 1;
    error = sa6_embedscope(sin6, VNET_I32(ip6_use_defzone));
    if (error !== 0) {
      m_freem(control);
      m_freem(m);
      return error;
    }
  }
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & IN6P_IPV6_V6ONLY) === 0) {
    const hasv4addr = sin6 === null ? (inp.inp_vflag & INP_IPV4) !== 0 : IN6_IS_ADDR_V4MAPPED(sin6.sin6_addr);
    if (hasv4addr) {
      // in6_sin6_2_sin_in_sock: the IPv4 address, into a sockaddr kept
      // for the purpose (a datagram allocates nothing).
      let sin: sockaddr_in | null = null;
      if (sin6 !== null) {
        sin = send_sin;
        sin.sin_port = sin6.sin6_port;
        sin.sin_addr = s6_addr32(sin6.sin6_addr, 3);
      }
      return udp_send(so, flags_arg | PRUS_IPV6, m, sin, control, td);
    }
  } else if (sin6 !== null && IN6_IS_ADDR_V4MAPPED(sin6.sin6_addr)) {
    m_freem(m);
    m_freem(control);
    return EINVAL;
  }
  const cred = td !== null ? td.td_ucred : so.so_cred;
  // This datagram's own options (IPV6_PKTINFO, IPV6_HOPLIMIT, ...) over
  // the socket's sticky ones.
  let optp = inp.in6p_outputopts;
  release: {
    if (control !== null) {
      error = ip6_setpktopts(control, send_opt(), inp.in6p_outputopts, cred, IPPROTO_UDP);
      if (error !== 0) break release;
      optp = send_opt();
    }
    let laddr: in6_addr;
    let faddr: in6_addr;
    let fport: number;
    if (sin6 !== null) {
      if (sin6.sin6_port === 0) {
        error = EADDRNOTAVAIL;
        break release;
      }
      if (!IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr)) {
        error = EISCONN;
        break release;
      }
      KASSERT(!IN6_IS_ADDR_V4MAPPED(sin6.sin6_addr), "udp6_send: v4-mapped destination not handled");
      error = in6_selectsrc_socket(sin6, optp, inp, cred, scope_ambiguous, send_in6a, null);
      if (error !== 0) break release;
      laddr = send_in6a;
      if (inp.inp_lport === 0) {
        error = in6_pcbsetport(laddr, inp, cred);
        if (error !== 0) break release;
      }
      faddr = sin6.sin6_addr;
      fport = sin6.sin6_port;
    } else {
      if (IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr)) {
        error = ENOTCONN;
        break release;
      }
      laddr = inp.in6p_laddr;
      faddr = inp.in6p_faddr;
      fport = inp.inp_fport;
    }
    const ulen = m.m_pkthdr.len;
    const plen = UDP_HDRLEN + ulen;
    const mm = M_PREPEND(m, IP6_HDR_LEN + UDP_HDRLEN, M_NOWAIT);
    if (mm === null) {
      if (control !== null) {
        ip6_clearpktopts(send_opt(), -1);
        m_freem(control);
      }
      return ENOBUFS;
    }
    const ip6 = mm.m_data;
    const dv = mm.m_dv;
    const udp6 = ip6 + IP6_HDR_LEN;
    dv.setUint16(udp6 + UH_SPORT, inp.inp_lport);
    dv.setUint16(udp6 + UH_DPORT, fport);
    // A jumbo payload (more than 65535) has a zero length field.
    dv.setUint16(udp6 + UH_ULEN, plen <= 0xffff ? plen : 0);
    dv.setUint16(udp6 + UH_SUM, 0);
    dv.setUint32(ip6 + IP6_OFF_FLOW, ((IPV6_VERSION << 24) | (inp.inp_flow & IPV6_FLOWINFO_MASK)) >>> 0);
    dv.setUint16(ip6 + IP6_OFF_PLEN, plen & 0xffff);
    mm.m_buf[ip6 + IP6_OFF_NXT] = IPPROTO_UDP;
    mm.m_buf[ip6 + IP6_OFF_HLIM] = in6_selecthlim(inp, null);
    in6_addr_write(mm.m_buf, ip6 + IP6_OFF_SRC, laddr);
    in6_addr_write(mm.m_buf, ip6 + IP6_OFF_DST, faddr);
    // The checksum, mandatory over IPv6; a computed zero goes out as ones.
    let sum = in6_cksum(mm, IPPROTO_UDP, IP6_HDR_LEN, plen);
    if (sum === 0) sum = 0xffff;
    dv.setUint16(udp6 + UH_SUM, sum);
    UDPSTAT_INC(udps_opackets);
    // ROUTE_MPATH: a flowid of the datagram's 5-tuple when multipath is in
    // use, and never the PCB's cached one.
    if (CALC_FLOWID_OUTBOUND()) {
      mm.m_pkthdr.flowid = fib6_calc_packet_hash(laddr, faddr, inp.inp_lport, fport, IPPROTO_UDP);
      mm.m_pkthdr.rsstype = M_HASHTYPE_OPAQUE_HASH;
    }
    error = ip6_output(mm, optp, null, IP_NODEFAULTFLOWID, in6p_moptions(inp), null, inp);
    if (control !== null) {
      ip6_clearpktopts(send_opt(), -1);
      m_freem(control);
    }
    return error;
  }
  if (control !== null) {
    ip6_clearpktopts(send_opt(), -1);
    m_freem(control);
  }
  m_freem(m);
  return error;
}

// ---------------------------------------------------------------------------
// User requests.

function udp6_abort(so: socket): void {
  const inp = sotoinpcb(so);
  if ((inp.inp_vflag & INP_IPV4) !== 0) {
    udp_abort(so);
    return;
  }
  if (!IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr)) {
    in6_pcbdisconnect(inp);
    soisdisconnected(so);
  }
}

/** udp6_attach: UDP's buffers and PCB table; the IPv4 TTL too, as the
 *  socket may hear and speak IPv4 through v4-mapped addresses. */
function udp6_attach(so: socket, _proto: number, _td: thread | null): number {
  KASSERT(so.so_pcb === null, "udp6_attach: inp != NULL");
  if (so.so_snd.sb_hiwat === 0 || so.so_rcv.sb_hiwat === 0) {
    const error = soreserve(so, udp_sendspace.v, udp_recvspace.v);
    if (error !== 0) return error;
  }
  const error = in_pcballoc(so, V_udbinfo());
  if (error !== 0) return error;
  const inp = sotoinpcb(so);
  inp.in6p_cksum = -1;
  inp.inp_ip_ttl = V_ip_defttl();
  inp.inp_ppcb = new udpcb();
  return 0;
}

/** udp6_bind: an IPv6 address, or (when IPv4 is allowed) :: or a
 *  v4-mapped address, which binds the IPv4 side alone. */
function udp6_bind(so: socket, nam: sockaddr, td: thread | null): number {
  const inp = sotoinpcb(so);
  if (!("sin6_addr" in nam) || nam.sin6_family !== AF_INET6) return EAFNOSUPPORT;
  if (nam.sin6_len !== 28) return EINVAL;
  const sin6_p = nam;
  const cred = td !== null ? td.td_ucred : so.so_cred;
  const vflagsav = inp.inp_vflag;
  inp.inp_vflag &= ~INP_IPV4;
  inp.inp_vflag |= INP_IPV6;
  let error: number;
  if ((inp.inp_flags & IN6P_IPV6_V6ONLY) === 0 && IN6_IS_ADDR_V4MAPPED(sin6_p.sin6_addr)) {
    inp.inp_vflag |= INP_IPV4;
    inp.inp_vflag &= ~INP_IPV6;
    error = in_pcbbind(inp, in6_sin6_2_sin(sin6_p), cred);
  } else {
    if ((inp.inp_flags & IN6P_IPV6_V6ONLY) === 0 && IN6_IS_ADDR_UNSPECIFIED(sin6_p.sin6_addr)) inp.inp_vflag |= INP_IPV4;
    error = in6_pcbbind(inp, sin6_p, cred);
  }
  if (error !== 0) inp.inp_vflag = vflagsav;
  return error;
}

function udp6_close(so: socket): void {
  const inp = sotoinpcb(so);
  if ((inp.inp_vflag & INP_IPV4) !== 0) {
    udp_disconnect(so);
    return;
  }
  if (!IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr)) {
    in6_pcbdisconnect(inp);
    soisdisconnected(so);
  }
}

/** udp6_connect: an IPv6 peer, or a v4-mapped one (the socket then speaks
 *  IPv4 only). */
function udp6_connect(so: socket, nam: sockaddr, td: thread | null): number {
  const inp = sotoinpcb(so);
  if (!("sin6_addr" in nam) || nam.sin6_family !== AF_INET6) return EAFNOSUPPORT;
  if (nam.sin6_len !== 28) return EINVAL;
  const sin6 = nam;
  const cred = td !== null ? td.td_ucred : so.so_cred;
  if (IN6_IS_ADDR_V4MAPPED(sin6.sin6_addr)) {
    if ((inp.inp_flags & IN6P_IPV6_V6ONLY) !== 0) return EINVAL;
    if ((inp.inp_vflag & INP_IPV4) === 0) return EAFNOSUPPORT;
    if (inp.inp_faddr !== INADDR_ANY) return EISCONN;
    const vflagsav = inp.inp_vflag;
    inp.inp_vflag |= INP_IPV4;
    inp.inp_vflag &= ~INP_IPV6;
    const error = in_pcbconnect(inp, in6_sin6_2_sin(sin6), cred, true);
    if (error === 0) soisconnected(so);
    else if (inp.inp_laddr === INADDR_ANY && inp.inp_lport === 0) inp.inp_vflag = vflagsav;
    return error;
  }
  if ((inp.inp_vflag & INP_IPV6) === 0) return EAFNOSUPPORT;
  if (!IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr)) return EISCONN;
  const vflagsav = inp.inp_vflag;
  inp.inp_vflag &= ~INP_IPV4;
  inp.inp_vflag |= INP_IPV6;
  const error = in6_pcbconnect(inp, sin6, cred, true);
  if (error === 0) soisconnected(so);
  else if (IN6_IS_ADDR_UNSPECIFIED(inp.in6p_laddr) && inp.inp_lport === 0) inp.inp_vflag = vflagsav;
  return error;
}

function udp6_detach(so: socket): void {
  in_pcbfree(sotoinpcb(so));
}

function udp6_disconnect(so: socket): number {
  const inp = sotoinpcb(so);
  if ((inp.inp_vflag & INP_IPV4) !== 0) {
    udp_disconnect(so);
    return 0;
  }
  if (IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr)) return ENOTCONN;
  in6_pcbdisconnect(inp);
  so.so_state &= ~SS_ISCONNECTED;
  return 0;
}

/** udp_ctloutput's AF_INET6 half: UDP-level options are not modelled,
 *  the rest is IPv6's. */
function udp6_ctloutput(so: socket, sopt: sockopt): number {
  if (sopt.sopt_level !== so.so_proto.pr_protocol) return ip6_ctloutput(so, sopt);
  return ENOPROTOOPT;
}

/** udp6_protosw: SOCK_DGRAM, IPPROTO_UDP in PF_INET6. */
export const udp6_protosw: protosw = {
  pr_type: SOCK_DGRAM,
  // Read when used: the bundle may load this file before in6_proto.ts.
  get pr_domain() {
    return inet6domain;
  },
  pr_protocol: IPPROTO_UDP,
  pr_flags: PR_ATOMIC | PR_ADDR | PR_CAPATTACH,
  pr_ctloutput: udp6_ctloutput,
  pr_abort: udp6_abort,
  pr_attach: udp6_attach,
  pr_bind: udp6_bind,
  pr_connect: udp6_connect,
  pr_detach: udp6_detach,
  pr_disconnect: udp6_disconnect,
  pr_peeraddr: in6_mapped_peeraddr,
  pr_send: udp6_send,
  pr_shutdown: udp_shutdown,
  pr_sockaddr: in6_mapped_sockaddr,
  pr_close: udp6_close,
  // in6_control with no interface: the address selection policy requests.
  pr_control: (_so, cmd, data, td) => in6_control(cmd, data, null, td === null ? null : td.td_ucred),
};

/** udp6_init: UDP's entry in the IPv6 protocol switch and in inet6's
 *  protocols for socket(2); its PCBs are among those in6_pcbpurgeif0 walks. */
function udp6_init(): void {
  ip6proto_register(IPPROTO_UDP, udp6_input, udp6_ctlinput);
  pf_proto_register(PF_INET6, udp6_protosw);
  in6_pcbpurge_register(V_udbinfo);
}
SYSINIT("udp6_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, udp6_init);
