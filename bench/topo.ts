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
} from "../index.ts";

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
  return { name: "host", jid: 0, fib: 0, p, sfd: s.fd, rfd: r.fd, v: pr.pr_vnet };
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
  return { name, jid: j.jid, fib: 0, p, sfd: s.fd, rfd: r.fd, v: pr.pr_vnet };
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
  return { name, jid: 0, fib, p, sfd: s.fd, rfd: r.fd, v: pr.pr_vnet };
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

/** ifconfig IF up|down. */
export function if_updown(n: node, ifname: string, up: boolean): void {
  const ifr: { ifr_name: string; ifr_flags?: number } = { ifr_name: ifname };
  must(sys_ioctl(n.p, n.sfd, SIOCGIFFLAGS, ifr), `ifconfig ${ifname}`);
  const f = ifr.ifr_flags ?? 0;
  must(sys_ioctl(n.p, n.sfd, SIOCSIFFLAGS, { ifr_name: ifname, ifr_flags: up ? f | IFF_UP : f & ~IFF_UP }), `ifconfig ${ifname} ${up ? "up" : "down"}`);
}

/** route add [-net DST/LEN | default] GW (in the node's FIB). */
export function route_add(n: node, dst: string, len: number, gw: string): void {
  const m = new rt_msghdr();
  m.rtm_type = RTM_ADD;
  m.rtm_flags = RTF_UP | RTF_STATIC | RTF_GATEWAY | (len === 32 ? RTF_HOST : 0);
  m.rtm_seq = 1;
  m.rtm_sa[RTAX_DST] = new sockaddr_in(aton(dst));
  m.rtm_sa[RTAX_GATEWAY] = new sockaddr_in(aton(gw));
  m.rtm_addrs = RTA_DST | RTA_GATEWAY;
  if (len !== 32) {
    m.rtm_sa[RTAX_NETMASK] = new sockaddr_in(in_len2mask(len));
    m.rtm_addrs |= RTA_NETMASK;
  }
  must(sys_route(n.p, n.rfd, m).error, `route add ${dst}/${len} ${gw}`);
}

/** route add -host DST -iface IF -blackhole. */
export function route_blackhole(n: node, dst: string, ifname: string): void {
  const ifp = vnet_run(n.v, "route", () => ifunit(ifname));
  if (ifp === null) throw new Error(`no ${ifname}`);
  const m = new rt_msghdr();
  m.rtm_type = RTM_ADD;
  m.rtm_flags = RTF_UP | RTF_STATIC | RTF_HOST | RTF_BLACKHOLE;
  m.rtm_seq = 1;
  m.rtm_sa[RTAX_DST] = new sockaddr_in(aton(dst));
  m.rtm_sa[RTAX_GATEWAY] = new sockaddr_dl(ifp.if_index, ifp.if_type, "", new Uint8Array(0));
  m.rtm_addrs = RTA_DST | RTA_GATEWAY;
  must(sys_route(n.p, n.rfd, m).error, `route add -host ${dst} -iface ${ifname} -blackhole`);
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
 * holds (its addresses are 10.c.j.0/24, its destination 10.255.c.1).
 *
 *  "vnet": every node a vnet jail; link j (epair j) joins node j (side a,
 *  10.c.j.1/24) to node j+1 (side b, 10.c.j.2/24); A and the routers have a
 *  default route to the next node; B has the destination on lo0 and a UDP
 *  socket bound to it.
 *
 *  "fib": the baseline kernel has one stack, so the chain is emulated as on
 *  a stock FreeBSD: one FIB per node (net.fibs grows by H + 2), each
 *  interface in its node's FIB (ifconfig IF fib N), default routes per FIB,
 *  forwarding on.  The destination cannot be an address of B there (every
 *  router would take it as its own: in_localip knows no FIBs), so B's FIB
 *  holds a blackhole host route for it: B's pass ends in ip_tryforward's
 *  drop (ips_cantforward) instead of udp_input.  The same code runs on both
 *  builds, so its VIMAGE/baseline ratio is the price of VIMAGE alone.
 */
export interface chain {
  /** c: which chain of this kernel. */
  index: number;
  mode: "vnet" | "fib";
  H: number;
  host: node;
  nodes: node[];
  /** The destination (10.255.c.1) and port (9, discard). */
  dst: number;
  port: number;
}

export const CHAIN_PORT = 9;
let chains = 0;
let fibs_used = 1;

export function chain_build(mode: "vnet" | "fib", H: number): chain {
  const c = chains++;
  const host = host_node();
  const nodes: node[] = [];
  let fib0 = 0;
  if (mode === "fib") {
    fib0 = fibs_used;
    fibs_used += H + 2;
    sysctl_set(cred0, "net.fibs", fibs_used);
    // Blackhole routes point at lo0's 127.0.0.1.
    lo0_inet(host);
  }
  const dst = `10.255.${c}.1`;
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
    if_addr(nodes[j], e.a, `10.${c}.${j}.1`, 24);
    if_addr(nodes[j + 1], e.b, `10.${c}.${j}.2`, 24);
    if (mode === "fib" && j === H) route_blackhole(nodes[j + 1], dst, e.b);
  }
  for (let j = 0; j <= H; j++) route_add(nodes[j], "0.0.0.0", 0, `10.${c}.${j}.2`);
  if (mode === "vnet") {
    for (let j = 1; j <= H; j++) sysctl_set(node_cred(nodes[j]), "net.inet.ip.forwarding", 1);
    if_addr(nodes[H + 1], "lo0", dst, 32);
  } else {
    sysctl_set(cred0, "net.inet.ip.forwarding", 1);
  }
  return { index: c, mode, H, host, nodes, dst: aton(dst), port: CHAIN_PORT };
}
