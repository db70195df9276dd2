// crypto/siphash: SipHash-2-4 against the reference vector of Aumasson and
// Bernstein's paper (key 00..0f, message 00..0e), the empty message, and a
// straightforward 64-bit BigInt rendering of the algorithm for random keys
// and messages of every length class (below, at and past a word boundary).
import test from "ava";
import fc from "fast-check";
import { loadKernel } from "../helpers/builds.ts";

const M64 = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M64;
function le64(b: Uint8Array, o: number, n = 8): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[o + i]);
  return v;
}

/** SipHash-2-4 written plainly over BigInts, as the paper states it. */
function siphash_bigint(key: Uint8Array, msg: Uint8Array): bigint {
  const k0 = le64(key, 0);
  const k1 = le64(key, 8);
  const v = [k0 ^ 0x736f6d6570736575n, k1 ^ 0x646f72616e646f6dn, k0 ^ 0x6c7967656e657261n, k1 ^ 0x7465646279746573n];
  const round = (): void => {
    v[0] = (v[0] + v[1]) & M64;
    v[1] = rotl(v[1], 13n) ^ v[0];
    v[0] = rotl(v[0], 32n);
    v[2] = (v[2] + v[3]) & M64;
    v[3] = rotl(v[3], 16n) ^ v[2];
    v[0] = (v[0] + v[3]) & M64;
    v[3] = rotl(v[3], 21n) ^ v[0];
    v[2] = (v[2] + v[1]) & M64;
    v[1] = rotl(v[1], 17n) ^ v[2];
    v[2] = rotl(v[2], 32n);
  };
  const words: bigint[] = [];
  const full = msg.length - (msg.length % 8);
  for (let o = 0; o < full; o += 8) words.push(le64(msg, o));
  words.push((BigInt(msg.length & 0xff) << 56n) | le64(msg, full, msg.length - full));
  for (const m of words) {
    v[3] ^= m;
    round();
    round();
    v[0] ^= m;
  }
  v[2] ^= 0xffn;
  for (let i = 0; i < 4; i++) round();
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}

const key = Uint8Array.from({ length: 16 }, (_, i) => i);
const msg = Uint8Array.from({ length: 64 }, (_, i) => i);

test("SipHash24: the paper's vector and the empty message", async (t) => {
  const k = await loadKernel("vimage");
  k.SipHash24(key, msg, 15);
  t.deepEqual([...k.siphash_out], [0x49be45e5, 0xa129ca61]);
  t.is(k.SipHash24_fold(key, msg, 15), (0x49be45e5 ^ 0xa129ca61) >>> 0);
  k.SipHash24(key, msg, 0);
  t.deepEqual([...k.siphash_out], [0xdd0e0e31, 0x726fdb47]);
});

test("SipHash24: only len bytes of the buffer count", async (t) => {
  const k = await loadKernel("vimage");
  const longer = new Uint8Array(40);
  longer.set(msg.subarray(0, 15));
  longer.fill(0xee, 15);
  k.SipHash24(key, longer, 15);
  t.deepEqual([...k.siphash_out], [0x49be45e5, 0xa129ca61]);
});

test("SipHash24 agrees with a BigInt rendering for any key and message", async (t) => {
  const k = await loadKernel("vimage");
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 300 }), (kk, m) => {
      const want = siphash_bigint(kk, m);
      k.SipHash24(kk, m, m.length);
      const got = (BigInt(k.siphash_out[1]) << 32n) | BigInt(k.siphash_out[0]);
      return got === want && k.SipHash24_fold(kk, m, m.length) === Number((want & 0xffffffffn) ^ (want >> 32n)) >>> 0;
    }),
    { numRuns: 500 },
  );
  t.pass();
});
