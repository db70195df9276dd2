// net/route/nhgrp_ctl: the slot array of a nexthop group: how many slots
// (calc_min_mpath_slots) and which member each holds (compile_nhgrp), as a
// property over random weights; FreeBSD's own examples; members on a down
// interface losing their slots.
import test from "ava";
import fc from "fast-check";
import { loadKernel, type Kernel } from "../../helpers/builds.ts";
import { inv, ifp } from "../../netinet/rt_helpers.ts";

type nhop = InstanceType<Kernel["nhop_object"]>;

/** n distinct nexthops on lo0 of vnet0 with indexes 1..n (only identity and nh_idx matter to the slots). */
function nhops(k: Kernel, n: number): nhop[] {
  return inv(k, k.vnet0, () => {
    const lo = ifp(k, "lo0");
    const ifa = lo.if_addrhead[0] ?? null;
    if (ifa === null) throw new Error("lo0 has no address");
    const out: nhop[] = [];
    for (let i = 0; i < n; i++) {
      const nh = new k.nhop_object(lo, ifa);
      nh.nh_priv.nh_idx = i + 1;
      out.push(nh);
    }
    return out;
  });
}

/** A group of these members and weights, compiled as get_nhgrp compiles it. */
function group(k: Kernel, nhs: nhop[], weights: number[]) {
  const wn = weights.map((w, i) => new k.weightened_nhop(nhs[i], w));
  const size = k.calc_min_mpath_slots(wn);
  const g = new k.nhgrp_object(size, wn);
  k.compile_nhgrp(g.nhg_priv);
  return g;
}

function counts(g: { nhops: nhop[] }, nhs: nhop[]): number[] {
  return nhs.map((nh) => g.nhops.filter((x) => x === nh).length);
}

test("calc_min_mpath_slots and compile_nhgrp: FreeBSD's examples", async (t) => {
  const k = await loadKernel("vimage");
  const nhs = nhops(k, 3);
  t.deepEqual(counts(group(k, nhs.slice(0, 2), [1, 2]), nhs.slice(0, 2)), [1, 2]);
  const g1 = group(k, nhs.slice(0, 2), [100, 200]);
  t.is(g1.nhg_size, 3);
  t.deepEqual(g1.nhops, [nhs[0], nhs[1], nhs[1]]);
  const g2 = group(k, nhs, [100, 200, 400]);
  t.is(g2.nhg_size, 7);
  t.deepEqual(counts(g2, nhs), [1, 2, 4]);
  // Ratios with no small exact table fall back to RIB_MAX_MPATH_WIDTH slots.
  const g3 = group(k, nhs.slice(0, 2), [3, 1000]);
  t.is(g3.nhg_size, k.RIB_MAX_MPATH_WIDTH);
  t.is(counts(g3, nhs.slice(0, 2)).reduce((a, b) => a + b, 0), 64);
  // Equal weights: one slot each.
  t.is(group(k, nhs, [1, 1, 1]).nhg_size, 3);
  t.is(k.nhgrp_print_buf(g2), "nhg#0/sz=3:[#1:100,#2:200,#3:400]");
});

test("compile_nhgrp: every slot filled, each member's share from its weight as FreeBSD rounds it (fast-check)", async (t) => {
  const k = await loadKernel("vimage");
  const nhs = nhops(k, 8);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: k.RT_MAX_WEIGHT }), { minLength: 2, maxLength: 8 }), (weights) => {
      const g = group(k, nhs, weights);
      const S = g.nhg_size;
      const W = weights.reduce((a, b) => a + b, 0);
      if (S < 1 || S > k.RIB_MAX_MPATH_WIDTH) return false;
      if (g.nhops.length !== S || g.nhops.some((x) => x === undefined)) return false;
      const c = counts(g, nhs.slice(0, weights.length));
      if (c.reduce((a, b) => a + b, 0) !== S) return false;
      // Slots run in member order: all of member 0, then member 1, ...
      let last = -1;
      for (const x of g.nhops) {
        const i = nhs.indexOf(x);
        if (i < last) return false;
        last = i;
      }
      // FreeBSD's rule: each member in turn gets floor(weight * slots left /
      // weight left), within a slot per member of its exact share, the
      // last taking up what rounding left; with the exact table (fewer
      // than RIB_MAX_MPATH_WIDTH slots) every share is exact.
      let R = S;
      let left = W;
      for (let i = 0; i < weights.length; i++) {
        if (c[i] !== Math.floor((weights[i] * R) / left)) return false;
        if (Math.abs(c[i] - (weights[i] * S) / W) >= weights.length) return false;
        R -= c[i];
        left -= weights[i];
      }
      if (S < k.RIB_MAX_MPATH_WIDTH) for (let i = 0; i < weights.length; i++) if (c[i] * W !== weights[i] * S) return false;
      return true;
    }),
    { numRuns: 300, seed: 42 },
  );
  t.pass();
});

test("compile_nhgrp: when every member is on the interface going down, the slots stay as the weights say", async (t) => {
  const k = await loadKernel("vimage");
  const nhs = nhops(k, 2);
  inv(k, k.vnet0, () => {
    const lo = ifp(k, "lo0");
    lo.if_flags |= k.IFF_UP;
    const g = group(k, nhs, [1, 1]);
    t.deepEqual(g.nhops, [nhs[0], nhs[1]]);
    // lo0 going down: both members are on it, so neither is preferred.
    k.compile_nhgrp(g.nhg_priv, lo);
    t.deepEqual(g.nhops, [nhs[0], nhs[1]]);
  });
});
