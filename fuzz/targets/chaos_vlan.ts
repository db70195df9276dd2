// Chaos steps for vlan(4) and 802.1p priorities, on the epairs the chaos
// made: vlans created both ways (vlan create vlandev, <parent>.<vid>) and
// nested, reconfigured (another VID or protocol, -vlandev, vlanpcp, pcp on
// the parent), moved to another vnet, destroyed, and their parents
// destroyed under them (epair_destroy in chaos_net.ts does that too).
import { register_chaos_kind, type chaos_model } from "../registry.ts";
import type { rng } from "../rng.ts";
import type { world } from "../topo.ts";
import { chaos_cmd_stats } from "./chaos_net.ts";

function at(jail: string, argv: (string | number)[]): string[] {
  const a = argv.map(String);
  return jail === "host" ? a : ["jexec", jail, ...a];
}

async function sh(w: world, argv: string[]): Promise<void> {
  const r = await w.run(argv);
  // Counted with the other chaos commands, under "vlan <program>".
  const prog = `vlan ${argv[0] === "jexec" ? argv[2] : argv[0]}`;
  const c = chaos_cmd_stats(w).get(prog) ?? [0, 0];
  c[r.status === 0 ? 0 : 1]++;
  chaos_cmd_stats(w).set(prog, c);
  const text = r.out + r.err;
  if (/\n\s+at |TypeError|RangeError|ReferenceError|undefined|NaN/.test(text)) throw new Error(`chaos: ${argv.join(" ")}: JavaScript leaked into the output:\n${text}`);
}

/** A vlan name on one of the chaos's epairs: <epair>.<vid>, maybe nested. */
function vlan_name(r: rng, parent: string): string {
  const vid = r.pick([2, 3, 4094]);
  return r.chance(0.3) ? `${parent}.${vid}.${r.pick([2, 7])}` : `${parent}.${vid}`;
}

function pick_if(r: rng, m: chaos_model): [string, string] | null {
  const ifs = [...m.ifs.keys()];
  if (ifs.length === 0) return null;
  const i = r.pick(ifs);
  return [m.ifs.get(i) ?? "host", i];
}

register_chaos_kind({
  name: "vlan_create",
  weight: 5,
  gen: (r, m) => {
    const p = pick_if(r, m);
    if (p === null) return null;
    const [jail, ifname] = p;
    const how = r.pick(["dot", "dot", "param", "bare"]);
    const proto = r.pick(["", "", "802.1q", "802.1ad"]);
    return { kind: "vlan_create", args: [jail, ifname, how, vlan_name(r, ifname), r.range(1, 4095), proto] };
  },
  run: async (w, _m, s) => {
    const [jail, parent, how, name, vid, proto] = s.args.map(String);
    const pr = proto === "" ? [] : ["vlanproto", proto];
    if (how === "dot") await sh(w, at(jail, ["ifconfig", name, "create", ...pr, "up"]));
    else if (how === "param") await sh(w, at(jail, ["ifconfig", "vlan", "create", "vlandev", parent, "vlan", vid, ...pr, "up"]));
    else await sh(w, at(jail, ["ifconfig", "vlan", "create"]));
  },
});

register_chaos_kind({
  name: "vlan_config",
  weight: 5,
  gen: (r, m) => {
    const p = pick_if(r, m);
    if (p === null) return null;
    const [jail, ifname] = p;
    const target = r.chance(0.7) ? vlan_name(r, ifname) : `vlan${r.int(3)}`;
    const op = r.pick(["retag", "unparent", "reparent", "vlanpcp", "pcp", "-pcp", "addr", "vnet"]);
    return { kind: "vlan_config", args: [jail, ifname, target, op, r.range(1, 4094), r.int(9)] };
  },
  run: async (w, m, s) => {
    const [jail, parent, name, op, vid, n] = s.args.map(String);
    switch (op) {
      case "retag": // EBUSY on a configured vlan, as FreeBSD answers
        return sh(w, at(jail, ["ifconfig", name, "vlan", vid, "vlandev", parent, "vlanproto", Number(n) & 1 ? "802.1ad" : "802.1q"]));
      case "unparent":
        return sh(w, at(jail, ["ifconfig", name, "-vlandev"]));
      case "reparent":
        return sh(w, at(jail, ["ifconfig", name, "vlandev", parent, "vlan", vid]));
      case "vlanpcp":
        return sh(w, at(jail, ["ifconfig", name, "vlanpcp", n]));
      case "pcp":
        return sh(w, at(jail, ["ifconfig", parent, "pcp", n]));
      case "-pcp":
        return sh(w, at(jail, ["ifconfig", parent, "-pcp"]));
      case "addr":
        return sh(w, at(jail, ["ifconfig", name, "inet", `10.210.${Number(vid) & 7}.${1 + Number(n)}/24`, "up"]));
      case "vnet": {
        // To another chaos jail (the vlan's parent stays behind), or home.
        if (jail !== "host") return sh(w, ["ifconfig", name, "-vnet", jail]);
        if (m.jails.length === 0) return;
        return sh(w, ["ifconfig", name, "vnet", m.jails[Number(vid) % m.jails.length]]);
      }
    }
  },
});

register_chaos_kind({
  name: "vlan_destroy",
  weight: 3,
  gen: (r, m) => {
    const p = pick_if(r, m);
    if (p === null) return null;
    const [jail, ifname] = p;
    return { kind: "vlan_destroy", args: [jail, r.chance(0.7) ? vlan_name(r, ifname) : `vlan${r.int(3)}`] };
  },
  run: async (w, _m, s) => sh(w, at(String(s.args[0]), ["ifconfig", String(s.args[1]), "destroy"])),
});

register_chaos_kind({
  name: "vlan_parent_destroy",
  weight: 2,
  // A vlan on an epair, traffic on it, then the epair goes.
  gen: (r, m) => {
    const p = pick_if(r, m);
    if (p === null) return null;
    return { kind: "vlan_parent_destroy", args: [p[0], p[1], r.range(2, 4094)] };
  },
  run: async (w, _m, s) => {
    const [jail, parent, vid] = s.args.map(String);
    await sh(w, at(jail, ["ifconfig", `${parent}.${vid}`, "create", "inet", `10.211.${Number(vid) & 0xff}.1/24`, "up"]));
    await sh(w, at(jail, ["ping", "-c", "1", "-t", "1", "-C", "3", `10.211.${Number(vid) & 0xff}.2`]));
    await sh(w, at(jail, ["ifconfig", parent, "destroy"]));
  },
});
