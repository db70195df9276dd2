// sbin/ifconfig/ifconfig.c (settunnel, deletetunnel, tunnel_status) and
// af_inet.c (in_set_tunnel, in_status_tunnel): a tunnel interface's outer
// end points.  `tunnel SRC DST` resolves both (getaddrinfo: numbers, or
// names in /etc/hosts), insists on one family and sets them with
// SIOCSIFPHYADDR, whose failure is only a warning; `deletetunnel` (and
// `-tunnel`) clears them with SIOCDIFPHYADDR, whose failure is fatal.  The
// status line "tunnel inet SRC --> DST" comes from SIOCGIFPSRCADDR and
// SIOCGIFPDSTADDR, and is left out when either fails.
//
// Only the inet family's tunnel setup exists (af_inet6's is issue 13): an
// IPv6 pair reaches the kernel as inet's request would carry it, and the
// kernel refuses it.

import { AF_INET, AF_INET6 } from "../kern/socket.ts";
import { sys_ioctl } from "../kern/uipc_syscalls.ts";
import { SIOCDIFPHYADDR, SIOCGIFPDSTADDR, SIOCGIFPSRCADDR, SIOCSIFPHYADDR, type ifreq } from "../net/if.ts";
import { inet_aton, inet_ntoa, sockaddr_in, type in_aliasreq } from "../netinet/in.ts";
import type { ifc_env, ifconfig_module as module_t } from "./ifconfig.ts";
import type { ifconfig_if } from "./libifconfig.ts";
import { err, errx, warn } from "./libc.ts";
import { gethostbyname4 } from "./netdb.ts";

/** sizeof(struct sockaddr_in6). */
const SIN6_LEN = 28;

/** getaddrinfo(host, NULL, NULL): the address as a sockaddr, or
 *  gai_strerror's text.  IPv6 literals are recognised but carried only as
 *  their family (there is no INET6 to give them to). */
function getaddrinfo(host: string): sockaddr_in | string {
  const a = inet_aton(host);
  if (a !== null) return new sockaddr_in(a);
  if (/^[0-9a-fA-F:.]+$/.test(host) && host.includes(":") && (host.match(/::/g) ?? []).length <= 1) {
    const sin = new sockaddr_in(0);
    sin.sin_family = AF_INET6;
    sin.sin_len = SIN6_LEN;
    return sin;
  }
  const h = gethostbyname4(host);
  if (h !== null) return new sockaddr_in(h);
  return "Name does not resolve";
}

/** settunnel: DEF_CMD_ARG2("tunnel"), with the default family, inet. */
function settunnel(env: ifc_env, args: string[]): void {
  const src = getaddrinfo(args[0]);
  if (typeof src === "string") errx(env.ctx, 1, `error in parsing address string: ${src}`);
  const dst = getaddrinfo(args[1]);
  if (typeof dst === "string") errx(env.ctx, 1, `error in parsing address string: ${dst}`);
  if (src.sin_family !== dst.sin_family) errx(env.ctx, 1, "source and destination address families do not match");
  in_set_tunnel(env, src, dst);
}

/** in_set_tunnel: af_inet's af_settunnel. */
function in_set_tunnel(env: ifc_env, src: sockaddr_in, dst: sockaddr_in): void {
  const addreq: in_aliasreq = { ifra_name: env.name, ifra_addr: src, ifra_broadaddr: null, ifra_dstaddr: dst, ifra_mask: null };
  const e = sys_ioctl(env.kp, env.fd, SIOCSIFPHYADDR, addreq);
  if (e !== 0) warn(env.ctx, "SIOCSIFPHYADDR", e);
}

/** deletetunnel: DEF_CMD("deletetunnel") and DEF_CMD("-tunnel"). */
function deletetunnel(env: ifc_env, _args: string[]): void {
  const e = sys_ioctl(env.kp, env.fd, SIOCDIFPHYADDR, { ifr_name: env.name } satisfies ifreq);
  if (e !== 0) err(env.ctx, 1, "SIOCDIFPHYADDR", e);
}

/** in_status_tunnel: "\ttunnel inet SRC --> DST", or nothing. */
function in_status_tunnel(env: ifc_env, _i: ifconfig_if): string {
  const ifr: ifreq = { ifr_name: env.name };
  if (sys_ioctl(env.kp, env.fd, SIOCGIFPSRCADDR, ifr) !== 0) return "";
  const src = ifr.ifr_addr;
  if (src === undefined || src.sin_family !== AF_INET) return "";
  const s = inet_ntoa(src.sin_addr);
  if (sys_ioctl(env.kp, env.fd, SIOCGIFPDSTADDR, ifr) !== 0) return "";
  const dst = ifr.ifr_addr;
  if (dst === undefined || dst.sin_family !== AF_INET) return "";
  return `\ttunnel inet ${s} --> ${inet_ntoa(dst.sin_addr)}\n`;
}

export const ifconfig_module: module_t = {
  cmds: [
    { name: "tunnel", nargs: 2, fn: settunnel },
    { name: "-tunnel", nargs: 0, fn: deletetunnel },
    { name: "deletetunnel", nargs: 0, fn: deletetunnel },
  ],
  tunnel_status: in_status_tunnel,
};
