// sys/netinet/cc/cc_cubic.c, sys/netinet/cc/cc_cubic.h: CUBIC congestion
// control (RFC 8312), FreeBSD 14's default.  After a loss cwnd follows
// W(t) = C (t - K)^3 + W_max, in fixed point with CUBIC_SHIFT bits, never
// below the "TCP friendly" estimate; slow start is NewReno's; beta is 0.7
// with fast convergence; a timeout's cwnd is one segment and a spurious
// timeout (CC_RTO_ERR) undoes it.
//
// Departures: no HyStart++ (FreeBSD's default stack does not allow it:
// CCF_HYSTART_ALLOWED is RACK's).  Times are in microseconds of the virtual
// clock; the cube is taken in doubles (exact while |t - K| < 800 s).

import { KASSERT } from "../../kern/subr_prf.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_IFATTACHDOMAIN, SYSINIT } from "../../kern/kernel.ts";
import { hz, ticks } from "../../kern/kern_timeout.ts";
import { VNET_I32 } from "../../net/vnet.ts";
import { TCP_MAXWIN } from "../tcp.ts";
import { ENTER_CONGRECOVERY, ENTER_RECOVERY, IN_CONGRECOVERY, IN_FASTRECOVERY, IN_RECOVERY, TCP_RTT_SHIFT, tcp_abc_l_var, tcp_do_newsack, type cc_var, type tcpcb } from "../tcp_var.ts";
import { CCF_ABC_SENTAWND, CCF_CWND_LIMITED, CCF_USE_LOCAL_ABC, CC_ACK, CC_ECN, CC_NDUPACK, CC_RTO, CC_RTO_ERR, cc_compute_pipe, cc_modevent_load, newreno_cc_after_idle, type cc_algo } from "./cc.ts";

// cc_cubic.h: fixed point constants (CUBIC_SHIFT bits of fraction).
export const CUBIC_SHIFT = 8;
export const CUBIC_SHIFT_4 = 32;
/** 0.5 */
export const RENO_BETA = 128;
/** ~0.7 */
export const CUBIC_BETA = 179;
/** ~0.3 */
export const ONE_SUB_CUBIC_BETA = 77;
/** 3 * ONE_SUB_CUBIC_BETA */
export const THREE_X_PT3 = 231;
/** (2 << CUBIC_SHIFT) - ONE_SUB_CUBIC_BETA */
export const TWO_SUB_PT3 = 435;
/** ~0.4 */
export const CUBIC_C_FACTOR = 102;
/** Fast convergence: (1 + beta) / 2. */
export const CUBIC_FC_FACTOR = 217;
/** Trust srtt only after this many samples. */
export const CUBIC_MIN_RTT_SAMPLES = 8;
/** The largest |t - K| whose cube fits (2^63 / C, cube-rooted). */
export const CUBED_ROOT_MAX_ULONG = 448845;

export const CUBICFLAG_CONG_EVENT = 0x00000001;
export const CUBICFLAG_IN_SLOWSTART = 0x00000002;
export const CUBICFLAG_IN_APPLIMIT = 0x00000004;
export const CUBICFLAG_RTO_EVENT = 0x00000008;
export const CUBICFLAG_HYSTART_ENABLED = 0x00000010;
export const CUBICFLAG_HYSTART_IN_CSS = 0x00000020;

const INT_MAX = 0x7fffffff;

/** usecs per tick. */
function tick(): number {
  return Math.floor(1000000 / hz);
}

/** C's >> on a signed 64-bit value (floor division by a power of two). */
function sar(v: number, n: number): number {
  return Math.floor(v / 2 ** n);
}

/**
 * cubic_k(wmax_pkts): K = cbrt(W_max (1 - beta) / C) in seconds with
 * CUBIC_SHIFT bits, by FreeBSD's polynomial approximation (from Apple's
 * paper) after rebasing into [1/8, 1).
 */
export function cubic_k(wmax_pkts: number): number {
  let s = Math.floor((wmax_pkts * ONE_SUB_CUBIC_BETA * 2 ** CUBIC_SHIFT) / CUBIC_C_FACTOR);
  let p = 0;
  while (s >= 256) {
    s = sar(s, 3);
    p++;
  }
  let K = sar(s * 275, CUBIC_SHIFT) + 98 - sar(sar(s * s * 120, CUBIC_SHIFT), CUBIC_SHIFT);
  K = K * 2 ** p;
  return K;
}

/** cubic_cwnd(usecs_since_cong, wmax, smss, K): W(t) in bytes. */
export function cubic_cwnd(usecs_since_cong: number, wmax: number, smss: number, K: number): number {
  const hzt = hz * tick();
  // t - K, CUBIC_SHIFT bits.
  let cwnd = Math.trunc((usecs_since_cong * 2 ** CUBIC_SHIFT - K * hzt) / hzt);
  if (cwnd > CUBED_ROOT_MAX_ULONG) return INT_MAX;
  if (cwnd < -CUBED_ROOT_MAX_ULONG) return 0;
  // (t - K)^3, 3 * CUBIC_SHIFT bits; C brings a fourth.
  cwnd = cwnd * cwnd * cwnd;
  cwnd = sar(cwnd * CUBIC_C_FACTOR, CUBIC_SHIFT_4) * smss + wmax;
  return Math.max(0, cwnd);
}

/** tf_cwnd(usecs_since_cong, rtt_usecs, wmax, smss): the window NewReno
 *  with CUBIC's beta would have now (the "TCP friendly" region). */
export function tf_cwnd(usecs_since_cong: number, rtt_usecs: number, wmax: number, smss: number): number {
  return sar(wmax * CUBIC_BETA + Math.floor((THREE_X_PT3 * usecs_since_cong * smss * 2 ** CUBIC_SHIFT) / (TWO_SUB_PT3 * rtt_usecs)), CUBIC_SHIFT);
}

/** struct cubic. */
export class cubic {
  /** K, seconds with CUBIC_SHIFT bits. */
  K = 0;
  sum_rtt_usecs = 0;
  max_cwnd = 0;
  prev_max_cwnd = 0;
  prev_max_cwnd_cp = 0;
  flags = 0;
  min_rtt_usecs = 0;
  mean_rtt_usecs = 1;
  epoch_ack_count = 0;
  t_last_cong = 0;
  t_last_cong_prev = 0;
}

/** tcp_get_srtt(tp, TCP_TMR_GRANULARITY_USEC): srtt in microseconds. */
function srtt_usecs(tp: tcpcb): number {
  return sar(tp.t_srtt * tick(), TCP_RTT_SHIFT);
}

function cubic_record_rtt(ccv: cc_var): void {
  const tp = ccv.tp;
  // Ignore srtt until enough samples were taken.
  if (tp.t_rttupdated >= CUBIC_MIN_RTT_SAMPLES) {
    const c = ccv.cc_data as cubic;
    const t_srtt_usecs = srtt_usecs(tp);
    if (t_srtt_usecs < c.min_rtt_usecs || c.min_rtt_usecs === 0) {
      // At least one unshifted tick.
      c.min_rtt_usecs = Math.max(tick() >> TCP_RTT_SHIFT, t_srtt_usecs);
      // In the first epoch, prime the mean with the minimum.
      if (c.min_rtt_usecs > c.mean_rtt_usecs) c.mean_rtt_usecs = c.min_rtt_usecs;
    }
    c.sum_rtt_usecs += t_srtt_usecs;
    c.epoch_ack_count++;
  }
}

/** Slow start as NewReno's with ABC. */
function cubic_does_slow_start(ccv: cc_var, c: cubic): void {
  const tp = ccv.tp;
  const cw = tp.snd_cwnd;
  let incr = tp.t_maxseg;
  c.flags |= CUBICFLAG_IN_SLOWSTART;
  const abc_val = (ccv.flags & CCF_USE_LOCAL_ABC) !== 0 ? ccv.labc : VNET_I32(tcp_abc_l_var);
  if (tp.snd_nxt === tp.snd_max) incr = Math.min(ccv.bytes_this_ack, ccv.nsegs * abc_val * tp.t_maxseg);
  else incr = Math.min(ccv.bytes_this_ack, tp.t_maxseg);
  if (incr > 0) tp.snd_cwnd = Math.min(cw + incr, TCP_MAXWIN << tp.snd_scale);
}

function cubic_ack_received(ccv: cc_var, type: number): void {
  const tp = ccv.tp;
  const c = ccv.cc_data as cubic;
  cubic_record_rtt(ccv);
  // A regular ACK, not in recovery, cwnd the limit: recompute cwnd.
  if (type === CC_ACK && !IN_RECOVERY(tp.t_flags) && (ccv.flags & CCF_CWND_LIMITED) !== 0) {
    if (tp.snd_cwnd <= tp.snd_ssthresh || c.min_rtt_usecs === 0) {
      cubic_does_slow_start(ccv, c);
    } else {
      if ((c.flags & CUBICFLAG_HYSTART_IN_CSS) !== 0) c.flags &= ~(CUBICFLAG_HYSTART_IN_CSS | CUBICFLAG_HYSTART_ENABLED);
      if ((c.flags & CUBICFLAG_RTO_EVENT) !== 0 && (c.flags & CUBICFLAG_IN_SLOWSTART) !== 0) {
        // RFC 8312 4.7: after a timeout's slow start, a new epoch at the
        // current window.
        c.flags &= ~(CUBICFLAG_RTO_EVENT | CUBICFLAG_IN_SLOWSTART);
        c.max_cwnd = tp.snd_cwnd;
        c.K = 0;
      } else if ((c.flags & (CUBICFLAG_IN_SLOWSTART | CUBICFLAG_IN_APPLIMIT)) !== 0) {
        c.flags &= ~(CUBICFLAG_IN_SLOWSTART | CUBICFLAG_IN_APPLIMIT);
        c.t_last_cong = ticks;
        c.K = cubic_k(Math.floor(c.max_cwnd / tp.t_maxseg));
      }
      let usecs_since_cong = ((ticks - c.t_last_cong) | 0) * tick();
      if (usecs_since_cong < 0 || usecs_since_cong > INT_MAX) {
        // Drag t_last_cong along.
        usecs_since_cong = INT_MAX;
        c.t_last_cong = (ticks - Math.floor(INT_MAX / tick())) | 0;
      }
      // The mean RTT, as the equations intend: the minimum would make the
      // friendly window grow too fast when queues dominate the RTT.
      const w_tf = tf_cwnd(usecs_since_cong, c.mean_rtt_usecs, c.max_cwnd, tp.t_maxseg);
      const w_cubic_next = cubic_cwnd(usecs_since_cong + c.mean_rtt_usecs, c.max_cwnd, tp.t_maxseg, c.K);
      ccv.flags &= ~CCF_ABC_SENTAWND;
      if (w_cubic_next < w_tf) {
        // TCP-friendly region.
        if (tp.snd_cwnd < w_tf) tp.snd_cwnd = Math.min(w_tf, INT_MAX);
      } else if (tp.snd_cwnd < w_cubic_next) {
        // Concave or convex region; never shrink.
        tp.snd_cwnd = Math.min(w_cubic_next, INT_MAX);
      }
      // Probing beyond a host cache estimate before any congestion: keep
      // W_max up with cwnd.
      if ((c.flags & CUBICFLAG_CONG_EVENT) === 0 && c.max_cwnd < tp.snd_cwnd) {
        c.max_cwnd = tp.snd_cwnd;
        c.K = cubic_k(Math.floor(c.max_cwnd / tp.t_maxseg));
      }
    }
  } else if (type === CC_ACK && !IN_RECOVERY(tp.t_flags) && (ccv.flags & CCF_CWND_LIMITED) === 0) {
    c.flags |= CUBICFLAG_IN_APPLIMIT;
  }
}

/** After idle: W_max at least cwnd, NewReno's restart window, a new epoch. */
function cubic_after_idle(ccv: cc_var): void {
  const tp = ccv.tp;
  const c = ccv.cc_data as cubic;
  c.max_cwnd = Math.max(c.max_cwnd, tp.snd_cwnd);
  c.K = cubic_k(Math.floor(c.max_cwnd / tp.t_maxseg));
  if ((c.flags & CUBICFLAG_HYSTART_ENABLED) === 0) {
    c.flags &= ~CUBICFLAG_HYSTART_IN_CSS;
    c.flags |= CUBICFLAG_HYSTART_ENABLED;
  }
  newreno_cc_after_idle(ccv);
  c.t_last_cong = ticks;
}

function cubic_cb_init(ccv: cc_var, _ptr: unknown): number {
  const c = new cubic();
  c.min_rtt_usecs = 0; // TCPTV_SRTTBASE
  c.mean_rtt_usecs = 1;
  c.flags = CUBICFLAG_HYSTART_ENABLED;
  ccv.cc_data = c;
  return 0;
}

function cubic_cb_destroy(ccv: cc_var): void {
  ccv.cc_data = null;
}

/** A sane W_max to start from (the host cache may have set cwnd). */
function cubic_conn_init(ccv: cc_var): void {
  const c = ccv.cc_data as cubic;
  c.max_cwnd = ccv.tp.snd_cwnd;
}

/** cubic_ssthresh_update(ccv, maxseg): W_max with fast convergence, and
 *  ssthresh: half cwnd on the first congestion event, beta after. */
function cubic_ssthresh_update(ccv: cc_var, maxseg: number): void {
  const tp = ccv.tp;
  const c = ccv.cc_data as cubic;
  let cwnd = tp.snd_cwnd;
  if (cwnd < c.max_cwnd) cwnd = sar(cwnd * CUBIC_FC_FACTOR, CUBIC_SHIFT);
  c.prev_max_cwnd = c.max_cwnd;
  c.max_cwnd = cwnd;
  let ssthresh: number;
  if ((c.flags & CUBICFLAG_CONG_EVENT) === 0) {
    ssthresh = cwnd >>> 1;
    c.max_cwnd = sar(cwnd * CUBIC_BETA, CUBIC_SHIFT);
  } else ssthresh = sar(cwnd * CUBIC_BETA, CUBIC_SHIFT);
  tp.snd_ssthresh = Math.max(ssthresh, 2 * maxseg);
}

function cubic_cong_signal(ccv: cc_var, type: number): void {
  const tp = ccv.tp;
  const c = ccv.cc_data as cubic;
  const mss = tp.t_maxseg;
  switch (type) {
    case CC_NDUPACK:
      c.flags &= ~(CUBICFLAG_HYSTART_ENABLED | CUBICFLAG_HYSTART_IN_CSS);
      if (!IN_FASTRECOVERY(tp.t_flags)) {
        if (!IN_CONGRECOVERY(tp.t_flags)) {
          cubic_ssthresh_update(ccv, mss);
          c.flags |= CUBICFLAG_CONG_EVENT;
          c.t_last_cong = ticks;
          c.K = cubic_k(Math.floor(c.max_cwnd / mss));
        }
        ENTER_RECOVERY(tp);
      }
      break;
    case CC_ECN:
      c.flags &= ~(CUBICFLAG_HYSTART_ENABLED | CUBICFLAG_HYSTART_IN_CSS);
      if (!IN_CONGRECOVERY(tp.t_flags)) {
        cubic_ssthresh_update(ccv, mss);
        c.flags |= CUBICFLAG_CONG_EVENT;
        c.t_last_cong = ticks;
        c.K = cubic_k(Math.floor(c.max_cwnd / mss));
        tp.snd_cwnd = tp.snd_ssthresh;
        ENTER_CONGRECOVERY(tp);
      }
      break;
    case CC_RTO:
      // RFC 8312 4.7; keep what to undo if the timeout was spurious.
      if (tp.t_rxtshift === 1) {
        c.t_last_cong_prev = c.t_last_cong;
        c.prev_max_cwnd_cp = c.prev_max_cwnd;
      }
      c.flags |= CUBICFLAG_CONG_EVENT | CUBICFLAG_RTO_EVENT;
      c.prev_max_cwnd = c.max_cwnd;
      tp.snd_ssthresh = sar(tp.snd_cwnd * CUBIC_BETA, CUBIC_SHIFT);
      tp.snd_cwnd = mss;
      break;
    case CC_RTO_ERR:
      c.flags &= ~(CUBICFLAG_CONG_EVENT | CUBICFLAG_RTO_EVENT);
      c.max_cwnd = c.prev_max_cwnd;
      c.prev_max_cwnd = c.prev_max_cwnd_cp;
      c.t_last_cong = c.t_last_cong_prev;
      c.K = cubic_k(Math.floor(c.max_cwnd / mss));
      break;
  }
}

/** Leaving fast recovery: cwnd from beta and W_max, or (little in
 *  flight) in-flight plus a segment; the epoch's mean RTT. */
function cubic_post_recovery(ccv: cc_var): void {
  const tp = ccv.tp;
  const c = ccv.cc_data as cubic;
  if (IN_FASTRECOVERY(tp.t_flags)) {
    const pipe = VNET_I32(tcp_do_newsack) !== 0 ? cc_compute_pipe(tp) : (tp.snd_max - ccv.curack) | 0;
    if (pipe < tp.snd_ssthresh) tp.snd_cwnd = Math.max(pipe, tp.t_maxseg) + tp.t_maxseg;
    else tp.snd_cwnd = Math.max(sar(c.max_cwnd * CUBIC_BETA, CUBIC_SHIFT), 2 * tp.t_maxseg);
  }
  if (c.epoch_ack_count > 0 && c.sum_rtt_usecs >= c.epoch_ack_count) c.mean_rtt_usecs = Math.floor(c.sum_rtt_usecs / c.epoch_ack_count);
  c.epoch_ack_count = 0;
  c.sum_rtt_usecs = 0;
}

export const cubic_cc_algo: cc_algo = {
  name: "cubic",
  cc_data_sz: () => 96,
  cb_init: cubic_cb_init,
  cb_destroy: cubic_cb_destroy,
  conn_init: cubic_conn_init,
  ack_received: cubic_ack_received,
  after_idle: cubic_after_idle,
  cong_signal: cubic_cong_signal,
  post_recovery: cubic_post_recovery,
  cc_refcount: 0,
  flags: 0,
};

// DECLARE_CC_MODULE(cubic, &cubic_cc_algo): after NewReno; "cubic" is
// CC_DEFAULT, so it becomes the default.
/** DECLARE_CC_MODULE(cubic, &cubic_cc_algo): cc_modevent(MOD_LOAD) at boot. */
function cc_cubic_modevent(): void {
  const err = cc_modevent_load(cubic_cc_algo);
  KASSERT(err === 0, `cc_cubic: register failed ${err}`);
}
SYSINIT("cc_cubic", SI_SUB_PROTO_IFATTACHDOMAIN, SI_ORDER_ANY, cc_cubic_modevent);
