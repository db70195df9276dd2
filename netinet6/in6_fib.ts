// sys/netinet6/in6_fib.c: IPv6 route lookups for the data path.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (route6) replaces
// every stub body below with FreeBSD's behaviour.

import type { ifnet } from "../net/if.ts";
import type { nhop_object } from "../net/route/nhop.ts";
import type { in6_addr } from "./in6.ts";

export function fib6_lookup(_fibnum: number, _dst: in6_addr, _scopeid: number, _flags: number, _flowid: number): nhop_object | null {
  throw new Error("CONTRACT-STUB: fib6_lookup (owner: route6)");
}
export function fib6_check_urpf(_fibnum: number, _dst: in6_addr, _scopeid: number, _flags: number, _src_if: ifnet | null): number {
  throw new Error("CONTRACT-STUB: fib6_check_urpf (owner: route6)");
}
