// sys/netinet6/mld6.c: Multicast Listener Discovery (MLDv2, RFC 3810; MLDv1 compatibility).
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (icmp6) replaces
// every stub body below with FreeBSD's behaviour.

import type { ifnet } from "../net/if.ts";
import type { mbufp } from "./ip6_var.ts";

export function mld_domifattach(_ifp: ifnet): object {
  throw new Error("CONTRACT-STUB: mld_domifattach (owner: icmp6)");
}
export function mld_domifdetach(_ifp: ifnet): void {
  throw new Error("CONTRACT-STUB: mld_domifdetach (owner: icmp6)");
}
export function mld_input(_mp: mbufp, _off: number, _icmp6len: number): number {
  throw new Error("CONTRACT-STUB: mld_input (owner: icmp6)");
}
