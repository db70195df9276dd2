// TCP workloads: Zec's Fig. 5 (bulk TCP over lo0 against lo0's MTU),
// Fig. 4 redone with TCP (one active vnet's lo0 throughput among idle
// vnets, and the input-queue ablation), bulk TCP through one router (vnet
// jails joined by epairs), and Table 2's tcp_input rows (a data segment, a
// pure ACK).
//
// A bulk transfer is two stream sockets of one connection driven the way
// a sender and a receiver process would drive them, without the copy to
// and from user space that the syscall layer adds around sosend and
// soreceive: the sender writes as much as its send buffer takes (sosend
// over a preallocated buffer, EWOULDBLOCK when full), deferred work runs
// (the loopback's netisr queue, epair delivery: taskqueue_run), the
// receiver reads all there is (soreceive, which tells TCP of the room made,
// so it may send a window update), and so on.  Nothing is timed by the
// virtual clock: the rate is payload bytes read per CPU second of the
// worker thread, both ends of the connection running on that one thread,
// as both ran on Zec's one CPU.  When a round moves nothing (the last
// segment's ACK sits in the delayed-ACK timer) the next callout is fired,
// which lets virtual time jump to it.
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  EWOULDBLOCK,
  INADDR_LOOPBACK,
  LO_CSUM_SET,
  M_NOWAIT,
  M_PKTHDR,
  MT_DATA,
  PF_INET,
  SIOCSIFMTU,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_SNDBUF,
  SS_ISCONNECTED,
  callout_run_next,
  fd_socket,
  kern_advance_ns,
  kern_run_until,
  m_copydata,
  m_freem,
  m_getcl,
  m_length,
  sbappendstream_locked,
  sbavail,
  sbdrop_locked,
  soreceive,
  soreceive_out,
  sosend,
  sockaddr_in,
  sototcpcb,
  sys_accept,
  sys_bind,
  sys_close,
  sys_connect,
  sys_ioctl,
  sys_listen,
  sys_setsockopt,
  sys_socket,
  taskqueue_run,
  tcp_input,
  uio,
  IPPROTO_TCP,
  TCPS_ESTABLISHED,
  tcp_output,
  lla_add_static,
  vnet_run,
  type ifnet,
  type mbuf,
  type proc,
  type socket,
  type tcpcb,
  type vnet,
} from "../index.ts";
import { aton, chain_build, epair_create, host_node, if_addr, if_updown, ifp_of, lo0_inet, must, route_add, vnet_jail_create, vnet_jail_node, type chain, type node } from "./topo.ts";
import { model_enqueue, model_pending, model_dispatch } from "./wl_packets.ts";
import { heap_allocated, rate_for } from "./wl_util.ts";

// ---------------------------------------------------------------------------
// Stream sockets driven from inside the kernel.

/** One end of a connection with a preallocated user buffer. */
class tsock {
  readonly so: socket;
  readonly u: uio;
  readonly out = new soreceive_out();
  constructor(
    readonly p: proc,
    readonly fd: number,
    buf: Uint8Array,
  ) {
    const so = fd_socket(p, fd);
    if (so === null) throw new Error("no socket");
    this.so = so;
    this.u = new uio(buf);
  }
  /** write(fd, buf, len) on a non-blocking socket: bytes taken. */
  write(): number {
    const u = this.u;
    u.uio_offset = 0;
    u.uio_resid = u.uio_buf.length;
    const error = sosend(this.so, null, u, null, null, 0, this.p.p_td);
    if (error !== 0 && error !== EWOULDBLOCK) throw new Error(`sosend: error ${error}`);
    return u.uio_offset;
  }
  /** read(fd, buf, len) until EWOULDBLOCK: bytes read. */
  read(): number {
    const u = this.u;
    const out = this.out;
    let n = 0;
    for (;;) {
      u.uio_offset = 0;
      u.uio_resid = u.uio_buf.length;
      out.flags = 0;
      const error = soreceive(this.so, u, out);
      if (error === EWOULDBLOCK) return n;
      if (error !== 0) throw new Error(`soreceive: error ${error}`);
      if (u.uio_offset === 0) return n;
      n += u.uio_offset;
    }
  }
}

/** A connection: tx writes, rx reads. */
export interface tcp_pair {
  tx: tsock;
  rx: tsock;
  /** Payload written and read since the connection was made. */
  sent: number;
  got: number;
  /** Rounds that moved nothing and fired a callout instead. */
  stalls: number;
  /** Deferred work: the netisr and epair tasks, or a modelled queue. */
  run: () => void;
}

const BUFLEN = 256 * 1024;
const user_buf = ((): Uint8Array => {
  const b = new Uint8Array(BUFLEN);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + 1) & 0xff;
  return b;
})();

let next_port = 5001;

/** nc -l ADDR PORT in srv, nc ADDR PORT in cli: the connection, set up
 *  the way the programs do it (socket, bind, listen; socket, connect;
 *  accept), the listener closed afterwards. */
function tcp_connect(srv: node, cli: node, addr: number): tcp_pair {
  const port = next_port++;
  const l = sys_socket(srv.p, PF_INET, SOCK_STREAM, 0);
  must(l.error, "socket");
  must(sys_bind(srv.p, l.fd, new sockaddr_in(addr, port)), "bind");
  must(sys_listen(srv.p, l.fd, 8), "listen");
  const c = sys_socket(cli.p, PF_INET, SOCK_STREAM, 0);
  must(c.error, "socket");
  const ce = sys_connect(cli.p, c.fd, new sockaddr_in(addr, port));
  if (ce !== 0 && ce !== 36 /* EINPROGRESS */) must(ce, "connect");
  const cso = fd_socket(cli.p, c.fd);
  if (cso === null) throw new Error("no socket");
  if (!kern_run_until(() => (cso.so_state & SS_ISCONNECTED) !== 0, 10e9)) throw new Error("connect: not connected");
  const a = sys_accept(srv.p, l.fd);
  must(a.error, "accept");
  must(sys_close(srv.p, l.fd), "close");
  return { tx: new tsock(cli.p, c.fd, user_buf), rx: new tsock(srv.p, a.fd, new Uint8Array(BUFLEN)), sent: 0, got: 0, stalls: 0, run: taskqueue_run };
}

/** One round of the transfer: write, let the kernel run, read, let the
 *  window update go.  Payload bytes read. */
function tcp_round(c: tcp_pair): number {
  c.sent += c.tx.write();
  c.run();
  const n = c.rx.read();
  c.run();
  if (n === 0) {
    c.stalls++;
    if (!callout_run_next()) throw new Error("TCP transfer stalled with nothing scheduled");
    c.run();
  }
  c.got += n;
  return n;
}

/** Stop writing and let everything written arrive and be acknowledged:
 *  no mbuf stays in either socket buffer (a job ends with none out). */
function tcp_quiesce(c: tcp_pair): void {
  for (let i = 0; i < 100000; i++) {
    c.run();
    c.got += c.rx.read();
    c.run();
    if (c.got === c.sent && sbavail(c.tx.so.so_snd) === 0 && !model_pending()) return;
    if (!callout_run_next()) break;
  }
  throw new Error(`TCP transfer: ${c.sent} bytes written, ${c.got} read, ${sbavail(c.tx.so.so_snd)} left unacknowledged`);
}

function tcp_close(c: tcp_pair): void {
  tcp_quiesce(c);
  must(sys_close(c.tx.p, c.tx.fd), "close");
  must(sys_close(c.rx.p, c.rx.fd), "close");
  // FIN exchange, then TIME_WAIT (2 x MSL) runs out.
  kern_advance_ns(200e9);
}

/** The connection's maximum segment size (sender's side). */
function mss_of(c: tcp_pair): number {
  const saved = CURVNET_SET(c.tx.so.so_vnet, "bench");
  const tp: tcpcb = sototcpcb(c.tx.so);
  CURVNET_RESTORE(saved);
  return tp.t_maxseg;
}

export interface tcp_result {
  /** Payload, Gbit per CPU second. */
  gbps: number;
  /** Segments' maximum size on the connection. */
  mss: number;
  /** Rounds that waited for a timer, per 1000 rounds. */
  stalls: number;
}

function measure_pair(c: tcp_pair, ms: number): tcp_result {
  const s0 = c.stalls;
  let rounds = 0;
  const r = rate_for(ms, () => {
    rounds++;
    return tcp_round(c);
  });
  tcp_quiesce(c);
  return { gbps: (r.rate * 8) / 1e9, mss: mss_of(c), stalls: (1000 * (c.stalls - s0)) / Math.max(1, rounds) };
}

// ---------------------------------------------------------------------------
// Fig. 5: bulk TCP over lo0 by lo0's MTU.

interface lo_state {
  n: node;
  mtu: number;
  c: tcp_pair | null;
}

let lo_st: lo_state | null = null;

/** ifconfig lo0 mtu MTU. */
function lo0_mtu(n: node, mtu: number): void {
  must(sys_ioctl(n.p, n.sfd, SIOCSIFMTU, { ifr_name: "lo0", ifr_mtu: mtu }), `ifconfig lo0 mtu ${mtu}`);
}

/** The connection over lo0 at this MTU: a new one when the MTU changes
 *  (the MSS is chosen at connection time), the old one closed. */
function lo_pair(mtu: number): tcp_pair {
  if (lo_st === null) {
    const n = host_node();
    lo0_inet(n);
    lo_st = { n, mtu: 0, c: null };
  }
  const st = lo_st;
  if (st.c !== null && st.mtu === mtu) return st.c;
  if (st.c !== null) tcp_close(st.c);
  lo0_mtu(st.n, mtu);
  st.mtu = mtu;
  st.c = tcp_connect(st.n, st.n, INADDR_LOOPBACK);
  for (let i = 0; i < 64; i++) tcp_round(st.c);
  tcp_quiesce(st.c);
  return st.c;
}

export function tcp_lo0_run(mtu: number, ms: number): tcp_result {
  return measure_pair(lo_pair(mtu), ms);
}

// ---------------------------------------------------------------------------
// Fig. 4 with TCP: one active vnet, N idle vnets.

interface tidle_state {
  active: node;
  lo0: ifnet;
  c: tcp_pair;
  idle: number;
  /** lo0's own if_output (looutput), put back after a modelled run. */
  looutput: ifnet["if_output"];
}

let tidle: tidle_state | null = null;

function tidle_get(): tidle_state {
  if (tidle !== null) return tidle;
  const active = VIMAGE ? vnet_jail_node("tcp_active") : host_node();
  lo0_inet(active);
  const c = tcp_connect(active, active, INADDR_LOOPBACK);
  for (let i = 0; i < 64; i++) tcp_round(c);
  tcp_quiesce(c);
  const lo0 = ifp_of(active, "lo0");
  tidle = { active, lo0, c, idle: 0, looutput: lo0.if_output };
  return tidle;
}

function tidle_grow(st: tidle_state, n: number): void {
  if (n > 0 && !VIMAGE) throw new Error("idle vnets need the VIMAGE build");
  while (st.idle < n) vnet_jail_create(`tidle${st.idle++}`);
}

/**
 * The ablation: lo0's output hands the packet, marked as looutput marks
 * it, to the modelled input queue (bench/wl_packets.ts: one shared queue,
 * or a queue per vnet polled in turn) instead of netisr, and the round
 * runs that queue's dispatcher until it is empty.  Everything else is the
 * kernel's (ip_input up, tcp_output down).
 */
function model_lo0_output(pervnet: boolean): ifnet["if_output"] {
  return (ifp, m) => {
    m.m_pkthdr.rcvif = ifp;
    m.m_pkthdr.csum_data = 0xffff;
    m.m_pkthdr.csum_flags = LO_CSUM_SET;
    model_enqueue(m, pervnet);
    return 0;
  };
}

/** Gbit/s of payload over the active vnet's lo0, N idle vnets around;
 *  queue: "kernel" (netisr), "shared" or "pervnet" (the model). */
export function tcp_idle_run(n: number, queue: string, ms: number): tcp_result {
  const st = tidle_get();
  tidle_grow(st, n);
  const c = st.c;
  if (queue === "kernel") return measure_pair(c, ms);
  const pervnet = queue === "pervnet";
  st.lo0.if_output = model_lo0_output(pervnet);
  c.run = () => {
    while (model_pending()) model_dispatch(pervnet);
    taskqueue_run();
  };
  try {
    return measure_pair(c, ms);
  } finally {
    st.lo0.if_output = st.looutput;
    c.run = taskqueue_run;
  }
}

// ---------------------------------------------------------------------------
// Through one router: A - R - B, vnet jails joined by epairs.

let fwd_pair: { ch: chain; c: tcp_pair } | null = null;

export function tcp_fwd_run(ms: number): tcp_result {
  if (!VIMAGE) throw new Error("TCP through a router needs the VIMAGE build (two stacks)");
  if (fwd_pair === null) {
    const ch = chain_build("vnet", 1);
    const A = ch.nodes[0];
    const B = ch.nodes[2];
    // B's way back to A's link, through R.
    route_add(B, `10.${ch.index}.0.0`, 24, `10.${ch.index}.1.1`);
    const c = tcp_connect(B, A, aton(ch.dst));
    for (let i = 0; i < 64; i++) tcp_round(c);
    tcp_quiesce(c);
    fwd_pair = { ch, c };
  }
  return measure_pair(fwd_pair.c, ms);
}

/** Heap bytes allocated per segment of a warm bulk transfer (over lo0 at
 *  MTU 16384, or through the router), socket to socket. */
export function tcp_alloc(where: string, rounds: number): number {
  const c = where === "fwd" ? (tcp_fwd_run(1), (fwd_pair as { c: tcp_pair }).c) : lo_pair(16384);
  for (let i = 0; i < 200; i++) tcp_round(c);
  const g0 = c.got;
  const bytes = heap_allocated(() => {
    for (let i = 0; i < rounds; i++) tcp_round(c);
  });
  const segs = (c.got - g0) / mss_of(c);
  tcp_quiesce(c);
  return bytes / segs;
}

// ---------------------------------------------------------------------------
// Table 2: tcp_input.

/**
 * An established connection between our 10.9.0.1:5001 (a listening
 * socket's child) and a peer 10.9.0.2:40000 that exists only as the
 * segments handed to tcp_input, as ip_input hands them (IP header in
 * front, checksum marked verified, as lo0 and checksum-offloading cards
 * mark it).  Our side's output goes out of epair's a side, whose peer is
 * down: epair_transmit frees it, as the Table 2 rows of bench/wl_func.ts
 * do.  The peer's SYN carries MSS 1460 and nothing else (no timestamps,
 * no window scaling), its window is 65535 throughout.
 *
 * "data": an in-order 1460-byte segment, seq at rcv_nxt; every second one
 * sends a (delayed) ACK, as in a bulk transfer's receiver; the receive
 * buffer is emptied (sbdrop) every 16 segments, as a reading process does.
 * "ack": a pure ACK of 2 segments of what our side sent, as a delayed-ACK
 * receiver sends it; tcp_input frees them from the send buffer and
 * tcp_output sends 2 more.  The preparation hands the send buffer 2
 * segments' worth of clusters (what the writing process adds meanwhile).
 */
interface tfunc_env {
  ifp: ifnet;
  so: socket;
  tp: tcpcb;
  v: vnet;
  data: Uint8Array;
  ack: Uint8Array;
}

const T_MSS = 1460;
const T_LOCAL = aton("10.9.0.1");
const T_PEER = aton("10.9.0.2");

function seg_template(sport: number, flags: number, seq: number, ack: number, payload: number, opts: number[]): Uint8Array {
  const olen = opts.length;
  const b = new Uint8Array(40 + olen + payload);
  const dv = new DataView(b.buffer);
  b[0] = 0x45;
  dv.setUint16(2, b.length);
  dv.setUint16(4, 0x4242);
  b[8] = 64;
  b[9] = IPPROTO_TCP;
  dv.setUint32(12, T_PEER);
  dv.setUint32(16, T_LOCAL);
  dv.setUint16(20, sport);
  dv.setUint16(22, 5001);
  dv.setUint32(24, seq >>> 0);
  dv.setUint32(28, ack >>> 0);
  b[32] = ((20 + olen) >> 2) << 4;
  b[33] = flags;
  dv.setUint16(34, 65535);
  for (let i = 0; i < olen; i++) b[40 + i] = opts[i];
  for (let i = 0; i < payload; i++) b[40 + olen + i] = (i * 7 + 1) & 0xff;
  return b;
}

/** The segment in a fresh mbuf (a cluster), as ip_input hands it up. */
function seg_mbuf(ifp: ifnet, t: Uint8Array): mbuf {
  const m = m_getcl(M_NOWAIT, MT_DATA, M_PKTHDR);
  if (m === null) throw new Error("out of mbufs");
  m.m_data += 16;
  m.m_buf.set(t, m.m_data);
  m.m_len = m.m_pkthdr.len = t.length;
  m.m_pkthdr.rcvif = ifp;
  m.m_pkthdr.csum_flags = LO_CSUM_SET;
  m.m_pkthdr.csum_data = 0xffff;
  return m;
}

function set_seq_ack(m: mbuf, seq: number, ack: number): void {
  const dv = m.m_dv;
  dv.setUint32(m.m_data + 24, seq);
  dv.setUint32(m.m_data + 28, ack);
}

interface tfunc_host {
  h: node;
  ifp: ifnet;
  /** The listening socket the connections are accepted from. */
  lfd: number;
}

let thost: tfunc_host | null = null;
let tport = 40000;

function thost_get(): tfunc_host {
  if (thost !== null) return thost;
  const h = host_node();
  const e = epair_create(h);
  if_addr(h, e.a, "10.9.0.1", 24);
  if_updown(h, e.b, false);
  const ifp = ifp_of(h, e.a);
  // arp -s for the peer, so that nothing waits for ARP.
  const sdl = ifp_of(h, e.b).if_addr?.ifa_addr;
  if (sdl === undefined || !("sdl_lladdr" in sdl)) throw new Error("no lladdr");
  const mac = sdl.sdl_lladdr.slice();
  vnet_run(h.v, "arp", () => must(lla_add_static(ifp, T_PEER, mac), "arp -s"));
  const l = sys_socket(h.p, PF_INET, SOCK_STREAM, 0);
  must(l.error, "socket");
  must(sys_setsockopt(h.p, l.fd, SOL_SOCKET, SO_SNDBUF, 1 << 20), "setsockopt SO_SNDBUF");
  must(sys_setsockopt(h.p, l.fd, SOL_SOCKET, SO_RCVBUF, 1 << 16), "setsockopt SO_RCVBUF");
  must(sys_bind(h.p, l.fd, new sockaddr_in(T_LOCAL, 5001)), "bind");
  must(sys_listen(h.p, l.fd, 128), "listen");
  thost = { h, ifp, lfd: l.fd };
  return thost;
}

/**
 * A fresh connection for one job, its sequence numbers in the half of the
 * space asked for: "low" (both sides' below 2^29, so that a job's worth of
 * segments stays below 2^31) or "high" (from 2^31 on).  Small integers
 * (V8's Smis) end at 2^31: the stack keeps sequence numbers as int32
 * (netinet/tcp_seq.ts), so the high half is negative there and costs the
 * same; were they unsigned, each one of 2^31 or more passed, returned or
 * stored would be a heap number (16 B).  Our ISS comes from
 * the kernel (tcp_new_isn): the peer resets the handshakes whose SYN-ACK
 * falls in the other half and tries another port.
 */
function tfunc_conn(seq: string): tfunc_env {
  const { h, ifp, lfd } = thost_get();
  const high = seq === "high";
  const irs = high ? 0x80000000 + 1000000 : 1000000;
  const sent: Uint8Array[] = [];
  const orig = ifp.if_output;
  ifp.if_output = (_ifp, m) => {
    const n = m_length(m);
    const b = new Uint8Array(n);
    m_copydata(m, 0, n, b);
    m_freem(m);
    sent.push(b);
    return 0;
  };
  const saved = CURVNET_SET(h.v, "bench");
  let port = 0;
  try {
    for (let k = 0; k < 1000 && port === 0; k++) {
      const p = tport++;
      if (tport > 60000) tport = 40000;
      sent.length = 0;
      tcp_input(seg_mbuf(ifp, seg_template(p, 0x02, irs, 0, 0, [2, 4, T_MSS >> 8, T_MSS & 0xff])), 20, IPPROTO_TCP);
      taskqueue_run();
      const synack = sent.find((b) => b[9] === IPPROTO_TCP && (b[33] & 0x12) === 0x12);
      if (synack === undefined) throw new Error("tcp_input: no SYN-ACK to the peer's SYN");
      const iss = new DataView(synack.buffer).getUint32(24);
      const ok = high ? iss >= 0x80000000 && iss < 0xa0000000 : iss < 0x20000000;
      if (!ok) {
        tcp_input(seg_mbuf(ifp, seg_template(p, 0x04, irs + 1, 0, 0, [])), 20, IPPROTO_TCP);
        taskqueue_run();
        continue;
      }
      tcp_input(seg_mbuf(ifp, seg_template(p, 0x10, irs + 1, iss + 1, 0, [])), 20, IPPROTO_TCP);
      taskqueue_run();
      port = p;
    }
  } finally {
    CURVNET_RESTORE(saved);
    ifp.if_output = orig;
  }
  if (port === 0) throw new Error(`no ISS in the ${seq} half in 1000 handshakes`);
  const a = sys_accept(h.p, lfd);
  must(a.error, "accept: the handshake did not complete");
  const so = fd_socket(h.p, a.fd);
  if (so === null) throw new Error("no socket");
  return { ifp, so, tp: vnet_tp(h.v, so), v: h.v, data: seg_template(port, 0x18, 0, 0, T_MSS, []), ack: seg_template(port, 0x10, 0, 0, 0, []) };
}

function vnet_tp(v: vnet, so: socket): tcpcb {
  const saved = CURVNET_SET(v, "bench");
  const tp = sototcpcb(so);
  CURVNET_RESTORE(saved);
  return tp;
}

let t_drains = 0;

/** Two segments' worth of clusters for the send buffer (what the writer adds). */
function snd_refill(e: tfunc_env): void {
  for (let i = 0; i < 2; i++) {
    const m = m_getcl(M_NOWAIT, MT_DATA, 0);
    if (m === null) throw new Error("out of mbufs");
    m.m_len = T_MSS;
    sbappendstream_locked(e.so.so_snd, m, 0);
  }
}

function tbody(e: tfunc_env, fn: string): () => void {
  const tp = e.tp;
  const rcv = e.so.so_rcv;
  switch (fn) {
    case "prepare_data":
      return () => {
        const m = seg_mbuf(e.ifp, e.data);
        set_seq_ack(m, tp.rcv_nxt, tp.snd_max);
        m_freem(m);
      };
    case "tcp_input_data":
      return () => {
        const m = seg_mbuf(e.ifp, e.data);
        set_seq_ack(m, tp.rcv_nxt, tp.snd_max);
        tcp_input(m, 20, IPPROTO_TCP);
        if (++t_drains === 16) {
          t_drains = 0;
          sbdrop_locked(rcv, sbavail(rcv));
        }
      };
    case "prepare_ack":
      return () => {
        const m = seg_mbuf(e.ifp, e.ack);
        set_seq_ack(m, tp.rcv_nxt, tp.snd_una);
        m_freem(m);
        for (let i = 0; i < 2; i++) {
          const c = m_getcl(M_NOWAIT, MT_DATA, 0);
          if (c === null) throw new Error("out of mbufs");
          m_freem(c);
        }
      };
    case "tcp_input_ack":
      return () => {
        snd_refill(e);
        const m = seg_mbuf(e.ifp, e.ack);
        const una = tp.snd_una;
        const inflight = (tp.snd_max - una) | 0;
        set_seq_ack(m, tp.rcv_nxt, (una + (inflight < 2 * T_MSS ? inflight : 2 * T_MSS)) | 0);
        tcp_input(m, 20, IPPROTO_TCP);
      };
  }
  throw new Error(`unknown function ${fn}`);
}

/** A call's body, run under the connection's vnet; checks that the
 *  connection stays on the path it is meant to measure. */
function tcheck(e: tfunc_env, fn: string): void {
  const tp = e.tp;
  if (tp.t_state !== TCPS_ESTABLISHED) throw new Error(`${fn}: the connection left ESTABLISHED (state ${tp.t_state})`);
  if (fn === "tcp_input_ack" && ((tp.snd_max - tp.snd_una) | 0) < 2 * T_MSS) throw new Error(`${fn}: less than two segments in flight`);
}

export const TFUNCS = ["prepare_data", "tcp_input_data", "prepare_ack", "tcp_input_ack"];

/**
 * ns per call by the worker thread's CPU time (bench/wl_util.ts rate_for,
 * calls in batches of 64), for about `ms` milliseconds: unlike
 * benchmark.js's wall clock, the load of other programs does not show.
 */
export function tfunc_run(fn: string, ms: number, seq: string): Record<string, number> {
  const e = tfunc_conn(seq);
  const f = tbody(e, fn);
  if (fn.endsWith("ack")) tfunc_prime(e);
  const saved = CURVNET_SET(e.v, "bench");
  try {
    const rcv0 = e.tp.rcv_nxt;
    const una0 = e.tp.snd_una;
    for (let i = 0; i < 2000; i++) f();
    tcheck(e, fn);
    if (fn === "tcp_input_data" && ((e.tp.rcv_nxt - rcv0) | 0) !== 2000 * T_MSS) throw new Error("tcp_input_data: not every segment was taken in order");
    if (fn === "tcp_input_ack" && ((e.tp.snd_una - una0) | 0) !== 2000 * 2 * T_MSS) throw new Error("tcp_input_ack: not every ACK advanced snd_una by two segments");
    const r = rate_for(ms, () => {
      for (let i = 0; i < 64; i++) f();
      return 64;
    });
    tcheck(e, fn);
    return { ns: 1e9 / r.rate, calls: r.units };
  } finally {
    sbdrop_locked(e.so.so_rcv, sbavail(e.so.so_rcv));
    CURVNET_RESTORE(saved);
    tfunc_settle(e);
  }
}

/** Between jobs no mbuf may be out: acknowledge everything our side has
 *  sent and queued, and empty the receive buffer. */
function tfunc_settle(e: tfunc_env): void {
  const saved = CURVNET_SET(e.v, "bench");
  try {
    const tp = e.tp;
    for (let i = 0; i < 100000 && sbavail(e.so.so_snd) > 0; i++) {
      const m = seg_mbuf(e.ifp, e.ack);
      set_seq_ack(m, tp.rcv_nxt, tp.snd_max);
      tcp_input(m, 20, IPPROTO_TCP);
    }
    sbdrop_locked(e.so.so_rcv, sbavail(e.so.so_rcv));
    // The next job's ACKs need data queued again: a window's worth and more.
    if (sbavail(e.so.so_snd) !== 0) throw new Error("tcp_input: send buffer not emptied");
  } finally {
    CURVNET_RESTORE(saved);
  }
  taskqueue_run();
}

/** Before a job on a settled connection: queue data and send a window
 *  of it (the ACK rows acknowledge it). */
function tfunc_prime(e: tfunc_env): void {
  const saved = CURVNET_SET(e.v, "bench");
  try {
    for (let i = 0; i < 100; i++) snd_refill(e);
    tcp_output(e.tp);
  } finally {
    CURVNET_RESTORE(saved);
  }
  taskqueue_run();
}

/** Heap bytes one call allocates once warm, the preparation's subtracted
 *  (the least of three runs of n calls each). */
export function tfunc_alloc(fn: string, n: number, seq: string): number {
  const e = tfunc_conn(seq);
  const f = tbody(e, fn);
  const p = tbody(e, fn === "tcp_input_data" ? "prepare_data" : "prepare_ack");
  if (fn.endsWith("ack")) tfunc_prime(e);
  const saved = CURVNET_SET(e.v, "bench");
  try {
    for (let i = 0; i < 2000; i++) f();
    let bytes = Infinity;
    let prep = Infinity;
    for (let r = 0; r < 3; r++) {
      bytes = Math.min(bytes, heap_allocated(() => {
        for (let i = 0; i < n; i++) f();
      }));
      prep = Math.min(prep, heap_allocated(() => {
        for (let i = 0; i < n; i++) p();
      }));
      sbdrop_locked(e.so.so_rcv, sbavail(e.so.so_rcv));
    }
    tcheck(e, fn);
    return Math.max(0, bytes - prep) / n;
  } finally {
    CURVNET_RESTORE(saved);
    tfunc_settle(e);
  }
}

