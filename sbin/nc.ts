// contrib/netcat/netcat.c (FreeBSD 14's nc, OpenBSD netcat 1.130): connect
// to or listen on TCP and UDP ports, copying standard input to the network
// and the network to standard output.
//
// Standard input and output are the shell's (a string read at start, a
// sink): they are always ready, so the poll loop asks the kernel only
// about the network socket.  Not here: -U works only as far as the kernel
// has AF_UNIX (it has none), -F (passing a descriptor over stdout), the
// proxy options -x -X -P (no SOCKS or HTTP CONNECT client).

import { EAGAIN, EINPROGRESS, EINTR, ETIMEDOUT, strerror } from "../kern/errno.ts";
import { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC, MSG_PEEK, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_DEBUG, SO_ERROR, SO_RCVBUF, SO_REUSEPORT, SO_SETFIB, SO_SNDBUF, type sockaddr } from "../kern/socket.ts";
import { IPPROTO_IP, IPPROTO_TCP, IPPROTO_UDP, sockaddr_in } from "../netinet/in.ts";
import { IP_BINDANY, IP_TOS } from "../netinet/in_pcb.ts";
import { IPPROTO_IPV6, IPV6_TCLASS } from "../netinet6/ip6_var.ts";
import { sockaddr_in6 } from "../netinet6/in6_var.ts";
import { TCP_MD5SIG, TCP_NOOPT } from "../netinet/tcp.ts";
import {
  IPTOS_LOWDELAY,
  IPTOS_PREC_CRITIC_ECP,
  IPTOS_PREC_INTERNETCONTROL,
  IPTOS_PREC_NETCONTROL,
  IPTOS_RELIABILITY,
  IPTOS_THROUGHPUT,
} from "../netinet/ip.ts";
import {
  F_GETFL,
  F_SETFL,
  O_NONBLOCK,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  sys_bind,
  sys_close,
  sys_close_wait,
  sys_fcntl,
  sys_getsockopt,
  sys_listen,
  sys_poll,
  sys_read,
  sys_recvfrom,
  sys_setsockopt,
  sys_shutdown,
  sys_socket,
  sys_write,
  type pollfd,
  type proc,
} from "../kern/uipc_syscalls.ts";
import { SHUT_RD, SHUT_WR } from "../kern/uipc_socket.ts";
import { arc4random } from "../kern/arc4random.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { getservbyport } from "./netdb.ts";
import { sh_byte_decoder, sh_to_bytes } from "./sh.ts";
import {
  AI_NUMERICHOST,
  AI_PASSIVE,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  accept,
  connect,
  gai_strerror,
  getaddrinfo,
  getnameinfo,
  getopt_long,
  prog_exit,
  prog_run,
  strtonum,
  type addrinfo_hints,
  type prog_ctx,
} from "./libc.ts";

const PORT_MAX = 65535;
const BUFSIZE = 16384;
const INT_MAX = 0x7fffffff;
const UINT_MAX = 0xffffffff;

/** The IPPROTO_SCTP socket --sctp asks for (the kernel has no SCTP). */
const IPPROTO_SCTP = 132;

// RFC 854 telnet commands atelnet answers.
const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;

/** The DiffServ code points and TOS keywords -T takes (map_tos). */
const toskeywords: [string, number][] = [
  ["af11", 0x28],
  ["af12", 0x30],
  ["af13", 0x38],
  ["af21", 0x48],
  ["af22", 0x50],
  ["af23", 0x58],
  ["af31", 0x68],
  ["af32", 0x70],
  ["af33", 0x78],
  ["af41", 0x88],
  ["af42", 0x90],
  ["af43", 0x98],
  ["critical", IPTOS_PREC_CRITIC_ECP],
  ["cs0", 0x00],
  ["cs1", 0x20],
  ["cs2", 0x40],
  ["cs3", 0x60],
  ["cs4", 0x80],
  ["cs5", 0xa0],
  ["cs6", 0xc0],
  ["cs7", 0xe0],
  ["ef", 0xb8],
  ["inetcontrol", IPTOS_PREC_INTERNETCONTROL],
  ["lowdelay", IPTOS_LOWDELAY],
  ["netcontrol", IPTOS_PREC_NETCONTROL],
  ["reliability", IPTOS_RELIABILITY],
  ["throughput", IPTOS_THROUGHPUT],
];

const USAGE =
  "usage: nc [-46DdFhklNnrStUuvz] [-I length] [-i interval] [-O length]\n" +
  "\t  [--no-tcpopt] [--sctp]\n" +
  "\t  [-P proxy_username] [-p source_port] [-s source] [-T ToS]\n" +
  "\t  [-V rtable] [-w timeout] [-X proxy_protocol]\n" +
  "\t  [-x proxy_address[:port]] [destination] [port]\n";

const HELP =
  "\tCommand Summary:\n" +
  "\t\t-4\t\tUse IPv4\n" +
  "\t\t-6\t\tUse IPv6\n" +
  "\t\t-D\t\tEnable the debug socket option\n" +
  "\t\t-d\t\tDetach from stdin\n" +
  "\t\t-F\t\tPass socket fd\n" +
  "\t\t-h\t\tThis help text\n" +
  "\t\t-I length\tTCP receive buffer length\n" +
  "\t\t-i secs\t\tDelay interval for lines sent, ports scanned\n" +
  "\t\t-k\t\tKeep inbound sockets open for multiple connects\n" +
  "\t\t-l\t\tListen mode, for inbound connects\n" +
  "\t\t-N\t\tShutdown the network socket after EOF on stdin\n" +
  "\t\t-n\t\tSuppress name/port resolutions\n" +
  "\t\t--no-tcpopt\tDisable TCP options\n" +
  "\t\t--sctp\t\tSCTP mode\n" +
  "\t\t-O length\tTCP send buffer length\n" +
  "\t\t-P proxyuser\tUsername for proxy authentication\n" +
  "\t\t-p port\t\tSpecify local port for remote connects\n" +
  "\t\t-r\t\tRandomize remote ports\n" +
  "\t\t-S\t\tEnable the TCP MD5 signature option\n" +
  "\t\t-s addr\t\tLocal source address\n" +
  "\t\t-T toskeyword\tSet IP Type of Service\n" +
  "\t\t-t\t\tAnswer TELNET negotiation\n" +
  "\t\t-U\t\tUse UNIX domain socket\n" +
  "\t\t-u\t\tUDP mode\n" +
  "\t\t-V rtable\tSpecify alternate routing table\n" +
  "\t\t-v\t\tVerbose\n" +
  "\t\t-w secs\t\tTimeout for connects and final net reads\n" +
  "\t\t-X proto\tProxy protocol: \"4\", \"5\" (SOCKS) or \"connect\"\n" +
  "\t\t-x addr[:port]\tSpecify proxy address and port\n" +
  "\t\t-z\t\tZero-I/O mode [used for scanning]\n" +
  "\tPort numbers can be individual or ranges: lo-hi [inclusive]\n";

/** One run of nc: its options and its stdio. */
class nc_state {
  dflag = false;
  iflag = 0;
  kflag = false;
  lflag = false;
  Nflag = false;
  nflag = false;
  FreeBSD_Oflag = 0;
  FreeBSD_sctp = false;
  pflag: string | null = null;
  rflag = false;
  sflag: string | null = null;
  tflag = false;
  uflag = false;
  vflag = false;
  zflag = false;
  Dflag = false;
  Iflag = 0;
  Oflag = 0;
  Sflag = false;
  Tflag = -1;
  rtableid = -1;
  /** poll(2)'s timeout in ms (-1: none). */
  timeout = -1;
  family = AF_UNSPEC;
  /** The last failed call's error (errno). */
  errno = 0;
  /** Standard input still to be read (null: detached or at end). */
  stdin: Uint8Array;
  stdinpos = 0;
  readonly decoder = new sh_byte_decoder();
  constructor(
    readonly ctx: prog_ctx,
    readonly kp: proc,
  ) {
    this.stdin = sh_to_bytes(ctx.stdin);
  }
  warnx(msg: string): void {
    this.ctx.stderr.write(`nc: ${msg}\n`);
  }
  warn(msg: string, errno: number): void {
    this.ctx.stderr.write(msg === "" ? `nc: ${strerror(errno)}\n` : `nc: ${msg}: ${strerror(errno)}\n`);
  }
  errx(msg: string): never {
    this.warnx(msg);
    throw new prog_exit(1);
  }
  err(msg: string, errno: number): never {
    this.warn(msg, errno);
    throw new prog_exit(1);
  }
  usage(ret: boolean): void {
    this.ctx.stderr.write(USAGE);
    if (ret) throw new prog_exit(1);
  }
}

export async function nc_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, () => nc(ctx));
}

async function nc(ctx: prog_ctx): Promise<number> {
  const st = new nc_state(ctx, ctx.p as proc);
  const usage1 = (): never => {
    st.usage(true);
    throw new prog_exit(1);
  };
  const { opts, operands } = getopt_long(
    ctx,
    "46DdEe:FhI:i:klMNnoO:P:p:rSs:tT:UuV:vw:X:x:z",
    [
      { name: "no-tcpopt", has_arg: 0, val: "\u0001" },
      { name: "sctp", has_arg: 0, val: "\u0002" },
    ],
    usage1,
  );
  for (const [ch, optarg] of opts) {
    switch (ch) {
      case "4":
        st.family = AF_INET;
        break;
      case "6":
        st.family = AF_INET6;
        break;
      case "U":
        st.family = AF_UNIX;
        break;
      case "X":
      case "x":
      case "P":
      case "F":
        // No proxy client and no descriptor passing here.
        st.errx(`-${ch} is not supported by this nc`);
        break;
      case "d":
        st.dflag = true;
        break;
      case "e":
      case "E":
        st.errx("IPsec support unavailable.");
        break;
      case "h":
        st.usage(false);
        ctx.stderr.write(HELP);
        throw new prog_exit(1);
      case "i": {
        const r = strtonum(optarg, 0, UINT_MAX);
        if (r.errstr !== null) st.errx(`interval ${r.errstr}: ${optarg}`);
        st.iflag = r.v;
        break;
      }
      case "k":
        st.kflag = true;
        break;
      case "l":
        st.lflag = true;
        break;
      case "M":
        st.errx("-M requires stats(3) support");
        break;
      case "N":
        st.Nflag = true;
        break;
      case "n":
        st.nflag = true;
        break;
      case "o":
        ctx.stderr.write("option -o is deprecated.\n");
        break;
      case "p":
        st.pflag = optarg;
        break;
      case "r":
        st.rflag = true;
        break;
      case "s":
        st.sflag = optarg;
        break;
      case "t":
        st.tflag = true;
        break;
      case "u":
        st.uflag = true;
        break;
      case "V": {
        const f = sysctlbyname(ctx.p, "net.fibs");
        if (f.error !== 0 || typeof f.value !== "number") st.errx("Multiple FIBS not supported");
        const r = strtonum(optarg, 0, (f.value as number) - 1);
        if (r.errstr !== null) st.errx(`rtable ${r.errstr}: ${optarg}`);
        st.rtableid = r.v;
        break;
      }
      case "v":
        st.vflag = true;
        break;
      case "w": {
        const r = strtonum(optarg, 0, Math.floor(INT_MAX / 1000));
        if (r.errstr !== null) st.errx(`timeout ${r.errstr}: ${optarg}`);
        st.timeout = r.v * 1000;
        break;
      }
      case "z":
        st.zflag = true;
        break;
      case "D":
        st.Dflag = true;
        break;
      case "I": {
        const r = strtonum(optarg, 1, 65536 << 14);
        if (r.errstr !== null) st.errx(`TCP receive window ${r.errstr}: ${optarg}`);
        st.Iflag = r.v;
        break;
      }
      case "O": {
        const r = strtonum(optarg, 1, 65536 << 14);
        if (r.errstr !== null && r.errstr !== "invalid") st.errx(`TCP send window ${r.errstr}: ${optarg}`);
        st.Oflag = r.v;
        break;
      }
      case "S":
        st.Sflag = true;
        break;
      case "T": {
        const kw = toskeywords.find(([k]) => k === optarg);
        if (kw !== undefined) {
          st.Tflag = kw[1];
          break;
        }
        let v: number;
        let bad = false;
        if (optarg.length > 1 && optarg[0] === "0" && optarg[1] === "x") {
          const m = /^0x([0-9a-fA-F]*)/.exec(optarg);
          v = m === null || m[1] === "" ? 0 : Number.parseInt(m[1], 16);
        } else {
          const r = strtonum(optarg, 0, 255);
          v = r.v;
          bad = r.errstr !== null;
        }
        if (v < 0 || v > 255 || bad) st.errx(`illegal tos value ${optarg}`);
        st.Tflag = v;
        break;
      }
      case "\u0001":
        st.FreeBSD_Oflag = 1;
        break;
      case "\u0002":
        st.FreeBSD_sctp = true;
        break;
      default:
        usage1();
    }
  }

  let host: string | null = null;
  let uport: string | null = null;
  if (operands.length === 1 && st.family === AF_UNIX) host = operands[0];
  else if (operands.length === 1) {
    if (!st.lflag) usage1();
    uport = operands[0];
  } else if (operands.length >= 2) {
    host = operands[0];
    uport = operands[1];
  } else usage1();

  if (st.lflag && st.sflag !== null) st.errx("cannot use -s and -l");
  if (st.lflag && st.pflag !== null) st.errx("cannot use -p and -l");
  if (st.lflag && st.zflag) st.errx("cannot use -z and -l");
  if (!st.lflag && st.kflag) st.errx("must use -l with -k");
  if (st.FreeBSD_sctp) {
    if (st.uflag) st.errx("cannot use -u and --sctp");
    if (st.family === AF_UNIX) st.errx("cannot use -U and --sctp");
  }
  if (st.dflag) st.stdinpos = st.stdin.length;

  const hints: addrinfo_hints = {
    ai_family: st.family,
    ai_socktype: st.uflag ? SOCK_DGRAM : SOCK_STREAM,
    ai_protocol: st.uflag ? IPPROTO_UDP : st.FreeBSD_sctp ? IPPROTO_SCTP : IPPROTO_TCP,
    ai_flags: st.nflag ? AI_NUMERICHOST : 0,
  };

  let s = 0;
  let ret = 1;
  if (st.family === AF_UNIX) {
    // The kernel has no local domain: socket(2) says so.
    const r = sys_socket(st.kp, AF_UNIX, st.uflag ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (st.lflag) st.err("", r.error);
    return 1;
  }
  if (st.lflag) {
    ret = 0;
    // One connection at a time, staying alive with -k.
    for (;;) {
      s = local_listen(st, host, uport as string, hints);
      if (s < 0) st.err("", st.errno);
      if (st.uflag && st.kflag) await readwrite(st, s);
      else if (st.uflag) {
        // Wait for a first datagram and talk to its sender.
        const z = await recvfrom_peek(st, s);
        if (z.error !== 0 || z.from === null) st.err("recvfrom", z.error);
        const e = await connect(ctx.p, s, z.from as sockaddr_in | sockaddr_in6);
        if (e !== 0) st.err("connect", e);
        if (st.vflag) report_connect(st, z.from as sockaddr_in | sockaddr_in6);
        await readwrite(st, s);
      } else {
        const a = await accept(ctx.p, s);
        if (a.error !== 0) st.err("accept", a.error);
        if (st.vflag && a.sa !== null) report_connect(st, a.sa);
        await readwrite(st, a.fd);
        await sys_close_wait(st.kp, a.fd);
      }
      await sys_close_wait(st.kp, s);
      if (!st.kflag) break;
    }
    return ret;
  }

  const portlist = build_ports(st, uport as string);
  s = 0;
  for (const port of portlist) {
    if (s > 0) await sys_close_wait(st.kp, s);
    s = await remote_connect(st, host as string, port, hints);
    if (s < 0) continue;
    ret = 0;
    if (st.vflag || st.zflag) {
      if (st.uflag && udptest(st, s) === -1) {
        ret = 1;
        continue;
      }
      const sv = st.nflag ? null : getservbyport(Number.parseInt(port, 10), st.uflag ? "udp" : "tcp");
      ctx.stderr.write(`Connection to ${host} ${port} port [${st.uflag ? "udp" : "tcp"}/${sv ?? "*"}] succeeded!\n`);
    }
    if (!st.zflag) await readwrite(st, s);
  }
  if (s > 0) await sys_close_wait(st.kp, s);
  return ret;
}

/** recvfrom(MSG_PEEK) on a blocking socket: wait for the first datagram. */
async function recvfrom_peek(st: nc_state, s: number): Promise<{ error: number; from: sockaddr | null }> {
  for (;;) {
    const r = sys_recvfrom(st.kp, s, 2048, MSG_PEEK);
    if (r.error !== EAGAIN) return { error: r.error, from: r.from };
    const w = await sys_poll(st.kp, [{ fd: s, events: POLLIN, revents: 0 }], -1);
    if (w.error !== 0) return { error: w.error, from: null };
  }
}

/** remote_connect: a socket connected to host:port (each address in
 *  turn), bound first with -s/-p; -1 when none answered. */
async function remote_connect(st: nc_state, host: string, port: string, hints: addrinfo_hints): Promise<number> {
  const ctx = st.ctx;
  const g = getaddrinfo(ctx.p, host, port, hints);
  if (g.error !== 0) st.errx(`getaddrinfo: ${gai_strerror(g.error)}`);
  let s = -1;
  for (const res0 of g.res) {
    const so = sys_socket(st.kp, res0.ai_family, res0.ai_socktype, res0.ai_protocol);
    if (so.error !== 0) {
      st.errno = so.error;
      continue;
    }
    s = so.fd;
    if (st.rtableid >= 0 && sys_setsockopt(st.kp, s, SOL_SOCKET, SO_SETFIB, st.rtableid) !== 0) st.err("setsockopt SO_SETFIB", sys_setsockopt(st.kp, s, SOL_SOCKET, SO_SETFIB, st.rtableid));
    if (st.sflag !== null || st.pflag !== null) {
      // Try IP_BINDANY, but do not insist.
      sys_setsockopt(st.kp, s, IPPROTO_IP, IP_BINDANY, 1);
      const a = getaddrinfo(ctx.p, st.sflag, st.pflag, { ai_family: res0.ai_family, ai_socktype: st.uflag ? SOCK_DGRAM : SOCK_STREAM, ai_protocol: st.uflag ? IPPROTO_UDP : IPPROTO_TCP, ai_flags: AI_PASSIVE });
      if (a.error !== 0) st.errx(`getaddrinfo: ${gai_strerror(a.error)}`);
      const e = sys_bind(st.kp, s, a.res[0].ai_addr);
      if (e !== 0) st.err("bind failed", e);
    }
    set_common_sockopts(st, s, res0.ai_family);
    const e = await timeout_connect(st, s, res0.ai_addr);
    if (e === 0) return s;
    st.errno = e;
    if (st.vflag) st.warn(`connect to ${host} port ${port} (${st.uflag ? "udp" : "tcp"}) failed`, e);
    sys_close(st.kp, s);
    s = -1;
  }
  return s;
}

/** timeout_connect: connect, giving up after -w seconds (ETIMEDOUT). */
async function timeout_connect(st: nc_state, s: number, name: sockaddr_in | sockaddr_in6): Promise<number> {
  let flags = 0;
  if (st.timeout !== -1) {
    flags = sys_fcntl(st.kp, s, F_GETFL, 0).value;
    if (sys_fcntl(st.kp, s, F_SETFL, flags | O_NONBLOCK).error !== 0) st.err("set non-blocking mode", sys_fcntl(st.kp, s, F_SETFL, flags | O_NONBLOCK).error);
  }
  let ret = await connect(st.ctx.p, s, name);
  if (ret === EINPROGRESS) {
    const pfd: pollfd = { fd: s, events: POLLOUT, revents: 0 };
    const r = await sys_poll(st.kp, [pfd], st.timeout < 0 ? -1 : st.timeout * 1e6);
    if (r.error !== 0) st.err("poll failed", r.error);
    if (r.n === 1) {
      const g = sys_getsockopt(st.kp, s, SOL_SOCKET, SO_ERROR);
      ret = g.error !== 0 ? g.error : typeof g.val === "number" ? g.val : 0;
    } else ret = ETIMEDOUT;
  }
  if (st.timeout !== -1 && sys_fcntl(st.kp, s, F_SETFL, flags).error !== 0) st.err("restoring flags", sys_fcntl(st.kp, s, F_SETFL, flags).error);
  return ret;
}

/** local_listen: a socket bound to host:port (the wildcard of IPv4 when
 *  no host and no family is given), listening for TCP; -1 on failure. */
function local_listen(st: nc_state, host: string | null, port: string, hints0: addrinfo_hints): number {
  const hints = { ...hints0, ai_flags: (hints0.ai_flags ?? 0) | AI_PASSIVE };
  if (host === null && hints.ai_family === AF_UNSPEC) hints.ai_family = AF_INET;
  const g = getaddrinfo(st.ctx.p, host, port, hints);
  if (g.error !== 0) st.errx(`getaddrinfo: ${gai_strerror(g.error)}`);
  let s = -1;
  for (const res0 of g.res) {
    const so = sys_socket(st.kp, res0.ai_family, res0.ai_socktype, res0.ai_protocol);
    if (so.error !== 0) {
      st.errno = so.error;
      continue;
    }
    s = so.fd;
    if (st.rtableid >= 0) {
      const e = sys_setsockopt(st.kp, s, SOL_SOCKET, SO_SETFIB, st.rtableid);
      if (e !== 0) st.err("setsockopt SO_SETFIB", e);
    }
    const e1 = sys_setsockopt(st.kp, s, SOL_SOCKET, SO_REUSEPORT, 1);
    if (e1 !== 0) st.err("", e1);
    if (st.FreeBSD_Oflag !== 0) {
      const e = sys_setsockopt(st.kp, s, IPPROTO_TCP, TCP_NOOPT, st.FreeBSD_Oflag);
      if (e !== 0) st.err("disable TCP options", e);
    }
    set_common_sockopts(st, s, res0.ai_family);
    const e2 = sys_bind(st.kp, s, res0.ai_addr);
    if (e2 === 0) break;
    st.errno = e2;
    sys_close(st.kp, s);
    s = -1;
  }
  if (!st.uflag && s !== -1) {
    const e = sys_listen(st.kp, s, 1);
    if (e !== 0) st.err("listen", e);
  }
  return s;
}

/** set_common_sockopts: -S -D -T -I -O --no-tcpopt. */
function set_common_sockopts(st: nc_state, s: number, af: number): void {
  if (st.Sflag) {
    const e = sys_setsockopt(st.kp, s, IPPROTO_TCP, TCP_MD5SIG, 1);
    if (e !== 0) st.err("", e);
  }
  if (st.Dflag) {
    const e = sys_setsockopt(st.kp, s, SOL_SOCKET, SO_DEBUG, 1);
    if (e !== 0) st.err("", e);
  }
  if (st.Tflag !== -1) {
    const e = af === AF_INET6 ? sys_setsockopt(st.kp, s, IPPROTO_IPV6, IPV6_TCLASS, st.Tflag) : sys_setsockopt(st.kp, s, IPPROTO_IP, IP_TOS, st.Tflag);
    if (e !== 0) st.err("set IP ToS", e);
  }
  if (st.Iflag !== 0) {
    const e = sys_setsockopt(st.kp, s, SOL_SOCKET, SO_RCVBUF, st.Iflag);
    if (e !== 0) st.err("set TCP receive buffer size", e);
  }
  if (st.Oflag !== 0) {
    const e = sys_setsockopt(st.kp, s, SOL_SOCKET, SO_SNDBUF, st.Oflag);
    if (e !== 0) st.err("set TCP send buffer size", e);
  }
  if (st.FreeBSD_Oflag !== 0) {
    const e = sys_setsockopt(st.kp, s, IPPROTO_TCP, TCP_NOOPT, st.FreeBSD_Oflag);
    if (e !== 0) st.err("disable TCP options", e);
  }
}

/** build_ports: the port, or each port of lo-hi (shuffled with -r). */
function build_ports(st: nc_state, p: string): string[] {
  const dash = p.indexOf("-");
  if (dash >= 0) {
    const n = p.slice(dash + 1);
    const l = p.slice(0, dash);
    const h = strtonum(n, 1, PORT_MAX);
    if (h.errstr !== null) st.errx(`port number ${h.errstr}: ${n}`);
    const lo0 = strtonum(l, 1, PORT_MAX);
    if (lo0.errstr !== null) st.errx(`port number ${lo0.errstr}: ${l}`);
    let hi = h.v;
    let lo = lo0.v;
    if (lo > hi) [lo, hi] = [hi, lo];
    const list: string[] = [];
    for (let cp = lo; cp <= hi; cp++) list.push(String(cp));
    if (st.rflag) {
      for (let x = 0; x <= hi - lo; x++) {
        // FreeBSD swaps with a slot below hi - lo (never the last one).
        const y = hi - lo === 0 ? 0 : (arc4random() & 0xffff) % (hi - lo);
        const c = list[x];
        list[x] = list[y];
        list[y] = c;
      }
    }
    return list;
  }
  const r = strtonum(p, 1, PORT_MAX);
  if (r.errstr !== null) st.errx(`port number ${r.errstr}: ${p}`);
  return [p];
}

/** udptest: a few writes to see whether the UDP port is there. */
function udptest(st: nc_state, s: number): number {
  let ret = -1;
  const x = new Uint8Array([0x58]);
  for (let i = 0; i <= 3; i++) ret = sys_write(st.kp, s, x).len === 1 ? 1 : -1;
  return ret;
}

/** report_connect: -v's line for an accepted connection. */
function report_connect(st: nc_state, sa: sockaddr_in | sockaddr_in6): void {
  let flags = NI_NUMERICSERV;
  if (st.nflag) flags |= NI_NUMERICHOST;
  const r = getnameinfo(st.ctx.p, sa, flags);
  if (r.error !== 0) st.errx(`getnameinfo: ${gai_strerror(r.error)}`);
  st.ctx.stderr.write(`Connection from ${r.host} ${r.serv} received!\n`);
}

/** atelnet: refuse every option the peer offers or asks for. */
function atelnet(st: nc_state, nfd: number, buf: Uint8Array, size: number): void {
  if (size < 3) return;
  const end = size - 2;
  for (let p = 0; p < end; p++) {
    if (buf[p] !== IAC) continue;
    p++;
    let reply: number;
    if (buf[p] === WILL || buf[p] === WONT) reply = DONT;
    else if (buf[p] === DO || buf[p] === DONT) reply = WONT;
    else continue;
    p++;
    const obuf = new Uint8Array([IAC, reply, buf[p]]);
    if (sys_write(st.kp, nfd, obuf).len !== 3) st.warnx("Write Error!");
  }
}

const POLL_STDIN = 0;
const POLL_NETOUT = 1;
const POLL_NETIN = 2;
const POLL_STDOUT = 3;

/**
 * readwrite: copy stdin to the network and the network to stdout until
 * both inputs are done (or, listening, the network input is), as netcat's
 * four-descriptor poll loop does.  stdin and stdout are the shell's and
 * always ready; only the network is polled in the kernel.
 */
async function readwrite(st: nc_state, net_fd: number): Promise<void> {
  const ctx = st.ctx;
  const netinbuf = new Uint8Array(BUFSIZE);
  let netinbufpos = 0;
  const stdinbuf = new Uint8Array(BUFSIZE);
  let stdinbufpos = 0;
  // fd -1: gone.  Index 0 and 3 are stdio (0 and 1), 1 and 2 the network.
  const fd = [st.dflag ? -1 : 0, net_fd, net_fd, 1];
  const events = [POLLIN, 0, POLLIN, 0];
  const revents = [0, 0, 0, 0];
  for (;;) {
    if (fd[POLL_STDIN] === -1 && fd[POLL_NETIN] === -1 && stdinbufpos === 0 && netinbufpos === 0) {
      await sys_close_wait(st.kp, net_fd);
      return;
    }
    if (fd[POLL_NETOUT] === -1 && fd[POLL_STDOUT] === -1) {
      await sys_close_wait(st.kp, net_fd);
      return;
    }
    if (st.lflag && fd[POLL_NETIN] === -1 && stdinbufpos === 0 && netinbufpos === 0) {
      await sys_close_wait(st.kp, net_fd);
      return;
    }
    if (st.iflag !== 0) await sys_poll(st.kp, [], st.iflag * 1e9);

    // poll: the shell's stdin is readable (data or its end) and stdout
    // writable at once; the network asks the kernel.
    revents[POLL_STDIN] = fd[POLL_STDIN] !== -1 && (events[POLL_STDIN] & POLLIN) !== 0 ? POLLIN : 0;
    revents[POLL_STDOUT] = fd[POLL_STDOUT] !== -1 && (events[POLL_STDOUT] & POLLOUT) !== 0 ? POLLOUT : 0;
    const net: pollfd[] = [
      { fd: fd[POLL_NETOUT], events: events[POLL_NETOUT], revents: 0 },
      { fd: fd[POLL_NETIN], events: events[POLL_NETIN], revents: 0 },
    ];
    const local_ready = revents[POLL_STDIN] !== 0 || revents[POLL_STDOUT] !== 0;
    const r = await sys_poll(st.kp, net, local_ready ? 0 : st.timeout < 0 ? -1 : st.timeout * 1e6);
    if (r.error !== 0) {
      sys_close(st.kp, net_fd);
      st.err("polling error", r.error);
    }
    revents[POLL_NETOUT] = net[0].revents;
    revents[POLL_NETIN] = net[1].revents;
    const num_fds = r.n + (revents[POLL_STDIN] !== 0 ? 1 : 0) + (revents[POLL_STDOUT] !== 0 ? 1 : 0);
    if (num_fds === 0) return;

    for (let n = 0; n < 4; n++) if ((revents[n] & (POLLERR | POLLNVAL)) !== 0) fd[n] = -1;
    if ((events[POLL_NETIN] & POLLIN) !== 0 && (revents[POLL_NETIN] & POLLHUP) !== 0 && (revents[POLL_NETIN] & POLLIN) === 0) fd[POLL_NETIN] = -1;
    if ((revents[POLL_NETOUT] & POLLHUP) !== 0) {
      if (st.Nflag) sys_shutdown(st.kp, fd[POLL_NETOUT], SHUT_WR);
      fd[POLL_NETOUT] = -1;
    }
    if (fd[POLL_NETOUT] === -1) fd[POLL_STDIN] = -1;
    if (fd[POLL_STDOUT] === -1) {
      if (fd[POLL_NETIN] !== -1) sys_shutdown(st.kp, fd[POLL_NETIN], SHUT_RD);
      fd[POLL_NETIN] = -1;
    }

    // stdin into its buffer.
    if (fd[POLL_STDIN] !== -1 && (revents[POLL_STDIN] & POLLIN) !== 0 && stdinbufpos < BUFSIZE) {
      const n = Math.min(BUFSIZE - stdinbufpos, st.stdin.length - st.stdinpos);
      stdinbuf.set(st.stdin.subarray(st.stdinpos, st.stdinpos + n), stdinbufpos);
      st.stdinpos += n;
      stdinbufpos += n;
      if (n === 0) {
        fd[POLL_STDIN] = -1;
        ctx.stdin_read = true;
      }
      if (stdinbufpos > 0) events[POLL_NETOUT] = POLLOUT;
      if (stdinbufpos === BUFSIZE) events[POLL_STDIN] = 0;
    }
    // stdin's buffer to the network.
    if ((revents[POLL_NETOUT] & POLLOUT) !== 0 && stdinbufpos > 0) {
      const w = sys_write(st.kp, fd[POLL_NETOUT], stdinbuf.subarray(0, stdinbufpos));
      if (w.error !== 0 && w.error !== EAGAIN && w.error !== EINTR) fd[POLL_NETOUT] = -1;
      else if (w.len > 0) {
        stdinbuf.copyWithin(0, w.len, stdinbufpos);
        stdinbufpos -= w.len;
      }
      if (stdinbufpos === 0) events[POLL_NETOUT] = 0;
      if (stdinbufpos < BUFSIZE) events[POLL_STDIN] = POLLIN;
    }
    // The network into its buffer.
    if ((revents[POLL_NETIN] & POLLIN) !== 0 && netinbufpos < BUFSIZE) {
      const rd = sys_read(st.kp, fd[POLL_NETIN], BUFSIZE - netinbufpos);
      if (rd.error !== 0 && rd.error !== EAGAIN && rd.error !== EINTR) fd[POLL_NETIN] = -1;
      else if (rd.error === 0 && rd.data !== null) {
        if (rd.data.length === 0) {
          sys_shutdown(st.kp, fd[POLL_NETIN], SHUT_RD);
          fd[POLL_NETIN] = -1;
        } else {
          netinbuf.set(rd.data, netinbufpos);
          netinbufpos += rd.data.length;
        }
      }
      if (netinbufpos > 0) events[POLL_STDOUT] = POLLOUT;
      if (netinbufpos === BUFSIZE) events[POLL_NETIN] = 0;
      if (st.tflag) atelnet(st, net_fd, netinbuf, netinbufpos);
    }
    // The network's buffer to stdout (never short: the shell takes it all).
    if ((revents[POLL_STDOUT] & POLLOUT) !== 0 && netinbufpos > 0) {
      ctx.stdout.write(st.decoder.decode(netinbuf.subarray(0, netinbufpos), true));
      netinbufpos = 0;
      events[POLL_STDOUT] = 0;
      events[POLL_NETIN] = POLLIN;
    }

    if (fd[POLL_STDIN] === -1 && stdinbufpos === 0) {
      if (fd[POLL_NETOUT] !== -1 && st.Nflag) sys_shutdown(st.kp, fd[POLL_NETOUT], SHUT_WR);
      fd[POLL_NETOUT] = -1;
    }
    if (fd[POLL_NETIN] === -1 && netinbufpos === 0) {
      // Whatever the decoder kept of a character cut in two goes out now.
      const tail = st.decoder.end();
      if (tail !== "") ctx.stdout.write(tail);
      fd[POLL_STDOUT] = -1;
    }
  }
}
