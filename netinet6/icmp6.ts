// sys/netinet6/icmp6.c: ICMPv6 (RFC 4443): input, errors with rate limiting, echo, redirects, path MTU.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (icmp6) replaces
// every stub body below with FreeBSD's behaviour.

import type { mbuf } from "../kern/mbuf.ts";
import type { ifnet } from "../net/if.ts";
import type { nhop_object } from "../net/route/nhop.ts";
import type { intp, ip6ctlparam, mbufp } from "./ip6_var.ts";

export function icmp6_input(_mp: mbufp, _offp: intp, _proto: number): number {
  throw new Error("CONTRACT-STUB: icmp6_input (owner: icmp6)");
}
export function icmp6_error(_m: mbuf, _type: number, _code: number, _param: number): void {
  throw new Error("CONTRACT-STUB: icmp6_error (owner: icmp6)");
}
export function icmp6_error2(_m: mbuf, _type: number, _code: number, _param: number, _ifp: ifnet): void {
  throw new Error("CONTRACT-STUB: icmp6_error2 (owner: icmp6)");
}
export function icmp6_redirect_output(_m: mbuf, _nh: nhop_object): void {
  throw new Error("CONTRACT-STUB: icmp6_redirect_output (owner: icmp6)");
}
export function icmp6_mtudisc_update(_ip6cp: ip6ctlparam, _validated: boolean): void {
  throw new Error("CONTRACT-STUB: icmp6_mtudisc_update (owner: icmp6)");
}
