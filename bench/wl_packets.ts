// Packet workloads: UDP through a chain of routers (issue 3, and the
// forwarding and parallel parts of the evaluation), ICMP echo over lo0 by
// size (Fig. 6), and one active vnet among many idle ones with Zec's
// input-queue ablation (Fig. 4).
//
// Packets enter the kernel where a user's packets do: a datagram socket's
// send (sosend with a uio over a preallocated user buffer: what sys_sendto
// does once it has the descriptor and copied the address), and leave
// through a bound socket's receive buffer, emptied with soreceive into a
// preallocated buffer (what sys_recvfrom does before copyout).  In between
// everything is the kernel's own path: udp_send, ip_output, ether_output,
// epair_transmit, the epair task under the receiver's vnet, ether_input,
// ip_input, ip_tryforward, ... udp_input.  Deferred work runs with
// taskqueue_run(), which is what the virtual clock's run loop does before
// it lets time move; no timer needs to fire, so virtual time stands still.
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  CURVNET_SET_QUIET,
  INADDR_LOOPBACK,
  IPPROTO_ICMP,
  LO_CSUM_SET,
  M_NOWAIT,
  MT_DATA,
  PF_INET,
  SOCK_DGRAM,
  SOCK_RAW,
  VNET_DEFINE_INT,
  VNET_DEFINE_PTR,
  VNET_I32,
  VNET_I32_SET,
  VNET_PTR,
  VNET_PTR_SET,
  fd_socket,
  ip_input,
  ipstat,
  ips_cantforward,
  ips_noroute,
  m_gethdr,
  ip_output,
  sbdroprecord_locked,
  M_SETFIB,
  IPPROTO_UDP,
  max_linkhdr,
  mbuf_outstanding,
  soreceive,
  soreceive_out,
  sosend,
  sockaddr_in,
  sys_bind,
  sys_socket,
  sys_setsockopt,
  SOL_SOCKET,
  SO_RCVBUF,
  IP_MAXPACKET,
  taskqueue_run,
  uio,
  vnet_head,
  vnet0,
  vnet_run,
  VNET_U64,
  type ifnet,
  type mbuf,
  type socket,
  type proc,
  type sockaddr,
} from "../index.ts";
import { PF_INET6 } from "../kern/socket.ts";
import { sockaddr_in6 } from "../netinet6/in6_var.ts";
import { ip6stat, ip6s_cantforward, ip6s_noroute } from "../netinet6/ip6_var.ts";
import { ip6_output } from "../netinet6/ip6_output.ts";
import { aton, aton6, chain_build, host_node, ifp_of, lo0_inet, must, node_cred, sysctl_set, vnet_jail_create, vnet_jail_node, type chain, type node } from "./topo.ts";
import { heap_allocated, rate_for } from "./wl_util.ts";

// ---------------------------------------------------------------------------
// Sockets as the benchmark's processes use them.

/** A socket seen from inside the kernel, with a preallocated user buffer
 *  for sending and one for receiving. */
export class bsock {
  readonly so: socket;
  readonly tx: uio;
  readonly rx: uio;
  readonly out = new soreceive_out();
  constructor(
    readonly p: proc,
    readonly fd: number,
    sendbuf: Uint8Array,
    recvlen: number,
  ) {
    const so = fd_socket(p, fd);
    if (so === null) throw new Error("no socket");
    this.so = so;
    this.tx = new uio(sendbuf);
    this.rx = new uio(new Uint8Array(recvlen));
  }
  /** sendto(fd, buf, len, 0, to): the kernel half. */
  send(to: sockaddr, len: number): number {
    const u = this.tx;
    u.uio_offset = 0;
    u.uio_resid = len;
    return sosend(this.so, to, u, null, null, 0, this.p.p_td);
  }
  /** recvfrom until EAGAIN: how many datagrams were read. */
  drain(): number {
    let n = 0;
    const u = this.rx;
    const out = this.out;
    for (;;) {
      u.uio_offset = 0;
      u.uio_resid = u.uio_buf.length;
      out.flags = 0;
      if (soreceive(this.so, u, out) !== 0) return n;
      n++;
    }
  }
}

function udp_socket(n: node, bind: sockaddr_in | sockaddr_in6 | null, payload: number, af: 4 | 6 = 4): bsock {
  const s = sys_socket(n.p, af === 4 ? PF_INET : PF_INET6, SOCK_DGRAM, 0);
  must(s.error, "socket");
  if (bind !== null) must(sys_bind(n.p, s.fd, bind), "bind");
  const buf = new Uint8Array(Math.max(payload, 1));
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 7 + 1) & 0xff;
  return new bsock(n.p, s.fd, buf, 2048);
}

// ---------------------------------------------------------------------------
// UDP through A - R1 .. RH - B, over IPv4 or IPv6.

interface fwd_state {
  c: chain;
  tx: bsock;
  rx: bsock | null;
  to: sockaddr_in | sockaddr_in6;
  /** ipstat (ip6stat) of B's stack: [ips_cantforward, ips_noroute]. */
  sink: () => [number, number];
}

const fwd_cache = new Map<string, fwd_state>();
const PAYLOAD = 64;
export const FWD_BURST = 64;

function fwd_state_of(mode: "vnet" | "fib", H: number, af: 4 | 6): fwd_state {
  const key = `${mode}:${H}:${af}`;
  let st = fwd_cache.get(key);
  if (st !== undefined) return st;
  if (mode === "vnet" && !VIMAGE) throw new Error("a vnet chain needs the VIMAGE build");
  const c = chain_build(mode, H, af);
  const A = c.nodes[0];
  const B = c.nodes[H + 1];
  const tx = udp_socket(A, null, PAYLOAD, af);
  const mk = (): sockaddr_in | sockaddr_in6 => (af === 4 ? new sockaddr_in(aton(c.dst), c.port) : new sockaddr_in6(aton6(c.dst), c.port));
  const rx = mode === "vnet" ? udp_socket(B, mk(), 0, af) : null;
  const to = mk();
  const sink = (): [number, number] =>
    vnet_run(B.v, "bench", () =>
      af === 4 ? [VNET_U64(ipstat + ips_cantforward), VNET_U64(ipstat + ips_noroute)] : [VNET_U64(ip6stat + ip6s_cantforward), VNET_U64(ip6stat + ip6s_noroute)],
    );
  st = { c, tx, rx, to, sink };
  // A few datagrams first: ARP (neighbor discovery) along the chain (the
  // hold queue keeps one packet per entry for ARP, FreeBSD's default
  // maxhold being 16, and nd6_maxqueuelen's 16 for ND).
  for (let i = 0; i < 3; i++) {
    must(tx.send(to, PAYLOAD), "sendto");
    taskqueue_run();
    if (rx !== null) rx.drain();
  }
  fwd_cache.set(key, st);
  fwd_check(st, () => fwd_burst(st as fwd_state, FWD_BURST));
  return st;
}

/**
 * Run `fn` (which sends `sent` datagrams) and check that each arrived: read
 * at B (vnet chain), or dropped by B's blackhole route and by nothing else
 * (FIB chain: the one stack's counters, so no packet may have hit a missing
 * route on the way either).
 */
function fwd_check(st: fwd_state, fn: () => number): number {
  const sent0 = fwd_sent;
  const s0 = st.sink();
  const got = fn();
  const s1 = st.sink();
  const sent = fwd_sent - sent0;
  const key = `${st.c.mode} chain${st.c.af === 6 ? " (IPv6)" : ""} H=${st.c.H}`;
  if (st.rx !== null) {
    if (got !== sent) throw new Error(`${key}: ${got} of ${sent} datagrams arrived`);
  } else if (s1[0] - s0[0] !== sent || s1[1] !== s0[1]) {
    throw new Error(`${key}: ${s1[0] - s0[0]} of ${sent} datagrams reached B's blackhole, ${s1[1] - s0[1]} found no route`);
  }
  return got;
}

let fwd_sent = 0;

/** Send n datagrams from A, let the chain run, read them at B. */
function fwd_burst(st: fwd_state, n: number): number {
  const tx = st.tx;
  const to = st.to;
  for (let i = 0; i < n; i++) tx.send(to, PAYLOAD);
  fwd_sent += n;
  taskqueue_run();
  return st.rx !== null ? st.rx.drain() : n;
}

export interface fwd_result {
  /** Datagrams per second end to end. */
  pps: number;
  /** Packet handlings per second: pps * (H + 2), one pass through each
   *  stack on the way (A's output, each router, B's input). */
  hps: number;
}

/** wall: rate by the wall clock (several workers sharing the CPUs), else
 *  per CPU second of this thread. */
export function fwd_run(mode: "vnet" | "fib", H: number, ms: number, wall = false, af: 4 | 6 = 4): fwd_result {
  const st = fwd_state_of(mode, H, af);
  let r = { rate: 0, units: 0, ns: 0 };
  fwd_check(st, () => (r = rate_for(ms, () => fwd_burst(st, FWD_BURST), wall)).units);
  return { pps: r.rate, hps: r.rate * (H + 2) };
}

/** Heap bytes allocated per datagram, end to end, once warm. */
export function fwd_alloc(mode: "vnet" | "fib", H: number, n: number, af: 4 | 6 = 4): number {
  const st = fwd_state_of(mode, H, af);
  for (let i = 0; i < 300; i++) fwd_burst(st, FWD_BURST);
  const bursts = Math.ceil(n / FWD_BURST);
  const bytes = heap_allocated(() => {
    for (let i = 0; i < bursts; i++) fwd_burst(st, FWD_BURST);
  });
  return bytes / (bursts * FWD_BURST);
}

/**
 * The same datagrams injected below the socket layer: built in an mbuf at
 * A (IP and UDP header by hand, UDP checksum 0) and handed to ip_output,
 * taken off B's socket buffer without a copy to user space.  What this
 * allocates is the kernel's per-packet path alone.
 */
function ip_template(src: number, dst: number, proto: number, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(20 + payload.length);
  const dv = new DataView(b.buffer);
  b[0] = 0x45;
  dv.setUint16(2, b.length);
  b[8] = 64;
  b[9] = proto;
  dv.setUint32(12, src);
  dv.setUint32(16, dst);
  b.set(payload, 20);
  return b;
}

function template_mbuf(t: Uint8Array, fib: number): mbuf {
  const m = m_gethdr(M_NOWAIT, MT_DATA);
  if (m === null) throw new Error("out of mbufs");
  m.m_data += max_linkhdr;
  const b = m.m_buf;
  const o = m.m_data;
  for (let i = 0; i < t.length; i++) b[o + i] = t[i];
  m.m_len = m.m_pkthdr.len = t.length;
  M_SETFIB(m, fib);
  return m;
}

/** Take every datagram off a socket's receive buffer (sbdroprecord). */
function sb_drop_all(so: socket): number {
  const sb = so.so_rcv;
  let n = 0;
  while (sb.sb_rec !== null) {
    sbdroprecord_locked(sb);
    n++;
  }
  return n;
}

/** The Internet checksum of b[start, end). */
export function cksum(b: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An IPv6 packet: header, then l4 (ICMPv6 or UDP, checksummed by the caller). */
export function ip6dgram(src: Uint8Array, dst: Uint8Array, nxt: number, l4: Uint8Array): Uint8Array {
  const b = new Uint8Array(40 + l4.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x60000000);
  dv.setUint16(4, l4.length);
  b[6] = nxt;
  b[7] = 64;
  b.set(src, 8);
  b.set(dst, 24);
  b.set(l4, 40);
  return b;
}

export function cksum6(src: Uint8Array, dst: Uint8Array, nxt: number, msg: Uint8Array): number {
  const ph = new Uint8Array(40 + msg.length);
  ph.set(src, 0);
  ph.set(dst, 16);
  new DataView(ph.buffer).setUint32(32, msg.length);
  ph[39] = nxt;
  ph.set(msg, 40);
  return cksum(ph, 0, ph.length);
}

/** An IPv6 packet carrying the UDP datagram `udp`, whose checksum (over
 *  the pseudo header, mandatory over IPv6) is filled in here. */
function ip6_udp_template(src: Uint8Array, dst: Uint8Array, udp: Uint8Array): Uint8Array {
  const s = cksum6(src, dst, IPPROTO_UDP, udp);
  new DataView(udp.buffer, udp.byteOffset).setUint16(6, s === 0 ? 0xffff : s);
  return ip6dgram(src, dst, IPPROTO_UDP, udp);
}

export function fwd_kernel_alloc(mode: "vnet" | "fib", H: number, n: number, af: 4 | 6 = 4): number {
  const st = fwd_state_of(mode, H, af);
  const A = st.c.nodes[0];
  const udp = new Uint8Array(8 + PAYLOAD);
  const udv = new DataView(udp.buffer);
  udv.setUint16(0, 5555);
  udv.setUint16(2, st.c.port);
  udv.setUint16(4, udp.length);
  const t =
    af === 4
      ? ip_template(aton(st.c.src), aton(st.c.dst), IPPROTO_UDP, udp)
      : ip6_udp_template(aton6(st.c.src).s6_addr, aton6(st.c.dst).s6_addr, udp);
  const rxso = st.rx !== null ? st.rx.so : null;
  const burst = (k: number): void => {
    const saved = CURVNET_SET(A.v, "bench");
    if (af === 4) for (let i = 0; i < k; i++) ip_output(template_mbuf(t, A.fib), null, null, 0, null, null);
    else for (let i = 0; i < k; i++) ip6_output(template_mbuf(t, A.fib), null, null, 0, null, null, null);
    CURVNET_RESTORE(saved);
    taskqueue_run();
    if (rxso !== null && sb_drop_all(rxso) !== k) throw new Error("kernel path: datagrams lost");
  };
  for (let i = 0; i < 300; i++) burst(FWD_BURST);
  const bursts = Math.ceil(n / FWD_BURST);
  const bytes = heap_allocated(() => {
    for (let i = 0; i < bursts; i++) burst(FWD_BURST);
  });
  return bytes / (bursts * FWD_BURST);
}

// ---------------------------------------------------------------------------
// ICMP echo over lo0 (ping -f -s SIZE 127.0.0.1).

interface echo_state {
  n: node;
  raw: bsock;
  to: sockaddr_in;
  sizes: Map<number, number>;
}

let echo_host: echo_state | null = null;


/** A raw ICMP socket in node n, as ping(8) opens it. */
function echo_state_for(n: node): echo_state {
  sysctl_set(node_cred(n), "net.inet.icmp.icmplim", 0);
  const s = sys_socket(n.p, PF_INET, SOCK_RAW, IPPROTO_ICMP);
  must(s.error, "socket(SOCK_RAW)");
  // ping(8): room for the largest reply.
  must(sys_setsockopt(n.p, s.fd, SOL_SOCKET, SO_RCVBUF, IP_MAXPACKET + 128), "setsockopt SO_RCVBUF");
  const MAXSIZE = 8192;
  const raw = new bsock(n.p, s.fd, new Uint8Array(8 + MAXSIZE), 20 + 8 + MAXSIZE + 64);
  return { n, raw, to: new sockaddr_in(INADDR_LOOPBACK, 0), sizes: new Map() };
}

/** The echo request ping builds: type 8, id, seq, SIZE bytes of data,
 *  checksummed; what is left over in the buffer is not sent. */
function echo_prepare(st: echo_state, size: number): void {
  if (st.sizes.has(size)) return;
  const b = st.raw.tx.uio_buf;
  b.fill(0, 0, 8 + size);
  b[0] = 8;
  b[4] = 0x12;
  b[5] = 0x34;
  for (let i = 0; i < size; i++) b[8 + i] = i & 0xff;
  let sum = 0;
  for (let i = 0; i < 8 + size; i += 2) sum += (b[i] << 8) | (i + 1 < 8 + size ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  sum = ~sum & 0xffff;
  st.sizes.clear();
  b[2] = sum >>> 8;
  b[3] = sum & 0xff;
  st.sizes.set(size, sum);
}

/** ping -f has one request out at a time when replies come back at once. */
export const ECHO_BURST = 1;

function echo_burst(st: echo_state, size: number, n: number): number {
  const raw = st.raw;
  const to = st.to;
  for (let i = 0; i < n; i++) raw.send(to, 8 + size);
  taskqueue_run();
  return raw.drain();
}

function echo_host_state(): echo_state {
  if (echo_host !== null) return echo_host;
  const h = host_node();
  lo0_inet(h);
  const st = echo_state_for(h);
  echo_prepare(st, 56);
  const got = echo_burst(st, 56, ECHO_BURST);
  if (got !== ECHO_BURST) throw new Error(`lo0 echo: ${got} of ${ECHO_BURST} replies`);
  echo_host = st;
  return st;
}

/** Echo replies per second over lo0 with SIZE bytes of ICMP data. */
export function echo_run(size: number, ms: number): number {
  const st = echo_host_state();
  echo_prepare(st, size);
  const got = echo_burst(st, size, ECHO_BURST);
  if (got !== ECHO_BURST) throw new Error(`lo0 echo ${size}: ${got} of ${ECHO_BURST} replies`);
  return rate_for(ms, () => echo_burst(st, size, ECHO_BURST)).rate;
}

export function echo_alloc(size: number, n: number): number {
  const st = echo_host_state();
  echo_prepare(st, size);
  for (let i = 0; i < 5000; i++) echo_burst(st, size, ECHO_BURST);
  const bursts = Math.ceil(n / ECHO_BURST);
  const bytes = heap_allocated(() => {
    for (let i = 0; i < bursts; i++) echo_burst(st, size, ECHO_BURST);
  });
  return bytes / (bursts * ECHO_BURST);
}

/** Echo requests injected at ip_output (64 bytes of data), the replies
 *  taken off the raw socket without a copy: the kernel's path alone. */
export function echo_kernel_alloc(n: number): number {
  const st = echo_host_state();
  const icmp = new Uint8Array(8 + 64);
  icmp[0] = 8;
  for (let i = 0; i < 64; i++) icmp[8 + i] = i;
  let sum = 0;
  for (let i = 0; i < icmp.length; i += 2) sum += (icmp[i] << 8) | icmp[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  sum = ~sum & 0xffff;
  icmp[2] = sum >>> 8;
  icmp[3] = sum & 0xff;
  const t = ip_template(INADDR_LOOPBACK, INADDR_LOOPBACK, IPPROTO_ICMP, icmp);
  const so = st.raw.so;
  const one = (): void => {
    const saved = CURVNET_SET(st.n.v, "bench");
    ip_output(template_mbuf(t, 0), null, null, 0, null, null);
    CURVNET_RESTORE(saved);
    taskqueue_run();
    if (sb_drop_all(so) !== 1) throw new Error("kernel path: no echo reply");
  };
  for (let i = 0; i < 5000; i++) one();
  const bytes = heap_allocated(() => {
    for (let i = 0; i < n; i++) one();
  });
  return bytes / n;
}

// ---------------------------------------------------------------------------
// Fig. 4: one active vnet, N idle ones.

/**
 * Zec's ablation needs a second input queue discipline to compare with
 * the kernel's.  Modelled here, as a module would add it: a private input
 * queue in every vnet (V_ipintrq: its length in the vnet's data region,
 * its head and tail as pointer variables), polled in turn by walking
 * vnet_head and switching to each vnet to look at its queue, as the 2003
 * prototype's netisr did; against one shared queue whose packets carry
 * their interface, and so their vnet (FreeBSD's netisr).  Both hand the
 * packet to the real ip_input.
 */
const ipintrq_len = VNET_DEFINE_INT("bench_ipintrq_len", 0);
const ipintrq_head = VNET_DEFINE_PTR<mbuf | null>("bench_ipintrq_head", null);
const ipintrq_tail = VNET_DEFINE_PTR<mbuf | null>("bench_ipintrq_tail", null);

let shq_head: mbuf | null = null;
let shq_tail: mbuf | null = null;
/** Packets in the modelled queues, both disciplines. */
let model_queued = 0;

function shared_enqueue(m: mbuf): void {
  model_queued++;
  m.m_nextpkt = null;
  if (shq_tail === null) shq_head = m;
  else shq_tail.m_nextpkt = m;
  shq_tail = m;
}

/** The shared queue: O(1) per packet. */
function shared_dispatch(): void {
  let m = shq_head;
  shq_head = shq_tail = null;
  while (m !== null) {
    const n: mbuf | null = m.m_nextpkt;
    m.m_nextpkt = null;
    model_queued--;
    const ifp = m.m_pkthdr.rcvif as ifnet;
    const saved = CURVNET_SET(ifp.if_vnet, "bench_shared_dispatch");
    ip_input(m);
    CURVNET_RESTORE(saved);
    m = n;
  }
}

function pervnet_enqueue(m: mbuf): void {
  model_queued++;
  const ifp = m.m_pkthdr.rcvif as ifnet;
  const saved = CURVNET_SET_QUIET(ifp.if_vnet, "bench_pervnet_enqueue");
  m.m_nextpkt = null;
  const tail = VNET_PTR(ipintrq_tail);
  if (tail === null) VNET_PTR_SET(ipintrq_head, m);
  else tail.m_nextpkt = m;
  VNET_PTR_SET(ipintrq_tail, m);
  VNET_I32_SET(ipintrq_len, VNET_I32(ipintrq_len) + 1);
  CURVNET_RESTORE(saved);
}

/** Per-vnet queues polled in turn: every pass visits every vnet and takes
 *  at most one packet from each, until all are empty.  O(N) per packet. */
function pervnet_dispatch(): void {
  let more = true;
  while (more) {
    more = false;
    const n = VIMAGE ? vnet_head.length : 1;
    for (let i = 0; i < n; i++) {
      const saved = CURVNET_SET_QUIET(VIMAGE ? vnet_head[i] : vnet0, "bench_pervnet_dispatch");
      const len = VNET_I32(ipintrq_len);
      if (len > 0) {
        const m = VNET_PTR(ipintrq_head) as mbuf;
        const next: mbuf | null = m.m_nextpkt;
        VNET_PTR_SET(ipintrq_head, next);
        if (next === null) VNET_PTR_SET(ipintrq_tail, null);
        VNET_I32_SET(ipintrq_len, len - 1);
        model_queued--;
        m.m_nextpkt = null;
        ip_input(m);
        if (len > 1) more = true;
      }
      CURVNET_RESTORE(saved);
    }
  }
}

/** The modelled queues for other workloads (TCP over lo0, bench/wl_tcp.ts):
 *  enqueue a packet as the loopback received it, run a dispatcher pass,
 *  and whether any packet waits. */
export function model_enqueue(m: mbuf, pervnet: boolean): void {
  if (pervnet) pervnet_enqueue(m);
  else shared_enqueue(m);
}

export function model_dispatch(pervnet: boolean): void {
  if (pervnet) pervnet_dispatch();
  else shared_dispatch();
}

export function model_pending(): boolean {
  return model_queued > 0;
}

interface idle_state {
  active: node;
  rx: bsock;
  tx: bsock;
  to: sockaddr_in;
  lo0: ifnet;
  /** The datagram as if_simloop leaves it: IP + UDP + 64 bytes. */
  dgram: Uint8Array;
  idle: number[];
}

let idle_st: idle_state | null = null;
const IDLE_PORT = 7;

function idle_state_get(): idle_state {
  if (idle_st !== null) return idle_st;
  const active = VIMAGE ? vnet_jail_node("active") : host_node();
  lo0_inet(active);
  const rx = udp_socket(active, new sockaddr_in(INADDR_LOOPBACK, IDLE_PORT), 0);
  const tx = udp_socket(active, null, PAYLOAD);
  const to = new sockaddr_in(INADDR_LOOPBACK, IDLE_PORT);
  const lo0 = ifp_of(active, "lo0");
  // The datagram, captured once from the real path: build it by hand.
  const dgram = new Uint8Array(20 + 8 + PAYLOAD);
  const dv = new DataView(dgram.buffer);
  dgram[0] = 0x45;
  dv.setUint16(2, dgram.length);
  dgram[8] = 64;
  dgram[9] = 17;
  dv.setUint32(12, INADDR_LOOPBACK);
  dv.setUint32(16, INADDR_LOOPBACK);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += dv.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  dv.setUint16(10, ~sum & 0xffff);
  dv.setUint16(20, 5555);
  dv.setUint16(22, IDLE_PORT);
  dv.setUint16(24, 8 + PAYLOAD);
  for (let i = 0; i < PAYLOAD; i++) dgram[28 + i] = (i * 7 + 1) & 0xff;
  idle_st = { active, rx, tx, to, lo0, dgram, idle: [] };
  const got = idle_burst(idle_st, 8);
  if (got !== 8) throw new Error(`lo0 UDP: ${got} of 8`);
  return idle_st;
}

/** Grow the number of idle vnet jails to n (each with its lo0). */
function idle_grow(st: idle_state, n: number): void {
  if (n > 0 && !VIMAGE) throw new Error("idle vnets need the VIMAGE build");
  while (st.idle.length < n) {
    st.idle.push(vnet_jail_create(`idle${st.idle.length}`));
  }
}

export const IDLE_BURST = 32;

/** UDP over lo0 in the active vnet: IDLE_BURST datagrams sent and read. */
function idle_burst(st: idle_state, n: number): number {
  for (let i = 0; i < n; i++) st.tx.send(st.to, PAYLOAD);
  taskqueue_run();
  return st.rx.drain();
}

/** Datagrams/s over lo0 in the active vnet with n idle vnets around. */
export function idle_run(n: number, ms: number): number {
  const st = idle_state_get();
  idle_grow(st, n);
  return rate_for(ms, () => idle_burst(st, IDLE_BURST)).rate;
}

/** The datagram as the loopback would queue it: rcvif lo0, checksums
 *  marked verified (looutput's LO_CSUM_SET). */
function loop_mbuf(st: idle_state): mbuf {
  const m = m_gethdr(M_NOWAIT, MT_DATA);
  if (m === null) throw new Error("out of mbufs");
  m.m_data += max_linkhdr;
  m.m_buf.set(st.dgram, m.m_data);
  m.m_len = m.m_pkthdr.len = st.dgram.length;
  m.m_pkthdr.rcvif = st.lo0;
  m.m_pkthdr.csum_flags = LO_CSUM_SET;
  m.m_pkthdr.csum_data = 0xffff;
  return m;
}

function ablation_burst(st: idle_state, pervnet: boolean, n: number): number {
  if (pervnet) {
    for (let i = 0; i < n; i++) pervnet_enqueue(loop_mbuf(st));
    pervnet_dispatch();
  } else {
    for (let i = 0; i < n; i++) shared_enqueue(loop_mbuf(st));
    shared_dispatch();
  }
  return st.rx.drain();
}

/** Datagrams/s delivered through the modelled queue discipline with n
 *  idle vnets around. */
export function ablation_run(n: number, pervnet: boolean, ms: number): number {
  const st = idle_state_get();
  idle_grow(st, n);
  const got = ablation_burst(st, pervnet, IDLE_BURST);
  if (got !== IDLE_BURST) throw new Error(`ablation: ${got} of ${IDLE_BURST}`);
  return rate_for(ms, () => ablation_burst(st, pervnet, IDLE_BURST)).rate;
}

export function idle_count(): number {
  return idle_st === null ? 0 : idle_st.idle.length;
}

export function check_outstanding(what: string): void {
  const o = mbuf_outstanding();
  if (o.mbufs !== 0 || o.clusters !== 0) throw new Error(`${what}: ${o.mbufs} mbufs, ${o.clusters} clusters outstanding`);
}
