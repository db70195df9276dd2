// Hostile BPDUs (sys/net/bridgestp.c): configuration, RST and TCN BPDUs
// with their fields pushed to the edges, then mutated, and random bytes
// sent to the STP group address.
//   - frame target "stp.bpdu": such frames on the topology's interfaces
//     (what ether_input, and a bridge if one is there, make of them);
//   - kernel target "bridgestp.input": such frames handed straight to
//     bstp_input on a port of a spanning tree, between steps that move
//     time on and change its parameters as ifconfig would.  The tree is two
//     if_bridge(4) bridges in vnet0 joined by two epairs (a loop), STP on
//     every member; frames go in through the members' if_input, so
//     ether_input and bridge_input see them first.  After each case: no exception,
//     no mbuf left over, every port in a state and role that exist, and the
//     root no worse than the bridge itself.
import { register_frame_target, register_kernel_target } from "../registry.ts";
import type { rng } from "../rng.ts";
import type { inject_point, world } from "../topo.ts";
import type { Kernel } from "../kernel.ts";
import type { bstp_port, bstp_state } from "../../net/bridgestp.ts";
import type { ifnet } from "../../net/if.ts";
import { mutate } from "./frames_inet.ts";

const STP_GROUP = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x00];

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

/** A time in 1/256 s: in range mostly, else at or past an edge. */
function time_field(r: rng, lo: number, hi: number): number {
  switch (r.int(6)) {
    case 0:
      return r.pick([0, 1, lo - 1, lo, hi, hi + 1, 0xffff]) & 0xffff;
    case 1:
      return r.int(0x10000);
    default:
      return r.range(lo, hi);
  }
}

/** A BPDU frame (Ethernet header, LLC, unit) from `src`. */
export function bpdu_frame(r: rng, src: Uint8Array): Uint8Array {
  const kind = r.int(10);
  const tcn = kind === 0;
  const stp = kind <= 3;
  const len = tcn ? 7 : stp ? 38 : 39;
  const f = new Uint8Array(14 + len + (r.chance(0.2) ? r.int(20) : 0));
  f.set(STP_GROUP, 0);
  f.set(src, 6);
  put16(f, 12, r.chance(0.9) ? len : r.int(0x10000));
  const p = 14;
  f[p] = 0x42;
  f[p + 1] = 0x42;
  f[p + 2] = 0x03;
  put16(f, p + 3, 0);
  f[p + 5] = tcn || stp ? 0 : r.chance(0.9) ? 2 : r.int(256);
  f[p + 6] = tcn ? 0x80 : stp ? 0 : 2;
  if (tcn) return f;
  f[p + 7] = r.int(256);
  // root and designated bridge: priorities in steps of 4096 and a few
  // addresses, so that some are better than the bridges' and some not
  put16(f, p + 8, r.int(16) << 12);
  f.set(r.chance(0.5) ? [0x02, 0, 0, 0, 0, r.int(4)] : r.bytes(6), p + 10);
  new DataView(f.buffer).setUint32(p + 16, r.chance(0.2) ? r.u32() : r.int(100000));
  put16(f, p + 20, r.int(16) << 12);
  f.set(r.chance(0.5) ? [0x02, 0, 0, 0, 0, r.int(4)] : r.bytes(6), p + 22);
  put16(f, p + 28, (r.int(16) << 12) | r.int(8));
  const maxage = time_field(r, 6 * 256, 40 * 256);
  put16(f, p + 30, r.chance(0.8) ? r.int(Math.max(1, maxage)) & 0xff00 : time_field(r, 0, maxage));
  put16(f, p + 32, maxage);
  put16(f, p + 34, time_field(r, 256, 512));
  put16(f, p + 36, time_field(r, 4 * 256, 30 * 256));
  if (!stp) f[p + 38] = r.chance(0.9) ? 0 : r.int(256);
  return f;
}

function hostile_bpdu(r: rng, src: Uint8Array): Uint8Array {
  switch (r.int(6)) {
    case 0: {
      // random bytes to the group address
      const f = r.bytes(r.int(80));
      if (f.length >= 6) f.set(STP_GROUP, 0);
      return f;
    }
    case 1:
    case 2:
      return mutate(r, bpdu_frame(r, src));
    default:
      return bpdu_frame(r, src);
  }
}

register_frame_target({
  name: "stp.bpdu",
  weight: 6,
  gen: (r, pt: inject_point) => hostile_bpdu(r, r.chance(0.9) ? pt.peer_mac : r.bytes(6)),
});

// ---------------------------------------------------------------------------
// bstp_input on a live tree.

interface tree {
  bridges: bstp_state[];
  /** Every port, with its interface and name (checked before each case:
   *  another target may have destroyed what the tree was made of). */
  ports: { bp: bstp_port; ifp: ifnet; name: string }[];
}

const trees = new WeakMap<world, tree>();

/** Two bridges in vnet0, each with STP on two members, the members joined
 *  pairwise by epairs: made with the ioctls ifconfig uses. */
function make_tree(w: world): tree {
  const k = w.k;
  return k.vnet_run(k.vnet0, "fuzz", () => {
    const create = (what: string): string => {
      const ifr = { ifr_name: what };
      if (k.ifioctl(k.cred0, k.SIOCIFCREATE2, ifr) !== 0) throw new Error(`fuzz: ${what} create`);
      return ifr.ifr_name;
    };
    const up = (n: string): void => {
      const ifr = { ifr_name: n, ifr_flags: 0 };
      k.ifioctl(k.cred0, k.SIOCGIFFLAGS, ifr);
      ifr.ifr_flags |= k.IFF_UP;
      k.ifioctl(k.cred0, k.SIOCSIFFLAGS, ifr);
    };
    const drv = (br: string, cmd: number, req: InstanceType<Kernel["ifbreq"]>, set: boolean): void => {
      const e = k.ifioctl(k.cred0, set ? k.SIOCSDRVSPEC : k.SIOCGDRVSPEC, { ifd_name: br, ifd_cmd: cmd, ifd_len: k.SIZEOF_IFBREQ, ifd_data: req });
      if (e !== 0) throw new Error(`fuzz: bridge ioctl ${cmd} on ${br}: ${e}`);
    };
    const e1 = create("epair");
    const e2 = create("epair");
    const sides = [e1, e1.replace(/a$/, "b"), e2, e2.replace(/a$/, "b")];
    for (const n of sides) up(n);
    const t: tree = { bridges: [], ports: [] };
    for (const members of [
      [sides[0], sides[2]],
      [sides[1], sides[3]],
    ]) {
      const br = create("bridge");
      for (const n of members) {
        const req = new k.ifbreq();
        req.ifbr_ifsname = n;
        drv(br, k.BRDGADD, req, true);
        drv(br, k.BRDGGIFFLGS, req, false);
        req.ifbr_ifsflags |= k.IFBIF_STP;
        drv(br, k.BRDGSIFFLGS, req, true);
      }
      up(br);
      const bifp = k.ifunit(br);
      if (bifp === null) throw new Error(`fuzz: no ${br}`);
      const bs = (bifp.if_softc as InstanceType<Kernel["bridge_softc"]>).sc_stp;
      t.bridges.push(bs);
      for (const bp of bs.bs_bplist) {
        const ifp = bp.bp_ifp as ifnet;
        t.ports.push({ bp, ifp, name: ifp.if_xname });
      }
    }
    k.kern_advance_ns(5e9);
    return t;
  });
}

function tree_intact(k: Kernel, t: tree): boolean {
  return k.vnet_run(k.vnet0, "fuzz", () => t.ports.every((p) => p.bp.bp_active === 1 && k.ifunit(p.name) === p.ifp));
}

function check_tree(k: Kernel, t: tree): string | null {
  for (const { bp, ifp } of t.ports) {
    if (bp.bp_state !== k.BSTP_IFSTATE_DISCARDING && bp.bp_state !== k.BSTP_IFSTATE_LEARNING && bp.bp_state !== k.BSTP_IFSTATE_FORWARDING)
      return `${ifp.if_xname}: state ${bp.bp_state}`;
    if (bp.bp_role < k.BSTP_ROLE_DISABLED || bp.bp_role > k.BSTP_ROLE_BACKUP) return `${ifp.if_xname}: role ${bp.bp_role}`;
    if (bp.bp_role !== k.BSTP_ROLE_ROOT && bp.bp_role !== k.BSTP_ROLE_DESIGNATED && bp.bp_state !== k.BSTP_IFSTATE_DISCARDING)
      return `${ifp.if_xname}: role ${bp.bp_role} but state ${bp.bp_state}`;
  }
  for (const bs of t.bridges) {
    if (bs.bs_root_pv.pv_root_id > bs.bs_bridge_pv.pv_root_id) return "a root worse than the bridge itself";
    if ((bs.bs_root_port === null) !== (bs.bs_root_pv.pv_root_id === bs.bs_bridge_pv.pv_root_id && bs.bs_root_pv.pv_cost === 0))
      return "root port and root vector disagree";
  }
  return null;
}

register_kernel_target({
  name: "bridgestp.input",
  weight: 3,
  run(w, r, note) {
    const k = w.k;
    let t = trees.get(w);
    if (t === undefined || !tree_intact(k, t)) {
      t = make_tree(w);
      trees.set(w, t);
    }
    const tr = t;
    const base = k.mbuf_outstanding();
    const steps = 1 + r.int(6);
    const what: string[] = [];
    return k.vnet_run(k.vnet0, "fuzz", () => {
      for (let i = 0; i < steps; i++) {
        const { bp, ifp } = r.pick(tr.ports);
        const bs = bp.bp_bs as bstp_state;
        switch (r.int(8)) {
          case 0: {
            const s = r.int(4);
            what.push(`advance ${s}s`);
            note(what.join("; "));
            k.kern_advance_ns(s * 1e9);
            break;
          }
          case 1: {
            const which = r.int(8);
            const v = r.chance(0.8) ? r.int(70000) : r.pick([-1, 0, 1, 0x7fffffff]);
            what.push(`set ${which} ${v} on ${ifp.if_xname}`);
            note(what.join("; "));
            const e = [
              () => k.bstp_set_priority(bs, v),
              () => k.bstp_set_port_priority(bp, v & 0xff),
              () => k.bstp_set_path_cost(bp, v),
              () => k.bstp_set_protocol(bs, v & 3),
              () => k.bstp_set_fdelay(bs, v & 0x3f),
              () => k.bstp_set_maxage(bs, v & 0x3f),
              () => k.bstp_set_holdcount(bs, v & 0xf),
              () => k.bstp_set_edge(bp, v & 1) + k.bstp_set_autoedge(bp, (v >> 1) & 1) + k.bstp_set_ptp(bp, (v >> 2) & 1),
            ][which]();
            if (e !== 0 && e !== k.EINVAL && e !== k.EPERM) return `bstp_set_* answered ${e}`;
            break;
          }
          default: {
            const f = hostile_bpdu(r, r.bytes(6));
            what.push(`if_input ${ifp.if_xname} ${Buffer.from(f).toString("hex")}`);
            note(what.join("; "));
            // as the driver hands it up: ether_input, bridge_input, bstp_input
            const m = k.m_devget(f, 0, f.length, ifp);
            if (m === null) break;
            ifp.if_input(ifp, m);
          }
        }
        const bad = check_tree(k, tr);
        if (bad !== null) return bad;
      }
      k.kern_advance_ns(1e9);
      const now = k.mbuf_outstanding();
      if (now.mbufs > base.mbufs || now.clusters > base.clusters) return `${now.mbufs - base.mbufs} mbufs left over`;
      return null;
    });
  },
});
