// sys/netgraph/ng_bridge.c, ng_bridge.h: the "bridge" node type, an Ethernet
// learning bridge over its hooks.  Hooks are links ("linkN", which learn
// where hosts are) and uplinks ("uplinkN", N > 0, which do not learn).  A
// bridge whose first hook is an uplink is "private": unknown unicast then
// goes only to uplinks, never between links.  A host that shows up on a
// second link sooner than minStableAge seconds after it was placed is taken
// for a loop: that link is muted for loopTimeout seconds.  A once-a-second
// callout ages the host table and counts the mute down.
//
// As in FreeBSD 14, learning is done by a NGM_BRIDGE_MOVE_HOST message the
// node sends itself ("movehost", also open to ngctl).  FreeBSD queues it
// behind the data; here messages are delivered at once, so the table is
// updated before the frame is forwarded, which is the order FreeBSD's queue
// ends up with as well.

import { EINVAL, ELOOP, ENOBUFS, ENOENT, ENOMEM, ENOTCONN } from "../kern/errno.ts";
import { m_dup, m_pullup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { SI_ORDER_ANY, SI_SUB_DRIVERS } from "../kern/kernel.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { ETHER_ADDR_LEN, ETHER_HDR_LEN } from "../net/ethernet.ts";
import { KASSERT, log } from "../kern/subr_prf.ts";
import { callout, callout_init, hz } from "../kern/kern_timeout.ts";
import { NG_ABI_VERSION, NG_HOOKSIZ, NG_MKMESSAGE, NG_MKRESPONSE, ng_getstr, ng_putstr, type ng_mesg } from "./netgraph.ts";
import {
  ng_parse_array_type,
  ng_parse_enaddr_type,
  ng_parse_get_u32,
  ng_parse_hookbuf_type,
  ng_parse_struct_type,
  ng_parse_uint16_type,
  ng_parse_uint32_type,
  ng_parse_uint64_type,
  ng_parse_uint8_type,
  type ng_cmdlist,
  type ng_parse_array_info,
  type ng_parse_struct_field,
  type ng_parse_type,
} from "./ng_parse.ts";
import {
  NGI_GET_M,
  NGI_GET_MSG,
  NG_FREE_ITEM,
  NG_FWD_ITEM_HOOK,
  NG_NODE_IS_VALID,
  NG_NODE_NUMHOOKS,
  NG_RESPOND_MSG,
  NG_SEND_DATA_ONLY,
  NG_SEND_MSG_ID,
  ng_callout,
  ng_findhook,
  ng_newtype,
  ng_rmnode_self,
  ng_uncallout,
  ng_unref_node,
  type ng_hook,
  type ng_item,
  type ng_node,
  type ng_type,
} from "./ng_base.ts";

export const NG_BRIDGE_NODE_TYPE = "bridge";
export const NGM_BRIDGE_COOKIE = 1569321993;

export const NG_BRIDGE_HOOK_LINK_PREFIX = "link";
export const NG_BRIDGE_HOOK_UPLINK_PREFIX = "uplink";

export const NGM_BRIDGE_SET_CONFIG = 1;
export const NGM_BRIDGE_GET_CONFIG = 2;
export const NGM_BRIDGE_RESET = 3;
export const NGM_BRIDGE_GET_STATS = 4;
export const NGM_BRIDGE_CLR_STATS = 5;
export const NGM_BRIDGE_GETCLR_STATS = 6;
export const NGM_BRIDGE_GET_TABLE = 7;
export const NGM_BRIDGE_SET_PERSISTENT = 8;
export const NGM_BRIDGE_MOVE_HOST = 9;

const LOG_WARNING = 4;
const LOG_INFO = 6;

/** Hash buckets: a power of two between these. */
const MIN_BUCKETS = 1 << 5;
const MAX_BUCKETS = 1 << 14;

const DEFAULT_LOOP_TIMEOUT = 60;
const DEFAULT_MAX_STALENESS = 15 * 60;
const DEFAULT_MIN_STABLE_AGE = 1;

// ---------------------------------------------------------------------------
// Binary layouts (amd64): struct ng_bridge_config, ng_bridge_link_stats,
// ng_bridge_host_ary / ng_bridge_hostent, ng_bridge_move_host.

/** struct ng_bridge_config { u_char debugLevel; u_int32_t loopTimeout,
 *  maxStaleness, minStableAge; }: 3 bytes of padding after debugLevel. */
export const NG_BRIDGE_CONFIG_SIZE = 16;
/** struct ng_bridge_link_stats: 14 u_int64_t. */
export const NG_BRIDGE_LINK_STATS_SIZE = 14 * 8;
/** struct ng_bridge_hostent { addr[6]; hook[NG_HOOKSIZ]; u16 age; u16 staleness; }. */
export const NG_BRIDGE_HOSTENT_SIZE = ETHER_ADDR_LEN + NG_HOOKSIZ + 4;
/** struct ng_bridge_host_ary { u_int32_t numHosts; hostent hosts[]; }. */
export const NG_BRIDGE_HOST_ARY_HDRLEN = 4;
/** struct ng_bridge_move_host { addr[6]; hook[NG_HOOKSIZ]; }. */
export const NG_BRIDGE_MOVE_HOST_SIZE = ETHER_ADDR_LEN + NG_HOOKSIZ;

export interface ng_bridge_config {
  debugLevel: number;
  loopTimeout: number;
  maxStaleness: number;
  minStableAge: number;
}

export function ng_bridge_config_enc(b: Uint8Array, c: ng_bridge_config): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  b.fill(0, 0, NG_BRIDGE_CONFIG_SIZE);
  b[0] = c.debugLevel & 0xff;
  dv.setUint32(4, c.loopTimeout >>> 0, true);
  dv.setUint32(8, c.maxStaleness >>> 0, true);
  dv.setUint32(12, c.minStableAge >>> 0, true);
}

export function ng_bridge_config_dec(b: Uint8Array): ng_bridge_config {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { debugLevel: b[0], loopTimeout: dv.getUint32(4, true), maxStaleness: dv.getUint32(8, true), minStableAge: dv.getUint32(12, true) };
}

/** The counters of struct ng_bridge_link_stats, in their order. */
export const NG_BRIDGE_STATS_FIELDS = [
  "recvOctets",
  "recvPackets",
  "recvMulticasts",
  "recvBroadcasts",
  "recvUnknown",
  "recvRunts",
  "recvInvalid",
  "xmitOctets",
  "xmitPackets",
  "xmitMulticasts",
  "xmitBroadcasts",
  "loopDrops",
  "loopDetects",
  "memoryFailures",
] as const;
export type ng_bridge_link_stats = Record<(typeof NG_BRIDGE_STATS_FIELDS)[number], number>;

export function ng_bridge_link_stats_dec(b: Uint8Array): ng_bridge_link_stats {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const r = {} as ng_bridge_link_stats;
  NG_BRIDGE_STATS_FIELDS.forEach((f, i) => {
    r[f] = dv.getUint32(i * 8, true) + dv.getUint32(i * 8 + 4, true) * 2 ** 32;
  });
  return r;
}

export interface ng_bridge_hostent {
  addr: Uint8Array;
  hook: string;
  age: number;
  staleness: number;
}

export function ng_bridge_host_ary_dec(b: Uint8Array): ng_bridge_hostent[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length >= 4 ? dv.getUint32(0, true) : 0;
  const out: ng_bridge_hostent[] = [];
  for (let i = 0; i < n; i++) {
    const off = NG_BRIDGE_HOST_ARY_HDRLEN + i * NG_BRIDGE_HOSTENT_SIZE;
    if (off + NG_BRIDGE_HOSTENT_SIZE > b.length) break;
    out.push({
      addr: b.slice(off, off + ETHER_ADDR_LEN),
      hook: ng_getstr(b, off + ETHER_ADDR_LEN, NG_HOOKSIZ),
      age: dv.getUint16(off + ETHER_ADDR_LEN + NG_HOOKSIZ, true),
      staleness: dv.getUint16(off + ETHER_ADDR_LEN + NG_HOOKSIZ + 2, true),
    });
  }
  return out;
}

export function ng_bridge_move_host_enc(addr: Uint8Array, hook: string): Uint8Array {
  const b = new Uint8Array(NG_BRIDGE_MOVE_HOST_SIZE);
  b.set(addr.subarray(0, ETHER_ADDR_LEN), 0);
  ng_putstr(b, ETHER_ADDR_LEN, NG_HOOKSIZ, hook);
  return b;
}

// ---------------------------------------------------------------------------
// Parse types and the command list (ngctl msg bridge: getconfig, ...).

function struct_type(fields: ng_parse_struct_field[]): ng_parse_type {
  return { supertype: ng_parse_struct_type, info: fields };
}

/** NG_BRIDGE_HOST_TYPE_INFO: one struct ng_bridge_hostent. */
export const ng_bridge_host_type = struct_type([
  { name: "addr", type: ng_parse_enaddr_type },
  { name: "hook", type: ng_parse_hookbuf_type },
  { name: "age", type: ng_parse_uint16_type },
  { name: "staleness", type: ng_parse_uint16_type },
]);

/** The table's length is the numHosts just before it. */
function ng_bridge_getTableLength(type: ng_parse_type, b: Uint8Array, start: number, buf: number): number {
  return ng_parse_get_u32(b, buf - 4);
}
const ng_bridge_hary_type_info: ng_parse_array_info = { elementType: ng_bridge_host_type, getLength: ng_bridge_getTableLength };
const ng_bridge_hary_type: ng_parse_type = { supertype: ng_parse_array_type, info: ng_bridge_hary_type_info };
export const ng_bridge_host_ary_type = struct_type([
  { name: "numHosts", type: ng_parse_uint32_type },
  { name: "hosts", type: ng_bridge_hary_type },
]);

export const ng_bridge_config_type = struct_type([
  { name: "debugLevel", type: ng_parse_uint8_type },
  { name: "loopTimeout", type: ng_parse_uint32_type },
  { name: "maxStaleness", type: ng_parse_uint32_type },
  { name: "minStableAge", type: ng_parse_uint32_type },
]);

/** NG_BRIDGE_STATS_TYPE_INFO: FreeBSD spells two of the ASCII names in the
 *  singular (recvMulticast, recvBroadcast), unlike the struct's fields. */
export const ng_bridge_stats_type = struct_type(
  ["recvOctets", "recvPackets", "recvMulticast", "recvBroadcast", "recvUnknown", "recvRunts", "recvInvalid", "xmitOctets", "xmitPackets", "xmitMulticasts", "xmitBroadcasts", "loopDrops", "loopDetects", "memoryFailures"].map((name) => ({
    name,
    type: ng_parse_uint64_type,
  })),
);

export const ng_bridge_move_host_type = struct_type([
  { name: "addr", type: ng_parse_enaddr_type },
  { name: "hook", type: ng_parse_hookbuf_type },
]);

export const ng_bridge_cmdlist: readonly ng_cmdlist[] = [
  { cookie: NGM_BRIDGE_COOKIE, cmd: NGM_BRIDGE_SET_CONFIG, name: "setconfig", mesgType: ng_bridge_config_type, respType: null },
  { cookie: NGM_BRIDGE_COOKIE, cmd: NGM_BRIDGE_GET_CONFIG, name: "getconfig", mesgType: null, respType: ng_bridge_config_type },
  { cookie: NGM_BRIDGE_COOKIE, cmd: NGM_BRIDGE_RESET, name: "reset", mesgType: null, respType: null },
  { cookie: NGM_BRIDGE_COOKIE, cmd: NGM_BRIDGE_GET_STATS, name: "getstats", mesgType: ng_parse_uint32_type, respType: ng_bridge_stats_type },
  { cookie: NGM_BRIDGE_COOKIE, cmd: NGM_BRIDGE_CLR_STATS, name: "clrstats", mesgType: ng_parse_uint32_type, respType: null },
  { cookie: NGM_BRIDGE_COOKIE, cmd: NGM_BRIDGE_GETCLR_STATS, name: "getclrstats", mesgType: ng_parse_uint32_type, respType: ng_bridge_stats_type },
  { cookie: NGM_BRIDGE_COOKIE, cmd: NGM_BRIDGE_GET_TABLE, name: "gettable", mesgType: null, respType: ng_bridge_host_ary_type },
  { cookie: NGM_BRIDGE_COOKIE, cmd: NGM_BRIDGE_SET_PERSISTENT, name: "setpersistent", mesgType: null, respType: null },
  { cookie: NGM_BRIDGE_COOKIE, cmd: NGM_BRIDGE_MOVE_HOST, name: "movehost", mesgType: ng_bridge_move_host_type, respType: null },
];

// ---------------------------------------------------------------------------
// Private state.

/** struct ng_bridge_link_kernel_stats (counter(9)s in FreeBSD). */
class ng_bridge_link_kernel_stats {
  recvOctets = 0;
  recvPackets = 0;
  recvMulticasts = 0;
  recvBroadcasts = 0;
  recvUnknown = 0;
  recvRunts = 0;
  recvInvalid = 0;
  xmitOctets = 0;
  xmitPackets = 0;
  xmitMulticasts = 0;
  xmitBroadcasts = 0;
  loopDrops = 0;
  loopDetects = 0;
  memoryFailures = 0;
}

/** struct ng_bridge_link: per hook. */
class ng_bridge_link {
  hook: ng_hook;
  /** Seconds the link stays muted after a loop (u_int16_t). */
  loopCount = 0;
  learnMac = false;
  sendUnknown = false;
  readonly stats = new ng_bridge_link_kernel_stats();
  constructor(hook: ng_hook) {
    this.hook = hook;
  }
}

/** struct ng_bridge_host: a table entry.  The address is kept as its first
 *  four and last two bytes (ETHER_EQUAL compares the same two words). */
class ng_bridge_host {
  a0 = 0;
  a1 = 0;
  link: ng_bridge_link;
  /** Seconds since the entry was placed on its link (u_int16_t). */
  age = 0;
  /** Seconds since the host was last heard from (u_int16_t). */
  staleness = 0;
  next: ng_bridge_host | null = null;
  constructor(link: ng_bridge_link) {
    this.link = link;
  }
}

/** struct ng_bridge_private. */
class ng_bridge_private {
  tab: (ng_bridge_host | null)[] = new Array<ng_bridge_host | null>(MIN_BUCKETS).fill(null);
  conf: ng_bridge_config = { debugLevel: 1, loopTimeout: DEFAULT_LOOP_TIMEOUT, maxStaleness: DEFAULT_MAX_STALENESS, minStableAge: DEFAULT_MIN_STABLE_AGE };
  node: ng_node;
  numHosts = 0;
  numBuckets = MIN_BUCKETS;
  hashMask = MIN_BUCKETS - 1;
  numLinks = 0;
  persistent = false;
  /** Links receive unknown unicast by default (a "classic" bridge). */
  sendUnknown = true;
  readonly timer = new callout();
  constructor(node: ng_node) {
    this.node = node;
  }
}

function PRIV(node: ng_node): ng_bridge_private {
  return node.nd_private as ng_bridge_private;
}
function LINK(hook: ng_hook): ng_bridge_link {
  return hook.hk_private as ng_bridge_link;
}

// The address words read as the machine reads them (little-endian u16s for
// the hash, so the table's order is FreeBSD's on amd64).
function addr_w0(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}
function addr_w1(b: Uint8Array, o: number): number {
  return b[o + 4] | (b[o + 5] << 8);
}
/** HASH(addr, mask): xor of the three 16-bit words. */
function HASH(a0: number, a1: number, mask: number): number {
  return ((a0 & 0xffff) ^ (a0 >>> 16) ^ a1) & mask;
}

// ---------------------------------------------------------------------------
// Node methods.

function ng_bridge_constructor(node: ng_node): number {
  const priv = new ng_bridge_private(node);
  callout_init(priv.timer, true);
  node.nd_private = priv;
  // The timer runs as long as the node lives.
  ng_callout(priv.timer, node, null, hz, ng_bridge_timeout, null, 0);
  return 0;
}

/** The number after the prefix, if the name is exactly prefix + "%u" of it
 *  (strtoul, then compare with the name rebuilt, as FreeBSD validates). */
function link_number(name: string, prefix: string): number {
  const digits = name.slice(prefix.length);
  // strtoul: leading white space and a sign are accepted, then digits.
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(digits);
  let n = 0;
  if (m !== null && m[2].length > 0) {
    const v = BigInt(m[2]);
    let u = v > 0xffffffffn ? 0xffffffffn : v;
    if (m[1] === "-" && u !== 0n) u = (0x100000000n - u) & 0xffffffffn;
    n = Number(u);
  }
  return `${prefix}${n}` === name ? n : -1;
}

function ng_bridge_newhook(node: ng_node, hook: ng_hook, name: string): number {
  const priv = PRIV(node);
  let prefix = NG_BRIDGE_HOOK_LINK_PREFIX;
  if (name.length <= prefix.length) return EINVAL;
  const isUplink = name[0] === "u";
  if (isUplink) prefix = NG_BRIDGE_HOOK_UPLINK_PREFIX;
  const linkNum = link_number(name, prefix);
  if (linkNum < 0) return EINVAL;
  if (linkNum === 0 && isUplink) return EINVAL;
  if (hook.hk_peer !== null && hook.hk_peer.hk_node === node) return ELOOP;
  const link = new ng_bridge_link(hook);
  if (isUplink) {
    link.learnMac = false;
    link.sendUnknown = true;
    // A bridge whose first link is an uplink keeps unknowns off its links.
    if (priv.numLinks === 0) priv.sendUnknown = false;
  } else {
    link.learnMac = true;
    link.sendUnknown = priv.sendUnknown;
  }
  hook.hk_private = link;
  priv.numLinks++;
  return 0;
}

function ng_bridge_clear_link_stats(p: ng_bridge_link_kernel_stats): void {
  p.recvOctets = 0;
  p.recvPackets = 0;
  p.recvMulticasts = 0;
  p.recvBroadcasts = 0;
  p.recvUnknown = 0;
  p.recvRunts = 0;
  p.recvInvalid = 0;
  p.xmitOctets = 0;
  p.xmitPackets = 0;
  p.xmitMulticasts = 0;
  p.xmitBroadcasts = 0;
  p.loopDrops = 0;
  p.loopDetects = 0;
  p.memoryFailures = 0;
}

function put_u64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % 2 ** 32, true);
  dv.setUint32(off + 4, Math.floor(v / 2 ** 32) % 2 ** 32, true);
}

function ng_bridge_rcvmsg(node: ng_node, item: ng_item, lasthook: ng_hook | null): number {
  const priv = PRIV(node);
  let resp: ng_mesg | null = null;
  let error = 0;
  const msg = NGI_GET_MSG(item);
  if (msg === null) {
    NG_FREE_ITEM(item);
    return EINVAL;
  }
  if (msg.header.typecookie !== NGM_BRIDGE_COOKIE) {
    NG_FREE_ITEM(item);
    return EINVAL;
  }
  switch (msg.header.cmd) {
    case NGM_BRIDGE_GET_CONFIG:
      resp = NG_MKRESPONSE(msg, NG_BRIDGE_CONFIG_SIZE);
      ng_bridge_config_enc(resp.data, priv.conf);
      break;
    case NGM_BRIDGE_SET_CONFIG:
      if (msg.header.arglen !== NG_BRIDGE_CONFIG_SIZE || msg.data.length < NG_BRIDGE_CONFIG_SIZE) {
        error = EINVAL;
        break;
      }
      // Taken as it is, as FreeBSD does.
      priv.conf = ng_bridge_config_dec(msg.data);
      break;
    case NGM_BRIDGE_RESET:
      ng_bridge_remove_hosts(priv, null);
      for (const h of node.nd_hooks) {
        const link = LINK(h);
        link.loopCount = 0;
        ng_bridge_clear_link_stats(link.stats);
      }
      break;
    case NGM_BRIDGE_GET_STATS:
    case NGM_BRIDGE_CLR_STATS:
    case NGM_BRIDGE_GETCLR_STATS: {
      if (msg.header.arglen !== 4 || msg.data.length < 4) {
        error = EINVAL;
        break;
      }
      const linkNum = new DataView(msg.data.buffer, msg.data.byteOffset, 4).getInt32(0, true);
      // A negative number names an uplink; -INT_MIN stays INT_MIN, printed unsigned.
      const linkName = linkNum < 0 ? `${NG_BRIDGE_HOOK_UPLINK_PREFIX}${(-linkNum | 0) >>> 0}` : `${NG_BRIDGE_HOOK_LINK_PREFIX}${linkNum}`;
      const hook = ng_findhook(node, linkName);
      if (hook === null) {
        error = ENOTCONN;
        break;
      }
      const link = LINK(hook);
      if (msg.header.cmd !== NGM_BRIDGE_CLR_STATS) {
        resp = NG_MKRESPONSE(msg, NG_BRIDGE_LINK_STATS_SIZE);
        const dv = new DataView(resp.data.buffer, resp.data.byteOffset, resp.data.byteLength);
        NG_BRIDGE_STATS_FIELDS.forEach((f, i) => put_u64(dv, i * 8, link.stats[f]));
      }
      if (msg.header.cmd !== NGM_BRIDGE_GET_STATS) ng_bridge_clear_link_stats(link.stats);
      break;
    }
    case NGM_BRIDGE_GET_TABLE: {
      resp = NG_MKRESPONSE(msg, NG_BRIDGE_HOST_ARY_HDRLEN + priv.numHosts * NG_BRIDGE_HOSTENT_SIZE);
      const b = resp.data;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      dv.setUint32(0, priv.numHosts, true);
      let i = 0;
      for (let bucket = 0; bucket < priv.numBuckets; bucket++) {
        for (let host = priv.tab[bucket]; host !== null; host = host.next) {
          const off = NG_BRIDGE_HOST_ARY_HDRLEN + i * NG_BRIDGE_HOSTENT_SIZE;
          dv.setUint32(off, host.a0, true);
          dv.setUint16(off + 4, host.a1, true);
          ng_putstr(b, off + ETHER_ADDR_LEN, NG_HOOKSIZ, host.link.hook.hk_name);
          dv.setUint16(off + ETHER_ADDR_LEN + NG_HOOKSIZ, host.age, true);
          dv.setUint16(off + ETHER_ADDR_LEN + NG_HOOKSIZ + 2, host.staleness, true);
          i++;
        }
      }
      break;
    }
    case NGM_BRIDGE_SET_PERSISTENT:
      priv.persistent = true;
      break;
    case NGM_BRIDGE_MOVE_HOST: {
      if (msg.header.arglen < NG_BRIDGE_MOVE_HOST_SIZE || msg.data.length < NG_BRIDGE_MOVE_HOST_SIZE) {
        error = EINVAL;
        break;
      }
      const d = msg.data;
      const hookname = ng_getstr(d, ETHER_ADDR_LEN, NG_HOOKSIZ);
      const hook = hookname.length === 0 ? lasthook : ng_findhook(node, hookname);
      if (hook === null || hook.hk_node !== node) {
        error = ENOENT;
        break;
      }
      error = ng_bridge_put(priv, addr_w0(d, 0), addr_w1(d, 0), LINK(hook));
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

/** ng_bridge_send_data: count and send; the counters move only if the
 *  next node took the frame.  With an item, the item carries m on. */
function ng_bridge_send_data(dst: ng_bridge_link, manycast: number, m: mbuf, item: ng_item | null): number {
  const len = m.m_pkthdr.len;
  let error: number;
  if (item !== null) {
    item.m = m;
    error = NG_FWD_ITEM_HOOK(item, dst.hook);
  } else error = NG_SEND_DATA_ONLY(dst.hook, m);
  // On error the frame has been freed on the way.
  if (error !== 0) return error;
  const st = dst.stats;
  st.xmitPackets++;
  st.xmitOctets += len;
  if (manycast === 1) st.xmitMulticasts++;
  else if (manycast === 2) st.xmitBroadcasts++;
  return 0;
}

function ng_bridge_rcvdata(hook: ng_hook, item: ng_item): number {
  const node = hook.hk_node;
  const priv = PRIV(node);
  const incoming = LINK(hook);
  let m = NGI_GET_M(item);
  if (m === null) {
    NG_FREE_ITEM(item);
    return EINVAL;
  }
  const ist = incoming.stats;
  if (m.m_pkthdr.len < ETHER_HDR_LEN) {
    ist.recvRunts++;
    NG_FREE_ITEM(item);
    m_freem(m);
    return EINVAL;
  }
  if (m.m_len < ETHER_HDR_LEN) {
    m = m_pullup(m, ETHER_HDR_LEN);
    if (m === null) {
      ist.memoryFailures++;
      NG_FREE_ITEM(item);
      return ENOBUFS;
    }
  }
  const b = m.m_buf;
  const eh = m.m_data;
  // ether_shost starts 6 bytes in.
  if ((b[eh + 6] & 1) !== 0) {
    ist.recvInvalid++;
    NG_FREE_ITEM(item);
    m_freem(m);
    return EINVAL;
  }

  // A muted link takes nothing.
  if (incoming.loopCount !== 0) {
    ist.loopDrops++;
    NG_FREE_ITEM(item);
    m_freem(m);
    return ELOOP;
  }

  ist.recvPackets++;
  ist.recvOctets += m.m_pkthdr.len;
  const d0 = addr_w0(b, eh);
  const d1 = addr_w1(b, eh);
  let manycast = b[eh] & 1;
  if (manycast !== 0) {
    if (d0 === 0xffffffff && d1 === 0xffff) {
      ist.recvBroadcasts++;
      manycast = 2;
    } else ist.recvMulticasts++;
  }

  const s0 = addr_w0(b, eh + 6);
  const s1 = addr_w1(b, eh + 6);
  let host = ng_bridge_get(priv, s0, s1);
  if (host !== null && host.staleness > 0) host.staleness = 0;

  if ((host === null && incoming.learnMac) || (host !== null && host.link !== incoming)) {
    const msg = NG_MKMESSAGE(NGM_BRIDGE_COOKIE, NGM_BRIDGE_MOVE_HOST, NG_BRIDGE_MOVE_HOST_SIZE);
    msg.data.set(b.subarray(eh + 6, eh + 12), 0);
    ng_putstr(msg.data, ETHER_ADDR_LEN, NG_HOOKSIZ, incoming.hook.hk_name);
    // FreeBSD counts a failure to queue this as a memory failure; here it
    // is handled at once and what it answers is the table's business.
    NG_SEND_MSG_ID(msg, node.nd_ID, node.nd_ID);
  }

  // A host that jumped links too recently: the frame is dropped (the move
  // message above muted the link).
  if (host !== null && host.link !== incoming && host.age < priv.conf.minStableAge) {
    ist.loopDrops++;
    NG_FREE_ITEM(item);
    m_freem(m);
    return ELOOP;
  }

  // Known unicast: out the host's link, unless that is where it came from.
  if (manycast === 0) {
    host = ng_bridge_get(priv, d0, d1);
    if (host !== null) {
      const destLink = host.link;
      if (destLink === incoming) {
        NG_FREE_ITEM(item);
        m_freem(m);
        return 0;
      }
      return ng_bridge_send_data(destLink, manycast, m, item);
    }
    ist.recvUnknown++;
  }

  // Flood: a copy to every usable link but the first found, which gets the
  // original last (NG_NODE_FOREACH_HOOK with ng_bridge_send_ctx).
  let foundFirst: ng_bridge_link | null = null;
  let error = 0;
  const hooks = node.nd_hooks;
  for (let i = 0; i < hooks.length; i++) {
    const destLink = LINK(hooks[i]);
    if (destLink === incoming) continue;
    if (manycast === 0 && !destLink.sendUnknown) continue;
    if (foundFirst === null) {
      foundFirst = destLink;
      continue;
    }
    const m2 = m_dup(m, M_NOWAIT);
    if (m2 === null) {
      ist.memoryFailures++;
      error = ENOBUFS;
      break;
    }
    const e = ng_bridge_send_data(destLink, manycast, m2, null);
    if (e !== 0) error = e;
  }

  if (foundFirst !== null) {
    const e = ng_bridge_send_data(foundFirst, manycast, m, item);
    if (e !== 0) error = e;
  } else {
    NG_FREE_ITEM(item);
    m_freem(m);
  }
  return error;
}

function ng_bridge_shutdown(node: ng_node): number {
  const priv = PRIV(node);
  KASSERT(priv.numLinks === 0 && priv.numHosts === 0, `ng_bridge_shutdown: numLinks=${priv.numLinks} numHosts=${priv.numHosts}`);
  ng_uncallout(priv.timer, node);
  node.nd_private = null;
  ng_unref_node(node);
  return 0;
}

function ng_bridge_disconnect(hook: ng_hook): number {
  const node = hook.hk_node;
  const priv = PRIV(node);
  const link = LINK(hook);
  ng_bridge_remove_hosts(priv, link);
  hook.hk_private = null;
  priv.numLinks--;
  if (NG_NODE_NUMHOOKS(node) === 0 && NG_NODE_IS_VALID(node) && !priv.persistent) ng_rmnode_self(node);
  return 0;
}

// ---------------------------------------------------------------------------
// The host table.

function ng_bridge_get(priv: ng_bridge_private, a0: number, a1: number): ng_bridge_host | null {
  for (let host = priv.tab[HASH(a0, a1, priv.hashMask)]; host !== null; host = host.next) {
    if (host.a0 === a0 && host.a1 === a1) return host;
  }
  return null;
}

/** ng_bridge_put: add a host, or move it to link.  A host placed less
 *  than minStableAge seconds ago that moves again is a loop: the link is
 *  muted, its hosts forgotten, and ELOOP returned. */
function ng_bridge_put(priv: ng_bridge_private, a0: number, a1: number, link: ng_bridge_link): number {
  let host = ng_bridge_get(priv, a0, a1);
  if (host !== null) {
    if (host.link === link) return 0;
    if (host.age >= priv.conf.minStableAge) {
      host.link = link;
      host.age = 0;
      return 0;
    }
    if (priv.conf.debugLevel >= 2) log(LOG_WARNING, `ng_bridge: ${ng_bridge_nodename(priv.node)}: loopback detected on ${link.hook.hk_name}\n`);
    link.loopCount = priv.conf.loopTimeout & 0xffff;
    link.stats.loopDetects++;
    ng_bridge_remove_hosts(priv, link);
    return ELOOP;
  }
  host = new ng_bridge_host(link);
  host.a0 = a0;
  host.a1 = a1;
  const bucket = HASH(a0, a1, priv.hashMask);
  host.next = priv.tab[bucket];
  priv.tab[bucket] = host;
  priv.numHosts++;
  ng_bridge_rehash(priv);
  return 0;
}

/** Keep the load factor between 0.25 and 1 within the bucket limits. */
function ng_bridge_rehash(priv: ng_bridge_private): void {
  let newNumBuckets: number;
  if (priv.numHosts > priv.numBuckets && priv.numBuckets << 1 <= MAX_BUCKETS) newNumBuckets = priv.numBuckets << 1;
  else if (priv.numHosts < priv.numBuckets >> 2 && priv.numBuckets >> 2 >= MIN_BUCKETS) newNumBuckets = priv.numBuckets >> 2;
  else return;
  const newMask = newNumBuckets - 1;
  const newTab = new Array<ng_bridge_host | null>(newNumBuckets).fill(null);
  for (let oldBucket = 0; oldBucket < priv.numBuckets; oldBucket++) {
    let host = priv.tab[oldBucket];
    while (host !== null) {
      const next: ng_bridge_host | null = host.next;
      const nb = HASH(host.a0, host.a1, newMask);
      host.next = newTab[nb];
      newTab[nb] = host;
      host = next;
    }
  }
  if (priv.conf.debugLevel >= 3) log(LOG_INFO, `ng_bridge: ${ng_bridge_nodename(priv.node)}: table size ${priv.numBuckets} -> ${newNumBuckets}\n`);
  priv.numBuckets = newNumBuckets;
  priv.hashMask = newMask;
  priv.tab = newTab;
}

/** Forget the hosts on link, or every host (link null). */
function ng_bridge_remove_hosts(priv: ng_bridge_private, link: ng_bridge_link | null): void {
  for (let bucket = 0; bucket < priv.numBuckets; bucket++) {
    let prev: ng_bridge_host | null = null;
    let host = priv.tab[bucket];
    while (host !== null) {
      const next: ng_bridge_host | null = host.next;
      if (link === null || host.link === link) {
        if (prev === null) priv.tab[bucket] = next;
        else prev.next = next;
        priv.numHosts--;
      } else prev = host;
      host = next;
    }
  }
}

/** Once a second: age the hosts, drop the stale ones, shrink the table if
 *  it emptied, count muted links down. */
function ng_bridge_timeout(node: ng_node): void {
  const priv = PRIV(node);
  let counter = 0;
  for (let bucket = 0; bucket < priv.numBuckets; bucket++) {
    let prev: ng_bridge_host | null = null;
    let host = priv.tab[bucket];
    while (host !== null) {
      const next: ng_bridge_host | null = host.next;
      host.staleness = (host.staleness + 1) & 0xffff;
      if (host.staleness >= priv.conf.maxStaleness) {
        if (prev === null) priv.tab[bucket] = next;
        else prev.next = next;
        priv.numHosts--;
      } else {
        if (host.age < 0xffff) host.age++;
        prev = host;
        counter++;
      }
      host = next;
    }
  }
  KASSERT(priv.numHosts === counter, `ng_bridge_timeout: hosts: ${priv.numHosts} != ${counter}`);
  ng_bridge_rehash(priv);

  counter = 0;
  for (const h of node.nd_hooks) {
    const link = LINK(h);
    if (link.loopCount !== 0) {
      link.loopCount--;
      if (link.loopCount === 0 && priv.conf.debugLevel >= 2) log(LOG_INFO, `ng_bridge: ${ng_bridge_nodename(node)}: restoring looped back ${h.hk_name}\n`);
    }
    counter++;
  }
  KASSERT(priv.numLinks === counter, `ng_bridge_timeout: links: ${priv.numLinks} != ${counter}`);

  ng_callout(priv.timer, node, null, hz, ng_bridge_timeout, null, 0);
}

/** The node's name, or its ID as "[%x]". */
function ng_bridge_nodename(node: ng_node): string {
  return node.nd_name !== "" ? node.nd_name : `[${node.nd_ID.toString(16)}]`;
}

export const ng_bridge_typestruct: ng_type = {
  version: NG_ABI_VERSION,
  name: NG_BRIDGE_NODE_TYPE,
  constructor: ng_bridge_constructor,
  rcvmsg: ng_bridge_rcvmsg,
  shutdown: ng_bridge_shutdown,
  newhook: ng_bridge_newhook,
  rcvdata: ng_bridge_rcvdata,
  disconnect: ng_bridge_disconnect,
  cmdlist: ng_bridge_cmdlist,
};

ng_newtype(ng_bridge_typestruct);
// NETGRAPH_INIT(bridge, ...): module "ng_bridge" at SI_SUB_DRIVERS, SI_ORDER_ANY.
DECLARE_MODULE({ name: "ng_bridge", evhand: null, priv: null }, SI_SUB_DRIVERS, SI_ORDER_ANY);
MODULE_VERSION("ng_bridge", 1);
