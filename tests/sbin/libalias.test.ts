// sbin/libalias.ts (lib/libalias): netinet/libalias built for userland.
// A process's instances stamp their links with its time(3) (the realtime
// clock, not the kernel's uptime), draw alias ports from libc's generator
// and keep their own copy of the library's statics: the kernel's build and
// another process's are untouched.  The same seed gives the same ports.
import test from "ava";
import { loadKernel, type Kernel } from "../helpers/builds.ts";

function a4(s: string): number {
  const p = s.split(".").map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** A UDP datagram src:sport -> dst:dport (checksum 0: none). */
function udp(src: string, sport: number, dst: string, dport: number): DataView {
  const b = new Uint8Array(2048);
  const dv = new DataView(b.buffer);
  b[0] = 0x45;
  dv.setUint16(2, 28);
  b[8] = 64;
  b[9] = 17;
  dv.setUint32(12, a4(src));
  dv.setUint32(16, a4(dst));
  dv.setUint16(20, sport);
  dv.setUint16(22, dport);
  dv.setUint16(24, 8);
  return dv;
}

async function world(seed: number): Promise<{ k: Kernel; self: { p: ReturnType<Kernel["proc_create"]> } }> {
  const k = await loadKernel("vimage", seed);
  return { k, self: { p: k.proc_create(k.cred0, "natd") } };
}

test("a userland instance ages its links on the process's realtime clock; the kernel's build keeps uptime", async (t) => {
  const { k, self } = await world(1);
  k.kern_advance_ns(5e9);
  const L = k.lib_libalias;
  const la = L.LibAliasInit(self, null);
  t.false(la.build.kernel);
  L.LibAliasSetAddress(la, a4("203.0.113.1"));
  L.LibAliasSetMode(la, 0, L.PKT_ALIAS_SAME_PORTS);
  const dv = udp("10.0.0.2", 4000, "198.51.100.7", 53);
  t.is(L.LibAliasOut(la, dv, 0, 2048), L.PKT_ALIAS_OK);
  t.is(dv.getUint32(12), a4("203.0.113.1"));
  const now = k.sys_clock_gettime(self.p, k.CLOCK_REALTIME).tv_sec;
  t.true(now > 1_000_000_000, "realtime, not uptime");
  const [lnk] = L.LibAliasLinks(la);
  t.is(lnk.timestamp, now);
  t.is(la.build.LibAliasTime, now);
  // The kernel's build has its own clock and its own instance list.
  const kla = k.LibAliasInit(null);
  t.is(k.libalias_kernel.LibAliasTime, k.time_uptime());
  t.false(k.libalias_kernel.instancehead.includes(la));
  t.true(la.build.instancehead.includes(la));
  t.false(la.build.instancehead.includes(kla));
  // Another process gets another copy; the same caller the same one.
  const other = L.LibAliasInit({ p: k.proc_create(k.cred0, "natd") }, null);
  t.not(other.build, la.build);
  t.is(L.LibAliasInit(self, null).build, la.build);
  // A link unused for more than UDP's 60 s goes, on the process's clock.
  k.kern_advance_ns(61e9);
  for (let i = 0; i < 3; i++) L.LibAliasOut(la, udp("10.0.0.3", 5000 + i, "198.51.100.7", 53), 0, 2048);
  la.build.hk_packet_limit = 1;
  L.LibAliasOut(la, udp("10.0.0.4", 6000, "198.51.100.7", 53), 0, 2048);
  t.false(L.LibAliasLinks(la).includes(lnk));
  L.LibAliasUninit(la);
  t.false(la.build.instancehead.includes(la));
});

test("alias ports come from libc's generator: the same seed gives the same ports", async (t) => {
  const ports = async (seed: number): Promise<number[]> => {
    const { k, self } = await world(seed);
    const L = k.lib_libalias;
    const la = L.LibAliasInit(self, null);
    L.LibAliasSetAddress(la, a4("203.0.113.1"));
    L.LibAliasSetMode(la, 0, L.PKT_ALIAS_SAME_PORTS);
    const out: number[] = [];
    for (let i = 0; i < 5; i++) {
      const dv = udp("10.0.0.2", 4000 + i, "198.51.100.7", 53);
      L.LibAliasOut(la, dv, 0, 2048);
      out.push(dv.getUint16(20));
    }
    return out;
  };
  const a = await ports(3);
  t.deepEqual(await ports(3), a);
  t.true(a.every((p) => p >= 0x8000));
  t.notDeepEqual(await ports(4), a);
});

test("the userland build's log: the file's first line, then each statistics line with the socket count; no file, no logging", async (t) => {
  const { k } = await world(1);
  let text = "";
  const build = new k.libalias_build(false, () => 100, k.arc4random_uniform, () => (s: string) => void (text += s), (m: string) => {
    throw new Error(m);
  });
  const la = k.LibAliasInit(null, build);
  k.LibAliasSetAddress(la, a4("203.0.113.1"));
  t.is(k.LibAliasSetMode(la, k.PKT_ALIAS_LOG, k.PKT_ALIAS_LOG) & k.PKT_ALIAS_LOG, k.PKT_ALIAS_LOG);
  k.LibAliasOut(la, udp("10.0.0.2", 4000, "198.51.100.7", 53), 0, 2048);
  t.is(text, "PacketAlias/InitPacketAliasLog: Packet alias logging enabled.\nicmp=0, udp=1, tcp=0, sctp=0, pptp=0, proto=0, frag_id=0 frag_ptr=0 / tot=1 (sock=0)\n");
  // A log file that cannot be opened leaves logging off.
  const closed = new k.libalias_build(false, () => 100, k.arc4random_uniform, () => null, (m: string) => {
    throw new Error(m);
  });
  const lb = k.LibAliasInit(null, closed);
  t.is(k.LibAliasSetMode(lb, k.PKT_ALIAS_LOG | k.PKT_ALIAS_DENY_INCOMING, k.PKT_ALIAS_LOG | k.PKT_ALIAS_DENY_INCOMING), -1);
  t.is(k.LibAliasSetMode(lb, 0, 0) & (k.PKT_ALIAS_LOG | k.PKT_ALIAS_DENY_INCOMING), 0);
});
