// usr.sbin/arp/arp.c, arp_netlink.c: arp(8) as FreeBSD 14 has it.  Shows
// one or all entries (-a, -n, -i) from sysctl NET_RT_FLAGS, adds (-s, -S,
// -f) and deletes (-d, -d -a) through the routing socket, as arp.c's
// set_rtsock() and delete_rtsock() do: an RTM_GET finds the interface the
// address is reached by, then RTM_ADD / RTM_DELETE with RTF_LLDATA carries
// the entry, its gateway an AF_LINK address naming that interface.
//
// Departure: FreeBSD 14 builds arp with netlink by default (set_nl,
// delete_nl), and we have no netlink, so the messages of the default build
// are printed from the rtsock path: an address whose route is not a direct
// one on an Ethernet-like interface gives "delete: cannot locate HOST"
// with status 0 for -s (rtsock: "cannot intuit interface index and type
// for HOST", status 1), a refused change gives "set HOST: ERROR" or
// "delete HOST: ERROR" (rtsock: "writing to routing socket: ERROR"), and
// -d of an address no route covers gives "delete: cannot locate HOST" with
// status 0.

import fs from "node:fs";
import path from "node:path";
import { strerror } from "../kern/errno.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { rt_msghdr, NET_RT_FLAGS, RTL_DST, RTL_EXPIRE, RTL_FLAGS, RTL_IFINDEX, RTL_IFTYPE, RTL_LLADDR, RTM_HDR_LEN } from "../net/rtsock.ts";
import { RTAX_DST, RTAX_GATEWAY, RTA_DST, RTA_GATEWAY, RTF_ANNOUNCE, RTF_BLACKHOLE, RTF_GATEWAY, RTF_HOST, RTF_LLDATA, RTF_LLINFO, RTF_PINNED, RTF_REJECT, RTF_STATIC, RTM_ADD, RTM_DELETE, RTM_GET, RTV_EXPIRE } from "../net/route.ts";
import { CTL_NET } from "../kern/sysctl.ts";
import { CLOCK_MONOTONIC, CLOCK_REALTIME, sys_clock_gettime } from "../kern/kern_time.ts";
import { sysctl } from "./libc_sysctl.ts";
import { getifaddrs, if_nametoindex } from "./libc_getifaddrs.ts";
import { sys_close, sys_route, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { AF_INET, AF_LINK, PF_ROUTE, SOCK_RAW } from "../kern/socket.ts";
import { IFF_BROADCAST, IFF_LOOPBACK, IFF_NOARP, IFF_POINTOPOINT, IFF_UP } from "../net/if.ts";
import { IFT_BRIDGE, IFT_ETHER, IFT_L2VLAN, sockaddr_dl } from "../net/if_dl.ts";
import { INADDR_NONE, inet_aton, inet_ntoa, sockaddr_in } from "../netinet/in.ts";
import { getopt, prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import { ether_aton, ether_ntoa, gethostbyaddr } from "./netdb.ts";

const F_GET = 1;
const F_SET = 2;
const F_FILESET = 3;
const F_REPLACE = 4;
const F_DELETE = 5;

interface arp_opts {
  aflag: boolean;
  nflag: boolean;
  rifname: string | null;
  rifindex: number;
  expire_time: number;
  pub: boolean;
  blackhole: boolean;
  reject: boolean;
  /** rtmsg()'s sequence number, per run of the program. */
  seq: number;
}

function usage(ctx: prog_ctx): never {
  ctx.stderr.write(
    "usage: arp [-n] [-i interface] hostname\n" +
      "       arp [-n] [-i interface] -a\n" +
      "       arp -d hostname [pub]\n" +
      "       arp -d [-i interface] -a\n" +
      "       arp -s hostname ether_addr [temp] [reject | blackhole] [pub [only]]\n" +
      "       arp -S hostname ether_addr [temp] [reject | blackhole] [pub [only]]\n" +
      "       arp -f filename\n",
  );
  throw new prog_exit(1);
}

function warnx(ctx: prog_ctx, msg: string): void {
  ctx.stderr.write(`arp: ${msg}\n`);
}

function errx(ctx: prog_ctx, status: number, msg: string): never {
  warnx(ctx, msg);
  throw new prog_exit(status);
}

export async function arp_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const kp = ctx.p as proc;
    const opts: arp_opts = { aflag: false, nflag: false, rifname: null, rifindex: 0, expire_time: 0, pub: false, blackhole: false, reject: false, seq: 0 };
    let func = 0;
    const setfunc = (f: number) => {
      if (func !== 0) usage(ctx);
      func = f;
    };
    const { opts: o, optind } = getopt(ctx, "andfsSi:", () => usage(ctx));
    for (const [c, v] of o) {
      switch (c) {
        case "a":
          opts.aflag = true;
          break;
        case "d":
          setfunc(F_DELETE);
          break;
        case "n":
          opts.nflag = true;
          break;
        case "S":
          setfunc(F_REPLACE);
          break;
        case "s":
          setfunc(F_SET);
          break;
        case "f":
          setfunc(F_FILESET);
          break;
        case "i":
          opts.rifname = v;
          break;
      }
    }
    const argv = ctx.argv.slice(optind);
    if (func === 0) func = F_GET;
    if (opts.rifname !== null) {
      if (func !== F_GET && !(func === F_DELETE && opts.aflag)) errx(ctx, 1, "-i not applicable to this operation");
      opts.rifindex = if_nametoindex(kp, opts.rifname);
      if (opts.rifindex === 0) errx(ctx, 1, `interface ${opts.rifname} does not exist`);
    }
    let rtn = 0;
    switch (func) {
      case F_GET:
        if (opts.aflag) {
          if (argv.length !== 0) usage(ctx);
          print_entries(ctx, kp, opts, 0);
        } else {
          if (argv.length !== 1) usage(ctx);
          rtn = get(ctx, kp, opts, argv[0]);
        }
        break;
      case F_SET:
      case F_REPLACE:
        if (argv.length < 2 || argv.length > 6) usage(ctx);
        if (func === F_REPLACE) void del(ctx, kp, opts, argv[0]);
        rtn = set(ctx, kp, opts, argv) ? 1 : 0;
        break;
      case F_DELETE:
        if (opts.aflag) {
          if (argv.length !== 0) usage(ctx);
          nuke_entries(ctx, kp, opts);
        } else {
          if (argv.length !== 1) usage(ctx);
          rtn = del(ctx, kp, opts, argv[0]);
        }
        break;
      case F_FILESET:
        if (argv.length !== 1) usage(ctx);
        rtn = file(ctx, kp, opts, argv[0]);
        break;
    }
    return rtn;
  });
}

/** getaddr: a dotted address, or a name from /etc/hosts. */
function getaddr(ctx: prog_ctx, host: string): number | null {
  const a = inet_aton(host);
  if (a !== null && a !== INADDR_NONE) return a;
  if (host === "localhost" || host === "localhost.my.domain") return 0x7f000001;
  if (a !== null) return a;
  warnx(ctx, `${host}: Unknown host`);
  return null;
}

/** One entry of the table as arp -a shows it. */
interface neigh_entry {
  /** IPv4 address, host order. */
  addr: number;
  /** The link-level address, or null while incomplete. */
  lladdr: Uint8Array | null;
  ifindex: number;
  ifname: string;
  iftype: number;
  /** Seconds until the entry expires (may be <= 0: expired); null = permanent. */
  expire_in: number | null;
  /** RTF_ANNOUNCE: a published entry. */
  published: boolean;
  /** RTF_PINNED: one of our own addresses. */
  pinned: boolean;
}

function valid_type(t: number): boolean {
  return t === IFT_ETHER || t === IFT_L2VLAN || t === IFT_BRIDGE;
}

/** print_entry: one line of arp -a. */
function print_entry(e: neigh_entry, opts: arp_opts): string {
  const hp = opts.nflag ? null : gethostbyaddr(e.addr);
  let s = `${hp ?? "?"} (${inet_ntoa(e.addr)}) at `;
  if (e.lladdr !== null) {
    if (valid_type(e.iftype) && e.lladdr.length === 6) s += ether_ntoa(e.lladdr);
    else s += Array.from(e.lladdr, (b) => b.toString(16)).join(":");
  } else s += "(incomplete)";
  s += ` on ${e.ifname}`;
  if (e.expire_in === null) s += " permanent";
  else if (e.expire_in > 0) s += ` expires in ${e.expire_in} seconds`;
  else s += " expired";
  if (e.published) s += " published";
  switch (e.iftype) {
    case IFT_ETHER:
      s += " [ethernet]";
      break;
    case IFT_L2VLAN:
      s += " [vlan]";
      break;
    case IFT_BRIDGE:
      s += " [bridge]";
      break;
  }
  return s + "\n";
}

/** The ARP table through sysctl NET_RT_FLAGS (RTF_LLINFO), as search()
 *  reads it: only the entries on rifindex unless 0. */
function arp_dump(kp: proc, rifindex: number): neigh_entry[] {
  const r = sysctl(kp, [CTL_NET, PF_ROUTE, 0, AF_INET, NET_RT_FLAGS, RTF_LLINFO]);
  const out: neigh_entry[] = [];
  if (r.error !== 0 || !Array.isArray(r.value)) return out;
  const w = r.value as readonly number[];
  const now = sys_clock_gettime(kp, CLOCK_REALTIME).tv_sec;
  for (let o = 0; o < w.length && w[o + RTM_HDR_LEN] > 0; o += w[o + RTM_HDR_LEN]) {
    const ifindex = w[o + RTL_IFINDEX];
    if (rifindex !== 0 && ifindex !== rifindex) continue;
    let k = o + RTL_LLADDR;
    const alen = w[k++];
    const lladdr = alen < 0 ? null : Uint8Array.from(w.slice(k, k + alen));
    if (alen > 0) k += alen;
    const nlen = w[k++];
    const flags = w[o + RTL_FLAGS];
    const expire = w[o + RTL_EXPIRE];
    out.push({
      addr: w[o + RTL_DST],
      lladdr,
      ifindex,
      ifname: String.fromCharCode(...w.slice(k, k + nlen)),
      iftype: w[o + RTL_IFTYPE],
      expire_in: expire === 0 ? null : expire - now,
      published: (flags & RTF_ANNOUNCE) !== 0,
      pinned: (flags & RTF_PINNED) !== 0,
    });
  }
  return out;
}

/** print_entries: the entries on rifindex (0: all) for addr (0: all). */
function print_entries(ctx: prog_ctx, kp: proc, opts: arp_opts, addr: number): number {
  let count = 0;
  let o = "";
  for (const e of arp_dump(kp, opts.rifindex)) {
    if (addr !== 0 && addr !== e.addr) continue;
    o += print_entry(e, opts);
    count++;
  }
  ctx.stdout.write(o);
  return count;
}

function get(ctx: prog_ctx, kp: proc, opts: arp_opts, host: string): number {
  const addr = getaddr(ctx, host);
  if (addr === null) return 1;
  const found = print_entries(ctx, kp, opts, addr);
  if (found === 0) {
    let s = `${host} (${inet_ntoa(addr)}) -- no entry`;
    if (opts.rifname !== null) s += ` on ${opts.rifname}`;
    ctx.stdout.write(s + "\n");
  }
  return found === 0 ? 1 : 0;
}

/** set: parse the modifiers and the link address, then set_rtsock. */
function set(ctx: prog_ctx, kp: proc, opts: arp_opts, argv: string[]): boolean {
  const host = argv[0];
  const eaddr = argv[1];
  const addr = getaddr(ctx, host);
  if (addr === null) return true;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === "temp") {
      const r = sysctlbyname(kp, "net.link.ether.inet.max_age");
      if (r.error !== 0 || typeof r.value !== "number") errx(ctx, 1, `sysctlbyname: ${strerror(r.error)}`);
      opts.expire_time = r.value;
    } else if (a === "pub") {
      opts.pub = true;
      // "pub only" meant announce-but-do-not-install before FreeBSD 8.
      if (argv[i + 1] === "only") i++;
    } else if (a === "blackhole") {
      if (opts.reject) errx(ctx, 1, "Choose one of blackhole or reject, not both.");
      opts.blackhole = true;
    } else if (a === "reject") {
      if (opts.blackhole) errx(ctx, 1, "Choose one of blackhole or reject, not both.");
      opts.reject = true;
    } else {
      warnx(ctx, `Invalid parameter '${a}'`);
      usage(ctx);
    }
  }
  let ea: Uint8Array | null;
  if (opts.pub && eaddr === "auto") {
    ea = get_ether_addr(ctx, kp, addr);
    if (ea === null) {
      warnx(ctx, `no interface found for ${inet_ntoa(addr)}`);
      return true;
    }
  } else {
    ea = ether_aton(eaddr);
    if (ea === null) {
      warnx(ctx, `invalid Ethernet address '${eaddr}'`);
      return true;
    }
  }
  const sdl_m = new sockaddr_dl(0, IFT_ETHER, "", ea);
  const rs = rtsock_open(ctx, kp);
  try {
    // RTM_GET for the interface; with RTF_ANNOUNCE the kernel answers with
    // the prefix route of our end of the link, where proxy ARP applies.
    const flags = (opts.pub ? RTF_ANNOUNCE : 0) | (opts.reject ? RTF_REJECT : 0) | (opts.blackhole ? RTF_BLACKHOLE : 0);
    const sdl = rtsock_intuit(kp, opts, rs, addr, flags);
    if (sdl === null) {
      // FreeBSD's message says "delete" here too, and the status is 0.
      warnx(ctx, `delete: cannot locate ${host}`);
      return false;
    }
    sdl_m.sdl_type = sdl.sdl_type;
    sdl_m.sdl_index = sdl.sdl_index;
    const rtm = rtmsg_build(opts, RTM_ADD, flags, addr, sdl_m);
    if (opts.expire_time !== 0) rtm.rtm_rmx.rmx_expire = opts.expire_time + sys_clock_gettime(kp, CLOCK_MONOTONIC).tv_sec;
    rtm.rtm_inits = RTV_EXPIRE;
    const error = sys_route(kp, rs, rtm).error;
    if (error !== 0) warnx(ctx, `set ${host}: ${strerror(error)}`);
    return error !== 0;
  } finally {
    sys_close(kp, rs);
  }
}

/** rtsock_open: arp.c's routing socket, opened for each change. */
function rtsock_open(ctx: prog_ctx, kp: proc): number {
  const s = sys_socket(kp, PF_ROUTE, SOCK_RAW, 0);
  if (s.error !== 0) errx(ctx, 1, `socket: ${strerror(s.error)}`);
  return s.fd;
}

/** rtmsg_build: the message rtmsg() writes: RTA_DST, and for RTM_ADD an
 *  RTA_GATEWAY with the link-level address and RTF_HOST | RTF_STATIC |
 *  RTF_LLDATA. */
function rtmsg_build(opts: arp_opts, cmd: number, flags: number, addr: number, sdl: sockaddr_dl | null): rt_msghdr {
  const rtm = new rt_msghdr();
  rtm.rtm_type = cmd;
  rtm.rtm_flags = flags;
  rtm.rtm_seq = ++opts.seq;
  rtm.rtm_sa[RTAX_DST] = new sockaddr_in(addr);
  rtm.rtm_addrs = RTA_DST;
  if (cmd === RTM_ADD) rtm.rtm_flags |= RTF_HOST | RTF_STATIC | RTF_LLDATA;
  if (sdl !== null) {
    rtm.rtm_sa[RTAX_GATEWAY] = sdl;
    rtm.rtm_addrs |= RTA_GATEWAY;
  }
  return rtm;
}

/** The AF_LINK gateway of a direct route to addr on an interface ARP works
 *  on (RTM_GET's answer), or null: no route, a route via a gateway, or an
 *  interface of another kind. */
function rtsock_intuit(kp: proc, opts: arp_opts, s: number, addr: number, flags: number): sockaddr_dl | null {
  const { error, reply } = sys_route(kp, s, rtmsg_build(opts, RTM_GET, flags, addr, null));
  if (error !== 0 || reply === null) return null;
  const gw = reply.rtm_sa[RTAX_GATEWAY];
  if (gw === null || !(gw instanceof sockaddr_dl) || (reply.rtm_flags & RTF_GATEWAY) !== 0 || !valid_type(gw.sdl_type)) return null;
  return gw;
}

/** delete_rtsock: RTM_GET for the interface (again with RTF_ANNOUNCE, for
 *  a proxy entry, if the plain lookup fails), then RTM_DELETE with
 *  RTF_LLDATA. */
function del(ctx: prog_ctx, kp: proc, opts: arp_opts, host: string): number {
  const addr = getaddr(ctx, host);
  if (addr === null) return 1;
  const rs = rtsock_open(ctx, kp);
  try {
    const sdl = rtsock_intuit(kp, opts, rs, addr, 0) ?? rtsock_intuit(kp, opts, rs, addr, RTF_ANNOUNCE);
    if (sdl === null) {
      warnx(ctx, `delete: cannot locate ${host}`);
      return 0;
    }
    const rtm = rtmsg_build(opts, RTM_DELETE, RTF_LLDATA, addr, sdl);
    const error = sys_route(kp, rs, rtm).error;
    if (error !== 0) {
      warnx(ctx, `delete ${host}: ${strerror(error)}`);
      return 1;
    }
  } finally {
    sys_close(kp, rs);
  }
  ctx.stdout.write(`${host} (${inet_ntoa(addr)}) deleted\n`);
  return 0;
}

/** nuke_entries: delete every entry but our own addresses' (RTF_PINNED). */
function nuke_entries(ctx: prog_ctx, kp: proc, opts: arp_opts): void {
  for (const e of arp_dump(kp, opts.rifindex)) {
    if (e.pinned) continue;
    void del(ctx, kp, opts, inet_ntoa(e.addr));
  }
}

/** get_ether_addr: the MAC of an interface on the same subnet as addr. */
function get_ether_addr(ctx: prog_ctx, kp: proc, ipaddr: number): Uint8Array | null {
  const ifas = getifaddrs(kp).ifap;
  const ifa = ifas.find(
    (a) =>
      a.family === AF_INET &&
      (a.ifa_flags & (IFF_UP | IFF_BROADCAST | IFF_POINTOPOINT | IFF_LOOPBACK | IFF_NOARP)) === (IFF_UP | IFF_BROADCAST) &&
      ((ipaddr & a.netmask) >>> 0) === ((a.addr & a.netmask) >>> 0),
  );
  if (ifa === undefined) return null;
  const ifd = ifas.find((a) => a.family === AF_LINK && a.ifa_name === ifa.ifa_name);
  if (ifd === undefined || ifd.sdl_lladdr.length === 0) return null;
  ctx.stdout.write(`using interface ${ifa.ifa_name} for proxy with address ${ether_ntoa(ifd.sdl_lladdr)}\n`);
  return ifd.sdl_lladdr;
}

/** file: arp -f, one "host ether_addr [modifiers]" per line. */
function file(ctx: prog_ctx, kp: proc, opts: arp_opts, name: string): number {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(ctx.env.get("PWD") ?? process.cwd(), name), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    errx(ctx, 1, `cannot open ${name}: ${code === "ENOENT" ? "No such file or directory" : code === "EACCES" ? "Permission denied" : String(code)}`);
  }
  let retval = 0;
  const lines = text.split(/(?<=\n)/);
  for (const raw of lines) {
    const hash = raw.indexOf("#");
    const line = hash >= 0 ? raw.slice(0, hash) : raw;
    if (line.trim() === "") continue;
    const args = line.trim().split(/\s+/).slice(0, 5);
    if (args.length < 2) {
      // warnx adds its newline after the line's own.
      ctx.stderr.write(`arp: bad line: ${line}\n`);
      retval = 1;
      continue;
    }
    // The modifiers accumulate from line to line, as arp(8)'s global opts do.
    if (set(ctx, kp, opts, args)) retval = 1;
  }
  return retval;
}
