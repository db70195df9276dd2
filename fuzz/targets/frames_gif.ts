// Hostile tunnelled datagrams for ip_encap, in_gif and if_gif
// (sys/netinet/ip_encap.c, in_gif.c, sys/net/if_gif.c): IPv4 in IPv4,
// EtherIP and IPv6 in IPv4 from the tunnel's far end (fa and fc have a
// tunnel between them, fb an ignore_source one) or from elsewhere, with
// inner packets of every kind, mutated, truncated, or with a wrong EtherIP
// version.
import { register_frame_target } from "../registry.ts";
import type { rng } from "../rng.ts";
import { ip, type inject_point } from "../topo.ts";
import { addr, cksum, ether, icmp_payload, ipv4, mutate, put16, udp_payload } from "./frames_inet.ts";

/** The tunnel's inner addresses. */
const INNER = [ip(10, 77, 0, 1), ip(10, 77, 0, 2), ip(10, 78, 0, 1), ip(10, 78, 0, 2)];

/** The outer source: mostly a tunnel's far end as the point sees it (the
 *  first far address: fc's for fa, fa's for fc). */
function outer_src(r: rng, pt: inject_point): number {
  if (r.chance(0.6)) return pt.far_ips[0];
  if (r.chance(0.5)) return r.pick([...pt.far_ips, pt.peer_ip]);
  return addr(r, pt);
}

function inner_ipv4(r: rng, pt: inject_point): Uint8Array {
  const src = r.chance(0.8) ? r.pick(INNER) : addr(r, pt);
  const dst = r.chance(0.8) ? r.pick(INNER) : addr(r, pt);
  const proto = r.pick([1, 1, 17, 4, 97, r.int(256)]);
  const payload = proto === 1 ? icmp_payload(r, pt) : proto === 17 ? udp_payload(r, pt, src, dst, r.pick([7777, 9, r.int(65536)])) : r.bytes(r.int(80));
  return ipv4(r, pt, proto, payload, src, dst);
}

/** An EtherIP header (version 3, or not) and an Ethernet frame. */
function etherip(r: rng, pt: inject_point): Uint8Array {
  const inner = ether(r, pt, r.pick([0x0800, 0x0806, 0x86dd, r.int(65536)]), r.chance(0.5) ? inner_ipv4(r, pt) : r.bytes(r.int(100)));
  if (r.chance(0.3)) inner.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0);
  const e = new Uint8Array(2 + inner.length);
  e[0] = r.chance(0.85) ? 0x30 : r.int(256);
  e[1] = r.chance(0.9) ? 0 : r.int(256);
  e.set(inner, 2);
  return e;
}

function gif_frame(r: rng, pt: inject_point): Uint8Array {
  const proto = r.pick([4, 4, 4, 97, 97, 41, 55, 47, 103]);
  let payload: Uint8Array;
  if (proto === 4) payload = inner_ipv4(r, pt);
  else if (proto === 97) payload = etherip(r, pt);
  else payload = r.bytes(r.int(r.chance(0.1) ? 1500 : 120));
  const outer = ipv4(r, pt, proto, payload, outer_src(r, pt), r.chance(0.85) ? pt.ip : addr(r, pt));
  // Sometimes a tunnelled datagram whose outer header is right but whose
  // outer checksum had to be redone after a change of TOS (ECN bits).
  if (r.chance(0.05) && outer.length >= 20 && (outer[0] & 0x0f) === 5) {
    outer[1] = (outer[1] & ~3) | 3;
    put16(outer, 10, 0);
    put16(outer, 10, cksum(outer, 0, 20));
  }
  return ether(r, pt, 0x0800, outer);
}

register_frame_target({
  name: "inet.gif",
  weight: 15,
  gen: (r, pt) => (r.chance(0.3) ? mutate(r, gif_frame(r, pt)) : gif_frame(r, pt)),
});
register_frame_target({
  name: "inet.gif.truncated",
  weight: 4,
  gen: (r, pt) => {
    const f = gif_frame(r, pt);
    return f.slice(0, r.int(Math.min(f.length, 80) + 1));
  },
});
