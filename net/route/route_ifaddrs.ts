// sys/net/route/route_ifaddrs.c: the routes interface addresses install (prefix routes and loopback host routes).
//
// Both families come here: in.c and in6.c add the prefix route of a new
// address through rib_handle_ifaddr_info and the host route to the address
// itself (through lo0, the owning interface in the AF_LINK gateway) through
// ifa_add_loopback_route; an IPv6 address is given with its zone embedded.

import { EEXIST, EHOSTUNREACH, ENETUNREACH, ENOENT, ESRCH } from "../../kern/errno.ts";
import { log } from "../../kern/subr_prf.ts";
import type { ifaddr } from "../if.ts";
import type { sockaddr } from "../../kern/socket.ts";
import { ifaof_ifpforaddr } from "../../netinet/in.ts";
import { RTAX_DST, RTAX_GATEWAY, RTF_HOST, RTF_PINNED, RTF_STATIC, RTM_ADD, RTM_CHANGE, RTM_DELETE, link_init_sdl, rt_addrinfo, rt_routemsg, sa_family } from "../route.ts";
import { rib_action, rib_cmd_info } from "./route_ctl.ts";
import { nhop_select } from "./nhop.ts";
import { V_rt_add_addr_allfibs, V_rt_numfibs, rt_loif } from "./route_tables.ts";

// sys/syslog.h
const LOG_DEBUG = 7;

function rib_handle_ifaddr_one(fibnum: number, cmd: number, info: rt_addrinfo): number {
  const rc = new rib_cmd_info();
  const error = rib_action(fibnum, cmd, info, rc);
  if (error === 0 && rc.rc_rt !== null) {
    const nh = cmd === RTM_ADD ? rc.rc_nh_new : rc.rc_nh_old;
    if (nh !== null) rt_routemsg(cmd, rc.rc_rt, nhop_select(nh, 0), fibnum);
  }
  return error;
}

/**
 * rib_handle_ifaddr_info: add or delete an interface prefix route in the
 * interface's fib, or in every fib with net.add_addr_allfibs.
 */
export function rib_handle_ifaddr_info(fibnum: number, cmd: number, info: rt_addrinfo): number {
  let error = 0;
  let last_error = 0;
  let didwork = false;
  if (V_rt_add_addr_allfibs() === 0) {
    error = rib_handle_ifaddr_one(fibnum, cmd, info);
    didwork = error === 0;
  } else {
    for (fibnum = 0; fibnum < V_rt_numfibs(); fibnum++) {
      error = rib_handle_ifaddr_one(fibnum, cmd, info);
      if (error === 0) didwork = true;
      else last_error = error;
    }
  }
  if (cmd === RTM_DELETE) {
    if (didwork) error = 0;
    else error = (info.rti_flags & RTF_HOST) !== 0 ? EHOSTUNREACH : ENETUNREACH;
  } else if (last_error !== 0) {
    error = last_error;
  }
  return error;
}

/**
 * ifa_maintain_loopback_route: the host route to one of our own addresses,
 * through lo0, with the owning interface in the AF_LINK gateway.
 */
function ifa_maintain_loopback_route(cmd: number, otype: string, ifa: ifaddr, ia: sockaddr): number {
  const ifp = ifa.ifa_ifp;
  const info = new rt_addrinfo();
  if (cmd !== RTM_DELETE) info.rti_ifp = rt_loif();
  if (cmd === RTM_ADD && info.rti_ifp !== null) {
    // lo0's own address of the family is the source, as in FreeBSD.
    // Departure: a vnet whose lo0 has no address of the family uses the
    // address itself, where FreeBSD would take lo0's link-level address.
    info.rti_ifa = ifaof_ifpforaddr(ifa.ifa_addr, info.rti_ifp);
    if (info.rti_ifa === null || sa_family(info.rti_ifa.ifa_addr) !== sa_family(ifa.ifa_addr)) info.rti_ifa = ifa;
  }
  info.rti_flags = ifa.ifa_flags | RTF_HOST | RTF_STATIC | RTF_PINNED;
  info.rti_info[RTAX_DST] = ia;
  info.rti_info[RTAX_GATEWAY] = link_init_sdl(ifp, ifp.if_type);
  const rc = new rib_cmd_info();
  const error = rib_action(ifp.if_fib, cmd, info, rc);
  if (error === 0 || (cmd === RTM_ADD && error === EEXIST) || (cmd === RTM_DELETE && (error === ENOENT || error === ESRCH))) return error;
  log(LOG_DEBUG, `ifa_maintain_loopback_route: ${otype} failed for interface ${ifp.if_xname}: ${error}\n`);
  return error;
}

export function ifa_add_loopback_route(ifa: ifaddr, ia: sockaddr): number {
  return ifa_maintain_loopback_route(RTM_ADD, "insertion", ifa, ia);
}
export function ifa_del_loopback_route(ifa: ifaddr, ia: sockaddr): number {
  return ifa_maintain_loopback_route(RTM_DELETE, "deletion", ifa, ia);
}
export function ifa_switch_loopback_route(ifa: ifaddr, ia: sockaddr): number {
  return ifa_maintain_loopback_route(RTM_CHANGE, "switch", ifa, ia);
}
