// sbin/ping/ping6.c: ping(8)'s IPv6 side, reached as `ping -6`, `ping` with
// an IPv6 target, or the `ping6` name (main.c in sbin/ping.ts chooses).
// One raw ICMPv6 socket sends echo requests (connected to the target, with
// the options the flags ask for), another receives what its ICMP6_FILTER
// lets through (echo replies, or everything with -v); each reply is printed
// with the hop limit it arrived with (IPV6_RECVHOPLIMIT), and the run ends
// with ping6's statistics.  The source shown in the PING6 line is what a
// UDP socket connected to the target gets (ping6's trick, kept).  Exit
// status: 0 if any reply came back, 2 if none did, EX_OSERR when nothing
// could be sent, 1 for bad usage and values.
//
// Built as FreeBSD 14 builds it: no IPsec (-E, -P, -Z), IPV6_USE_MIN_MTU
// present (-u), node information queries (-k -N -O -y -Y) included.

import { EPERM, strerror } from "../kern/errno.ts";
import { AF_INET6, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET, SO_DEBUG, SO_RCVBUF, SO_SNDBUF } from "../kern/socket.ts";
import { CLOCK_MONOTONIC, sys_clock_gettime } from "../kern/kern_time.ts";
import { sys_bind, sys_close, sys_connect, sys_getsockname, sys_recvmsg, sys_sendmsg, sys_setsockopt, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { sys_wait_readable } from "../kern/sys_generic.ts";
import { SIGALRM, SIGINT, sys_sigaction } from "../kern/kern_sig.ts";
import {
  ICMP6_DST_UNREACH,
  ICMP6_DST_UNREACH_ADDR,
  ICMP6_DST_UNREACH_ADMIN,
  ICMP6_DST_UNREACH_BEYONDSCOPE,
  ICMP6_DST_UNREACH_NOPORT,
  ICMP6_DST_UNREACH_NOROUTE,
  ICMP6_ECHO_REPLY,
  ICMP6_ECHO_REQUEST,
  ICMP6_FILTER,
  ICMP6_MEMBERSHIP_QUERY,
  ICMP6_MEMBERSHIP_REDUCTION,
  ICMP6_MEMBERSHIP_REPORT,
  ICMP6_NI_QUERY,
  ICMP6_NI_REFUSED,
  ICMP6_NI_REPLY,
  ICMP6_NI_SUBJ_FQDN,
  ICMP6_NI_SUBJ_IPV4,
  ICMP6_NI_SUBJ_IPV6,
  ICMP6_NI_SUCCESS,
  ICMP6_NI_UNKNOWN,
  ICMP6_PACKET_TOO_BIG,
  ICMP6_PARAMPROB_HEADER,
  ICMP6_PARAMPROB_NEXTHEADER,
  ICMP6_PARAMPROB_OPTION,
  ICMP6_PARAM_PROB,
  ICMP6_TIME_EXCEEDED,
  ICMP6_TIME_EXCEED_REASSEMBLY,
  ICMP6_TIME_EXCEED_TRANSIT,
  IPPROTO_ICMPV6,
  ND_NEIGHBOR_ADVERT,
  ND_NEIGHBOR_SOLICIT,
  ND_REDIRECT,
  ND_ROUTER_ADVERT,
  ND_ROUTER_SOLICIT,
  NI_FQDN_FLAG_VALIDTTL,
  NI_NODEADDR_FLAG_ALL,
  NI_NODEADDR_FLAG_ANYCAST,
  NI_NODEADDR_FLAG_COMPAT,
  NI_NODEADDR_FLAG_GLOBAL,
  NI_NODEADDR_FLAG_LINKLOCAL,
  NI_NODEADDR_FLAG_SITELOCAL,
  NI_NODEADDR_FLAG_TRUNCATE,
  NI_QTYPE_FQDN,
  NI_QTYPE_IPV4ADDR,
  NI_QTYPE_NODEADDR,
  NI_QTYPE_NOOP,
  NI_QTYPE_SUPTYPES,
  NI_SUPTYPE_FLAG_COMPRESS,
} from "../netinet/icmp6.ts";
import { IPV6_DEFHLIM, IPV6_MMTU, IPV6_VERSION_MASK } from "../netinet/ip6.ts";
import { IPPROTO_IPV6 } from "../netinet6/ip6_var.ts";
import { sockaddr_in6, type in6_addr } from "../netinet6/in6_var.ts";
import { AI_CANONNAME, AI_NUMERICHOST, NI_NUMERICHOST, err, errx, gai_strerror, getaddrinfo, getnameinfo, getopt, inet_ntop, prog_exit, warn, warnx, type prog_ctx } from "./libc.ts";
import { if_nametoindex } from "./libc_getifaddrs.ts";
import { ping_usage } from "./ping.ts";

const EX_USAGE = 64;
const EX_OSERR = 71;

// ip6.h / in6.h socket options ping6 uses.
const IPV6_UNICAST_HOPS = 4;
const IPV6_MULTICAST_HOPS = 10;
const IPV6_PKTINFO = 46;
const IPV6_HOPLIMIT = 47;
const IPV6_NEXTHOP = 48;
const IPV6_HOPOPTS = 49;
const IPV6_DSTOPTS = 50;
const IPV6_RTHDR = 51;
const IPV6_RECVRTHDRDSTOPTS = 35;
const IPV6_RECVPKTINFO = 36;
const IPV6_RECVHOPLIMIT = 37;
const IPV6_RECVRTHDR = 38;
const IPV6_RECVHOPOPTS = 39;
const IPV6_RECVDSTOPTS = 40;
const IPV6_USE_MIN_MTU = 42;
const IPV6_RECVPATHMTU = 43;
const IPV6_PATHMTU = 44;
const IPV6_TCLASS = 61;
const IPV6_DONTFRAG = 62;
const IPV6_RTHDRDSTOPTS = 35;
const IPV6_VLAN_PCP = 75;

const MAXPACKETLEN = 131072;
const IP6LEN = 40;
const ICMP6ECHOLEN = 8;
/** sizeof(struct tv32). */
const ICMP6ECHOTMLEN = 8;
const ICMP6_NIQLEN = ICMP6ECHOLEN + 8;
const ICMP6_NIRLEN = ICMP6ECHOLEN + 12;
const EXTRA = 256;
const DEFDATALEN = ICMP6ECHOTMLEN;
const MAXDATALEN = MAXPACKETLEN - IP6LEN - ICMP6ECHOLEN;
const MAXWAIT = 10000;
const MAXALARM = 60 * 60;
const MAX_DUP_CHK = 8 * 8192;
const DUMMY_PORT = 10101;
const INT_MAX = 2 ** 31 - 1;
const MAXDNAME = 1025;

const F_FLOOD = 0x0001;
const F_INTERVAL = 0x0002;
const F_PINGFILLED = 0x0008;
const F_QUIET = 0x0010;
const F_SO_DEBUG = 0x0040;
const F_VERBOSE = 0x0100;
const F_NODEADDR = 0x0800;
const F_FQDN = 0x1000;
const F_INTERFACE = 0x2000;
const F_SRCADDR = 0x4000;
const F_HOSTNAME = 0x10000;
const F_FQDNOLD = 0x20000;
const F_NIGROUP = 0x40000;
const F_SUPTYPES = 0x80000;
const F_ONCE = 0x200000;
const F_AUDIBLE = 0x400000;
const F_MISSED = 0x800000;
const F_DONTFRAG = 0x1000000;
const F_NOUSERDATA = F_NODEADDR | F_FQDN | F_FQDNOLD | F_SUPTYPES;
const F_WAITTIME = 0x2000000;

const IPPROTO_HOPOPTS = 0;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ROUTING = 43;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_ESP = 50;
const IPPROTO_DSTOPTS = 60;
const IP6OPT_JUMBO = 0xc2;
const IP6OPT_ROUTER_ALERT = 0x05;

const u16 = (b: Uint8Array, i: number): number => (i + 1 < b.length ? (b[i] << 8) | b[i + 1] : 0);
const u32 = (b: Uint8Array, i: number): number => (i + 3 < b.length ? ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0 : 0);
const hex = (v: number, w = 0): string => v.toString(16).padStart(w, "0");

/** strtol(s, &e, 10) with main's "*optarg == '\0' || *e != '\0'" test. */
function strtol_all(s: string): number | null {
  if (!/^[ \t\n]*[-+]?[0-9]+$/.test(s)) return null;
  const n = Number(s.trim());
  return Math.max(-(2 ** 63), Math.min(2 ** 63 - 1, n));
}
/** strtod(s, &e) over the whole string. */
function strtod_all(s: string): number | null {
  return /^[ \t\n]*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(s) ? Number(s.trim()) : null;
}
/** strtoul(s, &e, 0): the number at the start (ignoring what follows). */
function strtoul0(s: string): number {
  const m = /^[ \t\n]*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (m === null) return 0;
  const body = m[2];
  let v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === "0" ? parseInt(body, 8) : Number(body);
  if (m[1] === "-") v = 2 ** 64 - v;
  return v;
}

/** The ICMPv6 checksum is the kernel's (IPV6_CHECKSUM is implicit for ICMPv6 sockets). */

function mono(kp: proc): { sec: number; nsec: number } {
  const ts = sys_clock_gettime(kp, CLOCK_MONOTONIC);
  return { sec: ts.tv_sec, nsec: ts.tv_nsec };
}

/** nigroup(name, nig_oldmcprefix): the node information group of a name (RFC 4620). */
async function nigroup(name: string, nig_oldmcprefix: number): Promise<string | null> {
  const dot = name.indexOf(".");
  const l = dot < 0 ? name.length : dot;
  if (l > 63) return null;
  const label = name.slice(0, l).toLowerCase();
  const { createHash } = await import("node:crypto");
  const digest = createHash("md5")
    .update(Uint8Array.from([l & 0xff]))
    .update(Buffer.from(label, "latin1"))
    .digest();
  const a = new Uint8Array(16);
  a[0] = 0xff;
  a[1] = 0x02;
  a[11] = 0x02;
  if (nig_oldmcprefix !== 0) a.set(digest.subarray(0, 4), 12);
  else {
    a[12] = 0xff;
    a.set(digest.subarray(0, 3), 13);
  }
  return inet6_ntoa(a);
}

export async function ping6(ctx: prog_ctx): Promise<number> {
  const kp = ctx.p as proc;
  const fds: number[] = [];
  try {
    return await ping6_body(ctx, kp, fds);
  } finally {
    for (const fd of fds) sys_close(kp, fd);
  }
}

async function ping6_body(ctx: prog_ctx, kp: proc, fds: number[]): Promise<number> {
  const uid = kp.p_ucred.cr_uid;
  let options = 0;
  let datalen = DEFDATALEN;
  let npackets = 0;
  let preload = 0;
  let hoplimit = -1;
  let tclass = -1;
  let pcp = -2;
  let sockbufsize = 0;
  let intvl_ns = 1000 * 1e6;
  let waittime = MAXWAIT;
  let alarmtimeout = 0;
  let mflag = 0;
  let naflags = 0;
  let nig_oldmcprefix = -1;
  let ifname: string | null = null;
  let gateway: string | null = null;
  let srcarg: string | null = null;
  let usepktinfo = 0;
  const outpack = new Uint8Array(MAXPACKETLEN);
  let pattern: string | null = null;

  const usage = (): never => ping_usage(ctx);
  const { opts, optind } = getopt(ctx, "6k:b:C:c:DdfHe:m:I:i:l:unNop:qaAS:s:OvyYW:t:z:", usage);
  for (const [ch, optarg] of opts) {
    switch (ch) {
      case "6":
        break;
      case "k":
        options &= ~F_NOUSERDATA;
        options |= F_NODEADDR;
        for (const c of optarg) {
          switch (c) {
            case "a":
              naflags |= NI_NODEADDR_FLAG_ALL;
              break;
            case "c":
            case "C":
              naflags |= NI_NODEADDR_FLAG_COMPAT;
              break;
            case "l":
            case "L":
              naflags |= NI_NODEADDR_FLAG_LINKLOCAL;
              break;
            case "s":
            case "S":
              naflags |= NI_NODEADDR_FLAG_SITELOCAL;
              break;
            case "g":
            case "G":
              naflags |= NI_NODEADDR_FLAG_GLOBAL;
              break;
            case "A":
              naflags |= NI_NODEADDR_FLAG_ANYCAST;
              break;
            default:
              usage();
          }
        }
        break;
      case "b": {
        const v = /^[0-9]+$/.test(optarg) ? Number(optarg) : NaN;
        if (optarg === "" || Number.isNaN(v) || v > INT_MAX) errx(ctx, 1, "invalid socket buffer size");
        sockbufsize = v;
        break;
      }
      case "C": {
        const v = strtol_all(optarg);
        if (optarg === "" || v === null) errx(ctx, 1, `illegal vlan pcp ${optarg}`);
        if (v > 7 || v < -1) errx(ctx, 1, `illegal vlan pcp -- ${optarg}`);
        pcp = v;
        break;
      }
      case "c": {
        const v = strtol_all(optarg);
        if (v === null || v <= 0 || optarg === "") errx(ctx, 1, `illegal number of packets -- ${optarg}`);
        npackets = v;
        break;
      }
      case "D":
        options |= F_DONTFRAG;
        break;
      case "d":
        options |= F_SO_DEBUG;
        break;
      case "f":
        if (uid !== 0) errx(ctx, 1, "Must be superuser to flood ping");
        options |= F_FLOOD;
        break;
      case "e":
        gateway = optarg;
        break;
      case "H":
        options |= F_HOSTNAME;
        break;
      case "m": {
        const v = strtol_all(optarg);
        if (optarg === "" || v === null) errx(ctx, 1, `illegal hoplimit ${optarg}`);
        if (v > 255 || v < -1) errx(ctx, 1, `illegal hoplimit -- ${optarg}`);
        hoplimit = v;
        break;
      }
      case "I":
        ifname = optarg;
        options |= F_INTERFACE;
        usepktinfo++;
        break;
      case "i": {
        const t = strtod_all(optarg);
        if (optarg === "" || t === null) errx(ctx, 1, `illegal timing interval ${optarg}`);
        if (t < 1 && uid !== 0) errx(ctx, 1, `${strerror(EPERM)}: only root may use interval < 1s`);
        const sec = Math.trunc(t);
        let nsec = Math.trunc((t - sec) * 1e9);
        if (sec < 0) errx(ctx, 1, `illegal timing interval ${optarg}`);
        if (sec === 0 && nsec < 1000) {
          warnx(ctx, "too small interval, raised to .000001");
          nsec = 1000;
        }
        intvl_ns = sec * 1e9 + nsec;
        options |= F_INTERVAL;
        break;
      }
      case "l": {
        if (uid !== 0) errx(ctx, 1, "Must be superuser to preload");
        const v = strtol_all(optarg);
        if (v === null || v < 0 || optarg === "") errx(ctx, 1, `illegal preload value -- ${optarg}`);
        preload = v;
        break;
      }
      case "u":
        mflag++;
        break;
      case "n":
        options &= ~F_HOSTNAME;
        break;
      case "N":
        options |= F_NIGROUP;
        nig_oldmcprefix++;
        break;
      case "o":
        options |= F_ONCE;
        break;
      case "p":
        options |= F_PINGFILLED;
        pattern = optarg;
        fill(ctx, outpack, ICMP6ECHOLEN + ICMP6ECHOTMLEN, optarg, options);
        break;
      case "q":
        options |= F_QUIET;
        break;
      case "a":
        options |= F_AUDIBLE;
        break;
      case "A":
        options |= F_MISSED;
        break;
      case "S":
        srcarg = optarg;
        options |= F_SRCADDR;
        break;
      case "s": {
        const v = strtol_all(optarg);
        if (v === null || v <= 0 || optarg === "") errx(ctx, 1, `illegal datalen value -- ${optarg}`);
        if (v > MAXDATALEN) errx(ctx, 1, `datalen value too large, maximum is ${MAXDATALEN}`);
        datalen = v;
        break;
      }
      case "O":
        options &= ~F_NOUSERDATA;
        options |= F_SUPTYPES;
        break;
      case "v":
        options |= F_VERBOSE;
        break;
      case "y":
        options &= ~F_NOUSERDATA;
        options |= F_FQDN;
        break;
      case "Y":
        options &= ~F_NOUSERDATA;
        options |= F_FQDNOLD;
        break;
      case "W": {
        const t = strtod_all(optarg);
        if (t === null || t > INT_MAX) err(ctx, EX_USAGE, `invalid timing interval: \`${optarg}'`, 0);
        options |= F_WAITTIME;
        waittime = Math.trunc(t);
        break;
      }
      case "t": {
        alarmtimeout = strtoul0(optarg);
        if (alarmtimeout < 1 || alarmtimeout >= 2 ** 64 - 1) errx(ctx, EX_USAGE, `invalid timeout: \`${optarg}'`);
        if (alarmtimeout > MAXALARM) errx(ctx, EX_USAGE, `invalid timeout: \`${optarg}' > ${MAXALARM}`);
        break;
      }
      case "z": {
        const v = strtol_all(optarg);
        if (optarg === "" || v === null) errx(ctx, 1, `illegal traffic class ${optarg}`);
        if (v > 255 || v < -1) errx(ctx, 1, `illegal traffic class -- ${optarg}`);
        tclass = v;
        break;
      }
    }
  }
  void pattern;

  const argv = ctx.argv.slice(optind);
  if (argv.length < 1) usage();
  let ip6optlen = 0;
  if (argv.length > 1) {
    const rthlen = inet6_rth_space(argv.length - 1);
    if (rthlen === 0) errx(ctx, 1, "too many intermediate hops");
    ip6optlen += rthlen;
  }

  let target: string;
  if ((options & F_NIGROUP) !== 0) {
    const t = await nigroup(argv[argv.length - 1], nig_oldmcprefix);
    if (t === null) usage();
    target = t as string;
  } else target = argv[argv.length - 1];

  const tres = getaddrinfo6(kp, target, false);
  if (tres.error !== null) errx(ctx, 1, tres.error);
  const hostname = tres.canonname ?? target;
  const dst = tres.sa as sockaddr_in6;

  const ss = sys_socket(kp, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
  if (ss.error !== 0) err(ctx, 1, "socket ssend", ss.error);
  fds.push(ss.fd);
  const ssend = ss.fd;
  const sr = sys_socket(kp, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
  if (sr.error !== 0) err(ctx, 1, "socket srecv", sr.error);
  fds.push(sr.fd);
  const srecv = sr.fd;

  let src = new sockaddr_in6();
  if ((options & F_SRCADDR) !== 0) {
    const r = getaddrinfo6(kp, srcarg as string, true);
    if (r.error !== null) errx(ctx, 1, `invalid source address: ${r.error}`);
    src = r.sa as sockaddr_in6;
    // A link-local source and a link-scope target share the zone.
    const ll = (a: Uint8Array): boolean => a[0] === 0xfe && (a[1] & 0xc0) === 0x80;
    const mcll = (a: Uint8Array): boolean => a[0] === 0xff && ((a[1] & 0x0f) === 2 || (a[1] & 0x0f) === 1);
    if (ll(src.sin6_addr.s6_addr) && (ll(dst.sin6_addr.s6_addr) || mcll(dst.sin6_addr.s6_addr))) {
      if (src.sin6_scope_id === 0) src.sin6_scope_id = dst.sin6_scope_id;
      if (dst.sin6_scope_id === 0) dst.sin6_scope_id = src.sin6_scope_id;
    }
    const e = sys_bind(kp, ssend, src);
    if (e !== 0) err(ctx, 1, "bind", e);
  }
  if (gateway !== null) {
    const r = getaddrinfo6(kp, gateway, false);
    if (r.error !== null) errx(ctx, 1, `cap_getaddrinfo failed for the gateway ${gateway}: ${r.error}`);
    const e = sys_setsockopt(kp, ssend, IPPROTO_IPV6, IPV6_NEXTHOP, sockaddr_in6_bytes(r.sa as sockaddr_in6));
    if (e !== 0) err(ctx, 1, "setsockopt(IPV6_NEXTHOP)", e);
  }
  if ((options & F_VERBOSE) !== 0) {
    for (const [opt, nm] of [
      [IPV6_RECVHOPOPTS, "IPV6_RECVHOPOPTS"],
      [IPV6_RECVDSTOPTS, "IPV6_RECVDSTOPTS"],
      [IPV6_RECVRTHDRDSTOPTS, "IPV6_RECVRTHDRDSTOPTS"],
    ] as const) {
      const e = sys_setsockopt(kp, srecv, IPPROTO_IPV6, opt, 1);
      if (e !== 0) err(ctx, 1, `setsockopt(${nm})`, e);
    }
  }

  if ((options & F_FLOOD) !== 0 && (options & F_INTERVAL) !== 0) errx(ctx, 1, "-f and -i incompatible options");

  let timing = false;
  let packlen: number;
  if ((options & F_NOUSERDATA) === 0) {
    timing = datalen >= ICMP6ECHOTMLEN;
    packlen = (options & F_VERBOSE) !== 0 ? 2048 + IP6LEN + ICMP6ECHOLEN + EXTRA : datalen + IP6LEN + ICMP6ECHOLEN + EXTRA;
  } else {
    // Node information queries are not timed.
    timing = false;
    datalen = 2048;
    packlen = 2048 + IP6LEN + ICMP6ECHOLEN + EXTRA;
  }
  if ((options & F_PINGFILLED) === 0) {
    let datap = ICMP6ECHOLEN + ICMP6ECHOTMLEN;
    for (let i = ICMP6ECHOLEN; i < packlen && datap < outpack.length; ++i) outpack[datap++] = i & 0xff;
  }

  const ident = kp.p_pid & 0xffff;
  const nonce = new Uint8Array(8);
  for (let i = 0; i < 8; i++) nonce[i] = (ident * 131 + i * 37 + kp.p_pid) & 0xff;

  if ((options & F_DONTFRAG) !== 0) {
    const e = sys_setsockopt(kp, ssend, IPPROTO_IPV6, IPV6_DONTFRAG, 1);
    if (e !== 0) err(ctx, 1, "IPV6_DONTFRAG", e);
  }
  if ((options & F_SO_DEBUG) !== 0) {
    sys_setsockopt(kp, ssend, SOL_SOCKET, SO_DEBUG, 1);
    sys_setsockopt(kp, srecv, SOL_SOCKET, SO_DEBUG, 1);
  }
  const dst_mcast = dst.sin6_addr.s6_addr[0] === 0xff;
  if (dst_mcast) {
    const e = sys_setsockopt(kp, ssend, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, IPV6_DEFHLIM);
    if (e !== 0) err(ctx, 1, "IPV6_MULTICAST_HOPS", e);
  }
  if (mflag !== 1) {
    const e = sys_setsockopt(kp, ssend, IPPROTO_IPV6, IPV6_USE_MIN_MTU, mflag > 1 ? 0 : 1);
    if (e !== 0) err(ctx, 1, "setsockopt(IPV6_USE_MIN_MTU)", e);
  } else {
    const e = sys_setsockopt(kp, srecv, IPPROTO_IPV6, IPV6_RECVPATHMTU, 1);
    if (e !== 0) err(ctx, 1, "setsockopt(IPV6_RECVPATHMTU)", e);
  }

  {
    // ICMP6_FILTER: only what we wait for, unless -v.
    const filt = new Uint8Array(32);
    const pass = (t: number): void => {
      filt[t >> 3] |= 1 << (t & 7);
    };
    if ((options & F_VERBOSE) === 0) {
      if ((options & (F_FQDN | F_FQDNOLD | F_NODEADDR | F_SUPTYPES)) !== 0) pass(ICMP6_NI_REPLY);
      else pass(ICMP6_ECHO_REPLY);
    } else filt.fill(0xff);
    const e = sys_setsockopt(kp, srecv, IPPROTO_ICMPV6, ICMP6_FILTER, filt);
    if (e !== 0) err(ctx, 1, "setsockopt(ICMP6_FILTER)", e);
  }
  if ((options & F_VERBOSE) !== 0) {
    const e = sys_setsockopt(kp, srecv, IPPROTO_IPV6, IPV6_RECVRTHDR, 1);
    if (e !== 0) err(ctx, 1, "setsockopt(IPV6_RECVRTHDR)", e);
  }

  // Ancillary data of every send: the outgoing interface, the hop limit,
  // the routing header.
  const scmsg: cmsg6[] = [];
  let pktinfo_ifindex = 0;
  if (ifname !== null) {
    pktinfo_ifindex = if_nametoindex(kp, ifname);
    if (pktinfo_ifindex === 0) errx(ctx, 1, `${ifname}: invalid interface name`);
  }
  if (usepktinfo !== 0) scmsg.push({ level: IPPROTO_IPV6, type: IPV6_PKTINFO, data: pktinfo_bytes(new Uint8Array(16), pktinfo_ifindex) });
  if (hoplimit !== -1) scmsg.push({ level: IPPROTO_IPV6, type: IPV6_HOPLIMIT, data: int_bytes(hoplimit) });
  if (tclass !== -1) {
    const e = sys_setsockopt(kp, ssend, IPPROTO_IPV6, IPV6_TCLASS, tclass);
    if (e !== 0) err(ctx, 1, "setsockopt(IPV6_TCLASS)", e);
  }
  if (pcp !== -2) {
    const e = sys_setsockopt(kp, ssend, IPPROTO_IPV6, IPV6_VLAN_PCP, pcp);
    if (e !== 0) err(ctx, 1, "setsockopt(IPV6_VLAN_PCP)", e);
  }
  let rthdr: Uint8Array | null = null;
  if (argv.length > 1) {
    const hops = argv.length - 1;
    rthdr = new Uint8Array(8 + 16 * hops);
    rthdr[1] = 2 * hops;
    rthdr[2] = 0;
    rthdr[3] = 0;
    for (let h = 0; h < hops; h++) {
      const r = getaddrinfo6(kp, argv[h], false);
      if (r.error !== null) errx(ctx, 1, r.error);
      rthdr.set((r.sa as sockaddr_in6).sin6_addr.s6_addr, 8 + 16 * h);
      rthdr[3]++;
    }
    scmsg.push({ level: IPPROTO_IPV6, type: IPV6_RTHDR, data: rthdr });
  }
  void ip6optlen;

  if ((options & F_SRCADDR) === 0) {
    // The source a UDP socket connected to the target gets.
    const d = sys_socket(kp, AF_INET6, SOCK_DGRAM, 0);
    if (d.error !== 0) err(ctx, 1, "UDP socket", d.error);
    fds.push(d.fd);
    const dummy = d.fd;
    const tmp = new sockaddr_in6(dst.sin6_addr, DUMMY_PORT, dst.sin6_scope_id);
    if (usepktinfo !== 0) {
      const e = sys_setsockopt(kp, dummy, IPPROTO_IPV6, IPV6_PKTINFO, pktinfo_bytes(new Uint8Array(16), pktinfo_ifindex));
      if (e !== 0) err(ctx, 1, "UDP setsockopt(IPV6_PKTINFO)", e);
    }
    if (hoplimit !== -1) {
      let e = sys_setsockopt(kp, dummy, IPPROTO_IPV6, IPV6_UNICAST_HOPS, hoplimit);
      if (e !== 0) err(ctx, 1, "UDP setsockopt(IPV6_UNICAST_HOPS)", e);
      e = sys_setsockopt(kp, dummy, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hoplimit);
      if (e !== 0) err(ctx, 1, "UDP setsockopt(IPV6_MULTICAST_HOPS)", e);
    }
    if (rthdr !== null) {
      const e = sys_setsockopt(kp, dummy, IPPROTO_IPV6, IPV6_RTHDR, rthdr);
      if (e !== 0) err(ctx, 1, "UDP setsockopt(IPV6_RTHDR)", e);
    }
    let e = sys_connect(kp, dummy, tmp);
    if (e !== 0) err(ctx, 1, "UDP connect", e);
    const g = sys_getsockname(kp, dummy);
    if (g.error !== 0 || g.sa === null || !("sin6_addr" in g.sa)) err(ctx, 1, "getsockname", g.error);
    src = g.sa as sockaddr_in6;
    e = sys_close(kp, dummy);
    fds.splice(fds.indexOf(dummy), 1);
  }

  {
    const e = sys_connect(kp, ssend, dst);
    if (e !== 0) err(ctx, 1, "connect() ssend", e);
  }

  if (sockbufsize !== 0) {
    if (datalen > sockbufsize) warnx(ctx, "you need -b to increase socket buffer size");
    let e = sys_setsockopt(kp, ssend, SOL_SOCKET, SO_SNDBUF, sockbufsize);
    if (e !== 0) err(ctx, 1, "setsockopt(SO_SNDBUF)", e);
    e = sys_setsockopt(kp, srecv, SOL_SOCKET, SO_RCVBUF, sockbufsize);
    if (e !== 0) err(ctx, 1, "setsockopt(SO_RCVBUF)", e);
  } else {
    if (datalen > 8 * 1024) warnx(ctx, "you need -b to increase socket buffer size");
    sys_setsockopt(kp, srecv, SOL_SOCKET, SO_RCVBUF, 48 * 1024);
  }
  {
    let e = sys_setsockopt(kp, srecv, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    if (e !== 0) warn(ctx, "setsockopt(IPV6_RECVPKTINFO)", e);
    e = sys_setsockopt(kp, srecv, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
    if (e !== 0) warn(ctx, "setsockopt(IPV6_RECVHOPLIMIT)", e);
  }

  const pr_addr = (sa: sockaddr_in6): string => getnameinfo6(kp, sa, (options & F_HOSTNAME) === 0) ?? "?";

  const pingerlen = (): number => {
    if ((options & F_FQDN) !== 0) return ICMP6_NIQLEN + 16;
    if ((options & F_FQDNOLD) !== 0) return ICMP6_NIQLEN;
    if ((options & F_NODEADDR) !== 0) return ICMP6_NIQLEN + 16;
    if ((options & F_SUPTYPES) !== 0) return ICMP6_NIQLEN;
    return ICMP6ECHOLEN + datalen;
  };

  ctx.stdout.write(`PING6(${40 + pingerlen()}=40+8+${pingerlen() - 8} bytes) ${pr_addr(src)} --> ${pr_addr(dst)}\n`);

  let ntransmitted = 0;
  let ntransmitfailures = 0;
  let nreceived = 0;
  let nrepeats = 0;
  let nmissedmax = 0;
  let nrcvtimeout = 0;
  let tmin = 999999999.0;
  let tmax = 0.0;
  let tsum = 0.0;
  let tsumsq = 0.0;
  const rcvd_tbl = new Uint8Array(MAX_DUP_CHK / 8);

  const pinger = (): number => {
    if (npackets !== 0 && ntransmitted >= npackets) return -1;
    outpack.fill(0, 0, ICMP6ECHOLEN);
    const seq = ntransmitted++ & 0xffff;
    const bit = seq % MAX_DUP_CHK;
    rcvd_tbl[bit >> 3] &= ~(1 << (bit & 7));
    let cc: number;
    const ni = (type_code: number, qtype: number, flags: number): void => {
      outpack[0] = ICMP6_NI_QUERY;
      outpack[1] = type_code;
      outpack[4] = qtype >> 8;
      outpack[5] = qtype & 0xff;
      outpack[6] = (flags >> 8) & 0xff;
      outpack[7] = flags & 0xff;
      outpack.set(nonce, 8);
      outpack[8] = seq >> 8;
      outpack[9] = seq & 0xff;
    };
    if ((options & F_FQDN) !== 0) {
      ni(ICMP6_NI_SUBJ_IPV6, NI_QTYPE_FQDN, 0);
      outpack.set(dst.sin6_addr.s6_addr, ICMP6_NIQLEN);
      cc = ICMP6_NIQLEN + 16;
      datalen = 0;
    } else if ((options & F_FQDNOLD) !== 0) {
      ni(0, NI_QTYPE_FQDN, 0);
      cc = ICMP6_NIQLEN;
      datalen = 0;
    } else if ((options & F_NODEADDR) !== 0) {
      // ni_flags = naflags, stored as the host-order short it is.
      ni(ICMP6_NI_SUBJ_IPV6, NI_QTYPE_NODEADDR, ((naflags & 0xff) << 8) | ((naflags >> 8) & 0xff));
      outpack.set(dst.sin6_addr.s6_addr, ICMP6_NIQLEN);
      cc = ICMP6_NIQLEN + 16;
      datalen = 0;
    } else if ((options & F_SUPTYPES) !== 0) {
      ni(ICMP6_NI_SUBJ_FQDN, NI_QTYPE_SUPTYPES, ((NI_SUPTYPE_FLAG_COMPRESS & 0xff) << 8) | ((NI_SUPTYPE_FLAG_COMPRESS >> 8) & 0xff));
      cc = ICMP6_NIQLEN;
      datalen = 0;
    } else {
      outpack[0] = ICMP6_ECHO_REQUEST;
      outpack[1] = 0;
      outpack[4] = ident >> 8;
      outpack[5] = ident & 0xff;
      outpack[6] = seq >> 8;
      outpack[7] = seq & 0xff;
      if (timing) {
        const tv = mono(kp);
        const dv = new DataView(outpack.buffer);
        dv.setUint32(ICMP6ECHOLEN, tv.sec >>> 0);
        dv.setUint32(ICMP6ECHOLEN + 4, tv.nsec >>> 0);
      }
      cc = ICMP6ECHOLEN + datalen;
    }
    const r = sendmsg6(kp, ssend, outpack.subarray(0, cc), scmsg);
    const i = r.error !== 0 ? -1 : r.len;
    if (i < 0 || i !== cc) {
      if (i < 0) {
        ntransmitfailures++;
        warn(ctx, "sendmsg", r.error);
      }
      ctx.stdout.write(`ping6: wrote ${hostname} ${cc} chars, ret=${i}\n`);
    }
    if ((options & F_QUIET) === 0 && (options & F_FLOOD) !== 0) ctx.stdout.write(".");
    return 0;
  };

  const myechoreply = (buf: Uint8Array): boolean => u16(buf, 4) === ident;
  const mynireply = (buf: Uint8Array): boolean => {
    for (let k = 2; k < 8; k++) if (buf[8 + k] !== nonce[k]) return false;
    return true;
  };

  const pr_pack = (buf: Uint8Array, cc: number, from: sockaddr_in6 | null, cmsgs: cmsg6[], now: { sec: number; nsec: number }): void => {
    let out = "";
    if (from === null) {
      if ((options & F_VERBOSE) !== 0) warnx(ctx, "invalid peername");
      return;
    }
    if (cc < ICMP6ECHOLEN) {
      if ((options & F_VERBOSE) !== 0) warnx(ctx, `packet too short (${cc} bytes) from ${pr_addr(from)}`);
      return;
    }
    const end = cc;
    const hoplim = get_hoplim(cmsgs);
    if (hoplim === -1) {
      warnx(ctx, "failed to get receiving hop limit");
      return;
    }
    const pktinfo = get_rcvpktinfo(cmsgs);
    if (pktinfo === null) {
      warnx(ctx, "failed to get receiving packet information");
      return;
    }
    const type = buf[0];
    if (type === ICMP6_ECHO_REPLY && myechoreply(buf)) {
      const seq = u16(buf, 6);
      ++nreceived;
      let triptime = 0;
      if (timing) {
        let sec = now.sec - u32(buf, 8);
        let nsec = now.nsec - u32(buf, 12);
        if (nsec < 0) {
          sec--;
          nsec += 1e9;
        }
        triptime = sec * 1000.0 + nsec / 1000000.0;
        tsum += triptime;
        tsumsq += triptime * triptime;
        if (triptime < tmin) tmin = triptime;
        if (triptime > tmax) tmax = triptime;
      }
      let dupflag = false;
      const bit = seq % MAX_DUP_CHK;
      if ((rcvd_tbl[bit >> 3] & (1 << (bit & 7))) !== 0) {
        ++nrepeats;
        --nreceived;
        dupflag = true;
      } else rcvd_tbl[bit >> 3] |= 1 << (bit & 7);
      if ((options & F_QUIET) !== 0) return;
      if ((options & F_WAITTIME) !== 0 && triptime > waittime) {
        ++nrcvtimeout;
        return;
      }
      if ((options & F_FLOOD) !== 0) ctx.stdout.write("\b");
      else {
        if ((options & F_AUDIBLE) !== 0) ctx.stdout.write("\x07");
        out += `${cc} bytes from ${pr_addr(from)}, icmp_seq=${seq}`;
        out += ` hlim=${hoplim}`;
        if ((options & F_VERBOSE) !== 0) out += ` dst=${pr_addr(new sockaddr_in6(pktinfo.addr, 0, pktinfo.ifindex))}`;
        if (timing) out += ` time=${triptime.toFixed(3)} ms`;
        if (dupflag) out += "(DUP!)";
        // The data must be what we sent.
        let cp = ICMP6ECHOLEN + ICMP6ECHOTMLEN;
        let dp = ICMP6ECHOLEN + ICMP6ECHOTMLEN;
        for (let i = 8; cp < end; ++i, ++cp, ++dp) {
          if (buf[cp] !== outpack[dp]) {
            out += `\nwrong data byte #${i} should be 0x${hex(outpack[dp])} but was 0x${hex(buf[cp])}`;
            break;
          }
        }
      }
    } else if (type === ICMP6_NI_REPLY && mynireply(buf)) {
      const seq = u16(buf, 8);
      ++nreceived;
      const bit = seq % MAX_DUP_CHK;
      if ((rcvd_tbl[bit >> 3] & (1 << (bit & 7))) !== 0) {
        ++nrepeats;
        --nreceived;
      } else rcvd_tbl[bit >> 3] |= 1 << (bit & 7);
      if ((options & F_QUIET) !== 0) return;
      out += `${cc} bytes from ${pr_addr(from)}: `;
      // ni_code is read as a network-order short, as ping6.c does.
      const nicode = buf[1] << 8;
      const ni_type = buf[0] << 8;
      fqdnend: {
        switch (nicode) {
          case ICMP6_NI_SUCCESS:
            break;
          case ICMP6_NI_REFUSED:
            out += `refused, type 0x${hex(ni_type)}`;
            break fqdnend;
          case ICMP6_NI_UNKNOWN:
            out += `unknown, type 0x${hex(ni_type)}`;
            break fqdnend;
          default:
            out += `unknown code 0x${hex(nicode)}, type 0x${hex(ni_type)}`;
            break fqdnend;
        }
        const qtype = u16(buf, 4);
        const niflags = (buf[6] | (buf[7] << 8)) & 0xffff;
        switch (qtype) {
          case NI_QTYPE_NOOP:
            out += "NodeInfo NOOP";
            break;
          case NI_QTYPE_SUPTYPES:
            out += pr_suptypes(buf, end, niflags, options);
            break;
          case NI_QTYPE_NODEADDR:
            out += pr_nodeaddr(buf, end, niflags, options);
            break;
          case NI_QTYPE_FQDN:
          default: {
            let cp = ICMP6_NIRLEN;
            const oldfqdn = buf[ICMP6_NIRLEN] === cc - ICMP6_NIRLEN - 1;
            if (oldfqdn) {
              cp++;
              while (cp < end) {
                const c = buf[cp] & 0xff;
                out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${c.toString(8).padStart(3, "0")}`;
                cp++;
              }
            } else {
              const i = 0;
              while (cp < end) {
                const r = dnsdecode(buf, cp, end, ICMP6_NODEINFO_BASE);
                if (r === null) {
                  out += "???";
                  break;
                }
                let name = r.name;
                cp = r.next;
                if (cp + 1 <= end && buf[cp] === 0 && name.length > 0) {
                  name = name.slice(0, -1);
                  cp++;
                }
                out += `${i > 0 ? "," : ""}${name}`;
              }
            }
            if ((options & F_VERBOSE) !== 0) {
              let comma = 0;
              out += " (";
              switch (buf[1]) {
                case ICMP6_NI_REFUSED:
                  out += "refused";
                  comma++;
                  break;
                case ICMP6_NI_UNKNOWN:
                  out += "unknown qtype";
                  comma++;
                  break;
              }
              if (end < ICMP6_NIRLEN) {
                out += ")";
                break fqdnend;
              }
              const ttl = u32(buf, ICMP6ECHOLEN + 8) | 0;
              if (comma !== 0) out += ",";
              if ((niflags & NI_FQDN_FLAG_VALIDTTL) === 0) out += `TTL=${ttl}:meaningless`;
              else if (ttl < 0) out += `TTL=${ttl}:invalid`;
              else out += `TTL=${ttl}`;
              comma++;
              if (oldfqdn) {
                out += ",03 draft";
                comma++;
              } else if (ICMP6_NIRLEN === end) {
                out += ",no name";
                comma++;
              }
              if (buf[ICMP6_NIRLEN] !== cc - ICMP6_NIRLEN - 1 && oldfqdn) {
                out += `,invalid namelen:${buf[ICMP6_NIRLEN]}/${cc - ICMP6_NIRLEN - 1}`;
                comma++;
              }
              out += ")";
            }
          }
        }
      }
    } else {
      // Something other than our reply: only with -v.
      if ((options & F_VERBOSE) === 0) return;
      out += `${cc} bytes from ${pr_addr(from)}: `;
      out += pr_icmph(buf, end, options);
    }
    if ((options & F_FLOOD) === 0) {
      out += "\n";
      if ((options & F_VERBOSE) !== 0) out += pr_exthdrs(cmsgs);
      ctx.stdout.write(out);
    } else ctx.stdout.write(out);
  };

  if (preload === 0) pinger();
  else {
    if (npackets !== 0 && preload > npackets) preload = npackets;
    while (preload-- > 0) pinger();
  }
  let last = mono(kp);
  const lastns = (): number => last.sec * 1e9 + last.nsec;

  let seenint = false;
  sys_sigaction(kp, SIGINT, () => (seenint = true));
  const start = mono(kp);
  const alarm_at = alarmtimeout > 0 ? start.sec * 1e9 + start.nsec + alarmtimeout * 1e9 : Infinity;
  if (alarmtimeout > 0) sys_sigaction(kp, SIGALRM, () => (seenint = true));
  if ((options & F_FLOOD) !== 0) intvl_ns = 10 * 1e6;

  let almost_done = false;
  while (!seenint) {
    let now = mono(kp);
    let nowns = now.sec * 1e9 + now.nsec;
    if (nowns >= alarm_at) break;
    let timeout = lastns() + intvl_ns - nowns;
    if (timeout < 0) timeout = 0;
    const readable = await sys_wait_readable(kp, srecv, Math.min(timeout, alarm_at - nowns));
    if (seenint) break;
    now = mono(kp);
    nowns = now.sec * 1e9 + now.nsec;
    if (!readable && nowns >= alarm_at) break;
    if (!readable && nowns < lastns() + intvl_ns) continue;
    let n = readable ? 1 : 0;
    if (readable) {
      const r = recvmsg6(kp, srecv, packlen);
      if (r.error !== 0 || r.data === null) {
        warn(ctx, "recvmsg", r.error);
        continue;
      } else if (r.data.length === 0) {
        // Control data only: a path MTU notification.
        const mtu = get_pathmtu(r.cmsgs, dst, options, pr_addr, ctx);
        if (mtu > 0 && (options & F_VERBOSE) !== 0) ctx.stdout.write(`new path MTU (${mtu}) is notified\n`);
        continue;
      } else {
        pr_pack(r.data, r.data.length, r.from, r.cmsgs, now);
      }
      if (((options & F_ONCE) !== 0 && nreceived > 0) || (npackets > 0 && nreceived >= npackets)) break;
      n = 1;
    }
    if (n === 0 || (options & F_FLOOD) !== 0) {
      if (npackets === 0 || ntransmitted < npackets) pinger();
      else {
        if (almost_done) break;
        almost_done = true;
        // Wait two round trips (or the wait time) for the last replies.
        if (nreceived !== 0) {
          let s = Math.trunc((2 * tmax) / 1000);
          if (s === 0) s = 1;
          intvl_ns = s * 1e9;
        } else intvl_ns = waittime * 1e6;
      }
      last = mono(kp);
      if (ntransmitted - nreceived - 1 > nmissedmax) {
        nmissedmax = ntransmitted - nreceived - 1;
        if ((options & F_MISSED) !== 0) ctx.stdout.write("\x07");
      }
    }
  }

  // summary()
  let s = `\n--- ${hostname} ping6 statistics ---\n`;
  s += `${ntransmitted} packets transmitted, `;
  s += `${nreceived} packets received, `;
  if (nrepeats !== 0) s += `+${nrepeats} duplicates, `;
  if (ntransmitted !== 0) {
    if (nreceived > ntransmitted) s += "-- somebody's duplicating packets!";
    else s += `${(((ntransmitted - nreceived) * 100.0) / ntransmitted).toFixed(1)}% packet loss`;
  }
  if (nrcvtimeout !== 0) s += `, ${nrcvtimeout} packets out of wait time`;
  s += "\n";
  if (nreceived !== 0 && timing) {
    const num = nreceived + nrepeats;
    const avg = tsum / num;
    const dev = Math.sqrt(tsumsq / num - avg * avg);
    s += `round-trip min/avg/max/std-dev = ${tmin.toFixed(3)}/${avg.toFixed(3)}/${tmax.toFixed(3)}/${dev.toFixed(3)} ms\n`;
  }
  ctx.stdout.write(s);
  if (nreceived > 0) return 0;
  if (ntransmitted > ntransmitfailures) return 2;
  throw new prog_exit(EX_OSERR);
}

/** The NI reply's base for DNS compression pointers (ni + 1). */
const ICMP6_NODEINFO_BASE = 16;

/** fill(): -p's pattern, up to 16 bytes, repeated through the payload. */
function fill(ctx: prog_ctx, bp: Uint8Array, off: number, patp: string, options: number): void {
  for (const c of patp) if (!/[0-9a-fA-F]/.test(c)) errx(ctx, 1, "patterns must be specified as hex digits");
  const pat: number[] = [];
  for (let k = 0; k < patp.length && pat.length < 16; k += 2) pat.push(parseInt(patp.slice(k, k + 2), 16));
  const ii = pat.length;
  if (ii > 0) for (let kk = 0; kk <= MAXDATALEN - 8 + ICMP6ECHOTMLEN + ii && off + kk + ii <= bp.length; kk += ii) for (let jj = 0; jj < ii; ++jj) bp[off + jj + kk] = pat[jj];
  if ((options & F_QUIET) === 0) {
    let s = "PATTERN: 0x";
    for (let jj = 0; jj < ii; ++jj) s += hex(bp[off + jj] & 0xff, 2);
    ctx.stdout.write(s + "\n");
  }
}

function int_bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}
/** struct in6_pktinfo: the address, then the interface index (host order). */
function pktinfo_bytes(addr: Uint8Array, ifindex: number): Uint8Array {
  const b = new Uint8Array(20);
  b.set(addr, 0);
  new DataView(b.buffer).setUint32(16, ifindex >>> 0, true);
  return b;
}
/** struct sockaddr_in6 as its 28 bytes (IPV6_NEXTHOP takes one). */
function sockaddr_in6_bytes(sa: sockaddr_in6): Uint8Array {
  const b = new Uint8Array(28);
  const dv = new DataView(b.buffer);
  b[0] = 28;
  b[1] = AF_INET6;
  dv.setUint16(2, sa.sin6_port);
  dv.setUint32(4, sa.sin6_flowinfo);
  b.set(sa.sin6_addr.s6_addr, 8);
  dv.setUint32(24, sa.sin6_scope_id, true);
  return b;
}

/** get_hoplim: the IPV6_HOPLIMIT of the message, or -1. */
function get_hoplim(cmsgs: cmsg6[]): number {
  for (const c of cmsgs) {
    if (c.level === IPPROTO_IPV6 && c.type === IPV6_HOPLIMIT && c.data.length === 4) return new DataView(c.data.buffer, c.data.byteOffset, 4).getInt32(0, true);
  }
  return -1;
}
/** get_rcvpktinfo: the IPV6_PKTINFO of the message, or null. */
function get_rcvpktinfo(cmsgs: cmsg6[]): { addr: in6_addr; ifindex: number } | null {
  for (const c of cmsgs) {
    if (c.level === IPPROTO_IPV6 && c.type === IPV6_PKTINFO && c.data.length === 20) {
      const s = new sockaddr_in6();
      s.sin6_addr.s6_addr.set(c.data.subarray(0, 16));
      return { addr: s.sin6_addr, ifindex: new DataView(c.data.buffer, c.data.byteOffset, 20).getUint32(16, true) };
    }
  }
  return null;
}
/** get_pathmtu: an IPV6_PATHMTU notification for our destination, or 0. */
function get_pathmtu(cmsgs: cmsg6[], dst: sockaddr_in6, options: number, pr_addr: (sa: sockaddr_in6) => string, ctx: prog_ctx): number {
  for (const c of cmsgs) {
    if (c.level !== IPPROTO_IPV6 || c.type !== IPV6_PATHMTU || c.data.length !== 32) continue;
    // struct ip6_mtuinfo: a sockaddr_in6, then the MTU.
    const dv = new DataView(c.data.buffer, c.data.byteOffset, 32);
    const sa = new sockaddr_in6();
    sa.sin6_addr.s6_addr.set(c.data.subarray(8, 24));
    sa.sin6_scope_id = dv.getUint32(24, true);
    const mtu = dv.getUint32(28, true);
    let same = true;
    for (let i = 0; i < 16; i++) if (sa.sin6_addr.s6_addr[i] !== dst.sin6_addr.s6_addr[i]) same = false;
    if (!same || (sa.sin6_scope_id !== 0 && dst.sin6_scope_id !== 0 && sa.sin6_scope_id !== dst.sin6_scope_id)) {
      if ((options & F_VERBOSE) !== 0) ctx.stdout.write(`path MTU for ${pr_addr(sa)} is notified. (ignored)\n`);
      return 0;
    }
    if (mtu < IPV6_MMTU) return 0;
    return mtu;
  }
  return 0;
}

/** pr_exthdrs: with -v, the extension headers the reply came with. */
function pr_exthdrs(cmsgs: cmsg6[]): string {
  let s = "";
  for (const c of cmsgs) {
    if (c.level !== IPPROTO_IPV6) continue;
    switch (c.type) {
      case IPV6_HOPOPTS:
        s += "  HbH Options: " + pr_ip6opt(c.data);
        break;
      case IPV6_DSTOPTS:
      case IPV6_RTHDRDSTOPTS:
        s += "  Dst Options: " + pr_ip6opt(c.data);
        break;
      case IPV6_RTHDR:
        s += "  Routing: " + pr_rthdr(c.data);
        break;
    }
  }
  return s;
}

function pr_ip6opt(ext: Uint8Array): string {
  const extlen = (ext[1] + 1) * 8;
  let s = `nxt ${ext[0]}, len ${ext[1]} (${extlen} bytes)\n`;
  let off = 2;
  while (off < Math.min(extlen, ext.length)) {
    const type = ext[off];
    if (type === 0) {
      off++;
      continue;
    }
    const len = ext[off + 1];
    if (type === 1) {
      off += 2 + len;
      continue;
    }
    if (type === IP6OPT_JUMBO) s += `    Jumbo Payload Opt: Length ${u32(ext, off + 2)}\n`;
    else if (type === IP6OPT_ROUTER_ALERT) s += `    Router Alert Opt: Type ${u16(ext, off + 2)}\n`;
    else s += `    Received Opt ${type} len ${len}\n`;
    off += 2 + len;
  }
  return s;
}

function pr_rthdr(rh: Uint8Array): string {
  let s = `nxt ${rh[0]}, len ${rh[1]} (${(rh[1] + 1) << 3} bytes), type ${rh[2]}, `;
  if (rh[2] !== 0 || rh[1] % 2 !== 0) return s + `segments unknown, ${rh[3]} left\n`;
  const segments = rh[1] / 2;
  s += `${segments} segments, ${rh[3]} left\n`;
  for (let i = 0; i < segments; i++) s += `   [${i}]${inet6_ntoa(rh.subarray(8 + 16 * i, 24 + 16 * i))}\n`;
  return s;
}

/**
 * dnsdecode: a DNS-encoded name at sp (RFC 1035 4.1.4, compression
 * pointers relative to base); the name with its dots and where it ended.
 */
function dnsdecode(b: Uint8Array, sp: number, ep: number, base: number | null): { name: string; next: number } | null {
  let cp = sp;
  let buf = "";
  if (cp >= ep) return null;
  let i = 0;
  while (cp < ep) {
    i = b[cp];
    if (i === 0 || cp !== sp) {
      buf += ".";
      if (buf.length >= MAXDNAME) return null;
    }
    if (i === 0) break;
    cp++;
    if ((i & 0xc0) === 0xc0 && base !== null && cp - base > (i & 0x3f)) {
      const r = dnsdecode(b, base + (i & 0x3f), cp, base);
      if (r === null) return null;
      buf += r.name;
      break;
    } else if ((i & 0x3f) === i) {
      if (i > ep - cp) return null;
      while (i-- > 0 && cp < ep) {
        const c = b[cp];
        buf += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\${c.toString(8).padStart(3, "0")}`;
        cp++;
      }
    } else return null;
  }
  if (i !== 0) return null;
  cp++;
  return { name: buf, next: cp };
}

function pr_bitrange(v: number, soff: number, ii: number, out: { s: string }): number {
  let off = 0;
  while (off < 32) {
    if ((v & 0x01) === 0) {
      if (ii > 1) out.s += `-${soff + off - 1}`;
      ii = 0;
      switch (v & 0x0f) {
        case 0x00:
          v >>>= 4;
          off += 4;
          continue;
        case 0x08:
          v >>>= 3;
          off += 3;
          continue;
        case 0x04:
        case 0x0c:
          v >>>= 2;
          off += 2;
          continue;
        default:
          v >>>= 1;
          off += 1;
          continue;
      }
    }
    let i = 0;
    for (; i < 32 - off; i++) if ((v & (1 << i)) === 0) break;
    if (ii === 0) out.s += ` ${soff + off}`;
    ii += i;
    v = i >= 32 ? 0 : v >>> i;
    off += i;
  }
  return ii;
}

function pr_suptypes(buf: Uint8Array, end: number, niflags: number, options: number): string {
  const out = { s: "NodeInfo Supported Qtypes" };
  if ((options & F_VERBOSE) !== 0) out.s += (niflags & NI_SUPTYPE_FLAG_COMPRESS) !== 0 ? ", compressed bitmap" : ", raw bitmap";
  let cp = ICMP6_NODEINFO_BASE;
  let cur = 0;
  let b = 0;
  while (cp < end) {
    let clen = end - cp;
    let skip = 0;
    if ((niflags & NI_SUPTYPE_FLAG_COMPRESS) === 0) {
      if (clen === 0 || clen > 65536 / 8 || clen % 4 !== 0) return out.s + "???";
    } else {
      if (clen < 4 || clen % 4 !== 0) return out.s;
      const words = u16(buf, cp);
      skip = u16(buf, cp + 2);
      if (4 + words * 4 > clen) return out.s;
      cp += 4;
      clen = words * 4;
      if (cur + clen * 8 + skip * 32 > 65536) return out.s;
    }
    let off = 0;
    for (; off < clen; off += 4) b = pr_bitrange(u32(buf, cp + off), cur + off * 8, b, out);
    b = pr_bitrange(0, cur + off * 8, b, out);
    cp += clen;
    cur += clen * 8;
    if ((niflags & NI_SUPTYPE_FLAG_COMPRESS) !== 0) cur += skip * 32;
  }
  return out.s;
}

function pr_nodeaddr(buf: Uint8Array, end: number, niflags: number, options: number): string {
  let s = "";
  let cp = ICMP6_NODEINFO_BASE;
  let nilen = end - ICMP6_NODEINFO_BASE;
  if ((options & F_VERBOSE) !== 0) {
    switch (buf[1]) {
      case ICMP6_NI_REFUSED:
        s += "refused";
        break;
      case ICMP6_NI_UNKNOWN:
        s += "unknown qtype";
        break;
    }
    if ((niflags & NI_NODEADDR_FLAG_TRUNCATE) !== 0) s += " truncated";
  }
  s += "\n";
  if (nilen <= 0) s += "  no address\n";
  const withttl = nilen % 20 === 0;
  while (nilen > 0) {
    let ttl = 0;
    if (withttl) {
      ttl = u32(buf, cp);
      cp += 4;
      nilen -= 4;
    }
    s += `  ${inet6_ntoa(buf.subarray(cp, cp + 16))}`;
    if (withttl) s += ttl === 0xffffffff ? "(TTL=infty)" : `(TTL=${ttl})`;
    s += "\n";
    nilen -= 16;
    cp += 16;
  }
  // The caller ends the line.
  return s.endsWith("\n") ? s.slice(0, -1) : s;
}

/** pr_icmph: what an ICMPv6 message other than our reply says (-v). */
function pr_icmph(b: Uint8Array, end: number, options: number): string {
  const code = b[1];
  switch (b[0]) {
    case ICMP6_DST_UNREACH: {
      const what =
        code === ICMP6_DST_UNREACH_NOROUTE
          ? "No Route to Destination"
          : code === ICMP6_DST_UNREACH_ADMIN
            ? "Destination Administratively Unreachable"
            : code === ICMP6_DST_UNREACH_BEYONDSCOPE
              ? "Destination Unreachable Beyond Scope"
              : code === ICMP6_DST_UNREACH_ADDR
                ? "Destination Host Unreachable"
                : code === ICMP6_DST_UNREACH_NOPORT
                  ? "Destination Port Unreachable"
                  : `Destination Unreachable, Bad Code: ${code}`;
      return what + "\n" + pr_retip(b, 8, end);
    }
    case ICMP6_PACKET_TOO_BIG:
      return `Packet too big mtu = ${u32(b, 4) | 0}\n` + pr_retip(b, 8, end);
    case ICMP6_TIME_EXCEEDED: {
      const what = code === ICMP6_TIME_EXCEED_TRANSIT ? "Time to live exceeded" : code === ICMP6_TIME_EXCEED_REASSEMBLY ? "Frag reassembly time exceeded" : `Time exceeded, Bad Code: ${code}`;
      return what + "\n" + pr_retip(b, 8, end);
    }
    case ICMP6_PARAM_PROB: {
      let s = "Parameter problem: ";
      s += code === ICMP6_PARAMPROB_HEADER ? "Erroneous Header " : code === ICMP6_PARAMPROB_NEXTHEADER ? "Unknown Nextheader " : code === ICMP6_PARAMPROB_OPTION ? "Unrecognized Option " : `Bad code(${code}) `;
      s += `pointer = 0x${hex(u32(b, 4), 2)}\n`;
      return s + pr_retip(b, 8, end);
    }
    case ICMP6_ECHO_REQUEST:
      return "Echo Request";
    case ICMP6_ECHO_REPLY:
      return "Echo Reply";
    case ICMP6_MEMBERSHIP_QUERY:
      return "Listener Query";
    case ICMP6_MEMBERSHIP_REPORT:
      return "Listener Report";
    case ICMP6_MEMBERSHIP_REDUCTION:
      return "Listener Done";
    case ND_ROUTER_SOLICIT:
      return "Router Solicitation";
    case ND_ROUTER_ADVERT:
      return "Router Advertisement";
    case ND_NEIGHBOR_SOLICIT:
      return "Neighbor Solicitation";
    case ND_NEIGHBOR_ADVERT:
      return "Neighbor Advertisement";
    case ND_REDIRECT:
      return `Redirect\nDestination: ${inet6_ntoa(b.subarray(24, 40))} New Target: ${inet6_ntoa(b.subarray(8, 24))}`;
    case ICMP6_NI_QUERY: {
      let s = "Node Information Query, " + ni_qtype_name(u16(b, 4));
      if ((options & F_VERBOSE) !== 0) {
        const l = end - ICMP6_NODEINFO_BASE;
        switch (b[1]) {
          case ICMP6_NI_SUBJ_IPV6:
            s += l === 16 ? `, subject=IPv6 address(${inet6_ntoa(b.subarray(16, 32))})` : ", oldfqdn";
            break;
          case ICMP6_NI_SUBJ_FQDN: {
            if (end === ICMP6_NODEINFO_BASE) {
              s += ", no subject";
              break;
            }
            s += ", subject=DNS label";
            const r = dnsdecode(b, ICMP6_NODEINFO_BASE, end, null);
            s += r !== null ? `(${r.name})` : "(invalid)";
            break;
          }
          case ICMP6_NI_SUBJ_IPV4:
            s += l === 4 ? `, subject=IPv4 address(${b[16]}.${b[17]}.${b[18]}.${b[19]})` : ", invalid";
            break;
          default:
            s += ", invalid";
        }
      }
      return s;
    }
    case ICMP6_NI_REPLY: {
      let s = "Node Information Reply, " + ni_qtype_name(u16(b, 4));
      if ((options & F_VERBOSE) !== 0) {
        const nircode = ["Success", "Refused", "Unknown"];
        s += b[1] > nircode.length ? ", invalid" : `, ${nircode[b[1]]}`;
      }
      return s;
    }
    default:
      return `Bad ICMP type: ${b[0]}`;
  }
}

function ni_qtype_name(q: number): string {
  switch (q) {
    case NI_QTYPE_NOOP:
      return "NOOP";
    case NI_QTYPE_SUPTYPES:
      return "Supported qtypes";
    case NI_QTYPE_FQDN:
      return "DNS name";
    case NI_QTYPE_NODEADDR:
      return "nodeaddr";
    case NI_QTYPE_IPV4ADDR:
      return "IPv4 nodeaddr";
    default:
      return "unknown qtype";
  }
}

/** pr_iph: the quoted IPv6 header. */
function pr_iph(b: Uint8Array, ip6: number): string {
  const flow = u32(b, ip6) & 0x000fffff;
  let tc = b[ip6 + 1];
  tc = (tc >> 4) & 0x0f;
  tc |= (b[ip6] << 4) & 0xff;
  let s = "Vr TC  Flow Plen Nxt Hlim\n";
  s += ` ${hex((b[ip6] & IPV6_VERSION_MASK) >> 4)} ${hex(tc, 2)} ${hex(flow, 5)} ${hex(u16(b, ip6 + 4), 4)}  ${hex(b[ip6 + 6], 2)}   ${hex(b[ip6 + 7], 2)}\n`;
  s += `${inet6_ntoa(b.subarray(ip6 + 8, ip6 + 24))}->${inet6_ntoa(b.subarray(ip6 + 24, ip6 + 40))}\n`;
  return s;
}

/** pr_retip: the quoted packet: its header and the header chain after it. */
function pr_retip(b: Uint8Array, ip6: number, end: number): string {
  if (end - ip6 < 40) return "IP6...\n";
  let s = pr_iph(b, ip6);
  let hlen = 40;
  let nh = b[ip6 + 6];
  let cp = ip6 + hlen;
  while (end - cp >= 8) {
    switch (nh) {
      case IPPROTO_HOPOPTS:
        s += "HBH ";
        hlen = (b[cp + 1] + 1) << 3;
        nh = b[cp];
        break;
      case IPPROTO_DSTOPTS:
        s += "DSTOPT ";
        hlen = (b[cp + 1] + 1) << 3;
        nh = b[cp];
        break;
      case IPPROTO_FRAGMENT:
        s += "FRAG ";
        hlen = 8;
        nh = b[cp];
        break;
      case IPPROTO_ROUTING:
        s += "RTHDR ";
        hlen = (b[cp + 1] + 1) << 3;
        nh = b[cp];
        break;
      case IPPROTO_ICMPV6:
        return s + `ICMP6: type = ${b[cp]}, code = ${b[cp + 1]}\n`;
      case IPPROTO_ESP:
        return s + "ESP\n";
      case IPPROTO_TCP:
        return s + `TCP: from port ${b[cp] * 256 + b[cp + 1]}, to port ${b[cp + 2] * 256 + b[cp + 3]} (decimal)\n`;
      case IPPROTO_UDP:
        return s + `UDP: from port ${b[cp] * 256 + b[cp + 1]}, to port ${b[cp + 2] * 256 + b[cp + 3]} (decimal)\n`;
      default:
        return s + `Unknown Header(${nh})\n`;
    }
    if ((cp += hlen) >= end) return s + "...\n";
  }
  if (end - cp < 8) return s + "...\n";
  return s + "\n";
}

// ---------------------------------------------------------------------------
// The libc side ping6.c leans on: the resolver, ancillary data (cmsg(3)),
// inet6_rth_space(3).

/** One cmsghdr: level, type and its data. */
interface cmsg6 {
  level: number;
  type: number;
  data: Uint8Array;
}

/** CMSG_ALIGN, CMSG_LEN, CMSG_SPACE on amd64 (cmsghdr is 12 bytes, 8-byte alignment). */
const CMSG_ALIGN = (n: number): number => (n + 7) & ~7;
const CMSG_LEN = (l: number): number => CMSG_ALIGN(12) + l;
const CMSG_SPACE = (l: number): number => CMSG_ALIGN(12) + CMSG_ALIGN(l);
/** CONTROLLEN: the ancillary buffer ping6 gives recvmsg. */
const CONTROLLEN = 10240;

/** getaddrinfo(3) for AF_INET6 / SOCK_RAW / IPPROTO_ICMPV6: the address, the canonical name, or gai_strerror's text. */
function getaddrinfo6(kp: proc, host: string, numeric: boolean): { error: string | null; sa: sockaddr_in6 | null; canonname: string | null } {
  const r = getaddrinfo(kp, host, null, { ai_flags: numeric ? AI_NUMERICHOST : AI_CANONNAME, ai_family: AF_INET6, ai_socktype: SOCK_RAW, ai_protocol: IPPROTO_ICMPV6 });
  if (r.error !== 0) return { error: gai_strerror(r.error), sa: null, canonname: null };
  const ai = r.res[0];
  if (ai === undefined || !("sin6_addr" in ai.ai_addr)) return { error: "cap_getaddrinfo failed", sa: null, canonname: null };
  return { error: null, sa: ai.ai_addr, canonname: ai.ai_canonname };
}

/** getnameinfo(3): the address (numeric, with %zone) or its name. */
function getnameinfo6(kp: proc, sa: sockaddr_in6, numeric: boolean): string | null {
  const r = getnameinfo(kp, sa, numeric ? NI_NUMERICHOST : 0);
  return r.error === 0 ? r.host : null;
}

/** inet_ntop(AF_INET6), "?" when it cannot. */
function inet6_ntoa(b: Uint8Array): string {
  return inet_ntop(AF_INET6, b.subarray(0, 16)) ?? "?";
}

/** inet6_rth_space(IPV6_RTHDR_TYPE_0, segments), as a cmsg's space: 0 past 127 segments. */
function inet6_rth_space(segments: number): number {
  if (segments > 127) return 0;
  return CMSG_SPACE(8 + 16 * segments);
}

/** recvmsg(2) with CONTROLLEN bytes of ancillary data, split into its cmsghdrs. */
function recvmsg6(kp: proc, fd: number, len: number): { error: number; data: Uint8Array | null; from: sockaddr_in6 | null; cmsgs: cmsg6[] } {
  const r = sys_recvmsg(kp, fd, len, CONTROLLEN, 0);
  if (r.error !== 0) return { error: r.error, data: null, from: null, cmsgs: [] };
  const cmsgs: cmsg6[] = [];
  const c = r.control;
  const dv = new DataView(c.buffer, c.byteOffset, c.byteLength);
  for (let off = 0; off + CMSG_LEN(0) <= c.length; ) {
    const clen = dv.getUint32(off, true);
    if (clen < CMSG_LEN(0) || off + clen > c.length) break;
    cmsgs.push({ level: dv.getInt32(off + 4, true), type: dv.getInt32(off + 8, true), data: c.slice(off + CMSG_LEN(0), off + clen) });
    off += CMSG_ALIGN(clen);
  }
  const from = r.from !== null && "sin6_addr" in r.from ? r.from : null;
  return { error: 0, data: r.data, from, cmsgs };
}

/** sendmsg(2) on a connected socket with the given cmsghdrs. */
function sendmsg6(kp: proc, fd: number, buf: Uint8Array, cmsgs: cmsg6[]): { error: number; len: number } {
  let control: Uint8Array | null = null;
  if (cmsgs.length > 0) {
    let n = 0;
    for (const c of cmsgs) n += CMSG_SPACE(c.data.length);
    control = new Uint8Array(n);
    const dv = new DataView(control.buffer);
    let off = 0;
    for (const c of cmsgs) {
      dv.setUint32(off, CMSG_LEN(c.data.length), true);
      dv.setInt32(off + 4, c.level, true);
      dv.setInt32(off + 8, c.type, true);
      control.set(c.data, off + CMSG_LEN(0));
      off += CMSG_SPACE(c.data.length);
    }
  }
  return sys_sendmsg(kp, fd, buf, control, 0, null);
}
