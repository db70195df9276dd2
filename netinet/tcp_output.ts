// sys/netinet/tcp_output.c: TCP output.  (Foundation: the exported
// signatures; the bodies follow.)

import type { socket } from "../kern/uipc_socket.ts";
import type { tcpcb, tcpopt } from "./tcp_var.ts";

/** tcp_output(tp): send what the state, the windows and the timers allow;
 *  0 or an errno. */
export function tcp_output(tp: tcpcb): number {
  void tp;
  throw new Error("CONTRACT-STUB tcp_output");
}

/** tcp_setpersist(tp): arm the persist timer with backoff. */
export function tcp_setpersist(tp: tcpcb): void {
  void tp;
  throw new Error("CONTRACT-STUB tcp_setpersist");
}

/** tcp_addoptions(to, optp, off): write the options `to` describes into
 *  optp at off, padded to a 4-byte boundary; returns their length. */
export function tcp_addoptions(to: tcpopt, optp: Uint8Array, off: number): number {
  void to;
  void optp;
  void off;
  throw new Error("CONTRACT-STUB tcp_addoptions");
}

/** tcp_sndbuf_autoscale(tp, so, sendwin): grow the send buffer. */
export function tcp_sndbuf_autoscale(tp: tcpcb, so: socket, sendwin: number): void {
  void tp;
  void so;
  void sendwin;
  throw new Error("CONTRACT-STUB tcp_sndbuf_autoscale");
}
