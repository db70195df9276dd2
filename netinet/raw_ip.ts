// sys/netinet/raw_ip.c: raw IP sockets.  rip_input gives a copy of an
// incoming datagram, IP header included, to every raw socket whose protocol
// matches (0 matches any) and whose bound and connected addresses match;
// that is how ping(8) hears echo replies and ICMP errors.  A datagram for a
// protocol nobody handles, that no raw socket wants either, is answered with
// ICMP protocol unreachable and counted in ips_noproto.  rip_send builds the
// IP header (TTL from IP_TTL, default net.inet.ip.ttl) or, with IP_HDRINCL,
// checks the caller's.  Also the home of V_ip_defttl (net.inet.ip.ttl).
//
// Departures: no multicast routing (mrouted) or RSVP hooks, no ipfw or
// dummynet control; jails carry no address restrictions.

import { CALC_FLOWID_OUTBOUND } from "../net/route/mpath_ctl.ts";
import { M_HASHTYPE_OPAQUE_HASH, fib4_calc_software_hash } from "./in_fib.ts";
import { EADDRNOTAVAIL, EAFNOSUPPORT, EINVAL, EISCONN, EMSGSIZE, ENOBUFS, ENOMEM, ENOPROTOOPT, ENOTCONN, EPROTONOSUPPORT } from "../kern/errno.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { SI_ORDER_FOURTH, SI_ORDER_THIRD, SI_SUB_PROTO_DOMAIN } from "../kern/kernel.ts";
import { M_COPYALL, type mbuf } from "../kern/mbuf.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { M_PREPEND, m_copym, m_pullup } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import type { thread } from "../kern/kern_prot.ts";
import { jailed } from "../kern/kern_jail.ts";
import { priv_check_cred, PRIV_NETINET_RAW } from "../kern/kern_priv.ts";
import { AF_INET, SA_LEN, SOCK_RAW, SOL_SOCKET, SO_DONTROUTE, SO_SETFIB, type sockaddr } from "../kern/socket.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_OPAQUE, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, SYSCTL_OUT, SYSCTL_PROC, SYSCTL_UINT, kvar_of } from "../kern/sysctl.ts";
import {
  PR_ADDR,
  PR_ATOMIC,
  SOPT_GET,
  SOPT_SET,
  SS_ISCONNECTED,
  sbappendaddr_locked,
  socantsendmore,
  soisconnected,
  soreserve,
  soroverflow_locked,
  sooptcopyin_int,
  sooptcopyout_int,
  sorwakeup_locked,
  type protosw,
  type socket,
  type sockopt,
} from "../kern/uipc_socket.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT } from "../net/vnet.ts";
import { V_ifnet } from "../net/if.ts";
import { INADDR_ANY, IPPROTO_IP, ifa_ifwithaddr_check, inetdomain, IPPROTO_MAX, IPPROTO_RAW, sockaddr_in } from "./in.ts";
import { IPDEFTTL, IPOPT_EOL, IPOPT_NOP, IPOPT_OLEN, IPOPT_OPTVAL, IP_DF, IPH_DST, IP_HDRLEN, IPH_ID, IPH_LEN, IP_MAXPACKET, IPH_OFF, IPH_P, IPH_SRC, IPH_TOS, IPH_TTL, IPH_VHL, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL } from "./ip.ts";
import { IPCTL_DEFTTL, IPSTAT_INC, IPSTAT_SUB, IP_ALLOWBROADCAST, IP_NODEFAULTFLOWID, IP_RAWOUTPUT, IP_ROUTETOIF, IP_SENDONES, _net_inet, _net_inet_ip, ips_delivered, ips_noproto, ips_rawout } from "./ip_var.ts";
import { ip_fillid, ip_output } from "./ip_output.ts";
import { icmp_error } from "./ip_icmp.ts";
import { ip_protox } from "./ip_input.ts";
import { IP_DUMMYNET3, IP_FW3 } from "./ip_fw.ts";
import { V_ip_fw_ctl_ptr, ip_dn_ctl_ptr } from "../netpfil/ipfw/ip_fw_private.ts";
import {
  INP_DONTFRAG,
  INP_BINDANY,
  IP_HDRINCL,
  INP_HDRINCL,
  INP_ONESBCAST,
  in_getpeeraddr,
  in_getsockaddr,
  in_pcballoc,
  in_pcbfree,
  in_pcbinfo_destroy,
  in_pcbinfo_init,
  in_pcbladdr,
  ip_ctloutput,
  sotoinpcb,
  in_pcblist_export,
  HASH_EMPTY,
  hash_bucket,
  type inpcb,
  type inpcbinfo,
} from "./in_pcb.ts";

/** V_ip_defttl: the TTL of datagrams we originate (net.inet.ip.ttl). */
export const ip_defttl = VNET_DEFINE_INT("ip_defttl", IPDEFTTL);
SYSCTL_INT(_net_inet_ip, IPCTL_DEFTTL, "ttl", CTLFLAG_VNET | CTLFLAG_RW, ip_defttl, 0, "Maximum TTL on IP packets");

export function V_ip_defttl(): number {
  return VNET_I32(ip_defttl);
}

export const _net_inet_raw = SYSCTL_NODE(_net_inet, IPPROTO_RAW, "raw", CTLFLAG_RW, null, "RAW");

/** net.inet.raw.maxdgram and recvspace. */
export const rip_sendspace = kvar_of(9216);
SYSCTL_UINT(_net_inet_raw, OID_AUTO, "maxdgram", CTLFLAG_RW, rip_sendspace, 0, "Maximum outgoing raw IP datagram size");
export const rip_recvspace = kvar_of(9216);
SYSCTL_UINT(_net_inet_raw, OID_AUTO, "recvspace", CTLFLAG_RW, rip_recvspace, 0, "Maximum space for incoming raw IP datagrams");

// ---------------------------------------------------------------------------
// The PCB table and its exact-match hash.

const INP_PCBHASH_RAW_SIZE = 256;

/** INP_PCBHASH_RAW(proto, laddr, faddr, mask): buckets 1..mask; bucket 0
 *  holds the sockets with a wildcard protocol or address. */
function INP_PCBHASH_RAW(proto: number, laddr: number, faddr: number, mask: number): number {
  return (((proto + laddr + faddr) >>> 0) % mask) + 1;
}

/** The raw PCBs and their hash (ipi_hash_exact). */
class ripcbinfo_t {
  readonly ipi_hash_exact: inpcb[][] = new Array<inpcb[]>(INP_PCBHASH_RAW_SIZE).fill(HASH_EMPTY);
  readonly ipi_hashmask = INP_PCBHASH_RAW_SIZE - 1;
  constructor(readonly pcbinfo: inpcbinfo) {}
}

/** V_ripcbinfo. */
const ripcbinfo_p = VNET_DEFINE_PTR<ripcbinfo_t | null>("ripcbinfo", null);

function V_ripcbinfo(): ripcbinfo_t {
  const r = VNET_PTR(ripcbinfo_p);
  KASSERT(r !== null, "V_ripcbinfo: not initialized");
  return r;
}

/** V_ripcbinfo itself, for raw IPv6 (netinet6/raw_ip6.ts), whose PCBs
 *  share the table. */
export function V_ripcbinfo_pcbinfo(): inpcbinfo {
  return V_ripcbinfo().pcbinfo;
}

/** The raw socket PCBs of the current vnet (for netstat/sockstat). */
export function V_ripcb(): readonly inpcb[] {
  return V_ripcbinfo().pcbinfo.ipi_listhead;
}

/** rip_pcblist: the raw PCBs of curvnet, each with its protocol. */
SYSCTL_PROC(
  _net_inet_raw,
  OID_AUTO,
  "pcblist",
  CTLTYPE_OPAQUE | CTLFLAG_RD | CTLFLAG_MPSAFE,
  null,
  0,
  (_oidp, _arg1, _arg2, req) => SYSCTL_OUT(req, in_pcblist_export(V_ripcb(), (inp) => inp.inp_ip_p)),
  "S,xinpcb",
  "List of active raw IP sockets",
);

/** Where each PCB sits in the exact hash. */
const rip_bucket = new WeakMap<inpcb, inpcb[]>();

function rip_inshash(inp: inpcb): void {
  const ri = V_ripcbinfo();
  let hash = 0;
  if (inp.inp_ip_p !== 0 && inp.inp_laddr !== INADDR_ANY && inp.inp_faddr !== INADDR_ANY) hash = INP_PCBHASH_RAW(inp.inp_ip_p, inp.inp_laddr, inp.inp_faddr, ri.ipi_hashmask);
  const b = hash_bucket(ri.ipi_hash_exact, hash);
  b.unshift(inp);
  rip_bucket.set(inp, b);
}

function rip_delhash(inp: inpcb): void {
  const b = rip_bucket.get(inp);
  if (b === undefined) return;
  const i = b.indexOf(inp);
  if (i >= 0) b.splice(i, 1);
  rip_bucket.delete(inp);
}

function rip_init(): void {
  VNET_PTR_SET(ripcbinfo_p, new ripcbinfo_t(in_pcbinfo_init("rip", INP_PCBHASH_RAW_SIZE, 1)));
}
VNET_SYSINIT("rip_init", SI_SUB_PROTO_DOMAIN, SI_ORDER_THIRD, rip_init);

function rip_destroy(): void {
  in_pcbinfo_destroy(V_ripcbinfo().pcbinfo);
  VNET_PTR_SET(ripcbinfo_p, null);
}
VNET_SYSUNINIT("raw_ip", SI_SUB_PROTO_DOMAIN, SI_ORDER_FOURTH, rip_destroy);

// ---------------------------------------------------------------------------
// Input.

/** The sender's address handed to every socket (FreeBSD's stack ripsrc). */
const ripsrc = new sockaddr_in();

/** rip_append: queue a copy of m (IP header included) on the socket;
 *  1 if it was queued. */
function rip_append(inp: inpcb, m: mbuf, ttl: number): number {
  const so = inp.inp_socket;
  if (so === null) return 0;
  // The socket's minimum TTL (IP_MINTTL).
  if (inp.inp_ip_minttl !== 0 && inp.inp_ip_minttl > ttl) return 0;
  const n = m_copym(m, 0, M_COPYALL, M_NOWAIT);
  if (n === null) return 0;
  if (sbappendaddr_locked(so.so_rcv, ripsrc, n, null) === 0) {
    soroverflow_locked(so);
    m_freem(n);
    return 0;
  }
  sorwakeup_locked(so);
  return 1;
}

/**
 * rip_input(m, off, proto): deliver to the raw sockets.  First the sockets
 * connected and bound to exactly this pair of addresses for this protocol
 * (the exact hash), then those with wildcards.  Consumes m.
 */
export function rip_input(m: mbuf, _off: number, proto: number): void {
  const dv = m.m_dv;
  const ip = m.m_data;
  const ip_src = dv.getUint32(ip + IPH_SRC);
  const ip_dst = dv.getUint32(ip + IPH_DST);
  const ttl = m.m_buf[ip + IPH_TTL];
  let appended = 0;
  ripsrc.sin_addr = ip_src;
  ripsrc.sin_port = 0;
  const ri = V_ripcbinfo();

  let b = ri.ipi_hash_exact[INP_PCBHASH_RAW(proto, ip_src, ip_dst, ri.ipi_hashmask)];
  for (let i = 0; i < b.length; i++) {
    const inp = b[i];
    if (inp.inp_ip_p !== proto) continue;
    if (inp.inp_laddr !== ip_dst) continue;
    if (inp.inp_faddr !== ip_src) continue;
    appended += rip_append(inp, m, ttl);
  }
  b = ri.ipi_hash_exact[0];
  for (let i = 0; i < b.length; i++) {
    const inp = b[i];
    if (inp.inp_ip_p !== 0 && inp.inp_ip_p !== proto) continue;
    if (inp.inp_laddr !== INADDR_ANY && inp.inp_laddr !== ip_dst) continue;
    if (inp.inp_faddr !== INADDR_ANY && inp.inp_faddr !== ip_src) continue;
    appended += rip_append(inp, m, ttl);
  }
  // Nobody at all handles this protocol: protocol unreachable.  (ICMP and
  // the others with their own input came here only to be copied.)
  if (appended === 0 && ip_protox_is_raw(m.m_buf[ip + IPH_P])) {
    IPSTAT_INC(ips_noproto);
    IPSTAT_SUB(ips_delivered, 1);
    icmp_error(m, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL, 0, 0);
  } else m_freem(m);
  return;
}

/** ip_protox[p] == rip_input: no protocol of its own handles p. */
function ip_protox_is_raw(p: number): boolean {
  return ip_protox[p] === rip_input;
}

/** rip_ctlinput: ICMP errors for raw sockets (IPsec only in FreeBSD). */
export function rip_ctlinput(_m: mbuf, _off: number): void {}

// ---------------------------------------------------------------------------
// Output.

/**
 * rip_send: build the IP header (unless IP_HDRINCL) and send with
 * ip_output.  With IP_HDRINCL the header must be sane: at least 20 bytes,
 * ip_len equal to what was written, options well formed and not combined
 * with IP_OPTIONS; ip_id 0 is filled in.  Consumes m.
 */
export function rip_send(so: socket, _pruflags: number, m0: mbuf, addr: sockaddr | null, control: mbuf | null, _td: thread | null): number {
  const inp = sotoinpcb(so);
  let m: mbuf | null = m0;
  if (control !== null) m_freem(control);
  // AF_INET addresses arrive laid out as sockaddr_in; others are refused.
  const nam = addr === null ? null : "sin_addr" in addr ? addr : null;
  let dst: number;
  if ((so.so_state & SS_ISCONNECTED) !== 0) {
    if (addr !== null) {
      m_freem(m);
      return EISCONN;
    }
    dst = inp.inp_faddr;
  } else {
    let error = 0;
    if (addr === null) error = ENOTCONN;
    else if (nam === null || nam.sin_family !== AF_INET) error = EAFNOSUPPORT;
    else if (nam.sin_len !== 16) error = EINVAL;
    if (error !== 0 || nam === null) {
      m_freem(m);
      return error;
    }
    dst = nam.sin_addr;
  }

  let flags = ((so.so_options & SO_DONTROUTE) !== 0 ? IP_ROUTETOIF : 0) | IP_ALLOWBROADCAST;

  if ((inp.inp_flags & INP_HDRINCL) === 0) {
    if (m.m_pkthdr.len + IP_HDRLEN > IP_MAXPACKET) {
      m_freem(m);
      return EMSGSIZE;
    }
    m = M_PREPEND(m, IP_HDRLEN, M_NOWAIT);
    if (m === null) return ENOBUFS;
    const ip = m.m_data;
    const dv = m.m_dv;
    // Version, header length, id and checksum are ip_output's to fill.
    m.m_buf.fill(0, ip, ip + IP_HDRLEN);
    m.m_buf[ip + IPH_TOS] = inp.inp_ip_tos;
    dv.setUint16(ip + IPH_OFF, (inp.inp_flags & INP_DONTFRAG) !== 0 ? IP_DF : 0);
    m.m_buf[ip + IPH_P] = inp.inp_ip_p;
    dv.setUint16(ip + IPH_LEN, m.m_pkthdr.len);
    let src = inp.inp_laddr;
    if (jailed(inp.inp_cred) && src === INADDR_ANY) {
      // A jailed socket does its own source selection rather than leave
      // INADDR_ANY to ip_output.
      const r = in_pcbladdr(inp, dst, inp.inp_cred);
      if (r.error !== 0) {
        m_freem(m);
        return r.error;
      }
      src = r.laddr;
    }
    dv.setUint32(ip + IPH_SRC, src);
    dv.setUint32(ip + IPH_DST, dst);
    m.m_buf[ip + IPH_TTL] = inp.inp_ip_ttl;
  } else {
    if (m.m_pkthdr.len > IP_MAXPACKET) {
      m_freem(m);
      return EMSGSIZE;
    }
    if (m.m_pkthdr.len < IP_HDRLEN) {
      m_freem(m);
      return EINVAL;
    }
    // FreeBSD pulls up unconditionally, which with its max_protohdr (TCP's
    // 40 bytes and more) leaves a short packet in one mbuf; this kernel has
    // no TCP to grow max_protohdr, so pull up only when needed, to the
    // same effect.
    if (m.m_len < IP_HDRLEN) {
      m = m_pullup(m, IP_HDRLEN);
      if (m === null) return ENOMEM;
    }
    let hlen = (m.m_buf[m.m_data + IPH_VHL] & 0x0f) << 2;
    if (m.m_len < hlen) {
      m = m_pullup(m, hlen);
      if (m === null) return EINVAL;
      hlen = (m.m_buf[m.m_data + IPH_VHL] & 0x0f) << 2;
    }
    const ip = m.m_data;
    const dv = m.m_dv;
    // A header with options of its own excludes IP_OPTIONS, and ip_len
    // must be exactly what was written.
    if (hlen < IP_HDRLEN || (hlen > IP_HDRLEN && inp.inp_options !== null) || dv.getUint16(ip + IPH_LEN) !== m.m_pkthdr.len) {
      m_freem(m);
      return EINVAL;
    }
    // Each option well formed (RFC 791 3.1): a length of at least 2 that
    // stays inside the header.
    const b = m.m_buf;
    let cp = ip + IP_HDRLEN;
    let cnt = hlen - IP_HDRLEN;
    let optlen: number;
    for (; cnt > 0; cnt -= optlen, cp += optlen) {
      const opttype = b[cp + IPOPT_OPTVAL];
      if (opttype === IPOPT_EOL) break;
      if (opttype === IPOPT_NOP) {
        optlen = 1;
        continue;
      }
      if (cnt < IPOPT_OLEN + 1) {
        m_freem(m);
        return EINVAL;
      }
      optlen = b[cp + IPOPT_OLEN];
      if (optlen < IPOPT_OLEN + 1 || optlen > cnt) {
        m_freem(m);
        return EINVAL;
      }
    }
    // ip_id 0 from the caller is replaced by a fresh id, so 0 itself can
    // never be chosen.
    if (dv.getUint16(ip + IPH_ID) === 0) ip_fillid(m);
    // IP_RAWOUTPUT: ip_output sends the caller's header as it is.
    flags |= IP_RAWOUTPUT;
    IPSTAT_INC(ips_rawout);
  }
  if (CALC_FLOWID_OUTBOUND()) {
    // Multipath: the flow is the packet's addresses and protocol.
    const ip = m.m_data;
    const dv = m.m_dv;
    m.m_pkthdr.flowid = fib4_calc_software_hash(dv.getUint32(ip + IPH_SRC), dv.getUint32(ip + IPH_DST), 0, 0, m.m_buf[ip + IPH_P]);
    m.m_pkthdr.rsstype = M_HASHTYPE_OPAQUE_HASH;
    flags |= IP_NODEFAULTFLOWID;
  }
  if ((inp.inp_flags & INP_ONESBCAST) !== 0) flags |= IP_SENDONES;
  return ip_output(m, inp.inp_options, null, flags, inp.inp_moptions, inp);
}

// ---------------------------------------------------------------------------
// Socket options and user requests.

/**
 * rip_ctloutput: IP_HDRINCL here, the other IPPROTO_IP options in
 * ip_ctloutput; of the socket-level options only SO_SETFIB concerns IP.
 */
export function rip_ctloutput(so: socket, sopt: sockopt): number {
  const inp = sotoinpcb(so);
  if (sopt.sopt_level !== IPPROTO_IP) {
    if (sopt.sopt_dir === SOPT_SET && sopt.sopt_level === SOL_SOCKET && sopt.sopt_name === SO_SETFIB) return ip_ctloutput(so, sopt);
    return EINVAL;
  }
  let error = 0;
  if (sopt.sopt_dir === SOPT_GET) {
    switch (sopt.sopt_name) {
      case IP_HDRINCL:
        error = sooptcopyout_int(sopt, inp.inp_flags & INP_HDRINCL);
        break;
      case IP_FW3: {
        // the generic ipfw v.3 requests
        const f = V_ip_fw_ctl_ptr();
        error = f !== null ? f(sopt) : ENOPROTOOPT;
        break;
      }
      case IP_DUMMYNET3:
        error = ip_dn_ctl_ptr !== null ? ip_dn_ctl_ptr(sopt) : ENOPROTOOPT;
        break;
      default:
        error = ip_ctloutput(so, sopt);
        break;
    }
  } else {
    switch (sopt.sopt_name) {
      case IP_HDRINCL: {
        const { error: e, val } = sooptcopyin_int(sopt);
        if (e !== 0) {
          error = e;
          break;
        }
        if (val !== 0) inp.inp_flags |= INP_HDRINCL;
        else inp.inp_flags &= ~INP_HDRINCL;
        break;
      }
      case IP_FW3: {
        const f = V_ip_fw_ctl_ptr();
        error = f !== null ? f(sopt) : ENOPROTOOPT;
        break;
      }
      case IP_DUMMYNET3:
        error = ip_dn_ctl_ptr !== null ? ip_dn_ctl_ptr(sopt) : ENOPROTOOPT;
        break;
      default:
        error = ip_ctloutput(so, sopt);
        break;
    }
  }
  return error;
}

/** rip_attach: needs PRIV_NETINET_RAW (root on the host, or in a jail with
 *  its own vnet). */
export function rip_attach(so: socket, proto: number, td: thread | null): number {
  KASSERT(so.so_pcb === null, "rip_attach: inp != NULL");
  if (td !== null) {
    const error = priv_check_cred(td.td_ucred, PRIV_NETINET_RAW);
    if (error !== 0) return error;
  }
  if (proto >= IPPROTO_MAX || proto < 0) return EPROTONOSUPPORT;
  let error = soreserve(so, rip_sendspace.v, rip_recvspace.v);
  if (error !== 0) return error;
  error = in_pcballoc(so, V_ripcbinfo().pcbinfo);
  if (error !== 0) return error;
  const inp = sotoinpcb(so);
  inp.inp_ip_p = proto;
  inp.inp_ip_ttl = V_ip_defttl();
  rip_inshash(inp);
  return 0;
}

export function rip_detach(so: socket): void {
  const inp = sotoinpcb(so);
  KASSERT(inp.inp_faddr === INADDR_ANY, "rip_detach: not closed");
  rip_delhash(inp);
  in_pcbfree(inp);
}

function rip_dodisconnect(so: socket, inp: inpcb): void {
  rip_delhash(inp);
  inp.inp_faddr = INADDR_ANY;
  rip_inshash(inp);
  so.so_state &= ~SS_ISCONNECTED;
}

export function rip_abort(so: socket): void {
  rip_dodisconnect(so, sotoinpcb(so));
}

export function rip_close(so: socket): void {
  rip_dodisconnect(so, sotoinpcb(so));
}

export function rip_disconnect(so: socket): number {
  if ((so.so_state & SS_ISCONNECTED) === 0) return ENOTCONN;
  rip_dodisconnect(so, sotoinpcb(so));
  return 0;
}

/** rip_bind: only one of our addresses (or INADDR_ANY). */
export function rip_bind(so: socket, sa: sockaddr, _td: thread | null): number {
  if (!("sin_addr" in sa)) return EAFNOSUPPORT;
  const addr = sa;
  if (addr.sin_family !== AF_INET) return EAFNOSUPPORT;
  if (addr.sin_len !== 16) return EINVAL;
  const inp = sotoinpcb(so);
  if (V_ifnet().length === 0 || (addr.sin_addr !== INADDR_ANY && (inp.inp_flags & INP_BINDANY) === 0 && ifa_ifwithaddr_check(addr) === 0)) return EADDRNOTAVAIL;
  rip_delhash(inp);
  inp.inp_laddr = addr.sin_addr;
  rip_inshash(inp);
  return 0;
}

/** rip_connect: just remembers the peer (no handshake). */
export function rip_connect(so: socket, sa: sockaddr, _td: thread | null): number {
  // FreeBSD checks the length before the family; a layout other than
  // sockaddr_in is another family, but its length still comes first.
  if (!("sin_addr" in sa)) return SA_LEN(sa) !== 16 ? EINVAL : EAFNOSUPPORT;
  const addr = sa;
  if (addr.sin_len !== 16) return EINVAL;
  if (V_ifnet().length === 0) return EADDRNOTAVAIL;
  if (addr.sin_family !== AF_INET) return EAFNOSUPPORT;
  const inp = sotoinpcb(so);
  rip_delhash(inp);
  inp.inp_faddr = addr.sin_addr;
  rip_inshash(inp);
  soisconnected(so);
  return 0;
}

export function rip_shutdown(so: socket): number {
  socantsendmore(so);
  return 0;
}

/** rip_protosw: SOCK_RAW, any protocol. */
export const rip_protosw: protosw = {
  pr_type: SOCK_RAW,
  pr_domain: inetdomain,
  pr_protocol: 0,
  pr_flags: PR_ATOMIC | PR_ADDR,
  pr_ctloutput: rip_ctloutput,
  pr_abort: rip_abort,
  pr_attach: rip_attach,
  pr_bind: rip_bind,
  pr_connect: rip_connect,
  pr_detach: rip_detach,
  pr_disconnect: rip_disconnect,
  pr_peeraddr: in_getpeeraddr,
  pr_send: rip_send,
  pr_shutdown: rip_shutdown,
  pr_sockaddr: in_getsockaddr,
  pr_close: rip_close,
};
