// sys/netinet6/ip6_input.c: IPv6 input.  ip6_input checks an arriving
// packet in FreeBSD's order, each failure counted on its ip6stat and
// in6_ifstat counters; tries the forwarding fast path (ip6_tryforward);
// runs the inbound filters; embeds the scope zone of link-local addresses
// into the header (in6_setscope); decides whether the packet is ours (one
// of our addresses, multicast) or to be forwarded (ip6_forward); processes
// a hop-by-hop options header (jumbo payload, router alert); and walks the
// header chain through the protocols registered in ip6_protox
// (ip6proto_register), each returning the next header or IPPROTO_DONE.
//
// Also here: ip6_unknown_opt (options nobody knows), ip6_get_prevhdr,
// ip6_nexthdr, ip6_lasthdr (walking a header chain), ip6_getdstifaddr, the
// NETISR_IPV6 registration and net.inet6.ip6.intr_queue_maxlen, and the
// inet6 pfil head.
//
// Departures from FreeBSD 14: no IPsec, no multicast routing (ip6_mforward),
// no RSS (NETISR_IPV6_DIRECT), no pfil next-hop tags (M_IP6_NEXTHOP is
// never set); ip6_savecontrol has no SO_TIMESTAMP messages (the kernel has
// no control messages of its own to add them to yet).

import { M_ASSERTPKTHDR, M_BCAST, M_EXT, M_MCAST, M_PKTHDR, MCLBYTES, MHLEN, MLEN, MT_CONTROL, MT_DATA, type mbuf } from "../kern/mbuf.ts";
import { m_freem, m_get, m_getcl, m_gethdr } from "../kern/kern_mbuf.ts";
import { INP_RECVFLOWID } from "../netinet/in_pcb.ts";
import type { ip6_inpcb } from "./ip6_output.ts";
import { m_adj, m_copydata, m_move_pkthdr, m_pullup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { EEXIST, EHOSTDOWN, EHOSTUNREACH, EINVAL, EMSGSIZE, ENOENT, ENOPROTOOPT, ECONNREFUSED } from "../kern/errno.ts";
import { KASSERT, panic } from "../kern/subr_prf.ts";
import { AF_INET6 } from "../kern/socket.ts";
import { SI_ORDER_FOURTH, SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN, SYSINIT } from "../kern/kernel.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RW, CTLTYPE_INT, SYSCTL_PROC, kvar_of, sysctl_handle_int, type sysctl_handler_t } from "../kern/sysctl.ts";
import { IS_DEFAULT_VNET, VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT, curvnet } from "../net/vnet.ts";
import { V_ifnet, type ifnet } from "../net/if.ts";
import {
  NETISR_DISPATCH_DEFAULT,
  NETISR_IPV6,
  NETISR_POLICY_FLOW,
  netisr_getqlimit,
  netisr_register,
  netisr_register_vnet,
  netisr_setqlimit,
  netisr_unregister_vnet,
} from "../net/netisr.ts";
import { PFIL_HOOKED_IN, PFIL_IN, PFIL_OUT, PFIL_PASS, PFIL_TYPE_IP6, pfil_head_register, pfil_head_unregister, pfil_mbuf_in, pfil_mbuf_result, type pfil_head } from "../net/pfil.ts";
import { V_loif } from "../net/if_loop.ts";
import { rib_flush_routes_family } from "../net/route/route_ctl.ts";
import { IPPROTO_MAX } from "../netinet/in.ts";
import {
  IP6E_OFF_LEN,
  IP6E_OFF_NXT,
  IP6F_OFF_MASK,
  IP6F_OFF_NXT,
  IP6F_OFF_OFFLG,
  IP6OPT_JUMBO,
  IP6OPT_JUMBO_LEN,
  IP6OPT_MINLEN,
  IP6OPT_PAD1,
  IP6OPT_PADN,
  IP6OPT_ROUTER_ALERT,
  IP6OPT_RTALERT_LEN,
  IP6OPT_RTALERT_MLD,
  IP6OPT_TYPE,
  IP6OPT_TYPE_DISCARD,
  IP6OPT_TYPE_FORCEICMP,
  IP6OPT_TYPE_ICMP,
  IP6OPT_TYPE_SKIP,
  IP6_FRAG_LEN,
  IP6_HDR_LEN,
  IP6_OFF_DST,
  IP6_OFF_HLIM,
  IP6_OFF_NXT,
  IP6_OFF_PLEN,
  IP6_OFF_SRC,
  IP6_OFF_VFC,
  IPPROTO_AH,
  IPPROTO_DSTOPTS,
  IPPROTO_ESP,
  IPPROTO_FRAGMENT,
  IPPROTO_HOPOPTS,
  IPPROTO_IPCOMP,
  IPPROTO_NONE,
  IPPROTO_ROUTING,
  IPV6_MAXPACKET,
  IPV6_VERSION,
  IPV6_VERSION_MASK,
} from "../netinet/ip6.ts";
import { ICMP6_PARAMPROB_HEADER, ICMP6_PARAMPROB_OPTION, ICMP6_PARAM_PROB, IPPROTO_ICMPV6 } from "../netinet/icmp6.ts";

import { in6_clearscope, in6_setscope } from "./scope6.ts";
import { in6_localip, in6ifa_ifwithaddr } from "./in6.ts";
import { ND6_IFF_IFDISABLED, ND_IFINFO, nd6_resolve } from "./nd6.ts";
import { set_nd6_resolve_p } from "../net/if_ethersubr.ts";
import { icmp6_error, icmp6_input } from "./icmp6.ts";
import { rip6_ctlinput, rip6_input } from "./raw_ip6.ts";
import { IP6STAT_INC, IP6STAT_INC2, IPPROTO_DONE, IP6S_M2MMAX, M_FASTFWD_OURS, M_LOOP, M_RTALERT_MLD, _net_inet6_ip6, ip6s_badoptions, ip6s_badscope, ip6s_badvers, ip6s_cantforward, ip6s_delivered, ip6s_exthdrtoolong, ip6s_m1, ip6s_m2m, ip6s_mext1, ip6s_mext2m, ip6s_nxthist, ip6s_toomanyhdr, ip6s_tooshort, ip6s_toosmall, ip6s_total, IN6P_DSTOPTS, IN6P_HOPLIMIT, IN6P_HOPOPTS, IN6P_PKTINFO, IN6P_RFC2292, IN6P_RTHDR, IN6P_TCLASS, IPPROTO_IPV6, IPV6_2292DSTOPTS, IPV6_2292HOPLIMIT, IPV6_2292HOPOPTS, IPV6_2292PKTINFO, IPV6_2292RTHDR, IPV6_DSTOPTS, IPV6_FLOWID, IPV6_FLOWTYPE, IPV6_HOPLIMIT, IPV6_HOPOPTS, IPV6_PKTINFO, IPV6_RTHDR, IPV6_TCLASS, type intp, type ip6proto_ctlinput_t, type ip6proto_input_t, type mbufp } from "./ip6_var.ts";
import { frag6_destroy, frag6_init, frag6_input } from "./frag6.ts";
import { dest6_input } from "./dest6.ts";
import { route6_input } from "./route6.ts";
import { ip6_tryforward } from "./ip6_fastfwd.ts";
import { ip6_forward } from "./ip6_forward.ts";
import { IPV6CTL_INTRQMAXLEN, ip6_forwarding, ip6_hdrnestlimit, ip6_sendredirects } from "./in6_proto.ts";
import { in6_addr_equal_at, IN6_IS_SCOPE_EMBED, IN6_IFF_NOTREADY, IN6_IS_ADDR_MC_INTFACELOCAL, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, IN6_IS_ADDR_V4MAPPED, IN6_ARE_ADDR_EQUAL, IPV6_ADDR_MC_SCOPE, in6_addr, in6_addr_read, in6_addr_write, in6_ifaddr, in6_ifextra_get, in6_ifstat_inc, ifs6_in_addrerr, ifs6_in_deliver, ifs6_in_discard, ifs6_in_hdrerr, ifs6_in_mcast, ifs6_in_receive, ifs6_in_truncated } from "./in6_var.ts";

// ---------------------------------------------------------------------------
// The protocol switch.

/** ip6_protox[]: every slot starts at rip6_input, "nobody registered". */
export const ip6_protox: ip6proto_input_t[] = new Array<ip6proto_input_t>(IPPROTO_MAX).fill(rip6_input);
/** ip6_ctlprotox[]: every slot starts at rip6_ctlinput. */
export const ip6_ctlprotox: (ip6proto_ctlinput_t | null)[] = new Array<ip6proto_ctlinput_t | null>(IPPROTO_MAX).fill(rip6_ctlinput);

/** ip6proto_register(proto, input, ctl): take a free slot (EEXIST if taken). */
export function ip6proto_register(proto: number, input: ip6proto_input_t, ctl: ip6proto_ctlinput_t | null): number {
  KASSERT(proto > 0 && proto < IPPROTO_MAX, `ip6proto_register: bad protocol ${proto}`);
  if (ip6_protox[proto] === rip6_input) {
    ip6_protox[proto] = input;
    ip6_ctlprotox[proto] = ctl;
    return 0;
  }
  return EEXIST;
}

/** ip6proto_unregister(proto): give the slot back to rip6_input. */
export function ip6proto_unregister(proto: number): number {
  KASSERT(proto > 0 && proto < IPPROTO_MAX, `ip6proto_unregister: bad protocol ${proto}`);
  if (ip6_protox[proto] !== rip6_input) {
    ip6_protox[proto] = rip6_input;
    ip6_ctlprotox[proto] = rip6_ctlinput;
    return 0;
  }
  return ENOENT;
}

/** IP6PROTO_REGISTER: ip6proto_register that must work. */
export function IP6PROTO_REGISTER(proto: number, input: ip6proto_input_t, ctl: ip6proto_ctlinput_t | null): void {
  const error = ip6proto_register(proto, input, ctl);
  KASSERT(error === 0, `IP6PROTO_REGISTER(${proto}): error ${error}`);
}

// ---------------------------------------------------------------------------
// The inet6 pfil head (VNET_DEFINE(pfil_head_t, inet6_pfil_head)).

export const PFIL_INET6_NAME = "inet6";
const inet6_pfil_head = VNET_DEFINE_PTR<pfil_head | null>("inet6_pfil_head", null);

/** V_inet6_pfil_head: ip6_input (in), ip6_output and ip6_forward (out). */
export function V_inet6_pfil_head(): pfil_head | null {
  return VNET_PTR(inet6_pfil_head);
}

// ---------------------------------------------------------------------------
// NETISR_IPV6 and its queue limit.

const sysctl_netinet6_intr_queue_maxlen: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const q = kvar_of(netisr_getqlimit(NETISR_IPV6));
  const error = sysctl_handle_int(oidp, q, 0, req);
  if (error !== 0 || req.newval === null) return error;
  if (q.v < 1) return EINVAL;
  return netisr_setqlimit(NETISR_IPV6, q.v);
};
SYSCTL_PROC(_net_inet6_ip6, IPV6CTL_INTRQMAXLEN, "intr_queue_maxlen", CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, null, 0, sysctl_netinet6_intr_queue_maxlen, "I", "Maximum size of the IPv6 input queue");

/** ip6_init: the protocols that never go dynamic, and ip6_input on NETISR_IPV6. */
function ip6_init(): void {
  IP6PROTO_REGISTER(IPPROTO_ICMPV6, icmp6_input, rip6_ctlinput);
  IP6PROTO_REGISTER(IPPROTO_DSTOPTS, dest6_input, null);
  IP6PROTO_REGISTER(IPPROTO_ROUTING, route6_input, null);
  IP6PROTO_REGISTER(IPPROTO_FRAGMENT, frag6_input, null);
  netisr_register(NETISR_IPV6, "ip6", ip6_input, 0, NETISR_DISPATCH_DEFAULT, NETISR_POLICY_FLOW);
  set_nd6_resolve_p(nd6_resolve);
}
SYSINIT("ip6_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, ip6_init);

/** ip6_vnet_init: IPv6's state in a new vnet (the parts of it this file's
 *  company owns: the pfil head, reassembly, the netisr enable). */
function ip6_vnet_init(): void {
  VNET_PTR_SET(inet6_pfil_head, pfil_head_register({ pa_flags: PFIL_IN | PFIL_OUT, pa_type: PFIL_TYPE_IP6, pa_headname: PFIL_INET6_NAME }));
  frag6_init(IS_DEFAULT_VNET(curvnet));
  if (VIMAGE) netisr_register_vnet(NETISR_IPV6);
}
VNET_SYSINIT("ip6_vnet_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_FOURTH, ip6_vnet_init);

/** ip6_destroy: a dying vnet's IPv6 state goes (addresses, ND and the
 *  rest are their owners' to tear down at the same point). */
function ip6_destroy(): void {
  netisr_unregister_vnet(NETISR_IPV6);
  const h = VNET_PTR(inet6_pfil_head);
  if (h !== null) pfil_head_unregister(h);
  VNET_PTR_SET(inet6_pfil_head, null);
  rib_flush_routes_family(AF_INET6);
  frag6_destroy();
}
VNET_SYSUNINIT("inet6", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, ip6_destroy);

// ---------------------------------------------------------------------------
// ip6_input.

/** The header's addresses, read out to scope them (written back after). */
const ip6_src_a = new in6_addr();
const ip6_dst_a = new in6_addr();

/**
 * The struct mbuf ** / int * holders of the header chain walk, one set per
 * nesting level (a tunnel's inner packet comes back through ip6_input while
 * the outer walk is still on the stack).
 */
class ip6_walk {
  readonly mp: mbufp = { m: null };
  readonly offp: intp = { v: 0 };
  readonly plen: intp = { v: 0 };
  readonly rtalert: intp = { v: 0 };
}
const ip6_walks: ip6_walk[] = [new ip6_walk()];
let ip6_depth = 0;

function rcvif_of(m: mbuf): ifnet {
  const ifp = m.m_pkthdr.rcvif as ifnet | null;
  KASSERT(ifp !== null, "ip6_input: no rcvif");
  return ifp;
}

/** ND_IFINFO(ifp)->flags & ND6_IFF_IFDISABLED; an interface IPv6 is not
 *  attached to counts as disabled. */
function ip6_ifdisabled(ifp: ifnet): boolean {
  if (in6_ifextra_get(ifp) === null) return true;
  return (ND_IFINFO(ifp).flags & ND6_IFF_IFDISABLED) !== 0;
}

/**
 * ip6_input(m): an IPv6 packet has arrived (netisr NETISR_IPV6), with
 * m_pkthdr.rcvif set.  Consumes m.
 */
export function ip6_input(m0: mbuf): void {
  if (ip6_depth === ip6_walks.length) ip6_walks.push(new ip6_walk());
  const w = ip6_walks[ip6_depth++];
  try {
    ip6_input_body(m0, w);
  } finally {
    w.mp.m = null;
    ip6_depth--;
  }
}

const RTALERT_NONE = 0xffffffff;

function ip6_input_body(m0: mbuf, w: ip6_walk): void {
  let m: mbuf | null = m0;
  const rcvif = rcvif_of(m0);
  let ours = false;
  let srcrt = 0;
  let nxt = 0;
  let ip6 = 0;
  // ip6_src_a and ip6_dst_a hold the header's addresses (FreeBSD reads
  // them through a pointer into the mbuf; we read them once and again only
  // when the forwarding path or a filter may have changed the packet).
  let addrs_read = false;

  M_ASSERTPKTHDR(m0);

  bad: {
    if (ip6_ifdisabled(rcvif)) break bad;

    passin: {
      if ((m.m_flags & M_FASTFWD_OURS) !== 0) {
        // A filter changed the destination to one of ours.
        ip6 = m.m_data;
        break passin;
      }

      // mbuf statistics.
      if ((m.m_flags & M_EXT) !== 0) {
        if (m.m_next !== null) IP6STAT_INC(ip6s_mext2m);
        else IP6STAT_INC(ip6s_mext1);
      } else if (m.m_next !== null) {
        if ((m.m_flags & M_LOOP) !== 0) {
          const lo = V_loif();
          IP6STAT_INC2(ip6s_m2m, lo !== null ? lo.if_index : 0);
        } else if (rcvif.if_index < IP6S_M2MMAX) IP6STAT_INC2(ip6s_m2m, rcvif.if_index);
        else IP6STAT_INC2(ip6s_m2m, 0);
      } else IP6STAT_INC(ip6s_m1);

      in6_ifstat_inc(rcvif, ifs6_in_receive);
      IP6STAT_INC(ip6s_total);

      // KAME code wants the headers in one mbuf: a short chain (a bridge's,
      // say) is copied into one.
      if (m.m_next !== null && m.m_pkthdr.len < MCLBYTES) {
        const n = m.m_pkthdr.len > MHLEN ? m_getcl(M_NOWAIT, MT_DATA, M_PKTHDR) : m_gethdr(M_NOWAIT, MT_DATA);
        if (n === null) break bad;
        m_move_pkthdr(n, m);
        m_copydata(m, 0, n.m_pkthdr.len, n.m_buf, n.m_data);
        n.m_len = n.m_pkthdr.len;
        m_freem(m);
        m = n;
      }
      if (m.m_len < IP6_HDR_LEN) {
        m = m_pullup(m, IP6_HDR_LEN);
        if (m === null) {
          IP6STAT_INC(ip6s_toosmall);
          in6_ifstat_inc(rcvif, ifs6_in_hdrerr);
          break bad;
        }
      }

      ip6 = m.m_data;
      const buf = m.m_buf;
      if ((buf[ip6 + IP6_OFF_VFC] & IPV6_VERSION_MASK) !== IPV6_VERSION) {
        IP6STAT_INC(ip6s_badvers);
        in6_ifstat_inc(rcvif, ifs6_in_hdrerr);
        break bad;
      }

      IP6STAT_INC2(ip6s_nxthist, buf[ip6 + IP6_OFF_NXT]);

      // Against spoofing and corruption: a multicast source, an
      // unspecified destination, an interface-local multicast destination
      // that did not come from ourselves, a multicast destination of scope
      // 0 (RFC 4291 2.7), IPv4-mapped addresses on the wire.
      in6_addr_read(buf, ip6 + IP6_OFF_SRC, ip6_src_a);
      in6_addr_read(buf, ip6 + IP6_OFF_DST, ip6_dst_a);
      if (IN6_IS_ADDR_MULTICAST(ip6_src_a) || IN6_IS_ADDR_UNSPECIFIED(ip6_dst_a)) {
        IP6STAT_INC(ip6s_badscope);
        in6_ifstat_inc(rcvif, ifs6_in_addrerr);
        break bad;
      }
      if (IN6_IS_ADDR_MC_INTFACELOCAL(ip6_dst_a) && (m.m_flags & M_LOOP) === 0) {
        IP6STAT_INC(ip6s_badscope);
        in6_ifstat_inc(rcvif, ifs6_in_addrerr);
        break bad;
      }
      if (IN6_IS_ADDR_MULTICAST(ip6_dst_a) && IPV6_ADDR_MC_SCOPE(ip6_dst_a) === 0) {
        IP6STAT_INC(ip6s_badscope);
        in6_ifstat_inc(rcvif, ifs6_in_addrerr);
        break bad;
      }
      if (IN6_IS_ADDR_V4MAPPED(ip6_src_a) || IN6_IS_ADDR_V4MAPPED(ip6_dst_a)) {
        IP6STAT_INC(ip6s_badscope);
        in6_ifstat_inc(rcvif, ifs6_in_addrerr);
        break bad;
      }
      addrs_read = true;

      // The fast path, unless redirects may be due (it sends none).
      if (VNET_I32(ip6_forwarding) !== 0 && VNET_I32(ip6_sendredirects) === 0) {
        m = ip6_tryforward(m);
        if (m === null) return;
        addrs_read = false;
        if ((m.m_flags & M_FASTFWD_OURS) !== 0) {
          ip6 = m.m_data;
          break passin;
        }
      }

      // Inbound filters.  A changed destination is remembered in srcrt
      // for ip6_forward.
      const head = VNET_PTR(inet6_pfil_head);
      if (PFIL_HOOKED_IN(head) && head !== null) {
        in6_addr_read(m.m_buf, m.m_data + IP6_OFF_DST, ip6_dst_a);
        if (pfil_mbuf_in(head, m, rcvif, null) !== PFIL_PASS) return;
        m = pfil_mbuf_result();
        ip6 = m.m_data;
        srcrt = in6_addr_equal_at(m.m_buf, ip6 + IP6_OFF_DST, ip6_dst_a) ? 0 : 1;
        addrs_read = false;
      }
    }
    // passin:
    ip6 = m.m_data;
    const buf = m.m_buf;

    // Scope zones: an address already in our internal (embedded) form
    // cannot have come from the wire; then the zone of the arrival
    // interface is embedded (in6_setscope also refuses loopback addresses
    // from a non-loopback interface).  Only a scoped address changes (and
    // goes back into the header).
    if (!addrs_read) {
      in6_addr_read(buf, ip6 + IP6_OFF_SRC, ip6_src_a);
      in6_addr_read(buf, ip6 + IP6_OFF_DST, ip6_dst_a);
    }
    if (in6_clearscope(ip6_src_a) !== 0 || in6_clearscope(ip6_dst_a) !== 0) {
      IP6STAT_INC(ip6s_badscope);
      break bad;
    }
    if (in6_setscope(ip6_src_a, rcvif, null) !== 0 || in6_setscope(ip6_dst_a, rcvif, null) !== 0) {
      IP6STAT_INC(ip6s_badscope);
      break bad;
    }
    if (IN6_IS_SCOPE_EMBED(ip6_src_a)) in6_addr_write(buf, ip6 + IP6_OFF_SRC, ip6_src_a);
    if (IN6_IS_SCOPE_EMBED(ip6_dst_a)) in6_addr_write(buf, ip6 + IP6_OFF_DST, ip6_dst_a);

    hbhcheck: {
      if ((m.m_flags & M_FASTFWD_OURS) !== 0) {
        m.m_flags &= ~M_FASTFWD_OURS;
        ours = true;
        break hbhcheck;
      }
      // Multicast: taken as ours; the protocols filter on membership.
      if (IN6_IS_ADDR_MULTICAST(ip6_dst_a)) {
        ours = true;
        in6_ifstat_inc(rcvif, ifs6_in_mcast);
        break hbhcheck;
      }
      // Unicast: one of our addresses (zone embedded, so zoneid 0)?
      const ia = in6ifa_ifwithaddr(ip6_dst_a, 0);
      if (ia !== null) {
        // Not usable yet (tentative, duplicated): dropped.
        if ((ia.ia6_flags & IN6_IFF_NOTREADY) !== 0) break bad;
        ia.ifa_ipackets++;
        ia.ifa_ibytes += m.m_pkthdr.len;
        ours = true;
        break hbhcheck;
      }
      // Not ours, and we are no router.
      if (VNET_I32(ip6_forwarding) === 0) {
        IP6STAT_INC(ip6s_cantforward);
        break bad;
      }
    }

    // hbhcheck: a hop-by-hop options header; a jumbo payload option in it
    // gives the real payload length.
    w.plen.v = m.m_dv.getUint16(ip6 + IP6_OFF_PLEN);
    w.rtalert.v = RTALERT_NONE;
    w.offp.v = IP6_HDR_LEN;
    if (m.m_buf[ip6 + IP6_OFF_NXT] === IPPROTO_HOPOPTS) {
      w.mp.m = m;
      const r = ip6_input_hbh(w);
      if (r < 0) return;
      m = w.mp.m as mbuf;
      nxt = r;
      if (w.rtalert.v !== RTALERT_NONE && w.rtalert.v === IP6OPT_RTALERT_MLD && VNET_I32(ip6_forwarding) !== 0) ours = true;
    } else {
      nxt = m.m_buf[ip6 + IP6_OFF_NXT];
    }
    ip6 = m.m_data;
    const plen = w.plen.v;

    // The hop-by-hop header is gone by the time ICMPv6 looks: the router
    // alert rides in a flag.
    if (w.rtalert.v !== RTALERT_NONE) m.m_flags |= M_RTALERT_MLD;

    // The chain must hold the payload the header announces; anything
    // beyond it (link-layer padding) is cut off.
    if (m.m_pkthdr.len - IP6_HDR_LEN < plen) {
      IP6STAT_INC(ip6s_tooshort);
      in6_ifstat_inc(rcvif, ifs6_in_truncated);
      break bad;
    }
    if (m.m_pkthdr.len > IP6_HDR_LEN + plen) {
      if (m.m_len === m.m_pkthdr.len) {
        m.m_len = IP6_HDR_LEN + plen;
        m.m_pkthdr.len = IP6_HDR_LEN + plen;
      } else {
        m_adj(m, IP6_HDR_LEN + plen - m.m_pkthdr.len);
      }
    }

    // Not ours: forward it (no multicast routing here).
    if (!ours) {
      ip6_forward(m, srcrt);
      return;
    }

    // Walk the header chain.
    IP6STAT_INC(ip6s_delivered);
    in6_ifstat_inc(rcvif, ifs6_in_deliver);
    let nest = 0;
    const mp = w.mp;
    const offp = w.offp;
    mp.m = m;
    while (nxt !== IPPROTO_DONE) {
      const cur = mp.m as mbuf;
      const limit = VNET_I32(ip6_hdrnestlimit);
      if (limit !== 0 && ++nest > limit) {
        IP6STAT_INC(ip6s_toomanyhdr);
        m = cur;
        break bad;
      }
      // Against faulty packets: the chain must reach the next header.
      if (cur.m_pkthdr.len < offp.v) {
        IP6STAT_INC(ip6s_tooshort);
        in6_ifstat_inc(rcvif, ifs6_in_truncated);
        m = cur;
        break bad;
      }
      nxt = ip6_protox[nxt](mp, offp, nxt);
    }
    return;
  }
  // bad:
  in6_ifstat_inc(rcvif, ifs6_in_discard);
  if (m !== null) m_freem(m);
}

/**
 * ip6_input_hbh: the hop-by-hop options header after the IPv6 header.
 * Returns the next header, or -1 when the packet is gone (freed, or
 * answered with an ICMPv6 error).  w.mp.m, w.offp, w.plen and w.rtalert
 * are updated.
 */
function ip6_input_hbh(w: ip6_walk): number {
  if (ip6_hopopts_input(w.plen, w.rtalert, w.mp, w.offp) !== 0) return -1;
  const m = w.mp.m as mbuf;
  const ip6 = m.m_data;
  // A payload length of 0 with hop-by-hop options means a jumbo payload
  // option must have given the length.
  if (m.m_dv.getUint16(ip6 + IP6_OFF_PLEN) === 0 && w.plen.v === 0) {
    IP6STAT_INC(ip6s_badoptions);
    const rcvif = m.m_pkthdr.rcvif as ifnet | null;
    in6_ifstat_inc(rcvif, ifs6_in_discard);
    in6_ifstat_inc(rcvif, ifs6_in_hdrerr);
    icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, IP6_OFF_PLEN);
    w.mp.m = null;
    return -1;
  }
  // ip6_hopopts_input left the header contiguous.
  return m.m_buf[ip6 + IP6_HDR_LEN + IP6E_OFF_NXT];
}

/**
 * ip6_hopopts_input(plenp, rtalertp, mp, offp): the hop-by-hop header at
 * *offp, made contiguous and its options processed.  0, or -1 when the
 * packet is gone (*mp null).
 */
export function ip6_hopopts_input(plenp: intp, rtalertp: intp, mp: mbufp, offp: intp): number {
  let m = mp.m as mbuf;
  let off = offp.v;
  if (m.m_len < off + 2) {
    const n = m_pullup(m, off + 2);
    if (n === null) {
      IP6STAT_INC(ip6s_exthdrtoolong);
      mp.m = null;
      return -1;
    }
    m = n;
  }
  let hbhlen = (m.m_buf[m.m_data + off + IP6E_OFF_LEN] + 1) << 3;
  if (m.m_len < off + hbhlen) {
    const n = m_pullup(m, off + hbhlen);
    if (n === null) {
      IP6STAT_INC(ip6s_exthdrtoolong);
      mp.m = null;
      return -1;
    }
    m = n;
  }
  const hbh = m.m_data + off;
  off += hbhlen;
  hbhlen -= 2;
  if (ip6_process_hopopts(m, m.m_buf, hbh + 2, hbhlen, rtalertp, plenp) < 0) {
    mp.m = null;
    return -1;
  }
  offp.v = off;
  mp.m = m;
  return 0;
}

/**
 * ip6_process_hopopts(m, buf, opthead, hbhlen, rtalertp, plenp): every
 * option of a hop-by-hop header whose options are buf[opthead ..
 * opthead+hbhlen) (in m, or in a separate mbuf when the sender itself
 * processes its own header in ip6_output).  0, or -1 when m is gone.
 */
export function ip6_process_hopopts(m: mbuf, buf: Uint8Array, opthead: number, hbhlen: number, rtalertp: intp, plenp: intp): number {
  let optlen = 0;
  const erroff = IP6_HDR_LEN + 2;
  for (let opt = opthead; hbhlen > 0; hbhlen -= optlen, opt += optlen) {
    switch (buf[opt]) {
      case IP6OPT_PAD1:
        optlen = 1;
        break;
      case IP6OPT_PADN:
        if (hbhlen < IP6OPT_MINLEN) {
          IP6STAT_INC(ip6s_toosmall);
          m_freem(m);
          return -1;
        }
        optlen = buf[opt + 1] + 2;
        break;
      case IP6OPT_ROUTER_ALERT:
        if (hbhlen < IP6OPT_RTALERT_LEN) {
          IP6STAT_INC(ip6s_toosmall);
          m_freem(m);
          return -1;
        }
        if (buf[opt + 1] !== IP6OPT_RTALERT_LEN - 2) {
          icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, erroff + opt + 1 - opthead);
          return -1;
        }
        optlen = IP6OPT_RTALERT_LEN;
        rtalertp.v = (buf[opt + 2] << 8) | buf[opt + 3];
        break;
      case IP6OPT_JUMBO: {
        if (hbhlen < IP6OPT_JUMBO_LEN) {
          IP6STAT_INC(ip6s_toosmall);
          m_freem(m);
          return -1;
        }
        if (buf[opt + 1] !== IP6OPT_JUMBO_LEN - 2) {
          icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, erroff + opt + 1 - opthead);
          return -1;
        }
        optlen = IP6OPT_JUMBO_LEN;
        // A packet with a payload length may not carry a jumbo option.
        if (m.m_dv.getUint16(m.m_data + IP6_OFF_PLEN) !== 0) {
          IP6STAT_INC(ip6s_badoptions);
          icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, erroff + opt - opthead);
          return -1;
        }
        const jumboplen = ((buf[opt + 2] << 24) | (buf[opt + 3] << 16) | (buf[opt + 4] << 8) | buf[opt + 5]) >>> 0;
        // Two jumbo options: the second finds the length already set.
        if (plenp.v !== 0) {
          IP6STAT_INC(ip6s_badoptions);
          icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, erroff + opt + 2 - opthead);
          return -1;
        }
        // A jumbo payload is longer than 65535 bytes, or it is none.
        if (jumboplen <= IPV6_MAXPACKET) {
          IP6STAT_INC(ip6s_badoptions);
          icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, erroff + opt + 2 - opthead);
          return -1;
        }
        plenp.v = jumboplen;
        break;
      }
      default: // unknown option
        if (hbhlen < IP6OPT_MINLEN) {
          IP6STAT_INC(ip6s_toosmall);
          m_freem(m);
          return -1;
        }
        optlen = ip6_unknown_opt(buf, opt, m, erroff + opt - opthead);
        if (optlen === -1) return -1;
        optlen += 2;
        break;
    }
  }
  return 0;
}

/**
 * ip6_unknown_opt(buf, optp, m, off): an option nobody knows, handled as
 * its two top type bits say (RFC 8200 4.2): skipped (its data length is
 * returned), dropped, or answered with a parameter problem (unless the
 * destination is multicast, for the 0xc0 kind).  -1 when m is gone.  off
 * is the option's offset from the IPv6 header, for the error's pointer.
 */
export function ip6_unknown_opt(buf: Uint8Array, optp: number, m: mbuf, off: number): number {
  switch (IP6OPT_TYPE(buf[optp])) {
    case IP6OPT_TYPE_SKIP:
      return buf[optp + 1];
    case IP6OPT_TYPE_DISCARD:
      m_freem(m);
      return -1;
    case IP6OPT_TYPE_FORCEICMP:
      IP6STAT_INC(ip6s_badoptions);
      icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_OPTION, off);
      return -1;
    case IP6OPT_TYPE_ICMP: {
      IP6STAT_INC(ip6s_badoptions);
      const d0 = m.m_buf[m.m_data + IP6_OFF_DST];
      if (d0 === 0xff || (m.m_flags & (M_BCAST | M_MCAST)) !== 0) m_freem(m);
      else icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_OPTION, off);
      return -1;
    }
  }
  m_freem(m);
  return -1;
}

// ---------------------------------------------------------------------------
// Walking a header chain.

/** One extension header's first two bytes (struct ip6_ext), read out. */
const ip6e = new Uint8Array(8);

/**
 * ip6_get_prevhdr(m, off): the offset of the next-header byte that names
 * the header at off (ip6_nxt itself for the first).
 */
export function ip6_get_prevhdr(m: mbuf, off: number): number {
  if (off === IP6_HDR_LEN) return IP6_OFF_NXT;
  if (off < IP6_HDR_LEN) panic("ip6_get_prevhdr: off < sizeof(struct ip6_hdr)");
  let nxt = m.m_buf[m.m_data + IP6_OFF_NXT];
  let len = IP6_HDR_LEN;
  let nlen = 0;
  while (len < off) {
    m_copydata(m, len, 2, ip6e);
    switch (nxt) {
      case IPPROTO_FRAGMENT:
        nlen = IP6_FRAG_LEN;
        break;
      case IPPROTO_AH:
        nlen = (ip6e[IP6E_OFF_LEN] + 2) << 2;
        break;
      default:
        nlen = (ip6e[IP6E_OFF_LEN] + 1) << 3;
    }
    len += nlen;
    nxt = ip6e[IP6E_OFF_NXT];
  }
  return len - nlen;
}

/**
 * ip6_nexthdr(m, off, proto, nxtp): the offset of the header after the one
 * of type proto at off, its type in *nxtp; -1 at the end of what can be
 * walked (a non-first fragment, ESP, no next header, an upper layer).
 */
export function ip6_nexthdr(m: mbuf, off: number, proto: number, nxtp: intp | null): number {
  if ((m.m_flags & M_PKTHDR) === 0 || m.m_pkthdr.len < off) return -1;
  switch (proto) {
    case IPPROTO_IPV6_HDR:
      if (m.m_pkthdr.len < off + IP6_HDR_LEN) return -1;
      m_copydata(m, off + IP6_OFF_NXT, 1, ip6e);
      if (nxtp !== null) nxtp.v = ip6e[0];
      return off + IP6_HDR_LEN;
    case IPPROTO_FRAGMENT:
      if (m.m_pkthdr.len < off + IP6_FRAG_LEN) return -1;
      m_copydata(m, off, IP6_FRAG_LEN, ip6e);
      // Past the first fragment there is nothing to parse.
      if ((((ip6e[IP6F_OFF_OFFLG] << 8) | ip6e[IP6F_OFF_OFFLG + 1]) & IP6F_OFF_MASK) !== 0) return -1;
      if (nxtp !== null) nxtp.v = ip6e[IP6F_OFF_NXT];
      return off + IP6_FRAG_LEN;
    case IPPROTO_AH:
      if (m.m_pkthdr.len < off + 2) return -1;
      m_copydata(m, off, 2, ip6e);
      if (nxtp !== null) nxtp.v = ip6e[IP6E_OFF_NXT];
      return off + ((ip6e[IP6E_OFF_LEN] + 2) << 2);
    case IPPROTO_HOPOPTS:
    case IPPROTO_ROUTING:
    case IPPROTO_DSTOPTS:
      if (m.m_pkthdr.len < off + 2) return -1;
      m_copydata(m, off, 2, ip6e);
      if (nxtp !== null) nxtp.v = ip6e[IP6E_OFF_NXT];
      return off + ((ip6e[IP6E_OFF_LEN] + 1) << 3);
    case IPPROTO_NONE:
    case IPPROTO_ESP:
    case IPPROTO_IPCOMP:
      return -1;
    default:
      return -1;
  }
}

/** IPPROTO_IPV6 as ip6_nexthdr's "an IPv6 header is at off". */
const IPPROTO_IPV6_HDR = 41;

const lasthdr_nxt: intp = { v: -1 };

/**
 * ip6_lasthdr(m, off, proto, nxtp): the offset of the last header of the
 * chain that starts with proto at off (its type in *nxtp); -1 for a chain
 * that goes backwards.
 */
export function ip6_lasthdr(m: mbuf, off: number, proto: number, nxtp: intp | null): number {
  const np = nxtp ?? lasthdr_nxt;
  if (nxtp === null) np.v = -1;
  for (;;) {
    const newoff = ip6_nexthdr(m, off, proto, np);
    if (newoff < 0) return off;
    if (newoff < off) return -1;
    if (newoff === off) return newoff;
    off = newoff;
    proto = np.v;
  }
}

/** ip6_getdstifaddr(m): our address the packet is for, or null. */
export function ip6_getdstifaddr(m: mbuf): in6_ifaddr | null {
  in6_addr_read(m.m_buf, m.m_data + IP6_OFF_DST, ip6_dst_a);
  return in6ifa_ifwithaddr(ip6_dst_a, 0);
}

/** inet6ctlerrmap[PRC_NCMDS]: the errno a protocol control input maps to. */
export const inet6ctlerrmap: readonly number[] = [
  0, 0, 0, 0, 0, EMSGSIZE, EHOSTDOWN, EHOSTUNREACH, EHOSTUNREACH, EHOSTUNREACH, ECONNREFUSED, ECONNREFUSED, EMSGSIZE, EHOSTUNREACH, 0, 0, 0, 0, EHOSTUNREACH, 0,
  ENOPROTOOPT, ECONNREFUSED,
];

// ---------------------------------------------------------------------------
// ip6_savecontrol: what a socket asked to hear about each packet it
// receives (RFC 3542 ancillary data, or RFC 2292's when it asked that
// way), as a chain of control mbufs in FreeBSD's struct cmsghdr layout
// (amd64: cmsg_len, cmsg_level, cmsg_type, the data 8-byte aligned).

const CMSG_HDRLEN = 16;
function CMSG_SPACE(n: number): number {
  return CMSG_HDRLEN + ((n + 7) & ~7);
}

/**
 * sbcreatecontrol(p, size, type, level): one control message in an mbuf
 * from the zone, its data the size bytes at src[soff] (copied here, so
 * that no view of them is made).
 */
function sbcreatecontrol6(src: Uint8Array, soff: number, size: number, type: number, level: number): mbuf | null {
  const space = CMSG_SPACE(size);
  if (space > MCLBYTES) return null;
  const m = space > MLEN ? m_getcl(M_NOWAIT, MT_CONTROL, 0) : m_get(M_NOWAIT, MT_CONTROL);
  if (m === null) return null;
  const o = m.m_data;
  const b = m.m_buf;
  b.fill(0, o, o + space);
  m.m_dv.setUint32(o, CMSG_HDRLEN + size, true);
  m.m_dv.setInt32(o + 4, level, true);
  m.m_dv.setInt32(o + 8, type, true);
  const d = o + CMSG_HDRLEN;
  for (let i = 0; i < size; i++) b[d + i] = src[soff + i];
  m.m_len = space;
  return m;
}

const ctl_buf = new Uint8Array(20);
const ctl_addr = new in6_addr();

/** An int's four bytes (host order, amd64) in ctl_buf. */
function ctl_int(v: number): Uint8Array {
  ctl_buf[0] = v & 0xff;
  ctl_buf[1] = (v >>> 8) & 0xff;
  ctl_buf[2] = (v >>> 16) & 0xff;
  ctl_buf[3] = (v >>> 24) & 0xff;
  return ctl_buf;
}

// Where the next control message goes: the holder of the chain and its
// last mbuf (FreeBSD walks mp down the chain's m_next instead).
const ctl_none: { m: mbuf | null } = { m: null };
let ctl_mp = ctl_none;
let ctl_tail: mbuf | null = null;

function ctl_append(c: mbuf | null): void {
  if (c === null) return;
  if (ctl_tail === null) ctl_mp.m = c;
  else ctl_tail.m_next = c;
  ctl_tail = c;
}

/**
 * ip6_savecontrol(inp, m, mp): append to mp.m the control messages the
 * socket's IN6P_* flags ask for about the IPv6 packet m (headers
 * contiguous in its first mbuf, as the upper layers leave them).  Each
 * message is an mbuf from the zone, as in FreeBSD; nothing else is
 * allocated.
 */
export function ip6_savecontrol(inp: ip6_inpcb, m: mbuf, mp: { m: mbuf | null }): void {
  let tail: mbuf | null = mp.m;
  if (tail !== null) while (tail.m_next !== null) tail = tail.m_next;
  ctl_mp = mp;
  ctl_tail = tail;
  const rfc2292 = (inp.inp_flags & IN6P_RFC2292) !== 0;
  const ip6 = m.m_data;
  const buf = m.m_buf;

  if ((inp.inp_flags & IN6P_PKTINFO) !== 0) {
    // struct in6_pktinfo: the destination without its zone, the interface.
    in6_addr_read(buf, ip6 + IP6_OFF_DST, ctl_addr);
    in6_clearscope(ctl_addr);
    const pi = ctl_buf;
    const rcvif = m.m_pkthdr.rcvif;
    const index = rcvif !== null ? rcvif.if_index : 0;
    in6_addr_write(pi, 0, ctl_addr);
    pi[16] = index & 0xff;
    pi[17] = (index >>> 8) & 0xff;
    pi[18] = (index >>> 16) & 0xff;
    pi[19] = (index >>> 24) & 0xff;
    ctl_append(sbcreatecontrol6(pi, 0, 20, rfc2292 ? IPV6_2292PKTINFO : IPV6_PKTINFO, IPPROTO_IPV6));
  }
  if ((inp.inp_flags & IN6P_HOPLIMIT) !== 0) ctl_append(sbcreatecontrol6(ctl_int(buf[ip6 + IP6_OFF_HLIM]), 0, 4, rfc2292 ? IPV6_2292HOPLIMIT : IPV6_HOPLIMIT, IPPROTO_IPV6));
  if ((inp.inp_flags & IN6P_TCLASS) !== 0) {
    const tclass = (m.m_dv.getUint32(ip6) >>> 20) & 0xff;
    ctl_append(sbcreatecontrol6(ctl_int(tclass), 0, 4, IPV6_TCLASS, IPPROTO_IPV6));
  }
  // The hop-by-hop header, right after the IPv6 header if there is one.
  if ((inp.inp_flags & IN6P_HOPOPTS) !== 0 && buf[ip6 + IP6_OFF_NXT] === IPPROTO_HOPOPTS && m.m_len >= IP6_HDR_LEN + 2) {
    const hbhlen = (buf[ip6 + IP6_HDR_LEN + IP6E_OFF_LEN] + 1) << 3;
    if (m.m_len >= IP6_HDR_LEN + hbhlen) ctl_append(sbcreatecontrol6(buf, ip6 + IP6_HDR_LEN, hbhlen, rfc2292 ? IPV6_2292HOPOPTS : IPV6_HOPOPTS, IPPROTO_IPV6));
  }
  // Destination options and routing headers, in the order they came.
  if ((inp.inp_flags & (IN6P_RTHDR | IN6P_DSTOPTS)) !== 0) {
    let nxt = buf[ip6 + IP6_OFF_NXT];
    let off = IP6_HDR_LEN;
    for (;;) {
      if (nxt !== IPPROTO_DSTOPTS && nxt !== IPPROTO_ROUTING && nxt !== IPPROTO_HOPOPTS && nxt !== IPPROTO_AH) break;
      if (off + 2 > m.m_len) break;
      const e = ip6 + off;
      const elen = nxt === IPPROTO_AH ? (buf[e + IP6E_OFF_LEN] + 2) << 2 : (buf[e + IP6E_OFF_LEN] + 1) << 3;
      if (off + elen > m.m_len) break;
      if (nxt === IPPROTO_DSTOPTS && (inp.inp_flags & IN6P_DSTOPTS) !== 0) ctl_append(sbcreatecontrol6(buf, e, elen, rfc2292 ? IPV6_2292DSTOPTS : IPV6_DSTOPTS, IPPROTO_IPV6));
      if (nxt === IPPROTO_ROUTING && (inp.inp_flags & IN6P_RTHDR) !== 0) ctl_append(sbcreatecontrol6(buf, e, elen, rfc2292 ? IPV6_2292RTHDR : IPV6_RTHDR, IPPROTO_IPV6));
      off += elen;
      nxt = buf[e + IP6E_OFF_NXT];
    }
  }
  if ((inp.inp_flags2 & INP_RECVFLOWID) !== 0) {
    ctl_append(sbcreatecontrol6(ctl_int(m.m_pkthdr.flowid), 0, 4, IPV6_FLOWID, IPPROTO_IPV6));
    ctl_append(sbcreatecontrol6(ctl_int(m.m_pkthdr.rsstype), 0, 4, IPV6_FLOWTYPE, IPPROTO_IPV6));
  }
  ctl_mp = ctl_none;
  ctl_tail = null;
}
