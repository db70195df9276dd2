// examples/library.ts: it type-checks as a user's code does (strict,
// through the package's "exports", against the declarations `npm run
// build` generated, themselves checked too), and it runs: 20 vnet jails, a
// ping through 18 routers, each router's forwarded count, the echo counts
// at both ends, the ARP entries expiring in virtual time, and the pcap it
// writes.  The example imports "virtnet", which is dist/ whatever
// VIRTNET_DIST says.
import test from "ava";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

test("examples/library.ts type-checks against the generated declarations", async (t) => {
  const tsc = path.join(root, "node_modules/typescript/bin/tsc");
  const r = await run(process.execPath, [tsc, "-p", "examples/tsconfig.json", "--listFilesOnly"], { cwd: root });
  // It resolves "virtnet" to the build's declarations, not to the source.
  const files = r.stdout.split("\n").map((f) => path.relative(root, f));
  t.true(files.includes(path.join("dist", "types", "lib.d.ts")), "dist/types/lib.d.ts is what `virtnet` resolves to");
  t.false(files.includes("lib.ts"));
  const check = await run(process.execPath, [tsc, "-p", "examples/tsconfig.json"], { cwd: root }).then(
    () => ({ ok: true, out: "" }),
    (e: { stdout?: string; stderr?: string }) => ({ ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}` }),
  );
  t.true(check.ok, check.out);
});

test("examples/library.ts runs: a ping across 20 nodes and every node's counters", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-example-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pcap = path.join(dir, "n20.pcap");
  const r = await run(process.execPath, ["--import", "tsx", "examples/library.ts", pcap], { cwd: root });
  t.is(r.stderr, "");
  const lines = r.stdout.split("\n");
  t.is(lines[0], "PING 10.0.19.2 (10.0.19.2): 56 data bytes");
  // 64 - 18 routers = TTL 46 on the replies.
  for (let i = 0; i < 3; i++) t.is(lines[1 + i], `64 bytes from 10.0.19.2: icmp_seq=${i} ttl=46 time=0.000 ms`);
  t.true(lines.includes("3 packets transmitted, 3 packets received, 0.0% packet loss"));
  // ARP request and reply, three echo requests and three replies (n20's
  // gratuitous ARP went out before the capture began).
  t.true(lines.includes("n20 captured 8 frames on epair18b"), r.stdout);

  const rows = new Map<string, number[]>();
  for (const l of lines) {
    const m = /^(n\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(l);
    if (m !== null) rows.set(m[1], m.slice(2).map(Number));
  }
  t.is(rows.size, 20);
  t.deepEqual(rows.get("n1"), [0, 0, 0, 3], "n1 forwards nothing and gets the three replies");
  t.deepEqual(rows.get("n20"), [0, 3, 3, 0], "n20 answers the three requests");
  for (let i = 2; i <= 19; i++) t.deepEqual(rows.get(`n${i}`), [6, 0, 0, 0], `n${i} forwards 3 requests and 3 replies`);
  t.true(lines.includes("forwarded in all: 108; virtual time: 2.000 s"));
  // Two ARP entries per link (one each end), 19 links.
  t.true(lines.includes("after 1207 s: 38 ARP entries timed out"));

  const b = fs.readFileSync(pcap);
  t.is(b.readUInt32LE(0), 0xa1b2c3d4);
  t.is(b.readUInt32LE(20), 1, "Ethernet");
  let n = 0;
  for (let off = 24; off < b.length; off += 16 + b.readUInt32LE(off + 8)) n++;
  t.is(n, 8);
});
