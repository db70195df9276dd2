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

import { kvar_of } from "../kern/sysctl.ts";
import { callout_reset_ns, callout_stop, hz, nanouptime_ns, ticks } from "../kern/kern_timeout.ts";
import { VNET_DEFINE_INT } from "../net/vnet.ts";
import type { tcpcb } from "./tcp_var.ts";

// enum tt_which.
export const TT_DELACK = 0;
export const TT_REXMT = 1;
export const TT_PERSIST = 2;
export const TT_KEEP = 3;
export const TT_2MSL = 4;
export const TT_N = 5;

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
export function TCPTV_DELACK(): number {
  return Math.floor(hz / 10);
}

export const TCP_MAXRXTSHIFT = 12;
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
/** Keepalives for every connection, not only SO_KEEPALIVE ones. */
export const always_keepalive = kvar_of(1);
/** Recycle FIN_WAIT_2 connections whose socket has gone faster. */
export const tcp_fast_finwait2_recycle = kvar_of(0);
export const tcp_keepcnt = kvar_of(TCPTV_KEEPCNT);
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
// The one callout and its deadlines.

function ns_per_tick(): number {
  return 1e9 / hz;
}

/** Point the callout at the earliest armed deadline, or stop it. */
function tcp_timer_schedule(tp: tcpcb): void {
  let next = Infinity;
  const t = tp.t_timers;
  for (let i = 0; i < TT_N; i++) if (t[i] < next) next = t[i];
  if (next === Infinity) callout_stop(tp.t_callout);
  else callout_reset_ns(tp.t_callout, next - nanouptime_ns(), tcp_timer_enter_cb, tp);
}

const tcp_timer_enter_cb = (arg: unknown): void => tcp_timer_enter(arg as tcpcb);

/**
 * tcp_timer_activate(tp, which, delta): arm timer `which` to fire `delta`
 * ticks from now (on a tick boundary, at least one tick away), or disarm it
 * when delta is 0.
 */
export function tcp_timer_activate(tp: tcpcb, which: number, delta: number): void {
  if (delta > 0) tp.t_timers[which] = (ticks + delta) * ns_per_tick();
  else tp.t_timers[which] = Infinity;
  tcp_timer_schedule(tp);
}

/** tcp_timer_active(tp, which): is the timer armed? */
export function tcp_timer_active(tp: tcpcb, which: number): boolean {
  return tp.t_timers[which] !== Infinity;
}

/** Ticks until timer `which` fires, 0 when it is not armed (for xtcpcb). */
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

/**
 * tcp_timer_enter: the callout.  Runs each due timer in TT_ order; a
 * handler that closes the connection ends the loop.
 */
export function tcp_timer_enter(tp: tcpcb): void {
  void tp;
  throw new Error("CONTRACT-STUB tcp_timer_enter");
}
