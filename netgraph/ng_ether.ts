// sys/netgraph/ng_ether.c, sys/netgraph/ng_ether.h: the "ether" node type.
// Every Ethernet interface gets a node named after it (hung on if_l2com),
// through which netgraph can tap the interface at two points:
//
//   lower   frames off the wire go here instead of into the stack; frames
//           written here are transmitted (ether_output_frame), with our
//           source address put in when autoSrcAddr is set.  "divert" is
//           another name for it.
//   upper   frames the stack sends (ether_output) go here instead of to the
//           driver; frames written here enter the stack as if received
//           (ether_demux, rcvif = the interface).
//   orphans like lower, but only for frames no protocol wanted.
//
// Nobody makes these nodes: the type's constructor refuses.  The node is
// made when the interface attaches (ether_ifattach calls ng_ether_attach),
// follows it into another vnet (ether_reassign), and goes with it (a node
// asked to shut down only forgets its hooks and promiscuous mode; it really
// dies when the interface detaches, or with the "detach" message).
//
// As in FreeBSD the type lives in a module loaded on demand (ng_ether.ko):
// `kldload ng_ether` makes the nodes for the Ethernet interfaces of every
// vnet, and unloading is refused (EBUSY) while any node exists.
//

import { EADDRINUSE, EBUSY, EEXIST, EINVAL, EISCONN, ENETDOWN, ENOBUFS, EOPNOTSUPP } from "../kern/errno.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { SI_ORDER_ANY, SI_SUB_DRIVERS, SI_SUB_PSEUDO } from "../kern/kernel.ts";
import { DECLARE_MODULE, MOD_LOAD, MOD_UNLOAD, type module } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { M_WRITABLE, type mbuf } from "../kern/mbuf.ts";
import { KASSERT, log, panic } from "../kern/subr_prf.ts";
import { m_pullup } from "../kern/uipc_mbuf.ts";
import { ETHER_ADDR_LEN, ETHER_HDR_LEN, ether_shost } from "../net/ethernet.ts";
import {
  IFF_DRV_RUNNING,
  IFF_UP,
  IFNAMSIZ,
  LINK_STATE_DOWN,
  LINK_STATE_UP,
  V_ifnet,
  if_addmulti,
  if_delmulti,
  if_findmulti,
  if_setlladdr,
  ifnet_arrival_event,
  ifpromisc,
  set_ng_ether_link_state_p,
  type ifnet,
} from "../net/if.ts";
import { IFT_ETHER, IFT_L2VLAN } from "../net/if_dl.ts";
import { IF_LLADDR, ether_demux, ether_output_frame, set_ng_ether_hooks } from "../net/if_ethersubr.ts";
import type { pfil_mbufp } from "../net/pfil.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_FOREACH, VNET_SYSINIT } from "../net/vnet.ts";
import { HK_HI_STACK, HK_TO_INBOUND, NGF_REALLY_DIE, NG_ABI_VERSION, NG_MKMESSAGE, NG_MKRESPONSE, NGM_FLOW_COOKIE, NGM_LINK_IS_DOWN, NGM_LINK_IS_UP, ng_putstr, type ng_mesg } from "./netgraph.ts";
import { ng_parse_enaddr_type, ng_parse_int32_type, ng_parse_string_type, type ng_cmdlist } from "./ng_parse.ts";
import {
  NGI_GET_M,
  NGI_GET_MSG,
  NG_FREE_ITEM,
  NG_NODE_IS_VALID,
  NG_NODE_NUMHOOKS,
  NG_NODE_REVIVE,
  NG_RESPOND_MSG,
  NG_OUTBOUND_THREAD_REF,
  NG_OUTBOUND_THREAD_UNREF,
  NG_SEND_DATA_ONLY,
  NG_SEND_MSG_ID,
  ng_findtype,
  ng_make_node_common,
  ng_name2noderef,
  ng_name_node,
  ng_newtype,
  ng_rmnode_self,
  ng_rmtype,
  ng_unref_node,
  type ng_hook,
  type ng_item,
  type ng_node,
  type ng_type,
} from "./ng_base.ts";

const LOG_ERR = 3;
const LOG_WARNING = 4;

export const NG_ETHER_NODE_TYPE = "ether";
export const NGM_ETHER_COOKIE = 917786906;

export const NG_ETHER_HOOK_LOWER = "lower";
export const NG_ETHER_HOOK_UPPER = "upper";
export const NG_ETHER_HOOK_DIVERT = "divert";
export const NG_ETHER_HOOK_ORPHAN = "orphans";

export const NGM_ETHER_GET_IFNAME = 1;
export const NGM_ETHER_GET_IFINDEX = 2;
export const NGM_ETHER_GET_ENADDR = 3;
export const NGM_ETHER_SET_ENADDR = 4;
export const NGM_ETHER_GET_PROMISC = 5;
export const NGM_ETHER_SET_PROMISC = 6;
export const NGM_ETHER_GET_AUTOSRC = 7;
export const NGM_ETHER_SET_AUTOSRC = 8;
export const NGM_ETHER_ADD_MULTI = 9;
export const NGM_ETHER_DEL_MULTI = 10;
export const NGM_ETHER_DETACH = 11;

/** struct private. */
export class ng_ether_private {
  /** The interface; null once it has detached. */
  ifp: ifnet | null = null;
  upper: ng_hook | null = null;
  lower: ng_hook | null = null;
  orphan: ng_hook | null = null;
  autoSrcAddr = 0;
  promisc = 0;
  /** The interface's if_hwassist, put back when "upper" goes. */
  hwassist = 0;
}

/** IFP2NG: the node of an interface. */
function IFP2NG(ifp: ifnet): ng_node | null {
  return ifp.if_l2com as ng_node | null;
}

function node_priv(node: ng_node): ng_ether_private {
  return node.nd_private as ng_ether_private;
}

/** ng_ether_sanitize_ifname: '.' and ':' cannot be in a node name. */
function ng_ether_sanitize_ifname(ifname: string): string {
  return ifname.replace(/[.:]/g, "_").slice(0, IFNAMSIZ - 1);
}

// ---------------------------------------------------------------------------
// The hooks if_ethersubr.ts calls.

/** ng_ether_input: a received frame, before the stack sees it.  With
 *  "lower" connected netgraph takes it. */
function ng_ether_input(ifp: ifnet, mp: pfil_mbufp): void {
  const node = IFP2NG(ifp);
  if (node === null) return;
  const priv = node_priv(node);
  const m = mp.m;
  if (priv.lower === null || m === null) return;
  mp.m = null;
  NG_SEND_DATA_ONLY(priv.lower, m);
}

/** ng_ether_input_orphan: a frame no protocol wanted; freed unless
 *  "orphans" is connected. */
function ng_ether_input_orphan(ifp: ifnet, m: mbuf): void {
  const node = IFP2NG(ifp);
  const priv = node === null ? null : node_priv(node);
  if (priv === null || priv.orphan === null) {
    m_freem(m);
    return;
  }
  NG_SEND_DATA_ONLY(priv.orphan, m);
}

/** ng_ether_output: a frame the stack sends, header on; "upper" takes it. */
function ng_ether_output(ifp: ifnet, mp: pfil_mbufp): number {
  const node = IFP2NG(ifp);
  if (node === null) return 0;
  const priv = node_priv(node);
  const m = mp.m;
  if (priv.upper === null || m === null) return 0;
  mp.m = null;
  NG_OUTBOUND_THREAD_REF();
  try {
    return NG_SEND_DATA_ONLY(priv.upper, m);
  } finally {
    NG_OUTBOUND_THREAD_UNREF();
  }
}

/** ng_ether_attach: a node for a new Ethernet interface, in curvnet.  Not
 *  when a node of its name exists already: an eiface's own node has it. */
export function ng_ether_attach(ifp: ifnet): void {
  const name = ng_ether_sanitize_ifname(ifp.if_xname);
  if (ng_name2noderef(null, name) !== null) return;
  KASSERT(IFP2NG(ifp) === null, "ng_ether_attach: node already exists?");
  const r = ng_make_node_common(ng_ether_typestruct);
  if (r.node === null) {
    log(LOG_ERR, `ng_ether_attach: can't create node for ${ifp.if_xname}\n`);
    return;
  }
  const node = r.node;
  const priv = new ng_ether_private();
  node.nd_private = priv;
  priv.ifp = ifp;
  ifp.if_l2com = node;
  priv.hwassist = ifp.if_hwassist;
  if (ng_name_node(node, name) !== 0) log(LOG_WARNING, `ng_ether_attach: can't name node ${name}\n`);
}

/** ng_ether_detach: the interface is going; the node really dies. */
export function ng_ether_detach(ifp: ifnet): void {
  const node = IFP2NG(ifp);
  if (node === null) return;
  const priv = node_priv(node);
  node.nd_flags |= NGF_REALLY_DIE;
  // Shutdown must not touch an interface that may be gone by then.
  ifp.if_l2com = null;
  priv.ifp = null;
  ng_rmnode_self(node);
}

/** ng_ether_link_state: tell what is on "lower" and "orphans" that the
 *  carrier came or went. */
function ng_ether_link_state(ifp: ifnet, state: number): void {
  const node = IFP2NG(ifp);
  if (node === null) return;
  const priv = node_priv(node);
  let cmd: number;
  if (state === LINK_STATE_UP) cmd = NGM_LINK_IS_UP;
  else if (state === LINK_STATE_DOWN) cmd = NGM_LINK_IS_DOWN;
  else return;
  // NG_SEND_MSG_HOOK: to the node across the hook (same vnet, direct).
  for (const hook of [priv.lower, priv.orphan]) {
    const peer = hook === null ? null : hook.hk_peer;
    if (peer !== null) NG_SEND_MSG_ID(NG_MKMESSAGE(NGM_FLOW_COOKIE, cmd, 0), peer.hk_node.nd_ID, 0);
  }
}

/** ng_ether_ifnet_arrival_event: a renamed interface renames its node (new
 *  interfaces get theirs from ng_ether_attach). */
function ng_ether_ifnet_arrival_event(ifp: ifnet): void {
  if (ifp.if_type !== IFT_ETHER && ifp.if_type !== IFT_L2VLAN) return;
  const node = IFP2NG(ifp);
  if (node === null) return;
  const name = ng_ether_sanitize_ifname(ifp.if_xname);
  if (ng_name_node(node, name) !== 0) log(LOG_WARNING, `ng_ether_ifnet_arrival_event: can't re-name node ${name}\n`);
}

// ---------------------------------------------------------------------------
// Node methods.

/** Nodes come only from interfaces attaching. */
function ng_ether_constructor(_node: ng_node): number {
  return EINVAL;
}

function ng_ether_newhook(node: ng_node, hook: ng_hook, name: string): number {
  const priv = node_priv(node);
  if (name === NG_ETHER_HOOK_DIVERT) name = NG_ETHER_HOOK_LOWER;
  let which: "upper" | "lower" | "orphan";
  if (name === NG_ETHER_HOOK_UPPER) {
    which = "upper";
    hook.hk_rcvdata = ng_ether_rcv_upper;
    hook.hk_flags |= HK_TO_INBOUND;
  } else if (name === NG_ETHER_HOOK_LOWER) {
    which = "lower";
    hook.hk_rcvdata = ng_ether_rcv_lower;
  } else if (name === NG_ETHER_HOOK_ORPHAN) {
    which = "orphan";
    hook.hk_rcvdata = ng_ether_rcv_lower;
  } else return EINVAL;
  if (priv[which] !== null) return EISCONN;
  // No checksum offload while the stack's frames may leave through "upper".
  if (which === "upper" && priv.ifp !== null) priv.ifp.if_hwassist = 0;
  hook.hk_flags |= HK_HI_STACK;
  priv[which] = hook;
  return 0;
}

function ng_ether_rcvmsg(node: ng_node, item: ng_item, _lasthook: ng_hook | null): number {
  const priv = node_priv(node);
  const msg = NGI_GET_MSG(item);
  let resp: ng_mesg | null = null;
  let error = 0;
  const ifp = priv.ifp;
  if (msg === null || msg.header.typecookie !== NGM_ETHER_COOKIE || ifp === null) {
    NG_FREE_ITEM(item);
    return EINVAL;
  }
  const dv = new DataView(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
  switch (msg.header.cmd) {
    case NGM_ETHER_GET_IFNAME:
      resp = NG_MKRESPONSE(msg, IFNAMSIZ);
      ng_putstr(resp.data, 0, IFNAMSIZ, ifp.if_xname);
      break;
    case NGM_ETHER_GET_IFINDEX:
      resp = NG_MKRESPONSE(msg, 4);
      new DataView(resp.data.buffer).setUint32(0, ifp.if_index >>> 0, true);
      break;
    case NGM_ETHER_GET_ENADDR:
      resp = NG_MKRESPONSE(msg, ETHER_ADDR_LEN);
      resp.data.set(IF_LLADDR(ifp).subarray(0, ETHER_ADDR_LEN));
      break;
    case NGM_ETHER_SET_ENADDR:
      if (msg.header.arglen !== ETHER_ADDR_LEN || msg.data.length < ETHER_ADDR_LEN) {
        error = EINVAL;
        break;
      }
      error = if_setlladdr(ifp, msg.data.subarray(0, ETHER_ADDR_LEN), ETHER_ADDR_LEN);
      break;
    case NGM_ETHER_GET_PROMISC:
      resp = NG_MKRESPONSE(msg, 4);
      new DataView(resp.data.buffer).setUint32(0, priv.promisc, true);
      break;
    case NGM_ETHER_SET_PROMISC: {
      if (msg.header.arglen !== 4 || msg.data.length < 4) {
        error = EINVAL;
        break;
      }
      const want = dv.getUint32(0, true) !== 0 ? 1 : 0;
      if ((want ^ priv.promisc) !== 0) {
        error = ifpromisc(ifp, want);
        if (error !== 0) break;
        priv.promisc = want;
      }
      break;
    }
    case NGM_ETHER_GET_AUTOSRC:
      resp = NG_MKRESPONSE(msg, 4);
      new DataView(resp.data.buffer).setUint32(0, priv.autoSrcAddr, true);
      break;
    case NGM_ETHER_SET_AUTOSRC:
      if (msg.header.arglen !== 4 || msg.data.length < 4) {
        error = EINVAL;
        break;
      }
      priv.autoSrcAddr = dv.getUint32(0, true) !== 0 ? 1 : 0;
      break;
    case NGM_ETHER_ADD_MULTI: {
      if (msg.header.arglen !== ETHER_ADDR_LEN || msg.data.length < ETHER_ADDR_LEN) {
        error = EINVAL;
        break;
      }
      // Netgraph keeps no handle on the membership, so it may join a
      // group only once.
      const addr = msg.data.subarray(0, ETHER_ADDR_LEN);
      if (if_findmulti(ifp, addr) !== null) error = EADDRINUSE;
      else error = if_addmulti(ifp, addr);
      break;
    }
    case NGM_ETHER_DEL_MULTI:
      if (msg.header.arglen !== ETHER_ADDR_LEN || msg.data.length < ETHER_ADDR_LEN) {
        error = EINVAL;
        break;
      }
      error = if_delmulti(ifp, msg.data.subarray(0, ETHER_ADDR_LEN));
      break;
    case NGM_ETHER_DETACH:
      ng_ether_detach(ifp);
      break;
    default:
      error = EINVAL;
      break;
  }
  if (resp !== null && error === 0) NG_RESPOND_MSG(node, item, resp);
  else NG_FREE_ITEM(item);
  return error;
}

/** Every hook has its own receive method; this one is never reached. */
function ng_ether_rcvdata(_hook: ng_hook, item: ng_item): number {
  NG_FREE_ITEM(item);
  panic("ng_ether_rcvdata: weird hook");
}

/** A frame written on "lower" or "orphans": out on the wire. */
function ng_ether_rcv_lower(hook: ng_hook, item: ng_item): number {
  const priv = node_priv(hook.hk_node);
  let m = NGI_GET_M(item);
  NG_FREE_ITEM(item);
  if (m === null) return 0;
  const ifp = priv.ifp;
  if (ifp === null || (ifp.if_flags & IFF_UP) === 0 || (ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) {
    m_freem(m);
    return ENETDOWN;
  }
  if (m.m_pkthdr.len < ETHER_HDR_LEN) {
    m_freem(m);
    return EINVAL;
  }
  if (m.m_len < ETHER_HDR_LEN) {
    m = m_pullup(m, ETHER_HDR_LEN);
    if (m === null) return ENOBUFS;
  }
  if (priv.autoSrcAddr !== 0) {
    // A header in a shared cluster is copied out before we write it.
    if (!M_WRITABLE(m)) {
      m = m_pullup(m, ETHER_HDR_LEN);
      if (m === null) return ENOBUFS;
    }
    const lla = IF_LLADDR(ifp);
    for (let i = 0; i < ETHER_ADDR_LEN; i++) m.m_buf[m.m_data + ether_shost + i] = lla[i];
  }
  return ether_output_frame(ifp, m);
}

/** A frame written on "upper": into the stack as if it had come in. */
function ng_ether_rcv_upper(hook: ng_hook, item: ng_item): number {
  const priv = node_priv(hook.hk_node);
  let m = NGI_GET_M(item);
  NG_FREE_ITEM(item);
  if (m === null) return 0;
  const ifp = priv.ifp;
  if (ifp === null) {
    // The interface went while the frame was on its way.
    m_freem(m);
    return ENETDOWN;
  }
  if (m.m_pkthdr.len < ETHER_HDR_LEN) {
    m_freem(m);
    return EINVAL;
  }
  if (m.m_len < ETHER_HDR_LEN) {
    m = m_pullup(m, ETHER_HDR_LEN);
    if (m === null) return ENOBUFS;
  }
  m.m_pkthdr.rcvif = ifp;
  // if_bridge(4) would get the frame first here (BRIDGE_INPUT).
  ether_demux(ifp, m);
  return 0;
}

/** Shutdown: only a detaching interface's node goes; otherwise the node
 *  stays, with promiscuous mode off. */
function ng_ether_shutdown(node: ng_node): number {
  const priv = node_priv(node);
  if ((node.nd_flags & NGF_REALLY_DIE) !== 0) {
    node.nd_private = null;
    if (priv.ifp !== null) priv.ifp.if_l2com = null;
    ng_unref_node(node);
    return 0;
  }
  if (priv.promisc !== 0 && priv.ifp !== null) {
    ifpromisc(priv.ifp, 0);
    priv.promisc = 0;
  }
  NG_NODE_REVIVE(node);
  return 0;
}

function ng_ether_disconnect(hook: ng_hook): number {
  const node = hook.hk_node;
  const priv = node_priv(node);
  if (hook === priv.upper) {
    priv.upper = null;
    if (priv.ifp !== null) priv.ifp.if_hwassist = priv.hwassist;
  } else if (hook === priv.lower) priv.lower = null;
  else if (hook === priv.orphan) priv.orphan = null;
  else panic("ng_ether_disconnect: weird hook");
  // The last hook gone resets the node (it survives, see shutdown).
  if (NG_NODE_NUMHOOKS(node) === 0 && NG_NODE_IS_VALID(node)) ng_rmnode_self(node);
  return 0;
}

// ---------------------------------------------------------------------------
// Initialization.

/** The commands and their ASCII forms. */
const ng_ether_cmdlist: readonly ng_cmdlist[] = [
  { cookie: NGM_ETHER_COOKIE, cmd: NGM_ETHER_GET_IFNAME, name: "getifname", mesgType: null, respType: ng_parse_string_type },
  { cookie: NGM_ETHER_COOKIE, cmd: NGM_ETHER_GET_IFINDEX, name: "getifindex", mesgType: null, respType: ng_parse_int32_type },
  { cookie: NGM_ETHER_COOKIE, cmd: NGM_ETHER_GET_ENADDR, name: "getenaddr", mesgType: null, respType: ng_parse_enaddr_type },
  { cookie: NGM_ETHER_COOKIE, cmd: NGM_ETHER_SET_ENADDR, name: "setenaddr", mesgType: ng_parse_enaddr_type, respType: null },
  { cookie: NGM_ETHER_COOKIE, cmd: NGM_ETHER_GET_PROMISC, name: "getpromisc", mesgType: null, respType: ng_parse_int32_type },
  { cookie: NGM_ETHER_COOKIE, cmd: NGM_ETHER_SET_PROMISC, name: "setpromisc", mesgType: ng_parse_int32_type, respType: null },
  { cookie: NGM_ETHER_COOKIE, cmd: NGM_ETHER_GET_AUTOSRC, name: "getautosrc", mesgType: null, respType: ng_parse_int32_type },
  { cookie: NGM_ETHER_COOKIE, cmd: NGM_ETHER_SET_AUTOSRC, name: "setautosrc", mesgType: ng_parse_int32_type, respType: null },
  { cookie: NGM_ETHER_COOKIE, cmd: NGM_ETHER_ADD_MULTI, name: "addmulti", mesgType: ng_parse_enaddr_type, respType: null },
  { cookie: NGM_ETHER_COOKIE, cmd: NGM_ETHER_DEL_MULTI, name: "delmulti", mesgType: ng_parse_enaddr_type, respType: null },
  { cookie: NGM_ETHER_COOKIE, cmd: NGM_ETHER_DETACH, name: "detach", mesgType: null, respType: null },
];

export const ng_ether_typestruct: ng_type = {
  version: NG_ABI_VERSION,
  name: NG_ETHER_NODE_TYPE,
  mod_event: ng_ether_mod_event,
  constructor: ng_ether_constructor,
  rcvmsg: ng_ether_rcvmsg,
  shutdown: ng_ether_shutdown,
  newhook: ng_ether_newhook,
  rcvdata: ng_ether_rcvdata,
  disconnect: ng_ether_disconnect,
  cmdlist: ng_ether_cmdlist,
};

let hooks_registered = false;

/** The type's own module event: the if_ethersubr.ts hook pointers. */
function ng_ether_mod_event(_mod: unknown, event: number, _data: unknown): number {
  switch (event) {
    case MOD_LOAD:
      if (hooks_registered) return EEXIST;
      set_ng_ether_hooks({ input: ng_ether_input, input_orphan: ng_ether_input_orphan, output: ng_ether_output, attach: ng_ether_attach, detach: ng_ether_detach });
      set_ng_ether_link_state_p(ng_ether_link_state);
      ifnet_arrival_event.push(ng_ether_ifnet_arrival_event);
      hooks_registered = true;
      return 0;
    case MOD_UNLOAD:
      // No node is left when we are asked (ng_mod_event checked).
      set_ng_ether_hooks(null);
      set_ng_ether_link_state_p(null);
      ifnet_arrival_event.splice(ifnet_arrival_event.indexOf(ng_ether_ifnet_arrival_event), 1);
      hooks_registered = false;
      return 0;
    default:
      return EOPNOTSUPP;
  }
}

/** vnet_ng_ether_init: nodes for the Ethernet interfaces a vnet has. */
function vnet_ng_ether_init(): void {
  if (!hooks_registered) return;
  for (const ifp of V_ifnet().slice()) if (ifp.if_type === IFT_ETHER || ifp.if_type === IFT_L2VLAN) if (IFP2NG(ifp) === null) ng_ether_attach(ifp);
}
VNET_SYSINIT("vnet_ng_ether_init", SI_SUB_PSEUDO, SI_ORDER_ANY, vnet_ng_ether_init);

/**
 * NETGRAPH_INIT(ether, ...)'s module event (ng_mod_event): register the
 * type, then the type's own event.  Unloading is refused while any node
 * of the type exists, in any vnet: every Ethernet interface holds one.
 */
function ng_ether_modevent(mod: module, what: number, data: unknown): number {
  const tp = ng_ether_typestruct;
  switch (what) {
    case MOD_LOAD: {
      let error = ng_newtype(tp);
      if (error !== 0) return error;
      error = ng_ether_mod_event(mod, what, data);
      if (error !== 0) {
        ng_rmtype(tp);
        return error;
      }
      // The file's VNET_SYSINIT runs on every vnet that exists when it is
      // linked in: the code is in the bundle already, so do it here.
      VNET_FOREACH((v) => {
        const saved = CURVNET_SET(v, "ng_ether_modevent");
        vnet_ng_ether_init();
        CURVNET_RESTORE(saved);
      });
      return 0;
    }
    case MOD_UNLOAD: {
      if (ng_findtype(tp.name) !== tp) return 0;
      if ((tp.refs ?? 0) > 0) return EBUSY;
      const error = ng_ether_mod_event(mod, what, data);
      if (error !== 0) return error;
      return ng_rmtype(tp);
    }
    default:
      return EOPNOTSUPP;
  }
}

DECLARE_MODULE({ name: "ng_ether", evhand: ng_ether_modevent, priv: null }, SI_SUB_DRIVERS, SI_ORDER_ANY, "ng_ether.ko");
MODULE_VERSION("ng_ether", 1, "ng_ether.ko");
