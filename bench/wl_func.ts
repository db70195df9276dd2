// Zec's Table 2: the cost of single kernel functions, VIMAGE against the
// baseline, with benchmark.js.  Each call is fed a prepared packet, as the
// function would get it from its caller: a frame as the driver leaves it
// for ether_input; an IP datagram with rcvif set, as ether_demux leaves it,
// for ip_input, ip_tryforward, icmp_input, udp_input; the echo reply
// icmp_input hands icmp_reflect; the reply icmp_send hands ip_output.
// Everything each function calls runs too (the times are inclusive), down
// to the interface: the stack's epairs have their peers down, so a frame
// sent ends as epair_transmit frees it (ARP entries are static: no ARP
// traffic).  Preparing a packet (m_gethdr and a copy of the template) and
// freeing it is timed on its own ("prepare") and subtracted.  curvnet is
// set around the run, as it is when netisr or a socket call gets there.
//
// The IPv6 rows: ip6_input (an ICMPv6 echo request to our address, up
// through icmp6_input, the reply through ip6_output and nd6_output_ifp),
// ip6_forward (the slow path a router with redirects on takes) and
// ip6_tryforward (the fast path, redirects off), next to ip_input,
// ip_forward's caller ip_tryforward.  The peers' neighbor entries are made
// as a neighbor solicitation from them would (nd6_cache_lladdr: STALE, then
// DELAY once used; the clock does not move), so nothing waits for ND.
import Benchmark from "benchmark";
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  IPPROTO_ICMP,
  IPPROTO_UDP,
  M_NOWAIT,
  PF_INET,
  SOCK_DGRAM,
  sys_bind,
  sys_socket,
  MT_DATA,
  cred0,
  ether_input,
  icmp_input,
  icmp_reflect,
  ip_input,
  ip_output,
  ip_tryforward,
  ip6_input,
  ip6_forward,
  ip6_tryforward,
  in6_control,
  kern_advance_ns,
  in6_aliasreq,
  in6_addr_from,
  inet_pton6,
  SIOCAIFADDR_IN6,
  IN6_IFF_NODAD,
  ND_NEIGHBOR_SOLICIT,
  in6_prefixlen2mask,
  lla_add_static,
  m_freem,
  m_gethdr,
  max_linkhdr,
  sbdroprecord_locked,
  sockaddr_in,
  udp_input,
  vnet_run,
  type ifnet,
  type mbuf,
  type socket,
} from "../index.ts";
import { aton, epair_create, host_node, ifp_of, if_addr, if_updown, must, sysctl_set, type node } from "./topo.ts";
import { bsock, cksum, cksum6, ip6dgram } from "./wl_packets.ts";
import { heap_allocated } from "./wl_util.ts";
import { nd6_cache_lladdr } from "../netinet6/nd6.ts";

// Call the function, do not decompile it into benchmark.js's loop: the
// closures below must keep their scope.
Benchmark.support.decompilation = false;

/** An IPv4 datagram: header checksummed, `l4` after it. */
function ipdgram(src: number, dst: number, p: number, l4: Uint8Array): Uint8Array {
  const b = new Uint8Array(20 + l4.length);
  const dv = new DataView(b.buffer);
  b[0] = 0x45;
  dv.setUint16(2, b.length);
  dv.setUint16(4, 0x1234);
  b[8] = 64;
  b[9] = p;
  dv.setUint32(12, src);
  dv.setUint32(16, dst);
  dv.setUint16(10, cksum(b, 0, 20));
  b.set(l4, 20);
  return b;
}

function echo_msg(type: number, data: number): Uint8Array {
  const b = new Uint8Array(8 + data);
  b[0] = type;
  b[4] = 0x12;
  b[5] = 0x34;
  b[7] = 1;
  for (let i = 0; i < data; i++) b[8 + i] = i & 0xff;
  const s = cksum(b, 0, b.length);
  b[2] = s >>> 8;
  b[3] = s & 0xff;
  return b;
}

function udp_msg(src: number, dst: number, sport: number, dport: number, data: number): Uint8Array {
  const b = new Uint8Array(8 + data);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, sport);
  dv.setUint16(2, dport);
  dv.setUint16(4, b.length);
  for (let i = 0; i < data; i++) b[8 + i] = (i * 7 + 1) & 0xff;
  // Pseudo header + UDP.
  const ph = new Uint8Array(12 + b.length);
  const pv = new DataView(ph.buffer);
  pv.setUint32(0, src);
  pv.setUint32(4, dst);
  ph[9] = IPPROTO_UDP;
  pv.setUint16(10, b.length);
  ph.set(b, 12);
  let s = cksum(ph, 0, ph.length);
  if (s === 0) s = 0xffff;
  dv.setUint16(6, s);
  return b;
}

function echo6_msg(src: Uint8Array, dst: Uint8Array, data: number): Uint8Array {
  const b = new Uint8Array(8 + data);
  b[0] = 128;
  b[4] = 0x12;
  b[5] = 0x34;
  b[7] = 1;
  for (let i = 0; i < data; i++) b[8 + i] = i & 0xff;
  const s = cksum6(src, dst, 58, b);
  b[2] = s >>> 8;
  b[3] = s & 0xff;
  return b;
}

function udp6_msg(src: Uint8Array, dst: Uint8Array, data: number): Uint8Array {
  const b = new Uint8Array(8 + data);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, 5555);
  dv.setUint16(2, 9);
  dv.setUint16(4, b.length);
  for (let i = 0; i < data; i++) b[8 + i] = (i * 7 + 1) & 0xff;
  let s = cksum6(src, dst, 17, b);
  if (s === 0) s = 0xffff;
  dv.setUint16(6, s);
  return b;
}

function a6(s: string): Uint8Array {
  const a = inet_pton6(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a.s6_addr.slice();
}

/** ifconfig IF inet6 ADDR/LEN no_dad: the address, usable at once. */
function if_addr6(n: node, ifname: string, addr: string, len: number): void {
  const ifp = ifp_of(n, ifname);
  const ifra = new in6_aliasreq();
  ifra.ifra_name = ifname;
  ifra.ifra_addr.sin6_addr.s6_addr.set(a6(addr));
  ifra.ifra_prefixmask.sin6_len = 28;
  ifra.ifra_prefixmask.sin6_family = 28;
  in6_prefixlen2mask(ifra.ifra_prefixmask.sin6_addr, len);
  ifra.ifra_flags = IN6_IFF_NODAD;
  vnet_run(n.v, "ifconfig", () => must(in6_control(SIOCAIFADDR_IN6, ifra, ifp, cred0), "SIOCAIFADDR_IN6"));
}

interface func_env {
  h: node;
  in_ifp: ifnet;
  rx: bsock;
  rxso: socket;
  t: Record<string, Uint8Array>;
}

let env: func_env | null = null;

const A_IN = aton("10.0.0.1");
const PEER_IN = aton("10.0.0.2");
const PEER_OUT = aton("10.0.1.2");
const UDP_PORT = 7;

function env_get(): func_env {
  if (env !== null) return env;
  const h = host_node();
  const e0 = epair_create(h);
  const e1 = epair_create(h);
  if_addr(h, e0.a, "10.0.0.1", 24);
  if_addr(h, e1.a, "10.0.1.1", 24);
  // The far ends stay down: what is sent to them is freed on transmit.
  if_updown(h, e0.b, false);
  if_updown(h, e1.b, false);
  sysctl_set(cred0, "net.inet.ip.forwarding", 1);
  if_addr6(h, e0.a, "2001:db8::1", 64);
  if_addr6(h, e1.a, "2001:db8:1::1", 64);
  sysctl_set(cred0, "net.inet6.ip6.forwarding", 1);
  sysctl_set(cred0, "net.inet6.icmp6.errppslimit", 0);
  sysctl_set(cred0, "net.inet.icmp.icmplim", 0);
  const in_ifp = ifp_of(h, e0.a);
  const out_ifp = ifp_of(h, e1.a);
  const mac = (ifname: string): Uint8Array => {
    const ifp = ifp_of(h, ifname);
    const sdl = ifp.if_addr?.ifa_addr;
    if (sdl === undefined || !("sdl_lladdr" in sdl)) throw new Error("no lladdr");
    return sdl.sdl_lladdr.slice();
  };
  // arp -s: the peers' addresses, so nothing waits for ARP.
  vnet_run(h.v, "arp", () => {
    must(lla_add_static(in_ifp, PEER_IN, mac(e0.b)), "arp -s");
    must(lla_add_static(out_ifp, PEER_OUT, mac(e1.b)), "arp -s");
  });
  // The IPv6 peers, as a neighbor solicitation from them would leave them.
  vnet_run(h.v, "nd6", () => {
    nd6_cache_lladdr(in_ifp, in6_addr_from(a6("2001:db8::2")), mac(e0.b), 6, ND_NEIGHBOR_SOLICIT, 0);
    nd6_cache_lladdr(out_ifp, in6_addr_from(a6("2001:db8:1::2")), mac(e1.b), 6, ND_NEIGHBOR_SOLICIT, 0);
  });
  // MLD's reports of the groups the addresses joined (queued until their
  // timers fire) go out and are freed at the down peers.
  kern_advance_ns(30e9);
  const s = sys_socket(h.p, PF_INET, SOCK_DGRAM, 0);
  must(s.error, "socket");
  must(sys_bind(h.p, s.fd, new sockaddr_in(A_IN, UDP_PORT)), "bind");
  const rx = new bsock(h.p, s.fd, new Uint8Array(1), 2048);

  const echo = ipdgram(PEER_IN, A_IN, IPPROTO_ICMP, echo_msg(8, 56));
  const frame = new Uint8Array(14 + echo.length);
  frame.set(mac(e0.a), 0);
  frame.set(mac(e0.b), 6);
  frame[12] = 0x08;
  frame[13] = 0x00;
  frame.set(echo, 14);
  const t: Record<string, Uint8Array> = {
    frame,
    echo,
    reply_in: ipdgram(PEER_IN, A_IN, IPPROTO_ICMP, echo_msg(0, 56)),
    reply_out: ipdgram(A_IN, PEER_IN, IPPROTO_ICMP, echo_msg(0, 56)),
    fwd: ipdgram(PEER_IN, PEER_OUT, IPPROTO_UDP, udp_msg(PEER_IN, PEER_OUT, 5555, 9, 64)),
    udp: ipdgram(PEER_IN, A_IN, IPPROTO_UDP, udp_msg(PEER_IN, A_IN, 5555, UDP_PORT, 64)),
    echo6: ip6dgram(a6("2001:db8::2"), a6("2001:db8::1"), 58, echo6_msg(a6("2001:db8::2"), a6("2001:db8::1"), 56)),
    fwd6: ip6dgram(a6("2001:db8::2"), a6("2001:db8:1::2"), 17, udp6_msg(a6("2001:db8::2"), a6("2001:db8:1::2"), 64)),
  };
  env = { h, in_ifp, rx, rxso: rx.so, t };
  return env;
}

/** A packet as the caller of the function has it. */
function prep(e: func_env, t: Uint8Array, linkoff: number): mbuf {
  const m = m_gethdr(M_NOWAIT, MT_DATA);
  if (m === null) throw new Error("out of mbufs");
  m.m_data += linkoff;
  m.m_buf.set(t, m.m_data);
  m.m_len = m.m_pkthdr.len = t.length;
  m.m_pkthdr.rcvif = e.in_ifp;
  return m;
}

// ETHER_ALIGN for frames; room for the link header the reply gets, for
// datagrams (ether_input leaves m_data 14 bytes in).
const FRAME_OFF = 2;
const IP_OFF = max_linkhdr;

let drains = 0;

function body(e: func_env, fn: string): () => void {
  const t = e.t;
  const ifp = e.in_ifp;
  switch (fn) {
    case "prepare":
      return () => m_freem(prep(e, t.echo, IP_OFF));
    case "ether_input":
      return () => ether_input(ifp, prep(e, t.frame, FRAME_OFF));
    case "ip_input":
      return () => ip_input(prep(e, t.echo, IP_OFF));
    case "ip_tryforward":
      return () => {
        const m = ip_tryforward(prep(e, t.fwd, IP_OFF));
        if (m !== null) {
          m_freem(m);
          throw new Error("ip_tryforward did not forward");
        }
      };
    case "ip6_input":
      return () => ip6_input(prep(e, t.echo6, IP_OFF));
    case "ip6_forward":
      // ip6_input's caller's state: what ip6_forward gets has its zones
      // embedded (none for these global addresses).
      return () => ip6_forward(prep(e, t.fwd6, IP_OFF), 0);
    case "ip6_tryforward":
      return () => {
        const m = ip6_tryforward(prep(e, t.fwd6, IP_OFF));
        if (m !== null) {
          m_freem(m);
          throw new Error("ip6_tryforward did not forward");
        }
      };
    case "icmp_input":
      return () => icmp_input(prep(e, t.echo, IP_OFF), 20, IPPROTO_ICMP);
    case "icmp_reflect":
      return () => icmp_reflect(prep(e, t.reply_in, IP_OFF));
    case "ip_output":
      return () => {
        const m = prep(e, t.reply_out, IP_OFF);
        m.m_pkthdr.rcvif = null;
        ip_output(m, null, null, 0, null, null);
      };
    case "udp_input": {
      const so = e.rxso;
      return () => {
        udp_input(prep(e, t.udp, IP_OFF), 20, IPPROTO_UDP);
        if (++drains === 128) {
          drains = 0;
          while (so.so_rcv.sb_rec !== null) sbdroprecord_locked(so.so_rcv);
        }
      };
    }
  }
  throw new Error(`unknown function ${fn}`);
}

export const FUNCS = ["prepare", "ether_input", "ip_input", "ip6_input", "ip_tryforward", "ip6_tryforward", "ip6_forward", "ip_output", "icmp_input", "icmp_reflect", "udp_input"];

/** Heap bytes one call allocates, once warm (the preparation's own
 *  subtracted), the least of three runs of n calls: what the per-packet
 *  path must keep at zero. */
export function func_alloc(fn: string, n: number): number {
  const e = env_get();
  const f = body(e, fn);
  const p = body(e, "prepare");
  const saved = CURVNET_SET(e.h.v, "bench");
  try {
    for (let i = 0; i < 2000; i++) {
      f();
      p();
    }
    // The JIT's own allocations (code, feedback) land on the heap now and
    // then and only add: the least of a few runs is the call's.
    let bytes = Infinity;
    let prep = Infinity;
    for (let r = 0; r < 3; r++) {
      bytes = Math.min(bytes, heap_allocated(() => {
        for (let i = 0; i < n; i++) f();
      }));
      prep = Math.min(prep, heap_allocated(() => {
        for (let i = 0; i < n; i++) p();
      }));
      while (e.rxso.so_rcv.sb_mb !== null) sbdroprecord_locked(e.rxso.so_rcv);
    }
    return Math.max(0, bytes - prep) / n;
  } finally {
    CURVNET_RESTORE(saved);
  }
}

/** benchmark.js on one function: ns per call (mean), relative margin of
 *  error (%), samples. */
export function func_run(fn: string, max_time: number): Record<string, number> {
  const e = env_get();
  const f = body(e, fn);
  const saved = CURVNET_SET(e.h.v, "bench");
  try {
    // Once outside benchmark.js: a broken setup fails loudly here.
    for (let i = 0; i < 1000; i++) f();
    const b = new Benchmark(fn, f, { maxTime: max_time, minSamples: 5 });
    b.run({ async: false });
    if (b.error !== undefined && b.error !== null) throw b.error instanceof Error ? b.error : new Error(String(b.error));
    while (e.rxso.so_rcv.sb_rec !== null) sbdroprecord_locked(e.rxso.so_rcv);
    return { ns: b.stats.mean * 1e9, rme: b.stats.rme, samples: b.stats.sample.length };
  } finally {
    CURVNET_RESTORE(saved);
  }
}
