// sys/netgraph/ng_ksocket.c, ng_ksocket.h: the "ksocket" node type, a socket
// at the end of a hook.  The hook's name says what socket to open
// ("family/type/proto": inet/dgram/udp, or numbers: 2/2/17); the messages
// bind, connect, getname, getpeername, setopt and getopt act on it; what
// arrives on the hook is sent as one datagram, and each datagram received
// leaves by the hook as one packet.  Removing the hook closes the socket
// and shuts the node down.
//
// Departure from FreeBSD: the socket is not one of the simulated stack but
// a real UDP socket of the host (node:dgram), and only on 127.0.0.1, so that
// a hook of one VirtNet process can reach a hook of another, as IMUNES
// spreads one topology over several machines.  Hence:
// - only inet/dgram/udp (or inet/dgram/0) opens a socket; another family
//   is EAFNOSUPPORT, another type EPROTOTYPE (protocol 0) or
//   EPROTONOSUPPORT, another protocol EPROTONOSUPPORT, as socreate()
//   answers for what it does not have;
// - bind takes 127.0.0.1 or INADDR_ANY (which binds 127.0.0.1 on the host;
//   getname still says 0.0.0.0, as FreeBSD would), anything else is
//   EADDRNOTAVAIL, as bind(2) of an address the host does not have;
//   connect and a packet's sockaddr tag take 127.0.0.1 (INADDR_ANY means
//   it, as in in_pcbconnect_setup), anything else is ENETUNREACH: there is
//   no route to it from this link;
// - the host's answer to a bind (EADDRINUSE for a port another program
//   holds, EACCES) is the bind message's answer; an error the host reports
//   later (a send it could not do) waits in so_error, which the next packet
//   sent (or getopt SO_ERROR) returns, as an asynchronous socket error does;
// - setopt/getopt know SOL_SOCKET's SO_REUSEADDR and SO_REUSEPORT (both
//   let the host port be shared: Linux's SO_REUSEADDR for UDP), SO_BROADCAST,
//   SO_SNDBUF, SO_RCVBUF (they bound the datagram sizes, as the socket
//   buffers do: a larger datagram out is EMSGSIZE, a larger one in is
//   dropped, FreeBSD's udps_fullsock), and SO_TYPE, SO_PROTOCOL, SO_DOMAIN,
//   SO_ERROR (read only); anything else is ENOPROTOOPT;
// - a connected socket does not ask the host to connect: it keeps its peer
//   and drops datagrams from anyone else, as udp_input's PCB lookup does;
// - the host socket never keeps the Node process alive by itself; while it
//   is open the scheduler paces the virtual clock to real time
//   (kern/kern_synch.ts, sched_realtime_hold), and a datagram from the host
//   brings the clock up to real time before it enters.
// The host side allocates (node:dgram makes a Buffer per datagram each way);
// the simulated side takes its mbufs from the zones, and a datagram that
// finds none is dropped and counted.  For want of stream sockets, listen
// is EOPNOTSUPP and accept EINVAL (nothing listens).

import dgram from "node:dgram";
import {
  E2BIG,
  ERANGE,
  EADDRINUSE,
  EACCES,
  EADDRNOTAVAIL,
  EAFNOSUPPORT,
  EDESTADDRREQ,
  EINVAL,
  EISCONN,
  EMSGSIZE,
  ENETUNREACH,
  ENOBUFS,
  ENOPROTOOPT,
  ENOTCONN,
  ENXIO,
  EOPNOTSUPP,
  EPROTONOSUPPORT,
  EPROTOTYPE,
  ECONNREFUSED,
  EHOSTUNREACH,
  strerror,
} from "../kern/errno.ts";
import { SI_ORDER_ANY, SI_SUB_DRIVERS } from "../kern/kernel.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { m_freem, m_gethdr } from "../kern/kern_mbuf.ts";
import { m_copydata, m_devget } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { M_BCAST, M_MCAST, MT_DATA, type m_tag, type mbuf } from "../kern/mbuf.ts";
import {
  AF_INET6,
  AF_LOCAL,
  PF_INET,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_BROADCAST,
  SO_DOMAIN,
  SO_ERROR,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_SNDBUF,
  SO_TYPE,
} from "../kern/socket.ts";
import { log } from "../kern/subr_prf.ts";
import { sched_kick, sched_realtime_hold, sched_realtime_release, sched_realtime_sync } from "../kern/kern_synch.ts";
import { udp_recvspace, udp_sendspace } from "../netinet/udp_usrreq.ts";
import { CURVNET_RESTORE, CURVNET_SET, type vnet } from "../net/vnet.ts";
import { NG_ABI_VERSION, NG_MESG_HDRLEN, NG_MKRESPONSE, type ng_mesg } from "./netgraph.ts";
import {
  T_LBRACE,
  ng_encode_string,
  ng_get_string_token,
  ng_parse_append,
  ng_parse_bytearray_type,
  ng_parse_get_token,
  ng_parse_get_u32,
  ng_parse_hint32_type,
  ng_parse_int32_type,
  ng_parse_struct_type,
  ng_parse_uint8_type,
  ng_strtol,
  type ng_cmdlist,
  type ng_intp,
  type ng_parse_cbuf,
  type ng_parse_struct_field,
  type ng_parse_type,
} from "./ng_parse.ts";
import {
  NGI_GET_M,
  NGI_GET_MSG,
  NG_FREE_ITEM,
  NG_NODE_IS_VALID,
  NG_RESPOND_MSG,
  NG_SEND_DATA_ONLY,
  ng_newtype,
  ng_rmnode_self,
  ng_unref_node,
  type ng_hook,
  type ng_item,
  type ng_node,
  type ng_type,
} from "./ng_base.ts";

export const NG_KSOCKET_NODE_TYPE = "ksocket";
export const NGM_KSOCKET_COOKIE = 942710669;

export const NGM_KSOCKET_BIND = 1;
export const NGM_KSOCKET_LISTEN = 2;
export const NGM_KSOCKET_ACCEPT = 3;
export const NGM_KSOCKET_CONNECT = 4;
export const NGM_KSOCKET_GETNAME = 5;
export const NGM_KSOCKET_GETPEERNAME = 6;
export const NGM_KSOCKET_SETOPT = 7;
export const NGM_KSOCKET_GETOPT = 8;

/** Largest option value getopt returns. */
export const NG_KSOCKET_MAX_OPTLEN = 1024;
/** sizeof(struct ng_ksocket_sockopt) without its value: level, name. */
export const NG_KSOCKET_SOCKOPT_SIZE = 8;
/** The sockaddr tag a received datagram carries on an unconnected socket. */
export const NG_KSOCKET_TAG_SOCKADDR = 1;

// Families, types and protocols, as sys/socket.h and netinet/in.h number them.
const PF_LOCAL = AF_LOCAL;
const PF_INET6 = AF_INET6;
const PF_ATM = 30;
const SOCK_RDM = 4;
const IPPROTO_UDP = 17;

/** offsetof(struct sockaddr, sa_data): sa_len and sa_family. */
const SADATA_OFFSET = 2;
/** sizeof(struct sockaddr_in). */
export const SOCKADDR_IN_SIZE = 16;
const INADDR_LOOPBACK = 0x7f000001;
/** kern.ipc.maxsockbuf scaled as sbreserve does (sb_max_adj). */
const SB_MAX_ADJ = Math.floor((2 * 1024 * 1024 * 2048) / (256 + 2048));

interface ng_ksocket_alias {
  name: string;
  value: number;
  family: number;
}

const ng_ksocket_families: ng_ksocket_alias[] = [
  { name: "local", value: PF_LOCAL, family: 0 },
  { name: "inet", value: PF_INET, family: 0 },
  { name: "inet6", value: PF_INET6, family: 0 },
  { name: "atm", value: PF_ATM, family: 0 },
];
const ng_ksocket_types: ng_ksocket_alias[] = [
  { name: "stream", value: SOCK_STREAM, family: 0 },
  { name: "dgram", value: SOCK_DGRAM, family: 0 },
  { name: "raw", value: SOCK_RAW, family: 0 },
  { name: "rdm", value: SOCK_RDM, family: 0 },
  { name: "seqpacket", value: SOCK_SEQPACKET, family: 0 },
];
const ng_ksocket_protos: ng_ksocket_alias[] = [
  { name: "ip", value: 0, family: PF_INET },
  { name: "raw", value: 255, family: PF_INET },
  { name: "icmp", value: 1, family: PF_INET },
  { name: "igmp", value: 2, family: PF_INET },
  { name: "tcp", value: 6, family: PF_INET },
  { name: "udp", value: IPPROTO_UDP, family: PF_INET },
  { name: "gre", value: 47, family: PF_INET },
  { name: "esp", value: 50, family: PF_INET },
  { name: "ah", value: 51, family: PF_INET },
  { name: "swipe", value: 53, family: PF_INET },
  { name: "encap", value: 98, family: PF_INET },
  { name: "divert", value: 258, family: PF_INET },
  { name: "pim", value: 103, family: PF_INET },
];

/**
 * ng_ksocket_parse: an alias of the family given, or a decimal number as
 * strtoul(3) reads it (leading blanks and a sign allowed, nothing after;
 * an empty string is 0), cast to int; -1 if neither or negative.
 */
export function ng_ksocket_parse(aliases: ng_ksocket_alias[], s: string, family: number): number {
  for (const a of aliases) if (a.name === s && a.family === family) return a.value;
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)$/.exec(s);
  if (m === null) return -1;
  // strtoul: digits as an unsigned long (saturating), negated modulo 2^64
  // by a minus sign, then the cast to int keeps the low 32 bits.
  const max = (1n << 64n) - 1n;
  let v = m[2] === "" ? 0n : BigInt(m[2]);
  if (v > max) v = max;
  if (m[1] === "-") v = ((1n << 64n) - v) & max;
  const val = Number(BigInt.asIntN(32, v));
  return val < 0 ? -1 : val;
}

// ---------------------------------------------------------------------------
// struct sockaddr as a parse type: "inet/127.0.0.1:5000", "local/\"/path\"",
// or for another family the generic "{ len=.. family=.. data=[...] }".

/** SOCK_MAXADDRLEN: the longest sockaddr. */
const SOCK_MAXADDRLEN = 255;

function ch(s: Uint8Array, i: number): number {
  return i >= 0 && i < s.length ? s[i] : 0;
}
function isspace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** The data of a generic sockaddr runs to sa_len. */
function ng_parse_generic_sockdata_getLength(type: ng_parse_type, b: Uint8Array, start: number, buf: number): number {
  const sa_len = ch(b, buf - SADATA_OFFSET);
  return sa_len < SADATA_OFFSET ? 0 : sa_len - SADATA_OFFSET;
}
const ng_ksocket_generic_sockdata_type: ng_parse_type = { supertype: ng_parse_bytearray_type, info: ng_parse_generic_sockdata_getLength };
const ng_parse_generic_sockaddr_type_fields: ng_parse_struct_field[] = [
  { name: "len", type: ng_parse_uint8_type },
  { name: "family", type: ng_parse_uint8_type },
  { name: "data", type: ng_ksocket_generic_sockdata_type },
];
const ng_ksocket_generic_sockaddr_type: ng_parse_type = { supertype: ng_parse_struct_type, info: ng_parse_generic_sockaddr_type_fields };

function generic_parse(s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  const parse = ng_parse_struct_type.parse;
  if (parse === undefined || parse === null) return EINVAL;
  return parse(ng_ksocket_generic_sockaddr_type, s, off, b, start, buf, buflen);
}

/** ASCII to struct sockaddr: "family/address", or a braced generic one. */
function ng_ksocket_sockaddr_parse(type: ng_parse_type, s: Uint8Array, off: ng_intp, b: Uint8Array, start: number, buf: number, buflen: ng_intp): number {
  const len: ng_intp = { v: 0 };
  if (ng_parse_get_token(s, off, len) === T_LBRACE) return generic_parse(s, off, b, start, buf, buflen);
  // The family, up to a slash.
  while (isspace(ch(s, off.v))) off.v++;
  let t = off.v;
  while (ch(s, t) !== 0 && ch(s, t) !== 0x2f) t++;
  if (ch(s, t) !== 0x2f) return EINVAL;
  if (t - off.v > 31) return EINVAL;
  const fambuf = String.fromCharCode(...s.subarray(off.v, t));
  off.v = t + 1;
  const family = ng_ksocket_parse(ng_ksocket_families, fambuf, 0);
  if (family === -1) return EINVAL;
  if (buflen.v < SADATA_OFFSET) return ERANGE;
  b[buf + 1] = family;
  switch (family) {
    case PF_LOCAL: {
      const toklen: ng_intp = { v: 0 };
      const path = ng_get_string_token(s, off, toklen, null);
      if (path === null) return EINVAL;
      let pathlen = 0;
      while (pathlen < path.length && path[pathlen] !== 0) pathlen++;
      if (pathlen > SOCK_MAXADDRLEN) return E2BIG;
      if (buflen.v < SADATA_OFFSET + pathlen) return ERANGE;
      off.v += toklen.v;
      b.set(path.subarray(0, pathlen), buf + SADATA_OFFSET);
      // sun_len is one byte.
      b[buf] = (SADATA_OFFSET + pathlen) & 0xff;
      break;
    }
    case PF_INET: {
      // <ipaddress>[:port]
      if (buflen.v < SOCKADDR_IN_SIZE) return ERANGE;
      let port = 0;
      for (let i = 0; i < 4; i++) {
        const r = ng_strtol(s, off.v, 10, "ul");
        if (BigInt.asUintN(64, r.val) > 0xffn || r.eptr === off.v) return EINVAL;
        off.v = r.eptr;
        b[buf + 4 + i] = Number(r.val);
        if (i < 3) {
          if (ch(s, off.v) !== 0x2e) return EINVAL;
          off.v++;
        } else if (ch(s, off.v) === 0x3a) {
          off.v++;
          const p = ng_strtol(s, off.v, 10, "ul");
          if (BigInt.asUintN(64, p.val) > 0xffffn || p.eptr === off.v) return EINVAL;
          off.v = p.eptr;
          port = Number(p.val);
        }
      }
      b[buf + 2] = port >>> 8;
      b[buf + 3] = port & 0xff;
      b.fill(0, buf + 8, buf + SOCKADDR_IN_SIZE);
      b[buf] = SOCKADDR_IN_SIZE;
      break;
    }
    default:
      return EINVAL;
  }
  buflen.v = b[buf];
  return 0;
}

/** struct sockaddr to ASCII: inet and local in their own form, the rest
 *  generic. */
function ng_ksocket_sockaddr_unparse(type: ng_parse_type, b: Uint8Array, data: number, off: ng_intp, cbuf: ng_parse_cbuf): number {
  const sa = data + off.v;
  if (sa < 0 || sa + SADATA_OFFSET > b.length) return EINVAL;
  switch (b[sa + 1]) {
    case PF_LOCAL: {
      const pathlen = b[sa] - SADATA_OFFSET;
      if (pathlen < 0 || sa + b[sa] > b.length) return EINVAL;
      const error = ng_parse_append(cbuf, `local/${ng_encode_string(b.subarray(sa + SADATA_OFFSET, sa + b[sa]), pathlen)}`);
      if (error !== 0) return error;
      off.v += b[sa];
      return 0;
    }
    case PF_INET: {
      if (sa + SOCKADDR_IN_SIZE > b.length) return EINVAL;
      const port = (b[sa + 2] << 8) | b[sa + 3];
      const error = ng_parse_append(cbuf, `inet/${b[sa + 4]}.${b[sa + 5]}.${b[sa + 6]}.${b[sa + 7]}${port !== 0 ? `:${port}` : ""}`);
      if (error !== 0) return error;
      off.v += SOCKADDR_IN_SIZE;
      return 0;
    }
    default: {
      const unparse = ng_parse_struct_type.unparse;
      if (unparse === undefined || unparse === null) return EINVAL;
      return unparse(ng_ksocket_generic_sockaddr_type, b, data, off, cbuf);
    }
  }
}

/** Parse type for struct sockaddr (there is no default sockaddr). */
export const ng_ksocket_sockaddr_type: ng_parse_type = {
  supertype: null,
  parse: ng_ksocket_sockaddr_parse,
  unparse: ng_ksocket_sockaddr_unparse,
  getDefault: null,
  getAlign: null,
};

/** The option value runs to the end of the message's argument. */
function ng_parse_sockoptval_getLength(type: ng_parse_type, b: Uint8Array, start: number, buf: number): number {
  const sopt = buf - NG_KSOCKET_SOCKOPT_SIZE;
  // header.arglen, in the struct ng_mesg the argument follows.
  return (ng_parse_get_u32(b, sopt - NG_MESG_HDRLEN + 4) | 0) - NG_KSOCKET_SOCKOPT_SIZE;
}
const ng_ksocket_sockoptval_type: ng_parse_type = { supertype: ng_parse_bytearray_type, info: ng_parse_sockoptval_getLength };
const ng_ksocket_sockopt_type: ng_parse_type = {
  supertype: ng_parse_struct_type,
  info: [
    { name: "level", type: ng_parse_int32_type },
    { name: "name", type: ng_parse_int32_type },
    { name: "value", type: ng_ksocket_sockoptval_type },
  ] satisfies ng_parse_struct_field[],
};
const ng_ksocket_accept_type: ng_parse_type = {
  supertype: ng_parse_struct_type,
  info: [
    { name: "nodeid", type: ng_parse_hint32_type },
    { name: "addr", type: ng_ksocket_generic_sockaddr_type },
  ] satisfies ng_parse_struct_field[],
};

const ng_ksocket_cmds: readonly ng_cmdlist[] = [
  { cookie: NGM_KSOCKET_COOKIE, cmd: NGM_KSOCKET_BIND, name: "bind", mesgType: ng_ksocket_sockaddr_type, respType: null },
  { cookie: NGM_KSOCKET_COOKIE, cmd: NGM_KSOCKET_LISTEN, name: "listen", mesgType: ng_parse_int32_type, respType: null },
  { cookie: NGM_KSOCKET_COOKIE, cmd: NGM_KSOCKET_ACCEPT, name: "accept", mesgType: null, respType: ng_ksocket_accept_type },
  { cookie: NGM_KSOCKET_COOKIE, cmd: NGM_KSOCKET_CONNECT, name: "connect", mesgType: ng_ksocket_sockaddr_type, respType: ng_parse_int32_type },
  { cookie: NGM_KSOCKET_COOKIE, cmd: NGM_KSOCKET_GETNAME, name: "getname", mesgType: null, respType: ng_ksocket_sockaddr_type },
  { cookie: NGM_KSOCKET_COOKIE, cmd: NGM_KSOCKET_GETPEERNAME, name: "getpeername", mesgType: null, respType: ng_ksocket_sockaddr_type },
  { cookie: NGM_KSOCKET_COOKIE, cmd: NGM_KSOCKET_SETOPT, name: "setopt", mesgType: ng_ksocket_sockopt_type, respType: null },
  { cookie: NGM_KSOCKET_COOKIE, cmd: NGM_KSOCKET_GETOPT, name: "getopt", mesgType: ng_ksocket_sockopt_type, respType: ng_ksocket_sockopt_type },
];

// ---------------------------------------------------------------------------
// The socket: what the node knows of its host socket.

const KS_BOUND = 0x1;
const KS_CONNECTED = 0x2;
/** Inside the host's bind: an error is its answer. */
const KS_BINDING = 0x4;

/** The host side of a ksocket (FreeBSD's struct socket and its inpcb, as
 *  far as the node uses them). */
export class ksocket {
  so_type = SOCK_DGRAM;
  so_proto = IPPROTO_UDP;
  so_options = 0;
  so_error = 0;
  so_state = 0;
  /** What the host answered the bind in progress. */
  bind_error = 0;
  so_snd_hiwat = udp_sendspace.v;
  so_rcv_hiwat = udp_recvspace.v;
  /** inp_laddr / inp_lport (host order), as bound. */
  laddr = 0;
  lport = 0;
  /** inp_faddr / inp_fport, when connected. */
  faddr = 0;
  fport = 0;
  /** The host socket, from the first bind or connect (or send) on. */
  hs: dgram.Socket | null = null;
}

/** Counters of one node (no FreeBSD counterpart: ng_ksocket has none, its
 *  socket's drops count in udpstat). */
export interface ng_ksocket_stats {
  /** Datagrams received from the host and sent out the hook. */
  rcvd: number;
  /** Datagrams sent to the host. */
  sent: number;
  /** Received datagrams larger than the receive buffer (udps_fullsock). */
  drop_toobig: number;
  /** Received datagrams that found no mbufs. */
  drop_nobufs: number;
  /** Received on a connected socket from another address (udps_noport). */
  drop_notpeer: number;
  /** Host send errors (latched in so_error). */
  snd_errors: number;
}

interface priv {
  node: ng_node;
  hook: ng_hook | null;
  so: ksocket | null;
  stats: ng_ksocket_stats;
}

function priv_of(node: ng_node): priv {
  return node.nd_private as priv;
}

/** A node's counters (null if the node is not a ksocket). */
export function ng_ksocket_getstats(node: ng_node): ng_ksocket_stats | null {
  if (node.nd_type !== ng_ksocket_typestruct) return null;
  return { ...priv_of(node).stats };
}

/** The host port a ksocket node is bound to (0: not yet), for tests and
 *  for a caller that bound port 0 and wants to tell the peer. */
export function ng_ksocket_hostport(node: ng_node): number {
  if (node.nd_type !== ng_ksocket_typestruct) return 0;
  const so = priv_of(node).so;
  return so === null ? 0 : so.lport;
}

// ---------------------------------------------------------------------------
// struct sockaddr_in, in bytes.

/** A sockaddr_in's bytes: sin_len, sin_family, port (network order), address. */
export function sockaddr_in_enc(addr: number, port: number): Uint8Array {
  const b = new Uint8Array(SOCKADDR_IN_SIZE);
  const dv = new DataView(b.buffer);
  b[0] = SOCKADDR_IN_SIZE;
  b[1] = PF_INET;
  dv.setUint16(2, port, false);
  dv.setUint32(4, addr >>> 0, false);
  return b;
}

function dotted(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

function errno_of(e: Error): number {
  switch ((e as NodeJS.ErrnoException).code) {
    case "EADDRINUSE":
      return EADDRINUSE;
    case "EACCES":
      return EACCES;
    case "EADDRNOTAVAIL":
      return EADDRNOTAVAIL;
    case "ECONNREFUSED":
      return ECONNREFUSED;
    case "EMSGSIZE":
      return EMSGSIZE;
    case "EHOSTUNREACH":
      return EHOSTUNREACH;
    case "ENETUNREACH":
      return ENETUNREACH;
    default:
      return ENOBUFS;
  }
}

/** The peer's address in a received datagram, for an unconnected socket
 *  (struct sa_tag: the node's ID and a sockaddr). */
export class sa_tag implements m_tag {
  readonly m_tag_id = NG_KSOCKET_TAG_SOCKADDR;
  readonly m_tag_cookie = NGM_KSOCKET_COOKIE;
  constructor(
    readonly id: number,
    readonly sa: Uint8Array,
  ) {}
  m_tag_copy(): m_tag | null {
    return new sa_tag(this.id, this.sa.slice());
  }
}

function sa_tag_locate(m: mbuf): sa_tag | null {
  const tags = m.m_pkthdr.tags;
  if (tags === null) return null;
  for (const t of tags) if (t instanceof sa_tag) return t;
  return null;
}

// ---------------------------------------------------------------------------
// The host socket.

/** Addresses here are always dotted quads: resolve them at once, so that
 *  the host's bind and send happen inside the call, as sobind's and
 *  sosend's do, instead of a tick later (dns.lookup's way). */
function ks_lookup(hostname: string, _options: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, hostname, 4);
}

/** Open the host socket (once); the clock keeps real time while it lives. */
function ks_open(pv: priv, so: ksocket): dgram.Socket {
  if (so.hs !== null) return so.hs;
  const reuse = (so.so_options & (SO_REUSEADDR | SO_REUSEPORT)) !== 0;
  const hs = dgram.createSocket({ type: "udp4", reuseAddr: reuse, lookup: ks_lookup });
  so.hs = hs;
  sched_realtime_hold();
  hs.on("message", (msg: Buffer, rinfo: dgram.RemoteInfo) => ng_ksocket_incoming(pv, so, msg, rinfo));
  hs.on("error", (e: Error) => ks_error(pv, so, e));
  hs.unref();
  return hs;
}

/** Bind the host socket to 127.0.0.1:port (port 0: the host picks); the
 *  host's refusal (EADDRINUSE, EACCES) is the answer, and the socket is
 *  left unbound and closed. */
function ks_hostbind(pv: priv, so: ksocket, laddr: number, port: number): number {
  const hs = ks_open(pv, so);
  so.so_state |= KS_BINDING;
  so.bind_error = 0;
  hs.bind({ address: "127.0.0.1", port });
  so.so_state &= ~KS_BINDING;
  const error = so.bind_error;
  if (error !== 0) {
    ks_close(so);
    return error;
  }
  so.so_state |= KS_BOUND;
  so.laddr = laddr;
  // Should the host ever bind later than the call, the port comes then.
  so.lport = port;
  try {
    so.lport = hs.address().port;
  } catch {
    hs.once("listening", () => {
      if (so.hs === hs) so.lport = hs.address().port;
    });
  }
  return 0;
}

/** An error from the host: during a bind it is the bind's answer; a bind
 *  refused later (should the host answer late) unbinds the socket and is
 *  logged; anything else waits in so_error for the next send. */
function ks_error(pv: priv, so: ksocket, e: Error): void {
  const error = errno_of(e);
  if ((so.so_state & KS_BINDING) !== 0) {
    so.bind_error = error;
    return;
  }
  so.so_error = error;
  if ((e as NodeJS.ErrnoException).syscall === "bind") {
    log(3, `ng_ksocket: [${pv.node.nd_ID.toString(16)}]: bind to 127.0.0.1:${so.lport} on the host: ${strerror(error)}\n`);
    ks_close(so);
    so.so_state &= ~KS_BOUND;
    so.laddr = 0;
    so.lport = 0;
  } else pv.stats.snd_errors++;
}

function ks_close(so: ksocket): void {
  const hs = so.hs;
  if (hs === null) return;
  so.hs = null;
  hs.removeAllListeners("message");
  // A late error of a closed socket has nobody to tell.
  hs.removeAllListeners("error");
  hs.on("error", () => {});
  try {
    hs.close();
  } catch {
    /* not yet bound, or already closed: nothing is open */
  }
  sched_realtime_release();
}

/** The address a sockaddr_in names, checked as this node allows. */
function sin_dec(b: Uint8Array): { addr: number; port: number } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { port: dv.getUint16(2, false), addr: dv.getUint32(4, false) };
}

/**
 * ng_ksocket_incoming: a datagram from the host.  It enters at real time,
 * in the node's vnet, as an mbuf chain from the zones (dropped and counted
 * when too big for the receive buffer or when no mbufs are left).
 */
function ng_ksocket_incoming(pv: priv, so: ksocket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
  const node = pv.node;
  if (pv.so !== so || !NG_NODE_IS_VALID(node)) return;
  const hook = pv.hook;
  if ((so.so_state & KS_CONNECTED) !== 0 && (rinfo.port !== so.fport || rinfo.address !== dotted(so.faddr === 0 ? INADDR_LOOPBACK : so.faddr))) {
    pv.stats.drop_notpeer++;
    return;
  }
  const len = msg.length;
  if (len > so.so_rcv_hiwat) {
    pv.stats.drop_toobig++;
    return;
  }
  if (hook === null) return;
  sched_realtime_sync();
  const save = CURVNET_SET(node.nd_vnet as vnet, "ng_ksocket_incoming");
  const buf = new Uint8Array(msg.buffer, msg.byteOffset, len);
  // A datagram of no bytes is still a datagram: an empty packet.
  const m = len === 0 ? m_gethdr(M_NOWAIT, MT_DATA) : m_devget(buf, 0, len, null);
  if (m === null) {
    pv.stats.drop_nobufs++;
  } else {
    m.m_pkthdr.len = len;
    if ((so.so_state & KS_CONNECTED) === 0) {
      const b = sockaddr_in_enc(INADDR_LOOPBACK, rinfo.port);
      m.m_pkthdr.tags = [new sa_tag(node.nd_ID, b)];
    }
    pv.stats.rcvd++;
    NG_SEND_DATA_ONLY(hook, m);
  }
  CURVNET_RESTORE(save);
  sched_kick();
}

// ---------------------------------------------------------------------------
// Node methods.

function ng_ksocket_constructor(node: ng_node): number {
  const pv: priv = { node, hook: null, so: null, stats: { rcvd: 0, sent: 0, drop_toobig: 0, drop_nobufs: 0, drop_notpeer: 0, snd_errors: 0 } };
  node.nd_private = pv;
  return 0;
}

/** socreate, as far as this node carries sockets (see the header). */
function ks_socreate(family: number, type: number, proto: number): { error: number; so: ksocket | null } {
  if (family !== PF_INET) return { error: EAFNOSUPPORT, so: null };
  if (type !== SOCK_DGRAM) return { error: proto === 0 ? EPROTOTYPE : EPROTONOSUPPORT, so: null };
  if (proto !== 0 && proto !== IPPROTO_UDP) return { error: EPROTONOSUPPORT, so: null };
  return { error: 0, so: new ksocket() };
}

/** The hook name is "family/type/proto", each an alias or a number. */
function ng_ksocket_newhook(node: ng_node, hook: ng_hook, name: string): number {
  const pv = priv_of(node);
  if (pv.hook !== null) return EISCONN;
  const s1 = name.indexOf("/");
  if (s1 < 0) return EINVAL;
  const family = ng_ksocket_parse(ng_ksocket_families, name.slice(0, s1), 0);
  if (family === -1) return EINVAL;
  const rest = name.slice(s1 + 1);
  const s2 = rest.indexOf("/");
  if (s2 < 0) return EINVAL;
  const type = ng_ksocket_parse(ng_ksocket_types, rest.slice(0, s2), 0);
  if (type === -1) return EINVAL;
  const protocol = ng_ksocket_parse(ng_ksocket_protos, rest.slice(s2 + 1), family);
  if (protocol === -1) return EINVAL;
  const r = ks_socreate(family, type, protocol);
  if (r.so === null) return r.error;
  pv.so = r.so;
  pv.hook = hook;
  return 0;
}

/** udp_bind and in_pcbbind's checks, then the host's bind. */
function ks_bind(pv: priv, so: ksocket, sa: Uint8Array): number {
  if (sa[1] !== PF_INET) return EAFNOSUPPORT;
  if (sa[0] !== SOCKADDR_IN_SIZE) return EINVAL;
  if ((so.so_state & KS_BOUND) !== 0) return EINVAL;
  const { addr, port } = sin_dec(sa);
  if (addr !== 0 && addr !== INADDR_LOOPBACK) return EADDRNOTAVAIL;
  return ks_hostbind(pv, so, addr, port);
}

/** udp_connect and in_pcbconnect_setup's checks; binds 127.0.0.1 first
 *  when the socket is not bound (the ephemeral port comes from the host). */
function ks_connect(pv: priv, so: ksocket, sa: Uint8Array): number {
  if (sa[1] !== PF_INET) return EAFNOSUPPORT;
  if (sa[0] !== SOCKADDR_IN_SIZE) return EINVAL;
  const { addr, port } = sin_dec(sa);
  if (port === 0) return EADDRNOTAVAIL;
  if (addr !== 0 && addr !== INADDR_LOOPBACK) return ENETUNREACH;
  if ((so.so_state & KS_BOUND) === 0) {
    const error = ks_hostbind(pv, so, 0, 0);
    if (error !== 0) return error;
  }
  // in_pcbconnect fixes the local address to the route's source.
  if (so.laddr === 0) so.laddr = INADDR_LOOPBACK;
  so.faddr = addr === 0 ? INADDR_LOOPBACK : addr;
  so.fport = port;
  so.so_state |= KS_CONNECTED;
  return 0;
}

/** sogetopt at SOL_SOCKET: the value's bytes, or an error. */
function ks_getopt(so: ksocket, level: number, name: number): { error: number; val: number } {
  if (level !== SOL_SOCKET) return { error: ENOPROTOOPT, val: 0 };
  switch (name) {
    case SO_REUSEADDR:
    case SO_REUSEPORT:
    case SO_BROADCAST:
      return { error: 0, val: so.so_options & name };
    case SO_SNDBUF:
      return { error: 0, val: so.so_snd_hiwat };
    case SO_RCVBUF:
      return { error: 0, val: so.so_rcv_hiwat };
    case SO_TYPE:
      return { error: 0, val: so.so_type };
    case SO_PROTOCOL:
      return { error: 0, val: so.so_proto };
    case SO_DOMAIN:
      return { error: 0, val: PF_INET };
    case SO_ERROR: {
      const e = so.so_error;
      so.so_error = 0;
      return { error: 0, val: e };
    }
    default:
      return { error: ENOPROTOOPT, val: 0 };
  }
}

/** sosetopt at SOL_SOCKET (an int value, at least 4 bytes, as sooptcopyin). */
function ks_setopt(so: ksocket, level: number, name: number, val: Uint8Array): number {
  if (level !== SOL_SOCKET) return ENOPROTOOPT;
  switch (name) {
    case SO_REUSEADDR:
    case SO_REUSEPORT:
    case SO_BROADCAST:
    case SO_SNDBUF:
    case SO_RCVBUF:
      break;
    default:
      return ENOPROTOOPT;
  }
  if (val.length < 4) return EINVAL;
  const optval = new DataView(val.buffer, val.byteOffset, val.byteLength).getInt32(0, true);
  switch (name) {
    case SO_SNDBUF:
    case SO_RCVBUF:
      if (optval < 1) return EINVAL;
      if (optval > SB_MAX_ADJ) return ENOBUFS;
      if (name === SO_SNDBUF) so.so_snd_hiwat = optval;
      else so.so_rcv_hiwat = optval;
      return 0;
    default:
      if (optval !== 0) so.so_options |= name;
      else so.so_options &= ~name;
      return 0;
  }
}

function ng_ksocket_rcvmsg(node: ng_node, item: ng_item): number {
  const pv = priv_of(node);
  const so = pv.so;
  const msg: ng_mesg | null = NGI_GET_MSG(item);
  let resp: ng_mesg | null = null;
  let error = 0;
  if (msg === null) error = EINVAL;
  else if (msg.header.typecookie !== NGM_KSOCKET_COOKIE) error = EINVAL;
  else {
    const arglen = msg.header.arglen;
    const data = msg.data;
    switch (msg.header.cmd) {
      case NGM_KSOCKET_BIND:
      case NGM_KSOCKET_CONNECT:
        if (arglen < SADATA_OFFSET || data.length < SADATA_OFFSET || arglen < data[0]) error = EINVAL;
        else if (so === null) error = ENXIO;
        else error = msg.header.cmd === NGM_KSOCKET_BIND ? ks_bind(pv, so, data) : ks_connect(pv, so, data);
        break;
      case NGM_KSOCKET_LISTEN:
        if (arglen !== 4) error = EINVAL;
        else if (so === null) error = ENXIO;
        else error = EOPNOTSUPP;
        break;
      case NGM_KSOCKET_ACCEPT:
        if (arglen !== 0) error = EINVAL;
        else if (so === null) error = ENXIO;
        // solisten never succeeded: the socket does not accept.
        else error = EINVAL;
        break;
      case NGM_KSOCKET_GETNAME:
      case NGM_KSOCKET_GETPEERNAME:
        if (arglen !== 0) error = EINVAL;
        else if (so === null) error = ENXIO;
        else if (msg.header.cmd === NGM_KSOCKET_GETPEERNAME) {
          if ((so.so_state & KS_CONNECTED) === 0) error = ENOTCONN;
          else {
            resp = NG_MKRESPONSE(msg, SOCKADDR_IN_SIZE);
            resp.data.set(sockaddr_in_enc(so.faddr, so.fport));
          }
        } else {
          resp = NG_MKRESPONSE(msg, SOCKADDR_IN_SIZE);
          resp.data.set(sockaddr_in_enc(so.laddr, so.lport));
        }
        break;
      case NGM_KSOCKET_GETOPT:
        if (arglen !== NG_KSOCKET_SOCKOPT_SIZE || data.length < NG_KSOCKET_SOCKOPT_SIZE) error = EINVAL;
        else if (so === null) error = ENXIO;
        else {
          const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
          const level = dv.getInt32(0, true);
          const name = dv.getInt32(4, true);
          const r = ks_getopt(so, level, name);
          error = r.error;
          if (error === 0) {
            resp = NG_MKRESPONSE(msg, NG_KSOCKET_SOCKOPT_SIZE + 4);
            const rv = new DataView(resp.data.buffer);
            rv.setInt32(0, level, true);
            rv.setInt32(4, name, true);
            rv.setInt32(8, r.val, true);
          }
        }
        break;
      case NGM_KSOCKET_SETOPT:
        if (arglen < NG_KSOCKET_SOCKOPT_SIZE || data.length < NG_KSOCKET_SOCKOPT_SIZE) error = EINVAL;
        else if (so === null) error = ENXIO;
        else {
          const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
          error = ks_setopt(so, dv.getInt32(0, true), dv.getInt32(4, true), data.subarray(NG_KSOCKET_SOCKOPT_SIZE, arglen));
        }
        break;
      default:
        error = EINVAL;
        break;
    }
  }
  NG_RESPOND_MSG(node, item, error === 0 ? resp : null);
  return error;
}

/**
 * ng_ksocket_rcvdata: a packet on the hook leaves as one datagram: to the
 * address of its sockaddr tag if it carries one of ours (or a third
 * party's, id 0), else to the connected peer.
 */
function ng_ksocket_rcvdata(hook: ng_hook, item: ng_item): number {
  const node = hook.hk_node;
  const pv = priv_of(node);
  const so = pv.so;
  const m = NGI_GET_M(item);
  NG_FREE_ITEM(item);
  if (m === null) return 0;
  if (so === null) {
    m_freem(m);
    return ENXIO;
  }
  const stag = sa_tag_locate(m);
  let faddr = so.faddr;
  let fport = so.fport;
  if (stag !== null && (stag.id === node.nd_ID || stag.id === 0)) {
    // udp_output's checks of the address it is given.
    if (stag.sa.length < SADATA_OFFSET || stag.sa[1] !== PF_INET) {
      m_freem(m);
      return EAFNOSUPPORT;
    }
    if (stag.sa[0] !== SOCKADDR_IN_SIZE || stag.sa.length < SOCKADDR_IN_SIZE) {
      m_freem(m);
      return EINVAL;
    }
    const d = sin_dec(stag.sa);
    if (d.port === 0) {
      m_freem(m);
      return EADDRNOTAVAIL;
    }
    if (d.addr !== 0 && d.addr !== INADDR_LOOPBACK) {
      m_freem(m);
      return ENETUNREACH;
    }
    faddr = INADDR_LOOPBACK;
    fport = d.port;
  } else if ((so.so_state & KS_CONNECTED) === 0) {
    m_freem(m);
    return EDESTADDRREQ;
  }
  m.m_flags &= ~(M_BCAST | M_MCAST);
  const len = m.m_pkthdr.len;
  // sosend: a pending asynchronous error comes first, then the size.
  if (so.so_error !== 0) {
    const e = so.so_error;
    so.so_error = 0;
    m_freem(m);
    return e;
  }
  if (len > so.so_snd_hiwat) {
    m_freem(m);
    return EMSGSIZE;
  }
  if ((so.so_state & KS_BOUND) === 0) {
    const error = ks_hostbind(pv, so, 0, 0);
    if (error !== 0) {
      m_freem(m);
      return error;
    }
  }
  const hs = so.hs;
  if (hs === null) {
    m_freem(m);
    return ENXIO;
  }
  const b = Buffer.allocUnsafe(len);
  m_copydata(m, 0, len, b);
  m_freem(m);
  try {
    hs.send(b, 0, len, fport, dotted(faddr));
  } catch {
    // The host refused the send outright (its socket is going away).
    pv.stats.snd_errors++;
    return ENOBUFS;
  }
  pv.stats.sent++;
  return 0;
}

/** Shutdown: close the host socket, the node goes. */
function ng_ksocket_shutdown(node: ng_node): number {
  const pv = priv_of(node);
  if (pv.so !== null) {
    ks_close(pv.so);
    pv.so = null;
  }
  ng_unref_node(node);
  return 0;
}

/** The hook gone, the node goes too. */
function ng_ksocket_disconnect(hook: ng_hook): number {
  const node = hook.hk_node;
  const pv = priv_of(node);
  if (pv.hook === hook) pv.hook = null;
  if (NG_NODE_IS_VALID(node)) ng_rmnode_self(node);
  return 0;
}

export const ng_ksocket_typestruct: ng_type = {
  version: NG_ABI_VERSION,
  name: NG_KSOCKET_NODE_TYPE,
  constructor: ng_ksocket_constructor,
  rcvmsg: ng_ksocket_rcvmsg,
  shutdown: ng_ksocket_shutdown,
  newhook: ng_ksocket_newhook,
  rcvdata: ng_ksocket_rcvdata,
  disconnect: ng_ksocket_disconnect,
  cmdlist: ng_ksocket_cmds,
};

ng_newtype(ng_ksocket_typestruct);
// NETGRAPH_INIT(ksocket, ...): module "ng_ksocket" at SI_SUB_DRIVERS, SI_ORDER_ANY.
DECLARE_MODULE({ name: "ng_ksocket", evhand: null, priv: null }, SI_SUB_DRIVERS, SI_ORDER_ANY);
MODULE_VERSION("ng_ksocket", 1);
