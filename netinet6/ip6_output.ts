// sys/netinet6/ip6_output.c: sending IPv6 packets.  ip6_output inserts the
// extension headers a socket asked for (hop-by-hop, destination options;
// routing headers are refused as FreeBSD refuses them), picks the route and
// the interface, checks the scope zones of the addresses against the
// interface, loops multicast back, finds the path MTU, clears the embedded
// zones on the way out, runs the outbound filters, and either sends the
// packet through nd6_output_ifp or fragments it first (only here, at the
// source: routers never fragment IPv6).  Also the packet options of a
// socket (ip6_setpktopts and friends), ip6_optlen, ip6_mloopback, and the
// socket options (ip6_ctloutput).
//
// What FreeBSD keeps on the stack (the destination sockaddr, the scope
// check's copies) is preallocated, one set per nesting level, so that
// sending allocates nothing but the mbufs extension headers and fragments
// need.  Departures: no IPsec, no multicast routing, no send tags / TLS /
// rate limits, no TCP host cache: ip6_calcmtu's tcp_hc_getmtu is not asked,
// the path MTU is the route's (ICMPv6 packet too big lowers it on a dynamic
// host route, as FreeBSD did before the host cache).
import {
  CSUM_PSEUDO_HDR,
  M_COPYALL,
  M_BCAST,
  M_GETFIB,
  M_MCAST,
  M_SETFIB,
  M_TRAILINGSPACE,
  M_WRITABLE,
  MCLBYTES,
  MLEN,
  MT_DATA,
  M_ALIGN,
  M_ASSERTPKTHDR,
  type mbuf,
} from "../kern/mbuf.ts";
import { m_free, m_freem, m_get, m_getcl, m_gethdr } from "../kern/kern_mbuf.ts";
import { m_cat, m_copym, m_dup_pkthdr, m_move_pkthdr, m_pullup, max_linkhdr } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { EACCES, EHOSTUNREACH, EINVAL, EMSGSIZE, ENETUNREACH, ENOBUFS, EOPNOTSUPP } from "../kern/errno.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { AF_INET6 } from "../kern/socket.ts";
import { arc4random } from "../kern/arc4random.ts";
import { VNET_I32 } from "../net/vnet.ts";
import { IFF_LOOPBACK, IFF_MULTICAST, ifnet_byindex, type ifaddr, type ifnet } from "../net/if.ts";
import { PFIL_CONSUMED, PFIL_DROPPED, PFIL_HOOKED_OUT, PFIL_PASS, pfil_mbuf_out, pfil_mbuf_result } from "../net/pfil.ts";
import { NETISR_IPV6, netisr_queue } from "../net/netisr.ts";
import { EVL_APPLY_PRI } from "../net/ethernet.ts";
import { if_simloop, V_loif } from "../net/if_loop.ts";
import { NHF_GATEWAY, NHF_HOST, NHR_NONE, NHR_REF, type nhop_object } from "../net/route/nhop.ts";
import { nhop_free } from "../net/route/nhop_ctl.ts";
import { INP_2PCP_MASK, INP_2PCP_SET, INP_2PCP_SHIFT } from "../netinet/in_pcb.ts";
import { IP_NODEFAULTFLOWID, M_SKIP_FIREWALL } from "../netinet/ip_var.ts";
import {
  IP6F_MORE_FRAG,
  IP6F_OFF_IDENT,
  IP6F_OFF_NXT,
  IP6F_OFF_OFFLG,
  IP6F_OFF_RESERVED,
  IP6E_OFF_LEN,
  IP6OPT_JUMBO,
  IP6OPT_PADN,
  IP6_FRAG_LEN,
  IP6_HDR_LEN,
  IP6_OFF_DST,
  IP6_OFF_FLOW,
  IP6_OFF_HLIM,
  IP6_OFF_NXT,
  IP6_OFF_PLEN,
  IP6_OFF_SRC,
  IPPROTO_DSTOPTS,
  IPPROTO_FRAGMENT,
  IPPROTO_HOPOPTS,
  IPPROTO_ROUTING,
  IPV6_MAXPACKET,
  IPV6_MMTU,
} from "../netinet/ip6.ts";

import { in6_clearscope, in6_setscope, sa6_recoverscope, ip6_use_defzone, in6_splitscope, in6_getlinkifnet } from "./scope6.ts";
import { fib6_lookup } from "./in6_fib.ts";
import { ND_IFINFO, nd6_output_ifp } from "./nd6.ts";
import { in6_delayed_cksum } from "./in6_cksum.ts";
import { CSUM_DATA_VALID_IPV6, CSUM_DELAY_DATA_IPV6, IP6PO_DONTFRAG, IP6PO_MINMTU_ALL, IP6PO_MINMTU_DISABLE, IP6STAT_INC, IPV6_FORWARDING, IPV6_MINMTU, IPV6_UNSPECSRC, M_FASTFWD_OURS, M_LOOP, ip6_moptions, ip6_pktopts, ip6s_badscope, ip6s_fragmented, ip6s_localout, ip6s_noroute, ip6s_odropped, ip6s_ofragments, type intp } from "./ip6_var.ts";
import { V_inet6_pfil_head, ip6_process_hopopts } from "./ip6_input.ts";
import { in6_localip } from "./in6.ts";

import { EADDRNOTAVAIL, EAFNOSUPPORT, ECONNRESET, ENETDOWN, ENOPROTOOPT, ENOTCONN, ENXIO } from "../kern/errno.ts";
import { SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT, SO_SETFIB } from "../kern/socket.ts";
import { SOPT_GET, SOPT_SET, SS_ISCONNECTED, sooptcopyin_bytes, sooptcopyin_int, sooptcopyout_bytes, sooptcopyout_int, type socket, type sockopt } from "../kern/uipc_socket.ts";
import { priv_check_cred } from "../kern/kern_priv.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { INP_BINDANY, INP_DROPPED, INP_HIGHPORT, INP_IPV4, INP_LOWPORT, INP_ORIGDSTADDR, INP_RECVFLOWID, INP_REUSEADDR, INP_REUSEPORT } from "../netinet/in_pcb.ts";
import { IPPROTO_TCP } from "../netinet/in.ts";
import { IP6R_OFF_LEN, IP6R_OFF_SEGLEFT, IP6R_OFF_TYPE, IP6_RTHDR_LEN, IPV6_RTHDR_TYPE_0 } from "../netinet/ip6.ts";
import { IPPROTO_ICMPV6 } from "../netinet/icmp6.ts";

import { ND6_IFF_IFDISABLED } from "./nd6.ts";
import { sa6_embedscope } from "./scope6.ts";
import { ip6_getmoptions, ip6_setmoptions } from "./in6_mcast.ts";
import { IN6P_AUTOFLOWLABEL, IN6P_DSTOPTS, IN6P_HOPLIMIT, IN6P_HOPOPTS, IN6P_IPV6_V6ONLY, IN6P_MTU, IN6P_PKTINFO, IN6P_RFC2292, IN6P_RTHDR, IN6P_RTHDRDSTOPTS, IN6P_TCLASS, IP6PO_MINMTU_MCASTONLY, IP6PO_TEMPADDR_NOTPREFER, IP6PO_TEMPADDR_PREFER, IP6PO_TEMPADDR_SYSTEM, IPPROTO_IPV6, IPV6_2292DSTOPTS, IPV6_2292HOPLIMIT, IPV6_2292HOPOPTS, IPV6_2292NEXTHOP, IPV6_2292PKTINFO, IPV6_2292PKTOPTIONS, IPV6_2292RTHDR, IPV6_AUTOFLOWLABEL, IPV6_BINDANY, IPV6_BINDMULTI, IPV6_CHECKSUM, IPV6_DONTFRAG, IPV6_DSTOPTS, IPV6_FLOWID, IPV6_FLOWTYPE, IPV6_HOPLIMIT, IPV6_HOPOPTS, IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP, IPV6_MSFILTER, IPV6_MULTICAST_HOPS, IPV6_MULTICAST_IF, IPV6_MULTICAST_LOOP, IPV6_NEXTHOP, IPV6_ORIGDSTADDR, IPV6_PATHMTU, IPV6_PKTINFO, IPV6_PORTRANGE, IPV6_PORTRANGE_DEFAULT, IPV6_PORTRANGE_HIGH, IPV6_PORTRANGE_LOW, IPV6_PREFER_TEMPADDR, IPV6_RECVDSTOPTS, IPV6_RECVFLOWID, IPV6_RECVHOPLIMIT, IPV6_RECVHOPOPTS, IPV6_RECVPATHMTU, IPV6_RECVPKTINFO, IPV6_RECVRTHDR, IPV6_RECVRTHDRDSTOPTS, IPV6_RECVTCLASS, IPV6_RTHDR, IPV6_RTHDRDSTOPTS, IPV6_TCLASS, IPV6_UNICAST_HOPS, IPV6_USE_MIN_MTU, IPV6_V6ONLY, IPV6_VLAN_PCP, MCAST_BLOCK_SOURCE, MCAST_JOIN_GROUP, MCAST_JOIN_SOURCE_GROUP, MCAST_LEAVE_GROUP, MCAST_LEAVE_SOURCE_GROUP, MCAST_UNBLOCK_SOURCE, in6_pktinfo } from "./ip6_var.ts";
import { ip6_defmcasthlim } from "./in6_proto.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_IS_ADDR_MC_INTFACELOCAL, IN6_IS_ADDR_MC_LINKLOCAL, IN6_IS_ADDR_MC_NODELOCAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, IN6_IS_SCOPE_EMBED, in6_addr, in6_addr_copy, in6_addr_read, in6_addr_write, in6_ifaddr, in6_ifstat_inc, ifs6_out_discard, ifs6_out_fragcreat, ifs6_out_fragfail, ifs6_out_fragok, ifs6_out_mcast, ifs6_out_request, s6_addr16, s6_addr16_set, sockaddr_in6, type route_in6, in6_ifextra_get, IN6_LINKMTU } from "./in6_var.ts";

/** inp_flags2's INP_BINDMULTI (netinet/in_pcb.h). */
const INP_BINDMULTI = 0x00000040;

/** in6_mcast.c: net.inet6.ip6.mcast_loop, hear our own multicasts. */
const in6_mcast_loop: number = 1;

/** What ip6_output reads of the inpcb it is given. */
export interface ip6_output_inpcb {
  inp_inc: { inc_fibnum: number };
  inp_flowid?: number;
  inp_flags2?: number;
}

/** RO_INVALIDATE_CACHE / RO_NHFREE for a route_in6. */
export function RO_NHFREE6(ro: route_in6): void {
  if (ro.ro_nh !== null) nhop_free(ro.ro_nh);
  ro.ro_nh = null;
}

/** ifatoia6: the ifaddr as an in6_ifaddr (null for another family). */
function ifatoia6(ifa: ifaddr | null): in6_ifaddr | null {
  return ifa instanceof in6_ifaddr ? ifa : null;
}

/** nh->gw6_sa: the IPv6 gateway of an NHF_GATEWAY nexthop (gw_sa's IPv6 face). */
export function nh_gw6(nh: nhop_object): sockaddr_in6 | null {
  const gw = nh.gw_sa;
  return "sin6_addr" in gw ? gw : null;
}


// ---------------------------------------------------------------------------
// scope6.c's helpers for a destination that leaves the kernel's embedded
// form (in6_splitscope, in6_getlinkifnet, in6_get/set_unicast_scopeid).



// ---------------------------------------------------------------------------
// Extension headers.

/** struct ip6_exthdrs: the header mbufs of one ip6_output call. */
class ip6_exthdrs {
  ip6e_ip6: mbuf | null = null;
  ip6e_hbh: mbuf | null = null;
  ip6e_dest1: mbuf | null = null;
  ip6e_rthdr: mbuf | null = null;
  ip6e_dest2: mbuf | null = null;
  clear(): void {
    this.ip6e_ip6 = this.ip6e_hbh = this.ip6e_dest1 = this.ip6e_rthdr = this.ip6e_dest2 = null;
  }
}

/** ip6_copyexthdr: an extension header (ip6e_len from its own bytes) in a new mbuf. */
function ip6_copyexthdr(hdr: Uint8Array): mbuf | null {
  const hlen = (hdr[IP6E_OFF_LEN] + 1) << 3;
  if (hlen > MCLBYTES) return null;
  const m = hlen > MLEN ? m_getcl(M_NOWAIT, MT_DATA, 0) : m_get(M_NOWAIT, MT_DATA);
  if (m === null) return null;
  m.m_len = hlen;
  m.m_buf.set(hdr.subarray(0, hlen), m.m_data);
  return m;
}

/** ip6_splithdr: the IPv6 header alone in the first mbuf (a new one if it shares it). */
function ip6_splithdr(m: mbuf, exthdrs: ip6_exthdrs): number {
  if (m.m_len > IP6_HDR_LEN) {
    const mh = m_gethdr(M_NOWAIT, MT_DATA);
    if (mh === null) {
      m_freem(m);
      return ENOBUFS;
    }
    m_move_pkthdr(mh, m);
    M_ALIGN(mh, IP6_HDR_LEN);
    mh.m_buf.set(m.m_buf.subarray(m.m_data, m.m_data + IP6_HDR_LEN), mh.m_data);
    m.m_len -= IP6_HDR_LEN;
    m.m_data += IP6_HDR_LEN;
    mh.m_next = m;
    mh.m_len = IP6_HDR_LEN;
    m = mh;
  }
  exthdrs.ip6e_ip6 = m;
  return 0;
}

const JUMBOOPTLEN = 8;

/** ip6_insert_jumboopt: a jumbo payload option (in a new hop-by-hop header if there is none). */
function ip6_insert_jumboopt(exthdrs: ip6_exthdrs, plen: number): number {
  let mopt: mbuf;
  let optbuf: number;
  if (exthdrs.ip6e_hbh === null) {
    const n = m_get(M_NOWAIT, MT_DATA);
    if (n === null) return ENOBUFS;
    mopt = n;
    mopt.m_len = JUMBOOPTLEN;
    optbuf = mopt.m_data;
    mopt.m_buf[optbuf + 1] = 0;
    exthdrs.ip6e_hbh = mopt;
  } else {
    mopt = exthdrs.ip6e_hbh;
    if (M_TRAILINGSPACE(mopt) < JUMBOOPTLEN) {
      const oldoptlen = mopt.m_len;
      if (oldoptlen + JUMBOOPTLEN > MCLBYTES) return ENOBUFS;
      const n = m_getcl(M_NOWAIT, MT_DATA, 0);
      if (n === null) return ENOBUFS;
      n.m_len = oldoptlen + JUMBOOPTLEN;
      n.m_buf.set(mopt.m_buf.subarray(mopt.m_data, mopt.m_data + oldoptlen), n.m_data);
      optbuf = n.m_data + oldoptlen;
      m_freem(mopt);
      mopt = exthdrs.ip6e_hbh = n;
    } else {
      optbuf = mopt.m_data + mopt.m_len;
      mopt.m_len += JUMBOOPTLEN;
    }
    mopt.m_buf[optbuf] = IP6OPT_PADN;
    mopt.m_buf[optbuf + 1] = 1;
    mopt.m_buf[mopt.m_data + IP6E_OFF_LEN] += JUMBOOPTLEN >> 3;
  }
  const b = mopt.m_buf;
  b[optbuf + 2] = IP6OPT_JUMBO;
  b[optbuf + 3] = 4;
  const v = plen + JUMBOOPTLEN;
  b[optbuf + 4] = (v >>> 24) & 0xff;
  b[optbuf + 5] = (v >>> 16) & 0xff;
  b[optbuf + 6] = (v >>> 8) & 0xff;
  b[optbuf + 7] = v & 0xff;
  (exthdrs.ip6e_ip6 as mbuf).m_pkthdr.len += JUMBOOPTLEN;
  return 0;
}

/** Where ip6_insertfraghdr put the fragment header: the mbuf and the offset in its m_buf. */
class frag_hdr_loc {
  m: mbuf | null = null;
  off = 0;
}
const frghdr = new frag_hdr_loc();

/** ip6_insertfraghdr: copy the unfragmentable headers behind m's IPv6 header, then a fragment header. */
function ip6_insertfraghdr(m0: mbuf, m: mbuf, hlen: number, loc: frag_hdr_loc): number {
  let n: mbuf;
  if (hlen > IP6_HDR_LEN) {
    const c = m_copym(m0, IP6_HDR_LEN, hlen - IP6_HDR_LEN, M_NOWAIT);
    if (c === null) return ENOBUFS;
    m.m_next = c;
    n = c;
  } else n = m;
  let mlast = n;
  while (mlast.m_next !== null) mlast = mlast.m_next;
  if (M_WRITABLE(mlast) && M_TRAILINGSPACE(mlast) >= IP6_FRAG_LEN) {
    loc.m = mlast;
    loc.off = mlast.m_data + mlast.m_len;
    mlast.m_len += IP6_FRAG_LEN;
    m.m_pkthdr.len += IP6_FRAG_LEN;
  } else {
    const mfrg = m_get(M_NOWAIT, MT_DATA);
    if (mfrg === null) return ENOBUFS;
    mfrg.m_len = IP6_FRAG_LEN;
    loc.m = mfrg;
    loc.off = mfrg.m_data;
    mlast.m_next = mfrg;
  }
  return 0;
}

/**
 * ip6_fragment(ifp, m0, hlen, nextproto, fraglen, id): cut the packet in
 * m0 (hlen bytes of unfragmentable part, then the rest) into fragments of
 * fraglen bytes of payload, chained behind m0 by m_nextpkt (m0 itself is
 * left for the caller to free).  On error the chain built so far is there
 * for the caller to free too.
 */
export function ip6_fragment(ifp: ifnet, m0: mbuf, hlen: number, nextproto: number, fraglen: number, id: number): number {
  KASSERT(fraglen % 8 === 0, "Fragment length must be a multiple of 8");
  const tlen = m0.m_pkthdr.len;
  const ip6 = m0.m_data;
  let tail = m0;
  for (let off = hlen; off < tlen; off += fraglen) {
    const m = m_gethdr(M_NOWAIT, MT_DATA);
    if (m === null) {
      IP6STAT_INC(ip6s_odropped);
      return ENOBUFS;
    }
    // The whole packet header goes along (fib, flags, VLAN priority...).
    if (m_dup_pkthdr(m, m0, M_NOWAIT) === 0) {
      m_free(m);
      IP6STAT_INC(ip6s_odropped);
      return ENOBUFS;
    }
    tail.m_nextpkt = m;
    tail = m;
    m.m_data += max_linkhdr;
    const mhip6 = m.m_data;
    m.m_buf.set(m0.m_buf.subarray(ip6, ip6 + IP6_HDR_LEN), mhip6);
    m.m_len = IP6_HDR_LEN;
    const error = ip6_insertfraghdr(m0, m, hlen, frghdr);
    if (error !== 0) {
      IP6STAT_INC(ip6s_odropped);
      return error;
    }
    const fm = frghdr.m as mbuf;
    const f = frghdr.off;
    frghdr.m = null;
    let offlg = (off - hlen) & ~7;
    if (off + fraglen >= tlen) fraglen = tlen - off;
    else offlg |= IP6F_MORE_FRAG;
    fm.m_dv.setUint16(f + IP6F_OFF_OFFLG, offlg);
    m.m_dv.setUint16(mhip6 + IP6_OFF_PLEN, fraglen + hlen + IP6_FRAG_LEN - IP6_HDR_LEN);
    const m_frgpart = m_copym(m0, off, fraglen, M_NOWAIT);
    if (m_frgpart === null) {
      IP6STAT_INC(ip6s_odropped);
      return ENOBUFS;
    }
    m_cat(m, m_frgpart);
    m.m_pkthdr.len = fraglen + hlen + IP6_FRAG_LEN;
    fm.m_buf[f + IP6F_OFF_RESERVED] = 0;
    fm.m_dv.setUint32(f + IP6F_OFF_IDENT, id);
    fm.m_buf[f + IP6F_OFF_NXT] = nextproto;
    IP6STAT_INC(ip6s_ofragments);
    in6_ifstat_inc(ifp, ifs6_out_fragcreat);
  }
  return 0;
}

/** ip6_randomflowlabel (ip6_id.c): a flow label for IN6P_AUTOFLOWLABEL (0 is fine). */
export function ip6_randomflowlabel(): number {
  return arc4random() & 0x000fffff;
}

/** ip6_randomid (ip6_id.c): the identification of a fragmented packet. */
export function ip6_randomid(): number {
  let id: number;
  // Zero is never handed out, as FreeBSD's randomid never returns it.
  do id = arc4random() >>> 0;
  while (id === 0);
  return id;
}

// ---------------------------------------------------------------------------
// Path MTU.

/**
 * ip6_calcmtu(ifp, dst, rt_mtu, &mtu, &alwaysfrag): the MTU to send with:
 * the route's (the link's if the route has none); a route MTU under 1280
 * (a too-big below the minimum, RFC 8200 5) means 1280 with a fragment
 * header on everything.
 */
function ip6_calcmtu(ifp: ifnet | null, rt_mtu: number, res: pmtu_result): number {
  let mtu = 0;
  let alwaysfrag = 0;
  if (rt_mtu > 0) {
    const ifmtu = ifp !== null ? IN6_LINKMTU(ifp) : 0;
    mtu = rt_mtu;
    if (mtu === 0) mtu = ifmtu;
    else if (mtu < IPV6_MMTU) {
      alwaysfrag = 1;
      mtu = IPV6_MMTU;
    }
  } else if (ifp !== null) {
    mtu = IN6_LINKMTU(ifp);
  } else {
    return EHOSTUNREACH;
  }
  res.mtu = mtu;
  res.alwaysfrag = alwaysfrag;
  return 0;
}

class pmtu_result {
  mtu = 0;
  alwaysfrag = 0;
}
const pmtu_kdst = new in6_addr();
const pmtu_scope: intp = { v: 0 };

/** ip6_getpmtu(ro_pmtu, do_lookup, ifp, dst, &mtu, &alwaysfrag, fibnum): the path MTU to dst. */
function ip6_getpmtu(ro_pmtu: route_in6 | null, do_lookup: boolean, ifp: ifnet, dst: in6_addr, res: pmtu_result, fibnum: number): number {
  let mtu = 0;
  if (ro_pmtu === null || do_lookup) {
    in6_splitscope(dst, pmtu_kdst, pmtu_scope);
    const nh = fib6_lookup(fibnum, pmtu_kdst, pmtu_scope.v, NHR_NONE, 0);
    if (nh !== null) mtu = nh.nh_mtu;
  }
  if (ro_pmtu !== null && ro_pmtu.ro_nh !== null) mtu = ro_pmtu.ro_nh.nh_mtu;
  return ip6_calcmtu(ifp, mtu, res);
}

/** ip6_getpmtu_ctl(fibnum, dst, &mtu): IPV6_PATHMTU's answer. */
export function ip6_getpmtu_ctl(fibnum: number, dst: in6_addr, mtup: intp): number {
  const kdst = new in6_addr();
  const scope: intp = { v: 0 };
  in6_splitscope(dst, kdst, scope);
  const nh = fib6_lookup(fibnum, kdst, scope.v, NHR_NONE, 0);
  if (nh === null) return EHOSTUNREACH;
  const res = new pmtu_result();
  const error = ip6_calcmtu(nh.nh_ifp, nh.nh_mtu, res);
  mtup.v = res.mtu;
  return error;
}

// ---------------------------------------------------------------------------
// ip6_output.

/** FreeBSD's stack variables of one ip6_output call. */
class ip6_output_frame {
  readonly sin6 = new sockaddr_in6();
  readonly src_sa = new sockaddr_in6();
  readonly dst_sa = new sockaddr_in6();
  readonly src0 = new in6_addr();
  readonly dst0 = new in6_addr();
  readonly odst = new in6_addr();
  readonly kdst = new in6_addr();
  readonly scopeid: intp = { v: 0 };
  readonly zone: intp = { v: 0 };
  readonly exthdrs = new ip6_exthdrs();
  readonly pmtu = new pmtu_result();
  readonly hbh_dummy: intp = { v: 0 };
  readonly hbh_plen: intp = { v: 0 };
  /** MAKE_CHAIN's nexthdrp (mbuf and offset) and mprev. */
  np_m: mbuf | null = null;
  np_off = 0;
  mprev: mbuf | null = null;
}

/** MAKE_CHAIN(m, mprev, nexthdrp, proto): put header h behind mprev, named by *nexthdrp. */
function MAKE_CHAIN(fr: ip6_output_frame, h: mbuf | null, proto: number): void {
  if (h === null) return;
  const np = fr.np_m as mbuf;
  const mprev = fr.mprev as mbuf;
  h.m_buf[h.m_data] = np.m_buf[fr.np_off];
  np.m_buf[fr.np_off] = proto;
  fr.np_m = h;
  fr.np_off = h.m_data;
  h.m_next = mprev.m_next;
  mprev.m_next = h;
  fr.mprev = h;
}
const ip6_output_frames: ip6_output_frame[] = [new ip6_output_frame()];
let ip6_output_depth = 0;

function sa6_reset(sa: sockaddr_in6, buf: Uint8Array, off: number): void {
  sa.sin6_len = 28;
  sa.sin6_family = AF_INET6;
  sa.sin6_port = 0;
  sa.sin6_flowinfo = 0;
  sa.sin6_scope_id = 0;
  in6_addr_read(buf, off, sa.sin6_addr);
}

/**
 * ip6_output(m, opt, ro, flags, im6o, ifpp, inp): send the packet in m,
 * whose IPv6 header the caller filled in (flow, nxt, hlim, src, dst; plen
 * is set here).  The chain is always consumed; 0 or an errno.  opt is left
 * alone.  With a route, a cached nexthop in ro is used, or the lookup is
 * cached there.  *ifpp gets the interface the packet went out of.
 */
export function ip6_output(m: mbuf, opt: ip6_pktopts | null, ro: route_in6 | null, flags: number, im6o: ip6_moptions | null, ifpp: { ifp: ifnet | null } | null, inp: ip6_output_inpcb | null): number {
  if (ip6_output_depth === ip6_output_frames.length) ip6_output_frames.push(new ip6_output_frame());
  const fr = ip6_output_frames[ip6_output_depth++];
  try {
    return ip6_output_body(m, opt, ro, flags, im6o, ifpp, inp, fr);
  } finally {
    fr.exthdrs.clear();
    ip6_output_depth--;
  }
}

function ip6_output_body(
  m0: mbuf,
  opt: ip6_pktopts | null,
  ro: route_in6 | null,
  flags: number,
  im6o: ip6_moptions | null,
  ifpp: { ifp: ifnet | null } | null,
  inp: ip6_output_inpcb | null,
  fr: ip6_output_frame,
): number {
  let m: mbuf | null = m0;
  let error = 0;
  let vlan_pcp = -1;
  let ifp: ifnet | null = null;
  let origifp: ifnet | null = null;
  let ia: in6_ifaddr | null = null;
  let nh: nhop_object | null = null;
  let mtu = 0;
  const exthdrs = fr.exthdrs;

  M_ASSERTPKTHDR(m0);
  if (inp !== null) {
    M_SETFIB(m0, inp.inp_inc.inc_fibnum);
    if ((flags & IP_NODEFAULTFLOWID) === 0) m0.m_pkthdr.flowid = inp.inp_flowid ?? 0;
    const f2 = inp.inp_flags2 ?? 0;
    if ((f2 & INP_2PCP_SET) !== 0) vlan_pcp = (f2 & INP_2PCP_MASK) >>> INP_2PCP_SHIFT;
  }

  freehdrs: {
    bad: {
      // Source address validation.
      let ip6 = m.m_data;
      const b0 = m.m_buf;
      in6_addr_read(b0, ip6 + IP6_OFF_SRC, fr.src0);
      if ((IN6_IS_ADDR_UNSPECIFIED(fr.src0) && (flags & IPV6_UNSPECSRC) === 0) || IN6_IS_ADDR_MULTICAST(fr.src0)) {
        error = EOPNOTSUPP;
        IP6STAT_INC(ip6s_badscope);
        break bad;
      }

      // The extension headers the options ask for, and the length of the
      // unfragmentable part.
      exthdrs.clear();
      let optlen = 0;
      let unfragpartlen = IP6_HDR_LEN;
      if (opt !== null) {
        if (opt.ip6po_hbh !== null) {
          const h = ip6_copyexthdr(opt.ip6po_hbh);
          if (h === null) {
            error = ENOBUFS;
            break freehdrs;
          }
          exthdrs.ip6e_hbh = h;
          optlen += h.m_len;
        }
        // A routing header: none is supported (RH0 is deprecated, the
        // others unimplemented), so the packet goes no further.
        if (opt.ip6po_rthdr !== null) {
          error = EINVAL;
          break freehdrs;
        }
        unfragpartlen += optlen;
        if (opt.ip6po_dest2 !== null) {
          const h = ip6_copyexthdr(opt.ip6po_dest2);
          if (h === null) {
            error = ENOBUFS;
            break freehdrs;
          }
          exthdrs.ip6e_dest2 = h;
          optlen += h.m_len;
        }
      }

      // With extension headers, the IPv6 header gets an mbuf of its own.
      let hdrsplit = false;
      if (optlen !== 0) {
        error = ip6_splithdr(m, exthdrs);
        if (error !== 0) {
          m = null;
          break freehdrs;
        }
        m = exthdrs.ip6e_ip6 as mbuf;
        hdrsplit = true;
      }
      ip6 = m.m_data;

      m.m_pkthdr.len += optlen;
      const plen = m.m_pkthdr.len - IP6_HDR_LEN;
      // A payload beyond 65535 bytes needs a jumbo payload option.
      if (plen > IPV6_MAXPACKET) {
        if (!hdrsplit) {
          error = ip6_splithdr(m, exthdrs);
          if (error !== 0) {
            m = null;
            break freehdrs;
          }
          m = exthdrs.ip6e_ip6 as mbuf;
          ip6 = m.m_data;
          hdrsplit = true;
        }
        error = ip6_insert_jumboopt(exthdrs, plen);
        if (error !== 0) break freehdrs;
        m.m_dv.setUint16(ip6 + IP6_OFF_PLEN, 0);
      } else m.m_dv.setUint16(ip6 + IP6_OFF_PLEN, plen);

      // Chain the headers: IPv6 hbh dest1 rthdr dest2 payload.  The next
      // header byte that names the next one is (np_m, np_off).
      fr.np_m = m;
      fr.np_off = ip6 + IP6_OFF_NXT;
      if (optlen !== 0) {
        fr.mprev = m;
        if (exthdrs.ip6e_dest2 !== null) {
          const d2 = exthdrs.ip6e_dest2;
          d2.m_next = m.m_next;
          m.m_next = d2;
          d2.m_buf[d2.m_data] = m.m_buf[ip6 + IP6_OFF_NXT];
          m.m_buf[ip6 + IP6_OFF_NXT] = IPPROTO_DSTOPTS;
        }
        MAKE_CHAIN(fr, exthdrs.ip6e_hbh, IPPROTO_HOPOPTS);
        MAKE_CHAIN(fr, exthdrs.ip6e_dest1, IPPROTO_DSTOPTS);
        MAKE_CHAIN(fr, exthdrs.ip6e_rthdr, IPPROTO_ROUTING);
        fr.mprev = null;
      }
      fr.np_m = null;

      IP6STAT_INC(ip6s_localout);

      // Route the packet.
      const ro_pmtu = ro;
      const dst: sockaddr_in6 = ro !== null ? ro.ro_dst : fr.sin6;
      let gw: sockaddr_in6 = dst;
      let fibnum = inp !== null ? inp.inp_inc.inc_fibnum : M_GETFIB(m);

      again: for (;;) {
        const buf = m.m_buf;
        const dv = m.m_dv;
        // The traffic class the options ask for, in the parts left zero.
        if (opt !== null && opt.ip6po_tclass >= 0) {
          const flow = dv.getUint32(ip6 + IP6_OFF_FLOW);
          let mask = 0;
          if ((flow & (0xfc << 20)) === 0) mask |= 0xfc;
          if ((flow & (0x03 << 20)) === 0) mask |= 0x03;
          if (mask !== 0) dv.setUint32(ip6 + IP6_OFF_FLOW, (flow | ((opt.ip6po_tclass & mask) << 20)) >>> 0);
        }
        in6_addr_read(buf, ip6 + IP6_OFF_DST, fr.dst0);
        const mcast = IN6_IS_ADDR_MULTICAST(fr.dst0);
        // The hop limit the options ask for, or the multicast one.
        if (opt !== null && opt.ip6po_hlim !== -1) buf[ip6 + IP6_OFF_HLIM] = opt.ip6po_hlim & 0xff;
        else if (mcast) buf[ip6 + IP6_OFF_HLIM] = im6o !== null ? im6o.im6o_multicast_hlim : VNET_I32(ip6_defmcasthlim);

        if (ro === null || ro.ro_nh === null) sa6_reset(dst, buf, ip6 + IP6_OFF_DST);
        nh = null;
        ifp = null;
        mtu = 0;
        gw = dst;
        sa6_reset(fr.dst_sa, buf, ip6 + IP6_OFF_DST);
        if (ro !== null) {
          // A cached route to another destination is no good.
          if (ro.ro_nh !== null && !IN6_ARE_ADDR_EQUAL(ro.ro_dst.sin6_addr, fr.dst0)) RO_NHFREE6(ro);
          if (ro.ro_nh !== null) {
            nh = ro.ro_nh;
            ifp = nh.nh_ifp;
          } else {
            error = ip6_selectroute(fr, opt, im6o, ro, fibnum, m.m_pkthdr.flowid);
            if (error !== 0) {
              IP6STAT_INC(ip6s_noroute);
              if (sel_ifp !== null) in6_ifstat_inc(sel_ifp, ifs6_out_discard);
              break bad;
            }
            ifp = sel_ifp;
            nh = sel_nh;
            if (ifp !== null) mtu = ifp.if_mtu;
          }
          if (nh === null) {
            // No nexthop (a multicast interface was named): dst is the group.
            in6_addr_copy(dst.sin6_addr, fr.dst_sa.sin6_addr);
          } else {
            if ((nh.nh_flags & NHF_HOST) !== 0) mtu = nh.nh_mtu;
            ia = ifatoia6(nh.nh_ifa);
            nh.nh_pksent++;
          }
        } else {
          nonh6lookup: {
            if (mcast && im6o !== null && im6o.im6o_multicast_ifp !== null) {
              // The socket named the interface: no lookup.
              ifp = im6o.im6o_multicast_ifp;
              break nonh6lookup;
            }
            in6_splitscope(fr.dst_sa.sin6_addr, fr.kdst, fr.scopeid);
            if (IN6_IS_ADDR_MC_LINKLOCAL(fr.dst_sa.sin6_addr) || IN6_IS_ADDR_MC_NODELOCAL(fr.dst_sa.sin6_addr)) {
              if (fr.scopeid.v > 0) {
                ifp = in6_getlinkifnet(fr.scopeid.v);
                if (ifp === null) {
                  error = EHOSTUNREACH;
                  break bad;
                }
                break nonh6lookup;
              }
            }
            const n = fib6_lookup(fibnum, fr.kdst, fr.scopeid.v, NHR_NONE, m.m_pkthdr.flowid);
            if (n === null) {
              IP6STAT_INC(ip6s_noroute);
              error = EHOSTUNREACH;
              break bad;
            }
            nh = n;
            ifp = n.nh_ifp;
            mtu = n.nh_mtu;
            ia = ifatoia6(n.nh_ifa);
            if ((n.nh_flags & NHF_GATEWAY) !== 0) {
              const g = nh_gw6(n);
              if (g !== null) in6_addr_copy(dst.sin6_addr, g.sin6_addr);
            }
          }
        }
        KASSERT(ifp !== null, "ip6_output: no interface");
        const oifp: ifnet = ifp;

        if ((flags & IPV6_FORWARDING) === 0) in6_ifstat_inc(oifp, ifs6_out_request);

        // The scope zones of the addresses must be the interface's.
        in6_addr_read(buf, ip6 + IP6_OFF_SRC, fr.src0);
        sa6_reset(fr.src_sa, buf, ip6 + IP6_OFF_SRC);
        in6_addr_read(buf, ip6 + IP6_OFF_DST, fr.dst0);
        sa6_reset(fr.dst_sa, buf, ip6 + IP6_OFF_DST);
        let zones_ok = in6_setscope(fr.src0, oifp, fr.zone) === 0 && sa6_recoverscope(fr.src_sa) === 0 && fr.zone.v === fr.src_sa.sin6_scope_id;
        if (zones_ok) zones_ok = in6_setscope(fr.dst0, oifp, fr.zone) === 0 && sa6_recoverscope(fr.dst_sa) === 0 && fr.zone.v === fr.dst_sa.sin6_scope_id;
        if (zones_ok) {
          origifp = oifp;
          // Sending to one of our own addresses goes out of that address's
          // interface (lo0 answers for it, nd6_output_ifp sees the real one).
          if (ia !== null) ifp = ia.ia_ifp;
        } else {
          // Only lo0 may carry a zone that is not its own: it pretends to
          // have received the packet on the interface of the zone.
          sa6_reset(fr.src_sa, buf, ip6 + IP6_OFF_SRC);
          sa6_reset(fr.dst_sa, buf, ip6 + IP6_OFF_DST);
          let o: ifnet | null = null;
          if (
            (oifp.if_flags & IFF_LOOPBACK) === 0 ||
            sa6_recoverscope(fr.src_sa) !== 0 ||
            sa6_recoverscope(fr.dst_sa) !== 0 ||
            fr.dst_sa.sin6_scope_id === 0 ||
            (fr.src_sa.sin6_scope_id !== 0 && fr.src_sa.sin6_scope_id !== fr.dst_sa.sin6_scope_id) ||
            (o = ifnet_byindex(fr.dst_sa.sin6_scope_id)) === null
          ) {
            IP6STAT_INC(ip6s_badscope);
            in6_ifstat_inc(oifp, ifs6_out_discard);
            if (error === 0) error = EHOSTUNREACH;
            break bad;
          }
          origifp = o;
        }
        const sifp: ifnet = ifp;

        // The link layer resolves the gateway for unicast.
        if (nh !== null && !mcast) {
          if (opt !== null && opt.ip6po_nextroute !== null && opt.ip6po_nextroute.ro_nh !== null && opt.ip6po_nexthop !== null) gw = opt.ip6po_nexthop;
          else if ((nh.nh_flags & NHF_GATEWAY) !== 0) {
            const g = nh_gw6(nh);
            if (g !== null) gw = g;
          }
        }

        if (!mcast) {
          m.m_flags &= ~(M_BCAST | M_MCAST);
        } else {
          m.m_flags = (m.m_flags & ~M_BCAST) | M_MCAST;
          in6_ifstat_inc(sifp, ifs6_out_mcast);
          if ((sifp.if_flags & IFF_MULTICAST) === 0) {
            IP6STAT_INC(ip6s_noroute);
            in6_ifstat_inc(sifp, ifs6_out_discard);
            error = ENETUNREACH;
            break bad;
          }
          // Loop a copy back unless told not to; the protocols filter on
          // membership later.
          if ((im6o === null && in6_mcast_loop !== 0) || (im6o !== null && im6o.im6o_multicast_loop !== 0)) ip6_mloopback(sifp, m);
          // Hop limit 0, loopback, interface-local: never on a wire.
          if (buf[ip6 + IP6_OFF_HLIM] === 0 || (sifp.if_flags & IFF_LOOPBACK) !== 0 || IN6_IS_ADDR_MC_INTFACELOCAL(fr.dst0)) {
            m_freem(m);
            return 0;
          }
        }

        if (ifpp !== null) ifpp.ifp = sifp;

        // The path MTU.
        in6_addr_read(buf, ip6 + IP6_OFF_DST, fr.dst0);
        error = ip6_getpmtu(ro_pmtu, ro !== ro_pmtu, sifp, fr.dst0, fr.pmtu, fibnum);
        if (error !== 0) break bad;
        mtu = fr.pmtu.mtu;
        const alwaysfrag = fr.pmtu.alwaysfrag;
        KASSERT(mtu > 0, "ip6_output: mtu <= 0");
        // Multicast goes at the minimum MTU unless told otherwise; anything
        // may be asked to (IPV6_USE_MIN_MTU, RFC 3542).
        if (mtu > IPV6_MMTU) {
          if ((flags & IPV6_MINMTU) !== 0) mtu = IPV6_MMTU;
          else if (opt !== null && opt.ip6po_minmtu === IP6PO_MINMTU_ALL) mtu = IPV6_MMTU;
          else if (mcast && (opt === null || opt.ip6po_minmtu !== IP6PO_MINMTU_DISABLE)) mtu = IPV6_MMTU;
        }

        // The embedded zones stay inside the kernel.
        in6_addr_read(buf, ip6 + IP6_OFF_SRC, fr.src0);
        in6_clearscope(fr.src0);
        in6_addr_write(buf, ip6 + IP6_OFF_SRC, fr.src0);
        in6_addr_read(buf, ip6 + IP6_OFF_DST, fr.dst0);
        in6_clearscope(fr.dst0);
        in6_addr_write(buf, ip6 + IP6_OFF_DST, fr.dst0);

        // A hop-by-hop header is processed by its sender too (RFC 8200 4).
        if (exthdrs.ip6e_hbh !== null) {
          const hm = exthdrs.ip6e_hbh;
          const hbhlen = (hm.m_buf[hm.m_data + IP6E_OFF_LEN] + 1) << 3;
          m.m_flags |= M_LOOP;
          m.m_pkthdr.rcvif = sifp;
          fr.hbh_plen.v = 0;
          if (ip6_process_hopopts(m, hm.m_buf, hm.m_data + 2, hbhlen - 2, fr.hbh_dummy, fr.hbh_plen) < 0) {
            // m was freed.
            return EINVAL;
          }
          m.m_flags &= ~M_LOOP;
          m.m_pkthdr.rcvif = null;
        }

        // Outbound filters.
        const head = V_inet6_pfil_head();
        if (PFIL_HOOKED_OUT(head) && head !== null) {
          in6_addr_read(buf, ip6 + IP6_OFF_DST, fr.odst);
          switch (pfil_mbuf_out(head, m, sifp, inp)) {
            case PFIL_PASS:
              m = pfil_mbuf_result();
              ip6 = m.m_data;
              break;
            case PFIL_DROPPED:
              return EACCES;
            case PFIL_CONSUMED:
              return 0;
          }
          let needfiblookup = false;
          in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, fr.dst0);
          if (!IN6_ARE_ADDR_EQUAL(fr.odst, fr.dst0)) {
            m.m_flags |= M_SKIP_FIREWALL;
            // Now for ourselves: up through ip6_input.
            if (in6_localip(fr.dst0)) {
              m.m_flags |= M_FASTFWD_OURS;
              if (m.m_pkthdr.rcvif === null) m.m_pkthdr.rcvif = V_loif();
              if ((m.m_pkthdr.csum_flags & CSUM_DELAY_DATA_IPV6) !== 0) {
                m.m_pkthdr.csum_flags |= CSUM_DATA_VALID_IPV6 | CSUM_PSEUDO_HDR;
                m.m_pkthdr.csum_data = 0xffff;
              }
              return netisr_queue(NETISR_IPV6, m);
            }
            if (ro !== null) RO_NHFREE6(ro);
            needfiblookup = true;
          }
          if (fibnum !== M_GETFIB(m)) {
            m.m_flags |= M_SKIP_FIREWALL;
            fibnum = M_GETFIB(m);
            if (ro !== null) RO_NHFREE6(ro);
            needfiblookup = true;
          }
          if (needfiblookup) continue again;
          if ((m.m_flags & M_FASTFWD_OURS) !== 0) {
            if (m.m_pkthdr.rcvif === null) m.m_pkthdr.rcvif = V_loif();
            if ((m.m_pkthdr.csum_flags & CSUM_DELAY_DATA_IPV6) !== 0) {
              m.m_pkthdr.csum_flags |= CSUM_DATA_VALID_IPV6 | CSUM_PSEUDO_HDR;
              m.m_pkthdr.csum_data = 0xffff;
            }
            return netisr_queue(NETISR_IPV6, m);
          }
        }

        // passout:
        if (vlan_pcp > -1) EVL_APPLY_PRI(m, vlan_pcp);
        // The transport checksum the interface will not do (and never with
        // extension headers inserted here).
        let sw_csum = m.m_pkthdr.csum_flags;
        if (!hdrsplit) sw_csum &= ~sifp.if_hwassist;
        if ((sw_csum & CSUM_DELAY_DATA_IPV6) !== 0) {
          in6_delayed_cksum(m, plen - optlen, IP6_HDR_LEN + optlen);
          m.m_pkthdr.csum_flags &= ~CSUM_DELAY_DATA_IPV6;
        }
        const tlen = m.m_pkthdr.len;

        // 1: fits the path MTU: as is; too big: fragments.  2: IPV6_DONTFRAG:
        // as is if it fits the link, else EMSGSIZE.  3: alwaysfrag (a path
        // MTU under 1280 was reported): always fragments.  4: 2 and 3: error.
        const dontfrag = opt !== null && (opt.ip6po_flags & IP6PO_DONTFRAG) !== 0;
        if (dontfrag && alwaysfrag !== 0) {
          error = EMSGSIZE;
          break bad;
        }
        if (dontfrag && tlen > IN6_LINKMTU(sifp)) {
          // (ip6_notify_pmtu tells an IPV6_RECVPATHMTU socket.)
          error = EMSGSIZE;
          break bad;
        }

        if (dontfrag || (alwaysfrag === 0 && tlen <= mtu)) {
          in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, fr.src0);
          const ia6 = ip6_ifawithifp(sifp, fr.src0);
          if (ia6 !== null) {
            ia6.ifa_opackets++;
            ia6.ifa_obytes += m.m_pkthdr.len;
          }
          return nd6_output_ifp(sifp, origifp as ifnet, m, gw, ro);
        }

        // Fragment.
        if (mtu < IPV6_MMTU) {
          error = EMSGSIZE;
          in6_ifstat_inc(sifp, ifs6_out_fragfail);
          break bad;
        }
        if (m.m_dv.getUint16(ip6 + IP6_OFF_PLEN) === 0) {
          // A jumbo payload cannot be fragmented.
          error = EMSGSIZE;
          in6_ifstat_inc(sifp, ifs6_out_fragfail);
          break bad;
        }
        if (mtu > IPV6_MAXPACKET) mtu = IPV6_MAXPACKET;
        const len = (mtu - unfragpartlen - IP6_FRAG_LEN) & ~7;
        if (len < 8) {
          error = EMSGSIZE;
          in6_ifstat_inc(sifp, ifs6_out_fragfail);
          break bad;
        }
        if ((m.m_pkthdr.csum_flags & CSUM_DELAY_DATA_IPV6) !== 0) {
          in6_delayed_cksum(m, plen - optlen, IP6_HDR_LEN + optlen);
          m.m_pkthdr.csum_flags &= ~CSUM_DELAY_DATA_IPV6;
        }

        // The last header of the unfragmentable part now names the
        // fragment header.
        let nextproto: number;
        if (exthdrs.ip6e_rthdr !== null) {
          const h = exthdrs.ip6e_rthdr;
          nextproto = h.m_buf[h.m_data];
          h.m_buf[h.m_data] = IPPROTO_FRAGMENT;
        } else if (exthdrs.ip6e_dest1 !== null) {
          const h = exthdrs.ip6e_dest1;
          nextproto = h.m_buf[h.m_data];
          h.m_buf[h.m_data] = IPPROTO_FRAGMENT;
        } else if (exthdrs.ip6e_hbh !== null) {
          const h = exthdrs.ip6e_hbh;
          nextproto = h.m_buf[h.m_data];
          h.m_buf[h.m_data] = IPPROTO_FRAGMENT;
        } else {
          nextproto = m.m_buf[ip6 + IP6_OFF_NXT];
          m.m_buf[ip6 + IP6_OFF_NXT] = IPPROTO_FRAGMENT;
        }

        const mf = m;
        const id = ip6_randomid();
        error = ip6_fragment(sifp, mf, unfragpartlen, nextproto, len, id);
        if (error === 0) in6_ifstat_inc(sifp, ifs6_out_fragok);

        // sendorfree: the original goes, the fragments go out (or are freed
        // after an error).
        let fm: mbuf | null = mf.m_nextpkt;
        mf.m_nextpkt = null;
        m_freem(mf);
        while (fm !== null) {
          const next: mbuf | null = fm.m_nextpkt;
          fm.m_nextpkt = null;
          if (error === 0) {
            if (ia !== null) {
              ia.ifa_opackets++;
              ia.ifa_obytes += fm.m_pkthdr.len;
            }
            if (vlan_pcp > -1) EVL_APPLY_PRI(fm, vlan_pcp);
            error = nd6_output_ifp(sifp, origifp as ifnet, fm, gw, ro);
          } else m_freem(fm);
          fm = next;
        }
        if (error === 0) IP6STAT_INC(ip6s_fragmented);
        return error;
      }
    }
    // bad:
    if (m !== null) m_freem(m);
    return error;
  }
  // freehdrs:
  m_freem(exthdrs.ip6e_hbh);
  m_freem(exthdrs.ip6e_dest1);
  m_freem(exthdrs.ip6e_rthdr);
  m_freem(exthdrs.ip6e_dest2);
  if (m !== null) m_freem(m);
  return error;
}


/** in6_ifawithifp's use here: the address of ifp the packet comes from (for its counters). */
function ip6_ifawithifp(ifp: ifnet, src: in6_addr): in6_ifaddr | null {
  const addrs = ifp.if_addrhead;
  for (let i = 0; i < addrs.length; i++) {
    const ifa = addrs[i];
    if (ifa instanceof in6_ifaddr && IN6_ARE_ADDR_EQUAL(ifa.ia_addr.sin6_addr, src)) return ifa;
  }
  return null;
}

/** in6_selectroute's results. */
let sel_ifp: ifnet | null = null;
let sel_nh: nhop_object | null = null;

/**
 * in6_selectroute(dst, opt, im6o, ro, &ifp, &nh, fibnum, flowid)
 * (in6_src.c's, for a caller with a route): the interface and nexthop for
 * dst.  The interface an IPV6_PKTINFO option or a multicast option names
 * wins; else the route, cached in ro (with a reference).
 */
function ip6_selectroute(fr: ip6_output_frame, opt: ip6_pktopts | null, im6o: ip6_moptions | null, ro: route_in6, fibnum: number, flowid: number): number {
  sel_ifp = null;
  sel_nh = null;
  const dst = fr.dst_sa.sin6_addr;
  // The outgoing interface of IPV6_PKTINFO, if it names one.
  if (opt !== null && opt.ip6po_pktinfo !== null && opt.ip6po_pktinfo.ipi6_ifindex !== 0) {
    const ifp = ifnet_byindex(opt.ip6po_pktinfo.ipi6_ifindex);
    if (ifp === null) return ENETUNREACH;
    sel_ifp = ifp;
    if (IN6_IS_ADDR_MULTICAST(dst)) return 0;
  }
  if (IN6_IS_ADDR_MULTICAST(dst)) {
    if (im6o !== null && im6o.im6o_multicast_ifp !== null) {
      sel_ifp = im6o.im6o_multicast_ifp;
      return 0;
    }
    in6_splitscope(dst, fr.kdst, fr.scopeid);
    if ((IN6_IS_ADDR_MC_LINKLOCAL(dst) || IN6_IS_ADDR_MC_NODELOCAL(dst)) && fr.scopeid.v > 0) {
      sel_ifp = in6_getlinkifnet(fr.scopeid.v);
      return sel_ifp === null ? EHOSTUNREACH : 0;
    }
  }
  in6_splitscope(dst, fr.kdst, fr.scopeid);
  const nh = fib6_lookup(fibnum, fr.kdst, fr.scopeid.v, NHR_REF, flowid);
  if (nh === null) return EHOSTUNREACH;
  in6_addr_copy(ro.ro_dst.sin6_addr, dst);
  ro.ro_dst.sin6_family = AF_INET6;
  ro.ro_dst.sin6_len = 28;
  ro.ro_nh = nh;
  sel_nh = nh;
  if (sel_ifp === null) sel_ifp = nh.nh_ifp;
  return 0;
}

/**
 * ip6_mloopback(ifp, m): a copy of an outgoing multicast goes up through
 * the loopback path (as received on ifp, not lo0), with its zones cleared.
 */
export function ip6_mloopback(ifp: ifnet, m: mbuf): void {
  let copym = m_copym(m, 0, M_COPYALL, M_NOWAIT);
  if (copym === null) return;
  // The header is written to: a private copy of it.
  if (!M_WRITABLE(copym) || copym.m_len < IP6_HDR_LEN) {
    copym = m_pullup(copym, IP6_HDR_LEN);
    if (copym === null) return;
  }
  const ip6 = copym.m_data;
  in6_addr_read(copym.m_buf, ip6 + IP6_OFF_SRC, mloop_a);
  in6_clearscope(mloop_a);
  in6_addr_write(copym.m_buf, ip6 + IP6_OFF_SRC, mloop_a);
  in6_addr_read(copym.m_buf, ip6 + IP6_OFF_DST, mloop_a);
  in6_clearscope(mloop_a);
  in6_addr_write(copym.m_buf, ip6 + IP6_OFF_DST, mloop_a);
  if ((copym.m_pkthdr.csum_flags & CSUM_DELAY_DATA_IPV6) !== 0) {
    copym.m_pkthdr.csum_flags |= CSUM_DATA_VALID_IPV6 | CSUM_PSEUDO_HDR;
    copym.m_pkthdr.csum_data = 0xffff;
  }
  if_simloop(ifp, copym, AF_INET6, 0);
}
const mloop_a = new in6_addr();

// ---------------------------------------------------------------------------
// Packet options (RFC 3542): sticky ones a socket sets with setsockopt,
// per-packet ones in a sendmsg's ancillary data.

/** What ip6_ctloutput and ip6_optlen read and write of an inpcb (in6_pcb's fields). */
export interface ip6_inpcb {
  inp_flags: number;
  inp_flags2: number;
  inp_vflag: number;
  inp_lport: number;
  inp_ip_ttl: number;
  inp_flowid: number;
  inp_flowtype: number;
  inp_inc: { inc_fibnum: number };
  in6p_outputopts: ip6_pktopts | null;
  in6p_hops: number;
  in6p_cksum: number;
  in6p_laddr: in6_addr;
  in6p_faddr: in6_addr;
}

/** Whether the pcb carries the IPv6 half (in6_pcb's fields). */
export function inp_is_ip6(inp: object): inp is ip6_inpcb {
  return "in6p_outputopts" in inp;
}

/** ip6_initpktopts: the defaults (-1: the system's). */
export function ip6_initpktopts(opt: ip6_pktopts): void {
  opt.ip6po_hlim = -1;
  opt.ip6po_pktinfo = null;
  opt.ip6po_nexthop = null;
  opt.ip6po_nextroute = null;
  opt.ip6po_hbh = null;
  opt.ip6po_dest1 = null;
  opt.ip6po_rthdr = null;
  opt.ip6po_route = null;
  opt.ip6po_dest2 = null;
  opt.ip6po_tclass = -1;
  opt.ip6po_minmtu = IP6PO_MINMTU_MCASTONLY;
  opt.ip6po_prefer_tempaddr = IP6PO_TEMPADDR_SYSTEM;
  opt.ip6po_flags = 0;
}

/** ip6_clearpktopts(pktopt, optname): forget one option (-1: all). */
export function ip6_clearpktopts(pktopt: ip6_pktopts | null, optname: number): void {
  if (pktopt === null) return;
  if (optname === -1 || optname === IPV6_PKTINFO) pktopt.ip6po_pktinfo = null;
  if (optname === -1 || optname === IPV6_HOPLIMIT) pktopt.ip6po_hlim = -1;
  if (optname === -1 || optname === IPV6_TCLASS) pktopt.ip6po_tclass = -1;
  if (optname === -1 || optname === IPV6_NEXTHOP) {
    if (pktopt.ip6po_nextroute !== null) RO_NHFREE6(pktopt.ip6po_nextroute);
    pktopt.ip6po_nextroute = null;
    pktopt.ip6po_nexthop = null;
  }
  if (optname === -1 || optname === IPV6_HOPOPTS) pktopt.ip6po_hbh = null;
  if (optname === -1 || optname === IPV6_RTHDRDSTOPTS) pktopt.ip6po_dest1 = null;
  if (optname === -1 || optname === IPV6_RTHDR) {
    pktopt.ip6po_rthdr = null;
    if (pktopt.ip6po_route !== null) RO_NHFREE6(pktopt.ip6po_route);
  }
  if (optname === -1 || optname === IPV6_DSTOPTS) pktopt.ip6po_dest2 = null;
}

function exthdr_copy(h: Uint8Array | null): Uint8Array | null {
  return h === null ? null : h.slice(0, (h[IP6E_OFF_LEN] + 1) << 3);
}

/** copypktopts(dst, src): the options, not the cached routes. */
function copypktopts(dst: ip6_pktopts, src: ip6_pktopts): number {
  dst.ip6po_hlim = src.ip6po_hlim;
  dst.ip6po_tclass = src.ip6po_tclass;
  dst.ip6po_flags = src.ip6po_flags;
  dst.ip6po_minmtu = src.ip6po_minmtu;
  dst.ip6po_prefer_tempaddr = src.ip6po_prefer_tempaddr;
  if (src.ip6po_pktinfo !== null) {
    const pi = new in6_pktinfo();
    pi.ipi6_addr = src.ip6po_pktinfo.ipi6_addr === null ? null : in6_clone(src.ip6po_pktinfo.ipi6_addr);
    pi.ipi6_ifindex = src.ip6po_pktinfo.ipi6_ifindex;
    dst.ip6po_pktinfo = pi;
  }
  if (src.ip6po_nexthop !== null) {
    const n = src.ip6po_nexthop;
    dst.ip6po_nexthop = new sockaddr_in6(n.sin6_addr, n.sin6_port, n.sin6_scope_id);
  }
  dst.ip6po_hbh = exthdr_copy(src.ip6po_hbh);
  dst.ip6po_dest1 = exthdr_copy(src.ip6po_dest1);
  dst.ip6po_dest2 = exthdr_copy(src.ip6po_dest2);
  dst.ip6po_rthdr = exthdr_copy(src.ip6po_rthdr);
  return 0;
}

function in6_clone(a: in6_addr): in6_addr {
  const c = new in6_addr();
  in6_addr_copy(c, a);
  return c;
}

/** ip6_copypktopts(src): a copy of a socket's options. */
export function ip6_copypktopts(src: ip6_pktopts, _canwait = 0): ip6_pktopts | null {
  const dst = new ip6_pktopts();
  ip6_initpktopts(dst);
  if (copypktopts(dst, src) !== 0) return null;
  return dst;
}

/** ip6_freepcbopts(pktopt). */
export function ip6_freepcbopts(pktopt: ip6_pktopts | null): void {
  if (pktopt === null) return;
  ip6_clearpktopts(pktopt, -1);
}

/** ip6_optlen(inp): the length of the extension headers the socket's options add. */
export function ip6_optlen(inp: ip6_inpcb): number {
  const o = inp.in6p_outputopts;
  if (o === null) return 0;
  const elen = (h: Uint8Array | null): number => (h !== null ? (h[IP6E_OFF_LEN] + 1) << 3 : 0);
  let len = elen(o.ip6po_hbh);
  // dest1 goes only with a routing header.
  if (o.ip6po_rthdr !== null) len += elen(o.ip6po_dest1);
  len += elen(o.ip6po_rthdr);
  len += elen(o.ip6po_dest2);
  return len;
}

// struct cmsghdr on amd64: cmsg_len (4), cmsg_level (4), cmsg_type (4),
// the data at the next 8-byte boundary.
const CMSG_HDRLEN = 12;
function CMSG_ALIGN(n: number): number {
  return (n + 7) & ~7;
}
function CMSG_LEN(n: number): number {
  return CMSG_ALIGN(CMSG_HDRLEN) + n;
}

/**
 * ip6_setpktopts(control, opt, stickyopt, cred, uproto): the options of one
 * packet: the socket's sticky ones (copied), overridden by the ancillary
 * data in control (one mbuf of struct cmsghdr, IPPROTO_IPV6 ones used).
 */
export function ip6_setpktopts(control: mbuf | null, opt: ip6_pktopts | null, stickyopt: ip6_pktopts | null, cred: ucred | null, uproto: number): number {
  if (control === null || opt === null) return EINVAL;
  ip6_initpktopts(opt);
  if (stickyopt !== null) {
    const error = copypktopts(opt, stickyopt);
    if (error !== 0) return error;
  }
  // All the options are assumed in one mbuf.
  if (control.m_next !== null) return EINVAL;
  let off = control.m_data;
  let left = control.m_len;
  const dv = control.m_dv;
  while (left > 0) {
    if (left < CMSG_LEN(0)) return EINVAL;
    const cmsg_len = dv.getUint32(off, true);
    const cmsg_level = dv.getInt32(off + 4, true);
    const cmsg_type = dv.getInt32(off + 8, true);
    if (cmsg_len === 0 || cmsg_len > left) return EINVAL;
    if (cmsg_level === IPPROTO_IPV6) {
      const data = control.m_buf.subarray(off + CMSG_LEN(0), off + cmsg_len);
      const error = ip6_setpktopt(cmsg_type, data, cmsg_len - CMSG_LEN(0), opt, cred, false, true, uproto);
      if (error !== 0) return error;
    }
    const step = CMSG_ALIGN(cmsg_len);
    off += step;
    left -= step;
  }
  return 0;
}

/** ip6_pcbopt(optname, buf, len, &pktopt, cred, uproto): one sticky option. */
function ip6_pcbopt(optname: number, buf: Uint8Array, len: number, inp: ip6_inpcb, cred: ucred | null, uproto: number): number {
  if (inp.in6p_outputopts === null) {
    const o = new ip6_pktopts();
    ip6_initpktopts(o);
    inp.in6p_outputopts = o;
  }
  return ip6_setpktopt(optname, buf, len, inp.in6p_outputopts, cred, true, false, uproto);
}

function int_of(buf: Uint8Array): number {
  return (buf[0] | (buf[1] << 8) | (buf[2] << 16) | (buf[3] << 24)) | 0;
}

/** PRIV_NETINET_SETHDROPTS (sys/priv.h). */
const PRIV_NETINET_SETHDROPTS = 515;

/**
 * ip6_setpktopt(optname, buf, len, opt, cred, sticky, cmsg, uproto): set one
 * option, sticky (setsockopt) or for one packet (cmsg).  RFC 2292 names
 * only as ancillary data; RFC 3542 per-packet-only names not sticky.
 */
function ip6_setpktopt(optname: number, buf: Uint8Array, len: number, opt: ip6_pktopts, cred: ucred | null, sticky: boolean, cmsg: boolean, uproto: number): number {
  if (!sticky && !cmsg) return EINVAL;
  if (!cmsg) {
    switch (optname) {
      case IPV6_2292PKTINFO:
      case IPV6_2292HOPLIMIT:
      case IPV6_2292NEXTHOP:
      case IPV6_2292HOPOPTS:
      case IPV6_2292DSTOPTS:
      case IPV6_2292RTHDR:
      case IPV6_2292PKTOPTIONS:
        return ENOPROTOOPT;
    }
  }
  if (sticky && cmsg) {
    switch (optname) {
      case IPV6_PKTINFO:
      case IPV6_HOPLIMIT:
      case IPV6_NEXTHOP:
      case IPV6_HOPOPTS:
      case IPV6_DSTOPTS:
      case IPV6_RTHDRDSTOPTS:
      case IPV6_RTHDR:
      case IPV6_USE_MIN_MTU:
      case IPV6_DONTFRAG:
      case IPV6_TCLASS:
      case IPV6_PREFER_TEMPADDR:
        return ENOPROTOOPT;
    }
  }

  switch (optname) {
    case IPV6_2292PKTINFO:
    case IPV6_PKTINFO: {
      // struct in6_pktinfo: the address (16), the interface index (4).
      if (len !== 20) return EINVAL;
      const addr = in6_addr_read(buf, 0, new in6_addr());
      const ifindex = (buf[16] | (buf[17] << 8) | (buf[18] << 16) | (buf[19] << 24)) >>> 0;
      // :: and index 0 clear a sticky IPV6_PKTINFO (RFC 3542 6).
      if (optname === IPV6_PKTINFO && opt.ip6po_pktinfo !== null && ifindex === 0 && IN6_IS_ADDR_UNSPECIFIED(addr)) {
        ip6_clearpktopts(opt, optname);
        break;
      }
      if (uproto === IPPROTO_TCP && optname === IPV6_PKTINFO && sticky && !IN6_IS_ADDR_UNSPECIFIED(addr)) return EINVAL;
      if (IN6_IS_ADDR_MULTICAST(addr)) return EINVAL;
      let ifp: ifnet | null = null;
      if (ifindex !== 0) {
        ifp = ifnet_byindex(ifindex);
        if (ifp === null) return ENXIO;
      }
      if (ifp !== null && (in6_ifextra_get(ifp) === null || (ND_IFINFO(ifp).flags & ND6_IFF_IFDISABLED) !== 0)) return ENETDOWN;
      if (ifp !== null && !IN6_IS_ADDR_UNSPECIFIED(addr)) {
        in6_setscope(addr, ifp, null);
        if (ip6_ifawithifp(ifp, addr) === null) return EADDRNOTAVAIL;
      }
      // The address is kept and checked by in6_selectsrc with the
      // destination's zone at hand.
      const pi = new in6_pktinfo();
      pi.ipi6_addr = addr;
      pi.ipi6_ifindex = ifindex;
      opt.ip6po_pktinfo = pi;
      break;
    }
    case IPV6_2292HOPLIMIT:
    case IPV6_HOPLIMIT: {
      // RFC 3542 made a sticky IPV6_HOPLIMIT meaningless.
      if (optname === IPV6_HOPLIMIT && sticky) return ENOPROTOOPT;
      if (len !== 4) return EINVAL;
      const hlim = int_of(buf);
      if (hlim < -1 || hlim > 255) return EINVAL;
      opt.ip6po_hlim = hlim;
      break;
    }
    case IPV6_TCLASS: {
      if (len !== 4) return EINVAL;
      const tclass = int_of(buf);
      if (tclass < -1 || tclass > 255) return EINVAL;
      opt.ip6po_tclass = tclass;
      break;
    }
    case IPV6_2292NEXTHOP:
    case IPV6_NEXTHOP: {
      if (cred !== null) {
        const error = priv_check_cred(cred, PRIV_NETINET_SETHDROPTS);
        if (error !== 0) return error;
      }
      if (len === 0) {
        ip6_clearpktopts(opt, IPV6_NEXTHOP);
        break;
      }
      // A struct sockaddr, as long as its sa_len says.
      if (len < 16 || len < buf[0]) return EINVAL;
      if (buf[1] !== AF_INET6) return EAFNOSUPPORT;
      if (buf[0] !== 28) return EINVAL;
      const sa6 = new sockaddr_in6(in6_addr_read(buf, 8, new in6_addr()), (buf[2] << 8) | buf[3], (buf[24] | (buf[25] << 8) | (buf[26] << 16) | (buf[27] << 24)) >>> 0);
      if (IN6_IS_ADDR_UNSPECIFIED(sa6.sin6_addr) || IN6_IS_ADDR_MULTICAST(sa6.sin6_addr)) return EINVAL;
      const error = sa6_embedscope(sa6, VNET_I32(ip6_use_defzone));
      if (error !== 0) return error;
      ip6_clearpktopts(opt, IPV6_NEXTHOP);
      opt.ip6po_nexthop = sa6;
      break;
    }
    case IPV6_2292HOPOPTS:
    case IPV6_HOPOPTS: {
      // No unprivileged hop-by-hop options at all (KAME).
      if (cred !== null) {
        const error = priv_check_cred(cred, PRIV_NETINET_SETHDROPTS);
        if (error !== 0) return error;
      }
      if (len === 0) {
        ip6_clearpktopts(opt, IPV6_HOPOPTS);
        break;
      }
      if (len < 2) return EINVAL;
      const hbhlen = (buf[IP6E_OFF_LEN] + 1) << 3;
      if (len !== hbhlen) return EINVAL;
      ip6_clearpktopts(opt, IPV6_HOPOPTS);
      opt.ip6po_hbh = buf.slice(0, hbhlen);
      break;
    }
    case IPV6_2292DSTOPTS:
    case IPV6_DSTOPTS:
    case IPV6_RTHDRDSTOPTS: {
      if (cred !== null) {
        const error = priv_check_cred(cred, PRIV_NETINET_SETHDROPTS);
        if (error !== 0) return error;
      }
      if (len === 0) {
        ip6_clearpktopts(opt, optname);
        break;
      }
      if (len < 2) return EINVAL;
      const destlen = (buf[IP6E_OFF_LEN] + 1) << 3;
      if (len !== destlen) return EINVAL;
      // Before or after a routing header: RFC 2292's form depends on
      // whether one was given first.
      let first: boolean;
      if (optname === IPV6_2292DSTOPTS) first = opt.ip6po_rthdr === null;
      else first = optname === IPV6_RTHDRDSTOPTS;
      ip6_clearpktopts(opt, optname);
      if (first) opt.ip6po_dest1 = buf.slice(0, destlen);
      else opt.ip6po_dest2 = buf.slice(0, destlen);
      break;
    }
    case IPV6_2292RTHDR:
    case IPV6_RTHDR: {
      if (len === 0) {
        ip6_clearpktopts(opt, IPV6_RTHDR);
        break;
      }
      if (len < IP6_RTHDR_LEN) return EINVAL;
      const rthlen = (buf[IP6R_OFF_LEN] + 1) << 3;
      if (len !== rthlen) return EINVAL;
      switch (buf[IP6R_OFF_TYPE]) {
        case IPV6_RTHDR_TYPE_0:
          // One address at least, an even length, as many segments left.
          if (buf[IP6R_OFF_LEN] === 0) return EINVAL;
          if (buf[IP6R_OFF_LEN] % 2 !== 0) return EINVAL;
          if (buf[IP6R_OFF_LEN] / 2 !== buf[IP6R_OFF_SEGLEFT]) return EINVAL;
          break;
        default:
          return EINVAL;
      }
      ip6_clearpktopts(opt, IPV6_RTHDR);
      opt.ip6po_rthdr = buf.slice(0, rthlen);
      break;
    }
    case IPV6_USE_MIN_MTU: {
      if (len !== 4) return EINVAL;
      const minmtupolicy = int_of(buf);
      if (minmtupolicy !== IP6PO_MINMTU_MCASTONLY && minmtupolicy !== IP6PO_MINMTU_DISABLE && minmtupolicy !== IP6PO_MINMTU_ALL) return EINVAL;
      opt.ip6po_minmtu = minmtupolicy;
      break;
    }
    case IPV6_DONTFRAG:
      if (len !== 4) return EINVAL;
      // Ignored for TCP (RFC 3542 leaves it unspecified).
      if (uproto === IPPROTO_TCP || int_of(buf) === 0) opt.ip6po_flags &= ~IP6PO_DONTFRAG;
      else opt.ip6po_flags |= IP6PO_DONTFRAG;
      break;
    case IPV6_PREFER_TEMPADDR: {
      if (len !== 4) return EINVAL;
      const preftemp = int_of(buf);
      if (preftemp !== IP6PO_TEMPADDR_SYSTEM && preftemp !== IP6PO_TEMPADDR_NOTPREFER && preftemp !== IP6PO_TEMPADDR_PREFER) return EINVAL;
      opt.ip6po_prefer_tempaddr = preftemp;
      break;
    }
    default:
      return ENOPROTOOPT;
  }
  return 0;
}

/** An int option's four bytes (host order, amd64). */
const optint = new Uint8Array(4);
function int_bytes(v: number): Uint8Array {
  optint[0] = v & 0xff;
  optint[1] = (v >>> 8) & 0xff;
  optint[2] = (v >>> 16) & 0xff;
  optint[3] = (v >>> 24) & 0xff;
  return optint;
}

/** ip6_getpcbopt(inp, optname, sopt): a sticky option's value. */
function ip6_getpcbopt(inp: ip6_inpcb, optname: number, sopt: sockopt): number {
  const pktopt = inp.in6p_outputopts;
  switch (optname) {
    case IPV6_PKTINFO: {
      const b = new Uint8Array(20);
      if (pktopt !== null && pktopt.ip6po_pktinfo !== null) {
        const pi = pktopt.ip6po_pktinfo;
        if (pi.ipi6_addr !== null) {
          const a = in6_clone(pi.ipi6_addr);
          in6_clearscope(a);
          in6_addr_write(b, 0, a);
        }
        b.set(int_bytes(pi.ipi6_ifindex), 16);
      }
      return sooptcopyout_bytes(sopt, b);
    }
    case IPV6_TCLASS:
      return sooptcopyout_int(sopt, pktopt !== null && pktopt.ip6po_tclass >= 0 ? pktopt.ip6po_tclass : 0);
    case IPV6_HOPOPTS:
    case IPV6_RTHDR:
    case IPV6_RTHDRDSTOPTS:
    case IPV6_DSTOPTS: {
      let h: Uint8Array | null = null;
      if (pktopt !== null) {
        if (optname === IPV6_HOPOPTS) h = pktopt.ip6po_hbh;
        else if (optname === IPV6_RTHDR) h = pktopt.ip6po_rthdr;
        else if (optname === IPV6_RTHDRDSTOPTS) h = pktopt.ip6po_dest1;
        else h = pktopt.ip6po_dest2;
      }
      if (h === null) {
        sopt.sopt_valsize = 0;
        return 0;
      }
      const n = Math.min((h[IP6E_OFF_LEN] + 1) << 3, sopt.sopt_valsize);
      return sooptcopyout_bytes(sopt, h.subarray(0, n));
    }
    case IPV6_NEXTHOP: {
      if (pktopt === null || pktopt.ip6po_nexthop === null) {
        sopt.sopt_valsize = 0;
        return 0;
      }
      const sa = pktopt.ip6po_nexthop;
      const b = new Uint8Array(28);
      b[0] = 28;
      b[1] = AF_INET6;
      b[2] = (sa.sin6_port >>> 8) & 0xff;
      b[3] = sa.sin6_port & 0xff;
      in6_addr_write(b, 8, sa.sin6_addr);
      b.set(int_bytes(sa.sin6_scope_id), 24);
      return sooptcopyout_bytes(sopt, b.subarray(0, Math.min(28, sopt.sopt_valsize)));
    }
    case IPV6_USE_MIN_MTU:
      return sooptcopyout_int(sopt, pktopt !== null ? pktopt.ip6po_minmtu : IP6PO_MINMTU_MCASTONLY);
    case IPV6_DONTFRAG:
      return sooptcopyout_int(sopt, pktopt !== null && (pktopt.ip6po_flags & IP6PO_DONTFRAG) !== 0 ? 1 : 0);
    case IPV6_PREFER_TEMPADDR:
      return sooptcopyout_int(sopt, pktopt !== null ? pktopt.ip6po_prefer_tempaddr : IP6PO_TEMPADDR_SYSTEM);
  }
  return ENOPROTOOPT;
}

/**
 * ip6_ctloutput(so, sopt): the IPPROTO_IPV6 socket options (and the
 * SOL_SOCKET ones IPv6 mirrors into the pcb).
 */
export function ip6_ctloutput(so: socket, sopt: sockopt): number {
  const inp0 = so.so_pcb;
  if (inp0 === null || !inp_is_ip6(inp0)) return EINVAL;
  const inp: ip6_inpcb = inp0;
  const level = sopt.sopt_level;
  const op = sopt.sopt_dir;
  const optname = sopt.sopt_name;
  const optlen = sopt.sopt_valsize;
  const td = sopt.sopt_td;
  const cred = td !== null ? td.td_ucred : null;
  const uproto = so.so_proto.pr_protocol;
  let error = 0;

  if (level !== IPPROTO_IPV6) {
    error = EINVAL;
    if (level === SOL_SOCKET && op === SOPT_SET) {
      switch (optname) {
        case SO_REUSEADDR:
          if ((so.so_options & SO_REUSEADDR) !== 0) inp.inp_flags2 |= INP_REUSEADDR;
          else inp.inp_flags2 &= ~INP_REUSEADDR;
          error = 0;
          break;
        case SO_REUSEPORT:
          if ((so.so_options & SO_REUSEPORT) !== 0) inp.inp_flags2 |= INP_REUSEPORT;
          else inp.inp_flags2 &= ~INP_REUSEPORT;
          error = 0;
          break;
        case SO_SETFIB:
          inp.inp_inc.inc_fibnum = so.so_fibnum;
          error = 0;
          break;
      }
    }
    return error;
  }

  const OPTBIT = (bit: number): number => ((inp.inp_flags & bit) !== 0 ? 1 : 0);
  const OPTBIT2 = (bit: number): number => ((inp.inp_flags2 & bit) !== 0 ? 1 : 0);
  if (op === SOPT_SET) {
    switch (optname) {
      case IPV6_2292PKTOPTIONS:
        // (RFC 2292's option buffer: only "clear everything" is honoured.)
        if (optlen === 0) {
          ip6_freepcbopts(inp.in6p_outputopts);
          inp.in6p_outputopts = null;
          return 0;
        }
        return EINVAL;
      case IPV6_RECVHOPOPTS:
      case IPV6_RECVDSTOPTS:
      case IPV6_RECVRTHDRDSTOPTS:
      case IPV6_UNICAST_HOPS:
      case IPV6_HOPLIMIT:
      case IPV6_RECVPKTINFO:
      case IPV6_RECVHOPLIMIT:
      case IPV6_RECVRTHDR:
      case IPV6_RECVPATHMTU:
      case IPV6_RECVTCLASS:
      case IPV6_RECVFLOWID:
      case IPV6_V6ONLY:
      case IPV6_AUTOFLOWLABEL:
      case IPV6_ORIGDSTADDR:
      case IPV6_BINDANY:
      case IPV6_BINDMULTI:
      case IPV6_VLAN_PCP: {
        if ((optname === IPV6_RECVHOPOPTS || optname === IPV6_RECVDSTOPTS || optname === IPV6_RECVRTHDRDSTOPTS) && cred !== null) {
          error = priv_check_cred(cred, PRIV_NETINET_SETHDROPTS);
          if (error !== 0) return error;
        }
        if (optlen !== 4) return EINVAL;
        const r = sooptcopyin_int(sopt);
        if (r.error !== 0) return r.error;
        const optval = r.val;
        const OPTSET = (bit: number): void => {
          if (optval !== 0) inp.inp_flags |= bit;
          else inp.inp_flags &= ~bit;
        };
        const OPTSET2 = (bit: number): void => {
          if (optval !== 0) inp.inp_flags2 |= bit;
          else inp.inp_flags2 &= ~bit;
        };
        // The RFC 3542 receive options do not mix with RFC 2292's.
        const OPTSET2292_EXCLUSIVE = (bit: number): void => {
          if (OPTBIT(IN6P_RFC2292) !== 0) error = EINVAL;
          else OPTSET(bit);
        };
        switch (optname) {
          case IPV6_UNICAST_HOPS:
            if (optval < -1 || optval >= 256) error = EINVAL;
            else {
              // -1: the kernel's default.
              inp.in6p_hops = optval;
              if ((inp.inp_vflag & INP_IPV4) !== 0) inp.inp_ip_ttl = optval;
            }
            break;
          case IPV6_RECVPKTINFO:
            OPTSET2292_EXCLUSIVE(IN6P_PKTINFO);
            break;
          case IPV6_HOPLIMIT:
            if (OPTBIT(IN6P_RFC2292) !== 0) {
              error = EINVAL;
              break;
            }
            if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNRESET;
            error = ip6_pcbopt(IPV6_HOPLIMIT, int_bytes(optval), 4, inp, cred, uproto);
            break;
          case IPV6_RECVHOPLIMIT:
            OPTSET2292_EXCLUSIVE(IN6P_HOPLIMIT);
            break;
          case IPV6_RECVHOPOPTS:
            OPTSET2292_EXCLUSIVE(IN6P_HOPOPTS);
            break;
          case IPV6_RECVDSTOPTS:
            OPTSET2292_EXCLUSIVE(IN6P_DSTOPTS);
            break;
          case IPV6_RECVRTHDRDSTOPTS:
            OPTSET2292_EXCLUSIVE(IN6P_RTHDRDSTOPTS);
            break;
          case IPV6_RECVRTHDR:
            OPTSET2292_EXCLUSIVE(IN6P_RTHDR);
            break;
          case IPV6_RECVPATHMTU:
            // Not for TCP (RFC 3542 leaves it unspecified).
            if (uproto !== IPPROTO_TCP) OPTSET(IN6P_MTU);
            break;
          case IPV6_RECVFLOWID:
            OPTSET2(INP_RECVFLOWID);
            break;
          case IPV6_V6ONLY:
            // Not once bound.
            if (inp.inp_lport !== 0 || !IN6_IS_ADDR_UNSPECIFIED(inp.in6p_laddr)) {
              error = EINVAL;
              break;
            }
            if (optval !== 0) {
              inp.inp_flags |= IN6P_IPV6_V6ONLY;
              inp.inp_vflag &= ~INP_IPV4;
            } else {
              inp.inp_flags &= ~IN6P_IPV6_V6ONLY;
              inp.inp_vflag |= INP_IPV4;
            }
            break;
          case IPV6_RECVTCLASS:
            OPTSET2292_EXCLUSIVE(IN6P_TCLASS);
            break;
          case IPV6_AUTOFLOWLABEL:
            OPTSET(IN6P_AUTOFLOWLABEL);
            break;
          case IPV6_ORIGDSTADDR:
            OPTSET2(INP_ORIGDSTADDR);
            break;
          case IPV6_BINDANY:
            OPTSET(INP_BINDANY);
            break;
          case IPV6_BINDMULTI:
            OPTSET2(INP_BINDMULTI);
            break;
          case IPV6_VLAN_PCP:
            if (optval >= -1 && optval <= INP_2PCP_MASK >>> INP_2PCP_SHIFT) {
              if (optval === -1) inp.inp_flags2 &= ~(INP_2PCP_SET | INP_2PCP_MASK);
              else {
                inp.inp_flags2 |= INP_2PCP_SET;
                inp.inp_flags2 &= ~INP_2PCP_MASK;
                inp.inp_flags2 |= optval << INP_2PCP_SHIFT;
              }
            } else error = EINVAL;
            break;
        }
        return error;
      }
      case IPV6_TCLASS:
      case IPV6_DONTFRAG:
      case IPV6_USE_MIN_MTU:
      case IPV6_PREFER_TEMPADDR: {
        if (optlen !== 4) return EINVAL;
        const r = sooptcopyin_int(sopt);
        if (r.error !== 0) return r.error;
        if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNRESET;
        return ip6_pcbopt(optname, int_bytes(r.val), 4, inp, cred, uproto);
      }
      case IPV6_2292PKTINFO:
      case IPV6_2292HOPLIMIT:
      case IPV6_2292HOPOPTS:
      case IPV6_2292DSTOPTS:
      case IPV6_2292RTHDR: {
        if (optlen !== 4) return EINVAL;
        const r = sooptcopyin_int(sopt);
        if (r.error !== 0) return r.error;
        const set2292 = (bit: number): void => {
          inp.inp_flags |= IN6P_RFC2292;
          if (r.val !== 0) inp.inp_flags |= bit;
          else inp.inp_flags &= ~bit;
        };
        switch (optname) {
          case IPV6_2292PKTINFO:
            set2292(IN6P_PKTINFO);
            break;
          case IPV6_2292HOPLIMIT:
            set2292(IN6P_HOPLIMIT);
            break;
          case IPV6_2292HOPOPTS:
            if (cred !== null) {
              error = priv_check_cred(cred, PRIV_NETINET_SETHDROPTS);
              if (error !== 0) return error;
            }
            set2292(IN6P_HOPOPTS);
            break;
          case IPV6_2292DSTOPTS:
            if (cred !== null) {
              error = priv_check_cred(cred, PRIV_NETINET_SETHDROPTS);
              if (error !== 0) return error;
            }
            set2292(IN6P_DSTOPTS | IN6P_RTHDRDSTOPTS);
            break;
          case IPV6_2292RTHDR:
            set2292(IN6P_RTHDR);
            break;
        }
        return 0;
      }
      case IPV6_PKTINFO:
      case IPV6_HOPOPTS:
      case IPV6_RTHDR:
      case IPV6_DSTOPTS:
      case IPV6_RTHDRDSTOPTS:
      case IPV6_NEXTHOP: {
        // RFC 3542's sticky options; not after RFC 2292's.
        if (OPTBIT(IN6P_RFC2292) !== 0) return EINVAL;
        const r = sooptcopyin_bytes(sopt, MCLBYTES, 0);
        if (r.error !== 0) return r.error;
        if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNRESET;
        return ip6_pcbopt(optname, r.val, sopt.sopt_valsize, inp, cred, uproto);
      }
      case IPV6_MULTICAST_IF:
      case IPV6_MULTICAST_HOPS:
      case IPV6_MULTICAST_LOOP:
      case IPV6_JOIN_GROUP:
      case IPV6_LEAVE_GROUP:
      case IPV6_MSFILTER:
      case MCAST_BLOCK_SOURCE:
      case MCAST_UNBLOCK_SOURCE:
      case MCAST_JOIN_GROUP:
      case MCAST_LEAVE_GROUP:
      case MCAST_JOIN_SOURCE_GROUP:
      case MCAST_LEAVE_SOURCE_GROUP:
        return ip6_setmoptions(inp0, sopt);
      case IPV6_PORTRANGE: {
        const r = sooptcopyin_int(sopt);
        if (r.error !== 0) return r.error;
        switch (r.val) {
          case IPV6_PORTRANGE_DEFAULT:
            inp.inp_flags &= ~(INP_LOWPORT | INP_HIGHPORT);
            break;
          case IPV6_PORTRANGE_HIGH:
            inp.inp_flags &= ~INP_LOWPORT;
            inp.inp_flags |= INP_HIGHPORT;
            break;
          case IPV6_PORTRANGE_LOW:
            inp.inp_flags &= ~INP_HIGHPORT;
            inp.inp_flags |= INP_LOWPORT;
            break;
          default:
            return EINVAL;
        }
        return 0;
      }
      default:
        return ENOPROTOOPT;
    }
  }

  // SOPT_GET
  switch (optname) {
    case IPV6_2292PKTOPTIONS:
      // RFC 3542 all but deprecated these: always empty.
      sopt.sopt_valsize = 0;
      return 0;
    case IPV6_RECVHOPOPTS:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_HOPOPTS));
    case IPV6_RECVDSTOPTS:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_DSTOPTS));
    case IPV6_RECVRTHDRDSTOPTS:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_RTHDRDSTOPTS));
    case IPV6_UNICAST_HOPS:
      return sooptcopyout_int(sopt, inp.in6p_hops);
    case IPV6_RECVPKTINFO:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_PKTINFO));
    case IPV6_RECVHOPLIMIT:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_HOPLIMIT));
    case IPV6_RECVRTHDR:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_RTHDR));
    case IPV6_RECVPATHMTU:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_MTU));
    case IPV6_V6ONLY:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_IPV6_V6ONLY));
    case IPV6_PORTRANGE:
      return sooptcopyout_int(sopt, (inp.inp_flags & INP_HIGHPORT) !== 0 ? IPV6_PORTRANGE_HIGH : (inp.inp_flags & INP_LOWPORT) !== 0 ? IPV6_PORTRANGE_LOW : 0);
    case IPV6_RECVTCLASS:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_TCLASS));
    case IPV6_AUTOFLOWLABEL:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_AUTOFLOWLABEL));
    case IPV6_ORIGDSTADDR:
      return sooptcopyout_int(sopt, OPTBIT2(INP_ORIGDSTADDR));
    case IPV6_BINDANY:
      return sooptcopyout_int(sopt, OPTBIT(INP_BINDANY));
    case IPV6_FLOWID:
      return sooptcopyout_int(sopt, inp.inp_flowid);
    case IPV6_FLOWTYPE:
      return sooptcopyout_int(sopt, inp.inp_flowtype);
    case IPV6_RECVFLOWID:
      return sooptcopyout_int(sopt, OPTBIT2(INP_RECVFLOWID));
    case IPV6_BINDMULTI:
      return sooptcopyout_int(sopt, OPTBIT2(INP_BINDMULTI));
    case IPV6_VLAN_PCP:
      return sooptcopyout_int(sopt, OPTBIT2(INP_2PCP_SET) !== 0 ? (inp.inp_flags2 & INP_2PCP_MASK) >>> INP_2PCP_SHIFT : -1);
    case IPV6_PATHMTU: {
      if ((so.so_state & SS_ISCONNECTED) === 0) return ENOTCONN;
      const pmtu: intp = { v: 0 };
      error = ip6_getpmtu_ctl(so.so_fibnum, inp.in6p_faddr, pmtu);
      if (error !== 0) return error;
      // struct ip6_mtuinfo: a sockaddr_in6 (zero here), the MTU.
      const b = new Uint8Array(32);
      b.set(int_bytes(Math.min(pmtu.v, IPV6_MAXPACKET)), 28);
      return sooptcopyout_bytes(sopt, b);
    }
    case IPV6_2292PKTINFO:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_PKTINFO));
    case IPV6_2292HOPLIMIT:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_HOPLIMIT));
    case IPV6_2292HOPOPTS:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_HOPOPTS));
    case IPV6_2292RTHDR:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_RTHDR));
    case IPV6_2292DSTOPTS:
      return sooptcopyout_int(sopt, OPTBIT(IN6P_DSTOPTS | IN6P_RTHDRDSTOPTS));
    case IPV6_PKTINFO:
    case IPV6_HOPOPTS:
    case IPV6_RTHDR:
    case IPV6_DSTOPTS:
    case IPV6_RTHDRDSTOPTS:
    case IPV6_NEXTHOP:
    case IPV6_TCLASS:
    case IPV6_DONTFRAG:
    case IPV6_USE_MIN_MTU:
    case IPV6_PREFER_TEMPADDR:
      return ip6_getpcbopt(inp, optname, sopt);
    case IPV6_MULTICAST_IF:
    case IPV6_MULTICAST_HOPS:
    case IPV6_MULTICAST_LOOP:
    case IPV6_MSFILTER:
      return ip6_getmoptions(inp0, sopt);
    default:
      return ENOPROTOOPT;
  }
}

/**
 * ip6_raw_ctloutput(so, sopt): IPV6_CHECKSUM of raw sockets (the offset of
 * the checksum the kernel fills in; fixed for ICMPv6).
 */
export function ip6_raw_ctloutput(so: socket, sopt: sockopt): number {
  const inp0 = so.so_pcb;
  if (inp0 === null || !inp_is_ip6(inp0)) return EINVAL;
  const inp: ip6_inpcb = inp0;
  const icmp6off = 2; // offsetof(struct icmp6_hdr, icmp6_cksum)
  if (sopt.sopt_level !== IPPROTO_IPV6) return EINVAL;
  if (sopt.sopt_name !== IPV6_CHECKSUM) return ENOPROTOOPT;
  switch (sopt.sopt_dir) {
    case SOPT_SET: {
      if (sopt.sopt_valsize !== 4) return EINVAL;
      const r = sooptcopyin_int(sopt);
      if (r.error !== 0) return r.error;
      // A non-negative even offset, or -1 for none.
      if (r.val < -1 || r.val % 2 !== 0) return EINVAL;
      if (so.so_proto.pr_protocol === IPPROTO_ICMPV6) return r.val !== icmp6off ? EINVAL : 0;
      inp.in6p_cksum = r.val;
      return 0;
    }
    case SOPT_GET:
      return sooptcopyout_int(sopt, so.so_proto.pr_protocol === IPPROTO_ICMPV6 ? icmp6off : inp.in6p_cksum);
  }
  return EINVAL;
}
