// sys/netinet/tcp_reass.c: the reassembly queue (owned by tcpin).  Only
// what the rest of TCP calls, with FreeBSD 14's signatures; tcpin replaces
// every body.

import type { tcpcb } from "./tcp_var.ts";

/** tcp_reass_global_init(): the reassembly zone and its sysctls (tcp_init). */
export function tcp_reass_global_init(): void {
  throw new Error("CONTRACT-STUB tcp_reass_global_init");
}

/** tcp_reass_flush(tp): free every queued segment (tcp_discardcb). */
export function tcp_reass_flush(tp: tcpcb): void {
  void tp;
  throw new Error("CONTRACT-STUB tcp_reass_flush");
}
