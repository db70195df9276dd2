// Chaos steps for if_bridge(4): bridges made and destroyed on the host and
// in the chaos jails, the chaos epairs added, deleted, spanned and flagged
// (stp, private, sticky, -learn, -discover, edge, address limits, static
// entries, flushes, up/down) through ifconfig, and frames through them:
// hostile bytes sent on a chaos epair whose other side may be a member
// (unicast among a few stations, broadcasts, 802.1D group addresses,
// BPDUs, VLAN tags, IPv4), with members and bridges destroyed while those
// frames are still queued.  The other chaos kinds move and destroy the
// same epairs, so members also leave by if_vmove and detach.
import { register_chaos_kind, type chaos_model } from "../registry.ts";
import { rng } from "../rng.ts";
import type { world } from "../topo.ts";
import type { vnet } from "../../net/vnet.ts";
import { chaos_cmd_stats } from "./chaos_net.ts";

const places = (m: chaos_model): string[] => ["host", ...m.jails];

function vnet_at(w: world, place: string): vnet | null {
  if (place === "host") return w.k.vnet0;
  const pr = w.k.prison_find_name(place);
  return pr === null ? null : pr.pr_vnet;
}

/** The bridges of a place, by name. */
function bridges_at(w: world, place: string): string[] {
  const v = vnet_at(w, place);
  if (v === null) return [];
  return w.k.vnet_run(v, "fuzz", () => w.k.V_ifnet().map((i) => i.if_xname).filter((n) => /^bridge[0-9]+$/.test(n)));
}

async function sh(w: world, place: string, argv: string[]): Promise<void> {
  const full = place === "host" ? argv : ["jexec", place, ...argv];
  const r = await w.run(full);
  const c = chaos_cmd_stats(w).get("ifconfig(bridge)") ?? [0, 0];
  c[r.status === 0 ? 0 : 1]++;
  chaos_cmd_stats(w).set("ifconfig(bridge)", c);
  const text = r.out + r.err;
  if (/\n\s+at |TypeError|RangeError|ReferenceError|undefined|NaN/.test(text)) throw new Error(`chaos: ${full.join(" ")}: JavaScript leaked into the output:\n${text}`);
}

register_chaos_kind({
  name: "bridge_create",
  weight: 3,
  gen: (r, m) => ({ kind: "bridge_create", args: [r.pick(places(m)), r.chance(0.3) ? `bridge${r.int(4)}` : "bridge"] }),
  run: async (w, _m, s) => sh(w, String(s.args[0]), ["ifconfig", String(s.args[1]), "create"]),
});

/** A member operation: the ifconfig words after the bridge's name. */
const MEMBER_OPS: ((r: rng, ifn: string) => string[])[] = [
  (_r, i) => ["addm", i, "up"],
  (_r, i) => ["addm", i],
  (_r, i) => ["deletem", i],
  (_r, i) => ["span", i],
  (_r, i) => ["-span", i],
  (_r, i) => ["stp", i],
  (_r, i) => ["-stp", i],
  (_r, i) => ["private", i],
  (_r, i) => ["-private", i],
  (_r, i) => ["sticky", i],
  (_r, i) => ["-learn", i],
  (_r, i) => ["learn", i],
  (_r, i) => ["-discover", i],
  (_r, i) => ["edge", i],
  (_r, i) => ["-autoedge", i],
  (r, i) => ["ifmaxaddr", i, String(r.pick([0, 1, 2, 100]))],
  (r, i) => ["ifpriority", i, String(r.pick([0, 16, 128, 240]))],
  (r, i) => ["ifpathcost", i, String(r.pick([0, 1, 2000, 200000000]))],
  (r, i) => ["static", i, `02:00:00:00:00:0${r.int(6)}`],
  (r) => ["deladdr", `02:00:00:00:00:0${r.int(6)}`],
  (r) => ["maxaddr", String(r.pick([0, 1, 3, 2000]))],
  (r) => ["timeout", String(r.pick([0, 1, 30, 1200]))],
  (r) => ["proto", r.pick(["stp", "rstp"])],
  (r) => ["fwddelay", String(r.pick([4, 15, 30]))],
  () => ["flush"],
  () => ["flushall"],
  () => ["up"],
  () => ["down"],
  () => ["addr"],
  () => ["destroy"],
];

register_chaos_kind({
  name: "bridge_member",
  weight: 10,
  gen: (r, m) => {
    const ifs = [...m.ifs];
    // A chaos epair and its place, or some place and a name that may not be there.
    const [ifn, place] = ifs.length > 0 && r.chance(0.9) ? r.pick(ifs) : [`epair${r.range(2, 9)}${r.pick(["a", "b"])}`, r.pick(places(m))];
    return { kind: "bridge_member", args: [place, `bridge${r.int(3)}`, r.int(MEMBER_OPS.length), ifn, r.u32()] };
  },
  run: async (w, _m, s) => {
    const [place, br] = [String(s.args[0]), String(s.args[1])];
    const words = MEMBER_OPS[Number(s.args[2]) % MEMBER_OPS.length](new rng(Number(s.args[4])), String(s.args[3]));
    // Bring the member up too, or the bridge has nothing to forward to.
    await sh(w, place, ["ifconfig", br, ...words]);
    if (words[0] === "addm") await sh(w, place, ["ifconfig", String(s.args[3]), "up"]);
  },
});

/** Random frames sent on a chaos epair: if its peer is a bridge member,
 *  they go through the bridge.  `destroy` then destroys the member, its
 *  bridge or the epair while the frames are still queued. */
register_chaos_kind({
  name: "bridge_traffic",
  weight: 8,
  gen: (r, m) => {
    const ifs = [...m.ifs];
    if (ifs.length === 0) return null;
    const [ifn, place] = r.pick(ifs);
    return { kind: "bridge_traffic", args: [place, ifn, r.u32(), r.range(1, 80), r.pick(["", "", "", "deletem", "destroy-member", "destroy-bridge", "down"])] };
  },
  run: async (w, _m, s) => {
    const k = w.k;
    const [place, ifn] = [String(s.args[0]), String(s.args[1])];
    const v = vnet_at(w, place);
    if (v === null) return;
    const ifp = k.vnet_run(v, "fuzz", () => k.ifunit(ifn));
    if (ifp === null) return;
    const r = new rng(Number(s.args[2]));
    const n = Number(s.args[3]);
    k.vnet_run(v, "fuzz", () => {
      for (let i = 0; i < n; i++) {
        const len = r.chance(0.05) ? r.int(14) : r.range(14, r.chance(0.1) ? 1600 : 600);
        const f = r.bytes(len);
        if (len >= 14) {
          switch (r.int(8)) {
            case 0:
              f.fill(0xff, 0, 6);
              break;
            case 1:
              f.set([0x01, 0x80, 0xc2, 0, 0, r.int(17)], 0); // BPDUs and 802.1D reserved groups
              break;
            case 2:
              f.set([0x01, 0x00, 0x5e, 0, 0, r.int(4)], 0);
              break;
            default:
              f.set([2, 0, 0, 0, 0, r.int(6)], 0);
          }
          if (r.chance(0.9)) f.set([2, 0, 0, 0, 0, r.int(6)], 6);
          if (r.chance(0.2)) f.fill(0, 6, 12);
          if (r.chance(0.15)) f.set([0x81, 0x00], 12); // an 802.1Q tag
          else if (r.chance(0.5)) f.set([0x08, 0x00], 12);
          if (len >= 34 && f[12] === 0x08 && r.chance(0.7)) f[14] = 0x45;
        }
        const mm = k.m_devget(f, 0, f.length, null);
        if (mm === null) continue;
        if (mm.m_pkthdr.len > ifp.if_mtu + 18) {
          k.m_freem(mm);
          continue;
        }
        ifp.if_transmit(ifp, mm);
      }
    });
    const what = String(s.args[4]);
    if (what !== "") {
      // The peer (the a/b side opposite) is the likely member.
      const peer = ifn.endsWith("a") ? `${ifn.slice(0, -1)}b` : `${ifn.slice(0, -1)}a`;
      for (const p of places(_m)) {
        for (const br of bridges_at(w, p)) {
          if (what === "deletem") await sh(w, p, ["ifconfig", br, "deletem", peer]);
          else if (what === "destroy-bridge") await sh(w, p, ["ifconfig", br, "destroy"]);
          else if (what === "down") await sh(w, p, ["ifconfig", br, "down"]);
        }
      }
      if (what === "destroy-member") await sh(w, place, ["ifconfig", ifn, "destroy"]);
    }
    k.kern_advance_ns(r.range(0, 2) * 1e9 + r.int(1e6));
  },
});

register_chaos_kind({
  name: "bridge_sysctl",
  weight: 2,
  gen: (r, m) => ({ kind: "bridge_sysctl", args: [r.pick(places(m)), r.pick(["inherit_mac", "log_stp", "pfil_onlyip", "pfil_member", "pfil_bridge", "pfil_local_phys", "ipfw_arp", "ipfw"]), r.int(2)] }),
  run: async (w, _m, s) => sh(w, String(s.args[0]), ["sysctl", `net.link.bridge.${String(s.args[1])}=${Number(s.args[2])}`]),
});
