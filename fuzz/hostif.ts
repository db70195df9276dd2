// Hostile frames from a host program on a mirrored interface
// (net/bpf_hostif.ts: `virtnet kernel --host-ifaces`): the fuzz world's
// vnet0 is mirrored, epairNa stays in vnet0 (its Linux TAP raised to a
// 9000-byte MTU) and epairNb goes into jail fb.  A socat writes each
// datagram the fuzzer sends it onto the Linux TAP as a raw frame (a packet
// socket, as scapy's sendp), so every frame crosses Linux, the TAP's socat
// and the relay, then enters as a bpf write on epairNa and crosses to fb.
// The frames are the frame targets' (malformed IPv4, ARP, junk) aimed at
// fb, oversized ones up to the Linux MTU (bpf_write refuses them:
// EMSGSIZE), and bursts at the highest rate the host takes.  Then: no
// exception, every frame the relay took was written or refused and
// counted, Linux's own ping reaches fb through the mirror (the simulator
// keeps serving), and after the teardown no TAP and no mbuf is left.
// epairNa also has an IPv4 address and a route in vnet0, which the mirror
// reflects on the TAP beside Linux's own address while the frames flow.
//
// It creates Linux interfaces, so it runs only as root inside a network
// namespace of its own (`unshare -n npm run fuzz -- --only hostif`), and is
// skipped with the reason otherwise.  The clock keeps real time's pace
// while it runs, as under the daemon.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import { draw_case } from "./frames.ts";
import type { rng } from "./rng.ts";
import type { inject_point, world } from "./topo.ts";
import { ip, ping_after_flood, sleep } from "./linux_tap.ts";

export interface hostif_result {
  /** Why the part did not run (null: it ran). */
  skipped: string | null;
  sent: number;
  /** Frames the mirror wrote onto the interface, and those it refused. */
  written: number;
  refused: number;
  /** Frames per second through the mirror during the bursts. */
  rate: number;
  failures: string[];
}

/** Why the mirror's part cannot run here (null: it can). */
export function hostif_part_unusable(k: world["k"]): string | null {
  const why = k.hostif_linux_usable();
  if (why !== null) return why;
  if (k.host_tool("ping") === null) return "ping not found on PATH";
  try {
    if (fs.readlinkSync("/proc/self/ns/net") === fs.readlinkSync("/proc/1/ns/net")) return "not in a network namespace of its own: run it under `unshare -n`";
    return null;
  } catch {
    /* init's namespace cannot be read here: judge by the interfaces */
  }
  // No interface but lo and those fuzz runs make (taps, mirrored epairs).
  const others = k.linux_ifnames().filter((n) => !/^(lo|tap\d+|tun\d+|epair\d+[ab])$/.test(n));
  if (others.length > 0) return `not in a network namespace of its own (this one has ${others[0]}): run it under \`unshare -n\``;
  return null;
}

function mac_text(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

export async function run_hostif(w: world, r: rng, frames: number, log: (s: string) => void): Promise<hostif_result> {
  const res: hostif_result = { skipped: null, sent: 0, written: 0, refused: 0, rate: 0, failures: [] };
  const k = w.k;
  const why = hostif_part_unusable(k);
  if (why !== null) {
    res.skipped = why;
    return res;
  }
  const fail = (s: string): hostif_result => {
    res.failures.push(s);
    return res;
  };
  ip("link", "set", "lo", "up");
  // Two builds may run side by side in one namespace: a unit and a subnet
  // each.  The world's own vnet0 interfaces are mirrored too; a name the
  // other build took is one line in the log, not a failure.
  const unit = w.build === "vimage" ? 60 : 61;
  const ea = `epair${unit}a`;
  const eb = `epair${unit}b`;
  const me = `10.9.${unit}.2`;
  const linux = `10.9.${unit}.1`;
  const mlog: string[] = [];
  const m = new k.hostif_mirror(k.hostif_linux_ops(), (s: string) => void mlog.push(s));
  // The clock at real time's pace, tasks run as they come: what the
  // daemon's idle loop does between commands.
  let last = performance.now();
  const pace = setInterval(() => {
    const now = performance.now();
    k.kern_advance_ns(Math.round((now - last) * 1e6));
    last = now;
  }, 1);
  const thrown: unknown[] = [];
  const on_exc = (e: unknown): void => void thrown.push(e);
  process.on("uncaughtException", on_exc);
  let injector: ChildProcess | null = null;
  const sock = dgram.createSocket("udp4");
  try {
    m.start();
    for (const s of [["ifconfig", `epair${unit}`, "create"], ["ifconfig", eb, "vnet", "fb"], ["jexec", "fb", "ifconfig", eb, `${me}/24`, "up"], ["ifconfig", ea, "up"]]) {
      const c = await w.run(s);
      if (c.status !== 0) return fail(`${s.join(" ")}: ${c.status} ${c.err}`);
    }
    await m.settle();
    if (!m.list().some((x) => x.name === ea)) return fail(`${ea} is not mirrored: ${mlog.join("")}`);
    const fb = w.ifp_of("fb", eb);
    const a = w.ifp_of("host", ea);
    if (fb === null) return fail(`${eb} is not in fb`);
    // The TAP is bpf(4) to Linux, NOARP (the mirror keeps Linux's stack
    // quiet): Linux reaches fb through a permanent neighbour entry.
    const fb_mac = k.vnet_run(fb.if_vnet, "fuzz", () => k.IF_LLADDR(fb).slice());
    const bad =
      ip("link", "set", ea, "mtu", "9000") ??
      ip("addr", "add", `${linux}/24`, "dev", ea) ??
      ip("neigh", "replace", me, "lladdr", mac_text(fb_mac), "dev", ea, "nud", "permanent");
    if (bad !== null) return fail(bad);
    // ... and fb reaches Linux through a static one.
    const ea_mac = a !== null ? k.vnet_run(a.if_vnet, "fuzz", () => k.IF_LLADDR(a).slice()) : new Uint8Array(6);
    const s = await w.run(["jexec", "fb", "arp", "-s", linux, mac_text(ea_mac)]);
    if (s.status !== 0) return fail(`arp -s in fb: ${s.status} ${s.err}`);
    // vnet0's own IPv4 on the interface, and a route by it: the mirror
    // puts both on the Linux side (no local entry for the address), and
    // leaves Linux's own address alone.
    const v0 = `10.8.${unit}.1`;
    const far = `10.7.${unit}.0/24`;
    for (const c of [["ifconfig", ea, "inet", `${v0}/24`, "alias"], ["route", "add", "-net", far, `10.8.${unit}.9`]]) {
      const cr = await w.run(c);
      if (cr.status !== 0) return fail(`${c.join(" ")}: ${cr.status} ${cr.err}`);
    }
    await m.settle();
    const shown = spawnSync("sh", ["-c", `ip -4 addr show dev ${ea}; ip -4 route show ${far}; ip -4 route show table local dev ${ea}`], { encoding: "latin1" }).stdout;
    if (!shown.includes(`inet ${v0}/24`) || !shown.includes(`inet ${linux}/24`) || !shown.includes(`via 10.8.${unit}.9`)) return fail(`the mirror's IPv4 on ${ea} is not vnet0's:\n${shown}${mlog.join("")}`);
    if (shown.includes(`local ${v0} `)) return fail(`Linux takes vnet0's ${v0} for its own:\n${shown}`);
    const pt: inject_point = {
      jail: "fb",
      ifname: eb,
      peer_jail: "host",
      peer_ifname: ea,
      mac: fb_mac,
      peer_mac: ea_mac,
      ip: (0x0a090002 | (unit << 8)) >>> 0,
      peer_ip: (0x0a090001 | (unit << 8)) >>> 0,
      far_ips: [0x0a010101, 0x0a010202, 0x0a010102],
      bcast_ip: (0x0a0900ff | (unit << 8)) >>> 0,
    };
    // A port of its own: the other build runs the same seed beside it.
    const inj_port = 20000 + unit * 200 + r.int(200);
    injector = spawn("socat", ["-u", "-b", "65536", `UDP-RECV:${inj_port},bind=127.0.0.1`, `INTERFACE:${ea}`], { stdio: ["ignore", "ignore", "pipe"] });
    let inj_err = "";
    injector.stderr?.on("data", (b: Buffer) => (inj_err += b.toString()));
    await sleep(300);
    const count = () => {
      const e = m.list().find((x) => x.name === ea);
      return e === undefined ? 0 : e.in + e.inerr;
    };
    const c0 = count();
    const t0 = performance.now();
    const BURST = 200;
    for (let i = 0; i < frames; i += BURST) {
      for (let j = 0; j < BURST && i + j < frames; j++) {
        let f: Uint8Array;
        if (r.int(10) === 0) {
          // Oversized: longer than epairNa's MTU allows, up to Linux's.
          f = new Uint8Array(1515 + r.int(9014 - 1515));
          f.set(pt.mac, 0);
          f.set(pt.peer_mac, 6);
          f[12] = 0x08;
          f[14] = 0x45;
          for (let q = 15; q < f.length; q++) f[q] = r.int(256);
        } else f = draw_case(r, pt).bytes;
        if (f.length < 14) continue; // a packet socket refuses less than a header
        sock.send(f, inj_port, "127.0.0.1");
        res.sent++;
      }
      await sleep(2);
    }
    // Until the relay has been quiet for half a second.
    for (let n = 0, prev = -1; n < 100 && count() !== prev; n++) {
      prev = count();
      await sleep(500);
    }
    const e = m.list().find((x) => x.name === ea);
    res.written = e?.in ?? 0;
    res.refused = e?.inerr ?? 0;
    res.rate = Math.round((count() - c0) / ((performance.now() - t0 - 500) / 1000));
    if (thrown.length > 0) return fail(`exception on a frame from the host: ${thrown[0] instanceof Error ? (thrown[0].stack ?? thrown[0].message) : String(thrown[0])}`);
    if (inj_err !== "") log(`hostif: the injector said: ${inj_err.trim().split("\n")[0]}\n`);
    if (res.sent > 0 && count() - c0 === 0) return fail("no frame from the host reached the mirror");
    // The simulator keeps serving: Linux's ping reaches fb through the mirror.
    const p = await ping_after_flood(me, ea);
    if (!/3 received/.test(p.out)) {
      const a = await w.run(["jexec", "fb", "arp", "-an"]);
      const n = spawnSync("sh", ["-c", `ip neigh show dev ${ea}; ip addr show dev ${ea}; ip route`], { encoding: "latin1" });
      return fail(`after the flood, Linux's ping through ${ea} is not answered:\n${p.out}\narp -an in fb:\n${a.out}${a.err}Linux:\n${n.stdout}${n.stderr}`);
    }
  } finally {
    process.off("uncaughtException", on_exc);
    sock.close();
    injector?.kill("SIGKILL");
    await w.run(["ifconfig", ea, "destroy"]);
    m.stop();
    await m.settle();
    clearInterval(pace);
  }
  if (k.linux_tap_count() !== 0) return fail(`${k.linux_tap_count()} Linux TAPs still open after the mirror stopped`);
  return res;
}
