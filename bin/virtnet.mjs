#!/usr/bin/env node
// The virtnet command.  Loads the VIMAGE kernel build (or the baseline with
// VIRTNET_BUILD=novimage) and hands it the command line.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const build = process.env.VIRTNET_BUILD ?? "vimage";
const bundle = path.join(root, process.env.VIRTNET_DIST ?? "dist", build, "virtnet.mjs");
if (!fs.existsSync(bundle)) {
  process.stderr.write(`virtnet: ${bundle} is missing: run \`npm run build\` first\n`);
  process.exit(70);
}
const k = await import(pathToFileURL(bundle).href);
const out = { write: (s) => process.stdout.write(s) };
const err = { write: (s) => process.stderr.write(s) };
const status = await k.virtnet_main(process.argv.slice(2), out, err, () => fs.readFileSync(0, "utf8"));
process.exitCode = status;
