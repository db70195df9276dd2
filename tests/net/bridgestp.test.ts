// net/bridgestp: the BPDU codec, bstp_input's checks, and the protocol
// itself between bridges in separate vnets joined by epairs.  Here the
// bridges are the smallest if_bridge there can be: a bstp_state, a port per
// member, and an if_input that hands BPDUs to bstp_input and drops the rest
// (bridge_input does the same for frames to bstp_etheraddr); so these tests
// run whether or not if_bridge is built.  The tests with real bridges,
// forwarding and broadcasts are in tests/net/bridgestp_bridge.test.ts.
import test from "ava";
import fc from "fast-check";
import { loadKernel, type Kernel } from "../helpers/builds.ts";
import { ifconfig_create, ifconfig_up, ifconfig_vnet, ifp_in, inv, mkpkt, vnet_jail, type ifnet, type vnet } from "./link_helpers.ts";
import type { bstp_cbpdu, bstp_port, bstp_state } from "../../net/bridgestp.ts";

const SEC = 1e9;

// ---------------------------------------------------------------------------
// The codec.

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const addr = fc.uint8Array({ minLength: 6, maxLength: 6 });

interface cbpdu_fields {
  cbu_dsap: number;
  cbu_ssap: number;
  cbu_ctl: number;
  cbu_protoid: number;
  cbu_protover: number;
  cbu_bpdutype: number;
  cbu_flags: number;
  cbu_rootpri: number;
  cbu_rootaddr: Uint8Array;
  cbu_rootpathcost: number;
  cbu_bridgepri: number;
  cbu_bridgeaddr: Uint8Array;
  cbu_portid: number;
  cbu_messageage: number;
  cbu_maxage: number;
  cbu_hellotime: number;
  cbu_forwarddelay: number;
  cbu_versionlen: number;
}

const arb_cbpdu: fc.Arbitrary<cbpdu_fields> = fc.record({
  cbu_dsap: u8,
  cbu_ssap: u8,
  cbu_ctl: u8,
  cbu_protoid: u16,
  cbu_protover: u8,
  cbu_bpdutype: u8,
  cbu_flags: u8,
  cbu_rootpri: u16,
  cbu_rootaddr: addr,
  cbu_rootpathcost: u32,
  cbu_bridgepri: u16,
  cbu_bridgeaddr: addr,
  cbu_portid: u16,
  cbu_messageage: u16,
  cbu_maxage: u16,
  cbu_hellotime: u16,
  cbu_forwarddelay: u16,
  cbu_versionlen: u8,
});

function fill(k: Kernel, f: cbpdu_fields): bstp_cbpdu {
  const p = new k.bstp_cbpdu();
  for (const [key, v] of Object.entries(f)) {
    if (v instanceof Uint8Array) (p[key as "cbu_rootaddr"] as Uint8Array).set(v);
    else (p as unknown as Record<string, number>)[key] = v;
  }
  return p;
}

function fields(p: bstp_cbpdu): Record<string, number | number[]> {
  const o: Record<string, number | number[]> = {};
  for (const [key, v] of Object.entries(p)) o[key] = v instanceof Uint8Array ? [...v] : (v as number);
  return o;
}

test("codec: a configuration/RST BPDU written and read back is the same, in network byte order", async (t) => {
  const k = await loadKernel("vimage");
  fc.assert(
    fc.property(arb_cbpdu, fc.boolean(), (f, rstp) => {
      const len = rstp ? k.BSTP_BPDU_RSTP_LEN : k.BSTP_BPDU_STP_LEN;
      const buf = new Uint8Array(64);
      const dv = new DataView(buf.buffer);
      k.bstp_cbpdu_write(dv, 3, fill(k, f), len);
      // nothing outside the unit is touched
      t.is(buf[2], 0);
      t.is(buf[3 + len], 0);
      // the fields are where 802.1D puts them, big-endian
      t.is(dv.getUint16(3 + 3), f.cbu_protoid);
      t.is(dv.getUint16(3 + 8), f.cbu_rootpri);
      t.is(dv.getUint32(3 + 16), f.cbu_rootpathcost >>> 0);
      t.is(dv.getUint16(3 + 28), f.cbu_portid);
      t.is(dv.getUint16(3 + 36), f.cbu_forwarddelay);
      const back = new k.bstp_cbpdu();
      k.bstp_cbpdu_read(dv, 3, back, len);
      const want = fields(fill(k, f));
      if (!rstp) want.cbu_versionlen = 0; // not on the wire in a legacy BPDU
      t.deepEqual(fields(back), want);
    }),
    { numRuns: 300, seed: 12 },
  );
});

test("codec: bstp_decode_bpdu builds the priority vector and strips the flags each version does not define", async (t) => {
  const k = await loadKernel("vimage");
  const bp = new k.bstp_port();
  bp.bp_port_id = 0x8005;
  fc.assert(
    fc.property(arb_cbpdu, fc.constantFrom(k.BSTP_PROTO_STP, k.BSTP_PROTO_RSTP), fc.integer({ min: 0, max: 4 }), (f, ver, oldrole) => {
      const p = fill(k, { ...f, cbu_protover: ver });
      const cu = new k.bstp_config_unit();
      cu.cu_role = oldrole;
      k.bstp_decode_bpdu(bp, p, cu);
      const id = (pri: number, a: Uint8Array) => (BigInt(pri) << 48n) | BigInt("0x" + Buffer.from(a).toString("hex"));
      t.is(cu.cu_pv.pv_root_id, id(f.cbu_rootpri, f.cbu_rootaddr));
      t.is(cu.cu_pv.pv_dbridge_id, id(f.cbu_bridgepri, f.cbu_bridgeaddr));
      t.is(cu.cu_pv.pv_cost, f.cbu_rootpathcost);
      t.is(cu.cu_pv.pv_dport_id, f.cbu_portid);
      t.is(cu.cu_pv.pv_port_id, 0x8005);
      const flags = f.cbu_flags & (ver === k.BSTP_PROTO_STP ? k.BSTP_PDU_STPMASK : k.BSTP_PDU_RSTPMASK);
      t.is(cu.cu_topology_change, flags & 0x01 ? 1 : 0);
      t.is(cu.cu_proposal, flags & 0x02 ? 1 : 0);
      t.is(cu.cu_learning, flags & 0x10 ? 1 : 0);
      t.is(cu.cu_forwarding, flags & 0x20 ? 1 : 0);
      t.is(cu.cu_agree, flags & 0x40 ? 1 : 0);
      t.is(cu.cu_topology_change_ack, flags & 0x80 ? 1 : 0);
      const role = [oldrole, k.BSTP_ROLE_ALTERNATE, k.BSTP_ROLE_ROOT, k.BSTP_ROLE_DESIGNATED][(flags >> 2) & 3];
      // A legacy BPDU always speaks for a designated port.
      t.is(cu.cu_role, ver === k.BSTP_PROTO_STP ? k.BSTP_ROLE_DESIGNATED : role);
    }),
    { numRuns: 300, seed: 13 },
  );
});

// ---------------------------------------------------------------------------
// A minimal bridge around bstp, in one vnet.

interface minibridge {
  name: string;
  v: vnet;
  bs: bstp_state;
  ports: Map<string, bstp_port>;
  /** bcb_state calls, in order: [ifname, state]. */
  states: [string, number][];
  /** bcb_rtage calls: [ifname, age]. */
  rtage: [string, number][];
}

function mkbridge(k: Kernel, name: string, v: vnet, members: string[], opts: { proto?: number; priority?: number } = {}): minibridge {
  return inv(k, v, () => {
    const bs = new k.bstp_state();
    const br: minibridge = { name, v, bs, ports: new Map(), states: [], rtage: [] };
    const softc = { name }; // what if_bridge keeps in ifp->if_bridge
    k.bstp_attach(bs, {
      bcb_state: (ifp: ifnet, st: number) => void br.states.push([ifp.if_xname, st]),
      bcb_rtage: (ifp: ifnet, age: number) => void br.rtage.push([ifp.if_xname, age]),
    });
    if (opts.proto !== undefined) k.bstp_set_protocol(bs, opts.proto);
    if (opts.priority !== undefined) k.bstp_set_priority(bs, opts.priority);
    for (const m of members) {
      const ifp = k.ifunit(m);
      if (ifp === null) throw new Error(`no ${m}`);
      ifp.if_bridge = softc;
      const bp = new k.bstp_port();
      k.bstp_create(bs, bp, ifp);
      br.ports.set(m, bp);
      ifp.if_input = (rifp: ifnet, mb) => {
        const b = mb.m_buf;
        const o = mb.m_data;
        let stp = mb.m_len >= 14;
        for (let i = 0; stp && i < 6; i++) stp = b[o + i] === k.bstp_etheraddr[i];
        if (stp) k.bstp_input(bp, rifp, mb);
        else k.m_freem(mb);
      };
      if (k.bstp_enable(bp) !== 0) throw new Error("bstp_enable");
    }
    k.bstp_init(bs);
    return br;
  });
}

function teardown(k: Kernel, brs: minibridge[]): void {
  for (const br of brs)
    inv(k, br.v, () => {
      k.bstp_stop(br.bs);
      for (const bp of br.ports.values()) {
        if (bp.bp_active) k.bstp_disable(bp);
        k.bstp_destroy(bp);
      }
      k.bstp_detach(br.bs);
    });
  k.kern_run_until_idle(10000);
}

/** An epair with side a in va and side b in vb, both up. */
function link(k: Kernel, vs: Map<vnet, number>, va: vnet, vb: vnet): [string, string] {
  const r = ifconfig_create(k, k.vnet0, "epair");
  if (r.error !== 0) throw new Error("epair");
  const a = r.name;
  const b = a.replace(/a$/, "b");
  for (const [n, v] of [
    [a, va],
    [b, vb],
  ] as [string, vnet][]) {
    if (v !== k.vnet0 && ifconfig_vnet(k, n, vs.get(v) ?? -1) !== 0) throw new Error("vmove");
    ifconfig_up(k, v, n);
  }
  return [a, b];
}

interface triangle {
  brs: minibridge[];
  links: [string, string][];
}

/** Three bridges, each pair joined by an epair: a loop. */
function mktriangle(k: Kernel, opts: { proto?: number; prio?: number[] } = {}): triangle {
  const vs = new Map<vnet, number>();
  const js = ["ba", "bb", "bc"].map((n) => vnet_jail(k, n));
  for (const j of js) vs.set(j.v, j.jid);
  const [va, vb, vc] = js.map((j) => j.v);
  const ab = link(k, vs, va, vb);
  const bc = link(k, vs, vb, vc);
  const ca = link(k, vs, vc, va);
  const prio = opts.prio ?? [];
  const brs = [
    mkbridge(k, "A", va, [ab[0], ca[1]], { proto: opts.proto, priority: prio[0] }),
    mkbridge(k, "B", vb, [ab[1], bc[0]], { proto: opts.proto, priority: prio[1] }),
    mkbridge(k, "C", vc, [bc[1], ca[0]], { proto: opts.proto, priority: prio[2] }),
  ];
  return { brs, links: [ab, bc, ca] };
}

function allports(brs: minibridge[]): bstp_port[] {
  return brs.flatMap((b) => [...b.ports.values()]);
}

/** Converged: one root for all, every port forwarding or (alternate/backup) discarding. */
function converged(k: Kernel, brs: minibridge[]): boolean {
  const root = brs[0].bs.bs_root_pv.pv_root_id;
  if (!brs.every((b) => b.bs.bs_root_pv.pv_root_id === root)) return false;
  return allports(brs).every(
    (bp) =>
      ((bp.bp_role === k.BSTP_ROLE_ROOT || bp.bp_role === k.BSTP_ROLE_DESIGNATED) && bp.bp_state === k.BSTP_IFSTATE_FORWARDING) ||
      ((bp.bp_role === k.BSTP_ROLE_ALTERNATE || bp.bp_role === k.BSTP_ROLE_BACKUP) && bp.bp_state === k.BSTP_IFSTATE_DISCARDING),
  );
}

/** Virtual seconds until converged (checked every 100 ms), or Infinity. */
function time_to_converge(k: Kernel, brs: minibridge[], limit_s = 120): number {
  const t0 = k.nanouptime_ns();
  for (let i = 0; i < limit_s * 10; i++) {
    if (converged(k, brs)) return (k.nanouptime_ns() - t0) / SEC;
    k.kern_advance_ns(SEC / 10);
  }
  return Infinity;
}

function lowest_id(brs: minibridge[]): bigint {
  return brs.map((b) => b.bs.bs_bridge_pv.pv_dbridge_id).reduce((a, b) => (b < a ? b : a));
}

function blocked(k: Kernel, brs: minibridge[]): bstp_port[] {
  return allports(brs).filter((bp) => bp.bp_state === k.BSTP_IFSTATE_DISCARDING);
}

test("vimage: a triangle of RSTP bridges converges to one root and one discarding port", async (t) => {
  const k = await loadKernel("vimage");
  const { brs } = mktriangle(k);
  const secs = time_to_converge(k, brs);
  t.log(`converged in ${secs}s`);
  t.true(secs < 10, `converged in ${secs}s`);
  const root = lowest_id(brs);
  for (const b of brs) t.is(b.bs.bs_root_pv.pv_root_id, root);
  // the root bridge has no root port, the others one each
  for (const b of brs) t.is(b.bs.bs_root_port === null, b.bs.bs_bridge_pv.pv_dbridge_id === root);
  const bl = blocked(k, brs);
  t.is(bl.length, 1);
  t.is(bl[0].bp_role, k.BSTP_ROLE_ALTERNATE);
  // It stays so: a minute later nothing has moved.
  const before = allports(brs).map((bp) => [bp.bp_role, bp.bp_state]);
  k.kern_advance_ns(60 * SEC);
  t.deepEqual(
    allports(brs).map((bp) => [bp.bp_role, bp.bp_state]),
    before,
  );
  // The bridges heard of every state change, the last of each port being its state.
  for (const b of brs)
    for (const [n, bp] of b.ports) {
      const mine = b.states.filter(([x]) => x === n);
      t.is(mine[mine.length - 1]?.[1], bp.bp_state);
    }
  teardown(k, brs);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: legacy STP converges too, but only after listening/learning through two forward delays", async (t) => {
  const k = await loadKernel("vimage");
  const rstp = mktriangle(k);
  const t_rstp = time_to_converge(k, rstp.brs);
  teardown(k, rstp.brs);

  const k2 = await loadKernel("vimage");
  const stp = mktriangle(k2, { proto: k2.BSTP_PROTO_STP });
  const t_stp = time_to_converge(k2, stp.brs);
  t.log(`RSTP ${t_rstp}s, STP ${t_stp}s`);
  t.true(t_stp >= 30 && t_stp < 60, `STP converged in ${t_stp}s`);
  t.true(t_rstp < t_stp, `RSTP ${t_rstp}s, STP ${t_stp}s`);
  t.is(blocked(k2, stp.brs).length, 1);
  teardown(k2, stp.brs);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  t.deepEqual(k2.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: the bridge with the lowest priority becomes the root, and the root moves when priorities change", async (t) => {
  const k = await loadKernel("vimage");
  const { brs } = mktriangle(k, { prio: [32768, 32768, 4096] });
  t.true(time_to_converge(k, brs) < 10);
  const C = brs[2];
  for (const b of brs) t.is(b.bs.bs_root_pv.pv_root_id, C.bs.bs_bridge_pv.pv_dbridge_id);
  t.is(C.bs.bs_root_pv.pv_root_id >> 48n, 4096n);

  // Now B is the best.
  const B = brs[1];
  inv(k, B.v, () => t.is(k.bstp_set_priority(B.bs, 0), 0));
  t.true(time_to_converge(k, brs) < 30);
  for (const b of brs) t.is(b.bs.bs_root_pv.pv_root_id, B.bs.bs_bridge_pv.pv_dbridge_id);
  t.is(B.bs.bs_root_port, null);
  t.is(blocked(k, brs).length, 1);
  // The change of root was a topology change: addresses were flushed (age 0 in RSTP).
  t.true(brs.some((b) => b.rtage.some(([, age]) => age === 0)));
  teardown(k, brs);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: a link that fails is aged out and the blocked port takes over", async (t) => {
  const k = await loadKernel("vimage");
  const { brs, links } = mktriangle(k);
  t.true(time_to_converge(k, brs) < 10);
  const bl = blocked(k, brs)[0];
  // Cut a link that is not the blocked one: one of the root's.
  const rootbr = brs.find((b) => b.bs.bs_root_port === null);
  if (rootbr === undefined) return t.fail("no root");
  const rootports = [...rootbr.ports.keys()];
  const cut = links.find(([a, b]) => rootports.includes(a) || rootports.includes(b)) as [string, string];
  const [cutname] = cut.filter((n) => rootports.includes(n));
  // The root's side goes down; the far side hears nothing more.
  ifconfig_up(k, rootbr.v, cutname, false);
  const t0 = k.nanouptime_ns();
  t.true(
    k.kern_run_until(() => bl.bp_state === k.BSTP_IFSTATE_FORWARDING, 60 * SEC),
    "the alternate port forwards",
  );
  const secs = (k.nanouptime_ns() - t0) / SEC;
  t.log(`reconverged in ${secs}s`);
  // Within the 15 s link poll of the root's side or the 6 s message age on the far side.
  t.true(secs <= 16, `took ${secs}s`);
  // Everything still reaches the same root.
  for (const b of brs) t.is(b.bs.bs_root_pv.pv_root_id, rootbr.bs.bs_bridge_pv.pv_dbridge_id);
  teardown(k, brs);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: same seed, same BPDUs", async (t) => {
  const run = async () => {
    const k = await loadKernel("vimage", 7);
    const { brs } = mktriangle(k);
    const sent: string[] = [];
    for (const b of brs)
      for (const [n] of b.ports) {
        const ifp = ifp_in(k, b.v, n);
        const tx = ifp.if_transmit;
        ifp.if_transmit = (i: ifnet, m) => {
          const len = k.m_length(m);
          const out = new Uint8Array(len);
          k.m_copydata(m, 0, len, out);
          sent.push(`${k.nanouptime_ns()} ${n} ${Buffer.from(out).toString("hex")}`);
          return tx(i, m);
        };
      }
    k.kern_advance_ns(40 * SEC);
    teardown(k, brs);
    return sent;
  };
  const a = await run();
  const b = await run();
  t.true(a.length > 20);
  t.deepEqual(a, b);
});

// ---------------------------------------------------------------------------
// bstp_input's checks.

/** A frame carrying a BPDU to bstp_etheraddr; `llc_len` is the 802.3 length. */
function bpdu_frame(k: Kernel, p: bstp_cbpdu, len: number, llc_len = len, pad = 0): Uint8Array {
  const f = new Uint8Array(14 + len + pad);
  f.set(k.bstp_etheraddr, 0);
  f.set([0x02, 0, 0, 0, 0, 0x99], 6);
  new DataView(f.buffer).setUint16(12, llc_len);
  // the first `len` bytes of the unit (memcpy of a short BPDU)
  const full = new Uint8Array(39);
  k.bstp_cbpdu_write(new DataView(full.buffer), 0, p, 39);
  f.set(full.subarray(0, Math.min(len, 39)), 14);
  return f;
}

/** A designated port's RST BPDU from a far better root than ours. */
function superior(k: Kernel): bstp_cbpdu {
  const p = new k.bstp_cbpdu();
  p.cbu_dsap = p.cbu_ssap = k.LLC_8021D_LSAP;
  p.cbu_ctl = k.LLC_UI;
  p.cbu_protoid = 0;
  p.cbu_protover = k.BSTP_PROTO_RSTP;
  p.cbu_bpdutype = k.BSTP_MSGTYPE_RSTP;
  p.cbu_flags = (k.BSTP_PDU_F_DESG << k.BSTP_PDU_PRSHIFT) | k.BSTP_PDU_F_P;
  p.cbu_rootpri = 0;
  p.cbu_rootaddr.set([0x02, 0, 0, 0, 0, 0x99]);
  p.cbu_bridgepri = 0;
  p.cbu_bridgeaddr.set([0x02, 0, 0, 0, 0, 0x99]);
  p.cbu_portid = 0x8001;
  p.cbu_maxage = 20 * 256;
  p.cbu_hellotime = 2 * 256;
  p.cbu_forwarddelay = 15 * 256;
  return p;
}

/** One bridge with one member whose peer is left alone; returns a feeder. */
async function single(): Promise<{ k: Kernel; br: minibridge; bp: bstp_port; ifp: ifnet; feed: (f: Uint8Array) => void }> {
  const k = await loadKernel("vimage");
  const { jid, v } = vnet_jail(k, "x");
  const r = ifconfig_create(k, k.vnet0, "epair");
  ifconfig_vnet(k, r.name, jid);
  ifconfig_up(k, v, r.name);
  const br = mkbridge(k, "X", v, [r.name]);
  k.kern_advance_ns(1 * SEC);
  const bp = br.ports.get(r.name) as bstp_port;
  const ifp = ifp_in(k, v, r.name);
  const feed = (f: Uint8Array) => inv(k, v, () => k.bstp_input(bp, ifp, mkpkt(k, f)));
  return { k, br, bp, ifp, feed };
}

test("vimage: bstp_input takes a valid superior BPDU: the port becomes the root port", async (t) => {
  const { k, br, bp, feed } = await single();
  t.is(bp.bp_role, k.BSTP_ROLE_DESIGNATED);
  feed(bpdu_frame(k, superior(k), k.BSTP_BPDU_RSTP_LEN));
  t.is(bp.bp_role, k.BSTP_ROLE_ROOT);
  t.is(br.bs.bs_root_pv.pv_root_id, 0x02000000_0099n);
  t.is(br.bs.bs_root_pv.pv_cost, bp.bp_path_cost);
  // and trailing padding (a 60-byte minimum frame) is cut by the 802.3 length
  feed(bpdu_frame(k, superior(k), k.BSTP_BPDU_RSTP_LEN, k.BSTP_BPDU_RSTP_LEN, 7));
  t.is(bp.bp_role, k.BSTP_ROLE_ROOT);
  teardown(k, [br]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: bstp_input drops malformed BPDUs as FreeBSD does, silently and without a leak", async (t) => {
  const { k, br, bp, feed } = await single();
  const S = () => superior(k);
  const L = k.BSTP_BPDU_RSTP_LEN;
  const bad: [string, Uint8Array][] = [
    ["802.3 length below the 7-byte head", bpdu_frame(k, S(), L, 6)],
    ["frame shorter than the head", bpdu_frame(k, S(), 5, 5)],
    ["RST BPDU cut short (length 38)", bpdu_frame(k, S(), 38, 38)],
    ["RST BPDU, 802.3 length 20", bpdu_frame(k, S(), L, 20)],
    ["DSAP not 0x42", bpdu_frame(k, Object.assign(S(), { cbu_dsap: 0xaa }), L)],
    ["SSAP not 0x42", bpdu_frame(k, Object.assign(S(), { cbu_ssap: 0x43 }), L)],
    ["control not UI", bpdu_frame(k, Object.assign(S(), { cbu_ctl: 0x13 }), L)],
    ["protocol id not 0", bpdu_frame(k, Object.assign(S(), { cbu_protoid: 1 }), L)],
    ["RSTP version with a config type", bpdu_frame(k, Object.assign(S(), { cbu_bpdutype: k.BSTP_MSGTYPE_CFG }), L)],
    ["RSTP version with a TCN type", bpdu_frame(k, Object.assign(S(), { cbu_bpdutype: k.BSTP_MSGTYPE_TCN }), L)],
    ["message age not below max age", bpdu_frame(k, Object.assign(S(), { cbu_messageage: 20 * 256 }), L)],
    ["max age below 6 s", bpdu_frame(k, Object.assign(S(), { cbu_maxage: 5 * 256, cbu_messageage: 0 }), L)],
    ["max age above 40 s", bpdu_frame(k, Object.assign(S(), { cbu_maxage: 41 * 256 }), L)],
    ["forward delay below 4 s", bpdu_frame(k, Object.assign(S(), { cbu_forwarddelay: 3 * 256 }), L)],
    ["forward delay above 30 s", bpdu_frame(k, Object.assign(S(), { cbu_forwarddelay: 31 * 256 }), L)],
    ["hello time below 1 s", bpdu_frame(k, Object.assign(S(), { cbu_hellotime: 255 }), L)],
    ["hello time above 2 s", bpdu_frame(k, Object.assign(S(), { cbu_hellotime: 2 * 256 + 1 }), L)],
    // The port speaks RSTP and may not migrate yet (3 s after bstp_create).
    ["legacy version before the migration delay", bpdu_frame(k, Object.assign(S(), { cbu_protover: 0, cbu_bpdutype: 0 }), k.BSTP_BPDU_STP_LEN)],
  ];
  for (const [why, f] of bad) {
    feed(f);
    t.is(bp.bp_role, k.BSTP_ROLE_DESIGNATED, why);
    t.is(br.bs.bs_root_port, null, why);
    t.is(bp.bp_protover, k.BSTP_PROTO_RSTP, why);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 }, why);
  }
  // A later version is read as RSTP.
  feed(bpdu_frame(k, Object.assign(S(), { cbu_protover: 3 }), L + 5, L + 5));
  t.is(bp.bp_role, k.BSTP_ROLE_ROOT);
  teardown(k, [br]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: after the migration delay a legacy BPDU moves the port to STP, and a TCN is heard", async (t) => {
  const { k, br, bp, feed } = await single();
  k.kern_advance_ns(3 * SEC);
  t.true((bp.bp_flags & k.BSTP_PORT_CANMIGRATE) !== 0);
  const cfg = Object.assign(superior(k), { cbu_protover: 0, cbu_bpdutype: 0, cbu_flags: 0 });
  feed(bpdu_frame(k, cfg, k.BSTP_BPDU_STP_LEN));
  t.is(bp.bp_protover, k.BSTP_PROTO_STP);
  t.is(bp.bp_role, k.BSTP_ROLE_ROOT);
  // The migration is held for 3 s again: an RSTP BPDU now is dropped.
  t.is(bp.bp_flags & k.BSTP_PORT_CANMIGRATE, 0);
  feed(bpdu_frame(k, superior(k), k.BSTP_BPDU_RSTP_LEN));
  t.is(bp.bp_protover, k.BSTP_PROTO_STP);
  // A TCN (7 bytes) on a legacy port.
  const tcn = new Uint8Array(14 + 7);
  tcn.set(k.bstp_etheraddr, 0);
  tcn.set([0x42, 0x42, 0x03, 0, 0, 0, 0x80], 14);
  new DataView(tcn.buffer).setUint16(12, 7);
  bp.bp_rcvdtcn = 0;
  const tcstate = bp.bp_tcstate;
  feed(tcn);
  // heard and handled at once: the port went through TC_TCN back to ACTIVE, or stays LEARNING
  t.true(bp.bp_rcvdtcn === 0 || tcstate !== k.BSTP_TCSTATE_ACTIVE);
  teardown(k, [br]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: random and mutated BPDUs never throw nor leak", async (t) => {
  const { k, br, feed } = await single();
  fc.assert(
    fc.property(
      arb_cbpdu,
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 52 }), u8), { maxLength: 4 }),
      (f, len, llc_len, muts) => {
        const p = fill(k, f);
        if (len % 3 === 0) Object.assign(p, { cbu_dsap: 0x42, cbu_ssap: 0x42, cbu_ctl: 3, cbu_protoid: 0 });
        const fr = bpdu_frame(k, p, Math.min(len, 39), llc_len, Math.max(0, len - 39));
        for (const [i, v] of muts) if (14 + i < fr.length) fr[14 + i] = v;
        feed(fr);
        k.kern_advance_ns(SEC / 4);
      },
    ),
    { numRuns: 400, seed: 14 },
  );
  teardown(k, [br]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

// ---------------------------------------------------------------------------
// Parameters.

test("vimage: bstp_set_* check ranges as FreeBSD does and round as it does", async (t) => {
  const { k, br, bp } = await single();
  const bs = br.bs;
  inv(k, br.v, () => {
    t.is(k.bstp_set_htime(bs, 1), k.EPERM, "hello time only in legacy STP");
    t.is(k.bstp_set_fdelay(bs, 3), k.EINVAL);
    t.is(k.bstp_set_fdelay(bs, 31), k.EINVAL);
    t.is(k.bstp_set_fdelay(bs, 4), 0);
    t.is(bs.bs_bridge_fdelay, 4 * 256);
    t.is(k.bstp_set_maxage(bs, 5), k.EINVAL);
    t.is(k.bstp_set_maxage(bs, 41), k.EINVAL);
    t.is(k.bstp_set_maxage(bs, 6), 0);
    t.is(k.bstp_set_holdcount(bs, 0), k.EINVAL);
    t.is(k.bstp_set_holdcount(bs, 11), k.EINVAL);
    t.is(k.bstp_set_holdcount(bs, 10), 0);
    t.is(k.bstp_set_protocol(bs, 1), k.EINVAL);
    t.is(k.bstp_set_priority(bs, 61441), k.EINVAL);
    t.is(k.bstp_set_priority(bs, -1), k.EINVAL);
    t.is(k.bstp_set_priority(bs, 5000), 0);
    t.is(bs.bs_bridge_priority, 4096);
    t.is(bs.bs_bridge_pv.pv_dbridge_id >> 48n, 4096n);
    t.is(k.bstp_set_port_priority(bp, 241), k.EINVAL);
    t.is(k.bstp_set_port_priority(bp, 100), 0);
    t.is(bp.bp_priority, 96);
    t.is(bp.bp_port_id >> 8, 96);
    // auto path cost from the 10 Gb/s of an epair: 20000000000 / 10000000
    t.is(bp.bp_path_cost, 2000);
    t.is(k.bstp_set_path_cost(bp, 200000001), k.EINVAL);
    t.is(k.bstp_set_path_cost(bp, 123456), 0);
    t.is(bp.bp_path_cost, 123456);
    t.true((bp.bp_flags & k.BSTP_PORT_ADMCOST) !== 0);
    t.is(k.bstp_set_path_cost(bp, 0), 0);
    t.is(bp.bp_path_cost, 2000);
    t.is(k.bstp_set_protocol(bs, k.BSTP_PROTO_STP), 0);
    t.is(k.bstp_set_htime(bs, 3), k.EINVAL);
    t.is(k.bstp_set_htime(bs, 1), 0);
    t.is(bs.bs_bridge_htime, 256);
    // legacy STP's 16-bit cost
    t.is(k.bstp_set_path_cost(bp, 123456), 0);
    t.is(bp.bp_path_cost, 65535);
    // epairs are full duplex: point to point by default (autoptp)
    t.is(bp.bp_ptp_link, 1);
    t.is(k.bstp_set_autoptp(bp, 0), 0);
    t.is(k.bstp_set_ptp(bp, 0), 0);
    t.is(bp.bp_ptp_link, 0);
    t.is(k.bstp_set_edge(bp, 1), 0);
    t.is(bp.bp_operedge, 1);
    t.true((bp.bp_flags & k.BSTP_PORT_ADMEDGE) !== 0);
  });
  teardown(k, [br]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: an edge port alone on its link forwards after the edge delay, sending BPDUs every hello time", async (t) => {
  const { k, br, bp, ifp } = await single();
  const sent: number[] = [];
  const tx = ifp.if_transmit;
  ifp.if_transmit = (i: ifnet, m) => {
    sent.push(k.nanouptime_ns());
    return tx(i, m);
  };
  t.true(k.kern_run_until(() => bp.bp_state === k.BSTP_IFSTATE_FORWARDING, 10 * SEC));
  t.is(bp.bp_operedge, 1, "autoedge made it an edge");
  const n0 = sent.length;
  k.kern_advance_ns(20 * SEC);
  t.true(sent.length - n0 >= 9 && sent.length - n0 <= 11, `${sent.length - n0} BPDUs in 20 s`);
  teardown(k, [br]);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
