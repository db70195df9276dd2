// sys/netinet6/nd6_rtr.c: router solicitation and advertisement, prefixes and default routers.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (nd6) replaces
// every stub body below with FreeBSD's behaviour.

import type { mbuf } from "../kern/mbuf.ts";
import type { ifnet } from "../net/if.ts";
import { sockaddr_in6 } from "./in6.ts";

/** struct nd_prefixctl: what describes a prefix (from an RA, or from an address being added). */
export class nd_prefixctl {
  ndpr_ifp: ifnet | null = null;
  readonly ndpr_prefix = new sockaddr_in6();
  ndpr_vltime = 0;
  ndpr_pltime = 0;
  ndpr_plen = 0;
  /** ndpr_raf: the on-link and autonomous flags. */
  ndpr_raf_onlink = 0;
  ndpr_raf_auto = 0;
  ndpr_raf_ra_derived = 0;
}
/** struct nd_prefix: a prefix on the prefix list. */
export class nd_prefix extends nd_prefixctl {
  ndpr_expire = 0;
  ndpr_preferred = 0;
  ndpr_lastupdate = 0;
  ndpr_stateflags = 0;
  ndpr_addrcnt = 0;
  ndpr_refcnt = 1;
  /** The routers that advertised it. */
  ndpr_advrtrs: nd_defrouter[] = [];
}
/** struct nd_defrouter: a router heard from. */
export class nd_defrouter {
  readonly rtaddr = new sockaddr_in6();
  raflags = 0;
  rtlifetime = 0;
  expire = 0;
  ifp: ifnet | null = null;
  installed = 0;
  refcnt = 1;
}

export function nd6_rs_input(_m: mbuf, _off: number, _icmp6len: number): void {
  throw new Error("CONTRACT-STUB: nd6_rs_input (owner: nd6)");
}
export function nd6_ra_input(_m: mbuf, _off: number, _icmp6len: number): void {
  throw new Error("CONTRACT-STUB: nd6_ra_input (owner: nd6)");
}
export function nd6_prelist_add(_pr: nd_prefixctl, _dr: nd_defrouter | null, _newp: { pr: nd_prefix | null } | null): number {
  throw new Error("CONTRACT-STUB: nd6_prelist_add (owner: nd6)");
}
export function nd6_prefix_lookup(_key: nd_prefixctl): nd_prefix | null {
  throw new Error("CONTRACT-STUB: nd6_prefix_lookup (owner: nd6)");
}
export function nd6_prefix_ref(_pr: nd_prefix): void {
  throw new Error("CONTRACT-STUB: nd6_prefix_ref (owner: nd6)");
}
export function nd6_prefix_rele(_pr: nd_prefix): void {
  throw new Error("CONTRACT-STUB: nd6_prefix_rele (owner: nd6)");
}
export function nd6_prefix_onlink(_pr: nd_prefix): number {
  throw new Error("CONTRACT-STUB: nd6_prefix_onlink (owner: nd6)");
}
export function nd6_prefix_offlink(_pr: nd_prefix): number {
  throw new Error("CONTRACT-STUB: nd6_prefix_offlink (owner: nd6)");
}
export function pfxlist_onlink_check(): void {
  throw new Error("CONTRACT-STUB: pfxlist_onlink_check (owner: nd6)");
}
