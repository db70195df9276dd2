// Loads the built bundles (dist/**/*.mjs) with Node's own ESM loader, ahead
// of tsx.  ava runs the tests with `--import=tsx` (for the .ts test files)
// and then `--import=./tests/helpers/bundles.mjs`; hooks registered later
// run first, so this load hook sees each bundle before tsx does.
//
// Why: a bundle's text contains "import(" (a dynamic import of node:crypto
// or node:readline, or lib.mjs importing a kernel), so tsx's load hook
// rewrites every dynamic import in it and attaches an inline source map of
// the whole 3.5 MB file, which Node then parses.  Every fresh kernel (each
// loadKernel(), each lib boot()) is a new URL, so that cost (about 2 s of
// CPU) was paid for every kernel a test loaded.  The bundles are plain
// JavaScript that tsx has nothing to compile in; its rewrite only appends a
// CommonJS-interop .then() to dynamic imports of node: built-ins, which
// changes nothing for them.  So the tests run exactly the file that ships.
import { register } from "node:module";
import { readFile } from "node:fs/promises";
import { isMainThread } from "node:worker_threads";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dist = pathToFileURL(path.join(root, process.env.VIRTNET_DIST ?? "dist")).href + "/";

/** Node's module.register load hook: a built bundle is read as is. */
export async function load(url, context, nextLoad) {
  if (url.startsWith(dist) && new URL(url).pathname.endsWith(".mjs")) {
    return { format: "module", source: await readFile(new URL(url)), shortCircuit: true };
  }
  return nextLoad(url, context);
}

// The hooks run in their own thread, where this file is loaded again.
if (isMainThread) register(import.meta.url);
