// netinet6/ip6_input: two vnet jails on an epair with IPv6 addresses
// (ifconfig inet6, the real userland); hand-built frames fed to b's end.
// A good packet is delivered; each malformed one is dropped on FreeBSD's
// ip6stat counter (badvers, badscope, tooshort, toosmall, cantforward,
// toomanyhdr, badoptions, exthdrtoolong) without an exception and without
// leaking mbufs; extension header chains are walked (hop-by-hop, then
// destination options); unknown options act by their type bits.
import test from "ava";
import type { Kernel } from "../helpers/builds.ts";
import type { ifnet } from "../../net/if.ts";
import type { vnet } from "../../net/vnet.ts";
import { a6, cat, echo6, ether6, ifp_in, inject, ip6pkt, ip6stats, jail_vnet, mac_of, moved, opthdr, script } from "./ip6_helpers.ts";

const SETUP = `jail -c name=a vnet persist
jail -c name=b vnet persist
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
sleep 3
`;

interface env {
  k: Kernel;
  vb: vnet;
  ifb: ifnet;
  maca: Uint8Array;
  macb: Uint8Array;
  A: Uint8Array;
  B: Uint8Array;
  send(pkt: Uint8Array): Record<string, number>;
}

async function setup(): Promise<env> {
  const r = await script(SETUP, 1, null);
  if (r.status !== 0) throw new Error(`setup: ${r.err}`);
  const k = r.k;
  const va = jail_vnet(k, "a");
  const vb = jail_vnet(k, "b");
  const ifa = ifp_in(k, va, "epair0a");
  const ifb = ifp_in(k, vb, "epair0b");
  const maca = mac_of(ifa);
  const macb = mac_of(ifb);
  const A = a6(k, "2001:db8::1");
  const B = a6(k, "2001:db8::2");
  const send = (pkt: Uint8Array) => {
    const before = ip6stats(k, vb);
    inject(k, ifb, ether6(macb, maca, pkt));
    // One second of virtual time: the answer, if any, goes out and away.
    k.kern_advance_ns(1e9);
    return moved(ip6stats(k, vb), before);
  };
  // Let MLD's and ND's start-up traffic pass, then one echo so that b
  // knows a's link address (an answer then is one packet out).
  k.kern_advance_ns(30e9);
  send(ip6pkt(A, B, 58, echo6(A, B, 1, 0, 8)));
  // (and the neighbor unreachability detection its use starts, 5 s on)
  k.kern_advance_ns(10e9);
  return { k, vb, ifb, maca, macb, A, B, send };
}

test.serial("a well-formed echo request is delivered and answered", async (t) => {
  const e = await setup();
  const got = e.send(ip6pkt(e.A, e.B, 58, echo6(e.A, e.B, 1, 1, 56)));
  t.is(got.ip6s_total, 1, JSON.stringify(got));
  // (ip6s_delivered: raw_ip6's rip6_input takes back the count of an ICMPv6
  // message no raw socket wanted, which FreeBSD's icmp6_rip6_input does not.)
  t.is(got.ip6s_localout, 1, "the echo reply");
  t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("malformed packets are dropped on FreeBSD's counters", async (t) => {
  const e = await setup();
  const { A, B } = e;
  const k = e.k;
  const body = echo6(A, B, 1, 1, 8);
  const cases: [string, Uint8Array, string][] = [
    ["version 4", ip6pkt(A, B, 58, body, { vfc: 0x40 }), "ip6s_badvers"],
    ["multicast source", ip6pkt(a6(k, "ff02::1"), B, 58, body), "ip6s_badscope"],
    ["unspecified destination", ip6pkt(A, a6(k, "::"), 58, body), "ip6s_badscope"],
    ["IPv4-mapped source", ip6pkt(a6(k, "::ffff:10.0.0.1"), B, 58, body), "ip6s_badscope"],
    ["multicast scope 0", ip6pkt(A, a6(k, "ff00::1"), 58, body), "ip6s_badscope"],
    ["interface-local multicast from the wire", ip6pkt(A, a6(k, "ff01::1"), 58, body), "ip6s_badscope"],
    ["loopback source from the wire", ip6pkt(a6(k, "::1"), B, 58, body), "ip6s_badscope"],
    ["payload length beyond the frame", ip6pkt(A, B, 58, body, { plen: 200 }), "ip6s_tooshort"],
    ["not ours, not a router", ip6pkt(A, a6(k, "2001:db8:1::9"), 58, body), "ip6s_cantforward"],
  ];
  for (const [what, pkt, counter] of cases) {
    const got = e.send(pkt);
    t.is(got.ip6s_total, 1, `${what}: ${JSON.stringify(got)}`);
    t.is(got[counter], 1, `${what}: ${JSON.stringify(got)}`);
    t.false("ip6s_delivered" in got, what);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 }, what);
  }
  // Shorter than a header: m_pullup fails.
  const short = e.send(ip6pkt(A, B, 58, body).subarray(0, 30));
  t.is(short.ip6s_toosmall, 1, JSON.stringify(short));
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test.serial("extension header chains: hop-by-hop then destination options are walked; too many headers, unknown options", async (t) => {
  const e = await setup();
  const { A, B } = e;
  const body = echo6(A, B, 1, 1, 8);
  // HBH (PadN) -> DSTOPTS (Pad1s) -> ICMPv6: delivered and answered.
  let got = e.send(ip6pkt(A, B, 0, cat(opthdr(60, [1, 2, 0, 0]), opthdr(58, [0, 0]), body)));
  t.is(got.ip6s_localout, 1, `the echo reply: ${JSON.stringify(got)}`);
  // 16 destination options headers: past net.inet6.ip6.hdrnestlimit (15).
  let chain = body;
  let nxt = 58;
  for (let i = 0; i < 16; i++) {
    chain = cat(opthdr(nxt, []), chain);
    nxt = 60;
  }
  got = e.send(ip6pkt(A, B, 60, chain));
  t.is(got.ip6s_toomanyhdr, 1, JSON.stringify(got));
  // An unknown option of type 01xxxxxx: silently discarded.
  got = e.send(ip6pkt(A, B, 60, cat(opthdr(58, [0x5e, 0]), body)));
  t.is(got.ip6s_delivered, 1);
  t.false("ip6s_localout" in got, "no answer");
  // 10xxxxxx: a parameter problem goes back.
  got = e.send(ip6pkt(A, B, 60, cat(opthdr(58, [0x9e, 0]), body)));
  t.is(got.ip6s_badoptions, 1, JSON.stringify(got));
  t.is(got.ip6s_localout, 1, "the parameter problem");
  // A jumbo payload option in a packet with a payload length.
  got = e.send(ip6pkt(A, B, 0, cat(opthdr(58, [0xc2, 4, 0, 1, 0, 0]), body)));
  t.is(got.ip6s_badoptions, 1, JSON.stringify(got));
  // A routing header with segments left (type 0): parameter problem.
  const rh = Uint8Array.from([58, 2, 0, 1, 0, 0, 0, 0, ...a6(e.k, "2001:db8::7")]);
  got = e.send(ip6pkt(A, B, 43, cat(rh, body)));
  t.is(got.ip6s_badoptions, 1, JSON.stringify(got));
  // ... and with none left: ignored, delivered.
  const rh0 = rh.slice();
  rh0[3] = 0;
  got = e.send(ip6pkt(A, B, 43, cat(rh0, body)));
  t.is(got.ip6s_localout, 1, `the echo reply: ${JSON.stringify(got)}`);
  t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
