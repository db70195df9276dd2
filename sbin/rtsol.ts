// usr.sbin/rtsold/rtsold.c, rtsol.c, if.c: rtsol(8), rtsold's one-shot
// form: send Router Solicitations on the interfaces (one after a random
// delay below a second, up to three, four seconds apart) until each has
// heard a Router Advertisement, then exit.  The kernel (nd6_ra_input)
// does the rest: the default router, the prefixes, the addresses.
//
// Departures from FreeBSD 14:
// - no -M/-O/-R/-u: no scripts are run for the M/O flags or RDNSS/DNSSL
//   options (the usage message is FreeBSD's).
// - the RS goes out with IPV6_MULTICAST_IF and IPV6_MULTICAST_HOPS set on
//   the socket rather than per-message IPV6_PKTINFO/IPV6_HOPLIMIT control
//   data (from a socket of their own, as rtsold's sndsock), and an RA's
//   interface is its link-local source's zone (recvfrom has no control
//   messages here); the packets are the same.

import { strerror } from "../kern/errno.ts";
import { CLOCK_MONOTONIC, sys_clock_gettime } from "../kern/kern_time.ts";
import { arc4random_uniform } from "../kern/arc4random.ts";
import { AF_INET6, AF_LINK, SOCK_DGRAM, SOCK_RAW } from "../kern/socket.ts";
import { sys_wait_readable } from "../kern/sys_generic.ts";
import { sys_close, sys_ioctl, sys_recvfrom, sys_sendto, sys_setsockopt, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { IFF_LOOPBACK, IFF_MULTICAST, IFF_POINTOPOINT, IFF_UP, SIOCGIFFLAGS, SIOCSIFFLAGS, type ifreq } from "../net/if.ts";
import { IFT_ETHER } from "../net/if_dl.ts";
import { ICMP6_FILTER, IPPROTO_ICMPV6, ND_RA_FLAG_MANAGED, ND_RA_FLAG_OTHER, ND_RA_OFF_FLAGS, ND_ROUTER_ADVERT, ND_ROUTER_SOLICIT, ND_RS_LEN } from "../netinet/icmp6.ts";

import { IN6_IFF_DUPLICATED, IN6_IFF_NOTREADY, IN6_IFF_TENTATIVE, IN6_IS_ADDR_LINKLOCAL, SIOCGIFAFLAG_IN6, in6_addr_from, sockaddr_in6, type in6_ifreq, SIOCGIFINFO_IN6, SIOCSIFINFO_IN6 } from "../netinet6/in6_var.ts";
import { IPPROTO_IPV6 } from "../netinet6/ip6_var.ts";
import { ND6_IFF_ACCEPT_RTADV, ND6_IFF_IFDISABLED, in6_ndireq } from "../netinet6/nd6.ts";
import { getifaddrs } from "./libc_getifaddrs.ts";
import { getnameinfo, getopt, NI_NUMERICHOST, prog_exit, prog_run, type prog_ctx } from "./libc.ts";

// netinet6/in6.h socket options.
const IPV6_MULTICAST_IF = 9;
const IPV6_MULTICAST_HOPS = 10;
const IPV6_MULTICAST_LOOP = 11;

// sys/syslog.h
const LOG_ERR = 3;
const LOG_WARNING = 4;
const LOG_NOTICE = 5;
const LOG_INFO = 6;
const LOG_DEBUG = 7;

// Protocol constants (RFC 4861 10).
const MAX_RTR_SOLICITATION_DELAY = 1;
const RTR_SOLICITATION_INTERVAL = 4;
const MAX_RTR_SOLICITATIONS = 3;
const PROBE_INTERVAL = 60;
const DADRETRY = 10;

// struct ifinfo's states.
const IFS_IDLE = 0;
const IFS_DELAY = 1;
const IFS_PROBE = 2;
const IFS_DOWN = 3;
const IFS_TENTATIVE = 4;

/** struct ifinfo: an interface being solicited on. */
class ifinfo {
  ifname = "";
  sdl_index = 0;
  sdl_type = 0;
  lladdr: Uint8Array = new Uint8Array(0);
  state = IFS_IDLE;
  probes = 0;
  dadcount = 0;
  /** When its timer runs out (ns of the monotonic clock); Infinity: no timer. */
  expire = Infinity;
  /** RAs heard. */
  racnt = 0;
  managedconfig = 0;
  otherconfig = 0;
  rs_data: Uint8Array = new Uint8Array(0);
}

interface rtsol_state {
  ctx: prog_ctx;
  kp: proc;
  dflag: number;
  Fflag: boolean;
  log_upto: number;
  ifsock: number;
  rcvsock: number;
  /** The socket RSs go out of (rtsold's sndsock): its multicast options would keep RAs from rcvsock. */
  sndsock: number;
  ifinfo_head: ifinfo[];
}

function usage(ctx: prog_ctx): never {
  ctx.stderr.write("usage: rtsol [-dDF] [-O script-name] [-p pidfile] [-R script-name] interface ...\n");
  ctx.stderr.write("usage: rtsol [-dDF] [-O script-name] [-p pidfile] [-R script-name] -a\n");
  throw new prog_exit(1);
}

/** warnmsg: in the foreground (rtsol), warnx at or below the log level. */
function warnmsg(st: rtsol_state, priority: number, msg: string): void {
  if (priority <= st.log_upto) st.ctx.stderr.write(`rtsol: ${msg}\n`);
}

function now_ns(st: rtsol_state): number {
  const t = sys_clock_gettime(st.kp, CLOCK_MONOTONIC);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

export async function rtsol_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const kp = ctx.p as proc;
    const st: rtsol_state = { ctx, kp, dflag: 0, Fflag: false, log_upto: LOG_NOTICE, ifsock: -1, rcvsock: -1, sndsock: -1, ifinfo_head: [] };
    let aflag = false;
    const { opts, optind } = getopt(ctx, "adDF", () => usage(ctx));
    for (const [ch] of opts) {
      switch (ch) {
        case "a":
          aflag = true;
          break;
        case "d":
          st.dflag += 1;
          break;
        case "D":
          st.dflag += 2;
          break;
        case "F":
          st.Fflag = true;
          break;
      }
    }
    let argv = ctx.argv.slice(optind);
    if ((!aflag && argv.length === 0) || (aflag && argv.length !== 0)) usage(ctx);
    st.log_upto = st.dflag > 1 ? LOG_DEBUG : st.dflag > 0 ? LOG_INFO : LOG_NOTICE;
    try {
      if (ifinit(st) !== 0) {
        warnmsg(st, LOG_ERR, "failed to initialize interfaces");
        return 1;
      }
      if (recvsockopen(st) < 0) {
        warnmsg(st, LOG_ERR, "failed to open receive socket");
        return 1;
      }
      if (sndsockopen(st) < 0) {
        warnmsg(st, LOG_ERR, "failed to open send socket");
        return 1;
      }
      if (aflag) argv = autoifprobe(st);
      for (const name of argv) {
        if (ifconfig(st, name) !== 0) {
          warnmsg(st, LOG_ERR, `failed to initialize ${name}`);
          return 1;
        }
      }
      for (;;) {
        const timeout = rtsol_check_timer(st);
        // Once: no timer left (done or failed), or an RA on every interface.
        if (timeout === null) break;
        if (st.ifinfo_head.every((ifi) => ifi.state === IFS_DOWN || ifi.racnt !== 0)) break;
        if (await sys_wait_readable(kp, st.rcvsock, timeout)) rtsol_input(st);
      }
    } finally {
      if (st.ifsock >= 0) sys_close(kp, st.ifsock);
      if (st.rcvsock >= 0) sys_close(kp, st.rcvsock);
      if (st.sndsock >= 0) sys_close(kp, st.sndsock);
    }
    return 0;
  });
}

/** ifinit: the socket the interface ioctls go through. */
function ifinit(st: rtsol_state): number {
  const r = sys_socket(st.kp, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
  if (r.error !== 0) {
    warnmsg(st, LOG_ERR, `socket(): ${strerror(r.error)}`);
    return -1;
  }
  st.ifsock = r.fd;
  return 0;
}

/** recvsockopen: a raw ICMPv6 socket that passes RAs only (no multicast options: they would filter the RAs to ff02::1). */
function recvsockopen(st: rtsol_state): number {
  const r = sys_socket(st.kp, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
  if (r.error !== 0) {
    warnmsg(st, LOG_ERR, `socket: ${strerror(r.error)}`);
    return -1;
  }
  st.rcvsock = r.fd;
  // ICMP6_FILTER_SETBLOCKALL, then SETPASS(ND_ROUTER_ADVERT): a set bit passes.
  const filt = new Uint8Array(32);
  filt[ND_ROUTER_ADVERT >> 3] |= 1 << (ND_ROUTER_ADVERT & 7);
  const e = sys_setsockopt(st.kp, st.rcvsock, IPPROTO_ICMPV6, ICMP6_FILTER, filt);
  if (e !== 0) {
    warnmsg(st, LOG_ERR, `setsockopt(ICMP6_FILTER): ${strerror(e)}`);
    return -1;
  }
  return 0;
}

/** sndsockopen: the raw ICMPv6 socket RSs go out of, to ff02::2 with hop limit 255 (RFC 4861 6.1.1), not looped back. */
function sndsockopen(st: rtsol_state): number {
  const r = sys_socket(st.kp, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
  if (r.error !== 0) {
    warnmsg(st, LOG_ERR, `socket: ${strerror(r.error)}`);
    return -1;
  }
  st.sndsock = r.fd;
  sys_setsockopt(st.kp, st.sndsock, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255);
  sys_setsockopt(st.kp, st.sndsock, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
  return 0;
}

/** autoifprobe: -a, the up, multicast, non-loopback, non-p2p interfaces with IPv6 that take RAs. */
function autoifprobe(st: rtsol_state): string[] {
  const out: string[] = [];
  let s = -1;
  if (!st.Fflag) {
    const r = sys_socket(st.kp, AF_INET6, SOCK_DGRAM, 0);
    if (r.error !== 0) {
      warnmsg(st, LOG_ERR, "socket");
      throw new prog_exit(1);
    }
    s = r.fd;
  }
  try {
    for (const ifa of getifaddrs(st.kp).ifap) {
      if ((ifa.ifa_flags & IFF_UP) === 0) continue;
      if ((ifa.ifa_flags & IFF_POINTOPOINT) !== 0) continue;
      if ((ifa.ifa_flags & IFF_LOOPBACK) !== 0) continue;
      if ((ifa.ifa_flags & IFF_MULTICAST) === 0) continue;
      if (ifa.family !== AF_INET6) continue;
      if (out.includes(ifa.ifa_name)) continue;
      // IPv6 off, or RAs not taken: skipped (unless -F will change that).
      if (!st.Fflag) {
        const nd = new in6_ndireq();
        nd.ifname = ifa.ifa_name;
        if (sys_ioctl(st.kp, s, SIOCGIFINFO_IN6, nd) !== 0) {
          warnmsg(st, LOG_ERR, "ioctl(SIOCGIFINFO_IN6)");
          throw new prog_exit(1);
        }
        if ((nd.ndi.flags & ND6_IFF_IFDISABLED) !== 0) continue;
        if ((nd.ndi.flags & ND6_IFF_ACCEPT_RTADV) === 0) continue;
      }
      if (out.length !== 0 && st.dflag > 1) warnmsg(st, LOG_WARNING, "multiple interfaces found");
      out.push(ifa.ifa_name);
    }
    if (st.dflag > 0) for (const n of out) warnmsg(st, LOG_WARNING, `probing ${n}`);
  } finally {
    if (s >= 0) sys_close(st.kp, s);
  }
  return out;
}

/** ifconfig: start soliciting on ifname; -1 on failure. */
function ifconfig(st: rtsol_state, ifname: string): number {
  const l = getifaddrs(st.kp).ifap.find((a) => a.family === AF_LINK && a.ifa_name === ifname);
  if (l === undefined) {
    warnmsg(st, LOG_ERR, `failed to get link layer information for ${ifname}`);
    return -1;
  }
  if (st.ifinfo_head.some((i) => i.sdl_index === l.sdl_index)) {
    warnmsg(st, LOG_ERR, `interface ${ifname} was already configured`);
    return -1;
  }
  if (st.Fflag) {
    const r = sys_socket(st.kp, AF_INET6, SOCK_DGRAM, 0);
    if (r.error !== 0) {
      warnmsg(st, LOG_ERR, "socket() failed.");
      return -1;
    }
    const nd = new in6_ndireq();
    nd.ifname = ifname;
    if (sys_ioctl(st.kp, r.fd, SIOCGIFINFO_IN6, nd) !== 0) {
      warnmsg(st, LOG_ERR, "cannot get accept_rtadv flag");
      sys_close(st.kp, r.fd);
      return -1;
    }
    nd.ndi.flags |= ND6_IFF_ACCEPT_RTADV;
    if (sys_ioctl(st.kp, r.fd, SIOCSIFINFO_IN6, nd) !== 0) {
      warnmsg(st, LOG_ERR, "cannot set accept_rtadv flag");
      sys_close(st.kp, r.fd);
      return -1;
    }
    sys_close(st.kp, r.fd);
  }
  const ifi = new ifinfo();
  ifi.ifname = ifname;
  ifi.sdl_index = l.sdl_index;
  ifi.sdl_type = l.sdl_type;
  ifi.lladdr = l.sdl_lladdr;
  make_packet(st, ifi);
  const flags = interface_up(st, ifname);
  ifi.state = flags === 0 ? IFS_DELAY : flags === IFS_TENTATIVE ? IFS_TENTATIVE : IFS_DOWN;
  rtsol_timer_update(st, ifi);
  st.ifinfo_head.push(ifi);
  return 0;
}

/** make_packet: the RS, with a source link-layer address option on Ethernet. */
function make_packet(st: rtsol_state, ifi: ifinfo): void {
  const lladdroptlen = ifi.sdl_type === IFT_ETHER ? 8 : 0;
  if (lladdroptlen === 0) warnmsg(st, LOG_INFO, `link-layer address option has null length on ${ifi.ifname}. Treat as not included.`);
  const buf = new Uint8Array(ND_RS_LEN + lladdroptlen);
  buf[0] = ND_ROUTER_SOLICIT;
  if (lladdroptlen !== 0) {
    buf[ND_RS_LEN] = 1; // ND_OPT_SOURCE_LINKADDR
    buf[ND_RS_LEN + 1] = lladdroptlen >> 3;
    buf.set(ifi.lladdr.subarray(0, 6), ND_RS_LEN + 2);
  }
  ifi.rs_data = buf;
}

/**
 * interface_up: 0 when ifname can solicit (up, IPv6 on, taking RAs (-F
 * turns both on), its link-local address ready), IFS_TENTATIVE while that
 * address is under DAD, -1 otherwise (a down interface is brought up).
 */
function interface_up(st: rtsol_state, name: string): number {
  const ifr: ifreq = { ifr_name: name };
  let e = sys_ioctl(st.kp, st.ifsock, SIOCGIFFLAGS, ifr);
  if (e !== 0) {
    warnmsg(st, LOG_WARNING, `ioctl(SIOCGIFFLAGS): ${strerror(e)}`);
    return -1;
  }
  if (((ifr.ifr_flags ?? 0) & IFF_UP) === 0) {
    ifr.ifr_flags = (ifr.ifr_flags ?? 0) | IFF_UP;
    e = sys_ioctl(st.kp, st.ifsock, SIOCSIFFLAGS, ifr);
    if (e !== 0) warnmsg(st, LOG_ERR, `ioctl(SIOCSIFFLAGS): ${strerror(e)}`);
    return -1;
  }
  const r = sys_socket(st.kp, AF_INET6, SOCK_DGRAM, 0);
  if (r.error !== 0) {
    warnmsg(st, LOG_WARNING, `socket(AF_INET6, SOCK_DGRAM): ${strerror(r.error)}`);
    return -1;
  }
  const s = r.fd;
  try {
    const nd = new in6_ndireq();
    nd.ifname = name;
    e = sys_ioctl(st.kp, s, SIOCGIFINFO_IN6, nd);
    if (e !== 0) {
      warnmsg(st, LOG_WARNING, `ioctl(SIOCGIFINFO_IN6): ${strerror(e)}`);
      return -1;
    }
    warnmsg(st, LOG_DEBUG, `checking if ${name} is ready...`);
    if ((nd.ndi.flags & ND6_IFF_IFDISABLED) !== 0) {
      if (st.Fflag) {
        nd.ndi.flags &= ~ND6_IFF_IFDISABLED;
        e = sys_ioctl(st.kp, s, SIOCSIFINFO_IN6, nd);
        if (e !== 0) {
          warnmsg(st, LOG_WARNING, `ioctl(SIOCSIFINFO_IN6): ${strerror(e)}`);
          return -1;
        }
      } else {
        warnmsg(st, LOG_WARNING, `${name} is disabled.`);
        return -1;
      }
    }
    if ((nd.ndi.flags & ND6_IFF_ACCEPT_RTADV) === 0) {
      if (st.Fflag) {
        nd.ndi.flags |= ND6_IFF_ACCEPT_RTADV;
        e = sys_ioctl(st.kp, s, SIOCSIFINFO_IN6, nd);
        if (e !== 0) {
          warnmsg(st, LOG_WARNING, `ioctl(SIOCSIFINFO_IN6): ${strerror(e)}`);
          return -1;
        }
      } else {
        warnmsg(st, LOG_WARNING, `${name} does not accept Router Advertisement.`);
        return -1;
      }
    }
  } finally {
    sys_close(st.kp, s);
  }
  // cap_llflags_get: the flags of the link-local address.
  const llflag = llflags_get(st, name);
  if (llflag === null) {
    warnmsg(st, LOG_WARNING, "cap_llflags_get() failed, anyway I'll try");
    return 0;
  }
  if ((llflag & IN6_IFF_NOTREADY) === 0) {
    warnmsg(st, LOG_DEBUG, `${name} is ready`);
    return 0;
  }
  if ((llflag & IN6_IFF_TENTATIVE) !== 0) {
    warnmsg(st, LOG_DEBUG, `${name} is tentative`);
    return IFS_TENTATIVE;
  }
  if ((llflag & IN6_IFF_DUPLICATED) !== 0) warnmsg(st, LOG_DEBUG, `${name} is duplicated`);
  return -1;
}

/** The ia6_flags of ifname's link-local address (SIOCGIFAFLAG_IN6), or null. */
function llflags_get(st: rtsol_state, name: string): number | null {
  let ll: sockaddr_in6 | null = null;
  for (const a of getifaddrs(st.kp).ifap) {
    const s6 = a.family === AF_INET6 && a.ifa_name === name ? (a.sin6 ?? null) : null;
    if (s6 !== null && IN6_IS_ADDR_LINKLOCAL(s6.sin6_addr)) {
      ll = s6;
      break;
    }
  }
  if (ll === null) return null;
  const r = sys_socket(st.kp, AF_INET6, SOCK_DGRAM, 0);
  if (r.error !== 0) return null;
  const ifr6: in6_ifreq = { ifr_name: name, ifr_addr: new sockaddr_in6(ll.sin6_addr, 0, ll.sin6_scope_id) };
  const e = sys_ioctl(st.kp, r.fd, SIOCGIFAFLAG_IN6, ifr6);
  sys_close(st.kp, r.fd);
  if (e !== 0) return null;
  return ifr6.ifr_ifru_flags6 ?? 0;
}

/** rtsol_timer_update: the interface's next wake-up for its state. */
function rtsol_timer_update(st: rtsol_state, ifi: ifinfo): void {
  let timer: number;
  switch (ifi.state) {
    case IFS_DOWN:
    case IFS_TENTATIVE:
      if (++ifi.dadcount > DADRETRY) {
        ifi.dadcount = 0;
        timer = PROBE_INTERVAL * 1e9;
      } else timer = 1e9;
      break;
    case IFS_IDLE:
      // Stop the timer.
      timer = Infinity;
      break;
    case IFS_DELAY:
      timer = arc4random_uniform(MAX_RTR_SOLICITATION_DELAY * 1000000) * 1000;
      break;
    case IFS_PROBE:
      // After the last solicitation, wait MAX_RTR_SOLICITATION_DELAY for late answers.
      timer = ifi.probes < MAX_RTR_SOLICITATIONS ? RTR_SOLICITATION_INTERVAL * 1e9 : MAX_RTR_SOLICITATION_DELAY * 1e9;
      break;
    default:
      warnmsg(st, LOG_ERR, `illegal interface state(${ifi.state}) on ${ifi.ifname}`);
      return;
  }
  if (timer === Infinity) {
    ifi.expire = Infinity;
    warnmsg(st, LOG_DEBUG, `stop timer for ${ifi.ifname}`);
  } else ifi.expire = now_ns(st) + timer;
}

/** rtsol_check_timer: run the expired interfaces' state machines; the wait until the next, or null when none is left. */
function rtsol_check_timer(st: rtsol_state): number | null {
  const now = now_ns(st);
  let next = Infinity;
  for (const ifi of st.ifinfo_head) {
    if (ifi.expire <= now) {
      warnmsg(st, LOG_DEBUG, `timer expiration on ${ifi.ifname}, state = ${ifi.state}`);
      switch (ifi.state) {
        case IFS_DOWN:
        case IFS_TENTATIVE: {
          const flags = interface_up(st, ifi.ifname);
          ifi.state = flags === 0 ? IFS_DELAY : flags === IFS_TENTATIVE ? IFS_TENTATIVE : IFS_DOWN;
          break;
        }
        case IFS_IDLE:
          break;
        case IFS_DELAY:
          ifi.state = IFS_PROBE;
          rssend(st, ifi);
          break;
        case IFS_PROBE:
          if (ifi.probes < MAX_RTR_SOLICITATIONS) rssend(st, ifi);
          else {
            warnmsg(st, LOG_INFO, `No answer after sending ${ifi.probes} RSs`);
            ifi.probes = 0;
            ifi.state = IFS_IDLE;
          }
          break;
      }
      rtsol_timer_update(st, ifi);
    }
    if (ifi.expire < next) next = ifi.expire;
  }
  if (next === Infinity) {
    warnmsg(st, LOG_DEBUG, "there is no timer");
    return null;
  }
  return next < now ? 0 : next - now;
}

const allrouters = in6_addr_from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);

/** rssend: one RS to all routers on the interface. */
function rssend(st: rtsol_state, ifi: ifinfo): void {
  ifi.probes++;
  const dst = new sockaddr_in6(allrouters, 0, ifi.sdl_index);
  sys_setsockopt(st.kp, st.sndsock, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifi.sdl_index);
  warnmsg(st, LOG_DEBUG, `send RS on ${ifi.ifname}, whose state is ${ifi.state}`);
  const r = sys_sendto(st.kp, st.sndsock, ifi.rs_data, 0, dst);
  if (r.error !== 0) warnmsg(st, LOG_ERR, `sendmsg on ${ifi.ifname}: ${strerror(r.error)}`);
}

/** rtsol_input: an RA: count it for its interface (and stop probing there). */
function rtsol_input(st: rtsol_state): void {
  const r = sys_recvfrom(st.kp, st.rcvsock, 1500, 0);
  if (r.error !== 0 || r.data === null) {
    if (r.error !== 0) warnmsg(st, LOG_ERR, `recvmsg: ${strerror(r.error)}`);
    return;
  }
  const from = r.from;
  if (from === null || !("sin6_addr" in from)) return;
  const ntopbuf = getnameinfo(st.kp, from, NI_NUMERICHOST).host;
  const icp = r.data;
  if (icp.length < 16) {
    warnmsg(st, LOG_INFO, `packet size(${icp.length}) is too short`);
    return;
  }
  if (icp[0] !== ND_ROUTER_ADVERT) {
    warnmsg(st, LOG_ERR, `invalid icmp type(${icp[0]}) from ${ntopbuf} on ${st.ifinfo_head[0]?.ifname ?? "?"}`);
    return;
  }
  if (icp[1] !== 0) {
    warnmsg(st, LOG_INFO, `invalid ICMP code(${icp[1]}) from ${ntopbuf}`);
    return;
  }
  if (!IN6_IS_ADDR_LINKLOCAL(from.sin6_addr)) {
    warnmsg(st, LOG_INFO, `RA from non link-local address(${ntopbuf})`);
    return;
  }
  const ifi = st.ifinfo_head.find((i) => i.sdl_index === from.sin6_scope_id);
  if (ifi === undefined) {
    warnmsg(st, LOG_DEBUG, `received RA from ${ntopbuf} on an unexpected IF(${from.sin6_scope_id})`);
    return;
  }
  warnmsg(st, LOG_DEBUG, `received RA from ${ntopbuf} on an interface(${ifi.ifname})`);
  ifi.racnt++;
  if ((icp[ND_RA_OFF_FLAGS] & ND_RA_FLAG_MANAGED) !== 0) ifi.managedconfig = 1;
  if ((icp[ND_RA_OFF_FLAGS] & ND_RA_FLAG_OTHER) !== 0) ifi.otherconfig = 1;
  // Answered: stop probing.
  if (ifi.state === IFS_PROBE) {
    ifi.probes = 0;
    ifi.state = IFS_IDLE;
    rtsol_timer_update(st, ifi);
  }
}
