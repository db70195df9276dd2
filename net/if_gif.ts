// sys/net/if_gif.c, sys/net/if_gif.h: gif(4), the generic tunnel
// interface.  `ifconfig gif create` makes a point-to-point interface; its
// end points (`ifconfig gif0 tunnel A B`, SIOCSIFPHYADDR) name the outer
// header, and whatever is routed out of gif0 goes inside it: IPv4 in IPv4
// (protocol 4), or, for a gif that is a bridge member, whole Ethernet
// frames behind an EtherIP header (protocol 97, RFC 3378).  Arriving
// datagrams are found by ip_encap and in_gif's lookup and handed to
// gif_input, which queues them on the inner protocol's netisr or gives the
// frame to the bridge.
//
// Tunnels can nest (a gif routed through another gif) and can loop (a
// tunnel whose far end is routed through itself).  Each gif the packet
// enters tags it (if_tunnel_check_nesting); a packet already tagged by
// this gif, or by net.link.gif.max_nesting gifs (per vnet, 1 by default),
// is dropped with EIO and a kernel log line.
//
// IPv6 inside an IPv4 tunnel (protocol 41) goes both ways, its traffic
// class treated as the TOS of IPv4 (ip6_ecn_ingress/egress).  An IPv6
// outer header (in6_gif.c, SIOCSIFPHYADDR_IN6) is not here yet.
//
// Departures: no ng_gif (the ng_gif_*_p hooks are not here); no locking
// (gif_ioctl_sx) or epoch waits (GIF_WAIT).

import { EAFNOSUPPORT, EINVAL, ENETDOWN, ENOBUFS, ENXIO } from "../kern/errno.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_IFATTACHDOMAIN, SI_SUB_PSEUDO } from "../kern/kernel.ts";
import { M_BCAST, M_MCAST, M_SETFIB, m_clrprotoflags, type mbuf } from "../kern/mbuf.ts";
import { AF_INET, AF_INET6, AF_LINK, SA_FAMILY, type sockaddr } from "../kern/socket.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RW, CTLFLAG_VNET, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, _net } from "../kern/sysctl.ts";
import { M_PREPEND, m_adj, m_pullup } from "../kern/uipc_mbuf.ts";
import { IPPROTO_ETHERIP, IPPROTO_IPV4, IPPROTO_IPV6, type in_aliasreq } from "../netinet/in.ts";
import { gif_delete_family, in_gif_init, in_gif_ioctl, in_gif_output, in_gif_setopts, in_gif_uninit, type gif_ip4hdr } from "../netinet/in_gif.ts";
import { IPH_TOS, IP_HDRLEN } from "../netinet/ip.ts";
import { ECN_ALLOWED, ECN_NOCARE, ip_ecn_egress, ip_ecn_ingress } from "../netinet/ip_ecn.ts";
import { DLT_NULL, bpf_mtap2, bpf_peers_present, bpfattach, bpfdetach } from "./bpf.ts";
import { ETHER_HDR_LEN, ETHER_IS_BROADCAST, ETHER_IS_MULTICAST } from "./ethernet.ts";
import { ether_demux } from "./if_ethersubr.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { PRIV_NET_GIF, priv_check_cred } from "../kern/kern_priv.ts";
import {
  IFCAP_LINKSTATE,
  IFCOUNTER_IBYTES,
  IFCOUNTER_IERRORS,
  IFCOUNTER_IMCASTS,
  IFCOUNTER_IPACKETS,
  IFCOUNTER_OBYTES,
  IFCOUNTER_OERRORS,
  IFCOUNTER_OPACKETS,
  IFF_DRV_RUNNING,
  IFF_LINK1,
  IFF_MONITOR,
  IFF_MULTICAST,
  IFF_POINTOPOINT,
  IFF_UP,
  LINK_STATE_DOWN,
  LINK_STATE_UP,
  SIOCADDMULTI,
  SIOCDELMULTI,
  SIOCDIFPHYADDR,
  SIOCGIFMTU,
  SIOCGIFPDSTADDR,
  SIOCGIFPSRCADDR,
  SIOCGTUNFIB,
  SIOCSIFADDR,
  SIOCSIFFLAGS,
  SIOCSIFMTU,
  SIOCSIFPHYADDR,
  SIOCSTUNFIB,
  if_alloc,
  if_attach,
  if_detach,
  if_free,
  if_inc_counter,
  if_initname,
  if_link_state_change,
  if_tunnel_check_nesting,
  ifioctl_cred,
  rt_numfibs_hook,
  type ifaddr,
  type ifnet,
  type ifreq,
  type route,
} from "./if.ts";
import { if_clone_detach, if_clone_simple, type if_clone } from "./if_clone.ts";
import { IFT_GIF } from "./if_dl.ts";
import { NETISR_IP, NETISR_IPV6, netisr_dispatch } from "./netisr.ts";
import { IP6_HDR_LEN, IP6_OFF_FLOW } from "../netinet/ip6.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT } from "./vnet.ts";

const gifname = "gif";

export const GIF_MTU = 1280;
export const GIF_MTU_MIN = 1280;
export const GIF_MTU_MAX = 8192;
export const GIF_HASH_SIZE = 1 << 4;

/** GIFGOPTS/GIFSOPTS: the options word (ifr_data, here ifr_opts). */
export const GIFGOPTS = 0xc0206996;
export const GIFSOPTS = 0x80206997;
/** Accept datagrams for the local address from any source. */
export const GIF_IGNORE_SOURCE = 0x0002;
export const GIF_OPTMASK = GIF_IGNORE_SOURCE;

/** struct etherip_header: version in the high nibble of the first byte,
 *  the rest reserved. */
export const ETHERIP_HDR_LEN = 2;
export const ETHERIP_VERSION = 0x3;

/** MTAG_GIF: the cookie of gif's nesting tags. */
const MTAG_GIF = 1080679712;

/** struct gif_softc. */
export class gif_softc {
  /** AF_INET once the end points are set, 0 before. */
  gif_family = 0;
  gif_flags = 0;
  gif_fibnum: number;
  gif_options = 0;
  /** gif_iphdr: the outer header's addresses (AF_INET). */
  gif_iphdr: gif_ip4hdr | null = null;
  constructor(
    readonly gif_ifp: ifnet,
    fibnum: number,
  ) {
    this.gif_fibnum = fibnum;
  }
}

const _net_link = SYSCTL_NODE(_net, AF_LINK, "link", CTLFLAG_RW, null, "Link layers");
const _net_link_gif = SYSCTL_NODE(_net_link, IFT_GIF, "gif", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "Generic Tunnel Interface");
/** MAX_GIF_NEST: no nesting unless the administrator allows it. */
const MAX_GIF_NEST = 1;
/** V_max_gif_nesting: net.link.gif.max_nesting. */
const max_gif_nesting = VNET_DEFINE_INT("max_gif_nesting", MAX_GIF_NEST);
SYSCTL_INT(_net_link_gif, OID_AUTO, "max_nesting", CTLFLAG_VNET | CTLFLAG_RW, max_gif_nesting, 0, "Max nested tunnels");

/** V_gif_cloner. */
const gif_cloner = VNET_DEFINE_PTR<if_clone | null>("gif_cloner", null);

/** The DLT_NULL header bpf shows: the family, host byte order. */
const af_hdr = new Uint8Array(4);
const af_hdr_dv = new DataView(af_hdr.buffer);

function gif_bpf_tap(ifp: ifnet, af: number, m: mbuf): void {
  if (!bpf_peers_present(ifp)) return;
  af_hdr_dv.setUint32(0, af, true);
  bpf_mtap2(ifp, af_hdr, m);
}

/** gif_clone_create: a gif with no end points; its fib is the creator's
 *  (the vnet's default here: processes have no fib of their own). */
function gif_clone_create(_ifc: if_clone, unit: number, _params: unknown): number {
  const ifp = if_alloc(IFT_GIF);
  const sc = new gif_softc(ifp, 0);
  ifp.if_softc = sc;
  if_initname(ifp, gifname, unit);
  ifp.if_addrlen = 0;
  ifp.if_mtu = GIF_MTU;
  ifp.if_flags = IFF_POINTOPOINT | IFF_MULTICAST;
  ifp.if_ioctl = gif_ioctl;
  ifp.if_transmit = gif_transmit;
  ifp.if_qflush = gif_qflush;
  ifp.if_output = gif_output;
  if (VIMAGE) ifp.if_reassign = gif_reassign;
  ifp.if_capabilities |= IFCAP_LINKSTATE;
  ifp.if_capenable |= IFCAP_LINKSTATE;
  if_attach(ifp);
  bpfattach(ifp, DLT_NULL, 4);
  return 0;
}

/** gif_reassign: a gif moved to another vnet forgets its tunnel (its
 *  addresses meant something only in the old one). */
function gif_reassign(ifp: ifnet): void {
  const sc = ifp.if_softc as gif_softc | null;
  if (sc !== null) gif_delete_tunnel(sc);
}

function gif_clone_destroy(ifp: ifnet): void {
  const sc = ifp.if_softc as gif_softc;
  gif_delete_tunnel(sc);
  bpfdetach(ifp);
  if_detach(ifp);
  ifp.if_softc = null;
  if_free(ifp);
}

function vnet_gif_init(): void {
  VNET_PTR_SET(gif_cloner, if_clone_simple(gifname, gif_clone_create, gif_clone_destroy, 0));
  in_gif_init();
}
VNET_SYSINIT("vnet_gif_init", SI_SUB_PROTO_IFATTACHDOMAIN, SI_ORDER_ANY, vnet_gif_init);

function vnet_gif_uninit(): void {
  const ifc = VNET_PTR(gif_cloner);
  if (ifc !== null) if_clone_detach(ifc);
  VNET_PTR_SET(gif_cloner, null);
  in_gif_uninit();
}
VNET_SYSUNINIT("vnet_gif_uninit", SI_SUB_PROTO_IFATTACHDOMAIN, SI_ORDER_ANY, vnet_gif_uninit);

DECLARE_MODULE({ name: "if_gif", evhand: null, priv: null }, SI_SUB_PSEUDO, SI_ORDER_ANY);
MODULE_VERSION("if_gif", 1);

/**
 * gif_transmit: the interface's if_transmit.  A gif that is down, has no
 * running tunnel (no end points, or a local end that is not ours) or would
 * nest too deep drops the packet (ENETDOWN, or the nesting check's EIO).
 * The inner family came from gif_output in csum_data; a bridge member
 * sends Ethernet frames.  Counted as sent before the outer header goes on;
 * any error is an output error.
 */
function gif_transmit(ifp: ifnet, m: mbuf): number {
  let error = ENETDOWN;
  const sc = ifp.if_softc as gif_softc;
  if (
    (ifp.if_flags & IFF_MONITOR) !== 0 ||
    (ifp.if_flags & IFF_UP) === 0 ||
    (ifp.if_drv_flags & IFF_DRV_RUNNING) === 0 ||
    sc.gif_family === 0 ||
    (error = if_tunnel_check_nesting(ifp, m, MTAG_GIF, VNET_I32(max_gif_nesting))) !== 0
  ) {
    m_freem(m);
    if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
    return error;
  }
  const af = gif_bridged(ifp) ? AF_LINK : m.m_pkthdr.csum_data;
  m.m_flags &= ~(M_BCAST | M_MCAST);
  M_SETFIB(m, sc.gif_fibnum);
  gif_bpf_tap(ifp, af, m);
  if_inc_counter(ifp, IFCOUNTER_OPACKETS, 1);
  if_inc_counter(ifp, IFCOUNTER_OBYTES, m.m_pkthdr.len);
  let proto: number;
  let ecn = 0;
  switch (af) {
    case AF_INET: {
      proto = IPPROTO_IPV4;
      if (m.m_len < IP_HDRLEN) {
        const mm = m_pullup(m, IP_HDRLEN);
        if (mm === null) {
          if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
          return ENOBUFS;
        }
        m = mm;
      }
      ecn = ip_ecn_ingress((ifp.if_flags & IFF_LINK1) !== 0 ? ECN_ALLOWED : ECN_NOCARE, m.m_buf[m.m_data + IPH_TOS]);
      break;
    }
    case AF_LINK: {
      proto = IPPROTO_ETHERIP;
      const mm = M_PREPEND(m, ETHERIP_HDR_LEN, M_NOWAIT);
      if (mm === null) {
        if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
        return ENOBUFS;
      }
      m = mm;
      // eip_ver in the high nibble of the first byte; both reserved parts zero.
      m.m_buf[m.m_data] = ETHERIP_VERSION << 4;
      m.m_buf[m.m_data + 1] = 0;
      break;
    }
    case AF_INET6: {
      proto = IPPROTO_IPV6;
      if (m.m_len < IP6_HDR_LEN) {
        const mm = m_pullup(m, IP6_HDR_LEN);
        if (mm === null) {
          if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
          return ENOBUFS;
        }
        m = mm;
      }
      // ip6_ecn_ingress: the traffic class of ip6_flow decides the outer's.
      const tclass = (m.m_dv.getUint32(m.m_data + IP6_OFF_FLOW) >>> 20) & 0xff;
      ecn = ip_ecn_ingress((ifp.if_flags & IFF_LINK1) !== 0 ? ECN_ALLOWED : ECN_NOCARE, tclass);
      break;
    }
    default:
      m_freem(m);
      if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
      return EAFNOSUPPORT;
  }
  // Only IPv4 outside (in6_gif_output is issue 13).
  switch (sc.gif_family) {
    case AF_INET:
      error = in_gif_output(ifp, m, proto, ecn);
      break;
    default:
      m_freem(m);
  }
  if (error !== 0) if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
  return error;
}

function gif_qflush(_ifp: ifnet): void {
  // Nothing is queued.
}

/**
 * gif_output: the interface's if_output.  The inner family rides to
 * gif_transmit in csum_data (FreeBSD's shortcut instead of a tag).  A BPF
 * write (AF_UNSPEC) would name the family in the address's data, which our
 * bare sockaddrs do not carry: it stays AF_UNSPEC, which gif_transmit
 * refuses (EAFNOSUPPORT).
 */
export function gif_output(ifp: ifnet, m: mbuf, dst: sockaddr, _ro: route | null): number {
  m.m_pkthdr.csum_data = SA_FAMILY(dst);
  return ifp.if_transmit(ifp, m);
}

/**
 * gif_input(m, ifp, proto, ecn): a decapsulated packet arrived on ifp (the
 * outer header gone; `ecn` its TOS).  IPv4 goes to ip_input through the
 * netisr, an EtherIP frame to the bridge ifp belongs to; anything else, or
 * a frame with another EtherIP version, is an input error.
 */
export function gif_input(m: mbuf, ifp: ifnet, proto: number, ecn: number): void {
  m.m_pkthdr.rcvif = ifp;
  m_clrprotoflags(m);
  let af: number;
  let mm: mbuf | null;
  switch (proto) {
    case IPPROTO_IPV4: {
      af = AF_INET;
      if (m.m_len < IP_HDRLEN) {
        mm = m_pullup(m, IP_HDRLEN);
        if (mm === null) {
          if_inc_counter(ifp, IFCOUNTER_IERRORS, 1);
          return;
        }
        m = mm;
      }
      const tos = ip_ecn_egress((ifp.if_flags & IFF_LINK1) !== 0 ? ECN_ALLOWED : ECN_NOCARE, ecn, m.m_buf[m.m_data + IPH_TOS]);
      if (tos < 0) {
        m_freem(m);
        if_inc_counter(ifp, IFCOUNTER_IERRORS, 1);
        return;
      }
      // As FreeBSD: the inner TOS is written back without a new checksum.
      m.m_buf[m.m_data + IPH_TOS] = tos;
      break;
    }
    case IPPROTO_ETHERIP:
      af = AF_LINK;
      break;
    case IPPROTO_IPV6: {
      af = AF_INET6;
      if (m.m_len < IP6_HDR_LEN) {
        mm = m_pullup(m, IP6_HDR_LEN);
        if (mm === null) {
          if_inc_counter(ifp, IFCOUNTER_IERRORS, 1);
          return;
        }
        m = mm;
      }
      // ip6_ecn_egress: the outer ECN into the inner traffic class.
      const flow = m.m_dv.getUint32(m.m_data + IP6_OFF_FLOW);
      const tclass = ip_ecn_egress((ifp.if_flags & IFF_LINK1) !== 0 ? ECN_ALLOWED : ECN_NOCARE, ecn, (flow >>> 20) & 0xff);
      if (tclass < 0) {
        m_freem(m);
        if_inc_counter(ifp, IFCOUNTER_IERRORS, 1);
        return;
      }
      m.m_dv.setUint32(m.m_data + IP6_OFF_FLOW, ((flow & ~(0xff << 20)) | (tclass << 20)) >>> 0);
      break;
    }
    default:
      m_freem(m);
      if_inc_counter(ifp, IFCOUNTER_IERRORS, 1);
      return;
  }

  gif_bpf_tap(ifp, af, m);

  if ((ifp.if_flags & IFF_MONITOR) !== 0) {
    if_inc_counter(ifp, IFCOUNTER_IPACKETS, 1);
    if_inc_counter(ifp, IFCOUNTER_IBYTES, m.m_pkthdr.len);
    m_freem(m);
    return;
  }

  let isr = NETISR_IP;
  switch (af) {
    case AF_INET:
      break;
    case AF_INET6:
      isr = NETISR_IPV6;
      break;
    case AF_LINK: {
      const n = ETHERIP_HDR_LEN + ETHER_HDR_LEN;
      if (n > m.m_len) {
        mm = m_pullup(m, n);
        if (mm === null) {
          if_inc_counter(ifp, IFCOUNTER_IERRORS, 1);
          return;
        }
        m = mm;
      }
      if (m.m_buf[m.m_data] >> 4 !== ETHERIP_VERSION) {
        // Unknown versions are dropped.
        m_freem(m);
        if_inc_counter(ifp, IFCOUNTER_IERRORS, 1);
        return;
      }
      gif_etherip_input(ifp, m);
      return;
    }
    default:
      m_freem(m);
      return;
  }
  if_inc_counter(ifp, IFCOUNTER_IPACKETS, 1);
  if_inc_counter(ifp, IFCOUNTER_IBYTES, m.m_pkthdr.len);
  M_SETFIB(m, ifp.if_fib);
  netisr_dispatch(isr, m);
}

/**
 * gif_ioctl: the interface's if_ioctl.  The generic requests need no
 * softc; the tunnel ones (end points, tunnel fib, options) do.  A new
 * IPv4 end point pair brings the link up.
 */
function gif_ioctl(ifp: ifnet, cmd: number, data: ifreq | ifaddr): number {
  const ifr = data as ifreq;
  switch (cmd) {
    case SIOCSIFADDR:
      ifp.if_flags |= IFF_UP;
      return 0;
    case SIOCADDMULTI:
    case SIOCDELMULTI:
    case SIOCGIFMTU:
    case SIOCSIFFLAGS:
      return 0;
    case SIOCSIFMTU: {
      const mtu = ifr.ifr_mtu ?? 0;
      if (mtu < GIF_MTU_MIN || mtu > GIF_MTU_MAX) return EINVAL;
      ifp.if_mtu = mtu;
      return 0;
    }
  }
  const sc = ifp.if_softc as gif_softc | null;
  if (sc === null) return ENXIO;
  let error = 0;
  switch (cmd) {
    case SIOCDIFPHYADDR:
      if (sc.gif_family === 0) break;
      gif_delete_tunnel(sc);
      break;
    case SIOCSIFPHYADDR:
    case SIOCGIFPSRCADDR:
    case SIOCGIFPDSTADDR:
      error = in_gif_ioctl(sc, cmd, data as ifreq | in_aliasreq);
      break;
    case SIOCGTUNFIB:
      ifr.ifr_fib = sc.gif_fibnum;
      break;
    case SIOCSTUNFIB: {
      error = gif_priv_check();
      if (error !== 0) break;
      const fib = ifr.ifr_fib ?? -1;
      if (fib < 0 || fib >= rt_numfibs_hook()) error = EINVAL;
      else sc.gif_fibnum = fib;
      break;
    }
    case GIFGOPTS:
      ifr.ifr_opts = sc.gif_options;
      break;
    case GIFSOPTS: {
      error = gif_priv_check();
      if (error !== 0) break;
      const options = ifr.ifr_opts ?? 0;
      if ((options & ~GIF_OPTMASK) !== 0) {
        error = EINVAL;
        break;
      }
      if (sc.gif_options !== options) {
        switch (sc.gif_family) {
          case AF_INET:
            error = in_gif_setopts(sc, options);
            break;
          default:
            // No tunnel yet: the options wait for it.
            sc.gif_options = options;
        }
      }
      break;
    }
    default:
      error = EINVAL;
  }
  if (error === 0 && sc.gif_family !== 0 && cmd === SIOCSIFPHYADDR) if_link_state_change(ifp, LINK_STATE_UP);
  return error;
}

/** priv_check(curthread, PRIV_NET_GIF); the kernel's own calls pass. */
function gif_priv_check(): number {
  const cred = ifioctl_cred();
  return cred === null ? 0 : priv_check_cred(cred, PRIV_NET_GIF);
}

/** gif_delete_tunnel: forget the end points; the link goes down. */
function gif_delete_tunnel(sc: gif_softc): void {
  if (sc.gif_family !== 0) gif_delete_family(sc);
  sc.gif_family = 0;
  sc.gif_ifp.if_drv_flags &= ~IFF_DRV_RUNNING;
  if_link_state_change(sc.gif_ifp, LINK_STATE_DOWN);
}

/** Is the gif a bridge member (ifp->if_bridge)?  Its packets are then
 *  Ethernet frames for EtherIP. */
function gif_bridged(ifp: ifnet): boolean {
  return ifp.if_bridge !== null;
}

/**
 * The AF_LINK end of gif_input: the EtherIP header goes and the frame is
 * the bridge's (BRIDGE_INPUT), which forwards it and may hand it back for
 * local delivery on itself or another member: then it is that interface's
 * to demultiplex.  A gif in no bridge drops it.
 */
function gif_etherip_input(ifp: ifnet, m: mbuf): void {
  m_adj(m, ETHERIP_HDR_LEN);
  m.m_flags &= ~(M_BCAST | M_MCAST);
  m.m_pkthdr.rcvif = ifp;
  if (ifp.if_bridge !== null) {
    const oldifp = ifp;
    if (ETHER_IS_MULTICAST(m.m_buf, m.m_data)) {
      if (ETHER_IS_BROADCAST(m.m_buf, m.m_data)) m.m_flags |= M_BCAST;
      else m.m_flags |= M_MCAST;
      if_inc_counter(ifp, IFCOUNTER_IMCASTS, 1);
    }
    KASSERT(ifp.if_bridge_input !== null, "gif_input: if_bridge not loaded!");
    const bm = ifp.if_bridge_input(ifp, m);
    if (bm === null) return;
    const nifp = bm.m_pkthdr.rcvif as ifnet;
    if (nifp !== oldifp) {
      ether_demux(nifp, bm);
      return;
    }
    m = bm;
  }
  m_freem(m);
}
