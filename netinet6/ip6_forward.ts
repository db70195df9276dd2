// sys/netinet6/ip6_forward.c: forwarding IPv6 packets.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (ip6) replaces
// every stub body below with FreeBSD's behaviour.

import type { mbuf } from "../kern/mbuf.ts";

export function ip6_forward(_m: mbuf, _srcrt: number): void {
  throw new Error("CONTRACT-STUB: ip6_forward (owner: ip6)");
}
