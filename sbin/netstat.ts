// usr.bin/netstat (main.c, route.c, if.c, inet.c, mbuf.c): netstat(1) as
// FreeBSD 14 prints it.  The socket list (UDP and raw IP PCBs, -a, -n,
// -p, -f), -r (routing tables, -n, -W, -4, -F fib), -rs, -s [-s] [-z]
// [-p proto] (udp, ip, icmp, arp statistics), -i / -I IF [-W] [-b] [-d]
// [-h] [-f link|inet], -m (mbuf zones), -B [-z] [-I IF] (bpf descriptors).  The kernel is read through system
// calls only: sysctl (the *stat structures), the route dump, the PCB lists,
// getifaddrs and the mbuf zone statistics.

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
import { XINPCB_LEN, XINPGEN_LEN, XI_FADDR, XI_FADDR6, XI_FLAGS, XI_FPORT, XI_LADDR, XI_LADDR6, XI_LPORT, XI_PROTOCOL, XI_RCV_CC, XI_SND_CC, XI_VFLAG } from "../netinet/in_pcb.ts";
import type { proc } from "../kern/uipc_syscalls.ts";
import { AF_INET, AF_LINK, PF_ROUTE, SOCK_DGRAM } from "../kern/socket.ts";
import { IFF_UP } from "../net/if.ts";
import { RTAX_DST, RTAX_GATEWAY, RTAX_MAX, RTAX_NETMASK, RTF_BLACKHOLE, RTF_BROADCAST, RTF_DONE, RTF_DYNAMIC, RTF_GATEWAY, RTF_HOST, RTF_MODIFIED, RTF_PROTO1, RTF_PROTO2, RTF_PROTO3, RTF_REJECT, RTF_STATIC, RTF_UP, RTF_XRESOLVE } from "../net/route.ts";
import { IN_CLASSA, IN_CLASSA_NET, IN_CLASSB, IN_CLASSB_NET, IN_CLASSC_NET, IPPROTO_ICMP, IPPROTO_IGMP, IPPROTO_RAW, IPPROTO_TCP, IPPROTO_UDP, inet_ntoa } from "../netinet/in.ts";
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
import { TF_NEEDFIN, TF_NEEDSYN, XTCPCB_EXTRA, XT_2MSL, XT_DELACK, XT_FLAGS, XT_KEEP, XT_PERSIST, XT_RCVTIME, XT_RCV_HIWAT, XT_RCV_LOWAT, XT_RCV_MBCNT, XT_RCV_MBMAX, XT_REXMT, XT_SND_HIWAT, XT_SND_LOWAT, XT_SND_MBCNT, XT_SND_MBMAX, XT_STATE, tcpstat_names } from "../netinet/tcp_var.ts";
import { TCPS_LISTEN, TCP_NSTATES, tcpstates } from "../netinet/tcp_fsm.ts";
import { NI_NUMERICHOST, getnameinfo, getopt, prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import { getnetbyaddr, getservbyport, gethostbyaddr, hostname4, link_name, ljust, rjust } from "./netdb.ts";
import {
  SIOCGIFSTAT_IN6,
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

// ---------------------------------------------------------------------------
// The protocol table (main.c's protox, ip6protox, pfkeyprotox): which names
// -p knows, and which have a statistics routine.

type stats_fn = (ctx: prog_ctx, f: nflags, name: string) => void;

interface protox {
  name: string;
  stats: stats_fn | null;
  /** The protocol whose PCBs protopr lists (pr_protocol), or null when the
   *  kernel has no PCB list for it (TCP, SCTP, divert, IPv6). */
  pcb: number | null;
  /** pr_istats: per-interface statistics (-s -I IF), for IPv6. */
  istats?: (ctx: prog_ctx, f: nflags, ifname: string) => void;
}

function make_protox(): { inet: protox[]; inet6: protox[]; pfkey: protox[] } {
  return {
    inet: [
      { name: "tcp", stats: tcp_stats, pcb: IPPROTO_TCP },
      { name: "udp", stats: udp_stats, pcb: IPPROTO_UDP },
      { name: "sctp", stats: absent_stats("net.inet.sctp.stats"), pcb: null },
      { name: "divert", stats: null, pcb: null },
      { name: "ip", stats: ip_stats, pcb: IPPROTO_RAW },
      { name: "icmp", stats: icmp_stats, pcb: IPPROTO_ICMP },
      { name: "igmp", stats: absent_stats("net.inet.igmp.stats"), pcb: IPPROTO_IGMP },
      { name: "ipsec", stats: absent_stats("net.inet.ipsec.ipsecstats"), pcb: null },
      { name: "ah", stats: absent_stats("net.inet.ah.stats"), pcb: null },
      { name: "esp", stats: absent_stats("net.inet.esp.stats"), pcb: null },
      { name: "ipcomp", stats: absent_stats("net.inet.ipcomp.stats"), pcb: null },
      { name: "pim", stats: absent_stats("net.inet.pim.stats"), pcb: IPPROTO_PIM },
      { name: "carp", stats: absent_stats("net.inet.carp.stats"), pcb: null },
      { name: "pfsync", stats: absent_stats("net.pfsync.stats"), pcb: null },
      { name: "arp", stats: arp_stats, pcb: null },
    ],
    inet6: [
      { name: "tcp", stats: tcp_stats, pcb: IPPROTO_TCP },
      { name: "udp", stats: udp_stats, pcb: IPPROTO_UDP },
      { name: "ip6", stats: ip6_stats, pcb: null, istats: ip6_ifstats },
      { name: "icmp6", stats: icmp6_stats, pcb: null },
      { name: "ipsec6", stats: absent_stats("net.inet6.ipsec6.ipsecstats"), pcb: null },
      { name: "rip6", stats: rip6_stats, pcb: null },
    ],
    pfkey: [{ name: "pfkey", stats: absent_stats("net.key.stats"), pcb: null }],
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
    const { opts, optind } = getopt(ctx, "46AaBbCcdF:f:ghI:iLlM:mN:nOoPp:Qq:RrSTsuWw:xz", () => usage(ctx));
    const f: nflags = { af: AF_UNSPEC, aflag: false, first: true, numeric_addr: false, Wflag: false, sflag: 0, zflag: false, bflag: false, dflag: false, hflag: false, interface: null };
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
    if (optind < ctx.argv.length || unsupported) usage(ctx);

    if (Bflag) {
      bpf_stats(ctx, f.interface, f.zflag);
      return 0;
    }
    if (mflag) {
      mbpr(ctx, kp);
      return 0;
    }
    if (iflag && f.sflag === 0) {
      intpr(ctx, kp, f);
      return 0;
    }
    if (rflag) {
      if (f.sflag > 0) rt_stats(ctx, kp, f);
      else routepr(ctx, kp, f, fib);
      return 0;
    }
    const all = (list: protox[]) => {
      for (const tp of list) printproto(ctx, kp, f, tp, false, iflag);
    };
    if (pname !== null) {
      const tp = [...tables.inet, ...tables.inet6, ...tables.pfkey].find((t) => t.name === pname);
      if (tp !== undefined) printproto(ctx, kp, f, tp, true, iflag);
      return 0;
    }
    if (f.af === AF_INET || f.af === AF_UNSPEC) all(tables.inet);
    if (f.af === AF_INET6 || f.af === AF_UNSPEC) all(tables.inet6);
    if (f.af === 27 || f.af === AF_UNSPEC) all(tables.pfkey);
    return 0;
  });

  function printproto(c: prog_ctx, kp: proc, f: nflags, tp: protox, pflag: boolean, iflag: boolean): void {
    if (f.sflag > 0) {
      // Per-interface statistics (pr_istats): only some IPv6 protocols
      // have them; for every interface, or the one of -I.
      if (iflag) {
        const istats = tp.istats;
        if (istats === undefined) {
          if (pflag) c.stdout.write(`${tp.name}: no per-interface stats routine\n`);
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
        if (pflag) c.stdout.write(`${tp.name}: no stats routine\n`);
        return;
      }
      tp.stats(c, f, tp.name);
      return;
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

/** inetprint: address.port in its 22-column field. */
function inetprint(a: number, port: number, proto: string, num_port: boolean, f: nflags): string {
  let line = f.Wflag ? `${inetname(a, f)}.` : `${inetname(a, f).slice(0, 16)}.`;
  const sp = !num_port && port !== 0 ? getservbyport(port, proto) : null;
  if (sp !== null || port === 0) line += `${(sp ?? "*").slice(0, 15)} `;
  else line += `${port} `;
  const width = !f.Wflag || f.af === AF_INET ? 22 : 45;
  return f.Wflag ? `${line.padEnd(width)} ` : `${ljust(line, width, width)} `;
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

/** inet6print: address.port in its 22-column field (45 with -W). */
function inet6print(kp: proc, a: Uint8Array, port: number, proto: string, numeric: boolean, f: nflags): string {
  let line = `${inet6name(kp, a, f).slice(0, f.Wflag ? 39 : 16)}.`;
  const sp = !numeric && port !== 0 ? getservbyport(port, proto) : null;
  if (sp !== null || port === 0) line += (sp ?? "*").slice(0, 15);
  else line += String(port);
  const width = f.Wflag ? 45 : 22;
  return `${ljust(line, width, width)} `;
}

/** One struct xinpcb of a pcblist sysctl. */
interface xinpcb {
  xso_protocol: number;
  inp_vflag: number;
  inp_flags: number;
  inp_laddr: number;
  inp_lport: number;
  inp_faddr: number;
  inp_fport: number;
  so_rcv_cc: number;
  so_snd_cc: number;
  in6p_laddr: Uint8Array;
  in6p_faddr: Uint8Array;
  /** TCP's xtcpcb words after the xinpcb (XT_ offsets), or null. */
  xt: readonly number[] | null;
}

/** Four network-order words as 16 bytes. */
function words6(w: readonly number[], o: number): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const v = w[o + i] >>> 0;
    b[4 * i] = v >>> 24;
    b[4 * i + 1] = (v >>> 16) & 0xff;
    b[4 * i + 2] = (v >>> 8) & 0xff;
    b[4 * i + 3] = v & 0xff;
  }
  return b;
}

/** net.inet.{udp,raw}.pcblist: the xinpgen header, then the records. */
function pcblist(kp: proc, mibvar: string): xinpcb[] {
  const r = sysctlbyname(kp, mibvar);
  const out: xinpcb[] = [];
  if (r.error !== 0 || !Array.isArray(r.value)) return out;
  const w = r.value as readonly number[];
  for (let o = XINPGEN_LEN; o + XINPCB_LEN <= w.length; o += XINPCB_LEN) out.push(xinpcb_at(w, o));
  return out;
}

/** The xinpcb record at word o. */
function xinpcb_at(w: readonly number[], o: number): xinpcb {
  return {
    xso_protocol: w[o + XI_PROTOCOL],
    inp_vflag: w[o + XI_VFLAG],
    inp_flags: w[o + XI_FLAGS],
    inp_laddr: w[o + XI_LADDR],
    inp_lport: w[o + XI_LPORT],
    inp_faddr: w[o + XI_FADDR],
    inp_fport: w[o + XI_FPORT],
    so_rcv_cc: w[o + XI_RCV_CC],
    so_snd_cc: w[o + XI_SND_CC],
    in6p_laddr: words6(w, o + XI_LADDR6),
    in6p_faddr: words6(w, o + XI_FADDR6),
    xt: null,
  };
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
  const list = istcp ? tcp_pcblist(kp) : pcblist(kp, proto === IPPROTO_UDP ? "net.inet.udp.pcblist" : "net.inet.raw.pcblist");
  const xflag = f.xflag === true;
  let o = "";
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
      o += `Active Internet connections${f.aflag ? " (including servers)" : ""}\n`;
      const w = !f.Wflag || af1 === AF_INET ? 22 : 45;
      o += `${ljust("Proto", 5, 5)} ${ljust("Recv-Q", 6, 6)} ${ljust("Send-Q", 6, 6)} ${ljust("Local Address", w, w)} ${ljust("Foreign Address", w, w)}`;
      if (!xflag) o += ` ${ljust("(state)", 11, 11)}`;
      else {
        o += ` ${["R-MBUF", "S-MBUF", "R-CLUS", "S-CLUS", "R-HIWA", "S-HIWA", "R-LOWA", "S-LOWA", "R-BCNT", "S-BCNT", "R-BMAX", "S-BMAX"].map((h) => ljust(h, 6, 6)).join(" ")}`;
        o += ` ${["rexmt", "persist", "keep", "2msl", "delack", "rcvtime"].map((h) => rjust(h, 7, 7)).join(" ")}`;
      }
      o += "\n";
      f.first = false;
    }
    const vchar = v6 ? (v4 ? "46" : "6 ") : v4 ? "4 " : "  ";
    o += `${ljust(name, 3, 3)}${ljust(vchar, 2, 2)} `;
    o += `${String(inp.so_rcv_cc).padStart(6)} ${String(inp.so_snd_cc).padStart(6)} `;
    // -n shows ports as numbers; so does an ephemeral local port; the
    // remote one is named unless it equals the local one.  A socket that
    // takes IPv4 is shown with its IPv4 addresses.
    const lnum = f.numeric_addr || (inp.inp_flags & INP_ANONPORT) !== 0;
    const fnum = f.numeric_addr || ((inp.inp_flags & INP_ANONPORT) === 0 && inp.inp_lport !== inp.inp_fport);
    if (v4) {
      o += inetprint(inp.inp_laddr, inp.inp_lport, name, lnum, f);
      o += inetprint(inp.inp_faddr, inp.inp_fport, name, fnum, f);
    } else if (v6) {
      o += inet6print(kp, inp.in6p_laddr, inp.inp_lport, name, lnum, f);
      o += inet6print(kp, inp.in6p_faddr, inp.inp_fport, name, fnum, f);
    }
    const xt = inp.xt;
    if (xflag && xt !== null) {
      // R-MBUF .. S-CLUS: FreeBSD 14's kernel no longer counts mbufs and
      // clusters per buffer (xsockbuf's spares), so they read 0 there too.
      const cols = [0, 0, 0, 0, xt[XT_RCV_HIWAT], xt[XT_SND_HIWAT], xt[XT_RCV_LOWAT], xt[XT_SND_LOWAT], xt[XT_RCV_MBCNT], xt[XT_SND_MBCNT], xt[XT_RCV_MBMAX], xt[XT_SND_MBMAX]];
      o += cols.map((v) => String(v >>> 0).padStart(6)).join(" ");
      if (istcp) {
        const ms = (v: number) => `${String(Math.trunc(v / 1000)).padStart(4)}.${String(Math.trunc((v % 1000) / 10)).padStart(2, "0")}`;
        o += ` ${[xt[XT_REXMT], xt[XT_PERSIST], xt[XT_KEEP], xt[XT_2MSL], xt[XT_DELACK], xt[XT_RCVTIME]].map(ms).join(" ")}`;
      }
    }
    if (istcp && !xflag && xt !== null) {
      const state = xt[XT_STATE];
      if (state < 0 || state >= TCP_NSTATES) o += String(state).padEnd(11);
      else {
        o += tcpstates[state].padEnd(11);
        // T/TCP's hidden state.
        if ((xt[XT_FLAGS] & (TF_NEEDSYN | TF_NEEDFIN)) !== 0) o += "*";
      }
    }
    o += "\n";
  }
  ctx.stdout.write(o);
}

/** net.inet.tcp.pcblist: xinpcb records each followed by the xtcpcb words. */
function tcp_pcblist(kp: proc): xinpcb[] {
  const r = sysctlbyname(kp, "net.inet.tcp.pcblist");
  const out: xinpcb[] = [];
  if (r.error !== 0 || !Array.isArray(r.value)) return out;
  const w = r.value as readonly number[];
  const len = XINPCB_LEN + XTCPCB_EXTRA;
  for (let o = XINPGEN_LEN; o + len <= w.length; o += len) {
    out.push({ ...xinpcb_at(w, o), xt: w.slice(o + XINPCB_LEN, o + len) });
  }
  return out;
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
  let o = `${name}:\n`;
  // p: "%ju thing%s"; p1a: no plural; p2: two counts, two plurals;
  // p2a: two counts, the first plural; p3: "entr%s" (y/ies).
  const p = (n: string, m: (x: number, s: string) => string) => {
    const x = c(n);
    if (show(x)) o += m(x, plural(x));
  };
  const p1a = (n: string, m: (x: number) => string) => {
    const x = c(n);
    if (show(x)) o += m(x);
  };
  const p2 = (n1: string, n2: string, m: (x: number, s: string, y: number, t: string) => string) => {
    const x = c(n1);
    const y = c(n2);
    if (show(x, y)) o += m(x, plural(x), y, plural(y));
  };
  const p2a = (n1: string, n2: string, m: (x: number, s: string, y: number) => string) => {
    const x = c(n1);
    const y = c(n2);
    if (show(x, y)) o += m(x, plural(x), y);
  };
  const p3 = (n: string, m: (x: number, s: string) => string) => {
    const x = c(n);
    if (show(x)) o += m(x, pluralies(x));
  };
  p("tcps_sndtotal", (x, s) => `\t${x} packet${s} sent\n`);
  p2("tcps_sndpack", "tcps_sndbyte", (x, s, y, t) => `\t\t${x} data packet${s} (${y} byte${t})\n`);
  p2("tcps_sndrexmitpack", "tcps_sndrexmitbyte", (x, s, y, t) => `\t\t${x} data packet${s} (${y} byte${t}) retransmitted\n`);
  p("tcps_sndrexmitbad", (x, s) => `\t\t${x} data packet${s} unnecessarily retransmitted\n`);
  p("tcps_mturesent", (x, s) => `\t\t${x} resend${s} initiated by MTU discovery\n`);
  p2a("tcps_sndacks", "tcps_delack", (x, s, y) => `\t\t${x} ack-only packet${s} (${y} delayed)\n`);
  p("tcps_sndurg", (x, s) => `\t\t${x} URG only packet${s}\n`);
  p("tcps_sndprobe", (x, s) => `\t\t${x} window probe packet${s}\n`);
  p("tcps_sndwinup", (x, s) => `\t\t${x} window update packet${s}\n`);
  p("tcps_sndctrl", (x, s) => `\t\t${x} control packet${s}\n`);
  p("tcps_rcvtotal", (x, s) => `\t${x} packet${s} received\n`);
  p2("tcps_rcvackpack", "tcps_rcvackbyte", (x, s, y, t) => `\t\t${x} ack${s} (for ${y} byte${t})\n`);
  p("tcps_rcvdupack", (x, s) => `\t\t${x} duplicate ack${s}\n`);
  p("tcps_rcvacktoomuch", (x, s) => `\t\t${x} ack${s} for unsent data\n`);
  p2("tcps_rcvpack", "tcps_rcvbyte", (x, s, y, t) => `\t\t${x} packet${s} (${y} byte${t}) received in-sequence\n`);
  p2("tcps_rcvduppack", "tcps_rcvdupbyte", (x, s, y, t) => `\t\t${x} completely duplicate packet${s} (${y} byte${t})\n`);
  p("tcps_pawsdrop", (x, s) => `\t\t${x} old duplicate packet${s}\n`);
  p2("tcps_rcvpartduppack", "tcps_rcvpartdupbyte", (x, s, y, t) => `\t\t${x} packet${s} with some dup. data (${y} byte${t} duped)\n`);
  p2("tcps_rcvoopack", "tcps_rcvoobyte", (x, s, y, t) => `\t\t${x} out-of-order packet${s} (${y} byte${t})\n`);
  p2("tcps_rcvpackafterwin", "tcps_rcvbyteafterwin", (x, s, y, t) => `\t\t${x} packet${s} (${y} byte${t}) of data after window\n`);
  p("tcps_rcvwinprobe", (x, s) => `\t\t${x} window probe${s}\n`);
  p("tcps_rcvwinupd", (x, s) => `\t\t${x} window update packet${s}\n`);
  p("tcps_rcvafterclose", (x, s) => `\t\t${x} packet${s} received after close\n`);
  p("tcps_rcvbadsum", (x, s) => `\t\t${x} discarded for bad checksum${s}\n`);
  p("tcps_rcvbadoff", (x, s) => `\t\t${x} discarded for bad header offset field${s}\n`);
  p1a("tcps_rcvshort", (x) => `\t\t${x} discarded because packet too short\n`);
  p1a("tcps_rcvreassfull", (x) => `\t\t${x} discarded due to full reassembly queue\n`);
  p("tcps_connattempt", (x, s) => `\t${x} connection request${s}\n`);
  p("tcps_accepts", (x, s) => `\t${x} connection accept${s}\n`);
  p("tcps_badsyn", (x, s) => `\t${x} bad connection attempt${s}\n`);
  p("tcps_listendrop", (x, s) => `\t${x} listen queue overflow${s}\n`);
  p("tcps_badrst", (x, s) => `\t${x} ignored RSTs in the window${s}\n`);
  p("tcps_connects", (x, s) => `\t${x} connection${s} established (including accepts)\n`);
  p("tcps_usedrtt", (x, s) => `\t\t${x} time${s} used RTT from hostcache\n`);
  p("tcps_usedrttvar", (x, s) => `\t\t${x} time${s} used RTT variance from hostcache\n`);
  p("tcps_usedssthresh", (x, s) => `\t\t${x} time${s} used slow-start threshold from hostcache\n`);
  p2("tcps_closed", "tcps_drops", (x, s, y, t) => `\t${x} connection${s} closed (including ${y} drop${t})\n`);
  p("tcps_cachedrtt", (x, s) => `\t\t${x} connection${s} updated cached RTT on close\n`);
  p("tcps_cachedrttvar", (x, s) => `\t\t${x} connection${s} updated cached RTT variance on close\n`);
  p("tcps_cachedssthresh", (x, s) => `\t\t${x} connection${s} updated cached ssthresh on close\n`);
  p("tcps_conndrops", (x, s) => `\t${x} embryonic connection${s} dropped\n`);
  p2("tcps_rttupdated", "tcps_segstimed", (x, s, y, t) => `\t${x} segment${s} updated rtt (of ${y} attempt${t})\n`);
  p("tcps_rexmttimeo", (x, s) => `\t${x} retransmit timeout${s}\n`);
  p("tcps_timeoutdrop", (x, s) => `\t\t${x} connection${s} dropped by rexmit timeout\n`);
  p("tcps_persisttimeo", (x, s) => `\t${x} persist timeout${s}\n`);
  p("tcps_persistdrop", (x, s) => `\t\t${x} connection${s} dropped by persist timeout\n`);
  p("tcps_finwait2_drops", (x, s) => `\t${x} Connection${s} (fin_wait_2) dropped because of timeout\n`);
  p("tcps_keeptimeo", (x, s) => `\t${x} keepalive timeout${s}\n`);
  p("tcps_keepprobe", (x, s) => `\t\t${x} keepalive probe${s} sent\n`);
  p("tcps_keepdrops", (x, s) => `\t\t${x} connection${s} dropped by keepalive\n`);
  p("tcps_predack", (x, s) => `\t${x} correct ACK header prediction${s}\n`);
  p("tcps_preddat", (x, s) => `\t${x} correct data packet header prediction${s}\n`);
  p3("tcps_sc_added", (x, s) => `\t${x} syncache entr${s} added\n`);
  p1a("tcps_sc_retransmitted", (x) => `\t\t${x} retransmitted\n`);
  p1a("tcps_sc_dupsyn", (x) => `\t\t${x} dupsyn\n`);
  p1a("tcps_sc_dropped", (x) => `\t\t${x} dropped\n`);
  p1a("tcps_sc_completed", (x) => `\t\t${x} completed\n`);
  p1a("tcps_sc_bucketoverflow", (x) => `\t\t${x} bucket overflow\n`);
  p1a("tcps_sc_cacheoverflow", (x) => `\t\t${x} cache overflow\n`);
  p1a("tcps_sc_reset", (x) => `\t\t${x} reset\n`);
  p1a("tcps_sc_stale", (x) => `\t\t${x} stale\n`);
  p1a("tcps_sc_aborted", (x) => `\t\t${x} aborted\n`);
  p1a("tcps_sc_badack", (x) => `\t\t${x} badack\n`);
  p1a("tcps_sc_unreach", (x) => `\t\t${x} unreach\n`);
  p("tcps_sc_zonefail", (x, s) => `\t\t${x} zone failure${s}\n`);
  p("tcps_sc_sendcookie", (x, s) => `\t${x} cookie${s} sent\n`);
  p("tcps_sc_recvcookie", (x, s) => `\t${x} cookie${s} received\n`);
  p3("tcps_hc_added", (x, s) => `\t${x} hostcache entr${s} added\n`);
  p1a("tcps_hc_bucketoverflow", (x) => `\t\t${x} bucket overflow\n`);
  p("tcps_sack_recovery_episode", (x, s) => `\t${x} SACK recovery episode${s}\n`);
  p("tcps_sack_rexmits", (x, s) => `\t${x} segment rexmit${s} in SACK recovery episodes\n`);
  p("tcps_sack_rexmit_bytes", (x, s) => `\t${x} byte rexmit${s} in SACK recovery episodes\n`);
  p("tcps_sack_rcv_blocks", (x, s) => `\t${x} SACK option${s} (SACK blocks) received\n`);
  p("tcps_sack_send_blocks", (x, s) => `\t${x} SACK option${s} (SACK blocks) sent\n`);
  p1a("tcps_sack_sboverflow", (x) => `\t${x} SACK scoreboard overflow\n`);
  p("tcps_ecn_rcvce", (x, s) => `\t${x} packet${s} received with ECN CE bit set\n`);
  p("tcps_ecn_rcvect0", (x, s) => `\t${x} packet${s} received with ECN ECT(0) bit set\n`);
  p("tcps_ecn_rcvect1", (x, s) => `\t${x} packet${s} received with ECN ECT(1) bit set\n`);
  p("tcps_ecn_sndect0", (x, s) => `\t${x} packet${s} sent with ECN ECT(0) bit set\n`);
  p("tcps_ecn_sndect1", (x, s) => `\t${x} packet${s} sent with ECN ECT(1) bit set\n`);
  p("tcps_ecn_shs", (x, s) => `\t${x} successful ECN handshake${s}\n`);
  p("tcps_ecn_rcwnd", (x, s) => `\t${x} time${s} ECN reduced the congestion window\n`);
  p("tcps_sig_rcvgoodsig", (x, s) => `\t${x} packet${s} with matching signature received\n`);
  p("tcps_sig_rcvbadsig", (x, s) => `\t${x} packet${s} with bad signature received\n`);
  p("tcps_sig_err_buildsig", (x, s) => `\t${x} time${s} failed to make signature due to no SA\n`);
  p("tcps_sig_err_sigopt", (x, s) => `\t${x} time${s} unexpected signature received\n`);
  p("tcps_sig_err_nosigopt", (x, s) => `\t${x} time${s} no signature provided by segment\n`);
  p("tcps_pmtud_blackhole_activated", (x, s) => `\t${x} Path MTU discovery black hole detection activation${s}\n`);
  p("tcps_pmtud_blackhole_activated_min_mss", (x, s) => `\t${x} Path MTU discovery black hole detection min MSS activation${s}\n`);
  p("tcps_pmtud_blackhole_failed", (x, s) => `\t${x} Path MTU discovery black hole detection failure${s}\n`);
  o += "TCP connection count by state:\n";
  for (let i = 0; i < TCP_NSTATES; i++) {
    const n = st[i] ?? 0;
    if (f.sflag > 1 && n === 0) continue;
    o += `\t${n} ${n === 1 ? "connection" : "connections"} in ${tcpstates[i]} state\n`;
  }
  ctx.stdout.write(o);
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
  let o = `${name}:\n`;
  const show = (v: number) => v !== 0 || f.sflag <= 1;
  if (show(ipackets)) o += `\t${ipackets} datagram${plural(ipackets)} received\n`;
  if (show(hdrops)) o += `\t${hdrops} with incomplete header\n`;
  if (show(badlen)) o += `\t${badlen} with bad data length field\n`;
  if (show(badsum)) o += `\t${badsum} with bad checksum\n`;
  if (show(nosum)) o += `\t${nosum} with no checksum\n`;
  if (show(noport)) o += `\t${noport} dropped due to no socket\n`;
  if (show(noportbcast)) o += `\t${noportbcast} broadcast/multicast datagram${plural(noportbcast)} undelivered\n`;
  if (show(fullsock)) o += `\t${fullsock} dropped due to full socket buffers\n`;
  if (show(pcbhashmiss)) o += `\t${pcbhashmiss} not for hashed pcb\n`;
  const delivered = ipackets - hdrops - badlen - badsum - noport - noportbcast - fullsock;
  if (show(delivered)) o += `\t${delivered} delivered\n`;
  if (show(opackets)) o += `\t${opackets} datagram${plural(opackets)} output\n`;
  if (show(filtermcast)) o += `\t${filtermcast} time${plural(filtermcast)} multicast source filter matched\n`;
  ctx.stdout.write(o);
}

/** rip6_stats (inet6.c): raw IPv6's struct rip6stat. */
function rip6_stats(ctx: prog_ctx, f: nflags, name: string): void {
  const s = stat_fetch(ctx, f, "net.inet6.ip6.rip6stats");
  if (s === null) return;
  const [ipackets, isum, badsum, nosock, nosockmcast, fullsock, opackets] = s;
  let o = `${name}:\n`;
  const show = (v: number) => v !== 0 || f.sflag <= 1;
  if (show(ipackets)) o += `\t${ipackets} message${plural(ipackets)} received\n`;
  if (show(isum)) o += `\t${isum} checksum calculation${plural(isum)} on inbound\n`;
  if (show(badsum)) o += `\t${badsum} message${plural(badsum)} with bad checksum\n`;
  if (show(nosock)) o += `\t${nosock} message${plural(nosock)} dropped due to no socket\n`;
  if (show(nosockmcast)) o += `\t${nosockmcast} multicast message${plural(nosockmcast)} dropped due to no socket\n`;
  if (show(fullsock)) o += `\t${fullsock} message${plural(fullsock)} dropped due to full socket buffers\n`;
  const delivered = ipackets - badsum - nosock - fullsock;
  if (show(delivered)) o += `\t${delivered} delivered\n`;
  if (show(opackets)) o += `\t${opackets} datagram${plural(opackets)} output\n`;
  ctx.stdout.write(o);
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
  const show = (v: number) => v !== 0 || f.sflag <= 1;
  let o = `${name}:\n`;
  const p = (v: number, text: (pl: string) => string) => {
    if (show(v)) o += text(plural(v));
  };
  const p1a = (v: number, text: string) => {
    if (show(v)) o += `\t${v} ${text}\n`;
  };
  p(total, (s1) => `\t${total} total packet${s1} received\n`);
  p(badsum, (s1) => `\t${badsum} bad header checksum${s1}\n`);
  p1a(toosmall, "with size smaller than minimum");
  p1a(tooshort, "with data size < data length");
  p1a(toolong, "with ip length > max ip packet size");
  p1a(badhlen, "with header length < data size");
  p1a(badlen, "with data length < header length");
  p1a(badoptions, "with bad options");
  p1a(badvers, "with incorrect version number");
  p(fragments, (s1) => `\t${fragments} fragment${s1} received\n`);
  p(fragdropped, (s1) => `\t${fragdropped} fragment${s1} dropped (dup or out of space)\n`);
  p(fragtimeout, (s1) => `\t${fragtimeout} fragment${s1} dropped after timeout\n`);
  p(reassembled, (s1) => `\t${reassembled} packet${s1} reassembled ok\n`);
  p(delivered, (s1) => `\t${delivered} packet${s1} for this host\n`);
  p(noproto, (s1) => `\t${noproto} packet${s1} for unknown/unsupported protocol\n`);
  p(forward, (s1) => `\t${forward} packet${s1} forwarded`);
  p(fastforward, (s1) => ` (${fastforward} packet${s1} fast forwarded)`);
  if (show(forward)) o += "\n";
  p(cantforward, (s1) => `\t${cantforward} packet${s1} not forwardable\n`);
  p(notmember, (s1) => `\t${notmember} packet${s1} received for unknown multicast group\n`);
  p(redirectsent, (s1) => `\t${redirectsent} redirect${s1} sent\n`);
  p(localout, (s1) => `\t${localout} packet${s1} sent from this host\n`);
  p(rawout, (s1) => `\t${rawout} packet${s1} sent with fabricated ip header\n`);
  p(odropped, (s1) => `\t${odropped} output packet${s1} dropped due to no bufs, etc.\n`);
  p(noroute, (s1) => `\t${noroute} output packet${s1} discarded due to no route\n`);
  p(fragmented, (s1) => `\t${fragmented} output datagram${s1} fragmented\n`);
  p(ofragments, (s1) => `\t${ofragments} fragment${s1} created\n`);
  p(cantfrag, (s1) => `\t${cantfrag} datagram${s1} that can't be fragmented\n`);
  p(nogif, (s1) => `\t${nogif} tunneling packet${s1} that can't find gif\n`);
  p(badaddr, (s1) => `\t${badaddr} datagram${s1} with bad address in header\n`);
  ctx.stdout.write(o);
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

  const show = (v: number) => v !== 0 || f.sflag <= 1;
  let o = `${name}:\n`;
  const p = (v: number, text: (pl: string) => string) => {
    if (show(v)) o += text(plural(v));
  };
  const p1a = (v: number, text: string) => {
    if (show(v)) o += `\t${v} ${text}\n`;
  };
  p(total, (s1) => `\t${total} total packet${s1} received\n`);
  p1a(toosmall, "with size smaller than minimum");
  p1a(tooshort, "with data size < data length");
  p1a(badoptions, "with bad options");
  p1a(badvers, "with incorrect version number");
  p(fragments, (s1) => `\t${fragments} fragment${s1} received\n`);
  p(fragdropped, (s1) => `\t${fragdropped} fragment${s1} dropped (dup or out of space)\n`);
  p(fragtimeout, (s1) => `\t${fragtimeout} fragment${s1} dropped after timeout\n`);
  p(fragoverflow, (s1) => `\t${fragoverflow} fragment${s1} that exceeded limit\n`);
  p(atomicfrags, (s1) => `\t${atomicfrags} atomic fragment${s1}\n`);
  p(reassembled, (s1) => `\t${reassembled} packet${s1} reassembled ok\n`);
  p(delivered, (s1) => `\t${delivered} packet${s1} for this host\n`);
  p(forward, (s1) => `\t${forward} packet${s1} forwarded\n`);
  p(cantforward, (s1) => `\t${cantforward} packet${s1} not forwardable\n`);
  p(redirectsent, (s1) => `\t${redirectsent} redirect${s1} sent\n`);
  p(localout, (s1) => `\t${localout} packet${s1} sent from this host\n`);
  p(rawout, (s1) => `\t${rawout} packet${s1} sent with fabricated ip header\n`);
  p(odropped, (s1) => `\t${odropped} output packet${s1} dropped due to no bufs, etc.\n`);
  p(noroute, (s1) => `\t${noroute} output packet${s1} discarded due to no route\n`);
  p(fragmented, (s1) => `\t${fragmented} output datagram${s1} fragmented\n`);
  p(ofragments, (s1) => `\t${ofragments} fragment${s1} created\n`);
  p(cantfrag, (s1) => `\t${cantfrag} datagram${s1} that can't be fragmented\n`);
  p(badscope, (s1) => `\t${badscope} packet${s1} that violated scope rules\n`);
  p(notmember, (s1) => `\t${notmember} multicast packet${s1} which we don't join\n`);
  let first = true;
  for (let h = 0; h < IP6S_HDRCNT; h++) {
    if (nxthist[h] === 0) continue;
    if (first) {
      o += "\tInput histogram:\n";
      first = false;
    }
    o += `\t\t${ip6nh[h]}: ${nxthist[h]}\n`;
  }
  o += "\tMbuf statistics:\n";
  o += `\t\t${m1} one mbuf\n`;
  first = true;
  const ifnames = new Map<number, string>();
  for (const a of getifaddrs(ctx.p as proc).ifap) if (a.family === AF_LINK) ifnames.set(a.sdl_index, a.ifa_name);
  for (let k = 0; k < IP6S_M2MMAX; k++) {
    if (m2m[k] === 0) continue;
    if (first) {
      o += "\t\ttwo or more mbuf:\n";
      first = false;
    }
    // if_indextoname(3): NULL, printed "(null)", for a gone interface.
    o += `\t\t\t${ifnames.get(k) ?? "(null)"}= ${m2m[k]}\n`;
  }
  o += `\t\t${mext1} one ext mbuf\n`;
  o += `\t\t${mext2m} two or more ext mbuf\n`;
  p(exthdrtoolong, (s1) => `\t${exthdrtoolong} packet${s1} whose headers are not contiguous\n`);
  p(nogif, (s1) => `\t${nogif} tunneling packet${s1} that can't find gif\n`);
  p(toomanyhdr, (s1) => `\t${toomanyhdr} packet${s1} discarded because of too many headers\n`);

  // Source address selection (for debugging it).
  const scopestat = (v: number, sc: number): void => {
    switch (sc) {
      case 1:
        p(v, (s1) => `\t\t${v} interface-local${s1}\n`);
        break;
      case 2:
        p(v, (s1) => `\t\t${v} link-local${s1}\n`);
        break;
      case 5:
        p(v, (s1) => `\t\t${v} site-local${s1}\n`);
        break;
      case 14:
        p(v, (s1) => `\t\t${v} global${s1}\n`);
        break;
      default: {
        const hx = sc === 0 ? "0" : `0x${sc.toString(16)}`;
        o += `\t\t${v} addresses scope=${hx}\n`;
      }
    }
  };
  p(sources_none, (s1) => `\t${sources_none} failure${s1} of source address selection\n`);
  const scopeblock = (arr: number[], title: string): void => {
    let fst = true;
    for (let k = 0; k < IP6S_SCOPECNT; k++) {
      if (arr[k] === 0) continue;
      if (fst) {
        o += `\t${title}\n`;
        fst = false;
      }
      scopestat(arr[k], k);
    }
  };
  scopeblock(sources_sameif, "source addresses on an outgoing I/F");
  scopeblock(sources_otherif, "source addresses on a non-outgoing I/F");
  scopeblock(sources_samescope, "source addresses of same scope");
  scopeblock(sources_otherscope, "source addresses of a different scope");
  scopeblock(sources_deprecated, "deprecated source addresses");
  first = true;
  for (let k = 0; k < IP6S_RULESMAX; k++) {
    if (sources_rule[k] === 0) continue;
    if (first) {
      o += "\tSource addresses selection rule applied:\n";
      first = false;
    }
    o += `\t\t${sources_rule[k]} ${srcrule_str[k]}\n`;
  }
  ctx.stdout.write(o);
}

/** inet6.c's ip6_ifstats: RFC 2465's per-interface counters (SIOCGIFSTAT_IN6). */
function ip6_ifstats(ctx: prog_ctx, f: nflags, ifname: string): void {
  const kp = ctx.p as proc;
  const so = sys_socket(kp, AF_INET6, SOCK_DGRAM, 0);
  if (so.error !== 0) {
    ctx.stderr.write(`netstat: Warning: socket(AF_INET6): ${strerror(so.error)}\n`);
    return;
  }
  try {
    const ifr: in6_ifreq = { ifr_name: ifname };
    const e = sys_ioctl(kp, so.fd, SIOCGIFSTAT_IN6, ifr);
    if (e !== 0) {
      if (e !== EPFNOSUPPORT) ctx.stderr.write(`netstat: Warning: ioctl(SIOCGIFSTAT_IN6): ${strerror(e)}\n`);
      return;
    }
    const st = ifr.ifr_ifru_stat ?? [];
    const v = (i: number): number => (f.zflag ? 0 : (st[i] ?? 0));
    const show = (n: number) => n !== 0 || f.sflag <= 1;
    let o = `ip6 on ${ifname}:\n`;
    const p = (i: number, text: (pl: string) => string) => {
      const n = v(i);
      if (show(n)) o += `\t${n} ${text(plural(n))}\n`;
    };
    p(ifs6_in_receive, (s1) => `total input datagram${s1}`);
    p(ifs6_in_hdrerr, (s1) => `datagram${s1} with invalid header received`);
    p(ifs6_in_toobig, (s1) => `datagram${s1} exceeded MTU received`);
    p(ifs6_in_noroute, (s1) => `datagram${s1} with no route received`);
    p(ifs6_in_addrerr, (s1) => `datagram${s1} with invalid dst received`);
    p(ifs6_in_protounknown, (s1) => `datagram${s1} with unknown proto received`);
    p(ifs6_in_truncated, (s1) => `truncated datagram${s1} received`);
    p(ifs6_in_discard, (s1) => `input datagram${s1} discarded`);
    p(ifs6_in_deliver, (s1) => `datagram${s1} delivered to an upper layer protocol`);
    p(ifs6_out_forward, (s1) => `datagram${s1} forwarded to this interface`);
    p(ifs6_out_request, (s1) => `datagram${s1} sent from an upper layer protocol`);
    p(ifs6_out_discard, (s1) => `total discarded output datagram${s1}`);
    p(ifs6_out_fragok, (s1) => `output datagram${s1} fragmented`);
    p(ifs6_out_fragfail, (s1) => `output datagram${s1} failed on fragment`);
    p(ifs6_out_fragcreat, (s1) => `output datagram${s1} succeeded on fragment`);
    p(ifs6_reass_reqd, (s1) => `incoming datagram${s1} fragmented`);
    p(ifs6_reass_ok, (s1) => `datagram${s1} reassembled`);
    p(ifs6_reass_fail, (s1) => `datagram${s1} failed on reassembly`);
    p(ifs6_in_mcast, (s1) => `multicast datagram${s1} received`);
    p(ifs6_out_mcast, (s1) => `multicast datagram${s1} sent`);
    ctx.stdout.write(o);
  } finally {
    sys_close(kp, so.fd);
  }
}

function arp_stats(ctx: prog_ctx, f: nflags, name: string): void {
  const s = stat_fetch(ctx, f, "net.link.ether.arp.stats");
  if (s === null) return;
  const [txrequests, txreplies, rxrequests, rxreplies, received, txerrors, , , , dropped, timeouts, dupips] = s;
  const show = (v: number) => v !== 0 || f.sflag <= 1;
  let o = `${name}:\n`;
  if (show(txrequests)) o += `\t${txrequests} ARP request${plural(txrequests)} sent\n`;
  if (show(txerrors)) o += `\t${txerrors} ARP request${plural(txerrors)} failed to sent\n`;
  if (show(txreplies)) o += `\t${txreplies} ARP repl${pluralies(txreplies)} sent\n`;
  if (show(rxrequests)) o += `\t${rxrequests} ARP request${plural(rxrequests)} received\n`;
  if (show(rxreplies)) o += `\t${rxreplies} ARP repl${pluralies(rxreplies)} received\n`;
  if (show(received)) o += `\t${received} ARP packet${plural(received)} received\n`;
  if (show(dropped)) o += `\t${dropped} total packet${plural(dropped)} dropped due to no ARP entry\n`;
  if (show(timeouts)) o += `\t${timeouts} ARP entry${plural(timeouts)} timed out\n`;
  if (show(dupips)) o += `\t${dupips} Duplicate IP${plural(dupips)} seen\n`;
  ctx.stdout.write(o);
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
  const show = (v: number) => v !== 0 || f.sflag <= 1;
  let o = `${name}:\n`;
  if (show(error)) o += `\t${error} call${plural(error)} to icmp_error\n`;
  if (show(oldicmp)) o += `\t${oldicmp} error${plural(oldicmp)} not generated in response to an icmp message\n`;
  const hist = (title: string, h: number[]) => {
    let first = true;
    for (let t = 0; t < N; t++) {
      if (h[t] === 0) continue;
      if (first) {
        o += `\t${title} histogram:\n`;
        first = false;
      }
      o += `\t\t${icmpnames[t]}: ${h[t]}\n`;
    }
  };
  hist("Output", outhist);
  if (show(badcode)) o += `\t${badcode} message${plural(badcode)} with bad code fields\n`;
  if (show(tooshort)) o += `\t${tooshort} message${plural(tooshort)} less than the minimum length\n`;
  if (show(checksum)) o += `\t${checksum} message${plural(checksum)} with bad checksum\n`;
  if (show(badlen)) o += `\t${badlen} message${plural(badlen)} with bad length\n`;
  if (show(bmcastecho)) o += `\t${bmcastecho} multicast echo requests ignored\n`;
  if (show(bmcasttstamp)) o += `\t${bmcasttstamp} multicast timestamp requests ignored\n`;
  hist("Input", inhist);
  if (show(reflect)) o += `\t${reflect} message response${plural(reflect)} generated\n`;
  if (show(badaddr)) o += `\t${badaddr} invalid return address${plurales(badaddr)}\n`;
  if (show(noroute)) o += `\t${noroute} no return route${plural(noroute)}\n`;
  const mr = sysctlbyname(ctx.p, "net.inet.icmp.maskrepl");
  if (mr.error === 0) o += `\tICMP address mask responses are ${mr.value !== 0 ? "en" : "dis"}abled\n`;
  ctx.stdout.write(o);
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
  const show = (v: number) => v !== 0 || f.sflag <= 1;
  let o = "routing:\n";
  if (show(badredirect)) o += `\t${badredirect} bad routing redirect${plural(badredirect)}\n`;
  if (show(dynamic)) o += `\t${dynamic} dynamically created route${plural(dynamic)}\n`;
  if (show(newgateway)) o += `\t${newgateway} new gateway${plural(newgateway)} due to redirects\n`;
  if (show(unreach)) o += `\t${unreach} destination${plural(unreach)} found unreachable\n`;
  if (show(wildcard)) o += `\t${wildcard} use${plural(wildcard)} of a wildcard route\n`;
  if (show(rttrash)) o += `\t${rttrash} route${plural(rttrash)} not in table but not freed\n`;
  ctx.stdout.write(o);
}

// ---------------------------------------------------------------------------
// Routing tables (route.c).

/** rt_bits[]: the Flags column's letters. */
const rt_bits: [number, string][] = [
  [RTF_UP, "U"],
  [RTF_GATEWAY, "G"],
  [RTF_HOST, "H"],
  [RTF_REJECT, "R"],
  [RTF_DYNAMIC, "D"],
  [RTF_MODIFIED, "M"],
  [RTF_DONE, "d"],
  [RTF_XRESOLVE, "X"],
  [RTF_STATIC, "S"],
  [RTF_PROTO1, "1"],
  [RTF_PROTO2, "2"],
  [RTF_PROTO3, "3"],
  [RTF_BLACKHOLE, "B"],
  [RTF_BROADCAST, "b"],
];

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
function pr_family(af1: number): string {
  const afname = af1 === AF_INET ? "Internet" : af1 === AF_INET6 ? "Internet6" : af1 === AF_NETGRAPH ? "Netgraph" : null;
  return afname !== null ? `\n${afname}:\n` : `\nProtocol Family ${af1}:\n`;
}

function routepr(ctx: prog_ctx, kp: proc, f: nflags, fibnum: number): void {
  if (fibnum === -1) fibnum = sys_getfib(kp);
  const nf = sysctlbyname(kp, "net.fibs").value;
  const numfibs = typeof nf === "number" ? nf : 1;
  if (fibnum < 0 || fibnum > numfibs - 1) errx(ctx, EX_USAGE, `${fibnum}: invalid fib`);
  let o = "Routing tables";
  if (fibnum !== 0) o += ` (fib: ${fibnum})`;
  o += "\n";
  const af = f.af === AF_INET || f.af === AF_INET6 ? f.af : AF_UNSPEC;
  const { error, msgs } = rtdump(kp, fibnum, af);
  if (error !== 0) {
    ctx.stdout.write(o);
    ctx.stderr.write(`netstat: sysctl: net.route.0.${af}.dump.${fibnum}: ${strerror(error)}\n`);
    throw new prog_exit(1);
  }
  // ifmap: interface names by index (prepare_ifmap).
  const ifmap = new Map<number, string>();
  for (const x of getifaddrs(kp).ifap) if (x.family === AF_LINK) ifmap.set(x.sdl_index, x.ifa_name);
  let fam = AF_UNSPEC;
  let w: rt_widths = rt_widths_for(AF_INET, f);
  for (const m of msgs) {
    const dst = m.addr[RTAX_DST];
    const sfam = dst !== null ? sa_family_of(dst) : AF_UNSPEC;
    if (sfam !== fam) {
      fam = sfam;
      w = rt_widths_for(fam, f);
      o += pr_family(fam);
      o += pr_rthdr(w, f);
    }
    o += p_rtentry_sysctl(ctx, m, w, f, ifmap);
  }
  ctx.stdout.write(o);
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

function pr_rthdr(w: rt_widths, f: nflags): string {
  if (f.Wflag) {
    return `${ljust("Destination", w.dst, w.dst)} ${ljust("Gateway", w.gw, w.gw)} ${ljust("Flags", w.flags, w.flags)} ${rjust("Nhop#", w.mtu, w.mtu)} ${rjust("Mtu", w.mtu, w.mtu)} ${rjust("Netif", w.ifw, w.ifw)} ${rjust("Expire", w.expire)}\n`;
  }
  return `${ljust("Destination", w.dst, w.dst)} ${ljust("Gateway", w.gw, w.gw)} ${ljust("Flags", w.flags, w.flags)} ${rjust("Netif", w.ifw, w.ifw)} ${rjust("Expire", w.expire)}\n`;
}

/** p_sockaddr: the text and how far it sticks out of its column. */
function p_sockaddr(cp: string, width: number, f: nflags): { s: string; protrusion: number } {
  if (f.Wflag || f.numeric_addr) return { s: cp.padEnd(width) + " ", protrusion: Math.max(0, cp.length - width) };
  return { s: ljust(cp, width, width) + " ", protrusion: 0 };
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

function p_rtentry_sysctl(ctx: prog_ctx, m: rt_msg, w: rt_widths, f: nflags, ifmap: Map<number, string>): string {
  const ctx_err = (msg: string) => ctx.stderr.write(`netstat: ${msg}`);
  const dst = fmt_sockaddr(m.addr[RTAX_DST], m.addr[RTAX_NETMASK], m.rtm_flags, f, ifmap, ctx_err);
  const gw = fmt_sockaddr(m.addr[RTAX_GATEWAY], null, RTF_HOST, f, ifmap, ctx_err);
  const d = p_sockaddr(dst, w.dst, f);
  const gp = p_sockaddr(gw, w.gw - d.protrusion, f);
  let s = d.s + gp.s;
  s += fmt_flags(m.rtm_flags).padEnd(Math.max(0, w.flags - gp.protrusion)) + " ";
  if (f.Wflag) {
    s += `${String(m.rmx_nhidx).padStart(w.mtu)} `;
    s += m.rmx_mtu !== 0 ? `${String(m.rmx_mtu).padStart(w.mtu)} ` : `${"".padStart(w.mtu)} `;
  }
  let prettyname = ifmap.get(m.rtm_index) ?? "";
  if (prettyname === "") prettyname = "---";
  s += f.Wflag ? prettyname.padStart(w.ifw) : rjust(prettyname, w.ifw, w.ifw);
  if (m.rmx_expire > 0) s += ` ${String(m.rmx_expire).padStart(w.expire)}`;
  return s + "\n";
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

function show_stat(width: number, value: number, showvalue: boolean, div1000: boolean, f: nflags, lsep = "", rsep = " "): string {
  if (!showvalue) return `${lsep}${"-".padStart(width)}${rsep}`;
  const v = f.hflag ? humanize(value, div1000) : String(value);
  return `${lsep}${v.padStart(width)}${rsep}`;
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
  let o = ljust("Name", ifn_len_max, ifn_len_max);
  o += ` ${rjust("Mtu", 5, 5)} ${ljust("Network", net_len, net_len)} ${ljust("Address", addr_len, addr_len)} ${rjust("Ipkts", 8, 8)} ${rjust("Ierrs", 5, 5)} ${rjust("Idrop", 5, 5)}`;
  if (f.bflag) o += ` ${rjust("Ibytes", 10, 10)}`;
  o += ` ${rjust("Opkts", 8, 8)} ${rjust("Oerrs", 5, 5)}`;
  if (f.bflag) o += ` ${rjust("Obytes", 10, 10)}`;
  o += ` ${"Coll".padStart(5)}`;
  if (f.dflag) o += ` ${rjust("Drop", 5, 5)}`;
  o += "\n";
  for (const ifa of ifap) {
    if (!wanted(ifa)) continue;
    const xname = (ifa.ifa_flags & IFF_UP) === 0 ? `${ifa.ifa_name}*` : ifa.ifa_name;
    o += ljust(xname, ifn_len_max, ifn_len_max);
    const d = ifa.ifa_data;
    o += show_stat(6, d.ifi_mtu, d.ifi_mtu !== 0, false, f);
    let network = false;
    let link = false;
    if (ifa.family === AF_INET) {
      const nn = netname4(ifa.addr, ifa.netmask, f.numeric_addr);
      const rn = hostname4(ifa.addr, f.numeric_addr);
      if (f.Wflag) o += `${nn.padEnd(net_len)} ${rn.padEnd(addr_len)} `;
      else o += `${ljust(nn, net_len, net_len)} ${ljust(rn, addr_len, addr_len)} `;
      network = true;
    } else {
      o += `${ljust(`<Link#${ifa.sdl_index}>`, net_len, net_len)} `;
      const ln = link_name(ifa.sdl_index, ifa.sdl_type, ifa.ifa_name, ifa.sdl_lladdr);
      o += `${ljust(ln, addr_len, addr_len)} `;
      link = true;
    }
    o += show_stat(8, d.ifi_ipackets, link || network, true, f);
    o += show_stat(5, d.ifi_ierrors, link, true, f);
    o += show_stat(5, d.ifi_iqdrops, link, true, f);
    if (f.bflag) o += show_stat(10, d.ifi_ibytes, link || network, false, f);
    o += show_stat(8, d.ifi_opackets, link || network, true, f);
    o += show_stat(5, d.ifi_oerrors, link, true, f);
    if (f.bflag) o += show_stat(10, d.ifi_obytes, link || network, false, f);
    o += show_stat(5, d.ifi_collisions, link, true, f, "", "");
    if (f.dflag) o += show_stat(5, d.ifi_oqdrops, link, true, f, " ", " ");
    o += "\n";
  }
  ctx.stdout.write(o);
}

// ---------------------------------------------------------------------------
// mbuf.c's mbpr (netstat -m).

function mbpr(ctx: prog_ctx, kp: proc): void {
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
  let o = "";
  o += `${mb.mt_count + pk.mt_count}/${mb.mt_free + pk.mt_free}/${mb.mt_count + pk.mt_count + mb.mt_free + pk.mt_free} mbufs in use (current/cache/total)\n`;
  o += `${cl.mt_count - pk.mt_free}/${cl.mt_free + pk.mt_free}/${cl.mt_count + cl.mt_free}/${cl.mt_countlimit} mbuf clusters in use (current/cache/total/max)\n`;
  o += `${pk.mt_count}/${pk.mt_free} mbuf+clusters out of packet secondary zone in use (current/cache)\n`;
  o += `${jp.mt_count}/${jp.mt_free}/${jp.mt_count + jp.mt_free}/${jp.mt_countlimit} ${K(jp.mt_size)}k (page size) jumbo clusters in use (current/cache/total/max)\n`;
  o += `${j9.mt_count}/${j9.mt_free}/${j9.mt_count + j9.mt_free}/${j9.mt_countlimit} 9k jumbo clusters in use (current/cache/total/max)\n`;
  o += `${j16.mt_count}/${j16.mt_free}/${j16.mt_count + j16.mt_free}/${j16.mt_countlimit} 16k jumbo clusters in use (current/cache/total/max)\n`;
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
  o += `${K(bytes_inuse)}K/${K(bytes_incache)}K/${K(bytes_inuse + bytes_incache)}K bytes allocated to network (current/cache/total)\n`;
  o += `${mb.mt_failures}/${cl.mt_failures}/${pk.mt_failures} requests for mbufs denied (mbufs/clusters/mbuf+clusters)\n`;
  o += `${mb.mt_sleeps}/${cl.mt_sleeps}/${pk.mt_sleeps} requests for mbufs delayed (mbufs/clusters/mbuf+clusters)\n`;
  o += `${jp.mt_sleeps}/${j9.mt_sleeps}/${j16.mt_sleeps} requests for jumbo clusters delayed (${K(jp.mt_size)}k/9k/16k)\n`;
  o += `${jp.mt_failures}/${j9.mt_failures}/${j16.mt_failures} requests for jumbo clusters denied (${K(jp.mt_size)}k/9k/16k)\n`;
  // fetch_stats("kern.ipc.sfstat"): a failure ends the report.
  const sf = sysctlbyname(kp, "kern.ipc.sfstat");
  if (sf.error !== 0 || !Array.isArray(sf.value)) {
    ctx.stdout.write(o);
    ctx.stderr.write(`netstat: sysctl: kern.ipc.sfstat: ${strerror(sf.error)}\n`);
    return;
  }
  const [syscalls, noiocnt, iocnt, pages_read, pages_valid, pages_bogus, rhpages_requested, rhpages_read, busy, allocfail, allocwait] = sf.value as readonly number[];
  o += `${syscalls} sendfile syscalls\n`;
  o += `${noiocnt} sendfile syscalls completed without I/O request\n`;
  o += `${iocnt} requests for I/O initiated by sendfile\n`;
  o += `${pages_read} pages read by sendfile as part of a request\n`;
  o += `${pages_valid} pages were valid at time of a sendfile request\n`;
  o += `${pages_bogus} pages were valid and substituted to bogus page\n`;
  o += `${rhpages_requested} pages were requested for read ahead by applications\n`;
  o += `${rhpages_read} pages were read ahead by sendfile\n`;
  o += `${busy} times sendfile encountered an already busy page\n`;
  o += `${allocfail} requests for sfbufs denied\n`;
  o += `${allocwait} requests for sfbufs delayed\n`;
  ctx.stdout.write(o);
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

function bpf_flags(dv: DataView, off: number): string {
  const dir = dv.getInt32(off + XBPF.bd_direction, true);
  return (
    (dv.getUint8(off + XBPF.bd_promisc) !== 0 ? "p" : "-") +
    (dv.getUint8(off + XBPF.bd_immediate) !== 0 ? "i" : "-") +
    (dv.getInt32(off + XBPF.bd_hdrcmplt, true) !== 0 ? "-" : "f") +
    (dir === BPF_D_IN ? "-" : dir === BPF_D_OUT ? "o" : "s") +
    (dv.getInt32(off + XBPF.bd_feedback, true) !== 0 ? "b" : "-") +
    (dv.getInt32(off + XBPF.bd_async, true) !== 0 ? "a" : "-") +
    (dv.getInt32(off + XBPF.bd_locked, true) !== 0 ? "l" : "-")
  );
}

function bpf_stats(ctx: prog_ctx, ifname: string | null, zflag: boolean): void {
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
  const col = (s: string | number, w: number) => String(s).padStart(w);
  let o = `${col("Pid", 5)} ${col("Netif", 6)} ${col("Flags", 7)} ${col("Recv", 9)} ${col("Drop", 9)} ${col("Match", 9)} ${col("Sblen", 5)} ${col("Hblen", 5)} Command\n`;
  for (let off = 0; off + XBPF_D_SIZE <= bytes.length; off += XBPF_D_SIZE) {
    if (dv.getUint32(off + XBPF.bd_structsize, true) !== XBPF_D_SIZE) {
      ctx.stdout.write(o);
      ctx.stderr.write("netstat: bpf_stats_extended: version mismatch\n");
      return;
    }
    const name = bytes.subarray(off + XBPF.bd_ifname, off + XBPF.bd_ifname + 16);
    const nul = name.indexOf(0);
    const d_ifname = String.fromCharCode(...name.subarray(0, nul < 0 ? 16 : nul));
    if (ifname !== null && ifname !== d_ifname) continue;
    const pid = dv.getInt32(off + XBPF.bd_pid, true);
    const pname = bpf_pidname(ctx, pid);
    o +=
      `${col(pid, 5)} ${col(d_ifname, 6)} ${col(bpf_flags(dv, off), 7)} ` +
      `${col(dv.getBigUint64(off + XBPF.bd_rcount, true).toString(), 9)} ${col(dv.getBigUint64(off + XBPF.bd_dcount, true).toString(), 9)} ` +
      `${col(dv.getBigUint64(off + XBPF.bd_fcount, true).toString(), 9)} ${col(dv.getInt32(off + XBPF.bd_slen, true), 5)} ` +
      `${col(dv.getInt32(off + XBPF.bd_hlen, true), 5)} ${pname}\n`;
  }
  ctx.stdout.write(o);
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
  let o = `${name}:\n`;
  const show = (n: number) => n !== 0 || f.sflag <= 1;
  const p = (i: number, text: (s1: string) => string) => {
    if (show(v(i))) o += `\t${v(i)} ${text(plural(v(i)))}\n`;
  };
  const p_5 = (i: number, text: string) => {
    if (show(v(i))) o += `\t\t${v(i)} ${text}\n`;
  };
  const hist = (title: string, base: number) => {
    let first = true;
    for (let t = 0; t < 256; t++) {
      if (v(base + t) === 0) continue;
      if (first) {
        o += `\t${title}:\n`;
        first = false;
      }
      o += `\t\t${icmp6names[t]}: ${v(base + t)}\n`;
    }
  };
  p(icp6s_error, (s1) => `call${s1} to icmp6_error`);
  p(icp6s_canterror, (s1) => `error${s1} not generated in response to an icmp6 message`);
  p(icp6s_toofreq, (s1) => `error${s1} not generated because of rate limitation`);
  hist("Output histogram", icp6s_outhist);
  p(icp6s_badcode, (s1) => `message${s1} with bad code fields`);
  p(icp6s_tooshort, (s1) => `message${s1} < minimum length`);
  p(icp6s_checksum, (s1) => `bad checksum${s1}`);
  p(icp6s_badlen, (s1) => `message${s1} with bad length`);
  hist("Input histogram", icp6s_inhist);
  o += "\tHistogram of error messages to be generated:\n";
  const e = icp6s_outerrhist;
  p_5(e + icp6errs_dst_unreach_noroute, "no route");
  p_5(e + icp6errs_dst_unreach_admin, "administratively prohibited");
  p_5(e + icp6errs_dst_unreach_beyondscope, "beyond scope");
  p_5(e + icp6errs_dst_unreach_addr, "address unreachable");
  p_5(e + icp6errs_dst_unreach_noport, "port unreachable");
  p_5(e + icp6errs_packet_too_big, "packet too big");
  p_5(e + icp6errs_time_exceed_transit, "time exceed transit");
  p_5(e + icp6errs_time_exceed_reassembly, "time exceed reassembly");
  p_5(e + icp6errs_paramprob_header, "erroneous header field");
  p_5(e + icp6errs_paramprob_nextheader, "unrecognized next header");
  p_5(e + icp6errs_paramprob_option, "unrecognized option");
  p_5(e + icp6errs_redirect, "redirect");
  p_5(e + icp6errs_unknown, "unknown");
  p(icp6s_reflect, (s1) => `message response${s1} generated`);
  p(icp6s_nd_toomanyopt, (s1) => `message${s1} with too many ND options`);
  p(icp6s_nd_badopt, (s1) => `message${s1} with bad ND options`);
  p(icp6s_badns, (s1) => `bad neighbor solicitation message${s1}`);
  p(icp6s_badna, (s1) => `bad neighbor advertisement message${s1}`);
  p(icp6s_badrs, (s1) => `bad router solicitation message${s1}`);
  p(icp6s_badra, (s1) => `bad router advertisement message${s1}`);
  p(icp6s_badredirect, (s1) => `bad redirect message${s1}`);
  p(icp6s_overflowdefrtr, (s1) => `default routers overflow${s1}`);
  p(icp6s_overflowprfx, (s1) => `prefix overflow${s1}`);
  p(icp6s_overflownndp, (s1) => `neighbour entries overflow${s1}`);
  p(icp6s_overflowredirect, (s1) => `redirect overflow${s1}`);
  p(icp6s_invlhlim, (s1) => `message${s1} with invalid hop limit`);
  p(icp6s_pmtuchg, (s1) => `path MTU change${s1}`);
  ctx.stdout.write(o);
}
