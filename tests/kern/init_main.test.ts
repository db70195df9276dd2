// kern_boot (sys/kern/init_main.c) with loader tunables: the kernel
// environment (sys/kern/kern_environment.c) filled before the first SYSINIT,
// read by tunable_mbinit (kern.ipc.nmbclusters, kern.ipc.nmbufs), by
// init_param1 (kern.hz), by ipreass_vnet_init in every vnet, and by the
// sysctl tree for CTLFLAG_TUN oids.
import test from "ava";
import fc from "fast-check";
import { BOTH, loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";

function sysctl_n(k: Kernel, name: string): unknown {
  return k.kernel_sysctlbyname(k.cred0, name).value;
}

/** Take mbufs (or clusters) until the zone says no; give them back. */
function drain_count(k: Kernel, clusters: boolean): number {
  const got = [];
  for (;;) {
    const m = clusters ? k.m_getcl(0, k.MT_DATA, k.M_PKTHDR) : k.m_get(0, k.MT_DATA);
    if (m === null) break;
    got.push(m);
    if (got.length > 5000) break;
  }
  for (const m of got) k.m_freem(m);
  return got.length;
}

for (const build of BOTH) {
  test(`${build}: kern.ipc.nmbufs and kern.ipc.nmbclusters limit the zones from boot`, async (t) => {
    const k = await loadKernelUnbooted(build);
    k.kern_boot({ seed: 1, tunables: { "kern.ipc.nmbufs": 1000, "kern.ipc.nmbclusters": "500" } });
    t.is(sysctl_n(k, "kern.ipc.nmbufs"), 1000);
    t.is(sysctl_n(k, "kern.ipc.nmbclusters"), 500);
    const base = k.mbuf_outstanding();
    t.is(drain_count(k, true), 500 - base.clusters);
    t.is(drain_count(k, false), 1000 - base.mbufs);
    t.deepEqual(k.mbuf_outstanding(), base);
    // They may still grow at run time, never shrink (sysctl_nmbclusters).
    t.is(k.kernel_sysctlbyname(k.cred0, "kern.ipc.nmbclusters", 400).error, k.EINVAL);
    t.is(k.kernel_sysctlbyname(k.cred0, "kern.ipc.nmbclusters", 600).error, 0);
    t.is(drain_count(k, true), 600 - base.clusters);
  });

  test(`${build}: fewer mbufs than clusters gives nmbufs its default back, as tunable_mbinit does`, async (t) => {
    const k = await loadKernelUnbooted(build);
    const dflt = k.nmbufs;
    k.kern_boot({ tunables: { "kern.ipc.nmbufs": 10, "kern.ipc.nmbclusters": 100 } });
    t.is(sysctl_n(k, "kern.ipc.nmbclusters"), 100);
    t.is(sysctl_n(k, "kern.ipc.nmbufs"), dflt);
  });

  test(`${build}: a kern.hz tunable sets the clock and wins over the compiled-in hz; it is read-only after`, async (t) => {
    const k = await loadKernelUnbooted(build);
    k.kern_boot({ hz: 1000, tunables: { "kern.hz": 100 } });
    t.is(sysctl_n(k, "kern.hz"), 100);
    t.is(k.hz, 100);
    const t0 = k.ticks;
    k.kern_advance_ns(1e9);
    t.is(k.ticks - t0, 100);
    t.is(k.kernel_sysctlbyname(k.cred0, "kern.hz", 1000).error, k.EPERM);
    const fmt = k.sysctl_oidfmt(k.sysctl_name2oid("kern.hz").mib);
    t.is(fmt.kind & k.CTLFLAG_RDTUN, k.CTLFLAG_RDTUN);
  });

  test(`${build}: CTLFLAG_TUN oids read the environment: plain and VNET ones, k/m suffixes`, async (t) => {
    const k = await loadKernelUnbooted(build);
    k.kern_boot({ tunables: { "net.isr.maxqlimit": "4k", "net.inet.ip.reass_hashsize": 64, "net.add_addr_allfibs": 1 } });
    t.is(sysctl_n(k, "net.isr.maxqlimit"), 4096);
    t.is(sysctl_n(k, "net.inet.ip.reass_hashsize"), 64);
    t.is(sysctl_n(k, "net.add_addr_allfibs"), 1);
    t.is(k.kern_getenv("net.isr.maxqlimit"), "4k");
    t.is(k.kern_getenv("kern.nosuch"), null);
  });

  test(`${build}: bad names and values are refused before anything boots`, async (t) => {
    const bad: [Record<string, number | string>, string][] = [
      [{ "kern.nosuch": 1 }, "kern.nosuch: not a loader tunable"],
      [{ "kern.ostype": "x" }, "kern.ostype: not a loader tunable"],
      [{ kern: 1 }, "kern: not a loader tunable"],
      [{ "kern.hz": "abc" }, "kern.hz: invalid value 'abc' (an int expected)"],
      [{ "kern.hz": 0 }, "kern.hz: invalid value '0' (1 to 100000 ticks per second)"],
      [{ "kern.ipc.nmbufs": 1.5 }, "kern.ipc.nmbufs: invalid value '1.5' (an int expected)"],
      [{ "kern.ipc.nmbclusters": "3g" }, "kern.ipc.nmbclusters: invalid value '3g' (an int expected)"],
      [{ "net.isr.maxqlimit": -1 }, "net.isr.maxqlimit: invalid value '-1' (an unsigned int expected)"],
    ];
    for (const [tun, msg] of bad) {
      const k = await loadKernelUnbooted(build);
      t.is(k.kern_tunables_check(tun), msg);
      t.throws(() => k.kern_boot({ tunables: tun }), { instanceOf: RangeError, message: `loader tunable ${msg}` });
      t.false(k.kernel_booted());
    }
  });
}

test("getenv_quad's numbers: base 0 and one binary suffix, nothing else", async (t) => {
  const k = await loadKernelUnbooted("vimage");
  t.is(k.kenv_parse_quad("0x10"), 16n);
  t.is(k.kenv_parse_quad("010"), 8n);
  t.is(k.kenv_parse_quad("-2k"), -2048n);
  t.is(k.kenv_parse_quad("1M"), 1048576n);
  t.is(k.kenv_parse_quad("1t"), 1n << 40n);
  for (const s of ["", "k", "1kk", "1x", "08", "1.5", "0x", " ", "1 "]) t.is(k.kenv_parse_quad(s), null, s);
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }), fc.constantFrom("", "k", "m", "G"), (n, suf) => {
      const shift = { "": 0n, k: 10n, m: 20n, G: 30n }[suf] ?? 0n;
      return k.kenv_parse_quad(`${n}${suf}`) === n << shift && k.kenv_parse_quad(`0x${n < 0n ? "" : n.toString(16)}`) === (n < 0n ? null : n);
    }),
  );
});
