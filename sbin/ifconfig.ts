// sbin/ifconfig/ifconfig.c, af_inet.c, af_link.c, ifclone.c, iffib.c,
// ifmedia.c: ifconfig(8).  Lists interfaces in FreeBSD's format and changes
// them through socket ioctls (SIOCIFCREATE2, SIOCAIFADDR, SIOCSIFVNET, ...).

import { EADDRNOTAVAIL, EEXIST, ENXIO, strerror } from "../kern/errno.ts";
import { AF_INET, AF_INET6, SOCK_DGRAM } from "../kern/socket.ts";
import {
  IFF_BROADCAST,
  IFF_DEBUG,
  IFF_LINK0,
  IFF_LINK1,
  IFF_LINK2,
  IFF_MONITOR,
  IFF_POINTOPOINT,
  IFF_UP,
  IFNET_PCP_NONE,
  LINK_STATE_UP,
  SIOCAIFADDR,
  SIOCDIFADDR,
  SIOCGIFFLAGS,
  SIOCIFCREATE2,
  SIOCIFDESTROY,
  SIOCSIFDESCR,
  SIOCSIFLLADDR,
  SIOCSIFFIB,
  SIOCSIFFLAGS,
  SIOCSLANPCP,
  SIOCSIFMETRIC,
  SIOCSIFMTU,
  SIOCSIFNAME,
  SIOCSIFRVNET,
  SIOCSIFVNET,
  type ifreq,
  IFNAMSIZ,
} from "../net/if.ts";
import { IFT_BRIDGE, IFT_ETHER, IFT_L2VLAN } from "../net/if_dl.ts";
import { ether_ntoa } from "../net/if_dl.ts";
import { inet_aton, inet_ntoa, in_len2mask, sockaddr_in, type in_aliasreq } from "../netinet/in.ts";
import { sys_close, sys_ioctl, sys_jail_attach_proc, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { err, errx, prog_exit, prog_run, strtoul, type prog_ctx } from "./libc.ts";
import { jail_getid } from "./libjail.ts";
import { ether_aton } from "./netdb.ts";
import { ifconfig_list, type ifconfig_addr, type ifconfig_if } from "./libifconfig.ts";
import { ifconfig_module as ifbridge_module } from "./ifconfig_ifbridge.ts";
import { ifconfig_module as ifvlan_module } from "./ifconfig_ifvlan.ts";
import { ifconfig_module as tunnel_module } from "./ifconfig_tunnel.ts";
import { ifconfig_module as gif_module } from "./ifconfig_ifgif.ts";
import { ifconfig_module as inet6_module } from "./ifconfig_af_inet6.ts";

/**
 * What a command of an ifconfig module runs with: FreeBSD's ifconfig keeps
 * this in its context (ifconfig_context) and the per-file cmd tables
 * (ifbridge.c, ifvlan.c, ...) take it.  `name` is the interface being
 * changed (it follows a rename); `fail` prints FreeBSD's ioctl error and
 * exits 1; `flush` commits an address typed before the command.
 */
export interface ifc_env {
  ctx: prog_ctx;
  kp: proc;
  fd: number;
  name: string;
  /** afp->af_af: the family named after the interface (AF_INET when none). */
  af: number;
  fail(what: string, e: number): never;
  flush(): void;
}

/** One parameter of a module's cmd table (DEF_CMD, DEF_CMD_ARG, DEF_CMD_ARG2,
 *  DEF_CLONE_CMD*): `clone` ones are only looked up right after `create`,
 *  to gather the clone's parameters before SIOCIFCREATE2; a module that
 *  also takes the word later (vlan's `vlan`) lists it twice. */
export interface ifconfig_cmd {
  name: string;
  nargs: 0 | 1 | 2;
  clone?: boolean;
  /** DEF_CMD_OPTARG: takes the next word as its argument if there is one
   *  (nargs 0). */
  optarg?: boolean;
  fn(env: ifc_env, args: string[]): void;
}

// ifconfig.h: which address of the family's request af_getaddr fills.
export const RIDADDR = 0;
export const ADDR = 1;
export const MASK = 2;
export const DSTADDR = 3;

/**
 * An address family beyond inet (struct afswtch): `ifconfig IF inet6 ...`
 * selects it.  Its address words fill the family's request (af_getaddr),
 * which goes to the kernel once every parameter is read and the flags are
 * set (SIOCDIFADDR for -alias/delete or an address without `alias`, then
 * SIOCAIFADDR), as ifconfig.c defers it.
 */
export interface ifconfig_af {
  af_name: string;
  af_af: number;
  /** af_status: one address's line. */
  af_status(env: ifc_env, i: ifconfig_if, a: ifconfig_addr): string;
  af_getaddr(env: ifc_env, s: string, which: number): void;
  af_getprefix(env: ifc_env, plen: string, which: number): void;
  af_postproc?(env: ifc_env): void;
  /** The deferred requests; they return the ioctl's errno. */
  af_difaddr(env: ifc_env): number;
  af_aifaddr(env: ifc_env): number;
  /** af_other_status: the family's lines at the end of the block (nd6's). */
  af_other_status?(env: ifc_env, i: ifconfig_if): string;
}

/** A file of sbin/ifconfig/ beyond ifconfig.c: its cmd table, its lines in
 *  the interface block (an af_other_status callback, printed after the
 *  addresses and before the groups), and its clone callback: for interface
 *  names it `match`es, `create` fills the SIOCIFCREATE2 request from the
 *  parameters its clone commands gathered. */
export interface ifconfig_module {
  cmds: ifconfig_cmd[];
  status?(env: ifc_env, i: ifconfig_if): string;
  /** FreeBSD prints the af_other_status lines in the reverse order of
   *  registration, and ifgroup.c's `groups:` line is one of them: a file
   *  linked before ifgroup.c (ifvlan.c) prints after the groups. */
  status_after_groups?: boolean;
  /** af_status_tunnel: the tunnel line, after the options and before the
   *  addresses, whatever family was asked for (tunnel_status). */
  tunnel_status?(env: ifc_env, i: ifconfig_if): string;
  clone?: { match(name: string): boolean; create(env: ifc_env, ifr: ifreq): void };
  /** Reset the file's static state: a new ifconfig process. */
  init?(): void;
  /** callback_register: run after all the parameters were applied. */
  callback?(env: ifc_env): void;
  /** af_register: the address family the file adds. */
  af?: ifconfig_af;
  /** opt_register: leading options the file takes (af_inet6's -L). */
  opts?: { opt: string; cb(): void }[];
}

/** The modules linked into this ifconfig, in FreeBSD's registration order.
 *  A new file adds itself here. */
const IFCONFIG_MODULES: ifconfig_module[] = [ifvlan_module, ifbridge_module, tunnel_module, gif_module, inet6_module];

/** af_getbyname: a family a module adds. */
function af_getbyname(name: string | undefined): ifconfig_af | null {
  for (const m of IFCONFIG_MODULES) if (m.af !== undefined && m.af.af_name === name) return m.af;
  return null;
}

/** cmd_lookup: a module's command of that name, among the clone ones
 *  while creating and the others after. */
function module_cmd(name: string, iscreate: boolean): ifconfig_cmd | undefined {
  for (const m of IFCONFIG_MODULES) for (const c of m.cmds) if (c.name === name && (c.clone === true) === iscreate) return c;
  return undefined;
}

function module_env(ctx: prog_ctx, kp: proc, fd: number, name: string, flush: () => void, af = AF_INET): ifc_env {
  return { ctx, kp, fd, name, af, fail: (what: string, e: number) => ioctl_fail(ctx, what, name, e), flush };
}

/** Take a module command's arguments from argv at i; FreeBSD's message when
 *  they are missing. */
function module_args(ctx: prog_ctx, c: ifconfig_cmd, argv: string[], i: number): string[] {
  if (c.optarg === true) return argv.slice(i + 1, i + 2);
  const args = argv.slice(i + 1, i + 1 + c.nargs);
  if (args.length < c.nargs) {
    ctx.stderr.write(c.nargs === 1 ? `ifconfig: '${c.name}' requires argument\n` : `ifconfig: '${c.name}' requires 2 arguments\n`);
    throw new prog_exit(1);
  }
  return args;
}

const IFFBITS: [number, string][] = [
  [0x1, "UP"],
  [0x2, "BROADCAST"],
  [0x4, "DEBUG"],
  [0x8, "LOOPBACK"],
  [0x10, "POINTOPOINT"],
  [0x20, "NEEDSEPOCH"],
  [0x40, "RUNNING"],
  [0x80, "NOARP"],
  [0x100, "PROMISC"],
  [0x200, "ALLMULTI"],
  [0x400, "OACTIVE"],
  [0x800, "SIMPLEX"],
  [0x1000, "LINK0"],
  [0x2000, "LINK1"],
  [0x4000, "LINK2"],
  [0x8000, "MULTICAST"],
  [0x20000, "PPROMISC"],
  [0x40000, "MONITOR"],
  [0x80000, "STATICARP"],
  [0x100000, "STICKYARP"],
];

const IFCAPBITS: [number, string][] = [
  [0x1, "RXCSUM"],
  [0x2, "TXCSUM"],
  [0x4, "NETCONS"],
  [0x8, "VLAN_MTU"],
  [0x10, "VLAN_HWTAGGING"],
  [0x20, "JUMBO_MTU"],
  [0x40, "POLLING"],
  [0x80, "VLAN_HWCSUM"],
  [0x100, "TSO4"],
  [0x200, "TSO6"],
  [0x400, "LRO"],
  [0x800, "WOL_UCAST"],
  [0x1000, "WOL_MCAST"],
  [0x2000, "WOL_MAGIC"],
  [0x4000, "TOE4"],
  [0x8000, "TOE6"],
  [0x10000, "VLAN_HWFILTER"],
  [0x40000, "VLAN_HWTSO"],
  [0x80000, "LINKSTATE"],
  [0x100000, "NETMAP"],
  [0x200000, "RXCSUM_IPV6"],
  [0x400000, "TXCSUM_IPV6"],
  [0x800000, "HWSTATS"],
];

/** printb(): "name=hex<BIT,BIT>". */
export function printb(name: string, v: number, bits: [number, string][]): string {
  const set = bits.filter(([b]) => (v & b) !== 0).map(([, n]) => n);
  return `${name}=${(v >>> 0).toString(16)}<${set.join(",")}>`;
}

function usage(ctx: prog_ctx): never {
  ctx.stderr.write(
    "usage: ifconfig [-j jail] [-f type:format] [-L] [-C] [-g groupname] interface address_family\n" +
      "                [address [dest_address]] [parameters]\n" +
      "       ifconfig [-j jail] interface create\n" +
      "       ifconfig [-j jail] -a [-L] [-C] [-g groupname] [-d] [-m] [-u] [-v]\n" +
      "                [address_family]\n" +
      "       ifconfig [-j jail] -l [-d] [-u] [address_family]\n" +
      "       ifconfig [-j jail] [-L] [-C] [-g groupname] [-d] [-m] [-u] [-v]\n",
  );
  throw new prog_exit(1);
}

/** The interface block, as status() prints it.  `af` limits the address
 *  lines to one family ("inet", "ether"/"link"), as `ifconfig IF inet` does. */
export function if_status(i: ifconfig_if, af: string | null, env: ifc_env | null = null): string {
  let s = `${i.name}: ${printb("flags", i.flags, IFFBITS)} metric ${i.metric} mtu ${i.mtu}\n`;
  if (i.description !== "") s += `\tdescription: ${i.description}\n`;
  if (i.capenable !== 0) s += `\t${printb("options", i.capenable, IFCAPBITS)}\n`;
  if (env !== null) for (const m of IFCONFIG_MODULES) if (m.tunnel_status !== undefined) s += m.tunnel_status({ ...env, name: i.name }, i);
  if ((af === null || af === "ether" || af === "link" || af === "lladdr") && (i.type === IFT_ETHER || i.type === IFT_L2VLAN || i.type === IFT_BRIDGE) && i.lladdr.length === 6) {
    s += `\tether ${ether_ntoa(i.lladdr)}\n`;
    // The factory address and the priority: Ethernet NICs only, and only
    // when the driver tells its factory address (af_link's link_status).
    if (i.type === IFT_ETHER && i.hwaddr !== null) {
      if (ether_ntoa(i.hwaddr) !== ether_ntoa(i.lladdr)) s += `\thwaddr ${ether_ntoa(i.hwaddr)}\n`;
      if (i.pcp !== null && i.pcp !== IFNET_PCP_NONE) s += `\tpcp ${i.pcp}\n`;
    }
  }
  // The families' address lines, each family where its first address
  // comes in the interface's list (calcorders/cmpifaddrs).
  const families: number[] = [];
  for (const a of i.addrs) if (!families.includes(a.family)) families.push(a.family);
  for (const fam of families) {
    if (fam === AF_INET && (af === null || af === "inet")) {
      for (const a of i.addrs) {
        if (a.family !== AF_INET) continue;
        s += `\tinet ${inet_ntoa(a.addr)}`;
        if ((i.flags & IFF_POINTOPOINT) !== 0 && a.broadaddr !== null) s += ` --> ${inet_ntoa(a.broadaddr)}`;
        s += ` netmask 0x${(a.netmask >>> 0).toString(16).padStart(8, "0")}`;
        if ((i.flags & IFF_BROADCAST) !== 0 && a.broadaddr !== null && a.broadaddr !== 0) s += ` broadcast ${inet_ntoa(a.broadaddr)}`;
        s += "\n";
      }
      continue;
    }
    for (const m of IFCONFIG_MODULES) {
      const afp = m.af;
      if (afp === undefined || afp.af_af !== fam || (af !== null && af !== afp.af_name) || env === null) continue;
      for (const a of i.addrs) if (a.family === fam) s += afp.af_status({ ...env, name: i.name }, i, a);
    }
  }
  if (af === null && env !== null) {
    for (const m of IFCONFIG_MODULES) if (m.status !== undefined && m.status_after_groups !== true) s += m.status({ ...env, name: i.name }, i);
  }
  const groups = i.groups.filter((g) => g !== "all");
  if (groups.length > 0) s += `\tgroups: ${groups.join(" ")}\n`;
  if (af === null && env !== null) {
    for (const m of IFCONFIG_MODULES) if (m.status !== undefined && m.status_after_groups === true) s += m.status({ ...env, name: i.name }, i);
  }
  if (i.media !== null) {
    s += `\tmedia: ${i.media}\n`;
    s += `\tstatus: ${i.link_state === LINK_STATE_UP ? "active" : "no carrier"}\n`;
  }
  if (i.fib !== 0) s += `\tfib: ${i.fib}\n`;
  // af_other_status of the families (all of them, or the one asked for).
  if (env !== null) {
    for (const m of IFCONFIG_MODULES) {
      const afp = m.af;
      if (afp?.af_other_status === undefined || (af !== null && af !== afp.af_name)) continue;
      s += afp.af_other_status({ ...env, name: i.name }, i);
    }
  }
  // print_ifstatus: what the driver has to say (tun/tap: who holds it open).
  if (af === null) s += i.ifs_ascii;
  return s;
}

/**
 * Parse "A" or "A/len" into address and mask, as af_inet.c's in_getaddr
 * does: the width after the last '/' first (strtonum 0..32: "invalid" or
 * "too large"), then the address; a string for what is wrong.
 */
function parse_inet(s: string): { addr: number; mask: number | null } | string {
  const slash = s.lastIndexOf("/");
  let mask: number | null = null;
  if (slash >= 0) {
    const ls = s.slice(slash + 1);
    const why = !/^[0-9]/.test(ls) || !/^[0-9]+$/.test(ls) ? "invalid" : Number(ls) > 32 ? "too large" : null;
    if (why !== null) return `${s}: bad value (width ${why})`;
    mask = in_len2mask(Number(ls));
  }
  const a = inet_aton(slash >= 0 ? s.slice(0, slash) : s);
  if (a === null) return `${s}: bad value`;
  return { addr: a, mask };
}

function parse_mask(s: string): number | null {
  if (/^0x[0-9a-fA-F]{1,8}$/.test(s)) return parseInt(s, 16) >>> 0;
  return inet_aton(s);
}

export async function ifconfig_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const kp = ctx.p as proc;
    let argv = ctx.argv.slice(1);
    for (const m of IFCONFIG_MODULES) m.init?.();
    let all = false;
    let list = false;
    let downonly = false;
    let uponly = false;
    // Leading options.
    while (argv.length > 0 && argv[0].startsWith("-") && argv[0].length > 1 && !/^-(vnet|alias|broadcast|arp)$/.test(argv[0])) {
      const a = argv.shift() as string;
      if (a.startsWith("-j")) {
        // getopt: the jail may follow -j in the same argument (-jname).
        const jname = a.length > 2 ? a.slice(2) : argv.shift();
        if (jname === undefined) usage(ctx);
        const jid = jail_getid(kp, jname);
        if (jid < 0) {
          ctx.stderr.write(`ifconfig: jail "${jname}" not found\n`);
          throw new prog_exit(1);
        }
        const e = sys_jail_attach_proc(kp, jid);
        if (e !== 0) {
          ctx.stderr.write(`ifconfig: cannot attach to jail ${jname}: ${strerror(e)}\n`);
          throw new prog_exit(1);
        }
        continue;
      }
      for (const c of a.slice(1)) {
        if (c === "a") all = true;
        else if (c === "l") list = true;
        else if (c === "d") downonly = true;
        else if (c === "u") uponly = true;
        else if (IFCONFIG_MODULES.some((m) => m.opts?.some((o) => o.opt === c))) {
          for (const m of IFCONFIG_MODULES) for (const o of m.opts ?? []) if (o.opt === c) o.cb();
        } else if ("mvLCkn".includes(c)) continue;
        else usage(ctx);
      }
    }
    const s = sys_socket(kp, AF_INET, SOCK_DGRAM, 0);
    if (s.error !== 0) {
      ctx.stderr.write(`ifconfig: socket(family 2,SOCK_DGRAM): ${strerror(s.error)}\n`);
      throw new prog_exit(1);
    }
    const fd = s.fd;
    try {
      const ifs = ifconfig_list(kp, fd);
      const pick = (i: ifconfig_if) => !((downonly && (i.flags & IFF_UP) !== 0) || (uponly && (i.flags & IFF_UP) === 0));
      if (list) {
        ctx.stdout.write(ifs.filter(pick).map((i) => i.name).join(" ") + "\n");
        return 0;
      }
      if (all || argv.length === 0) {
        const af = argv[0] ?? null;
        for (const i of ifs) if (pick(i)) ctx.stdout.write(if_status(i, af, module_env(ctx, kp, fd, i.name, () => {})));
        return 0;
      }
      const ifname = argv.shift() as string;
      // ifr_name holds IFNAMSIZ bytes with the NUL.
      if (Buffer.byteLength(ifname, "utf8") >= IFNAMSIZ) {
        ctx.stderr.write(`ifconfig: interface name '${ifname}' too long\n`);
        throw new prog_exit(1);
      }
      // Cloning: `ifconfig epair create`, `ifconfig lo1 create`.
      // `create` on an interface that exists: alone it is an error; with
      // more parameters they apply to the interface there is.
      if ((argv[0] === "create" || argv[0] === "plumb") && ifs.some((i) => i.name === ifname)) {
        if (argv.length === 1) errx(ctx, 1, `interface ${ifname} already exists`);
        argv.shift();
      }
      if (argv[0] === "create" || argv[0] === "plumb") {
        argv.shift();
        const ifr: ifreq = { ifr_name: ifname };
        // The clone parameters that follow `create` (vlan, vlandev, ...)
        // are gathered until the first other parameter, and the module that
        // knows the name fills the request; the rest applies to the new
        // interface, as cmd_lookup's iscreate mode does.
        const cenv = module_env(ctx, kp, fd, ifname, () => {});
        while (argv.length > 0) {
          const c = module_cmd(argv[0], true);
          if (c === undefined) break;
          const args = module_args(ctx, c, argv, 0);
          c.fn(cenv, args);
          argv = argv.slice(1 + (c.optarg === true ? args.length : c.nargs));
        }
        for (const m of IFCONFIG_MODULES) {
          if (m.clone !== undefined && m.clone.match(ifname)) {
            m.clone.create(cenv, ifr);
            break;
          }
        }
        // ioctl_ifcreate.
        const e = sys_ioctl(kp, fd, SIOCIFCREATE2, ifr);
        if (e !== 0) {
          if (e === EEXIST) errx(ctx, 1, `interface ${ifname} already exists`);
          ctx.stderr.write(`ifconfig: SIOCIFCREATE2 (${ifname}): ${strerror(e)}\n`);
          throw new prog_exit(1);
        }
        let name = ifr.ifr_name;
        if (argv.length > 0) await apply(ctx, kp, fd, name, argv, (n) => (name = n));
        else run_callbacks(ctx, kp, fd, name);
        ctx.stdout.write(`${name}\n`);
        return 0;
      }
      const me = ifs.find((i) => i.name === ifname);
      // `-vnet` names an interface of the jail's vnet, not of ours: ifconfig
      // skips the lookup for it.
      if (me === undefined && argv[0] === "-vnet") {
        await apply(ctx, kp, fd, ifname, argv, () => {});
        return 0;
      }
      if (me === undefined) {
        ctx.stderr.write(`ifconfig: interface ${ifname} does not exist\n`);
        throw new prog_exit(1);
      }
      if (argv.length === 0) {
        ctx.stdout.write(if_status(me, null, module_env(ctx, kp, fd, me.name, () => {})));
        return 0;
      }
      if (argv.length === 1 && (argv[0] === "inet" || argv[0] === "ether" || argv[0] === "link" || argv[0] === "lladdr" || af_getbyname(argv[0]) !== null)) {
        ctx.stdout.write(if_status(me, argv[0], module_env(ctx, kp, fd, me.name, () => {})));
        return 0;
      }
      const afp = af_getbyname(argv[0]);
      if (afp !== null) {
        // ifconfig() talks to the family through a socket of its own.
        argv.shift();
        const s6 = sys_socket(kp, afp.af_af, SOCK_DGRAM, 0);
        if (s6.error !== 0) err(ctx, 1, `socket(family ${afp.af_af},SOCK_DGRAM)`, s6.error);
        try {
          await apply_af(ctx, kp, s6.fd, ifname, argv, afp);
        } finally {
          sys_close(kp, s6.fd);
        }
        return 0;
      }
      await apply(ctx, kp, fd, ifname, argv, () => {});
      return 0;
    } finally {
      sys_close(kp, fd);
    }
  });
}

function ioctl_fail(ctx: prog_ctx, what: string, ifname: string, e: number): never {
  if (e === ENXIO) ctx.stderr.write(`ifconfig: interface ${ifname} does not exist\n`);
  else ctx.stderr.write(`ifconfig: ${what}: ${strerror(e)}\n`);
  throw new prog_exit(1);
}

/** The interface flags ifconfig.c sets by name (setifflags). */
const IFF_WORDS: Record<string, number> = { debug: IFF_DEBUG, link0: IFF_LINK0, link1: IFF_LINK1, link2: IFF_LINK2, monitor: IFF_MONITOR };

/** Apply the parameters after the interface name, left to right. */
async function apply(ctx: prog_ctx, kp: proc, fd: number, ifname: string, argv: string[], renamed: (n: string) => void): Promise<void> {
  let name = ifname;
  let pending: { addr: number; mask: number | null; broad: number | null; del: boolean } | null = null;
  const flush_addr = () => {
    if (pending === null) return;
    const p = pending;
    pending = null;
    const req: in_aliasreq = {
      ifra_name: name,
      ifra_addr: new sockaddr_in(p.addr),
      ifra_broadaddr: p.broad === null ? null : new sockaddr_in(p.broad),
      ifra_mask: p.mask === null ? null : new sockaddr_in(p.mask),
    };
    const e = sys_ioctl(kp, fd, p.del ? SIOCDIFADDR : SIOCAIFADDR, req);
    if (e !== 0) ioctl_fail(ctx, p.del ? "ioctl (SIOCDIFADDR)" : "ioctl (SIOCAIFADDR)", name, e);
  };
  const setflags = (on: number, off: number) => {
    const ifr: ifreq = { ifr_name: name };
    let e = sys_ioctl(kp, fd, SIOCGIFFLAGS, ifr);
    if (e !== 0) ioctl_fail(ctx, "ioctl (SIOCGIFFLAGS)", name, e);
    ifr.ifr_flags = ((ifr.ifr_flags ?? 0) | on) & ~off;
    e = sys_ioctl(kp, fd, SIOCSIFFLAGS, ifr);
    if (e !== 0) ioctl_fail(ctx, "ioctl (SIOCSIFFLAGS)", name, e);
  };
  const need = (i: number): string => {
    const v = argv[i + 1];
    if (v === undefined) {
      ctx.stderr.write(`ifconfig: missing argument for ${argv[i]}\n`);
      throw new prog_exit(1);
    }
    return v;
  };
  const jid_of = (j: string): number => {
    const jid = jail_getid(kp, j);
    if (jid < 0) {
      ctx.stderr.write(`ifconfig: jail "${j}" not found\n`);
      throw new prog_exit(1);
    }
    return jid;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case "inet":
        continue;
      case "up":
        flush_addr();
        setflags(IFF_UP, 0);
        continue;
      case "down":
        flush_addr();
        setflags(0, IFF_UP);
        continue;
      case "debug":
      case "-debug":
      case "link0":
      case "-link0":
      case "link1":
      case "-link1":
      case "link2":
      case "-link2":
      case "monitor":
      case "-monitor": {
        // setifflags: DEF_CMD("link0", IFF_LINK0, ...), "-link0" clears.
        const f = IFF_WORDS[a.replace(/^-/, "")];
        flush_addr();
        if (a.startsWith("-")) setflags(0, f);
        else setflags(f, 0);
        continue;
      }
      case "alias":
      case "add":
        continue;
      case "-alias":
      case "delete":
      case "remove":
        if (pending !== null) pending.del = true;
        continue;
      case "netmask": {
        const m = parse_mask(need(i++));
        if (m === null || pending === null) {
          ctx.stderr.write(`ifconfig: ${argv[i]}: bad value\n`);
          throw new prog_exit(1);
        }
        pending.mask = m;
        continue;
      }
      case "broadcast": {
        const b = inet_aton(need(i++));
        if (b === null || pending === null) {
          ctx.stderr.write(`ifconfig: ${argv[i]}: bad value\n`);
          throw new prog_exit(1);
        }
        pending.broad = b;
        continue;
      }
      case "destroy":
      case "unplumb": {
        flush_addr();
        const e = sys_ioctl(kp, fd, SIOCIFDESTROY, { ifr_name: name } satisfies ifreq);
        if (e !== 0) ioctl_fail(ctx, "SIOCIFDESTROY", name, e);
        return;
      }
      case "vnet":
      case "-vnet": {
        flush_addr();
        const ifr: ifreq = { ifr_name: name, ifr_jid: jid_of(need(i++)) };
        const e = sys_ioctl(kp, fd, a === "vnet" ? SIOCSIFVNET : SIOCSIFRVNET, ifr);
        if (e !== 0) {
          if (e === ENXIO && a === "vnet") ioctl_fail(ctx, "SIOCSIFVNET", name, e);
          ctx.stderr.write(`ifconfig: ${a === "vnet" ? "SIOCSIFVNET" : "SIOCSIFRVNET"}: ${strerror(e)}\n`);
          throw new prog_exit(1);
        }
        continue;
      }
      case "name": {
        flush_addr();
        const nn = need(i++);
        const ifr: ifreq = { ifr_name: name, ifr_data: nn };
        const e = sys_ioctl(kp, fd, SIOCSIFNAME, ifr);
        if (e !== 0) ioctl_fail(ctx, "ioctl SIOCSIFNAME (set name)", name, e);
        name = nn;
        renamed(nn);
        ctx.stdout.write(`${nn}\n`);
        continue;
      }
      case "mtu": {
        const v = need(i++);
        if (!/^[0-9]+$/.test(v)) {
          ctx.stderr.write(`ifconfig: ${v}: invalid mtu\n`);
          throw new prog_exit(1);
        }
        const e = sys_ioctl(kp, fd, SIOCSIFMTU, { ifr_name: name, ifr_mtu: Number(v) } satisfies ifreq);
        if (e !== 0) ioctl_fail(ctx, "ioctl SIOCSIFMTU (set mtu)", name, e);
        continue;
      }
      case "metric": {
        const v = need(i++);
        const e = sys_ioctl(kp, fd, SIOCSIFMETRIC, { ifr_name: name, ifr_metric: Number(v) } satisfies ifreq);
        if (e !== 0) ioctl_fail(ctx, "ioctl SIOCSIFMETRIC (set metric)", name, e);
        continue;
      }
      case "fib": {
        const v = need(i++);
        if (!/^[0-9]+$/.test(v)) {
          ctx.stderr.write(`ifconfig: ${v}: invalid fib\n`);
          throw new prog_exit(1);
        }
        const e = sys_ioctl(kp, fd, SIOCSIFFIB, { ifr_name: name, ifr_fib: Number(v) } satisfies ifreq);
        if (e !== 0) ioctl_fail(ctx, "ioctl (SIOCSIFFIB)", name, e);
        continue;
      }
      case "ether":
      case "lladdr":
      case "link": {
        // setiflladdr (ether, lladdr) and the link family's address (link):
        // SIOCSIFLLADDR with the six bytes.
        const v = argv[i + 1];
        const ea = v === undefined ? null : ether_aton(v);
        if (ea === null) {
          if (a === "link" && v === undefined) continue;
          ctx.stderr.write("ifconfig: malformed link-level address\n");
          throw new prog_exit(1);
        }
        i++;
        flush_addr();
        const e = sys_ioctl(kp, fd, SIOCSIFLLADDR, { ifr_name: name, ifr_lladdr: ea } satisfies ifreq);
        if (e !== 0) ioctl_fail(ctx, "ioctl (set lladdr)", name, e);
        continue;
      }
      case "pcp": {
        const v = argv[i + 1];
        if (v === undefined) errx(ctx, 1, "'pcp' requires argument");
        i++;
        flush_addr();
        setifpcp(ctx, kp, fd, name, v);
        continue;
      }
      case "-pcp": {
        // disableifpcp.
        flush_addr();
        const e = sys_ioctl(kp, fd, SIOCSLANPCP, { ifr_name: name, ifr_lan_pcp: IFNET_PCP_NONE } satisfies ifreq);
        if (e !== 0) ioctl_fail(ctx, "SIOCSLANPCP", name, e);
        continue;
      }
      case "description":
      case "descr": {
        const v = need(i++);
        const e = sys_ioctl(kp, fd, SIOCSIFDESCR, { ifr_name: name, ifr_data: v } satisfies ifreq);
        if (e !== 0) ioctl_fail(ctx, "ioctl (SIOCSIFDESCR)", name, e);
        continue;
      }
      case "-description":
      case "-descr": {
        const e = sys_ioctl(kp, fd, SIOCSIFDESCR, { ifr_name: name, ifr_data: "" } satisfies ifreq);
        if (e !== 0) ioctl_fail(ctx, "ioctl (SIOCSIFDESCR)", name, e);
        continue;
      }
      default: {
        const c = module_cmd(a, false);
        if (c !== undefined) {
          const args = module_args(ctx, c, argv, i);
          flush_addr();
          c.fn(module_env(ctx, kp, fd, name, flush_addr), args);
          i += c.optarg === true ? args.length : c.nargs;
          continue;
        }
        // An address after the address is the far end (setifdstaddr): the
        // whole word, no width.
        if (pending !== null && pending.broad === null && !pending.del) {
          const d = inet_aton(a);
          if (d === null) {
            ctx.stderr.write(`ifconfig: ${a}: bad value\n`);
            throw new prog_exit(1);
          }
          pending.broad = d;
          continue;
        }
        if (pending !== null && !pending.del) {
          // A word after the address is the far end (setifdstaddr), as for
          // `ifconfig tun0 10.0.0.1 10.0.0.2`.
          const d = inet_aton(a);
          if (d === null) {
            ctx.stderr.write(`ifconfig: ${a}: bad value\n`);
            throw new prog_exit(1);
          }
          pending.broad = d;
          continue;
        }
        const p = parse_inet(a);
        if (typeof p === "string") {
          ctx.stderr.write(`ifconfig: ${p}\n`);
          throw new prog_exit(1);
        }
        flush_addr();
        pending = { addr: p.addr, mask: p.mask, broad: null, del: false };
      }
    }
  }
  flush_addr();
  run_callbacks(ctx, kp, fd, name);
}

/**
 * apply_af: the parameters after `IF <family>` for a family of a module
 * (inet6), as ifconfig() takes them: flag and module words act at once,
 * address words fill the family's request, and the address requests go
 * last, after the family's post-processing and the callbacks:
 * SIOCDIFADDR when clearing (an address without `alias`, or -alias /
 * delete), SIOCAIFADDR for a new address or mask.
 */
async function apply_af(ctx: prog_ctx, kp: proc, fd: number, ifname: string, argv: string[], afp: ifconfig_af): Promise<void> {
  const name = ifname;
  const env = module_env(ctx, kp, fd, name, () => {}, afp.af_af);
  let setaddr = 0;
  let setmask = 0;
  let doalias = 0;
  let clearaddr = 0;
  let newaddr = 1;
  const setflags = (on: number, off: number) => {
    const ifr: ifreq = { ifr_name: name };
    let e = sys_ioctl(kp, fd, SIOCGIFFLAGS, ifr);
    if (e !== 0) ioctl_fail(ctx, "ioctl (SIOCGIFFLAGS)", name, e);
    ifr.ifr_flags = ((ifr.ifr_flags ?? 0) | on) & ~off;
    e = sys_ioctl(kp, fd, SIOCSIFFLAGS, ifr);
    if (e !== 0) ioctl_fail(ctx, "ioctl (SIOCSIFFLAGS)", name, e);
  };
  const notealias = (param: number) => {
    // (af_ridreq and af_addreq are one request for the families here: no copy.)
    doalias = param;
    if (param < 0) {
      clearaddr = 1;
      newaddr = 0;
    } else clearaddr = 0;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const need = (): string => {
      const v = argv[i + 1];
      if (v === undefined) errx(ctx, 1, `'${a}' requires argument`);
      i++;
      return v;
    };
    switch (a) {
      case "up":
        setflags(IFF_UP, 0);
        continue;
      case "down":
        setflags(0, IFF_UP);
        continue;
      case "debug":
      case "-debug":
      case "link0":
      case "-link0":
      case "link1":
      case "-link1":
      case "link2":
      case "-link2":
      case "monitor":
      case "-monitor": {
        const f = IFF_WORDS[a.replace(/^-/, "")];
        if (a.startsWith("-")) setflags(0, f);
        else setflags(f, 0);
        continue;
      }
      case "alias":
      case "add":
        notealias(IFF_UP);
        continue;
      case "-alias":
      case "delete":
      case "remove":
        notealias(-IFF_UP);
        continue;
      case "netmask":
        setmask++;
        afp.af_getaddr(env, need(), MASK);
        continue;
      case "broadcast":
        afp.af_getaddr(env, need(), DSTADDR);
        continue;
      default: {
        const c = module_cmd(a, false);
        if (c !== undefined) {
          const args = module_args(ctx, c, argv, i);
          c.fn(env, args);
          i += c.optarg === true ? args.length : c.nargs;
          continue;
        }
        if (setaddr !== 0) {
          // setifdstaddr: a second address is the far end.
          afp.af_getaddr(env, a, DSTADDR);
          continue;
        }
        // setifaddr: the address, set once the flags are.
        setaddr++;
        if (doalias === 0) clearaddr = 1;
        afp.af_getaddr(env, a, doalias >= 0 ? ADDR : RIDADDR);
      }
    }
  }
  afp.af_postproc?.(env);
  run_callbacks(ctx, kp, fd, name);
  if (clearaddr !== 0) {
    const e = afp.af_difaddr(env);
    // No such address: nothing to replace, unless deleting was asked for.
    if (e !== 0 && !(e === EADDRNOTAVAIL && doalias >= 0)) ioctl_fail(ctx, "ioctl (SIOCDIFADDR)", name, e);
  }
  if (newaddr !== 0 && (setaddr !== 0 || setmask !== 0)) {
    const e = afp.af_aifaddr(env);
    if (e !== 0) ioctl_fail(ctx, "ioctl (SIOCAIFADDR)", name, e);
  }
}

/** The deferred callbacks (callback_register), once the parameters are in. */
function run_callbacks(ctx: prog_ctx, kp: proc, fd: number, name: string): void {
  for (const m of IFCONFIG_MODULES) m.callback?.(module_env(ctx, kp, fd, name, () => {}));
}

/** setifpcp: `pcp N`, the interface's 802.1p priority for untagged frames. */
function setifpcp(ctx: prog_ctx, kp: proc, fd: number, name: string, val: string): void {
  const r = strtoul(val, 0);
  if (r.rest !== "") errx(ctx, 1, "invalid value for pcp");
  if (r.v > 7) errx(ctx, 1, "value for pcp out of range");
  const e = sys_ioctl(kp, fd, SIOCSLANPCP, { ifr_name: name, ifr_lan_pcp: r.v } satisfies ifreq);
  if (e !== 0) ioctl_fail(ctx, "SIOCSLANPCP", name, e);
}
