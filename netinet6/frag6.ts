// sys/netinet6/frag6.c: reassembly of IPv6 fragments.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (ip6) replaces
// every stub body below with FreeBSD's behaviour.

import type { intp, mbufp } from "./ip6_var.ts";

export function frag6_input(_mp: mbufp, _offp: intp, _proto: number): number {
  throw new Error("CONTRACT-STUB: frag6_input (owner: ip6)");
}
