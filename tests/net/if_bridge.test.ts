// net/if_bridge: learning and forwarding between members, flooding, aging
// on the virtual clock, static and sticky entries, span ports, private
// ports, -discover, address limits, the bridge's own addresses, members
// leaving while frames are on their way, destroy with members, counters.
// Frames are sent by hand on the far side of each member's epair and what
// the far sides receive is recorded, so every forwarding decision is seen.
import test, { type ExecutionContext } from "ava";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as L from "../../lib.ts";
import type { ifnet } from "../../net/if.ts";
import type { bridge_softc } from "../../net/if_bridge.ts";
import { frame } from "./link_helpers.ts";
import { needs } from "../helpers/tools.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const lib = (await import(pathToFileURL(path.join(root, process.env.VIRTNET_DIST ?? "dist", "lib.mjs")).href)) as typeof L;

const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
/** Station i's MAC, a locally administered address. */
const S = (i: number): number[] => [0x02, 0, 0, 0, 0, i];
const ETHERTYPE_TEST = 0x88b5; // IEEE local experimental

interface topo {
  k: L.Kernel;
  m: L.KernelModule;
  br: ifnet;
  sc: bridge_softc;
  a: ifnet[];
  b: ifnet[];
  /** What each epairNb received: the frames' bytes. */
  rx: Uint8Array[][];
}

/** bridge0 in the host with n members epair0a..; the b sides stay in the
 *  host too, their if_input replaced by a recorder. */
async function setup(n: number, build: L.BuildName = "vimage", seed = 0, extra = ""): Promise<topo> {
  const k = await lib.boot({ build, seed });
  let s = "ifconfig bridge create\n";
  for (let i = 0; i < n; i++) s += `ifconfig epair create\nifconfig bridge0 addm epair${i}a\nifconfig epair${i}a up\nifconfig epair${i}b up\n`;
  s += "ifconfig bridge0 up\n" + extra;
  const r = await k.run(s);
  if (r.status !== 0) throw new Error(r.stderr);
  const m = k.kernel;
  const get = (name: string): ifnet => {
    const ifp = m.vnet_run(m.vnet0, "test", () => m.ifunit(name));
    if (ifp === null) throw new Error(name);
    return ifp;
  };
  const br = get("bridge0");
  const a: ifnet[] = [];
  const b: ifnet[] = [];
  const rx: Uint8Array[][] = [];
  for (let i = 0; i < n; i++) {
    a.push(get(`epair${i}a`));
    const bi = get(`epair${i}b`);
    b.push(bi);
    const got: Uint8Array[] = [];
    rx.push(got);
    bi.if_input = (_ifp, mm) => {
      const out = new Uint8Array(mm.m_pkthdr.len);
      m.m_copydata(mm, 0, out.length, out);
      got.push(out);
      m.m_freem(mm);
    };
  }
  return { k, m, br, sc: br.if_softc as bridge_softc, a, b, rx };
}

/** Let the epair queues deliver (not the periodic callouts). */
function settle(t: topo): void {
  while (t.m.taskqueue_pending()) t.m.taskqueue_run();
}

/** Station src sends a frame from epair<i>b. */
function send(t: topo, i: number, dst: number[], src: number[], len = 46): void {
  const f = frame(dst, src, ETHERTYPE_TEST, len);
  const mm = t.m.m_devget(f, 0, f.length, null);
  if (mm === null) throw new Error("no mbufs");
  const ifp = t.b[i];
  t.m.vnet_run(ifp.if_vnet, "test", () => ifp.if_transmit(ifp, mm));
  settle(t);
}

function clear(t: topo): void {
  for (const r of t.rx) r.length = 0;
}

/** Who received something: the indices of the b sides. */
function who(t: topo): number[] {
  const out: number[] = [];
  t.rx.forEach((r, i) => {
    if (r.length > 0) out.push(i);
  });
  return out;
}

/** The address table: "mac member flags" lines. */
function table(t: topo): string[] {
  const out: string[] = [];
  for (let brt = t.sc.sc_rtlist; brt !== null; brt = brt.brt_lnext) out.push(`${[...brt.brt_addr].map((x) => x.toString(16).padStart(2, "0")).join(":")} ${brt.brt_ifp.if_xname} ${brt.brt_flags}`);
  return out.sort();
}

function done(t: ExecutionContext, tp: topo): void {
  tp.k.destroy();
  t.deepEqual(tp.m.mbuf_outstanding(), { mbufs: 0, clusters: 0 }, "no mbuf left behind");
}

for (const build of ["vimage", "novimage"] as const) {
  test(`${build}: an unknown destination floods, the source is learned, the answer goes to one member only`, async (t) => {
    const tp = await setup(3, build);
    send(tp, 0, BCAST, S(1));
    t.deepEqual(who(tp), [1, 2], "broadcast to every other member");
    t.deepEqual(table(tp), ["02:00:00:00:00:01 epair0a 0"]);
    clear(tp);
    send(tp, 1, S(1), S(2));
    t.deepEqual(who(tp), [0], "known destination: one member");
    t.deepEqual(table(tp), ["02:00:00:00:00:01 epair0a 0", "02:00:00:00:00:02 epair1a 0"]);
    clear(tp);
    send(tp, 2, S(9), S(3));
    t.deepEqual(who(tp), [0, 1], "unknown unicast floods");
    clear(tp);
    // A station seen on the side it talks to is not sent back.
    send(tp, 0, S(1), S(4));
    t.deepEqual(who(tp), [], "same-side destination dropped");
    // The bridge counts what it forwarded.
    const c = tp.br.if_counters;
    t.is(c[tp.m.IFCOUNTER_IPACKETS], 4);
    t.is(c[tp.m.IFCOUNTER_OPACKETS], 5);
    // The broadcast once as forwarded, once as received by bridge0 itself.
    t.is(c[tp.m.IFCOUNTER_IMCASTS], 2);
    t.is(c[tp.m.IFCOUNTER_OBYTES], 5 * 60);
    done(t, tp);
  });
}

test("a station that moves is learned on its new member; static and sticky entries stay", async (t) => {
  const tp = await setup(3, "vimage", 0, "ifconfig bridge0 static epair2a 02:00:00:00:00:07 sticky epair1a\n");
  send(tp, 0, BCAST, S(1));
  send(tp, 1, BCAST, S(1));
  t.deepEqual(table(tp), ["02:00:00:00:00:01 epair1a 0", "02:00:00:00:00:07 epair2a 1"], "dynamic entry moved");
  // The static address is not taken over by a sender elsewhere.
  send(tp, 0, BCAST, S(7));
  t.true(table(tp).includes("02:00:00:00:00:07 epair2a 1"));
  clear(tp);
  send(tp, 0, S(7), S(1));
  t.deepEqual(who(tp), [2], "static entry routes");
  // Sticky: learned on epair1a, it stays there.
  send(tp, 1, BCAST, S(5));
  send(tp, 2, BCAST, S(5));
  t.true(table(tp).includes("02:00:00:00:00:05 epair1a 2"), "sticky entry did not move");
  done(t, tp);
});

test("aging: learned entries go at the first prune walk after the timeout, static ones stay", async (t) => {
  const tp = await setup(2, "vimage", 0, "ifconfig bridge0 timeout 10 static epair1a 02:00:00:00:00:08\n");
  send(tp, 0, BCAST, S(1));
  t.is(table(tp).length, 2);
  tp.k.advance(299);
  t.is(table(tp).length, 2, "the walk runs every 300 s");
  tp.k.advance(2);
  t.deepEqual(table(tp), ["02:00:00:00:00:08 epair1a 1"]);
  // A fresh entry within its timeout survives the next walk.
  tp.k.advance(290);
  send(tp, 0, BCAST, S(2));
  tp.k.advance(15);
  t.deepEqual(table(tp), ["02:00:00:00:00:02 epair0a 0", "02:00:00:00:00:08 epair1a 1"]);
  // `ifconfig bridge0 addr` shows the time left.
  const r = await tp.k.run("ifconfig bridge0 addr");
  t.is(r.stdout, "02:00:00:00:00:02 Vlan1 epair0a 0 flags=0<>\n02:00:00:00:00:08 Vlan1 epair1a 0 flags=1<STATIC>\n");
  done(t, tp);
});

test("flush forgets learned addresses, flushall static ones too; down flushes learned ones", async (t) => {
  const tp = await setup(2, "vimage", 0, "ifconfig bridge0 static epair1a 02:00:00:00:00:08\n");
  send(tp, 0, BCAST, S(1));
  await tp.k.run("ifconfig bridge0 flush");
  t.deepEqual(table(tp), ["02:00:00:00:00:08 epair1a 1"]);
  send(tp, 0, BCAST, S(1));
  await tp.k.run("ifconfig bridge0 down");
  t.deepEqual(table(tp), ["02:00:00:00:00:08 epair1a 1"]);
  await tp.k.run("ifconfig bridge0 up flushall");
  t.deepEqual(table(tp), []);
  done(t, tp);
});

test("a span port gets a copy of everything the bridge sees", async (t) => {
  const tp = await setup(3, "vimage", 0, "ifconfig bridge0 deletem epair2a span epair2a\n");
  send(tp, 0, BCAST, S(1));
  send(tp, 1, S(1), S(2));
  t.is(tp.rx[2].length, 2, "both frames copied to the span port");
  t.is(tp.rx[0].length, 1);
  t.is(tp.rx[1].length, 1);
  t.deepEqual([...tp.rx[2][1].subarray(0, 12)], [...S(1), ...S(2)]);
  // It is not a member: it does not forward, it does not learn.
  clear(tp);
  send(tp, 2, BCAST, S(3));
  t.deepEqual(who(tp), []);
  t.false(table(tp).some((l) => l.includes("epair2a")));
  done(t, tp);
});

test("private members do not talk to each other, but do to the others", async (t) => {
  const tp = await setup(3, "vimage", 0, "ifconfig bridge0 private epair0a private epair1a\n");
  send(tp, 0, BCAST, S(1));
  t.deepEqual(who(tp), [2]);
  clear(tp);
  send(tp, 1, BCAST, S(2));
  t.deepEqual(who(tp), [2]);
  clear(tp);
  send(tp, 1, S(1), S(2));
  t.deepEqual(who(tp), [], "private to private unicast dropped");
  send(tp, 2, S(1), S(3));
  t.deepEqual(who(tp), [0]);
  done(t, tp);
});

test("-discover: unknown unicast skips the member, broadcasts still reach it; -learn learns nothing", async (t) => {
  const tp = await setup(3, "vimage", 0, "ifconfig bridge0 -discover epair2a -learn epair1a\n");
  send(tp, 0, S(9), S(1));
  t.deepEqual(who(tp), [1]);
  clear(tp);
  send(tp, 0, BCAST, S(1));
  t.deepEqual(who(tp), [1, 2]);
  send(tp, 1, BCAST, S(2));
  t.false(table(tp).some((l) => l.includes("epair1a")));
  done(t, tp);
});

test("address limits: maxaddr counts refused addresses, ifmaxaddr drops frames from new sources", async (t) => {
  const tp = await setup(2, "vimage", 0, "ifconfig bridge0 maxaddr 2 ifmaxaddr epair1a 1\n");
  send(tp, 0, BCAST, S(1));
  send(tp, 0, BCAST, S(2));
  clear(tp);
  send(tp, 0, BCAST, S(3));
  t.deepEqual(who(tp), [1], "no room, but no member limit: still forwarded");
  t.is(tp.sc.sc_brtexceeded, 1);
  await tp.k.run("ifconfig bridge0 maxaddr 10");
  send(tp, 1, BCAST, S(4));
  clear(tp);
  send(tp, 1, BCAST, S(5));
  t.deepEqual(who(tp), [], "member limit reached: the frame is dropped");
  const r = await tp.k.run("ifconfig bridge0");
  t.regex(r.stdout, /member: epair1a flags=143<LEARNING,DISCOVER,AUTOEDGE,AUTOPTP>\n\t        ifmaxaddr 1 port \d+ priority 128 path cost 2000\n/);
  // Lowering maxaddr trims the table.
  await tp.k.run("ifconfig bridge0 maxaddr 1");
  t.is(table(tp).length, 1);
  done(t, tp);
});

test("the bridge's own address: pings through the bridge, ARP to the bridge, frames to a member's MAC are delivered locally", async (t) => {
  const k = await lib.boot({ seed: 3 });
  const r = await k.run(`jail -c name=a vnet persist
jail -c name=b vnet persist
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0b vnet a
ifconfig epair1b vnet b
jexec a ifconfig epair0b 192.0.2.1/24 up
jexec b ifconfig epair1b 192.0.2.2/24 up
ifconfig bridge create >/dev/null
ifconfig bridge0 addm epair0a addm epair1a 192.0.2.254/24 up
ifconfig epair0a up
ifconfig epair1a up
jexec a ping -c 2 192.0.2.2
jexec a ping -c 2 192.0.2.254
ping -c 2 192.0.2.2
ifconfig epair0a 198.51.100.1/24
jexec a route add 198.51.100.0/24 -interface epair0b >/dev/null
jexec a ping -c 1 198.51.100.1
arp -an
`);
  t.is(r.status, 0, r.stderr);
  t.is((r.stdout.match(/ bytes from /g) ?? []).length, 7);
  t.regex(r.stdout, /\? \(192\.0\.2\.1\) at 02:[0-9a-f:]+ on bridge0 expires/);
  const m = k.kernel;
  const br = m.vnet_run(m.vnet0, "t", () => m.ifunit("bridge0"));
  t.truthy(br);
  // ARP and ICMP in and out of the bridge itself, plus what it forwarded.
  t.true((br?.if_counters[m.IFCOUNTER_IPACKETS] ?? 0) > 4);
  k.destroy();
  t.deepEqual(m.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("members deleted and destroyed while frames are queued: nothing leaks, nothing is forwarded to a former member", async (t) => {
  const tp = await setup(3);
  send(tp, 1, BCAST, S(2));
  send(tp, 2, BCAST, S(3));
  clear(tp);
  // Frames on their way into the bridge (queued in epair0's a side).
  for (let i = 0; i < 20; i++) {
    const f = frame(i % 2 === 0 ? S(2) : BCAST, S(1), ETHERTYPE_TEST, 46);
    const mm = tp.m.m_devget(f, 0, f.length, null);
    if (mm === null) throw new Error("no mbufs");
    tp.m.vnet_run(tp.m.vnet0, "t", () => tp.b[0].if_transmit(tp.b[0], mm));
  }
  t.is(tp.m.epair_queue_len(tp.a[0]), 20);
  await tp.k.run("ifconfig bridge0 deletem epair1a");
  t.false(table(tp).some((l) => l.includes("epair1a")), "its addresses went with it");
  settle(tp);
  t.is(tp.rx[1].length, 0);
  // S(2) went from the table with epair1a: those frames flood too.
  t.is(tp.rx[2].length, 20, "everything reaches epair2 now");
  // Now destroy a member that has queued frames.
  for (let i = 0; i < 5; i++) {
    const f = frame(BCAST, S(1), ETHERTYPE_TEST, 46);
    const mm = tp.m.m_devget(f, 0, f.length, null);
    if (mm === null) throw new Error("no mbufs");
    tp.m.vnet_run(tp.m.vnet0, "t", () => tp.b[0].if_transmit(tp.b[0], mm));
  }
  await tp.k.run("ifconfig epair0a destroy");
  settle(tp);
  const r = await tp.k.run("ifconfig bridge0");
  t.false(r.stdout.includes("epair0a"));
  t.regex(r.stdout, /member: epair2a /);
  t.is(tp.sc.sc_brtcnt, 1);
  done(t, tp);
});

test("destroying a bridge with members: the members leave promiscuous mode and the bridge; a member moved to a vnet leaves it", async (t) => {
  const tp = await setup(3);
  t.not(tp.a[0].if_flags & tp.m.IFF_PROMISC, 0);
  const r = await tp.k.run("jail -c name=j vnet persist\nifconfig epair2a vnet j\nifconfig bridge0");
  t.false(r.stdout.includes("epair2a"), "moved away: not a member any more");
  t.is(tp.a[2].if_bridge, null);
  await tp.k.run("ifconfig bridge0 destroy");
  for (const ifp of tp.a.slice(0, 2)) {
    t.is(ifp.if_bridge, null);
    t.is(ifp.if_flags & tp.m.IFF_PROMISC, 0);
    t.is(ifp.if_bridge_input, null);
  }
  // The members still work as plain interfaces.
  send(tp, 0, BCAST, S(1));
  t.deepEqual(who(tp), []);
  done(t, tp);
});

test("a bridge inside a jail goes with the jail; its members return home", async (t) => {
  const k = await lib.boot();
  const r = await k.run(`jail -c name=j vnet persist
ifconfig epair create >/dev/null
ifconfig epair0a vnet j
jexec j ifconfig bridge create
jexec j ifconfig bridge0 addm epair0a up
jail -r j
ifconfig -l
`);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, "j: created\nbridge0\nlo0 epair0a epair0b\n");
  const m = k.kernel;
  const a = m.vnet_run(m.vnet0, "t", () => m.ifunit("epair0a"));
  t.is(a?.if_bridge, null);
  k.destroy();
  t.deepEqual(m.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("inherit_mac: the first member's MAC, then the next one's, then the bridge's own again", async (t) => {
  const tp = await setup(0, "vimage", 0, "sysctl net.link.bridge.inherit_mac=1 >/dev/null\nifconfig epair create >/dev/null\nifconfig epair create >/dev/null\n");
  const m = tp.m;
  const mac = (name: string) => m.vnet_run(m.vnet0, "t", () => {
    const ifp = m.ifunit(name);
    return ifp === null ? "" : [...m.IF_LLADDR(ifp)].map((x) => x.toString(16).padStart(2, "0")).join(":");
  });
  const own = mac("bridge0");
  await tp.k.run("ifconfig bridge0 addm epair0a addm epair1a");
  t.is(mac("bridge0"), mac("epair0a"));
  await tp.k.run("ifconfig bridge0 deletem epair0a");
  t.is(mac("bridge0"), mac("epair1a"));
  await tp.k.run("ifconfig bridge0 deletem epair1a");
  t.is(mac("bridge0"), own);
  done(t, tp);
});

test("two bridges in two jails get different MACs (mac_conflict), the same ones for the same names", async (t) => {
  const script = `jail -c name=one vnet persist >/dev/null
jail -c name=two vnet persist >/dev/null
jexec one ifconfig bridge create >/dev/null
jexec two ifconfig bridge create >/dev/null
jexec one ifconfig bridge0 | grep ether
jexec two ifconfig bridge0 | grep ether
`;
  const k1 = await lib.boot({ seed: 1 });
  const r1 = await k1.run(script);
  const k2 = await lib.boot({ seed: 2 });
  const r2 = await k2.run(script);
  const lines = r1.stdout.trim().split("\n");
  t.is(lines.length, 2);
  t.not(lines[0], lines[1]);
  t.is(r1.stdout, r2.stdout, "ether_gen_addr depends on names, not on the seed");
  k1.destroy();
  k2.destroy();
});

test("same seed, same bytes: a bridged ping run twice gives identical output and tables", async (t) => {
  const script = `jail -c name=a vnet persist >/dev/null
jail -c name=b vnet persist >/dev/null
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0b vnet a
ifconfig epair1b vnet b
jexec a ifconfig epair0b 192.0.2.1/24 up
jexec b ifconfig epair1b 192.0.2.2/24 up
ifconfig bridge create >/dev/null
ifconfig bridge0 addm epair0a addm epair1a up
ifconfig epair0a up
ifconfig epair1a up
jexec a ping -c 3 192.0.2.2
ifconfig bridge0 addr
ifconfig -a
netstat -ibn
`;
  const outs: string[] = [];
  for (let i = 0; i < 2; i++) {
    const k = await lib.boot({ seed: 42 });
    outs.push((await k.run(script)).stdout);
    k.destroy();
  }
  t.is(outs[0], outs[1]);
  const k = await lib.boot({ seed: 43 });
  const other = (await k.run(script)).stdout;
  k.destroy();
  t.not(other, outs[0], "another seed, other epair MACs");
});

test("two thousand frames on the learned path: each forwarded once to its one member", async (t) => {
  const tp = await setup(2);
  send(tp, 0, BCAST, S(1));
  send(tp, 1, BCAST, S(2));
  // Count what arrives without recording it.
  let n = 0;
  tp.b[1].if_input = (_ifp, mm) => {
    n++;
    tp.m.m_freem(mm);
  };
  clear(tp);
  const f = frame(S(2), S(1), ETHERTYPE_TEST, 46);
  const one = (): void => {
    const mm = tp.m.m_devget(f, 0, f.length, null);
    if (mm === null) throw new Error("no mbufs");
    tp.m.vnet_run(tp.m.vnet0, "t", () => tp.b[0].if_transmit(tp.b[0], mm));
    settle(tp);
  };
  for (let i = 0; i < 2000; i++) one();
  t.is(n, 2000);
  t.is(tp.rx[0].length, 0);
  t.is(tp.br.if_counters[tp.m.IFCOUNTER_OPACKETS], 2002);
  done(t, tp);
});

test("802.1Q: a tagged frame is learned on its VLAN and leaves tagged, byte for byte", async (t) => {
  const tp = await setup(2);
  const f = new Uint8Array(64);
  f.set(BCAST, 0);
  f.set(S(1), 6);
  f.set([0x81, 0x00, 0x20, 0x07, 0x88, 0xb5], 12); // PCP 1, VLAN 7
  for (let i = 18; i < 64; i++) f[i] = i;
  const mm = tp.m.m_devget(f, 0, f.length, null);
  if (mm === null) throw new Error("no mbufs");
  tp.m.vnet_run(tp.m.vnet0, "t", () => tp.b[0].if_transmit(tp.b[0], mm));
  settle(tp);
  t.is(tp.rx[1].length, 1);
  t.deepEqual([...tp.rx[1][0]], [...f], "the tag is put back by bridge_enqueue");
  const r = await tp.k.run("ifconfig bridge0 addr");
  t.regex(r.stdout, /^02:00:00:00:00:01 Vlan7 epair0a 1200 flags=0<>\n$/);
  // Untagged traffic to that station is on VLAN 1: unknown, so flooded.
  clear(tp);
  send(tp, 1, S(1), S(2));
  t.deepEqual(who(tp), [0]);
  done(t, tp);
});

test("pfil: an inet hook sees bridged IPv4 on the member and on the bridge, and its verdict holds; pfil_onlyip drops other types", async (t) => {
  const tp = await setup(2);
  const m = tp.m;
  const seen: string[] = [];
  let drop = false;
  m.vnet_run(m.vnet0, "t", () => {
    const hook = m.pfil_add_hook({
      pa_flags: m.PFIL_IN | m.PFIL_OUT,
      pa_type: m.PFIL_TYPE_IP4,
      pa_modname: "test",
      pa_rulname: "bridge",
      pa_mbuf_chk: (mp, ifp, flags) => {
        const mm = mp.m;
        if (mm === null) return m.PFIL_PASS;
        // The filter sees the IP header first, not the Ethernet one.
        seen.push(`${ifp.if_xname} ${(flags & m.PFIL_IN) !== 0 ? "in" : "out"} v${mm.m_buf[mm.m_data] >> 4}`);
        if (drop) {
          m.m_freem(mm);
          mp.m = null;
          return m.PFIL_DROPPED;
        }
        return m.PFIL_PASS;
      },
    });
    t.is(m.pfil_link({ pa_flags: m.PFIL_IN | m.PFIL_OUT | m.PFIL_HEADPTR | m.PFIL_HOOKPTR, pa_head: m.V_inet_pfil_head() ?? undefined, pa_hook: hook }), 0);
  });
  send(tp, 1, BCAST, S(2));
  clear(tp);
  seen.length = 0;
  // A minimal valid IPv4 header (checksum computed), unicast to S(2).
  const ip = new Uint8Array(46);
  ip.set([0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  ip[10] = (~sum >> 8) & 0xff;
  ip[11] = ~sum & 0xff;
  const sendip = (): void => {
    const f = frame(S(2), S(1), 0x0800, ip);
    const mm = m.m_devget(f, 0, f.length, null);
    if (mm === null) throw new Error("no mbufs");
    m.vnet_run(m.vnet0, "t", () => tp.b[0].if_transmit(tp.b[0], mm));
    settle(tp);
  };
  sendip();
  t.deepEqual(seen, ["epair0a in v4", "bridge0 in v4", "bridge0 out v4", "epair1a out v4"]);
  t.is(tp.rx[1].length, 1);
  t.deepEqual([...tp.rx[1][0].subarray(14, 34)], [...ip.subarray(0, 20)], "header back in place, checksum intact");
  drop = true;
  sendip();
  t.is(tp.rx[1].length, 1, "dropped by the hook");
  // Not IP: with pfil_onlyip (the default) the bridge drops it when hooks are on.
  send(tp, 0, S(2), S(1));
  t.is(tp.rx[1].length, 1);
  await tp.k.run("sysctl net.link.bridge.pfil_onlyip=0");
  send(tp, 0, S(2), S(1));
  t.is(tp.rx[1].length, 2);
  done(t, tp);
});

needs("tshark").test("tshark reads a capture on bridge0: ARP and ICMP between the two stations", async (t) => {
  const { execFileSync } = await import("node:child_process");
  const fs = await import("node:fs");
  const os = await import("node:os");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-bridge-"));
  const file = path.join(dir, "bridge0.pcap");
  const k = await lib.boot({ seed: 9 });
  await k.run(`jail -c name=a vnet persist
jail -c name=b vnet persist
ifconfig epair create
ifconfig epair create
ifconfig epair0b vnet a
ifconfig epair1b vnet b
jexec a ifconfig epair0b 192.0.2.1/24 up
jexec b ifconfig epair1b 192.0.2.2/24 up
ifconfig bridge create
ifconfig bridge0 addm epair0a addm epair1a up
ifconfig epair0a up
ifconfig epair1a up
`);
  const cap = k.capture("bridge0", { file });
  const r = await k.run("jexec a ping -c 2 192.0.2.2");
  t.is(r.status, 0);
  cap.stop();
  const out = execFileSync("tshark", ["-r", file, "-T", "fields", "-e", "eth.type", "-e", "_ws.col.Protocol", "-e", "ip.src", "-e", "ip.dst"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const lines = out.trim().split("\n");
  t.true(lines.some((l) => /^0x0806\tARP/.test(l)), out);
  t.is(lines.filter((l) => /^0x0800\tICMP\t192\.0\.2\.1\t192\.0\.2\.2$/.test(l)).length, 2, out);
  t.is(lines.filter((l) => /^0x0800\tICMP\t192\.0\.2\.2\t192\.0\.2\.1$/.test(l)).length, 2, out);
  k.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});
