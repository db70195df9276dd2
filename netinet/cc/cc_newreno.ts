// sys/netinet/cc/cc_newreno.c: NewReno congestion control (RFC 5681, RFC
// 6582): slow start and congestion avoidance with appropriate byte
// counting, halving on loss (net.inet.tcp.cc.newreno.beta, percent), and
// the gentler ECN backoff of RFC 8511 (beta_ecn) when net.inet.tcp.cc.abe
// is on.
//
// Departures: no HyStart++ (FreeBSD turns it on only through
// TCP_CCALGOOPT, which is not modelled).

import { EACCES, EINVAL } from "../../kern/errno.ts";
import { KASSERT } from "../../kern/subr_prf.ts";
import { SI_ORDER_MIDDLE, SI_SUB_PROTO_IFATTACHDOMAIN, SYSINIT } from "../../kern/kernel.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_UINT, OID_AUTO, SYSCTL_NODE, SYSCTL_PROC, sysctl_handle_int, vnet_region_ptr, type sysctl_handler_t } from "../../kern/sysctl.ts";
import { VNET_I32 } from "../../net/vnet.ts";
import { ENTER_CONGRECOVERY, ENTER_RECOVERY, IN_CONGRECOVERY, IN_FASTRECOVERY, type cc_var } from "../tcp_var.ts";
import {
  CC_ECN,
  CC_NDUPACK,
  CC_RTO,
  CC_SIGPRIVMASK,
  _net_inet_tcp_cc,
  cc_abe_frlossreduce,
  cc_do_abe,
  cc_maxseg,
  cc_modevent_load,
  newreno_beta,
  newreno_beta_ecn,
  newreno_cc_ack_received,
  newreno_cc_after_idle,
  newreno_cc_post_recovery,
  type cc_algo,
} from "./cc.ts";

/** newreno_flags. */
export const CC_NEWRENO_HYSTART_ENABLED = 0x0002;
export const CC_NEWRENO_HYSTART_IN_CSS = 0x0008;
export const CC_NEWRENO_BETA_ECN_ENABLED = 0x0020;

/** struct newreno: a connection's betas (percent) and flags. */
export class newreno {
  beta = 0;
  beta_ecn = 0;
  newreno_flags = 0;
}

function newreno_cb_init(ccv: cc_var, _ptr: unknown): number {
  const nreno = new newreno();
  nreno.beta = VNET_I32(newreno_beta);
  nreno.beta_ecn = VNET_I32(newreno_beta_ecn);
  ccv.cc_data = nreno;
  return 0;
}

function newreno_cb_destroy(ccv: cc_var): void {
  ccv.cc_data = null;
}

/** newreno_cong_signal: loss (three duplicate ACKs) and ECN cut cwnd to
 *  beta (beta_ecn with ABE); a timeout to one segment. */
function newreno_cong_signal(ccv: cc_var, type: number): void {
  const tp = ccv.tp;
  let cwin = tp.snd_cwnd;
  const mss = cc_maxseg(tp);
  const nreno = ccv.cc_data as newreno | null;
  const beta = nreno === null ? VNET_I32(newreno_beta) : nreno.beta;
  const beta_ecn = nreno === null ? VNET_I32(newreno_beta_ecn) : nreno.beta_ecn;
  // The lower ECN backoff only with net.inet.tcp.cc.abe or when the stack
  // asked for it.
  const factor = type === CC_ECN && (VNET_I32(cc_do_abe) !== 0 || (nreno !== null && (nreno.newreno_flags & CC_NEWRENO_BETA_ECN_ENABLED) !== 0)) ? beta_ecn : beta;
  KASSERT((type & CC_SIGPRIVMASK) === 0, `newreno_cong_signal: congestion signal type 0x${type.toString(16)} is private`);
  cwin = Math.max(Math.floor((cwin * factor) / (100 * mss)), 2) * mss;
  switch (type) {
    case CC_NDUPACK:
      if (nreno !== null) nreno.newreno_flags &= ~(CC_NEWRENO_HYSTART_ENABLED | CC_NEWRENO_HYSTART_IN_CSS);
      if (!IN_FASTRECOVERY(tp.t_flags)) {
        if (IN_CONGRECOVERY(tp.t_flags) && VNET_I32(cc_do_abe) !== 0 && VNET_I32(cc_abe_frlossreduce) !== 0) tp.snd_ssthresh = Math.floor((tp.snd_ssthresh * beta) / beta_ecn);
        if (!IN_CONGRECOVERY(tp.t_flags)) tp.snd_ssthresh = cwin;
        ENTER_RECOVERY(tp);
      }
      break;
    case CC_ECN:
      if (nreno !== null) nreno.newreno_flags &= ~(CC_NEWRENO_HYSTART_ENABLED | CC_NEWRENO_HYSTART_IN_CSS);
      if (!IN_CONGRECOVERY(tp.t_flags)) {
        tp.snd_ssthresh = cwin;
        tp.snd_cwnd = cwin;
        ENTER_CONGRECOVERY(tp);
      }
      break;
    case CC_RTO:
      tp.snd_ssthresh = Math.max(Math.floor(Math.min(tp.snd_wnd, tp.snd_cwnd) / 2 / mss), 2) * mss;
      tp.snd_cwnd = mss;
      break;
  }
}

export const newreno_cc_algo: cc_algo = {
  name: "newreno",
  cc_data_sz: () => 12,
  cb_init: newreno_cb_init,
  cb_destroy: newreno_cb_destroy,
  ack_received: newreno_cc_ack_received,
  after_idle: newreno_cc_after_idle,
  cong_signal: newreno_cong_signal,
  post_recovery: newreno_cc_post_recovery,
  cc_refcount: 0,
  flags: 0,
};

// DECLARE_CC_MODULE(newreno, &newreno_cc_algo): registered first, as
// FreeBSD's list has it.
/** DECLARE_CC_MODULE(newreno, &newreno_cc_algo): cc_modevent(MOD_LOAD) at boot. */
function cc_newreno_modevent(): void {
  cc_modevent_load(newreno_cc_algo);
}
SYSINIT("cc_newreno", SI_SUB_PROTO_IFATTACHDOMAIN, SI_ORDER_MIDDLE, cc_newreno_modevent);

/** The beta sysctls: 1..100; beta_ecn only with net.inet.tcp.cc.abe on. */
const newreno_beta_handler: sysctl_handler_t = (oidp, arg1, arg2, req) => {
  const p = arg1 as vnet_region_ptr;
  const box = { v: p.i32[p.idx], get(): number { return this.v; }, set(x: number): void { this.v = x; } };
  const error = sysctl_handle_int(oidp, box, 0, req);
  if (error !== 0 || req.newval === null) return error;
  if (arg2 === 1 && VNET_I32(cc_do_abe) === 0) return EACCES;
  if (box.v === 0 || box.v > 100) return EINVAL;
  p.i32[p.idx] = box.v;
  return 0;
};
const _net_inet_tcp_cc_newreno = SYSCTL_NODE(_net_inet_tcp_cc, OID_AUTO, "newreno", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "New Reno related settings");
SYSCTL_PROC(_net_inet_tcp_cc_newreno, OID_AUTO, "beta", CTLFLAG_VNET | CTLTYPE_UINT | CTLFLAG_RW | CTLFLAG_MPSAFE, newreno_beta, 0, newreno_beta_handler, "IU", "New Reno beta, specified as number between 1 and 100");
SYSCTL_PROC(_net_inet_tcp_cc_newreno, OID_AUTO, "beta_ecn", CTLFLAG_VNET | CTLTYPE_UINT | CTLFLAG_RW | CTLFLAG_MPSAFE, newreno_beta_ecn, 1, newreno_beta_handler, "IU", "New Reno beta ecn, specified as number between 1 and 100");
