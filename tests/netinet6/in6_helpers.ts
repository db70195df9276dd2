// Helpers for the IPv6 address tests: addresses from text, SIOCAIFADDR_IN6
// and SIOCDIFADDR_IN6 as ifconfig would send them, interfaces up, and a
// look at an interface's IPv6 addresses.
import type { Kernel } from "../helpers/builds.ts";
import type { ucred } from "../../kern/kern_prot.ts";

import { ifp } from "../netinet/rt_helpers.ts";
import type { in6_addr, in6_ifaddr } from "../../netinet6/in6_var.ts";

export const AF_INET6 = 28;

export function a6(k: Kernel, s: string): in6_addr {
  const a = k.inet_pton6(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a;
}

export interface add6_opts {
  flags?: number;
  vltime?: number;
  pltime?: number;
  dst?: string | null;
  scope_id?: number;
}

/** ifconfig IF inet6 A prefixlen N [flags] [vltime..]: SIOCAIFADDR_IN6 in curvnet.  plen null: no mask. */
export function add6(k: Kernel, cred: ucred, ifname: string, addr: string, plen: number | null, o: add6_opts = {}): number {
  const ifra = new k.in6_aliasreq();
  ifra.ifra_name = ifname;
  ifra.ifra_addr = new k.sockaddr_in6(a6(k, addr), 0, o.scope_id ?? 0);
  if (plen !== null) {
    ifra.ifra_prefixmask = new k.sockaddr_in6();
    k.in6_prefixlen2mask(ifra.ifra_prefixmask.sin6_addr, plen);
  } else {
    ifra.ifra_prefixmask.sin6_len = 0;
    ifra.ifra_prefixmask.sin6_family = 0;
  }
  if (o.dst !== undefined && o.dst !== null) ifra.ifra_dstaddr = new k.sockaddr_in6(a6(k, o.dst));
  ifra.ifra_flags = o.flags ?? 0;
  ifra.ifra_lifetime.ia6t_vltime = o.vltime ?? k.ND6_INFINITE_LIFETIME;
  ifra.ifra_lifetime.ia6t_pltime = o.pltime ?? k.ND6_INFINITE_LIFETIME;
  return k.ifioctl(cred, k.SIOCAIFADDR_IN6, ifra, AF_INET6);
}

/** ifconfig IF inet6 A -alias: SIOCDIFADDR_IN6 in curvnet. */
export function del6(k: Kernel, cred: ucred, ifname: string, addr: string, scope_id = 0): number {
  return k.ifioctl(cred, k.SIOCDIFADDR_IN6, { ifr_name: ifname, ifr_addr: new k.sockaddr_in6(a6(k, addr), 0, scope_id) }, AF_INET6);
}

/** nd6.h ND6_IFF_IFDISABLED: IPv6 starts disabled on all but loopback interfaces. */
export const ND6_IFF_IFDISABLED = 0x8;

/** ifconfig IF inet6 -ifdisabled (on = false) or ifdisabled: SIOCGIFINFO_IN6, then SIOCSIFINFO_IN6. */
export function ifdisabled(k: Kernel, cred: ucred, ifname: string, on: boolean): number {
  const nd = new k.in6_ndireq();
  nd.ifname = ifname;
  const e = k.ifioctl(cred, k.SIOCGIFINFO_IN6, nd, AF_INET6);
  if (e !== 0) return e;
  if (on) nd.ndi.flags |= ND6_IFF_IFDISABLED;
  else nd.ndi.flags &= ~ND6_IFF_IFDISABLED;
  return k.ifioctl(cred, k.SIOCSIFINFO_IN6, nd, AF_INET6);
}

/** The interface's ND flags (SIOCGIFINFO_IN6). */
export function nd6_flags(k: Kernel, cred: ucred, ifname: string): number {
  const nd = new k.in6_ndireq();
  nd.ifname = ifname;
  if (k.ifioctl(cred, k.SIOCGIFINFO_IN6, nd, AF_INET6) !== 0) throw new Error("SIOCGIFINFO_IN6");
  return nd.ndi.flags;
}

/** ifconfig IF up, in curvnet. */
export function up(k: Kernel, cred: ucred, ifname: string): number {
  const i = ifp(k, ifname);
  return k.ifioctl(cred, k.SIOCSIFFLAGS, { ifr_name: ifname, ifr_flags: i.if_flags | k.IFF_UP });
}

/** An interface's IPv6 addresses in list order, in the kernel's (embedded) form. */
export function ia6s(k: Kernel, ifname: string): in6_ifaddr[] {
  return ifp(k, ifname).if_addrhead.filter((a): a is in6_ifaddr => a instanceof k.in6_ifaddr);
}

/** The same as text: "addr/plen", the zone shown as %index. */
export function ia6_text(k: Kernel, ia: in6_ifaddr): string {
  const sin = new k.sockaddr_in6(ia.ia_addr.sin6_addr);
  k.sa6_recoverscope(sin);
  return `${k.ip6_sprintf(sin.sin6_addr)}${sin.sin6_scope_id !== 0 ? `%${sin.sin6_scope_id}` : ""}/${k.in6_mask2len(ia.ia_prefixmask.sin6_addr)}`;
}

/** The link-local address EUI-64 makes from a MAC (RFC 4291 appendix A). */
export function eui64_ll(mac: Uint8Array): string {
  const h = (x: number) => x.toString(16);
  const w = (a: number, b: number) => h((a << 8) | b);
  return `fe80::${w(mac[0] ^ 2, mac[1])}:${w(mac[2], 0xff)}:${w(0xfe, mac[3])}:${w(mac[4], mac[5])}`;
}
