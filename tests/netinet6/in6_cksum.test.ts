// netinet6/in6_cksum: the checksum of an upper-layer message under the IPv6
// pseudo header, against a flat reference (RFC 8200 8.1 over RFC 1071) on
// random headers and data laid over random mbuf boundaries; the embedded
// zone of link-local addresses does not count; a message with its checksum
// in place sums to 0; in6_cksum_pseudo; in6_delayed_cksum (UDP's 0 becomes
// 0xffff).
import test from "ava";
import fc from "fast-check";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import type { mbuf } from "../../kern/mbuf.ts";

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The scoped addresses whose second word is a zone inside the kernel. */
function scoped(a: Uint8Array, o: number): boolean {
  return (a[o] === 0xfe && (a[o + 1] & 0xc0) === 0x80) || (a[o] === 0xff && ((a[o + 1] & 0x0f) === 1 || (a[o + 1] & 0x0f) === 2));
}

/** RFC 8200 8.1: the pseudo header (wire-form addresses), then the message. */
function ref6(hdr: Uint8Array, nxt: number, msg: Uint8Array): number {
  const ph = new Uint8Array(40 + msg.length);
  ph.set(hdr.subarray(8, 40), 0);
  if (scoped(ph, 0)) ph[2] = ph[3] = 0;
  if (scoped(ph, 16)) ph[18] = ph[19] = 0;
  const dv = new DataView(ph.buffer);
  dv.setUint32(32, msg.length);
  ph[39] = nxt;
  ph.set(msg, 40);
  let sum = 0;
  for (let i = 0; i < ph.length; i += 2) sum += (ph[i] << 8) | (i + 1 < ph.length ? ph[i + 1] : 0);
  return ~fold(sum) & 0xffff;
}

/** `bytes` laid over a chain: piece i gets lens[i] bytes, leads[i] into its buffer. */
function make_chain(k: Kernel, bytes: Uint8Array, lens: number[], leads: number[]): mbuf {
  let head: mbuf | null = null;
  let tail: mbuf | null = null;
  let off = 0;
  for (let i = 0; off < bytes.length || i === 0; i++) {
    const m = i === 0 ? k.m_gethdr(k.M_NOWAIT, k.MT_DATA) : k.m_get(k.M_NOWAIT, k.MT_DATA);
    if (m === null) throw new Error("out of mbufs");
    const room = i === 0 ? k.MHLEN : k.MLEN;
    const lead = (leads[i % Math.max(leads.length, 1)] ?? 0) % 8;
    // The IPv6 header stays contiguous in the first mbuf, as in6_cksum wants.
    let len = i === 0 ? Math.max(40, lens[0] ?? 40) : i < lens.length ? lens[i] : bytes.length - off;
    len = Math.min(len, bytes.length - off, room - lead);
    m.m_data += lead;
    m.m_buf.set(bytes.subarray(off, off + len), m.m_data);
    m.m_len = len;
    off += len;
    if (tail === null) head = m;
    else tail.m_next = m;
    tail = m;
  }
  const h = head as mbuf;
  h.m_pkthdr.len = bytes.length;
  return h;
}

const addrArb = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  // fe80::/10 with a zone in the second word.
  fc.uint8Array({ minLength: 14, maxLength: 14 }).map((r) => Uint8Array.from([0xfe, 0x80, ...r])),
  // ff02::/16 and ff01::/16.
  fc.tuple(fc.constantFrom(0x01, 0x02, 0x05, 0x0e), fc.uint8Array({ minLength: 14, maxLength: 14 })).map(([s, r]) => Uint8Array.from([0xff, s, ...r])),
);

function header(src: Uint8Array, dst: Uint8Array, nxt: number, plen: number): Uint8Array {
  const h = new Uint8Array(40);
  h[0] = 0x60;
  h[4] = plen >>> 8;
  h[5] = plen & 0xff;
  h[6] = nxt;
  h[7] = 64;
  h.set(src, 8);
  h.set(dst, 24);
  return h;
}

for (const build of BOTH) {
  test.serial(`${build}: in6_cksum agrees with the reference over any mbuf layout; embedded zones do not count`, async (t) => {
    const k = await loadKernel(build);
    fc.assert(
      fc.property(
        addrArb,
        addrArb,
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ minLength: 0, maxLength: 900 }),
        fc.array(fc.integer({ min: 0, max: 170 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 12 }),
        (src, dst, nxt, msg, lens, leads) => {
          const hdr = header(src, dst, nxt, msg.length);
          const pkt = new Uint8Array(40 + msg.length);
          pkt.set(hdr);
          pkt.set(msg, 40);
          const m = make_chain(k, pkt, lens, leads);
          const got = k.in6_cksum(m, nxt, 40, msg.length);
          k.m_freem(m);
          return got === ref6(hdr, nxt, msg);
        },
      ),
      { numRuns: 400, seed: 6 },
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a message with its checksum in place sums to 0; in6_cksum_pseudo is the folded pseudo header`, async (t) => {
    const k = await loadKernel(build);
    fc.assert(
      fc.property(addrArb, addrArb, fc.uint8Array({ minLength: 8, maxLength: 400 }), (src, dst, body) => {
        // A UDP-like message: the checksum field at offset 6.
        const msg = body.slice();
        msg[6] = msg[7] = 0;
        const hdr = header(src, dst, 17, msg.length);
        const c = ref6(hdr, 17, msg);
        msg[6] = c >>> 8;
        msg[7] = c & 0xff;
        const pkt = new Uint8Array(40 + msg.length);
        pkt.set(hdr);
        pkt.set(msg, 40);
        const m = make_chain(k, pkt, [40, 3, 17], [1, 0, 5]);
        const zero = k.in6_cksum(m, 17, 40, msg.length);
        // The pseudo header alone: what the reference gives for no data,
        // uncomplemented, with the length of the real message.
        const ps = k.in6_cksum_pseudo(m, 0, msg.length, 17, 0);
        k.m_freem(m);
        const ph = new Uint8Array(40);
        ph.set(hdr.subarray(8, 40));
        if (scoped(ph, 0)) ph[2] = ph[3] = 0;
        if (scoped(ph, 16)) ph[18] = ph[19] = 0;
        new DataView(ph.buffer).setUint32(32, msg.length);
        ph[39] = 17;
        let sum = 0;
        for (let i = 0; i < 40; i += 2) sum += (ph[i] << 8) | ph[i + 1];
        return zero === 0 && ps === fold(sum);
      }),
      { numRuns: 300, seed: 7 },
    );
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: in6_delayed_cksum finishes a UDP checksum seeded with the pseudo header, 0 sent as 0xffff`, async (t) => {
    const k = await loadKernel(build);
    const src = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const dst = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    for (let trial = 0; trial < 200; trial++) {
      const msg = new Uint8Array(8 + (trial % 50));
      for (let i = 8; i < msg.length; i++) msg[i] = (i * 31 + trial) & 0xff;
      new DataView(msg.buffer).setUint16(4, msg.length);
      const hdr = header(src, dst, 17, msg.length);
      const pkt = new Uint8Array(40 + msg.length);
      pkt.set(hdr);
      pkt.set(msg, 40);
      const m = make_chain(k, pkt, [45, 7], [0, 3]);
      // What udp6_output leaves: the pseudo header sum in the field.
      const ps = k.in6_cksum_pseudo(m, 0, msg.length, 17, 0);
      const seeded = pkt.slice();
      seeded[46] = ps >>> 8;
      seeded[47] = ps & 0xff;
      k.m_copyback(m, 0, seeded.length, seeded);
      m.m_pkthdr.csum_flags = k.CSUM_UDP_IPV6;
      m.m_pkthdr.csum_data = 6;
      k.in6_delayed_cksum(m, msg.length, 40);
      const out = new Uint8Array(pkt.length);
      k.m_copydata(m, 0, out.length, out);
      k.m_freem(m);
      let want = ref6(hdr, 17, msg);
      if (want === 0) want = 0xffff;
      t.is((out[46] << 8) | out[47], want);
    }
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
