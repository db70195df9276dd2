// sys/libkern/arc4random.c, sys/libkern/random.c: the kernel's random
// numbers.  Everything random in the simulated kernel (IP ids, ephemeral
// ports, link loss, MAC addresses) draws from this one generator, seeded
// explicitly so that a run can be replayed.  The generator is xoshiro128**
// (FreeBSD uses ChaCha20): what matters here is determinism and speed, not
// cryptographic strength.

let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
let seeded_with = 0;

function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Seed the generator (the simulator's replacement for the entropy pool). */
export function arc4random_seed(seed: number): void {
  seeded_with = seed >>> 0;
  let x = seeded_with;
  s0 = splitmix32(x); x = (x + 0x9e3779b9) | 0;
  s1 = splitmix32(x); x = (x + 0x9e3779b9) | 0;
  s2 = splitmix32(x); x = (x + 0x9e3779b9) | 0;
  s3 = splitmix32(x);
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
}

export function arc4random_getseed(): number {
  return seeded_with;
}

/** A uniformly distributed 32-bit unsigned integer. */
export function arc4random(): number {
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  return result;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A uniform value in [0, upper_bound) without modulo bias. */
export function arc4random_uniform(upper_bound: number): number {
  if (upper_bound < 2) return 0;
  const min = (0x100000000 % upper_bound) >>> 0;
  for (;;) {
    const r = arc4random();
    if (r >= min) return r % upper_bound;
  }
}

export function arc4random_buf(buf: Uint8Array, off = 0, len = buf.length - off): void {
  for (let i = 0; i < len; i += 4) {
    const r = arc4random();
    for (let j = 0; j < 4 && i + j < len; j++) buf[off + i + j] = (r >>> (8 * j)) & 0xff;
  }
}

/** random(9): 31 bits. */
export function random(): number {
  return arc4random() >>> 1;
}

arc4random_seed(0);
