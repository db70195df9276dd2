// kern/uipc_socket, uipc_syscalls, sys_socket: socket lifecycle, descriptor
// table, vnet_sockcnt and jails, protocol lookup errors, bind and ephemeral
// ports (per seed, per vnet), socket options; and the stream half: stream
// socket buffers checked against a byte model (fast-check), listen queues,
// non-blocking and blocking connect, sosend_generic/soreceive_generic, with
// a small test-only stream protocol driving the socket layer as TCP does.
import test from "ava";
import fc from "fast-check";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";

type Proc = ReturnType<Kernel["proc_create"]>;

/** ifconfig lo0 inet 127.0.0.1/8 (what rc does at boot), as p. */
function lo0_up(k: Kernel, p: Proc): void {
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0);
  if (s.error !== 0) throw new Error(`socket: ${k.strerror(s.error)}`);
  const error = k.sys_ioctl(p, s.fd, k.SIOCAIFADDR, {
    ifra_name: "lo0",
    ifra_addr: new k.sockaddr_in(k.INADDR_LOOPBACK),
    ifra_mask: new k.sockaddr_in(0xff000000),
    ifra_broadaddr: null,
  });
  if (error !== 0) throw new Error(`SIOCAIFADDR: ${k.strerror(error)}`);
  k.sys_close(p, s.fd);
}

function udp_socket(k: Kernel, p: Proc): number {
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0);
  if (s.error !== 0) throw new Error(`socket: ${k.strerror(s.error)}`);
  return s.fd;
}

function local_port(k: Kernel, p: Proc, fd: number): number {
  const r = k.sys_getsockname(p, fd);
  const sin = k.satosin(r.sa);
  if (sin === null) throw new Error(`getsockname: ${k.strerror(r.error)}`);
  return sin.sin_port;
}

for (const build of BOTH) {
  test(`${build}: socket, close, descriptors, errors`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    const n0 = k.so_numopensockets();
    const a = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0);
    t.deepEqual(a, { error: 0, fd: 3 }, "0-2 are stdio");
    const b = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, k.IPPROTO_UDP);
    t.is(b.fd, 4);
    t.is(k.so_numopensockets(), n0 + 2);
    t.is(k.sys_close(p, a.fd), 0);
    t.is(k.sys_close(p, a.fd), k.EBADF);
    t.is(k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0).fd, 3, "lowest free descriptor");
    // socreate's errors.
    t.is(k.sys_socket(p, 99, k.SOCK_DGRAM, 0).error, k.EAFNOSUPPORT);
    t.is(k.sys_socket(p, k.PF_INET, k.SOCK_STREAM, 0).error, k.EPROTOTYPE, "no TCP: unknown type with protocol 0");
    t.is(k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, k.IPPROTO_ICMP).error, k.EPROTONOSUPPORT);
    t.is(k.sys_socket(p, k.PF_INET, k.SOCK_RAW, 256).error, k.EPROTONOSUPPORT);
    t.is(k.sys_bind(p, 42, new k.sockaddr_in()), k.EBADF);
    // Raw sockets need PRIV_NETINET_RAW.
    const user = k.proc_create(k.crget(1001, k.prison0), "user");
    t.is(k.sys_socket(user, k.PF_INET, k.SOCK_RAW, k.IPPROTO_ICMP).error, k.EPERM);
    t.is(k.sys_socket(user, k.PF_INET, k.SOCK_DGRAM, 0).error, 0);
    const r = k.sys_socket(p, k.PF_INET, k.SOCK_RAW, k.IPPROTO_ICMP);
    t.is(r.error, 0);
    // A route socket.
    const rt = k.sys_socket(p, k.PF_ROUTE, k.SOCK_RAW, 0);
    t.is(rt.error, 0);
    // An empty socket never blocks: EAGAIN.
    const rv = k.sys_recvfrom(p, r.fd, 100, 0);
    t.is(rv.error, k.EAGAIN);
    t.false(k.so_readable(p, r.fd));
    k.proc_exit(p);
    k.proc_exit(user);
    t.is(k.so_numopensockets(), n0, "exit closed everything");
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: bind: own addresses only, EADDRINUSE, reserved ports, SO_REUSEPORT`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    const s1 = udp_socket(k, p);
    // No address configured at all yet.
    t.is(k.sys_bind(p, s1, new k.sockaddr_in(k.INADDR_ANY, 5000)), k.EADDRNOTAVAIL);
    lo0_up(k, p);
    t.is(k.sys_bind(p, s1, new k.sockaddr_in(0x0a090909, 5000)), k.EADDRNOTAVAIL, "not ours");
    const sa = new k.sockaddr_in(k.INADDR_LOOPBACK, 5000);
    t.is(k.sys_bind(p, s1, sa), 0);
    t.is(sa.sin_port, 5000, "the caller's sockaddr is not touched");
    t.is(k.sys_bind(p, s1, new k.sockaddr_in(k.INADDR_LOOPBACK, 5001)), k.EINVAL, "bound already");
    const s2 = udp_socket(k, p);
    t.is(k.sys_bind(p, s2, new k.sockaddr_in(k.INADDR_LOOPBACK, 5000)), k.EADDRINUSE);
    t.is(k.sys_bind(p, s2, new k.sockaddr_in(k.INADDR_ANY, 5000)), k.EADDRINUSE, "the wildcard conflicts too");
    // SO_REUSEADDR alone does not share a unicast port; SO_REUSEPORT on both does.
    t.is(k.sys_setsockopt(p, s2, k.SOL_SOCKET, k.SO_REUSEADDR, 1), 0);
    t.is(k.sys_bind(p, s2, new k.sockaddr_in(k.INADDR_LOOPBACK, 5000)), k.EADDRINUSE);
    const s3 = udp_socket(k, p);
    const s4 = udp_socket(k, p);
    t.is(k.sys_setsockopt(p, s3, k.SOL_SOCKET, k.SO_REUSEPORT, 1), 0);
    t.is(k.sys_setsockopt(p, s4, k.SOL_SOCKET, k.SO_REUSEPORT, 1), 0);
    t.is(k.sys_bind(p, s3, new k.sockaddr_in(k.INADDR_LOOPBACK, 6000)), 0);
    t.is(k.sys_bind(p, s4, new k.sockaddr_in(k.INADDR_LOOPBACK, 6000)), 0);
    // Reserved ports are root's.
    const user = k.proc_create(k.crget(1001, k.prison0), "user");
    const u = udp_socket(k, user);
    t.is(k.sys_bind(user, u, new k.sockaddr_in(k.INADDR_LOOPBACK, 53)), k.EACCES);
    t.is(k.sys_bind(user, u, new k.sockaddr_in(k.INADDR_LOOPBACK, 1024)), 0);
    const r = udp_socket(k, p);
    t.is(k.sys_bind(p, r, new k.sockaddr_in(k.INADDR_LOOPBACK, 53)), 0);
    // Closing frees the port.
    t.is(k.sys_close(p, s1), 0);
    t.is(k.sys_bind(p, s2, new k.sockaddr_in(k.INADDR_LOOPBACK, 5000)), 0);
    k.proc_exit(user);
    k.proc_exit(p);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: ephemeral ports: range, randomized per seed, exhaustion`, async (t) => {
    const ports = async (seed: number) => {
      const k = await loadKernel(build, seed);
      const p = k.proc_create(k.cred0, "t");
      lo0_up(k, p);
      const out: number[] = [];
      for (let i = 0; i < 4; i++) {
        const fd = udp_socket(k, p);
        t.is(k.sys_bind(p, fd, new k.sockaddr_in(k.INADDR_ANY, 0)), 0);
        out.push(local_port(k, p, fd));
      }
      k.proc_exit(p);
      return out;
    };
    const a = await ports(1);
    const b = await ports(1);
    const c = await ports(2);
    t.deepEqual(a, b, "same seed, same ports");
    t.notDeepEqual(a, c, "another seed, other ports");
    for (const port of [...a, ...c]) t.true(port >= 10000 && port <= 65535, `${port} in net.inet.ip.portrange.first..last`);
    t.is(new Set(a).size, a.length);

    // A one-port range: the second bind finds nothing free.
    const k = await loadKernel(build, 3);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.ip.portrange.first", 20000).error, 0);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.ip.portrange.last", 20000).error, 0);
    const s1 = udp_socket(k, p);
    t.is(k.sys_bind(p, s1, new k.sockaddr_in()), 0);
    t.is(local_port(k, p, s1), 20000);
    const s2 = udp_socket(k, p);
    t.is(k.sys_bind(p, s2, new k.sockaddr_in()), k.EADDRNOTAVAIL);
    // The range is clamped to [IPPORT_RESERVED, 65535].
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.ip.portrange.first", 5).error, 0);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.ip.portrange.first").value, 1024);
    // IP_PORTRANGE_HIGH takes from hifirst..hilast.
    const s3 = udp_socket(k, p);
    t.is(k.sys_setsockopt(p, s3, k.IPPROTO_IP, k.IP_PORTRANGE, k.IP_PORTRANGE_HIGH), 0);
    t.is(k.sys_bind(p, s3, new k.sockaddr_in()), 0);
    t.true(local_port(k, p, s3) >= 49152);
    k.proc_exit(p);
  });

  test(`${build}: socket options`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    const u = udp_socket(k, p);
    const get = (fd: number, level: number, name: number) => k.sys_getsockopt(p, fd, level, name);
    t.deepEqual(get(u, k.SOL_SOCKET, k.SO_RCVBUF), { error: 0, val: 42080 }, "net.inet.udp.recvspace");
    t.deepEqual(get(u, k.SOL_SOCKET, k.SO_SNDBUF), { error: 0, val: 9216 }, "net.inet.udp.maxdgram");
    t.deepEqual(get(u, k.SOL_SOCKET, k.SO_TYPE), { error: 0, val: k.SOCK_DGRAM });
    t.deepEqual(get(u, k.SOL_SOCKET, k.SO_PROTOCOL), { error: 0, val: k.IPPROTO_UDP });
    t.is(k.sys_setsockopt(p, u, k.SOL_SOCKET, k.SO_RCVBUF, 1000), 0);
    t.is(get(u, k.SOL_SOCKET, k.SO_RCVBUF).val, 1000);
    t.is(k.sys_setsockopt(p, u, k.SOL_SOCKET, k.SO_RCVBUF, 0), k.EINVAL);
    t.is(k.sys_setsockopt(p, u, k.SOL_SOCKET, k.SO_RCVBUF, 1 << 30), k.ENOBUFS, "beyond kern.ipc.maxsockbuf");
    t.is(k.sys_setsockopt(p, u, k.SOL_SOCKET, k.SO_BROADCAST, 1), 0);
    t.is(get(u, k.SOL_SOCKET, k.SO_BROADCAST).val, k.SO_BROADCAST);
    t.is(k.sys_setsockopt(p, u, k.SOL_SOCKET, k.SO_BROADCAST, new Uint8Array([0, 0, 0, 0])), 0, "an int as bytes");
    t.is(get(u, k.SOL_SOCKET, k.SO_BROADCAST).val, 0);
    t.is(k.sys_setsockopt(p, u, k.SOL_SOCKET, k.SO_BROADCAST, new Uint8Array([1])), k.EINVAL, "too short for an int");
    t.is(k.sys_setsockopt(p, u, k.SOL_SOCKET, 0x7777, 1), k.ENOPROTOOPT);
    t.is(k.sys_setsockopt(p, u, k.SOL_SOCKET, k.SO_SETFIB, 1), k.EINVAL, "one FIB");
    t.is(k.sys_setsockopt(p, u, k.SOL_SOCKET, k.SO_SETFIB, 0), 0);
    // IPPROTO_IP.
    t.deepEqual(get(u, k.IPPROTO_IP, k.IP_TTL), { error: 0, val: 64 }, "net.inet.ip.ttl");
    t.is(k.sys_setsockopt(p, u, k.IPPROTO_IP, k.IP_TTL, 5), 0);
    t.is(get(u, k.IPPROTO_IP, k.IP_TTL).val, 5);
    t.is(k.sys_setsockopt(p, u, k.IPPROTO_IP, k.IP_TOS, 0x10), 0);
    t.is(get(u, k.IPPROTO_IP, k.IP_TOS).val, 0x10);
    t.is(k.sys_setsockopt(p, u, k.IPPROTO_IP, k.IP_RECVTTL, 1), 0);
    t.is(get(u, k.IPPROTO_IP, k.IP_RECVTTL).val, 1);
    t.is(k.sys_setsockopt(p, u, k.IPPROTO_IP, k.IP_MINTTL, 300), k.EINVAL);
    t.is(k.sys_setsockopt(p, u, k.IPPROTO_IP, 0x7777, 1), k.ENOPROTOOPT);
    // IP_OPTIONS: kept with a 4-byte first-hop slot in front.
    t.is(k.sys_setsockopt(p, u, k.IPPROTO_IP, k.IP_OPTIONS, new Uint8Array([1, 1, 1, 0])), 0);
    t.deepEqual(get(u, k.IPPROTO_IP, k.IP_OPTIONS).val, new Uint8Array([0, 0, 0, 0, 1, 1, 1, 0]));
    t.is(k.sys_setsockopt(p, u, k.IPPROTO_IP, k.IP_OPTIONS, new Uint8Array([1, 1, 1])), k.EINVAL, "not a multiple of 4");
    t.is(k.sys_setsockopt(p, u, k.IPPROTO_IP, k.IP_OPTIONS, new Uint8Array([7, 9, 4, 0])), k.EINVAL, "option longer than the options");
    t.deepEqual(get(u, k.IPPROTO_IP, k.IP_OPTIONS).val, new Uint8Array(0), "a failed set clears the old options");
    t.is(k.sys_setsockopt(p, u, k.IPPROTO_IP, k.IP_OPTIONS, new Uint8Array([1, 1, 1, 0])), 0);
    // Raw sockets: IP_HDRINCL, net.inet.raw.recvspace.
    const r = k.sys_socket(p, k.PF_INET, k.SOCK_RAW, k.IPPROTO_ICMP).fd;
    t.is(get(r, k.SOL_SOCKET, k.SO_RCVBUF).val, 9216);
    t.is(get(r, k.IPPROTO_IP, k.IP_HDRINCL).val, 0);
    t.is(k.sys_setsockopt(p, r, k.IPPROTO_IP, k.IP_HDRINCL, 1), 0);
    t.not(get(r, k.IPPROTO_IP, k.IP_HDRINCL).val, 0);
    // net.inet.ip.ttl is the default for new sockets.
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.ip.ttl", 33).error, 0);
    const u2 = udp_socket(k, p);
    t.is(get(u2, k.IPPROTO_IP, k.IP_TTL).val, 33);
    k.proc_exit(p);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 }, "IP_OPTIONS mbuf freed with the socket");
  });
}

test("vimage: sockets live in the creator's vnet; a jail dies when its last process (and socket) goes", async (t) => {
  const k = await loadKernel("vimage");
  const nv = k.vnet_head.length;
  const j = k.kern_jail_set(k.cred0, { name: "j", persist: true, vnet: "new" }, k.JAIL_CREATE);
  const pr = k.prison_find(j.jid);
  if (pr === null) return t.fail();
  const v = pr.pr_vnet;
  const host = k.proc_create(k.cred0, "host");
  const hs = udp_socket(k, host);
  t.is(k.vnet0.vnet_sockcnt, 1);
  t.is(v.vnet_sockcnt, 0);
  // jexec: the process moves into the jail; new sockets are the jail's.
  const p = k.proc_create(k.cred0, "jexec");
  t.is(k.sys_jail_attach_proc(p, j.jid), 0);
  t.is(p.p_ucred.cr_prison, pr);
  const s1 = udp_socket(k, p);
  const r1 = k.sys_socket(p, k.PF_INET, k.SOCK_RAW, k.IPPROTO_ICMP);
  t.is(r1.error, 0, "a vnet jail's root may open raw sockets");
  t.is(v.vnet_sockcnt, 2);
  t.is(k.vnet0.vnet_sockcnt, 1);
  // Each vnet has its own ports: lo0 in the jail, bind the same port in both.
  lo0_up(k, p);
  lo0_up(k, host);
  t.is(k.sys_bind(p, s1, new k.sockaddr_in(k.INADDR_LOOPBACK, 7000)), 0);
  t.is(k.sys_bind(host, hs, new k.sockaddr_in(k.INADDR_LOOPBACK, 7000)), 0);
  // A process created with a jailed credential holds the jail as well.
  const p2 = k.proc_create(p.p_ucred, "child");
  udp_socket(k, p2);
  t.is(v.vnet_sockcnt, 3);
  // jail -r: the processes keep it (and its vnet) alive.
  t.is(k.sys_jail_remove(k.cred0, j.jid), 0);
  t.true(k.vnet_head.includes(v));
  k.proc_exit(p);
  t.true(k.vnet_head.includes(v), "p2 still holds the jail");
  t.is(v.vnet_sockcnt, 1);
  k.proc_exit(p2);
  t.is(v.vnet_sockcnt, 0);
  t.false(k.vnet_head.includes(v), "vnet destroyed once the last process left");
  t.is(k.vnet_head.length, nv);
  t.is(k.vnet0.vnet_sockcnt, 1);
  k.proc_exit(host);
  t.is(k.vnet0.vnet_sockcnt, 0);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("vimage: a plain jail shares the host's stack; a jailed user cannot open raw sockets", async (t) => {
  const k = await loadKernel("vimage");
  const j = k.kern_jail_set(k.cred0, { name: "plain", persist: true }, k.JAIL_CREATE);
  const p = k.proc_create(k.cred0, "jexec");
  t.is(k.sys_jail_attach_proc(p, j.jid), 0);
  const s = udp_socket(k, p);
  t.is(k.vnet0.vnet_sockcnt, 1, "the host's vnet");
  t.is(k.sys_socket(p, k.PF_INET, k.SOCK_RAW, k.IPPROTO_ICMP).error, k.EPERM, "no allow.raw_sockets");
  t.is(k.sys_close(p, s), 0);
  k.proc_exit(p);
  t.is(k.sys_jail_remove(k.cred0, j.jid), 0);
  t.is(k.prison_find(j.jid), null);
});

for (const build of BOTH) {
  test(`${build}: route sockets: writes go to route_output in the socket's FIB; PRIV_NET_ROUTE; messages to listeners`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "route");
    lo0_up(k, p);
    const rs = k.sys_socket(p, k.PF_ROUTE, k.SOCK_RAW, 0).fd;
    const mon = k.sys_socket(p, k.PF_ROUTE, k.SOCK_RAW, 0).fd;
    const get = new k.rt_msghdr();
    get.rtm_type = k.RTM_GET;
    get.rtm_addrs = k.RTA_DST;
    get.rtm_seq = 1;
    get.rtm_sa[k.RTAX_DST] = new k.sockaddr_in(k.INADDR_LOOPBACK);
    const r = k.sys_route(p, rs, get);
    t.is(r.error, 0);
    t.is(r.reply?.rtm_type, k.RTM_GET);
    t.is(r.reply?.rtm_pid, p.p_pid);
    // Adding a route needs PRIV_NET_ROUTE.
    const add = new k.rt_msghdr();
    add.rtm_type = k.RTM_ADD;
    add.rtm_flags = k.RTF_GATEWAY | k.RTF_STATIC;
    add.rtm_addrs = k.RTA_DST | k.RTA_GATEWAY | k.RTA_NETMASK;
    add.rtm_sa[k.RTAX_DST] = new k.sockaddr_in(0x0a000000);
    add.rtm_sa[k.RTAX_GATEWAY] = new k.sockaddr_in(0x7f000001);
    add.rtm_sa[k.RTAX_NETMASK] = new k.sockaddr_in(0xff000000);
    const user = k.proc_create(k.crget(1001, k.prison0), "user");
    const urs = k.sys_socket(user, k.PF_ROUTE, k.SOCK_RAW, 0).fd;
    t.is(k.sys_route(user, urs, add).error, k.EPERM);
    while (k.sys_route_recv(p, mon).error === 0);
    t.is(k.sys_route(p, rs, add).error, 0);
    // The monitoring socket hears the change.
    t.true(k.so_readable(p, mon));
    const heard = k.sys_route_recv(p, mon);
    t.is(heard.msg?.rtm_type, k.RTM_ADD);
    t.is(k.sys_route_recv(p, mon).error, k.EAGAIN);
    // A UDP socket is not a route socket.
    const u = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0).fd;
    t.is(k.sys_route(p, u, get).error, k.EOPNOTSUPP);
    k.proc_exit(user);
    k.proc_exit(p);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

for (const build of BOTH) {
  test(`${build}: addresses of any family: getsockaddr's checks first, then the protocol's family and length`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const s = udp_socket(k, p);
    // getsockaddr: sa_len is the call's namelen.
    const short = new k.sockaddr_in(k.INADDR_LOOPBACK, 5000);
    short.sin_len = 1;
    t.is(k.sys_bind(p, s, short), k.EINVAL, "shorter than sa_len and sa_family");
    t.is(k.sys_bind(p, 42, short), k.EINVAL, "the address is copied in before the descriptor is looked up");
    const long = new k.sockaddr_generic(k.AF_INET);
    long.sa_len = 256;
    t.is(k.sys_bind(p, s, long), k.ENAMETOOLONG);
    t.is(k.sys_sendto(p, s, new Uint8Array(1), 0, long).error, k.ENAMETOOLONG);
    t.is(k.sys_connect(p, 42, long), k.ENAMETOOLONG);
    // UDP wants AF_INET and sizeof(struct sockaddr_in).
    t.is(k.sys_bind(p, s, new k.sockaddr_ng("x")), k.EAFNOSUPPORT);
    t.is(k.sys_connect(p, s, new k.sockaddr_ng("x")), k.EAFNOSUPPORT);
    t.is(k.sys_sendto(p, s, new Uint8Array(1), 0, new k.sockaddr_ng("x")).error, k.EAFNOSUPPORT);
    const six = new k.sockaddr_in(k.INADDR_LOOPBACK, 5000);
    six.sin_family = k.AF_INET6;
    t.is(k.sys_bind(p, s, six), k.EAFNOSUPPORT);
    const odd = new k.sockaddr_in(k.INADDR_LOOPBACK, 5000);
    odd.sin_len = 8;
    t.is(k.sys_bind(p, s, odd), k.EINVAL, "AF_INET but not 16 bytes");
    // An AF_INET address in a generic layout is read as a sockaddr_in (all
    // zeros: INADDR_ANY, port 0), as C reads the same bytes.
    const gen = new k.sockaddr_generic(k.AF_INET);
    t.is(k.sys_bind(p, s, gen), 0);
    const sin = k.satosin(k.sys_getsockname(p, s).sa);
    t.is(sin?.sin_addr, k.INADDR_ANY);
    t.true((sin?.sin_port ?? 0) >= 10000, "an ephemeral port");
    // Raw sockets check the same.
    const r = k.sys_socket(p, k.PF_INET, k.SOCK_RAW, k.IPPROTO_ICMP);
    t.is(k.sys_bind(p, r.fd, new k.sockaddr_ng("x")), k.EAFNOSUPPORT);
    t.is(k.sys_connect(p, r.fd, new k.sockaddr_ng("x")), k.EINVAL, "rip_connect checks the length first");
    t.is(k.sys_connect(p, r.fd, new k.sockaddr_ng("x".repeat(13))), k.EAFNOSUPPORT, "16 bytes, but not AF_INET");
    t.is(k.sys_sendto(p, r.fd, new Uint8Array(8), 0, new k.sockaddr_ng("x")).error, k.EAFNOSUPPORT);
    // What recvfrom returns is the caller's own copy.
    const rx = udp_socket(k, p);
    t.is(k.sys_bind(p, rx, new k.sockaddr_in(k.INADDR_LOOPBACK, 6100)), 0);
    t.is(k.sys_sendto(p, s, new Uint8Array(3), 0, new k.sockaddr_in(k.INADDR_LOOPBACK, 6100)).error, 0);
    k.kern_advance_ns(1_000_000); // lo0's netisr queue
    const got = k.sys_recvfrom(p, rx, 10, 0);
    t.is(got.error, 0);
    const from = k.satosin(got.from);
    t.is(from?.sin_addr, k.INADDR_LOOPBACK);
    t.is(from?.sin_len, 16);
    k.proc_exit(p);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

// ---------------------------------------------------------------------------
// Stream sockets.

type Socket = NonNullable<ReturnType<Kernel["fd_socket"]>>;

const AF_TEST = 40;

/** A test stream protocol: connect goes to the listener registered for a
 *  port; data written sits in the send buffer until pump() moves what the
 *  peer's receive buffer takes, as a transport would. */
interface tproto {
  listeners: Map<number, Socket>;
  peer: WeakMap<Socket, Socket>;
  target: WeakMap<Socket, number>;
  rcvd: number;
  complete(so: Socket): Socket;
  pump(so: Socket): number;
}

function register(k: Kernel, sndspace = 8192, rcvspace = 8192): tproto {
  const st: tproto = {
    listeners: new Map(),
    peer: new WeakMap(),
    target: new WeakMap(),
    rcvd: 0,
    complete(so: Socket): Socket {
      const port = st.target.get(so);
      const head = port === undefined ? undefined : st.listeners.get(port);
      if (head === undefined) throw new Error("no listener");
      const n = k.sonewconn(head, 0);
      if (n === null) throw new Error("sonewconn");
      st.peer.set(so, n);
      st.peer.set(n, so);
      k.soisconnected(n);
      k.soisconnected(so);
      return n;
    },
    pump(so: Socket): number {
      const peer = st.peer.get(so);
      if (peer === undefined) return 0;
      const n = Math.min(k.sbavail(so.so_snd), k.sbspace(peer.so_rcv));
      if (n > 0) {
        const r = k.sbsndptr_noadv(so.so_snd, 0);
        const m = r.m;
        const moff = r.moff;
        const c = k.m_copym(m, moff, n, k.M_NOWAIT);
        if (c === null) throw new Error("m_copym");
        k.sbsndptr_adv(so.so_snd, m, n);
        k.sbdrop_locked(so.so_snd, n);
        k.sbappendstream_locked(peer.so_rcv, c, 0);
        k.sorwakeup(peer);
        k.sowwakeup(so);
      }
      if ((so.so_snd.sb_state & k.SBS_CANTSENDMORE) !== 0 && k.sbavail(so.so_snd) === 0) k.socantrcvmore(peer);
      return n;
    },
  };
  const dom = { dom_family: AF_TEST, dom_name: "test" };
  const pr = {
    pr_type: k.SOCK_STREAM,
    pr_domain: dom,
    pr_protocol: 0,
    pr_flags: k.PR_CONNREQUIRED | k.PR_WANTRCVD,
    pr_attach: (so: Socket) => k.soreserve(so, sndspace, rcvspace),
    pr_listen: (so: Socket, backlog: number) => {
      const e = k.solisten_proto_check(so);
      if (e !== 0) return e;
      k.solisten_proto(so, backlog);
      st.listeners.set(7, so);
      return 0;
    },
    pr_connect: (so: Socket, nam: { sin_port?: number }) => {
      st.target.set(so, nam.sin_port ?? 0);
      k.soisconnecting(so);
      return 0;
    },
    pr_accept: (so: Socket, nam: { sa: unknown }) => {
      nam.sa = new k.sockaddr_in(0x7f000001, 4000 + so.so_gencnt);
      return 0;
    },
    pr_send: (so: Socket, _flags: number, m: NonNullable<ReturnType<Kernel["m_get"]>>, _a: unknown, control: ReturnType<Kernel["m_get"]>) => {
      k.m_freem(control);
      k.sbappendstream_locked(so.so_snd, m, 0);
      return 0;
    },
    pr_rcvd: () => {
      st.rcvd++;
      return 0;
    },
    pr_shutdown: (so: Socket) => {
      k.socantsendmore(so);
      return 0;
    },
    pr_disconnect: (so: Socket) => {
      k.soisdisconnected(so);
      return 0;
    },
    pr_close: (so: Socket) => {
      if ((so.so_options & k.SO_ACCEPTCONN) !== 0) for (const [p, l] of st.listeners) if (l === so) st.listeners.delete(p);
      const peer = st.peer.get(so);
      if (peer !== undefined) k.soisdisconnected(peer);
    },
  };
  k.pf_proto_register(AF_TEST, pr as unknown as Parameters<Kernel["pf_proto_register"]>[1]);
  return st;
}

function sock(k: Kernel, p: Proc, type = 0): number {
  const r = k.sys_socket(p, AF_TEST, k.SOCK_STREAM | type, 0);
  if (r.error !== 0) throw new Error(`socket: ${k.strerror(r.error)}`);
  return r.fd;
}

function so_of(k: Kernel, p: Proc, fd: number): Socket {
  const so = k.fd_socket(p, fd);
  if (so === null) throw new Error("no socket");
  return so;
}

const to7 = (k: Kernel) => new k.sockaddr_in(0x7f000001, 7);

test("stream sockbuf: append, drop, cut and the send pointer agree with a byte model", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  register(k, 1 << 20, 1 << 20);
  const fd = sock(k, p);
  const so = so_of(k, p, fd);
  const sb = so.so_snd;
  const op = fc.oneof(
    fc.record({ kind: fc.constant("append" as const), sizes: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 4 }) }),
    fc.record({ kind: fc.constant("drop" as const), frac: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({ kind: fc.constant("send" as const), off: fc.double({ min: 0, max: 1, noNaN: true }), frac: fc.double({ min: 0, max: 1, noNaN: true }) }),
  );
  let seq = 0;
  fc.assert(
    fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
      let model: number[] = [];
      for (const o of ops) {
        if (o.kind === "append") {
          // A chain of mbufs and clusters, as a protocol would hand over.
          let head: ReturnType<Kernel["m_get"]> = null;
          let tail: ReturnType<Kernel["m_get"]> = null;
          for (const n of o.sizes) {
            const m = n > k.MLEN ? k.m_getcl(k.M_NOWAIT, k.MT_DATA, 0) : k.m_get(k.M_NOWAIT, k.MT_DATA);
            if (m === null) throw new Error("no mbuf");
            const len = Math.min(n, k.M_SIZE(m));
            for (let i = 0; i < len; i++) {
              const b = seq++ & 0xff;
              m.m_buf[m.m_data + i] = b;
              model.push(b);
            }
            m.m_len = len;
            if (tail === null) head = m;
            else tail.m_next = m;
            tail = m;
          }
          if (head !== null) k.sbappendstream_locked(sb, head, 0);
        } else if (o.kind === "drop") {
          const n = Math.floor(o.frac * model.length);
          if (n % 2 === 0) k.sbdrop_locked(sb, n);
          else k.m_freem(k.sbcut_locked(sb, n));
          model = model.slice(n);
        } else if (model.length > 0) {
          // tcp_output's way: where byte `off` starts, copy, advance.
          const off = Math.floor(o.off * (model.length - 1));
          const len = Math.max(1, Math.floor(o.frac * (model.length - off)));
          const r = k.sbsndptr_noadv(sb, off);
          const m0 = r.m;
          const moff = r.moff;
          const c = k.m_copym(m0, moff, len, k.M_NOWAIT);
          if (c === null) throw new Error("m_copym");
          const got = new Uint8Array(len);
          k.m_copydata(c, 0, len, got);
          k.m_freem(c);
          if (!got.every((b, i) => b === model[off + i])) return false;
          k.sbsndptr_adv(sb, m0, len);
          if (sb.sb_sndptroff > off + len) return false;
        }
        // The accounting.
        let ccc = 0;
        let mbcnt = 0;
        let last = null;
        for (let m = sb.sb_mb; m !== null; m = m.m_next) {
          ccc += m.m_len;
          mbcnt += k.MSIZE + ((m.m_flags & k.M_EXT) !== 0 ? m.ext_size : 0);
          last = m;
        }
        if (ccc !== model.length || k.sbavail(sb) !== ccc || k.sbused(sb) !== ccc || sb.sb_mbcnt !== mbcnt) return false;
        if (last !== sb.sb_mbtail || sb.sb_lastrecord !== sb.sb_mb) return false;
        const all = new Uint8Array(ccc);
        if (ccc > 0) k.m_copydata(sb.sb_mb, 0, ccc, all);
        if (!all.every((b, i) => b === model[i])) return false;
      }
      k.sbflush(sb);
      return sb.sb_mb === null && sb.sb_ccc === 0 && sb.sb_mbcnt === 0 && sb.sb_sndptr === null;
    }),
    { seed: 14, numRuns: 150 },
  );
  k.proc_exit(p);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("listen queues: backlog clamp, overflow at 3/2 of the backlog, the incomplete queue, accept and accept4, closing the listener", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  register(k);
  const base = k.so_numopensockets();
  const l = sock(k, p);
  t.is(k.sys_accept(p, l).error, k.EINVAL, "accept before listen");
  t.is(k.sys_listen(p, l, -1), 0);
  const head = so_of(k, p, l);
  t.is(head.sol_qlimit, 128, "a negative backlog is somaxconn");
  t.is(k.kernel_sysctlbyname(k.cred0, "kern.ipc.soacceptqueue").value, 128);
  t.is(k.kernel_sysctlbyname(k.cred0, "kern.ipc.soacceptqueue", 5).error, 0);
  t.is(k.sys_listen(p, l, 1000), 0, "listen again changes the backlog");
  t.is(head.sol_qlimit, 5);
  t.is(k.sys_listen(p, l, 2), 0);
  t.is(k.sys_getsockopt(p, l, k.SOL_SOCKET, k.SO_ACCEPTCONN).val, k.SO_ACCEPTCONN);
  t.is(k.sys_getsockopt(p, l, k.SOL_SOCKET, k.SO_RCVBUF).val, 8192, "a listener reports the buffers its connections get");
  t.is(k.sys_accept(p, l).error, k.EAGAIN, "nothing to accept");
  const fds = [{ fd: l, events: k.POLLIN, revents: 0 }];
  t.is((await k.sys_poll(p, fds, 0)).n, 0);
  // Completed connections: 4 fit (sol_qlen up to 3 is not over 3 * 2 / 2).
  const made = [];
  for (let i = 0; i < 5; i++) made.push(k.sonewconn(head, k.SS_ISCONNECTED));
  t.deepEqual(made.map((s) => s !== null), [true, true, true, true, false]);
  t.is(head.sol_qlen, 4);
  t.is(head.sol_overcount, 0, "the overflow was logged (and the count reset)");
  t.regex(k.msgbuf_read(), /sonewconn: pcb 0x[0-9a-f]+ \(test\): Listen queue overflow: 4 already in queue awaiting acceptance \(1 occurrences\)/);
  t.is((await k.sys_poll(p, fds, 0)).n, 1);
  t.is(fds[0].revents, k.POLLIN);
  // accept: the descriptor inherits the listener's blocking mode; accept4
  // takes SOCK_NONBLOCK/SOCK_CLOEXEC only.
  const a = k.sys_accept(p, l);
  t.is(a.error, 0);
  t.is(k.sys_fcntl(p, a.fd, k.F_GETFL, 0).value & k.O_NONBLOCK, 0);
  t.true(k.satosin(a.sa) !== null);
  t.is(k.sys_accept4(p, l, 0x4000).error, k.EINVAL);
  const b = k.sys_accept4(p, l, k.SOCK_NONBLOCK | k.SOCK_CLOEXEC);
  t.is(b.error, 0);
  t.is(k.sys_fcntl(p, b.fd, k.F_GETFL, 0).value & k.O_NONBLOCK, k.O_NONBLOCK);
  t.is(k.sys_fcntl(p, b.fd, k.F_GETFD, 0).value, k.FD_CLOEXEC);
  t.is(so_of(k, p, b.fd).so_state & k.SS_NBIO, k.SS_NBIO);
  t.is(head.sol_qlen, 2);
  // Incomplete connections: past the backlog the oldest is aborted.
  const inc = [];
  for (let i = 0; i < 5; i++) inc.push(k.sonewconn(head, 0));
  t.is(head.sol_incqlen, 3, "incqlen stays at qlimit + 1");
  t.is(k.so_numopensockets(), base + 3 + 2 + 3);
  // One of them completes: it moves to the completed queue.
  const last = inc[4];
  if (last === null) throw new Error("sonewconn");
  k.soisconnected(last);
  t.is(head.sol_incqlen, 2);
  t.is(head.sol_qlen, 3);
  // Closing the listener aborts everything still queued.
  t.is(k.sys_close(p, l), 0);
  t.is(k.so_numopensockets(), base + 2);
  k.proc_exit(p);
  t.is(k.so_numopensockets(), base);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("connect: EINPROGRESS, POLLOUT when up, SO_ERROR when refused; the blocking wait; EALREADY and EISCONN", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const st = register(k);
  const l = sock(k, p);
  t.is(k.sys_listen(p, l, 5), 0);
  const c = sock(k, p, k.SOCK_NONBLOCK);
  t.is(k.sys_connect(p, c, to7(k)), k.EINPROGRESS);
  t.is(k.sys_connect(p, c, to7(k)), k.EALREADY);
  t.is(await k.sys_connect_wait(p, c), k.EINPROGRESS, "non-blocking: no wait");
  const pfd = [{ fd: c, events: k.POLLOUT, revents: 0 }];
  t.is((await k.sys_poll(p, pfd, 0)).n, 0, "not writable while connecting");
  const w = k.sys_poll(p, pfd, -1);
  st.complete(so_of(k, p, c));
  t.deepEqual(await w, { error: 0, n: 1 });
  t.is(pfd[0].revents, k.POLLOUT);
  t.is(k.sys_getsockopt(p, c, k.SOL_SOCKET, k.SO_ERROR).val, 0);
  t.is(k.sys_connect(p, c, to7(k)), k.EISCONN);
  // Refused: the protocol sets so_error and disconnects.
  const d = sock(k, p, k.SOCK_NONBLOCK);
  t.is(k.sys_connect(p, d, to7(k)), k.EINPROGRESS);
  const dso = so_of(k, p, d);
  dso.so_error = k.ECONNREFUSED;
  k.soisdisconnected(dso);
  const pd = [{ fd: d, events: k.POLLIN | k.POLLOUT, revents: 0 }];
  t.is((await k.sys_poll(p, pd, 0)).n, 1);
  t.is(pd[0].revents, k.POLLIN | k.POLLOUT | k.POLLHUP);
  t.is(k.sys_getsockopt(p, d, k.SOL_SOCKET, k.SO_ERROR).val, k.ECONNREFUSED);
  t.is(k.sys_getsockopt(p, d, k.SOL_SOCKET, k.SO_ERROR).val, 0, "SO_ERROR clears it");
  // Blocking: sys_connect_wait sleeps until the connection is up.
  const e = sock(k, p);
  t.is(k.sys_connect(p, e, to7(k)), k.EINPROGRESS);
  let done = -1;
  const waiting = k.sys_connect_wait(p, e).then((r) => (done = r));
  k.kern_advance_ns(1_000_000);
  t.is(done, -1, "still waiting");
  st.complete(so_of(k, p, e));
  await waiting;
  t.is(done, 0);
  k.proc_exit(p);
  k.kern_advance_ns(1_000_000);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("stream send and receive: short counts, EAGAIN, MSG_PEEK, MSG_WAITALL, MSG_EOR, pr_rcvd, shutdown, EOF and POLLHUP", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const st = register(k, 1000, 600);
  const l = sock(k, p);
  t.is(k.sys_listen(p, l, 5), 0);
  const c = sock(k, p, k.SOCK_NONBLOCK);
  t.is(k.sys_write(p, c, new Uint8Array(3)).error, k.ENOTCONN);
  t.is(k.sys_connect(p, c, to7(k)), k.EINPROGRESS);
  st.complete(so_of(k, p, c));
  const a = k.sys_accept(p, l);
  t.is(a.error, 0);
  const cso = so_of(k, p, c);
  const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
  // The send buffer takes 1000 bytes: a short count, then EAGAIN.
  t.deepEqual(k.sys_write(p, c, data), { error: 0, len: 1000 });
  t.is(k.sys_write(p, c, data.subarray(1000)).error, k.EAGAIN);
  t.is(k.sys_sendto(p, c, data, k.MSG_EOR, null).error, k.EINVAL, "MSG_EOR on a stream");
  const pw = [{ fd: c, events: k.POLLOUT, revents: 0 }];
  t.is((await k.sys_poll(p, pw, 0)).n, 0);
  // The receiver's buffer takes 600 of them.
  t.is(st.pump(cso), 600);
  t.is((await k.sys_poll(p, pw, 0)).n, 0, "400 free is below the send low-water mark (1000)");
  const pr = [{ fd: a.fd, events: k.POLLIN, revents: 0 }];
  t.is((await k.sys_poll(p, pr, 0)).n, 1);
  const peek = k.sys_recvfrom(p, a.fd, 10, k.MSG_PEEK);
  t.deepEqual(peek.data, data.subarray(0, 10));
  t.is(st.rcvd, 0, "MSG_PEEK does not tell the protocol");
  t.deepEqual(k.sys_read(p, a.fd, 100).data, data.subarray(0, 100));
  t.is(st.rcvd, 1);
  t.deepEqual(k.sys_recvfrom(p, a.fd, 1000, k.MSG_WAITALL).data, data.subarray(100, 600), "MSG_WAITALL returns what there is");
  t.is(k.sys_read(p, a.fd, 100).error, k.EAGAIN);
  t.is(st.pump(cso), 400);
  t.is((await k.sys_poll(p, pw, 0)).n, 1, "room again");
  t.deepEqual(k.sys_write(p, c, data.subarray(1000, 2000)), { error: 0, len: 1000 });
  t.is(st.pump(cso), 200, "the receiver still holds 400 unread bytes");
  // shutdown(SHUT_WR): no more writes; the peer reads to the end, then 0.
  t.is(k.sys_shutdown(p, c, k.SHUT_WR), 0);
  t.is(k.sys_sendto(p, c, data, k.MSG_NOSIGNAL, null).error, k.EPIPE);
  const got = [];
  for (;;) {
    st.pump(cso);
    const r = k.sys_read(p, a.fd, 700);
    if (r.error === k.EAGAIN) continue;
    t.is(r.error, 0);
    if (r.data === null || r.data.length === 0) break;
    got.push(...r.data);
  }
  t.deepEqual(Uint8Array.from(got), data.subarray(600, 2000));
  t.is((await k.sys_poll(p, pr, 0)).n, 1);
  t.is(pr[0].revents, k.POLLIN, "end of input is readable; not hung up while the peer's side is open");
  t.is(k.sys_shutdown(p, a.fd, k.SHUT_RDWR), 0);
  t.is((await k.sys_poll(p, pr, 0)).n, 1);
  t.is(pr[0].revents, k.POLLIN | k.POLLHUP);
  t.is(k.sys_shutdown(p, sock(k, p), k.SHUT_RDWR), k.ENOTCONN, "an unconnected stream socket");
  t.is(k.sys_shutdown(p, l, k.SHUT_RD), k.ENOTCONN, "a listener");
  t.is(k.sys_accept(p, l).error, k.ECONNABORTED, "shut listener wakes accept with ECONNABORTED");
  k.proc_exit(p);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
