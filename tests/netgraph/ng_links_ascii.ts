// What `ngctl msg PATH CMD ARGS` does, in the kernel half: NGM_ASCII2BINARY
// at the node, the binary message sent, the reply turned back into ASCII
// with NGM_BINARY2ASCII.  Shared by the ng_bridge and ng_pipe tests.
import type { Kernel } from "../helpers/builds.ts";
import type { ng_mesg, ng_node } from "../../index.ts";
import { genmsg } from "./ng_helpers.ts";

function send(k: Kernel, me: { node: ng_node; replies: ng_mesg[] }, path: string, msg: ng_mesg): { error: number; resp: ng_mesg | null } {
  me.replies.length = 0;
  const error = k.NG_SEND_MSG_PATH(me.node, msg, path, me.node.nd_ID);
  return { error, resp: me.replies.length > 0 ? me.replies[0] : null };
}

/** ngctl msg path cmd args: the error and the reply's arguments as text
 *  (null when there is no reply). */
export function ngctl_msg(k: Kernel, me: { node: ng_node; replies: ng_mesg[] }, path: string, cmd: string, args = ""): { error: number; text: string | null; binary: ng_mesg | null } {
  const text = new TextEncoder().encode(args);
  const a = k.NG_MKMESSAGE(0, 0, text.length + 1);
  a.header.cmdstr = cmd;
  a.data.set(text);
  const r = send(k, me, path, genmsg(k, k.NGM_ASCII2BINARY, k.ng_mesg_enc(a)));
  if (r.error !== 0 || r.resp === null) return { error: r.error, text: null, binary: null };
  const binary = k.ng_mesg_dec(r.resp.data);
  if (binary === null) return { error: -1, text: null, binary: null };
  const r2 = send(k, me, path, binary);
  if (r2.error !== 0 || r2.resp === null) return { error: r2.error, text: null, binary };
  const r3 = send(k, me, path, genmsg(k, k.NGM_BINARY2ASCII, k.ng_mesg_enc(r2.resp)));
  if (r3.error !== 0 || r3.resp === null) return { error: r3.error, text: null, binary };
  const ascii = k.ng_mesg_dec(r3.resp.data);
  if (ascii === null) return { error: -1, text: null, binary };
  return { error: 0, text: new TextDecoder().decode(ascii.data.subarray(0, ascii.data.indexOf(0) < 0 ? ascii.data.length : ascii.data.indexOf(0))), binary };
}
