// sys/net/if_vlan.c, sys/net/if_vlan_var.h: vlan(4), IEEE 802.1Q virtual LANs
// and 802.1ad (QinQ) service VLANs.  A vlan interface looks like Ethernet to
// the stack above it: ether_output resolves and prepends the header, and the
// frame comes to vlan_transmit, which writes the tag in (ether_8021q_frame)
// and hands it to the parent's if_transmit.  On the way in, ether_input on
// the parent takes the tag into the packet header and ether_demux gives
// every frame with a non-zero VID to vlan_input, which finds the vlan of
// that VID on the parent (the "trunk") and feeds the frame to ether_input
// again as if the vlan interface had received it.  A vlan can be the parent
// of another vlan: 802.1Q in 802.1ad, or 802.1Q in 802.1Q ("legacy" QinQ).
//
// Departures: the trunk keeps its vlans in a 4096-slot array indexed by VID
// (FreeBSD's VLAN_ARRAY build) rather than the default growing hash; there
// is one thread, so the epoch and the VLAN sx lock have nothing to guard.

import { EBUSY, EEXIST, EINVAL, ENETDOWN, ENOENT, ENXIO, EPERM, EPROTONOSUPPORT } from "../kern/errno.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { SI_ORDER_ANY, SI_SUB_INIT_IF, SI_SUB_PROTO_IFATTACHDOMAIN, SI_SUB_PSEUDO } from "../kern/kernel.ts";
import { DECLARE_MODULE, MOD_LOAD, MOD_UNLOAD, type module } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { M_BCAST, M_MCAST, M_VLANTAG, type mbuf } from "../kern/mbuf.ts";
import { AF_INET } from "../kern/socket.ts";
import { KASSERT, printf } from "../kern/subr_prf.ts";
import { TASK_INIT, taskqueue_cancel, taskqueue_enqueue, type task } from "../kern/subr_taskqueue.ts";
import { m_pullup } from "../kern/uipc_mbuf.ts";
import { arp_ifinit } from "../netinet/if_ether.ts";
import { bpf_mtap, bpf_peers_present } from "./bpf.ts";
import {
  ETHERMIN,
  ETHERMTU,
  ETHERTYPE_VLAN,
  ETHER_HDR_LEN,
  ETHER_TYPE_LEN,
  ETHER_VLAN_ENCAP_LEN,
  ETHER_VLAN_HDR_LEN,
  EVL_VLANOFTAG,
  EVL_VLID_MASK,
  ether_8021q_tag,
  evl_tag,
} from "./ethernet.ts";
import {
  IFCAP_HWCSUM,
  IFCAP_LINKSTATE,
  IFCAP_RXCSUM_IPV6,
  IFCAP_TSO4,
  IFCAP_TXCSUM,
  IFCAP_TXCSUM_IPV6,
  IFCAP_VLAN_HWCSUM,
  IFCAP_VLAN_HWTAGGING,
  IFCAP_VLAN_MTU,
  IFCOUNTER_IPACKETS,
  IFCOUNTER_NOPROTO,
  IFCOUNTER_OBYTES,
  IFCOUNTER_OERRORS,
  IFCOUNTER_OMCASTS,
  IFCOUNTER_OPACKETS,
  IFF_BROADCAST,
  IFF_DRV_RUNNING,
  IFF_MULTICAST,
  IFF_PROMISC,
  IFF_RENAMING,
  IFF_SIMPLEX,
  IFF_UP,
  IFNET_EVENT_PCP,
  IFNET_EVENT_UPDATE_BAUDRATE,
  LINK_STATE_UNKNOWN,
  SIOCADDMULTI,
  SIOCDELMULTI,
  SIOCGIFADDR,
  SIOCGIFGENERIC,
  SIOCGLANPCP,
  SIOCSIFADDR,
  SIOCSIFFLAGS,
  SIOCSIFGENERIC,
  SIOCSIFMTU,
  SIOCSLANPCP,
  if_addmulti,
  if_alloc,
  if_delmulti,
  if_free,
  if_inc_counter,
  if_link_state_change,
  if_media_hook,
  if_mtu_changed_hook,
  if_setlladdr,
  ifaddr,
  ifnet_departure_event,
  ifnet_event,
  iflladdr_event,
  ifpromisc,
  ifunit_ref,
  set_vlan_link_state_p,
  type ifnet,
  type ifreq,
  type route,
} from "./if.ts";
import { ifc_alloc_unit, ifc_attach_cloner, ifc_detach_cloner, ifc_free_unit, ifc_name2unit, IFC_F_FORCE, type if_clone, type ifc_data } from "./if_clone.ts";
import { IFT_ETHER, IFT_L2VLAN, type sockaddr_dl } from "./if_dl.ts";
import { IF_LLADDR, ether_8021q_frame, ether_ifattach, ether_ifdetach, if_vlantrunk, set_vlan_input_hook } from "./if_ethersubr.ts";
import { pfil_mbufp } from "./pfil.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_PTR, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT } from "./vnet.ts";
import type { sockaddr } from "../kern/socket.ts";

// ---------------------------------------------------------------------------
// net/if_vlan_var.h.

/** SIOCSETVLAN/SIOCGETVLAN: the parent, VID and protocol (struct vlanreq
 *  in ifr_data). */
export const SIOCSETVLAN = SIOCSIFGENERIC;
export const SIOCGETVLAN = SIOCGIFGENERIC;
/** SIOCGVLANPCP/SIOCSVLANPCP: the vlan's priority (ifr_vlan_pcp). */
export const SIOCGVLANPCP = SIOCGLANPCP;
export const SIOCSVLANPCP = SIOCSLANPCP;

export const VLAN_PCP_MAX = 7;

/** IEEE 802.1p priority names. */
export const IEEE8021Q_PCP_BK = 1;
export const IEEE8021Q_PCP_BE = 0;
export const IEEE8021Q_PCP_EE = 2;
export const IEEE8021Q_PCP_CA = 3;
export const IEEE8021Q_PCP_VI = 4;
export const IEEE8021Q_PCP_VO = 5;
export const IEEE8021Q_PCP_IC = 6;
export const IEEE8021Q_PCP_NC = 7;

/** struct vlanreq. */
export interface vlanreq {
  vlr_parent: string;
  vlr_tag: number;
  vlr_proto: number;
}

// ---------------------------------------------------------------------------
// The driver's state.

const VLAN_IFFLAGS = IFF_BROADCAST | IFF_MULTICAST;
/** IF_DUNIT_NONE: a <parent>.<vid> interface has no unit of its own. */
const IF_DUNIT_NONE = -1;
const VLAN_ARRAY_SIZE = EVL_VLID_MASK + 1;

function UP_AND_RUNNING(ifp: ifnet): boolean {
  return (ifp.if_flags & IFF_UP) !== 0 && (ifp.if_drv_flags & IFF_DRV_RUNNING) !== 0;
}

/** struct ifvlantrunk: the vlans configured on one parent. */
export class ifvlantrunk {
  readonly vlans: (ifvlan | null)[] = new Array<ifvlan | null>(VLAN_ARRAY_SIZE).fill(null);
  refcnt = 0;
  constructor(readonly parent: ifnet) {}
}

/** struct ifvlan: one vlan interface's softc. */
export class ifvlan {
  ifv_trunk: ifvlantrunk | null = null;
  /** Flags (IFF_PROMISC) we hold on the parent. */
  ifv_pflags = 0;
  /** Capabilities the user left enabled (SIOCSIFCAP); -1 is all. */
  ifv_capenable = -1;
  ifv_encaplen = 0;
  /** How much the MTU is below the parent's (the tag, when the parent
   *  cannot carry longer frames). */
  ifv_mtufudge = 0;
  ifv_mintu = 0;
  readonly ifv_qtag = new ether_8021q_tag();
  readonly lladdr_task: task;
  /** The link-level groups we joined on the parent (vlan_mc_listhead). */
  vlan_mc_listhead: Uint8Array[] = [];
  constructor(readonly ifv_ifp: ifnet) {
    this.lladdr_task = TASK_INIT(vlan_lladdr_fn, this);
  }
  get ifv_proto(): number {
    return this.ifv_qtag.proto;
  }
  get ifv_vid(): number {
    return this.ifv_qtag.vid;
  }
  get ifv_pcp(): number {
    return this.ifv_qtag.pcp;
  }
}

function TRUNK(ifv: ifvlan): ifvlantrunk | null {
  return ifv.ifv_trunk;
}
function PARENT(ifv: ifvlan): ifnet {
  const t = ifv.ifv_trunk;
  KASSERT(t !== null, "PARENT: vlan has no trunk");
  return t.parent;
}

/** ifp->if_vlantrunk. */
function trunk_of(ifp: ifnet): ifvlantrunk | null {
  const t = if_vlantrunk.get(ifp);
  return t instanceof ifvlantrunk ? t : null;
}

const vlanname = "vlan";

/** V_vlan_cloner. */
const vlan_cloner = VNET_DEFINE_PTR<if_clone | null>("vlan_cloner", null);

// ---------------------------------------------------------------------------
// The trunk's table.

function vlan_inshash(trunk: ifvlantrunk, ifv: ifvlan): number {
  if (trunk.vlans[ifv.ifv_vid] !== null) return EEXIST;
  trunk.vlans[ifv.ifv_vid] = ifv;
  trunk.refcnt++;
  return 0;
}

function vlan_remhash(trunk: ifvlantrunk, ifv: ifvlan): number {
  KASSERT(trunk.vlans[ifv.ifv_vid] === ifv, `vlan_remhash: ${ifv.ifv_ifp.if_xname} not in its trunk`);
  trunk.vlans[ifv.ifv_vid] = null;
  trunk.refcnt--;
  return 0;
}

function vlan_gethash(trunk: ifvlantrunk, vid: number): ifvlan | null {
  return trunk.vlans[vid];
}

/** VLAN_FOREACH: the vlans of a trunk, in VID order. */
function vlan_foreach(trunk: ifvlantrunk, f: (ifv: ifvlan) => void): void {
  for (let i = 0; i < VLAN_ARRAY_SIZE; i++) {
    const ifv = trunk.vlans[i];
    if (ifv !== null) f(ifv);
  }
}

function trunk_destroy(trunk: ifvlantrunk): void {
  if_vlantrunk.delete(trunk.parent);
  trunk.parent.if_refcount--; // if_rele
}

// ---------------------------------------------------------------------------
// Multicast and flags on the parent.

/**
 * vlan_setmulti: our multicast memberships, programmed into the parent's
 * filter (there is only one wire).  The parent then hears groups it does not
 * want; the layers above drop those.
 */
function vlan_setmulti(ifp: ifnet): number {
  const sc = ifp.if_softc as ifvlan;
  const ifp_p = PARENT(sc);
  const saved = CURVNET_SET(ifp_p.if_vnet, "vlan_setmulti");
  for (const mc of sc.vlan_mc_listhead) if_delmulti(ifp_p, mc);
  sc.vlan_mc_listhead = [];
  for (const ifma of ifp.if_multiaddrs) sc.vlan_mc_listhead.unshift(ifma.ifma_addr.slice());
  for (const mc of sc.vlan_mc_listhead) {
    const error = if_addmulti(ifp_p, mc);
    if (error !== 0) {
      CURVNET_RESTORE(saved);
      return error;
    }
  }
  CURVNET_RESTORE(saved);
  return 0;
}

/** The flags we mirror on the parent, each with how to take a reference on
 *  it.  (IFF_ALLMULTI would be the second; nothing here sets it.) */
const vlan_pflags: { flag: number; func: (ifp: ifnet, on: number) => number }[] = [{ flag: IFF_PROMISC, func: ifpromisc }];

/** vlan_setflag: bring our hold on the parent's flag in line with our own
 *  flag (status 1), or drop it (status 0). */
function vlan_setflag(ifp: ifnet, flag: number, status: number, func: (ifp: ifnet, on: number) => number): number {
  const ifv = ifp.if_softc as ifvlan;
  const want = status !== 0 ? ifp.if_flags & flag : 0;
  if (want !== (ifv.ifv_pflags & flag)) {
    const error = func(PARENT(ifv), want);
    if (error !== 0) return error;
    ifv.ifv_pflags &= ~flag;
    ifv.ifv_pflags |= want;
  }
  return 0;
}

function vlan_setflags(ifp: ifnet, status: number): number {
  for (const p of vlan_pflags) {
    const error = vlan_setflag(ifp, p.flag, status, p.func);
    if (error !== 0) return error;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Events from the parents.

/** vlan_ifevent: a parent's new baudrate goes to its vlans. */
function vlan_ifevent(ifp: ifnet, event: number): void {
  if (event !== IFNET_EVENT_UPDATE_BAUDRATE) return;
  const trunk = trunk_of(ifp);
  if (trunk === null) return;
  vlan_foreach(trunk, (ifv) => {
    ifv.ifv_ifp.if_baudrate = ifp.if_baudrate;
  });
}

/** vlan_iflladdr: a parent's new link address goes to its vlans (applied
 *  from a task, as if_setlladdr comes back through our ioctl). */
function vlan_iflladdr(ifp: ifnet): void {
  const trunk = trunk_of(ifp);
  if (trunk === null) return;
  vlan_foreach(trunk, (ifv) => {
    const sdl = (ifv.ifv_ifp.if_addr as ifaddr).ifa_addr as sockaddr_dl;
    if (sdl.sdl_lladdr.length !== ifp.if_addrlen) sdl.sdl_lladdr = new Uint8Array(ifp.if_addrlen);
    sdl.sdl_lladdr.set(IF_LLADDR(ifp).subarray(0, ifp.if_addrlen));
    taskqueue_enqueue(ifv.lladdr_task);
  });
}

/**
 * vlan_ifdetach: a parent is going away (destroyed, or moved to another
 * vnet): its vlans are unconfigured and stay, without a parent.  A rename
 * is not a departure.
 */
function vlan_ifdetach(ifp: ifnet): void {
  if ((ifp.if_flags & IFF_RENAMING) !== 0) return;
  let trunk = trunk_of(ifp);
  while (trunk !== null) {
    let first: ifvlan | null = null;
    for (let i = 0; i < VLAN_ARRAY_SIZE && first === null; i++) first = trunk.vlans[i];
    KASSERT(first !== null, "vlan_ifdetach: empty trunk");
    vlan_unconfig_locked(first.ifv_ifp, 1);
    trunk = trunk_of(ifp);
  }
}

/** vlan_link_state: a parent's carrier change goes to its vlans. */
function vlan_link_state(ifp: ifnet): void {
  const trunk = trunk_of(ifp);
  if (trunk === null) return;
  vlan_foreach(trunk, (ifv) => {
    ifv.ifv_ifp.if_baudrate = trunk.parent.if_baudrate;
    if_link_state_change(ifv.ifv_ifp, trunk.parent.if_link_state);
  });
}

// ---------------------------------------------------------------------------
// What other parts of the kernel may ask (VLAN_TRUNKDEV, VLAN_TAG, ...).

/** vlan_trunkdev: the parent of a vlan interface, or null. */
export function vlan_trunkdev(ifp: ifnet): ifnet | null {
  if (ifp.if_type !== IFT_L2VLAN) return null;
  const ifv = ifp.if_softc as ifvlan;
  return ifv.ifv_trunk !== null ? PARENT(ifv) : null;
}

/** vlan_tag: the VID of a vlan interface (EINVAL for anything else). */
export function vlan_tag(ifp: ifnet, vidp: { v: number }): number {
  if (ifp.if_type !== IFT_L2VLAN) return EINVAL;
  vidp.v = (ifp.if_softc as ifvlan).ifv_vid;
  return 0;
}

/** vlan_pcp: the priority of a vlan interface. */
export function vlan_pcp(ifp: ifnet, pcpp: { v: number }): number {
  if (ifp.if_type !== IFT_L2VLAN) return EINVAL;
  pcpp.v = (ifp.if_softc as ifvlan).ifv_pcp;
  return 0;
}

/** vlan_devat: the vlan of that VID on a parent, or null. */
export function vlan_devat(ifp: ifnet, vid: number): ifnet | null {
  const trunk = trunk_of(ifp);
  if (trunk === null) return null;
  const ifv = vlan_gethash(trunk, vid);
  return ifv !== null ? ifv.ifv_ifp : null;
}

// ---------------------------------------------------------------------------
// The cloner.

/**
 * vlan_clone_match_ethervid: a <parent>.<vid> name whose parent exists in
 * this vnet (the last dot splits it, so vlan5.42 and epair0a.5.42 nest).
 * Any digits, even none after the dot's first, are a VID here; the range is
 * vlan_config's business.
 */
function vlan_clone_match_ethervid(name: string): { ifp: ifnet; vid: number } | null {
  const ifname = name.slice(0, 15); // strlcpy into char[IFNAMSIZ]
  const dot = ifname.lastIndexOf(".");
  if (dot < 0) return null;
  const ifp = ifunit_ref(ifname.slice(0, dot));
  if (ifp === null) return null;
  const rest = ifname.slice(dot + 1);
  if (rest.length === 0) return null;
  let vid = 0;
  let i = 0;
  for (; i < rest.length && rest[i] >= "0" && rest[i] <= "9"; i++) vid = (vid * 10 + (rest.charCodeAt(i) - 48)) | 0;
  if (i !== rest.length) return null;
  return { ifp, vid };
}

/** vlan_clone_match: "vlan" with digits or nothing, or <parent>.<vid>. */
function vlan_clone_match(_ifc: if_clone, name: string): boolean {
  if (vlan_clone_match_ethervid(name) !== null) return true;
  if (!name.startsWith(vlanname)) return false;
  for (let i = vlanname.length; i < name.length; i++) if (name[i] < "0" || name[i] > "9") return false;
  return true;
}

/** A struct vlanreq, as SIOCIFCREATE2 and SIOCSETVLAN hand it over. */
function vlanreq_of(p: unknown): vlanreq | null {
  if (p === null || typeof p !== "object") return null;
  const r = p as Partial<vlanreq>;
  if (typeof r.vlr_parent !== "string" || typeof r.vlr_tag !== "number") return null;
  return { vlr_parent: r.vlr_parent, vlr_tag: r.vlr_tag & 0xffff, vlr_proto: (r.vlr_proto ?? 0) & 0xffff };
}

/**
 * vlan_clone_create: three ways to name one.  A parameter block (parent,
 * VID, protocol) configures it at once; "vlan" or "vlanN" takes a unit;
 * "<parent>.<vid>" takes parent and VID from the name and has no unit.
 */
function vlan_clone_create(ifc: if_clone, name: string, ifd: ifc_data): { error: number; ifp: ifnet | null } {
  let vid = 0;
  let proto = ETHERTYPE_VLAN;
  let p: ifnet | null = null;
  let unit: number;
  let wildcard = false;
  let subinterface = false;
  let error: number;

  if (ifd.params !== null) {
    const vlr = vlanreq_of(ifd.params);
    if (vlr === null) return { error: EINVAL, ifp: null }; // copyin of garbage
    vid = vlr.vlr_tag;
    proto = vlr.vlr_proto !== 0 ? vlr.vlr_proto : ETHERTYPE_VLAN;
    p = ifunit_ref(vlr.vlr_parent);
    if (p === null) return { error: ENXIO, ifp: null };
  }

  const u = ifc_name2unit(name);
  if (u.error === 0) {
    unit = u.unit;
    wildcard = unit < 0;
    error = 0;
  } else {
    const m = vlan_clone_match_ethervid(name);
    if (m !== null) {
      error = 0;
      subinterface = true;
      unit = IF_DUNIT_NONE;
      vid = m.vid;
      if (p !== null) {
        if (p !== m.ifp) error = EINVAL;
      } else p = m.ifp;
    } else {
      error = ENXIO;
      unit = -1;
    }
  }
  if (error !== 0) return { error, ifp: null };

  if (!subinterface) {
    const a = ifc_alloc_unit(ifc, unit);
    if (a.error !== 0) return { error: a.error, ifp: null };
    unit = a.unit;
  }
  if (wildcard) name = `${name}${unit}`;

  const ifp = if_alloc(IFT_ETHER);
  const ifv = new ifvlan(ifp);
  ifp.if_softc = ifv;
  // Named by hand: <parent>.<vid> does not follow name<unit>.
  ifp.if_xname = name;
  ifp.if_dname = vlanname;
  ifp.if_dunit = unit;
  ifp.if_init = vlan_init;
  ifp.if_transmit = vlan_transmit;
  ifp.if_qflush = vlan_qflush;
  ifp.if_ioctl = vlan_ioctl;
  ifp.if_flags = VLAN_IFFLAGS;
  ether_ifattach(ifp, new Uint8Array(6));
  // What ether_ifattach made Ethernet, we make a vlan.
  ifp.if_baudrate = 0;
  ifp.if_type = IFT_L2VLAN;
  ifp.if_hdrlen = ETHER_VLAN_ENCAP_LEN;
  ((ifp.if_addr as ifaddr).ifa_addr as sockaddr_dl).sdl_type = IFT_L2VLAN;

  if (p !== null) {
    error = vlan_config(ifv, p, vid, proto);
    if (error !== 0) {
      // Half made is not made: take it all back.
      ether_ifdetach(ifp);
      vlan_unconfig(ifp);
      if_free(ifp);
      if (!subinterface) ifc_free_unit(ifc, unit);
      return { error, ifp: null };
    }
  }
  return { error: 0, ifp };
}

/**
 * vlan_clone_destroy: EBUSY while other vlans sit on this one.  Departure:
 * when the cloner itself goes (IFC_F_FORCE, a vnet being torn down) the
 * vlans on top are let go of first; FreeBSD would retry the busy one for
 * ever.
 */
function vlan_clone_destroy(ifc: if_clone, ifp: ifnet, flags: number): number {
  const ifv = ifp.if_softc as ifvlan;
  const unit = ifp.if_dunit;
  if (trunk_of(ifp) !== null) {
    if ((flags & IFC_F_FORCE) === 0) return EBUSY;
    vlan_ifdetach(ifp);
  }
  ether_ifdetach(ifp);
  vlan_unconfig(ifp);
  taskqueue_cancel(ifv.lladdr_task);
  if_free(ifp);
  if (unit !== IF_DUNIT_NONE) ifc_free_unit(ifc, unit);
  return 0;
}

// ---------------------------------------------------------------------------
// The data path.

/** if_init: nothing to start. */
function vlan_init(_softc: unknown): void {}

/** if_qflush: no queue. */
function vlan_qflush(_ifp: ifnet): void {}

const tx_mp = new pfil_mbufp();

/**
 * vlan_transmit: a frame ether_output built for us.  BPF on the vlan sees
 * it untagged; then the tag goes in and the parent sends it, as
 * ether_output_frame would have.
 */
function vlan_transmit(ifp: ifnet, m: mbuf): number {
  const ifv = ifp.if_softc as ifvlan;
  const trunk = TRUNK(ifv);
  if (trunk === null) {
    if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
    m_freem(m);
    return ENETDOWN;
  }
  const p = trunk.parent;
  const len = m.m_pkthdr.len;
  const mcast = (m.m_flags & (M_MCAST | M_BCAST)) !== 0 ? 1 : 0;

  if (bpf_peers_present(ifp)) bpf_mtap(ifp, m);

  // A parent that is not up and running must not be handed frames.
  if (!UP_AND_RUNNING(p)) {
    if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
    m_freem(m);
    return ENETDOWN;
  }

  tx_mp.m = m;
  const ok = ether_8021q_frame(tx_mp, ifp, p, ifv.ifv_qtag);
  const tm = tx_mp.m;
  tx_mp.m = null;
  if (!ok || tm === null) {
    if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
    return 0;
  }

  const error = p.if_transmit(p, tm);
  if (error === 0) {
    if_inc_counter(ifp, IFCOUNTER_OPACKETS, 1);
    if_inc_counter(ifp, IFCOUNTER_OBYTES, len);
    if_inc_counter(ifp, IFCOUNTER_OMCASTS, mcast);
  } else if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
  return error;
}

/**
 * vlan_output: if_output.  The first parent that is not itself a vlan does
 * the link-layer work (ether_output), with us as the interface; wrapping
 * it here keeps a stale parent's method from ever being called.
 */
function vlan_output(ifp: ifnet, m: mbuf, dst: sockaddr, ro: route | null): number {
  let ifv = ifp.if_softc as ifvlan;
  let p: ifnet;
  do {
    if (TRUNK(ifv) === null) {
      m_freem(m);
      return ENETDOWN;
    }
    p = PARENT(ifv);
    ifv = p.if_softc as ifvlan;
  } while (p.if_type === IFT_L2VLAN);
  return p.if_output(ifp, m, dst, ro);
}

/**
 * vlan_input: a tagged frame from a trunk (ether_demux saw a non-zero VID).
 * The tag is in the packet header, or still in the frame for a driver that
 * left it there.  The vlan of that VID receives the frame, if it is up.
 */
function vlan_input(ifp: ifnet, m: mbuf): void {
  const trunk = trunk_of(ifp);
  if (trunk === null) {
    m_freem(m);
    return;
  }
  let tag: number;
  if ((m.m_flags & M_VLANTAG) !== 0) {
    tag = m.m_pkthdr.ether_vtag;
    m.m_flags &= ~M_VLANTAG;
  } else {
    switch (ifp.if_type) {
      case IFT_ETHER: {
        if (m.m_len < ETHER_VLAN_HDR_LEN) {
          const mm = m_pullup(m, ETHER_VLAN_HDR_LEN);
          if (mm === null) {
            printf(`${ifp.if_xname}: cannot pullup VLAN header\n`);
            return;
          }
          m = mm;
        }
        tag = m.m_dv.getUint16(m.m_data + evl_tag);
        // The addresses move over the tag; the inner EtherType is already
        // where the header's belongs.
        const o = m.m_data;
        m.m_buf.copyWithin(o + ETHER_VLAN_ENCAP_LEN, o, o + ETHER_HDR_LEN - ETHER_TYPE_LEN);
        m.m_data += ETHER_VLAN_ENCAP_LEN;
        m.m_len -= ETHER_VLAN_ENCAP_LEN;
        m.m_pkthdr.len -= ETHER_VLAN_ENCAP_LEN;
        break;
      }
      default:
        if_inc_counter(ifp, IFCOUNTER_NOPROTO, 1);
        m_freem(m);
        return;
    }
  }

  const vid = EVL_VLANOFTAG(tag);
  const ifv = vlan_gethash(trunk, vid);
  if (ifv === null || !UP_AND_RUNNING(ifv.ifv_ifp)) {
    if_inc_counter(ifp, IFCOUNTER_NOPROTO, 1);
    m_freem(m);
    return;
  }
  // (net.link.vlan.mtag_pcp, keeping the received priority in an m_tag, is
  // not offered: nothing above the link layer here reads it.)

  m.m_pkthdr.rcvif = ifv.ifv_ifp;
  if_inc_counter(ifv.ifv_ifp, IFCOUNTER_IPACKETS, 1);
  // Back through Ethernet input, as the vlan interface.
  ifv.ifv_ifp.if_input(ifv.ifv_ifp, m);
}

// ---------------------------------------------------------------------------
// Configuration.

/** The lladdr task: the address copied from the parent becomes ours for
 *  real (if_setlladdr tells ARP and the driver). */
function vlan_lladdr_fn(arg: unknown, _pending: number): void {
  const ifv = arg as ifvlan;
  const ifp = ifv.ifv_ifp;
  const saved = CURVNET_SET(ifp.if_vnet, "vlan_lladdr_fn");
  if_setlladdr(ifp, IF_LLADDR(ifp), ifp.if_addrlen);
  CURVNET_RESTORE(saved);
}

/** What `ifconfig` shows as media for a vlan: its parent's, while it has one. */
function vlan_media(ifp: ifnet): (() => string) | undefined {
  const ifv = ifp.if_softc as ifvlan;
  if (ifv.ifv_trunk === null) return undefined;
  const pm = if_media_hook.get(PARENT(ifv));
  return pm;
}

/**
 * vlan_config: attach ifv to parent p with VID vid and TPID proto.  A vlan
 * that has a parent is EBUSY (-vlandev first); VIDs 0 and 4095 are
 * reserved (EINVAL); a VID already on the trunk is EEXIST.  The parent must be Ethernet or a vlan, with
 * broadcast and multicast (EPROTONOSUPPORT).
 */
function vlan_config(ifv: ifvlan, p: ifnet, vid: number, proto: number): number {
  // Other hardware types will do if they tag in hardware.
  if (p.if_type !== IFT_ETHER && p.if_type !== IFT_L2VLAN && (p.if_capenable & IFCAP_VLAN_HWTAGGING) === 0) return EPROTONOSUPPORT;
  if ((p.if_flags & VLAN_IFFLAGS) !== VLAN_IFFLAGS) return EPROTONOSUPPORT;
  if (vid === 0 || vid === 0xfff || (vid & ~EVL_VLID_MASK) !== 0) return EINVAL;

  // A configured vlan keeps its parent, VID and protocol until -vlandev.
  if (ifv.ifv_trunk !== null) return EBUSY;

  let error = 0;
  let trunk = trunk_of(p);
  if (trunk === null) {
    trunk = new ifvlantrunk(p);
    if_vlantrunk.set(p, trunk);
    p.if_refcount++; // if_ref
  }

  ifv.ifv_qtag.vid = vid; // before vlan_inshash
  ifv.ifv_qtag.pcp = 0; // best effort
  error = vlan_inshash(trunk, ifv);
  if (error !== 0) {
    if (trunk.refcnt === 0) trunk_destroy(trunk);
    return error;
  }
  ifv.ifv_qtag.proto = proto;
  ifv.ifv_encaplen = ETHER_VLAN_ENCAP_LEN;
  ifv.ifv_mintu = ETHERMIN;
  ifv.ifv_pflags = 0;
  ifv.ifv_capenable = -1;

  // A parent that carries frames longer than ETHER_MAX_LEN keeps our MTU
  // whole; otherwise the tag comes out of it (not strictly 802.1Q, but it
  // interoperates).
  ifv.ifv_mtufudge = (p.if_capenable & IFCAP_VLAN_MTU) !== 0 ? 0 : ifv.ifv_encaplen;

  ifv.ifv_trunk = trunk;
  const ifp = ifv.ifv_ifp;
  ifp.if_mtu = p.if_mtu - ifv.ifv_mtufudge;
  ifp.if_baudrate = p.if_baudrate;
  ifp.if_input = p.if_input;
  ifp.if_addrlen = p.if_addrlen;
  ifp.if_broadcastaddr = p.if_broadcastaddr;
  ifp.if_pcp = ifv.ifv_pcp;
  // Through vlan_output, never a stale copy of the parent's if_output.
  ifp.if_output = vlan_output;
  // Of the parent's flags only IFF_SIMPLEX concerns us.
  ifp.if_flags &= ~IFF_SIMPLEX;
  ifp.if_flags |= p.if_flags & IFF_SIMPLEX;
  ifp.if_link_state = p.if_link_state;

  vlan_capabilities(ifv);

  const sdl = (ifp.if_addr as ifaddr).ifa_addr as sockaddr_dl;
  if (sdl.sdl_lladdr.length !== p.if_addrlen) sdl.sdl_lladdr = new Uint8Array(p.if_addrlen); // sdl_alen
  // Take the parent's address, unless it is the one we have (a new parent
  // with the same address spares every llentry an update).
  const pl = IF_LLADDR(p);
  const ml = IF_LLADDR(ifp);
  let same = true;
  for (let i = 0; i < p.if_addrlen; i++) if (pl[i] !== ml[i]) same = false;
  if (!same) {
    ml.set(pl.subarray(0, p.if_addrlen));
    // FreeBSD defers this to a thread that runs at once; a task here would
    // wait for the whole ifconfig command, after addresses it may add (and
    // announce them twice), so it runs now.
    vlan_lladdr_fn(ifv, 1);
  }

  const media = vlan_media(ifp);
  if (media !== undefined) if_media_hook.set(ifp, media);

  ifp.if_drv_flags |= IFF_DRV_RUNNING;
  vlan_setflags(ifp, 1);
  vlan_setmulti(ifp);
  return 0;
}

function vlan_unconfig(ifp: ifnet): void {
  vlan_unconfig_locked(ifp, 0);
}

/**
 * vlan_unconfig_locked: let go of the parent.  Our groups leave its filter
 * (unless it is departing and has dropped them already), our hold on its
 * flags is released, and the last vlan of a trunk takes the trunk away.
 */
function vlan_unconfig_locked(ifp: ifnet, departing: number): void {
  const ifv = ifp.if_softc as ifvlan;
  const trunk = ifv.ifv_trunk;
  let parent: ifnet | null = null;

  if (trunk !== null) {
    parent = trunk.parent;
    for (const mc of ifv.vlan_mc_listhead) {
      if (departing === 0) {
        const error = if_delmulti(parent, mc);
        if (error !== 0) printf(`${ifp.if_xname}: Failed to delete multicast address from parent: ${error}\n`);
      }
    }
    ifv.vlan_mc_listhead = [];
    vlan_setflags(ifp, 0);
    vlan_remhash(trunk, ifv);
    ifv.ifv_trunk = null;
    if (trunk.refcnt === 0) trunk_destroy(trunk);
  }

  if (ifv.ifv_pflags !== 0) printf(`${ifp.if_xname}: vlan_unconfig_locked: ifv_pflags unclean\n`);
  ifp.if_mtu = ETHERMTU;
  ifp.if_link_state = LINK_STATE_UNKNOWN;
  ifp.if_drv_flags &= ~IFF_DRV_RUNNING;
  if_media_hook.delete(ifp);
}

/**
 * vlan_capabilities: what the parent can do for tagged frames, we can do:
 * checksum offload when it tags in hardware too, TSO, link state.  (No
 * parent here offloads anything; the rules are kept for when one does.)
 */
function vlan_capabilities(ifv: ifvlan): void {
  const p = PARENT(ifv);
  const ifp = ifv.ifv_ifp;
  const IFCAP_VLAN_HWTSO = 0x40000;
  const IFCAP_LRO = 0x400;
  const CSUM_IP = 0x1;
  const CSUM_TCP = 0x2;
  const CSUM_UDP = 0x4;
  let cap = 0;
  let ena = 0;
  let hwa = 0;
  const mena = p.if_capenable & ifv.ifv_capenable;
  if ((p.if_capabilities & IFCAP_VLAN_HWCSUM) !== 0) cap |= p.if_capabilities & (IFCAP_HWCSUM | IFCAP_RXCSUM_IPV6 | IFCAP_TXCSUM_IPV6);
  if ((p.if_capenable & IFCAP_VLAN_HWCSUM) !== 0 && (p.if_capenable & IFCAP_VLAN_HWTAGGING) !== 0) {
    ena |= mena & (IFCAP_HWCSUM | IFCAP_RXCSUM_IPV6 | IFCAP_TXCSUM_IPV6);
    if ((ena & IFCAP_TXCSUM) !== 0) hwa |= p.if_hwassist & (CSUM_IP | CSUM_TCP | CSUM_UDP);
  }
  if ((p.if_capabilities & IFCAP_VLAN_HWTSO) !== 0) cap |= p.if_capabilities & IFCAP_TSO4;
  if ((p.if_capenable & IFCAP_VLAN_HWTSO) !== 0) ena |= mena & IFCAP_TSO4;
  if ((p.if_capabilities & IFCAP_VLAN_HWCSUM) !== 0) cap |= p.if_capabilities & IFCAP_LRO;
  if ((p.if_capenable & IFCAP_VLAN_HWCSUM) !== 0) ena |= p.if_capenable & IFCAP_LRO;
  cap |= p.if_capabilities & IFCAP_LINKSTATE;
  ena |= mena & IFCAP_LINKSTATE;
  ifp.if_capabilities = cap;
  ifp.if_capenable = ena;
  ifp.if_hwassist = hwa;
}

/**
 * vlan_ioctl.  SIOCSETVLAN/SIOCGETVLAN and the vlan's priority belong to
 * the vnet that made the vlan: a vlan lent to a jail cannot be pointed at
 * another parent or VID from inside it (EPERM).
 */
function vlan_ioctl(ifp: ifnet, cmd: number, data: ifreq | ifaddr): number {
  const ifr = data as ifreq;
  const ifv = ifp.if_softc as ifvlan;
  let error = 0;
  switch (cmd) {
    case SIOCSIFADDR: {
      ifp.if_flags |= IFF_UP;
      const ifa = data as ifaddr;
      if (ifa instanceof ifaddr && "sin_family" in ifa.ifa_addr && ifa.ifa_addr.sin_family === AF_INET) arp_ifinit(ifp, ifa);
      break;
    }
    case SIOCGIFADDR:
      ifr.ifr_lladdr = IF_LLADDR(ifp).slice(0, ifp.if_addrlen);
      break;
    case SIOCSIFMTU: {
      const trunk = TRUNK(ifv);
      const mtu = ifr.ifr_mtu ?? 0;
      if (trunk !== null) {
        if (mtu > PARENT(ifv).if_mtu - ifv.ifv_mtufudge || mtu < ifv.ifv_mintu - ifv.ifv_mtufudge) error = EINVAL;
        else ifp.if_mtu = mtu;
      } else error = EINVAL;
      break;
    }
    case SIOCSETVLAN: {
      if (VIMAGE && ifp.if_vnet !== ifp.if_home_vnet) {
        error = EPERM;
        break;
      }
      const vlr = vlanreq_of(ifr.ifr_params ?? null);
      if (vlr === null) {
        error = EINVAL; // copyin of nothing
        break;
      }
      if (vlr.vlr_parent === "") {
        vlan_unconfig(ifp);
        break;
      }
      const p = ifunit_ref(vlr.vlr_parent);
      if (p === null) {
        error = ENOENT;
        break;
      }
      const proto = vlr.vlr_proto !== 0 ? vlr.vlr_proto : ETHERTYPE_VLAN;
      const oldmtu = ifp.if_mtu;
      error = vlan_config(ifv, p, vlr.vlr_tag, proto);
      // Adding the parent may have changed the MTU: routes follow.
      if (ifp.if_mtu !== oldmtu) if_mtu_changed_hook?.(ifp);
      break;
    }
    case SIOCGETVLAN: {
      if (VIMAGE && ifp.if_vnet !== ifp.if_home_vnet) {
        error = EPERM;
        break;
      }
      const vlr: vlanreq = { vlr_parent: "", vlr_tag: 0, vlr_proto: 0 };
      if (TRUNK(ifv) !== null) {
        vlr.vlr_parent = PARENT(ifv).if_xname;
        vlr.vlr_tag = ifv.ifv_vid;
        vlr.vlr_proto = ifv.ifv_proto;
      }
      ifr.ifr_params = vlr;
      break;
    }
    case SIOCSIFFLAGS:
      // Flags the parent must share (promiscuous mode).
      if (TRUNK(ifv) !== null) error = vlan_setflags(ifp, 1);
      break;
    case SIOCADDMULTI:
    case SIOCDELMULTI:
      // Without a parent the membership is only remembered, for when we
      // have one.
      if (TRUNK(ifv) !== null) error = vlan_setmulti(ifp);
      break;
    case SIOCGVLANPCP:
      if (VIMAGE && ifp.if_vnet !== ifp.if_home_vnet) {
        error = EPERM;
        break;
      }
      ifr.ifr_vlan_pcp = ifv.ifv_pcp;
      // SIOCGLANPCP is the same request: its reader finds it there too.
      ifr.ifr_lan_pcp = ifv.ifv_pcp;
      break;
    case SIOCSVLANPCP: {
      if (VIMAGE && ifp.if_vnet !== ifp.if_home_vnet) {
        error = EPERM;
        break;
      }
      // (PRIV_NET_SETVLANPCP is checked by ifioctl on the way here.)
      const pcp = ifr.ifr_vlan_pcp ?? ifr.ifr_lan_pcp ?? 0;
      if (pcp > VLAN_PCP_MAX || pcp < 0) {
        error = EINVAL;
        break;
      }
      ifv.ifv_qtag.pcp = pcp;
      ifp.if_pcp = pcp;
      for (const f of ifnet_event) f(ifp, IFNET_EVENT_PCP);
      break;
    }
    default:
      error = EINVAL;
  }
  return error;
}

// ---------------------------------------------------------------------------
// Module and per-vnet cloner.

function vlan_modevent(_mod: module, type: number, _data: unknown): number {
  switch (type) {
    case MOD_LOAD:
      ifnet_departure_event.push(vlan_ifdetach);
      iflladdr_event.push(vlan_iflladdr);
      ifnet_event.push(vlan_ifevent);
      set_vlan_input_hook(vlan_input);
      set_vlan_link_state_p(vlan_link_state);
      if (!VIMAGE) vlan_cloner_attach();
      break;
    case MOD_UNLOAD: {
      if (!VIMAGE) vlan_cloner_detach();
      const drop = <T>(list: T[], f: T) => {
        const i = list.indexOf(f);
        if (i >= 0) list.splice(i, 1);
      };
      drop(ifnet_departure_event, vlan_ifdetach);
      drop(iflladdr_event, vlan_iflladdr);
      drop(ifnet_event, vlan_ifevent);
      set_vlan_input_hook(null);
      set_vlan_link_state_p(null);
      break;
    }
  }
  return 0;
}

function vlan_cloner_attach(): void {
  VNET_PTR_SET(vlan_cloner, ifc_attach_cloner(vlanname, { match_f: vlan_clone_match, create_f: vlan_clone_create, destroy_f: vlan_clone_destroy }));
}

function vlan_cloner_detach(): void {
  const ifc = VNET_PTR(vlan_cloner);
  if (ifc !== null) ifc_detach_cloner(ifc);
  VNET_PTR_SET(vlan_cloner, null);
}

DECLARE_MODULE({ name: "if_vlan", evhand: vlan_modevent, priv: null }, SI_SUB_PSEUDO, SI_ORDER_ANY);
MODULE_VERSION("if_vlan", 3);

function vnet_vlan_init(): void {
  if (VIMAGE) vlan_cloner_attach();
}
VNET_SYSINIT("vnet_vlan_init", SI_SUB_PROTO_IFATTACHDOMAIN, SI_ORDER_ANY, vnet_vlan_init);

function vnet_vlan_uninit(): void {
  if (VIMAGE) vlan_cloner_detach();
}
VNET_SYSUNINIT("vnet_vlan_uninit", SI_SUB_INIT_IF, SI_ORDER_ANY, vnet_vlan_uninit);

/** The qtag of a vlan interface, for tests and tools (read-only view). */
export function vlan_qtag(ifp: ifnet): { proto: number; vid: number; pcp: number } | null {
  if (ifp.if_type !== IFT_L2VLAN) return null;
  const q = (ifp.if_softc as ifvlan).ifv_qtag;
  return { proto: q.proto, vid: q.vid, pcp: q.pcp };
}
