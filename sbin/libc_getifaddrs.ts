// lib/libc/net/getifaddrs.c: getifaddrs(3) over sysctl NET_RT_IFLISTL.
// The kernel answers with routing messages (RTM_IFINFO for an interface,
// RTM_NEWADDR for each of its addresses); they become one ifaddrs entry per
// interface (its link-level address and if_data) and one per address (with
// the address's own counters), in the kernel's order.  if_nametoindex(3)
// reads the same list.

import { AF_INET, AF_INET6, AF_LINK, PF_ROUTE } from "../kern/socket.ts";
import { CTL_NET } from "../kern/sysctl.ts";
import { IFCOUNTERS, IFCOUNTER_COLLISIONS, IFCOUNTER_IBYTES, IFCOUNTER_IERRORS, IFCOUNTER_IMCASTS, IFCOUNTER_IPACKETS, IFCOUNTER_IQDROPS, IFCOUNTER_OBYTES, IFCOUNTER_OERRORS, IFCOUNTER_OMCASTS, IFCOUNTER_OPACKETS, IFCOUNTER_OQDROPS } from "../net/if.ts";
import {
  IFAM_ADDR,
  IFAM_DSTADDR,
  IFAM_FAMILY,
  IFAM_FLAGS,
  IFAM_HAS_DST,
  IFAM_IBYTES,
  IFAM_INDEX,
  IFAM_IPACKETS,
  IFAM_NETMASK,
  IFAM_OBYTES,
  IFAM_OPACKETS,
  IFAM6_ADDR,
  IFAM6_DSTADDR,
  IFAM6_DSTSCOPE,
  IFAM6_HAS_DST,
  IFAM6_IBYTES,
  IFAM6_IPACKETS,
  IFAM6_NETMASK,
  IFAM6_OBYTES,
  IFAM6_OPACKETS,
  IFAM6_SCOPE,
  IFM_BAUDRATE,
  IFM_COUNTERS,
  IFM_FLAGS,
  IFM_INDEX,
  IFM_LINK_STATE,
  IFM_METRIC,
  IFM_MTU,
  IFM_TYPE,
  IFMAM_FAMILY,
  IFMAM_INDEX,
  IFMAM_NAME,
  NET_RT_IFLISTL,
  NET_RT_IFMALIST,
  RTM_HDR_LEN,
  RTM_HDR_TYPE,
} from "../net/rtsock.ts";
import { RTM_IFINFO, RTM_NEWADDR, RTM_NEWMADDR } from "../net/route.ts";
import type { uproc } from "./libc.ts";

import { sysctl } from "./libc_sysctl.ts";
import { sockaddr_in6 } from "../netinet6/in6_var.ts";

/** struct if_data: what an interface's entry carries in ifa_data (an
 *  address's entry has only the packet and byte counts). */
export interface ifaddrs_data {
  ifi_type: number;
  ifi_link_state: number;
  ifi_mtu: number;
  ifi_metric: number;
  ifi_baudrate: number;
  ifi_ipackets: number;
  ifi_ierrors: number;
  ifi_iqdrops: number;
  ifi_opackets: number;
  ifi_oerrors: number;
  ifi_oqdrops: number;
  ifi_collisions: number;
  ifi_ibytes: number;
  ifi_obytes: number;
  ifi_imcasts: number;
  ifi_omcasts: number;
}

/** struct ifaddrs, with the sockaddrs it points at flattened in. */
export interface ifaddrs_rec {
  ifa_name: string;
  ifa_flags: number;
  /** AF_LINK or AF_INET. */
  family: number;
  /** AF_LINK: sdl_index, sdl_type and LLADDR. */
  sdl_index: number;
  sdl_type: number;
  sdl_lladdr: Uint8Array;
  /** AF_INET: address, netmask and broadcast/destination, host order. */
  addr: number;
  netmask: number;
  dstaddr: number | null;
  /** AF_INET6: address (its zone in sin6_scope_id), netmask and destination. */
  sin6: sockaddr_in6 | null;
  mask6: sockaddr_in6 | null;
  dst6: sockaddr_in6 | null;
  ifa_data: ifaddrs_data;
}

function if_data_zero(): ifaddrs_data {
  return {
    ifi_type: 0,
    ifi_link_state: 0,
    ifi_mtu: 0,
    ifi_metric: 0,
    ifi_baudrate: 0,
    ifi_ipackets: 0,
    ifi_ierrors: 0,
    ifi_iqdrops: 0,
    ifi_opackets: 0,
    ifi_oerrors: 0,
    ifi_oqdrops: 0,
    ifi_collisions: 0,
    ifi_ibytes: 0,
    ifi_obytes: 0,
    ifi_imcasts: 0,
    ifi_omcasts: 0,
  };
}

/** getifaddrs(3): the list, or the errno of the sysctl. */
export function getifaddrs(p: uproc): { error: number; ifap: ifaddrs_rec[] } {
  const r = sysctl(p, [CTL_NET, PF_ROUTE, 0, 0, NET_RT_IFLISTL, 0]);
  if (r.error !== 0 || !Array.isArray(r.value)) return { error: r.error, ifap: [] };
  const w = r.value as readonly number[];
  const out: ifaddrs_rec[] = [];
  const names = new Map<number, { name: string; type: number }>();
  for (let o = 0; o < w.length && w[o + RTM_HDR_LEN] > 0; o += w[o + RTM_HDR_LEN]) {
    if (w[o + RTM_HDR_TYPE] === RTM_IFINFO) {
      const c = o + IFM_COUNTERS;
      let k = c + IFCOUNTERS;
      let name = "";
      const nlen = w[k++];
      for (let i = 0; i < nlen; i++) name += String.fromCharCode(w[k++]);
      const alen = w[k++];
      const lladdr = Uint8Array.from(w.slice(k, k + alen));
      const index = w[o + IFM_INDEX];
      const type = w[o + IFM_TYPE];
      names.set(index, { name, type });
      out.push({
        ifa_name: name,
        ifa_flags: w[o + IFM_FLAGS],
        family: AF_LINK,
        sdl_index: index,
        sdl_type: type,
        sdl_lladdr: lladdr,
        addr: 0,
        netmask: 0,
        dstaddr: null,
        sin6: null,
        mask6: null,
        dst6: null,
        ifa_data: {
          ifi_type: type,
          ifi_link_state: w[o + IFM_LINK_STATE],
          ifi_mtu: w[o + IFM_MTU],
          ifi_metric: w[o + IFM_METRIC],
          ifi_baudrate: w[o + IFM_BAUDRATE],
          ifi_ipackets: w[c + IFCOUNTER_IPACKETS],
          ifi_ierrors: w[c + IFCOUNTER_IERRORS],
          ifi_iqdrops: w[c + IFCOUNTER_IQDROPS],
          ifi_opackets: w[c + IFCOUNTER_OPACKETS],
          ifi_oerrors: w[c + IFCOUNTER_OERRORS],
          ifi_oqdrops: w[c + IFCOUNTER_OQDROPS],
          ifi_collisions: w[c + IFCOUNTER_COLLISIONS],
          ifi_ibytes: w[c + IFCOUNTER_IBYTES],
          ifi_obytes: w[c + IFCOUNTER_OBYTES],
          ifi_imcasts: w[c + IFCOUNTER_IMCASTS],
          ifi_omcasts: w[c + IFCOUNTER_OMCASTS],
        },
      });
    } else if (w[o + RTM_HDR_TYPE] === RTM_NEWADDR && w[o + IFAM_FAMILY] === AF_INET6) {
      const index = w[o + IFAM_INDEX];
      const ifn = names.get(index);
      const d = if_data_zero();
      d.ifi_ipackets = w[o + IFAM6_IPACKETS];
      d.ifi_opackets = w[o + IFAM6_OPACKETS];
      d.ifi_ibytes = w[o + IFAM6_IBYTES];
      d.ifi_obytes = w[o + IFAM6_OBYTES];
      const sin6 = (at: number, scope: number): sockaddr_in6 => {
        const s6 = new sockaddr_in6(undefined, 0, scope);
        for (let i = 0; i < 16; i++) s6.sin6_addr.s6_addr[i] = w[o + at + i];
        return s6;
      };
      out.push({
        ifa_name: ifn?.name ?? "",
        ifa_flags: w[o + IFAM_FLAGS],
        family: AF_INET6,
        sdl_index: index,
        sdl_type: ifn?.type ?? 0,
        sdl_lladdr: new Uint8Array(0),
        addr: 0,
        netmask: 0,
        dstaddr: null,
        sin6: sin6(IFAM6_ADDR, w[o + IFAM6_SCOPE]),
        mask6: sin6(IFAM6_NETMASK, 0),
        dst6: w[o + IFAM6_HAS_DST] !== 0 ? sin6(IFAM6_DSTADDR, w[o + IFAM6_DSTSCOPE]) : null,
        ifa_data: d,
      });
    } else if (w[o + RTM_HDR_TYPE] === RTM_NEWADDR && w[o + IFAM_FAMILY] === AF_INET) {
      const index = w[o + IFAM_INDEX];
      const ifn = names.get(index);
      const d = if_data_zero();
      d.ifi_ipackets = w[o + IFAM_IPACKETS];
      d.ifi_opackets = w[o + IFAM_OPACKETS];
      d.ifi_ibytes = w[o + IFAM_IBYTES];
      d.ifi_obytes = w[o + IFAM_OBYTES];
      out.push({
        ifa_name: ifn?.name ?? "",
        ifa_flags: w[o + IFAM_FLAGS],
        family: AF_INET,
        sdl_index: index,
        sdl_type: ifn?.type ?? 0,
        sdl_lladdr: new Uint8Array(0),
        addr: w[o + IFAM_ADDR],
        netmask: w[o + IFAM_NETMASK],
        dstaddr: w[o + IFAM_HAS_DST] !== 0 ? w[o + IFAM_DSTADDR] : null,
        sin6: null,
        mask6: null,
        dst6: null,
        ifa_data: d,
      });
    }
  }
  return { error: 0, ifap: out };
}

/** if_nametoindex(3): 0 when there is no such interface. */
export function if_nametoindex(p: uproc, name: string): number {
  const l = getifaddrs(p).ifap.find((a) => a.family === AF_LINK && a.ifa_name === name);
  return l === undefined ? 0 : l.sdl_index;
}

// ---------------------------------------------------------------------------
// lib/libc/net/getifmaddrs.c: getifmaddrs(3) over sysctl NET_RT_IFMALIST,
// one entry per RTM_NEWMADDR, in the kernel's order (each interface's
// newest membership first).

/** struct ifmaddrs, with its sockaddrs flattened in. */
export interface ifmaddrs_rec {
  /** ifma_name (a sockaddr_dl): the interface's index and name. */
  sdl_index: number;
  ifma_ifname: string;
  /** ifma_addr: the group's family and, for AF_INET6, the address (its
   *  zone in sin6_scope_id); for AF_LINK, the link-level group. */
  family: number;
  sin6: sockaddr_in6 | null;
  lladdr: Uint8Array | null;
  /** ifma_lladdr: the link-level group a protocol's group maps to, or null. */
  ifma_lladdr: Uint8Array | null;
}

/** getifmaddrs(3): the list, or the errno of the sysctl. */
export function getifmaddrs(p: uproc): { error: number; ifmap: ifmaddrs_rec[] } {
  const r = sysctl(p, [CTL_NET, PF_ROUTE, 0, 0, NET_RT_IFMALIST, 0]);
  if (r.error !== 0 || !Array.isArray(r.value)) return { error: r.error, ifmap: [] };
  const w = r.value as readonly number[];
  const out: ifmaddrs_rec[] = [];
  for (let o = 0; o < w.length && w[o + RTM_HDR_LEN] > 0; o += w[o + RTM_HDR_LEN]) {
    if (w[o + RTM_HDR_TYPE] !== RTM_NEWMADDR) continue;
    let k = o + IFMAM_NAME;
    let name = "";
    const nlen = w[k++];
    for (let i = 0; i < nlen; i++) name += String.fromCharCode(w[k++]);
    const family = w[o + IFMAM_FAMILY];
    let sin6: sockaddr_in6 | null = null;
    let lladdr: Uint8Array | null = null;
    if (family === AF_INET6) {
      sin6 = new sockaddr_in6(undefined, 0, w[k + 16]);
      for (let i = 0; i < 16; i++) sin6.sin6_addr.s6_addr[i] = w[k + i];
      k += 17;
    } else {
      const alen = w[k++];
      lladdr = Uint8Array.from(w.slice(k, k + alen));
      k += alen;
    }
    const glen = w[k++];
    out.push({ sdl_index: w[o + IFMAM_INDEX], ifma_ifname: name, family, sin6, lladdr, ifma_lladdr: glen > 0 ? Uint8Array.from(w.slice(k, k + glen)) : null });
  }
  return { error: 0, ifmap: out };
}
