// sys/netinet/ip_fastfwd.c: the forwarding fast path.  ip_input hands a
// datagram here first when forwarding is on; plain unicast traffic that is
// not for us is forwarded at once: TTL decremented with an incremental
// checksum update, one route lookup, fragmentation if needed, the
// interface's if_output.  Whatever needs more care (options, broadcast,
// local destinations) goes back to ip_input.
//
// Departures: no IPSTEALTH, no ALTQ.

import { CSUM_IP, M_BCAST, M_GETFIB, M_MCAST, M_ASSERTPKTHDR, M_TRAILINGSPACE, m_clrprotoflags, type mbuf } from "../kern/mbuf.ts";
import { m_free, m_freem, m_gethdr } from "../kern/kern_mbuf.ts";
import { m_copydata, m_dup_pkthdr } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { m_tag_delete, m_tag_locate } from "../kern/uipc_mbuf2.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { AF_INET } from "../kern/socket.ts";
import { VNET_I32 } from "../net/vnet.ts";
import { IFF_LOOPBACK, RT_HAS_GW, type ifnet } from "../net/if.ts";
import { PFIL_HOOKED_IN, PFIL_HOOKED_OUT, PFIL_PASS, V_inet_pfil_head, pfil_mbuf_fwd, pfil_mbuf_in, pfil_mbuf_result } from "../net/pfil.ts";
import { NHF_BLACKHOLE, NHF_BROADCAST, NHF_DEFAULT, NHF_GATEWAY, NHF_REDIRECT, NHF_REJECT, NHR_NONE, type nhop_object } from "../net/route/nhop.ts";
import { fib4_lookup } from "./in_fib.ts";
import { INADDR_ANY, INADDR_BROADCAST, IN_LINKLOCAL, IN_MULTICAST, in_localip, sockaddr_in, ifatoia } from "./in.ts";
import { in_cksum_update } from "./in_cksum.ts";
import {
  ICMP_REDIRECT,
  ICMP_REDIRECT_HOST,
  ICMP_TIMXCEED,
  ICMP_TIMXCEED_INTRANS,
  ICMP_UNREACH,
  ICMP_UNREACH_FILTER_PROHIB,
  ICMP_UNREACH_HOST,
  ICMP_UNREACH_NEEDFRAG,
  IPH_DST,
  IPH_LEN,
  IPH_OFF,
  IPH_SRC,
  IPH_TTL,
  IPH_VHL,
  IPTTLDEC,
  IP_DF,
  IP_HDRLEN,
} from "./ip.ts";
import {
  IPSTAT_INC,
  M_FASTFWD_OURS,
  M_IP_NEXTHOP,
  M_SKIP_FIREWALL,
  is_ip_fwd_tag,
  ips_cantforward,
  ips_cantfrag,
  ips_fastforward,
  ips_forward,
  ips_fragmented,
  ips_noroute,
  ips_odropped,
  ips_total,
} from "./ip_var.ts";
import { icmp_error } from "./ip_icmp.ts";
import { ip_doopts } from "./ip_options.ts";
import { ip_fragment, ip_mfrag, route_in_alloc } from "./ip_output.ts";
import { ipsendredirects } from "./ip_input.ts";

// What FreeBSD keeps on ip_tryforward's stack.
const ro = route_in_alloc();
const dst: sockaddr_in = ro.ro_dst;
// Made on first use: ip_output.ts may still be loading when this module runs
// (the IPv4 modules import each other in a ring, entered from either side).
let mfrag_store: ip_mfrag | null = null;
/** ip_redir_alloc's out parameter: the gateway to redirect to. */
let redir_newgw = 0;

function ip_dst_of(m: mbuf): number {
  return m.m_dv.getUint32(m.m_data + IPH_DST);
}

/**
 * ip_redir_alloc: if the datagram leaves through the interface it came in
 * on, toward a gateway on the sender's own subnet, keep a copy of its start
 * for an ICMP host redirect (RFC 792, RFC 1812 5.2.7.2).  Not for routes
 * that are default, learned from a redirect, blackhole or reject.
 */
function ip_redir_alloc(m: mbuf, nh: nhop_object, ip_len: number, osrc: number): mbuf | null {
  if ((nh.nh_flags & (NHF_DEFAULT | NHF_REDIRECT | NHF_BLACKHOLE | NHF_REJECT)) !== 0) return null;
  // The new gateway; a directly connected destination gets none.
  if ((nh.nh_flags & NHF_GATEWAY) === 0 || nh.gw4_sa.sin_family !== AF_INET) return null;
  redir_newgw = nh.gw4_sa.sin_addr;
  if (redir_newgw === 0) return null;
  // The sender must be on the gateway's subnet.
  const nh_ia = ifatoia(nh.nh_ifa);
  if (((osrc & nh_ia.ia_subnetmask) >>> 0) !== nh_ia.ia_subnet) return null;

  // The original goes on; icmp_error needs (the start of) a copy.
  const mcopy = m_gethdr(M_NOWAIT, m.m_type);
  if (mcopy === null) return null;
  if (m_dup_pkthdr(mcopy, m, M_NOWAIT) === 0) {
    m_free(mcopy);
    return null;
  }
  mcopy.m_len = Math.min(ip_len, M_TRAILINGSPACE(mcopy));
  mcopy.m_pkthdr.len = mcopy.m_len;
  m_copydata(m, 0, mcopy.m_len, mcopy.m_buf, mcopy.m_data);
  return mcopy;
}

/**
 * ip_findroute: the nexthop toward dest, or null when there is none to use
 * (m is then consumed: an ICMP unreachable for no route or a reject route,
 * a silent drop for blackhole routes and directed broadcasts).
 */
function ip_findroute(dest: number, m: mbuf): nhop_object | null {
  const nh = fib4_lookup(M_GETFIB(m), dest, 0, NHR_NONE, m.m_pkthdr.flowid);
  if (nh === null) {
    IPSTAT_INC(ips_noroute);
    IPSTAT_INC(ips_cantforward);
    icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_HOST, 0, 0);
    return null;
  }
  if ((nh.nh_flags & (NHF_BLACKHOLE | NHF_BROADCAST)) !== 0) {
    IPSTAT_INC(ips_cantforward);
    m_freem(m);
    return null;
  }
  if ((nh.nh_flags & NHF_REJECT) !== 0) {
    IPSTAT_INC(ips_cantforward);
    icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_HOST, 0, 0);
    return null;
  }
  return nh;
}

/**
 * ip_tryforward(m): forward the datagram if it is a plain case.  Returns
 * null when it was dealt with (forwarded, or dropped and counted);
 * otherwise returns it for ip_input's full processing, with M_FASTFWD_OURS
 * set if a filter made it ours.
 */
export function ip_tryforward(m: mbuf): mbuf | null {
  M_ASSERTPKTHDR(m);
  let ip = m.m_data;
  const rcvif = m.m_pkthdr.rcvif as ifnet | null;
  KASSERT(rcvif !== null, "ip_tryforward: no rcvif");

  // A header with options is ip_input's business (or, per
  // net.inet.ip.process_options, refused or ignored)...
  if ((m.m_buf[ip + IPH_VHL] & 0x0f) !== IP_HDRLEN >> 2) {
    if (VNET_I32(ip_doopts) === 1) return m;
    else if (VNET_I32(ip_doopts) === 2) {
      icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_FILTER_PROHIB, 0, 0);
      return null;
    }
    // 0: the options are left as they are and the datagram goes on
  }

  // ...unicast, not from loopback, to and from ordinary addresses.  The
  // rest may need ip_input's attention.
  const ip_src = m.m_dv.getUint32(ip + IPH_SRC);
  const ip_dst = m.m_dv.getUint32(ip + IPH_DST);
  if (
    (m.m_flags & (M_BCAST | M_MCAST)) !== 0 ||
    (rcvif.if_flags & IFF_LOOPBACK) !== 0 ||
    ip_src === INADDR_BROADCAST ||
    ip_dst === INADDR_BROADCAST ||
    IN_MULTICAST(ip_src) ||
    IN_MULTICAST(ip_dst) ||
    IN_LINKLOCAL(ip_src) ||
    IN_LINKLOCAL(ip_dst) ||
    ip_src === INADDR_ANY ||
    ip_dst === INADDR_ANY
  )
    return m;

  // For us?
  if (in_localip(ip_dst)) return m;

  IPSTAT_INC(ips_total);

  // Inbound filtering.
  const odest = ip_dst;
  let dest = ip_dst;
  const osrc = ip_src;
  const head = V_inet_pfil_head();
  passin: {
    if (!PFIL_HOOKED_IN(head) || head === null) break passin;
    if (pfil_mbuf_in(head, m, rcvif, null) !== PFIL_PASS) return null;
    m = pfil_mbuf_result();
    ip = m.m_data;
    dest = ip_dst_of(m);
    // A filter that made it ours sends it back to ip_input.
    if (odest !== dest && in_localip(dest)) return forwardlocal(m);
    if ((m.m_flags & M_FASTFWD_OURS) !== 0) return forwardlocal(m);
  }

  // TTL: expired, or decremented with the checksum patched in place, even
  // when an offloaded checksum will be recomputed (patching is cheaper than
  // asking).
  if (m.m_buf[ip + IPH_TTL] <= IPTTLDEC) {
    icmp_error(m, ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 0, 0);
    return null;
  }
  m.m_buf[ip + IPH_TTL] -= IPTTLDEC;
  in_cksum_update(m);

  // A next hop forced by a filter (ipfw fwd): find the route to it.
  if ((m.m_flags & M_IP_NEXTHOP) !== 0) {
    const fwd_tag = m_tag_locate(m, is_ip_fwd_tag, null);
    if (fwd_tag !== null) {
      dest = fwd_tag.sin_addr;
      m_tag_delete(m, fwd_tag);
      m.m_flags &= ~M_IP_NEXTHOP;
    }
  }

  let nh = ip_findroute(dest, m);
  if (nh === null) return null;
  const rtdest = dest;

  // Outbound filtering.
  if (PFIL_HOOKED_OUT(head) && head !== null) {
    if (pfil_mbuf_fwd(head, m, nh.nh_ifp, null) !== PFIL_PASS) return null;
    m = pfil_mbuf_result();
    ip = m.m_data;
    dest = ip_dst_of(m);
    if (odest !== dest) {
      if ((m.m_flags & M_FASTFWD_OURS) !== 0 || in_localip(dest)) return forwardlocal(m);
      // A filter changed the destination: look the route up again.
      if (dest !== rtdest) {
        nh = ip_findroute(dest, m);
        if (nh === null) return null;
      }
    }
    if ((m.m_flags & M_IP_NEXTHOP) !== 0) {
      const fwd_tag = m_tag_locate(m, is_ip_fwd_tag, null);
      if (fwd_tag !== null) {
        dest = fwd_tag.sin_addr;
        m.m_flags |= M_SKIP_FIREWALL;
        m.m_flags &= ~M_IP_NEXTHOP;
        m_tag_delete(m, fwd_tag);
        nh = ip_findroute(dest, m);
        if (nh === null) return null;
      }
    }
  }

  // To the interface.
  const ip_len = m.m_dv.getUint16(ip + IPH_LEN);
  const ip_off = m.m_dv.getUint16(ip + IPH_OFF);
  dst.sin_family = AF_INET;
  dst.sin_len = 16;
  dst.sin_port = 0;
  dst.sin_addr = dest;
  ro.ro_nh = null;
  ro.ro_prepend = null;
  ro.ro_plen = 0;
  let gw: sockaddr_in;
  if ((nh.nh_flags & NHF_GATEWAY) !== 0) {
    gw = nh.gw4_sa;
    ro.ro_flags = RT_HAS_GW;
  } else {
    gw = dst;
    ro.ro_flags = 0;
  }

  // Out the way it came in: perhaps the sender should be told of a
  // better first hop.
  let mcopy: mbuf | null = null;
  redir_newgw = 0;
  if (VNET_I32(ipsendredirects) !== 0 && osrc === m.m_dv.getUint32(ip + IPH_SRC) && nh.nh_ifp === rcvif) mcopy = ip_redir_alloc(m, nh, ip_len, osrc);
  const redest = redir_newgw;

  const ifp = nh.nh_ifp;
  let error = 0;
  if (ip_len <= nh.nh_mtu) {
    m_clrprotoflags(m);
    error = ifp.if_output(ifp, m, gw, ro);
  } else if ((ip_off & IP_DF) !== 0) {
    // Path MTU discovery: tell the sender the MTU of the next hop.
    IPSTAT_INC(ips_cantfrag);
    icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG, 0, nh.nh_mtu);
    if (mcopy !== null) m_freem(mcopy);
    return null;
  } else {
    m.m_pkthdr.csum_flags |= CSUM_IP;
    const mfrag = mfrag_store ?? (mfrag_store = new ip_mfrag());
    mfrag.m = m;
    const ferr = ip_fragment(mfrag, nh.nh_mtu, ifp.if_hwassist);
    let mm: mbuf | null = mfrag.m;
    mfrag.m = null;
    if (ferr !== 0) {
      // (FreeBSD frees only the first; the fragments already made go too.)
      while (mm !== null) {
        const n: mbuf | null = mm.m_nextpkt;
        mm.m_nextpkt = null;
        m_freem(mm);
        mm = n;
      }
      if (mcopy !== null) m_freem(mcopy);
      return null;
    }
    while (mm !== null) {
      const m0: mbuf | null = mm.m_nextpkt;
      mm.m_nextpkt = null;
      m_clrprotoflags(mm);
      error = ifp.if_output(ifp, mm, gw, ro);
      mm = m0;
      if (error !== 0) break;
    }
    if (error !== 0) {
      // Reclaim the fragments not sent.
      while (mm !== null) {
        const m0: mbuf | null = mm.m_nextpkt;
        mm.m_nextpkt = null;
        m_freem(mm);
        mm = m0;
      }
    } else {
      IPSTAT_INC(ips_fragmented);
    }
  }

  if (error !== 0) {
    IPSTAT_INC(ips_odropped);
  } else {
    IPSTAT_INC(ips_forward);
    IPSTAT_INC(ips_fastforward);
  }

  // The redirect goes after the datagram.
  if (mcopy !== null) icmp_error(mcopy, ICMP_REDIRECT, ICMP_REDIRECT_HOST, redest, 0);
  return null;
}

/** forwardlocal: back to ip_input, marked as ours. */
function forwardlocal(m: mbuf): mbuf {
  m.m_flags |= M_FASTFWD_OURS;
  return m;
}


