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

/**
 * lan (192.168.0.2) -- gw (192.168.0.1 | 198.51.100.1) -- pub (198.51.100.2),
 * the NAT tests' net: `modules` loaded (ipfw and what translates), ipfw
 * allowing all in lan and pub; gw gets its outside address only when
 * `gw_outside` (an `ipfw nat ... if` instance may want to see it come).
 */
export function nat_net(modules: string, gw_outside: boolean): string {
  return `jail -c name=lan persist vnet >/dev/null
jail -c name=gw persist vnet >/dev/null
jail -c name=pub persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet lan
ifconfig epair0b vnet gw
ifconfig epair1a vnet gw
ifconfig epair1b vnet pub
jexec lan ifconfig epair0a 192.168.0.2/24 up
jexec lan route -q add default 192.168.0.1
jexec gw ifconfig epair0b 192.168.0.1/24 up
${gw_outside ? "jexec gw ifconfig epair1a 198.51.100.1/24 up\n" : ""}jexec gw sysctl net.inet.ip.forwarding=1 >/dev/null
jexec pub ifconfig epair1b 198.51.100.2/24 up
kldload ${modules}
jexec lan ipfw -q add allow ip from any to any
jexec pub ipfw -q add allow ip from any to any
`;
}

/** Through nat_net's router: two pings from lan to pub, "hello" over UDP
 *  (lan port 4000 to pub 5000, into udp.out) and "over tcp" over TCP (lan
 *  port 4001 to pub 6000, into tcp.out); jobs %1 and %2. */
export const NAT_TRAFFIC = `jexec lan ping -c 2 198.51.100.2 | grep transmitted
jexec pub nc -u -l -w 2 -v -n 5000 > udp.out &
sleep 1
echo hello | jexec lan nc -u -w 1 -p 4000 198.51.100.2 5000
wait %1
jexec pub nc -l -v -n 6000 > tcp.out &
sleep 1
echo over tcp | jexec lan nc -N -p 4001 198.51.100.2 6000
wait %2
`;
