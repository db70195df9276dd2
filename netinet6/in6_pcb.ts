// sys/netinet6/in6_pcb.c, in6_pcb.h: the IPv6 side of the Internet PCBs.
// An AF_INET6 socket's inpcb (netinet/in_pcb.ts) carries INP_IPV6 in
// inp_vflag and its addresses in in6p_laddr/in6p_faddr, zones embedded
// (KAME's form: a link-local address keeps its interface index in the second
// 16-bit word inside the kernel); binding checks the address is one of ours
// and usable, connecting picks the source by RFC 6724 (in6_src.ts), and the
// lookups find the socket an incoming datagram is for: connected first, then
// bound to the destination, then bound to ::.  A socket that is not
// IPV6_V6ONLY and is bound to :: takes IPv4 too (INP_IPV4), through
// in_pcb.ts's lookups, as a v4-mapped listener.
//
// Departures: no locks, epochs or SMR; jails carry no IPv6 address
// restrictions (the prison_*_ip6 checks pass), as in_pcb.ts's IPv4 side; no
// load-balancing groups.  As in_pcb.ts's in_pcbdisconnect, disconnecting
// forgets only the peer and keeps the local binding (FreeBSD 14 also
// unbinds the local address).  IPV6_RECVPATHMTU is not delivered
// (ip6_notify_pmtu): control messages are not modelled.

import { fib6_calc_software_hash } from "./in6_fib.ts";
import { M_HASHTYPE_OPAQUE_HASH } from "../netinet/in_fib.ts";
import { CALC_FLOWID_OUTBOUND } from "../net/route/mpath_ctl.ts";
import { EADDRINUSE, EADDRNOTAVAIL, EACCES, EAGAIN, EHOSTUNREACH, EINVAL } from "../kern/errno.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import { arc4random } from "../kern/arc4random.ts";
import { SI_ORDER_FIRST, SI_SUB_PROTO_DOMAIN, SYSINIT } from "../kern/kernel.ts";
import type { ucred } from "../kern/kern_prot.ts";
import { priv_check_cred, PRIV_NETINET_RESERVEDPORT } from "../kern/kern_priv.ts";
import type { mbuf } from "../kern/mbuf.ts";
import { AF_INET, AF_INET6, SO_REUSEADDR, SO_REUSEPORT, SO_REUSEPORT_LB, SOCK_STREAM } from "../kern/socket.ts";
import type { socket } from "../kern/uipc_socket.ts";
import { VNET_I32 } from "../net/vnet.ts";
import type { ifnet } from "../net/if.ts";
import { INADDR_ANY, sockaddr_in } from "../netinet/in.ts";
import {
  INPLOOKUP_MASK,
  INPLOOKUP_WILDCARD,
  INP_ANONPORT,
  INP_BINDANY,
  INP_FREED,
  INP_INHASHLIST,
  INP_IPV4,
  INP_IPV6,
  INP_IPV6PROTO,
  INP_REUSEPORT,
  INP6_PCBHASH,
  V_ipport_reservedhigh,
  V_ipport_reservedlow,
  in6_pcb_lport_dest,
  in6_pcbfree_moptions_set,
  in6_pcblookup_hooks_set,
  in_getpeeraddr,
  in_getsockaddr,
  in_pcbinshash,
  in_pcblookup_local,
  in_pcbrehash,
  inp_so_options,
  sotoinpcb,
  type inpcb,
  type inpcbinfo,
} from "../netinet/in_pcb.ts";
import { in6ifa_ifwithaddr, in6_sin_2_v4mapsin6, V_in6_ifaddrhead } from "./in6.ts";
import { ip6_use_defzone, sa6_embedscope, sa6_recoverscope } from "./scope6.ts";
import { IPV6_FLOWLABEL_MASK } from "../netinet/ip6.ts";
import { in6p_moptions, in6p_moptions_purgeif, ip6_freemoptions } from "./in6_mcast.ts";
import { IN6P_AUTOFLOWLABEL, IN6P_IPV6_V6ONLY } from "./ip6_var.ts";
import { in6_selectsrc_socket } from "./in6_src.ts";
import { IN6_ARE_ADDR_EQUAL, IN6_IFF_DETACHED, IN6_IFF_NOTREADY, IN6_IS_ADDR_MULTICAST, IN6_IS_ADDR_UNSPECIFIED, in6_addr, in6_addr_copy, in6_addr_read, in6addr_any, in6addr_loopback, sockaddr_in6 } from "./in6_var.ts";


// PRIV_NETINET_REUSEPORT (sys/priv.h), as in_pcb.ts uses it.
const PRIV_NETINET_REUSEPORT = 515;

/** The flow label a connected socket with IN6P_AUTOFLOWLABEL puts in its
 *  packets (ip6_randomflowlabel: 20 random bits). */
function ip6_randomflowlabel(): number {
  return arc4random() & IPV6_FLOWLABEL_MASK;
}

// ---------------------------------------------------------------------------
// Binding.

/**
 * in6_pcbbind(inp, sin6, cred): bind to sin6 (null: ::, an ephemeral port).
 * The caller has checked sin6's family and length.  The address must be
 * ours and usable (not anycast, tentative, duplicated or detached) unless
 * IPV6_BINDANY; a port in use is EADDRINUSE unless both sockets share it
 * (SO_REUSEADDR/SO_REUSEPORT), and a socket bound to :: that takes IPv4
 * too also checks the IPv4 bindings of the port.
 */
export function in6_pcbbind(inp: inpcb, sin6: sockaddr_in6 | null, cred: ucred): number {
  const so = inp.inp_socket;
  KASSERT(so !== null, "in6_pcbbind: no socket");
  const pcbinfo = inp.inp_pcbinfo;
  let lport = 0;
  let lookupflags = 0;
  let reuseport = so.so_options & SO_REUSEPORT;
  let reuseport_lb = so.so_options & SO_REUSEPORT_LB;
  if (inp.inp_lport !== 0 || !IN6_IS_ADDR_UNSPECIFIED(inp.in6p_laddr)) return EINVAL;
  if ((so.so_options & (SO_REUSEADDR | SO_REUSEPORT | SO_REUSEPORT_LB)) === 0) lookupflags = INPLOOKUP_WILDCARD;
  if (sin6 !== null) {
    KASSERT(sin6.sin6_family === AF_INET6, "in6_pcbbind: invalid address family");
    KASSERT(sin6.sin6_len === 28, "in6_pcbbind: invalid address length");
    let error = sa6_embedscope(sin6, VNET_I32(ip6_use_defzone));
    if (error !== 0) return error;
    lport = sin6.sin6_port;
    if (IN6_IS_ADDR_MULTICAST(sin6.sin6_addr)) {
      // SO_REUSEADDR is SO_REUSEPORT for multicast: both sockets may bind
      // the same group and port.
      if ((so.so_options & (SO_REUSEADDR | SO_REUSEPORT)) !== 0) reuseport = SO_REUSEADDR | SO_REUSEPORT;
      if ((so.so_options & (SO_REUSEADDR | SO_REUSEPORT_LB)) !== 0) reuseport_lb = SO_REUSEADDR | SO_REUSEPORT_LB;
    } else if (!IN6_IS_ADDR_UNSPECIFIED(sin6.sin6_addr)) {
      sin6.sin6_port = 0;
      const ia = in6ifa_ifwithaddr(sin6.sin6_addr, 0);
      if (ia === null && (inp.inp_flags & INP_BINDANY) === 0) return EADDRNOTAVAIL;
      // A deprecated address may be bound (the application asks for it),
      // and an anycast one (a departure from 14.0: FreeBSD since review
      // D49905, 2025, after RFC 4291); one not ready may not.
      if (ia !== null && (ia.ia6_flags & (IN6_IFF_NOTREADY | IN6_IFF_DETACHED)) !== 0) return EADDRNOTAVAIL;
    }
    if (lport !== 0) {
      if (lport <= VNET_I32(V_ipport_reservedhigh) && lport >= VNET_I32(V_ipport_reservedlow) && priv_check_cred(cred, PRIV_NETINET_RESERVEDPORT) !== 0) return EACCES;
      if (!IN6_IS_ADDR_MULTICAST(sin6.sin6_addr) && priv_check_cred(inp.inp_cred, PRIV_NETINET_REUSEPORT) !== 0) {
        // An unprivileged user may not take over another user's port.
        let t = in6_pcblookup_local(pcbinfo, sin6.sin6_addr, lport, INPLOOKUP_WILDCARD, cred);
        if (
          t !== null &&
          (so.so_type !== SOCK_STREAM || IN6_IS_ADDR_UNSPECIFIED(t.in6p_faddr)) &&
          (!IN6_IS_ADDR_UNSPECIFIED(sin6.sin6_addr) || !IN6_IS_ADDR_UNSPECIFIED(t.in6p_laddr) || (t.inp_flags2 & INP_REUSEPORT) !== 0) &&
          inp.inp_cred.cr_uid !== t.inp_cred.cr_uid
        )
          return EADDRINUSE;
        if ((inp.inp_flags & IN6P_IPV6_V6ONLY) === 0 && IN6_IS_ADDR_UNSPECIFIED(sin6.sin6_addr)) {
          t = in_pcblookup_local(pcbinfo, INADDR_ANY, lport, INPLOOKUP_WILDCARD, cred);
          if (t !== null && (so.so_type !== SOCK_STREAM || t.inp_faddr === INADDR_ANY) && inp.inp_cred.cr_uid !== t.inp_cred.cr_uid) return EADDRINUSE;
        }
      }
      let t = in6_pcblookup_local(pcbinfo, sin6.sin6_addr, lport, lookupflags, cred);
      if (t !== null && (reuseport & inp_so_options(t)) === 0 && (reuseport_lb & inp_so_options(t)) === 0) return EADDRINUSE;
      if ((inp.inp_flags & IN6P_IPV6_V6ONLY) === 0 && IN6_IS_ADDR_UNSPECIFIED(sin6.sin6_addr)) {
        // The IPv4 side of the port: an IPv4 socket bound to a specific
        // address, or another AF_INET6 socket taking IPv4, is in the way.
        t = in_pcblookup_local(pcbinfo, INADDR_ANY, lport, lookupflags, cred);
        if (t !== null && (reuseport & inp_so_options(t)) === 0 && (reuseport_lb & inp_so_options(t)) === 0 && (t.inp_laddr !== INADDR_ANY || (t.inp_vflag & INP_IPV6PROTO) !== 0)) return EADDRINUSE;
      }
    }
    in6_addr_copy(inp.in6p_laddr, sin6.sin6_addr);
    error = 0;
  }
  if (lport === 0) {
    const error = in6_pcbsetport(inp.in6p_laddr, inp, cred);
    if (error !== 0) {
      // Undo an address bind that may have occurred.
      in6_addr_copy(inp.in6p_laddr, in6addr_any);
      return error;
    }
  } else {
    inp.inp_lport = lport;
    if (in_pcbinshash(inp) !== 0) {
      in6_addr_copy(inp.in6p_laddr, in6addr_any);
      inp.inp_lport = 0;
      return EAGAIN;
    }
  }
  return 0;
}

/**
 * in6_pcbsetport(laddr, inp, cred) (in6_src.c): an ephemeral port for a
 * socket about to use laddr, and the PCB into the hash.
 */
export function in6_pcbsetport(laddr: in6_addr, inp: inpcb, cred: ucred): number {
  const so = inp.inp_socket;
  KASSERT(so !== null, "in6_pcbsetport: no socket");
  let lookupflags = 0;
  if ((so.so_options & (SO_REUSEADDR | SO_REUSEPORT | SO_REUSEPORT_LB)) === 0) lookupflags = INPLOOKUP_WILDCARD;
  inp.inp_flags |= INP_ANONPORT;
  const r = in6_pcb_lport_dest(inp, laddr, null, 0, cred, lookupflags);
  if (r.error !== 0) return r.error;
  inp.inp_lport = r.lport;
  if (in_pcbinshash(inp) !== 0) {
    in6_addr_copy(inp.in6p_laddr, in6addr_any);
    inp.inp_lport = 0;
    return EAGAIN;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Connecting.

const ladr_scratch = new in6_addr();

/**
 * in6_pcbladdr(inp, sin6, plocal_addr6, sas_required): the local address a
 * connect to sin6 would use.  The destination's zone is embedded here
 * (sa6_embedscope); :: means ::1 once the vnet has an address.
 */
function in6_pcbladdr(inp: inpcb, sin6: sockaddr_in6, plocal_addr6: in6_addr, sas_required: boolean): number {
  if (sin6.sin6_port === 0) return EADDRNOTAVAIL;
  let scope_ambiguous = 0;
  if (sin6.sin6_scope_id === 0 && VNET_I32(ip6_use_defzone) === 0) scope_ambiguous = 1;
  let error = sa6_embedscope(sin6, VNET_I32(ip6_use_defzone));
  if (error !== 0) return error;
  if (V_in6_ifaddrhead().length !== 0) {
    if (IN6_IS_ADDR_UNSPECIFIED(sin6.sin6_addr)) in6_addr_copy(sin6.sin6_addr, in6addr_loopback);
  }
  const in6a = ladr_scratch;
  if (sas_required) {
    error = in6_selectsrc_socket(sin6, inp.in6p_outputopts, inp, inp.inp_cred, scope_ambiguous, in6a, null);
    if (error !== 0) return error;
  } else in6_addr_copy(in6a, inp.in6p_laddr);
  if (IN6_IS_ADDR_UNSPECIFIED(in6a)) return EHOSTUNREACH;
  in6_addr_copy(plocal_addr6, in6a);
  return 0;
}

const connect_laddr6 = new in6_addr();

/**
 * in6_pcbconnect(inp, sin6, cred, sas_required): set the peer, binding the
 * local side first if needed (source by in6_selectsrc, an ephemeral port
 * unused toward this peer).
 */
export function in6_pcbconnect(inp: inpcb, sin6: sockaddr_in6, cred: ucred, sas_required = true): number {
  const pcbinfo = inp.inp_pcbinfo;
  KASSERT(sin6.sin6_family === AF_INET6, "in6_pcbconnect: invalid address family");
  KASSERT(sin6.sin6_len === 28, "in6_pcbconnect: invalid address length");
  KASSERT(IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr), "in6_pcbconnect: inp is already connected");
  const laddr6 = connect_laddr6;
  in6_addr_copy(laddr6, in6addr_any);
  if (CALC_FLOWID_OUTBOUND()) {
    inp.inp_flowid = fib6_calc_software_hash(inp.in6p_laddr, sin6.sin6_addr, 0, sin6.sin6_port, inp.inp_socket?.so_proto.pr_protocol ?? 0);
    inp.inp_flowtype = M_HASHTYPE_OPAQUE_HASH;
  }
  let error = in6_pcbladdr(inp, sin6, laddr6, sas_required);
  if (error !== 0) return error;
  if (in6_pcblookup_hash_locked(pcbinfo, sin6.sin6_addr, sin6.sin6_port, IN6_IS_ADDR_UNSPECIFIED(inp.in6p_laddr) ? laddr6 : inp.in6p_laddr, inp.inp_lport, 0, null) !== null) return EADDRINUSE;
  if (IN6_IS_ADDR_UNSPECIFIED(inp.in6p_laddr)) {
    if (inp.inp_lport === 0) {
      const r = in6_pcb_lport_dest(inp, laddr6, sin6.sin6_addr, sin6.sin6_port, cred, INPLOOKUP_WILDCARD);
      error = r.error;
      if (error !== 0) return error;
      inp.inp_lport = r.lport;
    }
    in6_addr_copy(inp.in6p_laddr, laddr6);
  }
  in6_addr_copy(inp.in6p_faddr, sin6.sin6_addr);
  inp.inp_fport = sin6.sin6_port;
  // The flow label: cleared, then a random one if IN6P_AUTOFLOWLABEL.
  inp.inp_flow &= ~IPV6_FLOWLABEL_MASK;
  if ((inp.inp_flags & IN6P_AUTOFLOWLABEL) !== 0) inp.inp_flow |= ip6_randomflowlabel();
  if ((inp.inp_flags & INP_INHASHLIST) !== 0) in_pcbrehash(inp);
  else in_pcbinshash(inp);
  return 0;
}

/** in6_pcbdisconnect: forget the peer (see the departures above). */
export function in6_pcbdisconnect(inp: inpcb): void {
  in6_addr_copy(inp.in6p_faddr, in6addr_any);
  inp.inp_fport = 0;
  inp.inp_flow &= ~IPV6_FLOWLABEL_MASK;
  in_pcbrehash(inp);
}

// ---------------------------------------------------------------------------
// Socket addresses.

/** in6_sockaddr(port, addr): a sockaddr_in6 for userland, its zone moved
 *  from the address into sin6_scope_id. */
export function in6_sockaddr(port: number, addr: in6_addr): sockaddr_in6 {
  const sin6 = new sockaddr_in6(addr, port);
  sa6_recoverscope(sin6);
  return sin6;
}

/** in6_v4mapsin6_sockaddr(port, addr): ::ffff:a.b.c.d for an IPv4 address. */
export function in6_v4mapsin6_sockaddr(port: number, addr: number): sockaddr_in6 {
  return in6_sin_2_v4mapsin6(new sockaddr_in(addr, port));
}

export function in6_getsockaddr(so: socket): sockaddr_in6 {
  const inp = sotoinpcb(so);
  return in6_sockaddr(inp.inp_lport, inp.in6p_laddr);
}

export function in6_getpeeraddr(so: socket): sockaddr_in6 {
  const inp = sotoinpcb(so);
  return in6_sockaddr(inp.inp_fport, inp.in6p_faddr);
}

/** in6_mapped_sockaddr: getsockname(2) on an AF_INET6 socket; one that
 *  speaks only IPv4 (connected to a v4-mapped peer) answers ::ffff:a.b.c.d. */
export function in6_mapped_sockaddr(so: socket): sockaddr_in6 {
  const inp = sotoinpcb(so);
  if ((inp.inp_vflag & (INP_IPV4 | INP_IPV6)) === INP_IPV4) return in6_sin_2_v4mapsin6(in_getsockaddr(so));
  return in6_getsockaddr(so);
}

export function in6_mapped_peeraddr(so: socket): sockaddr_in6 {
  const inp = sotoinpcb(so);
  if ((inp.inp_vflag & (INP_IPV4 | INP_IPV6)) === INP_IPV4) return in6_sin_2_v4mapsin6(in_getpeeraddr(so));
  return in6_getpeeraddr(so);
}

/** init_sin6(sin6, m, srcordst): the packet's source (0) or destination
 *  (1) as a sockaddr_in6, its zone recovered.  m starts at the IPv6 header. */
export function init_sin6(sin6: sockaddr_in6, m: mbuf, srcordst: number): void {
  sin6.sin6_len = 28;
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = 0;
  sin6.sin6_flowinfo = 0;
  sin6.sin6_scope_id = 0;
  in6_addr_read(m.m_buf, m.m_data + (srcordst !== 0 ? 24 : 8), sin6.sin6_addr);
  sa6_recoverscope(sin6);
}

// ---------------------------------------------------------------------------
// Notification of errors (ICMPv6 errors quoting our packets).

/**
 * in6_pcbnotify(pcbinfo, dst, fport, src, lport, errno, cmdarg, notify):
 * every IPv6 PCB talking to dst (and, when given, from src, on these
 * ports) gets notify(inp, errno).
 */
export function in6_pcbnotify(
  pcbinfo: inpcbinfo,
  dst: in6_addr,
  fport: number,
  src: sockaddr_in6 | null,
  lport: number,
  errno: number,
  _cmdarg: unknown,
  notify: ((inp: inpcb, errno: number) => inpcb | null) | null,
): void {
  if (IN6_IS_ADDR_UNSPECIFIED(dst)) return;
  const src_addr = src === null ? in6addr_any : src.sin6_addr;
  const flowinfo = src === null ? 0 : src.sin6_flowinfo;
  const list = pcbinfo.ipi_listhead;
  for (let i = 0; i < list.length; i++) {
    const inp = list[i];
    if ((inp.inp_vflag & INP_IPV6) === 0) continue;
    // With no ports (an error quoting ESP), a matching flow label and local
    // address identify the socket; otherwise addresses and ports do.
    const byflow = lport === 0 && fport === 0 && flowinfo !== 0 && inp.inp_socket !== null && flowinfo === (inp.inp_flow & IPV6_FLOWLABEL_MASK) && IN6_ARE_ADDR_EQUAL(inp.in6p_laddr, src_addr);
    if (
      !byflow &&
      (!IN6_ARE_ADDR_EQUAL(inp.in6p_faddr, dst) ||
        inp.inp_socket === null ||
        (lport !== 0 && inp.inp_lport !== lport) ||
        (!IN6_IS_ADDR_UNSPECIFIED(src_addr) && !IN6_ARE_ADDR_EQUAL(inp.in6p_laddr, src_addr)) ||
        (fport !== 0 && inp.inp_fport !== fport))
    )
      continue;
    if (notify !== null) notify(inp, errno);
  }
}

/** in6_rtchange: the route changed; the cached route would be dropped (no
 *  route is cached on a PCB here). */
export function in6_rtchange(inp: inpcb, _errno: number): inpcb | null {
  return inp;
}

// ---------------------------------------------------------------------------
// Lookups.

/**
 * in6_pcblookup_local(pcbinfo, laddr, lport, lookupflags, cred): an IPv6
 * PCB bound to this local address and port; without INPLOOKUP_WILDCARD an
 * exact unconnected one, with it the best fit (fewest wildcards).
 */
export function in6_pcblookup_local(pcbinfo: inpcbinfo, laddr: in6_addr, lport: number, lookupflags: number, _cred: ucred | null): inpcb | null {
  KASSERT((lookupflags & ~INPLOOKUP_WILDCARD) === 0, "in6_pcblookup_local: invalid lookup flags");
  if ((lookupflags & INPLOOKUP_WILDCARD) === 0) {
    const head = pcbinfo.ipi_hashbase[INP6_PCBHASH(in6addr_any, lport, 0, pcbinfo.ipi_hashmask)];
    for (let i = 0; i < head.length; i++) {
      const inp = head[i];
      if ((inp.inp_vflag & INP_IPV6) === 0) continue;
      if (IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr) && IN6_ARE_ADDR_EQUAL(inp.in6p_laddr, laddr) && inp.inp_lport === lport) return inp;
    }
    return null;
  }
  const phd = pcbinfo.ipi_porthashbase.get(lport);
  if (phd === undefined) return null;
  let match: inpcb | null = null;
  let matchwild = 3;
  for (let i = 0; i < phd.length; i++) {
    const inp = phd[i];
    if ((inp.inp_vflag & INP_IPV6) === 0) continue;
    let wildcard = 0;
    if (!IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr)) wildcard++;
    if (!IN6_IS_ADDR_UNSPECIFIED(inp.in6p_laddr)) {
      if (IN6_IS_ADDR_UNSPECIFIED(laddr)) wildcard++;
      else if (!IN6_ARE_ADDR_EQUAL(inp.in6p_laddr, laddr)) continue;
    } else if (!IN6_IS_ADDR_UNSPECIFIED(laddr)) wildcard++;
    if (wildcard < matchwild) {
      match = inp;
      matchwild = wildcard;
      if (matchwild === 0) break;
    }
  }
  return match;
}

/**
 * in6_pcblookup_hash_locked: the PCB for a datagram from faddr:fport to
 * laddr:lport: the connected one, then (INPLOOKUP_WILDCARD) one bound to
 * laddr, then one bound to ::.  Allocation-free: input calls it per packet.
 */
export function in6_pcblookup_hash_locked(pcbinfo: inpcbinfo, faddr: in6_addr, fport: number, laddr: in6_addr, lport: number, lookupflags: number, _ifp: ifnet | null): inpcb | null {
  let head = pcbinfo.ipi_hashbase[INP6_PCBHASH(faddr, lport, fport, pcbinfo.ipi_hashmask)];
  for (let i = 0; i < head.length; i++) {
    const inp = head[i];
    if ((inp.inp_vflag & INP_IPV6) === 0) continue;
    if (IN6_ARE_ADDR_EQUAL(inp.in6p_faddr, faddr) && IN6_ARE_ADDR_EQUAL(inp.in6p_laddr, laddr) && inp.inp_fport === fport && inp.inp_lport === lport) return inp;
  }
  if ((lookupflags & INPLOOKUP_WILDCARD) === 0) return null;
  let local_exact: inpcb | null = null;
  let local_wild: inpcb | null = null;
  head = pcbinfo.ipi_hashbase[INP6_PCBHASH(in6addr_any, lport, 0, pcbinfo.ipi_hashmask)];
  for (let i = 0; i < head.length; i++) {
    const inp = head[i];
    if ((inp.inp_vflag & INP_IPV6) === 0) continue;
    if (!IN6_IS_ADDR_UNSPECIFIED(inp.in6p_faddr) || inp.inp_lport !== lport) continue;
    if (local_exact !== null) continue;
    if (IN6_IS_ADDR_UNSPECIFIED(inp.in6p_laddr)) local_wild = inp;
    else if (IN6_ARE_ADDR_EQUAL(inp.in6p_laddr, laddr)) local_exact = inp;
  }
  if (local_exact !== null) return local_exact;
  return local_wild;
}

/** in6_pcblookup(pcbinfo, faddr, fport, laddr, lport, lookupflags, ifp):
 *  the public form (a freed PCB is never returned). */
export function in6_pcblookup(pcbinfo: inpcbinfo, faddr: in6_addr, fport: number, laddr: in6_addr, lport: number, lookupflags: number, ifp: ifnet | null): inpcb | null {
  KASSERT((lookupflags & ~INPLOOKUP_MASK) === 0, "in6_pcblookup: invalid lookup flags");
  const inp = in6_pcblookup_hash_locked(pcbinfo, faddr, fport, laddr, lport, lookupflags & INPLOOKUP_WILDCARD, ifp);
  if (inp !== null && (inp.inp_flags2 & INP_FREED) !== 0) return null;
  return inp;
}

/** in6_pcblookup_mbuf: the same, given the packet. */
export function in6_pcblookup_mbuf(pcbinfo: inpcbinfo, faddr: in6_addr, fport: number, laddr: in6_addr, lport: number, lookupflags: number, ifp: ifnet | null, _m: mbuf): inpcb | null {
  return in6_pcblookup(pcbinfo, faddr, fport, laddr, lport, lookupflags, ifp);
}

// ---------------------------------------------------------------------------
// Interface departure.

/** The PCB tables in6_pcbpurgeif0 walks (UDP's and raw IP's), registered
 *  by their files when they load. */
const purge_tables: (() => inpcbinfo)[] = [];
export function in6_pcbpurge_register(table: () => inpcbinfo): void {
  purge_tables.push(table);
}

/**
 * in6_pcbpurgeif0(ifp): the interface is going away; sockets that chose it
 * for their multicasts forget it, and their memberships through it are
 * dropped (in6_ifdetach calls this for UDP and raw IPv6).
 */
export function in6_pcbpurgeif0(ifp: ifnet): void {
  for (const table of purge_tables) {
    const list = table().ipi_listhead;
    for (let i = 0; i < list.length; i++) {
      const inp = list[i];
      if ((inp.inp_vflag & INP_IPV6) === 0 || in6p_moptions(inp) === null) continue;
      in6p_moptions_purgeif(inp, ifp);
    }
  }
}

/**
 * in_pcb.ts reaches these without importing this file (in6_ifdetach calls
 * in6_pcbpurgeif0 directly).  Set
 * at boot, not when the module loads: the bundle may evaluate this file
 * before those that keep the hooks.
 */
function in6_pcb_hooks(): void {
  in6_pcblookup_hooks_set(in6_pcblookup_hash_locked, in6_pcblookup_local);
  in6_pcbfree_moptions_set((inp) => {
    const im6o = in6p_moptions(inp);
    if (im6o !== null) ip6_freemoptions(im6o);
  });
}
SYSINIT("in6_pcb_hooks", SI_SUB_PROTO_DOMAIN, SI_ORDER_FIRST, in6_pcb_hooks);
