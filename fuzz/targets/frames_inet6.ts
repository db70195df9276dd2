// Hostile IPv6 frames (sys/netinet6/ip6_input.c, frag6.c, dest6.c, route6.c,
// ip6_forward.c, ip6_fastfwd.c, and what they hand ICMPv6 and UDP): valid
// packets to the point's link-local, multicast and global addresses, and
// the same with their fields pushed to the edges: chains of extension
// headers (hop-by-hop with pads, router alert, jumbo and unknown options of
// every action; destination options; routing headers of every type with
// segments left or not; nested IPv6), fragments (atomic, overlapping,
// duplicated, zero-length, misaligned, past 65535 bytes), payload lengths
// longer or shorter than the frame, wrong versions, truncations.
import { register_frame_target } from "../registry.ts";
import type { rng } from "../rng.ts";
import type { inject_point } from "../topo.ts";
import { ether, mutate, put16, put32 } from "./frames_inet.ts";

/** The modified EUI-64 link-local address of a MAC (what in6_ifattach gives). */
function ll_of(mac: Uint8Array): Uint8Array {
  return Uint8Array.from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, mac[0] ^ 2, mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]]);
}

/** A documentation-prefix address with the given host part. */
function glob(net: number, host: number): Uint8Array {
  const a = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, net, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  put32(a, 12, host);
  return a;
}

/** An address a hostile IPv6 packet may carry. */
function addr6(r: rng, pt: inject_point, peer: boolean): Uint8Array {
  switch (r.int(14)) {
    case 0:
    case 1:
    case 2:
      return ll_of(peer ? pt.peer_mac : pt.mac);
    case 3:
    case 4:
      return glob(pt.ip & 0xff, peer ? 2 : 1);
    case 5:
      return glob(r.int(4), r.int(5));
    case 6:
      return Uint8Array.from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, r.pick([1, 2, 0x16])]);
    case 7: {
      // Solicited-node multicast of our link-local address.
      const ll = ll_of(pt.mac);
      return Uint8Array.from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, ll[13], ll[14], ll[15]]);
    }
    case 8:
      return r.pick([
        new Uint8Array(16),
        Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]),
        Uint8Array.from([0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        Uint8Array.from([0xff, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
      ]);
    case 9: {
      // A link-local address with something in the zone word.
      const a = ll_of(peer ? pt.peer_mac : pt.mac);
      a[3] = r.int(256);
      return a;
    }
    default:
      return r.bytes(16);
  }
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The RFC 8200 8.1 checksum of an upper-layer message. */
function cksum6(src: Uint8Array, dst: Uint8Array, nxt: number, msg: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < 16; i += 2) s += ((src[i] << 8) | src[i + 1]) + ((dst[i] << 8) | dst[i + 1]);
  s += (msg.length >>> 16) + (msg.length & 0xffff) + nxt;
  for (let i = 0; i < msg.length; i += 2) s += (msg[i] << 8) | (i + 1 < msg.length ? msg[i + 1] : 0);
  return ~fold(s) & 0xffff;
}

/** An upper layer: ICMPv6 (echo, errors, ND-looking types), UDP, or bytes. */
function upper(r: rng, src: Uint8Array, dst: Uint8Array): { nxt: number; body: Uint8Array } {
  const kind = r.int(6);
  if (kind <= 2) {
    const type = r.pick([128, 129, 1, 2, 3, 4, 133, 134, 135, 136, 137, 130, 143, r.int(256)]);
    const b = new Uint8Array(8 + r.int(r.chance(0.1) ? 1400 : 64));
    b[0] = type;
    b[1] = r.chance(0.8) ? 0 : r.int(256);
    for (let i = 4; i < b.length; i++) b[i] = r.int(256);
    if (r.chance(0.85)) put16(b, 2, cksum6(src, dst, 58, b));
    return { nxt: 58, body: b };
  }
  if (kind <= 4) {
    const b = new Uint8Array(8 + r.int(r.chance(0.1) ? 1400 : 64));
    put16(b, 0, r.int(65536));
    put16(b, 2, r.pick([7777, 9, 53, 547, r.int(65536)]));
    put16(b, 4, r.chance(0.9) ? b.length : r.int(65536));
    for (let i = 8; i < b.length; i++) b[i] = r.int(256);
    if (r.chance(0.85)) {
      let c = cksum6(src, dst, 17, b);
      if (c === 0) c = 0xffff;
      put16(b, 6, c);
    }
    return { nxt: 17, body: b };
  }
  return { nxt: r.pick([59, 6, 253, 4, r.int(256)]), body: r.bytes(r.int(80)) };
}

/** Options for a hop-by-hop or destination options header, padded to 8n - 2. */
function options(r: rng, hbh: boolean): Uint8Array {
  const out: number[] = [];
  const n = r.int(4);
  for (let i = 0; i < n; i++) {
    switch (r.int(7)) {
      case 0:
        out.push(0);
        break;
      case 1:
        out.push(1, 2, 0, 0);
        break;
      case 2:
        if (hbh) out.push(5, r.chance(0.9) ? 2 : r.int(8), 0, r.pick([0, 1, 2, r.int(256)]));
        break;
      case 3:
        if (hbh) out.push(0xc2, r.chance(0.9) ? 4 : r.int(8), r.int(256), r.int(256), r.int(256), r.int(256));
        break;
      default: {
        // Unknown, of each action (skip, discard, ICMP, ICMP unless multicast).
        const len = r.int(6);
        out.push(r.pick([0x1e, 0x5e, 0x9e, 0xde, r.int(256)]), r.chance(0.9) ? len : r.int(256));
        for (let j = 0; j < len; j++) out.push(r.int(256));
      }
    }
  }
  while ((out.length + 2) % 8 !== 0) out.push(0);
  return Uint8Array.from(out);
}

/** An extension header of the given type, next header nxt (the fragment header is frag()'s). */
function exthdr(r: rng, type: number, nxt: number): Uint8Array {
  if (type === 0 || type === 60) {
    const o = options(r, type === 0);
    const h = new Uint8Array(2 + o.length);
    h[0] = nxt;
    h[1] = r.chance(0.95) ? (h.length >> 3) - 1 : r.int(256);
    h.set(o, 2);
    return h;
  }
  // Routing: type 0 (with addresses), 2, 3, 4, anything; segments left or none.
  const naddr = r.int(3);
  const h = new Uint8Array(8 + 16 * naddr);
  h[0] = nxt;
  h[1] = r.chance(0.95) ? naddr * 2 : r.int(256);
  h[2] = r.pick([0, 0, 2, 3, 4, r.int(256)]);
  h[3] = r.chance(0.5) ? 0 : r.int(naddr + 2);
  for (let i = 8; i < h.length; i++) h[i] = r.int(256);
  return h;
}

/** An IPv6 header and what follows it (plen the real length, or a lie). */
function ip6(r: rng, src: Uint8Array, dst: Uint8Array, nxt: number, rest: Uint8Array): Uint8Array {
  const b = new Uint8Array(40 + rest.length);
  const vfc = r.chance(0.97) ? 0x60 : r.int(16) << 4;
  put32(b, 0, ((vfc << 24) | (r.chance(0.8) ? 0 : r.int(1 << 28))) >>> 0);
  let plen = rest.length;
  if (r.chance(0.06)) plen = r.pick([0, plen + 1 + r.int(40), Math.max(0, plen - 1 - r.int(40)), r.int(65536)]);
  put16(b, 4, plen & 0xffff);
  b[6] = nxt;
  b[7] = r.chance(0.9) ? r.pick([64, 255, 1]) : r.int(3);
  b.set(src, 8);
  b.set(dst, 24);
  b.set(rest, 40);
  return b;
}

/** A packet with a chain of extension headers in front of an upper layer. */
function chain_packet(r: rng, pt: inject_point): Uint8Array {
  const src = r.chance(0.8) ? addr6(r, pt, true) : addr6(r, pt, false);
  const dst = addr6(r, pt, false);
  const up = upper(r, src, dst);
  let nxt = up.nxt;
  let rest = up.body;
  const n = r.int(r.chance(0.05) ? 20 : 4);
  for (let i = 0; i < n; i++) {
    // Hop-by-hop belongs first, but a hostile chain puts it anywhere.
    const type = r.pick([60, 60, 43, 0, r.chance(0.1) ? 41 : 60]);
    if (type === 41) {
      rest = ip6(r, addr6(r, pt, true), addr6(r, pt, false), nxt, rest);
      nxt = 41;
      continue;
    }
    const h = exthdr(r, type, nxt);
    const cat = new Uint8Array(h.length + rest.length);
    cat.set(h);
    cat.set(rest, h.length);
    rest = cat;
    nxt = type;
  }
  return ether(r, pt, 0x86dd, ip6(r, src, dst, nxt, rest));
}

/**
 * Fragments of one datagram, some of them: usually in order and honest,
 * sometimes atomic, overlapping, repeated, empty, misaligned, or reaching
 * past 65535 bytes.
 */
function frag_frames(r: rng, pt: inject_point): Uint8Array[] {
  const src = addr6(r, pt, true);
  const dst = r.chance(0.7) ? glob(pt.ip & 0xff, 1) : addr6(r, pt, false);
  const up = upper(r, src, dst);
  const data = up.body.length >= 16 ? up.body : new Uint8Array(64);
  const ident = r.chance(0.5) ? 0x1234 : r.u32();
  const unfrag = r.chance(0.2) ? exthdr(r, 60, 44) : null;
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < data.length) {
    let len = Math.min(8 * (1 + r.int(20)), data.length - off);
    let more = off + len < data.length;
    let foff = off;
    if (r.chance(0.1)) foff = Math.max(0, foff - 8 * r.int(3)); // overlap
    if (r.chance(0.05)) foff = 65528; // past the end of the largest datagram
    if (r.chance(0.05)) len = 0;
    if (r.chance(0.05)) more = !more;
    if (r.chance(0.05)) len += 1 + r.int(7); // misaligned
    const fh = new Uint8Array(8 + len);
    fh[0] = r.chance(0.9) ? up.nxt : r.int(256);
    fh[1] = r.chance(0.95) ? 0 : r.int(256);
    put16(fh, 2, (foff & 0xfff8) | (more ? 1 : 0) | (r.chance(0.05) ? 6 : 0));
    put32(fh, 4, ident);
    fh.set(data.subarray(off, off + Math.min(len, data.length - off)), 8);
    let rest = fh;
    let nxt = 44;
    if (unfrag !== null) {
      rest = new Uint8Array(unfrag.length + fh.length);
      rest.set(unfrag);
      rest.set(fh, unfrag.length);
      nxt = 60;
    }
    const f = ether(r, pt, 0x86dd, ip6(r, src, dst, nxt, rest));
    out.push(f);
    if (r.chance(0.08)) out.push(f.slice()); // duplicate
    off += Math.max(len, 8);
  }
  // Any order.
  for (let i = out.length - 1; i > 0; i--) {
    if (!r.chance(0.3)) continue;
    const j = r.int(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

register_frame_target({
  name: "inet6.chain",
  weight: 20,
  gen: (r, pt) => (r.chance(0.3) ? mutate(r, chain_packet(r, pt)) : chain_packet(r, pt)),
});
register_frame_target({
  name: "inet6.frag",
  weight: 15,
  gen: (r, pt) => {
    // One frame per call: a fragment of one of a few datagrams, so that
    // successive calls build up (and time out) reassembly queues.
    const fs = frag_frames(r, pt);
    const f = fs[r.int(fs.length)];
    return r.chance(0.2) ? mutate(r, f) : f;
  },
});
register_frame_target({
  name: "inet6.truncated",
  weight: 6,
  gen: (r, pt) => {
    const f = chain_packet(r, pt);
    return f.slice(0, r.int(Math.min(f.length, 120) + 1));
  },
});
