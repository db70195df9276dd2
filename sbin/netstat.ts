// usr.bin/netstat (main.c, route.c, if.c, inet.c, mbuf.c): netstat(1) as
// FreeBSD 14 prints it.  The socket list (TCP, UDP, divert and raw IP
// PCBs, -a, -n, -p, -f), -r (routing tables, -n, -W, -4, -F fib), -rs, -s [-s] [-z]
// [-p proto] (udp, ip, icmp, arp statistics), -i / -I IF [-W] [-b] [-d]
// [-h] [-f link|inet], -m (mbuf zones), -B [-z] [-I IF] (bpf descriptors).  The kernel is read through system
// calls only: sysctl (the *stat structures), the route dump, the PCB lists,
// getifaddrs and the mbuf zone statistics.
//
// divert(4): as FreeBSD 14's protox, "divert" has protopr, which reads
// net.inet.divert.pcblist, and no statistics routine (-s -p divert says so).
// FreeBSD 14's kernel fills each divert record's xso_protocol from the
// divert protosw, whose pr_protocol is 0, and protopr keeps only records of
// IPPROTO_DIVERT: no divert socket is ever listed.  The same happens here
// (sockstat -P divert is where they show).

import { ENOENT, EPFNOSUPPORT, ESRCH, strerror } from "../kern/errno.ts";
import { BPF_D_IN, BPF_D_OUT, XBPF, XBPF_D_SIZE } from "../net/bpf.ts";
import { sysctl, sysctlbyname } from "./libc_sysctl.ts";
import { kinfo_getallproc } from "./libutil.ts";
import { sys_close, sys_getfib, sys_ioctl, sys_socket } from "../kern/uipc_syscalls.ts";
import { NET_RT_DUMP, RTD_ADDRS, RTD_EXPIRE, RTD_FLAGS, RTD_INDEX, RTD_MTU, RTD_NHIDX, RTD_REFCNT, RTD_SA, RTD_WEIGHT, RTM_HDR_LEN, rt_msg_sa_decode } from "../net/rtsock.ts";

import type { sockaddr } from "../kern/socket.ts";
import { CTL_NET } from "../kern/sysctl.ts";
import { sockaddr_dl } from "../net/if_dl.ts";
import { sockaddr_in } from "../netinet/in.ts";
import { getifaddrs, type ifaddrs_rec } from "./libc_getifaddrs.ts";
import { ALLOCATOR_UMA, memstat_mtl_alloc, memstat_mtl_find, memstat_mtl_geterror, memstat_strerror, memstat_sysctl_all, type memory_type, type memory_type_list } from "./libmemstat.ts";
import { pcblist_get } from "./libpcblist.ts";
import type { proc } from "../kern/uipc_syscalls.ts";
import { AF_INET, AF_LINK, PF_ROUTE, SOCK_DGRAM } from "../kern/socket.ts";
import { IFF_UP } from "../net/if.ts";
import { RTAX_DST, RTAX_GATEWAY, RTAX_MAX, RTAX_NETMASK, RTF_BLACKHOLE, RTF_BROADCAST, RTF_DONE, RTF_DYNAMIC, RTF_GATEWAY, RTF_HOST, RTF_MODIFIED, RTF_PROTO1, RTF_PROTO2, RTF_PROTO3, RTF_REJECT, RTF_STATIC, RTF_UP, RTF_XRESOLVE } from "../net/route.ts";
import { IN_CLASSA, IN_CLASSA_NET, IN_CLASSB, IN_CLASSB_NET, IN_CLASSC_NET, IPPROTO_DIVERT, IPPROTO_ICMP, IPPROTO_IGMP, IPPROTO_RAW, IPPROTO_TCP, IPPROTO_UDP, inet_ntoa } from "../netinet/in.ts";
import {
  icp6errs_dst_unreach_addr,
  icp6errs_dst_unreach_admin,
  icp6errs_dst_unreach_beyondscope,
  icp6errs_dst_unreach_noport,
  icp6errs_dst_unreach_noroute,
  icp6errs_packet_too_big,
  icp6errs_paramprob_header,
  icp6errs_paramprob_nextheader,
  icp6errs_paramprob_option,
  icp6errs_redirect,
  icp6errs_time_exceed_reassembly,
  icp6errs_time_exceed_transit,
  icp6errs_unknown,
  icp6s_badcode,
  icp6s_badlen,
  icp6s_badna,
  icp6s_badns,
  icp6s_badra,
  icp6s_badredirect,
  icp6s_badrs,
  icp6s_canterror,
  icp6s_checksum,
  icp6s_error,
  icp6s_inhist,
  icp6s_invlhlim,
  icp6s_nd_badopt,
  icp6s_nd_toomanyopt,
  icp6s_outerrhist,
  icp6s_outhist,
  icp6s_overflowdefrtr,
  icp6s_overflownndp,
  icp6s_overflowprfx,
  icp6s_overflowredirect,
  icp6s_pmtuchg,
  icp6s_reflect,
  icp6s_toofreq,
  icp6s_tooshort,
} from "../netinet/icmp6.ts";
import { INP_ANONPORT, INP_IPV4, INP_IPV6 } from "../netinet/in_pcb.ts";
import { xo_handle, xo_parse_args } from "./libxo.ts";
import { TF_NEEDFIN, TF_NEEDSYN, XTCPCB_EXTRA, XT_2MSL, XT_DELACK, XT_FLAGS, XT_KEEP, XT_PERSIST, XT_RCVTIME, XT_RCV_HIWAT, XT_RCV_LOWAT, XT_RCV_MBCNT, XT_RCV_MBMAX, XT_REXMT, XT_SND_HIWAT, XT_SND_LOWAT, XT_SND_MBCNT, XT_SND_MBMAX, XT_STATE, tcpstat_names } from "../netinet/tcp_var.ts";
import { TCPS_LISTEN, TCP_NSTATES, tcpstates } from "../netinet/tcp_fsm.ts";
import { NI_NUMERICHOST, getnameinfo, getopt, prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import { getnetbyaddr, getservbyport, gethostbyaddr, hostname4, link_name, ljust, rjust } from "./netdb.ts";
import {
  SIOCGIFSTAT_IN6,
  SIOCGIFSTAT_ICMP6,
  ifs6_in_msg,
  ifs6_in_error,
  ifs6_in_dstunreach,
  ifs6_in_adminprohib,
  ifs6_in_timeexceed,
  ifs6_in_paramprob,
  ifs6_in_pkttoobig,
  ifs6_in_echo,
  ifs6_in_echoreply,
  ifs6_in_routersolicit,
  ifs6_in_routeradvert,
  ifs6_in_neighborsolicit,
  ifs6_in_neighboradvert,
  ifs6_in_redirect,
  ifs6_in_mldquery,
  ifs6_in_mldreport,
  ifs6_in_mlddone,
  ifs6_out_msg,
  ifs6_out_error,
  ifs6_out_dstunreach,
  ifs6_out_adminprohib,
  ifs6_out_timeexceed,
  ifs6_out_paramprob,
  ifs6_out_pkttoobig,
  ifs6_out_echo,
  ifs6_out_echoreply,
  ifs6_out_routersolicit,
  ifs6_out_routeradvert,
  ifs6_out_neighborsolicit,
  ifs6_out_neighboradvert,
  ifs6_out_redirect,
  ifs6_out_mldquery,
  ifs6_out_mldreport,
  ifs6_out_mlddone,
  ifs6_in_addrerr,
  ifs6_in_deliver,
  ifs6_in_discard,
  ifs6_in_hdrerr,
  ifs6_in_mcast,
  ifs6_in_noroute,
  ifs6_in_protounknown,
  ifs6_in_receive,
  ifs6_in_toobig,
  ifs6_in_truncated,
  ifs6_out_discard,
  ifs6_out_forward,
  ifs6_out_fragcreat,
  ifs6_out_fragfail,
  ifs6_out_fragok,
  ifs6_out_mcast,
  ifs6_out_request,
  ifs6_reass_fail,
  ifs6_reass_ok,
  ifs6_reass_reqd,
  inet_ntop6,
  sockaddr_in6,
  type in6_ifreq,
} from "../netinet6/in6_var.ts";

const AF_UNSPEC = 0;
const AF_UNIX = 1;
const AF_INET6 = 28;
const AF_NETGRAPH = 32;
const IPPROTO_PIM = 103;
const EX_USAGE = 64;

interface nflags {
  af: number;
  aflag: boolean;
  /** protopr prints its title once, before the first socket. */
  first: boolean;
  /** main.c's own `first`: the "socket" list is open (printproto opens it
   *  before the first PCB routine runs, main closes it). */
  socket_list?: boolean;
  numeric_addr: boolean;
  Wflag: boolean;
  sflag: number;
  zflag: boolean;
  bflag: boolean;
  dflag: boolean;
  hflag: boolean;
  interface: string | null;
  /** protopr lists UDP once, though both families' tables name it. */
  udp_done?: boolean;
  /** libxo's handle: text, or the XML/JSON of --libxo. */
  xo: xo_handle;
  /** The same for TCP (tcp_done), and -x (socket buffer and timer columns). */
  tcp_done?: boolean;
  xflag?: boolean;
}

function usage(ctx: prog_ctx): never {
  ctx.stderr.write(
    "usage: netstat [-46AaCcLnRSTWx] [-f protocol_family | -p protocol]\n" +
      "               [-M core] [-N system]\n" +
      "       netstat -i | -I interface [-46abdhnW] [-f address_family]\n" +
      "               [-M core] [-N system]\n" +
      "       netstat -w wait [-I interface] [-46d] [-M core] [-N system]\n" +
      "               [-q howmany]\n" +
      "       netstat -s [-46sz] [-f protocol_family | -p protocol]\n" +
      "               [-M core] [-N system]\n" +
      "       netstat -i | -I interface -s [-46s]\n" +
      "               [-f protocol_family | -p protocol] [-M core] [-N system]\n" +
      "       netstat -m [-M core] [-N system]\n" +
      "       netstat -B [-z] [-I interface]\n" +
      "       netstat -r [-46AnW] [-F fibnum] [-f address_family]\n" +
      "               [-M core] [-N system]\n" +
      "       netstat -rs [-s] [-M core] [-N system]\n" +
      "       netstat -g [-46W] [-f address_family] [-M core] [-N system]\n" +
      "       netstat -gs [-46s] [-f address_family] [-M core] [-N system]\n" +
      "       netstat -Q\n",
  );
  throw new prog_exit(1);
}

function errx(ctx: prog_ctx, status: number, msg: string): never {
  ctx.stderr.write(`netstat: ${msg}\n`);
  throw new prog_exit(status);
}

const plural = (n: number) => (n !== 1 ? "s" : "");
const plurales = (n: number) => (n !== 1 ? "es" : "");
const pluralies = (n: number) => (n !== 1 ? "ies" : "y");

/**
 * The counter printers inet.c defines in each of its stat functions: a line
 * is printed when its counter is not zero, or always without -s -s.  p:
 * "%ju thing%s"; p1a: no plural; p2: "es"; p3: "y"/"ies".  `lead` goes
 * before each format ("\t" where the formats leave it out).
 */
function stat_printers(f: { sflag: number; xo: { xo_emit(fmt: string, ...args: (string | number)[]): unknown } }, lead = "") {
  const xo = f.xo;
  const show = (v: number): boolean => v !== 0 || f.sflag <= 1;
  return {
    show,
    p: (v: number, m: string): void => void (show(v) && xo.xo_emit(lead + m, v, plural(v))),
    p1a: (v: number, m: string): void => void (show(v) && xo.xo_emit(lead + m, v)),
    p2: (v: number, m: string): void => void (show(v) && xo.xo_emit(lead + m, v, plurales(v))),
    p3: (v: number, m: string): void => void (show(v) && xo.xo_emit(lead + m, v, pluralies(v))),
  };
}

// ---------------------------------------------------------------------------
// The protocol table (main.c's protox, ip6protox, pfkeyprotox): which names
// -p knows, and which have a statistics routine.

type stats_fn = (ctx: prog_ctx, f: nflags, name: string) => void;

interface protox {
  name: string;
  stats: stats_fn | null;
  /** The protocol whose PCBs protopr lists (pr_protocol); null: FreeBSD
   *  has a PCB routine for it, but this kernel no list to read (SCTP, IPv6
   *  raw); "none": FreeBSD's pr_cblocks is NULL. */
  pcb: number | null | "none";
  /** pr_istats: per-interface statistics (-s -I IF), for IPv6. */
  istats?: (ctx: prog_ctx, f: nflags, ifname: string) => void;
}

function make_protox(): { inet: protox[]; inet6: protox[]; pfkey: protox[] } {
  return {
    inet: [
      { name: "tcp", stats: tcp_stats, pcb: IPPROTO_TCP },
      { name: "udp", stats: udp_stats, pcb: IPPROTO_UDP },
      { name: "sctp", stats: absent_stats("net.inet.sctp.stats"), pcb: null },
      { name: "divert", stats: null, pcb: IPPROTO_DIVERT },
      { name: "ip", stats: ip_stats, pcb: IPPROTO_RAW },
      { name: "icmp", stats: icmp_stats, pcb: IPPROTO_ICMP },
      { name: "igmp", stats: absent_stats("net.inet.igmp.stats"), pcb: IPPROTO_IGMP },
      { name: "ipsec", stats: absent_stats("net.inet.ipsec.ipsecstats"), pcb: "none" },
      { name: "ah", stats: absent_stats("net.inet.ah.stats"), pcb: "none" },
      { name: "esp", stats: absent_stats("net.inet.esp.stats"), pcb: "none" },
      { name: "ipcomp", stats: absent_stats("net.inet.ipcomp.stats"), pcb: "none" },
      { name: "pim", stats: absent_stats("net.inet.pim.stats"), pcb: IPPROTO_PIM },
      { name: "carp", stats: absent_stats("net.inet.carp.stats"), pcb: "none" },
      { name: "pfsync", stats: absent_stats("net.pfsync.stats"), pcb: "none" },
      { name: "arp", stats: arp_stats, pcb: "none" },
    ],
    inet6: [
      { name: "tcp", stats: tcp_stats, pcb: IPPROTO_TCP },
      { name: "udp", stats: udp_stats, pcb: IPPROTO_UDP },
      { name: "ip6", stats: ip6_stats, pcb: null, istats: ip6_ifstats },
      { name: "icmp6", stats: icmp6_stats, pcb: null, istats: icmp6_ifstats },
      { name: "ipsec6", stats: absent_stats("net.inet6.ipsec6.ipsecstats"), pcb: "none" },
      { name: "rip6", stats: rip6_stats, pcb: "none" },
    ],
    pfkey: [{ name: "pfkey", stats: absent_stats("net.key.stats"), pcb: "none" }],
  };
}

/** A statistics routine whose sysctl this kernel does not have: the fetch
 *  fails with ENOENT, which netstat passes over in silence. */
function absent_stats(sysctlname: string): stats_fn {
  return (ctx) => {
    void fetch_stats(ctx, sysctlname, false);
  };
}

/** /etc/protocols aliases that name a known protocol. */
const proto_aliases = new Map<string, string>([
  ["IP", "ip"],
  ["ICMP", "icmp"],
  ["IGMP", "igmp"],
  ["TCP", "tcp"],
  ["UDP", "udp"],
  ["DIVERT", "divert"],
  ["PIM", "pim"],
  ["CARP", "carp"],
  ["SCTP", "sctp"],
  ["IPV6-ICMP", "icmp6"],
]);

// ---------------------------------------------------------------------------

export async function netstat_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const kp = ctx.p as proc;
    const xo = new xo_handle(ctx.stdout);
    const xa = xo_parse_args(xo, ctx.argv);
    if (xa.error !== null) {
      ctx.stderr.write(`netstat: ${xa.error}\n`);
      return 1;
    }
    const argv = xa.argv;
    const { opts, optind } = getopt(ctx, "46AaBbCcdF:f:ghI:iLlM:mN:nOoPp:Qq:RrSTsuWw:xz", () => usage(ctx), argv);
    const f: nflags = { af: AF_UNSPEC, aflag: false, first: true, numeric_addr: false, Wflag: false, sflag: 0, zflag: false, bflag: false, dflag: false, hflag: false, interface: null, xo };
    let fib = -1;
    let iflag = false;
    let rflag = false;
    let mflag = false;
    let Bflag = false;
    let pname: string | null = null;
    let unsupported = false;
    const tables = make_protox();
    for (const [c, v] of opts) {
      switch (c) {
        case "4":
          f.af = AF_INET;
          break;
        case "6":
          f.af = AF_INET6;
          break;
        case "F": {
          const n = parse_strtol(v);
          if (n === null) errx(ctx, 1, `${v}: invalid fib`);
          fib = n;
          break;
        }
        case "f":
          if (v === "inet") f.af = AF_INET;
          else if (v === "inet6") f.af = AF_INET6;
          else if (v === "unix" || v === "local") f.af = AF_UNIX;
          else if (v === "ng" || v === "netgraph") f.af = AF_NETGRAPH;
          else if (v === "link") f.af = AF_LINK;
          else if (v === "pfkey") f.af = 27;
          else errx(ctx, 1, `${v}: unknown address family`);
          break;
        case "I": {
          iflag = true;
          f.interface = v;
          break;
        }
        case "i":
          iflag = true;
          break;
        case "m":
          mflag = true;
          break;
        case "n":
          f.numeric_addr = true;
          break;
        case "S":
          f.numeric_addr = true;
          break;
        case "p": {
          const name = proto_aliases.get(v) ?? v;
          const known = [...tables.inet, ...tables.inet6, ...tables.pfkey].some((t) => t.name === name);
          if (!known) errx(ctx, 1, `${v}: unknown or uninstrumented protocol`);
          pname = name;
          break;
        }
        case "r":
          rflag = true;
          break;
        case "s":
          f.sflag++;
          break;
        case "u":
          f.af = AF_UNIX;
          break;
        case "W":
        case "l":
          f.Wflag = true;
          break;
        case "a":
          f.aflag = true;
          break;
        case "b":
          f.bflag = true;
          break;
        case "d":
          f.dflag = true;
          break;
        case "h":
          f.hflag = true;
          break;
        case "z":
          f.zflag = true;
          break;
        case "x":
          f.xflag = true;
          break;
        case "B":
          Bflag = true;
          break;
        case "w":
        case "Q":
        case "g":
        case "o":
        case "O":
        case "M":
        case "N":
          // Interval displays never end, and there is no kvm, netisr,
          // multicast routing or nexthop listing in the simulator.
          unsupported = true;
          break;
        default:
          break;
      }
    }
    if (optind < argv.length || unsupported) usage(ctx);

    try {
      return netstat_modes(ctx, kp, f, { Bflag, mflag, iflag, rflag, fib, pname, tables });
    } finally {
      xo.xo_finish();
    }
  });

  function netstat_modes(
    ctx: prog_ctx,
    kp: proc,
    f: nflags,
    m: { Bflag: boolean; mflag: boolean; iflag: boolean; rflag: boolean; fib: number; pname: string | null; tables: ReturnType<typeof make_protox> },
  ): number {
    const xo = f.xo;
    const { iflag, tables } = m;
    if (m.Bflag) {
      bpf_stats(ctx, f, f.interface, f.zflag);
      return 0;
    }
    if (m.mflag) {
      mbpr(ctx, kp, f);
      return 0;
    }
    if (iflag && f.sflag === 0) {
      xo.xo_open_container("statistics");
      intpr(ctx, kp, f);
      xo.xo_close_container("statistics");
      return 0;
    }
    if (m.rflag) {
      xo.xo_open_container("statistics");
      if (f.sflag > 0) rt_stats(ctx, kp, f);
      else routepr(ctx, kp, f, m.fib);
      xo.xo_close_container("statistics");
      return 0;
    }
    const all = (list: protox[]) => {
      for (const tp of list) printproto(ctx, kp, f, tp, false, iflag);
    };
    xo.xo_open_container("statistics");
    if (m.pname !== null) {
      const pname = m.pname;
      const tp = [...tables.inet, ...tables.inet6, ...tables.pfkey].find((t) => t.name === pname);
      if (tp !== undefined) printproto(ctx, kp, f, tp, true, iflag);
    } else {
      if (f.af === AF_INET || f.af === AF_UNSPEC) all(tables.inet);
      if (f.af === AF_INET6 || f.af === AF_UNSPEC) all(tables.inet6);
      if (f.af === 27 || f.af === AF_UNSPEC) all(tables.pfkey);
    }
    if (f.socket_list === true) xo.xo_close_list("socket");
    xo.xo_close_container("statistics");
    return 0;
  }

  function printproto(c: prog_ctx, kp: proc, f: nflags, tp: protox, pflag: boolean, iflag: boolean): void {
    if (f.sflag > 0) {
      // Per-interface statistics (pr_istats): only some IPv6 protocols
      // have them; for every interface, or the one of -I.
      if (iflag) {
        const istats = tp.istats;
        if (istats === undefined) {
          if (pflag) f.xo.xo_message("%s: no per-interface stats routine", tp.name);
          return;
        }
        for (const a of getifaddrs(kp).ifap) {
          if (a.family !== AF_LINK) continue;
          if (f.interface !== null && a.ifa_name !== f.interface) continue;
          istats(c, f, a.ifa_name);
        }
        return;
      }
      if (tp.stats === null) {
        if (pflag) f.xo.xo_message("%s: no stats routine", tp.name);
        return;
      }
      tp.stats(c, f, tp.name);
      return;
    }
    if (tp.pcb === "none") {
      if (pflag) f.xo.xo_message("%s: no PCB routine", tp.name);
      return;
    }
    // A live system and a sysctl-reading routine: it always runs, and the
    // first one to run opens the socket list.
    if (f.socket_list !== true) {
      f.xo.xo_open_list("socket");
      f.socket_list = true;
    }
    if (tp.pcb !== null) protopr(c, kp, f, tp.name, tp.pcb, f.af);
  }
}

/** strtol(s, &end, 0) with the whole string consumed, or null. */
function parse_strtol(s: string): number | null {
  const t = s.trim();
  if (/^[-+]?0[xX][0-9a-fA-F]+$/.test(t)) return parseInt(t, 16);
  if (/^[-+]?0[0-7]*$/.test(t)) return parseInt(t, 8);
  if (/^[-+]?[1-9][0-9]*$/.test(t)) return parseInt(t, 10);
  return null;
}

// ---------------------------------------------------------------------------
// Sockets (inet.c's protopr): the PCB lists of UDP and raw IP.

/** inet_lnaof: the host part of an address, by its class. */
function inet_lnaof(a: number): number {
  if (IN_CLASSA(a)) return a & 0x00ffffff;
  if (IN_CLASSB(a)) return a & 0x0000ffff;
  return a & 0x000000ff;
}

/** inetname: "*", a host name, or the dotted address. */
function inetname(a: number, f: nflags): string {
  if (a === 0) return "*";
  if (!f.numeric_addr) {
    const h = gethostbyaddr(a);
    if (h !== null) return h;
  }
  return inet_ntoa(a >>> 0);
}

/**
 * inetprint: address.port in its 22-column field (the display "target"),
 * and for --libxo the address and port apart, inside the container
 * ("local" or "remote").
 */
function inetprint(xo: xo_handle, container: string, a: number, port: number, proto: string, num_port: boolean, f: nflags): void {
  xo.xo_open_container(container);
  const host = f.Wflag ? `${inetname(a, f)}.` : `${inetname(a, f).slice(0, 16)}.`;
  const sp = !num_port && port !== 0 ? getservbyport(port, proto) : null;
  const cp = sp !== null || port === 0 ? `${(sp ?? "*").slice(0, 15)} ` : `${port} `;
  const line = host + cp;
  const width = !f.Wflag || f.af === AF_INET ? 22 : 45;
  if (f.Wflag) xo.xo_emit("{d:target/%-*s} ", width, line);
  else xo.xo_emit("{d:target/%-*.*s} ", width, width, line);
  const alen = host.length - 1;
  const plen = cp.length - 1;
  xo.xo_emit("{e:address/%*.*s}{e:port/%*.*s}", alen, alen, line, plen, plen, cp);
  xo.xo_close_container(container);
}

/** inet6name: "*", a name from /etc/hosts, or the numeric form with its
 *  zone ("fe80::1%epair0a"), the zone taken from the embedded form. */
function inet6name(kp: proc, a: Uint8Array, f: nflags): string {
  if (a.every((b) => b === 0)) return "*";
  // in6_fillscopeid: the kernel's embedded zone becomes sin6_scope_id.
  const sin6 = new sockaddr_in6();
  sin6.sin6_addr.s6_addr.set(a);
  const ll = (a[0] === 0xfe && (a[1] & 0xc0) === 0x80) || (a[0] === 0xff && ((a[1] & 0x0f) === 0x02 || (a[1] & 0x0f) === 0x01));
  if (ll) {
    sin6.sin6_scope_id = (a[2] << 8) | a[3];
    sin6.sin6_addr.s6_addr[2] = 0;
    sin6.sin6_addr.s6_addr[3] = 0;
  }
  return getnameinfo(kp, sin6, f.numeric_addr ? NI_NUMERICHOST : 0).host;
}

/** inet6print: address.port in its 22-column field (45 with -W), and
 *  the address and port apart for --libxo, as inetprint. */
function inet6print(xo: xo_handle, container: string, kp: proc, a: Uint8Array, port: number, proto: string, numeric: boolean, f: nflags): void {
  xo.xo_open_container(container);
  const host = `${inet6name(kp, a, f).slice(0, f.Wflag ? 39 : 16)}.`;
  const sp = !numeric && port !== 0 ? getservbyport(port, proto) : null;
  const cp = sp !== null || port === 0 ? (sp ?? "*").slice(0, 15) : String(port);
  const line = host + cp;
  const width = f.Wflag ? 45 : 22;
  xo.xo_emit("{d:target/%-*.*s} ", width, width, line);
  const alen = host.length - 1;
  xo.xo_emit("{e:address/%*.*s}{e:port/%*.*s}", alen, alen, line, cp.length, cp.length, cp);
  xo.xo_close_container(container);
}

function protopr(ctx: prog_ctx, kp: proc, f: nflags, name: string, proto: number, af1: number): void {
  // UDP and TCP are in both families' tables: each PCB list is shown once.
  if (proto === IPPROTO_UDP) {
    if (f.udp_done) return;
    f.udp_done = true;
  }
  const istcp = proto === IPPROTO_TCP;
  if (istcp) {
    if (f.tcp_done) return;
    f.tcp_done = true;
  }
  // pcblist_sysctl: the list by protocol, raw IP's for the rest; a list
  // this kernel lacks (ENOENT: ipdivert not loaded) is passed over.
  const mibvar = istcp ? "net.inet.tcp.pcblist" : proto === IPPROTO_UDP ? "net.inet.udp.pcblist" : proto === IPPROTO_DIVERT ? "net.inet.divert.pcblist" : "net.inet.raw.pcblist";
  const { error, list } = pcblist_get(kp, mibvar);
  if (error !== 0) {
    if (error !== ENOENT) ctx.stderr.write(`netstat: sysctl: ${mibvar}: ${strerror(error)}\n`);
    return;
  }
  const xflag = f.xflag === true;
  const xo = f.xo;
  for (const inp of list) {
    if (inp.xso_protocol !== proto) continue;
    const v4 = (inp.inp_vflag & INP_IPV4) !== 0;
    const v6 = (inp.inp_vflag & INP_IPV6) !== 0;
    if ((af1 === AF_INET && !v4) || (af1 === AF_INET6 && !v6) || (af1 === AF_UNSPEC && !v4 && !v6)) continue;
    const unspec6 = inp.in6p_laddr.every((b) => b === 0);
    if (
      !f.aflag &&
      ((istcp && inp.xt !== null && inp.xt[XT_STATE] === TCPS_LISTEN) ||
        (af1 === AF_INET && inet_lnaof(inp.inp_laddr) === 0) ||
        (af1 === AF_INET6 && unspec6) ||
        (af1 === AF_UNSPEC && ((v4 && inet_lnaof(inp.inp_laddr) === 0) || (v6 && unspec6))))
    )
      continue;
    if (f.first) {
      xo.xo_emit("Active Internet connections");
      if (f.aflag) xo.xo_emit(" (including servers)");
      xo.xo_emit("\n");
      xo.xo_emit(
        !f.Wflag || af1 === AF_INET ? "{T:/%-5.5s} {T:/%-6.6s} {T:/%-6.6s} {T:/%-22.22s} {T:/%-22.22s}" : "{T:/%-5.5s} {T:/%-6.6s} {T:/%-6.6s} {T:/%-45.45s} {T:/%-45.45s}",
        "Proto",
        "Recv-Q",
        "Send-Q",
        "Local Address",
        "Foreign Address",
      );
      if (!xflag) xo.xo_emit(" {T:/%-11.11s}", "(state)");
      else {
        xo.xo_emit(
          " {T:/%-6.6s} {T:/%-6.6s} {T:/%-6.6s} {T:/%-6.6s} {T:/%-6.6s} {T:/%-6.6s} {T:/%-6.6s} {T:/%-6.6s} {T:/%-6.6s} {T:/%-6.6s} {T:/%-6.6s} {T:/%-6.6s}",
          "R-MBUF",
          "S-MBUF",
          "R-CLUS",
          "S-CLUS",
          "R-HIWA",
          "S-HIWA",
          "R-LOWA",
          "S-LOWA",
          "R-BCNT",
          "S-BCNT",
          "R-BMAX",
          "S-BMAX",
        );
        xo.xo_emit(" {T:/%7.7s} {T:/%7.7s} {T:/%7.7s} {T:/%7.7s} {T:/%7.7s} {T:/%7.7s}", "rexmt", "persist", "keep", "2msl", "delack", "rcvtime");
      }
      xo.xo_emit("\n");
      f.first = false;
    }
    xo.xo_open_instance("socket");
    const vchar = v6 ? (v4 ? "46" : "6") : v4 ? "4" : "";
    xo.xo_emit("{:protocol/%-3.3s%-2.2s/%s%s} ", name, vchar);
    xo.xo_emit("{:receive-bytes-waiting/%6u} {:send-bytes-waiting/%6u} ", inp.so_rcv_cc, inp.so_snd_cc);
    // -n shows ports as numbers; so does an ephemeral local port; the
    // remote one is named unless it equals the local one.  A socket that
    // takes IPv4 is shown with its IPv4 addresses.
    const lnum = f.numeric_addr || (inp.inp_flags & INP_ANONPORT) !== 0;
    const fnum = f.numeric_addr || ((inp.inp_flags & INP_ANONPORT) === 0 && inp.inp_lport !== inp.inp_fport);
    if (v4) {
      inetprint(xo, "local", inp.inp_laddr, inp.inp_lport, name, lnum, f);
      inetprint(xo, "remote", inp.inp_faddr, inp.inp_fport, name, fnum, f);
    } else if (v6) {
      inet6print(xo, "local", kp, inp.in6p_laddr, inp.inp_lport, name, lnum, f);
      inet6print(xo, "remote", kp, inp.in6p_faddr, inp.inp_fport, name, fnum, f);
    }
    const xt = inp.xt;
    if (xflag && xt !== null) {
      // receive/send-mbufs and -clusters: FreeBSD 14's kernel no longer
      // counts mbufs and clusters per buffer (xsockbuf's spares), so they
      // read 0 there too.
      xo.xo_emit(
        "{:receive-mbufs/%6u} {:send-mbufs/%6u} {:receive-clusters/%6u} {:send-clusters/%6u} {:receive-high-water/%6u} {:send-high-water/%6u} " +
          "{:receive-low-water/%6u} {:send-low-water/%6u} {:receive-mbuf-bytes/%6u} {:send-mbuf-bytes/%6u} {:receive-mbuf-bytes-max/%6u} {:send-mbuf-bytes-max/%6u}",
        0,
        0,
        0,
        0,
        xt[XT_RCV_HIWAT] >>> 0,
        xt[XT_SND_HIWAT] >>> 0,
        xt[XT_RCV_LOWAT] >>> 0,
        xt[XT_SND_LOWAT] >>> 0,
        xt[XT_RCV_MBCNT] >>> 0,
        xt[XT_SND_MBCNT] >>> 0,
        xt[XT_RCV_MBMAX] >>> 0,
        xt[XT_SND_MBMAX] >>> 0,
      );
      if (istcp) {
        const t: number[] = [];
        for (const ms of [xt[XT_REXMT], xt[XT_PERSIST], xt[XT_KEEP], xt[XT_2MSL], xt[XT_DELACK], xt[XT_RCVTIME]]) t.push(Math.trunc(ms / 1000), Math.trunc((ms % 1000) / 10));
        xo.xo_emit(
          " {:retransmit-timer/%4d.%02d} {:persist-timer/%4d.%02d} {:keepalive-timer/%4d.%02d} {:msl2-timer/%4d.%02d} {:delay-ack-timer/%4d.%02d} {:inactivity-timer/%4d.%02d}",
          ...t,
        );
      }
    }
    if (istcp && !xflag && xt !== null) {
      const state = xt[XT_STATE];
      if (state < 0 || state >= TCP_NSTATES) xo.xo_emit("{:tcp-state/%-11d}", state);
      else {
        xo.xo_emit("{:tcp-state/%-11s}", tcpstates[state]);
        // T/TCP's hidden state.
        if ((xt[XT_FLAGS] & (TF_NEEDSYN | TF_NEEDFIN)) !== 0) xo.xo_emit("{:need-syn-or-fin/*}");
      }
    }
    xo.xo_emit("\n");
    xo.xo_close_instance("socket");
  }
}

/**
 * tcp_stats (inet.c): the whole tcp block of netstat -s, from
 * net.inet.tcp.stats (read by name) and net.inet.tcp.states.
 */
function tcp_stats(ctx: prog_ctx, f: nflags, name: string): void {
  // Both families' tables name TCP; its one set of counters is shown once.
  if (f.tcp_done === true) return;
  f.tcp_done = true;
  const v = stat_fetch(ctx, f, "net.inet.tcp.stats");
  if (v === null) return;
  const st = fetch_stats(ctx, "net.inet.tcp.states", false);
  if (st === null) return;
  const c = (n: string): number => {
    const i = tcpstat_names.indexOf(n);
    return i < 0 || i >= v.length ? 0 : v[i];
  };
  const show = (...n: number[]) => n.some((x) => x !== 0) || f.sflag <= 1;
  const xo = f.xo;
  xo.xo_open_container("tcp");
  xo.xo_emit("{T:/%s}:\n", name);
  // p: "%ju thing%s"; p1a: no plural; p2: two counts, two plurals;
  // p2a: two counts, the first plural; p3: "entr%s" (y/ies).
  const p = (n: string, m: string) => {
    const x = c(n);
    if (show(x)) xo.xo_emit(m, x, plural(x));
  };
  const p1a = (n: string, m: string) => {
    const x = c(n);
    if (show(x)) xo.xo_emit(m, x);
  };
  const p2 = (n1: string, n2: string, m: string) => {
    const x = c(n1);
    const y = c(n2);
    if (show(x, y)) xo.xo_emit(m, x, plural(x), y, plural(y));
  };
  const p2a = (n1: string, n2: string, m: string) => {
    const x = c(n1);
    const y = c(n2);
    if (show(x, y)) xo.xo_emit(m, x, plural(x), y);
  };
  const p3 = (n: string, m: string) => {
    const x = c(n);
    if (show(x)) xo.xo_emit(m, x, pluralies(x));
  };
  p("tcps_sndtotal", "\t{:sent-packets/%ju} {N:/packet%s sent}\n");
  p2("tcps_sndpack", "tcps_sndbyte", "\t\t{:sent-data-packets/%ju} {N:/data packet%s} ({:sent-data-bytes/%ju} {N:/byte%s})\n");
  p2("tcps_sndrexmitpack", "tcps_sndrexmitbyte", "\t\t{:sent-retransmitted-packets/%ju} {N:/data packet%s} ({:sent-retransmitted-bytes/%ju} {N:/byte%s}) {N:retransmitted}\n");
  p("tcps_sndrexmitbad", "\t\t{:sent-unnecessary-retransmitted-packets/%ju} {N:/data packet%s unnecessarily retransmitted}\n");
  p("tcps_mturesent", "\t\t{:sent-resends-by-mtu-discovery/%ju} {N:/resend%s initiated by MTU discovery}\n");
  p2a("tcps_sndacks", "tcps_delack", "\t\t{:sent-ack-only-packets/%ju} {N:/ack-only packet%s/} ({:sent-packets-delayed/%ju} {N:delayed})\n");
  p("tcps_sndurg", "\t\t{:sent-urg-only-packets/%ju} {N:/URG only packet%s}\n");
  p("tcps_sndprobe", "\t\t{:sent-window-probe-packets/%ju} {N:/window probe packet%s}\n");
  p("tcps_sndwinup", "\t\t{:sent-window-update-packets/%ju} {N:/window update packet%s}\n");
  p("tcps_sndctrl", "\t\t{:sent-control-packets/%ju} {N:/control packet%s}\n");
  p("tcps_rcvtotal", "\t{:received-packets/%ju} {N:/packet%s received}\n");
  p2("tcps_rcvackpack", "tcps_rcvackbyte", "\t\t{:received-ack-packets/%ju} {N:/ack%s} {N:(for} {:received-ack-bytes/%ju} {N:/byte%s})\n");
  p("tcps_rcvdupack", "\t\t{:received-duplicate-acks/%ju} {N:/duplicate ack%s}\n");
  p("tcps_rcvacktoomuch", "\t\t{:received-acks-for-unsent-data/%ju} {N:/ack%s for unsent data}\n");
  p2("tcps_rcvpack", "tcps_rcvbyte", "\t\t{:received-in-sequence-packets/%ju} {N:/packet%s} ({:received-in-sequence-bytes/%ju} {N:/byte%s}) {N:received in-sequence}\n");
  p2("tcps_rcvduppack", "tcps_rcvdupbyte", "\t\t{:received-completely-duplicate-packets/%ju} {N:/completely duplicate packet%s} ({:received-completely-duplicate-bytes/%ju} {N:/byte%s})\n");
  p("tcps_pawsdrop", "\t\t{:received-old-duplicate-packets/%ju} {N:/old duplicate packet%s}\n");
  p2("tcps_rcvpartduppack", "tcps_rcvpartdupbyte", "\t\t{:received-some-duplicate-packets/%ju} {N:/packet%s with some dup. data} ({:received-some-duplicate-bytes/%ju} {N:/byte%s duped/})\n");
  p2("tcps_rcvoopack", "tcps_rcvoobyte", "\t\t{:received-out-of-order/%ju} {N:/out-of-order packet%s} ({:received-out-of-order-bytes/%ju} {N:/byte%s})\n");
  p2("tcps_rcvpackafterwin", "tcps_rcvbyteafterwin", "\t\t{:received-after-window-packets/%ju} {N:/packet%s} ({:received-after-window-bytes/%ju} {N:/byte%s}) {N:of data after window}\n");
  p("tcps_rcvwinprobe", "\t\t{:received-window-probes/%ju} {N:/window probe%s}\n");
  p("tcps_rcvwinupd", "\t\t{:receive-window-update-packets/%ju} {N:/window update packet%s}\n");
  p("tcps_rcvafterclose", "\t\t{:received-after-close-packets/%ju} {N:/packet%s received after close}\n");
  p("tcps_rcvbadsum", "\t\t{:discard-bad-checksum/%ju} {N:/discarded for bad checksum%s}\n");
  p("tcps_rcvbadoff", "\t\t{:discard-bad-header-offset/%ju} {N:/discarded for bad header offset field%s}\n");
  p1a("tcps_rcvshort", "\t\t{:discard-too-short/%ju} {N:discarded because packet too short}\n");
  p1a("tcps_rcvreassfull", "\t\t{:discard-reassembly-queue-full/%ju} {N:discarded due to full reassembly queue}\n");
  p("tcps_connattempt", "\t{:connection-requests/%ju} {N:/connection request%s}\n");
  p("tcps_accepts", "\t{:connections-accepts/%ju} {N:/connection accept%s}\n");
  p("tcps_badsyn", "\t{:bad-connection-attempts/%ju} {N:/bad connection attempt%s}\n");
  p("tcps_listendrop", "\t{:listen-queue-overflows/%ju} {N:/listen queue overflow%s}\n");
  p("tcps_badrst", "\t{:ignored-in-window-resets/%ju} {N:/ignored RSTs in the window%s}\n");
  p("tcps_connects", "\t{:connections-established/%ju} {N:/connection%s established (including accepts)}\n");
  p("tcps_usedrtt", "\t\t{:connections-hostcache-rtt/%ju} {N:/time%s used RTT from hostcache}\n");
  p("tcps_usedrttvar", "\t\t{:connections-hostcache-rttvar/%ju} {N:/time%s used RTT variance from hostcache}\n");
  p("tcps_usedssthresh", "\t\t{:connections-hostcache-ssthresh/%ju} {N:/time%s used slow-start threshold from hostcache}\n");
  p2("tcps_closed", "tcps_drops", "\t{:connections-closed/%ju} {N:/connection%s closed (including} {:connection-drops/%ju} {N:/drop%s})\n");
  p("tcps_cachedrtt", "\t\t{:connections-updated-rtt-on-close/%ju} {N:/connection%s updated cached RTT on close}\n");
  p("tcps_cachedrttvar", "\t\t{:connections-updated-variance-on-close/%ju} {N:/connection%s updated cached RTT variance on close}\n");
  p("tcps_cachedssthresh", "\t\t{:connections-updated-ssthresh-on-close/%ju} {N:/connection%s updated cached ssthresh on close}\n");
  p("tcps_conndrops", "\t{:embryonic-connections-dropped/%ju} {N:/embryonic connection%s dropped}\n");
  p2("tcps_rttupdated", "tcps_segstimed", "\t{:segments-updated-rtt/%ju} {N:/segment%s updated rtt (of} {:segment-update-attempts/%ju} {N:/attempt%s})\n");
  p("tcps_rexmttimeo", "\t{:retransmit-timeouts/%ju} {N:/retransmit timeout%s}\n");
  p("tcps_timeoutdrop", "\t\t{:connections-dropped-by-retransmit-timeout/%ju} {N:/connection%s dropped by rexmit timeout}\n");
  p("tcps_persisttimeo", "\t{:persist-timeout/%ju} {N:/persist timeout%s}\n");
  p("tcps_persistdrop", "\t\t{:connections-dropped-by-persist-timeout/%ju} {N:/connection%s dropped by persist timeout}\n");
  p("tcps_finwait2_drops", "\t{:connections-dropped-by-finwait2-timeout/%ju} {N:/Connection%s (fin_wait_2) dropped because of timeout}\n");
  p("tcps_keeptimeo", "\t{:keepalive-timeout/%ju} {N:/keepalive timeout%s}\n");
  p("tcps_keepprobe", "\t\t{:keepalive-probes/%ju} {N:/keepalive probe%s sent}\n");
  p("tcps_keepdrops", "\t\t{:connections-dropped-by-keepalives/%ju} {N:/connection%s dropped by keepalive}\n");
  p("tcps_predack", "\t{:ack-header-predictions/%ju} {N:/correct ACK header prediction%s}\n");
  p("tcps_preddat", "\t{:data-packet-header-predictions/%ju} {N:/correct data packet header prediction%s}\n");
  xo.xo_open_container("syncache");
  p3("tcps_sc_added", "\t{:entries-added/%ju} {N:/syncache entr%s added}\n");
  p1a("tcps_sc_retransmitted", "\t\t{:retransmitted/%ju} {N:/retransmitted}\n");
  p1a("tcps_sc_dupsyn", "\t\t{:duplicates/%ju} {N:/dupsyn}\n");
  p1a("tcps_sc_dropped", "\t\t{:dropped/%ju} {N:/dropped}\n");
  p1a("tcps_sc_completed", "\t\t{:completed/%ju} {N:/completed}\n");
  p1a("tcps_sc_bucketoverflow", "\t\t{:bucket-overflow/%ju} {N:/bucket overflow}\n");
  p1a("tcps_sc_cacheoverflow", "\t\t{:cache-overflow/%ju} {N:/cache overflow}\n");
  p1a("tcps_sc_reset", "\t\t{:reset/%ju} {N:/reset}\n");
  p1a("tcps_sc_stale", "\t\t{:stale/%ju} {N:/stale}\n");
  p1a("tcps_sc_aborted", "\t\t{:aborted/%ju} {N:/aborted}\n");
  p1a("tcps_sc_badack", "\t\t{:bad-ack/%ju} {N:/badack}\n");
  p1a("tcps_sc_unreach", "\t\t{:unreachable/%ju} {N:/unreach}\n");
  p("tcps_sc_zonefail", "\t\t{:zone-failures/%ju} {N:/zone failure%s}\n");
  p("tcps_sc_sendcookie", "\t{:sent-cookies/%ju} {N:/cookie%s sent}\n");
  p("tcps_sc_recvcookie", "\t{:receivd-cookies/%ju} {N:/cookie%s received}\n");
  xo.xo_close_container("syncache");
  xo.xo_open_container("hostcache");
  p3("tcps_hc_added", "\t{:entries-added/%ju} {N:/hostcache entr%s added}\n");
  p1a("tcps_hc_bucketoverflow", "\t\t{:buffer-overflows/%ju} {N:/bucket overflow}\n");
  xo.xo_close_container("hostcache");
  xo.xo_open_container("sack");
  p("tcps_sack_recovery_episode", "\t{:recovery-episodes/%ju} {N:/SACK recovery episode%s}\n");
  p("tcps_sack_rexmits", "\t{:segment-retransmits/%ju} {N:/segment rexmit%s in SACK recovery episodes}\n");
  p("tcps_sack_rexmit_bytes", "\t{:byte-retransmits/%ju} {N:/byte rexmit%s in SACK recovery episodes}\n");
  p("tcps_sack_rcv_blocks", "\t{:received-blocks/%ju} {N:/SACK option%s (SACK blocks) received}\n");
  p("tcps_sack_send_blocks", "\t{:sent-option-blocks/%ju} {N:/SACK option%s (SACK blocks) sent}\n");
  p1a("tcps_sack_sboverflow", "\t{:scoreboard-overflows/%ju} {N:/SACK scoreboard overflow}\n");
  xo.xo_close_container("sack");
  xo.xo_open_container("ecn");
  p("tcps_ecn_rcvce", "\t{:received-ce-packets/%ju} {N:/packet%s received with ECN CE bit set}\n");
  p("tcps_ecn_rcvect0", "\t{:received-ect0-packets/%ju} {N:/packet%s received with ECN ECT(0) bit set}\n");
  p("tcps_ecn_rcvect1", "\t{:received-ect1-packets/%ju} {N:/packet%s received with ECN ECT(1) bit set}\n");
  p("tcps_ecn_sndect0", "\t{:sent-ect0-packets/%ju} {N:/packet%s sent with ECN ECT(0) bit set}\n");
  p("tcps_ecn_sndect1", "\t{:sent-ect1-packets/%ju} {N:/packet%s sent with ECN ECT(1) bit set}\n");
  p("tcps_ecn_shs", "\t{:handshakes/%ju} {N:/successful ECN handshake%s}\n");
  p("tcps_ecn_rcwnd", "\t{:congestion-reductions/%ju} {N:/time%s ECN reduced the congestion window}\n");
  xo.xo_close_container("ecn");
  xo.xo_open_container("tcp-signature");
  p("tcps_sig_rcvgoodsig", "\t{:received-good-signature/%ju} {N:/packet%s with matching signature received}\n");
  p("tcps_sig_rcvbadsig", "\t{:received-bad-signature/%ju} {N:/packet%s with bad signature received}\n");
  p("tcps_sig_err_buildsig", "\t{:failed-make-signature/%ju} {N:/time%s failed to make signature due to no SA}\n");
  p("tcps_sig_err_sigopt", "\t{:no-signature-expected/%ju} {N:/time%s unexpected signature received}\n");
  p("tcps_sig_err_nosigopt", "\t{:no-signature-provided/%ju} {N:/time%s no signature provided by segment}\n");
  xo.xo_close_container("tcp-signature");
  xo.xo_open_container("pmtud");
  p("tcps_pmtud_blackhole_activated", "\t{:pmtud-activated/%ju} {N:/Path MTU discovery black hole detection activation%s}\n");
  p("tcps_pmtud_blackhole_activated_min_mss", "\t{:pmtud-activated-min-mss/%ju} {N:/Path MTU discovery black hole detection min MSS activation%s}\n");
  p("tcps_pmtud_blackhole_failed", "\t{:pmtud-failed/%ju} {N:/Path MTU discovery black hole detection failure%s}\n");
  xo.xo_close_container("pmtud");
  // Each state's count under the state's name; libxo's {Np:} (singular or
  // plural by the count) becomes the chosen word here.
  xo.xo_open_container("TCP connection count by state");
  xo.xo_emit("{T:/TCP connection count by state}:\n");
  for (let i = 0; i < TCP_NSTATES; i++) {
    const n = st[i] ?? 0;
    if (f.sflag > 1 && n === 0) continue;
    xo.xo_emit(`\t{:${tcpstates[i]}/%ju} {N:/%s} in ${tcpstates[i]} state\n`, n, n === 1 ? "connection" : "connections");
  }
  xo.xo_close_container("TCP connection count by state");
  xo.xo_close_container("tcp");
}

// ---------------------------------------------------------------------------
// Statistics (inet.c): fetch_stats reads the sysctl (or zeroes it with -z).

function fetch_stats(ctx: prog_ctx, name: string, zflag: boolean): number[] | null {
  const r = sysctlbyname(ctx.p, name, zflag ? 0 : null);
  if (r.error !== 0) {
    // A protocol this kernel lacks (ENOENT) is skipped without a word.
    if (r.error !== ENOENT) ctx.stderr.write(`netstat: sysctl ${name}: ${strerror(r.error)}\n`);
    return null;
  }
  if (!Array.isArray(r.value)) return null;
  const v = r.value as number[];
  // Zeroing passes no buffer for the old values: what is shown is zeros.
  return zflag ? v.map(() => 0) : v;
}

function stat_fetch(ctx: prog_ctx, f: nflags, name: string): number[] | null {
  return fetch_stats(ctx, name, f.zflag);
}

function udp_stats(ctx: prog_ctx, f: nflags, name: string): void {
  // Both families' tables name UDP; its one set of counters is shown once.
  if (f.udp_done === true) return;
  f.udp_done = true;
  const s = stat_fetch(ctx, f, "net.inet.udp.stats");
  if (s === null) return;
  const [ipackets, hdrops, badsum, nosum, badlen, noport, noportbcast, fullsock, , pcbhashmiss, opackets, , , filtermcast] = s;
  const xo = f.xo;
  xo.xo_open_container("udp");
  xo.xo_emit("{T:/%s}:\n", name);
  const { show, p } = stat_printers(f, "\t");
  p(ipackets, "{:received-datagrams/%ju} {N:/datagram%s received}\n");
  p(hdrops, "{:dropped-incomplete-headers/%ju} {N:/with incomplete header}\n");
  p(badlen, "{:dropped-bad-data-length/%ju} {N:/with bad data length field}\n");
  p(badsum, "{:dropped-bad-checksum/%ju} {N:/with bad checksum}\n");
  p(nosum, "{:dropped-no-checksum/%ju} {N:/with no checksum}\n");
  p(noport, "{:dropped-no-socket/%ju} {N:/dropped due to no socket}\n");
  p(noportbcast, "{:dropped-broadcast-multicast/%ju} {N:/broadcast\\/multicast datagram%s undelivered}\n");
  p(fullsock, "{:dropped-full-socket-buffer/%ju} {N:/dropped due to full socket buffers}\n");
  p(pcbhashmiss, "{:not-for-hashed-pcb/%ju} {N:/not for hashed pcb}\n");
  const delivered = ipackets - hdrops - badlen - badsum - noport - noportbcast - fullsock;
  if (show(delivered)) xo.xo_emit("\t{:delivered-packets/%ju} {N:/delivered}\n", delivered);
  p(opackets, "{:output-packets/%ju} {N:/datagram%s output}\n");
  p(filtermcast, "{:multicast-source-filter-matches/%ju} {N:/time%s multicast source filter matched}\n");
  xo.xo_close_container("udp");
}

/** rip6_stats (inet6.c): raw IPv6's struct rip6stat. */
function rip6_stats(ctx: prog_ctx, f: nflags, name: string): void {
  const s = stat_fetch(ctx, f, "net.inet6.ip6.rip6stats");
  if (s === null) return;
  const [ipackets, isum, badsum, nosock, nosockmcast, fullsock, opackets] = s;
  const xo = f.xo;
  xo.xo_emit("{T:/%s}:\n", name);
  xo.xo_open_container(name);
  const { show, p } = stat_printers(f);
  p(ipackets, "\t{:received-packets/%ju} {N:/message%s received}\n");
  p(isum, "\t{:input-checksum-computation/%ju} {N:/checksum calculation%s on inbound}\n");
  p(badsum, "\t{:received-bad-checksum/%ju} {N:/message%s with bad checksum}\n");
  p(nosock, "\t{:dropped-no-socket/%ju} {N:/message%s dropped due to no socket}\n");
  p(nosockmcast, "\t{:dropped-multicast-no-socket/%ju} {N:/multicast message%s dropped due to no socket}\n");
  p(fullsock, "\t{:dropped-full-socket-buffer/%ju} {N:/message%s dropped due to full socket buffers}\n");
  const delivered = ipackets - badsum - nosock - nosockmcast - fullsock;
  if (show(delivered)) xo.xo_emit("\t{:delivered-packets/%ju} {N:/delivered}\n", delivered);
  p(opackets, "\t{:sent-packets/%ju} {N:/datagram%s output}\n");
  xo.xo_close_container(name);
}

function ip_stats(ctx: prog_ctx, f: nflags, name: string): void {
  const s = stat_fetch(ctx, f, "net.inet.ip.stats");
  if (s === null) return;
  const [
    total,
    badsum,
    tooshort,
    toosmall,
    badhlen,
    badlen,
    fragments,
    fragdropped,
    fragtimeout,
    forward,
    fastforward,
    cantforward,
    redirectsent,
    noproto,
    delivered,
    localout,
    odropped,
    reassembled,
    fragmented,
    ofragments,
    cantfrag,
    badoptions,
    noroute,
    badvers,
    rawout,
    toolong,
    notmember,
    nogif,
    badaddr,
  ] = s;
  const xo = f.xo;
  xo.xo_open_container(name);
  xo.xo_emit("{T:/%s}:\n", name);
  const { show, p, p1a } = stat_printers(f);
  p(total, "\t{:received-packets/%ju} {N:/total packet%s received}\n");
  p(badsum, "\t{:dropped-bad-checksum/%ju} {N:/bad header checksum%s}\n");
  p1a(toosmall, "\t{:dropped-below-minimum-size/%ju} {N:/with size smaller than minimum}\n");
  p1a(tooshort, "\t{:dropped-short-packets/%ju} {N:/with data size < data length}\n");
  p1a(toolong, "\t{:dropped-too-long/%ju} {N:/with ip length > max ip packet size}\n");
  p1a(badhlen, "\t{:dropped-short-header-length/%ju} {N:/with header length < data size}\n");
  p1a(badlen, "\t{:dropped-short-data/%ju} {N:/with data length < header length}\n");
  p1a(badoptions, "\t{:dropped-bad-options/%ju} {N:/with bad options}\n");
  p1a(badvers, "\t{:dropped-bad-version/%ju} {N:/with incorrect version number}\n");
  p(fragments, "\t{:received-fragments/%ju} {N:/fragment%s received}\n");
  p(fragdropped, "\t{:dropped-fragments/%ju} {N:/fragment%s dropped (dup or out of space)}\n");
  p(fragtimeout, "\t{:dropped-fragments-after-timeout/%ju} {N:/fragment%s dropped after timeout}\n");
  p(reassembled, "\t{:reassembled-packets/%ju} {N:/packet%s reassembled ok}\n");
  p(delivered, "\t{:received-local-packets/%ju} {N:/packet%s for this host}\n");
  p(noproto, "\t{:dropped-unknown-protocol/%ju} {N:/packet%s for unknown\\/unsupported protocol}\n");
  p(forward, "\t{:forwarded-packets/%ju} {N:/packet%s forwarded}");
  p(fastforward, " ({:fast-forwarded-packets/%ju} {N:/packet%s fast forwarded})");
  if (show(forward)) xo.xo_emit("\n");
  p(cantforward, "\t{:packets-cannot-forward/%ju} {N:/packet%s not forwardable}\n");
  p(notmember, "\t{:received-unknown-multicast-group/%ju} {N:/packet%s received for unknown multicast group}\n");
  p(redirectsent, "\t{:redirects-sent/%ju} {N:/redirect%s sent}\n");
  p(localout, "\t{:sent-packets/%ju} {N:/packet%s sent from this host}\n");
  p(rawout, "\t{:send-packets-fabricated-header/%ju} {N:/packet%s sent with fabricated ip header}\n");
  p(odropped, "\t{:discard-no-mbufs/%ju} {N:/output packet%s dropped due to no bufs, etc.}\n");
  p(noroute, "\t{:discard-no-route/%ju} {N:/output packet%s discarded due to no route}\n");
  p(fragmented, "\t{:sent-fragments/%ju} {N:/output datagram%s fragmented}\n");
  p(ofragments, "\t{:fragments-created/%ju} {N:/fragment%s created}\n");
  p(cantfrag, "\t{:discard-cannot-fragment/%ju} {N:/datagram%s that can't be fragmented}\n");
  p(nogif, "\t{:discard-tunnel-no-gif/%ju} {N:/tunneling packet%s that can't find gif}\n");
  p(badaddr, "\t{:discard-bad-address/%ju} {N:/datagram%s with bad address in header}\n");
  xo.xo_close_container(name);
}

// ---------------------------------------------------------------------------
// inet6.c: ip6_stats.

/** ip6nh[]: the names of the next headers in the input histogram. */
const ip6nh: readonly string[] = (() => {
  const t: string[] = [];
  for (let i = 0; i < 256; i++) t.push(`#${i}`);
  const names: [number, string][] = [
    [0, "hop by hop"],
    [1, "ICMP"],
    [2, "IGMP"],
    [4, "IP"],
    [6, "TCP"],
    [17, "UDP"],
    [22, "IDP"],
    [29, "TP"],
    [41, "IP6"],
    [43, "routing"],
    [44, "fragment"],
    [50, "ESP"],
    [51, "AH"],
    [58, "ICMP6"],
    [59, "no next header"],
    [60, "destination option"],
    [62, "mobility"],
    [80, "ISOIP"],
    [89, "OSPF"],
    // (inet6.c's own slips, kept.)
    [90, "#80"],
    [97, "Ethernet"],
    [103, "PIM"],
    [132, "SCTP"],
    [136, "UDPLite"],
    [190, "#180"],
  ];
  for (const [i, n] of names) t[i] = n;
  return t;
})();

const srcrule_str: readonly string[] = [
  "first candidate",
  "same address",
  "appropriate scope",
  "deprecated address",
  "home address",
  "outgoing interface",
  "matching label",
  "public/temporary address",
  "alive interface",
  "better virtual status",
  "preferred source",
  "rule #11",
  "rule #12",
  "rule #13",
  "longest match",
  "rule #15",
];

// struct ip6stat's layout (netinet6/ip6_var.h).
const IP6S_HDRCNT = 256;
const IP6S_M2MMAX = 32;
const IP6S_SCOPECNT = 16;
const IP6S_RULESMAX = 16;

function ip6_stats(ctx: prog_ctx, f: nflags, name: string): void {
  const s = stat_fetch(ctx, f, "net.inet6.ip6.stats");
  if (s === null) return;
  let i = 0;
  const take = (): number => s[i++] ?? 0;
  const takeN = (n: number): number[] => {
    const a = s.slice(i, i + n);
    i += n;
    while (a.length < n) a.push(0);
    return a;
  };
  const total = take();
  const tooshort = take();
  const toosmall = take();
  const fragments = take();
  const fragdropped = take();
  const fragtimeout = take();
  const fragoverflow = take();
  const forward = take();
  const cantforward = take();
  const redirectsent = take();
  const delivered = take();
  const localout = take();
  const odropped = take();
  const reassembled = take();
  const atomicfrags = take();
  const fragmented = take();
  const ofragments = take();
  const cantfrag = take();
  const badoptions = take();
  const noroute = take();
  const badvers = take();
  const rawout = take();
  const badscope = take();
  const notmember = take();
  const nxthist = takeN(IP6S_HDRCNT);
  const m1 = take();
  const m2m = takeN(IP6S_M2MMAX);
  const mext1 = take();
  const mext2m = take();
  const exthdrtoolong = take();
  const nogif = take();
  const toomanyhdr = take();
  const sources_none = take();
  const sources_sameif = takeN(IP6S_SCOPECNT);
  const sources_otherif = takeN(IP6S_SCOPECNT);
  const sources_samescope = takeN(IP6S_SCOPECNT);
  const sources_otherscope = takeN(IP6S_SCOPECNT);
  const sources_deprecated = takeN(IP6S_SCOPECNT);
  const sources_rule = takeN(IP6S_RULESMAX);

  const xo = f.xo;
  xo.xo_open_container(name);
  xo.xo_emit("{T:/%s}:\n", name);
  const { p, p1a } = stat_printers(f);
  p(total, "\t{:received-packets/%ju} {N:/total packet%s received}\n");
  p1a(toosmall, "\t{:dropped-below-minimum-size/%ju} {N:/with size smaller than minimum}\n");
  p1a(tooshort, "\t{:dropped-short-packets/%ju} {N:/with data size < data length}\n");
  p1a(badoptions, "\t{:dropped-bad-options/%ju} {N:/with bad options}\n");
  p1a(badvers, "\t{:dropped-bad-version/%ju} {N:/with incorrect version number}\n");
  p(fragments, "\t{:received-fragments/%ju} {N:/fragment%s received}\n");
  p(fragdropped, "\t{:dropped-fragment/%ju} {N:/fragment%s dropped (dup or out of space)}\n");
  p(fragtimeout, "\t{:dropped-fragment-after-timeout/%ju} {N:/fragment%s dropped after timeout}\n");
  p(fragoverflow, "\t{:dropped-fragments-overflow/%ju} {N:/fragment%s that exceeded limit}\n");
  p(atomicfrags, "\t{:atomic-fragments/%ju} {N:/atomic fragment%s}\n");
  p(reassembled, "\t{:reassembled-packets/%ju} {N:/packet%s reassembled ok}\n");
  p(delivered, "\t{:received-local-packets/%ju} {N:/packet%s for this host}\n");
  p(forward, "\t{:forwarded-packets/%ju} {N:/packet%s forwarded}\n");
  p(cantforward, "\t{:packets-not-forwardable/%ju} {N:/packet%s not forwardable}\n");
  p(redirectsent, "\t{:sent-redirects/%ju} {N:/redirect%s sent}\n");
  p(localout, "\t{:sent-packets/%ju} {N:/packet%s sent from this host}\n");
  p(rawout, "\t{:send-packets-fabricated-header/%ju} {N:/packet%s sent with fabricated ip header}\n");
  p(odropped, "\t{:discard-no-mbufs/%ju} {N:/output packet%s dropped due to no bufs, etc.}\n");
  p(noroute, "\t{:discard-no-route/%ju} {N:/output packet%s discarded due to no route}\n");
  p(fragmented, "\t{:sent-fragments/%ju} {N:/output datagram%s fragmented}\n");
  p(ofragments, "\t{:fragments-created/%ju} {N:/fragment%s created}\n");
  p(cantfrag, "\t{:discard-cannot-fragment/%ju} {N:/datagram%s that can't be fragmented}\n");
  p(badscope, "\t{:discard-scope-violations/%ju} {N:/packet%s that violated scope rules}\n");
  p(notmember, "\t{:multicast-no-join-packets/%ju} {N:/multicast packet%s which we don't join}\n");
  let first = true;
  for (let h = 0; h < IP6S_HDRCNT; h++) {
    if (nxthist[h] === 0) continue;
    if (first) {
      xo.xo_emit("\t{T:Input histogram}:\n");
      xo.xo_open_list("input-histogram");
      first = false;
    }
    xo.xo_open_instance("input-histogram");
    xo.xo_emit("\t\t{k:name/%s}: {:count/%ju}\n", ip6nh[h], nxthist[h]);
    xo.xo_close_instance("input-histogram");
  }
  if (!first) xo.xo_close_list("input-histogram");
  xo.xo_open_container("mbuf-statistics");
  xo.xo_emit("\t{T:Mbuf statistics}:\n");
  xo.xo_emit("\t\t{:one-mbuf/%ju} {N:/one mbuf}\n", m1);
  first = true;
  const ifnames = new Map<number, string>();
  for (const a of getifaddrs(ctx.p as proc).ifap) if (a.family === AF_LINK) ifnames.set(a.sdl_index, a.ifa_name);
  for (let k = 0; k < IP6S_M2MMAX; k++) {
    if (m2m[k] === 0) continue;
    if (first) {
      xo.xo_emit("\t\t{N:two or more mbuf}:\n");
      xo.xo_open_list("mbuf-data");
      first = false;
    }
    // if_indextoname(3): NULL, printed "(null)", for a gone interface.
    xo.xo_open_instance("mbuf-data");
    xo.xo_emit("\t\t\t{k:name/%s}= {:count/%ju}\n", ifnames.get(k) ?? null, m2m[k]);
    xo.xo_close_instance("mbuf-data");
  }
  if (!first) xo.xo_close_list("mbuf-data");
  xo.xo_emit("\t\t{:one-extra-mbuf/%ju} {N:one ext mbuf}\n", mext1);
  xo.xo_emit("\t\t{:two-or-more-extra-mbufs/%ju} {N:/two or more ext mbuf}\n", mext2m);
  xo.xo_close_container("mbuf-statistics");
  p(exthdrtoolong, "\t{:dropped-header-too-long/%ju} {N:/packet%s whose headers are not contiguous}\n");
  p(nogif, "\t{:discard-tunnel-no-gif/%ju} {N:/tunneling packet%s that can't find gif}\n");
  p(toomanyhdr, "\t{:dropped-too-many-headers/%ju} {N:/packet%s discarded because of too many headers}\n");

  // Source address selection (for debugging it).
  const scopestat = (v: number, sc: number): void => {
    switch (sc) {
      case 1:
        p(v, "\t\t{ke:name/interface-locals}{:count/%ju} {N:/interface-local%s}\n");
        break;
      case 2:
        p(v, "\t\t{ke:name/link-locals}{:count/%ju} {N:/link-local%s}\n");
        break;
      case 5:
        p(v, "\t\t{ke:name/site-locals}{:count/%ju} {N:/site-local%s}\n");
        break;
      case 14:
        p(v, "\t\t{ke:name/globals}{:count/%ju} {N:/global%s}\n");
        break;
      default:
        xo.xo_emit("\t\t{qke:name/%#x}{:count/%ju} {N:/addresses scope=%#x}\n", sc, v, sc);
    }
  };
  xo.xo_open_container("source-address-selection");
  p(sources_none, "\t{:address-selection-failures/%ju} {N:/failure%s of source address selection}\n");
  const scopeblock = (arr: number[], list: string, title: string): void => {
    let fst = true;
    for (let k = 0; k < IP6S_SCOPECNT; k++) {
      if (arr[k] === 0) continue;
      if (fst) {
        xo.xo_open_list(list);
        xo.xo_emit(`\t${title}\n`);
        fst = false;
      }
      xo.xo_open_instance(list);
      scopestat(arr[k], k);
      xo.xo_close_instance(list);
    }
    if (!fst) xo.xo_close_list(list);
  };
  scopeblock(sources_sameif, "outgoing-interface", "source addresses on an outgoing I/F");
  scopeblock(sources_otherif, "non-outgoing-interface", "source addresses on a non-outgoing I/F");
  scopeblock(sources_samescope, "same-source", "source addresses of same scope");
  scopeblock(sources_otherscope, "different-scope", "source addresses of a different scope");
  scopeblock(sources_deprecated, "deprecated-source", "deprecated source addresses");
  first = true;
  for (let k = 0; k < IP6S_RULESMAX; k++) {
    if (sources_rule[k] === 0) continue;
    if (first) {
      xo.xo_open_list("rules-applied");
      xo.xo_emit("\t{T:Source addresses selection rule applied}:\n");
      first = false;
    }
    xo.xo_open_instance("rules-applied");
    xo.xo_emit("\t\t{ke:name/%s}{:count/%ju} {d:name/%s}\n", srcrule_str[k], sources_rule[k], srcrule_str[k]);
    xo.xo_close_instance("rules-applied");
  }
  if (!first) xo.xo_close_list("rules-applied");
  xo.xo_close_container("source-address-selection");
  xo.xo_close_container(name);
}

/** An AF_INET6 datagram socket and one SIOCGIFSTAT_* ioctl on it: the counters, or null (warned). */
function in6_ifstat_ioctl(ctx: prog_ctx, ifname: string, cmd: number, what: string): number[] | Float64Array | null {
  const kp = ctx.p as proc;
  const so = sys_socket(kp, AF_INET6, SOCK_DGRAM, 0);
  if (so.error !== 0) {
    ctx.stderr.write(`netstat: Warning: socket(AF_INET6): ${strerror(so.error)}\n`);
    return null;
  }
  try {
    const ifr: in6_ifreq = { ifr_name: ifname };
    const e = sys_ioctl(kp, so.fd, cmd, ifr);
    if (e !== 0) {
      if (e !== EPFNOSUPPORT) ctx.stderr.write(`netstat: Warning: ioctl(${what}): ${strerror(e)}\n`);
      return null;
    }
    return ifr.ifr_ifru_stat ?? [];
  } finally {
    sys_close(kp, so.fd);
  }
}

/** inet6.c's ip6_ifstats: RFC 2465's per-interface counters (SIOCGIFSTAT_IN6).
 *  -z does not apply: the ioctl only reads. */
function ip6_ifstats(ctx: prog_ctx, f: nflags, ifname: string): void {
  const st = in6_ifstat_ioctl(ctx, ifname, SIOCGIFSTAT_IN6, "SIOCGIFSTAT_IN6");
  if (st === null) return;
  const xo = f.xo;
  xo.xo_emit("{T:/ip6 on %s}:\n", ifname);
  xo.xo_open_instance("ip6-interface-statistics");
  xo.xo_emit("{ke:name/%s}", ifname);
  const p = (i: number, m: string) => {
    const n = st[i] ?? 0;
    if (n !== 0 || f.sflag <= 1) xo.xo_emit(m, n, plural(n));
  };
  p(ifs6_in_receive, "\t{:received-packets/%ju} {N:/total input datagram%s}\n");
  p(ifs6_in_hdrerr, "\t{:dropped-invalid-header/%ju} {N:/datagram%s with invalid header received}\n");
  p(ifs6_in_toobig, "\t{:dropped-mtu-exceeded/%ju} {N:/datagram%s exceeded MTU received}\n");
  p(ifs6_in_noroute, "\t{:dropped-no-route/%ju} {N:/datagram%s with no route received}\n");
  p(ifs6_in_addrerr, "\t{:dropped-invalid-destination/%ju} {N:/datagram%s with invalid dst received}\n");
  p(ifs6_in_protounknown, "\t{:dropped-unknown-protocol/%ju} {N:/datagram%s with unknown proto received}\n");
  p(ifs6_in_truncated, "\t{:dropped-truncated/%ju} {N:/truncated datagram%s received}\n");
  p(ifs6_in_discard, "\t{:dropped-discarded/%ju} {N:/input datagram%s discarded}\n");
  p(ifs6_in_deliver, "\t{:received-valid-packets/%ju} {N:/datagram%s delivered to an upper layer protocol}\n");
  p(ifs6_out_forward, "\t{:sent-forwarded/%ju} {N:/datagram%s forwarded to this interface}\n");
  p(ifs6_out_request, "\t{:sent-packets/%ju} {N:/datagram%s sent from an upper layer protocol}\n");
  p(ifs6_out_discard, "\t{:discard-packets/%ju} {N:/total discarded output datagram%s}\n");
  // FreeBSD names ifs6_out_fragok "discard-fragments"; kept, as scripts read it.
  p(ifs6_out_fragok, "\t{:discard-fragments/%ju} {N:/output datagram%s fragmented}\n");
  p(ifs6_out_fragfail, "\t{:fragments-failed/%ju} {N:/output datagram%s failed on fragment}\n");
  p(ifs6_out_fragcreat, "\t{:fragments-created/%ju} {N:/output datagram%s succeeded on fragment}\n");
  p(ifs6_reass_reqd, "\t{:reassembly-required/%ju} {N:/incoming datagram%s fragmented}\n");
  p(ifs6_reass_ok, "\t{:reassembled-packets/%ju} {N:/datagram%s reassembled}\n");
  p(ifs6_reass_fail, "\t{:reassembly-failed/%ju} {N:/datagram%s failed on reassembly}\n");
  p(ifs6_in_mcast, "\t{:received-multicast/%ju} {N:/multicast datagram%s received}\n");
  p(ifs6_out_mcast, "\t{:sent-multicast/%ju} {N:/multicast datagram%s sent}\n");
  xo.xo_close_instance("ip6-interface-statistics");
}

/** inet6.c's icmp6_ifstats: RFC 2466's per-interface ICMPv6 counters (SIOCGIFSTAT_ICMP6). */
function icmp6_ifstats(ctx: prog_ctx, f: nflags, ifname: string): void {
  const st = in6_ifstat_ioctl(ctx, ifname, SIOCGIFSTAT_ICMP6, "SIOCGIFSTAT_ICMP6");
  if (st === null) return;
  const xo = f.xo;
  xo.xo_emit("{T:/icmp6 on %s}:\n", ifname);
  xo.xo_open_instance("icmp6-interface-statistics");
  xo.xo_emit("{ke:name/%s}", ifname);
  const p = (i: number, m: string) => {
    const n = st[i] ?? 0;
    if (n !== 0 || f.sflag <= 1) xo.xo_emit(m, n, plural(n));
  };
  const p2 = (i: number, m: string) => {
    const n = st[i] ?? 0;
    if (n !== 0 || f.sflag <= 1) xo.xo_emit(m, n, pluralies(n));
  };
  p(ifs6_in_msg, "\t{:received-packets/%ju} {N:/total input message%s}\n");
  p(ifs6_in_error, "\t{:received-errors/%ju} {N:/total input error message%s}\n");
  p(ifs6_in_dstunreach, "\t{:received-destination-unreachable/%ju} {N:/input destination unreachable error%s}\n");
  p(ifs6_in_adminprohib, "\t{:received-admin-prohibited/%ju} {N:/input administratively prohibited error%s}\n");
  p(ifs6_in_timeexceed, "\t{:received-time-exceeded/%ju} {N:/input time exceeded error%s}\n");
  p(ifs6_in_paramprob, "\t{:received-bad-parameter/%ju} {N:/input parameter problem error%s}\n");
  p(ifs6_in_pkttoobig, "\t{:received-packet-too-big/%ju} {N:/input packet too big error%s}\n");
  p(ifs6_in_echo, "\t{:received-echo-requests/%ju} {N:/input echo request%s}\n");
  p2(ifs6_in_echoreply, "\t{:received-echo-replies/%ju} {N:/input echo repl%s}\n");
  p(ifs6_in_routersolicit, "\t{:received-router-solicitation/%ju} {N:/input router solicitation%s}\n");
  p(ifs6_in_routeradvert, "\t{:received-router-advertisement/%ju} {N:/input router advertisement%s}\n");
  p(ifs6_in_neighborsolicit, "\t{:received-neighbor-solicitation/%ju} {N:/input neighbor solicitation%s}\n");
  p(ifs6_in_neighboradvert, "\t{:received-neighbor-advertisement/%ju} {N:/input neighbor advertisement%s}\n");
  // inet6.c spells this one without the colon; libxo reads it as a value all the same.
  p(ifs6_in_redirect, "\t{received-redirects/%ju} {N:/input redirect%s}\n");
  p2(ifs6_in_mldquery, "\t{:received-mld-queries/%ju} {N:/input MLD quer%s}\n");
  p(ifs6_in_mldreport, "\t{:received-mld-reports/%ju} {N:/input MLD report%s}\n");
  p(ifs6_in_mlddone, "\t{:received-mld-done/%ju} {N:/input MLD done%s}\n");
  p(ifs6_out_msg, "\t{:sent-packets/%ju} {N:/total output message%s}\n");
  p(ifs6_out_error, "\t{:sent-errors/%ju} {N:/total output error message%s}\n");
  p(ifs6_out_dstunreach, "\t{:sent-destination-unreachable/%ju} {N:/output destination unreachable error%s}\n");
  p(ifs6_out_adminprohib, "\t{:sent-admin-prohibited/%ju} {N:/output administratively prohibited error%s}\n");
  p(ifs6_out_timeexceed, "\t{:sent-time-exceeded/%ju} {N:/output time exceeded error%s}\n");
  p(ifs6_out_paramprob, "\t{:sent-bad-parameter/%ju} {N:/output parameter problem error%s}\n");
  p(ifs6_out_pkttoobig, "\t{:sent-packet-too-big/%ju} {N:/output packet too big error%s}\n");
  p(ifs6_out_echo, "\t{:sent-echo-requests/%ju} {N:/output echo request%s}\n");
  p2(ifs6_out_echoreply, "\t{:sent-echo-replies/%ju} {N:/output echo repl%s}\n");
  p(ifs6_out_routersolicit, "\t{:sent-router-solicitation/%ju} {N:/output router solicitation%s}\n");
  p(ifs6_out_routeradvert, "\t{:sent-router-advertisement/%ju} {N:/output router advertisement%s}\n");
  p(ifs6_out_neighborsolicit, "\t{:sent-neighbor-solicitation/%ju} {N:/output neighbor solicitation%s}\n");
  p(ifs6_out_neighboradvert, "\t{:sent-neighbor-advertisement/%ju} {N:/output neighbor advertisement%s}\n");
  p(ifs6_out_redirect, "\t{:sent-redirects/%ju} {N:/output redirect%s}\n");
  p2(ifs6_out_mldquery, "\t{:sent-mld-queries/%ju} {N:/output MLD quer%s}\n");
  p(ifs6_out_mldreport, "\t{:sent-mld-reports/%ju} {N:/output MLD report%s}\n");
  p(ifs6_out_mlddone, "\t{:sent-mld-dones/%ju} {N:/output MLD done%s}\n");
  xo.xo_close_instance("icmp6-interface-statistics");
}

function arp_stats(ctx: prog_ctx, f: nflags, name: string): void {
  const s = stat_fetch(ctx, f, "net.link.ether.arp.stats");
  if (s === null) return;
  const [txrequests, txreplies, rxrequests, rxreplies, received, txerrors, , , , dropped, timeouts, dupips] = s;
  const xo = f.xo;
  xo.xo_open_container(name);
  xo.xo_emit("{T:/%s}:\n", name);
  const { p, p3: p2 } = stat_printers(f, "\t");
  p(txrequests, "{:sent-requests/%ju} {N:/ARP request%s sent}\n");
  p(txerrors, "{:sent-failures/%ju} {N:/ARP request%s failed to sent}\n");
  p2(txreplies, "{:sent-replies/%ju} {N:/ARP repl%s sent}\n");
  p(rxrequests, "{:received-requests/%ju} {N:/ARP request%s received}\n");
  p2(rxreplies, "{:received-replies/%ju} {N:/ARP repl%s received}\n");
  p(received, "{:received-packers/%ju} {N:/ARP packet%s received}\n");
  p(dropped, "{:dropped-no-entry/%ju} {N:/total packet%s dropped due to no ARP entry}\n");
  p(timeouts, "{:entries-timeout/%ju} {N:/ARP entry%s timed out}\n");
  p(dupips, "{:dropped-duplicate-address/%ju} {N:/Duplicate IP%s seen}\n");
  xo.xo_close_container(name);
}

/** inet.c's icmpnames[]. */
const icmpnames: readonly string[] = [
  "echo reply",
  "#1",
  "#2",
  "destination unreachable",
  "source quench",
  "routing redirect",
  "#6",
  "#7",
  "echo",
  "router advertisement",
  "router solicitation",
  "time exceeded",
  "parameter problem",
  "time stamp",
  "time stamp reply",
  "information request",
  "information request reply",
  "address mask request",
  "address mask reply",
  "#19",
  "#20",
  "#21",
  "#22",
  "#23",
  "#24",
  "#25",
  "#26",
  "#27",
  "#28",
  "#29",
  "icmp traceroute",
  "datagram conversion error",
  "mobile host redirect",
  "IPv6 where-are-you",
  "IPv6 i-am-here",
  "mobile registration req",
  "mobile registration reply",
  "domain name request",
  "domain name reply",
  "icmp SKIP",
  "icmp photuris",
];
const ICMP_MAXTYPE = 40;

function icmp_stats(ctx: prog_ctx, f: nflags, name: string): void {
  const s = stat_fetch(ctx, f, "net.inet.icmp.stats");
  if (s === null) return;
  // struct icmpstat: error, oldshort, oldicmp, outhist[41], badcode,
  // tooshort, checksum, badlen, reflect, inhist[41], bmcastecho,
  // bmcasttstamp, badaddr, noroute.
  const N = ICMP_MAXTYPE + 1;
  const error = s[0];
  const oldicmp = s[2];
  const outhist = s.slice(3, 3 + N);
  let i = 3 + N;
  const badcode = s[i++];
  const tooshort = s[i++];
  const checksum = s[i++];
  const badlen = s[i++];
  const reflect = s[i++];
  const inhist = s.slice(i, i + N);
  i += N;
  const bmcastecho = s[i++];
  const bmcasttstamp = s[i++];
  const badaddr = s[i++];
  const noroute = s[i++];
  const xo = f.xo;
  xo.xo_open_container(name);
  xo.xo_emit("{T:/%s}:\n", name);
  const { p, p1a, p2 } = stat_printers(f);
  const hist = (list: string, title: string, h: number[]) => {
    let first = true;
    for (let t = 0; t < N; t++) {
      if (h[t] === 0) continue;
      if (first) {
        xo.xo_open_list(list);
        xo.xo_emit(`\t${title} histogram:\n`);
        first = false;
      }
      xo.xo_open_instance(list);
      xo.xo_emit("\t\t{k:name/%s}: {:count/%lu}\n", icmpnames[t], h[t]);
      xo.xo_close_instance(list);
    }
    if (!first) xo.xo_close_list(list);
  };
  p(error, "\t{:icmp-calls/%lu} {N:/call%s to icmp_error}\n");
  p(oldicmp, "\t{:errors-not-from-message/%lu} {N:/error%s not generated in response to an icmp message}\n");
  hist("output-histogram", "Output", outhist);
  p(badcode, "\t{:dropped-bad-code/%lu} {N:/message%s with bad code fields}\n");
  p(tooshort, "\t{:dropped-too-short/%lu} {N:/message%s less than the minimum length}\n");
  p(checksum, "\t{:dropped-bad-checksum/%lu} {N:/message%s with bad checksum}\n");
  p(badlen, "\t{:dropped-bad-length/%lu} {N:/message%s with bad length}\n");
  p1a(bmcastecho, "\t{:dropped-multicast-echo/%lu} {N:/multicast echo requests ignored}\n");
  p1a(bmcasttstamp, "\t{:dropped-multicast-timestamp/%lu} {N:/multicast timestamp requests ignored}\n");
  hist("input-histogram", "Input", inhist);
  p(reflect, "\t{:sent-packets/%lu} {N:/message response%s generated}\n");
  p2(badaddr, "\t{:discard-invalid-return-address/%lu} {N:/invalid return address%s}\n");
  p(noroute, "\t{:discard-no-route/%lu} {N:/no return route%s}\n");
  const mr = sysctlbyname(ctx.p, "net.inet.icmp.maskrepl");
  if (mr.error === 0) xo.xo_emit("\tICMP address mask responses are {q:icmp-address-responses/%sabled}\n", mr.value !== 0 ? "en" : "dis");
  xo.xo_close_container(name);
}

/** One NET_RT_DUMP message (struct rt_msghdr and the sockaddrs after it). */
interface rt_msg {
  rtm_flags: number;
  rtm_index: number;
  rmx_mtu: number;
  /** Seconds left, 0 for never. */
  rmx_expire: number;
  rmx_weight: number;
  rmx_nhidx: number;
  rtm_addrs: number;
  addr: (sockaddr | null)[];
}

/** The routes of one fib and family (0: all): sysctl NET_RT_DUMP, its messages decoded. */
function rtdump(kp: proc, fibnum: number, af: number): { error: number; msgs: rt_msg[] } {
  const r = sysctl(kp, [CTL_NET, PF_ROUTE, 0, af, NET_RT_DUMP, fibnum]);
  const msgs: rt_msg[] = [];
  if (r.error !== 0 || !Array.isArray(r.value)) return { error: r.error, msgs };
  const w = r.value as readonly number[];
  for (let o = 0; o < w.length && w[o + RTM_HDR_LEN] > 0; o += w[o + RTM_HDR_LEN]) {
    const addrs = w[o + RTD_ADDRS];
    const addr: (sockaddr | null)[] = new Array<sockaddr | null>(RTAX_MAX).fill(null);
    let k = o + RTD_SA;
    for (let i = 0; i < RTAX_MAX; i++) {
      if ((addrs & (1 << i)) === 0) continue;
      const d = rt_msg_sa_decode(w, k);
      addr[i] = d.sa;
      k = d.next;
    }
    msgs.push({
      rtm_flags: w[o + RTD_FLAGS],
      rtm_index: w[o + RTD_INDEX],
      rmx_mtu: w[o + RTD_MTU],
      rmx_expire: w[o + RTD_EXPIRE],
      rmx_weight: w[o + RTD_WEIGHT],
      rmx_nhidx: w[o + RTD_NHIDX],
      rtm_addrs: addrs,
      addr,
    });
    void w[o + RTD_REFCNT];
  }
  return { error: 0, msgs };
}

/** route.c's rt_stats (netstat -rs).  FreeBSD reads rtstat and rttrash
 *  with libkvm; here rtstat comes from sysctl net.route.stats (see
 *  net/route.ts).  FreeBSD 14's kernel has no rttrash any more (routes are
 *  freed through epoch), so that line counts nothing. */
function rt_stats(ctx: prog_ctx, kp: proc, f: nflags): void {
  const r = sysctlbyname(kp, "net.route.stats");
  if (r.error !== 0 || !Array.isArray(r.value)) {
    ctx.stderr.write(`netstat: sysctl: net.route.stats: ${strerror(r.error)}\n`);
    return;
  }
  const rtstat = r.value as readonly number[];
  const rttrash = 0;
  const [badredirect, dynamic, newgateway, unreach, wildcard] = rtstat;
  const xo = f.xo;
  xo.xo_emit("{T:routing}:\n");
  const { p } = stat_printers(f);
  p(badredirect, "\t{:bad-redirects/%ju} {N:/bad routing redirect%s}\n");
  p(dynamic, "\t{:dynamically-created/%ju} {N:/dynamically created route%s}\n");
  p(newgateway, "\t{:new-gateways/%ju} {N:/new gateway%s due to redirects}\n");
  p(unreach, "\t{:unreachable-destination/%ju} {N:/destination%s found unreachable}\n");
  p(wildcard, "\t{:wildcard-uses/%ju} {N:/use%s of a wildcard route}\n");
  p(rttrash, "\t{:unused-but-not-freed/%u} {N:/route%s not in table but not freed}\n");
}

// ---------------------------------------------------------------------------
// Routing tables (route.c).

/** rt_bits[]: the Flags column's letters. */
const rt_bits: [number, string, string][] = [
  [RTF_UP, "U", "up"],
  [RTF_GATEWAY, "G", "gateway"],
  [RTF_HOST, "H", "host"],
  [RTF_REJECT, "R", "reject"],
  [RTF_DYNAMIC, "D", "dynamic"],
  [RTF_MODIFIED, "M", "modified"],
  [RTF_DONE, "d", "done"],
  [RTF_XRESOLVE, "X", "xresolve"],
  [RTF_STATIC, "S", "static"],
  [RTF_PROTO1, "1", "proto1"],
  [RTF_PROTO2, "2", "proto2"],
  [RTF_PROTO3, "3", "proto3"],
  [RTF_BLACKHOLE, "B", "blackhole"],
  [RTF_BROADCAST, "b", "broadcast"],
];

/** p_flags (print_flags_generic): the letters in the given format, and each flag's name as a leaf-list. */
function p_flags(xo: xo_handle, flags: number, format: string): void {
  xo.xo_emit(format, fmt_flags(flags));
  xo.xo_open_list("flags_pretty");
  for (const [b, , name] of rt_bits) if ((flags & b) !== 0) xo.xo_emit("{le:flags_pretty/%s}", name);
  xo.xo_close_list("flags_pretty");
}

function fmt_flags(flags: number): string {
  let s = "";
  for (const [b, c] of rt_bits) if ((flags & b) !== 0) s += c;
  return s;
}

/** domask: "/len", or "&0xmask" for a non-contiguous mask, "" for none. */
function domask(mask: number): string {
  if (mask === 0) return "";
  let i = 0;
  for (let b = 0; b < 32; b++) {
    if ((mask & (1 << b)) !== 0) {
      i = b;
      for (let bb = b + 1; bb < 32; bb++) {
        if ((mask & (1 << bb)) === 0) {
          i = -1;
          break;
        }
      }
      break;
    }
  }
  if (i === -1) return `&0x${(mask >>> 0).toString(16)}`;
  return `/${32 - i}`;
}

function NSHIFT(m: number): number {
  if (m === IN_CLASSA_NET) return 24;
  if (m === IN_CLASSB_NET) return 16;
  if (m === IN_CLASSC_NET) return 8;
  return 0;
}

/** netname4: "default", a name from /etc/networks, or a.b.c.d/len. */
export function netname4(addr: number, mask: number, numeric: boolean): string {
  if (addr === 0 && mask === 0) return "default";
  const i = (addr & mask) >>> 0;
  if (!numeric && i !== 0) {
    const n = getnetbyaddr(i >>> NSHIFT(mask >>> 0));
    if (n !== null) return n;
  }
  return inet_ntoa(i) + domask(mask >>> 0);
}

/** pr_family: the header of a family's section. */
function pr_family(xo: xo_handle, af1: number): void {
  const afname = af1 === AF_INET ? "Internet" : af1 === AF_INET6 ? "Internet6" : af1 === AF_NETGRAPH ? "Netgraph" : null;
  if (afname !== null) xo.xo_emit("\n{k:address-family/%s}:\n", afname);
  else xo.xo_emit("\n{L:Protocol Family} {k:address-family/%d}:\n", af1);
}

function routepr(ctx: prog_ctx, kp: proc, f: nflags, fibnum: number): void {
  if (fibnum === -1) fibnum = sys_getfib(kp);
  const nf = sysctlbyname(kp, "net.fibs").value;
  const numfibs = typeof nf === "number" ? nf : 1;
  if (fibnum < 0 || fibnum > numfibs - 1) errx(ctx, EX_USAGE, `${fibnum}: invalid fib`);
  const xo = f.xo;
  xo.xo_open_container("route-information");
  xo.xo_emit("{T:Routing tables}");
  if (fibnum !== 0) xo.xo_emit(" ({L:fib}: {:fib/%d})", fibnum);
  xo.xo_emit("\n");
  const af = f.af === AF_INET || f.af === AF_INET6 ? f.af : AF_UNSPEC;
  const { error, msgs } = rtdump(kp, fibnum, af);
  if (error !== 0) {
    xo.xo_finish();
    ctx.stderr.write(`netstat: sysctl: net.route.0.${af}.dump.${fibnum}: ${strerror(error)}\n`);
    throw new prog_exit(1);
  }
  // ifmap: interface names by index (prepare_ifmap).
  const ifmap = new Map<number, string>();
  for (const x of getifaddrs(kp).ifap) if (x.family === AF_LINK) ifmap.set(x.sdl_index, x.ifa_name);
  // p_rtable_sysctl: one rt-family instance per address family, its routes an rt-entry list.
  xo.xo_open_container("route-table");
  xo.xo_open_list("rt-family");
  let fam = AF_UNSPEC;
  let need_table_close = false;
  let w: rt_widths = rt_widths_for(AF_INET, f);
  for (const m of msgs) {
    const dst = m.addr[RTAX_DST];
    const sfam = dst !== null ? sa_family_of(dst) : AF_UNSPEC;
    if (sfam !== fam) {
      if (need_table_close) {
        xo.xo_close_list("rt-entry");
        xo.xo_close_instance("rt-family");
      }
      need_table_close = true;
      fam = sfam;
      w = rt_widths_for(fam, f);
      xo.xo_open_instance("rt-family");
      pr_family(xo, fam);
      xo.xo_open_list("rt-entry");
      pr_rthdr(xo, w, f);
    }
    p_rtentry_sysctl(ctx, "rt-entry", m, w, f, ifmap);
  }
  if (need_table_close) {
    xo.xo_close_list("rt-entry");
    xo.xo_close_instance("rt-family");
  }
  xo.xo_close_list("rt-family");
  xo.xo_close_container("route-table");
  xo.xo_close_container("route-information");
}

function sa_family_of(sa: sockaddr): number {
  if ("sin_addr" in sa) return sa.sin_family;
  if ("sin6_addr" in sa) return sa.sin6_family;
  if ("sdl_index" in sa) return sa.sdl_family;
  if ("sg_data" in sa) return sa.sg_family;
  return sa.sa_family;
}

/** Column widths of one family's section, each followed by one space. */
interface rt_widths {
  dst: number;
  gw: number;
  flags: number;
  mtu: number;
  ifw: number;
  expire: number;
}

/** WID_DST_DEFAULT, WID_GW_DEFAULT, WID_IF_DEFAULT: IPv6 gets wider address columns with -n. */
function rt_widths_for(af: number, f: nflags): rt_widths {
  return {
    dst: af === AF_INET6 ? (f.numeric_addr ? 33 : 18) : 18,
    gw: af === AF_INET6 ? (f.numeric_addr ? 29 : 18) : 18,
    flags: 6,
    mtu: 6,
    ifw: af === AF_INET6 ? 8 : f.Wflag ? 10 : 8,
    expire: 6,
  };
}

function pr_rthdr(xo: xo_handle, w: rt_widths, f: nflags): void {
  if (f.Wflag) {
    xo.xo_emit(
      "{T:/%-*.*s} {T:/%-*.*s} {T:/%-*.*s} {T:/%*.*s} {T:/%*.*s} {T:/%*.*s} {T:/%*s}\n",
      w.dst, w.dst, "Destination", w.gw, w.gw, "Gateway", w.flags, w.flags, "Flags",
      w.mtu, w.mtu, "Nhop#", w.mtu, w.mtu, "Mtu", w.ifw, w.ifw, "Netif", w.expire, "Expire",
    );
    return;
  }
  xo.xo_emit(
    "{T:/%-*.*s} {T:/%-*.*s} {T:/%-*.*s} {T:/%*.*s} {T:/%*s}\n",
    w.dst, w.dst, "Destination", w.gw, w.gw, "Gateway", w.flags, w.flags, "Flags", w.ifw, w.ifw, "Netif", w.expire, "Expire",
  );
}

/** p_sockaddr: the address as the field `name`, in its column; returns how far it sticks out. */
function p_sockaddr(xo: xo_handle, name: string, cp: string, width: number, f: nflags): number {
  if (f.Wflag || f.numeric_addr) {
    xo.xo_emit(`{[:${-width}}{:${name}/%s}{]:} `, cp);
    return Math.max(0, cp.length - width);
  }
  xo.xo_emit(`{[:${-width}}{:${name}/%-.*s}{]:} `, width, cp);
  return 0;
}

/** getnameinfo(NI_NUMERICHOST) of an IPv6 sockaddr: the address, and "%zone" for a scoped one. */
function numeric6(sa: sockaddr_in6, ifmap: Map<number, string>): string {
  let s = inet_ntop6(sa.sin6_addr);
  if (sa.sin6_scope_id !== 0) s += `%${ifmap.get(sa.sin6_scope_id) ?? String(sa.sin6_scope_id)}`;
  return s;
}

/** Mask to length, as netname6 counts it (an illegal mask is reported and counted as far as it goes). */
function masklen6(mask: sockaddr_in6, ctx_err: (msg: string) => void): number {
  let len = 0;
  let illegal = false;
  for (const b of mask.sin6_addr.s6_addr) {
    let n = -1;
    for (let k = 0; k <= 8; k++) if (b === ((0xff00 >> k) & 0xff)) n = k;
    if (n < 0) illegal = true;
    else len += n;
  }
  if (illegal) ctx_err("illegal prefixlen\n");
  return len;
}

/** netname6: "default", or the address (masked) and "/len". */
function netname6(sa: sockaddr_in6, mask: sockaddr_in6 | null, ifmap: Map<number, string>, ctx_err: (msg: string) => void): string {
  let masklen = 128;
  let a = sa;
  if (mask !== null) {
    masklen = masklen6(mask, ctx_err);
    const c = new sockaddr_in6(sa.sin6_addr, 0, sa.sin6_scope_id);
    for (let i = 0; i < 16; i++) c.sin6_addr.s6_addr[i] &= mask.sin6_addr.s6_addr[i];
    a = c;
  }
  let zero = true;
  for (const b of a.sin6_addr.s6_addr) if (b !== 0) zero = false;
  if (masklen === 0 && zero) return "default";
  // No resolver: getnameinfo gives the numeric form, which gets the length.
  return `${numeric6(a, ifmap)}/${masklen}`;
}

/** fmt_sockaddr: a destination or gateway as the routing table shows it. */
function fmt_sockaddr(sa: sockaddr | null, mask: sockaddr | null, flags: number, f: nflags, ifmap: Map<number, string>, ctx_err: (msg: string) => void): string {
  if (sa === null) return "null";
  if ("sin_addr" in sa) {
    if ((flags & RTF_HOST) !== 0) return hostname4(sa.sin_addr, f.numeric_addr);
    if (mask !== null && "sin_addr" in mask) return netname4(sa.sin_addr, mask.sin_addr, f.numeric_addr);
    return netname4(sa.sin_addr, 0, f.numeric_addr);
  }
  if ("sin6_addr" in sa) {
    if ((flags & RTF_HOST) !== 0) return numeric6(sa, ifmap);
    return netname6(sa, mask !== null && "sin6_addr" in mask ? mask : null, ifmap, ctx_err);
  }
  if ("sdl_index" in sa) return link_name(sa.sdl_index, sa.sdl_type, sa.sdl_data, sa.sdl_lladdr);
  if ("sg_data" in sa) return sa.sg_data;
  return `(${sa_family_of(sa)})`;
}

function p_rtentry_sysctl(ctx: prog_ctx, name: string, m: rt_msg, w: rt_widths, f: nflags, ifmap: Map<number, string>): void {
  const xo = f.xo;
  const ctx_err = (msg: string) => ctx.stderr.write(`netstat: ${msg}`);
  xo.xo_open_instance(name);
  const dst = fmt_sockaddr(m.addr[RTAX_DST], m.addr[RTAX_NETMASK], m.rtm_flags, f, ifmap, ctx_err);
  const gw = fmt_sockaddr(m.addr[RTAX_GATEWAY], null, RTF_HOST, f, ifmap, ctx_err);
  let protrusion = p_sockaddr(xo, "destination", dst, w.dst, f);
  protrusion = p_sockaddr(xo, "gateway", gw, w.gw - protrusion, f);
  p_flags(xo, m.rtm_flags, `{[:${-Math.max(0, w.flags - protrusion)}}{:flags/%s}{]:} `);
  // The path's weight and kernel nexthop index, for the encodings only (as
  // FreeBSD 14's netstat gives them).
  xo.xo_emit("{e:weight/%u}{e:nhop-kidx/%u}", m.rmx_weight, m.rmx_nhidx);
  if (f.Wflag) {
    xo.xo_emit("{t:nhop/%*lu} ", w.mtu, m.rmx_nhidx);
    if (m.rmx_mtu !== 0) xo.xo_emit("{t:mtu/%*lu} ", w.mtu, m.rmx_mtu);
    else xo.xo_emit("{P:/%*s} ", w.mtu, "");
  }
  let prettyname = ifmap.get(m.rtm_index) ?? "";
  if (prettyname === "") prettyname = "---";
  if (f.Wflag) xo.xo_emit("{t:interface-name/%*s}", w.ifw, prettyname);
  else xo.xo_emit("{t:interface-name/%*.*s}", w.ifw, w.ifw, prettyname);
  if (m.rmx_expire > 0) xo.xo_emit(" {:expire-time/%*d}", w.expire, m.rmx_expire);
  xo.xo_emit("\n");
  xo.xo_close_instance(name);
}

// ---------------------------------------------------------------------------
// Interfaces (if.c's intpr).

/** humanize_number(3) with HN_AUTOSCALE | HN_NOSPACE | HN_DECIMAL into 5 bytes. */
function humanize(v: number, div1000: boolean): string {
  const divisor = div1000 ? 1000 : 1024;
  const units = ["", "K", "M", "G", "T", "P", "E"];
  let i = 0;
  let x = v;
  // Four characters of room: scale until the number fits.
  while (i < units.length - 1 && (x >= 1000 || (i === 0 && v >= 10000))) {
    x /= divisor;
    i++;
  }
  if (i === 0) return String(v);
  if (x < 9.95) return `${x.toFixed(1)}${units[i]}`;
  return `${Math.round(x)}${units[i]}`;
}

/** if.c's show_stat: one counter as the field `name` in its column, "-" when not shown. */
function show_stat(f: nflags, name: string, width: number, value: number, showvalue: boolean, div1000: boolean, lsep = "", rsep = " "): void {
  const xo = f.xo;
  if (!showvalue) {
    xo.xo_emit("{P:/%s}{D:/%*s}{P:/%s}", lsep, width, "-", rsep);
    return;
  }
  if (lsep !== "") xo.xo_emit(`{P:${lsep}}`);
  if (f.hflag) xo.xo_emit(`{:${name}/%${width}s}`, humanize(value, div1000));
  else xo.xo_emit(`{:${name}/%${width}lu}`, value);
  if (rsep !== "") xo.xo_emit(`{P:${rsep}}`);
}

function intpr(ctx: prog_ctx, kp: proc, f: nflags): void {
  const ifap = getifaddrs(kp).ifap;
  let ifn_len_max = 5;
  let net_len = 13;
  const addr_len = 17;
  const wanted = (ifa: ifaddrs_rec) => (f.interface === null || ifa.ifa_name === f.interface) && (f.af === AF_UNSPEC || ifa.family === f.af);
  if (f.Wflag) {
    for (const ifa of ifap) {
      if (!wanted(ifa)) continue;
      let l = ifa.ifa_name.length;
      if ((ifa.ifa_flags & IFF_UP) === 0) l++;
      ifn_len_max = Math.max(ifn_len_max, l);
    }
    net_len = 18;
  }
  const xo = f.xo;
  xo.xo_open_list("interface");
  xo.xo_emit("{T:/%-*.*s}", ifn_len_max, ifn_len_max, "Name");
  xo.xo_emit(" {T:/%5.5s} {T:/%-*.*s} {T:/%-*.*s} {T:/%8.8s} {T:/%5.5s} {T:/%5.5s}", "Mtu", net_len, net_len, "Network", addr_len, addr_len, "Address", "Ipkts", "Ierrs", "Idrop");
  if (f.bflag) xo.xo_emit(" {T:/%10.10s}", "Ibytes");
  xo.xo_emit(" {T:/%8.8s} {T:/%5.5s}", "Opkts", "Oerrs");
  if (f.bflag) xo.xo_emit(" {T:/%10.10s}", "Obytes");
  xo.xo_emit(" {T:/%5s}", "Coll");
  if (f.dflag) xo.xo_emit(" {T:/%5.5s}", "Drop");
  xo.xo_emit("\n");
  for (const ifa of ifap) {
    if (!wanted(ifa)) continue;
    xo.xo_open_instance("interface");
    const xname = (ifa.ifa_flags & IFF_UP) === 0 ? `${ifa.ifa_name}*` : ifa.ifa_name;
    xo.xo_emit("{d:/%-*.*s}{etk:name}{eq:flags/0x%x}", ifn_len_max, ifn_len_max, xname, ifa.ifa_name, ifa.ifa_flags);
    const d = ifa.ifa_data;
    show_stat(f, "mtu", 6, d.ifi_mtu, d.ifi_mtu !== 0, false);
    let network = false;
    let link = false;
    if (ifa.family === AF_INET) {
      const nn = netname4(ifa.addr, ifa.netmask, f.numeric_addr);
      const rn = hostname4(ifa.addr, f.numeric_addr);
      if (f.Wflag) {
        xo.xo_emit("{t:network/%-*s} ", net_len, nn);
        xo.xo_emit("{t:address/%-*s} ", addr_len, rn);
      } else {
        xo.xo_emit("{d:network/%-*.*s}{et:network} ", net_len, net_len, nn, nn);
        xo.xo_emit("{d:address/%-*.*s}{et:address} ", addr_len, addr_len, rn, rn);
      }
      network = true;
    } else {
      xo.xo_emit("{t:network/%-*.*s} ", net_len, net_len, `<Link#${ifa.sdl_index}>`);
      const ln = link_name(ifa.sdl_index, ifa.sdl_type, ifa.ifa_name, ifa.sdl_lladdr);
      xo.xo_emit("{t:address/%-*.*s} ", addr_len, addr_len, ln);
      link = true;
    }
    show_stat(f, "received-packets", 8, d.ifi_ipackets, link || network, true);
    show_stat(f, "received-errors", 5, d.ifi_ierrors, link, true);
    show_stat(f, "dropped-packets", 5, d.ifi_iqdrops, link, true);
    if (f.bflag) show_stat(f, "received-bytes", 10, d.ifi_ibytes, link || network, false);
    show_stat(f, "sent-packets", 8, d.ifi_opackets, link || network, true);
    show_stat(f, "send-errors", 5, d.ifi_oerrors, link, true);
    if (f.bflag) show_stat(f, "sent-bytes", 10, d.ifi_obytes, link || network, false);
    show_stat(f, "collisions", 5, d.ifi_collisions, link, true, "", "");
    if (f.dflag) show_stat(f, "dropped-packets", 5, d.ifi_oqdrops, link, true, " ", " ");
    xo.xo_emit("\n");
    xo.xo_close_instance("interface");
  }
  xo.xo_close_list("interface");
}

// ---------------------------------------------------------------------------
// mbuf.c's mbpr (netstat -m).

function mbpr(ctx: prog_ctx, kp: proc, f: nflags): void {
  const mtlp = memstat_mtl_alloc();
  if (memstat_sysctl_all(kp, mtlp) < 0) {
    ctx.stderr.write(`netstat: memstat_sysctl_all: ${memstat_strerror(memstat_mtl_geterror(mtlp))}\n`);
    return;
  }
  const mb = mbpr_zone(ctx, mtlp, "mbuf");
  if (mb === null) return;
  const pk = mbpr_zone(ctx, mtlp, "mbuf_packet");
  if (pk === null) return;
  const cl = mbpr_zone(ctx, mtlp, "mbuf_cluster");
  if (cl === null) return;
  const jp = mbpr_zone(ctx, mtlp, "mbuf_jumbo_page");
  if (jp === null) return;
  const j9 = mbpr_zone(ctx, mtlp, "mbuf_jumbo_9k");
  if (j9 === null) return;
  const j16 = mbpr_zone(ctx, mtlp, "mbuf_jumbo_16k");
  if (j16 === null) return;
  const K = (n: number) => Math.floor(n / 1024);
  const xo = f.xo;
  xo.xo_open_container("mbuf-statistics");
  xo.xo_emit("{:mbuf-current/%ju}/{:mbuf-cache/%ju}/{:mbuf-total/%ju} {N:mbufs in use (current\\/cache\\/total)}\n", mb.mt_count + pk.mt_count, mb.mt_free + pk.mt_free, mb.mt_count + pk.mt_count + mb.mt_free + pk.mt_free);
  xo.xo_emit("{:cluster-current/%ju}/{:cluster-cache/%ju}/{:cluster-total/%ju}/{:cluster-max/%ju} {N:mbuf clusters in use (current\\/cache\\/total\\/max)}\n", cl.mt_count - pk.mt_free, cl.mt_free + pk.mt_free, cl.mt_count + cl.mt_free, cl.mt_countlimit);
  xo.xo_emit("{:packet-count/%ju}/{:packet-free/%ju} {N:mbuf+clusters out of packet secondary zone in use (current\\/cache)}\n", pk.mt_count, pk.mt_free);
  xo.xo_emit("{:jumbo-count/%ju}/{:jumbo-cache/%ju}/{:jumbo-total/%ju}/{:jumbo-max/%ju} {:jumbo-page-size/%ju}{U:k} {N:(page size)} {N:jumbo clusters in use (current\\/cache\\/total\\/max)}\n", jp.mt_count, jp.mt_free, jp.mt_count + jp.mt_free, jp.mt_countlimit, K(jp.mt_size));
  xo.xo_emit("{:jumbo9-count/%ju}/{:jumbo9-cache/%ju}/{:jumbo9-total/%ju}/{:jumbo9-max/%ju} {N:9k jumbo clusters in use (current\\/cache\\/total\\/max)}\n", j9.mt_count, j9.mt_free, j9.mt_count + j9.mt_free, j9.mt_countlimit);
  xo.xo_emit("{:jumbo16-count/%ju}/{:jumbo16-cache/%ju}/{:jumbo16-total/%ju}/{:jumbo16-limit/%ju} {N:16k jumbo clusters in use (current\\/cache\\/total\\/max)}\n", j16.mt_count, j16.mt_free, j16.mt_count + j16.mt_free, j16.mt_countlimit);
  const bytes_inuse =
    mb.mt_count * mb.mt_size +
    pk.mt_count * pk.mt_size +
    pk.mt_count * cl.mt_size +
    (cl.mt_count - pk.mt_count - pk.mt_free) * cl.mt_size +
    jp.mt_count * jp.mt_size +
    j9.mt_count * j9.mt_size +
    j16.mt_count * j16.mt_size;
  const bytes_incache =
    mb.mt_free * mb.mt_size +
    pk.mt_free * mb.mt_size +
    pk.mt_free * cl.mt_size +
    cl.mt_free * cl.mt_size +
    jp.mt_free * jp.mt_size +
    j9.mt_free * j9.mt_size +
    j16.mt_free * j16.mt_size;
  xo.xo_emit("{:bytes-in-use/%ju}{U:K}/{:bytes-in-cache/%ju}{U:K}/{:bytes-total/%ju}{U:K} {N:bytes allocated to network (current\\/cache\\/total)}\n", K(bytes_inuse), K(bytes_incache), K(bytes_inuse + bytes_incache));
  xo.xo_emit("{:mbuf-failures/%ju}/{:cluster-failures/%ju}/{:packet-failures/%ju} {N:requests for mbufs denied (mbufs\\/clusters\\/mbuf+clusters)}\n", mb.mt_failures, cl.mt_failures, pk.mt_failures);
  xo.xo_emit("{:mbuf-sleeps/%ju}/{:cluster-sleeps/%ju}/{:packet-sleeps/%ju} {N:requests for mbufs delayed (mbufs\\/clusters\\/mbuf+clusters)}\n", mb.mt_sleeps, cl.mt_sleeps, pk.mt_sleeps);
  xo.xo_emit("{:jumbop-sleeps/%ju}/{:jumbo9-sleeps/%ju}/{:jumbo16-sleeps/%ju} {N:/requests for jumbo clusters delayed (%juk\\/9k\\/16k)}\n", jp.mt_sleeps, j9.mt_sleeps, j16.mt_sleeps, K(jp.mt_size));
  xo.xo_emit("{:jumbop-failures/%ju}/{:jumbo9-failures/%ju}/{:jumbo16-failures/%ju} {N:/requests for jumbo clusters denied (%juk\\/9k\\/16k)}\n", jp.mt_failures, j9.mt_failures, j16.mt_failures, K(jp.mt_size));
  // fetch_stats("kern.ipc.sfstat"): a failure ends the report.
  const sf = sysctlbyname(kp, "kern.ipc.sfstat");
  if (sf.error !== 0 || !Array.isArray(sf.value)) {
    ctx.stderr.write(`netstat: sysctl: kern.ipc.sfstat: ${strerror(sf.error)}\n`);
    xo.xo_close_container("mbuf-statistics");
    return;
  }
  const [syscalls, noiocnt, iocnt, pages_read, pages_valid, pages_bogus, rhpages_requested, rhpages_read, busy, allocfail, allocwait] = sf.value as readonly number[];
  xo.xo_emit("{:sendfile-syscalls/%ju} {N:sendfile syscalls}\n", syscalls);
  xo.xo_emit("{:sendfile-no-io/%ju} {N:sendfile syscalls completed without I\\/O request}\n", noiocnt);
  xo.xo_emit("{:sendfile-io-count/%ju} {N:requests for I\\/O initiated by sendfile}\n", iocnt);
  xo.xo_emit("{:sendfile-pages-sent/%ju} {N:pages read by sendfile as part of a request}\n", pages_read);
  xo.xo_emit("{:sendfile-pages-valid/%ju} {N:pages were valid at time of a sendfile request}\n", pages_valid);
  xo.xo_emit("{:sendfile-pages-bogus/%ju} {N:pages were valid and substituted to bogus page}\n", pages_bogus);
  xo.xo_emit("{:sendfile-requested-readahead/%ju} {N:pages were requested for read ahead by applications}\n", rhpages_requested);
  xo.xo_emit("{:sendfile-readahead/%ju} {N:pages were read ahead by sendfile}\n", rhpages_read);
  xo.xo_emit("{:sendfile-busy-encounters/%ju} {N:times sendfile encountered an already busy page}\n", busy);
  xo.xo_emit("{:sfbufs-alloc-failed/%ju} {N:requests for sfbufs denied}\n", allocfail);
  xo.xo_emit("{:sfbufs-alloc-wait/%ju} {N:requests for sfbufs delayed}\n", allocwait);
  xo.xo_close_container("mbuf-statistics");
}

/** memstat_mtl_find for one of the mbuf zones, with mbpr's warning. */
function mbpr_zone(ctx: prog_ctx, mtlp: memory_type_list, name: string): memory_type | null {
  const mtp = memstat_mtl_find(mtlp, ALLOCATOR_UMA, name);
  if (mtp === null) ctx.stderr.write(`netstat: memstat_mtl_find: zone ${name} not found\n`);
  return mtp;
}

// ---------------------------------------------------------------------------
// bpf.c: netstat -B, the bpf descriptors from net.bpf.stats (struct xbpf_d).

/** kern.proc.pid's ki_comm, or "??????" for a process gone. */
function bpf_pidname(ctx: prog_ctx, pid: number): string {
  const kip = kinfo_getallproc(ctx.p).procs.find((k) => k.ki_pid === pid);
  if (kip === undefined) {
    ctx.stderr.write(`netstat: kern.proc.pid failed: ${strerror(ESRCH)}\n`);
    return "??????";
  }
  return kip.ki_comm;
}

/** bpf_flags: the Flags column's letters; each set flag, and the direction, as encoding-only fields. */
function bpf_flags(xo: xo_handle, dv: DataView, off: number): string {
  const dir = dv.getInt32(off + XBPF.bd_direction, true);
  const promisc = dv.getUint8(off + XBPF.bd_promisc) !== 0;
  const immediate = dv.getUint8(off + XBPF.bd_immediate) !== 0;
  const hdrcmplt = dv.getInt32(off + XBPF.bd_hdrcmplt, true) !== 0;
  const feedback = dv.getInt32(off + XBPF.bd_feedback, true) !== 0;
  const async = dv.getInt32(off + XBPF.bd_async, true) !== 0;
  const locked = dv.getInt32(off + XBPF.bd_locked, true) !== 0;
  if (promisc) xo.xo_emit("{e:promiscuous/}");
  if (immediate) xo.xo_emit("{e:immediate/}");
  if (hdrcmplt) xo.xo_emit("{e:header-complete/}");
  xo.xo_emit("{e:direction}", dir === BPF_D_IN ? "input" : dir === BPF_D_OUT ? "output" : "bidirectional");
  if (feedback) xo.xo_emit("{e:feedback/}");
  if (async) xo.xo_emit("{e:async/}");
  if (locked) xo.xo_emit("{e:locked/}");
  return (
    (promisc ? "p" : "-") +
    (immediate ? "i" : "-") +
    (hdrcmplt ? "-" : "f") +
    (dir === BPF_D_IN ? "-" : dir === BPF_D_OUT ? "o" : "s") +
    (feedback ? "b" : "-") +
    (async ? "a" : "-") +
    (locked ? "l" : "-")
  );
}

function bpf_stats(ctx: prog_ctx, f: nflags, ifname: string | null, zflag: boolean): void {
  if (zflag) {
    const z = sysctlbyname(ctx.p, "net.bpf.stats", new Array<number>(XBPF_D_SIZE).fill(0));
    if (z.error !== 0) ctx.stderr.write(`netstat: failed to zero bpf counters: ${strerror(z.error)}\n`);
    return;
  }
  const r = sysctlbyname(ctx.p, "net.bpf.stats");
  if (r.error !== 0 || !Array.isArray(r.value)) {
    ctx.stderr.write(`netstat: net.bpf.stats: ${strerror(r.error)}\n`);
    return;
  }
  const bytes = Uint8Array.from(r.value as readonly number[]);
  if (bytes.length === 0) return;
  const dv = new DataView(bytes.buffer);
  const xo = f.xo;
  xo.xo_emit("{T:/%5s} {T:/%6s} {T:/%7s} {T:/%9s} {T:/%9s} {T:/%9s} {T:/%5s} {T:/%5s} {T:/%s}\n", "Pid", "Netif", "Flags", "Recv", "Drop", "Match", "Sblen", "Hblen", "Command");
  xo.xo_open_container("bpf-statistics");
  xo.xo_open_list("bpf-entry");
  for (let off = 0; off + XBPF_D_SIZE <= bytes.length; off += XBPF_D_SIZE) {
    if (dv.getUint32(off + XBPF.bd_structsize, true) !== XBPF_D_SIZE) {
      ctx.stderr.write("netstat: bpf_stats_extended: version mismatch\n");
      return;
    }
    const name = bytes.subarray(off + XBPF.bd_ifname, off + XBPF.bd_ifname + 16);
    const nul = name.indexOf(0);
    const d_ifname = String.fromCharCode(...name.subarray(0, nul < 0 ? 16 : nul));
    if (ifname !== null && ifname !== d_ifname) continue;
    xo.xo_open_instance("bpf-entry");
    const pid = dv.getInt32(off + XBPF.bd_pid, true);
    const pname = bpf_pidname(ctx, pid);
    xo.xo_emit("{k:pid/%5d} {k:interface-name/%6s} ", pid, d_ifname);
    const flagbuf = bpf_flags(xo, dv, off);
    xo.xo_emit(
      "{d:flags/%7s} {:received-packets/%9ju} {:dropped-packets/%9ju} {:filter-packets/%9ju} {:store-buffer-length/%5d} {:hold-buffer-length/%5d} {:process/%s}\n",
      flagbuf,
      dv.getBigUint64(off + XBPF.bd_rcount, true),
      dv.getBigUint64(off + XBPF.bd_dcount, true),
      dv.getBigUint64(off + XBPF.bd_fcount, true),
      dv.getInt32(off + XBPF.bd_slen, true),
      dv.getInt32(off + XBPF.bd_hlen, true),
      pname,
    );
    xo.xo_close_instance("bpf-entry");
  }
  xo.xo_close_list("bpf-entry");
  xo.xo_close_container("bpf-statistics");
}

// ---------------------------------------------------------------------------
// inet6.c's icmp6_stats: struct icmp6stat from net.inet6.icmp6.stats.

/** icmp6names: the histogram labels by ICMPv6 type ("#n" for the unnamed,
 *  with inet6.c's two misprints, "#80" for 90 and "#180" for 190). */
const icmp6names: readonly string[] = (() => {
  const n: string[] = [];
  for (let i = 0; i < 256; i++) n.push(`#${i}`);
  n[0] = "#0";
  n[1] = "unreach";
  n[2] = "packet too big";
  n[3] = "time exceed";
  n[4] = "parameter problem";
  n[90] = "#80";
  const named = [
    "echo",
    "echo reply",
    "multicast listener query",
    "MLDv1 listener report",
    "MLDv1 listener done",
    "router solicitation",
    "router advertisement",
    "neighbor solicitation",
    "neighbor advertisement",
    "redirect",
    "router renumbering",
    "node information request",
    "node information reply",
    "inverse neighbor solicitation",
    "inverse neighbor advertisement",
    "MLDv2 listener report",
  ];
  for (let i = 0; i < named.length; i++) n[128 + i] = named[i];
  n[190] = "#180";
  return n;
})();

function icmp6_stats(ctx: prog_ctx, f: nflags, name: string): void {
  const s = stat_fetch(ctx, f, "net.inet6.icmp6.stats");
  if (s === null) return;
  const v = (i: number): number => s[i] ?? 0;
  const xo = f.xo;
  xo.xo_emit("{T:/%s}:\n", name);
  xo.xo_open_container(name);
  const show = (n: number) => n !== 0 || f.sflag <= 1;
  const p = (i: number, m: string) => {
    if (show(v(i))) xo.xo_emit(m, v(i), plural(v(i)));
  };
  const p_5 = (i: number, m: string) => {
    if (show(v(i))) xo.xo_emit(m, v(i));
  };
  const hist = (list: string, title: string, base: number) => {
    let first = true;
    for (let t = 0; t < 256; t++) {
      if (v(base + t) === 0) continue;
      if (first) {
        xo.xo_open_list(list);
        xo.xo_emit(`\t{T:${title}}:\n`);
        first = false;
      }
      xo.xo_open_instance(list);
      xo.xo_emit("\t\t{k:name/%s}: {:count/%ju}\n", icmp6names[t], v(base + t));
      xo.xo_close_instance(list);
    }
    if (!first) xo.xo_close_list(list);
  };
  p(icp6s_error, "\t{:icmp6-calls/%ju} {N:/call%s to icmp6_error}\n");
  p(icp6s_canterror, "\t{:errors-not-generated-from-message/%ju} {N:/error%s not generated in response to an icmp6 message}\n");
  p(icp6s_toofreq, "\t{:errors-discarded-by-rate-limitation/%ju} {N:/error%s not generated because of rate limitation}\n");
  hist("output-histogram", "Output histogram", icp6s_outhist);
  p(icp6s_badcode, "\t{:dropped-bad-code/%ju} {N:/message%s with bad code fields}\n");
  p(icp6s_tooshort, "\t{:dropped-too-short/%ju} {N:/message%s < minimum length}\n");
  p(icp6s_checksum, "\t{:dropped-bad-checksum/%ju} {N:/bad checksum%s}\n");
  p(icp6s_badlen, "\t{:dropped-bad-length/%ju} {N:/message%s with bad length}\n");
  hist("input-histogram", "Input histogram", icp6s_inhist);
  xo.xo_emit("\t{T:Histogram of error messages to be generated}:\n");
  xo.xo_open_container("errors");
  const e = icp6s_outerrhist;
  p_5(e + icp6errs_dst_unreach_noroute, "\t\t{:no-route/%ju} {N:/no route}\n");
  p_5(e + icp6errs_dst_unreach_admin, "\t\t{:admin-prohibited/%ju} {N:/administratively prohibited}\n");
  p_5(e + icp6errs_dst_unreach_beyondscope, "\t\t{:beyond-scope/%ju} {N:/beyond scope}\n");
  p_5(e + icp6errs_dst_unreach_addr, "\t\t{:address-unreachable/%ju} {N:/address unreachable}\n");
  p_5(e + icp6errs_dst_unreach_noport, "\t\t{:port-unreachable/%ju} {N:/port unreachable}\n");
  p_5(e + icp6errs_packet_too_big, "\t\t{:packet-too-big/%ju} {N:/packet too big}\n");
  p_5(e + icp6errs_time_exceed_transit, "\t\t{:time-exceed-transmit/%ju} {N:/time exceed transit}\n");
  p_5(e + icp6errs_time_exceed_reassembly, "\t\t{:time-exceed-reassembly/%ju} {N:/time exceed reassembly}\n");
  p_5(e + icp6errs_paramprob_header, "\t\t{:bad-header/%ju} {N:/erroneous header field}\n");
  p_5(e + icp6errs_paramprob_nextheader, "\t\t{:bad-next-header/%ju} {N:/unrecognized next header}\n");
  p_5(e + icp6errs_paramprob_option, "\t\t{:bad-option/%ju} {N:/unrecognized option}\n");
  p_5(e + icp6errs_redirect, "\t\t{:redirects/%ju} {N:/redirect}\n");
  p_5(e + icp6errs_unknown, "\t\t{:unknown/%ju} {N:unknown}\n");
  // FreeBSD 14 emits these inside the "errors" container too (it closes it after them).
  p(icp6s_reflect, "\t{:reflect/%ju} {N:/message response%s generated}\n");
  p(icp6s_nd_toomanyopt, "\t{:too-many-nd-options/%ju} {N:/message%s with too many ND options}\n");
  p(icp6s_nd_badopt, "\t{:bad-nd-options/%ju} {N:/message%s with bad ND options}\n");
  p(icp6s_badns, "\t{:bad-neighbor-solicitation/%ju} {N:/bad neighbor solicitation message%s}\n");
  p(icp6s_badna, "\t{:bad-neighbor-advertisement/%ju} {N:/bad neighbor advertisement message%s}\n");
  p(icp6s_badrs, "\t{:bad-router-solicitation/%ju} {N:/bad router solicitation message%s}\n");
  p(icp6s_badra, "\t{:bad-router-advertisement/%ju} {N:/bad router advertisement message%s}\n");
  p(icp6s_badredirect, "\t{:bad-redirect/%ju} {N:/bad redirect message%s}\n");
  p(icp6s_overflowdefrtr, "\t{:default-routers-overflows/%ju} {N:/default routers overflow%s}\n");
  p(icp6s_overflowprfx, "\t{:prefixes-overflows/%ju} {N:/prefix overflow%s}\n");
  p(icp6s_overflownndp, "\t{:neighbour-entries-overflows/%ju} {N:/neighbour entries overflow%s}\n");
  p(icp6s_overflowredirect, "\t{:redirect-overflows/%ju} {N:/redirect overflow%s}\n");
  p(icp6s_invlhlim, "\t{:dropped-invalid-hop-limit/%ju} {N:/message%s with invalid hop limit}\n");
  xo.xo_close_container("errors");
  p(icp6s_pmtuchg, "\t{:path-mtu-changes/%ju} {N:/path MTU change%s}\n");
  xo.xo_close_container(name);
}
