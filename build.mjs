// Builds the kernel bundles: the same source with VIMAGE on and off (and a
// VNET_DEBUG variant), as `options VIMAGE` selects in a FreeBSD kernel config,
// plus the benchmark runner and its workers, the library entry (lib.ts,
// `import { boot } from "virtnet"`) and its type declarations.
import { build } from "esbuild";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

// VIRTNET_DIST lets several builds coexist (e.g. parallel work); default dist/.
const dist = process.env.VIRTNET_DIST ?? "dist";

const configs = [
  { dir: "vimage", VIMAGE: true, VNET_DEBUG: false },
  { dir: "novimage", VIMAGE: false, VNET_DEBUG: false },
  { dir: "vimage-debug", VIMAGE: true, VNET_DEBUG: true },
];

// VNET_DEBUG: every CURVNET_SET( in the kernel source becomes
// CURVNET_SET_AT("<file>", <line>, so a recursion report names its call site,
// as the C macro does with __FILE__ and __LINE__ (net/vnet.ts).  Comments are
// left alone, and so is net/vnet.ts, which defines both.
const root = path.dirname(fileURLToPath(import.meta.url));
const curvnet_set_sites = {
  name: "curvnet-set-sites",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const file = path.relative(root, args.path).split(path.sep).join("/");
      if (file.startsWith("node_modules/") || file === "net/vnet.ts") return undefined;
      const src = await readFile(args.path, "utf8");
      if (!src.includes("CURVNET_SET(")) return undefined;
      const contents = src.replace(/(?<![\w.])CURVNET_SET\(/g, (m, off) => {
        const bol = src.lastIndexOf("\n", off) + 1;
        if (/\/\/|^\s*\*/.test(src.slice(bol, off))) return m;
        const line = src.slice(0, off).split("\n").length;
        return `CURVNET_SET_AT(${JSON.stringify(file)}, ${line}, `;
      });
      if (contents === src) return undefined;
      let vnet_ts = path.relative(path.dirname(args.path), path.join(root, "net", "vnet.ts")).split(path.sep).join("/");
      if (!vnet_ts.startsWith(".")) vnet_ts = `./${vnet_ts}`;
      return { contents: `import { CURVNET_SET_AT } from ${JSON.stringify(vnet_ts)};\n${contents}`, loader: "ts" };
    });
  },
};

const common = { outExtension: { ".js": ".mjs" }, bundle: true, platform: "node", format: "esm", target: "node20", sourcemap: false, logLevel: "warning", legalComments: "none" };

await Promise.all([
  ...configs.map((c) =>
    build({
      ...common,
      entryPoints: { virtnet: "index.ts", "bench-worker": "bench/worker.ts" },
      outdir: `${dist}/${c.dir}`,
      define: { VIMAGE: String(c.VIMAGE), VNET_DEBUG: String(c.VNET_DEBUG) },
      external: ["piscina", "benchmark"],
      plugins: c.VNET_DEBUG ? [curvnet_set_sites] : [],
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
