// sys/netinet6/raw_ip6.c: raw IPv6 sockets.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (sock6) replaces
// every stub body below with FreeBSD's behaviour.

import type { intp, ip6ctlparam, mbufp } from "./ip6_var.ts";

export function rip6_input(_mp: mbufp, _offp: intp, _proto: number): number {
  throw new Error("CONTRACT-STUB: rip6_input (owner: sock6)");
}
export function rip6_ctlinput(_ip6cp: ip6ctlparam): void {
  throw new Error("CONTRACT-STUB: rip6_ctlinput (owner: sock6)");
}
