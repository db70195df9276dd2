// sys/netinet/in_cksum.c, sys/amd64/include/in_cksum.h (in_cksum_hdr,
// in_pseudo, in_addword, in_cksum_update) and in_delayed_cksum from
// sys/netinet/ip_output.c: the Internet checksum over mbuf chains.
//
// Words are summed as big-endian 16-bit values, as they sit on the wire, so
// a checksum computed here is stored with setUint16 and reads back right on
// any host.  Pairs of bytes are formed from the first byte of the summed
// range on, whatever the mbuf boundaries: an odd-length mbuf leaves its last
// byte waiting for the first byte of the next one, as the portable C
// version does with its s_util union.

import type { mbuf } from "../kern/mbuf.ts";
import { CSUM_UDP } from "../kern/mbuf.ts";
import { m_copyback, m_copydata } from "../kern/uipc_mbuf.ts";
import { printf } from "../kern/subr_prf.ts";
import { IP_HDRLEN, IPH_LEN, IPH_SUM, IPH_VHL, UH_ULEN, UDP_HDRLEN } from "./ip.ts";

/** Fold a running sum of 16-bit words to 16 bits, end-around carry. */
export function cksum_fold(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * in_cksum_range(m, off, cov): the unfolded sum of bytes [off, off + cov)
 * of the chain as 16-bit words, pairs formed from the first byte of the
 * range whatever the mbuf boundaries (in_cksum.c's loop, which in6_cksum.c
 * repeats; here both families share it).  When the chain ends first the
 * sum of what was there comes back as -(sum + 1), so callers tell a short
 * chain from a full one without allocating.
 */
export function in_cksum_range(m0: mbuf | null, off: number, cov: number): number {
  let m = m0;
  let sum = 0;
  let odd = false;
  for (; m !== null && off > 0; m = m.m_next) {
    if (off < m.m_len) break;
    off -= m.m_len;
  }
  for (; m !== null && cov > 0; m = m.m_next) {
    let n = m.m_len - off;
    if (n <= 0) {
      off = 0;
      continue;
    }
    if (n > cov) n = cov;
    const buf = m.m_buf;
    let i = m.m_data + off;
    const end = i + n;
    off = 0;
    cov -= n;
    if (odd) {
      sum += buf[i++];
      odd = false;
    }
    // Four bytes at a time: a big-endian 32-bit word is congruent to the
    // sum of its two 16-bit halves modulo 0xffff, which is all the
    // ones-complement sum keeps (in_cksum.c adds wide words for the same
    // reason).  A cluster's worth of words stays exact in a double.
    const dv = m.m_dv;
    const words_end = end - ((end - i) & 3);
    while (i < words_end) {
      sum += dv.getUint32(i);
      i += 4;
    }
    if (i + 1 < end) {
      sum += (buf[i] << 8) | buf[i + 1];
      i += 2;
    }
    if (i < end) {
      sum += buf[i] << 8;
      odd = true;
    }
    // Keep the running sum small enough to stay exact in a double.
    if (sum > 0xffffffffff) sum = cksum_fold(sum);
  }
  return cov > 0 ? -(sum + 1) : sum;
}

/**
 * in_cksum_skip(m, len, skip): the ones-complement checksum of bytes
 * [skip, len) of the chain, already complemented (0 means a range that
 * includes a correct checksum field).
 */
export function in_cksum_skip(m0: mbuf | null, len: number, skip: number): number {
  let sum = in_cksum_range(m0, skip, len - skip);
  if (sum < 0) {
    printf("cksum: out of data\n");
    sum = -sum - 1;
  }
  return ~cksum_fold(sum) & 0xffff;
}

/** in_cksum(m, len): the checksum of the first len bytes of the chain. */
export function in_cksum(m: mbuf | null, len: number): number {
  return in_cksum_skip(m, len, 0);
}

/**
 * in_cksum_hdr(ip): the checksum of a 20-byte IP header at m_data + off in
 * the first mbuf; 0 when the header's own checksum is right.
 */
export function in_cksum_hdr(m: mbuf, off = 0): number {
  const buf = m.m_buf;
  const p = m.m_data + off;
  let sum = 0;
  for (let i = 0; i < IP_HDRLEN; i += 2) sum += (buf[p + i] << 8) | buf[p + i + 1];
  return ~cksum_fold(sum) & 0xffff;
}

/**
 * in_pseudo(a, b, c): the folded (not complemented) sum of three 32-bit
 * values, each taken as two big-endian words; TCP and UDP seed their
 * checksum field with the pseudo header this way
 * (in_pseudo(src, dst, len + proto)).
 */
export function in_pseudo(a: number, b: number, c: number): number {
  a >>>= 0;
  b >>>= 0;
  c >>>= 0;
  return cksum_fold((a >>> 16) + (a & 0xffff) + (b >>> 16) + (b & 0xffff) + (c >>> 16) + (c & 0xffff));
}

/** in_addword(a, b): ones-complement addition of two 16-bit words. */
export function in_addword(a: number, b: number): number {
  return cksum_fold((a & 0xffff) + (b & 0xffff));
}

/**
 * The incremental update of ip_sum after ip_ttl went down by one
 * (ip_fastfwd.c's form of machine/in_cksum.h's in_cksum_update): the
 * checksum goes up by 0x0100 with end-around carry.  The >= test makes the
 * one ambiguous case come out as 0x0000 rather than 0xffff, which is what a
 * full recomputation gives, since a real header never sums to zero.
 */
export function in_cksum_update(m: mbuf, off = 0): void {
  const p = m.m_data + off + IPH_SUM;
  const dv = m.m_dv;
  let sum = dv.getUint16(p);
  if (sum >= (~0x0100 & 0xffff)) sum -= ~0x0100 & 0xffff;
  else sum += 0x0100;
  dv.setUint16(p, sum);
}

// Scratch for in_delayed_cksum when a field straddles mbufs (FreeBSD reads
// it into a stack variable).
const cksum_scratch = new Uint8Array(2);

/**
 * in_delayed_cksum(m): compute the TCP/UDP checksum that was left for the
 * hardware (CSUM_DELAY_DATA), for an interface that cannot do it.  The
 * transport header's checksum field already holds the pseudo-header sum;
 * csum_data is the offset of that field in the transport header.
 */
export function in_delayed_cksum(m: mbuf): void {
  const ip = m.m_data;
  let offset = (m.m_buf[ip + IPH_VHL] & 0x0f) << 2;
  let csum: number;
  if ((m.m_pkthdr.csum_flags & CSUM_UDP) !== 0) {
    let cklen: number;
    if (offset + UDP_HDRLEN > m.m_len) {
      m_copydata(m, offset + UH_ULEN, 2, cksum_scratch);
      cklen = (cksum_scratch[0] << 8) | cksum_scratch[1];
    } else {
      cklen = m.m_dv.getUint16(ip + offset + UH_ULEN);
    }
    csum = in_cksum_skip(m, cklen + offset, offset);
    // A zero UDP checksum means "none"; its ones-complement twin is sent.
    if (csum === 0) csum = 0xffff;
  } else {
    const cklen = m.m_dv.getUint16(ip + IPH_LEN);
    csum = in_cksum_skip(m, cklen, offset);
  }
  offset += m.m_pkthdr.csum_data;
  if (offset + 2 > m.m_len) {
    cksum_scratch[0] = csum >>> 8;
    cksum_scratch[1] = csum & 0xff;
    m_copyback(m, offset, 2, cksum_scratch);
  } else {
    m.m_dv.setUint16(ip + offset, csum);
  }
}
