// sys/netinet/in.h, sys/netinet/in_var.h, sys/netinet/in.c: IPv4 addresses,
// struct in_ifaddr and the per-vnet address lists, address assignment
// (SIOCAIFADDR/SIOCDIFADDR) and the lookup helpers (in_localip,
// in_broadcast, in_canforward, ...).
//
// IPv4 addresses are kept as unsigned 32-bit numbers in host order (FreeBSD
// keeps struct in_addr in network order); they are converted where they meet
// packet bytes, which are always big-endian.

import { AF_INET } from "../kern/socket.ts";
import { SI_ORDER_FIRST, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { VNET_DEFINE_PTR, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, type vnet_ptr } from "../net/vnet.ts";
import { ifaddr, type ifnet } from "../net/if.ts";

export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_IPV4 = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_GRE = 47;
export const IPPROTO_RAW = 255;
export const IPPROTO_MAX = 256;

export const INADDR_ANY = 0x00000000;
export const INADDR_LOOPBACK = 0x7f000001;
export const INADDR_BROADCAST = 0xffffffff;
export const INADDR_NONE = 0xffffffff;
export const INADDR_ALLHOSTS_GROUP = 0xe0000001;
export const IN_LOOPBACKNET = 127;

export const IN_CLASSA = (i: number) => (i & 0x80000000) === 0;
export const IN_CLASSA_NET = 0xff000000;
export const IN_CLASSB = (i: number) => ((i & 0xc0000000) >>> 0) === 0x80000000;
export const IN_CLASSB_NET = 0xffff0000;
export const IN_CLASSC = (i: number) => ((i & 0xe0000000) >>> 0) === 0xc0000000;
export const IN_CLASSC_NET = 0xffffff00;
export const IN_MULTICAST = (i: number) => ((i & 0xf0000000) >>> 0) === 0xe0000000;
export const IN_EXPERIMENTAL = (i: number) => ((i & 0xf0000000) >>> 0) === 0xf0000000;
export const IN_BADCLASS = IN_EXPERIMENTAL;
export const IN_LINKLOCAL = (i: number) => ((i & 0xffff0000) >>> 0) === 0xa9fe0000;
export const IN_LOOPBACK = (i: number) => ((i & 0xff000000) >>> 0) === 0x7f000000;
export const IN_ZERONET = (i: number) => ((i & 0xff000000) >>> 0) === 0;
export const IN_RFC3021_MASK = 0xfffffffe;

/** struct sockaddr_in.  sin_addr is a host-order number, sin_port too. */
export class sockaddr_in {
  sin_len = 16;
  sin_family = AF_INET;
  constructor(
    public sin_addr = 0,
    public sin_port = 0,
  ) {}
}

/** inet_ntoa for a host-order address. */
export function inet_ntoa(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** inet_aton: dotted quad (also the short forms a, a.b, a.b.c) to a host-order
 *  number, or null. */
export function inet_aton(s: string): number | null {
  const parts = s.split(".");
  if (parts.length < 1 || parts.length > 4) return null;
  const v: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-fA-F]+$/.test(p)) n = parseInt(p, 16);
    else if (/^0[0-7]*$/.test(p)) n = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) n = parseInt(p, 10);
    else return null;
    v.push(n);
  }
  const last = v[v.length - 1];
  for (let i = 0; i < v.length - 1; i++) if (v[i] > 255) return null;
  switch (v.length) {
    case 1:
      return last > 0xffffffff ? null : last >>> 0;
    case 2:
      return last > 0xffffff ? null : ((v[0] << 24) | last) >>> 0;
    case 3:
      return last > 0xffff ? null : ((v[0] << 24) | (v[1] << 16) | last) >>> 0;
    default:
      return last > 0xff ? null : ((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | last) >>> 0;
  }
}

/** Prefix length to host-order mask. */
export function in_len2mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}
/** Host-order mask to prefix length (counting leading ones). */
export function in_mask2len(mask: number): number {
  let n = 0;
  while (n < 32 && (mask & (0x80000000 >>> n)) !== 0) n++;
  return n;
}

/** struct in_ifaddr: an IPv4 address on an interface. */
export class in_ifaddr extends ifaddr {
  /** ia_subnet / ia_subnetmask (host order in FreeBSD too). */
  ia_subnet = 0;
  ia_subnetmask = 0;
  ia_addr: sockaddr_in;
  /** ia_broadaddr (= ia_dstaddr on point-to-point links). */
  ia_broadaddr: sockaddr_in;
  ia_sockmask: sockaddr_in;
  constructor(ifp: ifnet, addr: number, mask: number, broad: number) {
    const a = new sockaddr_in(addr);
    const b = new sockaddr_in(broad);
    const m = new sockaddr_in(mask);
    super(ifp, a, b, m);
    this.ia_addr = a;
    this.ia_broadaddr = b;
    this.ia_sockmask = m;
    this.ia_subnetmask = mask;
    this.ia_subnet = (addr & mask) >>> 0;
  }
  get ia_ifp(): ifnet {
    return this.ifa_ifp;
  }
  get ia_dstaddr(): sockaddr_in {
    return this.ia_broadaddr;
  }
}

/** IA_SIN(ia): the address as a host-order number. */
export function IA_SIN(ia: in_ifaddr): number {
  return ia.ia_addr.sin_addr;
}

/** V_in_ifaddrhead: every IPv4 address of the vnet, in order of addition. */
export const in_ifaddrhead: vnet_ptr<in_ifaddr[]> = VNET_DEFINE_PTR<in_ifaddr[]>("in_ifaddrhead", []);
/** V_in_ifaddrhashtbl: address -> its in_ifaddrs (INADDR_HASH). */
export const in_ifaddrhashtbl: vnet_ptr<Map<number, in_ifaddr[]>> = VNET_DEFINE_PTR<Map<number, in_ifaddr[]>>("in_ifaddrhashtbl", new Map());

export function V_in_ifaddrhead(): in_ifaddr[] {
  return VNET_PTR(in_ifaddrhead);
}
export function V_in_ifaddrhashtbl(): Map<number, in_ifaddr[]> {
  return VNET_PTR(in_ifaddrhashtbl);
}

VNET_SYSINIT("in_ifaddr_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_FIRST, () => {
  VNET_PTR_SET(in_ifaddrhead, []);
  VNET_PTR_SET(in_ifaddrhashtbl, new Map());
});
