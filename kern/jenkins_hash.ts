// sys/libkern/jenkins_hash.c and sys/sys/hash.h: Bob Jenkins' lookup3 hash,
// jenkins_hash32 (hashword), as FreeBSD uses it for epair's MAC addresses,
// the IPv4 and IPv6 reassembly buckets and the TCP syncache buckets.

function rot(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// lookup3's a, b, c between its mix() and final() (the macros both hashes
// share), kept here so that neither allocates.
const abc = new Int32Array(3);

/** mix(a, b, c): lookup3's mixing of three words. */
function mix(): void {
  let a = abc[0];
  let b = abc[1];
  let c = abc[2];
  a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
  a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
  abc[0] = a;
  abc[1] = b;
  abc[2] = c;
}

/** final(a, b, c): lookup3's final mixing; c is the hash. */
function final(): void {
  let a = abc[0];
  let b = abc[1];
  let c = abc[2];
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  abc[2] = c;
}

/** jenkins_hash32(k, count, initval): lookup3's hashword over count 32-bit
 *  words of k, in 32-bit integer arithmetic; allocates nothing. */
export function jenkins_hash32(k: Uint32Array, length: number, initval: number): number {
  abc[0] = abc[1] = abc[2] = 0xdeadbeef + (length << 2) + initval;
  let i = 0;
  while (length > 3) {
    abc[0] += k[i];
    abc[1] += k[i + 1];
    abc[2] += k[i + 2];
    mix();
    length -= 3;
    i += 3;
  }
  // The switch of lookup3 with its fall-throughs.
  if (length >= 3) abc[2] += k[i + 2];
  if (length >= 2) abc[1] += k[i + 1];
  if (length >= 1) {
    abc[0] += k[i];
    final();
  }
  return abc[2] >>> 0;
}

/**
 * jenkins_hash(key, len, initval): lookup3's hashlittle over len bytes, as
 * a little-endian machine computes it (the result does not depend on the
 * key's alignment); allocates nothing.
 */
export function jenkins_hash(k: Uint8Array, length: number, initval: number): number {
  abc[0] = abc[1] = abc[2] = 0xdeadbeef + length + initval;
  let i = 0;
  while (length > 12) {
    abc[0] += k[i] | (k[i + 1] << 8) | (k[i + 2] << 16) | (k[i + 3] << 24);
    abc[1] += k[i + 4] | (k[i + 5] << 8) | (k[i + 6] << 16) | (k[i + 7] << 24);
    abc[2] += k[i + 8] | (k[i + 9] << 8) | (k[i + 10] << 16) | (k[i + 11] << 24);
    mix();
    length -= 12;
    i += 12;
  }
  if (length === 0) return abc[2] >>> 0;
  // The tail, byte by byte, as the switch with its fall-throughs adds it.
  for (let j = length - 1; j >= 0; j--) abc[j >> 2] += k[i + j] << (8 * (j & 3));
  final();
  return abc[2] >>> 0;
}

/** sys/sys/hash.h: HASHINIT. */
export const HASHINIT = 5381;
