// Helpers for the IP tests: datagrams built by hand, interfaces whose
// if_output records what IP sends (so IP is tested without the link
// layer), addresses and routes, counters by name.
import { loadKernel, type BuildName, type Kernel } from "../helpers/builds.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import type { ifnet } from "../../net/if.ts";
import type { sockaddr } from "../../kern/socket.ts";

export type { ifnet, mbuf };

/** RFC 1071 over a flat buffer. */
export function ref_cksum(b: Uint8Array, start = 0, end = b.length): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export interface hdr_opts {
  v?: number;
  hl?: number;
  tos?: number;
  len?: number;
  id?: number;
  off?: number;
  ttl?: number;
  p?: number;
  src?: number;
  dst?: number;
  sum?: number;
  options?: number[];
}

/** An IPv4 datagram: header (checksummed unless `sum` is given) + payload. */
export function ippkt(o: hdr_opts, payload: Uint8Array): Uint8Array {
  const optb = o.options ?? [];
  const hlen = 20 + optb.length;
  const b = new Uint8Array(hlen + payload.length);
  const dv = new DataView(b.buffer);
  b[0] = ((o.v ?? 4) << 4) | (o.hl ?? hlen >> 2);
  b[1] = o.tos ?? 0;
  dv.setUint16(2, o.len ?? b.length);
  dv.setUint16(4, o.id ?? 0x1234);
  dv.setUint16(6, o.off ?? 0);
  b[8] = o.ttl ?? 64;
  b[9] = o.p ?? 253;
  dv.setUint32(12, o.src ?? 0x0a000002);
  dv.setUint32(16, o.dst ?? 0x0a010002);
  b.set(optb, 20);
  dv.setUint16(10, o.sum ?? ref_cksum(b, 0, hlen));
  b.set(payload, hlen);
  return b;
}

/** An ICMP message (checksummed) of the given type and code with `rest`
 *  after its first 4 bytes. */
export function icmpmsg(type: number, code: number, rest: Uint8Array): Uint8Array {
  const b = new Uint8Array(4 + rest.length);
  b[0] = type;
  b[1] = code;
  b.set(rest, 4);
  const s = ref_cksum(b);
  b[2] = s >>> 8;
  b[3] = s & 0xff;
  return b;
}

export function payload(n: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 3) & 0xff);
}

export function aton(s: string): number {
  const p = s.split(".").map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** What a capture interface's if_output was given. */
export interface sent {
  ifp: string;
  /** The next hop the link layer was asked to resolve. */
  dst: number;
  ro_flags: number;
  m_flags: number;
  bytes: Uint8Array;
}

export interface ip_env {
  k: Kernel;
  sent: sent[];
  /** An interface with an address; its if_output records and frees. */
  mkif(name: string, addr: string, plen: number, mtu?: number): ifnet;
  /** A datagram arriving on ifp. */
  input(ifp: ifnet, bytes: Uint8Array, m_flags?: number): void;
  addroute(dst: string, plen: number, gw: string, flags: number): number;
  sysctl(name: string, v?: number): number | null;
  ipstat(): Record<string, number>;
  icmpstat(): Record<string, number>;
  run<R>(fn: () => R): R;
}

export async function ip_setup(build: BuildName): Promise<ip_env> {
  const k = await loadKernel(build);
  const sent: sent[] = [];
  const run = <R>(fn: () => R): R => k.vnet_run(k.vnet0, "test", fn);
  const mkif = (name: string, addr: string, plen: number, mtu = 1500): ifnet =>
    run(() => {
      const ifp = k.if_alloc(k.IFT_ETHER);
      const unit = Number(name.replace(/^\D+/, ""));
      k.if_initname(ifp, name.replace(/\d+$/, ""), unit);
      ifp.if_mtu = mtu;
      ifp.if_flags |= k.IFF_UP | k.IFF_BROADCAST | k.IFF_SIMPLEX;
      ifp.if_drv_flags |= k.IFF_DRV_RUNNING;
      ifp.if_link_state = k.LINK_STATE_UP;
      ifp.if_ioctl = () => 0;
      ifp.if_output = (ifp: ifnet, m: mbuf, dst: sockaddr, ro: { ro_flags: number } | null) => {
        const n = k.m_length(m);
        const b = new Uint8Array(n);
        k.m_copydata(m, 0, n, b);
        sent.push({ ifp: ifp.if_xname, dst: "sin_addr" in dst ? dst.sin_addr : -1, ro_flags: ro?.ro_flags ?? 0, m_flags: m.m_flags, bytes: b });
        k.m_freem(m);
        return 0;
      };
      k.if_attach(ifp);
      const error = k.in_control(
        k.SIOCAIFADDR,
        { ifra_name: ifp.if_xname, ifra_addr: new k.sockaddr_in(aton(addr)), ifra_broadaddr: null, ifra_mask: new k.sockaddr_in(k.in_len2mask(plen)) },
        ifp,
        k.cred0,
      );
      if (error !== 0) throw new Error(`SIOCAIFADDR ${name}: ${error}`);
      return ifp;
    });
  const input = (ifp: ifnet, bytes: Uint8Array, m_flags = 0) => {
    const m = k.m_devget(bytes, 0, bytes.length, ifp);
    if (m === null) throw new Error("m_devget");
    m.m_flags |= m_flags;
    run(() => k.ip_input(m));
  };
  const addroute = (dst: string, plen: number, gw: string, flags: number) =>
    run(() => {
      const info = new k.rt_addrinfo();
      info.rti_info[k.RTAX_DST] = new k.sockaddr_in(aton(dst));
      info.rti_info[k.RTAX_NETMASK] = new k.sockaddr_in(k.in_len2mask(plen));
      info.rti_info[k.RTAX_GATEWAY] = new k.sockaddr_in(aton(gw));
      info.rti_flags = flags | k.RTF_STATIC | (plen === 32 ? k.RTF_HOST : 0);
      return k.rib_action(0, k.RTM_ADD, info);
    });
  const sysctl = (name: string, v?: number) => {
    const r = k.kernel_sysctlbyname(k.cred0, name, v ?? null);
    if (r.error !== 0) throw new Error(`sysctl ${name}: ${r.error}`);
    return typeof r.value === "number" ? r.value : null;
  };
  const ipstat = () => {
    const r: Record<string, number> = {};
    run(() => k.ipstat_names.forEach((n, i) => (r[n] = k.VNET_U64(k.ipstat + i))));
    return r;
  };
  const icmpstat = () => {
    const r: Record<string, number> = {};
    run(() => k.icmpstat_names.forEach((n, i) => (r[n] = k.VNET_U64(k.icmpstat + i))));
    return r;
  };
  return { k, sent, mkif, input, addroute, sysctl, ipstat, icmpstat, run };
}

/** The counters that moved between two snapshots. */
export function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const r: Record<string, number> = {};
  for (const n of Object.keys(after)) if (after[n] !== before[n]) r[n] = after[n] - before[n];
  return r;
}

export function u16(b: Uint8Array, off: number): number {
  return (b[off] << 8) | b[off + 1];
}
export function u32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

/** cap0 10.0.0.1/24 (the sender's side), cap1 10.1.0.1/24, forwarding on. */
export async function router(build: BuildName): Promise<ip_env & { cap0: ReturnType<ip_env["mkif"]>; cap1: ReturnType<ip_env["mkif"]> }> {
  const e = await ip_setup(build);
  const cap0 = e.mkif("cap0", "10.0.0.1", 24);
  const cap1 = e.mkif("cap1", "10.1.0.1", 24);
  e.sysctl("net.inet.ip.forwarding", 1);
  return { ...e, cap0, cap1 };
}

/** The ICMP message in a datagram: type, code, and the quoted header. */
export function icmp_of(b: Uint8Array): { src: number; dst: number; type: number; code: number; word: number; quoted: Uint8Array; ok: boolean } {
  const hl = (b[0] & 15) << 2;
  return {
    src: u32(b, 12),
    dst: u32(b, 16),
    type: b[hl],
    code: b[hl + 1],
    word: u32(b, hl + 4),
    quoted: b.subarray(hl + 8),
    ok: b[9] === 1 && ref_cksum(b, 0, hl) === 0 && ref_cksum(b, hl) === 0,
  };
}
