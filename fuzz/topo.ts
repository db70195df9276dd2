// The fuzzer's world: a booted kernel with three vnet jails joined by two
// epairs, forwarding on in the middle one, ARP resolved, UDP and raw
// sockets bound in the end jails.  Built through the programs (sh, jail,
// ifconfig, route, sysctl, ping) and the system calls, as a user would.
//
//   fa  epair0a 10.1.1.1/24 --- epair0b 10.1.1.2/24  fb  epair1a 10.1.2.1/24 --- epair1b 10.1.2.2/24  fc
//
// with vlans on the first link: VID 5 (10.1.5.0/24), and VID 42 inside an
// 802.1ad VID 6 (10.1.42.0/24), on both ends;
// and a gif tunnel from fa (10.77.0.1) to fc (10.77.0.2) across fb, and in
// fb an ignore_source gif on 10.1.1.2 without the ingress filter (link2),
// a member of bridge0 (EtherIP).
import type { Kernel, fuzz_build } from "./kernel.ts";
import { load_kernel } from "./kernel.ts";
import type { proc } from "../kern/uipc_syscalls.ts";
import type { ifnet } from "../net/if.ts";
import type { vnet } from "../net/vnet.ts";

export interface cmd_result {
  status: number;
  out: string;
  err: string;
}

/** An interface frames are injected on, and what a frame generator needs
 *  to aim at it. */
export interface inject_point {
  jail: string;
  ifname: string;
  /** The peer end of the epair (its transmissions arrive here). */
  peer_jail: string;
  peer_ifname: string;
  /** This interface's MAC and address, the peer's, and addresses behind them. */
  mac: Uint8Array;
  peer_mac: Uint8Array;
  ip: number;
  peer_ip: number;
  /** Addresses elsewhere in the topology (forwarded to, or unreachable). */
  far_ips: number[];
  bcast_ip: number;
}

export interface world {
  k: Kernel;
  build: fuzz_build;
  root: proc;
  /** jail name -> a process attached to it (sockets are opened there). */
  procs: Map<string, proc>;
  points: inject_point[];
  /** UDP ports bound in fa and fc. */
  udp_port: number;
  /** Run argv as a program, from the host; what it printed. */
  run(argv: string[]): Promise<cmd_result>;
  /** The interface and vnet of a jail's interface (null if it went away). */
  ifp_of(jail: string, ifname: string): ifnet | null;
  vnet_of(jail: string): vnet | null;
  /** Sockets opened for the world (drained after batches). */
  sockets: { jail: string; fd: number }[];
}

export const TOPO_JAILS = ["fa", "fb", "fc"] as const;

const SETUP = `jail -c name=fa vnet persist
jail -c name=fb vnet persist
jail -c name=fc vnet persist
ifconfig epair0 create
ifconfig epair1 create
ifconfig epair0a vnet fa
ifconfig epair0b vnet fb
ifconfig epair1a vnet fb
ifconfig epair1b vnet fc
jexec fa ifconfig epair0a inet 10.1.1.1/24 up
jexec fb ifconfig epair0b inet 10.1.1.2/24 up
jexec fb ifconfig epair1a inet 10.1.2.1/24 up
jexec fc ifconfig epair1b inet 10.1.2.2/24 up
jexec fa ifconfig epair0a.5 create inet 10.1.5.1/24 up
jexec fb ifconfig epair0b.5 create inet 10.1.5.2/24 up
jexec fa ifconfig vlan6 create vlandev epair0a vlan 6 vlanproto 802.1ad up
jexec fb ifconfig vlan6 create vlandev epair0b vlan 6 vlanproto 802.1ad up
jexec fa ifconfig vlan6.42 create inet 10.1.42.1/24 up
jexec fb ifconfig vlan6.42 create inet 10.1.42.2/24 up
jexec fa ifconfig lo0 inet 127.0.0.1/8 up
jexec fb ifconfig lo0 inet 127.0.0.1/8 up
jexec fc ifconfig lo0 inet 127.0.0.1/8 up
jexec fb sysctl net.inet.ip.forwarding=1
jexec fa route add default 10.1.1.2
jexec fc route add default 10.1.2.1
jexec fa ping -c 1 -t 5 10.1.2.2
jexec fc ping -c 1 -t 5 10.1.1.1
jexec fa ifconfig gif0 create
jexec fc ifconfig gif0 create
jexec fa ifconfig gif0 tunnel 10.1.1.1 10.1.2.2 10.77.0.1 10.77.0.2 up
jexec fc ifconfig gif0 tunnel 10.1.2.2 10.1.1.1 10.77.0.2 10.77.0.1 up
jexec fb ifconfig gif0 create
jexec fb ifconfig gif0 tunnel 10.1.1.2 10.9.9.9 ignore_source link2 up
jexec fb ifconfig bridge0 create
jexec fb ifconfig bridge0 10.78.0.1/24 addm gif0 up
jexec fa ping -c 1 -t 5 10.77.0.2
`;

export function ip(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** Boot a kernel of `build` with the topology up and the sockets open. */
export async function make_world(build: fuzz_build, seed: number, before_boot?: (k: Kernel) => void, tunables?: Record<string, number>): Promise<world> {
  const k = await load_kernel(build);
  before_boot?.(k);
  k.kern_boot({ seed, tunables });
  const root = k.proc_create(k.cred0, "fuzz");
  const env = new Map<string, string>([["PATH", "/sbin:/bin:/usr/sbin:/usr/bin"]]);
  const run = async (argv: string[]): Promise<cmd_result> => {
    let out = "";
    let err = "";
    const status = await k.exec_prog(root, argv, {
      stdin: "",
      // A program that floods its output is cut at 1 MB.
      stdout: { write: (s: string) => void (out.length < 1 << 20 && (out += s)) },
      stderr: { write: (s: string) => void (err.length < 1 << 20 && (err += s)) },
      env,
    });
    return { status, out, err };
  };
  const setup = await run(["sh", "-e", "-c", SETUP]);
  if (setup.status !== 0) throw new Error(`fuzz: topology setup failed (${setup.status}):\n${setup.out}${setup.err}`);

  const vnet_of = (jail: string): vnet | null => {
    if (jail === "host") return k.vnet0;
    const pr = k.prison_find_name(jail);
    return pr === null ? null : pr.pr_vnet;
  };
  const ifp_of = (jail: string, ifname: string): ifnet | null => {
    const v = vnet_of(jail);
    if (v === null) return null;
    return k.vnet_run(v, "fuzz", () => k.ifunit(ifname));
  };
  const procs = new Map<string, proc>();
  const w: world = { k, build, root, procs, points: [], udp_port: 7777, run, ifp_of, vnet_of, sockets: [] };

  for (const j of TOPO_JAILS) {
    const p = k.proc_create(k.cred0, `fuzz-${j}`);
    const jid = jid_of(k, j);
    const e = k.sys_jail_attach_proc(p, jid);
    if (e !== 0) throw new Error(`fuzz: jail_attach ${j}: ${e}`);
    procs.set(j, p);
  }
  // A bound UDP socket and a raw ICMP socket in each end jail, a raw socket
  // for an unused protocol in the router.
  for (const j of ["fa", "fc"]) {
    const p = procs.get(j) as proc;
    const u = k.sys_socket(p, k.AF_INET, k.SOCK_DGRAM, 0);
    if (u.error !== 0 || k.sys_bind(p, u.fd, new k.sockaddr_in(0, w.udp_port)) !== 0) throw new Error(`fuzz: udp socket in ${j}`);
    w.sockets.push({ jail: j, fd: u.fd });
    const r = k.sys_socket(p, k.AF_INET, k.SOCK_RAW, k.IPPROTO_ICMP);
    if (r.error !== 0) throw new Error(`fuzz: raw socket in ${j}: ${r.error}`);
    w.sockets.push({ jail: j, fd: r.fd });
  }
  {
    const p = procs.get("fb") as proc;
    const r = k.sys_socket(p, k.AF_INET, k.SOCK_RAW, 253);
    if (r.error !== 0) throw new Error(`fuzz: raw socket in fb: ${r.error}`);
    w.sockets.push({ jail: "fb", fd: r.fd });
  }

  const lla = (j: string, n: string): Uint8Array => {
    const ifp = ifp_of(j, n);
    if (ifp === null) throw new Error(`fuzz: no ${n} in ${j}`);
    return k.IF_LLADDR(ifp).slice();
  };
  const pt = (jail: string, ifname: string, peer_jail: string, peer_ifname: string, me: number, peer: number, far: number[], bcast: number): inject_point => ({
    jail,
    ifname,
    peer_jail,
    peer_ifname,
    mac: lla(jail, ifname),
    peer_mac: lla(peer_jail, peer_ifname),
    ip: me,
    peer_ip: peer,
    far_ips: far,
    bcast_ip: bcast,
  });
  w.points.push(
    pt("fa", "epair0a", "fb", "epair0b", ip(10, 1, 1, 1), ip(10, 1, 1, 2), [ip(10, 1, 2, 2), ip(10, 1, 2, 1), ip(10, 9, 9, 9)], ip(10, 1, 1, 255)),
    pt("fb", "epair0b", "fa", "epair0a", ip(10, 1, 1, 2), ip(10, 1, 1, 1), [ip(10, 1, 2, 2), ip(10, 1, 2, 1), ip(10, 9, 9, 9)], ip(10, 1, 1, 255)),
    pt("fb", "epair1a", "fc", "epair1b", ip(10, 1, 2, 1), ip(10, 1, 2, 2), [ip(10, 1, 1, 1), ip(10, 1, 1, 2), ip(10, 9, 9, 9)], ip(10, 1, 2, 255)),
    pt("fc", "epair1b", "fb", "epair1a", ip(10, 1, 2, 2), ip(10, 1, 2, 1), [ip(10, 1, 1, 1), ip(10, 1, 1, 2), ip(10, 9, 9, 9)], ip(10, 1, 2, 255)),
  );
  return w;
}

export function jid_of(k: Kernel, name: string): number {
  const pr = k.prison_find_name(name);
  return pr === null ? -1 : pr.pr_id;
}

/** Read and throw away what the world's sockets hold. */
export function drain_sockets(w: world): void {
  const k = w.k;
  for (const s of w.sockets) {
    const p = w.procs.get(s.jail);
    if (p === undefined) continue;
    for (;;) {
      const r = k.sys_recvfrom(p, s.fd, 65535, k.MSG_DONTWAIT);
      if (r.error !== 0) break;
    }
  }
}

/** Let virtual time run: queues drain, timers (reassembly, ARP) fire. */
export function settle(w: world, ns: number): void {
  w.k.kern_advance_ns(ns);
}
