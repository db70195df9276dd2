// netinet/cc: the congestion control framework and its two algorithms:
// net.inet.tcp.cc.available lists NewReno and CUBIC with CUBIC the
// default, net.inet.tcp.cc.algorithm selects (ESRCH for a name that is
// not there), TCP_CONGESTION moves a socket between them; CUBIC's
// fixed point K, W(t) and the TCP-friendly window against their closed
// forms; NewReno's beta sysctl range.
import test from "ava";
import { BOTH, loadKernel } from "../../helpers/builds.ts";

for (const build of BOTH) {
  test(`${build}: net.inet.tcp.cc.available and .algorithm; TCP_CONGESTION on a socket`, async (t) => {
    const k = await loadKernel(build);
    const avail = k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.cc.available");
    t.is(avail.value, "\nCCmod           D PCB count\nnewreno           0\ncubic           * 0\n");
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.cc.algorithm").value, "cubic");
    const p = k.proc_create(k.cred0, "t");
    const s = k.sys_socket(p, k.PF_INET, k.SOCK_STREAM, 0);
    t.is(s.error, 0);
    const get = () => {
      const r = k.sys_getsockopt(p, s.fd, k.IPPROTO_TCP, k.TCP_CONGESTION);
      const b = r.val as Uint8Array;
      return new TextDecoder().decode(b.subarray(0, b.indexOf(0)));
    };
    t.is(get(), "cubic");
    t.regex(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.cc.available").value as string, /cubic           \* 1\n/);
    t.is(k.sys_setsockopt(p, s.fd, k.IPPROTO_TCP, k.TCP_CONGESTION, new TextEncoder().encode("newreno")), 0);
    t.is(get(), "newreno");
    t.is(k.sys_setsockopt(p, s.fd, k.IPPROTO_TCP, k.TCP_CONGESTION, new TextEncoder().encode("vegas")), k.ESRCH);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.cc.available").value, "\nCCmod           D PCB count\nnewreno           1\ncubic           * 0\n");
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.cc.algorithm", "bbr").error, k.ESRCH);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.cc.algorithm", "newreno").error, 0);
    const s2 = k.sys_socket(p, k.PF_INET, k.SOCK_STREAM, 0);
    const r2 = k.sys_getsockopt(p, s2.fd, k.IPPROTO_TCP, k.TCP_CONGESTION).val as Uint8Array;
    t.is(new TextDecoder().decode(r2.subarray(0, r2.indexOf(0))), "newreno");
    // NewReno's beta: 1..100.
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.cc.newreno.beta").value, 50);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.cc.newreno.beta", 0).error, k.EINVAL);
    t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.tcp.cc.newreno.beta_ecn", 70).error, k.EACCES);
    k.sys_close(p, s.fd);
    k.sys_close(p, s2.fd);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test("CUBIC in fixed point: K = cbrt(W_max (1 - beta) / C), W(K) = W_max, the TCP-friendly window starts at 0.7 W_max", async (t) => {
  const k = await loadKernel("novimage");
  // 100 segments: cbrt(100 * 0.3 / 0.4) = 4.217 s; FreeBSD's polynomial gives 1080/256.
  t.is(k.cubic_k(100), 1080);
  t.true(Math.abs(k.cubic_k(100) / 256 - Math.cbrt(75)) < 0.01);
  for (const w of [10, 100, 1000, 10000]) t.true(Math.abs(k.cubic_k(w) / 256 - Math.cbrt((w * 0.3) / 0.4)) / Math.cbrt((w * 0.3) / 0.4) < 0.05, `K(${w})`);
  const wmax = 100 * 1460;
  const K = k.cubic_k(100);
  t.is(k.cubic_cwnd(Math.round((K * 1e6) / 256), wmax, 1460, K), wmax);
  // Before K the window is below W_max (concave), after it above (convex).
  t.true(k.cubic_cwnd(1_000_000, wmax, 1460, K) < wmax);
  t.true(k.cubic_cwnd(8_000_000, wmax, 1460, K) > wmax);
  // C (t - K)^3 segments at t = K + 2 s: 0.4 * 8 = 3.2 segments.
  t.is(k.cubic_cwnd(Math.round((K * 1e6) / 256) + 2_000_000, wmax, 1460, K), wmax + 3 * 1460);
  t.is(k.tf_cwnd(0, 40000, wmax, 1460), Math.floor((wmax * 179) / 256));
});
