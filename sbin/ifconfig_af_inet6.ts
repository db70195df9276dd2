// sbin/ifconfig/af_inet6.c: ifconfig's inet6 family.  `ifconfig IF inet6
// ADDR[/len] [prefixlen N] [alias|-alias|delete] [anycast] [tentative]
// [deprecated] [autoconf] [prefer_source] [pltime N] [vltime N] [eui64]`
// fill one in6_aliasreq, which ifconfig hands to SIOCDIFADDR_IN6 /
// SIOCAIFADDR_IN6 once every parameter is read; the status lines show each
// address with its prefix length, flags and zone (`inet6
// fe80::1%epair0a prefixlen 64 scopeid 0x2`), and with -L its lifetimes.
// The ND flags (accept_rtadv, -ifdisabled, ...) are af_nd6.c's.

import { sys_clock_gettime, CLOCK_MONOTONIC } from "../kern/kern_time.ts";
import { AF_INET6, SOCK_DGRAM } from "../kern/socket.ts";
import { sys_close, sys_ioctl, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { IFF_POINTOPOINT } from "../net/if.ts";

import { ND6_IFF_ACCEPT_RTADV, ND6_IFF_AUTO_LINKLOCAL, ND6_IFF_IFDISABLED, ND6_IFF_NO_DAD, ND6_IFF_NO_PREFER_IFACE, ND6_IFF_NO_RADR, ND6_IFF_PERFORMNUD } from "../netinet6/nd6.ts";
import { ADDR, MASK, RIDADDR, type ifc_env, type ifconfig_af, type ifconfig_module as module_t } from "./ifconfig.ts";
import { errx, warn } from "./libc.ts";
import { getifaddrs, if_nametoindex } from "./libc_getifaddrs.ts";
import type { ifconfig_addr, ifconfig_if } from "./libifconfig.ts";
import { nd6_status, setnd6defif, setnd6flags } from "./ifconfig_af_nd6.ts";
import { IN6_IFF_ANYCAST, IN6_IFF_AUTOCONF, IN6_IFF_DEPRECATED, IN6_IFF_DETACHED, IN6_IFF_DUPLICATED, IN6_IFF_PREFER_SOURCE, IN6_IFF_TEMPORARY, IN6_IFF_TENTATIVE, IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_MC_INTFACELOCAL, IN6_IS_ADDR_MC_LINKLOCAL, ND6_INFINITE_LIFETIME, SIOCAIFADDR_IN6, SIOCDIFADDR_IN6, SIOCGIFAFLAG_IN6, SIOCGIFALIFETIME_IN6, in6_aliasreq, in6_addrlifetime, inet_ntop6, inet_pton6, sockaddr_in6, type in6_ifreq } from "../netinet6/in6_var.ts";

// The process's request (af_inet6.c's statics), fresh for each ifconfig run.
let in6_ridreq: sockaddr_in6 = new sockaddr_in6();
let in6_addreq: in6_aliasreq = new_addreq();
let explicit_prefix = 0;
/** -L: show lifetimes. */
let ip6lifetime = 0;

function new_addreq(): in6_aliasreq {
  const r = new in6_aliasreq();
  r.ifra_addr.sin6_len = 0;
  r.ifra_addr.sin6_family = 0;
  r.ifra_lifetime.ia6t_expire = 0;
  r.ifra_lifetime.ia6t_preferred = 0;
  r.ifra_lifetime.ia6t_vltime = ND6_INFINITE_LIFETIME;
  r.ifra_lifetime.ia6t_pltime = ND6_INFINITE_LIFETIME;
  return r;
}

function in6_init(): void {
  in6_ridreq = new sockaddr_in6();
  in6_ridreq.sin6_len = 0;
  in6_ridreq.sin6_family = 0;
  in6_addreq = new_addreq();
  explicit_prefix = 0;
  ip6lifetime = 0;
}

/** sin6tab[which]: where each kind of address goes. */
function sin6tab(which: number): sockaddr_in6 {
  switch (which) {
    case RIDADDR:
      return in6_ridreq;
    case ADDR:
      return in6_addreq.ifra_addr;
    case MASK:
      return in6_addreq.ifra_prefixmask;
    default:
      return in6_addreq.ifra_dstaddr;
  }
}

/** in6_getprefix: a prefix length 0..128 (atoi's reading) as a mask; 0 and 128 both give all ones, as FreeBSD's does. */
function in6_getprefix(env: ifc_env, plen: string, which: number): void {
  const sin = sin6tab(which);
  const m = /^\s*[+-]?[0-9]+/.exec(plen);
  const len = m === null ? 0 : parseInt(m[0], 10);
  if (len < 0 || len > 128) errx(env.ctx, 1, `${plen}: bad value`);
  sin.sin6_len = 28;
  if (which !== MASK) sin.sin6_family = AF_INET6;
  const b = sin.sin6_addr.s6_addr;
  if (len === 0 || len === 128) {
    b.fill(0xff);
    return;
  }
  b.fill(0);
  let i = 0;
  let l = len;
  for (; l > 7; l -= 8) b[i++] = 0xff;
  b[i] = (0xff << (8 - l)) & 0xff;
}

/**
 * getaddrinfo(3) for a numeric IPv6 address, as AI_NUMERICHOST would take
 * it: the address and an optional "%zone" (an interface name or a number),
 * which becomes sin6_scope_id.
 */
function getaddrinfo6(env: ifc_env, s: string): sockaddr_in6 | null {
  const pct = s.indexOf("%");
  const host = pct >= 0 ? s.slice(0, pct) : s;
  const a = inet_pton6(host);
  if (a === null) return null;
  const sin6 = new sockaddr_in6(a);
  if (pct >= 0) {
    const zone = s.slice(pct + 1);
    let id: number;
    if (/^[0-9]+$/.test(zone)) id = Number(zone);
    else id = if_nametoindex(env.kp, zone);
    // A zone only goes with a scoped address.
    if (id === 0 || !(IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MC_LINKLOCAL(a) || IN6_IS_ADDR_MC_INTFACELOCAL(a))) return null;
    sin6.sin6_scope_id = id;
  }
  return sin6;
}

/** in6_getaddr: ADDR may carry "/len"; the address (with its zone) goes where `which` says. */
function in6_getaddr(env: ifc_env, s0: string, which: number): void {
  const sin = sin6tab(which);
  sin.sin6_len = 28;
  if (which !== MASK) sin.sin6_family = AF_INET6;
  let s = s0;
  if (which === ADDR) {
    const p = s.lastIndexOf("/");
    if (p >= 0) {
      in6_getprefix(env, s.slice(p + 1), MASK);
      s = s.slice(0, p);
      explicit_prefix = 1;
    }
  }
  if (sin.sin6_family === AF_INET6) {
    const res = getaddrinfo6(env, s);
    if (res === null) {
      // inet_pton alone, zone and all, as the fallback.
      const a = inet_pton6(s);
      if (a === null) errx(env.ctx, 1, `${s}: bad value`);
      sin.sin6_addr.s6_addr.set(a.s6_addr);
    } else {
      sin.sin6_addr.s6_addr.set(res.sin6_addr.s6_addr);
      sin.sin6_scope_id = res.sin6_scope_id;
      sin.sin6_port = 0;
      sin.sin6_flowinfo = 0;
    }
  }
}

/** setifprefixlen: `prefixlen N`. */
function setifprefixlen(env: ifc_env, plen: string): void {
  in6_getprefix(env, plen, MASK);
  explicit_prefix = 1;
}

/** setip6flags: flag > 0 sets, < 0 clears, the address's IN6_IFF_ flag. */
function setip6flags(env: ifc_env, flag: number): void {
  if (env.af !== AF_INET6) errx(env.ctx, 1, "address flags can be set only for inet6 addresses");
  if (flag < 0) in6_addreq.ifra_flags &= ~-flag;
  else in6_addreq.ifra_flags |= flag;
}

/** setip6lifetime: `pltime N`, `vltime N` (strtoul base 0; the expiry on the monotonic clock). */
function setip6lifetime(env: ifc_env, cmd: string, val: string): void {
  const now = sys_clock_gettime(env.kp as proc, CLOCK_MONOTONIC).tv_sec;
  const m = /^\s*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(val);
  if (m === null) errx(env.ctx, 1, `invalid ${cmd}`);
  const digits = m[1];
  let newval = digits.startsWith("0x") || digits.startsWith("0X") ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits[0] === "0" ? parseInt(digits, 8) : parseInt(digits, 10);
  if (m[0].trim().startsWith("-")) newval = (0x100000000 - newval) >>> 0;
  newval = newval >>> 0;
  if (env.af !== AF_INET6) errx(env.ctx, 1, `${cmd} not allowed for the AF`);
  if (cmd === "vltime") {
    in6_addreq.ifra_lifetime.ia6t_expire = now + newval;
    in6_addreq.ifra_lifetime.ia6t_vltime = newval;
  } else if (cmd === "pltime") {
    in6_addreq.ifra_lifetime.ia6t_preferred = now + newval;
    in6_addreq.ifra_lifetime.ia6t_pltime = newval;
  }
}

/** setip6eui64: the low 64 bits of the address from the interface's link-local address. */
function setip6eui64(env: ifc_env, cmd: string): void {
  if (env.af !== AF_INET6) errx(env.ctx, 1, `${cmd} not allowed for the AF`);
  const in6 = in6_addreq.ifra_addr.sin6_addr.s6_addr;
  for (let i = 8; i < 16; i++) if (in6[i] !== 0) errx(env.ctx, 1, "interface index is already filled");
  const r = getifaddrs(env.kp);
  if (r.error !== 0) {
    warn(env.ctx, "getifaddrs", r.error);
    errx(env.ctx, 1, "getifaddrs");
  }
  let lladdr: Uint8Array | null = null;
  for (const a of r.ifap) {
    const sin6 = a.sin6;
    if (a.family !== AF_INET6 || a.ifa_name !== env.name || sin6 === null) continue;
    if (IN6_IS_ADDR_LINKLOCAL(sin6.sin6_addr)) {
      lladdr = sin6.sin6_addr.s6_addr;
      break;
    }
  }
  if (lladdr === null) errx(env.ctx, 1, "could not determine link local address");
  in6.set(lladdr.subarray(8, 16), 8);
}

/** getnameinfo(NI_NUMERICHOST): the address, with "%ifname" for a scoped one. */
function numerichost(env: ifc_env, sin: sockaddr_in6, names: Map<number, string>): string {
  let s = inet_ntop6(sin.sin6_addr);
  const a = sin.sin6_addr;
  if (sin.sin6_scope_id !== 0 && (IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MC_LINKLOCAL(a) || IN6_IS_ADDR_MC_INTFACELOCAL(a))) {
    s += `%${names.get(sin.sin6_scope_id) ?? String(sin.sin6_scope_id)}`;
  }
  void env;
  return s;
}

/** prefix(): the length of a contiguous mask, 0 for one that is not. */
function prefix(b: Uint8Array, size: number): number {
  let byte = 0;
  let plen = 0;
  for (; byte < size; byte++, plen += 8) if (b[byte] !== 0xff) break;
  if (byte === size) return plen;
  let bit = 7;
  for (; bit !== 0; bit--, plen++) if ((b[byte] & (1 << bit)) === 0) break;
  for (; bit !== 0; bit--) if ((b[byte] & (1 << bit)) !== 0) return 0;
  byte++;
  for (; byte < size; byte++) if (b[byte] !== 0) return 0;
  return plen;
}

/** sec2str: seconds as a plain number (the d/h/m/s form is compiled out in FreeBSD). */
function sec2str(total: number): string {
  return String(Math.trunc(total) >>> 0);
}

/** in6_status: one address's line. */
function in6_status(env: ifc_env, i: ifconfig_if, a: ifconfig_addr): string {
  const sin = a.sin6;
  if (sin === null || sin === undefined) return "";
  const kp = env.kp as proc;
  const now = sys_clock_gettime(kp, CLOCK_MONOTONIC).tv_sec;
  const s6 = sys_socket(kp, AF_INET6, SOCK_DGRAM, 0);
  if (s6.error !== 0) {
    warn(env.ctx, "socket(AF_INET6,SOCK_DGRAM)", s6.error);
    return "";
  }
  const ifr6: in6_ifreq = { ifr_name: i.name, ifr_addr: copy_sin6(sin) };
  let e = sys_ioctl(kp, s6.fd, SIOCGIFAFLAG_IN6, ifr6);
  if (e !== 0) {
    warn(env.ctx, "ioctl(SIOCGIFAFLAG_IN6)", e);
    sys_close(kp, s6.fd);
    return "";
  }
  const flags6 = ifr6.ifr_ifru_flags6 ?? 0;
  ifr6.ifr_addr = copy_sin6(sin);
  e = sys_ioctl(kp, s6.fd, SIOCGIFALIFETIME_IN6, ifr6);
  if (e !== 0) {
    warn(env.ctx, "ioctl(SIOCGIFALIFETIME_IN6)", e);
    sys_close(kp, s6.fd);
    return "";
  }
  const lifetime = ifr6.ifr_ifru_lifetime ?? new in6_addrlifetime();
  sys_close(kp, s6.fd);

  const names = new Map<number, string>();
  for (const x of getifaddrs(env.kp).ifap) if (x.family !== AF_INET6) names.set(x.sdl_index, x.ifa_name);
  let s = `\tinet6 ${numerichost(env, sin, names)}`;
  if ((a.ifa_flags & IFF_POINTOPOINT) !== 0) {
    // Some interfaces have no valid destination.
    const d = a.dst6;
    if (d !== null && d !== undefined && d.sin6_family === AF_INET6) s += ` --> ${numerichost(env, d, names)}`;
  }
  const nm = a.mask6 ?? new sockaddr_in6();
  s += ` prefixlen ${prefix(a.mask6 === null || a.mask6 === undefined ? new Uint8Array(16) : nm.sin6_addr.s6_addr, 16)}`;
  if ((flags6 & IN6_IFF_ANYCAST) !== 0) s += " anycast";
  if ((flags6 & IN6_IFF_TENTATIVE) !== 0) s += " tentative";
  if ((flags6 & IN6_IFF_DUPLICATED) !== 0) s += " duplicated";
  if ((flags6 & IN6_IFF_DETACHED) !== 0) s += " detached";
  if ((flags6 & IN6_IFF_DEPRECATED) !== 0) s += " deprecated";
  if ((flags6 & IN6_IFF_AUTOCONF) !== 0) s += " autoconf";
  if ((flags6 & IN6_IFF_TEMPORARY) !== 0) s += " temporary";
  if ((flags6 & IN6_IFF_PREFER_SOURCE) !== 0) s += " prefer_source";
  if (sin.sin6_scope_id !== 0) s += ` scopeid 0x${sin.sin6_scope_id.toString(16)}`;
  if (ip6lifetime !== 0 && (lifetime.ia6t_preferred !== 0 || lifetime.ia6t_expire !== 0)) {
    s += " pltime";
    if (lifetime.ia6t_preferred !== 0) s += ` ${lifetime.ia6t_preferred < now ? "0" : sec2str(lifetime.ia6t_preferred - now)}`;
    else s += " infty";
    s += " vltime";
    if (lifetime.ia6t_expire !== 0) s += ` ${lifetime.ia6t_expire < now ? "0" : sec2str(lifetime.ia6t_expire - now)}`;
    else s += " infty";
  }
  return s + "\n";
}

function copy_sin6(src: sockaddr_in6): sockaddr_in6 {
  const d = new sockaddr_in6(src.sin6_addr, src.sin6_port, src.sin6_scope_id);
  d.sin6_len = src.sin6_len;
  d.sin6_family = src.sin6_family;
  d.sin6_flowinfo = src.sin6_flowinfo;
  return d;
}

/** in6_postproc: without an explicit prefix length, 64 (the aggregatable address architecture's). */
function in6_postproc(env: ifc_env): void {
  if (explicit_prefix === 0) setifprefixlen(env, "64");
}

/** The deferred requests: SIOCDIFADDR_IN6 and SIOCAIFADDR_IN6 on the af's request (af_ridreq is in6_addreq too). */
function in6_difaddr(env: ifc_env): number {
  in6_addreq.ifra_name = env.name;
  return sys_ioctl(env.kp as proc, env.fd, SIOCDIFADDR_IN6, in6_addreq);
}
function in6_aifaddr(env: ifc_env): number {
  in6_addreq.ifra_name = env.name;
  return sys_ioctl(env.kp as proc, env.fd, SIOCAIFADDR_IN6, in6_addreq);
}
export const af_inet6: ifconfig_af = {
  af_name: "inet6",
  af_af: AF_INET6,
  af_status: in6_status,
  af_getaddr: in6_getaddr,
  af_getprefix: (env, plen, which) => in6_getprefix(env, plen, which),
  af_postproc: in6_postproc,
  af_difaddr: in6_difaddr,
  af_aifaddr: in6_aifaddr,
  af_other_status: nd6_status,
};

export const ifconfig_module: module_t = {
  af: af_inet6,
  init: in6_init,
  opts: [{ opt: "L", cb: () => void ip6lifetime++ }],
  cmds: [
    { name: "prefixlen", nargs: 1, fn: (env, [v]) => setifprefixlen(env, v) },
    { name: "anycast", nargs: 0, fn: (env) => setip6flags(env, IN6_IFF_ANYCAST) },
    { name: "tentative", nargs: 0, fn: (env) => setip6flags(env, IN6_IFF_TENTATIVE) },
    { name: "-tentative", nargs: 0, fn: (env) => setip6flags(env, -IN6_IFF_TENTATIVE) },
    { name: "deprecated", nargs: 0, fn: (env) => setip6flags(env, IN6_IFF_DEPRECATED) },
    { name: "-deprecated", nargs: 0, fn: (env) => setip6flags(env, -IN6_IFF_DEPRECATED) },
    { name: "autoconf", nargs: 0, fn: (env) => setip6flags(env, IN6_IFF_AUTOCONF) },
    { name: "-autoconf", nargs: 0, fn: (env) => setip6flags(env, -IN6_IFF_AUTOCONF) },
    { name: "prefer_source", nargs: 0, fn: (env) => setip6flags(env, IN6_IFF_PREFER_SOURCE) },
    { name: "-prefer_source", nargs: 0, fn: (env) => setip6flags(env, -IN6_IFF_PREFER_SOURCE) },
    { name: "accept_rtadv", nargs: 0, fn: (env) => setnd6flags(env, ND6_IFF_ACCEPT_RTADV) },
    { name: "-accept_rtadv", nargs: 0, fn: (env) => setnd6flags(env, -ND6_IFF_ACCEPT_RTADV) },
    { name: "no_radr", nargs: 0, fn: (env) => setnd6flags(env, ND6_IFF_NO_RADR) },
    { name: "-no_radr", nargs: 0, fn: (env) => setnd6flags(env, -ND6_IFF_NO_RADR) },
    { name: "defaultif", nargs: 0, fn: (env) => setnd6defif(env, 1) },
    { name: "-defaultif", nargs: 0, fn: (env) => setnd6defif(env, -1) },
    { name: "ifdisabled", nargs: 0, fn: (env) => setnd6flags(env, ND6_IFF_IFDISABLED) },
    { name: "-ifdisabled", nargs: 0, fn: (env) => setnd6flags(env, -ND6_IFF_IFDISABLED) },
    { name: "nud", nargs: 0, fn: (env) => setnd6flags(env, ND6_IFF_PERFORMNUD) },
    { name: "-nud", nargs: 0, fn: (env) => setnd6flags(env, -ND6_IFF_PERFORMNUD) },
    { name: "auto_linklocal", nargs: 0, fn: (env) => setnd6flags(env, ND6_IFF_AUTO_LINKLOCAL) },
    { name: "-auto_linklocal", nargs: 0, fn: (env) => setnd6flags(env, -ND6_IFF_AUTO_LINKLOCAL) },
    { name: "no_prefer_iface", nargs: 0, fn: (env) => setnd6flags(env, ND6_IFF_NO_PREFER_IFACE) },
    { name: "-no_prefer_iface", nargs: 0, fn: (env) => setnd6flags(env, -ND6_IFF_NO_PREFER_IFACE) },
    { name: "no_dad", nargs: 0, fn: (env) => setnd6flags(env, ND6_IFF_NO_DAD) },
    { name: "-no_dad", nargs: 0, fn: (env) => setnd6flags(env, -ND6_IFF_NO_DAD) },
    { name: "pltime", nargs: 1, fn: (env, [v]) => setip6lifetime(env, "pltime", v) },
    { name: "vltime", nargs: 1, fn: (env, [v]) => setip6lifetime(env, "vltime", v) },
    { name: "eui64", nargs: 0, fn: (env) => setip6eui64(env, "eui64") },
  ],
};
