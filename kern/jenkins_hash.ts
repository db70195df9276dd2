// sys/libkern/jenkins_hash.c and sys/sys/hash.h: Bob Jenkins' lookup3 hash,
// jenkins_hash32 (hashword), as FreeBSD uses it for epair's MAC addresses,
// the IPv4 and IPv6 reassembly buckets and the TCP syncache buckets.

function rot(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** jenkins_hash32(k, count, initval): lookup3's hashword over count 32-bit
 *  words of k, in 32-bit integer arithmetic; allocates nothing. */
export function jenkins_hash32(k: Uint32Array, length: number, initval: number): number {
  let a = (0xdeadbeef + (length << 2) + initval) | 0;
  let b = a;
  let c = a;
  let i = 0;
  while (length > 3) {
    a = (a + k[i]) | 0;
    b = (b + k[i + 1]) | 0;
    c = (c + k[i + 2]) | 0;
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    length -= 3;
    i += 3;
  }
  // The switch of lookup3 with its fall-throughs.
  if (length >= 3) c = (c + k[i + 2]) | 0;
  if (length >= 2) b = (b + k[i + 1]) | 0;
  if (length >= 1) {
    a = (a + k[i]) | 0;
    c ^= b; c = (c - rot(b, 14)) | 0;
    a ^= c; a = (a - rot(c, 11)) | 0;
    b ^= a; b = (b - rot(a, 25)) | 0;
    c ^= b; c = (c - rot(b, 16)) | 0;
    a ^= c; a = (a - rot(c, 4)) | 0;
    b ^= a; b = (b - rot(a, 14)) | 0;
    c ^= b; c = (c - rot(b, 24)) | 0;
  }
  return c >>> 0;
}
