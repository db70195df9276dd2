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

import { ECONNABORTED, EALREADY, EINVAL, EISCONN, EMSGSIZE, ENOBUFS, ENOPROTOOPT, ENOTCONN, EOPNOTSUPP, EPIPE, EPROTONOSUPPORT, EPROTOTYPE, EAFNOSUPPORT, EDESTADDRREQ, EWOULDBLOCK, EDOM } from "./errno.ts";
import { KASSERT, log, printf } from "./subr_prf.ts";
import { hz, ticks } from "./kern_timeout.ts";
import type { ucred, thread } from "./kern_prot.ts";
import { CRED_TO_VNET, prison_free, prison_hold } from "./kern_jail.ts";
import { MCLBYTES, MHLEN, MINCLSIZE, MSIZE, M_COPYALL, M_EOR, M_EXT, M_PKTHDR, M_SIZE, M_TRAILINGSPACE, M_WRITABLE, MT_CONTROL, MT_DATA, MT_OOBDATA, mbuf, m_clrprotoflags } from "./mbuf.ts";
import { m_free, m_freem, m_get, m_getcl, m_gethdr } from "./kern_mbuf.ts";
import { m_copym, m_length, max_hdr } from "./uipc_mbuf.ts";
import { M_NOWAIT } from "./uma.ts";
import { tsleep, wakeup } from "./kern_synch.ts";
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
  type sysctl_oid,
  type sysctl_req,
} from "./sysctl.ts";
import {
  MSG_DONTROUTE,
  MSG_DONTWAIT,
  MSG_EOF,
  MSG_EOR,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  MSG_WAITALL,
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
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOCK_STREAM,
  PF_DIVERT,
  type sockaddr,
} from "./socket.ts";
import { CURVNET_RESTORE, CURVNET_SET, vnet } from "../net/vnet.ts";
import { rt_numfibs_hook } from "../net/if.ts";
import { IPPROTO_DIVERT, inet_ntoa, sockaddr_in } from "../netinet/in.ts";

import type { inpcb } from "../netinet/in_pcb.ts";
import { ip6_sprintf, sockaddr_in6 } from "../netinet6/in6_var.ts";
import { POLLHUP, POLLIN, POLLINIGNEOF, POLLOUT, POLLPRI, POLLRDBAND, POLLRDHUP, POLLRDNORM, POLLWRNORM } from "./uipc_syscalls.ts";

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
  /** listen(2): the protocol checks and calls solisten_proto. */
  pr_listen?: (so: socket, backlog: number, td: thread | null) => number;
  /** accept(2): the peer's address into nam.sa (FreeBSD 14: struct sockaddr **). */
  pr_accept?: (so: socket, nam: sockaddr_out) => number;
  /** The user took data from the receive buffer (PR_WANTRCVD protocols). */
  pr_rcvd?: (so: socket, flags: number) => number;
  /** recv(MSG_OOB): the out-of-band byte into m (MSG_PEEK in flags). */
  pr_rcvoob?: (so: socket, m: mbuf, flags: number) => number;
}

/** An out-parameter for an address (struct sockaddr **): pr_accept,
 *  soaccept. */
export class sockaddr_out {
  sa: sockaddr | null = null;
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

/** pf_proto_unregister(family, pr): the protocol's domain goes away
 *  (domain_remove, when a module like ipdivert unloads). */
export function pf_proto_unregister(family: number, pr: protosw): void {
  const list = protosw_by_family.get(family);
  if (list === undefined) return;
  const i = list.indexOf(pr);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) protosw_by_family.delete(family);
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

export const SB_NOCOALESCE = 0x200;
export const SB_AUTOSIZE = 0x800;
export const SB_STOP = 0x1000;

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
  /** sr_sin's sin_zero when the source had one (divert), made once. */
  sr_zero: Uint8Array | null = null;
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

/**
 * struct sockbuf.  A datagram socket's buffer is a queue of records
 * (sb_rec .. sb_lastrec); a stream socket's is one mbuf chain (sb_mb ..
 * sb_mbtail, linked by m_next, no m_nextpkt), as FreeBSD keeps it.
 */
export class sockbuf {
  /** Datagram records (FreeBSD's sb_mb/sb_lastrecord for PR_ATOMIC). */
  sb_rec: sbrecord | null = null;
  sb_lastrec: sbrecord | null = null;
  /** Stream data: the chain, its last mbuf, and sb_lastrecord (== sb_mb). */
  sb_mb: mbuf | null = null;
  sb_mbtail: mbuf | null = null;
  sb_lastrecord: mbuf | null = null;
  /** Where the last sbsndptr_adv left off: an mbuf of the chain and the
   *  offset of its first byte from sb_mb's. */
  sb_sndptr: mbuf | null = null;
  sb_sndptroff = 0;
  /** Bytes available to read (sbavail); sb_ccc counts every byte claimed
   *  (sbused).  Nothing is ever "not ready" here, so they are equal. */
  sb_acc = 0;
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

/** so_qstate: which listen queue a new connection's socket is on. */
export const SQ_NONE = 0;
export const SQ_INCOMP = 0x0800;
export const SQ_COMP = 0x1000;

/** SOMAXCONN and kern.ipc.soacceptqueue (somaxconn): the largest backlog. */
export const SOMAXCONN = 128;

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
  /** Bytes of the receive buffer before the out-of-band mark (0: none). */
  so_oobmark = 0;
  readonly so_rcv = new sockbuf();
  readonly so_snd = new sockbuf();
  readonly so_rdsel = new selinfo();
  readonly so_wrsel = new selinfo();
  /** The channel soclose's linger and soisdisconnected wake (&so->so_timeo). */
  readonly so_timeo: object = {};
  /** A connection not yet accepted: its listening socket and which of its
   *  queues it is on. */
  so_listen: socket | null = null;
  so_qstate = SQ_NONE;
  // The listening socket's part (FreeBSD's union with the buffers: a
  // listening socket has no data, sol_* are meaningful only with
  // SO_ACCEPTCONN).
  /** Connections being set up, and those ready to accept (TAILQs). */
  readonly sol_incomp: socket[] = [];
  readonly sol_comp: socket[] = [];
  /** sol_comp's length, sol_incomp's length, and the backlog. */
  sol_qlen = 0;
  sol_incqlen = 0;
  sol_qlimit = 0;
  /** Listen queue overflows not yet logged, and when we last logged. */
  sol_overcount = 0;
  sol_lastover = 0;
  /** The buffer settings new connections inherit (kept by solisten_proto). */
  sol_sbrcv_lowat = 0;
  sol_sbsnd_lowat = 0;
  sol_sbrcv_hiwat = 0;
  sol_sbsnd_hiwat = 0;
  sol_sbrcv_flags = 0;
  sol_sbsnd_flags = 0;
  /** The listener's upcall (kernel consumers); null: wake pollers. */
  sol_upcall: ((so: socket, arg: unknown, waitflag: number) => number) | null = null;
  sol_upcallarg: unknown = null;
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
export let sb_max = SB_MAX;
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

/** sb_max (kern.ipc.maxsockbuf), for callers that prefer a function. */
export function sb_max_get(): number {
  return sb_max;
}

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
  if (SOLISTENING(so)) {
    // A listener has no buffers: the settings wait for its connections.
    switch (sopt.sopt_name) {
      case SO_SNDLOWAT:
      case SO_RCVLOWAT: {
        const hiwat = rcv ? so.sol_sbrcv_hiwat : so.sol_sbsnd_hiwat;
        const lowat = cc > hiwat ? hiwat : cc;
        if (rcv) so.sol_sbrcv_lowat = lowat;
        else so.sol_sbsnd_lowat = lowat;
        return 0;
      }
      default:
        if (cc > sb_max_adj) return ENOBUFS;
        if (rcv) {
          so.sol_sbrcv_hiwat = cc;
          so.sol_sbrcv_flags &= ~SB_AUTOSIZE;
          if (so.sol_sbrcv_lowat > cc) so.sol_sbrcv_lowat = cc;
        } else {
          so.sol_sbsnd_hiwat = cc;
          so.sol_sbsnd_flags &= ~SB_AUTOSIZE;
          if (so.sol_sbsnd_lowat > cc) so.sol_sbsnd_lowat = cc;
        }
        return 0;
    }
  }
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
  while (sb.sb_rec !== null) sbdroprecord_locked(sb);
  // A stream buffer: cut everything.
  while (sb.sb_mbcnt !== 0 && sb.sb_mb !== null) m_freem(sbcut_internal(sb, sb.sb_ccc));
  KASSERT(sb.sb_ccc === 0 && sb.sb_mbcnt === 0, `sbflush: ccc ${sb.sb_ccc} mbcnt ${sb.sb_mbcnt}`);
}

/** sbdroprecord_locked: free the first record. */
export function sbdroprecord_locked(sb: sockbuf): void {
  const r = sb.sb_rec;
  if (r === null) return;
  sbunlink_first(sb, r);
  m_freem(r.sr_m);
  m_freem(r.sr_control);
  sbrecord_put(r);
}

function sbunlink_first(sb: sockbuf, r: sbrecord): void {
  sb.sb_rec = r.sr_next;
  if (sb.sb_rec === null) sb.sb_lastrec = null;
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
    // sin_zero matters to divert(4) only: the record keeps its own 8 bytes.
    if (asa.sin_zero !== null) {
      const z = (r.sr_zero ??= new Uint8Array(8));
      z.set(asa.sin_zero.subarray(0, 8));
      sin.sin_zero = z;
    } else sin.sin_zero = null;
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
  if (sb.sb_lastrec !== null) sb.sb_lastrec.sr_next = r;
  else sb.sb_rec = r;
  sb.sb_lastrec = r;
  return 1;
}

// ---------------------------------------------------------------------------
// Stream socket buffers (uipc_sockbuf.c): one chain of data mbufs.

/** sballoc(sb, m): charge one mbuf to the buffer. */
function sballoc(sb: sockbuf, m: mbuf): void {
  sb.sb_ccc += m.m_len;
  sb.sb_acc += m.m_len;
  sb.sb_mbcnt += MSIZE;
  if ((m.m_flags & M_EXT) !== 0) sb.sb_mbcnt += m.ext_size;
}

/** sbfree(sb, m): give back what sballoc charged; the send pointer may not
 *  point at a freed mbuf. */
function sbfree(sb: sockbuf, m: mbuf): void {
  sb.sb_ccc -= m.m_len;
  sb.sb_acc -= m.m_len;
  sb.sb_mbcnt -= MSIZE;
  if ((m.m_flags & M_EXT) !== 0) sb.sb_mbcnt -= m.ext_size;
  if (sb.sb_sndptr === m) {
    sb.sb_sndptr = null;
    sb.sb_sndptroff = 0;
  }
  if (sb.sb_sndptroff !== 0) sb.sb_sndptroff -= m.m_len;
}

/** sbused(sb): bytes in the buffer, ready or not. */
export function sbused(sb: sockbuf): number {
  return sb.sb_ccc;
}

/**
 * sbcompress(sb, m, n): append chain m after n (the buffer's last mbuf),
 * dropping empty mbufs and copying small ones into the room left in the
 * previous mbuf, so that a stream of small writes does not cost an mbuf
 * each.  An M_EOR seen on the way is kept on the last mbuf.
 */
function sbcompress(sb: sockbuf, m0: mbuf | null, n0: mbuf | null): void {
  let m = m0;
  let n = n0;
  let eor = 0;
  while (m !== null) {
    eor |= m.m_flags & M_EOR;
    if (m.m_len === 0 && (eor === 0 || ((m.m_next ?? n) !== null && (m.m_next ?? n)?.m_type === m.m_type))) {
      if (sb.sb_lastrecord === m) sb.sb_lastrecord = m.m_next;
      m = m_free(m);
      continue;
    }
    if (
      n !== null &&
      (n.m_flags & M_EOR) === 0 &&
      M_WRITABLE(n) &&
      (sb.sb_flags & SB_NOCOALESCE) === 0 &&
      m.m_len <= MCLBYTES / 4 &&
      m.m_len <= M_TRAILINGSPACE(n) &&
      n.m_type === m.m_type
    ) {
      n.m_buf.set(m.m_buf.subarray(m.m_data, m.m_data + m.m_len), n.m_data + n.m_len);
      n.m_len += m.m_len;
      sb.sb_ccc += m.m_len;
      sb.sb_acc += m.m_len;
      m = m_free(m);
      continue;
    }
    if (n !== null) n.m_next = m;
    else sb.sb_mb = m;
    sb.sb_mbtail = m;
    sballoc(sb, m);
    n = m;
    m.m_flags &= ~M_EOR;
    m = m.m_next;
    n.m_next = null;
  }
  if (eor !== 0) {
    KASSERT(n !== null, "sbcompress: eor && n == NULL");
    if (n !== null) n.m_flags |= eor;
  }
}

/**
 * m_demote(m, all, flags): make a chain plain data for a stream buffer:
 * no packet header, no tags, no M_PKTHDR on any mbuf.
 */
function m_demote_stream(m0: mbuf): void {
  for (let m: mbuf | null = m0; m !== null; m = m.m_next) {
    if ((m.m_flags & M_PKTHDR) !== 0) {
      m.m_pkthdr.tags = null;
      m.m_pkthdr.rcvif = null;
      m.m_pkthdr.len = 0;
      m.m_flags &= ~M_PKTHDR;
    }
    m_clrprotoflags(m);
  }
}

/**
 * sbappendstream_locked(sb, m, flags): append data to a stream buffer.
 * The chain's packet headers go (a stream has no records) and small mbufs
 * are folded into the tail.  The protocol checked the room (TCP's window).
 */
export function sbappendstream_locked(sb: sockbuf, m: mbuf, _flags: number): void {
  KASSERT(m.m_nextpkt === null, "sbappendstream_locked: nexpkt");
  KASSERT(sb.sb_mb === sb.sb_lastrecord, "sbappendstream_locked: sb_mb != sb_lastrecord");
  m_demote_stream(m);
  sbcompress(sb, m, sb.sb_mbtail);
  sb.sb_lastrecord = sb.sb_mb;
}
export const sbappendstream = sbappendstream_locked;

/**
 * sbcut_internal(sb, len): take len bytes off the front of a stream
 * buffer.  Whole mbufs come back as a chain (linked by m_next, last cut
 * first) for the caller to free; a partly cut mbuf is trimmed in place.
 */
function sbcut_internal(sb: sockbuf, len0: number): mbuf | null {
  let len = len0;
  let m = sb.sb_mb;
  let mfree: mbuf | null = null;
  while (len > 0) {
    if (m === null) {
      KASSERT(false, `sbcut_internal: ${len} bytes more than the buffer holds`);
      break;
    }
    if (m.m_len > len) {
      m.m_len -= len;
      m.m_data += len;
      sb.sb_ccc -= len;
      sb.sb_acc -= len;
      if (sb.sb_sndptroff !== 0) sb.sb_sndptroff -= len;
      break;
    }
    len -= m.m_len;
    sbfree(sb, m);
    const next: mbuf | null = m.m_next;
    m.m_next = mfree;
    mfree = m;
    m = next;
  }
  // Empty mbufs left at the front go too.
  while (m !== null && m.m_len === 0) {
    sbfree(sb, m);
    const next: mbuf | null = m.m_next;
    m.m_next = mfree;
    mfree = m;
    m = next;
  }
  sb.sb_mb = m;
  if (m === null) {
    sb.sb_mbtail = null;
    sb.sb_lastrecord = null;
  } else sb.sb_lastrecord = m;
  return mfree;
}

/** sbcut_locked(sb, len): cut len bytes; the caller frees what comes back. */
export function sbcut_locked(sb: sockbuf, len: number): mbuf | null {
  return sbcut_internal(sb, len);
}

/** sbdrop_locked(sb, len): drop len bytes from the front (acknowledged
 *  data leaving the send buffer, data read from the receive buffer). */
export function sbdrop_locked(sb: sockbuf, len: number): void {
  m_freem(sbcut_internal(sb, len));
}
export const sbdrop = sbdrop_locked;

/** What sbsndptr_noadv returns: the mbuf holding byte `off` of the buffer
 *  and the offset into it (FreeBSD's return value and *moff). */
export class sbsndptr_out {
  m: mbuf | null = null;
  moff = 0;
}
const sbsndptr_scratch = new sbsndptr_out();

/**
 * sbsndptr_noadv(sb, off): where to start copying byte `off` of the send
 * buffer from: from the remembered send pointer when it lies at or before
 * off, else from the start.  Returns a shared scratch object: read it at
 * once.  Pair with sbsndptr_adv once the bytes are copied.
 */
export function sbsndptr_noadv(sb: sockbuf, off: number): sbsndptr_out {
  const r = sbsndptr_scratch;
  KASSERT(sb.sb_mb !== null, "sbsndptr_noadv: sb_mb is NULL");
  if (sb.sb_sndptr === null || sb.sb_sndptroff > off) {
    r.moff = off;
    if (sb.sb_sndptr === null) {
      sb.sb_sndptr = sb.sb_mb;
      sb.sb_sndptroff = 0;
    }
    r.m = sb.sb_mb;
    return r;
  }
  r.m = sb.sb_sndptr;
  r.moff = off - sb.sb_sndptroff;
  return r;
}

/**
 * sbsndptr_adv(sb, mb, len): after len bytes were copied starting in mb
 * (as sbsndptr_noadv gave it), move the send pointer past the mbufs
 * copied whole, so the next send starts there.  Only when mb was the
 * send pointer: a retransmission from further back leaves it alone.
 */
export function sbsndptr_adv(sb: sockbuf, mb: mbuf | null, len0: number): void {
  if (mb !== sb.sb_sndptr) return;
  let len = len0;
  let m = mb;
  while (m !== null && len > 0) {
    if (len >= m.m_len) {
      len -= m.m_len;
      if (m.m_next !== null) {
        sb.sb_sndptroff += m.m_len;
        sb.sb_sndptr = m.m_next;
      }
      m = m.m_next;
    } else len = 0;
  }
}

// ---------------------------------------------------------------------------
// Connection state (uipc_socket.c).

/** SOLISTENING(so): a listening socket (its buffers are gone). */
export function SOLISTENING(so: socket): boolean {
  return (so.so_options & SO_ACCEPTCONN) !== 0;
}

/** soref(so): one more reference (a protocol keeping a closed socket). */
export function soref(so: socket): void {
  so.so_count++;
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

/** selwakeup for writers and sowwakeup: room to send, or the send side
 *  is shut; wake pollers waiting for POLLOUT. */
export function sowwakeup_locked(so: socket): void {
  selwakeup(so.so_wrsel);
  wakeup(so.so_snd);
}
export const sowwakeup = sowwakeup_locked;

/** soreadable(so): what poll/select report as readable. */
export function soreadable(so: socket): boolean {
  if (SOLISTENING(so)) return so.sol_qlen > 0 || so.so_error !== 0;
  return (
    sbavail(so.so_rcv) >= so.so_rcv.sb_lowat ||
    so.so_rcv.sb_rec !== null ||
    so.so_error !== 0 ||
    so.so_rerror !== 0 ||
    (so.so_rcv.sb_state & SBS_CANTRCVMORE) !== 0
  );
}

/** sowriteable(so): room in the send buffer for a write of sb_lowat
 *  (connected, or a protocol that needs no connection), the send side
 *  shut, or an error. */
export function sowriteable(so: socket): boolean {
  return (
    (sbspace(so.so_snd) >= so.so_snd.sb_lowat &&
      ((so.so_state & SS_ISCONNECTED) !== 0 || (so.so_proto.pr_flags & PR_CONNREQUIRED) === 0)) ||
    (so.so_snd.sb_state & SBS_CANTSENDMORE) !== 0 ||
    so.so_error !== 0
  );
}

/** sohasoutofband(so): urgent data arrived: SIGURG to the owner (no
 *  process owns a socket here: no F_SETOWN) and wake pollers for POLLPRI. */
export function sohasoutofband(so: socket): void {
  selwakeup(so.so_rdsel);
}

/** soreadabledata(so): data at the low-water mark, or an error. */
export function soreadabledata(so: socket): boolean {
  return sbavail(so.so_rcv) >= so.so_rcv.sb_lowat || so.so_rcv.sb_rec !== null || so.so_error !== 0 || so.so_rerror !== 0;
}

/**
 * sopoll_generic(so, events, chan): poll(2)'s answer for a socket.  A
 * listener is readable with a connection to accept, or with an error (then
 * also POLLHUP).  Otherwise readable with data (or an error), writable
 * with room (sowriteable), POLLPRI at the out-of-band mark, readable with
 * the receive side shut, and POLLHUP when both sides are.  Nothing ready:
 * the poller (chan) is recorded on the buffers' selinfo to be woken.
 */
export function sopoll_generic(so: socket, events: number, chan: object | null): number {
  let revents = 0;
  if (SOLISTENING(so)) {
    if ((events & (POLLIN | POLLRDNORM)) === 0) revents = 0;
    else if (so.sol_comp.length !== 0) revents = events & (POLLIN | POLLRDNORM);
    else if ((events & POLLINIGNEOF) === 0 && so.so_error !== 0) revents = (events & (POLLIN | POLLRDNORM)) | POLLHUP;
    else if (chan !== null) selrecord(chan, so.so_rdsel);
    return revents;
  }
  if ((events & (POLLIN | POLLRDNORM)) !== 0 && soreadabledata(so)) revents |= events & (POLLIN | POLLRDNORM);
  if ((events & (POLLOUT | POLLWRNORM)) !== 0 && sowriteable(so)) revents |= events & (POLLOUT | POLLWRNORM);
  if ((events & (POLLPRI | POLLRDBAND)) !== 0 && (so.so_oobmark !== 0 || (so.so_rcv.sb_state & SBS_RCVATMARK) !== 0)) revents |= events & (POLLPRI | POLLRDBAND);
  if ((events & POLLINIGNEOF) === 0 && (so.so_rcv.sb_state & SBS_CANTRCVMORE) !== 0) {
    revents |= events & (POLLIN | POLLRDNORM);
    if ((so.so_snd.sb_state & SBS_CANTSENDMORE) !== 0) revents |= POLLHUP;
  }
  if ((so.so_rcv.sb_state & SBS_CANTRCVMORE) !== 0) revents |= events & POLLRDHUP;
  if (revents === 0 && chan !== null) {
    if ((events & (POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND | POLLRDHUP)) !== 0) selrecord(chan, so.so_rdsel);
    if ((events & (POLLOUT | POLLWRNORM)) !== 0) selrecord(chan, so.so_wrsel);
  }
  return revents;
}

/** solisten_wakeup(sol): a connection is ready to accept. */
function solisten_wakeup(sol: socket): void {
  if (sol.sol_upcall !== null) void sol.sol_upcall(sol, sol.sol_upcallarg, M_NOWAIT);
  else selwakeup(sol.so_rdsel);
  wakeup(sol.sol_comp);
}

/** soisconnecting(so): the protocol started a connection (SYN sent). */
export function soisconnecting(so: socket): void {
  so.so_state &= ~(SS_ISCONNECTED | SS_ISDISCONNECTING);
  so.so_state |= SS_ISCONNECTING;
}

/**
 * soisconnected(so): the connection is up.  A connection on its
 * listener's incomplete queue moves to the complete queue and wakes the
 * listener; any other wakes its own readers and writers (a non-blocking
 * connect's poll for POLLOUT).
 */
export function soisconnected(so: socket): void {
  so.so_state &= ~(SS_ISCONNECTING | SS_ISDISCONNECTING | SS_ISCONFIRMING);
  so.so_state |= SS_ISCONNECTED;
  if (so.so_qstate === SQ_INCOMP) {
    const head = so.so_listen;
    KASSERT(head !== null, "soisconnected: so on incomp of NULL");
    if (head !== null) {
      const i = head.sol_incomp.indexOf(so);
      if (i >= 0) head.sol_incomp.splice(i, 1);
      head.sol_incqlen--;
      head.sol_comp.push(so);
      head.sol_qlen++;
      so.so_qstate = SQ_COMP;
      solisten_wakeup(head);
    }
    return;
  }
  wakeup(so.so_timeo);
  sorwakeup(so);
  sowwakeup(so);
}

/** soisdisconnecting(so): the protocol is closing: no more data either
 *  way from the user's side. */
export function soisdisconnecting(so: socket): void {
  so.so_state &= ~SS_ISCONNECTING;
  so.so_state |= SS_ISDISCONNECTING;
  if (!SOLISTENING(so)) {
    socantrcvmore_locked(so);
    socantsendmore_locked(so);
  }
  wakeup(so.so_timeo);
}

/** soisdisconnected(so): the connection is gone: the receive side ends,
 *  unsent data is dropped, the send side ends. */
export function soisdisconnected(so: socket): void {
  so.so_state |= SS_ISDISCONNECTED;
  so.so_state &= ~(SS_ISCONNECTING | SS_ISCONNECTED | SS_ISDISCONNECTING);
  if (!SOLISTENING(so)) {
    socantrcvmore_locked(so);
    sbdrop_locked(so.so_snd, sbused(so.so_snd));
    socantsendmore_locked(so);
  }
  wakeup(so.so_timeo);
}

/** socantsendmore: the send side is shut (shutdown, FIN sent). */
export function socantsendmore_locked(so: socket): void {
  so.so_snd.sb_state |= SBS_CANTSENDMORE;
  sowwakeup_locked(so);
}
export const socantsendmore = socantsendmore_locked;

/** socantrcvmore: nothing more will arrive (FIN received, shutdown). */
export function socantrcvmore_locked(so: socket): void {
  so.so_rcv.sb_state |= SBS_CANTRCVMORE;
  sorwakeup_locked(so);
}
export const socantrcvmore = socantrcvmore_locked;

// ---------------------------------------------------------------------------
// Listening sockets and their queues.

/** kern.ipc.soacceptqueue (also kern.ipc.somaxconn): the largest backlog. */
let somaxconn = SOMAXCONN;
function sysctl_somaxconn(_o: sysctl_oid, _a1: unknown, _a2: number, req: sysctl_req): number {
  const error = SYSCTL_OUT(req, somaxconn);
  if (error !== 0 || req.newval === null) return error;
  const v = req.newval;
  if (typeof v !== "number" || !Number.isInteger(v)) return EINVAL;
  // The queue lengths are u_short-sized in the users' structures.
  if (v < 1 || v > 0xffff) return EINVAL;
  somaxconn = v;
  return 0;
}
SYSCTL_PROC(_kern_ipc, OID_AUTO, "soacceptqueue", CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, null, 0, sysctl_somaxconn, "I", "Maximum listen socket pending connection accept queue size");
SYSCTL_PROC(_kern_ipc, 3 /* KIPC_SOMAXCONN */, "somaxconn", CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, null, 0, sysctl_somaxconn, "I", "Maximum listen socket pending connection accept queue size (compat)");

/**
 * solisten_proto_check(so): may this socket listen?  Not while it is
 * connected or connecting.  (FreeBSD also fails when a reader or writer
 * holds the buffers' I/O locks; nothing holds them across calls here.)
 */
export function solisten_proto_check(so: socket): number {
  if ((so.so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)) !== 0) return EINVAL;
  return 0;
}

/** solisten_proto_abort(so): the protocol refused after the check; with
 *  no I/O locks taken there is nothing to undo. */
export function solisten_proto_abort(_so: socket): void {}

/**
 * solisten_proto(so, backlog): make the socket a listener.  The first
 * time, its buffers go and their settings are kept for the connections
 * it will spawn; every time, the backlog is clamped to somaxconn.
 */
export function solisten_proto(so: socket, backlog: number): void {
  KASSERT((so.so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)) === 0, "solisten_proto: bad socket state");
  if (!SOLISTENING(so)) {
    so.sol_sbrcv_lowat = so.so_rcv.sb_lowat;
    so.sol_sbsnd_lowat = so.so_snd.sb_lowat;
    so.sol_sbrcv_hiwat = so.so_rcv.sb_hiwat;
    so.sol_sbsnd_hiwat = so.so_snd.sb_hiwat;
    so.sol_sbrcv_flags = so.so_rcv.sb_flags;
    so.sol_sbsnd_flags = so.so_snd.sb_flags;
    sbrelease(so, SO_SND);
    sbrelease(so, SO_RCV);
    so.sol_incqlen = so.sol_qlen = 0;
    so.sol_incomp.length = 0;
    so.sol_comp.length = 0;
    so.sol_upcall = null;
    so.sol_upcallarg = null;
    so.so_options |= SO_ACCEPTCONN;
  }
  if (backlog < 0 || backlog > somaxconn) backlog = somaxconn;
  so.sol_qlimit = backlog;
}

/** solisten(so, backlog, td): listen(2)'s work, by the protocol. */
export function solisten(so: socket, backlog: number, td: thread | null): number {
  const saved = CURVNET_SET(so.so_vnet, "solisten");
  const error = so.so_proto.pr_listen === undefined ? EOPNOTSUPP : so.so_proto.pr_listen(so, backlog, td);
  CURVNET_RESTORE(saved);
  return error;
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
  // so_cred is held (crhold), and with it the credential's prison.
  prison_hold(cred.cr_prison);
  return so;
}

/** sodealloc: the socket is gone; its vnet may now be destroyed. */
export function sodealloc(so: socket): void {
  KASSERT(so.so_count === 0, "sodealloc(): so_count");
  KASSERT(so.so_pcb === null, "sodealloc(): so_pcb != NULL");
  so_gencnt++;
  numopensockets--;
  if (VIMAGE) so.so_vnet.vnet_sockcnt--;
  prison_free(so.so_cred.cr_prison);
}

/**
 * socreate(dom, type, proto, cred, td): a socket in the vnet of the
 * credential's prison.  Errors as FreeBSD: EAFNOSUPPORT for an unknown
 * family, EPROTOTYPE for an unknown type with protocol 0, EPROTONOSUPPORT
 * otherwise; the protocol's attach may refuse (raw sockets need privilege).
 */
export function socreate(dom: number, type: number, proto: number, cred: ucred, td: thread | null, fibnum = 0): { error: number; so: socket | null } {
  // divert(4) sockets were once PF_INET raw sockets of protocol
  // IPPROTO_DIVERT; FreeBSD 14 still takes that form, and says so.
  if (dom === PF_INET && type === SOCK_RAW && proto === IPPROTO_DIVERT) {
    dom = PF_DIVERT;
    printf(`${td?.td_name ?? "kernel"} uses obsolete way to create divert(4) socket\n`);
  }
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

/**
 * sofree(so): the last reference is gone: the protocol detaches, the
 * buffers (a listener has none) are released, pollers are let go.
 */
function sofree(so: socket): void {
  const pr = so.so_proto;
  KASSERT(so.so_count === 0, "sofree: so has references");
  KASSERT(SOLISTENING(so) || so.so_qstate === SQ_NONE, "sofree: so is on listen queue");
  pr.pr_detach?.(so);
  if (!SOLISTENING(so)) {
    sbrelease(so, SO_SND);
    sbrelease(so, SO_RCV);
  }
  so.so_rdsel.si_waiters.length = 0;
  so.so_wrsel.si_waiters.length = 0;
  sodealloc(so);
}

/** sorele: drop a reference; the last one frees the socket. */
export function sorele(so: socket): void {
  KASSERT(so.so_count > 0, "sorele: so_count 0");
  if (--so.so_count === 0) sofree(so);
}

/**
 * soclose_linger(so): the part of soclose(2) that may wait: start the
 * disconnect and, with SO_LINGER and a non-zero so_linger, wait up to
 * so_linger seconds (virtual time) for the protocol to finish it.  The
 * kernel never sleeps in a synchronous call; close(2) on a socket runs
 * this first (sys_close_wait), then soclose.  The result is soclose's
 * error: EWOULDBLOCK when the linger time ran out.
 */
export async function soclose_linger(so: socket): Promise<number> {
  let error = 0;
  const saved = CURVNET_SET(so.so_vnet, "soclose");
  if ((so.so_state & SS_ISCONNECTED) !== 0 && (so.so_state & SS_ISDISCONNECTING) === 0) {
    error = sodisconnect(so);
    if (error !== 0) {
      CURVNET_RESTORE(saved);
      return error === ENOTCONN ? 0 : error;
    }
  }
  CURVNET_RESTORE(saved);
  if ((so.so_state & SS_ISCONNECTED) === 0) return 0;
  if ((so.so_options & SO_LINGER) === 0 || so.so_linger === 0) return 0;
  if ((so.so_state & SS_ISDISCONNECTING) !== 0 && (so.so_state & SS_NBIO) !== 0) return 0;
  while ((so.so_state & SS_ISCONNECTED) !== 0) {
    const e = await tsleep(so.so_timeo, so.so_linger * 1e9);
    if (e !== 0) return e;
  }
  return 0;
}

/**
 * soclose(so): the descriptor is closed.  Disconnect if connected (a
 * lingering close waited in soclose_linger first), let the protocol close,
 * drop the file's reference; a listener's unaccepted connections are
 * aborted.
 */
export function soclose(so: socket): number {
  let error = 0;
  const saved = CURVNET_SET(so.so_vnet, "soclose");
  if ((so.so_state & SS_ISCONNECTED) !== 0 && (so.so_state & SS_ISDISCONNECTING) === 0) {
    error = sodisconnect(so);
    if (error === ENOTCONN) error = 0;
  }
  so.so_proto.pr_close?.(so);
  const listening = SOLISTENING(so);
  let lqueue: socket[] | null = null;
  if (listening) {
    lqueue = so.sol_incomp.concat(so.sol_comp);
    so.sol_incomp.length = 0;
    so.sol_comp.length = 0;
    so.sol_qlen = so.sol_incqlen = 0;
    for (const sp of lqueue) {
      sp.so_qstate = SQ_NONE;
      sp.so_listen = null;
      so.so_count--;
      KASSERT(so.so_count > 0, "soclose: released last reference");
    }
  }
  sorele(so);
  if (lqueue !== null) for (const sp of lqueue) soabort(sp);
  CURVNET_RESTORE(saved);
  return error;
}

/** accept4(2)'s internal flag: the new socket inherits the listener's
 *  non-blocking mode (accept(2)). */
export const ACCEPT4_INHERIT = 0x1;
export const ACCEPT4_COMPAT = 0x2;

/** kern.ipc.sooverinterval: seconds between listen queue overflow logs. */
let sooverinterval = 60;
SYSCTL_INT(_kern_ipc, OID_AUTO, "sooverinterval", CTLFLAG_RW, { get: () => sooverinterval, set: (v: number) => void (sooverinterval = v) }, 0, "Delay in seconds between warnings for listen socket overflows");

/** The listener's local address as the overflow message shows it. */
function solisten_overflow_log(head: socket, qlen: number, overcount: number): void {
  const inp = head.so_pcb;
  let descr = head.so_proto.pr_domain.dom_name;
  if (inp !== null) {
    const v6 = head.so_proto.pr_domain.dom_family === PF_INET6 && (inp.inp_vflag & INP_IPV6_FLAG) !== 0;
    descr = `${v6 ? `[${ip6_sprintf(inp.in6p_laddr)}]` : inet_ntoa(inp.inp_laddr)}:${inp.inp_lport} (proto ${head.so_proto.pr_protocol})`;
  }
  // FreeBSD prints the pcb's address; the socket's generation number
  // names it here.
  const pcb = `0x${head.so_gencnt.toString(16)}`;
  const who = head.so_cred.cr_prison.pr_id !== 0 ? head.so_cred.cr_prison.pr_name : "not_jailed";
  // Credentials here carry no groups: every process runs as root:wheel.
  log(7 /* LOG_DEBUG */, `sonewconn: pcb ${pcb} (${descr}): Listen queue overflow: ${qlen} already in queue awaiting acceptance (${overcount} occurrences), euid ${head.so_cred.cr_uid}, rgid 0, jail ${who}\n`);
}
const INP_IPV6_FLAG = 0x2; // in_pcb.h's INP_IPV6

/**
 * solisten_clone(head): a new socket for a connection arriving on a
 * listener, or null when the completed queue is already half again over
 * the backlog (logged at most once a minute).  The socket inherits the
 * listener's meaningful options and buffer settings; its reference count
 * is 0 until solisten_enqueue.
 */
export function solisten_clone(head: socket): socket | null {
  const over = head.sol_qlen > Math.floor((3 * head.sol_qlimit) / 2);
  if (over) {
    head.sol_overcount++;
    const now = ticks;
    if (head.sol_lastover === 0 || now - head.sol_lastover >= sooverinterval * hz) {
      head.sol_lastover = now;
      const overcount = head.sol_overcount;
      head.sol_overcount = 0;
      solisten_overflow_log(head, head.sol_qlen, overcount);
    }
    return null;
  }
  const so = soalloc(head.so_vnet, head.so_type, head.so_proto, head.so_cred);
  so.so_listen = head;
  so.so_options = head.so_options & (SO_KEEPALIVE | SO_DONTROUTE | SO_LINGER | SO_OOBINLINE | SO_NOSIGPIPE);
  so.so_linger = head.so_linger;
  so.so_state = head.so_state;
  so.so_fibnum = head.so_fibnum;
  if (soreserve(so, head.sol_sbsnd_hiwat, head.sol_sbrcv_hiwat) !== 0) {
    sodealloc(so);
    return null;
  }
  so.so_rcv.sb_lowat = head.sol_sbrcv_lowat;
  so.so_snd.sb_lowat = head.sol_sbsnd_lowat;
  so.so_rcv.sb_flags = head.sol_sbrcv_flags & SB_AUTOSIZE;
  so.so_snd.sb_flags = head.sol_sbsnd_flags & SB_AUTOSIZE;
  return so;
}

/**
 * solisten_enqueue(so, connstatus): put a cloned socket on its listener's
 * queue: the completed one when connstatus says it is connected (and wake
 * the listener), else the incomplete one, aborting the oldest incomplete
 * connections while that queue is over the backlog.  True when it landed
 * on the completed queue.  The queue holds the socket's one reference and
 * one on the listener.
 */
export function solisten_enqueue(so: socket, connstatus: number): boolean {
  const head = so.so_listen;
  KASSERT(head !== null, "solisten_enqueue: no listener");
  if (head === null) return false;
  KASSERT(so.so_count === 0, "solisten_enqueue: so_count");
  so.so_count = 1;
  so.so_state |= connstatus;
  soref(head);
  if (connstatus !== 0) {
    head.sol_comp.push(so);
    so.so_qstate = SQ_COMP;
    head.sol_qlen++;
    solisten_wakeup(head);
    return true;
  }
  while (head.sol_incqlen > head.sol_qlimit) {
    const sp = head.sol_incomp.shift();
    if (sp === undefined) break;
    head.sol_incqlen--;
    sp.so_qstate = SQ_NONE;
    sp.so_listen = null;
    sorele(head);
    soabort(sp);
  }
  head.sol_incomp.push(so);
  so.so_qstate = SQ_INCOMP;
  head.sol_incqlen++;
  return false;
}

/**
 * sonewconn(head, connstatus): a connection arrived on a listener (0 while
 * it is being set up, SS_ISCONNECTED when it is up): a new socket,
 * attached to the protocol and queued, or null when there is no room.
 */
export function sonewconn(head: socket, connstatus: number): socket | null {
  const so = solisten_clone(head);
  if (so === null) return null;
  if (so.so_proto.pr_attach(so, 0, null) !== 0) {
    so.so_pcb = null;
    sodealloc(so);
    return null;
  }
  solisten_enqueue(so, connstatus);
  return so;
}

/**
 * solisten_dequeue(head, flags): take the first completed connection off
 * a listener (accept), handing the queue's reference to the caller.  The
 * kernel never sleeps: an empty queue is EWOULDBLOCK whatever SS_NBIO
 * says, and the caller polls.
 */
export function solisten_dequeue(head: socket, flags: number): { error: number; so: socket | null } {
  if (head.so_error !== 0) {
    const error = head.so_error;
    head.so_error = 0;
    return { error, so: null };
  }
  const so = head.sol_comp.shift();
  if (so === undefined) return { error: EWOULDBLOCK, so: null };
  KASSERT(so.so_qstate === SQ_COMP, "solisten_dequeue: so not SQ_COMP");
  head.sol_qlen--;
  so.so_qstate = SQ_NONE;
  so.so_listen = null;
  if ((flags & ACCEPT4_INHERIT) !== 0) so.so_state |= head.so_state & SS_NBIO;
  else so.so_state |= (flags & SOCK_NONBLOCK) !== 0 ? SS_NBIO : 0;
  sorele(head);
  return { error: 0, so };
}

/** soaccept(so, nam): the protocol's accept: the peer's address. */
export function soaccept(so: socket, nam: sockaddr_out): number {
  const saved = CURVNET_SET(so.so_vnet, "soaccept");
  const error = so.so_proto.pr_accept === undefined ? EOPNOTSUPP : so.so_proto.pr_accept(so, nam);
  CURVNET_RESTORE(saved);
  return error;
}

/**
 * soabort(so): drop a connection nobody accepted (taken off a listen
 * queue, or refused by the protocol): the protocol aborts it and the
 * queue's reference goes.
 */
export function soabort(so: socket): void {
  KASSERT(so.so_qstate === SQ_NONE, "soabort: so on a listen queue");
  so.so_proto.pr_abort?.(so);
  sorele(so);
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
  if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) return EINVAL;
  let soerror_enotconn = false;
  if (SOLISTENING(so)) {
    // Shutting a listener's read side wakes whoever waits in accept.
    if (how !== SHUT_WR) {
      so.so_error = ECONNABORTED;
      solisten_wakeup(so);
    }
    return ENOTCONN;
  } else if ((so.so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)) === 0) {
    // POSIX wants ENOTCONN; datagram sockets are still shut down, as
    // FreeBSD always did (it unblocks a reader in another process).
    if (so.so_type !== SOCK_DGRAM) return ENOTCONN;
    soerror_enotconn = true;
  }
  const saved = CURVNET_SET(so.so_vnet, "soshutdown");
  if (how !== SHUT_WR) {
    socantrcvmore(so);
    sbflush(so.so_rcv);
  }
  let error = 0;
  if (how !== SHUT_RD) error = so.so_proto.pr_shutdown === undefined ? EOPNOTSUPP : so.so_proto.pr_shutdown(so);
  CURVNET_RESTORE(saved);
  return error === 0 && soerror_enotconn ? ENOTCONN : error;
}

/** shutdown(2)'s how. */
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

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

/** MSG_MORETOCOME (kernel only): the caller has more to send at once. */
export const MSG_MORETOCOME = 0x00100000;

/** sosendallatonce(so): a protocol whose sends are whole messages. */
export function sosendallatonce(so: socket): boolean {
  return (so.so_proto.pr_flags & PR_ATOMIC) !== 0;
}

/**
 * sosend_generic(so, addr, uio, top, control, flags, td): send on a
 * stream (or other non-atomic) socket.  The data goes to the protocol in
 * pieces of at most the send buffer's free space; when the buffer is too
 * full (less than sb_lowat free) FreeBSD sleeps, here the call ends with
 * EWOULDBLOCK and what was already sent stays sent (the syscall reports
 * the short count, as sousrsend does).  An atomic protocol's send is
 * sosend_dgram's.
 */
export function sosend_generic(so: socket, addr: sockaddr | null, u: uio | null, top: mbuf | null, control: mbuf | null, flags: number, td: thread | null): number {
  if (sosendallatonce(so) && top === null) return sosend_dgram(so, addr, u, top, control, flags, td);
  const atomic = sosendallatonce(so) || top !== null;
  let error = 0;
  let resid: number;
  if (u !== null) resid = u.uio_resid;
  else if (top !== null && (top.m_flags & M_PKTHDR) !== 0) resid = top.m_pkthdr.len;
  else resid = m_length(top);
  let clen = control !== null ? control.m_len : 0;
  out: {
    if (resid < 0 || (so.so_type === SOCK_STREAM && (flags & MSG_EOR) !== 0)) {
      error = EINVAL;
      break out;
    }
    const dontroute = (flags & MSG_DONTROUTE) !== 0 && (so.so_options & SO_DONTROUTE) === 0 && (so.so_proto.pr_flags & PR_ATOMIC) !== 0;
    do {
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
        // sendto/sendmsg on an unconnected connection-based socket only
        // when the protocol connects implicitly (TCP's T/TCP heritage).
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
      if ((atomic && resid > so.so_snd.sb_hiwat) || clen > so.so_snd.sb_hiwat) {
        error = EMSGSIZE;
        break out;
      }
      if (space < resid + clen && (atomic || space < so.so_snd.sb_lowat || space < clen)) {
        // FreeBSD sleeps in sbwait unless non-blocking; never here.
        error = EWOULDBLOCK;
        break out;
      }
      space -= clen;
      do {
        if (u === null) {
          resid = 0;
          if (top !== null && (flags & MSG_EOR) !== 0) top.m_flags |= M_EOR;
        } else {
          top = m_uiotombuf(u, M_NOWAIT, space, atomic ? max_hdr : 0, (atomic ? M_PKTHDR : 0) | ((flags & MSG_EOR) !== 0 ? M_EOR : 0));
          if (top === null) {
            // The simulator cannot wait for memory: out of mbufs is ENOBUFS.
            error = ENOBUFS;
            break out;
          }
          space -= resid - u.uio_resid;
          resid = u.uio_resid;
        }
        if (dontroute) so.so_options |= SO_DONTROUTE;
        const pr_send_flag =
          (flags & MSG_OOB) !== 0
            ? PRUS_OOB
            : (flags & MSG_EOF) !== 0 && (so.so_proto.pr_flags & PR_IMPLOPCL) !== 0 && resid <= 0
              ? PRUS_EOF
              : (flags & MSG_MORETOCOME) !== 0 || (resid > 0 && space > 0)
                ? PRUS_MORETOCOME
                : 0;
        const m = top as mbuf;
        const c = control;
        top = null;
        control = null;
        clen = 0;
        error = so.so_proto.pr_send(so, pr_send_flag, m, addr, c, td);
        if (dontroute) so.so_options &= ~SO_DONTROUTE;
        if (error !== 0) break out;
      } while (resid !== 0 && space > 0);
    } while (resid !== 0);
  }
  if (top !== null) m_freem(top);
  if (control !== null) m_freem(control);
  return error;
}

/** sosend: the protocol's sosend under the socket's vnet (datagram
 *  protocols default to sosend_dgram, the others to sosend_generic). */
export function sosend(so: socket, addr: sockaddr | null, u: uio | null, top: mbuf | null, control: mbuf | null, flags: number, td: thread | null): number {
  const saved = CURVNET_SET(so.so_vnet, "sosend");
  const f = so.so_proto.pr_sosend ?? ((so.so_proto.pr_flags & PR_ATOMIC) !== 0 ? sosend_dgram : sosend_generic);
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
  const r = sb.sb_rec;
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
      if (from.sin_zero !== null) sa.sin_zero = from.sin_zero.slice();
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

/**
 * soreceive_rcvoob(so, uio, flags): recv(MSG_OOB) of the out-of-band byte
 * the protocol keeps aside (TCP's t_iobc), not from the buffer.
 */
function soreceive_rcvoob(so: socket, u: uio, flags: number): number {
  const pr = so.so_proto;
  let m: mbuf | null = m_get(M_NOWAIT, MT_DATA);
  if (m === null) return ENOBUFS;
  let error = pr.pr_rcvoob === undefined ? EOPNOTSUPP : pr.pr_rcvoob(so, m, flags & MSG_PEEK);
  if (error === 0) {
    do {
      const len = Math.min(u.uio_resid, m.m_len);
      uiomove_out(m, 0, len, u);
      m = m_free(m);
    } while (u.uio_resid !== 0 && m !== null);
  }
  if (m !== null) m_freem(m);
  return error;
}

/** uiomove from mbuf storage out to the user buffer. */
function uiomove_out(m: mbuf, off: number, n: number, u: uio): void {
  u.uio_buf.set(m.m_buf.subarray(m.m_data + off, m.m_data + off + n), u.uio_offset);
  u.uio_offset += n;
  u.uio_resid -= n;
}

/**
 * soreceive_generic(so, uio, out): receive from a stream socket.  Bytes
 * come off the front of the chain up to the request; MSG_PEEK leaves them;
 * the read stops at the out-of-band mark and at a change between normal
 * and inline urgent data; MSG_WAITALL keeps reading while data is there.
 * Afterwards the protocol hears of the room made (pr_rcvd: TCP may send a
 * window update).  Where FreeBSD would sleep for more data the call
 * returns what it has, or EWOULDBLOCK when that is nothing: callers poll.
 * An atomic protocol's receive is soreceive_dgram's.
 */
export function soreceive_generic(so: socket, u: uio, out: soreceive_out): number {
  if ((so.so_proto.pr_flags & PR_ATOMIC) !== 0) return soreceive_dgram(so, u, out);
  out.psa = null;
  out.control = null;
  out.reclen = 0;
  const pr = so.so_proto;
  if ((out.flags & MSG_OOB) !== 0) {
    const start = u.uio_offset;
    const error = soreceive_rcvoob(so, u, out.flags);
    out.reclen = u.uio_offset - start;
    return error;
  }
  if ((pr.pr_flags & PR_WANTRCVD) !== 0 && (so.so_state & SS_ISCONFIRMING) !== 0 && u.uio_resid !== 0) pr.pr_rcvd?.(so, 0);
  if (SOLISTENING(so)) return ENOTCONN;
  const start = u.uio_offset;
  const error = soreceive_stream_locked(so, u, out);
  out.reclen = u.uio_offset - start;
  return error;
}

function soreceive_stream_locked(so: socket, u: uio, out: soreceive_out): number {
  const pr = so.so_proto;
  const sb = so.so_rcv;
  let flags = out.flags & ~MSG_EOR;
  out.flags &= ~MSG_TRUNC;
  const report_real_len = (flags & MSG_TRUNC) !== 0;
  flags &= ~MSG_TRUNC;
  let orig_resid = u.uio_resid;
  let error = 0;
  for (;;) {
    // restart:
    let m = sb.sb_mb;
    if (m === null || ((flags & MSG_DONTWAIT) === 0 && sbavail(sb) < u.uio_resid && sbavail(sb) < sb.sb_lowat)) {
      let dontblock = false;
      if (so.so_error !== 0 || so.so_rerror !== 0) {
        if (m !== null) dontblock = true;
        else {
          error = so.so_error !== 0 ? so.so_error : so.so_rerror;
          if ((flags & MSG_PEEK) === 0) {
            if (so.so_error !== 0) so.so_error = 0;
            else so.so_rerror = 0;
          }
          return error;
        }
      }
      if (!dontblock && (sb.sb_state & SBS_CANTRCVMORE) !== 0) {
        if (m !== null) dontblock = true;
        else return 0;
      }
      if (!dontblock) {
        for (let n = m; n !== null; n = n.m_next) {
          if (n.m_type === MT_OOBDATA || (n.m_flags & M_EOR) !== 0) {
            dontblock = true;
            break;
          }
        }
      }
      if (!dontblock) {
        if ((so.so_state & (SS_ISCONNECTING | SS_ISCONNECTED | SS_ISDISCONNECTING | SS_ISDISCONNECTED)) === 0 && (pr.pr_flags & PR_CONNREQUIRED) !== 0) return ENOTCONN;
        if (u.uio_resid === 0 && !report_real_len) return 0;
        // FreeBSD sleeps here (sbwait) unless non-blocking; never here.
        return EWOULDBLOCK;
      }
      m = sb.sb_mb;
    }
    // dontblock:
    if (m === null) return 0;
    let type = m.m_type;
    if (type === MT_OOBDATA) flags |= MSG_OOB;
    let moff = 0;
    let offset = 0;
    while (m !== null && u.uio_resid > 0 && error === 0) {
      if (m.m_type === MT_OOBDATA || m.m_type === MT_CONTROL) {
        if (type !== m.m_type) break;
      } else if (type === MT_OOBDATA) break;
      sb.sb_state &= ~SBS_RCVATMARK;
      let len = u.uio_resid;
      if (so.so_oobmark !== 0 && len > so.so_oobmark - offset) len = so.so_oobmark - offset;
      if (len > m.m_len - moff) len = m.m_len - moff;
      uiomove_out(m, moff, len, u);
      if (len === m.m_len - moff) {
        if ((m.m_flags & M_EOR) !== 0) flags |= MSG_EOR;
        if ((flags & MSG_PEEK) !== 0) {
          m = m.m_next;
          moff = 0;
        } else {
          sbdrop_locked(sb, len);
          m = sb.sb_mb;
          moff = 0;
        }
      } else {
        if ((flags & MSG_PEEK) !== 0) moff += len;
        else sbdrop_locked(sb, len);
      }
      if (so.so_oobmark !== 0) {
        if ((flags & MSG_PEEK) === 0) {
          so.so_oobmark -= len;
          if (so.so_oobmark === 0) {
            sb.sb_state |= SBS_RCVATMARK;
            break;
          }
        } else {
          offset += len;
          if (offset === so.so_oobmark) break;
        }
      }
      if ((flags & MSG_EOR) !== 0) break;
      // MSG_WAITALL: keep going while there is data; where FreeBSD would
      // wait for more, tell the protocol of the room made and return the
      // short count (as a signal would end the wait).
      if ((flags & MSG_WAITALL) !== 0 && m === null && u.uio_resid > 0 && !sosendallatonce(so)) {
        if (so.so_error !== 0 || so.so_rerror !== 0 || (sb.sb_state & SBS_CANTRCVMORE) !== 0) break;
        if ((pr.pr_flags & PR_WANTRCVD) !== 0 && (flags & MSG_PEEK) === 0) pr.pr_rcvd?.(so, flags);
        m = sb.sb_mb;
        if (m === null) break;
      }
    }
    if ((flags & MSG_PEEK) === 0) {
      if ((pr.pr_flags & PR_WANTRCVD) !== 0) pr.pr_rcvd?.(so, flags);
    }
    if (orig_resid === u.uio_resid && orig_resid !== 0 && (flags & MSG_EOR) === 0 && (sb.sb_state & SBS_CANTRCVMORE) === 0) {
      // Nothing was read (the mark sat at the front): look again.
      orig_resid = 0;
      continue;
    }
    out.flags |= flags & (MSG_OOB | MSG_EOR);
    return error;
  }
}

/** soreceive: the protocol's receive under the socket's vnet. */
export function soreceive(so: socket, u: uio, out: soreceive_out): number {
  const saved = CURVNET_SET(so.so_vnet, "soreceive");
  const f = so.so_proto.pr_soreceive ?? ((so.so_proto.pr_flags & PR_ATOMIC) !== 0 ? soreceive_dgram : soreceive_generic);
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
      // A listener keeps its buffers' settings for its connections.
      case SO_SNDBUF:
        error = sooptcopyout_int(sopt, SOLISTENING(so) ? so.sol_sbsnd_hiwat : so.so_snd.sb_hiwat);
        break;
      case SO_RCVBUF:
        error = sooptcopyout_int(sopt, SOLISTENING(so) ? so.sol_sbrcv_hiwat : so.so_rcv.sb_hiwat);
        break;
      case SO_SNDLOWAT:
        error = sooptcopyout_int(sopt, SOLISTENING(so) ? so.sol_sbsnd_lowat : so.so_snd.sb_lowat);
        break;
      case SO_RCVLOWAT:
        error = sooptcopyout_int(sopt, SOLISTENING(so) ? so.sol_sbrcv_lowat : so.so_rcv.sb_lowat);
        break;
      default:
        error = ENOPROTOOPT;
        break;
    }
  }
  CURVNET_RESTORE(saved);
  return error;
}

