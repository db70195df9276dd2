// sys/netinet/tcp_var.h: the TCP control block (struct tcpcb), the options
// of one segment (struct tcpopt), TCP's flags, struct tcpstat (per vnet)
// and its accessors, the per-vnet tunables (V_tcp_*), and the xtcpcb
// record net.inet.tcp.pcblist exports.
//
// One TCP stack: FreeBSD's "default" (tcp_function_block is not modelled,
// so there is no t_fb).  FreeBSD 14 embeds the inpcb in the tcpcb; here
// tp.t_inpcb and inp.inp_ppcb link the two, and intotcpcb/tptoinpcb/
// tptosocket are the only way across.  The tunables are declared here with
// FreeBSD's defaults; each file that defines one in FreeBSD registers its
// sysctl (tcp_input.ts, tcp_output.ts, tcp_subr.ts, tcp_timer.ts ...).

import { KASSERT } from "../kern/subr_prf.ts";
import { callout } from "../kern/kern_timeout.ts";
import type { mbuf } from "../kern/mbuf.ts";
import type { socket } from "../kern/uipc_socket.ts";
import { CTLFLAG_RW, SYSCTL_NODE } from "../kern/sysctl.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_U64, VNET_I32, VNET_U64_ADD, type vnet } from "../net/vnet.ts";
import { IPPROTO_TCP } from "./in.ts";
import { _net_inet } from "./ip_var.ts";
import type { inpcb } from "./in_pcb.ts";
import { MAX_SACK_BLKS, TCP_MSS, TCP6_MSS, TCP_MINMSS, type tcp_seq } from "./tcp.ts";
import { TCP_NSTATES } from "./tcp_fsm.ts";
import type { cc_algo } from "./cc/cc.ts";

/** The net.inet.tcp node. */
export const _net_inet_tcp = SYSCTL_NODE(_net_inet, IPPROTO_TCP, "tcp", CTLFLAG_RW, null, "TCP");

// ---------------------------------------------------------------------------
// tt_which (FreeBSD 14 declares it here): the timers of tcp_timer.ts.

export const TT_DELACK = 0;
export const TT_REXMT = 1;
export const TT_PERSIST = 2;
export const TT_KEEP = 3;
export const TT_2MSL = 4;
export const TT_N = 5;

/**
 * struct cc_var (cc/cc.h): what the congestion control framework tells an
 * algorithm about a connection.  It is here, not in cc.ts, because the
 * tcpcb embeds one (t_ccv) and cc.ts depends on this file.
 */
export class cc_var {
  /** The algorithm's per-connection state (CC_DATA). */
  cc_data: unknown = null;
  bytes_this_ack = 0;
  curack = 0;
  flags = 0;
  /** The transport (IPPROTO_TCP). */
  type = 6;
  /** ccvc.tcp: the connection. */
  readonly tp: tcpcb;
  nsegs = 0;
  /** Per-connection ABC L (net.inet.tcp.abc_l_var) when CCF_USE_LOCAL_ABC. */
  labc = 0;
  constructor(tp: tcpcb) {
    this.tp = tp;
  }
}

// ---------------------------------------------------------------------------
// Reassembly queue and SACK scoreboard entries.

/** struct tseg_qent: one out-of-order segment waiting in t_segq. */
export class tseg_qent {
  tqe_m: mbuf | null = null;
  tqe_last: mbuf | null = null;
  tqe_start: tcp_seq = 0;
  tqe_len = 0;
  tqe_flags = 0;
  tqe_mbuf_cnt = 0;
}

/** struct sackblk. */
export class sackblk {
  start: tcp_seq = 0;
  end: tcp_seq = 0;
}

/** struct sackhole: a gap in what the receiver holds (sender side). */
export class sackhole {
  start: tcp_seq = 0;
  end: tcp_seq = 0;
  /** The next sequence number in the hole to retransmit. */
  rxmit: tcp_seq = 0;
}

/** struct sackhint. */
export class sackhint {
  nexthole: sackhole | null = null;
  sack_bytes_rexmit = 0;
  last_sack_ack: tcp_seq = 0;
  delivered_data = 0;
  sacked_bytes = 0;
  /** Flight size at the start of loss recovery. */
  recover_fs = 0;
  prr_delivered = 0;
  prr_out = 0;
  /** Bytes the receiver's SACK blocks say it holds beyond snd_una that were
   *  lost again (RFC 6675 "lost" bytes, tcp_sack.c's accounting). */
  lost_bytes = 0;
  hole_bytes = 0;
}

// ---------------------------------------------------------------------------
// struct tcpcb.

export class tcpcb {
  /** The inpcb (FreeBSD 14 embeds it). */
  t_inpcb: inpcb;
  t_maxseg = 0;
  /** UDP tunneling port (net.inet.tcp.udp_tunneling_port); always 0 here. */
  t_port = 0;
  t_state = 0;
  t_idle_reduce = 0;
  /** TCP_DELACK: segments to hold an ACK for (0: the default). */
  t_delayed_ack = 0;
  t_fin_is_rst = 0;
  t_flags = 0;
  snd_una: tcp_seq = 0;
  snd_max: tcp_seq = 0;
  snd_nxt: tcp_seq = 0;
  snd_up: tcp_seq = 0;
  snd_wnd = 0;
  snd_cwnd = 0;
  ts_offset = 0;
  rfbuf_ts = 0;
  rcv_numsacks = 0;
  t_tsomax = 0;
  t_tsomaxsegcount = 0;
  t_tsomaxsegsize = 0;
  rcv_nxt: tcp_seq = 0;
  rcv_adv: tcp_seq = 0;
  rcv_wnd = 0;
  t_flags2 = 0;
  /** Smoothed RTT, ticks << TCP_RTT_SHIFT. */
  t_srtt = 0;
  /** RTT variance, ticks << TCP_RTTVAR_SHIFT. */
  t_rttvar = 0;
  ts_recent = 0;
  snd_scale = 0;
  rcv_scale = 0;
  snd_limited = 0;
  request_r_scale = 0;
  last_ack_sent: tcp_seq = 0;
  /** ticks at the last segment received (inactivity). */
  t_rcvtime = 0;
  rcv_up: tcp_seq = 0;
  t_segqlen = 0;
  t_segqmbuflen = 0;
  /** The reassembly queue, in sequence order. */
  readonly t_segq: tseg_qent[] = [];
  /** FreeBSD 14's one callout for all the timers, and each timer's
   *  deadline in ns of the virtual clock (Infinity: not armed). */
  readonly t_callout = new callout();
  readonly t_timers = new Float64Array(TT_N).fill(Infinity);
  readonly t_vnet: vnet;
  snd_ssthresh = 0;
  snd_wl1: tcp_seq = 0;
  snd_wl2: tcp_seq = 0;
  irs: tcp_seq = 0;
  iss: tcp_seq = 0;
  t_acktime = 0;
  /** ticks when data was last sent. */
  t_sndtime = 0;
  ts_recent_age = 0;
  snd_recover: tcp_seq = 0;
  t_oobflags = 0;
  t_iobc = 0;
  /** Current retransmit timeout, ticks. */
  t_rxtcur = 0;
  t_rxtshift = 0;
  /** ticks when the timed segment went out (0: none timed). */
  t_rtttime = 0;
  t_rtseq: tcp_seq = 0;
  t_starttime = 0;
  t_fbyte_in = 0;
  t_fbyte_out = 0;
  t_pmtud_saved_maxseg = 0;
  t_blackhole_enter = 0;
  t_blackhole_exit = 0;
  t_rttmin = 0;
  t_rttbest = 0;
  t_softerror = 0;
  max_sndwnd = 0;
  snd_cwnd_prev = 0;
  snd_ssthresh_prev = 0;
  snd_recover_prev: tcp_seq = 0;
  t_sndzerowin = 0;
  t_rttupdated = 0;
  snd_numholes = 0;
  t_badrxtwin = 0;
  /** The SACK scoreboard, sorted. */
  readonly snd_holes: sackhole[] = [];
  snd_fack: tcp_seq = 0;
  readonly sackblks: sackblk[] = Array.from({ length: MAX_SACK_BLKS }, () => new sackblk());
  readonly sackhint = new sackhint();
  t_rttlow = 0;
  rfbuf_cnt = 0;
  t_sndrexmitpack = 0;
  t_rcvoopack = 0;
  /** The congestion control algorithm and its per-connection state. */
  t_cc: cc_algo | null = null;
  readonly t_ccv: cc_var;
  t_bytes_acked = 0;
  t_maxunacktime = 0;
  t_keepinit = 0;
  t_keepidle = 0;
  t_keepintvl = 0;
  t_keepcnt = 0;
  t_dupacks = 0;
  t_pacing_rate = -1;
  t_sndtlppack = 0;
  t_sndtlpbyte = 0;
  t_sndbytes = 0;
  t_snd_rxt_bytes = 0;
  t_dsack_bytes = 0;
  t_dsack_tlp_bytes = 0;
  t_dsack_pack = 0;
  /** RFC 5961 challenge-ACK rate limit (tcp_send_challenge_ack). */
  t_challenge_ack_end = 0;
  t_challenge_ack_cnt = 0;
  /** tcp_output's caller, for tracing (t_output_caller). */
  t_output_caller: string | null = null;

  constructor(inp: inpcb) {
    this.t_inpcb = inp;
    this.t_vnet = inp.inp_vnet;
    this.t_ccv = new cc_var(this);
  }
}

/** intotcpcb(inp). */
export function intotcpcb(inp: inpcb): tcpcb {
  const tp = inp.inp_ppcb;
  KASSERT(tp instanceof tcpcb, "intotcpcb: not a TCP inpcb");
  return tp as tcpcb;
}

/** intotcpcb for an inpcb that may have lost its tcpcb (tcp_discardcb). */
export function intotcpcb_or_null(inp: inpcb): tcpcb | null {
  const tp = inp.inp_ppcb;
  return tp instanceof tcpcb ? tp : null;
}

/** tptoinpcb(tp). */
export function tptoinpcb(tp: tcpcb): inpcb {
  return tp.t_inpcb;
}

/** tptosocket(tp): the socket (a tcpcb always has one until tcp_discardcb). */
export function tptosocket(tp: tcpcb): socket {
  const so = tp.t_inpcb.inp_socket;
  KASSERT(so !== null, "tptosocket: no socket");
  return so as socket;
}

/** sototcpcb(so). */
export function sototcpcb(so: socket): tcpcb {
  const inp = so.so_pcb;
  KASSERT(inp !== null, "sototcpcb: no inpcb");
  return intotcpcb(inp as inpcb);
}

export function SEGQ_EMPTY(tp: tcpcb): boolean {
  return tp.t_segq.length === 0;
}

// t_flags.
export const TF_ACKNOW = 0x00000001;
export const TF_DELACK = 0x00000002;
export const TF_NODELAY = 0x00000004;
export const TF_NOOPT = 0x00000008;
export const TF_SENTFIN = 0x00000010;
export const TF_REQ_SCALE = 0x00000020;
export const TF_RCVD_SCALE = 0x00000040;
export const TF_REQ_TSTMP = 0x00000080;
export const TF_RCVD_TSTMP = 0x00000100;
export const TF_SACK_PERMIT = 0x00000200;
export const TF_NEEDSYN = 0x00000400;
export const TF_NEEDFIN = 0x00000800;
export const TF_NOPUSH = 0x00001000;
export const TF_PREVVALID = 0x00002000;
export const TF_WAKESOR = 0x00004000;
export const TF_GPUTINPROG = 0x00008000;
export const TF_MORETOCOME = 0x00010000;
export const TF_SONOTCONN = 0x00020000;
export const TF_LASTIDLE = 0x00040000;
export const TF_RXWIN0SENT = 0x00080000;
export const TF_FASTRECOVERY = 0x00100000;
export const TF_WASFRECOVERY = 0x00200000;
export const TF_SIGNATURE = 0x00400000;
export const TF_FORCEDATA = 0x00800000;
export const TF_TSO = 0x01000000;
export const TF_TOE = 0x02000000;
export const TF_CLOSED = 0x04000000;
export const TF_SENTSYN = 0x08000000;
export const TF_LRD = 0x10000000;
export const TF_CONGRECOVERY = 0x20000000;
export const TF_WASCRECOVERY = 0x40000000;
export const TF_FASTOPEN = 0x80000000;

export function IN_FASTRECOVERY(t_flags: number): boolean {
  return (t_flags & TF_FASTRECOVERY) !== 0;
}
export function IN_CONGRECOVERY(t_flags: number): boolean {
  return (t_flags & TF_CONGRECOVERY) !== 0;
}
export function IN_RECOVERY(t_flags: number): boolean {
  return (t_flags & (TF_CONGRECOVERY | TF_FASTRECOVERY)) !== 0;
}
export function ENTER_FASTRECOVERY(tp: tcpcb): void {
  tp.t_flags |= TF_FASTRECOVERY;
}
export function EXIT_FASTRECOVERY(tp: tcpcb): void {
  tp.t_flags &= ~TF_FASTRECOVERY;
}
export function ENTER_CONGRECOVERY(tp: tcpcb): void {
  tp.t_flags |= TF_CONGRECOVERY;
}
export function EXIT_CONGRECOVERY(tp: tcpcb): void {
  tp.t_flags &= ~TF_CONGRECOVERY;
}
export function ENTER_RECOVERY(tp: tcpcb): void {
  tp.t_flags |= TF_CONGRECOVERY | TF_FASTRECOVERY;
}
export function EXIT_RECOVERY(tp: tcpcb): void {
  tp.t_flags &= ~(TF_CONGRECOVERY | TF_FASTRECOVERY);
}
/** No TCP Fast Open (the kernel option TCP_RFC7413 is off). */
export function IS_FASTOPEN(_t_flags: number): boolean {
  return false;
}

// t_oobflags.
export const TCPOOB_HAVEDATA = 0x01;
export const TCPOOB_HADDATA = 0x02;

// t_flags2.
export const TF2_PLPMTU_BLACKHOLE = 0x00000001;
export const TF2_PLPMTU_PMTUD = 0x00000002;
export const TF2_PLPMTU_MAXSEGSNT = 0x00000004;
export const TF2_LOG_AUTO = 0x00000008;
export const TF2_DROP_AF_DATA = 0x00000010;
export const TF2_ECN_PERMIT = 0x00000020;
export const TF2_ECN_SND_CWR = 0x00000040;
export const TF2_ECN_SND_ECE = 0x00000080;
export const TF2_ACE_PERMIT = 0x00000100;
export const TF2_HPTS_CPU_SET = 0x00000200;
export const TF2_FBYTES_COMPLETE = 0x00000400;
export const TF2_ECN_USE_ECT1 = 0x00000800;
export const TF2_TCP_ACCOUNTING = 0x00001000;
export const TF2_HPTS_CALLS = 0x00002000;
export const TF2_MBUF_L_ACKS = 0x00004000;
export const TF2_MBUF_ACKCMP = 0x00008000;
export const TF2_SUPPORTS_MBUFQ = 0x00010000;
export const TF2_MBUF_QUEUE_READY = 0x00020000;
export const TF2_DONT_SACK_QUEUE = 0x00040000;
export const TF2_CANNOT_DO_ECN = 0x00080000;
export const TF2_PROC_SACK_PROHIBIT = 0x00100000;
export const TF2_IPSEC_TSO = 0x00200000;
export const TF2_NO_ISS_CHECK = 0x00400000;

// ---------------------------------------------------------------------------
// struct tcpopt: the options of one segment, parsed (tcp_dooptions) or to
// send (tcp_addoptions).  One scratch object per call site, reused.

export const TOF_MSS = 0x0001;
export const TOF_SCALE = 0x0002;
export const TOF_SACKPERM = 0x0004;
export const TOF_TS = 0x0010;
export const TOF_SIGNATURE = 0x0040;
export const TOF_SACK = 0x0080;
export const TOF_FASTOPEN = 0x0100;
export const TOF_MAXOPT = 0x0200;

/** tcp_dooptions flag: parse SYN-only options too. */
export const TO_SYN = 0x01;

export class tcpopt {
  to_flags = 0;
  to_tsval = 0;
  to_tsecr = 0;
  /** The SACK blocks: the mbuf holding them and their offset in m_buf
   *  (FreeBSD's to_sacks pointer), to_nsacks of them. */
  to_sacks_m: mbuf | null = null;
  to_sacks: number = 0;
  /** Outgoing SACK blocks for tcp_addoptions (FreeBSD points to_sacks at
   *  tp->sackblks). */
  to_sackblks: readonly sackblk[] | null = null;
  to_signature = 0;
  to_mss = 0;
  to_wscale = 0;
  to_nsacks = 0;
  to_tfo_len = 0;
  to_spare = 0;

  /** bzero(to, sizeof(*to)). */
  clear(): void {
    this.to_flags = 0;
    this.to_tsval = 0;
    this.to_tsecr = 0;
    this.to_sacks_m = null;
    this.to_sacks = 0;
    this.to_sackblks = null;
    this.to_signature = 0;
    this.to_mss = 0;
    this.to_wscale = 0;
    this.to_nsacks = 0;
    this.to_tfo_len = 0;
    this.to_spare = 0;
  }
}

/** struct hc_metrics_lite: what the host cache remembers about a peer. */
export class hc_metrics_lite {
  hc_mtu = 0;
  hc_ssthresh = 0;
  hc_rtt = 0;
  hc_rttvar = 0;
  hc_cwnd = 0;
  hc_sendpipe = 0;
  hc_recvpipe = 0;

  clear(): void {
    this.hc_mtu = this.hc_ssthresh = this.hc_rtt = this.hc_rttvar = this.hc_cwnd = this.hc_sendpipe = this.hc_recvpipe = 0;
  }
}

/** struct tcp_ifcap: the interface's offload limits (no TSO here). */
export class tcp_ifcap {
  ifcap = 0;
  tsomax = 0;
  tsomaxsegcount = 0;
  tsomaxsegsize = 0;
  ipsec_tso = false;

  clear(): void {
    this.ifcap = this.tsomax = this.tsomaxsegcount = this.tsomaxsegsize = 0;
    this.ipsec_tso = false;
  }
}

// ---------------------------------------------------------------------------
// RTT fixed point (see tcp_xmit_timer).

export const TCP_RTT_SCALE = 32;
export const TCP_RTT_SHIFT = 5;
export const TCP_RTTVAR_SCALE = 16;
export const TCP_RTTVAR_SHIFT = 4;
export const TCP_DELTA_SHIFT = 2;

/** TCP_REXMTVAL(tp): srtt + 4 * rttvar, at least t_rttmin, in ticks. */
export function TCP_REXMTVAL(tp: tcpcb): number {
  const v = ((tp.t_srtt >> (TCP_RTT_SHIFT - TCP_DELTA_SHIFT)) + tp.t_rttvar) >> TCP_DELTA_SHIFT;
  return Math.max(tp.t_rttmin, v);
}

/** BYTES_THIS_ACK(tp, th_ack). */
export function BYTES_THIS_ACK(tp: tcpcb, th_ack: tcp_seq): number {
  return (th_ack - tp.snd_una) | 0;
}

// ---------------------------------------------------------------------------
// struct tcpstat, per vnet (VNET_PCPUSTAT_DEFINE in tcp_input.c).

export const tcps_connattempt = 0;
export const tcps_accepts = 1;
export const tcps_connects = 2;
export const tcps_drops = 3;
export const tcps_conndrops = 4;
export const tcps_minmssdrops = 5;
export const tcps_closed = 6;
export const tcps_segstimed = 7;
export const tcps_rttupdated = 8;
export const tcps_delack = 9;
export const tcps_timeoutdrop = 10;
export const tcps_rexmttimeo = 11;
export const tcps_persisttimeo = 12;
export const tcps_keeptimeo = 13;
export const tcps_keepprobe = 14;
export const tcps_keepdrops = 15;
export const tcps_progdrops = 16;
export const tcps_sndtotal = 17;
export const tcps_sndpack = 18;
export const tcps_sndbyte = 19;
export const tcps_sndrexmitpack = 20;
export const tcps_sndrexmitbyte = 21;
export const tcps_sndrexmitbad = 22;
export const tcps_sndacks = 23;
export const tcps_sndprobe = 24;
export const tcps_sndurg = 25;
export const tcps_sndwinup = 26;
export const tcps_sndctrl = 27;
export const tcps_rcvtotal = 28;
export const tcps_rcvpack = 29;
export const tcps_rcvbyte = 30;
export const tcps_rcvbadsum = 31;
export const tcps_rcvbadoff = 32;
export const tcps_rcvreassfull = 33;
export const tcps_rcvshort = 34;
export const tcps_rcvduppack = 35;
export const tcps_rcvdupbyte = 36;
export const tcps_rcvpartduppack = 37;
export const tcps_rcvpartdupbyte = 38;
export const tcps_rcvoopack = 39;
export const tcps_rcvoobyte = 40;
export const tcps_rcvpackafterwin = 41;
export const tcps_rcvbyteafterwin = 42;
export const tcps_rcvafterclose = 43;
export const tcps_rcvwinprobe = 44;
export const tcps_rcvdupack = 45;
export const tcps_rcvacktoomuch = 46;
export const tcps_rcvackpack = 47;
export const tcps_rcvackbyte = 48;
export const tcps_rcvwinupd = 49;
export const tcps_pawsdrop = 50;
export const tcps_predack = 51;
export const tcps_preddat = 52;
export const tcps_pcbcachemiss = 53;
export const tcps_cachedrtt = 54;
export const tcps_cachedrttvar = 55;
export const tcps_cachedssthresh = 56;
export const tcps_usedrtt = 57;
export const tcps_usedrttvar = 58;
export const tcps_usedssthresh = 59;
export const tcps_persistdrop = 60;
export const tcps_badsyn = 61;
export const tcps_mturesent = 62;
export const tcps_listendrop = 63;
export const tcps_badrst = 64;
export const tcps_sc_added = 65;
export const tcps_sc_retransmitted = 66;
export const tcps_sc_dupsyn = 67;
export const tcps_sc_dropped = 68;
export const tcps_sc_completed = 69;
export const tcps_sc_bucketoverflow = 70;
export const tcps_sc_cacheoverflow = 71;
export const tcps_sc_reset = 72;
export const tcps_sc_stale = 73;
export const tcps_sc_aborted = 74;
export const tcps_sc_badack = 75;
export const tcps_sc_unreach = 76;
export const tcps_sc_zonefail = 77;
export const tcps_sc_sendcookie = 78;
export const tcps_sc_recvcookie = 79;
export const tcps_hc_added = 80;
export const tcps_hc_bucketoverflow = 81;
export const tcps_finwait2_drops = 82;
export const tcps_sack_recovery_episode = 83;
export const tcps_sack_rexmits = 84;
export const tcps_sack_rexmit_bytes = 85;
export const tcps_sack_rcv_blocks = 86;
export const tcps_sack_send_blocks = 87;
export const tcps_sack_lostrexmt = 88;
export const tcps_sack_sboverflow = 89;
export const tcps_ecn_rcvce = 90;
export const tcps_ecn_rcvect0 = 91;
export const tcps_ecn_rcvect1 = 92;
export const tcps_ecn_shs = 93;
export const tcps_ecn_rcwnd = 94;
export const tcps_sig_rcvgoodsig = 95;
export const tcps_sig_rcvbadsig = 96;
export const tcps_sig_err_buildsig = 97;
export const tcps_sig_err_sigopt = 98;
export const tcps_sig_err_nosigopt = 99;
export const tcps_pmtud_blackhole_activated = 100;
export const tcps_pmtud_blackhole_activated_min_mss = 101;
export const tcps_pmtud_blackhole_failed = 102;
export const tcps_tunneled_pkts = 103;
export const tcps_tunneled_errs = 104;
export const tcps_dsack_count = 105;
export const tcps_dsack_bytes = 106;
export const tcps_dsack_tlp_bytes = 107;
export const tcps_tw_recycles = 108;
export const tcps_tw_resets = 109;
export const tcps_tw_responds = 110;
export const tcps_ace_nect = 111;
export const tcps_ace_ect1 = 112;
export const tcps_ace_ect0 = 113;
export const tcps_ace_ce = 114;
export const tcps_ecn_sndect0 = 115;
export const tcps_ecn_sndect1 = 116;
export const tcps_tlpresends = 117;
export const tcps_tlpresend_bytes = 118;
export const tcps_rcvghostack = 119;
export const tcps_rcvacktooold = 120;
export const TCPSTAT_NFIELDS = 121;
/** tcps_rcvmemdrop: the old name of tcps_rcvreassfull. */
export const tcps_rcvmemdrop = tcps_rcvreassfull;

/** Field names in struct order, for netstat -s -p tcp. */
export const tcpstat_names: readonly string[] = [
  "tcps_connattempt",
  "tcps_accepts",
  "tcps_connects",
  "tcps_drops",
  "tcps_conndrops",
  "tcps_minmssdrops",
  "tcps_closed",
  "tcps_segstimed",
  "tcps_rttupdated",
  "tcps_delack",
  "tcps_timeoutdrop",
  "tcps_rexmttimeo",
  "tcps_persisttimeo",
  "tcps_keeptimeo",
  "tcps_keepprobe",
  "tcps_keepdrops",
  "tcps_progdrops",
  "tcps_sndtotal",
  "tcps_sndpack",
  "tcps_sndbyte",
  "tcps_sndrexmitpack",
  "tcps_sndrexmitbyte",
  "tcps_sndrexmitbad",
  "tcps_sndacks",
  "tcps_sndprobe",
  "tcps_sndurg",
  "tcps_sndwinup",
  "tcps_sndctrl",
  "tcps_rcvtotal",
  "tcps_rcvpack",
  "tcps_rcvbyte",
  "tcps_rcvbadsum",
  "tcps_rcvbadoff",
  "tcps_rcvreassfull",
  "tcps_rcvshort",
  "tcps_rcvduppack",
  "tcps_rcvdupbyte",
  "tcps_rcvpartduppack",
  "tcps_rcvpartdupbyte",
  "tcps_rcvoopack",
  "tcps_rcvoobyte",
  "tcps_rcvpackafterwin",
  "tcps_rcvbyteafterwin",
  "tcps_rcvafterclose",
  "tcps_rcvwinprobe",
  "tcps_rcvdupack",
  "tcps_rcvacktoomuch",
  "tcps_rcvackpack",
  "tcps_rcvackbyte",
  "tcps_rcvwinupd",
  "tcps_pawsdrop",
  "tcps_predack",
  "tcps_preddat",
  "tcps_pcbcachemiss",
  "tcps_cachedrtt",
  "tcps_cachedrttvar",
  "tcps_cachedssthresh",
  "tcps_usedrtt",
  "tcps_usedrttvar",
  "tcps_usedssthresh",
  "tcps_persistdrop",
  "tcps_badsyn",
  "tcps_mturesent",
  "tcps_listendrop",
  "tcps_badrst",
  "tcps_sc_added",
  "tcps_sc_retransmitted",
  "tcps_sc_dupsyn",
  "tcps_sc_dropped",
  "tcps_sc_completed",
  "tcps_sc_bucketoverflow",
  "tcps_sc_cacheoverflow",
  "tcps_sc_reset",
  "tcps_sc_stale",
  "tcps_sc_aborted",
  "tcps_sc_badack",
  "tcps_sc_unreach",
  "tcps_sc_zonefail",
  "tcps_sc_sendcookie",
  "tcps_sc_recvcookie",
  "tcps_hc_added",
  "tcps_hc_bucketoverflow",
  "tcps_finwait2_drops",
  "tcps_sack_recovery_episode",
  "tcps_sack_rexmits",
  "tcps_sack_rexmit_bytes",
  "tcps_sack_rcv_blocks",
  "tcps_sack_send_blocks",
  "tcps_sack_lostrexmt",
  "tcps_sack_sboverflow",
  "tcps_ecn_rcvce",
  "tcps_ecn_rcvect0",
  "tcps_ecn_rcvect1",
  "tcps_ecn_shs",
  "tcps_ecn_rcwnd",
  "tcps_sig_rcvgoodsig",
  "tcps_sig_rcvbadsig",
  "tcps_sig_err_buildsig",
  "tcps_sig_err_sigopt",
  "tcps_sig_err_nosigopt",
  "tcps_pmtud_blackhole_activated",
  "tcps_pmtud_blackhole_activated_min_mss",
  "tcps_pmtud_blackhole_failed",
  "tcps_tunneled_pkts",
  "tcps_tunneled_errs",
  "tcps_dsack_count",
  "tcps_dsack_bytes",
  "tcps_dsack_tlp_bytes",
  "tcps_tw_recycles",
  "tcps_tw_resets",
  "tcps_tw_responds",
  "tcps_ace_nect",
  "tcps_ace_ect1",
  "tcps_ace_ect0",
  "tcps_ace_ce",
  "tcps_ecn_sndect0",
  "tcps_ecn_sndect1",
  "tcps_tlpresends",
  "tcps_tlpresend_bytes",
  "tcps_rcvghostack",
  "tcps_rcvacktooold",
];

/** VNET_PCPUSTAT_DEFINE(struct tcpstat, tcpstat). */
export const tcpstat = VNET_DEFINE_U64("tcpstat", TCPSTAT_NFIELDS);

export function TCPSTAT_INC(field: number): void {
  VNET_U64_ADD(tcpstat + field, 1);
}
export function TCPSTAT_ADD(field: number, val: number): void {
  VNET_U64_ADD(tcpstat + field, val);
}
/** kmod_tcpstat_add(statnum, val): by index, for code outside TCP. */
export function kmod_tcpstat_add(statnum: number, val: number): void {
  VNET_U64_ADD(tcpstat + statnum, val);
}

/** V_tcps_states: connections in each state (net.inet.tcp.states). */
export const tcps_states = VNET_DEFINE_U64("tcps_states", TCP_NSTATES);
export function TCPSTATES_INC(state: number): void {
  VNET_U64_ADD(tcps_states + state, 1);
}
export function TCPSTATES_DEC(state: number): void {
  VNET_U64_ADD(tcps_states + state, -1);
}

// ---------------------------------------------------------------------------
// struct xtcpcb as net.inet.tcp.pcblist exports it: the xinpcb record
// (in_pcbtoxinpcb, XINPCB_LEN words) followed by XTCPCB_EXTRA words at the
// XT_ offsets below (relative to the end of the xinpcb part).  Timer fields
// are milliseconds until the timer fires, 0 when it is not armed; xt_cc is
// the index of the algorithm's name in the XT_CC names list the record
// carries (cc_list_names order, see cc.ts).

export const XT_STATE = 0;
export const XT_FLAGS = 1;
export const XT_SNDZEROWIN = 2;
export const XT_SNDREXMITPACK = 3;
export const XT_RCVOOPACK = 4;
/** ms since the last segment was received. */
export const XT_RCVTIME = 5;
export const XT_REXMT = 6;
export const XT_PERSIST = 7;
export const XT_KEEP = 8;
export const XT_2MSL = 9;
export const XT_DELACK = 10;
export const XT_SND_CWND = 11;
export const XT_SND_SSTHRESH = 12;
export const XT_MAXSEG = 13;
export const XT_RCV_WND = 14;
export const XT_SND_WND = 15;
export const XT_ECN = 16;
export const XT_ENCAPS_PORT = 17;
/** The xsocket parts netstat -x, -L and sockstat print. */
export const XT_RCV_HIWAT = 18;
export const XT_SND_HIWAT = 19;
export const XT_RCV_LOWAT = 20;
export const XT_SND_LOWAT = 21;
export const XT_RCV_MBCNT = 22;
export const XT_SND_MBCNT = 23;
export const XT_RCV_MBMAX = 24;
export const XT_SND_MBMAX = 25;
export const XT_SO_OPTIONS = 26;
export const XT_SO_QLEN = 27;
export const XT_SO_INCQLEN = 28;
export const XT_SO_QLIMIT = 29;
/** The owner's uid (xso_uid). */
export const XT_UID = 30;
/** Index of xt_cc in the algorithm list (net.inet.tcp.cc.available's order). */
export const XT_CC = 31;
export const XTCPCB_EXTRA = 32;

// ---------------------------------------------------------------------------
// TCP sysctl node numbers (TCPCTL_*).

export const TCPCTL_DO_RFC1323 = 1;
export const TCPCTL_MSSDFLT = 3;
export const TCPCTL_STATS = 4;
export const TCPCTL_RTTDFLT = 5;
export const TCPCTL_KEEPIDLE = 6;
export const TCPCTL_KEEPINTVL = 7;
export const TCPCTL_SENDSPACE = 8;
export const TCPCTL_RECVSPACE = 9;
export const TCPCTL_KEEPINIT = 10;
export const TCPCTL_PCBLIST = 11;
export const TCPCTL_DELACKTIME = 12;
export const TCPCTL_V6MSSDFLT = 13;
export const TCPCTL_SACK = 14;
export const TCPCTL_DROP = 15;
export const TCPCTL_STATES = 16;

// ---------------------------------------------------------------------------
// Per-vnet tunables (VNET_DEFINE in tcp_input.c, tcp_output.c, tcp_subr.c,
// tcp_sack.c, tcp_syncache.c ...), FreeBSD 14's defaults.  Read with
// VNET_I32(x); the sysctl is registered by the file that owns the knob.

// tcp_input.c
export const tcp_log_in_vain = VNET_DEFINE_INT("tcp_log_in_vain", 0);
export const tcp_blackhole = VNET_DEFINE_INT("tcp_blackhole", 0);
export const tcp_blackhole_local = VNET_DEFINE_INT("tcp_blackhole_local", 0);
export const tcp_delack_enabled = VNET_DEFINE_INT("tcp_delack_enabled", 1);
export const drop_synfin = VNET_DEFINE_INT("drop_synfin", 0);
export const tcp_do_prr_conservative = VNET_DEFINE_INT("tcp_do_prr_conservative", 0);
export const tcp_do_prr = VNET_DEFINE_INT("tcp_do_prr", 1);
export const tcp_do_lrd = VNET_DEFINE_INT("tcp_do_lrd", 1);
export const tcp_do_newcwv = VNET_DEFINE_INT("tcp_do_newcwv", 0);
export const tcp_do_rfc3042 = VNET_DEFINE_INT("tcp_do_rfc3042", 1);
export const tcp_do_rfc3390 = VNET_DEFINE_INT("tcp_do_rfc3390", 1);
export const tcp_initcwnd_segments = VNET_DEFINE_INT("tcp_initcwnd_segments", 10);
export const tcp_do_rfc3465 = VNET_DEFINE_INT("tcp_do_rfc3465", 1);
export const tcp_abc_l_var = VNET_DEFINE_INT("tcp_abc_l_var", 2);
export const tcp_insecure_syn = VNET_DEFINE_INT("tcp_insecure_syn", 0);
export const tcp_insecure_rst = VNET_DEFINE_INT("tcp_insecure_rst", 0);
export const tcp_recvspace = VNET_DEFINE_INT("tcp_recvspace", 1024 * 64);
export const tcp_do_autorcvbuf = VNET_DEFINE_INT("tcp_do_autorcvbuf", 1);
export const tcp_autorcvbuf_max = VNET_DEFINE_INT("tcp_autorcvbuf_max", 2 * 1024 * 1024);
export const tcp_do_ecn = VNET_DEFINE_INT("tcp_do_ecn", 2);
export const tcp_ecn_maxretries = VNET_DEFINE_INT("tcp_ecn_maxretries", 1);
// tcp_output.c
export const path_mtu_discovery = VNET_DEFINE_INT("path_mtu_discovery", 1);
export const tcp_do_tso = VNET_DEFINE_INT("tcp_do_tso", 1);
export const tcp_sendspace = VNET_DEFINE_INT("tcp_sendspace", 1024 * 32);
export const tcp_do_autosndbuf = VNET_DEFINE_INT("tcp_do_autosndbuf", 1);
export const tcp_autosndbuf_inc = VNET_DEFINE_INT("tcp_autosndbuf_inc", 8 * 1024);
export const tcp_autosndbuf_max = VNET_DEFINE_INT("tcp_autosndbuf_max", 2 * 1024 * 1024);
export const tcp_sendbuf_auto_lowat = VNET_DEFINE_INT("tcp_sendbuf_auto_lowat", 0);
// tcp_subr.c
export const tcp_mssdflt = VNET_DEFINE_INT("tcp_mssdflt", TCP_MSS);
export const tcp_v6mssdflt = VNET_DEFINE_INT("tcp_v6mssdflt", TCP6_MSS);
export const tcp_minmss = VNET_DEFINE_INT("tcp_minmss", TCP_MINMSS);
export const tcp_do_rfc1323 = VNET_DEFINE_INT("tcp_do_rfc1323", 1);
export const tcp_tolerate_missing_ts = VNET_DEFINE_INT("tcp_tolerate_missing_ts", 0);
export const tcp_ts_offset_per_conn = VNET_DEFINE_INT("tcp_ts_offset_per_conn", 1);
export const tcp_do_sack = VNET_DEFINE_INT("tcp_do_sack", 1);
export const tcp_sc_rst_sock_fail = VNET_DEFINE_INT("tcp_sc_rst_sock_fail", 1);
export const tcp_isn_reseed_interval = VNET_DEFINE_INT("tcp_isn_reseed_interval", 0);
export const tcp_udp_tunneling_port = VNET_DEFINE_INT("tcp_udp_tunneling_port", 0);
export const tcp_udp_tunneling_overhead = VNET_DEFINE_INT("tcp_udp_tunneling_overhead", 8);
export const tcp_retries = VNET_DEFINE_INT("tcp_retries", 12);
// tcp_sack.c
export const tcp_sack_maxholes = VNET_DEFINE_INT("tcp_sack_maxholes", 128);
export const tcp_sack_globalmaxholes = VNET_DEFINE_INT("tcp_sack_globalmaxholes", 65536);
export const tcp_sack_globalholes = VNET_DEFINE_INT("tcp_sack_globalholes", 0);
export const tcp_do_newsack = VNET_DEFINE_INT("tcp_do_newsack", 1);

export function V_tcp_delack_enabled(): number {
  return VNET_I32(tcp_delack_enabled);
}
export function V_tcp_do_rfc1323(): number {
  return VNET_I32(tcp_do_rfc1323);
}
export function V_tcp_do_sack(): number {
  return VNET_I32(tcp_do_sack);
}
export function V_tcp_mssdflt(): number {
  return VNET_I32(tcp_mssdflt);
}
export function V_tcp_v6mssdflt(): number {
  return VNET_I32(tcp_v6mssdflt);
}
export function V_tcp_minmss(): number {
  return VNET_I32(tcp_minmss);
}
export function V_path_mtu_discovery(): number {
  return VNET_I32(path_mtu_discovery);
}
export function V_tcp_sendspace(): number {
  return VNET_I32(tcp_sendspace);
}
export function V_tcp_recvspace(): number {
  return VNET_I32(tcp_recvspace);
}
