// sys/netgraph/ng_base.c: nodes, hooks, types, addressing, the generic
// control messages, and the per-vnet node namespaces.
//
// Departures from FreeBSD: no locks and no SMP, so there is no reader/writer
// node queue: data (NG_SEND_DATA_ONLY) and messages are delivered directly
// and synchronously to the destination node, with its nd_vnet current;
// responses go synchronously to the return address's rcvmsg.  The one queue
// is for depth: data nested more than NG_MAX_DEPTH deliveries deep waits for
// the next tick (FreeBSD queues it for ngthread when the stack runs low), so
// a loop of hubs or bridges is a storm in virtual time, not a stack overflow.
// Node and hook references are plain JavaScript references (no nd_refs
// counting).  Items are reused from a free list so forwarding data allocates
// nothing.

import { EADDRINUSE, EEXIST, EINVAL, ENOENT, ENOSYS, ENOTCONN, ENXIO } from "../kern/errno.ts";
import { SI_ORDER_FIRST, SI_SUB_NETGRAPH } from "../kern/kernel.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { panic } from "../kern/subr_prf.ts";
import { callout, callout_reset, callout_stop } from "../kern/kern_timeout.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_PTR, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT, curvnet, type vnet } from "../net/vnet.ts";
import { TASK_INIT, taskqueue_enqueue } from "../kern/subr_taskqueue.ts";
import {
  HK_INVALID,
  HK_QUEUE,
  HK_TO_INBOUND,
  LINKINFO_SIZE,
  NGF_INVALID,
  NGF_RESP,
  NGF_REALLY_DIE,
  NGF_CLOSING,
  NGM_CONNECT,
  ng_mesg_hdr_enc,
  ng_mesg_hdr_dec,
  NG_MESG_HDRLEN,
  NG_CMDSTRSIZ,
  NGM_TEXT_STATUS,
  NGM_TEXT_CONFIG,
  NGM_BINARY2ASCII,
  NGM_ASCII2BINARY,
  NGM_GENERIC_COOKIE,
  NGM_LISTHOOKS,
  NGM_LISTNAMES,
  NGM_LISTNODES,
  NGM_LISTTYPES,
  NGM_MKPEER,
  NGM_NAME,
  NGM_NODEINFO,
  NGM_RMHOOK,
  NGM_SHUTDOWN,
  NGM_CONNECT_SIZE,
  NGM_MKPEER_SIZE,
  NGM_NAME_SIZE,
  NGM_RMHOOK_SIZE,
  NG_ABI_VERSION,
  NG_HOOKSIZ,
  NG_MKRESPONSE,
  NG_NODESIZ,
  NG_PATHSIZ,
  NG_TYPESIZ,
  NODEINFO_SIZE,
  TYPEINFO_SIZE,
  ng_getstr,
  ng_putstr,
  ng_strfits,
  ngm_connect_dec,
  ngm_mkpeer_dec,
  nodeinfo_enc,
  ng_mesg,
} from "./netgraph.ts";
import {
  ng_parse,
  ng_parse_array_type,
  ng_parse_cbuf,
  ng_parse_get_u32,
  ng_parse_hint32_type,
  ng_parse_hookbuf_type,
  ng_parse_ng_mesg_type,
  ng_parse_nodebuf_type,
  ng_parse_pathbuf_type,
  ng_parse_string_type,
  ng_parse_struct_type,
  ng_parse_typebuf_type,
  ng_parse_uint32_type,
  ng_unparse,
  type ng_cmdlist,
  type ng_intp,
  type ng_parse_array_info,
  type ng_parse_struct_field,
  type ng_parse_type,
} from "./ng_parse.ts";

// ---------------------------------------------------------------------------
// struct ng_type, ng_node, ng_hook, ng_item

export interface ng_type {
  version: number;
  name: string;
  mod_event?: (mod: unknown, what: number, data: unknown) => number;
  /** Required (null for "none"): an object literal would otherwise inherit
   *  Object.prototype.constructor under this name. */
  constructor: ((node: ng_node) => number) | null;
  rcvmsg?: (node: ng_node, item: ng_item, lasthook: ng_hook | null) => number;
  close?: (node: ng_node) => number;
  shutdown?: (node: ng_node) => number;
  newhook?: (node: ng_node, hook: ng_hook, name: string) => number;
  findhook?: (node: ng_node, name: string) => ng_hook | null;
  connect?: (hook: ng_hook) => number;
  rcvdata?: (hook: ng_hook, item: ng_item) => number;
  disconnect?: (hook: ng_hook) => number;
  /** The type's commands and the parse types of their arguments, for
   *  NGM_ASCII2BINARY and NGM_BINARY2ASCII (ng_parse.ts). */
  cmdlist?: readonly ng_cmdlist[];
  /** Number of nodes of this type, all vnets (refs in FreeBSD). */
  refs?: number;
}

export class ng_node {
  nd_name = "";
  nd_type: ng_type;
  nd_flags = 0;
  nd_numhooks = 0;
  nd_private: unknown = null;
  nd_ID = 0;
  nd_hooks: ng_hook[] = [];
  nd_vnet: vnet | null;
  constructor(type: ng_type, v: vnet | null) {
    this.nd_type = type;
    this.nd_vnet = v;
  }
}

export class ng_hook {
  hk_name = "";
  hk_private: unknown = null;
  hk_flags = 0;
  hk_peer: ng_hook | null = null;
  hk_node: ng_node;
  hk_rcvmsg: ng_type["rcvmsg"] | null = null;
  hk_rcvdata: ng_type["rcvdata"] | null = null;
  constructor(node: ng_node) {
    this.hk_node = node;
  }
}

export const NGQF_MESG = 0;
export const NGQF_DATA = 1;

/** item_p: one datagram or message on its way to a node. */
export class ng_item {
  el_flags = NGQF_DATA;
  el_dest: ng_node | null = null;
  el_hook: ng_hook | null = null;
  m: mbuf | null = null;
  msg: ng_mesg | null = null;
  retaddr = 0;
  next: ng_item | null = null;
}

let item_free: ng_item | null = null;

function ng_alloc_item(type: number): ng_item {
  let it = item_free;
  if (it !== null) {
    item_free = it.next;
    it.next = null;
  } else it = new ng_item();
  it.el_flags = type;
  return it;
}

/** NG_FREE_ITEM: frees what the item still carries, returns it to the pool. */
export function NG_FREE_ITEM(item: ng_item): void {
  if (item.m !== null) m_freem(item.m);
  item.m = null;
  item.msg = null;
  item.el_dest = null;
  item.el_hook = null;
  item.retaddr = 0;
  item.next = item_free;
  item_free = item;
}

/** NGI_GET_M: take the mbuf out of the item. */
export function NGI_GET_M(item: ng_item): mbuf | null {
  const m = item.m;
  item.m = null;
  return m;
}
/** NGI_GET_MSG: take the message out of the item. */
export function NGI_GET_MSG(item: ng_item): ng_mesg | null {
  const msg = item.msg;
  item.msg = null;
  return msg;
}

export function NG_NODE_IS_VALID(node: ng_node): boolean {
  return (node.nd_flags & NGF_INVALID) === 0;
}
export function NG_HOOK_IS_VALID(hook: ng_hook): boolean {
  return (hook.hk_flags & HK_INVALID) === 0;
}
export function NG_NODE_NUMHOOKS(node: ng_node): number {
  return node.nd_numhooks;
}

// ---------------------------------------------------------------------------
// Parse types of the generic messages' arguments (ng_message.h's
// NG_GENERIC_*_INFO) and the generic command list.

function DEFINE_PARSE_STRUCT_TYPE(fields: ng_parse_struct_field[]): ng_parse_type {
  return { supertype: ng_parse_struct_type, info: fields };
}

export const ng_generic_mkpeer_type = DEFINE_PARSE_STRUCT_TYPE([
  { name: "type", type: ng_parse_typebuf_type },
  { name: "ourhook", type: ng_parse_hookbuf_type },
  { name: "peerhook", type: ng_parse_hookbuf_type },
]);
export const ng_generic_connect_type = DEFINE_PARSE_STRUCT_TYPE([
  { name: "path", type: ng_parse_pathbuf_type },
  { name: "ourhook", type: ng_parse_hookbuf_type },
  { name: "peerhook", type: ng_parse_hookbuf_type },
]);
export const ng_generic_name_type = DEFINE_PARSE_STRUCT_TYPE([{ name: "name", type: ng_parse_nodebuf_type }]);
export const ng_generic_rmhook_type = DEFINE_PARSE_STRUCT_TYPE([{ name: "hook", type: ng_parse_hookbuf_type }]);
export const ng_generic_nodeinfo_type = DEFINE_PARSE_STRUCT_TYPE([
  { name: "name", type: ng_parse_nodebuf_type },
  { name: "type", type: ng_parse_typebuf_type },
  { name: "id", type: ng_parse_hint32_type },
  { name: "hooks", type: ng_parse_uint32_type },
]);
export const ng_generic_typeinfo_type = DEFINE_PARSE_STRUCT_TYPE([
  { name: "typename", type: ng_parse_typebuf_type },
  { name: "numnodes", type: ng_parse_uint32_type },
]);
export const ng_generic_linkinfo_type = DEFINE_PARSE_STRUCT_TYPE([
  { name: "ourhook", type: ng_parse_hookbuf_type },
  { name: "peerhook", type: ng_parse_hookbuf_type },
  { name: "nodeinfo", type: ng_generic_nodeinfo_type },
]);

/** The length of struct namelist's and struct typelist's arrays: the 32-bit
 *  count just before them. */
function ng_generic_list_getLength(type: ng_parse_type, b: Uint8Array, start: number, buf: number): number {
  return ng_parse_get_u32(b, buf - 4);
}

/** The length of struct hooklist's link array: its nodeinfo.hooks. */
function ng_generic_linkinfo_getLength(type: ng_parse_type, b: Uint8Array, start: number, buf: number): number {
  return ng_parse_get_u32(b, start + NG_NODESIZ + NG_TYPESIZ + 4);
}

const ng_nodeinfoarray_type_info: ng_parse_array_info = { elementType: ng_generic_nodeinfo_type, getLength: ng_generic_list_getLength };
const ng_generic_nodeinfoarray_type: ng_parse_type = { supertype: ng_parse_array_type, info: ng_nodeinfoarray_type_info };
const ng_typeinfoarray_type_info: ng_parse_array_info = { elementType: ng_generic_typeinfo_type, getLength: ng_generic_list_getLength };
const ng_generic_typeinfoarray_type: ng_parse_type = { supertype: ng_parse_array_type, info: ng_typeinfoarray_type_info };
const ng_generic_linkinfo_array_type_info: ng_parse_array_info = { elementType: ng_generic_linkinfo_type, getLength: ng_generic_linkinfo_getLength };
const ng_generic_linkinfo_array_type: ng_parse_type = { supertype: ng_parse_array_type, info: ng_generic_linkinfo_array_type_info };

export const ng_generic_typelist_type = DEFINE_PARSE_STRUCT_TYPE([
  { name: "numtypes", type: ng_parse_uint32_type },
  { name: "typeinfo", type: ng_generic_typeinfoarray_type },
]);
export const ng_generic_hooklist_type = DEFINE_PARSE_STRUCT_TYPE([
  { name: "nodeinfo", type: ng_generic_nodeinfo_type },
  { name: "linkinfo", type: ng_generic_linkinfo_array_type },
]);
export const ng_generic_listnodes_type = DEFINE_PARSE_STRUCT_TYPE([
  { name: "numnames", type: ng_parse_uint32_type },
  { name: "nodeinfo", type: ng_generic_nodeinfoarray_type },
]);

/** The generic commands and how their arguments convert to and from ASCII. */
export const ng_generic_cmds: readonly ng_cmdlist[] = [
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_SHUTDOWN, name: "shutdown", mesgType: null, respType: null },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_MKPEER, name: "mkpeer", mesgType: ng_generic_mkpeer_type, respType: null },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_CONNECT, name: "connect", mesgType: ng_generic_connect_type, respType: null },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_NAME, name: "name", mesgType: ng_generic_name_type, respType: null },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_RMHOOK, name: "rmhook", mesgType: ng_generic_rmhook_type, respType: null },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_NODEINFO, name: "nodeinfo", mesgType: null, respType: ng_generic_nodeinfo_type },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_LISTHOOKS, name: "listhooks", mesgType: null, respType: ng_generic_hooklist_type },
  // The same reply as NGM_LISTNODES.
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_LISTNAMES, name: "listnames", mesgType: null, respType: ng_generic_listnodes_type },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_LISTNODES, name: "listnodes", mesgType: null, respType: ng_generic_listnodes_type },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_LISTTYPES, name: "listtypes", mesgType: null, respType: ng_generic_typelist_type },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_TEXT_CONFIG, name: "textconfig", mesgType: null, respType: ng_parse_string_type },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_TEXT_STATUS, name: "textstatus", mesgType: null, respType: ng_parse_string_type },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_ASCII2BINARY, name: "ascii2binary", mesgType: ng_parse_ng_mesg_type, respType: ng_parse_ng_mesg_type },
  { cookie: NGM_GENERIC_COOKIE, cmd: NGM_BINARY2ASCII, name: "binary2ascii", mesgType: ng_parse_ng_mesg_type, respType: ng_parse_ng_mesg_type },
];

// ---------------------------------------------------------------------------
// Types (global) and nodes (per vnet)

const ng_typelist: ng_type[] = [];

interface ng_vnet_state {
  /** V_ng_nodes: every node of the vnet, in creation order. */
  nodes: ng_node[];
  /** V_ng_name_hash. */
  names: Map<string, ng_node>;
  /** V_ng_ID_hash. */
  ids: Map<number, ng_node>;
  /** V_nextID. */
  nextID: number;
}

const V_ng_state = VNET_DEFINE_PTR<ng_vnet_state | null>("ng_state", null);

function ng_state(): ng_vnet_state {
  const st = VNET_PTR(V_ng_state);
  if (st === null) panic("netgraph: no node namespace in this vnet");
  return st;
}

/** ng_newtype: register a node type; EEXIST if the name is taken. */
export function ng_newtype(tp: ng_type): number {
  if (tp.version !== NG_ABI_VERSION) return EINVAL;
  if (tp.name.length === 0 || !ng_strfits(tp.name, NG_TYPESIZ)) return EINVAL;
  if (ng_findtype(tp.name) !== null) return EEXIST;
  tp.refs = 0;
  ng_typelist.push(tp);
  return 0;
}

/** ng_rmtype: unregister a type with no nodes left. */
export function ng_rmtype(tp: ng_type): number {
  if ((tp.refs ?? 0) !== 0) return EINVAL;
  const i = ng_typelist.indexOf(tp);
  if (i < 0) return ENOENT;
  ng_typelist.splice(i, 1);
  return 0;
}

export function ng_findtype(typename: string): ng_type | null {
  for (const tp of ng_typelist) if (tp.name === typename) return tp;
  return null;
}

/** ng_make_node_common: a node of type in curvnet with the next ID. */
export function ng_make_node_common(type: ng_type): { error: number; node: ng_node | null } {
  if (ng_typelist.indexOf(type) < 0) return { error: EINVAL, node: null };
  const st = ng_state();
  const node = new ng_node(type, curvnet);
  type.refs = (type.refs ?? 0) + 1;
  // IDs are unique within the vnet; 0 is never used.
  do {
    node.nd_ID = st.nextID;
    st.nextID = (st.nextID + 1) >>> 0 || 1;
  } while (st.ids.has(node.nd_ID));
  st.ids.set(node.nd_ID, node);
  st.nodes.push(node);
  return { error: 0, node };
}

/** ng_make_node: by type name, then the type's constructor. */
export function ng_make_node(typename: string): { error: number; node: ng_node | null } {
  const type = ng_findtype(typename);
  if (type === null) return { error: EINVAL, node: null };
  const ctor = type.constructor;
  if (ctor !== null) {
    const r = ng_make_node_common(type);
    if (r.node === null) return r;
    const error = ctor(r.node);
    if (error !== 0) {
      ng_unlink_node(r.node);
      return { error, node: null };
    }
    return r;
  }
  return ng_make_node_common(type);
}

function ng_unlink_node(node: ng_node): void {
  const st = VNET_PTR(V_ng_state);
  node.nd_flags |= NGF_INVALID;
  if (st !== null) {
    if (node.nd_name !== "" && st.names.get(node.nd_name) === node) st.names.delete(node.nd_name);
    if (st.ids.get(node.nd_ID) === node) st.ids.delete(node.nd_ID);
    const i = st.nodes.indexOf(node);
    if (i >= 0) st.nodes.splice(i, 1);
  }
  node.nd_name = "";
  node.nd_type.refs = (node.nd_type.refs ?? 1) - 1;
}

/** ng_rmnode: cut every hook, let the type shut the node down.  A type's
 *  shutdown that keeps the node (persistent, not NGF_REALLY_DIE) clears
 *  NGF_INVALID again. */
export function ng_rmnode(node: ng_node): void {
  if (!NG_NODE_IS_VALID(node)) return;
  const save = CURVNET_SET(node.nd_vnet as vnet, "ng_rmnode");
  node.nd_flags |= NGF_INVALID | NGF_CLOSING;
  if (node.nd_type.close !== undefined) node.nd_type.close(node);
  while (node.nd_hooks.length > 0) ng_destroy_hook(node.nd_hooks[0]);
  if (node.nd_type.shutdown !== undefined) node.nd_type.shutdown(node);
  else ng_unref_node(node);
  node.nd_flags &= ~NGF_CLOSING;
  CURVNET_RESTORE(save);
}

/** The default end of a shutdown: the node leaves the namespace.  Types whose
 *  shutdown method keeps the node alive do not call it (NG_NODE_REVIVE). */
export function ng_unref_node(node: ng_node): void {
  ng_unlink_node(node);
}

/** NG_NODE_REVIVE: a persistent node survives its shutdown. */
export function NG_NODE_REVIVE(node: ng_node): void {
  node.nd_flags &= ~NGF_INVALID;
}

/** ng_rmnode_self: used by types to shut their own node down. */
export function ng_rmnode_self(node: ng_node): number {
  if (!NG_NODE_IS_VALID(node)) return 0;
  ng_rmnode(node);
  return 0;
}

/** ng_decodeidname: "[hex]" -> ID, or 0 if the text is not an ID. */
export function ng_decodeidname(name: string): number {
  const len = name.length;
  if (len < 3 || len > 10 || name[0] !== "[" || name[len - 1] !== "]") return 0;
  const hex = name.slice(1, len - 1);
  if (!/^[0-9a-fA-F]+$/.test(hex)) return 0;
  if (hex.length > 1 && hex[0] === "0") return 0;
  return parseInt(hex, 16) >>> 0;
}

/** ng_name_node: give node a name unique in its vnet. */
export function ng_name_node(node: ng_node, name: string): number {
  if (name.length === 0 || !ng_strfits(name, NG_NODESIZ)) return EINVAL;
  for (const c of name) if (c === "." || c === ":") return EINVAL;
  // A name must not look like a node ID.
  if (ng_decodeidname(name) !== 0) return EINVAL;
  const st = ng_state();
  const other = st.names.get(name);
  if (other !== undefined) return other === node ? 0 : EADDRINUSE;
  if (node.nd_name !== "") st.names.delete(node.nd_name);
  node.nd_name = name;
  st.names.set(name, node);
  return 0;
}

/** ng_name2noderef: by name or "[id]" in curvnet. */
export function ng_name2noderef(here: ng_node | null, name: string): ng_node | null {
  if (name === ".") return here;
  const st = ng_state();
  const id = ng_decodeidname(name);
  if (id !== 0) return ng_ID2noderef(id);
  const node = st.names.get(name);
  return node !== undefined && NG_NODE_IS_VALID(node) ? node : null;
}

export function ng_ID2noderef(id: number): ng_node | null {
  const node = ng_state().ids.get(id);
  return node !== undefined && NG_NODE_IS_VALID(node) ? node : null;
}

/** ng_findhook: the type's own lookup or by name. */
export function ng_findhook(node: ng_node, name: string): ng_hook | null {
  if (node.nd_type.findhook !== undefined) return node.nd_type.findhook(node, name);
  for (const hook of node.nd_hooks) if (NG_HOOK_IS_VALID(hook) && hook.hk_name === name) return hook;
  return null;
}

/** ng_path_parse: split "node:path" into node part (or null) and path. */
export function ng_path_parse(addr: string): { error: number; node: string | null; path: string | null } {
  const colon = addr.indexOf(":");
  let node: string | null = null;
  let path: string = addr;
  if (colon >= 0) {
    node = addr.slice(0, colon);
    path = addr.slice(colon + 1);
    if (path.indexOf(":") >= 0) return { error: EINVAL, node: null, path: null };
    if (node.length === 0) return { error: EINVAL, node: null, path: null };
  }
  if (path.length === 0) return { error: 0, node, path: null };
  return { error: 0, node, path };
}

/** ng_path2noderef: resolve an address relative to here. */
export function ng_path2noderef(here: ng_node | null, address: string): { error: number; node: ng_node | null; lasthook: ng_hook | null } {
  if (address.length === 0 || !ng_strfits(address, NG_PATHSIZ)) return { error: EINVAL, node: null, lasthook: null };
  const p = ng_path_parse(address);
  if (p.error !== 0) return { error: p.error, node: null, lasthook: null };
  if (p.node === null && p.path === null) return { error: EINVAL, node: null, lasthook: null };
  let node: ng_node | null;
  if (p.node !== null) {
    node = ng_name2noderef(here, p.node);
    if (node === null) return { error: ENOENT, node: null, lasthook: null };
  } else {
    if (here === null) return { error: EINVAL, node: null, lasthook: null };
    node = here;
  }
  let hook: ng_hook | null = null;
  if (p.path !== null) {
    for (const seg of p.path.split(".")) {
      if (seg.length === 0) continue;
      hook = ng_findhook(node, seg);
      if (hook === null || hook.hk_peer === null || !NG_HOOK_IS_VALID(hook)) return { error: ENOENT, node: null, lasthook: null };
      node = hook.hk_peer.hk_node;
      hook = hook.hk_peer;
    }
  }
  if (!NG_NODE_IS_VALID(node)) return { error: ENXIO, node: null, lasthook: null };
  return { error: 0, node, lasthook: hook };
}

// ---------------------------------------------------------------------------
// Hooks and connections

/** ng_add_hook: a new (unconnected) hook on node, after the type's newhook. */
function ng_add_hook(node: ng_node, name: string, peer: ng_hook | null = null): { error: number; hook: ng_hook | null } {
  if (name.length === 0 || !ng_strfits(name, NG_HOOKSIZ)) return { error: EINVAL, hook: null };
  if (!NG_NODE_IS_VALID(node)) return { error: EINVAL, hook: null };
  if (ng_findhook(node, name) !== null) return { error: EEXIST, hook: null };
  const hook = new ng_hook(node);
  hook.hk_name = name;
  hook.hk_flags = HK_INVALID;
  // As in ng_con_nodes, the second hook of a connection already points at
  // the first when its node's newhook runs (ng_bridge refuses a link to
  // itself by looking at NG_PEER_NODE).
  hook.hk_peer = peer;
  if (node.nd_type.newhook !== undefined) {
    const error = node.nd_type.newhook(node, hook, name);
    if (error !== 0) return { error, hook: null };
  }
  // LIST_INSERT_HEAD: the newest hook comes first (ngctl show, hub fan-out).
  node.nd_hooks.unshift(hook);
  node.nd_numhooks++;
  return { error: 0, hook };
}

/** ng_destroy_hook: cut a connection at both ends, calling disconnect on each. */
export function ng_destroy_hook(hook: ng_hook): void {
  const peer = hook.hk_peer;
  hook.hk_flags |= HK_INVALID;
  hook.hk_peer = null;
  if (peer !== null) {
    peer.hk_peer = null;
    ng_destroy_hook(peer);
  }
  const node = hook.hk_node;
  const i = node.nd_hooks.indexOf(hook);
  if (i < 0) return;
  node.nd_hooks.splice(i, 1);
  node.nd_numhooks--;
  if (node.nd_type.disconnect !== undefined) {
    const save = CURVNET_SET(node.nd_vnet as vnet, "ng_destroy_hook");
    node.nd_type.disconnect(hook);
    CURVNET_RESTORE(save);
  }
}

/** ng_rmhook_self. */
export function ng_rmhook_self(hook: ng_hook): void {
  ng_destroy_hook(hook);
}

function ng_connect_pair(h1: ng_hook, h2: ng_hook): number {
  h1.hk_peer = h2;
  h2.hk_peer = h1;
  h1.hk_flags &= ~HK_INVALID;
  h2.hk_flags &= ~HK_INVALID;
  for (const h of [h1, h2]) {
    const t = h.hk_node.nd_type;
    if (t.connect !== undefined && h.hk_peer !== null) {
      const error = t.connect(h);
      if (error !== 0) {
        ng_destroy_hook(h);
        return error;
      }
    }
  }
  return 0;
}

/** ng_con_nodes: connect node:name to node2:name2 (newhook both, then connect). */
export function ng_con_nodes(node: ng_node, name: string, node2: ng_node, name2: string): number {
  if (node === node2 && name === name2) return EINVAL;
  const a = ng_add_hook(node, name);
  if (a.hook === null) return a.error;
  const b = ng_add_hook(node2, name2, a.hook);
  if (b.hook === null) {
    ng_destroy_hook(a.hook);
    return b.error;
  }
  return ng_connect_pair(a.hook, b.hook);
}

/** ng_mkpeer: a new node of type connected to node:name by its hook name2. */
export function ng_mkpeer(node: ng_node, name: string, name2: string, type: string): number {
  if (ng_findhook(node, name) !== null) return EEXIST;
  const r = ng_make_node(type);
  if (r.node === null) return r.error;
  const error = ng_con_nodes(node, name, r.node, name2);
  if (error !== 0) ng_rmnode(r.node);
  return error;
}

// ---------------------------------------------------------------------------
// Data and messages

/** NG_SEND_DATA_ONLY: hand m to the peer of hook; m is consumed either way. */
export function NG_SEND_DATA_ONLY(hook: ng_hook | null, m: mbuf): number {
  const peer = hook === null ? null : hook.hk_peer;
  if (hook === null || peer === null || !NG_HOOK_IS_VALID(hook)) {
    m_freem(m);
    return ENOTCONN;
  }
  const item = ng_alloc_item(NGQF_DATA);
  item.m = m;
  return ng_deliver_data(peer, item);
}

/** NG_FWD_ITEM_HOOK: pass an existing data item on to the peer of hook. */
export function NG_FWD_ITEM_HOOK(item: ng_item, hook: ng_hook | null): number {
  const peer = hook === null ? null : hook.hk_peer;
  if (hook === null || peer === null || !NG_HOOK_IS_VALID(hook)) {
    NG_FREE_ITEM(item);
    return ENOTCONN;
  }
  return ng_deliver_data(peer, item);
}

/** How deeply direct data deliveries are nested right now. */
let ng_depth = 0;
/**
 * Past this many nested deliveries a data item is queued instead of
 * applied (ng_snd_item queues when less than a quarter of the thread's
 * stack is left).  Only a loop in the graph (hubs or bridges joined in a
 * ring) gets this deep; without it a broadcast storm would overflow the
 * stack.  The queue is worked by ngthread, which FreeBSD runs as soon as a
 * CPU is free; here it runs on the next tick, so a storm moves at one
 * round per tick of virtual time instead of holding the run loop forever.
 */
export const NG_MAX_DEPTH = 64;
/** A queue of data items waiting for ngthread (FreeBSD keeps one per
 *  node; one list per way of being run is enough here). */
interface ng_itemq {
  head: ng_item | null;
  tail: ng_item | null;
}
/** Items past NG_MAX_DEPTH: run on the next tick. */
const ngq_tick: ng_itemq = { head: null, tail: null };
const ngthread_callout = new callout();

function ngq_put(q: ng_itemq, dest: ng_hook, item: ng_item): void {
  item.el_dest = dest.hk_node;
  item.el_hook = dest;
  item.next = null;
  if (q.tail === null) q.head = item;
  else q.tail.next = item;
  q.tail = item;
}

/** ngthread's loop: apply what was queued before this run; what the items
 *  queue in turn waits for the next one.  An item whose hook or node went
 *  away meanwhile is freed. */
function ngq_run(q: ng_itemq): void {
  let item = q.head;
  q.head = q.tail = null;
  while (item !== null) {
    const next: ng_item | null = item.next;
    item.next = null;
    const hook = item.el_hook;
    if (hook === null || !NG_HOOK_IS_VALID(hook) || !NG_NODE_IS_VALID(hook.hk_node)) NG_FREE_ITEM(item);
    else ng_deliver_data(hook, item);
    item = next;
  }
}

function ng_queue_data(dest: ng_hook, item: ng_item): number {
  ngq_put(ngq_tick, dest, item);
  if (ngthread_callout.c_heapidx < 0) callout_reset(ngthread_callout, 1, ngthread, null);
  return 0;
}

/** ngthread, for the items past NG_MAX_DEPTH. */
function ngthread(): void {
  ngq_run(ngq_tick);
}

/**
 * curthread->td_ng_outbound: how many outbound paths of the network stack
 * (an interface's start routine handing a frame to netgraph) are on the
 * call stack.  While one is, data for a hook marked HK_TO_INBOUND (one that
 * leads back into the stack's input path) is queued, not applied: the
 * sender still holds its protocol state half updated (tcp_output between
 * ip_output and advancing snd_nxt), and FreeBSD never re-enters it there.
 */
let ng_outbound = 0;
/** NG_OUTBOUND_THREAD_REF. */
export function NG_OUTBOUND_THREAD_REF(): void {
  ng_outbound++;
}
/** NG_OUTBOUND_THREAD_UNREF. */
export function NG_OUTBOUND_THREAD_UNREF(): void {
  ng_outbound--;
  if (ng_outbound < 0) panic("NG_OUTBOUND_THREAD_UNREF: negative td_ng_outbound");
}

// Items queued because of HK_QUEUE or the outbound rule go to ngthread at
// once, as FreeBSD's swi does when the CPU is free: a task at the same
// virtual time, after the current call chain returns.
const ngq_soon: ng_itemq = { head: null, tail: null };
let ngthread_task: ReturnType<typeof TASK_INIT> | null = null;

function ng_queue_now(dest: ng_hook, item: ng_item): number {
  ngq_put(ngq_soon, dest, item);
  ngthread_task ??= TASK_INIT(ngthread_now, null);
  taskqueue_enqueue(ngthread_task);
  return 0;
}

/** ngthread, for the items of HK_QUEUE and outbound hooks. */
function ngthread_now(): void {
  ngq_run(ngq_soon);
}

/** Items waiting in the netgraph queues (for tests and leak checks). */
export function ng_queued(): number {
  let n = 0;
  for (let it = ngq_tick.head; it !== null; it = it.next) n++;
  for (let it = ngq_soon.head; it !== null; it = it.next) n++;
  return n;
}

function ng_deliver_data(dest: ng_hook, item: ng_item): number {
  const node = dest.hk_node;
  item.el_dest = node;
  item.el_hook = dest;
  const fn = dest.hk_rcvdata ?? node.nd_type.rcvdata;
  if (fn === undefined || fn === null || !NG_NODE_IS_VALID(node)) {
    NG_FREE_ITEM(item);
    return ENXIO;
  }
  if ((dest.hk_flags & HK_QUEUE) !== 0 || ((dest.hk_flags & HK_TO_INBOUND) !== 0 && ng_outbound > 0)) return ng_queue_now(dest, item);
  if (ng_depth >= NG_MAX_DEPTH) return ng_queue_data(dest, item);
  const save = CURVNET_SET(node.nd_vnet as vnet, "ng_apply_item");
  ng_depth++;
  let error: number;
  try {
    error = fn(dest, item);
  } finally {
    ng_depth--;
    CURVNET_RESTORE(save);
  }
  return error;
}

/** NG_SEND_MSG_PATH: deliver msg to the node at path (relative to here);
 *  replies go to the node with ID retaddr (0: none). */
export function NG_SEND_MSG_PATH(here: ng_node | null, msg: ng_mesg, path: string, retaddr: number): number {
  const r = ng_path2noderef(here, path);
  if (r.node === null) return r.error;
  return ng_send_msg_node(r.node, msg, retaddr, r.lasthook);
}

/** NG_SEND_MSG_ID. */
export function NG_SEND_MSG_ID(msg: ng_mesg, id: number, retaddr: number): number {
  const node = ng_ID2noderef(id);
  if (node === null) return ENOENT;
  return ng_send_msg_node(node, msg, retaddr, null);
}

function ng_send_msg_node(node: ng_node, msg: ng_mesg, retaddr: number, lasthook: ng_hook | null): number {
  const item = ng_alloc_item(NGQF_MESG);
  item.msg = msg;
  item.el_dest = node;
  item.retaddr = retaddr;
  const save = CURVNET_SET(node.nd_vnet as vnet, "ng_apply_item");
  let error: number;
  // Generic requests go to ng_generic_msg; responses to them go to the node.
  if (msg.header.typecookie === NGM_GENERIC_COOKIE && (msg.header.flags & NGF_RESP) === 0) error = ng_generic_msg(node, item, lasthook);
  else if (lasthook !== null && lasthook.hk_rcvmsg !== null && lasthook.hk_rcvmsg !== undefined) error = lasthook.hk_rcvmsg(node, item, lasthook);
  else if (node.nd_type.rcvmsg !== undefined) error = node.nd_type.rcvmsg(node, item, lasthook);
  else {
    NG_FREE_ITEM(item);
    error = EINVAL;
  }
  CURVNET_RESTORE(save);
  return error;
}

/** NG_RESPOND_MSG: send resp back to the item's return address; frees item. */
export function NG_RESPOND_MSG(here: ng_node, item: ng_item, resp: ng_mesg | null): number {
  const retaddr = item.retaddr;
  NG_FREE_ITEM(item);
  if (resp === null || retaddr === 0) return 0;
  const dest = ng_ID2noderef(retaddr);
  if (dest === null) return ENOENT;
  // The response's return address is the responder (ng_address_ID).
  return ng_send_msg_node(dest, resp, here.nd_ID, null);
}

function msg_str(msg: ng_mesg, off: number, size: number): string {
  return ng_getstr(msg.data, off, size);
}

function nodeinfo_of(node: ng_node): { name: string; type: string; id: number; hooks: number } {
  return { name: node.nd_name, type: node.nd_type.name, id: node.nd_ID, hooks: node.nd_numhooks };
}

/** ng_generic_msg: the messages every node understands. */
export function ng_generic_msg(here: ng_node, item: ng_item, lasthook: ng_hook | null): number {
  const msg = NGI_GET_MSG(item);
  if (msg === null) {
    NG_FREE_ITEM(item);
    return EINVAL;
  }
  let error = 0;
  let resp: ng_mesg | null = null;
  const arglen = msg.header.arglen;
  switch (msg.header.cmd) {
    case NGM_SHUTDOWN:
      ng_rmnode(here);
      break;
    case NGM_MKPEER: {
      if (arglen !== NGM_MKPEER_SIZE) {
        error = EINVAL;
        break;
      }
      const mkp = ngm_mkpeer_dec(msg.data);
      error = ng_mkpeer(here, mkp.ourhook, mkp.peerhook, mkp.type);
      break;
    }
    case NGM_CONNECT: {
      if (arglen !== NGM_CONNECT_SIZE) {
        error = EINVAL;
        break;
      }
      const con = ngm_connect_dec(msg.data);
      const r = ng_path2noderef(here, con.path);
      if (r.node === null) {
        error = r.error;
        break;
      }
      error = ng_con_nodes(here, con.ourhook, r.node, con.peerhook);
      break;
    }
    case NGM_NAME:
      if (arglen !== NGM_NAME_SIZE) {
        error = EINVAL;
        break;
      }
      error = ng_name_node(here, msg_str(msg, 0, NG_NODESIZ));
      break;
    case NGM_RMHOOK: {
      if (arglen !== NGM_RMHOOK_SIZE) {
        error = EINVAL;
        break;
      }
      const hook = ng_findhook(here, msg_str(msg, 0, NG_HOOKSIZ));
      if (hook !== null) ng_destroy_hook(hook);
      break;
    }
    case NGM_NODEINFO:
      resp = NG_MKRESPONSE(msg, NODEINFO_SIZE);
      nodeinfo_enc(resp.data, 0, nodeinfo_of(here));
      break;
    case NGM_LISTHOOKS: {
      const hooks = here.nd_hooks.filter((h) => NG_HOOK_IS_VALID(h) && h.hk_peer !== null);
      resp = NG_MKRESPONSE(msg, NODEINFO_SIZE + hooks.length * LINKINFO_SIZE);
      nodeinfo_enc(resp.data, 0, { ...nodeinfo_of(here), hooks: hooks.length });
      let off = NODEINFO_SIZE;
      for (const h of hooks) {
        const peer = h.hk_peer as ng_hook;
        ng_putstr(resp.data, off, NG_HOOKSIZ, h.hk_name);
        ng_putstr(resp.data, off + NG_HOOKSIZ, NG_HOOKSIZ, peer.hk_name);
        nodeinfo_enc(resp.data, off + 2 * NG_HOOKSIZ, nodeinfo_of(peer.hk_node));
        off += LINKINFO_SIZE;
      }
      break;
    }
    case NGM_LISTNAMES:
    case NGM_LISTNODES: {
      const unnamed = msg.header.cmd === NGM_LISTNODES;
      // FreeBSD walks the ID hash (16 buckets to start), newest first in a
      // bucket; the name hash order is not reproduced: named nodes come in
      // the same ID-hash order.
      const list = ng_state()
        .nodes.filter((n) => NG_NODE_IS_VALID(n) && (unnamed || n.nd_name !== ""))
        .sort((a, b) => (a.nd_ID & 15) - (b.nd_ID & 15) || b.nd_ID - a.nd_ID);
      resp = NG_MKRESPONSE(msg, 4 + list.length * NODEINFO_SIZE);
      new DataView(resp.data.buffer).setUint32(0, list.length, true);
      list.forEach((n, i) => nodeinfo_enc((resp as ng_mesg).data, 4 + i * NODEINFO_SIZE, nodeinfo_of(n)));
      break;
    }
    case NGM_LISTTYPES: {
      resp = NG_MKRESPONSE(msg, 4 + ng_typelist.length * TYPEINFO_SIZE);
      const dv = new DataView(resp.data.buffer);
      dv.setUint32(0, ng_typelist.length, true);
      ng_typelist.forEach((tp, i) => {
        const off = 4 + i * TYPEINFO_SIZE;
        ng_putstr((resp as ng_mesg).data, off, NG_TYPESIZ, tp.name);
        dv.setUint32(off + NG_TYPESIZ, tp.refs ?? 0, true);
      });
      break;
    }
    case NGM_BINARY2ASCII:
      ({ error, resp } = ng_generic_binary2ascii(here, msg));
      break;
    case NGM_ASCII2BINARY:
      ({ error, resp } = ng_generic_ascii2binary(here, msg));
      break;
    case NGM_TEXT_CONFIG:
    case NGM_TEXT_STATUS:
      // Generic commands the node's own type answers, if it has rcvmsg:
      // the message goes to it as it came.
      if (here.nd_type.rcvmsg !== undefined) {
        item.msg = msg;
        return here.nd_type.rcvmsg(here, item, lasthook);
      }
      error = EINVAL;
      break;
    default:
      error = EINVAL;
      break;
  }
  if (resp !== null && error === 0) NG_RESPOND_MSG(here, item, resp);
  else NG_FREE_ITEM(item);
  return error;
}

/** Room for the converted form, as FreeBSD's hard-coded 20 kB. */
const NG_ASCII_BUFSIZE = 20 * 1024;

/** The command of cmdlist (the node type's, then the generic list) that
 *  matches, or null. */
function ng_find_cmd(here: ng_node, match: (c: ng_cmdlist) => boolean): ng_cmdlist | null {
  for (const c of here.nd_type.cmdlist ?? []) if (match(c)) return c;
  for (const c of ng_generic_cmds) if (match(c)) return c;
  return null;
}

/** NGM_BINARY2ASCII: the argument is a binary struct ng_mesg; the response
 *  is the same header with the command's name in cmdstr and the ASCII form
 *  of its arguments (NUL-terminated) as data. */
function ng_generic_binary2ascii(here: ng_node, msg: ng_mesg): { error: number; resp: ng_mesg | null } {
  const arglen = msg.header.arglen;
  if (arglen > msg.data.length || arglen < NG_MESG_HDRLEN) return { error: EINVAL, resp: null };
  const arg = msg.data.subarray(0, arglen);
  const binary = ng_mesg_hdr_dec(arg, 0);
  if (arglen - NG_MESG_HDRLEN < binary.arglen) return { error: EINVAL, resp: null };

  const c = ng_find_cmd(here, (c) => binary.typecookie === c.cookie && binary.cmd === c.cmd);
  if (c === null) return { error: ENOSYS, resp: null };
  const argstype = (binary.flags & NGF_RESP) !== 0 ? c.respType : c.mesgType;
  let text = "";
  if (argstype !== null) {
    const cbuf = new ng_parse_cbuf(NG_ASCII_BUFSIZE);
    const error = ng_unparse(argstype, arg, NG_MESG_HDRLEN, cbuf);
    if (error !== 0) return { error, resp: null };
    text = cbuf.s;
  }
  // The text is ASCII (unparse escapes everything else).
  const bufSize = text.length + 1;
  const resp = NG_MKRESPONSE(msg, NG_MESG_HDRLEN + bufSize);
  const ascii = { ...binary, cmdstr: c.name.slice(0, NG_CMDSTRSIZ - 1), arglen: bufSize };
  ng_mesg_hdr_enc(resp.data, 0, ascii);
  for (let i = 0; i < text.length; i++) resp.data[NG_MESG_HDRLEN + i] = text.charCodeAt(i);
  return { error: 0, resp };
}

/** NGM_ASCII2BINARY: the argument is a struct ng_mesg whose cmdstr names
 *  the command and whose data is its arguments in ASCII; the response is
 *  the binary message (header with cmd and typecookie filled in). */
function ng_generic_ascii2binary(here: ng_node, msg: ng_mesg): { error: number; resp: ng_mesg | null } {
  const arglen = msg.header.arglen;
  if (arglen > msg.data.length || arglen < NG_MESG_HDRLEN + 1) return { error: EINVAL, resp: null };
  const arg = msg.data.subarray(0, arglen);
  const ascii = ng_mesg_hdr_dec(arg, 0);
  if (ascii.arglen < 1 || arglen < NG_MESG_HDRLEN + ascii.arglen) return { error: EINVAL, resp: null };
  arg[NG_MESG_HDRLEN + ascii.arglen - 1] = 0;

  const c = ng_find_cmd(here, (c) => ascii.cmdstr === c.name);
  if (c === null) return { error: ENOSYS, resp: null };
  const binary = { ...ascii, cmd: c.cmd, typecookie: c.cookie };
  const argstype = (binary.flags & NGF_RESP) !== 0 ? c.respType : c.mesgType;
  // The binary message is built behind a copy of its header, which types
  // that look back from their data (struct ng_mesg's) see.
  const out = new Uint8Array(NG_MESG_HDRLEN + NG_ASCII_BUFSIZE);
  ng_mesg_hdr_enc(out, 0, binary);
  const bufSize: ng_intp = { v: 0 };
  if (argstype !== null) {
    const off: ng_intp = { v: 0 };
    bufSize.v = NG_ASCII_BUFSIZE;
    const error = ng_parse(argstype, arg.subarray(NG_MESG_HDRLEN, NG_MESG_HDRLEN + ascii.arglen), off, out, bufSize, NG_MESG_HDRLEN);
    if (error !== 0) return { error, resp: null };
  }
  binary.arglen = bufSize.v;
  const resp = NG_MKRESPONSE(msg, NG_MESG_HDRLEN + bufSize.v);
  ng_mesg_hdr_enc(resp.data, 0, binary);
  resp.data.set(out.subarray(NG_MESG_HDRLEN, NG_MESG_HDRLEN + bufSize.v), NG_MESG_HDRLEN);
  return { error: 0, resp };
}

/** Every node of curvnet (for tests and the kernel debugger). */
export function ng_nodes(): readonly ng_node[] {
  return ng_state().nodes;
}

// ---------------------------------------------------------------------------
// Callouts on behalf of a node (ng_callout, ng_uncallout)

/** ng_item_fn: what a node's callout runs. */
export type ng_item_fn = (node: ng_node, hook: ng_hook | null, arg1: unknown, arg2: number) => void;

/** The state ng_callout keeps with a callout (the NGQF_FN item in FreeBSD). */
class ng_callout_item {
  node: ng_node;
  hook: ng_hook | null;
  fn: ng_item_fn;
  arg1: unknown;
  arg2: number;
  constructor(node: ng_node, hook: ng_hook | null, fn: ng_item_fn, arg1: unknown, arg2: number) {
    this.node = node;
    this.hook = hook;
    this.fn = fn;
    this.arg1 = arg1;
    this.arg2 = arg2;
  }
}

const ng_callout_items = new WeakMap<callout, ng_callout_item>();

/** ng_callout_trampoline: run the function in the node's vnet, unless the
 *  node (or the hook) has gone invalid meanwhile (ng_apply_item's check). */
function ng_callout_trampoline(c: callout): void {
  const it = ng_callout_items.get(c);
  if (it === undefined) return;
  const node = it.node;
  if (!NG_NODE_IS_VALID(node)) return;
  if (it.hook !== null && !NG_HOOK_IS_VALID(it.hook)) return;
  const save = CURVNET_SET(node.nd_vnet as vnet, "ng_callout_trampoline");
  it.fn(node, it.hook, it.arg1, it.arg2);
  CURVNET_RESTORE(save);
}

/** ng_callout: run fn(node, hook, arg1, arg2) `ticks` ticks from now, as the
 *  node's own work.  The item is reused when the callout is re-armed with
 *  the same function, so a periodic timer allocates nothing per period. */
export function ng_callout(c: callout, node: ng_node, hook: ng_hook | null, ticks: number, fn: ng_item_fn, arg1: unknown, arg2: number): number {
  let it = ng_callout_items.get(c);
  if (it === undefined) {
    it = new ng_callout_item(node, hook, fn, arg1, arg2);
    ng_callout_items.set(c, it);
  } else {
    it.node = node;
    it.hook = hook;
    it.fn = fn;
    it.arg1 = arg1;
    it.arg2 = arg2;
  }
  callout_reset(c, ticks, ng_callout_trampoline, c);
  return 0;
}

/** ng_uncallout: 1 if a pending run was cancelled. */
export function ng_uncallout(c: callout, node: ng_node): number {
  void node;
  const rval = callout_stop(c);
  return rval > 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Per-vnet setup and teardown

function vnet_netgraph_init(): void {
  VNET_PTR_SET(V_ng_state, { nodes: [], names: new Map(), ids: new Map(), nextID: 1 });
}
VNET_SYSINIT("vnet_netgraph_init", SI_SUB_NETGRAPH, SI_ORDER_FIRST, vnet_netgraph_init);

/** vnet_netgraph_uninit: shut down every node; persistent ones are told to
 *  really die; a node that survives that is a panic. */
function vnet_netgraph_uninit(): void {
  const st = VNET_PTR(V_ng_state);
  if (st === null) return;
  let last: ng_node | null = null;
  while (st.nodes.length > 0) {
    const node = st.nodes[0];
    if (node === last) {
      if ((node.nd_flags & NGF_REALLY_DIE) !== 0) panic(`netgraph node ${node.nd_ID} won't die`);
      node.nd_flags |= NGF_REALLY_DIE;
    }
    ng_rmnode(node);
    last = node;
  }
  VNET_PTR_SET(V_ng_state, null);
}
VNET_SYSUNINIT("vnet_netgraph_uninit", SI_SUB_NETGRAPH, SI_ORDER_FIRST, vnet_netgraph_uninit);

DECLARE_MODULE({ name: "netgraph", evhand: null, priv: null }, SI_SUB_NETGRAPH, SI_ORDER_FIRST);
MODULE_VERSION("netgraph", NG_ABI_VERSION);
