// netinet/ip_divert: divert(4) sockets in a router jail, driven from a
// small program of our own that reaches the kernel through system calls
// only (socket(PF_DIVERT), bind, poll, recvfrom, sendto), as natd does.
// ipfw's divert hands it the echo requests a LAN jail sends through the
// router, with the rule number in sin_port and the receiving interface in
// sin_addr and sin_zero; written back with that address they are
// reinjected after the rule and the replies come home.  tee gives the
// program a copy and forwards the original.  With nobody bound to the port
// the packets are dropped and counted in div_noport.  Also: the domain is
// there only while ipdivert is loaded, bind's errors, outbound
// reinjection, sockstat, and no mbuf left behind.
import test from "ava";
import { loadKernel, type Kernel } from "../helpers/builds.ts";

type Proc = ReturnType<Kernel["proc_create"]>;

/** a (10.0.0.1) -- r (10.0.0.254 on epair0b | 10.0.1.254 on epair1a) -- b
 *  (10.0.1.1); ipfw everywhere, a and b allowing all. */
const NET = `jail -c name=a persist vnet
jail -c name=r persist vnet
jail -c name=b persist vnet
ifconfig epair create
ifconfig epair create
ifconfig epair0a vnet a
ifconfig epair0b vnet r
ifconfig epair1a vnet r
ifconfig epair1b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec a route -q add default 10.0.0.254
jexec r ifconfig epair0b 10.0.0.254/24 up
jexec r ifconfig epair1a 10.0.1.254/24 up
jexec r sysctl -q net.inet.ip.forwarding=1
jexec b ifconfig epair1b 10.0.1.1/24 up
jexec b route -q add default 10.0.1.254
kldload ipfw ipdivert
jexec a ipfw -q add allow ip from any to any
jexec b ipfw -q add allow ip from any to any
`;

async function sh(k: Kernel, src: string): Promise<{ status: number; out: string }> {
  let out = "";
  const io = { stdin: "", stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (out += s) }, env: new Map<string, string>() };
  const root = k.proc_create(k.cred0, "sh");
  const status = await k.exec_prog(root, ["sh", "-c", src], io);
  k.proc_exit(root);
  return { status, out };
}

async function net(k: Kernel): Promise<void> {
  const r = await sh(k, NET.split("\n").filter((l) => l !== "").map((l) => `${l} >/dev/null`).join("\n"));
  if (r.status !== 0) throw new Error(r.out);
}

/** A process of its own in jail `name`. */
function jproc(k: Kernel, name: string, comm: string): Proc {
  const pr = k.prison_find_name(name);
  if (pr === null) throw new Error(`no jail ${name}`);
  const p = k.proc_create(k.cred0, comm);
  if (k.sys_jail_attach_proc(p, pr.pr_id) !== 0) throw new Error("jail_attach");
  return p;
}

/** A divert socket bound to port. */
function divert_socket(k: Kernel, p: Proc, port: number): number {
  const s = k.sys_socket(p, k.PF_DIVERT, k.SOCK_RAW, 0);
  if (s.error !== 0) throw new Error(`socket: ${k.strerror(s.error)}`);
  const e = k.sys_bind(p, s.fd, new k.sockaddr_in(0, port));
  if (e !== 0) throw new Error(`bind: ${k.strerror(e)}`);
  return s.fd;
}

interface seen {
  rule: number;
  addr: string;
  ifname: string;
  len: number;
}

/**
 * The program: read what arrives for `ms` virtual milliseconds; with
 * `reinject`, write each packet back with the address it came with.
 */
async function divert_loop(k: Kernel, p: Proc, fd: number, ms: number, reinject: boolean, log: seen[]): Promise<void> {
  const end = k.nanouptime_ns() + ms * 1e6;
  for (;;) {
    const left = end - k.nanouptime_ns();
    if (left <= 0) return;
    const w = await k.sys_poll(p, [{ fd, events: k.POLLIN, revents: 0 }], left);
    if (w.error !== 0 || w.n === 0) continue;
    const r = k.sys_recvfrom(p, fd, 65535, 0);
    if (r.error !== 0 || r.data === null || r.from === null || !("sin_addr" in r.from)) throw new Error(`recvfrom: ${r.error}`);
    const from = r.from;
    const z = from.sin_zero ?? new Uint8Array(8);
    const n = z.indexOf(0);
    // The rule is in the field in host format: what C reads without ntohs.
    const rule = ((from.sin_port & 0xff) << 8) | (from.sin_port >>> 8);
    log.push({ rule, addr: k.inet_ntoa(from.sin_addr), ifname: String.fromCharCode(...z.subarray(0, n < 0 ? 8 : n)), len: r.data.length });
    if (reinject) {
      const s = k.sys_sendto(p, fd, r.data, 0, from);
      if (s.error !== 0) throw new Error(`sendto: ${k.strerror(s.error)}`);
    }
  }
}

/** The end of a test: the process exits, the jails go; what is left. */
async function teardown(k: Kernel, p: Proc, more = ""): Promise<{ mbufs: number; clusters: number }> {
  k.proc_exit(p);
  await sh(k, `jail -r a r b\n${more}`);
  return k.mbuf_outstanding();
}

function divstat(k: Kernel, p: Proc): number[] {
  const r = k.kernel_sysctlbyname(p.p_ucred, "net.inet.divert.stats");
  if (!Array.isArray(r.value)) throw new Error("net.inet.divert.stats");
  return r.value as number[];
}

test.serial("divert: a router jail's program sees the echo requests and reinjects them; the replies arrive", async (t) => {
  const k = await loadKernel("vimage");
  await net(k);
  t.is((await sh(k, "jexec r ipfw -q add 100 divert 8668 icmp from any to any in via epair0b\njexec r ipfw -q add 200 allow ip from any to any")).status, 0);
  const p = jproc(k, "r", "divd");
  const fd = divert_socket(k, p, 8668);
  t.is(
    (await sh(k, "jexec r sockstat -4 -P divert")).out,
    "USER     COMMAND    PID   FD PROTO  LOCAL ADDRESS         FOREIGN ADDRESS      \n" + `root     divd       ${String(p.p_pid).padEnd(5)} ${fd}  div4   *:8668                *:*\n`,
  );
  const log: seen[] = [];
  const [ping] = await Promise.all([sh(k, "jexec a ping -c 3 -i 0.2 10.0.1.1 | grep transmitted"), divert_loop(k, p, fd, 2000, true, log)]);
  t.is(ping.out, "3 packets transmitted, 3 packets received, 0.0% packet loss\n");
  t.is(log.length, 3);
  for (const s of log) t.deepEqual(s, { rule: 100, addr: "10.0.0.254", ifname: "epair0b", len: 84 });
  t.deepEqual(divstat(k, p), [3, 0, 0, 3]);
  // The reinjected requests went on from rule 200, so 100 counted each
  // once; 200 saw them in (reinjected) and out, and the replies in and out.
  const show = await sh(k, "jexec r ipfw show 100 200");
  t.is(show.out, "00100  3  252 divert 8668 icmp from any to any in via epair0b\n00200 12 1008 allow ip from any to any\n");
  t.is(k.sys_close(p, fd), 0);
  t.deepEqual(await teardown(k, p, "kldunload ipdivert ipfw"), { mbufs: 0, clusters: 0 });
});

test.serial("tee: the program gets a copy and the original goes on", async (t) => {
  const k = await loadKernel("vimage");
  await net(k);
  await sh(k, "jexec r ipfw -q add 100 tee 8668 icmp from any to any\njexec r ipfw -q add 200 allow ip from any to any");
  const p = jproc(k, "r", "teed");
  const fd = divert_socket(k, p, 8668);
  const log: seen[] = [];
  const [ping] = await Promise.all([sh(k, "jexec a ping -c 2 -i 0.2 10.0.1.1 | grep transmitted"), divert_loop(k, p, fd, 1500, false, log)]);
  t.is(ping.out, "2 packets transmitted, 2 packets received, 0.0% packet loss\n");
  // Requests in on epair0b and out on epair1a, replies in on epair1a and
  // out on epair0b: each crossing is a copy; outbound ones carry no
  // address but still name the interface they came in on.
  t.is(log.length, 8);
  t.deepEqual(
    log.slice(0, 4).map((s) => `${s.addr} ${s.ifname}`),
    ["10.0.0.254 epair0b", "0.0.0.0 epair0b", "10.0.1.254 epair1a", "0.0.0.0 epair1a"],
  );
  t.deepEqual(divstat(k, p), [8, 0, 0, 0]);
  k.sys_close(p, fd);
  t.deepEqual(await teardown(k, p), { mbufs: 0, clusters: 0 });
});

test.serial("nobody on the port: the packets are dropped and counted in div_noport", async (t) => {
  const k = await loadKernel("vimage");
  await net(k);
  await sh(k, "jexec r ipfw -q add 100 divert 8668 icmp from any to any\njexec r ipfw -q add 200 allow ip from any to any");
  const ping = await sh(k, "jexec a ping -c 2 -i 0.2 -t 2 10.0.1.1 | grep transmitted");
  t.is(ping.out, "2 packets transmitted, 0 packets received, 100.0% packet loss\n");
  const p = jproc(k, "r", "stat");
  t.deepEqual(divstat(k, p), [0, 2, 0, 0]);
  t.deepEqual(await teardown(k, p), { mbufs: 0, clusters: 0 });
});

test.serial("the domain, bind and send errors, outbound reinjection, unload", async (t) => {
  const k = await loadKernel("vimage");
  await net(k);
  const p = jproc(k, "a", "t");
  // Loaded: PF_DIVERT exists.  Ports are exclusive; only AF_INET names.
  const fd = divert_socket(k, p, 7000);
  const s2 = k.sys_socket(p, k.PF_DIVERT, k.SOCK_RAW, 0);
  t.is(k.sys_bind(p, s2.fd, new k.sockaddr_in(0, 7000)), k.EADDRINUSE);
  t.is(k.sys_bind(p, s2.fd, new k.sockaddr_in6()), k.EAFNOSUPPORT);
  t.is(k.sys_socket(p, k.PF_DIVERT, k.SOCK_DGRAM, 0).error, k.EPROTOTYPE);
  // Too short for an IP header; not IPv4 or IPv6; a length beyond the data.
  t.is(k.sys_sendto(p, fd, new Uint8Array(10), 0, new k.sockaddr_in()).error, k.EINVAL);
  t.is(k.sys_sendto(p, fd, new Uint8Array(20).fill(0x55), 0, new k.sockaddr_in()).error, k.EAFNOSUPPORT);
  const echo = new Uint8Array([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 1, 1, 8, 0, 0xf7, 0xfe, 0, 1, 0, 0]);
  const longer = echo.slice();
  longer[3] = 29;
  t.is(k.sys_sendto(p, fd, longer, 0, new k.sockaddr_in()).error, k.EINVAL);
  // Inbound to an address nobody has.
  t.is(k.sys_sendto(p, fd, echo, 0, new k.sockaddr_in(k.inet_aton("192.0.2.9") ?? 0, 0)).error, k.EADDRNOTAVAIL);
  // Outbound: ip_output sends it to b through the router; b answers a.
  await sh(k, "jexec r ipfw -q add allow ip from any to any");
  t.deepEqual(k.sys_sendto(p, fd, echo, 0, new k.sockaddr_in()), { error: 0, len: 28 });
  await sh(k, "sleep 0.1");
  t.deepEqual(divstat(k, p), [0, 0, 1, 0]);
  const icmp = await sh(k, "jexec b netstat -s -p icmp | grep -A3 'Input histogram'");
  t.regex(icmp.out, /echo: 1\n/);
  k.sys_close(p, fd);
  k.sys_close(p, s2.fd);
  // Busy while a socket is open in the vnet that unloads (as FreeBSD's,
  // the only one it looks at): a forced unload still says so.
  const p0 = k.proc_create(k.cred0, "t0");
  const fd0 = divert_socket(k, p0, 7001);
  t.regex((await sh(k, "kldunload -f ipdivert")).out, /Device busy/);
  k.sys_close(p0, fd0);
  k.proc_exit(p0);
  t.regex((await sh(k, "kldunload ipdivert")).out, /Operation not permitted/);
  t.is((await sh(k, "kldunload -f ipdivert")).status, 0);
  t.is(k.sys_socket(p, k.PF_DIVERT, k.SOCK_RAW, 0).error, k.EAFNOSUPPORT);
  t.regex((await sh(k, "jexec r ipfw add divert 1 ip from any to any")).out, /Invalid argument/);
  t.deepEqual(await teardown(k, p), { mbufs: 0, clusters: 0 });
});

test.serial("the old way, socket(PF_INET, SOCK_RAW, IPPROTO_DIVERT), still makes a divert socket, with a line in the message buffer", async (t) => {
  const k = await loadKernel("vimage");
  await net(k);
  await sh(k, "jexec r ipfw -q add 100 divert 8668 icmp from any to any\njexec r ipfw -q add 200 allow ip from any to any");
  const p = jproc(k, "r", "olddivert");
  const s = k.sys_socket(p, k.PF_INET, k.SOCK_RAW, k.IPPROTO_DIVERT);
  t.is(s.error, 0);
  t.is(k.sys_bind(p, s.fd, new k.sockaddr_in(0, 8668)), 0);
  t.regex((await sh(k, "dmesg")).out, /^olddivert uses obsolete way to create divert\(4\) socket$/m);
  // It is PF_DIVERT's: the diverted echo requests reach it.
  const log: seen[] = [];
  const loop = divert_loop(k, p, s.fd, 1500, true, log);
  const ping = await sh(k, "jexec a ping -c 1 10.0.1.1 | grep transmitted");
  await loop;
  t.is(ping.out, "1 packets transmitted, 1 packets received, 0.0% packet loss\n");
  // The request and the reply, each coming in and going out of r.
  t.deepEqual(log.map((l) => l.rule), [100, 100, 100, 100]);
  // Another raw protocol number of 256 and up is still refused.
  t.is(k.sys_socket(p, k.PF_INET, k.SOCK_RAW, 259).error, k.EPROTONOSUPPORT);
  k.sys_close(p, s.fd);
  // Without the module there is no divert domain to turn to.
  t.is((await sh(k, "kldunload -f ipdivert")).status, 0);
  t.is(k.sys_socket(p, k.PF_INET, k.SOCK_RAW, k.IPPROTO_DIVERT).error, k.EAFNOSUPPORT);
  t.deepEqual(await teardown(k, p), { mbufs: 0, clusters: 0 });
});

test.serial("IPv6: diverted ICMPv6 echo requests go back in by the interface named in sin_zero", async (t) => {
  const k = await loadKernel("vimage");
  await net(k);
  const v6 = `jexec a ifconfig epair0a inet6 2001:db8:0::1/64 no_dad
jexec a route -q -6 add default 2001:db8:0::fe
jexec r ifconfig epair0b inet6 2001:db8:0::fe/64 no_dad
jexec r ifconfig epair1a inet6 2001:db8:1::fe/64 no_dad
jexec r sysctl -q net.inet6.ip6.forwarding=1
jexec b ifconfig epair1b inet6 2001:db8:1::1/64 no_dad
jexec b route -q -6 add default 2001:db8:1::fe
jexec r ipfw -q add 100 divert 8668 ipv6-icmp from any to any icmp6types 128 in via epair0b
jexec r ipfw -q add 200 allow ip from any to any`;
  const set = await sh(k, v6);
  t.is(set.status, 0, set.out);
  const p = jproc(k, "r", "divd6");
  const fd = divert_socket(k, p, 8668);
  const log: seen[] = [];
  const [ping] = await Promise.all([sh(k, "jexec a ping -6 -c 2 -i 0.2 2001:db8:1::1 | grep transmitted"), divert_loop(k, p, fd, 2000, true, log)]);
  t.is(ping.out, "2 packets transmitted, 2 packets received, 0.0% packet loss\n");
  // An IPv6 packet's source still names the interface's IPv4 address.
  t.deepEqual(
    log.map((s) => `${s.rule} ${s.addr} ${s.ifname} ${s.len}`),
    ["100 10.0.0.254 epair0b 56", "100 10.0.0.254 epair0b 56"],
  );
  t.deepEqual(divstat(k, p), [2, 0, 0, 2]);
  k.sys_close(p, fd);
  t.deepEqual(await teardown(k, p), { mbufs: 0, clusters: 0 });
});
