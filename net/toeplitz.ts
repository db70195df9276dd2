// sys/net/toeplitz.c: the Toeplitz hash (RSS and multipath flow hashing).

/**
 * toeplitz_hash(keylen, key, datalen, data): for each set bit of data,
 * most significant first, xor in the 32-bit window of the key that starts
 * at that bit (zeros past the key's end).
 */
export function toeplitz_hash(keylen: number, key: Uint8Array, datalen: number, data: Uint8Array): number {
  let hash = 0;
  let v = ((key[0] << 24) | (key[1] << 16) | (key[2] << 8) | key[3]) | 0;
  for (let i = 0; i < datalen; i++) {
    const d = data[i];
    for (let b = 0; b < 8; b++) {
      if ((d & (1 << (7 - b))) !== 0) hash ^= v;
      v <<= 1;
      if (i + 4 < keylen && (key[i + 4] & (1 << (7 - b))) !== 0) v |= 1;
    }
  }
  return hash >>> 0;
}
