// Hostile frames: each is put in an mbuf chain as a driver would (one
// mbuf, a cluster, or a chain of small mbufs and clusters) and handed to
// the interface's if_input.  After a batch, virtual time runs so that the
// epair queues drain and reassembly and ARP timers fire; then the batch is
// checked: no exception, the interface counters add up, no mbuf is left
// behind.
import type { Kernel } from "./kernel.ts";
import type { mbuf } from "../kern/mbuf.ts";
import type { ifnet } from "../net/if.ts";
import { frame_targets, pick_weighted } from "./registry.ts";
import { hex, rng } from "./rng.ts";
import { drain_sockets, settle, type inject_point, type world } from "./topo.ts";

/** One injected frame: where, the bytes, and how the chain was cut (sizes
 *  of the mbufs after the first; empty: m_devget's own layout). */
export interface frame_case {
  point: string;
  target: string;
  bytes: Uint8Array;
  cuts: number[];
}

/** How long a batch lets virtual time run: past IPFRAGTTL (15 s... the
 *  reassembly queue's 30 s at most) and the ARP hold. */
export const SETTLE_NS = 61e9;

export function point_name(pt: inject_point): string {
  return `${pt.jail}:${pt.ifname}`;
}

/** The chain for `c`, or null when the zones are exhausted. */
export function build_chain(k: Kernel, ifp: ifnet, c: frame_case): mbuf | null {
  const b = c.bytes;
  if (c.cuts.length === 0) {
    if (b.length === 0) {
      const m = k.m_gethdr(k.M_NOWAIT, k.MT_DATA);
      if (m === null) return null;
      m.m_pkthdr.rcvif = ifp;
      return m;
    }
    return k.m_devget(b, 0, b.length, ifp);
  }
  // The first mbuf holds what is left after the cuts (at least 0 bytes).
  let rest = b.length;
  for (const x of c.cuts) rest -= x;
  const sizes = [Math.max(0, rest), ...c.cuts];
  let top: mbuf | null = null;
  let tail: mbuf | null = null;
  let off = 0;
  for (let i = 0; i < sizes.length; i++) {
    const n = Math.min(sizes[i], b.length - off);
    let m: mbuf | null;
    if (i === 0) m = n > k.MHLEN ? k.m_getcl(k.M_NOWAIT, k.MT_DATA, k.M_PKTHDR) : k.m_gethdr(k.M_NOWAIT, k.MT_DATA);
    else m = n > k.MLEN ? k.m_getcl(k.M_NOWAIT, k.MT_DATA, 0) : k.m_get(k.M_NOWAIT, k.MT_DATA);
    if (m === null) {
      k.m_freem(top);
      return null;
    }
    m.m_buf.set(b.subarray(off, off + n), m.m_data);
    m.m_len = n;
    off += n;
    if (tail === null) top = m;
    else tail.m_next = m;
    tail = m;
  }
  if (top === null) return null;
  top.m_pkthdr.len = b.length;
  top.m_pkthdr.rcvif = ifp;
  return top;
}

/** A chain layout for a frame of `len` bytes. */
function draw_cuts(r: rng, len: number): number[] {
  if (len < 2 || r.chance(0.6)) return [];
  const cuts: number[] = [];
  let left = len - r.int(Math.min(len, 120));
  while (left > 0 && cuts.length < 8) {
    const n = Math.min(left, r.chance(0.3) ? r.range(1, 8) : r.range(1, 2048));
    cuts.push(n);
    left -= n;
  }
  return cuts;
}

export function draw_case(r: rng, pt: inject_point): frame_case {
  const t = pick_weighted(r, frame_targets);
  const bytes = t.gen(r, pt);
  return { point: point_name(pt), target: t.name, bytes, cuts: draw_cuts(r, bytes.length) };
}

export interface frame_stats {
  frames: number;
  bytes: number;
  denied: number;
  batches: number;
}

export interface frame_failure {
  kind: "exception" | "leak" | "counters" | "invariant";
  message: string;
  batch: frame_case[];
}

/** Link counters of an interface and its peer, what the sums are made of. */
interface link_snap {
  ipackets: number;
  ibytes: number;
  ierrors: number;
  imcasts: number;
  peer_opackets: number;
  peer_obytes: number;
  peer_omcasts: number;
}

function snap_link(k: Kernel, ifp: ifnet, peer: ifnet): link_snap {
  const c = (i: ifnet, n: number): number => k.if_get_counter(i, n);
  return {
    ipackets: c(ifp, k.IFCOUNTER_IPACKETS),
    ibytes: c(ifp, k.IFCOUNTER_IBYTES),
    ierrors: c(ifp, k.IFCOUNTER_IERRORS),
    imcasts: c(ifp, k.IFCOUNTER_IMCASTS),
    peer_opackets: c(peer, k.IFCOUNTER_OPACKETS),
    peer_obytes: c(peer, k.IFCOUNTER_OBYTES),
    peer_omcasts: c(peer, k.IFCOUNTER_OMCASTS),
  };
}

/** What the injected frames should add to the receiver's counters. */
interface link_expect {
  packets: number;
  bytes: number;
  errors: number;
  mcasts: number;
}

/** Inject one frame as a driver's receive interrupt would: count it, hand
 *  the chain to if_input.  Returns false when no chain could be had. */
export function inject(k: Kernel, ifp: ifnet, c: frame_case, e: link_expect): boolean {
  const m = build_chain(k, ifp, c);
  if (m === null) return false;
  const up = (ifp.if_flags & k.IFF_UP) !== 0;
  k.if_inc_counter(ifp, k.IFCOUNTER_IPACKETS, 1);
  e.packets++;
  if (up) {
    if (m.m_len < 14) e.errors++;
    else {
      e.bytes += c.bytes.length;
      if ((m.m_buf[m.m_data] & 1) !== 0) e.mcasts++;
      // An 802.1Q/QinQ header the frame is too short for.
      const etype = (m.m_buf[m.m_data + 12] << 8) | m.m_buf[m.m_data + 13];
      if ((etype === 0x8100 || etype === 0x88a8) && c.bytes.length < 18) e.errors++;
    }
  }
  const fn = ifp.if_input;
  if (fn === null) {
    k.m_freem(m);
    return true;
  }
  fn(ifp, m);
  return true;
}

function check_link(before: link_snap, after: link_snap, e: link_expect): string | null {
  const d = (a: number, b: number): number => a - b;
  const peer_p = d(after.peer_opackets, before.peer_opackets);
  const peer_b = d(after.peer_obytes, before.peer_obytes);
  const peer_m = d(after.peer_omcasts, before.peer_omcasts);
  const bad: string[] = [];
  if (d(after.ipackets, before.ipackets) !== e.packets + peer_p) bad.push(`ipackets +${d(after.ipackets, before.ipackets)}, injected ${e.packets} + peer sent ${peer_p}`);
  if (d(after.ibytes, before.ibytes) !== e.bytes + peer_b) bad.push(`ibytes +${d(after.ibytes, before.ibytes)}, injected ${e.bytes} + peer sent ${peer_b}`);
  if (d(after.ierrors, before.ierrors) !== e.errors) bad.push(`ierrors +${d(after.ierrors, before.ierrors)}, runts injected ${e.errors}`);
  if (d(after.imcasts, before.imcasts) !== e.mcasts + peer_m) bad.push(`imcasts +${d(after.imcasts, before.imcasts)}, injected ${e.mcasts} + peer sent ${peer_m}`);
  return bad.length === 0 ? null : bad.join("; ");
}

function errstr(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/** The injection point's interface and its peer, as they are now. */
export function point_ifps(w: world, pt: inject_point): { ifp: ifnet; peer: ifnet } | null {
  const ifp = w.ifp_of(pt.jail, pt.ifname);
  const peer = w.ifp_of(pt.peer_jail, pt.peer_ifname);
  return ifp === null || peer === null ? null : { ifp, peer };
}

/**
 * Inject `cases` (all on one point) and check.  `outstanding` is what the
 * zones held before (sockets drained): after settling and draining again
 * they must hold no more.
 */
export function run_batch(w: world, pt: inject_point, cases: frame_case[], st: frame_stats, check_leaks: boolean): frame_failure | null {
  const k = w.k;
  const ifs = point_ifps(w, pt);
  if (ifs === null) return { kind: "invariant", message: `${point_name(pt)}: the topology's interface is gone`, batch: [] };
  const before = snap_link(k, ifs.ifp, ifs.peer);
  const base = k.mbuf_outstanding();
  const e: link_expect = { packets: 0, bytes: 0, errors: 0, mcasts: 0 };
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    try {
      if (inject(k, ifs.ifp, c, e)) {
        st.frames++;
        st.bytes += c.bytes.length;
      } else st.denied++;
    } catch (x) {
      return { kind: "exception", message: errstr(x), batch: cases.slice(0, i + 1) };
    }
  }
  try {
    settle(w, SETTLE_NS);
    drain_sockets(w);
  } catch (x) {
    return { kind: "exception", message: errstr(x), batch: cases };
  }
  st.batches++;
  const bad = check_link(before, snap_link(k, ifs.ifp, ifs.peer), e);
  if (bad !== null) return { kind: "counters", message: `${point_name(pt)}: ${bad}`, batch: cases };
  if (check_leaks) {
    const now = k.mbuf_outstanding();
    if (now.mbufs > base.mbufs || now.clusters > base.clusters) {
      return { kind: "leak", message: `${now.mbufs - base.mbufs} mbufs and ${now.clusters - base.clusters} clusters left after the batch settled`, batch: cases };
    }
  }
  return null;
}

/** Draw a batch for point `pt` from `r`. */
export function draw_batch(r: rng, pt: inject_point, n: number): frame_case[] {
  const out: frame_case[] = [];
  for (let i = 0; i < n; i++) out.push(draw_case(r, pt));
  return out;
}

export function case_json(c: frame_case): { point: string; target: string; hex: string; cuts: number[] } {
  return { point: c.point, target: c.target, hex: hex(c.bytes), cuts: c.cuts };
}
