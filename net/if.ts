// sys/net/if.c, sys/net/if.h, sys/net/if_var.h, sys/net/if_private.h: the
// interface layer.  struct ifnet and struct ifaddr; per-vnet interface lists
// and index tables; if_alloc/if_attach/if_detach; moving an interface
// between vnets (if_vmove) and sending borrowed interfaces home when a vnet
// dies (vnet_if_return); the generic interface ioctls (ifioctl).

import { EADDRNOTAVAIL, EBUSY, EEXIST, EINVAL, EIO, ENODEV, ENOENT, ENXIO, EOPNOTSUPP } from "../kern/errno.ts";
import { m_tag_prepend } from "../kern/uipc_mbuf2.ts";
import { SI_ORDER_ANY, SI_ORDER_FIRST, SI_ORDER_SECOND, SI_SUB_INIT_IF, SI_SUB_VNET_DONE } from "../kern/kernel.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import type { sockaddr } from "../kern/socket.ts";
import type { sockaddr_in } from "../netinet/in.ts";
import { AF_INET } from "../kern/socket.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { domains, pffinddomain } from "../kern/uipc_domain.ts";
import { KASSERT, log, printf } from "../kern/subr_prf.ts";
import { priv_check_cred, PRIV_NET_SETIFFIB, PRIV_NET_SETIFFLAGS, PRIV_NET_SETIFMTU, PRIV_NET_SETLLADDR, PRIV_NET_SETIFNAME, PRIV_NET_SETIFVNET, PRIV_NET_IFCREATE, PRIV_NET_IFDESTROY, PRIV_NET_HWIOCTL, PRIV_NET_SETLANPCP } from "../kern/kern_priv.ts";
import { prison_find, type prison } from "../kern/kern_jail.ts";
import { IFT_BRIDGE, IFT_ETHER, IFT_L2VLAN, sockaddr_dl } from "./if_dl.ts";
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  CURVNET_SET_QUIET,
  VNET_DEFINE_PTR,
  VNET_IS_SHUTTING_DOWN,
  VNET_PTR,
  VNET_PTR_SET,
  VNET_SYSINIT,
  VNET_SYSUNINIT,
  curvnet,
  vnet,
  vnet0,
} from "./vnet.ts";
import { time_uptime } from "../kern/kern_timeout.ts";

/** sys/syslog.h: a normal but significant condition. */
const LOG_NOTICE = 5;

export const IFNAMSIZ = 16;
export const IF_MAXMTU = 65535;
export const IF_MINMTU = 72;

// if_flags
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_DEBUG = 0x4;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_NEEDSEPOCH = 0x20;
export const IFF_DRV_RUNNING = 0x40;
export const IFF_RUNNING = IFF_DRV_RUNNING;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_ALLMULTI = 0x200;
export const IFF_DRV_OACTIVE = 0x400;
export const IFF_OACTIVE = IFF_DRV_OACTIVE;
export const IFF_SIMPLEX = 0x800;
export const IFF_LINK0 = 0x1000;
export const IFF_LINK1 = 0x2000;
export const IFF_LINK2 = 0x4000;
export const IFF_MULTICAST = 0x8000;
export const IFF_CANTCONFIG = 0x10000;
export const IFF_PPROMISC = 0x20000;
export const IFF_MONITOR = 0x40000;
export const IFF_STATICARP = 0x80000;
export const IFF_STICKYARP = 0x100000;
export const IFF_DYING = 0x200000;
export const IFF_RENAMING = 0x400000;
/** Flags userland may not change through SIOCSIFFLAGS. */
export const IFF_CANTCHANGE =
  IFF_BROADCAST | IFF_POINTOPOINT | IFF_DRV_RUNNING | IFF_DRV_OACTIVE | IFF_SIMPLEX | IFF_MULTICAST | IFF_ALLMULTI | IFF_PROMISC | IFF_DYING | IFF_CANTCONFIG | IFF_NEEDSEPOCH;

export const LINK_STATE_UNKNOWN = 0;
export const LINK_STATE_DOWN = 1;
export const LINK_STATE_UP = 2;

/** if_pcp when no 802.1p priority is set (net/if.h). */
export const IFNET_PCP_NONE = 0xff;

// if_capabilities
export const IFCAP_RXCSUM = 0x00001;
export const IFCAP_TXCSUM = 0x00002;
export const IFCAP_NETCONS = 0x00004;
export const IFCAP_VLAN_MTU = 0x00008;
export const IFCAP_VLAN_HWTAGGING = 0x00010;
export const IFCAP_JUMBO_MTU = 0x00020;
export const IFCAP_POLLING = 0x00040;
export const IFCAP_VLAN_HWCSUM = 0x00080;
export const IFCAP_TSO4 = 0x00100;
export const IFCAP_LINKSTATE = 0x80000;
export const IFCAP_RXCSUM_IPV6 = 0x200000;
export const IFCAP_TXCSUM_IPV6 = 0x400000;
export const IFCAP_HWCSUM = IFCAP_RXCSUM | IFCAP_TXCSUM;

// ifa_flags
/** A route for the address is installed (RTF_UP). */
export const IFA_ROUTE = 0x01;
/** The loopback route to the address itself is installed (RTF_HOST, as if_var.h has it). */
export const IFA_RTSELF = 0x04;

// Counters (if_inc_counter).
export const IFCOUNTER_IPACKETS = 0;
export const IFCOUNTER_IERRORS = 1;
export const IFCOUNTER_OPACKETS = 2;
export const IFCOUNTER_OERRORS = 3;
export const IFCOUNTER_COLLISIONS = 4;
export const IFCOUNTER_IBYTES = 5;
export const IFCOUNTER_OBYTES = 6;
export const IFCOUNTER_IMCASTS = 7;
export const IFCOUNTER_OMCASTS = 8;
export const IFCOUNTER_IQDROPS = 9;
export const IFCOUNTER_OQDROPS = 10;
export const IFCOUNTER_NOPROTO = 11;
export const IFCOUNTERS = 12;

/** The route a caller passes down to if_output (struct route, reduced). */
export interface route {
  ro_nh: unknown;
  ro_flags: number;
  /** A prebuilt link-level header (ARP sends with one), or null. */
  ro_prepend: Uint8Array | null;
  ro_plen: number;
}
// ro_flags (net/route.h).
export const RT_L2_ME = 0x0004;
export const RT_MAY_LOOP = 0x0008;
export const RT_HAS_HEADER = 0x0010;
export const RT_REJECT = 0x0020;
export const RT_BLACKHOLE = 0x0040;
export const RT_HAS_GW = 0x0080;
export const RT_LLE_CACHE = 0x0100;
export const RT_IS_LOOPBACK = 0x0020;

export type if_output_t = (ifp: ifnet, m: mbuf, dst: sockaddr, ro: route | null) => number;
export type if_input_t = (ifp: ifnet, m: mbuf) => void;
export type if_transmit_t = (ifp: ifnet, m: mbuf) => number;
/** data is an ifreq, or the ifaddr being configured for SIOCSIFADDR. */
export type if_ioctl_t = (ifp: ifnet, cmd: number, data: ifreq | ifaddr) => number;

/** struct if_encap_req: ask the link layer for a prebuilt header
 *  (if_requestencap; ARP builds its frames this way). */
export const IFENCAP_LL = 1;
export const IFENCAP_FLAG_BROADCAST = 0x02;
export class if_encap_req {
  /** Where the header is written; bufsize is its room, then its length. */
  buf: Uint8Array = new Uint8Array(0);
  bufsize = 0;
  rtype = IFENCAP_LL;
  flags = 0;
  family = 0;
  lladdr_off = 0;
  lladdr_len = 0;
  /** Destination link address (unless IFENCAP_FLAG_BROADCAST). */
  lladdr: Uint8Array | null = null;
  /** The layer-3 header (the ARP header for AF_ARP), at hdata_off. */
  hdata: Uint8Array | null = null;
  hdata_off = 0;
}
export type if_requestencap_t = (ifp: ifnet, req: if_encap_req) => number;

/** struct ifaddr. */
export class ifaddr {
  ifa_flags = 0;
  ifa_refcnt = 1;
  /** Per-address packet/byte counters. */
  ifa_ipackets = 0;
  ifa_opackets = 0;
  ifa_ibytes = 0;
  ifa_obytes = 0;
  constructor(
    public ifa_ifp: ifnet,
    public ifa_addr: sockaddr,
    public ifa_dstaddr: sockaddr | null,
    public ifa_netmask: sockaddr | null,
  ) {}
}

/** Anything a BPF tap point needs: net/bpf.ts fills it in. */
export interface bpf_if_ref {
  bif_dlt: number;
  bif_hdrlen: number;
  /** True when a listener is attached (bpf_peers_present). */
  bif_peers: boolean;
}

export class ifnet {
  if_xname = "";
  if_dname = "";
  if_dunit = -1;
  if_index = 0;
  if_flags = 0;
  if_drv_flags = 0;
  if_capabilities = 0;
  if_capenable = 0;
  if_hwassist = 0;
  if_mtu = 0;
  if_metric = 0;
  if_fib = 0;
  if_baudrate = 0;
  if_addrlen = 0;
  if_hdrlen = 0;
  if_link_state = LINK_STATE_UNKNOWN;
  /** 802.1p priority of untagged frames sent (ether_output_frame tags them
   *  with VID 0), or IFNET_PCP_NONE. */
  if_pcp = IFNET_PCP_NONE;
  if_description = "";
  if_lastchange = 0;
  if_refcount = 1;
  if_pcount = 0;
  if_softc: unknown = null;
  /** Link-layer common (arpcom); ng_ether hangs its node here. */
  if_l2com: unknown = null;
  /** The bridge this interface is a member of (if_bridge's softc), or null. */
  if_bridge: unknown = null;
  if_vnet: vnet;
  if_home_vnet: vnet | null = null;
  /** if_addrhead: the AF_LINK address first, then the others in order. */
  if_addrhead: ifaddr[] = [];
  /** The link-level address (first of if_addrhead). */
  if_addr: ifaddr | null = null;
  /** Hardware (factory) address; Ethernet only. */
  if_hw_addr: Uint8Array | null = null;
  if_broadcastaddr: Uint8Array | null = null;
  /** if_afdata[AF_INET] and friends, filled by dom_ifattach. */
  if_afdata: Map<number, unknown> = new Map();
  if_groups: string[] = [];
  /** if_multiaddrs: the link-level groups joined (ifmultiaddr). */
  if_multiaddrs: ifmultiaddr[] = [];
  if_bpf: bpf_if_ref | null = null;
  /** The cloner that made this interface, if any. */
  if_clone: unknown = null;
  /** IFQ_MAXLEN of if_snd (no queue is modelled; kept for ifconfig). */
  if_snd_maxlen = 50;
  // Counters, if_counters[IFCOUNTERS].
  if_counters = new Float64Array(IFCOUNTERS);

  if_output: if_output_t = if_output_dead;
  if_input: if_input_t = if_input_default;
  if_transmit: if_transmit_t = if_transmit_dead;
  if_ioctl: if_ioctl_t = () => EOPNOTSUPP;
  if_init: ((softc: unknown) => void) | null = null;
  if_qflush: ((ifp: ifnet) => void) | null = null;
  /** Called when the interface moves to another vnet (ether_reassign). */
  if_reassign: ((ifp: ifnet, newvnet: vnet) => void) | null = null;
  /** Build a link-layer header (ether_requestencap). */
  if_requestencap: if_requestencap_t | null = null;
  /** if_bridge(4)'s hooks on a member (BRIDGE_INPUT, BRIDGE_OUTPUT, link
   *  state), set while it is in a bridge. */
  if_bridge_input: ((ifp: ifnet, m: mbuf) => mbuf | null) | null = null;
  if_bridge_output: ((ifp: ifnet, m: mbuf, dst: sockaddr | null, ro: route | null) => number) | null = null;
  if_bridge_linkstate: ((ifp: ifnet) => void) | null = null;

  constructor(
    public if_type: number,
    v: vnet,
  ) {
    this.if_vnet = v;
  }
}

/** Memberships in the order they were made: FreeBSD puts every new
 *  ifmultiaddr, a protocol's group or its link-level one, at the head of
 *  if_multiaddrs, and NET_RT_IFMALIST lists them in that order. */
let ifma_gen = 0;
export function ifma_nextstamp(): number {
  return ++ifma_gen;
}

/** struct ifmultiaddr, for AF_LINK groups: the address and its users. */
export class ifmultiaddr {
  ifma_refcount = 1;
  readonly ifma_stamp = ifma_nextstamp();
  constructor(readonly ifma_addr: Uint8Array) {}
}

export function if_inc_counter(ifp: ifnet, cnt: number, inc: number): void {
  ifp.if_counters[cnt] += inc;
}
export function if_get_counter(ifp: ifnet, cnt: number): number {
  return ifp.if_counters[cnt];
}

function if_output_dead(_ifp: ifnet, m: mbuf): number {
  m_freem(m);
  return ENXIO;
}
function if_transmit_dead(_ifp: ifnet, m: mbuf): number {
  m_freem(m);
  return ENXIO;
}
function if_input_default(_ifp: ifnet, m: mbuf): void {
  m_freem(m);
}

// ---------------------------------------------------------------------------
// Per-vnet state.

/** V_ifnet: the interfaces of this vnet, in attach order. */
const ifnet_list = VNET_DEFINE_PTR<ifnet[]>("ifnet", []);
/** V_ifindex_table: index -> ifnet (slot 0 unused). */
const ifindex_table = VNET_DEFINE_PTR<(ifnet | null)[]>("ifindex_table", [null]);

export function V_ifnet(): ifnet[] {
  return VNET_PTR(ifnet_list);
}
function V_ifindex_table(): (ifnet | null)[] {
  return VNET_PTR(ifindex_table);
}

function vnet_if_init(): void {
  VNET_PTR_SET(ifnet_list, []);
  VNET_PTR_SET(ifindex_table, [null]);
}
VNET_SYSINIT("vnet_if_init", SI_SUB_INIT_IF, SI_ORDER_SECOND, vnet_if_init);

function vnet_if_uninit(): void {
  KASSERT(V_ifnet().length === 0, `vnet_if_uninit: ${V_ifnet().length} interfaces left`);
}
VNET_SYSUNINIT("vnet_if_uninit", SI_SUB_INIT_IF, SI_ORDER_FIRST, vnet_if_uninit);

/** vnet_if_return: a dying vnet hands every borrowed interface back. */
function vnet_if_return(): void {
  for (const ifp of V_ifnet().slice()) {
    if (ifp.if_home_vnet !== null && ifp.if_home_vnet !== ifp.if_vnet) {
      if_unlink_ifnet(ifp, true);
      if_vmove(ifp, ifp.if_home_vnet);
    }
  }
}
VNET_SYSUNINIT("vnet_if_return", SI_SUB_VNET_DONE, SI_ORDER_ANY, vnet_if_return);

/** V_if_index: the highest interface index in use in this vnet (scope6's
 *  zone checks compare against it). */
export function V_if_index(): number {
  const t = V_ifindex_table();
  let i = t.length - 1;
  while (i > 0 && t[i] === null) i--;
  return i;
}

function ifindex_alloc(): number {
  const t = V_ifindex_table();
  for (let i = 1; i < t.length; i++) if (t[i] === null) return i;
  t.push(null);
  return t.length - 1;
}

// ---------------------------------------------------------------------------
// Promiscuous mode, counted: bpf descriptors (BIOCPROMISC) each ask once.

/** net.link.log_promisc_mode_change's default: the changes are logged. */
const log_promisc_mode_change = true;

/** if_setflag: the first user sets the flag and tells the driver, the
 *  last one clears it. */
function if_setflag(ifp: ifnet, flag: number, onswitch: boolean): number {
  if (onswitch) {
    if (ifp.if_pcount++ > 0) return 0;
    ifp.if_flags |= flag;
  } else {
    KASSERT(ifp.if_pcount > 0, `if_setflag: decrementing a zero refcount on ${ifp.if_xname}`);
    if (--ifp.if_pcount > 0) return 0;
    ifp.if_flags &= ~flag;
  }
  const error = ifp.if_ioctl(ifp, SIOCSIFFLAGS, { ifr_name: ifp.if_xname, ifr_flags: ifp.if_flags });
  if (error !== 0) {
    // The driver refused: back to how it was.
    if (onswitch) {
      ifp.if_pcount--;
      ifp.if_flags &= ~flag;
    } else {
      ifp.if_pcount++;
      ifp.if_flags |= flag;
    }
  }
  return error;
}

/** ifpromisc(ifp, pswitch): one more (1) or one fewer (0) promiscuous user. */
export function ifpromisc(ifp: ifnet, pswitch: number): number {
  const oldflags = ifp.if_flags;
  const error = if_setflag(ifp, IFF_PROMISC, pswitch !== 0);
  if (error === 0 && ((ifp.if_flags ^ oldflags) & IFF_PROMISC) !== 0 && log_promisc_mode_change)
    printf(`${ifp.if_xname}: promiscuous mode ${(ifp.if_flags & IFF_PROMISC) !== 0 ? "enabled" : "disabled"}\n`);
  return error;
}

// ---------------------------------------------------------------------------
// Lookup, in the current vnet.

export function ifunit(name: string): ifnet | null {
  for (const ifp of V_ifnet()) if (ifp.if_xname === name) return ifp;
  return null;
}
export const ifunit_ref = ifunit;

export function ifnet_byindex(idx: number): ifnet | null {
  const t = V_ifindex_table();
  return idx > 0 && idx < t.length ? t[idx] : null;
}

// ---------------------------------------------------------------------------
// Lifecycle.

/** if_alloc(type): a new interface in curvnet with an index reserved. */
export function if_alloc(type: number): ifnet {
  const ifp = new ifnet(type, VIMAGE ? (curvnet as vnet) : vnet0);
  if (type === IFT_ETHER) ifp.if_hw_addr = new Uint8Array(6);
  ifp.if_index = ifindex_alloc();
  V_ifindex_table()[ifp.if_index] = ifp;
  return ifp;
}

export function if_initname(ifp: ifnet, name: string, unit: number): void {
  ifp.if_dname = name;
  ifp.if_dunit = unit;
  ifp.if_xname = unit >= 0 ? `${name}${unit}` : name;
}

function if_link_ifnet(ifp: ifnet): void {
  V_ifnet().push(ifp);
  if (VIMAGE) (curvnet as vnet).vnet_ifcnt++;
}

/** Unlink from V_ifnet; returns whether it was there. */
function if_unlink_ifnet(ifp: ifnet, vmove: boolean): boolean {
  const list = V_ifnet();
  const i = list.indexOf(ifp);
  if (i < 0) return false;
  list.splice(i, 1);
  if (!vmove) ifp.if_flags |= IFF_DYING;
  if (VIMAGE) (curvnet as vnet).vnet_ifcnt--;
  return true;
}

function if_attach_internal(ifp: ifnet, vmove: boolean): void {
  ifp.if_vnet = VIMAGE ? (curvnet as vnet) : vnet0;
  if (ifp.if_home_vnet === null) ifp.if_home_vnet = ifp.if_vnet;
  if (!ifp.if_groups.includes("all")) ifp.if_groups.push("all");
  ifp.if_lastchange = time_uptime();
  if (!vmove) {
    // The link-level address comes first in the address list.
    const sdl = new sockaddr_dl(ifp.if_index, ifp.if_type, ifp.if_xname, new Uint8Array(ifp.if_addrlen));
    const ifa = new ifaddr(ifp, sdl, null, null);
    ifp.if_addr = ifa;
    ifp.if_addrhead.unshift(ifa);
  } else if (ifp.if_addr !== null) {
    const sdl = ifp.if_addr.ifa_addr as sockaddr_dl;
    sdl.sdl_index = ifp.if_index;
  }
  if_link_ifnet(ifp);
  for (const dp of domains) if (dp.dom_ifattach !== undefined) ifp.if_afdata.set(dp.dom_family, dp.dom_ifattach(ifp));
  rt_ifannouncemsg_hook?.(ifp, IFAN_ARRIVAL);
  for (const f of ifnet_arrival_event.slice()) f(ifp);
}

/** if_attach(ifp): make the interface visible in curvnet. */
export function if_attach(ifp: ifnet): void {
  if_attach_internal(ifp, false);
}

/**
 * if_detach_internal: take the interface down and scrub what the stack knows
 * of it.  On a move (vmove) the link address and driver state survive.  A
 * vnet past its first destructor skips the purge: its own teardown cleans up.
 */
function if_detach_internal(ifp: ifnet, vmove: boolean): void {
  const shutdown = VIMAGE && VNET_IS_SHUTTING_DOWN(ifp.if_vnet);
  if_down(ifp);
  if (!shutdown) {
    if_purgeaddrs(ifp);
    ifp.if_multiaddrs.length = 0; // if_purgemaddrs
    rt_ifannouncemsg_hook?.(ifp, IFAN_DEPARTURE);
  }
  // Users of the interface clean up (if_bridge drops a leaving member),
  // on a vnet shutdown too.
  for (const f of ifnet_departure_event.slice()) f(ifp);
  if (!vmove) {
    ifp.if_output = if_output_dead;
    ifp.if_transmit = if_transmit_dead;
    ifp.if_input = if_input_default;
  }
  for (const dp of domains) dp.dom_flushroutes?.(ifp);
  for (const dp of domains) {
    const aux = ifp.if_afdata.get(dp.dom_family);
    if (aux !== undefined) dp.dom_ifdetach?.(ifp, aux);
  }
  ifp.if_afdata.clear();
}

/** if_detach(ifp): remove the interface from its vnet. */
export function if_detach(ifp: ifnet): void {
  const saved = CURVNET_SET_QUIET(ifp.if_vnet, "if_detach");
  const found = if_unlink_ifnet(ifp, false);
  if (found) if_detach_internal(ifp, false);
  const t = V_ifindex_table();
  if (t[ifp.if_index] === ifp) t[ifp.if_index] = null;
  CURVNET_RESTORE(saved);
}

export function if_free(ifp: ifnet): void {
  ifp.if_refcount--;
}

/** if_purgeaddrs: every address but the link-level one goes. */
export function if_purgeaddrs(ifp: ifnet): void {
  for (const dp of domains) dp.dom_purgeaddrs?.(ifp);
  ifp.if_addrhead = ifp.if_addrhead.filter((ifa) => ifa === ifp.if_addr);
}

/**
 * if_vmove(ifp, newvnet): detach-lite from the old vnet (addresses and routes
 * purged, link address kept), free the index there, reattach in the new vnet
 * with a new index.  The caller has unlinked it from the old V_ifnet.
 */
export function if_vmove(ifp: ifnet, newvnet: vnet): void {
  // The detach half runs in the vnet the interface leaves (every caller is
  // already there in FreeBSD; setting it again is harmless).
  const saved0 = CURVNET_SET_QUIET(ifp.if_vnet, "if_vmove");
  if_detach_internal(ifp, true);
  const t = V_ifindex_table();
  if (t[ifp.if_index] === ifp) t[ifp.if_index] = null;
  CURVNET_RESTORE(saved0);
  ifp.if_reassign?.(ifp, newvnet);
  const saved = CURVNET_SET_QUIET(newvnet, "if_vmove");
  ifp.if_index = ifindex_alloc();
  V_ifindex_table()[ifp.if_index] = ifp;
  if_attach_internal(ifp, true);
  bpf_vmove_hook?.(ifp);
  CURVNET_RESTORE(saved);
}

/** if_vmove_loan: SIOCSIFVNET, `ifconfig IF vnet JAIL`. */
export function if_vmove_loan(cred: ucred, ifp: ifnet, jid: number): { error: number; name: string } {
  const pr = prison_find(jid);
  if (pr === null || !prison_is_child(cred.cr_prison, pr)) return { error: ENXIO, name: "" };
  const new_vnet = pr.pr_vnet;
  if (ifp.if_vnet === new_vnet) return { error: EEXIST, name: "" };
  const saved = CURVNET_SET_QUIET(new_vnet, "if_vmove_loan");
  const clash = ifunit(ifp.if_xname);
  CURVNET_RESTORE(saved);
  if (clash !== null) return { error: EEXIST, name: "" };
  if (VIMAGE && VNET_IS_SHUTTING_DOWN(ifp.if_vnet)) return { error: EBUSY, name: "" };
  const s2 = CURVNET_SET_QUIET(ifp.if_vnet, "if_vmove_loan");
  const found = if_unlink_ifnet(ifp, true);
  CURVNET_RESTORE(s2);
  if (!found) return { error: ENODEV, name: "" };
  if_vmove(ifp, new_vnet);
  return { error: 0, name: ifp.if_xname };
}

/** if_vmove_reclaim: SIOCSIFRVNET, `ifconfig IF -vnet JAIL`. */
export function if_vmove_reclaim(cred: ucred, ifname: string, jid: number): { error: number; name: string } {
  const pr = prison_find(jid);
  if (pr === null || !prison_is_child(cred.cr_prison, pr)) return { error: ENXIO, name: "" };
  const vnet_dst = cred.cr_prison.pr_vnet;
  const saved = CURVNET_SET(pr.pr_vnet, "if_vmove_reclaim");
  const ifp = ifunit(ifname);
  if (ifp === null) {
    CURVNET_RESTORE(saved);
    return { error: ENXIO, name: "" };
  }
  if (vnet_dst === pr.pr_vnet) {
    CURVNET_RESTORE(saved);
    return { error: EEXIST, name: "" };
  }
  const s2 = CURVNET_SET_QUIET(vnet_dst, "if_vmove_reclaim");
  const clash = ifunit(ifname);
  CURVNET_RESTORE(s2);
  if (clash !== null) {
    CURVNET_RESTORE(saved);
    return { error: EEXIST, name: "" };
  }
  if (VIMAGE && VNET_IS_SHUTTING_DOWN(ifp.if_vnet)) {
    CURVNET_RESTORE(saved);
    return { error: EBUSY, name: "" };
  }
  if_unlink_ifnet(ifp, true);
  if_vmove(ifp, vnet_dst);
  CURVNET_RESTORE(saved);
  return { error: 0, name: ifp.if_xname };
}

function prison_is_child(ppr: prison, pr: prison): boolean {
  for (let p = pr.pr_parent; p !== null; p = p.pr_parent) if (p === ppr) return true;
  return false;
}

// ---------------------------------------------------------------------------
// Up, down, link state.

export const IFNET_EVENT_UP = 0;
export const IFNET_EVENT_DOWN = 1;
export const IFNET_EVENT_PCP = 2;
export const IFNET_EVENT_UPDATE_BAUDRATE = 3;
/** EVENTHANDLER(ifnet_event): protocols follow interfaces going up and down
 *  (in_ifnet_event takes the prefix routes away and back). */
export const ifnet_event: ((ifp: ifnet, event: number) => void)[] = [];

export function if_up(ifp: ifnet): void {
  ifp.if_flags |= IFF_UP;
  ifp.if_lastchange = time_uptime();
  for (const f of ifnet_event) f(ifp, IFNET_EVENT_UP);
}
export function if_down(ifp: ifnet): void {
  for (const f of ifnet_event) f(ifp, IFNET_EVENT_DOWN);
  ifp.if_flags &= ~IFF_UP;
  ifp.if_lastchange = time_uptime();
}

/** Called when an interface's MTU changed (rt_updatemtu in net/route.ts). */
export let if_mtu_changed_hook: ((ifp: ifnet) => void) | null = null;
export function set_if_mtu_changed_hook(f: ((ifp: ifnet) => void) | null): void {
  if_mtu_changed_hook = f;
}
/** if_addgroup/if_delgroup: interface group membership (cloner names,
 *  "all", user groups). */
export function if_addgroup(ifp: ifnet, groupname: string): number {
  if (ifp.if_groups.includes(groupname)) return EEXIST;
  ifp.if_groups.push(groupname);
  return 0;
}
export function if_delgroup(ifp: ifnet, groupname: string): number {
  const i = ifp.if_groups.indexOf(groupname);
  if (i < 0) return ENOENT;
  ifp.if_groups.splice(i, 1);
  return 0;
}

/** ng_ether_link_state_p: ng_ether(4) hears of carrier changes. */
let ng_ether_link_state_p: ((ifp: ifnet, state: number) => void) | null = null;
export function set_ng_ether_link_state_p(f: ((ifp: ifnet, state: number) => void) | null): void {
  ng_ether_link_state_p = f;
}

export function if_link_state_change(ifp: ifnet, state: number): void {
  if (ifp.if_link_state === state) return;
  ifp.if_link_state = state;
  // (do_link_state_change, run at once rather than from if_linktask.)
  // Notify vlan(4) children of the change (only a trunk has any).
  if (vlan_link_state_p !== null) vlan_link_state_p(ifp);
  if ((ifp.if_type === IFT_ETHER || ifp.if_type === IFT_L2VLAN) && ifp.if_l2com !== null && ng_ether_link_state_p !== null) ng_ether_link_state_p(ifp, state);
  if (ifp.if_bridge !== null && ifp.if_bridge_linkstate !== null) ifp.if_bridge_linkstate(ifp);
}

/** vlan_link_state_p: vlan(4) follows its parents' carrier. */
let vlan_link_state_p: ((ifp: ifnet) => void) | null = null;
export function set_vlan_link_state_p(f: ((ifp: ifnet) => void) | null): void {
  vlan_link_state_p = f;
}

/** EVENTHANDLER(ifnet_departure_event): an interface is detached or leaves
 *  for another vnet (vlan(4) lets go of a departing parent, if_bridge of a
 *  member). */
export const ifnet_departure_event: ((ifp: ifnet) => void)[] = [];

/** EVENTHANDLER(ifnet_arrival_event): an interface attached (or moved in,
 *  or renamed). */
export const ifnet_arrival_event: ((ifp: ifnet) => void)[] = [];

/** EVENTHANDLER(iflladdr_event): the link address changed (ARP re-announces). */
export const iflladdr_event: ((ifp: ifnet) => void)[] = [];

/**
 * if_setlladdr: a new link-level address of the same length, for the
 * Ethernet-like types only (ENODEV otherwise).  A running interface is
 * cycled down and up through its driver so its filter learns the address.
 */
export function if_setlladdr(ifp: ifnet, lladdr: Uint8Array, len: number): number {
  const ifa = ifp.if_addr;
  if (ifa === null) return EINVAL;
  const sdl = ifa.ifa_addr as sockaddr_dl;
  if (len !== sdl.sdl_alen || lladdr.length < len) return EINVAL;
  switch (ifp.if_type) {
    case IFT_ETHER:
    case IFT_L2VLAN:
    case IFT_BRIDGE:
      sdl.sdl_lladdr.set(lladdr.subarray(0, len));
      break;
    default:
      return ENODEV;
  }
  if ((ifp.if_flags & IFF_UP) !== 0) {
    ifp.if_flags &= ~IFF_UP;
    ifp.if_ioctl(ifp, SIOCSIFFLAGS, { ifr_name: ifp.if_xname, ifr_flags: ifp.if_flags });
    ifp.if_flags |= IFF_UP;
    ifp.if_ioctl(ifp, SIOCSIFFLAGS, { ifr_name: ifp.if_xname, ifr_flags: ifp.if_flags });
  }
  for (const f of iflladdr_event) f(ifp);
  return 0;
}

// ---------------------------------------------------------------------------
// Link-level multicast memberships (AF_LINK groups only).

function lladdr_eq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** if_findmulti: the membership of that link-level group, or null. */
export function if_findmulti(ifp: ifnet, lladdr: Uint8Array): ifmultiaddr | null {
  for (const ifma of ifp.if_multiaddrs) if (lladdr_eq(ifma.ifma_addr, lladdr)) return ifma;
  return null;
}

/** if_addmulti: join a group (one more user if joined); a new membership
 *  is told to the driver (SIOCADDMULTI). */
export function if_addmulti(ifp: ifnet, lladdr: Uint8Array): number {
  // ether_resolvemulti: only group addresses are groups.
  if (ifp.if_type === IFT_ETHER && (lladdr.length < 1 || (lladdr[0] & 0x01) === 0)) return EADDRNOTAVAIL;
  const ifma = if_findmulti(ifp, lladdr);
  if (ifma !== null) {
    ifma.ifma_refcount++;
    return 0;
  }
  ifp.if_multiaddrs.unshift(new ifmultiaddr(lladdr.slice()));
  ifp.if_ioctl(ifp, SIOCADDMULTI, { ifr_name: ifp.if_xname });
  return 0;
}

/** if_delmulti: one user fewer; the last one leaves the group. */
export function if_delmulti(ifp: ifnet, lladdr: Uint8Array): number {
  const ifma = if_findmulti(ifp, lladdr);
  if (ifma === null) return ENOENT;
  if (--ifma.ifma_refcount > 0) return 0;
  ifp.if_multiaddrs.splice(ifp.if_multiaddrs.indexOf(ifma), 1);
  ifp.if_ioctl(ifp, SIOCDELMULTI, { ifr_name: ifp.if_xname });
  return 0;
}

/** A route-socket announcement hook (net/rtsock.ts sets it). */
export const IFAN_ARRIVAL = 0;
export const IFAN_DEPARTURE = 1;
export let rt_ifannouncemsg_hook: ((ifp: ifnet, what: number) => void) | null = null;
export function set_rt_ifannouncemsg_hook(f: ((ifp: ifnet, what: number) => void) | null): void {
  rt_ifannouncemsg_hook = f;
}
/** net/bpf.ts re-attaches taps after a move through this hook. */
export let bpf_vmove_hook: ((ifp: ifnet) => void) | null = null;
export function set_bpf_vmove_hook(f: ((ifp: ifnet) => void) | null): void {
  bpf_vmove_hook = f;
}

// ---------------------------------------------------------------------------
// ioctls.

/** The ioctl request numbers (sys/sockio.h); values are FreeBSD's. */
export const SIOCSIFADDR = 0x8020690c;
export const SIOCGIFADDR = 0xc0206921;
export const SIOCSIFFLAGS = 0x80206910;
export const SIOCGIFFLAGS = 0xc0206911;
export const SIOCGIFMETRIC = 0xc0206917;
export const SIOCSIFMETRIC = 0x80206918;
export const SIOCDIFADDR = 0x80206919;
export const SIOCAIFADDR = 0x8044692b;
export const SIOCADDMULTI = 0x80206931;
export const SIOCDELMULTI = 0x80206932;
export const SIOCGIFMTU = 0xc0206933;
export const SIOCSIFMTU = 0x80206934;
export const SIOCSIFNAME = 0x80206928;
export const SIOCSIFVNET = 0xc020695a;
export const SIOCSIFRVNET = 0xc020695b;
export const SIOCIFCREATE = 0xc020697a;
export const SIOCIFCREATE2 = 0xc020697c;
export const SIOCIFDESTROY = 0x80206979;
export const SIOCSIFFIB = 0x8020695d;
export const SIOCGIFFIB = 0xc020695c;
export const SIOCGIFINDEX = 0xc0206920;
export const SIOCSIFDESCR = 0x80206929;
export const SIOCGIFDESCR = 0xc020692a;
export const SIOCSIFLLADDR = 0x8020693c;
export const SIOCGIFCAP = 0xc020691f;
export const SIOCGIFMEDIA = 0xc0306938;
export const SIOCGIFGROUP = 0xc0286988;
export const SIOCGHWADDR = 0xc020693e;
/** Tunnel end points (gif, gre): SIOCSIFPHYADDR takes an in_aliasreq. */
export const SIOCSIFPHYADDR = 0x80446946;
export const SIOCGIFPSRCADDR = 0xc0206947;
export const SIOCGIFPDSTADDR = 0xc0206948;
export const SIOCDIFPHYADDR = 0x80206949;
export const SIOCGTUNFIB = 0xc020695e;
export const SIOCSTUNFIB = 0x8020695f;
export const SIOCSIFCAP = 0x8020691e;
/** Driver-specific requests (struct ifdrv): if_bridge's BRDG* commands. */
export const SIOCSDRVSPEC = 0x8028697b;
export const SIOCGDRVSPEC = 0xc028697b;

/** struct ifdrv: a driver command, its argument's size and the argument.
 *  ifd_data is the argument structure itself (what copyin/copyout would
 *  move); the driver checks ifd_len against the size it expects. */
export interface ifdrv {
  ifd_name: string;
  ifd_cmd: number;
  ifd_len: number;
  ifd_data: unknown;
}

/** The credential of the thread in a driver's ioctl (curthread's td_ucred,
 *  for drivers that check privileges themselves, as bridge_ioctl does);
 *  null outside one. */
let drvspec_cred: ucred | null = null;
export function ifioctl_cred(): ucred | null {
  return drvspec_cred;
}
/** SIOCSIFGENERIC/SIOCGIFGENERIC: driver-defined (vlan(4)'s SIOCSETVLAN and
 *  SIOCGETVLAN). */
export const SIOCSIFGENERIC = 0x80206939;
export const SIOCGIFGENERIC = 0xc020693a;
/** SIOCGLANPCP/SIOCSLANPCP: an interface's 802.1p priority (vlan(4) takes
 *  the same numbers as SIOCGVLANPCP/SIOCSVLANPCP). */
export const SIOCGLANPCP = 0xc0206998;
export const SIOCSLANPCP = 0x80206999;
/** _IOWR('i', 59, struct ifstat): the driver's free text (ifs_ascii). */
export const SIOCGIFSTATUS = 0xc331693b;

/** struct ifreq: one request; the field used depends on the command. */
export interface ifreq {
  ifr_name: string;
  ifr_flags?: number;
  ifr_mtu?: number;
  ifr_fib?: number;
  ifr_jid?: number;
  ifr_metric?: number;
  ifr_index?: number;
  /** SIOCSIFNAME's new name, SIOCSIFDESCR's text; the new name on output. */
  ifr_data?: string;
  ifr_lladdr?: Uint8Array;
  /** SIOCGIFCAP: the capabilities the interface has and those enabled. */
  ifr_reqcap?: number;
  ifr_curcap?: number;
  /** SIOCGIFGROUP (struct ifgroupreq): the groups the interface is in. */
  ifr_groups?: string[];
  /** SIOCGIFMEDIA: the driver's description of its media.  A departure:
   *  FreeBSD hands back IFM_ words (struct ifmediareq) that ifconfig names
   *  from its own tables; the drivers here describe it as text. */
  ifr_media?: string;
  /** SIOCGLANPCP/SIOCSLANPCP: the priority, or IFNET_PCP_NONE. */
  ifr_lan_pcp?: number;
  /** SIOCGVLANPCP/SIOCSVLANPCP (the same union member in FreeBSD). */
  ifr_vlan_pcp?: number;
  /** ifr_data as a pointer to a driver's structure: SIOCIFCREATE2's
   *  parameters and vlan(4)'s struct vlanreq (SIOCSETVLAN/SIOCGETVLAN). */
  ifr_params?: object | null;
  /** SIOCGIFPSRCADDR/SIOCGIFPDSTADDR: the tunnel's end point (ifr_addr). */
  ifr_addr?: sockaddr_in;
  /** A driver's private word through ifr_data (GIFGOPTS/GIFSOPTS options). */
  ifr_opts?: number;
  /** SIOCGIFSTATUS (struct ifstat's ascii): lines the driver has to say,
   *  which ifconfig prints as they are. */
  ifs_ascii?: string;
}

/** Cloner entry points (net/if_clone.ts sets them; breaks an import cycle). */
export interface cloner_ops {
  if_clone_create(name: string, cred: ucred, params?: unknown): { error: number; name: string };
  if_clone_destroy(name: string): number;
}
let cloner: cloner_ops | null = null;
export function set_cloner_ops(ops: cloner_ops): void {
  cloner = ops;
}

/** Number of routing tables (net.fibs); net/route/route_tables.ts keeps it current. */
export let rt_numfibs_hook: () => number = () => 1;
export function set_rt_numfibs_hook(f: () => number): void {
  rt_numfibs_hook = f;
}

/**
 * ifioctl: interface requests from a socket, run in the socket's vnet.
 * Generic commands are handled here; family commands (addresses) go to the
 * family's pr_control (in_control for AF_INET).
 */
export function ifioctl(cred: ucred, cmd: number, data: ifreq | object, family = AF_INET): number {
  const ifr = data as ifreq;
  let error: number;
  switch (cmd) {
    case SIOCIFCREATE:
    case SIOCIFCREATE2: {
      error = priv_check_cred(cred, PRIV_NET_IFCREATE);
      if (error !== 0) return error;
      if (cloner === null) return EINVAL;
      // SIOCIFCREATE2 hands the driver its parameters (ifr_data).
      const r = cloner.if_clone_create(ifr.ifr_name, cred, cmd === SIOCIFCREATE2 ? (ifr.ifr_params ?? null) : null);
      if (r.error === 0) ifr.ifr_name = r.name;
      return r.error;
    }
    case SIOCIFDESTROY:
      error = priv_check_cred(cred, PRIV_NET_IFDESTROY);
      if (error !== 0) return error;
      if (cloner === null) return EINVAL;
      return cloner.if_clone_destroy(ifr.ifr_name);
    case SIOCSIFVNET: {
      error = priv_check_cred(cred, PRIV_NET_SETIFVNET);
      if (error !== 0) return error;
      const ifp = ifunit(ifr.ifr_name);
      if (ifp === null) return ENXIO;
      const r = if_vmove_loan(cred, ifp, ifr.ifr_jid ?? -1);
      if (r.error === 0) ifr.ifr_name = r.name;
      return r.error;
    }
    case SIOCSIFRVNET: {
      error = priv_check_cred(cred, PRIV_NET_SETIFVNET);
      if (error !== 0) return error;
      const r = if_vmove_reclaim(cred, ifr.ifr_name, ifr.ifr_jid ?? -1);
      if (r.error === 0) ifr.ifr_name = r.name;
      return r.error;
    }
  }
  // The name opens every request structure (ifreq, in6_aliasreq, ifdrv,
  // in6_ndireq, ...), under its own field name here.
  const ifp = ifunit(
    (data as { ifr_name?: string; ifra_name?: string }).ifr_name ?? (data as { ifra_name?: string }).ifra_name ?? (data as { ifd_name?: string }).ifd_name ?? (data as { ifname?: string }).ifname ?? "",
  );
  if (ifp === null) return ENXIO;
  switch (cmd) {
    case SIOCGIFINDEX:
      ifr.ifr_index = ifp.if_index;
      return 0;
    case SIOCGIFFLAGS:
      ifr.ifr_flags = ifp.if_flags | ifp.if_drv_flags;
      return 0;
    case SIOCGIFMTU:
      ifr.ifr_mtu = ifp.if_mtu;
      return 0;
    case SIOCGIFMETRIC:
      ifr.ifr_metric = ifp.if_metric;
      return 0;
    case SIOCGIFFIB:
      ifr.ifr_fib = ifp.if_fib;
      return 0;
    case SIOCGIFDESCR:
      ifr.ifr_data = ifp.if_description;
      return 0;
    case SIOCGIFCAP:
      ifr.ifr_reqcap = ifp.if_capabilities;
      ifr.ifr_curcap = ifp.if_capenable;
      return 0;
    case SIOCGIFGROUP:
      ifr.ifr_groups = ifp.if_groups.slice();
      return 0;
    case SIOCSDRVSPEC:
    case SIOCGDRVSPEC: {
      // ifhwioctl has no case for these; the family does not know them
      // either (EOPNOTSUPP), so they end in the driver's if_ioctl.
      const saved_cred = drvspec_cred;
      drvspec_cred = cred;
      error = ifp.if_ioctl(ifp, cmd, data as ifdrv as unknown as ifreq);
      drvspec_cred = saved_cred;
      return error;
    }
    case SIOCGHWADDR:
      if (ifp.if_hw_addr === null) return ENODEV;
      ifr.ifr_lladdr = ifp.if_hw_addr.slice();
      return 0;
    case SIOCSIFPHYADDR:
    case SIOCDIFPHYADDR:
      // ifhwioctl: the driver's, for the privileged.
      error = priv_check_cred(cred, PRIV_NET_HWIOCTL);
      if (error !== 0) return error;
      error = ifp.if_ioctl(ifp, cmd, ifr);
      if (error === 0) ifp.if_lastchange = time_uptime();
      return error;
    case SIOCGIFPSRCADDR:
    case SIOCGIFPDSTADDR:
    case SIOCGIFSTATUS:
      // ifhwioctl hands it to the driver; one without text refuses.
      return ifp.if_ioctl(ifp, cmd, ifr);
    case SIOCGIFMEDIA: {
      // Drivers without media leave it to ether_ioctl, which refuses.
      const media = if_media_hook.get(ifp);
      if (media === undefined) return EINVAL;
      ifr.ifr_media = media();
      return 0;
    }
    case SIOCSIFFLAGS: {
      error = priv_check_cred(cred, PRIV_NET_SETIFFLAGS);
      if (error !== 0) return error;
      // FreeBSD's order: down at once, new flags, the driver, then up.
      const nf = ifr.ifr_flags ?? 0;
      let do_ifup = false;
      if ((ifp.if_flags & IFF_UP) !== 0 && (nf & IFF_UP) === 0) if_down(ifp);
      else if ((nf & IFF_UP) !== 0 && (ifp.if_flags & IFF_UP) === 0) do_ifup = true;
      ifp.if_flags = (ifp.if_flags & IFF_CANTCHANGE) | (nf & ~IFF_CANTCHANGE);
      // The driver's answer is ignored, as (void)(*ifp->if_ioctl)(...) does.
      ifp.if_ioctl(ifp, cmd, ifr);
      if (do_ifup) if_up(ifp);
      return 0;
    }
    case SIOCSIFMETRIC:
      error = priv_check_cred(cred, PRIV_NET_SETIFFLAGS);
      if (error !== 0) return error;
      ifp.if_metric = ifr.ifr_metric ?? 0;
      return 0;
    case SIOCSIFFIB: {
      error = priv_check_cred(cred, PRIV_NET_SETIFFIB);
      if (error !== 0) return error;
      const fib = ifr.ifr_fib ?? -1;
      if (fib < 0 || fib >= rt_numfibs_hook()) return EINVAL;
      ifp.if_fib = fib;
      return 0;
    }
    case SIOCSIFDESCR:
      error = priv_check_cred(cred, PRIV_NET_SETIFFLAGS);
      if (error !== 0) return error;
      ifp.if_description = ifr.ifr_data ?? "";
      return 0;
    case SIOCSIFLLADDR: {
      // ifconfig IF ether|lladdr|link ADDR.
      error = priv_check_cred(cred, PRIV_NET_SETLLADDR);
      if (error !== 0) return error;
      const ll = ifr.ifr_lladdr;
      if (ll === undefined) return EINVAL;
      return if_setlladdr(ifp, ll, ll.length);
    }
    case SIOCSIFMTU: {
      error = priv_check_cred(cred, PRIV_NET_SETIFMTU);
      if (error !== 0) return error;
      const mtu = ifr.ifr_mtu ?? 0;
      if (mtu < IF_MINMTU || mtu > IF_MAXMTU) return EINVAL;
      const old = ifp.if_mtu;
      error = ifp.if_ioctl(ifp, cmd, ifr);
      if (error === EOPNOTSUPP) {
        ifp.if_mtu = mtu;
        error = 0;
      }
      if (error === 0 && ifp.if_mtu !== old) {
        ifp.if_lastchange = time_uptime();
        if_mtu_changed_hook?.(ifp);
      }
      return error;
    }
    case SIOCSIFNAME: {
      error = priv_check_cred(cred, PRIV_NET_SETIFNAME);
      if (error !== 0) return error;
      const nn = ifr.ifr_data ?? "";
      if (nn.length === 0 || nn.length >= IFNAMSIZ) return EINVAL;
      if (ifunit(nn) !== null) return EEXIST;
      ifp.if_xname = nn;
      if (ifp.if_addr !== null) (ifp.if_addr.ifa_addr as sockaddr_dl).sdl_data = nn;
      // if_rename announces the interface again under its new name.
      for (const f of ifnet_arrival_event.slice()) f(ifp);
      return 0;
    }
  }
  switch (cmd) {
    case SIOCSIFGENERIC: {
      // Driver-defined settings (vlan(4)'s SIOCSETVLAN) need PRIV_NET_HWIOCTL.
      error = priv_check_cred(cred, PRIV_NET_HWIOCTL);
      if (error !== 0) return error;
      error = ifp.if_ioctl(ifp, cmd, ifr);
      if (error === 0) ifp.if_lastchange = time_uptime();
      return error;
    }
    case SIOCGIFGENERIC:
      return ifp.if_ioctl(ifp, cmd, ifr);
    case SIOCSLANPCP:
      // The drivers check PRIV_NET_SETLANPCP against the calling thread,
      // which they cannot see here: it is checked on the way to them.
      error = priv_check_cred(cred, PRIV_NET_SETLANPCP);
      if (error !== 0) return error;
      break;
  }
  // Family requests (addresses).
  const dp = pffinddomain(family);
  if (dp?.pr_control === undefined) return EOPNOTSUPP;
  // What the family passes on reaches the driver with the caller's
  // credential at hand (gif's GIFSOPTS checks PRIV_NET_GIF).
  const saved_cred = drvspec_cred;
  drvspec_cred = cred;
  error = dp.pr_control(cmd, data, ifp, cred);
  drvspec_cred = saved_cred;
  return error;
}


// ---------------------------------------------------------------------------
/** net/if_var.h if_media hook: a driver may describe its media
 *  (SIOCGIFMEDIA hands it to ifconfig). */
export const if_media_hook = new WeakMap<ifnet, () => string>();

// ---------------------------------------------------------------------------
// Tunnels within tunnels.

/** The tag if_tunnel_check_nesting puts on a packet for each tunnel it went
 *  into: the cookie of the tunnel type and the interface.  It holds nothing
 *  that changes, so one per interface serves every packet and is its own
 *  copy; it is not MTAG_PERSISTENT, so it goes when the packet is looped or
 *  crosses a wire. */
export class if_tunnel_tag {
  readonly m_tag_id = 0;
  constructor(
    readonly m_tag_cookie: number,
    readonly ifp: ifnet,
  ) {}
  m_tag_copy(): if_tunnel_tag {
    return this;
  }
}
const if_tunnel_tags = new WeakMap<ifnet, if_tunnel_tag>();

/**
 * if_tunnel_check_nesting(ifp, m, cookie, limit): EIO when m has already
 * been through ifp (a loop) or through `limit` tunnels of this type, each
 * logged; otherwise m is tagged as having entered ifp and 0 returned.
 */
export function if_tunnel_check_nesting(ifp: ifnet, m: mbuf, cookie: number, limit: number): number {
  let count = 1;
  const tags = m.m_pkthdr.tags;
  if (tags !== null) {
    for (let i = 0; i < tags.length; i++) {
      const t = tags[i];
      if (!(t instanceof if_tunnel_tag) || t.m_tag_cookie !== cookie) continue;
      if (t.ifp === ifp) {
        log(LOG_NOTICE, `${ifp.if_xname}: loop detected\n`);
        return EIO;
      }
      count++;
    }
  }
  if (count > limit) {
    log(LOG_NOTICE, `${ifp.if_xname}: if_output recursively called too many times(${count})\n`);
    return EIO;
  }
  let tag = if_tunnel_tags.get(ifp);
  if (tag === undefined || tag.m_tag_cookie !== cookie) {
    tag = new if_tunnel_tag(cookie, ifp);
    if_tunnel_tags.set(ifp, tag);
  }
  m_tag_prepend(m, tag);
  return 0;
}
