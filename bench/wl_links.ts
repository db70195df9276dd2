// Link workloads (issue 11): Ethernet frames per second across one hop,
// netgraph's against an epair's.
//
//   epair: a frame handed to epair0a's if_transmit crosses to epair0b (the
//     epair's queue and task, then ether_input in the other side's vnet),
//     where ether_demux finds no protocol for its ethertype and frees it
//     (counted by the receiving side's if_ipackets).
//   bridge N: a frame from one end node into an ng_bridge of N links, out
//     the link of its (learned) destination to another end node, which frees
//     it; and, for 16 links, a broadcast copied to the 15 others.
//   pipe: a frame through an ng_pipe with nothing configured (the shortcut
//     path) to an end node; and through its queues (a BER set, no delay).
//   vlan: the epair hop with vlan(4) at both ends: a frame handed to a vlan
//     on epair0a is tagged (ether_8021q_frame) and crosses; epair0b's
//     ether_input takes the tag off and vlan_input hands the frame to the
//     vlan of its VID, whose ether_input frees it (counted by that vlan).
//
// Every frame is a fresh mbuf (m_gethdr and a 64-byte copy) and is freed at
// the far end, so each figure is the whole cost of one frame's trip.  The
// end node is a node type of this file that frees what it receives, as an
// ng_socket's data hook would hand it to user space.
import {
  IF_LLADDR,
  IFCOUNTER_IPACKETS,
  M_NOWAIT,
  MT_DATA,
  NGM_PIPE_COOKIE,
  NGM_PIPE_SET_CFG,
  NG_MKMESSAGE,
  NG_SEND_MSG_PATH,
  if_get_counter,
  ng_pipe_cfg_enc,
  ng_pipe_cfg_zero,
  NG_ABI_VERSION,
  NG_FREE_ITEM,
  NG_SEND_DATA_ONLY,
  ng_findhook,
  ng_findtype,
  ng_con_nodes,
  ng_make_node,
  ng_mkpeer,
  ng_newtype,
  ng_path2noderef,
  m_gethdr,
  max_linkhdr,
  taskqueue_run,
  vnet_run,
  type ng_hook,
  type ng_item,
  type ng_node,
  type ifnet,
  type mbuf,
} from "../index.ts";
import { SIOCIFCREATE2, sys_ioctl } from "../index.ts";
import { epair_create, host_node, if_to_jail, if_updown, ifp_of, vnet_jail_node, type node } from "./topo.ts";
import { heap_allocated, rate_for } from "./wl_util.ts";

export const LINK_BURST = 64;

let delivered = 0;

function end_type(): void {
  if (ng_findtype("benchend") !== null) return;
  ng_newtype({
    version: NG_ABI_VERSION,
    name: "benchend",
    constructor: null,
    rcvdata(_hook: ng_hook, item: ng_item): number {
      NG_FREE_ITEM(item);
      delivered++;
      return 0;
    },
  });
}

/** A 64-byte Ethernet frame from src to dst with a local experimental
 *  ethertype (0x88b5), which no protocol takes. */
/** A 64 B frame of the local experimental EtherType (0x88b5). */
export function frame_bytes(dst: number[], src: number[]): Uint8Array {
  const f = new Uint8Array(64);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x88;
  f[13] = 0xb5;
  for (let i = 14; i < 64; i++) f[i] = i;
  return f;
}

/** The frame in a fresh mbuf, leaving room for a link header. */
export function frame_mbuf(t: Uint8Array): mbuf {
  const m = m_gethdr(M_NOWAIT, MT_DATA);
  if (m === null) throw new Error("out of mbufs");
  m.m_data += max_linkhdr;
  const b = m.m_buf;
  const o = m.m_data;
  for (let i = 0; i < t.length; i++) b[o + i] = t[i];
  m.m_len = m.m_pkthdr.len = t.length;
  return m;
}

// ---------------------------------------------------------------------------
// The netgraph hops.

interface ng_state {
  n: node;
  from: ng_hook;
  t: Uint8Array;
  /** Frames that arrive per frame sent. */
  fanout: number;
}

const ng_cache = new Map<string, ng_state>();

function mac(i: number): number[] {
  return [2, 0, 0, 0, i >> 8, i & 0xff];
}

/** An end node on link0 of a bridge with `members` links in all; the
 *  others are end nodes too.  Every end's host is learned first. */
function bridge_state(members: number, broadcast: boolean): ng_state {
  const key = `bridge:${members}:${broadcast}`;
  const have = ng_cache.get(key);
  if (have !== undefined) return have;
  const n = VIMAGE ? vnet_jail_node(`ngb${members}${broadcast ? "b" : "u"}`) : host_node();
  const st = vnet_run(n.v, "bench", () => {
    end_type();
    const ends: ng_node[] = [];
    const me = ng_make_node("benchend").node as ng_node;
    ends.push(me);
    if (ng_mkpeer(me, "l0", "link0", "bridge") !== 0) throw new Error("mkpeer bridge");
    const br = ng_path2noderef(me, "l0").node as ng_node;
    for (let i = 1; i < members; i++) {
      const e = ng_make_node("benchend").node as ng_node;
      if (ng_con_nodes(e, `l${i}`, br, `link${i}`) !== 0) throw new Error("connect");
      ends.push(e);
    }
    // Each end says hello once (a broadcast), so the bridge knows them all.
    for (let i = 0; i < members; i++) NG_SEND_DATA_ONLY(ng_findhook(ends[i], `l${i}`), frame_mbuf(frame_bytes([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], mac(i + 1))));
    const from = ng_findhook(me, "l0") as ng_hook;
    const t = frame_bytes(broadcast ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] : mac(members), mac(1));
    return { n, from, t, fanout: broadcast ? members - 1 : 1 };
  });
  ng_cache.set(key, st);
  link_check(st);
  return st;
}

/** queued: a BER of 10^12 (a loss once in 10^12 bits), which sends every
 *  frame through the pipe's queues and the BER test while losing none in
 *  practice; else nothing configured. */
function pipe_state(queued: boolean): ng_state {
  const key = queued ? "pipe_queued" : "pipe";
  const have = ng_cache.get(key);
  if (have !== undefined) return have;
  const n = VIMAGE ? vnet_jail_node(queued ? "ngpipeq" : "ngpipe") : host_node();
  const st = vnet_run(n.v, "bench", () => {
    end_type();
    const me = ng_make_node("benchend").node as ng_node;
    if (ng_mkpeer(me, "u", "upper", "pipe") !== 0) throw new Error("mkpeer pipe");
    const p = ng_path2noderef(me, "u").node as ng_node;
    if (ng_mkpeer(p, "lower", "l", "benchend") !== 0) throw new Error("mkpeer end");
    // An empty setcfg (`ngctl msg p: setcfg {}`): the pipe works out that
    // nothing needs its queues and takes its shortcut.
    const c = ng_pipe_cfg_zero();
    if (queued) c.downstream.ber = 1000000000000n;
    const cfg = ng_pipe_cfg_enc(c);
    const msg = NG_MKMESSAGE(NGM_PIPE_COOKIE, NGM_PIPE_SET_CFG, cfg.length);
    msg.data.set(cfg);
    if (NG_SEND_MSG_PATH(me, msg, "u", 0) !== 0) throw new Error("setcfg");
    return { n, from: ng_findhook(me, "u") as ng_hook, t: frame_bytes(mac(2), mac(1)), fanout: 1 };
  });
  ng_cache.set(key, st);
  link_check(st);
  return st;
}

function ng_burst(st: ng_state, n: number): number {
  const from = st.from;
  const t = st.t;
  const d0 = delivered;
  for (let i = 0; i < n; i++) NG_SEND_DATA_ONLY(from, frame_mbuf(t));
  taskqueue_run();
  return delivered - d0;
}

function link_check(st: ng_state): void {
  const got = vnet_run(st.n.v, "bench", () => ng_burst(st, LINK_BURST));
  if (got !== LINK_BURST * st.fanout) throw new Error(`netgraph hop: ${got} of ${LINK_BURST * st.fanout} frames arrived`);
}

// ---------------------------------------------------------------------------
// The epair hop.

interface epair_state {
  a: ifnet;
  b: ifnet;
  t: Uint8Array;
  nb: node;
}
let ep: epair_state | null = null;

function epair_state_get(): epair_state {
  if (ep !== null) return ep;
  const host = host_node();
  const e = epair_create(host);
  let na: node = host;
  let nb: node = host;
  if (VIMAGE) {
    na = vnet_jail_node("epa");
    nb = vnet_jail_node("epb");
    if_to_jail(host, e.a, na.jid);
    if_to_jail(host, e.b, nb.jid);
  }
  if_updown(na, e.a, true);
  if_updown(nb, e.b, true);
  const a = ifp_of(na, e.a);
  const b = ifp_of(nb, e.b);
  // Addressed to b's MAC, so ether_input takes it as for this station.
  const dst = [...vnet_run(nb.v, "bench", () => IF_LLADDR(b)).subarray(0, 6)];
  ep = { a, b, t: frame_bytes(dst, [2, 0, 0, 0, 0, 1]), nb };
  const got = epair_burst(ep, LINK_BURST);
  if (got !== LINK_BURST) throw new Error(`epair hop: ${got} of ${LINK_BURST} frames arrived`);
  return ep;
}

function ipackets(st: epair_state): number {
  return if_get_counter(st.b, IFCOUNTER_IPACKETS);
}

function epair_burst(st: epair_state, n: number): number {
  const a = st.a;
  const t = st.t;
  const before = ipackets(st);
  vnet_run(a.if_vnet as NonNullable<ifnet["if_vnet"]>, "bench", () => {
    for (let i = 0; i < n; i++) a.if_transmit(a, frame_mbuf(t));
  });
  taskqueue_run();
  return ipackets(st) - before;
}

// ---------------------------------------------------------------------------
// The epair hop with a vlan at each end.

let vl: epair_state | null = null;

/** `ifconfig vlan create vlandev IF vlan 10 up` on node n: the vlan. */
function vlan_on(n: node, parent: string): ifnet {
  const ifr = { ifr_name: "vlan", ifr_params: { vlr_parent: parent, vlr_tag: 10, vlr_proto: 0 } };
  const e = sys_ioctl(n.p, n.sfd, SIOCIFCREATE2, ifr);
  if (e !== 0) throw new Error(`ifconfig vlan create vlandev ${parent}: ${e}`);
  if_updown(n, ifr.ifr_name, true);
  return ifp_of(n, ifr.ifr_name);
}

function vlan_state_get(): epair_state {
  if (vl !== null) return vl;
  const host = host_node();
  const e = epair_create(host);
  let na: node = host;
  let nb: node = host;
  if (VIMAGE) {
    na = vnet_jail_node("vla");
    nb = vnet_jail_node("vlb");
    if_to_jail(host, e.a, na.jid);
    if_to_jail(host, e.b, nb.jid);
  }
  if_updown(na, e.a, true);
  if_updown(nb, e.b, true);
  const a = vlan_on(na, e.a);
  const b = vlan_on(nb, e.b);
  const dst = [...vnet_run(nb.v, "bench", () => IF_LLADDR(b)).subarray(0, 6)];
  vl = { a, b, t: frame_bytes(dst, [2, 0, 0, 0, 0, 1]), nb };
  const got = epair_burst(vl, LINK_BURST);
  if (got !== LINK_BURST) throw new Error(`vlan hop: ${got} of ${LINK_BURST} frames arrived`);
  return vl;
}

// ---------------------------------------------------------------------------
// Entry points for the worker.

export type link_kind = "epair" | "vlan" | "bridge2" | "bridge16" | "bridge16bc" | "pipe" | "pipe_queued";

function runner(kind: link_kind): () => number {
  if (kind === "epair") {
    const st = epair_state_get();
    return () => epair_burst(st, LINK_BURST);
  }
  if (kind === "vlan") {
    const st = vlan_state_get();
    return () => epair_burst(st, LINK_BURST);
  }
  const st = kind === "pipe" || kind === "pipe_queued" ? pipe_state(kind === "pipe_queued") : bridge_state(kind === "bridge2" ? 2 : 16, kind === "bridge16bc");
  return () => vnet_run(st.n.v, "bench", () => ng_burst(st, LINK_BURST)) / st.fanout;
}

/** Frames per second sent across the hop (a broadcast counts once). */
export function link_run(kind: link_kind, ms: number): number {
  const step = runner(kind);
  return rate_for(ms, step).rate;
}

/** Heap bytes allocated per frame, once warm. */
export function link_alloc(kind: link_kind, n: number): number {
  const step = runner(kind);
  // Long enough a warm-up that the optimizing compiler has settled.
  for (let i = 0; i < 3000; i++) step();
  const bursts = Math.ceil(n / LINK_BURST);
  const bytes = heap_allocated(() => {
    for (let i = 0; i < bursts; i++) step();
  });
  return bytes / (bursts * LINK_BURST);
}
