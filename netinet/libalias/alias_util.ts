// sys/netinet/libalias/alias_util.c: checksum helpers of libalias: the
// full Internet checksum of a buffer, the differential update used whenever
// an address changes, and (lib/libalias only: the kernel's build leaves a
// rewritten segment's checksum to ipfw nat) the TCP checksum of a packet.

import type { in_addr_t, libalias } from "./alias_local.ts";

/**
 * LibAliasInternetChecksum: the Internet checksum of nbytes at off (the
 * checksum field itself zeroed by the caller, or the result is 0 for a
 * correct one).
 */
export function LibAliasInternetChecksum(_la: libalias | null, dv: DataView, off: number, nbytes: number): number {
  let sum = 0;
  let p = off;
  while (nbytes > 1) {
    sum += dv.getUint16(p);
    p += 2;
    nbytes -= 2;
  }
  if (nbytes === 1) sum += dv.getUint8(p) << 8;
  sum = (sum >>> 16) + (sum & 0xffff);
  sum += sum >>> 16;
  return ~sum & 0xffff;
}

/**
 * DifferentialChecksum(&cksum, &new, &old, 2): the checksum after the
 * address `oldp` in the covered data became `newp`.
 */
export function DifferentialChecksum(cksum: number, newp: in_addr_t, oldp: in_addr_t): number {
  return differential(cksum + (oldp >>> 16) + (oldp & 0xffff) - (newp >>> 16) - (newp & 0xffff));
}

/** DifferentialChecksum(&cksum, &new, &old, 1): the same for one 16-bit
 *  word (the FTP module's new ip_len). */
export function DifferentialChecksum16(cksum: number, newp: number, oldp: number): number {
  return differential(cksum + oldp - newp);
}

/** Fold the sum of a checksum and the old words less the new ones. */
function differential(accumulate: number): number {
  if (accumulate < 0) {
    accumulate = -accumulate;
    accumulate = (accumulate >> 16) + (accumulate & 0xffff);
    accumulate += accumulate >> 16;
    return ~accumulate & 0xffff;
  }
  accumulate = (accumulate >> 16) + (accumulate & 0xffff);
  accumulate += accumulate >> 16;
  return accumulate & 0xffff;
}

/**
 * TcpChecksum: the TCP checksum of the segment in the IPv4 packet at pip,
 * pseudo-header included (the checksum field itself zeroed by the caller).
 * Only the userland build calls it, after a protocol module rewrote a
 * segment's data.
 */
export function TcpChecksum(dv: DataView, pip: number): number {
  const hl = (dv.getUint8(pip) & 0x0f) << 2;
  const ntcp = dv.getUint16(pip + 2) - hl;
  let sum = 0;
  let p = pip + hl;
  let n = ntcp;
  while (n > 1) {
    sum += dv.getUint16(p);
    p += 2;
    n -= 2;
  }
  if (n === 1) sum += dv.getUint8(p) << 8;
  // The pseudo-header: both addresses, the protocol and the TCP length.
  const src = dv.getUint32(pip + 12);
  const dst = dv.getUint32(pip + 16);
  sum += (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
  sum += dv.getUint8(pip + 9);
  sum += ntcp;
  sum = (sum >>> 16) + (sum & 0xffff);
  sum += sum >>> 16;
  return ~sum & 0xffff;
}
