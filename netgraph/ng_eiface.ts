// sys/netgraph/ng_eiface.c, sys/netgraph/ng_eiface.h: the "eiface" node
// type, a virtual Ethernet interface whose wire is a netgraph hook.  Making
// the node (`ngctl mkpeer eiface ether ether`) makes an interface ngethN,
// and the node takes its name.  What the stack sends on the interface leaves
// by the "ether" hook; what arrives on the hook enters the interface's
// if_input, in whatever vnet the interface lives in now.
//
// This is how jails are wired with netgraph: `ifconfig ngeth0 vnet J` moves
// the interface into the jail while the node stays in the vnet that made
// it, where the graph is built.  Shutting the node down detaches and frees
// the interface, wherever it is.
//
// Departures: ifmedia is a fixed table (autoselect, active 1000baseT
// full-duplex while the hook is connected), described to ifconfig through
// if_media_hook; the send queue (if_snd) is kept in the softc, as our
// struct ifnet models no queue; ng_send_fn runs the start routine at once,
// in the node's vnet (no node queue without SMP).

import { IFM_ACTIVE, IFM_AUTO, IFM_AVALID, IFM_ETHER } from "../net/if_media.ts";
import { EINVAL, EISCONN, ENETDOWN, ENOBUFS, ENOSPC, EOPNOTSUPP, EPFNOSUPPORT } from "../kern/errno.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { SI_ORDER_ANY, SI_SUB_DRIVERS, SI_SUB_INIT_IF, SI_SUB_PSEUDO } from "../kern/kernel.ts";
import { DECLARE_MODULE, MOD_LOAD, MOD_UNLOAD } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { M_MCAST, type mbuf } from "../kern/mbuf.ts";
import { AF_INET, AF_LINK, type sockaddr } from "../kern/socket.ts";
import { log } from "../kern/subr_prf.ts";
import { m_pullup } from "../kern/uipc_mbuf.ts";
import { m_tag_delete_chain } from "../kern/uipc_mbuf2.ts";
import { bpf_mtap, bpf_peers_present } from "../net/bpf.ts";
import { ETHER_ADDR_LEN, ETHER_HDR_LEN, ETHER_MAX_LEN_JUMBO } from "../net/ethernet.ts";
import {
  IFCAP_JUMBO_MTU,
  IFCAP_VLAN_MTU,
  IFCOUNTER_IPACKETS,
  IFCOUNTER_OBYTES,
  IFCOUNTER_OERRORS,
  IFCOUNTER_OMCASTS,
  IFCOUNTER_OPACKETS,
  IFCOUNTER_OQDROPS,
  IFF_BROADCAST,
  IFF_DRV_OACTIVE,
  IFF_DRV_RUNNING,
  IFF_MONITOR,
  IFF_MULTICAST,
  IFF_SIMPLEX,
  IFF_UP,
  IFNAMSIZ,
  LINK_STATE_DOWN,
  LINK_STATE_UP,
  SIOCADDMULTI,
  SIOCDELMULTI,
  SIOCGIFADDR,
  SIOCGIFMEDIA,
  SIOCSIFADDR,
  SIOCSIFFLAGS,
  SIOCSIFMTU,
  if_alloc,
  if_free,
  if_inc_counter,
  if_initname,
  if_link_state_change,
  if_media_hook,
  if_setlladdr,
  type ifaddr,
  type ifnet,
  type ifreq,
} from "../net/if.ts";
import { IFT_ETHER, type sockaddr_dl } from "../net/if_dl.ts";
import { ether_gen_addr, ether_ifattach, ether_ifdetach, ether_ioctl, ether_output } from "../net/if_ethersubr.ts";
import { CURVNET_RESTORE, CURVNET_SET_QUIET, VNET_DEFINE_PTR, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT, type vnet } from "../net/vnet.ts";
import { HK_TO_INBOUND, NGM_FLOW_COOKIE, NGM_LINK_IS_DOWN, NGM_LINK_IS_UP, NG_ABI_VERSION, NG_MKRESPONSE, ng_putstr, type ng_mesg } from "./netgraph.ts";
import { ng_parse_enaddr_type, ng_parse_string_type, type ng_cmdlist } from "./ng_parse.ts";
import {
  NGI_GET_M,
  NGI_GET_MSG,
  NG_FREE_ITEM,
  NG_NODE_IS_VALID,
  NG_RESPOND_MSG,
  NG_OUTBOUND_THREAD_REF,
  NG_OUTBOUND_THREAD_UNREF,
  NG_SEND_DATA_ONLY,
  ng_name_node,
  ng_newtype,
  ng_unref_node,
  type ng_hook,
  type ng_item,
  type ng_node,
  type ng_type,
} from "./ng_base.ts";

const LOG_WARNING = 4;

export const NG_EIFACE_NODE_TYPE = "eiface";
export const NGM_EIFACE_COOKIE = 948105892;
export const NG_EIFACE_EIFACE_NAME = "ngeth";
export const NG_EIFACE_HOOK_ETHER = "ether";
export const NG_EIFACE_MTU_MIN = 72;
export const NG_EIFACE_MTU_MAX = ETHER_MAX_LEN_JUMBO;
export const NG_EIFACE_MTU_DEFAULT = 1500;

export const NGM_EIFACE_GET_IFNAME = 1;
export const NGM_EIFACE_GET_IFADDRS = 2;
export const NGM_EIFACE_SET = 3;

/** net.link.ifqmaxlen's default (IFQ_MAXLEN). */
const ifqmaxlen = 50;

/** struct ng_eiface_private. */
export class ng_eiface_private {
  /** ifmedia's current word: autoselect, the only one ever chosen. */
  media_cur = IFM_ETHER | IFM_AUTO;
  /** Fake link status: IFM_AVALID, IFM_ACTIVE while "ether" is connected. */
  link_status = 0;
  unit = -1;
  ether: ng_hook | null = null;
  // ifp->if_snd: the send queue, linked by m_nextpkt.
  snd_head: mbuf | null = null;
  snd_tail: mbuf | null = null;
  snd_len = 0;
  constructor(
    readonly ifp: ifnet,
    readonly node: ng_node,
  ) {}
}

function softc(ifp: ifnet): ng_eiface_private {
  return ifp.if_softc as ng_eiface_private;
}

// ---------------------------------------------------------------------------
// V_ng_eiface_unit: unit numbers, per vnet (new_unrhdr(0, 0xffff)).

const ng_eiface_unit = VNET_DEFINE_PTR<Set<number> | null>("ng_eiface_unit", null);

function alloc_unr(): number {
  const used = VNET_PTR(ng_eiface_unit);
  if (used === null) return -1;
  for (let u = 0; u <= 0xffff; u++) {
    if (!used.has(u)) {
      used.add(u);
      return u;
    }
  }
  return -1;
}

function free_unr(v: vnet | null, unit: number): void {
  const saved = v === null ? null : CURVNET_SET_QUIET(v, "ng_eiface free_unr");
  VNET_PTR(ng_eiface_unit)?.delete(unit);
  if (v !== null) CURVNET_RESTORE(saved);
}

// ---------------------------------------------------------------------------
// The interface.

function ng_eiface_ioctl(ifp: ifnet, command: number, data: ifreq | ifaddr): number {
  let error = 0;
  const ifr = data as ifreq;
  switch (command) {
    case SIOCSIFADDR:
      error = ether_ioctl(ifp, command, data);
      break;
    case SIOCGIFADDR:
      break;
    case SIOCSIFFLAGS:
      // Up and stopped: start it; down and running: stop it.
      if ((ifp.if_flags & IFF_UP) !== 0) {
        if ((ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) {
          ifp.if_drv_flags &= ~IFF_DRV_OACTIVE;
          ifp.if_drv_flags |= IFF_DRV_RUNNING;
        }
      } else if ((ifp.if_drv_flags & IFF_DRV_RUNNING) !== 0) {
        ifp.if_drv_flags &= ~(IFF_DRV_RUNNING | IFF_DRV_OACTIVE);
      }
      break;
    case SIOCSIFMTU: {
      const mtu = ifr.ifr_mtu ?? 0;
      if (mtu > NG_EIFACE_MTU_MAX || mtu < NG_EIFACE_MTU_MIN) error = EINVAL;
      else ifp.if_mtu = mtu;
      break;
    }
    case SIOCGIFMEDIA:
      ifr.ifr_media = ng_eiface_media_text(ifp);
      break;
    case SIOCADDMULTI:
    case SIOCDELMULTI:
      // Nothing to program: every frame reaches the hook.
      error = 0;
      break;
    default:
      error = EINVAL;
      break;
  }
  return error;
}

function ng_eiface_init(xsc: unknown): void {
  const ifp = (xsc as ng_eiface_private).ifp;
  ifp.if_drv_flags |= IFF_DRV_RUNNING;
  ifp.if_drv_flags &= ~IFF_DRV_OACTIVE;
}

/** IF_DEQUEUE(&ifp->if_snd). */
function snd_dequeue(priv: ng_eiface_private): mbuf | null {
  const m = priv.snd_head;
  if (m === null) return null;
  priv.snd_head = m.m_nextpkt;
  if (priv.snd_head === null) priv.snd_tail = null;
  m.m_nextpkt = null;
  priv.snd_len--;
  return m;
}

/** ng_eiface_start2: relay the send queue to the "ether" hook. */
function ng_eiface_start2(priv: ng_eiface_private): void {
  const ifp = priv.ifp;
  if ((ifp.if_flags & IFF_UP) === 0 || (ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) return;
  for (;;) {
    const m = snd_dequeue(priv);
    if (m === null) break;
    m_tag_delete_chain(m, null);
    if (bpf_peers_present(ifp)) bpf_mtap(ifp, m);
    if ((ifp.if_flags & IFF_MONITOR) !== 0) {
      if_inc_counter(ifp, IFCOUNTER_IPACKETS, 1);
      m_freem(m);
      continue;
    }
    // An unconnected hook frees the frame.
    NG_OUTBOUND_THREAD_REF();
    let error: number;
    try {
      error = NG_SEND_DATA_ONLY(priv.ether, m);
    } finally {
      NG_OUTBOUND_THREAD_UNREF();
    }
    if (error === 0) if_inc_counter(ifp, IFCOUNTER_OPACKETS, 1);
    else if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
  }
  ifp.if_drv_flags &= ~IFF_DRV_OACTIVE;
}

/**
 * ng_eiface_start (if_start): unless output is active already, hand the
 * queue to the node (ng_send_fn).  Frames that come back to this interface
 * while it sends (a reply through a loop of nodes) join the queue and go
 * out from the same loop.
 */
function ng_eiface_start(ifp: ifnet): void {
  const priv = softc(ifp);
  if ((ifp.if_drv_flags & IFF_DRV_OACTIVE) !== 0) return;
  ifp.if_drv_flags |= IFF_DRV_OACTIVE;
  const node = priv.node;
  if (!NG_NODE_IS_VALID(node)) {
    ifp.if_drv_flags &= ~IFF_DRV_OACTIVE;
    return;
  }
  const saved = CURVNET_SET_QUIET(node.nd_vnet as vnet, "ng_send_fn");
  ng_eiface_start2(priv);
  CURVNET_RESTORE(saved);
}

/**
 * if_transmit for a driver with if_start (if.c's if_transmit_default,
 * IFQ_HANDOFF): enqueue, count the bytes, start the driver unless it is
 * busy; a full queue drops (OQDROPS, ENOBUFS).
 */
function ng_eiface_transmit(ifp: ifnet, m: mbuf): number {
  const priv = softc(ifp);
  const len = m.m_pkthdr.len;
  const mflags = m.m_flags;
  if (priv.snd_len >= ifp.if_snd_maxlen) {
    m_freem(m);
    if_inc_counter(ifp, IFCOUNTER_OQDROPS, 1);
    return ENOBUFS;
  }
  m.m_nextpkt = null;
  if (priv.snd_tail === null) priv.snd_head = m;
  else priv.snd_tail.m_nextpkt = m;
  priv.snd_tail = m;
  priv.snd_len++;
  if_inc_counter(ifp, IFCOUNTER_OBYTES, len);
  if ((mflags & M_MCAST) !== 0) if_inc_counter(ifp, IFCOUNTER_OMCASTS, 1);
  if ((ifp.if_drv_flags & IFF_DRV_OACTIVE) === 0) ng_eiface_start(ifp);
  return 0;
}

/** if_qflush: drop what waits in the send queue. */
function ng_eiface_qflush(ifp: ifnet): void {
  const priv = softc(ifp);
  for (let m = snd_dequeue(priv); m !== null; m = snd_dequeue(priv)) m_freem(m);
}

/** ng_eiface_mediastatus, as ifconfig prints it: the current word, and
 *  the active one in parentheses when they differ. */
function ng_eiface_media_text(ifp: ifnet): string {
  const priv = softc(ifp);
  if (priv.media_cur === (IFM_ETHER | IFM_AUTO) && (priv.link_status & IFM_ACTIVE) !== 0) {
    // ifm_active: IFM_ETHER | IFM_1000_T | IFM_FDX.
    return "Ethernet autoselect (1000baseT <full-duplex>)";
  }
  return "Ethernet autoselect";
}

// ---------------------------------------------------------------------------
// Node methods.

/** The constructor: a new ngethN in curvnet, named like the node. */
function ng_eiface_constructor(node: ng_node): number {
  const ifp = if_alloc(IFT_ETHER);
  const priv = new ng_eiface_private(ifp, node);
  ifp.if_softc = priv;
  priv.unit = alloc_unr();
  if (priv.unit < 0) {
    // (alloc_unr sleeps for a unit in FreeBSD; 65536 of them here.)
    if_free(ifp);
    return ENOSPC;
  }
  node.nd_private = priv;

  if_initname(ifp, NG_EIFACE_EIFACE_NAME, priv.unit);
  ifp.if_init = ng_eiface_init;
  ifp.if_output = ether_output;
  ifp.if_ioctl = ng_eiface_ioctl;
  ifp.if_snd_maxlen = ifqmaxlen;
  ifp.if_flags = IFF_SIMPLEX | IFF_BROADCAST | IFF_MULTICAST;
  ifp.if_capabilities = IFCAP_VLAN_MTU | IFCAP_JUMBO_MTU;
  ifp.if_capenable = IFCAP_VLAN_MTU | IFCAP_JUMBO_MTU;
  priv.media_cur = IFM_ETHER | IFM_AUTO;
  priv.link_status = IFM_AVALID;

  if (ng_name_node(node, ifp.if_xname) !== 0) log(LOG_WARNING, `${ifp.if_xname}: can't acquire netgraph name\n`);

  const eaddr = new Uint8Array(ETHER_ADDR_LEN);
  ether_gen_addr(ifp, eaddr);
  ether_ifattach(ifp, eaddr);
  // After ether_ifattach, which installs its own defaults.
  ifp.if_transmit = ng_eiface_transmit;
  ifp.if_qflush = ng_eiface_qflush;
  ifp.if_baudrate = 1000 * 1000 * 1000;
  if_media_hook.set(ifp, () => ng_eiface_media_text(ifp));
  return 0;
}

function ng_eiface_newhook(node: ng_node, hook: ng_hook, name: string): number {
  const priv = node.nd_private as ng_eiface_private;
  const ifp = priv.ifp;
  if (name !== NG_EIFACE_HOOK_ETHER) return EPFNOSUPPORT;
  if (priv.ether !== null) return EISCONN;
  priv.ether = hook;
  hook.hk_flags |= HK_TO_INBOUND;
  priv.link_status |= IFM_ACTIVE;
  const saved = CURVNET_SET_QUIET(ifp.if_vnet, "ng_eiface_newhook");
  if_link_state_change(ifp, LINK_STATE_UP);
  CURVNET_RESTORE(saved);
  return 0;
}

/** SA_SIZE: a sockaddr's room, rounded up to a long. */
function SA_SIZE(len: number): number {
  return len === 0 ? 8 : 1 + ((len - 1) | 7);
}

/** The bytes of one of the interface's addresses, as if_addrhead holds it. */
function sockaddr_bytes(ifp: ifnet, sa: sockaddr): Uint8Array {
  if ("sdl_index" in sa) {
    const sdl = sa as sockaddr_dl;
    // if_attach sizes the link address for name and address, at least a
    // struct sockaddr_dl (54 bytes), rounded up to a long.
    const name = new TextEncoder().encode(sdl.sdl_data);
    const len = (Math.max(8 + name.length + sdl.sdl_alen, 54) + 7) & ~7;
    const b = new Uint8Array(SA_SIZE(len));
    b[0] = len;
    b[1] = AF_LINK;
    b[2] = sdl.sdl_index & 0xff;
    b[3] = (sdl.sdl_index >> 8) & 0xff;
    b[4] = sdl.sdl_type;
    b[5] = name.length;
    b[6] = sdl.sdl_alen;
    b[7] = 0;
    b.set(name.subarray(0, b.length - 8), 8);
    b.set(sdl.sdl_lladdr.subarray(0, Math.max(0, b.length - 8 - name.length)), 8 + name.length);
    return b;
  }
  if ("sin_addr" in sa) {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    b[0] = 16;
    b[1] = AF_INET;
    dv.setUint16(2, sa.sin_port ?? 0, false);
    dv.setUint32(4, sa.sin_addr >>> 0, false);
    return b;
  }
  void ifp;
  const b = new Uint8Array(SA_SIZE(sa.sa_len));
  b[0] = sa.sa_len;
  b[1] = sa.sa_family;
  return b;
}

function ng_eiface_rcvmsg(node: ng_node, item: ng_item, _lasthook: ng_hook | null): number {
  const priv = node.nd_private as ng_eiface_private;
  const ifp = priv.ifp;
  const msg = NGI_GET_MSG(item);
  let resp: ng_mesg | null = null;
  let error = 0;
  if (msg === null) {
    NG_FREE_ITEM(item);
    return EINVAL;
  }
  switch (msg.header.typecookie) {
    case NGM_EIFACE_COOKIE:
      switch (msg.header.cmd) {
        case NGM_EIFACE_SET:
          if (msg.header.arglen !== ETHER_ADDR_LEN || msg.data.length < ETHER_ADDR_LEN) {
            error = EINVAL;
            break;
          }
          error = if_setlladdr(ifp, msg.data.subarray(0, ETHER_ADDR_LEN), ETHER_ADDR_LEN);
          break;
        case NGM_EIFACE_GET_IFNAME:
          resp = NG_MKRESPONSE(msg, IFNAMSIZ);
          ng_putstr(resp.data, 0, IFNAMSIZ, ifp.if_xname);
          break;
        case NGM_EIFACE_GET_IFADDRS: {
          const parts = ifp.if_addrhead.map((ifa) => sockaddr_bytes(ifp, ifa.ifa_addr));
          resp = NG_MKRESPONSE(
            msg,
            parts.reduce((n, p) => n + p.length, 0),
          );
          let off = 0;
          for (const p of parts) {
            resp.data.set(p, off);
            off += p.length;
          }
          break;
        }
        default:
          error = EINVAL;
          break;
      }
      break;
    case NGM_FLOW_COOKIE: {
      const saved = CURVNET_SET_QUIET(ifp.if_vnet, "ng_eiface_rcvmsg");
      switch (msg.header.cmd) {
        case NGM_LINK_IS_UP:
          priv.link_status |= IFM_ACTIVE;
          if_link_state_change(ifp, LINK_STATE_UP);
          break;
        case NGM_LINK_IS_DOWN:
          priv.link_status &= ~IFM_ACTIVE;
          if_link_state_change(ifp, LINK_STATE_DOWN);
          break;
      }
      CURVNET_RESTORE(saved);
      break;
    }
    default:
      error = EINVAL;
      break;
  }
  if (resp !== null && error === 0) NG_RESPOND_MSG(node, item, resp);
  else NG_FREE_ITEM(item);
  return error;
}

/** A frame from the hook: received on the interface (ether_input, which
 *  switches to the interface's vnet). */
function ng_eiface_rcvdata(hook: ng_hook, item: ng_item): number {
  const priv = hook.hk_node.nd_private as ng_eiface_private;
  const ifp = priv.ifp;
  let m = NGI_GET_M(item);
  NG_FREE_ITEM(item);
  if (m === null) return 0;
  if ((ifp.if_flags & IFF_UP) === 0 || (ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) {
    m_freem(m);
    return ENETDOWN;
  }
  if (m.m_len < ETHER_HDR_LEN) {
    m = m_pullup(m, ETHER_HDR_LEN);
    if (m === null) return EINVAL;
  }
  m.m_pkthdr.rcvif = ifp;
  if_inc_counter(ifp, IFCOUNTER_IPACKETS, 1);
  ifp.if_input(ifp, m);
  return 0;
}

/** Shutdown: the interface goes, from whatever vnet it is in now. */
function ng_eiface_rmnode(node: ng_node): number {
  const priv = node.nd_private as ng_eiface_private;
  const ifp = priv.ifp;
  const saved = CURVNET_SET_QUIET(ifp.if_vnet, "ng_eiface_rmnode");
  ether_ifdetach(ifp);
  ng_eiface_qflush(ifp);
  if_media_hook.delete(ifp);
  if_free(ifp);
  CURVNET_RESTORE(saved);
  free_unr(node.nd_vnet, priv.unit);
  node.nd_private = null;
  ng_unref_node(node);
  return 0;
}

function ng_eiface_disconnect(hook: ng_hook): number {
  const priv = hook.hk_node.nd_private as ng_eiface_private | null;
  if (priv === null) return 0;
  priv.ether = null;
  priv.link_status &= ~IFM_ACTIVE;
  const saved = CURVNET_SET_QUIET(priv.ifp.if_vnet, "ng_eiface_disconnect");
  if_link_state_change(priv.ifp, LINK_STATE_DOWN);
  CURVNET_RESTORE(saved);
  return 0;
}

function ng_eiface_mod_event(_mod: unknown, event: number, _data: unknown): number {
  switch (event) {
    case MOD_LOAD:
    case MOD_UNLOAD:
      return 0;
    default:
      return EOPNOTSUPP;
  }
}

/** The commands with an ASCII form (getifaddrs has none). */
const ng_eiface_cmdlist: readonly ng_cmdlist[] = [
  { cookie: NGM_EIFACE_COOKIE, cmd: NGM_EIFACE_GET_IFNAME, name: "getifname", mesgType: null, respType: ng_parse_string_type },
  { cookie: NGM_EIFACE_COOKIE, cmd: NGM_EIFACE_SET, name: "set", mesgType: ng_parse_enaddr_type, respType: null },
];

export const ng_eiface_typestruct: ng_type = {
  version: NG_ABI_VERSION,
  name: NG_EIFACE_NODE_TYPE,
  mod_event: ng_eiface_mod_event,
  constructor: ng_eiface_constructor,
  rcvmsg: ng_eiface_rcvmsg,
  shutdown: ng_eiface_rmnode,
  newhook: ng_eiface_newhook,
  rcvdata: ng_eiface_rcvdata,
  disconnect: ng_eiface_disconnect,
  cmdlist: ng_eiface_cmdlist,
};

function vnet_ng_eiface_init(): void {
  VNET_PTR_SET(ng_eiface_unit, new Set<number>());
}
VNET_SYSINIT("vnet_ng_eiface_init", SI_SUB_PSEUDO, SI_ORDER_ANY, vnet_ng_eiface_init);

function vnet_ng_eiface_uninit(): void {
  VNET_PTR_SET(ng_eiface_unit, null);
}
VNET_SYSUNINIT("vnet_ng_eiface_uninit", SI_SUB_INIT_IF, SI_ORDER_ANY, vnet_ng_eiface_uninit);

/** The type registers itself when the module loads (NETGRAPH_INIT). */
ng_newtype(ng_eiface_typestruct);
// NETGRAPH_INIT(eiface, ...): module "ng_eiface" at SI_SUB_DRIVERS, SI_ORDER_ANY;
// built into this kernel, as ng_hub is.
DECLARE_MODULE({ name: "ng_eiface", evhand: null, priv: null }, SI_SUB_DRIVERS, SI_ORDER_ANY);
MODULE_VERSION("ng_eiface", 1);
