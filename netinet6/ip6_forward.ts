// sys/netinet6/ip6_forward.c: forwarding IPv6 packets, the slow path (the
// fast one is ip6_fastfwd.c's ip6_tryforward).  A packet that may not be
// forwarded (multicast, unspecified source) is dropped; one whose hop limit
// runs out is answered with ICMPv6 time exceeded; one that would leave the
// scope zone of its source is answered with destination unreachable
// (beyond scope); one too big for the next link with packet too big
// (routers never fragment IPv6).  When it leaves by the link it came in on,
// the sender is told of the better first hop (ICMPv6 redirect).
//
// Departure: no pfil next-hop tags (M_IP6_NEXTHOP is never set), no
// IPSTEALTH; the "cannot forward" log lines are not written; the copy kept
// for an ICMPv6 error is freed when a destination scope violation drops the
// packet (FreeBSD 14 leaks it there).

import { CSUM_PSEUDO_HDR, M_BCAST, M_GETFIB, M_MCAST, type mbuf } from "../kern/mbuf.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { m_copym } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { AF_INET6 } from "../kern/socket.ts";
import { EMSGSIZE, ENOBUFS } from "../kern/errno.ts";
import { VNET_I32 } from "../net/vnet.ts";
import { IFF_LOOPBACK, type ifnet } from "../net/if.ts";
import { PFIL_HOOKED_OUT, PFIL_PASS, pfil_mbuf_fwd, pfil_mbuf_result } from "../net/pfil.ts";
import { NETISR_IPV6, netisr_queue } from "../net/netisr.ts";
import { V_loif } from "../net/if_loop.ts";
import { NHF_GATEWAY, NHF_REDIRECT, NHR_REF, type nhop_object } from "../net/route/nhop.ts";
import { nhop_free } from "../net/route/nhop_ctl.ts";
import { M_SKIP_FIREWALL } from "../netinet/ip_var.ts";
import { IP6_OFF_DST, IP6_OFF_HLIM, IP6_OFF_SRC, IPV6_HLIMDEC } from "../netinet/ip6.ts";
import {
  ICMP6_DST_UNREACH,
  ICMP6_DST_UNREACH_ADDR,
  ICMP6_DST_UNREACH_BEYONDSCOPE,
  ICMP6_DST_UNREACH_NOROUTE,
  ICMP6_PACKET_TOO_BIG,
  ICMP6_TIME_EXCEEDED,
  ICMP6_TIME_EXCEED_TRANSIT,
  ICMPV6_PLD_MAXLEN,
  ND_REDIRECT,
} from "../netinet/icmp6.ts";

import { in6_addrscope, in6_clearscope, in6_getscope } from "./scope6.ts";
import { fib6_lookup } from "./in6_fib.ts";
import { nd6_output_ifp } from "./nd6.ts";
import { icmp6_error, icmp6_redirect_output } from "./icmp6.ts";
import { CSUM_DATA_VALID_IPV6, CSUM_DELAY_DATA_IPV6, IP6STAT_INC, M_FASTFWD_OURS, ip6s_badscope, ip6s_cantforward, ip6s_forward, ip6s_noroute, ip6s_redirectsent } from "./ip6_var.ts";
import { V_inet6_pfil_head } from "./ip6_input.ts";
import { in6_localip } from "./in6.ts";
import { nh_gw6 } from "./ip6_output.ts";
import { ip6_sendredirects } from "./in6_proto.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, IN6_IS_SCOPE_LINKLOCAL, IPV6_ADDR_SCOPE_INTFACELOCAL, IPV6_ADDR_SCOPE_LINKLOCAL, in6_addr, in6_addr_copy, in6_addr_read, in6_addr_write, in6_ifstat_inc, ifs6_in_discard, ifs6_in_noroute, ifs6_in_toobig, ifs6_out_discard, ifs6_out_forward, s6_addr16_set, sockaddr_in6, type in6_addr as in6_addr_t, IN6_LINKMTU } from "./in6_var.ts";

/**
 * in6_get_unicast_scopeid(in6, ifp) (scope6.c): the zone of a unicast
 * address as seen from ifp: the interface index for link-local (and
 * loopback) addresses, 0 for global ones.
 */
function in6_get_unicast_scopeid(in6: in6_addr_t, ifp: ifnet): number {
  const scope = in6_addrscope(in6);
  if (scope === IPV6_ADDR_SCOPE_INTFACELOCAL || scope === IPV6_ADDR_SCOPE_LINKLOCAL) return ifp.if_index;
  return 0;
}

/** in6_set_unicast_scopeid(in6, scopeid): embed the zone. */
function in6_set_unicast_scopeid(in6: in6_addr_t, scopeid: number): void {
  s6_addr16_set(in6, 1, scopeid & 0xffff);
}

// FreeBSD's stack variables.
const fwd_dst = new sockaddr_in6();
const fwd_src_a = new in6_addr();
const fwd_dst_a = new in6_addr();
const fwd_odst = new in6_addr();

/**
 * ip6_forward(m, srcrt): forward a packet that is not ours (addresses in
 * the embedded form ip6_input left them in), or answer its sender with the
 * ICMPv6 error that says why not.  srcrt: a filter changed its destination
 * (no redirect then).  Consumes m.
 */
export function ip6_forward(m: mbuf, srcrt: number): void {
  let ip6 = m.m_data;
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, fwd_src_a);
  in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, fwd_dst_a);

  // Multicast is ip6_mforward's; an unspecified source is never forwarded.
  if ((m.m_flags & (M_BCAST | M_MCAST)) !== 0 || IN6_IS_ADDR_MULTICAST(fwd_dst_a) || IN6_IS_ADDR_UNSPECIFIED(fwd_src_a)) {
    IP6STAT_INC(ip6s_cantforward);
    m_freem(m);
    return;
  }
  if (m.m_buf[ip6 + IP6_OFF_HLIM] <= IPV6_HLIMDEC) {
    icmp6_error(m, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_TRANSIT, 0);
    return;
  }

  // At most the minimum MTU's worth of the packet, for an ICMPv6 error
  // (clusters are shared, not copied).
  const mcopy = m_copym(m, 0, Math.min(m.m_pkthdr.len, ICMPV6_PLD_MAXLEN), M_NOWAIT);
  m.m_buf[ip6 + IP6_OFF_HLIM] -= IPV6_HLIMDEC;

  // The lookup wants the destination without its zone, and the zone apart
  // (that of the arrival interface for a link-local one, RFC 4007 9).
  const rcvif = m.m_pkthdr.rcvif as ifnet;
  const dst = fwd_dst;
  dst.sin6_len = 28;
  dst.sin6_family = AF_INET6;
  dst.sin6_port = 0;
  dst.sin6_flowinfo = 0;
  in6_addr_copy(dst.sin6_addr, fwd_dst_a);
  dst.sin6_scope_id = in6_get_unicast_scopeid(fwd_dst_a, rcvif);
  let nh: nhop_object | null = null;
  let type = 0;
  let code = 0;
  let error = 0;

  out: {
    bad: {
      freecopy: {
        again: for (;;) {
          nh = fib6_lookup(M_GETFIB(m), dst.sin6_addr, dst.sin6_scope_id, NHR_REF, m.m_pkthdr.flowid);
          if (nh === null) {
            IP6STAT_INC(ip6s_noroute);
            in6_ifstat_inc(rcvif, ifs6_in_noroute);
            if (mcopy !== null) icmp6_error(mcopy, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE, 0);
            break bad;
          }

          // The source's zone must be the same on both sides: beyond it the
          // source cannot be answered (RFC 4443 3.1).
          let outzone = in6_get_unicast_scopeid(fwd_src_a, nh.nh_ifp);
          let inzone = in6_get_unicast_scopeid(fwd_src_a, rcvif);
          if (inzone !== outzone) {
            IP6STAT_INC(ip6s_cantforward);
            IP6STAT_INC(ip6s_badscope);
            in6_ifstat_inc(nh.nh_ifp, ifs6_in_discard);
            if (mcopy !== null) icmp6_error(mcopy, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_BEYONDSCOPE, 0);
            break bad;
          }
          // Nor may the packet leave its destination's zone (a default
          // route would take a link-local destination anywhere).
          inzone = in6_get_unicast_scopeid(fwd_dst_a, rcvif);
          outzone = in6_get_unicast_scopeid(fwd_dst_a, nh.nh_ifp);
          if (inzone !== outzone) {
            IP6STAT_INC(ip6s_cantforward);
            IP6STAT_INC(ip6s_badscope);
            // (FreeBSD 14 leaks mcopy here.)
            if (mcopy !== null) m_freem(mcopy);
            break bad;
          }

          if ((nh.nh_flags & NHF_GATEWAY) !== 0) {
            // The gateway, without its zone.
            const g = nh_gw6(nh);
            if (g !== null) {
              in6_addr_copy(dst.sin6_addr, g.sin6_addr);
              dst.sin6_scope_id = in6_getscope(dst.sin6_addr);
              in6_clearscope(dst.sin6_addr);
            }
          }

          // Out of the interface it came in by: the sender could have
          // reached the next hop itself; tell it (unless it was redirected
          // here by a filter, or the route is itself a redirect's).
          if (VNET_I32(ip6_sendredirects) !== 0 && nh.nh_ifp === rcvif && srcrt === 0 && (nh.nh_flags & NHF_REDIRECT) === 0) type = ND_REDIRECT;

          // Forwarding to lo0 (a reject or blackhole route, or ::1 in a
          // routing header): pretend it came from the arrival interface.
          const origifp: ifnet = (nh.nh_ifp.if_flags & IFF_LOOPBACK) !== 0 ? rcvif : nh.nh_ifp;

          // The zones stay inside: the wire sees plain addresses.
          ip6 = m.m_data;
          in6_addr_read(m.m_buf, ip6 + IP6_OFF_SRC, fwd_src_a);
          in6_clearscope(fwd_src_a);
          in6_addr_write(m.m_buf, ip6 + IP6_OFF_SRC, fwd_src_a);
          in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, fwd_dst_a);
          in6_clearscope(fwd_dst_a);
          in6_addr_write(m.m_buf, ip6 + IP6_OFF_DST, fwd_dst_a);

          const head = V_inet6_pfil_head();
          if (PFIL_HOOKED_OUT(head) && head !== null) {
            in6_addr_copy(fwd_odst, fwd_dst_a);
            if (pfil_mbuf_fwd(head, m, nh.nh_ifp, null) !== PFIL_PASS) break freecopy;
            m = pfil_mbuf_result();
            ip6 = m.m_data;
            in6_addr_read(m.m_buf, ip6 + IP6_OFF_DST, fwd_dst_a);
            if (!IN6_ARE_ADDR_EQUAL(fwd_odst, fwd_dst_a)) {
              m.m_flags |= M_SKIP_FIREWALL;
              if (in6_localip(fwd_dst_a)) m.m_flags |= M_FASTFWD_OURS;
              else {
                nhop_free(nh);
                nh = null;
                // The new destination, its zone embedded by the filter.
                dst.sin6_scope_id = in6_getscope(fwd_dst_a);
                in6_addr_copy(dst.sin6_addr, fwd_dst_a);
                in6_clearscope(dst.sin6_addr);
                continue again;
              }
            }
            // Now ours: up through ip6_input.
            if ((m.m_flags & M_FASTFWD_OURS) !== 0) {
              if (m.m_pkthdr.rcvif === null) m.m_pkthdr.rcvif = V_loif();
              if ((m.m_pkthdr.csum_flags & CSUM_DELAY_DATA_IPV6) !== 0) {
                m.m_pkthdr.csum_flags |= CSUM_DATA_VALID_IPV6 | CSUM_PSEUDO_HDR;
                m.m_pkthdr.csum_data = 0xffff;
              }
              error = netisr_queue(NETISR_IPV6, m);
              break out;
            }
          }

          // pass: too big for the next link?
          const linkmtu = IN6_LINKMTU(nh.nh_ifp);
          if (m.m_pkthdr.len > linkmtu) {
            in6_ifstat_inc(nh.nh_ifp, ifs6_in_toobig);
            if (mcopy !== null) icmp6_error(mcopy, ICMP6_PACKET_TOO_BIG, 0, linkmtu);
            break bad;
          }

          // The neighbor cache holds link-local addresses with their zone.
          if (IN6_IS_SCOPE_LINKLOCAL(dst.sin6_addr)) {
            in6_set_unicast_scopeid(dst.sin6_addr, dst.sin6_scope_id);
            dst.sin6_scope_id = 0;
          }
          error = nd6_output_ifp(nh.nh_ifp, origifp, m, dst, null);
          if (error !== 0) {
            in6_ifstat_inc(nh.nh_ifp, ifs6_out_discard);
            IP6STAT_INC(ip6s_cantforward);
          } else {
            IP6STAT_INC(ip6s_forward);
            in6_ifstat_inc(nh.nh_ifp, ifs6_out_forward);
            if (type !== 0) IP6STAT_INC(ip6s_redirectsent);
            else if (mcopy !== null) break freecopy;
          }
          if (mcopy === null) break out;
          switch (error) {
            case 0:
              if (type === ND_REDIRECT) {
                icmp6_redirect_output(mcopy, nh);
                break out;
              }
              break freecopy;
            default:
              // EMSGSIZE and ENOBUFS: nothing useful to tell; the rest
              // (EHOSTUNREACH, ENETDOWN, EHOSTDOWN...): unreachable.
              if (error === EMSGSIZE || error === ENOBUFS) break freecopy;
              type = ICMP6_DST_UNREACH;
              code = ICMP6_DST_UNREACH_ADDR;
          }
          icmp6_error(mcopy, type, code, 0);
          break out;
        }
      }
      // freecopy:
      if (mcopy !== null) m_freem(mcopy);
      break out;
    }
    // bad:
    m_freem(m);
  }
  // out:
  if (nh !== null) nhop_free(nh);
}


