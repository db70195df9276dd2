// sys/kern/uipc_mbuf2.c: the packet tag (m_tag) operations.  A packet
// header's tags are an array here (FreeBSD's SLIST), null when empty; each
// tag class copies itself (struct m_tag's m_tag_copy).
//
// Departures from FreeBSD 14: tags are objects, not malloc'd memory after a
// struct m_tag, so there is no m_tag_alloc/m_tag_free pair; a tag's copy
// fails only when its class says so (m_tag_copy returning null).

import { M_ASSERTPKTHDR, MTAG_PERSISTENT, type m_tag, type mbuf } from "./mbuf.ts";

/** m_tag_delete_chain(m, t): drop every tag after t (all of them when t is
 *  null). */
export function m_tag_delete_chain(m: mbuf, t: m_tag | null): void {
  const tags = m.m_pkthdr.tags;
  if (tags === null) return;
  if (t === null) {
    m.m_pkthdr.tags = null;
    return;
  }
  const i = tags.indexOf(t);
  if (i >= 0) tags.length = i + 1;
}

/** m_tag_delete_nonpersistent(m): drop the tags not marked MTAG_PERSISTENT,
 *  as a packet crossing a pseudo-interface (lo, epair) must. */
export function m_tag_delete_nonpersistent(m: mbuf): void {
  const tags = m.m_pkthdr.tags;
  if (tags === null) return;
  let j = 0;
  for (let i = 0; i < tags.length; i++) if ((tags[i].m_tag_id & MTAG_PERSISTENT) !== 0) tags[j++] = tags[i];
  if (j === 0) m.m_pkthdr.tags = null;
  else tags.length = j;
}

/**
 * m_tag_copy_chain(to, from, how): give `to` a copy of each of from's tags
 * (deep: the copy is the receiver's own).  On a failed copy `to` is left
 * with no tags and 0 is returned; 1 on success.
 */
export function m_tag_copy_chain(to: mbuf, from: mbuf, _how: number): number {
  M_ASSERTPKTHDR(to);
  M_ASSERTPKTHDR(from);
  const tags = from.m_pkthdr.tags;
  to.m_pkthdr.tags = null;
  if (tags === null) return 1;
  const copies: m_tag[] = [];
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i].m_tag_copy();
    if (t === null) return 0;
    copies.push(t);
  }
  to.m_pkthdr.tags = copies;
  return 1;
}

/** m_tag_locate(m, cookie, type, t): the first tag after t (from the first
 *  when t is null) that `match` accepts, or null.  Cookies and types are
 *  the tag classes' own business here, so the caller says what matches. */
export function m_tag_locate<T extends m_tag>(m: mbuf, match: (t: m_tag) => t is T, t: m_tag | null): T | null {
  const tags = m.m_pkthdr.tags;
  if (tags === null) return null;
  let i = t === null ? 0 : tags.indexOf(t) + 1;
  if (t !== null && i === 0) return null;
  for (; i < tags.length; i++) {
    const x = tags[i];
    if (match(x)) return x;
  }
  return null;
}

/** m_tag_prepend(m, t): t becomes the first tag. */
export function m_tag_prepend(m: mbuf, t: m_tag): void {
  const tags = m.m_pkthdr.tags;
  if (tags === null) m.m_pkthdr.tags = [t];
  else tags.unshift(t);
}

/** m_tag_delete(m, t): unlink t from m's tags (and let it go). */
export function m_tag_delete(m: mbuf, t: m_tag): void {
  const tags = m.m_pkthdr.tags;
  if (tags === null) return;
  const i = tags.indexOf(t);
  if (i < 0) return;
  tags.splice(i, 1);
  if (tags.length === 0) m.m_pkthdr.tags = null;
}
