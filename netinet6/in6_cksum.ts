// sys/netinet6/in6_cksum.c: the Internet checksum over an IPv6 pseudo header and an mbuf chain.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (ip6) replaces
// every stub body below with FreeBSD's behaviour.

import type { mbuf } from "../kern/mbuf.ts";

export function in6_cksum(_m: mbuf, _nxt: number, _off: number, _len: number): number {
  throw new Error("CONTRACT-STUB: in6_cksum (owner: ip6)");
}
