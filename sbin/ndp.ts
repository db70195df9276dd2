// usr.sbin/ndp/ndp.c: ndp(8), the IPv6 neighbor cache and ND settings.
// Shows the cache (-a, -n, -t, -A, ndp HOST) from sysctl NET_RT_FLAGS
// with FreeBSD's table, deletes entries (-d, -c) and adds them (-s, -f)
// through the routing socket (RTM_GET for the interface, then RTM_DELETE
// or RTM_ADD with RTF_LLDATA), and reads and sets the interface's ND
// parameters (-i), the default router list (-r), the prefix list (-p),
// their flushes (-H, -P, -R) and the default interface (-I) through
// ioctls and sysctls.  The rtsock build of ndp.c, as arp.ts is.

import fs from "node:fs";
import path from "node:path";
import { ENOENT, ESRCH, strerror } from "../kern/errno.ts";
import { CLOCK_REALTIME, sys_clock_gettime, sys_nanosleep } from "../kern/kern_time.ts";
import { AF_INET6, PF_ROUTE, SOCK_DGRAM, SOCK_RAW } from "../kern/socket.ts";
import { CTL_NET } from "../kern/sysctl.ts";
import { sys_close, sys_ioctl, sys_route, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { IFT_BRIDGE, IFT_ETHER, IFT_L2VLAN, sockaddr_dl } from "../net/if_dl.ts";
import { RTAX_DST, RTAX_GATEWAY, RTA_DST, RTA_GATEWAY, RTF_ANNOUNCE, RTF_GATEWAY, RTF_HOST, RTF_LLDATA, RTF_LLINFO, RTF_PINNED, RTF_STATIC, RTM_ADD, RTM_DELETE, RTM_GET, RTV_EXPIRE } from "../net/route.ts";
import { NET_RT_FLAGS, RTL_DST, RTL_FLAGS, rt_msg_sa_decode, rt_msghdr } from "../net/rtsock.ts";
import { IPPROTO_ICMPV6, ND_RA_FLAG_MANAGED, ND_RA_FLAG_OTHER, ND_RA_FLAG_RTPREF_MASK } from "../netinet/icmp6.ts";

import { IN6_ARE_ADDR_EQUAL, IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_MC_LINKLOCAL, IN6_IS_ADDR_MULTICAST, ND6_INFINITE_LIFETIME, in6_addr, sockaddr_in6, SIOCGDEFIFACE_IN6, SIOCGIFINFO_IN6, SIOCGNBRINFO_IN6, SIOCSDEFIFACE_IN6, SIOCSIFINFO_IN6, SIOCSNDFLUSH_IN6, SIOCSPFXFLUSH_IN6, SIOCSRTRFLUSH_IN6 } from "../netinet6/in6_var.ts";
import { ICMPV6CTL_ND6_DRLIST, ICMPV6CTL_ND6_PRLIST, ND6_IFF_ACCEPT_RTADV, ND6_IFF_AUTO_LINKLOCAL, ND6_IFF_IFDISABLED, ND6_IFF_NO_PREFER_IFACE, ND6_IFF_PERFORMNUD, ND6_LLINFO_DELAY, ND6_LLINFO_INCOMPLETE, ND6_LLINFO_NOSTATE, ND6_LLINFO_PROBE, ND6_LLINFO_REACHABLE, ND6_LLINFO_STALE, PRL_ADVRTRS, PRL_AUTO, PRL_EXPIRE, PRL_FLAGS, PRL_IFINDEX, PRL_LEN, PRL_ONLINK, PRL_PLTIME, PRL_PREFIXLEN, PRL_REFCNT, PRL_SCOPEID, PRL_VLTIME, in6_nbrinfo, in6_ndifreq, in6_ndireq } from "../netinet6/nd6.ts";
import { DRL_EXPIRE, DRL_FLAGS, DRL_IFINDEX, DRL_LEN, DRL_SCOPEID, NDPRF_DETACHED, NDPRF_ONLINK } from "../netinet6/nd6_rtr.ts";
import { if_nametoindex } from "./libc_getifaddrs.ts";
import { sysctl } from "./libc_sysctl.ts";
import { NI_NUMERICHOST, atoi, gai_strerror, getaddrinfo, getnameinfo, if_indextoname, getopt, prog_exit, prog_run, strtoul, type prog_ctx } from "./libc.ts";
import { ether_ntoa } from "./netdb.ts";

const W_ADDR = 36;
const W_LL = 17;
const W_IF = 6;

const rtpref_str = ["medium", "high", "rsv", "low"];

/** What ndp.c keeps in globals. */
interface ndp_state {
  ctx: prog_ctx;
  kp: proc;
  nflag: boolean;
  tflag: boolean;
  repeat: number;
  /** The routing socket (getsocket), -1 until opened. */
  s: number;
  seq: number;
  found_entry: boolean;
  flags: number;
  expire_time: number;
}

class ndp_exit extends prog_exit {}

function usage(st: ndp_state): never {
  // ndp.c prints its usage on stdout.
  st.ctx.stdout.write(
    "usage: ndp [-nt] hostname\n" +
      "       ndp [-nt] -a | -c | -p | -r | -H | -P | -R\n" +
      "       ndp [-nt] -A wait\n" +
      "       ndp [-nt] -d hostname\n" +
      "       ndp [-nt] -f filename\n" +
      "       ndp [-nt] -i interface [flags...]\n" +
      "       ndp [-nt] -I [interface|delete]\n" +
      "       ndp [-nt] -s nodename etheraddr [temp] [proxy]\n",
  );
  throw new ndp_exit(1);
}

function errx(st: ndp_state, status: number, msg: string): never {
  st.ctx.stderr.write(`ndp: ${msg}\n`);
  throw new ndp_exit(status);
}

function err(st: ndp_state, status: number, msg: string, errno: number): never {
  errx(st, status, `${msg}: ${strerror(errno)}`);
}

export async function ndp_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const st: ndp_state = { ctx, kp: ctx.p as proc, nflag: false, tflag: false, repeat: 0, s: -1, seq: 0, found_entry: false, flags: 0, expire_time: 0 };
    let mode = "";
    let arg: string | null = null;
    const { opts, optind } = getopt(ctx, "acd:f:Ii:nprstA:HPR", () => usage(st));
    for (const [ch, optarg] of opts) {
      switch (ch) {
        case "a":
        case "c":
        case "p":
        case "r":
        case "H":
        case "P":
        case "R":
        case "s":
        case "I":
          if (mode !== "") usage(st);
          mode = ch;
          arg = null;
          break;
        case "f":
          throw new ndp_exit(file(st, optarg) ? 1 : 0);
        case "d":
        case "i":
          if (mode !== "") usage(st);
          mode = ch;
          arg = optarg;
          break;
        case "n":
          st.nflag = true;
          break;
        case "t":
          st.tflag = true;
          break;
        case "A": {
          if (mode !== "") usage(st);
          mode = "a";
          st.repeat = atoi(optarg);
          if (st.repeat < 0) usage(st);
          break;
        }
      }
    }
    const argv = ctx.argv.slice(optind);
    try {
      switch (mode) {
        case "a":
        case "c":
          if (argv.length !== 0) usage(st);
          await dump(st, null, mode === "c");
          break;
        case "d":
          if (argv.length !== 0) usage(st);
          del(st, arg as string);
          break;
        case "I":
          if (argv.length > 1) usage(st);
          else if (argv.length === 1) {
            if (argv[0] === "delete" || if_nametoindex(st.kp, argv[0]) !== 0) setdefif(st, argv[0]);
            else errx(st, 1, `invalid interface ${argv[0]}`);
          }
          // Always: print the result.
          getdefif(st);
          break;
        case "p":
          if (argv.length !== 0) usage(st);
          plist(st);
          break;
        case "i":
          ifinfo(st, arg as string, argv);
          break;
        case "r":
          if (argv.length !== 0) usage(st);
          rtrlist(st);
          break;
        case "s":
          if (argv.length < 2 || argv.length > 4) usage(st);
          return set(st, argv) ? 1 : 0;
        case "H":
          if (argv.length !== 0) usage(st);
          flush_ioctl(st, SIOCSNDFLUSH_IN6, "ioctl(SIOCSNDFLUSH_IN6)");
          break;
        case "P":
          if (argv.length !== 0) usage(st);
          flush_ioctl(st, SIOCSPFXFLUSH_IN6, "ioctl(SIOCSPFXFLUSH_IN6)");
          break;
        case "R":
          if (argv.length !== 0) usage(st);
          flush_ioctl(st, SIOCSRTRFLUSH_IN6, "ioctl(SIOCSRTRFLUSH_IN6)");
          break;
        default:
          if (argv.length !== 1) usage(st);
          await get(st, argv[0]);
          break;
      }
    } finally {
      if (st.s >= 0) sys_close(st.kp, st.s);
    }
    return 0;
  });
}

/** file: ndp -f, "host etheraddr [temp] [proxy]" a line, # comments. */
function file(st: ndp_state, name: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(st.ctx.env.get("PWD") ?? process.cwd(), name), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    errx(st, 1, `cannot open ${name}: ${code === "ENOENT" ? "No such file or directory" : code === "EACCES" ? "Permission denied" : String(code)}`);
  }
  let retval = false;
  for (const raw of text.split(/(?<=\n)/)) {
    const hash = raw.indexOf("#");
    const line = hash >= 0 ? raw.slice(0, hash) : raw;
    if (line.trim() === "") continue;
    const args = line.trim().split(/\s+/).slice(0, 5);
    if (args.length < 2) {
      st.ctx.stderr.write(`ndp: bad line: ${line}${line.endsWith("\n") ? "" : "\n"}`);
      retval = true;
      continue;
    }
    if (set(st, args)) retval = true;
  }
  return retval;
}

function getsocket(st: ndp_state): void {
  if (st.s < 0) {
    const r = sys_socket(st.kp, PF_ROUTE, SOCK_RAW, 0);
    if (r.error !== 0) err(st, 1, "socket", r.error);
    st.s = r.fd;
  }
}

/** The host's address and zone (getaddrinfo with AF_INET6), or null after the message. */
function resolve6(st: ndp_state, host: string): sockaddr_in6 | null {
  const r = getaddrinfo(st.kp, host, null, { ai_family: AF_INET6 });
  if (r.error !== 0 || r.res.length === 0 || !("sin6_addr" in r.res[0].ai_addr)) {
    st.ctx.stderr.write(`ndp: ${host}: ${gai_strerror(r.error)}\n`);
    return null;
  }
  const a = r.res[0].ai_addr as sockaddr_in6;
  return new sockaddr_in6(a.sin6_addr, 0, a.sin6_scope_id);
}

/** getnameinfo for an address of ours to print (numeric with -n, or always). */
function host_of(st: ndp_state, sin: sockaddr_in6, numeric: boolean): string {
  const r = getnameinfo(st.kp, sin, numeric ? NI_NUMERICHOST : 0);
  return r.error === 0 ? r.host : "?";
}

/** ndp_ether_aton: six hex bytes separated by colons. */
function ndp_ether_aton(st: ndp_state, a: string): Uint8Array | null {
  const parts = a.split(":");
  const o: number[] = [];
  for (const p of parts.slice(0, 6)) {
    const m = /^[0-9a-fA-F]+/.exec(p);
    if (m === null) break;
    o.push(parseInt(m[0], 16) & 0xff);
  }
  if (o.length !== 6) {
    st.ctx.stderr.write(`ndp: invalid Ethernet address '${a}'\n`);
    return null;
  }
  return Uint8Array.from(o);
}

/** rtmsg: one request on the routing socket (RTM_GET answers in place). */
function rtmsg(st: ndp_state, cmd: number, sin_m: sockaddr_in6, sdl_m: sockaddr_dl | null, prev: rt_msghdr | null): { error: number; reply: rt_msghdr | null } {
  let rtm: rt_msghdr;
  if (cmd === RTM_DELETE && prev !== null) {
    // The RTM_GET answer goes back with the destination put right.
    rtm = prev;
  } else {
    rtm = new rt_msghdr();
    rtm.rtm_flags = st.flags;
    switch (cmd) {
      case RTM_ADD:
        rtm.rtm_addrs |= RTA_GATEWAY;
        if (st.expire_time !== 0) {
          rtm.rtm_rmx.rmx_expire = st.expire_time;
          rtm.rtm_inits = RTV_EXPIRE;
        }
        rtm.rtm_flags |= RTF_HOST | RTF_STATIC | RTF_LLDATA;
        rtm.rtm_addrs |= RTA_DST;
        rtm.rtm_sa[RTAX_GATEWAY] = sdl_m;
        break;
      case RTM_GET:
        rtm.rtm_addrs |= RTA_DST;
        break;
    }
  }
  rtm.rtm_sa[RTAX_DST] = sin_m;
  rtm.rtm_seq = ++st.seq;
  rtm.rtm_type = cmd;
  const r = sys_route(st.kp, st.s, rtm);
  if (r.error !== 0 && (r.error !== ESRCH || cmd !== RTM_DELETE)) err(st, 1, "writing to routing socket", r.error);
  return r;
}

function valid_type(t: number): boolean {
  switch (t) {
    case IFT_ETHER:
    case 0xf /* IFT_FDDI */:
    case 0x7 /* IFT_ISO88023 */:
    case 0x8 /* IFT_ISO88024 */:
    case 0x9 /* IFT_ISO88025 */:
    case IFT_L2VLAN:
    case IFT_BRIDGE:
      return true;
  }
  return false;
}

/** set: ndp -s host etheraddr [temp] [proxy]; true on failure. */
function set(st: ndp_state, argv: string[]): boolean {
  getsocket(st);
  const host = argv[0];
  const eaddr = argv[1];
  const sin_m = resolve6(st, host);
  if (sin_m === null) return true;
  const ea = ndp_ether_aton(st, eaddr) ?? new Uint8Array(0);
  const sdl_m = new sockaddr_dl(0, 0, "", ea);
  st.flags = 0;
  st.expire_time = 0;
  for (const a of argv.slice(2)) {
    if (a.startsWith("temp")) st.expire_time = sys_clock_gettime(st.kp, CLOCK_REALTIME).tv_sec + 20 * 60;
    else if (a.startsWith("proxy")) st.flags |= RTF_ANNOUNCE;
  }
  const r = rtmsg(st, RTM_GET, sin_m, null, null);
  if (r.error !== 0 || r.reply === null) errx(st, 1, `RTM_GET(${host}) failed`);
  const rtm = r.reply;
  const sin = rtm.rtm_sa[RTAX_DST];
  const sdl = rtm.rtm_sa[RTAX_GATEWAY];
  if (sin !== null && "sin6_addr" in sin && IN6_ARE_ADDR_EQUAL(sin.sin6_addr, sin_m.sin6_addr)) {
    if (!(sdl instanceof sockaddr_dl && (rtm.rtm_flags & RTF_GATEWAY) === 0 && valid_type(sdl.sdl_type))) {
      st.ctx.stderr.write("set: cannot configure a new entry\n");
      return true;
    }
  }
  if (!(sdl instanceof sockaddr_dl)) {
    st.ctx.stdout.write(`cannot intuit interface index and type for ${host}\n`);
    return true;
  }
  sdl_m.sdl_type = sdl.sdl_type;
  sdl_m.sdl_index = sdl.sdl_index;
  rtmsg(st, RTM_ADD, sin_m, sdl_m, null);
  return false;
}

/** get: ndp host: its entry, with the header. */
async function get(st: ndp_state, host: string): Promise<void> {
  const sin = resolve6(st, host);
  if (sin === null) return;
  await dump(st, sin, false);
  if (!st.found_entry) {
    const host_buf = host_of(st, sin, st.nflag);
    st.ctx.stdout.write(`${host} (${host_buf}) -- no entry\n`);
    throw new ndp_exit(1);
  }
}

/** del: ndp -d host; 1 on failure. */
function del(st: ndp_state, host: string): number {
  getsocket(st);
  const sin_m = resolve6(st, host);
  if (sin_m === null) return 1;
  const r = rtmsg(st, RTM_GET, sin_m, null, null);
  if (r.error !== 0 || r.reply === null) errx(st, 1, `RTM_GET(${host}) failed`);
  const rtm = r.reply;
  const sin = rtm.rtm_sa[RTAX_DST];
  const sdl = rtm.rtm_sa[RTAX_GATEWAY];
  if (sin !== null && "sin6_addr" in sin && IN6_ARE_ADDR_EQUAL(sin.sin6_addr, sin_m.sin6_addr)) {
    if (!(sdl instanceof sockaddr_dl && (rtm.rtm_flags & RTF_GATEWAY) === 0)) {
      st.ctx.stderr.write("delete: cannot delete non-NDP entry\n");
      return 1;
    }
  }
  if (!(sdl instanceof sockaddr_dl)) {
    st.ctx.stdout.write(`cannot locate ${host}\n`);
    return 1;
  }
  rtm.rtm_flags |= RTF_LLDATA;
  rtm.rtm_addrs |= RTA_DST;
  const d = rtmsg(st, RTM_DELETE, sin_m, null, rtm);
  if (d.error === 0) st.ctx.stdout.write(`${host} (${host_of(st, sin_m, st.nflag)}) deleted\n`);
  return 0;
}

/** One entry of the dump. */
interface nd_entry {
  flags: number;
  index: number;
  iftype: number;
  expire: number;
  state: number;
  pksent: number;
  sin: sockaddr_in6;
  lladdr: Uint8Array;
}

/**
 * The neighbor cache through sysctl {CTL_NET, PF_ROUTE, 0, AF_INET6,
 * NET_RT_FLAGS, RTF_LLINFO}: one RTM_GET message per entry (see
 * net/rtsock.ts: the flags, the address, the interface, rmx_expire, the
 * link-level address).  The ND state and the probes sent (rmx_state,
 * rmx_pksent in FreeBSD's message) come from SIOCGNBRINFO_IN6, as older
 * ndp(8)s read them.
 */
function nd_dump(st: ndp_state): nd_entry[] {
  const r = sysctl(st.kp, [CTL_NET, PF_ROUTE, 0, AF_INET6, NET_RT_FLAGS, RTF_LLINFO]);
  if (r.error !== 0) err(st, 1, "sysctl(PF_ROUTE, NET_RT_FLAGS)", r.error);
  const out: nd_entry[] = [];
  if (!Array.isArray(r.value)) return out;
  const w = r.value as readonly number[];
  for (let o = 0; o < w.length && w[o] > 0; o += w[o]) {
    const d = rt_msg_sa_decode(w, o + RTL_DST);
    if (!("sin6_addr" in d.sa)) continue;
    let k = d.next;
    const index = w[k++];
    const iftype = w[k++];
    const expire = w[k++];
    const alen = w[k++];
    const lladdr = alen < 0 ? new Uint8Array(0) : Uint8Array.from(w.slice(k, k + alen));
    const sin = d.sa;
    const nbi = getnbrinfo(st, sin.sin6_addr, index, false);
    out.push({
      flags: w[o + RTL_FLAGS],
      index,
      iftype,
      expire,
      state: nbi !== null ? nbi.state : ND6_LLINFO_NOSTATE,
      pksent: nbi !== null ? nbi.asked : 0,
      sin: new sockaddr_in6(sin.sin6_addr, 0, sin.sin6_scope_id),
      lladdr,
    });
  }
  return out;
}

/** ether_str: the link-level address as ndp prints it. */
function ether_str(lladdr: Uint8Array): string {
  if (lladdr.length === 6) return ether_ntoa(lladdr);
  if (lladdr.length > 0) return Array.from(lladdr, (b) => b.toString(16)).join(":");
  return "(incomplete)";
}

function ljust(s: string, w: number): string {
  return s.length >= w ? s : s + " ".repeat(w - s.length);
}
function rjust(s: string, w: number): string {
  return s.length >= w ? s : " ".repeat(w - s.length) + s;
}

/** dump: the whole cache (addr null) or one entry, -c deleting instead of printing. */
async function dump(st: ndp_state, addr: sockaddr_in6 | null, cflag: boolean): Promise<void> {
  const out = st.ctx.stdout;
  if (!st.tflag && !cflag) out.write(`${ljust("Neighbor", W_ADDR)} ${ljust("Linklayer Address", W_LL)} ${rjust("Netif", W_IF)} ${ljust("Expire", 9)} ${"S"} ${rjust("Flags", 5)}\n`);
  for (;;) {
    for (const e of nd_dump(st)) {
      if ((e.flags & RTF_HOST) === 0) continue;
      const sin = e.sin;
      if (addr !== null) {
        if (!IN6_ARE_ADDR_EQUAL(addr.sin6_addr, sin.sin6_addr) || addr.sin6_scope_id !== sin.sin6_scope_id) continue;
        st.found_entry = true;
      } else if (IN6_IS_ADDR_MULTICAST(sin.sin6_addr)) continue;
      if (IN6_IS_ADDR_LINKLOCAL(sin.sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(sin.sin6_addr)) {
        if (sin.sin6_scope_id === 0) sin.sin6_scope_id = e.index;
      }
      const host_buf = host_of(st, sin, st.nflag);
      if (cflag) {
        // Our own addresses' entries stay.
        if ((e.flags & RTF_PINNED) !== 0) continue;
        del(st, host_buf);
        continue;
      }
      const now = sys_clock_gettime(st.kp, CLOCK_REALTIME);
      let line = "";
      if (st.tflag) line += ts_print(now.tv_sec, Math.floor(now.tv_nsec / 1000));
      const addrwidth = Math.max(host_buf.length, W_ADDR);
      const ll = ether_str(e.lladdr);
      let llwidth = ll.length;
      if (W_ADDR + W_LL - addrwidth > llwidth) llwidth = W_ADDR + W_LL - addrwidth;
      const ifname = if_indextoname(st.kp, e.index) ?? "?";
      let ifwidth = ifname.length;
      if (W_ADDR + W_LL + W_IF - addrwidth - llwidth > ifwidth) ifwidth = W_ADDR + W_LL + W_IF - addrwidth - llwidth;
      line += `${ljust(host_buf, addrwidth)} ${ljust(ll, llwidth)} ${rjust(ifname, ifwidth)}`;
      // The ND state and its expiry.
      const expire = e.expire;
      if (expire > now.tv_sec) line += ` ${ljust(sec2str(expire - now.tv_sec), 9).slice(0, 9)}`;
      else if (expire === 0) line += ` ${ljust("permanent", 9)}`;
      else line += ` ${ljust("expired", 9)}`;
      switch (e.state) {
        case ND6_LLINFO_NOSTATE:
          line += " N";
          break;
        case ND6_LLINFO_INCOMPLETE:
          line += " I";
          break;
        case ND6_LLINFO_REACHABLE:
          line += " R";
          break;
        case ND6_LLINFO_STALE:
          line += " S";
          break;
        case ND6_LLINFO_DELAY:
          line += " D";
          break;
        case ND6_LLINFO_PROBE:
          line += " P";
          break;
        default:
          line += " ?";
          break;
      }
      // R: router, p: proxy.
      const isrouter = (e.flags & RTF_GATEWAY) !== 0;
      line += ` ${isrouter ? "R" : ""}${(e.flags & RTF_ANNOUNCE) !== 0 ? "p" : ""}`;
      if (e.pksent !== 0) line += ` ${e.pksent}`;
      out.write(line + "\n");
    }
    if (st.repeat === 0) break;
    out.write("\n");
    await sys_nanosleep(st.kp, st.repeat * 1e9);
  }
}

/** getnbrinfo: SIOCGNBRINFO_IN6 for addr on interface ifindex, or null. */
function getnbrinfo(st: ndp_state, addr: in6_addr, ifindex: number, warning: boolean): in6_nbrinfo | null {
  const r = sys_socket(st.kp, AF_INET6, SOCK_DGRAM, 0);
  if (r.error !== 0) err(st, 1, "socket", r.error);
  const nbi = new in6_nbrinfo();
  nbi.ifname = if_indextoname(st.kp, ifindex) ?? "";
  nbi.addr.s6_addr.set(addr.s6_addr);
  const error = sys_ioctl(st.kp, r.fd, SIOCGNBRINFO_IN6, nbi);
  sys_close(st.kp, r.fd);
  if (error !== 0) {
    if (warning) st.ctx.stderr.write(`ndp: ioctl(SIOCGNBRINFO_IN6): ${strerror(error)}\n`);
    return null;
  }
  return nbi;
}

/** ifinfo: ndp -i IF [flags...]: set each, then show the parameters. */
function ifinfo(st: ndp_state, ifname: string, argv: string[]): void {
  const r = sys_socket(st.kp, AF_INET6, SOCK_DGRAM, 0);
  if (r.error !== 0) err(st, 1, "socket", r.error);
  const sock = r.fd;
  try {
    const nd = new in6_ndireq();
    nd.ifname = ifname;
    let error = sys_ioctl(st.kp, sock, SIOCGIFINFO_IN6, nd);
    if (error !== 0) err(st, 1, "ioctl(SIOCGIFINFO_IN6)", error);
    const ND = nd.ndi;
    let newflags = ND.flags;
    for (const a of argv) {
      let clear = false;
      let cp = a;
      if (cp.startsWith("-")) {
        clear = true;
        cp = cp.slice(1);
      }
      const setflag = (s: string, f: number) => {
        if (cp === s) newflags = clear ? newflags & ~f : newflags | f;
      };
      // "nud" also matches "nudbogus", as in ndp.c.
      const setvalue = (f: string): number => {
        if (!cp.startsWith(f)) return 0;
        const eq = cp.indexOf("=");
        if (eq < 0) err(st, 1, `syntax error in ${f} field`, 0);
        const v = strtoul(cp.slice(eq + 1), 0);
        return v.v;
      };
      setflag("disabled", ND6_IFF_IFDISABLED);
      setflag("nud", ND6_IFF_PERFORMNUD);
      setflag("accept_rtadv", ND6_IFF_ACCEPT_RTADV);
      setflag("auto_linklocal", ND6_IFF_AUTO_LINKLOCAL);
      setflag("no_prefer_iface", ND6_IFF_NO_PREFER_IFACE);
      ND.basereachable = setvalue("basereachable");
      ND.retrans = setvalue("retrans");
      ND.chlim = setvalue("curhlim");
      ND.flags = newflags;
      error = sys_ioctl(st.kp, sock, SIOCSIFINFO_IN6, nd);
      if (error !== 0) err(st, 1, "ioctl(SIOCSIFINFO_IN6)", error);
    }
    if (ND.initialized === 0) errx(st, 1, `${ifname}: not initialized yet`);
    error = sys_ioctl(st.kp, sock, SIOCGIFINFO_IN6, nd);
    if (error !== 0) err(st, 1, "ioctl(SIOCGIFINFO_IN6)", error);
    const n = nd.ndi;
    let s = `linkmtu=${n.linkmtu}`;
    s += `, maxmtu=${n.maxmtu}`;
    s += `, curhlim=${n.chlim}`;
    s += `, basereachable=${Math.floor(n.basereachable / 1000)}s${n.basereachable % 1000}ms`;
    s += `, reachable=${n.reachable}s`;
    s += `, retrans=${Math.floor(n.retrans / 1000)}s${n.retrans % 1000}ms`;
    if (n.flags !== 0) {
      s += "\nFlags: ";
      if ((n.flags & ND6_IFF_IFDISABLED) !== 0) s += "disabled ";
      if ((n.flags & ND6_IFF_PERFORMNUD) !== 0) s += "nud ";
      if ((n.flags & ND6_IFF_ACCEPT_RTADV) !== 0) s += "accept_rtadv ";
      if ((n.flags & ND6_IFF_AUTO_LINKLOCAL) !== 0) s += "auto_linklocal ";
      if ((n.flags & ND6_IFF_NO_PREFER_IFACE) !== 0) s += "no_prefer_iface ";
    }
    st.ctx.stdout.write(s + "\n");
  } finally {
    sys_close(st.kp, sock);
  }
}

/** rtrlist: ndp -r, the default router list. */
function rtrlist(st: ndp_state): void {
  const r = sysctl(st.kp, [CTL_NET, AF_INET6, IPPROTO_ICMPV6, ICMPV6CTL_ND6_DRLIST]);
  if (r.error !== 0) err(st, 1, "sysctl(ICMPV6CTL_ND6_DRLIST)", r.error);
  if (!Array.isArray(r.value)) return;
  const w = r.value as readonly number[];
  let out = "";
  for (let o = 0; o + DRL_LEN <= w.length; o += DRL_LEN) {
    const a = new in6_addr();
    for (let i = 0; i < 16; i++) a.s6_addr[i] = w[o + i];
    const sin = new sockaddr_in6(a, 0, w[o + DRL_SCOPEID]);
    const host_buf = host_of(st, sin, st.nflag);
    const flags = w[o + DRL_FLAGS];
    out += `${host_buf} if=${if_indextoname(st.kp, w[o + DRL_IFINDEX]) ?? ""}`;
    out += `, flags=${(flags & ND_RA_FLAG_MANAGED) !== 0 ? "M" : ""}${(flags & ND_RA_FLAG_OTHER) !== 0 ? "O" : ""}`;
    const rtpref = ((flags & ND_RA_FLAG_RTPREF_MASK) >> 3) & 0xff;
    out += `, pref=${rtpref_str[rtpref]}`;
    const now = sys_clock_gettime(st.kp, CLOCK_REALTIME).tv_sec;
    const expire = w[o + DRL_EXPIRE];
    if (expire === 0) out += ", expire=Never\n";
    else out += `, expire=${sec2str(expire - now)}\n`;
  }
  st.ctx.stdout.write(out);
}

/** plist: ndp -p, the prefix list with each prefix's advertising routers. */
function plist(st: ndp_state): void {
  const r = sysctl(st.kp, [CTL_NET, AF_INET6, IPPROTO_ICMPV6, ICMPV6CTL_ND6_PRLIST]);
  if (r.error !== 0) err(st, 1, "sysctl(ICMPV6CTL_ND6_PRLIST)", r.error);
  if (!Array.isArray(r.value)) return;
  const w = r.value as readonly number[];
  for (let o = 0; o + PRL_LEN <= w.length; ) {
    const a = new in6_addr();
    for (let i = 0; i < 16; i++) a.s6_addr[i] = w[o + i];
    const prefix = new sockaddr_in6(a, 0, w[o + PRL_SCOPEID]);
    const advrtrs = w[o + PRL_ADVRTRS];
    const ifindex = w[o + PRL_IFINDEX];
    let out = `${host_of(st, prefix, true)}/${w[o + PRL_PREFIXLEN]} if=${if_indextoname(st.kp, ifindex) ?? ""}\n`;
    const now = sys_clock_gettime(st.kp, CLOCK_REALTIME).tv_sec;
    const flags = w[o + PRL_FLAGS];
    // The flags mean different things by origin; these are an RA's.
    out += `flags=${w[o + PRL_ONLINK] !== 0 ? "L" : ""}${w[o + PRL_AUTO] !== 0 ? "A" : ""}${(flags & NDPRF_ONLINK) !== 0 ? "O" : ""}${(flags & NDPRF_DETACHED) !== 0 ? "D" : ""}`;
    const vltime = w[o + PRL_VLTIME] >>> 0;
    const pltime = w[o + PRL_PLTIME] >>> 0;
    out += vltime === ND6_INFINITE_LIFETIME ? " vltime=infinity" : ` vltime=${vltime}`;
    out += pltime === ND6_INFINITE_LIFETIME ? ", pltime=infinity" : `, pltime=${pltime}`;
    const expire = w[o + PRL_EXPIRE];
    if (expire === 0) out += ", expire=Never";
    else if (expire >= now) out += `, expire=${sec2str(expire - now)}`;
    else out += ", expired";
    out += `, ref=${w[o + PRL_REFCNT]}`;
    out += "\n";
    o += PRL_LEN;
    // The advertising routers mean something for a prefix from an RA only.
    if (advrtrs > 0) {
      out += "  advertised by\n";
      for (let j = 0; j < advrtrs; j++, o += 17) {
        const ra = new in6_addr();
        for (let i = 0; i < 16; i++) ra.s6_addr[i] = w[o + i];
        const sin6 = new sockaddr_in6(ra, 0, w[o + 16]);
        out += `    ${host_of(st, sin6, st.nflag)}`;
        const nbi = getnbrinfo(st, sin6.sin6_addr, ifindex, false);
        if (nbi !== null) {
          switch (nbi.state) {
            case ND6_LLINFO_REACHABLE:
            case ND6_LLINFO_STALE:
            case ND6_LLINFO_DELAY:
            case ND6_LLINFO_PROBE:
              out += " (reachable)\n";
              break;
            default:
              out += " (unreachable)\n";
          }
        } else out += " (no neighbor state)\n";
      }
    } else out += "  No advertising router\n";
    st.ctx.stdout.write(out);
  }
}

/** -H, -P, -R: an ioctl on a dummy interface name. */
function flush_ioctl(st: ndp_state, cmd: number, what: string): void {
  const r = sys_socket(st.kp, AF_INET6, SOCK_DGRAM, 0);
  if (r.error !== 0) err(st, 1, "socket", r.error);
  const error = sys_ioctl(st.kp, r.fd, cmd, { ifr_name: "lo0" });
  sys_close(st.kp, r.fd);
  if (error !== 0) err(st, 1, what, error);
}

function setdefif(st: ndp_state, ifname: string): void {
  let ifindex = 0;
  if (ifname.toLowerCase() !== "delete") {
    ifindex = if_nametoindex(st.kp, ifname);
    if (ifindex === 0) err(st, 1, `failed to resolve i/f index for ${ifname}`, ENOENT);
  }
  const r = sys_socket(st.kp, AF_INET6, SOCK_DGRAM, 0);
  if (r.error !== 0) err(st, 1, "socket", r.error);
  const ndifreq = new in6_ndifreq();
  ndifreq.ifname = "lo0";
  ndifreq.ifindex = ifindex;
  const error = sys_ioctl(st.kp, r.fd, SIOCSDEFIFACE_IN6, ndifreq);
  sys_close(st.kp, r.fd);
  if (error !== 0) err(st, 1, "ioctl(SIOCSDEFIFACE_IN6)", error);
}

function getdefif(st: ndp_state): void {
  const r = sys_socket(st.kp, AF_INET6, SOCK_DGRAM, 0);
  if (r.error !== 0) err(st, 1, "socket", r.error);
  const ndifreq = new in6_ndifreq();
  ndifreq.ifname = "lo0";
  const error = sys_ioctl(st.kp, r.fd, SIOCGDEFIFACE_IN6, ndifreq);
  sys_close(st.kp, r.fd);
  if (error !== 0) err(st, 1, "ioctl(SIOCGDEFIFACE_IN6)", error);
  if (ndifreq.ifindex === 0) st.ctx.stdout.write("No default interface.\n");
  else {
    const ifname = if_indextoname(st.kp, ndifreq.ifindex);
    if (ifname === null) err(st, 1, `failed to resolve ifname for index ${ndifreq.ifindex}`, ENOENT);
    st.ctx.stdout.write(`ND default interface = ${ifname}\n`);
  }
}

/** sec2str: 1d2h3m4s, leading zero units left out. */
export function sec2str(total: number): string {
  const days = Math.trunc(total / 3600 / 24);
  const hours = Math.trunc(total / 3600) % 24;
  const mins = Math.trunc(total / 60) % 60;
  const secs = total % 60;
  let first = true;
  let s = "";
  if (days !== 0) {
    first = false;
    s += `${days}d`;
  }
  if (!first || hours !== 0) {
    first = false;
    s += `${hours}h`;
  }
  if (!first || mins !== 0) {
    first = false;
    s += `${mins}m`;
  }
  s += `${secs}s`;
  return s;
}

/** ts_print: "HH:MM:SS.uuuuuu " of the local time (the simulator's zone is UTC). */
function ts_print(sec: number, usec: number): string {
  const thiszone = 0;
  const t = (sec + thiszone) % 86400;
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${p2(Math.floor(t / 3600))}:${p2(Math.floor((t % 3600) / 60))}:${p2(t % 60)}.${String(usec).padStart(6, "0")} `;
}

