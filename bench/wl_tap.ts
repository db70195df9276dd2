// The tap workload: a real Linux network namespace and a jail talking
// through tap0 (net/if_tuntap.ts, net/linux_tap.ts).  Each round runs in a
// namespace of its own (`unshare -n`): `virtnet run` (VIRTNET_BUILD picks
// the kernel) makes tap0 and gives it to a vnet jail (on the baseline,
// which has no vnets, tap0 stays in the one stack), then Linux's ping
// measures the round-trip time (one echo every 2 ms: median and 99th
// percentile of the per-echo times) and a flood ping the echo rate (echoes
// answered per second of the flood).  Linux time, socat's two copies and
// the UDP relay are all in these figures: they are those of the path a
// user gets, not of the simulated stack alone.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface tap_round {
  rtt_median_ms: number;
  rtt_p99_ms: number;
  /** Echoes answered per second during the flood. */
  echo_rate: number;
}

function which(name: string): boolean {
  return (process.env.PATH ?? "").split(":").some((d) => d !== "" && fs.existsSync(path.join(d, name)));
}

/** Why the tap bench cannot run here (null: it can). */
export function tap_bench_unusable(): string | null {
  for (const t of ["unshare", "ip", "socat", "ping"]) if (!which(t)) return `skipped: ${t} not found on PATH`;
  if (process.getuid?.() !== 0) return "skipped: not root (a Linux TAP and a network namespace need root)";
  return null;
}

function virtnet_script(build: "vimage" | "novimage"): string {
  const setup =
    build === "vimage"
      ? "jail -c name=r vnet persist >/dev/null\nifconfig tap0 vnet r\njexec r ifconfig tap0 10.77.0.2/24 up\n"
      : "ifconfig tap0 10.77.0.2/24 up\n";
  return `ifconfig tap create >/dev/null\n${setup}touch ready\nsleep 600\n`;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** One round on one build: n_rtt timed echoes, then a flood of n_flood. */
export function tap_bench_round(bin: string, build: "vimage" | "novimage", n_rtt: number, n_flood: number): Promise<tap_round> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-bench-tap-"));
  fs.writeFileSync(path.join(dir, "v.sh"), virtnet_script(build));
  const script = `ip link set lo up
VIRTNET_BUILD=${build} "${process.execPath}" "${bin}" run v.sh > v.out 2>&1 &
V=$!
i=0; while [ ! -e ready ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done
[ -e ready ] || { echo "no tap0"; cat v.out; kill -KILL $V; exit 1; }
ip addr add 10.77.0.1/24 dev tap0 && ip link set tap0 up
ping -n -q -c 100 -i 0.002 10.77.0.2 >/dev/null
echo "== rtt"; ping -n -c ${n_rtt} -i 0.002 10.77.0.2
echo "== flood"; ping -n -q -f -c ${n_flood} 10.77.0.2
kill -KILL $V
`;
  return new Promise((resolve, reject) => {
    const c = spawn("unshare", ["-n", "/bin/sh", "-c", script], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    c.stdout.on("data", (b: Buffer) => (out += b.toString()));
    c.stderr.on("data", (b: Buffer) => (out += b.toString()));
    c.on("error", reject);
    c.on("close", () => {
      fs.rmSync(dir, { recursive: true, force: true });
      const rtt_part = out.slice(out.indexOf("== rtt"), out.indexOf("== flood"));
      const times = [...rtt_part.matchAll(/time=([0-9.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
      const fl = /(\d+) packets transmitted, (\d+) received.*time (\d+)ms/.exec(out.slice(out.indexOf("== flood")));
      if (times.length === 0 || fl === null) {
        reject(new Error(`tap round on ${build}: no figures in:\n${out.slice(0, 2000)}`));
        return;
      }
      resolve({
        rtt_median_ms: quantile(times, 0.5),
        rtt_p99_ms: quantile(times, 0.99),
        echo_rate: Number(fl[2]) / (Math.max(1, Number(fl[3])) / 1000),
      });
    });
  });
}

/** spawnSync'd check that unshare works here (a container may refuse it). */
export function tap_bench_probe(): string | null {
  const r = spawnSync("unshare", ["-n", "true"], { encoding: "utf8" });
  return r.status === 0 ? null : `skipped: unshare -n refused (${(r.stderr ?? "").trim()})`;
}
