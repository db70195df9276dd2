// Helpers for the cross-part scenarios (scenarios.test.ts, pcap.test.ts):
// a fresh kernel with three extra userland programs, and the scripts of
// the scenarios.  The programs reach the kernel only through system calls,
// as sbin/ does:
//   snap LABEL              records the caller's vnet's ipstat, icmpstat,
//                           udpstat and arpstat (sysctl net.inet.*.stats,
//                           net.link.ether.arp.stats), its interfaces, routes
//                           and ARP entries under LABEL;
//   udprecv PORT            binds a UDP socket and waits (virtual time) for
//                           one datagram, checks its bytes, prints a line;
//   udpsend [-c] HOST PORT SIZE
//                           sends one datagram of SIZE pattern bytes; with
//                           -c on a connected socket, then waits for the
//                           asynchronous error (ECONNREFUSED) and prints it.
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import type { prog_ctx } from "../../sbin/libc.ts";
import type { proc } from "../../kern/uipc_syscalls.ts";
import type { rt_dump_entry } from "../../net/route.ts";

/** What `snap` records: the counters, and the tables userland reads
 *  (ifconfig's interface list, netstat -rn's routes, arp -a's entries). */
export interface stats {
  ip: number[];
  icmp: number[];
  udp: number[];
  arp: number[];
  ifs: snap_if[];
  routes: rt_dump_entry[];
  arptab: arp_entry[];
}

/** An ARP entry as arp -a shows it, read from the vnet's lltables. */
export interface arp_entry {
  addr: number;
  lladdr: Uint8Array | null;
  ifname: string;
  /** Seconds left, or null for a permanent entry. */
  expire_in: number | null;
}

export interface scen {
  k: Kernel;
  snaps: Map<string, stats>;
  out: string;
  err: string;
}

/** An interface as the test sees it in the kernel: what the checks read. */
export interface snap_if {
  name: string;
  flags: number;
  lladdr: Uint8Array;
  counters: number[];
  addrs: { family: number; addr: number; netmask: number; broadaddr: number | null }[];
}

const MIBS = { ip: "net.inet.ip.stats", icmp: "net.inet.icmp.stats", udp: "net.inet.udp.stats", arp: "net.link.ether.arp.stats" } as const;

/** The byte at offset i of a test datagram. */
export function pattern(i: number): number {
  return (i * 7 + 3) & 0xff;
}

/** A fresh VIMAGE kernel (not booted: virtnet_run_script boots it) with
 *  the test programs installed. */
export async function scen_kernel(): Promise<scen> {
  const k = await loadKernelUnbooted("vimage");
  const s: scen = { k, snaps: new Map(), out: "", err: "" };
  k.programs.set("snap", async (ctx: prog_ctx) => {
    const label = ctx.argv[1] ?? "";
    const one = (mib: string): number[] => {
      const r = k.kernel_sysctlbyname(ctx.p.p_ucred, mib);
      if (r.error !== 0 || !Array.isArray(r.value)) throw new Error(`sysctl ${mib}: ${r.error}`);
      return (r.value as number[]).slice();
    };
    const p = ctx.p as proc;
    // The table in the radix walk's order, as NET_RT_DUMP lists it, and
    // the interfaces in index order, read from the jail's vnet.
    const saved = k.CURVNET_SET(k.CRED_TO_VNET(p.p_ucred), "test");
    let rt: ReturnType<typeof k.rt_dump>;
    const ifs: snap_if[] = [];
    const arptab: arp_entry[] = [];
    try {
      rt = k.rt_dump(0);
      const now = k.time_uptime();
      for (const e of k.lltable_sysctl_dumparp(k.AF_INET)) {
        arptab.push({ addr: e.addr, lladdr: e.lladdr, ifname: e.ifname, expire_in: e.expire === 0 ? null : e.expire - now });
      }
      for (const ifp of k.V_ifnet().slice().sort((x, y) => x.if_index - y.if_index)) {
        const sdl = ifp.if_addr?.ifa_addr;
        const addrs: snap_if["addrs"] = [];
        for (const ifa of ifp.if_addrhead) {
          const a = ifa.ifa_addr;
          if (!("sin_addr" in a)) continue;
          const nm = ifa.ifa_netmask;
          const ba = ifa.ifa_dstaddr;
          addrs.push({ family: k.AF_INET, addr: a.sin_addr, netmask: nm !== null && "sin_addr" in nm ? nm.sin_addr : 0, broadaddr: ba !== null && "sin_addr" in ba ? ba.sin_addr : null });
        }
        ifs.push({
          name: ifp.if_xname,
          flags: ifp.if_flags | ifp.if_drv_flags,
          lladdr: sdl !== undefined && "sdl_lladdr" in sdl ? sdl.sdl_lladdr.slice() : new Uint8Array(0),
          counters: Array.from(ifp.if_counters),
          addrs,
        });
      }
    } finally {
      k.CURVNET_RESTORE(saved);
    }
    if (rt.error !== 0) throw new Error(`rtdump: ${rt.error}`);
    rt.entries.sort((a, b) => (a.rt_dst >>> 0) - (b.rt_dst >>> 0) || (b.rt_mask >>> 0) - (a.rt_mask >>> 0));
    s.snaps.set(label, {
      ip: one(MIBS.ip),
      icmp: one(MIBS.icmp),
      udp: one(MIBS.udp),
      arp: one(MIBS.arp),
      ifs,
      routes: rt.entries,
      arptab,
    });
    return 0;
  });
  k.programs.set("udprecv", async (ctx: prog_ctx) => {
    const p = ctx.p as proc;
    const port = Number(ctx.argv[1]);
    const so = k.sys_socket(p, k.AF_INET, k.SOCK_DGRAM, 0);
    if (so.error !== 0) return 71;
    try {
      const e = k.sys_bind(p, so.fd, new k.sockaddr_in(k.INADDR_ANY, port));
      if (e !== 0) {
        ctx.stderr.write(`udprecv: bind: ${k.strerror(e)}\n`);
        return 1;
      }
      if (!(await k.sys_wait_readable(p, so.fd, 10e9))) {
        ctx.stdout.write("udprecv: timeout\n");
        return 1;
      }
      const r = k.sys_recvfrom(p, so.fd, 65535, 0);
      if (r.error !== 0 || r.data === null || r.from === null) {
        ctx.stdout.write(`udprecv: ${k.strerror(r.error)}\n`);
        return 1;
      }
      let ok = true;
      for (let i = 0; i < r.data.length; i++) if (r.data[i] !== pattern(i)) ok = false;
      ctx.stdout.write(`udprecv: ${r.data.length} bytes from ${k.inet_ntoa(k.satosin(r.from)?.sin_addr ?? 0)}: ${ok ? "intact" : "corrupt"}\n`);
      return ok ? 0 : 1;
    } finally {
      k.sys_close(p, so.fd);
    }
  });
  k.programs.set("udpsend", async (ctx: prog_ctx) => {
    const p = ctx.p as proc;
    let i = 1;
    const connect = ctx.argv[i] === "-c";
    if (connect) i++;
    const dst = k.inet_aton(ctx.argv[i] ?? "");
    const port = Number(ctx.argv[i + 1]);
    const size = Number(ctx.argv[i + 2]);
    if (dst === null) return 64;
    const so = k.sys_socket(p, k.AF_INET, k.SOCK_DGRAM, 0);
    if (so.error !== 0) return 71;
    try {
      // Let a receiver started in the background bind first.
      await k.pause_ns(100e6);
      const to = new k.sockaddr_in(dst, port);
      if (connect) {
        const e = k.sys_connect(p, so.fd, to);
        if (e !== 0) {
          ctx.stderr.write(`udpsend: connect: ${k.strerror(e)}\n`);
          return 1;
        }
      }
      const buf = new Uint8Array(size);
      for (let j = 0; j < size; j++) buf[j] = pattern(j);
      const r = k.sys_sendto(p, so.fd, buf, 0, connect ? null : to);
      if (r.error !== 0) {
        ctx.stdout.write(`udpsend: sendto: ${k.strerror(r.error)}\n`);
        return 1;
      }
      ctx.stdout.write(`udpsend: sent ${r.len} bytes\n`);
      if (!connect) return 0;
      // A connected UDP socket learns of the port unreachable from the
      // ICMP error (udp_ctlinput -> so_error).
      await k.sys_wait_readable(p, so.fd, 2e9);
      const rr = k.sys_recvfrom(p, so.fd, 65535, 0);
      ctx.stdout.write(`udpsend: recv: ${rr.error === 0 ? "data" : k.strerror(rr.error)}\n`);
      return rr.error === k.ECONNREFUSED ? 0 : 1;
    } finally {
      k.sys_close(p, so.fd);
    }
  });
  return s;
}

/** Run a script on the scenario's kernel (boots it); returns its status. */
export async function run_script(s: scen, script: string, seed = 1, pcapdir: string | null = null): Promise<number> {
  return s.k.virtnet_run_script(script, {
    seed,
    pcapdir,
    name: "scenario",
    stdout: { write: (d: string) => void (s.out += d) },
    stderr: { write: (d: string) => void (s.err += d) },
    cwd: process.cwd(),
  });
}

/** The nonzero fields of a counter array, by name. */
export function nonzero(names: readonly string[], v: number[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) o[names[i]] = v[i];
  return o;
}

/** The nonzero differences b - a, by name. */
export function delta(names: readonly string[], a: number[], b: number[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < a.length; i++) if (b[i] !== a[i]) o[names[i]] = b[i] - a[i];
  return o;
}

/** Scenario 1: two vnet jails joined by an epair, ICMP echo both ways. */
export const SCRIPT_PAIR = `
jail -c name=a persist vnet
jail -c name=b persist vnet
ifconfig epair create
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
jexec a ping -c 3 10.0.0.2; echo "status $?"
jexec b ping -c 3 10.0.0.1; echo "status $?"
jexec a snap a
jexec b snap b
snap host
jail -r a
jail -r b
`;

/**
 * Scenario 2: host A - router R - host B.
 *   A epair0a 10.0.1.1/24 --- 10.0.1.254/24 epair0b R epair1a 10.0.2.254/24 --- 10.0.2.1/24 epair1b B
 * Each step is marked in the output ("== step") and followed by snapshots
 * of the three jails, named "<jail>.<step>".
 */
export const CHAIN_STEPS = ["fast", "opt", "ttl", "noroute", "closed", "frag", "off"] as const;
export const SCRIPT_CHAIN = `
jail -c name=a persist vnet
jail -c name=r persist vnet
jail -c name=b persist vnet
ifconfig epair create
ifconfig epair create
ifconfig epair0a vnet a
ifconfig epair0b vnet r
ifconfig epair1a vnet r
ifconfig epair1b vnet b
jexec a ifconfig epair0a 10.0.1.1/24 up
jexec r ifconfig epair0b 10.0.1.254/24 up
jexec r ifconfig epair1a 10.0.2.254/24 up
jexec b ifconfig epair1b 10.0.2.1/24 up
jexec a route add default 10.0.1.254
jexec b route add default 10.0.2.254
jexec r sysctl net.inet.ip.forwarding=1
snaps() { for j in a r b; do jexec $j snap $j.$1; done; }
snaps setup
echo "== fast"
jexec a ping -c 3 10.0.2.1; echo "status $?"
snaps fast
echo "== opt"
jexec a ping -R -c 1 10.0.2.1; echo "status $?"
snaps opt
echo "== ttl"
jexec a ping -m 1 -c 1 10.0.2.1; echo "status $?"
snaps ttl
echo "== noroute"
jexec a ping -c 1 10.0.3.1; echo "status $?"
snaps noroute
echo "== closed"
jexec a udpsend -c 10.0.2.1 7777 32; echo "status $?"
snaps closed
echo "== frag"
jexec b udprecv 9999 &
jexec a udpsend 10.0.2.1 9999 3000; echo "status $?"
wait
snaps frag
echo "== off"
jexec r sysctl net.inet.ip.forwarding=0
jexec a ping -c 1 10.0.2.1; echo "status $?"
snaps off
jail -r a
jail -r r
jail -r b
`;

/** The output of one step of SCRIPT_CHAIN. */
export function chain_section(out: string, step: string): string {
  const i = out.indexOf(`== ${step}\n`);
  if (i < 0) return "";
  const j = out.indexOf("\n== ", i + 1);
  return out.slice(i, j < 0 ? out.length : j + 1);
}
