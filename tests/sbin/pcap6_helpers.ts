// IPv6 frames built from bytes for the tcpdump tests: headers, checksums
// (the RFC 8200 pseudo header), Ethernet framing with the 33:33 multicast
// MACs, and a pcap savefile around them.

export function a6(s: string): number[] {
  // A small inet_pton for well-formed test addresses ("::" at most once).
  const [head, tail] = s.includes("::") ? s.split("::") : [s, null];
  const words = (x: string) => (x === "" ? [] : x.split(":").map((w) => parseInt(w, 16)));
  const h = words(head);
  const t = tail === null ? [] : words(tail);
  const all = tail === null ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

function sum16(b: number[], init = 0): number {
  let s = init;
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function u16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}
function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** The upper-layer checksum at `field` of body, over the pseudo header. */
export function l4sum(src: string, dst: string, nxt: number, body: number[], field: number): number[] {
  const b = body.slice();
  b[field] = 0;
  b[field + 1] = 0;
  const ph = [...a6(src), ...a6(dst), ...u32(b.length), 0, 0, 0, nxt];
  const c = ~sum16([...ph, ...b]) & 0xffff;
  b[field] = c >> 8;
  b[field + 1] = c & 0xff;
  return b;
}

export function ip6(src: string, dst: string, nxt: number, payload: number[], hlim = 255, tc = 0, fl = 0): number[] {
  return [...u32(((6 << 28) | (tc << 20) | fl) >>> 0), ...u16(payload.length), nxt, hlim, ...a6(src), ...a6(dst), ...payload];
}

export function icmp6(src: string, dst: string, type: number, code: number, rest: number[], hlim = 255): number[] {
  return ip6(src, dst, 58, l4sum(src, dst, 58, [type, code, 0, 0, ...rest], 2), hlim);
}

export function udp6(src: string, dst: string, sport: number, dport: number, data: number[], hlim = 64): number[] {
  return ip6(src, dst, 17, l4sum(src, dst, 17, [...u16(sport), ...u16(dport), ...u16(8 + data.length), 0, 0, ...data], 6), hlim);
}

export const M1 = "02:00:00:00:00:01";
export const M2 = "02:00:00:00:00:02";

function mac(s: string): number[] {
  return s.split(":").map((x) => parseInt(x, 16));
}

/** An Ethernet frame (type 0x86dd) carrying pkt; a multicast destination
 *  gets its 33:33:xx:xx:xx:xx address. */
export function eth6(pkt: number[], smac = M1, dmac: string | null = null): number[] {
  const dst = pkt.slice(24, 40);
  const d = dmac !== null ? mac(dmac) : dst[0] === 0xff ? [0x33, 0x33, ...dst.slice(12)] : mac(M2);
  return [...d, ...mac(smac), 0x86, 0xdd, ...pkt];
}

/** A pcap savefile (little-endian, DLT_EN10MB), one second apart from t0. */
export function pcap(frames: number[][], t0 = 1000, dlt = 1): Buffer {
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(dlt, 20);
  parts.push(h);
  frames.forEach((f, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(t0 + i, 0);
    r.writeUInt32LE(0, 4);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    parts.push(r, Buffer.from(f));
  });
  return Buffer.concat(parts);
}


// The frames the tcpdump tests decode: ND, echo, UDP, MLD, fragments,
// extension headers, ICMPv6 errors, a bad checksum.
const LL1 = "fe80::1";
const LL2 = "fe80::2";
const G1 = "2001:db8::1";
const G2 = "2001:db8::2";
const HBH_RTALERT = [58, 0, 5, 2, 0, 0, 1, 0];

export function frames6(): number[][] {
  const f: number[][] = [];
  const lladdr = (t: number, m: string) => [t, 1, ...m.split(":").map((x) => parseInt(x, 16))];
  f.push(eth6(icmp6(LL1, "ff02::1:ff00:2", 135, 0, [0, 0, 0, 0, ...a6(LL2), ...lladdr(1, M1)])));
  f.push(eth6(icmp6(LL2, LL1, 136, 0, [...u32(0x60000000), ...a6(LL2), ...lladdr(2, M2)]), M2, M1));
  f.push(eth6(icmp6("::", "ff02::1:ff00:1", 135, 0, [0, 0, 0, 0, ...a6(LL1)])));
  f.push(eth6(icmp6(LL1, "ff02::2", 133, 0, [0, 0, 0, 0, ...lladdr(1, M1)])));
  const pi = [3, 4, 64, 0xc0, ...u32(2592000), ...u32(604800), ...u32(0), ...a6("2001:db8:1::")];
  f.push(eth6(icmp6(LL2, "ff02::1", 134, 0, [64, 0, ...u16(1800), ...u32(0), ...u32(0), ...lladdr(1, M2), 5, 1, 0, 0, ...u32(1500), ...pi]), M2));
  const abc = Array.from("abcdefgh".repeat(7), (c) => c.charCodeAt(0));
  f.push(eth6(icmp6(G1, G2, 128, 0, [...u16(0x1234), ...u16(0), ...abc], 64)));
  f.push(eth6(icmp6(G2, G1, 129, 0, [...u16(0x1234), ...u16(0), ...abc], 64), M2, M1));
  f.push(eth6(udp6(G1, G2, 7777, 9999, Array.from("hello world", (c) => c.charCodeAt(0)))));
  // MLDv2 report (two records, one with a source) behind a router alert.
  const rec = [4, 0, ...u16(0), ...a6("ff02::1:ff00:1")];
  const rec2 = [3, 0, ...u16(1), ...a6("ff05::2"), ...a6("2001:db8::9")];
  f.push(eth6(ip6(LL1, "ff02::16", 0, [...HBH_RTALERT, ...l4sum(LL1, "ff02::16", 58, [143, 0, 0, 0, ...u16(0), ...u16(2), ...rec, ...rec2], 2)], 1)));
  f.push(eth6(ip6(LL1, "ff02::1:ff00:1", 0, [...HBH_RTALERT, ...l4sum(LL1, "ff02::1:ff00:1", 58, [131, 0, 0, 0, ...u16(0), ...u16(0), ...a6("ff02::1:ff00:1")], 2)], 1)));
  // A 3000-byte UDP datagram in three fragments.
  const body = l4sum(G1, G2, 17, [...u16(1000), ...u16(2000), ...u16(3008), 0, 0, ...new Array<number>(3000).fill(0x79)], 6);
  const frag = (off: number, m: number, part: number[]) => [17, 0, ...u16(off | m), ...u32(0xabcd), ...part];
  f.push(eth6(ip6(G1, G2, 44, frag(0, 1, body.slice(0, 1448)), 64)));
  f.push(eth6(ip6(G1, G2, 44, frag(1448, 1, body.slice(1448, 2896)), 64)));
  f.push(eth6(ip6(G1, G2, 44, frag(2896, 0, body.slice(2896)), 64)));
  f.push(eth6(ip6(G1, G2, 60, [17, 0, 1, 4, 0, 0, 0, 0, ...l4sum(G1, G2, 17, [...u16(1), ...u16(2), ...u16(12), 0, 0, 97, 98, 99, 100], 6)], 64)));
  f.push(eth6(icmp6(LL2, LL1, 137, 0, [0, 0, 0, 0, ...a6("fe80::3"), ...a6("2001:db8:2::5"), 2, 1, 2, 0, 0, 0, 0, 3]), M2, M1));
  const q = udp6(G2, G1, 7777, 6000, [104, 101, 108, 108, 111]);
  f.push(eth6(icmp6(G1, G2, 1, 4, [0, 0, 0, 0, ...q], 64)));
  const q2 = udp6(G1, "2001:db8:9::1", 1000, 2000, new Array<number>(100).fill(0x7a));
  f.push(eth6(icmp6(G2, G1, 2, 0, [...u32(1280), ...q2], 64), M2, M1));
  f.push(eth6(icmp6(G2, G1, 3, 0, [0, 0, 0, 0, ...q2], 64), M2, M1));
  f.push(eth6(icmp6(G2, G1, 4, 1, [...u32(40), ...q2], 64), M2, M1));
  const bad = udp6(G1, G2, 1, 2, [97, 98, 99]);
  bad[40 + 6] ^= 0xff;
  f.push(eth6(bad));
  f.push(eth6(ip6(G1, G2, 59, [], 64)));
  return f;
}

