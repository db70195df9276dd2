// sys/net/bpf.c, its device side (bpfopen, bpfread, bpfwrite) as a host
// program holding /dev/bpf uses it; the file itself is VirtNet's own.  Host
// tools on simulated interfaces: every Ethernet interface of vnet0 mirrored
// as a Linux TAP of the same name, for `virtnet kernel --host-ifaces` and
// `virtnet atf-run`.
//
// On FreeBSD, a test's scapy opens /dev/bpf on epair0a (BIOCSETIF,
// BIOCIMMEDIATE, BIOCSHDRCMPLT), reads every frame the interface sends or
// receives, and writes frames that leave by it.  Here the Linux TAP is that
// program's view: the mirror holds one bpf descriptor per interface, as
// such a program would, and relays.
//  - read: the descriptor is a streaming listener in immediate mode
//    (net/bpf.ts), so each frame caught at the interface's tap points
//    (BPF_MTAP: the driver's transmit routine, ether_input) goes to the TAP
//    as it is caught.  No promiscuous mode: `ifconfig` shows the flags it
//    would without a listener, and an epair hears every frame anyway.
//  - write: a frame a host program sends into the TAP is a bpf_write on the
//    interface: it leaves by if_output with the header it carries.  It is
//    not read back into the TAP (bd_writing): Linux has already shown it to
//    the host's sniffers as outgoing, as FreeBSD's bpf shows a written frame
//    once.
// The mirror follows the interfaces: a tap point attached in vnet0
// (bpfattach, bpf_attach_event: a new interface, or one back from a jail)
// gets a TAP; a rename (if_rename announces the interface again) renames
// it; bpfdetach (destroyed, or moved into a jail) closes it.  Only
// DLT_EN10MB interfaces are mirrored: lo0 (DLT_NULL) has no Ethernet
// framing a TAP could carry, and the host namespace has its own loopback;
// tap(4), tun(4) and vmnet interfaces are not, as their Linux device of the
// same name already exists (net/if_tuntap.ts).  The descriptors belong to a
// process named hostif, which netstat -B shows.
//
// Host-side work (a TAP appearing, its link address, MTU and state, its
// going away) takes real time; settle() resolves once all of it is done,
// and the daemon answers a command only then, so that a script's next
// command (scapy on epair0a) finds the TAP as ifconfig left it.  The
// TAPs themselves are made and removed by net/linux_tap.ts (a socat each).
// The TAP gets the interface's Ethernet address (scapy's get_if_hwaddr
// reads it, as it reads the interface's on FreeBSD) and a quiet IPv6
// (host_dev_configure): a link-local address for scapy's IPv6 routing, but
// no DAD, MLD, router or neighbour solicitations of Linux's own.
//
// The clock: the mirror does not hold it to real time.  The daemon keeps
// real time's pace whenever no simulated command runs in the foreground
// (sbin/virtnet_kernel.ts, pacing the clock), which is when a script runs a
// host program such as scapy; a foreground `ping -c 3` still takes no real
// seconds.

import { BPF_D_INOUT, DLT_EN10MB, bpf_attach_event, bpf_close_capture, bpf_open_stream, bpf_write, type bpf_d, type bpf_if, type bpf_stream_reader } from "./bpf.ts";
import { IFADDR_EVENT_ADD, ifaddr_event_ext, ifnet_arrival_event, iflladdr_event, if_mtu_changed_hook, set_if_mtu_changed_hook, V_ifnet, type ifaddr, type ifnet } from "./if.ts";
import { AF_INET6, SA_FAMILY } from "../kern/socket.ts";
import type { in6_ifaddr } from "../netinet6/in6_var.ts";
import { CURVNET_RESTORE, CURVNET_SET_QUIET, vnet0 } from "./vnet.ts";
import { sched_kick } from "../kern/kern_synch.ts";
import { proc_create, proc_exit, type proc } from "../kern/uipc_syscalls.ts";
import { cred0 } from "../kern/kern_jail.ts";
import type { sockaddr_dl } from "./if_dl.ts";
import fs from "node:fs";
import { execFile, spawnSync } from "node:child_process";
import { linux_ifnames, linux_tap_close, linux_tap_mtu, linux_tap_open, linux_tap_rename, linux_tap_write, type linux_tap } from "./linux_tap.ts";

/** What the mirror needs from the host: TAP devices (net/linux_tap.ts in
 *  the daemon; a recording stand-in in tests). */
export interface hostif_tap_ops<T> {
  /** Create the TAP; a string is a one-line error.  `gone` is called if
   *  the host device dies on its own (deleted on the host). */
  open(name: string, mtu: number, input: (frame: Uint8Array) => void, gone: (reason: string) => void): T | string;
  /** One whole frame out to the host. */
  send(t: T, frame: Uint8Array): void;
  /** The interface's new MTU; a string is a one-line error. */
  mtu(t: T, mtu: number): string | null;
  /** Rename; a string is a one-line error. */
  rename(t: T, newname: string): string | null;
  close(t: T): void;
  /** Bring the named host device to the interface's state (address, MTU,
   *  up, a quiet IPv6 for scapy); resolves when done, with an error line or null. */
  configure(name: string, lladdr: Uint8Array, mtu: number): Promise<string | null>;
  /** Resolves once the named device exists (true) or is gone (false) on
   *  the host, or the wait gave up. */
  settle(name: string, exists: boolean): Promise<void>;
  /** Give the named host device an IPv6 address of the interface (add) or
   *  take it away, so that host programs route IPv6 to the interface's
   *  prefixes as they would on FreeBSD; an error line or null. */
  addr6?(name: string, addr: string, plen: number, add: boolean): Promise<string | null>;
}

/** One mirrored interface. */
class hostif<T> implements bpf_stream_reader {
  hi_tap: T | null = null;
  hi_d: bpf_d | null = null;
  /** The name the host device has now. */
  hi_name: string;
  hi_closed = false;
  /** Frames relayed each way, and host frames the interface refused. */
  hi_out = 0;
  hi_in = 0;
  hi_inerr = 0;
  constructor(
    readonly hi_ifp: ifnet,
    readonly hi_m: hostif_mirror<T>,
  ) {
    this.hi_name = hi_ifp.if_xname;
  }
  br_begin(): void {}
  br_read(_d: bpf_d, records: Uint8Array): void {
    const t = this.hi_tap;
    if (t === null || this.hi_closed) return;
    const dv = this.hi_m.dv(records);
    for (let off = 0; off + 16 <= records.length; ) {
      const caplen = dv.getUint32(off + 8, true);
      this.hi_m.ops.send(t, records.subarray(off + 16, off + 16 + caplen));
      this.hi_out++;
      off += 16 + caplen;
    }
  }
  br_detach(): void {
    // Destroyed, or gone into a jail: the host device goes too.
    this.hi_m.close(this);
  }
  /** A frame from the host: a write on the interface's bpf descriptor. */
  readonly input = (frame: Uint8Array): void => {
    const d = this.hi_d;
    if (d === null || this.hi_closed) return;
    const error = bpf_write(d, frame, 0, frame.length);
    if (error === 0) this.hi_in++;
    else this.hi_inerr++;
    // What it started (an epair delivery) runs now.
    sched_kick();
  };
}

export class hostif_mirror<T> {
  private readonly ifs = new Map<ifnet, hostif<T>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly on_attach = (ifp: ifnet): void => this.attach(ifp);
  private readonly on_arrival = (ifp: ifnet): void => this.renamed(ifp);
  private readonly on_lladdr = (ifp: ifnet): void => this.lladdr(ifp);
  private readonly on_ifaddr = (ifp: ifnet, ifa: ifaddr, event: number): void => this.ifaddr(ifp, ifa, event === IFADDR_EVENT_ADD);
  private dvbuf: ArrayBufferLike | null = null;
  private dvcache: DataView | null = null;
  private running = false;
  /** The MTU hook there was before start (the routing table's): one
   *  hook point, so the mirror calls it first. */
  private mtu_prev: ((ifp: ifnet) => void) | null = null;
  private readonly on_mtu = (ifp: ifnet): void => {
    this.mtu_prev?.(ifp);
    this.mtu(ifp);
  };
  /** The process the descriptors belong to (netstat -B names it, as it
   *  would name the host program holding them on FreeBSD). */
  private p: proc | null = null;
  constructor(
    readonly ops: hostif_tap_ops<T>,
    private readonly log: (s: string) => void,
  ) {}

  /** A DataView over a stream buffer, made once per buffer. */
  dv(b: Uint8Array): DataView {
    if (this.dvcache === null || this.dvbuf !== b.buffer || b.byteOffset !== 0) {
      this.dvbuf = b.buffer;
      this.dvcache = new DataView(b.buffer, b.byteOffset);
    }
    return this.dvcache;
  }

  /** Mirror what vnet0 has now, and follow it from now on. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.p = proc_create(cred0, HOSTIF_COMM);
    bpf_attach_event.push(this.on_attach);
    ifnet_arrival_event.push(this.on_arrival);
    iflladdr_event.push(this.on_lladdr);
    ifaddr_event_ext.push(this.on_ifaddr);
    this.mtu_prev = if_mtu_changed_hook;
    set_if_mtu_changed_hook(this.on_mtu);
    const saved = CURVNET_SET_QUIET(vnet0, "hostif_start");
    try {
      for (const ifp of V_ifnet().slice()) this.attach(ifp);
    } finally {
      CURVNET_RESTORE(saved);
    }
  }

  /** Close every host device and stop following. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const a of [bpf_attach_event, ifnet_arrival_event, iflladdr_event] as ((ifp: ifnet) => void)[][]) {
      for (const f of [this.on_attach, this.on_arrival, this.on_lladdr]) {
        const i = a.indexOf(f);
        if (i >= 0) a.splice(i, 1);
      }
    }
    const k = ifaddr_event_ext.indexOf(this.on_ifaddr);
    if (k >= 0) ifaddr_event_ext.splice(k, 1);
    if (if_mtu_changed_hook === this.on_mtu) set_if_mtu_changed_hook(this.mtu_prev);
    this.mtu_prev = null;
    for (const h of [...this.ifs.values()]) this.close(h);
    if (this.p !== null) proc_exit(this.p);
    this.p = null;
  }

  /** Resolves when the host has caught up with every change so far. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** The names mirrored now, with their relay counters (for tests). */
  list(): { name: string; out: number; in: number; inerr: number }[] {
    return [...this.ifs.values()].map((h) => ({ name: h.hi_name, out: h.hi_out, in: h.hi_in, inerr: h.hi_inerr }));
  }

  private track(p: Promise<void>): void {
    const q = p.catch((e: unknown) => this.log(`virtnet hostif: ${e instanceof Error ? e.message : String(e)}\n`)).finally(() => this.pending.delete(q));
    this.pending.add(q);
  }

  private attach(ifp: ifnet): void {
    if (!this.running || this.ifs.has(ifp)) return;
    if (VIMAGE && ifp.if_vnet !== vnet0) return;
    const bp = ifp.if_bpf as bpf_if | null;
    if (bp === null || bp.bif_dlt !== DLT_EN10MB) return;
    // tap(4) and vmnet have a Linux device of their own, of the same name.
    if (TUNTAP_DRIVERS.has(ifp.if_dname)) return;
    const h = new hostif<T>(ifp, this);
    // What a host program's bpf(4) setup asks for: every direction,
    // each packet at once, written frames keep their source address.
    const d = bpf_open_stream(ifp, h, { direction: BPF_D_INOUT, immediate: true, hdrcmplt: true, pid: this.p?.p_pid ?? 0 });
    if (d === null) return;
    const t = this.ops.open(ifp.if_xname, ifp.if_mtu, h.input, (reason) => {
      this.log(`virtnet hostif: ${h.hi_name}: ${reason}\n`);
      this.close(h);
    });
    if (typeof t === "string") {
      this.log(`virtnet hostif: ${ifp.if_xname}: ${t}\n`);
      h.hi_closed = true;
      bpf_close_capture(d);
      return;
    }
    h.hi_d = d;
    h.hi_tap = t;
    this.ifs.set(ifp, h);
    const name = h.hi_name;
    this.track(
      (async () => {
        await this.ops.settle(name, true);
        if (h.hi_closed) return;
        const e = await this.ops.configure(h.hi_name, lladdr_of(ifp), ifp.if_mtu);
        if (e !== null) this.log(`virtnet hostif: ${h.hi_name}: ${e}\n`);
        for (const ifa of ifp.if_addrhead.slice()) await this.addr6(h, ifa, true);
      })(),
    );
  }

  close(h: hostif<T>): void {
    if (h.hi_closed) return;
    h.hi_closed = true;
    this.ifs.delete(h.hi_ifp);
    const d = h.hi_d;
    h.hi_d = null;
    if (d !== null) bpf_close_capture(d);
    const t = h.hi_tap;
    h.hi_tap = null;
    if (t !== null) {
      this.ops.close(t);
      this.track(this.ops.settle(h.hi_name, false));
    }
  }

  private renamed(ifp: ifnet): void {
    const h = this.ifs.get(ifp);
    if (h === undefined || h.hi_tap === null || h.hi_name === ifp.if_xname) return;
    const old = h.hi_name;
    // The old name must be free on the host before anything takes it.
    const e = this.ops.rename(h.hi_tap, ifp.if_xname);
    if (e !== null) {
      this.log(`virtnet hostif: ${old} -> ${ifp.if_xname}: ${e}\n`);
      this.close(h);
      return;
    }
    h.hi_name = ifp.if_xname;
    this.track(this.ops.settle(old, false));
    this.track(this.ops.settle(h.hi_name, true));
  }

  private mtu(ifp: ifnet): void {
    const h = this.ifs.get(ifp);
    if (h === undefined || h.hi_tap === null) return;
    const e = this.ops.mtu(h.hi_tap, ifp.if_mtu);
    if (e !== null) this.log(`virtnet hostif: ${h.hi_name}: ${e}\n`);
  }

  private lladdr(ifp: ifnet): void {
    const h = this.ifs.get(ifp);
    if (h === undefined || h.hi_closed) return;
    this.track(
      (async () => {
        await this.ops.settle(h.hi_name, true);
        if (h.hi_closed) return;
        const e = await this.ops.configure(h.hi_name, lladdr_of(ifp), ifp.if_mtu);
        if (e !== null) this.log(`virtnet hostif: ${h.hi_name}: ${e}\n`);
        for (const ifa of ifp.if_addrhead.slice()) await this.addr6(h, ifa, true);
      })(),
    );
  }

  /** An address came or went on a mirrored interface: the host device
   *  follows for IPv6 (ifaddr_event_ext). */
  private ifaddr(ifp: ifnet, ifa: ifaddr, add: boolean): void {
    const h = this.ifs.get(ifp);
    if (h === undefined || h.hi_closed) return;
    this.track(
      (async () => {
        await this.ops.settle(h.hi_name, true);
        await this.addr6(h, ifa, add);
      })(),
    );
  }

  /**
   * A global (or site) IPv6 address of the interface on its host device,
   * without DAD: on FreeBSD a host program (scapy) routes by the
   * interface's own prefixes, and on Linux it reads them from the device.
   * Link-locals are the device's own already (the same MAC, the same
   * EUI-64), and IPv4 stays off the device (no ARP of Linux's own).
   */
  private async addr6(h: hostif<T>, ifa: ifaddr, add: boolean): Promise<void> {
    if (this.ops.addr6 === undefined || h.hi_closed || SA_FAMILY(ifa.ifa_addr) !== AF_INET6) return;
    const ia = ifa as in6_ifaddr;
    const b = ia.ia_addr.sin6_addr.s6_addr;
    if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return;
    if (b[0] === 0xff) return;
    let text = "";
    for (let i = 0; i < 16; i += 2) text += (i === 0 ? "" : ":") + ((b[i] << 8) | b[i + 1]).toString(16);
    const e = await this.ops.addr6(h.hi_name, text, ia.ia_plen, add);
    if (e !== null) this.log(`virtnet hostif: ${h.hi_name}: ${e}\n`);
  }
}

/** The mirror's process name, in netstat -B's Command column. */
export const HOSTIF_COMM = "hostif";

/** Drivers whose interfaces already have a Linux side (net/if_tuntap.ts). */
const TUNTAP_DRIVERS = new Set(["tap", "tun", "vmnet"]);

function lladdr_of(ifp: ifnet): Uint8Array {
  const ifa = ifp.if_addr;
  return ifa === null ? new Uint8Array(6) : (ifa.ifa_addr as sockaddr_dl).sdl_lladdr.slice(0, 6);
}

// ---------------------------------------------------------------------------
// The host side on Linux: TAPs through net/linux_tap.ts, their state set
// with iproute2, their coming and going seen in /sys/class/net.

/** Why the host side cannot be used here (null: it can). */
export function hostif_linux_usable(): string | null {
  if (process.platform !== "linux") return "Linux TAP devices are needed";
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "root is needed (TAP devices)";
  if (!fs.existsSync("/dev/net/tun")) return "/dev/net/tun not found";
  for (const tool of ["socat", "ip"]) if (host_tool(tool) === null) return `${tool} not found on PATH`;
  return null;
}

/** The relay to the TAPs runs over 127.0.0.1: the namespace's loopback
 *  must be up (a fresh `unshare -n` has it down).  null, or why not. */
export function hostif_lo_up(): string | null {
  const r = spawnSync("ip", ["link", "set", "lo", "up"], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
  return r.status === 0 ? null : `ip link set lo up: ${(r.stderr ?? "").trim()}`;
}

/** The path of an executable on PATH, or null. */
export function host_tool(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir === "") continue;
    const p = `${dir}/${name}`;
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

function mac_string(a: Uint8Array): string {
  let s = "";
  for (let i = 0; i < 6; i++) s += (i > 0 ? ":" : "") + (a[i] ?? 0).toString(16).padStart(2, "0");
  return s;
}

/** How long a host device may take to appear or go (socat starting or
 *  ending under load). */
const HOST_SETTLE_MS = 5000;

/** Resolves once the device NAME exists (or not), or after HOST_SETTLE_MS. */
export function host_dev_settle(name: string, exists: boolean): Promise<void> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const poll = () => {
      if (linux_ifnames().includes(name) === exists || performance.now() - t0 > HOST_SETTLE_MS) resolve();
      else setTimeout(poll, 2);
    };
    poll();
  });
}

/** Per-device IPv6 settings written before the device comes up: Linux's
 *  stack on the TAP keeps quiet (no router solicitations, no SLAAC, no
 *  DAD), and IFF_NOARP keeps it from joining solicited-node groups (so no
 *  MLD reports of its own) and from soliciting neighbours. */
export const HOST_DEV_IPV6_QUIET: [string, string][] = [
  ["accept_ra", "0"],
  ["autoconf", "0"],
  ["router_solicitations", "0"],
  ["accept_dad", "0"],
  ["dad_transmits", "0"],
  ["forwarding", "0"],
  // EUI-64 link-local from the TAP's address, the one FreeBSD's
  // auto_linklocal gives the interface of the same Ethernet address.
  ["addr_gen_mode", "0"],
  ["disable_ipv6", "0"],
];

/** IPv6 on, quiet, before the device comes up; then its address, MTU and
 *  up.  scapy needs IPv6 on the TAP: its IPv6 routing table (read from
 *  /proc/net/ipv6_route) lists a device only with an IPv6 address, and
 *  IPv6() picks its source and Ether() its destination from that table,
 *  as scapy on FreeBSD does from epair0a's link-local. */
export function host_dev_configure(name: string, lladdr: Uint8Array, mtu: number): Promise<string | null> {
  for (const [k, v] of HOST_DEV_IPV6_QUIET) {
    try {
      fs.writeFileSync(`/proc/sys/net/ipv6/conf/${name}/${k}`, v);
    } catch {
      /* no IPv6 on this host, or a knob this kernel lacks */
    }
  }
  return new Promise((resolve) => {
    execFile("ip", ["link", "set", "dev", name, "arp", "off", "address", mac_string(lladdr), "mtu", String(mtu), "up"], (err, _out, stderr) => {
      resolve(err === null ? null : `ip link set: ${String(stderr).trim() || err.message}`);
    });
  });
}

/** `ip -6 addr add|del ADDR/PLEN dev NAME` (nodad: the simulated interface
 *  did its own DAD).  Deleting what is already gone is not an error. */
export function host_dev_addr6(name: string, addr: string, plen: number, add: boolean): Promise<string | null> {
  const argv = ["-6", "addr", add ? "add" : "del", `${addr}/${plen}`, "dev", name, ...(add ? ["nodad"] : [])];
  return new Promise((resolve) => {
    execFile("ip", argv, (err, _out, stderr) => {
      const why = String(stderr).trim();
      if (err === null || (add && /File exists/.test(why)) || (!add && /Cannot assign|not found|No such/.test(why))) resolve(null);
      else resolve(`ip ${argv.join(" ")}: ${why || err.message}`);
    });
  });
}

/** The daemon's host side: a Linux TAP per mirrored interface, which does
 *  not hold the clock (see the top). */
export function hostif_linux_ops(): hostif_tap_ops<linux_tap> {
  return {
    open: (name, mtu, input, gone) => linux_tap_open(name, "tap", mtu, input, { gone, realtime: false }),
    send: (t, frame) => linux_tap_write(t, frame),
    mtu: (t, mtu) => linux_tap_mtu(t, mtu),
    rename: (t, newname) => linux_tap_rename(t, newname),
    close: (t) => linux_tap_close(t),
    configure: host_dev_configure,
    settle: host_dev_settle,
    addr6: host_dev_addr6,
  };
}
