// sys/netinet/ip_input.c: IPv4 input.  ip_input checks an arriving
// datagram in FreeBSD's order, each failure dropped on its ipstat counter;
// tries the forwarding fast path; runs the inbound filters and the options;
// decides whether the datagram is ours (one of our addresses, a broadcast
// address of the arrival interface, multicast, limited broadcast) or to be
// forwarded (ip_forward, the slow path); reassembles fragments; and hands
// what is ours to the protocol registered in ip_protox
// (IPPROTO_REGISTER), rip_input for the others.
//
// Departures from FreeBSD 14:
// - no IPsec, no RSVP, no multicast routing, no CARP, no IPSTEALTH, no
//   dummynet reinjection (M_PASSIN), no pfil next-hop tags.
// - ip_forward follows later FreeBSD: a blackhole or broadcast next
//   hop drops the datagram and a reject one answers host unreachable, each
//   counted in ips_cantforward, as ip_tryforward does.  14's ip_forward
//   passes them to ip_output, where lo0 swallows a blackhole with success
//   (counted as forwarded) and a reject route fails with EHOSTUNREACH.
//   FreeBSD's own test (tests/sys/netinet/forward.sh, fwd_ip_blackhole)
//   expects the later behaviour, and the two paths then agree.

import {
  CSUM_IP_CHECKED,
  CSUM_IP_VALID,
  M_ASSERTPKTHDR,
  M_BCAST,
  M_GETFIB,
  M_MCAST,
  M_TRAILINGSPACE,
  type mbuf,
} from "../kern/mbuf.ts";
import { m_free, m_freem, m_gethdr } from "../kern/kern_mbuf.ts";
import { m_adj, m_copydata, m_dup_pkthdr, m_pullup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { EACCES, EEXIST, EINVAL, EMSGSIZE, ENOBUFS, ENOENT } from "../kern/errno.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { AF_INET } from "../kern/socket.ts";
import { SI_ORDER_FOURTH, SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN, SYSINIT } from "../kern/kernel.ts";
import {
  CTLFLAG_MPSAFE,
  CTLFLAG_RD,
  CTLFLAG_RW,
  CTLFLAG_VNET,
  CTLTYPE_INT,
  OID_AUTO,
  SYSCTL_INT,
  SYSCTL_PROC,
  kvar_of,
  sysctl_handle_int,
  type sysctl_handler_t,
} from "../kern/sysctl.ts";
import { VNET_DEFINE_INT, VNET_I32, VNET_SYSINIT, VNET_SYSUNINIT } from "../net/vnet.ts";
import { IFF_BROADCAST, IFF_LOOPBACK, type ifnet } from "../net/if.ts";
import {
  NETISR_DISPATCH_DEFAULT,
  NETISR_IP,
  NETISR_POLICY_FLOW,
  netisr_clearqdrops,
  netisr_getqdrops,
  netisr_getqlimit,
  netisr_register,
  netisr_register_vnet,
  netisr_setqlimit,
  netisr_unregister_vnet,
} from "../net/netisr.ts";
import { PFIL_HOOKED_IN, PFIL_HOOKED_OUT, PFIL_PASS, V_inet_local_pfil_head, V_inet_pfil_head, pfil_mbuf_in, pfil_mbuf_out, pfil_mbuf_result } from "../net/pfil.ts";
import { V_loif } from "../net/if_loop.ts";
import { NHF_BLACKHOLE, NHF_BROADCAST, NHF_DEFAULT, NHF_GATEWAY, NHF_REDIRECT, NHF_REJECT, NHR_REF } from "../net/route/nhop.ts";
import { rib_flush_routes_family } from "../net/route/route_ctl.ts";
import { fib4_lookup } from "./in_fib.ts";
import {
  INADDR_ANY,
  INADDR_BROADCAST,
  IN_LINKLOCAL,
  IN_LOOPBACK,
  IN_MULTICAST,
  IPPROTO_ETHERIP,
  IPPROTO_GRE,
  IPPROTO_ICMP,
  IPPROTO_IPV4,
  IPPROTO_IPV6,
  IPPROTO_MAX,
  IPPROTO_MOBILE,
  IPPROTO_PIM,
  INADDR_HASH,
  V_in_ifaddrhead,
  in_canforward,
  in_ifaddr,
  in_ifscrub_all,
  in_localip_fib,
  ifatoia,
} from "./in.ts";
import { in_cksum, in_cksum_hdr } from "./in_cksum.ts";
import {
  ICMP_REDIRECT,
  ICMP_REDIRECT_HOST,
  ICMP_TIMXCEED,
  ICMP_TIMXCEED_INTRANS,
  ICMP_UNREACH,
  ICMP_UNREACH_HOST,
  ICMP_UNREACH_NEEDFRAG,
  IPH_DST,
  IPH_LEN,
  IPH_OFF,
  IPH_SRC,
  IPH_P,
  IPH_TTL,
  IPH_VHL,
  IPTTLDEC,
  IPVERSION,
  IP_HDRLEN,
  IP_MF,
  IP_OFFMASK,
} from "./ip.ts";
import {
  IPCTL_FORWARDING,
  IPCTL_INTRQDROPS,
  IPCTL_INTRQMAXLEN,
  IPCTL_SENDREDIRECTS,
  IPSTAT_INC,
  IP_FORWARDING,
  M_FASTFWD_OURS,
  M_IP_NEXTHOP,
  _net_inet_ip,
  ips_badaddr,
  ips_badhlen,
  ips_badlen,
  ips_badsum,
  ips_badvers,
  ips_cantforward,
  ips_cantfrag,
  ips_delivered,
  ips_forward,
  ips_redirectsent,
  ips_tooshort,
  ips_toosmall,
  ips_total,
} from "./ip_var.ts";
import { ip_dooptions } from "./ip_options.ts";
import { ip_tryforward } from "./ip_fastfwd.ts";
import { RO_NHFREE, ip_output, route_in_alloc } from "./ip_output.ts";
import { ipreass_destroy, ipreass_init, ipreass_vnet_init, ip_reass } from "./ip_reass.ts";
import { icmp_error, icmp_input, ip_next_mtu } from "./ip_icmp.ts";
import { rip_ctlinput, rip_input } from "./raw_ip.ts";
import { encap4_input } from "./ip_encap.ts";

// ---------------------------------------------------------------------------
// Knobs.

/** V_ipforwarding: net.inet.ip.forwarding. */
export const ipforwarding = VNET_DEFINE_INT("ipforwarding", 0);
SYSCTL_INT(_net_inet_ip, IPCTL_FORWARDING, "forwarding", CTLFLAG_VNET | CTLFLAG_RW, ipforwarding, 0, "Enable IP forwarding between interfaces");

/** V_ipsendredirects: an ICMP host redirect when a datagram is forwarded
 *  out of the interface it came in on (RFC 792). */
export const ipsendredirects = VNET_DEFINE_INT("ipsendredirects", 1);
SYSCTL_INT(_net_inet_ip, IPCTL_SENDREDIRECTS, "redirect", CTLFLAG_VNET | CTLFLAG_RW, ipsendredirects, 0, "Enable sending IP redirects");

const ip_strong_es = VNET_DEFINE_INT("ip_strong_es", 0);
SYSCTL_INT(_net_inet_ip, OID_AUTO, "rfc1122_strong_es", CTLFLAG_VNET | CTLFLAG_RW, ip_strong_es, 0, "Packet's IP destination address must match address on arrival interface");

const ip_sav = VNET_DEFINE_INT("ip_sav", 1);
SYSCTL_INT(_net_inet_ip, OID_AUTO, "source_address_validation", CTLFLAG_VNET | CTLFLAG_RW, ip_sav, 0, "Drop incoming packets with source address that is a local address");

const sysctl_netinet_intr_queue_maxlen: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const q = kvar_of(netisr_getqlimit(NETISR_IP));
  const error = sysctl_handle_int(oidp, q, 0, req);
  if (error !== 0 || req.newval === null) return error;
  if (q.v < 1) return EINVAL;
  return netisr_setqlimit(NETISR_IP, q.v);
};
SYSCTL_PROC(_net_inet_ip, IPCTL_INTRQMAXLEN, "intr_queue_maxlen", CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, null, 0, sysctl_netinet_intr_queue_maxlen, "I", "Maximum size of the IP input queue");

const sysctl_netinet_intr_queue_drops: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const q = kvar_of(netisr_getqdrops(NETISR_IP));
  const error = sysctl_handle_int(oidp, q, 0, req);
  if (error !== 0 || req.newval === null) return error;
  if (q.v !== 0) return EINVAL;
  netisr_clearqdrops(NETISR_IP);
  return 0;
};
SYSCTL_PROC(_net_inet_ip, IPCTL_INTRQDROPS, "intr_queue_drops", CTLTYPE_INT | CTLFLAG_RD | CTLFLAG_MPSAFE, null, 0, sysctl_netinet_intr_queue_drops, "I", "Number of packets dropped from the IP input queue");

// ---------------------------------------------------------------------------
// The protocol switch.

/** A protocol's input: (m, off = IP header length, proto).  Consumes m. */
export type ipproto_input_t = (m: mbuf, off: number, proto: number) => void;
/**
 * A protocol's ctlinput: an ICMP error about one of its datagrams.  icp is
 * the offset from m_data of the ICMP header; in front of it an option-less
 * IP header, behind it the quoted IP header and at least 8 bytes of its
 * payload, all contiguous (FreeBSD passes struct icmp *).
 */
export type ipproto_ctlinput_t = (m: mbuf, icp: number) => void;

/** ip_protox[]: every slot starts at rip_input, "nobody registered". */
export const ip_protox: ipproto_input_t[] = new Array<ipproto_input_t>(IPPROTO_MAX).fill(rip_input);
/** ip_ctlprotox[]: every slot starts at rip_ctlinput. */
export const ip_ctlprotox: (ipproto_ctlinput_t | null)[] = new Array<ipproto_ctlinput_t | null>(IPPROTO_MAX).fill(rip_ctlinput);

/** ipproto_register(proto, input, ctl): take a free slot (EEXIST if taken). */
export function ipproto_register(proto: number, input: ipproto_input_t, ctl: ipproto_ctlinput_t | null): number {
  KASSERT(proto > 0 && proto < IPPROTO_MAX, `ipproto_register: bad protocol ${proto}`);
  if (ip_protox[proto] === rip_input) {
    ip_protox[proto] = input;
    ip_ctlprotox[proto] = ctl;
    return 0;
  }
  return EEXIST;
}

/** ipproto_unregister(proto): give the slot back to rip_input. */
export function ipproto_unregister(proto: number): number {
  KASSERT(proto > 0 && proto < IPPROTO_MAX, `ipproto_unregister: bad protocol ${proto}`);
  if (ip_protox[proto] !== rip_input) {
    ip_protox[proto] = rip_input;
    ip_ctlprotox[proto] = rip_ctlinput;
    return 0;
  }
  return ENOENT;
}

/** IPPROTO_REGISTER(prot, input, ctl): ipproto_register that must work. */
export function IPPROTO_REGISTER(proto: number, input: ipproto_input_t, ctl: ipproto_ctlinput_t | null): void {
  const error = ipproto_register(proto, input, ctl);
  KASSERT(error === 0, `IPPROTO_REGISTER(${proto}): error ${error}`);
}

// ---------------------------------------------------------------------------
// Initialization.

/** ip_vnet_init: IP's state in a new vnet (the pfil heads are made by
 *  net/pfil.ts at the same point). */
function ip_vnet_init(): void {
  ipreass_vnet_init();
  if (VIMAGE) netisr_register_vnet(NETISR_IP);
}
VNET_SYSINIT("ip_vnet_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_FOURTH, ip_vnet_init);

/** ip_init: the protocols compiled in, and ip_input on NETISR_IP. */
function ip_init(): void {
  ipreass_init();
  IPPROTO_REGISTER(IPPROTO_ICMP, icmp_input, null);
  // The tunnelling protocols: ip_encap finds the driver.
  IPPROTO_REGISTER(IPPROTO_IPV4, encap4_input, null);
  IPPROTO_REGISTER(IPPROTO_MOBILE, encap4_input, null);
  IPPROTO_REGISTER(IPPROTO_ETHERIP, encap4_input, null);
  IPPROTO_REGISTER(IPPROTO_GRE, encap4_input, null);
  IPPROTO_REGISTER(IPPROTO_IPV6, encap4_input, null);
  IPPROTO_REGISTER(IPPROTO_PIM, encap4_input, null);
  netisr_register(NETISR_IP, "ip", ip_input, 0, NETISR_DISPATCH_DEFAULT, NETISR_POLICY_FLOW);
}
SYSINIT("ip_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, ip_init);

/** ip_destroy: a dying vnet's IP state goes. */
function ip_destroy(): void {
  netisr_unregister_vnet(NETISR_IP);
  // Remove the IPv4 addresses from all interfaces (netinet/in.ts may have
  // done so already at this same point), then whatever routes are left.
  in_ifscrub_all();
  rib_flush_routes_family(AF_INET);
  ipreass_destroy();
}
VNET_SYSUNINIT("ip", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, ip_destroy);

// ---------------------------------------------------------------------------
// ip_input.

function rcvif_of(m: mbuf): ifnet {
  const ifp = m.m_pkthdr.rcvif as ifnet | null;
  KASSERT(ifp !== null, "ip_input: no rcvif");
  return ifp;
}

/**
 * ip_input(m): a datagram has arrived (netisr NETISR_IP), with
 * m_pkthdr.rcvif set.  Consumes m.
 */
export function ip_input(m: mbuf): void {
  let hlen = 0;
  let dchg = false;
  let ip: number;

  M_ASSERTPKTHDR(m);

  ours: {
    if ((m.m_flags & M_FASTFWD_OURS) !== 0) {
      m.m_flags &= ~M_FASTFWD_OURS;
      hlen = (m.m_buf[m.m_data + IPH_VHL] & 0x0f) << 2;
      break ours;
    }

    IPSTAT_INC(ips_total);

    bad: {
      if (m.m_pkthdr.len < IP_HDRLEN) {
        IPSTAT_INC(ips_tooshort);
        break bad;
      }
      if (m.m_len < IP_HDRLEN) {
        const mm = m_pullup(m, IP_HDRLEN);
        if (mm === null) {
          IPSTAT_INC(ips_toosmall);
          return;
        }
        m = mm;
      }
      ip = m.m_data;
      if (m.m_buf[ip + IPH_VHL] >>> 4 !== IPVERSION) {
        IPSTAT_INC(ips_badvers);
        break bad;
      }
      hlen = (m.m_buf[ip + IPH_VHL] & 0x0f) << 2;
      if (hlen < IP_HDRLEN) {
        IPSTAT_INC(ips_badhlen);
        break bad;
      }
      if (hlen > m.m_len) {
        const mm = m_pullup(m, hlen);
        if (mm === null) {
          IPSTAT_INC(ips_badhlen);
          return;
        }
        m = mm;
        ip = m.m_data;
      }

      // RFC 1122 keeps loopback addresses off every real link: a 127/8
      // address that arrives from one is bogus.
      let ifp = rcvif_of(m);
      if (IN_LOOPBACK(m.m_dv.getUint32(ip + IPH_DST)) || IN_LOOPBACK(m.m_dv.getUint32(ip + IPH_SRC))) {
        if ((ifp.if_flags & IFF_LOOPBACK) === 0) {
          IPSTAT_INC(ips_badaddr);
          break bad;
        }
      }

      let sum: number;
      if ((m.m_pkthdr.csum_flags & CSUM_IP_CHECKED) !== 0) sum = (m.m_pkthdr.csum_flags & CSUM_IP_VALID) === 0 ? 1 : 0;
      else if (hlen === IP_HDRLEN) sum = in_cksum_hdr(m);
      else sum = in_cksum(m, hlen);
      if (sum !== 0) {
        IPSTAT_INC(ips_badsum);
        break bad;
      }

      const ip_len = m.m_dv.getUint16(ip + IPH_LEN);
      if (ip_len < hlen) {
        IPSTAT_INC(ips_badlen);
        break bad;
      }
      // The chain must hold the whole datagram ip_len announces; link-layer
      // padding after it is cut off.
      if (m.m_pkthdr.len < ip_len) {
        IPSTAT_INC(ips_tooshort);
        break bad;
      }
      if (m.m_pkthdr.len > ip_len) {
        if (m.m_len === m.m_pkthdr.len) {
          m.m_len = ip_len;
          m.m_pkthdr.len = ip_len;
        } else {
          m_adj(m, ip_len - m.m_pkthdr.len);
        }
      }

      // The fast path first; what it does not take continues here, unless
      // a filter there made it ours.
      if (VNET_I32(ipforwarding) !== 0) {
        const mm = ip_tryforward(m);
        if (mm === null) return;
        m = mm;
        if ((m.m_flags & M_FASTFWD_OURS) !== 0) {
          m.m_flags &= ~M_FASTFWD_OURS;
          ip = m.m_data;
          break ours;
        }
      }

      // Inbound filters.  A changed destination (NAT) is remembered in
      // dchg for ip_forward.
      const head = V_inet_pfil_head();
      if (PFIL_HOOKED_IN(head) && head !== null) {
        const odst = m.m_dv.getUint32(ip + IPH_DST);
        if (pfil_mbuf_in(head, m, ifp, null) !== PFIL_PASS) return;
        m = pfil_mbuf_result();
        ip = m.m_data;
        dchg = odst !== m.m_dv.getUint32(ip + IPH_DST);
        ifp = rcvif_of(m);
        if ((m.m_flags & M_FASTFWD_OURS) !== 0) {
          m.m_flags &= ~M_FASTFWD_OURS;
          break ours;
        }
      }
      // passin:
      // 0.0.0.0 may only be a source (RFC 1122); checked this late so
      // filters may see and log such packets.
      const ip_dst = m.m_dv.getUint32(ip + IPH_DST);
      if (ip_dst === INADDR_ANY) {
        IPSTAT_INC(ips_badaddr);
        break bad;
      }
      if ((m.m_flags & M_IP_NEXTHOP) !== 0) {
        ip_forward(m, true);
        return;
      }

      // Options: ip_dooptions answers bad ones and forwards source routes.
      if (hlen > IP_HDRLEN && ip_dooptions(m, 0) !== 0) return;

      // A stack with no address yet (a DHCP client, say) takes every
      // unicast datagram and lets the protocols sort them out.
      if (V_in_ifaddrhead().length === 0 && (m.m_flags & (M_MCAST | M_BCAST)) === 0) break ours;

      // net.inet.ip.rfc1122_strong_es: the destination must be an address
      // of the arrival interface (only when not forwarding, not from
      // loopback, and not redirected by a filter).
      const strong_es = VNET_I32(ip_strong_es) !== 0 && VNET_I32(ipforwarding) === 0 && (ifp.if_flags & IFF_LOOPBACK) === 0 && !dchg;

      // One of our addresses?
      const chain = INADDR_HASH(ip_dst);
      for (let i = 0; i < chain.length; i++) {
        const ia = chain[i];
        if (ia.ia_addr.sin_addr !== ip_dst) continue;
        if (strong_es && ia.ifa_ifp !== ifp) {
          IPSTAT_INC(ips_badaddr);
          break bad;
        }
        // net.inet.ip.source_address_validation: a packet claiming to be
        // from us, from outside, is forged.
        if (VNET_I32(ip_sav) !== 0 && (ifp.if_flags & IFF_LOOPBACK) === 0 && in_localip_fib(m.m_dv.getUint32(ip + IPH_SRC), ifp.if_fib)) {
          IPSTAT_INC(ips_badaddr);
          break bad;
        }
        ia.ifa_ipackets++;
        ia.ifa_ibytes += m.m_pkthdr.len;
        break ours;
      }

      // A broadcast address of the arrival interface?  (Directed
      // broadcasts arriving elsewhere are forwarded, and looped back by
      // ether_output on the right interface.)
      if ((ifp.if_flags & IFF_BROADCAST) !== 0) {
        const addrs = ifp.if_addrhead;
        for (let i = 0; i < addrs.length; i++) {
          const ifa = addrs[i];
          if (!(ifa instanceof in_ifaddr)) continue;
          if (ifa.ia_broadaddr.sin_addr === ip_dst) {
            ifa.ifa_ipackets++;
            ifa.ifa_ibytes += m.m_pkthdr.len;
            break ours;
          }
        }
      }
      // Multicast: no multicast routing here, so it is ours and the
      // protocols filter on membership.
      if (IN_MULTICAST(ip_dst)) break ours;
      if (ip_dst === INADDR_BROADCAST) break ours;
      // (INADDR_ANY was refused above.)

      // Link-local (169.254/16) datagrams stay on their link (RFC 3927 2.7).
      if (IN_LINKLOCAL(ip_dst) || IN_LINKLOCAL(m.m_dv.getUint32(ip + IPH_SRC))) {
        IPSTAT_INC(ips_cantforward);
        m_freem(m);
        return;
      }

      // Not ours: forward if we may.
      if (VNET_I32(ipforwarding) === 0) {
        IPSTAT_INC(ips_cantforward);
        m_freem(m);
      } else {
        ip_forward(m, dchg);
      }
      return;
    }
    // bad:
    m_freem(m);
    return;
  }

  // ours:
  // The local filter sees what is about to be delivered, as output on lo0
  // (so redirect rules can change the source).
  const lhead = V_inet_local_pfil_head();
  if (PFIL_HOOKED_OUT(lhead) && lhead !== null) {
    const loif = V_loif();
    KASSERT(loif !== null, "ip_input: no lo0");
    if (pfil_mbuf_out(lhead, m, loif, null) !== PFIL_PASS) return;
    m = pfil_mbuf_result();
  }

  // A fragment: on to reassembly, and on only with the whole datagram.
  ip = m.m_data;
  if ((m.m_dv.getUint16(ip + IPH_OFF) & (IP_MF | IP_OFFMASK)) !== 0) {
    const mm = ip_reass(m);
    if (mm === null) return;
    m = mm;
    ip = m.m_data;
    hlen = (m.m_buf[ip + IPH_VHL] & 0x0f) << 2;
  }

  // To the protocol.
  IPSTAT_INC(ips_delivered);
  const p = m.m_buf[ip + IPH_P];
  ip_protox[p](m, hlen, p);
}

// ---------------------------------------------------------------------------
// ip_forward: the slow path, for datagrams ip_tryforward left alone (with
// options, after a filter changed them, when forwarding from ip_dooptions).

/** ip_forward's route (on its stack in FreeBSD). */
const ip_forward_ro = route_in_alloc();

/**
 * ip_forward(m, srcrt): forward a datagram that is not ours, or answer the
 * sender with the ICMP error that says why not.  srcrt: it is following a
 * source route (no redirects then).  Consumes m.
 */
export function ip_forward(m: mbuf, srcrt: boolean): void {
  const ip = m.m_data;
  const dv = m.m_dv;
  const ip_dst = dv.getUint32(ip + IPH_DST);

  if ((m.m_flags & (M_BCAST | M_MCAST)) !== 0 || !in_canforward(ip_dst)) {
    IPSTAT_INC(ips_cantforward);
    m_freem(m);
    return;
  }
  if (m.m_buf[ip + IPH_TTL] <= IPTTLDEC) {
    icmp_error(m, ICMP_TIMXCEED, ICMP_TIMXCEED_INTRANS, 0, 0);
    return;
  }

  const ro = ip_forward_ro;
  ro.ro_nh = null;
  ro.ro_flags = 0;
  ro.ro_prepend = null;
  ro.ro_plen = 0;
  ro.ro_dst.sin_family = AF_INET;
  ro.ro_dst.sin_len = 16;
  ro.ro_dst.sin_port = 0;
  ro.ro_dst.sin_addr = ip_dst;
  ro.ro_nh = fib4_lookup(M_GETFIB(m), ip_dst, 0, NHR_REF, m.m_pkthdr.flowid);
  // Blackhole, broadcast and reject nexthops end here as on the fast path:
  // the packet is not forwardable (silently, or with host unreachable).
  // FreeBSD 14 sends them on to ip_output instead (see the header).
  if (ro.ro_nh !== null && (ro.ro_nh.nh_flags & (NHF_BLACKHOLE | NHF_BROADCAST)) !== 0) {
    IPSTAT_INC(ips_cantforward);
    m_freem(m);
    RO_NHFREE(ro);
    return;
  }
  if (ro.ro_nh !== null && (ro.ro_nh.nh_flags & NHF_REJECT) !== 0) {
    IPSTAT_INC(ips_cantforward);
    RO_NHFREE(ro);
    icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_HOST, 0, 0);
    return;
  }
  const ia = ro.ro_nh !== null ? ifatoia(ro.ro_nh.nh_ifa) : null;

  // Keep the header and the start of the payload for an ICMP error: a
  // private copy, since ip_output may change the original in place.
  let mcopy = m_gethdr(M_NOWAIT, m.m_type);
  if (mcopy !== null && m_dup_pkthdr(mcopy, m, M_NOWAIT) === 0) {
    m_free(mcopy);
    mcopy = null;
  }
  const ip_len = dv.getUint16(ip + IPH_LEN);
  if (mcopy !== null) {
    mcopy.m_len = Math.min(ip_len, M_TRAILINGSPACE(mcopy));
    mcopy.m_pkthdr.len = mcopy.m_len;
    m_copydata(m, 0, mcopy.m_len, mcopy.m_buf, mcopy.m_data);
  }
  m.m_buf[ip + IPH_TTL] -= IPTTLDEC;

  // A datagram that leaves by the link it came in on means its sender could
  // have reached the next hop itself.  Say so (ICMP redirect) only to a
  // sender on that link, for a datagram without a source route, and for a
  // route we trust: neither the default route nor one a redirect made.
  let type = 0;
  let code = 0;
  let dest = 0;
  if (!srcrt && VNET_I32(ipsendredirects) !== 0 && ia !== null && ia.ifa_ifp === m.m_pkthdr.rcvif) {
    const nh = ro.ro_nh;
    if (nh !== null && (nh.nh_flags & (NHF_REDIRECT | NHF_DEFAULT)) === 0) {
      const nh_ia = ifatoia(nh.nh_ifa);
      const src = dv.getUint32(ip + IPH_SRC);
      if (((src & nh_ia.ia_subnetmask) >>> 0) === nh_ia.ia_subnet) {
        // RFC 1812 allows host redirects only, never network ones.
        type = ICMP_REDIRECT;
        code = ICMP_REDIRECT_HOST;
        if ((nh.nh_flags & NHF_GATEWAY) !== 0) {
          if (nh.gw4_sa.sin_family === AF_INET) dest = nh.gw4_sa.sin_addr;
          else type = 0;
        } else {
          dest = ip_dst;
        }
      }
    }
  }

  const error = ip_output(m, null, ro, IP_FORWARDING, null, null);

  let mtu = 0;
  if (error === EMSGSIZE && ro.ro_nh !== null) mtu = ro.ro_nh.nh_mtu;
  RO_NHFREE(ro);

  if (error !== 0) {
    IPSTAT_INC(ips_cantforward);
  } else {
    IPSTAT_INC(ips_forward);
    if (type !== 0) {
      IPSTAT_INC(ips_redirectsent);
    } else {
      if (mcopy !== null) m_freem(mcopy);
      return;
    }
  }
  if (mcopy === null) return;

  switch (error) {
    case 0: // forwarded, but a redirect is due
      break;
    case EMSGSIZE:
      type = ICMP_UNREACH;
      code = ICMP_UNREACH_NEEDFRAG;
      // The MTU to report: the route's, capped by the interface's; with
      // no route MTU the interface's, and with no interface the plateau
      // below this datagram's size (RFC 1191).
      if (mtu !== 0) {
        if (ia !== null) mtu = Math.min(mtu, ia.ifa_ifp.if_mtu);
      } else {
        if (ia !== null) mtu = ia.ifa_ifp.if_mtu;
        else mtu = ip_next_mtu(ip_len, 0);
      }
      IPSTAT_INC(ips_cantfrag);
      break;
    case ENOBUFS:
    case EACCES: // a filter said no
      m_freem(mcopy);
      return;
    default: // ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN...
      type = ICMP_UNREACH;
      code = ICMP_UNREACH_HOST;
      break;
  }
  icmp_error(mcopy, type, code, dest, mtu);
}
