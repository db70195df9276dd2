// Helpers for the IPv6 routing tests: a kernel whose vnets have IPv6 tables,
// IPv6 addresses put on interfaces by hand (routing is tested apart from
// in6_control), and rib_action requests for IPv6 prefixes.
import { loadKernel, type BuildName, type Kernel } from "../helpers/builds.ts";
import type { ifnet } from "../../net/if.ts";

import type { vnet } from "../../net/vnet.ts";
import type { in6_ifaddr, sockaddr_in6 } from "../../netinet6/in6_var.ts";

export type { ifnet, in6_ifaddr, sockaddr_in6 };

/** A booted kernel: its vnets have an AF_INET6 table per fib (in6_proto's dom_rtattach, in6_inithead). */
export async function loadKernel6(build: BuildName, seed = 0): Promise<Kernel> {
  return loadKernel(build, seed);
}

export function inv<R>(k: Kernel, v: vnet, fn: () => R): R {
  const s = k.CURVNET_SET(v, "test");
  try {
    return fn();
  } finally {
    k.CURVNET_RESTORE(s);
  }
}

export function a6(k: Kernel, s: string) {
  const a = k.inet_pton6(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a;
}

/** An IPv6 address (scope embedded for a link-local one on ifp) as a sockaddr_in6. */
export function sin6(k: Kernel, s: string, ifp: ifnet | null = null): sockaddr_in6 {
  const sa = new k.sockaddr_in6(a6(k, s));
  if (ifp !== null && k.IN6_IS_SCOPE_LINKLOCAL(sa.sin6_addr)) k.s6_addr16_set(sa.sin6_addr, 1, ifp.if_index);
  return sa;
}

export function mask6(k: Kernel, len: number): sockaddr_in6 {
  const m = new k.in6_addr();
  k.in6_prefixlen2mask(m, len);
  return new k.sockaddr_in6(m);
}

/** ifp's address a/len, linked into its address list (no routes, no DAD). */
export function ia6_add(k: Kernel, ifp: ifnet, a: string, len: number): in6_ifaddr {
  const ia = new k.in6_ifaddr(ifp);
  k.in6_addr_copy(ia.ia_addr.sin6_addr, sin6(k, a, ifp).sin6_addr);
  k.in6_prefixlen2mask(ia.ia_prefixmask.sin6_addr, len);
  ia.ia_plen = len;
  ifp.if_addrhead.push(ia);
  return ia;
}

export interface rt6req {
  dst: string;
  /** null: a host route. */
  len: number | null;
  /** A gateway address, or an interface for a direct route. */
  gw: string | ifnet;
  /** The interface of a link-local gateway's zone. */
  zone?: ifnet;
  flags?: number;
  ifa?: in6_ifaddr;
}

/** rib_action's request, as rtsock hands it over (zones embedded). */
export function info6(k: Kernel, r: rt6req) {
  const info = new k.rt_addrinfo();
  let flags = (r.flags ?? 0) | k.RTF_STATIC;
  info.rti_info[k.RTAX_DST] = sin6(k, r.dst, r.zone ?? (typeof r.gw === "string" ? null : r.gw));
  if (r.len === null) flags |= k.RTF_HOST;
  else info.rti_info[k.RTAX_NETMASK] = mask6(k, r.len);
  if (typeof r.gw === "string") {
    info.rti_info[k.RTAX_GATEWAY] = sin6(k, r.gw, r.zone ?? null);
    flags |= k.RTF_GATEWAY;
  } else {
    info.rti_info[k.RTAX_GATEWAY] = k.link_init_sdl(r.gw, r.gw.if_type);
    if (r.ifa !== undefined) {
      info.rti_ifa = r.ifa;
      info.rti_ifp = r.gw;
    }
  }
  info.rti_flags = flags;
  return info;
}

export function rt6(k: Kernel, fib: number, cmd: number, r: rt6req): number {
  return k.rib_action(fib, cmd, info6(k, r), new k.rib_cmd_info());
}

/** The gateway of fib6_lookup(dst%zone), or "link#N" for a direct route, or null. */
export function gw6(k: Kernel, fib: number, dst: string, zone = 0): string | null {
  const nh = k.fib6_lookup(fib, a6(k, dst), zone, k.NHR_NONE, 0);
  if (nh === null) return null;
  const g = nh.gw_sa;
  if ("sin6_addr" in g) return k.inet_ntop6(g.sin6_addr);
  if ("sdl_index" in g) return `link#${g.sdl_index}`;
  return "?";
}

export function epair(k: Kernel): { a: ifnet; b: ifnet } {
  const r = k.if_clone_create("epair", k.cred0);
  if (r.error !== 0) throw new Error(`epair create: ${r.error}`);
  const a = k.ifunit(r.name);
  const b = k.ifunit(r.name.replace(/a$/, "b"));
  if (a === null || b === null) throw new Error("no epair");
  return { a, b };
}
