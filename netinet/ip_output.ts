// sys/netinet/ip_output.c, sys/netinet/ip_id.c: sending IPv4 datagrams.
// ip_output picks the route and the source address, checks broadcast
// permission, finishes the checksums the interface cannot do, fragments
// what does not fit the MTU, and hands each packet to the interface's
// if_output.  ip_fillid numbers the datagrams (ip_id.c).
//
// What FreeBSD keeps on the stack (the destination sockaddr, the route of a
// caller that gave none) is preallocated here, so sending allocates nothing
// but the mbufs that fragmentation needs.  Departures: no IPsec, no
// multicast routing (ip_mforward), no send tags or TLS offload.

import {
  CSUM_DELAY_DATA,
  CSUM_IP,
  CSUM_DATA_VALID,
  CSUM_IP_CHECKED,
  CSUM_IP_VALID,
  CSUM_PSEUDO_HDR,
  MT_DATA,
  M_BCAST,
  M_GETFIB,
  M_MCAST,
  M_SETFIB,
  M_ASSERTPKTHDR,
  M_WRITABLE,
  m_clrprotoflags,
  type mbuf,
} from "../kern/mbuf.ts";
import { m_free, m_freem, m_gethdr } from "../kern/kern_mbuf.ts";
import { m_adj, m_copym, m_dup, m_dup_pkthdr, m_pullup, max_linkhdr } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { EACCES, EADDRNOTAVAIL, EHOSTUNREACH, EINVAL, EMSGSIZE, ENETUNREACH, ENOBUFS } from "../kern/errno.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { AF_INET } from "../kern/socket.ts";
import { arc4random } from "../kern/arc4random.ts";
import { SI_ORDER_ANY, SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
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
import {
  VNET_DEFINE_INT,
  VNET_DEFINE_PTR,
  VNET_I32,
  VNET_I32_SET,
  VNET_PTR,
  VNET_PTR_SET,
  VNET_SYSINIT,
  VNET_SYSUNINIT,
} from "../net/vnet.ts";
import {
  IFF_BROADCAST,
  IFF_LOOPBACK,
  IFF_MULTICAST,
  RT_BLACKHOLE,
  RT_HAS_GW,
  RT_REJECT,
  type ifaddr,
  type ifnet,
  type route,
} from "../net/if.ts";
import { m_tag_delete, m_tag_locate } from "../kern/uipc_mbuf2.ts";
import { PFIL_CONSUMED, PFIL_DROPPED, PFIL_HOOKED_OUT, PFIL_PASS, V_inet_pfil_head, pfil_mbuf_fwd, pfil_mbuf_out, pfil_mbuf_result } from "../net/pfil.ts";
import { NETISR_IP, netisr_queue } from "../net/netisr.ts";
import { EVL_APPLY_PRI } from "../net/ethernet.ts";
import { INP_2PCP_MASK, INP_2PCP_SET, INP_2PCP_SHIFT } from "./in_pcb.ts";
import { if_simloop, V_loif } from "../net/if_loop.ts";
import { NHF_BROADCAST, NHF_BLACKHOLE, NHF_GATEWAY, NHF_HOST, NHF_REJECT, NHR_NONE, NHR_REF, type nhop_object } from "../net/route/nhop.ts";
import { nhop_free } from "../net/route/nhop_ctl.ts";
import { fib4_lookup } from "./in_fib.ts";
import {
  INADDR_ANY,
  INADDR_BROADCAST,
  IN_LOOPBACK,
  IN_MULTICAST,
  ifa_ifwithbroadaddr,
  ifa_ifwithdstaddr,
  ifa_ifwithnet,
  in_ifaddr,
  in_ifaddr_broadcast,
  in_localip,
  sockaddr_in,
} from "./in.ts";
import { in_cksum, in_delayed_cksum } from "./in_cksum.ts";
import { IPVERSION, IP_DF, IPH_DST, IP_HDRLEN, IPH_ID, IPH_LEN, IP_MF, IPH_OFF, IPH_SRC, IPH_SUM, IPH_TTL, IPH_VHL, ip_hl, ip_set_vhl } from "./ip.ts";
import { ip_insertoptions, ip_optcopy } from "./ip_options.ts";
import {
  IPSTAT_ADD,
  IPSTAT_INC,
  IP_ALLOWBROADCAST,
  IP_FORWARDING,
  IP_NODEFAULTFLOWID,
  IP_RAWOUTPUT,
  IP_ROUTETOIF,
  IP_SENDONES,
  M_FASTFWD_OURS,
  M_IP_NEXTHOP,
  M_SKIP_FIREWALL,
  _net_inet_ip,
  is_ip_fwd_tag,
  ip_moptions,
  ips_badaddr,
  ips_cantfrag,
  ips_fragmented,
  ips_localout,
  ips_noroute,
  ips_odropped,
  ips_ofragments,
} from "./ip_var.ts";

/** in.h: the default TTL of a multicast datagram, and whether we hear
 *  our own multicasts. */
const IP_DEFAULT_MULTICAST_TTL = 1;
/** in_mcast.c: net.inet.ip.mcast.loop. */
const in_mcast_loop: number = 1;

/**
 * struct route as ip_output uses it: net/if.ts's route plus the destination
 * the cached nexthop was looked up for (ro_dst).  A caller that keeps a
 * route (ip_forward, a connected socket) passes one; the others pass null.
 */
export interface route_in extends route {
  ro_nh: nhop_object | null;
  ro_dst: sockaddr_in;
}

/** A fresh route_in (bzero(&ro, sizeof(ro)) in FreeBSD). */
export function route_in_alloc(): route_in {
  return { ro_nh: null, ro_flags: 0, ro_prepend: null, ro_plen: 0, ro_dst: new sockaddr_in() };
}

/** RO_NHFREE / RO_INVALIDATE_CACHE: drop the cached nexthop and the
 *  reference its NHR_REF lookup took. */
export function RO_NHFREE(ro: route_in): void {
  if (ro.ro_nh !== null) nhop_free(ro.ro_nh);
  ro.ro_nh = null;
}

/** What ip_output reads of the inpcb it is given (netinet/in_pcb.ts has
 *  the whole struct). */
export interface ip_output_inpcb {
  inp_inc: { inc_fibnum: number };
  inp_flowid?: number;
  /** INP_2PCP_SET and the priority IP_VLAN_PCP asked for. */
  inp_flags2?: number;
}

// ---------------------------------------------------------------------------
// sys/netinet/ip_id.c: IP identification.  By default a per-vnet counter,
// started at a random value; with net.inet.ip.random_id a randomized
// sequence that avoids repeating an id within random_id_period datagrams.
// Per RFC 6864, atomic datagrams (DF set) get id 0 (net.inet.ip.rfc6864).

const ip_rfc6864 = VNET_DEFINE_INT("ip_rfc6864", 1);
const ip_do_randomid = VNET_DEFINE_INT("ip_do_randomid", 0);
const array_ptr = VNET_DEFINE_INT("array_ptr", 0);
const array_size = VNET_DEFINE_INT("array_size", 0);
const random_id_collisions = VNET_DEFINE_INT("random_id_collisions", 0);
const random_id_total = VNET_DEFINE_INT("random_id_total", 0);
/** The sequential counter (a per-CPU counter(9) in FreeBSD; its low 16
 *  bits are the id). */
const ip_id = VNET_DEFINE_INT("ip_id", 0);

class ipid_state {
  constructor(
    /** The last array_size ids handed out, in order. */
    readonly id_array: Uint16Array,
    /** One bit per id: is it among them? */
    readonly id_bits: Uint8Array,
  ) {}
}
const id_state = VNET_DEFINE_PTR<ipid_state | null>("id_array", null);

const sysctl_ip_randomid: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const nv = kvar_of(VNET_I32(ip_do_randomid));
  const error = sysctl_handle_int(oidp, nv, 0, req);
  if (error !== 0 || req.newval === null) return error;
  if (nv.v !== 0 && nv.v !== 1) return EINVAL;
  if (nv.v === VNET_I32(ip_do_randomid)) return 0;
  if (nv.v === 1 && VNET_I32(ip_do_randomid) === 0) ip_initid(8192);
  VNET_I32_SET(ip_do_randomid, nv.v);
  return 0;
};

const sysctl_ip_id_change: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const nv = kvar_of(VNET_I32(array_size));
  let error = sysctl_handle_int(oidp, nv, 0, req);
  if (error === 0 && req.newval !== null) {
    if (nv.v >= 512 && nv.v <= 32768) ip_initid(nv.v);
    else error = EINVAL;
  }
  return error;
};

SYSCTL_PROC(_net_inet_ip, OID_AUTO, "random_id", CTLTYPE_INT | CTLFLAG_VNET | CTLFLAG_RW | CTLFLAG_MPSAFE, null, 0, sysctl_ip_randomid, "IU", "Assign random ip_id values");
SYSCTL_INT(_net_inet_ip, OID_AUTO, "rfc6864", CTLFLAG_VNET | CTLFLAG_RW, ip_rfc6864, 0, "Use constant IP ID for atomic datagrams");
SYSCTL_PROC(_net_inet_ip, OID_AUTO, "random_id_period", CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_VNET | CTLFLAG_MPSAFE, null, 0, sysctl_ip_id_change, "IU", "IP ID Array size");
SYSCTL_INT(_net_inet_ip, OID_AUTO, "random_id_collisions", CTLFLAG_RD | CTLFLAG_VNET, random_id_collisions, 0, "Count of IP ID collisions");
SYSCTL_INT(_net_inet_ip, OID_AUTO, "random_id_total", CTLFLAG_RD | CTLFLAG_VNET, random_id_total, 0, "Count of IP IDs created");

function ip_initid(new_size: number): void {
  VNET_PTR_SET(id_state, new ipid_state(new Uint16Array(new_size), new Uint8Array(65536 / 8)));
  VNET_I32_SET(array_size, new_size);
  VNET_I32_SET(array_ptr, 0);
  VNET_I32_SET(random_id_collisions, 0);
  VNET_I32_SET(random_id_total, 0);
}

function ip_randomid(): number {
  const st = VNET_PTR(id_state);
  KASSERT(st !== null, "ip_randomid: not initialized");
  const bits = st.id_bits;
  // Zero is never handed out: the array starts full of zeros.
  let new_id = 0;
  do {
    if (new_id !== 0) VNET_I32_SET(random_id_collisions, VNET_I32(random_id_collisions) + 1);
    new_id = arc4random() & 0xffff;
  } while ((bits[new_id >>> 3] & (1 << (new_id & 7))) !== 0 || new_id === 0);
  const ptr = VNET_I32(array_ptr);
  const old = st.id_array[ptr];
  bits[old >>> 3] &= ~(1 << (old & 7));
  bits[new_id >>> 3] |= 1 << (new_id & 7);
  st.id_array[ptr] = new_id;
  VNET_I32_SET(array_ptr, ptr + 1 === VNET_I32(array_size) ? 0 : ptr + 1);
  VNET_I32_SET(random_id_total, VNET_I32(random_id_total) + 1);
  return new_id;
}

/** ip_fillid(ip): give the datagram at m_data its ip_id. */
export function ip_fillid(m: mbuf): void {
  const ip = m.m_data;
  const dv = m.m_dv;
  if (VNET_I32(ip_rfc6864) !== 0 && (dv.getUint16(ip + IPH_OFF) & IP_DF) === IP_DF) {
    dv.setUint16(ip + IPH_ID, 0);
  } else if (VNET_I32(ip_do_randomid) !== 0) {
    dv.setUint16(ip + IPH_ID, ip_randomid());
  } else {
    const id = (VNET_I32(ip_id) + 1) & 0xffff;
    VNET_I32_SET(ip_id, id);
    dv.setUint16(ip + IPH_ID, id);
  }
}

function ipid_sysinit(): void {
  VNET_I32_SET(ip_id, arc4random() & 0xffff);
}
VNET_SYSINIT("ip_id", SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY, ipid_sysinit);
function ipid_sysuninit(): void {
  VNET_PTR_SET(id_state, null);
}
VNET_SYSUNINIT("ip_id", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, ipid_sysuninit);

// ---------------------------------------------------------------------------
// ip_output.

/** The destination when the caller passed no route (FreeBSD's `sin` on
 *  the stack), one per nesting level: a tunnel (gif) sends its outer
 *  datagram from inside ip_output, and the outer call still needs its own
 *  destination afterwards (for the next fragment). */
const ip_output_sins: sockaddr_in[] = [new sockaddr_in()];
let ip_output_depth = 0;
/** ip_insertoptions' out parameter. */
const ip_output_phlen = { v: 0 };
/** ip_output_pfil's in/out fibnum. */
const ip_output_fib = { v: 0 };
/** The `struct mbuf **m_frag` ip_fragment works through. */
export class ip_mfrag {
  m: mbuf | null = null;
}
const ip_output_mfrag = new ip_mfrag();

function ip_mbuf_dst(m: mbuf): number {
  return m.m_dv.getUint32(m.m_data + IPH_DST);
}

/**
 * ip_output_pfil: run the outbound inet hooks.  Returns 1 when the packet
 * is finished with (dropped, consumed, or looped back to ip_input), 0 to go
 * on, -1 when the destination or FIB changed and the route must be looked
 * up again.  The packet that goes on is ip_output_pfil_m.
 */
let ip_output_pfil_m: mbuf | null = null;
let ip_output_pfil_error = 0;
function ip_output_pfil(m: mbuf, ifp: ifnet, flags: number, inp: unknown, dst: sockaddr_in, fibnum: { v: number }): number {
  const odst = ip_mbuf_dst(m);
  const head = V_inet_pfil_head();
  KASSERT(head !== null, "ip_output_pfil: no inet pfil head");
  const ret = (flags & IP_FORWARDING) !== 0 ? pfil_mbuf_fwd(head, m, ifp, inp) : pfil_mbuf_out(head, m, ifp, inp);
  ip_output_pfil_m = null;
  switch (ret) {
    case PFIL_DROPPED:
      ip_output_pfil_error = EACCES;
      return 1;
    case PFIL_CONSUMED:
      ip_output_pfil_error = 0;
      return 1;
    case PFIL_PASS:
      ip_output_pfil_error = 0;
  }
  m = pfil_mbuf_result();
  ip_output_pfil_m = m;

  // Did the filter change the destination?
  if (odst !== ip_mbuf_dst(m)) {
    m.m_flags |= M_SKIP_FIREWALL;
    // Now addressed to one of ours: deliver it locally through ip_input.
    if (in_localip(ip_mbuf_dst(m))) {
      m.m_flags |= M_FASTFWD_OURS;
      if (m.m_pkthdr.rcvif === null) m.m_pkthdr.rcvif = V_loif();
      if ((m.m_pkthdr.csum_flags & CSUM_DELAY_DATA) !== 0) {
        m.m_pkthdr.csum_flags |= CSUM_DATA_VALID | CSUM_PSEUDO_HDR;
        m.m_pkthdr.csum_data = 0xffff;
      }
      m.m_pkthdr.csum_flags |= CSUM_IP_CHECKED | CSUM_IP_VALID;
      ip_output_pfil_m = null;
      ip_output_pfil_error = netisr_queue(NETISR_IP, m);
      return 1;
    }
    dst.sin_family = AF_INET;
    dst.sin_len = 16;
    dst.sin_port = 0;
    dst.sin_addr = ip_mbuf_dst(m);
    return -1;
  }
  // Or the FIB?
  if (fibnum.v !== M_GETFIB(m)) {
    m.m_flags |= M_SKIP_FIREWALL;
    fibnum.v = M_GETFIB(m);
    return -1;
  }
  // Local delivery asked for with the flag.
  if ((m.m_flags & M_FASTFWD_OURS) !== 0) {
    if (m.m_pkthdr.rcvif === null) m.m_pkthdr.rcvif = V_loif();
    if ((m.m_pkthdr.csum_flags & CSUM_DELAY_DATA) !== 0) {
      m.m_pkthdr.csum_flags |= CSUM_DATA_VALID | CSUM_PSEUDO_HDR;
      m.m_pkthdr.csum_data = 0xffff;
    }
    m.m_pkthdr.csum_flags |= CSUM_IP_CHECKED | CSUM_IP_VALID;
    ip_output_pfil_m = null;
    ip_output_pfil_error = netisr_queue(NETISR_IP, m);
    return 1;
  }
  // Or forward to some other address (ipfw fwd left a PACKET_TAG_IPFORWARD)?
  if ((m.m_flags & M_IP_NEXTHOP) !== 0) {
    const fwd_tag = m_tag_locate(m, is_ip_fwd_tag, null);
    if (fwd_tag !== null) {
      dst.sin_family = AF_INET;
      dst.sin_len = 16;
      dst.sin_port = fwd_tag.sin_port;
      dst.sin_addr = fwd_tag.sin_addr;
      m.m_flags |= M_SKIP_FIREWALL;
      m.m_flags &= ~M_IP_NEXTHOP;
      m_tag_delete(m, fwd_tag);
      return -1;
    }
  }
  return 0;
}

/** rt_update_ro_flags: what the link layer needs to know of the nexthop. */
function rt_update_ro_flags(ro: route_in): void {
  const nh = ro.ro_nh;
  KASSERT(nh !== null, "rt_update_ro_flags: no nexthop");
  const nh_flags = nh.nh_flags;
  ro.ro_flags &= ~(RT_REJECT | RT_BLACKHOLE | RT_HAS_GW);
  ro.ro_flags |= (nh_flags & NHF_REJECT) !== 0 ? RT_REJECT : 0;
  ro.ro_flags |= (nh_flags & NHF_BLACKHOLE) !== 0 ? RT_BLACKHOLE : 0;
  ro.ro_flags |= (nh_flags & NHF_GATEWAY) !== 0 ? RT_HAS_GW : 0;
}

/** ifatoia: the ifaddr as an in_ifaddr (null if it is not IPv4). */
function ifatoia(ifa: ifaddr | null): in_ifaddr | null {
  return ifa instanceof in_ifaddr ? ifa : null;
}

/** IFP_TO_IA: the first IPv4 address of an interface. */
function IFP_TO_IA(ifp: ifnet): in_ifaddr | null {
  const addrs = ifp.if_addrhead;
  for (let i = 0; i < addrs.length; i++) {
    const ifa = addrs[i];
    if (ifa instanceof in_ifaddr) return ifa;
  }
  return null;
}

/** Free the fragments ip_fragment managed to build before it failed. */
export function ip_frag_chain_free(m: mbuf | null): void {
  while (m !== null) {
    const n: mbuf | null = m.m_nextpkt;
    m.m_nextpkt = null;
    m_freem(m);
    m = n;
  }
}

/**
 * ip_output(m, opt, ro, flags, imo, inp): send the datagram in m, whose
 * header the caller filled in (len, off, ttl, proto, tos, src, dst).  The
 * chain is always consumed; the return value is 0 or an errno.  opt (a
 * struct ipoption mbuf) is left alone.  With a route, a cached nexthop in
 * ro is used, or the lookup is cached there.
 */
export function ip_output(m: mbuf, opt: mbuf | null, ro: route_in | null, flags: number, imo: ip_moptions | null, inp: ip_output_inpcb | null): number {
  if (ip_output_depth === ip_output_sins.length) ip_output_sins.push(new sockaddr_in());
  const sin = ip_output_sins[ip_output_depth++];
  try {
    return ip_output_body(m, opt, ro, flags, imo, inp, sin);
  } finally {
    ip_output_depth--;
  }
}

function ip_output_body(m: mbuf, opt: mbuf | null, ro: route_in | null, flags: number, imo: ip_moptions | null, inp: ip_output_inpcb | null, ip_output_sin: sockaddr_in): number {
  let hlen = IP_HDRLEN;
  let mtu = 0;
  let error = 0;
  let ifp: ifnet | null = null;
  let ia: in_ifaddr | null = null;
  let src = INADDR_ANY;
  let isbroadcast = false;

  M_ASSERTPKTHDR(m);

  let vlan_pcp = -1;
  if (inp !== null) {
    M_SETFIB(m, inp.inp_inc.inc_fibnum);
    if ((flags & IP_NODEFAULTFLOWID) === 0) m.m_pkthdr.flowid = inp.inp_flowid ?? 0;
    const f2 = inp.inp_flags2 ?? 0;
    if ((f2 & INP_2PCP_SET) !== 0) vlan_pcp = (f2 & INP_2PCP_MASK) >>> INP_2PCP_SHIFT;
  }

  if (opt !== null) {
    ip_output_phlen.v = 0;
    m = ip_insertoptions(m, opt, ip_output_phlen);
    if (ip_output_phlen.v !== 0) hlen = ip_output_phlen.v;
  }
  let ip = m.m_data;
  let ip_len = m.m_dv.getUint16(ip + IPH_LEN);
  const ip_off = m.m_dv.getUint16(ip + IPH_OFF);

  if ((flags & (IP_FORWARDING | IP_RAWOUTPUT)) === 0) {
    ip_set_vhl(m, IPVERSION, hlen >> 2);
    ip_fillid(m);
  } else {
    hlen = ip_hl(m) << 2;
  }
  if ((flags & IP_FORWARDING) === 0) IPSTAT_INC(ips_localout);

  // dst is where a cached route was looked up for, or the stack copy; gw is
  // what the link layer resolves: dst, or the nexthop's gateway.
  ip_output_fib.v = inp !== null ? inp.inp_inc.inc_fibnum : M_GETFIB(m);
  const dst = ro !== null ? ro.ro_dst : ip_output_sin;
  if (ro === null || ro.ro_nh === null) {
    dst.sin_family = AF_INET;
    dst.sin_len = 16;
    dst.sin_port = 0;
    dst.sin_addr = ip_mbuf_dst(m);
  }
  let gw: sockaddr_in = dst;

  again: for (;;) {
    // A cached route to another destination is no good.
    if (ro !== null && ro.ro_nh !== null && (dst.sin_family !== AF_INET || dst.sin_addr !== ip_mbuf_dst(m))) RO_NHFREE(ro);
    ia = null;
    if ((flags & IP_SENDONES) !== 0) {
      // To the all-ones broadcast address of the interface that has dst as
      // its broadcast (or point-to-point destination) address.
      ia = ifatoia(ifa_ifwithbroadaddr(dst, M_GETFIB(m)));
      if (ia === null) ia = ifatoia(ifa_ifwithdstaddr(dst, M_GETFIB(m)));
      if (ia === null) {
        IPSTAT_INC(ips_noroute);
        error = ENETUNREACH;
        break again;
      }
      m.m_dv.setUint32(ip + IPH_DST, INADDR_BROADCAST);
      dst.sin_addr = INADDR_BROADCAST;
      ifp = ia.ifa_ifp;
      mtu = ifp.if_mtu;
      m.m_buf[ip + IPH_TTL] = 1;
      isbroadcast = true;
      src = ia.ia_addr.sin_addr;
    } else if ((flags & IP_ROUTETOIF) !== 0) {
      // SO_DONTROUTE: straight to a directly connected destination.
      ia = ifatoia(ifa_ifwithdstaddr(dst, M_GETFIB(m)));
      if (ia === null) ia = ifatoia(ifa_ifwithnet(dst, 0, M_GETFIB(m)));
      if (ia === null) {
        IPSTAT_INC(ips_noroute);
        error = ENETUNREACH;
        break again;
      }
      ifp = ia.ifa_ifp;
      mtu = ifp.if_mtu;
      m.m_buf[ip + IPH_TTL] = 1;
      isbroadcast = (ifp.if_flags & IFF_BROADCAST) !== 0 ? in_ifaddr_broadcast(dst.sin_addr, ia) : false;
      src = ia.ia_addr.sin_addr;
    } else if (IN_MULTICAST(ip_mbuf_dst(m)) && imo !== null && imo.imo_multicast_ifp !== null) {
      // The socket named the interface for its multicasts.
      ifp = imo.imo_multicast_ifp;
      mtu = ifp.if_mtu;
      ia = IFP_TO_IA(ifp);
      isbroadcast = false;
      src = ia !== null ? ia.ia_addr.sin_addr : INADDR_ANY;
    } else if (ro !== null) {
      if (ro.ro_nh === null) {
        ro.ro_nh = fib4_lookup(ip_output_fib.v, dst.sin_addr, 0, NHR_REF, m.m_pkthdr.flowid);
        if (ro.ro_nh === null) {
          IPSTAT_INC(ips_noroute);
          error = EHOSTUNREACH;
          break again;
        }
      }
      const nh = ro.ro_nh;
      ia = nh.nh_ifa as in_ifaddr;
      ifp = nh.nh_ifp;
      rt_update_ro_flags(ro);
      if ((nh.nh_flags & NHF_GATEWAY) !== 0) gw = nh.gw4_sa;
      if ((nh.nh_flags & NHF_HOST) !== 0) isbroadcast = (nh.nh_flags & NHF_BROADCAST) !== 0;
      else if ((ifp.if_flags & IFF_BROADCAST) !== 0) isbroadcast = in_ifaddr_broadcast(gw.sin_addr, ia);
      else isbroadcast = false;
      mtu = (nh.nh_flags & NHF_HOST) !== 0 ? nh.nh_mtu : ifp.if_mtu;
      src = ia.ia_addr.sin_addr;
    } else {
      const nh = fib4_lookup(M_GETFIB(m), dst.sin_addr, 0, NHR_NONE, m.m_pkthdr.flowid);
      if (nh === null) {
        IPSTAT_INC(ips_noroute);
        error = EHOSTUNREACH;
        break again;
      }
      ifp = nh.nh_ifp;
      mtu = nh.nh_mtu;
      // dst is our own copy here, so it may become the gateway.
      if ((nh.nh_flags & NHF_GATEWAY) !== 0) dst.sin_addr = nh.gw4_sa.sin_addr;
      ia = nh.nh_ifa as in_ifaddr;
      src = ia.ia_addr.sin_addr;
      isbroadcast =
        (nh.nh_flags & (NHF_HOST | NHF_BROADCAST)) === (NHF_HOST | NHF_BROADCAST) ||
        ((ifp.if_flags & IFF_BROADCAST) !== 0 && in_ifaddr_broadcast(dst.sin_addr, ia));
    }

    // (The message is built only on failure: this runs for every packet.)
    if (mtu <= 0) KASSERT(false, `ip_output: mtu ${mtu} <= 0`);

    if (IN_MULTICAST(ip_mbuf_dst(m))) {
      m.m_flags |= M_MCAST;
      // Multicast goes to the group address, never to a gateway.
      gw = dst;
      m.m_buf[ip + IPH_TTL] = imo !== null ? imo.imo_multicast_ttl : IP_DEFAULT_MULTICAST_TTL;
      if (imo === null || imo.imo_multicast_vif === -1) {
        if ((ifp.if_flags & IFF_MULTICAST) === 0) {
          IPSTAT_INC(ips_noroute);
          error = ENETUNREACH;
          break again;
        }
      }
      if (m.m_dv.getUint32(ip + IPH_SRC) === INADDR_ANY) m.m_dv.setUint32(ip + IPH_SRC, src);
      // Loop a copy back: ip_input filters on group membership later.
      if ((imo === null && in_mcast_loop !== 0) || (imo !== null && imo.imo_multicast_loop !== 0)) ip_mloopback(ifp, m, hlen);
      // Nothing with TTL 0 leaves the host, and nothing more goes out on
      // loopback: its local copy is already on the way up.
      if (m.m_buf[ip + IPH_TTL] === 0 || (ifp.if_flags & IFF_LOOPBACK) !== 0) {
        m_freem(m);
        return 0;
      }
    } else {
      if (m.m_dv.getUint32(ip + IPH_SRC) === INADDR_ANY) m.m_dv.setUint32(ip + IPH_SRC, src);
      // Broadcast needs an interface that can, a socket that may, and no
      // fragmentation.
      if (isbroadcast) {
        if ((ifp.if_flags & IFF_BROADCAST) === 0) {
          error = EADDRNOTAVAIL;
          break again;
        }
        if ((flags & IP_ALLOWBROADCAST) === 0) {
          error = EACCES;
          break again;
        }
        if (ip_len > mtu) {
          error = EMSGSIZE;
          break again;
        }
        m.m_flags |= M_BCAST;
      } else {
        m.m_flags &= ~M_BCAST;
      }
    }

    // sendit:
    if (PFIL_HOOKED_OUT(V_inet_pfil_head())) {
      const r = ip_output_pfil(m, ifp, flags, inp, dst, ip_output_fib);
      if (r === 1) return ip_output_pfil_error;
      KASSERT(ip_output_pfil_m !== null, "ip_output_pfil: no packet to go on with");
      m = ip_output_pfil_m;
      ip_output_pfil_m = null;
      ip = m.m_data;
      ip_len = m.m_dv.getUint16(ip + IPH_LEN);
      if (r === -1) {
        if (ro !== null) {
          RO_NHFREE(ro);
          ro.ro_prepend = null;
        }
        gw = dst;
        continue again;
      }
    }

    // RFC 1122: loopback addresses never leave through a real link.
    if (IN_LOOPBACK(ip_mbuf_dst(m)) || IN_LOOPBACK(m.m_dv.getUint32(ip + IPH_SRC))) {
      if ((ifp.if_flags & IFF_LOOPBACK) === 0) {
        IPSTAT_INC(ips_badaddr);
        error = EADDRNOTAVAIL;
        break again;
      }
    }

    m.m_pkthdr.csum_flags |= CSUM_IP;
    if ((m.m_pkthdr.csum_flags & CSUM_DELAY_DATA & ~ifp.if_hwassist) !== 0) {
      in_delayed_cksum(m);
      m.m_pkthdr.csum_flags &= ~CSUM_DELAY_DATA;
    }

    // The socket's 802.1p priority rides in the packet header to the link
    // layer (ether_output_frame or vlan(4) writes it into the tag).
    if (vlan_pcp > -1) EVL_APPLY_PRI(m, vlan_pcp);

    // It fits: finish the header checksum unless the interface will.
    if (ip_len <= mtu) {
      m.m_dv.setUint16(ip + IPH_SUM, 0);
      if ((m.m_pkthdr.csum_flags & CSUM_IP & ~ifp.if_hwassist) !== 0) {
        m.m_dv.setUint16(ip + IPH_SUM, in_cksum(m, hlen));
        m.m_pkthdr.csum_flags &= ~CSUM_IP;
      }
      if ((flags & IP_FORWARDING) === 0 && ia !== null) {
        ia.ifa_opackets++;
        ia.ifa_obytes += m.m_pkthdr.len;
      }
      m_clrprotoflags(m);
      return ip_output_send(ifp, m, gw, ro);
    }

    if ((ip_off & IP_DF) !== 0) {
      error = EMSGSIZE;
      IPSTAT_INC(ips_cantfrag);
      break again;
    }

    // Too big: fragment, then send the fragments in order.
    ip_output_mfrag.m = m;
    error = ip_fragment(ip_output_mfrag, mtu, ifp.if_hwassist);
    KASSERT(ip_output_mfrag.m !== null, "ip_fragment lost the packet");
    m = ip_output_mfrag.m;
    ip_output_mfrag.m = null;
    if (error !== 0) {
      ip_frag_chain_free(m.m_nextpkt);
      m.m_nextpkt = null;
      break again;
    }
    let mm: mbuf | null = m;
    while (mm !== null) {
      const m0: mbuf | null = mm.m_nextpkt;
      mm.m_nextpkt = null;
      if (error === 0) {
        if (ia !== null) {
          ia.ifa_opackets++;
          ia.ifa_obytes += mm.m_pkthdr.len;
        }
        m_clrprotoflags(mm);
        error = ip_output_send(ifp, mm, gw, ro);
      } else {
        m_freem(mm);
      }
      mm = m0;
    }
    if (error === 0) IPSTAT_INC(ips_fragmented);
    return error;
  }
  // bad:
  m_freem(m);
  return error;
}

/** ip_output_send: to the interface. */
function ip_output_send(ifp: ifnet, m: mbuf, gw: sockaddr_in, ro: route_in | null): number {
  return ifp.if_output(ifp, m, gw, ro);
}

/**
 * ip_fragment(ip, &m, mtu, if_hwassist_flags): cut the datagram in mp.m
 * into fragments that fit mtu, linked by m_nextpkt behind the original,
 * which becomes the first fragment.  On error mp.m may hold a partly built
 * chain, for the caller to free.  The payload of each fragment is an
 * m_copym of the original (clusters are shared, not copied).
 */
export function ip_fragment(mp: ip_mfrag, mtu: number, if_hwassist_flags: number): number {
  let error = 0;
  const m0 = mp.m;
  KASSERT(m0 !== null, "ip_fragment: no packet");
  const ip = m0.m_data;
  const dv = m0.m_dv;
  const hlen = (m0.m_buf[ip + IPH_VHL] & 0x0f) << 2;
  let len = (mtu - hlen) & ~7;
  const ip_len = dv.getUint16(ip + IPH_LEN);
  const ip_off = dv.getUint16(ip + IPH_OFF);

  if ((ip_off & IP_DF) !== 0) {
    IPSTAT_INC(ips_cantfrag);
    return EMSGSIZE;
  }
  // Fragment payloads come in 8-byte units: an MTU with room for none fails.
  if (len < 8) return EMSGSIZE;

  // The fragments cannot carry a delayed transport checksum: do it now.
  if ((m0.m_pkthdr.csum_flags & CSUM_DELAY_DATA) !== 0) {
    in_delayed_cksum(m0);
    m0.m_pkthdr.csum_flags &= ~CSUM_DELAY_DATA;
  }

  // (FreeBSD rounds fragments of more than a page to whole pages for
  // page-flipping receivers; MTUs that large do not occur here.)
  let off = hlen + len;
  const firstlen = off - hlen;
  let tail = m0;
  let nfrags = 1;
  for (; off < ip_len; off += len, nfrags++) {
    const m = m_gethdr(M_NOWAIT, MT_DATA);
    if (m === null) {
      error = ENOBUFS;
      IPSTAT_INC(ips_odropped);
      break;
    }
    // The whole packet header goes along (fib, flags, rcvif...).
    if (m_dup_pkthdr(m, m0, M_NOWAIT) === 0) {
      m_free(m);
      error = ENOBUFS;
      IPSTAT_INC(ips_odropped);
      break;
    }
    // Room for the link header, then the IP header with the options that
    // are copied into every fragment.
    m.m_data += max_linkhdr;
    const mhip = m.m_data;
    m.m_buf.set(m0.m_buf.subarray(ip, ip + IP_HDRLEN), mhip);
    let mhlen = IP_HDRLEN;
    if (hlen > IP_HDRLEN) {
      mhlen = ip_optcopy(m0, ip, m, mhip) + IP_HDRLEN;
      ip_set_vhl(m, IPVERSION, mhlen >> 2);
    }
    m.m_len = mhlen;
    let mhip_off = ((off - hlen) >> 3) + ip_off;
    if (off + len >= ip_len) len = ip_len - off;
    else mhip_off |= IP_MF;
    m.m_dv.setUint16(mhip + IPH_LEN, len + mhlen);
    m.m_next = m_copym(m0, off, len, M_NOWAIT);
    if (m.m_next === null) {
      m_free(m);
      error = ENOBUFS;
      IPSTAT_INC(ips_odropped);
      break;
    }
    m.m_pkthdr.len = mhlen + len;
    m.m_dv.setUint16(mhip + IPH_OFF, mhip_off & 0xffff);
    m.m_dv.setUint16(mhip + IPH_SUM, 0);
    if ((m.m_pkthdr.csum_flags & CSUM_IP & ~if_hwassist_flags) !== 0) {
      m.m_dv.setUint16(mhip + IPH_SUM, in_cksum(m, mhlen));
      m.m_pkthdr.csum_flags &= ~CSUM_IP;
    }
    tail.m_nextpkt = m;
    tail = m;
  }
  if (error !== 0) {
    mp.m = m0;
    return error;
  }
  IPSTAT_ADD(ips_ofragments, nfrags);

  // What was copied into the later fragments is cut from the original,
  // which goes first.
  m_adj(m0, hlen + firstlen - ip_len);
  m0.m_pkthdr.len = hlen + firstlen;
  dv.setUint16(ip + IPH_LEN, m0.m_pkthdr.len);
  dv.setUint16(ip + IPH_OFF, ip_off | IP_MF);
  dv.setUint16(ip + IPH_SUM, 0);
  if ((m0.m_pkthdr.csum_flags & CSUM_IP & ~if_hwassist_flags) !== 0) {
    dv.setUint16(ip + IPH_SUM, in_cksum(m0, hlen));
    m0.m_pkthdr.csum_flags &= ~CSUM_IP;
  }
  mp.m = m0;
  return 0;
}

/**
 * ip_mloopback: a copy of an outgoing multicast goes up through the
 * loopback path, with its header finished as ip_input expects.
 */
function ip_mloopback(ifp: ifnet, m: mbuf, hlen: number): void {
  // A deep copy: the checksums are finished in it, not in the original.
  let copym = m_dup(m, M_NOWAIT);
  if (copym !== null && (!M_WRITABLE(copym) || copym.m_len < hlen)) copym = m_pullup(copym, hlen);
  if (copym === null) return;
  if ((copym.m_pkthdr.csum_flags & CSUM_DELAY_DATA) !== 0) {
    in_delayed_cksum(copym);
    copym.m_pkthdr.csum_flags &= ~CSUM_DELAY_DATA;
    copym.m_pkthdr.csum_flags |= CSUM_DATA_VALID | CSUM_PSEUDO_HDR;
    copym.m_pkthdr.csum_data = 0xffff;
  }
  // No fragmentation even beyond the MTU: the copy never meets a wire.
  const ip = copym.m_data;
  copym.m_dv.setUint16(ip + IPH_SUM, 0);
  copym.m_dv.setUint16(ip + IPH_SUM, in_cksum(copym, hlen));
  if_simloop(ifp, copym, AF_INET, 0);
}
