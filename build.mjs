// Builds the kernel bundles: the same source with VIMAGE on and off (and a
// VNET_DEBUG variant), as `options VIMAGE` selects in a FreeBSD kernel config,
// plus the benchmark runner and its workers.
import { build } from "esbuild";

// VIRTNET_DIST lets several builds coexist (e.g. parallel work); default dist/.
const dist = process.env.VIRTNET_DIST ?? "dist";

const configs = [
  { dir: "vimage", VIMAGE: true, VNET_DEBUG: false },
  { dir: "novimage", VIMAGE: false, VNET_DEBUG: false },
  { dir: "vimage-debug", VIMAGE: true, VNET_DEBUG: true },
];

const common = { outExtension: { ".js": ".mjs" }, bundle: true, platform: "node", format: "esm", target: "node20", sourcemap: false, logLevel: "warning", legalComments: "none" };

await Promise.all([
  ...configs.map((c) =>
    build({
      ...common,
      entryPoints: { virtnet: "index.ts", "bench-worker": "bench/worker.ts" },
      outdir: `${dist}/${c.dir}`,
      define: { VIMAGE: String(c.VIMAGE), VNET_DEBUG: String(c.VNET_DEBUG) },
      external: ["piscina", "benchmark"],
    }),
  ),
  build({
    ...common,
    entryPoints: { bench: "bench/run.ts" },
    outdir: dist,
    define: { VIMAGE: "true", VNET_DEBUG: "false" },
    external: ["piscina", "benchmark"],
  }),
]);
