// usr.bin/sockstat/sockstat.c: list open sockets: who has them (kern.file),
// what they are bound and connected to (the TCP, UDP and, with ipdivert
// loaded, divert pcblists).  The kernel has no local-domain or SCTP
// sockets: -u finds none and -P sctp lists nothing, as on a kernel built
// without them.

import { ENOENT } from "../kern/errno.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { kinfo_getallproc } from "./libutil.ts";
import { JAIL_SYS_NEW } from "../kern/kern_jail.ts";
import { jail_errmsg, jail_getid, jailparam_get, jailparam_init } from "./libjail.ts";
import { sys_jail_attach_proc, XFILE_LEN, XF_DATA, XF_FD, XF_PID, XF_UID, type proc } from "../kern/uipc_syscalls.ts";
import { INP_IPV4, INP_IPV6 } from "../netinet/in_pcb.ts";
import { XT_CC, XT_STATE } from "../netinet/tcp_var.ts";
import { pcblist_get } from "./libpcblist.ts";
import { TCP_NSTATES, tcpstates } from "../netinet/tcp_fsm.ts";
import { inet_ntoa } from "../netinet/in.ts";
import { getopt, getpwuid, inet_ntop, prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import { AF_INET6 } from "../kern/socket.ts";

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_SCTP = 132;
const IPPROTO_DIVERT = 258;

/** getprotobyname(3) over FreeBSD's /etc/protocols, for -P. */
const protocols = new Map<string, number>([
  ["ip", 0],
  ["icmp", 1],
  ["igmp", 2],
  ["tcp", 6],
  ["udp", 17],
  ["ipv6", 41],
  ["gre", 47],
  ["esp", 50],
  ["ah", 51],
  ["ipv6-icmp", 58],
  ["pim", 103],
  ["carp", 112],
  ["sctp", 132],
  ["udplite", 136],
  ["divert", 258],
]);

interface sock {
  socket: number;
  vflag: number;
  family: number;
  proto: number;
  state: number;
  protoname: string;
  laddr: string;
  lport: number;
  faddr: string;
  fport: number;
  cc: number;
  shown: boolean;
}

class opts {
  o4 = false;
  o6 = false;
  C = false;
  c = false;
  j = -1;
  L = false;
  l = false;
  n = false;
  q = false;
  S = false;
  s = false;
  U = false;
  u = false;
  v = 0;
  w = false;
  ports: Set<number> | null = null;
}

export async function sockstat_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => sockstat(ctx));
}

function sockstat(ctx: prog_ctx): number {
  const kp = ctx.p as proc;
  const o = new opts();
  const usage = (): never => {
    ctx.stderr.write("usage: sockstat [-46cLlSsUuvw] [-j jid] [-p ports] [-P protocols]\n");
    throw new prog_exit(1);
  };
  const errx = (status: number, msg: string): never => {
    ctx.stderr.write(`sockstat: ${msg}\n`);
    throw new prog_exit(status);
  };
  let protos: number[] | null = null;
  const { opts: list, optind } = getopt(ctx, "46Ccj:Llnp:P:qSsUuvw", usage);
  for (const [c, v] of list) {
    switch (c) {
      case "4":
        o.o4 = true;
        break;
      case "6":
        o.o6 = true;
        break;
      case "C":
        o.C = true;
        break;
      case "c":
        o.c = true;
        break;
      case "j":
        o.j = jail_getid(ctx.p, v);
        if (o.j < 0) errx(1, jail_errmsg.v);
        break;
      case "L":
        o.L = true;
        break;
      case "l":
        o.l = true;
        break;
      case "n":
        o.n = true;
        break;
      case "p":
        parse_ports(o, v, errx);
        break;
      case "P":
        protos = [];
        for (const name of v.split(",")) {
          if (name === "") continue;
          const pr = protocols.get(name);
          if (pr === undefined) ctx.stderr.write("sockstat: getprotobyname: Unknown error: 0\n");
          else protos.push(pr);
        }
        break;
      case "q":
        o.q = true;
        break;
      case "S":
        o.S = true;
        break;
      case "s":
        o.s = true;
        break;
      case "U":
        o.U = true;
        break;
      case "u":
        o.u = true;
        break;
      case "v":
        o.v++;
        break;
      case "w":
        o.w = true;
        break;
      default:
        usage();
    }
  }
  if (optind < ctx.argv.length) usage();

  if (o.j > 0) {
    // In a vnet jail its own stack answers: attach to it.
    const jp = jailparam_init("vnet");
    if (jp === null) errx(2, jail_errmsg.v);
    const r = jailparam_get(ctx.p, { jid: o.j }, jp === null ? [] : [jp], 0);
    if (r.jid < 0) errx(2, jail_errmsg.v);
    if (jp !== null && jp.jp_value === JAIL_SYS_NEW) {
      const e = sys_jail_attach_proc(kp, o.j);
      if (e !== 0) errx(3, `jail_attach(): ${e}`);
      o.j = -1;
    }
  }
  if (!o.o4 && !o.o6 && protos !== null) o.o4 = o.o6 = true;
  if (!o.o4 && !o.o6 && !o.u) o.o4 = o.o6 = o.u = true;
  if ((o.o4 || o.o6) && protos === null) protos = [IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_DIVERT];
  if (!o.c && !o.l) o.c = o.l = true;

  const socks: sock[] = [];
  if (o.o4 || o.o6) for (const pr of protos ?? []) gather_inet(ctx, o, pr, socks);
  display(ctx, o, socks);
  return 0;
}

function parse_ports(o: opts, spec: string, errx: (s: number, m: string) => never): void {
  if (o.ports === null) o.ports = new Set();
  let i = 0;
  while (i < spec.length) {
    if (!/[0-9]/.test(spec[i])) errx(1, "syntax error in port range");
    let port = 0;
    while (i < spec.length && /[0-9]/.test(spec[i])) port = port * 10 + Number(spec[i++]);
    if (port > 65535) errx(1, "invalid port number");
    o.ports.add(port);
    if (spec[i] === "-") i++;
    else {
      if (spec[i] === ",") i++;
      continue;
    }
    let end = 0;
    while (i < spec.length && /[0-9]/.test(spec[i])) end = end * 10 + Number(spec[i++]);
    if (end < port || end > 65535) errx(1, "invalid port number");
    while (port++ < end) o.ports.add(port);
    if (spec[i] === ",") i++;
  }
}

/** The address as printaddr shows it: "*" for the wildcard. */
function addrstr(v4: boolean, a: number, a6: Uint8Array): string {
  if (v4) return a === 0 ? "*" : inet_ntoa(a);
  if (a6.every((b) => b === 0)) return "*";
  return inet_ntop(AF_INET6, a6) ?? "?";
}

function is_loopback6(a: Uint8Array): boolean {
  return a.subarray(0, 15).every((b) => b === 0) && a[15] === 1;
}

/** gather_inet: the sockets of one protocol's pcblist. */
function gather_inet(ctx: prog_ctx, o: opts, proto: number, out: sock[]): void {
  let varname: string;
  let protoname: string;
  switch (proto) {
    case IPPROTO_TCP:
      varname = "net.inet.tcp.pcblist";
      protoname = "tcp";
      break;
    case IPPROTO_UDP:
      varname = "net.inet.udp.pcblist";
      protoname = "udp";
      break;
    case IPPROTO_DIVERT:
      varname = "net.inet.divert.pcblist";
      protoname = "div";
      break;
    case IPPROTO_SCTP:
      varname = "net.inet.sctp.assoclist";
      protoname = "sctp";
      break;
    default:
      ctx.stderr.write(`sockstat: protocol ${proto} not supported\n`);
      throw new prog_exit(1);
  }
  const { error, list } = pcblist_get(ctx.p, varname);
  if (error === ENOENT) return;
  if (error !== 0) {
    ctx.stderr.write(`sockstat: sysctlbyname(): ${error}\n`);
    throw new prog_exit(1);
  }
  let vflag = 0;
  if (o.o4) vflag |= INP_IPV4;
  if (o.o6) vflag |= INP_IPV6;
  for (const xip of list) {
    const iv = xip.inp_vflag;
    if ((iv & vflag) === 0) continue;
    const fport = xip.inp_fport;
    if ((fport === 0 && !o.l) || (fport !== 0 && !o.c)) continue;
    const v4 = (iv & INP_IPV4) !== 0;
    const l6 = xip.in6p_laddr;
    const f6 = xip.in6p_faddr;
    if (v4) {
      if (o.L && (xip.inp_faddr >>> 24 === 127 || xip.inp_laddr >>> 24 === 127)) continue;
    } else if ((iv & INP_IPV6) !== 0) {
      if (o.L && (is_loopback6(f6) || is_loopback6(l6))) continue;
    } else {
      if (o.v > 0) ctx.stderr.write(`sockstat: invalid vflag 0x${iv.toString(16)}\n`);
      continue;
    }
    const xt = xip.xt;
    out.push({
      socket: xip.xi_socket,
      vflag: iv,
      family: v4 ? 2 : AF_INET6,
      proto,
      state: xt !== null ? xt[XT_STATE] : 0,
      protoname,
      laddr: addrstr(v4, xip.inp_laddr, l6),
      lport: xip.inp_lport,
      faddr: addrstr(v4, xip.inp_faddr, f6),
      fport,
      cc: xt !== null ? xt[XT_CC] : -1,
      shown: false,
    });
  }
}

function check_ports(o: opts, s: sock): boolean {
  if (o.ports === null) return true;
  return o.ports.has(s.lport) || o.ports.has(s.fport);
}

function displaysock(o: opts, s: sock, line0: string, ccnames: readonly string[]): string {
  let line = line0;
  const pad = (n: number) => {
    while (line.length < n) line += " ";
  };
  pad(29);
  line += s.protoname;
  if ((s.vflag & INP_IPV4) !== 0) line += "4";
  if ((s.vflag & INP_IPV6) !== 0) line += "6";
  if ((s.vflag & (INP_IPV4 | INP_IPV6)) !== 0) line += " ";
  let offset = 36;
  pad(offset);
  line += s.lport === 0 ? `${s.laddr}:*` : `${s.laddr}:${s.lport}`;
  if (s.family === AF_INET6 && line.length >= 58) line += " ";
  offset += o.w ? 46 : 22;
  pad(offset);
  line += s.fport === 0 ? `${s.faddr}:*` : `${s.faddr}:${s.fport}`;
  offset += o.w ? 46 : 22;
  if (o.U) offset += 7;
  if (o.s) offset += 13;
  if (o.s) {
    if (s.proto === IPPROTO_TCP) {
      pad(offset);
      line += s.state >= 0 && s.state < TCP_NSTATES ? tcpstates[s.state] : "?";
    }
    offset += 13;
  }
  if (o.S) {
    if (s.proto === IPPROTO_TCP) {
      pad(offset);
      // The kernel has FreeBSD's default TCP stack only (no function blocks).
      line += "freebsd";
    }
    offset += 32 + 1;
  }
  if (o.C && s.proto === IPPROTO_TCP) {
    pad(offset);
    line += ccnames[s.cc] ?? "";
  }
  return `${line}\n`;
}

function display(ctx: prog_ctx, o: opts, socks: sock[]): void {
  let out = "";
  if (!o.q) {
    out += `${"USER".padEnd(8)} ${"COMMAND".padEnd(10)} ${"PID".padEnd(5)} ${"FD".padEnd(2)} ${"PROTO".padEnd(6)} ${"LOCAL ADDRESS".padEnd(o.w ? 45 : 21)} ${"FOREIGN ADDRESS".padEnd(o.w ? 45 : 21)}`;
    if (o.U) out += ` ${"ENCAPS".padEnd(6)}`;
    if (o.s) {
      out += ` ${"PATH STATE".padEnd(12)}`;
      out += ` ${"CONN STATE".padEnd(12)}`;
    }
    if (o.S) out += ` ${"STACK".padEnd(32)}`;
    if (o.C) out += " CC";
    out += "\n";
  }
  const cc = sysctlbyname(ctx.p, "net.inet.tcp.cc.available");
  const ccnames = typeof cc.value === "string" ? cc.value.split(/\s+/).filter((x) => x !== "") : [];
  const files = sysctlbyname(ctx.p, "kern.file");
  const fw = Array.isArray(files.value) ? (files.value as readonly number[]) : [];
  const procs = kinfo_getallproc(ctx.p).procs;
  for (let at = 0; at + XFILE_LEN <= fw.length; at += XFILE_LEN) {
    const data = fw[at + XF_DATA];
    if (data === 0) continue;
    const pid = fw[at + XF_PID];
    const kp = procs.find((q) => q.ki_pid === pid);
    if (o.j >= 0 && o.j !== (kp === undefined ? -1 : kp.ki_jid)) continue;
    for (const s of socks) {
      if (s.socket !== data || !check_ports(o, s)) continue;
      s.shown = true;
      const uid = fw[at + XF_UID];
      const pw = o.n ? null : getpwuid(uid);
      let line = pw === null ? `${uid} ` : `${pw} `;
      line = line.padEnd(9);
      line += (kp === undefined ? "??" : kp.ki_comm).slice(0, 10);
      line = line.padEnd(20);
      line += `${pid} `;
      line = line.padEnd(26);
      line += `${fw[at + XF_FD]} `;
      out += displaysock(o, s, line, ccnames);
    }
  }
  if (o.j < 0) {
    for (const s of socks) {
      if (s.shown || !check_ports(o, s)) continue;
      out += displaysock(o, s, `${"?".padEnd(8)} ${"?".padEnd(10)} ${"?".padEnd(5)} ${"?".padEnd(2)} `, ccnames);
    }
  }
  ctx.stdout.write(out);
}
