// sys/netinet6/in6_mcast.c: IPv6 multicast group memberships of interfaces and sockets.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (icmp6) replaces
// every stub body below with FreeBSD's behaviour.

import type { ifnet } from "../net/if.ts";
import type { sockopt } from "../kern/uipc_socket.ts";
import type { inpcb } from "../netinet/in_pcb.ts";
import { in6_addr } from "./in6.ts";
import type { ip6_moptions } from "./ip6_var.ts";

/** struct in6_multi: a group joined on an interface. */
export class in6_multi {
  readonly in6m_addr = new in6_addr();
  in6m_ifp: ifnet | null = null;
  in6m_refcount = 1;
  in6m_state = 0;
  in6m_timer = 0;
}

export function in6_joingroup(_ifp: ifnet, _mcaddr: in6_addr, _imf: null, _pinm: { inm: in6_multi | null }, _delay: number): number {
  throw new Error("CONTRACT-STUB: in6_joingroup (owner: icmp6)");
}
export function in6_leavegroup(_inm: in6_multi, _imf: null): number {
  throw new Error("CONTRACT-STUB: in6_leavegroup (owner: icmp6)");
}
export function in6m_lookup(_ifp: ifnet, _mcaddr: in6_addr): in6_multi | null {
  throw new Error("CONTRACT-STUB: in6m_lookup (owner: icmp6)");
}
export function ip6_setmoptions(_inp: inpcb, _sopt: sockopt): number {
  throw new Error("CONTRACT-STUB: ip6_setmoptions (owner: icmp6)");
}
export function ip6_getmoptions(_inp: inpcb, _sopt: sockopt): number {
  throw new Error("CONTRACT-STUB: ip6_getmoptions (owner: icmp6)");
}
export function ip6_freemoptions(_im6o: ip6_moptions): void {
  throw new Error("CONTRACT-STUB: ip6_freemoptions (owner: icmp6)");
}
