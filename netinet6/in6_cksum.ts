// sys/netinet6/in6_cksum.c, and in6_delayed_cksum from sys/netinet6/ip6_output.c:
// the Internet checksum of an upper-layer message carried in IPv6, with the
// IPv6 pseudo header (source, destination, upper-layer length, next header)
// in front of it.
//
// Inside the kernel a link-local address carries its zone in its second
// 16-bit word (KAME's embedded form); the checksum is the one of the wire
// form, so that word counts as zero for scoped addresses, as FreeBSD
// subtracts in6_getscope()'s value.  Everything is read in place from the
// mbufs: nothing is allocated.

import { CSUM_UDP_IPV6 } from "./ip6_var.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { m_copyback } from "../kern/uipc_mbuf.ts";
import { panic } from "../kern/subr_prf.ts";
import { IP6_OFF_DST, IP6_OFF_SRC } from "../netinet/ip6.ts";
import { cksum_fold, in_cksum_range } from "../netinet/in_cksum.ts";

/**
 * The sum of the 16 address bytes at buf[o], the embedded zone word left
 * out when the address is one whose zone is embedded (in6_getscope() != 0:
 * link-local unicast, link-local or interface-local multicast).
 */
function addr_sum(buf: Uint8Array, o: number): number {
  const b0 = buf[o];
  const b1 = buf[o + 1];
  const scoped = (b0 === 0xfe && (b1 & 0xc0) === 0x80) || (b0 === 0xff && ((b1 & 0x0f) === 0x01 || (b1 & 0x0f) === 0x02));
  let sum = (b0 << 8) | b1;
  if (!scoped) sum += (buf[o + 2] << 8) | buf[o + 3];
  for (let i = 4; i < 16; i += 2) sum += (buf[o + i] << 8) | buf[o + i + 1];
  return sum;
}

/**
 * _in6_cksum_pseudo: the unfolded sum of the pseudo header of the IPv6
 * header at m.m_buf[ip6] for an upper-layer message of `len` bytes of
 * protocol `nxt`, plus `csum`.
 */
function pseudo_sum(buf: Uint8Array, ip6: number, len: number, nxt: number, csum: number): number {
  let sum = csum;
  // ph_len (32 bits), three zero bytes, ph_nxt.
  sum += (len >>> 16) & 0xffff;
  sum += len & 0xffff;
  sum += nxt & 0xff;
  sum += addr_sum(buf, ip6 + IP6_OFF_SRC);
  sum += addr_sum(buf, ip6 + IP6_OFF_DST);
  return sum;
}

/**
 * in6_cksum_pseudo(m, ip6off, len, nxt, csum): the folded (not complemented)
 * pseudo-header sum of the IPv6 header at m_data + ip6off, plus csum.  What
 * a protocol stores in its checksum field when the rest is left to
 * in6_delayed_cksum (CSUM_DELAY_DATA_IPV6).
 */
export function in6_cksum_pseudo(m: mbuf, ip6off: number, len: number, nxt: number, csum: number): number {
  return cksum_fold(pseudo_sum(m.m_buf, m.m_data + ip6off, len, nxt, csum));
}

/**
 * in6_cksum_partial(m, nxt, off, len, cov): the checksum of the `len`-byte
 * upper-layer message at `off` (the IPv6 header contiguous at m_data), over
 * its first `cov` bytes (UDP-Lite covers less than all).  0 means a message
 * whose checksum field is right.
 */
export function in6_cksum_partial(m: mbuf, nxt: number, off: number, len: number, cov: number): number {
  if (m.m_pkthdr.len < off + len) panic(`in6_cksum_partial: mbuf len (${m.m_pkthdr.len}) < off(${off})+len(${len})`);
  const ph = pseudo_sum(m.m_buf, m.m_data, len, nxt, 0);
  const d = in_cksum_range(m, off, cov);
  if (d < 0) panic("in6_cksum: out of data");
  return ~cksum_fold(ph + d) & 0xffff;
}

/** in6_cksum(m, nxt, off, len): in6_cksum_partial over the whole message. */
export function in6_cksum(m: mbuf, nxt: number, off: number, len: number): number {
  return in6_cksum_partial(m, nxt, off, len, len);
}

// Scratch for in6_delayed_cksum when the field straddles mbufs.
const cksum_scratch = new Uint8Array(2);

/**
 * in6_delayed_cksum(m, plen, offset) (ip6_output.c): finish a transport
 * checksum left for the hardware.  The field already holds the pseudo
 * header sum; `offset` is where the transport header starts and
 * csum_data where its checksum field is in it.
 */
export function in6_delayed_cksum(m: mbuf, plen: number, offset: number): void {
  const d = in_cksum_range(m, offset, plen);
  if (d < 0) panic("in6_delayed_cksum: out of data");
  let csum = ~cksum_fold(d) & 0xffff;
  // A zero UDP checksum means "none" (and is not allowed over IPv6): its
  // ones-complement twin is sent.
  if ((m.m_pkthdr.csum_flags & CSUM_UDP_IPV6) !== 0 && csum === 0) csum = 0xffff;
  offset += m.m_pkthdr.csum_data;
  if (offset + 2 > m.m_len) {
    cksum_scratch[0] = csum >>> 8;
    cksum_scratch[1] = csum & 0xff;
    m_copyback(m, offset, 2, cksum_scratch);
  } else {
    m.m_dv.setUint16(m.m_data + offset, csum);
  }
}
