// Helpers for the ICMPv6 and MLD tests: a host with Ethernet-like
// interfaces whose output is recorded (the IPv6 packets ip6_output hands to
// the link layer), packets built by hand with their ICMPv6 checksums, and
// the icmp6stat / per-interface counters by name.
import { loadKernel, type BuildName, type Kernel } from "../helpers/builds.ts";
import type { ifnet } from "../../net/if.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import type { in6_addr } from "../../netinet6/in6.ts";
import { add6, up } from "./in6_helpers.ts";

export type { ifnet, mbuf };

/** Bytes of an IPv6 address from text. */
export function a6b(k: Kernel, s: string): Uint8Array {
  const a = k.inet_pton6(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a.s6_addr.slice();
}

export function ntop(k: Kernel, b: Uint8Array): string {
  const a = new k.in6_addr();
  a.s6_addr.set(b.subarray(0, 16));
  return k.ip6_sprintf(a);
}

/** The 16-bit one's complement sum (as a checksum folds it). */
function sum16(b: Uint8Array, start: number, end: number, acc = 0): number {
  let s = acc;
  let i = start;
  for (; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < end) s += b[i] << 8;
  return s;
}
function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** The ICMPv6 checksum of msg between src and dst (RFC 8200 8.1). */
export function icmp6_cksum(src: Uint8Array, dst: Uint8Array, msg: Uint8Array, nxt = 58): number {
  let s = sum16(src, 0, 16);
  s = sum16(dst, 0, 16, s);
  s += msg.length >>> 16;
  s += msg.length & 0xffff;
  s += nxt;
  s = sum16(msg, 0, msg.length, s);
  return ~fold(s) & 0xffff;
}

/** An ICMPv6 message with its checksum filled in. */
export function icmp6msg(src: Uint8Array, dst: Uint8Array, type: number, code: number, rest: Uint8Array): Uint8Array {
  const m = new Uint8Array(4 + rest.length);
  m[0] = type;
  m[1] = code;
  m.set(rest, 4);
  const c = icmp6_cksum(src, dst, m);
  m[2] = c >> 8;
  m[3] = c & 0xff;
  return m;
}

export interface ip6_opts {
  src: Uint8Array;
  dst: Uint8Array;
  nxt?: number;
  hlim?: number;
  /** Extension headers between the IPv6 header and the payload (their first byte's next header set by the caller). */
  ext?: Uint8Array;
}

/** An IPv6 packet. */
export function ip6pkt(o: ip6_opts, payload: Uint8Array): Uint8Array {
  const ext = o.ext ?? new Uint8Array(0);
  const b = new Uint8Array(40 + ext.length + payload.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x60000000);
  dv.setUint16(4, ext.length + payload.length);
  b[6] = o.nxt ?? 58;
  b[7] = o.hlim ?? 64;
  b.set(o.src, 8);
  b.set(o.dst, 24);
  b.set(ext, 40);
  b.set(payload, 40 + ext.length);
  return b;
}

export function payload(n: number, seed = 1): Uint8Array {
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) p[i] = (i * 7 + seed) & 0xff;
  return p;
}

export interface sent6 {
  ifp: string;
  /** The next hop ip6_output handed to the link layer. */
  dst: string;
  m_flags: number;
  bytes: Uint8Array;
}

export interface icmp6_env {
  k: Kernel;
  sent: sent6[];
  /** An Ethernet-like interface, up, with the address (no DAD) and its output recorded. */
  mkif(name: string, addr: string | null, plen?: number, mtu?: number): ifnet;
  input(ifp: ifnet, bytes: Uint8Array, m_flags?: number): void;
  sysctl(name: string, v?: number): number | null;
  stat(field: number): number;
  icmp6stat(): number[];
  ifstat(ifp: ifnet): Float64Array;
  run<R>(fn: () => R): R;
  /** Advance the virtual clock by ms, firing what falls due. */
  advance(ms: number): void;
  addr(s: string): Uint8Array;
}

let mac_seq = 1;

export async function icmp6_setup(build: BuildName): Promise<icmp6_env> {
  const k = await loadKernel(build);
  const sent: sent6[] = [];
  const run = <R>(fn: () => R): R => k.vnet_run(k.vnet0, "test", fn);
  const sysctl = (name: string, v?: number) => {
    const r = k.kernel_sysctlbyname(k.cred0, name, v ?? null);
    if (r.error !== 0) throw new Error(`sysctl ${name}: ${r.error}`);
    return typeof r.value === "number" ? r.value : null;
  };
  // No duplicate address detection: addresses are usable at once.
  run(() => sysctl("net.inet6.ip6.dad_count", 0));
  const mkif = (name: string, addr: string | null, plen = 64, mtu = 1500): ifnet =>
    run(() => {
      const ifp = k.if_alloc(k.IFT_ETHER);
      const unit = Number(name.replace(/^\D+/, ""));
      k.if_initname(ifp, name.replace(/\d+$/, ""), unit);
      const mac = Uint8Array.from([0x02, 0, 0, 0, 0x10, mac_seq++ & 0xff]);
      // Multicast-capable before attach: MLD marks a link silent otherwise.
      ifp.if_flags |= k.IFF_BROADCAST | k.IFF_SIMPLEX | k.IFF_MULTICAST;
      k.ether_ifattach(ifp, mac);
      ifp.if_mtu = mtu;
      ifp.if_drv_flags |= k.IFF_DRV_RUNNING;
      ifp.if_link_state = k.LINK_STATE_UP;
      ifp.if_ioctl = () => 0;
      ifp.if_output = (ifp: ifnet, m: mbuf, dst: unknown) => {
        const n = k.m_length(m);
        const b = new Uint8Array(n);
        k.m_copydata(m, 0, n, b);
        const d = dst !== null && typeof dst === "object" && "sin6_addr" in dst ? ntop(k, (dst as { sin6_addr: in6_addr }).sin6_addr.s6_addr) : "?";
        sent.push({ ifp: ifp.if_xname, dst: d, m_flags: m.m_flags, bytes: b });
        k.m_freem(m);
        return 0;
      };
      // ifconfig IF up: the link-local address comes with it.
      const e = up(k, k.cred0, ifp.if_xname);
      if (e !== 0) throw new Error(`up ${name}: ${e}`);
      if (addr !== null) {
        const error = add6(k, k.cred0, ifp.if_xname, addr, plen, { flags: k.IN6_IFF_NODAD });
        if (error !== 0) throw new Error(`SIOCAIFADDR_IN6 ${name}: ${error}`);
      }
      return ifp;
    });
  const input = (ifp: ifnet, bytes: Uint8Array, m_flags = 0) => {
    const m = k.m_devget(bytes, 0, bytes.length, ifp);
    if (m === null) throw new Error("m_devget");
    m.m_flags |= m_flags;
    run(() => k.ip6_input(m));
    // Replies queued on the loopback (none here) and timers due now.
    k.kern_advance_ns(0);
  };
  const stat = (field: number) => run(() => k.VNET_U64(k.icmp6stat + field));
  const icmp6stat = () => run(() => Array.from({ length: k.ICMP6STAT_NFIELDS }, (_, i) => k.VNET_U64(k.icmp6stat + i)));
  const ifstat = (ifp: ifnet) => {
    const x = k.in6_ifextra_get(ifp);
    if (x === null) throw new Error("no in6_ifextra");
    return x.icmp6_ifstat;
  };
  const advance = (ms: number) => void k.kern_advance_ns(ms * 1e6);
  return { k, sent, mkif, input, sysctl, stat, icmp6stat, ifstat, run, advance, addr: (s) => a6b(k, s) };
}

/** The counters that moved between two icmp6stat snapshots, by index. */
export function moved(before: number[], after: number[]): Record<number, number> {
  const r: Record<number, number> = {};
  for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) r[i] = after[i] - before[i];
  return r;
}

/** An IPv6 packet read back: header fields, the chain of next headers, the upper-layer message. */
export function parse6(b: Uint8Array): { nxt: number; hlim: number; src: Uint8Array; dst: Uint8Array; plen: number; chain: number[]; ulp: number; msg: Uint8Array } {
  const chain: number[] = [];
  let nxt = b[6];
  let off = 40;
  while (nxt === 0 || nxt === 60 || nxt === 43) {
    chain.push(nxt);
    const n = b[off];
    off += (b[off + 1] + 1) * 8;
    nxt = n;
  }
  return { nxt: b[6], hlim: b[7], src: b.subarray(8, 24), dst: b.subarray(24, 40), plen: (b[4] << 8) | b[5], chain, ulp: nxt, msg: b.subarray(off) };
}
