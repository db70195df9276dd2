// sys/netinet/tcp_hostcache.c: the per-vnet TCP host cache.  (Foundation:
// the exported signatures; the bodies follow.)

import type { in_conninfo } from "./in_pcb.ts";
import type { hc_metrics_lite } from "./tcp_var.ts";

/** tcp_hc_get(inc, hc_metrics_lite): what we know about the peer (zeros
 *  when nothing). */
export function tcp_hc_get(inc: in_conninfo, hc_metrics_lite: hc_metrics_lite): void {
  void inc;
  void hc_metrics_lite;
  throw new Error("CONTRACT-STUB tcp_hc_get");
}

/** tcp_hc_getmtu(inc): the path MTU we learned, 0 when none. */
export function tcp_hc_getmtu(inc: in_conninfo): number {
  void inc;
  throw new Error("CONTRACT-STUB tcp_hc_getmtu");
}

/** tcp_hc_updatemtu(inc, mtu): remember a path MTU (from ICMP). */
export function tcp_hc_updatemtu(inc: in_conninfo, mtu: number): void {
  void inc;
  void mtu;
  throw new Error("CONTRACT-STUB tcp_hc_updatemtu");
}

/** tcp_hc_update(inc, hcml): fold a closing connection's metrics in. */
export function tcp_hc_update(inc: in_conninfo, hcml: hc_metrics_lite): void {
  void inc;
  void hcml;
  throw new Error("CONTRACT-STUB tcp_hc_update");
}
