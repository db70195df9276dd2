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
// rate limits, no TCP host cache (ip6_calcmtu's tcp_hc_getmtu: the path
// MTU comes from the route, whose MTU ICMPv6 too-big lowers).

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
import {
  IN6_IS_ADDR_MC_INTFACELOCAL,
  IN6_IS_ADDR_MC_LINKLOCAL,
  IN6_IS_ADDR_MC_NODELOCAL,
  IN6_IS_ADDR_MULTICAST,
  IN6_IS_ADDR_UNSPECIFIED,
  IN6_IS_SCOPE_EMBED,
  in6_addr,
  in6_addr_copy,
  in6_addr_read,
  in6_addr_write,
  in6_ifaddr,
  in6_ifstat_inc,
  ifs6_out_discard,
  ifs6_out_fragcreat,
  ifs6_out_fragfail,
  ifs6_out_fragok,
  ifs6_out_mcast,
  ifs6_out_request,
  s6_addr16,
  s6_addr16_set,
  sockaddr_in6,
  type route_in6,
} from "./in6.ts";
import { in6_clearscope, in6_setscope, sa6_recoverscope } from "./scope6.ts";
import { fib6_lookup } from "./in6_fib.ts";
import { ND_IFINFO, nd6_output_ifp } from "./nd6.ts";
import { in6_delayed_cksum } from "./in6_cksum.ts";
import {
  CSUM_DATA_VALID_IPV6,
  CSUM_DELAY_DATA_IPV6,
  IP6PO_DONTFRAG,
  IP6PO_MINMTU_ALL,
  IP6PO_MINMTU_DISABLE,
  IP6STAT_INC,
  IPV6_FORWARDING,
  IPV6_MINMTU,
  IPV6_UNSPECSRC,
  M_FASTFWD_OURS,
  M_LOOP,
  ip6_defmcasthlim,
  ip6_moptions,
  ip6_pktopts,
  ip6s_badscope,
  ip6s_fragmented,
  ip6s_localout,
  ip6s_noroute,
  ip6s_odropped,
  ip6s_ofragments,
  type intp,
} from "./ip6_var.ts";
import { V_inet6_pfil_head, ip6_localip, ip6_process_hopopts } from "./ip6_input.ts";

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

/** IN6_LINKMTU(ifp): the link MTU ND learnt, capped by the interface's. */
export function IN6_LINKMTU(ifp: ifnet): number {
  const nd = ND_IFINFO(ifp);
  if (nd.linkmtu !== 0 && nd.linkmtu < ifp.if_mtu) return nd.linkmtu;
  if (nd.maxmtu !== 0 && nd.maxmtu < ifp.if_mtu) return nd.maxmtu;
  return ifp.if_mtu;
}

// ---------------------------------------------------------------------------
// scope6.c's helpers for a destination that leaves the kernel's embedded
// form (in6_splitscope, in6_getlinkifnet, in6_get/set_unicast_scopeid).

/** in6_splitscope(src, dst, &scopeid): dst = src without its embedded zone. */
export function in6_splitscope(src: in6_addr, dst: in6_addr, scopeid: intp): void {
  in6_addr_copy(dst, src);
  scopeid.v = IN6_IS_SCOPE_EMBED(dst) ? s6_addr16(dst, 1) : 0;
  if (scopeid.v !== 0) s6_addr16_set(dst, 1, 0);
}

/** in6_getlinkifnet(zoneid): the interface of a link zone. */
export function in6_getlinkifnet(zoneid: number): ifnet | null {
  return ifnet_byindex(zoneid);
}

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
          if (ro.ro_nh !== null && !in6_equal(ro.ro_dst.sin6_addr, fr.dst0)) RO_NHFREE6(ro);
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
          if (!in6_equal(fr.odst, fr.dst0)) {
            m.m_flags |= M_SKIP_FIREWALL;
            // Now for ourselves: up through ip6_input.
            if (ip6_localip(fr.dst0)) {
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

function in6_equal(a: in6_addr, b: in6_addr): boolean {
  const x = a.s6_addr;
  const y = b.s6_addr;
  for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** in6_ifawithifp's use here: the address of ifp the packet comes from (for its counters). */
function ip6_ifawithifp(ifp: ifnet, src: in6_addr): in6_ifaddr | null {
  const addrs = ifp.if_addrhead;
  for (let i = 0; i < addrs.length; i++) {
    const ifa = addrs[i];
    if (ifa instanceof in6_ifaddr && in6_equal(ifa.ia_addr.sin6_addr, src)) return ifa;
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
