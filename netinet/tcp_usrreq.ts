// sys/netinet/tcp_usrreq.c: the socket side of TCP.  The protocol switch
// entries for PF_INET and PF_INET6 stream sockets (tcp_protosw,
// tcp6_protosw): attach (buffers of net.inet.tcp.sendspace/recvspace with
// autosizing, the inpcb and tcpcb), bind, listen, connect (the ISN, the
// SYN, the connection-establishment timer), accept, send (with implied
// connect and PRUS_EOF), receive-window updates (pr_rcvd), urgent data,
// shutdown, disconnect and close (the FIN handshake goes on after close(2):
// TCP keeps a reference to the socket, INP_SOCKREF, until tcp_close), abort,
// detach; and the IPPROTO_TCP socket options (tcp_ctloutput): TCP_NODELAY,
// TCP_NOPUSH, TCP_NOOPT, TCP_MAXSEG, TCP_INFO, TCP_CONGESTION,
// TCP_KEEPIDLE/INTVL/INIT/CNT, TCP_MAXUNACKTIME.
//
// Departures: no TCP Fast Open (TCP_FASTOPEN is ENOPROTOOPT as in a kernel
// without TCP_RFC7413), no TCP-MD5, no function-block switching
// (TCP_FUNCTION_BLK accepts only "freebsd"), no TCP_LOG/TCP_STATS.

import { EACCES, EADDRNOTAVAIL, EAFNOSUPPORT, ECONNABORTED, ECONNREFUSED, ECONNRESET, EINVAL, EISCONN, ENOBUFS, ENOPROTOOPT, EOPNOTSUPP, ESRCH, EWOULDBLOCK } from "../kern/errno.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { hz, ticks } from "../kern/kern_timeout.ts";
import { kernel_sysctlbyname } from "../kern/kern_sysctl.ts";
import type { thread } from "../kern/kern_prot.ts";
import { AF_INET, AF_INET6, AF_UNSPEC, MSG_PEEK, SA_FAMILY, SOCK_STREAM, SO_LINGER, SO_OOBINLINE, SO_REUSEPORT_LB, type sockaddr } from "../kern/socket.ts";
import {
  PRUS_EOF,
  PRUS_MORETOCOME,
  PRUS_NOTREADY,
  PRUS_OOB,
  PR_CAPATTACH,
  PR_CONNREQUIRED,
  PR_IMPLOPCL,
  PR_WANTRCVD,
  SBS_RCVATMARK,
  SB_AUTOSIZE,
  SOLISTENING,
  SOPT_GET,
  SOPT_SET,
  SS_ISCONNECTED,
  SS_ISCONNECTING,
  SS_ISDISCONNECTED,
  SS_ISDISCONNECTING,
  sbappendstream_locked,
  sbavail,
  sbflush,
  sbspace,
  socantsendmore,
  soisconnecting,
  soisdisconnected,
  soisdisconnecting,
  solisten_proto,
  solisten_proto_abort,
  solisten_proto_check,
  sooptcopyin_bytes,
  sooptcopyin_int,
  sooptcopyout_bytes,
  sooptcopyout_int,
  soref,
  soreserve,
  type protosw,
  type socket,
  type sockaddr_out,
  type sockopt,
} from "../kern/uipc_socket.ts";
import { in6_addr, sockaddr_in6, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, IN6_IS_ADDR_V4MAPPED } from "../netinet6/in6_var.ts";
import { IN6P_IPV6_V6ONLY } from "../netinet6/ip6_var.ts";
import { in6_pcbbind, in6_pcbconnect, in6_mapped_peeraddr, in6_mapped_sockaddr } from "../netinet6/in6_pcb.ts";
import { ip6_ctloutput } from "../netinet6/ip6_output.ts";
import { INADDR_ANY, INADDR_BROADCAST, IN_MULTICAST, IPPROTO_TCP, inetdomain, sockaddr_in } from "./in.ts";
import {
  INC_ISIPV6,
  INP_DROPPED,
  INP_IPV4,
  INP_IPV6,
  INP_IPV6PROTO,
  INP_SOCKREF,
  in_getpeeraddr,
  in_getsockaddr,
  in_pcballoc,
  in_pcbbind,
  in_pcbconnect,
  in_pcbfree,
  ip_ctloutput,
  sotoinpcb,
  type inpcb,
} from "./in_pcb.ts";
import {
  TCP_CA_NAME_MAX,
  TCP_CONGESTION,
  TCP_FASTOPEN,
  TCP_FUNCTION_ALIAS,
  TCP_FUNCTION_BLK,
  TCP_FUNCTION_NAME_LEN_MAX,
  TCP_INFO,
  TCP_INFO_LEN,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINIT,
  TCP_KEEPINTVL,
  TCP_MAXSEG,
  TCP_MAXUNACKTIME,
  TCP_MAXWIN,
  TCP_MAX_WINSHIFT,
  TCP_NODELAY,
  TCP_NOOPT,
  TCP_NOPUSH,
  TCP_REMOTE_UDP_ENCAPS_PORT,
  TCPI_OPT_SACK,
  TCPI_OPT_TIMESTAMPS,
  TCPI_OPT_WSCALE,
  TCPI_DUPACKS,
  TCPI_LAST_DATA_RECV,
  TCPI_OPTIONS,
  TCPI_RCV_ADV,
  TCPI_RCV_MSS,
  TCPI_RCV_NUMSACKS,
  TCPI_RCV_NXT,
  TCPI_RCV_OOOPACK,
  TCPI_RCV_SPACE,
  TCPI_RTO,
  TCPI_RTT,
  TCPI_RTTVAR,
  TCPI_SND_CWND,
  TCPI_SND_MAX,
  TCPI_SND_MSS,
  TCPI_SND_NXT,
  TCPI_SND_REXMITPACK,
  TCPI_SND_SSTHRESH,
  TCPI_SND_UNA,
  TCPI_SND_WND,
  TCPI_SND_ZEROWIN,
  TCPI_STATE,
  TCPI_TOTAL_TLP,
  TCPI_WSCALE,
  TTCP_CLIENT_SND_WND,
  tcp_info,
} from "./tcp.ts";
import { TCPS_CLOSED, TCPS_CLOSE_WAIT, TCPS_ESTABLISHED, TCPS_FIN_WAIT_1, TCPS_FIN_WAIT_2, TCPS_HAVEESTABLISHED, TCPS_LAST_ACK, TCPS_LISTEN, TCPS_SYN_RECEIVED, TCPS_SYN_SENT, TCPS_TIME_WAIT } from "./tcp_fsm.ts";
import { tcp_sendseqinit } from "./tcp_seq.ts";
import {
  TCPOOB_HADDATA,
  TCPOOB_HAVEDATA,
  TCPSTATES_INC,
  TCPSTAT_INC,
  TCP_RTTVAR_SHIFT,
  TCP_RTT_SHIFT,
  TF2_FBYTES_COMPLETE,
  TF2_PROC_SACK_PROHIBIT,
  TF_CLOSED,
  TF_FORCEDATA,
  TF_MORETOCOME,
  TF_NEEDFIN,
  TF_NODELAY,
  TF_NOOPT,
  TF_NOPUSH,
  TF_RCVD_SCALE,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_SACK_PERMIT,
  TT_2MSL,
  TT_KEEP,
  cc_var,
  intotcpcb,
  tcps_connattempt,
  tptosocket,
  V_tcp_minmss,
  V_tcp_mssdflt,
  V_tcp_recvspace,
  V_tcp_sendspace,
  type tcpcb,
} from "./tcp_var.ts";
import { TP_KEEPCNT, TP_KEEPIDLE, TP_KEEPINIT, TP_KEEPINTVL, TP_MAXIDLE, tcp_fast_finwait2_recycle, tcp_finwait2_timeout, tcp_timer_activate } from "./tcp_timer.ts";
import { tcp_output } from "./tcp_output.ts";
import { tcp_mss } from "./tcp_input.ts";
import { tcp_free_sackholes } from "./tcp_sack.ts";
import { V_tcbinfo, tcp_close, tcp_discardcb, tcp_drop, tcp_new_isn, tcp_new_ts_offset, tcp_newtcpcb, tcp_state_change } from "./tcp_subr.ts";
import { CC_ALGO, cc_attach, cc_detach, cc_find } from "./cc/cc.ts";

/** sa->sa_len, whatever the layout. */
function sa_len_of(sa: sockaddr): number {
  if ("sin_addr" in sa) return sa.sin_len;
  if ("sin6_addr" in sa) return sa.sin6_len;
  return 0;
}

// ---------------------------------------------------------------------------
// Attach, detach, bind, listen.

/** tcp_usr_attach(so, proto, td): buffers, inpcb, tcpcb in CLOSED. */
function tcp_usr_attach(so: socket, _proto: number, _td: thread | null): number {
  KASSERT(so.so_pcb === null, "tcp_usr_attach: inp != NULL");
  if (so.so_snd.sb_hiwat === 0 || so.so_rcv.sb_hiwat === 0) {
    const error = soreserve(so, V_tcp_sendspace(), V_tcp_recvspace());
    if (error !== 0) return error;
  }
  so.so_rcv.sb_flags |= SB_AUTOSIZE;
  so.so_snd.sb_flags |= SB_AUTOSIZE;
  let error = in_pcballoc(so, V_tcbinfo());
  if (error !== 0) return error;
  const inp = sotoinpcb(so);
  if ((inp.inp_vflag & INP_IPV6PROTO) !== 0) inp.inp_inc.inc_flags |= INC_ISIPV6;
  const tp = tcp_newtcpcb(inp);
  if (tp === null) {
    error = ENOBUFS;
    in_pcbfree(inp);
    so.so_pcb = null;
    return error;
  }
  tp.t_state = TCPS_CLOSED;
  TCPSTATES_INC(TCPS_CLOSED);
  return 0;
}

/** tcp_usr_detach(so): the socket is freed: so is the PCB. */
function tcp_usr_detach(so: socket): void {
  const inp = sotoinpcb(so);
  KASSERT(inp.inp_socket === so, "tcp_usr_detach: inp_socket mismatch");
  const tp = intotcpcb(inp);
  KASSERT((inp.inp_flags & INP_DROPPED) !== 0 || tp.t_state < TCPS_SYN_SENT, "tcp_usr_detach: inp still connected");
  tcp_discardcb(tp);
  in_pcbfree(inp);
  inp.inp_socket = null;
  so.so_pcb = null;
}

/** tcp_usr_bind(so, nam, td). */
function tcp_usr_bind(so: socket, nam: sockaddr, td: thread | null): number {
  if (!("sin_addr" in nam)) return EAFNOSUPPORT;
  const sinp = nam;
  if (sinp.sin_family !== AF_INET) {
    // Old programs bind AF_UNSPEC to INADDR_ANY.
    if (sinp.sin_family !== AF_UNSPEC || sinp.sin_len < 8 || sinp.sin_addr !== INADDR_ANY) return EAFNOSUPPORT;
    sinp.sin_family = AF_INET;
  }
  if (sa_len_of(nam) !== 16) return EINVAL;
  // Not to a multicast address.
  if (IN_MULTICAST(sinp.sin_addr)) return EAFNOSUPPORT;
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return EINVAL;
  return in_pcbbind(inp, sinp, td !== null ? td.td_ucred : so.so_cred);
}

/** tcp6_usr_bind(so, nam, td): an IPv6 address, or v4-mapped. */
function tcp6_usr_bind(so: socket, nam: sockaddr, td: thread | null): number {
  if (SA_FAMILY(nam) !== AF_INET6) return EAFNOSUPPORT;
  if (sa_len_of(nam) !== 28) return EINVAL;
  const sin6 = nam as sockaddr_in6;
  if (IN6_IS_ADDR_MULTICAST(sin6.sin6_addr)) return EAFNOSUPPORT;
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return EINVAL;
  const cred = td !== null ? td.td_ucred : so.so_cred;
  const vflagsav = inp.inp_vflag;
  inp.inp_vflag &= ~INP_IPV4;
  inp.inp_vflag |= INP_IPV6;
  let error: number;
  if ((inp.inp_flags & IN6P_IPV6_V6ONLY) === 0) {
    if (IN6_IS_ADDR_UNSPECIFIED(sin6.sin6_addr)) inp.inp_vflag |= INP_IPV4;
    else if (IN6_IS_ADDR_V4MAPPED(sin6.sin6_addr)) {
      const sin = v4mapped_to_sin(sin6);
      if (IN_MULTICAST(sin.sin_addr)) {
        inp.inp_vflag = vflagsav;
        return EAFNOSUPPORT;
      }
      inp.inp_vflag |= INP_IPV4;
      inp.inp_vflag &= ~INP_IPV6;
      error = in_pcbbind(inp, sin, cred);
      if (error !== 0) inp.inp_vflag = vflagsav;
      return error;
    }
  }
  error = in6_pcbbind(inp, sin6, cred);
  if (error !== 0) inp.inp_vflag = vflagsav;
  return error;
}

/** in6_sin6_2_sin: the IPv4 address of a v4-mapped sockaddr_in6. */
function v4mapped_to_sin(sin6: sockaddr_in6): sockaddr_in {
  const b = sin6.sin6_addr.s6_addr;
  return new sockaddr_in(((b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15]) >>> 0, sin6.sin6_port);
}

/** tcp_usr_listen(so, backlog, td): bind if needed, LISTEN. */
function tcp_usr_listen(so: socket, backlog: number, td: thread | null): number {
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return EINVAL;
  const tp = intotcpcb(inp);
  let error = solisten_proto_check(so);
  if (error !== 0) return error;
  if (inp.inp_lport === 0) error = in_pcbbind(inp, null, td !== null ? td.td_ucred : so.so_cred);
  if (error === 0) {
    tcp_state_change(tp, TCPS_LISTEN);
    solisten_proto(so, backlog);
  } else solisten_proto_abort(so);
  return error;
}

/** tcp6_usr_listen: the same, binding to :: (and 0.0.0.0 unless V6ONLY). */
function tcp6_usr_listen(so: socket, backlog: number, td: thread | null): number {
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return EINVAL;
  const tp = intotcpcb(inp);
  let error = solisten_proto_check(so);
  if (error !== 0) return error;
  if (inp.inp_lport === 0) {
    inp.inp_vflag &= ~INP_IPV4;
    if ((inp.inp_flags & IN6P_IPV6_V6ONLY) === 0) inp.inp_vflag |= INP_IPV4;
    error = in6_pcbbind(inp, null, td !== null ? td.td_ucred : so.so_cred);
  }
  if (error === 0) {
    tcp_state_change(tp, TCPS_LISTEN);
    solisten_proto(so, backlog);
  } else solisten_proto_abort(so);
  return error;
}

// ---------------------------------------------------------------------------
// Connect.

/** sb_max (kern.ipc.maxsockbuf), for the window scale to ask for. */
function sb_max_value(so: socket): number {
  const r = kernel_sysctlbyname(so.so_cred, "kern.ipc.maxsockbuf");
  return r.error === 0 && typeof r.value === "number" ? r.value : 2 * 1024 * 1024;
}

/**
 * tcp_connect(tp, sin, td): bind and connect the PCB, pick the window
 * scale, the ISN (and timestamp offset), SYN_SENT.
 */
function tcp_connect(tp: tcpcb, sin: sockaddr_in, td: thread | null): number {
  const inp = tp.t_inpcb;
  const so = tptosocket(tp);
  if ((so.so_state & (SS_ISCONNECTING | SS_ISCONNECTED | SS_ISDISCONNECTING | SS_ISDISCONNECTED)) !== 0) return EISCONN;
  if ((so.so_options & SO_REUSEPORT_LB) !== 0) return EOPNOTSUPP;
  const error = in_pcbconnect(inp, sin, td !== null ? td.td_ucred : so.so_cred, true);
  if (error !== 0) return error;
  tcp_connect_common(tp, so);
  return 0;
}

/** tcp6_connect(tp, sin6, td). */
function tcp6_connect(tp: tcpcb, sin6: sockaddr_in6, td: thread | null): number {
  const inp = tp.t_inpcb;
  const so = tptosocket(tp);
  if ((so.so_state & (SS_ISCONNECTING | SS_ISCONNECTED | SS_ISDISCONNECTING | SS_ISDISCONNECTED)) !== 0) return EISCONN;
  if ((so.so_options & SO_REUSEPORT_LB) !== 0) return EOPNOTSUPP;
  const error = in6_pcbconnect(inp, sin6, td !== null ? td.td_ucred : so.so_cred, true);
  if (error !== 0) return error;
  tcp_connect_common(tp, so);
  return 0;
}

function tcp_connect_common(tp: tcpcb, so: socket): void {
  const inp = tp.t_inpcb;
  // Ask for the scale that lets the window reach the largest buffer.
  const sb_max = sb_max_value(so);
  while (tp.request_r_scale < TCP_MAX_WINSHIFT && TCP_MAXWIN << tp.request_r_scale < sb_max) tp.request_r_scale++;
  soisconnecting(so);
  TCPSTAT_INC(tcps_connattempt);
  tcp_state_change(tp, TCPS_SYN_SENT);
  tp.iss = tcp_new_isn(inp.inp_inc);
  if ((tp.t_flags & TF_REQ_TSTMP) !== 0) tp.ts_offset = tcp_new_ts_offset(inp.inp_inc);
  tcp_sendseqinit(tp);
}

/** tcp_usr_connect(so, nam, td): connect and send the SYN. */
function tcp_usr_connect(so: socket, nam: sockaddr, td: thread | null): number {
  if (SA_FAMILY(nam) !== AF_INET) return EAFNOSUPPORT;
  if (sa_len_of(nam) !== 16) return EINVAL;
  const sinp = nam as sockaddr_in;
  // No TCP "connections" to multicast or broadcast addresses.
  if (IN_MULTICAST(sinp.sin_addr) || sinp.sin_addr === INADDR_BROADCAST) return EAFNOSUPPORT;
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNREFUSED;
  if (SOLISTENING(so)) return EOPNOTSUPP;
  const tp = intotcpcb(inp);
  let error = tcp_connect(tp, sinp, td);
  if (error !== 0) return error;
  tcp_timer_activate(tp, TT_KEEP, TP_KEEPINIT(tp));
  error = tcp_output(tp);
  return error;
}

/** tcp6_usr_connect(so, nam, td): IPv6, or IPv4 through a v4-mapped address. */
function tcp6_usr_connect(so: socket, nam: sockaddr, td: thread | null): number {
  if (SA_FAMILY(nam) !== AF_INET6) return EAFNOSUPPORT;
  if (sa_len_of(nam) !== 28) return EINVAL;
  const sin6 = nam as sockaddr_in6;
  if (IN6_IS_ADDR_MULTICAST(sin6.sin6_addr)) return EAFNOSUPPORT;
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNREFUSED;
  if (SOLISTENING(so)) return EINVAL;
  const tp = intotcpcb(inp);
  const vflagsav = inp.inp_vflag;
  const incflagsav = inp.inp_inc.inc_flags;
  let error: number;
  if (IN6_IS_ADDR_V4MAPPED(sin6.sin6_addr)) {
    // The IPv4 peer of a dual-stack socket.
    if ((inp.inp_flags & IN6P_IPV6_V6ONLY) !== 0) return EINVAL;
    const sin = v4mapped_to_sin(sin6);
    if (IN_MULTICAST(sin.sin_addr) || sin.sin_addr === INADDR_BROADCAST) return EAFNOSUPPORT;
    inp.inp_vflag |= INP_IPV4;
    inp.inp_vflag &= ~INP_IPV6;
    inp.inp_inc.inc_flags &= ~INC_ISIPV6;
    error = tcp_connect(tp, sin, td);
  } else {
    inp.inp_vflag &= ~INP_IPV4;
    inp.inp_vflag |= INP_IPV6;
    inp.inp_inc.inc_flags |= INC_ISIPV6;
    error = tcp6_connect(tp, sin6, td);
  }
  if (error !== 0) {
    if (inp.inp_lport === 0) {
      inp.inp_vflag = vflagsav;
      inp.inp_inc.inc_flags = incflagsav;
    }
    return error;
  }
  tcp_timer_activate(tp, TT_KEEP, TP_KEEPINIT(tp));
  return tcp_output(tp);
}

// ---------------------------------------------------------------------------
// Accept, addresses.

/** tcp_usr_accept(so, nam): the peer of a connection taken off the queue. */
function tcp_usr_accept(so: socket, nam: sockaddr_out): number {
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNABORTED;
  if ((so.so_state & SS_ISDISCONNECTED) !== 0) return ECONNABORTED;
  nam.sa = new sockaddr_in(inp.inp_faddr, inp.inp_fport);
  return 0;
}

/** tcp6_usr_accept: the peer as a sockaddr_in6 (v4-mapped for IPv4). */
function tcp6_usr_accept(so: socket, nam: sockaddr_out): number {
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNABORTED;
  if ((so.so_state & SS_ISDISCONNECTED) !== 0) return ECONNABORTED;
  const r = in6_mapped_peeraddr(so);
  nam.sa = r;
  return 0;
}

// ---------------------------------------------------------------------------
// Disconnecting.

/**
 * tcp_usrclosed(tp): the user will send no more: the state moves toward
 * the FIN (or the connection just closes if it never got going).
 */
export function tcp_usrclosed(tp: tcpcb): tcpcb | null {
  switch (tp.t_state) {
    case TCPS_LISTEN:
    case TCPS_CLOSED: {
      if (tp.t_state === TCPS_LISTEN) tcp_state_change(tp, TCPS_CLOSED);
      const r = tcp_close(tp);
      // The socket is still open: tcp_close keeps the tcpcb.
      KASSERT(r !== null, "tcp_usrclosed: tcp_close() returned NULL");
      return r;
    }
    case TCPS_SYN_SENT:
    case TCPS_SYN_RECEIVED:
      tp.t_flags |= TF_NEEDFIN;
      break;
    case TCPS_ESTABLISHED:
      tcp_state_change(tp, TCPS_FIN_WAIT_1);
      break;
    case TCPS_CLOSE_WAIT:
      tcp_state_change(tp, TCPS_LAST_ACK);
      break;
  }
  if (tp.t_acktime === 0) tp.t_acktime = ticks;
  if (tp.t_state >= TCPS_FIN_WAIT_2) {
    tcp_free_sackholes(tp);
    soisdisconnected(tptosocket(tp));
    // Do not hang in FIN_WAIT_2 forever.
    if (tp.t_state === TCPS_FIN_WAIT_2) {
      const timeout = tcp_fast_finwait2_recycle.v !== 0 ? tcp_finwait2_timeout.v : TP_MAXIDLE(tp);
      tcp_timer_activate(tp, TT_2MSL, timeout);
    }
  }
  return tp;
}

/**
 * tcp_disconnect(tp): close(2) or disconnect: a connection not yet
 * established just closes; SO_LINGER with a zero time drops it (RST);
 * otherwise the FIN handshake starts.
 */
function tcp_disconnect(tp: tcpcb): void {
  const inp = tp.t_inpcb;
  const so = tptosocket(tp);
  if (tp.t_state < TCPS_ESTABLISHED) {
    const r = tcp_close(tp);
    KASSERT(r !== null, "tcp_disconnect: tcp_close() returned NULL");
  } else if ((so.so_options & SO_LINGER) !== 0 && so.so_linger === 0) {
    const r = tcp_drop(tp, 0);
    KASSERT(r !== null, "tcp_disconnect: tcp_drop() returned NULL");
  } else {
    soisdisconnecting(so);
    sbflush(so.so_rcv);
    tcp_usrclosed(tp);
    if ((inp.inp_flags & INP_DROPPED) === 0) void tcp_output(tp);
  }
}

/** tcp_usr_disconnect(so). */
function tcp_usr_disconnect(so: socket): number {
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNRESET;
  const tp = intotcpcb(inp);
  if (tp.t_state === TCPS_TIME_WAIT) return 0;
  tcp_disconnect(tp);
  return 0;
}

/** tcp_usr_shutdown(so): no more sending: the FIN. */
function tcp_usr_shutdown(so: socket): number {
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNRESET;
  const tp = intotcpcb(inp);
  socantsendmore(so);
  tcp_usrclosed(tp);
  let error = 0;
  if ((inp.inp_flags & INP_DROPPED) === 0) error = tcp_output(tp);
  return error;
}

/** tcp_usr_rcvd(so, flags): the user read: maybe a window update. */
function tcp_usr_rcvd(so: socket, _flags: number): number {
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNRESET;
  const tp = intotcpcb(inp);
  void tcp_output(tp);
  return 0;
}

/**
 * tcp_usr_send(so, flags, m, nam, control, td): append to the send buffer
 * (urgent data with PRUS_OOB), connecting first when given an address
 * (sendto on an unconnected socket), closing the send side after it with
 * PRUS_EOF, then tcp_output.
 */
function tcp_usr_send(so: socket, flags: number, m0: mbuf, nam: sockaddr | null, control: mbuf | null, td: thread | null): number {
  let m: mbuf | null = m0;
  const inp = sotoinpcb(so);
  const tp = intotcpcb(inp);
  const vflagsav = inp.inp_vflag;
  const incflagsav = inp.inp_inc.inc_flags;
  let restoreflags = false;
  let isipv6 = false;
  let error = 0;
  out: {
    if ((inp.inp_flags & INP_DROPPED) !== 0) {
      if (m !== null && (flags & PRUS_NOTREADY) === 0) m_freem(m);
      m = null;
      error = ECONNRESET;
      break out;
    }
    if (control !== null) {
      // TCP carries no control messages.
      const bad = control.m_len > 0;
      m_freem(control);
      if (bad) {
        error = EINVAL;
        break out;
      }
    }
    if (nam !== null && tp.t_state < TCPS_SYN_SENT) {
      if (tp.t_state === TCPS_LISTEN) {
        error = EINVAL;
        break out;
      }
      if (SA_FAMILY(nam) === AF_INET) {
        const sinp = nam as sockaddr_in;
        if (sa_len_of(nam) !== 16) {
          error = EINVAL;
          break out;
        }
        if ((inp.inp_vflag & INP_IPV6) !== 0) {
          error = EAFNOSUPPORT;
          break out;
        }
        if (IN_MULTICAST(sinp.sin_addr)) {
          error = EAFNOSUPPORT;
          break out;
        }
        if (sinp.sin_addr === INADDR_BROADCAST) {
          error = EACCES;
          break out;
        }
        isipv6 = false;
      } else if (SA_FAMILY(nam) === AF_INET6) {
        const sin6 = nam as sockaddr_in6;
        if (sa_len_of(nam) !== 28) {
          error = EINVAL;
          break out;
        }
        if ((inp.inp_vflag & INP_IPV6PROTO) === 0) {
          error = EAFNOSUPPORT;
          break out;
        }
        if (IN6_IS_ADDR_MULTICAST(sin6.sin6_addr)) {
          error = EAFNOSUPPORT;
          break out;
        }
        if (IN6_IS_ADDR_V4MAPPED(sin6.sin6_addr)) {
          if ((inp.inp_flags & IN6P_IPV6_V6ONLY) !== 0) {
            error = EINVAL;
            break out;
          }
          const sin = v4mapped_to_sin(sin6);
          if (IN_MULTICAST(sin.sin_addr)) {
            error = EAFNOSUPPORT;
            break out;
          }
          if (sin.sin_addr === INADDR_BROADCAST) {
            error = EACCES;
            break out;
          }
          restoreflags = true;
          inp.inp_vflag &= ~INP_IPV6;
          inp.inp_inc.inc_flags &= ~INC_ISIPV6;
          nam = sin;
          isipv6 = false;
        } else {
          restoreflags = true;
          inp.inp_vflag &= ~INP_IPV4;
          inp.inp_inc.inc_flags |= INC_ISIPV6;
          isipv6 = true;
        }
      } else {
        error = EAFNOSUPPORT;
        break out;
      }
    }
    if ((flags & PRUS_OOB) === 0) {
      if (tp.t_acktime === 0) tp.t_acktime = ticks;
      sbappendstream_locked(so.so_snd, m as mbuf, flags);
      m = null;
      if (nam !== null && tp.t_state < TCPS_SYN_SENT) {
        KASSERT(tp.t_state === TCPS_CLOSED, "tcp_usr_send: tp is listening");
        // The implied connect: default window, MSS from the host cache.
        error = isipv6 ? tcp6_connect(tp, nam as sockaddr_in6, td) : tcp_connect(tp, nam as sockaddr_in, td);
        if (error === 0 || inp.inp_lport !== 0) restoreflags = false;
        if (error !== 0) {
          sbflush(so.so_snd);
          break out;
        }
        tp.snd_wnd = TTCP_CLIENT_SND_WND;
        tcp_mss(tp, -1);
      }
      if ((flags & PRUS_EOF) !== 0) {
        // Close the sending side after the data.
        socantsendmore(so);
        tcp_usrclosed(tp);
      }
      if (TCPS_HAVEESTABLISHED(tp.t_state) && (tp.t_flags2 & TF2_FBYTES_COMPLETE) === 0 && tp.t_fbyte_out === 0 && so.so_snd.sb_ccc > 0) {
        tp.t_fbyte_out = ticks === 0 ? 1 : ticks;
        if (tp.t_fbyte_out !== 0 && tp.t_fbyte_in !== 0) tp.t_flags2 |= TF2_FBYTES_COMPLETE;
      }
      if ((inp.inp_flags & INP_DROPPED) === 0 && (flags & PRUS_NOTREADY) === 0) {
        if ((flags & PRUS_MORETOCOME) !== 0) tp.t_flags |= TF_MORETOCOME;
        error = tcp_output(tp);
        if ((flags & PRUS_MORETOCOME) !== 0) tp.t_flags &= ~TF_MORETOCOME;
      }
    } else {
      if (sbspace(so.so_snd) < -512) {
        error = ENOBUFS;
        break out;
      }
      // The urgent pointer marks the first byte after the urgent data
      // (the BSD reading of RFC 793).
      if (tp.t_acktime === 0) tp.t_acktime = ticks;
      sbappendstream_locked(so.so_snd, m as mbuf, flags);
      m = null;
      if (nam !== null && tp.t_state < TCPS_SYN_SENT) {
        error = isipv6 ? tcp6_connect(tp, nam as sockaddr_in6, td) : tcp_connect(tp, nam as sockaddr_in, td);
        if (error === 0 || inp.inp_lport !== 0) restoreflags = false;
        if (error !== 0) {
          sbflush(so.so_snd);
          break out;
        }
        tp.snd_wnd = TTCP_CLIENT_SND_WND;
        tcp_mss(tp, -1);
      }
      tp.snd_up = (tp.snd_una + sbavail(so.so_snd)) | 0;
      if ((flags & PRUS_NOTREADY) === 0) {
        tp.t_flags |= TF_FORCEDATA;
        error = tcp_output(tp);
        tp.t_flags &= ~TF_FORCEDATA;
      }
    }
  }
  if (m !== null && (flags & PRUS_NOTREADY) === 0) m_freem(m);
  if (error !== 0 && restoreflags) {
    inp.inp_vflag = vflagsav;
    inp.inp_inc.inc_flags = incflagsav;
  }
  return error;
}

/** tcp_usr_rcvoob(so, m, flags): the urgent byte, once. */
function tcp_usr_rcvoob(so: socket, m: mbuf, flags: number): number {
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNRESET;
  const tp = intotcpcb(inp);
  const oobmark = (so as unknown as { so_oobmark?: number }).so_oobmark ?? 0;
  if ((oobmark === 0 && (so.so_rcv.sb_state & SBS_RCVATMARK) === 0) || (so.so_options & SO_OOBINLINE) !== 0 || (tp.t_oobflags & TCPOOB_HADDATA) !== 0) return EINVAL;
  if ((tp.t_oobflags & TCPOOB_HAVEDATA) === 0) return EWOULDBLOCK;
  m.m_len = 1;
  m.m_buf[m.m_data] = tp.t_iobc;
  if ((flags & MSG_PEEK) === 0) tp.t_oobflags ^= TCPOOB_HAVEDATA | TCPOOB_HADDATA;
  return 0;
}

/** tcp_usr_abort(so): the listen queue drops an embryonic connection. */
function tcp_usr_abort(so: socket): void {
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) === 0) {
    const tp = tcp_drop(intotcpcb(inp), ECONNABORTED);
    if (tp === null) return;
  }
  if ((inp.inp_flags & INP_DROPPED) === 0) {
    soref(so);
    inp.inp_flags |= INP_SOCKREF;
  }
}

/**
 * tcp_usr_close(so): close(2): start the disconnect; while the connection
 * lives on (FIN_WAIT, LAST_ACK, TIME_WAIT) TCP holds the socket.
 */
function tcp_usr_close(so: socket): void {
  const inp = sotoinpcb(so);
  if ((inp.inp_flags & INP_DROPPED) === 0) {
    const tp = intotcpcb(inp);
    if (tp.t_state !== TCPS_TIME_WAIT) {
      tp.t_flags |= TF_CLOSED;
      tcp_disconnect(tp);
    }
  }
  if ((inp.inp_flags & INP_DROPPED) === 0) {
    soref(so);
    inp.inp_flags |= INP_SOCKREF;
  }
}

// ---------------------------------------------------------------------------
// Socket options.

/** tcp_fill_info(tp, ti). */
export function tcp_fill_info(tp: tcpcb, ti: tcp_info): void {
  const tick = Math.floor(1000000 / hz);
  for (const k of Object.keys(ti) as (keyof tcp_info)[]) ti[k] = 0;
  ti.tcpi_state = tp.t_state;
  if ((tp.t_flags & TF_REQ_TSTMP) !== 0 && (tp.t_flags & TF_RCVD_TSTMP) !== 0) ti.tcpi_options |= TCPI_OPT_TIMESTAMPS;
  if ((tp.t_flags & TF_SACK_PERMIT) !== 0) ti.tcpi_options |= TCPI_OPT_SACK;
  if ((tp.t_flags & TF_REQ_SCALE) !== 0 && (tp.t_flags & TF_RCVD_SCALE) !== 0) {
    ti.tcpi_options |= TCPI_OPT_WSCALE;
    ti.tcpi_snd_wscale = tp.snd_scale;
    ti.tcpi_rcv_wscale = tp.rcv_scale;
  }
  ti.tcpi_rto = tp.t_rxtcur * tick;
  ti.tcpi_last_data_recv = (((ticks - tp.t_rcvtime) >>> 0) * tick) >>> 0;
  ti.tcpi_rtt = Math.floor((tp.t_srtt * tick) / (1 << TCP_RTT_SHIFT));
  ti.tcpi_rttvar = Math.floor((tp.t_rttvar * tick) / (1 << TCP_RTTVAR_SHIFT));
  ti.tcpi_snd_ssthresh = tp.snd_ssthresh;
  ti.tcpi_snd_cwnd = tp.snd_cwnd;
  ti.tcpi_rcv_space = tp.rcv_wnd;
  ti.tcpi_rcv_nxt = tp.rcv_nxt >>> 0;
  ti.tcpi_snd_wnd = tp.snd_wnd;
  ti.tcpi_snd_bwnd = 0;
  ti.tcpi_snd_nxt = tp.snd_nxt >>> 0;
  ti.tcpi_snd_mss = tp.t_maxseg;
  ti.tcpi_rcv_mss = tp.t_maxseg;
  ti.tcpi_snd_rexmitpack = tp.t_sndrexmitpack;
  ti.tcpi_rcv_ooopack = tp.t_rcvoopack;
  ti.tcpi_snd_zerowin = tp.t_sndzerowin;
  ti.tcpi_total_tlp = tp.t_sndtlppack;
  ti.tcpi_total_tlp_bytes = tp.t_sndtlpbyte;
  ti.tcpi_snd_una = tp.snd_una >>> 0;
  ti.tcpi_snd_max = tp.snd_max >>> 0;
  ti.tcpi_rcv_numsacks = tp.rcv_numsacks;
  ti.tcpi_rcv_adv = tp.rcv_adv;
  ti.tcpi_dupacks = tp.t_dupacks;
}

/** struct tcp_info as the bytes getsockopt(TCP_INFO) copies out. */
export function tcp_info_bytes(ti: tcp_info): Uint8Array {
  const b = new Uint8Array(TCP_INFO_LEN);
  const dv = new DataView(b.buffer);
  b[TCPI_STATE] = ti.tcpi_state;
  b[TCPI_OPTIONS] = ti.tcpi_options;
  b[TCPI_WSCALE] = (ti.tcpi_snd_wscale & 0x0f) | ((ti.tcpi_rcv_wscale & 0x0f) << 4);
  // Native (little-endian) words, as the C structure is in memory.
  const w = (o: number, v: number): void => dv.setUint32(o, v >>> 0, true);
  w(TCPI_RTO, ti.tcpi_rto);
  w(TCPI_SND_MSS, ti.tcpi_snd_mss);
  w(TCPI_RCV_MSS, ti.tcpi_rcv_mss);
  w(TCPI_LAST_DATA_RECV, ti.tcpi_last_data_recv);
  w(TCPI_RTT, ti.tcpi_rtt);
  w(TCPI_RTTVAR, ti.tcpi_rttvar);
  w(TCPI_SND_SSTHRESH, ti.tcpi_snd_ssthresh);
  w(TCPI_SND_CWND, ti.tcpi_snd_cwnd);
  w(TCPI_RCV_SPACE, ti.tcpi_rcv_space);
  w(TCPI_SND_WND, ti.tcpi_snd_wnd);
  w(TCPI_SND_NXT, ti.tcpi_snd_nxt);
  w(TCPI_RCV_NXT, ti.tcpi_rcv_nxt);
  w(TCPI_SND_REXMITPACK, ti.tcpi_snd_rexmitpack);
  w(TCPI_RCV_OOOPACK, ti.tcpi_rcv_ooopack);
  w(TCPI_SND_ZEROWIN, ti.tcpi_snd_zerowin);
  w(TCPI_TOTAL_TLP, ti.tcpi_total_tlp);
  dv.setBigUint64(TCPI_TOTAL_TLP + 4, BigInt(ti.tcpi_total_tlp_bytes), true);
  w(TCPI_SND_UNA, ti.tcpi_snd_una);
  w(TCPI_SND_MAX, ti.tcpi_snd_max);
  w(TCPI_RCV_NUMSACKS, ti.tcpi_rcv_numsacks);
  w(TCPI_RCV_ADV, ti.tcpi_rcv_adv);
  w(TCPI_DUPACKS, ti.tcpi_dupacks);
  return b;
}

/**
 * tcp_set_cc_mod(inp, sopt): TCP_CONGESTION: move the connection to the
 * named algorithm (ESRCH if there is none), with fresh state; an
 * established connection runs the new algorithm's conn_init.
 */
function tcp_set_cc_mod(inp: inpcb, sopt: sockopt): number {
  const r = sooptcopyin_bytes(sopt, TCP_CA_NAME_MAX - 1, 1);
  if (r.error !== 0) return r.error;
  let name = "";
  for (let i = 0; i < r.val.length && r.val[i] !== 0; i++) name += String.fromCharCode(r.val[i]);
  const algo = cc_find(name);
  if (algo === null) return ESRCH;
  if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNRESET;
  const tp = intotcpcb(inp);
  const cc_mem = new cc_var(tp);
  const error = algo.cb_init !== undefined ? algo.cb_init(cc_mem, null) : 0;
  if (error === 0) {
    const old = CC_ALGO(tp);
    if (old.cb_destroy !== undefined) old.cb_destroy(tp.t_ccv);
    cc_detach(tp);
    const ccv = tp.t_ccv;
    ccv.cc_data = cc_mem.cc_data;
    ccv.bytes_this_ack = 0;
    ccv.curack = 0;
    ccv.flags = 0;
    ccv.nsegs = 0;
    ccv.labc = 0;
    cc_attach(tp, algo);
    if (TCPS_HAVEESTABLISHED(tp.t_state) && algo.conn_init !== undefined) algo.conn_init(tp.t_ccv);
  }
  return error;
}

const info_scratch = new tcp_info();

/**
 * tcp_ctloutput(so, sopt): IPPROTO_TCP options here; other levels go to
 * IP (or IPv6).
 */
export function tcp_ctloutput(so: socket, sopt: sockopt): number {
  const inp = sotoinpcb(so);
  if (sopt.sopt_level !== IPPROTO_TCP) {
    if ((inp.inp_vflag & INP_IPV6PROTO) !== 0) return ip6_ctloutput(so, sopt);
    return ip_ctloutput(so, sopt);
  }
  if ((inp.inp_flags & INP_DROPPED) !== 0) return ECONNRESET;
  const tp = intotcpcb(inp);
  if (sopt.sopt_dir === SOPT_SET) return tcp_ctloutput_set(inp, tp, sopt);
  KASSERT(sopt.sopt_dir === SOPT_GET, "tcp_ctloutput: bad direction");
  return tcp_ctloutput_get(tp, sopt);
}

function tcp_ctloutput_set(inp: inpcb, tp: tcpcb, sopt: sockopt): number {
  switch (sopt.sopt_name) {
    case TCP_NODELAY:
    case TCP_NOOPT: {
      const r = sooptcopyin_int(sopt);
      if (r.error !== 0) return r.error;
      const opt = sopt.sopt_name === TCP_NODELAY ? TF_NODELAY : TF_NOOPT;
      if (r.val !== 0) tp.t_flags |= opt;
      else tp.t_flags &= ~opt;
      return 0;
    }
    case TCP_NOPUSH: {
      const r = sooptcopyin_int(sopt);
      if (r.error !== 0) return r.error;
      if (r.val !== 0) tp.t_flags |= TF_NOPUSH;
      else if ((tp.t_flags & TF_NOPUSH) !== 0) {
        tp.t_flags &= ~TF_NOPUSH;
        if (TCPS_HAVEESTABLISHED(tp.t_state)) return tcp_output(tp);
      }
      return 0;
    }
    case TCP_REMOTE_UDP_ENCAPS_PORT: {
      // UDP encapsulation needs net.inet.tcp.udp_tunneling_port, which is
      // always 0 here.
      const r = sooptcopyin_int(sopt);
      if (r.error !== 0) return r.error;
      return r.val === 0 ? 0 : EINVAL;
    }
    case TCP_MAXSEG: {
      const r = sooptcopyin_int(sopt);
      if (r.error !== 0) return r.error;
      const optval = r.val;
      if (optval > 0 && optval <= tp.t_maxseg && optval + 40 >= V_tcp_minmss()) {
        tp.t_maxseg = optval;
        // So small an MSS invites SACK abuse: ignore incoming SACKs.
        if (tp.t_maxseg < V_tcp_mssdflt()) tp.t_flags2 |= TF2_PROC_SACK_PROHIBIT;
        else tp.t_flags2 &= ~TF2_PROC_SACK_PROHIBIT;
        return 0;
      }
      return EINVAL;
    }
    case TCP_INFO:
      return EINVAL;
    case TCP_CONGESTION:
      return tcp_set_cc_mod(inp, sopt);
    case TCP_KEEPIDLE:
    case TCP_KEEPINTVL:
    case TCP_KEEPINIT: {
      const r = sooptcopyin_int(sopt);
      if (r.error !== 0) return r.error;
      let ui = r.val >>> 0;
      if (ui > Math.floor(0xffffffff / hz)) return EINVAL;
      ui *= hz;
      switch (sopt.sopt_name) {
        case TCP_KEEPIDLE:
          tp.t_keepidle = ui;
          if (tp.t_state > TCPS_LISTEN && tp.t_state <= 7 /* TCPS_CLOSING */) tcp_timer_activate(tp, TT_KEEP, TP_KEEPIDLE(tp));
          break;
        case TCP_KEEPINTVL:
          tp.t_keepintvl = ui;
          if (tp.t_state === TCPS_FIN_WAIT_2 && TP_MAXIDLE(tp) > 0) tcp_timer_activate(tp, TT_2MSL, TP_MAXIDLE(tp));
          break;
        case TCP_KEEPINIT:
          tp.t_keepinit = ui;
          if (tp.t_state === TCPS_SYN_RECEIVED || tp.t_state === TCPS_SYN_SENT) tcp_timer_activate(tp, TT_KEEP, TP_KEEPINIT(tp));
          break;
      }
      return 0;
    }
    case TCP_KEEPCNT: {
      const r = sooptcopyin_int(sopt);
      if (r.error !== 0) return r.error;
      tp.t_keepcnt = r.val >>> 0;
      if (tp.t_state === TCPS_FIN_WAIT_2 && TP_MAXIDLE(tp) > 0) tcp_timer_activate(tp, TT_2MSL, TP_MAXIDLE(tp));
      return 0;
    }
    case TCP_MAXUNACKTIME: {
      const r = sooptcopyin_int(sopt);
      if (r.error !== 0) return r.error;
      const ui = r.val >>> 0;
      if (ui > Math.floor(0xffffffff / hz)) return EINVAL;
      tp.t_maxunacktime = ui * hz;
      return 0;
    }
    case TCP_FUNCTION_BLK: {
      // struct tcp_function_set: the name, then a pcbcnt word.
      const r = sooptcopyin_bytes(sopt, TCP_FUNCTION_NAME_LEN_MAX + 4, TCP_FUNCTION_NAME_LEN_MAX + 4);
      if (r.error !== 0) return r.error;
      let name = "";
      for (let i = 0; i < TCP_FUNCTION_NAME_LEN_MAX && r.val[i] !== 0; i++) name += String.fromCharCode(r.val[i]);
      return name === "freebsd" || name === "default" ? 0 : ENOENT_FB;
    }
    default:
      return ENOPROTOOPT;
  }
}
/** find_and_ref_tcp_functions fails: ENOENT. */
const ENOENT_FB = 2;

function tcp_ctloutput_get(tp: tcpcb, sopt: sockopt): number {
  switch (sopt.sopt_name) {
    case TCP_NODELAY:
      return sooptcopyout_int(sopt, tp.t_flags & TF_NODELAY);
    case TCP_MAXSEG:
      return sooptcopyout_int(sopt, tp.t_maxseg);
    case TCP_REMOTE_UDP_ENCAPS_PORT:
      return sooptcopyout_int(sopt, tp.t_port);
    case TCP_NOOPT:
      return sooptcopyout_int(sopt, tp.t_flags & TF_NOOPT);
    case TCP_NOPUSH:
      return sooptcopyout_int(sopt, tp.t_flags & TF_NOPUSH);
    case TCP_INFO:
      tcp_fill_info(tp, info_scratch);
      return sooptcopyout_bytes(sopt, tcp_info_bytes(info_scratch));
    case TCP_CONGESTION: {
      const buf = new Uint8Array(TCP_CA_NAME_MAX);
      const name = CC_ALGO(tp).name;
      for (let i = 0; i < name.length && i < TCP_CA_NAME_MAX - 1; i++) buf[i] = name.charCodeAt(i);
      return sooptcopyout_bytes(sopt, buf);
    }
    case TCP_KEEPIDLE:
      return sooptcopyout_int(sopt, Math.floor(TP_KEEPIDLE(tp) / hz));
    case TCP_KEEPINTVL:
      return sooptcopyout_int(sopt, Math.floor(TP_KEEPINTVL(tp) / hz));
    case TCP_KEEPINIT:
      return sooptcopyout_int(sopt, Math.floor(TP_KEEPINIT(tp) / hz));
    case TCP_KEEPCNT:
      return sooptcopyout_int(sopt, TP_KEEPCNT(tp));
    case TCP_MAXUNACKTIME:
      return sooptcopyout_int(sopt, Math.floor(tp.t_maxunacktime / hz));
    case TCP_FUNCTION_BLK: {
      const buf = new Uint8Array(TCP_FUNCTION_NAME_LEN_MAX + 4);
      const name = "freebsd";
      for (let i = 0; i < name.length; i++) buf[i] = name.charCodeAt(i);
      return sooptcopyout_bytes(sopt, buf);
    }
    case TCP_FUNCTION_ALIAS:
    case TCP_FASTOPEN:
    default:
      return ENOPROTOOPT;
  }
}

// ---------------------------------------------------------------------------
// The protocol switch entries.

export const tcp_protosw: protosw = {
  pr_type: SOCK_STREAM,
  pr_domain: inetdomain,
  pr_protocol: IPPROTO_TCP,
  pr_flags: PR_CONNREQUIRED | PR_IMPLOPCL | PR_WANTRCVD | PR_CAPATTACH,
  pr_ctloutput: tcp_ctloutput,
  pr_abort: tcp_usr_abort,
  pr_accept: tcp_usr_accept,
  pr_attach: tcp_usr_attach,
  pr_bind: tcp_usr_bind,
  pr_connect: tcp_usr_connect,
  pr_detach: tcp_usr_detach,
  pr_disconnect: tcp_usr_disconnect,
  pr_listen: tcp_usr_listen,
  pr_peeraddr: in_getpeeraddr,
  pr_rcvd: tcp_usr_rcvd,
  pr_rcvoob: tcp_usr_rcvoob,
  pr_send: tcp_usr_send,
  pr_shutdown: tcp_usr_shutdown,
  pr_sockaddr: in_getsockaddr,
  pr_close: tcp_usr_close,
};

/** The inet6 domain object is netinet6's; in6_proto.ts hands it over. */
let tcp6_domain: protosw["pr_domain"] = { dom_family: AF_INET6, dom_name: "internet6" };
export function tcp6_domain_set(d: protosw["pr_domain"]): void {
  tcp6_domain = d;
}

export const tcp6_protosw: protosw = {
  pr_type: SOCK_STREAM,
  get pr_domain() {
    return tcp6_domain;
  },
  pr_protocol: IPPROTO_TCP,
  pr_flags: PR_CONNREQUIRED | PR_IMPLOPCL | PR_WANTRCVD | PR_CAPATTACH,
  pr_ctloutput: tcp_ctloutput,
  pr_abort: tcp_usr_abort,
  pr_accept: tcp6_usr_accept,
  pr_attach: tcp_usr_attach,
  pr_bind: tcp6_usr_bind,
  pr_connect: tcp6_usr_connect,
  pr_detach: tcp_usr_detach,
  pr_disconnect: tcp_usr_disconnect,
  pr_listen: tcp6_usr_listen,
  pr_peeraddr: in6_mapped_peeraddr,
  pr_rcvd: tcp_usr_rcvd,
  pr_rcvoob: tcp_usr_rcvoob,
  pr_send: tcp_usr_send,
  pr_shutdown: tcp_usr_shutdown,
  pr_sockaddr: in6_mapped_sockaddr,
  pr_close: tcp_usr_close,
};
