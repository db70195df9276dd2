// sys/kern/uipc_socket.c, sys/kern/uipc_sockbuf.c, sys/sys/socketvar.h,
// sys/sys/sockbuf.h, sys/sys/protosw.h, sys/sys/sockopt.h: the socket layer.
// A socket belongs to the vnet of the credential that created it (so_vnet)
// and every operation on it runs with that vnet current, whoever calls it.
// Protocols plug in through a protosw; this file knows datagram sockets
// (UDP, raw IP, routing), which is all the stack has so far.
//
// A receive buffer is a queue of records, one per datagram: the sender's
// address and the mbuf chain.  FreeBSD keeps the address in an MT_SONAME mbuf
// at the head of each record; here it sits in a reusable record object taken
// from a free list, and the buffer is charged exactly what the SONAME mbuf
// would cost (its bytes and MSIZE), so SO_RCVBUF limits behave the same.
//
// Departures: no locks, nothing ever sleeps (a receive on an empty buffer
// returns EWOULDBLOCK; callers wait with sys_poll), no socket-level
// control messages (SCM_*) are built (a protocol's ancillary data, such as
// ip6_savecontrol's, rides with its datagram to recvmsg), no TCP (no
// listen/accept/stream buffers).

import { EALREADY, EINVAL, EISCONN, EMSGSIZE, ENOBUFS, ENOPROTOOPT, ENOTCONN, EOPNOTSUPP, EPIPE, EPROTONOSUPPORT, EPROTOTYPE, EAFNOSUPPORT, EDESTADDRREQ, EWOULDBLOCK, EDOM } from "./errno.ts";
import { KASSERT } from "./subr_prf.ts";
import type { ucred, thread } from "./kern_prot.ts";
import { CRED_TO_VNET } from "./kern_jail.ts";
import { MCLBYTES, MHLEN, MINCLSIZE, MSIZE, M_COPYALL, M_EOR, M_EXT, M_PKTHDR, M_SIZE, M_TRAILINGSPACE, MT_DATA, mbuf, m_clrprotoflags } from "./mbuf.ts";
import { m_freem, m_get, m_getcl, m_gethdr } from "./kern_mbuf.ts";
import { m_copym, max_hdr } from "./uipc_mbuf.ts";
import { M_NOWAIT } from "./uma.ts";
import { wakeup } from "./kern_synch.ts";
import {
  CTLFLAG_RD,
  CTLFLAG_RW,
  OID_AUTO,
  SYSCTL_INT,
  SYSCTL_PROC,
  SYSCTL_OUT,
  CTLTYPE_INT,
  CTLFLAG_MPSAFE,
  _kern_ipc,
} from "./sysctl.ts";
import {
  MSG_DONTROUTE,
  MSG_EOF,
  MSG_EOR,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  PF_INET,
  PF_INET6,
  PF_ROUTE,
  SOL_SOCKET,
  SO_ACCEPTCONN,
  SO_BINTIME,
  SO_BROADCAST,
  SO_DEBUG,
  SO_DOMAIN,
  SO_DONTROUTE,
  SO_ERROR,
  SO_FIB,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_NOSIGPIPE,
  SO_OOBINLINE,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_RCVLOWAT,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SO_REUSEPORT_LB,
  SO_SETFIB,
  SO_SNDBUF,
  SO_SNDLOWAT,
  SO_TIMESTAMP,
  SO_TYPE,
  SO_USELOOPBACK,
  SA_LEN,
  type sockaddr,
} from "./socket.ts";
import { CURVNET_RESTORE, CURVNET_SET, vnet } from "../net/vnet.ts";
import { rt_numfibs_hook } from "../net/if.ts";
import { sockaddr_in } from "../netinet/in.ts";

import type { inpcb } from "../netinet/in_pcb.ts";
import { sockaddr_in6 } from "../netinet6/in6_var.ts";

// ---------------------------------------------------------------------------
// sys/protosw.h

export const PR_ATOMIC = 0x01;
export const PR_ADDR = 0x02;
export const PR_CONNREQUIRED = 0x04;
export const PR_WANTRCVD = 0x08;
export const PR_RIGHTS = 0x10;
export const PR_IMPLOPCL = 0x20;
export const PR_CAPATTACH = 0x80;

/** pr_send flags. */
export const PRUS_OOB = 0x1;
export const PRUS_EOF = 0x2;
export const PRUS_MORETOCOME = 0x4;
export const PRUS_NOTREADY = 0x8;
export const PRUS_IPV6 = 0x10;

/** The domain a protocol belongs to (struct domain, as a protosw sees it). */
export interface pr_domain_t {
  readonly dom_family: number;
  readonly dom_name: string;
}

/**
 * struct protosw: one (family, type, protocol) and its user requests.  The
 * optional entries default as domain_init() defaults them in FreeBSD: to
 * "not supported".
 */
export interface protosw {
  readonly pr_type: number;
  readonly pr_domain: pr_domain_t;
  readonly pr_protocol: number;
  readonly pr_flags: number;
  pr_ctloutput?: (so: socket, sopt: sockopt) => number;
  pr_attach: (so: socket, proto: number, td: thread | null) => number;
  pr_detach?: (so: socket) => void;
  pr_bind?: (so: socket, nam: sockaddr, td: thread | null) => number;
  pr_connect?: (so: socket, nam: sockaddr, td: thread | null) => number;
  pr_disconnect?: (so: socket) => number;
  pr_send: (so: socket, flags: number, m: mbuf, addr: sockaddr | null, control: mbuf | null, td: thread | null) => number;
  pr_abort?: (so: socket) => void;
  pr_close?: (so: socket) => void;
  pr_shutdown?: (so: socket) => number;
  /** getsockname: the address, or an errno (ng_getsockaddr can fail). */
  pr_sockaddr?: (so: socket) => sockaddr | number;
  pr_peeraddr?: (so: socket) => sockaddr | number;
  pr_control?: (so: socket, cmd: number, data: object, td: thread | null) => number;
  pr_soreceive?: (so: socket, uio: uio, flagsp: soreceive_out) => number;
  pr_sosend?: (so: socket, addr: sockaddr | null, uio: uio | null, top: mbuf | null, control: mbuf | null, flags: number, td: thread | null) => number;
  pr_setsbopt?: (so: socket, sopt: sockopt) => number;
}

/** The protocols of each family (a domain's dom_protosw). */
const protosw_by_family = new Map<number, protosw[]>();

/** pf_proto_register(family, pr): make a protocol available to socket(2). */
export function pf_proto_register(family: number, pr: protosw): number {
  let list = protosw_by_family.get(family);
  if (list === undefined) protosw_by_family.set(family, (list = []));
  if (list.includes(pr)) return 0;
  list.push(pr);
  return 0;
}

/** pffindproto(family, type, protocol): the first protosw of that type whose
 *  protocol matches, a zero on either side matching anything. */
export function pffindproto(family: number, type: number, protocol: number): protosw | null {
  const list = protosw_by_family.get(family);
  if (list === undefined) return null;
  for (const pr of list) if (pr.pr_type === type && (pr.pr_protocol === 0 || protocol === 0 || pr.pr_protocol === protocol)) return pr;
  return null;
}

function pf_family_known(family: number): boolean {
  return protosw_by_family.has(family);
}

// ---------------------------------------------------------------------------
// sys/sockopt.h

export const SOPT_GET = 0;
export const SOPT_SET = 1;

/** struct sockopt.  The value is a number for int-sized options and bytes
 *  for the others; sopt_valsize is what the caller passed or may receive. */
export class sockopt {
  sopt_val: number | Uint8Array | null = null;
  sopt_valsize = 0;
  constructor(
    public sopt_dir: number,
    public sopt_level: number,
    public sopt_name: number,
    public sopt_td: thread | null,
  ) {}
}

/** sooptcopyin for an int: EINVAL when the caller gave fewer than 4 bytes.
 *  Bytes are read in the host order of an amd64 machine (little-endian). */
export function sooptcopyin_int(sopt: sockopt): { error: number; val: number } {
  const v = sopt.sopt_val;
  if (sopt.sopt_valsize < 4 || v === null) return { error: EINVAL, val: 0 };
  if (typeof v === "number") return { error: 0, val: v | 0 };
  return { error: 0, val: (v[0] | (v[1] << 8) | (v[2] << 16) | (v[3] << 24)) | 0 };
}

/** sooptcopyin for a byte buffer of at most `len` and at least `minlen`. */
export function sooptcopyin_bytes(sopt: sockopt, len: number, minlen: number): { error: number; val: Uint8Array } {
  let b: Uint8Array;
  const v = sopt.sopt_val;
  if (v === null) b = new Uint8Array(0);
  else if (typeof v === "number") {
    b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
  } else b = v;
  if (sopt.sopt_valsize < minlen || b.length < minlen) return { error: EINVAL, val: b };
  let n = Math.min(sopt.sopt_valsize, b.length);
  if (n > len) n = len;
  sopt.sopt_valsize = n;
  return { error: 0, val: b.slice(0, n) };
}

/** sooptcopyout of an int. */
export function sooptcopyout_int(sopt: sockopt, val: number): number {
  sopt.sopt_val = val;
  sopt.sopt_valsize = 4;
  return 0;
}

/** sooptcopyout of bytes. */
export function sooptcopyout_bytes(sopt: sockopt, b: Uint8Array): number {
  sopt.sopt_val = b.slice();
  sopt.sopt_valsize = b.length;
  return 0;
}

// ---------------------------------------------------------------------------
// sys/sockbuf.h, sys/socketvar.h

export const SBS_CANTSENDMORE = 0x0010;
export const SBS_CANTRCVMORE = 0x0020;
export const SBS_RCVATMARK = 0x0040;

export const SB_STOP = 0x1000;
export const SB_AUTOSIZE = 0x800;

export const SS_ISCONNECTED = 0x0002;
export const SS_ISCONNECTING = 0x0004;
export const SS_ISDISCONNECTING = 0x0008;
export const SS_NBIO = 0x0100;
export const SS_ASYNC = 0x0200;
export const SS_ISCONFIRMING = 0x0400;
export const SS_ISDISCONNECTED = 0x2000;

export const SO_RCV = 0;
export const SO_SND = 1;

/**
 * One datagram in a socket buffer.  sr_from stands for the MT_SONAME mbuf:
 * an IPv4 or IPv6 source is copied into the record's own sr_sin or sr_sin6
 * (so queueing a UDP datagram allocates nothing); another family's is kept by
 * reference, and its sender must never change it afterwards (ng_socket's
 * per-hook addresses are made once).  sr_ccc and sr_mbcnt are what the
 * record was charged (sballoc), so freeing it (sbfree) gives back exactly
 * that.
 */
export class sbrecord {
  readonly sr_sin = new sockaddr_in();
  /** The same for an IPv6 source (UDP and raw IPv6). */
  readonly sr_sin6 = new sockaddr_in6();
  sr_from: sockaddr = this.sr_sin;
  sr_m: mbuf | null = null;
  /** The ancillary data (MT_CONTROL mbufs of cmsghdrs), or null. */
  sr_control: mbuf | null = null;
  sr_next: sbrecord | null = null;
  /** Bytes of data (the chain's length). */
  sr_len = 0;
  sr_ccc = 0;
  sr_mbcnt = 0;
}

/** Free records, reused so that queueing a datagram allocates nothing once
 *  the pool has grown to the deepest queue seen. */
let sbrecord_free: sbrecord | null = null;
let sbrecord_total = 0;

function sbrecord_get(): sbrecord {
  const r = sbrecord_free;
  if (r !== null) {
    sbrecord_free = r.sr_next;
    r.sr_next = null;
    return r;
  }
  sbrecord_total++;
  return new sbrecord();
}

function sbrecord_put(r: sbrecord): void {
  r.sr_m = null;
  r.sr_control = null;
  r.sr_from = r.sr_sin;
  r.sr_len = 0;
  r.sr_ccc = 0;
  r.sr_mbcnt = 0;
  r.sr_next = sbrecord_free;
  sbrecord_free = r;
}

/** Records ever created (the pool's size), for tests and vmstat -z. */
export function sbrecord_pool_size(): number {
  return sbrecord_total;
}

/** struct sockbuf, for datagram sockets: a queue of records. */
export class sockbuf {
  sb_mb: sbrecord | null = null;
  sb_lastrecord: sbrecord | null = null;
  /** Bytes in the buffer, counting the address of each record. */
  sb_ccc = 0;
  sb_hiwat = 0;
  /** Memory charged: MSIZE per mbuf plus cluster sizes. */
  sb_mbcnt = 0;
  sb_mbmax = 0;
  sb_lowat = 0;
  sb_state = 0;
  sb_flags = 0;
  /** Records queued (not a FreeBSD field: netstat's Recv-Q is sb_ccc). */
  sb_reccnt = 0;
}

/** Processes waiting in sys_poll for this socket (struct selinfo). */
export class selinfo {
  si_waiters: object[] = [];
}

/** struct socket. */
export class socket {
  so_count = 0;
  so_type: number;
  so_options = 0;
  so_linger = 0;
  so_state = 0;
  so_pcb: inpcb | null = null;
  readonly so_vnet: vnet;
  readonly so_proto: protosw;
  readonly so_cred: ucred;
  so_fibnum = 0;
  so_error = 0;
  so_rerror = 0;
  so_gencnt = 0;
  readonly so_rcv = new sockbuf();
  readonly so_snd = new sockbuf();
  readonly so_rdsel = new selinfo();
  /** Opaque per-protocol state for sockets without an inpcb (route sockets). */
  so_pcb_other: unknown = null;

  constructor(v: vnet, type: number, proto: protosw, cred: ucred) {
    this.so_vnet = v;
    this.so_type = type;
    this.so_proto = proto;
    this.so_cred = cred;
  }
}

/** sbspace(sb): room left, by bytes or by memory, whichever is less. */
export function sbspace(sb: sockbuf): number {
  if ((sb.sb_flags & SB_STOP) !== 0) return 0;
  const bleft = sb.sb_hiwat - sb.sb_ccc;
  const mleft = sb.sb_mbmax - sb.sb_mbcnt;
  return bleft < mleft ? bleft : mleft;
}

/** sbavail(sb): bytes ready to be read. */
export function sbavail(sb: sockbuf): number {
  return sb.sb_ccc;
}

// kern.ipc.maxsockbuf (sb_max) and kern.ipc.sockbuf_waste_factor.
const SB_MAX = 2 * 1024 * 1024;
let sb_max = SB_MAX;
let sb_max_adj = Math.floor((SB_MAX * MCLBYTES) / (MSIZE + MCLBYTES));
let sb_efficiency = 8;

SYSCTL_PROC(
  _kern_ipc,
  1, // KIPC_MAXSOCKBUF
  "maxsockbuf",
  CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE,
  null,
  0,
  (_o, _a1, _a2, req) => {
    const error = SYSCTL_OUT(req, sb_max);
    if (error !== 0 || req.newval === null) return error;
    const v = req.newval;
    if (typeof v !== "number" || !Number.isInteger(v)) return EINVAL;
    if (v < MSIZE + MCLBYTES) return EINVAL;
    sb_max = v;
    sb_max_adj = Math.floor((sb_max * MCLBYTES) / (MSIZE + MCLBYTES));
    return 0;
  },
  "IU",
  "Maximum socket buffer size",
);
SYSCTL_INT(_kern_ipc, 2, "sockbuf_waste_factor", CTLFLAG_RW, { get: () => sb_efficiency, set: (v: number) => void (sb_efficiency = v) }, 0, "");

/** sbreserve_locked: set the buffer's limits; 0 when cc is too large. */
export function sbreserve_locked(so: socket, which: number, cc: number, _td: thread | null): number {
  const sb = which === SO_RCV ? so.so_rcv : so.so_snd;
  if (cc > sb_max_adj) return 0;
  sb.sb_hiwat = cc;
  sb.sb_mbmax = Math.min(cc * sb_efficiency, sb_max);
  if (sb.sb_lowat > sb.sb_hiwat) sb.sb_lowat = sb.sb_hiwat;
  return 1;
}

/** soreserve(so, sndcc, rcvcc): what a protocol's attach sets up. */
export function soreserve(so: socket, sndcc: number, rcvcc: number): number {
  if (sbreserve_locked(so, SO_SND, sndcc, null) === 0) return ENOBUFS;
  if (sbreserve_locked(so, SO_RCV, rcvcc, null) === 0) {
    sbrelease(so, SO_SND);
    return ENOBUFS;
  }
  if (so.so_rcv.sb_lowat === 0) so.so_rcv.sb_lowat = 1;
  if (so.so_snd.sb_lowat === 0) so.so_snd.sb_lowat = MCLBYTES;
  if (so.so_snd.sb_lowat > so.so_snd.sb_hiwat) so.so_snd.sb_lowat = so.so_snd.sb_hiwat;
  return 0;
}

/** sbsetopt: SO_SNDBUF, SO_RCVBUF, SO_SNDLOWAT, SO_RCVLOWAT. */
export function sbsetopt(so: socket, sopt: sockopt): number {
  const { error: e, val: optval } = sooptcopyin_int(sopt);
  if (e !== 0) return e;
  // Values below 1 make no sense for any of these.
  if (optval < 1) return EINVAL;
  const cc = optval >>> 0;
  const rcv = sopt.sopt_name === SO_RCVBUF || sopt.sopt_name === SO_RCVLOWAT;
  const sb = rcv ? so.so_rcv : so.so_snd;
  let error = 0;
  switch (sopt.sopt_name) {
    case SO_SNDBUF:
    case SO_RCVBUF:
      if (sbreserve_locked(so, rcv ? SO_RCV : SO_SND, cc, sopt.sopt_td) === 0) error = ENOBUFS;
      if (error === 0) sb.sb_flags &= ~SB_AUTOSIZE;
      break;
    case SO_SNDLOWAT:
    case SO_RCVLOWAT:
      sb.sb_lowat = cc > sb.sb_hiwat ? sb.sb_hiwat : cc;
      break;
  }
  return error;
}

/** sbflush + sbrelease: drop everything queued and the limits. */
export function sbrelease(so: socket, which: number): void {
  const sb = which === SO_RCV ? so.so_rcv : so.so_snd;
  sbflush(sb);
  sb.sb_hiwat = 0;
  sb.sb_mbmax = 0;
}

/** sbflush: free every record. */
export function sbflush(sb: sockbuf): void {
  while (sb.sb_mb !== null) sbdroprecord_locked(sb);
  KASSERT(sb.sb_ccc === 0 && sb.sb_mbcnt === 0, `sbflush: ccc ${sb.sb_ccc} mbcnt ${sb.sb_mbcnt}`);
}

/** sbdroprecord_locked: free the first record. */
export function sbdroprecord_locked(sb: sockbuf): void {
  const r = sb.sb_mb;
  if (r === null) return;
  sbunlink_first(sb, r);
  m_freem(r.sr_m);
  m_freem(r.sr_control);
  sbrecord_put(r);
}

function sbunlink_first(sb: sockbuf, r: sbrecord): void {
  sb.sb_mb = r.sr_next;
  if (sb.sb_mb === null) sb.sb_lastrecord = null;
  sb.sb_ccc -= r.sr_ccc;
  sb.sb_mbcnt -= r.sr_mbcnt;
  sb.sb_reccnt--;
}

/**
 * sbappendaddr_locked(sb, asa, m0, control): queue a datagram from asa, with
 * its ancillary data, if they fit; 0 (nothing taken: the caller still owns
 * m0 and control) when they do not.
 */
export function sbappendaddr_locked(sb: sockbuf, asa: sockaddr, m0: mbuf, control: mbuf | null): number {
  KASSERT((m0.m_flags & M_PKTHDR) !== 0, "sbappendaddr_locked: no pkthdr");
  let space = SA_LEN(asa) + m0.m_pkthdr.len;
  for (let n = control; n !== null; n = n.m_next) space += n.m_len;
  if (space > sbspace(sb)) return 0;
  return sbappendaddr_locked_internal(sb, asa, m0, control);
}

export const sbappendaddr = sbappendaddr_locked;

function sbappendaddr_locked_internal(sb: sockbuf, asa: sockaddr, m0: mbuf, control: mbuf | null): number {
  const r = sbrecord_get();
  if (asa instanceof sockaddr_in) {
    const sin = r.sr_sin;
    sin.sin_len = asa.sin_len;
    sin.sin_family = asa.sin_family;
    sin.sin_addr = asa.sin_addr;
    sin.sin_port = asa.sin_port;
  } else if (asa instanceof sockaddr_in6) {
    const sin6 = r.sr_sin6;
    sin6.sin6_len = asa.sin6_len;
    sin6.sin6_family = asa.sin6_family;
    sin6.sin6_port = asa.sin6_port;
    sin6.sin6_flowinfo = asa.sin6_flowinfo;
    sin6.sin6_addr.s6_addr.set(asa.sin6_addr.s6_addr);
    sin6.sin6_scope_id = asa.sin6_scope_id;
    r.sr_from = sin6;
  } else r.sr_from = asa;
  // What the packet no longer needs once it sits in a socket buffer.
  m_clrprotoflags(m0);
  m0.m_pkthdr.tags = null;
  m0.m_pkthdr.rcvif = null;
  m0.m_pkthdr.flowid = 0;
  m0.m_pkthdr.csum_flags = 0;
  m0.m_pkthdr.fibnum = 0;
  m0.m_pkthdr.rsstype = 0;
  // sballoc() for the name mbuf, then for each data mbuf.
  let ccc = SA_LEN(asa);
  let mbcnt = MSIZE;
  for (let n: mbuf | null = control; n !== null; n = n.m_next) {
    ccc += n.m_len;
    mbcnt += MSIZE;
    if ((n.m_flags & M_EXT) !== 0) mbcnt += n.ext_size;
  }
  r.sr_control = control;
  for (let n: mbuf | null = m0; n !== null; n = n.m_next) {
    ccc += n.m_len;
    mbcnt += MSIZE;
    if ((n.m_flags & M_EXT) !== 0) mbcnt += n.ext_size;
  }
  r.sr_m = m0;
  r.sr_len = m0.m_pkthdr.len;
  r.sr_ccc = ccc;
  r.sr_mbcnt = mbcnt;
  sb.sb_ccc += ccc;
  sb.sb_mbcnt += mbcnt;
  sb.sb_reccnt++;
  // SBLINKRECORD
  if (sb.sb_lastrecord !== null) sb.sb_lastrecord.sr_next = r;
  else sb.sb_mb = r;
  sb.sb_lastrecord = r;
  return 1;
}

/** soroverflow: the datagram did not fit (FreeBSD may also set so_rerror
 *  when SO_RERROR is on; it is not modelled). */
export function soroverflow_locked(_so: socket): void {}

/** selwakeup: wake every process polling the socket. */
function selwakeup(sip: selinfo): void {
  const w = sip.si_waiters;
  if (w.length === 0) return;
  for (let i = 0; i < w.length; i++) wakeup(w[i]);
  w.length = 0;
}

/** selrecord: a poller waits on `chan` for this socket. */
export function selrecord(chan: object, sip: selinfo): void {
  if (!sip.si_waiters.includes(chan)) sip.si_waiters.push(chan);
}

/** sorwakeup: data (or an error) arrived; wake readers. */
export function sorwakeup_locked(so: socket): void {
  selwakeup(so.so_rdsel);
  wakeup(so.so_rcv);
}
export const sorwakeup = sorwakeup_locked;

/** sowwakeup: room to send; nothing waits for it here. */
export function sowwakeup(_so: socket): void {}

/** soreadable(so): what poll/select report as readable. */
export function soreadable(so: socket): boolean {
  return (
    sbavail(so.so_rcv) >= so.so_rcv.sb_lowat ||
    so.so_rcv.sb_mb !== null ||
    so.so_error !== 0 ||
    so.so_rerror !== 0 ||
    (so.so_rcv.sb_state & SBS_CANTRCVMORE) !== 0
  );
}

export function soisconnected(so: socket): void {
  so.so_state &= ~(SS_ISCONNECTING | SS_ISDISCONNECTING | SS_ISCONFIRMING);
  so.so_state |= SS_ISCONNECTED;
}

export function soisdisconnected(so: socket): void {
  so.so_state &= ~(SS_ISCONNECTING | SS_ISCONNECTED | SS_ISDISCONNECTING);
  so.so_state |= SS_ISDISCONNECTED;
}

export function socantsendmore(so: socket): void {
  so.so_snd.sb_state |= SBS_CANTSENDMORE;
}

export function socantrcvmore(so: socket): void {
  so.so_rcv.sb_state |= SBS_CANTRCVMORE;
  sorwakeup_locked(so);
}

// ---------------------------------------------------------------------------
// Allocation and teardown.

/** kern.ipc.numopensockets. */
let numopensockets = 0;
let so_gencnt = 0;
SYSCTL_INT(_kern_ipc, OID_AUTO, "numopensockets", CTLFLAG_RD, { get: () => numopensockets, set: () => {} }, 0, "Number of open sockets");

export function so_numopensockets(): number {
  return numopensockets;
}

/** soalloc(vnet): a new socket charged to its vnet (vnet_sockcnt). */
function soalloc(v: vnet, type: number, prp: protosw, cred: ucred): socket {
  const so = new socket(v, type, prp, cred);
  so.so_gencnt = ++so_gencnt;
  numopensockets++;
  if (VIMAGE) v.vnet_sockcnt++;
  return so;
}

/** sodealloc: the socket is gone; its vnet may now be destroyed. */
function sodealloc(so: socket): void {
  KASSERT(so.so_count === 0, "sodealloc(): so_count");
  KASSERT(so.so_pcb === null, "sodealloc(): so_pcb != NULL");
  so_gencnt++;
  numopensockets--;
  if (VIMAGE) so.so_vnet.vnet_sockcnt--;
}

/**
 * socreate(dom, type, proto, cred, td): a socket in the vnet of the
 * credential's prison.  Errors as FreeBSD: EAFNOSUPPORT for an unknown
 * family, EPROTOTYPE for an unknown type with protocol 0, EPROTONOSUPPORT
 * otherwise; the protocol's attach may refuse (raw sockets need privilege).
 */
export function socreate(dom: number, type: number, proto: number, cred: ucred, td: thread | null, fibnum = 0): { error: number; so: socket | null } {
  const prp = pffindproto(dom, type, proto);
  if (prp === null) {
    if (!pf_family_known(dom)) return { error: EAFNOSUPPORT, so: null };
    if (proto === 0 && type !== 0) return { error: EPROTOTYPE, so: null };
    return { error: EPROTONOSUPPORT, so: null };
  }
  const so = soalloc(CRED_TO_VNET(cred), type, prp, cred);
  so.so_fibnum = prp.pr_domain.dom_family === PF_INET || prp.pr_domain.dom_family === PF_INET6 || prp.pr_domain.dom_family === PF_ROUTE ? fibnum : 0;
  const saved = CURVNET_SET(so.so_vnet, "socreate");
  const error = prp.pr_attach(so, proto, td);
  CURVNET_RESTORE(saved);
  if (error !== 0) {
    so.so_pcb = null;
    sodealloc(so);
    return { error, so: null };
  }
  so.so_count = 1; // soref: the file's reference
  return { error: 0, so };
}

/** sofree: the last reference is gone; detach the protocol and free. */
function sofree(so: socket): void {
  const pr = so.so_proto;
  pr.pr_detach?.(so);
  sbrelease(so, SO_SND);
  sbrelease(so, SO_RCV);
  so.so_rdsel.si_waiters.length = 0;
  sodealloc(so);
}

/** sorele: drop a reference; the last one frees the socket. */
export function sorele(so: socket): void {
  KASSERT(so.so_count > 0, "sorele: so_count 0");
  if (--so.so_count === 0) sofree(so);
}

/**
 * soclose(so): the descriptor is closed.  Disconnect, let the protocol
 * close, drop the file's reference.
 */
export function soclose(so: socket): number {
  let error = 0;
  const saved = CURVNET_SET(so.so_vnet, "soclose");
  if ((so.so_state & SS_ISCONNECTED) !== 0 && (so.so_state & SS_ISDISCONNECTING) === 0) {
    error = sodisconnect(so);
    if (error === ENOTCONN) error = 0;
  }
  so.so_proto.pr_close?.(so);
  sorele(so);
  CURVNET_RESTORE(saved);
  return error;
}

// ---------------------------------------------------------------------------
// Requests.

export function sobind(so: socket, nam: sockaddr, td: thread | null): number {
  const saved = CURVNET_SET(so.so_vnet, "sobind");
  const error = so.so_proto.pr_bind === undefined ? EOPNOTSUPP : so.so_proto.pr_bind(so, nam, td);
  CURVNET_RESTORE(saved);
  return error;
}

/**
 * soconnect: a connection-based protocol connects once; a datagram socket
 * that is connected disconnects first, so connecting again re-targets it.
 */
export function soconnect(so: socket, nam: sockaddr, td: thread | null): number {
  const saved = CURVNET_SET(so.so_vnet, "soconnect");
  let error: number;
  if ((so.so_state & (SS_ISCONNECTED | SS_ISCONNECTING)) !== 0 && ((so.so_proto.pr_flags & PR_CONNREQUIRED) !== 0 || (error = sodisconnect(so)) !== 0)) {
    error = EISCONN;
  } else {
    // An error left over from an earlier connection must not bite now.
    so.so_error = 0;
    error = so.so_proto.pr_connect === undefined ? EOPNOTSUPP : so.so_proto.pr_connect(so, nam, td);
  }
  CURVNET_RESTORE(saved);
  return error;
}

export function sodisconnect(so: socket): number {
  if ((so.so_state & SS_ISCONNECTED) === 0) return ENOTCONN;
  if ((so.so_state & SS_ISDISCONNECTING) !== 0) return EALREADY;
  return so.so_proto.pr_disconnect === undefined ? EOPNOTSUPP : so.so_proto.pr_disconnect(so);
}

export function soshutdown(so: socket, how: number): number {
  if (how !== 0 && how !== 1 && how !== 2) return EINVAL;
  let soerror_enotconn = false;
  if ((so.so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)) === 0) {
    // POSIX wants ENOTCONN, but datagram sockets still shut down.
    soerror_enotconn = true;
  }
  const saved = CURVNET_SET(so.so_vnet, "soshutdown");
  if (how !== 1) {
    socantrcvmore(so);
    sbflush(so.so_rcv);
  }
  let error = 0;
  if (how !== 0) error = so.so_proto.pr_shutdown === undefined ? 0 : so.so_proto.pr_shutdown(so);
  CURVNET_RESTORE(saved);
  return error === 0 && soerror_enotconn ? ENOTCONN : error;
}

/** A user buffer being moved into or out of the kernel (struct uio). */
export class uio {
  uio_offset = 0;
  uio_resid: number;
  constructor(
    readonly uio_buf: Uint8Array,
    len = uio_buf.length,
  ) {
    this.uio_resid = len;
  }
}

/** uiomove from the user buffer into mbuf storage. */
function uiomove_in(dst: Uint8Array, dstoff: number, n: number, u: uio): void {
  dst.set(u.uio_buf.subarray(u.uio_offset, u.uio_offset + n), dstoff);
  u.uio_offset += n;
  u.uio_resid -= n;
}

/**
 * m_uiotombuf(uio, how, len, lspace, flags) (sys/kern/uipc_mbuf.c, with
 * m_getm2): copy user data into a new chain, leaving lspace bytes in front
 * of the first mbuf for headers.  Clusters where the data is large; page-size
 * jumbo clusters are not provided, so 2 KB clusters are chained instead.
 */
export function m_uiotombuf(u: uio, _how: number, len: number, lspace: number, flags: number): mbuf | null {
  const total = len > 0 ? Math.min(u.uio_resid, len) : u.uio_resid;
  if (lspace >= MHLEN) return null;
  // m_getm2: the whole allocation or nothing.
  let want = Math.max(total + lspace, 1);
  let top: mbuf | null = null;
  let last: mbuf | null = null;
  let f = flags;
  while (want > 0) {
    let mb: mbuf | null;
    if (want >= MINCLSIZE) mb = m_getcl(M_NOWAIT, MT_DATA, f & M_PKTHDR);
    else if ((f & M_PKTHDR) !== 0) mb = m_gethdr(M_NOWAIT, MT_DATA);
    else mb = m_get(M_NOWAIT, MT_DATA);
    if (mb === null) {
      m_freem(top);
      return null;
    }
    want -= M_SIZE(mb);
    if (last === null) top = mb;
    else last.m_next = mb;
    last = mb;
    f &= ~M_PKTHDR;
  }
  const m = top as mbuf;
  if ((flags & M_EOR) !== 0) m.m_flags |= M_EOR;
  m.m_data += lspace;
  let progress = 0;
  for (let mb: mbuf | null = m; mb !== null; mb = mb.m_next) {
    const length = Math.min(M_TRAILINGSPACE(mb), total - progress);
    uiomove_in(mb.m_buf, mb.m_data, length, u);
    mb.m_len = length;
    progress += length;
    if ((flags & M_PKTHDR) !== 0) m.m_pkthdr.len += length;
  }
  KASSERT(progress === total, "m_uiotombuf: progress != total");
  return m;
}

/**
 * sosend_dgram: send one datagram.  It must fit the send buffer's high
 * water mark (SO_SNDBUF: net.inet.udp.maxdgram by default), else EMSGSIZE;
 * the protocol's pr_send then owns the chain.  Raw sockets use
 * sosend_generic in FreeBSD, which for an atomic protocol checks the same.
 */
export function sosend_dgram(so: socket, addr: sockaddr | null, u: uio | null, top: mbuf | null, control: mbuf | null, flags: number, td: thread | null): number {
  let error = 0;
  let resid = u !== null ? u.uio_resid : top !== null ? top.m_pkthdr.len : 0;
  const clen = control !== null ? control.m_len : 0;
  out: {
    if (resid < 0) {
      error = EINVAL;
      break out;
    }
    const dontroute = (flags & MSG_DONTROUTE) !== 0 && (so.so_options & SO_DONTROUTE) === 0;
    if ((so.so_snd.sb_state & SBS_CANTSENDMORE) !== 0) {
      error = EPIPE;
      break out;
    }
    if (so.so_error !== 0) {
      error = so.so_error;
      so.so_error = 0;
      break out;
    }
    if ((so.so_state & SS_ISCONNECTED) === 0) {
      if ((so.so_proto.pr_flags & PR_CONNREQUIRED) !== 0 && (so.so_proto.pr_flags & PR_IMPLOPCL) === 0) {
        if ((so.so_state & SS_ISCONFIRMING) === 0 && !(resid === 0 && clen !== 0)) {
          error = ENOTCONN;
          break out;
        }
      } else if (addr === null) {
        error = (so.so_proto.pr_flags & PR_CONNREQUIRED) !== 0 ? ENOTCONN : EDESTADDRREQ;
        break out;
      }
    }
    let space = sbspace(so.so_snd);
    if ((flags & MSG_OOB) !== 0) space += 1024;
    space -= clen;
    if (resid > space) {
      error = EMSGSIZE;
      break out;
    }
    if (u === null) {
      resid = 0;
      if (top !== null && (flags & MSG_EOR) !== 0) top.m_flags |= M_EOR;
    } else {
      top = m_uiotombuf(u, M_NOWAIT, space, max_hdr, M_PKTHDR | ((flags & MSG_EOR) !== 0 ? M_EOR : 0));
      if (top === null) {
        // The simulator cannot wait for memory: out of mbufs is ENOBUFS.
        error = ENOBUFS;
        break out;
      }
      resid = u.uio_resid;
    }
    KASSERT(resid === 0, "sosend_dgram: resid != 0");
    KASSERT(top !== null, "sosend_dgram: no chain");
    if (dontroute) so.so_options |= SO_DONTROUTE;
    const m = top;
    top = null;
    const c = control;
    control = null;
    error = so.so_proto.pr_send(so, (flags & MSG_OOB) !== 0 ? PRUS_OOB : (flags & MSG_EOF) !== 0 && (so.so_proto.pr_flags & PR_IMPLOPCL) !== 0 ? PRUS_EOF : 0, m, addr, c, td);
    if (dontroute) so.so_options &= ~SO_DONTROUTE;
  }
  if (top !== null) m_freem(top);
  if (control !== null) m_freem(control);
  return error;
}

/** sosend: the protocol's sosend under the socket's vnet. */
export function sosend(so: socket, addr: sockaddr | null, u: uio | null, top: mbuf | null, control: mbuf | null, flags: number, td: thread | null): number {
  const saved = CURVNET_SET(so.so_vnet, "sosend");
  const f = so.so_proto.pr_sosend ?? sosend_dgram;
  const error = f(so, addr, u, top, control, flags, td);
  CURVNET_RESTORE(saved);
  return error;
}

/** What a receive hands back besides the data: the sender and the flags
 *  (MSG_TRUNC when the datagram was longer than the buffer). */
export class soreceive_out {
  /** An IPv4 source is a fresh copy; an address of another family is the
   *  record's own (the syscall layer copies it out). */
  psa: sockaddr | null = null;
  flags = 0;
  /** The datagram's full length (what recv(2) returns with MSG_TRUNC). */
  reclen = 0;
  /** controlp: set by a caller that takes the ancillary data (recvmsg). */
  want_control = false;
  /** The record's ancillary data, handed over (the caller frees it). */
  control: mbuf | null = null;
}

/**
 * soreceive_dgram (and soreceive_generic's atomic-protocol path for
 * MSG_PEEK/MSG_TRUNC): take the first datagram, copy what fits, drop the
 * rest (MSG_TRUNC).  With MSG_TRUNC in the request the returned length is
 * the datagram's real length.  Never sleeps: EWOULDBLOCK when empty.
 */
export function soreceive_dgram(so: socket, u: uio, out: soreceive_out): number {
  const flags = out.flags & ~MSG_EOR;
  const report_real_len = (flags & MSG_TRUNC) !== 0;
  out.psa = null;
  out.flags = flags & ~MSG_TRUNC;
  out.reclen = 0;
  const sb = so.so_rcv;
  const r = sb.sb_mb;
  if (r === null) {
    if (so.so_error !== 0) {
      const error = so.so_error;
      if ((flags & MSG_PEEK) === 0) so.so_error = 0;
      return error;
    }
    if ((sb.sb_state & SBS_CANTRCVMORE) !== 0 || u.uio_resid === 0) return 0;
    // FreeBSD sleeps here unless SS_NBIO/MSG_DONTWAIT/MSG_NBIO; the
    // simulator never sleeps in the kernel: callers poll and retry.
    return EWOULDBLOCK;
  }
  if ((so.so_proto.pr_flags & PR_ADDR) !== 0) {
    const from = r.sr_from;
    if (from === r.sr_sin) {
      const sa = new sockaddr_in(from.sin_addr, from.sin_port);
      sa.sin_len = from.sin_len;
      sa.sin_family = from.sin_family;
      out.psa = sa;
    } else if (from === r.sr_sin6) {
      const f6 = r.sr_sin6;
      const sa = new sockaddr_in6(f6.sin6_addr, f6.sin6_port, f6.sin6_scope_id);
      sa.sin6_len = f6.sin6_len;
      sa.sin6_family = f6.sin6_family;
      sa.sin6_flowinfo = f6.sin6_flowinfo;
      out.psa = sa;
    } else out.psa = from;
  }
  out.reclen = r.sr_len;
  // The ancillary data goes to a caller that asked for it (a copy when
  // peeking); otherwise it is freed with the record.
  out.control = null;
  if (r.sr_control !== null && out.want_control) {
    if ((flags & MSG_PEEK) !== 0) out.control = m_copym(r.sr_control, 0, M_COPYALL, M_NOWAIT);
    else {
      out.control = r.sr_control;
      r.sr_control = null;
    }
  }
  // Copy out what fits.
  let m = r.sr_m;
  let moff = 0;
  while (m !== null && u.uio_resid > 0) {
    const len = Math.min(u.uio_resid, m.m_len - moff);
    u.uio_buf.set(m.m_buf.subarray(m.m_data + moff, m.m_data + moff + len), u.uio_offset);
    u.uio_offset += len;
    u.uio_resid -= len;
    moff += len;
    if (moff === m.m_len) {
      m = m.m_next;
      moff = 0;
    }
  }
  while (m !== null && m.m_len === 0) m = m.m_next;
  if (m !== null) {
    out.flags |= MSG_TRUNC;
    if (report_real_len) out.reclen = r.sr_len;
  }
  if (!report_real_len) out.reclen = u.uio_offset;
  if ((flags & MSG_PEEK) === 0) sbdroprecord_locked(sb);
  return 0;
}

/** soreceive: the protocol's receive under the socket's vnet. */
export function soreceive(so: socket, u: uio, out: soreceive_out): number {
  const saved = CURVNET_SET(so.so_vnet, "soreceive");
  const f = so.so_proto.pr_soreceive ?? soreceive_dgram;
  const error = f(so, u, out);
  CURVNET_RESTORE(saved);
  return error;
}

// ---------------------------------------------------------------------------
// Socket options.

/** sosetfib: a FIB that exists, or EINVAL. */
export function sosetfib(so: socket, fibnum: number): number {
  if (fibnum < 0 || fibnum >= rt_numfibs_hook()) return EINVAL;
  so.so_fibnum = fibnum;
  return 0;
}

/**
 * sosetopt: SOL_SOCKET options here, the others to the protocol.  After a
 * socket-level option is set the protocol sees it too (ip_ctloutput mirrors
 * SO_REUSEADDR/SO_REUSEPORT into the inpcb).
 */
export function sosetopt(so: socket, sopt: sockopt): number {
  const saved = CURVNET_SET(so.so_vnet, "sosetopt");
  let error = 0;
  if (sopt.sopt_level !== SOL_SOCKET) {
    error = so.so_proto.pr_ctloutput === undefined ? ENOPROTOOPT : so.so_proto.pr_ctloutput(so, sopt);
  } else {
    let notify = true;
    switch (sopt.sopt_name) {
      case SO_LINGER: {
        // struct linger: l_onoff, l_linger (two ints).
        const { error: e, val } = sooptcopyin_bytes(sopt, 8, 8);
        if (e !== 0) {
          error = e;
          break;
        }
        const dv = new DataView(val.buffer, val.byteOffset, 8);
        const onoff = dv.getInt32(0, true);
        const linger = dv.getInt32(4, true);
        if (linger < 0 || linger > 0xffff) {
          error = EDOM;
          break;
        }
        so.so_linger = linger;
        if (onoff !== 0) so.so_options |= SO_LINGER;
        else so.so_options &= ~SO_LINGER;
        break;
      }
      case SO_DEBUG:
      case SO_KEEPALIVE:
      case SO_DONTROUTE:
      case SO_USELOOPBACK:
      case SO_BROADCAST:
      case SO_REUSEADDR:
      case SO_REUSEPORT:
      case SO_REUSEPORT_LB:
      case SO_OOBINLINE:
      case SO_TIMESTAMP:
      case SO_BINTIME:
      case SO_NOSIGPIPE: {
        const { error: e, val } = sooptcopyin_int(sopt);
        if (e !== 0) {
          error = e;
          break;
        }
        if (val !== 0) so.so_options |= sopt.sopt_name;
        else so.so_options &= ~sopt.sopt_name;
        break;
      }
      case SO_SETFIB:
        // The protocol validates and records the FIB (ip_ctloutput).
        notify = false;
        if (so.so_proto.pr_ctloutput !== undefined) error = so.so_proto.pr_ctloutput(so, sopt);
        else {
          const { error: e, val } = sooptcopyin_int(sopt);
          error = e !== 0 ? e : sosetfib(so, val);
        }
        break;
      case SO_SNDBUF:
      case SO_RCVBUF:
      case SO_SNDLOWAT:
      case SO_RCVLOWAT:
        error = (so.so_proto.pr_setsbopt ?? sbsetopt)(so, sopt);
        break;
      default:
        error = ENOPROTOOPT;
        break;
    }
    if (error === 0 && notify && so.so_proto.pr_ctloutput !== undefined) void so.so_proto.pr_ctloutput(so, sopt);
  }
  CURVNET_RESTORE(saved);
  return error;
}

/** sogetopt. */
export function sogetopt(so: socket, sopt: sockopt): number {
  const saved = CURVNET_SET(so.so_vnet, "sogetopt");
  let error = 0;
  if (sopt.sopt_level !== SOL_SOCKET) {
    error = so.so_proto.pr_ctloutput === undefined ? ENOPROTOOPT : so.so_proto.pr_ctloutput(so, sopt);
  } else {
    switch (sopt.sopt_name) {
      case SO_LINGER: {
        const b = new Uint8Array(8);
        const dv = new DataView(b.buffer);
        dv.setInt32(0, so.so_options & SO_LINGER, true);
        dv.setInt32(4, so.so_linger, true);
        error = sooptcopyout_bytes(sopt, b);
        break;
      }
      case SO_USELOOPBACK:
      case SO_DONTROUTE:
      case SO_DEBUG:
      case SO_KEEPALIVE:
      case SO_REUSEADDR:
      case SO_REUSEPORT:
      case SO_REUSEPORT_LB:
      case SO_BROADCAST:
      case SO_OOBINLINE:
      case SO_ACCEPTCONN:
      case SO_TIMESTAMP:
      case SO_BINTIME:
      case SO_NOSIGPIPE:
        error = sooptcopyout_int(sopt, so.so_options & sopt.sopt_name);
        break;
      case SO_FIB:
        error = sooptcopyout_int(sopt, so.so_fibnum);
        break;
      case SO_DOMAIN:
        error = sooptcopyout_int(sopt, so.so_proto.pr_domain.dom_family);
        break;
      case SO_TYPE:
        error = sooptcopyout_int(sopt, so.so_type);
        break;
      case SO_PROTOCOL:
        error = sooptcopyout_int(sopt, so.so_proto.pr_protocol);
        break;
      case SO_ERROR: {
        let v: number;
        if (so.so_error !== 0) {
          v = so.so_error;
          so.so_error = 0;
        } else {
          v = so.so_rerror;
          so.so_rerror = 0;
        }
        error = sooptcopyout_int(sopt, v);
        break;
      }
      case SO_SNDBUF:
        error = sooptcopyout_int(sopt, so.so_snd.sb_hiwat);
        break;
      case SO_RCVBUF:
        error = sooptcopyout_int(sopt, so.so_rcv.sb_hiwat);
        break;
      case SO_SNDLOWAT:
        error = sooptcopyout_int(sopt, so.so_snd.sb_lowat);
        break;
      case SO_RCVLOWAT:
        error = sooptcopyout_int(sopt, so.so_rcv.sb_lowat);
        break;
      default:
        error = ENOPROTOOPT;
        break;
    }
  }
  CURVNET_RESTORE(saved);
  return error;
}

