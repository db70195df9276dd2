// sys/netinet6/scope6.c, scope6_var.h: scope zones of IPv6 addresses (RFC 4007).
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (in6) replaces
// every stub body below with FreeBSD's behaviour.

import type { ifnet } from "../net/if.ts";
import type { in6_addr, sockaddr_in6 } from "./in6.ts";
import type { intp } from "./ip6_var.ts";

export function in6_setscope(_in6: in6_addr, _ifp: ifnet, _ret_id: intp | null): number {
  throw new Error("CONTRACT-STUB: in6_setscope (owner: in6)");
}
export function in6_clearscope(_in6: in6_addr): number {
  throw new Error("CONTRACT-STUB: in6_clearscope (owner: in6)");
}
export function in6_getscope(_in6: in6_addr): number {
  throw new Error("CONTRACT-STUB: in6_getscope (owner: in6)");
}
export function in6_getscopezone(_ifp: ifnet, _scope: number): number {
  throw new Error("CONTRACT-STUB: in6_getscopezone (owner: in6)");
}
export function in6_addrscope(_addr: in6_addr): number {
  throw new Error("CONTRACT-STUB: in6_addrscope (owner: in6)");
}
export function sa6_embedscope(_sin6: sockaddr_in6, _defaultok: number): number {
  throw new Error("CONTRACT-STUB: sa6_embedscope (owner: in6)");
}
export function sa6_recoverscope(_sin6: sockaddr_in6): number {
  throw new Error("CONTRACT-STUB: sa6_recoverscope (owner: in6)");
}
export function sa6_checkzone(_sa6: sockaddr_in6): number {
  throw new Error("CONTRACT-STUB: sa6_checkzone (owner: in6)");
}
