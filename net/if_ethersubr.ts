// sys/net/if_ethersubr.c: what every Ethernet interface shares.  Output
// (ether_output): find the destination MAC (ARP for IPv4 unicast, the
// broadcast or group address otherwise), prepend the 14-byte header, loop a
// copy of broadcasts back to ourselves (an IFF_SIMPLEX card cannot hear its
// own), run the link pfil hooks and hand the frame to the driver
// (ether_output_frame -> if_transmit).  Input (ether_input): switch to the
// interface's vnet, mark broadcast/multicast, tap BPF, drop frames for other
// stations, strip the header and dispatch by EtherType to IP or ARP
// (ether_demux -> netisr_dispatch).
//
// The per-packet path allocates nothing: headers are read and written in
// the mbuf's bytes; the one header we build before there is room for it
// (the resolved destination) goes through a preallocated scratch buffer.
// Hook points FreeBSD has here are kept: ng_ether (if_l2com), pfil "ethernet"
// head, VLAN tags; the bridge, lagg and carp points are noted where they go.
// 802.1Q tags are written in software (ether_8021q_frame): no interface
// here does VLAN_HWTAGGING, so the tag is in the frame bpf and the wire see.
// An interface with a priority (if_pcp, `ifconfig IF pcp N`) or a packet
// with one (IP_VLAN_PCP) leaves priority-tagged: VID 0 and the PCP.

import { EACCES, EAFNOSUPPORT, EHOSTDOWN, EHOSTUNREACH, EINVAL, ENETDOWN, ENOBUFS, ENOMEM, EOPNOTSUPP, EWOULDBLOCK } from "../kern/errno.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { SI_ORDER_ANY, SI_SUB_INIT_IF, SI_SUB_PROTO_IF, SI_SUB_PROTO_PFIL, SYSINIT } from "../kern/kernel.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import {
  CSUM_DATA_VALID,
  CSUM_DELAY_DATA,
  CSUM_IP,
  CSUM_IP_CHECKED,
  CSUM_IP_SCTP,
  CSUM_IP_VALID,
  CSUM_L4_VALID,
  CSUM_PSEUDO_HDR,
  M_BCAST,
  M_MCAST,
  M_PROMISC,
  M_VLANTAG,
  M_ASSERTPKTHDR,
  M_SETFIB,
  m_clrprotoflags,
  type mbuf,
} from "../kern/mbuf.ts";
import { AF_ARP, AF_INET, AF_INET6, AF_LINK, type sockaddr } from "../kern/socket.ts";
import type { nd6_resolve } from "../netinet6/nd6.ts";
import type { intp } from "../netinet6/ip6_var.ts";
import { KASSERT, panic, printf } from "../kern/subr_prf.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RW, CTLFLAG_VNET, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, _net } from "../kern/sysctl.ts";
import { M_PREPEND, m_adj, m_append, m_dup, m_pullup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { arp_ifinit, arp_result, arpresolve } from "../netinet/if_ether.ts";
import { PR_VNET, allprison, prison0, type prison } from "../kern/kern_jail.ts";
import { sha1 } from "../kern/sha1.ts";
import { DLT_EN10MB, bpf_mtap, bpf_mtap2, bpf_peers_present, bpfattach, bpfdetach } from "./bpf.ts";
import {
  ETHERMTU,
  ETHERTYPE_ARP,
  ETHERTYPE_IP,
  ETHERTYPE_IPV6,
  ETHERTYPE_QINQ,
  ETHERTYPE_REVARP,
  ETHERTYPE_VLAN,
  ETHERMIN,
  ETHER_ADDR_LEN,
  ETHER_HDR_LEN,
  ETHER_TYPE_LEN,
  ETHER_IS_BROADCAST,
  ETHER_IS_MULTICAST,
  ETHER_MAP_IP_MULTICAST,
  ETHER_VLAN_ENCAP_LEN,
  ETHER_VLAN_HDR_LEN,
  EVL_MAKETAG,
  EVL_PRIOFTAG,
  EVL_VLANOFTAG,
  ether_8021q_tag,
  ether_addr_equal,
  ether_dhost,
  ether_shost,
  ether_type,
  etherbroadcastaddr,
  evl_encap_proto,
  evl_proto,
  evl_tag,
} from "./ethernet.ts";
import {
  IFCOUNTER_IBYTES,
  IFCOUNTER_IERRORS,
  IFCOUNTER_IMCASTS,
  IFCOUNTER_IQDROPS,
  IFCOUNTER_NOPROTO,
  IFCOUNTER_OERRORS,
  IFCAP_VLAN_HWTAGGING,
  IFENCAP_FLAG_BROADCAST,
  IFENCAP_LL,
  IFF_DRV_RUNNING,
  IFF_MONITOR,
  IFF_NOARP,
  IFF_PPROMISC,
  IFF_SIMPLEX,
  IFF_UP,
  IFNET_EVENT_PCP,
  IFNET_PCP_NONE,
  RT_HAS_GW,
  RT_HAS_HEADER,
  RT_L2_ME,
  RT_MAY_LOOP,
  SIOCGIFADDR,
  SIOCGLANPCP,
  SIOCSIFADDR,
  SIOCSIFMTU,
  SIOCSLANPCP,
  if_attach,
  if_detach,
  if_inc_counter,
  ifaddr,
  ifnet_event,
  type if_encap_req,
  type ifnet,
  type ifreq,
  type route,
} from "./if.ts";
import { IFT_ETHER, IFT_L2VLAN, type sockaddr_dl } from "./if_dl.ts";
import { if_simloop } from "./if_loop.ts";
import { NETISR_ARP, NETISR_DISPATCH_DIRECT, NETISR_ETHER, NETISR_IP, NETISR_IPV6, netisr_dispatch, netisr_register, netisr_register_vnet, netisr_unregister_vnet } from "./netisr.ts";
import {
  PFIL_CONSUMED,
  PFIL_DROPPED,
  PFIL_ETHER_NAME,
  PFIL_HOOKED_IN,
  PFIL_HOOKED_OUT,
  PFIL_IN,
  PFIL_OUT,
  PFIL_PASS,
  PFIL_TYPE_ETHERNET,
  pfil_head_register,
  pfil_head_unregister,
  pfil_mbuf_in,
  pfil_mbuf_out,
  pfil_mbuf_result,
  pfil_mbufp,
  type pfil_head,
} from "./pfil.ts";
import { CURVNET_RESTORE, CURVNET_SET_QUIET, VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, curvnet, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT, type vnet } from "./vnet.ts";

/** la_flags bit of an llentry for one of our own addresses (net/if_llatbl.h). */
const LLE_IFADDR = 0x4;
// struct arphdr (net/if_arp.h): the fields ether_requestencap touches.
const ar_hrd = 0;
const ar_op = 6;
const ARPHRD_ETHER = 1;
const ARPOP_REVREQUEST = 3;
const ARPOP_REVREPLY = 4;

const _net_link = SYSCTL_NODE(_net, AF_LINK, "link", CTLFLAG_RW, null, "Link layers");
SYSCTL_NODE(_net_link, IFT_ETHER, "ether", CTLFLAG_RW, null, "Ethernet");

/** V_link_pfil_head: the "ethernet" pfil head, per vnet. */
const link_pfil_head = VNET_DEFINE_PTR<pfil_head | null>("link_pfil_head", null);
export function V_link_pfil_head(): pfil_head | null {
  return VNET_PTR(link_pfil_head);
}

// ---------------------------------------------------------------------------
// Hooks for modules that hang off Ethernet (ng_ether(4), vlan(4)).  Each
// gets the packet through a pfil_mbufp, FreeBSD's `struct mbuf **`.

export interface ng_ether_hooks {
  /** Lower hook: may take the frame (mp.m = null) or replace it. */
  input: (ifp: ifnet, mp: pfil_mbufp) => void;
  /** Frames no protocol wanted, header restored. */
  input_orphan: (ifp: ifnet, m: mbuf) => void;
  /** Upper hook on output: an error, or 0 with mp.m null if it took it. */
  output: (ifp: ifnet, mp: pfil_mbufp) => number;
  attach: (ifp: ifnet) => void;
  detach: (ifp: ifnet) => void;
}
let ng_ether_p: ng_ether_hooks | null = null;
export function set_ng_ether_hooks(h: ng_ether_hooks | null): void {
  ng_ether_p = h;
}
/** vlan_input_p: vlan(4)'s input for tagged frames on a trunk. */
let vlan_input_p: ((ifp: ifnet, m: mbuf) => void) | null = null;
export function set_vlan_input_hook(f: ((ifp: ifnet, m: mbuf) => void) | null): void {
  vlan_input_p = f;
}
/** ifp->if_vlantrunk: the vlan(4) state of an interface that has vlans
 *  on it (net/if_vlan.ts's struct ifvlantrunk), kept beside struct ifnet.
 *  Present exactly while the interface is some vlan's parent. */
export const if_vlantrunk = new WeakMap<ifnet, object>();

const ng_mp = new pfil_mbufp();

// ---------------------------------------------------------------------------
// Helpers.

/** IF_LLADDR(ifp): the interface's link-level address bytes. */
export function IF_LLADDR(ifp: ifnet): Uint8Array {
  const ifa = ifp.if_addr;
  if (ifa === null) panic(`IF_LLADDR: ${ifp.if_xname} has no link address`);
  return (ifa.ifa_addr as sockaddr_dl).sdl_lladdr;
}

/** The family a sockaddr belongs to (sa_family). */
function sa_family_of(sa: sockaddr): number {
  if ("sin_family" in sa) return sa.sin_family;
  if ("sdl_family" in sa) return sa.sdl_family;
  return sa.sa_family;
}

function copy_bytes(dst: Uint8Array, doff: number, src: Uint8Array, soff: number, len: number): void {
  for (let i = 0; i < len; i++) dst[doff + i] = src[soff + i];
}

/** Outbound offload requests become inbound "already verified" marks on a
 *  packet that loops back without ever being computed. */
function update_mbuf_csumflags(src: mbuf, dst: mbuf): void {
  let csum_flags = 0;
  if ((src.m_pkthdr.csum_flags & CSUM_IP) !== 0) csum_flags |= CSUM_IP_CHECKED | CSUM_IP_VALID;
  if ((src.m_pkthdr.csum_flags & CSUM_DELAY_DATA) !== 0) csum_flags |= CSUM_DATA_VALID | CSUM_PSEUDO_HDR;
  if ((src.m_pkthdr.csum_flags & CSUM_IP_SCTP) !== 0) csum_flags |= CSUM_L4_VALID;
  dst.m_pkthdr.csum_flags |= csum_flags;
  if ((csum_flags & CSUM_DATA_VALID) !== 0) dst.m_pkthdr.csum_data = 0xffff;
}

// ---------------------------------------------------------------------------
// Output.

/**
 * ether_requestencap: the header for a given family and destination, for
 * callers that build frames themselves (ARP).  AF_ARP also fills in the ARP
 * hardware type and picks ARP or RARP by the opcode.
 */
export function ether_requestencap(ifp: ifnet, req: if_encap_req): number {
  if (req.rtype !== IFENCAP_LL) return EOPNOTSUPP;
  if (req.bufsize < ETHER_HDR_LEN) return ENOMEM;
  let lladdr = req.lladdr;
  req.lladdr_off = 0;
  let etype: number;
  switch (req.family) {
    case AF_INET:
      etype = ETHERTYPE_IP;
      break;
    case AF_INET6:
      etype = ETHERTYPE_IPV6;
      break;
    case AF_ARP: {
      const ah = req.hdata;
      KASSERT(ah !== null, "ether_requestencap: AF_ARP without an ARP header");
      ah[req.hdata_off + ar_hrd] = ARPHRD_ETHER >> 8;
      ah[req.hdata_off + ar_hrd + 1] = ARPHRD_ETHER & 0xff;
      const op = (ah[req.hdata_off + ar_op] << 8) | ah[req.hdata_off + ar_op + 1];
      etype = op === ARPOP_REVREQUEST || op === ARPOP_REVREPLY ? ETHERTYPE_REVARP : ETHERTYPE_ARP;
      if ((req.flags & IFENCAP_FLAG_BROADCAST) !== 0) lladdr = ifp.if_broadcastaddr;
      break;
    }
    default:
      return EAFNOSUPPORT;
  }
  KASSERT(lladdr !== null, "ether_requestencap: no destination address");
  const eh = req.buf;
  copy_bytes(eh, ether_dhost, lladdr, 0, ETHER_ADDR_LEN);
  copy_bytes(eh, ether_shost, IF_LLADDR(ifp), 0, ETHER_ADDR_LEN);
  eh[ether_type] = etype >> 8;
  eh[ether_type + 1] = etype & 0xff;
  req.bufsize = ETHER_HDR_LEN;
  return 0;
}

// The header ether_resolve_addr builds, before the mbuf has room for it.
// Nothing between building it and copying it out resolves another address.
const linkhdr = new Uint8Array(ETHER_HDR_LEN);
let arp_res: arp_result | null = null;
/** nd6_resolve's *lleflags. */
const nd6_lleflags: intp = { v: 0 };
/**
 * nd6_resolve, installed by IPv6 when it initializes (ip6_init): netinet6
 * imports the link layer, so the link layer reaches back through this
 * pointer rather than an import, which would start IPv6 (and through it
 * IPv4) in the middle of the link layer's own loading.  Null until then:
 * IPv6 unicast output fails with EAFNOSUPPORT.
 */
let nd6_resolve_p: typeof nd6_resolve | null = null;
export function set_nd6_resolve_p(f: typeof nd6_resolve | null): void {
  nd6_resolve_p = f;
}
/** ether_resolve_addr's *pflags. */
let resolve_pflags = 0;

/**
 * ether_resolve_addr: fill `phdr` with the header for dst.  IPv4 unicast
 * asks ARP, which may hold the packet (EWOULDBLOCK) or free it (EHOSTDOWN,
 * reported as EHOSTUNREACH when we were going through a gateway).  Sets
 * resolve_pflags: RT_MAY_LOOP, and RT_L2_ME when dst is one of our addresses.
 */
function ether_resolve_addr(ifp: ifnet, m: mbuf, dst: sockaddr, ro: route | null, phdr: Uint8Array): number {
  let lleflags = 0;
  let error = 0;
  const af = sa_family_of(dst);
  switch (af) {
    case AF_INET: {
      const addr = "sin_addr" in dst ? dst.sin_addr : 0;
      if ((m.m_flags & (M_BCAST | M_MCAST)) === 0) {
        if (arp_res === null) arp_res = new arp_result();
        arp_res.lleflags = 0;
        error = arpresolve(ifp, false, m, addr, phdr, arp_res);
        lleflags = arp_res.lleflags;
      } else if ((m.m_flags & M_BCAST) !== 0) {
        copy_bytes(phdr, ether_dhost, ifp.if_broadcastaddr ?? etherbroadcastaddr, 0, ETHER_ADDR_LEN);
      } else {
        ETHER_MAP_IP_MULTICAST(addr, phdr, ether_dhost);
      }
      if (error === 0) {
        phdr[ether_type] = ETHERTYPE_IP >> 8;
        phdr[ether_type + 1] = ETHERTYPE_IP & 0xff;
        copy_bytes(phdr, ether_shost, IF_LLADDR(ifp), 0, ETHER_ADDR_LEN);
      }
      break;
    }
    case AF_INET6: {
      if (!("sin6_addr" in dst)) {
        m_freem(m);
        return EAFNOSUPPORT;
      }
      if ((m.m_flags & M_MCAST) === 0) {
        if (nd6_resolve_p === null) {
          m_freem(m);
          return EAFNOSUPPORT;
        }
        // LLE_SF(af, is_gw): the family in the high half, "via a gateway".
        const is_gw = ro !== null && (ro.ro_flags & RT_HAS_GW) !== 0 ? 1 : 0;
        nd6_lleflags.v = 0;
        error = nd6_resolve_p(ifp, (AF_INET6 << 16) | is_gw, m, dst, phdr, nd6_lleflags, null);
        lleflags = nd6_lleflags.v;
      } else {
        // ETHER_MAP_IPV6_MULTICAST: 33:33 and the group's last four bytes.
        const a6 = dst.sin6_addr.s6_addr;
        phdr[ether_dhost] = 0x33;
        phdr[ether_dhost + 1] = 0x33;
        phdr[ether_dhost + 2] = a6[12];
        phdr[ether_dhost + 3] = a6[13];
        phdr[ether_dhost + 4] = a6[14];
        phdr[ether_dhost + 5] = a6[15];
      }
      if (error === 0) {
        phdr[ether_type] = ETHERTYPE_IPV6 >> 8;
        phdr[ether_type + 1] = ETHERTYPE_IPV6 & 0xff;
        copy_bytes(phdr, ether_shost, IF_LLADDR(ifp), 0, ETHER_ADDR_LEN);
      }
      break;
    }
    default:
      printf(`${ifp.if_xname}: can't handle af${af}\n`);
      m_freem(m);
      return EAFNOSUPPORT;
  }
  if (error === EHOSTDOWN && ro !== null && (ro.ro_flags & RT_HAS_GW) !== 0) error = EHOSTUNREACH;
  if (error !== 0) return error;
  resolve_pflags = RT_MAY_LOOP;
  if ((lleflags & LLE_IFADDR) !== 0) resolve_pflags |= RT_L2_ME;
  return 0;
}

/**
 * ether_output: if_output of every Ethernet interface.  Consumes m on every
 * path.  A header the caller prebuilt comes in ro.ro_prepend (ARP's frames);
 * otherwise it is resolved here.
 */
export function ether_output(ifp: ifnet, m: mbuf, dst: sockaddr, ro: route | null): number {
  let phdr: Uint8Array | null = null;
  let hlen = ETHER_HDR_LEN;
  let pflags = 0;
  if (ro !== null && ro.ro_prepend !== null) {
    // A prebuilt header (ARP; BPF writes): no resolution, no loop copy.
    phdr = ro.ro_prepend;
    hlen = ro.ro_plen;
  }
  // (RT_LLE_CACHE, the per-route cached header, is not modelled.)

  if ((ifp.if_flags & IFF_MONITOR) !== 0 || (ifp.if_flags & IFF_UP) === 0 || (ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) {
    m_freem(m);
    return ENETDOWN;
  }

  if (phdr === null) {
    phdr = linkhdr;
    hlen = ETHER_HDR_LEN;
    const error = ether_resolve_addr(ifp, m, dst, ro, phdr);
    if (error !== 0) return error === EWOULDBLOCK ? 0 : error;
    pflags = resolve_pflags;
  }

  if ((pflags & RT_L2_ME) !== 0) {
    update_mbuf_csumflags(m, m);
    return if_simloop(ifp, m, sa_family_of(dst), 0);
  }
  const loop_copy = (pflags & RT_MAY_LOOP) !== 0;

  // The header is prepended even with RT_HAS_HEADER: BPF writes move m_data
  // past the header they already contain.
  const mm = M_PREPEND(m, hlen, M_NOWAIT);
  if (mm === null) return ENOBUFS;
  m = mm;
  if ((pflags & RT_HAS_HEADER) === 0) copy_bytes(m.m_buf, m.m_data, phdr, 0, hlen);

  // An IFF_SIMPLEX interface does not hear its own broadcasts: give a copy
  // to ourselves.  It must be a writable copy (m_dup), as if_simloop strips
  // the header in place.
  if ((m.m_flags & M_BCAST) !== 0 && loop_copy && (ifp.if_flags & IFF_SIMPLEX) !== 0) {
    const n = m_dup(m, M_NOWAIT);
    if (n !== null) {
      update_mbuf_csumflags(m, n);
      if_simloop(ifp, n, sa_family_of(dst), hlen);
    } else if_inc_counter(ifp, IFCOUNTER_IQDROPS, 1);
  }

  // if_bridge(4): a member's output is the bridge's to place (BRIDGE_OUTPUT).
  if (ifp.if_bridge !== null) {
    KASSERT(ifp.if_bridge_output !== null, "ether_output: if_bridge not loaded!");
    return ifp.if_bridge_output(ifp, m, null, null);
  }
  // carp(4): carp_output would rewrite the source MAC here.

  // ng_ether(4)'s upper hook.
  if (ifp.if_l2com !== null && ng_ether_p !== null) {
    ng_mp.m = m;
    const error = ng_ether_p.output(ifp, ng_mp);
    const nm = ng_mp.m;
    ng_mp.m = null;
    if (error !== 0) {
      if (nm !== null) m_freem(nm);
      return error;
    }
    if (nm === null) return 0;
    m = nm;
  }
  return ether_output_frame(ifp, m);
}

/**
 * ether_output_frame: a complete frame to the driver, after the link pfil
 * hooks (a dropped frame is EACCES, a consumed one 0).
 */
export function ether_output_frame(ifp: ifnet, m: mbuf): number {
  if (ether_do_pcp(ifp, m)) {
    pcp_mp.m = m;
    const ok = ether_set_pcp(pcp_mp, ifp, ifp.if_pcp);
    const nm = pcp_mp.m;
    pcp_mp.m = null;
    if (!ok || nm === null) return 0;
    m = nm;
  }
  const head = V_link_pfil_head();
  if (PFIL_HOOKED_OUT(head)) {
    switch (pfil_mbuf_out(head as pfil_head, m, ifp, null)) {
      case PFIL_DROPPED:
        return EACCES;
      case PFIL_CONSUMED:
        return 0;
    }
    m = pfil_mbuf_result();
  }
  return ifp.if_transmit(ifp, m);
}

// ---------------------------------------------------------------------------
// 802.1Q encapsulation and 802.1p priority.

const _net_link_vlan = SYSCTL_NODE(_net_link, IFT_L2VLAN, "vlan", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "IEEE 802.1Q VLAN");
SYSCTL_NODE(_net_link_vlan, AF_LINK, "link", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "for consistency");

/** V_soft_pad: net.link.vlan.soft_pad. */
const soft_pad = VNET_DEFINE_INT("soft_pad", 0);
SYSCTL_INT(_net_link_vlan, OID_AUTO, "soft_pad", CTLFLAG_RW | CTLFLAG_VNET, soft_pad, 0, "pad short frames before tagging");

/** Eight zero bytes: what a short frame is padded with. */
const pad = new Uint8Array(8);
/** ether_output_frame's struct mbuf ** for ether_set_pcp. */
const pcp_mp = new pfil_mbufp();
/** The priority tag ether_set_pcp builds (VID 0). */
const pcp_qtag = new ether_8021q_tag();

/**
 * ether_do_pcp: does this frame leave priority-tagged?  Not from a vlan(4)
 * interface (its own tag carries the priority); otherwise when the
 * interface has a priority or the packet asks for one (M_VLANTAG with a
 * PCP, as IP_VLAN_PCP leaves it).
 */
function ether_do_pcp(ifp: ifnet, m: mbuf): boolean {
  if (ifp.if_type === IFT_L2VLAN) return false;
  if (ifp.if_pcp !== IFNET_PCP_NONE || (m.m_flags & M_VLANTAG) !== 0) return true;
  return false;
}

/** ether_set_pcp: give an untagged frame a VID 0 tag with the priority; a
 *  frame that already has a tag keeps it.  False when the frame was lost. */
function ether_set_pcp(mp: pfil_mbufp, ifp: ifnet, pcp: number): boolean {
  const m = mp.m as mbuf;
  const etype = m.m_dv.getUint16(m.m_data + ether_type);
  if (etype === ETHERTYPE_VLAN || etype === ETHERTYPE_QINQ) {
    m.m_flags &= ~M_VLANTAG;
    return true;
  }
  pcp_qtag.vid = 0;
  pcp_qtag.pcp = pcp;
  pcp_qtag.proto = ETHERTYPE_VLAN;
  if (ether_8021q_frame(mp, ifp, ifp, pcp_qtag)) return true;
  if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
  return false;
}

/**
 * ether_vlanencap_proto: insert a 4-byte tag (TPID `proto`, TCI `tag`)
 * after the addresses of the Ethernet header at the front of m.  The
 * frame is freed and null returned when there is no room.
 */
export function ether_vlanencap_proto(m: mbuf, tag: number, proto: number): mbuf | null {
  const mm = M_PREPEND(m, ETHER_VLAN_ENCAP_LEN, M_NOWAIT);
  if (mm === null) return null;
  m = mm;
  if (m.m_len < ETHER_VLAN_HDR_LEN) {
    const n = m_pullup(m, ETHER_VLAN_HDR_LEN);
    if (n === null) return null;
    m = n;
  }
  // The addresses move to the front; the old EtherType stays where it is
  // and becomes the encapsulated protocol.
  const o = m.m_data;
  m.m_buf.copyWithin(o, o + ETHER_VLAN_ENCAP_LEN, o + ETHER_VLAN_ENCAP_LEN + ETHER_HDR_LEN - ETHER_TYPE_LEN);
  m.m_dv.setUint16(o + evl_encap_proto, proto);
  m.m_dv.setUint16(o + evl_tag, tag);
  return m;
}

/** ether_vlanencap: an 802.1Q (TPID 0x8100) tag. */
export function ether_vlanencap(m: mbuf, tag: number): mbuf | null {
  return ether_vlanencap_proto(m, tag, ETHERTYPE_VLAN);
}

/**
 * ether_8021q_frame: tag the frame in mp.m for parent p on behalf of ife.
 * The priority is the packet's own (M_VLANTAG) if it has one, else the
 * tag's.  A parent doing VLAN_HWTAGGING gets the tag in the packet header
 * (802.1Q only); everyone else gets it written into the frame.  False when
 * the frame was lost (mp.m is then null, or left to the caller to free
 * when padding failed, as FreeBSD frees it).
 */
export function ether_8021q_frame(mp: pfil_mbufp, ife: ifnet, p: ifnet, qtag: ether_8021q_tag): boolean {
  let m = mp.m as mbuf;
  let pcp = qtag.pcp;

  // Pad runts before tagging if told to (IEEE 802.1Q-2003 C.4.4.3.b), for
  // bridges that would not pad them after untagging.
  if (VNET_I32(soft_pad) !== 0 && p.if_type === IFT_ETHER) {
    let n = ETHERMIN + ETHER_HDR_LEN - m.m_pkthdr.len;
    for (; n > 0; n -= pad.length) if (!m_append(m, Math.min(n, pad.length), pad)) break;
    if (n > 0) {
      m_freem(m);
      mp.m = null;
      printf(`${ife.if_xname}: cannot pad short frame`);
      return false;
    }
  }

  if ((m.m_flags & M_VLANTAG) !== 0) pcp = EVL_PRIOFTAG(m.m_pkthdr.ether_vtag);
  const tag = EVL_MAKETAG(qtag.vid, pcp, 0);
  if ((p.if_capenable & IFCAP_VLAN_HWTAGGING) !== 0 && qtag.proto === ETHERTYPE_VLAN) {
    m.m_pkthdr.ether_vtag = tag;
    m.m_flags |= M_VLANTAG;
  } else {
    const n = ether_vlanencap_proto(m, tag, qtag.proto);
    mp.m = n;
    if (n === null) {
      printf(`${ife.if_xname}: unable to prepend 802.1Q header`);
      return false;
    }
    m = n;
    m.m_flags &= ~M_VLANTAG;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Input.

/** ETHER_BPF_MTAP: a tagged frame is shown with its 802.1Q header back. */
function ETHER_BPF_MTAP(ifp: ifnet, m: mbuf): void {
  if (!bpf_peers_present(ifp)) return;
  if ((m.m_flags & M_VLANTAG) !== 0) ether_vlan_mtap(ifp, m);
  else bpf_mtap(ifp, m);
}

const vlanhdr = new Uint8Array(ETHER_VLAN_HDR_LEN);

/** ether_vlan_mtap: tap with the VLAN tag the hardware (or we) removed
 *  reinserted, without touching the packet. */
export function ether_vlan_mtap(ifp: ifnet, m: mbuf): void {
  KASSERT((m.m_flags & M_VLANTAG) !== 0, "ether_vlan_mtap: vlan information not present");
  KASSERT(m.m_len >= ETHER_HDR_LEN, "ether_vlan_mtap: mbuf not large enough for header");
  const b = m.m_buf;
  const o = m.m_data;
  copy_bytes(vlanhdr, 0, b, o, ETHER_ADDR_LEN * 2);
  vlanhdr[evl_proto] = b[o + ether_type];
  vlanhdr[evl_proto + 1] = b[o + ether_type + 1];
  vlanhdr[evl_encap_proto] = ETHERTYPE_VLAN >> 8;
  vlanhdr[evl_encap_proto + 1] = ETHERTYPE_VLAN & 0xff;
  vlanhdr[evl_tag] = (m.m_pkthdr.ether_vtag >> 8) & 0xff;
  vlanhdr[evl_tag + 1] = m.m_pkthdr.ether_vtag & 0xff;
  m.m_len -= ETHER_HDR_LEN;
  m.m_data += ETHER_HDR_LEN;
  bpf_mtap2(ifp, vlanhdr, m);
  m.m_len += ETHER_HDR_LEN;
  m.m_data -= ETHER_HDR_LEN;
}

/**
 * ether_input_internal: one received frame, in the receiving interface's
 * vnet.  Drops frames on a down interface, counts short frames as input
 * errors, marks broadcast/multicast, taps BPF, strips an in-band VLAN tag,
 * and marks frames for other stations M_PROMISC before ether_demux.
 */
function ether_input_internal(ifp: ifnet, m: mbuf): void {
  if ((ifp.if_flags & IFF_UP) === 0) {
    m_freem(m);
    return;
  }
  if (m.m_len < ETHER_HDR_LEN) {
    printf(`${ifp.if_xname}: discard frame w/o leading ethernet header (len ${m.m_len} pkt len ${m.m_pkthdr.len})\n`);
    if_inc_counter(ifp, IFCOUNTER_IERRORS, 1);
    m_freem(m);
    return;
  }
  let etype = m.m_dv.getUint16(m.m_data + ether_type);

  const saved = CURVNET_SET_QUIET(ifp.if_vnet, "ether_input_internal");

  if (ETHER_IS_MULTICAST(m.m_buf, m.m_data + ether_dhost)) {
    if (ETHER_IS_BROADCAST(m.m_buf, m.m_data + ether_dhost)) m.m_flags |= M_BCAST;
    else m.m_flags |= M_MCAST;
    if_inc_counter(ifp, IFCOUNTER_IMCASTS, 1);
  }

  ETHER_BPF_MTAP(ifp, m);

  // (M_HASFCS: no driver here leaves the CRC on.)
  if_inc_counter(ifp, IFCOUNTER_IBYTES, m.m_pkthdr.len);

  // Monitor mode claims the frame once it is counted.
  if ((ifp.if_flags & IFF_MONITOR) !== 0) {
    m_freem(m);
    CURVNET_RESTORE(saved);
    return;
  }

  // lagg(4) ports would hand the frame to their lagg here.

  // Pull an 802.1Q/QinQ tag the hardware did not take off into the pkthdr.
  if ((m.m_flags & M_VLANTAG) === 0 && (etype === ETHERTYPE_VLAN || etype === ETHERTYPE_QINQ)) {
    if (m.m_len < ETHER_VLAN_HDR_LEN) {
      const mm = m_pullup(m, ETHER_VLAN_HDR_LEN);
      if (mm === null) {
        if_inc_counter(ifp, IFCOUNTER_IERRORS, 1);
        CURVNET_RESTORE(saved);
        return;
      }
      m = mm;
    }
    m.m_pkthdr.ether_vtag = m.m_dv.getUint16(m.m_data + evl_tag);
    m.m_flags |= M_VLANTAG;
    m.m_buf.copyWithin(m.m_data + ETHER_VLAN_ENCAP_LEN, m.m_data, m.m_data + ETHER_HDR_LEN - 2);
    m_adj(m, ETHER_VLAN_ENCAP_LEN);
    etype = m.m_dv.getUint16(m.m_data + ether_type);
  }

  M_SETFIB(m, ifp.if_fib);

  // ng_ether(4)'s lower hook may claim the frame.
  if (ifp.if_l2com !== null && ng_ether_p !== null) {
    m.m_flags &= ~M_PROMISC;
    ng_mp.m = m;
    ng_ether_p.input(ifp, ng_mp);
    const nm = ng_mp.m;
    ng_mp.m = null;
    if (nm === null) {
      CURVNET_RESTORE(saved);
      return;
    }
    m = nm;
  }

  // if_bridge(4) may claim the frame (BRIDGE_INPUT); when it hands it back
  // for local delivery, the receiving interface may now be the bridge or
  // another member.  carp(4) would clear M_PROMISC for its virtual MACs.
  if (ifp.if_bridge !== null) {
    KASSERT(ifp.if_bridge_input !== null, "ether_input_internal: if_bridge not loaded!");
    m.m_flags &= ~M_PROMISC;
    const bm = ifp.if_bridge_input(ifp, m);
    if (bm === null) {
      CURVNET_RESTORE(saved);
      return;
    }
    m = bm;
    ifp = m.m_pkthdr.rcvif as ifnet;
  }

  // A unicast frame for another station goes on (bridges, netgraph may want
  // it) but marked, so that no protocol takes it.
  if (!ETHER_IS_MULTICAST(m.m_buf, m.m_data + ether_dhost) && !ether_addr_equal(IF_LLADDR(ifp), 0, m.m_buf, m.m_data + ether_dhost)) m.m_flags |= M_PROMISC;

  ether_demux(ifp, m);
  CURVNET_RESTORE(saved);
}

/** ether_nh_input: the NETISR_ETHER handler. */
function ether_nh_input(m: mbuf): void {
  M_ASSERTPKTHDR(m);
  const ifp = m.m_pkthdr.rcvif as ifnet | null;
  KASSERT(ifp !== null, "ether_nh_input: NULL interface pointer");
  ether_input_internal(ifp, m);
}

/**
 * ether_input: if_input of every Ethernet interface.  Takes a batch linked
 * by m_nextpkt; each frame is dispatched (directly) through NETISR_ETHER in
 * the interface's vnet.
 */
export function ether_input(ifp: ifnet, m: mbuf): void {
  let mp: mbuf | null = m;
  while (mp !== null) {
    const mn: mbuf | null = mp.m_nextpkt;
    mp.m_nextpkt = null;
    if (mp.m_pkthdr.rcvif !== ifp) panic(`ether_input: ifnet mismatch (rcvif ${mp.m_pkthdr.rcvif?.if_xname ?? "NULL"}, ifp ${ifp.if_xname})`);
    const saved = CURVNET_SET_QUIET(ifp.if_vnet, "ether_input");
    netisr_dispatch(NETISR_ETHER, mp);
    CURVNET_RESTORE(saved);
    mp = mn;
  }
}

/**
 * ether_demux: the frame to its protocol.  Link pfil hooks first (not for
 * frames marked M_PROMISC), tagged frames to vlan(4), frames for other
 * stations dropped unless IFF_PPROMISC, then the header comes off and IPv4
 * and ARP are dispatched; anything else goes to ng_ether's orphan hook or
 * is freed.
 */
export function ether_demux(ifp: ifnet, m: mbuf): void {
  const head = V_link_pfil_head();
  if (PFIL_HOOKED_IN(head) && (m.m_flags & M_PROMISC) === 0) {
    if (pfil_mbuf_in(head as pfil_head, m, ifp, null) !== PFIL_PASS) return;
    m = pfil_mbuf_result();
  }

  const etype = m.m_dv.getUint16(m.m_data + ether_type);

  if ((m.m_flags & M_VLANTAG) !== 0 && EVL_VLANOFTAG(m.m_pkthdr.ether_vtag) !== 0) {
    if (!if_vlantrunk.has(ifp) || vlan_input_p === null) {
      if_inc_counter(ifp, IFCOUNTER_NOPROTO, 1);
      m_freem(m);
      return;
    }
    // Cleared before vlan(4) possibly feeds it back into ether_input.
    m.m_flags &= ~M_PROMISC;
    vlan_input_p(ifp, m);
    return;
  }

  if ((ifp.if_flags & IFF_PPROMISC) === 0 && (m.m_flags & M_PROMISC) !== 0) {
    m_freem(m);
    return;
  }

  // Flags that meant something to the link layer are cleared for IP and ARP.
  m.m_flags &= ~M_VLANTAG;
  m_clrprotoflags(m);
  m_adj(m, ETHER_HDR_LEN);

  let isr: number;
  switch (etype) {
    case ETHERTYPE_IP:
      isr = NETISR_IP;
      break;
    case ETHERTYPE_ARP:
      if ((ifp.if_flags & IFF_NOARP) !== 0) {
        // ARP is off on this interface.
        m_freem(m);
        return;
      }
      isr = NETISR_ARP;
      break;
    case ETHERTYPE_IPV6:
      isr = NETISR_IPV6;
      break;
    default:
      if (ifp.if_l2com !== null && ng_ether_p !== null) {
        // netgraph sees inbound frames whole.
        const mm = M_PREPEND(m, ETHER_HDR_LEN, M_NOWAIT);
        if (mm !== null) ng_ether_p.input_orphan(ifp, mm);
        return;
      }
      m_freem(m);
      return;
  }
  netisr_dispatch(isr, m);
}

// ---------------------------------------------------------------------------
// Attach, detach, ioctl.

/**
 * ether_ifattach: finish an Ethernet interface: addresses, MTU, the
 * Ethernet methods, the link address, the BPF tap (DLT_EN10MB), ng_ether.
 */
export function ether_ifattach(ifp: ifnet, lla: Uint8Array): void {
  ifp.if_addrlen = ETHER_ADDR_LEN;
  ifp.if_hdrlen = ETHER_HDR_LEN;
  if_attach(ifp);
  ifp.if_mtu = ETHERMTU;
  ifp.if_output = ether_output;
  ifp.if_input = ether_input;
  ifp.if_requestencap = ether_requestencap;
  if (VIMAGE) ifp.if_reassign = ether_reassign;
  if (ifp.if_baudrate === 0) ifp.if_baudrate = 10 * 1000 * 1000;
  ifp.if_broadcastaddr = etherbroadcastaddr;

  const ifa = ifp.if_addr;
  KASSERT(ifa !== null, "ether_ifattach: no lladdr!");
  const sdl = ifa.ifa_addr as sockaddr_dl;
  sdl.sdl_type = IFT_ETHER;
  if (sdl.sdl_lladdr.length !== ifp.if_addrlen) sdl.sdl_lladdr = new Uint8Array(ifp.if_addrlen);
  sdl.sdl_lladdr.set(lla.subarray(0, ifp.if_addrlen));
  if (ifp.if_hw_addr !== null) ifp.if_hw_addr.set(lla.subarray(0, ifp.if_addrlen));

  bpfattach(ifp, DLT_EN10MB, ETHER_HDR_LEN);
  if (ng_ether_p !== null) ng_ether_p.attach(ifp);

  let i = 0;
  while (i < ifp.if_addrlen && lla[i] === 0) i++;
  if (i !== ifp.if_addrlen) {
    let s = "";
    for (let j = 0; j < ETHER_ADDR_LEN; j++) s += (j ? ":" : "") + lla[j].toString(16).padStart(2, "0");
    printf(`${ifp.if_xname}: Ethernet address: ${s}\n`);
  }
}

/** ether_ifdetach: undo ether_ifattach and detach the interface. */
export function ether_ifdetach(ifp: ifnet): void {
  if (ifp.if_l2com !== null && ng_ether_p !== null) ng_ether_p.detach(ifp);
  bpfdetach(ifp);
  if_detach(ifp);
}

/** ether_reassign: on if_vmove, the ng_ether node follows into the new
 *  vnet's netgraph. */
function ether_reassign(ifp: ifnet, new_vnet: vnet): void {
  if (ifp.if_l2com !== null && ng_ether_p !== null) ng_ether_p.detach(ifp);
  if (ng_ether_p !== null) {
    const saved = CURVNET_SET_QUIET(new_vnet, "ether_reassign");
    ng_ether_p.attach(ifp);
    CURVNET_RESTORE(saved);
  }
}

/**
 * ether_ioctl: what Ethernet drivers do not handle themselves.  An IPv4
 * address brings the interface up and announces it (arp_ifinit: gratuitous
 * ARP and the LLE_IFADDR entry).
 */
export function ether_ioctl(ifp: ifnet, command: number, data: ifreq | ifaddr): number {
  let error = 0;
  switch (command) {
    case SIOCSIFADDR: {
      ifp.if_flags |= IFF_UP;
      const ifa = data as ifaddr;
      if (ifp.if_init !== null) ifp.if_init(ifp.if_softc); // before arpwhohas
      if (ifa instanceof ifaddr && sa_family_of(ifa.ifa_addr) === AF_INET) arp_ifinit(ifp, ifa);
      break;
    }
    case SIOCGIFADDR:
      (data as ifreq).ifr_lladdr = IF_LLADDR(ifp).slice();
      break;
    case SIOCSIFMTU: {
      const mtu = (data as ifreq).ifr_mtu ?? 0;
      if (mtu > ETHERMTU) error = EINVAL;
      else ifp.if_mtu = mtu;
      break;
    }
    case SIOCSLANPCP: {
      // (PRIV_NET_SETLANPCP is checked by ifioctl on the way here.)
      const pcp = (data as ifreq).ifr_lan_pcp ?? IFNET_PCP_NONE;
      if (pcp > 7 && pcp !== IFNET_PCP_NONE) error = EINVAL;
      else {
        ifp.if_pcp = pcp;
        for (const f of ifnet_event) f(ifp, IFNET_EVENT_PCP);
      }
      break;
    }
    case SIOCGLANPCP:
      (data as ifreq).ifr_lan_pcp = ifp.if_pcp;
      break;
    default:
      error = EINVAL;
  }
  return error;
}

// ---------------------------------------------------------------------------
// Generated addresses.

/** net/ieee_oui.h: the FreeBSD Foundation's OUI and the generated pool. */
const OUI_FREEBSD_BASE = [0x58, 0x9c, 0xfc];
const OUI_FREEBSD_GENERATED_MASK = 0x10ffff;

/** The prison getjailname(cred) and getcredhostuuid(cred) would read: here
 *  the prison whose vnet is curvnet (the caller's thread is not known to
 *  the kernel code). */
function curvnet_prison(): prison {
  if (VIMAGE) for (const pr of allprison) if ((pr.pr_flags & PR_VNET) !== 0 && pr.pr_vnet === curvnet) return pr;
  return prison0;
}

/**
 * ether_gen_addr: an address from the FreeBSD OUI's generated pool, the
 * SHA-1 of "hostuuid-ifname-jailname": stable for a name in a jail.  The
 * digest bytes are C chars (signed), and their sign extension reaches into
 * the masked bits as it does in FreeBSD (hence the many 58:9c:fc:10:ff:xx).
 */
export function ether_gen_addr(ifp: ifnet, hwaddr: Uint8Array): void {
  const pr = curvnet_prison();
  const buf = new TextEncoder().encode(`${pr.pr_hostuuid}-${ifp.if_xname}-${pr.pr_name}`);
  const digest = sha1(buf);
  const sc = (b: number): number => (b << 24) >> 24;
  const addr = ((sc(digest[0]) << 16) | (sc(digest[1]) << 8) | sc(digest[2])) & OUI_FREEBSD_GENERATED_MASK;
  hwaddr[0] = OUI_FREEBSD_BASE[0];
  hwaddr[1] = OUI_FREEBSD_BASE[1];
  hwaddr[2] = OUI_FREEBSD_BASE[2];
  hwaddr[3] = (addr >>> 16) & 0xff;
  hwaddr[4] = (addr >>> 8) & 0xff;
  hwaddr[5] = addr & 0xff;
}

// ---------------------------------------------------------------------------
// Registration: NETISR_ETHER once, the pfil head and netisr enable per vnet.

function ether_init(): void {
  netisr_register(NETISR_ETHER, "ether", ether_nh_input, 0, NETISR_DISPATCH_DIRECT);
}
SYSINIT("ether", SI_SUB_INIT_IF, SI_ORDER_ANY, ether_init);

function vnet_ether_init(): void {
  VNET_PTR_SET(link_pfil_head, pfil_head_register({ pa_flags: PFIL_IN | PFIL_OUT, pa_type: PFIL_TYPE_ETHERNET, pa_headname: PFIL_ETHER_NAME }));
  if (VIMAGE) netisr_register_vnet(NETISR_ETHER);
}
VNET_SYSINIT("vnet_ether_init", SI_SUB_PROTO_IF, SI_ORDER_ANY, vnet_ether_init);

function vnet_ether_pfil_destroy(): void {
  const h = VNET_PTR(link_pfil_head);
  if (h !== null) pfil_head_unregister(h);
  VNET_PTR_SET(link_pfil_head, null);
}
VNET_SYSUNINIT("vnet_ether_pfil_uninit", SI_SUB_PROTO_PFIL, SI_ORDER_ANY, vnet_ether_pfil_destroy);

function vnet_ether_destroy(): void {
  netisr_unregister_vnet(NETISR_ETHER);
}
VNET_SYSUNINIT("vnet_ether_uninit", SI_SUB_PROTO_IF, SI_ORDER_ANY, vnet_ether_destroy);

DECLARE_MODULE({ name: "ether", evhand: null, priv: null }, SI_SUB_INIT_IF, SI_ORDER_ANY);
MODULE_VERSION("ether", 1);
