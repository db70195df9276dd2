// Micro-benchmarks of the kernel core: the mbuf zone fast path, m_pullup,
// a V_ counter increment (the cost VIMAGE adds to every virtualized
// variable), and a bare vnet_alloc + vnet_destroy.
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  M_NOWAIT,
  MT_DATA,
  VNET_DEFINE_U64,
  VNET_U64,
  VNET_U64_ADD,
  m_free,
  m_freem,
  m_get,
  m_gethdr,
  m_pullup,
  vnet0,
  vnet_alloc,
  vnet_destroy,
} from "../index.ts";
import { now_ns, thread_cpu_ns } from "./wl_util.ts";

// A statistics block like ipstat, defined before boot as every VNET_DEFINE is.
const NCOUNTERS = 8;
const benchstat = VNET_DEFINE_U64("benchstat", NCOUNTERS);

/** ns per iteration, by the thread's CPU time (wall clock without it). */
function timeit(iterations: number, fn: (n: number) => void): number {
  const c0 = thread_cpu_ns();
  const t0 = now_ns();
  fn(iterations);
  const cpu = thread_cpu_ns() - c0;
  return (Number.isFinite(cpu) && cpu > 0 ? cpu : now_ns() - t0) / iterations;
}

export const micro: Record<string, (n: number) => number> = {
  /** m_gethdr + m_free: the zone fast path. */
  mbuf_get_free(n) {
    return timeit(n, (n) => {
      for (let i = 0; i < n; i++) {
        const m = m_gethdr(M_NOWAIT, MT_DATA);
        if (m === null) throw new Error("out of mbufs");
        m_free(m);
      }
    });
  },

  /** m_pullup of 20 bytes split 8 + 12 over a two-mbuf chain. */
  m_pullup_2mbuf(n) {
    return timeit(n, (n) => {
      for (let i = 0; i < n; i++) {
        const m = m_gethdr(M_NOWAIT, MT_DATA);
        const m2 = m_get(M_NOWAIT, MT_DATA);
        if (m === null || m2 === null) throw new Error("out of mbufs");
        m.m_len = 8;
        m2.m_len = 12;
        m.m_next = m2;
        m.m_pkthdr.len = 20;
        const r = m_pullup(m, 20);
        if (r === null) throw new Error("m_pullup failed");
        m_freem(r);
      }
    });
  },

  /** V_ counter increments with curvnet set, as IPSTAT_INC does. */
  vnet_counter_inc(n) {
    const saved = CURVNET_SET(vnet0, "bench");
    const ns = timeit(n, (n) => {
      for (let i = 0; i < n; i++) VNET_U64_ADD(benchstat + (i & (NCOUNTERS - 1)), 1);
    });
    // Read back so the loop cannot be dropped as dead.
    let sum = 0;
    for (let i = 0; i < NCOUNTERS; i++) sum += VNET_U64(benchstat + i);
    CURVNET_RESTORE(saved);
    if (sum <= 0) throw new Error("counters did not move");
    return ns;
  },

  /** vnet_alloc + vnet_destroy (VIMAGE only). */
  vnet_create_destroy(n) {
    if (!VIMAGE) return NaN;
    return timeit(n, (n) => {
      for (let i = 0; i < n; i++) vnet_destroy(vnet_alloc());
    });
  },
};
