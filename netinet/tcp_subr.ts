// sys/netinet/tcp_subr.c: TCP's common routines.  (Foundation: the
// exported signatures; the bodies follow.)

import type { mbuf } from "../kern/mbuf.ts";
import type { ip6ctlparam } from "../netinet6/ip6_var.ts";
import type { in_conninfo, inpcb, inpcbinfo } from "./in_pcb.ts";
import type { hdrptr, tcp_seq } from "./tcp.ts";
import type { tcp_ifcap, tcpcb } from "./tcp_var.ts";

/** V_tcbinfo: TCP's PCB table in the current vnet. */
export function V_tcbinfo(): inpcbinfo {
  throw new Error("CONTRACT-STUB V_tcbinfo");
}

/** tcp_newtcpcb(inp): a new control block for inp (null: no memory). */
export function tcp_newtcpcb(inp: inpcb): tcpcb | null {
  void inp;
  throw new Error("CONTRACT-STUB tcp_newtcpcb");
}

/** tcp_discardcb(tp): stop the timers and free what the tcpcb holds. */
export function tcp_discardcb(tp: tcpcb): void {
  void tp;
  throw new Error("CONTRACT-STUB tcp_discardcb");
}

/** tcp_drop(tp, errno): send a RST if synchronized and close; null when
 *  the tcpcb is gone. */
export function tcp_drop(tp: tcpcb, errno: number): tcpcb | null {
  void tp;
  void errno;
  throw new Error("CONTRACT-STUB tcp_drop");
}

/** tcp_close(tp): disconnect the socket and free the PCB; null when the
 *  tcpcb is gone (it stays while the socket still holds it). */
export function tcp_close(tp: tcpcb): tcpcb | null {
  void tp;
  throw new Error("CONTRACT-STUB tcp_close");
}

/**
 * tcp_respond(tp, ipgen, th, m, ack, seq, flags): send a bare segment
 * (RST, keepalive probe, challenge ACK).  With m, ipgen and th point into
 * m (the segment being answered: addresses and ports are swapped and m is
 * reused); without m, they point at a template (tcpip_maketemplate).
 */
export function tcp_respond(tp: tcpcb | null, ipgen: hdrptr, th: hdrptr, m: mbuf | null, ack: tcp_seq, seq: tcp_seq, flags: number): void {
  void tp;
  void ipgen;
  void th;
  void m;
  void ack;
  void seq;
  void flags;
  throw new Error("CONTRACT-STUB tcp_respond");
}

/** tcp_ctlinput(m, icp): an ICMP error about one of our segments
 *  (ipproto_ctlinput_t). */
export function tcp_ctlinput(m: mbuf, icp: number): void {
  void m;
  void icp;
  throw new Error("CONTRACT-STUB tcp_ctlinput");
}

/** tcp6_ctlinput(ip6cp): an ICMPv6 error about one of our segments. */
export function tcp6_ctlinput(ip6cp: ip6ctlparam): void {
  void ip6cp;
  throw new Error("CONTRACT-STUB tcp6_ctlinput");
}

/** tcp_new_isn(inc): an initial send sequence number (RFC 6528: a keyed
 *  hash of the connection plus a clock). */
export function tcp_new_isn(inc: in_conninfo): tcp_seq {
  void inc;
  throw new Error("CONTRACT-STUB tcp_new_isn");
}

/** tcp_new_ts_offset(inc): the per-connection timestamp offset. */
export function tcp_new_ts_offset(inc: in_conninfo): number {
  void inc;
  throw new Error("CONTRACT-STUB tcp_new_ts_offset");
}

/** tcp_maxmtu(inc, cap): the MTU of the route to inc's foreign address
 *  (0 when there is none); cap receives the interface's capabilities. */
export function tcp_maxmtu(inc: in_conninfo, cap: tcp_ifcap | null): number {
  void inc;
  void cap;
  throw new Error("CONTRACT-STUB tcp_maxmtu");
}

/** tcp_maxmtu6(inc, cap): the same for IPv6. */
export function tcp_maxmtu6(inc: in_conninfo, cap: tcp_ifcap | null): number {
  void inc;
  void cap;
  throw new Error("CONTRACT-STUB tcp_maxmtu6");
}

/** tcp_maxseg(tp): t_maxseg less the options every segment carries. */
export function tcp_maxseg(tp: tcpcb): number {
  void tp;
  throw new Error("CONTRACT-STUB tcp_maxseg");
}

/** tcp_state_change(tp, newstate): move the state and the per-state counts. */
export function tcp_state_change(tp: tcpcb, newstate: number): void {
  void tp;
  void newstate;
  throw new Error("CONTRACT-STUB tcp_state_change");
}

/** tcp_log_addrs(inc, th, ip4hdr, ip6hdr): "[addr]:port to [addr]:port
 *  tcpflags 0x..<...>", for the log messages; null when not logging. */
export function tcp_log_addrs(inc: in_conninfo | null, th: hdrptr, ip4hdr: hdrptr | null, ip6hdr: hdrptr | null): string | null {
  void inc;
  void th;
  void ip4hdr;
  void ip6hdr;
  throw new Error("CONTRACT-STUB tcp_log_addrs");
}

/** tcp_log_vain(inc, th, ip4hdr, ip6hdr): tcp_log_addrs when
 *  net.inet.tcp.log_in_vain asks for it, else null. */
export function tcp_log_vain(inc: in_conninfo | null, th: hdrptr, ip4hdr: hdrptr | null, ip6hdr: hdrptr | null): string | null {
  void inc;
  void th;
  void ip4hdr;
  void ip6hdr;
  throw new Error("CONTRACT-STUB tcp_log_vain");
}
