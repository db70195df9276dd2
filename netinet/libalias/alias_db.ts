// sys/netinet/libalias/alias_db.c, alias_db.h: the link table of libalias.
//
// A link remembers one translation: for ICMP echo the (source address, id)
// pair and the id it was given; for UDP and TCP the source address and port,
// the remote end and the alias port; for other protocols the addresses only;
// fragment links remember the id of a datagram whose header fragment went by.
// Permanent links (LINK_PERMANENT) are the redirects the user configured,
// and may leave the remote end, or both its address and port, unspecified.
//
// Outgoing packets find their link in a splay tree keyed by the whole
// outside tuple; incoming packets find a group by (alias address, alias
// port, type) in a second splay tree, and walk its fully and its partially
// specified links.  Every link also sits on one expiry list that is walked
// a step at a time as packets pass (HouseKeeping), and a link found by a
// lookup is moved to its end.  The clock is the kernel's uptime in seconds
// (time_uptime) in the kernel's build and time(3) in lib/libalias's (see
// libalias_build), so links age on the simulator's virtual clock.
//
// Ports are picked at random (arc4random_uniform over the instance's port
// range) from the build's generator (the kernel's seeded one, or libc's),
// so a run's alias ports are the same for the same seed.  A TCP link keeps
// the sequence shifts a protocol module (FTP) made to its stream (AddSeq,
// GetDeltaSeqOut, GetDeltaAckIn).  Not here: PPTP's call-id list (no
// alias_pptp module), firewall hole punching (NO_FW_PUNCH in both builds:
// the ftp module's PunchFWHole is left out), SCTP's association tables.  Sockets
// holding alias ports (PKT_ALIAS_USE_SOCKETS) exist in the userland build
// only, as FreeBSD's kernel is built with NO_USE_SOCKETS.

import { arc4random_uniform } from "../../kern/arc4random.ts";
import { time_uptime } from "../../kern/kern_timeout.ts";
import { panic } from "../../kern/subr_prf.ts";
import { INADDR_ANY, INADDR_NONE, IPPROTO_ICMP, IPPROTO_MAX, IPPROTO_TCP, IPPROTO_UDP } from "../in.ts";
import {
  ALIAS_TCP_STATE_CONNECTED,
  ALIAS_TCP_STATE_DISCONNECTED,
  ALIAS_TCP_STATE_NOT_CONNECTED,
  GET_ALIAS_PORT,
  LIBALIAS_BUF_SIZE,
  libalias,
  libalias_build,
  type in_addr_t,
} from "./alias_local.ts";
import {
  PKT_ALIAS_DENY_INCOMING,
  PKT_ALIAS_LOG,
  PKT_ALIAS_RESET_ON_ADDR_CHANGE,
  PKT_ALIAS_SAME_PORTS,
  PKT_ALIAS_USE_SOCKETS,
  type alias_packet,
} from "./alias.ts";

// Timeouts, in seconds, by link type.
export const ICMP_EXPIRE_TIME = 60;
export const UDP_EXPIRE_TIME = 60;
export const PROTO_EXPIRE_TIME = 60;
export const FRAGMENT_ID_EXPIRE_TIME = 10;
export const FRAGMENT_PTR_EXPIRE_TIME = 30;
/** TCP: closed on both sides (a short grace for the last ACKs). */
export const TCP_EXPIRE_DEAD = 10;
/** TCP: closed on one side; the other may still send. */
export const TCP_EXPIRE_SINGLEDEAD = 90;
/** TCP: not yet up. */
export const TCP_EXPIRE_INITIAL = 300;
/** TCP: established both ways. */
export const TCP_EXPIRE_CONNECTED = 86400;

/** Stand-ins for an unknown port in lookups and links (anything but 0). */
export const NO_DEST_PORT = 1;
export const NO_SRC_PORT = 1;

/** The wildcard address of lookups and partially specified links. */
const ANY_ADDR: in_addr_t = INADDR_ANY;

const IPPROTO_SCTP = 132;

// link_type values
export const LINK_ICMP = IPPROTO_ICMP;
export const LINK_UDP = IPPROTO_UDP;
export const LINK_TCP = IPPROTO_TCP;
export const LINK_SCTP = IPPROTO_SCTP;
export const LINK_FRAGMENT_ID = IPPROTO_MAX + 1;
export const LINK_FRAGMENT_PTR = IPPROTO_MAX + 2;
export const LINK_ADDR = IPPROTO_MAX + 3;
export const LINK_PPTP = IPPROTO_MAX + 4;

// flags
export const LINK_UNKNOWN_DEST_PORT = 0x01;
export const LINK_UNKNOWN_DEST_ADDR = 0x02;
export const LINK_PERMANENT = 0x04;
export const LINK_PARTIALLY_SPECIFIED = 0x03;
export const LINK_UNFIREWALLED = 0x08;

/** How many ports GetNewPort() tries before giving up. */
const GET_NEW_PORT_MAX_ATTEMPTS = 20;

/** struct ack_data_record: one change of a TCP stream's length. */
export class ack_data_record {
  ack_old = 0;
  ack_new = 0;
  delta = 0;
  active = 0;
}

/** Distinct ACK number changes remembered for a modified TCP stream. */
export const N_LINK_TCP_DATA = 3;

/** struct tcp_dat (struct tcp_state inlined). */
export class tcp_dat {
  /** State outside -> inside. */
  state_in = ALIAS_TCP_STATE_NOT_CONNECTED;
  /** State inside -> outside. */
  state_out = ALIAS_TCP_STATE_NOT_CONNECTED;
  /** Next slot of ack[] to fill. */
  state_index = 0;
  state_ack_modified = 0;
  readonly ack: ack_data_record[] = [new ack_data_record(), new ack_data_record(), new ack_data_record()];
  fwhole = -1;
}

/** struct server: one member of an LSNAT pool (a circular list). */
export class server {
  next: server = this;
  constructor(
    public addr: in_addr_t,
    public port: number,
  ) {}
}

/** The two tree links a splay tree node carries (SPLAY_ENTRY). */
export interface splay_node<T> {
  sp_left: T | null;
  sp_right: T | null;
}

/** SPLAY_HEAD, with the comparison SPLAY_GENERATE bakes in, and the
 *  scratch node a top-down splay assembles its two halves on. */
export class splay_head<T extends splay_node<T>> {
  root: T | null = null;
  constructor(
    readonly cmp: (a: T, b: T) => number,
    readonly scratch: T,
  ) {}
}

/** Splay the node comparing equal to key (or the last one on its search
 *  path) to the root (top-down, as sys/tree.h's SPLAY_SPLAY does). */
function splay_splay<T extends splay_node<T>>(h: splay_head<T>, key: T): void {
  let t = h.root;
  if (t === null) return;
  const N = h.scratch;
  N.sp_left = N.sp_right = null;
  let l = N;
  let r = N;
  for (;;) {
    const c = h.cmp(key, t);
    if (c < 0) {
      let y: T | null = t.sp_left;
      if (y === null) break;
      if (h.cmp(key, y) < 0) {
        t.sp_left = y.sp_right;
        y.sp_right = t;
        t = y;
        y = t.sp_left;
        if (y === null) break;
      }
      r.sp_left = t;
      r = t;
      t = y;
    } else if (c > 0) {
      let y: T | null = t.sp_right;
      if (y === null) break;
      if (h.cmp(key, y) > 0) {
        t.sp_right = y.sp_left;
        y.sp_left = t;
        t = y;
        y = t.sp_right;
        if (y === null) break;
      }
      l.sp_right = t;
      l = t;
      t = y;
    } else break;
  }
  l.sp_right = t.sp_left;
  r.sp_left = t.sp_right;
  t.sp_left = N.sp_right;
  t.sp_right = N.sp_left;
  h.root = t;
}

export function SPLAY_FIND<T extends splay_node<T>>(h: splay_head<T>, key: T): T | null {
  if (h.root === null) return null;
  splay_splay(h, key);
  return h.cmp(key, h.root) === 0 ? h.root : null;
}

/** SPLAY_INSERT: the node already holding that key, or null once inserted. */
export function SPLAY_INSERT<T extends splay_node<T>>(h: splay_head<T>, node: T): T | null {
  const root = h.root;
  if (root === null) {
    node.sp_left = node.sp_right = null;
  } else {
    splay_splay(h, node);
    const top = h.root as T;
    const c = h.cmp(node, top);
    if (c < 0) {
      node.sp_left = top.sp_left;
      node.sp_right = top;
      top.sp_left = null;
    } else if (c > 0) {
      node.sp_right = top.sp_right;
      node.sp_left = top;
      top.sp_right = null;
    } else return top;
  }
  h.root = node;
  return null;
}

/** SPLAY_REMOVE: takes out the node comparing equal to `node`. */
export function SPLAY_REMOVE<T extends splay_node<T>>(h: splay_head<T>, node: T): T | null {
  if (h.root === null) return null;
  splay_splay(h, node);
  const top = h.root as T;
  if (h.cmp(node, top) !== 0) return null;
  if (top.sp_left === null) {
    h.root = top.sp_right;
  } else {
    const right = top.sp_right;
    h.root = top.sp_left;
    splay_splay(h, node);
    (h.root as T).sp_right = right;
  }
  top.sp_left = top.sp_right = null;
  return top;
}

/** struct alias_link. */
export class alias_link implements splay_node<alias_link> {
  la: libalias;
  src_addr: in_addr_t = 0;
  dst_addr: in_addr_t = 0;
  alias_addr: in_addr_t = 0;
  proxy_addr: in_addr_t = 0;
  src_port = 0;
  dst_port = 0;
  alias_port = 0;
  proxy_port = 0;
  /** LSNAT pool: the next server to hand a connection to, or null. */
  server: server | null = null;
  link_type = 0;
  flags = 0;
  pflags = 0;
  /** LibAliasTime when the link was last used. */
  timestamp = 0;
  /** The socket holding the alias port (PKT_ALIAS_USE_SOCKETS), or -1. */
  sockfd = -1;
  // all.out: the outgoing splay tree.
  sp_left: alias_link | null = null;
  sp_right: alias_link | null = null;
  // all.in: the full or partial list of the link's group.
  in_next: alias_link | null = null;
  in_prev: alias_link | null = null;
  in_grp: group_in | null = null;
  in_partial = false;
  // expire: the housekeeping list and the timeout in seconds.
  expire_next: alias_link | null = null;
  expire_prev: alias_link | null = null;
  expire_time = 0;
  // data: a union in C.
  frag_addr: in_addr_t = 0;
  frag_ptr: alias_packet | null = null;
  tcp: tcp_dat | null = null;
  constructor(la: libalias) {
    this.la = la;
  }
}

/** struct group_in: the links sharing an (alias addr, alias port, type). */
export class group_in implements splay_node<group_in> {
  alias_addr: in_addr_t = 0;
  alias_port = 0;
  link_type = 0;
  full: alias_link | null = null;
  partial: alias_link | null = null;
  sp_left: group_in | null = null;
  sp_right: group_in | null = null;
}

function cmp_out(a: alias_link, b: alias_link): number {
  let i = a.src_port - b.src_port;
  if (i !== 0) return i;
  if (a.src_addr > b.src_addr) return 1;
  if (a.src_addr < b.src_addr) return -1;
  if (a.dst_addr > b.dst_addr) return 1;
  if (a.dst_addr < b.dst_addr) return -1;
  i = a.dst_port - b.dst_port;
  if (i !== 0) return i;
  return a.link_type - b.link_type;
}

function cmp_in(a: group_in, b: group_in): number {
  let i = a.alias_port - b.alias_port;
  if (i !== 0) return i;
  i = a.link_type - b.link_type;
  if (i !== 0) return i;
  if (a.alias_addr > b.alias_addr) return 1;
  if (a.alias_addr < b.alias_addr) return -1;
  return 0;
}

/** The kernel's build of libalias: uptime clock, the kernel's random
 *  numbers, the log line kept in a buffer, panic(9). */
export const libalias_kernel = new libalias_build(true, time_uptime, arc4random_uniform, null, panic);

/** Lookup keys, one of each per instance, so lookups allocate nothing. */
const needle_out = new WeakMap<libalias, alias_link>();
const needle_in = new WeakMap<libalias, group_in>();

function StartPointIn(la: libalias, alias_addr: in_addr_t, alias_port: number, link_type: number, create: boolean): group_in | null {
  const needle = needle_in.get(la) as group_in;
  needle.alias_addr = alias_addr;
  needle.alias_port = alias_port;
  needle.link_type = link_type;
  let grp = SPLAY_FIND(la.linkSplayIn, needle);
  if (grp !== null || !create) return grp;
  grp = new group_in();
  grp.alias_addr = alias_addr;
  grp.alias_port = alias_port;
  grp.link_type = link_type;
  SPLAY_INSERT(la.linkSplayIn, grp);
  return grp;
}

/** SeqDiff: how far y is ahead of x in sequence space. */
function SeqDiff(x: number, y: number): number {
  return (y - x) | 0;
}

/** AliasLog: the kernel formats into the instance's log buffer. */
function AliasLog(la: libalias, line: string): void {
  if (!la.build.kernel) {
    la.logFile?.(line);
    return;
  }
  la.logDesc = line.length >= LIBALIAS_BUF_SIZE ? line.slice(0, LIBALIAS_BUF_SIZE - 1) : line;
}

function ShowAliasStats(la: libalias): void {
  if (la.logDesc === null) return;
  const tot =
    la.icmpLinkCount + la.udpLinkCount + (la.sctpLinkCount >> 1) + la.tcpLinkCount + la.pptpLinkCount + la.protoLinkCount + la.fragmentIdLinkCount + la.fragmentPtrLinkCount;
  AliasLog(
    la,
    `icmp=${la.icmpLinkCount}, udp=${la.udpLinkCount}, tcp=${la.tcpLinkCount}, sctp=${la.sctpLinkCount >> 1}, pptp=${la.pptpLinkCount}, proto=${la.protoLinkCount}, frag_id=${la.fragmentIdLinkCount} frag_ptr=${la.fragmentPtrLinkCount} / tot=${tot}`,
  );
  // The userland build's file gets the socket count and the line's end.
  if (!la.build.kernel) AliasLog(la, ` (sock=${la.sockCount})\n`);
}

/** _RandomPort: a port from the instance's range. */
function _RandomPort(la: libalias): number {
  return (la.aliasPortLower + la.build.random_uniform(la.aliasPortLength)) & 0xffff;
}

/**
 * GetNewPort: set lnk's alias port.  A parameter of 0..65535 is taken as
 * it is; GET_ALIAS_PORT picks one (the source port first under
 * PKT_ALIAS_SAME_PORTS, then random ones) that no link to the same remote
 * address and port uses yet.  -1 when none of the tries was free.
 */
function GetNewPort(la: libalias, lnk: alias_link, alias_port_param: number): number {
  if (alias_port_param >= 0 && alias_port_param < 0x10000) {
    lnk.alias_port = alias_port_param;
    return 0;
  }
  if (alias_port_param !== GET_ALIAS_PORT) return -1;
  const max_trials = GET_NEW_PORT_MAX_ATTEMPTS;
  let port = (la.packetAliasMode & PKT_ALIAS_SAME_PORTS) !== 0 ? lnk.src_port : _RandomPort(la);
  let i = 0;
  for (; i < max_trials; i++, port = _RandomPort(la)) {
    const grp = StartPointIn(la, lnk.alias_addr, port, lnk.link_type, false);
    if (grp === null) break;
    let search_result = grp.full;
    for (; search_result !== null; search_result = search_result.in_next) {
      if (lnk.dst_addr === search_result.dst_addr && lnk.dst_port === search_result.dst_port) break;
    }
    if (search_result === null) break;
  }
  if (i >= max_trials) return -1;
  if (
    la.build.sockets !== null &&
    (la.packetAliasMode & PKT_ALIAS_USE_SOCKETS) !== 0 &&
    (lnk.flags & LINK_PARTIALLY_SPECIFIED) !== 0 &&
    (lnk.link_type === LINK_TCP || lnk.link_type === LINK_UDP)
  ) {
    if (!GetSocket(la, port, lnk)) return -1;
  }
  lnk.alias_port = port;
  return 0;
}

/** GetSocket (userland): hold the alias port with a bound socket, so that
 *  no local program gets it as well; false when the bind failed. */
function GetSocket(la: libalias, port: number, lnk: alias_link): boolean {
  const fd = (la.build.sockets as NonNullable<libalias_build["sockets"]>).get(port, lnk.link_type);
  if (fd < 0) return false;
  la.sockCount++;
  lnk.sockfd = fd;
  return true;
}

/**
 * FindNewPortGroup: the first of port_count consecutive alias ports (even,
 * with align) free towards dst_addr:dst_port; 0 when none was found.
 */
export function FindNewPortGroup(
  la: libalias,
  dst_addr: in_addr_t,
  alias_addr: in_addr_t,
  src_port: number,
  dst_port: number,
  port_count: number,
  proto: number,
  align: boolean,
): number {
  let link_type: number;
  switch (proto) {
    case IPPROTO_UDP:
      link_type = LINK_UDP;
      break;
    case IPPROTO_TCP:
      link_type = LINK_TCP;
      break;
    default:
      return 0;
  }
  let port = (la.packetAliasMode & PKT_ALIAS_SAME_PORTS) !== 0 ? src_port : _RandomPort(la);
  for (let i = 0; i < GET_NEW_PORT_MAX_ATTEMPTS; i++, port = _RandomPort(la)) {
    if (align) port &= 0xfffe;
    let j = 0;
    for (; j < port_count; j++) {
      const port_j = (port + j) & 0xffff;
      if (FindLinkIn(la, dst_addr, alias_addr, dst_port, port_j, link_type, false) !== null) break;
    }
    if (j === port_count) return port;
  }
  return 0;
}

function expire_remove(la: libalias, lnk: alias_link): void {
  if (lnk.expire_prev !== null) lnk.expire_prev.expire_next = lnk.expire_next;
  else la.checkExpire_first = lnk.expire_next;
  if (lnk.expire_next !== null) lnk.expire_next.expire_prev = lnk.expire_prev;
  else la.checkExpire_last = lnk.expire_prev;
  lnk.expire_next = lnk.expire_prev = null;
}

function expire_insert_tail(la: libalias, lnk: alias_link): void {
  lnk.expire_next = null;
  lnk.expire_prev = la.checkExpire_last;
  if (la.checkExpire_last !== null) la.checkExpire_last.expire_next = lnk;
  else la.checkExpire_first = lnk;
  la.checkExpire_last = lnk;
}

function in_insert_head(grp: group_in, lnk: alias_link, partial: boolean): void {
  const head = partial ? grp.partial : grp.full;
  lnk.in_prev = null;
  lnk.in_next = head;
  if (head !== null) head.in_prev = lnk;
  if (partial) grp.partial = lnk;
  else grp.full = lnk;
  lnk.in_grp = grp;
  lnk.in_partial = partial;
}

function in_remove(lnk: alias_link): void {
  const grp = lnk.in_grp;
  if (grp === null) return;
  if (lnk.in_prev !== null) lnk.in_prev.in_next = lnk.in_next;
  else if (lnk.in_partial) grp.partial = lnk.in_next;
  else grp.full = lnk.in_next;
  if (lnk.in_next !== null) lnk.in_next.in_prev = lnk.in_prev;
  lnk.in_next = lnk.in_prev = null;
  lnk.in_grp = null;
}

/** CleanupAliasData: delete every link (the permanent ones too, if asked). */
function CleanupAliasData(la: libalias, deletePermanent: boolean): void {
  let lnk = la.checkExpire_first;
  while (lnk !== null) {
    const next = lnk.expire_next;
    DeleteLink(lnk, deletePermanent);
    lnk = next;
  }
}

/** CleanupLink: delete the link if it has expired, else move it to the end
 *  of the expiry list.  Returns the link, or null once deleted. */
function CleanupLink(la: libalias, lnk: alias_link | null, deletePermanent: boolean): alias_link | null {
  if (lnk === null) return null;
  if (la.build.LibAliasTime - lnk.timestamp > lnk.expire_time) {
    if (DeleteLink(lnk, deletePermanent)) return null;
  }
  expire_remove(la, lnk);
  expire_insert_tail(la, lnk);
  return lnk;
}

/** UseLink: a found link is refreshed, unless it turned out expired. */
function UseLink(la: libalias, lnk: alias_link | null): alias_link | null {
  lnk = CleanupLink(la, lnk, false);
  if (lnk !== null) lnk.timestamp = la.build.LibAliasTime;
  return lnk;
}

/** DeleteLink: unhook and forget a link; permanent ones only when asked.
 *  True when the link is gone. */
function DeleteLink(lnk: alias_link, deletePermanent: boolean): boolean {
  const la = lnk.la;
  if (!deletePermanent && (lnk.flags & LINK_PERMANENT) !== 0) return false;
  if (lnk.link_type !== LINK_PPTP) {
    if (lnk.server !== null) {
      // An LSNAT link left the outgoing tree when its pool was set up.
      lnk.server = null;
    } else {
      SPLAY_REMOVE(la.linkSplayOut, lnk);
    }
    const grp = lnk.in_grp;
    in_remove(lnk);
    if (grp !== null && grp.full === null && grp.partial === null) SPLAY_REMOVE(la.linkSplayIn, grp);
  }
  expire_remove(la, lnk);
  if (lnk.sockfd !== -1) {
    la.sockCount--;
    la.build.sockets?.close(lnk.sockfd);
    lnk.sockfd = -1;
  }
  switch (lnk.link_type) {
    case LINK_ICMP:
      la.icmpLinkCount--;
      break;
    case LINK_UDP:
      la.udpLinkCount--;
      break;
    case LINK_TCP:
      la.tcpLinkCount--;
      lnk.tcp = null;
      break;
    case LINK_PPTP:
      la.pptpLinkCount--;
      break;
    case LINK_FRAGMENT_ID:
      la.fragmentIdLinkCount--;
      break;
    case LINK_FRAGMENT_PTR:
      la.fragmentPtrLinkCount--;
      lnk.frag_ptr = null;
      break;
    case LINK_ADDR:
      break;
    default:
      la.protoLinkCount--;
      break;
  }
  if ((la.packetAliasMode & PKT_ALIAS_LOG) !== 0) ShowAliasStats(la);
  return true;
}

/**
 * AddLink: a new link of link_type; alias_port_param is the alias port
 * (0..65535) or GET_ALIAS_PORT to have one picked.  Null when no port was
 * free.
 */
export function AddLink(
  la: libalias,
  src_addr: in_addr_t,
  dst_addr: in_addr_t,
  alias_addr: in_addr_t,
  src_port: number,
  dst_port: number,
  alias_port_param: number,
  link_type: number,
): alias_link | null {
  const lnk = new alias_link(la);
  lnk.src_addr = src_addr;
  lnk.dst_addr = dst_addr;
  lnk.alias_addr = alias_addr;
  lnk.proxy_addr = INADDR_ANY;
  lnk.src_port = src_port;
  lnk.dst_port = dst_port;
  lnk.proxy_port = 0;
  lnk.server = null;
  lnk.link_type = link_type;
  lnk.flags = 0;
  lnk.pflags = 0;
  lnk.timestamp = la.build.LibAliasTime;
  switch (link_type) {
    case LINK_ICMP:
      lnk.expire_time = ICMP_EXPIRE_TIME;
      break;
    case LINK_UDP:
      lnk.expire_time = UDP_EXPIRE_TIME;
      break;
    case LINK_TCP:
      lnk.expire_time = TCP_EXPIRE_INITIAL;
      break;
    case LINK_FRAGMENT_ID:
      lnk.expire_time = FRAGMENT_ID_EXPIRE_TIME;
      break;
    case LINK_FRAGMENT_PTR:
      lnk.expire_time = FRAGMENT_PTR_EXPIRE_TIME;
      break;
    default:
      lnk.expire_time = PROTO_EXPIRE_TIME;
      break;
  }
  if (dst_addr === INADDR_ANY) lnk.flags |= LINK_UNKNOWN_DEST_ADDR;
  if (dst_port === 0) lnk.flags |= LINK_UNKNOWN_DEST_PORT;
  if (GetNewPort(la, lnk, alias_port_param) !== 0) return null;
  switch (link_type) {
    case LINK_ICMP:
      la.icmpLinkCount++;
      break;
    case LINK_UDP:
      la.udpLinkCount++;
      break;
    case LINK_TCP:
      la.tcpLinkCount++;
      lnk.tcp = new tcp_dat();
      break;
    case LINK_PPTP:
      la.pptpLinkCount++;
      break;
    case LINK_FRAGMENT_ID:
      la.fragmentIdLinkCount++;
      break;
    case LINK_FRAGMENT_PTR:
      la.fragmentPtrLinkCount++;
      break;
    case LINK_ADDR:
      break;
    default:
      la.protoLinkCount++;
      break;
  }
  if (link_type !== LINK_PPTP) {
    const grp = StartPointIn(la, alias_addr, lnk.alias_port, link_type, true) as group_in;
    SPLAY_INSERT(la.linkSplayOut, lnk);
    in_insert_head(grp, lnk, (lnk.flags & LINK_PARTIALLY_SPECIFIED) !== 0);
  }
  expire_insert_tail(la, lnk);
  if ((la.packetAliasMode & PKT_ALIAS_LOG) !== 0) ShowAliasStats(la);
  return lnk;
}

/** ReLink: replace old_lnk by a fully specified copy. */
function ReLink(
  old_lnk: alias_link,
  src_addr: in_addr_t,
  dst_addr: in_addr_t,
  alias_addr: in_addr_t,
  src_port: number,
  dst_port: number,
  alias_port_param: number,
  link_type: number,
  deletePermanent: boolean,
): alias_link | null {
  const la = old_lnk.la;
  const new_lnk = AddLink(la, src_addr, dst_addr, alias_addr, src_port, dst_port, alias_port_param, link_type);
  DeleteLink(old_lnk, deletePermanent);
  return new_lnk;
}

function _SearchLinkOut(la: libalias, src_addr: in_addr_t, dst_addr: in_addr_t, src_port: number, dst_port: number, link_type: number): alias_link | null {
  const needle = needle_out.get(la) as alias_link;
  needle.src_addr = src_addr;
  needle.dst_addr = dst_addr;
  needle.src_port = src_port;
  needle.dst_port = dst_port;
  needle.link_type = link_type;
  return UseLink(la, SPLAY_FIND(la.linkSplayOut, needle));
}

function _FindLinkOut(
  la: libalias,
  src_addr: in_addr_t,
  dst_addr: in_addr_t,
  src_port: number,
  dst_port: number,
  link_type: number,
  replace_partial_links: boolean,
): alias_link | null {
  let lnk = _SearchLinkOut(la, src_addr, dst_addr, src_port, dst_port, link_type);
  if (lnk !== null || !replace_partial_links) return lnk;
  // A partially specified link (a redirect) may match.
  if (dst_port !== 0 && dst_addr !== INADDR_ANY) {
    lnk = _SearchLinkOut(la, src_addr, dst_addr, src_port, 0, link_type);
    if (lnk === null) lnk = _SearchLinkOut(la, src_addr, ANY_ADDR, src_port, dst_port, link_type);
  }
  if (lnk === null && (dst_port !== 0 || dst_addr !== INADDR_ANY)) lnk = _SearchLinkOut(la, src_addr, ANY_ADDR, src_port, 0, link_type);
  if (lnk !== null) lnk = ReLink(lnk, src_addr, dst_addr, lnk.alias_addr, src_port, dst_port, lnk.alias_port, link_type, false);
  return lnk;
}

function FindLinkOut(
  la: libalias,
  src_addr: in_addr_t,
  dst_addr: in_addr_t,
  src_port: number,
  dst_port: number,
  link_type: number,
  replace_partial_links: boolean,
): alias_link | null {
  let lnk = _FindLinkOut(la, src_addr, dst_addr, src_port, dst_port, link_type, replace_partial_links);
  // Permanent links may name "the default alias address" as 0.0.0.0.
  if (lnk === null && la.aliasAddress !== INADDR_ANY && src_addr === la.aliasAddress) {
    lnk = _FindLinkOut(la, ANY_ADDR, dst_addr, src_port, dst_port, link_type, replace_partial_links);
  }
  return lnk;
}

function _FindLinkIn(
  la: libalias,
  dst_addr: in_addr_t,
  alias_addr: in_addr_t,
  dst_port: number,
  alias_port: number,
  link_type: number,
  replace_partial_links: boolean,
): alias_link | null {
  let lnk_unknown_all: alias_link | null = null;
  let lnk_unknown_dst_addr: alias_link | null = null;
  let lnk_unknown_dst_port: alias_link | null = null;
  let flags_in = 0;
  if (dst_addr === INADDR_ANY) flags_in |= LINK_UNKNOWN_DEST_ADDR;
  if (dst_port === 0) flags_in |= LINK_UNKNOWN_DEST_PORT;

  const grp = StartPointIn(la, alias_addr, alias_port, link_type, false);
  if (grp === null) return null;

  let lnk: alias_link | null;
  switch (flags_in) {
    case 0:
      for (lnk = grp.full; lnk !== null; lnk = lnk.in_next) {
        if (lnk.dst_addr === dst_addr && lnk.dst_port === dst_port) return UseLink(la, lnk);
      }
      break;
    case LINK_UNKNOWN_DEST_PORT:
      for (lnk = grp.full; lnk !== null; lnk = lnk.in_next) {
        if (lnk.dst_addr === dst_addr) {
          lnk_unknown_dst_port = lnk;
          break;
        }
      }
      break;
    case LINK_UNKNOWN_DEST_ADDR:
      for (lnk = grp.full; lnk !== null; lnk = lnk.in_next) {
        if (lnk.dst_port === dst_port) {
          lnk_unknown_dst_addr = lnk;
          break;
        }
      }
      break;
    case LINK_PARTIALLY_SPECIFIED:
      lnk_unknown_all = grp.full;
      break;
  }

  if (lnk_unknown_dst_port === null) {
    for (lnk = grp.partial; lnk !== null; lnk = lnk.in_next) {
      const flags = (flags_in | lnk.flags) & LINK_PARTIALLY_SPECIFIED;
      if (flags === LINK_PARTIALLY_SPECIFIED && lnk_unknown_all === null) lnk_unknown_all = lnk;
      if (flags === LINK_UNKNOWN_DEST_ADDR && lnk.dst_port === dst_port && lnk_unknown_dst_addr === null) lnk_unknown_dst_addr = lnk;
      if (flags === LINK_UNKNOWN_DEST_PORT && lnk.dst_addr === dst_addr) {
        lnk_unknown_dst_port = lnk;
        break;
      }
    }
  }

  lnk = lnk_unknown_dst_port !== null ? lnk_unknown_dst_port : lnk_unknown_dst_addr !== null ? lnk_unknown_dst_addr : lnk_unknown_all;
  if (lnk === null || !replace_partial_links) return lnk;

  let src_addr: in_addr_t;
  let src_port: number;
  if (lnk.server !== null) {
    // LSNAT: hand this connection to the next server of the pool.
    src_addr = lnk.server.addr;
    src_port = lnk.server.port;
    lnk.server = lnk.server.next;
  } else {
    src_addr = lnk.src_addr;
    src_port = lnk.src_port;
  }
  if (link_type === LINK_SCTP) {
    lnk.src_addr = src_addr;
    lnk.src_port = src_port;
    return lnk;
  }
  return ReLink(lnk, src_addr, dst_addr, alias_addr, src_port, dst_port, alias_port, link_type, false);
}

function FindLinkIn(
  la: libalias,
  dst_addr: in_addr_t,
  alias_addr: in_addr_t,
  dst_port: number,
  alias_port: number,
  link_type: number,
  replace_partial_links: boolean,
): alias_link | null {
  let lnk = _FindLinkIn(la, dst_addr, alias_addr, dst_port, alias_port, link_type, replace_partial_links);
  // Permanent links may name "the default alias address" as 0.0.0.0.
  if (lnk === null && la.aliasAddress !== INADDR_ANY && alias_addr === la.aliasAddress) {
    lnk = _FindLinkIn(la, dst_addr, ANY_ADDR, dst_port, alias_port, link_type, replace_partial_links);
  }
  return lnk;
}

// ---------------------------------------------------------------------------
// Finding and adding links, for alias.c.

export function FindIcmpIn(la: libalias, dst_addr: in_addr_t, alias_addr: in_addr_t, id_alias: number, create: boolean): alias_link | null {
  let lnk = FindLinkIn(la, dst_addr, alias_addr, NO_DEST_PORT, id_alias, LINK_ICMP, false);
  if (lnk === null && create && (la.packetAliasMode & PKT_ALIAS_DENY_INCOMING) === 0) {
    const target_addr = FindOriginalAddress(la, alias_addr);
    lnk = AddLink(la, target_addr, dst_addr, alias_addr, id_alias, NO_DEST_PORT, id_alias, LINK_ICMP);
  }
  return lnk;
}

export function FindIcmpOut(la: libalias, src_addr: in_addr_t, dst_addr: in_addr_t, id: number, create: boolean): alias_link | null {
  let lnk = FindLinkOut(la, src_addr, dst_addr, id, NO_DEST_PORT, LINK_ICMP, false);
  if (lnk === null && create) {
    const alias_addr = FindAliasAddress(la, src_addr);
    lnk = AddLink(la, src_addr, dst_addr, alias_addr, id, NO_DEST_PORT, GET_ALIAS_PORT, LINK_ICMP);
  }
  return lnk;
}

export function FindFragmentIn1(la: libalias, dst_addr: in_addr_t, alias_addr: in_addr_t, ip_id: number): alias_link | null {
  let lnk = FindLinkIn(la, dst_addr, alias_addr, NO_DEST_PORT, ip_id, LINK_FRAGMENT_ID, false);
  if (lnk === null) lnk = AddLink(la, ANY_ADDR, dst_addr, alias_addr, NO_SRC_PORT, NO_DEST_PORT, ip_id, LINK_FRAGMENT_ID);
  return lnk;
}

/** FindFragmentIn2: like FindFragmentIn1, without adding a link. */
export function FindFragmentIn2(la: libalias, dst_addr: in_addr_t, alias_addr: in_addr_t, ip_id: number): alias_link | null {
  return FindLinkIn(la, dst_addr, alias_addr, NO_DEST_PORT, ip_id, LINK_FRAGMENT_ID, false);
}

export function AddFragmentPtrLink(la: libalias, dst_addr: in_addr_t, ip_id: number): alias_link | null {
  return AddLink(la, ANY_ADDR, dst_addr, ANY_ADDR, NO_SRC_PORT, NO_DEST_PORT, ip_id, LINK_FRAGMENT_PTR);
}

export function FindFragmentPtr(la: libalias, dst_addr: in_addr_t, ip_id: number): alias_link | null {
  return FindLinkIn(la, dst_addr, ANY_ADDR, NO_DEST_PORT, ip_id, LINK_FRAGMENT_PTR, false);
}

export function FindProtoIn(la: libalias, dst_addr: in_addr_t, alias_addr: in_addr_t, proto: number): alias_link | null {
  let lnk = FindLinkIn(la, dst_addr, alias_addr, NO_DEST_PORT, 0, proto, true);
  if (lnk === null && (la.packetAliasMode & PKT_ALIAS_DENY_INCOMING) === 0) {
    const target_addr = FindOriginalAddress(la, alias_addr);
    lnk = AddLink(la, target_addr, dst_addr, alias_addr, NO_SRC_PORT, NO_DEST_PORT, 0, proto);
  }
  return lnk;
}

export function FindProtoOut(la: libalias, src_addr: in_addr_t, dst_addr: in_addr_t, proto: number): alias_link | null {
  let lnk = FindLinkOut(la, src_addr, dst_addr, NO_SRC_PORT, NO_DEST_PORT, proto, true);
  if (lnk === null) {
    const alias_addr = FindAliasAddress(la, src_addr);
    lnk = AddLink(la, src_addr, dst_addr, alias_addr, NO_SRC_PORT, NO_DEST_PORT, 0, proto);
  }
  return lnk;
}

export function FindUdpTcpIn(
  la: libalias,
  dst_addr: in_addr_t,
  alias_addr: in_addr_t,
  dst_port: number,
  alias_port: number,
  proto: number,
  create: boolean,
): alias_link | null {
  let link_type: number;
  switch (proto) {
    case IPPROTO_UDP:
      link_type = LINK_UDP;
      break;
    case IPPROTO_TCP:
      link_type = LINK_TCP;
      break;
    default:
      return null;
  }
  let lnk = FindLinkIn(la, dst_addr, alias_addr, dst_port, alias_port, link_type, create);
  if (lnk === null && create && (la.packetAliasMode & PKT_ALIAS_DENY_INCOMING) === 0) {
    const target_addr = FindOriginalAddress(la, alias_addr);
    lnk = AddLink(la, target_addr, dst_addr, alias_addr, alias_port, dst_port, alias_port, link_type);
  }
  return lnk;
}

export function FindUdpTcpOut(
  la: libalias,
  src_addr: in_addr_t,
  dst_addr: in_addr_t,
  src_port: number,
  dst_port: number,
  proto: number,
  create: boolean,
): alias_link | null {
  let link_type: number;
  switch (proto) {
    case IPPROTO_UDP:
      link_type = LINK_UDP;
      break;
    case IPPROTO_TCP:
      link_type = LINK_TCP;
      break;
    default:
      return null;
  }
  let lnk = FindLinkOut(la, src_addr, dst_addr, src_port, dst_port, link_type, create);
  if (lnk === null && create) {
    const alias_addr = FindAliasAddress(la, src_addr);
    lnk = AddLink(la, src_addr, dst_addr, alias_addr, src_port, dst_port, GET_ALIAS_PORT, link_type);
  }
  return lnk;
}

/** FindOriginalAddress: where a packet to alias_addr goes when no link says
 *  more (a redirect_addr, LSNAT pool, the target address, or itself). */
export function FindOriginalAddress(la: libalias, alias_addr: in_addr_t): in_addr_t {
  const lnk = FindLinkIn(la, ANY_ADDR, alias_addr, 0, 0, LINK_ADDR, false);
  if (lnk === null) {
    if (la.targetAddress === INADDR_ANY) return alias_addr;
    if (la.targetAddress === INADDR_NONE) return la.aliasAddress !== INADDR_ANY ? la.aliasAddress : alias_addr;
    return la.targetAddress;
  }
  if (lnk.server !== null) {
    const src_addr = lnk.server.addr;
    lnk.server = lnk.server.next;
    return src_addr;
  }
  if (lnk.src_addr === INADDR_ANY) return la.aliasAddress !== INADDR_ANY ? la.aliasAddress : alias_addr;
  return lnk.src_addr;
}

/** FindAliasAddress: the address original_addr is translated to. */
export function FindAliasAddress(la: libalias, original_addr: in_addr_t): in_addr_t {
  const lnk = FindLinkOut(la, original_addr, ANY_ADDR, 0, 0, LINK_ADDR, false);
  if (lnk === null || lnk.alias_addr === INADDR_ANY) return la.aliasAddress !== INADDR_ANY ? la.aliasAddress : original_addr;
  return lnk.alias_addr;
}

// ---------------------------------------------------------------------------
// Link data, for alias.c.

export function SetFragmentAddr(lnk: alias_link, src_addr: in_addr_t): void {
  lnk.frag_addr = src_addr;
}
export function GetFragmentAddr(lnk: alias_link): in_addr_t {
  return lnk.frag_addr;
}
export function SetFragmentPtr(lnk: alias_link, fptr: alias_packet | null): void {
  lnk.frag_ptr = fptr;
}
export function GetFragmentPtr(lnk: alias_link): alias_packet | null {
  return lnk.frag_ptr;
}

function tcp_of(lnk: alias_link): tcp_dat {
  if (lnk.tcp === null) lnk.la.build.fatal("libalias: TCP state of a non-TCP link");
  return lnk.tcp;
}

/** SetStateIn: the outside -> inside state, and the timeout it implies. */
export function SetStateIn(lnk: alias_link, state: number): void {
  const t = tcp_of(lnk);
  switch (state) {
    case ALIAS_TCP_STATE_DISCONNECTED:
      lnk.expire_time = t.state_out !== ALIAS_TCP_STATE_CONNECTED ? TCP_EXPIRE_DEAD : TCP_EXPIRE_SINGLEDEAD;
      break;
    case ALIAS_TCP_STATE_CONNECTED:
      if (t.state_out === ALIAS_TCP_STATE_CONNECTED) lnk.expire_time = TCP_EXPIRE_CONNECTED;
      break;
    default:
      lnk.la.build.fatal("libalias:SetStateIn() unknown state");
  }
  t.state_in = state;
}

/** SetStateOut: the inside -> outside state, and the timeout it implies. */
export function SetStateOut(lnk: alias_link, state: number): void {
  const t = tcp_of(lnk);
  switch (state) {
    case ALIAS_TCP_STATE_DISCONNECTED:
      lnk.expire_time = t.state_in !== ALIAS_TCP_STATE_CONNECTED ? TCP_EXPIRE_DEAD : TCP_EXPIRE_SINGLEDEAD;
      break;
    case ALIAS_TCP_STATE_CONNECTED:
      if (t.state_in === ALIAS_TCP_STATE_CONNECTED) lnk.expire_time = TCP_EXPIRE_CONNECTED;
      break;
    default:
      lnk.la.build.fatal("libalias:SetStateOut() unknown state");
  }
  t.state_out = state;
}

export function GetStateIn(lnk: alias_link): number {
  return tcp_of(lnk).state_in;
}
export function GetStateOut(lnk: alias_link): number {
  return tcp_of(lnk).state_out;
}

export function GetOriginalAddress(lnk: alias_link): in_addr_t {
  return lnk.src_addr === INADDR_ANY ? lnk.la.aliasAddress : lnk.src_addr;
}
export function GetDestAddress(lnk: alias_link): in_addr_t {
  return lnk.dst_addr;
}
export function GetAliasAddress(lnk: alias_link): in_addr_t {
  return lnk.alias_addr === INADDR_ANY ? lnk.la.aliasAddress : lnk.alias_addr;
}
export function GetDefaultAliasAddress(la: libalias): in_addr_t {
  return la.aliasAddress;
}
export function SetDefaultAliasAddress(la: libalias, alias_addr: in_addr_t): void {
  la.aliasAddress = alias_addr;
}
export function GetOriginalPort(lnk: alias_link): number {
  return lnk.src_port;
}
export function GetAliasPort(lnk: alias_link): number {
  return lnk.alias_port;
}
export function GetProxyAddress(lnk: alias_link): in_addr_t {
  return lnk.proxy_addr;
}
export function SetProxyAddress(lnk: alias_link, addr: in_addr_t): void {
  lnk.proxy_addr = addr;
}
export function GetProxyPort(lnk: alias_link): number {
  return lnk.proxy_port;
}
export function SetProxyPort(lnk: alias_link, port: number): void {
  lnk.proxy_port = port;
}

/** SetAckModified: this TCP stream's sequence numbers were shifted. */
export function SetAckModified(lnk: alias_link): void {
  tcp_of(lnk).state_ack_modified = 1;
}
export function GetAckModified(lnk: alias_link): number {
  return tcp_of(lnk).state_ack_modified;
}

/**
 * The delta of the recorded change closest at or below n, comparing n with
 * each entry's new ACK number (GetDeltaAckIn) or old one (GetDeltaSeqOut).
 * alias_db.c writes the two scans out twice; they differ only in that field.
 */
function closest_delta(n: number, lnk: alias_link, by_new: boolean): number {
  const t = tcp_of(lnk);
  let delta = 0;
  let diff_min = -1;
  let i = t.state_index;
  for (let j = 0; j < N_LINK_TCP_DATA; j++) {
    if (i === 0) i = N_LINK_TCP_DATA;
    i--;
    const x = t.ack[i];
    if (x.active === 1) {
      const diff = SeqDiff(by_new ? x.ack_new : x.ack_old, n);
      if (diff >= 0 && (diff_min < 0 || diff < diff_min)) {
        delta = x.delta;
        diff_min = diff;
      }
    }
  }
  return delta;
}

/**
 * GetDeltaAckIn: how much to take off an incoming ACK number: the delta of
 * the closest recorded change at or below it.
 */
export function GetDeltaAckIn(ack: number, lnk: alias_link): number {
  return closest_delta(ack, lnk, true);
}

/** GetDeltaSeqOut: how much to add to an outgoing sequence number. */
export function GetDeltaSeqOut(seq: number, lnk: alias_link): number {
  return closest_delta(seq, lnk, false);
}

/**
 * AddSeq: record that an outgoing segment (ip_hl, ip_len, th_seq, th_off
 * as in its headers) grew by delta bytes, in the ring of N_LINK_TCP_DATA.
 */
export function AddSeq(lnk: alias_link, delta: number, ip_hl: number, ip_len: number, th_seq: number, th_off: number): void {
  const t = tcp_of(lnk);
  const hlen = (ip_hl + th_off) << 2;
  const dlen = ip_len - hlen;
  const x = t.ack[t.state_index];
  x.ack_old = (th_seq + dlen) >>> 0;
  x.ack_new = (th_seq + dlen + delta) >>> 0;
  x.delta = delta;
  x.active = 1;
  const i = t.state_index + 1;
  t.state_index = i === N_LINK_TCP_DATA ? 0 : i;
}

/** SetExpire: 0 deletes the link, -1 makes it permanent, > 0 its timeout. */
export function SetExpire(lnk: alias_link, expire: number): void {
  if (expire === 0) {
    lnk.flags &= ~LINK_PERMANENT;
    DeleteLink(lnk, false);
  } else if (expire === -1) {
    lnk.flags |= LINK_PERMANENT;
  } else if (expire > 0) {
    lnk.expire_time = expire;
  }
}

export function SetProtocolFlags(lnk: alias_link, pflags: number): void {
  lnk.pflags = pflags;
}
export function GetProtocolFlags(lnk: alias_link): number {
  return lnk.pflags;
}

// HouseKeeping's sampling of the clock is shared by all instances of a
// build, as the statics of the C function are (libalias_build).

/**
 * HouseKeeping: called for every packet.  The clock is read only every
 * packet_limit packets (a third of the last second's packets), and while
 * the packets of a new second are fewer than the UDP and TCP links, each
 * checks the oldest link on the expiry list.
 */
export function HouseKeeping(la: libalias): void {
  const b = la.build;
  b.hk_packets++;
  if (b.hk_packet_limit <= 1 || b.hk_packets % b.hk_packet_limit === 0) {
    const now = b.now();
    if (now !== b.LibAliasTime) {
      b.hk_packet_limit = Math.floor(b.hk_packets / 3);
      b.hk_packets = 0;
      b.LibAliasTime = now;
    }
  }
  if (b.hk_packets < la.udpLinkCount + la.tcpLinkCount) CleanupLink(la, la.checkExpire_first, false);
}

/** InitPacketAliasLog: logging on.  The kernel logs into a line buffer;
 *  userland opens /var/log/alias.log.  False when it cannot (FreeBSD's
 *  ENOMEM), and logging stays off. */
function InitPacketAliasLog(la: libalias): boolean {
  if ((la.packetAliasMode & PKT_ALIAS_LOG) === 0) {
    if (la.build.log_open !== null) {
      const f = la.build.log_open();
      if (f === null) return false;
      la.logFile = f;
      la.logDesc = "";
      f("PacketAlias/InitPacketAliasLog: Packet alias logging enabled.\n");
    } else la.logDesc = "";
    la.packetAliasMode |= PKT_ALIAS_LOG;
  }
  return true;
}

function UninitPacketAliasLog(la: libalias): void {
  la.logDesc = null;
  la.logFile = null;
  la.packetAliasMode &= ~PKT_ALIAS_LOG;
}

// ---------------------------------------------------------------------------
// The outside world's interface (alias.h).

/**
 * LibAliasRedirectPort: a permanent link sending what reaches
 * alias_addr:alias_port from dst_addr:dst_port (either may be 0: any) to
 * src_addr:src_port.  Ports in host order here.  Null for a protocol other
 * than TCP, UDP or SCTP, or when the link cannot be made.
 */
export function LibAliasRedirectPort(
  la: libalias,
  src_addr: in_addr_t,
  src_port: number,
  dst_addr: in_addr_t,
  dst_port: number,
  alias_addr: in_addr_t,
  alias_port: number,
  proto: number,
): alias_link | null {
  let link_type: number;
  switch (proto) {
    case IPPROTO_UDP:
      link_type = LINK_UDP;
      break;
    case IPPROTO_TCP:
      link_type = LINK_TCP;
      break;
    case IPPROTO_SCTP:
      link_type = LINK_SCTP;
      break;
    default:
      return null;
  }
  const lnk = AddLink(la, src_addr, dst_addr, alias_addr, src_port, dst_port, alias_port, link_type);
  if (lnk !== null) lnk.flags |= LINK_PERMANENT;
  return lnk;
}

/** LibAliasAddServer: add addr:port to the LSNAT pool of a redirect. */
export function LibAliasAddServer(la: libalias, lnk: alias_link, addr: in_addr_t, port: number): number {
  if (lnk.link_type === LINK_PPTP) return -1;
  const s = new server(addr, port);
  const head = lnk.server;
  if (head === null) {
    s.next = s;
    // A pooled link serves incoming connections only.
    SPLAY_REMOVE(la.linkSplayOut, lnk);
  } else {
    let t = head;
    while (t.next !== head) t = t.next;
    t.next = s;
    s.next = head;
  }
  lnk.server = s;
  return 0;
}

/** LibAliasRedirectProto: packets of protocol proto to alias_addr (from
 *  dst_addr, or anywhere) go to src_addr. */
export function LibAliasRedirectProto(la: libalias, src_addr: in_addr_t, dst_addr: in_addr_t, alias_addr: in_addr_t, proto: number): alias_link | null {
  const lnk = AddLink(la, src_addr, dst_addr, alias_addr, NO_SRC_PORT, NO_DEST_PORT, 0, proto);
  if (lnk !== null) lnk.flags |= LINK_PERMANENT;
  return lnk;
}

/** LibAliasRedirectAddr: static NAT between src_addr and alias_addr. */
export function LibAliasRedirectAddr(la: libalias, src_addr: in_addr_t, alias_addr: in_addr_t): alias_link | null {
  const lnk = AddLink(la, src_addr, ANY_ADDR, alias_addr, 0, 0, 0, LINK_ADDR);
  if (lnk !== null) lnk.flags |= LINK_PERMANENT;
  return lnk;
}

/** LibAliasRedirectDynamic: a fully specified redirect may now expire. */
export function LibAliasRedirectDynamic(_la: libalias, lnk: alias_link): number {
  if ((lnk.flags & LINK_PARTIALLY_SPECIFIED) !== 0) return -1;
  lnk.flags &= ~LINK_PERMANENT;
  return 0;
}

export function LibAliasRedirectDelete(_la: libalias, lnk: alias_link): void {
  DeleteLink(lnk, true);
}

/** LibAliasSetAddress: the alias address; the dynamic links go when it
 *  changes under PKT_ALIAS_RESET_ON_ADDR_CHANGE. */
export function LibAliasSetAddress(la: libalias, addr: in_addr_t): void {
  if ((la.packetAliasMode & PKT_ALIAS_RESET_ON_ADDR_CHANGE) !== 0 && la.aliasAddress !== addr) CleanupAliasData(la, false);
  la.aliasAddress = addr >>> 0;
}

/** LibAliasSetAliasPortRange: where alias ports come from (0: the default
 *  upper half, 32768-65535). */
export function LibAliasSetAliasPortRange(la: libalias, port_low: number, port_high: number): void {
  if (port_low !== 0) {
    la.aliasPortLower = port_low;
    la.aliasPortLength = port_high - port_low + 1;
  } else {
    la.aliasPortLower = 0x8000;
    la.aliasPortLength = 0x8000;
  }
}

export function LibAliasSetTarget(la: libalias, target_addr: in_addr_t): void {
  la.targetAddress = target_addr >>> 0;
}

/** finishoff: the module goes; so does every instance. */
export function finishoff(): void {
  const head = libalias_kernel.instancehead;
  while (head.length > 0) LibAliasUninit(head[0]);
}

/**
 * LibAliasInit: a new instance (la null) of the given build (the kernel's
 * unless lib/libalias asks), or la reset: its links gone and its settings
 * back to the defaults.
 */
export function LibAliasInit(la: libalias | null, build: libalias_build = libalias_kernel): libalias {
  if (la === null) {
    la = new libalias(build);
    build.instancehead.unshift(la);
    build.LibAliasTime = build.now();
    la.linkSplayIn = new splay_head<group_in>(cmp_in, new group_in());
    la.linkSplayOut = new splay_head<alias_link>(cmp_out, new alias_link(la));
    needle_out.set(la, new alias_link(la));
    needle_in.set(la, new group_in());
  } else {
    CleanupAliasData(la, true);
  }
  la.aliasAddress = INADDR_ANY;
  la.targetAddress = INADDR_ANY;
  la.aliasPortLower = 0x8000;
  la.aliasPortLength = 0x8000;
  la.icmpLinkCount = 0;
  la.udpLinkCount = 0;
  la.tcpLinkCount = 0;
  la.sctpLinkCount = 0;
  la.pptpLinkCount = 0;
  la.protoLinkCount = 0;
  la.fragmentIdLinkCount = 0;
  la.fragmentPtrLinkCount = 0;
  la.sockCount = 0;
  la.packetAliasMode = PKT_ALIAS_SAME_PORTS | PKT_ALIAS_RESET_ON_ADDR_CHANGE;
  return la;
}

export function LibAliasUninit(la: libalias): void {
  CleanupAliasData(la, true);
  UninitPacketAliasLog(la);
  const head = la.build.instancehead;
  const i = head.indexOf(la);
  if (i >= 0) head.splice(i, 1);
}

/** LibAliasSetMode: the flags in mask take their values from flags;
 *  returns the new mode, or -1 (nothing changed) when logging was asked
 *  for and its file could not be opened. */
export function LibAliasSetMode(la: libalias, flags: number, mask: number): number {
  if ((flags & mask & PKT_ALIAS_LOG) !== 0) {
    if (!InitPacketAliasLog(la)) return -1;
  } else if ((~flags & mask & PKT_ALIAS_LOG) !== 0) UninitPacketAliasLog(la);
  la.packetAliasMode = ((flags & mask) | (la.packetAliasMode & ~mask)) >>> 0;
  return la.packetAliasMode;
}

export function LibAliasSetSkinnyPort(la: libalias, port: number): void {
  la.skinnyPort = port;
}

/** The instance's links, oldest-checked first (for observers and tests). */
export function LibAliasLinks(la: libalias): alias_link[] {
  const out: alias_link[] = [];
  for (let l = la.checkExpire_first; l !== null; l = l.expire_next) out.push(l);
  return out;
}
