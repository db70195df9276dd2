// sys/netgraph/ng_hub.c, ng_hub.h: the "hub" node type.  A frame arriving on
// any hook leaves on every other hook (a copy per extra hook, the original on
// the last); the node shuts down when its last hook goes unless it was made
// persistent with NGM_HUB_SET_PERSISTENT ("setpersistent").

import { ENOBUFS, EINVAL } from "../kern/errno.ts";
import { m_dup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { SI_ORDER_ANY, SI_SUB_DRIVERS } from "../kern/kernel.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { NG_ABI_VERSION, type ng_mesg } from "./netgraph.ts";
import type { ng_cmdlist } from "./ng_parse.ts";
import {
  NGI_GET_MSG,
  NG_FREE_ITEM,
  NG_FWD_ITEM_HOOK,
  NG_NODE_IS_VALID,
  NG_NODE_NUMHOOKS,
  NG_SEND_DATA_ONLY,
  ng_newtype,
  ng_rmnode_self,
  ng_unref_node,
  type ng_hook,
  type ng_item,
  type ng_node,
  type ng_type,
} from "./ng_base.ts";

export const NG_HUB_NODE_TYPE = "hub";
export const NGM_HUB_COOKIE = 1082189597;
export const NGM_HUB_SET_PERSISTENT = 1;

interface hub_priv {
  persistent: boolean;
}

function ng_hub_constructor(node: ng_node): number {
  const priv: hub_priv = { persistent: false };
  node.nd_private = priv;
  return 0;
}

function ng_hub_rcvmsg(node: ng_node, item: ng_item): number {
  const msg: ng_mesg | null = NGI_GET_MSG(item);
  let error = 0;
  if (msg !== null && msg.header.typecookie === NGM_HUB_COOKIE && msg.header.cmd === NGM_HUB_SET_PERSISTENT) {
    (node.nd_private as hub_priv).persistent = true;
  } else error = EINVAL;
  NG_FREE_ITEM(item);
  return error;
}

function ng_hub_rcvdata(hook: ng_hook, item: ng_item): number {
  const node = hook.hk_node;
  let nhooks = NG_NODE_NUMHOOKS(node);
  let error = 0;
  if (nhooks === 1) {
    NG_FREE_ITEM(item);
    return 0;
  }
  const m = item.m;
  // Walk a snapshot-free index loop: delivery is synchronous and a receiver
  // may not remove hooks of this node while we walk (as in FreeBSD, where
  // the node is held as a reader).
  const hooks = node.nd_hooks;
  for (let i = 0; i < hooks.length; i++) {
    const hook2 = hooks[i];
    if (hook2 === hook) continue;
    if (--nhooks === 1) {
      error = NG_FWD_ITEM_HOOK(item, hook2);
      return error;
    }
    const m2 = m_dup(m, M_NOWAIT);
    if (m2 === null) {
      NG_FREE_ITEM(item);
      return ENOBUFS;
    }
    error = NG_SEND_DATA_ONLY(hook2, m2);
  }
  NG_FREE_ITEM(item);
  return error;
}

function ng_hub_disconnect(hook: ng_hook): number {
  const node = hook.hk_node;
  const priv = node.nd_private as hub_priv;
  if (NG_NODE_NUMHOOKS(node) === 0 && NG_NODE_IS_VALID(node) && !priv.persistent) ng_rmnode_self(node);
  return 0;
}

/** Persistence only keeps a hub with no hooks; a shutdown message ends it. */
function ng_hub_shutdown(node: ng_node): number {
  ng_unref_node(node);
  return 0;
}

/** The hub's one command; it takes no argument. */
const ng_hub_cmdlist: readonly ng_cmdlist[] = [{ cookie: NGM_HUB_COOKIE, cmd: NGM_HUB_SET_PERSISTENT, name: "setpersistent", mesgType: null, respType: null }];

export const ng_hub_typestruct: ng_type = {
  version: NG_ABI_VERSION,
  name: NG_HUB_NODE_TYPE,
  constructor: ng_hub_constructor,
  rcvmsg: ng_hub_rcvmsg,
  shutdown: ng_hub_shutdown,
  rcvdata: ng_hub_rcvdata,
  disconnect: ng_hub_disconnect,
  cmdlist: ng_hub_cmdlist,
};

/** The type registers itself when the module loads (NETGRAPH_INIT). */
ng_newtype(ng_hub_typestruct);
// NETGRAPH_INIT(hub, ...): module "ng_hub" at SI_SUB_DRIVERS, SI_ORDER_ANY.
DECLARE_MODULE({ name: "ng_hub", evhand: null, priv: null }, SI_SUB_DRIVERS, SI_ORDER_ANY);
MODULE_VERSION("ng_hub", 1);
