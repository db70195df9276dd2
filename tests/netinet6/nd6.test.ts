// netinet6/nd6 (with nd6_nbr and in6_lltable): two vnet jails on an epair
// resolving each other, the neighbor cache moving through FreeBSD's states
// on the virtual clock (INCOMPLETE, DELAY, REACHABLE, STALE, PROBE), the
// hold queue, an unanswered resolution ending in Address Unreachable and
// the entry's removal, the ND ioctls and knobs.
import test from "ava";
import type { Kernel } from "../helpers/builds.ts";
import { run_script } from "../sbin/prog_helpers.ts";

type Proc = ReturnType<Kernel["proc_create"]>;

const SEC = 1e9;
const bytes = (s: string) => new TextEncoder().encode(s);

/** Two jails a (2001:db8::1/64 on epair0a) and b (2001:db8::2/64 on epair0b), IPv6 on, DAD done. */
const TWO_JAILS6 = `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ndp -i epair0a -- -disabled >/dev/null
jexec b ndp -i epair0b -- -disabled >/dev/null
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
sleep 3
`;

interface setup {
  k: Kernel;
  pa: Proc;
  pb: Proc;
  ifa: ReturnType<Kernel["ifunit"]> & object;
  ifb: ReturnType<Kernel["ifunit"]> & object;
}

async function two_jails(extra = ""): Promise<setup & { out: string; err: string }> {
  const r = await run_script(TWO_JAILS6 + extra);
  if (r.status !== 0) throw new Error(`setup: ${r.err}`);
  const k = r.k;
  const ja = k.prison_find_name("a");
  const jb = k.prison_find_name("b");
  if (ja === null || jb === null) throw new Error("jails");
  const pa = k.proc_create(k.cred0, "a");
  const pb = k.proc_create(k.cred0, "b");
  if (k.sys_jail_attach_proc(pa, ja.pr_id) !== 0 || k.sys_jail_attach_proc(pb, jb.pr_id) !== 0) throw new Error("attach");
  const ifa = k.vnet_run(ja.pr_vnet as NonNullable<typeof ja.pr_vnet>, "t", () => k.ifunit("epair0a"));
  const ifb = k.vnet_run(jb.pr_vnet as NonNullable<typeof jb.pr_vnet>, "t", () => k.ifunit("epair0b"));
  if (ifa === null || ifb === null) throw new Error("interfaces");
  return { k, pa, pb, ifa, ifb, out: r.out, err: r.err };
}

function sin6(k: Kernel, addr: string, port: number): InstanceType<Kernel["sockaddr_in6"]> {
  const a = k.inet_pton6(addr);
  if (a === null) throw new Error(addr);
  return new k.sockaddr_in6(a, port, 0);
}

function udp6(k: Kernel, p: Proc, port = -1): number {
  const s = k.sys_socket(p, k.PF_INET6, k.SOCK_DGRAM, 0);
  if (s.error !== 0) throw new Error(`socket: ${k.strerror(s.error)}`);
  if (port >= 0 && k.sys_bind(p, s.fd, sin6(k, "::", port)) !== 0) throw new Error("bind");
  return s.fd;
}

/** The cache entry for addr on ifp: its state, probes sent, router flag; null if none. */
function entry(k: Kernel, ifp: setup["ifa"], addr: string) {
  const a = k.inet_pton6(addr);
  if (a === null) throw new Error(addr);
  return k.vnet_run(ifp.if_vnet, "t", () => {
    const ln = k.nd6_lookup(a, 0, ifp);
    return ln === null ? null : { state: ln.ln_state, asked: ln.la_asked, router: ln.ln_router, valid: (ln.la_flags & k.LLE_VALID) !== 0 };
  });
}

async function run(k: Kernel, argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const root = k.proc_create(k.cred0, "sh");
  const status = await k.exec_prog(root, argv, { stdin: "", stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (err += s) }, env: new Map() });
  k.proc_exit(root);
  return { status, out, err };
}

test.serial("vimage: a resolves b: INCOMPLETE with the packet held, a solicited NA makes it REACHABLE and sends it; b learnt a STALE", async (t) => {
  const { k, pa, pb, ifa, ifb } = await two_jails();
  const rx = udp6(k, pb, 4000);
  const tx = udp6(k, pa);
  t.is(entry(k, ifa, "2001:db8::2"), null);
  t.is(k.sys_sendto(pa, tx, bytes("one"), 0, sin6(k, "2001:db8::2", 4000)).error, 0);
  // The NS went out; the datagram waits in the entry.
  t.deepEqual(entry(k, ifa, "2001:db8::2"), { state: k.ND6_LLINFO_INCOMPLETE, asked: 1, router: 0, valid: false });
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(entry(k, ifa, "2001:db8::2"), { state: k.ND6_LLINFO_REACHABLE, asked: 0, router: 0, valid: true });
  // b learnt a from the solicitation's source link-layer address option.
  t.deepEqual(entry(k, ifb, "2001:db8::1"), { state: k.ND6_LLINFO_STALE, asked: 0, router: 0, valid: true });
  const got = k.sys_recvfrom(pb, rx, 100, 0);
  t.is(got.error, 0);
  t.deepEqual(got.data, bytes("one"));
  for (const p of [pa, pb]) k.proc_exit(p);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: the states on the virtual clock: REACHABLE -> STALE after ReachableTime; used -> PROBE nd6_delay later; unanswered -> gone", async (t) => {
  const { k, pa, pb, ifa } = await two_jails();
  const rx = udp6(k, pb, 4000);
  const tx = udp6(k, pa);
  k.sys_sendto(pa, tx, bytes("x"), 0, sin6(k, "2001:db8::2", 4000));
  k.kern_advance_ns(SEC / 100);
  t.is(entry(k, ifa, "2001:db8::2")?.state, k.ND6_LLINFO_REACHABLE);
  const reachable = k.vnet_run(ifa.if_vnet, "t", () => k.ND_IFINFO(ifa).reachable);
  t.true(reachable >= 15 && reachable <= 45, `ReachableTime ${reachable} s: 0.5 to 1.5 x 30 s`);
  k.kern_advance_ns((reachable + 1) * SEC);
  t.is(entry(k, ifa, "2001:db8::2")?.state, k.ND6_LLINFO_STALE);
  // b goes away; a uses the entry while STALE.  FreeBSD keeps the state and
  // lets the timer see the use (r_skip_req, lle_hittime).
  t.is((await run(k, ["jexec", "b", "ifconfig", "epair0b", "down"])).status, 0);
  k.sys_sendto(pa, tx, bytes("y"), 0, sin6(k, "2001:db8::2", 4000));
  k.kern_advance_ns(SEC / 100);
  t.is(entry(k, ifa, "2001:db8::2")?.state, k.ND6_LLINFO_STALE);
  // nd6_delay (5 s) after the use: PROBE, unicast solicitations a RetransTimer apart.
  k.kern_advance_ns(5 * SEC);
  t.deepEqual(entry(k, ifa, "2001:db8::2"), { state: k.ND6_LLINFO_PROBE, asked: 1, router: 0, valid: true });
  k.kern_advance_ns(SEC);
  t.is(entry(k, ifa, "2001:db8::2")?.asked, 2);
  k.kern_advance_ns(SEC);
  t.is(entry(k, ifa, "2001:db8::2")?.asked, 3);
  // nd6_umaxtries unanswered: the entry goes.
  k.kern_advance_ns(SEC);
  t.is(entry(k, ifa, "2001:db8::2"), null);
  t.is(k.sys_recvfrom(pb, rx, 100, 0).error, 0, "the first datagram arrived");
  for (const p of [pa, pb]) k.proc_exit(p);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: INCOMPLETE -> DELAY -> PROBE -> REACHABLE: b's solicitation gives a b's address while a's own went unanswered", async (t) => {
  // a asks from 2001:db9::1, which b does not take as a neighbor (RFC 4861
  // on-link check, net.inet6.icmp6.nd6_onlink_ns_rfc4861 0): no answer.
  const { k, pa, pb, ifa, ifb } = await two_jails("jexec a ifconfig epair0a inet6 2001:db9::1/64 alias\nsleep 3\n");
  const sa = k.sys_socket(pa, k.PF_INET6, k.SOCK_DGRAM, 0).fd;
  t.is(k.sys_bind(pa, sa, sin6(k, "2001:db9::1", 4000)), 0);
  const sb = udp6(k, pb, 4000);
  t.is(k.sys_sendto(pa, sa, bytes("a"), 0, sin6(k, "2001:db8::2", 4000)).error, 0);
  k.kern_advance_ns(SEC / 100);
  t.is(entry(k, ifa, "2001:db8::2")?.state, k.ND6_LLINFO_INCOMPLETE);
  t.is(entry(k, ifb, "2001:db9::1"), null, "b ignored the solicitation");
  // b talks to a: its NS carries b's address; a's INCOMPLETE entry takes it
  // (STALE) and, having a packet to send, goes to DELAY.
  t.is(k.sys_sendto(pb, sb, bytes("b"), 0, sin6(k, "2001:db8::1", 4000)).error, 0);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(entry(k, ifa, "2001:db8::2"), { state: k.ND6_LLINFO_DELAY, asked: 0, router: 0, valid: true });
  t.is(entry(k, ifb, "2001:db8::1")?.state, k.ND6_LLINFO_REACHABLE);
  t.deepEqual(k.sys_recvfrom(pb, sb, 10, 0).data, bytes("a"), "the held packet went with the DELAY");
  // DELAY_FIRST_PROBE_TIME (nd6_delay, 5 s): PROBE, a unicast NS from
  // 2001:db8::1 this time, answered.
  k.kern_advance_ns(5 * SEC - SEC / 10);
  t.is(entry(k, ifa, "2001:db8::2")?.state, k.ND6_LLINFO_DELAY);
  k.kern_advance_ns(SEC / 5);
  t.deepEqual(entry(k, ifa, "2001:db8::2"), { state: k.ND6_LLINFO_REACHABLE, asked: 0, router: 0, valid: true });
  for (const p of [pa, pb]) k.proc_exit(p);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: no answer: nd6_mmaxtries solicitations a RetransTimer apart, the held packets dropped, Address Unreachable, the entry gone", async (t) => {
  const { k, pa, ifa } = await two_jails();
  const tx = udp6(k, pa);
  // Three packets for a host that is not there (nd6_maxqueuelen is 16).
  for (const s of ["1", "2", "3"]) t.is(k.sys_sendto(pa, tx, bytes(s), 0, sin6(k, "2001:db8::99", 4000)).error, 0);
  const e0 = entry(k, ifa, "2001:db8::99");
  t.deepEqual(e0, { state: k.ND6_LLINFO_INCOMPLETE, asked: 1, router: 0, valid: false });
  const unreach = () => {
    const r = k.kernel_sysctlbyname(pa.p_ucred, "net.inet6.icmp6.stats");
    return Array.isArray(r.value) ? r.value[k.icp6s_outhist + k.ICMP6_DST_UNREACH] : -1;
  };
  t.is(unreach(), 0);
  k.kern_advance_ns(SEC + SEC / 100);
  t.is(entry(k, ifa, "2001:db8::99")?.asked, 2);
  k.kern_advance_ns(SEC);
  t.is(entry(k, ifa, "2001:db8::99")?.asked, 3);
  k.kern_advance_ns(SEC);
  t.is(entry(k, ifa, "2001:db8::99"), null, "given up after nd6_mmaxtries");
  t.is(unreach(), 1, "one Address Unreachable, for the first held packet");
  k.proc_exit(pa);
  k.kern_advance_ns(SEC / 100);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("vimage: SIOCGIFINFO_IN6 / SIOCSIFINFO_IN6 through ndp -i: the defaults, basereachable, retrans, flags; an unknown interface", async (t) => {
  const { k } = await two_jails();
  let r = await run(k, ["jexec", "a", "ndp", "-i", "epair0a"]);
  t.is(r.status, 0, r.err);
  t.regex(r.out, /^linkmtu=0, maxmtu=1500, curhlim=64, basereachable=30s0ms, reachable=\d+s, retrans=1s0ms\nFlags: nud auto_linklocal \n$/);
  r = await run(k, ["jexec", "a", "ndp", "-i", "epair0a", "basereachable=20000", "retrans=2000", "accept_rtadv", "-nud"]);
  t.is(r.status, 0, r.err);
  t.regex(r.out, /^linkmtu=0, maxmtu=1500, curhlim=64, basereachable=20s0ms, reachable=\d+s, retrans=2s0ms\nFlags: accept_rtadv auto_linklocal \n$/);
  r = await run(k, ["jexec", "a", "ndp", "-i", "nosuch0"]);
  t.is(r.status, 1);
  t.is(r.err, "ndp: ioctl(SIOCGIFINFO_IN6): Device not configured\n");
});
