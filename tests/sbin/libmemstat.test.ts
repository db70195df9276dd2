// sbin/libmemstat.ts: the memory type list read from sysctl vm.zone_count
// and vm.zone_stats agrees with the kernel's zones, including their
// failures, and netstat -m prints what it reads.
import test from "ava";
import { loadKernel } from "../helpers/builds.ts";
import { run_script } from "./prog_helpers.ts";

test("memstat_sysctl_all: the UMA zones with their counts, free items, limits and failures", async (t) => {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "netstat");
  const held = [k.m_get(k.M_NOWAIT, k.MT_DATA), k.m_getcl(k.M_NOWAIT, k.MT_DATA, k.M_PKTHDR)];
  const mtlp = k.memstat_mtl_alloc();
  t.is(k.memstat_sysctl_all(p, mtlp), 0);
  const count = k.kernel_sysctlbyname(k.cred0, "vm.zone_count").value;
  t.is(mtlp.mtl_list.length, count as number);
  const names = mtlp.mtl_list.map((m) => m.mt_name);
  for (const n of ["mbuf", "mbuf_cluster", "mbuf_packet", "mbuf_jumbo_page", "mbuf_jumbo_9k", "mbuf_jumbo_16k"]) t.true(names.includes(n), n);
  const [mz, cz] = k.mbuf_zone_stats();
  const mb = k.memstat_mtl_find(mtlp, k.ALLOCATOR_UMA, "mbuf");
  const cl = k.memstat_mtl_find(mtlp, k.ALLOCATOR_UMA, "mbuf_cluster");
  if (mb === null || cl === null) throw new Error("zones");
  t.is(mb.mt_count, mz.used);
  t.is(mb.mt_free, mz.cached);
  t.is(mb.mt_size, 256);
  t.is(mb.mt_bytes, mz.used * 256);
  t.is(cl.mt_count, cz.used);
  t.is(cl.mt_countlimit, cz.max);
  t.is(k.memstat_mtl_find(mtlp, k.ALLOCATOR_MALLOC, "mbuf"), null, "another allocator's name is not a match");
  // Exhausted zones: the failures are counted on the zones that ran out,
  // and a failed m_getcl on the packet zone too.
  k.mbuf_set_limits(mz.used, cz.used);
  try {
    t.is(k.m_get(k.M_NOWAIT, k.MT_DATA), null);
    t.is(k.m_getcl(k.M_NOWAIT, k.MT_DATA, 0), null);
  } finally {
    k.mbuf_restore_limits();
  }
  const again = k.memstat_mtl_alloc();
  t.is(k.memstat_sysctl_all(p, again), 0);
  t.is(k.memstat_mtl_find(again, k.ALLOCATOR_UMA, "mbuf")?.mt_failures, mb.mt_failures + 2);
  t.is(k.memstat_mtl_find(again, k.ALLOCATOR_UMA, "mbuf_packet")?.mt_failures, (k.memstat_mtl_find(mtlp, k.ALLOCATOR_UMA, "mbuf_packet")?.mt_failures ?? 0) + 1);
  t.is(k.memstat_strerror(k.MEMSTAT_ERROR_VERSION), "Version mismatch");
  // vm.zone_stats is read-only.
  t.not(k.kernel_sysctlbyname(k.cred0, "vm.zone_stats", [0]).error, 0);
  for (const m of held) k.m_freem(m);
  k.proc_exit(p);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("netstat -m reports denied requests from the zones' failures, and kern.ipc.sfstat", async (t) => {
  const r = await run_script("sysctl kern.ipc.sfstat >/dev/null; echo \"status $?\"\nnetstat -m\n");
  const k = r.k;
  const before = r.out.split("\n").find((l) => l.endsWith("requests for mbufs denied (mbufs/clusters/mbuf+clusters)"));
  t.is(before, "0/0/0 requests for mbufs denied (mbufs/clusters/mbuf+clusters)");
  // Hold a packet so that the limits below (0 would mean none) are real.
  const held = k.m_getcl(k.M_NOWAIT, k.MT_DATA, k.M_PKTHDR);
  const [mz, cz] = k.mbuf_zone_stats();
  k.mbuf_set_limits(mz.used, cz.used);
  try {
    t.is(k.m_gethdr(k.M_NOWAIT, k.MT_DATA), null);
    t.is(k.m_getcl(k.M_NOWAIT, k.MT_DATA, 0), null);
  } finally {
    k.mbuf_restore_limits();
  }
  k.m_freem(held);
  let out = "";
  const p = k.proc_create(k.cred0, "sh");
  const io = { stdin: "", stdout: { write: (s: string) => void (out += s) }, stderr: { write: (s: string) => void (out += s) }, env: new Map<string, string>() };
  t.is(await k.exec_prog(p, ["netstat", "-m"], io), 0);
  k.proc_exit(p);
  t.true(out.includes("\n2/0/1 requests for mbufs denied (mbufs/clusters/mbuf+clusters)\n"), out);
  t.true(out.includes("\n0 requests for sfbufs denied\n"), out);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
