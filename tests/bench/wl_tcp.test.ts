// bench/wl_tcp.ts through the benchmark worker (what `npm run bench` runs):
// each TCP workload runs briefly on the built bundles, moves payload, ends
// with no mbuf out (the worker throws otherwise), and keeps to the path it
// claims to measure.  Nothing here asserts a rate.
import test from "ava";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { job, result } from "../../bench/worker.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
type runner = (j: job) => Promise<result>;
async function worker(build: "vimage" | "novimage"): Promise<runner> {
  const dist = process.env.VIRTNET_DIST ?? "dist";
  const m = (await import(pathToFileURL(path.join(root, dist, build, "bench-worker.mjs")).href)) as { default: runner };
  return m.default;
}

for (const build of ["vimage", "novimage"] as const) {
  test(`${build}: bulk TCP over lo0, the MSS follows lo0's MTU; tcp_input allocates nothing per segment`, async (t) => {
    const run = await worker(build);
    for (const [mtu, mss] of [
      [16384, 16344],
      [512, 472],
      [1500, 1460],
    ]) {
      const r = (await run({ op: "tcp_lo0", args: { mtu, ms: 20 } })).v;
      t.is(r.mss, mss, `MTU ${mtu}`);
      t.true(r.gbps > 0, `MTU ${mtu}`);
    }
    for (const fn of ["prepare_data", "tcp_input_data", "prepare_ack", "tcp_input_ack"]) {
      const r = (await run({ op: "tfunc", args: { fn, ms: 10, seq: "high" } })).v;
      t.true(r.ns > 0 && r.calls > 0, fn);
    }
    // A real allocation is an object per call (16 B and up); V8's own
    // noise is well under a byte per call once the code is optimized.
    // Sequence numbers below 2^31 (above, they are heap numbers, and
    // tcp_input boxes some: bench/report.ts says so beside the figures).
    for (const fn of ["tcp_input_data", "tcp_input_ack"]) {
      await run({ op: "tfunc", args: { fn, ms: 150, seq: "low" } });
      const r = (await run({ op: "tfunc_alloc", args: { fn, n: 10000, seq: "low" } })).v;
      t.true(r.bytes < 8, `${fn}: ${r.bytes} B per call`);
    }
    for (const queue of ["kernel", "shared", "pervnet"]) {
      const r = (await run({ op: "tcp_idle", args: { N: build === "vimage" ? 4 : 0, queue, ms: 20 } })).v;
      t.true(r.gbps > 0, queue);
    }
  });
}

test("vimage: bulk TCP through one router (vnet jails and epairs)", async (t) => {
  const run = await worker("vimage");
  const r = (await run({ op: "tcp_fwd", args: { ms: 20 } })).v;
  t.is(r.mss, 1460);
  t.true(r.gbps > 0);
});

test("novimage: no router without vnets", async (t) => {
  const run = await worker("novimage");
  await t.throwsAsync(run({ op: "tcp_fwd", args: { ms: 20 } }), { message: /needs the VIMAGE build/ });
});
