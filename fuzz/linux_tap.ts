// Hostile frames from the Linux side of a tap (net/linux_tap.ts,
// net/if_tuntap.c's tunwrite): tap0 is made in jail fb of the fuzz world,
// its Linux TAP gets a 9000-byte MTU, and a second socat writes each
// datagram the fuzzer sends it onto the Linux TAP as a raw frame (socat's
// INTERFACE address, a packet socket), so every frame really crosses Linux,
// the TAP's socat and the UDP relay before tunwrite sees it.  The frames
// are the frame targets' (malformed IPv4, ARP, junk), oversized ones up to
// the Linux MTU, and bursts at the highest rate the host takes.  Then: no
// exception, the interface counters and the relay's agree, Linux's own ping
// is still answered (the simulator keeps serving), and after the teardown
// no mbuf is left.
//
// It creates Linux interfaces, so it runs only as root (or with
// CAP_NET_ADMIN) inside a network namespace of its own (`unshare -n npm run
// fuzz -- --only linux`), and is skipped with the reason otherwise.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import path from "node:path";
import { draw_case } from "./frames.ts";
import type { rng } from "./rng.ts";
import type { inject_point, world } from "./topo.ts";

export interface linux_result {
  /** Why the part did not run (null: it ran). */
  skipped: string | null;
  sent: number;
  /** Frames the relay handed to the interface. */
  rcvd: number;
  /** Frames per second through the relay during the bursts. */
  rate: number;
  failures: string[];
}

function which(name: string): string | null {
  for (const d of (process.env.PATH ?? "").split(":")) {
    if (d === "") continue;
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** Why this process may not make Linux interfaces here (null: it may). */
export function linux_part_unusable(): string | null {
  for (const t of ["socat", "ip", "ping"]) if (which(t) === null) return `${t} not found on PATH`;
  if (process.getuid?.() !== 0) return "not root (creating a Linux TAP needs root or CAP_NET_ADMIN)";
  // A namespace of its own: not init's (when that can be read), and no
  // interface but lo and the taps and tuns of fuzz runs.
  try {
    if (fs.readlinkSync("/proc/self/ns/net") === fs.readlinkSync("/proc/1/ns/net")) return "not in a network namespace of its own: run it under `unshare -n`";
  } catch {
    /* init's namespace cannot be read here: judge by the interfaces */
  }
  let dev = "";
  try {
    dev = fs.readFileSync("/proc/self/net/dev", "latin1");
  } catch {
    return "cannot list this namespace's interfaces (/proc/self/net/dev)";
  }
  const others = dev.split("\n").slice(2).map((l) => l.split(":")[0].trim()).filter((n) => n !== "" && !/^(lo|tap\d+|tun\d+)$/.test(n));
  if (others.length > 0) return `not in a network namespace of its own (this one has ${others[0]}): run it under \`unshare -n\``;
  return null;
}

export function ip(...args: string[]): string | null {
  const r = spawnSync("ip", args, { encoding: "latin1" });
  return r.status === 0 ? null : `ip ${args.join(" ")}: ${(r.stderr ?? "").trim()}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Run a host program without blocking the event loop (the simulator
 *  answers from this process). */
export function host(cmd: string, args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    c.stdout.on("data", (b: Buffer) => (out += b.toString()));
    c.stderr.on("data", (b: Buffer) => (out += b.toString()));
    c.on("close", (status) => resolve({ status, out }));
  });
}

/** Linux pings the simulator after a flood.  A loaded machine may still be
 *  draining it (socket buffers, the neighbour entry Linux gave up on), and
 *  forged ARP in the flood may have moved the jail's entry for Linux to a
 *  made-up address (as FreeBSD's in_arpinput does: "moved from").  So up to
 *  five tries, 1 s apart, each retry starting by forgetting Linux's
 *  neighbours on dev: its broadcast request then moves the entry back. */
export async function ping_after_flood(me: string, dev: string): Promise<{ status: number | null; out: string }> {
  let p = await host("ping", ["-n", "-c", "3", "-i", "0.2", "-W", "3", me]);
  for (let n = 1; n < 5 && !/3 received/.test(p.out); n++) {
    await sleep(1000);
    await host("ip", ["neigh", "flush", "dev", dev]);
    p = await host("ping", ["-n", "-c", "3", "-i", "0.2", "-W", "3", me]);
  }
  return p;
}

export async function run_linux(w: world, r: rng, frames: number, log: (s: string) => void): Promise<linux_result> {
  const res: linux_result = { skipped: null, sent: 0, rcvd: 0, rate: 0, failures: [] };
  const why = linux_part_unusable();
  if (why !== null) {
    res.skipped = why;
    return res;
  }
  const k = w.k;
  const fail = (s: string): linux_result => {
    res.failures.push(s);
    return res;
  };
  ip("link", "set", "lo", "up");
  // The two builds may run side by side in one namespace: a unit and a
  // subnet of each's own.
  const unit = w.build === "vimage" ? 10 : 11;
  const tn = `tap${unit}`;
  const me = `10.9.${unit}.2`;
  const linux = `10.9.${unit}.1`;
  const steps: string[][] = [
    ["ifconfig", tn, "create"],
    ["ifconfig", tn, "vnet", "fb"],
    ["jexec", "fb", "ifconfig", tn, `${me}/24`, "up"],
  ];
  for (const s of steps) {
    const c = await w.run(s);
    if (c.status !== 0) return fail(`${s.join(" ")}: ${c.status} ${c.err}`);
  }
  const tap = w.ifp_of("fb", tn);
  if (tap === null) return fail(`${tn} is not in fb`);
  const lt = k.tun_linux_of(tap);
  if (lt === null) return fail(`${tn} has no Linux side`);
  const bad = ip("link", "set", tn, "mtu", "9000") ?? ip("addr", "add", `${linux}/24`, "dev", tn) ?? ip("link", "set", tn, "up");
  if (bad !== null) return fail(bad);
  const lladdr = /link\/ether ([0-9a-f:]{17})/.exec(spawnSync("ip", ["-o", "link", "show", tn], { encoding: "latin1" }).stdout ?? "");
  const linux_mac = lladdr === null ? new Uint8Array(6) : Uint8Array.from(lladdr[1].split(":").map((x) => parseInt(x, 16)));
  const pt: inject_point = {
    jail: "fb",
    ifname: tn,
    peer_jail: "linux",
    peer_ifname: tn,
    mac: k.vnet_run(tap.if_vnet, "fuzz", () => k.IF_LLADDR(tap).slice()),
    peer_mac: linux_mac,
    ip: (0x0a090002 | (unit << 8)) >>> 0,
    peer_ip: (0x0a090001 | (unit << 8)) >>> 0,
    far_ips: [0x0a010101, 0x0a010202, 0x0a010102],
    bcast_ip: (0x0a0900ff | (unit << 8)) >>> 0,
  };

  // The injector: each datagram to its port goes out of the Linux TAP as a
  // raw frame.
  const inj_port = 20000 + r.int(20000);
  const injector: ChildProcess = spawn("socat", ["-u", "-b", "65536", `UDP-RECV:${inj_port},bind=127.0.0.1`, `INTERFACE:${tn}`], { stdio: ["ignore", "ignore", "pipe"] });
  let inj_err = "";
  injector.stderr?.on("data", (b: Buffer) => (inj_err += b.toString()));
  const sock = dgram.createSocket("udp4");
  const thrown: unknown[] = [];
  const on_exc = (e: unknown): void => void thrown.push(e);
  process.on("uncaughtException", on_exc);
  try {
    await sleep(300);
    const rcvd0 = lt.stats.rcvd;
    const t0 = performance.now();
    const BURST = 200;
    for (let i = 0; i < frames; i += BURST) {
      for (let j = 0; j < BURST && i + j < frames; j++) {
        let f: Uint8Array;
        const x = r.int(10);
        if (x === 0) {
          // Oversized: longer than the simulated MTU, up to Linux's.
          f = new Uint8Array(1515 + r.int(9014 - 1515));
          f.set(pt.mac, 0);
          f.set(linux_mac, 6);
          f[12] = 0x08;
          f[13] = 0x00;
          for (let q = 14; q < f.length; q++) f[q] = r.int(256);
          f[14] = 0x45;
        } else f = draw_case(r, pt).bytes;
        if (f.length < 14) continue; // a packet socket refuses less than a header
        sock.send(f, inj_port, "127.0.0.1");
        res.sent++;
      }
      // Let the relay and the simulator take what came.
      await sleep(2);
    }
    // Until the relay has been quiet for half a second.
    let last = -1;
    for (let n = 0; n < 100 && lt.stats.rcvd !== last; n++) {
      last = lt.stats.rcvd;
      await sleep(500);
    }
    res.rcvd = lt.stats.rcvd - rcvd0;
    res.rate = Math.round(res.rcvd / ((performance.now() - t0 - 500) / 1000));
    if (thrown.length > 0) return fail(`exception on a frame from Linux: ${thrown[0] instanceof Error ? (thrown[0].stack ?? thrown[0].message) : String(thrown[0])}`);
    if (inj_err !== "") log(`linux: the injector said: ${inj_err.trim().split("\n")[0]}\n`);
    // The simulator keeps serving: Linux's ping is answered.
    const p = await ping_after_flood(me, tn);
    if (!/3 received/.test(p.out)) {
      const a = await w.run(["jexec", "fb", "arp", "-an"]);
      const n = await host("ip", ["neigh", "show", "dev", tn]);
      return fail(`after the flood, Linux's ping is not answered:\n${p.out}\narp -an in fb:\n${a.out}${a.err}ip neigh:\n${n.out}`);
    }
    const c = await w.run(["jexec", "fb", "ifconfig", tn]);
    if (c.status !== 0 || !/status: active/.test(c.out)) return fail(`after the flood, ifconfig ${tn}: ${c.status}\n${c.out}${c.err}`);
  } finally {
    process.off("uncaughtException", on_exc);
    sock.close();
    injector.kill("SIGKILL");
  }
  const d = await w.run(["jexec", "fb", "ifconfig", tn, "destroy"]);
  if (d.status !== 0) return fail(`ifconfig ${tn} destroy: ${d.err}`);
  if (k.linux_tap_count() !== 0) return fail(`${k.linux_tap_count()} Linux taps still open after destroy`);
  return res;
}
