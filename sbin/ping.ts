// sbin/ping/main.c, sbin/ping/ping.c: ping(8).  main.c picks the family
// (-4, -6, the `ping6` name, or the target's form) and runs ping.c's IPv4
// ping here or ping6.c's (sbin/ping6.ts).  IPv4: one raw ICMP socket sends (connected to the target,
// with the options the flags ask for), another receives every ICMP message
// of the vnet; replies to our requests are printed in ping's format and the
// run ends with the statistics block.  Exit status: 0 if any reply came
// back, 2 if none did, 1 for usage, sysexits(3) values for bad values.
// Intervals and timeouts are virtual time: the process sleeps in the kernel.

import { EPERM, strerror } from "../kern/errno.ts";
import { AF_INET, AF_INET6, AF_UNSPEC, SOCK_RAW, SOL_SOCKET, SO_DEBUG, SO_DONTROUTE, SO_RCVBUF, SO_SNDBUF } from "../kern/socket.ts";
import { CLOCK_MONOTONIC, sys_clock_gettime } from "../kern/kern_time.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { inet_aton, inet_ntoa, sockaddr_in, IPPROTO_ICMP, IPPROTO_IP, IN_MULTICAST } from "../netinet/in.ts";
import { IP_HDRINCL, IP_MULTICAST_IF, IP_MULTICAST_LOOP, IP_MULTICAST_TTL, IP_OPTIONS, IP_TTL, IP_VLAN_PCP } from "../netinet/in_pcb.ts";
import { sys_bind, sys_close, sys_connect, sys_recvfrom, sys_sendto, sys_setsockopt, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { sys_wait_readable } from "../kern/sys_generic.ts";
import { SIGINT, SIGALRM, sys_sigaction } from "../kern/kern_sig.ts";
import { errx as libc_errx, getaddrinfo, getopt, inet_pton, prog_exit, prog_run, progname, type prog_ctx } from "./libc.ts";
import { ping6 } from "./ping6.ts";

const EX_USAGE = 64;
const EX_NOHOST = 68;
const EX_OSERR = 71;
const EX_NOPERM = 77;

const ICMP_ECHOREPLY = 0;
const ICMP_UNREACH = 3;
const ICMP_SOURCEQUENCH = 4;
const ICMP_REDIRECT = 5;
const ICMP_ECHO = 8;
const ICMP_ROUTERADVERT = 9;
const ICMP_ROUTERSOLICIT = 10;
const ICMP_TIMXCEED = 11;
const ICMP_PARAMPROB = 12;
const ICMP_TSTAMP = 13;
const ICMP_TSTAMPREPLY = 14;
const ICMP_IREQ = 15;
const ICMP_IREQREPLY = 16;
const ICMP_MASKREQ = 17;
const ICMP_MASKREPLY = 18;
const ICMP_MINLEN = 8;
const ICMP_TSLEN = 20;
const ICMP_MASKLEN = 12;
const MASK_LEN = ICMP_MASKLEN - ICMP_MINLEN;
const TS_LEN = ICMP_TSLEN - ICMP_MINLEN;

const IPOPT_EOL = 0;
const IPOPT_NOP = 1;
const IPOPT_RR = 7;
const IPOPT_LSRR = 131;
const IPOPT_SSRR = 137;
const IPOPT_OLEN = 1;
const IPOPT_OFFSET = 2;
const IPOPT_MINOFF = 4;
const MAX_IPOPTLEN = 40;
const IP_MAXPACKET = 65535;
const IP_DF = 0x4000;
const IPVERSION = 4;
const MAXTTL = 255;
const INADDR_LEN = 4;

/** struct tv32: what goes in the packet to time the round trip. */
const TIMEVAL_LEN = 8;
/** sizeof(struct timespec): a reply must carry this much to be timed. */
const TIMESPEC_LEN = 16;
const DEFDATALEN = 56;
const MAXWAIT = 10000;
const MAXALARM = 60 * 60;
const MAXTOS = 255;
const MAX_DUP_CHK = 8 * 128;
const INT_MAX = 2 ** 31 - 1;
const LONG_MAX = 2 ** 63 - 1;

const F_FLOOD = 0x0001;
const F_INTERVAL = 0x0002;
const F_NUMERIC = 0x0004;
const F_PINGFILLED = 0x0008;
const F_QUIET = 0x0010;
const F_RROUTE = 0x0020;
const F_SO_DEBUG = 0x0040;
const F_SO_DONTROUTE = 0x0080;
const F_VERBOSE = 0x0100;
const F_QUIET2 = 0x0200;
const F_NOLOOP = 0x0400;
const F_MTTL = 0x0800;
const F_MIF = 0x1000;
const F_AUDIBLE = 0x2000;
const F_TTL = 0x8000;
const F_MISSED = 0x10000;
const F_ONCE = 0x20000;
const F_HDRINCL = 0x40000;
const F_MASK = 0x80000;
const F_TIME = 0x100000;
const F_SWEEP = 0x200000;
const F_WAITTIME = 0x400000;
const F_IP_VLAN_PCP = 0x800000;

const BBELL = "\x07";
const BSPACE = "\b";
const DOT = ".";

/** main.c's usage(): both families, as a kernel with INET and INET6 has it. */
export function ping_usage(ctx: prog_ctx): never {
  ctx.stderr.write(
    "usage:\n" +
      "\tping [-4AaDdfHnoQqRrv] [-C pcp] [-c count] [-G sweepmaxsize]\n" +
      "\t    [-g sweepminsize] [-h sweepincrsize] [-i wait] [-l preload]\n" +
      "\t    [-M mask | time] [-m ttl][-p pattern] [-S src_addr] \n" +
      "\t    [-s packetsize] [-t timeout] [-W waittime] [-z tos] IPv4-host\n" +
      "\tping [-4AaDdfHLnoQqRrv] [-C pcp] [-c count] [-I iface] [-i wait]\n" +
      "\t    [-l preload] [-M mask | time] [-m ttl] [-p pattern]\n" +
      "\t    [-S src_addr] [-s packetsize] [-T ttl] [-t timeout] [-W waittime]\n" +
      "            [-z tos] IPv4-mcast-group\n" +
      "\tping [-6aADdfHnNoOquvyY] [-b bufsiz] [-c count] [-e gateway]\n" +
      "            [-I interface] [-i wait] [-k addrtype] [-l preload] [-m hoplimit]\n" +
      "            [-p pattern] [-S sourceaddr] [-s packetsize] [-t timeout]\n" +
      "\t    [-W waittime] [-z tclass] [IPv6-hops ...] IPv6-host\n",
  );
  throw new prog_exit(1);
}
function usage(ctx: prog_ctx): never {
  return ping_usage(ctx);
}

function errx(ctx: prog_ctx, status: number, msg: string): never {
  ctx.stderr.write(`ping: ${msg}\n`);
  throw new prog_exit(status);
}
function err(ctx: prog_ctx, status: number, msg: string, errno: number): never {
  ctx.stderr.write(`ping: ${msg}: ${strerror(errno)}\n`);
  throw new prog_exit(status);
}

/** strtonum(3): a base-10 integer within [min, max], or null. */
function strtonum(s: string, min: number, max: number): number | null {
  if (!/^[ \t\n]*[-+]?[0-9]+$/.test(s)) return null;
  const n = Number(s.trim());
  return n < min || n > max ? null : n;
}

/** strtod(3) over the whole string (ping rejects trailing junk). */
function strtod_all(s: string): number | null {
  return /^[ \t\n]*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(s) ? Number(s.trim()) : null;
}

/** strtoul/strtol(s, &ep, 0): the number at the start and the rest. */
function strtol0(s: string): { v: number; rest: string; ok: boolean } {
  const m = /^[ \t\n]*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (m === null) return { v: 0, rest: s, ok: false };
  const body = m[2];
  let v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === "0" ? parseInt(body, 8) : Number(body);
  if (m[1] === "-") v = -v;
  return { v, rest: s.slice(m[0].length), ok: true };
}

/** The Internet checksum over a flat buffer (ping.c's in_cksum). */
function in_cksum(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  let i = 0;
  for (; i + 1 < len; i += 2) sum += (b[off + i] << 8) | b[off + i + 1];
  if (i < len) sum += b[off + i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const hex = (v: number, w: number): string => v.toString(16).padStart(w, "0");
const u8 = (b: Uint8Array, i: number): number => (i < b.length ? b[i] : 0);
const u16 = (b: Uint8Array, i: number): number => (u8(b, i) << 8) | u8(b, i + 1);
const u32 = (b: Uint8Array, i: number): number => ((u8(b, i) << 24) | (u8(b, i + 1) << 16) | (u8(b, i + 2) << 8) | u8(b, i + 3)) >>> 0;

/** pr_iph(): the quoted IP header.  ping.c passes the 16-bit ip_off
 *  through ntohl(), which on a little-endian machine leaves only zeros in
 *  the bits it then shows: Flg and off always print as 0 and 0000. */
function pr_iph(b: Uint8Array, ip: number): string {
  const hl = u8(b, ip) & 0xf;
  const ipoff_as_printed = 0;
  let s = "Vr HL TOS  Len   ID Flg  off TTL Pro  cks      Src      Dst\n";
  s += ` ${(u8(b, ip) >> 4).toString(16)}  ${hl.toString(16)}  ${hex(u8(b, ip + 1), 2)} ${hex(u16(b, ip + 2), 4)} ${hex(u16(b, ip + 4), 4)}`;
  s += `   ${((ipoff_as_printed & 0xe000) >> 13).toString(16)} ${hex(ipoff_as_printed & 0x1fff, 4)}`;
  s += `  ${hex(u8(b, ip + 8), 2)}  ${hex(u8(b, ip + 9), 2)} ${hex(u16(b, ip + 10), 4)}`;
  s += ` ${inet_ntoa(u32(b, ip + 12))} `;
  s += ` ${inet_ntoa(u32(b, ip + 16))} `;
  for (let i = 20; i < hl * 4; i++) s += hex(u8(b, ip + i), 2);
  return s + "\n";
}

/** pr_retip(): the quoted header and, for TCP and UDP, the ports. */
function pr_retip(b: Uint8Array, oip: number, oicmp: number): string {
  let s = pr_iph(b, oip);
  const p = u8(b, oip + 9);
  if (p === 6) s += `TCP: from port ${u16(b, oicmp)}, to port ${u16(b, oicmp + 2)} (decimal)\n`;
  else if (p === 17) s += `UDP: from port ${u16(b, oicmp)}, to port ${u16(b, oicmp + 2)} (decimal)\n`;
  return s;
}

/** pr_icmph(): what an ICMP message that is not our reply says. */
function pr_icmph(b: Uint8Array, icp: number, oip: number, oicmp: number): string {
  const code = u8(b, icp + 1);
  switch (u8(b, icp)) {
    case ICMP_ECHOREPLY:
      return "Echo Reply\n";
    case ICMP_UNREACH: {
      const what =
        code === 0
          ? "Destination Net Unreachable"
          : code === 1
            ? "Destination Host Unreachable"
            : code === 2
              ? "Destination Protocol Unreachable"
              : code === 3
                ? "Destination Port Unreachable"
                : code === 4
                  ? `frag needed and DF set (MTU ${u16(b, icp + 6)})`
                  : code === 5
                    ? "Source Route Failed"
                    : code === 13
                      ? "Communication prohibited by filter"
                      : `Dest Unreachable, Bad Code: ${code}`;
      return what + "\n" + pr_retip(b, oip, oicmp);
    }
    case ICMP_SOURCEQUENCH:
      return "Source Quench\n" + pr_retip(b, oip, oicmp);
    case ICMP_REDIRECT: {
      const what = ["Redirect Network", "Redirect Host", "Redirect Type of Service and Network", "Redirect Type of Service and Host"][code] ?? `Redirect, Bad Code: ${code}`;
      return `${what}(New addr: ${inet_ntoa(u32(b, icp + 4))})\n` + pr_retip(b, oip, oicmp);
    }
    case ICMP_ECHO:
      return "Echo Request\n";
    case ICMP_TIMXCEED:
      return (code === 0 ? "Time to live exceeded" : code === 1 ? "Frag reassembly time exceeded" : `Time exceeded, Bad Code: ${code}`) + "\n" + pr_retip(b, oip, oicmp);
    case ICMP_PARAMPROB:
      return `Parameter problem: pointer = 0x${hex(u8(b, icp + 4), 2)}\n` + pr_retip(b, oip, oicmp);
    case ICMP_TSTAMP:
      return "Timestamp\n";
    case ICMP_TSTAMPREPLY:
      return "Timestamp Reply\n";
    case ICMP_IREQ:
      return "Information Request\n";
    case ICMP_IREQREPLY:
      return "Information Reply\n";
    case ICMP_MASKREQ:
      return "Address Mask Request\n";
    case ICMP_MASKREPLY:
      return "Address Mask Reply\n";
    case ICMP_ROUTERADVERT:
      return "Router Advertisement\n";
    case ICMP_ROUTERSOLICIT:
      return "Router Solicitation\n";
    default:
      return `Bad ICMP type: ${u8(b, icp)}\n`;
  }
}

/** pr_ntime(): an ICMP timestamp (ms since midnight) as hh:mm:ss. */
function pr_ntime(ts: number): string {
  let sec = Math.floor(ts / 1000);
  const hour = Math.floor(sec / 3600);
  const min = Math.floor((sec % 3600) / 60);
  sec = (sec % 3600) % 60;
  const p2 = (n: number): string => String(n).padStart(2, "0");
  return `${p2(hour)}:${p2(min)}:${p2(sec)}`;
}

/** clock_gettime(CLOCK_MONOTONIC) as nanoseconds. */
function mono_ns(kp: proc): number {
  const ts = sys_clock_gettime(kp, CLOCK_MONOTONIC);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/** sysctlbyname(3) for an int. */
function sysctl_int(kp: proc, name: string): { error: number; v: number } {
  const r = sysctlbyname(kp, name);
  if (r.error !== 0) return { error: r.error, v: 0 };
  return { error: 0, v: typeof r.value === "number" ? r.value : Number(r.value) };
}

export async function ping_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, () => ping_family(ctx));
}

/**
 * main.c: -4 and -6 (a first pass that ignores every other option and
 * stops at the first operand), the `ping6` name, then the target decides:
 * an IPv4 or IPv6 literal, else whatever the resolver finds first.
 */
async function ping_family(ctx: prog_ctx): Promise<number> {
  const argv = ctx.argv;
  let ipv4 = false;
  let ipv6 = progname(ctx) === "ping6";
  let optind = 1;
  for (; optind < argv.length; optind++) {
    const a = argv[optind];
    if (a === "--") {
      optind++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    for (let j = 1; j < a.length; j++) {
      if (a[j] === "4") ipv4 = true;
      else if (a[j] === "6") ipv6 = true;
    }
  }
  if (optind >= argv.length) ping_usage(ctx);
  if (ipv4 && ipv6) libc_errx(ctx, 1, "-4 and -6 cannot be used simultaneously");
  const last = argv[argv.length - 1];
  let family = AF_UNSPEC;
  if (inet_pton(AF_INET, last, new Uint8Array(4)) === 1) {
    if (ipv6) libc_errx(ctx, 1, "IPv6 requested but IPv4 target address provided");
    family = AF_INET;
  } else if (inet_pton(AF_INET6, last, new Uint8Array(16)) === 1) {
    if (ipv4) libc_errx(ctx, 1, "IPv4 requested but IPv6 target address provided");
    family = AF_INET6;
  } else if (ipv6) family = AF_INET6;
  else if (ipv4) family = AF_INET;
  else {
    const r = getaddrinfo(ctx.p, last, null, { ai_flags: 0, ai_family: AF_UNSPEC, ai_socktype: SOCK_RAW, ai_protocol: 0 });
    if (r.error === 0 && r.res.length > 0) family = r.res[0].ai_family;
  }
  if (family === AF_INET) return ping(ctx);
  if (family === AF_INET6) return ping6(ctx);
  libc_errx(ctx, 1, "Unknown host");
}

async function ping(ctx: prog_ctx): Promise<number> {
  const kp = ctx.p as proc;
  let options = F_NUMERIC;

  // Both sockets first, as ping does before it drops privilege; a failure
  // is reported before the arguments are looked at.
  const ss = sys_socket(kp, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  const sr = sys_socket(kp, AF_INET, SOCK_RAW, IPPROTO_ICMP);
  const fds: number[] = [];
  if (ss.error === 0) fds.push(ss.fd);
  if (sr.error === 0) fds.push(sr.fd);
  try {
    const uid = kp.p_ucred.cr_uid;
    if (ss.error !== 0) err(ctx, EX_OSERR, "ssend socket", ss.error);
    if (sr.error !== 0) err(ctx, EX_OSERR, "srecv socket", sr.error);
    const ssend = ss.fd;
    const srecv = sr.fd;

    let alarmtimeout = 0;
    let df = 0;
    let preload = 0;
    let tos = 0;
    let pcp = 0;
    let ttl = 0;
    let mttl = 0;
    let npackets = 0;
    let datalen = DEFDATALEN;
    let sweepmax = 0;
    let sweepmin = 0;
    let sweepincr = 1;
    let interval = 1000;
    let waittime = MAXWAIT;
    let ifaddr = 0;
    let payload: string | null = null;
    let source: string | null = null;

    const { opts, optind } = getopt(ctx, "4AaC:c:DdfG:g:Hh:I:i:Ll:M:m:nop:QqRrS:s:T:t:vW:z:", () => usage(ctx));
    for (const [ch, optarg] of opts) {
      switch (ch) {
        case "4":
          break;
        case "A":
          options |= F_MISSED;
          break;
        case "a":
          options |= F_AUDIBLE;
          break;
        case "C": {
          options |= F_IP_VLAN_PCP;
          const v = strtonum(optarg, -1, 7);
          if (v === null) errx(ctx, EX_USAGE, `invalid PCP: \`${optarg}'`);
          pcp = v;
          break;
        }
        case "c": {
          const v = strtonum(optarg, 1, LONG_MAX);
          if (v === null) errx(ctx, EX_USAGE, `invalid count of packets to transmit: \`${optarg}'`);
          npackets = v;
          break;
        }
        case "D":
          options |= F_HDRINCL;
          df = 1;
          break;
        case "d":
          options |= F_SO_DEBUG;
          break;
        case "f":
          if (uid !== 0) err(ctx, EX_NOPERM, "-f flag", EPERM);
          options |= F_FLOOD;
          break;
        case "G":
        case "g":
        case "h": {
          const v = strtonum(optarg, 1, INT_MAX);
          if (v === null) errx(ctx, EX_USAGE, `invalid packet size: \`${optarg}'`);
          if (uid !== 0 && v > DEFDATALEN) err(ctx, EX_NOPERM, `packet size too large: ${v} > ${DEFDATALEN}`, EPERM);
          if (ch === "G") sweepmax = v;
          else if (ch === "g") sweepmin = v;
          else sweepincr = v;
          options |= F_SWEEP;
          break;
        }
        case "H":
          options &= ~F_NUMERIC;
          break;
        case "I": {
          const a = inet_aton(optarg);
          if (a === null) errx(ctx, EX_USAGE, `invalid multicast interface: \`${optarg}'`);
          ifaddr = a;
          options |= F_MIF;
          break;
        }
        case "i": {
          const d = strtod_all(optarg);
          const t = d === null ? NaN : d * 1000;
          if (d === null || t > INT_MAX) errx(ctx, EX_USAGE, `invalid timing interval: \`${optarg}'`);
          options |= F_INTERVAL;
          interval = Math.trunc(t);
          if (uid !== 0 && interval < 1000) err(ctx, EX_NOPERM, "-i interval too short", EPERM);
          break;
        }
        case "L":
          options |= F_NOLOOP;
          break;
        case "l": {
          const v = strtonum(optarg, 0, INT_MAX);
          if (v === null) errx(ctx, EX_USAGE, `invalid preload value: \`${optarg}'`);
          if (uid !== 0) err(ctx, EX_NOPERM, "-l flag", EPERM);
          preload = v;
          break;
        }
        case "M":
          switch (optarg[0]) {
            case "M":
            case "m":
              options |= F_MASK;
              break;
            case "T":
            case "t":
              options |= F_TIME;
              break;
            default:
              errx(ctx, EX_USAGE, `invalid message: \`${optarg[0] ?? ""}'`);
          }
          break;
        case "m": {
          const v = strtonum(optarg, 0, MAXTTL);
          if (v === null) errx(ctx, EX_USAGE, `invalid TTL: \`${optarg}'`);
          ttl = v;
          options |= F_TTL;
          break;
        }
        case "n":
          options |= F_NUMERIC;
          break;
        case "o":
          options |= F_ONCE;
          break;
        case "p":
          options |= F_PINGFILLED;
          payload = optarg;
          break;
        case "Q":
          options |= F_QUIET2;
          break;
        case "q":
          options |= F_QUIET;
          break;
        case "R":
          options |= F_RROUTE;
          break;
        case "r":
          options |= F_SO_DONTROUTE;
          break;
        case "S":
          source = optarg;
          break;
        case "s": {
          const v = strtonum(optarg, 0, INT_MAX);
          if (v === null) errx(ctx, EX_USAGE, `invalid packet size: \`${optarg}'`);
          datalen = v;
          if (uid !== 0 && datalen > DEFDATALEN) err(ctx, EX_NOPERM, `packet size too large: ${datalen} > ${DEFDATALEN}`, EPERM);
          break;
        }
        case "T": {
          const v = strtonum(optarg, 0, MAXTTL);
          if (v === null) errx(ctx, EX_USAGE, `invalid multicast TTL: \`${optarg}'`);
          mttl = v;
          options |= F_MTTL;
          break;
        }
        case "t": {
          // strtoul(optarg, &ep, 0) without a check of what follows.
          const r = strtol0(optarg);
          alarmtimeout = r.ok ? (r.v < 0 ? 2 ** 64 + r.v : r.v) : 0;
          if (alarmtimeout < 1 || alarmtimeout >= 2 ** 64 - 1) errx(ctx, EX_USAGE, `invalid timeout: \`${optarg}'`);
          if (alarmtimeout > MAXALARM) errx(ctx, EX_USAGE, `invalid timeout: \`${optarg}' > ${MAXALARM}`);
          break;
        }
        case "v":
          options |= F_VERBOSE;
          break;
        case "W": {
          const t = strtod_all(optarg);
          if (t === null || t > INT_MAX) errx(ctx, EX_USAGE, `invalid timing interval: \`${optarg}'`);
          options |= F_WAITTIME;
          waittime = Math.trunc(t);
          break;
        }
        case "z": {
          options |= F_HDRINCL;
          const r = strtol0(optarg);
          if (!r.ok || r.rest !== "" || r.v > MAXTOS || r.v < 0) errx(ctx, EX_USAGE, `invalid TOS: \`${optarg}'`);
          tos = r.v;
          break;
        }
      }
    }
    if (ctx.argv.length - optind !== 1) usage(ctx);
    const target = ctx.argv[optind];

    let icmp_type = ICMP_ECHO;
    let icmp_type_rsp = ICMP_ECHOREPLY;
    let phdr_len = 0;
    switch (options & (F_MASK | F_TIME)) {
      case 0:
        break;
      case F_MASK:
        icmp_type = ICMP_MASKREQ;
        icmp_type_rsp = ICMP_MASKREPLY;
        phdr_len = MASK_LEN;
        if ((options & F_QUIET) === 0) ctx.stdout.write("ICMP_MASKREQ\n");
        break;
      case F_TIME:
        icmp_type = ICMP_TSTAMP;
        icmp_type_rsp = ICMP_TSTAMPREPLY;
        phdr_len = TS_LEN;
        if ((options & F_QUIET) === 0) ctx.stdout.write("ICMP_TSTAMP\n");
        break;
      default:
        errx(ctx, EX_USAGE, "ICMP_TSTAMP and ICMP_MASKREQ are exclusive.");
    }
    let icmp_len = 20 + ICMP_MINLEN + phdr_len;
    if ((options & F_RROUTE) !== 0) icmp_len += MAX_IPOPTLEN;
    const maxpayload = IP_MAXPACKET - icmp_len;
    if (datalen > maxpayload) errx(ctx, EX_USAGE, `packet size too large: ${datalen} > ${maxpayload}`);
    let send_len = icmp_len + datalen;

    // outpackhdr: room for the IP header (-D, -z) before the ICMP message.
    const outpackhdr = new Uint8Array(IP_MAXPACKET);
    const OUT = 20;
    let datap = OUT + ICMP_MINLEN + phdr_len + TIMEVAL_LEN;
    if ((options & F_PINGFILLED) !== 0 && payload !== null) fill(ctx, outpackhdr, datap, payload, maxpayload, options);

    let srcaddr = 0;
    if (source !== null) {
      const a = inet_aton(source);
      if (a === null) errx(ctx, EX_NOHOST, `cannot resolve ${source}: Unknown host`);
      srcaddr = a;
      const e = sys_bind(kp, ssend, new sockaddr_in(a, 0));
      if (e !== 0) err(ctx, 1, "bind", e);
    }
    const dstaddr = inet_aton(target);
    if (dstaddr === null) errx(ctx, EX_NOHOST, `cannot resolve ${target}: Unknown host`);
    const hostname = target;
    {
      const e = sys_connect(kp, ssend, new sockaddr_in(dstaddr, 0));
      if (e !== 0) err(ctx, 1, "connect", e);
    }

    if ((options & F_FLOOD) !== 0 && (options & F_INTERVAL) !== 0) errx(ctx, EX_USAGE, "-f and -i: incompatible options");
    if ((options & F_FLOOD) !== 0 && IN_MULTICAST(dstaddr)) errx(ctx, EX_USAGE, "-f flag cannot be used with multicast destination");
    if ((options & (F_MIF | F_NOLOOP | F_MTTL)) !== 0 && !IN_MULTICAST(dstaddr)) errx(ctx, EX_USAGE, "-I, -L, -T flags cannot be used with unicast destination");

    let timing = datalen >= TIMEVAL_LEN;
    if ((options & (F_PINGFILLED | F_SWEEP)) === 0) for (let i = TIMEVAL_LEN; i < datalen; ++i) outpackhdr[datap++] = i & 0xff;

    const ident = kp.p_pid & 0xffff;

    if ((options & F_SO_DEBUG) !== 0) {
      sys_setsockopt(kp, ssend, SOL_SOCKET, SO_DEBUG, 1);
      sys_setsockopt(kp, srecv, SOL_SOCKET, SO_DEBUG, 1);
    }
    if ((options & F_SO_DONTROUTE) !== 0) sys_setsockopt(kp, ssend, SOL_SOCKET, SO_DONTROUTE, 1);
    if ((options & F_IP_VLAN_PCP) !== 0) sys_setsockopt(kp, ssend, IPPROTO_IP, IP_VLAN_PCP, pcp);

    if ((options & F_HDRINCL) !== 0) {
      if ((options & (F_TTL | F_MTTL)) === 0) {
        const r = sysctl_int(kp, "net.inet.ip.ttl");
        if (r.error !== 0) err(ctx, 1, "sysctl(net.inet.ip.ttl)", r.error);
        ttl = r.v;
      }
      sys_setsockopt(kp, ssend, IPPROTO_IP, IP_HDRINCL, 1);
      const dv = new DataView(outpackhdr.buffer);
      outpackhdr[0] = (IPVERSION << 4) | (20 >> 2);
      outpackhdr[1] = tos;
      dv.setUint16(4, 0);
      dv.setUint16(6, df !== 0 ? IP_DF : 0);
      // The TTL of the header ping builds: -m's (or -T's, which only ever
      // sets mttl: the header then carries ttl's zero, as ping.c does).
      outpackhdr[8] = ttl;
      outpackhdr[9] = IPPROTO_ICMP;
      dv.setUint32(12, source !== null ? srcaddr : 0);
      dv.setUint32(16, dstaddr);
    }

    if ((options & F_RROUTE) !== 0) {
      const rspace = new Uint8Array(MAX_IPOPTLEN);
      rspace[0] = IPOPT_RR;
      rspace[IPOPT_OLEN] = MAX_IPOPTLEN - 1;
      rspace[IPOPT_OFFSET] = IPOPT_MINOFF;
      rspace[MAX_IPOPTLEN - 1] = IPOPT_EOL;
      const e = sys_setsockopt(kp, ssend, IPPROTO_IP, IP_OPTIONS, rspace);
      if (e !== 0) err(ctx, EX_OSERR, "setsockopt IP_OPTIONS", e);
    }
    if ((options & F_TTL) !== 0) {
      const e = sys_setsockopt(kp, ssend, IPPROTO_IP, IP_TTL, ttl);
      if (e !== 0) err(ctx, EX_OSERR, "setsockopt IP_TTL", e);
    }
    if ((options & F_NOLOOP) !== 0) {
      const e = sys_setsockopt(kp, ssend, IPPROTO_IP, IP_MULTICAST_LOOP, new Uint8Array([0]));
      if (e !== 0) err(ctx, EX_OSERR, "setsockopt IP_MULTICAST_LOOP", e);
    }
    if ((options & F_MTTL) !== 0) {
      const e = sys_setsockopt(kp, ssend, IPPROTO_IP, IP_MULTICAST_TTL, new Uint8Array([mttl]));
      if (e !== 0) err(ctx, EX_OSERR, "setsockopt IP_MULTICAST_TTL", e);
    }
    if ((options & F_MIF) !== 0) {
      const e = sys_setsockopt(kp, ssend, IPPROTO_IP, IP_MULTICAST_IF, new Uint8Array([ifaddr >>> 24, (ifaddr >>> 16) & 0xff, (ifaddr >>> 8) & 0xff, ifaddr & 0xff]));
      if (e !== 0) err(ctx, EX_OSERR, "setsockopt IP_MULTICAST_IF", e);
    }

    let snpackets = 0;
    if (sweepmax !== 0) {
      if (sweepmin > sweepmax) errx(ctx, EX_USAGE, "Maximum packet size must be no less than the minimum packet size");
      if (sweepmax > maxpayload - TIMEVAL_LEN) errx(ctx, EX_USAGE, "Invalid sweep maximum");
      if (datalen !== DEFDATALEN) errx(ctx, EX_USAGE, "Packet size and ping sweep are mutually exclusive");
      if (npackets > 0) {
        snpackets = npackets;
        npackets = 0;
      } else snpackets = 1;
      datalen = sweepmin;
      send_len = icmp_len + sweepmin;
    }
    if ((options & F_SWEEP) !== 0 && sweepmax === 0) errx(ctx, EX_USAGE, "Maximum sweep size must be specified");

    sys_setsockopt(kp, srecv, SOL_SOCKET, SO_RCVBUF, IP_MAXPACKET + 128);
    if (uid === 0) sys_setsockopt(kp, ssend, SOL_SOCKET, SO_SNDBUF, IP_MAXPACKET + 128);

    let hdr = `PING ${hostname} (${inet_ntoa(dstaddr)})`;
    if (source !== null) hdr += ` from ${source}`;
    hdr += sweepmax !== 0 ? `: (${sweepmin} ... ${sweepmax}) data bytes\n` : `: ${datalen} data bytes\n`;
    ctx.stdout.write(hdr);

    // stopit(): SIGINT, and the SIGALRM -t asks for, end the main loop.
    let finish_up = false;
    sys_sigaction(kp, SIGINT, () => (finish_up = true));
    const alarm_at = alarmtimeout > 0 ? mono_ns(kp) + alarmtimeout * 1e9 : Infinity;
    if (alarmtimeout > 0) sys_sigaction(kp, SIGALRM, () => (finish_up = true));

    let ntransmitted = 0;
    let sntransmitted = 0;
    let nreceived = 0;
    let nrepeats = 0;
    let nmissedmax = 0;
    let nrcvtimeout = 0;
    let tmin = 999999999.0;
    let tmax = 0.0;
    let tsum = 0.0;
    let tsumsq = 0.0;
    const rcvd_tbl = new Uint8Array(MAX_DUP_CHK / 8);
    let old_rrlen = 0;
    let old_rr = new Uint8Array(0);

    const pinger = (): void => {
      const icp = OUT;
      outpackhdr[icp] = icmp_type;
      outpackhdr[icp + 1] = 0;
      outpackhdr[icp + 2] = 0;
      outpackhdr[icp + 3] = 0;
      // icmp_id is stored as the host-order value it is (no htons).
      outpackhdr[icp + 4] = ident & 0xff;
      outpackhdr[icp + 5] = ident >> 8;
      outpackhdr[icp + 6] = (ntransmitted >> 8) & 0xff;
      outpackhdr[icp + 7] = ntransmitted & 0xff;
      const bit = ntransmitted % MAX_DUP_CHK;
      rcvd_tbl[bit >> 3] &= ~(1 << (bit & 7));
      if ((options & F_TIME) !== 0 || timing) {
        const now = mono_ns(kp);
        const sec = Math.floor(now / 1e9);
        const nsec = now - sec * 1e9;
        const dv = new DataView(outpackhdr.buffer);
        if ((options & F_TIME) !== 0) dv.setUint32(icp + 8, ((sec % (24 * 60 * 60)) * 1000 + Math.floor(nsec / 1e6)) >>> 0);
        if (timing) {
          dv.setUint32(icp + ICMP_MINLEN + phdr_len, sec >>> 0);
          dv.setUint32(icp + ICMP_MINLEN + phdr_len + 4, nsec >>> 0);
        }
      }
      let cc = ICMP_MINLEN + phdr_len + datalen;
      const ck = in_cksum(outpackhdr, icp, cc);
      outpackhdr[icp + 2] = ck >> 8;
      outpackhdr[icp + 3] = ck & 0xff;
      let start = OUT;
      if ((options & F_HDRINCL) !== 0) {
        cc += 20;
        outpackhdr[2] = cc >> 8;
        outpackhdr[3] = cc & 0xff;
        outpackhdr[10] = 0;
        outpackhdr[11] = 0;
        const sum = in_cksum(outpackhdr, 0, cc);
        outpackhdr[10] = sum >> 8;
        outpackhdr[11] = sum & 0xff;
        start = 0;
      }
      const r = sys_sendto(kp, ssend, outpackhdr.subarray(start, start + cc), 0, null);
      if (r.error !== 0) {
        // Flood mode backs off when the interface queue is full (not
        // modelled: sends here never block).
        ctx.stderr.write(`ping: sendto: ${strerror(r.error)}\n`);
      } else if (r.len !== cc) {
        ctx.stderr.write(`ping: ${hostname}: partial write: ${r.len} of ${cc} bytes\n`);
      }
      ntransmitted++;
      sntransmitted++;
      if ((options & F_QUIET) === 0 && (options & F_FLOOD) !== 0) ctx.stdout.write(DOT);
    };

    const pr_pack = (buf: Uint8Array, from: number, now_ns: number): void => {
      let hlen = (buf[0] & 0x0f) << 2;
      const recv_len = buf.length;
      let cc = buf.length;
      if (cc < hlen + ICMP_MINLEN) {
        if ((options & F_VERBOSE) !== 0) ctx.stderr.write(`ping: packet too short (${cc} bytes) from ${inet_ntoa(from)}\n`);
        return;
      }
      const icp = hlen;
      const icmp_data = hlen + 8;
      cc -= hlen;
      let out = "";
      if (buf[icp] === icmp_type_rsp) {
        if ((buf[icp + 4] | (buf[icp + 5] << 8)) !== ident) return;
        ++nreceived;
        let triptime = 0.0;
        if (timing) {
          const tp = icmp_data + phdr_len;
          if (cc - ICMP_MINLEN - phdr_len >= TIMESPEC_LEN) {
            const s = u32(buf, tp);
            const ns = u32(buf, tp + 4);
            const nowsec = Math.floor(now_ns / 1e9);
            const nownsec = now_ns - nowsec * 1e9;
            triptime = (((nowsec - s) >>> 0) | 0) * 1000.0 + (nownsec - ns) / 1000000.0;
            tsum += triptime;
            tsumsq += triptime * triptime;
            if (triptime < tmin) tmin = triptime;
            if (triptime > tmax) tmax = triptime;
          } else timing = false;
        }
        const seq = u16(buf, icp + 6);
        const bit = seq % MAX_DUP_CHK;
        let dupflag = false;
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
        if ((options & F_FLOOD) !== 0) ctx.stdout.write(BSPACE);
        else {
          out += `${cc} bytes from ${inet_ntoa(from)}: icmp_seq=${seq}`;
          out += ` ttl=${buf[8]}`;
          if (timing) out += ` time=${triptime.toFixed(3)} ms`;
          if (dupflag) out += " (DUP!)";
          // The bell is write(2) to the descriptor while the line waits in
          // stdio's buffer: it comes out first.
          if ((options & F_AUDIBLE) !== 0) ctx.stdout.write(BBELL);
          if ((options & F_MASK) !== 0) out += ` mask=${inet_ntoa(u32(buf, icp + 8))}`;
          if ((options & F_TIME) !== 0) {
            out += ` tso=${pr_ntime(u32(buf, icp + 8))}`;
            out += ` tsr=${pr_ntime(u32(buf, icp + 12))}`;
            out += ` tst=${pr_ntime(u32(buf, icp + 16))}`;
          }
          if (recv_len !== send_len) out += `\nwrong total length ${recv_len} instead of ${send_len}`;
          // The data must be what we sent (past the timestamp).
          let cp = icp + 8 + phdr_len;
          let dp = OUT + ICMP_MINLEN + phdr_len;
          let left = cc - (ICMP_MINLEN + phdr_len);
          let i = 0;
          if (timing) {
            cp += TIMEVAL_LEN;
            dp += TIMEVAL_LEN;
            left -= TIMEVAL_LEN;
            i += TIMEVAL_LEN;
          }
          for (; i < datalen && left > 0; ++i, ++cp, ++dp, --left) {
            if (buf[cp] !== outpackhdr[dp]) {
              out += `\nwrong data byte #${i} should be 0x${outpackhdr[dp].toString(16)} but was 0x${buf[cp].toString(16)}`;
              out += "\ncp:";
              for (let k = 0; k < datalen; ++k) {
                if (k % 16 === 8) out += "\n\t";
                out += `${u8(buf, icp + 8 + k).toString(16).padStart(2, " ")} `;
              }
              out += "\ndp:";
              for (let k = 0; k < datalen; ++k) {
                if (k % 16 === 8) out += "\n\t";
                out += `${outpackhdr[OUT + ICMP_MINLEN + k].toString(16).padStart(2, " ")} `;
              }
              break;
            }
          }
        }
      } else {
        // Something else: print it if it is about one of our requests (or
        // anything at all with -v as root), unless -Q.
        const oip = icmp_data;
        const ohl = (u8(buf, oip) & 0x0f) << 2;
        const oicmp = oip + ohl;
        const mine =
          u32(buf, oip + 16) === dstaddr && u8(buf, oip + 9) === IPPROTO_ICMP && u8(buf, oicmp) === ICMP_ECHO && (u8(buf, oicmp + 4) | (u8(buf, oicmp + 5) << 8)) === ident;
        if (((options & F_VERBOSE) !== 0 && uid === 0) || ((options & F_QUIET2) === 0 && mine)) {
          out += `${cc} bytes from ${inet_ntoa(from)}: `;
          out += pr_icmph(buf, icp, oip, oicmp);
        } else return;
      }

      // Any IP options of the packet.
      let cp = 20;
      for (; hlen > 20; --hlen, ++cp) {
        switch (buf[cp]) {
          case IPOPT_EOL:
            hlen = 0;
            break;
          case IPOPT_LSRR:
          case IPOPT_SSRR: {
            out += buf[cp] === IPOPT_LSRR ? "\nLSRR: " : "\nSSRR: ";
            let j = buf[cp + IPOPT_OLEN] - IPOPT_MINOFF + 1;
            hlen -= 2;
            cp += 2;
            if (j >= INADDR_LEN && j <= hlen - 20) {
              for (;;) {
                const a = u32(buf, ++cp);
                out += a === 0 ? "\t0.0.0.0" : `\t${inet_ntoa(a)}`;
                hlen -= INADDR_LEN;
                cp += INADDR_LEN - 1;
                j -= INADDR_LEN;
                if (j < INADDR_LEN) break;
                out += "\n";
              }
            } else out += "\t(truncated route)\n";
            break;
          }
          case IPOPT_RR: {
            const j = buf[cp + IPOPT_OLEN];
            let i = buf[cp + IPOPT_OFFSET];
            hlen -= 2;
            cp += 2;
            if (i > j) i = j;
            i = i - IPOPT_MINOFF + 1;
            if (i < 0 || i > hlen - 20) {
              old_rrlen = 0;
              continue;
            }
            const rr = buf.slice(cp, cp + i);
            if (i === old_rrlen && rr.every((v, k) => v === old_rr[k]) && (options & F_FLOOD) === 0) {
              out += "\t(same route)";
              hlen -= i;
              cp += i;
              break;
            }
            old_rrlen = i;
            old_rr = rr;
            out += "\nRR: ";
            if (i >= INADDR_LEN && i <= hlen - 20) {
              for (;;) {
                const a = u32(buf, ++cp);
                out += a === 0 ? "\t0.0.0.0" : `\t${inet_ntoa(a)}`;
                hlen -= INADDR_LEN;
                cp += INADDR_LEN - 1;
                i -= INADDR_LEN;
                if (i < INADDR_LEN) break;
                out += "\n";
              }
            } else out += "\t(truncated route)";
            break;
          }
          case IPOPT_NOP:
            out += "\nNOP";
            break;
          default:
            out += `\nunknown option ${buf[cp].toString(16)}`;
            break;
        }
      }
      if ((options & F_FLOOD) === 0) out += "\n";
      ctx.stdout.write(out);
    };

    if (preload === 0) pinger();
    else {
      if (npackets !== 0 && preload > npackets) preload = npackets;
      while (preload-- > 0) pinger();
    }
    let last = mono_ns(kp);
    let intvl = (options & F_FLOOD) !== 0 ? 10 * 1e6 : interval * 1e6;

    let almost_done = false;
    while (!finish_up) {
      let now = mono_ns(kp);
      if (now >= alarm_at) break;
      let timeout = last + intvl - now;
      if (timeout < 0) timeout = 0;
      // pselect(): until a packet, the timeout, or the alarm.
      const readable = await sys_wait_readable(kp, srecv, Math.min(timeout, alarm_at - now));
      if (finish_up) break;
      now = mono_ns(kp);
      if (!readable && now >= alarm_at) break;
      let n = readable ? 1 : 0;
      if (!readable && now < last + intvl) continue;
      if (readable) {
        const r = sys_recvfrom(kp, srecv, IP_MAXPACKET, 0);
        if (r.error !== 0 || r.data === null) {
          ctx.stderr.write(`ping: recvmsg: ${strerror(r.error)}\n`);
          n = 0;
          if (now < last + intvl) continue;
        } else {
          // The socket is PF_INET: its sources are sockaddr_in.
          const from = r.from;
          pr_pack(r.data, from !== null && "sin_addr" in from ? from.sin_addr : 0, now);
          if (((options & F_ONCE) !== 0 && nreceived > 0) || (npackets !== 0 && nreceived >= npackets)) break;
        }
      }
      if (n === 0 || (options & F_FLOOD) !== 0) {
        if (sweepmax !== 0 && sntransmitted === snpackets) {
          if (datalen + sweepincr > sweepmax) break;
          for (let i = 0; i < sweepincr; i++) outpackhdr[datap++] = i & 0xff;
          datalen += sweepincr;
          send_len = icmp_len + datalen;
          sntransmitted = 0;
        }
        if (npackets === 0 || ntransmitted < npackets) pinger();
        else {
          if (almost_done) break;
          almost_done = true;
          if (nreceived !== 0) {
            intvl = Math.trunc((2 * tmax) / 1000) * 1e9;
            if (intvl === 0) intvl = 1e9;
          } else intvl = waittime * 1e6;
        }
        last = mono_ns(kp);
        if (ntransmitted - nreceived - 1 > nmissedmax) {
          nmissedmax = ntransmitted - nreceived - 1;
          if ((options & F_MISSED) !== 0) ctx.stdout.write(BBELL);
        }
      }
    }

    // finish()
    let s = "\n";
    s += `--- ${hostname} ping statistics ---\n`;
    s += `${ntransmitted} packets transmitted, `;
    s += `${nreceived} packets received, `;
    if (nrepeats) s += `+${nrepeats} duplicates, `;
    if (ntransmitted) {
      if (nreceived > ntransmitted) s += "-- somebody's printing up packets!";
      else s += `${(((ntransmitted - nreceived) * 100.0) / ntransmitted).toFixed(1)}% packet loss`;
    }
    if (nrcvtimeout) s += `, ${nrcvtimeout} packets out of wait time`;
    s += "\n";
    if (nreceived && timing) {
      const n = nreceived + nrepeats;
      const avg = tsum / n;
      const vari = tsumsq / n - avg * avg;
      s += `round-trip min/avg/max/stddev = ${tmin.toFixed(3)}/${avg.toFixed(3)}/${tmax.toFixed(3)}/${Math.sqrt(vari).toFixed(3)} ms\n`;
    }
    ctx.stdout.write(s);
    return nreceived ? 0 : 2;
  } finally {
    for (const fd of fds) sys_close(kp, fd);
  }
}

/** fill(): -p's up to 16 bytes of pattern, repeated through the payload. */
function fill(ctx: prog_ctx, b: Uint8Array, bp: number, patp: string, maxpayload: number, options: number): void {
  for (const c of patp) if (!/[0-9a-fA-F]/.test(c)) errx(ctx, EX_USAGE, "patterns must be specified as hex digits");
  const pat: number[] = [];
  for (let k = 0; k < patp.length && pat.length < 16; k += 2) pat.push(parseInt(patp.slice(k, k + 2), 16));
  const ii = pat.length;
  if (ii > 0) for (let kk = 0; kk <= maxpayload - (TIMEVAL_LEN + ii); kk += ii) for (let jj = 0; jj < ii; ++jj) b[bp + jj + kk] = pat[jj];
  if ((options & F_QUIET) === 0) {
    let s = "PATTERN: 0x";
    for (let jj = 0; jj < ii; ++jj) s += hex(b[bp + jj], 2);
    ctx.stdout.write(s + "\n");
  }
}
