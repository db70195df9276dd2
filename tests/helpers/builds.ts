// Loads the kernel bundles built by build.mjs.  Tests run against the built
// code, so what is tested is what ships: the VIMAGE build, the baseline
// (VIMAGE off), and the VNET_DEBUG variant.  Each import with a distinct
// query string is a fresh module instance, that is, a fresh kernel.
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import type * as K from "../../index.ts";

export type Kernel = typeof K;
export type BuildName = "vimage" | "novimage" | "vimage-debug";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let instance = 0;

/** A freshly loaded kernel of the given build, not yet booted. */
export async function loadKernelUnbooted(build: BuildName): Promise<Kernel> {
  const dist = process.env.VIRTNET_DIST ?? "dist";
  const url = pathToFileURL(path.join(root, dist, build, "virtnet.mjs")).href + `?k=${instance++}`;
  return (await import(url)) as Kernel;
}

/** A freshly loaded, booted kernel of the given build. */
export async function loadKernel(build: BuildName, seed = 0): Promise<Kernel> {
  const k = await loadKernelUnbooted(build);
  k.kern_boot({ seed });
  return k;
}

/** The builds a test that needs only one stack runs on. */
export const BOTH: BuildName[] = ["vimage", "novimage"];
