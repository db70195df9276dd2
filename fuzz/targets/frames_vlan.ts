// Hostile tagged frames for vlan(4) and the tag handling of
// sys/net/if_ethersubr.c (ether_input's tag pull-up, ether_demux's VID 0
// and trunk dispatch, vlan_input): the frames of the other targets with one
// or more 802.1Q/802.1ad tags put in after the addresses (VIDs the topology
// has, 0 for priority tags, or any), tags cut short, and tags of random
// bytes.  On the first link of the topology the VIDs lead to vlans (5, and
// 42 inside 802.1ad 6); elsewhere they lead to NOPROTO.
import { frame_targets, register_frame_target } from "../registry.ts";
import type { rng } from "../rng.ts";
import type { inject_point } from "../topo.ts";

const TPIDS = [0x8100, 0x88a8, 0x9100];

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

/** A frame of another target (not one of ours) to carry. */
function inner(r: rng, pt: inject_point): Uint8Array {
  const others = frame_targets.filter((t) => !t.name.startsWith("vlan."));
  if (others.length === 0) return r.bytes(14 + r.int(100));
  let f = r.pick(others).gen(r, pt);
  if (f.length < 14) {
    const x = new Uint8Array(14);
    x.set(f);
    f = x;
  }
  return f;
}

/** An IPv4 frame readdressed to a vlan subnet of the topology (header
 *  checksum fixed), so that it gets past ip_input's first checks. */
function readdress(r: rng, f: Uint8Array, vid: number): void {
  if (f.length < 34 || f[12] !== 0x08 || f[13] !== 0x00) return;
  const ihl = (f[14] & 0xf) * 4;
  if (ihl < 20 || f.length < 14 + ihl) return;
  const net = vid === 5 ? 5 : 42;
  f.set([10, 1, net, r.pick([1, 2, 255, r.int(256)])], 30);
  put16(f, 24, 0);
  let s = 0;
  for (let i = 0; i < ihl; i += 2) s += (f[14 + i] << 8) | f[15 + i];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  put16(f, 24, ~s & 0xffff);
}

/** The tag control word: a VID the topology uses, 0, 4095, or any; any
 *  priority; the DEI bit now and then. */
function tci(r: rng, vid: number): number {
  return ((r.int(8) << 13) | (r.chance(0.1) ? 0x1000 : 0) | vid) & 0xffff;
}

/** `f` with tags (TPID, TCI) inserted after the addresses, outermost first. */
function tag(f: Uint8Array, tags: [number, number][]): Uint8Array {
  const out = new Uint8Array(f.length + 4 * tags.length);
  out.set(f.subarray(0, 12), 0);
  let o = 12;
  for (const [tpid, t] of tags) {
    put16(out, o, tpid);
    put16(out, o + 2, t);
    o += 4;
  }
  out.set(f.subarray(12), o);
  return out;
}

function pick_vid(r: rng): number {
  return r.pick([5, 5, 6, 42, 0, 0, 4095, 1 + r.int(4094)]);
}

register_frame_target({
  name: "vlan.tagged",
  weight: 12,
  gen: (r, pt) => {
    const vid = pick_vid(r);
    const f = inner(r, pt);
    if (r.chance(0.6)) readdress(r, f, vid);
    return tag(f, [[r.chance(0.9) ? 0x8100 : r.pick(TPIDS), tci(r, vid)]]);
  },
});

register_frame_target({
  name: "vlan.qinq",
  weight: 8,
  gen: (r, pt) => {
    // Mostly the topology's stack (802.1ad 6, then 802.1Q 42), else any
    // depth and any mix.
    const f = inner(r, pt);
    if (r.chance(0.6)) {
      readdress(r, f, 42);
      return tag(f, [
        [0x88a8, tci(r, 6)],
        [0x8100, tci(r, r.chance(0.8) ? 42 : pick_vid(r))],
      ]);
    }
    const tags: [number, number][] = [];
    for (let n = 2 + r.int(4); n > 0; n--) tags.push([r.pick(TPIDS), tci(r, pick_vid(r))]);
    return tag(f, tags);
  },
});

register_frame_target({
  name: "vlan.priority",
  weight: 5,
  // VID 0: the frame is for the interface itself, with a priority.
  gen: (r, pt) => tag(inner(r, pt), [[0x8100, tci(r, 0)]]),
});

register_frame_target({
  name: "vlan.truncated",
  weight: 5,
  gen: (r, pt) => {
    const depth = 1 + r.int(3);
    const tags: [number, number][] = [];
    for (let i = 0; i < depth; i++) tags.push([r.pick(TPIDS), tci(r, pick_vid(r))]);
    const f = tag(inner(r, pt), tags);
    // Cut inside the tags or just past them.
    return f.slice(0, 12 + r.int(4 * depth + 6));
  },
});

register_frame_target({
  name: "vlan.random",
  weight: 3,
  gen: (r, pt) => {
    const f = new Uint8Array(12 + r.int(80));
    f.set(r.chance(0.7) ? pt.mac : r.bytes(6), 0);
    f.set(pt.peer_mac, 6);
    f.set(r.bytes(f.length - 12), 12);
    put16(f, 12, r.pick(TPIDS));
    return f;
  },
});
