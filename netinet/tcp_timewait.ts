// sys/netinet/tcp_timewait.c: TIME_WAIT.  (Foundation: the exported
// signatures; the bodies follow.)

import type { mbuf } from "../kern/mbuf.ts";
import type { inpcb } from "./in_pcb.ts";
import type { hdrptr } from "./tcp.ts";
import type { tcpcb, tcpopt } from "./tcp_var.ts";

/** tcp_twstart(tp): enter TIME_WAIT (or close at once when the 2MSL wait
 *  is not needed). */
export function tcp_twstart(tp: tcpcb): void {
  void tp;
  throw new Error("CONTRACT-STUB tcp_twstart");
}

/** tcp_twcheck(inp, to, th, m, tlen): a segment for a TIME_WAIT
 *  connection; true when a new SYN recycled the connection (the caller
 *  looks the PCB up again and m is still the caller's), false when the
 *  segment was consumed (m freed). */
export function tcp_twcheck(inp: inpcb, to: tcpopt | null, th: hdrptr, m: mbuf, tlen: number): boolean {
  void inp;
  void to;
  void th;
  void m;
  void tlen;
  throw new Error("CONTRACT-STUB tcp_twcheck");
}
