// netinet6/udp6_usrreq: UDP over IPv6 through the whole stack: over ::1 in
// one vnet (bind, sendto, recvfrom, connect, the peer's and our names),
// the mandatory checksum, port unreachable back to a connected sender,
// v4-mapped addresses and net.inet6.ip6.v6only, and two vnet jails talking
// over an epair by link-local (with its %zone) and global addresses.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import { run_script } from "../sbin/prog_helpers.ts";

type Proc = ReturnType<Kernel["proc_create"]>;

/** ifconfig lo0 up: in6_ifattach gives it ::1 and fe80::1%lo0. */
function lo0_up(k: Kernel, p: Proc): void {
  const s = k.sys_socket(p, k.PF_INET6, k.SOCK_DGRAM, 0);
  if (s.error !== 0) throw new Error(`socket: ${k.strerror(s.error)}`);
  const ifr = { ifr_name: "lo0", ifr_flags: 0 };
  if (k.sys_ioctl(p, s.fd, k.SIOCGIFFLAGS, ifr) !== 0) throw new Error("SIOCGIFFLAGS");
  ifr.ifr_flags |= k.IFF_UP;
  const e = k.sys_ioctl(p, s.fd, k.SIOCSIFFLAGS, ifr);
  if (e !== 0) throw new Error(`SIOCSIFFLAGS: ${k.strerror(e)}`);
  k.sys_close(p, s.fd);
  // The MLD reports of the groups lo0 joins go out (and are freed).
  k.kern_advance_ns(5_000_000_000);
}

const bytes = (s: string) => new TextEncoder().encode(s);

function settle(k: Kernel): void {
  k.kern_advance_ns(10_000_000);
}

function sin6(k: Kernel, addr: string, port: number, scope = 0): InstanceType<Kernel["sockaddr_in6"]> {
  const a = k.inet_pton6(addr);
  if (a === null) throw new Error(`bad address ${addr}`);
  return new k.sockaddr_in6(a, port, scope);
}

function udp6(k: Kernel, p: Proc, port = -1, addr = "::1"): number {
  const s = k.sys_socket(p, k.PF_INET6, k.SOCK_DGRAM, 0);
  if (s.error !== 0) throw new Error(`socket: ${k.strerror(s.error)}`);
  if (port >= 0) {
    const e = k.sys_bind(p, s.fd, sin6(k, addr, port));
    if (e !== 0) throw new Error(`bind: ${k.strerror(e)}`);
  }
  return s.fd;
}

function udpstat(k: Kernel, cred = k.cred0): readonly number[] {
  const r = k.kernel_sysctlbyname(cred, "net.inet.udp.stats");
  if (!Array.isArray(r.value)) throw new Error("net.inet.udp.stats");
  return r.value;
}

function from6(k: Kernel, sa: unknown): { addr: string; port: number; scope: number } | null {
  const s = k.satosin6(sa as object | null);
  return s === null ? null : { addr: k.inet_ntop6(s.sin6_addr), port: s.sin6_port, scope: s.sin6_scope_id };
}

for (const build of BOTH) {
  test.serial(`${build}: UDP over ::1: bind, sendto, recvfrom with the sender's address; getsockname; counters`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const rx = udp6(k, p, 7777);
    const tx = udp6(k, p);
    t.deepEqual(k.sys_sendto(p, tx, bytes("hello6"), 0, sin6(k, "::1", 7777)), { error: 0, len: 6 });
    const name = from6(k, k.sys_getsockname(p, tx).sa);
    t.is(name?.addr, "::", "only the port is bound by sendto");
    t.true((name?.port ?? 0) >= 10000, "an ephemeral port");
    settle(k);
    const got = k.sys_recvfrom(p, rx, 100, 0);
    t.is(got.error, 0);
    t.deepEqual(got.data, bytes("hello6"));
    t.deepEqual(from6(k, got.from), { addr: "::1", port: name?.port ?? -1, scope: 0 });
    t.deepEqual(from6(k, k.sys_getsockname(p, rx).sa), { addr: "::1", port: 7777, scope: 0 });
    const u = udpstat(k);
    t.is(u[k.udps_ipackets], 1);
    t.is(u[k.udps_opackets], 1);
    t.is(u[k.udps_badsum], 0);
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: connect: send without an address, getpeername, EISCONN, ENOTCONN; disconnect`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const rx = udp6(k, p, 5000);
    const tx = udp6(k, p);
    t.is(k.sys_sendto(p, tx, bytes("x"), 0, null).error, k.EDESTADDRREQ);
    t.is(k.sys_getpeername(p, tx).error, k.ENOTCONN);
    t.is(k.sys_connect(p, tx, sin6(k, "::1", 5000)), 0);
    t.deepEqual(from6(k, k.sys_getpeername(p, tx).sa), { addr: "::1", port: 5000, scope: 0 });
    const me = from6(k, k.sys_getsockname(p, tx).sa);
    t.is(me?.addr, "::1", "connect picks the source (in6_selectsrc)");
    t.is(k.sys_sendto(p, tx, bytes("one"), 0, null).error, 0);
    t.is(k.sys_sendto(p, tx, bytes("two"), 0, sin6(k, "::1", 5000)).error, k.EISCONN);
    settle(k);
    t.deepEqual(k.sys_recvfrom(p, rx, 10, 0).data, bytes("one"));
    t.is(k.sys_recvfrom(p, rx, 10, 0).error, k.EAGAIN);
    // A connected socket hears only its peer.
    const other = udp6(k, p);
    t.is(k.sys_connect(p, rx, sin6(k, "::1", me?.port ?? 0)), 0);
    t.is(k.sys_sendto(p, other, bytes("stranger"), 0, sin6(k, "::1", 5000)).error, 0);
    settle(k);
    t.is(k.sys_recvfrom(p, rx, 10, 0).error, k.EAGAIN);
    t.is(k.sys_connect(p, tx, new k.sockaddr_in6(k.in6addr_any, 0)), k.EADDRNOTAVAIL, "port 0");
    t.is(k.sys_shutdown(p, rx, 2), 0);
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: addresses that are not IPv6: EAFNOSUPPORT, EINVAL, and v4-mapped on a V6ONLY socket`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const s = udp6(k, p);
    t.is(k.sys_bind(p, s, new k.sockaddr_in(k.INADDR_LOOPBACK, 1)), k.EAFNOSUPPORT);
    const short = sin6(k, "::1", 1);
    short.sin6_len = 24;
    t.is(k.sys_bind(p, s, short), k.EINVAL);
    t.is(k.sys_sendto(p, s, bytes("x"), 0, sin6(k, "::ffff:127.0.0.1", 9)).error, k.EINVAL, "v6only: no v4-mapped destinations");
    t.is(k.sys_connect(p, s, sin6(k, "::ffff:127.0.0.1", 9)), k.EINVAL);
    t.is(k.sys_bind(p, s, sin6(k, "2001:db8::99", 1)), k.EADDRNOTAVAIL, "not one of our addresses");
    k.proc_exit(p);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a closed port answers ICMPv6 port unreachable; the connected sender gets ECONNREFUSED`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const tx = udp6(k, p);
    t.is(k.sys_connect(p, tx, sin6(k, "::1", 9)), 0);
    t.is(k.sys_sendto(p, tx, bytes("anyone?"), 0, null).error, 0);
    settle(k);
    t.is(udpstat(k)[k.udps_noport], 1);
    const r = k.sys_recvfrom(p, tx, 10, 0);
    t.is(r.error, k.ECONNREFUSED);
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test.serial("vimage: net.inet6.ip6.v6only=0: an AF_INET6 socket on :: hears IPv4 as ::ffff:a.b.c.d and answers through it", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  lo0_up(k, p);
  const lo = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0).fd;
  t.is(
    k.sys_ioctl(p, lo, k.SIOCAIFADDR, { ifra_name: "lo0", ifra_addr: new k.sockaddr_in(k.INADDR_LOOPBACK), ifra_mask: new k.sockaddr_in(0xff000000), ifra_broadaddr: null }),
    0,
  );
  t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.v6only", 0).error, 0);
  const s6 = udp6(k, p, 6000, "::");
  // Both families on port 6000: an IPv4 socket bound to 0.0.0.0 is refused.
  const s4 = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0).fd;
  t.is(k.sys_bind(p, s4, new k.sockaddr_in(k.INADDR_ANY, 6000)), k.EADDRINUSE);
  t.is(k.sys_sendto(p, s4, bytes("v4"), 0, new k.sockaddr_in(k.INADDR_LOOPBACK, 6000)).error, 0);
  settle(k);
  const got = k.sys_recvfrom(p, s6, 10, 0);
  t.deepEqual(got.data, bytes("v4"));
  const from = from6(k, got.from);
  t.is(from?.addr, "::ffff:127.0.0.1");
  const port4 = k.satosin(k.sys_getsockname(p, s4).sa)?.sin_port ?? 0;
  t.is(from?.port, port4);
  // The answer to ::ffff:127.0.0.1 leaves as IPv4.
  t.is(k.sys_sendto(p, s6, bytes("back"), 0, sin6(k, "::ffff:127.0.0.1", port4)).error, 0);
  settle(k);
  const back = k.sys_recvfrom(p, s4, 10, 0);
  t.deepEqual(back.data, bytes("back"));
  t.is(k.satosin(back.from)?.sin_port, 6000);
  // With v6only back on, a new socket takes IPv6 only: the IPv4 port is free.
  t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.v6only", 1).error, 0);
  const s6b = udp6(k, p, 6001, "::");
  const s4b = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0).fd;
  t.is(k.sys_bind(p, s4b, new k.sockaddr_in(k.INADDR_ANY, 6001)), 0);
  void s6b;
  k.proc_exit(p);
  settle(k);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: two vnet jails over an epair: UDP by link-local (with %zone) and global addresses after DAD", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
sleep 3
jexec b ifconfig epair0b
`);
  t.is(r.status, 0, r.err);
  const k = r.k;
  const ja = k.prison_find_name("a");
  const jb = k.prison_find_name("b");
  if (ja === null || jb === null) throw new Error("jails");
  const pa = k.proc_create(k.cred0, "a");
  const pb = k.proc_create(k.cred0, "b");
  t.is(k.sys_jail_attach_proc(pa, ja.pr_id), 0);
  t.is(k.sys_jail_attach_proc(pb, jb.pr_id), 0);
  // b's link-local address, from its MAC (EUI-64), and a's zone by name.
  const mac = /ether ([0-9a-f:]+)/.exec(r.out.slice(r.out.indexOf("epair0b:")))?.[1] ?? "";
  const m = mac.split(":").map((x) => parseInt(x, 16));
  const ll_b = k.inet_ntop6(k.in6_addr_from([0xfe, 0x80, 0, 0, 0, 0, 0, 0, m[0] ^ 2, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]]));
  const ai = k.getaddrinfo(pa, `${ll_b}%epair0a`, "4000", { ai_socktype: k.SOCK_DGRAM });
  t.is(ai.error, 0);
  const dst_ll = ai.res[0].ai_addr;
  const ia_index = "sin6_addr" in dst_ll ? dst_ll.sin6_scope_id : 0;
  t.true(ia_index > 0);
  const sb = udp6(k, pb, 4000, "::");
  const sa = udp6(k, pa);
  // Link-local: the zone is a's own interface index.
  t.is(k.sys_sendto(pa, sa, bytes("by link-local"), 0, dst_ll).error, 0);
  k.kern_advance_ns(100_000_000);
  let got = k.sys_recvfrom(pb, sb, 100, 0);
  t.is(got.error, 0);
  t.deepEqual(got.data, bytes("by link-local"));
  const f1 = from6(k, got.from);
  t.true(f1 !== null && f1.addr.startsWith("fe80::"), "a link-local source for a link-local destination (rule 2)");
  t.true((f1?.scope ?? 0) > 0, "the sender's zone is b's interface");
  // Global: the source is a's global address.
  t.is(k.sys_sendto(pa, sa, bytes("by global"), 0, sin6(k, "2001:db8::2", 4000)).error, 0);
  k.kern_advance_ns(100_000_000);
  got = k.sys_recvfrom(pb, sb, 100, 0);
  t.deepEqual(got.data, bytes("by global"));
  const f2 = from6(k, got.from);
  t.deepEqual({ addr: f2?.addr, scope: f2?.scope }, { addr: "2001:db8::1", scope: 0 });
  // And back.
  t.is(k.sys_sendto(pb, sb, bytes("pong"), 0, sin6(k, "2001:db8::1", f2?.port ?? 0)).error, 0);
  k.kern_advance_ns(100_000_000);
  got = k.sys_recvfrom(pa, sa, 100, 0);
  t.deepEqual(got.data, bytes("pong"));
  t.deepEqual(from6(k, got.from), { addr: "2001:db8::2", port: 4000, scope: 0 });
  k.proc_exit(pa);
  k.proc_exit(pb);
  t.is(k.sys_jail_remove(k.cred0, ja.pr_id), 0);
  t.is(k.sys_jail_remove(k.cred0, jb.pr_id), 0);
  k.kern_advance_ns(100_000_000);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
