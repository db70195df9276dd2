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
// no DAD, MLD, router or neighbour solicitations of Linux's own.  The
// interface's global IPv6 addresses go on too (host_dev_addr6); these and
// the link-local Linux makes when the TAP comes up (the interface's own, by
// the same EUI-64) go without their `local` entries in Linux's local
// table, as IPv4's do below, so Linux answers nothing sent to them.
//
// IPv4: scapy routes by Linux's main table (/proc/net/route, each route's
// source from its device's address), where on FreeBSD it routes by the
// host's.  So the mirror reflects vnet0's IPv4 view onto the TAPs: each
// mirrored interface's IPv4 addresses go on its TAP (ifaddr_event_ext),
// and each route of vnet0's FIB 0 whose next hop leaves by a mirrored
// interface goes into Linux's main table by that TAP (a rib subscription;
// a gateway `onlink`, a multipath route by its first mirrored path; the
// interface routes of the addresses Linux makes itself).  What the mirror
// added, and only that, it takes away again when vnet0 does; the TAP's
// going takes its share with it.  Linux's own IPv4 stack stays quiet:
// the TAP is NOARP (no ARP requests, no answers, no gratuitous ARP),
// forwarding and redirects off, and each mirrored address loses its
// `local` (and subnet `broadcast`) entry in Linux's local table, so a
// frame a jail sends to vnet0's address is not Linux's to answer: it is
// not local, Linux does not forward, and with forwarding off it sends no
// ICMP error (no TCP RST, no port unreachable, no echo reply).  The
// address still gives scapy its source and Linux's routes their `src`.
// Only FIB 0 (Linux's main table) is mirrored.
//
// The clock: the mirror does not hold it to real time.  The daemon keeps
// real time's pace whenever no simulated command runs in the foreground
// (sbin/virtnet_kernel.ts, pacing the clock), which is when a script runs a
// host program such as scapy; a foreground `ping -c 3` still takes no real
// seconds.

import { BPF_D_INOUT, DLT_EN10MB, bpf_attach_event, bpf_close_capture, bpf_open_stream, bpf_write, type bpf_d, type bpf_if, type bpf_stream_reader } from "./bpf.ts";
import { IFADDR_EVENT_ADD, ifaddr_event_ext, ifnet_arrival_event, iflladdr_event, if_mtu_changed_hook, set_if_mtu_changed_hook, V_ifnet, type ifaddr, type ifnet } from "./if.ts";
import { AF_INET, AF_INET6, SA_FAMILY } from "../kern/socket.ts";
import type { in6_ifaddr } from "../netinet6/in6_var.ts";
import type { in_ifaddr } from "../netinet/in.ts";
import { rib_walktree } from "./radix.ts";
import { RIB_NOTIFY_IMMEDIATE, rib_subscribe_internal, rib_unsubscribe, type rib_subscription } from "./route/route_ctl.ts";
import { rt_tables_get_rnh } from "./route/route_tables.ts";
import { NHF_BLACKHOLE, NHF_GATEWAY, NHF_REJECT, NH_IS_NHGRP, type nhop_object } from "./route/nhop.ts";
import { nhgrp_get_nhops } from "./route/nhgrp_ctl.ts";
import { rt_get_inet_prefix_plen } from "./route/route_rtentry.ts";
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
  /** Give the named host device an IPv4 address of the interface (add) or
   *  take it away, Linux's stack kept from answering for it (see the
   *  top); an error line or null. */
  addr4?(name: string, a: hostif_inet4_addr, add: boolean): Promise<string | null>;
  /** Put a route of vnet0's into the host's main table by the named
   *  device (add), or take it out; an error line or null. */
  route4?(name: string, r: hostif_inet4_route, add: boolean): Promise<string | null>;
}

/** An IPv4 address of a mirrored interface, as dotted text. */
export interface hostif_inet4_addr {
  addr: string;
  plen: number;
  /** The subnet broadcast address, or "" (a /31 or /32). */
  brd: string;
}

/** A route of vnet0's by a mirrored interface: gw "" for a direct one. */
export interface hostif_inet4_route {
  dst: string;
  plen: number;
  gw: string;
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
  /** The host device is configured: IPv4 may go on it. */
  hi_ready = false;
  /** The IPv4 addresses the mirror put on the host device, by "a/plen". */
  hi_inet4 = new Map<string, hostif_inet4_addr>();
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
  /** vnet0's IPv4 table of FIB 0, heard from while running. */
  private rib_sub: rib_subscription | null = null;
  private readonly on_rib = (): void => this.want_sync4();
  /** The routes the mirror put in the host's table, by "dst/plen". */
  private readonly routes4 = new Map<string, { h: hostif<T>; r: hostif_inet4_route }>();
  private sync4_wanted = false;
  private sync4_running = false;
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
      const rnh = rt_tables_get_rnh(0, AF_INET);
      if (rnh !== null) this.rib_sub = rib_subscribe_internal(rnh, this.on_rib, null, RIB_NOTIFY_IMMEDIATE, false);
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
    if (this.rib_sub !== null) rib_unsubscribe(this.rib_sub);
    this.rib_sub = null;
    // The TAPs' going takes their addresses and routes with them.
    for (const h of [...this.ifs.values()]) this.close(h);
    this.routes4.clear();
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
        this.configured(h);
      })(),
    );
  }

  /** The host device is as the interface is: its IPv4 follows.  What an
   *  earlier configure left is put on again (Linux may have restored the
   *  local entries the mirror takes away). */
  private configured(h: hostif<T>): void {
    if (h.hi_closed) return;
    h.hi_ready = true;
    h.hi_inet4.clear();
    this.want_sync4();
  }

  close(h: hostif<T>): void {
    if (h.hi_closed) return;
    h.hi_closed = true;
    h.hi_ready = false;
    this.ifs.delete(h.hi_ifp);
    // The host device's addresses and routes go with it.
    h.hi_inet4.clear();
    for (const [k, v] of [...this.routes4]) if (v.h === h) this.routes4.delete(k);
    this.want_sync4();
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
        this.configured(h);
      })(),
    );
  }

  /** An address came or went on a mirrored interface: the host device
   *  follows (ifaddr_event_ext), IPv6 at once, IPv4 with its routes. */
  private ifaddr(ifp: ifnet, ifa: ifaddr, add: boolean): void {
    const h = this.ifs.get(ifp);
    if (h === undefined || h.hi_closed) return;
    if (SA_FAMILY(ifa.ifa_addr) === AF_INET) {
      this.want_sync4();
      return;
    }
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
   * EUI-64); IPv4 goes on by sync4.
   */
  /** vnet0's IPv4 addresses or routes changed: the host follows, once
   *  the changes so far are in (one pass at a time; settle waits). */
  private want_sync4(): void {
    if (!this.running || this.ops.addr4 === undefined) return;
    this.sync4_wanted = true;
    if (this.sync4_running) return;
    this.sync4_running = true;
    this.track(
      (async () => {
        try {
          // Not in the middle of the change that asked: the kernel
          // finishes it first (an address's prefix route goes after the
          // address's event).
          await new Promise<void>((r) => setImmediate(r));
          while (this.sync4_wanted && this.running) {
            this.sync4_wanted = false;
            await this.sync4();
          }
        } finally {
          this.sync4_running = false;
        }
      })(),
    );
  }

  /** What vnet0 has now, as the host should see it: the addresses of each
   *  mirrored interface whose host device is ready, and the routes by
   *  them. */
  private inet4_wanted(): { addrs: Map<hostif<T>, Map<string, hostif_inet4_addr>>; routes: Map<string, { h: hostif<T>; r: hostif_inet4_route }> } {
    const addrs = new Map<hostif<T>, Map<string, hostif_inet4_addr>>();
    const routes = new Map<string, { h: hostif<T>; r: hostif_inet4_route }>();
    const saved = CURVNET_SET_QUIET(vnet0, "hostif_sync4");
    try {
      // Each interface's prefixes: their interface routes are Linux's own.
      const prefixes = new Set<string>();
      for (const h of this.ifs.values()) {
        if (!h.hi_ready || h.hi_closed) continue;
        const m = new Map<string, hostif_inet4_addr>();
        for (const ifa of h.hi_ifp.if_addrhead) {
          if (SA_FAMILY(ifa.ifa_addr) !== AF_INET) continue;
          const ia = ifa as in_ifaddr;
          const a = ia.ia_addr.sin_addr >>> 0;
          const mask = ia.ia_subnetmask >>> 0;
          const plen = mask_plen(mask);
          const brd = plen <= 30 ? inet4_text((a | ~mask) >>> 0) : "";
          m.set(`${inet4_text(a)}/${plen}`, { addr: inet4_text(a), plen, brd });
          prefixes.add(`${h.hi_name} ${inet4_text((a & mask) >>> 0)}/${plen}`);
        }
        addrs.set(h, m);
      }
      const rnh = rt_tables_get_rnh(0, AF_INET);
      if (rnh !== null) {
        rib_walktree(rnh, (rt) => {
          const raw = rt.rt_nhop;
          let nh: nhop_object | null = null;
          let h: hostif<T> | undefined;
          // A multipath route: its first path by a mirrored interface.
          for (const p of NH_IS_NHGRP(raw) ? nhgrp_get_nhops(raw).map((w) => w.nh) : [raw]) {
            h = this.ifs.get(p.nh_ifp);
            if (h !== undefined && h.hi_ready && !h.hi_closed) {
              nh = p;
              break;
            }
          }
          if (nh === null || h === undefined) return 0;
          if ((nh.nh_flags & (NHF_REJECT | NHF_BLACKHOLE)) !== 0) return 0;
          const { addr, plen } = rt_get_inet_prefix_plen(rt);
          const dst = inet4_text(addr >>> 0);
          const gw = (nh.nh_flags & NHF_GATEWAY) !== 0 ? inet4_text(nh.gw4_sa.sin_addr >>> 0) : "";
          if (gw === "" && prefixes.has(`${h.hi_name} ${dst}/${plen}`)) return 0;
          routes.set(`${dst}/${plen}`, { h, r: { dst, plen, gw } });
          return 0;
        });
      }
    } finally {
      CURVNET_RESTORE(saved);
    }
    return { addrs, routes };
  }

  /** One pass: take off what vnet0 no longer has, then put on what it
   *  has and the host lacks (addresses before the routes that use them). */
  private async sync4(): Promise<void> {
    const addr4 = this.ops.addr4;
    const route4 = this.ops.route4;
    if (addr4 === undefined) return;
    const want = this.inet4_wanted();
    const say = (h: hostif<T>, e: string | null) => {
      if (e !== null) this.log(`virtnet hostif: ${h.hi_name}: ${e}\n`);
    };
    for (const [k, v] of [...this.routes4]) {
      const w = want.routes.get(k);
      if (w !== undefined && w.h === v.h && w.r.gw === v.r.gw) continue;
      this.routes4.delete(k);
      if (route4 !== undefined && !v.h.hi_closed) say(v.h, await route4(v.h.hi_name, v.r, false));
    }
    for (const h of [...this.ifs.values()]) {
      const w = want.addrs.get(h) ?? new Map<string, hostif_inet4_addr>();
      for (const [k, a] of [...h.hi_inet4]) {
        if (w.has(k) || h.hi_closed) continue;
        h.hi_inet4.delete(k);
        say(h, await addr4(h.hi_name, a, false));
      }
      for (const [k, a] of w) {
        if (h.hi_inet4.has(k) || h.hi_closed || !h.hi_ready) continue;
        h.hi_inet4.set(k, a);
        say(h, await addr4(h.hi_name, a, true));
      }
    }
    if (route4 === undefined) return;
    for (const [k, w] of want.routes) {
      if (this.routes4.has(k) || w.h.hi_closed || !w.h.hi_ready) continue;
      this.routes4.set(k, w);
      say(w.h, await route4(w.h.hi_name, w.r, true));
    }
  }

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

/** Dotted text of a host-order IPv4 address. */
export function inet4_text(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** The prefix length of a contiguous host-order mask. */
function mask_plen(m: number): number {
  let n = 0;
  for (let b = 31; b >= 0 && ((m >>> b) & 1) === 1; b--) n++;
  return n;
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

/** Per-device IPv4 settings written before the device comes up, with
 *  NOARP: Linux never answers or announces an address by ARP, forwards
 *  nothing, and sends or takes no redirects. */
export const HOST_DEV_IPV4_QUIET: [string, string][] = [
  ["arp_ignore", "8"],
  ["arp_announce", "2"],
  ["arp_notify", "0"],
  ["forwarding", "0"],
  ["send_redirects", "0"],
  ["accept_redirects", "0"],
  ["accept_source_route", "0"],
];

/** IPv6 on, quiet, before the device comes up; then its address, MTU and
 *  up.  scapy needs IPv6 on the TAP: its IPv6 routing table (read from
 *  /proc/net/ipv6_route) lists a device only with an IPv6 address, and
 *  IPv6() picks its source and Ether() its destination from that table,
 *  as scapy on FreeBSD does from epair0a's link-local. */
export async function host_dev_configure(name: string, lladdr: Uint8Array, mtu: number): Promise<string | null> {
  for (const [k, v] of HOST_DEV_IPV6_QUIET) {
    try {
      fs.writeFileSync(`/proc/sys/net/ipv6/conf/${name}/${k}`, v);
    } catch {
      /* no IPv6 on this host, or a knob this kernel lacks */
    }
  }
  for (const [k, v] of HOST_DEV_IPV4_QUIET) {
    try {
      fs.writeFileSync(`/proc/sys/net/ipv4/conf/${name}/${k}`, v);
    } catch {
      /* a knob this kernel lacks */
    }
  }
  const e = await ip_run(["link", "set", "dev", name, "arp", "off", "address", mac_string(lladdr), "mtu", String(mtu), "up"], null);
  if (e !== null) return e;
  // The link-local Linux makes from the address (the interface's own, by
  // the same EUI-64) loses its local entry too, as a global does.
  return host_dev_unlocal6(name, eui64_linklocal(lladdr));
}

/** fe80:: with the EUI-64 interface identifier of an Ethernet address. */
function eui64_linklocal(m: Uint8Array): string {
  const h = (a: number, b: number) => (((a << 8) | b) >>> 0).toString(16);
  return `fe80::${h((m[0] ?? 0) ^ 2, m[1] ?? 0)}:${h(m[2] ?? 0, 0xff)}:${h(0xfe, m[3] ?? 0)}:${h(m[4] ?? 0, m[5] ?? 0)}`;
}

/** An IPv6 address's `local` entry out of Linux's local table: Linux's
 *  stack would otherwise answer a jail's SYN or datagram to it with a RST
 *  or a port unreachable of its own.  Linux puts the entry in a moment
 *  after the address (once its no-DAD work has run), so wait for it. */
async function host_dev_unlocal6(name: string, addr: string): Promise<string | null> {
  const t0 = performance.now();
  for (;;) {
    const l = await ip_run(["-6", "route", "del", "table", "local", "local", addr, "dev", name], null);
    if (l === null) return null;
    if (!/No such process/.test(l) || performance.now() - t0 > HOST_SETTLE_MS) return l;
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** `ip -6 addr add|del ADDR/PLEN dev NAME` (nodad: the simulated interface
 *  did its own DAD).  Deleting what is already gone is not an error. */
export async function host_dev_addr6(name: string, addr: string, plen: number, add: boolean): Promise<string | null> {
  const argv = ["-6", "addr", add ? "add" : "del", `${addr}/${plen}`, "dev", name, ...(add ? ["nodad"] : [])];
  const e = await ip_run(argv, add ? /File exists/ : /Cannot assign|not found|No such/);
  if (e !== null || !add) return e;
  return host_dev_unlocal6(name, addr);
}

/** `ip ARGV`: null, or stderr's line; `ok` names the answers that mean
 *  there was nothing to do. */
function ip_run(argv: string[], ok: RegExp | null): Promise<string | null> {
  return new Promise((resolve) => {
    execFile("ip", argv, (err, _out, stderr) => {
      const why = String(stderr).trim();
      if (err === null || (ok !== null && ok.test(why))) resolve(null);
      else resolve(`ip ${argv.join(" ")}: ${why || err.message}`);
    });
  });
}

/**
 * An IPv4 address of the interface on its host device, or off it.  On:
 * the address with its broadcast address, then its `local` entry (and the
 * subnet's `broadcast` entry) out of Linux's local table, so that Linux's
 * stack takes nothing sent to it as its own (see the top of this file).
 * Deleting what is already gone is not an error.
 */
export async function host_dev_addr4(name: string, a: hostif_inet4_addr, add: boolean): Promise<string | null> {
  const gone = /Cannot assign|not found|No such|Cannot find device/;
  if (!add) return ip_run(["-4", "addr", "del", `${a.addr}/${a.plen}`, "dev", name], gone);
  const e = await ip_run(["-4", "addr", "add", `${a.addr}/${a.plen}`, ...(a.brd !== "" ? ["broadcast", a.brd] : []), "dev", name], /File exists/);
  if (e !== null) return e;
  const l = await ip_run(["-4", "route", "del", "table", "local", "local", a.addr, "dev", name], gone);
  if (l !== null) return l;
  return a.brd === "" ? null : ip_run(["-4", "route", "del", "table", "local", "broadcast", a.brd, "dev", name], gone);
}

/** A route of vnet0's into Linux's main table by the device (a gateway
 *  `onlink`, as vnet0 has it whatever the device's prefixes), or out.
 *  Added, never replaced: a route of the host's own for the same prefix
 *  (the mirror run outside a namespace of its own) stays, and the clash
 *  is one line in the log. */
export function host_dev_route4(name: string, r: hostif_inet4_route, add: boolean): Promise<string | null> {
  const via = r.gw !== "" ? ["via", r.gw, ...(add ? ["onlink"] : [])] : [];
  if (add) return ip_run(["-4", "route", "add", `${r.dst}/${r.plen}`, ...via, "dev", name, "proto", "static"], null);
  return ip_run(["-4", "route", "del", `${r.dst}/${r.plen}`, ...via, "dev", name], /No such process|Cannot find device|not found/);
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
    addr4: host_dev_addr4,
    route4: host_dev_route4,
  };
}
