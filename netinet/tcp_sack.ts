// sys/netinet/tcp_sack.c: selective acknowledgements (RFC 2018, RFC 6675).
// The receiver side keeps tp.sackblks[], the blocks it reports (the newest
// first, a D-SACK block in front when a duplicate arrived); the sender side
// keeps the scoreboard tp.snd_holes, the holes between what the peer has
// SACKed, oldest sequence first, with sackhint caching where retransmission
// resumes and how much of the holes has been resent.
//
// Departures: holes come from a per-vnet free list instead of a UMA zone
// (V_sack_hole_zone); the global hole count is per vnet as in FreeBSD.

import { CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_VNET, OID_AUTO, SYSCTL_INT, SYSCTL_NODE } from "../kern/sysctl.ts";
import { log } from "../kern/subr_prf.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { VNET_I32, VNET_I32_SET } from "../net/vnet.ts";
import type { intp } from "../netinet6/ip6_var.ts";
import { TCPOLEN_SACK, MAX_SACK_BLKS, TCP_MAX_SACK, TCPH_ACK, type hdrptr } from "./tcp.ts";
import { SEQ_GEQ, SEQ_GT, SEQ_LEQ, SEQ_LT, SEQ_MAX, SEQ_MIN } from "./tcp_seq.ts";
import {
  BYTES_THIS_ACK,
  EXIT_RECOVERY,
  IN_RECOVERY,
  TCPSTAT_INC,
  TF_ACKNOW,
  TF_LRD,
  TF_SENTFIN,
  TOF_SACK,
  _net_inet_tcp,
  sackhole,
  tcp_do_newsack,
  tcp_do_sack,
  tcp_sack_globalholes,
  tcp_sack_globalmaxholes,
  tcp_sack_maxholes,
  tcps_sack_lostrexmt,
  tcps_sack_sboverflow,
  type tcpcb,
  type tcpopt,
} from "./tcp_var.ts";
import { tcp_timer_activate } from "./tcp_timer.ts";
import { TT_REXMT } from "./tcp_var.ts";
import { tcp_output } from "./tcp_output.ts";
import { tcp_maxseg, tcp_record_dsack } from "./tcp_subr.ts";
import { CC_NDUPACK } from "./cc/cc.ts";
import { cc_cong_signal } from "./tcp_input.ts";

export const _net_inet_tcp_sack = SYSCTL_NODE(_net_inet_tcp, OID_AUTO, "sack", CTLFLAG_RW, null, "TCP SACK");

SYSCTL_INT(_net_inet_tcp_sack, OID_AUTO, "enable", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_sack, 0, "Enable/Disable TCP SACK support");

SYSCTL_INT(_net_inet_tcp_sack, OID_AUTO, "revised", CTLFLAG_VNET | CTLFLAG_RW, tcp_do_newsack, 0, "Use revised SACK loss recovery per RFC 6675");

SYSCTL_INT(_net_inet_tcp_sack, OID_AUTO, "maxholes", CTLFLAG_VNET | CTLFLAG_RW, tcp_sack_maxholes, 0, "Maximum number of TCP SACK holes allowed per connection");

SYSCTL_INT(_net_inet_tcp_sack, OID_AUTO, "globalmaxholes", CTLFLAG_VNET | CTLFLAG_RW, tcp_sack_globalmaxholes, 0, "Global maximum number of TCP SACK holes");

SYSCTL_INT(_net_inet_tcp_sack, OID_AUTO, "globalholes", CTLFLAG_VNET | CTLFLAG_RD, tcp_sack_globalholes, 0, "Global number of TCP SACK holes currently allocated");

const LOG_CRIT = 2;

/** sackstatus_t: what an ACK told the scoreboard (tcp_sack_doack). */
export const SACK_NOCHANGE = 0;
export const SACK_CHANGE = 1;
export const SACK_NEWLOSS = 2;

// ---------------------------------------------------------------------------
// Receiver side: the blocks we report.

/** tcp_dsack_block_exists: the first block reports a duplicate (below rcv_nxt). */
export function tcp_dsack_block_exists(tp: tcpcb): boolean {
  if (tp.rcv_numsacks === 0) return false;
  return SEQ_LEQ(tp.sackblks[0].end, tp.rcv_nxt);
}

// Scratch block lists (FreeBSD keeps them on the stack).
const saved_blks: sackblk_t[] = [];
for (let i = 0; i < MAX_SACK_BLKS; i++) saved_blks.push({ start: 0, end: 0 });
interface sackblk_t {
  start: number;
  end: number;
}

/**
 * tcp_update_dsack_list(tp, rcv_start, rcv_end): a segment [rcv_start,
 * rcv_end) arrived that we had (partly) before: report the overlap as a
 * D-SACK block in front, keep the SACK block it touches next, then the rest.
 */
export function tcp_update_dsack_list(tp: tcpcb, rcv_start: number, rcv_end: number): void {
  let head_start = 0;
  let head_end = 0;
  let mid_start = rcv_start;
  let mid_end = rcv_end;
  let identical = false;
  if (SEQ_LT(rcv_end, tp.rcv_nxt) || (rcv_end === tp.rcv_nxt && tp.rcv_numsacks > 0 && tp.sackblks[0].end === tp.rcv_nxt)) {
    saved_blks[0].start = rcv_start;
    saved_blks[0].end = rcv_end;
  } else {
    saved_blks[0].start = saved_blks[0].end = 0;
  }
  for (let i = 0; i < tp.rcv_numsacks; i++) {
    const start = tp.sackblks[i].start;
    const end = tp.sackblks[i].end;
    if (SEQ_LT(rcv_end, start)) continue; // the segment is left of this block
    if (SEQ_GT(rcv_start, end)) continue; // right of it
    if (SEQ_GT(tp.rcv_nxt, end)) {
      if (SEQ_MAX(rcv_start, start) !== SEQ_MIN(rcv_end, end) && (SEQ_GT(head_start, SEQ_MAX(rcv_start, start)) || head_start === head_end)) {
        head_start = SEQ_MAX(rcv_start, start);
        head_end = SEQ_MIN(rcv_end, end);
      }
      continue;
    }
    if ((head_start === head_end || SEQ_LT(start, head_start)) && SEQ_GT(end, rcv_start) && SEQ_LEQ(start, rcv_end)) {
      head_start = start;
      head_end = end;
    }
    mid_start = SEQ_MIN(mid_start, start);
    mid_end = SEQ_MAX(mid_end, end);
    if (mid_start === start && mid_end === end) identical = true;
  }
  if (SEQ_LT(head_start, head_end)) {
    // The overlapping range.
    saved_blks[0].start = SEQ_MAX(rcv_start, head_start);
    saved_blks[0].end = SEQ_MIN(rcv_end, head_end);
  }
  let n = 1;
  // Then the SACK block around it, unless it is the D-SACK block itself.
  if ((SEQ_LT(tp.rcv_nxt, mid_end) && !(mid_start === saved_blks[0].start && mid_end === saved_blks[0].end)) || identical) {
    saved_blks[n].start = mid_start;
    saved_blks[n++].end = mid_end;
  }
  for (let j = 0; j < tp.rcv_numsacks && n < MAX_SACK_BLKS; j++) {
    const b = tp.sackblks[j];
    if ((SEQ_LT(b.end, mid_start) || SEQ_GT(b.start, mid_end)) && SEQ_GT(b.start, tp.rcv_nxt)) {
      saved_blks[n].start = b.start;
      saved_blks[n++].end = b.end;
    }
  }
  let j = 0;
  for (let i = 0; i < n; i++) {
    // An empty first entry is possible: skip it.
    if (SEQ_LT(saved_blks[i].start, saved_blks[i].end)) {
      tp.sackblks[j].start = saved_blks[i].start;
      tp.sackblks[j++].end = saved_blks[i].end;
    }
  }
  tp.rcv_numsacks = j;
}

/**
 * tcp_update_sack_list(tp, rcv_start, rcv_end): out-of-order data
 * [rcv_start, rcv_end) arrived: its block (merged with the blocks it
 * touches) goes first, the others keep their order (RFC 2018).
 */
export function tcp_update_sack_list(tp: tcpcb, rcv_start: number, rcv_end: number): void {
  let head_start: number;
  let head_end: number;
  if (rcv_start === rcv_end && tp.rcv_numsacks >= 1 && rcv_end === tp.sackblks[0].end) {
    // Keep the D-SACK block below rcv_nxt that todrop recorded.
    head_start = tp.sackblks[0].start;
    head_end = tp.sackblks[0].end;
  } else {
    head_start = rcv_start;
    head_end = rcv_end;
  }
  let num_saved = 0;
  for (let i = 0; i < tp.rcv_numsacks; i++) {
    let start = tp.sackblks[i].start;
    let end = tp.sackblks[i].end;
    if (SEQ_GEQ(start, end) || SEQ_LEQ(start, tp.rcv_nxt)) {
      // Stale or acknowledged: dropped.
    } else if (SEQ_LEQ(head_start, end) && SEQ_GEQ(head_end, start)) {
      // Touches the new block: merged into it.
      if (head_start === end) head_start = start;
      else if (head_end === start) head_end = end;
      else {
        if (SEQ_LT(head_start, start)) {
          const t = start;
          start = head_start;
          head_start = t;
        }
        if (SEQ_GT(head_end, end)) {
          const t = end;
          end = head_end;
          head_end = t;
        }
        if (head_start !== start || head_end !== end) {
          if (num_saved >= 1 && SEQ_GEQ(saved_blks[num_saved - 1].start, start) && SEQ_LEQ(saved_blks[num_saved - 1].end, end)) num_saved--;
          saved_blks[num_saved].start = start;
          saved_blks[num_saved].end = end;
          num_saved++;
        }
      }
    } else {
      // A block of its own; it replaces a saved one it covers.
      if (num_saved >= 1 && SEQ_GEQ(saved_blks[num_saved - 1].start, start) && SEQ_LEQ(saved_blks[num_saved - 1].end, end)) num_saved--;
      saved_blks[num_saved].start = start;
      saved_blks[num_saved].end = end;
      num_saved++;
    }
  }
  let num_head = 0;
  if (SEQ_LT(rcv_start, rcv_end)) {
    tp.sackblks[0].start = head_start;
    tp.sackblks[0].end = head_end;
    num_head = 1;
    if (num_saved >= MAX_SACK_BLKS) num_saved--;
  }
  if (rcv_start === rcv_end && rcv_start === tp.sackblks[0].end) num_head = 1;
  for (let i = 0; i < num_saved; i++) {
    tp.sackblks[num_head + i].start = saved_blks[i].start;
    tp.sackblks[num_head + i].end = saved_blks[i].end;
  }
  tp.rcv_numsacks = num_head + num_saved;
}

/** tcp_clean_dsack_blocks: drop the D-SACK (and acknowledged) blocks. */
export function tcp_clean_dsack_blocks(tp: tcpcb): void {
  let num_saved = 0;
  for (let i = 0; i < tp.rcv_numsacks; i++) {
    const start = tp.sackblks[i].start;
    const end = tp.sackblks[i].end;
    if (SEQ_GEQ(start, end) || SEQ_LEQ(start, tp.rcv_nxt)) continue;
    saved_blks[num_saved].start = start;
    saved_blks[num_saved].end = end;
    num_saved++;
  }
  for (let i = 0; i < num_saved; i++) {
    tp.sackblks[i].start = saved_blks[i].start;
    tp.sackblks[i].end = saved_blks[i].end;
  }
  tp.rcv_numsacks = num_saved;
}

/** tcp_clean_sackreport: forget every block we report. */
export function tcp_clean_sackreport(tp: tcpcb): void {
  tp.rcv_numsacks = 0;
  for (let i = 0; i < MAX_SACK_BLKS; i++) tp.sackblks[i].start = tp.sackblks[i].end = 0;
}

// ---------------------------------------------------------------------------
// Sender side: the scoreboard.

/** Freed holes, reused (the sack hole zone). */
const sackhole_free: sackhole[] = [];

function tcp_sackhole_alloc(tp: tcpcb, start: number, end: number): sackhole | null {
  if (tp.snd_numholes >= VNET_I32(tcp_sack_maxholes) || VNET_I32(tcp_sack_globalholes) >= VNET_I32(tcp_sack_globalmaxholes)) {
    TCPSTAT_INC(tcps_sack_sboverflow);
    return null;
  }
  const hole = sackhole_free.pop() ?? new sackhole();
  hole.start = start;
  hole.end = end;
  hole.rxmit = start;
  tp.snd_numholes++;
  VNET_I32_SET(tcp_sack_globalholes, VNET_I32(tcp_sack_globalholes) + 1);
  return hole;
}

function tcp_sackhole_free(tp: tcpcb, hole: sackhole): void {
  sackhole_free.push(hole);
  tp.snd_numholes--;
  VNET_I32_SET(tcp_sack_globalholes, VNET_I32(tcp_sack_globalholes) - 1);
}

/** Insert a new hole after `after` (at the tail when null). */
function tcp_sackhole_insert(tp: tcpcb, start: number, end: number, after: sackhole | null): sackhole | null {
  const hole = tcp_sackhole_alloc(tp, start, end);
  if (hole === null) return null;
  holes_insert_after(tp, after, hole);
  if (tp.sackhint.nexthole === null) tp.sackhint.nexthole = hole;
  return hole;
}

function tcp_sackhole_remove(tp: tcpcb, hole: sackhole): void {
  if (tp.sackhint.nexthole === hole) tp.sackhint.nexthole = hole_next(tp, hole);
  holes_remove(tp, hole);
  tcp_sackhole_free(tp, hole);
}

// The received blocks plus the cumulative ACK, sorted (scratch).
const sack_blocks: sackblk_t[] = [];
for (let i = 0; i < TCP_MAX_SACK + 1; i++) sack_blocks.push({ start: 0, end: 0 });

/**
 * tcp_sack_doack(tp, to, th_ack): fold a cumulative ACK and the SACK blocks
 * of `to` into the scoreboard.  SACK_NEWLOSS when a hole was split or a new
 * one appeared, SACK_CHANGE when the blocks told something new,
 * SACK_NOCHANGE otherwise.
 */
export function tcp_sack_doack(tp: tcpcb, to: tcpopt, th_ack: number): number {
  let num_sack_blks = 0;
  let sack_changed = SACK_NOCHANGE;
  let delivered_data = 0;
  let left_edge_delta = 0;

  // An ACK that moves snd_una while holes exist counts as a block.
  if (SEQ_LT(tp.snd_una, th_ack) && !holes_empty(tp)) {
    left_edge_delta = (th_ack - tp.snd_una) | 0;
    sack_blocks[num_sack_blks].start = tp.snd_una;
    sack_blocks[num_sack_blks++].end = th_ack;
    if (SEQ_LT(tp.snd_fack, th_ack)) {
      delivered_data += (th_ack - tp.snd_una) | 0;
      tp.snd_fack = th_ack;
      sack_changed = SACK_CHANGE;
    }
  }
  if ((to.to_flags & TOF_SACK) !== 0) {
    const dv = (to.to_sacks_m as mbuf).m_dv;
    for (let i = 0; i < to.to_nsacks; i++) {
      const start = dv.getInt32(to.to_sacks + i * TCPOLEN_SACK);
      const end = dv.getInt32(to.to_sacks + i * TCPOLEN_SACK + 4);
      if (SEQ_GT(end, start) && SEQ_GT(start, tp.snd_una) && SEQ_GT(start, th_ack) && SEQ_LT(start, tp.snd_max) && SEQ_GT(end, tp.snd_una) && SEQ_LEQ(end, tp.snd_max)) {
        sack_blocks[num_sack_blks].start = start;
        sack_blocks[num_sack_blks++].end = end;
      } else if (SEQ_LEQ(start, th_ack) && SEQ_LEQ(end, th_ack)) {
        // A D-SACK block.
        tcp_record_dsack(tp, start, end, 0);
      }
    }
  }
  if (num_sack_blks === 0) return sack_changed;

  // Sort by end so one pass from the tail updates the scoreboard.
  for (let i = 0; i < num_sack_blks; i++) {
    for (let j = i + 1; j < num_sack_blks; j++) {
      if (SEQ_GT(sack_blocks[i].end, sack_blocks[j].end)) {
        const s = sack_blocks[i].start;
        const e = sack_blocks[i].end;
        sack_blocks[i].start = sack_blocks[j].start;
        sack_blocks[i].end = sack_blocks[j].end;
        sack_blocks[j].start = s;
        sack_blocks[j].end = e;
      }
    }
  }
  if (holes_empty(tp)) {
    // A fresh scoreboard: snd_fack starts at the cumulative ACK.
    tp.snd_fack = SEQ_MAX(tp.snd_una, th_ack);
    tp.sackhint.sacked_bytes = 0;
  }
  let sblkp = num_sack_blks - 1;
  tp.sackhint.last_sack_ack = sack_blocks[sblkp].end;
  let temp: sackhole | null;
  if (SEQ_LT(tp.snd_fack, sack_blocks[sblkp].start)) {
    // The highest block is beyond fack.  A rescue retransmission's hole
    // moves left; otherwise a new hole goes at the tail.
    temp = holes_last(tp);
    if (temp !== null && SEQ_LEQ(tp.snd_fack, temp.end)) {
      temp.start = SEQ_MAX(tp.snd_fack, SEQ_MAX(tp.snd_una, th_ack));
      temp.end = sack_blocks[sblkp].start;
      temp.rxmit = temp.start;
      delivered_data += (sack_blocks[sblkp].end - sack_blocks[sblkp].start) | 0;
      tp.snd_fack = sack_blocks[sblkp].end;
      sblkp--;
      sack_changed = SACK_NEWLOSS;
    } else {
      temp = tcp_sackhole_insert(tp, tp.snd_fack, sack_blocks[sblkp].start, null);
      if (temp !== null) {
        delivered_data += (sack_blocks[sblkp].end - sack_blocks[sblkp].start) | 0;
        tp.snd_fack = sack_blocks[sblkp].end;
        sblkp--;
        sack_changed = SACK_CHANGE;
      } else {
        // No hole to be had: skip the blocks right of fack, trim with the rest.
        while (sblkp >= 0 && SEQ_LT(tp.snd_fack, sack_blocks[sblkp].start)) sblkp--;
        if (sblkp >= 0 && SEQ_LT(tp.snd_fack, sack_blocks[sblkp].end)) {
          delivered_data += (sack_blocks[sblkp].end - tp.snd_fack) | 0;
          tp.snd_fack = sack_blocks[sblkp].end;
          sack_changed = SACK_NEWLOSS;
        }
      }
    }
  } else if (SEQ_LT(tp.snd_fack, sack_blocks[sblkp].end)) {
    delivered_data += (sack_blocks[sblkp].end - tp.snd_fack) | 0;
    tp.snd_fack = sack_blocks[sblkp].end;
    sack_changed = SACK_CHANGE;
  }
  let cur = holes_last(tp);
  // Blocks and holes are both sorted: one sweep from the right.
  while (sblkp >= 0 && cur !== null) {
    const sb = sack_blocks[sblkp];
    if (SEQ_GEQ(sb.start, cur.end)) {
      sblkp--;
      continue;
    }
    if (SEQ_LEQ(sb.end, cur.start)) {
      cur = hole_prev(tp, cur);
      continue;
    }
    tp.sackhint.sack_bytes_rexmit -= (SEQ_MIN(cur.rxmit, cur.end) - cur.start) | 0;
    sack_changed = SACK_CHANGE;
    if (SEQ_LEQ(sb.start, cur.start)) {
      if (SEQ_GEQ(sb.end, cur.end)) {
        // The whole hole is acknowledged.
        delivered_data += (cur.end - cur.start) | 0;
        temp = cur;
        cur = hole_prev(tp, cur);
        tcp_sackhole_remove(tp, temp);
        continue;
      }
      delivered_data += (sb.end - cur.start) | 0;
      cur.start = sb.end;
      cur.rxmit = SEQ_MAX(cur.rxmit, cur.start);
    } else {
      if (SEQ_GEQ(sb.end, cur.end)) {
        // The hole's end is acknowledged.
        delivered_data += (cur.end - sb.start) | 0;
        cur.end = sb.start;
        cur.rxmit = SEQ_MIN(cur.rxmit, cur.end);
        if ((tp.t_flags & TF_LRD) !== 0 && SEQ_GEQ(cur.rxmit, cur.end)) cur.rxmit = tp.snd_recover;
      } else {
        // The middle of the hole: split it.
        temp = tcp_sackhole_insert(tp, sb.end, cur.end, cur);
        sack_changed = SACK_NEWLOSS;
        if (temp !== null) {
          if (SEQ_GT(cur.rxmit, temp.rxmit)) {
            temp.rxmit = cur.rxmit;
            tp.sackhint.sack_bytes_rexmit += (SEQ_MIN(temp.rxmit, temp.end) - temp.start) | 0;
          }
          cur.end = sb.start;
          cur.rxmit = SEQ_MIN(cur.rxmit, cur.end);
          if ((tp.t_flags & TF_LRD) !== 0 && SEQ_GEQ(cur.rxmit, cur.end)) cur.rxmit = tp.snd_recover;
          delivered_data += (sb.end - sb.start) | 0;
        }
      }
    }
    tp.sackhint.sack_bytes_rexmit += (SEQ_MIN(cur.rxmit, cur.end) - cur.start) | 0;
    // Done with the block or with the hole?
    if (SEQ_LEQ(sb.start, cur.start)) cur = hole_prev(tp, cur);
    else sblkp--;
  }
  // A pure cumulative ACK is no duplicate (RFC 6675's rescue needs this too).
  if ((to.to_flags & TOF_SACK) === 0) sack_changed = SACK_NOCHANGE;
  tp.sackhint.delivered_data = delivered_data;
  tp.sackhint.sacked_bytes += delivered_data - left_edge_delta;
  return sack_changed;
}

/** tcp_free_sackholes: empty the scoreboard. */
export function tcp_free_sackholes(tp: tcpcb): void {
  for (let q = holes_first(tp); q !== null; q = holes_first(tp)) tcp_sackhole_remove(tp, q);
  tp.sackhint.sack_bytes_rexmit = 0;
}

/**
 * tcp_sack_partialack(tp, th): a partial ACK during SACK recovery: let one
 * or two segments out, and (RFC 6675) add a rescue hole at the tail when the
 * scoreboard emptied on a cumulative ACK.
 */
export function tcp_sack_partialack(tp: tcpcb, th: hdrptr): void {
  const th_ack = th.dv.getInt32(th.off + TCPH_ACK);
  let num_segs = 1;
  const maxseg = tcp_maxseg(tp);
  tcp_timer_activate(tp, TT_REXMT, 0);
  tp.t_rtttime = 0;
  if (Math.floor(BYTES_THIS_ACK(tp, th_ack) / maxseg) >= 2) num_segs = 2;
  tp.snd_cwnd = (tp.sackhint.sack_bytes_rexmit + ((tp.snd_nxt - tp.snd_recover) | 0) + num_segs * maxseg) >>> 0;
  if (tp.snd_cwnd > tp.snd_ssthresh) tp.snd_cwnd = tp.snd_ssthresh;
  tp.t_flags |= TF_ACKNOW;
  if (VNET_I32(tcp_do_newsack) !== 0 && SEQ_LT(th_ack, tp.snd_recover) && holes_empty(tp) && tp.sackhint.delivered_data > 0) {
    // Leave the FIN out of the rescue hole, and no hole for a FIN alone.
    let highdata = tp.snd_max;
    if ((tp.t_flags & TF_SENTFIN) !== 0) highdata = (highdata - 1) | 0;
    highdata = SEQ_MIN(highdata, tp.snd_recover);
    if (th_ack !== highdata) {
      tp.snd_fack = th_ack;
      tcp_sackhole_insert(tp, SEQ_MAX(th_ack, (highdata - maxseg) | 0), highdata, null);
    }
  }
  tcp_output(tp);
}

/**
 * tcp_sack_output(tp, sack_bytes_rexmt): the next hole to retransmit from
 * (null when none), and the bytes of holes resent so far.
 */
export function tcp_sack_output(tp: tcpcb, sack_bytes_rexmt: intp): sackhole | null {
  sack_bytes_rexmt.v = tp.sackhint.sack_bytes_rexmit;
  let hole = tp.sackhint.nexthole;
  if (hole === null) return null;
  if (SEQ_GEQ(hole.rxmit, hole.end)) {
    for (;;) {
      hole = hole_next(tp, hole);
      if (hole === null) return null;
      if (SEQ_LT(hole.rxmit, hole.end)) {
        tp.sackhint.nexthole = hole;
        break;
      }
    }
  }
  if (VNET_I32(tcp_do_newsack) === 0) {
    if (SEQ_GEQ(hole.start, hole.end) || SEQ_GEQ(hole.start, tp.snd_fack) || SEQ_GEQ(hole.end, tp.snd_fack) || SEQ_GEQ(hole.rxmit, tp.snd_fack)) {
      log(LOG_CRIT, `tcp: invalid SACK hole (${hole.start >>> 0}-${hole.end >>> 0},${hole.rxmit >>> 0}) vs fwd ack ${tp.snd_fack >>> 0}, ignoring.\n`);
      return null;
    }
  }
  return hole;
}

/**
 * tcp_sack_adjust(tp): after a timeout, move snd_nxt past data the peer
 * has SACKed (between holes, or past the last hole up to snd_fack).
 */
export function tcp_sack_adjust(tp: tcpcb): void {
  let cur = holes_first(tp);
  if (cur === null) return;
  if (SEQ_GEQ(tp.snd_nxt, tp.snd_fack)) return;
  for (let p = hole_next(tp, cur); p !== null; p = hole_next(tp, cur)) {
    if (SEQ_LT(tp.snd_nxt, cur.end)) return;
    if (SEQ_GEQ(tp.snd_nxt, p.start)) cur = p;
    else {
      tp.snd_nxt = p.start;
      return;
    }
  }
  if (SEQ_LT(tp.snd_nxt, cur.end)) return;
  tp.snd_nxt = tp.snd_fack;
}

/**
 * tcp_sack_lost_retransmission(tp, th): fack passed the resent part of the
 * first hole, so a retransmission was lost too: resend the holes from the
 * start and take another congestion signal.
 */
export function tcp_sack_lost_retransmission(tp: tcpcb, th: hdrptr): void {
  const first = holes_first(tp);
  if (IN_RECOVERY(tp.t_flags) && SEQ_GT(tp.snd_fack, tp.snd_recover) && first !== null && SEQ_GEQ(first.rxmit, first.end) && SEQ_GEQ(tp.snd_fack, first.rxmit)) {
    TCPSTAT_INC(tcps_sack_lostrexmt);
    tp.sackhint.nexthole = first;
    for (let t: sackhole | null = first; t !== null; t = hole_next(tp, t)) {
      if (SEQ_GEQ(tp.snd_fack, t.rxmit) && SEQ_GEQ(t.rxmit, t.end)) t.rxmit = t.start;
    }
    tp.snd_cwnd = tp.snd_ssthresh;
    EXIT_RECOVERY(tp);
    cc_cong_signal(tp, th, CC_NDUPACK);
    tp.snd_cwnd = tcp_maxseg(tp);
    tp.sackhint.recover_fs = (((tp.snd_max - tp.snd_una) | 0) - tp.sackhint.recover_fs) >>> 0;
  }
}

// ---------------------------------------------------------------------------
// The scoreboard is an array in sequence order (FreeBSD's TAILQ).

function holes_empty(tp: tcpcb): boolean {
  return tp.snd_holes.length === 0;
}
function holes_first(tp: tcpcb): sackhole | null {
  return tp.snd_holes.length > 0 ? tp.snd_holes[0] : null;
}
function holes_last(tp: tcpcb): sackhole | null {
  const n = tp.snd_holes.length;
  return n > 0 ? tp.snd_holes[n - 1] : null;
}
function hole_next(tp: tcpcb, h: sackhole): sackhole | null {
  const i = tp.snd_holes.indexOf(h);
  return i >= 0 && i + 1 < tp.snd_holes.length ? tp.snd_holes[i + 1] : null;
}
function hole_prev(tp: tcpcb, h: sackhole): sackhole | null {
  const i = tp.snd_holes.indexOf(h);
  return i > 0 ? tp.snd_holes[i - 1] : null;
}
function holes_insert_after(tp: tcpcb, after: sackhole | null, h: sackhole): void {
  const a = tp.snd_holes;
  const i = after === null ? a.length : a.indexOf(after) + 1;
  // In place, no splice: nothing allocated.
  a.push(h);
  for (let j = a.length - 1; j > i; j--) a[j] = a[j - 1];
  a[i] = h;
}
function holes_remove(tp: tcpcb, h: sackhole): void {
  const a = tp.snd_holes;
  const i = a.indexOf(h);
  if (i < 0) return;
  for (let j = i; j + 1 < a.length; j++) a[j] = a[j + 1];
  a.pop();
}
