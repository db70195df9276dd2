// A benchmark worker: one piscina thread running one kernel build.  The
// bundle this file is built into decides VIMAGE; the runner sends the same
// workload to a VIMAGE worker and a baseline worker in turn.
import v8 from "node:v8";
import vm from "node:vm";
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  M_NOWAIT,
  MT_DATA,
  VNET_DEFINE_U64,
  VNET_U64,
  VNET_U64_ADD,
  kern_boot,
  m_free,
  m_freem,
  m_get,
  m_gethdr,
  m_pullup,
  mbuf_outstanding,
  vnet,
  vnet0,
  vnet_alloc,
  vnet_destroy,
} from "../index.ts";

// A statistics block like ipstat, defined before boot as every VNET_DEFINE is.
const NCOUNTERS = 8;
const benchstat = VNET_DEFINE_U64("benchstat", NCOUNTERS);

kern_boot({ seed: 1 });

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

export interface job {
  workload: string;
  iterations: number;
}
export interface result {
  /** Nanoseconds per operation. */
  ns_per_op: number;
  /** Extra figures a workload reports (bytes, counts). */
  extra?: Record<string, number>;
}

function timeit(iterations: number, fn: (n: number) => void): number {
  const t0 = process.hrtime.bigint();
  fn(iterations);
  const t1 = process.hrtime.bigint();
  return Number(t1 - t0) / iterations;
}

const workloads: Record<string, (n: number) => result> = {
  /** m_gethdr + m_free: the zone fast path. */
  mbuf_get_free(n) {
    return {
      ns_per_op: timeit(n, (n) => {
        for (let i = 0; i < n; i++) {
          const m = m_gethdr(M_NOWAIT, MT_DATA);
          if (m === null) throw new Error("out of mbufs");
          m_free(m);
        }
      }),
    };
  },

  /** m_pullup of 20 bytes split 8 + 12 over a two-mbuf chain. */
  m_pullup_2mbuf(n) {
    return {
      ns_per_op: timeit(n, (n) => {
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
      }),
    };
  },

  /** V_ counter increments with curvnet set, as IPSTAT_INC does. */
  vnet_counter_inc(n) {
    const saved = CURVNET_SET(vnet0, "bench");
    const ns = timeit(n, (n) => {
      for (let i = 0; i < n; i++) VNET_U64_ADD(benchstat + (i & (NCOUNTERS - 1)), 1);
    });
    CURVNET_RESTORE(saved);
    // Read back so the loop cannot be dropped as dead.
    let sum = 0;
    const s2 = CURVNET_SET(vnet0, "bench");
    for (let i = 0; i < NCOUNTERS; i++) sum += VNET_U64(benchstat + i);
    CURVNET_RESTORE(s2);
    return { ns_per_op: ns, extra: { sum } };
  },

  /** vnet_alloc + vnet_destroy (VIMAGE only). */
  vnet_create_destroy(n) {
    if (!VIMAGE) return { ns_per_op: NaN };
    return {
      ns_per_op: timeit(n, (n) => {
        for (let i = 0; i < n; i++) vnet_destroy(vnet_alloc());
      }),
    };
  },

  /** Heap and ArrayBuffer bytes per idle vnet, over `n` vnets (VIMAGE only). */
  vnet_idle_memory(n) {
    if (!VIMAGE) return { ns_per_op: NaN };
    gc();
    gc();
    const m0 = process.memoryUsage();
    const t0 = process.hrtime.bigint();
    const vs: vnet[] = [];
    for (let i = 0; i < n; i++) vs.push(vnet_alloc());
    const t1 = process.hrtime.bigint();
    gc();
    gc();
    const m1 = process.memoryUsage();
    const bytes = (m1.heapUsed - m0.heapUsed + (m1.arrayBuffers - m0.arrayBuffers)) / n;
    for (const v of vs) vnet_destroy(v);
    return { ns_per_op: Number(t1 - t0) / n, extra: { bytes_per_vnet: bytes } };
  },
};

export default function run(j: job): result {
  const w = workloads[j.workload];
  if (w === undefined) throw new Error(`unknown workload ${j.workload}`);
  const r = w(j.iterations);
  const o = mbuf_outstanding();
  if (o.mbufs !== 0 || o.clusters !== 0) throw new Error(`${j.workload} leaked ${o.mbufs} mbufs, ${o.clusters} clusters`);
  return r;
}
