// netinet/udp_usrreq and raw_ip over lo0: datagrams through the whole
// stack in one vnet, big datagrams, truncation, full buffers, port
// unreachable to a raw ICMP socket and net.inet.udp.blackhole, echo replies
// and protocol unreachable on raw sockets, vnet isolation, and an input
// path that stops allocating records once warm.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";

type Proc = ReturnType<Kernel["proc_create"]>;

function lo0_up(k: Kernel, p: Proc, mtu = 0): void {
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0);
  if (s.error !== 0) throw new Error(`socket: ${k.strerror(s.error)}`);
  const error = k.sys_ioctl(p, s.fd, k.SIOCAIFADDR, {
    ifra_name: "lo0",
    ifra_addr: new k.sockaddr_in(k.INADDR_LOOPBACK),
    ifra_mask: new k.sockaddr_in(0xff000000),
    ifra_broadaddr: null,
  });
  if (error !== 0) throw new Error(`SIOCAIFADDR: ${k.strerror(error)}`);
  if (mtu !== 0) {
    const e2 = k.sys_ioctl(p, s.fd, k.SIOCSIFMTU, { ifr_name: "lo0", ifr_mtu: mtu });
    if (e2 !== 0) throw new Error(`SIOCSIFMTU: ${k.strerror(e2)}`);
  }
  k.sys_close(p, s.fd);
}

function lo0_mtu(k: Kernel, p: Proc, mtu: number): void {
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0);
  const e = k.sys_ioctl(p, s.fd, k.SIOCSIFMTU, { ifr_name: "lo0", ifr_mtu: mtu });
  if (e !== 0) throw new Error(`SIOCSIFMTU: ${k.strerror(e)}`);
  k.sys_close(p, s.fd);
}

function udp_bound(k: Kernel, p: Proc, port: number): number {
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0);
  if (s.error !== 0) throw new Error(`socket: ${k.strerror(s.error)}`);
  if (port >= 0) {
    const e = k.sys_bind(p, s.fd, new k.sockaddr_in(k.INADDR_LOOPBACK, port));
    if (e !== 0) throw new Error(`bind: ${k.strerror(e)}`);
  }
  return s.fd;
}

/** Let the loopback netisr queue and any tasks run (a millisecond). */
function settle(k: Kernel): void {
  k.kern_advance_ns(1_000_000);
}

function udpstat(k: Kernel, cred = k.cred0): readonly number[] {
  const r = k.kernel_sysctlbyname(cred, "net.inet.udp.stats");
  if (!Array.isArray(r.value)) throw new Error("net.inet.udp.stats");
  return r.value;
}
function ipstat(k: Kernel, cred = k.cred0): readonly number[] {
  const r = k.kernel_sysctlbyname(cred, "net.inet.ip.stats");
  if (!Array.isArray(r.value)) throw new Error("net.inet.ip.stats");
  return r.value;
}

const bytes = (s: string) => new TextEncoder().encode(s);

for (const build of BOTH) {
  test.serial(`${build}: UDP over lo0: bind, sendto 127.0.0.1, recvfrom; connect; counters`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const rx = udp_bound(k, p, 7777);
    const tx = udp_bound(k, p, -1);
    const r = k.sys_sendto(p, tx, bytes("hello"), 0, new k.sockaddr_in(k.INADDR_LOOPBACK, 7777));
    t.deepEqual(r, { error: 0, len: 5 });
    const txport = k.satosin(k.sys_getsockname(p, tx).sa)?.sin_port ?? 0;
    t.true(txport >= 10000, "implicit bind to an ephemeral port");
    t.false(k.so_readable(p, rx), "lo0 queues: nothing before the netisr runs");
    settle(k);
    t.true(k.so_readable(p, rx));
    const got = k.sys_recvfrom(p, rx, 100, 0);
    t.is(got.error, 0);
    t.deepEqual(got.data, bytes("hello"));
    t.is(k.satosin(got.from)?.sin_addr, k.INADDR_LOOPBACK);
    t.is(k.satosin(got.from)?.sin_port, txport);
    t.is(k.sys_recvfrom(p, rx, 100, 0).error, k.EAGAIN);
    const us = udpstat(k);
    t.is(us[k.udps_ipackets], 1);
    t.is(us[k.udps_opackets], 1);
    t.is(us[k.udps_noport], 0);
    // A connected socket: send(2) without an address, and only its peer
    // gets through.
    t.is(k.sys_connect(p, tx, new k.sockaddr_in(k.INADDR_LOOPBACK, 7777)), 0);
    t.is(k.sys_sendto(p, tx, bytes("x"), 0, new k.sockaddr_in(k.INADDR_LOOPBACK, 7777)).error, k.EISCONN);
    t.is(k.sys_sendto(p, tx, bytes("again"), 0, null).error, 0);
    t.is(k.satosin(k.sys_getpeername(p, tx).sa)?.sin_port, 7777);
    settle(k);
    t.deepEqual(k.sys_recvfrom(p, rx, 100, 0).data, bytes("again"));
    const unconnected = udp_bound(k, p, -1);
    t.is(k.sys_sendto(p, unconnected, bytes("x"), 0, null).error, k.EDESTADDRREQ);
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a 3000-byte datagram through lo0 at MTU 1500 is fragmented and reassembled`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    // The MTU first: the routes made for the address carry it.
    lo0_mtu(k, p, 1500);
    lo0_up(k, p);
    const rx = udp_bound(k, p, 9000);
    const tx = udp_bound(k, p, -1);
    const big = new Uint8Array(3000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const ip0 = ipstat(k);
    t.deepEqual(k.sys_sendto(p, tx, big, 0, new k.sockaddr_in(k.INADDR_LOOPBACK, 9000)), { error: 0, len: 3000 });
    settle(k);
    const ip1 = ipstat(k);
    t.is(ip1[k.ips_fragmented] - ip0[k.ips_fragmented], 1);
    t.is(ip1[k.ips_ofragments] - ip0[k.ips_ofragments], 3);
    t.is(ip1[k.ips_reassembled] - ip0[k.ips_reassembled], 1);
    const got = k.sys_recvfrom(p, rx, 4000, 0);
    t.is(got.error, 0);
    t.deepEqual(got.data, big);
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: datagram size limits: net.inet.udp.maxdgram (SO_SNDBUF) and IP_MAXPACKET`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const rx = udp_bound(k, p, 9000);
    const tx = udp_bound(k, p, -1);
    const to = new k.sockaddr_in(k.INADDR_LOOPBACK, 9000);
    t.is(k.sys_sendto(p, tx, new Uint8Array(9217), 0, to).error, k.EMSGSIZE);
    t.is(k.sys_sendto(p, tx, new Uint8Array(9216), 0, to).error, 0);
    t.is(k.sys_setsockopt(p, tx, k.SOL_SOCKET, k.SO_SNDBUF, 70000), 0);
    t.is(k.sys_setsockopt(p, rx, k.SOL_SOCKET, k.SO_RCVBUF, 140000), 0);
    // 65535 - 28 bytes of payload at most.
    t.is(k.sys_sendto(p, tx, new Uint8Array(65508), 0, to).error, k.EMSGSIZE);
    const max = new Uint8Array(65507).fill(0xa5);
    t.is(k.sys_sendto(p, tx, max, 0, to).error, 0);
    settle(k);
    t.is(k.sys_recvfrom(p, rx, 70000, 0).data?.length, 9216);
    const g2 = k.sys_recvfrom(p, rx, 70000, 0);
    t.is(g2.data?.length, 65507);
    t.deepEqual(g2.data, max);
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: recvfrom truncates (MSG_TRUNC), MSG_PEEK keeps; a full SO_RCVBUF drops (udps_fullsock)`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const rx = udp_bound(k, p, 7000);
    const tx = udp_bound(k, p, -1);
    const to = new k.sockaddr_in(k.INADDR_LOOPBACK, 7000);
    const data = new Uint8Array(100).map((_, i) => i);
    k.sys_sendto(p, tx, data, 0, to);
    k.sys_sendto(p, tx, data, 0, to);
    settle(k);
    const peek = k.sys_recvfrom(p, rx, 10, k.MSG_PEEK);
    t.deepEqual(peek.data, data.subarray(0, 10));
    const a = k.sys_recvfrom(p, rx, 10, 0);
    t.deepEqual(a.data, data.subarray(0, 10));
    t.is(a.flags & k.MSG_TRUNC, k.MSG_TRUNC, "the rest of the datagram is gone");
    t.is(a.len, 10);
    const b = k.sys_recvfrom(p, rx, 10, k.MSG_TRUNC);
    t.is(b.len, 100, "MSG_TRUNC asks for the real length");
    t.is(k.sys_recvfrom(p, rx, 10, 0).error, k.EAGAIN);
    // Room for one 50-byte datagram (16 bytes of address + 50).
    t.is(k.sys_setsockopt(p, rx, k.SOL_SOCKET, k.SO_RCVBUF, 100), 0);
    for (let i = 0; i < 3; i++) k.sys_sendto(p, tx, new Uint8Array(50), 0, to);
    settle(k);
    t.is(udpstat(k)[k.udps_fullsock], 2);
    t.is(k.sys_recvfrom(p, rx, 100, 0).data?.length, 50);
    t.is(k.sys_recvfrom(p, rx, 100, 0).error, k.EAGAIN);
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a closed port answers ICMP port unreachable to a raw ICMP socket; the connected sender gets ECONNREFUSED; blackhole`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const raw = k.sys_socket(p, k.PF_INET, k.SOCK_RAW, k.IPPROTO_ICMP).fd;
    const tx = udp_bound(k, p, -1);
    t.is(k.sys_connect(p, tx, new k.sockaddr_in(k.INADDR_LOOPBACK, 9)), 0);
    t.is(k.sys_sendto(p, tx, bytes("anyone?"), 0, null).error, 0);
    settle(k);
    t.is(udpstat(k)[k.udps_noport], 1);
    const m = k.sys_recvfrom(p, raw, 1500, 0);
    t.is(m.error, 0);
    const d = m.data;
    if (d === null) return t.fail();
    // The raw socket sees the IP header: ICMP, then type 3 code 3 quoting
    // our datagram (IP header and the 8 bytes of UDP header at least).
    t.is(d[9], k.IPPROTO_ICMP);
    const hl = (d[0] & 0x0f) << 2;
    t.is(d[hl], k.ICMP_UNREACH);
    t.is(d[hl + 1], k.ICMP_UNREACH_PORT);
    t.is(d[hl + 8 + 9], k.IPPROTO_UDP, "the quoted header is our UDP datagram");
    t.is((d[hl + 8 + 20 + 2] << 8) | d[hl + 8 + 20 + 3], 9, "to port 9");
    t.is(k.satosin(m.from)?.sin_addr, k.INADDR_LOOPBACK);
    // udp_ctlinput: the connected socket learns of it.
    const e = k.sys_recvfrom(p, tx, 100, 0);
    t.is(e.error, k.ECONNREFUSED);
    t.is(k.sys_recvfrom(p, tx, 100, 0).error, k.EAGAIN, "so_error is reported once");

    // net.inet.udp.blackhole: no port unreachable -- except for datagrams
    // from our own addresses unless net.inet.udp.blackhole_local is set.
    const to9 = new k.sockaddr_in(k.INADDR_LOOPBACK, 9);
    const tx2 = udp_bound(k, p, -1);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.udp.blackhole", 1).error, 0);
    k.sys_sendto(p, tx2, bytes("a"), 0, to9);
    settle(k);
    t.is(k.sys_recvfrom(p, raw, 1500, 0).error, 0, "local sources still get an answer");
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.udp.blackhole_local", 1).error, 0);
    k.sys_sendto(p, tx2, bytes("b"), 0, to9);
    settle(k);
    t.is(k.sys_recvfrom(p, raw, 1500, 0).error, k.EAGAIN, "blackholed");
    t.is(udpstat(k)[k.udps_noport], 3);
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: raw sockets: echo request and reply (ping), IP_HDRINCL checks, protocol unreachable`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "ping");
    lo0_up(k, p);
    const raw = k.sys_socket(p, k.PF_INET, k.SOCK_RAW, k.IPPROTO_ICMP).fd;
    // An ICMP echo request, checksummed by hand.
    const echo = new Uint8Array([8, 0, 0, 0, 0x12, 0x34, 0, 1, 0x61, 0x62, 0x63, 0x64]);
    let sum = 0;
    for (let i = 0; i < echo.length; i += 2) sum += (echo[i] << 8) | echo[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    sum = ~sum & 0xffff;
    echo[2] = sum >>> 8;
    echo[3] = sum & 0xff;
    t.is(k.sys_sendto(p, raw, echo, 0, new k.sockaddr_in(k.INADDR_LOOPBACK)).error, 0);
    settle(k);
    const r = k.sys_recvfrom(p, raw, 1500, 0);
    t.is(r.error, 0);
    const d = r.data;
    if (d === null) return t.fail();
    const hl = (d[0] & 0x0f) << 2;
    t.is(d[hl], k.ICMP_ECHOREPLY);
    t.deepEqual(d.subarray(hl + 4, hl + 12), echo.subarray(4, 12), "id, seq and data come back");
    t.is(d[8], 64, "the reply's TTL is net.inet.ip.ttl");
    t.is(k.sys_recvfrom(p, raw, 1500, 0).error, k.EAGAIN, "the request itself is not delivered");

    // IP_HDRINCL: the header must be sane.
    const hdr = k.sys_socket(p, k.PF_INET, k.SOCK_RAW, k.IPPROTO_RAW).fd;
    t.is(k.sys_setsockopt(p, hdr, k.IPPROTO_IP, k.IP_HDRINCL, 1), 0);
    const to = new k.sockaddr_in(k.INADDR_LOOPBACK);
    t.is(k.sys_sendto(p, hdr, new Uint8Array(10), 0, to).error, k.EINVAL, "shorter than a header");
    // A header and 8 bytes: icmp_error quotes no less.
    const pkt = new Uint8Array(28);
    const dv = new DataView(pkt.buffer);
    pkt[0] = 0x45;
    dv.setUint16(2, 99); // ip_len that does not match
    pkt[8] = 64;
    pkt[9] = 253;
    dv.setUint32(12, k.INADDR_LOOPBACK);
    dv.setUint32(16, k.INADDR_LOOPBACK);
    t.is(k.sys_sendto(p, hdr, pkt, 0, to).error, k.EINVAL, "ip_len must be what was written");
    pkt[0] = 0x44;
    dv.setUint16(2, 28);
    t.is(k.sys_sendto(p, hdr, pkt, 0, to).error, k.EINVAL, "ip_hl below 5");
    pkt[0] = 0x45;
    const ip0 = ipstat(k);
    t.is(k.sys_sendto(p, hdr, pkt, 0, to).error, 0);
    t.is(ipstat(k)[k.ips_rawout] - ip0[k.ips_rawout], 1);
    settle(k);
    // Protocol 253 has no handler and no raw socket for it: ips_noproto
    // and an ICMP protocol unreachable, which the ICMP socket hears.
    t.is(ipstat(k)[k.ips_noproto] - ip0[k.ips_noproto], 1);
    const u = k.sys_recvfrom(p, raw, 1500, 0);
    t.is(u.error, 0);
    if (u.data === null) return t.fail();
    t.is(u.data[20], k.ICMP_UNREACH);
    t.is(u.data[21], k.ICMP_UNREACH_PROTOCOL);
    // With a raw socket for 253 it is delivered instead, header and all.
    const l253 = k.sys_socket(p, k.PF_INET, k.SOCK_RAW, 253).fd;
    t.is(k.sys_sendto(p, hdr, pkt, 0, to).error, 0);
    settle(k);
    t.is(ipstat(k)[k.ips_noproto] - ip0[k.ips_noproto], 1);
    const g = k.sys_recvfrom(p, l253, 1500, 0);
    t.is(g.data?.length, 28);
    t.is(k.sys_recvfrom(p, raw, 1500, 0).error, k.EAGAIN);
    // Without IP_HDRINCL the kernel builds the header: protocol, TTL
    // (IP_TTL) and the IP_OPTIONS of the socket.
    const s253 = k.sys_socket(p, k.PF_INET, k.SOCK_RAW, 253).fd;
    t.is(k.sys_setsockopt(p, s253, k.IPPROTO_IP, k.IP_TTL, 7), 0);
    t.is(k.sys_setsockopt(p, s253, k.IPPROTO_IP, k.IP_OPTIONS, new Uint8Array([1, 1, 1, 0])), 0);
    t.is(k.sys_sendto(p, s253, bytes("payload!"), 0, to).error, 0);
    settle(k);
    const w = k.sys_recvfrom(p, l253, 1500, 0);
    if (w.data === null) return t.fail();
    t.is(w.data[0], 0x46, "version 4, 24-byte header: the options went in");
    t.deepEqual(w.data.subarray(20, 24), new Uint8Array([1, 1, 1, 0]));
    t.is(w.data[8], 7);
    t.is(w.data[9], 253);
    t.deepEqual(w.data.subarray(24), bytes("payload!"));
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: sys_poll waits for a datagram (selrecord/selwakeup) or its timeout`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const rx = udp_bound(k, p, 7200);
    const tx = udp_bound(k, p, -1);
    const fds = [{ fd: rx, events: k.POLLIN, revents: 0 }];
    t.deepEqual(await k.sys_poll(p, fds, 0), { error: 0, n: 0 });
    const waiting = k.sys_poll(p, fds, -1);
    k.sys_sendto(p, tx, bytes("wake"), 0, new k.sockaddr_in(k.INADDR_LOOPBACK, 7200));
    settle(k);
    t.deepEqual(await waiting, { error: 0, n: 1 });
    t.is(fds[0].revents, k.POLLIN);
    t.deepEqual(k.sys_recvfrom(p, rx, 100, 0).data, bytes("wake"));
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: the input path reuses socket-buffer records`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const rx = udp_bound(k, p, 7100);
    const tx = udp_bound(k, p, -1);
    const to = new k.sockaddr_in(k.INADDR_LOOPBACK, 7100);
    const round = () => {
      for (let i = 0; i < 5; i++) k.sys_sendto(p, tx, new Uint8Array(20), 0, to);
      settle(k);
      for (let i = 0; i < 5; i++) t.is(k.sys_recvfrom(p, rx, 100, 0).error, 0);
    };
    round();
    const n = k.sbrecord_pool_size();
    for (let i = 0; i < 20; i++) round();
    t.is(k.sbrecord_pool_size(), n);
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test.serial("vimage: each vnet has its own UDP ports, counters and blackhole", async (t) => {
  const k = await loadKernel("vimage");
  const ja = k.kern_jail_set(k.cred0, { name: "a", persist: true, vnet: "new" }, k.JAIL_CREATE);
  const jb = k.kern_jail_set(k.cred0, { name: "b", persist: true, vnet: "new" }, k.JAIL_CREATE);
  const pa = k.proc_create(k.cred0, "a");
  const pb = k.proc_create(k.cred0, "b");
  t.is(k.sys_jail_attach_proc(pa, ja.jid), 0);
  t.is(k.sys_jail_attach_proc(pb, jb.jid), 0);
  lo0_up(k, pa);
  lo0_up(k, pb);
  const rxa = udp_bound(k, pa, 5353);
  const txb = udp_bound(k, pb, -1);
  t.is(k.sys_sendto(pb, txb, bytes("to a?"), 0, new k.sockaddr_in(k.INADDR_LOOPBACK, 5353)).error, 0);
  settle(k);
  t.is(k.sys_recvfrom(pa, rxa, 100, 0).error, k.EAGAIN, "b's 127.0.0.1 is b's own");
  t.is(udpstat(k, pb.p_ucred)[k.udps_noport], 1);
  t.is(udpstat(k, pa.p_ucred)[k.udps_noport], 0);
  t.is(udpstat(k)[k.udps_ipackets], 0, "the host saw nothing");
  // A vnet jail may set its own blackhole.
  t.is(k.kernel_sysctlbyname(pb.p_ucred, "net.inet.udp.blackhole", 1).error, 0);
  t.is(k.kernel_sysctlbyname(pa.p_ucred, "net.inet.udp.blackhole").value, 0);
  k.proc_exit(pa);
  k.proc_exit(pb);
  t.is(k.sys_jail_remove(k.cred0, ja.jid), 0);
  t.is(k.sys_jail_remove(k.cred0, jb.jid), 0);
  settle(k);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: UDP between two vnets over an epair: ARP, a 3000-byte datagram fragmented at MTU 1500, replies", async (t) => {
  const k = await loadKernel("vimage");
  const host = k.proc_create(k.cred0, "host");
  const j = k.kern_jail_set(k.cred0, { name: "peer", persist: true, vnet: "new" }, k.JAIL_CREATE);
  const s = k.sys_socket(host, k.PF_INET, k.SOCK_DGRAM, 0).fd;
  const ifr = { ifr_name: "epair" };
  t.is(k.sys_ioctl(host, s, k.SIOCIFCREATE2, ifr), 0);
  t.is(ifr.ifr_name, "epair0a");
  t.is(k.sys_ioctl(host, s, k.SIOCSIFVNET, { ifr_name: "epair0b", ifr_jid: j.jid }), 0);
  t.is(
    k.sys_ioctl(host, s, k.SIOCAIFADDR, { ifra_name: "epair0a", ifra_addr: new k.sockaddr_in(0xc0000201), ifra_mask: new k.sockaddr_in(0xffffff00), ifra_broadaddr: null }),
    0,
  );
  t.is(k.sys_ioctl(host, s, k.SIOCSIFFLAGS, { ifr_name: "epair0a", ifr_flags: k.IFF_UP }), 0);
  const jp = k.proc_create(k.cred0, "jexec");
  t.is(k.sys_jail_attach_proc(jp, j.jid), 0);
  const js = k.sys_socket(jp, k.PF_INET, k.SOCK_DGRAM, 0).fd;
  t.is(
    k.sys_ioctl(jp, js, k.SIOCAIFADDR, { ifra_name: "epair0b", ifra_addr: new k.sockaddr_in(0xc0000202), ifra_mask: new k.sockaddr_in(0xffffff00), ifra_broadaddr: null }),
    0,
  );
  t.is(k.sys_ioctl(jp, js, k.SIOCSIFFLAGS, { ifr_name: "epair0b", ifr_flags: k.IFF_UP }), 0);
  t.is(k.sys_bind(jp, js, new k.sockaddr_in(k.INADDR_ANY, 4000)), 0);
  settle(k);
  const big = new Uint8Array(3000).map((_, i) => (i * 13) & 0xff);
  t.deepEqual(k.sys_sendto(host, s, big, 0, new k.sockaddr_in(0xc0000202, 4000)), { error: 0, len: 3000 });
  k.kern_advance_ns(50_000_000);
  const got = k.sys_recvfrom(jp, js, 4000, 0);
  t.is(got.error, 0);
  t.deepEqual(got.data, big);
  t.is(k.satosin(got.from)?.sin_addr, 0xc0000201, "source chosen from the route: epair0a's address");
  const hport = k.satosin(got.from)?.sin_port ?? 0;
  // The reply goes back the same way.
  t.is(k.sys_sendto(jp, js, bytes("pong"), 0, new k.sockaddr_in(0xc0000201, hport)).error, 0);
  k.kern_advance_ns(50_000_000);
  const back = k.sys_recvfrom(host, s, 100, 0);
  t.deepEqual(back.data, bytes("pong"));
  t.is(k.satosin(back.from)?.sin_addr, 0xc0000202);
  t.is(k.satosin(back.from)?.sin_port, 4000);
  t.is(udpstat(k, jp.p_ucred)[k.udps_ipackets], 1);
  t.is(udpstat(k)[k.udps_ipackets], 1);
  k.proc_exit(jp);
  t.is(k.sys_jail_remove(k.cred0, j.jid), 0);
  t.is(k.prison_find(j.jid), null);
  t.is(k.sys_ioctl(host, s, k.SIOCIFDESTROY, { ifr_name: "epair0a" }), 0);
  k.proc_exit(host);
  k.kern_advance_ns(50_000_000);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
