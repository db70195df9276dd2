#!/usr/bin/env node
// The virtnet command.  Loads the VIMAGE kernel build (or the baseline with
// VIRTNET_BUILD=novimage) and hands it the command line; `virtnet bench`
// runs the benchmark runner built beside it (dist/bench.mjs).
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, process.env.VIRTNET_DIST ?? "dist");
const build = process.env.VIRTNET_BUILD ?? "vimage";
const bundle = path.join(dist, build, "virtnet.mjs");
if (!fs.existsSync(bundle)) {
  process.stderr.write(`virtnet: ${bundle} is missing: run \`npm run build\` first\n`);
  process.exit(70);
}

/** dist/bench.mjs in a child node; with help, its usage on our stdout. */
function bench(args, help) {
  const runner = path.join(dist, "bench.mjs");
  if (!fs.existsSync(runner)) {
    process.stderr.write(`virtnet: ${runner} is missing: run \`npm run build\` first\n`);
    return Promise.resolve(70);
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [runner, ...(help ? ["--help"] : args)], { stdio: help ? ["ignore", "inherit", "pipe"] : "inherit" });
    let usage = "";
    if (help) child.stderr.on("data", (d) => (usage += d));
    // ^C reaches the child through the terminal; do not die before it.
    const ignore = () => {};
    process.on("SIGINT", ignore);
    child.on("close", (code, signal) => {
      process.off("SIGINT", ignore);
      if (help) {
        process.stdout.write(usage.replace(/^usage: bench/, "usage: virtnet bench"));
        resolve(0);
      } else resolve(code ?? 128 + (os.constants.signals[signal] ?? 15));
    });
  });
}

const k = await import(pathToFileURL(bundle).href);
// The shell's strings carry any byte (sh_to_bytes in sbin/sh.ts).
const out = { write: (s) => process.stdout.write(k.sh_to_bytes(s)) };
const err = { write: (s) => process.stderr.write(k.sh_to_bytes(s)) };
const status = await k.virtnet_main(process.argv.slice(2), out, err, () => fs.readFileSync(0, "utf8"), { bench });
process.exitCode = status;
