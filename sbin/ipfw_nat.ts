// sbin/ipfw/nat.c: `ipfw nat N config ...`, `ipfw nat [N] show config|log`
// and `ipfw nat N delete`: in-kernel NAT instances (ipfw_nat(4)), set up
// and read back through the IP_FW3 NAT44 requests (IP_FW_NAT44_XCONFIG,
// _DESTROY, _XGETCONFIG, _LIST_NAT, _XGETLOG) with FreeBSD 14's structures:
// an ipfw_obj_header naming the instance, a struct nat44_cfg_nat, and for
// each redirect a struct nat44_cfg_redir followed by its LSNAT pool
// (struct nat44_cfg_spool).  The entry points register with ipfw2.ts's
// ipfw_hooks (the ipfw2.h names ipfw_config_nat, ipfw_show_nat,
// ipfw_delete_nat), which sbin/ipfw.ts (main.c) dispatches to.

import { ENOENT, ENOMEM } from "../kern/errno.ts";
import { AF_INET } from "../kern/socket.ts";
import { INADDR_ANY, INADDR_NONE, IPPROTO_TCP, IPPROTO_UDP, inet_aton, inet_ntoa } from "../netinet/in.ts";
import {
  IP_FW_NAT44_DESTROY,
  IP_FW_NAT44_LIST_NAT,
  IP_FW_NAT44_XCONFIG,
  IP_FW_NAT44_XGETCONFIG,
  IP_FW_NAT44_XGETLOG,
  IPFW_TLV_EACTION_NAME,
  REDIR_ADDR,
  REDIR_PORT,
  REDIR_PROTO,
  SZ_ipfw_obj_header,
  SZ_ipfw_obj_lheader,
  SZ_nat44_cfg_nat,
  SZ_nat44_cfg_redir,
  SZ_nat44_cfg_spool,
  cstr_read,
  cstr_write,
  lheader_count,
  lheader_objsize,
  lheader_size,
  ntlv_write,
  objh_ntlv, nat_name, nat_if_name, nat_size, nat_ip, nat_mode, nat_redir_cnt, nat_alias_port_lo, nat_alias_port_hi, redir_laddr, redir_paddr, redir_raddr, redir_lport, redir_pport, redir_rport, redir_pport_cnt, redir_rport_cnt, redir_mode, redir_spool_cnt, redir_proto, spool_addr, spool_port } from "../netinet/ip_fw.ts";
import {
  PKT_ALIAS_DENY_INCOMING,
  PKT_ALIAS_LOG,
  PKT_ALIAS_PROXY_ONLY,
  PKT_ALIAS_RESET_ON_ADDR_CHANGE,
  PKT_ALIAS_REVERSE,
  PKT_ALIAS_SAME_PORTS,
  PKT_ALIAS_SKIP_GLOBAL,
  PKT_ALIAS_UNREGISTERED_CGN,
  PKT_ALIAS_UNREGISTERED_ONLY,
} from "../netinet/libalias/alias.ts";
import {
  EX_DATAERR,
  EX_OK,
  EX_OSERR,
  EX_UNAVAILABLE,
  EX_USAGE,
  do_get3,
  do_set3,
  err,
  errx,
  getprotobyname,
  getprotobynumber,
  getservbyname,
  ipfw_hooks,
  isdigit,
  match_token,
  stringnum_cmp,
  warn,
  warnx,
  type ipfw_ctx,
  type s_x,
} from "./ipfw2.ts";
import { getifaddrs } from "./libc_getifaddrs.ts";
import { gethostbyname4 } from "./netdb.ts";

const IPPROTO_SCTP = 132;


const IF_NAMESIZE = 16;

// The tokens of nat_params (ipfw2.h's TOK_* for nat).
const TOK_IP = 1;
const TOK_IF = 2;
const TOK_ALOG = 3;
const TOK_DENY_INC = 4;
const TOK_SAME_PORTS = 5;
const TOK_UNREG_ONLY = 6;
const TOK_UNREG_CGN = 7;
const TOK_SKIP_GLOBAL = 8;
const TOK_RESET_ADDR = 9;
const TOK_ALIAS_REV = 10;
const TOK_PROXY_ONLY = 11;
const TOK_PORT_ALIAS = 12;
const TOK_REDIR_ADDR = 13;
const TOK_REDIR_PORT = 14;
const TOK_REDIR_PROTO = 15;

const nat_params: s_x = [
  ["ip", TOK_IP],
  ["if", TOK_IF],
  ["log", TOK_ALOG],
  ["deny_in", TOK_DENY_INC],
  ["same_ports", TOK_SAME_PORTS],
  ["unreg_only", TOK_UNREG_ONLY],
  ["unreg_cgn", TOK_UNREG_CGN],
  ["skip_global", TOK_SKIP_GLOBAL],
  ["reset", TOK_RESET_ADDR],
  ["reverse", TOK_ALIAS_REV],
  ["proxy_only", TOK_PROXY_ONLY],
  ["port_range", TOK_PORT_ALIAS],
  ["redirect_addr", TOK_REDIR_ADDR],
  ["redirect_port", TOK_REDIR_PORT],
  ["redirect_proto", TOK_REDIR_PROTO],
];

function dv_of(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The word at av[a], or "" past the end (where C would read NULL's
 *  neighbour, the callers check the count first). */
function arg(av: readonly string[], a: number): string {
  return av[a] ?? "";
}

/**
 * set_addr_dynamic: `if IFNAME`: the interface's IPv4 address (0.0.0.0
 * when it has none yet; the kernel follows it from then on) and its name.
 */
function set_addr_dynamic(ctx: ipfw_ctx, ifn: string, b: Uint8Array, dv: DataView, n: number): void {
  const r = getifaddrs(ctx.kp);
  if (r.error !== 0) err(ctx, 1, "iflist-sysctl-get", r.error);
  let found = false;
  let addr: number | null = null;
  for (const ifa of r.ifap) {
    if (ifa.ifa_name !== ifn) continue;
    found = true;
    if (ifa.family === AF_INET && addr === null) addr = ifa.addr;
  }
  if (!found) errx(ctx, 1, `unknown interface name ${ifn}`);
  dv.setUint32(n + nat_ip, (addr ?? INADDR_ANY) >>> 0);
  cstr_write(b, n + nat_if_name, IF_NAMESIZE, ifn);
}

// Port ranges as natd.c keeps them: the first port and how many.
interface port_range {
  lo: number;
  num: number;
}

/** StrToAddr: a dotted quad, or a host name from /etc/hosts. */
function StrToAddr(ctx: ipfw_ctx, str: string): number {
  const a = inet_aton(str);
  if (a !== null) return a >>> 0;
  const h = gethostbyname4(str);
  if (h === null) errx(ctx, 1, `unknown host ${str}`);
  return h >>> 0;
}

/** strtol(str, &end, 10): the value and how many characters it took. */
function strtol10(str: string): { v: number; end: number } {
  const m = /^\s*([+-]?\d+)/.exec(str);
  if (m === null) return { v: 0, end: 0 };
  return { v: parseInt(m[1], 10), end: m[0].length };
}

/** StrToPortRange: a service name, a port, or LO-HI. */
function StrToPortRange(ctx: ipfw_ctx, str: string, proto: string): port_range {
  const sp = getservbyname(str, proto);
  if (sp !== null) return { lo: sp & 0xffff, num: 1 };
  if (!str.includes("-")) {
    const r = strtol10(str);
    if (r.end !== 0) return { lo: r.v & 0xffff, num: 1 };
    errx(ctx, EX_DATAERR, `${str}/${proto}: unknown service`);
  }
  const m = /^\s*(\d+)-\s*(\d+)/.exec(str);
  let num = 0;
  let lo = 0;
  if (m !== null) {
    lo = parseInt(m[1], 10) & 0xffff;
    const hi = parseInt(m[2], 10) & 0xffff;
    if (lo <= hi) num = hi - lo + 1;
  }
  if (num === 0) errx(ctx, EX_DATAERR, `invalid port range ${str}`);
  return { lo, num };
}

function StrToProto(ctx: ipfw_ctx, str: string): number {
  if (str === "tcp") return IPPROTO_TCP;
  if (str === "udp") return IPPROTO_UDP;
  if (str === "sctp") return IPPROTO_SCTP;
  errx(ctx, EX_DATAERR, `unknown protocol ${str}. Expected sctp, tcp or udp`);
}

function StrToAddrAndPortRange(ctx: ipfw_ctx, str: string, proto: string): { addr: number; range: port_range } {
  const i = str.indexOf(":");
  if (i < 0) errx(ctx, EX_DATAERR, `${str} is missing port number`);
  const addr = StrToAddr(ctx, str.slice(0, i));
  return { addr, range: StrToPortRange(ctx, str.slice(i + 1), proto) };
}

/** Room for a redirect and the pool its comma-separated list asks for. */
function estimate_redir(word: string): number {
  let c = 0;
  for (const ch of word) if (ch === ",") c++;
  if (c > 0) c++;
  return SZ_nat44_cfg_redir + c * SZ_nat44_cfg_spool;
}

/** A cursor over av, as the C code's (ac, av) pointer pair. */
interface argcur {
  av: readonly string[];
  a: number;
}
function remaining(c: argcur): number {
  return c.av.length - c.a;
}

/** setup_redir_addr: `redirect_addr LOCAL[,LOCAL...] PUBLIC`. */
function setup_redir_addr(ctx: ipfw_ctx, dv: DataView, off: number, c: argcur): number {
  const r = off;
  dv.setUint16(r + redir_mode, REDIR_ADDR, true);
  let p = off + SZ_nat44_cfg_redir;
  let space = SZ_nat44_cfg_redir;
  const local = arg(c.av, c.a);
  if (local.includes(",")) {
    // An LSNAT pool of local addresses.
    dv.setUint32(r + redir_laddr, INADDR_NONE);
    let cnt = 0;
    for (const sep of local.split(",").filter((s) => s !== "")) {
      space += SZ_nat44_cfg_spool;
      dv.setUint32(p + spool_addr, StrToAddr(ctx, sep));
      dv.setUint16(p + spool_port, 0xffff, true);
      cnt++;
      p += SZ_nat44_cfg_spool;
    }
    dv.setUint16(r + redir_spool_cnt, cnt, true);
  } else dv.setUint32(r + redir_laddr, StrToAddr(ctx, local));
  c.a++;
  dv.setUint32(r + redir_paddr, StrToAddr(ctx, arg(c.av, c.a)));
  c.a++;
  return space;
}

/** setup_redir_port: `redirect_port PROTO LOCAL:PORT[-PORT][,...]
 *  [PUBLIC:]PORT[-PORT] [REMOTE[:PORT[-PORT]]]`. */
function setup_redir_port(ctx: ipfw_ctx, dv: DataView, off: number, c: argcur): number {
  const r = off;
  let numLocalPorts = 0;
  let lsnat: string | null = null;
  dv.setUint16(r + redir_mode, REDIR_PORT, true);
  let p = off + SZ_nat44_cfg_redir;
  let space = SZ_nat44_cfg_redir;

  const proto = StrToProto(ctx, arg(c.av, c.a));
  dv.setUint32(r + redir_proto, proto, true);
  const protoName = arg(c.av, c.a);
  c.a++;

  const local = arg(c.av, c.a);
  if (local.includes(",")) {
    dv.setUint32(r + redir_laddr, INADDR_NONE);
    dv.setUint16(r + redir_lport, 0xffff, true);
    numLocalPorts = 1;
    lsnat = local;
  } else if (proto === IPPROTO_SCTP) {
    // SCTP NAT keeps port numbers: none may be given for the target.
    if (local.includes(":")) errx(ctx, EX_DATAERR, "redirect_port:port numbers do not change in sctp, so do not specify them as part of the target");
    dv.setUint32(r + redir_laddr, StrToAddr(ctx, local));
  } else {
    const t = StrToAddrAndPortRange(ctx, local, protoName);
    dv.setUint32(r + redir_laddr, t.addr);
    dv.setUint16(r + redir_lport, t.range.lo, true);
    numLocalPorts = t.range.num;
  }
  c.a++;

  const pub = arg(c.av, c.a);
  let range: port_range;
  if (pub.includes(":")) {
    const t = StrToAddrAndPortRange(ctx, pub, protoName);
    dv.setUint32(r + redir_paddr, t.addr);
    range = t.range;
  } else {
    dv.setUint32(r + redir_paddr, INADDR_ANY);
    range = StrToPortRange(ctx, pub, protoName);
  }
  dv.setUint16(r + redir_pport, range.lo, true);
  if (proto === IPPROTO_SCTP) {
    numLocalPorts = range.num;
    dv.setUint16(r + redir_lport, range.lo, true);
  }
  dv.setUint16(r + redir_pport_cnt, range.num, true);
  c.a++;

  // An optional remote address (and ports): only if the next word looks
  // like one and not like the next option.
  if (remaining(c) !== 0 && isdigit(arg(c.av, c.a)[0])) {
    const rem = arg(c.av, c.a);
    if (rem.includes(":")) {
      const t = StrToAddrAndPortRange(ctx, rem, protoName);
      dv.setUint32(r + redir_raddr, t.addr);
      range = t.range;
    } else {
      range = { lo: 0, num: 1 };
      dv.setUint32(r + redir_raddr, StrToAddr(ctx, rem));
    }
    c.a++;
  } else {
    range = { lo: 0, num: 1 };
    dv.setUint32(r + redir_raddr, INADDR_ANY);
  }
  dv.setUint16(r + redir_rport, range.lo, true);
  dv.setUint16(r + redir_rport_cnt, range.num, true);

  const pport_cnt = dv.getUint16(r + redir_pport_cnt, true);
  if (numLocalPorts !== pport_cnt) errx(ctx, EX_DATAERR, "redirect_port: port ranges must be equal in size");
  const rport_cnt = dv.getUint16(r + redir_rport_cnt, true);
  const rport = dv.getUint16(r + redir_rport, true);
  if (rport_cnt !== numLocalPorts && (rport_cnt !== 1 || rport !== 0))
    errx(ctx, EX_DATAERR, "redirect_port: remote port mustbe 0 or equal to local port range in size");

  if (lsnat !== null) {
    let cnt = 0;
    for (const sep of lsnat.split(",").filter((s) => s !== "")) {
      space += SZ_nat44_cfg_spool;
      if (proto === IPPROTO_SCTP) {
        if (sep.includes(":")) errx(ctx, EX_DATAERR, "redirect_port:port numbers do not change in sctp, so do not specify them as part of the target");
        dv.setUint32(p + spool_addr, StrToAddr(ctx, sep));
        dv.setUint16(p + spool_port, dv.getUint16(r + redir_pport, true), true);
      } else {
        const t = StrToAddrAndPortRange(ctx, sep, protoName);
        if (t.range.num !== 1) errx(ctx, EX_DATAERR, "redirect_port: local port must be single in this context");
        dv.setUint32(p + spool_addr, t.addr);
        dv.setUint16(p + spool_port, t.range.lo, true);
      }
      cnt++;
      p += SZ_nat44_cfg_spool;
    }
    dv.setUint16(r + redir_spool_cnt, cnt, true);
  }
  return space;
}

/** setup_redir_proto: `redirect_proto PROTO LOCAL [PUBLIC [REMOTE]]`. */
function setup_redir_proto(ctx: ipfw_ctx, dv: DataView, off: number, c: argcur): number {
  const r = off;
  dv.setUint16(r + redir_mode, REDIR_PROTO, true);
  const pname = arg(c.av, c.a);
  const proto = getprotobyname(pname);
  if (proto === null) errx(ctx, EX_DATAERR, `redirect_proto: unknown protocol ${pname}`);
  dv.setUint32(r + redir_proto, proto, true);
  c.a++;
  dv.setUint32(r + redir_laddr, StrToAddr(ctx, arg(c.av, c.a)));
  c.a++;
  if (remaining(c) === 0) {
    dv.setUint32(r + redir_paddr, INADDR_ANY);
    dv.setUint32(r + redir_raddr, INADDR_ANY);
  } else if (isdigit(arg(c.av, c.a)[0])) {
    dv.setUint32(r + redir_paddr, StrToAddr(ctx, arg(c.av, c.a)));
    c.a++;
    if (remaining(c) !== 0 && isdigit(arg(c.av, c.a)[0])) {
      dv.setUint32(r + redir_raddr, StrToAddr(ctx, arg(c.av, c.a)));
      c.a++;
    }
  }
  return SZ_nat44_cfg_redir;
}

/** nat_port_alias_parse: `port_range LO-HI`, both in 1024..65535. */
function nat_port_alias_parse(str: string): { lo: number; hi: number } | null {
  const m = /^(\d+)-(\d+)$/.exec(str);
  if (m === null) return null;
  const lo = parseInt(m[1], 10);
  const hi = parseInt(m[2], 10);
  if (lo < 1024 || lo > 65535 || hi < 1024 || hi > 65535) return null;
  return { lo, hi };
}

function nat_show_log(ctx: ipfw_ctx, b: Uint8Array, n: number, end: number): void {
  const p = n + SZ_nat44_cfg_nat;
  if (p < end && b[p] !== 0) ctx.out(`nat ${cstr_read(b, n + nat_name, 64)}: ${cstr_read(b, p, end - p)}\n`);
}

function proto_name(p: number): string {
  return getprotobynumber(p) ?? `${p}`;
}

/** nat_show_cfg: an instance as the `ipfw nat N config ...` that makes it. */
function nat_show_cfg(ctx: ipfw_ctx, b: Uint8Array, n: number, end: number): void {
  const dv = dv_of(b);
  let off = n + SZ_nat44_cfg_nat;
  let s = `ipfw nat ${cstr_read(b, n + nat_name, 64)} config`;
  const if_name = cstr_read(b, n + nat_if_name, 64);
  const ip = dv.getUint32(n + nat_ip);
  if (if_name.length !== 0) s += ` if ${if_name}`;
  else if (ip !== 0) s += ` ip ${inet_ntoa(ip)}`;
  let mode = dv.getUint32(n + nat_mode, true);
  const order: [number, string][] = [
    [PKT_ALIAS_LOG, "log"],
    [PKT_ALIAS_DENY_INCOMING, "deny_in"],
    [PKT_ALIAS_SAME_PORTS, "same_ports"],
    [PKT_ALIAS_SKIP_GLOBAL, "skip_global"],
    [PKT_ALIAS_UNREGISTERED_ONLY, "unreg_only"],
    [PKT_ALIAS_UNREGISTERED_CGN, "unreg_cgn"],
    [PKT_ALIAS_RESET_ON_ADDR_CHANGE, "reset"],
    [PKT_ALIAS_REVERSE, "reverse"],
    [PKT_ALIAS_PROXY_ONLY, "proxy_only"],
  ];
  for (const [bit, word] of order) {
    if ((mode & bit) !== 0) {
      s += ` ${word}`;
      mode &= ~bit;
    }
  }
  const lo = dv.getUint16(n + nat_alias_port_lo, true);
  const hi = dv.getUint16(n + nat_alias_port_hi, true);
  if (lo !== 0) s += ` port_range ${lo}-${hi}`;
  const redir_cnt = dv.getUint32(n + nat_redir_cnt, true);
  for (let cnt = 0; cnt < redir_cnt && off + SZ_nat44_cfg_redir <= end; cnt++) {
    const t = off;
    off += SZ_nat44_cfg_redir;
    const spool_cnt = dv.getUint16(t + redir_spool_cnt, true);
    const laddr = dv.getUint32(t + redir_laddr);
    const paddr = dv.getUint32(t + redir_paddr);
    const raddr = dv.getUint32(t + redir_raddr);
    const lport = dv.getUint16(t + redir_lport, true);
    const pport = dv.getUint16(t + redir_pport, true);
    const rport = dv.getUint16(t + redir_rport, true);
    const pport_cnt = dv.getUint16(t + redir_pport_cnt, true);
    const rport_cnt = dv.getUint16(t + redir_rport_cnt, true);
    switch (dv.getUint16(t + redir_mode, true)) {
      case REDIR_ADDR:
        s += " redirect_addr";
        if (spool_cnt === 0) s += ` ${inet_ntoa(laddr)}`;
        else
          for (let i = 0; i < spool_cnt && off + SZ_nat44_cfg_spool <= end; i++) {
            s += i ? "," : " ";
            s += inet_ntoa(dv.getUint32(off + spool_addr));
            off += SZ_nat44_cfg_spool;
          }
        s += ` ${inet_ntoa(paddr)}`;
        break;
      case REDIR_PORT:
        s += ` redirect_port ${proto_name(dv.getUint32(t + redir_proto, true))} `;
        if (spool_cnt === 0) {
          s += `${inet_ntoa(laddr)}:${lport}`;
          if (pport_cnt > 1) s += `-${lport + pport_cnt - 1}`;
        } else
          for (let i = 0; i < spool_cnt && off + SZ_nat44_cfg_spool <= end; i++) {
            if (i) s += ",";
            s += `${inet_ntoa(dv.getUint32(off + spool_addr))}:${dv.getUint16(off + spool_port, true)}`;
            off += SZ_nat44_cfg_spool;
          }
        s += " ";
        if (paddr !== 0) s += `${inet_ntoa(paddr)}:`;
        s += `${pport}`;
        if (spool_cnt === 0 && pport_cnt > 1) s += `-${pport + pport_cnt - 1}`;
        if (raddr !== 0) {
          s += ` ${inet_ntoa(raddr)}`;
          if (rport !== 0) {
            s += `:${rport}`;
            if (spool_cnt === 0 && rport_cnt > 1) s += `-${rport + rport_cnt - 1}`;
          }
        }
        break;
      case REDIR_PROTO:
        s += ` redirect_proto ${proto_name(dv.getUint32(t + redir_proto, true))} ${inet_ntoa(laddr)}`;
        if (paddr !== 0) {
          s += ` ${inet_ntoa(paddr)}`;
          if (raddr !== 0) s += ` ${inet_ntoa(raddr)}`;
        }
        break;
      default:
        ctx.out(s);
        errx(ctx, EX_DATAERR, "unknown redir mode");
    }
  }
  ctx.out(`${s}\n`);
}

/** nat_fill_ntlv: the instance's name TLV of a request. */
function nat_fill_ntlv(b: Uint8Array, off: number, name: string): void {
  ntlv_write(b, off, IPFW_TLV_EACTION_NAME(1), 1, 0, 0, name);
}

/** ipfw_config_nat: `ipfw nat N config OPTIONS` (av[0] is "config"). */
export function ipfw_config_nat(ctx: ipfw_ctx, av_in: readonly string[]): void {
  const av = av_in.slice(1);
  let a = 0;
  if (av.length === 0) errx(ctx, EX_DATAERR, "missing nat id");
  const id = av[0];
  const idv = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(id) ? parseInt(id, /^0[xX]/.test(id) ? 16 : /^0[0-7]/.test(id) ? 8 : 10) : -1;
  if (idv <= 0) errx(ctx, EX_DATAERR, `illegal nat id: ${id}`);
  a++;
  if (av.length - a === 0) errx(ctx, EX_DATAERR, "missing option");

  // First pass: how much room the request needs.
  let len = SZ_ipfw_obj_header + SZ_nat44_cfg_nat;
  for (let a1 = a; a1 < av.length; ) {
    const tok = match_token(nat_params, av[a1]);
    a1++;
    const ac1 = (): number => av.length - a1;
    switch (tok) {
      case TOK_IP:
      case TOK_IF:
      case TOK_PORT_ALIAS:
        a1++;
        break;
      case TOK_ALOG:
      case TOK_DENY_INC:
      case TOK_SAME_PORTS:
      case TOK_SKIP_GLOBAL:
      case TOK_UNREG_ONLY:
      case TOK_UNREG_CGN:
      case TOK_RESET_ADDR:
      case TOK_ALIAS_REV:
      case TOK_PROXY_ONLY:
        break;
      case TOK_REDIR_ADDR:
        if (ac1() < 2) errx(ctx, EX_DATAERR, "redirect_addr: not enough arguments");
        len += estimate_redir(av[a1]);
        a1 += 2;
        break;
      case TOK_REDIR_PORT:
        if (ac1() < 3) errx(ctx, EX_DATAERR, "redirect_port: not enough arguments");
        a1++;
        len += estimate_redir(av[a1]);
        a1 += 2;
        if (ac1() > 0 && isdigit(av[a1][0])) a1++;
        break;
      case TOK_REDIR_PROTO:
        if (ac1() < 2) errx(ctx, EX_DATAERR, "redirect_proto: not enough arguments");
        len += SZ_nat44_cfg_redir;
        a1 += 2;
        if (ac1() > 0 && isdigit(av[a1][0])) a1++;
        if (ac1() > 0 && isdigit(av[a1][0])) a1++;
        break;
      default:
        errx(ctx, EX_DATAERR, `unrecognised option \`\`${av[a1 - 1]}''`);
    }
  }

  const buf = new Uint8Array(len);
  const dv = dv_of(buf);
  let off = SZ_ipfw_obj_header + SZ_nat44_cfg_nat;
  const n = SZ_ipfw_obj_header;
  nat_fill_ntlv(buf, objh_ntlv, `${idv}`);
  cstr_write(buf, n + nat_name, 64, `${idv}`);
  let mode = 0;
  let redir_cnt = 0;
  const c: argcur = { av, a };
  while (remaining(c) > 0) {
    const tok = match_token(nat_params, av[c.a]);
    c.a++;
    switch (tok) {
      case TOK_IP: {
        if (remaining(c) === 0) errx(ctx, EX_DATAERR, "missing option");
        const ip = inet_aton(av[c.a]);
        if (ip === null) errx(ctx, EX_DATAERR, `bad ip address \`\`${av[c.a]}''`);
        dv.setUint32(n + nat_ip, ip >>> 0);
        c.a++;
        break;
      }
      case TOK_IF:
        if (remaining(c) === 0) errx(ctx, EX_DATAERR, "missing option");
        set_addr_dynamic(ctx, av[c.a], buf, dv, n);
        c.a++;
        break;
      case TOK_ALOG:
        mode |= PKT_ALIAS_LOG;
        break;
      case TOK_DENY_INC:
        mode |= PKT_ALIAS_DENY_INCOMING;
        break;
      case TOK_SAME_PORTS:
        mode |= PKT_ALIAS_SAME_PORTS;
        break;
      case TOK_UNREG_ONLY:
        mode |= PKT_ALIAS_UNREGISTERED_ONLY;
        break;
      case TOK_UNREG_CGN:
        mode |= PKT_ALIAS_UNREGISTERED_CGN;
        break;
      case TOK_SKIP_GLOBAL:
        mode |= PKT_ALIAS_SKIP_GLOBAL;
        break;
      case TOK_RESET_ADDR:
        mode |= PKT_ALIAS_RESET_ON_ADDR_CHANGE;
        break;
      case TOK_ALIAS_REV:
        mode |= PKT_ALIAS_REVERSE;
        break;
      case TOK_PROXY_ONLY:
        mode |= PKT_ALIAS_PROXY_ONLY;
        break;
      case TOK_PORT_ALIAS: {
        if (remaining(c) === 0) errx(ctx, EX_DATAERR, "missing option");
        const pr = nat_port_alias_parse(av[c.a]);
        if (pr === null) errx(ctx, EX_DATAERR, "You need a range of port(s) from 1024 <= x < 65536");
        if (pr.lo >= pr.hi) errx(ctx, EX_DATAERR, "Must specify a range of ports");
        dv.setUint16(n + nat_alias_port_lo, pr.lo, true);
        dv.setUint16(n + nat_alias_port_hi, pr.hi, true);
        c.a++;
        break;
      }
      case TOK_REDIR_ADDR:
        off += setup_redir_addr(ctx, dv, off, c);
        redir_cnt++;
        break;
      case TOK_REDIR_PORT:
        off += setup_redir_port(ctx, dv, off, c);
        redir_cnt++;
        break;
      case TOK_REDIR_PROTO:
        off += setup_redir_proto(ctx, dv, off, c);
        redir_cnt++;
        break;
    }
  }
  dv.setUint32(n + nat_mode, mode >>> 0, true);
  dv.setUint32(n + nat_redir_cnt, redir_cnt, true);

  if (do_set3(ctx, IP_FW_NAT44_XCONFIG, buf) !== 0) err(ctx, 1, "setsockopt(IP_FW_NAT44_XCONFIG)");

  // Show what was configured, as FreeBSD does after every change.
  if (!ctx.co.do_quiet) ipfw_show_nat(ctx, ["show", "config", id]);
}

/** nat_get_cmd: one instance's XGETCONFIG or XGETLOG answer, growing the
 *  buffer as the kernel asks; the errno otherwise. */
function nat_get_cmd(ctx: ipfw_ctx, name: string, cmd: number): { error: number; buf: Uint8Array; len: number } {
  let sz = SZ_ipfw_obj_header + SZ_nat44_cfg_nat + 128;
  for (;;) {
    const buf = new Uint8Array(sz);
    nat_fill_ntlv(buf, objh_ntlv, name);
    cstr_write(buf, SZ_ipfw_obj_header + nat_name, 64, name);
    const r = do_get3(ctx, cmd, buf);
    if (r.error !== 0) {
      const want = dv_of(buf).getUint32(SZ_ipfw_obj_header + nat_size, true);
      // (The kernel names the size it needs; never ask twice for as little.)
      if (r.error === ENOMEM && want > sz) {
        sz = want;
        continue;
      }
      return { error: r.error, buf, len: 0 };
    }
    return { error: 0, buf, len: Math.min(r.len, buf.length) };
  }
}

/** nat_foreach: every instance's nat44_cfg_nat, sorted by name if asked. */
function nat_foreach(ctx: ipfw_ctx, f: (b: Uint8Array, n: number) => void, sort: boolean): number {
  let sz = SZ_ipfw_obj_lheader + 16 * SZ_nat44_cfg_nat;
  for (;;) {
    const buf = new Uint8Array(sz);
    dv_of(buf).setUint32(lheader_size, sz, true);
    const r = do_get3(ctx, IP_FW_NAT44_LIST_NAT, buf);
    const dv = dv_of(buf);
    if (r.error !== 0) {
      const want = dv.getUint32(lheader_size, true);
      if (r.error === ENOMEM && want > sz) {
        sz = want;
        continue;
      }
      return r.error;
    }
    const count = dv.getUint32(lheader_count, true);
    const objsize = dv.getUint32(lheader_objsize, true) || SZ_nat44_cfg_nat;
    const offs: number[] = [];
    for (let i = 0; i < count; i++) offs.push(SZ_ipfw_obj_lheader + i * objsize);
    if (sort) offs.sort((x, y) => stringnum_cmp(cstr_read(buf, x + nat_name, 64), cstr_read(buf, y + nat_name, 64)));
    for (const o of offs) f(buf, o);
    return 0;
  }
}

/** ipfw_show_nat: `ipfw nat [N] show config|log` (av[0] is "show"). */
export function ipfw_show_nat(ctx: ipfw_ctx, av_in: readonly string[]): void {
  const av = av_in.slice(1);
  if (ctx.co.test_only) return;
  let cmd = 0;
  let name: string | null = null;
  for (const w of av) {
    if ("config".startsWith(w)) {
      cmd = IP_FW_NAT44_XGETCONFIG;
      continue;
    }
    if (w === "log") {
      cmd = IP_FW_NAT44_XGETLOG;
      continue;
    }
    if (name !== null) err(ctx, EX_USAGE, "only one instance name may be specified");
    name = w;
  }
  if (cmd === 0) errx(ctx, EX_USAGE, "Please specify action. Available: config,log");

  if (name === null) {
    nat_foreach(
      ctx,
      (b, o) => {
        const nm = cstr_read(b, o + nat_name, 64);
        const r = nat_get_cmd(ctx, nm, cmd);
        if (cmd === IP_FW_NAT44_XGETCONFIG) {
          if (r.error !== 0) warnx(ctx, `Error getting nat instance ${nm} info`);
          else nat_show_cfg(ctx, r.buf, SZ_ipfw_obj_header, r.len);
        } else {
          if (r.error === 0) nat_show_log(ctx, r.buf, SZ_ipfw_obj_header, r.len);
          else if (r.error !== ENOENT) warn(ctx, `Error getting nat instance ${nm} info`, r.error);
        }
      },
      true,
    );
  } else {
    const r = nat_get_cmd(ctx, name, cmd);
    if (r.error !== 0) err(ctx, EX_OSERR, `Error getting nat ${name} instance info`, r.error);
    nat_show_cfg(ctx, r.buf, SZ_ipfw_obj_header, r.len);
  }
}

/** ipfw_delete_nat: `ipfw nat N delete`; the exit status. */
export function ipfw_delete_nat(ctx: ipfw_ctx, i: number): number {
  const buf = new Uint8Array(SZ_ipfw_obj_header);
  nat_fill_ntlv(buf, objh_ntlv, `${i}`);
  if (do_set3(ctx, IP_FW_NAT44_DESTROY, buf) !== 0) {
    if (!ctx.co.do_quiet) warn(ctx, `nat ${i >>> 0} not available`);
    return EX_UNAVAILABLE;
  }
  return EX_OK;
}

// main.c reaches these through ipfw2.ts's table of entry points.
ipfw_hooks.ipfw_config_nat = ipfw_config_nat;
ipfw_hooks.ipfw_show_nat = ipfw_show_nat;
ipfw_hooks.ipfw_delete_nat = ipfw_delete_nat;
