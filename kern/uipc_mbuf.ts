// sys/kern/uipc_mbuf.c: operations on mbuf chains.  Each keeps FreeBSD's
// contract about the chain it is given: m_pullup and m_prepend/M_PREPEND
// free it when they fail; m_copym, m_split and m_dup leave it alone.

import { KASSERT } from "./subr_prf.ts";
import { m_tag_copy_chain } from "./uipc_mbuf2.ts";
import { M_NOWAIT } from "./uma.ts";
import { mb_dupcl, m_free, m_freem, m_get, m_getcl, m_gethdr } from "./kern_mbuf.ts";
import {
  CSUM_SND_TAG,
  MCLBYTES,
  MHLEN,
  MINCLSIZE,
  MLEN,
  M_ALIGN,
  M_ASSERTPKTHDR,
  M_COPYALL,
  M_COPYFLAGS,
  M_EXT,
  M_EXTPG,
  M_LEADINGSPACE,
  M_NOFREE,
  M_PKTHDR,
  M_RDONLY,
  M_SIZE,
  M_START,
  M_TRAILINGSPACE,
  M_WRITABLE,
  MT_DATA,
  PKTHDR_SIZE,
  mbuf,
} from "./mbuf.ts";

/** The largest protocol header, grown by each protocol as it registers
 *  (max_protohdr_grow); m_pullup copies at least this much. */
export let max_protohdr = 0;
export let max_linkhdr = 16;
export let max_hdr = max_linkhdr + max_protohdr;

export function max_protohdr_grow(n: number): void {
  if (n > max_protohdr) {
    max_protohdr = n;
    max_hdr = max_linkhdr + max_protohdr;
  }
}
export function max_linkhdr_grow(n: number): void {
  if (n > max_linkhdr) {
    max_linkhdr = n;
    max_hdr = max_linkhdr + max_protohdr;
  }
}

/** m_move_pkthdr(to, from): move the packet header; `from` loses it. */
export function m_move_pkthdr(to: mbuf, from: mbuf): void {
  to.m_flags = (from.m_flags & M_COPYFLAGS) | (to.m_flags & (M_EXT | M_EXTPG));
  if ((to.m_flags & M_EXT) === 0) to.m_data = PKTHDR_SIZE;
  to.m_pkthdr.pkthdr_copy(from.m_pkthdr);
  to.m_pkthdr.tags = from.m_pkthdr.tags;
  from.m_pkthdr.tags = null;
  from.m_flags &= ~M_PKTHDR;
}

/**
 * m_dup_pkthdr(to, from, how): copy the packet header, each tag copied
 * (m_tag_copy_chain).  1 on success; 0 when a tag could not be copied, and
 * then `to` has the header but no tags.
 */
export function m_dup_pkthdr(to: mbuf, from: mbuf, how: number): number {
  to.m_flags = (from.m_flags & M_COPYFLAGS) | (to.m_flags & (M_EXT | M_EXTPG));
  if ((to.m_flags & M_EXT) === 0) to.m_data = PKTHDR_SIZE;
  to.m_pkthdr.pkthdr_copy(from.m_pkthdr);
  to.m_pkthdr.tags = null;
  return m_tag_copy_chain(to, from, how);
}

/** m_demote(m0, all, flags): strip packet headers (and all flags but the
 *  storage ones and `flags`) from the mbufs after the first, and from the
 *  first too when `all` is set. */
export function m_demote(m0: mbuf, all: boolean, flags: number): void {
  for (let m: mbuf | null = all ? m0 : m0.m_next; m !== null; m = m.m_next) {
    if ((m.m_flags & M_PKTHDR) !== 0) {
      m.m_pkthdr.pkthdr_zero();
      m.m_flags &= ~M_PKTHDR;
    }
    KASSERT(m === m0 || m.m_nextpkt === null, "m_demote: m_nextpkt not NULL");
    m.m_flags &= M_EXT | M_RDONLY | M_NOFREE | M_EXTPG | flags;
  }
}

/** m_length(m0): bytes in the chain; `last` receives the last mbuf. */
export function m_length(m0: mbuf | null, last?: { m: mbuf | null }): number {
  let len = 0;
  let m = m0;
  let l: mbuf | null = null;
  for (; m !== null; m = m.m_next) {
    len += m.m_len;
    l = m;
  }
  if (last !== undefined) last.m = l;
  return len;
}

/** m_fixhdr: store the chain length in the packet header. */
export function m_fixhdr(m0: mbuf): number {
  const len = m_length(m0);
  m0.m_pkthdr.len = len;
  return len;
}

/** m_adj(mp, len): trim len bytes from the head (len > 0) or the tail (len < 0). */
export function m_adj(mp: mbuf | null, req_len: number): void {
  let m = mp;
  if (m === null || mp === null) return;
  let len = req_len;
  if (len >= 0) {
    while (m !== null && len > 0) {
      if (m.m_len <= len) {
        len -= m.m_len;
        m.m_len = 0;
        m = m.m_next;
      } else {
        m.m_len -= len;
        m.m_data += len;
        len = 0;
      }
    }
    if ((mp.m_flags & M_PKTHDR) !== 0) mp.m_pkthdr.len -= req_len - len;
  } else {
    // Trimming the tail: one pass for the total length and the last mbuf;
    // a trim within that mbuf ends there, a longer one walks the chain
    // again to cut at the new length.
    len = -len;
    let count = 0;
    for (;;) {
      count += m.m_len;
      if (m.m_next === null) break;
      m = m.m_next;
    }
    if (m.m_len >= len) {
      m.m_len -= len;
      if ((mp.m_flags & M_PKTHDR) !== 0) mp.m_pkthdr.len -= len;
      return;
    }
    count -= len;
    if (count < 0) count = 0;
    m = mp;
    if ((m.m_flags & M_PKTHDR) !== 0) m.m_pkthdr.len = count;
    for (; m !== null; m = m.m_next) {
      if (m.m_len >= count) {
        m.m_len = count;
        if (m.m_next !== null) {
          m_freem(m.m_next);
          m.m_next = null;
        }
        break;
      }
      count -= m.m_len;
    }
  }
}

/**
 * m_pullup(n, len): make the first len bytes contiguous in the first mbuf.
 * Reuses the first mbuf when it is not a cluster and has room, else puts a
 * new one in front.  On failure the whole chain is freed and null returned.
 */
export function m_pullup(n: mbuf, len: number): mbuf | null {
  let m: mbuf;
  let nn: mbuf | null = n;
  if ((n.m_flags & M_EXT) === 0 && n.m_data + len < MLEN && n.m_next !== null) {
    if (n.m_len >= len) return n;
    m = n;
    nn = n.m_next;
    len -= m.m_len;
  } else {
    if (len > MHLEN) {
      m_freem(n);
      return null;
    }
    const mm = m_get(M_NOWAIT, n.m_type);
    if (mm === null) {
      m_freem(n);
      return null;
    }
    m = mm;
    if ((n.m_flags & M_PKTHDR) !== 0) m_move_pkthdr(m, n);
  }
  let space = MLEN - (m.m_data + m.m_len);
  do {
    const src = nn as mbuf;
    const count = Math.min(Math.min(Math.max(len, max_protohdr), space), src.m_len);
    mb_bcopy(src.m_buf, src.m_data, m.m_buf, m.m_data + m.m_len, count);
    len -= count;
    m.m_len += count;
    src.m_len -= count;
    space -= count;
    if (src.m_len !== 0) src.m_data += count;
    else nn = m_free(src);
  } while (len > 0 && nn !== null);
  if (len > 0) {
    m.m_next = null;
    m_free(m);
    m_freem(nn);
    return null;
  }
  m.m_next = nn;
  return m;
}

/** bcopy between the data areas of two small mbufs (at most MLEN bytes):
 *  a loop, so the packet path makes no subarray view per copy. */
function mb_bcopy(sb: Uint8Array, so: number, db: Uint8Array, d0: number, n: number): void {
  for (let i = 0; i < n; i++) db[d0 + i] = sb[so + i];
}

/** m_copyup(n, len, dstoff): like m_pullup but always into a new mbuf with
 *  dstoff bytes of leading space.  Frees the chain on failure. */
export function m_copyup(n: mbuf, len: number, dstoff: number): mbuf | null {
  let nn: mbuf | null = n;
  if (len > MHLEN - dstoff) {
    m_freem(n);
    return null;
  }
  const m = m_get(M_NOWAIT, n.m_type);
  if (m === null) {
    m_freem(n);
    return null;
  }
  if ((n.m_flags & M_PKTHDR) !== 0) m_move_pkthdr(m, n);
  m.m_data += dstoff;
  let space = MLEN - (m.m_data + m.m_len);
  do {
    const src = nn as mbuf;
    const count = Math.min(Math.min(Math.max(len, max_protohdr), space), src.m_len);
    mb_bcopy(src.m_buf, src.m_data, m.m_buf, m.m_data + m.m_len, count);
    len -= count;
    m.m_len += count;
    src.m_len -= count;
    space -= count;
    if (src.m_len !== 0) src.m_data += count;
    else nn = m_free(src);
  } while (len > 0 && nn !== null);
  if (len > 0) {
    m.m_next = null;
    m_free(m);
    m_freem(nn);
    return null;
  }
  m.m_next = nn;
  return m;
}

/** m_prepend(m, len, how): put a new mbuf holding len bytes in front.
 *  Frees the chain and returns null on failure. */
export function m_prepend(m: mbuf, len: number, how: number): mbuf | null {
  const mn = (m.m_flags & M_PKTHDR) !== 0 ? m_gethdr(how, m.m_type) : m_get(how, m.m_type);
  if (mn === null) {
    m_freem(m);
    return null;
  }
  if ((m.m_flags & M_PKTHDR) !== 0) m_move_pkthdr(mn, m);
  mn.m_next = m;
  if (len < M_SIZE(mn)) M_ALIGN(mn, len);
  mn.m_len = len;
  return mn;
}

/** M_PREPEND(m, plen, how): room for plen bytes at the front, in place when
 *  there is leading space.  Returns the new head, or null (chain freed). */
export function M_PREPEND(m: mbuf, plen: number, how: number): mbuf | null {
  let mm: mbuf | null = m;
  if (M_LEADINGSPACE(m) >= plen) {
    m.m_data -= plen;
    m.m_len += plen;
  } else {
    mm = m_prepend(m, plen, how);
  }
  if (mm !== null && (mm.m_flags & M_PKTHDR) !== 0) mm.m_pkthdr.len += plen;
  return mm;
}

/**
 * m_copym(m, off, len, how): a copy of len bytes (or M_COPYALL) from off.
 * Cluster data is shared, not copied (the copy is read-only while shared);
 * small data is copied.  Null on failure, the source untouched.
 */
export function m_copym(m: mbuf | null, off0: number, len: number, how: number): mbuf | null {
  // (Messages built only on failure: raw sockets copy every packet.)
  if (off0 < 0) KASSERT(false, `m_copym, negative off ${off0}`);
  if (len < 0) KASSERT(false, `m_copym, negative len ${len}`);
  let off = off0;
  let src = m;
  let copyhdr = off === 0 && src !== null && (src.m_flags & M_PKTHDR) !== 0;
  while (off > 0) {
    KASSERT(src !== null, "m_copym, offset > size of mbuf chain");
    if (off < src.m_len) break;
    off -= src.m_len;
    src = src.m_next;
  }
  let top: mbuf | null = null;
  let tail: mbuf | null = null;
  while (len > 0) {
    if (src === null) {
      KASSERT(len === M_COPYALL, "m_copym, length > size of mbuf chain");
      break;
    }
    const n = copyhdr ? m_gethdr(how, src.m_type) : m_get(how, src.m_type);
    if (n === null) {
      m_freem(top);
      return null;
    }
    if (tail === null) top = n;
    else tail.m_next = n;
    tail = n;
    if (copyhdr) {
      m_dup_pkthdr(n, src, how);
      if (len === M_COPYALL) n.m_pkthdr.len -= off0;
      else n.m_pkthdr.len = len;
      copyhdr = false;
    }
    n.m_len = Math.min(len, src.m_len - off);
    if ((src.m_flags & (M_EXT | M_EXTPG)) !== 0) {
      n.m_data = src.m_data + off;
      mb_dupcl(n, src);
    } else {
      // At most MLEN bytes: a loop, not a subarray view per copy.
      const sb = src.m_buf;
      const db = n.m_buf;
      const s0 = src.m_data + off;
      const d0 = n.m_data;
      for (let i = 0; i < n.m_len; i++) db[d0 + i] = sb[s0 + i];
    }
    if (len !== M_COPYALL) len -= n.m_len;
    off = 0;
    src = src.m_next;
  }
  return top;
}

/** m_copypacket(m, how): the whole packet, sharing clusters.  Unlike
 *  m_copym, the copy's first mbuf keeps the original's leading space, so a
 *  header can still be prepended in place. */
export function m_copypacket(m: mbuf, how: number): mbuf | null {
  let n = m_get(how, m.m_type);
  const top = n;
  if (n === null) return null;
  m_dup_pkthdr(n, m, how);
  n.m_len = m.m_len;
  if ((m.m_flags & (M_EXT | M_EXTPG)) !== 0) {
    n.m_data = m.m_data;
    mb_dupcl(n, m);
  } else {
    n.m_data = m.m_data;
    mb_bcopy(m.m_buf, m.m_data, n.m_buf, n.m_data, m.m_len);
  }
  for (let src = m.m_next; src !== null; src = src.m_next) {
    const o = m_get(how, src.m_type);
    if (o === null) {
      m_freem(top);
      return null;
    }
    n.m_next = o;
    n = o;
    n.m_len = src.m_len;
    if ((src.m_flags & (M_EXT | M_EXTPG)) !== 0) {
      n.m_data = src.m_data;
      mb_dupcl(n, src);
    } else {
      mb_bcopy(src.m_buf, src.m_data, n.m_buf, n.m_data, src.m_len);
    }
  }
  return top;
}

/** m_copydata(m, off, len, cp): copy out to a flat buffer. */
export function m_copydata(m: mbuf | null, off: number, len: number, cp: Uint8Array, cpoff = 0): void {
  KASSERT(off >= 0, `m_copydata, negative off ${off}`);
  KASSERT(len >= 0, `m_copydata, negative len ${len}`);
  while (off > 0) {
    KASSERT(m !== null, "m_copydata, offset > size of mbuf chain");
    if (off < m.m_len) break;
    off -= m.m_len;
    m = m.m_next;
  }
  while (len > 0) {
    KASSERT(m !== null, "m_copydata, length > size of mbuf chain");
    const count = Math.min(m.m_len - off, len);
    cp.set(m.m_buf.subarray(m.m_data + off, m.m_data + off + count), cpoff);
    len -= count;
    cpoff += count;
    off = 0;
    m = m.m_next;
  }
}

/**
 * m_copyback(m0, off, len, cp): write into the chain at off, growing it with
 * zero-filled mbufs past its end as needed; raises pkthdr.len if it grew.
 */
export function m_copyback(m0: mbuf | null, off: number, len: number, cp: Uint8Array, cpoff = 0): void {
  if (m0 === null) return;
  let m: mbuf = m0;
  let totlen = 0;
  let mlen: number;
  let done = false;
  while (off > (mlen = m.m_len)) {
    off -= mlen;
    totlen += mlen;
    if (m.m_next === null) {
      const n = m_get(M_NOWAIT, m.m_type);
      if (n === null) {
        done = true;
        break;
      }
      n.m_buf.fill(0, n.m_data, n.m_data + MLEN);
      n.m_len = Math.min(MLEN, len + off);
      m.m_next = n;
    }
    m = m.m_next;
  }
  while (!done && len > 0) {
    if (m.m_next === null && len > m.m_len - off) m.m_len += Math.min(len - (m.m_len - off), M_TRAILINGSPACE(m));
    mlen = Math.min(m.m_len - off, len);
    m.m_buf.set(cp.subarray(cpoff, cpoff + mlen), m.m_data + off);
    cpoff += mlen;
    len -= mlen;
    mlen += off;
    off = 0;
    totlen += mlen;
    if (len === 0) break;
    if (m.m_next === null) {
      const n = m_get(M_NOWAIT, m.m_type);
      if (n === null) break;
      n.m_len = Math.min(MLEN, len);
      m.m_next = n;
    }
    m = m.m_next;
  }
  if ((m0.m_flags & M_PKTHDR) !== 0 && m0.m_pkthdr.len < totlen) m0.m_pkthdr.len = totlen;
}

/** m_append(m0, len, cp): append at the tail; true if all of it fit. */
export function m_append(m0: mbuf, len: number, cp: Uint8Array, cpoff = 0): boolean {
  let m = m0;
  while (m.m_next !== null) m = m.m_next;
  let remainder = len;
  let space = M_TRAILINGSPACE(m);
  if (space > 0) {
    if (space > remainder) space = remainder;
    m.m_buf.set(cp.subarray(cpoff, cpoff + space), m.m_data + m.m_len);
    m.m_len += space;
    cpoff += space;
    remainder -= space;
  }
  while (remainder > 0) {
    const n = m_get(M_NOWAIT, m.m_type);
    if (n === null) break;
    n.m_len = Math.min(MLEN, remainder);
    n.m_buf.set(cp.subarray(cpoff, cpoff + n.m_len), n.m_data);
    cpoff += n.m_len;
    remainder -= n.m_len;
    m.m_next = n;
    m = n;
  }
  if ((m0.m_flags & M_PKTHDR) !== 0) m0.m_pkthdr.len += len - remainder;
  return remainder === 0;
}

/** m_cat(m, n): append chain n to m, copying into m's trailing space where
 *  it fits.  pkthdr.len is not touched. */
export function m_cat(m: mbuf, n: mbuf | null): void {
  while (m.m_next !== null) m = m.m_next;
  while (n !== null) {
    if (!M_WRITABLE(m) || (n.m_flags & M_EXTPG) !== 0 || M_TRAILINGSPACE(m) < n.m_len) {
      m.m_next = n;
      return;
    }
    m.m_buf.set(n.m_buf.subarray(n.m_data, n.m_data + n.m_len), m.m_data + m.m_len);
    m.m_len += n.m_len;
    n = m_free(n);
  }
}

/** m_catpkt(m, n): join two packets; n's header is dropped. */
export function m_catpkt(m: mbuf, n: mbuf): void {
  M_ASSERTPKTHDR(m);
  M_ASSERTPKTHDR(n);
  m.m_pkthdr.len += n.m_pkthdr.len;
  m_demote(n, true, 0);
  m_cat(m, n);
}

/**
 * m_split(m0, len0, how): cut the chain after len0 bytes; m0 keeps the
 * head, the tail is returned (with its own packet header if m0 had one).
 * Null if the chain is shorter or an allocation failed.
 */
export function m_split(m0: mbuf, len0: number, how: number): mbuf | null {
  let len = len0;
  let m: mbuf | null = m0;
  for (; m !== null && len > m.m_len; m = m.m_next) len -= m.m_len;
  if (m === null) return null;
  const remain = m.m_len - len;
  let n: mbuf | null;
  if ((m0.m_flags & M_PKTHDR) !== 0 && remain === 0) {
    n = m_gethdr(how, m0.m_type);
    if (n === null) return null;
    n.m_next = m.m_next;
    m.m_next = null;
    if ((m0.m_pkthdr.csum_flags & CSUM_SND_TAG) !== 0) n.m_pkthdr.csum_flags |= CSUM_SND_TAG;
    n.m_pkthdr.rcvif = m0.m_pkthdr.rcvif;
    n.m_pkthdr.len = m0.m_pkthdr.len - len0;
    m0.m_pkthdr.len = len0;
    return n;
  } else if ((m0.m_flags & M_PKTHDR) !== 0) {
    n = m_gethdr(how, m0.m_type);
    if (n === null) return null;
    if ((m0.m_pkthdr.csum_flags & CSUM_SND_TAG) !== 0) n.m_pkthdr.csum_flags |= CSUM_SND_TAG;
    n.m_pkthdr.rcvif = m0.m_pkthdr.rcvif;
    n.m_pkthdr.len = m0.m_pkthdr.len - len0;
    m0.m_pkthdr.len = len0;
    if ((m.m_flags & (M_EXT | M_EXTPG)) === 0) {
      if (remain > MHLEN) {
        // The tail does not fit in a header mbuf: an empty header in front
        // of the rest of the split.
        M_ALIGN(n, 0);
        n.m_next = m_split(m, len, how);
        if (n.m_next === null) {
          m_free(n);
          return null;
        }
        n.m_len = 0;
        return n;
      }
      M_ALIGN(n, remain);
    }
  } else if (remain === 0) {
    n = m.m_next;
    m.m_next = null;
    return n;
  } else {
    n = m_get(how, m.m_type);
    if (n === null) return null;
    M_ALIGN(n, remain);
  }
  if ((m.m_flags & (M_EXT | M_EXTPG)) !== 0) {
    n.m_data = m.m_data + len;
    mb_dupcl(n, m);
  } else {
    n.m_buf.set(m.m_buf.subarray(m.m_data + len, m.m_data + len + remain), n.m_data);
  }
  n.m_len = remain;
  m.m_len = len;
  n.m_next = m.m_next;
  m.m_next = null;
  return n;
}

/**
 * m_dup(m, how): a deep copy of a packet into fresh, writable storage
 * (clusters while at least MINCLSIZE bytes remain).  Null on failure.
 */
export function m_dup(m: mbuf | null, how: number): mbuf | null {
  if (m === null) return null;
  M_ASSERTPKTHDR(m);
  let remain = m.m_pkthdr.len;
  let moff = 0;
  let src: mbuf | null = m;
  let top: mbuf | null = null;
  let tail: mbuf | null = null;
  while (remain > 0 || top === null) {
    let n: mbuf | null;
    let nsize: number;
    if (remain >= MINCLSIZE) {
      n = m_getcl(how, m.m_type, 0);
      nsize = MCLBYTES;
    } else {
      n = m_get(how, m.m_type);
      nsize = MLEN;
    }
    if (n === null) {
      m_freem(top);
      return null;
    }
    if (top === null) {
      m_dup_pkthdr(n, m, how);
      if ((n.m_flags & M_EXT) === 0) nsize = MHLEN;
      n.m_flags &= ~M_RDONLY;
    }
    n.m_len = 0;
    if (tail === null) top = n;
    else tail.m_next = n;
    tail = n;
    while (n.m_len < nsize && src !== null) {
      const chunk = Math.min(nsize - n.m_len, src.m_len - moff);
      m_copydata(src, moff, chunk, n.m_buf, n.m_data + n.m_len);
      moff += chunk;
      n.m_len += chunk;
      remain -= chunk;
      if (moff === src.m_len) {
        src = src.m_next;
        moff = 0;
      }
    }
    KASSERT((remain > 0 && src !== null) || (remain === 0 && src === null), "m_dup: bogus m_pkthdr.len");
  }
  return top;
}

/** m_getptr(m, loc): the mbuf holding byte loc and the offset in it. */
export function m_getptr(m: mbuf | null, loc: number): { m: mbuf; off: number } | null {
  while (loc >= 0 && m !== null) {
    if (m.m_len > loc) return { m, off: loc };
    loc -= m.m_len;
    if (m.m_next === null) {
      if (loc === 0) return { m, off: m.m_len };
      return null;
    }
    m = m.m_next;
  }
  return null;
}

/** m_sanity: check a chain's invariants; returns a complaint or null. */
export function m_sanity(m0: mbuf): string | null {
  let len = 0;
  for (let m: mbuf | null = m0; m !== null; m = m.m_next) {
    const a = M_START(m);
    const b = a + M_SIZE(m);
    if (m.m_data < a) return "m_data outside mbuf data range left";
    if (m.m_data + m.m_len > b) return "m_data + m_len exceeds mbuf space";
    if (m.m_len < 0) return "m_len negative";
    if (m !== m0 && (m.m_flags & M_PKTHDR) !== 0) return "M_PKTHDR on a non-head mbuf";
    len += m.m_len;
  }
  if ((m0.m_flags & M_PKTHDR) !== 0 && m0.m_pkthdr.len !== len) return `m_pkthdr.len ${m0.m_pkthdr.len} != chain length ${len}`;
  return null;
}

/** m_devget(buf, off, len, ifp): copy a received frame into a new chain
 *  (what a driver does with its receive buffer); `off` is where the frame
 *  starts in buf.  A small frame is placed max_linkhdr bytes in, so a link
 *  header can be prepended in place.  Null if out of mbufs or empty. */
export function m_devget(buf: Uint8Array, off: number, totlen: number, rcvif: mbuf["m_pkthdr"]["rcvif"]): mbuf | null {
  let top: mbuf | null = null;
  let tail: mbuf | null = null;
  let remain = totlen;
  while (remain > 0) {
    let m: mbuf | null;
    let len: number;
    if (top === null) {
      if (remain >= MINCLSIZE) {
        m = m_getcl(M_NOWAIT, MT_DATA, M_PKTHDR);
        len = MCLBYTES;
      } else {
        m = m_gethdr(M_NOWAIT, MT_DATA);
        len = MHLEN;
        if (m !== null && remain + max_linkhdr <= MHLEN) {
          m.m_data += max_linkhdr;
          len -= max_linkhdr;
        }
      }
      if (m === null) return null;
      m.m_pkthdr.rcvif = rcvif;
      m.m_pkthdr.len = totlen;
    } else {
      m = remain >= MINCLSIZE ? m_getcl(M_NOWAIT, MT_DATA, 0) : m_get(M_NOWAIT, MT_DATA);
      if (m === null) {
        m_freem(top);
        return null;
      }
      len = (m.m_flags & M_EXT) !== 0 ? MCLBYTES : MLEN;
    }
    len = Math.min(len, remain);
    m.m_buf.set(buf.subarray(off, off + len), m.m_data);
    m.m_len = len;
    off += len;
    remain -= len;
    if (tail === null) top = m;
    else tail.m_next = m;
    tail = m;
  }
  return top;
}
