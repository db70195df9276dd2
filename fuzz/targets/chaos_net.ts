// Chaos steps for jails, epairs, addresses, routes, sysctls and sockets
// (what jail(8), ifconfig(8), route(8), sysctl(8) and socket(2) users do),
// run under traffic between the topology's end jails.  Each step is data
// (kind + arguments) and runs through the programs or the system calls.
import { register_chaos_kind, type chaos_model, type chaos_step } from "../registry.ts";
import type { rng } from "../rng.ts";
import type { world } from "../topo.ts";
import type { proc } from "../../kern/uipc_syscalls.ts";

/** The processes the chaos keeps in its jails, with their open sockets. */
const chaos_procs = new WeakMap<world, Map<string, { p: proc; fds: number[] }>>();

function jail_proc(w: world, jail: string): { p: proc; fds: number[] } | null {
  let m = chaos_procs.get(w);
  if (m === undefined) chaos_procs.set(w, (m = new Map()));
  const have = m.get(jail);
  if (have !== undefined) return have;
  const pr = w.k.prison_find_name(jail);
  if (pr === null) return null;
  const p = w.k.proc_create(w.k.cred0, `chaos-${jail}`);
  if (w.k.sys_jail_attach_proc(p, pr.pr_id) !== 0) {
    w.k.proc_exit(p);
    return null;
  }
  const e = { p, fds: [] as number[] };
  m.set(jail, e);
  return e;
}

/** jail -r kills what runs in the jail: so does the chaos first. */
export function chaos_kill_jail_procs(w: world, jail: string): void {
  const m = chaos_procs.get(w);
  const e = m?.get(jail);
  if (m === undefined || e === undefined) return;
  w.k.proc_exit(e.p);
  m.delete(jail);
}

export function chaos_kill_all(w: world): void {
  const m = chaos_procs.get(w);
  if (m === undefined) return;
  for (const j of [...m.keys()]) chaos_kill_jail_procs(w, j);
}

/** Where a chaos command runs: the host, or `jexec J`. */
function at(jail: string, argv: (string | number)[]): string[] {
  const a = argv.map(String);
  return jail === "host" ? a : ["jexec", jail, ...a];
}

/** How the chaos's commands ended, per program: [succeeded, refused]. */
const cmd_stats = new WeakMap<world, Map<string, [number, number]>>();
export function chaos_cmd_stats(w: world): Map<string, [number, number]> {
  let m = cmd_stats.get(w);
  if (m === undefined) cmd_stats.set(w, (m = new Map()));
  return m;
}

async function sh(w: world, argv: string[]): Promise<void> {
  const r = await w.run(argv);
  const prog = argv[0] === "jexec" ? argv[2] : argv[0];
  const c = chaos_cmd_stats(w).get(prog) ?? [0, 0];
  c[r.status === 0 ? 0 : 1]++;
  chaos_cmd_stats(w).set(prog, c);
  const text = r.out + r.err;
  if (/\n\s+at |TypeError|RangeError|ReferenceError|undefined|NaN/.test(text)) throw new Error(`chaos: ${argv.join(" ")}: JavaScript leaked into the output:\n${text}`);
}

const where_ifs = (m: chaos_model): string[] => [...m.ifs.keys()];
const places = (m: chaos_model): string[] => ["host", ...m.jails];

function addr_of(r: rng): string {
  return `10.200.${r.int(8)}.${r.range(1, 254)}`;
}

register_chaos_kind({
  name: "jail_create",
  weight: 6,
  gen: (_r, m) => (m.jails.length >= 6 ? null : { kind: "jail_create", args: [`c${m.next_jail++}`] }),
  run: async (w, _m, s) => sh(w, ["jail", "-c", `name=${s.args[0]}`, "vnet", "persist"]),
});

register_chaos_kind({
  name: "jail_remove",
  weight: 3,
  gen: (r, m) => (m.jails.length === 0 ? null : { kind: "jail_remove", args: [r.pick(m.jails), r.int(40)] }),
  run: async (w, m, s) => {
    const jail = String(s.args[0]);
    // Packets queued toward the jail as it goes: from the host to its
    // interfaces' neighbours, and from its own sockets.
    const burst = Number(s.args[1]);
    const cp = jail_proc(w, jail);
    if (cp !== null && burst > 0) {
      const k = w.k;
      const so = k.sys_socket(cp.p, k.AF_INET, k.SOCK_DGRAM, 0);
      if (so.error === 0) {
        for (let i = 0; i < burst; i++) k.sys_sendto(cp.p, so.fd, new Uint8Array(64 + i * 37), 0, new k.sockaddr_in(0x0ac80000 | (i & 0x7ff), 9));
        k.sys_close(cp.p, so.fd);
      }
    }
    // And toward it, from the host: what the jail's subnets route or hold
    // for ARP when the jail goes.
    if (burst > 0) {
      const k = w.k;
      const so = k.sys_socket(w.root, k.AF_INET, k.SOCK_DGRAM, 0);
      if (so.error === 0) {
        for (let i = 0; i < burst; i++) k.sys_sendto(w.root, so.fd, new Uint8Array(100 + i * 53), 0, new k.sockaddr_in(0x0ac80000 | ((i * 97) & 0x7ff), 9));
        k.sys_close(w.root, so.fd);
      }
    }
    void m;
    chaos_kill_jail_procs(w, jail);
    await sh(w, ["jail", "-r", jail]);
  },
});

register_chaos_kind({
  name: "epair_create",
  weight: 5,
  gen: (_r, m) => (m.ifs.size >= 16 ? null : { kind: "epair_create", args: [] }),
  run: async (w) => sh(w, ["ifconfig", "epair", "create"]),
});

register_chaos_kind({
  name: "epair_destroy",
  weight: 2,
  gen: (r, m) => {
    const ifs = where_ifs(m);
    if (ifs.length === 0) return null;
    const i = r.pick(ifs);
    return { kind: "epair_destroy", args: [m.ifs.get(i) ?? "host", i] };
  },
  run: async (w, _m, s) => sh(w, at(String(s.args[0]), ["ifconfig", s.args[1], "destroy"])),
});

register_chaos_kind({
  name: "vmove",
  weight: 8,
  gen: (r, m) => {
    const ifs = where_ifs(m);
    if (ifs.length === 0) return null;
    const i = r.pick(ifs);
    const from = m.ifs.get(i) ?? "host";
    if (from === "host") return m.jails.length === 0 ? null : { kind: "vmove", args: ["host", i, r.pick(m.jails)] };
    return { kind: "vmove", args: [from, i, from] };
  },
  run: async (w, _m, s) => {
    const [from, ifname, to] = s.args.map(String);
    if (from === "host") await sh(w, ["ifconfig", ifname, "vnet", to]);
    else await sh(w, ["ifconfig", ifname, "-vnet", to]);
  },
});

register_chaos_kind({
  name: "addr",
  weight: 10,
  gen: (r, m) => {
    const ifs = where_ifs(m);
    if (ifs.length === 0) return null;
    const i = r.pick(ifs);
    const op = r.pick(["set", "alias", "delete", "up", "down"]);
    return { kind: "addr", args: [m.ifs.get(i) ?? "host", i, op, addr_of(r), r.pick([24, 16, 30, 32])] };
  },
  run: async (w, _m, s) => {
    const [jail, ifname, op, a, len] = s.args.map(String);
    if (op === "up" || op === "down") await sh(w, at(jail, ["ifconfig", ifname, op]));
    else if (op === "delete") await sh(w, at(jail, ["ifconfig", ifname, "inet", a, "delete"]));
    else await sh(w, at(jail, ["ifconfig", ifname, "inet", `${a}/${len}`, ...(op === "alias" ? ["alias"] : []), "up"]));
  },
});

register_chaos_kind({
  name: "route",
  weight: 6,
  gen: (r, m) => {
    const pl = r.pick(places(m));
    const mine = [...m.ifs].filter(([, j]) => j === pl).map(([i]) => i);
    // Through a gateway on a chaos subnet, or straight out of an interface.
    const via = mine.length > 0 && r.chance(0.5) ? `-iface ${r.pick(mine)}` : `10.200.${r.int(8)}.${r.range(1, 254)}`;
    return { kind: "route", args: [pl, r.pick(["add", "add", "delete", "change"]), `10.${r.range(201, 203)}.${r.int(4)}.0/24`, via] };
  },
  run: async (w, _m, s) => {
    const [jail, op, net, via] = s.args.map(String);
    const gw = via.startsWith("-iface ") ? ["-iface", via.slice(7)] : [via];
    await sh(w, at(jail, ["route", "-q", op, "-net", net, ...(op === "delete" ? [] : gw)]));
  },
});

const SYSCTLS: [string, string[]][] = [
  ["net.inet.ip.forwarding", ["0", "1"]],
  ["net.inet.icmp.icmplim", ["0", "1", "200"]],
  ["net.inet.ip.ttl", ["1", "64", "255"]],
  ["net.link.ether.inet.max_age", ["1", "1200"]],
  ["net.inet.icmp.drop_redirect", ["0", "1"]],
  ["net.inet.ip.redirect", ["0", "1"]],
  ["net.inet.udp.blackhole", ["0", "1", "2"]],
];

register_chaos_kind({
  name: "sysctl",
  weight: 5,
  gen: (r, m) => {
    const pl = places(m);
    const [name, vals] = r.pick(SYSCTLS);
    return { kind: "sysctl", args: [r.pick(pl), name, r.pick(vals)] };
  },
  run: async (w, _m, s) => {
    const [jail, name, v] = s.args.map(String);
    await sh(w, at(jail, ["sysctl", `${name}=${v}`]));
  },
});

register_chaos_kind({
  name: "socket",
  weight: 8,
  gen: (r, m) => (m.jails.length === 0 ? null : { kind: "socket", args: [r.pick(m.jails), r.pick(["open", "open", "close"]), r.int(3), r.range(1, 65535)] }),
  run: async (w, _m, s) => {
    const [jail, op] = s.args.map(String);
    const kind = Number(s.args[2]);
    const port = Number(s.args[3]);
    const cp = jail_proc(w, jail);
    if (cp === null) return;
    const k = w.k;
    if (op === "close") {
      const fd = cp.fds.shift();
      if (fd !== undefined) k.sys_close(cp.p, fd);
      return;
    }
    if (cp.fds.length >= 8) return;
    const so = kind === 2 ? k.sys_socket(cp.p, k.AF_INET, k.SOCK_RAW, k.IPPROTO_ICMP) : k.sys_socket(cp.p, k.AF_INET, k.SOCK_DGRAM, 0);
    if (so.error !== 0) return;
    if (kind === 1) k.sys_bind(cp.p, so.fd, new k.sockaddr_in(0, port));
    cp.fds.push(so.fd);
  },
});

register_chaos_kind({
  name: "send",
  weight: 12,
  gen: (r, m) => ({ kind: "send", args: [r.pick(["fa", "fc", ...m.jails]), r.pick(["10.1.2.2", "10.1.1.1", "10.1.2.1", "10.9.9.9", "10.200.1.1", "255.255.255.255"]), r.int(20), r.int(3000)] }),
  run: async (w, _m, s) => {
    const [jail, dst] = s.args.map(String);
    const n = Number(s.args[2]);
    const size = Number(s.args[3]);
    const k = w.k;
    const p = w.procs.get(jail) ?? jail_proc(w, jail)?.p ?? null;
    if (p === null) return;
    const so = k.sys_socket(p, k.AF_INET, k.SOCK_DGRAM, 0);
    if (so.error !== 0) return;
    k.sys_setsockopt(p, so.fd, k.SOL_SOCKET, k.SO_BROADCAST, 1);
    const to = new k.sockaddr_in(k.inet_aton(dst) ?? 0, w.udp_port);
    for (let i = 0; i < n; i++) k.sys_sendto(p, so.fd, new Uint8Array(size), 0, to);
    k.sys_close(p, so.fd);
  },
});

register_chaos_kind({
  name: "ping",
  weight: 2,
  gen: (r) => ({ kind: "ping", args: [r.pick(["fa", "fc"]), r.pick(["10.1.2.2", "10.1.1.1", "10.1.2.1", "10.9.9.9"])] }),
  run: async (w, _m, s) => sh(w, ["jexec", String(s.args[0]), "ping", "-c", "1", "-t", "1", String(s.args[1])]),
});

register_chaos_kind({
  name: "time",
  weight: 4,
  gen: (r) => ({ kind: "time", args: [r.pick([1e6, 50e6, 1e9, 31e9])] }),
  run: async (w, _m, s) => {
    w.k.kern_advance_ns(Number(s.args[0]));
  },
});

export type { chaos_step };
