// sys/netinet/tcp_timewait.c: TIME_WAIT.  FreeBSD 14 keeps the whole
// tcpcb in TIME_WAIT (the compressed tcptw is gone): tcp_twstart moves the
// connection there and arms the 2MSL timer, unless the peer is one of our
// own addresses (net.inet.tcp.nolocaltimewait); tcp_twcheck answers the
// segments that still arrive: RSTs are ignored (RFC 1337), a new SYN above
// the old sequence space recycles the connection, a retransmitted FIN is
// ACKed again and restarts the 2MSL wait.

import { m_freem } from "../kern/kern_mbuf.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { KASSERT, log } from "../kern/subr_prf.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, OID_AUTO, SYSCTL_INT } from "../kern/sysctl.ts";
import { soisdisconnected } from "../kern/uipc_socket.ts";
import { VNET_DEFINE_INT, VNET_I32 } from "../net/vnet.ts";
import type { in6_addr } from "../netinet6/in6_var.ts";
import { in_localip } from "./in.ts";
import { INC_ISIPV6, INP_DROPPED, type inpcb } from "./in_pcb.ts";
import { TCPH_ACK, TCPH_SEQ, TH_ACK, TH_FIN, TH_RST, TH_SYN, hdrptr, type tcp_seq } from "./tcp.ts";
import { TCPS_TIME_WAIT } from "./tcp_fsm.ts";
import { SEQ_GT } from "./tcp_seq.ts";
import { TCPSTAT_INC, TF_ACKNOW, TOF_TS, TT_2MSL, _net_inet_tcp, intotcpcb, tcp_tolerate_missing_ts, tcps_tw_recycles, tcps_tw_responds, type tcpcb, type tcpopt } from "./tcp_var.ts";
import { tcp_msl, tcp_timer_activate } from "./tcp_timer.ts";
import { tcp_output } from "./tcp_output.ts";
import { tcp_free_sackholes } from "./tcp_sack.ts";
import { tcp_close, tcp_log_addrs, tcp_respond, tcp_state_change } from "./tcp_subr.ts";

/** syslog's LOG_DEBUG. */
const LOG_DEBUG = 7;

/** in6_localip (netinet6/in6.c), handed over by in6_proto.ts: netinet/
 *  files do not import netinet6/in6.ts. */
let tw_in6_localip: (a: in6_addr) => boolean = () => false;
export function tcp_tw_in6_localip_set(f: (a: in6_addr) => boolean): void {
  tw_in6_localip = f;
}

/** V_nolocaltimewait: no TIME_WAIT toward our own addresses. */
const nolocaltimewait = VNET_DEFINE_INT("nolocaltimewait", 1);
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "nolocaltimewait", CTLFLAG_VNET | CTLFLAG_RW, nolocaltimewait, 0, "Do not create TIME_WAIT state for local connections");

/**
 * tcp_twstart(tp): into TIME_WAIT: the socket is disconnected, a pending
 * ACK goes out, and the 2MSL timer (2 * net.inet.tcp.msl) runs, unless
 * the peer is local, when the connection simply closes.
 */
export function tcp_twstart(tp: tcpcb): void {
  const inp = tp.t_inpcb;
  const isipv6 = (inp.inp_inc.inc_flags & INC_ISIPV6) !== 0;
  KASSERT((inp.inp_flags & INP_DROPPED) === 0, "tcp_twstart: (inp->inp_flags & INP_DROPPED) != 0");
  tcp_state_change(tp, TCPS_TIME_WAIT);
  tcp_free_sackholes(tp);
  const so = inp.inp_socket;
  if (so !== null) soisdisconnected(so);
  if ((tp.t_flags & TF_ACKNOW) !== 0) void tcp_output(tp);
  if (VNET_I32(nolocaltimewait) !== 0 && (isipv6 ? tw_in6_localip(inp.in6p_faddr) : in_localip(inp.inp_faddr))) {
    void tcp_close(tp);
    return;
  }
  tcp_timer_activate(tp, TT_2MSL, 2 * tcp_msl.v);
}

const tw_ip = new hdrptr();

/**
 * tcp_twcheck(inp, to, th, m, tlen): a segment for a TIME_WAIT
 * connection; true when a new SYN recycled the connection (the caller
 * looks the PCB up again and m is still the caller's), false when the
 * segment was consumed (m freed).
 */
export function tcp_twcheck(inp: inpcb, to: tcpopt | null, th: hdrptr, m: mbuf, tlen: number): boolean {
  const tp = intotcpcb(inp);
  const thflags = th.buf[th.off + 13] | ((th.buf[th.off + 12] & 0x0f) << 8);
  const th_seq: tcp_seq = th.dv.getInt32(th.off + TCPH_SEQ);
  const th_ack: tcp_seq = th.dv.getInt32(th.off + TCPH_ACK);
  // An RST does not end TIME_WAIT (RFC 1337).
  if ((thflags & TH_RST) !== 0) {
    m_freem(m);
    return false;
  }
  // A new SYN above the old sequence space: recycle the connection.
  if ((thflags & (TH_SYN | TH_ACK)) === TH_SYN && SEQ_GT(th_seq, tp.rcv_nxt)) {
    void tcp_close(tp);
    TCPSTAT_INC(tcps_tw_recycles);
    return true;
  }
  // (The UDP-tunnel port check: t_port is always 0 here.)
  if ((thflags & TH_ACK) === 0) {
    m_freem(m);
    return false;
  }
  // Timestamps negotiated but missing: drop (RFC 7323 3.2).
  if (to !== null && (to.to_flags & TOF_TS) === 0 && tp.ts_recent !== 0 && VNET_I32(tcp_tolerate_missing_ts) === 0) {
    const s = tcp_log_addrs(inp.inp_inc, th, null, null);
    if (s !== null) log(LOG_DEBUG, `${s}; tcp_twcheck: Timestamp missing, segment silently dropped\n`);
    m_freem(m);
    return false;
  }
  // A retransmitted FIN restarts the 2MSL wait.
  if ((thflags & TH_FIN) !== 0) {
    const seq = (th_seq + tlen + ((thflags & TH_SYN) !== 0 ? 1 : 0)) | 0;
    if (((seq + 1) | 0) === tp.rcv_nxt) tcp_timer_activate(tp, TT_2MSL, 2 * tcp_msl.v);
  }
  // ACK anything with data or that is not a duplicate ACK.
  if (thflags !== TH_ACK || tlen !== 0 || th_seq !== tp.rcv_nxt || th_ack !== tp.snd_nxt) {
    tcp_respond(tp, tw_ip.setm(m, m.m_data), th, m, tp.rcv_nxt, tp.snd_nxt, TH_ACK);
    TCPSTAT_INC(tcps_tw_responds);
    return false;
  }
  m_freem(m);
  return false;
}
