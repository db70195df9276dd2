// The library: `import { boot } from "virtnet"`.  No FreeBSD file matches it;
// it is what a FreeBSD host's owner has (a console, sysctl(8), bpf(4), the
// power switch) wrapped for TypeScript.  The counter blocks below are
// FreeBSD's struct ipstat (netinet/ip_var.h), struct icmpstat
// (netinet/icmp_var.h), struct udpstat (netinet/udp_var.h) and struct
// arpstat (net/if_arp.h), with FreeBSD's field names.
//
// A kernel bundle (dist/<build>/virtnet.mjs) keeps its state at module level,
// as a kernel keeps its globals; each boot() imports the bundle anew under a
// distinct query string, so every kernel is a separate module instance with
// its own jails, interfaces, counters, clock and random source.

import fs from "node:fs";
import path from "node:path";
import type * as kernel_ns from "./index.ts";
import type { proc } from "./kern/uipc_syscalls.ts";
import type { bpf_d, bpf_packet } from "./net/bpf.ts";

/** The raw kernel: everything a kernel bundle exports (see index.ts). */
export type KernelModule = typeof kernel_ns;

/** The kernel configurations build.mjs builds: VIMAGE on, VIMAGE off,
 *  and VIMAGE with VNET_DEBUG. */
export type BuildName = "vimage" | "novimage" | "vimage-debug";

export interface BootOptions {
  /** Which kernel: "vimage" (many network stacks, the default), "novimage"
   *  (one stack, as a kernel without `options VIMAGE`) or "vimage-debug". */
  build?: BuildName;
  /** Seed for everything random in the kernel (IP ids, MAC addresses,
   *  ephemeral ports); the same seed and the same calls give the same
   *  output, counters and packets.  Default 0. */
  seed?: number;
  /** kern.hz, the callout clock rate (default 1000). */
  hz?: number;
  /**
   * Loader tunables, as `/boot/loader.conf` would set them before the
   * kernel starts: `{ "kern.ipc.nmbclusters": 500, "kern.ipc.nmbufs": 1000,
   * "kern.hz": 100 }`.  Names are the kernel's (kern.hz,
   * kern.ipc.nmbclusters, kern.ipc.nmbufs, and any sysctl FreeBSD marks
   * CTLFLAG_RDTUN or CTLFLAG_RWTUN, such as net.isr.maxqlimit or
   * net.inet.ip.reass_hashsize); integer values take FreeBSD's k/m/g
   * suffixes ("64k").  A kern.hz tunable wins over `hz`.  Read-only
   * tunables cannot be changed after boot (`sysctl kern.hz=...` says so).
   * @throws VirtNetError for a name the kernel does not read or a value
   *   that is not of its type.
   */
  tunables?: Readonly<Record<string, number | string>>;
}

export interface RunOptions {
  /** Run as a process attached to this jail (by name), as `jexec NAME`
   *  does; default: on the host. */
  jail?: string;
  /** What the script or command reads on its standard input. */
  stdin?: string;
  /** Directory that redirections (`> file`, `< file`) are relative to;
   *  default process.cwd(). */
  cwd?: string;
  /** Script name in error messages ($0); default "sh". */
  name?: string;
}

/** What a script or command printed, and its exit status. */
export interface RunResult {
  stdout: string;
  stderr: string;
  /** The exit status, as `$?` would show it (0 = success). */
  status: number;
}

export interface SysctlOptions {
  /** Read as a process in this jail (by name): a vnet jail sees its own
   *  stack's values.  Default: the host. */
  jail?: string;
}

/** A counter block (CTLTYPE_OPAQUE statistics structure) as an object:
 *  one number per field, arrays for the array fields (histograms).  The
 *  typed blocks below (ipstat, ...) are CounterBlocks too. */
export interface CounterBlock {
  readonly [field: string]: number | readonly number[];
}

/** What a sysctl holds: an integer, a string, or a counter block. */
export type SysctlValue = number | string | CounterBlock;

/** struct ipstat (netinet/ip_var.h), `sysctl net.inet.ip.stats`. */
export type ipstat = {
  /** Packets received, everything ip_input saw. */
  readonly ips_total: number;
  /** Received with a bad header checksum. */
  readonly ips_badsum: number;
  /** Shorter than the length their header claims. */
  readonly ips_tooshort: number;
  /** Too small to hold an IP header. */
  readonly ips_toosmall: number;
  /** Header length below 20 or above what arrived. */
  readonly ips_badhlen: number;
  /** Total length smaller than the header length. */
  readonly ips_badlen: number;
  /** Fragments received. */
  readonly ips_fragments: number;
  /** Fragments dropped (duplicates, no room). */
  readonly ips_fragdropped: number;
  /** Fragments dropped because reassembly timed out. */
  readonly ips_fragtimeout: number;
  /** Packets forwarded (both paths). */
  readonly ips_forward: number;
  /** Packets forwarded by the fast path (ip_tryforward). */
  readonly ips_fastforward: number;
  /** Packets that could not be forwarded (no route, forwarding off). */
  readonly ips_cantforward: number;
  /** Packets forwarded back out the interface they came in on (redirects). */
  readonly ips_redirectsent: number;
  /** Packets for a protocol nobody handles. */
  readonly ips_noproto: number;
  /** Datagrams handed to a protocol on this host. */
  readonly ips_delivered: number;
  /** Packets this host sent (ip_output). */
  readonly ips_localout: number;
  /** Output packets dropped for want of buffers or similar. */
  readonly ips_odropped: number;
  /** Datagrams reassembled from fragments. */
  readonly ips_reassembled: number;
  /** Datagrams fragmented on output. */
  readonly ips_fragmented: number;
  /** Fragments created on output. */
  readonly ips_ofragments: number;
  /** Datagrams that needed fragmenting but could not be (DF set). */
  readonly ips_cantfrag: number;
  /** Packets with bad IP options. */
  readonly ips_badoptions: number;
  /** Output packets dropped for want of a route. */
  readonly ips_noroute: number;
  /** Packets whose version was not 4. */
  readonly ips_badvers: number;
  /** Packets sent by raw IP sockets with their own header. */
  readonly ips_rawout: number;
  /** Packets longer than an IP datagram may be. */
  readonly ips_toolong: number;
  /** Multicast packets for groups nobody joined. */
  readonly ips_notmember: number;
  /** Tunnel packets with no matching gif interface. */
  readonly ips_nogif: number;
  /** Packets with an address that may not appear in that place. */
  readonly ips_badaddr: number;
};

/** struct icmpstat (netinet/icmp_var.h), `sysctl net.inet.icmp.stats`.
 *  The histograms are indexed by ICMP type (0 echo reply, 3 unreachable,
 *  8 echo, 11 time exceeded, ...). */
export type icmpstat = {
  /** Calls to icmp_error (an error was asked for). */
  readonly icps_error: number;
  /** Errors not sent: the offending packet was too short to quote. */
  readonly icps_oldshort: number;
  /** Errors not sent: the offending packet was an ICMP error itself. */
  readonly icps_oldicmp: number;
  /** Messages sent, by type. */
  readonly icps_outhist: readonly number[];
  /** Received with a code out of range for the type. */
  readonly icps_badcode: number;
  /** Received shorter than an ICMP header. */
  readonly icps_tooshort: number;
  /** Received with a bad checksum. */
  readonly icps_checksum: number;
  /** Received with a length that does not fit the type. */
  readonly icps_badlen: number;
  /** Replies this host sent back (echo, timestamp, ...). */
  readonly icps_reflect: number;
  /** Messages received, by type. */
  readonly icps_inhist: readonly number[];
  /** Broadcast or multicast echo requests ignored. */
  readonly icps_bmcastecho: number;
  /** Broadcast or multicast timestamp requests ignored. */
  readonly icps_bmcasttstamp: number;
  /** Replies not sent: the return address was not usable. */
  readonly icps_badaddr: number;
  /** Replies not sent: no route back. */
  readonly icps_noroute: number;
};

/** struct udpstat (netinet/udp_var.h), `sysctl net.inet.udp.stats`. */
export type udpstat = {
  /** Datagrams received. */
  readonly udps_ipackets: number;
  /** Received shorter than a UDP header. */
  readonly udps_hdrops: number;
  /** Received with a bad checksum. */
  readonly udps_badsum: number;
  /** Received without a checksum. */
  readonly udps_nosum: number;
  /** Received with a UDP length larger than the packet. */
  readonly udps_badlen: number;
  /** Received for a port nobody listens on. */
  readonly udps_noport: number;
  /** ...of which broadcasts. */
  readonly udps_noportbcast: number;
  /** Not delivered: the socket's receive buffer was full. */
  readonly udps_fullsock: number;
  /** Lookups that missed the PCB cache. */
  readonly udpps_pcbcachemiss: number;
  /** Lookups that missed the PCB hash. */
  readonly udpps_pcbhashmiss: number;
  /** Datagrams sent. */
  readonly udps_opackets: number;
  /** Datagrams sent on the fast path. */
  readonly udps_fastout: number;
  /** Received for a port nobody listens on, as multicast. */
  readonly udps_noportmcast: number;
  /** Multicast dropped by a socket's source filter. */
  readonly udps_filtermcast: number;
};

/** struct arpstat (net/if_arp.h), `sysctl net.link.ether.arp.stats`. */
export type arpstat = {
  /** ARP requests sent. */
  readonly txrequests: number;
  /** ARP replies sent. */
  readonly txreplies: number;
  /** ARP requests received. */
  readonly rxrequests: number;
  /** ARP replies received. */
  readonly rxreplies: number;
  /** ARP packets received. */
  readonly received: number;
  /** ARP requests that could not be sent. */
  readonly txerrors: number;
  /** Spare fields (always zero). */
  readonly arp_spares: readonly number[];
  /** Packets dropped while waiting for a reply. */
  readonly dropped: number;
  /** Entries removed because they timed out. */
  readonly timeouts: number;
  /** Duplicate addresses seen. */
  readonly dupips: number;
};

/** The counter blocks by the protocol names netstat's `-p` takes. */
export interface StatsByProtocol {
  ip: ipstat;
  icmp: icmpstat;
  udp: udpstat;
  arp: arpstat;
}

/** The counter-block sysctls and what each holds. */
export interface SysctlBlocks {
  "net.inet.ip.stats": ipstat;
  "net.inet.icmp.stats": icmpstat;
  "net.inet.udp.stats": udpstat;
  "net.link.ether.arp.stats": arpstat;
}

/** What `sysctl(name)` gives: the block's type for a known counter block,
 *  else any sysctl value. */
export type SysctlResult<N extends string> = N extends keyof SysctlBlocks ? SysctlBlocks[N] : SysctlValue;

const STATS_MIB: { readonly [P in keyof StatsByProtocol]: keyof SysctlBlocks } = {
  ip: "net.inet.ip.stats",
  icmp: "net.inet.icmp.stats",
  udp: "net.inet.udp.stats",
  arp: "net.link.ether.arp.stats",
};

/** The structs the kernel's counter-block sysctls name in their format
 *  ("S,ipstat"), and where the kernel keeps their field names. */
const STRUCT_FIELDS = {
  ipstat: "ipstat_names",
  icmpstat: "icmpstat_names",
  udpstat: "udpstat_names",
  arpstat: "arpstat_names",
  rtstat: "rtstat_names",
  ip6stat: "ip6stat_names",
  icmp6stat: "icmp6stat_names",
  rip6stat: "rip6stat_names",
  tcpstat: "tcpstat_names",
} as const satisfies Record<string, keyof KernelModule>;

/** A captured frame: the pcap record's timestamp (virtual time since the
 *  epoch), the captured and on-the-wire lengths, and the bytes (the
 *  link-layer header first: Ethernet for epair, DLT_NULL for lo). */
export type Frame = bpf_packet;

export interface CaptureOptions {
  /** The interface is in this jail's vnet (by name); default: the host's. */
  jail?: string;
  /** Write a pcap savefile here when the capture stops (relative to
   *  process.cwd()). */
  file?: string;
  /** Bytes kept of each frame (tcpdump -s); default 262144. */
  snaplen?: number;
  /** Which frames: received ("in"), sent ("out") or both ("inout", the
   *  default), as tcpdump -Q. */
  direction?: "in" | "out" | "inout";
}

/** Errors of the library calls: a bad jail or sysctl name, a call on a
 *  destroyed kernel.  `errno` is the kernel's error number when one
 *  caused it. */
export class VirtNetError extends Error {
  constructor(
    message: string,
    readonly errno: number | null = null,
  ) {
    super(message);
    this.name = "VirtNetError";
  }
}

/** A packet capture on one interface (bpf(4)), started by Kernel.capture. */
export class Capture {
  readonly #m: KernelModule;
  readonly #d: bpf_d;
  readonly #file: string | null;
  #stopped = false;
  /** The process that holds the descriptor open (bpf reads name it). */
  readonly #p: proc;

  /** @internal Use Kernel.capture. */
  constructor(m: KernelModule, p: proc, d: bpf_d, ifname: string, jail: string | null, file: string | null) {
    this.#m = m;
    this.#p = p;
    this.#d = d;
    this.#file = file;
    this.ifname = ifname;
    this.jail = jail;
  }

  /** The interface captured on. */
  readonly ifname: string;
  /** The jail whose vnet holds it, or null for the host. */
  readonly jail: string | null;

  /** The link type of the frames (pcap's LINKTYPE: 1 Ethernet, 0 loopback). */
  get dlt(): number {
    return this.#m.sys_bpf_getdlt(this.#d);
  }

  /** Whether frames are still being captured: false after stop(), after
   *  the kernel was destroyed, and after the interface went away or moved
   *  to another vnet (bpf listeners do not follow an interface). */
  get active(): boolean {
    return !this.#stopped && this.#m.bpf_capture_attached(this.#d);
  }

  /** The frames captured so far (or until stop), oldest first. */
  frames(): Frame[] {
    return this.#m.sys_bpf_read(this.#d, 0, this.#p).packets;
  }

  /** The frames captured so far as a pcap savefile, for tshark/wireshark. */
  pcap(): Uint8Array {
    return this.#m.pcap_file(this.#d);
  }

  /** Stop capturing; the frames stay readable.  With the `file` option,
   *  writes the pcap file.  Stopping twice does nothing more. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#m.sys_bpf_close(this.#d);
    this.#m.proc_exit(this.#p);
    if (this.#file !== null) fs.writeFileSync(this.#file, this.#m.pcap_file(this.#d));
  }
}

/** POSIX sh single quoting, so that exec() runs argv word for word. */
function sh_quote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** One simulated FreeBSD kernel, from boot(). */
export class Kernel {
  #m: KernelModule | null;
  #running = 0;
  readonly #captures: Capture[] = [];

  /** @internal Use boot(). */
  constructor(m: KernelModule, build: BuildName, seed: number) {
    this.#m = m;
    this.build = build;
    this.seed = seed;
  }

  /** The kernel configuration booted. */
  readonly build: BuildName;
  /** The seed it was booted with. */
  readonly seed: number;

  #live(what: string): KernelModule {
    if (this.#m === null) throw new VirtNetError(`virtnet: ${what}: the kernel was destroyed`);
    return this.#m;
  }

  /** A process for a call: root on the host, or attached to the jail. */
  #proc(m: KernelModule, jail: string | undefined, comm: string): proc {
    const p = m.proc_create(m.cred0, comm);
    if (jail === undefined) return p;
    const pr = m.prison_find_name(jail);
    if (pr === null) {
      m.proc_exit(p);
      throw new VirtNetError(`jexec: jail "${jail}" not found`, m.ENOENT);
    }
    const error = m.sys_jail_attach_proc(p, pr.pr_id);
    if (error !== 0) {
      m.proc_exit(p);
      throw new VirtNetError(`jexec: jail_attach(${pr.pr_id}): ${m.strerror(error)}`, error);
    }
    return p;
  }

  /**
   * Run a script of FreeBSD commands (`jail -c name=a vnet persist`,
   * `jexec a ifconfig ...`, `ping -c 3 ...`) with the same shell as
   * `virtnet run`, in virtual time: a `ping -c 3` takes three virtual
   * seconds and no real ones.  Several runs may be in flight at once, like
   * processes started in the background.
   *
   * A failing command is not an exception: its message is in `stderr` and
   * the status says so, as in a shell.
   *
   * @throws VirtNetError if `jail` names no jail, or the kernel was destroyed.
   */
  async run(script: string, opts: RunOptions = {}): Promise<RunResult> {
    const m = this.#live("run");
    const p = this.#proc(m, opts.jail, "sh");
    const cwd = opts.cwd ?? process.cwd();
    let stdout = "";
    let stderr = "";
    // The shell of `virtnet run`: simulated programs first, the host's for
    // the rest (found on the host's PATH, the only variable taken from the
    // host, so that runs do not depend on the caller's environment).
    const shell = new m.sh_shell(m.sh_options_for(p, opts.name ?? "sh", false, cwd));
    shell.import_env(new Map([["PATH", process.env.PATH ?? "/usr/bin:/bin"]]));
    this.#running++;
    let status: number;
    try {
      status = await shell.run(
        script,
        { write: (s: string) => void (stdout += s) },
        { write: (s: string) => void (stderr += s) },
        opts.stdin ?? "",
      );
    } finally {
      m.proc_exit(p);
      this.#running--;
    }
    return { stdout, stderr, status };
  }

  /**
   * Run one command given as its argument vector, word for word (no shell
   * expansion): `k.exec(["ifconfig", "epair0a", "10.0.0.1/24", "up"], { jail: "a" })`.
   *
   * @throws VirtNetError if `jail` names no jail, or the kernel was destroyed.
   */
  exec(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    if (argv.length === 0) return Promise.reject(new VirtNetError("virtnet: exec: empty argv"));
    return this.run(argv.map(sh_quote).join(" "), opts);
  }

  /**
   * Read a sysctl by name, as sysctlbyname(3) does: a number, a string, or
   * for a statistics structure (CTLTYPE_OPAQUE) an object with FreeBSD's
   * field names, e.g. `k.sysctl("net.inet.ip.stats").ips_forward`.
   * Per-vnet values are the host's, or the jail's with `{ jail }`.
   *
   * @throws VirtNetError for an unknown name (`sysctl: unknown oid '...'`),
   *   a node, a bad jail, or after destroy.
   */
  sysctl<N extends string>(name: N, opts: SysctlOptions = {}): SysctlResult<N> {
    return this.#sysctl(name, null, opts) as SysctlResult<N>;
  }

  /**
   * Write a sysctl (`sysctl name=value`), e.g.
   * `k.setSysctl("net.inet.ip.forwarding", 1, { jail: "r" })`.  Returns
   * the old value.  Writing a counter block zeroes it.
   *
   * @throws VirtNetError with the kernel's errno (EPERM for a read-only
   *   sysctl, EINVAL for a bad value), or as sysctl() does.
   */
  setSysctl(name: string, value: number | string, opts: SysctlOptions = {}): SysctlValue {
    return this.#sysctl(name, value, opts);
  }

  #sysctl(name: string, value: number | string | null, opts: SysctlOptions): SysctlValue {
    const m = this.#live("sysctl");
    const { error: nerr, mib } = m.sysctl_name2oid(name);
    if (nerr !== 0) throw new VirtNetError(`sysctl: unknown oid '${name}'`, nerr);
    const fmt = m.sysctl_oidfmt(mib);
    if (fmt.error !== 0) throw new VirtNetError(`sysctl: ${name}: ${m.strerror(fmt.error)}`, fmt.error);
    // sysctl(3) on a node fails with ENOENT; say what it is instead.
    if ((fmt.kind & m.CTLTYPE) === m.CTLTYPE_NODE) throw new VirtNetError(`sysctl: ${name}: is a node, not a value (\`sysctl ${name}\` lists it)`, m.ENOENT);
    const p = opts.jail === undefined ? null : this.#proc(m, opts.jail, "sysctl");
    let r: { error: number; value: number | string | readonly number[] | null };
    try {
      r = m.kern_sysctl(p === null ? m.cred0 : p.p_ucred, mib, value);
    } finally {
      if (p !== null) m.proc_exit(p);
    }
    if (r.error !== 0 || r.value === null) {
      const e = r.error !== 0 ? r.error : m.EINVAL;
      throw new VirtNetError(`sysctl: ${name}: ${m.strerror(e)}`, e);
    }
    const v = r.value;
    if (typeof v === "number" || typeof v === "string") return v;
    return this.#block(m, name, fmt.fmt, v);
  }

  /** A counter array as an object, by the struct its format names. */
  #block(m: KernelModule, name: string, fmt: string, v: readonly number[]): CounterBlock {
    const struct = fmt.startsWith("S,") ? fmt.slice(2) : "";
    if (!Object.hasOwn(STRUCT_FIELDS, struct)) throw new VirtNetError(`sysctl: ${name}: no field names for format ${fmt}`);
    const names: readonly string[] = m[STRUCT_FIELDS[struct as keyof typeof STRUCT_FIELDS]];
    if (names.length !== v.length) throw new VirtNetError(`sysctl: ${name}: ${v.length} counters for ${names.length} fields of struct ${struct}`);
    const out: Record<string, number | number[]> = {};
    for (let i = 0; i < names.length; i++) {
      // Array fields are named field[i] in the kernel's lists.
      const a = /^(\w+)\[(\d+)\]$/.exec(names[i]);
      if (a === null) {
        out[names[i]] = v[i];
        continue;
      }
      const prev = out[a[1]];
      const arr = Array.isArray(prev) ? prev : (out[a[1]] = []);
      arr[Number(a[2])] = v[i];
    }
    return out;
  }

  /**
   * A protocol's counters, as `netstat -s -p PROTO` reads them:
   * `k.stats("ip").ips_forward`, `k.stats("icmp", { jail: "b" }).icps_outhist[0]`.
   */
  stats<P extends keyof StatsByProtocol>(proto: P, opts: SysctlOptions = {}): StatsByProtocol[P] {
    if (!Object.hasOwn(STATS_MIB, proto)) throw new VirtNetError(`virtnet: stats: unknown protocol ${String(proto)}`);
    return this.#sysctl(STATS_MIB[proto], null, opts) as unknown as StatsByProtocol[P];
  }

  /**
   * Capture the frames on an interface, as tcpdump does through bpf(4):
   * `k.capture("epair0b", { jail: "b", file: "b.pcap" })`.  Capture once the
   * interface is in its vnet: a listener does not follow an interface that
   * moves (`ifconfig ... vnet`).  Call stop() when done (destroy stops
   * every capture).
   *
   * @throws VirtNetError if there is no such interface (ENXIO), or as run() does.
   */
  capture(ifname: string, opts: CaptureOptions = {}): Capture {
    const m = this.#live("capture");
    const p = this.#proc(m, opts.jail, "bpf");
    let r: { error: number; d: bpf_d | null };
    try {
      const direction = opts.direction === "in" ? m.BPF_D_IN : opts.direction === "out" ? m.BPF_D_OUT : m.BPF_D_INOUT;
      r = m.sys_bpf_open(p, ifname, { snaplen: opts.snaplen, direction });
    } catch (e) {
      m.proc_exit(p);
      throw e;
    }
    if (r.d === null) {
      m.proc_exit(p);
      const where = opts.jail === undefined ? "" : ` in jail ${opts.jail}`;
      throw new VirtNetError(`virtnet: capture: ${ifname}${where}: ${m.strerror(r.error)}`, r.error);
    }
    const c = new Capture(m, p, r.d, ifname, opts.jail ?? null, opts.file ?? null);
    this.#captures.push(c);
    return c;
  }

  /** Virtual time since boot, in seconds. */
  get uptime(): number {
    return this.#live("uptime").nanouptime_ns() / 1e9;
  }

  /**
   * Let `seconds` of virtual time pass with nothing running: the callouts
   * due on the way fire (ARP entries age, reassembly queues time out).
   * While a run() is in flight its commands drive the clock, so this
   * refuses then; so it does while a real-time link (an ng_ksocket's host
   * socket) is open, since the clock then keeps real time's pace.
   *
   * @throws VirtNetError while a command runs or a real-time link is
   *   open, for a negative or non-finite time, or after destroy.
   */
  advance(seconds: number): void {
    const m = this.#live("advance");
    if (!Number.isFinite(seconds) || seconds < 0) throw new VirtNetError(`virtnet: advance: bad time ${seconds}`);
    if (this.#running > 0) throw new VirtNetError("virtnet: advance: a command is running (its own waits move the clock)");
    if (m.sched_realtime_sources() > 0) throw new VirtNetError("virtnet: advance: a real-time link (ng_ksocket) is open: the clock keeps real time");
    m.kern_advance_ns(Math.round(seconds * 1e9));
  }

  /**
   * Shut the kernel down: stop the captures (writing their files), remove
   * every jail (destroying their vnets, which hands borrowed interfaces
   * back), then shut the host's netgraph nodes down (closing ng_ksocket's
   * host sockets) and destroy the host's cloned interfaces.  Every later call
   * fails with a VirtNetError; `destroy` itself may be called again.  Other
   * kernels are not affected.
   *
   * @throws VirtNetError while a command runs.
   */
  destroy(): void {
    const m = this.#m;
    if (m === null) return;
    if (this.#running > 0) throw new VirtNetError("virtnet: destroy: a command is running");
    for (const c of this.#captures.splice(0)) c.stop();
    // Top-level jails first: jail_remove takes their children with them.
    for (const pr of m.allprison.slice()) {
      if (pr.pr_parent === m.prison0 && pr.pr_state === m.PRISON_STATE_ALIVE) m.sys_jail_remove(m.cred0, pr.pr_id);
    }
    while (m.taskqueue_pending()) m.taskqueue_run();
    m.vnet_run(m.vnet0, "virtnet_destroy", () => {
      // The host's netgraph goes too (a ksocket's host socket closes).
      for (const node of m.ng_nodes().slice()) {
        node.nd_flags |= m.NGF_REALLY_DIE;
        m.ng_rmnode(node);
      }
      for (const ifp of m.V_ifnet().slice()) {
        if (m.ifunit(ifp.if_xname) === ifp && m.if_clone_findifc(ifp) !== null) m.if_clone_destroy(ifp.if_xname);
      }
    });
    while (m.taskqueue_pending()) m.taskqueue_run();
    this.#m = null;
  }

  /** Whether destroy() was called. */
  get destroyed(): boolean {
    return this.#m === null;
  }

  /**
   * The raw kernel module, for what the calls above do not cover: every
   * kernel function, struct and constant (`k.kernel.V_ifnet()`,
   * `k.kernel.vnet_head.length`, `k.kernel.mbuf_outstanding()`).  Kernel
   * code runs in a vnet: wrap per-stack calls in `kernel.vnet_run(v, ...)`.
   *
   * @throws VirtNetError after destroy.
   */
  get kernel(): KernelModule {
    return this.#live("kernel");
  }
}

/** A distinct module URL per boot: the token keeps ours apart from other
 *  importers of the same bundle (tests/helpers/builds.ts uses ?k=N). */
const instance_token = Math.random().toString(36).slice(2, 10);
let instances = 0;

const BUILDS: readonly BuildName[] = ["vimage", "novimage", "vimage-debug"];

/**
 * Boot a fresh simulated kernel.  Every call loads a new kernel instance:
 * several may live in one process, each with its own jails, interfaces,
 * counters, clock and random source.
 *
 * ```ts
 * import { boot } from "virtnet";
 * const k = await boot({ build: "vimage", seed: 1 });
 * console.log((await k.run("ifconfig lo0")).stdout);
 * k.destroy();
 * ```
 *
 * @throws VirtNetError for an unknown build, a bad loader tunable, or if
 *   the bundle was not built (`npm run build`).
 */
export async function boot(opts: BootOptions = {}): Promise<Kernel> {
  const build = opts.build ?? "vimage";
  if (!BUILDS.includes(build)) throw new VirtNetError(`virtnet: unknown build ${String(build)} (vimage, novimage or vimage-debug)`);
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new VirtNetError(`virtnet: the seed must be a non-negative integer, not ${seed}`);
  // This file is built to <dist>/lib.mjs, beside the bundles.
  const bundle = new URL(`./${build}/virtnet.mjs`, import.meta.url);
  if (bundle.protocol === "file:" && !fs.existsSync(bundle)) throw new VirtNetError(`virtnet: ${bundle.pathname} is missing: run \`npm run build\` first`);
  bundle.search = `?boot=${instance_token}.${instances++}`;
  const m = (await import(bundle.href)) as KernelModule;
  if (opts.tunables !== undefined) {
    const bad = m.kern_tunables_check(opts.tunables);
    if (bad !== null) throw new VirtNetError(`virtnet: loader tunable ${bad}`);
  }
  m.kern_boot({ seed, hz: opts.hz, tunables: opts.tunables });
  return new Kernel(m, build, seed);
}
