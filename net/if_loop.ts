// sys/net/if_loop.c: the loopback interface, and if_simloop, the software
// loopback every interface uses to hear itself.  Each vnet gets lo0 from the
// "lo" cloner's minifs of 1 (more with `ifconfig lo1 create`); V_loif is
// the vnet's lo0, where routes to the vnet's own addresses point.
//
// looutput and if_simloop do not call the protocol directly: the packet is
// queued on its netisr (netisr_queue), and the netisr worker runs it later in
// the vnet of the receiving interface.  That breaks the recursion a packet
// sent to ourselves would otherwise make through the whole stack.

import { EAFNOSUPPORT, EHOSTUNREACH, EINVAL } from "../kern/errno.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { SI_ORDER_ANY, SI_ORDER_SECOND, SI_SUB_INIT_IF, SI_SUB_PROTO_IFATTACHDOMAIN, SI_SUB_PSEUDO } from "../kern/kernel.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import {
  CSUM_IP,
  CSUM_IP_CHECKED,
  CSUM_IP_SCTP,
  CSUM_IP_VALID,
  CSUM_L4_VALID,
  CSUM_PSEUDO_HDR,
  CSUM_TCP,
  CSUM_UDP,
  M_ASSERTPKTHDR,
  M_MCAST,
  type mbuf,
} from "../kern/mbuf.ts";
import { m_tag_delete_nonpersistent } from "../kern/uipc_mbuf2.ts";
import type { sockaddr } from "../kern/socket.ts";
import { AF_INET, AF_INET6, AF_UNSPEC, pseudo_AF_HDRCMPLT } from "../kern/socket.ts";
import { KASSERT, printf } from "../kern/subr_prf.ts";
import { m_adj } from "../kern/uipc_mbuf.ts";
import { DLT_NULL, bpf_mtap, bpf_mtap2, bpf_peers_present, bpfattach, bpfdetach } from "./bpf.ts";
import { if_clone_detach, if_clone_simple, type if_clone } from "./if_clone.ts";
import { IFT_LOOP } from "./if_dl.ts";
import {
  IFCAP_HWCSUM,
  IFCAP_LINKSTATE,
  IFCAP_RXCSUM,
  IFCAP_RXCSUM_IPV6,
  IFCAP_TXCSUM_IPV6,
  IFCOUNTER_IBYTES,
  IFCOUNTER_IPACKETS,
  IFCOUNTER_OBYTES,
  IFCOUNTER_OPACKETS,
  IFF_DRV_RUNNING,
  IFF_LOOPBACK,
  IFF_MULTICAST,
  IFF_UP,
  LINK_STATE_DOWN,
  LINK_STATE_UP,
  RT_BLACKHOLE,
  RT_REJECT,
  SIOCSIFADDR,
  SIOCSIFFLAGS,
  SIOCSIFMTU,
  if_alloc,
  if_attach,
  if_detach,
  if_free,
  if_inc_counter,
  if_initname,
  if_link_state_change,
  type ifaddr,
  type ifnet,
  type ifreq,
  type route,
} from "./if.ts";
import { NETISR_IP, NETISR_IPV6, netisr_queue } from "./netisr.ts";
import { M_LOOP } from "../netinet6/ip6_var.ts";
import { VNET_DEFINE_PTR, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT } from "./vnet.ts";

export const LOMTU = 16384;

// Checksum offload lo claims: nothing on the wire, so nothing to compute.
const CSUM_IP6_UDP = 0x00000200;
const CSUM_IP6_TCP = 0x00000400;
const CSUM_IP6_SCTP = 0x00000800;
export const LO_CSUM_FEATURES = CSUM_IP | CSUM_TCP | CSUM_UDP | CSUM_IP_SCTP;
export const LO_CSUM_FEATURES6 = CSUM_IP6_TCP | CSUM_IP6_UDP | CSUM_IP6_SCTP;
/** CSUM_DATA_VALID | CSUM_DATA_VALID_IPV6 | CSUM_PSEUDO_HDR | CSUM_IP_CHECKED
 *  | CSUM_IP_VALID | CSUM_SCTP_VALID. */
export const LO_CSUM_SET = CSUM_L4_VALID | CSUM_PSEUDO_HDR | CSUM_IP_CHECKED | CSUM_IP_VALID;

const IFCAP_HWCSUM_IPV6 = IFCAP_RXCSUM_IPV6 | IFCAP_TXCSUM_IPV6;
const IFQ_MAXLEN = 50;

const loname = "lo";

/** V_loif: the vnet's lo0 (the first lo made in it). */
const loif = VNET_DEFINE_PTR<ifnet | null>("loif", null);
/** V_lo_cloner. */
const lo_cloner = VNET_DEFINE_PTR<if_clone | null>("lo_cloner", null);

/** V_loif: lo0 of curvnet; null only while the vnet is being built or torn
 *  down (before SI_SUB_PSEUDO, after the lo cloner is detached). */
export function V_loif(): ifnet | null {
  return VNET_PTR(loif);
}

function lo_clone_destroy(ifp: ifnet): void {
  // Without VIMAGE lo0 is the one loopback there will ever be.
  if (!VIMAGE) KASSERT(V_loif() !== ifp, "lo_clone_destroy: destroying lo0");
  bpfdetach(ifp);
  if_detach(ifp);
  if_free(ifp);
}

function lo_clone_create(_ifc: if_clone, unit: number, _params: unknown): number {
  const ifp = if_alloc(IFT_LOOP);
  if_initname(ifp, loname, unit);
  ifp.if_mtu = LOMTU;
  ifp.if_flags = IFF_LOOPBACK | IFF_MULTICAST;
  ifp.if_ioctl = loioctl;
  ifp.if_output = looutput;
  ifp.if_snd_maxlen = IFQ_MAXLEN;
  ifp.if_capabilities = ifp.if_capenable = IFCAP_HWCSUM | IFCAP_HWCSUM_IPV6 | IFCAP_LINKSTATE;
  ifp.if_hwassist = LO_CSUM_FEATURES | LO_CSUM_FEATURES6;
  if_attach(ifp);
  bpfattach(ifp, DLT_NULL, 4);
  if (V_loif() === null) VNET_PTR_SET(loif, ifp);
  return 0;
}

function vnet_loif_init(): void {
  VNET_PTR_SET(loif, null);
  VNET_PTR_SET(lo_cloner, if_clone_simple(loname, lo_clone_create, lo_clone_destroy, 1));
}
VNET_SYSINIT("vnet_loif_init", SI_SUB_PSEUDO, SI_ORDER_ANY, vnet_loif_init);

function vnet_loif_uninit(): void {
  const ifc = VNET_PTR(lo_cloner);
  if (ifc !== null) if_clone_detach(ifc);
  VNET_PTR_SET(lo_cloner, null);
  VNET_PTR_SET(loif, null);
}
VNET_SYSUNINIT("vnet_loif_uninit", SI_SUB_INIT_IF, SI_ORDER_SECOND, vnet_loif_uninit);

/** The family a sockaddr belongs to (sa_family). */
function sa_family_of(sa: sockaddr): number {
  if ("sin_family" in sa) return sa.sin_family;
  if ("sdl_family" in sa) return sa.sdl_family;
  return sa.sa_family;
}

/**
 * looutput: lo's if_output.  Reject and blackhole routes end here; anything
 * else is counted as sent and looped back, with its checksums marked good
 * since they never had to be computed.
 */
export function looutput(ifp: ifnet, m: mbuf, dst: sockaddr, ro: route | null): number {
  M_ASSERTPKTHDR(m);
  if (ro !== null && (ro.ro_flags & (RT_REJECT | RT_BLACKHOLE)) !== 0) {
    m_freem(m);
    return (ro.ro_flags & RT_BLACKHOLE) !== 0 ? 0 : EHOSTUNREACH;
  }
  if_inc_counter(ifp, IFCOUNTER_OPACKETS, 1);
  if_inc_counter(ifp, IFCOUNTER_OBYTES, m.m_pkthdr.len);

  // A BPF write names the family in the address's data, which our bare
  // sockaddrs do not carry: such writes are refused below.
  const af = sa_family_of(dst);
  switch (af) {
    case AF_INET:
      if ((ifp.if_capenable & IFCAP_RXCSUM) !== 0) {
        m.m_pkthdr.csum_data = 0xffff;
        m.m_pkthdr.csum_flags = LO_CSUM_SET;
      }
      m.m_pkthdr.csum_flags &= ~LO_CSUM_FEATURES;
      break;
    case AF_INET6:
      m.m_pkthdr.csum_data = 0xffff;
      m.m_pkthdr.csum_flags = LO_CSUM_SET;
      m.m_pkthdr.csum_flags &= ~LO_CSUM_FEATURES6;
      break;
    case AF_UNSPEC:
    case pseudo_AF_HDRCMPLT:
    default:
      printf(`looutput: af=${af} unexpected\n`);
      m_freem(m);
      return EAFNOSUPPORT;
  }
  return if_simloop(ifp, m, af, 0);
}

/** The 4-byte DLT_NULL header bpf_mtap2 prepends: the family in host byte
 *  order (little-endian, as on amd64).  Written only when someone listens. */
const af_hdr = new Uint8Array(4);
const af_hdr_dv = new DataView(af_hdr.buffer);

/**
 * if_simloop: deliver a packet sent by ifp back to ifp, as if it had been
 * received (IFF_SIMPLEX interfaces cannot hear themselves, lo is all
 * loopback).  `hlen` bytes of link header are present and are stripped.
 * BPF: a looped Ethernet copy is shown on ifp; a packet to ourselves on lo0,
 * with the address family in front (multicast copies only on lo0 itself).
 * The packet is queued on the protocol's netisr; 0 is returned either way
 * (a full queue drops and counts it there).
 */
export function if_simloop(ifp: ifnet, m: mbuf, af: number, hlen: number): number {
  M_ASSERTPKTHDR(m);
  m_tag_delete_nonpersistent(m);
  m.m_pkthdr.rcvif = ifp;

  if (hlen > 0) {
    if (bpf_peers_present(ifp)) bpf_mtap(ifp, m);
  } else {
    const lo = V_loif();
    if (lo !== null && bpf_peers_present(lo)) {
      if ((m.m_flags & M_MCAST) === 0 || lo === ifp) {
        af_hdr_dv.setUint32(0, af, true);
        bpf_mtap2(lo, af_hdr, m);
      }
    }
  }

  // The link header goes: the protocol gets what follows it.
  if (hlen > 0) m_adj(m, hlen);

  let isr: number;
  switch (af) {
    case AF_INET:
      isr = NETISR_IP;
      break;
    case AF_INET6:
      // ip6_input accepts an interface-local destination only from here.
      m.m_flags |= M_LOOP;
      isr = NETISR_IPV6;
      break;
    default:
      printf(`if_simloop: can't handle af=${af}\n`);
      m_freem(m);
      return EAFNOSUPPORT;
  }
  if_inc_counter(ifp, IFCOUNTER_IPACKETS, 1);
  if_inc_counter(ifp, IFCOUNTER_IBYTES, m.m_pkthdr.len);
  netisr_queue(isr, m); // the mbuf is freed on failure
  return 0;
}

/** loioctl: lo's if_ioctl. */
export function loioctl(ifp: ifnet, cmd: number, data: ifreq | ifaddr): number {
  let error = 0;
  switch (cmd) {
    case SIOCSIFADDR:
      ifp.if_flags |= IFF_UP;
      ifp.if_drv_flags |= IFF_DRV_RUNNING;
      if_link_state_change(ifp, LINK_STATE_UP);
      // The address itself is in_control's business; lo only comes up.
      break;
    case SIOCSIFMTU:
      ifp.if_mtu = (data as ifreq).ifr_mtu ?? ifp.if_mtu;
      break;
    case SIOCSIFFLAGS:
      if_link_state_change(ifp, (ifp.if_flags & IFF_UP) !== 0 ? LINK_STATE_UP : LINK_STATE_DOWN);
      break;
    default:
      error = EINVAL;
  }
  return error;
}

DECLARE_MODULE({ name: "if_lo", evhand: null, priv: null }, SI_SUB_PROTO_IFATTACHDOMAIN, SI_ORDER_ANY);
