// Builds the kernel bundles: the same source with VIMAGE on and off (and a
// VNET_DEBUG variant), as `options VIMAGE` selects in a FreeBSD kernel config,
// plus the benchmark runner and its workers, the library entry (lib.ts,
// `import { boot } from "virtnet"`) and its type declarations.
import { build } from "esbuild";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

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
  // The package entry: a small loader that imports one of the bundles above
  // per boot(); it only imports types from the kernel, so none is bundled in.
  build({
    ...common,
    entryPoints: { lib: "lib.ts" },
    outdir: dist,
    define: { VIMAGE: "true", VNET_DEBUG: "false" },
  }),
  // Declarations for the package's "types" export, generated from the
  // source: lib.d.ts and the kernel's (index.d.ts and the files it exports).
  // A type error in the source is shown but does not stop the build (tsc
  // still writes the declarations): `npm test` type-checks the tree first.
  promisify(execFile)(process.execPath, [fileURLToPath(new URL("node_modules/typescript/bin/tsc", import.meta.url)), "-p", "tsconfig.lib.json", "--outDir", `${dist}/types`]).catch((e) => {
    if (typeof e.stdout === "string" && e.stdout !== "") process.stderr.write(`build: declarations (${dist}/types): type errors:\n${e.stdout}`);
    else throw e;
  }),
  build({
    ...common,
    entryPoints: { bench: "bench/run.ts" },
    outdir: dist,
    define: { VIMAGE: "true", VNET_DEBUG: "false" },
    external: ["piscina", "benchmark"],
  }),
]);
