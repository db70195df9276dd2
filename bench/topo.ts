// Topologies for the benchmark workloads, built the way a user builds them
// on FreeBSD: vnet jails (jail -c vnet persist), processes attached to them
// (jexec), `ifconfig epair create` (SIOCIFCREATE2) and `ifconfig epairNb
// vnet J` (SIOCSIFVNET) from the host, addresses with SIOCAIFADDR (in_control
// through the socket ioctl path), routes written on a PF_ROUTE socket
// (route_output), knobs with sysctl.  Nothing here reaches into kernel
// structures; the workloads time only the packets.
import {
  JAIL_CREATE,
  in_localip,
  in6_localip,
  kern_advance_ns,
  PF_INET,
  PF_ROUTE,
  RTA_DST,
  RTA_GATEWAY,
  RTA_NETMASK,
  RTF_BLACKHOLE,
  RTF_GATEWAY,
  RTF_HOST,
  RTF_STATIC,
  RTF_UP,
  RTM_ADD,
  RTAX_DST,
  RTAX_GATEWAY,
  RTAX_NETMASK,
  SIOCAIFADDR,
  SIOCIFCREATE2,
  SIOCSIFFIB,
  SIOCSIFFLAGS,
  SIOCGIFFLAGS,
  SIOCSIFVNET,
  SOCK_DGRAM,
  cred0,
  in_len2mask,
  kern_jail_set,
  kernel_sysctlbyname,
  proc_create,
  proc_exit,
  rt_msghdr,
  sockaddr_dl,
  sockaddr_in,
  strerror,
  sys_close,
  sys_ioctl,
  sys_jail_attach_proc,
  sys_jail_remove,
  sys_route,
  sys_setfib,
  sys_socket,
  prison_find,
  IFF_UP,
  ifunit,
  vnet_run,
  type ifnet,
  type proc,
  type vnet,
  type ucred,
  type sockaddr,
} from "../index.ts";
import { IN6_IFF_NODAD, ND6_INFINITE_LIFETIME, SIOCAIFADDR_IN6, in6_aliasreq, in6_prefixlen2mask, inet_pton6, sockaddr_in6, type in6_addr } from "../netinet6/in6_var.ts";
import { PF_INET6 } from "../kern/socket.ts";

export function must(error: number, what: string): void {
  if (error !== 0) throw new Error(`${what}: ${strerror(error)} (${error})`);
}

export function aton(s: string): number {
  const p = s.split(".").map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** One node of a topology: a vnet jail (VIMAGE) or a FIB of the one stack
 *  (baseline), with a process in it holding an inet socket for ioctls and
 *  a route socket. */
export interface node {
  name: string;
  /** The jail (0: the host). */
  jid: number;
  /** The FIB the node's interfaces and sockets use. */
  fib: number;
  p: proc;
  sfd: number;
  rfd: number;
  /** An inet6 socket for the IPv6 ioctls, opened on first use (-1). */
  sfd6: number;
  v: vnet;
}

/** The host's shell: a process in prison0 with an inet socket for ioctls. */
export function host_node(): node {
  const p = proc_create(cred0, "sh");
  const s = sys_socket(p, PF_INET, SOCK_DGRAM, 0);
  must(s.error, "socket");
  const r = sys_socket(p, PF_ROUTE, 3 /* SOCK_RAW */, 0);
  must(r.error, "socket(PF_ROUTE)");
  const pr = prison_find(0);
  if (pr === null) throw new Error("no prison0");
  return { name: "host", jid: 0, fib: 0, p, sfd: s.fd, rfd: r.fd, sfd6: -1, v: pr.pr_vnet };
}

/** jail -c name=NAME vnet persist; jexec NAME sh. */
export function vnet_jail_node(name: string): node {
  const j = kern_jail_set(cred0, { name, persist: true, vnet: "new" }, JAIL_CREATE);
  must(j.error, `jail -c ${name}: ${j.errmsg}`);
  const p = proc_create(cred0, "sh");
  must(sys_jail_attach_proc(p, j.jid), "jail_attach");
  const s = sys_socket(p, PF_INET, SOCK_DGRAM, 0);
  must(s.error, "socket");
  const r = sys_socket(p, PF_ROUTE, 3, 0);
  must(r.error, "socket(PF_ROUTE)");
  const pr = prison_find(j.jid);
  if (pr === null) throw new Error("no prison");
  return { name, jid: j.jid, fib: 0, p, sfd: s.fd, rfd: r.fd, sfd6: -1, v: pr.pr_vnet };
}

/** jail -c name=NAME vnet persist, nobody inside: its jid. */
export function vnet_jail_create(name: string): number {
  const j = kern_jail_set(cred0, { name, persist: true, vnet: "new" }, JAIL_CREATE);
  must(j.error, `jail -c ${name}: ${j.errmsg}`);
  return j.jid;
}

/** A node of the one stack living in FIB `fib` (setfib FIB sh). */
export function fib_node(name: string, fib: number): node {
  const p = proc_create(cred0, "sh");
  // sys_setfib reads V_rt_numfibs without switching to the caller's vnet
  // (FreeBSD's does CURVNET_SET(TD_TO_VNET(td))); do it for it.
  const pr0 = prison_find(0);
  if (pr0 === null) throw new Error("no prison0");
  must(vnet_run(pr0.pr_vnet, "setfib", () => sys_setfib(p, fib)), `setfib ${fib}`);
  const s = sys_socket(p, PF_INET, SOCK_DGRAM, 0);
  must(s.error, "socket");
  const r = sys_socket(p, PF_ROUTE, 3, 0);
  must(r.error, "socket(PF_ROUTE)");
  const pr = prison_find(0);
  if (pr === null) throw new Error("no prison0");
  return { name, jid: 0, fib, p, sfd: s.fd, rfd: r.fd, sfd6: -1, v: pr.pr_vnet };
}

export function node_close(n: node): void {
  proc_exit(n.p);
}

/** jail -r. */
export function node_remove(n: node): void {
  proc_exit(n.p);
  if (n.jid !== 0) must(sys_jail_remove(cred0, n.jid), `jail -r ${n.name}`);
}

/** ifconfig epair create: the a side's name. */
export function epair_create(h: node): { a: string; b: string } {
  const ifr = { ifr_name: "epair" };
  must(sys_ioctl(h.p, h.sfd, SIOCIFCREATE2, ifr), "ifconfig epair create");
  return { a: ifr.ifr_name, b: ifr.ifr_name.replace(/a$/, "b") };
}

/** ifconfig IF vnet JID (from the host). */
export function if_to_jail(h: node, ifname: string, jid: number): void {
  must(sys_ioctl(h.p, h.sfd, SIOCSIFVNET, { ifr_name: ifname, ifr_jid: jid }), `ifconfig ${ifname} vnet ${jid}`);
}

/** ifconfig IF fib N. */
export function if_fib(n: node, ifname: string, fib: number): void {
  must(sys_ioctl(n.p, n.sfd, SIOCSIFFIB, { ifr_name: ifname, ifr_fib: fib }), `ifconfig ${ifname} fib ${fib}`);
}

/** ifconfig IF inet ADDR/LEN. */
export function if_addr(n: node, ifname: string, addr: string, len: number): void {
  must(
    sys_ioctl(n.p, n.sfd, SIOCAIFADDR, {
      ifra_name: ifname,
      ifra_addr: new sockaddr_in(aton(addr)),
      ifra_mask: new sockaddr_in(in_len2mask(len)),
      ifra_broadaddr: null,
    }),
    `ifconfig ${ifname} inet ${addr}/${len}`,
  );
}

/** ifconfig lo0 inet 127.0.0.1/8, unless it has it (setting it again
 *  would renew the address and take the routes through it away). */
export function lo0_inet(n: node): void {
  if (vnet_run(n.v, "bench", () => in_localip(0x7f000001))) return;
  must(
    sys_ioctl(n.p, n.sfd, SIOCAIFADDR, {
      ifra_name: "lo0",
      ifra_addr: new sockaddr_in(0x7f000001),
      ifra_mask: new sockaddr_in(0xff000000),
      ifra_broadaddr: null,
    }),
    "ifconfig lo0 inet 127.0.0.1/8",
  );
}

/** ifconfig lo0 inet6 ::1 prefixlen 128, unless it has it (an IPv6
 *  blackhole route points at lo0's ::1). */
export function lo0_inet6(n: node): void {
  if (vnet_run(n.v, "bench", () => in6_localip(aton6("::1")))) return;
  if_addr6(n, "lo0", "::1", 128);
}

/** ifconfig IF up|down. */
export function if_updown(n: node, ifname: string, up: boolean): void {
  const ifr: { ifr_name: string; ifr_flags?: number } = { ifr_name: ifname };
  must(sys_ioctl(n.p, n.sfd, SIOCGIFFLAGS, ifr), `ifconfig ${ifname}`);
  const f = ifr.ifr_flags ?? 0;
  must(sys_ioctl(n.p, n.sfd, SIOCSIFFLAGS, { ifr_name: ifname, ifr_flags: up ? f | IFF_UP : f & ~IFF_UP }), `ifconfig ${ifname} ${up ? "up" : "down"}`);
}

/** The RTM_ADD message route(8) writes: dst, gateway and, unless a host
 *  route, the netmask; in the node's FIB. */
function route_msg_add(n: node, dst: sockaddr, gw: sockaddr, mask: sockaddr | null, flags: number, what: string): void {
  const m = new rt_msghdr();
  m.rtm_type = RTM_ADD;
  m.rtm_flags = RTF_UP | RTF_STATIC | flags | (mask === null ? RTF_HOST : 0);
  m.rtm_seq = 1;
  m.rtm_sa[RTAX_DST] = dst;
  m.rtm_sa[RTAX_GATEWAY] = gw;
  m.rtm_addrs = RTA_DST | RTA_GATEWAY;
  if (mask !== null) {
    m.rtm_sa[RTAX_NETMASK] = mask;
    m.rtm_addrs |= RTA_NETMASK;
  }
  must(sys_route(n.p, n.rfd, m).error, what);
}

/** route add [-net DST/LEN | default] GW (in the node's FIB). */
export function route_add(n: node, dst: string, len: number, gw: string): void {
  const mask = len !== 32 ? new sockaddr_in(in_len2mask(len)) : null;
  route_msg_add(n, new sockaddr_in(aton(dst)), new sockaddr_in(aton(gw)), mask, RTF_GATEWAY, `route add ${dst}/${len} ${gw}`);
}

/** The gateway of an -iface route: the interface's link-level sockaddr. */
function iface_gw(n: node, ifname: string): sockaddr_dl {
  const ifp = ifp_of(n, ifname);
  return new sockaddr_dl(ifp.if_index, ifp.if_type, "", new Uint8Array(0));
}

/** route add -host DST -iface IF -blackhole. */
export function route_blackhole(n: node, dst: string, ifname: string): void {
  route_msg_add(n, new sockaddr_in(aton(dst)), iface_gw(n, ifname), null, RTF_BLACKHOLE, `route add -host ${dst} -iface ${ifname} -blackhole`);
}

export function aton6(s: string): in6_addr {
  const a = inet_pton6(s);
  if (a === null) throw new Error(`bad IPv6 address ${s}`);
  return a;
}

/** The node's inet6 socket (ifconfig opens one for the in6 ioctls). */
function inet6_fd(n: node): number {
  if (n.sfd6 < 0) {
    const s = sys_socket(n.p, PF_INET6, SOCK_DGRAM, 0);
    must(s.error, "socket(PF_INET6)");
    n.sfd6 = s.fd;
  }
  return n.sfd6;
}

function mask6(len: number): sockaddr_in6 {
  const m = new sockaddr_in6();
  in6_prefixlen2mask(m.sin6_addr, len);
  return m;
}

/** ifconfig IF inet6 ADDR prefixlen LEN no_dad (usable at once, as on a
 *  link whose other end answers no DAD probe anyway). */
export function if_addr6(n: node, ifname: string, addr: string, len: number): void {
  const ifra = new in6_aliasreq();
  ifra.ifra_name = ifname;
  in6_addr_set(ifra.ifra_addr, aton6(addr));
  const m = mask6(len);
  ifra.ifra_prefixmask = m;
  ifra.ifra_flags = IN6_IFF_NODAD;
  ifra.ifra_lifetime.ia6t_vltime = ND6_INFINITE_LIFETIME;
  ifra.ifra_lifetime.ia6t_pltime = ND6_INFINITE_LIFETIME;
  must(sys_ioctl(n.p, inet6_fd(n), SIOCAIFADDR_IN6, ifra), `ifconfig ${ifname} inet6 ${addr} prefixlen ${len} no_dad`);
}

function in6_addr_set(sin6: sockaddr_in6, a: in6_addr): void {
  sin6.sin6_addr.s6_addr.set(a.s6_addr);
}

/** route -6 add [-net DST/LEN | default] GW (in the node's FIB). */
export function route6_add(n: node, dst: string, len: number, gw: string): void {
  const mask = len !== 128 ? mask6(len) : null;
  route_msg_add(n, new sockaddr_in6(aton6(dst)), new sockaddr_in6(aton6(gw)), mask, RTF_GATEWAY, `route -6 add ${dst}/${len} ${gw}`);
}

/** route -6 add -host DST -iface IF -blackhole. */
export function route6_blackhole(n: node, dst: string, ifname: string): void {
  route_msg_add(n, new sockaddr_in6(aton6(dst)), iface_gw(n, ifname), null, RTF_BLACKHOLE, `route -6 add -host ${dst} -iface ${ifname} -blackhole`);
}

/** sysctl NAME=VALUE as the node's root (in its jail). */
export function sysctl_set(cred: ucred, name: string, value: number): void {
  const r = kernel_sysctlbyname(cred, name, value);
  must(r.error, `sysctl ${name}=${value}`);
}

export function node_cred(n: node): ucred {
  return n.p.p_ucred;
}

export function ifp_of(n: node, ifname: string): ifnet {
  const ifp = vnet_run(n.v, "bench", () => ifunit(ifname));
  if (ifp === null) throw new Error(`no ${ifname} in ${n.name}`);
  return ifp;
}

export function close_fd(n: node, fd: number): void {
  sys_close(n.p, fd);
}

/**
 * The forwarding chain A - R1 - ... - RH - B, the c-th one this kernel
 * holds.  Over IPv4 its links are 10.c.j.0/24 and its destination
 * 10.255.c.1; over IPv6 (af 6) its links are 2001:db8:c:j::/64 and its
 * destination 2001:db8:ffff:c::1 (c and j in hex).
 *
 *  "vnet": every node a vnet jail; link j (epair j) joins node j (side a,
 *  address ...1) to node j+1 (side b, address ...2); A and the routers have a
 *  default route to the next node; B has the destination on lo0 and a UDP
 *  socket bound to it.
 *
 *  "fib": the baseline kernel has one stack, so the chain is emulated as on
 *  a stock FreeBSD: one FIB per node (net.fibs grows by H + 2), each
 *  interface in its node's FIB (ifconfig IF fib N), default routes per FIB,
 *  forwarding on.  The destination cannot be an address of B there (every
 *  router would take it as its own: in_localip and in6_localip know no
 *  FIBs), so B's FIB holds a blackhole host route for it: B's pass ends in
 *  the forwarding path's drop (ips_cantforward, ip6s_cantforward) instead
 *  of udp_input.  The same code runs on both builds, so its
 *  VIMAGE/baseline ratio is the price of VIMAGE alone.
 *
 *  IPv6 addresses are added no_dad, and neighbor discovery is left to the
 *  first datagrams (the workload sends some before it measures), as ARP is
 *  for IPv4.  The IPv6 routers run with net.inet6.ip6.redirect=0: ip6_input
 *  takes the fast path (ip6_tryforward) only then, and the IPv4 chain's
 *  routers take theirs (ip_tryforward) always, so both chains measure the
 *  fast path.  It matters for the FIB chain too: FreeBSD's ip6_forward has
 *  no blackhole check (it hands the packet to lo0, which loops it back into
 *  ip6_input until the hop limit runs out), ip6_tryforward drops it.
 */
export interface chain {
  /** c: which chain of this kernel. */
  index: number;
  mode: "vnet" | "fib";
  /** The address family of the chain's links and destination. */
  af: 4 | 6;
  H: number;
  host: node;
  nodes: node[];
  /** The destination (10.255.c.1 or 2001:db8:ffff:c::1) and port (9, discard). */
  dst: string;
  port: number;
  /** A's address on the first link. */
  src: string;
}

export const CHAIN_PORT = 9;
let chains = 0;
let fibs_used = 1;

/** Link j's address on side 1 (a) or 2 (b) of chain c. */
function chain_addr(af: 4 | 6, c: number, j: number, side: 1 | 2): string {
  return af === 4 ? `10.${c}.${j}.${side}` : `2001:db8:${c.toString(16)}:${j.toString(16)}::${side}`;
}

export function chain_build(mode: "vnet" | "fib", H: number, af: 4 | 6 = 4): chain {
  const c = chains++;
  const host = host_node();
  const nodes: node[] = [];
  let fib0 = 0;
  if (mode === "fib") {
    fib0 = fibs_used;
    fibs_used += H + 2;
    sysctl_set(cred0, "net.fibs", fibs_used);
    // Blackhole routes point at lo0's 127.0.0.1 (::1).
    if (af === 4) lo0_inet(host);
    else lo0_inet6(host);
  }
  const dst = af === 4 ? `10.255.${c}.1` : `2001:db8:ffff:${c.toString(16)}::1`;
  for (let i = 0; i < H + 2; i++) {
    const name = `c${c}${i === 0 ? "A" : i === H + 1 ? "B" : `R${i}`}`;
    nodes.push(mode === "vnet" ? vnet_jail_node(name) : fib_node(name, fib0 + i));
  }
  for (let j = 0; j <= H; j++) {
    const e = epair_create(host);
    if (mode === "vnet") {
      if_to_jail(host, e.a, nodes[j].jid);
      if_to_jail(host, e.b, nodes[j + 1].jid);
    } else {
      if_fib(host, e.a, nodes[j].fib);
      if_fib(host, e.b, nodes[j + 1].fib);
    }
    if (af === 4) {
      if_addr(nodes[j], e.a, chain_addr(af, c, j, 1), 24);
      if_addr(nodes[j + 1], e.b, chain_addr(af, c, j, 2), 24);
      if (mode === "fib" && j === H) route_blackhole(nodes[j + 1], dst, e.b);
    } else {
      if_addr6(nodes[j], e.a, chain_addr(af, c, j, 1), 64);
      if_addr6(nodes[j + 1], e.b, chain_addr(af, c, j, 2), 64);
      if (mode === "fib" && j === H) route6_blackhole(nodes[j + 1], dst, e.b);
    }
  }
  for (let j = 0; j <= H; j++) {
    if (af === 4) route_add(nodes[j], "0.0.0.0", 0, chain_addr(af, c, j, 2));
    else route6_add(nodes[j], "::", 0, chain_addr(af, c, j, 2));
  }
  const fwd = af === 4 ? "net.inet.ip.forwarding" : "net.inet6.ip6.forwarding";
  if (mode === "vnet") {
    for (let j = 1; j <= H; j++) {
      sysctl_set(node_cred(nodes[j]), fwd, 1);
      if (af === 6) sysctl_set(node_cred(nodes[j]), "net.inet6.ip6.redirect", 0);
    }
    if (af === 4) if_addr(nodes[H + 1], "lo0", dst, 32);
    else if_addr6(nodes[H + 1], "lo0", dst, 128);
  } else {
    sysctl_set(cred0, fwd, 1);
    if (af === 6) sysctl_set(cred0, "net.inet6.ip6.redirect", 0);
  }
  // sleep 30: the link-local addresses' DAD and MLD's reports of the
  // groups every address joined run on timers; let them finish.
  if (af === 6) kern_advance_ns(30e9);
  return { index: c, mode, af, H, host, nodes, dst, port: CHAIN_PORT, src: chain_addr(af, c, 0, 1) };
}
