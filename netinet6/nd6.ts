// sys/netinet6/nd6.c, nd6.h: Neighbor Discovery (RFC 4861): per-interface ND data, the neighbor cache and its states.
//
// CONTRACT-STUB: the lead's foundation for issue 13; the owner (nd6) replaces
// every stub body below with FreeBSD's behaviour.

import type { mbuf } from "../kern/mbuf.ts";
import type { ifnet } from "../net/if.ts";
import type { llentry } from "../net/if_llatbl.ts";
import type { in6_addr, in6_ifaddr, route_in6, sockaddr_in6 } from "./in6.ts";
import type { intp } from "./ip6_var.ts";

/** struct nd_ifinfo: an interface's ND parameters. */
export class nd_ifinfo {
  linkmtu = 0;
  maxmtu = 0;
  basereachable = 0;
  reachable = 0;
  retrans = 0;
  flags = 0;
  recalctm = 0;
  chlim = 0;
  initialized = 0;
}
// nd_ifinfo.flags
export const ND6_IFF_PERFORMNUD = 0x1;
export const ND6_IFF_ACCEPT_RTADV = 0x2;
export const ND6_IFF_PREFER_SOURCE = 0x4;
export const ND6_IFF_IFDISABLED = 0x8;
export const ND6_IFF_DONT_SET_IFROUTE = 0x10;
export const ND6_IFF_AUTO_LINKLOCAL = 0x20;
export const ND6_IFF_NO_RADR = 0x40;
export const ND6_IFF_NO_PREFER_IFACE = 0x80;
export const ND6_IFF_NO_DAD = 0x100;
export const ND6_IFF_STABLEADDR = 0x800;

export function ND_IFINFO(_ifp: ifnet): nd_ifinfo {
  throw new Error("CONTRACT-STUB: ND_IFINFO (owner: nd6)");
}
export function nd6_ifattach(_ifp: ifnet): nd_ifinfo {
  throw new Error("CONTRACT-STUB: nd6_ifattach (owner: nd6)");
}
export function nd6_ifdetach(_ifp: ifnet, _nd: nd_ifinfo): void {
  throw new Error("CONTRACT-STUB: nd6_ifdetach (owner: nd6)");
}
export function nd6_resolve(_ifp: ifnet, _gw_flags: number, _m: mbuf, _sa_dst: sockaddr_in6, _desten: Uint8Array, _pflags: intp | null, _plle: { lle: llentry | null } | null): number {
  throw new Error("CONTRACT-STUB: nd6_resolve (owner: nd6)");
}
export function nd6_output_ifp(_ifp: ifnet, _origifp: ifnet, _m: mbuf, _dst: sockaddr_in6, _ro: route_in6 | null): number {
  throw new Error("CONTRACT-STUB: nd6_output_ifp (owner: nd6)");
}
export function nd6_is_addr_neighbor(_addr: sockaddr_in6, _ifp: ifnet): boolean {
  throw new Error("CONTRACT-STUB: nd6_is_addr_neighbor (owner: nd6)");
}
export function nd6_lookup(_addr6: in6_addr, _llflags: number, _ifp: ifnet): llentry | null {
  throw new Error("CONTRACT-STUB: nd6_lookup (owner: nd6)");
}
export function nd6_cache_lladdr(_ifp: ifnet, _from: in6_addr, _lladdr: Uint8Array | null, _lladdrlen: number, _type: number, _code: number): void {
  throw new Error("CONTRACT-STUB: nd6_cache_lladdr (owner: nd6)");
}
export function nd6_ioctl(_cmd: number, _data: unknown, _ifp: ifnet): number {
  throw new Error("CONTRACT-STUB: nd6_ioctl (owner: nd6)");
}
export function nd6_setmtu(_ifp: ifnet): void {
  throw new Error("CONTRACT-STUB: nd6_setmtu (owner: nd6)");
}
export function nd6_purge(_ifp: ifnet): void {
  throw new Error("CONTRACT-STUB: nd6_purge (owner: nd6)");
}
export function nd6_add_ifa_lle(_ia: in6_ifaddr): number {
  throw new Error("CONTRACT-STUB: nd6_add_ifa_lle (owner: nd6)");
}
export function nd6_rem_ifa_lle(_ia: in6_ifaddr, _all: number): void {
  throw new Error("CONTRACT-STUB: nd6_rem_ifa_lle (owner: nd6)");
}
