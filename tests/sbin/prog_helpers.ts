// Helpers for the userland tests: run a script through `virtnet run` on a
// fresh kernel and collect what it printed.
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";

export interface script_result {
  k: Kernel;
  out: string;
  err: string;
  status: number;
}

/** Run src on a freshly loaded (and, by virtnet_run_script, booted) kernel. */
export async function run_script(src: string, opts: { seed?: number; cwd?: string; before?: (k: Kernel) => void } = {}): Promise<script_result> {
  const k = await loadKernelUnbooted("vimage");
  opts.before?.(k);
  let out = "";
  let err = "";
  const status = await k.virtnet_run_script(src, {
    seed: opts.seed ?? 0,
    pcapdir: null,
    name: "t.sh",
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (err += s) },
    cwd: opts.cwd ?? process.cwd(),
  });
  return { k, out, err, status };
}

/** Two vnet jails a (10.0.0.1/24 on epair0a) and b (10.0.0.2/24 on epair0b). */
export const TWO_JAILS = `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
`;

/** Print both ends' interface blocks and a marker line; `split_macs` takes
 *  the MACs from them and returns what the script printed after the marker. */
export const SHOW_MACS = "jexec a ifconfig epair0a\njexec b ifconfig epair0b\necho ---\n";

export function split_macs(out: string): { a: string; b: string; rest: string } {
  const cut = out.indexOf("---\n");
  if (cut < 0) throw new Error(`no marker in:\n${out}`);
  const head = out.slice(0, cut);
  const m = [...head.matchAll(/\tether ([0-9a-f:]{17})/g)].map((x) => x[1]);
  if (m.length < 2) throw new Error(`no ether lines in:\n${head}`);
  return { a: m[0], b: m[1], rest: out.slice(cut + 4) };
}

/** Jails a (10.0.0.1, ngeth0) and b (10.0.0.2, ngeth1), two ng_eiface
 *  joined by an ng_pipe named link with `cfg` (setcfg's fields, e.g.
 *  "delay=20000"); `ifargs` goes on both ifconfig lines ("mtu 1040"). */
export function pipe_jails(cfg: string, ifargs = ""): string {
  const extra = ifargs === "" ? "" : ` ${ifargs}`;
  return `jail -c name=a vnet persist >/dev/null
jail -c name=b vnet persist >/dev/null
ngctl mkpeer . eiface e ether
ngctl mkpeer . eiface e ether
ngctl mkpeer ngeth0: pipe ether upper
ngctl name ngeth0:ether link
ngctl connect link: ngeth1: lower ether
ngctl msg link: setcfg "{ ${cfg} }"
ifconfig ngeth0 vnet a
ifconfig ngeth1 vnet b
jexec a ifconfig ngeth0 inet 10.0.0.1/24${extra} up
jexec b ifconfig ngeth1 inet 10.0.0.2/24${extra} up
`;
}
