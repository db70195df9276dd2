// sys/netinet/in_gif.c: gif(4) over IPv4, the outer header's half.  Each
// vnet keeps its tunnels in a hash on (source, destination); those with
// the ignore_source option in a plain list matched on the local address
// alone.  Three encap handlers (IPv4, IPv6 and EtherIP inside IPv4) share
// one lookup, which finds the tunnel an arriving datagram belongs to and
// checks its outer source (uRPF) unless IFF_LINK2 is set.  A tunnel runs
// (IFF_DRV_RUNNING) only while its local address is one of the vnet's, which
// the source-address events of ip_encap keep true.
//
// The outer header is built as FreeBSD does: a zeroed header with the
// tunnel's addresses, the protocol, net.inet.ip.gifttl (30) as TTL, the
// ECN-derived TOS, no DF, and ip_output fills in version, length, id and
// checksum.  IPv6 inside (protocol 41) needs INET6: that is issue 13; its
// handler is attached, as in FreeBSD, but gif_input drops what it gets.
//
// Departures: prison_if (jails with an IPv4 address list) is not modelled
// for SIOCGIFPSRCADDR/SIOCGIFPDSTADDR; no strict alignment (amd64), so the
// EtherIP header is not shifted by ETHERIP_ALIGN.

import { EADDRNOTAVAIL, EEXIST, EINVAL, ENOBUFS } from "../kern/errno.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { AF_INET } from "../kern/socket.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, SYSCTL_INT, SYSCTL_NODE, _net } from "../kern/sysctl.ts";
import { PF_INET } from "../kern/socket.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { M_PREPEND, m_adj } from "../kern/uipc_mbuf.ts";
import { ETHER_HDR_LEN } from "../net/ethernet.ts";
import { IFF_DRV_RUNNING, IFF_LINK2, IFF_UP, SIOCGIFPDSTADDR, SIOCGIFPSRCADDR, SIOCSIFPHYADDR, type ifnet, type ifreq } from "../net/if.ts";
import { ETHERIP_HDR_LEN, GIF_HASH_SIZE, GIF_IGNORE_SOURCE, gif_input, type gif_softc } from "../net/if_gif.ts";
import { NHR_NONE } from "../net/route/nhop.ts";
import { IS_DEFAULT_VNET, VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET, curvnet } from "../net/vnet.ts";
import { INADDR_ANY, IPPROTO_ETHERIP, IPPROTO_IP, IPPROTO_IPV4, IPPROTO_IPV6, in_localip, sockaddr_in, type in_aliasreq } from "./in.ts";
import { fib4_check_urpf } from "./in_fib.ts";
import { IPH_DST, IPH_ID, IPH_LEN, IPH_OFF, IPH_P, IPH_SRC, IPH_SUM, IPH_TOS, IPH_TTL, IPH_VHL, IP_HDRLEN } from "./ip.ts";
import { ENCAP_DRV_LOOKUP, IPPROTO_DONE, ip_encap_attach, ip_encap_detach, ip_encap_register_srcaddr, ip_encap_unregister_srcaddr, type encap_arg, type encap_config, type encaptab, type srcaddrtab } from "./ip_encap.ts";
import { ip_output } from "./ip_output.ts";
import { IPCTL_GIF_TTL, IPSTAT_INC, ips_nogif } from "./ip_var.ts";

const GIF_TTL = 30;
/** V_ip_gif_ttl: net.inet.ip.gifttl. */
const ip_gif_ttl = VNET_DEFINE_INT("ip_gif_ttl", GIF_TTL);
const _net_inet = SYSCTL_NODE(_net, PF_INET, "inet", CTLFLAG_RW, null, "Internet Family");
const _net_inet_ip = SYSCTL_NODE(_net_inet, IPPROTO_IP, "ip", CTLFLAG_RW, null, "IP");
SYSCTL_INT(_net_inet_ip, IPCTL_GIF_TTL, "gifttl", CTLFLAG_VNET | CTLFLAG_RW, ip_gif_ttl, 0, "Default TTL value for encapsulated packets");

/** The outer header's addresses a tunnel keeps (gif_iphdr: FreeBSD keeps a
 *  whole struct ip, zero but for these). */
export class gif_ip4hdr {
  constructor(
    readonly ip_src: number,
    readonly ip_dst: number,
  ) {}
}

// The vnet's tunnels: the (src, dst) hash, the source hash the address
// events walk, and the ignore_source list.  The hashes appear with the
// vnet's first tunnel.
const ipv4_hashtbl = VNET_DEFINE_PTR<gif_softc[][] | null>("ipv4_hashtbl", null);
const ipv4_srchashtbl = VNET_DEFINE_PTR<gif_softc[][] | null>("ipv4_srchashtbl", null);
const ipv4_list = VNET_DEFINE_PTR<gif_softc[]>("ipv4_list", []);

/** gif_hashinit: GIF_HASH_SIZE empty chains. */
function gif_hashinit(): gif_softc[][] {
  const hash: gif_softc[][] = [];
  for (let i = 0; i < GIF_HASH_SIZE; i++) hash.push([]);
  return hash;
}

const FNV1_32_INIT = 0x811c9dc5;
const FNV_32_PRIME = 0x01000193;
/** fnv_32_buf over the four bytes of an address as memory holds it
 *  (network order). */
function fnv_32_addr(a: number, hval: number): number {
  for (let sh = 24; sh >= 0; sh -= 8) {
    hval = Math.imul(hval, FNV_32_PRIME) >>> 0;
    hval = (hval ^ ((a >>> sh) & 0xff)) >>> 0;
  }
  return hval;
}

function in_gif_hashval(src: number, dst: number): number {
  return fnv_32_addr(dst, fnv_32_addr(src, FNV1_32_INIT));
}

/** GIF_HASH(src, dst): the chain; only called once the hashes exist. */
function GIF_HASH(src: number, dst: number): gif_softc[] {
  const tbl = VNET_PTR(ipv4_hashtbl);
  KASSERT(tbl !== null, "GIF_HASH: no hash table");
  return tbl[in_gif_hashval(src, dst) & (GIF_HASH_SIZE - 1)];
}
function GIF_SRCHASH(src: number): gif_softc[] {
  const tbl = VNET_PTR(ipv4_srchashtbl);
  KASSERT(tbl !== null, "GIF_SRCHASH: no hash table");
  return tbl[fnv_32_addr(src, FNV1_32_INIT) & (GIF_HASH_SIZE - 1)];
}

function iphdr_of(sc: gif_softc): gif_ip4hdr {
  const ip = sc.gif_iphdr;
  KASSERT(ip !== null, `${sc.gif_ifp.if_xname}: AF_INET tunnel without a header`);
  return ip;
}

function list_remove(list: gif_softc[], sc: gif_softc): void {
  const i = list.indexOf(sc);
  if (i >= 0) list.splice(i, 1);
}

/** in_gif_checkdup: EEXIST when sc already has these addresses,
 *  EADDRNOTAVAIL when another tunnel of the vnet has them. */
function in_gif_checkdup(sc: gif_softc, src: number, dst: number): number {
  if (sc.gif_family === AF_INET && sc.gif_iphdr !== null && sc.gif_iphdr.ip_src === src && sc.gif_iphdr.ip_dst === dst) return EEXIST;
  const chain = GIF_HASH(src, dst);
  for (let i = 0; i < chain.length; i++) {
    const tmp = chain[i];
    if (tmp === sc) continue;
    const ip = iphdr_of(tmp);
    if (ip.ip_src === src && ip.ip_dst === dst) return EADDRNOTAVAIL;
  }
  return 0;
}

/** in_gif_set_running: a tunnel runs while its local end is ours (no
 *  spoofed sources). */
function in_gif_set_running(sc: gif_softc): void {
  if (in_localip(iphdr_of(sc).ip_src)) sc.gif_ifp.if_drv_flags |= IFF_DRV_RUNNING;
  else sc.gif_ifp.if_drv_flags &= ~IFF_DRV_RUNNING;
}

/** in_gif_srcaddr: an address came or went; the tunnels with it as their
 *  local end start or stop. */
function in_gif_srcaddr(_arg: unknown, sin: sockaddr_in, _event: number): void {
  if (VNET_PTR(ipv4_hashtbl) === null) return;
  const chain = GIF_SRCHASH(sin.sin_addr);
  for (let i = 0; i < chain.length; i++) {
    const sc = chain[i];
    if (iphdr_of(sc).ip_src !== sin.sin_addr) continue;
    in_gif_set_running(sc);
  }
}

/** in_gif_attach: into the (src, dst) hash, or the ignore_source list,
 *  and the source hash. */
function in_gif_attach(sc: gif_softc): void {
  const ip = iphdr_of(sc);
  if ((sc.gif_options & GIF_IGNORE_SOURCE) !== 0) VNET_PTR(ipv4_list).unshift(sc);
  else GIF_HASH(ip.ip_src, ip.ip_dst).unshift(sc);
  GIF_SRCHASH(ip.ip_src).unshift(sc);
}

/** in_gif_detach: out of both (CK_LIST_REMOVE of chain and srchash). */
export function in_gif_detach(sc: gif_softc): void {
  const ip = iphdr_of(sc);
  if ((sc.gif_options & GIF_IGNORE_SOURCE) !== 0) list_remove(VNET_PTR(ipv4_list), sc);
  else list_remove(GIF_HASH(ip.ip_src, ip.ip_dst), sc);
  list_remove(GIF_SRCHASH(ip.ip_src), sc);
}

/** in_gif_setopts: the options changed; a change of ignore_source moves
 *  the tunnel between the hash and the list. */
export function in_gif_setopts(sc: gif_softc, options: number): number {
  KASSERT(sc.gif_family === AF_INET && sc.gif_options !== options, "in_gif_setopts");
  if ((options & GIF_IGNORE_SOURCE) !== (sc.gif_options & GIF_IGNORE_SOURCE)) {
    in_gif_detach(sc);
    sc.gif_options = options;
    in_gif_attach(sc);
  }
  return 0;
}

/**
 * in_gif_ioctl: SIOCSIFPHYADDR (set the end points), SIOCGIFPSRCADDR and
 * SIOCGIFPDSTADDR (read them).  Both ends must be AF_INET sockaddr_ins of
 * the right length (EINVAL), neither may be 0.0.0.0 (EADDRNOTAVAIL), and
 * no other tunnel of the vnet may have the same pair (EADDRNOTAVAIL).
 */
export function in_gif_ioctl(sc: gif_softc, cmd: number, data: ifreq | in_aliasreq): number {
  let error = EINVAL;
  switch (cmd) {
    case SIOCSIFPHYADDR: {
      const req = data as in_aliasreq;
      const src = req.ifra_addr;
      const dst = req.ifra_dstaddr ?? req.ifra_broadaddr;
      if (dst === null || src.sin_family !== dst.sin_family || src.sin_family !== AF_INET || src.sin_len !== dst.sin_len || src.sin_len !== 16) break;
      if (src.sin_addr === INADDR_ANY || dst.sin_addr === INADDR_ANY) {
        error = EADDRNOTAVAIL;
        break;
      }
      if (VNET_PTR(ipv4_hashtbl) === null) {
        VNET_PTR_SET(ipv4_hashtbl, gif_hashinit());
        VNET_PTR_SET(ipv4_srchashtbl, gif_hashinit());
      }
      error = in_gif_checkdup(sc, src.sin_addr, dst.sin_addr);
      if (error === EADDRNOTAVAIL) break;
      if (error === EEXIST) {
        // The same addresses: nothing to do.
        error = 0;
        break;
      }
      // A tunnel that had other addresses leaves its chains first (no
      // link state change for the move, as in FreeBSD).
      if (sc.gif_family !== 0) gif_delete_family(sc);
      sc.gif_family = AF_INET;
      sc.gif_iphdr = new gif_ip4hdr(src.sin_addr, dst.sin_addr);
      in_gif_attach(sc);
      in_gif_set_running(sc);
      break;
    }
    case SIOCGIFPSRCADDR:
    case SIOCGIFPDSTADDR: {
      if (sc.gif_family !== AF_INET) {
        error = EADDRNOTAVAIL;
        break;
      }
      const ip = iphdr_of(sc);
      (data as ifreq).ifr_addr = new sockaddr_in(cmd === SIOCGIFPSRCADDR ? ip.ip_src : ip.ip_dst);
      error = 0;
      break;
    }
  }
  return error;
}

/** Leave the chains of the current family (gif_delete_tunnel's part that
 *  depends on it). */
export function gif_delete_family(sc: gif_softc): void {
  if (sc.gif_family === AF_INET) in_gif_detach(sc);
  sc.gif_iphdr = null;
}

/**
 * in_gif_output(ifp, m, proto, ecn): put the outer IPv4 header in front of
 * the inner packet (or the EtherIP header and its frame) and send it.
 * The chain is consumed; 0 or the errno of M_PREPEND/ip_output.
 */
export function in_gif_output(ifp: ifnet, m: mbuf, proto: number, ecn: number): number {
  const sc = ifp.if_softc as gif_softc;
  const mm = M_PREPEND(m, IP_HDRLEN, M_NOWAIT);
  if (mm === null) return ENOBUFS;
  m = mm;
  KASSERT(sc.gif_family === AF_INET, "in_gif_output: not an AF_INET tunnel");
  const hdr = iphdr_of(sc);
  const dv = m.m_dv;
  const ip = m.m_data;
  // A copy of the tunnel's header: zero but for the addresses; version
  // and header length are ip_output's to set.
  m.m_buf[ip + IPH_VHL] = 0;
  m.m_buf[ip + IPH_TOS] = ecn;
  dv.setUint16(ip + IPH_LEN, m.m_pkthdr.len);
  dv.setUint16(ip + IPH_ID, 0);
  dv.setUint16(ip + IPH_OFF, 0);
  m.m_buf[ip + IPH_TTL] = VNET_I32(ip_gif_ttl);
  m.m_buf[ip + IPH_P] = proto;
  dv.setUint16(ip + IPH_SUM, 0);
  dv.setUint32(ip + IPH_SRC, hdr.ip_src);
  dv.setUint32(ip + IPH_DST, hdr.ip_dst);
  return ip_output(m, null, null, 0, null, null);
}

/**
 * in_gif_input: the encap handler's input.  The outer header goes (its TOS
 * kept for ECN) and gif_input takes the rest; a tunnel that is down counts
 * ips_nogif.
 */
function in_gif_input(m: mbuf, off: number, proto: number, arg: unknown): number {
  const sc = arg as gif_softc | null;
  if (sc === null) {
    m_freem(m);
    IPSTAT_INC(ips_nogif);
    return IPPROTO_DONE;
  }
  const gifp = sc.gif_ifp;
  if ((gifp.if_flags & IFF_UP) !== 0) {
    const ecn = m.m_buf[m.m_data + IPH_TOS];
    m_adj(m, off);
    gif_input(m, gifp, proto, ecn);
  } else {
    m_freem(m);
    IPSTAT_INC(ips_nogif);
  }
  return IPPROTO_DONE;
}

/**
 * in_gif_lookup: the tunnel whose local end is the datagram's destination
 * and whose far end its source (ENCAP_DRV_LOOKUP), else an ignore_source
 * tunnel on the destination alone (priority 32 + 8, address and protocol).
 * The tunnel must be up, and unless IFF_LINK2 the route back to the outer
 * source must leave through the interface the datagram came in on.
 */
function in_gif_lookup(m: mbuf, _off: number, _proto: number, arg: encap_arg): number {
  if (VNET_PTR(ipv4_hashtbl) === null) return 0;
  const dv = m.m_dv;
  const ip_src = dv.getUint32(m.m_data + IPH_SRC);
  const ip_dst = dv.getUint32(m.m_data + IPH_DST);
  let found: gif_softc | null = null;
  let ret = 0;
  // Inbound: the datagram's destination is the tunnel's source.
  const chain = GIF_HASH(ip_dst, ip_src);
  for (let i = 0; i < chain.length; i++) {
    const sc = chain[i];
    const h = iphdr_of(sc);
    if (h.ip_src === ip_dst && h.ip_dst === ip_src) {
      found = sc;
      ret = ENCAP_DRV_LOOKUP;
      break;
    }
  }
  if (found === null) {
    const list = VNET_PTR(ipv4_list);
    for (let i = 0; i < list.length; i++) {
      if (iphdr_of(list[i]).ip_src === ip_dst) {
        found = list[i];
        ret = 32 + 8;
        break;
      }
    }
  }
  if (found === null) return 0;
  const gifp = found.gif_ifp;
  if ((gifp.if_flags & IFF_UP) === 0) return 0;
  // Ingress filter on the outer source.
  if ((gifp.if_flags & IFF_LINK2) === 0) {
    if (fib4_check_urpf(found.gif_fibnum, ip_src, 0, NHR_NONE, m.m_pkthdr.rcvif as ifnet | null) === 0) return 0;
  }
  arg.v = found;
  return ret;
}

/** The handlers in_gif attaches: IPv4, IPv6 and EtherIP inside IPv4. */
const ipv4_encap_cfg: { encap: encap_config; cookie: encaptab | null }[] = [
  { encap: { proto: IPPROTO_IPV4, min_length: 2 * IP_HDRLEN, exact_match: ENCAP_DRV_LOOKUP, lookup: in_gif_lookup, check: null, input: in_gif_input }, cookie: null },
  { encap: { proto: IPPROTO_IPV6, min_length: IP_HDRLEN + 40, exact_match: ENCAP_DRV_LOOKUP, lookup: in_gif_lookup, check: null, input: in_gif_input }, cookie: null },
  {
    encap: { proto: IPPROTO_ETHERIP, min_length: IP_HDRLEN + ETHERIP_HDR_LEN + ETHER_HDR_LEN, exact_match: ENCAP_DRV_LOOKUP, lookup: in_gif_lookup, check: null, input: in_gif_input },
    cookie: null,
  },
];
let ipv4_srcaddrtab: srcaddrtab | null = null;

/** in_gif_init: the handlers are global, attached once from vnet0. */
export function in_gif_init(): void {
  VNET_PTR_SET(ipv4_list, []);
  if (!IS_DEFAULT_VNET(curvnet)) return;
  ipv4_srcaddrtab = ip_encap_register_srcaddr(in_gif_srcaddr, null);
  for (const c of ipv4_encap_cfg) c.cookie = ip_encap_attach(c.encap, null);
}

/** in_gif_uninit: vnet0 takes the handlers away; each vnet drops its hashes. */
export function in_gif_uninit(): void {
  if (IS_DEFAULT_VNET(curvnet)) {
    for (const c of ipv4_encap_cfg) {
      if (c.cookie !== null) ip_encap_detach(c.cookie);
      c.cookie = null;
    }
    if (ipv4_srcaddrtab !== null) ip_encap_unregister_srcaddr(ipv4_srcaddrtab);
    ipv4_srcaddrtab = null;
  }
  if (VNET_PTR(ipv4_hashtbl) !== null) {
    VNET_PTR_SET(ipv4_hashtbl, null);
    VNET_PTR_SET(ipv4_srchashtbl, null);
  }
}
