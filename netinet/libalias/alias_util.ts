// sys/netinet/libalias/alias_util.c: checksum helpers of libalias.  The
// kernel build has only the two below: the full Internet checksum of a
// buffer, and the differential update used whenever an address changes.

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
 * address `oldp` in the covered data became `newp`.  (libalias only ever
 * calls it on one address, two 16-bit words.)
 */
export function DifferentialChecksum(cksum: number, newp: in_addr_t, oldp: in_addr_t): number {
  let accumulate = cksum;
  accumulate -= newp >>> 16;
  accumulate -= newp & 0xffff;
  accumulate += oldp >>> 16;
  accumulate += oldp & 0xffff;
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
