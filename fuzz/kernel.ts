// Loads a kernel bundle (dist/<build>/virtnet.mjs) as tests/helpers/builds.ts
// does: each import with a fresh query string is a fresh kernel.
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import type * as K from "../index.ts";

export type Kernel = typeof K;
export type fuzz_build = "vimage" | "vimage-debug";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let instance = 0;

export async function load_kernel(build: fuzz_build): Promise<Kernel> {
  const dist = process.env.VIRTNET_DIST ?? "dist";
  const url = pathToFileURL(path.join(root, dist, build, "virtnet.mjs")).href + `?fuzz=${instance++}`;
  return (await import(url)) as Kernel;
}
