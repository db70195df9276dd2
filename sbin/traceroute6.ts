// usr.sbin/traceroute6/traceroute6.c: traceroute6(8) as FreeBSD 14 has it.
// Probes go out of a raw IPv6 socket of their protocol (UDP by default,
// -I ICMPv6 echo through the receiving socket itself, -T TCP SYN, -S SCTP,
// -N no next header) with IPV6_UNICAST_HOPS growing from the first hop; a
// raw ICMPv6 socket with IPV6_RECVPKTINFO and IPV6_RECVHOPLIMIT hears the
// answers.  The header goes to stderr, one line per hop limit to stdout;
// bad input exits 1 (5, 6, 7 for socket failures) with traceroute6's
// messages.  Waiting is poll(2) in virtual time.

import { strerror } from "../kern/errno.ts";
import { AF_INET6, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET, SO_DEBUG, SO_DONTROUTE, SO_SNDBUF } from "../kern/socket.ts";
import { CLOCK_REALTIME, sys_clock_gettime } from "../kern/kern_time.ts";
import { sys_bind, sys_close, sys_connect, sys_getsockname, sys_recvmsg, sys_sendto, sys_setsockopt, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { sys_wait_readable } from "../kern/sys_generic.ts";
import { sockaddr_in6 } from "../netinet6/in6_var.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { AI_CANONNAME, AI_NUMERICHOST, NI_NAMEREQD, NI_NUMERICHOST, gai_strerror, getaddrinfo, getopt, getnameinfo, inet_ntop, prog_exit, strtoul, type prog_ctx } from "./libc.ts";
import { as_lookup, as_setup, as_shutdown, trace_run, type trace_files } from "./traceroute_as.ts";

const IPPROTO_IPV6 = 41;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_ESP = 50;
const IPPROTO_AH = 51;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_NONE = 59;
const IPPROTO_SCTP = 132;

const IPV6_UNICAST_HOPS = 4;
const IPV6_RECVPKTINFO = 36;
const IPV6_RECVHOPLIMIT = 37;
const IPV6_PKTINFO = 46;
const IPV6_HOPLIMIT = 47;
const IPV6_RTHDR = 51;
const IPV6_TCLASS = 61;
const IPV6_RTHDR_TYPE_0 = 0;

const ICMP6_DST_UNREACH = 1;
const ICMP6_PACKET_TOO_BIG = 2;
const ICMP6_TIME_EXCEEDED = 3;
const ICMP6_PARAM_PROB = 4;
const ICMP6_ECHO_REQUEST = 128;
const ICMP6_ECHO_REPLY = 129;
const ICMP6_DST_UNREACH_NOROUTE = 0;
const ICMP6_DST_UNREACH_ADMIN = 1;
const ICMP6_DST_UNREACH_NOTNEIGHBOR = 2;
const ICMP6_DST_UNREACH_ADDR = 3;
const ICMP6_DST_UNREACH_NOPORT = 4;
const ICMP6_TIME_EXCEED_TRANSIT = 0;
const ICMP6_PARAMPROB_NEXTHEADER = 1;

const DUMMY_PORT = 10010;
const MAXPACKET = 65535;
const ICMP6ECHOLEN = 8;
const TH_SYN = 0x02;
const SCTPHDR_LEN = 12;
const SCTP_INIT_CHUNK_LEN = 20;
const SCTP_PARAMHDR_LEN = 4;
const SCTP_CHUNKHDR_LEN = 4;
const SCTP_INITIATION = 1;
const SCTP_SHUTDOWN_ACK = 8;
const SCTP_PAD_CHUNK = 0x84;
const SCTP_PAD = 0x8005;

/** CMSG_ALIGN and CMSG_LEN on amd64 (a 12-byte cmsghdr, 8-byte alignment). */
const CMSG_ALIGN = (n: number): number => (n + 7) & ~7;
const CMSG_LEN = (l: number): number => CMSG_ALIGN(12) + l;
const CMSG_SPACE = (l: number): number => CMSG_ALIGN(12) + CMSG_ALIGN(l);
/** rcvcmsglen: room for an in6_pktinfo and an int. */
const RCVCMSGLEN = CMSG_SPACE(20) + CMSG_SPACE(4);

/** The Internet checksum of len bytes of b from off (big-endian value). */
function in_cksum(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  let i = 0;
  for (; i + 1 < len; i += 2) sum += (b[off + i] << 8) | b[off + i + 1];
  if (i < len) sum += b[off + i] << 8;
  sum = (sum >>> 16) + (sum & 0xffff);
  sum += sum >>> 16;
  return ~sum & 0xffff;
}

/** udp_cksum()/tcp_chksum(): the checksum over the IPv6 pseudo-header and the packet. */
function cksum6(src: Uint8Array, dst: Uint8Array, nxt: number, payload: Uint8Array, len: number): number {
  const ph = new Uint8Array(40);
  ph.set(src, 0);
  ph.set(dst, 16);
  new DataView(ph.buffer).setUint32(32, len);
  ph[39] = nxt;
  const s1 = in_cksum(ph, 0, 40);
  const s0 = in_cksum(payload, 0, len);
  return ~in_cksum(new Uint8Array([s0 >> 8, s0 & 0xff, s1 >> 8, s1 & 0xff]), 0, 4) & 0xffff;
}

let crc_c: Uint32Array | null = null;
function sctp_crc32c(b: Uint8Array, len: number): number {
  if (crc_c === null) {
    crc_c = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      crc_c[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < len; i++) crc = (crc >>> 8) ^ crc_c[(crc ^ b[i]) & 0xff];
  return ~crc >>> 0;
}

/** pr_type(): an ICMPv6 type's name. */
function pr_type(t: number): string {
  switch (t & 0xff) {
    case ICMP6_DST_UNREACH:
      return "Destination Unreachable";
    case ICMP6_PACKET_TOO_BIG:
      return "Packet Too Big";
    case ICMP6_TIME_EXCEEDED:
      return "Time Exceeded";
    case ICMP6_PARAM_PROB:
      return "Parameter Problem";
    case ICMP6_ECHO_REQUEST:
      return "Echo Request";
    case ICMP6_ECHO_REPLY:
      return "Echo Reply";
    case 130:
      return "Group Membership Query";
    case 131:
      return "Group Membership Report";
    case 132:
      return "Group Membership Reduction";
    case 133:
      return "Router Solicitation";
    case 134:
      return "Router Advertisement";
    case 135:
      return "Neighbor Solicitation";
    case 136:
      return "Neighbor Advertisement";
    case 137:
      return "Redirect";
    default:
      return "Unknown";
  }
}

export function traceroute6_main(ctx: prog_ctx): Promise<number> {
  return trace_run(ctx, (f) => traceroute6(ctx, f.fds, f));
}

async function traceroute6(ctx: prog_ctx, fds: number[], st: trace_files): Promise<number> {
  const kp = ctx.p as proc;
  const out = (s: string): void => ctx.stdout.write(s);
  const fail: (msg: string, status?: number) => never = (msg, status = 1) => {
    ctx.stderr.write(msg);
    throw new prog_exit(status);
  };
  const usage = (): never =>
    fail(
      "usage: traceroute6 [-adIlnNrSTUv] [-A as_server] [-f firsthop] [-g gateway]\n" +
        "       [-m hoplimit] [-p port] [-q probes] [-s src] [-w waittime] target\n" +
        "       [datalen]\n",
    );

  const rs = sys_socket(kp, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
  if (rs.error !== 0) fail(`socket(ICMPv6): ${strerror(rs.error)}\n`, 5);
  const rcvsock = rs.fd;
  fds.push(rcvsock);

  let max_hops = 30;
  {
    const r = sysctlbyname(kp, "net.inet6.ip6.hlim");
    if (r.error === 0) max_hops = Number(r.value);
  }
  {
    let e = sys_setsockopt(kp, rcvsock, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    if (e !== 0) fail(`traceroute6: setsockopt(IPV6_RECVPKTINFO): ${strerror(e)}\n`);
    e = sys_setsockopt(kp, rcvsock, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
    if (e !== 0) fail(`traceroute6: setsockopt(IPV6_RECVHOPLIMIT): ${strerror(e)}\n`);
  }

  let seq = 0;
  // htons(getpid()): the pid's bytes in network order, as the ICMPv6 id
  // carries them.
  const ident_wire = kp.p_pid & 0xffff;

  let as_path = false;
  let as_server: string | null = null;
  let options = 0;
  let first_hop = 1;
  let useproto = IPPROTO_UDP;
  let lflag = 0;
  let nflag = 0;
  let port = 32768 + 666;
  let nprobes = 3;
  let source: string | null = null;
  let tclass = -1;
  let verbose = 0;
  let waittime = 5;
  // The type 0 routing header -g builds (inet6_rth_init/inet6_rth_add).
  let rth: number[][] | null = null;

  /** strtoul(optarg, &ep, 0) with traceroute6's checks: null when bad. */
  const ul = (s: string): number | null => {
    if (s === "") return null;
    const r = strtoul(s, 0);
    if (r.rest !== "" || r.v >= 0xffffffffffffffff) return null;
    return r.v;
  };

  const argv = ctx.argv;
  const { opts, optind } = getopt(ctx, "aA:df:g:Ilm:nNp:q:rs:St:TUvw:", usage);
  for (const [ch, optarg] of opts) {
    switch (ch) {
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
      case "f": {
        const v = ul(optarg);
        if (v === null || v > 255) fail("traceroute6: invalid min hoplimit.\n");
        first_hop = v;
        break;
      }
      case "g": {
        const r = getaddrinfo(kp, optarg, null, { ai_family: AF_INET6, ai_socktype: SOCK_RAW });
        const ai = r.error === 0 ? r.res[0] : undefined;
        if (ai === undefined || !("sin6_addr" in ai.ai_addr)) fail(`traceroute6: unknown host ${optarg}\n`);
        else {
          if (rth === null) rth = [];
          if (rth.length >= 127) fail(`inet6_rth_add failed for ${optarg}\n`);
          rth.push(Array.from(ai.ai_addr.sin6_addr.s6_addr));
        }
        break;
      }
      case "I":
        useproto = IPPROTO_ICMPV6;
        break;
      case "l":
        lflag++;
        break;
      case "m": {
        const v = ul(optarg);
        if (v === null || v > 255) fail("traceroute6: invalid max hoplimit.\n");
        max_hops = v;
        break;
      }
      case "n":
        nflag++;
        break;
      case "N":
        useproto = IPPROTO_NONE;
        break;
      case "p": {
        const v = ul(optarg);
        if (v === null) fail("traceroute6: invalid port.\n");
        if (v === 0 || v !== (v & 0xffff)) fail("traceroute6: port out of range.\n");
        port = v & 0xffff;
        break;
      }
      case "q": {
        const v = ul(optarg);
        if (v === null) fail("traceroute6: invalid nprobes.\n");
        if (v < 1) fail("traceroute6: nprobes must be >0.\n");
        nprobes = v;
        break;
      }
      case "r":
        options |= SO_DONTROUTE;
        break;
      case "s":
        source = optarg;
        break;
      case "S":
        useproto = IPPROTO_SCTP;
        break;
      case "t": {
        const v = ul(optarg);
        if (v === null || v > 255) fail("traceroute6: invalid traffic class.\n");
        tclass = v;
        break;
      }
      case "T":
        useproto = IPPROTO_TCP;
        break;
      case "U":
        useproto = IPPROTO_UDP;
        break;
      case "v":
        verbose++;
        break;
      case "w": {
        const v = ul(optarg);
        if (v === null) fail("traceroute6: invalid wait time.\n");
        if (v < 1) fail("traceroute6: wait must be >= 1 sec.\n");
        waittime = v;
        break;
      }
    }
  }
  const args = argv.slice(optind);

  // Every kind, ICMPv6 too, sends from a raw socket of its own: the
  // receiving socket stays unconnected, so it hears the routers too.
  let sndsock: number;
  {
    const r = sys_socket(kp, AF_INET6, SOCK_RAW, useproto);
    if (r.error !== 0) fail(`socket(SOCK_RAW): ${strerror(r.error)}\n`, 5);
    sndsock = r.fd;
    fds.push(sndsock);
  }
  if (max_hops < first_hop) fail("traceroute6: max hoplimit must be larger than first hoplimit.\n");
  if (tclass !== -1) {
    const e = sys_setsockopt(kp, sndsock, IPPROTO_IPV6, IPV6_TCLASS, tclass);
    if (e !== 0) fail(`setsockopt(IPV6_TCLASS): ${strerror(e)}\n`, 7);
  }
  if (args.length < 1 || args.length > 2) usage();

  const dr = getaddrinfo(kp, args[0], null, { ai_family: AF_INET6, ai_socktype: SOCK_RAW, ai_protocol: IPPROTO_ICMPV6, ai_flags: AI_CANONNAME });
  if (dr.error !== 0) fail(`traceroute6: ${gai_strerror(dr.error)}\n`);
  const dai = dr.res[0];
  if (dai === undefined || !("sin6_addr" in dai.ai_addr)) return fail("traceroute6: size of sockaddr mismatch\n");
  const Dst = dai.ai_addr;
  const hostname = dai.ai_canonname ?? args[0];
  if (dr.res.length > 1) {
    const h = getnameinfo(kp, Dst, NI_NUMERICHOST);
    ctx.stderr.write(`traceroute6: Warning: ${hostname} has multiple addresses; using ${h.error === 0 ? h.host : "?"}\n`);
  }
  let datalen = 20;
  if (args.length === 2) {
    const r = strtoul(args[1], 0);
    // (An empty length is 0, the minimum: only trailing junk is refused.)
    if (r.rest !== "" || r.v >= 0xffffffffffffffff) fail("traceroute6: invalid packet length.\n");
    datalen = r.v;
  }
  let minlen: number;
  switch (useproto) {
    case IPPROTO_ICMPV6:
      minlen = ICMP6ECHOLEN;
      break;
    case IPPROTO_UDP:
      minlen = 8;
      break;
    case IPPROTO_NONE:
      minlen = 0;
      datalen = 0;
      break;
    case IPPROTO_SCTP:
      minlen = SCTPHDR_LEN;
      break;
    default:
      minlen = 20;
      break;
  }
  if (datalen < minlen) datalen = minlen;
  else if (datalen >= MAXPACKET) fail(`traceroute6: packet size must be ${minlen} <= s < ${MAXPACKET}.\n`);
  if (useproto === IPPROTO_SCTP && (datalen & 3) !== 0) fail("traceroute6: packet size must be a multiple of 4.\n");
  const outpacket = new Uint8Array(datalen);
  const odv = new DataView(outpacket.buffer);

  if ((options & SO_DEBUG) !== 0) sys_setsockopt(kp, rcvsock, SOL_SOCKET, SO_DEBUG, 1);
  if ((options & SO_DONTROUTE) !== 0) sys_setsockopt(kp, rcvsock, SOL_SOCKET, SO_DONTROUTE, 1);
  // (The IPsec bypass policies it asks for change nothing in a kernel
  // without IPsec.)
  {
    const e = sys_setsockopt(kp, sndsock, SOL_SOCKET, SO_SNDBUF, datalen === 0 ? 1 : datalen);
    if (e !== 0) fail(`setsockopt(SO_SNDBUF): ${strerror(e)}\n`, 6);
  }
  if ((options & SO_DEBUG) !== 0) sys_setsockopt(kp, sndsock, SOL_SOCKET, SO_DEBUG, 1);
  if ((options & SO_DONTROUTE) !== 0) sys_setsockopt(kp, sndsock, SOL_SOCKET, SO_DONTROUTE, 1);
  if (rth !== null) {
    const segs = rth.length;
    const b = new Uint8Array(8 + 16 * segs);
    b[1] = segs * 2;
    b[2] = IPV6_RTHDR_TYPE_0;
    b[3] = segs;
    rth.forEach((a, i) => b.set(a, 8 + 16 * i));
    const e = sys_setsockopt(kp, sndsock, IPPROTO_IPV6, IPV6_RTHDR, b);
    if (e !== 0) fail(`setsockopt(IPV6_RTHDR): ${strerror(e)}\n`);
  }

  // Source selection.
  let Src = new sockaddr_in6();
  if (source !== null) {
    const r = getaddrinfo(kp, source, "0", { ai_family: AF_INET6, ai_socktype: SOCK_DGRAM, ai_flags: AI_NUMERICHOST });
    const ai = r.error === 0 ? r.res[0] : undefined;
    if (ai === undefined || !("sin6_addr" in ai.ai_addr)) {
      out(`traceroute6: ${source}: ${gai_strerror(r.error)}\n`);
      throw new prog_exit(1);
    }
    Src = ai.ai_addr;
  } else {
    const Nxt = new sockaddr_in6(Dst.sin6_addr, DUMMY_PORT, Dst.sin6_scope_id);
    const d = sys_socket(kp, AF_INET6, SOCK_DGRAM, 0);
    if (d.error !== 0) fail(`socket: ${strerror(d.error)}\n`);
    try {
      const e = sys_connect(kp, d.fd, Nxt);
      if (e !== 0) fail(`connect: ${strerror(e)}\n`);
      const n = sys_getsockname(kp, d.fd);
      if (n.error !== 0 || n.sa === null || !("sin6_addr" in n.sa)) return fail(`getsockname: ${strerror(n.error)}\n`);
      Src = new sockaddr_in6(n.sa.sin6_addr, n.sa.sin6_port, n.sa.sin6_scope_id);
      const h = getnameinfo(kp, Src, NI_NUMERICHOST);
      if (h.error !== 0) fail("getnameinfo failed for source\n");
      source = h.host;
    } finally {
      sys_close(kp, d.fd);
    }
  }
  Src.sin6_port = 0;
  {
    const e = sys_bind(kp, sndsock, Src);
    if (e !== 0) fail(`bind: ${strerror(e)}\n`);
    const n = sys_getsockname(kp, sndsock);
    if (n.error !== 0) fail(`getsockname: ${strerror(n.error)}\n`);
  }
  if (as_path) {
    st.asn = await as_setup(ctx, as_server);
    if (st.asn === null) {
      ctx.stderr.write("traceroute6: as_setup failed, AS# lookups disabled\n");
      as_path = false;
    }
  }

  {
    const h = getnameinfo(kp, Dst, NI_NUMERICHOST);
    const hbuf = h.error === 0 ? h.host : "(invalid)";
    let s = `traceroute6 to ${hostname} (${hbuf})`;
    if (source !== null) s += ` from ${source}`;
    s += `, ${max_hops} hops max, ${datalen + (useproto === IPPROTO_UDP ? 8 : 0)} byte packets\n`;
    ctx.stderr.write(s);
  }
  if (first_hop > 1) out(`Skipping ${first_hop - 1} intermediate hops\n`);
  {
    const e = sys_connect(kp, sndsock, Dst);
    if (e !== 0) fail(`connect: ${strerror(e)}\n`);
  }

  const gettimeofday = (): number => {
    const ts = sys_clock_gettime(kp, CLOCK_REALTIME);
    return ts.tv_sec * 1e6 + Math.floor(ts.tv_nsec / 1000);
  };
  const deltaT = (t1: number, t2: number): number => (t2 - t1) / 1000;

  // The two 16-bit ports as (sport << 16) | dport from their network-order
  // storage, stored in host (little-endian) order: TCP's th_seq, SCTP's tags.
  const ports_tag = (p: number): number => (((outpacket[p] | (outpacket[p + 1] << 8)) << 16) | (outpacket[p + 2] | (outpacket[p + 3] << 8))) >>> 0;
  // htons(ident) where ident is already htons(pid): the pid's bytes in
  // little-endian order on the wire.
  const sport_wire = ((ident_wire & 0xff) << 8) | (ident_wire >> 8);

  const send_probe = (seq: number, hops: number): void => {
    const e = sys_setsockopt(kp, sndsock, IPPROTO_IPV6, IPV6_UNICAST_HOPS, hops);
    if (e !== 0) ctx.stderr.write(`setsockopt IPV6_UNICAST_HOPS: ${strerror(e)}\n`);
    const dport = (port + seq) & 0xffff;
    switch (useproto) {
      case IPPROTO_ICMPV6:
        outpacket[0] = ICMP6_ECHO_REQUEST;
        outpacket[1] = 0;
        odv.setUint16(2, 0);
        odv.setUint16(4, ident_wire);
        odv.setUint16(6, seq & 0xffff);
        break;
      case IPPROTO_UDP:
        odv.setUint16(0, sport_wire);
        odv.setUint16(2, dport);
        odv.setUint16(4, datalen & 0xffff);
        odv.setUint16(6, 0);
        odv.setUint16(6, cksum6(Src.sin6_addr.s6_addr, Dst.sin6_addr.s6_addr, IPPROTO_UDP, outpacket, datalen));
        break;
      case IPPROTO_NONE:
        break;
      case IPPROTO_SCTP: {
        odv.setUint16(0, sport_wire);
        odv.setUint16(2, dport);
        const init = datalen >= SCTPHDR_LEN + SCTP_INIT_CHUNK_LEN;
        odv.setUint32(4, init ? 0 : ports_tag(0), true);
        odv.setUint32(8, 0);
        if (init) {
          const c = SCTPHDR_LEN;
          outpacket[c] = SCTP_INITIATION;
          outpacket[c + 1] = 0;
          odv.setUint16(c + 2, (datalen - SCTPHDR_LEN) & 0xffff);
          odv.setUint32(c + 4, ports_tag(0), true);
          odv.setUint32(c + 8, 1500);
          odv.setUint16(c + 12, 1);
          odv.setUint16(c + 14, 1);
          odv.setUint32(c + 16, 0);
          if (datalen >= SCTPHDR_LEN + SCTP_INIT_CHUNK_LEN + SCTP_PARAMHDR_LEN) {
            const q = c + SCTP_INIT_CHUNK_LEN;
            odv.setUint16(q, SCTP_PAD);
            odv.setUint16(q + 2, (datalen - SCTPHDR_LEN - SCTP_INIT_CHUNK_LEN) & 0xffff);
          }
        } else {
          if (datalen >= SCTPHDR_LEN + SCTP_CHUNKHDR_LEN) {
            outpacket[SCTPHDR_LEN] = SCTP_SHUTDOWN_ACK;
            outpacket[SCTPHDR_LEN + 1] = 0;
            odv.setUint16(SCTPHDR_LEN + 2, 4);
          }
          if (datalen >= SCTPHDR_LEN + 2 * SCTP_CHUNKHDR_LEN) {
            const c = SCTPHDR_LEN + SCTP_CHUNKHDR_LEN;
            outpacket[c] = SCTP_PAD_CHUNK;
            outpacket[c + 1] = 0;
            odv.setUint16(c + 2, (datalen - SCTPHDR_LEN - SCTP_CHUNKHDR_LEN) & 0xffff);
          }
        }
        odv.setUint32(8, sctp_crc32c(outpacket, datalen), true);
        break;
      }
      case IPPROTO_TCP:
        odv.setUint16(0, sport_wire);
        odv.setUint16(2, dport);
        odv.setUint32(4, ports_tag(0), true);
        odv.setUint32(8, 0);
        outpacket[12] = 5 << 4;
        outpacket[13] = TH_SYN;
        odv.setUint16(16, 0);
        odv.setUint16(16, cksum6(Src.sin6_addr.s6_addr, Dst.sin6_addr.s6_addr, IPPROTO_TCP, outpacket, datalen));
        break;
    }
    const r = sys_sendto(kp, sndsock, outpacket, 0, null);
    const i = r.error !== 0 ? -1 : r.len;
    if (i < 0 || i !== datalen) {
      if (i < 0) ctx.stderr.write(`send: ${strerror(r.error)}\n`);
      out(`traceroute6: wrote ${hostname} ${datalen} chars, ret=${i}\n`);
    }
  };

  let packet: Uint8Array = new Uint8Array(0);
  const rcv: { sa: sockaddr_in6 | null } = { sa: null };
  let rcvhlim = 0;
  let rcvpktinfo: Uint8Array | null = null;
  let control: Uint8Array = new Uint8Array(0);

  /** wait_for_reply(): poll(2) for waittime, then recvmsg(2); 0 on timeout. */
  const wait_for_reply = async (): Promise<number> => {
    if (!(await sys_wait_readable(kp, rcvsock, waittime * 1e9))) return 0;
    const r = sys_recvmsg(kp, rcvsock, 512, RCVCMSGLEN, 0);
    if (r.error !== 0 || r.data === null) return -1;
    packet = r.data;
    rcv.sa = r.from !== null && "sin6_addr" in r.from ? r.from : null;
    control = r.control;
    return packet.length;
  };

  const hbuf_of = (sa: sockaddr_in6 | null, bad: string): string => {
    if (sa === null) return bad;
    const h = getnameinfo(kp, sa, NI_NUMERICHOST);
    return h.error === 0 ? h.host : bad;
  };

  /** get_uphdr(): the upper-layer header of the quoted packet, or -1. */
  const get_uphdr = (ip6: number, lim: number): number => {
    let cp = ip6;
    if (cp + 40 > lim) return -1;
    let nh = packet[ip6 + 6];
    cp += 40;
    while (lim - cp >= (nh === IPPROTO_NONE ? 0 : 8)) {
      let hlen: number;
      switch (nh) {
        case IPPROTO_ESP:
          return -1;
        case IPPROTO_ICMPV6:
        case IPPROTO_SCTP:
        case IPPROTO_TCP:
        case IPPROTO_UDP:
        case IPPROTO_NONE:
          return useproto === nh ? cp : -1;
        case IPPROTO_FRAGMENT:
          hlen = 8;
          nh = packet[cp];
          break;
        case IPPROTO_AH:
          hlen = (packet[cp + 1] + 2) << 2;
          nh = packet[cp];
          break;
        default:
          hlen = (packet[cp + 1] + 1) << 3;
          nh = packet[cp];
          break;
      }
      cp += hlen;
    }
    return -1;
  };

  let type = 0;
  let code = 0;
  const packet_ok = (cc: number, seq: number): boolean => {
    if (cc < 8) {
      if (verbose !== 0) out(`data too short (${cc} bytes) from ${hbuf_of(rcv.sa, "invalid")}\n`);
      return false;
    }
    rcvpktinfo = null;
    let hlim: number | null = null;
    const cdv = new DataView(control.buffer, control.byteOffset, control.byteLength);
    for (let off = 0; off + CMSG_LEN(0) <= control.length; ) {
      const clen = cdv.getUint32(off, true);
      if (clen < CMSG_LEN(0) || off + clen > control.length) break;
      const level = cdv.getInt32(off + 4, true);
      const ctype = cdv.getInt32(off + 8, true);
      if (level === IPPROTO_IPV6 && ctype === IPV6_PKTINFO && clen === CMSG_LEN(20)) rcvpktinfo = control.slice(off + CMSG_LEN(0), off + clen);
      if (level === IPPROTO_IPV6 && ctype === IPV6_HOPLIMIT && clen === CMSG_LEN(4)) hlim = cdv.getInt32(off + CMSG_LEN(0), true);
      off += CMSG_ALIGN(clen);
    }
    if (rcvpktinfo === null || hlim === null) {
      ctx.stderr.write("traceroute6: failed to get received hop limit or packet info\n");
      rcvhlim = 0;
    } else rcvhlim = hlim;
    type = packet[0];
    code = packet[1];
    const u16 = (i: number): number => ((packet[i] ?? 0) << 8) | (packet[i + 1] ?? 0);
    const u32le = (i: number): number => new DataView(packet.buffer, packet.byteOffset).getUint32(i, true);
    if ((type === ICMP6_TIME_EXCEEDED && code === ICMP6_TIME_EXCEED_TRANSIT) || type === ICMP6_DST_UNREACH || (type === ICMP6_PARAM_PROB && code === ICMP6_PARAMPROB_NEXTHEADER)) {
      const up = get_uphdr(8, cc);
      if (up < 0) {
        if (verbose !== 0) ctx.stderr.write("traceroute6: failed to get upper layer header\n");
        return false;
      }
      const dport = (port + seq) & 0xffff;
      const tag = (): number => ((((packet[up] | (packet[up + 1] << 8)) << 16) | (packet[up + 2] | (packet[up + 3] << 8))) >>> 0);
      switch (useproto) {
        case IPPROTO_ICMPV6:
          if (u16(up + 4) === ident_wire && u16(up + 6) === (seq & 0xffff)) return true;
          break;
        case IPPROTO_UDP:
          if (u16(up) === sport_wire && u16(up + 2) === dport) return true;
          break;
        case IPPROTO_SCTP:
          if (u16(up) !== sport_wire || u16(up + 2) !== dport) break;
          if (datalen >= SCTPHDR_LEN + SCTP_INIT_CHUNK_LEN) {
            if (up + 8 <= cc && u32le(up + 4) !== 0) break;
            // The initiate tag, when the quote reaches it.
            if (up + SCTPHDR_LEN + 8 > cc) return true;
            if (u32le(up + SCTPHDR_LEN + 4) === tag()) return true;
          } else if (up + 8 <= cc && u32le(up + 4) === tag()) return true;
          break;
        case IPPROTO_TCP:
          if (u16(up) === sport_wire && u16(up + 2) === dport && up + 8 <= cc && u32le(up + 4) === tag()) return true;
          break;
        case IPPROTO_NONE:
          return true;
      }
    } else if (useproto === IPPROTO_ICMPV6 && type === ICMP6_ECHO_REPLY) {
      if (u16(4) === ident_wire && u16(6) === (seq & 0xffff)) return true;
    }
    if (verbose !== 0) {
      let v = `\n${cc} bytes from ${hbuf_of(rcv.sa, "invalid")} to ${rcvpktinfo !== null ? (inet_ntop(AF_INET6, rcvpktinfo.subarray(0, 16)) ?? "?") : "?"}`;
      v += `: icmp type ${type} (${pr_type(type)}) code ${code}\n`;
      const p = 8;
      for (let i = 0; i < cc; i++) {
        if (i % 16 === 0) v += i.toString(16).padStart(4, "0") + ":";
        if (i % 4 === 0) v += " ";
        v += (packet[p + i] ?? 0).toString(16).padStart(2, "0");
        if (i % 16 === 15) v += "\n";
      }
      if (cc % 16 !== 0) v += "\n";
      out(v);
    }
    return false;
  };

  let domain: string | null = null;
  /** inetname(): the hosts file's name (less our domain), else the numeric address. */
  const inetname = (sa: sockaddr_in6): string => {
    if (domain === null && nflag === 0) {
      domain = "";
      const r = sysctlbyname(kp, "kern.hostname");
      const hn = r.error === 0 ? String(r.value) : "";
      const dot = hn.indexOf(".");
      if (dot >= 0) domain = hn.slice(dot + 1);
    }
    if (nflag === 0) {
      const h = getnameinfo(kp, sa, NI_NAMEREQD);
      if (h.error === 0) {
        const dot = h.host.indexOf(".");
        if (dot >= 0 && h.host.slice(dot + 1) === domain) return h.host.slice(0, dot);
        return h.host;
      }
    }
    return hbuf_of(sa, "invalid");
  };

  const print = async (cc: number): Promise<void> => {
    const from = rcv.sa;
    const hbuf = hbuf_of(from, "invalid");
    let s = "";
    if (as_path && st.asn !== null) s += ` [AS${await as_lookup(ctx, st.asn, hbuf, AF_INET6)}]`;
    if (nflag !== 0 || from === null) s += ` ${hbuf}`;
    else if (lflag !== 0) s += ` ${inetname(from)} (${hbuf})`;
    else s += ` ${inetname(from)}`;
    if (verbose !== 0) s += ` ${cc} bytes of data to ${rcvpktinfo !== null ? (inet_ntop(AF_INET6, rcvpktinfo.subarray(0, 16)) ?? "?") : "?"}`;
    out(s);
  };

  for (let hops = first_hop; hops <= max_hops; ++hops) {
    let lastaddr = new Uint8Array(16);
    let got_there = 0;
    let unreachable = 0;
    out(`${String(hops).padStart(2)} `);
    for (let probe = 0; probe < nprobes; ++probe) {
      const t1 = gettimeofday();
      send_probe(++seq, hops);
      let cc: number;
      while ((cc = await wait_for_reply()) !== 0) {
        const t2 = gettimeofday();
        if (packet_ok(cc, seq)) {
          const from = rcv.sa;
          const fa = from === null ? new Uint8Array(16) : from.sin6_addr.s6_addr;
          if (!fa.every((b: number, i: number) => b === lastaddr[i])) {
            if (probe > 0) out("\n   ");
            await print(cc);
            lastaddr = fa.slice();
          }
          out(`  ${deltaT(t1, t2).toFixed(3)} ms`);
          if (type === ICMP6_DST_UNREACH) {
            switch (code) {
              case ICMP6_DST_UNREACH_NOROUTE:
                ++unreachable;
                out(" !N");
                break;
              case ICMP6_DST_UNREACH_ADMIN:
                ++unreachable;
                out(" !P");
                break;
              case ICMP6_DST_UNREACH_NOTNEIGHBOR:
                ++unreachable;
                out(" !S");
                break;
              case ICMP6_DST_UNREACH_ADDR:
                ++unreachable;
                out(" !A");
                break;
              case ICMP6_DST_UNREACH_NOPORT:
                if (rcvhlim >= 0 && rcvhlim <= 1) out(" !");
                ++got_there;
                break;
            }
          } else if (type === ICMP6_PARAM_PROB && code === ICMP6_PARAMPROB_NEXTHEADER) {
            out(" !H");
            ++got_there;
          } else if (type === ICMP6_ECHO_REPLY) {
            if (rcvhlim >= 0 && rcvhlim <= 1) out(" !");
            ++got_there;
          }
          break;
        } else if (deltaT(t1, t2) > waittime * 1000) {
          cc = 0;
          break;
        }
      }
      if (cc === 0) out(" *");
    }
    out("\n");
    if (got_there !== 0 || (unreachable > 0 && unreachable >= Math.trunc((nprobes + 1) / 2))) return 0;
  }
  if (as_path && st.asn !== null) {
    as_shutdown(ctx, st.asn);
    st.asn = null;
  }
  return 0;
}
