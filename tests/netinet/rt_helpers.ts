// Helpers for the routing, address and ARP tests: run code in a vnet, give
// interfaces addresses (SIOCAIFADDR), write route(8)'s messages, record what
// an interface sends, build ARP frames by hand.
import type { Kernel } from "../helpers/builds.ts";
import type { ifnet } from "../../net/if.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import type { vnet } from "../../net/vnet.ts";
import type { ucred } from "../../kern/kern_prot.ts";
import type { sockaddr } from "../../kern/socket.ts";
import type { rt_msghdr } from "../../net/rtsock.ts";

export type { ifnet, mbuf, vnet, ucred, rt_msghdr };

export function inv<R>(k: Kernel, v: vnet, fn: () => R): R {
  const s = k.CURVNET_SET(v, "test");
  try {
    return fn();
  } finally {
    k.CURVNET_RESTORE(s);
  }
}

export function ip(k: Kernel, s: string): number {
  const a = k.inet_aton(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a;
}

/** ifconfig IF inet A/len [broadcast B]: SIOCAIFADDR in curvnet. */
export function ifaddr_add(k: Kernel, cred: ucred, ifname: string, addr: string, len: number | null, brd: string | null = null, dst: string | null = null): number {
  const ifra = {
    ifra_name: ifname,
    ifra_addr: new k.sockaddr_in(ip(k, addr)),
    ifra_broadaddr: brd === null ? null : new k.sockaddr_in(ip(k, brd)),
    ifra_mask: len === null ? null : new k.sockaddr_in(k.in_len2mask(len)),
    ifra_dstaddr: dst === null ? null : new k.sockaddr_in(ip(k, dst)),
  };
  return k.ifioctl(cred, k.SIOCAIFADDR, ifra);
}

/** ifconfig IF inet A -alias: SIOCDIFADDR in curvnet. */
export function ifaddr_del(k: Kernel, cred: ucred, ifname: string, addr: string): number {
  return k.ifioctl(cred, k.SIOCDIFADDR, { ifr_name: ifname, ifr_addr: new k.sockaddr_in(ip(k, addr)) });
}

/** ifconfig epair create in curvnet: the a side's name. */
export function epair(k: Kernel): { a: string; b: string } {
  const r = k.if_clone_create("epair", k.cred0);
  if (r.error !== 0) throw new Error(`epair create: ${r.error}`);
  return { a: r.name, b: r.name.replace(/a$/, "b") };
}

export function ifp(k: Kernel, name: string): ifnet {
  const i = k.ifunit(name);
  if (i === null) throw new Error(`no ${name}`);
  return i;
}

export interface rtreq {
  dst: string;
  /** Prefix length; null for a host route (no netmask, RTF_HOST). */
  len?: number | null;
  gw?: string | null;
  /** -interface: an AF_LINK gateway naming this interface. */
  gwifp?: ifnet | null;
  flags?: number;
  /** route get asks for the interface too (RTA_IFP). */
  ifp?: boolean;
}

/** A message as route(8) writes it. */
export function rtmsg(k: Kernel, type: number, r: rtreq): rt_msghdr {
  const m = new k.rt_msghdr();
  m.rtm_type = type;
  m.rtm_flags = r.flags ?? k.RTF_UP | k.RTF_STATIC;
  m.rtm_seq = 1;
  m.rtm_sa[k.RTAX_DST] = new k.sockaddr_in(ip(k, r.dst));
  m.rtm_addrs = k.RTA_DST;
  if (r.len !== undefined && r.len !== null) {
    m.rtm_sa[k.RTAX_NETMASK] = new k.sockaddr_in(k.in_len2mask(r.len));
    m.rtm_addrs |= k.RTA_NETMASK;
  } else if (r.len === null) {
    m.rtm_flags |= k.RTF_HOST;
  }
  if (r.gw !== undefined && r.gw !== null) {
    m.rtm_sa[k.RTAX_GATEWAY] = new k.sockaddr_in(ip(k, r.gw));
    m.rtm_addrs |= k.RTA_GATEWAY;
    m.rtm_flags |= k.RTF_GATEWAY;
  } else if (r.gwifp !== undefined && r.gwifp !== null) {
    m.rtm_sa[k.RTAX_GATEWAY] = new k.sockaddr_dl(r.gwifp.if_index, r.gwifp.if_type, "", new Uint8Array(0));
    m.rtm_addrs |= k.RTA_GATEWAY;
  }
  if (r.ifp === true) {
    m.rtm_sa[k.RTAX_IFP] = new k.sockaddr_dl(0, 0, "", new Uint8Array(0));
    m.rtm_addrs |= k.RTA_IFP;
  }
  return m;
}

/** The interface name in a reply's RTA_IFP address. */
export function reply_ifname(reply: rt_msghdr | null): string | null {
  const sa = reply?.rtm_sa[4] ?? null;
  return sa !== null && "sdl_data" in sa ? sa.sdl_data : null;
}

export function sa_addr(sa: sockaddr | null | undefined): number | null {
  return sa !== null && sa !== undefined && "sin_addr" in sa ? sa.sin_addr : null;
}

export interface sent {
  bytes: Uint8Array;
  family: number;
  prepend: number[] | null;
  flags: number;
  dst: number | null;
  /** The route's ro_flags (null: no route). */
  ro_flags: number | null;
}

/** Record (and free) what ifp's if_output is given. */
export function capture(k: Kernel, i: ifnet): { out: sent[]; restore: () => void } {
  const out: sent[] = [];
  const orig = i.if_output;
  i.if_output = (_ifp, m, dst, ro) => {
    const n = k.m_length(m);
    const bytes = new Uint8Array(n);
    k.m_copydata(m, 0, n, bytes);
    const family = "sin_family" in dst ? dst.sin_family : "sdl_family" in dst ? dst.sdl_family : dst.sa_family;
    out.push({ bytes, family, prepend: ro !== null && ro.ro_prepend !== null ? Array.from(ro.ro_prepend.subarray(0, ro.ro_plen)) : null, flags: m.m_flags, dst: "sin_addr" in dst ? dst.sin_addr : null, ro_flags: ro === null ? null : ro.ro_flags });
    k.m_freem(m);
    return 0;
  };
  return { out, restore: () => (i.if_output = orig) };
}

/** An ARP packet (the payload after the Ethernet header). */
export function arp_frame(
  k: Kernel,
  op: number,
  sha: Uint8Array | number[],
  spa: string,
  tha: Uint8Array | number[],
  tpa: string,
  opts: { hrd?: number; hln?: number; pln?: number; pro?: number } = {},
): Uint8Array {
  const hln = opts.hln ?? 6;
  const pln = opts.pln ?? 4;
  const b = new Uint8Array(8 + 2 * hln + 2 * pln);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, opts.hrd ?? 1);
  dv.setUint16(2, opts.pro ?? 0x0800);
  b[4] = hln;
  b[5] = pln;
  dv.setUint16(6, op);
  b.set(Array.from(sha).slice(0, hln), 8);
  if (pln === 4) dv.setUint32(8 + hln, ip(k, spa));
  b.set(Array.from(tha).slice(0, hln), 8 + hln + pln);
  if (pln === 4) dv.setUint32(8 + 2 * hln + pln, ip(k, tpa));
  return b;
}

/** Hand an ARP packet to the ARP input routine as if it came in on i. */
export function arp_input(k: Kernel, i: ifnet, bytes: Uint8Array): void {
  const m = k.m_devget(bytes, 0, bytes.length, i);
  if (m === null) throw new Error("out of mbufs");
  inv(k, i.if_vnet, () => k.arpintr(m));
}

/** A packet-header mbuf with n bytes, for arpresolve to hold. */
export function pkt(k: Kernel, n = 20): mbuf {
  const m = k.m_gethdr(1, 1);
  if (m === null) throw new Error("out of mbufs");
  m.m_len = n;
  m.m_pkthdr.len = n;
  return m;
}

export function lladdr(i: ifnet): Uint8Array {
  const a = i.if_addr?.ifa_addr;
  return a !== undefined && "sdl_lladdr" in a ? a.sdl_lladdr : new Uint8Array(0);
}

export function arpstat(k: Kernel): Record<string, number> {
  const v = k.arpstat_fetch();
  const o: Record<string, number> = {};
  k.arpstat_names.forEach((n: string, i: number) => (o[n] = v[i]));
  return o;
}

/** A persistent vnet jail (VIMAGE build): its jid, vnet and a root credential in it. */
export function vnet_jail(k: Kernel, name: string): { jid: number; v: vnet; cred: ucred; remove: () => number } {
  const r = k.kern_jail_set(k.cred0, { name, persist: true, vnet: "new" }, k.JAIL_CREATE);
  if (r.error !== 0) throw new Error(r.errmsg);
  const pr = k.prison_find(r.jid);
  if (pr === null) throw new Error("no prison");
  const cred = k.sys_jail_attach(k.cred0, r.jid);
  if (typeof cred === "number") throw new Error(`jail_attach ${cred}`);
  // Removing the jail drops the persist reference and the attached
  // credential's: the vnet is destroyed.
  const remove = () => {
    const e = k.sys_jail_remove(k.cred0, r.jid);
    k.jail_detach_proc(pr);
    return e;
  };
  return { jid: r.jid, v: pr.pr_vnet, cred, remove };
}

/** ifconfig IF vnet JID from the host. */
export function ifvnet(k: Kernel, name: string, jid: number): number {
  return inv(k, k.vnet0, () => k.ifioctl(k.cred0, k.SIOCSIFVNET, { ifr_name: name, ifr_jid: jid }));
}

/** (net/route tests) vnet0 with lo0 127.0.0.1/8 and epair0a 10.0.0.1/24 up. */
export function lo_epair_setup(k: Kernel): { a: string; b: string } {
  return inv(k, k.vnet0, () => {
    const e = epair(k);
    if (ifaddr_add(k, k.cred0, "lo0", "127.0.0.1", 8) !== 0) throw new Error("lo0");
    if (ifaddr_add(k, k.cred0, e.a, "10.0.0.1", 24) !== 0) throw new Error("epair");
    return e;
  });
}

export function route_vnet0(k: Kernel, fib: number, type: number, r: Parameters<typeof rtmsg>[2], cred = k.cred0) {
  return inv(k, k.vnet0, () => k.route_output(cred, fib, rtmsg(k, type, r)));
}

export function lookup_vnet0(k: Kernel, fib: number, a: string) {
  return inv(k, k.vnet0, () => k.fib4_lookup(fib, ip(k, a), 0, k.NHR_NONE, 0));
}
