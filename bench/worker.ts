// A benchmark worker: one piscina thread running one kernel build.  The
// bundle this file is built into decides VIMAGE (build.mjs bundles it once
// per build); the runner sends the same job to a VIMAGE worker and a
// baseline worker in turn.  A worker keeps what it built (topologies,
// sockets, idle vnets) between jobs, so each is built once per worker.
import { kern_boot, mbuf_outstanding } from "../index.ts";
import { micro } from "./wl_micro.ts";
import { func_alloc, func_run } from "./wl_func.ts";
import { mgmt_run, scale_run } from "./wl_mgmt.ts";
import { link_alloc, link_run, type link_kind } from "./wl_links.ts";
import { bridge_alloc, bridge_run, type bridge_kind } from "./wl_bridge.ts";
import { imunes_run } from "./wl_imunes.ts";
import { tcp_alloc, tcp_fwd_run, tcp_idle_run, tcp_lo0_run, tfunc_alloc, tfunc_run, type tcp_result } from "./wl_tcp.ts";
import { dn_cost, dn_rate } from "./wl_dummynet.ts";
import { ipfw_cost } from "./wl_ipfw.ts";
import { ablation_run, echo_alloc, echo_kernel_alloc, echo_run, fwd_alloc, fwd_kernel_alloc, fwd_run, idle_run } from "./wl_packets.ts";

// Every VNET_DEFINE of the workload modules above ran at import, before boot.
kern_boot({ seed: 1 });

export type job_args = Record<string, number | string | boolean>;
export interface job {
  op: string;
  args: job_args;
}
export interface result {
  /** The figures the job measured, by name. */
  v: Record<string, number>;
}

type handler = (a: job_args) => Record<string, number> | Promise<Record<string, number>>;

const num = (a: job_args, k: string): number => {
  const x = a[k];
  if (typeof x !== "number") throw new Error(`job argument ${k} missing`);
  return x;
};
const str = (a: job_args, k: string): string => {
  const x = a[k];
  if (typeof x !== "string") throw new Error(`job argument ${k} missing`);
  return x;
};
const mode_of = (a: job_args): "vnet" | "fib" => (str(a, "mode") === "vnet" ? "vnet" : "fib");
/** The chain's address family: 4 unless the job says 6. */
const af_of = (a: job_args): 4 | 6 => (a.af === 6 ? 6 : 4);

const tcp_v = (r: tcp_result): Record<string, number> => ({ gbps: r.gbps, mss: r.mss, stalls: r.stalls });

const ops: Record<string, handler> = {
  micro: (a) => ({ ns: micro[str(a, "name")](num(a, "n")) }),
  fwd: (a) => {
    const r = fwd_run(mode_of(a), num(a, "H"), num(a, "ms"), a.wall === true, af_of(a));
    return { pps: r.pps, hps: r.hps };
  },
  fwd_alloc: (a) => ({ bytes: fwd_alloc(mode_of(a), num(a, "H"), num(a, "n"), af_of(a)), kernel_bytes: fwd_kernel_alloc(mode_of(a), num(a, "H"), num(a, "n"), af_of(a)) }),
  echo: (a) => ({ rate: echo_run(num(a, "size"), num(a, "ms")) }),
  echo_alloc: (a) => ({ bytes: echo_alloc(num(a, "size"), num(a, "n")), kernel_bytes: echo_kernel_alloc(num(a, "n")) }),
  mgmt: (a) => mgmt_run(str(a, "what"), num(a, "n")),
  scale: (a) => scale_run(num(a, "N"), a.epair !== false),
  func: (a) => func_run(str(a, "fn"), num(a, "max_time")),
  func_alloc: (a) => ({ bytes: func_alloc(str(a, "fn"), num(a, "n")) }),
  idle: (a) => ({ rate: idle_run(num(a, "N"), num(a, "ms")) }),
  ablation: (a) => ({ rate: ablation_run(num(a, "N"), a.pervnet === true, num(a, "ms")) }),
  link: (a) => ({ rate: link_run(str(a, "kind") as link_kind, num(a, "ms")) }),
  link_alloc: (a) => ({ bytes: link_alloc(str(a, "kind") as link_kind, num(a, "n")) }),
  bridge: (a) => ({ rate: bridge_run(str(a, "kind") as bridge_kind, num(a, "ms")) }),
  bridge_alloc: (a) => ({ bytes: bridge_alloc(str(a, "kind") as bridge_kind, num(a, "n")) }),
  imunes: (a) => imunes_run(num(a, "routers"), num(a, "pcs")),
  tcp_lo0: (a) => tcp_v(tcp_lo0_run(num(a, "mtu"), num(a, "ms"))),
  tcp_idle: (a) => tcp_v(tcp_idle_run(num(a, "N"), str(a, "queue"), num(a, "ms"))),
  tcp_fwd: (a) => tcp_v(tcp_fwd_run(num(a, "ms"))),
  tcp_alloc: (a) => ({ bytes: tcp_alloc(str(a, "where"), num(a, "rounds")) }),
  tfunc: (a) => tfunc_run(str(a, "fn"), num(a, "ms"), a.seq === "high" ? "high" : "low"),
  dn_rate: (a) => dn_rate(num(a, "bw"), num(a, "ms")),
  dn_cost: (a) => ({ ns: dn_cost(num(a, "ms")) }),
  ipfw_cost: async (a) => ({ ns: await ipfw_cost(num(a, "rules"), num(a, "table"), num(a, "ms")) }),
  tfunc_alloc: (a) => ({ bytes: tfunc_alloc(str(a, "fn"), num(a, "n"), a.seq === "high" ? "high" : "low") }),
};

export default async function run(j: job): Promise<result> {
  const h = ops[j.op];
  if (h === undefined) throw new Error(`unknown job ${j.op}`);
  const v = await h(j.args);
  const o = mbuf_outstanding();
  if (o.mbufs !== 0 || o.clusters !== 0) throw new Error(`${j.op} left ${o.mbufs} mbufs, ${o.clusters} clusters outstanding`);
  return { v };
}
