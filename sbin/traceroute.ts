// contrib/traceroute/traceroute.c (with usr.sbin/traceroute's
// findsaddr-udp.c and ifaddrlist.c): traceroute(8) as FreeBSD 14 builds it.
// Probes are whole IP packets written to a raw IPPROTO_RAW socket with
// IP_HDRINCL (UDP to port 33434+seq by default; -I ICMP echo, -P any
// protocol), their TTL growing from first_ttl; a raw ICMP socket hears the
// time-exceeded and unreachable messages that quote them.  The header goes
// to stderr, one line per TTL to stdout; bad input exits 1 with
// traceroute's own messages.  Waiting is select(2) in virtual time.

import { strerror } from "../kern/errno.ts";
import { AF_INET, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET, SO_DEBUG, SO_DONTROUTE, SO_SNDBUF } from "../kern/socket.ts";
import { CLOCK_REALTIME, sys_clock_gettime, sys_nanosleep } from "../kern/kern_time.ts";
import { IFF_UP } from "../net/if.ts";
import { IPPROTO_ICMP, IPPROTO_IP, IPPROTO_RAW, IPPROTO_TCP, IPPROTO_UDP, inet_aton, inet_ntoa, sockaddr_in } from "../netinet/in.ts";
import { IP_HDRINCL } from "../netinet/in_pcb.ts";
import { sys_bind, sys_close, sys_connect, sys_getsockname, sys_recvfrom, sys_sendto, sys_setsockopt, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { sys_wait_readable } from "../kern/sys_generic.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { getifaddrs } from "./libc_getifaddrs.ts";
import { gethostbyaddr, gethostbyname4 } from "./netdb.ts";
import { getopt, prog_exit, type prog_ctx } from "./libc.ts";
import { as_lookup, as_setup, as_shutdown, trace_run, type trace_files } from "./traceroute_as.ts";

const IPPROTO_GRE = 47;
const IPPROTO_SCTP = 132;
const IPPROTO_UDPLITE = 136;

const ICMP_ECHOREPLY = 0;
const ICMP_UNREACH = 3;
const ICMP_ECHO = 8;
const ICMP_TIMXCEED = 11;
const ICMP_TIMXCEED_INTRANS = 0;
const ICMP_MINLEN = 8;
const ICMP_UNREACH_NET = 0;
const ICMP_UNREACH_HOST = 1;
const ICMP_UNREACH_PROTOCOL = 2;
const ICMP_UNREACH_PORT = 3;
const ICMP_UNREACH_NEEDFRAG = 4;
const ICMP_UNREACH_SRCFAIL = 5;
const ICMP_UNREACH_NET_UNKNOWN = 6;
const ICMP_UNREACH_HOST_UNKNOWN = 7;
const ICMP_UNREACH_ISOLATED = 8;
const ICMP_UNREACH_NET_PROHIB = 9;
const ICMP_UNREACH_HOST_PROHIB = 10;
const ICMP_UNREACH_TOSNET = 11;
const ICMP_UNREACH_TOSHOST = 12;
const ICMP_UNREACH_FILTER_PROHIB = 13;
const ICMP_UNREACH_HOST_PRECEDENCE = 14;
const ICMP_UNREACH_PRECEDENCE_CUTOFF = 15;

const IPVERSION = 4;
const IP_DF = 0x4000;
const IPOPT_NOP = 1;
const IPOPT_LSRR = 131;
const IPOPT_MINOFF = 4;
const MAX_IPOPTLEN = 40;
/** Gateways an LSRR option holds (one slot is the NOP's). */
const NGATEWAYS = Math.trunc((MAX_IPOPTLEN - IPOPT_MINOFF - 1) / 4);
const MAXHOSTNAMELEN = 256;
const TH_SYN = 0x02;
const GRE_PPTP_PROTO = 0x880b;
const SCTP_INITIATION = 1;
const SCTP_SHUTDOWN_ACK = 8;
const SCTP_PAD_CHUNK = 0x84;
const SCTP_PAD = 0x8005;
/** sizeof(struct sctphdr), sizeof(struct sctp_init_chunk), sizeof(struct sctp_paramhdr), sizeof(struct sctp_chunkhdr). */
const SCTPHDR_LEN = 12;
const SCTP_INIT_CHUNK_LEN = 20;
const SCTP_PARAMHDR_LEN = 4;
const SCTP_CHUNKHDR_LEN = 4;

/** The version contrib/traceroute/VERSION gives usage(). */
const version = "1.4a12+FreeBSD";

/** getprotobyname(3) over FreeBSD's /etc/protocols: names and aliases. */
const etc_protocols = new Map<string, number>([
  ["ip", 0],
  ["IP", 0],
  ["icmp", 1],
  ["ICMP", 1],
  ["igmp", 2],
  ["IGMP", 2],
  ["ggp", 3],
  ["GGP", 3],
  ["ipencap", 4],
  ["IP-ENCAP", 4],
  ["st2", 5],
  ["ST2", 5],
  ["tcp", 6],
  ["TCP", 6],
  ["egp", 8],
  ["EGP", 8],
  ["igp", 9],
  ["IGP", 9],
  ["pup", 12],
  ["PUP", 12],
  ["udp", 17],
  ["UDP", 17],
  ["ipv6", 41],
  ["IPV6", 41],
  ["ipv6-route", 43],
  ["ipv6-frag", 44],
  ["rsvp", 46],
  ["RSVP", 46],
  ["gre", 47],
  ["GRE", 47],
  ["esp", 50],
  ["ESP", 50],
  ["ah", 51],
  ["AH", 51],
  ["ipv6-icmp", 58],
  ["IPV6-ICMP", 58],
  ["ipv6-nonxt", 59],
  ["ipv6-opts", 60],
  ["ospf", 89],
  ["OSPFIGP", 89],
  ["pim", 103],
  ["PIM", 103],
  ["carp", 112],
  ["CARP", 112],
  ["vrrp", 112],
  ["VRRP", 112],
  ["sctp", 132],
  ["SCTP", 132],
  ["udplite", 136],
  ["UDPLite", 136],
  ["divert", 258],
  ["DIVERT", 258],
]);

/** struct outproto: one kind of probe. */
interface outproto {
  name: string | null;
  /** ip_hdr_key's companion for -D: what the bytes of the header are. */
  key: string;
  num: number;
  hdrlen: number;
  port: number;
}

const protos: outproto[] = [
  { name: "udp", key: "spt dpt len sum", num: IPPROTO_UDP, hdrlen: 8, port: 32768 + 666 },
  { name: "udplite", key: "spt dpt cov sum", num: IPPROTO_UDPLITE, hdrlen: 8, port: 32768 + 666 },
  { name: "tcp", key: "spt dpt seq     ack     xxflwin sum urp", num: IPPROTO_TCP, hdrlen: 20, port: 32768 + 666 },
  { name: "sctp", key: "spt dpt vtag    crc     tyfllen tyfllen ", num: IPPROTO_SCTP, hdrlen: SCTPHDR_LEN, port: 32768 + 666 },
  { name: "gre", key: "flg pro len clid", num: IPPROTO_GRE, hdrlen: 8, port: GRE_PPTP_PROTO },
  { name: "icmp", key: "typ cod sum ", num: IPPROTO_ICMP, hdrlen: 28, port: 0 },
  { name: null, key: "", num: 0, hdrlen: 4, port: 0 },
];

const ip_hdr_key = "vhtslen id  off tlprsum srcip   dstip   opts";

/** The Internet checksum of len bytes of b from off, as a value to store big-endian. */
function in_cksum(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  let i = 0;
  for (; i + 1 < len; i += 2) sum += (b[off + i] << 8) | b[off + i + 1];
  if (i < len) sum += b[off + i] << 8;
  sum = (sum >>> 16) + (sum & 0xffff);
  sum += sum >>> 16;
  return ~sum & 0xffff;
}

/** p_cksum(): the TCP/UDP checksum over the pseudo-header and cov bytes. */
function p_cksum(pkt: Uint8Array, hl: number, len: number, cov: number): number {
  const ipo = new Uint8Array(20);
  ipo[9] = pkt[9];
  ipo[10] = len >> 8;
  ipo[11] = len & 0xff;
  ipo.set(pkt.subarray(12, 20), 12);
  const s1 = in_cksum(ipo, 0, 20);
  const s0 = in_cksum(pkt, hl, cov);
  const sum = new Uint8Array([s0 >> 8, s0 & 0xff, s1 >> 8, s1 & 0xff]);
  return ~in_cksum(sum, 0, 4) & 0xffff;
}

let crc_c: Uint32Array | null = null;
/** sctp_crc32c(): CRC-32C (Castagnoli), reflected, as SCTP carries it. */
function sctp_crc32c(b: Uint8Array, off: number, len: number): number {
  if (crc_c === null) {
    crc_c = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      crc_c[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < len; i++) crc = (crc >>> 8) ^ crc_c[(crc ^ b[off + i]) & 0xff];
  return ~crc >>> 0;
}

/** strtol(3): the value (clamped to a long) and what follows the digits. */
function strtol(s: string, base: number): { v: number; rest: string } {
  const m = base === 16 ? /^[ \t\n\v\f\r]*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/.exec(s) : /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(s);
  if (m === null) return { v: 0, rest: s };
  let v = BigInt(base === 16 ? "0x" + m[2] : m[2]);
  if (m[1] === "-") v = -v;
  const LMAX = (1n << 63n) - 1n;
  if (v > LMAX) v = LMAX;
  if (v < -LMAX - 1n) v = -LMAX - 1n;
  // The (int) cast keeps the low 32 bits.
  return { v: Number(BigInt.asIntN(32, v)), rest: s.slice(m[0].length) };
}

/** Run the program; its exit status. */
export function traceroute_main(ctx: prog_ctx): Promise<number> {
  return trace_run(ctx, (f) => traceroute(ctx, f.fds, f));
}

async function traceroute(ctx: prog_ctx, fds: number[], st: trace_files): Promise<number> {
  const kp = ctx.p as proc;
  const argv = ctx.argv;
  const a0 = argv[0];
  const prog = a0 === undefined ? "traceroute" : a0.slice(a0.lastIndexOf("/") + 1);
  const out = (s: string): void => ctx.stdout.write(s);
  /** Fprintf(stderr, "%s: ...", prog) and exit(1). */
  const die: (msg: string) => never = (msg) => {
    ctx.stderr.write(`${prog}: ${msg}\n`);
    throw new prog_exit(1);
  };

  // The privileged part first: both raw sockets, their failure kept for
  // later.
  let sockerrno = 0;
  let s = -1;
  let sndsock = -1;
  {
    const r = sys_socket(kp, AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (r.error !== 0) sockerrno = r.error;
    else {
      s = r.fd;
      fds.push(s);
      const r2 = sys_socket(kp, AF_INET, SOCK_RAW, IPPROTO_RAW);
      if (r2.error !== 0) sockerrno = r2.error;
      else {
        sndsock = r2.fd;
        fds.push(sndsock);
      }
    }
  }

  let max_ttl: number;
  {
    const r = sysctlbyname(kp, "net.inet.ip.ttl");
    if (r.error !== 0) {
      ctx.stderr.write(`sysctl(net.inet.ip.ttl): ${strerror(r.error)}\n`);
      throw new prog_exit(1);
    }
    max_ttl = Number(r.value);
  }

  const usage = (): never => {
    ctx.stderr.write(`Version ${version}\n`);
    ctx.stderr.write(
      `Usage: ${prog} [-adDeFInrSvx] [-f first_ttl] [-g gateway] [-i iface]\n` +
        "\t[-m max_ttl] [-p port] [-P proto] [-q nqueries] [-s src_addr]\n" +
        "\t[-t tos] [-w waittime] [-A as_server] [-z pausemsecs] host [packetlen]\n",
    );
    throw new prog_exit(1);
  };

  /** str2val(): decimal or 0x-hex, within [mi, ma] (a negative bound is none). */
  const str2val = (str: string, what: string, mi: number, ma: number): number => {
    const r = str[0] === "0" && (str[1] === "x" || str[1] === "X") ? strtol(str.slice(2), 16) : strtol(str, 10);
    if (r.rest !== "") die(`"${str}" bad value for ${what} `);
    const val = r.v;
    if (val < mi && mi >= 0) {
      if (mi === 0) die(`${what} must be >= ${mi}`);
      else die(`${what} must be > ${mi - 1}`);
    }
    if (val > ma && ma >= 0) die(`${what} must be <= ${ma}`);
    return val;
  };

  /** gethostinfo(): an address in inet_addr(3)'s forms or a name the hosts file knows. */
  const gethostinfo = (hostname: string): { name: string; addrs: number[] } => {
    if (new TextEncoder().encode(hostname).length >= MAXHOSTNAMELEN) die(`hostname "${hostname.slice(0, 32)}..." is too long`);
    const addr = inet_aton(hostname);
    if (addr !== null && addr !== 0xffffffff) return { name: hostname, addrs: [addr] };
    const h = gethostbyname4(hostname);
    if (h === null) die(`unknown host ${hostname}`);
    return { name: hostname, addrs: [h] };
  };

  let proto = protos[0];
  /** setproto(): a probe kind by name, else the generic one for that protocol. */
  const setproto = (pname: string): outproto => {
    let i = 0;
    for (; ; i++) {
      const n = protos[i].name;
      if (n === null || n.toLowerCase() === pname.toLowerCase()) break;
    }
    const p = protos[i];
    if (p.name === null) {
      const pe = etc_protocols.get(pname);
      p.num = pe !== undefined ? pe : str2val(pname, "proto number", 1, 255);
    }
    return p;
  };

  let as_path = false;
  let as_server: string | null = null;
  let options = 0;
  let printdiff = false;
  let fixedPort = false;
  let first_ttl = 1;
  let off = 0;
  let device: string | null = null;
  let nflag = 0;
  let requestPort = -1;
  let nprobes = -1;
  let source: string | null = null;
  let sump = false;
  let tos = 0;
  let settos = false;
  let verbose = 0;
  let doipcksum = true;
  let waittime = 5;
  let pausemsecs = 0;
  const gwlist: number[] = [];

  // getopt(3) with opterr = 0: a bad option or a missing argument is only usage().
  const { opts, optind } = getopt(ctx, "aA:edDFInrSvxf:g:i:M:m:P:p:q:s:t:w:z:", usage, argv, false);
  for (const [op, optarg] of opts) {
    switch (op) {
      case "a":
        as_path = true;
        break;
      case "A":
        as_path = true;
        as_server = optarg;
        break;
      case "d":
        options |= SO_DEBUG;
        break;
      case "D":
        printdiff = true;
        break;
      case "e":
        fixedPort = true;
        break;
      case "f":
      case "M":
        first_ttl = str2val(optarg, "first ttl", 1, 255);
        break;
      case "F":
        off = IP_DF;
        break;
      case "g": {
        if (gwlist.length >= NGATEWAYS) die(`No more than ${NGATEWAYS} gateways`);
        gwlist.push(gethostinfo(optarg).addrs[0]);
        break;
      }
      case "i":
        device = optarg;
        break;
      case "I":
        proto = setproto("icmp");
        break;
      case "m":
        max_ttl = str2val(optarg, "max ttl", 1, 255);
        break;
      case "n":
        ++nflag;
        break;
      case "P":
        proto = setproto(optarg);
        break;
      case "p":
        requestPort = str2val(optarg, "port", 1, (1 << 16) - 1) & 0xffff;
        break;
      case "q":
        nprobes = str2val(optarg, "nprobes", 1, -1);
        break;
      case "r":
        options |= SO_DONTROUTE;
        break;
      case "s":
        source = optarg;
        break;
      case "S":
        sump = true;
        break;
      case "t":
        tos = str2val(optarg, "tos", 0, 255);
        settos = true;
        break;
      case "v":
        ++verbose;
        break;
      case "x":
        doipcksum = !doipcksum;
        break;
      case "w":
        waittime = str2val(optarg, "wait time", 1, 24 * 60 * 60);
        break;
      case "z":
        pausemsecs = str2val(optarg, "pause msecs", 0, 60 * 60 * 1000);
        break;
    }
  }

  const port = requestPort !== -1 ? requestPort : proto.port;
  if (nprobes === -1) nprobes = printdiff ? 1 : 3;
  if (first_ttl > max_ttl) die(`first ttl (${first_ttl}) may not be greater than max ttl (${max_ttl})`);
  if (!doipcksum) ctx.stderr.write(`${prog}: Warning: ip checksums disabled\n`);

  const lsrr = gwlist.length;
  const optlen = lsrr > 0 ? (lsrr + 1) * 4 : 0;
  const minpacket = 20 + proto.hdrlen + optlen;
  let packlen = minpacket > 40 ? minpacket : 40;
  const maxpacket = 32 * 1024;

  let hostname: string;
  let to: number;
  switch (argv.length - optind) {
    case 2:
    case 1: {
      if (argv.length - optind === 2) packlen = str2val(argv[optind + 1], "packet length", minpacket, maxpacket);
      hostname = argv[optind];
      const hi = gethostinfo(hostname);
      to = hi.addrs[0];
      if (hi.addrs.length > 1) ctx.stderr.write(`${prog}: Warning: ${hostname} has multiple addresses; using ${inet_ntoa(to)}\n`);
      hostname = hi.name;
      break;
    }
    default:
      return usage();
  }

  const protlen = packlen - 20 - optlen;
  if (proto.num === IPPROTO_SCTP && (packlen & 3) !== 0) die("packet length must be a multiple of 4");

  const outip = new Uint8Array(packlen);
  const odv = new DataView(outip.buffer);
  outip[0] = IPVERSION << 4;
  if (settos) outip[1] = tos;
  odv.setUint16(2, packlen);
  odv.setUint16(6, off);
  outip[9] = proto.num;
  let outp = 20;
  if (lsrr > 0) {
    const optlist = outp;
    outp += optlen;
    // The first gateway is the packet's destination; the rest and the
    // target itself ride in the option.
    const hops = [...gwlist.slice(1), to];
    odv.setUint32(16, gwlist[0]);
    outip[optlist] = IPOPT_NOP;
    outip[optlist + 1] = IPOPT_LSRR;
    const i = lsrr * 4;
    outip[optlist + 2] = i + 3;
    outip[optlist + 3] = IPOPT_MINOFF;
    for (let k = 0; k < lsrr; k++) odv.setUint32(optlist + 4 + 4 * k, hops[k]);
  } else odv.setUint32(16, to);
  const hl = outp >> 2;
  outip[0] = (IPVERSION << 4) | hl;
  const ident = (kp.p_pid & 0xffff) | 0x8000;

  if (s < 0) die(`icmp socket: ${strerror(sockerrno)}`);
  if ((options & SO_DEBUG) !== 0) sys_setsockopt(kp, s, SOL_SOCKET, SO_DEBUG, 1);
  if ((options & SO_DONTROUTE) !== 0) sys_setsockopt(kp, s, SOL_SOCKET, SO_DONTROUTE, 1);
  if (sndsock < 0) die(`raw socket: ${strerror(sockerrno)}`);
  {
    let e = sys_setsockopt(kp, sndsock, SOL_SOCKET, SO_SNDBUF, packlen);
    if (e !== 0) die(`SO_SNDBUF: ${strerror(e)}`);
    e = sys_setsockopt(kp, sndsock, IPPROTO_IP, IP_HDRINCL, 1);
    if (e !== 0) die(`IP_HDRINCL: ${strerror(e)}`);
  }
  if ((options & SO_DEBUG) !== 0) sys_setsockopt(kp, sndsock, SOL_SOCKET, SO_DEBUG, 1);
  if ((options & SO_DONTROUTE) !== 0) sys_setsockopt(kp, sndsock, SOL_SOCKET, SO_DONTROUTE, 1);

  // ifaddrlist(): the first IPv4 address of each interface that is up,
  // once per address it has (SIOCGIFCONF, then SIOCGIFADDR by name).
  const al: { device: string; addr: number }[] = [];
  {
    const ifa = getifaddrs(kp);
    if (ifa.error !== 0) die(`ifaddrlist: SIOCGIFCONF: ${strerror(ifa.error)}`);
    for (const a of ifa.ifap) {
      if (a.family !== AF_INET) continue;
      if ((a.ifa_flags & IFF_UP) === 0) continue;
      const first = ifa.ifap.find((x) => x.family === AF_INET && x.ifa_name === a.ifa_name);
      al.push({ device: a.ifa_name, addr: first === undefined ? a.addr : first.addr });
    }
  }
  if (al.length === 0) die("Can't find any network interfaces");
  let dev: { device: string; addr: number } | null = null;
  if (device !== null) {
    const d = device;
    dev = al.find((x) => x.device === d) ?? null;
    if (dev === null) die(`Can't find interface ${d.slice(0, 32)}`);
  }

  let from: number;
  if (source === null) {
    if (dev !== null) from = dev.addr;
    else {
      const fa = findsaddr(kp, to);
      if (typeof fa === "string") return die(`findsaddr: ${fa}`);
      from = fa;
    }
  } else {
    const hi = gethostinfo(source);
    source = hi.name;
    if (dev !== null) {
      const d = dev;
      const ap = hi.addrs.find((x) => x === d.addr);
      if (ap === undefined) return die(`${source} is not on interface ${d.device.slice(0, 32)}`);
      from = ap;
    } else {
      from = hi.addrs[0];
      if (hi.addrs.length > 1) ctx.stderr.write(`${prog}: Warning: ${source} has multiple addresses; using ${inet_ntoa(from)}\n`);
    }
  }
  odv.setUint32(12, from);

  {
    const e = sys_bind(kp, sndsock, new sockaddr_in(from, 0));
    if (e !== 0) die(`bind: ${strerror(e)}`);
  }
  if (as_path) {
    st.asn = await as_setup(ctx, as_server);
    if (st.asn === null) {
      ctx.stderr.write(`${prog}: as_setup failed, AS# lookups disabled\n`);
      as_path = false;
    }
  }
  {
    const e = sys_connect(kp, sndsock, new sockaddr_in(to, 0));
    if (e !== 0) die(`connect: ${strerror(e)}`);
  }

  let hdr = `${prog} to ${hostname} (${inet_ntoa(to)})`;
  if (source !== null) hdr += ` from ${source}`;
  hdr += `, ${max_ttl} hops max, ${packlen} byte packets\n`;
  ctx.stderr.write(hdr);

  /** gettimeofday(2) in microseconds. */
  const gettimeofday = (): number => {
    const ts = sys_clock_gettime(kp, CLOCK_REALTIME);
    return ts.tv_sec * 1e6 + Math.floor(ts.tv_nsec / 1000);
  };

  // The probe's own header, as each kind fills it in (the outdata, with
  // its sequence number and send time, is prepared but never copied in;
  // only the IP id carries the whole sequence number).
  const prepare = (seq32: number): void => {
    const p = outp;
    // outdata.seq is a u_char: the probe headers carry the low byte.
    const seq = seq32 & 0xff;
    switch (proto.name) {
      case "udp":
      case "udplite": {
        odv.setUint16(p, (ident + (fixedPort ? seq : 0)) & 0xffff);
        odv.setUint16(p + 2, (port + (fixedPort ? 0 : seq)) & 0xffff);
        odv.setUint16(p + 4, proto.name === "udp" ? protlen & 0xffff : 8);
        odv.setUint16(p + 6, 0);
        if (doipcksum) {
          const sum = p_cksum(outip, p, protlen, proto.name === "udp" ? protlen : 8);
          odv.setUint16(p + 6, sum !== 0 ? sum : 0xffff);
        }
        break;
      }
      case "tcp": {
        odv.setUint16(p, ident);
        odv.setUint16(p + 2, (port + (fixedPort ? 0 : seq)) & 0xffff);
        // th_seq is the two ports as they sit in memory, stored host-order
        // on a little-endian machine.
        odv.setUint32(p + 4, tcp_seq_host(outip, p), true);
        odv.setUint32(p + 8, 0);
        outip[p + 12] = 5 << 4;
        outip[p + 13] = TH_SYN;
        odv.setUint16(p + 16, 0);
        if (doipcksum) odv.setUint16(p + 16, p_cksum(outip, p, protlen, protlen));
        break;
      }
      case "sctp":
        sctp_prep(outip, odv, p, protlen, ident, (port + (fixedPort ? 0 : seq)) & 0xffff, doipcksum);
        break;
      case "gre":
        odv.setUint16(p, 0x2001);
        odv.setUint16(p + 2, port);
        odv.setUint16(p + 4, 0);
        odv.setUint16(p + 6, (ident + seq) & 0xffff);
        break;
      case "icmp": {
        outip[p] = ICMP_ECHO;
        outip[p + 1] = 0;
        odv.setUint16(p + 4, ident);
        odv.setUint16(p + 6, seq & 0xffff);
        odv.setUint16(p + 2, 0);
        let ck = in_cksum(outip, p, protlen);
        if (ck === 0) ck = 0xffff;
        odv.setUint16(p + 2, ck);
        break;
      }
      default:
        odv.setUint16(p, ident);
        odv.setUint16(p + 2, (port + seq) & 0xffff);
        break;
    }
  };

  /** proto->check(): does this quoted header belong to probe seq? */
  const check = (b: Uint8Array, d: number, seq: number): boolean => {
    const u16 = (i: number): number => ((b[d + i] ?? 0) << 8) | (b[d + i + 1] ?? 0);
    switch (proto.name) {
      case "udp":
      case "udplite":
        return u16(0) === ((ident + (fixedPort ? seq : 0)) & 0xffff) && u16(2) === ((port + (fixedPort ? 0 : seq)) & 0xffff);
      case "tcp":
        return u16(0) === ident && u16(2) === ((port + (fixedPort ? 0 : seq)) & 0xffff) && new DataView(b.buffer, b.byteOffset).getUint32(d + 4, true) === tcp_seq_host(b, d);
      case "sctp": {
        if (u16(0) !== ident || u16(2) !== ((port + (fixedPort ? 0 : seq)) & 0xffff)) return false;
        const vtag = new DataView(b.buffer, b.byteOffset).getUint32(d + 4, true);
        if (protlen < SCTPHDR_LEN + SCTP_INIT_CHUNK_LEN) return vtag === tcp_seq_host(b, d);
        return vtag === 0;
      }
      case "gre":
        return u16(2) === port && u16(6) === ((ident + seq) & 0xffff);
      case "icmp":
        return u16(4) === ident && u16(6) === seq;
      default:
        return u16(0) === ident && u16(2) === ((port + seq) & 0xffff);
    }
  };

  let pmtu = 0;
  let hip = -1;
  let hiplen = 0;
  const packet = new Uint8Array(512);
  let packet_len = 0;
  let from_addr = 0;

  /** packet_ok(): 0 not ours, -2 our echo reply, -1 time exceeded, else the unreachable code + 1. */
  const packet_ok = (cc: number, seq: number): number => {
    const buf = packet;
    let hlen = (buf[0] & 0x0f) << 2;
    if (cc < hlen + ICMP_MINLEN) {
      if (verbose !== 0) out(`packet too short (${cc} bytes) from ${inet_ntoa(from_addr)}\n`);
      return 0;
    }
    cc -= hlen;
    const icp = hlen;
    const type = buf[icp];
    const code = buf[icp + 1];
    if (code !== ICMP_UNREACH_NEEDFRAG) pmtu = 0;
    else pmtu = (buf[icp + 6] << 8) | buf[icp + 7];
    if (type === ICMP_ECHOREPLY && proto.num === IPPROTO_ICMP && check(buf, icp, seq & 0xff)) return -2;
    if ((type === ICMP_TIMXCEED && code === ICMP_TIMXCEED_INTRANS) || type === ICMP_UNREACH) {
      hip = icp + 8;
      hiplen = icp + cc - hip;
      hlen = (buf[hip] & 0x0f) << 2;
      const inner = hip + hlen;
      if (hlen + 16 <= cc && buf[hip + 9] === proto.num && check(buf, inner, seq & 0xff)) return type === ICMP_TIMXCEED ? -1 : code + 1;
    }
    if (verbose !== 0) {
      let v = `\n${cc} bytes from ${inet_ntoa(from_addr)} to `;
      v += `${inet_ntoa(u32(buf, 16))}: icmp type ${type} (${pr_type(type)}) code ${code}\n`;
      let lp = icp + 8;
      for (let i = 4; i <= cc - ICMP_MINLEN; i += 4, lp += 4) v += `${String(i).padStart(2)}: ${u32(buf, lp).toString(16).padStart(8, "0")}\n`;
      out(v);
    }
    return 0;
  };

  let domain: string | null = null;
  /** inetname(): the hosts file's name (less our own domain), else the address. */
  const inetname = (a: number): string => {
    if (domain === null && nflag === 0) {
      domain = "";
      const r = sysctlbyname(kp, "kern.hostname");
      const hn = r.error === 0 ? String(r.value) : "";
      const dot = hn.indexOf(".");
      if (dot >= 0) domain = hn.slice(dot + 1);
    }
    if (nflag === 0 && a !== 0) {
      const h = gethostbyaddr(a);
      if (h !== null) {
        const dot = h.indexOf(".");
        if (dot >= 0 && h.slice(dot + 1) === domain) return h.slice(0, dot);
        return h;
      }
    }
    return inet_ntoa(a);
  };

  const print = async (cc: number): Promise<void> => {
    const hlen = (packet[0] & 0x0f) << 2;
    cc -= hlen;
    const addr = inet_ntoa(from_addr);
    let s2 = "";
    if (as_path && st.asn !== null) s2 += ` [AS${await as_lookup(ctx, st.asn, addr, AF_INET)}]`;
    if (nflag !== 0) s2 += ` ${addr}`;
    else s2 += ` ${inetname(from_addr)} (${addr})`;
    if (verbose !== 0) s2 += ` ${cc} bytes to ${inet_ntoa(u32(packet, 16))}`;
    out(s2);
  };

  const send_probe = (seq: number, ttl: number): void => {
    outip[8] = ttl;
    odv.setUint16(4, (ident + seq) & 0xffff);
    if (verbose > 1) {
      let v = `[ ${packlen} bytes`;
      let i = 0;
      let k = 0;
      for (; k + 1 < packlen; k += 2) {
        if (i++ % 8 === 0) v += "\n\t";
        v += ` ${odv.getUint16(k).toString(16).padStart(4, "0")}`;
      }
      if ((packlen & 1) !== 0) {
        if (i % 8 === 0) v += "\n\t";
        v += ` ${outip[k].toString(16).padStart(2, "0")}`;
      }
      out(v + "]\n");
    }
    const r = sys_sendto(kp, sndsock, outip, 0, null);
    const cc = r.error !== 0 ? -1 : r.len;
    if (cc < 0 || cc !== packlen) {
      if (cc < 0) ctx.stderr.write(`${prog}: sendto: ${strerror(r.error)}\n`);
      out(`${prog}: wrote ${hostname} ${packlen} chars, ret=${cc}\n`);
    }
  };

  /** wait_for_reply(): select(2) until waittime after t1; the bytes read, 0 on timeout. */
  const wait_for_reply = async (t1: number): Promise<number> => {
    let w = t1 + waittime * 1e6 - gettimeofday();
    if (w < 0) w = 1;
    const readable = await sys_wait_readable(kp, s, w * 1000);
    if (!readable) return 0;
    const r = sys_recvfrom(kp, s, packet.length, 0);
    if (r.error !== 0 || r.data === null) return -1;
    packet.fill(0);
    packet.set(r.data);
    packet_len = r.data.length;
    from_addr = r.from !== null && "sin_addr" in r.from ? r.from.sin_addr : 0;
    return packet_len;
  };

  let seq = 0;
  for (let ttl = first_ttl; ttl <= max_ttl; ++ttl) {
    let lastaddr = 0;
    let gotlastaddr = false;
    let got_there = 0;
    let unreachable = 0;
    let sentfirst = 0;
    let loss = 0;
    out(`${String(ttl).padStart(2)} `);
    for (let probe = 0; probe < nprobes; ++probe) {
      if (sentfirst !== 0 && pausemsecs > 0) await sys_nanosleep(kp, pausemsecs * 1e6);
      seq = (seq + 1) | 0;
      const t1 = gettimeofday();
      prepare(seq);
      send_probe(seq, ttl);
      ++sentfirst;
      let cc: number;
      while ((cc = await wait_for_reply(t1)) !== 0) {
        const t2 = gettimeofday();
        const i = packet_ok(cc, seq);
        if (i === 0) continue;
        if (!gotlastaddr || from_addr !== lastaddr) {
          if (gotlastaddr) out("\n   ");
          await print(cc);
          lastaddr = from_addr;
          gotlastaddr = true;
        }
        const T = (t2 - t1) / 1000;
        out(`  ${T.toFixed(3)} ms`);
        if (printdiff) {
          const w = hl << 3;
          out("\n");
          out(`${ip_hdr_key.slice(0, w).padEnd(w)}${proto.key}\n`);
          out(pkt_compare(outip, packlen, packet.subarray(hip, hip + Math.max(0, hiplen)), Math.max(0, hiplen)));
        }
        if (i === -2) {
          if (packet[8] <= 1) out(" !");
          ++got_there;
          break;
        }
        if (i === -1) break;
        const code = i - 1;
        switch (code) {
          case ICMP_UNREACH_PORT:
            if (packet[8] <= 1) out(" !");
            ++got_there;
            break;
          case ICMP_UNREACH_NET:
            ++unreachable;
            out(" !N");
            break;
          case ICMP_UNREACH_HOST:
            ++unreachable;
            out(" !H");
            break;
          case ICMP_UNREACH_PROTOCOL:
            ++got_there;
            out(" !P");
            break;
          case ICMP_UNREACH_NEEDFRAG:
            ++unreachable;
            out(` !F-${pmtu}`);
            break;
          case ICMP_UNREACH_SRCFAIL:
            ++unreachable;
            out(" !S");
            break;
          case ICMP_UNREACH_NET_UNKNOWN:
            ++unreachable;
            out(" !U");
            break;
          case ICMP_UNREACH_HOST_UNKNOWN:
            ++unreachable;
            out(" !W");
            break;
          case ICMP_UNREACH_ISOLATED:
            ++unreachable;
            out(" !I");
            break;
          case ICMP_UNREACH_NET_PROHIB:
            ++unreachable;
            out(" !A");
            break;
          case ICMP_UNREACH_HOST_PROHIB:
            ++unreachable;
            out(" !Z");
            break;
          case ICMP_UNREACH_TOSNET:
            ++unreachable;
            out(" !Q");
            break;
          case ICMP_UNREACH_TOSHOST:
            ++unreachable;
            out(" !T");
            break;
          case ICMP_UNREACH_FILTER_PROHIB:
            ++unreachable;
            out(" !X");
            break;
          case ICMP_UNREACH_HOST_PRECEDENCE:
            ++unreachable;
            out(" !V");
            break;
          case ICMP_UNREACH_PRECEDENCE_CUTOFF:
            ++unreachable;
            out(" !C");
            break;
          default:
            ++unreachable;
            out(` !<${code}>`);
            break;
        }
        break;
      }
      if (cc === 0) {
        loss++;
        out(" *");
      }
    }
    if (sump) out(` (${Math.trunc((loss * 100) / nprobes)}% loss)`);
    out("\n");
    if (got_there !== 0 || (unreachable > 0 && unreachable >= nprobes - 1)) break;
  }
  if (as_path && st.asn !== null) {
    as_shutdown(ctx, st.asn);
    st.asn = null;
  }
  return 0;
}

/** The two 16-bit ports at p as the 32-bit value C builds with
 *  (sport << 16) | dport from their network-order storage, as an
 *  x86 host then stores it. */
function tcp_seq_host(b: Uint8Array, p: number): number {
  const sport_mem = b[p] | (b[p + 1] << 8);
  const dport_mem = b[p + 2] | (b[p + 3] << 8);
  return ((sport_mem << 16) | dport_mem) >>> 0;
}

/** sctp_prep(): an INIT chunk when there is room for one, else SHUTDOWN-ACK (and PAD). */
function sctp_prep(outip: Uint8Array, odv: DataView, p: number, protlen: number, sport: number, dport: number, doipcksum: boolean): void {
  odv.setUint16(p, sport);
  odv.setUint16(p + 2, dport);
  const init = protlen >= SCTPHDR_LEN + SCTP_INIT_CHUNK_LEN;
  odv.setUint32(p + 4, init ? 0 : tcp_seq_host(outip, p), true);
  odv.setUint32(p + 8, 0);
  if (init) {
    const c = p + SCTPHDR_LEN;
    outip[c] = SCTP_INITIATION;
    outip[c + 1] = 0;
    odv.setUint16(c + 2, (protlen - SCTPHDR_LEN) & 0xffff);
    odv.setUint32(c + 4, tcp_seq_host(outip, p), true);
    odv.setUint32(c + 8, 1500);
    odv.setUint16(c + 12, 1);
    odv.setUint16(c + 14, 1);
    odv.setUint32(c + 16, 0);
    if (protlen >= SCTPHDR_LEN + SCTP_INIT_CHUNK_LEN + SCTP_PARAMHDR_LEN) {
      const q = c + SCTP_INIT_CHUNK_LEN;
      odv.setUint16(q, SCTP_PAD);
      odv.setUint16(q + 2, (protlen - SCTPHDR_LEN - SCTP_INIT_CHUNK_LEN) & 0xffff);
    }
  } else {
    if (protlen >= SCTPHDR_LEN + SCTP_CHUNKHDR_LEN) {
      const c = p + SCTPHDR_LEN;
      outip[c] = SCTP_SHUTDOWN_ACK;
      outip[c + 1] = 0;
      odv.setUint16(c + 2, 4);
    }
    if (protlen >= SCTPHDR_LEN + 2 * SCTP_CHUNKHDR_LEN) {
      const c = p + SCTPHDR_LEN + SCTP_CHUNKHDR_LEN;
      outip[c] = SCTP_PAD_CHUNK;
      outip[c + 1] = 0;
      odv.setUint16(c + 2, (protlen - (SCTPHDR_LEN + SCTP_CHUNKHDR_LEN)) & 0xffff);
    }
  }
  if (doipcksum) odv.setUint32(p + 8, sctp_crc32c(outip, p, protlen), true);
}

function u32(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}

/** pr_type(): an ICMP type's name. */
function pr_type(t: number): string {
  const ttab = [
    "Echo Reply",
    "ICMP 1",
    "ICMP 2",
    "Dest Unreachable",
    "Source Quench",
    "Redirect",
    "ICMP 6",
    "ICMP 7",
    "Echo",
    "ICMP 9",
    "ICMP 10",
    "Time Exceeded",
    "Param Problem",
    "Timestamp",
    "Timestamp Reply",
    "Info Request",
    "Info Reply",
  ];
  if (t > 16) return "OUT-OF-RANGE";
  return ttab[t];
}

/** pkt_compare(): the probe in hex, then the quoted copy with "__" where it matches. */
function pkt_compare(a: Uint8Array, la: number, b: Uint8Array, lb: number): string {
  const h = (v: number): string => v.toString(16).padStart(2, "0");
  let s = "";
  for (let i = 0; i < la; i++) s += h(a[i]);
  s += "\n";
  const l = la <= lb ? la : lb;
  let i = 0;
  for (; i < l; i++) s += a[i] === b[i] ? "__" : h(b[i]);
  for (; i < lb; i++) s += h(b[i]);
  return s + "\n";
}

/** findsaddr() (findsaddr-udp.c): the source the kernel picks for `to`,
 *  read back from a UDP socket connected there; or why not. */
function findsaddr(kp: proc, to: number): number | string {
  const r = sys_socket(kp, AF_INET, SOCK_DGRAM, 0);
  if (r.error !== 0) return "failed to open DGRAM socket for src addr selection.";
  try {
    if (sys_connect(kp, r.fd, new sockaddr_in(to, 65535)) !== 0) return "failed to connect to peer for src addr selection.";
    const n = sys_getsockname(kp, r.fd);
    if (n.error !== 0 || n.sa === null) return "failed to get socket name for src addr selection.";
    if (!("sin_addr" in n.sa) || n.sa.sin_family !== AF_INET) return "unexpected address family in src addr selection.";
    return n.sa.sin_addr;
  } finally {
    sys_close(kp, r.fd);
  }
}
