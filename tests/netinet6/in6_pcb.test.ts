// netinet6/in6_pcb: binding rules of AF_INET6 sockets (one binding per
// socket, our addresses only, EADDRINUSE unless shared, reserved ports,
// the IPv4 side of a socket on ::), lookups that prefer the bound address
// to ::, getsockname/getpeername with the zone as sin6_scope_id, and the
// netstat listing of the PCBs (udp6, udp46).
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

function sin6(k: Kernel, addr: string, port: number, scope = 0): InstanceType<Kernel["sockaddr_in6"]> {
  const a = k.inet_pton6(addr);
  if (a === null) throw new Error(`bad address ${addr}`);
  return new k.sockaddr_in6(a, port, scope);
}

function sock(k: Kernel, p: Proc, type?: number): number {
  const s = k.sys_socket(p, k.PF_INET6, type ?? k.SOCK_DGRAM, 0);
  if (s.error !== 0) throw new Error(`socket: ${k.strerror(s.error)}`);
  return s.fd;
}

const bytes = (s: string) => new TextEncoder().encode(s);

for (const build of BOTH) {
  test.serial(`${build}: bind: once, our addresses only, EADDRINUSE unless shared, reserved ports`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const a = sock(k, p);
    t.is(k.sys_bind(p, a, sin6(k, "::1", 2000)), 0);
    t.is(k.sys_bind(p, a, sin6(k, "::1", 2001)), k.EINVAL, "a socket binds once");
    const b = sock(k, p);
    t.is(k.sys_bind(p, b, sin6(k, "::1", 2000)), k.EADDRINUSE);
    t.is(k.sys_bind(p, b, sin6(k, "::", 2000)), k.EADDRINUSE, ":: overlaps ::1 on the port");
    t.is(k.sys_bind(p, b, sin6(k, "2001:db8::7", 2000)), k.EADDRNOTAVAIL);
    // SO_REUSEPORT on both shares the port.
    const c = sock(k, p);
    const d = sock(k, p);
    t.is(k.sys_setsockopt(p, c, k.SOL_SOCKET, k.SO_REUSEPORT, 1), 0);
    t.is(k.sys_setsockopt(p, d, k.SOL_SOCKET, k.SO_REUSEPORT, 1), 0);
    t.is(k.sys_bind(p, c, sin6(k, "::1", 3000)), 0);
    t.is(k.sys_bind(p, d, sin6(k, "::1", 3000)), 0);
    // SO_REUSEADDR lets a specific address join a port bound to ::.
    const e = sock(k, p);
    t.is(k.sys_bind(p, e, sin6(k, "::", 4000)), 0);
    const f = sock(k, p);
    t.is(k.sys_setsockopt(p, f, k.SOL_SOCKET, k.SO_REUSEADDR, 1), 0);
    t.is(k.sys_bind(p, f, sin6(k, "::1", 4000)), 0);
    // Port 0: an ephemeral port from net.inet.ip.portrange.
    const g = sock(k, p);
    t.is(k.sys_bind(p, g, sin6(k, "::1", 0)), 0);
    const gp = k.satosin6(k.sys_getsockname(p, g).sa)?.sin6_port ?? 0;
    t.true(gp >= 10000 && gp <= 65535);
    // Reserved ports need privilege.
    const user = k.proc_create(new k.ucred(1001, k.prison0), "user");
    const u = sock(k, user);
    t.is(k.sys_bind(user, u, sin6(k, "::1", 53)), k.EACCES);
    t.is(k.sys_bind(p, sock(k, p), sin6(k, "::1", 53)), 0);
    k.proc_exit(user);
    k.proc_exit(p);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: lookups: the socket bound to the destination before the one on ::; a connected socket hears its peer`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const wild = sock(k, p);
    t.is(k.sys_bind(p, wild, sin6(k, "::", 5000)), 0);
    const exact = sock(k, p);
    t.is(k.sys_setsockopt(p, exact, k.SOL_SOCKET, k.SO_REUSEADDR, 1), 0);
    t.is(k.sys_bind(p, exact, sin6(k, "::1", 5000)), 0);
    const tx = sock(k, p);
    t.is(k.sys_bind(p, tx, sin6(k, "::1", 6000)), 0);
    t.is(k.sys_sendto(p, tx, bytes("a"), 0, sin6(k, "::1", 5000)).error, 0);
    k.kern_advance_ns(10_000_000);
    t.is(k.sys_recvfrom(p, exact, 10, 0).error, 0, "the exact binding wins");
    t.is(k.sys_recvfrom(p, wild, 10, 0).error, k.EAGAIN);
    // SO_REUSEADDR alone does not share an exact binding.
    const again = sock(k, p);
    t.is(k.sys_setsockopt(p, again, k.SOL_SOCKET, k.SO_REUSEADDR, 1), 0);
    t.is(k.sys_bind(p, again, sin6(k, "::1", 5000)), k.EADDRINUSE, "::1.5000 is exactly bound");
    // A socket connected to the sender wins over both.
    const conn = sock(k, p);
    t.is(k.sys_bind(p, conn, sin6(k, "::1", 5002)), 0);
    t.is(k.sys_connect(p, conn, sin6(k, "::1", 6000)), 0);
    const wild2 = sock(k, p);
    t.is(k.sys_bind(p, wild2, sin6(k, "::", 5002)), k.EADDRINUSE);
    t.is(k.sys_sendto(p, tx, bytes("b"), 0, sin6(k, "::1", 5002)).error, 0);
    k.kern_advance_ns(10_000_000);
    t.is(k.sys_recvfrom(p, conn, 10, 0).error, 0, "the connected socket hears its peer");
    k.proc_exit(p);
    k.kern_advance_ns(10_000_000);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test.serial("vimage: getsockname/getpeername give a link-local address's zone in sin6_scope_id; netstat lists udp6 and udp46", async (t) => {
  const r = await run_script(`sysctl net.inet6.ip6.v6only=0 >/dev/null
ifconfig lo0 up
sleep 2
`);
  t.is(r.status, 0, r.err);
  const k = r.k;
  const p = k.proc_create(k.cred0, "t");
  const ai = k.getaddrinfo(p, "fe80::1%lo0", "7000", { ai_socktype: k.SOCK_DGRAM });
  t.is(ai.error, 0);
  const ll = ai.res[0].ai_addr;
  if (!("sin6_addr" in ll)) throw new Error("getaddrinfo");
  const a = sock(k, p);
  t.is(k.sys_bind(p, a, ll), 0);
  const name = k.satosin6(k.sys_getsockname(p, a).sa);
  t.is(name === null ? "" : k.inet_ntop6(name.sin6_addr), "fe80::1", "no zone left in the address");
  t.is(name?.sin6_scope_id, ll.sin6_scope_id);
  const b = sock(k, p);
  t.is(k.sys_connect(p, b, ll), 0);
  t.is(k.satosin6(k.sys_getpeername(p, b).sa)?.sin6_scope_id, ll.sin6_scope_id);
  const w = sock(k, p);
  t.is(k.sys_bind(p, w, sin6(k, "::", 5353)), 0, "v6only=0: this one takes IPv4 too");
  let o = "";
  const io = { stdin: "", stdout: { write: (x: string) => void (o += x) }, stderr: { write: (x: string) => void (o += x) }, env: new Map<string, string>() };
  t.is(await k.exec_prog(k.proc_create(k.cred0, "sh"), ["netstat", "-an", "-f", "inet6"], io), 0);
  const lines = o.split("\n");
  t.is(lines[0], "Active Internet connections (including servers)");
  t.is(lines[1], "Proto Recv-Q Send-Q Local Address          Foreign Address        (state)    ");
  t.true(lines.includes("udp46      0      0 *.5353                 *.*                    "), o);
  t.true(lines.includes("udp6       0      0 fe80::1%lo0.7000       *.*                    "), o);
  t.true(lines.some((l) => /^udp6       0      0 fe80::1%lo0\.\d+ +fe80::1%lo0\.7000 +$/.test(l)), o);
  k.proc_exit(p);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: an interface that goes away is forgotten by the sockets that chose it for multicast (in6_pcbpurgeif0)", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "t");
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_DGRAM, 0).fd;
  const ifr = { ifr_name: "epair" };
  t.is(k.sys_ioctl(p, s, k.SIOCIFCREATE2, ifr), 0);
  const f = { ifr_name: "epair0a", ifr_flags: 0 };
  t.is(k.sys_ioctl(p, s, k.SIOCGIFFLAGS, f), 0);
  f.ifr_flags |= k.IFF_UP;
  t.is(k.sys_ioctl(p, s, k.SIOCSIFFLAGS, f), 0);
  k.kern_advance_ns(3_000_000_000);
  const u = sock(k, p);
  const ai = k.getaddrinfo(p, "fe80::1%epair0a", null, null);
  const a = ai.res[0].ai_addr;
  const idx = "sin6_addr" in a ? a.sin6_scope_id : 0;
  const IPV6_MULTICAST_IF = 9;
  t.is(k.sys_setsockopt(p, u, 41, IPV6_MULTICAST_IF, idx), 0);
  t.is(k.sys_getsockopt(p, u, 41, IPV6_MULTICAST_IF).val, idx);
  t.is(k.sys_ioctl(p, s, k.SIOCIFDESTROY, { ifr_name: "epair0a" }), 0);
  t.is(k.sys_getsockopt(p, u, 41, IPV6_MULTICAST_IF).val, 0);
  k.proc_exit(p);
  k.kern_advance_ns(3_000_000_000);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
