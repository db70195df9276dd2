// sys/netinet6/in6_ifattach.c, in6_ifattach.h: IPv6 comes to an interface
// when it comes up: an interface identifier from its hardware address
// (modified EUI-64, RFC 4291 appendix A), or borrowed from another
// interface, or made from the host name; the link-local address fe80::/64
// with it and the link-local prefix; lo0's ::1 and fe80::1.  And IPv6 goes
// from an interface that leaves (in6_ifdetach).

import { allprison, prison0 } from "../kern/kern_jail.ts";
import { md5 } from "../kern/md5.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, SYSCTL_INT } from "../kern/sysctl.ts";
import { _net_inet6_ip6 } from "./ip6_var.ts";
import { printf } from "../kern/subr_prf.ts";
import { curvnet, VNET_DEFINE_INT, VNET_I32, VNET_I32_SET } from "../net/vnet.ts";
import { IFF_LOOPBACK, IFF_MULTICAST, V_ifnet, ifioctl_cred, type ifnet } from "../net/if.ts";
import { IFT_ATM, IFT_BRIDGE, IFT_ETHER, IFT_GIF, IFT_IEEE1394, IFT_INFINIBAND, IFT_L2VLAN, IFT_STF, sockaddr_dl } from "../net/if_dl.ts";
import { EAFNOSUPPORT } from "../kern/errno.ts";
import { IN6_MASK_ADDR, in6_prepare_ifra, in6_purgeaddr, in6_update_ifa, in6ifa_ifpforlinklocal, in6ifa_ifwithaddr, IN6_IFAUPDATE_DADDELAY } from "./in6.ts";
import { ND6_IFF_AUTO_LINKLOCAL, ND6_IFF_IFDISABLED, ND6_IFF_NO_DAD, ND_IFINFO, nd6_purge, nd6log } from "./nd6.ts";
import { in6_purgemaddrs } from "./in6_mcast.ts";
import { nd6_prefix_lookup, nd6_prefix_rele, nd6_prelist_add, nd_prefixctl, type nd_prefix } from "./nd6_rtr.ts";
import { in6_setscope } from "./scope6.ts";
import { ND6_INFINITE_LIFETIME, in6_addr, in6_addr_copy, in6_aliasreq, in6_ifaddr, in6_ifextra_get, in6_mask2len, in6addr_loopback, in6mask128, in6mask64 } from "./in6_var.ts";
// After in6_mcast: the multicast code reaches raw_ip6, which registers its
// PCB table with in6_pcb when it loads; in6_pcb must not be half-loaded then.
import { in6_pcbpurgeif0 } from "./in6_pcb.ts";

// sys/syslog.h
const LOG_ERR = 3;
const LOG_NOTICE = 5;
const LOG_INFO = 6;
const LOG_DEBUG = 7;

/** V_in6_maxmtu: the largest IPv6 MTU of the vnet's interfaces. */
export const in6_maxmtu = VNET_DEFINE_INT("in6_maxmtu", 0);
export function V_in6_maxmtu(): number {
  return VNET_I32(in6_maxmtu);
}
/** V_ip6_auto_linklocal: new interfaces get ND6_IFF_AUTO_LINKLOCAL (net.inet6.ip6.auto_linklocal). */
export const ip6_auto_linklocal = VNET_DEFINE_INT("ip6_auto_linklocal", 1);
export function V_ip6_auto_linklocal(): number {
  return VNET_I32(ip6_auto_linklocal);
}
// in6_proto.c's declaration, here beside the variable (IPV6CTL_AUTO_LINKLOCAL is 35).
SYSCTL_INT(
  _net_inet6_ip6,
  35,
  "auto_linklocal",
  CTLFLAG_VNET | CTLFLAG_RW,
  ip6_auto_linklocal,
  0,
  "Default value of per-interface flag for automatically adding an IPv6 link-local address to interfaces when attached",
);

// The EUI-64 bits of an interface identifier's first byte (s6_addr[8]).
const EUI64_GBIT = 0x01;
const EUI64_UBIT = 0x02;
/** EUI64_TO_IFID: a modified EUI-64 has the u/l bit inverted. */
function EUI64_TO_IFID(in6: in6_addr): void {
  in6.s6_addr[8] ^= EUI64_UBIT;
}
function EUI64_GROUP(in6: in6_addr): boolean {
  return (in6.s6_addr[8] & EUI64_GBIT) !== 0;
}
/** IFID_UNIVERSAL: the identifier came from a globally unique EUI-64 (its u bit was 0, now 1). */
function IFID_UNIVERSAL(in6: in6_addr): boolean {
  return (in6.s6_addr[8] & EUI64_UBIT) !== 0;
}

/**
 * The host name of the calling thread's prison: an ioctl's caller when
 * there is one, otherwise the prison that runs curvnet (prison0 for the
 * host).  FreeBSD reads curthread's; here a kernel path without an ioctl
 * (an interface coming up from a driver) takes its vnet's owner.
 */
function curthread_hostname(): string {
  const cred = ifioctl_cred();
  if (cred !== null) return cred.cr_prison.pr_hostname;
  if (VIMAGE && curvnet !== null && curvnet !== prison0.pr_vnet) {
    for (const pr of allprison) if (pr.pr_vnet === curvnet) return pr.pr_hostname;
  }
  return prison0.pr_hostname;
}

/**
 * get_rand_ifid: the last-resort identifier, from MD5 of the host name (so
 * it survives a reboot), u bit "local", g bit "individual".  The upper 64
 * bits of in6 are kept.
 */
function get_rand_ifid(_ifp: ifnet, in6: in6_addr): number {
  const digest = md5(new TextEncoder().encode(curthread_hostname()));
  in6.s6_addr.set(digest.subarray(0, 8), 8);
  in6.s6_addr[8] &= ~EUI64_GBIT;
  in6.s6_addr[8] |= EUI64_UBIT;
  EUI64_TO_IFID(in6);
  return 0;
}

/**
 * in6_get_hw_ifid: ifp's identifier from its link-level address: an
 * EUI-48 (Ethernet) becomes an EUI-64 with ff:fe in the middle, then the
 * u/l bit flips; all-zero and all-one addresses, group addresses and
 * identifiers that would be zero are refused (-1).  The upper 64 bits of
 * in6 are kept.
 */
export function in6_get_hw_ifid(ifp: ifnet, in6: in6_addr): number {
  let sdl: sockaddr_dl | null = null;
  for (const ifa of ifp.if_addrhead) {
    const a = ifa.ifa_addr;
    if (!(a instanceof sockaddr_dl)) continue;
    if (a.sdl_alen === 0) continue;
    sdl = a;
    break;
  }
  if (sdl === null) return -1;
  const addr = sdl.sdl_lladdr;
  let addrlen = sdl.sdl_alen;
  switch (ifp.if_type) {
    case IFT_BRIDGE:
    case IFT_ETHER:
    case IFT_L2VLAN:
    case IFT_ATM:
    case IFT_IEEE1394: {
      // IEEE 802 or EUI-64 addresses; IEEE 1394's starts with its EUI-64.
      if (addrlen > 8) addrlen = 8;
      if (addrlen !== 8 && addrlen !== 6) return -1;
      let allzero = true;
      let allone = true;
      for (let i = 0; i < addrlen; i++) {
        if (addr[i] !== 0) allzero = false;
        if (addr[i] !== 0xff) allone = false;
      }
      // Unconfigured hardware shows these.
      if (allzero || allone) return -1;
      const b = in6.s6_addr;
      if (addrlen === 8) b.set(addr.subarray(0, 8), 8);
      else {
        b[8] = addr[0];
        b[9] = addr[1];
        b[10] = addr[2];
        b[11] = 0xff;
        b[12] = 0xfe;
        b[13] = addr[3];
        b[14] = addr[4];
        b[15] = addr[5];
      }
      break;
    }
    case IFT_GIF:
    case IFT_STF:
      // An IPv4 address is a poor identifier (it can be renumbered).
      return -1;
    case IFT_INFINIBAND:
      if (addrlen !== 20) return -1;
      in6.s6_addr.set(addr.subarray(12, 20), 8);
      break;
    default:
      return -1;
  }
  if (EUI64_GROUP(in6)) return -1;
  EUI64_TO_IFID(in6);
  // An all-zero identifier would be the subnet-router anycast address.
  if ((in6.s6_addr[8] & ~(EUI64_GBIT | EUI64_UBIT)) === 0) {
    let zero = true;
    for (let i = 9; i < 16; i++) if (in6.s6_addr[i] !== 0) zero = false;
    if (zero) return -1;
  }
  return 0;
}

/**
 * get_ifid: the identifier for ifp0: its own, altifp's, a globally unique
 * one borrowed from another interface, or the host name's.
 */
function get_ifid(ifp0: ifnet, altifp: ifnet | null, in6: in6_addr): number {
  let ok = false;
  if (in6_get_hw_ifid(ifp0, in6) === 0) {
    nd6log(LOG_DEBUG, `${ifp0.if_xname}: got interface identifier from itself\n`);
    ok = true;
  } else if (altifp !== null && in6_get_hw_ifid(altifp, in6) === 0) {
    nd6log(LOG_DEBUG, `${ifp0.if_xname}: got interface identifier from ${altifp.if_xname}\n`);
    ok = true;
  } else {
    for (const ifp of V_ifnet()) {
      if (ifp === ifp0) continue;
      if (in6_get_hw_ifid(ifp, in6) !== 0) continue;
      // Only a globally unique identifier may be borrowed.
      if (IFID_UNIVERSAL(in6)) {
        nd6log(LOG_DEBUG, `${ifp0.if_xname}: borrow interface identifier from ${ifp.if_xname}\n`);
        ok = true;
        break;
      }
    }
  }
  if (!ok) {
    if (get_rand_ifid(ifp0, in6) === 0) {
      nd6log(LOG_DEBUG, `${ifp0.if_xname}: interface identifier generated by random number\n`);
      ok = true;
    }
  }
  if (!ok) {
    printf(`${ifp0.if_xname}: failed to get interface identifier\n`);
    return -1;
  }
  const b = in6.s6_addr;
  const hx = (i: number) => b[i].toString(16).padStart(2, "0");
  nd6log(LOG_DEBUG, `${ifp0.if_xname}: ifid: ${hx(8)}:${hx(9)}:${hx(10)}:${hx(11)}:${hx(12)}:${hx(13)}:${hx(14)}:${hx(15)}\n`);
  return 0;
}

/**
 * in6_ifattach_linklocal: fe80::IFID/64 (fe80::1 on loopback), which never
 * expires, with DAD after a random delay; then the link-local prefix
 * fe80::%ifp/64 on the prefix list, on-link, for ever.
 */
function in6_ifattach_linklocal(ifp: ifnet, altifp: ifnet | null): number {
  const ifra = new in6_aliasreq();
  in6_prepare_ifra(ifra, null, in6mask64);
  const a = ifra.ifra_addr.sin6_addr.s6_addr;
  a[0] = 0xfe;
  a[1] = 0x80;
  if ((ifp.if_flags & IFF_LOOPBACK) !== 0) {
    a[15] = 1;
  } else if (get_ifid(ifp, altifp, ifra.ifra_addr.sin6_addr) !== 0) {
    nd6log(LOG_ERR, `${ifp.if_xname}: no ifid available\n`);
    return -1;
  }
  if (in6_setscope(ifra.ifra_addr.sin6_addr, ifp, null) !== 0) return -1;
  ifra.ifra_lifetime.ia6t_vltime = ND6_INFINITE_LIFETIME;
  ifra.ifra_lifetime.ia6t_pltime = ND6_INFINITE_LIFETIME;
  // There is no link-local address yet (in6_ifattach checked): a new one.
  const error = in6_update_ifa(ifp, ifra, null, IN6_IFAUPDATE_DADDELAY);
  if (error !== 0) {
    // An interface without IPv6 refuses SIOCSIFADDR: not worth a word.
    if (error !== EAFNOSUPPORT) nd6log(LOG_NOTICE, `in6_ifattach_linklocal: failed to configure a link-local address on ${ifp.if_xname} (errno=${error})\n`);
    return -1;
  }
  const ia = in6ifa_ifpforlinklocal(ifp, 0);
  if (ia === null) {
    nd6log(LOG_NOTICE, `in6_ifattach_linklocal: ${ifp.if_xname}: new link-local address disappeared\n`);
    return -1;
  }
  // The link-local prefix, managed apart from the address: on-link, never
  // expiring.  It may be there already, from an earlier link-local address.
  const pr0 = new nd_prefixctl();
  pr0.ndpr_ifp = ifp;
  pr0.ndpr_plen = in6_mask2len(ifra.ifra_prefixmask.sin6_addr);
  const p = pr0.ndpr_prefix;
  p.sin6_len = ifra.ifra_addr.sin6_len;
  p.sin6_family = ifra.ifra_addr.sin6_family;
  in6_addr_copy(p.sin6_addr, ifra.ifra_addr.sin6_addr);
  p.sin6_scope_id = ifra.ifra_addr.sin6_scope_id;
  IN6_MASK_ADDR(p.sin6_addr, in6mask64);
  pr0.ndpr_raf_onlink = 1;
  pr0.ndpr_raf_auto = 1;
  pr0.ndpr_vltime = ND6_INFINITE_LIFETIME;
  pr0.ndpr_pltime = ND6_INFINITE_LIFETIME;
  const pr = nd6_prefix_lookup(pr0);
  if (pr === null) {
    const newp: { pr: nd_prefix | null } = { pr: null };
    const e = nd6_prelist_add(pr0, null, newp);
    if (e !== 0) return e;
    if (newp.pr !== null) {
      ia.ia6_ndpr = newp.pr;
      newp.pr.ndpr_addrcnt++;
    }
  } else nd6_prefix_rele(pr);
  return 0;
}

/** in6_ifattach_loopback: ::1/128 on a loopback interface, its destination itself, for ever. */
function in6_ifattach_loopback(ifp: ifnet): number {
  const ifra = new in6_aliasreq();
  in6_prepare_ifra(ifra, in6addr_loopback, in6mask128);
  // As IPv4 does, the destination of loopback is the address itself.
  ifra.ifra_dstaddr.sin6_len = 28;
  ifra.ifra_dstaddr.sin6_family = ifra.ifra_addr.sin6_family;
  in6_addr_copy(ifra.ifra_dstaddr.sin6_addr, in6addr_loopback);
  ifra.ifra_lifetime.ia6t_vltime = ND6_INFINITE_LIFETIME;
  ifra.ifra_lifetime.ia6t_pltime = ND6_INFINITE_LIFETIME;
  const error = in6_update_ifa(ifp, ifra, null, 0);
  if (error !== 0) {
    nd6log(LOG_ERR, `in6_ifattach_loopback: failed to configure the loopback address on ${ifp.if_xname} (errno=${error})\n`);
    return -1;
  }
  return 0;
}

/**
 * in6_nigroup0: the node information group address of a host name (RFC
 * 4620): ff02::2:ffXX:XXXX with the first 24 bits of MD5 over the first
 * label (its length byte, then the label in lower case); with oldmcprefix,
 * the older ff02::2:XXXX:XXXX with 32 bits.  name null and namelen -1:
 * the calling thread's host name.
 */
function in6_nigroup0(ifp: ifnet | null, name: string | null, namelen: number, in6: in6_addr, oldmcprefix: number): number {
  if (name === null && namelen === -1) {
    name = curthread_hostname();
    namelen = name.length;
  }
  if (name === null || namelen === 0) return -1;
  let l = 0;
  while (l < namelen && l < name.length && name[l] !== "." && name[l] !== "\0") l++;
  // A label is 1..63 characters.
  if (l === 0 || l > 63) return -1;
  const label = new TextEncoder().encode(name.slice(0, l).replace(/[A-Z]/g, (c) => c.toLowerCase()));
  const digest = md5(new Uint8Array([label.length & 0xff]), label);
  const b = in6.s6_addr;
  b.fill(0);
  b[0] = 0xff;
  b[1] = 0x02;
  b[11] = 2;
  if (oldmcprefix === 0) {
    b[12] = 0xff;
    b.set(digest.subarray(0, 3), 13);
  } else {
    b.set(digest.subarray(0, 4), 12);
  }
  if (ifp !== null && in6_setscope(in6, ifp, null) !== 0) return -1;
  return 0;
}

export function in6_nigroup(ifp: ifnet | null, name: string | null, namelen: number, in6: in6_addr): number {
  return in6_nigroup0(ifp, name, namelen, in6, 0);
}

export function in6_nigroup_oldmcprefix(ifp: ifnet | null, name: string | null, namelen: number, in6: in6_addr): number {
  return in6_nigroup0(ifp, name, namelen, in6, 1);
}

/**
 * in6_ifattach(ifp, altifp): IPv6 on an interface that came up (in6_if_up)
 * or was enabled (nd6's -ifdisabled): no IPv6 without multicast; ::1 on the
 * first loopback interface; a link-local address unless IPv6 is disabled
 * there or auto_linklocal is off, or there is one already.  altifp: another
 * interface to take the identifier from.
 */
export function in6_ifattach(ifp: ifnet, altifp: ifnet | null): void {
  if (in6_ifextra_get(ifp) === null) return;
  const ndi = ND_IFINFO(ifp);
  // 6to4 interfaces have neither multicast nor a link-local address
  // (RFC 2529 tells how to make one; it would do harm).
  if (ifp.if_type === IFT_STF) {
    ndi.flags &= ~ND6_IFF_AUTO_LINKLOCAL;
    ndi.flags |= ND6_IFF_NO_DAD;
  }
  if ((ifp.if_flags & IFF_MULTICAST) === 0) {
    nd6log(LOG_INFO, `in6_ifattach: ${ifp.if_xname} is not multicast capable, IPv6 not enabled\n`);
    return;
  }
  if ((ifp.if_flags & IFF_LOOPBACK) !== 0) {
    // One ::1 per vnet, on the first loopback interface to come up.
    if (in6ifa_ifwithaddr(in6addr_loopback, 0) === null) in6_ifattach_loopback(ifp);
  }
  if ((ndi.flags & ND6_IFF_IFDISABLED) === 0 && (ndi.flags & ND6_IFF_AUTO_LINKLOCAL) !== 0) {
    if (in6ifa_ifpforlinklocal(ifp, 0) === null) in6_ifattach_linklocal(ifp, altifp);
  }
  if (VNET_I32(in6_maxmtu) < ifp.if_mtu) VNET_I32_SET(in6_maxmtu, ifp.if_mtu);
}

/**
 * _in6_ifdetach: every IPv6 address of ifp goes, then (unless the vnet is
 * being torn down, whose upper layers are gone already) sockets forget the
 * interface; its groups are left and its neighbor entries purged.
 */
function _in6_ifdetach(ifp: ifnet, purgeulp: number): void {
  if (in6_ifextra_get(ifp) === null) return;
  for (const ifa of ifp.if_addrhead.slice()) if (ifa instanceof in6_ifaddr) in6_purgeaddr(ifa);
  // in6_pcbpurgeif0 walks the UDP, UDP-Lite and raw IPv6 tables.
  if (purgeulp !== 0) in6_pcbpurgeif0(ifp);
  in6_purgemaddrs(ifp);
  if (purgeulp !== 0) nd6_purge(ifp);
}

export function in6_ifdetach(ifp: ifnet): void {
  _in6_ifdetach(ifp, 1);
}

/** in6_ifdetach_destroy: the vnet teardown's variant (ip6_destroy). */
export function in6_ifdetach_destroy(ifp: ifnet): void {
  _in6_ifdetach(ifp, 0);
}

