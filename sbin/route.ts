// sbin/route/route.c: route(8) over a PF_ROUTE socket (-j jail: in that jail's vnet).  add, delete, change,
// get and show build one routing message from the keywords and addresses
// (getaddr, prefixlen, inet6_makenetandmask) and write it once per fib of
// -fib; flush deletes every gateway route (of -4/-6/-link's family) from a
// NET_RT_DUMP; monitor prints the messages the socket hears.  IPv6 addresses
// take a "%zone" (the interface) for link-local scope.

import { EADDRINUSE, EBUSY, EEXIST, ENOBUFS, EPERM, ESRCH, strerror } from "../kern/errno.ts";
import { AF_INET, AF_INET6, AF_LINK, AF_ROUTE, AF_UNSPEC, PF_ROUTE, SOCK_RAW, SOL_SOCKET, SO_SETFIB, type sockaddr } from "../kern/socket.ts";
import { CTL_NET } from "../kern/sysctl.ts";
import { sys_close, sys_getfib, sys_jail_attach_proc, sys_route, sys_route_recv, sys_setsockopt, sys_socket, sys_poll, type proc } from "../kern/uipc_syscalls.ts";
import { sys_clock_gettime, CLOCK_REALTIME } from "../kern/kern_time.ts";
import { sys_sigaction, SIGINT } from "../kern/kern_sig.ts";
import { inet_aton, inet_ntoa, in_len2mask, sockaddr_in } from "../netinet/in.ts";

import { sockaddr_dl } from "../net/if_dl.ts";
import { getifaddrs } from "./libc_getifaddrs.ts";
import { NET_RT_DUMP, RTD_ADDRS, RTD_FLAGS, RTD_SA, RTM_HDR_LEN, rt_msg_sa_decode, rt_msghdr } from "../net/rtsock.ts";
import {
  RTAX_DST,
  RTAX_GATEWAY,
  RTAX_GENMASK,
  RTAX_IFA,
  RTAX_IFP,
  RTAX_MAX,
  RTAX_NETMASK,
  RTA_DST,
  RTA_GATEWAY,
  RTA_IFA,
  RTA_IFP,
  RTA_NETMASK,
  RTF_ANNOUNCE,
  RTF_BLACKHOLE,
  RTF_GATEWAY,
  RTF_HOST,
  RTF_PINNED,
  RTF_PROTO1,
  RTF_PROTO2,
  RTF_REJECT,
  RTF_STATIC,
  RTF_STICKY,
  RTF_UP,
  RTF_XRESOLVE,
  RTM_ADD,
  RTM_CHANGE,
  RTM_DELETE,
  RTM_GET,
  RTM_IFANNOUNCE,
  RTM_IFINFO,
  RTM_NEWADDR,
  RTM_DELADDR,
  RTM_NEWMADDR,
  RTM_DELMADDR,
  RTM_RESOLVE,
  RTM_VERSION,
  RTV_EXPIRE,
  RTV_HOPCOUNT,
  RTV_MTU,
  RTV_RPIPE,
  RTV_RTT,
  RTV_RTTVAR,
  RTV_SPIPE,
  RTV_SSTHRESH,
  RTV_WEIGHT,
  rt_metrics,
} from "../net/route.ts";
import { sysctl, sysctlbyname } from "./libc_sysctl.ts";
import { prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import { gethostbyname4, hostname4 } from "./netdb.ts";
import { in6_addr, inet_ntop6, inet_pton6, sockaddr_in6 } from "../netinet6/in6_var.ts";
import { jail_getid } from "./libjail.ts";

const EX_USAGE = 64;
const EX_DATAERR = 65;
const EX_NOHOST = 68;
const EX_OSERR = 71;
const EX_NOPERM = 77;

/** route.c's routeflags (printb's bit names). */
export const routeflags: [number, string][] = [
  [0x1, "UP"],
  [0x2, "GATEWAY"],
  [0x4, "HOST"],
  [0x8, "REJECT"],
  [0x10, "DYNAMIC"],
  [0x20, "MODIFIED"],
  [0x40, "DONE"],
  [0x200, "XRESOLVE"],
  [0x400, "LLINFO"],
  [0x800, "STATIC"],
  [0x1000, "BLACKHOLE"],
  [0x4000, "PROTO2"],
  [0x8000, "PROTO1"],
  [0x10000, "PRCLONING"],
  [0x20000, "WASCLONED"],
  [0x40000, "PROTO3"],
  [0x80000, "FIXEDMTU"],
  [0x100000, "PINNED"],
  [0x200000, "LOCAL"],
  [0x400000, "BROADCAST"],
  [0x800000, "MULTICAST"],
  [0x10000000, "STICKY"],
];
const ifnetflags: [number, string][] = [
  [0x1, "UP"],
  [0x2, "BROADCAST"],
  [0x4, "DEBUG"],
  [0x8, "LOOPBACK"],
  [0x10, "PTP"],
  [0x20, "b6"],
  [0x40, "RUNNING"],
  [0x80, "NOARP"],
  [0x100, "PPROMISC"],
  [0x200, "ALLMULTI"],
  [0x400, "OACTIVE"],
  [0x800, "SIMPLEX"],
  [0x1000, "LINK0"],
  [0x2000, "LINK1"],
  [0x4000, "LINK2"],
  [0x8000, "MULTICAST"],
];
const metricnames: [number, string][] = [
  [0x1, "mtu"],
  [0x2, "hopcount"],
  [0x4, "expire"],
  [0x8, "recvpipe"],
  [0x10, "sendpipe"],
  [0x20, "ssthresh"],
  [0x40, "rtt"],
  [0x80, "rttvar"],
  [0x100, "weight"],
];
const addrnames: [number, string][] = [
  [0x1, "DST"],
  [0x2, "GATEWAY"],
  [0x4, "NETMASK"],
  [0x8, "GENMASK"],
  [0x10, "IFP"],
  [0x20, "IFA"],
  [0x40, "AUTHOR"],
  [0x80, "BRD"],
];
const msgtypes = [
  "",
  "RTM_ADD: Add Route",
  "RTM_DELETE: Delete Route",
  "RTM_CHANGE: Change Metrics or flags",
  "RTM_GET: Report Metrics",
  "RTM_LOSING: Kernel Suspects Partitioning",
  "RTM_REDIRECT: Told to use different route",
  "RTM_MISS: Lookup failed on this address",
  "RTM_LOCK: fix specified metrics",
  "RTM_OLDADD: caused by SIOCADDRT",
  "RTM_OLDDEL: caused by SIOCDELRT",
  "RTM_RESOLVE: Route created by cloning",
  "RTM_NEWADDR: address being added to iface",
  "RTM_DELADDR: address being removed from iface",
  "RTM_IFINFO: iface status change",
  "RTM_NEWMADDR: new multicast group membership on iface",
  "RTM_DELMADDR: multicast group membership removed from iface",
  "RTM_IFANNOUNCE: interface arrival/departure",
  "RTM_IEEE80211: IEEE 802.11 wireless event",
];

/** printb(b, names): "<A,B>" for the bits set, nothing for none. */
function printb(b: number, names: [number, string][]): string {
  const set = names.filter(([m]) => (b & m) !== 0).map(([, n]) => n);
  return set.length === 0 ? "" : `<${set.join(",")}>`;
}

// route.c's keywords (the ones this route(8) knows).
const keywords = new Set([
  "4", "6", "add", "blackhole", "change", "del", "delete", "dst", "expire", "fib", "flush", "gateway", "genmask",
  "get", "host", "hopcount", "iface", "interface", "ifa", "ifp", "inet", "inet6", "link", "lock", "lockrest",
  "monitor", "mtu", "net", "netmask", "nostatic", "nostick", "prefixlen", "proto1", "proto2", "proxy", "recvpipe",
  "reject", "rtt", "rttvar", "sa", "sendpipe", "show", "ssthresh", "static", "sticky", "weight", "xresolve",
]);

// newroute's nrflags.
const F_ISHOST = 0x01;
const F_FORCENET = 0x02;
const F_FORCEHOST = 0x04;
const F_PROXY = 0x08;
const F_INTERFACE = 0x10;

/** A program's state (route.c's file-scope variables). */
class route_state {
  af = 0;
  nflag = false;
  qflag = false;
  verbose = false;
  tflag = false;
  debugonly = false;
  locking = false;
  lockrest = false;
  rtm_addrs = 0;
  rtm_inits = 0;
  rtm_seq = 0;
  readonly rt_metrics = new rt_metrics();
  numfibs = -1;
  defaultfib = -1;
  /** so[RTAX_*]: the sockaddrs of the message (null: none). */
  readonly so: (sockaddr | null)[] = new Array<sockaddr | null>(RTAX_MAX).fill(null);
  s = -1;
  /** Interface names by index, for "%zone" (if_nametoindex / if_indextoname). */
  ifnames = new Map<number, string>();
  constructor(
    readonly ctx: prog_ctx,
    readonly kp: proc,
  ) {}
  out(s: string): void {
    this.ctx.stdout.write(s);
  }
  warnx(msg: string): void {
    this.ctx.stderr.write(`route: ${msg}\n`);
  }
  errx(status: number, msg: string): never {
    this.warnx(msg);
    throw new prog_exit(status);
  }
}

function usage(st: route_state, cp: string | null): never {
  if (cp !== null) st.warnx(`bad keyword: ${cp}`);
  st.errx(EX_USAGE, "usage: route [-j jail] [-46dnqtv] command [[modifiers] args]");
}

function load_ifnames(st: route_state): void {
  st.ifnames.clear();
  for (const x of getifaddrs(st.kp).ifap) if (x.family === AF_LINK) st.ifnames.set(x.sdl_index, x.ifa_name);
}

function if_nametoindex(st: route_state, name: string): number {
  for (const [i, n] of st.ifnames) if (n === name) return i;
  return 0;
}

export async function route_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const st = new route_state(ctx, ctx.p as proc);
    const argv = ctx.argv.slice(1);
    if (argv.length < 1) usage(st, null);
    // getopt("46j:nqdtv")
    let i = 0;
    let jail_name: string | null = null;
    for (; i < argv.length; i++) {
      const a = argv[i];
      if (a === "--") {
        i++;
        break;
      }
      if (!a.startsWith("-") || a === "-") break;
      for (let ci = 1; ci < a.length; ci++) {
        const c = a[ci];
        switch (c) {
          case "j":
            if (ci + 1 < a.length) jail_name = a.slice(ci + 1);
            else if (i + 1 < argv.length) jail_name = argv[++i];
            else {
              ctx.stderr.write("route: option requires an argument -- j\n");
              usage(st, null);
            }
            ci = a.length;
            break;
          case "4":
            st.af = AF_INET;
            break;
          case "6":
            st.af = AF_INET6;
            break;
          case "n":
            st.nflag = true;
            break;
          case "q":
            st.qflag = true;
            break;
          case "v":
            st.verbose = true;
            break;
          case "t":
            st.tflag = true;
            break;
          case "d":
            st.debugonly = true;
            break;
          default:
            ctx.stderr.write(`route: illegal option -- ${c}\n`);
            usage(st, null);
        }
      }
    }
    const args = argv.slice(i);
    if (jail_name !== null) {
      const jid = jail_getid(st.kp, jail_name);
      if (jid === -1) st.errx(1, "Jail not found");
      if (sys_jail_attach_proc(st.kp, jid) !== 0) st.errx(1, "Cannot attach to jail");
    }
    const s = sys_socket(st.kp, AF_ROUTE, SOCK_RAW, 0);
    if (s.error !== 0) st.errx(EX_OSERR, `socket: ${strerror(s.error)}`);
    st.s = s.fd;
    try {
      const nf = sysctlbyname(st.kp, "net.fibs").value;
      st.numfibs = typeof nf === "number" ? nf : -1;
      // net.my_fibnum is the process's fib, which getfib(2) tells too.
      if (st.numfibs !== -1) {
        const mf = sysctlbyname(st.kp, "net.my_fibnum").value;
        st.defaultfib = typeof mf === "number" ? mf : sys_getfib(st.kp);
      }
      load_ifnames(st);
      if (args.length > 0) {
        switch (args[0]) {
          case "get":
          case "show":
          case "change":
          case "add":
          case "del":
          case "delete":
            return newroute(st, args);
          case "monitor":
            return await monitor(st, args);
          case "flush":
            flushroutes(st, args);
            return 0;
        }
      }
      usage(st, args[0] ?? null);
    } finally {
      sys_close(st.kp, st.s);
    }
  });
}

function set_sofib(st: route_state, fib: number): number {
  if (fib < 0) return 0;
  return sys_setsockopt(st.kp, st.s, SOL_SOCKET, SO_SETFIB, fib);
}

/** strtol(token, &end, 0) with nothing left over, or null. */
function strtol0(t: string): number | null {
  if (/^[-+]?0[xX][0-9a-fA-F]+$/.test(t)) return parseInt(t, 16);
  if (/^[-+]?0[0-7]*$/.test(t)) return parseInt(t, 8);
  if (/^[-+]?[1-9][0-9]*$/.test(t)) return parseInt(t, 10);
  return null;
}

function fiboptlist_range(st: route_state, arg: string, out: number[]): boolean {
  const parts = arg.split("-");
  if (parts.length !== 2) return false;
  const fib: number[] = [];
  for (const p of parts) {
    const v = strtol0(p);
    if (v === null || v < 0 || (st.numfibs !== -1 && v > st.numfibs - 1)) return false;
    fib.push(v);
  }
  if (fib[0] >= fib[1]) return false;
  for (let i = fib[0]; i <= fib[1]; i++) out.push(i);
  return true;
}

/** fiboptlist_csv: "all", "default", or a list of fibs and ranges. */
function fiboptlist_csv(st: route_state, arg: string, out: number[]): boolean {
  let str: string;
  if (arg === "all") str = st.numfibs > 1 ? `0-${st.numfibs - 1}` : "0";
  else if (arg === "default") str = String(st.defaultfib);
  else str = arg;
  for (const token of str.split(",")) {
    if (!token.startsWith("-") && token.includes("-")) {
      if (!fiboptlist_range(st, token, out)) return false;
      continue;
    }
    const fib = strtol0(token);
    if (fib === null || fib < 0 || (st.numfibs !== -1 && fib > st.numfibs - 1)) return false;
    out.push(fib);
  }
  return true;
}

// ---------------------------------------------------------------------------
// Names of addresses.

/** getnameinfo(NI_NUMERICHOST) of an IPv6 sockaddr: "addr%zone" for a scoped one. */
function inet6_numeric(st: route_state, sa: sockaddr_in6): string {
  let s = inet_ntop6(sa.sin6_addr);
  if (sa.sin6_scope_id !== 0) s += `%${st.ifnames.get(sa.sin6_scope_id) ?? String(sa.sin6_scope_id)}`;
  return s;
}

function is_unspecified6(a: in6_addr): boolean {
  for (const b of a.s6_addr) if (b !== 0) return false;
  return true;
}

function link_ntoa(sdl: sockaddr_dl): string {
  let s = sdl.sdl_data;
  if (sdl.sdl_lladdr.length > 0) s += (s.length > 0 ? ":" : "") + Array.from(sdl.sdl_lladdr, (b) => b.toString(16)).join(".");
  return s;
}

/** routename: a host's name, "default" for the zero address without -n. */
function routename(st: route_state, sa: sockaddr): string {
  if ("sin_addr" in sa) {
    if (!st.nflag && sa.sin_addr === 0) return "default";
    return hostname4(sa.sin_addr, st.nflag);
  }
  if ("sin6_addr" in sa) {
    if (!st.nflag && is_unspecified6(sa.sin6_addr)) return "default";
    // No resolver: getnameinfo falls back to the numeric form either way.
    return inet6_numeric(st, sa);
  }
  if ("sdl_index" in sa) {
    if (sa.sdl_data.length === 0 && sa.sdl_lladdr.length === 0) return `link#${sa.sdl_index}`;
    return link_ntoa(sa);
  }
  return `(${"sa_family" in sa ? sa.sa_family : 0})`;
}

/** netname: a network's name (route.c's classful shortening for IPv4). */
function netname(st: route_state, sa: sockaddr): string {
  if ("sin_addr" in sa) {
    const i = sa.sin_addr >>> 0;
    if (i === 0) return "default";
    const C = (x: number) => (x >>> 0) & 0xff;
    if ((i & 0xffffff) === 0) return `${C(i >>> 24)}`;
    if ((i & 0xffff) === 0) return `${C(i >>> 24)}.${C(i >>> 16)}`;
    if ((i & 0xff) === 0) return `${C(i >>> 24)}.${C(i >>> 16)}.${C(i >>> 8)}`;
    return `${C(i >>> 24)}.${C(i >>> 16)}.${C(i >>> 8)}.${C(i)}`;
  }
  if ("sin6_addr" in sa) return inet6_numeric(st, sa);
  if ("sdl_index" in sa) {
    if (sa.sdl_data.length === 0 && sa.sdl_lladdr.length === 0) return `link#${sa.sdl_index}`;
    return link_ntoa(sa);
  }
  return `af ${"sa_family" in sa ? sa.sa_family : 0}:`;
}

// ---------------------------------------------------------------------------
// Building a request.

function set_metric(st: route_state, value: string, key: string): void {
  const caseof: Record<string, [number, keyof rt_metrics]> = {
    mtu: [RTV_MTU, "rmx_mtu"],
    hopcount: [RTV_HOPCOUNT, "rmx_hopcount"],
    expire: [RTV_EXPIRE, "rmx_expire"],
    recvpipe: [RTV_RPIPE, "rmx_recvpipe"],
    sendpipe: [RTV_SPIPE, "rmx_sendpipe"],
    ssthresh: [RTV_SSTHRESH, "rmx_ssthresh"],
    rtt: [RTV_RTT, "rmx_rtt"],
    rttvar: [RTV_RTTVAR, "rmx_rttvar"],
    weight: [RTV_WEIGHT, "rmx_weight"],
  };
  const [flag, field] = caseof[key];
  st.rtm_inits |= flag;
  if (st.lockrest || st.locking) st.rt_metrics.rmx_locks |= flag;
  if (st.locking) st.locking = false;
  let v = strtol0(value.startsWith("+") ? value.slice(1) : value);
  if (v === null) {
    st.ctx.stderr.write(`route: ${value}: ${strerror(22)}\n`);
    throw new prog_exit(EX_USAGE);
  }
  if ((flag & RTV_EXPIRE) !== 0 && (value[0] === "+" || value[0] === "-")) v += sys_clock_gettime(st.kp, CLOCK_REALTIME).tv_sec;
  st.rt_metrics[field] = v;
}

/** prefixlen: the netmask of a length, for the current family; -1 for a full-length one. */
function prefixlen(st: route_state, str: string): number {
  const len = /^[-+]?[0-9]+/.test(str) ? parseInt(str, 10) : 0;
  st.rtm_addrs |= RTA_NETMASK;
  let max: number;
  if (st.af === AF_INET6) max = 128;
  else if (st.af === AF_INET) max = 32;
  else st.errx(EX_OSERR, "prefixlen not supported in this af");
  if (len < 0 || max < len) st.errx(EX_USAGE, `${str}: invalid prefixlen`);
  if (st.af === AF_INET6) {
    const m = new in6_addr();
    const q = len >> 3;
    const r = len & 7;
    for (let i = 0; i < q; i++) m.s6_addr[i] = 0xff;
    if (r > 0) m.s6_addr[q] = (0xff00 >> r) & 0xff;
    st.so[RTAX_NETMASK] = new sockaddr_in6(m);
  } else {
    st.so[RTAX_NETMASK] = new sockaddr_in(in_len2mask(len));
  }
  return len === max ? -1 : len;
}

/** inet6_makenetandmask: a /len after an IPv6 destination, or none (a host). */
function inet6_makenetandmask(st: route_state, sin6: sockaddr_in6, plen: string | null): number {
  if (plen === null && is_unspecified6(sin6.sin6_addr) && sin6.sin6_scope_id === 0) plen = "0";
  if (plen === null || plen === "128") return 1;
  st.rtm_addrs |= RTA_NETMASK;
  prefixlen(st, plen);
  return 0;
}

/**
 * getaddrinfo(AF_INET6, numeric) as route(8) calls it: "addr" or
 * "addr%zone" (an interface name or number); null when it does not parse.
 */
function getaddrinfo6(st: route_state, str: string): sockaddr_in6 | null {
  const pct = str.indexOf("%");
  const a = inet_pton6(pct >= 0 ? str.slice(0, pct) : str);
  if (a === null) return null;
  let scope = 0;
  if (pct >= 0) {
    const zone = str.slice(pct + 1);
    scope = if_nametoindex(st, zone);
    if (scope === 0) {
      if (!/^[0-9]+$/.test(zone)) return null;
      scope = parseInt(zone, 10);
    }
  }
  return new sockaddr_in6(a, 0, scope);
}

/** inet_makemask: an IPv4 netmask of bits. */
function inet_makemask(st: route_state, bits: number): void {
  st.rtm_addrs |= RTA_NETMASK;
  st.so[RTAX_NETMASK] = new sockaddr_in(bits === 0 ? 0 : in_len2mask(bits));
}

/**
 * getaddr(idx, str, nrflags): interpret an argument as an address of the
 * current family into so[idx]; 1 for a host address, 0 for a network.
 */
function getaddr(st: route_state, idx: number, str: string, nrflags: number): number {
  if (st.af === 0) st.af = AF_INET;
  st.rtm_addrs |= 1 << idx;
  if (idx === RTAX_GATEWAY && (nrflags & F_INTERFACE) !== 0) {
    const ifs = getifaddrs(st.kp).ifap.filter((x) => x.family === AF_LINK && x.ifa_name === str);
    const x = ifs[ifs.length - 1];
    if (x === undefined) st.errx(EX_DATAERR, `interface '${str}' does not exist`);
    st.so[idx] = new sockaddr_dl(x.sdl_index, x.sdl_type, x.ifa_name, x.sdl_lladdr);
    return 1;
  }
  const fam = idx === RTAX_IFP ? AF_LINK : st.af;
  if (str === "default") {
    // Default is the net of length 0.
    if (fam === AF_INET6) st.so[idx] = new sockaddr_in6();
    else st.so[idx] = new sockaddr_in(0);
    if (idx === RTAX_DST) getaddr(st, RTAX_NETMASK, str, nrflags | F_FORCENET);
    return 0;
  }
  switch (fam) {
    case AF_INET6: {
      let q: string | null = null;
      let a = str;
      if (idx === RTAX_DST && str.includes("/")) {
        q = str.slice(str.indexOf("/") + 1);
        a = str.slice(0, str.indexOf("/"));
      }
      const sin6 = getaddrinfo6(st, a);
      if (sin6 === null) st.errx(EX_OSERR, `${a}: Name does not resolve`);
      st.so[idx] = sin6;
      if (idx === RTAX_DST) return inet6_makenetandmask(st, sin6, q);
      return 0;
    }
    case AF_LINK: {
      // link_addr(3): an interface name (what -ifp gives).
      const index = if_nametoindex(st, str);
      st.so[idx] = new sockaddr_dl(index, 0, str, new Uint8Array(0));
      return 1;
    }
    default:
      break;
  }
  const slash = str.indexOf("/");
  if (slash >= 0 && idx === RTAX_DST) {
    const a = inet_aton(str.slice(0, slash));
    if (a === null) st.errx(EX_NOHOST, `bad address: ${str.slice(0, slash)}`);
    const m = /^-?[0-9]+/.exec(str.slice(slash + 1));
    const masklen = m === null ? 0 : parseInt(m[0], 10);
    if (masklen < 0 || masklen > 32) st.errx(EX_NOHOST, `bad mask length: ${str.slice(slash + 1)}`);
    st.so[idx] = new sockaddr_in(a);
    inet_makemask(st, masklen);
    return 0;
  }
  const a = inet_aton(str);
  if (a !== null) {
    st.so[idx] = new sockaddr_in(a);
    return 1;
  }
  const hp = gethostbyname4(str);
  if (hp !== null) {
    st.so[idx] = new sockaddr_in(hp);
    return 1;
  }
  st.errx(EX_NOHOST, `bad address: ${str}`);
}

function newroute(st: route_state, argv: string[]): number {
  const cmd = argv[0];
  const uid = st.kp.p_ucred.cr_uid;
  if (cmd !== "get" && cmd !== "show" && uid !== 0 && !st.debugonly && !st.tflag) st.errx(EX_NOPERM, "must be root to alter routing table");
  let dest: string | null = null;
  let gateway: string | null = null;
  let flags = RTF_STATIC;
  let nrflags = 0;
  const fibl: number[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("-")) {
      const key = a.slice(1);
      if (!keywords.has(key)) usage(st, key);
      const next = (): string => {
        if (i + 1 >= argv.length) usage(st, null);
        return argv[++i];
      };
      switch (key) {
        case "link":
          st.af = AF_LINK;
          break;
        case "4":
        case "inet":
          st.af = AF_INET;
          break;
        case "6":
        case "inet6":
          st.af = AF_INET6;
          break;
        case "iface":
        case "interface":
          nrflags |= F_INTERFACE;
          break;
        case "nostatic":
          flags &= ~RTF_STATIC;
          break;
        case "lock":
          st.locking = true;
          break;
        case "lockrest":
          st.lockrest = true;
          break;
        case "host":
          nrflags |= F_FORCEHOST;
          break;
        case "reject":
          flags |= RTF_REJECT;
          break;
        case "blackhole":
          flags |= RTF_BLACKHOLE;
          break;
        case "proto1":
          flags |= RTF_PROTO1;
          break;
        case "proto2":
          flags |= RTF_PROTO2;
          break;
        case "proxy":
          nrflags |= F_PROXY;
          break;
        case "xresolve":
          flags |= RTF_XRESOLVE;
          break;
        case "static":
          flags |= RTF_STATIC;
          break;
        case "sticky":
          flags |= RTF_STICKY;
          break;
        case "nostick":
          flags &= ~RTF_STICKY;
          break;
        case "fib": {
          const v = next();
          if (!fiboptlist_csv(st, v, fibl)) st.errx(EX_USAGE, `invalid fib number: ${v}`);
          break;
        }
        case "ifa":
          getaddr(st, RTAX_IFA, next(), nrflags);
          break;
        case "ifp":
          getaddr(st, RTAX_IFP, next(), nrflags);
          break;
        case "genmask":
          getaddr(st, RTAX_GENMASK, next(), nrflags);
          break;
        case "gateway":
          gateway = next();
          getaddr(st, RTAX_GATEWAY, gateway, nrflags);
          break;
        case "dst":
          dest = next();
          if (getaddr(st, RTAX_DST, dest, nrflags) !== 0) nrflags |= F_ISHOST;
          break;
        case "netmask":
          getaddr(st, RTAX_NETMASK, next(), nrflags);
          nrflags |= F_FORCENET;
          break;
        case "net":
          nrflags |= F_FORCENET;
          break;
        case "prefixlen":
          if (prefixlen(st, next()) === -1) {
            nrflags &= ~F_FORCENET;
            nrflags |= F_ISHOST;
          } else {
            nrflags |= F_FORCENET;
            nrflags &= ~F_ISHOST;
          }
          break;
        case "mtu":
        case "hopcount":
        case "expire":
        case "recvpipe":
        case "sendpipe":
        case "ssthresh":
        case "rtt":
        case "rttvar":
        case "weight":
          set_metric(st, next(), key);
          break;
        default:
          usage(st, key);
      }
    } else if ((st.rtm_addrs & RTA_DST) === 0) {
      dest = a;
      if (getaddr(st, RTAX_DST, a, nrflags) !== 0) nrflags |= F_ISHOST;
    } else if ((st.rtm_addrs & RTA_GATEWAY) === 0) {
      gateway = a;
      getaddr(st, RTAX_GATEWAY, a, nrflags);
    } else {
      getaddr(st, RTAX_NETMASK, a, nrflags);
      nrflags |= F_FORCENET;
    }
  }
  const dsa = st.so[RTAX_DST];
  if (dsa === null) {
    st.warnx("destination parameter required");
    usage(st, null);
  }
  const msa = st.so[RTAX_NETMASK];
  if (msa !== null && family_of(dsa) !== family_of(msa)) {
    st.warnx("destination and netmask family need to be the same");
    usage(st, null);
  }
  if ((nrflags & F_FORCEHOST) !== 0) {
    nrflags |= F_ISHOST;
    if (st.af === AF_INET6) {
      st.rtm_addrs &= ~RTA_NETMASK;
      st.so[RTAX_NETMASK] = null;
    }
  }
  if ((nrflags & F_FORCENET) !== 0) nrflags &= ~F_ISHOST;
  flags |= RTF_UP;
  if ((nrflags & F_ISHOST) !== 0) flags |= RTF_HOST;
  if ((nrflags & F_INTERFACE) === 0) flags |= RTF_GATEWAY;
  if ((nrflags & F_PROXY) !== 0) flags |= RTF_ANNOUNCE;
  dest ??= "";
  gateway ??= "";
  if (fibl.length === 0 && !fiboptlist_csv(st, "default", fibl)) st.errx(EX_OSERR, "fiboptlist_csv failed.");
  const errs: { fib: number; error: number; errno: number }[] = [];
  let error = 0;
  for (const fib of fibl) {
    const r = newroute_fib(st, fib, cmd, flags);
    errs.push({ fib, error: r === 0 ? 0 : 1, errno: r });
    error += r === 0 ? 0 : 1;
  }
  if (cmd === "get" || cmd === "show") return error;
  error = 0;
  const what = (nrflags & F_ISHOST) !== 0 ? "host" : "net";
  if (!st.qflag) {
    let fibnum = errs.filter((e) => e.error === 0).length;
    if (fibnum > 0) {
      let line = `${cmd} ${what} ${dest}`;
      if (gateway !== "") line += `: gateway ${gateway}`;
      if (st.numfibs > 1) {
        let first = true;
        for (const e of errs) {
          if (e.error !== 0 || e.fib < 0) continue;
          if (first) {
            line += " fib ";
            first = false;
          }
          line += String(e.fib);
          if (fibnum-- > 1) line += ",";
        }
      }
      st.out(line + "\n");
    }
  }
  for (const e of errs) {
    if (e.error === 0) continue;
    error = 1;
    if (st.qflag) continue;
    let line = `${cmd} ${what} ${dest}`;
    if (gateway !== "") line += `: gateway ${gateway}`;
    if (e.fib >= 0) line += ` fib ${e.fib}`;
    let errmsg: string;
    switch (e.errno) {
      case ESRCH:
        errmsg = "not in table";
        break;
      case EBUSY:
        errmsg = "entry in use";
        break;
      case ENOBUFS:
        errmsg = "not enough memory";
        break;
      case EADDRINUSE:
        errmsg = "gateway uses the same route";
        break;
      case EEXIST:
        errmsg = "route already in table";
        break;
      default:
        errmsg = strerror(e.errno);
    }
    st.out(`${line}: ${errmsg}\n`);
  }
  return error;
}

function family_of(sa: sockaddr): number {
  if ("sin_addr" in sa) return sa.sin_family;
  if ("sin6_addr" in sa) return sa.sin6_family;
  if ("sdl_index" in sa) return sa.sdl_family;
  if ("sg_data" in sa) return sa.sg_family;
  return sa.sa_family;
}

/** newroute_fib: the message for one fib; 0 or the errno. */
function newroute_fib(st: route_state, fib: number, cmd: string, flags: number): number {
  const error = set_sofib(st, fib);
  if (error !== 0) {
    st.ctx.stderr.write(`route: fib number ${fib} is ignored: ${strerror(error)}\n`);
    return error;
  }
  return rtmsg(st, cmd, flags, fib);
}

/** rtmsg: write the request; for get, read and print the answer.  0 or the errno. */
function rtmsg(st: route_state, cmdname: string, flags: number, fib: number): number {
  let cmd: number;
  if (cmdname === "add") cmd = RTM_ADD;
  else if (cmdname === "change") cmd = RTM_CHANGE;
  else if (cmdname === "get" || cmdname === "show") {
    cmd = RTM_GET;
    if (st.so[RTAX_IFP] === null) {
      st.so[RTAX_IFP] = new sockaddr_dl(0, 0, "", new Uint8Array(0));
      st.rtm_addrs |= RTA_IFP;
    }
  } else {
    cmd = RTM_DELETE;
    flags |= RTF_PINNED;
  }
  const rtm = new rt_msghdr();
  rtm.rtm_type = cmd;
  rtm.rtm_flags = flags;
  rtm.rtm_version = RTM_VERSION;
  rtm.rtm_seq = ++st.rtm_seq;
  rtm.rtm_addrs = st.rtm_addrs;
  Object.assign(rtm.rtm_rmx, st.rt_metrics);
  rtm.rtm_inits = st.rtm_inits;
  for (const idx of [RTAX_DST, RTAX_GATEWAY, RTAX_NETMASK, RTAX_GENMASK, RTAX_IFP, RTAX_IFA]) {
    if ((st.rtm_addrs & (1 << idx)) !== 0) rtm.rtm_sa[idx] = st.so[idx];
  }
  if (st.verbose) print_rtmsg(st, rtm);
  if (st.debugonly) return 0;
  const { error, reply } = sys_route(st.kp, st.s, rtm);
  if (error !== 0) {
    switch (error) {
      case EPERM:
        st.errx(1, `writing to routing socket: ${strerror(error)}`);
        break;
      case ESRCH:
        st.warnx("route has not been found");
        break;
      case EEXIST:
        break;
      default:
        st.warnx(`writing to routing socket: ${strerror(error)}`);
    }
    return error;
  }
  if (cmd === RTM_GET && reply !== null) print_getmsg(st, reply, fib);
  return 0;
}

/** print_getmsg: the answer to route get. */
function print_getmsg(st: route_state, rtm: rt_msghdr, fib: number): void {
  const dst0 = st.so[RTAX_DST];
  let o = `   route to: ${dst0 !== null ? routename(st, dst0) : ""}\n`;
  if (rtm.rtm_errno !== 0) {
    st.out(o);
    st.warnx(`message indicates error ${rtm.rtm_errno}: ${strerror(rtm.rtm_errno)}`);
    return;
  }
  const sp = rtm.rtm_sa.map((sa, i) => ((rtm.rtm_addrs & (1 << i)) !== 0 ? sa : null));
  let ifp = sp[RTAX_IFP];
  if (ifp !== null && (!("sdl_index" in ifp) || ifp.sdl_nlen === 0)) ifp = null;
  const dst = sp[RTAX_DST];
  const mask = sp[RTAX_NETMASK];
  const gw = sp[RTAX_GATEWAY];
  // The default route is named so whatever -n says.
  const isdefault = dst !== null && (rtm.rtm_flags & RTF_HOST) === 0 && is_zero_sa(dst) && (mask === null || is_zero_sa(mask));
  if (dst !== null) o += `destination: ${isdefault ? "default" : routename(st, dst)}\n`;
  if (mask !== null) o += `       mask: ${mask_name(st, mask)}\n`;
  if (gw !== null && (rtm.rtm_flags & RTF_GATEWAY) !== 0) o += `    gateway: ${routename(st, gw)}\n`;
  if (fib >= 0) o += `        fib: ${fib}\n`;
  if (ifp !== null && "sdl_data" in ifp) o += `  interface: ${ifp.sdl_data}\n`;
  o += `      flags: ${printb(rtm.rtm_flags, routeflags)}\n`;
  o += " recvpipe  sendpipe  ssthresh  rtt,msec    mtu        weight    expire\n";
  const rmx = rtm.rtm_rmx;
  const lock = (f: number) => ((rmx.rmx_locks & f) !== 0 ? "L" : " ");
  const msec = (u: number) => Math.floor((u + 500) / 1000);
  o += `${String(rmx.rmx_recvpipe).padStart(8)}${lock(RTV_RPIPE)} `;
  o += `${String(rmx.rmx_sendpipe).padStart(8)}${lock(RTV_SPIPE)} `;
  o += `${String(rmx.rmx_ssthresh).padStart(8)}${lock(RTV_SSTHRESH)} `;
  o += `${String(msec(rmx.rmx_rtt)).padStart(8)}${lock(RTV_RTT)} `;
  o += `${String(rmx.rmx_mtu).padStart(8)}${lock(RTV_MTU)} `;
  o += `${String(rmx.rmx_weight).padStart(8)}${lock(RTV_WEIGHT)} `;
  const now = rmx.rmx_expire > 0 ? sys_clock_gettime(st.kp, CLOCK_REALTIME).tv_sec : 0;
  o += `${String(rmx.rmx_expire - now).padStart(8)}${lock(RTV_EXPIRE)}\n`;
  const RTA_IGN = RTA_DST | RTA_GATEWAY | RTA_NETMASK | RTA_IFP | RTA_IFA | 0x80;
  if (st.verbose) o += pmsg_common(st, rtm);
  else if ((rtm.rtm_addrs & ~RTA_IGN) !== 0) o += `sockaddrs: ${printb(rtm.rtm_addrs, addrnames)}\n`;
  st.out(o);
}

function is_zero_sa(sa: sockaddr): boolean {
  if ("sin_addr" in sa) return sa.sin_addr === 0;
  if ("sin6_addr" in sa) return is_unspecified6(sa.sin6_addr);
  return false;
}

/** A netmask as routename shows it (the kernel's IPv4 masks print as addresses). */
function mask_name(st: route_state, mask: sockaddr): string {
  if (is_zero_sa(mask)) return "default";
  if ("sin_addr" in mask) return inet_ntoa(mask.sin_addr);
  if ("sin6_addr" in mask) return inet_ntop6(mask.sin6_addr);
  return routename(st, mask);
}

function pmsg_addrs(st: route_state, rtm: rt_msghdr): string {
  const addrs = rtm.rtm_addrs;
  if (addrs === 0) return "\n";
  let o = `\nsockaddrs: ${printb(addrs, addrnames)}\n`;
  for (let i = 0; i < RTAX_MAX; i++) {
    if ((addrs & (1 << i)) === 0) continue;
    const sa = rtm.rtm_sa[i];
    o += ` ${sa !== null ? routename(st, sa) : "default"}`;
  }
  return o + "\n";
}

function pmsg_common(st: route_state, rtm: rt_msghdr): string {
  let o = `\nlocks: ${printb(rtm.rtm_rmx.rmx_locks, metricnames)}`;
  o += ` inits: ${printb(rtm.rtm_inits, metricnames)}`;
  return o + pmsg_addrs(st, rtm);
}

/** print_rtmsg: a routing message as route -v and route monitor show it. */
function print_rtmsg(st: route_state, rtm: rt_msghdr): void {
  let o: string;
  if (rtm.rtm_version !== RTM_VERSION) {
    st.out(`routing message version ${rtm.rtm_version} not understood\n`);
    return;
  }
  o = rtm.rtm_type < msgtypes.length ? `${msgtypes[rtm.rtm_type]}: ` : `unknown type ${rtm.rtm_type}: `;
  o += `len ${msglen(rtm)}, `;
  switch (rtm.rtm_type) {
    case RTM_IFINFO:
      o += `if# ${rtm.rtm_index}, link: ${link_state_name(rtm)}, flags:${printb(rtm.rtm_flags, ifnetflags)}`;
      o += pmsg_addrs(st, rtm);
      break;
    case RTM_NEWADDR:
    case RTM_DELADDR:
      o += `metric ${rtm.rtm_rmx.rmx_hopcount}, flags:${printb(rtm.rtm_flags, routeflags)}`;
      o += pmsg_addrs(st, rtm);
      break;
    case RTM_NEWMADDR:
    case RTM_DELMADDR:
      o += pmsg_addrs(st, rtm);
      break;
    case RTM_IFANNOUNCE:
      o += `if# ${rtm.rtm_index}, what: ${rtm.ifan_what === 0 ? "arrival" : rtm.ifan_what === 1 ? "departure" : `#${rtm.ifan_what}`}\n`;
      break;
    default:
      if (rtm.rtm_type <= RTM_RESOLVE) {
        o += `pid: ${rtm.rtm_pid}, seq ${rtm.rtm_seq}, errno ${rtm.rtm_errno}, flags:${printb(rtm.rtm_flags, routeflags)}`;
        o += pmsg_common(st, rtm);
      } else {
        o += `type: ${rtm.rtm_type}, len: ${msglen(rtm)}\n`;
      }
  }
  st.out(o);
}

function link_state_name(rtm: rt_msghdr): string {
  // The message carries the interface's flags, not if_data: IFF_UP and
  // IFF_RUNNING stand for the link here.
  return (rtm.rtm_flags & 0x40) !== 0 ? "up" : "down";
}

/** The message's length as the kernel would write it (rtm_msglen, or the header and its sockaddrs). */
function msglen(rtm: rt_msghdr): number {
  if (rtm.rtm_msglen !== 0) return rtm.rtm_msglen;
  let len = rtm.rtm_type === RTM_IFANNOUNCE ? 24 : rtm.rtm_type === RTM_IFINFO ? 168 : rtm.rtm_type === RTM_NEWADDR || rtm.rtm_type === RTM_DELADDR ? 20 : 152;
  for (let i = 0; i < RTAX_MAX; i++) {
    const sa = rtm.rtm_sa[i];
    if ((rtm.rtm_addrs & (1 << i)) === 0 || sa === null) continue;
    const l = "sin_addr" in sa ? sa.sin_len : "sin6_addr" in sa ? sa.sin6_len : "sdl_index" in sa ? sa.sdl_len : sa.sa_len;
    len += l === 0 ? 8 : 1 + ((l - 1) | 7);
  }
  return len;
}

// ---------------------------------------------------------------------------
// flush and monitor.

/** flushroutes: remove every route with a gateway (of one family, with -4, -6 or -link). */
function flushroutes(st: route_state, argv: string[]): void {
  const uid = st.kp.p_ucred.cr_uid;
  if (uid !== 0 && !st.debugonly && !st.tflag) st.errx(EX_NOPERM, "must be root to alter routing table");
  const fibl: number[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-")) usage(st, a);
    switch (a.slice(1)) {
      case "4":
      case "inet":
        st.af = AF_INET;
        break;
      case "6":
      case "inet6":
        st.af = AF_INET6;
        break;
      case "link":
        st.af = AF_LINK;
        break;
      case "fib": {
        if (i + 1 >= argv.length) usage(st, a);
        const v = argv[++i];
        if (!fiboptlist_csv(st, v, fibl)) st.errx(EX_USAGE, `invalid fib number: ${v}`);
        break;
      }
      default:
        usage(st, a);
    }
  }
  if (fibl.length === 0 && !fiboptlist_csv(st, "default", fibl)) st.errx(EX_OSERR, "fiboptlist_csv failed.");
  for (const fib of fibl) flushroutes_fib(st, fib);
}

function flushroutes_fib(st: route_state, fib: number): number {
  const error = set_sofib(st, fib);
  if (error !== 0) {
    st.ctx.stderr.write(`route: fib number ${fib} is ignored: ${strerror(error)}\n`);
    return error;
  }
  const r = sysctl(st.kp, [CTL_NET, PF_ROUTE, 0, AF_UNSPEC, NET_RT_DUMP, fib]);
  if (r.error !== 0 || !Array.isArray(r.value)) st.errx(EX_OSERR, `route-sysctl-get: ${strerror(r.error)}`);
  const w = r.value as readonly number[];
  if (st.verbose) st.out("Examining routing table from sysctl\n");
  let seqno = 0;
  for (let o = 0; o < w.length && w[o + RTM_HDR_LEN] > 0; o += w[o + RTM_HDR_LEN]) {
    const rtm = new rt_msghdr();
    rtm.rtm_type = RTM_GET;
    rtm.rtm_flags = w[o + RTD_FLAGS];
    rtm.rtm_addrs = w[o + RTD_ADDRS];
    let k = o + RTD_SA;
    for (let i = 0; i < RTAX_MAX; i++) {
      if ((rtm.rtm_addrs & (1 << i)) === 0) continue;
      const d = rt_msg_sa_decode(w, k);
      rtm.rtm_sa[i] = d.sa;
      k = d.next;
    }
    rtm.rtm_msglen = msglen(rtm);
    if (st.verbose) print_rtmsg(st, rtm);
    if ((rtm.rtm_flags & RTF_GATEWAY) === 0) continue;
    const dst = rtm.rtm_sa[RTAX_DST];
    if (dst === null) continue;
    if (st.af !== 0 && family_of(dst) !== st.af) continue;
    if (st.debugonly) continue;
    rtm.rtm_type = RTM_DELETE;
    rtm.rtm_seq = seqno;
    const res = sys_route(st.kp, st.s, rtm);
    if (res.error === EPERM) st.errx(1, `write to routing socket: ${strerror(res.error)}`);
    if (res.error !== 0) {
      st.warnx(`write to routing socket: ${strerror(res.error)}`);
      continue;
    }
    seqno++;
    if (st.qflag) continue;
    if (st.verbose) print_rtmsg(st, rtm);
    else {
      const gw = rtm.rtm_sa[RTAX_GATEWAY];
      const c1 = (rtm.rtm_flags & RTF_HOST) !== 0 ? routename(st, dst) : netname(st, dst);
      const c2 = gw !== null ? routename(st, gw) : "";
      let line = `${c1.slice(0, 20).padEnd(20)} ${c2.slice(0, 20).padEnd(20)} `;
      if (fib >= 0) line += `-fib ${String(fib).padEnd(3)} `;
      st.out(line + "done\n");
    }
  }
  return 0;
}

/** ctime(3): "Sun Dec  6 12:00:00 2026\n" (UTC, the simulator's zone). */
function ctime(sec: number): string {
  const d = new Date(sec * 1000);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}\n`;
}

/** monitor: print what the routing socket hears, until interrupted. */
async function monitor(st: route_state, argv: string[]): Promise<number> {
  let fib = st.defaultfib;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-")) usage(st, a);
    if (a.slice(1) !== "fib") usage(st, a);
    if (i + 1 >= argv.length) usage(st, a);
    const v = argv[++i];
    const n = strtol0(v);
    if (n === null || n < 0 || (st.numfibs !== -1 && n > st.numfibs - 1)) st.errx(EX_USAGE, `invalid fib number: ${v}`);
    fib = n;
  }
  if (set_sofib(st, fib) !== 0) st.errx(EX_USAGE, `invalid fib number: ${fib}`);
  st.verbose = true;
  if (st.debugonly) {
    st.out("");
    return 0;
  }
  let done = false;
  sys_sigaction(st.kp, SIGINT, () => (done = true));
  while (!done) {
    const pr = await sys_poll(st.kp, [{ fd: st.s, events: 1, revents: 0 }], -1);
    if (done || pr.error !== 0) break;
    for (;;) {
      const r = sys_route_recv(st.kp, st.s);
      if (r.error !== 0 || r.msg === null) break;
      load_ifnames(st);
      const now = sys_clock_gettime(st.kp, CLOCK_REALTIME).tv_sec;
      st.out(`\ngot message of size ${msglen(r.msg)} on ${ctime(now)}`);
      print_rtmsg(st, r.msg);
    }
  }
  return 0;
}
