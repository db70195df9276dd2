// net/netisr and net/if_loop: direct dispatch runs inline, queued work runs
// from the netisr task in the receiving interface's vnet, queue limits and
// per-vnet enable; looutput/if_simloop counters and reject/blackhole.
import test from "ava";
import { BOTH, loadKernel } from "../helpers/builds.ts";
import { counters, ifconfig_create, ifp_in, inv, mkpkt, record_netisr, sin, type mbuf } from "./link_helpers.ts";

const PROTO = 12; // unused by FreeBSD

for (const build of BOTH) {
  test(`${build}: netisr_dispatch is inline; netisr_queue defers, limits at 256 and counts the drops`, async (t) => {
    const k = await loadKernel(build);
    const seen: string[] = [];
    k.netisr_register(PROTO, "test", (m: mbuf) => {
      seen.push(m.m_pkthdr.rcvif?.if_xname ?? "?");
      k.m_freem(m);
    });
    const lo0 = ifp_in(k, k.vnet0, "lo0");
    inv(k, k.vnet0, () => {
      const m = mkpkt(k, new Uint8Array(10));
      m.m_pkthdr.rcvif = lo0;
      t.is(k.netisr_dispatch(PROTO, m), 0);
    });
    t.deepEqual(seen, ["lo0"], "handled before netisr_dispatch returned");
    t.is(k.netisr_getqlimit(PROTO), 256);
    let enobufs = 0;
    inv(k, k.vnet0, () => {
      for (let i = 0; i < 257; i++) {
        const m = mkpkt(k, new Uint8Array(10));
        m.m_pkthdr.rcvif = lo0;
        if (k.netisr_queue(PROTO, m) === k.ENOBUFS) enobufs++;
      }
    });
    t.is(enobufs, 1);
    t.is(k.netisr_getqdrops(PROTO), 1);
    t.is(seen.length, 1, "queued, not run");
    k.kern_run_until_idle();
    t.is(seen.length, 257);
    const st = k.netisr_stats().find((s) => s.proto === PROTO);
    t.is(st?.queued, 256);
    t.is(st?.dispatched, 1);
    t.is(st?.watermark, 256);
    t.is(st?.handled, 257);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.isr.dispatch").value, "direct");
    t.is(k.kernel_sysctlbyname(k.cred0, "net.isr.defaultqlimit").value, 256);
    // Deferred policy: dispatch queues too.
    t.is(k.kernel_sysctlbyname(k.cred0, "net.isr.dispatch", "deferred").error, 0);
    inv(k, k.vnet0, () => {
      const m = mkpkt(k, new Uint8Array(10));
      m.m_pkthdr.rcvif = lo0;
      k.netisr_dispatch(PROTO, m);
    });
    t.is(seen.length, 257);
    k.kern_run_until_idle();
    t.is(seen.length, 258);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.isr.dispatch", "default").error, k.EINVAL);
    k.netisr_unregister(PROTO);
    t.false(k.netisr_registered(PROTO));
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: looutput counts and loops through NETISR_IP; reject and blackhole routes`, async (t) => {
    const k = await loadKernel(build);
    const got = record_netisr(k, k.NETISR_IP);
    const lo0 = ifp_in(k, k.vnet0, "lo0");
    const send = (ro: { ro_nh: null; ro_flags: number; ro_prepend: null; ro_plen: number } | null, af = 2) =>
      inv(k, k.vnet0, () => lo0.if_output(lo0, mkpkt(k, new Uint8Array(36).fill(0x45)), af === 2 ? sin(0x7f000001) : ({ sa_len: 16, sa_family: af } as never), ro));
    t.is(send(null), 0);
    t.is(got.length, 0, "queued");
    k.kern_run_until_idle();
    t.is(got.length, 1);
    t.is(got[0].rcvif, "lo0");
    t.is(got[0].bytes.length, 36);
    const c = counters(k, lo0);
    t.is(c.opackets, 1);
    t.is(c.obytes, 36);
    t.is(c.ipackets, 1);
    t.is(c.ibytes, 36);
    t.is(send({ ro_nh: null, ro_flags: k.RT_REJECT, ro_prepend: null, ro_plen: 0 }), k.EHOSTUNREACH);
    t.is(send({ ro_nh: null, ro_flags: k.RT_BLACKHOLE, ro_prepend: null, ro_plen: 0 }), 0);
    t.is(send(null, 99), k.EAFNOSUPPORT);
    t.regex(k.msgbuf_read(), /looutput: af=99 unexpected/);
    k.kern_run_until_idle();
    t.is(got.length, 1);
    t.is(counters(k, lo0).opackets, 2, "only the unknown family was counted as sent");
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test("vimage: queued packets run in the receiving interface's vnet; a dying vnet's are freed", async (t) => {
  const k = await loadKernel("vimage");
  const got = record_netisr(k, k.NETISR_IP);
  const v1 = k.vnet_alloc();
  const v2 = k.vnet_alloc();
  const lo1 = ifp_in(k, v1, "lo0");
  const lo2 = ifp_in(k, v2, "lo0");
  // Sent from vnet0's context, but the packet was "received" on v1's lo0.
  inv(k, k.vnet0, () => {
    const m = mkpkt(k, new Uint8Array(20));
    m.m_pkthdr.rcvif = lo1;
    k.netisr_queue(k.NETISR_IP, m);
  });
  inv(k, v2, () => lo2.if_output(lo2, mkpkt(k, new Uint8Array(20)), sin(0x7f000001), null));
  k.kern_run_until_idle();
  t.deepEqual(
    got.map((d) => [d.rcvif, d.vnet === v1 ? "v1" : d.vnet === v2 ? "v2" : "other"]),
    [
      ["lo0", "v1"],
      ["lo0", "v2"],
    ],
  );
  // Queued for v2, then v2 dies before the worker runs.
  inv(k, v2, () => lo2.if_output(lo2, mkpkt(k, new Uint8Array(20)), sin(0x7f000001), null));
  // A vnet with NETISR_IP disabled refuses.
  inv(k, v1, () => {
    k.netisr_unregister_vnet(k.NETISR_IP);
    const m = mkpkt(k, new Uint8Array(20));
    m.m_pkthdr.rcvif = lo1;
    t.is(k.netisr_queue(k.NETISR_IP, m), k.ENOPROTOOPT);
    k.netisr_register_vnet(k.NETISR_IP);
  });
  k.vnet_destroy(v2);
  k.kern_run_until_idle();
  t.is(got.length, 2);
  // And a new vnet has the protocols enabled.
  const v3 = k.vnet_alloc();
  ifconfig_create(k, v3, "lo");
  const lo31 = ifp_in(k, v3, "lo1");
  inv(k, v3, () => lo31.if_output(lo31, mkpkt(k, new Uint8Array(20)), sin(0x7f000001), null));
  k.kern_run_until_idle();
  t.is(got.length, 3);
  t.is(got[2].rcvif, "lo1");
  t.is(got[2].vnet, v3);
  k.vnet_destroy(v1);
  k.vnet_destroy(v3);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
