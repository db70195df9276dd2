// sys/netinet6/ip6_input.c: IPv6 input: header checks, hop-by-hop options, the next-header loop.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (ip6) replaces
// every stub body below with FreeBSD's behaviour.

import type { mbuf } from "../kern/mbuf.ts";
import type { in6_ifaddr } from "./in6.ts";
import type { intp, ip6proto_ctlinput_t, ip6proto_input_t } from "./ip6_var.ts";

export function ip6_input(_m: mbuf): void {
  throw new Error("CONTRACT-STUB: ip6_input (owner: ip6)");
}
export function ip6proto_register(_proto: number, _input: ip6proto_input_t, _ctl: ip6proto_ctlinput_t | null): number {
  throw new Error("CONTRACT-STUB: ip6proto_register (owner: ip6)");
}
export function ip6_lasthdr(_m: mbuf, _off: number, _proto: number, _nxtp: intp): number {
  throw new Error("CONTRACT-STUB: ip6_lasthdr (owner: ip6)");
}
export function ip6_nexthdr(_m: mbuf, _off: number, _proto: number, _nxtp: intp): number {
  throw new Error("CONTRACT-STUB: ip6_nexthdr (owner: ip6)");
}
export function ip6_getdstifaddr(_m: mbuf): in6_ifaddr | null {
  throw new Error("CONTRACT-STUB: ip6_getdstifaddr (owner: ip6)");
}
