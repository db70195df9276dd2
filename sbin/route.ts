// sbin/route/route.c: route(8) over a PF_ROUTE socket.  add, delete,
// change and get, with -net/-host/-4/-n/-fib/-iface/-blackhole/-reject/
// -static, route(8)'s messages and exit statuses.

import { EEXIST, EPERM, ESRCH, EBUSY, ENOBUFS, EADDRINUSE, strerror } from "../kern/errno.ts";
import { AF_LINK, AF_ROUTE, SOCK_RAW, SOL_SOCKET, SO_SETFIB } from "../kern/socket.ts";
import { sys_close, sys_route, sys_setsockopt, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { inet_aton, inet_ntoa, in_len2mask, in_mask2len, sockaddr_in, IN_CLASSA, IN_CLASSB, IN_CLASSC, IN_CLASSA_NET, IN_CLASSB_NET, IN_CLASSC_NET } from "../netinet/in.ts";
import { sockaddr_dl, IFT_ETHER } from "../net/if_dl.ts";
import { getifaddrs } from "./libc_getifaddrs.ts";
import { rt_msghdr } from "../net/rtsock.ts";
import {
  RTA_DST,
  RTA_GATEWAY,
  RTA_NETMASK,
  RTA_IFP,
  RTAX_DST,
  RTAX_GATEWAY,
  RTAX_NETMASK,
  RTAX_IFP,
  RTF_BLACKHOLE,
  RTF_GATEWAY,
  RTF_HOST,
  RTF_REJECT,
  RTF_STATIC,
  RTF_UP,
  RTM_ADD,
  RTM_CHANGE,
  RTM_DELETE,
  RTM_GET,
} from "../net/route.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { prog_exit, prog_run, type prog_ctx } from "./libc.ts";

export const routeflags: [number, string][] = [
  [0x1, "UP"],
  [0x2, "GATEWAY"],
  [0x4, "HOST"],
  [0x8, "REJECT"],
  [0x10, "DYNAMIC"],
  [0x20, "MODIFIED"],
  [0x40, "DONE"],
  [0x100, "XRESOLVE"],
  [0x200, "XRESOLVE"],
  [0x400, "LLINFO"],
  [0x800, "STATIC"],
  [0x1000, "BLACKHOLE"],
  [0x4000, "PROTO2"],
  [0x8000, "PROTO1"],
  [0x40000, "PROTO3"],
  [0x80000, "FIXEDMTU"],
  [0x100000, "PINNED"],
  [0x200000, "LOCAL"],
  [0x400000, "BROADCAST"],
  [0x800000, "MULTICAST"],
  [0x10000000, "STICKY"],
];

function usage(ctx: prog_ctx, cp?: string): never {
  if (cp !== undefined) ctx.stderr.write(`route: bad keyword: ${cp}\n`);
  ctx.stderr.write("usage: route [-j jail] [-46dnqtv] command [[modifiers] args]\n");
  throw new prog_exit(64);
}

/** Parse a destination: "default", "A", "A/len"; classful mask for -net without one. */
function getaddr(s: string, isnet: boolean): { addr: number; mask: number | null } | null {
  if (s === "default") return { addr: 0, mask: 0 };
  const slash = s.indexOf("/");
  const a = inet_aton(slash >= 0 ? s.slice(0, slash) : s);
  if (a === null) return null;
  if (slash >= 0) {
    const l = s.slice(slash + 1);
    if (!/^[0-9]+$/.test(l) || Number(l) > 32) return null;
    const mask = in_len2mask(Number(l));
    return { addr: (a & mask) >>> 0, mask };
  }
  if (!isnet) return { addr: a, mask: null };
  // inet_makenetandmask: a classful guess, widened to cover set bits.
  let mask: number;
  if (a === 0) mask = 0;
  else if (IN_CLASSA(a)) mask = IN_CLASSA_NET;
  else if (IN_CLASSB(a)) mask = IN_CLASSB_NET;
  else if (IN_CLASSC(a)) mask = IN_CLASSC_NET;
  else mask = 0xffffffff;
  while ((a & ~mask) !== 0) mask = (mask >> 1) | 0x80000000;
  return { addr: a, mask: mask >>> 0 };
}

function bprintf(flags: number): string {
  return "<" + routeflags.filter(([b]) => (flags & b) !== 0).map(([, n]) => n).filter((n, i, a) => a.indexOf(n) === i).join(",") + ">";
}

export async function route_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const kp = ctx.p as proc;
    let argv = ctx.argv.slice(1);
    let nflag = false;
    let qflag = false;
    while (argv.length > 0 && argv[0].startsWith("-") && /^-[46dnqtv]+$/.test(argv[0])) {
      const a = argv.shift() as string;
      if (a.includes("n")) nflag = true;
      if (a.includes("q")) qflag = true;
    }
    void nflag;
    const cmd = argv.shift();
    if (cmd === undefined) usage(ctx);
    let type: number;
    switch (cmd) {
      case "add":
        type = RTM_ADD;
        break;
      case "delete":
      case "del":
        type = RTM_DELETE;
        break;
      case "change":
        type = RTM_CHANGE;
        break;
      case "get":
        type = RTM_GET;
        break;
      case "flush":
        ctx.stderr.write("route: flush is not supported\n");
        return 1;
      case "monitor":
      case "show":
      default:
        usage(ctx, cmd);
    }
    // Modifiers and operands.
    let flags = RTF_STATIC;
    let forcehost = false;
    let forcenet = false;
    let iface = false;
    let fib = 0;
    let dststr: string | null = null;
    let gwstr: string | null = null;
    let maskstr: string | null = null;
    let ifpname: string | null = null;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a.startsWith("-")) {
        switch (a.slice(1)) {
          case "4":
          case "inet":
            continue;
          case "net":
            forcenet = true;
            continue;
          case "host":
            forcehost = true;
            continue;
          case "iface":
          case "interface":
            iface = true;
            continue;
          case "blackhole":
            flags |= RTF_BLACKHOLE;
            continue;
          case "reject":
            flags |= RTF_REJECT;
            continue;
          case "static":
            flags |= RTF_STATIC;
            continue;
          case "nostatic":
            flags &= ~RTF_STATIC;
            continue;
          case "fib": {
            const v = argv[++i];
            if (v === undefined || !/^[0-9]+$/.test(v)) {
              ctx.stderr.write(`route: ${v ?? ""}: invalid fib number\n`);
              throw new prog_exit(1);
            }
            fib = Number(v);
            continue;
          }
          case "netmask":
            maskstr = argv[++i] ?? null;
            continue;
          case "ifp":
            ifpname = argv[++i] ?? null;
            continue;
          case "gateway":
            gwstr = argv[++i] ?? null;
            continue;
          default:
            usage(ctx, a.slice(1));
        }
      }
      if (dststr === null) dststr = a;
      else if (gwstr === null) gwstr = a;
      else if (maskstr === null && forcenet) maskstr = a;
      else usage(ctx, a);
    }
    if (dststr === null) usage(ctx);
    const d = getaddr(dststr, forcenet || (!forcehost && dststr !== "default" && dststr.includes("/")));
    if (d === null) {
      ctx.stderr.write(`route: bad address: ${dststr}\n`);
      throw new prog_exit(1);
    }
    let mask = d.mask;
    if (maskstr !== null) {
      const m = inet_aton(maskstr);
      if (m === null) {
        ctx.stderr.write(`route: bad address: ${maskstr}\n`);
        throw new prog_exit(1);
      }
      mask = m;
    }
    const ishost = forcehost || mask === null || mask === 0xffffffff;
    if (ishost) {
      flags |= RTF_HOST;
      mask = null;
    }
    // The gateway: an address, or with -iface an interface name or address.
    let gw: sockaddr_in | sockaddr_dl | null = null;
    if (gwstr !== null) {
      const ifs = getifaddrs(kp).ifap.filter((x) => x.family === AF_LINK);
      const byname = ifs.find((x) => x.ifa_name === gwstr);
      const ga = inet_aton(gwstr);
      if (ga !== null && byname === undefined) {
        gw = new sockaddr_in(ga);
        if (!iface) flags |= RTF_GATEWAY;
      } else if (byname !== undefined) {
        gw = new sockaddr_dl(byname.sdl_index, byname.sdl_type, byname.ifa_name, byname.sdl_type === IFT_ETHER ? byname.sdl_lladdr : new Uint8Array(0));
      } else {
        ctx.stderr.write(`route: bad address: ${gwstr}\n`);
        throw new prog_exit(1);
      }
    } else if (type === RTM_ADD && (flags & (RTF_BLACKHOLE | RTF_REJECT)) === 0) {
      usage(ctx);
    }
    const s = sys_socket(kp, AF_ROUTE, SOCK_RAW, 0);
    if (s.error !== 0) {
      ctx.stderr.write(`route: socket: ${strerror(s.error)}\n`);
      throw new prog_exit(71);
    }
    try {
      const msg = new rt_msghdr();
      msg.rtm_type = type;
      msg.rtm_flags = type === RTM_GET ? RTF_UP | (ishost ? RTF_HOST : 0) : flags | RTF_UP;
      msg.rtm_seq = 1;
      msg.rtm_sa[RTAX_DST] = new sockaddr_in(d.addr);
      msg.rtm_addrs = RTA_DST;
      if (gw !== null && type !== RTM_GET) {
        msg.rtm_sa[RTAX_GATEWAY] = gw;
        msg.rtm_addrs |= RTA_GATEWAY;
      }
      if (mask !== null) {
        msg.rtm_sa[RTAX_NETMASK] = new sockaddr_in(mask);
        msg.rtm_addrs |= RTA_NETMASK;
      }
      if (type === RTM_GET) {
        msg.rtm_sa[RTAX_IFP] = new sockaddr_dl(0, 0, "", new Uint8Array(0));
        msg.rtm_addrs |= RTA_IFP;
      }
      if (ifpname !== null) {
        const x = getifaddrs(kp).ifap.find((y) => y.family === AF_LINK && y.ifa_name === ifpname);
        if (x !== undefined) {
          msg.rtm_sa[RTAX_IFP] = new sockaddr_dl(x.sdl_index, x.sdl_type, x.ifa_name, new Uint8Array(0));
          msg.rtm_addrs |= RTA_IFP;
        }
      }
      // The routing socket writes to the socket's fib (setsockopt SO_SETFIB).
      if (fib !== 0) {
        const nf = sysctlbyname(kp, "net.fibs").value;
        if (typeof nf === "number" && fib >= nf) {
          ctx.stderr.write(`route: fib number ${fib} is invalid\n`);
          throw new prog_exit(1);
        }
      }
      const { error, reply } = sys_route_fib(kp, s.fd, msg, fib);
      if (type === RTM_GET) {
        if (error !== 0 || reply === null) {
          if (error === ESRCH) ctx.stderr.write("route: route has not been found\n");
          else ctx.stderr.write(`route: writing to routing socket: ${strerror(error)}\n`);
          return 1;
        }
        ctx.stdout.write(print_getmsg(reply, d.addr, fib));
        return 0;
      }
      // newroute's report.
      const what = cmd === "del" ? "delete" : cmd;
      let line = `${what} ${ishost ? "host" : "net"} ${routename(d.addr, mask)}`;
      if (gwstr !== null) {
        line += `: gateway ${gwstr}`;
        const nf = sysctlbyname(kp, "net.fibs").value;
        if (typeof nf === "number" && nf > 1) line += ` fib ${fib}`;
      }
      if (error === 0) {
        if (!qflag) ctx.stdout.write(line + "\n");
        return 0;
      }
      if (error === EPERM) {
        ctx.stderr.write(`route: writing to routing socket: ${strerror(error)}\n`);
        return 1;
      }
      if (error === ESRCH) ctx.stderr.write("route: route has not been found\n");
      else if (error !== EEXIST) ctx.stderr.write(`route: writing to routing socket: ${strerror(error)}\n`);
      let errmsg: string;
      switch (error) {
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
          errmsg = strerror(error);
      }
      ctx.stdout.write(`${line}: ${errmsg}\n`);
      return 1;
    } finally {
      sys_close(kp, s.fd);
    }
  });
}

/** A write on the route socket in a given fib: the socket's fib is set
 *  first (SO_SETFIB), as route(8) does for -fib. */
function sys_route_fib(kp: proc, fd: number, msg: rt_msghdr, fib: number): { error: number; reply: rt_msghdr | null } {
  if (fib !== 0) {
    const e = sys_setsockopt(kp, fd, SOL_SOCKET, SO_SETFIB, fib);
    if (e !== 0) return { error: e, reply: null };
  }
  return sys_route(kp, fd, msg);
}

function routename(addr: number, mask: number | null): string {
  if (mask === 0 && addr === 0) return "default";
  if (mask === null || mask === 0xffffffff) return inet_ntoa(addr);
  return `${inet_ntoa(addr)}/${in_mask2len(mask)}`;
}

/** print_getmsg: the answer to `route get`. */
function print_getmsg(r: rt_msghdr, target: number, fib: number): string {
  let s = `   route to: ${inet_ntoa(target)}\n`;
  const dst = r.rtm_sa[RTAX_DST];
  const mask = r.rtm_sa[RTAX_NETMASK];
  const gw = r.rtm_sa[RTAX_GATEWAY];
  const ifp = r.rtm_sa[RTAX_IFP];
  const dsta = dst !== null && "sin_addr" in dst ? dst.sin_addr : 0;
  s += `destination: ${dsta === 0 && (mask === null || ("sin_addr" in mask && mask.sin_addr === 0)) && (r.rtm_flags & RTF_HOST) === 0 ? "default" : inet_ntoa(dsta)}\n`;
  if (mask !== null && "sin_addr" in mask && (r.rtm_flags & RTF_HOST) === 0) s += `       mask: ${mask.sin_addr === 0 ? "default" : inet_ntoa(mask.sin_addr)}\n`;
  if (gw !== null && (r.rtm_flags & RTF_GATEWAY) !== 0 && "sin_addr" in gw) s += `    gateway: ${inet_ntoa(gw.sin_addr)}\n`;
  s += `        fib: ${fib}\n`;
  if (ifp !== null && "sdl_data" in ifp && ifp.sdl_data !== "") s += `  interface: ${ifp.sdl_data}\n`;
  s += `      flags: ${bprintf(r.rtm_flags)}\n`;
  s += " recvpipe  sendpipe  ssthresh  rtt,msec    mtu        weight    expire\n";
  const rmx = r.rtm_rmx;
  const vals = [rmx.rmx_recvpipe, rmx.rmx_sendpipe, rmx.rmx_ssthresh, rmx.rmx_rtt, rmx.rmx_mtu, rmx.rmx_weight, rmx.rmx_expire];
  // "%8lu%c " for each, the lock flag being ' '; the last ends the line.
  s += vals.map((v, i) => `${String(v ?? 0).padStart(8)} ${i === vals.length - 1 ? "\n" : " "}`).join("");
  return s;
}
