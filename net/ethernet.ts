// sys/net/ethernet.h: Ethernet frame sizes, EtherTypes, the layout of
// struct ether_header and struct ether_vlan_header, and the address tests
// (ETHER_IS_MULTICAST, ETHER_IS_BROADCAST, ETHER_MAP_IP_MULTICAST).
//
// Headers are never copied into objects: code reads them in place from the
// mbuf's bytes, so the struct fields become byte offsets from the start of
// the header (`m.m_dv.getUint16(m.m_data + ether_type)`).

import { M_VLANTAG } from "../kern/mbuf.ts";

export const ETHER_ADDR_LEN = 6;
export const ETHER_TYPE_LEN = 2;
export const ETHER_CRC_LEN = 4;
export const ETHER_HDR_LEN = ETHER_ADDR_LEN * 2 + ETHER_TYPE_LEN; // 14
export const ETHER_MIN_LEN = 64;
export const ETHER_MAX_LEN = 1518;
export const ETHER_MAX_LEN_JUMBO = 9018;
export const ETHER_VLAN_ENCAP_LEN = 4;
export const ETHERMTU = ETHER_MAX_LEN - ETHER_HDR_LEN - ETHER_CRC_LEN; // 1500
export const ETHERMIN = ETHER_MIN_LEN - ETHER_HDR_LEN - ETHER_CRC_LEN; // 46
export const ETHERMTU_JUMBO = ETHER_MAX_LEN_JUMBO - ETHER_HDR_LEN - ETHER_CRC_LEN;

// struct ether_header, as offsets.
export const ether_dhost = 0;
export const ether_shost = 6;
export const ether_type = 12;

// struct ether_vlan_header, as offsets (evl_dhost/evl_shost as above).
export const evl_encap_proto = 12;
export const evl_tag = 14;
export const evl_proto = 16;
/** sizeof(struct ether_vlan_header). */
export const ETHER_VLAN_HDR_LEN = 18;

/** The VLAN id in an 802.1Q tag (EVL_VLANOFTAG). */
export function EVL_VLANOFTAG(tag: number): number {
  return tag & 0xfff;
}
export function EVL_PRIOFTAG(tag: number): number {
  return (tag >> 13) & 7;
}
export const EVL_VLID_MASK = 0x0fff;
export const EVL_PRI_MASK = 0xe000;
/** The drop-eligible (formerly CFI) bit of a tag. */
export function EVL_CFIOFTAG(tag: number): number {
  return (tag >> 12) & 1;
}
/** EVL_MAKETAG(vid, pri, cfi): the 16-bit tag control information. */
export function EVL_MAKETAG(vid: number, pri: number, cfi: number): number {
  return ((((pri & 7) << 1) | (cfi & 1)) << 12) | (vid & EVL_VLID_MASK);
}

/** EVL_APPLY_PRI (net/if_vlan_var.h): give a packet the priority `pri` in
 *  its packet-header tag, keeping a VID and DEI already there.  Kept here
 *  rather than in if_vlan.ts so that IP can use it without vlan(4). */
export function EVL_APPLY_PRI(m: { m_flags: number; m_pkthdr: { ether_vtag: number } }, pri: number): void {
  if ((m.m_flags & M_VLANTAG) !== 0) {
    const t = m.m_pkthdr.ether_vtag;
    m.m_pkthdr.ether_vtag |= EVL_MAKETAG(EVL_VLANOFTAG(t), pri, EVL_CFIOFTAG(t));
  } else {
    m.m_pkthdr.ether_vtag = EVL_MAKETAG(0, pri, 0);
    m.m_flags |= M_VLANTAG;
  }
}

/** struct ether_8021q_tag: what ether_8021q_frame puts in a header. */
export class ether_8021q_tag {
  proto = ETHERTYPE_VLAN;
  vid = 0;
  pcp = 0;
}

export const ETHERTYPE_PUP = 0x0200;
export const ETHERTYPE_IP = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_REVARP = 0x8035;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_PAE = 0x888e;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_LOOPBACK = 0x9000;

/** ff:ff:ff:ff:ff:ff; shared, never written. */
export const etherbroadcastaddr: Uint8Array = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** ETHER_IS_MULTICAST: the group bit of the first octet (broadcast too). */
export function ETHER_IS_MULTICAST(a: Uint8Array, off: number): boolean {
  return (a[off] & 0x01) !== 0;
}

/** ETHER_IS_BROADCAST: all six octets 0xff. */
export function ETHER_IS_BROADCAST(a: Uint8Array, off: number): boolean {
  return (a[off] & a[off + 1] & a[off + 2] & a[off + 3] & a[off + 4] & a[off + 5]) === 0xff;
}

/** ETHER_IS_ZERO: 00:00:00:00:00:00. */
export function ETHER_IS_ZERO(a: Uint8Array, off: number): boolean {
  return (a[off] | a[off + 1] | a[off + 2] | a[off + 3] | a[off + 4] | a[off + 5]) === 0;
}

/**
 * ETHER_MAP_IP_MULTICAST: the Ethernet group address of an IPv4 multicast
 * group (01:00:5e plus the low 23 bits).  `addr` is host order, as all IPv4
 * addresses are in this simulator.
 */
export function ETHER_MAP_IP_MULTICAST(addr: number, dst: Uint8Array, off: number): void {
  dst[off] = 0x01;
  dst[off + 1] = 0x00;
  dst[off + 2] = 0x5e;
  dst[off + 3] = (addr >>> 16) & 0x7f;
  dst[off + 4] = (addr >>> 8) & 0xff;
  dst[off + 5] = addr & 0xff;
}

/** bcmp of two six-octet addresses: true when they are equal. */
export function ether_addr_equal(a: Uint8Array, aoff: number, b: Uint8Array, boff: number): boolean {
  return (
    a[aoff] === b[boff] &&
    a[aoff + 1] === b[boff + 1] &&
    a[aoff + 2] === b[boff + 2] &&
    a[aoff + 3] === b[boff + 3] &&
    a[aoff + 4] === b[boff + 4] &&
    a[aoff + 5] === b[boff + 5]
  );
}
