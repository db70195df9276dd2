// sys/kern/sys_socket.c: sockets as files (soo_ioctl, soo_poll, soo_close),
// and, from sys/net/rtsock.c, the socket half of the routing domain
// (PF_ROUTE): creating a route socket and writing a request to it, which
// net/rtsock.ts's route_output carries out.
//
// Interface ioctls ('i' group: SIOCIFCREATE2, SIOCSIFFLAGS, SIOCAIFADDR,
// ...) go to ifioctl in the socket's vnet, which checks the privileges; the
// address requests reach the family's in_control from there.

import { EINVAL, EOPNOTSUPP, EWOULDBLOCK } from "./errno.ts";
import type { thread, ucred } from "./kern_prot.ts";
import { PF_INET, PF_ROUTE, SOCK_RAW, SO_USELOOPBACK, type sockaddr } from "./socket.ts";
import { m_freem } from "./kern_mbuf.ts";
import type { mbuf } from "./mbuf.ts";
import {
  PR_ADDR,
  PR_ATOMIC,
  SS_ASYNC,
  SS_NBIO,
  pf_proto_register,
  sbavail,
  sbspace,
  soclose,
  socantsendmore,
  soreadable,
  sopoll_generic,
  soreserve,
  sorwakeup,
  type pr_domain_t,
  type protosw,
  type socket,
} from "./uipc_socket.ts";
import { CURVNET_RESTORE, CURVNET_SET } from "../net/vnet.ts";
import { ifioctl } from "../net/if.ts";
import { route_output, rts_attach as rts_listen, rts_detach as rts_unlisten, type rt_msghdr, type rts_listener } from "../net/rtsock.ts";
import type { sockaddr_in } from "../netinet/in.ts";

// sys/filio.h: file ioctls.
export const FIOCLEX = 0x20006601;
export const FIONCLEX = 0x20006602;
export const FIONREAD = 0x4004667f;
export const FIONBIO = 0x8004667e;
export const FIOASYNC = 0x8004667d;
export const FIONWRITE = 0x40046677;
export const FIONSPACE = 0x40046676;

/** IOCGROUP(x): the ioctl's group letter ('i' for interfaces). */
export function IOCGROUP(cmd: number): number {
  return (cmd >>> 8) & 0xff;
}

/** The argument of the int-valued file ioctls (FIONREAD, FIONBIO, ...). */
export interface ioctl_int {
  value: number;
}

/**
 * soo_ioctl(so, cmd, data, cred, td): file ioctls on the socket itself;
 * interface ioctls to ifioctl; anything else to the protocol's
 * pr_control.  All of it in the socket's vnet.
 */
export function soo_ioctl(so: socket, cmd: number, data: object, cred: ucred, td: thread | null): number {
  let error = 0;
  switch (cmd) {
    case FIONBIO:
      if ((data as ioctl_int).value) so.so_state |= SS_NBIO;
      else so.so_state &= ~SS_NBIO;
      break;
    case FIOASYNC:
      if ((data as ioctl_int).value) so.so_state |= SS_ASYNC;
      else so.so_state &= ~SS_ASYNC;
      break;
    case FIONREAD:
      (data as ioctl_int).value = sbavail(so.so_rcv);
      break;
    case FIONWRITE:
      (data as ioctl_int).value = sbavail(so.so_snd);
      break;
    case FIONSPACE:
      (data as ioctl_int).value = Math.max(0, sbspace(so.so_snd));
      break;
    default: {
      const saved = CURVNET_SET(so.so_vnet, "soo_ioctl");
      if (IOCGROUP(cmd) === 0x69 /* 'i' */) error = ifioctl(cred, cmd, data, so.so_proto.pr_domain.dom_family);
      else if (IOCGROUP(cmd) === 0x72 /* 'r' */) error = EOPNOTSUPP; // rtioctl_fib: multicast routing only
      else error = so.so_proto.pr_control === undefined ? EOPNOTSUPP : so.so_proto.pr_control(so, cmd, data, td);
      CURVNET_RESTORE(saved);
      break;
    }
  }
  return error;
}

/** soo_readable: readable (data, a datagram, an error, end of input, a
 *  connection to accept). */
export function soo_readable(so: socket): boolean {
  return soreadable(so);
}

/** soo_poll(fp, events, cred, td): the protocol's poll, sopoll_generic. */
export function soo_poll(so: socket, events: number, chan: object | null): number {
  return sopoll_generic(so, events, chan);
}

/** soo_close: the descriptor's last reference. */
export function soo_close(so: socket): number {
  return soclose(so);
}

// ---------------------------------------------------------------------------
// The routing domain (sys/net/rtsock.c).

export const routedomain: pr_domain_t = { dom_family: PF_ROUTE, dom_name: "route" };

/** net.route.sendspace / recvspace (rtsock.c's route_sendspace). */
const route_sendspace = 8192;
const route_recvspace = 8192;

/** How many routing messages a route socket keeps unread (about
 *  net.route.recvspace's worth); more are dropped, as a full socket
 *  buffer drops them. */
const RTS_QLIMIT = 64;

/**
 * The routing-socket control block (struct rcb): its listener in the
 * vnet's list (net/rtsock.ts) and the messages heard and not yet read.
 */
export class rcb {
  rcb_listener: rts_listener | null = null;
  readonly rcb_queue: rt_msghdr[] = [];
  rcb_drops = 0;
  constructor(
    public rcb_family: number,
    public rcb_fibnum: number,
  ) {}
}

function sotorcb(so: socket): rcb | null {
  const r = so.so_pcb_other;
  return r instanceof rcb ? r : null;
}

function rts_attach(so: socket, proto: number, _td: thread | null): number {
  const error = soreserve(so, route_sendspace, route_recvspace);
  if (error !== 0) return error;
  const r = new rcb(proto, so.so_fibnum);
  r.rcb_listener = rts_listen(
    (msg) => {
      if (r.rcb_queue.length >= RTS_QLIMIT) {
        r.rcb_drops++;
        return;
      }
      r.rcb_queue.push(msg);
      sorwakeup(so);
    },
    proto,
    so.so_fibnum,
  );
  so.so_pcb_other = r;
  // A route socket hears its own messages unless it turns that off.
  so.so_options |= SO_USELOOPBACK;
  return 0;
}

function rts_detach(so: socket): void {
  const r = sotorcb(so);
  if (r !== null && r.rcb_listener !== null) rts_unlisten(r.rcb_listener);
  so.so_pcb_other = null;
}

/** A routing message is waiting to be read. */
export function rts_readable(so: socket): boolean {
  const r = sotorcb(so);
  return r !== null && r.rcb_queue.length > 0;
}

/** Read the next routing message (route -n monitor); EAGAIN when none. */
export function so_route_input(so: socket): { error: number; msg: rt_msghdr | null } {
  const r = sotorcb(so);
  if (r === null) return { error: EOPNOTSUPP, msg: null };
  const msg = r.rcb_queue.shift();
  if (msg === undefined) return { error: EWOULDBLOCK, msg: null };
  return { error: 0, msg };
}

/** rts_send: a message written with write(2).  Requests here go through
 *  sys_route, which takes the message as an object, not bytes. */
function rts_send(_so: socket, _flags: number, m: mbuf, _nam: sockaddr | null, control: mbuf | null, _td: thread | null): number {
  m_freem(m);
  m_freem(control);
  return EOPNOTSUPP;
}

function rts_shutdown(so: socket): number {
  socantsendmore(so);
  return 0;
}

export const route_protosw: protosw = {
  pr_type: SOCK_RAW,
  pr_domain: routedomain,
  pr_protocol: 0,
  pr_flags: PR_ATOMIC | PR_ADDR,
  pr_attach: rts_attach,
  pr_detach: rts_detach,
  pr_send: rts_send,
  pr_shutdown: rts_shutdown,
};

pf_proto_register(PF_ROUTE, route_protosw);

/**
 * A routing message written on a route socket (rts_send -> route_output):
 * carried out in the socket's vnet and FIB, with the writer's credential
 * (route_output checks PRIV_NET_ROUTE for changes).
 */
export function so_route_output(so: socket, cred: ucred, pid: number, msg: rt_msghdr): { error: number; reply: rt_msghdr | null } {
  if (so.so_proto.pr_domain.dom_family !== PF_ROUTE) return { error: so.so_proto.pr_domain.dom_family === PF_INET ? EOPNOTSUPP : EINVAL, reply: null };
  const saved = CURVNET_SET(so.so_vnet, "rts_send");
  try {
    // The writer's own listener hears the answer only with SO_USELOOPBACK.
    const r = sotorcb(so);
    const skip = r !== null && (so.so_options & SO_USELOOPBACK) === 0 ? r.rcb_listener : null;
    return route_output(cred, so.so_fibnum, msg, pid, skip);
  } finally {
    CURVNET_RESTORE(saved);
  }
}
