// sys/netinet/cc/cc.h, sys/netinet/cc/cc.c: the congestion control
// framework.  An algorithm is a struct cc_algo of hooks; each connection
// holds its algorithm (tp.t_cc) and a struct cc_var (tp.t_ccv) whose
// cc_data is the algorithm's own per-connection state.  The list of
// algorithms and the default (net.inet.tcp.cc.algorithm, CUBIC in FreeBSD
// 14) live here, as do the NewReno helpers other algorithms fall back on.

import type { sockopt } from "../../kern/uipc_socket.ts";
import type { tcpcb } from "../tcp_var.ts";

/** struct cc_var: what the framework tells an algorithm about a connection. */
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
  if (a === null) throw new Error("CC_ALGO: connection has no algorithm");
  return a;
}

/** CC_DATA(tp). */
export function CC_DATA(tp: tcpcb): unknown {
  return tp.t_ccv.cc_data;
}
