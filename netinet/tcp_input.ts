// sys/netinet/tcp_input.c: TCP input (owned by tcpin).  This file holds,
// for now, only the functions the rest of TCP calls, with FreeBSD 14's
// signatures; tcpin replaces every body.

import type { mbuf } from "../kern/mbuf.ts";
import type { intp, mbufp } from "../netinet6/ip6_var.ts";
import type { in_conninfo } from "./in_pcb.ts";
import type { hdrptr } from "./tcp.ts";
import type { hc_metrics_lite, tcp_ifcap, tcpcb } from "./tcp_var.ts";

/** tcp_input(m, off, proto): an IPv4 segment; `off` is the IP header length
 *  (ipproto_input_t, as udp_input). */
export function tcp_input(m: mbuf, off: number, proto: number): void {
  void m;
  void off;
  void proto;
  throw new Error("CONTRACT-STUB tcp_input");
}

/** tcp6_input(mp, offp, proto): an IPv6 segment; returns IPPROTO_DONE. */
export function tcp6_input(mp: mbufp, offp: intp, proto: number): number {
  void mp;
  void offp;
  void proto;
  throw new Error("CONTRACT-STUB tcp6_input");
}

/** tcp_mss(tp, offer): set t_maxseg from the peer's MSS option (offer, or
 *  -1 when there was none) and the route, and size the socket buffers. */
export function tcp_mss(tp: tcpcb, offer: number): void {
  void tp;
  void offer;
  throw new Error("CONTRACT-STUB tcp_mss");
}

/** tcp_mss_update(tp, offer, mtuoffer, metricptr, cap): the MSS part of
 *  tcp_mss; mtuoffer is an MTU learned from ICMP (or 0), metricptr and cap
 *  receive the host cache metrics and interface capabilities when given. */
export function tcp_mss_update(tp: tcpcb, offer: number, mtuoffer: number, metricptr: hc_metrics_lite | null, cap: tcp_ifcap | null): void {
  void tp;
  void offer;
  void mtuoffer;
  void metricptr;
  void cap;
  throw new Error("CONTRACT-STUB tcp_mss_update");
}

/** tcp_mssopt(inc): the MSS to offer in our SYN. */
export function tcp_mssopt(inc: in_conninfo): number {
  void inc;
  throw new Error("CONTRACT-STUB tcp_mssopt");
}

/** cc_cong_signal(tp, th, type): tell the algorithm about congestion (th
 *  may be null, as from the retransmit timer). */
export function cc_cong_signal(tp: tcpcb, th: hdrptr | null, type: number): void {
  void tp;
  void th;
  void type;
  throw new Error("CONTRACT-STUB cc_cong_signal");
}

/** cc_conn_init(tp): initial cwnd and ssthresh for a new connection. */
export function cc_conn_init(tp: tcpcb): void {
  void tp;
  throw new Error("CONTRACT-STUB cc_conn_init");
}

/** tcp_compute_pipe(tp): bytes in flight by RFC 6675's pipe. */
export function tcp_compute_pipe(tp: tcpcb): number {
  void tp;
  throw new Error("CONTRACT-STUB tcp_compute_pipe");
}
