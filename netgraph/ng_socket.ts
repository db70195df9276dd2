// sys/netgraph/ng_socket.c, ng_socket.h, ng_socketvar.h: the PF_NETGRAPH
// domain and the "socket" node type, userland's door into netgraph.
//
// A control socket (NG_CONTROL) is a node: messages written to it with
// sendto(2) go to the node at the address's path, and messages sent to the
// node (replies among them) are read back with recvfrom(2), the sender's
// "[id]:" as the source address.  A data socket (NG_DATA) has no node of its
// own: connect(2) attaches it to a control socket's node, after which frames
// written to it with a hook name as the address leave on that hook, and
// frames arriving on any hook of the node are read with the hook's name as
// the source.  The node goes when both sockets are closed, or when its last
// hook goes if NGM_SOCK_CMD_NOLINGER was sent to it; bind(2) names it.
//
// The node is made in the vnet of the socket, that is of the creating
// process's prison: `jexec j ngctl` talks to j's graph only.
//
// Departures: delivery is synchronous (ng_base.ts), so ngc_send has nothing
// to wait for: the destination's answer is in the receive buffer by the
// time sendto returns.  A message whose header claims more argument bytes
// than were written is cut to what was written (FreeBSD would read past
// its buffer).  Hooks are found by a linear search, not ng_socket's hash.

import { EADDRINUSE, EDESTADDRREQ, EHOSTUNREACH, EINVAL, EISCONN, ENOBUFS, ENOTCONN, ENXIO, EOPNOTSUPP, EBUSY } from "../kern/errno.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import { MODULE_VERSION, sys_kldload } from "../kern/kern_linker.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { printf } from "../kern/subr_prf.ts";
import { priv_check_cred, PRIV_NETGRAPH_CONTROL } from "../kern/kern_priv.ts";
import type { thread } from "../kern/kern_prot.ts";
import { m_copydata, m_devget } from "../kern/uipc_mbuf.ts";
import { AF_NETGRAPH, PF_NETGRAPH, SA_LEN, SOCK_DGRAM, type sockaddr } from "../kern/socket.ts";
import {
  PR_ADDR,
  PR_ATOMIC,
  SS_ISCONNECTED,
  pf_proto_register,
  sbappendaddr_locked,
  soisdisconnected,
  soreserve,
  sorwakeup_locked,
  type protosw,
  type socket,
} from "../kern/uipc_socket.ts";
import { CTLFLAG_RD, CTLFLAG_RW, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, _net } from "../kern/sysctl.ts";
import {
  NGM_GENERIC_COOKIE,
  NGM_MKPEER,
  NG_ABI_VERSION,
  NG_CMDSTRSIZ,
  NG_HOOKSIZ,
  NG_MESG_HDRLEN,
  NG_NODESIZ,
  NG_VERSION,
  ng_getstr,
  ng_mesg,
  ng_putstr,
  ngm_mkpeer_dec,
} from "./netgraph.ts";
import {
  NGI_GET_M,
  NGI_GET_MSG,
  NG_FREE_ITEM,
  NG_NODE_IS_VALID,
  NG_NODE_NUMHOOKS,
  NG_SEND_DATA_ONLY,
  NG_SEND_MSG_PATH,
  ng_findhook,
  ng_findtype,
  ng_make_node_common,
  ng_name_node,
  ng_newtype,
  ng_path2noderef,
  ng_rmnode_self,
  ng_unref_node,
  type ng_hook,
  type ng_item,
  type ng_node,
  type ng_type,
} from "./ng_base.ts";

// ---------------------------------------------------------------------------
// ng_socket.h

export const NG_SOCKET_NODE_TYPE = "socket";
export const NGM_SOCKET_COOKIE = 851601233;

/** socket(2) protocols of PF_NETGRAPH. */
export const NG_DATA = 1;
export const NG_CONTROL = 2;

/** Messages of the socket type. */
export const NGM_SOCK_CMD_NOLINGER = 1;
export const NGM_SOCK_CMD_LINGER = 2;

/** offsetof(struct sockaddr_ng, sg_data). */
export const NGSA_OVERHEAD = 2;

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/**
 * struct sockaddr_ng: a node path (control sockets), a node name (bind) or
 * a hook name (data sockets).  sg_data holds the text; the bytes past it up
 * to sg_len are NULs.  By default sg_len counts the header, the text and
 * its NUL, as libnetgraph sets it (modulo 256: it is a u_char).
 */
export class sockaddr_ng {
  sg_len: number;
  sg_family = AF_NETGRAPH;
  constructor(
    public sg_data = "",
    len?: number,
  ) {
    // sg_len is an unsigned char: a long path wraps, as it does in C.
    this.sg_len = (len ?? NGSA_OVERHEAD + utf8.encode(sg_data).length + 1) & 0xff;
  }
  /** The same bytes seen through struct sockaddr. */
  get sa_len(): number {
    return this.sg_len;
  }
  get sa_family(): number {
    return this.sg_family;
  }
}

/** The sg_data bytes of an address (sg_len - 2 of them) as the kernel sees
 *  them, whatever layout the caller used (the family is not checked, as in
 *  FreeBSD: only the bytes count). */
function sg_bytes(sa: sockaddr): Uint8Array {
  const n = Math.max(SA_LEN(sa) - NGSA_OVERHEAD, 0);
  const b = new Uint8Array(n);
  if ("sg_data" in sa) b.set(utf8.encode(sa.sg_data).subarray(0, n));
  else if ("sin_addr" in sa) {
    // sin_port and sin_addr in network order, then sin_zero.
    const v = [(sa.sin_port >>> 8) & 255, sa.sin_port & 255, sa.sin_addr >>> 24, (sa.sin_addr >>> 16) & 255, (sa.sin_addr >>> 8) & 255, sa.sin_addr & 255];
    b.set(v.slice(0, n));
  } else if ("sdl_index" in sa) {
    const v = [sa.sdl_index & 255, (sa.sdl_index >>> 8) & 255, sa.sdl_type, sa.sdl_nlen, sa.sdl_lladdr.length, sa.sdl_slen, ...utf8.encode(sa.sdl_data), ...sa.sdl_lladdr];
    b.set(v.slice(0, n));
  }
  return b;
}

/** A C string out of bytes: up to the first NUL. */
function cstr(b: Uint8Array): string {
  const z = b.indexOf(0);
  return utf8d.decode(z < 0 ? b : b.subarray(0, z));
}

// ---------------------------------------------------------------------------
// struct ng_mesg as bytes (what crosses the socket).

/** Lay a message out as FreeBSD's struct ng_mesg (amd64, little-endian). */
export function ng_mesg_bytes(msg: ng_mesg): Uint8Array {
  const arglen = msg.data.length;
  const b = new Uint8Array(NG_MESG_HDRLEN + arglen);
  const dv = new DataView(b.buffer);
  const h = msg.header;
  b[0] = h.version;
  dv.setUint32(4, arglen, true);
  dv.setUint32(8, h.cmd >>> 0, true);
  dv.setUint32(12, h.flags >>> 0, true);
  dv.setUint32(16, h.token >>> 0, true);
  dv.setUint32(20, h.typecookie >>> 0, true);
  ng_putstr(b, 24, NG_CMDSTRSIZ, h.cmdstr);
  b.set(msg.data, NG_MESG_HDRLEN);
  return b;
}

/** Read a struct ng_mesg out of bytes; missing header bytes read as zero,
 *  the argument is what follows the header, at most header.arglen. */
export function ng_mesg_parse(b: Uint8Array): ng_mesg {
  const hb = new Uint8Array(NG_MESG_HDRLEN);
  hb.set(b.subarray(0, NG_MESG_HDRLEN));
  const dv = new DataView(hb.buffer);
  const msg = new ng_mesg();
  const h = msg.header;
  h.version = hb[0];
  const arglen = dv.getUint32(4, true);
  h.cmd = dv.getUint32(8, true);
  h.flags = dv.getUint32(12, true);
  h.token = dv.getUint32(16, true);
  h.typecookie = dv.getUint32(20, true);
  h.cmdstr = ng_getstr(hb, 24, NG_CMDSTRSIZ);
  const avail = Math.max(b.length - NG_MESG_HDRLEN, 0);
  const n = Math.min(arglen, avail);
  msg.data = b.slice(NG_MESG_HDRLEN, NG_MESG_HDRLEN + n);
  h.arglen = n;
  return msg;
}

// ---------------------------------------------------------------------------
// ng_socketvar.h: the protocol control block and the node's private data.

/** struct ngpcb. */
export class ngpcb {
  sockdata: ngsock | null = null;
  /** NG_CONTROL or NG_DATA. */
  node_id = 0;
  constructor(
    public ng_socket: socket,
    public type: number,
  ) {}
}

/** struct ngsock: what a control socket, its data socket and its node share. */
export class ngsock {
  node: ng_node | null = null;
  datasock: ngpcb | null = null;
  ctlsock: ngpcb | null = null;
  flags = 0;
  refs = 0;
}

/** Close the node with its last hook. */
const NGS_FLAG_NOLINGER = 1;

/** Per-hook private data: the source address frames from the hook carry
 *  (made once, so queueing a frame allocates no address). */
class hookpriv {
  constructor(
    readonly hook: ng_hook,
    readonly addr: sockaddr_ng,
  ) {}
}

/** net.graph.maxdgram and net.graph.recvspace. */
let ngpdg_sendspace = 20 * 1024;
let ngpdg_recvspace = 20 * 1024;

/** ngsocklist: every netgraph socket (netstat -f netgraph, module unload). */
const ngsocklist: ngpcb[] = [];

/** The netgraph sockets open now, in every vnet (newest first). */
export function ng_socket_list(): readonly ngpcb[] {
  return ngsocklist;
}

export function sotongpcb(so: socket): ngpcb | null {
  const p = so.so_pcb_other;
  return p instanceof ngpcb ? p : null;
}

function NG_NODE_PRIVATE(node: ng_node): ngsock | null {
  const p = node.nd_private;
  return p instanceof ngsock ? p : null;
}

// ---------------------------------------------------------------------------
// Control sockets

function ngc_attach(so: socket, _proto: number, td: thread | null): number {
  const error = priv_check_cred(td !== null ? td.td_ucred : so.so_cred, PRIV_NETGRAPH_CONTROL);
  if (error !== 0) return error;
  if (sotongpcb(so) !== null) return EISCONN;
  return ng_attach_cntl(so);
}

function ngc_detach(so: socket): void {
  const pcbp = sotongpcb(so);
  if (pcbp !== null) ng_detach_common(pcbp, NG_CONTROL);
}

function ngc_send(so: socket, _flags: number, m: mbuf, addr: sockaddr | null, control: mbuf | null, td: thread | null): number {
  const pcbp = sotongpcb(so);
  let error = 0;
  release: {
    if (control !== null) {
      error = EINVAL;
      break release;
    }
    // The node may have several hooks: a destination is required.
    if (addr === null) {
      error = EDESTADDRREQ;
      break release;
    }
    const priv = pcbp === null ? null : pcbp.sockdata;
    const node = priv === null ? null : priv.node;
    if (node === null) {
      // The node was shut down under the socket.
      error = EINVAL;
      break release;
    }
    const path = cstr(sg_bytes(addr));
    // Messages are not kept in mbufs: move it into a flat buffer.
    const len = m.m_pkthdr.len;
    const buf = new Uint8Array(len);
    m_copydata(m, 0, len, buf);
    const msg = ng_mesg_parse(buf);
    if (msg.header.version !== NG_VERSION) {
      error = EINVAL;
      break release;
    }
    // A mkpeer of a type not loaded yet loads ng_<type> first, from the
    // calling thread, as FreeBSD does.
    if (msg.header.typecookie === NGM_GENERIC_COOKIE && msg.header.cmd === NGM_MKPEER) {
      const type = ngm_mkpeer_dec(msg.data).type;
      if (ng_findtype(type) === null) {
        const r = sys_kldload({ p_ucred: td !== null ? td.td_ucred : so.so_cred }, `ng_${type}`);
        if (r.error !== 0) {
          error = r.error;
          break release;
        }
        if (ng_findtype(type) === null) {
          error = ENXIO;
          break release;
        }
      }
    }
    error = NG_SEND_MSG_PATH(node, msg, path, node.nd_ID);
  }
  if (control !== null) m_freem(control);
  m_freem(m);
  return error;
}

function ngc_bind(so: socket, nam: sockaddr, _td: thread | null): number {
  const pcbp = sotongpcb(so);
  if (pcbp === null) return EINVAL;
  return ng_bind(nam, pcbp);
}

function ngc_connect(_so: socket, _nam: sockaddr, _td: thread | null): number {
  // Once undocumented and unused; refused since.
  printf("program tried to connect control socket to remote node\n");
  return EINVAL;
}

// ---------------------------------------------------------------------------
// Data sockets

function ngd_attach(so: socket, _proto: number, _td: thread | null): number {
  if (sotongpcb(so) !== null) return EISCONN;
  return ng_attach_common(so, NG_DATA);
}

function ngd_detach(so: socket): void {
  const pcbp = sotongpcb(so);
  if (pcbp !== null) ng_detach_common(pcbp, NG_DATA);
}

function ngd_send(so: socket, _flags: number, m: mbuf, sap: sockaddr | null, control: mbuf | null, _td: thread | null): number {
  const pcbp = sotongpcb(so);
  let error: number;
  let hook: ng_hook | null = null;
  release: {
    if (pcbp === null || control !== null) {
      error = EINVAL;
      break release;
    }
    const priv = pcbp.sockdata;
    const node = priv === null ? null : priv.node;
    if (priv === null || node === null) {
      error = ENOTCONN;
      break release;
    }
    const data = sap === null ? null : sg_bytes(sap);
    if (data === null || data.length === 0 || data[0] === 0) {
      // No hook named: with exactly one hook, write(2) works.
      if (NG_NODE_NUMHOOKS(node) !== 1) {
        error = EDESTADDRREQ;
        break release;
      }
      hook = node.nd_hooks[0];
    } else {
      if (data.length >= NG_HOOKSIZ) {
        error = EINVAL;
        break release;
      }
      hook = ng_findhook(node, cstr(data));
      if (hook === null) {
        error = EHOSTUNREACH;
        break release;
      }
    }
    return NG_SEND_DATA_ONLY(hook, m);
  }
  if (control !== null) m_freem(control);
  m_freem(m);
  return error;
}

function ngd_connect(so: socket, nam: sockaddr, _td: thread | null): number {
  const pcbp = sotongpcb(so);
  if (pcbp === null) return EINVAL;
  return ng_connect_data(nam, pcbp);
}

/** getsockname(2) on either socket: the node's name (empty if it has none). */
function ng_getsockaddr(so: socket): sockaddr | number {
  const pcbp = sotongpcb(so);
  if (pcbp === null || pcbp.sockdata === null) return EINVAL;
  const node = pcbp.sockdata.node;
  if (node === null) return EINVAL;
  // sizeof(struct sockaddr_ng) + NG_NODESIZ - sizeof(sg_data)
  return new sockaddr_ng(node.nd_name, 16 + NG_NODESIZ - 14);
}

// ---------------------------------------------------------------------------
// Attaching and detaching

function ng_attach_cntl(so: socket): number {
  let error = ng_attach_common(so, NG_CONTROL);
  if (error !== 0) return error;
  const pcbp = sotongpcb(so);
  if (pcbp === null) return EINVAL;
  const r = ng_make_node_common(ng_socket_typestruct);
  error = r.error;
  if (r.node === null) {
    ng_detach_common(pcbp, NG_CONTROL);
    return error;
  }
  const priv = new ngsock();
  priv.ctlsock = pcbp;
  pcbp.sockdata = priv;
  priv.refs++;
  priv.node = r.node;
  pcbp.node_id = r.node.nd_ID;
  // The node holds the private data too (NG_NODE_REF).
  r.node.nd_private = priv;
  priv.refs++;
  return 0;
}

function ng_attach_common(so: socket, type: number): number {
  const error = soreserve(so, ngpdg_sendspace, ngpdg_recvspace);
  if (error !== 0) return error;
  const pcbp = new ngpcb(so, type);
  so.so_pcb_other = pcbp;
  ngsocklist.unshift(pcbp);
  return 0;
}

/** A socket goes: unlink it from the node's data; the last socket takes the
 *  node with it. */
function ng_detach_common(pcbp: ngpcb, which: number): void {
  const priv = pcbp.sockdata;
  if (priv !== null) {
    if (which === NG_CONTROL) priv.ctlsock = null;
    else priv.datasock = null;
    pcbp.sockdata = null;
    pcbp.node_id = 0;
    ng_socket_free_priv(priv);
  }
  pcbp.ng_socket.so_pcb_other = null;
  const i = ngsocklist.indexOf(pcbp);
  if (i >= 0) ngsocklist.splice(i, 1);
}

/** Drop a reference to the shared data; when only the node's is left, the
 *  node is shut down. */
function ng_socket_free_priv(priv: ngsock): void {
  priv.refs--;
  if (priv.refs === 0) return;
  if (priv.refs === 1 && priv.node !== null) {
    const node = priv.node;
    priv.node = null;
    ng_rmnode_self(node);
  }
}

/** connect(2) of a data socket: attach to the socket node at the path. */
function ng_connect_data(nam: sockaddr, pcbp: ngpcb): number {
  if (pcbp.sockdata !== null) return EISCONN;
  const r = ng_path2noderef(null, cstr(sg_bytes(nam)));
  if (r.node === null) return r.error;
  const farnode = r.node;
  if (farnode.nd_type.name !== NG_SOCKET_NODE_TYPE) return EINVAL;
  const priv = NG_NODE_PRIVATE(farnode);
  if (priv === null) return EINVAL;
  if (priv.datasock !== null) return EADDRINUSE;
  priv.datasock = pcbp;
  pcbp.sockdata = priv;
  pcbp.node_id = farnode.nd_ID;
  priv.refs++;
  return 0;
}

/** bind(2) of a control socket: name its node. */
function ng_bind(nam: sockaddr, pcbp: ngpcb): number {
  const priv = pcbp.sockdata;
  if (priv === null || priv.node === null) return EINVAL;
  const len = SA_LEN(nam);
  const data = sg_bytes(nam);
  if (len < 4 || len > NG_NODESIZ + 2 || data[0] === 0 || data[len - 3] !== 0) return EINVAL;
  return ng_name_node(priv.node, cstr(data));
}

// ---------------------------------------------------------------------------
// The node

/** Socket nodes are made by socket(2), never by mkpeer. */
function ngs_constructor(_node: ng_node): number {
  return EINVAL;
}

function ngs_newhook(_node: ng_node, hook: ng_hook, name: string): number {
  hook.hk_private = new hookpriv(hook, new sockaddr_ng(name));
  return 0;
}

/** With exactly one hook, the data socket is "connected": read(2) and
 *  write(2) work on it. */
function ngs_set_datasock_state(node: ng_node): void {
  const priv = NG_NODE_PRIVATE(node);
  if (priv === null || priv.datasock === null) return;
  const so = priv.datasock.ng_socket;
  if (NG_NODE_NUMHOOKS(node) === 1) so.so_state |= SS_ISCONNECTED;
  else so.so_state &= ~SS_ISCONNECTED;
}

function ngs_connect(hook: ng_hook): number {
  ngs_set_datasock_state(hook.hk_node);
  return 0;
}

/** Messages for the node go up the control socket, except the socket
 *  type's own. */
function ngs_rcvmsg(node: ng_node, item: ng_item, _lasthook: ng_hook | null): number {
  const priv = NG_NODE_PRIVATE(node);
  const retaddr = item.retaddr;
  const msg = NGI_GET_MSG(item);
  NG_FREE_ITEM(item);
  if (msg === null) return EINVAL;
  // Without the control socket only generic messages are possible.
  const pcbp = priv === null ? null : priv.ctlsock;
  if (priv === null || pcbp === null) return EINVAL;
  const so = pcbp.ng_socket;
  if (msg.header.typecookie === NGM_SOCKET_COOKIE) {
    switch (msg.header.cmd) {
      case NGM_SOCK_CMD_NOLINGER:
        priv.flags |= NGS_FLAG_NOLINGER;
        return 0;
      case NGM_SOCK_CMD_LINGER:
        priv.flags &= ~NGS_FLAG_NOLINGER;
        return 0;
      default:
        return EINVAL;
    }
  }
  // A struct sockaddr_ng on the stack: sg_len is its size, 16.
  const addr = new sockaddr_ng(`[${retaddr.toString(16)}]:`, 16);
  const bytes = ng_mesg_bytes(msg);
  const m = m_devget(bytes, 0, bytes.length, null);
  if (m === null) return ENOBUFS;
  if (sbappendaddr_locked(so.so_rcv, addr, m, null) === 0) {
    m_freem(m);
    return ENOBUFS;
  }
  sorwakeup_locked(so);
  return 0;
}

/** A frame arriving on a hook goes to the data socket, the hook's name as
 *  its source; with no data socket it is dropped. */
function ngs_rcvdata(hook: ng_hook, item: ng_item): number {
  const priv = NG_NODE_PRIVATE(hook.hk_node);
  const m = NGI_GET_M(item);
  NG_FREE_ITEM(item);
  if (m === null) return 0;
  const pcbp = priv === null ? null : priv.datasock;
  const hp = hook.hk_private;
  if (pcbp === null || !(hp instanceof hookpriv)) {
    m_freem(m);
    return 0;
  }
  const so = pcbp.ng_socket;
  if (sbappendaddr_locked(so.so_rcv, hp.addr, m, null) === 0) {
    m_freem(m);
    return ENOBUFS;
  }
  sorwakeup_locked(so);
  return 0;
}

function ngs_disconnect(hook: ng_hook): number {
  const node = hook.hk_node;
  const priv = NG_NODE_PRIVATE(node);
  hook.hk_private = null;
  ngs_set_datasock_state(node);
  if (priv !== null && (priv.flags & NGS_FLAG_NOLINGER) !== 0 && NG_NODE_NUMHOOKS(node) === 0 && NG_NODE_IS_VALID(node)) ng_rmnode_self(node);
  return 0;
}

/** The node goes (shutdown message, last socket closed, vnet destroyed):
 *  tell the sockets. */
function ngs_shutdown(node: ng_node): number {
  const priv = NG_NODE_PRIVATE(node);
  if (priv !== null) {
    if (priv.datasock !== null) soisdisconnected(priv.datasock.ng_socket);
    if (priv.ctlsock !== null) soisdisconnected(priv.ctlsock.ng_socket);
    priv.node = null;
    node.nd_private = null;
    ng_socket_free_priv(priv);
  }
  ng_unref_node(node);
  return 0;
}

function ngs_mod_event(_mod: unknown, what: number, _data: unknown): number {
  // MOD_LOAD 0, MOD_UNLOAD 1.
  if (what === 0) return 0;
  if (what === 1) return EBUSY;
  return EOPNOTSUPP;
}

export const ng_socket_typestruct: ng_type = {
  version: NG_ABI_VERSION,
  name: NG_SOCKET_NODE_TYPE,
  mod_event: ngs_mod_event,
  constructor: ngs_constructor,
  rcvmsg: ngs_rcvmsg,
  shutdown: ngs_shutdown,
  newhook: ngs_newhook,
  connect: ngs_connect,
  rcvdata: ngs_rcvdata,
  disconnect: ngs_disconnect,
};

// ---------------------------------------------------------------------------
// The PF_NETGRAPH domain

const ngdomain = { dom_family: AF_NETGRAPH, dom_name: "netgraph" };

export const ngc_protosw: protosw = {
  pr_type: SOCK_DGRAM,
  pr_domain: ngdomain,
  pr_protocol: NG_CONTROL,
  pr_flags: PR_ATOMIC | PR_ADDR,
  pr_attach: ngc_attach,
  pr_bind: ngc_bind,
  pr_connect: ngc_connect,
  pr_detach: ngc_detach,
  pr_disconnect: () => 0,
  pr_send: ngc_send,
  pr_sockaddr: ng_getsockaddr,
};

export const ngd_protosw: protosw = {
  pr_type: SOCK_DGRAM,
  pr_domain: ngdomain,
  pr_protocol: NG_DATA,
  pr_flags: PR_ATOMIC | PR_ADDR,
  pr_attach: ngd_attach,
  pr_connect: ngd_connect,
  pr_detach: ngd_detach,
  pr_disconnect: () => 0,
  pr_send: ngd_send,
  pr_sockaddr: ng_getsockaddr,
};

// NETGRAPH_INIT_ORDERED(socket, ..., SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY) and
// VNET_DOMAIN_SET(ng): the type and the domain register when the module
// loads; it is compiled into the kernel here.
ng_newtype(ng_socket_typestruct);
pf_proto_register(PF_NETGRAPH, ngc_protosw);
pf_proto_register(PF_NETGRAPH, ngd_protosw);
DECLARE_MODULE({ name: "ng_socket", evhand: null, priv: null }, SI_SUB_PROTO_DOMAIN, SI_ORDER_ANY);
MODULE_VERSION("ng_socket", 1);

const _net_graph = SYSCTL_NODE(_net, OID_AUTO, "graph", CTLFLAG_RW, null, "netgraph Family");
SYSCTL_INT(_net_graph, OID_AUTO, "maxdgram", CTLFLAG_RW, { get: () => ngpdg_sendspace, set: (v: number) => void (ngpdg_sendspace = v) }, 0, "Maximum outgoing Netgraph datagram size");
SYSCTL_INT(_net_graph, OID_AUTO, "recvspace", CTLFLAG_RW, { get: () => ngpdg_recvspace, set: (v: number) => void (ngpdg_recvspace = v) }, 0, "Maximum space for incoming Netgraph datagrams");
SYSCTL_INT(_net_graph, OID_AUTO, "family", CTLFLAG_RD, { get: () => AF_NETGRAPH, set: () => {} }, 0, "");
const _net_graph_data = SYSCTL_NODE(_net_graph, OID_AUTO, "data", CTLFLAG_RW, null, "DATA");
SYSCTL_INT(_net_graph_data, OID_AUTO, "proto", CTLFLAG_RD, { get: () => NG_DATA, set: () => {} }, 0, "");
const _net_graph_control = SYSCTL_NODE(_net_graph, OID_AUTO, "control", CTLFLAG_RW, null, "CONTROL");
SYSCTL_INT(_net_graph_control, OID_AUTO, "proto", CTLFLAG_RD, { get: () => NG_CONTROL, set: () => {} }, 0, "");
