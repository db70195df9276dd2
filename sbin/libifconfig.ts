// lib/libifconfig (libifconfig.c, libifconfig_media.c): what ifconfig(8)
// needs to show an interface, gathered the way FreeBSD's does it: the list,
// flags, link-level address, addresses and if_data from getifaddrs(3), the
// rest from SIOCGIF* ioctls on a socket (description, capabilities, groups,
// media, hardware address, fib).

import { AF_INET, AF_INET6, AF_LINK } from "../kern/socket.ts";

import { SIOCGHWADDR, SIOCGIFCAP, SIOCGIFDESCR, SIOCGIFFIB, SIOCGIFGROUP, SIOCGIFMEDIA, SIOCGIFSTATUS, SIOCGLANPCP, type ifreq } from "../net/if.ts";
import { sys_ioctl, type proc } from "../kern/uipc_syscalls.ts";
import type { uproc } from "./libc.ts";
import { getifaddrs } from "./libc_getifaddrs.ts";
import type { sockaddr_in6 } from "../netinet6/in6_var.ts";

/** One address of an interface: IPv4 ones in host order, IPv6 ones as
 *  getifaddrs gives them (the zone in sin6_scope_id). */
export interface ifconfig_addr {
  family: number;
  addr: number;
  netmask: number;
  /** The broadcast address, or the point-to-point destination. */
  broadaddr: number | null;
  /** ifa_flags: the interface's flags, as getifaddrs has them. */
  ifa_flags: number;
  sin6: sockaddr_in6 | null;
  mask6: sockaddr_in6 | null;
  dst6: sockaddr_in6 | null;
}

/** An interface as ifconfig shows it. */
export interface ifconfig_if {
  name: string;
  index: number;
  type: number;
  flags: number;
  mtu: number;
  metric: number;
  fib: number;
  capabilities: number;
  capenable: number;
  link_state: number;
  baudrate: number;
  lladdr: Uint8Array;
  hwaddr: Uint8Array | null;
  groups: string[];
  description: string;
  addrs: ifconfig_addr[];
  /** The driver's media (null when SIOCGIFMEDIA is refused). */
  media: string | null;
  /** SIOCGLANPCP: the 802.1p priority (IFNET_PCP_NONE: none; null when
   *  the interface has no such notion). */
  pcp: number | null;
  /** The driver's own lines (SIOCGIFSTATUS; "" when it has none). */
  ifs_ascii: string;
}

/** Every interface of the process's vnet, in index order, asking the
 *  per-interface ioctls on socket `fd`. */
export function ifconfig_list(p: uproc, fd: number): ifconfig_if[] {
  const kp = p as proc;
  const out: ifconfig_if[] = [];
  const byname = new Map<string, ifconfig_if>();
  for (const a of getifaddrs(p).ifap) {
    if (a.family === AF_LINK) {
      const ifr: ifreq = { ifr_name: a.ifa_name };
      const i: ifconfig_if = {
        name: a.ifa_name,
        index: a.sdl_index,
        type: a.sdl_type,
        flags: a.ifa_flags,
        mtu: a.ifa_data.ifi_mtu,
        metric: a.ifa_data.ifi_metric,
        fib: sys_ioctl(kp, fd, SIOCGIFFIB, ifr) === 0 ? (ifr.ifr_fib ?? 0) : 0,
        capabilities: 0,
        capenable: 0,
        link_state: a.ifa_data.ifi_link_state,
        baudrate: a.ifa_data.ifi_baudrate,
        lladdr: a.sdl_lladdr,
        hwaddr: sys_ioctl(kp, fd, SIOCGHWADDR, ifr) === 0 ? (ifr.ifr_lladdr ?? null) : null,
        groups: sys_ioctl(kp, fd, SIOCGIFGROUP, ifr) === 0 ? (ifr.ifr_groups ?? []) : [],
        description: sys_ioctl(kp, fd, SIOCGIFDESCR, ifr) === 0 ? (ifr.ifr_data ?? "") : "",
        addrs: [],
        media: sys_ioctl(kp, fd, SIOCGIFMEDIA, ifr) === 0 ? (ifr.ifr_media ?? null) : null,
        pcp: sys_ioctl(kp, fd, SIOCGLANPCP, ifr) === 0 ? (ifr.ifr_lan_pcp ?? null) : null,
        ifs_ascii: sys_ioctl(kp, fd, SIOCGIFSTATUS, ifr) === 0 ? (ifr.ifs_ascii ?? "") : "",
      };
      if (sys_ioctl(kp, fd, SIOCGIFCAP, ifr) === 0) {
        i.capabilities = ifr.ifr_reqcap ?? 0;
        i.capenable = ifr.ifr_curcap ?? 0;
      }
      out.push(i);
      byname.set(i.name, i);
    } else if (a.family === AF_INET) {
      byname.get(a.ifa_name)?.addrs.push({ family: AF_INET, addr: a.addr, netmask: a.netmask, broadaddr: a.dstaddr, ifa_flags: a.ifa_flags, sin6: null, mask6: null, dst6: null });
    } else if (a.family === AF_INET6) {
      byname.get(a.ifa_name)?.addrs.push({ family: AF_INET6, addr: 0, netmask: 0, broadaddr: null, ifa_flags: a.ifa_flags, sin6: a.sin6, mask6: a.mask6, dst6: a.dst6 });
    }
  }
  return out;
}
