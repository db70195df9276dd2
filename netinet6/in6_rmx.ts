// sys/netinet6/in6_rmx.c: creating and destroying the IPv6 routing tables.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (route6) replaces
// every stub body below with FreeBSD's behaviour.

import type { rib_head } from "../net/route/route_var.ts";

export function in6_inithead(_fibnum: number): rib_head | null {
  throw new Error("CONTRACT-STUB: in6_inithead (owner: route6)");
}
export function in6_detachhead(_rh: rib_head): void {
  throw new Error("CONTRACT-STUB: in6_detachhead (owner: route6)");
}
