// netinet6/raw_ip6: raw IPv6 sockets over ::1: ICMPv6 echo with the
// kernel's checksum and ICMP6_FILTER, a protocol of our own with
// IPV6_CHECKSUM (verified on input: rip6s_isum, rip6s_badsum), parameter
// problem for a protocol nobody handles, privilege, and rip6stat as
// netstat -s -p rip6 prints it.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";

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

const IPPROTO_IPV6 = 41;
const IPPROTO_ICMPV6 = 58;
const IPV6_CHECKSUM = 26;
const ICMP6_FILTER = 18;
const PROTO = 253; // RFC 3692 experimentation

function sin6(k: Kernel, addr: string, port = 0): InstanceType<Kernel["sockaddr_in6"]> {
  const a = k.inet_pton6(addr);
  if (a === null) throw new Error(`bad address ${addr}`);
  return new k.sockaddr_in6(a, port);
}

function raw6(k: Kernel, p: Proc, proto: number): number {
  const s = k.sys_socket(p, k.PF_INET6, k.SOCK_RAW, proto);
  if (s.error !== 0) throw new Error(`socket: ${k.strerror(s.error)}`);
  return s.fd;
}

function rip6stat(k: Kernel): readonly number[] {
  const r = k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.rip6stats");
  if (!Array.isArray(r.value)) throw new Error("net.inet6.ip6.rip6stats");
  return r.value;
}

function settle(k: Kernel): void {
  k.kern_advance_ns(10_000_000);
}

/** The one's-complement sum of b (for checking a received checksum). */
function cksum6(src: Uint8Array, dst: Uint8Array, nxt: number, b: Uint8Array): number {
  let s = 0;
  const add = (x: Uint8Array) => {
    for (let i = 0; i < x.length; i += 2) s += (x[i] << 8) | (x[i + 1] ?? 0);
  };
  add(src);
  add(dst);
  s += (b.length >>> 16) + (b.length & 0xffff) + nxt;
  add(b);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

for (const build of BOTH) {
  test.serial(`${build}: ICMPv6 echo over ::1 on a raw socket: the kernel's checksum, the reply, ICMP6_FILTER`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const s = raw6(k, p, IPPROTO_ICMPV6);
    const echo = new Uint8Array([128, 0, 0, 0, 0x12, 0x34, 0, 1, 104, 105]);
    t.deepEqual(k.sys_sendto(p, s, echo, 0, sin6(k, "::1")), { error: 0, len: 10 });
    settle(k);
    // The request loops back to us, then the kernel's reply.
    const req = k.sys_recvfrom(p, s, 100, 0);
    t.is(req.error, 0);
    t.is(req.data?.[0], 128);
    const one = k.inet_pton6("::1")?.s6_addr ?? new Uint8Array(16);
    t.is(cksum6(one, one, IPPROTO_ICMPV6, req.data ?? new Uint8Array(0)), 0, "rip6_send computed the checksum");
    const rep = k.sys_recvfrom(p, s, 100, 0);
    t.is(rep.data?.[0], 129);
    t.deepEqual(Array.from(rep.data?.subarray(4) ?? []), [0x12, 0x34, 0, 1, 104, 105]);
    t.is(k.satosin6(rep.from) === null ? "" : k.inet_ntop6(k.satosin6(rep.from)?.sin6_addr ?? k.in6addr_any), "::1");
    // Pass echo replies only.
    const filt = new Uint8Array(32);
    filt[129 >> 3] |= 1 << (129 & 7);
    t.is(k.sys_setsockopt(p, s, IPPROTO_ICMPV6, ICMP6_FILTER, filt), 0);
    t.is(k.sys_sendto(p, s, echo, 0, sin6(k, "::1")).error, 0);
    settle(k);
    t.is(k.sys_recvfrom(p, s, 100, 0).data?.[0], 129);
    t.is(k.sys_recvfrom(p, s, 100, 0).error, k.EAGAIN);
    // ICMPv6's checksum offset is fixed.
    t.is(k.sys_getsockopt(p, s, IPPROTO_IPV6, IPV6_CHECKSUM).val, 2);
    t.is(k.sys_setsockopt(p, s, IPPROTO_IPV6, IPV6_CHECKSUM, 2), 0);
    t.is(k.sys_setsockopt(p, s, IPPROTO_IPV6, IPV6_CHECKSUM, 4), k.EINVAL);
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a protocol of our own: delivery from its header on, IPV6_CHECKSUM on output and input, rip6stat`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const rx = raw6(k, p, PROTO);
    const tx = raw6(k, p, PROTO);
    t.is(k.sys_setsockopt(p, rx, IPPROTO_IPV6, IPV6_CHECKSUM, 3), k.EINVAL, "an odd offset");
    t.is(k.sys_setsockopt(p, rx, IPPROTO_IPV6, IPV6_CHECKSUM, 2), 0);
    t.is(k.sys_getsockopt(p, rx, IPPROTO_IPV6, IPV6_CHECKSUM).val, 2);
    const before = rip6stat(k);
    // Without IPV6_CHECKSUM the sender leaves the field alone: bad on input.
    t.is(k.sys_sendto(p, tx, new Uint8Array([1, 2, 0, 0, 5, 6]), 0, sin6(k, "::1")).error, 0);
    settle(k);
    t.is(k.sys_recvfrom(p, rx, 100, 0).error, k.EAGAIN);
    // With it, the kernel fills it and the receiver checks it.
    t.is(k.sys_setsockopt(p, tx, IPPROTO_IPV6, IPV6_CHECKSUM, 2), 0);
    t.is(k.sys_sendto(p, tx, new Uint8Array([1, 2, 0, 0, 5, 6]), 0, sin6(k, "::1")).error, 0);
    settle(k);
    const got = k.sys_recvfrom(p, rx, 100, 0);
    t.is(got.error, 0);
    t.is(got.data?.length, 6);
    t.deepEqual(Array.from(got.data?.subarray(0, 2) ?? []), [1, 2]);
    const one = k.inet_pton6("::1")?.s6_addr ?? new Uint8Array(16);
    t.is(cksum6(one, one, PROTO, got.data ?? new Uint8Array(0)), 0);
    // The sender is a socket of the protocol too and hears its own second
    // datagram, now checking it as well: three sums, one bad.
    t.is(k.sys_recvfrom(p, tx, 100, 0).error, 0);
    const after = rip6stat(k);
    t.is(after[k.rip6s_opackets] - before[k.rip6s_opackets], 2);
    t.is(after[k.rip6s_isum] - before[k.rip6s_isum], 3);
    t.is(after[k.rip6s_badsum] - before[k.rip6s_badsum], 1);
    // netstat -s -p rip6.
    let o = "";
    const io = { stdin: "", stdout: { write: (x: string) => void (o += x) }, stderr: { write: (x: string) => void (o += x) }, env: new Map<string, string>() };
    t.is(await k.exec_prog(k.proc_create(k.cred0, "sh"), ["netstat", "-s", "-p", "rip6"], io), 0);
    const ip = after[k.rip6s_ipackets];
    t.is(
      o,
      `rip6:\n\t${ip} message${ip === 1 ? "" : "s"} received\n\t3 checksum calculations on inbound\n\t1 message with bad checksum\n` +
        `\t${after[k.rip6s_nosock]} message${after[k.rip6s_nosock] === 1 ? "" : "s"} dropped due to no socket\n\t0 multicast messages dropped due to no socket\n\t0 messages dropped due to full socket buffers\n` +
        `\t${ip - 1 - after[k.rip6s_nosock]} delivered\n\t2 datagrams output\n`,
    );
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: a protocol nobody handles gets parameter problem (next header); raw sockets need privilege`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    lo0_up(k, p);
    const icmp = raw6(k, p, IPPROTO_ICMPV6);
    // The sender, bound elsewhere than ::1, does not hear its own datagram.
    const tx = raw6(k, p, PROTO);
    const ll = k.getaddrinfo(p, "fe80::1%lo0", null, { ai_socktype: k.SOCK_RAW }).res[0].ai_addr;
    t.is(k.sys_bind(p, tx, ll), 0);
    t.is(k.sys_sendto(p, tx, new Uint8Array([9, 9, 9, 9]), 0, sin6(k, "::1")).error, 0);
    settle(k);
    const err = k.sys_recvfrom(p, icmp, 200, 0);
    t.is(err.error, 0);
    t.deepEqual(Array.from(err.data?.subarray(0, 2) ?? []), [4, 1], "ICMP6_PARAM_PROB, ICMP6_PARAMPROB_NEXTHEADER");
    t.deepEqual(Array.from(err.data?.subarray(4, 8) ?? []), [0, 0, 0, 6], "pointing at ip6_nxt");
    t.is(rip6stat(k)[k.rip6s_nosock], 1);
    const user = k.proc_create(new k.ucred(1001, k.prison0), "user");
    t.is(k.sys_socket(user, k.PF_INET6, k.SOCK_RAW, IPPROTO_ICMPV6).error, k.EPERM);
    k.proc_exit(user);
    k.proc_exit(p);
    settle(k);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

// rip6_bind as FreeBSD 14.3 has it (tests/sys/netinet6/addr6.sh's
// anycast_raw_addr): an anycast address of ours may be bound and used as
// the source; a tentative one may not.
test.serial("rip6_bind: an anycast address binds (ping -S), a tentative one is EADDRNOTAVAIL", async (t) => {
  const { run_script } = await import("../sbin/prog_helpers.ts");
  const r = await run_script(
    [
      "ifconfig lo0 up",
      "ifconfig lo create >/dev/null",
      "ifconfig lo1 inet6 2001:db8::1/128 up",
      "ifconfig lo1 inet6 2001:db8::2/128 anycast",
      "ping -c1 -S 2001:db8::2 2001:db8::1 >/dev/null; echo status $?",
      "ifconfig epair create >/dev/null",
      "ifconfig epair0a inet6 -ifdisabled up",
      "ifconfig epair0a inet6 2001:db8:1::1/64",
      "ping -c1 -S 2001:db8:1::1 2001:db8::1; echo status $?",
      // The MLD reports and DAD probes still queued go out.
      "sleep 5",
    ].join("\n") + "\n",
  );
  t.is(r.out, "status 0\nstatus 1\n");
  t.is(r.err, "ping: bind: Can't assign requested address\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
