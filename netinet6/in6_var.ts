// sys/netinet6/in6_var.h and the address half of sys/netinet6/in6.h: IPv6
// addresses (struct in6_addr, struct sockaddr_in6) and the address classes of
// RFC 4291, an interface's IPv6 addresses (struct in6_ifaddr), the requests
// that manage them (in6_aliasreq, in6_ifreq and their ioctl numbers), and an
// interface's IPv6 data (struct in6_ifextra) with its counters.
//
// Departure: FreeBSD's in6.h and in6_var.h are headers that net/ includes at
// no cost; here a module's imports are run, so these types live apart from
// in6.c (netinet6/in6.ts, which re-exports them) and load without pulling
// in the IPv6 code.
//
// An in6_addr is 16 bytes in network order (s6_addr).  Code on the packet
// path reads addresses out of the mbuf into in6_addr objects it keeps for
// the purpose (in6_addr_read), so it allocates nothing; the predicates take
// an in6_addr, as FreeBSD's macros take a pointer.

import { AF_INET6 } from "../kern/socket.ts";
import { ifaddr, type ifnet, type route } from "../net/if.ts";
import type { lltable } from "../net/if_llatbl.ts";
import type { nhop_object } from "../net/route/nhop.ts";
import type { in6_multi } from "./in6_mcast.ts";
import type { nd_prefix } from "./nd6_rtr.ts";

/** struct in6_addr. */
export class in6_addr {
  readonly s6_addr = new Uint8Array(16);
}

/** A new in6_addr holding the 16 bytes given (or ::). */
export function in6_addr_from(bytes?: ArrayLike<number>): in6_addr {
  const a = new in6_addr();
  if (bytes !== undefined) a.s6_addr.set(bytes);
  return a;
}

/** *dst = *src. */
export function in6_addr_copy(dst: in6_addr, src: in6_addr): void {
  dst.s6_addr.set(src.s6_addr);
}

// The 16-byte copies and compares below are written out byte by byte: the
// packet path runs them several times a packet (FreeBSD points into the
// mbuf instead), and V8 runs the unrolled form about twice as fast as a
// loop.

/** Read the 16 bytes at buf[off] into dst (the packet path's way to look at an address). */
export function in6_addr_read(buf: Uint8Array, off: number, dst: in6_addr): in6_addr {
  const d = dst.s6_addr;
  d[0] = buf[off];
  d[1] = buf[off + 1];
  d[2] = buf[off + 2];
  d[3] = buf[off + 3];
  d[4] = buf[off + 4];
  d[5] = buf[off + 5];
  d[6] = buf[off + 6];
  d[7] = buf[off + 7];
  d[8] = buf[off + 8];
  d[9] = buf[off + 9];
  d[10] = buf[off + 10];
  d[11] = buf[off + 11];
  d[12] = buf[off + 12];
  d[13] = buf[off + 13];
  d[14] = buf[off + 14];
  d[15] = buf[off + 15];
  return dst;
}

/** Write src at buf[off]. */
export function in6_addr_write(buf: Uint8Array, off: number, src: in6_addr): void {
  const s = src.s6_addr;
  buf[off] = s[0];
  buf[off + 1] = s[1];
  buf[off + 2] = s[2];
  buf[off + 3] = s[3];
  buf[off + 4] = s[4];
  buf[off + 5] = s[5];
  buf[off + 6] = s[6];
  buf[off + 7] = s[7];
  buf[off + 8] = s[8];
  buf[off + 9] = s[9];
  buf[off + 10] = s[10];
  buf[off + 11] = s[11];
  buf[off + 12] = s[12];
  buf[off + 13] = s[13];
  buf[off + 14] = s[14];
  buf[off + 15] = s[15];
}

/** Is the address at buf[off] a (IN6_ARE_ADDR_EQUAL on the packet's bytes)? */
export function in6_addr_equal_at(buf: Uint8Array, off: number, a: in6_addr): boolean {
  const s = a.s6_addr;
  return (
    buf[off] === s[0] && buf[off + 1] === s[1] && buf[off + 2] === s[2] && buf[off + 3] === s[3] &&
    buf[off + 4] === s[4] && buf[off + 5] === s[5] && buf[off + 6] === s[6] && buf[off + 7] === s[7] &&
    buf[off + 8] === s[8] && buf[off + 9] === s[9] && buf[off + 10] === s[10] && buf[off + 11] === s[11] &&
    buf[off + 12] === s[12] && buf[off + 13] === s[13] && buf[off + 14] === s[14] && buf[off + 15] === s[15]
  );
}

/** s6_addr32[i] in host order (FreeBSD's s6_addr32 is network order; compare words, not values). */
export function s6_addr32(a: in6_addr, i: number): number {
  const b = a.s6_addr;
  const o = i * 4;
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** s6_addr16[i] in host order. */
export function s6_addr16(a: in6_addr, i: number): number {
  const b = a.s6_addr;
  return (b[i * 2] << 8) | b[i * 2 + 1];
}

/** Set s6_addr16[i] from a host-order value (scope ids embedded in the second word). */
export function s6_addr16_set(a: in6_addr, i: number, v: number): void {
  a.s6_addr[i * 2] = (v >>> 8) & 0xff;
  a.s6_addr[i * 2 + 1] = v & 0xff;
}

// Well-known addresses (IN6ADDR_*_INIT).  Read-only by convention: copy
// before changing.
export const in6addr_any: in6_addr = in6_addr_from();
export const in6addr_loopback: in6_addr = in6_addr_from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
export const in6addr_nodelocal_allnodes: in6_addr = in6_addr_from([0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
export const in6addr_linklocal_allnodes: in6_addr = in6_addr_from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
export const in6addr_linklocal_allrouters: in6_addr = in6_addr_from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
export const in6addr_linklocal_allv2routers: in6_addr = in6_addr_from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16]);
/** The all-ones mask (a /128). */
export const in6mask128: in6_addr = in6_addr_from(new Array<number>(16).fill(0xff));
export const in6mask64: in6_addr = in6_addr_from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
export const in6mask0: in6_addr = in6_addr_from();

/** IN6_ARE_ADDR_EQUAL. */
export function IN6_ARE_ADDR_EQUAL(a: in6_addr, b: in6_addr): boolean {
  const x = a.s6_addr;
  const y = b.s6_addr;
  return (
    x[0] === y[0] && x[1] === y[1] && x[2] === y[2] && x[3] === y[3] &&
    x[4] === y[4] && x[5] === y[5] && x[6] === y[6] && x[7] === y[7] &&
    x[8] === y[8] && x[9] === y[9] && x[10] === y[10] && x[11] === y[11] &&
    x[12] === y[12] && x[13] === y[13] && x[14] === y[14] && x[15] === y[15]
  );
}

/** IN6_ARE_MASKED_ADDR_EQUAL(d, a, m): (d & m) == (a & m). */
export function IN6_ARE_MASKED_ADDR_EQUAL(d: in6_addr, a: in6_addr, m: in6_addr): boolean {
  const x = d.s6_addr;
  const y = a.s6_addr;
  const k = m.s6_addr;
  for (let i = 0; i < 16; i++) if ((x[i] & k[i]) !== (y[i] & k[i])) return false;
  return true;
}

export function IN6_IS_ADDR_UNSPECIFIED(a: in6_addr): boolean {
  const b = a.s6_addr;
  for (let i = 0; i < 16; i++) if (b[i] !== 0) return false;
  return true;
}

export function IN6_IS_ADDR_LOOPBACK(a: in6_addr): boolean {
  const b = a.s6_addr;
  for (let i = 0; i < 15; i++) if (b[i] !== 0) return false;
  return b[15] === 1;
}

/** ::a.b.c.d (deprecated IPv4-compatible), but not :: or ::1. */
export function IN6_IS_ADDR_V4COMPAT(a: in6_addr): boolean {
  const b = a.s6_addr;
  for (let i = 0; i < 12; i++) if (b[i] !== 0) return false;
  return s6_addr32(a, 3) > 1;
}

/** ::ffff:a.b.c.d */
export function IN6_IS_ADDR_V4MAPPED(a: in6_addr): boolean {
  const b = a.s6_addr;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** fe80::/10 */
export function IN6_IS_ADDR_LINKLOCAL(a: in6_addr): boolean {
  return a.s6_addr[0] === 0xfe && (a.s6_addr[1] & 0xc0) === 0x80;
}

/** fec0::/10 (deprecated site-local). */
export function IN6_IS_ADDR_SITELOCAL(a: in6_addr): boolean {
  return a.s6_addr[0] === 0xfe && (a.s6_addr[1] & 0xc0) === 0xc0;
}

/** ff00::/8 */
export function IN6_IS_ADDR_MULTICAST(a: in6_addr): boolean {
  return a.s6_addr[0] === 0xff;
}

// Multicast scopes (the low nibble of the second byte).
export const IPV6_ADDR_SCOPE_NODELOCAL = 0x01;
export const IPV6_ADDR_SCOPE_INTFACELOCAL = 0x01;
export const IPV6_ADDR_SCOPE_LINKLOCAL = 0x02;
export const IPV6_ADDR_SCOPE_SITELOCAL = 0x05;
export const IPV6_ADDR_SCOPE_ORGLOCAL = 0x08;
export const IPV6_ADDR_SCOPE_GLOBAL = 0x0e;
/** __IPV6_ADDR_MC_SCOPE(a) */
export function IPV6_ADDR_MC_SCOPE(a: in6_addr): number {
  return a.s6_addr[1] & 0x0f;
}

export function IN6_IS_ADDR_MC_NODELOCAL(a: in6_addr): boolean {
  return IN6_IS_ADDR_MULTICAST(a) && IPV6_ADDR_MC_SCOPE(a) === IPV6_ADDR_SCOPE_NODELOCAL;
}
export function IN6_IS_ADDR_MC_INTFACELOCAL(a: in6_addr): boolean {
  return IN6_IS_ADDR_MULTICAST(a) && IPV6_ADDR_MC_SCOPE(a) === IPV6_ADDR_SCOPE_INTFACELOCAL;
}
export function IN6_IS_ADDR_MC_LINKLOCAL(a: in6_addr): boolean {
  return IN6_IS_ADDR_MULTICAST(a) && IPV6_ADDR_MC_SCOPE(a) === IPV6_ADDR_SCOPE_LINKLOCAL;
}
export function IN6_IS_ADDR_MC_SITELOCAL(a: in6_addr): boolean {
  return IN6_IS_ADDR_MULTICAST(a) && IPV6_ADDR_MC_SCOPE(a) === IPV6_ADDR_SCOPE_SITELOCAL;
}
export function IN6_IS_ADDR_MC_ORGLOCAL(a: in6_addr): boolean {
  return IN6_IS_ADDR_MULTICAST(a) && IPV6_ADDR_MC_SCOPE(a) === IPV6_ADDR_SCOPE_ORGLOCAL;
}
export function IN6_IS_ADDR_MC_GLOBAL(a: in6_addr): boolean {
  return IN6_IS_ADDR_MULTICAST(a) && IPV6_ADDR_MC_SCOPE(a) === IPV6_ADDR_SCOPE_GLOBAL;
}

/** IN6_IS_SCOPE_LINKLOCAL: link-local unicast or link-local multicast. */
export function IN6_IS_SCOPE_LINKLOCAL(a: in6_addr): boolean {
  return IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MC_LINKLOCAL(a);
}
/** IN6_IS_SCOPE_EMBED: an address whose zone FreeBSD embeds in s6_addr16[1]. */
export function IN6_IS_SCOPE_EMBED(a: in6_addr): boolean {
  return IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MC_LINKLOCAL(a) || IN6_IS_ADDR_MC_INTFACELOCAL(a);
}

/** struct sockaddr_in6: 28 bytes.  sin6_port and sin6_flowinfo are host-order numbers. */
export class sockaddr_in6 {
  sin6_len = 28;
  sin6_family = AF_INET6;
  sin6_port = 0;
  sin6_flowinfo = 0;
  readonly sin6_addr: in6_addr;
  sin6_scope_id = 0;
  /** The generic struct sockaddr view (sa_len, sa_family) code that does not know the family reads. */
  get sa_len(): number {
    return this.sin6_len;
  }
  get sa_family(): number {
    return this.sin6_family;
  }
  constructor(addr?: in6_addr, port = 0, scope_id = 0) {
    this.sin6_addr = new in6_addr();
    if (addr !== undefined) in6_addr_copy(this.sin6_addr, addr);
    this.sin6_port = port;
    this.sin6_scope_id = scope_id;
  }
}

/** satosin6(sa): the address as a sockaddr_in6, or null for another layout. */
export function satosin6(sa: object | null): sockaddr_in6 | null {
  return sa !== null && "sin6_addr" in sa ? (sa as sockaddr_in6) : null;
}

/** in6_mask2len: the prefix length of a contiguous mask, -1 if it is not contiguous. */
export function in6_mask2len(mask: in6_addr): number {
  const b = mask.s6_addr;
  let len = 0;
  let i = 0;
  for (; i < 16 && b[i] === 0xff; i++) len += 8;
  if (i < 16) {
    let x = b[i];
    while (x & 0x80) {
      len++;
      x = (x << 1) & 0xff;
    }
    if (x !== 0) return -1;
    for (i++; i < 16; i++) if (b[i] !== 0) return -1;
  }
  return len;
}

/** in6_prefixlen2mask: the mask of a prefix length (0..128) into maskp. */
export function in6_prefixlen2mask(maskp: in6_addr, len: number): void {
  const b = maskp.s6_addr;
  b.fill(0);
  let i = 0;
  for (; len >= 8; len -= 8) b[i++] = 0xff;
  if (len > 0) b[i] = (0xff00 >>> len) & 0xff;
}

/** in6_matchlen: the number of leading bits two addresses share. */
export function in6_matchlen(a: in6_addr, b: in6_addr): number {
  const x = a.s6_addr;
  const y = b.s6_addr;
  let n = 0;
  for (let i = 0; i < 16; i++) {
    const d = x[i] ^ y[i];
    if (d === 0) {
      n += 8;
      continue;
    }
    let m = 0x80;
    while ((d & m) === 0) {
      n++;
      m >>= 1;
    }
    return n;
  }
  return n;
}

/**
 * inet_ntop(AF_INET6) as FreeBSD's libc writes it (RFC 5952): lowercase, the
 * longest run of two or more zero words as "::" (the first of equal runs),
 * ::ffff:a.b.c.d and ::a.b.c.d in dotted form.  ip6_sprintf is the same text.
 */
export function inet_ntop6(a: in6_addr): string {
  const w = new Array<number>(8);
  for (let i = 0; i < 8; i++) w[i] = s6_addr16(a, i);
  let best = -1;
  let bestlen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestlen) {
      best = i;
      bestlen = j - i;
    }
    i = j;
  }
  if (bestlen < 2) best = -1;
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + bestlen) {
      if (i === best) s += ":";
      continue;
    }
    if (i !== 0) s += ":";
    // An embedded IPv4 address: ::a.b.c.d, ::ffff:a.b.c.d (and ::ffff:0:a.b.c.d is not).
    if (i === 6 && best === 0 && (bestlen === 6 || (bestlen === 5 && w[5] === 0xffff))) {
      const b = a.s6_addr;
      s += `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
      break;
    }
    s += w[i].toString(16);
  }
  if (best >= 0 && best + bestlen === 8) s += ":";
  return s;
}

/** ip6_sprintf: the kernel's name for inet_ntop6. */
export const ip6_sprintf = inet_ntop6;

/**
 * inet_pton(AF_INET6): text to an address, or null.  Accepts what FreeBSD's
 * libc accepts: hex words of up to four digits, one "::", a trailing dotted
 * IPv4 address.  No zone ("%epair0a"): getaddrinfo takes that off first.
 */
export function inet_pton6(src: string): in6_addr | null {
  const out = new in6_addr();
  const o = out.s6_addr;
  let words: string[];
  let head: string[] = [];
  let tail: string[] = [];
  const dbl = src.indexOf("::");
  if (dbl >= 0) {
    if (src.indexOf("::", dbl + 1) >= 0) return null;
    const h = src.slice(0, dbl);
    const t = src.slice(dbl + 2);
    head = h === "" ? [] : h.split(":");
    tail = t === "" ? [] : t.split(":");
    words = [];
  } else {
    words = src.split(":");
    head = words;
  }
  const parse = (parts: string[]): number[] | null => {
    const r: number[] = [];
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      if (p.includes(".")) {
        if (k !== parts.length - 1) return null;
        const q = p.split(".");
        if (q.length !== 4) return null;
        const v: number[] = [];
        for (const x of q) {
          if (!/^[0-9]{1,3}$/.test(x)) return null;
          const n = parseInt(x, 10);
          if (n > 255 || (x.length > 1 && x[0] === "0")) return null;
          v.push(n);
        }
        r.push((v[0] << 8) | v[1], (v[2] << 8) | v[3]);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
      r.push(parseInt(p, 16));
    }
    return r;
  };
  const hw = parse(head);
  if (hw === null) return null;
  if (dbl < 0) {
    if (hw.length !== 8) return null;
    for (let i = 0; i < 8; i++) s6_addr16_set(out, i, hw[i]);
    return out;
  }
  // A dotted quad may only end the address.
  if (head.length > 0 && head[head.length - 1].includes(".")) return null;
  const tw = parse(tail);
  if (tw === null) return null;
  if (hw.length + tw.length > 7) return null;
  for (let i = 0; i < hw.length; i++) s6_addr16_set(out, i, hw[i]);
  for (let i = 0; i < tw.length; i++) s6_addr16_set(out, 8 - tw.length + i, tw[i]);
  void o;
  return out;
}

// struct in6_ifaddr's ia6_flags (IN6_IFF_*).
export const IN6_IFF_ANYCAST = 0x01;
export const IN6_IFF_TENTATIVE = 0x02;
export const IN6_IFF_DUPLICATED = 0x04;
export const IN6_IFF_DETACHED = 0x08;
export const IN6_IFF_DEPRECATED = 0x10;
export const IN6_IFF_NODAD = 0x20;
export const IN6_IFF_AUTOCONF = 0x40;
export const IN6_IFF_TEMPORARY = 0x80;
export const IN6_IFF_PREFER_SOURCE = 0x0100;
/** Addresses not to be used as a source or to answer for. */
export const IN6_IFF_NOTREADY = IN6_IFF_TENTATIVE | IN6_IFF_DUPLICATED;

/** An infinite lifetime (ND6_INFINITE_LIFETIME). */
export const ND6_INFINITE_LIFETIME = 0xffffffff;

/** struct in6_addrlifetime: expiry times (seconds of uptime, 0 = never) and the lifetimes given. */
export class in6_addrlifetime {
  ia6t_expire = 0;
  ia6t_preferred = 0;
  ia6t_vltime = ND6_INFINITE_LIFETIME;
  ia6t_pltime = ND6_INFINITE_LIFETIME;
}

/** IFA6_IS_DEPRECATED / IFA6_IS_INVALID take the time "now" in seconds of uptime. */
export function IFA6_IS_DEPRECATED(lt: in6_addrlifetime, now: number): boolean {
  return lt.ia6t_pltime !== ND6_INFINITE_LIFETIME && lt.ia6t_preferred < now;
}
export function IFA6_IS_INVALID(lt: in6_addrlifetime, now: number): boolean {
  return lt.ia6t_vltime !== ND6_INFINITE_LIFETIME && lt.ia6t_expire < now;
}

/** struct in6_ifaddr: an IPv6 address on an interface. */
export class in6_ifaddr extends ifaddr {
  ia_addr: sockaddr_in6;
  /** Far end of a point-to-point link (sin6_len 0 when unset). */
  ia_dstaddr: sockaddr_in6;
  ia_prefixmask: sockaddr_in6;
  /** The prefix length of ia_prefixmask (kept beside it, as plen is asked for often). */
  ia_plen = 0;
  ia6_flags = 0;
  readonly ia6_lifetime = new in6_addrlifetime();
  /** time_uptime when created and last updated. */
  ia6_createtime = 0;
  ia6_updatetime = 0;
  /** The nd_prefix this address was made from (nd6_rtr.ts), if any. */
  ia6_ndpr: nd_prefix | null = null;
  /** The multicast groups joined for this address (solicited-node, all-nodes, ...). */
  ia6_memberships: in6_multi_mship[] = [];
  constructor(ifp: ifnet) {
    const a = new sockaddr_in6();
    const d = new sockaddr_in6();
    d.sin6_len = 0;
    const m = new sockaddr_in6();
    super(ifp, a, d, m);
    this.ia_addr = a;
    this.ia_dstaddr = d;
    this.ia_prefixmask = m;
  }
  get ia_ifp(): ifnet {
    return this.ifa_ifp;
  }
  /** ia_flags is ia_ifa.ifa_flags (IFA_ROUTE, IFA_RTSELF). */
  get ia_flags(): number {
    return this.ifa_flags;
  }
  set ia_flags(f: number) {
    this.ifa_flags = f;
  }
}

/** struct in6_multi_mship: one group an address joined (in6_joingroup_legacy). */
export class in6_multi_mship {
  constructor(public i6mm_maddr: in6_multi | null) {}
}

/** IA6_IN6(ia): the address itself. */
export function IA6_IN6(ia: in6_ifaddr): in6_addr {
  return ia.ia_addr.sin6_addr;
}
/** IA6_MASKIN6(ia): the prefix mask. */
export function IA6_MASKIN6(ia: in6_ifaddr): in6_addr {
  return ia.ia_prefixmask.sin6_addr;
}

/** struct in6_aliasreq: SIOCAIFADDR_IN6's argument. */
export class in6_aliasreq {
  ifra_name = "";
  ifra_addr = new sockaddr_in6();
  ifra_dstaddr: sockaddr_in6 = (() => {
    const s = new sockaddr_in6();
    s.sin6_len = 0;
    s.sin6_family = 0;
    return s;
  })();
  ifra_prefixmask: sockaddr_in6 = (() => {
    const s = new sockaddr_in6();
    s.sin6_len = 0;
    s.sin6_family = 0;
    return s;
  })();
  ifra_flags = 0;
  readonly ifra_lifetime = new in6_addrlifetime();
  ifra_vhid = 0;
}

/**
 * struct in6_ifreq: one interface and one of an address, flags, a lifetime
 * or statistics, as the request needs (a union in FreeBSD).
 */
export interface in6_ifreq {
  ifr_name: string;
  ifr_addr?: sockaddr_in6;
  ifr_dstaddr?: sockaddr_in6;
  ifr_flags?: number;
  ifr_ifru_flags6?: number;
  ifr_ifru_lifetime?: in6_addrlifetime;
  /** SIOCGIFSTAT_IN6 / SIOCGIFSTAT_ICMP6: the counters, in struct order. */
  ifr_ifru_stat?: number[];
}

// ioctl numbers: _IOW/_IOWR('i', n, struct) with FreeBSD amd64's struct sizes
// (in6_aliasreq 136 bytes, in6_ifreq 288).
function _IOC(inout: number, num: number, len: number): number {
  return (inout | ((len & 0x1fff) << 16) | (0x69 << 8) | num) >>> 0;
}
const IOC_IN = 0x80000000;
const IOC_INOUT = 0xc0000000;
export const SZ_IN6_IFREQ = 288;
export const SZ_IN6_ALIASREQ = 136;
export const SIOCDIFADDR_IN6 = _IOC(IOC_IN, 25, SZ_IN6_IFREQ);
export const SIOCAIFADDR_IN6 = _IOC(IOC_IN, 27, SZ_IN6_ALIASREQ);
export const SIOCGIFADDR_IN6 = _IOC(IOC_INOUT, 33, SZ_IN6_IFREQ);
export const SIOCGIFDSTADDR_IN6 = _IOC(IOC_INOUT, 34, SZ_IN6_IFREQ);
export const SIOCGIFNETMASK_IN6 = _IOC(IOC_INOUT, 37, SZ_IN6_IFREQ);
export const SIOCGIFAFLAG_IN6 = _IOC(IOC_INOUT, 73, SZ_IN6_IFREQ);
export const SIOCGIFALIFETIME_IN6 = _IOC(IOC_INOUT, 81, SZ_IN6_IFREQ);
export const SIOCGIFSTAT_IN6 = _IOC(IOC_INOUT, 83, SZ_IN6_IFREQ);
export const SIOCGIFSTAT_ICMP6 = _IOC(IOC_INOUT, 84, SZ_IN6_IFREQ);
/** A fresh route_in6. */
export function route_in6_alloc(): route_in6 {
  return { ro_nh: null, ro_flags: 0, ro_prepend: null, ro_plen: 0, ro_dst: new sockaddr_in6() };
}

/** struct route_in6: a route and the destination its cached nexthop was looked up for. */
export interface route_in6 extends route {
  ro_nh: nhop_object | null;
  ro_dst: sockaddr_in6;
}

// struct in6_ifstat: per-interface IPv6 counters (ifs6_*), in FreeBSD's order.
export const ifs6_in_receive = 0;
export const ifs6_in_hdrerr = 1;
export const ifs6_in_toobig = 2;
export const ifs6_in_noroute = 3;
export const ifs6_in_addrerr = 4;
export const ifs6_in_protounknown = 5;
export const ifs6_in_truncated = 6;
export const ifs6_in_discard = 7;
export const ifs6_in_deliver = 8;
export const ifs6_out_forward = 9;
export const ifs6_out_request = 10;
export const ifs6_out_discard = 11;
export const ifs6_out_fragok = 12;
export const ifs6_out_fragfail = 13;
export const ifs6_out_fragcreat = 14;
export const ifs6_reass_reqd = 15;
export const ifs6_reass_ok = 16;
export const ifs6_reass_fail = 17;
export const ifs6_in_mcast = 18;
export const ifs6_out_mcast = 19;
export const IN6_IFSTAT_NFIELDS = 20;

// struct icmp6_ifstat: per-interface ICMPv6 counters, in FreeBSD's order.
export const ifs6_in_msg = 0;
export const ifs6_in_error = 1;
export const ifs6_in_dstunreach = 2;
export const ifs6_in_adminprohib = 3;
export const ifs6_in_timeexceed = 4;
export const ifs6_in_paramprob = 5;
export const ifs6_in_pkttoobig = 6;
export const ifs6_in_echo = 7;
export const ifs6_in_echoreply = 8;
export const ifs6_in_routersolicit = 9;
export const ifs6_in_routeradvert = 10;
export const ifs6_in_neighborsolicit = 11;
export const ifs6_in_neighboradvert = 12;
export const ifs6_in_redirect = 13;
export const ifs6_in_mldquery = 14;
export const ifs6_in_mldreport = 15;
export const ifs6_in_mlddone = 16;
export const ifs6_out_msg = 17;
export const ifs6_out_error = 18;
export const ifs6_out_dstunreach = 19;
export const ifs6_out_adminprohib = 20;
export const ifs6_out_timeexceed = 21;
export const ifs6_out_paramprob = 22;
export const ifs6_out_pkttoobig = 23;
export const ifs6_out_echo = 24;
export const ifs6_out_echoreply = 25;
export const ifs6_out_routersolicit = 26;
export const ifs6_out_routeradvert = 27;
export const ifs6_out_neighborsolicit = 28;
export const ifs6_out_neighboradvert = 29;
export const ifs6_out_redirect = 30;
export const ifs6_out_mldquery = 31;
export const ifs6_out_mldreport = 32;
export const ifs6_out_mlddone = 33;
export const ICMP6_IFSTAT_NFIELDS = 34;

/**
 * struct in6_ifextra: an interface's IPv6 data, ifp.if_afdata.get(AF_INET6)
 * (filled by in6_domifattach).  The per-subsystem parts are typed by their
 * owners' accessors (ND_IFINFO in nd6.ts, MLD_IFINFO in mld6.ts, ...).
 */
export class in6_ifextra {
  readonly in6_ifstat = new Float64Array(IN6_IFSTAT_NFIELDS);
  readonly icmp6_ifstat = new Float64Array(ICMP6_IFSTAT_NFIELDS);
  nd_ifinfo: object | null = null;
  scope6_id: object | null = null;
  lltable: lltable | null = null;
  mld_ifinfo: object | null = null;
  /** Prefixes and default routers learnt on this interface (nd6_rtr.c's counts). */
  nprefixes = 0;
  ndefrouters = 0;
}

/** The interface's in6_ifextra, or null before in6_domifattach / for interfaces without IPv6. */
export function in6_ifextra_get(ifp: ifnet): in6_ifextra | null {
  const x = ifp.if_afdata.get(AF_INET6);
  return x instanceof in6_ifextra ? x : null;
}

/** in6_ifstat_inc(ifp, tag): one of the interface's IPv6 counters. */
export function in6_ifstat_inc(ifp: ifnet | null, field: number): void {
  if (ifp === null) return;
  const x = ifp.if_afdata.get(AF_INET6);
  if (x instanceof in6_ifextra) x.in6_ifstat[field]++;
}

/** icmp6_ifstat_inc(ifp, tag): one of the interface's ICMPv6 counters. */
export function icmp6_ifstat_inc(ifp: ifnet | null, field: number): void {
  if (ifp === null) return;
  const x = ifp.if_afdata.get(AF_INET6);
  if (x instanceof in6_ifextra) x.icmp6_ifstat[field]++;
}

/** For the nd6 requests (SIOCGIFINFO_IN6, SIOCSNDFLUSH_IN6, ...), which nd6.ts defines. */
export { _IOC as _IOC_IN6, IOC_IN as IOC_IN6_IN, IOC_INOUT as IOC_IN6_INOUT };

/**
 * IN6_LINKMTU(ifp) (nd6.h): the link MTU IPv6 uses on ifp, the interface's
 * MTU lowered by what a router advertised (linkmtu) or the hardware allows
 * (maxmtu).  Here beside in6_ifextra so that routing can ask without
 * loading ND.
 */
export function IN6_LINKMTU(ifp: ifnet): number {
  const ext = in6_ifextra_get(ifp);
  const nd = ext !== null ? (ext.nd_ifinfo as { linkmtu: number; maxmtu: number } | null) : null;
  if (nd !== null) {
    if (nd.linkmtu !== 0 && nd.linkmtu < ifp.if_mtu) return nd.linkmtu;
    if (nd.maxmtu !== 0 && nd.maxmtu < ifp.if_mtu) return nd.maxmtu;
  }
  return ifp.if_mtu;
}

// The Neighbor Discovery requests in6_control hands to nd6_ioctl
// (netinet6/nd6.h; struct in6_ndireq is 72 bytes, in6_ndifreq 24,
// in6_nbrinfo 56, in6_ondireq 48 on amd64).
const SZ_IN6_NDIREQ = 72;
export const OSIOCGIFINFO_IN6 = _IOC(IOC_INOUT, 76, 48);
export const SIOCSNDFLUSH_IN6 = _IOC(IOC_INOUT, 77, SZ_IN6_IFREQ);
export const SIOCGNBRINFO_IN6 = _IOC(IOC_INOUT, 78, 56);
export const SIOCSPFXFLUSH_IN6 = _IOC(IOC_INOUT, 79, SZ_IN6_IFREQ);
export const SIOCSRTRFLUSH_IN6 = _IOC(IOC_INOUT, 80, SZ_IN6_IFREQ);
export const SIOCSDEFIFACE_IN6 = _IOC(IOC_INOUT, 85, 24);
export const SIOCGDEFIFACE_IN6 = _IOC(IOC_INOUT, 86, 24);
export const SIOCSIFINFO_FLAGS = _IOC(IOC_INOUT, 87, SZ_IN6_NDIREQ);
export const SIOCGIFINFO_IN6 = _IOC(IOC_INOUT, 108, SZ_IN6_NDIREQ);
export const SIOCSIFINFO_IN6 = _IOC(IOC_INOUT, 109, SZ_IN6_NDIREQ);
