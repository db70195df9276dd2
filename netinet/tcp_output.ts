// sys/netinet/tcp_output.c: TCP output.  tcp_output works out what the
// connection may send now (the send window, the congestion window, SACK
// retransmissions, a window update, a FIN, a persist probe) and sends it
// as one or more segments: each is one mbuf holding the IP (or IPv6) and
// TCP headers, built in place, with the payload copied (small) or
// referenced (clusters, m_copym-style) from the send buffer.  Options are
// laid out by tcp_addoptions in FreeBSD's order and padding.  Also here:
// the persist timer's arming (tcp_setpersist) and send buffer autosizing.
//
// Departures: no TSO (the interfaces offer none, so TF_TSO is never set),
// no TCP-MD5, no TCP Fast Open, no UDP tunneling, no hhook/stats/BBlog.

import { EACCES, EHOSTDOWN, EHOSTUNREACH, EMSGSIZE, ENETDOWN, ENETUNREACH, ENOBUFS, EPERM } from "../kern/errno.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { CSUM_TCP, M_EXT, M_PKTHDR, MCLBYTES, MHLEN, MT_DATA, type mbuf } from "../kern/mbuf.ts";
import { m_free, m_freem, m_get, m_getcl, m_gethdr, mb_dupcl } from "../kern/kern_mbuf.ts";
import { m_copydata, max_linkhdr } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { ticks } from "../kern/kern_timeout.ts";
import { SO_DONTROUTE } from "../kern/socket.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, OID_AUTO, SYSCTL_INT } from "../kern/sysctl.ts";
import { SB_AUTOSIZE, SO_SND, sbavail, sbreserve_locked, sbsndptr_adv, sbsndptr_noadv, sbspace, sbused, type sockbuf, type socket } from "../kern/uipc_socket.ts";
import { VNET_I32 } from "../net/vnet.ts";
import type { intp } from "../netinet6/ip6_var.ts";
import { CSUM_TCP_IPV6 } from "../netinet6/ip6_var.ts";
import { in6_cksum_pseudo } from "../netinet6/in6_cksum.ts";
import { in6_selecthlim } from "../netinet6/in6_src.ts";
import { ip6_output } from "../netinet6/ip6_output.ts";
import { IP6_HDR_LEN, IP6_OFF_HLIM, IP6_OFF_PLEN } from "./ip6.ts";
import { IPPROTO_TCP } from "./in.ts";
import { in_pseudo } from "./in_cksum.ts";
import { INP_IPV6, INP_IPV6PROTO } from "./in_pcb.ts";
import { IPH_DST, IPH_LEN, IPH_OFF, IPH_SRC, IPH_TTL, IP_DF, IP_HDRLEN, IP_MAXPACKET } from "./ip.ts";
import { IP_ROUTETOIF } from "./ip_var.ts";
import { ip_output } from "./ip_output.ts";
import {
  TCPH_ACK,
  TCPH_SEQ,
  TCPH_SUM,
  TCPH_URP,
  TCPH_WIN,
  TCPOLEN_EOL,
  TCPOLEN_MAXSEG,
  TCPOLEN_NOP,
  TCPOLEN_PAD,
  TCPOLEN_SACK,
  TCPOLEN_SACKHDR,
  TCPOLEN_SACK_PERMITTED,
  TCPOLEN_TIMESTAMP,
  TCPOLEN_WINDOW,
  TCPOPT_EOL,
  TCPOPT_MAXSEG,
  TCPOPT_NOP,
  TCPOPT_PAD,
  TCPOPT_SACK,
  TCPOPT_SACK_PERMITTED,
  TCPOPT_TIMESTAMP,
  TCPOPT_WINDOW,
  TCP_HDRLEN,
  TCP_MAXOLEN,
  TCP_MAXWIN,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
  TH_URG,
  hdrptr,
  tcp_set_flags,
  th_set_off,
} from "./tcp.ts";
import { TCPS_HAVEESTABLISHED, TCPS_HAVERCVDFIN, TCPS_HAVERCVDSYN, TCPS_SYN_RECEIVED, tcp_outflags } from "./tcp_fsm.ts";
import { SEQ_GEQ, SEQ_GT, SEQ_LT, tcp_ts_getticks } from "./tcp_seq.ts";
import {
  IN_FASTRECOVERY,
  IN_RECOVERY,
  TCPSTAT_ADD,
  TCPSTAT_INC,
  TF2_PLPMTU_MAXSEGSNT,
  TF2_PLPMTU_PMTUD,
  TF_ACKNOW,
  TF_DELACK,
  TF_FORCEDATA,
  TF_LASTIDLE,
  TF_MORETOCOME,
  TF_NEEDFIN,
  TF_NEEDSYN,
  TF_NODELAY,
  TF_NOOPT,
  TF_NOPUSH,
  TF_PREVVALID,
  TF_RCVD_TSTMP,
  TF_REQ_SCALE,
  TF_REQ_TSTMP,
  TF_RXWIN0SENT,
  TF_SACK_PERMIT,
  TF_SENTFIN,
  TOF_MAXOPT,
  TOF_MSS,
  TOF_SACK,
  TOF_SACKPERM,
  TOF_SCALE,
  TOF_TS,
  TT_DELACK,
  TT_PERSIST,
  TT_REXMT,
  _net_inet_tcp,
  path_mtu_discovery,
  tcp_autosndbuf_inc,
  tcp_autosndbuf_max,
  tcp_do_autosndbuf,
  tcp_do_tso,
  tcp_sendbuf_auto_lowat,
  tcp_sendspace,
  tcpopt,
  tcps_sack_rexmit_bytes,
  tcps_sack_rexmits,
  tcps_sack_send_blocks,
  tcps_segstimed,
  tcps_sndacks,
  tcps_sndbyte,
  tcps_sndctrl,
  tcps_sndpack,
  tcps_sndprobe,
  tcps_sndrexmitbyte,
  tcps_sndrexmitpack,
  tcps_sndtotal,
  tcps_sndurg,
  tcps_sndwinup,
  tptoinpcb,
  tptosocket,
  V_tcp_minmss,
  type sackhole,
  type tcpcb,
} from "./tcp_var.ts";
import { TCPT_RANGESET, TCP_MAXRXTSHIFT, tcp_backoff, tcp_persmax, tcp_persmin, tcp_timer_active, tcp_timer_activate } from "./tcp_timer.ts";
import { tcp_mss_update, tcp_mssopt } from "./tcp_input.ts";
import { tcp_clean_dsack_blocks, tcp_sack_adjust, tcp_sack_output } from "./tcp_sack.ts";
import { tcp_maxmtu, tcp_maxmtu6, tcp_maxseg, tcpip_fillheaders } from "./tcp_subr.ts";

// net.inet.tcp.* defined in tcp_output.c.
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "path_mtu_discovery", CTLFLAG_VNET | CTLFLAG_RW, path_mtu_discovery, 1, "Enable Path MTU Discovery");
SYSCTL_INT(_net_inet_tcp, 8 /* TCPCTL_SENDSPACE */, "sendspace", CTLFLAG_VNET | CTLFLAG_RW, tcp_sendspace, 0, "Initial send socket buffer size");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "tso", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_tso, 0, "Enable TCP Segmentation Offload");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "sendbuf_auto", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_autosndbuf, 0, "Enable automatic send buffer sizing");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "sendbuf_auto_lowat", CTLFLAG_VNET | CTLFLAG_RW, tcp_sendbuf_auto_lowat, 0, "Modify threshold for auto send buffer growth to account for SO_SNDLOWAT");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "sendbuf_inc", CTLFLAG_VNET | CTLFLAG_RW, tcp_autosndbuf_inc, 0, "Incrementor step size of automatic send buffer");
SYSCTL_INT(_net_inet_tcp, OID_AUTO, "sendbuf_max", CTLFLAG_VNET | CTLFLAG_RW, tcp_autosndbuf_max, 0, "Max size of automatic send buffer");

/** cc_after_idle(tp): tell the algorithm the connection was idle. */
export function cc_after_idle(tp: tcpcb): void {
  const cc = tp.t_cc;
  if (cc !== null && cc.after_idle !== undefined) cc.after_idle(tp.t_ccv);
}

// Scratch, reused by every call (tcp_output does not recurse: ip_output
// delivers to a peer through queues, never back into our tcp_output).
const out_to = new tcpopt();
const out_opt = new Uint8Array(TCP_MAXOLEN);
const out_ip = new hdrptr();
const out_th = new hdrptr();
const out_sack_bytes: intp = { v: 0 };
const out_len: intp = { v: 0 };

/**
 * tcp_output(tp): send what may be sent; 0 or an errno (a soft error on a
 * connection that got a SYN through is 0 and t_softerror).
 */
export function tcp_output(tp: tcpcb): number {
  const inp = tptoinpcb(tp);
  const so = tptosocket(tp);
  const isipv6 = (inp.inp_vflag & INP_IPV6) !== 0;
  const to = out_to;
  const th = out_th;
  const ipp = out_ip;
  let error = 0;

  // An idle connection (nothing in flight, or the last send was a while
  // ago) restarts from the restart window.
  let idle = (tp.t_flags & TF_LASTIDLE) !== 0 || tp.snd_max === tp.snd_una;
  if (idle && (((ticks - tp.t_rcvtime) | 0) >= tp.t_rxtcur || (tp.t_sndtime !== 0 && ((ticks - tp.t_sndtime) | 0) >= tp.t_rxtcur))) cc_after_idle(tp);
  tp.t_flags &= ~TF_LASTIDLE;
  if (idle && (tp.t_flags & TF_MORETOCOME) !== 0) {
    tp.t_flags |= TF_LASTIDLE;
    idle = false;
  }

  for (;;) {
    // again:
    // After a timeout snd_nxt may sit behind data the receiver SACKed.
    if ((tp.t_flags & TF_SACK_PERMIT) !== 0 && SEQ_LT(tp.snd_nxt, tp.snd_max)) tcp_sack_adjust(tp);
    let sendalot = false;
    let mtu = 0;
    let off = (tp.snd_nxt - tp.snd_una) | 0;
    let sendwin = Math.min(tp.snd_wnd, tp.snd_cwnd);
    let flags = tcp_outflags[tp.t_state];

    // SACK retransmissions first (in fast recovery).
    let sack_rxmit = false;
    let sack_bytes_rxmt = 0;
    let len = 0;
    let p: sackhole | null = null;
    if ((tp.t_flags & TF_SACK_PERMIT) !== 0 && IN_FASTRECOVERY(tp.t_flags)) {
      out_sack_bytes.v = 0;
      p = tcp_sack_output(tp, out_sack_bytes);
      sack_bytes_rxmt = out_sack_bytes.v;
      if (p !== null) {
        const cwin = Math.max(Math.min(tp.snd_wnd, tp.snd_cwnd) - sack_bytes_rxmt, 0);
        let skip = false;
        // Never retransmit beyond snd_recover in this episode.
        if (SEQ_GT(p.end, tp.snd_recover)) {
          if (SEQ_GEQ(p.rxmit, tp.snd_recover)) {
            p = null;
            skip = true;
          } else len = Math.min(cwin, (tp.snd_recover - p.rxmit) >>> 0);
        } else len = Math.min(cwin, (p.end - p.rxmit) >>> 0);
        if (!skip && p !== null) {
          off = (p.rxmit - tp.snd_una) | 0;
          KASSERT(off >= 0, `tcp_output: sack block to the left of una : ${off}`);
          if (len > 0) {
            sack_rxmit = true;
            sendalot = true;
            TCPSTAT_INC(tcps_sack_rexmits);
            TCPSTAT_ADD(tcps_sack_rexmit_bytes, Math.min(len, tcp_maxseg(tp)));
          }
        }
      }
    }
    // after_sack_rexmit:
    if ((tp.t_flags & TF_NEEDFIN) !== 0) flags |= TH_FIN;
    if ((tp.t_flags & TF_NEEDSYN) !== 0) flags |= TH_SYN;

    // A persist probe into a zero window sends one byte; into a small
    // window it sends what fits and leaves persist state.
    if ((tp.t_flags & TF_FORCEDATA) !== 0) {
      if (sendwin === 0) {
        // With data still unsent the FIN must wait, unless the probe is
        // the FIN itself.
        if (off < sbused(so.so_snd)) flags &= ~TH_FIN;
        sendwin = 1;
      } else {
        tcp_timer_activate(tp, TT_PERSIST, 0);
        tp.t_rxtshift = 0;
      }
    }

    if (!sack_rxmit) {
      if (sack_bytes_rxmt === 0) len = Math.min(sbavail(so.so_snd), sendwin) - off;
      else {
        // New data in a SACK recovery episode, after the holes.
        len = Math.min(sbavail(so.so_snd), tp.snd_wnd) - off;
        if (len > 0) {
          let cwin = tp.snd_cwnd - ((tp.snd_nxt - tp.snd_recover) | 0) - sack_bytes_rxmt;
          if (cwin < 0) cwin = 0;
          len = Math.min(len, cwin);
        }
      }
    }

    // The SYN went already: drop it from flags (except SYN_RECEIVED, whose
    // SYN|ACK retransmissions carry it) and count it out of the data.
    if ((flags & TH_SYN) !== 0 && SEQ_GT(tp.snd_nxt, tp.snd_una)) {
      if (tp.t_state !== TCPS_SYN_RECEIVED) flags &= ~TH_SYN;
      off--;
      len++;
    }
    // No data or FIN on a SYN to peers without options.
    if ((flags & TH_SYN) !== 0 && (tp.t_flags & TF_NOOPT) !== 0) {
      len = 0;
      flags &= ~TH_FIN;
    }
    if (len <= 0) {
      // A FIN sent but not acked gives len < 0; so does a window that
      // shrank under data we sent.  A window shrunk to zero with data
      // waiting: stop retransmitting, pull snd_nxt back, persist.
      len = 0;
      if (sendwin === 0 && TCPS_HAVEESTABLISHED(tp.t_state) && off < sbavail(so.so_snd)) {
        tcp_timer_activate(tp, TT_REXMT, 0);
        tp.t_rxtshift = 0;
        tp.snd_nxt = tp.snd_una;
        if (!tcp_timer_active(tp, TT_PERSIST)) tcp_setpersist(tp);
      }
    }
    KASSERT(len >= 0, "tcp_output: len < 0");

    tcp_sndbuf_autoscale(tp, so, sendwin);

    let ipoptlen: number;
    if (isipv6) ipoptlen = 0;
    else if (inp.inp_options !== null) ipoptlen = inp.inp_options.m_len - 4;
    else ipoptlen = 0;

    if (sack_rxmit) {
      if (p !== null && SEQ_LT((p.rxmit + len) | 0, (tp.snd_una + sbused(so.so_snd)) | 0)) flags &= ~TH_FIN;
    } else if (SEQ_LT((tp.snd_nxt + len) | 0, (tp.snd_una + sbused(so.so_snd)) | 0)) flags &= ~TH_FIN;

    let recwin = Math.min(Math.max(sbspace(so.so_rcv), 0), TCP_MAXWIN << tp.rcv_scale);

    let send = false;
    // Sender silly window avoidance: send a full segment; the last piece
    // of a write when idle or with TCP_NODELAY; a timeout's probe; half
    // the largest window seen; a retransmission.
    if (len > 0) {
      if (len >= tp.t_maxseg) send = true;
      else if (((tp.t_flags & TF_RCVD_TSTMP) !== 0 ? PADTCPOLEN(TCPOLEN_TIMESTAMP) : 0) + len >= tp.t_maxseg) send = true;
      else if ((tp.t_flags & TF_MORETOCOME) === 0 && (idle || (tp.t_flags & TF_NODELAY) !== 0) && len + off >= sbavail(so.so_snd) && (tp.t_flags & TF_NOPUSH) === 0) send = true;
      else if ((tp.t_flags & TF_FORCEDATA) !== 0) send = true;
      else if (len >= tp.max_sndwnd / 2 && tp.max_sndwnd > 0) send = true;
      else if (SEQ_LT(tp.snd_nxt, tp.snd_max)) send = true;
      else if (sack_rxmit) send = true;
    }

    // A window update on its own: only when the window grows by at least
    // two segments and a quarter of the buffer (or the buffer is small, or
    // nearly full), or by half the buffer; never with a delayed ACK due
    // (it will carry the update) or after the peer's FIN.
    if (!send && recwin > 0 && (tp.t_flags & TF_NEEDSYN) === 0 && (tp.t_flags & TF_DELACK) === 0 && !TCPS_HAVERCVDFIN(tp.t_state)) {
      let adv = recwin;
      let oldwin: number;
      if (SEQ_GT(tp.rcv_adv, tp.rcv_nxt)) {
        oldwin = (tp.rcv_adv - tp.rcv_nxt) | 0;
        if (adv > oldwin) adv -= oldwin;
        else adv = 0;
      } else oldwin = 0;
      // dontupdate when the scaled window would not grow.
      if (!(oldwin >> tp.rcv_scale >= (adv + oldwin) >> tp.rcv_scale)) {
        const hiwat = so.so_rcv.sb_hiwat;
        if (adv >= 2 * tp.t_maxseg && (adv >= Math.floor(hiwat / 4) || recwin <= Math.floor(hiwat / 8) || hiwat <= 8 * tp.t_maxseg || adv >= TCP_MAXWIN << tp.rcv_scale)) send = true;
        else if (2 * adv >= hiwat) send = true;
      }
    }
    // dontupdate:
    if (!send) {
      // An ACK, RST, SYN or urgent data owed; a FIN to send.
      if ((tp.t_flags & TF_ACKNOW) !== 0) send = true;
      else if ((flags & TH_RST) !== 0 || ((flags & TH_SYN) !== 0 && (tp.t_flags & TF_NEEDSYN) === 0)) send = true;
      else if (SEQ_GT(tp.snd_up, tp.snd_una)) send = true;
      else if ((flags & TH_FIN) !== 0 && ((tp.t_flags & TF_SENTFIN) === 0 || tp.snd_nxt === tp.snd_una)) send = true;
    }
    if (!send) {
      // With SACK, a segment may not have gone out after the retransmit
      // timer was stopped: make sure it runs.
      if ((tp.t_flags & TF_SACK_PERMIT) !== 0 && SEQ_GT(tp.snd_max, tp.snd_una) && !tcp_timer_active(tp, TT_REXMT) && !tcp_timer_active(tp, TT_PERSIST)) {
        tcp_timer_activate(tp, TT_REXMT, tp.t_rxtcur);
        return 0;
      }
      // Data waiting, a window too small to send into, and neither timer
      // running: persist.
      if (sbavail(so.so_snd) !== 0 && !tcp_timer_active(tp, TT_REXMT) && !tcp_timer_active(tp, TT_PERSIST)) {
        tp.t_rxtshift = 0;
        tcp_setpersist(tp);
      }
      // just_return:
      return 0;
    }

    // send:
    if (len > 0) {
      if (len >= tp.t_maxseg) tp.t_flags2 |= TF2_PLPMTU_MAXSEGSNT;
      else tp.t_flags2 &= ~TF2_PLPMTU_MAXSEGSNT;
    }
    let optlen = 0;
    let hdrlen = isipv6 ? IP6_HDR_LEN + TCP_HDRLEN : IP_HDRLEN + TCP_HDRLEN;
    if ((flags & TH_SYN) !== 0) tp.snd_nxt = tp.iss;

    // Options: SYN ones until established; timestamps and SACK after.
    to.clear();
    if ((tp.t_flags & TF_NOOPT) === 0) {
      if ((flags & TH_SYN) !== 0) {
        to.to_mss = tcp_mssopt(inp.inp_inc);
        to.to_flags |= TOF_MSS;
      }
      if ((flags & TH_SYN) !== 0 && (tp.t_flags & TF_REQ_SCALE) !== 0) {
        to.to_wscale = tp.request_r_scale;
        to.to_flags |= TOF_SCALE;
      }
      if ((tp.t_flags & TF_RCVD_TSTMP) !== 0 || ((flags & TH_SYN) !== 0 && (tp.t_flags & TF_REQ_TSTMP) !== 0)) {
        const curticks = tcp_ts_getticks();
        to.to_tsval = (curticks + tp.ts_offset) | 0;
        to.to_tsecr = tp.ts_recent;
        to.to_flags |= TOF_TS;
        if (tp.t_rxtshift === 1) tp.t_badrxtwin = curticks;
      }
      // Receive buffer autosizing measures from here.
      if (tp.rfbuf_ts === 0 && (so.so_rcv.sb_flags & SB_AUTOSIZE) !== 0) tp.rfbuf_ts = tcp_ts_getticks();
      if ((tp.t_flags & TF_SACK_PERMIT) !== 0) {
        if ((flags & TH_SYN) !== 0) to.to_flags |= TOF_SACKPERM;
        else if (TCPS_HAVEESTABLISHED(tp.t_state) && tp.rcv_numsacks > 0) {
          to.to_flags |= TOF_SACK;
          to.to_nsacks = tp.rcv_numsacks;
          to.to_sackblks = tp.sackblks;
        }
      }
      optlen = tcp_addoptions(to, out_opt, 0);
      hdrlen += optlen;
    }

    // Options may push the segment past t_maxseg: trim the data (and the
    // FIN that belonged after it).
    if (len + optlen + ipoptlen > tp.t_maxseg) {
      flags &= ~TH_FIN;
      if (optlen + ipoptlen >= tp.t_maxseg) {
        // Headers alone fill the segment (RFC 7112): send nothing.
        error = EMSGSIZE;
        sack_rxmit = false;
        return tcp_output_out(tp, so, error, flags, 0, false, null, 0, 0, isipv6);
      }
      len = tp.t_maxseg - optlen - ipoptlen;
      sendalot = true;
    }
    KASSERT(len + hdrlen + ipoptlen <= IP_MAXPACKET, "tcp_output: len > IP_MAXPACKET");
    KASSERT(max_linkhdr + hdrlen <= MCLBYTES, "tcphdr too big");

    // The segment: headers in a fresh mbuf, then the data.
    let m: mbuf | null;
    if (len > 0) {
      if ((tp.t_flags & TF_FORCEDATA) !== 0 && len === 1) TCPSTAT_INC(tcps_sndprobe);
      else if (SEQ_LT(tp.snd_nxt, tp.snd_max) || sack_rxmit) {
        tp.t_sndrexmitpack++;
        TCPSTAT_INC(tcps_sndrexmitpack);
        TCPSTAT_ADD(tcps_sndrexmitbyte, len);
      } else {
        TCPSTAT_INC(tcps_sndpack);
        TCPSTAT_ADD(tcps_sndbyte, len);
      }
      m = MHLEN < hdrlen + max_linkhdr ? m_getcl(M_NOWAIT, MT_DATA, M_PKTHDR) : m_gethdr(M_NOWAIT, MT_DATA);
      if (m === null) {
        error = ENOBUFS;
        return tcp_output_out(tp, so, error, flags, len, sack_rxmit, p, 0, 0, isipv6);
      }
      m.m_data += max_linkhdr;
      m.m_len = hdrlen;
      // Copy from the mbuf of the send buffer nearest the offset.
      const sp = sbsndptr_noadv(so.so_snd, off);
      const mb = sp.m;
      const moff = sp.moff;
      if (len <= MHLEN - hdrlen - max_linkhdr) {
        m_copydata(mb, moff, len, m.m_buf, m.m_data + hdrlen);
        if (SEQ_LT(tp.snd_nxt, tp.snd_max)) sbsndptr_adv(so.so_snd, mb, len);
        m.m_len += len;
      } else {
        const msb = SEQ_LT(tp.snd_nxt, tp.snd_max) ? null : so.so_snd;
        out_len.v = len;
        m.m_next = tcp_m_copym(mb, moff, out_len, 0, 0, msb);
        len = out_len.v;
        if (m.m_next === null) {
          m_free(m);
          error = ENOBUFS;
          sack_rxmit = false;
          return tcp_output_out(tp, so, error, flags, 0, false, null, 0, 0, isipv6);
        }
      }
      // Everything we have goes out: PUSH.
      if (off + len === sbused(so.so_snd) && (flags & TH_SYN) === 0) flags |= TH_PUSH;
    } else {
      if ((tp.t_flags & TF_ACKNOW) !== 0) TCPSTAT_INC(tcps_sndacks);
      else if ((flags & (TH_SYN | TH_FIN | TH_RST)) !== 0) TCPSTAT_INC(tcps_sndctrl);
      else if (SEQ_GT(tp.snd_up, tp.snd_una)) TCPSTAT_INC(tcps_sndurg);
      else TCPSTAT_INC(tcps_sndwinup);
      m = m_gethdr(M_NOWAIT, MT_DATA);
      if (m === null) {
        error = ENOBUFS;
        sack_rxmit = false;
        return tcp_output_out(tp, so, error, flags, 0, false, null, 0, 0, isipv6);
      }
      m.m_data += max_linkhdr;
      m.m_len = hdrlen;
    }
    m.m_pkthdr.rcvif = null;
    const ip = m.m_data;
    ipp.setm(m, ip);
    th.setm(m, ip + (isipv6 ? IP6_HDR_LEN : IP_HDRLEN));
    tcpip_fillheaders(inp, 0, ipp, th);
    const dv = m.m_dv;
    const tho = th.off;

    // A FIN resent keeps its sequence number.
    if ((flags & TH_FIN) !== 0 && (tp.t_flags & TF_SENTFIN) !== 0 && tp.snd_nxt === tp.snd_max) tp.snd_nxt = (tp.snd_nxt - 1) | 0;

    // A pure ACK carries the next new sequence number (snd_max), not the
    // retransmission point; a persist probe carries snd_nxt.
    if (!sack_rxmit) {
      if (len > 0 || (flags & (TH_SYN | TH_FIN)) !== 0 || tcp_timer_active(tp, TT_PERSIST)) dv.setUint32(tho + TCPH_SEQ, tp.snd_nxt);
      else dv.setUint32(tho + TCPH_SEQ, tp.snd_max);
    } else if (p !== null) {
      dv.setUint32(tho + TCPH_SEQ, p.rxmit);
      p.rxmit = (p.rxmit + len) | 0;
      tp.sackhint.sack_bytes_rexmit += len;
    }
    // Everything sent in recovery counts for PRR and lost retransmission
    // detection.
    if (IN_RECOVERY(tp.t_flags)) tp.sackhint.prr_out += len;
    dv.setUint32(tho + TCPH_ACK, tp.rcv_nxt);
    if (optlen > 0) {
      m.m_buf.set(out_opt.subarray(0, optlen), tho + TCP_HDRLEN);
      th_set_off(m, tho, (TCP_HDRLEN + optlen) >> 2);
    }
    tcp_set_flags(m, tho, flags);

    // The window: never shrink it, avoid silly windows; zero on a RST.
    if ((flags & TH_RST) !== 0) recwin = 0;
    else {
      if (recwin < so.so_rcv.sb_hiwat / 4 && recwin < tp.t_maxseg) recwin = 0;
      if (SEQ_GT(tp.rcv_adv, tp.rcv_nxt) && recwin < ((tp.rcv_adv - tp.rcv_nxt) | 0)) recwin = (tp.rcv_adv - tp.rcv_nxt) | 0;
    }
    // The window in a SYN is never scaled (RFC 7323).
    let th_win: number;
    if ((flags & TH_SYN) !== 0) th_win = Math.min(sbspace(so.so_rcv), TCP_MAXWIN);
    else {
      // Round up so scaling does not shrink it.
      const unit = 1 << tp.rcv_scale;
      recwin = Math.ceil(recwin / unit) * unit;
      th_win = recwin >>> tp.rcv_scale;
    }
    if (th_win < 0) th_win = 0;
    dv.setUint16(tho + TCPH_WIN, th_win & 0xffff);
    // A zero window stalls the peer: soreceive must not delay the ACK
    // that reopens it.
    if ((th_win & 0xffff) === 0) {
      tp.t_sndzerowin++;
      tp.t_flags |= TF_RXWIN0SENT;
    } else tp.t_flags &= ~TF_RXWIN0SENT;
    if (SEQ_GT(tp.snd_up, tp.snd_nxt)) {
      dv.setUint16(tho + TCPH_URP, ((tp.snd_up - tp.snd_nxt) >>> 0) & 0xffff);
      m.m_buf[tho + 13] |= TH_URG;
    } else tp.snd_up = tp.snd_una; // drag the urgent pointer along

    // The pseudo-header checksum; ip_output/ip6_output finish it.
    m.m_pkthdr.len = hdrlen + len;
    m.m_pkthdr.csum_data = TCPH_SUM;
    if (isipv6) {
      m.m_pkthdr.csum_flags = CSUM_TCP_IPV6;
      dv.setUint16(tho + TCPH_SUM, in6_cksum_pseudo(m, ip - m.m_data, TCP_HDRLEN + optlen + len, IPPROTO_TCP, 0));
    } else {
      m.m_pkthdr.csum_flags = CSUM_TCP;
      dv.setUint16(tho + TCPH_SUM, in_pseudo(dv.getUint32(ip + IPH_SRC), dv.getUint32(ip + IPH_DST), (TCP_HDRLEN + IPPROTO_TCP + len + optlen) >>> 0));
    }

    if (isipv6) {
      m.m_buf[ip + IP6_OFF_HLIM] = in6_selecthlim(inp, null);
      dv.setUint16(ip + IP6_OFF_PLEN, m.m_pkthdr.len - IP6_HDR_LEN);
      if (VNET_I32(path_mtu_discovery) !== 0 && tp.t_maxseg > V_tcp_minmss()) tp.t_flags2 |= TF2_PLPMTU_PMTUD;
      else tp.t_flags2 &= ~TF2_PLPMTU_PMTUD;
      error = ip6_output(m, inp.in6p_outputopts, null, (so.so_options & SO_DONTROUTE) !== 0 ? IP_ROUTETOIF : 0, null, null, inp);
      if (error === EMSGSIZE) mtu = tcp_output_route_mtu(tp);
    } else {
      dv.setUint16(ip + IPH_LEN, m.m_pkthdr.len);
      if ((inp.inp_vflag & INP_IPV6PROTO) !== 0) m.m_buf[ip + IPH_TTL] = in6_selecthlim(inp, null);
      // With path MTU discovery every segment goes with DF (not with a
      // small MSS: that is the safe fallback).
      if (VNET_I32(path_mtu_discovery) !== 0 && tp.t_maxseg > V_tcp_minmss()) {
        dv.setUint16(ip + IPH_OFF, dv.getUint16(ip + IPH_OFF) | IP_DF);
        tp.t_flags2 |= TF2_PLPMTU_PMTUD;
      } else tp.t_flags2 &= ~TF2_PLPMTU_PMTUD;
      error = ip_output(m, inp.inp_options, null, (so.so_options & SO_DONTROUTE) !== 0 ? IP_ROUTETOIF : 0, null, inp);
      if (error === EMSGSIZE) mtu = tcp_output_route_mtu(tp);
    }
    const r = tcp_output_out(tp, so, error, flags, len, sack_rxmit, p, recwin, mtu, isipv6);
    if (r === TCP_OUTPUT_AGAIN) continue;
    if (r !== 0) return r;
    if (sendalot) continue;
    return 0;
  }
}

/** tcp_output_out's "goto again" (an MTU change to retry with). */
const TCP_OUTPUT_AGAIN = -1;

/**
 * The MTU of the route after ip_output's EMSGSIZE (FreeBSD reads the PCB's
 * cached nexthop; PCBs cache no route here, so look it up), or 0 when it
 * is no smaller than what the segment needed: nothing to retry with.
 */
function tcp_output_route_mtu(tp: tcpcb): number {
  const isipv6 = (tp.t_inpcb.inp_vflag & INP_IPV6) !== 0;
  const mtu = isipv6 ? tcp_maxmtu6(tp.t_inpcb.inp_inc, null) : tcp_maxmtu(tp.t_inpcb.inp_inc, null);
  if (mtu >= tp.t_maxseg + (isipv6 ? IP6_HDR_LEN : IP_HDRLEN) + TCP_HDRLEN) return 0;
  return mtu;
}

/**
 * The end of tcp_output ("out:"): advance snd_nxt/snd_max over what was
 * sent, time it and arm the retransmit timer (or, in persist, only move
 * snd_max); on an error back the sequence numbers out again and decide
 * what the caller hears.  Returns 0, an errno, or TCP_OUTPUT_AGAIN.
 */
function tcp_output_out(tp: tcpcb, so: socket, error: number, flags: number, len: number, sack_rxmit: boolean, p: sackhole | null, recwin: number, mtu: number, _isipv6: boolean): number {
  if ((tp.t_flags & TF_FORCEDATA) === 0 || !tcp_timer_active(tp, TT_PERSIST)) {
    const startseq = tp.snd_nxt;
    if ((flags & (TH_SYN | TH_FIN)) !== 0) {
      if ((flags & TH_SYN) !== 0) tp.snd_nxt = (tp.snd_nxt + 1) | 0;
      if ((flags & TH_FIN) !== 0) {
        tp.snd_nxt = (tp.snd_nxt + 1) | 0;
        tp.t_flags |= TF_SENTFIN;
      }
    }
    if (!sack_rxmit) {
      tp.snd_nxt = (tp.snd_nxt + len) | 0;
      if (SEQ_GT(tp.snd_nxt, tp.snd_max)) {
        tp.snd_max = tp.snd_nxt;
        // Time this segment if it is new and nothing is being timed.
        tp.t_sndtime = ticks;
        if (tp.t_rtttime === 0) {
          tp.t_rtttime = ticks;
          tp.t_rtseq = startseq;
          TCPSTAT_INC(tcps_segstimed);
        }
      }
    }
    // timer: arm the retransmit timer for anything unacknowledged; a bare
    // ACK with data waiting and no timer running persists instead.
    if (!tcp_timer_active(tp, TT_REXMT) && ((sack_rxmit && tp.snd_nxt !== tp.snd_max) || tp.snd_nxt !== tp.snd_una)) {
      if (tcp_timer_active(tp, TT_PERSIST)) {
        tcp_timer_activate(tp, TT_PERSIST, 0);
        tp.t_rxtshift = 0;
      }
      tcp_timer_activate(tp, TT_REXMT, tp.t_rxtcur);
    } else if (len === 0 && sbavail(so.so_snd) !== 0 && !tcp_timer_active(tp, TT_REXMT) && !tcp_timer_active(tp, TT_PERSIST)) {
      tp.t_rxtshift = 0;
      tcp_setpersist(tp);
    }
  } else {
    // Persisting: snd_max moves, snd_nxt stays (no window).
    let xlen = len;
    if ((flags & TH_SYN) !== 0) ++xlen;
    if ((flags & TH_FIN) !== 0) {
      ++xlen;
      tp.t_flags |= TF_SENTFIN;
    }
    if (SEQ_GT((tp.snd_nxt + xlen) | 0, tp.snd_max)) tp.snd_max = (tp.snd_nxt + xlen) | 0;
  }
  if (error === 0 && TCPS_HAVEESTABLISHED(tp.t_state) && (tp.t_flags & TF_SACK_PERMIT) !== 0 && tp.rcv_numsacks > 0) tcp_clean_dsack_blocks(tp);
  if (error !== 0) {
    // The segment is lost: take back the sequence space (a firewall's
    // EPERM is treated as a loss the timers will repair).
    if (((tp.t_flags & TF_FORCEDATA) === 0 || !tcp_timer_active(tp, TT_PERSIST)) && (flags & TH_SYN) === 0 && error !== EPERM) {
      if (sack_rxmit && p !== null) {
        p.rxmit = (p.rxmit - len) | 0;
        tp.sackhint.sack_bytes_rexmit -= len;
        KASSERT(tp.sackhint.sack_bytes_rexmit >= 0, "sackhint bytes rtx >= 0");
      } else tp.snd_nxt = (tp.snd_nxt - len) | 0;
    }
    switch (error) {
      case EACCES:
      case EPERM:
        tp.t_softerror = error;
        return error;
      case ENOBUFS:
        tp.snd_cwnd = tp.t_maxseg;
        return 0;
      case EMSGSIZE:
        // The interface or its MTU changed under us: learn the MTU and
        // try again, but only if that made the segments smaller (an MTU
        // under the 64-byte floor of t_maxseg leaves it where it was).
        if (mtu !== 0) {
          const saved_mtu = tp.t_maxseg;
          tcp_mss_update(tp, -1, mtu, null, null);
          if (saved_mtu > tp.t_maxseg) return TCP_OUTPUT_AGAIN;
        }
        return error;
      case EHOSTDOWN:
      case EHOSTUNREACH:
      case ENETDOWN:
      case ENETUNREACH:
        if (TCPS_HAVERCVDSYN(tp.t_state)) {
          tp.t_softerror = error;
          return 0;
        }
        return error;
      default:
        return error;
    }
  }
  TCPSTAT_INC(tcps_sndtotal);
  // Sent: remember the largest window advertised; the ACK owed is paid.
  if (SEQ_GT((tp.rcv_nxt + recwin) | 0, tp.rcv_adv)) tp.rcv_adv = (tp.rcv_nxt + recwin) | 0;
  tp.last_ack_sent = tp.rcv_nxt;
  tp.t_flags &= ~(TF_ACKNOW | TF_DELACK);
  if (tcp_timer_active(tp, TT_DELACK)) tcp_timer_activate(tp, TT_DELACK, 0);
  return 0;
}

/** PADTCPOLEN(len). */
function PADTCPOLEN(len: number): number {
  return (Math.floor(len / 4) + (len % 4 !== 0 ? 1 : 0)) * 4;
}

/**
 * tcp_setpersist(tp): arm the persist timer: the RTO estimate backed off by
 * t_rxtshift, within net.inet.tcp.persmin and persmax.
 */
export function tcp_setpersist(tp: tcpcb): void {
  const t = ((tp.t_srtt >> 2) + tp.t_rttvar) >> 1;
  tp.t_flags &= ~TF_PREVVALID;
  KASSERT(!tcp_timer_active(tp, TT_REXMT), "tcp_setpersist: retransmit pending");
  const tt = TCPT_RANGESET(t * tcp_backoff[tp.t_rxtshift], tcp_persmin.v, tcp_persmax.v);
  tcp_timer_activate(tp, TT_PERSIST, tt);
  if (tp.t_rxtshift < TCP_MAXRXTSHIFT) tp.t_rxtshift++;
}

/**
 * tcp_addoptions(to, optp, off): write the options into optp at off in
 * FreeBSD's order (MSS, window scale, SACK permitted, timestamps, SACK),
 * each aligned as FreeBSD aligns it, then EOL and zero padding to a word;
 * returns the length.  Options that do not fit are left out.
 */
export function tcp_addoptions(to: tcpopt, optp: Uint8Array, off: number): number {
  let optlen = 0;
  let o = off;
  for (let mask = 1; mask < TOF_MAXOPT; mask <<= 1) {
    if ((to.to_flags & mask) !== mask) continue;
    if (optlen === TCP_MAXOLEN) break;
    switch (to.to_flags & mask) {
      case TOF_MSS:
        while (optlen % 4 !== 0) {
          optlen += TCPOLEN_NOP;
          optp[o++] = TCPOPT_NOP;
        }
        if (TCP_MAXOLEN - optlen < TCPOLEN_MAXSEG) continue;
        optlen += TCPOLEN_MAXSEG;
        optp[o++] = TCPOPT_MAXSEG;
        optp[o++] = TCPOLEN_MAXSEG;
        optp[o++] = (to.to_mss >>> 8) & 0xff;
        optp[o++] = to.to_mss & 0xff;
        break;
      case TOF_SCALE:
        while (optlen === 0 || optlen % 2 !== 1) {
          optlen += TCPOLEN_NOP;
          optp[o++] = TCPOPT_NOP;
        }
        if (TCP_MAXOLEN - optlen < TCPOLEN_WINDOW) continue;
        optlen += TCPOLEN_WINDOW;
        optp[o++] = TCPOPT_WINDOW;
        optp[o++] = TCPOLEN_WINDOW;
        optp[o++] = to.to_wscale;
        break;
      case TOF_SACKPERM:
        while (optlen % 2 !== 0) {
          optlen += TCPOLEN_NOP;
          optp[o++] = TCPOPT_NOP;
        }
        if (TCP_MAXOLEN - optlen < TCPOLEN_SACK_PERMITTED) continue;
        optlen += TCPOLEN_SACK_PERMITTED;
        optp[o++] = TCPOPT_SACK_PERMITTED;
        optp[o++] = TCPOLEN_SACK_PERMITTED;
        break;
      case TOF_TS:
        while (optlen === 0 || optlen % 4 !== 2) {
          optlen += TCPOLEN_NOP;
          optp[o++] = TCPOPT_NOP;
        }
        if (TCP_MAXOLEN - optlen < TCPOLEN_TIMESTAMP) continue;
        optlen += TCPOLEN_TIMESTAMP;
        optp[o++] = TCPOPT_TIMESTAMP;
        optp[o++] = TCPOLEN_TIMESTAMP;
        put32(optp, o, to.to_tsval);
        o += 4;
        put32(optp, o, to.to_tsecr);
        o += 4;
        break;
      case TOF_SACK: {
        while (optlen === 0 || optlen % 4 !== 2) {
          optlen += TCPOLEN_NOP;
          optp[o++] = TCPOPT_NOP;
        }
        if (TCP_MAXOLEN - optlen < TCPOLEN_SACKHDR + TCPOLEN_SACK) continue;
        optlen += TCPOLEN_SACKHDR;
        optp[o++] = TCPOPT_SACK;
        let sackblks = Math.min(to.to_nsacks, Math.floor((TCP_MAXOLEN - optlen) / TCPOLEN_SACK));
        optp[o++] = TCPOLEN_SACKHDR + sackblks * TCPOLEN_SACK;
        const blks = to.to_sackblks;
        let i = 0;
        while (sackblks-- > 0 && blks !== null) {
          put32(optp, o, blks[i].start);
          o += 4;
          put32(optp, o, blks[i].end);
          o += 4;
          optlen += TCPOLEN_SACK;
          i++;
        }
        TCPSTAT_INC(tcps_sack_send_blocks);
        break;
      }
      default:
        // TOF_SIGNATURE and TOF_FASTOPEN are never asked for here.
        KASSERT(false, `tcp_addoptions: unknown TCP option type ${mask}`);
    }
  }
  // End the options and pad with zeros to a word (RFC 9293 3.1).
  if (optlen % 4 !== 0) {
    optlen += TCPOLEN_EOL;
    optp[o++] = TCPOPT_EOL;
  }
  while (optlen % 4 !== 0) {
    optlen += TCPOLEN_PAD;
    optp[o++] = TCPOPT_PAD;
  }
  KASSERT(optlen <= TCP_MAXOLEN, "tcp_addoptions: TCP options too long");
  return optlen;
}

function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * tcp_m_copym(m, off0, plen, seglimit, segsize, sb): m_copym of plen.v
 * bytes of the send buffer chain from off0 (clusters are shared, not
 * copied), moving the buffer's send pointer along when sb is given.
 * seglimit/segsize are TSO's and unused (0).  null when out of mbufs.
 */
export function tcp_m_copym(m: mbuf | null, off0: number, plen: intp, seglimit: number, segsize: number, sb: sockbuf | null): mbuf | null {
  void seglimit;
  void segsize;
  let off = off0;
  let len = plen.v;
  KASSERT(off >= 0, `tcp_m_copym, negative off ${off}`);
  KASSERT(len >= 0, `tcp_m_copym, negative len ${len}`);
  while (off > 0) {
    KASSERT(m !== null, "tcp_m_copym, offset > size of mbuf chain");
    if (m === null) return null;
    if (off < m.m_len) break;
    off -= m.m_len;
    if (sb !== null && m === sb.sb_sndptr) {
      sb.sb_sndptroff += m.m_len;
      sb.sb_sndptr = m.m_next;
    }
    m = m.m_next;
  }
  let top: mbuf | null = null;
  let tail: mbuf | null = null;
  let len_cp = 0;
  while (len > 0) {
    if (m === null) {
      plen.v = len_cp;
      break;
    }
    const mlen = Math.min(len, m.m_len - off);
    const n = m_get(M_NOWAIT, m.m_type);
    if (n === null) {
      m_freem(top);
      return null;
    }
    if (tail === null) top = n;
    else tail.m_next = n;
    tail = n;
    n.m_len = mlen;
    len_cp += mlen;
    if ((m.m_flags & M_EXT) !== 0) {
      n.m_data = m.m_data + off;
      mb_dupcl(n, m);
    } else n.m_buf.set(m.m_buf.subarray(m.m_data + off, m.m_data + off + mlen), n.m_data);
    if (sb !== null && sb.sb_sndptr === m && n.m_len + off >= m.m_len && m.m_next !== null) {
      sb.sb_sndptroff += m.m_len;
      sb.sb_sndptr = m.m_next;
    }
    off = 0;
    len -= mlen;
    m = m.m_next;
  }
  return top;
}

/**
 * tcp_sndbuf_autoscale(tp, so, sendwin): grow the send buffer one step
 * (net.inet.tcp.sendbuf_inc, up to sendbuf_max) when the peer's window is
 * larger than the buffer, the buffer is 7/8 full and the window lets us
 * send more than is in flight.
 */
export function tcp_sndbuf_autoscale(tp: tcpcb, so: socket, sendwin: number): void {
  if (VNET_I32(tcp_do_autosndbuf) !== 0 && (so.so_snd.sb_flags & SB_AUTOSIZE) !== 0) {
    const lowat = VNET_I32(tcp_sendbuf_auto_lowat) !== 0 ? so.so_snd.sb_lowat : 0;
    const used = sbused(so.so_snd);
    const hiwat = so.so_snd.sb_hiwat;
    if (
      Math.floor(tp.snd_wnd / 4) * 5 >= hiwat - lowat &&
      used >= Math.floor(hiwat / 8) * 7 - lowat &&
      used < VNET_I32(tcp_autosndbuf_max) &&
      sendwin >= used - ((tp.snd_nxt - tp.snd_una) | 0)
    ) {
      if (sbreserve_locked(so, SO_SND, Math.min(hiwat + VNET_I32(tcp_autosndbuf_inc), VNET_I32(tcp_autosndbuf_max)), null) === 0) so.so_snd.sb_flags &= ~SB_AUTOSIZE;
    }
  }
}
