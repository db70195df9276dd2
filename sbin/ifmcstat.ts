// usr.sbin/ifmcstat/ifmcstat.c: ifmcstat(8), the multicast groups joined
// on each interface, through getifmaddrs(3) (sysctl NET_RT_IFMALIST),
// getifaddrs(3), and the sysctls net.inet6.mld.ifinfo (an interface's MLD
// state) and net.inet6.ip6.mcast.filters (a group's filter mode and
// sources).  FreeBSD 14 reads kernel memory only with -K; VirtNet has no
// /dev/mem, so that backend fails as it does in a jail, and the sysctl
// one answers unless a core (-M) or kernel (-N) was named.

import { AF_INET, AF_INET6, AF_LINK } from "../kern/socket.ts";
import { ENOENT, strerror } from "../kern/errno.ts";
import { IN6_IS_ADDR_LINKLOCAL, type sockaddr_in6 } from "../netinet6/in6_var.ts";
import { MLD_VERSION_1, MLD_VERSION_2 } from "../netinet6/mld6.ts";
import { MLI_FLAGS, MLI_QI, MLI_QRI, MLI_RV, MLI_URI, MLI_V1_TIMER, MLI_V2_TIMER, MLI_VERSION } from "../netinet6/mld6.ts";
import { NI_NUMERICHOST, getnameinfo, getopt, prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import { getifaddrs, getifmaddrs, if_nametoindex, type ifaddrs_rec } from "./libc_getifaddrs.ts";
import { sysctl, sysctlnametomib } from "./libc_sysctl.ts";

const EX_OK = 0;
const EX_USAGE = 64;
const EX_NOHOST = 68;
const EX_OSERR = 71;

/** inm_modes: MCAST_UNDEFINED, MCAST_INCLUDE, MCAST_EXCLUDE. */
const INM_MODES = ["undefined", "include", "exclude"];

function usage(ctx: prog_ctx): never {
  ctx.stderr.write("usage: ifmcstat [-i interface] [-f address family] [-v] [-K] [-M core] [-N system]\n");
  throw new prog_exit(EX_USAGE);
}

function perror(ctx: prog_ctx, what: string, error: number): void {
  ctx.stderr.write(`${what}: ${strerror(error)}\n`);
}

/** printb.c: "name=hex<BIT,...>", the bits named by a %b-style string. */
function printb(name: string, v: number, bits: string[]): string {
  const set: string[] = [];
  for (let i = 0; i < bits.length; i++) if ((v & (1 << i)) !== 0) set.push(bits[i]);
  return `${name}=${(v >>> 0).toString(16)}<${set.join(",")}>`;
}

/** getnameinfo(3) of an AF_LINK address: its bytes in hex, colon-separated
 *  (getnameinfo_link's hexname). */
function hexname(a: Uint8Array): string {
  let s = "";
  for (let i = 0; i < a.length; i++) s += (i > 0 ? ":" : "") + a[i].toString(16).padStart(2, "0");
  return s;
}

function inet6_n2a(ctx: prog_ctx, sin6: sockaddr_in6): string {
  const r = getnameinfo(ctx.p, sin6, NI_NUMERICHOST);
  return r.error === 0 ? r.host : "(invalid)";
}

function in4_n2a(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** in6_ifinfo: the interface's MLD version, flags and timers. */
function in6_ifinfo(ctx: prog_ctx, mli: readonly number[], vflag: number): void {
  let s = "\t";
  const v = mli[MLI_VERSION];
  s += v === MLD_VERSION_1 || v === MLD_VERSION_2 ? `mldv${v}` : `mldv?(${v})`;
  if (mli[MLI_FLAGS] !== 0) s += printb(" flags", mli[MLI_FLAGS], ["SILENT", "USEALLOW"]);
  if (v === MLD_VERSION_2) s += ` rv ${mli[MLI_RV]} qi ${mli[MLI_QI]} qri ${mli[MLI_QRI]} uri ${mli[MLI_URI]}`;
  if (vflag >= 2) s += ` v1timer ${mli[MLI_V1_TIMER]} v2timer ${mli[MLI_V2_TIMER]}`;
  ctx.stdout.write(s + "\n");
}

/** in6m_print_sources_sysctl: " mode M" and, with -v, " srcs a,b". */
function in6m_print_sources_sysctl(ctx: prog_ctx, ifindex: number, group: sockaddr_in6, vflag: number): void {
  const m = sysctlnametomib(ctx.p, "net.inet6.ip6.mcast.filters");
  if (m.error !== 0) {
    perror(ctx, "sysctlnametomib", m.error);
    return;
  }
  const mib = m.mib.slice();
  mib.push(ifindex);
  const b = group.sin6_addr.s6_addr;
  for (let i = 0; i < 4; i++) mib.push(((b[4 * i] << 24) | (b[4 * i + 1] << 16) | (b[4 * i + 2] << 8) | b[4 * i + 3]) | 0);
  const r = sysctl(ctx.p, mib);
  if (r.error !== 0) {
    perror(ctx, "sysctl net.inet6.ip6.mcast.filters", r.error);
    return;
  }
  const w = Array.isArray(r.value) ? (r.value as readonly number[]) : [];
  if (w.length < 1) {
    perror(ctx, "sysctl", 0);
    return;
  }
  const fmode = w[0];
  const mode = INM_MODES[fmode];
  ctx.stdout.write(mode !== undefined ? ` mode ${mode}` : ` mode (${fmode >>> 0})`);
  if (vflag === 0) return;
  // Each further entry would be a source in that mode; this kernel keeps
  // no source lists, so there are none to print.
  if (w.length > 1) ctx.stderr.write(`warning: ${(w.length - 1) * 4} trailing bytes from net.inet6.ip6.mcast.filters\n`);
}

/** ifmcstat_getifmaddrs: every membership, grouped under its interface and
 *  that interface's primary address of the group's family. */
function ifmcstat_getifmaddrs(ctx: prog_ctx, ifindex: number, af: number, vflag: number): number {
  const ia = getifaddrs(ctx.p);
  if (ia.error !== 0) {
    ctx.stderr.write(`ifmcstat: getifmaddrs: ${strerror(ia.error)}\n`);
    return -1;
  }
  const ma = getifmaddrs(ctx.p);
  if (ma.error !== 0) {
    ctx.stderr.write(`ifmcstat: getifmaddrs: ${strerror(ma.error)}\n`);
    return -1;
  }
  let lastifindex = 0;
  let lastifasa: string | null = null;
  for (const ifma of ma.ifmap) {
    const thisifindex = ifma.sdl_index;
    if (ifindex !== 0 && thisifindex !== ifindex) continue;
    if (af !== 0 && ifma.family !== af) continue;
    const thisifname = ifma.ifma_ifname;
    if (lastifindex === 0 || lastifindex !== thisifindex) {
      lastifindex = thisifindex;
      ctx.stdout.write(`${thisifname}:\n`);
    }
    // Joins are made on the primary IPv4 address and on the link-local
    // IPv6 one: that is the address shown above the groups.
    let pifasa: ifaddrs_rec | null = null;
    for (const ifa of ia.ifap) {
      if (ifa.ifa_name !== thisifname || ifa.family !== ifma.family) continue;
      if (ifa.family === AF_INET6 && (ifa.sin6 === null || !IN6_IS_ADDR_LINKLOCAL(ifa.sin6.sin6_addr))) continue;
      pifasa = ifa;
      break;
    }
    if (pifasa === null) continue;
    if (vflag === 0 && pifasa.family === AF_LINK) continue;

    const key = ifasa_key(pifasa);
    if (lastifasa === null || lastifasa !== key) {
      let line: string;
      if (pifasa.family === AF_INET6 && pifasa.sin6 !== null) {
        line = `\tinet6 ${inet6_n2a(ctx, pifasa.sin6)}`;
        if (pifasa.sin6.sin6_scope_id !== 0) line += ` scopeid 0x${pifasa.sin6.sin6_scope_id.toString(16)}`;
      } else if (pifasa.family === AF_INET) line = `\tinet ${in4_n2a(pifasa.addr)}`;
      else line = `\tlink ${hexname(pifasa.sdl_lladdr)}`;
      ctx.stdout.write(line + "\n");
      if (pifasa.family === AF_INET6) {
        const m = sysctlnametomib(ctx.p, "net.inet6.mld.ifinfo");
        if (m.error !== 0) perror(ctx, "sysctlnametomib", m.error);
        else {
          const r = sysctl(ctx.p, [...m.mib, thisifindex]);
          if (r.error !== 0) perror(ctx, "sysctl net.inet6.mld.ifinfo", r.error);
          else if (Array.isArray(r.value)) in6_ifinfo(ctx, r.value as readonly number[], vflag);
          else perror(ctx, "sysctl net.inet6.mld.ifinfo", ENOENT);
        }
      }
      lastifasa = key;
    }

    if (ifma.family === AF_INET6 && ifma.sin6 !== null) {
      let line = `\t\tgroup ${inet6_n2a(ctx, ifma.sin6)}`;
      if (ifma.sin6.sin6_scope_id !== 0) line += ` scopeid 0x${ifma.sin6.sin6_scope_id.toString(16)}`;
      ctx.stdout.write(line);
      in6m_print_sources_sysctl(ctx, thisifindex, ifma.sin6, vflag);
      ctx.stdout.write("\n");
    } else ctx.stdout.write(`\t\tgroup ${hexname(ifma.lladdr ?? new Uint8Array(0))}\n`);
    if (ifma.ifma_lladdr !== null) ctx.stdout.write(`\t\t\tmcast-macaddr ${hexname(ifma.ifma_lladdr)}\n`);
  }
  return 0;
}

/** The primary address compared with the last one shown (sa_equal). */
function ifasa_key(a: ifaddrs_rec): string {
  if (a.family === AF_INET6 && a.sin6 !== null) return `6 ${a.sin6.sin6_addr.s6_addr.join(".")} ${a.sin6.sin6_scope_id}`;
  if (a.family === AF_INET) return `4 ${a.addr}`;
  return `L ${a.sdl_index} ${a.sdl_lladdr.join(".")}`;
}

export async function ifmcstat_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    let ifindex = 0;
    let af = 0;
    let vflag = 0;
    let Kflag = 0;
    let core: string | null = null;
    let kernel: string | null = null;
    const { opts } = getopt(ctx, "i:f:vM:N:K", () => usage(ctx));
    for (const [c, optarg] of opts) {
      switch (c) {
        case "i":
          ifindex = if_nametoindex(ctx.p, optarg);
          if (ifindex === 0) {
            ctx.stderr.write(`${optarg}: unknown interface\n`);
            throw new prog_exit(EX_NOHOST);
          }
          break;
        case "f":
          if (optarg === "inet") af = AF_INET;
          else if (optarg === "inet6") af = AF_INET6;
          else if (optarg === "link") af = AF_LINK;
          else {
            ctx.stderr.write(`${optarg}: unknown address family\n`);
            throw new prog_exit(EX_USAGE);
          }
          break;
        case "K":
          Kflag++;
          break;
        case "v":
          vflag++;
          break;
        case "M":
          core = optarg;
          break;
        case "N":
          kernel = optarg;
          break;
      }
    }
    if (af === AF_LINK && vflag !== 0) usage(ctx);
    let error = 0;
    if (Kflag !== 0) {
      // ifmcstat_kvm: kvm_openfiles finds no kernel memory to read.
      perror(ctx, "kvm_openfiles", ENOENT);
      error = -1;
    }
    if (Kflag === 0 || (error !== 0 && core === null && kernel === null)) error = ifmcstat_getifmaddrs(ctx, ifindex, af, vflag);
    return error !== 0 ? EX_OSERR : EX_OK;
  });
}
