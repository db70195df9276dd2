// sys/netinet/tcp_input.c: TCP input.  tcp_input/tcp6_input check the
// segment (checksum, header length), find its inpcb and hand listening
// sockets' segments to the syncache; tcp_do_segment runs RFC 793's
// segment-arrives processing for every other state, with FreeBSD's header
// prediction fast paths, RFC 5961's blind-attack protections (challenge
// ACKs, rate-limited), PAWS, window and urgent processing, ACK and
// duplicate-ACK handling with NewReno, SACK and PRR loss recovery through
// the cc framework, and delayed ACKs.  Also here: option parsing
// (tcp_dooptions), the RST we send for segments nobody wants
// (tcp_dropwithreset), RTT estimation (tcp_xmit_timer), MSS selection
// (tcp_mss, tcp_mss_update, tcp_mssopt) and receive buffer autosizing.
//
// The segment is read in place: th is the offset of the TCP header in the
// first mbuf's storage (m.m_buf), fields read through m.m_dv in network
// order; where FreeBSD adjusts th_seq or th_urp in place, so do we.  The
// options go into one module-level struct tcpopt per parsing site.
//
// Departures: no ECN (tcp_ecn.c: segments are processed as with
// net.inet.tcp.ecn.enable=0), no TCP Fast Open, no TCP-MD5, no UDP
// tunnelling (port is always 0), no TOE, no hhook/khelp, no BBlog, no
// IPsec policy checks, no debug logging (net.inet.tcp.log_debug).  One
// stack (FreeBSD's "default"), so tfb_tcp_do_segment is tcp_do_segment.

import { ECONNREFUSED, ECONNRESET } from "../kern/errno.ts";
import { log, panic } from "../kern/subr_prf.ts";
import { CSUM_DATA_VALID, CSUM_IP_TSO, CSUM_PSEUDO_HDR, M_BCAST, M_MCAST, M_PKTHDR, type mbuf } from "../kern/mbuf.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { m_adj, m_pullup } from "../kern/uipc_mbuf.ts";
import { hz, ticks } from "../kern/kern_timeout.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_OPAQUE, OID_AUTO, SYSCTL_INT, SYSCTL_OUT, SYSCTL_PROC, SYSCTL_VNET_PCPUSTAT } from "../kern/sysctl.ts";
import { SO_OOBINLINE } from "../kern/socket.ts";
import {
  SBS_CANTRCVMORE,
  SBS_RCVATMARK,
  SB_AUTOSIZE,
  SOLISTENING,
  SO_RCV,
  SO_SND,
  sb_max_get,
  sbappendstream_locked,
  sbavail,
  sbcut_locked,
  sbdrop_locked,
  sbreserve_locked,
  sbspace,
  socantrcvmore,
  sohasoutofband,
  soisconnected,
  soisdisconnected,
  sorwakeup_locked,
  sowwakeup,
  type socket,
} from "../kern/uipc_socket.ts";
import { VNET_DEFINE_INT, VNET_I32, VNET_U64 } from "../net/vnet.ts";
import type { ifnet } from "../net/if.ts";
import { in6_addr, in6_addr_copy, in6_addr_read, IN6_ARE_ADDR_EQUAL, IN6_IFF_ANYCAST, IN6_IFF_DEPRECATED, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED } from "../netinet6/in6_var.ts";
import { CSUM_DATA_VALID_IPV6, IP6STAT_INC, IPPROTO_DONE, M_IP6_NEXTHOP, ip6s_badscope, type intp, type mbufp } from "../netinet6/ip6_var.ts";
import { m_tag_locate } from "../kern/uipc_mbuf2.ts";
import { in6ifa_ifwithaddr, in6_localaddr } from "../netinet6/in6.ts";
import { in6_cksum, in6_cksum_pseudo } from "../netinet6/in6_cksum.ts";
import { V_ip6_use_deprecated } from "../netinet6/in6_proto.ts";
import { icmp6_error } from "../netinet6/icmp6.ts";
import { ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR } from "./icmp6.ts";
import { INADDR_ANY, INADDR_BROADCAST, IN_MULTICAST, IPPROTO_TCP, in_broadcast, in_localaddr, in_localip } from "./in.ts";
import { in_cksum, in_pseudo } from "./in_cksum.ts";
import { IPH_DST, IPH_LEN, IPH_SRC, IPH_TOS, IPH_TTL, IP_HDRLEN } from "./ip.ts";
import { IP6_HDR_LEN, IP6_OFF_DST, IP6_OFF_FLOW, IP6_OFF_HLIM, IP6_OFF_PLEN, IP6_OFF_SRC } from "./ip6.ts";
import { IPSTAT_INC, M_IP_NEXTHOP, ips_badaddr, is_ip_fwd_tag } from "./ip_var.ts";
import { ip_stripoptions } from "./ip_options.ts";
import { BANDLIM_RST_CLOSEDPORT, BANDLIM_RST_OPENPORT, BANDLIM_UNLIMITED, badport_bandlim } from "./ip_icmp.ts";
import { INC_IPV6MINMTU, INC_ISIPV6, INPLOOKUP_RLOCKPCB, INPLOOKUP_WILDCARD, INPLOOKUP_WLOCKPCB, INP_IPV6, in_conninfo, in_conninfo_clear, in_pcblookup_mbuf, sotoinpcb, type inpcb } from "./in_pcb.ts";
import { in6_pcblookup_mbuf } from "../netinet6/in6_pcb.ts";
import {
  TCPH_ACK,
  TCPH_DPORT,
  TCPH_SEQ,
  TCPH_SPORT,
  TCPH_URP,
  TCPH_WIN,
  TCPOLEN_MAXSEG,
  TCPOLEN_SACK,
  TCPOLEN_SACK_PERMITTED,
  TCPOLEN_SIGNATURE,
  TCPOLEN_TIMESTAMP,
  TCPOLEN_WINDOW,
  TCPOPT_EOL,
  TCPOPT_MAXSEG,
  TCPOPT_NOP,
  TCPOPT_SACK,
  TCPOPT_SACK_PERMITTED,
  TCPOPT_SIGNATURE,
  TCPOPT_TIMESTAMP,
  TCPOPT_WINDOW,
  TCP_HDRLEN,
  TCP_MAXWIN,
  TCP_MAX_WINSHIFT,
  TH_ACK,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
  TH_URG,
  hdrptr,
  tcp_get_flags,
  th_off,
} from "./tcp.ts";
import { SEQ_GEQ, SEQ_GT, SEQ_LEQ, SEQ_LT, TCP_PAWS_IDLE, TCP_TS_TO_TICKS, TSTMP_GEQ, TSTMP_GT, TSTMP_LT, tcp_rcvseqinit, tcp_ts_getticks } from "./tcp_seq.ts";
import {
  TCPS_CLOSED,
  TCPS_CLOSE_WAIT,
  TCPS_CLOSING,
  TCPS_ESTABLISHED,
  TCPS_FIN_WAIT_1,
  TCPS_FIN_WAIT_2,
  TCPS_HAVEESTABLISHED,
  TCPS_HAVERCVDFIN,
  TCPS_LAST_ACK,
  TCPS_LISTEN,
  TCPS_SYN_RECEIVED,
  TCPS_SYN_SENT,
  TCPS_TIME_WAIT,
  TCP_NSTATES,
} from "./tcp_fsm.ts";
import {
  BYTES_THIS_ACK,
  IN_CONGRECOVERY,
  IN_FASTRECOVERY,
  IN_RECOVERY,
  SEGQ_EMPTY,
  TCPCTL_RECVSPACE,
  TCPCTL_STATES,
  TCPCTL_STATS,
  TCPSTAT_NFIELDS,
  tcpstat,
  tcps_states,
  TCPOOB_HADDATA,
  TCPOOB_HAVEDATA,
  TCPSTAT_ADD,
  TCPSTAT_INC,
  TCP_DELTA_SHIFT,
  TCP_REXMTVAL,
  TCP_RTTVAR_SCALE,
  TCP_RTTVAR_SHIFT,
  TCP_RTT_SCALE,
  TCP_RTT_SHIFT,
  TF2_ECN_PERMIT,
  TF2_ECN_SND_CWR,
  TF2_FBYTES_COMPLETE,
  TF_ACKNOW,
  TF_CLOSED,
  TF_CONGRECOVERY,
  TF_DELACK,
  TF_FASTRECOVERY,
  TF_LRD,
  TF_NEEDFIN,
  TF_NEEDSYN,
  TF_NOOPT,
  TF_PREVVALID,
  TF_RCVD_SCALE,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_RXWIN0SENT,
  TF_SACK_PERMIT,
  TF_SONOTCONN,
  TF_TSO,
  TF_WAKESOR,
  TF_WASCRECOVERY,
  TF_WASFRECOVERY,
  TOF_MSS,
  TOF_SACK,
  TOF_SACKPERM,
  TOF_SCALE,
  TOF_SIGNATURE,
  TOF_TS,
  TO_SYN,
  _net_inet_tcp,
  drop_synfin,
  hc_metrics_lite,
  intotcpcb,
  path_mtu_discovery,
  sototcpcb,
  tcp_abc_l_var,
  tcp_autorcvbuf_max,
  tcp_blackhole,
  tcp_blackhole_local,
  tcp_delack_enabled,
  tcp_do_autorcvbuf,
  tcp_do_lrd,
  tcp_do_newcwv,
  tcp_do_newsack,
  tcp_do_prr,
  tcp_do_prr_conservative,
  tcp_do_rfc3042,
  tcp_do_rfc3390,
  tcp_do_rfc3465,
  tcp_do_sack,
  tcp_ifcap,
  tcp_initcwnd_segments,
  tcp_insecure_rst,
  tcp_insecure_syn,
  tcp_log_in_vain,
  tcp_minmss,
  tcp_mssdflt,
  tcp_recvspace,
  tcp_sc_rst_sock_fail,
  tcp_sendspace,
  tcp_tolerate_missing_ts,
  tcp_v6mssdflt,
  tcpopt,
  tcps_badrst,
  tcps_badsyn,
  tcps_connects,
  tcps_drops,
  tcps_ecn_rcwnd,
  tcps_pawsdrop,
  tcps_predack,
  tcps_preddat,
  tcps_rcvackbyte,
  tcps_rcvackpack,
  tcps_rcvacktoomuch,
  tcps_rcvafterclose,
  tcps_rcvbadoff,
  tcps_rcvbadsum,
  tcps_rcvbyte,
  tcps_rcvbyteafterwin,
  tcps_rcvdupack,
  tcps_rcvdupbyte,
  tcps_rcvduppack,
  tcps_rcvpack,
  tcps_rcvpackafterwin,
  tcps_rcvpartdupbyte,
  tcps_rcvpartduppack,
  tcps_rcvshort,
  tcps_rcvtotal,
  tcps_rcvwinprobe,
  tcps_rcvwinupd,
  tcps_rttupdated,
  tcps_sack_rcv_blocks,
  tcps_sack_recovery_episode,
  tcps_sndrexmitbad,
  tcps_usedrtt,
  tcps_usedrttvar,
  tcps_usedssthresh,
  tptoinpcb,
  tptosocket,
  type tcpcb,
} from "./tcp_var.ts";
import { TCPTV_REXMTMAX, TP_KEEPIDLE, TP_MAXIDLE, TCP_MAXRXTSHIFT, TCPT_RANGESET, tcp_delacktime, tcp_fast_finwait2_recycle, tcp_finwait2_timeout, tcp_timer_activate, tcp_timer_active } from "./tcp_timer.ts";
import { TT_2MSL, TT_DELACK, TT_KEEP, TT_PERSIST, TT_REXMT } from "./tcp_var.ts";
import { CCF_ABC_SENTAWND, CCF_CWND_LIMITED, CC_ACK, CC_ALGO, CC_DUPACK, CC_ECN, CC_NDUPACK, CC_RTO, CC_RTO_ERR, tcp_compute_initwnd } from "./cc/cc.ts";
import { cc_after_idle, tcp_output } from "./tcp_output.ts";
import { V_tcbinfo, tcp_close, tcp_drop, tcp_log_vain, tcp_maxmtu, tcp_maxmtu6, tcp_maxseg, tcp_respond, tcp_state_change } from "./tcp_subr.ts";
import { tcp_twcheck, tcp_twstart } from "./tcp_timewait.ts";
import { tcp_hc_get, tcp_hc_getmtu } from "./tcp_hostcache.ts";
import { tcp_reass, tcp_reass_io } from "./tcp_reass.ts";
import { tcp_clean_sackreport, tcp_sack_doack, tcp_sack_lost_retransmission, tcp_sack_partialack, tcp_update_dsack_list, tcp_update_sack_list, SACK_CHANGE, SACK_NEWLOSS, SACK_NOCHANGE } from "./tcp_sack.ts";
import { syncache_add, syncache_badack, syncache_chkrst, syncache_expand, type syncache_so_p } from "./tcp_syncache.ts";

// ---------------------------------------------------------------------------
// net.inet.tcp knobs of tcp_input.c (per vnet).

// The variables are declared in tcp_var.ts (VNET_DEFINE); their sysctls are here.
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "log_in_vain", CTLFLAG_VNET | CTLFLAG_RW, tcp_log_in_vain, 0, "Log all incoming TCP segments to closed ports");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "blackhole", CTLFLAG_VNET | CTLFLAG_RW, tcp_blackhole, 0, "Do not send RST on segments to closed ports");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "blackhole_local", CTLFLAG_VNET | CTLFLAG_RW, tcp_blackhole_local, 0, "Enforce net.inet.tcp.blackhole for locally originated packets");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "delayed_ack", CTLFLAG_VNET | CTLFLAG_RW, tcp_delack_enabled, 0, "Delay ACK to try and piggyback it onto a data packet");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "drop_synfin", CTLFLAG_VNET | CTLFLAG_RW, drop_synfin, 0, "Drop TCP packets with SYN+FIN set");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "do_prr_conservative", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_prr_conservative, 0, "Do conservative Proportional Rate Reduction");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "do_prr", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_prr, 1, "Enable Proportional Rate Reduction per RFC 6937");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "do_lrd", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_lrd, 1, "Perform Lost Retransmission Detection");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "newcwv", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_newcwv, 0, "Enable New Congestion Window Validation per RFC7661");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "rfc3042", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_rfc3042, 0, "Enable RFC 3042 (Limited Transmit)");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "rfc3390", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_rfc3390, 0, "Enable RFC 3390 (Increasing TCP's Initial Congestion Window)");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "initcwnd_segments", CTLFLAG_VNET | CTLFLAG_RW, tcp_initcwnd_segments, 0, "Slow-start flight size (initial congestion window) in number of segments");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "rfc3465", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_rfc3465, 0, "Enable RFC 3465 (Appropriate Byte Counting)");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "abc_l_var", CTLFLAG_VNET | CTLFLAG_RW, tcp_abc_l_var, 2, "Cap the max cwnd increment during slow-start to this number of segments");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "insecure_syn", CTLFLAG_VNET | CTLFLAG_RW, tcp_insecure_syn, 0, "Follow RFC793 instead of RFC5961 criteria for accepting SYN packets");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "insecure_rst", CTLFLAG_VNET | CTLFLAG_RW, tcp_insecure_rst, 0, "Follow RFC793 instead of RFC5961 criteria for accepting RST packets");
SYSCTL_INT(_net_inet_tcp, TCPCTL_RECVSPACE, "recvspace", CTLFLAG_VNET | CTLFLAG_RW, tcp_recvspace, 0, "Initial receive socket buffer size");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "recvbuf_auto", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_autorcvbuf, 0, "Enable automatic receive buffer sizing");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "recvbuf_max", CTLFLAG_VNET | CTLFLAG_RW, tcp_autorcvbuf_max, 0, "Max size of automatic receive buffer");

/** net.inet.tcp.stats: struct tcpstat (VNET_PCPUSTAT_DEFINE lives in tcp_input.c). */
SYSCTL_VNET_PCPUSTAT(_net_inet_tcp, TCPCTL_STATS, "stats", tcpstat, TCPSTAT_NFIELDS, "tcpstat", "TCP statistics (struct tcpstat, netinet/tcp_var.h)");
/** net.inet.tcp.states: connections in each state (read-only counters). */
SYSCTL_PROC(
  _net_inet_tcp,
  TCPCTL_STATES,
  "states",
  CTLTYPE_OPAQUE | CTLFLAG_RD | CTLFLAG_VNET | CTLFLAG_MPSAFE,
  null,
  TCP_NSTATES,
  (_oidp, _arg1, arg2, req) => {
    const out: number[] = new Array<number>(arg2);
    for (let i = 0; i < arg2; i++) out[i] = VNET_U64(tcps_states + i);
    return SYSCTL_OUT(req, out);
  },
  "S,counter_u64_t",
  "TCP connection counts by TCP state",
);

const LOG_INFO = 6;

/** TCP_RTT_INVALIDATE: after this many retransmissions the RTT estimate starts afresh. */
const TCP_RTT_INVALIDATE = Math.floor(TCP_MAXRXTSHIFT / 4);

/** The IPv6 next hop of a fwd tag, as the lookup takes it (no allocation
 *  per segment). */
const fwd_next_hop6 = new in6_addr();

/** TP_RXTCUR(tp): the retransmit timeout, cut short by TCP_MAXUNACKTIME. */
function TP_RXTCUR(tp: tcpcb): number {
  if (tp.t_maxunacktime === 0 || tp.t_acktime === 0) return tp.t_rxtcur;
  return Math.max(1, Math.min(tp.t_rxtcur, (tp.t_acktime + tp.t_maxunacktime - ticks) | 0));
}



/** tcprexmtthresh: duplicate ACKs that start fast retransmit. */
export const tcprexmtthresh = 3;

/** Challenge ACKs per connection and window (RFC 5961 section 7, FreeBSD's
 *  "ACK war" limit): at most ack_war_cnt in ack_war_timewindow ms. */
export const tcp_ack_war_time_window = VNET_DEFINE_INT("tcp_ack_war_time_window", 1000);
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "ack_war_timewindow", CTLFLAG_VNET | CTLFLAG_RW, tcp_ack_war_time_window, 1000, "Time interval in ms used to limit the number (ack_war_cnt) of challenge ACKs sent per TCP connection");
export const tcp_ack_war_cnt = VNET_DEFINE_INT("tcp_ack_war_cnt", 5);
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "ack_war_cnt", CTLFLAG_VNET | CTLFLAG_RW, tcp_ack_war_cnt, 5, "Maximum number of challenge ACKs sent per TCP connection during the time interval (ack_war_timewindow)");

// ---------------------------------------------------------------------------
// The congestion-control glue.

/** tcp_is_sack_recovery: SACK recovery needs a SACK block or holes. */
function tcp_is_sack_recovery(tp: tcpcb, to: tcpopt): boolean {
  return (tp.t_flags & TF_SACK_PERMIT) !== 0 && ((to.to_flags & TOF_SACK) !== 0 || tp.snd_holes.length !== 0);
}

/**
 * cc_ack_received(tp, th, nsegs, type): an ACK (CC_ACK) or duplicate
 * ACK (CC_DUPACK) for the algorithm; appropriate byte counting first.
 */
export function cc_ack_received(tp: tcpcb, th: hdrptr, nsegs: number, type: number): void {
  const th_ack = th.dv.getInt32(th.off + TCPH_ACK);
  const ccv = tp.t_ccv;
  ccv.nsegs = nsegs;
  ccv.bytes_this_ack = BYTES_THIS_ACK(tp, th_ack);
  if ((VNET_I32(tcp_do_newcwv) === 0 && tp.snd_cwnd <= tp.snd_wnd) || (VNET_I32(tcp_do_newcwv) !== 0 && tp.snd_cwnd <= tp.snd_wnd && tp.snd_cwnd < tcp_compute_pipe(tp) * 2)) ccv.flags |= CCF_CWND_LIMITED;
  else ccv.flags &= ~CCF_CWND_LIMITED;
  if (type === CC_ACK) {
    if (tp.snd_cwnd > tp.snd_ssthresh) {
      tp.t_bytes_acked += ccv.bytes_this_ack;
      if (tp.t_bytes_acked >= tp.snd_cwnd) {
        tp.t_bytes_acked -= tp.snd_cwnd;
        ccv.flags |= CCF_ABC_SENTAWND;
      }
    } else {
      ccv.flags &= ~CCF_ABC_SENTAWND;
      tp.t_bytes_acked = 0;
    }
  }
  const algo = CC_ALGO(tp);
  if (algo.ack_received !== undefined) {
    ccv.curack = th_ack;
    algo.ack_received(ccv, type);
  }
}

/** cc_conn_init(tp): cached RTT and ssthresh, the initial window, then the algorithm. */
export function cc_conn_init(tp: tcpcb): void {
  const inp = tptoinpcb(tp);
  const metrics = S().conn_metrics;
  tcp_hc_get(inp.inp_inc, metrics);
  const maxseg = tcp_maxseg(tp);
  const rtt = metrics.hc_rtt;
  if (tp.t_srtt === 0 && rtt !== 0) {
    tp.t_srtt = rtt;
    TCPSTAT_INC(tcps_usedrtt);
    if (metrics.hc_rttvar !== 0) {
      tp.t_rttvar = metrics.hc_rttvar;
      TCPSTAT_INC(tcps_usedrttvar);
    } else {
      // One RTT either way by default.
      tp.t_rttvar = Math.floor((tp.t_srtt * TCP_RTTVAR_SCALE) / TCP_RTT_SCALE);
    }
    tp.t_rxtcur = TCPT_RANGESET(((tp.t_srtt >> 2) + tp.t_rttvar) >> 1, tp.t_rttmin, TCPTV_REXMTMAX());
  }
  if (metrics.hc_ssthresh !== 0) {
    // A buffer limit on the path; never below two segments.
    tp.snd_ssthresh = Math.max(2 * maxseg, metrics.hc_ssthresh);
    TCPSTAT_INC(tcps_usedssthresh);
  }
  // A lost SYN or SYN|ACK (snd_cwnd left at 1) starts with one segment.
  if (tp.snd_cwnd === 1) tp.snd_cwnd = maxseg;
  else tp.snd_cwnd = tcp_compute_initwnd(maxseg);
  const algo = CC_ALGO(tp);
  if (algo.conn_init !== undefined) algo.conn_init(tp.t_ccv);
}

/** cc_cong_signal(tp, th, type): loss (CC_NDUPACK, CC_RTO), a needless
 *  RTO (CC_RTO_ERR), ECN; th is null from the timers. */
export function cc_cong_signal(tp: tcpcb, th: hdrptr | null, type: number): void {
  const th_ack = th === null ? 0 : th.dv.getInt32(th.off + TCPH_ACK);
  switch (type) {
    case CC_NDUPACK:
      if (!IN_FASTRECOVERY(tp.t_flags)) {
        tp.snd_recover = tp.snd_max;
        if ((tp.t_flags2 & TF2_ECN_PERMIT) !== 0) tp.t_flags2 |= TF2_ECN_SND_CWR;
      }
      break;
    case CC_ECN:
      if (!IN_CONGRECOVERY(tp.t_flags) || (th !== null && SEQ_GEQ(th_ack, tp.snd_recover))) {
        tp.t_flags &= ~TF_CONGRECOVERY;
        TCPSTAT_INC(tcps_ecn_rcwnd);
        tp.snd_recover = (tp.snd_max + 1) | 0;
        if ((tp.t_flags2 & TF2_ECN_PERMIT) !== 0) tp.t_flags2 |= TF2_ECN_SND_CWR;
      }
      break;
    case CC_RTO:
      tp.t_dupacks = 0;
      tp.t_bytes_acked = 0;
      tp.t_flags &= ~(TF_CONGRECOVERY | TF_FASTRECOVERY);
      if ((tp.t_flags2 & TF2_ECN_PERMIT) !== 0) tp.t_flags2 |= TF2_ECN_SND_CWR;
      break;
    case CC_RTO_ERR:
      TCPSTAT_INC(tcps_sndrexmitbad);
      // The retransmission was needless: undo it.
      tp.snd_cwnd = tp.snd_cwnd_prev;
      tp.snd_ssthresh = tp.snd_ssthresh_prev;
      tp.snd_recover = tp.snd_recover_prev;
      if ((tp.t_flags & TF_WASFRECOVERY) !== 0) tp.t_flags |= TF_FASTRECOVERY;
      if ((tp.t_flags & TF_WASCRECOVERY) !== 0) tp.t_flags |= TF_CONGRECOVERY;
      tp.snd_nxt = tp.snd_max;
      tp.t_flags &= ~TF_PREVVALID;
      tp.t_badrxtwin = 0;
      break;
  }
  const algo = CC_ALGO(tp);
  if (algo.cong_signal !== undefined) {
    if (th !== null) tp.t_ccv.curack = th_ack;
    algo.cong_signal(tp.t_ccv, type);
  }
}

/** cc_post_recovery(tp, th): recovery is over. */
export function cc_post_recovery(tp: tcpcb, th: hdrptr): void {
  const th_ack = th.dv.getInt32(th.off + TCPH_ACK);
  const algo = CC_ALGO(tp);
  if (algo.post_recovery !== undefined) {
    tp.t_ccv.curack = th_ack;
    algo.post_recovery(tp.t_ccv);
  }
  tp.t_bytes_acked = 0;
  tp.sackhint.delivered_data = 0;
  tp.sackhint.prr_delivered = 0;
  tp.sackhint.prr_out = 0;
}

/**
 * DELAY_ACK(tp, tlen): may this ACK wait?  Not when the delayed-ACK timer
 * already runs, not when our last ACK closed the window, not for more than
 * a segment's worth, and only with net.inet.tcp.delayed_ack (or while a
 * half-synchronized connection waits to send its SYN).
 */
function DELAY_ACK(tp: tcpcb, tlen: number): boolean {
  return !tcp_timer_active(tp, TT_DELACK) && (tp.t_flags & TF_RXWIN0SENT) === 0 && tlen <= tp.t_maxseg && (VNET_I32(tcp_delack_enabled) !== 0 || (tp.t_flags & TF_NEEDSYN) !== 0);
}

// ---------------------------------------------------------------------------
// Input: validation, PCB lookup, listening sockets.

/**
 * The per-call scratch FreeBSD keeps on the stack (struct tcpopt to, struct
 * in_conninfo inc, header pointers), made on first use and reused, so that
 * input allocates nothing.
 */
class tcp_input_scratch {
  /** The options tcp_input parses (TIME_WAIT, syncache). */
  readonly in_to = new tcpopt();
  /** The options tcp_do_segment parses. */
  readonly seg_to = new tcpopt();
  /** The connection a segment for a listening socket asks for. */
  readonly inc = new in_conninfo();
  /** An IPv6 segment's addresses, for the lookups. */
  readonly src6 = new in6_addr();
  readonly dst6 = new in6_addr();
  /** Header pointers: tcp_input's, tcp_do_segment's, and the answer's. */
  readonly in_ip = new hdrptr();
  readonly in_th = new hdrptr();
  readonly seg_th = new hdrptr();
  readonly resp_ip = new hdrptr();
  readonly resp_th = new hdrptr();
  /** The listening socket in, a completed handshake's socket out. */
  readonly lso: syncache_so_p = { so: null };
  /** tcp_reass's in/out arguments. */
  readonly reass_io = new tcp_reass_io();
  /** Host cache answers for cc_conn_init and tcp_mss. */
  readonly conn_metrics = new hc_metrics_lite();
  readonly mss_metrics = new hc_metrics_lite();
  readonly mss_cap = new tcp_ifcap();
}
let scratch_p: tcp_input_scratch | null = null;
function S(): tcp_input_scratch {
  if (scratch_p === null) scratch_p = new tcp_input_scratch();
  return scratch_p;
}
/** The bytes of the IPv4 header the checksum overlay borrows. */
const tcp_ipov_save = new Uint8Array(12);

/**
 * tcp6_input(mp, offp, proto): an IPv6 TCP segment; refuses segments for
 * an anycast address (draft-itojun-ipv6-tcp-to-anycast) with an ICMPv6
 * address unreachable.
 */
export function tcp6_input(mp: mbufp, offp: intp, proto: number): number {
  let m = mp.m;
  mp.m = null;
  if (m === null) return IPPROTO_DONE;
  const off = offp.v;
  if (m.m_len < off + TCP_HDRLEN) {
    m = m_pullup(m, off + TCP_HDRLEN);
    if (m === null) {
      TCPSTAT_INC(tcps_rcvshort);
      return IPPROTO_DONE;
    }
  }
  const dst6 = S().dst6;
  in6_addr_read(m.m_buf, m.m_data + IP6_OFF_DST, dst6);
  const ia6 = in6ifa_ifwithaddr(dst6, 0);
  if (ia6 !== null && (ia6.ia6_flags & IN6_IFF_ANYCAST) !== 0) {
    icmp6_error(m, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, IP6_OFF_DST);
    return IPPROTO_DONE;
  }
  tcp_input_with_port(m, off, proto, 0, true);
  return IPPROTO_DONE;
}

/** tcp_input(m, off, proto): an IPv4 TCP segment, the IP header at m's start. */
export function tcp_input(m: mbuf, off: number, proto: number): void {
  tcp_input_with_port(m, off, proto, 0, false);
}

/**
 * tcp_input_with_port: the common part.  Consumes m.
 */
export function tcp_input_with_port(m0: mbuf, off0: number, _proto: number, port: number, isipv6: boolean): void {
  let m: mbuf | null = m0;
  let inp: inpcb | null = null;
  let tp: tcpcb | null = null;
  let so: socket | null = null;
  let optp = 0;
  let optlen = 0;
  let tlen: number;
  let rstreason = 0;
  let iptos: number;
  const sc = S();
  const to = sc.in_to;
  const src6 = sc.src6;
  const dst6 = sc.dst6;
  to.to_flags = 0;
  TCPSTAT_INC(tcps_rcvtotal);

  drop: {
    let ip = m.m_data;
    let th: number;
    if (isipv6) {
      th = ip + off0;
      tlen = IP6_HDR_LEN + m.m_dv.getUint16(ip + IP6_OFF_PLEN) - off0;
      let th_sum: number;
      if ((m.m_pkthdr.csum_flags & CSUM_DATA_VALID_IPV6) !== 0) {
        if ((m.m_pkthdr.csum_flags & CSUM_PSEUDO_HDR) !== 0) th_sum = m.m_pkthdr.csum_data;
        else th_sum = in6_cksum_pseudo(m, 0, tlen, IPPROTO_TCP, m.m_pkthdr.csum_data);
        th_sum ^= 0xffff;
      } else th_sum = in6_cksum(m, IPPROTO_TCP, off0, tlen);
      if (th_sum !== 0) {
        TCPSTAT_INC(tcps_rcvbadsum);
        break drop;
      }
      // The unspecified address marks unbound PCBs: never take it as a source.
      in6_addr_read(m.m_buf, ip + IP6_OFF_SRC, src6);
      in6_addr_read(m.m_buf, ip + IP6_OFF_DST, dst6);
      if (IN6_IS_ADDR_UNSPECIFIED(src6)) {
        IP6STAT_INC(ip6s_badscope);
        break drop;
      }
      iptos = (m.m_dv.getUint32(ip + IP6_OFF_FLOW) >>> 20) & 0xff;
    } else {
      // IP and TCP headers together in the first mbuf, options gone.
      if (off0 > IP_HDRLEN) {
        ip_stripoptions(m);
        off0 = IP_HDRLEN;
      }
      if (m.m_len < IP_HDRLEN + TCP_HDRLEN) {
        m = m_pullup(m, IP_HDRLEN + TCP_HDRLEN);
        if (m === null) {
          TCPSTAT_INC(tcps_rcvshort);
          return;
        }
      }
      ip = m.m_data;
      th = ip + off0;
      const dv = m.m_dv;
      tlen = dv.getUint16(ip + IPH_LEN) - off0;
      iptos = m.m_buf[ip + IPH_TOS];
      let th_sum: number;
      if ((m.m_pkthdr.csum_flags & CSUM_DATA_VALID) !== 0) {
        if ((m.m_pkthdr.csum_flags & CSUM_PSEUDO_HDR) !== 0) th_sum = m.m_pkthdr.csum_data;
        else th_sum = in_pseudo(dv.getUint32(ip + IPH_SRC), dv.getUint32(ip + IPH_DST), (m.m_pkthdr.csum_data + tlen + IPPROTO_TCP) >>> 0);
        th_sum ^= 0xffff;
      } else {
        // The pseudo header laid over the IP header (struct ipovly).
        const b = m.m_buf;
        for (let i = 0; i < 12; i++) tcp_ipov_save[i] = b[ip + i];
        b.fill(0, ip, ip + 9);
        dv.setUint16(ip + 10, tlen & 0xffff);
        th_sum = in_cksum(m, off0 + tlen);
        b.set(tcp_ipov_save, ip);
      }
      if (th_sum !== 0) {
        TCPSTAT_INC(tcps_rcvbadsum);
        break drop;
      }
      if (dv.getUint32(ip + IPH_SRC) === INADDR_ANY) {
        IPSTAT_INC(ips_badaddr);
        break drop;
      }
    }
    // The data offset must cover the header and stay inside the segment.
    const off = th_off(m, th) << 2;
    if (off < TCP_HDRLEN || off > tlen) {
      TCPSTAT_INC(tcps_rcvbadoff);
      break drop;
    }
    tlen -= off;
    if (off > TCP_HDRLEN) {
      if (m.m_len < off0 + off) {
        m = m_pullup(m, off0 + off);
        if (m === null) {
          TCPSTAT_INC(tcps_rcvshort);
          return;
        }
        ip = m.m_data;
        th = ip + off0;
      }
      optlen = off - TCP_HDRLEN;
      optp = th + TCP_HDRLEN;
    }
    const dv = m.m_dv;
    const thflags = tcp_get_flags(m, th);
    const thp = sc.in_th.setm(m, th);
    sc.in_ip.setm(m, ip);
    // Headers and options are dropped later, all at once.
    const drop_hdrlen = off0 + off;
    const th_sport = dv.getUint16(th + TCPH_SPORT);
    const th_dport = dv.getUint16(th + TCPH_DPORT);
    let ip_src = 0;
    let ip_dst = 0;
    if (!isipv6) {
      ip_src = dv.getUint32(ip + IPH_SRC);
      ip_dst = dv.getUint32(ip + IPH_DST);
    }
    const ifp = m.m_pkthdr.rcvif as ifnet | null;

    // A first SYN changes nothing in the PCB it finds (FreeBSD read-locks it).
    let lookupflag = INPLOOKUP_WILDCARD | ((thflags & (TH_ACK | TH_SYN)) === TH_SYN ? INPLOOKUP_RLOCKPCB : INPLOOKUP_WLOCKPCB);
    // A firewall's fwd to one of our addresses (PACKET_TAG_IPFORWARD).
    const fwd_tag = (m.m_flags & (isipv6 ? M_IP6_NEXTHOP : M_IP_NEXTHOP)) !== 0 ? m_tag_locate(m, is_ip_fwd_tag, null) : null;
    dropwithreset: {
      dropunlock: {
        for (;;) {
          // findpcb:
          if (fwd_tag !== null) {
            // Forwarded to us transparently: a connection we already have
            // as the original destination, else the socket the forward
            // names (the port too, when it has one) takes it.
            if (isipv6) {
              inp = in6_pcblookup_mbuf(V_tcbinfo(), src6, th_sport, dst6, th_dport, lookupflag & ~INPLOOKUP_WILDCARD, ifp, m);
              if (inp === null) {
                fwd_next_hop6.s6_addr.set(fwd_tag.sin6_addr);
                inp = in6_pcblookup_mbuf(V_tcbinfo(), src6, th_sport, fwd_next_hop6, fwd_tag.sin6_port !== 0 ? fwd_tag.sin6_port : th_dport, lookupflag, ifp, m);
              }
            } else {
              inp = in_pcblookup_mbuf(V_tcbinfo(), ip_src, th_sport, ip_dst, th_dport, lookupflag & ~INPLOOKUP_WILDCARD, ifp, m);
              if (inp === null) inp = in_pcblookup_mbuf(V_tcbinfo(), ip_src, th_sport, fwd_tag.sin_addr, fwd_tag.sin_port !== 0 ? fwd_tag.sin_port : th_dport, lookupflag, ifp, m);
            }
          } else if (isipv6) inp = in6_pcblookup_mbuf(V_tcbinfo(), src6, th_sport, dst6, th_dport, lookupflag, ifp, m);
          else inp = in_pcblookup_mbuf(V_tcbinfo(), ip_src, th_sport, ip_dst, th_dport, lookupflag, ifp, m);
          if (inp === null) {
            if (rstreason !== 0) {
              // The second, exact lookup after syncache_expand found nothing either.
              break dropwithreset;
            }
            if ((VNET_I32(tcp_log_in_vain) === 1 && (thflags & TH_SYN) !== 0) || VNET_I32(tcp_log_in_vain) === 2) {
              const s = tcp_log_vain(null, thp, isipv6 ? null : sc.in_ip, isipv6 ? sc.in_ip : null);
              if (s !== null) log(LOG_INFO, `${s}; tcp_input_with_port: Connection attempt to closed port\n`);
            }
            // A blackhole drops instead of answering with a RST.
            const bh = VNET_I32(tcp_blackhole);
            if (((bh === 1 && (thflags & TH_SYN) !== 0) || bh === 2) && (VNET_I32(tcp_blackhole_local) !== 0 || !(isipv6 ? in6_localaddr(src6) : in_localip(ip_src)))) break dropunlock;
            rstreason = BANDLIM_RST_CLOSEDPORT;
            break dropwithreset;
          }
          // The socket's minimum TTL (IP_MINTTL).
          if (inp.inp_ip_minttl !== 0) {
            const ttl = isipv6 ? m.m_buf[ip + IP6_OFF_HLIM] : m.m_buf[ip + IPH_TTL];
            if (inp.inp_ip_minttl > ttl) break dropunlock;
          }
          tp = intotcpcb(inp);
          if (tp.t_state === TCPS_TIME_WAIT) {
            // A late segment of a closed connection, or a new SYN for it.
            tcp_dooptions(to, m, optp, optlen, (thflags & TH_SYN) !== 0 ? TO_SYN : 0);
            if (tcp_twcheck(inp, to, thp, m, tlen)) {
              tp = null;
              continue;
            }
            return;
          }
          if (tp.t_state === TCPS_CLOSED) {
            // Winding down: answer as if nobody were there.
            rstreason = BANDLIM_RST_CLOSEDPORT;
            break dropwithreset;
          }
          if (tp.t_port !== port && tp.t_state > TCPS_LISTEN) {
            rstreason = BANDLIM_RST_CLOSEDPORT;
            break dropwithreset;
          }
          so = inp.inp_socket as socket;
          if (tp.t_state === TCPS_LISTEN && SOLISTENING(so)) {
            // A new connection attempt, or the end of one, for the syncache.
            const inc = sc.inc;
            in_conninfo_clear(inc);
            if (isipv6) {
              inc.inc_flags |= INC_ISIPV6;
              if ((inp.inp_inc.inc_flags & INC_IPV6MINMTU) !== 0) inc.inc_flags |= INC_IPV6MINMTU;
              in6_addr_copy(inc.inc6_faddr, src6);
              in6_addr_copy(inc.inc6_laddr, dst6);
            } else {
              inc.inc_faddr = ip_src;
              inc.inc_laddr = ip_dst;
            }
            inc.inc_fport = th_sport;
            inc.inc_lport = th_dport;
            inc.inc_fibnum = so.so_fibnum;
            if ((thflags & (TH_RST | TH_ACK | TH_SYN)) === TH_ACK) {
              // The timestamp echo matters to syncookies: options first.
              tcp_dooptions(to, m, optp, optlen, 0);
              sc.lso.so = so;
              rstreason = syncache_expand(inc, to, thp, sc.lso, m, port);
              if (rstreason < 0) break dropunlock;
              if (rstreason === 0) {
                // Not ours.  If a first ACK already made the socket, an
                // exact lookup finds it; otherwise a RST goes back.
                rstreason = BANDLIM_RST_OPENPORT;
                lookupflag &= ~INPLOOKUP_WILDCARD;
                tp = null;
                continue;
              }
              // tfo_socket_result:
              const nso = sc.lso.so;
              if (nso === null) {
                // Handshake done, but no socket to be had.
                if (VNET_I32(tcp_sc_rst_sock_fail) !== 0) {
                  rstreason = BANDLIM_UNLIMITED;
                  break dropwithreset;
                }
                break dropunlock;
              }
              inp = sotoinpcb(nso);
              tp = intotcpcb(inp);
              tcp_do_segment(tp, m, th, drop_hdrlen, tlen, iptos);
              return;
            }
            if ((thflags & TH_RST) !== 0) {
              // Our SYN|ACK was refused.
              syncache_chkrst(inc, thp, m, port);
              break dropunlock;
            }
            if ((thflags & TH_SYN) === 0) {
              TCPSTAT_INC(tcps_badsyn);
              break dropunlock;
            }
            if ((thflags & TH_ACK) !== 0) {
              // SYN|ACK to a listening socket.
              syncache_badack(inc, port);
              TCPSTAT_INC(tcps_badsyn);
              rstreason = BANDLIM_RST_OPENPORT;
              break dropwithreset;
            }
            if ((thflags & TH_FIN) !== 0 && VNET_I32(drop_synfin) !== 0) {
              TCPSTAT_INC(tcps_badsyn);
              break dropunlock;
            }
            if (isipv6 && V_ip6_use_deprecated() === 0) {
              // No new connections to a deprecated address: refuse with a RST.
              const ia6 = in6ifa_ifwithaddr(dst6, 0);
              if (ia6 !== null && (ia6.ia6_flags & IN6_IFF_DEPRECATED) !== 0) {
                rstreason = BANDLIM_RST_OPENPORT;
                break dropwithreset;
              }
            }
            // RFC 1122 4.2.3.10: no answer to broad- or multicast, nor to ourselves.
            if ((m.m_flags & (M_BCAST | M_MCAST)) !== 0) break dropunlock;
            if (isipv6) {
              if (th_dport === th_sport && IN6_ARE_ADDR_EQUAL(dst6, src6)) break dropunlock;
              if (IN6_IS_ADDR_MULTICAST(dst6) || IN6_IS_ADDR_MULTICAST(src6)) break dropunlock;
            } else {
              if (th_dport === th_sport && ip_dst === ip_src) break dropunlock;
              if (IN_MULTICAST(ip_dst) || IN_MULTICAST(ip_src) || ip_src === INADDR_BROADCAST || (ifp !== null && in_broadcast(ip_dst, ifp))) break dropunlock;
            }
            // A valid SYN: into the syncache (which consumes m).
            tcp_dooptions(to, m, optp, optlen, TO_SYN);
            syncache_add(inc, to, thp, inp, so, m, iptos, port);
            return;
          } else if (tp.t_state === TCPS_LISTEN) {
            // A listening socket being torn down.
            break dropunlock;
          }
          tcp_do_segment(tp, m, th, drop_hdrlen, tlen, iptos);
          return;
        }
      }
      // dropunlock:
      break drop;
    }
    // dropwithreset:
    tcp_dropwithreset(m, th, tp, tlen, rstreason);
    return;
  }
  // drop:
  m_freem(m);
}

/**
 * tcp_autorcvbuf(m, th, so, tp, tlen): the new receive buffer size when
 * the peer sent more than 3/8 of it within half an RTT (0: keep it).
 */
export function tcp_autorcvbuf(so: socket, tp: tcpcb, tlen: number): number {
  let newsize = 0;
  if (VNET_I32(tcp_do_autorcvbuf) !== 0 && (so.so_rcv.sb_flags & SB_AUTOSIZE) !== 0 && tp.t_srtt !== 0 && tp.rfbuf_ts !== 0 && TCP_TS_TO_TICKS((tcp_ts_getticks() - tp.rfbuf_ts) >>> 0) > (tp.t_srtt >> TCP_RTT_SHIFT) >> 1) {
    if (tp.rfbuf_cnt > Math.floor(Math.floor(so.so_rcv.sb_hiwat / 2) / 4) * 3 && so.so_rcv.sb_hiwat < VNET_I32(tcp_autorcvbuf_max)) {
      newsize = Math.min(so.so_rcv.sb_hiwat + Math.floor(so.so_rcv.sb_hiwat / 2), VNET_I32(tcp_autorcvbuf_max));
    }
    // Measure the next RTT afresh.
    tp.rfbuf_ts = 0;
    tp.rfbuf_cnt = 0;
  } else tp.rfbuf_cnt += tlen;
  return newsize;
}

/** tcp_handle_wakeup(tp): wake the reader if data was queued (TF_WAKESOR). */
export function tcp_handle_wakeup(tp: tcpcb): void {
  if ((tp.t_flags & TF_WAKESOR) !== 0) {
    const so = tptosocket(tp);
    tp.t_flags &= ~TF_WAKESOR;
    sorwakeup_locked(so);
  }
}

/**
 * tcp_send_challenge_ack(tp, th, m): answer a suspicious RST or SYN with an
 * ACK (RFC 5961), at most net.inet.tcp.ack_war_cnt per
 * net.inet.tcp.ack_war_timewindow ms per connection.  Consumes m when it
 * answers; returns whether it did.
 */
function tcp_send_challenge_ack(tp: tcpcb, th: number, m: mbuf): boolean {
  let send = true;
  if (VNET_I32(tcp_ack_war_time_window) > 0 && VNET_I32(tcp_ack_war_cnt) > 0) {
    const now = ticks;
    if (tp.t_challenge_ack_end === 0 || TSTMP_LT(tp.t_challenge_ack_end, now)) {
      // A new window.
      tp.t_challenge_ack_cnt = 0;
      tp.t_challenge_ack_end = (now + Math.max(1, Math.floor((VNET_I32(tcp_ack_war_time_window) * hz) / 1000))) | 0;
    }
    if (tp.t_challenge_ack_cnt < VNET_I32(tcp_ack_war_cnt)) tp.t_challenge_ack_cnt++;
    else send = false;
  }
  if (send) {
    const sc = S();
    tcp_respond(tp, sc.resp_ip.setm(m, m.m_data), sc.resp_th.setm(m, th), m, tp.rcv_nxt, tp.snd_nxt, TH_ACK);
    tp.last_ack_sent = tp.rcv_nxt;
  }
  return send;
}

// ---------------------------------------------------------------------------
// tcp_do_segment.


// Where tcp_do_segment goes next (its goto labels).
const DS_START = 0;
const DS_TRIM = 1;
const DS_ACKSWITCH = 2;
const DS_ENTER_RECOVERY = 3;
const DS_RESUME_PARTIALACK = 4;
const DS_PROCESS_ACK = 5;
const DS_STEP6 = 6;
const DS_DODATA = 7;
const DS_OUTPUT = 8;
const DS_CHECK_DELACK = 9;
const DS_DROPAFTERACK = 10;
const DS_DROPWITHRESET = 11;
const DS_DROP = 12;

/**
 * tcp_do_segment(tp, m, th, drop_hdrlen, tlen, iptos): a segment for a
 * connection past LISTEN (th the TCP header's offset in m, tlen the data
 * length, drop_hdrlen what precedes the data).  Consumes m.  Where
 * FreeBSD rewrites th_seq or th_urp in the header, so do we (tcp_respond
 * and tcp_dropwithreset read them there).
 */
export function tcp_do_segment(tp0: tcpcb, m0: mbuf, th: number, drop_hdrlen: number, tlen: number, iptos: number): void {
  let tp: tcpcb | null = tp0;
  let m: mbuf | null = m0;
  const dv = m0.m_dv;
  let thflags = tcp_get_flags(m0, th);
  let th_seq = dv.getInt32(th + TCPH_SEQ);
  const th_ack = dv.getInt32(th + TCPH_ACK);
  const th_win = dv.getUint16(th + TCPH_WIN);
  let th_urp = dv.getUint16(th + TCPH_URP);
  const th_hlen = th_off(m0, th) << 2;
  const inp = tptoinpcb(tp0);
  const so = tptosocket(tp0);
  const sc = S();
  const to = sc.seg_to;
  const thp = sc.seg_th.setm(m0, th);
  const reass_io = sc.reass_io;
  let acked = 0;
  let ourfinisacked = false;
  let needoutput = false;
  let sack_changed = SACK_NOCHANGE;
  let rstreason = 0;
  let todrop = 0;
  let incforsyn = false;
  let maxseg = 0;
  let tiwin = 0;
  const nsegs = 1;
  tp0.sackhint.last_sack_ack = 0;
  let pc = DS_START;

  for (;;) {
    switch (pc) {
      case DS_START: {
        const t = tp0;
        if ((thflags & TH_SYN) !== 0 && (thflags & TH_FIN) !== 0 && VNET_I32(drop_synfin) !== 0) {
          pc = DS_DROP;
          continue;
        }
        // In SYN_SENT an ACK must be for our SYN.
        if (t.t_state === TCPS_SYN_SENT && (thflags & TH_ACK) !== 0 && (SEQ_LEQ(th_ack, t.iss) || SEQ_GT(th_ack, t.snd_max))) {
          rstreason = BANDLIM_UNLIMITED;
          pc = DS_DROPWITHRESET;
          continue;
        }
        // The idle restart and the keepalive clock (before validation, as FreeBSD).
        if (t.t_idle_reduce !== 0 && t.snd_max === t.snd_una && ((ticks - t.t_rcvtime) | 0) >= t.t_rxtcur) cc_after_idle(t);
        t.t_rcvtime = ticks;
        // The window scaled to 32 bits (never scaled in SYN_SENT: snd_scale is 0).
        tiwin = (th_win << t.snd_scale) >>> 0;
        tcp_dooptions(to, m0, th + TCP_HDRLEN, th_hlen - TCP_HDRLEN, (thflags & TH_SYN) !== 0 ? TO_SYN : 0);
        // An echoed timestamp from the future is ignored; one from before a
        // retransmission says the retransmission was needless.
        if ((to.to_flags & TOF_TS) !== 0 && to.to_tsecr !== 0) {
          to.to_tsecr = (to.to_tsecr - t.ts_offset) | 0;
          if (TSTMP_GT(to.to_tsecr, tcp_ts_getticks())) to.to_tsecr = 0;
          else if (t.t_rxtshift === 1 && (t.t_flags & TF_PREVVALID) !== 0 && t.t_badrxtwin !== 0 && TSTMP_LT(to.to_tsecr, t.t_badrxtwin)) cc_cong_signal(t, thp, CC_RTO_ERR);
        }
        // The options of a SYN|ACK (a passive open's SYN is the syncache's).
        if (t.t_state === TCPS_SYN_SENT && (thflags & TH_SYN) !== 0) {
          if ((to.to_flags & TOF_SCALE) !== 0 && (t.t_flags & TF_REQ_SCALE) !== 0 && (t.t_flags & TF_NOOPT) === 0) {
            t.t_flags |= TF_RCVD_SCALE;
            t.snd_scale = to.to_wscale;
          } else t.t_flags &= ~TF_REQ_SCALE;
          // The window of a SYN is never scaled.
          t.snd_wnd = th_win;
          if ((to.to_flags & TOF_TS) !== 0 && (t.t_flags & TF_REQ_TSTMP) !== 0 && (t.t_flags & TF_NOOPT) === 0) {
            t.t_flags |= TF_RCVD_TSTMP;
            t.ts_recent = to.to_tsval;
            t.ts_recent_age = tcp_ts_getticks();
          } else t.t_flags &= ~TF_REQ_TSTMP;
          if ((to.to_flags & TOF_MSS) !== 0) tcp_mss(t, to.to_mss);
          if ((t.t_flags & TF_SACK_PERMIT) !== 0 && ((to.to_flags & TOF_SACKPERM) === 0 || (t.t_flags & TF_NOOPT) !== 0)) t.t_flags &= ~TF_SACK_PERMIT;
        }
        // RFC 7323 3.2: with timestamps agreed, a segment without one is
        // dropped (a RST is still looked at).
        if ((t.t_flags & TF_RCVD_TSTMP) !== 0 && (to.to_flags & TOF_TS) === 0) {
          if ((thflags & TH_RST) === 0 && VNET_I32(tcp_tolerate_missing_ts) === 0) {
            pc = DS_DROP;
            continue;
          }
        }
        // Header prediction: the two common cases of a one-way transfer.
        if (
          t.t_state === TCPS_ESTABLISHED &&
          th_seq === t.rcv_nxt &&
          (thflags & (TH_SYN | TH_FIN | TH_RST | TH_URG | TH_ACK)) === TH_ACK &&
          t.snd_nxt === t.snd_max &&
          tiwin !== 0 &&
          tiwin === t.snd_wnd &&
          (t.t_flags & (TF_NEEDSYN | TF_NEEDFIN)) === 0 &&
          SEGQ_EMPTY(t) &&
          ((to.to_flags & TOF_TS) === 0 || TSTMP_GEQ(to.to_tsval, t.ts_recent))
        ) {
          // Record the timestamp if our last ACK falls in this segment.
          if ((to.to_flags & TOF_TS) !== 0 && SEQ_LEQ(th_seq, t.last_ack_sent)) {
            t.ts_recent_age = tcp_ts_getticks();
            t.ts_recent = to.to_tsval;
          }
          if (tlen === 0) {
            if (SEQ_GT(th_ack, t.snd_una) && SEQ_LEQ(th_ack, t.snd_max) && !IN_RECOVERY(t.t_flags) && (to.to_flags & TOF_SACK) === 0 && t.snd_holes.length === 0) {
              // A pure ACK for outstanding data: we are the sender.
              TCPSTAT_INC(tcps_predack);
              if ((to.to_flags & TOF_TS) === 0 && t.t_rxtshift === 1 && (t.t_flags & TF_PREVVALID) !== 0 && t.t_badrxtwin !== 0 && TSTMP_LT(ticks, t.t_badrxtwin)) cc_cong_signal(t, thp, CC_RTO_ERR);
              // An RTT sample (a zero echo is some stacks' bug: ignored).
              if ((to.to_flags & TOF_TS) !== 0 && to.to_tsecr !== 0) {
                const rt = (tcp_ts_getticks() - to.to_tsecr) >>> 0;
                if (t.t_rttlow === 0 || t.t_rttlow > rt) t.t_rttlow = rt;
                tcp_xmit_timer(t, TCP_TS_TO_TICKS(rt) + 1);
              } else if (t.t_rtttime !== 0 && SEQ_GT(th_ack, t.t_rtseq)) {
                if (t.t_rttlow === 0 || t.t_rttlow > ((ticks - t.t_rtttime) | 0)) t.t_rttlow = ((ticks - t.t_rtttime) | 0);
                tcp_xmit_timer(t, ((ticks - t.t_rtttime) | 0));
              }
              acked = BYTES_THIS_ACK(t, th_ack);
              TCPSTAT_ADD(tcps_rcvackpack, nsegs);
              TCPSTAT_ADD(tcps_rcvackbyte, acked);
              sbdrop_locked(so.so_snd, acked);
              if (SEQ_GT(t.snd_una, t.snd_recover) && SEQ_LEQ(th_ack, t.snd_recover)) t.snd_recover = (th_ack - 1) | 0;
              cc_ack_received(t, thp, nsegs, CC_ACK);
              t.snd_una = th_ack;
              // snd_wl2 follows so that it cannot wrap relative to th_ack.
              t.snd_wl2 = th_ack;
              t.t_dupacks = 0;
              m_freem(m);
              m = null;
              if (sbavail(so.so_snd) === 0) t.t_acktime = 0;
              else if (acked > 1) t.t_acktime = ticks;
              if (t.snd_una === t.snd_max) tcp_timer_activate(t, TT_REXMT, 0);
              else if (!tcp_timer_active(t, TT_PERSIST)) tcp_timer_activate(t, TT_REXMT, TP_RXTCUR(t));
              sowwakeup(so);
              // Output only for new data or an ACK owed.
              if (SEQ_GT((t.snd_una + sbavail(so.so_snd)) | 0, t.snd_max) || (t.t_flags & TF_ACKNOW) !== 0) tcp_output(t);
              pc = DS_CHECK_DELACK;
              continue;
            }
          } else if (th_ack === t.snd_una && tlen <= sbspace(so.so_rcv)) {
            // In-sequence data with nothing queued and room for it: we are the receiver.
            if ((t.t_flags & TF_SACK_PERMIT) !== 0 && t.rcv_numsacks !== 0) tcp_clean_sackreport(t);
            TCPSTAT_INC(tcps_preddat);
            t.rcv_nxt = (t.rcv_nxt + tlen) | 0;
            if (tlen !== 0 && (t.t_flags2 & TF2_FBYTES_COMPLETE) === 0 && t.t_fbyte_in === 0) {
              t.t_fbyte_in = ticks;
              if (t.t_fbyte_in === 0) t.t_fbyte_in = 1;
              if (t.t_fbyte_out !== 0 && t.t_fbyte_in !== 0) t.t_flags2 |= TF2_FBYTES_COMPLETE;
            }
            // snd_wl1 and rcv_up follow so that they cannot wrap.
            t.snd_wl1 = th_seq;
            t.rcv_up = t.rcv_nxt;
            TCPSTAT_ADD(tcps_rcvpack, nsegs);
            TCPSTAT_ADD(tcps_rcvbyte, tlen);
            const newsize = tcp_autorcvbuf(so, t, tlen);
            if ((so.so_rcv.sb_state & SBS_CANTRCVMORE) !== 0) m_freem(m);
            else {
              if (newsize !== 0 && !sbreserve_locked(so, SO_RCV, newsize, null)) so.so_rcv.sb_flags &= ~SB_AUTOSIZE;
              m_adj(m0, drop_hdrlen);
              sbappendstream_locked(so.so_rcv, m0, 0);
            }
            m = null;
            sorwakeup_locked(so);
            if (DELAY_ACK(t, tlen)) t.t_flags |= TF_DELACK;
            else {
              t.t_flags |= TF_ACKNOW;
              tcp_output(t);
            }
            pc = DS_CHECK_DELACK;
            continue;
          }
        }
        // The receive window: room in the buffer, but never less than what we advertised.
        let win = sbspace(so.so_rcv);
        if (win < 0) win = 0;
        t.rcv_wnd = Math.max(win, (t.rcv_adv - t.rcv_nxt) | 0) >>> 0;
        if (t.t_state === TCPS_SYN_RECEIVED) {
          // An ACK in SYN_RECEIVED must be for our SYN|ACK (a RST waits for below).
          if ((thflags & TH_RST) === 0 && (thflags & TH_ACK) !== 0 && (SEQ_LEQ(th_ack, t.snd_una) || SEQ_GT(th_ack, t.snd_max))) {
            rstreason = BANDLIM_RST_OPENPORT;
            pc = DS_DROPWITHRESET;
            continue;
          }
          pc = DS_TRIM;
          continue;
        }
        if (t.t_state !== TCPS_SYN_SENT) {
          pc = DS_TRIM;
          continue;
        }
        // SYN_SENT: a RST with a valid ACK refuses us; anything without a
        // SYN is dropped; a SYN (with or without our ACK) moves us on.
        if ((thflags & (TH_ACK | TH_RST)) === (TH_ACK | TH_RST)) tp = tcp_drop(t, ECONNREFUSED);
        if ((thflags & TH_RST) !== 0 || (thflags & TH_SYN) === 0) {
          pc = DS_DROP;
          continue;
        }
        t.irs = th_seq;
        tcp_rcvseqinit(t);
        if ((thflags & TH_ACK) !== 0) {
          TCPSTAT_INC(tcps_connects);
          soisconnected(so);
          if ((t.t_flags & (TF_RCVD_SCALE | TF_REQ_SCALE)) === (TF_RCVD_SCALE | TF_REQ_SCALE)) t.rcv_scale = t.request_r_scale;
          t.rcv_adv = (t.rcv_adv + Math.min(t.rcv_wnd, TCP_MAXWIN << t.rcv_scale)) | 0;
          t.snd_una = (t.snd_una + 1) | 0; // our SYN is acknowledged
          if (SEQ_LT(t.snd_nxt, t.snd_una)) t.snd_nxt = t.snd_una;
          // Data with the SYN|ACK: delay the ACK (a FIN turns on ACKNOW later).
          if (DELAY_ACK(t, tlen) && tlen !== 0) tcp_timer_activate(t, TT_DELACK, tcp_delacktime.v);
          else t.t_flags |= TF_ACKNOW;
          t.t_starttime = ticks;
          if ((t.t_flags & TF_NEEDFIN) !== 0) {
            // SYN_SENT* -> FIN_WAIT_1.
            t.t_acktime = ticks;
            tcp_state_change(t, TCPS_FIN_WAIT_1);
            t.t_flags &= ~TF_NEEDFIN;
            thflags &= ~TH_SYN;
          } else {
            tcp_state_change(t, TCPS_ESTABLISHED);
            cc_conn_init(t);
            tcp_timer_activate(t, TT_KEEP, TP_KEEPIDLE(t));
          }
        } else {
          // A simultaneous open: SYN_SENT -> SYN_RECEIVED, half-synchronized.
          t.t_flags |= TF_ACKNOW | TF_NEEDSYN | TF_SONOTCONN;
          tcp_timer_activate(t, TT_REXMT, 0);
          tcp_state_change(t, TCPS_SYN_RECEIVED);
        }
        // Past the SYN to the data; trim the data to the window (and the FIN with it).
        th_seq = (th_seq + 1) | 0;
        dv.setUint32(th + TCPH_SEQ, th_seq);
        if (tlen > t.rcv_wnd) {
          todrop = tlen - t.rcv_wnd;
          m_adj(m, -todrop);
          tlen = t.rcv_wnd;
          thflags &= ~TH_FIN;
          TCPSTAT_INC(tcps_rcvpackafterwin);
          TCPSTAT_ADD(tcps_rcvbyteafterwin, todrop);
        }
        t.snd_wl1 = (th_seq - 1) | 0;
        t.rcv_up = th_seq;
        pc = (thflags & TH_ACK) !== 0 ? DS_PROCESS_ACK : DS_STEP6;
        continue;
      }

      case DS_TRIM: {
        // Every state but LISTEN and SYN_SENT.  A RST first (RFC 5961 3.2):
        // it resets only at exactly the next expected sequence (last_ack_sent,
        // for delayed ACKs); elsewhere in the window it earns a challenge ACK.
        const t = tp as tcpcb;
        if ((thflags & TH_RST) !== 0) {
          if ((SEQ_GEQ(th_seq, t.last_ack_sent) && SEQ_LT(th_seq, (t.last_ack_sent + t.rcv_wnd) | 0)) || (t.rcv_wnd === 0 && t.last_ack_sent === th_seq)) {
            if (VNET_I32(tcp_insecure_rst) !== 0 || t.last_ack_sent === th_seq) {
              TCPSTAT_INC(tcps_drops);
              switch (t.t_state) {
                case TCPS_SYN_RECEIVED:
                  so.so_error = ECONNREFUSED;
                  break;
                case TCPS_ESTABLISHED:
                case TCPS_FIN_WAIT_1:
                case TCPS_FIN_WAIT_2:
                case TCPS_CLOSE_WAIT:
                case TCPS_CLOSING:
                case TCPS_LAST_ACK:
                  so.so_error = ECONNRESET;
                  break;
              }
              tp = tcp_close(t);
            } else {
              TCPSTAT_INC(tcps_badrst);
              if (tcp_send_challenge_ack(t, th, m as mbuf)) m = null;
            }
          }
          pc = DS_DROP;
          continue;
        }
        // RFC 5961 4.2: a SYN on a synchronized connection earns a challenge ACK.
        if ((thflags & TH_SYN) !== 0 && t.t_state !== TCPS_SYN_SENT && t.t_state !== TCPS_SYN_RECEIVED) {
          TCPSTAT_INC(tcps_badsyn);
          if (VNET_I32(tcp_insecure_syn) !== 0 && SEQ_GEQ(th_seq, t.last_ack_sent) && SEQ_LT(th_seq, (t.last_ack_sent + t.rcv_wnd) | 0)) {
            tp = tcp_drop(t, ECONNRESET);
            rstreason = BANDLIM_UNLIMITED;
          } else if (tcp_send_challenge_ack(t, th, m as mbuf)) m = null;
          pc = DS_DROP;
          continue;
        }
        // PAWS (RFC 7323): an older timestamp than ts_recent is a duplicate,
        // unless ts_recent itself is over 24 days old.
        if ((to.to_flags & TOF_TS) !== 0 && t.ts_recent !== 0 && TSTMP_LT(to.to_tsval, t.ts_recent)) {
          if (((tcp_ts_getticks() - t.ts_recent_age) >>> 0) > TCP_PAWS_IDLE) {
            // Forget it; it is set again (with its age) if this segment qualifies.
            t.ts_recent = 0;
          } else {
            TCPSTAT_INC(tcps_rcvduppack);
            TCPSTAT_ADD(tcps_rcvdupbyte, tlen);
            TCPSTAT_INC(tcps_pawsdrop);
            pc = tlen !== 0 ? DS_DROPAFTERACK : DS_DROP;
            continue;
          }
        }
        // In SYN_RECEIVED a sequence number below IRS is not this
        // connection's (part of the LAND defence).
        if (t.t_state === TCPS_SYN_RECEIVED && SEQ_LT(th_seq, t.irs)) {
          rstreason = BANDLIM_RST_OPENPORT;
          pc = DS_DROPWITHRESET;
          continue;
        }
        todrop = (t.rcv_nxt - th_seq) | 0;
        if (todrop > 0) {
          // Data (or a SYN) we already have, at the front.
          if ((thflags & TH_SYN) !== 0) {
            thflags &= ~TH_SYN;
            th_seq = (th_seq + 1) | 0;
            if (th_urp > 1) th_urp--;
            else thflags &= ~TH_URG;
            todrop--;
          }
          // Stevens vol. 2 p. 960.
          if (todrop > tlen || (todrop === tlen && (thflags & TH_FIN) === 0)) {
            // A complete duplicate (its FIN too): ACK to resynchronize,
            // but go on for the ACK and window.
            thflags &= ~TH_FIN;
            t.t_flags |= TF_ACKNOW;
            todrop = tlen;
            TCPSTAT_INC(tcps_rcvduppack);
            TCPSTAT_ADD(tcps_rcvdupbyte, todrop);
          } else {
            TCPSTAT_INC(tcps_rcvpartduppack);
            TCPSTAT_ADD(tcps_rcvpartdupbyte, todrop);
          }
          // Report the duplicate range in a D-SACK block, at once.
          if (todrop > 0 && (t.t_flags & TF_SACK_PERMIT) !== 0) {
            tcp_update_sack_list(t, th_seq, (th_seq + todrop) | 0);
            t.t_flags |= TF_ACKNOW;
          }
          drop_hdrlen += todrop;
          th_seq = (th_seq + todrop) | 0;
          tlen -= todrop;
          if (th_urp > todrop) th_urp -= todrop;
          else {
            thflags &= ~TH_URG;
            th_urp = 0;
          }
          dv.setUint32(th + TCPH_SEQ, th_seq);
          dv.setUint16(th + TCPH_URP, th_urp);
        }
        // Data for a socket whose user is gone: RST the peer.
        if ((t.t_flags & TF_CLOSED) !== 0 && tlen !== 0) {
          tp = tcp_close(t);
          TCPSTAT_INC(tcps_rcvafterclose);
          rstreason = BANDLIM_UNLIMITED;
          pc = DS_DROPWITHRESET;
          continue;
        }
        // Data past the window is cut off (with PUSH and FIN).
        todrop = ((th_seq + tlen) - (t.rcv_nxt + t.rcv_wnd)) | 0;
        if (todrop > 0) {
          TCPSTAT_INC(tcps_rcvpackafterwin);
          if (todrop >= tlen) {
            TCPSTAT_ADD(tcps_rcvbyteafterwin, tlen);
            // A closed window takes a probe at its edge (ACKed, data
            // dropped); anything else is dropped with an ACK.
            if (t.rcv_wnd === 0 && th_seq === t.rcv_nxt) {
              t.t_flags |= TF_ACKNOW;
              TCPSTAT_INC(tcps_rcvwinprobe);
            } else {
              pc = DS_DROPAFTERACK;
              continue;
            }
          } else TCPSTAT_ADD(tcps_rcvbyteafterwin, todrop);
          m_adj(m, -todrop);
          tlen -= todrop;
          thflags &= ~(TH_PUSH | TH_FIN);
        }
        // Keep the timestamp when our last ACK falls within this segment
        // (Last.ACK.Sent <= SEG.SEQ + SEG.Len, Stevens vol. 2 p. 869).
        if ((to.to_flags & TOF_TS) !== 0 && SEQ_LEQ(th_seq, t.last_ack_sent) && SEQ_LEQ(t.last_ack_sent, (th_seq + tlen + ((thflags & (TH_SYN | TH_FIN)) !== 0 ? 1 : 0)) | 0)) {
          t.ts_recent_age = tcp_ts_getticks();
          t.ts_recent = to.to_tsval;
        }
        // Without ACK only a half-synchronized connection goes on (to queue data).
        if ((thflags & TH_ACK) === 0) {
          if (t.t_state === TCPS_SYN_RECEIVED || (t.t_flags & TF_NEEDSYN) !== 0) pc = DS_STEP6;
          else if ((t.t_flags & TF_ACKNOW) !== 0) pc = DS_DROPAFTERACK;
          else pc = DS_DROP;
          continue;
        }
        pc = DS_ACKSWITCH;
        continue;
      }

      case DS_ACKSWITCH: {
        const t = tp as tcpcb;
        if (t.t_state === TCPS_SYN_RECEIVED) {
          // Our SYN|ACK is acknowledged (checked above): ESTABLISHED.
          TCPSTAT_INC(tcps_connects);
          if ((t.t_flags & TF_SONOTCONN) !== 0) {
            // A simultaneous open (or an accept filter) left the socket unconnected.
            t.t_flags &= ~TF_SONOTCONN;
            soisconnected(so);
          }
          if ((t.t_flags & (TF_RCVD_SCALE | TF_REQ_SCALE)) === (TF_RCVD_SCALE | TF_REQ_SCALE)) t.rcv_scale = t.request_r_scale;
          t.snd_wnd = tiwin;
          t.t_starttime = ticks;
          if ((t.t_flags & TF_NEEDFIN) !== 0) {
            t.t_acktime = ticks;
            tcp_state_change(t, TCPS_FIN_WAIT_1);
            t.t_flags &= ~TF_NEEDFIN;
          } else {
            tcp_state_change(t, TCPS_ESTABLISHED);
            cc_conn_init(t);
            tcp_timer_activate(t, TT_KEEP, TP_KEEPIDLE(t));
          }
          // The ACK of our SYN counts before the ACK processing below
          // (a simultaneous SYN is handled there instead).
          if (SEQ_GT(th_ack, t.snd_una) && (t.t_flags & TF_NEEDSYN) === 0) incforsyn = true;
          // Without data or FIN, hand queued data to the user now.
          if (tlen === 0 && (thflags & TH_FIN) === 0) {
            tcp_reass(t, 0, 0, null, null);
            tcp_handle_wakeup(t);
          }
          t.snd_wl1 = (th_seq - 1) | 0;
        }
        switch (t.t_state) {
          case TCPS_ESTABLISHED:
          case TCPS_FIN_WAIT_1:
          case TCPS_FIN_WAIT_2:
          case TCPS_CLOSE_WAIT:
          case TCPS_CLOSING:
          case TCPS_LAST_ACK:
            break;
          default:
            pc = DS_STEP6;
            continue;
        }
        if (SEQ_GT(th_ack, t.snd_max)) {
          TCPSTAT_INC(tcps_rcvacktoomuch);
          pc = DS_DROPAFTERACK;
          continue;
        }
        if (tcp_is_sack_recovery(t, to)) {
          sack_changed = tcp_sack_doack(t, to, th_ack);
          if (sack_changed !== SACK_NOCHANGE && (t.t_flags & TF_LRD) !== 0) tcp_sack_lost_retransmission(t, thp);
        } else {
          // A previous SACK's count must not be used.
          t.sackhint.sacked_bytes = 0;
        }
        if (SEQ_LEQ(th_ack, t.snd_una)) {
          maxseg = tcp_maxseg(t);
          if (tlen === 0 && (tiwin === t.snd_wnd || (t.t_flags & TF_SACK_PERMIT) !== 0)) {
            // A first FIN in a simultaneous close is not a duplicate.
            if ((thflags & TH_FIN) !== 0 && !TCPS_HAVERCVDFIN(t.t_state)) {
              t.t_dupacks = 0;
              pc = DS_STEP6;
              continue;
            }
            TCPSTAT_INC(tcps_rcvdupack);
            // Old ACKs, and SACKs that tell nothing new, are not counted.
            if (th_ack !== t.snd_una || (tcp_is_sack_recovery(t, to) && sack_changed === SACK_NOCHANGE)) {
              pc = DS_STEP6;
              continue;
            } else if (!tcp_timer_active(t, TT_REXMT)) t.t_dupacks = 0;
            else if (++t.t_dupacks > tcprexmtthresh || IN_FASTRECOVERY(t.t_flags)) {
              // Already recovering: each duplicate lets another segment out.
              cc_ack_received(t, thp, nsegs, CC_DUPACK);
              if (VNET_I32(tcp_do_prr) !== 0 && IN_FASTRECOVERY(t.t_flags) && (t.t_flags & TF_SACK_PERMIT) !== 0) tcp_do_prr_ack(t, thp, to, sack_changed);
              else if (tcp_is_sack_recovery(t, to) && IN_FASTRECOVERY(t.t_flags)) {
                // New data only while less than half the old window is in flight.
                let awnd: number;
                if (VNET_I32(tcp_do_newsack) !== 0) awnd = tcp_compute_pipe(t);
                else awnd = ((t.snd_nxt - t.snd_fack) | 0) + t.sackhint.sack_bytes_rexmit;
                if (awnd < t.snd_ssthresh) {
                  t.snd_cwnd += maxseg;
                  if (t.snd_cwnd > t.snd_ssthresh) t.snd_cwnd = t.snd_ssthresh;
                }
              } else t.snd_cwnd += maxseg;
              tcp_output(t);
              pc = DS_DROP;
              continue;
            } else if (t.t_dupacks === tcprexmtthresh || ((t.t_flags & TF_SACK_PERMIT) !== 0 && VNET_I32(tcp_do_newsack) !== 0 && t.sackhint.sacked_bytes > (tcprexmtthresh - 1) * maxseg)) {
              pc = DS_ENTER_RECOVERY;
              continue;
            } else if (VNET_I32(tcp_do_rfc3042) !== 0) {
              // Limited transmit (RFC 3042): one new segment per duplicate
              // of the first two; cwnd restored afterwards.
              cc_ack_received(t, thp, nsegs, CC_DUPACK);
              const oldcwnd = t.snd_cwnd;
              const oldsndmax = t.snd_max;
              if (t.t_dupacks === 1) t.snd_limited = 0;
              t.snd_cwnd = (((t.snd_nxt - t.snd_una) | 0) + (t.t_dupacks - t.snd_limited) * maxseg) >>> 0;
              const avail = sbavail(so.so_snd) - ((t.snd_nxt - t.snd_una) | 0);
              if (avail > 0 || (t.t_flags & TF_ACKNOW) !== 0) tcp_output(t);
              const sent = (t.snd_max - oldsndmax) >>> 0;
              if (sent > maxseg) t.snd_limited = 2;
              else if (sent > 0) ++t.snd_limited;
              t.snd_cwnd = oldcwnd;
              pc = DS_DROP;
              continue;
            }
          }
          pc = DS_STEP6;
          continue;
        }
        // The ACK moves the left edge: not a duplicate.
        t.t_dupacks = 0;
        // New SACK information on it counts as a duplicate (RFC 6675).
        if (tcp_is_sack_recovery(t, to) && sack_changed !== SACK_NOCHANGE) {
          t.t_dupacks++;
          if (!IN_FASTRECOVERY(t.t_flags) && t.sackhint.sacked_bytes > (tcprexmtthresh - 1) * (maxseg = tcp_maxseg(t))) {
            pc = DS_ENTER_RECOVERY;
            continue;
          }
        }
        pc = DS_RESUME_PARTIALACK;
        continue;
      }

      case DS_ENTER_RECOVERY: {
        // Enter loss recovery: RFC 6675's trigger (more than dupthresh - 1
        // segments SACKed) or the third duplicate ACK.
        const t = tp as tcpcb;
        t.t_dupacks = tcprexmtthresh;
        const onxt = t.snd_nxt;
        if (VNET_I32(tcp_do_prr) !== 0 || (t.t_flags & TF_SACK_PERMIT) !== 0) {
          if (IN_FASTRECOVERY(t.t_flags)) {
            t.t_dupacks = 0;
            pc = DS_STEP6;
            continue;
          }
        } else if (SEQ_LEQ(th_ack, t.snd_recover)) {
          t.t_dupacks = 0;
          pc = DS_STEP6;
          continue;
        }
        // The congestion signal before the ACK.
        cc_cong_signal(t, thp, CC_NDUPACK);
        cc_ack_received(t, thp, nsegs, CC_DUPACK);
        tcp_timer_activate(t, TT_REXMT, 0);
        t.t_rtttime = 0;
        if (VNET_I32(tcp_do_prr) !== 0) {
          // ssthresh is set by now.
          if (tcp_is_sack_recovery(t, to)) {
            // Limited transmit's segments are not counted.
            t.sackhint.prr_delivered = maxseg;
          } else t.sackhint.prr_delivered = Math.min((t.snd_max - t.snd_una) | 0, Math.min(Math.floor(0x7fffffff / 65536), t.t_dupacks) * maxseg);
          t.sackhint.recover_fs = Math.max(1, (t.snd_nxt - t.snd_una) | 0);
        }
        if (tcp_is_sack_recovery(t, to)) {
          TCPSTAT_INC(tcps_sack_recovery_episode);
          t.snd_recover = t.snd_nxt;
          t.snd_cwnd = maxseg;
          tcp_output(t);
          pc = SEQ_GT(th_ack, t.snd_una) ? DS_RESUME_PARTIALACK : DS_DROP;
          continue;
        }
        // NewReno: resend the first unacknowledged segment alone, then
        // inflate cwnd by the segments the duplicates say have left.
        t.snd_nxt = th_ack;
        t.snd_cwnd = maxseg;
        tcp_output(t);
        t.snd_cwnd = (t.snd_ssthresh + maxseg * (t.t_dupacks - t.snd_limited)) >>> 0;
        if (SEQ_GT(onxt, t.snd_nxt)) t.snd_nxt = onxt;
        pc = DS_DROP;
        continue;
      }

      case DS_RESUME_PARTIALACK: {
        const t = tp as tcpcb;
        // Deflate a window inflated for the peer's cached segments.
        if (IN_FASTRECOVERY(t.t_flags)) {
          if (SEQ_LT(th_ack, t.snd_recover)) {
            if ((t.t_flags & TF_SACK_PERMIT) !== 0) {
              if (VNET_I32(tcp_do_prr) !== 0 && (to.to_flags & TOF_SACK) !== 0) {
                tcp_timer_activate(t, TT_REXMT, 0);
                t.t_rtttime = 0;
                tcp_do_prr_ack(t, thp, to, sack_changed);
                t.t_flags |= TF_ACKNOW;
                tcp_output(t);
              } else tcp_sack_partialack(t, thp);
            } else tcp_newreno_partial_ack(t, thp);
          } else cc_post_recovery(t, thp);
        } else if (IN_CONGRECOVERY(t.t_flags)) {
          if (SEQ_LT(th_ack, t.snd_recover)) {
            if (VNET_I32(tcp_do_prr) !== 0) {
              t.sackhint.delivered_data = BYTES_THIS_ACK(t, th_ack);
              t.snd_fack = th_ack;
              // ECN's reduction always uses PRR-SSRB.
              tcp_do_prr_ack(t, thp, to, SACK_CHANGE);
              tcp_output(t);
            }
          } else cc_post_recovery(t, thp);
        }
        // This ACK acknowledges something we sent.
        if ((t.t_flags & TF_NEEDSYN) !== 0) {
          // A half-synchronized connection's SYN is acknowledged.
          t.t_flags &= ~TF_NEEDSYN;
          t.snd_una = (t.snd_una + 1) | 0;
          if ((t.t_flags & (TF_RCVD_SCALE | TF_REQ_SCALE)) === (TF_RCVD_SCALE | TF_REQ_SCALE)) t.rcv_scale = t.request_r_scale;
        }
        pc = DS_PROCESS_ACK;
        continue;
      }

      case DS_PROCESS_ACK: {
        const t = tp as tcpcb;
        // The SYN's sequence number, outside the cwnd accounting.
        if (incforsyn) t.snd_una = (t.snd_una + 1) | 0;
        acked = BYTES_THIS_ACK(t, th_ack);
        TCPSTAT_ADD(tcps_rcvackpack, nsegs);
        TCPSTAT_ADD(tcps_rcvackbyte, acked);
        // An ACK for data sent before our first retransmission: the
        // retransmission was a mistake; undo it.
        if (t.t_rxtshift === 1 && (t.t_flags & TF_PREVVALID) !== 0 && t.t_badrxtwin !== 0 && (to.to_flags & TOF_TS) !== 0 && to.to_tsecr !== 0 && TSTMP_LT(to.to_tsecr, t.t_badrxtwin)) cc_cong_signal(t, thp, CC_RTO_ERR);
        // An RTT sample: the timestamp echo, else the timed segment (Karn).
        if ((to.to_flags & TOF_TS) !== 0 && to.to_tsecr !== 0) {
          const rt = (tcp_ts_getticks() - to.to_tsecr) >>> 0;
          if (t.t_rttlow === 0 || t.t_rttlow > rt) t.t_rttlow = rt;
          tcp_xmit_timer(t, TCP_TS_TO_TICKS(rt) + 1);
        } else if (t.t_rtttime !== 0 && SEQ_GT(th_ack, t.t_rtseq)) {
          if (t.t_rttlow === 0 || t.t_rttlow > ((ticks - t.t_rtttime) | 0)) t.t_rttlow = ((ticks - t.t_rtttime) | 0);
          tcp_xmit_timer(t, ((ticks - t.t_rtttime) | 0));
        }
        const sbav = sbavail(so.so_snd);
        if ((t.t_state <= TCPS_CLOSE_WAIT && acked === sbav) || acked > sbav) t.t_acktime = 0;
        else if (acked > 1) t.t_acktime = ticks;
        // All acknowledged: no retransmit timer (output decides on persist).
        if (th_ack === t.snd_max) {
          tcp_timer_activate(t, TT_REXMT, 0);
          needoutput = true;
        } else if (!tcp_timer_active(t, TT_PERSIST)) tcp_timer_activate(t, TT_REXMT, TP_RXTCUR(t));
        // Only our SYN was acknowledged.
        if (acked === 0) {
          pc = DS_STEP6;
          continue;
        }
        cc_ack_received(t, thp, nsegs, CC_ACK);
        let mfree: mbuf | null;
        if (acked > sbav) {
          // The FIN is acknowledged too.
          if (t.snd_wnd >= sbav) t.snd_wnd -= sbav;
          else t.snd_wnd = 0;
          mfree = sbcut_locked(so.so_snd, sbav);
          ourfinisacked = true;
        } else {
          mfree = sbcut_locked(so.so_snd, acked);
          if (t.snd_wnd >= acked) t.snd_wnd -= acked;
          else t.snd_wnd = 0;
          ourfinisacked = false;
        }
        sowwakeup(so);
        m_freem(mfree);
        // snd_una wrapped past snd_recover.
        if (!IN_RECOVERY(t.t_flags) && SEQ_GT(t.snd_una, t.snd_recover) && SEQ_LEQ(th_ack, t.snd_recover)) t.snd_recover = (th_ack - 1) | 0;
        if (IN_RECOVERY(t.t_flags) && SEQ_GEQ(th_ack, t.snd_recover)) t.t_flags &= ~(TF_CONGRECOVERY | TF_FASTRECOVERY);
        t.snd_una = th_ack;
        if ((t.t_flags & TF_SACK_PERMIT) !== 0 && SEQ_GT(t.snd_una, t.snd_recover)) t.snd_recover = t.snd_una;
        if (SEQ_LT(t.snd_nxt, t.snd_una)) t.snd_nxt = t.snd_una;
        switch (t.t_state) {
          case TCPS_FIN_WAIT_1:
            if (ourfinisacked) {
              // Our FIN is acknowledged.  If we cannot receive either, the
              // closing user may go; a timer keeps us from waiting forever
              // for the peer's FIN.
              if ((so.so_rcv.sb_state & SBS_CANTRCVMORE) !== 0) {
                soisdisconnected(so);
                tcp_timer_activate(t, TT_2MSL, tcp_fast_finwait2_recycle.v !== 0 ? tcp_finwait2_timeout.v : TP_MAXIDLE(t));
              }
              tcp_state_change(t, TCPS_FIN_WAIT_2);
            }
            break;
          case TCPS_CLOSING:
            if (ourfinisacked) {
              tcp_twstart(t);
              m_freem(m);
              return;
            }
            break;
          case TCPS_LAST_ACK:
            if (ourfinisacked) {
              tp = tcp_close(t);
              pc = DS_DROP;
              continue;
            }
            break;
        }
        pc = DS_STEP6;
        continue;
      }

      case DS_STEP6: {
        const t = tp as tcpcb;
        // The send window, from a segment newer than the last that set it
        // (never from one without ACK: some stacks send garbage on a SYN).
        if ((thflags & TH_ACK) !== 0 && (SEQ_LT(t.snd_wl1, th_seq) || (t.snd_wl1 === th_seq && (SEQ_LT(t.snd_wl2, th_ack) || (t.snd_wl2 === th_ack && tiwin > t.snd_wnd))))) {
          if (tlen === 0 && t.snd_wl2 === th_ack && tiwin > t.snd_wnd) TCPSTAT_INC(tcps_rcvwinupd);
          t.snd_wnd = tiwin;
          t.snd_wl1 = th_seq;
          t.snd_wl2 = th_ack;
          if (t.snd_wnd > t.max_sndwnd) t.max_sndwnd = t.snd_wnd;
          needoutput = true;
        }
        // Urgent data.
        if ((thflags & TH_URG) !== 0 && th_urp !== 0 && !TCPS_HAVERCVDFIN(t.t_state)) {
          // An absurd urgent pointer would upset soreceive: ignore it.
          if (th_urp + sbavail(so.so_rcv) > sb_max_get()) {
            th_urp = 0;
            thflags &= ~TH_URG;
            pc = DS_DODATA;
            continue;
          }
          // A pointer beyond the known one marks the stream (the pointer
          // is taken as the first byte after the urgent data).
          if (SEQ_GT((th_seq + th_urp) | 0, t.rcv_up)) {
            t.rcv_up = (th_seq + th_urp) | 0;
            so.so_oobmark = sbavail(so.so_rcv) + ((t.rcv_up - t.rcv_nxt) | 0) - 1;
            if (so.so_oobmark === 0) so.so_rcv.sb_state |= SBS_RCVATMARK;
            sohasoutofband(so);
            t.t_oobflags &= ~(TCPOOB_HAVEDATA | TCPOOB_HADDATA);
          }
          // Take the out-of-band byte out of the data unless SO_OOBINLINE.
          if (th_urp <= tlen && (so.so_options & SO_OOBINLINE) === 0) tcp_pulloutofband(so, th_urp, m as mbuf, drop_hdrlen);
        } else if (SEQ_GT(t.rcv_nxt, t.rcv_up)) {
          // No urgent data: rcv_up follows the window.
          t.rcv_up = t.rcv_nxt;
        }
        pc = DS_DODATA;
        continue;
      }

      case DS_DODATA: {
        const t = tp as tcpcb;
        // The data: appended in order (ACK delayed), or queued out of order
        // (ACKed at once so that the peer's fast retransmit works).
        if ((tlen !== 0 || (thflags & TH_FIN) !== 0) && !TCPS_HAVERCVDFIN(t.t_state)) {
          const save_start = th_seq;
          const save_rnxt = t.rcv_nxt;
          const save_tlen = tlen;
          m_adj(m, drop_hdrlen);
          if (th_seq === t.rcv_nxt && SEGQ_EMPTY(t) && TCPS_HAVEESTABLISHED(t.t_state)) {
            if (DELAY_ACK(t, tlen)) t.t_flags |= TF_DELACK;
            else t.t_flags |= TF_ACKNOW;
            t.rcv_nxt = (t.rcv_nxt + tlen) | 0;
            if (tlen !== 0 && (t.t_flags2 & TF2_FBYTES_COMPLETE) === 0 && t.t_fbyte_in === 0) {
              t.t_fbyte_in = ticks;
              if (t.t_fbyte_in === 0) t.t_fbyte_in = 1;
              if (t.t_fbyte_out !== 0 && t.t_fbyte_in !== 0) t.t_flags2 |= TF2_FBYTES_COMPLETE;
            }
            // The header's FIN, as FreeBSD reads it (tcp_get_flags(th)).
            thflags = tcp_get_flags(m0, th) & TH_FIN;
            TCPSTAT_INC(tcps_rcvpack);
            TCPSTAT_ADD(tcps_rcvbyte, tlen);
            if ((so.so_rcv.sb_state & SBS_CANTRCVMORE) !== 0) m_freem(m);
            else sbappendstream_locked(so.so_rcv, m as mbuf, 0);
            m = null;
            t.t_flags |= TF_WAKESOR;
          } else {
            reass_io.seq_start = save_start;
            reass_io.tlen = tlen;
            thflags = tcp_reass(t, th_seq, tcp_get_flags(m0, th), reass_io, m);
            tlen = reass_io.tlen;
            m = null;
            t.t_flags |= TF_ACKNOW;
          }
          if ((t.t_flags & TF_SACK_PERMIT) !== 0 && save_tlen > 0 && TCPS_HAVEESTABLISHED(t.t_state)) {
            if (tlen === 0 && SEQ_LT(save_start, save_rnxt)) {
              // A D-SACK (the fast path above did most of it).
              tcp_update_sack_list(t, save_start, (save_start + save_tlen) | 0);
            } else if (tlen > 0 && SEQ_GT(t.rcv_nxt, save_rnxt)) {
              if (t.rcv_numsacks >= 1 && t.sackblks[0].end === save_start) {
                // A partial overlap, recorded at todrop above.
                tcp_update_sack_list(t, t.sackblks[0].start, t.sackblks[0].end);
              } else tcp_update_dsack_list(t, save_start, (save_start + save_tlen) | 0);
            } else if (tlen >= save_tlen) {
              tcp_update_dsack_list(t, save_start, (save_start + save_tlen) | 0);
            } else if (tlen > 0) {
              tcp_update_dsack_list(t, save_start, (save_start + tlen) | 0);
            }
          }
          tcp_handle_wakeup(t);
        } else {
          m_freem(m);
          m = null;
          thflags &= ~TH_FIN;
        }
        // A FIN: ACK it and tell the user.
        if ((thflags & TH_FIN) !== 0) {
          if (!TCPS_HAVERCVDFIN(t.t_state)) {
            socantrcvmore(so);
            // Half-synchronized: the ACK can ride with our SYN.
            if ((t.t_flags & TF_NEEDSYN) !== 0) t.t_flags |= TF_DELACK;
            else t.t_flags |= TF_ACKNOW;
            t.rcv_nxt = (t.rcv_nxt + 1) | 0;
          }
          switch (t.t_state) {
            case TCPS_SYN_RECEIVED:
              t.t_starttime = ticks;
              tcp_state_change(t, TCPS_CLOSE_WAIT);
              break;
            case TCPS_ESTABLISHED:
              tcp_state_change(t, TCPS_CLOSE_WAIT);
              break;
            case TCPS_FIN_WAIT_1:
              tcp_state_change(t, TCPS_CLOSING);
              break;
            case TCPS_FIN_WAIT_2:
              tcp_twstart(t);
              return;
          }
        }
        pc = DS_OUTPUT;
        continue;
      }

      case DS_OUTPUT: {
        const t = tp as tcpcb;
        if (needoutput || (t.t_flags & TF_ACKNOW) !== 0) tcp_output(t);
        pc = DS_CHECK_DELACK;
        continue;
      }

      case DS_CHECK_DELACK: {
        const t = tp as tcpcb;
        if ((t.t_flags & TF_DELACK) !== 0) {
          t.t_flags &= ~TF_DELACK;
          tcp_timer_activate(t, TT_DELACK, tcp_delacktime.v);
        }
        return;
      }

      case DS_DROPAFTERACK: {
        // An ACK reflecting our state, the segment dropped.  In
        // SYN_RECEIVED an unacceptable ACK gets a RST instead (breaks the
        // LAND loop and ACK storms between forged listeners).
        const t = tp as tcpcb;
        if (t.t_state === TCPS_SYN_RECEIVED && (thflags & TH_ACK) !== 0 && (SEQ_GT(t.snd_una, th_ack) || SEQ_GT(th_ack, t.snd_max))) {
          rstreason = BANDLIM_RST_OPENPORT;
          pc = DS_DROPWITHRESET;
          continue;
        }
        t.t_flags |= TF_ACKNOW;
        tcp_output(t);
        m_freem(m);
        return;
      }

      case DS_DROPWITHRESET:
        tcp_dropwithreset(m as mbuf, th, tp, tlen, rstreason);
        return;

      case DS_DROP:
      default:
        m_freem(m);
        return;
    }
  }
}

// ---------------------------------------------------------------------------
// Helpers of input.

/**
 * tcp_dropwithreset(m, th, tp, tlen, rstreason): answer the segment with a
 * RST (making its ACK acceptable to the sender), unless it is a RST, or
 * went to or came from a broad- or multicast address, or the RST rate
 * limit (net.inet.icmp.icmplim) says no.  Consumes m.
 */
export function tcp_dropwithreset(m: mbuf, th: number, tp: tcpcb | null, tlen: number, rstreason: number): void {
  const dv = m.m_dv;
  const thflags = tcp_get_flags(m, th);
  drop: {
    if ((thflags & TH_RST) !== 0 || (m.m_flags & (M_BCAST | M_MCAST)) !== 0) break drop;
    const ip = m.m_data;
    if ((m.m_buf[ip] >> 4) === 6) {
      // Anycast destinations were refused in tcp6_input already.
      if (m.m_buf[ip + IP6_OFF_DST] === 0xff || m.m_buf[ip + IP6_OFF_SRC] === 0xff) break drop;
    } else {
      const src = dv.getUint32(ip + IPH_SRC);
      const dst = dv.getUint32(ip + IPH_DST);
      const ifp = m.m_pkthdr.rcvif as ifnet | null;
      if (IN_MULTICAST(dst) || IN_MULTICAST(src) || src === INADDR_BROADCAST || (ifp !== null && in_broadcast(dst, ifp))) break drop;
    }
    if (badport_bandlim(rstreason) < 0) break drop;
    const sc = S();
    const ipp = sc.resp_ip.setm(m, ip);
    const thp = sc.resp_th.setm(m, th);
    // tcp_respond consumes m.
    if ((thflags & TH_ACK) !== 0) tcp_respond(tp, ipp, thp, m, 0, dv.getInt32(th + TCPH_ACK), TH_RST);
    else {
      if ((thflags & TH_SYN) !== 0) tlen++;
      if ((thflags & TH_FIN) !== 0) tlen++;
      tcp_respond(tp, ipp, thp, m, (dv.getInt32(th + TCPH_SEQ) + tlen) | 0, 0, TH_RST | TH_ACK);
    }
    return;
  }
  m_freem(m);
}

/**
 * tcp_dooptions(to, m, cp, cnt, flags): parse cnt bytes of options at
 * offset cp of m's storage (m_buf) into `to`.  MSS, window scale and SACK-permitted count
 * only on a SYN (TO_SYN), SACK blocks only off one; malformed options end
 * the parse; nothing past cp + cnt is read.
 */
export function tcp_dooptions(to: tcpopt, m: mbuf, cp: number, cnt: number, flags: number): void {
  const dv = m.m_dv;
  to.to_flags = 0;
  let optlen: number;
  for (; cnt > 0; cnt -= optlen, cp += optlen) {
    const opt = dv.getUint8(cp);
    if (opt === TCPOPT_EOL) break;
    if (opt === TCPOPT_NOP) optlen = 1;
    else {
      if (cnt < 2) break;
      optlen = dv.getUint8(cp + 1);
      if (optlen < 2 || optlen > cnt) break;
    }
    switch (opt) {
      case TCPOPT_MAXSEG:
        if (optlen !== TCPOLEN_MAXSEG) continue;
        if ((flags & TO_SYN) === 0) continue;
        to.to_flags |= TOF_MSS;
        to.to_mss = dv.getUint16(cp + 2);
        break;
      case TCPOPT_WINDOW:
        if (optlen !== TCPOLEN_WINDOW) continue;
        if ((flags & TO_SYN) === 0) continue;
        to.to_flags |= TOF_SCALE;
        to.to_wscale = Math.min(dv.getUint8(cp + 2), TCP_MAX_WINSHIFT);
        break;
      case TCPOPT_TIMESTAMP:
        if (optlen !== TCPOLEN_TIMESTAMP) continue;
        to.to_flags |= TOF_TS;
        to.to_tsval = dv.getInt32(cp + 2);
        to.to_tsecr = dv.getInt32(cp + 6);
        break;
      case TCPOPT_SIGNATURE:
        // Noted so that a reply can be refused; there is no TCP-MD5 here.
        if (optlen !== TCPOLEN_SIGNATURE) continue;
        to.to_flags |= TOF_SIGNATURE;
        to.to_signature = cp + 2;
        break;
      case TCPOPT_SACK_PERMITTED:
        if (optlen !== TCPOLEN_SACK_PERMITTED) continue;
        if ((flags & TO_SYN) === 0) continue;
        if (VNET_I32(tcp_do_sack) === 0) continue;
        to.to_flags |= TOF_SACKPERM;
        break;
      case TCPOPT_SACK:
        if (optlen <= 2 || (optlen - 2) % TCPOLEN_SACK !== 0) continue;
        if ((flags & TO_SYN) !== 0) continue;
        to.to_flags |= TOF_SACK;
        to.to_nsacks = (optlen - 2) / TCPOLEN_SACK;
        to.to_sacks = cp + 2;
        to.to_sacks_m = m;
        TCPSTAT_INC(tcps_sack_rcv_blocks);
        break;
      default:
        // TCPOPT_FAST_OPEN too: no TFO here.
        continue;
    }
  }
}

/**
 * tcp_pulloutofband(so, th_urp, m, off): take the urgent byte (th_urp - 1
 * bytes past off in m) out of the data into t_iobc; it still counts in
 * sequence space.
 */
export function tcp_pulloutofband(so: socket, th_urp: number, m0: mbuf, off: number): void {
  let cnt = off + th_urp - 1;
  let m: mbuf | null = m0;
  while (cnt >= 0 && m !== null) {
    if (m.m_len > cnt) {
      const cp = m.m_data + cnt;
      const tp = sototcpcb(so);
      tp.t_iobc = m.m_buf[cp];
      tp.t_oobflags |= TCPOOB_HAVEDATA;
      m.m_buf.copyWithin(cp, cp + 1, m.m_data + m.m_len);
      m.m_len--;
      if ((m.m_flags & M_PKTHDR) !== 0) m.m_pkthdr.len--;
      return;
    }
    cnt -= m.m_len;
    m = m.m_next;
  }
  panic("tcp_pulloutofband");
}

/**
 * tcp_xmit_timer(tp, rtt): a new RTT sample (ticks, origin 1): smoothed
 * RTT (gain 1/8) and mean deviation (gain 1/4) in fixed point, and the
 * retransmit timeout from them.
 */
export function tcp_xmit_timer(tp: tcpcb, rtt: number): void {
  TCPSTAT_INC(tcps_rttupdated);
  if (tp.t_rttupdated < 255) tp.t_rttupdated++;
  let delta: number;
  if (tp.t_srtt !== 0 && tp.t_rxtshift <= TCP_RTT_INVALIDATE) {
    // srtt has 5 fraction bits; rtt comes in with origin 1.
    delta = ((rtt - 1) << TCP_DELTA_SHIFT) - (tp.t_srtt >> (TCP_RTT_SHIFT - TCP_DELTA_SHIFT));
    if ((tp.t_srtt += delta) <= 0) tp.t_srtt = 1;
    // rttvar has 4 fraction bits.
    if (delta < 0) delta = -delta;
    delta -= tp.t_rttvar >> (TCP_RTTVAR_SHIFT - TCP_DELTA_SHIFT);
    if ((tp.t_rttvar += delta) <= 0) tp.t_rttvar = 1;
  } else {
    // The first sample: variance half of it (first retransmit at 3 RTT).
    tp.t_srtt = rtt << TCP_RTT_SHIFT;
    tp.t_rttvar = rtt << (TCP_RTTVAR_SHIFT - 1);
  }
  tp.t_rtttime = 0;
  tp.t_rxtshift = 0;
  // rtt + 4 rttvar, never under two ticks past the sample.
  tp.t_rxtcur = TCPT_RANGESET(TCP_REXMTVAL(tp), Math.max(tp.t_rttmin, rtt + 2), TCPTV_REXMTMAX());
  // An ACK for something not retransmitted: recent errors are moot.
  tp.t_softerror = 0;
}


/**
 * tcp_mss_update(tp, offer, mtuoffer, metricptr, cap): t_maxseg from the
 * route's MTU (or the host cache's), capped by the peer's offer (at least
 * net.inet.tcp.minmss), at least 64.  offer -1: no SYN yet; mtuoffer: an
 * MTU from ICMP (then offer is -1).
 */
export function tcp_mss_update(tp: tcpcb, offer: number, mtuoffer: number, metricptr: hc_metrics_lite | null, cap: tcp_ifcap | null): void {
  let mss: number;
  let maxmtu: number;
  const inp = tptoinpcb(tp);
  const isipv6 = (inp.inp_vflag & INP_IPV6) !== 0;
  const min_protoh = isipv6 ? IP6_HDR_LEN + TCP_HDRLEN : IP_HDRLEN + TCP_HDRLEN;
  if (mtuoffer !== -1) offer = mtuoffer - min_protoh;
  if (isipv6) {
    maxmtu = tcp_maxmtu6(inp.inp_inc, cap);
    tp.t_maxseg = VNET_I32(tcp_v6mssdflt);
  } else {
    maxmtu = tcp_maxmtu(inp.inp_inc, cap);
    tp.t_maxseg = VNET_I32(tcp_mssdflt);
  }
  // No route: the default, and empty metrics.
  if (maxmtu === 0) {
    if (metricptr !== null) metricptr.clear();
    return;
  }
  switch (offer) {
    case 0:
      // No MSS option on the SYN: the default already set.
      offer = tp.t_maxseg;
      break;
    default:
      // -1 (no SYN yet) and real offers: never under minmss (a DoS defence).
      offer = Math.max(offer, VNET_I32(tcp_minmss));
  }
  // The host cache's answers, straight into the caller's struct when it wants them.
  const metrics = metricptr !== null ? metricptr : S().conn_metrics;
  tcp_hc_get(inp.inp_inc, metrics);
  // The host cache's discovered MTU, else the link's.
  if (metrics.hc_mtu !== 0) mss = Math.min(metrics.hc_mtu, maxmtu) - min_protoh;
  else {
    mss = maxmtu - min_protoh;
    if (isipv6) {
      if (VNET_I32(path_mtu_discovery) === 0 && !in6_localaddr(inp.in6p_faddr)) mss = Math.min(mss, VNET_I32(tcp_v6mssdflt));
    } else if (VNET_I32(path_mtu_discovery) === 0 && in_localaddr(inp.inp_faddr) === 0) mss = Math.min(mss, VNET_I32(tcp_mssdflt));
  }
  mss = Math.min(mss, offer);
  // Room for data even with 40 bytes of options.
  mss = Math.max(mss, 64);
  tp.t_maxseg = mss;
}

/**
 * tcp_mss(tp, offer): tcp_mss_update, then the socket buffers rounded to
 * whole segments (or the host cache's pipe sizes for default-sized ones).
 */
export function tcp_mss(tp: tcpcb, offer: number): void {
  const inp = tptoinpcb(tp);
  const metrics = S().mss_metrics;
  const cap = S().mss_cap;
  cap.clear();
  tcp_mss_update(tp, offer, -1, metrics, cap);
  let mss = tp.t_maxseg;
  const so = inp.inp_socket as socket;
  let bufsize: number;
  if (so.so_snd.sb_hiwat === VNET_I32(tcp_sendspace) && metrics.hc_sendpipe !== 0) bufsize = metrics.hc_sendpipe;
  else bufsize = so.so_snd.sb_hiwat;
  if (bufsize < mss) mss = bufsize;
  else {
    bufsize = roundup(bufsize, mss);
    if (bufsize > sb_max_get()) bufsize = sb_max_get();
    if (bufsize > so.so_snd.sb_hiwat) sbreserve_locked(so, SO_SND, bufsize, null);
  }
  tp.t_maxseg = Math.max(mss, 64);
  if (so.so_rcv.sb_hiwat === VNET_I32(tcp_recvspace) && metrics.hc_recvpipe !== 0) bufsize = metrics.hc_recvpipe;
  else bufsize = so.so_rcv.sb_hiwat;
  if (bufsize > mss) {
    bufsize = roundup(bufsize, mss);
    if (bufsize > sb_max_get()) bufsize = sb_max_get();
    if (bufsize > so.so_rcv.sb_hiwat) sbreserve_locked(so, SO_RCV, bufsize, null);
  }
  if ((cap.ifcap & CSUM_IP_TSO) !== 0) {
    tp.t_flags |= TF_TSO;
    tp.t_tsomax = cap.tsomax;
    tp.t_tsomaxsegcount = cap.tsomaxsegcount;
    tp.t_tsomaxsegsize = cap.tsomaxsegsize;
  }
}

function roundup(x: number, y: number): number {
  return Math.ceil(x / y) * y;
}

/** tcp_mssopt(inc): the MSS option for a SYN (link MTU or cached path MTU, less headers). */
export function tcp_mssopt(inc: in_conninfo): number {
  let mss: number;
  let maxmtu: number;
  let min_protoh: number;
  if ((inc.inc_flags & INC_ISIPV6) !== 0) {
    mss = VNET_I32(tcp_v6mssdflt);
    maxmtu = tcp_maxmtu6(inc, null);
    min_protoh = IP6_HDR_LEN + TCP_HDRLEN;
  } else {
    mss = VNET_I32(tcp_mssdflt);
    maxmtu = tcp_maxmtu(inc, null);
    min_protoh = IP_HDRLEN + TCP_HDRLEN;
  }
  const thcmtu = tcp_hc_getmtu(inc);
  if (maxmtu !== 0 && thcmtu !== 0) mss = Math.min(maxmtu, thcmtu) - min_protoh;
  else if (maxmtu !== 0 || thcmtu !== 0) mss = Math.max(maxmtu, thcmtu) - min_protoh;
  return mss;
}

/**
 * tcp_do_prr_ack(tp, th, to, sack_changed): Proportional Rate
 * Reduction (RFC 6937): how much may go out for what this ACK delivered.
 */
export function tcp_do_prr_ack(tp: tcpcb, th: hdrptr, to: tcpopt, sack_changed: number): void {
  let snd_cnt: number;
  let limit: number;
  let del_data = 0;
  let pipe: number;
  const maxseg = tcp_maxseg(tp);
  void th;
  if (tcp_is_sack_recovery(tp, to) || (IN_CONGRECOVERY(tp.t_flags) && !IN_FASTRECOVERY(tp.t_flags))) {
    del_data = tp.sackhint.delivered_data;
    if (VNET_I32(tcp_do_newsack) !== 0) pipe = tcp_compute_pipe(tp);
    else pipe = ((tp.snd_nxt - tp.snd_fack) | 0) + tp.sackhint.sack_bytes_rexmit;
  } else {
    if (tp.sackhint.prr_delivered < tcprexmtthresh * maxseg + ((tp.snd_recover - tp.snd_una) | 0)) del_data = maxseg;
    pipe = Math.max(0, ((tp.snd_max - tp.snd_una) | 0) - Math.min(Math.floor(0x7fffffff / 65536), tp.t_dupacks) * maxseg);
  }
  tp.sackhint.prr_delivered += del_data;
  if (pipe >= tp.snd_ssthresh) {
    if (tp.sackhint.recover_fs === 0) tp.sackhint.recover_fs = Math.max(1, (tp.snd_nxt - tp.snd_una) | 0);
    snd_cnt = Math.ceil((tp.sackhint.prr_delivered * tp.snd_ssthresh) / tp.sackhint.recover_fs) - tp.sackhint.prr_out + maxseg - 1;
  } else {
    // PRR-SSRB, conservative (one segment) on new loss or when nothing
    // new was delivered (ACK splitting).
    if (sack_changed === SACK_NEWLOSS || del_data === 0) limit = tp.sackhint.prr_delivered - tp.sackhint.prr_out;
    else limit = Math.max(tp.sackhint.prr_delivered - tp.sackhint.prr_out, del_data) + maxseg;
    snd_cnt = Math.min(tp.snd_ssthresh - pipe, limit);
  }
  snd_cnt = Math.floor(Math.max(snd_cnt, 0) / maxseg);
  // Send snd_cnt segments; a SACK retransmission is counted in cwnd.
  if (IN_FASTRECOVERY(tp.t_flags)) {
    if (tcp_is_sack_recovery(tp, to)) tp.snd_cwnd = (((tp.snd_nxt - tp.snd_recover) | 0) + tp.sackhint.sack_bytes_rexmit + snd_cnt * maxseg) >>> 0;
    else tp.snd_cwnd = (((tp.snd_max - tp.snd_una) | 0) + snd_cnt * maxseg) >>> 0;
  } else if (IN_CONGRECOVERY(tp.t_flags)) tp.snd_cwnd = (pipe - del_data + snd_cnt * maxseg) >>> 0;
  tp.snd_cwnd = Math.max(maxseg, tp.snd_cwnd | 0);
}

/**
 * tcp_newreno_partial_ack(tp, th): a partial ACK in NewReno recovery:
 * resend the next unacknowledged segment now, then deflate cwnd by what
 * was acknowledged (snd_una is not yet advanced).
 */
export function tcp_newreno_partial_ack(tp: tcpcb, th: hdrptr): void {
  const th_ack = th.dv.getInt32(th.off + TCPH_ACK);
  const onxt = tp.snd_nxt;
  const ocwnd = tp.snd_cwnd;
  const maxseg = tcp_maxseg(tp);
  tcp_timer_activate(tp, TT_REXMT, 0);
  tp.t_rtttime = 0;
  tp.snd_nxt = th_ack;
  // One segment past what was acknowledged.
  tp.snd_cwnd = maxseg + BYTES_THIS_ACK(tp, th_ack);
  tp.t_flags |= TF_ACKNOW;
  tcp_output(tp);
  tp.snd_cwnd = ocwnd;
  if (SEQ_GT(onxt, tp.snd_nxt)) tp.snd_nxt = onxt;
  // Partial deflation.
  if (tp.snd_cwnd > BYTES_THIS_ACK(tp, th_ack)) tp.snd_cwnd -= BYTES_THIS_ACK(tp, th_ack);
  else tp.snd_cwnd = 0;
  tp.snd_cwnd += maxseg;
}

/** tcp_compute_pipe(tp): RFC 6675's pipe, the data in flight. */
export function tcp_compute_pipe(tp: tcpcb): number {
  return ((tp.snd_max - tp.snd_una) | 0) + tp.sackhint.sack_bytes_rexmit - tp.sackhint.sacked_bytes;
}

