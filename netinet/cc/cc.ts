// sys/netinet/cc/cc.h, sys/netinet/cc/cc.c: the congestion control
// framework.  An algorithm is a struct cc_algo of hooks; each connection
// holds its algorithm (tp.t_cc) and a struct cc_var (tp.t_ccv) whose
// cc_data is the algorithm's own per-connection state.  The list of
// algorithms (net.inet.tcp.cc.available) and the default of each vnet
// (net.inet.tcp.cc.algorithm, "cubic" as FreeBSD 14's CC_DEFAULT) live
// here, as do the NewReno helpers the other algorithms fall back on.
//
// Departures: algorithms are not kernel modules; the list holds NewReno
// and CUBIC, registered at boot (DECLARE_CC_MODULE), and none is unloaded.

import { EINVAL, ENOENT, ESRCH } from "../../kern/errno.ts";
import { KASSERT } from "../../kern/subr_prf.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_IFATTACHDOMAIN } from "../../kern/kernel.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_STRING, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC, SYSCTL_UINT, kvar_of, type sysctl_handler_t } from "../../kern/sysctl.ts";
import type { sockopt } from "../../kern/uipc_socket.ts";
import { IS_DEFAULT_VNET, VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_VNET_PTR, curvnet, vnet0 } from "../../net/vnet.ts";
import { TCP_CA_NAME_MAX, TCP_MAXWIN } from "../tcp.ts";
import { ENTER_CONGRECOVERY, ENTER_RECOVERY, IN_CONGRECOVERY, IN_FASTRECOVERY, IN_RECOVERY, _net_inet_tcp, type cc_var, tcp_abc_l_var, tcp_do_rfc3390, tcp_do_rfc3465, tcp_initcwnd_segments, type tcpcb } from "../tcp_var.ts";

// cc_var flags.
export const CCF_ABC_SENTAWND = 0x0001;
export const CCF_CWND_LIMITED = 0x0002;
export const CCF_USE_LOCAL_ABC = 0x0004;
export const CCF_ACKNOW = 0x0008;
export const CCF_IPHDR_CE = 0x0010;
export const CCF_TCPHDR_CWR = 0x0020;
export const CCF_MAX_CWND = 0x0040;
export const CCF_CHG_MAX_CWND = 0x0080;
export const CCF_USR_IWND = 0x0100;
export const CCF_USR_IWND_INIT_NSEG = 0x0200;
export const CCF_HYSTART_ALLOWED = 0x0400;
export const CCF_HYSTART_CAN_SH_CWND = 0x0800;
export const CCF_HYSTART_CONS_SSTH = 0x1000;

// ACK types for ack_received.
export const CC_ACK = 0x0001;
export const CC_DUPACK = 0x0002;
export const CC_PARTIALACK = 0x0004;
export const CC_SACK = 0x0008;

// Congestion signals for cong_signal.
export const CC_ECN = 0x00000001;
export const CC_RTO = 0x00000002;
export const CC_RTO_ERR = 0x00000004;
export const CC_NDUPACK = 0x00000008;
export const CC_SIGPRIVMASK = 0xff000000;

/** cc_algo flags. */
export const CC_MODULE_BEING_REMOVED = 0x01;

/** struct cc_algo: an algorithm's hooks (any may be absent). */
export interface cc_algo {
  readonly name: string;
  mod_init?: () => number;
  mod_destroy?: () => number;
  /** Bytes of per-connection state cb_init needs (0: none). */
  cc_data_sz?: () => number;
  /** Set up ccv.cc_data; `ptr` is state handed over when switching. */
  cb_init?: (ccv: cc_var, ptr: unknown) => number;
  cb_destroy?: (ccv: cc_var) => void;
  conn_init?: (ccv: cc_var) => void;
  ack_received?: (ccv: cc_var, type: number) => void;
  cong_signal?: (ccv: cc_var, type: number) => void;
  post_recovery?: (ccv: cc_var) => void;
  after_idle?: (ccv: cc_var) => void;
  ecnpkt_handler?: (ccv: cc_var) => void;
  newround?: (ccv: cc_var, round_cnt: number) => void;
  rttsample?: (ccv: cc_var, usec_rtt: number, rxtcnt: number, fas: number) => void;
  ctl_output?: (ccv: cc_var, sopt: sockopt, buf: Uint8Array) => number;
  cc_refcount: number;
  flags: number;
}

/** CC_ALGO(tp). */
export function CC_ALGO(tp: tcpcb): cc_algo {
  const a = tp.t_cc;
  KASSERT(a !== null, "CC_ALGO: connection has no algorithm");
  return a as cc_algo;
}

/** CC_DATA(tp). */
export function CC_DATA(tp: tcpcb): unknown {
  return tp.t_ccv.cc_data;
}

/** The default when the kernel configuration names none (CC_DEFAULT). */
export const CC_DEFAULT = "cubic";

/** cc_list: the algorithms, in registration order. */
const cc_list: cc_algo[] = [];

/** V_default_cc_ptr: each vnet's default algorithm. */
const default_cc_ptr = VNET_DEFINE_PTR<cc_algo | null>("default_cc_ptr", null);

/** CC_DEFAULT_ALGO(): curvnet's default. */
export function cc_default_algo(): cc_algo {
  const a = VNET_PTR(default_cc_ptr);
  KASSERT(a !== null, "CC_DEFAULT_ALGO: no congestion control registered");
  return a as cc_algo;
}

/** The algorithm's position in cc_list (xtcpcb's XT_CC). */
export function cc_algo_index(algo: cc_algo): number {
  return cc_list.indexOf(algo);
}

/** The names of the algorithms, in list order (for XT_CC readers). */
export function cc_list_names(): string[] {
  return cc_list.map((a) => a.name);
}

/** cc_find(name): the registered algorithm of that name, or null. */
export function cc_find(name: string): cc_algo | null {
  for (const a of cc_list) if (a.name === name) return a;
  return null;
}

/** cc_attach(tp, algo): the connection uses algo. */
export function cc_attach(tp: tcpcb, algo: cc_algo): void {
  tp.t_cc = algo;
  algo.cc_refcount++;
}

/** cc_detach(tp): the connection lets go of its algorithm. */
export function cc_detach(tp: tcpcb): void {
  const algo = tp.t_cc;
  tp.t_cc = null;
  if (algo !== null) algo.cc_refcount--;
}

/**
 * cc_register_algo(add_cc): add to the list (EEXIST for a duplicate name).
 * The first algorithm registered is the default until the one named
 * CC_DEFAULT comes.
 */
export function cc_register_algo(add_cc: cc_algo): number {
  for (const funcs of cc_list) if (funcs === add_cc || funcs.name === add_cc.name) return 17; // EEXIST
  add_cc.cc_refcount = 0;
  cc_list.push(add_cc);
  if (add_cc.name === CC_DEFAULT) VNET_PTR_SET(default_cc_ptr, add_cc);
  else if (VNET_PTR(default_cc_ptr) === null) VNET_PTR_SET(default_cc_ptr, add_cc);
  return 0;
}

/** cc_modevent(MOD_LOAD): what DECLARE_CC_MODULE does at boot. */
export function cc_modevent_load(algo: cc_algo): number {
  if (algo.cc_data_sz === undefined && algo.cb_init !== undefined) return EINVAL;
  let err = 0;
  if (algo.mod_init !== undefined) err = algo.mod_init();
  if (err === 0) err = cc_register_algo(algo);
  return err;
}

/** A new vnet starts with vnet0's default. */
function vnet_cc_sysinit(): void {
  if (IS_DEFAULT_VNET(curvnet)) return;
  VNET_PTR_SET(default_cc_ptr, VNET_VNET_PTR(vnet0, default_cc_ptr));
}
VNET_SYSINIT("vnet_cc_sysinit", SI_SUB_PROTO_IFATTACHDOMAIN, SI_ORDER_ANY, vnet_cc_sysinit);

// ---------------------------------------------------------------------------
// net.inet.tcp.cc.

export const _net_inet_tcp_cc = SYSCTL_NODE(_net_inet_tcp, OID_AUTO, "cc", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "Congestion control related settings");

/** net.inet.tcp.cc.algorithm: show or set curvnet's default (ESRCH for an
 *  unknown name). */
const cc_default_algo_sysctl: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  const cur = VNET_PTR(default_cc_ptr);
  const error = SYSCTL_OUT(req, cur !== null ? cur.name : "");
  if (error !== 0 || req.newval === null) return error;
  if (typeof req.newval !== "string") return EINVAL;
  const want = req.newval.slice(0, TCP_CA_NAME_MAX - 1);
  for (const funcs of cc_list) {
    if (funcs.name !== want) continue;
    if ((funcs.flags & CC_MODULE_BEING_REMOVED) !== 0) continue;
    VNET_PTR_SET(default_cc_ptr, funcs);
    return 0;
  }
  return ESRCH;
};
SYSCTL_PROC(_net_inet_tcp_cc, OID_AUTO, "algorithm", CTLFLAG_VNET | CTLTYPE_STRING | CTLFLAG_RW | CTLFLAG_MPSAFE, null, 0, cc_default_algo_sysctl, "A", "Default congestion control algorithm");

function pad16(s: string): string {
  return s.length >= 16 ? s : s + " ".repeat(16 - s.length);
}

/** net.inet.tcp.cc.available: a table of the algorithms, the default
 *  starred, with how many connections use each. */
const cc_list_available: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  if (cc_list.length === 0) return ENOENT;
  const def = VNET_PTR(default_cc_ptr);
  let out = `\n${pad16("CCmod")}D PCB count\n`;
  for (const algo of cc_list) out += `${pad16(algo.name)}${algo === def ? "*" : " "} ${algo.cc_refcount}\n`;
  const error = SYSCTL_OUT(req, out);
  if (error !== 0 || req.newval === null) return error;
  return 1; // EPERM: read-only
};
SYSCTL_PROC(_net_inet_tcp_cc, OID_AUTO, "available", CTLTYPE_STRING | CTLFLAG_RD | CTLFLAG_MPSAFE, null, 0, cc_list_available, "A", "List available congestion control algorithms");

/** V_cc_do_abe, V_cc_abe_frlossreduce (RFC 8511 Alternative Backoff with ECN). */
export const cc_do_abe = VNET_DEFINE_INT("cc_do_abe", 0);
export const cc_abe_frlossreduce = VNET_DEFINE_INT("cc_abe_frlossreduce", 0);
SYSCTL_INT(_net_inet_tcp_cc, OID_AUTO, "abe", CTLFLAG_VNET | CTLFLAG_RW, cc_do_abe, 0, "Enable draft-ietf-tcpm-alternativebackoff-ecn (TCP Alternative Backoff with ECN)");
SYSCTL_INT(_net_inet_tcp_cc, OID_AUTO, "abe_frlossreduce", CTLFLAG_VNET | CTLFLAG_RW, cc_abe_frlossreduce, 0, "Apply standard beta instead of ABE-beta during ECN-signalled congestion recovery episodes if loss also needs to be repaired");

// HyStart++ (RFC 9406) settings, shared by the algorithms that use it.
export const hystart_minrtt_thresh = kvar_of(4000);
export const hystart_maxrtt_thresh = kvar_of(16000);
export const hystart_n_rttsamples = kvar_of(8);
export const hystart_css_growth_div = kvar_of(4);
export const hystart_css_rounds = kvar_of(5);
export const hystart_bblogs = kvar_of(0);
const _net_inet_tcp_cc_hystartplusplus = SYSCTL_NODE(_net_inet_tcp_cc, OID_AUTO, "hystartplusplus", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "New Reno related HyStart++ settings");
SYSCTL_UINT(_net_inet_tcp_cc_hystartplusplus, OID_AUTO, "minrtt_thresh", CTLFLAG_RW, hystart_minrtt_thresh, 4000, "HyStarts++ minimum RTT thresh used in clamp (in microseconds)");
SYSCTL_UINT(_net_inet_tcp_cc_hystartplusplus, OID_AUTO, "maxrtt_thresh", CTLFLAG_RW, hystart_maxrtt_thresh, 16000, "HyStarts++ maximum RTT thresh used in clamp (in microseconds)");
SYSCTL_UINT(_net_inet_tcp_cc_hystartplusplus, OID_AUTO, "n_rttsamples", CTLFLAG_RW, hystart_n_rttsamples, 8, "The number of RTT samples that must be seen to consider HyStart++");
SYSCTL_UINT(_net_inet_tcp_cc_hystartplusplus, OID_AUTO, "css_growth_div", CTLFLAG_RW, hystart_css_growth_div, 4, "The divisor to the growth when in Hystart++ CSS");
SYSCTL_UINT(_net_inet_tcp_cc_hystartplusplus, OID_AUTO, "css_rounds", CTLFLAG_RW, hystart_css_rounds, 5, "The number of rounds HyStart++ lasts in CSS before falling to CA");
SYSCTL_UINT(_net_inet_tcp_cc_hystartplusplus, OID_AUTO, "bblogs", CTLFLAG_RW, hystart_bblogs, 0, "Do we enable HyStart++ Black Box logs to be generated if BB logging is on");

/** V_newreno_beta / V_newreno_beta_ecn, percent (net.inet.tcp.cc.newreno.*
 *  in cc_newreno.ts shows them). */
export const newreno_beta = VNET_DEFINE_INT("newreno_beta", 50);
export const newreno_beta_ecn = VNET_DEFINE_INT("newreno_beta_ecn", 80);

// ---------------------------------------------------------------------------
// The NewReno building blocks (shared by NewReno, CUBIC and others).

/** The sender MSS less options (tcp_maxseg); set by tcp_subr.ts, which
 *  cc.ts does not import. */
let maxseg_of: (tp: tcpcb) => number = (tp) => tp.t_maxseg;
let pipe_of: (tp: tcpcb) => number = (tp) => (tp.snd_max - tp.snd_una) | 0;
export function cc_hooks_set(maxseg: (tp: tcpcb) => number, pipe: (tp: tcpcb) => number): void {
  maxseg_of = maxseg;
  pipe_of = pipe;
}
export function cc_maxseg(tp: tcpcb): number {
  return maxseg_of(tp);
}
export function cc_compute_pipe(tp: tcpcb): number {
  return pipe_of(tp);
}

/**
 * tcp_compute_initwnd(maxseg): the initial (and restart) window: ten
 * segments (net.inet.tcp.initcwnd_segments, RFC 6928), else RFC 3390's,
 * else RFC 5681's.
 */
export function tcp_compute_initwnd(maxseg: number): number {
  const iw = VNET_I32(tcp_initcwnd_segments);
  if (iw !== 0) return Math.min(iw * maxseg, Math.max(2 * maxseg, iw * 1460));
  if (VNET_I32(tcp_do_rfc3390) !== 0) return Math.min(4 * maxseg, Math.max(2 * maxseg, 4380));
  if (maxseg > 2190) return 2 * maxseg;
  if (maxseg > 1095) return 3 * maxseg;
  return 4 * maxseg;
}

/** newreno_cc_post_recovery: leaving fast recovery, deflate cwnd to
 *  ssthresh, or to what is in flight plus one segment if that is less
 *  (RFC 6582: never down to one segment). */
export function newreno_cc_post_recovery(ccv: cc_var): void {
  const tp = ccv.tp;
  const mss = maxseg_of(tp);
  if (IN_FASTRECOVERY(tp.t_flags)) {
    const pipe = pipe_of(tp);
    if (pipe < tp.snd_ssthresh) tp.snd_cwnd = Math.max(pipe, mss) + mss;
    else tp.snd_cwnd = tp.snd_ssthresh;
  }
}

/** newreno_cc_after_idle: after an idle RTO, restart from the initial
 *  window (RFC 5681 4.1), keeping ssthresh at least 3/4 of the old cwnd
 *  (RFC 2861). */
export function newreno_cc_after_idle(ccv: cc_var): void {
  const tp = ccv.tp;
  const rw = tcp_compute_initwnd(maxseg_of(tp));
  tp.snd_ssthresh = Math.max(tp.snd_ssthresh, tp.snd_cwnd - (tp.snd_cwnd >>> 2));
  tp.snd_cwnd = Math.min(rw, tp.snd_cwnd);
}

/** newreno_cc_cwnd_on_multiplicative_decrease: cwnd times beta, in whole
 *  segments, at least two. */
export function newreno_cc_cwnd_on_multiplicative_decrease(ccv: cc_var, mss: number): number {
  const cwin = ccv.tp.snd_cwnd;
  const factor = VNET_I32(newreno_beta);
  return Math.max(Math.floor((cwin * factor) / (100 * mss)), 2) * mss;
}

/** newreno_cc_cong_signal: halve on three duplicate ACKs or ECN, one
 *  segment after a retransmit timeout. */
export function newreno_cc_cong_signal(ccv: cc_var, type: number): void {
  const tp = ccv.tp;
  const mss = maxseg_of(tp);
  KASSERT((type & CC_SIGPRIVMASK) === 0, `newreno_cc_cong_signal: congestion signal type 0x${type.toString(16)} is private`);
  const cwin = newreno_cc_cwnd_on_multiplicative_decrease(ccv, mss);
  switch (type) {
    case CC_NDUPACK:
      if (!IN_FASTRECOVERY(tp.t_flags)) {
        if (!IN_CONGRECOVERY(tp.t_flags)) tp.snd_ssthresh = cwin;
        ENTER_RECOVERY(tp);
      }
      break;
    case CC_ECN:
      if (!IN_CONGRECOVERY(tp.t_flags)) {
        tp.snd_ssthresh = cwin;
        tp.snd_cwnd = cwin;
        ENTER_CONGRECOVERY(tp);
      }
      break;
    case CC_RTO:
      if (tp.t_rxtshift === 1) {
        const pipe = pipe_of(tp);
        tp.snd_ssthresh = Math.max(2, Math.floor(Math.min(tp.snd_wnd, pipe) / 2 / mss)) * mss;
      }
      tp.snd_cwnd = mss;
      break;
  }
}

/** Congestion avoidance: one segment per window of ACKed data (ABC, RFC
 *  3465), or maxseg^2/cwnd per ACK without it. */
export function newreno_cc_cwnd_in_cong_avoid(ccv: cc_var): number {
  const tp = ccv.tp;
  const cw = tp.snd_cwnd;
  let incr = maxseg_of(tp);
  if (VNET_I32(tcp_do_rfc3465) !== 0) {
    if ((ccv.flags & CCF_ABC_SENTAWND) !== 0) ccv.flags &= ~CCF_ABC_SENTAWND;
    else incr = 0;
  } else incr = Math.max(Math.floor((incr * incr) / cw), 1);
  if (incr > 0) return Math.min(cw + incr, TCP_MAXWIN << tp.snd_scale);
  return cw;
}

/** Slow start: grow by the bytes ACKed, at most abc_l_var segments per ACK
 *  (one segment after an RTO), or one segment per ACK without ABC. */
export function newreno_cc_cwnd_in_slow_start(ccv: cc_var): number {
  const tp = ccv.tp;
  const cw = tp.snd_cwnd;
  const mss = maxseg_of(tp);
  let incr = mss;
  if (VNET_I32(tcp_do_rfc3465) !== 0) {
    const abc_val = (ccv.flags & CCF_USE_LOCAL_ABC) !== 0 ? ccv.labc : VNET_I32(tcp_abc_l_var);
    if (tp.snd_nxt === tp.snd_max) incr = Math.min(ccv.bytes_this_ack, ccv.nsegs * abc_val * mss);
    else incr = Math.min(ccv.bytes_this_ack, mss);
  }
  if (incr > 0) return Math.min(cw + incr, TCP_MAXWIN << tp.snd_scale);
  return cw;
}

/** newreno_cc_ack_received: open cwnd on a regular ACK when cwnd limits us. */
export function newreno_cc_ack_received(ccv: cc_var, type: number): void {
  const tp = ccv.tp;
  if (type === CC_ACK && !IN_RECOVERY(tp.t_flags) && (ccv.flags & CCF_CWND_LIMITED) !== 0) {
    if (tp.snd_cwnd > tp.snd_ssthresh) tp.snd_cwnd = newreno_cc_cwnd_in_cong_avoid(ccv);
    else tp.snd_cwnd = newreno_cc_cwnd_in_slow_start(ccv);
  }
}
