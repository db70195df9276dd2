// Helpers for the link-layer tests: frames built by hand, a netisr handler
// that records where packets were delivered, jails with their own vnet.
import type { Kernel } from "../helpers/builds.ts";
import type { ifnet } from "../../net/if.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import type { vnet } from "../../net/vnet.ts";
import type { sockaddr } from "../../kern/socket.ts";

export type { ifnet, mbuf, vnet };

/** Bytes of an Ethernet frame: dst, src, type, then `payload` bytes. */
export function frame(dst: Uint8Array | number[], src: Uint8Array | number[], type: number, payload: number | Uint8Array): Uint8Array {
  const p = typeof payload === "number" ? Uint8Array.from({ length: payload }, (_, i) => (i * 7 + 3) & 0xff) : payload;
  const f = new Uint8Array(14 + p.length);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  f.set(p, 14);
  return f;
}

/** A packet-header mbuf chain holding `bytes`. */
export function mkpkt(k: Kernel, bytes: Uint8Array): mbuf {
  const m = k.m_devget(bytes, 0, bytes.length, null);
  if (m === null) throw new Error("out of mbufs");
  return m;
}

/** The bytes of a chain. */
export function pktbytes(k: Kernel, m: mbuf): Uint8Array {
  const n = k.m_length(m);
  const out = new Uint8Array(n);
  k.m_copydata(m, 0, n, out);
  return out;
}

export const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

export interface delivery {
  vnet: unknown;
  rcvif: string;
  bytes: Uint8Array;
  flags: number;
}

/**
 * Replace whatever handles `proto` (IP may be there already) with one that
 * records curvnet, the receiving interface and the bytes, then frees.
 */
export function record_netisr(k: Kernel, proto: number, name = "test"): delivery[] {
  const got: delivery[] = [];
  if (k.netisr_registered(proto)) k.netisr_unregister(proto);
  k.netisr_register(proto, name, (m: mbuf) => {
    got.push({ vnet: k.curvnet, rcvif: m.m_pkthdr.rcvif?.if_xname ?? "", bytes: pktbytes(k, m), flags: m.m_flags });
    k.m_freem(m);
  });
  return got;
}

/** Run fn in vnet v. */
export function inv<R>(k: Kernel, v: vnet, fn: () => R): R {
  const s = k.CURVNET_SET(v, "test");
  try {
    return fn();
  } finally {
    k.CURVNET_RESTORE(s);
  }
}

/** ifunit in vnet v, or throw. */
export function ifp_in(k: Kernel, v: vnet, name: string): ifnet {
  const ifp = inv(k, v, () => k.ifunit(name));
  if (ifp === null) throw new Error(`no ${name}`);
  return ifp;
}

/** A persistent vnet jail; returns its jid and vnet. */
export function vnet_jail(k: Kernel, name: string): { jid: number; v: vnet } {
  const r = k.kern_jail_set(k.cred0, { name, persist: true, vnet: "new" }, k.JAIL_CREATE);
  if (r.error !== 0) throw new Error(r.errmsg);
  const pr = k.prison_find(r.jid);
  if (pr === null) throw new Error("no prison");
  return { jid: r.jid, v: pr.pr_vnet };
}

/** `ifconfig NAME vnet JID` from the host. */
export function ifconfig_vnet(k: Kernel, name: string, jid: number): number {
  return inv(k, k.vnet0, () => k.ifioctl(k.cred0, k.SIOCSIFVNET, { ifr_name: name, ifr_jid: jid }));
}

/** `ifconfig NAME up` in vnet v. */
export function ifconfig_up(k: Kernel, v: vnet, name: string, up = true): number {
  return inv(k, v, () => {
    const ifr = { ifr_name: name, ifr_flags: 0 };
    k.ifioctl(k.cred0, k.SIOCGIFFLAGS, ifr);
    ifr.ifr_flags = up ? ifr.ifr_flags | k.IFF_UP : ifr.ifr_flags & ~k.IFF_UP;
    return k.ifioctl(k.cred0, k.SIOCSIFFLAGS, ifr);
  });
}

/** `ifconfig NAME create` in vnet v: the error and the name made. */
export function ifconfig_create(k: Kernel, v: vnet, name: string): { error: number; name: string } {
  return inv(k, v, () => {
    const ifr = { ifr_name: name };
    const error = k.ifioctl(k.cred0, k.SIOCIFCREATE2, ifr);
    return { error, name: ifr.ifr_name };
  });
}

export function ifconfig_destroy(k: Kernel, v: vnet, name: string): number {
  return inv(k, v, () => k.ifioctl(k.cred0, k.SIOCIFDESTROY, { ifr_name: name }));
}

/** An AF_INET destination for if_output (netinet/in.ts's sockaddr_in). */
export function sin(addr: number): sockaddr {
  return { sin_len: 16, sin_family: 2, sin_addr: addr >>> 0, sin_port: 0 } as unknown as sockaddr;
}

export function counters(k: Kernel, ifp: ifnet): Record<string, number> {
  const c = ifp.if_counters;
  return {
    ipackets: c[k.IFCOUNTER_IPACKETS],
    ierrors: c[k.IFCOUNTER_IERRORS],
    opackets: c[k.IFCOUNTER_OPACKETS],
    oerrors: c[k.IFCOUNTER_OERRORS],
    ibytes: c[k.IFCOUNTER_IBYTES],
    obytes: c[k.IFCOUNTER_OBYTES],
    imcasts: c[k.IFCOUNTER_IMCASTS],
    omcasts: c[k.IFCOUNTER_OMCASTS],
    iqdrops: c[k.IFCOUNTER_IQDROPS],
    oqdrops: c[k.IFCOUNTER_OQDROPS],
    noproto: c[k.IFCOUNTER_NOPROTO],
  };
}

export function lladdr(k: Kernel, ifp: ifnet): Uint8Array {
  return k.IF_LLADDR(ifp);
}
