// sys/netinet6/in6_src.c: source address selection (RFC 6724) and the hop limit of outgoing packets.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (sock6) replaces
// every stub body below with FreeBSD's behaviour.

import type { ifnet } from "../net/if.ts";
import type { inpcb } from "../netinet/in_pcb.ts";
import type { in6_addr } from "./in6.ts";
import type { intp } from "./ip6_var.ts";

export function in6_selectsrc_addr(_fibnum: number, _dst: in6_addr, _scopeid: number, _ifp: ifnet | null, _srcp: in6_addr, _hlim: intp | null): number {
  throw new Error("CONTRACT-STUB: in6_selectsrc_addr (owner: sock6)");
}
export function in6_selecthlim(_inp: inpcb | null, _ifp: ifnet | null): number {
  throw new Error("CONTRACT-STUB: in6_selecthlim (owner: sock6)");
}
