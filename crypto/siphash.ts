// sys/crypto/siphash/siphash.c, siphash.h: SipHash-2-4 (Aumasson and
// Bernstein), the keyed hash TCP uses for initial sequence numbers,
// timestamp offsets (tcp_subr.c's tcp_keyed_hash) and SYN cookie MACs
// (tcp_syncache.c's syncookie_mac).
//
// Departures: one call over a whole message (FreeBSD's SipHash24() macro:
// init, set key, update, end) rather than the incremental SIPHASH_CTX API;
// the 64-bit state is kept as pairs of 32-bit halves in one scratch array,
// so a hash allocates nothing (no BigInt), and the 64-bit result is left in
// siphash_out (low half, high half) instead of being returned.

/** v0..v3, each as its low then high 32 bits. */
const sv = new Uint32Array(8);
const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

/** The result of the last SipHash24: [low 32 bits, high 32 bits]. */
export const siphash_out = new Uint32Array(2);

function sip_add(a: number, b: number): void {
  const lo = (sv[a] + sv[b]) >>> 0;
  const carry = lo < sv[a] ? 1 : 0;
  sv[a + 1] = (sv[a + 1] + sv[b + 1] + carry) >>> 0;
  sv[a] = lo;
}

function sip_rotl(a: number, n: number): void {
  const lo = sv[a];
  const hi = sv[a + 1];
  if (n === 32) {
    sv[a] = hi;
    sv[a + 1] = lo;
  } else {
    sv[a + 1] = ((hi << n) | (lo >>> (32 - n))) >>> 0;
    sv[a] = ((lo << n) | (hi >>> (32 - n))) >>> 0;
  }
}

function sip_xor(a: number, b: number): void {
  sv[a] ^= sv[b];
  sv[a + 1] ^= sv[b + 1];
}

/** One SipRound over v0..v3. */
function SipRound(): void {
  sip_add(V0, V1);
  sip_rotl(V1, 13);
  sip_xor(V1, V0);
  sip_rotl(V0, 32);
  sip_add(V2, V3);
  sip_rotl(V3, 16);
  sip_xor(V3, V2);
  sip_add(V0, V3);
  sip_rotl(V3, 21);
  sip_xor(V3, V0);
  sip_add(V2, V1);
  sip_rotl(V1, 17);
  sip_xor(V1, V2);
  sip_rotl(V2, 32);
}

function le32dec(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Two compression rounds over one 64-bit little-endian word m. */
function SipBuf(mlo: number, mhi: number): void {
  sv[V3] ^= mlo;
  sv[V3 + 1] ^= mhi;
  SipRound();
  SipRound();
  sv[V0] ^= mlo;
  sv[V0 + 1] ^= mhi;
}

/**
 * SipHash24(key, src, len): SipHash-2-4 of src[0..len) under the 16-byte
 * key; the 64-bit result is left in siphash_out.
 */
export function SipHash24(key: Uint8Array, src: Uint8Array, len: number): void {
  const k0lo = le32dec(key, 0);
  const k0hi = le32dec(key, 4);
  const k1lo = le32dec(key, 8);
  const k1hi = le32dec(key, 12);
  // "somepseudorandomlygeneratedbytes", XORed with the key halves.
  sv[V0] = k0lo ^ 0x70736575;
  sv[V0 + 1] = k0hi ^ 0x736f6d65;
  sv[V1] = k1lo ^ 0x6e646f6d;
  sv[V1 + 1] = k1hi ^ 0x646f7261;
  sv[V2] = k0lo ^ 0x6e657261;
  sv[V2 + 1] = k0hi ^ 0x6c796765;
  sv[V3] = k1lo ^ 0x79746573;
  sv[V3 + 1] = k1hi ^ 0x74656462;
  let o = 0;
  for (; o + 8 <= len; o += 8) SipBuf(le32dec(src, o), le32dec(src, o + 4));
  // The last word holds what is left of the message and, in its top byte,
  // the message length modulo 256.
  let lo = 0;
  let hi = (len & 0xff) << 24;
  const rem = len - o;
  for (let i = 0; i < rem; i++) {
    if (i < 4) lo |= src[o + i] << (8 * i);
    else hi |= src[o + i] << (8 * (i - 4));
  }
  SipBuf(lo >>> 0, hi >>> 0);
  // Finalization: four rounds after v2 ^= 0xff.
  sv[V2] ^= 0xff;
  SipRound();
  SipRound();
  SipRound();
  SipRound();
  siphash_out[0] = sv[V0] ^ sv[V1] ^ sv[V2] ^ sv[V3];
  siphash_out[1] = sv[V0 + 1] ^ sv[V1 + 1] ^ sv[V2 + 1] ^ sv[V3 + 1];
}

/**
 * SipHash24_fold(key, src, len): SipHash24's two 32-bit halves XORed into
 * one, as TCP's callers reduce it (hash[0] ^ hash[1]).
 */
export function SipHash24_fold(key: Uint8Array, src: Uint8Array, len: number): number {
  SipHash24(key, src, len);
  return (siphash_out[0] ^ siphash_out[1]) >>> 0;
}
