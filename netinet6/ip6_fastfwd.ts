// sys/netinet6/ip6_fastfwd.c: the IPv6 forwarding fast path.  ip6_input
// offers every packet to ip6_tryforward when the node forwards and sends
// no redirects; what needs the slow path (hop-by-hop options, multicast,
// link-local or unspecified addresses, our own destinations) is handed
// back untouched.  The rest is forwarded here with one route lookup: no
// scope checks (scoped addresses took the slow path), no redirects.
//
// Departure: no pfil next-hop tags (M_IP6_NEXTHOP is never set).

import { M_BCAST, M_GETFIB, M_MCAST, m_clrprotoflags, type mbuf } from "../kern/mbuf.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { m_adj } from "../kern/uipc_mbuf.ts";
import { EHOSTUNREACH } from "../kern/errno.ts";
import { AF_INET6 } from "../kern/socket.ts";
import type { ifnet } from "../net/if.ts";
import { PFIL_HOOKED_IN, PFIL_HOOKED_OUT, PFIL_PASS, pfil_mbuf_fwd, pfil_mbuf_in, pfil_mbuf_result } from "../net/pfil.ts";
import { NHF_BLACKHOLE, NHF_GATEWAY, NHF_REJECT, NHR_NONE, type nhop_object } from "../net/route/nhop.ts";
import { IP6_HDR_LEN, IP6_OFF_DST, IP6_OFF_HLIM, IP6_OFF_NXT, IP6_OFF_PLEN, IP6_OFF_SRC, IPPROTO_HOPOPTS, IPV6_HLIMDEC } from "../netinet/ip6.ts";
import { ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE, ICMP6_DST_UNREACH_REJROUTE, ICMP6_PACKET_TOO_BIG, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_TRANSIT } from "../netinet/icmp6.ts";

import { fib6_lookup } from "./in6_fib.ts";
import { icmp6_error } from "./icmp6.ts";
import { IP6STAT_INC, M_FASTFWD_OURS, ip6s_badoptions, ip6s_cantforward, ip6s_forward, ip6s_noroute, ip6s_tooshort } from "./ip6_var.ts";
import { V_inet6_pfil_head } from "./ip6_input.ts";
import { in6_localip } from "./in6.ts";
import { nh_gw6 } from "./ip6_output.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, in6_addr_read, in6_ifstat_inc, ifs6_in_discard, ifs6_in_noroute, ifs6_in_toobig, ifs6_in_truncated, ifs6_out_discard, ifs6_out_forward, sockaddr_in6 } from "./in6_var.ts";

/** dst (FreeBSD's stack sockaddr_in6). */
const fwd_dst = new sockaddr_in6();

/**
 * ip6_findroute(&nh, dst, m): the nexthop to dst, or an error with m gone
 * (no route: ICMPv6 unreachable; blackhole: dropped; reject: ICMPv6
 * unreachable, reject route).
 */
let found_nh: nhop_object | null = null;
function ip6_findroute(dst: sockaddr_in6, m: mbuf): number {
  const nh = fib6_lookup(M_GETFIB(m), dst.sin6_addr, dst.sin6_scope_id, NHR_NONE, m.m_pkthdr.flowid);
  if (nh === null) {
    IP6STAT_INC(ip6s_noroute);
    IP6STAT_INC(ip6s_cantforward);
    icmp6_error(m, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE, 0);
    return EHOSTUNREACH;
  }
  if ((nh.nh_flags & NHF_BLACKHOLE) !== 0) {
    IP6STAT_INC(ip6s_cantforward);
    m_freem(m);
    return EHOSTUNREACH;
  }
  if ((nh.nh_flags & NHF_REJECT) !== 0) {
    IP6STAT_INC(ip6s_cantforward);
    icmp6_error(m, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_REJROUTE, 0);
    return EHOSTUNREACH;
  }
  found_nh = nh;
  return 0;
}

/** The nexthop ip6_findroute found (its `*pnh`). */
function take_nh(): nhop_object {
  const nh = found_nh;
  found_nh = null;
  if (nh === null) throw new Error("ip6_tryforward: no nexthop");
  return nh;
}

/**
 * ip6_tryforward(m): forward m if the fast path can; null when it did (or
 * dropped it), else the packet back for ip6_input (M_FASTFWD_OURS set when
 * a filter made it ours).
 */
export function ip6_tryforward(m: mbuf): mbuf | null {
  let ip6 = m.m_data;
  const dst = fwd_dst;
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, src_a);
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, dst.sin6_addr);
  // The slow path's business.
  if (
    (m.m_flags & (M_BCAST | M_MCAST)) !== 0 ||
    m.m_buf[ip6 + IP6_OFF_NXT] === IPPROTO_HOPOPTS ||
    IN6_IS_ADDR_MULTICAST(dst.sin6_addr) ||
    IN6_IS_ADDR_LINKLOCAL(dst.sin6_addr) ||
    IN6_IS_ADDR_LINKLOCAL(src_a) ||
    IN6_IS_ADDR_UNSPECIFIED(src_a) ||
    in6_localip(dst.sin6_addr)
  )
    return m;

  // The chain must hold the payload the header announces; the excess goes.
  const rcvif = m.m_pkthdr.rcvif as ifnet;
  let nh: nhop_object | null = null;
  let mm: mbuf | null = m;
  dropout: {
    dropin: {
      const plen = m.m_dv.getUint16(ip6 + IP6_OFF_PLEN);
      if (plen === 0) {
        // Jumbograms have a hop-by-hop header and take the slow path.
        IP6STAT_INC(ip6s_badoptions);
        break dropin;
      }
      if (m.m_pkthdr.len - IP6_HDR_LEN < plen) {
        IP6STAT_INC(ip6s_tooshort);
        in6_ifstat_inc(rcvif, ifs6_in_truncated);
        break dropin;
      }
      if (m.m_pkthdr.len > IP6_HDR_LEN + plen) {
        if (m.m_len === m.m_pkthdr.len) {
          m.m_len = IP6_HDR_LEN + plen;
          m.m_pkthdr.len = IP6_HDR_LEN + plen;
        } else m_adj(m, IP6_HDR_LEN + plen - m.m_pkthdr.len);
      }

      // Hop limit.
      if (m.m_buf[ip6 + IP6_OFF_HLIM] <= IPV6_HLIMDEC) {
        icmp6_error(m, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_TRANSIT, 0);
        mm = null;
        break dropin;
      }

      dst.sin6_len = 28;
      dst.sin6_family = AF_INET6;
      dst.sin6_scope_id = 0;

      // Inbound filters.
      const head = V_inet6_pfil_head();
      if (PFIL_HOOKED_IN(head) && head !== null) {
        if (pfil_mbuf_in(head, m, rcvif, null) !== PFIL_PASS) {
          mm = null;
          break dropin;
        }
        m = pfil_mbuf_result();
        mm = m;
        // A filter that made it ours sends it back to ip6_input.
        if ((m.m_flags & M_FASTFWD_OURS) !== 0) return m;
        ip6 = m.m_data;
        // The filter may have changed the destination.
        in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, dst.sin6_addr);
      }

      // passin: the route.
      if (ip6_findroute(dst, m) !== 0) {
        mm = null;
        in6_ifstat_inc(rcvif, ifs6_in_noroute);
        break dropin;
      }
      nh = take_nh();
      const ohead = V_inet6_pfil_head();
      if (PFIL_HOOKED_OUT(ohead) && ohead !== null) {
        if (pfil_mbuf_fwd(ohead, m, nh.nh_ifp, null) !== PFIL_PASS) {
          mm = null;
          break dropout;
        }
        m = pfil_mbuf_result();
        mm = m;
      }
      // Routers do not fragment: too big is the sender's problem.
      if (m.m_pkthdr.len > nh.nh_mtu) {
        in6_ifstat_inc(nh.nh_ifp, ifs6_in_toobig);
        icmp6_error(m, ICMP6_PACKET_TOO_BIG, 0, nh.nh_mtu);
        mm = null;
        break dropout;
      }
      if (PFIL_HOOKED_OUT(ohead)) {
        // Made ours by the outbound filter: back to ip6_input.
        if ((m.m_flags & M_FASTFWD_OURS) !== 0) return m;
        // A changed destination: route again.
        ip6 = m.m_data;
        in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, chk_a);
        if (!IN6_ARE_ADDR_EQUAL(chk_a, dst.sin6_addr)) {
          in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, dst.sin6_addr);
          if (ip6_findroute(dst, m) !== 0) {
            mm = null;
            break dropout;
          }
          nh = take_nh();
        }
      }

      // passout:
      ip6 = m.m_data;
      m.m_buf[ip6 + IP6_OFF_HLIM] -= IPV6_HLIMDEC;
      m_clrprotoflags(m);
      if ((nh.nh_flags & NHF_GATEWAY) !== 0) {
        const g = nh_gw6(nh);
        if (g !== null) dst.sin6_addr.s6_addr.set(g.sin6_addr.s6_addr);
      }
      const error = nh.nh_ifp.if_output(nh.nh_ifp, m, dst, null);
      if (error !== 0) {
        in6_ifstat_inc(nh.nh_ifp, ifs6_out_discard);
        IP6STAT_INC(ip6s_cantforward);
      } else {
        in6_ifstat_inc(nh.nh_ifp, ifs6_out_forward);
        IP6STAT_INC(ip6s_forward);
      }
      return null;
    }
    // dropin:
    in6_ifstat_inc(rcvif, ifs6_in_discard);
    if (mm !== null) m_freem(mm);
    return null;
  }
  // dropout:
  if (nh !== null) in6_ifstat_inc(nh.nh_ifp, ifs6_out_discard);
  if (mm !== null) m_freem(mm);
  return null;
}

const src_a = new sockaddr_in6().sin6_addr;
const chk_a = new sockaddr_in6().sin6_addr;

