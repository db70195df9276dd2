// sys/netinet/udp_usrreq.c, sys/netinet/udp_var.h: UDP.  Input checks the
// header, length and checksum, finds the socket (connected first, then bound
// to the address, then to INADDR_ANY; every matching socket for broadcast
// and multicast) and queues the datagram with its sender's address; with no
// socket it answers ICMP port unreachable unless net.inet.udp.blackhole
// says not to.  Output binds an ephemeral port when needed, picks the source
// address from the route, leaves the checksum to ip_output (CSUM_UDP) and
// sends.  Counters are FreeBSD's struct udpstat, per vnet.
//
// Departures: no UDP-Lite (IPPROTO_UDPLITE), no IPsec NAT-T encapsulation,
// no control messages on receive (IP_RECVTTL and friends are accepted but
// nothing is delivered with the data), no cached route on the inpcb (every
// send looks the route up, allocation-free).

import { CALC_FLOWID_OUTBOUND } from "../net/route/mpath_ctl.ts";
import { M_HASHTYPE_OPAQUE_HASH, fib4_calc_packet_hash } from "./in_fib.ts";
import { EAFNOSUPPORT, EAGAIN, EBUSY, EINVAL, EISCONN, EMSGSIZE, ENOBUFS, ENOPROTOOPT, ENOTCONN } from "../kern/errno.ts";
import { KASSERT, log } from "../kern/subr_prf.ts";
import { SI_ORDER_FOURTH, SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN, SYSINIT } from "../kern/kernel.ts";
import { CSUM_DATA_VALID, CSUM_PSEUDO_HDR, CSUM_UDP, M_BCAST, M_COPYALL, M_MCAST, type mbuf } from "../kern/mbuf.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { M_PREPEND, m_adj, m_copym, m_pullup, max_linkhdr, max_protohdr_grow } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import type { thread } from "../kern/kern_prot.ts";
import { AF_INET, AF_UNSPEC, SOCK_DGRAM, type sockaddr, SO_BROADCAST, SO_DONTROUTE, SO_REUSEADDR, SO_REUSEPORT, SO_REUSEPORT_LB } from "../kern/socket.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_OPAQUE, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC, SYSCTL_VNET_PCPUSTAT, SYSCTL_UINT, kvar_of } from "../kern/sysctl.ts";
import {
  PR_ADDR,
  PR_ATOMIC,
  PR_CAPATTACH,
  SS_ISCONNECTED,
  sbappendaddr_locked,
  socantsendmore,
  soisconnected,
  soisdisconnected,
  soreserve,
  soroverflow_locked,
  sorwakeup,
  sorwakeup_locked,
  sowwakeup,
  type protosw,
  type socket,
  type sockopt,
} from "../kern/uipc_socket.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_DEFINE_U64, VNET_I32, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT, VNET_U64_ADD } from "../net/vnet.ts";
import type { ifnet } from "../net/if.ts";
import { INADDR_ANY, INADDR_BROADCAST, IN_MULTICAST, IPPROTO_UDP, inet_ntoa, inetdomain, in_broadcast, in_localip, sockaddr_in } from "./in.ts";
import { in_cksum, in_pseudo } from "./in_cksum.ts";
import { IPVERSION, IP_DF, IPH_DST, IP_HDRLEN, IPH_LEN, IP_MAXPACKET, IPH_OFF, IPH_SRC, IPH_SUM, IPH_TOS, IPH_TTL, IPH_VHL, UDP_HDRLEN, UH_DPORT, UH_SPORT, UH_SUM, UH_ULEN, ICMP_UNREACH, ICMP_UNREACH_PORT, ICMPH_IP } from "./ip.ts";
import { IPSTAT_INC, IP_ALLOWBROADCAST, IP_NODEFAULTFLOWID, IP_ROUTETOIF, IP_SENDONES, M_IP_NEXTHOP, _net_inet, ips_notmember, is_ip_fwd_tag } from "./ip_var.ts";
import { m_tag_delete, m_tag_locate } from "../kern/uipc_mbuf2.ts";
import { ip_output } from "./ip_output.ts";
import { ip_stripoptions } from "./ip_options.ts";
import { BANDLIM_ICMP_UNREACH, badport_bandlim, icmp_errmap, icmp_error } from "./ip_icmp.ts";
import { IPPROTO_REGISTER } from "./ip_input.ts";
import {
  INPLOOKUP_RLOCKPCB,
  INPLOOKUP_WILDCARD,
  INPLOOKUP_WLOCKPCB,
  INP_ANONPORT,
  INP_DONTFRAG,
  INP_IPV4,
  INP_IPV6,
  INP_ONESBCAST,
  in_addrs,
  in_getpeeraddr,
  in_getsockaddr,
  in_pcballoc,
  in_pcbbind,
  in_pcbconnect,
  in_pcbconnect_setup,
  in_pcbdisconnect,
  in_pcbfree,
  in_pcbinfo_destroy,
  in_pcbinfo_init,
  in_pcbinshash,
  in_pcblookup,
  in_pcblookup_mbuf,
  ip_ctloutput,
  sotoinpcb,
  in_pcblist_export,
  type inpcb,
  type inpcbinfo,
} from "./in_pcb.ts";
import { V_ip_defttl } from "./raw_ip.ts";
import { sockaddr_in6 } from "../netinet6/in6_var.ts";


// ---------------------------------------------------------------------------
// struct udpstat (netinet/udp_var.h), per vnet.

export const udps_ipackets = 0;
export const udps_hdrops = 1;
export const udps_badsum = 2;
export const udps_nosum = 3;
export const udps_badlen = 4;
export const udps_noport = 5;
export const udps_noportbcast = 6;
export const udps_fullsock = 7;
export const udpps_pcbcachemiss = 8;
export const udpps_pcbhashmiss = 9;
export const udps_opackets = 10;
export const udps_fastout = 11;
export const udps_noportmcast = 12;
export const udps_filtermcast = 13;
export const UDPSTAT_NFIELDS = 14;

/** Field names in struct order, for netstat -s -p udp. */
export const udpstat_names: readonly string[] = [
  "udps_ipackets",
  "udps_hdrops",
  "udps_badsum",
  "udps_nosum",
  "udps_badlen",
  "udps_noport",
  "udps_noportbcast",
  "udps_fullsock",
  "udpps_pcbcachemiss",
  "udpps_pcbhashmiss",
  "udps_opackets",
  "udps_fastout",
  "udps_noportmcast",
  "udps_filtermcast",
];

/** VNET_PCPUSTAT_DEFINE(struct udpstat, udpstat). */
export const udpstat = VNET_DEFINE_U64("udpstat", UDPSTAT_NFIELDS);

export function UDPSTAT_INC(field: number): void {
  VNET_U64_ADD(udpstat + field, 1);
}

/** kmod_udpstat_inc: by index, for code outside UDP. */
export function kmod_udpstat_inc(statnum: number): void {
  VNET_U64_ADD(udpstat + statnum, 1);
}

// net.inet.udp.* (UDPCTL_*).
const UDPCTL_CHECKSUM = 1;
const UDPCTL_STATS = 2;
const UDPCTL_MAXDGRAM = 3;
const UDPCTL_RECVSPACE = 4;
const UDPCTL_PCBLIST = 5;

export const _net_inet_udp = SYSCTL_NODE(_net_inet, IPPROTO_UDP, "udp", CTLFLAG_RW, null, "UDP");

/** V_udp_cksum: compute the UDP checksum on output. */
export const udp_cksum = VNET_DEFINE_INT("udp_cksum", 1);
SYSCTL_INT(_net_inet_udp, UDPCTL_CHECKSUM, "checksum", CTLFLAG_VNET | CTLFLAG_RW, udp_cksum, 0, "compute udp checksum");

export const udp_log_in_vain = VNET_DEFINE_INT("udp_log_in_vain", 0);
SYSCTL_INT(_net_inet_udp, OID_AUTO, "log_in_vain", CTLFLAG_VNET | CTLFLAG_RW, udp_log_in_vain, 0, "Log all incoming UDP packets");

/** V_udp_blackhole: no port unreachable for datagrams nobody wants. */
export const udp_blackhole = VNET_DEFINE_INT("udp_blackhole", 0);
SYSCTL_INT(_net_inet_udp, OID_AUTO, "blackhole", CTLFLAG_VNET | CTLFLAG_RW, udp_blackhole, 0, "Do not send port unreachables for refused connects");

/** V_udp_blackhole_local (a bool in FreeBSD): apply the blackhole to
 *  datagrams from our own addresses too; by default those still get their
 *  port unreachable. */
export const udp_blackhole_local = VNET_DEFINE_INT("udp_blackhole_local", 0);
SYSCTL_INT(_net_inet_udp, OID_AUTO, "blackhole_local", CTLFLAG_VNET | CTLFLAG_RW, udp_blackhole_local, 0, "Enforce net.inet.udp.blackhole for locally originated packets");

/** udp_sendspace: really the largest datagram (net.inet.udp.maxdgram). */
export const udp_sendspace = kvar_of(9216);
SYSCTL_UINT(_net_inet_udp, UDPCTL_MAXDGRAM, "maxdgram", CTLFLAG_RW, udp_sendspace, 0, "Maximum outgoing UDP datagram size");

/** udp_recvspace: 40 1K datagrams with their (IPv6-sized) addresses. */
export const udp_recvspace = kvar_of(40 * (1024 + 28));
SYSCTL_UINT(_net_inet_udp, UDPCTL_RECVSPACE, "recvspace", CTLFLAG_RW, udp_recvspace, 0, "Maximum space for incoming UDP datagrams");

SYSCTL_VNET_PCPUSTAT(_net_inet_udp, UDPCTL_STATS, "stats", udpstat, UDPSTAT_NFIELDS, "udpstat", "UDP statistics (struct udpstat, netinet/udp_var.h)");

/** udp_pcblist: the UDP PCBs of curvnet, as netstat reads them. */
SYSCTL_PROC(
  _net_inet_udp,
  UDPCTL_PCBLIST,
  "pcblist",
  CTLTYPE_OPAQUE | CTLFLAG_RD | CTLFLAG_MPSAFE,
  null,
  0,
  (_oidp, _arg1, _arg2, req) => SYSCTL_OUT(req, in_pcblist_export(V_udbinfo().ipi_listhead, () => IPPROTO_UDP)),
  "S,xinpcb",
  "List of active UDP sockets",
);

// ---------------------------------------------------------------------------
// The PCB table and the per-socket UDP state.

const UDBHASHSIZE = 128;

/** V_udbinfo. */
const udbinfo_p = VNET_DEFINE_PTR<inpcbinfo | null>("udbinfo", null);

export function V_udbinfo(): inpcbinfo {
  const pi = VNET_PTR(udbinfo_p);
  KASSERT(pi !== null, "V_udbinfo: not initialized");
  return pi;
}

/** A kernel consumer of a UDP socket's datagrams (udp_set_kernel_tunneling):
 *  returns true when it consumed the packet. */
export type udp_tun_func_t = (m: mbuf, off: number, inp: inpcb, sa: sockaddr_in, ctx: unknown) => boolean;
export type udp_tun_icmp_t = (icmp_m: mbuf, icmp_off: number) => void;

/** struct udpcb. */
export class udpcb {
  u_tun_func: udp_tun_func_t | null = null;
  u_icmp_func: udp_tun_icmp_t | null = null;
  u_tun_ctx: unknown = null;
  u_flags = 0;
}

function intoudpcb(inp: inpcb): udpcb {
  return inp.inp_ppcb as udpcb;
}

function udp_vnet_init(): void {
  VNET_PTR_SET(udbinfo_p, in_pcbinfo_init("udp", UDBHASHSIZE, UDBHASHSIZE));
}
VNET_SYSINIT("udp_vnet_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_FOURTH, udp_vnet_init);

function udp_destroy(): void {
  in_pcbinfo_destroy(V_udbinfo());
  VNET_PTR_SET(udbinfo_p, null);
}
VNET_SYSUNINIT("udp", SI_SUB_PROTO_DOMAIN, SI_ORDER_FOURTH, udp_destroy);

// ---------------------------------------------------------------------------
// Input.

/** udp_in[0]: the sender; udp_in[1]: the destination (FreeBSD's stack pair). */
const udp_in: readonly [sockaddr_in, sockaddr_in] = [new sockaddr_in(), new sockaddr_in()];
/** The bytes of the IP header the pseudo-header checksum overlays. */
const udp_ipov_save = new Uint8Array(12);

/**
 * udp_append(inp, ip, n, off, udp_in): queue the datagram (n, its data at
 * off + 8) on the socket with the sender's address.  Returns nonzero when a
 * kernel tunnel consumed it and the PCB went away meanwhile.
 */
function udp_append(inp: inpcb, n: mbuf, off: number, sin: readonly [sockaddr_in, sockaddr_in]): number {
  // An AF_INET6 socket taking IPv4 hears the sender as ::ffff:a.b.c.d.
  const append_sa: sockaddr_in | sockaddr_in6 = (inp.inp_vflag & INP_IPV6) !== 0 ? udp_in6_mapped(sin[0]) : sin[0];
  const up = intoudpcb(inp);
  if (up.u_tun_func !== null) {
    // A kernel consumer takes the packet as it is (IP header included).
    if (up.u_tun_func(n, off, inp, sin[0], up.u_tun_ctx)) return 0;
  }
  off += UDP_HDRLEN;
  m_adj(n, off);
  const so = inp.inp_socket;
  if (so === null) {
    m_freem(n);
    return 0;
  }
  if (sbappendaddr_locked(so.so_rcv, append_sa, n, null) === 0) {
    soroverflow_locked(so);
    m_freem(n);
    UDPSTAT_INC(udps_fullsock);
  } else sorwakeup_locked(so);
  return 0;
}

/** in6_sin_2_v4mapsin6 into the one sockaddr_in6 input reuses. */
const udp_in6 = new sockaddr_in6();
function udp_in6_mapped(sin: sockaddr_in): sockaddr_in6 {
  udp_in6.sin6_port = sin.sin_port;
  const b = udp_in6.sin6_addr.s6_addr;
  b.fill(0, 0, 10);
  b[10] = 0xff;
  b[11] = 0xff;
  const a = sin.sin_addr >>> 0;
  b[12] = a >>> 24;
  b[13] = (a >>> 16) & 0xff;
  b[14] = (a >>> 8) & 0xff;
  b[15] = a & 0xff;
  return udp_in6;
}

/** udp_multi_match: a PCB that a broadcast or multicast datagram is for. */
function udp_multi_match(inp: inpcb, ipsrc: number, ipdst: number, sport: number, dport: number): boolean {
  if ((inp.inp_vflag & INP_IPV4) === 0) return false;
  if (inp.inp_lport !== dport) return false;
  if (inp.inp_laddr !== INADDR_ANY && inp.inp_laddr !== ipdst) return false;
  if (inp.inp_faddr !== INADDR_ANY && inp.inp_faddr !== ipsrc) return false;
  if (inp.inp_fport !== 0 && inp.inp_fport !== sport) return false;
  return true;
}

/**
 * udp_multi_input: a broadcast or multicast datagram goes to every
 * matching socket, each getting a copy, until one without SO_REUSEADDR or
 * SO_REUSEPORT (the common unshared port) ends the search.  Multicast
 * needs group membership (imo), which no socket has here, so multicast is
 * filtered like an unjoined group.
 */
function udp_multi_input(m: mbuf, _proto: number, sin: readonly [sockaddr_in, sockaddr_in]): void {
  const dv = m.m_dv;
  const ip = m.m_data;
  const ipsrc = dv.getUint32(ip + IPH_SRC);
  const ipdst = dv.getUint32(ip + IPH_DST);
  const sport = dv.getUint16(ip + IP_HDRLEN + UH_SPORT);
  const dport = dv.getUint16(ip + IP_HDRLEN + UH_DPORT);
  const list = V_udbinfo().ipi_listhead;
  let appends = 0;
  for (let i = 0; i < list.length; i++) {
    const inp = list[i];
    if (!udp_multi_match(inp, ipsrc, ipdst, sport, dport)) continue;
    if (IN_MULTICAST(ipdst)) {
      // Any-source and source-specific delivery policy: no membership.
      if (inp.inp_moptions === null) continue;
      IPSTAT_INC(ips_notmember);
      continue;
    }
    const n = m_copym(m, 0, M_COPYALL, M_NOWAIT);
    if (n !== null) {
      if (udp_append(inp, n, IP_HDRLEN, sin) !== 0) break;
      appends++;
    }
    const so = inp.inp_socket;
    if (so === null || (so.so_options & (SO_REUSEPORT | SO_REUSEPORT_LB | SO_REUSEADDR)) === 0) break;
  }
  if (appends === 0) {
    // Unclaimed broadcast or multicast: dropped and counted, never answered.
    UDPSTAT_INC(udps_noport);
    if (IN_MULTICAST(ipdst)) UDPSTAT_INC(udps_noportmcast);
    else UDPSTAT_INC(udps_noportbcast);
  }
  m_freem(m);
}

/**
 * udp_input(m, off, proto): a UDP datagram for us; m starts at the IP
 * header, off is the IP header's length.  Consumes m.
 */
export function udp_input(m0: mbuf, off: number, proto: number): void {
  let m: mbuf | null = m0;
  let iphlen = off;
  const ifp = m.m_pkthdr.rcvif as ifnet | null;
  UDPSTAT_INC(udps_ipackets);

  // Options go before the checksum is checked: the pseudo-header overlay
  // below needs a bare 20-byte IP header.
  if (iphlen > IP_HDRLEN) {
    ip_stripoptions(m);
    iphlen = IP_HDRLEN;
  }

  // One m_pullup, so that both headers can be read in place.
  if (m.m_len < iphlen + UDP_HDRLEN) {
    m = m_pullup(m, iphlen + UDP_HDRLEN);
    if (m === null) {
      UDPSTAT_INC(udps_hdrops);
      return;
    }
  }
  const dv = m.m_dv;
  const ip = m.m_data;
  const uh = ip + iphlen;

  // RFC 768 gives destination port 0 no meaning: drop it.
  if (dv.getUint16(uh + UH_DPORT) === 0) {
    m_freem(m);
    return;
  }

  const ip_src = dv.getUint32(ip + IPH_SRC);
  const ip_dst = dv.getUint32(ip + IPH_DST);
  udp_in[0].sin_addr = ip_src;
  udp_in[0].sin_port = dv.getUint16(uh + UH_SPORT);
  udp_in[1].sin_addr = ip_dst;
  udp_in[1].sin_port = dv.getUint16(uh + UH_DPORT);

  // uh_ulen rules: more than the IP payload is an error, less cuts the
  // datagram down to it.
  const len = dv.getUint16(uh + UH_ULEN);
  const ip_len = dv.getUint16(ip + IPH_LEN) - iphlen;
  if (ip_len !== len) {
    if (len > ip_len || len < UDP_HDRLEN) {
      UDPSTAT_INC(udps_badlen);
      m_freem(m);
      return;
    }
    m_adj(m, len - ip_len);
  }

  // Verify the sum over pseudo-header, UDP header and payload.
  if (dv.getUint16(uh + UH_SUM) !== 0) {
    let uh_sum: number;
    if ((m.m_pkthdr.csum_flags & CSUM_DATA_VALID) !== 0) {
      if ((m.m_pkthdr.csum_flags & CSUM_PSEUDO_HDR) !== 0) uh_sum = m.m_pkthdr.csum_data;
      else uh_sum = in_pseudo(ip_src, ip_dst, (len + m.m_pkthdr.csum_data + proto) >>> 0);
      uh_sum ^= 0xffff;
    } else {
      // Lay the pseudo header over the IP header (struct ipovly): zero
      // what precedes ih_pr, put the UDP length in ih_len, sum, restore.
      const b = m.m_buf;
      for (let i = 0; i < 12; i++) udp_ipov_save[i] = b[ip + i];
      b.fill(0, ip, ip + 9);
      dv.setUint16(ip + 10, dv.getUint16(uh + UH_ULEN));
      uh_sum = in_cksum(m, len + IP_HDRLEN);
      b.set(udp_ipov_save, ip);
    }
    if (uh_sum !== 0) {
      UDPSTAT_INC(udps_badsum);
      m_freem(m);
      return;
    }
  } else UDPSTAT_INC(udps_nosum);

  if (IN_MULTICAST(ip_dst) || (ifp !== null ? in_broadcast(ip_dst, ifp) : ip_dst === INADDR_BROADCAST || ip_dst === INADDR_ANY)) {
    udp_multi_input(m, proto, udp_in);
    return;
  }

  // Locate the PCB: connected, then bound to ip_dst, then to INADDR_ANY.
  // A firewall's fwd to one of our addresses (PACKET_TAG_IPFORWARD): a
  // socket connected for the original destination, else the one bound
  // where the forward points (its port too, when it names one); the tag
  // has served then.
  let inp: inpcb | null;
  const fwd_tag = (m.m_flags & M_IP_NEXTHOP) !== 0 ? m_tag_locate(m, is_ip_fwd_tag, null) : null;
  if (fwd_tag !== null) {
    inp = in_pcblookup_mbuf(V_udbinfo(), ip_src, udp_in[0].sin_port, ip_dst, udp_in[1].sin_port, INPLOOKUP_RLOCKPCB, ifp, m);
    if (inp === null) inp = in_pcblookup_mbuf(V_udbinfo(), ip_src, udp_in[0].sin_port, fwd_tag.sin_addr, fwd_tag.sin_port !== 0 ? fwd_tag.sin_port : udp_in[1].sin_port, INPLOOKUP_WILDCARD | INPLOOKUP_RLOCKPCB, ifp, m);
    m_tag_delete(m, fwd_tag);
    m.m_flags &= ~M_IP_NEXTHOP;
  } else inp = in_pcblookup_mbuf(V_udbinfo(), ip_src, udp_in[0].sin_port, ip_dst, udp_in[1].sin_port, INPLOOKUP_WILDCARD | INPLOOKUP_RLOCKPCB, ifp, m);
  if (inp === null) {
    if (VNET_I32(udp_log_in_vain) !== 0) {
      log(6 /* LOG_INFO */, `Connection attempt to UDP ${inet_ntoa(ip_dst)}:${udp_in[1].sin_port} from ${inet_ntoa(ip_src)}:${udp_in[0].sin_port}\n`);
    }
    UDPSTAT_INC(udps_noport);
    if ((m.m_flags & (M_BCAST | M_MCAST)) !== 0) {
      UDPSTAT_INC(udps_noportbcast);
      m_freem(m);
      return;
    }
    if (VNET_I32(udp_blackhole) !== 0 && (VNET_I32(udp_blackhole_local) !== 0 || !in_localip(ip_src))) {
      m_freem(m);
      return;
    }
    if (badport_bandlim(BANDLIM_ICMP_UNREACH) < 0) {
      m_freem(m);
      return;
    }
    icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_PORT, 0, 0);
    return;
  }

  // The socket's minimum TTL (IP_MINTTL).
  if (inp.inp_ip_minttl !== 0 && inp.inp_ip_minttl > m.m_buf[ip + IPH_TTL]) {
    m_freem(m);
    return;
  }
  udp_append(inp, m, iphlen, udp_in);
  return;
}


/** udp_notify: an asynchronous error for the socket (ICMP unreachable to a
 *  connected socket): so_error, and wake the reader. */
export function udp_notify(inp: inpcb, errno: number): inpcb | null {
  const so = inp.inp_socket;
  if (so === null) return inp;
  so.so_error = errno;
  sorwakeup(so);
  sowwakeup(so);
  return inp;
}

/**
 * udp_ctlinput: an ICMP error quoting a UDP datagram we sent (the ICMP
 * header at icmp_off in m, the quoted IP header after it).  A connected
 * socket that matches exactly gets the error in so_error.
 */
export function udp_ctlinput(m: mbuf, icmp_off: number): void {
  const errno = icmp_errmap(m, icmp_off);
  if (errno === 0) return;
  const dv = m.m_dv;
  const ip = m.m_data + icmp_off + ICMPH_IP;
  const hl = (m.m_buf[ip + IPH_VHL] & 0x0f) << 2;
  const uh = ip + hl;
  const ip_src = dv.getUint32(ip + IPH_SRC);
  const ip_dst = dv.getUint32(ip + IPH_DST);
  const sport = dv.getUint16(uh + UH_SPORT);
  const dport = dv.getUint16(uh + UH_DPORT);
  let inp = in_pcblookup(V_udbinfo(), ip_dst, dport, ip_src, sport, INPLOOKUP_WLOCKPCB, null);
  if (inp !== null) {
    if (inp.inp_socket !== null) udp_notify(inp, errno);
    return;
  }
  inp = in_pcblookup(V_udbinfo(), ip_dst, dport, ip_src, sport, INPLOOKUP_WILDCARD | INPLOOKUP_RLOCKPCB, null);
  if (inp !== null) {
    const f = intoudpcb(inp).u_icmp_func;
    if (f !== null) f(m, icmp_off);
  }
}

// ---------------------------------------------------------------------------
// Socket options.

/** udp_ctloutput: UDP-level options (UDP_ENCAP, UDP-Lite coverage) are not
 *  modelled; everything else is IP's. */
export function udp_ctloutput(so: socket, sopt: sockopt): number {
  if (sopt.sopt_level !== so.so_proto.pr_protocol) return ip_ctloutput(so, sopt);
  return ENOPROTOOPT;
}

// ---------------------------------------------------------------------------
// Output.

const send_addrs = new in_addrs();
const send_src = new sockaddr_in();

/**
 * udp_send(so, flags, m, addr, control, td): send the datagram in m to addr
 * (or the connected peer).  An unbound socket gets an ephemeral port here;
 * the source address comes from the route unless bound.  Consumes m.
 */
export function udp_send(so: socket, _flags: number, m: mbuf, addr: sockaddr | null, control: mbuf | null, td: thread | null): number {
  const inp = sotoinpcb(so);
  let error = 0;
  // The syscall layer lays AF_INET addresses out as sockaddr_in: any other
  // layout is another family.
  const sin = addr !== null && "sin_addr" in addr ? addr : null;
  if (addr !== null) {
    if (sin === null || sin.sin_family !== AF_INET) error = EAFNOSUPPORT;
    else if (sin.sin_len !== 16) error = EINVAL;
    if (error !== 0 || sin === null) {
      m_freem(control);
      m_freem(m);
      return error;
    }
  }
  const len = m.m_pkthdr.len;
  if (len + IP_HDRLEN + UDP_HDRLEN > IP_MAXPACKET) {
    m_freem(control);
    m_freem(m);
    return EMSGSIZE;
  }
  const cred = td !== null ? td.td_ucred : so.so_cred;
  const tos = inp.inp_ip_tos;
  release: {
    if (control !== null) {
      // Ancillary data (IP_SENDSRCADDR, IP_TOS) is not modelled.
      m_freem(control);
      error = EINVAL;
      break release;
    }
    const pr = so.so_proto.pr_protocol;
    const a = send_addrs;
    let laddr = inp.inp_laddr;
    let lport = inp.inp_lport;
    let faddr: number;
    let fport: number;
    send_src.sin_family = 0;

    if (sin !== null) {
      if (inp.inp_faddr !== INADDR_ANY) {
        error = EISCONN;
        break release;
      }
      // Not bound yet, or a special destination: in_pcbconnect_setup works
      // out the local end and the real destination; a port chosen here is
      // committed to the socket.
      if (inp.inp_laddr === INADDR_ANY || inp.inp_lport === 0 || sin.sin_addr === INADDR_ANY || sin.sin_addr === INADDR_BROADCAST) {
        a.laddr = laddr;
        a.lport = lport;
        error = in_pcbconnect_setup(inp, sin, a, cred);
        if (error !== 0) break release;
        laddr = a.laddr;
        lport = a.lport;
        faddr = a.faddr;
        fport = a.fport;
        if (inp.inp_laddr === INADDR_ANY && inp.inp_lport === 0) {
          inp.inp_lport = lport;
          if (in_pcbinshash(inp) !== 0) {
            inp.inp_lport = 0;
            error = EAGAIN;
            break release;
          }
          inp.inp_flags |= INP_ANONPORT;
        }
      } else {
        faddr = sin.sin_addr;
        fport = sin.sin_port;
      }
    } else {
      faddr = inp.inp_faddr;
      fport = inp.inp_fport;
      if (faddr === INADDR_ANY) {
        error = ENOTCONN;
        break release;
      }
    }

    // Room for the UDP and IP headers and a link header; the link header
    // room is left in front, unused here.
    const mm = M_PREPEND(m, IP_HDRLEN + UDP_HDRLEN + max_linkhdr, M_NOWAIT);
    if (mm === null) return ENOBUFS;
    mm.m_data += max_linkhdr;
    mm.m_len -= max_linkhdr;
    mm.m_pkthdr.len -= max_linkhdr;

    // struct udpiphdr: the fields the checksum covers first.
    const ui = mm.m_data;
    const dv = mm.m_dv;
    mm.m_buf.fill(0, ui, ui + IP_HDRLEN);
    mm.m_buf[ui + 9] = pr; // ui_pr
    dv.setUint32(ui + IPH_SRC, laddr);
    dv.setUint32(ui + IPH_DST, faddr);
    dv.setUint16(ui + IP_HDRLEN + UH_SPORT, lport);
    dv.setUint16(ui + IP_HDRLEN + UH_DPORT, fport);
    dv.setUint16(ui + IP_HDRLEN + UH_ULEN, len + UDP_HDRLEN);

    let ipflags = 0;
    // ROUTE_MPATH: a flowid of the datagram's 5-tuple when multipath is in
    // use, and never the PCB's cached one.
    if (CALC_FLOWID_OUTBOUND()) {
      mm.m_pkthdr.flowid = fib4_calc_packet_hash(laddr, faddr, lport, fport, pr);
      mm.m_pkthdr.rsstype = M_HASHTYPE_OPAQUE_HASH;
    }
    ipflags |= IP_NODEFAULTFLOWID;
    if ((so.so_options & SO_DONTROUTE) !== 0) ipflags |= IP_ROUTETOIF;
    if ((so.so_options & SO_BROADCAST) !== 0) ipflags |= IP_ALLOWBROADCAST;
    if ((inp.inp_flags & INP_ONESBCAST) !== 0) ipflags |= IP_SENDONES;

    // The checksum: the pseudo header now, the rest by ip_output or the
    // interface (CSUM_UDP, csum_data = offsetof(struct udphdr, uh_sum)).
    dv.setUint16(ui + IP_HDRLEN + UH_SUM, 0);
    if (VNET_I32(udp_cksum) !== 0) {
      let ckdst = faddr;
      if ((inp.inp_flags & INP_ONESBCAST) !== 0) ckdst = INADDR_BROADCAST;
      dv.setUint16(ui + IP_HDRLEN + UH_SUM, in_pseudo(laddr, ckdst, len + UDP_HDRLEN + pr));
      mm.m_pkthdr.csum_flags = CSUM_UDP;
      mm.m_pkthdr.csum_data = UH_SUM;
    }
    // Then the rest of the IP header.
    mm.m_buf[ui + IPH_VHL] = IPVERSION << 4;
    mm.m_buf[ui + IPH_TOS] = tos;
    dv.setUint16(ui + IPH_LEN, IP_HDRLEN + UDP_HDRLEN + len);
    if ((inp.inp_flags & INP_DONTFRAG) !== 0) dv.setUint16(ui + IPH_OFF, dv.getUint16(ui + IPH_OFF) | IP_DF);
    mm.m_buf[ui + IPH_TTL] = inp.inp_ip_ttl;
    dv.setUint16(ui + IPH_SUM, 0);
    UDPSTAT_INC(udps_opackets);

    return ip_output(mm, inp.inp_options, null, ipflags, inp.inp_moptions, inp);
  }
  m_freem(m);
  return error;
}

// ---------------------------------------------------------------------------
// User requests.

export function udp_abort(so: socket): void {
  const inp = sotoinpcb(so);
  if (inp.inp_faddr !== INADDR_ANY) {
    in_pcbdisconnect(inp);
    soisdisconnected(so);
  }
}

let udp_flowid = 0;

/** udp_attach: buffers (net.inet.udp.maxdgram / recvspace), the PCB, the
 *  default TTL (net.inet.ip.ttl). */
export function udp_attach(so: socket, _proto: number, _td: thread | null): number {
  KASSERT(so.so_pcb === null, "udp_attach: inp != NULL");
  let error = soreserve(so, udp_sendspace.v, udp_recvspace.v);
  if (error !== 0) return error;
  error = in_pcballoc(so, V_udbinfo());
  if (error !== 0) return error;
  const inp = sotoinpcb(so);
  inp.inp_ip_ttl = V_ip_defttl();
  inp.inp_flowid = udp_flowid++ >>> 0;
  inp.inp_flowtype = 0x80; // M_HASHTYPE_OPAQUE
  inp.inp_ppcb = new udpcb();
  return 0;
}

/**
 * udp_set_kernel_tunneling(so, f, i, ctx): hand a socket's datagrams to a
 * kernel consumer instead of the socket buffer (ng_ksocket, tunnels).
 */
export function udp_set_kernel_tunneling(so: socket, f: udp_tun_func_t | null, i: udp_tun_icmp_t | null, ctx: unknown): number {
  KASSERT(so.so_type === SOCK_DGRAM, "udp_set_kernel_tunneling: !dgram");
  const up = intoudpcb(sotoinpcb(so));
  if ((f !== null || i !== null) && (up.u_tun_func !== null || up.u_icmp_func !== null)) return EBUSY;
  up.u_tun_func = f;
  up.u_icmp_func = i;
  up.u_tun_ctx = ctx;
  return 0;
}

export function udp_bind(so: socket, sa: sockaddr, td: thread | null): number {
  const inp = sotoinpcb(so);
  if (!("sin_addr" in sa)) return EAFNOSUPPORT;
  const nam = sa;
  if (nam.sin_family !== AF_INET) {
    // Old programs bind AF_UNSPEC INADDR_ANY.
    if (nam.sin_family !== AF_UNSPEC || nam.sin_len < 8 || nam.sin_addr !== INADDR_ANY) return EAFNOSUPPORT;
    nam.sin_family = AF_INET;
  }
  if (nam.sin_len !== 16) return EINVAL;
  return in_pcbbind(inp, nam, td !== null ? td.td_ucred : so.so_cred);
}

export function udp_close(so: socket): void {
  const inp = sotoinpcb(so);
  if (inp.inp_faddr !== INADDR_ANY) {
    in_pcbdisconnect(inp);
    soisdisconnected(so);
  }
}

export function udp_connect(so: socket, sa: sockaddr, td: thread | null): number {
  const inp = sotoinpcb(so);
  if (!("sin_addr" in sa)) return EAFNOSUPPORT;
  const sin = sa;
  if (sin.sin_family !== AF_INET) return EAFNOSUPPORT;
  if (sin.sin_len !== 16) return EINVAL;
  if (inp.inp_faddr !== INADDR_ANY) return EISCONN;
  const error = in_pcbconnect(inp, sin, td !== null ? td.td_ucred : so.so_cred, true);
  if (error === 0) soisconnected(so);
  return error;
}

export function udp_detach(so: socket): void {
  const inp = sotoinpcb(so);
  KASSERT(inp.inp_faddr === INADDR_ANY, "udp_detach: not disconnected");
  in_pcbfree(inp);
}

export function udp_disconnect(so: socket): number {
  const inp = sotoinpcb(so);
  if (inp.inp_faddr === INADDR_ANY) return ENOTCONN;
  in_pcbdisconnect(inp);
  so.so_state &= ~SS_ISCONNECTED;
  return 0;
}

export function udp_shutdown(so: socket): number {
  socantsendmore(so);
  return 0;
}

/** udp_protosw: SOCK_DGRAM, IPPROTO_UDP. */
export const udp_protosw: protosw = {
  pr_type: SOCK_DGRAM,
  pr_domain: inetdomain,
  pr_protocol: IPPROTO_UDP,
  pr_flags: PR_ATOMIC | PR_ADDR | PR_CAPATTACH,
  pr_ctloutput: udp_ctloutput,
  pr_abort: udp_abort,
  pr_attach: udp_attach,
  pr_bind: udp_bind,
  pr_connect: udp_connect,
  pr_detach: udp_detach,
  pr_disconnect: udp_disconnect,
  pr_peeraddr: in_getpeeraddr,
  pr_send: udp_send,
  pr_shutdown: udp_shutdown,
  pr_sockaddr: in_getsockaddr,
  pr_close: udp_close,
};

/** udp_init: UDP's entry in ip_protox. */
function udp_init(): void {
  IPPROTO_REGISTER(IPPROTO_UDP, udp_input, udp_ctlinput);
  // In FreeBSD tcp_init grows max_protohdr (to 40 and more), which is what
  // leaves room for UDP's headers in front of user data and keeps small
  // packets in one mbuf through m_pullup.  This kernel has no TCP: UDP
  // makes room for its own 28 bytes of headers instead.
  max_protohdr_grow(IP_HDRLEN + UDP_HDRLEN);
}
SYSINIT("udp_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, udp_init);
