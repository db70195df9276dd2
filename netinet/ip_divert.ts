// sys/netinet/ip_divert.c, sys/netinet/ip_divert.h (FreeBSD 14): divert(4)
// sockets, the ipdivert module.  Since FreeBSD 14 they are a domain of
// their own, socket(PF_DIVERT, SOCK_RAW, 0), with a small control block
// (struct divcb) per socket instead of an inpcb, kept per vnet in an
// eight-bucket hash on the divert port.
//
// ipfw's `divert PORT` and `tee PORT` rules hand a packet here (through
// ip_divert_ptr) with its MTAG_IPFW_RULE tag: info holds the port, rulenum
// the matching rule.  divert_packet queues it on the socket bound to that
// port, with a sockaddr_in as its source address: sin_port the rule number
// (in host format, as C stores it: see below), sin_addr the first IPv4
// address of the receiving interface for an inbound packet, and sin_zero
// the receiving interface's name whenever the packet has one.  No socket
// on the port: the packet is dropped and counted in div_noport.
//
// What a program writes back is reinjected (div_send): with no address or
// sin_addr 0.0.0.0 as outbound, through ip_output (ip6_output for IPv6);
// otherwise as inbound, queued on the IP netisr as if received on the
// interface named in sin_zero, or failing that the one owning sin_addr.
// Either way it carries a fresh MTAG_IPFW_RULE tag whose rulenum is
// sin_port + 1, so ipfw resumes after the rule that diverted it (0 runs the
// whole ruleset again), and whose info has IPFW_IS_DIVERT, which the
// `diverted` option matches.
//
// The ABI is FreeBSD's, there being no other (ip_divert.h): programs use
// socket(2), bind(2) with a sockaddr_in whose sin_port is the divert port,
// recvfrom(2) and sendto(2).  The rule number goes in sin_port unconverted:
// on amd64 a C program reads it without ntohs, and ntohs of the field (what
// our sockaddr_in's sin_port holds, and what Python's address tuple shows)
// is the byte-swapped rule number.  A program that sends back the address
// it received gets the right rule either way.
//
// Statistics: net.inet.divert.stats (struct divstat: div_diverted,
// div_noport, div_outbound, div_inbound); the sockets: net.inet.divert.pcblist
// (sockstat -P divert shows them as "div4").  The module cannot be unloaded
// unless forced (MOD_QUIESCE says EPERM), nor while a socket is open in
// the unloading vnet (EBUSY).
//
// Departures: no pf(4) divert-to (pf is not in this tree), so only ipfw's
// tag is looked for; no SO_REUSEPORT_LB load-balancing groups (a later
// addition); no MAC labels.

import { EADDRINUSE, EADDRNOTAVAIL, EAFNOSUPPORT, EBUSY, EINVAL, ENOBUFS, EOPNOTSUPP, EPERM } from "../kern/errno.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_FIREWALL } from "../kern/kernel.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { DECLARE_MODULE, MOD_LOAD, MOD_QUIESCE, MOD_UNLOAD, type module } from "../kern/kern_module.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { PRIV_NETINET_DIVERT, priv_check_cred } from "../kern/kern_priv.ts";
import type { thread } from "../kern/kern_prot.ts";
import { panic } from "../kern/subr_prf.ts";
import { CSUM_DELAY_DATA, M_BCAST, M_MCAST, M_SETFIB, type mbuf } from "../kern/mbuf.ts";
import { AF_INET, AF_INET6, PF_DIVERT, SOCK_RAW, SO_DONTROUTE, type sockaddr } from "../kern/socket.ts";
import {
  CTLFLAG_MPSAFE,
  CTLFLAG_RD,
  CTLFLAG_RW,
  CTLTYPE_OPAQUE,
  OID_AUTO,
  SYSCTL_NODE,
  SYSCTL_OUT,
  SYSCTL_PROC,
  SYSCTL_VNET_PCPUSTAT,
  sysctl_unregister_oid,
  type sysctl_oid,
} from "../kern/sysctl.ts";
import { domain_add, domain_remove, type domain } from "../kern/uipc_domain.ts";
import { m_pullup } from "../kern/uipc_mbuf.ts";
import { m_tag_locate, m_tag_prepend } from "../kern/uipc_mbuf2.ts";
import {
  PR_ADDR,
  PR_ATOMIC,
  pf_proto_register,
  pf_proto_unregister,
  sbappendaddr_locked,
  socantsendmore,
  soreserve,
  soroverflow_locked,
  sorwakeup_locked,
  type protosw,
  type socket,
} from "../kern/uipc_socket.ts";
import { ifunit, type ifnet } from "../net/if.ts";
import { NETISR_IP, NETISR_IPV6, netisr_queue_src } from "../net/netisr.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_PTR, VNET_DEFINE_U64, VNET_PTR, VNET_PTR_SET, VNET_U64, VNET_U64_ADD, curvnet, vnet0 } from "../net/vnet.ts";
import { IPFW_INFO_IN, IPFW_INFO_OUT, IPFW_IS_DIVERT } from "../netpfil/ipfw/ip_fw_private.ts";
import { ipfw_rule_mtag, is_ipfw_rule_mtag } from "../netpfil/ipfw/ip_fw_pfil.ts";
import { in6_delayed_cksum } from "../netinet6/in6_cksum.ts";
import { IP6_HDR_LEN, IP6_OFF_PLEN } from "./ip6.ts";
import { ip6_output } from "../netinet6/ip6_output.ts";
import { CSUM_DELAY_DATA_IPV6 } from "../netinet6/ip6_var.ts";
import { IN_MULTICAST, in_broadcast, ifa_ifwithaddr, sockaddr_in } from "./in.ts";
import { in_delayed_cksum } from "./in_cksum.ts";
import { INP_IPV4, XINPCB_LEN } from "./in_pcb.ts";
import { IPH_DST, IPH_LEN, IPH_VHL, IP_HDRLEN } from "./ip.ts";
import { ip_output } from "./ip_output.ts";
import { IP_ALLOWBROADCAST, IP_RAWOUTPUT, IP_ROUTETOIF, _net_inet, ip_divert_ptr_set } from "./ip_var.ts";

/** Room for one largest IP datagram each way. */
const DIVSNDQ = 65536 + 100;
const DIVRCVQ = 65536 + 100;

/** Few systems have many divert ports: eight buckets. */
const DIVHASHSIZE = 1 << 3;

/** ntohs/htons on a 16-bit value (amd64 is little-endian). */
function bswap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}

/** DIVHASH: the bucket of a port, hashed in network order as FreeBSD's. */
function DIVHASH(port: number): number {
  return bswap16(port) % DIVHASHSIZE;
}

// ---------------------------------------------------------------------------
// struct divstat (ip_divert.h) and its counters, per vnet.

export const div_diverted = 0;
export const div_noport = 1;
export const div_outbound = 2;
export const div_inbound = 3;
export const DIVSTAT_NFIELDS = 4;

/** VNET_PCPUSTAT_DEFINE_STATIC(struct divstat, divstat). */
const divstat = VNET_DEFINE_U64("divstat", DIVSTAT_NFIELDS);

function DIVSTAT_INC(field: number): void {
  VNET_U64_ADD(divstat + field, 1);
}

/** One counter of the current vnet's struct divstat, for tests and observers. */
export function divstat_get(field: number): number {
  return VNET_U64(divstat + field);
}

// ---------------------------------------------------------------------------
// Control blocks.

/** struct divcb: a divert socket and the port it is bound to (host order). */
export class divcb {
  /** dcb_bound: false until bind(2) (DCB_UNBOUND). */
  dcb_bound = false;
  dcb_port = 0;
  constructor(
    readonly dcb_socket: socket,
    readonly dcb_gencnt: number,
  ) {}
}

/** The per-vnet state: V_divhash, V_dcb_count, V_dcb_gencnt. */
class divvnet {
  readonly divhash: divcb[][] = Array.from({ length: DIVHASHSIZE }, () => []);
  dcb_count = 0;
  dcb_gencnt = 0;
}

const divvnet_p = VNET_DEFINE_PTR<divvnet | null>("divvnet", null);

/** The current vnet's divert state, made on first use (FreeBSD's is
 *  zeroed static vnet data). */
function V_div(): divvnet {
  let d = VNET_PTR(divvnet_p);
  if (d === null) VNET_PTR_SET(divvnet_p, (d = new divvnet()));
  return d;
}

/** The socket's divcb (kept in so_pcb_other: it is no inpcb). */
function sotodivcb(so: socket): divcb {
  const dcb = so.so_pcb_other;
  if (!(dcb instanceof divcb)) panic("sotodivcb: not a divert socket");
  return dcb;
}

// ---------------------------------------------------------------------------
// Packets from ipfw to a socket.

/** The source address divert_packet queues with each packet, made once:
 *  sbappendaddr copies it. */
const divsrc = new sockaddr_in();
const divsrc_zero = new Uint8Array(8);
divsrc.sin_zero = divsrc_zero;

/**
 * divert_packet(m, incoming): to the socket bound to the port in the
 * packet's ipfw tag, with the rule number and the interface in the
 * source address.  Consumes the packet.
 */
export function divert_packet(m0: mbuf, incoming: boolean): void {
  let m: mbuf | null = m0;
  const mtag = m_tag_locate(m, is_ipfw_rule_mtag, null);
  if (mtag === null) {
    m_freem(m);
    return;
  }
  const cookie = mtag.rule.rulenum & 0xffff;
  const port = mtag.rule.info & 0xffff;
  if (m.m_len < IP_HDRLEN && (m = m_pullup(m, IP_HDRLEN)) === null) return;
  // A checksum left for the hardware would reach the program unfinished.
  if ((m.m_pkthdr.csum_flags & CSUM_DELAY_DATA) !== 0) {
    in_delayed_cksum(m);
    m.m_pkthdr.csum_flags &= ~CSUM_DELAY_DATA;
  }
  if ((m.m_pkthdr.csum_flags & CSUM_DELAY_DATA_IPV6) !== 0) {
    in6_delayed_cksum(m, m.m_pkthdr.len - IP6_HDR_LEN, IP6_HDR_LEN);
    m.m_pkthdr.csum_flags &= ~CSUM_DELAY_DATA_IPV6;
  }
  divsrc.sin_len = 16;
  divsrc.sin_family = AF_INET;
  divsrc.sin_addr = 0;
  // The rule in host format in the network-order field (see the header).
  divsrc.sin_port = bswap16(cookie);
  divsrc_zero.fill(0);
  const ifp = m.m_pkthdr.rcvif as ifnet | null;
  if (incoming && ifp !== null) {
    for (const ifa of ifp.if_addrhead) {
      const a = ifa.ifa_addr;
      if (!("sin_addr" in a) || a.sin_family !== AF_INET) continue;
      divsrc.sin_addr = a.sin_addr;
      break;
    }
  }
  // The interface's name, cut to what fits with its NUL (strlcpy).
  if (ifp !== null) {
    const name = ifp.if_xname;
    const n = Math.min(name.length, divsrc_zero.length - 1);
    for (let i = 0; i < n; i++) divsrc_zero[i] = name.charCodeAt(i) & 0xff;
  }
  let dcb: divcb | null = null;
  for (const d of V_div().divhash[DIVHASH(port)]) {
    if (d.dcb_port === port) {
      dcb = d;
      break;
    }
  }
  if (dcb !== null) {
    const sa = dcb.dcb_socket;
    if (sbappendaddr_locked(sa.so_rcv, divsrc, m, null) === 0) {
      soroverflow_locked(sa);
      m_freem(m);
    } else {
      sorwakeup_locked(sa);
      DIVSTAT_INC(div_diverted);
    }
  } else {
    DIVSTAT_INC(div_noport);
    m_freem(m);
  }
}

// ---------------------------------------------------------------------------
// Packets from a socket back into the stack.

/** The sin_zero bytes up to the first NUL, when they name an interface. */
function sin_zero_ifname(sin: sockaddr_in): string | null {
  const z = sin.sin_zero;
  if (z === null) return null;
  let i = 0;
  while (i < z.length && z[i] !== 0) i++;
  // User data: a name that fills all eight bytes has no NUL and is ignored.
  if (i === 0 || i >= 8) return null;
  return String.fromCharCode(...z.subarray(0, i));
}

/** div_send: reinject what the program wrote. */
function div_send(so: socket, _flags: number, m0: mbuf, nam: sockaddr | null, control: mbuf | null, _td: thread | null): number {
  if (control !== null) m_freem(control);
  const m = m0.m_len < IP_HDRLEN ? m_pullup(m0, IP_HDRLEN) : m0;
  if (m === null) return EINVAL;
  let sin: sockaddr_in | null = null;
  if (nam !== null) {
    if (!("sin_addr" in nam) || nam.sin_family !== AF_INET) {
      m_freem(m);
      return EAFNOSUPPORT;
    }
    if (nam.sin_len !== 16) {
      m_freem(m);
      return EINVAL;
    }
    sin = nam;
  }
  // Whatever its history, the packet is now one from userland.
  m.m_pkthdr.rcvif = null;
  m.m_nextpkt = null;
  M_SETFIB(m, so.so_fibnum);

  let mtag = m_tag_locate(m, is_ipfw_rule_mtag, null);
  if (mtag === null) {
    mtag = new ipfw_rule_mtag();
    m_tag_prepend(m, mtag);
  }
  const dt = mtag.rule;
  if (sin !== null) {
    // A slot with a chain id that matches no chain: ipfw looks the rule up
    // by number, the one after the cookie.
    dt.slot = 1;
    dt.chain_id = 0;
    dt.rulenum = bswap16(sin.sin_port) + 1;
    dt.rule_id = 0;
    const name = sin_zero_ifname(sin);
    if (name !== null) m.m_pkthdr.rcvif = ifunit(name);
  }
  let family: number;
  switch (m.m_buf[m.m_data + IPH_VHL] >>> 4) {
    case 4:
      family = AF_INET;
      break;
    case 6:
      family = AF_INET6;
      break;
    default:
      m_freem(m);
      return EAFNOSUPPORT;
  }
  if (sin === null || sin.sin_addr === 0) {
    dt.info |= IPFW_IS_DIVERT | IPFW_INFO_OUT;
    return div_output_outbound(family, so, m);
  }
  dt.info |= IPFW_IS_DIVERT | IPFW_INFO_IN;
  return div_output_inbound(family, so, m, sin);
}

/** div_output_outbound: to the wire through ip_output or ip6_output.
 *  Always consumes m. */
function div_output_outbound(family: number, so: socket, m: mbuf): number {
  const dv = m.m_dv;
  const len = family === AF_INET ? dv.getUint16(m.m_data + IPH_LEN) : dv.getUint16(m.m_data + IP6_OFF_PLEN);
  // A length beyond what was written would send the stack past the data.
  if (len > m.m_pkthdr.len) {
    m_freem(m);
    return EINVAL;
  }
  let error: number;
  if (family === AF_INET) error = ip_output(m, null, null, ((so.so_options & SO_DONTROUTE) !== 0 ? IP_ROUTETOIF : 0) | IP_ALLOWBROADCAST | IP_RAWOUTPUT, null, null);
  else error = ip6_output(m, null, null, 0, null, null, null);
  if (error === 0) DIVSTAT_INC(div_outbound);
  return error;
}

/** div_output_inbound: onto the IP (or IPv6) netisr queue as received on
 *  the interface the address names.  Always consumes m. */
function div_output_inbound(family: number, _so: socket, m: mbuf, sin: sockaddr_in): number {
  if (m.m_pkthdr.rcvif === null) {
    // No interface by that name: the one with that address, looked up
    // with the port and name cleared so they do not get in the way.
    sin.sin_zero = null;
    sin.sin_port = 0;
    const ifa = ifa_ifwithaddr(sin);
    if (ifa === null) {
      m_freem(m);
      return EADDRNOTAVAIL;
    }
    m.m_pkthdr.rcvif = ifa.ifa_ifp;
  }
  const rcvif = m.m_pkthdr.rcvif as ifnet | null;
  switch (family) {
    case AF_INET: {
      // ip_tryforward expects M_BCAST on a broadcast, as a driver sets it.
      const dst = m.m_dv.getUint32(m.m_data + IPH_DST);
      if (IN_MULTICAST(dst)) m.m_flags |= M_MCAST;
      else if (rcvif !== null && in_broadcast(dst, rcvif)) m.m_flags |= M_BCAST;
      netisr_queue_src(NETISR_IP, 0, m);
      DIVSTAT_INC(div_inbound);
      break;
    }
    case AF_INET6:
      netisr_queue_src(NETISR_IPV6, 0, m);
      DIVSTAT_INC(div_inbound);
      break;
    default:
      m_freem(m);
      return EINVAL;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// User requests.

function div_attach(so: socket, _proto: number, td: thread | null): number {
  if (td !== null) {
    const error = priv_check_cred(td.td_ucred, PRIV_NETINET_DIVERT);
    if (error !== 0) return error;
  }
  const error = soreserve(so, DIVSNDQ, DIVRCVQ);
  if (error !== 0) return error;
  const v = V_div();
  v.dcb_count++;
  so.so_pcb_other = new divcb(so, ++v.dcb_gencnt);
  return 0;
}

function div_detach(so: socket): void {
  const dcb = sotodivcb(so);
  so.so_pcb_other = null;
  const v = V_div();
  if (dcb.dcb_bound) {
    const b = v.divhash[DIVHASH(dcb.dcb_port)];
    const i = b.indexOf(dcb);
    if (i >= 0) b.splice(i, 1);
  }
  v.dcb_count--;
  v.dcb_gencnt++;
}

function div_bind(so: socket, nam: sockaddr, _td: thread | null): number {
  if (!("sin_addr" in nam) || nam.sin_family !== AF_INET) return EAFNOSUPPORT;
  if (nam.sin_len !== 16) return EINVAL;
  const port = nam.sin_port & 0xffff;
  const v = V_div();
  for (const d of v.divhash[DIVHASH(port)]) if (d.dcb_port === port) return EADDRINUSE;
  const dcb = sotodivcb(so);
  if (dcb.dcb_bound) {
    const b = v.divhash[DIVHASH(dcb.dcb_port)];
    b.splice(b.indexOf(dcb), 1);
  }
  dcb.dcb_port = port;
  dcb.dcb_bound = true;
  // CK_SLIST_INSERT_HEAD.
  v.divhash[DIVHASH(port)].unshift(dcb);
  return 0;
}

function div_shutdown(so: socket): number {
  socantsendmore(so);
  return 0;
}

const divertdomain: domain = { dom_family: PF_DIVERT, dom_name: "divert" };

export const div_protosw: protosw = {
  pr_type: SOCK_RAW,
  pr_domain: divertdomain,
  pr_protocol: 0,
  pr_flags: PR_ATOMIC | PR_ADDR,
  pr_attach: div_attach,
  pr_bind: div_bind,
  pr_detach: div_detach,
  pr_send: div_send,
  pr_shutdown: div_shutdown,
};

// ---------------------------------------------------------------------------
// Sysctls, registered while the module is loaded.

/**
 * div_pcblist: the xinpgen count, then an xinpcb per socket of the
 * current vnet (bucket by bucket), laid out as in_pcbtoxinpcb lays them:
 * IPv4, nothing but the local port set.
 */
function div_pcblist(): number[] {
  const v = V_div();
  const out: number[] = [0];
  let n = 0;
  const gen = v.dcb_gencnt;
  for (const b of v.divhash) {
    for (const d of b) {
      if (d.dcb_gencnt > gen) continue;
      const so = d.dcb_socket;
      const rec = new Array<number>(XINPCB_LEN).fill(0);
      // xso_protocol, inp_vflag, inp_flags, laddr, lport, faddr, fport,
      // rcv cc, snd cc, the two IPv6 addresses, xso_so.
      rec[0] = so.so_proto.pr_protocol;
      rec[1] = INP_IPV4;
      rec[4] = d.dcb_port;
      rec[7] = so.so_rcv.sb_ccc;
      rec[8] = so.so_snd.sb_ccc;
      rec[XINPCB_LEN - 1] = so.so_gencnt;
      out.push(...rec);
      n++;
    }
  }
  out[0] = n;
  return out;
}

let div_oids: sysctl_oid[] = [];

function div_sysctl_attach(): void {
  const node = SYSCTL_NODE(_net_inet, OID_AUTO, "divert", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "divert(4)");
  div_oids = [
    SYSCTL_VNET_PCPUSTAT(node, OID_AUTO, "stats", divstat, DIVSTAT_NFIELDS, "divstat", "divert(4) socket statistics"),
    SYSCTL_PROC(node, OID_AUTO, "pcblist", CTLTYPE_OPAQUE | CTLFLAG_RD | CTLFLAG_MPSAFE, null, 0, (_oidp, _arg1, _arg2, req) => (req.newval !== null ? EPERM : SYSCTL_OUT(req, div_pcblist())), "S,xinpcb", "List of active divert sockets"),
    node,
  ];
}

function div_sysctl_detach(): void {
  for (const o of div_oids) sysctl_unregister_oid(o);
  div_oids = [];
}

// ---------------------------------------------------------------------------
// The module.

function div_modevent(_mod: module, type: number, _arg: unknown): number {
  switch (type) {
    case MOD_LOAD:
      domain_add(divertdomain);
      pf_proto_register(PF_DIVERT, div_protosw);
      div_sysctl_attach();
      ip_divert_ptr_set(divert_packet);
      return 0;
    case MOD_QUIESCE:
      // Sockets may be in use anywhere: only a forced unload goes on.
      return EPERM;
    case MOD_UNLOAD: {
      // As FreeBSD's, this looks at the current vnet only: the caller's,
      // which kldunload(2) runs in; vnet0 when no vnet is set.
      const set = VIMAGE && curvnet === null;
      const saved = set ? CURVNET_SET(vnet0, "div_modevent") : null;
      const busy = V_div().dcb_count !== 0;
      if (set) CURVNET_RESTORE(saved);
      if (busy) return EBUSY;
      ip_divert_ptr_set(null);
      div_sysctl_detach();
      pf_proto_unregister(PF_DIVERT, div_protosw);
      domain_remove(divertdomain);
      return 0;
    }
    default:
      return EOPNOTSUPP;
  }
}

DECLARE_MODULE({ name: "ipdivert", evhand: div_modevent, priv: null }, SI_SUB_PROTO_FIREWALL, SI_ORDER_ANY, "ipdivert.ko");
MODULE_VERSION("ipdivert", 1, "ipdivert.ko");
