// sbin/ifconfig/af_nd6.c: an interface's Neighbor Discovery flags.  The
// inet6 words (accept_rtadv, -ifdisabled, auto_linklocal, no_dad, nud, ...)
// read the flags with SIOCGIFINFO_IN6 and write them back with
// SIOCSIFINFO_IN6 (a failure is only a warning); `defaultif` makes the
// interface the default one for on-link destinations (SIOCSDEFIFACE_IN6);
// the interface block ends with `nd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>`.

import { EAFNOSUPPORT, EPFNOSUPPORT, EPROTONOSUPPORT } from "../kern/errno.ts";
import { AF_INET6, SOCK_DGRAM } from "../kern/socket.ts";
import { sys_close, sys_ioctl, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { in6_ndifreq, in6_ndireq } from "../netinet6/nd6.ts";
import { printb, type ifc_env } from "./ifconfig.ts";
import { warn } from "./libc.ts";
import { if_nametoindex } from "./libc_getifaddrs.ts";
import type { ifconfig_if } from "./libifconfig.ts";
import { SIOCGDEFIFACE_IN6, SIOCGIFINFO_IN6, SIOCSDEFIFACE_IN6, SIOCSIFINFO_IN6 } from "../netinet6/in6_var.ts";

/** ND6BITS: the flags' names, bit 16 (0x8000) being "the default interface". */
const ND6BITS: [number, string][] = [
  [0x1, "PERFORMNUD"],
  [0x2, "ACCEPT_RTADV"],
  [0x4, "PREFER_SOURCE"],
  [0x8, "IFDISABLED"],
  [0x10, "DONT_SET_IFROUTE"],
  [0x20, "AUTO_LINKLOCAL"],
  [0x40, "NO_RADR"],
  [0x80, "NO_PREFER_IFACE"],
  [0x100, "NO_DAD"],
  [0x8000, "DEFAULTIF"],
];

/** setnd6flags: d > 0 sets the flag, d < 0 clears -d. */
export function setnd6flags(env: ifc_env, d: number): void {
  const kp = env.kp as proc;
  const nd = new in6_ndireq();
  nd.ifname = env.name;
  let error = sys_ioctl(kp, env.fd, SIOCGIFINFO_IN6, nd);
  if (error !== 0) {
    warn(env.ctx, "ioctl(SIOCGIFINFO_IN6)", error);
    return;
  }
  if (d < 0) nd.ndi.flags &= ~-d;
  else nd.ndi.flags |= d;
  error = sys_ioctl(kp, env.fd, SIOCSIFINFO_IN6, nd);
  if (error !== 0) warn(env.ctx, "ioctl(SIOCSIFINFO_IN6)", error);
}

/** setnd6defif: d > 0 makes the interface the default one, d < 0 stops it being (if it is). */
export function setnd6defif(env: ifc_env, d: number): void {
  const kp = env.kp as proc;
  const ndifreq = new in6_ndifreq();
  ndifreq.ifname = env.name;
  let ifindex: number;
  if (d < 0) {
    // Index 0 removes the default interface.
    if (isnd6defif(env, env.fd) !== 0) ifindex = 0;
    else return;
  } else {
    ifindex = if_nametoindex(env.kp, ndifreq.ifname);
    if (ifindex === 0) {
      // if_nametoindex sets ENXIO.
      warn(env.ctx, `if_nametoindex(${ndifreq.ifname})`, 6);
      return;
    }
  }
  ndifreq.ifindex = ifindex;
  const error = sys_ioctl(kp, env.fd, SIOCSDEFIFACE_IN6, ndifreq);
  if (error !== 0) warn(env.ctx, "ioctl(SIOCSDEFIFACE_IN6)", error);
}

/** isnd6defif: 1 if the interface is the default one; on a failed request its -1, which counts as true. */
function isnd6defif(env: ifc_env, s: number): number {
  const ndifreq = new in6_ndifreq();
  ndifreq.ifname = env.name;
  const ifindex = if_nametoindex(env.kp, ndifreq.ifname);
  const error = sys_ioctl(env.kp as proc, s, SIOCGDEFIFACE_IN6, ndifreq);
  if (error !== 0) {
    warn(env.ctx, "ioctl(SIOCGDEFIFACE_IN6)", error);
    return -1;
  }
  return ndifreq.ifindex === ifindex ? 1 : 0;
}

/** nd6_status: the `nd6 options=` line (none when no flag is set and it is not the default interface). */
export function nd6_status(env: ifc_env, _i: ifconfig_if): string {
  const kp = env.kp as proc;
  const nd = new in6_ndireq();
  nd.ifname = env.name;
  const s6 = sys_socket(kp, AF_INET6, SOCK_DGRAM, 0);
  if (s6.error !== 0) {
    if (s6.error !== EAFNOSUPPORT && s6.error !== EPROTONOSUPPORT) warn(env.ctx, "socket(AF_INET6, SOCK_DGRAM)", s6.error);
    return "";
  }
  const error = sys_ioctl(kp, s6.fd, SIOCGIFINFO_IN6, nd);
  if (error !== 0) {
    if (error !== EPFNOSUPPORT) warn(env.ctx, "ioctl(SIOCGIFINFO_IN6)", error);
    sys_close(kp, s6.fd);
    return "";
  }
  const isdefif = isnd6defif(env, s6.fd);
  sys_close(kp, s6.fd);
  if (nd.ndi.flags === 0 && isdefif === 0) return "";
  return `\t${printb("nd6 options", (nd.ndi.flags | (isdefif << 15)) >>> 0, ND6BITS)}\n`;
}
