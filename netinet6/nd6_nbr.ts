// sys/netinet6/nd6_nbr.c: neighbor solicitation and advertisement, duplicate address detection.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (nd6) replaces
// every stub body below with FreeBSD's behaviour.

import type { mbuf } from "../kern/mbuf.ts";
import type { ifnet } from "../net/if.ts";
import type { sockaddr_dl } from "../net/if_dl.ts";
import type { in6_addr, in6_ifaddr } from "./in6.ts";

export function nd6_ns_input(_m: mbuf, _off: number, _icmp6len: number): void {
  throw new Error("CONTRACT-STUB: nd6_ns_input (owner: nd6)");
}
export function nd6_na_input(_m: mbuf, _off: number, _icmp6len: number): void {
  throw new Error("CONTRACT-STUB: nd6_na_input (owner: nd6)");
}
export function nd6_ns_output(_ifp: ifnet, _saddr6: in6_addr | null, _daddr6: in6_addr | null, _taddr6: in6_addr, _nonce: Uint8Array | null): void {
  throw new Error("CONTRACT-STUB: nd6_ns_output (owner: nd6)");
}
export function nd6_na_output(_ifp: ifnet, _daddr6: in6_addr, _taddr6: in6_addr, _flags: number, _tlladdr: number, _sdl0: sockaddr_dl | null): void {
  throw new Error("CONTRACT-STUB: nd6_na_output (owner: nd6)");
}
export function nd6_dad_start(_ifa: in6_ifaddr, _delay: number): void {
  throw new Error("CONTRACT-STUB: nd6_dad_start (owner: nd6)");
}
export function nd6_dad_stop(_ifa: in6_ifaddr): void {
  throw new Error("CONTRACT-STUB: nd6_dad_stop (owner: nd6)");
}
