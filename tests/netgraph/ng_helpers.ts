// Helpers for the netgraph tests: a "sink" node type that records what it
// receives, and message builders.
import type { Kernel } from "../helpers/builds.ts";
import type { ng_hook, ng_item, ng_mesg, ng_node, ng_type } from "../../index.ts";

export interface sink {
  type: ng_type;
  /** Per node ID, the payload bytes received, with the hook they came in on. */
  got: { id: number; hook: string; bytes: Uint8Array }[];
  disconnects: string[];
}

/** Register (once per kernel) a type that keeps copies of its data and frees it. */
export function sink_type(k: Kernel, name = "sink"): sink {
  const s: sink = { type: null as unknown as ng_type, got: [], disconnects: [] };
  const tp: ng_type = {
    version: k.NG_ABI_VERSION,
    name,
    constructor: null,
    rcvdata(hook: ng_hook, item: ng_item): number {
      const m = k.NGI_GET_M(item);
      k.NG_FREE_ITEM(item);
      if (m === null) return 0;
      const len = m.m_pkthdr.len;
      const b = new Uint8Array(len);
      k.m_copydata(m, 0, len, b);
      k.m_freem(m);
      s.got.push({ id: hook.hk_node.nd_ID, hook: hook.hk_name, bytes: b });
      return 0;
    },
    disconnect(hook: ng_hook): number {
      s.disconnects.push(hook.hk_name);
      return 0;
    },
  };
  const error = k.ng_newtype(tp);
  if (error !== 0) throw new Error(`ng_newtype ${error}`);
  s.type = tp;
  return s;
}

/** A generic message with an argument. */
export function genmsg(k: Kernel, cmd: number, data: Uint8Array = new Uint8Array(0)): ng_mesg {
  const msg = k.NG_MKMESSAGE(k.NGM_GENERIC_COOKIE, cmd, data.length);
  msg.data.set(data);
  return msg;
}

/** A node that collects responses sent to it (a stand-in for the socket). */
export function reply_catcher(k: Kernel): { node: ng_node; replies: ng_mesg[] } {
  const replies: ng_mesg[] = [];
  let tp: ng_type | null = k.ng_findtype("catcher");
  if (tp === null) {
    tp = {
      version: k.NG_ABI_VERSION,
      name: "catcher",
      constructor: null,
      rcvmsg(node: ng_node, item: ng_item): number {
        const msg = k.NGI_GET_MSG(item);
        k.NG_FREE_ITEM(item);
        if (msg !== null) (node.nd_private as ng_mesg[]).push(msg);
        return 0;
      },
    };
    k.ng_newtype(tp);
  }
  const r = k.ng_make_node_common(tp);
  if (r.node === null) throw new Error("catcher");
  r.node.nd_private = replies;
  return { node: r.node, replies };
}
