// Helpers for the transfer tests (tcp_sack, nc): two vnet jails joined by
// ng_pipe (ngeth0 in a, ngeth1 in b), nc moving files each way through the
// shell's redirections, pcaps of both ends, netstat -s -p tcp of the
// sender, and the bytes that arrived.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import { pipe_jails } from "../sbin/prog_helpers.ts";

export interface transfer_opts {
  /** ng_pipe setcfg body, e.g. "bandwidth=100000000 delay=1000". */
  pipe: string;
  /** Bytes a sends to b, and b sends back to a (0: that direction not run). */
  ab: number;
  ba: number;
  v6?: boolean;
  seed?: number;
  pcap?: boolean;
}

export interface transfer_result {
  k: Kernel;
  dir: string;
  sent_ab: Buffer;
  got_ab: Buffer;
  sent_ba: Buffer;
  got_ba: Buffer;
  /** What the script printed (netstat -s -p tcp of a, then of b, split by "---"). */
  out: string;
  err: string;
}

/** Random-looking bytes of every value (binary: no text assumed), seeded. */
export function binary_payload(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

export const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** Run the transfers on a fresh kernel; the caller removes dir (t.teardown). */
export async function pipe_transfer(o: transfer_opts): Promise<transfer_result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-xfer-"));
  const sent_ab = binary_payload(o.ab, 1);
  const sent_ba = binary_payload(o.ba, 2);
  fs.writeFileSync(path.join(dir, "ab.bin"), sent_ab);
  fs.writeFileSync(path.join(dir, "ba.bin"), sent_ba);
  const [a, b, l] = o.v6 === true ? ["fd00::1", "fd00::2", "-6 -l"] : ["10.0.0.1", "10.0.0.2", "-l"];
  const k = await loadKernelUnbooted("vimage");
  let out = "";
  let err = "";
  const script = `${pipe_jails(o.pipe)}jexec a ifconfig ngeth0 inet6 fd00::1/64
jexec b ifconfig ngeth1 inet6 fd00::2/64
sleep 3
${o.ab > 0 ? `jexec b nc ${l} 7000 > got_ab.bin &
sleep 1
jexec a nc -N ${b} 7000 < ab.bin
wait` : ""}
${o.ba > 0 ? `jexec a nc ${l} 7001 > got_ba.bin &
sleep 1
jexec b nc -N ${a} 7001 < ba.bin
wait` : ""}
jexec a netstat -s -p tcp
echo ---
jexec b netstat -s -p tcp
# TIME_WAIT (2MSL, 60 s) keeps the closing sides' sockets.
sleep 61
jail -r a b >/dev/null
`;
  const status = await k.virtnet_run_script(script, {
    seed: o.seed ?? 0,
    pcapdir: o.pcap === true ? dir : null,
    name: "xfer.sh",
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (err += s) },
    cwd: dir,
  });
  if (status !== 0) throw new Error(`script failed (${status}): ${err}`);
  const read = (f: string): Buffer => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f)) : Buffer.alloc(0));
  return { k, dir, sent_ab, got_ab: read("got_ab.bin"), sent_ba, got_ba: read("got_ba.bin"), out, err };
}

/** "N data packets (M bytes) retransmitted" of a netstat -s -p tcp block. */
export function netstat_rexmit(block: string): { packets: number; bytes: number } {
  const m = /\t\t(\d+) data packets? \((\d+) bytes?\) retransmitted\n/.exec(block);
  if (m === null) throw new Error(`no retransmitted line in:\n${block}`);
  return { packets: Number(m[1]), bytes: Number(m[2]) };
}
