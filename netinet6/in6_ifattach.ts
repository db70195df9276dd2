// sys/netinet6/in6_ifattach.c: IPv6 on an interface: interface identifiers, link-local addresses, lo0.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (in6) replaces
// every stub body below with FreeBSD's behaviour.

import type { ifnet } from "../net/if.ts";

export function in6_ifattach(_ifp: ifnet, _altifp: ifnet | null): void {
  throw new Error("CONTRACT-STUB: in6_ifattach (owner: in6)");
}
export function in6_ifdetach(_ifp: ifnet): void {
  throw new Error("CONTRACT-STUB: in6_ifdetach (owner: in6)");
}
