// sys/netinet6/ip6_output.c: IPv6 output: extension headers, route, fragmentation at the source; socket options.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (ip6) replaces
// every stub body below with FreeBSD's behaviour.

import type { mbuf } from "../kern/mbuf.ts";
import type { socket, sockopt } from "../kern/uipc_socket.ts";
import type { ifnet } from "../net/if.ts";
import type { inpcb } from "../netinet/in_pcb.ts";
import type { route_in6 } from "./in6.ts";
import type { ip6_moptions, ip6_pktopts } from "./ip6_var.ts";

export function ip6_output(_m: mbuf, _opt: ip6_pktopts | null, _ro: route_in6 | null, _flags: number, _im6o: ip6_moptions | null, _ifpp: { ifp: ifnet | null } | null, _inp: inpcb | null): number {
  throw new Error("CONTRACT-STUB: ip6_output (owner: ip6)");
}
export function ip6_ctloutput(_so: socket, _sopt: sockopt): number {
  throw new Error("CONTRACT-STUB: ip6_ctloutput (owner: ip6)");
}
