// sys/netinet/tcp_reass.c: the reassembly queue of out-of-order TCP data.
// tp.t_segq holds entries of contiguous data beyond rcv_nxt, sorted by
// sequence number and never overlapping: a new segment is trimmed against
// its neighbours, appended or prepended to one when it touches it, and
// merged forward over any it covers.  When the hole at rcv_nxt fills, the
// run of entries that became contiguous goes to the socket in one step.
//
// Limits are FreeBSD's: the socket's mbuf budget (sb_mbmax, counting the
// queue's mbuf overhead), net.inet.tcp.reass.maxqueuelen entries or a
// receive buffer's worth of segments per connection, and the global
// entry limit net.inet.tcp.reass.maxsegments (nmbclusters / 16).
//
// Departures: entries come from a free list instead of a UMA zone; no
// TCP_REASS_LOGGING/COUNTERS; the INVARIANTS panics are the non-INVARIANTS
// trims.

import { CTLFLAG_RD, CTLFLAG_RDTUN, CTLFLAG_RW, CTLFLAG_RWTUN, CTLTYPE_INT, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC, SYSCTL_UINT, kvar_of } from "../kern/sysctl.ts";
import { M_EXT, MSIZE, type mbuf } from "../kern/mbuf.ts";
import { m_freem, nmbclusters } from "../kern/kern_mbuf.ts";
import { m_adj } from "../kern/uipc_mbuf.ts";
import { SBS_CANTRCVMORE, sbappendstream_locked } from "../kern/uipc_socket.ts";
import { TH_FIN } from "./tcp.ts";
import { SEQ_GEQ, SEQ_GT, SEQ_LEQ, SEQ_LT } from "./tcp_seq.ts";
import { TCPS_HAVEESTABLISHED } from "./tcp_fsm.ts";
import { TCPSTAT_ADD, TCPSTAT_INC, TF_WAKESOR, _net_inet_tcp, tcps_rcvduppack, tcps_rcvdupbyte, tcps_rcvmemdrop, tcps_rcvoobyte, tcps_rcvoopack, tcps_rcvreassfull, tptosocket, tseg_qent, type tcpcb } from "./tcp_var.ts";

export const _net_inet_tcp_reass = SYSCTL_NODE(_net_inet_tcp, OID_AUTO, "reass", CTLFLAG_RW, null, "TCP Segment Reassembly Queue");

/** tcp_reass_maxseg: every connection's entries together (set at init). */
const tcp_reass_maxseg = kvar_of(0);
SYSCTL_INT(_net_inet_tcp_reass, OID_AUTO, "maxsegments", CTLFLAG_RDTUN, tcp_reass_maxseg, 0, "Global maximum number of TCP Segments in Reassembly Queue");

/** The entries in use, every vnet together (the zone's current count). */
let tcp_reass_cur = 0;
SYSCTL_PROC(_net_inet_tcp_reass, OID_AUTO, "cursegments", CTLTYPE_INT | CTLFLAG_RD, null, 0, (_o, _a1, _a2, req) => SYSCTL_OUT(req, tcp_reass_cur), "I", "Global number of TCP Segments currently in Reassembly Queue");

const tcp_reass_maxqueuelen = kvar_of(100);
SYSCTL_UINT(_net_inet_tcp_reass, OID_AUTO, "maxqueuelen", CTLFLAG_RWTUN, tcp_reass_maxqueuelen, 0, "Maximum number of TCP Segments per Reassembly Queue");

const tcp_new_limits = kvar_of(0);
SYSCTL_INT(_net_inet_tcp_reass, OID_AUTO, "new_limit", CTLFLAG_RWTUN, tcp_new_limits, 0, "Do we use the new limit method we are discussing?");

const tcp_reass_queue_guard = kvar_of(16);
SYSCTL_UINT(_net_inet_tcp_reass, OID_AUTO, "queueguard", CTLFLAG_RWTUN, tcp_reass_queue_guard, 16, "Number of TCP Segments in Reassembly Queue where we flip over to guard mode");

/** Freed entries, reused. */
const tqe_free: tseg_qent[] = [];

function tqe_alloc(): tseg_qent | null {
  if (tcp_reass_cur >= tcp_reass_maxseg.v) return null;
  tcp_reass_cur++;
  return tqe_free.pop() ?? new tseg_qent();
}

function tqe_release(q: tseg_qent): void {
  tcp_reass_cur--;
  q.tqe_m = null;
  q.tqe_last = null;
  tqe_free.push(q);
}

/** tcp_reass_global_init: the global limit, from nmbclusters. */
export function tcp_reass_global_init(): void {
  tcp_reass_maxseg.v = Math.floor(nmbclusters / 16);
}

/** tcp_reass_flush(tp): drop everything queued. */
export function tcp_reass_flush(tp: tcpcb): void {
  for (let qe = segq_first(tp); qe !== null; qe = segq_first(tp)) {
    segq_remove(tp, qe);
    m_freem(qe.tqe_m);
    tqe_release(qe);
    tp.t_segqlen--;
  }
  tp.t_segqmbuflen = 0;
}

function tcp_reass_append(tp: tcpcb, last: tseg_qent, m: mbuf, th_flags: number, tlen: number, mlast: mbuf, lenofoh: number): void {
  last.tqe_len += tlen;
  (last.tqe_m as mbuf).m_pkthdr.len += tlen;
  // Keep the FIN if it came with this part.
  last.tqe_flags |= th_flags & TH_FIN;
  (last.tqe_last as mbuf).m_next = m;
  last.tqe_last = mlast;
  last.tqe_mbuf_cnt += lenofoh;
  tp.t_rcvoopack++;
  TCPSTAT_INC(tcps_rcvoopack);
  TCPSTAT_ADD(tcps_rcvoobyte, tlen);
}

function tcp_reass_prepend(tp: tcpcb, first: tseg_qent, m: mbuf, th_seq: number, tlen: number, mlast: mbuf, lenofoh: number): void {
  if (SEQ_GT((th_seq + tlen) | 0, first.tqe_start)) {
    // The new data runs into the old: trim the old.
    const i = ((th_seq + tlen) - first.tqe_start) | 0;
    m_adj(first.tqe_m, i);
    first.tqe_len -= i;
    first.tqe_start = (first.tqe_start + i) | 0;
  }
  mlast.m_next = first.tqe_m;
  first.tqe_m = m;
  first.tqe_len += tlen;
  first.tqe_start = th_seq;
  m.m_pkthdr.len = first.tqe_len;
  first.tqe_mbuf_cnt += lenofoh;
  tp.t_rcvoopack++;
  TCPSTAT_INC(tcps_rcvoopack);
  TCPSTAT_ADD(tcps_rcvoobyte, tlen);
}

function tcp_reass_replace(tp: tcpcb, q: tseg_qent, m: mbuf, seq: number, len: number, mlast: mbuf, mbufoh: number, flags: number): void {
  m_freem(q.tqe_m);
  tp.t_segqmbuflen -= q.tqe_mbuf_cnt;
  q.tqe_mbuf_cnt = mbufoh;
  q.tqe_m = m;
  q.tqe_last = mlast;
  q.tqe_start = seq;
  const len_dif = len > q.tqe_len ? len - q.tqe_len : 0;
  tp.t_rcvoopack++;
  TCPSTAT_INC(tcps_rcvoopack);
  TCPSTAT_ADD(tcps_rcvoobyte, len_dif);
  q.tqe_len = len;
  q.tqe_flags = flags & TH_FIN;
  m.m_pkthdr.len = q.tqe_len;
  tp.t_segqmbuflen += mbufoh;
}

/** Merge q (which dovetails with ent) into ent and drop q. */
function tcp_reass_merge_into(tp: tcpcb, ent: tseg_qent, q: tseg_qent): void {
  (ent.tqe_last as mbuf).m_next = q.tqe_m;
  ent.tqe_last = q.tqe_last;
  ent.tqe_len += q.tqe_len;
  ent.tqe_mbuf_cnt += q.tqe_mbuf_cnt;
  (ent.tqe_m as mbuf).m_pkthdr.len += q.tqe_len;
  ent.tqe_flags |= q.tqe_flags & TH_FIN;
  segq_remove(tp, q);
  tqe_release(q);
  tp.t_segqlen--;
}

/** ent grew: swallow the entries after it that it reaches. */
function tcp_reass_merge_forward(tp: tcpcb, ent: tseg_qent): void {
  let max = (ent.tqe_start + ent.tqe_len) | 0;
  let q = segq_next(tp, ent);
  while (q !== null) {
    const qtmp = segq_next(tp, q);
    if (SEQ_GT(q.tqe_start, max)) break;
    if (SEQ_GEQ(max, (q.tqe_start + q.tqe_len) | 0)) {
      // Covered entirely.
      tp.t_segqmbuflen -= q.tqe_mbuf_cnt;
      m_freem(q.tqe_m);
      segq_remove(tp, q);
      tqe_release(q);
      tp.t_segqlen--;
      q = qtmp;
      continue;
    }
    // Trim its front to dovetail, then merge it.
    const i = (max - q.tqe_start) | 0;
    m_adj(q.tqe_m, i);
    q.tqe_len -= i;
    q.tqe_start = (q.tqe_start + i) | 0;
    tcp_reass_merge_into(tp, ent, q);
    max = (ent.tqe_start + ent.tqe_len) | 0;
    q = qtmp;
  }
}

/** The mbuf bytes a chain holds (what sb_mbcnt would count), and its last mbuf. */
let oh_last: mbuf | null = null;
function tcp_reass_overhead_of_chain(m: mbuf): number {
  let len = MSIZE;
  if ((m.m_flags & M_EXT) !== 0) len += m.ext_size;
  while (m.m_next !== null) {
    m = m.m_next;
    len += MSIZE;
    if ((m.m_flags & M_EXT) !== 0) len += m.ext_size;
  }
  oh_last = m;
  return len;
}

/** The in/out arguments of tcp_reass (FreeBSD's seq_start and tlenp). */
export class tcp_reass_io {
  seq_start = 0;
  tlen = 0;
}

/**
 * tcp_reass(tp, th_seq, th_flags, io, m): queue the segment [th_seq,
 * th_seq + io.tlen) carried by m (its headers already dropped) and hand
 * the socket whatever became contiguous at rcv_nxt.  With m null, only
 * hand over (after the handshake completes).  Returns TH_FIN when the data
 * given to the socket ends with a FIN.  On return io says which range the
 * segment ended up in (for the SACK report), io.tlen 0 if dropped.
 */
export function tcp_reass(tp: tcpcb, th_seq: number, th_flags: number, io: tcp_reass_io | null, m: mbuf | null): number {
  const so = tptosocket(tp);
  const sb = so.so_rcv;
  let p: tseg_qent | null = null;
  let q: tseg_qent | null;
  let lenofoh = 0;
  let mlast: mbuf | null = null;
  let flags: number;

  present: {
    if (m === null || io === null) break present;
    if (io.tlen === 0 && ((th_flags & TH_FIN) === 0 || !TCPS_HAVEESTABLISHED(tp.t_state))) {
      // Nothing to keep (a bare FIN before we are established is not kept
      // either: the peer will send it again).
      m_freem(m);
      return 0;
    }
    lenofoh = tcp_reass_overhead_of_chain(m);
    mlast = oh_last as mbuf;
    if ((th_seq !== tp.rcv_nxt || !TCPS_HAVEESTABLISHED(tp.t_state)) && sb.sb_mbcnt + tp.t_segqmbuflen + lenofoh > sb.sb_mbmax) {
      TCPSTAT_INC(tcps_rcvreassfull);
            m_freem(m);
      io.tlen = 0;
      return 0;
    }
    // The two common cases first: data after the last entry, touching it
    // or not.
    const last = segq_last(tp);
    new_entry: {
      if (last === null) break new_entry;
      const last_end = (last.tqe_start + last.tqe_len) | 0;
      if ((th_flags & TH_FIN) !== 0 && SEQ_LT((th_seq + io.tlen) | 0, last_end)) {
        // A FIN before data we hold: someone is playing games.
        io.tlen = 0;
        m_freem(m);
        return 0;
      }
      if (SEQ_GEQ(th_seq, last.tqe_start) && SEQ_GEQ(last_end, th_seq)) {
        if (SEQ_GT(last_end, th_seq)) {
          const i = (last_end - th_seq) | 0;
          if (i < io.tlen) {
            th_seq = (th_seq + i) | 0;
            m_adj(m, i);
            io.tlen -= i;
          } else {
            // All of it is there already.
            TCPSTAT_INC(tcps_rcvduppack);
            TCPSTAT_ADD(tcps_rcvdupbyte, io.tlen);
            m_freem(m);
            io.tlen = last.tqe_len;
            io.seq_start = last.tqe_start;
            return 0;
          }
        }
        if ((last.tqe_flags & TH_FIN) !== 0) {
          // Data after a FIN.
          io.tlen = 0;
          m_freem(m);
          return 0;
        }
        tcp_reass_append(tp, last, m, th_flags, io.tlen, mlast, lenofoh);
        tp.t_segqmbuflen += lenofoh;
        io.seq_start = last.tqe_start;
        io.tlen = last.tqe_len;
        return 0;
      } else if (SEQ_GT(th_seq, last_end)) {
        // Beyond the last entry, with a gap.
        if ((last.tqe_flags & TH_FIN) !== 0) {
          io.tlen = 0;
          m_freem(m);
          return 0;
        }
        p = last;
        break new_entry;
      }
      const first = segq_first(tp) as tseg_qent;
      const th_end = (th_seq + io.tlen) | 0;
      if (SEQ_LT(th_seq, first.tqe_start) && SEQ_GEQ(th_end, first.tqe_start) && SEQ_LT(th_end, (first.tqe_start + first.tqe_len) | 0)) {
        // It ends inside the first entry: prepend.
        if (SEQ_LT(th_seq, tp.rcv_nxt)) {
          // The caller trims old data; be safe anyway.
          const i = (tp.rcv_nxt - th_seq) | 0;
          m_adj(m, i);
          th_seq = (th_seq + i) | 0;
          io.tlen -= i;
        }
        tcp_reass_prepend(tp, first, m, th_seq, io.tlen, mlast, lenofoh);
        tp.t_segqmbuflen += lenofoh;
        io.seq_start = first.tqe_start;
        io.tlen = first.tqe_len;
        break present;
      } else if (SEQ_LT(th_end, first.tqe_start)) {
        // Before everything we hold, with a gap.
        break new_entry;
      }
      // Find the first entry that begins after this segment does.
      for (q = segq_first(tp); q !== null; q = segq_next(tp, q)) if (SEQ_GT(q.tqe_start, th_seq)) break;
      p = q === null ? segq_last(tp) : segq_prev(tp, q);
      if (q !== null && SEQ_LT((th_seq + io.tlen) | 0, q.tqe_start) && (p === null || SEQ_GT(th_seq, (p.tqe_start + p.tqe_len) | 0))) {
        // Fits between p and q without touching either.
        break new_entry;
      }
      // Some overlap with p, with q, or with both.
      if (p !== null && SEQ_LEQ(th_seq, (p.tqe_start + p.tqe_len) | 0)) {
        const i = ((p.tqe_start + p.tqe_len) - th_seq) | 0;
        if (i >= 0) {
          if (i >= io.tlen) {
            // p holds all of it.
            TCPSTAT_INC(tcps_rcvduppack);
            TCPSTAT_ADD(tcps_rcvdupbyte, io.tlen);
            io.tlen = p.tqe_len;
            io.seq_start = p.tqe_start;
            m_freem(m);
            return 0;
          }
          if (i > 0) {
            m_adj(m, i);
            io.tlen -= i;
            th_seq = (th_seq + i) | 0;
          }
        }
        if (th_seq === ((p.tqe_start + p.tqe_len) | 0)) {
          tcp_reass_append(tp, p, m, th_flags, io.tlen, mlast, lenofoh);
          tp.t_segqmbuflen += lenofoh;
        } else {
          // Cannot happen once trimmed; drop rather than corrupt the queue.
          io.tlen = 0;
          m_freem(m);
          return 0;
        }
        q = p;
      } else if (q !== null) {
        // It runs over q: replace q when it covers it, else prepend to q.
        if (SEQ_GEQ((th_seq + io.tlen) | 0, (q.tqe_start + q.tqe_len) | 0)) tcp_reass_replace(tp, q, m, th_seq, io.tlen, mlast, lenofoh, th_flags);
        else {
          tcp_reass_prepend(tp, q, m, th_seq, io.tlen, mlast, lenofoh);
          tp.t_segqmbuflen += lenofoh;
        }
      } else {
        io.tlen = 0;
        m_freem(m);
        return 0;
      }
      tcp_reass_merge_forward(tp, q);
      io.seq_start = q.tqe_start;
      io.tlen = q.tqe_len;
      break present;
    }
    // new_entry: no entry to join.  The segment that fills the hole at
    // rcv_nxt always gets through; others count against the limits.
    if (th_seq === tp.rcv_nxt && TCPS_HAVEESTABLISHED(tp.t_state)) {
      tp.rcv_nxt = (tp.rcv_nxt + io.tlen) | 0;
      flags = th_flags & TH_FIN;
      TCPSTAT_INC(tcps_rcvoopack);
      TCPSTAT_ADD(tcps_rcvoobyte, io.tlen);
      if ((so.so_rcv.sb_state & SBS_CANTRCVMORE) !== 0) m_freem(m);
      else sbappendstream_locked(so.so_rcv, m, 0);
      tp.t_flags |= TF_WAKESOR;
      return flags;
    }
    if (tcp_new_limits.v !== 0) {
      if (tp.t_segqlen > tcp_reass_queue_guard.v && io.tlen < MSIZE) {
        TCPSTAT_INC(tcps_rcvreassfull);
        io.tlen = 0;
                m_freem(m);
        return 0;
      }
    } else if (tp.t_segqlen >= Math.min(Math.floor(so.so_rcv.sb_hiwat / tp.t_maxseg) + 1, tcp_reass_maxqueuelen.v)) {
      TCPSTAT_INC(tcps_rcvreassfull);
      io.tlen = 0;
            m_freem(m);
      return 0;
    }
    const te = tqe_alloc();
    if (te === null) {
      TCPSTAT_INC(tcps_rcvmemdrop);
      m_freem(m);
      io.tlen = 0;
            return 0;
    }
    tp.t_segqlen++;
    tp.t_rcvoopack++;
    TCPSTAT_INC(tcps_rcvoopack);
    TCPSTAT_ADD(tcps_rcvoobyte, io.tlen);
    te.tqe_m = m;
    te.tqe_flags = th_flags;
    te.tqe_len = io.tlen;
    te.tqe_start = th_seq;
    te.tqe_last = mlast;
    te.tqe_mbuf_cnt = lenofoh;
    tp.t_segqmbuflen += te.tqe_mbuf_cnt;
    if (p === null) segq_insert_head(tp, te);
    else segq_insert_after(tp, p, te);
  }
  // present: hand the socket what is contiguous at rcv_nxt.
  if (!TCPS_HAVEESTABLISHED(tp.t_state)) return 0;
  q = segq_first(tp);
  if (q === null || q.tqe_start !== tp.rcv_nxt) return 0;
  flags = 0;
  do {
    tp.rcv_nxt = (tp.rcv_nxt + q.tqe_len) | 0;
    flags = q.tqe_flags & TH_FIN;
    const nq: tseg_qent | null = segq_next(tp, q);
    segq_remove(tp, q);
    if ((so.so_rcv.sb_state & SBS_CANTRCVMORE) !== 0) m_freem(q.tqe_m);
    else sbappendstream_locked(so.so_rcv, q.tqe_m as mbuf, 0);
    tp.t_segqmbuflen -= q.tqe_mbuf_cnt;
    tqe_release(q);
    tp.t_segqlen--;
    q = nq;
  } while (q !== null && q.tqe_start === tp.rcv_nxt);
  if (segq_empty(tp) && tp.t_segqmbuflen !== 0) tp.t_segqmbuflen = 0;
  tp.t_flags |= TF_WAKESOR;
  return flags;
}

// ---------------------------------------------------------------------------
// The queue is an array in sequence order (FreeBSD's TAILQ), changed in
// place.

function segq_empty(tp: tcpcb): boolean {
  return tp.t_segq.length === 0;
}
function segq_first(tp: tcpcb): tseg_qent | null {
  return tp.t_segq.length > 0 ? tp.t_segq[0] : null;
}
function segq_last(tp: tcpcb): tseg_qent | null {
  const n = tp.t_segq.length;
  return n > 0 ? tp.t_segq[n - 1] : null;
}
function segq_next(tp: tcpcb, q: tseg_qent): tseg_qent | null {
  const i = tp.t_segq.indexOf(q);
  return i >= 0 && i + 1 < tp.t_segq.length ? tp.t_segq[i + 1] : null;
}
function segq_prev(tp: tcpcb, q: tseg_qent): tseg_qent | null {
  const i = tp.t_segq.indexOf(q);
  return i > 0 ? tp.t_segq[i - 1] : null;
}
/** Insert q at index i, moving the tail up (no splice: nothing allocated). */
function segq_insert_at(tp: tcpcb, i: number, q: tseg_qent): void {
  const a = tp.t_segq;
  a.push(q);
  for (let j = a.length - 1; j > i; j--) a[j] = a[j - 1];
  a[i] = q;
}
function segq_insert_head(tp: tcpcb, q: tseg_qent): void {
  segq_insert_at(tp, 0, q);
}
function segq_insert_after(tp: tcpcb, p: tseg_qent, q: tseg_qent): void {
  segq_insert_at(tp, tp.t_segq.indexOf(p) + 1, q);
}
function segq_remove(tp: tcpcb, q: tseg_qent): void {
  const a = tp.t_segq;
  const i = a.indexOf(q);
  if (i < 0) return;
  for (let j = i; j + 1 < a.length; j++) a[j] = a[j + 1];
  a.pop();
}
