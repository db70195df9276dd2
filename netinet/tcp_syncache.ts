// sys/netinet/tcp_syncache.c: the SYN cache and SYN cookies (owned by
// tcpin).  Only what the rest of TCP calls, with FreeBSD 14's signatures;
// tcpin replaces every body.

import type { in_conninfo } from "./in_pcb.ts";
import type { tcp_seq } from "./tcp.ts";

/** syncache_init(): the per-vnet cache and its timer (tcp_init / vnet init). */
export function syncache_init(): void {
  throw new Error("CONTRACT-STUB syncache_init");
}

/** syncache_destroy(): free every entry and stop the timer (vnet teardown). */
export function syncache_destroy(): void {
  throw new Error("CONTRACT-STUB syncache_destroy");
}

/** syncache_unreach(inc, th_seq, port): an ICMP unreachable for the SYN|ACK
 *  of an embryonic connection (tcp_ctlinput). */
export function syncache_unreach(inc: in_conninfo, th_seq: tcp_seq, port: number): void {
  void inc;
  void th_seq;
  void port;
  throw new Error("CONTRACT-STUB syncache_unreach");
}
