// sys/netinet/tcp_timer.c, sys/netinet/tcp_timer.h: the five TCP timers.
// As in FreeBSD 14, a connection has one callout (t_callout) and a deadline
// per timer (t_timers[TT_*]); the callout is always set for the earliest
// deadline, and when it fires tcp_timer_enter runs every timer that is due,
// in TT_ order.  Deadlines here are nanoseconds of the virtual clock on
// tick boundaries (FreeBSD keeps sbintime with a precision).
//
// The timers: delayed ACK, retransmit (with exponential backoff and the
// SYN backoff table), persist (window probes), keepalive (and the
// connection-establishment timeout), 2MSL (TIME_WAIT and the FIN_WAIT_2
// timeout).  Intervals are global like FreeBSD's (net.inet.tcp.keepidle and
// friends are not per vnet in FreeBSD either), set in milliseconds through
// sysctl and kept in ticks.

import { EINVAL, ETIMEDOUT } from "../kern/errno.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_INT, OID_AUTO, SYSCTL_INT, SYSCTL_PROC, kvar_of, sysctl_handle_int, type kvar, type sysctl_handler_t } from "../kern/sysctl.ts";
import { callout_reset, callout_reset_ns, callout_stop, hz, nanouptime_ns, ticks, ticks_unwrapped } from "../kern/kern_timeout.ts";
import { SO_KEEPALIVE } from "../kern/socket.ts";
import { SBS_CANTRCVMORE } from "../kern/uipc_socket.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_INT, VNET_I32, VNET_IS_SHUTTING_DOWN } from "../net/vnet.ts";
import { INP_IPV6 } from "./in_pcb.ts";
import { CC_RTO } from "./cc/cc.ts";
import { TCPS_CLOSE_WAIT, TCPS_CLOSING, TCPS_ESTABLISHED, TCPS_FIN_WAIT_1, TCPS_FIN_WAIT_2, TCPS_HAVEESTABLISHED, TCPS_SYN_RECEIVED, TCPS_SYN_SENT, TCPS_TIME_WAIT } from "./tcp_fsm.ts";
import {
  IN_CONGRECOVERY,
  IN_FASTRECOVERY,
  TCPCTL_DELACKTIME,
  TCPCTL_KEEPIDLE,
  TCPCTL_KEEPINIT,
  TCPCTL_KEEPINTVL,
  TCP_REXMTVAL,
  TCP_RTT_SHIFT,
  TCPSTAT_INC,
  TF2_PLPMTU_BLACKHOLE,
  TF2_PLPMTU_MAXSEGSNT,
  TF2_PLPMTU_PMTUD,
  TF_ACKNOW,
  TF_FORCEDATA,
  TF_PREVVALID,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SACK_PERMIT,
  TF_WASCRECOVERY,
  TF_WASFRECOVERY,
  _net_inet_tcp,
  tcps_delack,
  tcps_finwait2_drops,
  tcps_keepdrops,
  tcps_keepprobe,
  tcps_keeptimeo,
  tcps_persistdrop,
  tcps_persisttimeo,
  tcps_pmtud_blackhole_activated,
  tcps_pmtud_blackhole_activated_min_mss,
  tcps_pmtud_blackhole_failed,
  tcps_rexmttimeo,
  tcps_timeoutdrop,
  TT_2MSL,
  TT_DELACK,
  TT_KEEP,
  TT_N,
  TT_PERSIST,
  TT_REXMT,
  V_tcp_mssdflt,
  V_tcp_v6mssdflt,
  type tcpcb,
} from "./tcp_var.ts";
import { cc_cong_signal } from "./tcp_input.ts";
import { tcp_free_sackholes } from "./tcp_sack.ts";
import { tcp_output, tcp_setpersist } from "./tcp_output.ts";
import { tcp_close, tcp_drop, tcp_respond, tcpip_maketemplate } from "./tcp_subr.ts";

// enum tt_which is TT_DELACK..TT_N in tcp_var.ts (FreeBSD 14 declares it in tcp_var.h).

export const tcptimers: readonly string[] = ["DELACK", "REXMT", "PERSIST", "KEEP", "2MSL"];

// Time constants, in ticks (hz is read when the function is called, as
// FreeBSD's macros read it at compile time of each use).
export function TCPTV_MSL(): number {
  return 30 * hz;
}
export const TCPTV_SRTTBASE = 0;
export function TCPTV_RTOBASE(): number {
  return hz;
}
export function TCPTV_PERSMIN(): number {
  return 5 * hz;
}
export function TCPTV_PERSMAX(): number {
  return 60 * hz;
}
export function TCPTV_KEEP_INIT(): number {
  return 75 * hz;
}
export function TCPTV_KEEP_IDLE(): number {
  return 120 * 60 * hz;
}
export function TCPTV_KEEPINTVL(): number {
  return 75 * hz;
}
export const TCPTV_KEEPCNT = 8;
export function TCPTV_FINWAIT2_TIMEOUT(): number {
  return 60 * hz;
}
/** 30 ms: the smallest retransmit timeout. */
export function TCPTV_MIN(): number {
  return Math.floor(hz / 33);
}
/** 200 ms: the clock granularity allowance added to the RTO. */
export function TCPTV_CPU_VAR(): number {
  return Math.floor(hz / 5);
}
export function TCPTV_REXMTMAX(): number {
  return 64 * hz;
}
export const TCPTV_TWTRUNC = 8;
/** 40 ms (FreeBSD 14: hz / 25). */
export function TCPTV_DELACK(): number {
  return Math.floor(hz / 25);
}

export const TCP_MAXRXTSHIFT = 12;
/** After this many backoffs the RTT estimate is distrusted (TCP_RTT_INVALIDATE). */
export const TCP_RTT_INVALIDATE = TCP_MAXRXTSHIFT / 4;
/** Linger time cap, seconds. */
export const TCP_LINGERTIME = 120;

/** Retransmit backoff multipliers, and for SYNs. */
export const tcp_backoff: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 512, 512, 512];
export const tcp_sat_backoff: readonly number[] = tcp_backoff;
export const tcp_syn_backoff: readonly number[] = [1, 1, 1, 1, 1, 2, 4, 8, 16, 32, 64, 64, 64];
/** The sum of tcp_backoff. */
export const tcp_totbackoff = 2559;

/** TCPT_RANGESET(value, tvmin, tvmax): value plus the slop, clamped. */
export function TCPT_RANGESET(value: number, tvmin: number, tvmax: number): number {
  let tv = value + tcp_rexmit_slop.v;
  if (tv < tvmin) tv = tvmin;
  else if (tv > tvmax) tv = tvmax;
  return tv;
}

// ---------------------------------------------------------------------------
// Tunables (global, in ticks; the sysctls speak milliseconds).

export const tcp_keepinit = kvar_of(0);
export const tcp_keepidle = kvar_of(0);
export const tcp_keepintvl = kvar_of(0);
export const tcp_delacktime = kvar_of(0);
export const tcp_msl = kvar_of(0);
export const tcp_rexmit_initial = kvar_of(0);
export const tcp_rexmit_min = kvar_of(0);
export const tcp_rexmit_slop = kvar_of(0);
export const tcp_persmin = kvar_of(0);
export const tcp_persmax = kvar_of(0);
export const tcp_finwait2_timeout = kvar_of(0);
export const tcp_maxpersistidle = kvar_of(0);
/** Keepalives for every connection, not only SO_KEEPALIVE ones (V_). */
export const tcp_always_keepalive = VNET_DEFINE_INT("tcp_always_keepalive", 1);
/** Recycle FIN_WAIT_2 connections whose socket has gone faster. */
export const tcp_fast_finwait2_recycle = kvar_of(0);
export const tcp_keepcnt = kvar_of(TCPTV_KEEPCNT);
/** Drop the SYN options from the third retransmitted SYN on. */
export const tcp_rexmit_drop_options = kvar_of(0);
export const tcp_v6pmtud_blackhole_mss = VNET_DEFINE_INT("tcp_v6pmtud_blackhole_mss", 1220);
export const tcp_pmtud_blackhole_detect = VNET_DEFINE_INT("tcp_pmtud_blackhole_detect", 0);
export const tcp_pmtud_blackhole_mss = VNET_DEFINE_INT("tcp_pmtud_blackhole_mss", 1200);

/** Set the tick values from hz (tcp_init does this once, at boot). */
export function tcp_timer_init_defaults(): void {
  tcp_keepinit.v = TCPTV_KEEP_INIT();
  tcp_keepidle.v = TCPTV_KEEP_IDLE();
  tcp_keepintvl.v = TCPTV_KEEPINTVL();
  tcp_maxpersistidle.v = TCPTV_KEEP_IDLE();
  tcp_msl.v = TCPTV_MSL();
  tcp_rexmit_initial.v = TCPTV_RTOBASE();
  if (tcp_rexmit_initial.v < 1) tcp_rexmit_initial.v = 1;
  tcp_rexmit_min.v = TCPTV_MIN();
  if (tcp_rexmit_min.v < 1) tcp_rexmit_min.v = 1;
  tcp_persmin.v = TCPTV_PERSMIN();
  tcp_persmax.v = TCPTV_PERSMAX();
  tcp_rexmit_slop.v = TCPTV_CPU_VAR();
  tcp_finwait2_timeout.v = TCPTV_FINWAIT2_TIMEOUT();
  tcp_delacktime.v = TCPTV_DELACK();
}

export function TP_KEEPINIT(tp: tcpcb): number {
  return tp.t_keepinit !== 0 ? tp.t_keepinit : tcp_keepinit.v;
}
export function TP_KEEPIDLE(tp: tcpcb): number {
  return tp.t_keepidle !== 0 ? tp.t_keepidle : tcp_keepidle.v;
}
export function TP_KEEPINTVL(tp: tcpcb): number {
  return tp.t_keepintvl !== 0 ? tp.t_keepintvl : tcp_keepintvl.v;
}
export function TP_KEEPCNT(tp: tcpcb): number {
  return tp.t_keepcnt !== 0 ? tp.t_keepcnt : tcp_keepcnt.v;
}
export function TP_MAXIDLE(tp: tcpcb): number {
  return TP_KEEPCNT(tp) * TP_KEEPINTVL(tp);
}

// ---------------------------------------------------------------------------
// Sysctls (net.inet.tcp.*): intervals in milliseconds, kept in ticks.

/** sysctl_msec_to_ticks: show ticks as ms; a write below one tick is EINVAL. */
const sysctl_msec_to_ticks: sysctl_handler_t = (oidp, arg1, _arg2, req) => {
  const kv = arg1 as kvar<number>;
  const box = kvar_of(Math.floor((kv.get() * 1000) / hz));
  const error = sysctl_handle_int(oidp, box, 0, req);
  if (error !== 0 || req.newval === null) return error;
  const tt = Math.floor((box.v * hz) / 1000);
  if (tt < 1) return EINVAL;
  kv.set(tt);
  return 0;
};

function MSEC_PROC(nbr: number, name: string, kv: kvar<number>, descr: string): void {
  SYSCTL_PROC(_net_inet_tcp, nbr, name, CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_MPSAFE, kv, 0, sysctl_msec_to_ticks, "I", descr);
}
MSEC_PROC(TCPCTL_KEEPINIT, "keepinit", tcp_keepinit, "time to establish connection");
MSEC_PROC(TCPCTL_KEEPIDLE, "keepidle", tcp_keepidle, "time before keepalive probes begin");
MSEC_PROC(TCPCTL_KEEPINTVL, "keepintvl", tcp_keepintvl, "time between keepalive probes");
MSEC_PROC(TCPCTL_DELACKTIME, "delacktime", tcp_delacktime, "Time before a delayed ACK is sent");
MSEC_PROC(OID_AUTO, "msl", tcp_msl, "Maximum segment lifetime");
MSEC_PROC(OID_AUTO, "rexmit_initial", tcp_rexmit_initial, "Initial Retransmission Timeout");
MSEC_PROC(OID_AUTO, "rexmit_min", tcp_rexmit_min, "Minimum Retransmission Timeout");
MSEC_PROC(OID_AUTO, "rexmit_slop", tcp_rexmit_slop, "Retransmission Timer Slop");
MSEC_PROC(OID_AUTO, "persmin", tcp_persmin, "minimum persistence interval");
MSEC_PROC(OID_AUTO, "persmax", tcp_persmax, "maximum persistence interval");
MSEC_PROC(OID_AUTO, "finwait2_timeout", tcp_finwait2_timeout, "FIN-WAIT2 timeout");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "always_keepalive", CTLFLAG_VNET | CTLFLAG_RW, tcp_always_keepalive, 0, "Assume SO_KEEPALIVE on all TCP connections");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "fast_finwait2_recycle", CTLFLAG_RW, tcp_fast_finwait2_recycle, 0, "Recycle closed FIN_WAIT_2 connections faster");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "keepcnt", CTLFLAG_RW, tcp_keepcnt, 0, "Number of keepalive probes to send");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "rexmit_drop_options", CTLFLAG_RW, tcp_rexmit_drop_options, 0, "Drop TCP options from 3rd and later retransmitted SYN");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "pmtud_blackhole_detection", CTLFLAG_RW | CTLFLAG_VNET, tcp_pmtud_blackhole_detect, 0, "Path MTU Discovery Black Hole Detection Enabled");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "pmtud_blackhole_mss", CTLFLAG_RW | CTLFLAG_VNET, tcp_pmtud_blackhole_mss, 0, "Path MTU Discovery Black Hole Detection lowered MSS");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "v6pmtud_blackhole_mss", CTLFLAG_RW | CTLFLAG_VNET, tcp_v6pmtud_blackhole_mss, 0, "Path MTU Discovery IPv6 Black Hole Detection lowered MSS");

// ---------------------------------------------------------------------------
// The one callout and its deadlines.

function ns_per_tick(): number {
  return 1e9 / hz;
}

/** tcp_timer_enter is running: it reschedules the callout itself when the
 *  handler returns (FreeBSD's TDP_INTCPCALLOUT). */
let tcp_in_callout: tcpcb | null = null;

/** tcp_timer_next(tp): the armed timer due first, TT_N when none is. */
function tcp_timer_next(tp: tcpcb): number {
  let which = TT_N;
  let after = Infinity;
  const t = tp.t_timers;
  for (let i = 0; i < TT_N; i++) {
    if (t[i] < after) {
      after = t[i];
      which = i;
    }
  }
  return which;
}

/** Point the callout at the earliest armed deadline, or stop it. */
function tcp_timer_schedule(tp: tcpcb): void {
  const which = tcp_timer_next(tp);
  if (which === TT_N) callout_stop(tp.t_callout);
  else {
    // Deadlines sit on tick boundaries ((unwrapped ticks + delta) * ns per
    // tick; FreeBSD keeps them in sbintime, never in the wrapping ticks):
    // hand the callout ticks, which stay small integers, not the ns delay,
    // which for keepalive's hours would be boxed on every segment.
    const dt = tp.t_timers[which] / ns_per_tick() - ticks_unwrapped();
    if (dt > 0) callout_reset(tp.t_callout, dt, tcp_timer_enter_cb, tp);
    else callout_reset_ns(tp.t_callout, 0, tcp_timer_enter_cb, tp);
  }
}

const tcp_timer_enter_cb = (arg: unknown): void => tcp_timer_enter(arg as tcpcb);

/**
 * tcp_timer_activate(tp, which, delta): arm timer `which` to fire `delta`
 * ticks from now (on a tick boundary), or disarm it when delta is 0.  In a
 * vnet being torn down nothing is armed.
 */
export function tcp_timer_activate(tp: tcpcb, which: number, delta: number): void {
  if (delta > 0 && !VNET_IS_SHUTTING_DOWN(tp.t_vnet)) tp.t_timers[which] = (ticks_unwrapped() + delta) * ns_per_tick();
  else tp.t_timers[which] = Infinity;
  if (tcp_in_callout !== tp) tcp_timer_schedule(tp);
}

/** tcp_timer_active(tp, which): is the timer armed? */
export function tcp_timer_active(tp: tcpcb, which: number): boolean {
  return tp.t_timers[which] !== Infinity;
}

/** Milliseconds until timer `which` fires, 0 when it is not armed (xtcpcb). */
export function tcp_timer_remaining_ms(tp: tcpcb, which: number): number {
  const t = tp.t_timers[which];
  if (t === Infinity) return 0;
  return Math.max(0, Math.ceil((t - nanouptime_ns()) / 1e6));
}

/** tcp_timer_stop(tp): disarm every timer and stop the callout (the
 *  connection is going away). */
export function tcp_timer_stop(tp: tcpcb): void {
  tp.t_timers.fill(Infinity);
  callout_stop(tp.t_callout);
}

/** The handlers, in TT_ order; each returns false when tp is gone. */
const tcp_timersw: readonly ((tp: tcpcb) => boolean)[] = [tcp_timer_delack, tcp_timer_rexmt, tcp_timer_persist, tcp_timer_keep, tcp_timer_2msl];

/**
 * tcp_timer_enter: the callout.  Runs the timer due first (the callout was
 * set for it), then sets the callout for the next one, unless the handler
 * closed the connection.
 */
export function tcp_timer_enter(tp: tcpcb): void {
  const which = tcp_timer_next(tp);
  if (which === TT_N) return;
  tp.t_timers[which] = Infinity;
  const saved = tcp_in_callout;
  tcp_in_callout = tp;
  let tp_valid: boolean;
  try {
    tp_valid = tcp_timersw[which](tp);
  } finally {
    tcp_in_callout = saved;
  }
  if (tp_valid) tcp_timer_schedule(tp);
}

// ---------------------------------------------------------------------------
// The handlers.

function tcp_timer_delack(tp: tcpcb): boolean {
  const saved = CURVNET_SET(tp.t_vnet, "tcp_timer_delack");
  try {
    tp.t_flags |= TF_ACKNOW;
    TCPSTAT_INC(tcps_delack);
    void tcp_output(tp);
    return true;
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/** tcp_maxunacktime_check(tp): TCP_MAXUNACKTIME passed with no progress. */
function tcp_maxunacktime_check(tp: tcpcb): boolean {
  if (tp.t_maxunacktime === 0) return false;
  if (tp.snd_una === tp.snd_max) return false;
  if (((ticks - tp.t_acktime) | 0) >= tp.t_maxunacktime) {
    TCPSTAT_INC(tcps_timeoutdrop);
    return true;
  }
  return false;
}

function tcp_timer_2msl(tp: tcpcb): boolean {
  const inp = tp.t_inpcb;
  const saved = CURVNET_SET(tp.t_vnet, "tcp_timer_2msl");
  try {
    // In TIME_WAIT the wait is over.  In FIN_WAIT_2 with the socket gone
    // (fast recycle) there is nothing to wait for; otherwise the peer has
    // until it has been idle for TP_MAXIDLE.
    let close = false;
    const so = inp.inp_socket;
    if (tp.t_state === TCPS_TIME_WAIT) {
      close = true;
    } else if (tp.t_state === TCPS_FIN_WAIT_2 && tcp_fast_finwait2_recycle.v !== 0 && so !== null && (so.so_rcv.sb_state & SBS_CANTRCVMORE) !== 0) {
      TCPSTAT_INC(tcps_finwait2_drops);
      close = true;
    } else if (((ticks - tp.t_rcvtime) | 0) <= TP_MAXIDLE(tp)) {
      tcp_timer_activate(tp, TT_2MSL, TP_KEEPINTVL(tp));
      return true;
    } else close = true;
    if (close) return tcp_close(tp) !== null;
    return true;
  } finally {
    CURVNET_RESTORE(saved);
  }
}

function tcp_timer_keep(tp: tcpcb): boolean {
  const inp = tp.t_inpcb;
  const saved = CURVNET_SET(tp.t_vnet, "tcp_timer_keep");
  try {
    // The keepalive callout is not pushed back by every segment in
    // ESTABLISHED: if the connection was not idle long enough, wait for
    // the rest of the idle time.
    if (TCPS_HAVEESTABLISHED(tp.t_state)) {
      const idletime = (ticks - tp.t_rcvtime) | 0;
      if (idletime < TP_KEEPIDLE(tp)) {
        tcp_timer_activate(tp, TT_KEEP, TP_KEEPIDLE(tp) - idletime);
        return true;
      }
    }
    TCPSTAT_INC(tcps_keeptimeo);
    if (tp.t_state < TCPS_ESTABLISHED) return tcp_timer_keep_drop(tp);
    const so = inp.inp_socket;
    if ((VNET_I32(tcp_always_keepalive) !== 0 || (so !== null && (so.so_options & SO_KEEPALIVE) !== 0)) && tp.t_state <= TCPS_CLOSING) {
      if (((ticks - tp.t_rcvtime) | 0) >= TP_KEEPIDLE(tp) + TP_MAXIDLE(tp)) return tcp_timer_keep_drop(tp);
      // A probe one byte left of the window: the peer must answer it, with
      // an ACK if the connection is alive, with a RST if it forgot it.
      TCPSTAT_INC(tcps_keepprobe);
      const t_template = tcpip_maketemplate(inp);
      if (t_template !== null) tcp_respond(tp, t_template.tt_ipgen, t_template.tt_t, null, tp.rcv_nxt, (tp.snd_una - 1) | 0, 0);
      tcp_timer_activate(tp, TT_KEEP, TP_KEEPINTVL(tp));
    } else tcp_timer_activate(tp, TT_KEEP, TP_KEEPIDLE(tp));
    return true;
  } finally {
    CURVNET_RESTORE(saved);
  }
}

function tcp_timer_keep_drop(tp: tcpcb): boolean {
  TCPSTAT_INC(tcps_keepdrops);
  return tcp_drop(tp, ETIMEDOUT) !== null;
}

function tcp_timer_persist(tp: tcpcb): boolean {
  const saved = CURVNET_SET(tp.t_vnet, "tcp_timer_persist");
  try {
    TCPSTAT_INC(tcps_persisttimeo);
    // A dead peer never opens its window: after a full backoff, drop the
    // connection once it has been silent for as long as retransmission
    // would have waited, or when it made no progress for too long.
    const idle = (ticks - tp.t_rcvtime) | 0;
    if ((tp.t_rxtshift === TCP_MAXRXTSHIFT && (idle >= tcp_maxpersistidle.v || idle >= TCP_REXMTVAL(tp) * tcp_totbackoff)) || tcp_maxunacktime_check(tp)) {
      TCPSTAT_INC(tcps_persistdrop);
      return tcp_drop(tp, ETIMEDOUT) !== null;
    }
    // With the socket closed, give up much sooner.
    if (tp.t_state > TCPS_CLOSE_WAIT && idle >= TCPTV_PERSMAX()) {
      TCPSTAT_INC(tcps_persistdrop);
      return tcp_drop(tp, ETIMEDOUT) !== null;
    }
    tcp_setpersist(tp);
    tp.t_flags |= TF_FORCEDATA;
    void tcp_output(tp);
    tp.t_flags &= ~TF_FORCEDATA;
    return true;
  } finally {
    CURVNET_RESTORE(saved);
  }
}

function tcp_timer_rexmt(tp: tcpcb): boolean {
  const inp = tp.t_inpcb;
  const isipv6 = (inp.inp_vflag & INP_IPV6) !== 0;
  const saved = CURVNET_SET(tp.t_vnet, "tcp_timer_rexmt");
  try {
    tcp_free_sackholes(tp);
    // Too many backoffs, or no progress for too long: give up.
    if (++tp.t_rxtshift > TCP_MAXRXTSHIFT || tcp_maxunacktime_check(tp)) {
      if (tp.t_rxtshift > TCP_MAXRXTSHIFT) TCPSTAT_INC(tcps_timeoutdrop);
      tp.t_rxtshift = TCP_MAXRXTSHIFT;
      return tcp_drop(tp, ETIMEDOUT) !== null;
    }
    if (tp.t_state === TCPS_SYN_SENT) {
      // A retransmitted SYN: cc_conn_init starts with one segment.
      tp.snd_cwnd = 1;
    } else if (tp.t_rxtshift === 1) {
      // The first retransmission: keep what to restore if it proves
      // spurious (an ACK for the original arrives within RTT/2, or its
      // timestamp predates the retransmission).
      tp.snd_cwnd_prev = tp.snd_cwnd;
      tp.snd_ssthresh_prev = tp.snd_ssthresh;
      tp.snd_recover_prev = tp.snd_recover;
      if (IN_FASTRECOVERY(tp.t_flags)) tp.t_flags |= TF_WASFRECOVERY;
      else tp.t_flags &= ~TF_WASFRECOVERY;
      if (IN_CONGRECOVERY(tp.t_flags)) tp.t_flags |= TF_WASCRECOVERY;
      else tp.t_flags &= ~TF_WASCRECOVERY;
      if ((tp.t_flags & TF_RCVD_TSTMP) === 0) tp.t_badrxtwin = (ticks + (tp.t_srtt >> (TCP_RTT_SHIFT + 1))) | 0;
      // With timestamps, tcp_output sets t_badrxtwin to the retransmission's tsval.
      tp.t_flags |= TF_PREVVALID;
    } else tp.t_flags &= ~TF_PREVVALID;
    TCPSTAT_INC(tcps_rexmttimeo);
    let rexmt: number;
    if (tp.t_state === TCPS_SYN_SENT || tp.t_state === TCPS_SYN_RECEIVED) rexmt = tcp_rexmit_initial.v * tcp_backoff[tp.t_rxtshift];
    else rexmt = TCP_REXMTVAL(tp) * tcp_backoff[tp.t_rxtshift];
    tp.t_rxtcur = TCPT_RANGESET(rexmt, tp.t_rttmin, TCPTV_REXMTMAX());

    if (VNET_I32(tcp_pmtud_blackhole_detect) !== 0 && (tp.t_state === TCPS_ESTABLISHED || tp.t_state === TCPS_FIN_WAIT_1)) tcp_timer_pmtud_blackhole(tp, isipv6);

    // Some ancient middleboxes mangle segments with options they do not
    // know: from the third SYN on, try without.
    if (tcp_rexmit_drop_options.v !== 0 && tp.t_state === TCPS_SYN_SENT && tp.t_rxtshift === 3) tp.t_flags &= ~(TF_REQ_SCALE | TF_REQ_TSTMP | TF_SACK_PERMIT);
    // (in_losing/in6_losing would drop a cached route here; PCBs keep no
    // route in this stack, every segment looks it up.)
    tp.snd_nxt = tp.snd_una;
    tp.snd_recover = tp.snd_max;
    tp.t_flags |= TF_ACKNOW;
    // Whatever was being timed is now ambiguous.
    tp.t_rtttime = 0;
    if (tp.t_state !== TCPS_SYN_SENT) cc_cong_signal(tp, null, CC_RTO);
    void tcp_output(tp);
    return true;
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/**
 * Path MTU black hole detection (RFC 4821's fallback): on the second and
 * fourth retransmission of a full-sized segment sent with DF, try a smaller
 * MSS (without DF); from the sixth on, give the old MSS back, it was not a
 * black hole.
 */
function tcp_timer_pmtud_blackhole(tp: tcpcb, isipv6: boolean): void {
  if ((tp.t_flags2 & (TF2_PLPMTU_PMTUD | TF2_PLPMTU_MAXSEGSNT)) === (TF2_PLPMTU_PMTUD | TF2_PLPMTU_MAXSEGSNT) && tp.t_rxtshift >= 2 && tp.t_rxtshift < 6 && tp.t_rxtshift % 2 === 0) {
    if ((tp.t_flags2 & TF2_PLPMTU_BLACKHOLE) === 0) {
      tp.t_flags2 |= TF2_PLPMTU_BLACKHOLE;
      tp.t_pmtud_saved_maxseg = tp.t_maxseg;
    }
    tp.t_flags2 &= ~TF2_PLPMTU_PMTUD;
    const bh_mss = isipv6 ? VNET_I32(tcp_v6pmtud_blackhole_mss) : VNET_I32(tcp_pmtud_blackhole_mss);
    if (tp.t_maxseg > bh_mss) {
      tp.t_maxseg = bh_mss;
      TCPSTAT_INC(tcps_pmtud_blackhole_activated);
    } else {
      tp.t_maxseg = isipv6 ? V_tcp_v6mssdflt() : V_tcp_mssdflt();
      TCPSTAT_INC(tcps_pmtud_blackhole_activated_min_mss);
    }
    // The initial window depends on the MSS.
    const cc = tp.t_cc;
    if (cc !== null && cc.conn_init !== undefined) cc.conn_init(tp.t_ccv);
  } else if ((tp.t_flags2 & TF2_PLPMTU_BLACKHOLE) !== 0 && tp.t_rxtshift >= 6) {
    tp.t_flags2 |= TF2_PLPMTU_PMTUD;
    tp.t_flags2 &= ~TF2_PLPMTU_BLACKHOLE;
    tp.t_maxseg = tp.t_pmtud_saved_maxseg;
    TCPSTAT_INC(tcps_pmtud_blackhole_failed);
    const cc = tp.t_cc;
    if (cc !== null && cc.conn_init !== undefined) cc.conn_init(tp.t_ccv);
  }
}
