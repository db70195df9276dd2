// sys/netinet/tcp_subr.c: what the rest of TCP shares.  The per-vnet PCB
// table (V_tcbinfo) and its setup and teardown, a new connection's control
// block (tcp_newtcpcb) and its end (tcp_drop, tcp_close, tcp_discardcb),
// bare segments sent outside tcp_output (tcp_respond: RSTs, keepalive
// probes, challenge ACKs), ICMP and ICMPv6 errors (tcp_ctlinput: path MTU
// discovery through tcp_mtudisc, unreachables), initial sequence numbers
// and timestamp offsets (RFC 6528: SipHash-2-4 of the connection keyed by a
// per-vnet secret, plus a clock), the route MTU (tcp_maxmtu), and the
// net.inet.tcp sysctls that live in tcp_subr.c: mssdflt, v6mssdflt, minmss,
// rfc1323, sack... and the pcblist, stats and states exports.
//
// Departures: no TCP function blocks (one stack, "freebsd"), no TCP
// offload, no TCP-MD5, no UDP tunneling (t_port is always 0), no BBR/RACK
// logging.  The vnet teardown closes any connection still in the table
// (FreeBSD pauses until TIME_WAIT has run out; a simulated kernel cannot
// wait in a SYSUNINIT), so no callout outlives its vnet.

import { EADDRNOTAVAIL, ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH, EINVAL, EMSGSIZE, ENETUNREACH, ENOENT, EPERM, ETIMEDOUT } from "../kern/errno.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { SI_ORDER_FOURTH, SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN, SYSINIT } from "../kern/kernel.ts";
import { CSUM_TCP, M_WRITABLE, MT_DATA, type mbuf } from "../kern/mbuf.ts";
import { m_free, m_freem, m_get, m_gethdr } from "../kern/kern_mbuf.ts";
import { m_copydata, m_dup_pkthdr, max_linkhdr } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { hz, ticks } from "../kern/kern_timeout.ts";
import { arc4random_buf } from "../kern/arc4random.ts";
import { AF_INET, AF_INET6 } from "../kern/socket.ts";
import {
  CTLFLAG_MPSAFE,
  CTLFLAG_RD,
  CTLFLAG_RDTUN,
  CTLFLAG_RW,
  CTLFLAG_VNET,
  CTLTYPE_INT,
  CTLTYPE_OPAQUE,
  CTLTYPE_STRING,
  OID_AUTO,
  SYSCTL_INT,
  SYSCTL_OUT,
  SYSCTL_PROC,
  SYSCTL_VNET_PCPUSTAT,
  sysctl_handle_int,
  vnet_region_ptr,
  type sysctl_handler_t,
} from "../kern/sysctl.ts";
import { sbspace, soisdisconnected, sorele, type socket } from "../kern/uipc_socket.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_I32_SET, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT, VNET_U64 } from "../net/vnet.ts";
import { NHR_NONE } from "../net/route/nhop.ts";
import type { ifnet } from "../net/if.ts";
import { in6_addr, inet_ntop6 } from "../netinet6/in6_var.ts";
import type { ip6ctlparam } from "../netinet6/ip6_var.ts";
import { CSUM_TCP_IPV6 } from "../netinet6/ip6_var.ts";
import { in6_cksum_pseudo } from "../netinet6/in6_cksum.ts";
import { ip6_output } from "../netinet6/ip6_output.ts";
import { fib6_lookup } from "../netinet6/in6_fib.ts";
import { in6_selecthlim } from "../netinet6/in6_src.ts";
import { in6_setscope } from "../netinet6/scope6.ts";
import { icmp6_errmap } from "../netinet6/icmp6.ts";
import { in6_pcblookup } from "../netinet6/in6_pcb.ts";
import { ICMP6STAT_INC, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADMIN, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_TRANSIT, icp6s_pmtuchg } from "./icmp6.ts";
import { IP6_HDR_LEN, IP6_OFF_DST, IP6_OFF_FLOW, IP6_OFF_HLIM, IP6_OFF_NXT, IP6_OFF_PLEN, IP6_OFF_SRC, IPV6_FLOWINFO_MASK, IPV6_MMTU, IPV6_VERSION, IPV6_VERSION_MASK } from "./ip6.ts";
import { INADDR_ANY, IPPROTO_TCP, inet_ntoa } from "./in.ts";
import { in_pseudo } from "./in_cksum.ts";
import { fib4_lookup } from "./in_fib.ts";
import { ICMPH_CODE, ICMPH_IP, ICMPH_NEXTMTU, ICMPH_TYPE, ICMP_TIMXCEED, IPH_DST, IPH_LEN, IPH_OFF, IPH_P, IPH_SRC, IPH_SUM, IPH_TOS, IPH_TTL, IPH_VHL, IPH_ID, IPVERSION, IP_DF, IP_HDRLEN } from "./ip.ts";
import { ip_output } from "./ip_output.ts";
import { icmp_errmap, ip_next_mtu } from "./ip_icmp.ts";
import { IPPROTO_REGISTER } from "./ip_input.ts";
import { V_ip_defttl } from "./raw_ip.ts";
import {
  INC_ISIPV6,
  INPLOOKUP_WLOCKPCB,
  INP_DROPPED,
  INP_IPV6,
  INP_IPV6PROTO,
  INP_SOCKREF,
  XINPCB_LEN,
  in_conninfo,
  in_conninfo_clear,
  in_pcbdrop,
  in_pcbinfo_destroy,
  in_pcbinfo_init,
  in_pcblookup,
  in_pcbtoxinpcb,
  type inpcb,
  type inpcbinfo,
} from "./in_pcb.ts";
import {
  TCPOLEN_MAXSEG,
  TCPOLEN_SACK,
  TCPOLEN_SACKHDR,
  TCPOLEN_SACK_PERMITTED,
  TCPOLEN_TSTAMP_APPA,
  TCPOLEN_WINDOW,
  TCP_HDRLEN,
  TCP_MAXOLEN,
  TCP_MAXWIN,
  TCP_MINMSS,
  TCPH_ACK,
  TCPH_DPORT,
  TCPH_SEQ,
  TCPH_SPORT,
  TCPH_SUM,
  TCPH_URP,
  TCPH_WIN,
  TH_RST,
  TH_ACK,
  PRINT_TH_FLAGS,
  hdrptr,
  tcp_get_flags,
  tcp_set_flags,
  th_set_off,
  type tcp_seq,
} from "./tcp.ts";
import { TCPS_CLOSED, TCPS_HAVEESTABLISHED, TCPS_HAVERCVDSYN, TCPS_SYN_SENT, TCP_NSTATES, tcpstates } from "./tcp_fsm.ts";
import { SEQ_GEQ, SEQ_LT, tcp_ts_getticks } from "./tcp_seq.ts";
import {
  EXIT_FASTRECOVERY,
  TCPCTL_MSSDFLT,
  TCPCTL_PCBLIST,
  TCPCTL_STATES,
  TCPCTL_STATS,
  TCPCTL_V6MSSDFLT,
  TCPCTL_DO_RFC1323,
  TCPSTATES_DEC,
  TCPSTATES_INC,
  TCPSTAT_INC,
  TCPSTAT_ADD,
  tcps_dsack_bytes,
  tcps_dsack_count,
  tcps_dsack_tlp_bytes,
  TCPSTAT_NFIELDS,
  TCP_RTTVAR_SHIFT,
  TF_LRD,
  TF_NOOPT,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SACK_PERMIT,
  TOF_TS,
  XTCPCB_EXTRA,
  XT_2MSL,
  XT_CC,
  XT_DELACK,
  XT_ECN,
  XT_ENCAPS_PORT,
  XT_FLAGS,
  XT_KEEP,
  XT_MAXSEG,
  XT_PERSIST,
  XT_RCVOOPACK,
  XT_RCVTIME,
  XT_RCV_HIWAT,
  XT_RCV_LOWAT,
  XT_RCV_MBCNT,
  XT_RCV_MBMAX,
  XT_RCV_WND,
  XT_REXMT,
  XT_SNDREXMITPACK,
  XT_SNDZEROWIN,
  XT_SND_CWND,
  XT_SND_HIWAT,
  XT_SND_LOWAT,
  XT_SND_MBCNT,
  XT_SND_MBMAX,
  XT_SND_SSTHRESH,
  XT_SND_WND,
  XT_SO_INCQLEN,
  XT_SO_OPTIONS,
  XT_SO_QLEN,
  XT_SO_QLIMIT,
  XT_STATE,
  XT_UID,
  TT_2MSL,
  TT_DELACK,
  TT_KEEP,
  TT_PERSIST,
  TT_REXMT,
  _net_inet_tcp,
  hc_metrics_lite,
  intotcpcb,
  intotcpcb_or_null,
  path_mtu_discovery,
  tcp_do_lrd,
  tcp_do_rfc1323,
  tcp_do_sack,
  tcp_isn_reseed_interval,
  tcp_log_in_vain,
  tcp_minmss,
  tcp_mssdflt,
  tcp_tolerate_missing_ts,
  tcp_ts_offset_per_conn,
  tcp_udp_tunneling_overhead,
  tcp_udp_tunneling_port,
  tcp_v6mssdflt,
  tcpcb,
  tcpopt,
  tcps_closed,
  tcps_conndrops,
  tcps_drops,
  tcps_mturesent,
  tcps_states,
  tcpstat,
  tptosocket,
  V_path_mtu_discovery,
  V_tcp_do_rfc1323,
  V_tcp_do_sack,
  V_tcp_minmss,
  V_tcp_mssdflt,
  V_tcp_v6mssdflt,
  type tcp_ifcap,
} from "./tcp_var.ts";
import { tcp_rexmit_initial, tcp_rexmit_min, tcp_timer_init_defaults, tcp_timer_remaining_ms, tcp_timer_stop } from "./tcp_timer.ts";
import { tcp_addoptions, tcp_output } from "./tcp_output.ts";
import { tcp_compute_pipe, tcp_input, tcp_mss_update } from "./tcp_input.ts";
import { tcp_reass_flush, tcp_reass_global_init } from "./tcp_reass.ts";
import { tcp_free_sackholes } from "./tcp_sack.ts";
import { syncache_destroy, syncache_init, syncache_unreach } from "./tcp_syncache.ts";
import { SipHash24_fold } from "../crypto/siphash.ts";
import { tcp_hc_destroy, tcp_hc_init, tcp_hc_update, tcp_hc_updatemtu } from "./tcp_hostcache.ts";
import { CC_ALGO, cc_algo_index, cc_attach, cc_default_algo, cc_detach, cc_hooks_set } from "./cc/cc.ts";

// ---------------------------------------------------------------------------
// Sysctls defined in tcp_subr.c.

/** The handler of mssdflt and v6mssdflt: at least TCP_MINMSS. */
const sysctl_net_inet_tcp_mss_check: sysctl_handler_t = (oidp, arg1, _arg2, req) => {
  const p = arg1 as vnet_region_ptr;
  const box = { v: p.i32[p.idx], get(): number { return this.v; }, set(x: number): void { this.v = x; } };
  const error = sysctl_handle_int(oidp, box, 0, req);
  if (error !== 0 || req.newval === null) return error;
  if (box.v < TCP_MINMSS) return EINVAL;
  p.i32[p.idx] = box.v;
  return 0;
};
SYSCTL_PROC(_net_inet_tcp, TCPCTL_MSSDFLT, "mssdflt", CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, tcp_mssdflt, 0, sysctl_net_inet_tcp_mss_check, "I", "Default TCP Maximum Segment Size");
SYSCTL_PROC(_net_inet_tcp, TCPCTL_V6MSSDFLT, "v6mssdflt", CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, tcp_v6mssdflt, 0, sysctl_net_inet_tcp_mss_check, "I", "Default TCP Maximum Segment Size for IPv6");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "minmss", CTLFLAG_VNET | CTLFLAG_RW, tcp_minmss, 0, "Minimum TCP Maximum Segment Size");
SYSCTL_INT(_net_inet_tcp, TCPCTL_DO_RFC1323, "rfc1323", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_rfc1323, 0, "Enable rfc1323 (high performance TCP) extensions");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "tolerate_missing_ts", CTLFLAG_VNET | CTLFLAG_RW, tcp_tolerate_missing_ts, 0, "Tolerate missing TCP timestamps");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "ts_offset_per_conn", CTLFLAG_VNET | CTLFLAG_RW, tcp_ts_offset_per_conn, 0, "Initialize TCP timestamps per connection instead of per host pair");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "isn_reseed_interval", CTLFLAG_VNET | CTLFLAG_RW, tcp_isn_reseed_interval, 0, "Seconds between reseeding of ISN secret");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "lrd", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_lrd, 0, "Perform Lost Retransmission Detection");

/** V_icmp_may_rst: an ICMP unreachable may reset a connection being set up. */
const icmp_may_rst = VNET_DEFINE_INT("icmp_may_rst", 1);
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "icmp_may_rst", CTLFLAG_VNET | CTLFLAG_RW, icmp_may_rst, 0, "Certain ICMP unreachable messages may abort connections in SYN_SENT");

/** net.inet.tcp.log_debug: log_in_vain-style diagnostics for odd segments. */
export const tcp_log_debug = { v: 0, get(): number { return this.v; }, set(x: number): void { this.v = x; } };
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "log_debug", CTLFLAG_RW, tcp_log_debug, 0, "Log errors caused by incoming TCP segments");

/** net.inet.tcp.tcbhashsize (a boot-time tunable). */
const tcp_tcbhashsize = { v: 0, get(): number { return this.v; }, set(x: number): void { this.v = x; } };
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "tcbhashsize", CTLFLAG_RDTUN, tcp_tcbhashsize, 0, "Size of TCP control-block hashtable");

/** net.inet.tcp.udp_tunneling_port: a UDP port to encapsulate TCP in (RFC
 *  8085-style tunnels).  Accepted and range-checked as FreeBSD does, but
 *  this stack sends and receives no tunneled TCP: only 0 is accepted. */
const sysctl_net_inet_tcp_udp_tunneling_port_check: sysctl_handler_t = (oidp, arg1, _arg2, req) => {
  const p = arg1 as vnet_region_ptr;
  const box = { v: p.i32[p.idx], get(): number { return this.v; }, set(x: number): void { this.v = x; } };
  const error = sysctl_handle_int(oidp, box, 0, req);
  if (error !== 0 || req.newval === null) return error;
  if (box.v < 0 || box.v > 65535) return EINVAL;
  if (box.v !== 0) return EPERM;
  p.i32[p.idx] = box.v;
  return 0;
};
SYSCTL_PROC(_net_inet_tcp, OID_AUTO, "udp_tunneling_port", CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, tcp_udp_tunneling_port, 0, sysctl_net_inet_tcp_udp_tunneling_port_check, "IU", "Tunneling port for tcp over udp");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "udp_tunneling_overhead", CTLFLAG_VNET | CTLFLAG_RW, tcp_udp_tunneling_overhead, 0, "MSS reduction when using tcp over udp");

/** net.inet.tcp.functions_available / functions_default: the one stack. */
const sysctl_net_inet_default_tcp_functions: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  const error = SYSCTL_OUT(req, "freebsd");
  if (error !== 0 || req.newval === null) return error;
  return req.newval === "freebsd" ? 0 : ENOENT;
};
SYSCTL_PROC(_net_inet_tcp, OID_AUTO, "functions_default", CTLTYPE_STRING | CTLFLAG_RW | CTLFLAG_MPSAFE, null, 0, sysctl_net_inet_default_tcp_functions, "A", "Set/get the default TCP functions");
const sysctl_net_inet_list_available: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  const error = SYSCTL_OUT(req, "\nStack                           D Alias                            PCB count\nfreebsd                         * freebsd                          " + VNET_I32(tcp_pcbcount_i));
  if (error !== 0 || req.newval === null) return error;
  return EPERM;
};
SYSCTL_PROC(_net_inet_tcp, OID_AUTO, "functions_available", CTLTYPE_STRING | CTLFLAG_RD | CTLFLAG_MPSAFE, null, 0, sysctl_net_inet_list_available, "A", "list available TCP Function sets");

/** The TCP PCBs in curvnet (net.inet.tcp.pcbcount). */
const tcp_pcbcount_i = VNET_DEFINE_INT("tcp_pcbcount", 0);
const sysctl_pcbcount: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  const error = SYSCTL_OUT(req, V_tcbinfo().ipi_count);
  if (error !== 0 || req.newval === null) return error;
  return EPERM;
};
SYSCTL_PROC(_net_inet_tcp, OID_AUTO, "pcbcount", CTLTYPE_INT | CTLFLAG_RD | CTLFLAG_MPSAFE | CTLFLAG_VNET, null, 0, sysctl_pcbcount, "I", "Number of active PCBs");

/** net.inet.tcp.pcblist: an xinpgen count, then one xtcpcb per PCB. */
const tcp_pcblist: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  const list = V_tcbinfo().ipi_listhead;
  const out: number[] = [list.length];
  for (const inp of list) tcp_inptoxtp(inp, out);
  return SYSCTL_OUT(req, out);
};
SYSCTL_PROC(_net_inet_tcp, TCPCTL_PCBLIST, "pcblist", CTLTYPE_OPAQUE | CTLFLAG_RD | CTLFLAG_MPSAFE, null, 0, tcp_pcblist, "S,xtcpcb", "List of active TCP connections");

/** XTCPCB_LEN: words per pcblist record. */
export const XTCPCB_LEN = XINPCB_LEN + XTCPCB_EXTRA;

/**
 * tcp_inptoxtp(inp, out): append inp's xtcpcb record: the xinpcb words,
 * then the XT_ words (tcp_var.ts).
 */
export function tcp_inptoxtp(inp: inpcb, out: number[]): void {
  in_pcbtoxinpcb(inp, IPPROTO_TCP, out);
  const base = out.length;
  for (let i = 0; i < XTCPCB_EXTRA; i++) out.push(0);
  const tp = intotcpcb_or_null(inp);
  const so = inp.inp_socket;
  if (tp !== null) {
    out[base + XT_STATE] = tp.t_state;
    out[base + XT_FLAGS] = tp.t_flags >>> 0;
    out[base + XT_SNDZEROWIN] = tp.t_sndzerowin;
    out[base + XT_SNDREXMITPACK] = tp.t_sndrexmitpack;
    out[base + XT_RCVOOPACK] = tp.t_rcvoopack;
    out[base + XT_RCVTIME] = Math.floor((((ticks - tp.t_rcvtime) | 0) * 1000) / hz);
    out[base + XT_REXMT] = tcp_timer_remaining_ms(tp, TT_REXMT);
    out[base + XT_PERSIST] = tcp_timer_remaining_ms(tp, TT_PERSIST);
    out[base + XT_KEEP] = tcp_timer_remaining_ms(tp, TT_KEEP);
    out[base + XT_2MSL] = tcp_timer_remaining_ms(tp, TT_2MSL);
    out[base + XT_DELACK] = tcp_timer_remaining_ms(tp, TT_DELACK);
    out[base + XT_SND_CWND] = tp.snd_cwnd;
    out[base + XT_SND_SSTHRESH] = tp.snd_ssthresh;
    out[base + XT_MAXSEG] = tp.t_maxseg;
    out[base + XT_RCV_WND] = tp.rcv_wnd;
    out[base + XT_SND_WND] = tp.snd_wnd;
    out[base + XT_ECN] = 0;
    out[base + XT_ENCAPS_PORT] = tp.t_port;
    out[base + XT_CC] = tp.t_cc === null ? -1 : cc_algo_index(tp.t_cc);
  } else out[base + XT_STATE] = TCPS_CLOSED;
  if (so !== null) {
    out[base + XT_RCV_HIWAT] = so.so_rcv.sb_hiwat;
    out[base + XT_SND_HIWAT] = so.so_snd.sb_hiwat;
    out[base + XT_RCV_LOWAT] = so.so_rcv.sb_lowat;
    out[base + XT_SND_LOWAT] = so.so_snd.sb_lowat;
    out[base + XT_RCV_MBCNT] = so.so_rcv.sb_mbcnt;
    out[base + XT_SND_MBCNT] = so.so_snd.sb_mbcnt;
    out[base + XT_RCV_MBMAX] = so.so_rcv.sb_mbmax;
    out[base + XT_SND_MBMAX] = so.so_snd.sb_mbmax;
    out[base + XT_SO_OPTIONS] = so.so_options;
    const q = so as unknown as { sol_qlen?: number; sol_incqlen?: number; sol_qlimit?: number };
    out[base + XT_SO_QLEN] = q.sol_qlen ?? 0;
    out[base + XT_SO_INCQLEN] = q.sol_incqlen ?? 0;
    out[base + XT_SO_QLIMIT] = q.sol_qlimit ?? 0;
    out[base + XT_UID] = so.so_cred.cr_uid;
  }
}

// ---------------------------------------------------------------------------
// The per-vnet table, setup and teardown.

const TCBHASHSIZE = 512;

const tcbinfo_p = VNET_DEFINE_PTR<inpcbinfo | null>("tcbinfo", null);

/** V_tcbinfo: TCP's PCB table in the current vnet. */
export function V_tcbinfo(): inpcbinfo {
  const pi = VNET_PTR(tcbinfo_p);
  KASSERT(pi !== null, "V_tcbinfo: not initialized");
  return pi;
}

/** The ISN and timestamp-offset secrets and the ISN clock, per vnet. */
class tcp_isn_state {
  readonly isn_secret = new Uint8Array(16);
  readonly ts_offset_secret = new Uint8Array(16);
  isn_last = 0;
  isn_last_reseed = 0;
  isn_offset = 0;
  isn_offset_old = 0;
}
const isn_state_p = VNET_DEFINE_PTR<tcp_isn_state | null>("tcp_isn_state", null);

function V_isn(): tcp_isn_state {
  const s = VNET_PTR(isn_state_p);
  KASSERT(s !== null, "tcp isn state: not initialized");
  return s;
}

/** tcp_init: once, at boot: the global parts (timer values, reassembly). */
function tcp_init(): void {
  if (tcp_tcbhashsize.v === 0) tcp_tcbhashsize.v = TCBHASHSIZE;
  tcp_timer_init_defaults();
  tcp_reass_global_init();
  IPPROTO_REGISTER(IPPROTO_TCP, tcp_input, tcp_ctlinput);
  cc_hooks_set(tcp_maxseg, tcp_compute_pipe);
  // (IP6PROTO_REGISTER of tcp6_input is in netinet6/in6_proto.ts.)
}
SYSINIT("tcp_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, tcp_init);

/** tcp_vnet_init: each vnet's table, host cache, syncache and secrets. */
function tcp_vnet_init(): void {
  VNET_PTR_SET(tcbinfo_p, in_pcbinfo_init("tcp", tcp_tcbhashsize.v || TCBHASHSIZE, tcp_tcbhashsize.v || TCBHASHSIZE));
  const s = new tcp_isn_state();
  arc4random_buf(s.ts_offset_secret);
  VNET_PTR_SET(isn_state_p, s);
  syncache_init();
  tcp_hc_init();
}
VNET_SYSINIT("tcp_vnet_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_FOURTH, tcp_vnet_init);

/** tcp_destroy: the vnet is going away.  Every socket is closed by now;
 *  what remains (TIME_WAIT, FIN_WAIT_2 after close) is closed here. */
function tcp_destroy(): void {
  const pi = V_tcbinfo();
  for (const inp of pi.ipi_listhead.slice()) {
    const tp = intotcpcb_or_null(inp);
    if (tp === null) continue;
    tcp_timer_stop(tp);
    if ((inp.inp_flags & INP_DROPPED) === 0) void tcp_close(tp);
  }
  tcp_hc_destroy();
  syncache_destroy();
  in_pcbinfo_destroy(pi);
  VNET_PTR_SET(tcbinfo_p, null);
  VNET_PTR_SET(isn_state_p, null);
}
VNET_SYSUNINIT("tcp", SI_SUB_PROTO_DOMAIN, SI_ORDER_FOURTH, tcp_destroy);

// ---------------------------------------------------------------------------
// Control blocks.

/**
 * tcp_newtcpcb(inp): a new control block, attached to inp, with the
 * defaults: MSS from net.inet.tcp.mssdflt, RFC 7323 and SACK as the
 * sysctls say, the initial RTO, and the default congestion control.
 */
export function tcp_newtcpcb(inp: inpcb): tcpcb | null {
  const isipv6 = (inp.inp_vflag & INP_IPV6) !== 0;
  const tp = new tcpcb(inp);
  cc_attach(tp, cc_default_algo());
  const cc = CC_ALGO(tp);
  if (cc.cb_init !== undefined && cc.cb_init(tp.t_ccv, null) > 0) {
    cc_detach(tp);
    return null;
  }
  tp.t_maxseg = isipv6 ? V_tcp_v6mssdflt() : V_tcp_mssdflt();
  tp.t_flags = V_tcp_do_rfc1323() !== 0 ? TF_REQ_SCALE | TF_REQ_TSTMP : 0;
  if (V_tcp_do_sack() !== 0) tp.t_flags |= TF_SACK_PERMIT;
  // Start with no RTT estimate: rttvar such that the first RTO is
  // tcp_rexmit_initial.
  tp.t_srtt = 0;
  tp.t_rttvar = ((tcp_rexmit_initial.v - 0) << TCP_RTTVAR_SHIFT) / 4;
  tp.t_rttmin = tcp_rexmit_min.v;
  tp.t_rxtcur = tcp_rexmit_initial.v;
  tp.snd_cwnd = TCP_MAXWIN << 14;
  tp.snd_ssthresh = TCP_MAXWIN << 14;
  tp.t_rcvtime = ticks;
  inp.inp_ip_ttl = V_ip_defttl();
  tp.t_pacing_rate = -1;
  if (VNET_I32(tcp_do_lrd) !== 0) tp.t_flags |= TF_LRD;
  inp.inp_ppcb = tp;
  return tp;
}

/**
 * tcp_discardcb(tp): the socket is going away: stop the timers, free the
 * queues and the algorithm's state, and leave what was learnt about the
 * path in the host cache.
 */
export function tcp_discardcb(tp: tcpcb): void {
  const inp = tp.t_inpcb;
  const so = inp.inp_socket;
  const isipv6 = (inp.inp_vflag & INP_IPV6) !== 0;
  tcp_timer_stop(tp);
  tcp_reass_flush(tp);
  tcp_free_sackholes(tp);
  const cc = tp.t_cc;
  if (cc !== null && cc.cb_destroy !== undefined) cc.cb_destroy(tp.t_ccv);
  tp.t_ccv.cc_data = null;
  cc_detach(tp);
  // With enough RTT samples, remember them and the ssthresh for the next
  // connection to this host.
  if (tp.t_rttupdated >= 4) {
    const metrics = discard_metrics;
    metrics.clear();
    let ssthresh = tp.snd_ssthresh;
    if (ssthresh !== 0 && so !== null && ssthresh < so.so_snd.sb_hiwat / 2) {
      // In segments, then in bytes of whole packets.
      ssthresh = Math.floor((ssthresh + Math.floor(tp.t_maxseg / 2)) / tp.t_maxseg);
      if (ssthresh < 2) ssthresh = 2;
      ssthresh *= tp.t_maxseg + (isipv6 ? IP6_HDR_LEN + TCP_HDRLEN : IP_HDRLEN + TCP_HDRLEN);
    } else ssthresh = 0;
    metrics.hc_ssthresh = ssthresh;
    metrics.hc_rtt = tp.t_srtt;
    metrics.hc_rttvar = tp.t_rttvar;
    metrics.hc_cwnd = tp.snd_cwnd;
    metrics.hc_sendpipe = 0;
    metrics.hc_recvpipe = 0;
    tcp_hc_update(inp.inp_inc, metrics);
  }
  TCPSTATES_DEC(tp.t_state);
  inp.inp_ppcb = null;
}
const discard_metrics = new hc_metrics_lite();

/**
 * tcp_drop(tp, errno): abort: a RST to the peer if we got as far as a SYN,
 * the error on the socket, then tcp_close.
 */
export function tcp_drop(tp: tcpcb, errno: number): tcpcb | null {
  const so = tptosocket(tp);
  if (TCPS_HAVERCVDSYN(tp.t_state)) {
    tcp_state_change(tp, TCPS_CLOSED);
    // tcp_outflags[CLOSED] is RST|ACK.
    void tcp_output(tp);
    TCPSTAT_INC(tcps_drops);
  } else TCPSTAT_INC(tcps_conndrops);
  if (errno === ETIMEDOUT && tp.t_softerror !== 0) errno = tp.t_softerror;
  so.so_error = errno;
  return tcp_close(tp);
}

/**
 * tcp_close(tp): the connection is over: take the PCB out of the lookup
 * hash, stop the timers, tell the socket.  If the socket was closed by its
 * owner already (INP_SOCKREF: TCP kept it for the close handshake), let it
 * go now, which frees the tcpcb: null is returned.
 */
export function tcp_close(tp: tcpcb): tcpcb | null {
  const inp = tp.t_inpcb;
  const so = tptosocket(tp);
  in_pcbdrop(inp);
  TCPSTAT_INC(tcps_closed);
  if (tp.t_state !== TCPS_CLOSED) tcp_state_change(tp, TCPS_CLOSED);
  // A closed connection has no use for its timers (FreeBSD's handlers see
  // INP_DROPPED and return; stopping them keeps the callwheel clean).
  tcp_timer_stop(tp);
  tcp_free_sackholes(tp);
  soisdisconnected(so);
  if ((inp.inp_flags & INP_SOCKREF) !== 0) {
    inp.inp_flags &= ~INP_SOCKREF;
    sorele(so);
    return null;
  }
  return tp;
}

/** tcp_state_change(tp, newstate). */
export function tcp_state_change(tp: tcpcb, newstate: number): void {
  TCPSTATES_DEC(tp.t_state);
  TCPSTATES_INC(newstate);
  tp.t_state = newstate;
}

/**
 * tcp_maxseg(tp): t_maxseg less the option bytes every segment will carry
 * (as tcp_addoptions would lay them out, padding included): for cwnd and
 * ssthresh arithmetic.
 */
export function tcp_maxseg(tp: tcpcb): number {
  if ((tp.t_flags & TF_NOOPT) !== 0) return tp.t_maxseg;
  let optlen: number;
  if (TCPS_HAVEESTABLISHED(tp.t_state)) {
    optlen = (tp.t_flags & TF_RCVD_TSTMP) !== 0 ? TCPOLEN_TSTAMP_APPA : 0;
    if ((tp.t_flags & TF_SACK_PERMIT) !== 0 && tp.rcv_numsacks > 0) {
      optlen += TCPOLEN_SACKHDR;
      optlen += tp.rcv_numsacks * TCPOLEN_SACK;
      optlen = PADTCPOLEN(optlen);
    }
  } else {
    optlen = (tp.t_flags & TF_REQ_TSTMP) !== 0 ? TCPOLEN_TSTAMP_APPA : PADTCPOLEN(TCPOLEN_MAXSEG);
    if ((tp.t_flags & TF_REQ_SCALE) !== 0) optlen += PADTCPOLEN(TCPOLEN_WINDOW);
    if ((tp.t_flags & TF_SACK_PERMIT) !== 0) optlen += PADTCPOLEN(TCPOLEN_SACK_PERMITTED);
  }
  optlen = Math.min(optlen, TCP_MAXOLEN);
  return tp.t_maxseg - optlen;
}

/** PADTCPOLEN(len): len rounded up to a multiple of 4. */
export function PADTCPOLEN(len: number): number {
  return (Math.floor(len / 4) + (len % 4 !== 0 ? 1 : 0)) * 4;
}

// ---------------------------------------------------------------------------
// Headers and bare segments.

/**
 * tcpip_fillheaders(inp, port, ip_ptr, tcp_ptr): the IP (or IPv6) and TCP
 * headers of a segment on this connection, sequence numbers, flags and
 * window zero, checksum left for the caller.
 */
export function tcpip_fillheaders(inp: inpcb, port: number, ip_ptr: hdrptr, tcp_ptr: hdrptr): void {
  const b = ip_ptr.buf;
  const dv = ip_ptr.dv;
  const o = ip_ptr.off;
  if ((inp.inp_vflag & INP_IPV6) !== 0) {
    const flow = dv.getUint32(o + IP6_OFF_FLOW);
    dv.setUint32(o + IP6_OFF_FLOW, ((flow & ~IPV6_FLOWINFO_MASK) | (inp.inp_flow & IPV6_FLOWINFO_MASK)) >>> 0);
    b[o + IP6_OFF_FLOW] = (b[o + IP6_OFF_FLOW] & ~IPV6_VERSION_MASK) | (IPV6_VERSION & IPV6_VERSION_MASK);
    b[o + IP6_OFF_NXT] = IPPROTO_TCP;
    dv.setUint16(o + IP6_OFF_PLEN, TCP_HDRLEN);
    b.set(inp.in6p_laddr.s6_addr, o + IP6_OFF_SRC);
    b.set(inp.in6p_faddr.s6_addr, o + IP6_OFF_DST);
  } else {
    b[o + IPH_VHL] = (IPVERSION << 4) | 5;
    b[o + IPH_TOS] = inp.inp_ip_tos;
    dv.setUint16(o + IPH_LEN, 0);
    dv.setUint16(o + IPH_ID, 0);
    dv.setUint16(o + IPH_OFF, 0);
    b[o + IPH_TTL] = inp.inp_ip_ttl;
    dv.setUint16(o + IPH_SUM, 0);
    b[o + IPH_P] = IPPROTO_TCP;
    dv.setUint32(o + IPH_SRC, inp.inp_laddr >>> 0);
    dv.setUint32(o + IPH_DST, inp.inp_faddr >>> 0);
  }
  void port;
  const t = tcp_ptr.off;
  const tdv = tcp_ptr.dv;
  tdv.setUint16(t + TCPH_SPORT, inp.inp_lport);
  tdv.setUint16(t + TCPH_DPORT, inp.inp_fport);
  tdv.setUint32(t + TCPH_SEQ, 0);
  tdv.setUint32(t + TCPH_ACK, 0);
  tcp_ptr.buf[t + 12] = 5 << 4;
  tcp_ptr.buf[t + 13] = 0;
  tdv.setUint16(t + TCPH_WIN, 0);
  tdv.setUint16(t + TCPH_SUM, 0);
  tdv.setUint16(t + TCPH_URP, 0);
}

/** struct tcptemp: a connection's headers, for keepalive probes. */
export class tcptemp {
  /** tt_ipgen (40 bytes: room for IPv6) then tt_t (the TCP header). */
  readonly bytes = new Uint8Array(40 + TCP_HDRLEN);
  readonly dv = new DataView(this.bytes.buffer);
  readonly tt_ipgen = new hdrptr().set(this.bytes, this.dv, 0);
  readonly tt_t = new hdrptr().set(this.bytes, this.dv, 40);
}
/** One template, reused: the keepalive timer is its only user and it is
 *  done with it before returning. */
const tcp_template = new tcptemp();

/** tcpip_maketemplate(inp): the headers of inp's segments. */
export function tcpip_maketemplate(inp: inpcb): tcptemp | null {
  const t = tcp_template;
  t.bytes.fill(0);
  tcpip_fillheaders(inp, 0, t.tt_ipgen, t.tt_t);
  return t;
}

const respond_to = new tcpopt();
const respond_nth = new hdrptr();

/**
 * tcp_respond(tp, ipgen, th, m, ack, seq, flags): a segment with no data:
 * a RST or an ACK in answer to m (whose headers ipgen and th point at; the
 * addresses and ports are swapped, m itself carries the answer when it may
 * be written), or, without m, a keepalive probe built from a template.
 */
export function tcp_respond(tp: tcpcb | null, ipgen: hdrptr, th: hdrptr, m: mbuf | null, ack: tcp_seq, seq: tcp_seq, flags: number): void {
  KASSERT(tp !== null || m !== null, "tcp_respond: tp and m both NULL");
  const isipv6 = ipgen.buf[ipgen.off] >>> 4 === IPV6_VERSION >>> 4;
  const inp = tp !== null ? tp.t_inpcb : null;
  let incl_opts = false;
  let win = 0;
  if (tp !== null && inp !== null) {
    if ((flags & TH_RST) === 0) {
      const so = inp.inp_socket;
      win = so !== null ? sbspace(so.so_rcv) : 0;
      if (win < 0) win = 0;
      if (win > TCP_MAXWIN << tp.rcv_scale) win = TCP_MAXWIN << tp.rcv_scale;
    }
    if ((tp.t_flags & TF_NOOPT) === 0) incl_opts = true;
  }
  const iphlen = isipv6 ? IP6_HDR_LEN : IP_HDRLEN;
  const nth = respond_nth;
  let ip: number;
  if (m === null) {
    // A probe: fresh headers from the template.
    m = m_gethdr(M_NOWAIT, MT_DATA);
    if (m === null) return;
    m.m_data += max_linkhdr;
    ip = m.m_data;
    m.m_buf.set(ipgen.buf.subarray(ipgen.off, ipgen.off + iphlen), ip);
    m.m_buf.set(th.buf.subarray(th.off, th.off + TCP_HDRLEN), ip + iphlen);
    nth.setm(m, ip + iphlen);
    flags = TH_ACK;
  } else if (!M_WRITABLE(m)) {
    // m's storage is shared: answer from a new mbuf.
    const n = m_gethdr(M_NOWAIT, MT_DATA);
    if (n === null) {
      m_freem(m);
      return;
    }
    if (!m_dup_pkthdr(n, m, M_NOWAIT)) {
      m_freem(m);
      m_freem(n);
      return;
    }
    n.m_data += max_linkhdr;
    ip = n.m_data;
    n.m_buf.set(ipgen.buf.subarray(ipgen.off, ipgen.off + iphlen), ip);
    n.m_buf.set(th.buf.subarray(th.off, th.off + TCP_HDRLEN), ip + iphlen);
    respond_swap_addrs(n, ip, isipv6);
    nth.setm(n, ip + iphlen);
    respond_swap_ports(nth);
    m_freem(m);
    m = n;
  } else {
    // Answer in m itself: its headers stay where they are.
    m_freem(m.m_next);
    m.m_next = null;
    m.m_data = ipgen.off;
    ip = m.m_data;
    respond_swap_addrs(m, ip, isipv6);
    nth.setm(m, ip + iphlen);
    if (th.off !== nth.off) {
      // An extension header sat between the IPv6 and TCP headers.
      nth.dv.setUint16(nth.off + TCPH_SPORT, th.dv.getUint16(th.off + TCPH_SPORT));
      nth.dv.setUint16(nth.off + TCPH_DPORT, th.dv.getUint16(th.off + TCPH_DPORT));
    }
    respond_swap_ports(nth);
  }
  let tlen = iphlen + TCP_HDRLEN;
  m.m_len = tlen;
  let optlen = 0;
  const to = respond_to;
  to.clear();
  if (incl_opts && tp !== null) {
    if ((tp.t_flags & TF_RCVD_TSTMP) !== 0) {
      to.to_tsval = (tcp_ts_getticks() + tp.ts_offset) | 0;
      to.to_tsecr = tp.ts_recent;
      to.to_flags |= TOF_TS;
    }
    optlen = tcp_addoptions(to, m.m_buf, nth.off + TCP_HDRLEN);
    tlen += optlen;
    m.m_len += optlen;
  }
  const dv = m.m_dv;
  if (isipv6) {
    dv.setUint32(ip + IP6_OFF_FLOW, 0);
    m.m_buf[ip + IP6_OFF_FLOW] = IPV6_VERSION;
    m.m_buf[ip + IP6_OFF_NXT] = IPPROTO_TCP;
    dv.setUint16(ip + IP6_OFF_PLEN, tlen - IP6_HDR_LEN);
  } else {
    dv.setUint16(ip + IPH_LEN, tlen);
    if (inp !== null) {
      m.m_buf[ip + IPH_TOS] = inp.inp_ip_tos & ~0x03;
      m.m_buf[ip + IPH_TTL] = inp.inp_ip_ttl;
    } else {
      m.m_buf[ip + IPH_TOS] = 0;
      m.m_buf[ip + IPH_TTL] = V_ip_defttl();
    }
    m.m_buf[ip + IPH_P] = IPPROTO_TCP;
    if (V_path_mtu_discovery() !== 0) dv.setUint16(ip + IPH_OFF, dv.getUint16(ip + IPH_OFF) | IP_DF);
  }
  m.m_pkthdr.len = tlen;
  m.m_pkthdr.rcvif = null;
  dv.setUint32(nth.off + TCPH_SEQ, seq >>> 0);
  dv.setUint32(nth.off + TCPH_ACK, ack >>> 0);
  m.m_buf[nth.off + 12] = 0;
  th_set_off(m, nth.off, (TCP_HDRLEN + optlen) >> 2);
  tcp_set_flags(m, nth.off, flags);
  dv.setUint16(nth.off + TCPH_WIN, tp !== null ? (win >> tp.rcv_scale) & 0xffff : win & 0xffff);
  dv.setUint16(nth.off + TCPH_URP, 0);
  m.m_pkthdr.csum_data = TCPH_SUM;
  if (isipv6) {
    m.m_pkthdr.csum_flags = CSUM_TCP_IPV6;
    dv.setUint16(nth.off + TCPH_SUM, in6_cksum_pseudo(m, ip - m.m_data, tlen - IP6_HDR_LEN, IPPROTO_TCP, 0));
    m.m_buf[ip + IP6_OFF_HLIM] = in6_selecthlim(inp, null);
    void ip6_output(m, inp !== null ? inp.in6p_outputopts : null, null, 0, null, null, inp);
  } else {
    m.m_pkthdr.csum_flags = CSUM_TCP;
    dv.setUint16(nth.off + TCPH_SUM, in_pseudo(dv.getUint32(ip + IPH_SRC), dv.getUint32(ip + IPH_DST), (tlen - IP_HDRLEN + IPPROTO_TCP) >>> 0));
    void ip_output(m, null, null, 0, null, inp);
  }
}

function respond_swap_addrs(m: mbuf, ip: number, isipv6: boolean): void {
  const b = m.m_buf;
  if (isipv6) {
    for (let i = 0; i < 16; i++) {
      const t = b[ip + IP6_OFF_SRC + i];
      b[ip + IP6_OFF_SRC + i] = b[ip + IP6_OFF_DST + i];
      b[ip + IP6_OFF_DST + i] = t;
    }
  } else {
    const dv = m.m_dv;
    const t = dv.getUint32(ip + IPH_SRC);
    dv.setUint32(ip + IPH_SRC, dv.getUint32(ip + IPH_DST));
    dv.setUint32(ip + IPH_DST, t);
  }
}

function respond_swap_ports(nth: hdrptr): void {
  const dv = nth.dv;
  const t = dv.getUint16(nth.off + TCPH_SPORT);
  dv.setUint16(nth.off + TCPH_SPORT, dv.getUint16(nth.off + TCPH_DPORT));
  dv.setUint16(nth.off + TCPH_DPORT, t);
}

// ---------------------------------------------------------------------------
// ICMP errors.

/** tcp_notify(inp, error): a soft error, or give up on a connection that
 *  never got going. */
function tcp_notify(inp: inpcb, error: number): inpcb | null {
  const tp = intotcpcb(inp);
  // While established, an unreachable may be transient: ignore it.  A
  // connection being set up that already retransmitted and got a second
  // error gives up now rather than wait it out.
  if (tp.t_state === 4 /* TCPS_ESTABLISHED */ && (error === EHOSTUNREACH || error === ENETUNREACH || error === EHOSTDOWN)) {
    return inp;
  } else if (tp.t_state < 4 && tp.t_rxtshift > 3 && tp.t_softerror !== 0) {
    return tcp_drop(tp, error) !== null ? inp : null;
  } else {
    tp.t_softerror = error;
    return inp;
  }
}

/** tcp_drop_syn_sent(inp, errno): an unreachable while connecting refuses
 *  the connection. */
function tcp_drop_syn_sent(inp: inpcb, errno: number): inpcb | null {
  const tp = intotcpcb(inp);
  if (tp.t_state !== TCPS_SYN_SENT) return inp;
  return tcp_drop(tp, errno) !== null ? inp : null;
}

/** tcp_mtudisc_notify(inp, error): need-frag without a usable MTU. */
function tcp_mtudisc_notify(inp: inpcb, _error: number): inpcb | null {
  return tcp_mtudisc(inp, -1);
}

/**
 * tcp_mtudisc(inp, mtuoffer): the path MTU went down: recompute the MSS
 * (never above the send buffer) and resend from snd_una.
 */
export function tcp_mtudisc(inp: inpcb, mtuoffer: number): inpcb | null {
  const tp = intotcpcb(inp);
  tcp_mss_update(tp, -1, mtuoffer, null, null);
  const so = tptosocket(tp);
  if (so.so_snd.sb_hiwat < tp.t_maxseg) tp.t_maxseg = so.so_snd.sb_hiwat;
  TCPSTAT_INC(tcps_mturesent);
  tp.t_rtttime = 0;
  tp.snd_nxt = tp.snd_una;
  tcp_free_sackholes(tp);
  tp.snd_recover = tp.snd_max;
  if ((tp.t_flags & TF_SACK_PERMIT) !== 0) EXIT_FASTRECOVERY(tp);
  void tcp_output(tp);
  return inp;
}

const ctl_inc = new in_conninfo();

/**
 * tcp_ctlinput(m, icp): an ICMP error quoting one of our segments (the
 * quoted IP header follows the ICMP header at icp, its first 8 bytes of
 * TCP behind it).  Need-frag lowers the MSS (and tells the host cache);
 * unreachables are soft errors, or refuse a connection in SYN_SENT; the
 * quoted sequence number must be one we have in flight.
 */
export function tcp_ctlinput(m: mbuf, icp: number): void {
  const errno = icmp_errmap(m, icp);
  if (errno === 0) return;
  const b = m.m_buf;
  const dv = m.m_dv;
  const ic = m.m_data + icp;
  let notify: (inp: inpcb, errno: number) => inpcb | null;
  switch (errno) {
    case EMSGSIZE:
      notify = tcp_mtudisc_notify;
      break;
    case ECONNREFUSED:
      notify = VNET_I32(icmp_may_rst) !== 0 ? tcp_drop_syn_sent : tcp_notify;
      break;
    case EHOSTUNREACH:
      notify = VNET_I32(icmp_may_rst) !== 0 && b[ic + ICMPH_TYPE] === ICMP_TIMXCEED ? tcp_drop_syn_sent : tcp_notify;
      break;
    default:
      notify = tcp_notify;
  }
  const ip = ic + ICMPH_IP;
  const th = ip + ((b[ip + IPH_VHL] & 0x0f) << 2);
  const ip_src = dv.getUint32(ip + IPH_SRC);
  const ip_dst = dv.getUint32(ip + IPH_DST);
  const th_sport = dv.getUint16(th + TCPH_SPORT);
  const th_dport = dv.getUint16(th + TCPH_DPORT);
  const icmp_tcp_seq = dv.getInt32(th + TCPH_SEQ);
  let inp = in_pcblookup(V_tcbinfo(), ip_dst, th_dport, ip_src, th_sport, INPLOOKUP_WLOCKPCB, null);
  if (inp !== null) {
    const tp = intotcpcb_or_null(inp);
    if (tp === null || tp.t_port !== 0) return;
    if (SEQ_GEQ(icmp_tcp_seq, tp.snd_una) && SEQ_LT(icmp_tcp_seq, tp.snd_max)) {
      if (errno === EMSGSIZE) {
        // No MTU offered: try the next smaller plateau.
        let mtu = dv.getUint16(ic + ICMPH_NEXTMTU);
        if (mtu === 0) mtu = ip_next_mtu(dv.getUint16(ip + IPH_LEN), 1);
        if (mtu < V_tcp_minmss() + IP_HDRLEN + TCP_HDRLEN) mtu = V_tcp_minmss() + IP_HDRLEN + TCP_HDRLEN;
        // Only a smaller MTU than the one in use matters.
        if (mtu < tp.t_maxseg + IP_HDRLEN + TCP_HDRLEN) {
          const inc = ctl_inc;
          in_conninfo_clear(inc);
          inc.inc_faddr = ip_dst;
          inc.inc_fibnum = inp.inp_inc.inc_fibnum;
          tcp_hc_updatemtu(inc, mtu);
          inp = tcp_mtudisc(inp, mtu);
        }
      } else inp = notify(inp, errno);
    }
  } else {
    const inc = ctl_inc;
    in_conninfo_clear(inc);
    inc.inc_fport = th_dport;
    inc.inc_lport = th_sport;
    inc.inc_faddr = ip_dst;
    inc.inc_laddr = ip_src;
    syncache_unreach(inc, icmp_tcp_seq, 0);
  }
  void ICMPH_CODE;
}


const ctl6_ports = new Uint8Array(8);
const ctl6_dv = new DataView(ctl6_ports.buffer);

/**
 * tcp6_ctlinput(ip6cp): an ICMPv6 error quoting one of our segments.
 * Packet too big lowers the MSS (never below the IPv6 minimum MTU) and
 * tells the host cache; administratively prohibited and time exceeded
 * refuse a connection in SYN_SENT; the rest are soft errors.
 */
export function tcp6_ctlinput(ip6cp: ip6ctlparam): void {
  const m = ip6cp.ip6c_m;
  if (m === null) return;
  const icmp6 = m.m_data + ip6cp.ip6c_icmp6;
  const errno = icmp6_errmap(m, ip6cp.ip6c_icmp6);
  let notify: (inp: inpcb, errno: number) => inpcb | null;
  switch (errno) {
    case 0:
      return;
    case EMSGSIZE:
      notify = tcp_mtudisc_notify;
      break;
    case ECONNREFUSED:
      notify = VNET_I32(icmp_may_rst) !== 0 ? tcp_drop_syn_sent : tcp_notify;
      break;
    case EHOSTUNREACH: {
      const type = m.m_buf[icmp6];
      const code = m.m_buf[icmp6 + 1];
      notify =
        VNET_I32(icmp_may_rst) !== 0 && ((type === ICMP6_DST_UNREACH && code === ICMP6_DST_UNREACH_ADMIN) || (type === ICMP6_TIME_EXCEEDED && code === ICMP6_TIME_EXCEED_TRANSIT))
          ? tcp_drop_syn_sent
          : tcp_notify;
      break;
    }
    default:
      notify = tcp_notify;
  }
  // The quoted ports and sequence number, if the quote holds them.
  let off = ip6cp.ip6c_off;
  if (m.m_pkthdr.len < off + 4) return;
  m_copydata(m, off, 4, ctl6_ports, 0);
  const th_sport = ctl6_dv.getUint16(0);
  const th_dport = ctl6_dv.getUint16(2);
  const ip6 = m.m_data + ip6cp.ip6c_ip6;
  const src = ctl6_src;
  const dst = ctl6_dst;
  src.s6_addr.set(m.m_buf.subarray(ip6 + IP6_OFF_SRC, ip6 + IP6_OFF_SRC + 16));
  dst.s6_addr.set(m.m_buf.subarray(ip6 + IP6_OFF_DST, ip6 + IP6_OFF_DST + 16));
  const finaldst = ip6cp.ip6c_finaldst ?? dst;
  let inp = in6_pcblookup(V_tcbinfo(), dst, th_dport, src, th_sport, INPLOOKUP_WLOCKPCB, null);
  off += 4;
  if (m.m_pkthdr.len < off + 4) return;
  m_copydata(m, off, 4, ctl6_ports, 4);
  const icmp_tcp_seq = ctl6_dv.getInt32(4);
  if (inp !== null) {
    const tp = intotcpcb_or_null(inp);
    if (tp === null || tp.t_port !== 0) return;
    if (SEQ_GEQ(icmp_tcp_seq, tp.snd_una) && SEQ_LT(icmp_tcp_seq, tp.snd_max)) {
      if (errno === EMSGSIZE) {
        let mtu = m.m_dv.getUint32(icmp6 + 4);
        if (mtu < IPV6_MMTU) mtu = IPV6_MMTU;
        if (mtu < tp.t_maxseg + TCP_HDRLEN + IP6_HDR_LEN) {
          const inc = ctl_inc;
          in_conninfo_clear(inc);
          inc.inc_fibnum = m.m_pkthdr.fibnum;
          inc.inc_flags |= INC_ISIPV6;
          inc.inc6_faddr.s6_addr.set(finaldst.s6_addr);
          const rcvif = m.m_pkthdr.rcvif as ifnet | null;
          if (rcvif !== null && in6_setscope(inc.inc6_faddr, rcvif, null) !== 0) return;
          tcp_hc_updatemtu(inc, mtu);
          tcp_mtudisc(inp, mtu);
          ICMP6STAT_INC(icp6s_pmtuchg);
        }
      } else inp = notify(inp, errno);
    }
  } else {
    const inc = ctl_inc;
    in_conninfo_clear(inc);
    inc.inc_fibnum = m.m_pkthdr.fibnum;
    inc.inc_flags |= INC_ISIPV6;
    inc.inc_fport = th_dport;
    inc.inc_lport = th_sport;
    inc.inc6_faddr.s6_addr.set(finaldst.s6_addr);
    inc.inc6_laddr.s6_addr.set(src.s6_addr);
    syncache_unreach(inc, icmp_tcp_seq, 0);
  }
}
const ctl6_src = new in6_addr();
const ctl6_dst = new in6_addr();

// ---------------------------------------------------------------------------
// Initial sequence numbers and timestamp offsets (RFC 6528).

/** The ISN clock runs at 1 MB/s (RFC 6528's "M"). */
const ISN_BYTES_PER_SECOND = 1048576;

const keyed_msg = new Uint8Array(36);

/** tcp_keyed_hash(inc, key): SipHash-2-4 of the ports and addresses, the
 *  two halves XORed, as FreeBSD folds it. */
function tcp_keyed_hash(inc: in_conninfo, key: Uint8Array): number {
  const msg = keyed_msg;
  msg[0] = inc.inc_fport >>> 8;
  msg[1] = inc.inc_fport & 0xff;
  msg[2] = inc.inc_lport >>> 8;
  msg[3] = inc.inc_lport & 0xff;
  let len: number;
  if ((inc.inc_flags & INC_ISIPV6) === 0) {
    put32(msg, 4, inc.inc_faddr);
    put32(msg, 8, inc.inc_laddr);
    len = 12;
  } else {
    msg.set(inc.inc6_faddr.s6_addr, 4);
    msg.set(inc.inc6_laddr.s6_addr, 20);
    len = 36;
  }
  return SipHash24_fold(key, msg, len);
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * tcp_new_isn(inc): the keyed hash of the connection (the secret reseeded
 * every net.inet.tcp.isn_reseed_interval seconds, if set) plus an offset
 * that advances at ISN_BYTES_PER_SECOND and by at least a tick's worth per
 * call.
 */
export function tcp_new_isn(inc: in_conninfo): tcp_seq {
  const s = V_isn();
  const reseed = VNET_I32(tcp_isn_reseed_interval);
  if (s.isn_last_reseed === 0 || (reseed > 0 && ((s.isn_last_reseed + reseed * hz) >>> 0) < ticks >>> 0)) {
    arc4random_buf(s.isn_secret);
    s.isn_last_reseed = ticks === 0 ? 1 : ticks;
  }
  let new_isn = tcp_keyed_hash(inc, s.isn_secret);
  const per_tick = Math.floor(ISN_BYTES_PER_SECOND / hz);
  s.isn_offset = (s.isn_offset + per_tick) >>> 0;
  if (ticks !== s.isn_last) {
    const projected_offset = (s.isn_offset_old + Math.imul(per_tick, (ticks - s.isn_last) | 0)) >>> 0;
    if (((projected_offset - s.isn_offset) | 0) > 0) s.isn_offset = projected_offset;
    s.isn_offset_old = s.isn_offset;
    s.isn_last = ticks;
  }
  new_isn = (new_isn + s.isn_offset) | 0;
  return new_isn;
}

/** tcp_new_ts_offset(inc): a per-connection timestamp offset, so the
 *  timestamps do not give the uptime away. */
export function tcp_new_ts_offset(inc: in_conninfo): number {
  return tcp_keyed_hash(inc, V_isn().ts_offset_secret) | 0;
}

// ---------------------------------------------------------------------------
// Path MTU.

/** tcp_maxmtu(inc, cap): the MTU of the route to inc_faddr, 0 when there
 *  is no route (no offload capabilities are reported: there are none). */
export function tcp_maxmtu(inc: in_conninfo, cap: tcp_ifcap | null): number {
  let maxmtu = 0;
  if (inc.inc_faddr !== INADDR_ANY) {
    const nh = fib4_lookup(inc.inc_fibnum, inc.inc_faddr, 0, NHR_NONE, 0);
    if (nh === null) return 0;
    maxmtu = nh.nh_mtu;
    if (cap !== null) cap.clear();
  }
  return maxmtu;
}

/** tcp_maxmtu6(inc, cap): the same for inc6_faddr. */
export function tcp_maxmtu6(inc: in_conninfo, cap: tcp_ifcap | null): number {
  let maxmtu = 0;
  const a = inc.inc6_faddr.s6_addr;
  let unspecified = true;
  for (let i = 0; i < 16; i++) if (a[i] !== 0) unspecified = false;
  if (!unspecified) {
    const nh = fib6_lookup(inc.inc_fibnum, inc.inc6_faddr, inc.inc6_zoneid, NHR_NONE, 0);
    if (nh === null) return 0;
    maxmtu = nh.nh_mtu;
    if (cap !== null) cap.clear();
  }
  return maxmtu;
}

// ---------------------------------------------------------------------------
// Logging of odd segments (net.inet.tcp.log_in_vain, log_debug).

function tcp_log_addr(inc: in_conninfo | null, th: hdrptr | null, ip4hdr: hdrptr | null, ip6hdr: hdrptr | null): string {
  let s: string;
  const sp = th !== null ? th.dv.getUint16(th.off + TCPH_SPORT) : 0;
  const dp = th !== null ? th.dv.getUint16(th.off + TCPH_DPORT) : 0;
  if (inc !== null && (inc.inc_flags & INC_ISIPV6) !== 0) {
    s = `TCP: [${in6_str(inc.inc6_faddr.s6_addr, 0)}]:${inc.inc_fport} to [${in6_str(inc.inc6_laddr.s6_addr, 0)}]:${inc.inc_lport}`;
  } else if (inc !== null) {
    s = `TCP: [${inet_ntoa(inc.inc_faddr)}]:${inc.inc_fport} to [${inet_ntoa(inc.inc_laddr)}]:${inc.inc_lport}`;
  } else if (ip6hdr !== null) {
    s = `TCP: [${in6_str(ip6hdr.buf, ip6hdr.off + IP6_OFF_SRC)}]:${sp} to [${in6_str(ip6hdr.buf, ip6hdr.off + IP6_OFF_DST)}]:${dp}`;
  } else if (ip4hdr !== null) {
    s = `TCP: [${inet_ntoa(ip4hdr.dv.getUint32(ip4hdr.off + IPH_SRC))}]:${sp} to [${inet_ntoa(ip4hdr.dv.getUint32(ip4hdr.off + IPH_DST))}]:${dp}`;
  } else return "";
  if (th !== null) {
    const flags = tcp_get_flags_ptr(th);
    s += ` tcpflags 0x${flags.toString(16)}<${print_flags(flags)}>`;
  }
  return s;
}

function tcp_get_flags_ptr(th: hdrptr): number {
  return th.buf[th.off + 13] | ((th.buf[th.off + 12] & 0x0f) << 8);
}

function print_flags(flags: number): string {
  const names: string[] = [];
  const desc = PRINT_TH_FLAGS;
  let i = 1;
  while (i < desc.length) {
    const bit = desc.charCodeAt(i) - 1;
    let j = i + 1;
    while (j < desc.length && desc.charCodeAt(j) > 32) j++;
    if ((flags & (1 << bit)) !== 0) names.push(desc.slice(i + 1, j));
    i = j;
  }
  return names.join(",");
}

function in6_str(b: Uint8Array, o: number): string {
  const a = new in6_addr();
  a.s6_addr.set(b.subarray(o, o + 16));
  return inet_ntop6(a);
}

/** tcp_log_addrs(inc, th, ip4hdr, ip6hdr): "TCP: [a]:p to [b]:q tcpflags
 *  0x..<..>", for a log message (allocates: logging only). */
export function tcp_log_addrs(inc: in_conninfo | null, th: hdrptr | null, ip4hdr: hdrptr | null, ip6hdr: hdrptr | null): string | null {
  if (tcp_log_debug.v === 0 && VNET_I32(tcp_log_in_vain) === 0) return null;
  return tcp_log_addr(inc, th, ip4hdr, ip6hdr);
}

/** tcp_log_vain(inc, th, ip4hdr, ip6hdr): the same when log_in_vain asks
 *  for it (1: SYNs only; 2: everything). */
export function tcp_log_vain(inc: in_conninfo | null, th: hdrptr | null, ip4hdr: hdrptr | null, ip6hdr: hdrptr | null): string | null {
  const v = VNET_I32(tcp_log_in_vain);
  if (v === 0) return null;
  if (v === 1 && (th === null || (tcp_get_flags_ptr(th) & 0x02) === 0)) return null;
  return tcp_log_addr(inc, th, ip4hdr, ip6hdr);
}

/** tcp_record_dsack(tp, start, end, tlp): the peer's D-SACK says it got
 *  [start, end) twice: count it (as a TLP's or not). */
export function tcp_record_dsack(tp: tcpcb, start: tcp_seq, end: tcp_seq, tlp: number): void {
  const n = (end - start) | 0;
  if (tlp !== 0) {
    tp.t_dsack_tlp_bytes += n;
    TCPSTAT_ADD(tcps_dsack_tlp_bytes, n);
  } else {
    tp.t_dsack_bytes += n;
    TCPSTAT_ADD(tcps_dsack_bytes, n);
  }
  tp.t_dsack_pack++;
  TCPSTAT_INC(tcps_dsack_count);
}

/** tcp_drain: give back memory under pressure (the reassembly queues and
 *  SACK state of every connection). */
export function tcp_drain(): void {
  const pi = VNET_PTR(tcbinfo_p);
  if (pi === null) return;
  for (const inp of pi.ipi_listhead) {
    const tp = intotcpcb_or_null(inp);
    if (tp === null || (inp.inp_flags & INP_DROPPED) !== 0) continue;
    tcp_reass_flush(tp);
    tcp_free_sackholes(tp);
  }
}
