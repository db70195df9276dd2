// netinet/libalias: LibAliasOut/LibAliasIn on crafted ICMP, UDP and TCP
// packets (addresses, ports and ids rewritten, every checksum still valid),
// redirect_port/addr/proto letting packets in, deny_in refusing them,
// unregistered-only, the port range, TCP sequence/ACK shifts, ICMP errors
// quoting an aliased datagram, links expiring on the virtual clock, the
// same ports for the same seed, and random packets never breaking anything.
import test from "ava";
import fc from "fast-check";
import { loadKernel, type Kernel } from "../../helpers/builds.ts";
import type { libalias } from "../../../netinet/libalias/alias_local.ts";

const BUF = 2048;

function a4(s: string): number {
  const p = s.split(".").map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** RFC 1071 over bytes [start, end), with an optional 32-bit sum to add. */
function cksum(b: Uint8Array, start: number, end: number, add = 0): number {
  let sum = add;
  for (let i = start; i < end; i += 2) sum += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

interface Pkt {
  b: Uint8Array;
  dv: DataView;
}

function ipv4(proto: number, src: string, dst: string, l4: Uint8Array, opts: { id?: number; off?: number } = {}): Pkt {
  const b = new Uint8Array(BUF);
  const dv = new DataView(b.buffer);
  const len = 20 + l4.length;
  b[0] = 0x45;
  dv.setUint16(2, len);
  dv.setUint16(4, opts.id ?? 0x1234);
  dv.setUint16(6, opts.off ?? 0);
  b[8] = 64;
  b[9] = proto;
  dv.setUint32(12, a4(src));
  dv.setUint32(16, a4(dst));
  dv.setUint16(10, cksum(b, 0, 20));
  b.set(l4, 20);
  return { b, dv };
}

function pseudo(p: Pkt): number {
  const len = p.dv.getUint16(2) - 20;
  return (p.dv.getUint16(12) + p.dv.getUint16(14) + p.dv.getUint16(16) + p.dv.getUint16(18) + p.b[9] + len) >>> 0;
}

/** Fill in the L4 checksum of a built packet (ICMP: no pseudo-header). */
function seal(p: Pkt): Pkt {
  const len = p.dv.getUint16(2);
  const proto = p.b[9];
  const off = proto === 1 ? 22 : proto === 17 ? 26 : 36;
  p.dv.setUint16(off, 0);
  p.dv.setUint16(off, proto === 1 ? cksum(p.b, 20, len) : cksum(p.b, 20, len, pseudo(p)));
  return p;
}

function ip_ok(p: Pkt): boolean {
  return cksum(p.b, 0, 20) === 0;
}
function l4_ok(p: Pkt): boolean {
  const len = p.dv.getUint16(2);
  const proto = p.b[9];
  if (proto === 1) return cksum(p.b, 20, len) === 0;
  if (proto === 17 && p.dv.getUint16(26) === 0) return true;
  return cksum(p.b, 20, len, pseudo(p)) === 0;
}

function icmp_echo(type: number, id: number, seq: number, data = 16): Uint8Array {
  const m = new Uint8Array(8 + data);
  m[0] = type;
  new DataView(m.buffer).setUint16(4, id);
  new DataView(m.buffer).setUint16(6, seq);
  for (let i = 0; i < data; i++) m[8 + i] = i;
  return m;
}
function udp(sport: number, dport: number, data = 11): Uint8Array {
  const m = new Uint8Array(8 + data);
  const dv = new DataView(m.buffer);
  dv.setUint16(0, sport);
  dv.setUint16(2, dport);
  dv.setUint16(4, 8 + data);
  for (let i = 0; i < data; i++) m[8 + i] = 0x41 + i;
  return m;
}
function tcp(sport: number, dport: number, flags: number, seq = 1000, ack = 0, data = 0): Uint8Array {
  const m = new Uint8Array(20 + data);
  const dv = new DataView(m.buffer);
  dv.setUint16(0, sport);
  dv.setUint16(2, dport);
  dv.setUint32(4, seq);
  dv.setUint32(8, ack);
  m[12] = 5 << 4;
  m[13] = flags;
  dv.setUint16(14, 65535);
  for (let i = 0; i < data; i++) m[20 + i] = i;
  return m;
}

const ALIAS = "203.0.113.1";
const PRIV = "10.0.0.2";
const PUB = "198.51.100.7";

let kernel: Kernel | null = null;
/** One kernel for the file (loading one is the slow part); each test makes
 *  its own instance, and reseeds the generator where ports matter. */
async function setup(seed = 0, mode?: number): Promise<{ k: Kernel; la: libalias }> {
  if (kernel === null) kernel = await loadKernel("vimage", seed);
  const k = kernel;
  k.arc4random_seed(seed);
  const la = k.LibAliasInit(null);
  k.LibAliasSetAddress(la, a4(ALIAS));
  if (mode !== undefined) k.LibAliasSetMode(la, mode, ~0);
  return { k, la };
}

const out = (k: Kernel, la: libalias, p: Pkt): number => k.LibAliasOut(la, p.dv, 0, BUF);
const inn = (k: Kernel, la: libalias, p: Pkt): number => k.LibAliasIn(la, p.dv, 0, BUF);

test.serial("ICMP echo: source and id aliased out, the reply restored in, checksums valid", async (t) => {
  const { k, la } = await setup(0, 0);
  const req = seal(ipv4(1, PRIV, PUB, icmp_echo(8, 0x4242, 1)));
  t.is(out(k, la, req), k.PKT_ALIAS_OK);
  t.is(req.dv.getUint32(12), a4(ALIAS));
  const aid = req.dv.getUint16(24);
  t.true(aid >= 0x8000, `alias id ${aid} from the default range`);
  t.true(ip_ok(req) && l4_ok(req));
  t.is(la.icmpLinkCount, 1);

  const rep = seal(ipv4(1, PUB, ALIAS, icmp_echo(0, aid, 1)));
  t.is(inn(k, la, rep), k.PKT_ALIAS_OK);
  t.is(rep.dv.getUint32(16), a4(PRIV));
  t.is(rep.dv.getUint16(24), 0x4242);
  t.true(ip_ok(rep) && l4_ok(rep));
  k.LibAliasUninit(la);
});

test.serial("UDP: same_ports keeps the port, otherwise one from the range; the reply comes back; zero checksum stays zero", async (t) => {
  const { k, la } = await setup(0, k_mode_same_ports());
  const p = seal(ipv4(17, PRIV, PUB, udp(5353, 53)));
  t.is(out(k, la, p), k.PKT_ALIAS_OK);
  t.is(p.dv.getUint16(20), 5353);
  t.is(p.dv.getUint32(12), a4(ALIAS));
  t.true(ip_ok(p) && l4_ok(p));

  k.LibAliasSetMode(la, 0, ~0);
  const q = seal(ipv4(17, PRIV, PUB, udp(7000, 53)));
  t.is(out(k, la, q), k.PKT_ALIAS_OK);
  const ap = q.dv.getUint16(20);
  t.true(ap >= 0x8000 && ap <= 0xffff);
  t.true(ip_ok(q) && l4_ok(q));

  const r = seal(ipv4(17, PUB, ALIAS, udp(53, ap)));
  t.is(inn(k, la, r), k.PKT_ALIAS_OK);
  t.is(r.dv.getUint32(16), a4(PRIV));
  t.is(r.dv.getUint16(22), 7000);
  t.true(ip_ok(r) && l4_ok(r));

  const z = ipv4(17, PRIV, PUB, udp(7001, 53));
  t.is(out(k, la, z), k.PKT_ALIAS_OK);
  t.is(z.dv.getUint16(26), 0);
  t.true(ip_ok(z));
  t.is(la.udpLinkCount, 3);
  k.LibAliasUninit(la);
});

function k_mode_same_ports(): number {
  return 0x04;
}

test.serial("TCP: ports and addresses rewritten both ways, the state machine sets the link's timeout", async (t) => {
  const { k, la } = await setup(0, 0);
  const syn = seal(ipv4(6, PRIV, PUB, tcp(40000, 80, 0x02, 1000)));
  t.is(out(k, la, syn), k.PKT_ALIAS_OK);
  const ap = syn.dv.getUint16(20);
  t.true(ip_ok(syn) && l4_ok(syn));
  const lnk = k.LibAliasLinks(la)[0];
  t.is(lnk.expire_time, k.TCP_EXPIRE_INITIAL);

  const synack = seal(ipv4(6, PUB, ALIAS, tcp(80, ap, 0x12, 5000, 1001)));
  t.is(inn(k, la, synack), k.PKT_ALIAS_OK);
  t.is(synack.dv.getUint32(16), a4(PRIV));
  t.is(synack.dv.getUint16(22), 40000);
  t.true(ip_ok(synack) && l4_ok(synack));
  t.is(lnk.expire_time, k.TCP_EXPIRE_CONNECTED);

  const fin = seal(ipv4(6, PRIV, PUB, tcp(40000, 80, 0x11, 1001, 5001, 3)));
  t.is(out(k, la, fin), k.PKT_ALIAS_OK);
  t.true(ip_ok(fin) && l4_ok(fin));
  t.is(lnk.expire_time, k.TCP_EXPIRE_SINGLEDEAD);
  const fin2 = seal(ipv4(6, PUB, ALIAS, tcp(80, ap, 0x11, 5001, 1005)));
  t.is(inn(k, la, fin2), k.PKT_ALIAS_OK);
  t.is(lnk.expire_time, k.TCP_EXPIRE_DEAD);
  k.LibAliasUninit(la);
});

test.serial("TCP sequence and ACK shifts (AddSeq) are applied out and undone in, checksums valid", async (t) => {
  const { k, la } = await setup(0, 0);
  const s1 = seal(ipv4(6, PRIV, PUB, tcp(40001, 21, 0x18, 1000, 1, 10)));
  t.is(out(k, la, s1), k.PKT_ALIAS_OK);
  const ap = s1.dv.getUint16(20);
  const lnk = k.LibAliasLinks(la)[0];
  // As a module would after growing that segment by 7 bytes:
  k.AddSeq(lnk, 7, 5, 50, 1000, 5);
  k.SetAckModified(lnk);
  const s2 = seal(ipv4(6, PRIV, PUB, tcp(40001, 21, 0x18, 1010, 1, 4)));
  t.is(out(k, la, s2), k.PKT_ALIAS_OK);
  t.is(s2.dv.getUint32(24), 1017);
  t.true(ip_ok(s2) && l4_ok(s2));
  const a = seal(ipv4(6, PUB, ALIAS, tcp(21, ap, 0x10, 1, 1021)));
  t.is(inn(k, la, a), k.PKT_ALIAS_OK);
  t.is(a.dv.getUint32(28), 1014);
  t.true(ip_ok(a) && l4_ok(a));
  k.LibAliasUninit(la);
});

test.serial("redirect_port lets a connection in and its replies leave from the public port; deny_in refuses the rest", async (t) => {
  const { k, la } = await setup(0, 0x02);
  const r = k.LibAliasRedirectPort(la, a4("10.0.0.5"), 80, 0, 0, a4(ALIAS), 8080, 6);
  t.not(r, null);
  const syn = seal(ipv4(6, PUB, ALIAS, tcp(33000, 8080, 0x02)));
  t.is(inn(k, la, syn), k.PKT_ALIAS_OK);
  t.is(syn.dv.getUint32(16), a4("10.0.0.5"));
  t.is(syn.dv.getUint16(22), 80);
  t.true(ip_ok(syn) && l4_ok(syn));
  const synack = seal(ipv4(6, "10.0.0.5", PUB, tcp(80, 33000, 0x12)));
  t.is(out(k, la, synack), k.PKT_ALIAS_OK);
  t.is(synack.dv.getUint32(12), a4(ALIAS));
  t.is(synack.dv.getUint16(20), 8080);
  t.true(ip_ok(synack) && l4_ok(synack));

  // Nothing expects this one: ignored, and no link made for it.
  const before = la.udpLinkCount;
  const stray = seal(ipv4(17, PUB, ALIAS, udp(999, 4444)));
  const copy = stray.b.slice(0, 40);
  t.is(inn(k, la, stray), k.PKT_ALIAS_IGNORED);
  t.deepEqual(stray.b.slice(0, 40), copy);
  t.is(la.udpLinkCount, before);
  const ping = seal(ipv4(1, PUB, ALIAS, icmp_echo(8, 7, 1)));
  t.is(inn(k, la, ping), k.PKT_ALIAS_IGNORED);

  // Without deny_in an unexpected datagram gets a link to the alias address.
  k.LibAliasSetMode(la, 0, 0x02);
  const s2 = seal(ipv4(17, PUB, ALIAS, udp(999, 4444)));
  t.is(inn(k, la, s2), k.PKT_ALIAS_OK);
  t.is(la.udpLinkCount, before + 1);

  // Deleting the redirect closes the door (the dynamic link of the
  // connection it let in stays until it expires).
  k.LibAliasRedirectDelete(la, r as NonNullable<typeof r>);
  k.LibAliasSetMode(la, 0x02, 0x02);
  const syn2 = seal(ipv4(6, "198.51.100.8", ALIAS, tcp(33001, 8080, 0x02)));
  t.is(inn(k, la, syn2), k.PKT_ALIAS_IGNORED);
  k.LibAliasUninit(la);
});

test.serial("redirect_addr and redirect_proto", async (t) => {
  const { k, la } = await setup(0, 0);
  k.LibAliasRedirectAddr(la, a4("10.0.0.7"), a4("203.0.113.7"));
  k.LibAliasRedirectProto(la, a4("10.0.0.9"), 0, a4(ALIAS), 47);
  const o = seal(ipv4(17, "10.0.0.7", PUB, udp(1234, 53)));
  t.is(out(k, la, o), k.PKT_ALIAS_OK);
  t.is(o.dv.getUint32(12), a4("203.0.113.7"));
  t.true(ip_ok(o) && l4_ok(o));
  const i = seal(ipv4(6, PUB, "203.0.113.7", tcp(5555, 22, 0x02)));
  t.is(inn(k, la, i), k.PKT_ALIAS_OK);
  t.is(i.dv.getUint32(16), a4("10.0.0.7"));
  t.is(i.dv.getUint16(22), 22);
  t.true(ip_ok(i) && l4_ok(i));
  const gre = ipv4(47, PUB, ALIAS, new Uint8Array(8));
  t.is(inn(k, la, gre), k.PKT_ALIAS_OK);
  t.is(gre.dv.getUint32(16), a4("10.0.0.9"));
  t.true(ip_ok(gre));
  k.LibAliasUninit(la);
});

test.serial("an ICMP error quoting an aliased datagram is un-aliased, and the other way round", async (t) => {
  const { k, la } = await setup(0, 0);
  const d = seal(ipv4(17, PRIV, PUB, udp(6000, 9)));
  t.is(out(k, la, d), k.PKT_ALIAS_OK);
  const quoted = d.b.slice(0, 28);
  const icmp = new Uint8Array(8 + 28);
  icmp[0] = 3;
  icmp[1] = 3;
  icmp.set(quoted, 8);
  const e = seal(ipv4(1, PUB, ALIAS, icmp));
  t.is(inn(k, la, e), k.PKT_ALIAS_OK);
  t.is(e.dv.getUint32(16), a4(PRIV));
  t.is(e.dv.getUint32(28 + 12), a4(PRIV));
  t.is(e.dv.getUint16(48), 6000);
  // (The quoted header's own checksum is adjusted by the address and the
  // port change together, as FreeBSD does; only the ICMP checksum counts.)
  t.true(ip_ok(e) && l4_ok(e));

  // An error from inside about a datagram a redirect let in.
  k.LibAliasRedirectPort(la, a4("10.0.0.5"), 69, 0, 0, a4(ALIAS), 69, 17);
  const inbound = seal(ipv4(17, PUB, ALIAS, udp(7777, 69)));
  t.is(inn(k, la, inbound), k.PKT_ALIAS_OK);
  const icmp2 = new Uint8Array(8 + 28);
  icmp2[0] = 3;
  icmp2[1] = 3;
  icmp2.set(inbound.b.slice(0, 28), 8);
  const e2 = seal(ipv4(1, "10.0.0.5", PUB, icmp2));
  t.is(out(k, la, e2), k.PKT_ALIAS_OK);
  t.is(e2.dv.getUint32(12), a4(ALIAS));
  t.is(e2.dv.getUint32(28 + 16), a4(ALIAS));
  t.true(ip_ok(e2) && l4_ok(e2));
  k.LibAliasUninit(la);
});

test.serial("unreg_only aliases private sources only; unreg_cgn adds 100.64/10", async (t) => {
  const { k, la } = await setup(0, 0x10);
  const pub = seal(ipv4(17, "192.0.2.9", PUB, udp(1000, 53)));
  t.is(out(k, la, pub), k.PKT_ALIAS_OK);
  t.is(pub.dv.getUint32(12), a4("192.0.2.9"));
  const cgn = seal(ipv4(17, "100.64.1.1", PUB, udp(1000, 53)));
  out(k, la, cgn);
  t.is(cgn.dv.getUint32(12), a4("100.64.1.1"));
  for (const s of ["10.1.2.3", "172.16.0.1", "192.168.7.7"]) {
    const p = seal(ipv4(17, s, PUB, udp(1000, 53)));
    t.is(out(k, la, p), k.PKT_ALIAS_OK);
    t.is(p.dv.getUint32(12), a4(ALIAS), s);
  }
  k.LibAliasSetMode(la, 0x400, ~0);
  const cgn2 = seal(ipv4(17, "100.64.1.2", PUB, udp(1000, 53)));
  out(k, la, cgn2);
  t.is(cgn2.dv.getUint32(12), a4(ALIAS));
  k.LibAliasUninit(la);
});

test.serial("the port range bounds the alias ports; the same seed gives the same ports", async (t) => {
  const ports = async (seed: number): Promise<number[]> => {
    const { k, la } = await setup(seed, 0);
    k.LibAliasSetAliasPortRange(la, 20000, 20009);
    const got: number[] = [];
    for (let i = 0; i < 8; i++) {
      const p = seal(ipv4(17, PRIV, PUB, udp(3000 + i, 53)));
      t.is(out(k, la, p), k.PKT_ALIAS_OK);
      got.push(p.dv.getUint16(20));
    }
    k.LibAliasUninit(la);
    return got;
  };
  const a = await ports(7);
  t.true(a.every((p) => p >= 20000 && p <= 20009));
  t.deepEqual(await ports(7), a);
  t.notDeepEqual(await ports(8), a);
});

test.serial("links expire on the virtual clock (UDP 60 s); permanent ones stay; reset drops links on an address change", async (t) => {
  const { k, la } = await setup(0, 0x20);
  k.LibAliasRedirectPort(la, a4("10.0.0.5"), 53, 0, 0, 0, 53, 17);
  const p = seal(ipv4(17, PRIV, PUB, udp(4000, 53)));
  t.is(out(k, la, p), k.PKT_ALIAS_OK);
  t.is(la.udpLinkCount, 2);
  k.kern_advance_ns(61e9);
  // libalias samples the clock every so many packets, and expires links a
  // few at a time: keep packets flowing (to another host) for a while.
  for (let i = 0; i < 2000 && k.LibAliasLinks(la).some((l) => l.src_port === 4000); i++) {
    const q = seal(ipv4(1, "10.0.0.3", PUB, icmp_echo(8, 1, i)));
    out(k, la, q);
  }
  t.false(k.LibAliasLinks(la).some((l) => l.src_port === 4000), "the dynamic UDP link expired");
  t.true(k.LibAliasLinks(la).some((l) => l.alias_port === 53), "the redirect stays");
  // A reply to the expired link is not translated any more.
  const late = seal(ipv4(17, PUB, ALIAS, udp(53, p.dv.getUint16(20))));
  k.LibAliasSetMode(la, 0x02, 0x02);
  t.is(inn(k, la, late), k.PKT_ALIAS_IGNORED);

  const q = seal(ipv4(17, PRIV, PUB, udp(4001, 53)));
  out(k, la, q);
  t.is(la.udpLinkCount, 2);
  k.LibAliasSetAddress(la, a4("203.0.113.2"));
  t.is(la.udpLinkCount, 1, "reset: the dynamic links went with the old address");
  k.LibAliasUninit(la);
  t.is(la.udpLinkCount + la.icmpLinkCount + la.tcpLinkCount, 0);
});

test.serial("log mode keeps the statistics line", async (t) => {
  const { k, la } = await setup(0, 0x01);
  t.is(la.logDesc, "");
  out(k, la, seal(ipv4(1, PRIV, PUB, icmp_echo(8, 9, 1))));
  out(k, la, seal(ipv4(17, PRIV, PUB, udp(1, 2))));
  t.is(la.logDesc, "icmp=1, udp=1, tcp=0, sctp=0, pptp=0, proto=0, frag_id=0 frag_ptr=0 / tot=2");
  k.LibAliasSetMode(la, 0, 0x01);
  t.is(la.logDesc, null);
  k.LibAliasUninit(la);
});

test.serial("fragments: the header fragment's translation carries over to the rest", async (t) => {
  const { k, la } = await setup(0, 0);
  const p = seal(ipv4(17, PRIV, PUB, udp(4500, 53)));
  out(k, la, p);
  const ap = p.dv.getUint16(20);
  // The reply in two pieces: a header fragment (MF) and a trailing one.
  const h = ipv4(17, PUB, ALIAS, udp(53, ap, 16), { id: 77, off: 0x2000 });
  h.dv.setUint16(24, 8 + 32);
  h.dv.setUint16(10, 0);
  h.dv.setUint16(10, cksum(h.b, 0, 20));
  t.is(inn(k, la, h), k.PKT_ALIAS_FOUND_HEADER_FRAGMENT);
  t.is(h.dv.getUint32(16), a4(PRIV));
  const f = ipv4(17, PUB, ALIAS, new Uint8Array(16), { id: 77, off: 3 });
  t.is(inn(k, la, f), k.PKT_ALIAS_OK);
  t.is(f.dv.getUint32(16), a4(PRIV));
  t.true(ip_ok(f));
  const g = ipv4(17, PUB, ALIAS, new Uint8Array(16), { id: 78, off: 3 });
  t.is(inn(k, la, g), k.PKT_ALIAS_UNRESOLVED_FRAGMENT);
  k.LibAliasUninit(la);
});

test.serial("property: random packets through LibAliasOut/In never throw and keep valid checksums valid", async (t) => {
  const { k, la } = await setup(0, 0);
  k.LibAliasRedirectPort(la, a4("10.0.0.5"), 80, 0, 0, a4(ALIAS), 8080, 6);
  // (0.0.0.0 only as a source: libalias adjusts the checksum of a datagram
  // to 0.0.0.0 from the default alias address, as FreeBSD's does.)
  const addr = fc.constantFrom(PRIV, PUB, ALIAS, "10.0.0.5", "192.0.2.1");
  const saddr = fc.constantFrom(PRIV, PUB, ALIAS, "10.0.0.5", "192.0.2.1", "0.0.0.0");
  const arb = fc.record({
    proto: fc.constantFrom(1, 6, 17, 47, 132, 0),
    src: saddr,
    dst: addr,
    body: fc.uint8Array({ minLength: 0, maxLength: 80 }),
    dir: fc.boolean(),
    seal: fc.boolean(),
    off: fc.constantFrom(0, 0x2000, 0x0003, 0x4000),
    lenfuzz: fc.integer({ min: -30, max: 30 }),
    hl: fc.integer({ min: 0, max: 15 }),
  });
  fc.assert(
    fc.property(arb, (r) => {
      const p = ipv4(r.proto, r.src, r.dst, r.body, { off: r.off });
      const sealed = r.seal && r.body.length >= (r.proto === 1 ? 8 : r.proto === 17 ? 8 : r.proto === 6 ? 20 : 0) && (r.proto === 1 || r.proto === 6 || r.proto === 17);
      if (sealed) {
        if (r.proto === 17) p.dv.setUint16(24, r.body.length);
        if (r.proto === 6) p.b[32] = 5 << 4;
        seal(p);
      } else {
        // Mangled: wrong lengths, header lengths, anything.
        p.dv.setUint16(2, Math.max(0, p.dv.getUint16(2) + r.lenfuzz));
        p.b[0] = 0x40 | r.hl;
      }
      const ipgood = ip_ok(p);
      // (A later fragment has no L4 header to keep valid.)
      const l4good = sealed && (r.off & 0x1fff) === 0 && l4_ok(p);
      const res = r.dir ? k.LibAliasIn(la, p.dv, 0, BUF) : k.LibAliasOut(la, p.dv, 0, BUF);
      if (![k.PKT_ALIAS_OK, k.PKT_ALIAS_IGNORED, k.PKT_ALIAS_ERROR, k.PKT_ALIAS_UNRESOLVED_FRAGMENT, k.PKT_ALIAS_FOUND_HEADER_FRAGMENT].includes(res)) return false;
      if (ipgood && !ip_ok(p)) return false;
      if (l4good && !l4_ok(p)) return false;
      return true;
    }),
    { numRuns: 3000 },
  );
  k.LibAliasUninit(la);
  t.pass();
});

test.serial("LSNAT: a redirect_port pool hands connections to its servers in turn", async (t) => {
  const { k, la } = await setup(0, 0);
  const r = k.LibAliasRedirectPort(la, 0xffffffff, 0xffff, 0, 0, a4(ALIAS), 80, 6);
  t.not(r, null);
  const lnk = r as NonNullable<typeof r>;
  k.LibAliasAddServer(la, lnk, a4("10.0.0.11"), 8001);
  k.LibAliasAddServer(la, lnk, a4("10.0.0.12"), 8002);
  const got: string[] = [];
  for (let i = 0; i < 3; i++) {
    const syn = seal(ipv4(6, PUB, ALIAS, tcp(30000 + i, 80, 0x02)));
    t.is(inn(k, la, syn), k.PKT_ALIAS_OK);
    t.true(ip_ok(syn) && l4_ok(syn));
    got.push(`${syn.dv.getUint32(16) & 0xff}:${syn.dv.getUint16(22)}`);
  }
  // (The pool starts at the server added last, as FreeBSD's does.)
  t.deepEqual(got, ["12:8002", "11:8001", "12:8002"]);
  k.LibAliasUninit(la);
});

test.serial("reverse swaps the directions; proxy_only translates nothing", async (t) => {
  const { k, la } = await setup(0, 0x80);
  // LibAliasIn now aliases: the "outside" is where In packets come from.
  const p = seal(ipv4(17, PRIV, PUB, udp(5000, 53)));
  t.is(inn(k, la, p), k.PKT_ALIAS_OK);
  t.is(p.dv.getUint32(12), a4(ALIAS));
  t.true(ip_ok(p) && l4_ok(p));
  k.LibAliasSetMode(la, 0x40, ~0);
  const q = seal(ipv4(17, PRIV, PUB, udp(5001, 53)));
  const before = q.b.slice(0, 40);
  t.is(out(k, la, q), k.PKT_ALIAS_OK);
  t.deepEqual(q.b.slice(0, 40), before);
  k.LibAliasUninit(la);
});

test.serial("natd's fragment store: a fragment that comes first waits for its header fragment", async (t) => {
  const { k, la } = await setup(0, 0);
  const p = seal(ipv4(17, PRIV, PUB, udp(4600, 53)));
  out(k, la, p);
  const ap = p.dv.getUint16(20);
  const f = ipv4(17, PUB, ALIAS, new Uint8Array(16), { id: 99, off: 3 });
  t.is(inn(k, la, f), k.PKT_ALIAS_UNRESOLVED_FRAGMENT);
  t.is(k.LibAliasSaveFragment(la, { dv: f.dv, off: 0 }), k.PKT_ALIAS_OK);
  t.is(la.fragmentPtrLinkCount, 1);
  const h = ipv4(17, PUB, ALIAS, udp(53, ap, 16), { id: 99, off: 0x2000 });
  t.is(inn(k, la, h), k.PKT_ALIAS_FOUND_HEADER_FRAGMENT);
  const got = k.LibAliasGetFragment(la, { dv: h.dv, off: 0 });
  t.not(got, null);
  t.is(la.fragmentPtrLinkCount, 0);
  k.LibAliasFragmentIn(la, { dv: h.dv, off: 0 }, got ?? { dv: f.dv, off: 0 });
  t.is(f.dv.getUint32(16), a4(PRIV));
  t.true(ip_ok(f));
  t.is(k.LibAliasGetFragment(la, { dv: h.dv, off: 0 }), null);
  k.LibAliasUninit(la);
});
