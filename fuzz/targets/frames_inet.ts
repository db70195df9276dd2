// Hostile frames for the link layer and IPv4 (sys/net/if_ethersubr.c,
// sys/netinet/if_ether.c, ip_input.c, ip_options.c, ip_reass.c,
// ip_icmp.c, udp_usrreq.c, raw_ip.c): random bytes, and valid frames of each
// protocol with their fields pushed to the edges, then mutated.
import { register_frame_target } from "../registry.ts";
import type { rng } from "../rng.ts";
import type { inject_point } from "../topo.ts";

const BCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export function cksum(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < len; i += 2) s += (b[off + i] << 8) | b[off + i + 1];
  if (len & 1) s += b[off + len - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}
export function put32(b: Uint8Array, o: number, v: number): void {
  put16(b, o, v >>> 16);
  put16(b, o + 2, v & 0xffff);
}

/** A destination MAC: mostly the interface's own, else broadcast,
 *  multicast, or another station's. */
function dst_mac(r: rng, pt: inject_point): Uint8Array {
  const x = r.int(10);
  if (x < 6) return pt.mac;
  if (x === 6) return BCAST;
  if (x === 7) return new Uint8Array([0x01, 0x00, 0x5e, r.int(128), r.int(256), r.int(256)]);
  if (x === 8) return pt.peer_mac;
  return r.bytes(6);
}

export function ether(r: rng, pt: inject_point, type: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f.set(dst_mac(r, pt), 0);
  f.set(r.chance(0.9) ? pt.peer_mac : r.bytes(6), 6);
  put16(f, 12, type);
  f.set(payload, 14);
  return f;
}

/** An address a hostile packet may carry. */
export function addr(r: rng, pt: inject_point): number {
  switch (r.int(10)) {
    case 0:
    case 1:
    case 2:
      return pt.ip;
    case 3:
      return pt.peer_ip;
    case 4:
    case 5:
      return r.pick(pt.far_ips);
    case 6:
      return pt.bcast_ip;
    case 7:
      return r.pick([0xffffffff, 0, 0xe0000001, 0xe00000fb, 0x7f000001]);
    case 8:
      return (pt.ip & 0xffffff00) | 0;
    default:
      return r.u32();
  }
}

/** Flip, truncate or extend some bytes of a frame (past the Ethernet header
 *  mostly, so the protocol still sees it). */
export function mutate(r: rng, f: Uint8Array): Uint8Array {
  const n = r.int(4);
  let out = f;
  for (let i = 0; i < n; i++) {
    switch (r.int(5)) {
      case 0:
      case 1: {
        if (out.length === 0) break;
        const j = out.length > 14 && r.chance(0.9) ? 14 + r.int(out.length - 14) : r.int(out.length);
        out[j] = r.chance(0.5) ? out[j] ^ (1 << r.int(8)) : r.int(256);
        break;
      }
      case 2:
        out = out.slice(0, r.int(out.length + 1));
        break;
      case 3: {
        const x = new Uint8Array(out.length + r.range(1, 64));
        x.set(out);
        x.set(r.bytes(x.length - out.length), out.length);
        out = x;
        break;
      }
      default: {
        if (out.length < 16) break;
        const j = 14 + r.int(out.length - 15);
        put16(out, j, r.pick([0, 0xffff, 0x8000, 1, r.int(65536)]));
      }
    }
  }
  return out;
}

// --- IPv4 ------------------------------------------------------------------

/** IP options: NOPs, EOL, record route, source routes, timestamps, or junk. */
function ip_options(r: rng, pt: inject_point): Uint8Array {
  const o: number[] = [];
  const want = r.int(6);
  for (let i = 0; i < want && o.length < 40; i++) {
    const room = 40 - o.length;
    switch (r.int(7)) {
      case 0:
        o.push(1);
        break;
      case 1:
        o.push(0);
        break;
      case 2:
      case 3: {
        // RR 7, LSRR 131, SSRR 137: len, pointer, addresses.
        const type = r.pick([7, 131, 137]);
        const naddr = Math.min(r.int(5), (room - 3) >> 2);
        if (naddr < 0) break;
        const len = r.chance(0.8) ? 3 + 4 * naddr : r.int(room + 4);
        const ptr = r.chance(0.7) ? 4 + 4 * r.int(naddr + 1) : r.int(256);
        o.push(type, len & 0xff, ptr);
        for (let a = 0; a < naddr; a++) {
          const x = addr(r, pt);
          o.push(x >>> 24, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff);
        }
        break;
      }
      case 4: {
        // Timestamp 68: len, pointer, overflow|flags, then slots.
        const flg = r.pick([0, 1, 3, 2, r.int(16)]);
        const slots = Math.min(r.int(5), (room - 4) >> 2);
        if (slots < 0) break;
        const len = r.chance(0.8) ? 4 + 4 * slots : r.int(room + 4);
        const ptr = r.chance(0.7) ? 5 + 4 * r.int(slots + 1) : r.int(256);
        o.push(68, len & 0xff, ptr, (r.int(16) << 4) | flg);
        for (let s = 0; s < slots; s++) {
          const x = s % 2 === 0 && flg !== 0 ? addr(r, pt) : r.u32();
          o.push(x >>> 24, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff);
        }
        break;
      }
      case 5: {
        // Router alert, security, stream id, or a length that lies.
        const type = r.pick([148, 130, 136, r.int(256)]);
        const len = r.pick([2, 4, 0, 1, r.int(room + 2)]);
        o.push(type, len);
        for (let j = 2; j < len && o.length < 40; j++) o.push(r.int(256));
        break;
      }
      default:
        for (let j = r.int(room); j > 0; j--) o.push(r.int(256));
    }
  }
  while (o.length & 3) o.push(r.chance(0.8) ? 0 : 1);
  return Uint8Array.from(o.slice(0, 40));
}

/** An IPv4 packet around `payload`, with fields drawn to the edges. */
export function ipv4(r: rng, pt: inject_point, proto: number, payload: Uint8Array, src?: number, dst?: number): Uint8Array {
  const opts = r.chance(0.25) ? ip_options(r, pt) : new Uint8Array(0);
  const hl = 20 + opts.length;
  const p = new Uint8Array(hl + payload.length);
  p[0] = 0x40 | (hl >> 2);
  p[1] = r.chance(0.1) ? r.int(256) : 0;
  put16(p, 2, p.length);
  // A few ids only, so fragments of different frames overlap.
  put16(p, 4, r.chance(0.5) ? r.int(4) : r.int(65536));
  let off = 0;
  if (r.chance(0.15)) {
    // Fragments: first, middle, last, odd offsets, overlapping ones.
    off = r.pick([0x2000, 0x2000 | r.int(8), 0x2000 | r.int(200), r.int(200), 0x4000, 0x1fff, 0x2000 | 0x1fff, r.int(65536)]);
  } else if (r.chance(0.3)) off = 0x4000;
  put16(p, 6, off);
  p[8] = r.pick([64, 64, 64, 1, 0, 2, 255, r.int(256)]);
  p[9] = proto;
  put32(p, 12, src ?? (r.chance(0.8) ? pt.peer_ip : addr(r, pt)));
  put32(p, 16, dst ?? addr(r, pt));
  p.set(opts, 20);
  put16(p, 10, cksum(p, 0, hl));
  p.set(payload, hl);
  // The header lying about itself.
  if (r.chance(0.08)) p[0] = (r.chance(0.5) ? 0x40 : r.int(16) << 4) | r.int(16);
  if (r.chance(0.08)) put16(p, 2, r.pick([0, 19, 20, p.length + 1, p.length - 1, 65535, r.int(65536)]));
  if (r.chance(0.05)) put16(p, 10, r.int(65536));
  return p;
}

export function udp_payload(r: rng, pt: inject_point, src: number, dst: number, port: number): Uint8Array {
  const data = r.bytes(r.int(r.chance(0.1) ? 1600 : 64));
  const u = new Uint8Array(8 + data.length);
  put16(u, 0, r.pick([7777, 53, 9, r.int(65536)]));
  put16(u, 2, port);
  put16(u, 4, r.chance(0.85) ? u.length : r.pick([0, 7, 8, u.length + 1, 65535, r.int(65536)]));
  u.set(data, 8);
  if (r.chance(0.2)) put16(u, 6, 0);
  else if (r.chance(0.9)) {
    // The pseudo-header sum, then over the datagram.
    let s = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 17 + u.length;
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    const c = cksum(u, 0, u.length, s);
    put16(u, 6, c === 0 ? 0xffff : c);
  } else put16(u, 6, r.int(65536));
  void pt;
  return u;
}

export function icmp_payload(r: rng, pt: inject_point): Uint8Array {
  const type = r.pick([8, 8, 0, 3, 3, 11, 12, 5, 4, 13, 14, 17, 18, 9, 10, r.int(256)]);
  const code = r.chance(0.7) ? r.pick([0, 1, 2, 3, 4, 13]) : r.int(256);
  let body: Uint8Array;
  if (type === 3 || type === 11 || type === 12 || type === 5 || type === 4) {
    // An error quoting an inner packet (UDP or ICMP, maybe truncated).
    const isrc = r.chance(0.7) ? pt.ip : addr(r, pt);
    const idst = addr(r, pt);
    const ip = r.chance(0.5) ? 17 : r.pick([1, 6, 253]);
    const inner = ipv4(r, pt, ip, ip === 17 ? udp_payload(r, pt, isrc, idst, r.pick([7777, 9, r.int(65536)])) : r.bytes(8 + r.int(32)), isrc, idst);
    body = inner.slice(0, r.chance(0.7) ? inner.length : r.int(inner.length + 1));
  } else body = r.bytes(r.int(r.chance(0.1) ? 1500 : 56));
  const m = new Uint8Array(8 + body.length);
  m[0] = type;
  m[1] = code;
  put32(m, 4, type === 5 ? addr(r, pt) : r.u32());
  m.set(body, 8);
  put16(m, 2, r.chance(0.9) ? cksum(m, 0, m.length) : r.int(65536));
  return m;
}

function arp_frame(r: rng, pt: inject_point): Uint8Array {
  const a = new Uint8Array(28);
  put16(a, 0, r.chance(0.9) ? 1 : r.int(65536)); // hrd
  put16(a, 2, r.chance(0.9) ? 0x0800 : r.int(65536)); // pro
  a[4] = r.chance(0.9) ? 6 : r.int(256);
  a[5] = r.chance(0.9) ? 4 : r.int(256);
  put16(a, 6, r.pick([1, 1, 2, 2, 3, 4, 0, r.int(65536)]));
  a.set(r.chance(0.8) ? pt.peer_mac : r.chance(0.5) ? pt.mac : r.bytes(6), 8);
  put32(a, 14, r.chance(0.6) ? pt.peer_ip : addr(r, pt));
  a.set(r.chance(0.5) ? new Uint8Array(6) : r.bytes(6), 18);
  put32(a, 24, r.chance(0.7) ? pt.ip : addr(r, pt));
  const tail = r.chance(0.3) ? r.bytes(r.int(40)) : new Uint8Array(0);
  const body = new Uint8Array(a.length + tail.length);
  body.set(a);
  body.set(tail, 28);
  const f = ether(r, pt, 0x0806, r.chance(0.1) ? body.slice(0, r.int(28)) : body);
  if (r.chance(0.3)) f.set(BCAST, 0);
  return f;
}

function inet_frame(r: rng, pt: inject_point, proto: number): Uint8Array {
  const src = r.chance(0.8) ? pt.peer_ip : addr(r, pt);
  const dst = addr(r, pt);
  let payload: Uint8Array;
  if (proto === 17) payload = udp_payload(r, pt, src, dst, r.pick([7777, 7777, 9, 53, r.int(65536)]));
  else if (proto === 1) payload = icmp_payload(r, pt);
  else payload = r.bytes(r.int(r.chance(0.05) ? 1800 : 100));
  return ether(r, pt, 0x0800, ipv4(r, pt, proto, payload, src, dst));
}

register_frame_target({
  name: "raw.random",
  weight: 10,
  gen: (r) => r.bytes(r.int(2001)),
});
register_frame_target({
  name: "ether.random",
  weight: 5,
  gen: (r, pt) => ether(r, pt, r.pick([0x0800, 0x0806, 0x86dd, 0x8100, 0x88a8, 0x9000, r.int(65536)]), r.bytes(r.int(r.chance(0.1) ? 1600 : 80))),
});
register_frame_target({
  name: "arp",
  weight: 12,
  gen: (r, pt) => (r.chance(0.3) ? mutate(r, arp_frame(r, pt)) : arp_frame(r, pt)),
});
register_frame_target({
  name: "inet.icmp",
  weight: 25,
  gen: (r, pt) => (r.chance(0.3) ? mutate(r, inet_frame(r, pt, 1)) : inet_frame(r, pt, 1)),
});
register_frame_target({
  name: "inet.udp",
  weight: 25,
  gen: (r, pt) => (r.chance(0.3) ? mutate(r, inet_frame(r, pt, 17)) : inet_frame(r, pt, 17)),
});
register_frame_target({
  name: "inet.other",
  weight: 10,
  gen: (r, pt) => {
    const f = inet_frame(r, pt, r.pick([253, 6, 2, 4, 0, 255, r.int(256)]));
    return r.chance(0.3) ? mutate(r, f) : f;
  },
});
register_frame_target({
  name: "inet.truncated",
  weight: 8,
  gen: (r, pt) => {
    const f = inet_frame(r, pt, r.pick([1, 17]));
    return f.slice(0, r.int(Math.min(f.length, 60) + 1));
  },
});
