// sbin/ipfw/ipfw2.c, ipfw2.h: the rule language of ipfw(8).  compile_rule
// turns the words of `ipfw add` into the microinstructions (ipfw_insn words)
// of struct ip_fw_rule, show_static_rule turns them back into the text
// `ipfw list` prints, and the other first-level handlers (delete, zero,
// resetlog, flush, set ..., enable/disable) talk to the kernel through the
// IP_FW3 socket option of a raw socket, as FreeBSD's ipfw does.
//
// Rules travel as FreeBSD 14's bytes (amd64, little-endian): the buffers
// here are laid out exactly as sys/netinet/ip_fw.h says, so the program and
// the kernel meet at the ABI.

import { EINVAL, ENOMEM, strerror } from "../kern/errno.ts";
import { AF_INET, SOCK_RAW } from "../kern/socket.ts";
import { sys_getsockopt, sys_setsockopt, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { inet_aton, inet_ntoa } from "../netinet/in.ts";
import {
  F_LEN_MASK, F_NOT, F_OR, IP_FW3, IP_FW_NAT44_GLOBAL, IP_FW_TARG, IP_FW_TABLEARG, IPFW_ARG_MAX, IPFW_ARG_MIN,
  IPFW_DEFAULT_RULE, RESVD_SET, ICMP_REJECT_RST, ICMP_REJECT_ABORT, ICMP6_UNREACH_RST, ICMP6_UNREACH_ABORT,
  IPFW_RULE_NOOPT, IPFW_RULE_JUSTOPTS, IPFW_TLV_TBL_NAME, IPFW_TLV_TBLNAME_LIST, IPFW_TLV_RULE_LIST, IPFW_TLV_STATE_NAME,
  IPFW_TLV_EACTION, IPFW_TLV_DYNSTATE_LIST, IPFW_TLV_DYN_ENT, IPFW_RCFLAG_RANGE, IPFW_RCFLAG_ALL,
  IPFW_RCFLAG_SET, IPFW_RCFLAG_DYNAMIC, IPFW_CFG_GET_STATIC, IPFW_CFG_GET_STATES, IPFW_CFG_GET_COUNTERS,
  IP_FW_XADD, IP_FW_XDEL, IP_FW_XGET, IP_FW_XZERO, IP_FW_XRESETLOG, IP_FW_SET_SWAP, IP_FW_SET_MOVE, IP_FW_SET_ENABLE,
  IP_FW_XMOVE, IP_FW_TCPOPT_MSS, IP_FW_TCPOPT_WINDOW, IP_FW_TCPOPT_SACK, IP_FW_TCPOPT_TS, IP_FW_TCPOPT_CC,
  IP_FW_IPOPT_SSRR, IP_FW_IPOPT_LSRR, IP_FW_IPOPT_RR, IP_FW_IPOPT_TS, DYN_SRC_ADDR, DYN_SRC_PORT, DYN_DST_ADDR,
  DYN_DST_PORT, IPFW_DYN_ORPHANED,
  O_NOP, O_IP_SRC, O_IP_SRC_MASK, O_IP_SRC_ME, O_IP_SRC_SET, O_IP_DST, O_IP_DST_MASK, O_IP_DST_ME, O_IP_DST_SET,
  O_IP_SRCPORT, O_IP_DSTPORT, O_PROTO, O_MACADDR2, O_MAC_TYPE, O_LAYER2, O_IN, O_FRAG, O_RECV, O_XMIT, O_VIA,
  O_IPOPT, O_IPLEN, O_IPID, O_IPTOS, O_IPPRECEDENCE, O_IPTTL, O_IPVER, O_UID, O_GID, O_ESTAB, O_TCPFLAGS, O_TCPWIN,
  O_TCPSEQ, O_TCPACK, O_ICMPTYPE, O_TCPOPTS, O_VERREVPATH, O_VERSRCREACH, O_PROBE_STATE, O_KEEP_STATE, O_LIMIT,
  O_LIMIT_PARENT, O_LOG, O_PROB, O_CHECK_STATE, O_ACCEPT, O_DENY, O_REJECT, O_COUNT, O_SKIPTO, O_PIPE, O_QUEUE,
  O_DIVERT, O_TEE, O_FORWARD_IP, O_NAT, O_REASS, O_IPSEC, O_IP_SRC_LOOKUP, O_IP_DST_LOOKUP, O_ANTISPOOF, O_JAIL,
  O_ALTQ, O_DIVERTED, O_TCPDATALEN, O_IP6_SRC, O_IP6_SRC_ME, O_IP6_SRC_MASK, O_IP6_DST, O_IP6_DST_ME, O_IP6_DST_MASK,
  O_FLOW6ID, O_ICMP6TYPE, O_EXT_HDR, O_IP6, O_NETGRAPH, O_NGTEE, O_IP4, O_UNREACH6, O_TAG, O_TAGGED, O_SETFIB, O_FIB,
  O_SOCKARG, O_CALLRETURN, O_FORWARD_IP6, O_DSCP, O_SETDSCP, O_IP_FLOW_LOOKUP, O_MAC_SRC_LOOKUP, O_MAC_DST_LOOKUP,
  LOOKUP_DST_IP, LOOKUP_SRC_IP, LOOKUP_DST_PORT, LOOKUP_SRC_PORT, LOOKUP_DST_MAC, LOOKUP_SRC_MAC, LOOKUP_UID, LOOKUP_JAIL,
  LOOKUP_DSCP, LOOKUP_MARK, O_EXTERNAL_ACTION, O_EXTERNAL_INSTANCE,
  O_EXTERNAL_DATA, O_SKIP_ACTION, O_TCPMSS,
  F_INSN_SIZE, IPFW_TLV_EACTION_NAME, SZ_ip_fw3_opheader, SZ_ipfw_obj_ctlv, SZ_ipfw_obj_ntlv, SZ_ipfw_range_header,
  SZ_ipfw_cfg_lheader, SZ_ipfw_obj_lheader, SZ_ipfw_iface_info, SZ_ipfw_obj_tlv, ip_fw_rule_act_ofs,
  ip_fw_rule_cmd_len, ip_fw_rule_rulenum, ip_fw_rule_set, ip_fw_rule_flags, ip_fw_rule_id, ip_fw_rule_cmd,
  ip_fw_rule_write, ntlv_write, ntlv_idx, ntlv_set, ntlv_name, NTLV_NAME_LEN, tlv_type, tlv_length, ctlv_write, ctlv_count,
  ctlv_objsize, range_tlv_write, range_new_set, rangeh_range, cfg_set_mask, cfg_flags, cfg_size, cfg_start_rule,
  cfg_end_rule, lheader_count, lheader_size, lheader_objsize, ip_fw_bcounter_size, ip_fw_bcounter_timestamp,
  ip_fw_bcounter_pcnt, ip_fw_bcounter_bcnt, dyn_rule_rule, dyn_rule_pcnt, dyn_rule_bcnt, dyn_rule_id, dyn_rule_expire,
  dyn_rule_state, dyn_rule_ack_fwd, dyn_rule_ack_rev, dyn_rule_dyn_type, dyn_rule_count, dyn_rule_kidx,
  flow_id_dst_ip, flow_id_src_ip, flow_id_dst_port, flow_id_src_port, flow_id_proto, flow_id_addr_type, flow_id_dst_ip6,
  flow_id_src_ip6, IPFW_IFFLAG_RESOLVED, dv_of, cstr_read, u64_read, roundup2, IP_FW_DUMP_SRVOBJECTS, IP_FW_XIFLIST,
} from "../netinet/ip_fw.ts";
import { table_check_name, ipfw_list_ta, ipfw_list_values } from "./ipfw_tables.ts";
import {
  add_dstip6, add_srcip6, fill_ext6hdr, fill_flow6, fill_icmp6types, fill_unreach6_code, print_ext6hdr, print_flow6id,
  print_icmp6types, print_ip6, print_unreach6_code,
} from "./ipfw_ipv6.ts";
import { getgrgid, getgrnam, getpwnam, getpwuid, inet_pton, prog_exit, strtod, strtoul, ulong_to_int, ulong_to_u16, ulong_to_u32, ulong_to_u8, type prog_ctx } from "./libc.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { jail_getid, jail_errmsg } from "./libjail.ts";
import { ether_aton, gethostbyaddr, gethostbyname4, getservbyname as netdb_getservbyname, getservbyport as netdb_getservbyport } from "./netdb.ts";

/** sysexits(3). */
export const EX_OK = 0;
export const EX_USAGE = 64;
export const EX_DATAERR = 65;
export const EX_NOHOST = 68;
export const EX_UNAVAILABLE = 69;
export const EX_OSERR = 71;

const AF_INET6 = 28;
const IPPROTO_IP = 0;
const IPPROTO_IPV6 = 41;
const IPPROTO_RAW = 255;
const IPPROTO_IP_LEVEL = 0;
/** Our fake protocol for MAC types, so the port printers can print them. */
const IPPROTO_ETHERTYPE = 0x1000;

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_PUSH = 0x08;
const TH_ACK = 0x10;
const TH_URG = 0x20;

/** struct cmdline_opts: the options of the command line (and of a rules file). */
export interface cmdline_opts {
  do_value_as_ip: number;
  do_resolv: number;
  do_time: number;
  do_quiet: number;
  do_pipe: number;
  do_nat: number;
  do_compact: number;
  do_force: number;
  show_sets: number;
  test_only: number;
  comment_only: number;
  verbose: number;
  do_dynamic: number;
  do_sort: number;
  use_set: number;
}

export const TIMESTAMP_NONE = 0;
export const TIMESTAMP_STRING = 1;
export const TIMESTAMP_NUMERIC = 2;

export function cmdline_opts_new(): cmdline_opts {
  return {
    do_value_as_ip: 0, do_resolv: 0, do_time: 0, do_quiet: 0, do_pipe: 0, do_nat: 0, do_compact: 0, do_force: 0,
    show_sets: 0, test_only: 0, comment_only: 0, verbose: 0, do_dynamic: 0, do_sort: 0, use_set: 0,
  };
}

/**
 * What FreeBSD keeps in globals (g_co, ipfw_socket, the program name that
 * a rules file changes to "Line N"): one per running ipfw.  dummynet.c and
 * nat.c get the same object.
 */
export class ipfw_ctx {
  co: cmdline_opts = cmdline_opts_new();
  /** The raw socket IP_FW3 goes through; -1 until the first request. */
  s = -1;
  /** errno of the last failed do_cmd/do_get3/do_set3, as err(3) reads it. */
  errno = 0;
  /** setprogname(3): "ipfw", or "Line N" while reading a file. */
  name: string;
  constructor(readonly prog: prog_ctx) {
    const a0 = prog.argv[0] ?? "ipfw";
    this.name = a0.slice(a0.lastIndexOf("/") + 1);
  }
  get kp(): proc {
    return this.prog.p as proc;
  }
  out(s: string): void {
    this.prog.stdout.write(s);
  }
}

/* err(3) and friends, with ipfw's program name (which a rules file changes). */
export function warnx(ctx: ipfw_ctx, msg: string): void {
  ctx.prog.stderr.write(`${ctx.name}: ${msg}\n`);
}
export function warn(ctx: ipfw_ctx, msg: string, errno = ctx.errno): void {
  ctx.prog.stderr.write(`${ctx.name}: ${msg}: ${strerror(errno)}\n`);
}
export function errx(ctx: ipfw_ctx, status: number, msg: string): never {
  warnx(ctx, msg);
  throw new prog_exit(status);
}
export function err(ctx: ipfw_ctx, status: number, msg: string, errno = ctx.errno): never {
  warn(ctx, msg, errno);
  throw new prog_exit(status);
}
/** NEED1: the next word must be there. */
function NEED1(ctx: ipfw_ctx, av: string[], a: number, msg: string): void {
  if (av[a] === undefined) errx(ctx, EX_USAGE, msg);
}

/* ---------- string <-> token tables ---------- */

/** struct _s_x: a word and its value; tables end where the array does. */
export type s_x = readonly (readonly [string, number])[];

/** match_token: the value of an exact word, or -1. */
export function match_token(table: s_x, s: string): number {
  if (s.length === 0) return -1;
  for (const [w, x] of table) if (w === s) return x;
  return -1;
}

/** match_token_relaxed: a unique prefix match; -1 none, -2 ambiguous. */
export function match_token_relaxed(table: s_x, s: string): number {
  if (s.length === 0) return -1;
  let c = 0;
  let m = -1;
  for (const [w, x] of table) {
    if (!w.startsWith(s)) continue;
    m = x;
    c++;
  }
  if (c === 1) return m;
  return c > 0 ? -2 : -1;
}

/** get_token: match_token_relaxed or "invalid/ambiguous <errbase> <s>". */
export function get_token(ctx: ipfw_ctx, table: s_x, s: string, errbase: string): number {
  const t = match_token_relaxed(table, s);
  // FreeBSD tests the result for 0, which it never is: every failure says "ambiguous".
  if (t < 0) errx(ctx, EX_USAGE, `${t === 0 ? "invalid" : "ambiguous"} ${errbase} ${s}`);
  return t;
}

/** match_value: the word of a value, or null. */
export function match_value(table: s_x, v: number): string | null {
  for (const [w, x] of table) if (x === v) return w;
  return null;
}

/** concat_tokens: the words of a table joined by `delimiter`. */
export function concat_tokens(table: s_x, delimiter: string): string {
  return table.map(([w]) => w).join(delimiter);
}

/**
 * fill_flags: "a,!b,c" into set and clear masks; returns the word that is
 * not a flag (as FreeBSD's *e) or null when all were.
 */
export function fill_flags(flags: s_x, p: string, m: { set: number; clear: number }): string | null {
  if (p === "") return null;
  for (let w of p.split(",")) {
    let clear = false;
    if (w.startsWith("!")) {
      w = w.slice(1);
      clear = true;
    }
    const v = match_token(flags, w);
    if (v <= 0) return w;
    if (clear) m.clear |= v;
    else m.set |= v;
  }
  return null;
}

/** print_flags_buffer: the names of the bits of `set`, comma separated. */
export function print_flags_buffer(list: s_x, set: number): string {
  const out: string[] = [];
  for (const [w, x] of list) {
    if (x === 0) break;
    if ((set & x) === 0) continue;
    set &= ~x;
    out.push(w);
  }
  return out.join(",");
}

/**
 * _substrcmp: 0 when str1 is str2 or a prefix of it (with FreeBSD's
 * deprecation warning for a prefix), 1 otherwise.
 */
export function _substrcmp(ctx: ipfw_ctx, str1: string, str2: string): number {
  if (!str2.startsWith(str1)) return 1;
  if (str1.length !== str2.length) warnx(ctx, `DEPRECATED: '${str1}' matched '${str2}' as a sub-string`);
  return 0;
}

/** _substrcmp2: 0 when str1 starts with str2 (warning unless it is str3). */
export function _substrcmp2(ctx: ipfw_ctx, str1: string, str2: string, str3: string): number {
  if (!str1.startsWith(str2)) return 1;
  if (str1 !== str3) warnx(ctx, `DEPRECATED: '${str1}' matched '${str3}'`);
  return 0;
}

/** stringnum_cmp: shorter names first, then by characters. */
export function stringnum_cmp(a: string, b: string): number {
  if (a.length !== b.length) return a.length > b.length ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/* ---------- C library pieces the parser leans on ---------- */

export function isdigit(c: string | undefined): boolean {
  return c !== undefined && c.length > 0 && c.charCodeAt(0) >= 48 && c.charCodeAt(0) <= 57;
}
function isalpha(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z]/.test(c);
}
function isalnum(c: string): boolean {
  return /^[A-Za-z0-9]/.test(c);
}

/** How far strtoul(3) read: the offset *endptr would have (0 when no digits). */
export function endptr(s: string, r: { rest: string }): number {
  return s.length - r.rest.length;
}
/** atoi(3). */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  if (m === null) return 0;
  return Number(BigInt.asIntN(32, BigInt(m[1])));
}
/** strtonum(3). */
export function strtonum(s: string, min: number, max: number): { v: number; errstr: string | null } {
  if (!/^[ \t]*[+-]?[0-9]+$/.test(s)) return { v: 0, errstr: "invalid" };
  const v = Number(s);
  if (v < min) return { v: 0, errstr: "too small" };
  if (v > max) return { v: 0, errstr: "too large" };
  return { v, errstr: null };
}

/** /etc/protocols as FreeBSD installs it (the names ipfw prints). */
const etc_protocols: readonly (readonly [number, string])[] = [
  [0, "ip"], [1, "icmp"], [2, "igmp"], [3, "ggp"], [4, "ipencap"], [5, "st2"], [6, "tcp"], [8, "egp"], [9, "igp"],
  [12, "pup"], [17, "udp"], [20, "hmp"], [22, "xns-idp"], [27, "rdp"], [29, "iso-tp4"], [33, "dccp"], [36, "xtp"],
  [37, "ddp"], [38, "idpr-cmtp"], [41, "ipv6"], [43, "ipv6-route"], [44, "ipv6-frag"], [45, "idrp"], [46, "rsvp"],
  [47, "gre"], [50, "esp"], [51, "ah"], [57, "skip"], [58, "ipv6-icmp"], [59, "ipv6-nonxt"], [60, "ipv6-opts"],
  [73, "rspf"], [81, "vmtp"], [88, "eigrp"], [89, "ospf"], [93, "ax.25"], [94, "ipip"], [97, "etherip"], [98, "encap"],
  [103, "pim"], [108, "ipcomp"], [112, "carp"], [115, "l2tp"], [124, "isis"], [132, "sctp"], [133, "fc"],
  [135, "mobility-header"], [136, "udplite"], [137, "mpls-in-ip"], [139, "hip"], [140, "shim6"], [141, "wesp"],
  [142, "rohc"], [240, "pfsync"], [258, "divert"],
];
const etc_protocol_aliases: readonly (readonly [string, number])[] = [
  ["IP", 0], ["ICMP", 1], ["IGMP", 2], ["TCP", 6], ["UDP", 17], ["IPV6", 41], ["GRE", 47], ["ESP", 50], ["AH", 51],
  ["IPV6-ICMP", 58], ["icmp6", 58], ["ipv6-icmp", 58], ["SCTP", 132], ["CARP", 112], ["PIM", 103], ["OSPFIGP", 89],
];
export function getprotobynumber(p: number): string | null {
  for (const [n, name] of etc_protocols) if (n === p) return name;
  return null;
}
export function getprotobyname(name: string): number | null {
  for (const [n, w] of etc_protocols) if (w === name) return n;
  for (const [w, n] of etc_protocol_aliases) if (w === name) return n;
  return null;
}

export function getservbyname(name: string, proto: string | null): number | null {
  return (proto !== "udp" ? netdb_getservbyname(name, "tcp") : null) ?? (proto !== "tcp" ? netdb_getservbyname(name, "udp") : null);
}
export function getservbyport(port: number, proto: string | null): string | null {
  return (proto !== "udp" ? netdb_getservbyport(port, "tcp") : null) ?? (proto !== "tcp" ? netdb_getservbyport(port, "udp") : null);
}

/* ---------- instruction words ---------- */

/**
 * A buffer of 32-bit words holding ipfw_insn instructions as the kernel
 * reads them: byte 0 opcode, byte 1 len (F_NOT, F_OR, length in words),
 * bytes 2-3 arg1 (little-endian), then the instruction's own words.
 */
export class insn_buf {
  readonly u8: Uint8Array;
  readonly dv: DataView;
  constructor(readonly words: number, backing?: Uint8Array) {
    this.u8 = backing ?? new Uint8Array(words * 4);
    this.dv = new DataView(this.u8.buffer, this.u8.byteOffset, this.u8.byteLength);
  }
  opcode(w: number): number {
    return this.u8[w * 4];
  }
  set_opcode(w: number, v: number): void {
    this.u8[w * 4] = v;
  }
  len(w: number): number {
    return this.u8[w * 4 + 1];
  }
  set_len(w: number, v: number): void {
    this.u8[w * 4 + 1] = v & 0xff;
  }
  flen(w: number): number {
    return this.u8[w * 4 + 1] & F_LEN_MASK;
  }
  arg1(w: number): number {
    return this.dv.getUint16(w * 4 + 2, true);
  }
  set_arg1(w: number, v: number): void {
    this.dv.setUint16(w * 4 + 2, v & 0xffff, true);
  }
  /** A 32-bit word in host order (ipfw_insn_u32.d[]). */
  u32(w: number): number {
    return this.dv.getUint32(w * 4, true);
  }
  set_u32(w: number, v: number): void {
    this.dv.setUint32(w * 4, v >>> 0, true);
  }
  /** A 32-bit word in network order (an in_addr). */
  be32(w: number): number {
    return this.dv.getUint32(w * 4, false);
  }
  set_be32(w: number, v: number): void {
    this.dv.setUint32(w * 4, v >>> 0, false);
  }
  u16(byteoff: number): number {
    return this.dv.getUint16(byteoff, true);
  }
  set_u16(byteoff: number, v: number): void {
    this.dv.setUint16(byteoff, v & 0xffff, true);
  }
  zero(w: number, n = 1): void {
    this.u8.fill(0, w * 4, (w + n) * 4);
  }
  copy_words(dst: insn_buf, dw: number, sw: number, n: number): void {
    dst.u8.set(this.u8.subarray(sw * 4, (sw + n) * 4), dw * 4);
  }
}

/** F_INSN_SIZE of the instruction structures, in 32-bit words. */
export const INSN_SIZE = F_INSN_SIZE;

/* ---------- flags tables ---------- */

export const f_tcpflags: s_x = [
  ["syn", TH_SYN], ["fin", TH_FIN], ["ack", TH_ACK], ["psh", TH_PUSH], ["rst", TH_RST], ["urg", TH_URG], ["tcp flag", 0],
];
const f_tcpopts: s_x = [
  ["mss", IP_FW_TCPOPT_MSS], ["maxseg", IP_FW_TCPOPT_MSS], ["window", IP_FW_TCPOPT_WINDOW], ["sack", IP_FW_TCPOPT_SACK],
  ["ts", IP_FW_TCPOPT_TS], ["timestamp", IP_FW_TCPOPT_TS], ["cc", IP_FW_TCPOPT_CC], ["tcp option", 0],
];
const f_ipopts: s_x = [
  ["ssrr", IP_FW_IPOPT_SSRR], ["lsrr", IP_FW_IPOPT_LSRR], ["rr", IP_FW_IPOPT_RR], ["ts", IP_FW_IPOPT_TS], ["ip option", 0],
];
const f_iptos: s_x = [
  ["lowdelay", 0x10], ["throughput", 0x08], ["reliability", 0x04], ["mincost", 0x02], ["congestion", 0x03],
  ["ecntransport", 0x02], ["ip tos option", 0],
];
/** IP_RF, IP_DF, IP_MF shifted into a byte, and "offset". */
const f_ipoff: s_x = [["rf", 0x80], ["df", 0x40], ["mf", 0x20], ["offset", 0x1]];

export const f_ipdscp: s_x = [
  ["af11", 10], ["af12", 12], ["af13", 14], ["af21", 18], ["af22", 20], ["af23", 22], ["af31", 26], ["af32", 28],
  ["af33", 30], ["af41", 34], ["af42", 36], ["af43", 38], ["be", 0], ["ef", 46], ["cs0", 0], ["cs1", 8], ["cs2", 16],
  ["cs3", 24], ["cs4", 32], ["cs5", 40], ["cs6", 48], ["cs7", 56],
];

const limit_masks: s_x = [
  ["all", DYN_SRC_ADDR | DYN_SRC_PORT | DYN_DST_ADDR | DYN_DST_PORT],
  ["src-addr", DYN_SRC_ADDR], ["src-port", DYN_SRC_PORT], ["dst-addr", DYN_DST_ADDR], ["dst-port", DYN_DST_PORT],
];

const ether_types: s_x = [
  ["ip", 0x0800], ["ipv4", 0x0800], ["ipv6", 0x86dd], ["arp", 0x0806], ["rarp", 0x8035], ["vlan", 0x8100],
  ["loop", 0x9000], ["trail", 0x1000], ["at", 0x809b], ["atalk", 0x809b], ["aarp", 0x80f3], ["pppoe_disc", 0x8863],
  ["pppoe_sess", 0x8864], ["ipx_8022", 0x00e0], ["ipx_8023", 0x0000], ["ipx_ii", 0x8137], ["ipx_snap", 0x8137],
  ["ipx", 0x8137], ["ns", 0x0600],
];

/* enum tokens (ipfw2.h): only their being distinct matters. */
export const enum TOK {
  NULL = 0, OR, NOT, STARTBRACE, ENDBRACE, ABORT6, ABORT, ACCEPT, COUNT, EACTION, PIPE, LINK, QUEUE, FLOWSET, SCHED,
  DIVERT, TEE, NETGRAPH, NGTEE, FORWARD, SKIPTO, DENY, REJECT, RESET, UNREACH, CHECKSTATE, NAT, REASS, CALL, RETURN,
  ALTQ, LOG, TAG, UNTAG, TAGGED, UID, GID, JAIL, IN, LIMIT, SETLIMIT, KEEPSTATE, RECORDSTATE, LAYER2, OUT, DIVERTED,
  DIVERTEDLOOPBACK, DIVERTEDOUTPUT, XMIT, RECV, VIA, FRAG, IPOPTS, IPLEN, IPID, IPPRECEDENCE, DSCP, IPTOS, IPTTL, IPVER,
  ESTAB, SETUP, TCPDATALEN, TCPFLAGS, TCPOPTS, TCPSEQ, TCPACK, TCPWIN, TCPMSS, ICMPTYPES, MAC, MACTYPE, VERREVPATH,
  VERSRCREACH, ANTISPOOF, IPSEC, COMMENT, DSTIP, SRCIP, DSTPORT, SRCPORT, PROTO, IPV6, FLOWID, ICMP6TYPES, EXT6HDR,
  DSTIP6, SRCIP6, IPV4, UNREACH6, RESET6, FIB, SETFIB, LOOKUP, SOCKARG, SETDSCP, FLOW, IFLIST, CREATE, DESTROY, LIST,
  INFO, DETAIL, MODIFY, FLUSH, SWAP, ADD, DEL, VALTYPE, ALGO, TALIST, ATOMIC, LOCK, UNLOCK, VLIST, OLIST, MISSING,
  ORFLUSH, TCPSETMSS, SKIPACTION, NAT64CLAT, NAT64LSN, NAT64STL, NPTV6, TABLE4, TABLE6, DST, SRC, DSTMAC, SRCMAC,
}

const rule_eactions: s_x = [
  ["nat64clat", TOK.NAT64CLAT], ["nat64lsn", TOK.NAT64LSN], ["nat64stl", TOK.NAT64STL], ["nptv6", TOK.NPTV6],
  ["tcp-setmss", TOK.TCPSETMSS],
];

const rule_actions: s_x = [
  ["abort6", TOK.ABORT6], ["abort", TOK.ABORT], ["accept", TOK.ACCEPT], ["pass", TOK.ACCEPT], ["allow", TOK.ACCEPT],
  ["permit", TOK.ACCEPT], ["count", TOK.COUNT], ["pipe", TOK.PIPE], ["queue", TOK.QUEUE], ["divert", TOK.DIVERT],
  ["tee", TOK.TEE], ["netgraph", TOK.NETGRAPH], ["ngtee", TOK.NGTEE], ["fwd", TOK.FORWARD], ["forward", TOK.FORWARD],
  ["skipto", TOK.SKIPTO], ["deny", TOK.DENY], ["drop", TOK.DENY], ["reject", TOK.REJECT], ["reset6", TOK.RESET6],
  ["reset", TOK.RESET], ["unreach6", TOK.UNREACH6], ["unreach", TOK.UNREACH], ["check-state", TOK.CHECKSTATE],
  ["//", TOK.COMMENT], ["nat", TOK.NAT], ["reass", TOK.REASS], ["setfib", TOK.SETFIB], ["setdscp", TOK.SETDSCP],
  ["call", TOK.CALL], ["return", TOK.RETURN], ["eaction", TOK.EACTION], ["tcp-setmss", TOK.TCPSETMSS],
];

const rule_action_params: s_x = [["altq", TOK.ALTQ], ["log", TOK.LOG], ["tag", TOK.TAG], ["untag", TOK.UNTAG]];

/** The keys `lookup` takes; the LOOKUP_* number goes into the instruction. */
const lookup_keys: s_x = [
  ["dst-ip", LOOKUP_DST_IP], ["src-ip", LOOKUP_SRC_IP], ["dst-port", LOOKUP_DST_PORT], ["src-port", LOOKUP_SRC_PORT],
  ["dst-mac", LOOKUP_DST_MAC], ["src-mac", LOOKUP_SRC_MAC], ["uid", LOOKUP_UID], ["jail", LOOKUP_JAIL],
  ["dscp", LOOKUP_DSCP], ["mark", LOOKUP_MARK],
];

const rule_options: s_x = [
  ["tagged", TOK.TAGGED], ["uid", TOK.UID], ["gid", TOK.GID], ["jail", TOK.JAIL], ["in", TOK.IN], ["limit", TOK.LIMIT],
  ["set-limit", TOK.SETLIMIT], ["keep-state", TOK.KEEPSTATE], ["record-state", TOK.RECORDSTATE],
  ["bridged", TOK.LAYER2], ["layer2", TOK.LAYER2], ["out", TOK.OUT], ["diverted", TOK.DIVERTED],
  ["diverted-loopback", TOK.DIVERTEDLOOPBACK], ["diverted-output", TOK.DIVERTEDOUTPUT], ["xmit", TOK.XMIT],
  ["recv", TOK.RECV], ["via", TOK.VIA], ["fragment", TOK.FRAG], ["frag", TOK.FRAG], ["fib", TOK.FIB],
  ["ipoptions", TOK.IPOPTS], ["ipopts", TOK.IPOPTS], ["iplen", TOK.IPLEN], ["ipid", TOK.IPID],
  ["ipprecedence", TOK.IPPRECEDENCE], ["dscp", TOK.DSCP], ["iptos", TOK.IPTOS], ["ipttl", TOK.IPTTL],
  ["ipversion", TOK.IPVER], ["ipver", TOK.IPVER], ["estab", TOK.ESTAB], ["established", TOK.ESTAB],
  ["setup", TOK.SETUP], ["sockarg", TOK.SOCKARG], ["tcpdatalen", TOK.TCPDATALEN], ["tcpflags", TOK.TCPFLAGS],
  ["tcpflgs", TOK.TCPFLAGS], ["tcpmss", TOK.TCPMSS], ["tcpoptions", TOK.TCPOPTS], ["tcpopts", TOK.TCPOPTS],
  ["tcpseq", TOK.TCPSEQ], ["tcpack", TOK.TCPACK], ["tcpwin", TOK.TCPWIN], ["icmptype", TOK.ICMPTYPES],
  ["icmptypes", TOK.ICMPTYPES], ["dst-ip", TOK.DSTIP], ["src-ip", TOK.SRCIP], ["dst-port", TOK.DSTPORT],
  ["src-port", TOK.SRCPORT], ["dst-mac", TOK.DSTMAC], ["src-mac", TOK.SRCMAC], ["proto", TOK.PROTO], ["MAC", TOK.MAC], ["mac", TOK.MAC], ["mac-type", TOK.MACTYPE],
  ["verrevpath", TOK.VERREVPATH], ["versrcreach", TOK.VERSRCREACH], ["antispoof", TOK.ANTISPOOF],
  ["ipsec", TOK.IPSEC], ["icmp6type", TOK.ICMP6TYPES], ["icmp6types", TOK.ICMP6TYPES], ["ext6hdr", TOK.EXT6HDR],
  ["flow-id", TOK.FLOWID], ["ipv6", TOK.IPV6], ["ip6", TOK.IPV6], ["ipv4", TOK.IPV4], ["ip4", TOK.IPV4],
  ["dst-ipv6", TOK.DSTIP6], ["dst-ip6", TOK.DSTIP6], ["src-ipv6", TOK.SRCIP6], ["src-ip6", TOK.SRCIP6],
  ["lookup", TOK.LOOKUP], ["flow", TOK.FLOW], ["defer-action", TOK.SKIPACTION],
  ["defer-immediate-action", TOK.SKIPACTION], ["//", TOK.COMMENT], ["not", TOK.NOT], ["!", TOK.NOT], ["or", TOK.OR],
  ["|", TOK.OR], ["{", TOK.STARTBRACE], ["(", TOK.STARTBRACE], ["}", TOK.ENDBRACE], [")", TOK.ENDBRACE],
];

const icmpcodes: s_x = [
  ["net", 0], ["host", 1], ["protocol", 2], ["port", 3], ["needfrag", 4], ["srcfail", 5], ["net-unknown", 6],
  ["host-unknown", 7], ["isolated", 8], ["net-prohib", 9], ["host-prohib", 10], ["tosnet", 11], ["toshost", 12],
  ["filter-prohib", 13], ["host-precedence", 14], ["precedence-cutoff", 15],
];
const ICMP_UNREACH_HOST = 1;

/** Words that end a port list (they are options, not ports). */
const f_reserved_keywords: s_x = [
  ["altq", TOK.OR], ["//", TOK.OR], ["diverted", TOK.OR], ["dst-port", TOK.OR], ["src-port", TOK.OR],
  ["established", TOK.OR], ["keep-state", TOK.OR], ["frag", TOK.OR], ["icmptypes", TOK.OR], ["in", TOK.OR],
  ["out", TOK.OR], ["ip6", TOK.OR], ["any", TOK.OR], ["to", TOK.OR], ["via", TOK.OR], ["{", TOK.OR],
];

/* ---------- talking to the kernel ---------- */

function ipfw_open(ctx: ipfw_ctx): void {
  if (ctx.s === -1) {
    const r = sys_socket(ctx.kp, AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (r.error !== 0) {
      ctx.errno = r.error;
      err(ctx, EX_UNAVAILABLE, "socket");
    }
    ctx.s = r.fd;
  }
}

/**
 * do_set3: an IP_FW3 setsockopt with `buf` (which starts with an
 * ip_fw3_opheader; its opcode is set here).  Returns 0 or the errno.
 */
export function do_set3(ctx: ipfw_ctx, optname: number, buf: Uint8Array): number {
  if (ctx.co.test_only) return 0;
  ipfw_open(ctx);
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint16(0, optname, true);
  const error = sys_setsockopt(ctx.kp, ctx.s, IPPROTO_IP_LEVEL, IP_FW3, buf);
  ctx.errno = error;
  return error;
}

/**
 * do_get3: an IP_FW3 getsockopt with `buf` both the request and, on
 * return, the answer (copied back into it as far as it fits).  Returns the
 * errno (0) and the length the kernel wrote.
 */
export function do_get3(ctx: ipfw_ctx, optname: number, buf: Uint8Array): { error: number; len: number } {
  if (ctx.co.test_only) return { error: 0, len: buf.length };
  ipfw_open(ctx);
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint16(0, optname, true);
  const r = sys_getsockopt(ctx.kp, ctx.s, IPPROTO_IP_LEVEL, IP_FW3, buf);
  ctx.errno = r.error;
  // The kernel answered in buf itself; val is buf cut to the length it set.
  if (r.val instanceof Uint8Array) return { error: r.error, len: r.val.length };
  return { error: r.error, len: r.error === 0 ? 0 : buf.length };
}

/**
 * do_cmd: an old-style (non IP_FW3) request: getsockopt for the "get"
 * names and negative ones, setsockopt for the rest.
 */
export function do_cmd(ctx: ipfw_ctx, optname: number, buf: Uint8Array | null, get: boolean): { error: number; val: Uint8Array | null } {
  if (ctx.co.test_only) return { error: 0, val: buf };
  ipfw_open(ctx);
  if (get || optname < 0) {
    const r = sys_getsockopt(ctx.kp, ctx.s, IPPROTO_IP_LEVEL, Math.abs(optname), buf ?? undefined);
    ctx.errno = r.error;
    return { error: r.error, val: r.val instanceof Uint8Array ? r.val : null };
  }
  const error = sys_setsockopt(ctx.kp, ctx.s, IPPROTO_IP_LEVEL, optname, buf);
  ctx.errno = error;
  return { error, val: null };
}

/* ---------- named objects (tables, states, external actions) ---------- */

/** ipfw_obj_ntlv as the parser keeps it before packing. */
export interface obj_ntlv {
  type: number;
  idx: number;
  set: number;
  name: string;
}

/** struct tidx: the names a rule refers to, numbered from 1. */
export class tidx {
  idx: obj_ntlv[] = [];
  counter = 0;
  set = 0;
  get count(): number {
    return this.idx.length;
  }
}

/** ipfw_check_object_name: [a-zA-Z0-9-_.]{1,63}. */
export function ipfw_check_object_name(name: string): number {
  if (name.length === 0 || name.length >= 64) return EINVAL;
  return /^[A-Za-z0-9_.-]+$/.test(name) ? 0 : EINVAL;
}

const default_state_name = "default";

function state_check_name(name: string): number {
  if (ipfw_check_object_name(name) !== 0) return EINVAL;
  if (name === "any") return EINVAL;
  return 0;
}

function eaction_check_name(name: string): number {
  if (ipfw_check_object_name(name) !== 0) return EINVAL;
  if (match_token(rule_actions, name) !== -1 && match_token(rule_action_params, name) !== -1) return EINVAL;
  return 0;
}

/** pack_object: the index of (name, type) in this rule's list, adding it. */
export function pack_object(ts: tidx, name: string, otype: number): number {
  for (const o of ts.idx) if (o.name === name && o.set === ts.set && o.type === otype) return o.idx;
  const o: obj_ntlv = { type: otype, idx: ++ts.counter, set: ts.set, name };
  ts.idx.push(o);
  return o.idx;
}

export function pack_table(ts: tidx, name: string): number {
  if (table_check_name(name) !== 0) return 0;
  return pack_object(ts, name, IPFW_TLV_TBL_NAME);
}

/** Decode one ipfw_obj_ntlv at `off`. */
export function ntlv_decode(b: Uint8Array, off: number): obj_ntlv {
  const dv = dv_of(b);
  return { type: dv.getUint16(off + tlv_type, true), idx: dv.getUint16(off + ntlv_idx, true), set: dv.getUint8(off + ntlv_set), name: cstr_read(b, off + ntlv_name, NTLV_NAME_LEN) };
}

/** compare_ntlv: by set, index, type (the order the kernel wants them in). */
function compare_ntlv(a: obj_ntlv, b: obj_ntlv): number {
  return a.set - b.set || a.idx - b.idx || a.type - b.type;
}
export function object_sort(list: obj_ntlv[]): obj_ntlv[] {
  return list.slice().sort(compare_ntlv);
}

/** object_search_ctlv: the name of (idx, type) in a name list, or null. */
export function object_search_ctlv(list: obj_ntlv[] | null, idx: number, type: number): string | null {
  if (list === null) return null;
  for (const o of list) if (o.idx === idx && o.type === type) return o.name;
  return null;
}
export function table_search_ctlv(list: obj_ntlv[] | null, idx: number): string | null {
  return object_search_ctlv(list, idx, IPFW_TLV_TBL_NAME);
}

/* ---------- compiling a rule ---------- */

/** What compile_rule builds: struct ip_fw_rule in bytes. */
export class rule_bytes {
  rulenum = 0;
  set = 0;
  flags = 0;
  act_ofs = 0;
  cmd_len = 0;
  id = 0;
  cmd: insn_buf;
  constructor(words: number) {
    this.cmd = new insn_buf(words);
  }
  /** struct ip_fw_rule at `off`; returns its size (header and words). */
  encode(dv: DataView, off: number): number {
    ip_fw_rule_write(dv, off, this.act_ofs, this.cmd_len, this.rulenum, this.set, this.flags, this.id);
    new Uint8Array(dv.buffer, dv.byteOffset + off + ip_fw_rule_cmd, this.cmd_len * 4).set(this.cmd.u8.subarray(0, this.cmd_len * 4));
    return ip_fw_rule_cmd + this.cmd_len * 4;
  }
  static decode(dv: DataView, off: number): rule_bytes {
    const cmd_len = Math.min(dv.getUint16(off + ip_fw_rule_cmd_len, true), Math.max(0, (dv.byteLength - off - ip_fw_rule_cmd) >> 2));
    const r = new rule_bytes(cmd_len);
    r.act_ofs = Math.min(dv.getUint16(off + ip_fw_rule_act_ofs, true), cmd_len);
    r.cmd_len = cmd_len;
    r.set = dv.getUint8(off + ip_fw_rule_set);
    r.flags = dv.getUint8(off + ip_fw_rule_flags);
    r.rulenum = dv.getUint16(off + ip_fw_rule_rulenum, true);
    r.id = dv.getUint32(off + ip_fw_rule_id, true);
    r.cmd.u8.set(new Uint8Array(dv.buffer, dv.byteOffset + off + ip_fw_rule_cmd, cmd_len * 4));
    return r;
  }
}

function CHECK_LENGTH(ctx: ipfw_ctx, v: number, len: number): void {
  if (v < len) errx(ctx, EX_DATAERR, "Rule too long");
}

/** fill_cmd: a one-word instruction, keeping F_NOT and F_OR already set. */
function fill_cmd(b: insn_buf, w: number, opcode: number, flags: number, arg: number): void {
  b.set_opcode(w, opcode);
  b.set_len(w, ((b.len(w) | flags) & (F_NOT | F_OR)) | 1);
  b.set_arg1(w, arg);
}

/** strtoport: a number, or a service (or ether type) name; end === 0: not one. */
function strtoport(s: string, base: number, proto: number): { v: number; end: number } {
  if (s.length === 0) return { v: 0, end: 0 };
  if (isdigit(s[0])) {
    const r = strtoul(s, base);
    return { v: ulong_to_int(r), end: endptr(s, r) };
  }
  let i = 0;
  let buf = "";
  for (; i < s.length && (isalnum(s[i]) || s[i] === "\\" || s[i] === "_" || s[i] === "."); i++) {
    if (s[i] === "\\" && i + 1 < s.length) {
      i++;
      buf += s[i];
      continue;
    }
    if (s[i] !== "\\") buf += s[i];
  }
  if (proto === IPPROTO_ETHERTYPE) {
    const v = match_token(ether_types, buf);
    if (v !== -1) return { v, end: i };
  } else {
    const pname = proto !== 0 ? getprotobynumber(proto) : null;
    const port = getservbyname(buf, pname);
    if (port !== null) return { v: port, end: i };
  }
  return { v: 0, end: 0 };
}

/** fill_newports: a list of ports and ranges into an ipfw_insn_u16; returns how many. */
function fill_newports(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, proto: number, cblen: number): number {
  let i = 0;
  let s = av;
  let p = (w + 1) * 4;
  while (s.length > 0) {
    const a = strtoport(s, 0, proto);
    if (a.end === 0) return 0;
    CHECK_LENGTH(ctx, cblen, i + 2);
    const sep = s[a.end];
    let rest: string;
    if (sep === "-") {
      const t = s.slice(a.end + 1);
      const bb = strtoport(t, 0, proto);
      if (bb.end === 0 || (t[bb.end] !== "," && t[bb.end] !== undefined)) return 0;
      b.set_u16(p, a.v);
      b.set_u16(p + 2, bb.v);
      rest = t.slice(bb.end + 1);
    } else if (sep === "," || sep === undefined) {
      b.set_u16(p, a.v);
      b.set_u16(p + 2, a.v);
      rest = s.slice(a.end + 1);
    } else {
      warnx(ctx, `port list: invalid separator <${sep}> in <${s}>`);
      return 0;
    }
    i++;
    p += 4;
    s = rest;
  }
  if (i > 0) {
    if (i + 1 > F_LEN_MASK) errx(ctx, EX_DATAERR, "too many ports/ranges\n");
    b.set_len(w, b.len(w) | (i + 1));
  }
  return i;
}

function fill_dscp(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, cblen: number): void {
  b.set_opcode(w, O_DSCP);
  b.set_len(w, b.len(w) | (INSN_SIZE.ipfw_insn_u32 + 1));
  CHECK_LENGTH(ctx, cblen, b.flen(w));
  let low = 0;
  let high = 0;
  for (const s of av.split(",")) {
    let code: number;
    if (isalpha(s)) {
      code = match_token(f_ipdscp, s);
      if (code === -1) errx(ctx, EX_DATAERR, "Unknown DSCP code");
    } else {
      code = ulong_to_int(strtoul(s, 10));
      if (code < 0 || code > 63) errx(ctx, EX_DATAERR, "Invalid DSCP value");
    }
    if (code >= 32) high |= 1 << (code - 32);
    else low |= 1 << code;
  }
  b.set_u32(w + 1, low);
  b.set_u32(w + 2, high);
}

function fill_reject_code(ctx: ipfw_ctx, str: string): number {
  const r = strtoul(str, 0);
  let val = ulong_to_int(r);
  if (r.rest === str || r.rest !== "" || val >= 0x100) val = match_token(icmpcodes, str);
  if (val < 0) errx(ctx, EX_DATAERR, `unknown ICMP unreachable code \`\`${str}''`);
  return val;
}

/** contigmask: the length of a contiguous mask of `len` bits, or -1. */
export function contigmask(p: Uint8Array, len: number): number {
  let i = 0;
  for (; i < len; i++) if ((p[i >> 3] & (1 << (7 - (i & 7)))) === 0) break;
  for (let n = i + 1; n < len; n++) if ((p[n >> 3] & (1 << (7 - (n & 7)))) !== 0) return -1;
  return i;
}
function contigmask32(m: number): number {
  const b = new Uint8Array([m >>> 24, (m >>> 16) & 0xff, (m >>> 8) & 0xff, m & 0xff]);
  return contigmask(b, 32);
}

function lookup_host(host: string): number | null {
  const a = inet_aton(host);
  if (a !== null) return a;
  return gethostbyname4(host);
}

/** fill_table: "table(name[,value])" into an instruction. */
export function fill_table(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, opcode: number, ts: tidx): void {
  const close = av.indexOf(")", 6);
  if (close < 0) errx(ctx, EX_DATAERR, `forgotten parenthesis: '${av}'`);
  let name = av.slice(6, close);
  let val: string | null = null;
  const comma = name.indexOf(",");
  if (comma >= 0) {
    val = name.slice(comma + 1);
    name = name.slice(0, comma);
  }
  const uidx = pack_table(ts, name);
  if (uidx === 0) errx(ctx, EX_DATAERR, `Invalid table name: ${name}`);
  b.set_opcode(w, opcode);
  b.set_arg1(w, uidx);
  if (val !== null) {
    b.set_len(w, b.len(w) | INSN_SIZE.ipfw_insn_u32);
    b.set_u32(w + 1, ulong_to_u32(strtoul(val, 0)));
  } else b.set_len(w, b.len(w) | INSN_SIZE.ipfw_insn);
}

/**
 * fill_ip: any, me, table(t), a.b.c.d[/n|:mask], lists of them, and
 * a.b.c.d/24{x,y-z} address sets, into an ipfw_insn_ip (or longer).
 */
function fill_ip(ctx: ipfw_ctx, b: insn_buf, w: number, av0: string, cblen: number, ts: tidx): void {
  let len = 0;
  let d = w + 1;
  b.set_len(w, b.len(w) & ~F_LEN_MASK);
  if (_substrcmp(ctx, av0, "any") === 0) return;
  if (_substrcmp(ctx, av0, "me") === 0) {
    b.set_len(w, b.len(w) | INSN_SIZE.ipfw_insn);
    return;
  }
  if (av0.startsWith("table(")) {
    fill_table(ctx, b, w, av0, O_IP_DST_LOOKUP, ts);
    return;
  }
  let av: string | null = av0;
  while (av !== null) {
    CHECK_LENGTH(ctx, cblen, INSN_SIZE.ipfw_insn + 2 + len);
    const pi = av.search(/[/:,{]/);
    let host = av;
    let md = "";
    let p: string | null = null;
    if (pi >= 0) {
      md = av[pi];
      host = av.slice(0, pi);
      p = av.slice(pi + 1);
    }
    // The mask word ends at the next ',' or '{'.
    let maskstr = p ?? "";
    const ti = p === null ? -1 : p.search(/[,{]/);
    if (ti >= 0 && p !== null) maskstr = p.slice(0, ti);
    const addr = lookup_host(host);
    if (addr === null) errx(ctx, 68, `hostname \`\`${host}'' unknown`);
    let mask: number;
    switch (md) {
      case ":": {
        const m = inet_aton(maskstr);
        if (m === null) errx(ctx, EX_DATAERR, `bad netmask \`\`${maskstr}''`);
        mask = m;
        break;
      }
      case "/": {
        const masklen = atoi(maskstr);
        if (masklen === 0) mask = 0;
        else if (masklen > 32) errx(ctx, EX_DATAERR, `bad width \`\`${maskstr}''`);
        else mask = (0xffffffff << (32 - masklen)) >>> 0;
        break;
      }
      case "{":
        mask = 0xffffff00;
        break;
      default:
        mask = 0xffffffff;
        break;
    }
    const base = (addr & mask) >>> 0;
    b.set_be32(d, base);
    b.set_be32(d + 1, mask);
    // The next separator after the address and its mask.
    let next: string | null = null;
    let nextc = "";
    if (md === "{" || md === ",") {
      next = av.slice(pi + 1);
      nextc = md;
    } else if (p !== null && ti >= 0) {
      next = p.slice(ti + 1);
      nextc = p[ti];
    }
    if (nextc === "{") {
      const i = contigmask32(mask);
      if (len > 0) errx(ctx, EX_DATAERR, "address set cannot be in a list");
      if (i < 24 || i > 31) errx(ctx, EX_DATAERR, `invalid set with mask ${i}\n`);
      const setlen = 1 << (32 - i);
      b.set_arg1(w, setlen);
      b.set_u32(d, base);
      b.set_opcode(w, O_IP_DST_SET);
      const mapw = Math.floor((setlen + 31) / 32);
      b.set_len(w, b.len(w) | (INSN_SIZE.ipfw_insn_u32 + mapw));
      const map = d + 1;
      b.zero(map, mapw);
      const low = base & 0xff;
      const high = low + setlen - 1;
      let s = next ?? "";
      let prev = -1;
      while (isdigit(s[0])) {
        const r = strtoul(s, 0);
        let a = ulong_to_int(r);
        if (a < low || a > high) errx(ctx, EX_DATAERR, `addr ${a} out of range [${low}-${high}]\n`);
        a -= low;
        let k: number;
        if (prev === -1) k = a;
        else {
          if (prev > a) errx(ctx, EX_DATAERR, `invalid range ${prev + low}-${a + low}`);
          if (r.rest[0] === "-") errx(ctx, EX_DATAERR, "double '-' in range");
          k = prev;
        }
        for (; k <= a; k++) b.set_u32(map + (k >> 5), b.u32(map + (k >> 5)) | (1 << (k & 31)));
        prev = -1;
        if (r.rest[0] === "-") prev = a;
        else if (r.rest[0] === "}") break;
        s = r.rest.slice(1);
      }
      return;
    }
    av = nextc === "," ? next : null;
    if (mask === 0) {
      // "any" in a list makes the whole list match anything; "not any" alone never matches.
      if ((b.len(w) & F_NOT) !== 0 && av === null && len === 0) errx(ctx, EX_DATAERR, "not any never matches");
      return;
    }
    if (mask === 0xffffffff && av === null && len === 0) {
      b.set_len(w, b.len(w) | INSN_SIZE.ipfw_insn_u32);
      return;
    }
    len += 2;
    d += 2;
  }
  if (len + 1 > F_LEN_MASK) errx(ctx, EX_DATAERR, "address list too long");
  b.set_len(w, b.len(w) | (len + 1));
}

/** n2mask: the first n bits of a 16-byte mask. */
export function n2mask(mask: Uint8Array, n: number): void {
  mask.fill(0);
  for (let i = 0; n > 0; i++, n -= 8) mask[i] = n >= 8 ? 0xff : (0xff << (8 - n)) & 0xff;
}

function fill_flags_cmd(ctx: ipfw_ctx, b: insn_buf, w: number, opcode: number, flags: s_x, p: string): void {
  const m = { set: 0, clear: 0 };
  const e = fill_flags(flags, p, m);
  if (e !== null) errx(ctx, EX_DATAERR, `invalid flag ${e}`);
  b.set_opcode(w, opcode);
  b.set_len(w, (b.len(w) & (F_NOT | F_OR)) | 1);
  b.set_arg1(w, (m.set & 0xff) | ((m.clear & 0xff) << 8));
}

/** fill_iface: an interface name (or glob), an address, or table(t). */
function fill_iface(ctx: ipfw_ctx, b: insn_buf, w: number, arg: string, cblen: number, ts: tidx): void {
  b.zero(w + 1, INSN_SIZE.ipfw_insn_if - 1);
  b.set_len(w, b.len(w) | INSN_SIZE.ipfw_insn_if);
  CHECK_LENGTH(ctx, cblen, b.flen(w));
  const name = (w + 2) * 4;
  if (arg === "any") b.set_len(w, 0);
  else if (arg.startsWith("table(")) {
    const close = arg.indexOf(")", 6);
    if (close < 0) errx(ctx, EX_DATAERR, `forgotten parenthesis: '${arg}'`);
    let t = arg.slice(6, close);
    const comma = t.indexOf(",");
    if (comma >= 0) t = t.slice(0, comma);
    const uidx = pack_table(ts, t);
    if (uidx === 0) errx(ctx, EX_DATAERR, `Invalid table name: ${t}`);
    b.u8[name] = 1;
    b.set_u16((w + 1) * 4, uidx);
  } else if (!isdigit(arg[0])) {
    for (let i = 0; i < arg.length && i < 15; i++) b.u8[name + i] = arg.charCodeAt(i) & 0xff;
    b.set_u32(w + 1, /[*?[]/.test(arg) ? 1 : 0);
  } else {
    const a = inet_aton(arg);
    if (a === null) errx(ctx, EX_DATAERR, `bad ip address \`\`${arg}''`);
    b.set_be32(w + 1, a);
  }
}

function get_mac_addr_mask(ctx: ipfw_ctx, p: string, addr: Uint8Array, mask: Uint8Array): void {
  if (p === "any") {
    addr.fill(0);
    mask.fill(0);
    return;
  }
  const macset = /^[0-9a-fA-F:]*$/;
  const si = p.search(/[&/]/);
  const ap = si < 0 ? p : p.slice(0, si);
  if (ap === "") errx(ctx, EX_DATAERR, "Incorrect MAC address");
  const mac = macset.test(ap) ? ether_aton(ap) : null;
  if (mac === null) errx(ctx, EX_DATAERR, "Incorrect MAC address");
  addr.set(mac);
  if (si >= 0) {
    const rest = p.slice(si + 1);
    if (p[si] === "/") {
      const r = strtoul(rest, 10);
      const ml = r.v;
      if (r.rest !== "" || ml > 48 || rest.length === 0) errx(ctx, EX_DATAERR, "Incorrect mask length");
      mask.fill(0);
      for (let i = 0, m = ml; m > 0 && i < 6; m -= 8, i++) mask[i] = m >= 8 ? 0xff : (0xff << (8 - m)) & 0xff;
    } else {
      const mm = macset.test(rest) ? ether_aton(rest) : null;
      if (mm === null) errx(ctx, EX_DATAERR, "Incorrect mask");
      mask.set(mm);
    }
  } else mask.fill(0xff);
  for (let i = 0; i < 6; i++) addr[i] &= mask[i];
}

/** next_cmd: step past the current instruction and clear the next one's first word. */
function next_cmd(ctx: ipfw_ctx, b: insn_buf, w: number, len: { v: number }): number {
  len.v -= b.flen(w);
  CHECK_LENGTH(ctx, len.v, 0);
  const n = w + b.flen(w);
  b.zero(n);
  return n;
}

/** fill_comment: the rest of the words, joined by blanks, in an O_NOP. */
function fill_comment(ctx: ipfw_ctx, b: insn_buf, w: number, av: string[], a: number, cblen: number): void {
  b.set_opcode(w, O_NOP);
  b.set_len(w, b.len(w) & (F_NOT | F_OR));
  let l = 0;
  for (let i = a; i < av.length; i++) l += av[i].length + 1;
  if (l === 0) return;
  if (l > 84) errx(ctx, EX_DATAERR, "comment too long (max 80 chars)");
  const words = 1 + Math.floor((l + 3) / 4);
  b.set_len(w, (b.len(w) & (F_NOT | F_OR)) | words);
  CHECK_LENGTH(ctx, cblen, b.flen(w));
  const text = av.slice(a).join(" ");
  const off = (w + 1) * 4;
  b.u8.fill(0, off, (w + words) * 4);
  for (let i = 0; i < text.length; i++) b.u8[off + i] = text.charCodeAt(i) & 0xff;
}

function add_mac(ctx: ipfw_ctx, b: insn_buf, w: number, av: string[], a: number, cblen: number): number {
  if (av[a] === undefined || av[a + 1] === undefined) errx(ctx, EX_DATAERR, "MAC dst src");
  b.set_opcode(w, O_MACADDR2);
  b.set_len(w, (b.len(w) & (F_NOT | F_OR)) | INSN_SIZE.ipfw_insn_mac);
  CHECK_LENGTH(ctx, cblen, b.flen(w));
  const off = (w + 1) * 4;
  const addr = b.u8.subarray(off, off + 12);
  const mask = b.u8.subarray(off + 12, off + 24);
  get_mac_addr_mask(ctx, av[a], addr.subarray(0, 6), mask.subarray(0, 6));
  get_mac_addr_mask(ctx, av[a + 1], addr.subarray(6, 12), mask.subarray(6, 12));
  return w;
}

/** add_srcmac: `src-mac table(name[,value])`, the only form there is. */
function add_srcmac(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, ts: tidx): void {
  if (av.startsWith("table(")) fill_table(ctx, b, w, av, O_MAC_SRC_LOOKUP, ts);
  else errx(ctx, EX_DATAERR, `only mac table lookup is supported ${av}`);
}

/** add_dstmac: `dst-mac table(name[,value])`. */
function add_dstmac(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, ts: tidx): void {
  if (av.startsWith("table(")) fill_table(ctx, b, w, av, O_MAC_DST_LOOKUP, ts);
  else errx(ctx, EX_DATAERR, `only mac table lookup is supported ${av}`);
}

function add_mactype(ctx: ipfw_ctx, b: insn_buf, w: number, av: string | undefined, cblen: number): boolean {
  if (av === undefined) errx(ctx, EX_DATAERR, "missing MAC type");
  if (av !== "any") {
    fill_newports(ctx, b, w, av, IPPROTO_ETHERTYPE, cblen);
    b.set_opcode(w, O_MAC_TYPE);
    return true;
  }
  return false;
}

function add_proto0(b: insn_buf, w: number, av: string, pr: { proto: number }): boolean {
  const r = strtoul(av, 10);
  let proto = ulong_to_int(r);
  if (r.rest !== "" || av.length === 0 || proto <= 0 || /^[+-]/.test(av.trim())) {
    const p = getprotobyname(av);
    if (p === null) return false;
    proto = p;
  }
  fill_cmd(b, w, O_PROTO, 0, proto);
  pr.proto = proto & 0xff;
  return true;
}

function add_proto(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, pr: { proto: number }, compat: boolean): boolean {
  let proto = IPPROTO_IP;
  if (_substrcmp(ctx, av, "all") === 0 || av === "ip") {
    /* neither O_IP4 nor O_IP6 */
  } else if (av === "ip4" || (compat && av === "ipv4")) fill_cmd(b, w, O_IP4, 0, 0);
  else if (av === "ip6" || (compat && av === "ipv6")) {
    proto = IPPROTO_IPV6;
    fill_cmd(b, w, O_IP6, 0, 0);
  } else return add_proto0(b, w, av, pr);
  pr.proto = proto;
  return true;
}

function add_srcip(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, cblen: number, ts: tidx): number {
  fill_ip(ctx, b, w, av, cblen, ts);
  const op = b.opcode(w);
  if (op === O_IP_DST_SET) b.set_opcode(w, O_IP_SRC_SET);
  else if (op === O_IP_DST_LOOKUP) b.set_opcode(w, O_IP_SRC_LOOKUP);
  else if (b.flen(w) === INSN_SIZE.ipfw_insn) b.set_opcode(w, O_IP_SRC_ME);
  else if (b.flen(w) === INSN_SIZE.ipfw_insn_u32) b.set_opcode(w, O_IP_SRC);
  else b.set_opcode(w, O_IP_SRC_MASK);
  return w;
}

function add_dstip(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, cblen: number, ts: tidx): number {
  fill_ip(ctx, b, w, av, cblen, ts);
  const op = b.opcode(w);
  if (op === O_IP_DST_SET || op === O_IP_DST_LOOKUP) {
    /* already right */
  } else if (b.flen(w) === INSN_SIZE.ipfw_insn) b.set_opcode(w, O_IP_DST_ME);
  else if (b.flen(w) === INSN_SIZE.ipfw_insn_u32) b.set_opcode(w, O_IP_DST);
  else b.set_opcode(w, O_IP_DST_MASK);
  return w;
}

function add_ports(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, proto: number, opcode: number, cblen: number): boolean {
  if (match_token(f_reserved_keywords, av) !== -1) return false;
  if (fill_newports(ctx, b, w, av, proto, cblen) !== 0) {
    b.set_opcode(w, opcode);
    return true;
  }
  return false;
}

function is_ip6_host(av: string): boolean {
  const ch = av.search(/[/,]/);
  const host = ch >= 0 ? av.slice(0, ch) : av;
  return inet_pton(AF_INET6, host, new Uint8Array(16)) === 1;
}

function add_src(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, proto: number, cblen: number, ts: tidx): number | null {
  let ret: number | null = null;
  const v6 = is_ip6_host(av);
  if (proto === IPPROTO_IPV6 || av === "me6" || v6) ret = add_srcip6(ctx, b, w, av, cblen, ts);
  if (ret === null && (proto === IPPROTO_IP || av === "me" || !v6)) ret = add_srcip(ctx, b, w, av, cblen, ts);
  if (ret === null && av !== "any") ret = w;
  return ret;
}

function add_dst(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, proto: number, cblen: number, ts: tidx): number | null {
  let ret: number | null = null;
  const v6 = is_ip6_host(av);
  if (proto === IPPROTO_IPV6 || av === "me6" || v6) ret = add_dstip6(ctx, b, w, av, cblen, ts);
  if (ret === null && (proto === IPPROTO_IP || av === "me" || !v6)) ret = add_dstip(ctx, b, w, av, cblen, ts);
  if (ret === null && av !== "any") ret = w;
  return ret;
}

/** GET_UINT_ARG: a number in [min, max] or "tablearg". */
function get_uint_arg(ctx: ipfw_ctx, av: string | undefined, min: number, max: number, tok: number, table: s_x): number {
  const what = match_value(table, tok) ?? "";
  if (av === undefined) errx(ctx, EX_USAGE, `${what}: missing argument`);
  if (_substrcmp(ctx, av, "tablearg") === 0) return IP_FW_TARG;
  const r = strtoul(av, 10);
  if (!isdigit(av[0]) || r.rest !== "") errx(ctx, EX_DATAERR, `${what}: invalid argument: ${av}`);
  if (r.v < min || r.v > max) errx(ctx, EX_DATAERR, `${what}: argument is out of range (${min}..${max}): ${av}`);
  if (r.v === IP_FW_TARG) errx(ctx, EX_DATAERR, `${what}: illegal argument value: ${av}`);
  return r.v;
}

/**
 * compile_rule: the words after "add" into a rule.  Match instructions go
 * to one buffer and the action (with its log/altq/tag modifiers) to another,
 * then they are copied into the rule in the kernel's order: O_PROB,
 * O_PROBE_STATE, the matches, the state opcode, defer-action, then from
 * act_ofs the modifiers and the action.
 */
export function compile_rule(ctx: ipfw_ctx, av_in: string[], ts: tidx, rbufwords = 1024 - 6): rule_bytes {
  const av = av_in.slice();
  let a = 1; // av[0] is "add"
  const cmdb = new insn_buf(255);
  const actb = new insn_buf(255);
  const rule = new rule_bytes(rbufwords);
  const rblen = { v: rbufwords - (ip_fw_rule_cmd + 4) / 4 };
  const ablen = { v: 255 };
  const cblen = { v: 255 - (INSN_SIZE.ipfw_insn_u32 + 1) };
  let cmd = 0;
  let action = 0;
  let prev: number | null = null;
  let have_state: { b: insn_buf; w: number } | null = null;
  let have_rstate = false;
  let have_log: number | null = null;
  let have_altq: number | null = null;
  let have_tag: number | null = null;
  let have_skipcmd: number | null = null;
  let open_par = false;
  const pr = { proto: IPPROTO_IP };
  let match_prob = 1;

  if (av[a] !== undefined && isdigit(av[a][0])) {
    rule.rulenum = atoi(av[a]) >>> 0;
    a++;
  }
  if (av[a] !== undefined && av[a + 1] !== undefined && _substrcmp(ctx, av[a], "set") === 0) {
    const set = ulong_to_int(strtoul(av[a + 1], 10));
    if (set < 0 || set > RESVD_SET) errx(ctx, EX_DATAERR, `illegal set ${av[a + 1]}`);
    rule.set = set;
    ts.set = set;
    a += 2;
  }
  if (av[a] !== undefined && av[a + 1] !== undefined && _substrcmp(ctx, av[a], "prob") === 0) {
    match_prob = strtod(av[a + 1]).v;
    if (match_prob <= 0 || match_prob > 1) errx(ctx, EX_DATAERR, `illegal match prob. ${av[a + 1]}`);
    a += 2;
  }

  NEED1(ctx, av, a, "missing action");
  const i = match_token(rule_actions, av[a]);
  a++;
  actb.set_len(action, 1);
  const chkarg = (opcode: number): void => {
    actb.set_opcode(action, opcode);
    const what = av[a - 1];
    if (av[a] === undefined) errx(ctx, EX_USAGE, `missing argument for ${what}`);
    if (isdigit(av[a][0])) {
      const v = ulong_to_u16(strtoul(av[a], 10));
      actb.set_arg1(action, v);
      if (v <= 0 || v >= IP_FW_TABLEARG) errx(ctx, EX_DATAERR, `illegal argument for ${what}`);
    } else if (_substrcmp(ctx, av[a], "tablearg") === 0) actb.set_arg1(action, IP_FW_TARG);
    else if (i === TOK.DIVERT || i === TOK.TEE) {
      // A divert service of /etc/services ("natd").
      const port = netdb_getservbyname(av[a], "divert");
      if (port === null) errx(ctx, EX_DATAERR, "illegal divert/tee port");
      actb.set_arg1(action, port);
    } else errx(ctx, EX_DATAERR, `illegal argument for ${what}`);
    a++;
  };
  switch (i) {
    case TOK.CHECKSTATE:
      have_state = { b: actb, w: action };
      actb.set_opcode(action, O_CHECK_STATE);
      if (av[a] === undefined || match_token(rule_options, av[a]) === TOK.COMMENT) {
        actb.set_arg1(action, pack_object(ts, default_state_name, IPFW_TLV_STATE_NAME));
        break;
      }
      if (av[a][0] === ":") {
        const n = av[a].slice(1);
        if (n === "any") actb.set_arg1(action, 0);
        else if (state_check_name(n) === 0) actb.set_arg1(action, pack_object(ts, n, IPFW_TLV_STATE_NAME));
        else errx(ctx, EX_DATAERR, `Invalid state name ${av[a]}`);
        a++;
        break;
      }
      errx(ctx, EX_DATAERR, `Invalid state name ${av[a]}`);
      break;
    case TOK.ABORT:
      actb.set_opcode(action, O_REJECT);
      actb.set_arg1(action, ICMP_REJECT_ABORT);
      break;
    case TOK.ABORT6:
      actb.set_opcode(action, O_UNREACH6);
      actb.set_arg1(action, ICMP6_UNREACH_ABORT);
      break;
    case TOK.ACCEPT:
      actb.set_opcode(action, O_ACCEPT);
      break;
    case TOK.DENY:
      actb.set_opcode(action, O_DENY);
      actb.set_arg1(action, 0);
      break;
    case TOK.REJECT:
      actb.set_opcode(action, O_REJECT);
      actb.set_arg1(action, ICMP_UNREACH_HOST);
      break;
    case TOK.RESET:
      actb.set_opcode(action, O_REJECT);
      actb.set_arg1(action, ICMP_REJECT_RST);
      break;
    case TOK.RESET6:
      actb.set_opcode(action, O_UNREACH6);
      actb.set_arg1(action, ICMP6_UNREACH_RST);
      break;
    case TOK.UNREACH:
      actb.set_opcode(action, O_REJECT);
      NEED1(ctx, av, a, "missing reject code");
      actb.set_arg1(action, fill_reject_code(ctx, av[a]));
      a++;
      break;
    case TOK.UNREACH6:
      actb.set_opcode(action, O_UNREACH6);
      NEED1(ctx, av, a, "missing unreach code");
      actb.set_arg1(action, fill_unreach6_code(ctx, av[a]));
      a++;
      break;
    case TOK.COUNT:
      actb.set_opcode(action, O_COUNT);
      break;
    case TOK.NAT:
      actb.set_opcode(action, O_NAT);
      actb.set_len(action, INSN_SIZE.ipfw_insn_nat);
      if (av[a] !== undefined && _substrcmp(ctx, av[a], "global") === 0) {
        actb.set_arg1(action, IP_FW_NAT44_GLOBAL);
        a++;
        break;
      }
      chkarg(O_NAT);
      break;
    case TOK.QUEUE:
      chkarg(O_QUEUE);
      break;
    case TOK.PIPE:
      chkarg(O_PIPE);
      break;
    case TOK.SKIPTO:
      chkarg(O_SKIPTO);
      break;
    case TOK.NETGRAPH:
      chkarg(O_NETGRAPH);
      break;
    case TOK.NGTEE:
      chkarg(O_NGTEE);
      break;
    case TOK.DIVERT:
      chkarg(O_DIVERT);
      break;
    case TOK.TEE:
      chkarg(O_TEE);
      break;
    case TOK.CALL:
      chkarg(O_CALLRETURN);
      break;
    case TOK.FORWARD:
      NEED1(ctx, av, a, "missing forward address[:port]");
      compile_forward(ctx, actb, action, av[a]);
      a++;
      break;
    case TOK.COMMENT:
      // A rule that is only a comment counts.
      actb.set_opcode(action, O_COUNT);
      a--;
      break;
    case TOK.SETFIB: {
      actb.set_opcode(action, O_SETFIB);
      NEED1(ctx, av, a, "missing fib number");
      if (_substrcmp(ctx, av[a], "tablearg") === 0) actb.set_arg1(action, IP_FW_TARG);
      else {
        const fib = ulong_to_u16(strtoul(av[a], 10));
        const r = sysctlbyname(ctx.prog.p, "net.fibs");
        if (r.error !== 0 || typeof r.value !== "number") errx(ctx, EX_DATAERR, "fibs not suported.\n");
        if (fib >= r.value) errx(ctx, EX_DATAERR, "fib too large.\n");
        actb.set_arg1(action, fib | 0x8000);
      }
      a++;
      break;
    }
    case TOK.SETDSCP: {
      actb.set_opcode(action, O_SETDSCP);
      NEED1(ctx, av, a, "missing DSCP code");
      if (_substrcmp(ctx, av[a], "tablearg") === 0) actb.set_arg1(action, IP_FW_TARG);
      else {
        let code: number;
        if (isalpha(av[a][0])) {
          code = match_token(f_ipdscp, av[a]);
          if (code === -1) errx(ctx, EX_DATAERR, "Unknown DSCP code");
        } else code = ulong_to_u16(strtoul(av[a], 10));
        actb.set_arg1(action, code | 0x8000);
      }
      a++;
      break;
    }
    case TOK.REASS:
      actb.set_opcode(action, O_REASS);
      break;
    case TOK.RETURN:
      fill_cmd(actb, action, O_CALLRETURN, F_NOT, 0);
      break;
    case TOK.TCPSETMSS: {
      const idx = pack_object(ts, "tcp-setmss", IPFW_TLV_EACTION);
      fill_cmd(actb, action, O_EXTERNAL_ACTION, 0, idx);
      NEED1(ctx, av, a, "Missing MSS value");
      action = next_cmd(ctx, actb, action, ablen);
      actb.set_len(action, 1);
      const mss = strtoul(av[a], 10).v;
      if (mss === 0 || mss > 0xffff) errx(ctx, EX_USAGE, `invalid MSS value ${av[a]}`);
      fill_cmd(actb, action, O_EXTERNAL_DATA, 0, mss);
      a++;
      break;
    }
    case TOK.EACTION:
    default: {
      if (i !== TOK.EACTION) {
        a--;
        if (match_token(rule_eactions, av[a]) === -1) errx(ctx, EX_DATAERR, `invalid action ${av[a]}\n`);
      }
      NEED1(ctx, av, a, "Missing eaction name");
      if (eaction_check_name(av[a]) !== 0) errx(ctx, EX_DATAERR, `Invalid eaction name ${av[a]}`);
      fill_cmd(actb, action, O_EXTERNAL_ACTION, 0, pack_object(ts, av[a], IPFW_TLV_EACTION));
      a++;
      NEED1(ctx, av, a, "Missing eaction instance name");
      action = next_cmd(ctx, actb, action, ablen);
      actb.set_len(action, 1);
      if (eaction_check_name(av[a]) !== 0) errx(ctx, EX_DATAERR, `Invalid eaction instance name ${av[a]}`);
      fill_cmd(actb, action, O_EXTERNAL_INSTANCE, 0, pack_object(ts, av[a], 0));
      a++;
    }
  }
  action = next_cmd(ctx, actb, action, ablen);

  // [log [logamount N]] [altq q] [tag|untag N]: first in cmdbuf, moved later.
  let t: number;
  while (av[a] !== undefined && (t = match_token(rule_action_params, av[a])) !== -1) {
    a++;
    switch (t) {
      case TOK.LOG: {
        if (have_log !== null) errx(ctx, EX_DATAERR, "log cannot be specified more than once");
        have_log = cmd;
        cmdb.set_len(cmd, INSN_SIZE.ipfw_insn_log);
        CHECK_LENGTH(ctx, cblen.v, cmdb.flen(cmd));
        cmdb.set_opcode(cmd, O_LOG);
        cmdb.zero(cmd + 1, 2);
        if (av[a] !== undefined && _substrcmp(ctx, av[a], "logamount") === 0) {
          a++;
          NEED1(ctx, av, a, "logamount requires argument");
          const l = atoi(av[a]);
          if (l < 0) errx(ctx, EX_DATAERR, "logamount must be positive");
          cmdb.set_u32(cmd + 1, l);
          a++;
        } else {
          const r = sysctlbyname(ctx.prog.p, "net.inet.ip.fw.verbose_limit");
          if (r.error !== 0 || typeof r.value !== "number") {
            if (ctx.co.test_only) cmdb.set_u32(cmd + 1, 0);
            else errx(ctx, 1, `sysctlbyname("net.inet.ip.fw.verbose_limit")`);
          } else cmdb.set_u32(cmd + 1, r.value);
        }
        break;
      }
      case TOK.ALTQ:
        // Built without ALTQ (no pf), as FreeBSD's ipfw is without PF: the word is not known.
        NEED1(ctx, av, a, "missing altq queue name");
        errx(ctx, EX_DATAERR, "altq support not compiled in");
        break;
      case TOK.TAG:
      case TOK.UNTAG: {
        if (have_tag !== null) errx(ctx, EX_USAGE, "tag and untag cannot be specified more than once");
        const tag = get_uint_arg(ctx, av[a], IPFW_ARG_MIN, IPFW_ARG_MAX, t, rule_action_params);
        have_tag = cmd;
        fill_cmd(cmdb, cmd, O_TAG, t === TOK.TAG ? 0 : F_NOT, tag);
        a++;
        break;
      }
    }
    cmd = next_cmd(ctx, cmdb, cmd, cblen);
  }

  let done = false;
  if (have_state !== null) {
    // check-state: nothing but an optional comment follows.
    if (av[a] !== undefined && match_token(rule_options, av[a]) === TOK.COMMENT) {
      a++;
      fill_comment(ctx, cmdb, cmd, av, a, cblen.v);
      cmd = next_cmd(ctx, cmdb, cmd, cblen);
      a = av.length;
    }
    done = true;
  }

  /* OR_START, NOT_BLOCK, OR_BLOCK, CLOSE_PAR of ipfw2.c */
  const or_start = (): void => {
    if (av[a] !== undefined && (av[a][0] === "(" || av[a][0] === "{")) {
      if (open_par) errx(ctx, EX_USAGE, 'nested "(" not allowed\n');
      prev = null;
      open_par = true;
      if (av[a].length === 1) a++;
      else av[a] = av[a].slice(1);
    }
  };
  const close_par = (): void => {
    if (open_par) {
      if (av[a] !== undefined && (av[a] === ")" || av[a] === "}")) {
        prev = null;
        open_par = false;
        a++;
      } else errx(ctx, EX_USAGE, 'missing ")"\n');
    }
  };
  const not_block = (): void => {
    if (av[a] !== undefined && _substrcmp(ctx, av[a], "not") === 0) {
      if ((cmdb.len(cmd) & F_NOT) !== 0) errx(ctx, EX_USAGE, 'double "not" not allowed\n');
      cmdb.set_len(cmd, cmdb.len(cmd) | F_NOT);
      a++;
    }
  };
  /** true: an "or" follows, go back to the block's start. */
  const or_block = (): boolean => {
    if (av[a] !== undefined && _substrcmp(ctx, av[a], "or") === 0) {
      if (prev === null || !open_par) errx(ctx, EX_DATAERR, "invalid OR block");
      cmdb.set_len(prev, cmdb.len(prev) | F_OR);
      a++;
      return true;
    }
    close_par();
    return false;
  };

  let justopts = false;
  if (!done) {
    let first_cmd = cmd;
    // protocol, mandatory
    or_start();
    for (;;) {
      not_block();
      NEED1(ctx, av, a, "missing protocol");
      if (add_proto(ctx, cmdb, cmd, av[a], pr, true)) {
        a++;
        if (cmdb.flen(cmd) !== 0) {
          prev = cmd;
          cmd = next_cmd(ctx, cmdb, cmd, cblen);
        }
      } else if (first_cmd !== cmd) {
        errx(ctx, EX_DATAERR, `invalid protocol \`\`${av[a]}''`);
      } else {
        rule.flags |= IPFW_RULE_JUSTOPTS;
        justopts = true;
        break;
      }
      if (!or_block()) break;
    }
    if (!justopts) {
      first_cmd = cmd;
      if (av[a] === undefined || _substrcmp(ctx, av[a], "from") !== 0) errx(ctx, EX_USAGE, "missing ``from''");
      a++;
      or_start();
      for (;;) {
        not_block();
        NEED1(ctx, av, a, "missing source address");
        if (add_src(ctx, cmdb, cmd, av[a], pr.proto, cblen.v, ts) !== null) {
          a++;
          if (cmdb.flen(cmd) !== 0) {
            prev = cmd;
            cmd = next_cmd(ctx, cmdb, cmd, cblen);
          }
        } else errx(ctx, EX_USAGE, `bad source address ${av[a]}`);
        if (!or_block()) break;
      }
      not_block();
      if (av[a] !== undefined) {
        if (_substrcmp(ctx, av[a], "any") === 0 || add_ports(ctx, cmdb, cmd, av[a], pr.proto, O_IP_SRCPORT, cblen.v)) {
          a++;
          if (cmdb.flen(cmd) !== 0) cmd = next_cmd(ctx, cmdb, cmd, cblen);
        }
      }
      if (av[a] === undefined || _substrcmp(ctx, av[a], "to") !== 0) errx(ctx, EX_USAGE, "missing ``to''");
      a++;
      or_start();
      for (;;) {
        not_block();
        NEED1(ctx, av, a, "missing dst address");
        if (add_dst(ctx, cmdb, cmd, av[a], pr.proto, cblen.v, ts) !== null) {
          a++;
          if (cmdb.flen(cmd) !== 0) {
            prev = cmd;
            cmd = next_cmd(ctx, cmdb, cmd, cblen);
          }
        } else errx(ctx, EX_USAGE, `bad destination address ${av[a]}`);
        if (!or_block()) break;
      }
      not_block();
      if (av[a] !== undefined) {
        if (_substrcmp(ctx, av[a], "any") === 0 || add_ports(ctx, cmdb, cmd, av[a], pr.proto, O_IP_DSTPORT, cblen.v)) {
          a++;
          if (cmdb.flen(cmd) !== 0) cmd = next_cmd(ctx, cmdb, cmd, cblen);
        }
      }
      if (first_cmd === cmd) rule.flags |= IPFW_RULE_NOOPT;
    }

    // read_options
    prev = null;
    while (av[a] !== undefined) {
      let s = av[a];
      if (s[0] === "!") {
        if ((cmdb.len(cmd) & F_NOT) !== 0) errx(ctx, EX_USAGE, 'double "not" not allowed\n');
        cmdb.set_len(cmd, F_NOT);
        s = s.slice(1);
      }
      const tok = match_token(rule_options, s);
      a++;
      const w = cmd;
      switch (tok) {
        case TOK.NOT:
          if ((cmdb.len(w) & F_NOT) !== 0) errx(ctx, EX_USAGE, 'double "not" not allowed\n');
          cmdb.set_len(w, F_NOT);
          break;
        case TOK.OR:
          if (!open_par || prev === null) errx(ctx, EX_USAGE, 'invalid "or" block\n');
          cmdb.set_len(prev, cmdb.len(prev) | F_OR);
          break;
        case TOK.STARTBRACE:
          if (open_par) errx(ctx, EX_USAGE, '+nested "(" not allowed\n');
          open_par = true;
          break;
        case TOK.ENDBRACE:
          if (!open_par) errx(ctx, EX_USAGE, '+missing ")"\n');
          open_par = false;
          prev = null;
          break;
        case TOK.IN:
          fill_cmd(cmdb, w, O_IN, 0, 0);
          break;
        case TOK.OUT:
          cmdb.set_len(w, cmdb.len(w) ^ F_NOT);
          fill_cmd(cmdb, w, O_IN, 0, 0);
          break;
        case TOK.DIVERTED:
          fill_cmd(cmdb, w, O_DIVERTED, 0, 3);
          break;
        case TOK.DIVERTEDLOOPBACK:
          fill_cmd(cmdb, w, O_DIVERTED, 0, 1);
          break;
        case TOK.DIVERTEDOUTPUT:
          fill_cmd(cmdb, w, O_DIVERTED, 0, 2);
          break;
        case TOK.FRAG: {
          const m = { set: 0, clear: 0 };
          if (av[a] !== undefined && fill_flags(f_ipoff, av[a], m) === null && av[a] !== "") a++;
          else {
            // "frag" alone is "frag offset".
            m.set = 0x01;
            m.clear = 0;
          }
          fill_cmd(cmdb, w, O_FRAG, 0, (m.set & 0xff) | ((m.clear & 0xff) << 8));
          break;
        }
        case TOK.LAYER2:
          fill_cmd(cmdb, w, O_LAYER2, 0, 0);
          break;
        case TOK.XMIT:
        case TOK.RECV:
        case TOK.VIA:
          NEED1(ctx, av, a, "recv, xmit, via require interface name or address");
          fill_iface(ctx, cmdb, w, av[a], cblen.v, ts);
          a++;
          if (cmdb.flen(w) === 0) break;
          cmdb.set_opcode(w, tok === TOK.XMIT ? O_XMIT : tok === TOK.RECV ? O_RECV : O_VIA);
          break;
        case TOK.ICMPTYPES:
          NEED1(ctx, av, a, "icmptypes requires list of types");
          fill_icmptypes(ctx, cmdb, w, av[a]);
          a++;
          break;
        case TOK.ICMP6TYPES:
          NEED1(ctx, av, a, "icmptypes requires list of types");
          fill_icmp6types(ctx, cmdb, w, av[a], cblen.v);
          a++;
          break;
        case TOK.IPTTL:
        case TOK.IPID:
        case TOK.IPLEN:
        case TOK.TCPDATALEN: {
          const [need, opc, bad] =
            tok === TOK.IPTTL ? ["ipttl requires TTL", O_IPTTL, "invalid ipttl"]
            : tok === TOK.IPID ? ["ipid requires id", O_IPID, "invalid ipid"]
            : tok === TOK.IPLEN ? ["iplen requires length", O_IPLEN, "invalid ip len"]
            : ["tcpdatalen requires length", O_TCPDATALEN, "invalid tcpdata len"];
          NEED1(ctx, av, a, need);
          if (/[-,]/.test(av[a])) {
            if (!add_ports(ctx, cmdb, w, av[a], 0, opc, cblen.v)) errx(ctx, EX_DATAERR, `${bad} ${av[a]}`);
          } else fill_cmd(cmdb, w, opc, 0, ulong_to_u16(strtoul(av[a], 0)));
          a++;
          break;
        }
        case TOK.IPVER:
          NEED1(ctx, av, a, "ipver requires version");
          fill_cmd(cmdb, w, O_IPVER, 0, ulong_to_u16(strtoul(av[a], 0)));
          a++;
          break;
        case TOK.IPPRECEDENCE:
          NEED1(ctx, av, a, "ipprecedence requires value");
          fill_cmd(cmdb, w, O_IPPRECEDENCE, 0, (ulong_to_u16(strtoul(av[a], 0)) & 7) << 5);
          a++;
          break;
        case TOK.DSCP:
          NEED1(ctx, av, a, "missing DSCP code");
          fill_dscp(ctx, cmdb, w, av[a], cblen.v);
          a++;
          break;
        case TOK.IPOPTS:
          NEED1(ctx, av, a, "missing argument for ipoptions");
          fill_flags_cmd(ctx, cmdb, w, O_IPOPT, f_ipopts, av[a]);
          a++;
          break;
        case TOK.IPTOS:
          NEED1(ctx, av, a, "missing argument for iptos");
          fill_flags_cmd(ctx, cmdb, w, O_IPTOS, f_iptos, av[a]);
          a++;
          break;
        case TOK.UID: {
          NEED1(ctx, av, a, "uid requires argument");
          cmdb.set_opcode(w, O_UID);
          const r = strtoul(av[a], 0);
          const uid = r.rest === "" ? (getpwuid(ulong_to_u32(r)) !== null ? ulong_to_u32(r) : null) : getpwnam(av[a]);
          if (uid === null) errx(ctx, EX_DATAERR, `uid "${av[a]}" nonexistent`);
          cmdb.set_u32(w + 1, uid);
          cmdb.set_len(w, cmdb.len(w) | INSN_SIZE.ipfw_insn_u32);
          a++;
          break;
        }
        case TOK.GID: {
          NEED1(ctx, av, a, "gid requires argument");
          cmdb.set_opcode(w, O_GID);
          const r = strtoul(av[a], 0);
          const gid = r.rest === "" ? (getgrgid(ulong_to_u32(r)) !== null ? ulong_to_u32(r) : null) : getgrnam(av[a]);
          if (gid === null) errx(ctx, EX_DATAERR, `gid "${av[a]}" nonexistent`);
          cmdb.set_u32(w + 1, gid);
          cmdb.set_len(w, cmdb.len(w) | INSN_SIZE.ipfw_insn_u32);
          a++;
          break;
        }
        case TOK.JAIL: {
          NEED1(ctx, av, a, "jail requires argument");
          cmdb.set_opcode(w, O_JAIL);
          const r = strtoul(av[a], 10);
          let jid = ulong_to_int(r);
          if (r.rest !== "" || av[a].length === 0) {
            jid = jail_getid(ctx.prog.p, av[a]);
            if (jid < 0) errx(ctx, EX_DATAERR, jail_errmsg.v);
          }
          cmdb.set_u32(w + 1, jid);
          cmdb.set_len(w, cmdb.len(w) | INSN_SIZE.ipfw_insn_u32);
          a++;
          break;
        }
        case TOK.ESTAB:
          fill_cmd(cmdb, w, O_ESTAB, 0, 0);
          break;
        case TOK.SETUP:
          fill_cmd(cmdb, w, O_TCPFLAGS, 0, TH_SYN | ((TH_ACK & 0xff) << 8));
          break;
        case TOK.TCPOPTS:
          NEED1(ctx, av, a, "missing argument for tcpoptions");
          fill_flags_cmd(ctx, cmdb, w, O_TCPOPTS, f_tcpopts, av[a]);
          a++;
          break;
        case TOK.TCPSEQ:
        case TOK.TCPACK:
          NEED1(ctx, av, a, "tcpseq/tcpack requires argument");
          cmdb.set_len(w, INSN_SIZE.ipfw_insn_u32);
          cmdb.set_opcode(w, tok === TOK.TCPSEQ ? O_TCPSEQ : O_TCPACK);
          cmdb.set_be32(w + 1, ulong_to_u32(strtoul(av[a], 0)));
          a++;
          break;
        case TOK.TCPMSS:
        case TOK.TCPWIN: {
          NEED1(ctx, av, a, "tcpmss/tcpwin requires size");
          const opc = tok === TOK.TCPWIN ? O_TCPWIN : O_TCPMSS;
          if (/[-,]/.test(av[a])) {
            if (!add_ports(ctx, cmdb, w, av[a], 0, opc, cblen.v)) errx(ctx, EX_DATAERR, `invalid ${s} size ${av[a]}`);
          } else fill_cmd(cmdb, w, opc, 0, ulong_to_u16(strtoul(av[a], 0)));
          a++;
          break;
        }
        case TOK.TCPFLAGS:
          NEED1(ctx, av, a, "missing argument for tcpflags");
          fill_flags_cmd(ctx, cmdb, w, O_TCPFLAGS, f_tcpflags, av[a]);
          a++;
          break;
        case TOK.KEEPSTATE:
        case TOK.RECORDSTATE: {
          if (open_par) errx(ctx, EX_USAGE, "keep-state or record-state cannot be part of an or block");
          if (have_state !== null) errx(ctx, EX_USAGE, "only one of keep-state, record-state,  limit and set-limit is allowed");
          let uidx: number;
          if (av[a] !== undefined && av[a][0] === ":") {
            if (state_check_name(av[a].slice(1)) !== 0) errx(ctx, EX_DATAERR, `Invalid state name ${av[a]}`);
            uidx = pack_object(ts, av[a].slice(1), IPFW_TLV_STATE_NAME);
            a++;
          } else uidx = pack_object(ts, default_state_name, IPFW_TLV_STATE_NAME);
          have_state = { b: cmdb, w };
          have_rstate = tok === TOK.RECORDSTATE;
          fill_cmd(cmdb, w, O_KEEP_STATE, 0, uidx);
          break;
        }
        case TOK.LIMIT:
        case TOK.SETLIMIT: {
          if (open_par) errx(ctx, EX_USAGE, "limit or set-limit cannot be part of an or block");
          if (have_state !== null) errx(ctx, EX_USAGE, "only one of keep-state, record-state,  limit and set-limit is allowed");
          have_state = { b: cmdb, w };
          have_rstate = tok === TOK.SETLIMIT;
          cmdb.set_len(w, INSN_SIZE.ipfw_insn_limit);
          CHECK_LENGTH(ctx, cblen.v, cmdb.flen(w));
          cmdb.set_opcode(w, O_LIMIT);
          cmdb.zero(w + 1);
          let lmask = 0;
          let val: number;
          while (av[a] !== undefined && (val = match_token(limit_masks, av[a])) > 0) {
            lmask |= val;
            a++;
          }
          if (lmask === 0) errx(ctx, EX_USAGE, "limit: missing limit mask");
          cmdb.u8[(w + 1) * 4 + 1] = lmask;
          cmdb.set_u16((w + 1) * 4 + 2, get_uint_arg(ctx, av[a], IPFW_ARG_MIN, IPFW_ARG_MAX, TOK.LIMIT, rule_options));
          a++;
          if (av[a] !== undefined && av[a][0] === ":") {
            if (state_check_name(av[a].slice(1)) !== 0) errx(ctx, EX_DATAERR, `Invalid state name ${av[a]}`);
            cmdb.set_arg1(w, pack_object(ts, av[a].slice(1), IPFW_TLV_STATE_NAME));
            a++;
          } else cmdb.set_arg1(w, pack_object(ts, default_state_name, IPFW_TLV_STATE_NAME));
          break;
        }
        case TOK.PROTO:
          NEED1(ctx, av, a, "missing protocol");
          if (add_proto(ctx, cmdb, w, av[a], pr, false)) a++;
          else errx(ctx, EX_DATAERR, `invalid protocol \`\`${av[a]}''`);
          break;
        case TOK.SRCIP:
          NEED1(ctx, av, a, "missing source IP");
          add_srcip(ctx, cmdb, w, av[a], cblen.v, ts);
          a++;
          break;
        case TOK.DSTIP:
          NEED1(ctx, av, a, "missing destination IP");
          add_dstip(ctx, cmdb, w, av[a], cblen.v, ts);
          a++;
          break;
        case TOK.SRCIP6:
          NEED1(ctx, av, a, "missing source IP6");
          add_srcip6(ctx, cmdb, w, av[a], cblen.v, ts);
          a++;
          break;
        case TOK.DSTIP6:
          NEED1(ctx, av, a, "missing destination IP6");
          add_dstip6(ctx, cmdb, w, av[a], cblen.v, ts);
          a++;
          break;
        case TOK.SRCPORT:
          NEED1(ctx, av, a, "missing source port");
          if (_substrcmp(ctx, av[a], "any") === 0 || add_ports(ctx, cmdb, w, av[a], pr.proto, O_IP_SRCPORT, cblen.v)) a++;
          else errx(ctx, EX_DATAERR, `invalid source port ${av[a]}`);
          break;
        case TOK.DSTPORT:
          NEED1(ctx, av, a, "missing destination port");
          if (_substrcmp(ctx, av[a], "any") === 0 || add_ports(ctx, cmdb, w, av[a], pr.proto, O_IP_DSTPORT, cblen.v)) a++;
          else errx(ctx, EX_DATAERR, `invalid destination port ${av[a]}`);
          break;
        case TOK.SRCMAC:
          NEED1(ctx, av, a, "missing source MAC");
          add_srcmac(ctx, cmdb, w, av[a], ts);
          a++;
          break;
        case TOK.DSTMAC:
          NEED1(ctx, av, a, "missing destination MAC");
          add_dstmac(ctx, cmdb, w, av[a], ts);
          a++;
          break;
        case TOK.MAC:
          add_mac(ctx, cmdb, w, av, a, cblen.v);
          a += 2;
          break;
        case TOK.MACTYPE:
          NEED1(ctx, av, a, "missing mac type");
          if (!add_mactype(ctx, cmdb, w, av[a], cblen.v)) errx(ctx, EX_DATAERR, `invalid mac type ${av[a]}`);
          a++;
          break;
        case TOK.VERREVPATH:
          fill_cmd(cmdb, w, O_VERREVPATH, 0, 0);
          break;
        case TOK.VERSRCREACH:
          fill_cmd(cmdb, w, O_VERSRCREACH, 0, 0);
          break;
        case TOK.ANTISPOOF:
          fill_cmd(cmdb, w, O_ANTISPOOF, 0, 0);
          break;
        case TOK.IPSEC:
          fill_cmd(cmdb, w, O_IPSEC, 0, 0);
          break;
        case TOK.IPV6:
          fill_cmd(cmdb, w, O_IP6, 0, 0);
          break;
        case TOK.IPV4:
          fill_cmd(cmdb, w, O_IP4, 0, 0);
          break;
        case TOK.EXT6HDR:
          NEED1(ctx, av, a, "missing extension header");
          fill_ext6hdr(ctx, cmdb, w, av[a]);
          a++;
          break;
        case TOK.FLOWID:
          if (pr.proto !== IPPROTO_IPV6) errx(ctx, EX_USAGE, "flow-id filter is active only for ipv6 protocol\n");
          fill_flow6(ctx, cmdb, w, av[a] ?? "", cblen.v);
          a++;
          break;
        case TOK.COMMENT:
          fill_comment(ctx, cmdb, w, av, a, cblen.v);
          a = av.length;
          break;
        case TOK.TAGGED:
          if (av[a] !== undefined && /[-,]/.test(av[a])) {
            if (!add_ports(ctx, cmdb, w, av[a], 0, O_TAGGED, cblen.v)) errx(ctx, EX_DATAERR, `tagged: invalid tag list: ${av[a]}`);
          } else fill_cmd(cmdb, w, O_TAGGED, 0, get_uint_arg(ctx, av[a], IPFW_ARG_MIN, IPFW_ARG_MAX, TOK.TAGGED, rule_options));
          a++;
          break;
        case TOK.FIB:
          NEED1(ctx, av, a, "fib requires fib number");
          fill_cmd(cmdb, w, O_FIB, 0, ulong_to_u16(strtoul(av[a], 0)));
          a++;
          break;
        case TOK.SOCKARG:
          fill_cmd(cmdb, w, O_SOCKARG, 0, 0);
          break;
        case TOK.LOOKUP: {
          if (av[a] === undefined || av[a + 1] === undefined) errx(ctx, EX_USAGE, "format: lookup argument tablenum");
          cmdb.set_opcode(w, O_IP_DST_LOOKUP);
          cmdb.set_len(w, cmdb.len(w) | (INSN_SIZE.ipfw_insn + 2));
          const j = match_token(lookup_keys, av[a]);
          if (j === -1) errx(ctx, EX_USAGE, `format: cannot lookup on ${av[a]}`);
          cmdb.set_u32(w + 1, 0);
          cmdb.set_u32(w + 2, j);
          a++;
          const tb = pack_table(ts, av[a]);
          if (tb === 0) errx(ctx, EX_DATAERR, `Invalid table name: ${av[a]}`);
          cmdb.set_arg1(w, tb);
          a++;
          break;
        }
        case TOK.FLOW:
          NEED1(ctx, av, a, "missing table name");
          if (!av[a].startsWith("table(")) errx(ctx, EX_DATAERR, 'enclose table name into "table()"');
          fill_table(ctx, cmdb, w, av[a], O_IP_FLOW_LOOKUP, ts);
          a++;
          break;
        case TOK.SKIPACTION:
          if (have_skipcmd !== null) errx(ctx, EX_USAGE, "only one defer-action is allowed");
          have_skipcmd = w;
          fill_cmd(cmdb, w, O_SKIP_ACTION, 0, 0);
          break;
        default:
          errx(ctx, EX_USAGE, `unrecognised option [${tok}] ${s}\n`);
      }
      if (cmdb.flen(cmd) > 0) {
        prev = cmd;
        cmd = next_cmd(ctx, cmdb, cmd, cblen);
      }
    }
  }

  // done:
  if (have_state === null && have_skipcmd !== null)
    warnx(ctx, 'Rule contains "defer-immediate-action" and doesn\'t contain any state-related options.');

  const r = rule.cmd;
  let dst = 0;
  const put = (src: insn_buf, sw: number): void => {
    const n = src.flen(sw);
    CHECK_LENGTH(ctx, rblen.v, n);
    rblen.v -= n;
    src.copy_words(r, dst, sw, n);
    dst += n;
  };
  if (match_prob !== 1) {
    r.set_opcode(dst, O_PROB);
    r.set_len(dst, 2);
    r.set_arg1(dst, 0);
    r.set_u32(dst + 1, Math.trunc(match_prob * 0x7fffffff));
    dst += 2;
  }
  const hs = have_state as { b: insn_buf; w: number } | null;
  if (hs !== null && hs.b.opcode(hs.w) !== O_CHECK_STATE && !have_rstate) {
    r.zero(dst);
    fill_cmd(r, dst, O_PROBE_STATE, 0, hs.b.arg1(hs.w));
    dst = next_cmd(ctx, r, dst, rblen);
  }
  for (let src = 0; src !== cmd; ) {
    const n = cmdb.flen(src);
    if (n === 0) break;
    switch (cmdb.opcode(src)) {
      case O_LOG:
      case O_KEEP_STATE:
      case O_LIMIT:
      case O_ALTQ:
      case O_TAG:
      case O_SKIP_ACTION:
        break;
      default:
        put(cmdb, src);
    }
    src += n;
  }
  if (hs !== null && hs.b.opcode(hs.w) !== O_CHECK_STATE) put(hs.b, hs.w);
  if (have_skipcmd !== null) put(cmdb, have_skipcmd);
  rule.act_ofs = dst;
  if (have_log !== null) put(cmdb, have_log);
  if (have_altq !== null) put(cmdb, have_altq);
  if (have_tag !== null) put(cmdb, have_tag);
  for (let src = 0; src !== action; ) {
    const n = actb.flen(src);
    if (n === 0) break;
    put(actb, src);
    src += n;
  }
  rule.cmd_len = dst;
  return rule;
}

/** fwd/forward: an IPv4 or IPv6 address with an optional port, or tablearg. */
function compile_forward(ctx: ipfw_ctx, b: insn_buf, w: number, arg: string): void {
  let family = AF_INET;
  let addr4 = 0;
  const addr6 = new Uint8Array(16);
  let port = 0;
  if (_substrcmp(ctx, arg, "tablearg") === 0) {
    addr4 = 0;
  } else {
    let s = arg;
    if (s.includes("[")) s = s.slice(1);
    let host = s;
    let portstr: string | null = null;
    const comma = s.indexOf(",");
    if (comma >= 0) {
      host = s.slice(0, comma);
      portstr = s.slice(comma + 1);
    } else {
      const br = s.indexOf("]");
      let rest = s;
      if (br >= 0) {
        host = s.slice(0, br);
        rest = s.slice(br + 1);
      }
      const c = rest.indexOf(":");
      if (c >= 0 && !rest.slice(c + 1).includes(":")) {
        if (br >= 0) portstr = rest.slice(c + 1);
        else {
          host = rest.slice(0, c);
          portstr = rest.slice(c + 1);
        }
      }
    }
    if (portstr !== null) {
      const r = strtoport(portstr, 0, 0);
      if (r.end === 0) errx(ctx, EX_DATAERR, `illegal forwarding port \`\`${portstr}''`);
      port = r.v & 0xffff;
    }
    const a4 = inet_aton(host) ?? gethostbyname4(host);
    if (a4 !== null && !host.includes(":")) {
      family = AF_INET;
      addr4 = a4;
    } else if (inet_pton(AF_INET6, host, addr6) === 1) family = AF_INET6;
    else errx(ctx, EX_DATAERR, "hostname nor servname provided, or not known");
  }
  if (family === AF_INET) {
    b.set_opcode(w, O_FORWARD_IP);
    b.set_len(w, INSN_SIZE.ipfw_insn_sa);
    const off = (w + 1) * 4;
    b.zero(w + 1, 4);
    b.u8[off] = 16; // sin_len
    b.u8[off + 1] = AF_INET;
    b.dv.setUint16(off + 2, port, true); // FreeBSD stores the port unconverted
    b.dv.setUint32(off + 4, addr4, false);
  } else {
    b.set_opcode(w, O_FORWARD_IP6);
    b.set_len(w, INSN_SIZE.ipfw_insn_sa6);
    const off = (w + 1) * 4;
    b.zero(w + 1, 7);
    b.u8[off] = 28;
    b.u8[off + 1] = AF_INET6;
    b.dv.setUint16(off + 2, port, true);
    b.u8.set(addr6, off + 8);
  }
}

function fill_icmptypes(ctx: ipfw_ctx, b: insn_buf, w: number, av: string): void {
  let bits = 0;
  let s = av;
  while (s.length > 0) {
    if (s[0] === ",") s = s.slice(1);
    const r = strtoul(s, 0);
    const type = ulong_to_u8(r);
    s = r.rest;
    if (s.length > 0 && s[0] !== ",") errx(ctx, EX_DATAERR, "invalid ICMP type");
    if (type > 31) errx(ctx, EX_DATAERR, "ICMP type out of range");
    bits |= 1 << type;
  }
  b.set_u32(w + 1, bits);
  b.set_opcode(w, O_ICMPTYPE);
  b.set_len(w, b.len(w) | INSN_SIZE.ipfw_insn_u32);
}

/* ---------- printing rules ---------- */

/** struct format_opts. */
export interface format_opts {
  bcwidth: number;
  pcwidth: number;
  show_counters: number;
  show_time: number;
  set_mask: number;
  flags: number;
  first: number;
  last: number;
  dcnt: number;
  tstate: obj_ntlv[] | null;
}
export function format_opts_new(): format_opts {
  return { bcwidth: 0, pcwidth: 0, show_counters: 0, show_time: 0, set_mask: 0, flags: 0, first: 0, last: 0, dcnt: 0, tstate: null };
}

/** struct ip_fw_bcounter. */
export interface ip_fw_bcounter {
  size: number;
  timestamp: number;
  pcnt: bigint;
  bcnt: bigint;
}

const HAVE_PROTO = 0x0001;
const HAVE_SRCIP = 0x0002;
const HAVE_DSTIP = 0x0004;
const HAVE_PROBE_STATE = 0x0008;

class show_state {
  printed: Uint8Array;
  eaction: number | null = null;
  flags = 0;
  proto = 0;
  or_block = 0;
  constructor(readonly rule: rule_bytes) {
    this.printed = new Uint8Array(Math.max(rule.cmd_len, 1));
  }
}

/** struct buf_pr, as a growing string. */
export class buf_pr {
  buf = "";
  printf(s: string): void {
    this.buf += s;
  }
}

function bprint_uint_arg(bp: buf_pr, str: string | null, arg: number): void {
  if (str !== null) bp.printf(str);
  bp.printf(arg === IP_FW_TARG ? "tablearg" : String(arg));
}

/** pr_u64: a right-aligned counter followed by a blank (width > 0), else its width. */
export function pr_u64(bp: buf_pr | null, v: bigint, width: number): number {
  const s = v.toString();
  if (width > 0 && bp !== null) {
    bp.printf(s.padStart(width) + " ");
    return Math.max(width, s.length) + 1;
  }
  return s.length;
}

function print_port(ctx: ipfw_ctx, bp: buf_pr, proto: number, port: number): void {
  if (proto === IPPROTO_ETHERTYPE) {
    const s = ctx.co.do_resolv ? match_value(ether_types, port) : null;
    bp.printf(s ?? "0x" + port.toString(16).padStart(4, "0"));
  } else {
    let se: string | null = null;
    if (ctx.co.do_resolv) se = getservbyport(port, getprotobynumber(proto));
    bp.printf(se ?? String(port));
  }
}

const _port_name: s_x = [
  ["dst-port", O_IP_DSTPORT], ["src-port", O_IP_SRCPORT], ["ipid", O_IPID], ["iplen", O_IPLEN], ["ipttl", O_IPTTL],
  ["mac-type", O_MAC_TYPE], ["tcpdatalen", O_TCPDATALEN], ["tcpmss", O_TCPMSS], ["tcpwin", O_TCPWIN], ["tagged", O_TAGGED],
];

function print_newports(ctx: ipfw_ctx, bp: buf_pr, b: insn_buf, w: number, proto: number, opcode: number): void {
  if (opcode !== 0) bp.printf(" " + (match_value(_port_name, opcode) ?? "???"));
  let sep = " ";
  let p = (w + 1) * 4;
  for (let i = b.flen(w) - 1; i > 0; i--, p += 4) {
    bp.printf(sep);
    const lo = b.u16(p);
    const hi = b.u16(p + 2);
    print_port(ctx, bp, proto, lo);
    if (lo !== hi) {
      bp.printf("-");
      print_port(ctx, bp, proto, hi);
    }
    sep = ",";
  }
}

function print_reject_code(bp: buf_pr, code: number): void {
  const s = match_value(icmpcodes, code);
  bp.printf(s !== null ? `unreach ${s}` : `unreach ${code}`);
}

function print_flags(bp: buf_pr, name: string, b: insn_buf, w: number, list: s_x): void {
  let set = b.arg1(w) & 0xff;
  let clear = (b.arg1(w) >> 8) & 0xff;
  if (list === f_tcpflags && set === TH_SYN && clear === TH_ACK) {
    bp.printf(" setup");
    return;
  }
  bp.printf(` ${name} `);
  let comma = "";
  for (const [s, x] of list) {
    if (x === 0) break;
    if (set & x) {
      set &= ~x;
      bp.printf(`${comma}${s}`);
      comma = ",";
    }
    if (clear & x) {
      clear &= ~x;
      bp.printf(`${comma}!${s}`);
      comma = ",";
    }
  }
}

/** print_mac_lookup: " table(name[,value])" of an O_MAC_*_LOOKUP. */
function print_mac_lookup(bp: buf_pr, fo: format_opts, b: insn_buf, w: number): void {
  bp.printf(" ");
  bp.printf(`table(${table_search_ctlv(fo.tstate, b.arg1(w))}`);
  if (b.flen(w) === INSN_SIZE.ipfw_insn_u32) bp.printf(`,${b.u32(w + 1)}`);
  bp.printf(")");
}

function print_ip(ctx: ipfw_ctx, bp: buf_pr, fo: format_opts, b: insn_buf, w: number): void {
  const op = b.opcode(w);
  let len = b.flen(w);
  bp.printf(" ");
  if (op === O_IP_DST_LOOKUP && len > INSN_SIZE.ipfw_insn_u32) {
    const d = b.u32(w + 2);
    const arg = match_value(lookup_keys, d) ?? "(null)";
    bp.printf(`lookup ${arg} ${table_search_ctlv(fo.tstate, b.arg1(w))}`);
    return;
  }
  if (op === O_IP_SRC_ME || op === O_IP_DST_ME) {
    bp.printf("me");
    return;
  }
  if (op === O_IP_SRC_LOOKUP || op === O_IP_DST_LOOKUP) {
    bp.printf(`table(${table_search_ctlv(fo.tstate, b.arg1(w))}`);
    if (len === INSN_SIZE.ipfw_insn_u32) bp.printf(`,${b.u32(w + 1)}`);
    bp.printf(")");
    return;
  }
  if (op === O_IP_SRC_SET || op === O_IP_DST_SET) {
    const n = b.arg1(w);
    const x = (~(n - 1)) >>> 0;
    const base = b.u32(w + 1);
    bp.printf(`${inet_ntoa(base)}/${contigmask32(x)}`);
    const lo = base & 0xff;
    const map = w + 2;
    const bit = (i: number): boolean => (b.u32(map + (i >> 5)) & (1 << (i & 31))) !== 0;
    let comma = "{";
    for (let i = 0; i < n; i++) {
      if (!bit(i)) continue;
      let j = i + 1;
      for (; j < n; j++) if (!bit(j)) break;
      bp.printf(`${comma}${i + lo}`);
      if (j > i + 2) {
        bp.printf(`-${j - 1 + lo}`);
        i = j - 1;
      }
      comma = ",";
    }
    bp.printf("}");
    return;
  }
  let d = w + 1;
  for (len = len >> 1; len > 0; len--, d += 2) {
    const mb = op === O_IP_SRC || op === O_IP_DST ? 32 : contigmask32(b.be32(d + 1));
    const he = mb === 32 && ctx.co.do_resolv ? gethostbyaddr(b.be32(d)) : null;
    if (he !== null) bp.printf(he);
    else if (mb === 0) bp.printf("any");
    else {
      bp.printf(inet_ntoa(b.be32(d)));
      if (mb < 0) bp.printf(`:${inet_ntoa(b.be32(d + 1))}`);
      else if (mb < 32) bp.printf(`/${mb}`);
    }
    if (len > 1) bp.printf(",");
  }
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, "0");
}
function format_mac(bp: buf_pr, addr: Uint8Array, mask: Uint8Array): void {
  const l = contigmask(mask, 48);
  if (l === 0) bp.printf(" any");
  else {
    bp.printf(" " + Array.from(addr, hex2).join(":"));
    if (l === -1) bp.printf("&" + Array.from(mask, hex2).join(":"));
    else if (l < 48) bp.printf(`/${l}`);
  }
}

function print_icmptypes(bp: buf_pr, b: insn_buf, w: number): void {
  bp.printf(" icmptypes");
  let sep = " ";
  const d = b.u32(w + 1);
  for (let i = 0; i < 32; i++) {
    if ((d & (1 << i)) === 0) continue;
    bp.printf(`${sep}${i}`);
    sep = ",";
  }
}

function print_dscp(bp: buf_pr, b: insn_buf, w: number): void {
  bp.printf(" dscp");
  let sep = " ";
  for (let i = 0; i < 64; i++) {
    const v = b.u32(w + 1 + (i >> 5));
    if ((v & (1 << (i & 31))) === 0) continue;
    bp.printf(`${sep}${match_value(f_ipdscp, i) ?? i}`);
    sep = ",";
  }
}

function print_limit_mask(bp: buf_pr, b: insn_buf, w: number): void {
  let x = b.u8[(w + 1) * 4 + 1];
  let comma = " ";
  for (const [s, v] of limit_masks) {
    if ((x & v) === v) {
      x &= ~v;
      bp.printf(`${comma}${s}`);
      comma = ",";
    }
  }
  bprint_uint_arg(bp, " ", b.u16((w + 1) * 4 + 2));
}

/** C's "%f": six decimals. */
function pr_double(d: number): string {
  return d.toFixed(6);
}

function print_instruction(ctx: ipfw_ctx, bp: buf_pr, fo: format_opts, st: show_state, w: number): boolean {
  const b = st.rule.cmd;
  if (st.printed[w]) return false;
  const op = b.opcode(w);
  const len = b.len(w);
  if ((len & F_OR) !== 0 && st.or_block === 0) bp.printf(" {");
  if (op !== O_IN && (len & F_NOT) !== 0) bp.printf(" not");
  switch (op) {
    case O_PROB:
      bp.printf(`prob ${pr_double(b.u32(w + 1) / 0x7fffffff)} `);
      break;
    case O_PROBE_STATE:
      st.flags |= HAVE_PROBE_STATE;
      break;
    case O_IP_SRC:
    case O_IP_SRC_LOOKUP:
    case O_IP_SRC_MASK:
    case O_IP_SRC_ME:
    case O_IP_SRC_SET:
      if (st.flags & HAVE_SRCIP) bp.printf(" src-ip");
      print_ip(ctx, bp, fo, b, w);
      break;
    case O_IP_DST:
    case O_IP_DST_LOOKUP:
    case O_IP_DST_MASK:
    case O_IP_DST_ME:
    case O_IP_DST_SET:
      if (st.flags & HAVE_DSTIP) bp.printf(" dst-ip");
      print_ip(ctx, bp, fo, b, w);
      break;
    case O_IP6_SRC:
    case O_IP6_SRC_MASK:
    case O_IP6_SRC_ME:
      if (st.flags & HAVE_SRCIP) bp.printf(" src-ip6");
      print_ip6(ctx, bp, b, w);
      break;
    case O_IP6_DST:
    case O_IP6_DST_MASK:
    case O_IP6_DST_ME:
      if (st.flags & HAVE_DSTIP) bp.printf(" dst-ip6");
      print_ip6(ctx, bp, b, w);
      break;
    case O_FLOW6ID:
      print_flow6id(bp, b, w);
      break;
    case O_IP_DSTPORT:
    case O_IP_SRCPORT:
      print_newports(ctx, bp, b, w, st.proto, (st.flags & (HAVE_SRCIP | HAVE_DSTIP)) === (HAVE_SRCIP | HAVE_DSTIP) ? op : 0);
      break;
    case O_PROTO: {
      const pe = getprotobynumber(b.arg1(w));
      if (st.flags & HAVE_PROTO) bp.printf(" proto");
      bp.printf(pe !== null ? ` ${pe}` : ` ${b.arg1(w)}`);
      st.proto = b.arg1(w);
      break;
    }
    case O_MACADDR2: {
      const off = (w + 1) * 4;
      bp.printf(" MAC");
      format_mac(bp, b.u8.subarray(off, off + 6), b.u8.subarray(off + 12, off + 18));
      format_mac(bp, b.u8.subarray(off + 6, off + 12), b.u8.subarray(off + 18, off + 24));
      break;
    }
    case O_MAC_SRC_LOOKUP:
      bp.printf(" src-mac");
      print_mac_lookup(bp, fo, b, w);
      break;
    case O_MAC_DST_LOOKUP:
      bp.printf(" dst-mac");
      print_mac_lookup(bp, fo, b, w);
      break;
    case O_MAC_TYPE:
      print_newports(ctx, bp, b, w, IPPROTO_ETHERTYPE, op);
      break;
    case O_FRAG:
      print_flags(bp, "frag", b, w, f_ipoff);
      break;
    case O_FIB:
      bp.printf(` fib ${b.arg1(w)}`);
      break;
    case O_SOCKARG:
      bp.printf(" sockarg");
      break;
    case O_IN:
      bp.printf(len & F_NOT ? " out" : " in");
      break;
    case O_DIVERTED:
      switch (b.arg1(w)) {
        case 3:
          bp.printf(" diverted");
          break;
        case 2:
          bp.printf(" diverted-output");
          break;
        case 1:
          bp.printf(" diverted-loopback");
          break;
        default:
          bp.printf(` diverted-?<${b.arg1(w)}>`);
      }
      break;
    case O_LAYER2:
      bp.printf(" layer2");
      break;
    case O_XMIT:
    case O_RECV:
    case O_VIA: {
      const s = op === O_XMIT ? "xmit" : op === O_RECV ? "recv" : "via";
      const name = (w + 2) * 4;
      const c0 = b.u8[name];
      if (c0 === 0) bp.printf(` ${s} ${inet_ntoa(b.be32(w + 1))}`);
      else if (c0 === 1) bp.printf(` ${s} table(${table_search_ctlv(fo.tstate, b.u16((w + 1) * 4))})`);
      else {
        let n = "";
        for (let i = 0; i < 16 && b.u8[name + i] !== 0; i++) n += String.fromCharCode(b.u8[name + i]);
        bp.printf(` ${s} ${n}`);
      }
      break;
    }
    case O_IP_FLOW_LOOKUP:
      bp.printf(` flow table(${table_search_ctlv(fo.tstate, b.arg1(w))}`);
      if (b.flen(w) === INSN_SIZE.ipfw_insn_u32) bp.printf(`,${b.u32(w + 1)}`);
      bp.printf(")");
      break;
    case O_IPID:
    case O_IPTTL:
    case O_IPLEN:
    case O_TCPDATALEN:
    case O_TCPMSS:
    case O_TCPWIN:
      if (b.flen(w) === 1) {
        const s = op === O_IPID ? "ipid" : op === O_IPTTL ? "ipttl" : op === O_IPLEN ? "iplen"
          : op === O_TCPDATALEN ? "tcpdatalen" : op === O_TCPMSS ? "tcpmss" : "tcpwin";
        bp.printf(` ${s} ${b.arg1(w)}`);
      } else print_newports(ctx, bp, b, w, 0, op);
      break;
    case O_IPVER:
      bp.printf(` ipver ${b.arg1(w)}`);
      break;
    case O_IPPRECEDENCE:
      bp.printf(` ipprecedence ${b.arg1(w) >> 5}`);
      break;
    case O_DSCP:
      print_dscp(bp, b, w);
      break;
    case O_IPOPT:
      print_flags(bp, "ipoptions", b, w, f_ipopts);
      break;
    case O_IPTOS:
      print_flags(bp, "iptos", b, w, f_iptos);
      break;
    case O_ICMPTYPE:
      print_icmptypes(bp, b, w);
      break;
    case O_ESTAB:
      bp.printf(" established");
      break;
    case O_TCPFLAGS:
      print_flags(bp, "tcpflags", b, w, f_tcpflags);
      break;
    case O_TCPOPTS:
      print_flags(bp, "tcpoptions", b, w, f_tcpopts);
      break;
    case O_TCPACK:
      bp.printf(` tcpack ${b.be32(w + 1) | 0}`);
      break;
    case O_TCPSEQ:
      bp.printf(` tcpseq ${b.be32(w + 1) | 0}`);
      break;
    case O_UID: {
      const u = b.u32(w + 1);
      const pw = getpwuid(u);
      bp.printf(pw !== null ? ` uid ${pw}` : ` uid ${u}`);
      break;
    }
    case O_GID: {
      const g = b.u32(w + 1);
      const gr = getgrgid(g);
      bp.printf(gr !== null ? ` gid ${gr}` : ` gid ${g}`);
      break;
    }
    case O_JAIL:
      bp.printf(` jail ${b.u32(w + 1) | 0}`);
      break;
    case O_VERREVPATH:
      bp.printf(" verrevpath");
      break;
    case O_VERSRCREACH:
      bp.printf(" versrcreach");
      break;
    case O_ANTISPOOF:
      bp.printf(" antispoof");
      break;
    case O_IPSEC:
      bp.printf(" ipsec");
      break;
    case O_NOP: {
      let s = "";
      for (let i = (w + 1) * 4; i < (w + b.flen(w)) * 4 && b.u8[i] !== 0; i++) s += String.fromCharCode(b.u8[i]);
      bp.printf(` // ${s}`);
      break;
    }
    case O_KEEP_STATE:
      bp.printf(st.flags & HAVE_PROBE_STATE ? " keep-state" : " record-state");
      bp.printf(` :${object_search_ctlv(fo.tstate, b.arg1(w), IPFW_TLV_STATE_NAME)}`);
      break;
    case O_LIMIT:
      bp.printf(st.flags & HAVE_PROBE_STATE ? " limit" : " set-limit");
      print_limit_mask(bp, b, w);
      bp.printf(` :${object_search_ctlv(fo.tstate, b.arg1(w), IPFW_TLV_STATE_NAME)}`);
      break;
    case O_IP6:
      if (st.flags & HAVE_PROTO) bp.printf(" proto");
      bp.printf(" ip6");
      break;
    case O_IP4:
      if (st.flags & HAVE_PROTO) bp.printf(" proto");
      bp.printf(" ip4");
      break;
    case O_ICMP6TYPE:
      print_icmp6types(bp, b, w);
      break;
    case O_EXT_HDR:
      print_ext6hdr(bp, b, w);
      break;
    case O_TAGGED:
      if (b.flen(w) === 1) bprint_uint_arg(bp, " tagged ", b.arg1(w));
      else print_newports(ctx, bp, b, w, 0, O_TAGGED);
      break;
    case O_SKIP_ACTION:
      bp.printf(" defer-immediate-action");
      break;
    default:
      bp.printf(` [opcode ${op} len ${len}]`);
  }
  if (len & F_OR) {
    bp.printf(" or");
    st.or_block = 1;
  } else if (st.or_block !== 0) {
    bp.printf(" }");
    st.or_block = 0;
  }
  st.printed[w] = 1;
  return true;
}

/** print_opcode: the first unprinted match instruction with `opcode` (any but O_NOP when -1). */
function print_opcode(ctx: ipfw_ctx, bp: buf_pr, fo: format_opts, st: show_state, opcode: number): number | null {
  const b = st.rule.cmd;
  for (let l = st.rule.act_ofs, w = 0; l > 0; ) {
    const n = b.flen(w);
    if (n === 0) break;
    const op = b.opcode(w);
    if (!(opcode >= 0 && op !== opcode) && !(op === O_NOP && opcode !== O_NOP)) {
      if (print_instruction(ctx, bp, fo, st, w)) return w;
    }
    l -= n;
    w += n;
  }
  return null;
}

function print_fwd(bp: buf_pr, b: insn_buf, w: number): void {
  const off = (w + 1) * 4;
  const port = b.dv.getUint16(off + 2, true);
  if (b.opcode(w) === O_FORWARD_IP) {
    const a = b.dv.getUint32(off + 4, false);
    bp.printf(a === 0 ? "fwd tablearg" : `fwd ${inet_ntoa(a)}`);
  } else {
    bp.printf("fwd ");
    const a6 = b.u8.slice(off + 8, off + 24);
    bp.printf(ip6_ntop(a6));
  }
  if (port !== 0) bp.printf(`,${port}`);
}

/** inet_ntop(AF_INET6) without importing the kernel's printer. */
export function ip6_ntop(a: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((a[i] << 8) | a[i + 1]);
  // IPv4-mapped and compatible forms print the last 32 bits dotted.
  const mapped = words.slice(0, 5).every((x) => x === 0) && words[5] === 0xffff;
  let bestS = -1;
  let bestL = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestL && j - i >= 2) {
      bestS = i;
      bestL = j - i;
    }
    i = j;
  }
  const hex = (i: number): string => words[i].toString(16);
  let s = "";
  const lim = mapped ? 6 : 8;
  for (let i = 0; i < lim; ) {
    if (i === bestS) {
      s += "::";
      i += bestL;
      continue;
    }
    if (s !== "" && !s.endsWith(":")) s += ":";
    s += hex(i);
    i++;
  }
  if (mapped) {
    if (!s.endsWith(":")) s += ":";
    s += `${a[12]}.${a[13]}.${a[14]}.${a[15]}`;
  }
  return s === "" ? "::" : s;
}

function print_action_instruction(ctx: ipfw_ctx, bp: buf_pr, fo: format_opts, st: show_state, w: number): boolean {
  const b = st.rule.cmd;
  if (st.printed[w]) return false;
  const op = b.opcode(w);
  const arg1 = b.arg1(w);
  switch (op) {
    case O_CHECK_STATE: {
      bp.printf("check-state");
      const s = arg1 !== 0 ? object_search_ctlv(fo.tstate, arg1, IPFW_TLV_STATE_NAME) : null;
      bp.printf(` :${s ?? "any"}`);
      break;
    }
    case O_ACCEPT:
      bp.printf("allow");
      break;
    case O_COUNT:
      bp.printf("count");
      break;
    case O_DENY:
      bp.printf("deny");
      break;
    case O_REJECT:
      if (arg1 === ICMP_REJECT_RST) bp.printf("reset");
      else if (arg1 === ICMP_REJECT_ABORT) bp.printf("abort");
      else if (arg1 === ICMP_UNREACH_HOST) bp.printf("reject");
      else print_reject_code(bp, arg1);
      break;
    case O_UNREACH6:
      if (arg1 === ICMP6_UNREACH_RST) bp.printf("reset6");
      else if (arg1 === ICMP6_UNREACH_ABORT) bp.printf("abort6");
      else print_unreach6_code(bp, arg1);
      break;
    case O_SKIPTO:
      bprint_uint_arg(bp, "skipto ", arg1);
      break;
    case O_PIPE:
      bprint_uint_arg(bp, "pipe ", arg1);
      break;
    case O_QUEUE:
      bprint_uint_arg(bp, "queue ", arg1);
      break;
    case O_DIVERT:
      bprint_uint_arg(bp, "divert ", arg1);
      break;
    case O_TEE:
      bprint_uint_arg(bp, "tee ", arg1);
      break;
    case O_NETGRAPH:
      bprint_uint_arg(bp, "netgraph ", arg1);
      break;
    case O_NGTEE:
      bprint_uint_arg(bp, "ngtee ", arg1);
      break;
    case O_FORWARD_IP:
    case O_FORWARD_IP6:
      print_fwd(bp, b, w);
      break;
    case O_LOG: {
      const max = b.u32(w + 1);
      bp.printf(max > 0 ? ` log logamount ${max}` : " log");
      break;
    }
    case O_ALTQ:
      break;
    case O_TAG:
      bprint_uint_arg(bp, b.len(w) & F_NOT ? " untag " : " tag ", arg1);
      break;
    case O_NAT:
      if (arg1 !== IP_FW_NAT44_GLOBAL) bprint_uint_arg(bp, "nat ", arg1);
      else bp.printf("nat global");
      break;
    case O_SETFIB:
      if (arg1 === IP_FW_TARG) bprint_uint_arg(bp, "setfib ", arg1);
      else bp.printf(`setfib ${arg1 & 0x7fff}`);
      break;
    case O_EXTERNAL_ACTION: {
      st.eaction = w;
      const s = object_search_ctlv(fo.tstate, arg1, IPFW_TLV_EACTION);
      if (s !== null && match_token(rule_eactions, s) !== -1) bp.printf(s);
      else bp.printf(`eaction ${s}`);
      break;
    }
    case O_EXTERNAL_INSTANCE: {
      if (st.eaction === null) break;
      let s = object_search_ctlv(fo.tstate, arg1, 0);
      if (s === null) s = object_search_ctlv(fo.tstate, arg1, IPFW_TLV_EACTION_NAME(b.arg1(st.eaction)));
      bp.printf(` ${s}`);
      break;
    }
    case O_EXTERNAL_DATA:
      if (st.eaction === null) break;
      if (b.len(w) === INSN_SIZE.ipfw_insn) bp.printf(` ${arg1}`);
      else bp.printf(` ${b.len(w) * 4}bytes`);
      break;
    case O_SETDSCP: {
      if (arg1 === IP_FW_TARG) {
        bp.printf("setdscp tablearg");
        break;
      }
      const s = match_value(f_ipdscp, arg1 & 0x3f);
      bp.printf(s !== null ? `setdscp ${s}` : `setdscp ${arg1 & 0x3f}`);
      break;
    }
    case O_REASS:
      bp.printf("reass");
      break;
    case O_CALLRETURN:
      if (b.len(w) & F_NOT) bp.printf("return");
      else bprint_uint_arg(bp, "call ", arg1);
      break;
    default:
      bp.printf(`** unrecognized action ${op} len ${b.len(w)} `);
  }
  st.printed[w] = 1;
  return true;
}

function print_action(ctx: ipfw_ctx, bp: buf_pr, fo: format_opts, st: show_state, opcode: number): number | null {
  const b = st.rule.cmd;
  for (let l = st.rule.cmd_len - st.rule.act_ofs, w = st.rule.act_ofs; l > 0; ) {
    const n = b.flen(w);
    if (n === 0) break;
    if (b.opcode(w) === opcode && print_action_instruction(ctx, bp, fo, st, w)) return w;
    l -= n;
    w += n;
  }
  return null;
}

function print_proto(ctx: ipfw_ctx, bp: buf_pr, fo: format_opts, st: show_state): void {
  const b = st.rule.cmd;
  let proto = 0;
  let ip4 = 0;
  let ip6 = 0;
  for (let l = st.rule.act_ofs, w = 0; l > 0; ) {
    const n = b.flen(w);
    if (n === 0) break;
    const op = b.opcode(w);
    if (op === O_PROTO) proto++;
    else if (op === O_IP4) ip4 = b.len(w) & F_OR ? 2 : 1;
    else if (op === O_IP6) ip6 = b.len(w) & F_OR ? 2 : 1;
    l -= n;
    w += n;
  }
  if (proto === 0 && ip4 === 0 && ip6 === 0) {
    st.proto = IPPROTO_IP;
    st.flags |= HAVE_PROTO;
    bp.printf(" ip");
    return;
  }
  let cmd: number | null = null;
  if (ip4 || ip6) cmd = print_opcode(ctx, bp, fo, st, ip4 > ip6 ? O_IP4 : O_IP6);
  if (cmd !== null && b.len(cmd) & F_OR) cmd = print_opcode(ctx, bp, fo, st, ip4 > ip6 ? O_IP6 : O_IP4);
  if (cmd === null || b.len(cmd) & F_OR) {
    for (let l = proto; l > 0; l--) {
      cmd = print_opcode(ctx, bp, fo, st, O_PROTO);
      if (cmd === null || (b.len(cmd) & F_OR) === 0) break;
    }
  }
  st.flags |= HAVE_PROTO;
  if (st.proto === 0 && ip6 !== 0) st.proto = IPPROTO_IPV6;
}

const action_opcodes: readonly number[] = [
  O_CHECK_STATE, O_ACCEPT, O_COUNT, O_DENY, O_REJECT, O_UNREACH6, O_SKIPTO, O_PIPE, O_QUEUE, O_DIVERT, O_TEE,
  O_NETGRAPH, O_NGTEE, O_FORWARD_IP, O_FORWARD_IP6, O_NAT, O_SETFIB, O_SETDSCP, O_REASS, O_CALLRETURN,
  O_EXTERNAL_ACTION, O_EXTERNAL_INSTANCE, O_EXTERNAL_DATA,
];
const modifier_opcodes: readonly number[] = [O_LOG, O_ALTQ, O_TAG];
const src_opcodes: readonly number[] = [
  O_IP_SRC, O_IP_SRC_LOOKUP, O_IP_SRC_MASK, O_IP_SRC_ME, O_IP_SRC_SET, O_IP6_SRC, O_IP6_SRC_MASK, O_IP6_SRC_ME,
];
const dst_opcodes: readonly number[] = [
  O_IP_DST, O_IP_DST_LOOKUP, O_IP_DST_MASK, O_IP_DST_ME, O_IP_DST_SET, O_IP6_DST, O_IP6_DST_MASK, O_IP6_DST_ME,
];

function print_address(ctx: ipfw_ctx, bp: buf_pr, fo: format_opts, st: show_state, opcodes: readonly number[], portop: number, flag: number): void {
  const b = st.rule.cmd;
  let count = 0;
  let portcnt = 0;
  for (let l = st.rule.act_ofs, w = 0; l > 0; ) {
    const n = b.flen(w);
    if (n === 0) break;
    if (opcodes.includes(b.opcode(w))) count++;
    else if (b.opcode(w) === portop) portcnt++;
    l -= n;
    w += n;
  }
  if (count === 0) bp.printf(" any");
  for (let l = st.rule.act_ofs, w = 0; l > 0 && count > 0; ) {
    const n = b.flen(w);
    if (n === 0) break;
    if (opcodes.includes(b.opcode(w))) {
      print_instruction(ctx, bp, fo, st, w);
      if ((b.len(w) & F_OR) === 0) break;
      count--;
    }
    l -= n;
    w += n;
  }
  if (portcnt === 1) {
    let pf = 0;
    for (let l = st.rule.act_ofs, w = 0; l > 0; ) {
      const n = b.flen(w);
      if (n === 0) break;
      if (b.opcode(w) !== portop) {
        pf = b.len(w) & F_OR;
        l -= n;
        w += n;
        continue;
      }
      if (pf === 0 && (b.len(w) & F_OR) === 0) print_instruction(ctx, bp, fo, st, w);
      break;
    }
  }
  st.flags |= flag;
}

/** ctime(3) in UTC without its newline: "Thu Jan  1 00:00:00 1970". */
function ctime(t: number): string {
  const d = new Date(t * 1000);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const mons = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p2 = (n: number): string => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]} ${mons[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** show_static_rule: one rule as `ipfw list`/`show` prints it, with its newline. */
export function show_static_rule(ctx: ipfw_ctx, fo: format_opts, bp: buf_pr, rule: rule_bytes, cntr: ip_fw_bcounter | null): void {
  const co = ctx.co;
  if ((fo.set_mask & (1 << rule.set)) === 0) {
    if (!co.show_sets) return;
    bp.printf("# DISABLED ");
  }
  const st = new show_state(rule);
  bp.printf(String(rule.rulenum).padStart(5, "0") + " ");
  if ((fo.pcwidth > 0 || fo.bcwidth > 0) && cntr !== null) {
    pr_u64(bp, cntr.pcnt, fo.pcwidth);
    pr_u64(bp, cntr.bcnt, fo.bcwidth);
  }
  if (co.do_time === TIMESTAMP_NUMERIC) bp.printf(String(cntr?.timestamp ?? 0).padStart(10) + " ");
  else if (co.do_time === TIMESTAMP_STRING) {
    const twidth = ctime(0).length;
    const ts = cntr?.timestamp ?? 0;
    if (ts > 0) bp.printf(ctime(ts) + " ");
    else bp.printf("".padStart(twidth) + " ");
  }
  if (co.show_sets) bp.printf(`set ${rule.set} `);
  print_opcode(ctx, bp, fo, st, O_PROB);
  let end = false;
  for (const op of action_opcodes) {
    const c = print_action(ctx, bp, fo, st, op);
    if (c === null) continue;
    const cop = rule.cmd.opcode(c);
    if (cop === O_CHECK_STATE) {
      end = true;
      break;
    }
    if (cop === O_EXTERNAL_ACTION || cop === O_EXTERNAL_INSTANCE) continue;
    break;
  }
  if (!end) {
    for (const op of modifier_opcodes) print_action(ctx, bp, fo, st, op);
    if (co.comment_only === 0) {
      let justopts = false;
      if (rule.flags & IPFW_RULE_JUSTOPTS) {
        st.flags |= HAVE_PROTO | HAVE_SRCIP | HAVE_DSTIP;
        justopts = true;
      }
      if (!justopts) {
        print_proto(ctx, bp, fo, st);
        if (co.do_compact !== 0 && rule.flags & IPFW_RULE_NOOPT) justopts = true;
      }
      if (!justopts) {
        bp.printf(" from");
        print_address(ctx, bp, fo, st, src_opcodes, O_IP_SRCPORT, HAVE_SRCIP);
        bp.printf(" to");
        print_address(ctx, bp, fo, st, dst_opcodes, O_IP_DSTPORT, HAVE_DSTIP);
      }
      while (print_opcode(ctx, bp, fo, st, -1) !== null);
    }
  }
  const c = print_opcode(ctx, bp, fo, st, O_NOP);
  if (co.comment_only !== 0 && c === null) bp.printf(" // ...");
  bp.printf("\n");
}

/* ---------- first-level commands ---------- */

/**
 * ipfw_add: compile the rule, send it with IP_FW_XADD, print what the
 * kernel made of it (its number) unless -q.
 *   [ ip_fw3_opheader ][ ctlv(TBLNAME_LIST) ntlv x N ]? [ ctlv(RULE_LIST) ip_fw_rule ]
 */
export function ipfw_add(ctx: ipfw_ctx, av: string[]): void {
  const ts = new tidx();
  const default_off = SZ_ip_fw3_opheader + SZ_ipfw_obj_ctlv;
  const rule = compile_rule(ctx, av, ts, (4096 - default_off) / 4);
  const rsize = ip_fw_rule_cmd + rule.cmd_len * 4;
  const rlen = roundup2(rsize, 8);
  let tstate: obj_ntlv[] | null = null;
  let buf: Uint8Array;
  let rule_off: number;
  if (ts.count !== 0) {
    const sorted = object_sort(ts.idx);
    const tlen = sorted.length * SZ_ipfw_obj_ntlv;
    buf = new Uint8Array(default_off + SZ_ipfw_obj_ctlv + tlen + rlen);
    const dv = dv_of(buf);
    let off = SZ_ip_fw3_opheader;
    ctlv_write(dv, off, IPFW_TLV_TBLNAME_LIST, SZ_ipfw_obj_ctlv + tlen, sorted.length, SZ_ipfw_obj_ntlv);
    off += SZ_ipfw_obj_ctlv;
    for (const o of sorted) {
      ntlv_write(buf, off, o.type, o.idx, o.set, 0, o.name);
      off += SZ_ipfw_obj_ntlv;
    }
    tstate = sorted;
    ctlv_write(dv, off, IPFW_TLV_RULE_LIST, SZ_ipfw_obj_ctlv + rlen, 1, 0);
    rule_off = off + SZ_ipfw_obj_ctlv;
    rule.encode(dv, rule_off);
  } else {
    buf = new Uint8Array(default_off + rlen);
    const dv = dv_of(buf);
    ctlv_write(dv, SZ_ip_fw3_opheader, IPFW_TLV_RULE_LIST, SZ_ipfw_obj_ctlv + rlen, 1, 0);
    rule_off = default_off;
    rule.encode(dv, rule_off);
  }
  if (do_get3(ctx, IP_FW_XADD, buf).error !== 0) err(ctx, EX_UNAVAILABLE, "getsockopt(IP_FW_XADD)");
  if (!ctx.co.do_quiet) {
    const sfo = format_opts_new();
    sfo.tstate = tstate;
    sfo.set_mask = 0xffffffff;
    const bp = new buf_pr();
    // With names FreeBSD prints the rule it compiled; without, the copy the kernel numbered.
    const shown = ts.count !== 0 ? rule : rule_bytes.decode(dv_of(buf), rule_off);
    show_static_rule(ctx, sfo, bp, shown, null);
    ctx.out(bp.buf);
  }
}

/** do_range_cmd: an ipfw_range_header request; returns -1 on error and the objects matched in new_set. */
function do_range_cmd(ctx: ipfw_ctx, cmd: number, rt: { flags: number; start_rule: number; end_rule: number; set: number; new_set: number }): number {
  const buf = new Uint8Array(SZ_ipfw_range_header);
  const dv = dv_of(buf);
  range_tlv_write(dv, rangeh_range, rt.flags, rt.start_rule & 0xffff, rt.end_rule & 0xffff, rt.set >>> 0, rt.new_set >>> 0);
  if (do_get3(ctx, cmd, buf).error !== 0) return -1;
  rt.new_set = dv.getUint32(rangeh_range + range_new_set, true);
  return 0;
}

function range_new(): { flags: number; start_rule: number; end_rule: number; set: number; new_set: number } {
  return { flags: 0, start_rule: 0, end_rule: 0, set: 0, new_set: 0 };
}

/** ipfw_sets_handler: set show | swap X Y | move [rule] X to Y | enable/disable N... */
export function ipfw_sets_handler(ctx: ipfw_ctx, av: string[]): void {
  let a = 1;
  const rt = range_new();
  if (av[a] === undefined) errx(ctx, EX_USAGE, "set needs command");
  if (_substrcmp(ctx, av[a], "show") === 0) {
    const fo = format_opts_new();
    const cfg = ipfw_get_config(ctx, fo);
    if (cfg.error !== 0) err(ctx, EX_OSERR, "requesting config failed", cfg.error);
    const set_mask = cfg.buf === null ? 0 : dv_of(cfg.buf).getUint32(cfg_set_mask, true);
    let msg = "disable";
    let out = "";
    for (let i = 0; i < RESVD_SET; i++)
      if ((set_mask & (1 << i)) === 0) {
        out += `${msg} ${i}`;
        msg = "";
      }
    msg = set_mask !== 0xffffffff ? " enable" : "enable";
    for (let i = 0; i < RESVD_SET; i++)
      if ((set_mask & (1 << i)) !== 0) {
        out += `${msg} ${i}`;
        msg = "";
      }
    ctx.out(out + "\n");
  } else if (_substrcmp(ctx, av[a], "swap") === 0) {
    a++;
    if (av[a] === undefined || av[a + 1] === undefined) errx(ctx, EX_USAGE, "set swap needs 2 set numbers\n");
    rt.set = atoi(av[a]);
    rt.new_set = atoi(av[a + 1]);
    if (!isdigit(av[a][0]) || rt.set > RESVD_SET) errx(ctx, EX_DATAERR, `invalid set number ${av[a]}\n`);
    if (!isdigit(av[a + 1][0]) || rt.new_set > RESVD_SET) errx(ctx, EX_DATAERR, `invalid set number ${av[a + 1]}\n`);
    do_range_cmd(ctx, IP_FW_SET_SWAP, rt);
  } else if (_substrcmp(ctx, av[a], "move") === 0) {
    a++;
    let cmd: number;
    if (av[a] !== undefined && _substrcmp(ctx, av[a], "rule") === 0) {
      rt.flags = IPFW_RCFLAG_RANGE;
      cmd = IP_FW_XMOVE;
      a++;
    } else cmd = IP_FW_SET_MOVE;
    if (av[a] === undefined || av[a + 1] === undefined || av[a + 2] === undefined || av[a + 3] !== undefined || _substrcmp(ctx, av[a + 1], "to") !== 0)
      errx(ctx, EX_USAGE, "syntax: set move [rule] X to Y\n");
    const rulenum = atoi(av[a]) & 0xffff;
    if (cmd === IP_FW_XMOVE) {
      rt.start_rule = rulenum;
      rt.end_rule = rulenum;
    } else rt.set = rulenum;
    rt.new_set = atoi(av[a + 2]);
    // FreeBSD compares cmd with 3 and 2 here, which no command is: only the digit test bites.
    if (!isdigit(av[a][0])) errx(ctx, EX_DATAERR, `invalid source number ${av[a]}\n`);
    if (!isdigit(av[a + 2][0]) || rt.new_set > RESVD_SET) errx(ctx, EX_DATAERR, `invalid dest. set ${av[a + 1]}\n`);
    if (do_range_cmd(ctx, cmd, rt) < 0) err(ctx, EX_OSERR, `failed to move ${cmd === IP_FW_SET_MOVE ? "set" : "rule"}`);
  } else if (_substrcmp(ctx, av[a], "disable") === 0 || _substrcmp(ctx, av[a], "enable") === 0) {
    let which = av[a].startsWith("enable") || "enable".startsWith(av[a]) && av[a] !== "" && !"disable".startsWith(av[a]) ? 1 : 0;
    a++;
    const masks = [0, 0];
    while (av[a] !== undefined) {
      if (isdigit(av[a][0])) {
        const i = atoi(av[a]);
        if (i < 0 || i > RESVD_SET) errx(ctx, EX_DATAERR, `invalid set number ${i}\n`);
        masks[which] = (masks[which] | (1 << i)) >>> 0;
      } else if (_substrcmp(ctx, av[a], "disable") === 0) which = 0;
      else if (_substrcmp(ctx, av[a], "enable") === 0) which = 1;
      else errx(ctx, EX_DATAERR, `invalid set command ${av[a]}\n`);
      a++;
    }
    if ((masks[0] & masks[1]) !== 0) errx(ctx, EX_DATAERR, "cannot enable and disable the same set\n");
    rt.set = masks[0];
    rt.new_set = masks[1];
    if (do_range_cmd(ctx, IP_FW_SET_ENABLE, rt) !== 0) warn(ctx, "set enable/disable: setsockopt(IP_FW_SET_ENABLE)");
  } else errx(ctx, EX_USAGE, `invalid set command ${av[a]}\n`);
}

/** ipfw_sysctl_handler: enable/disable firewall, one_pass, debug, verbose, dyn_keepalive. */
export function ipfw_sysctl_handler(ctx: ipfw_ctx, av: string[], which: number): void {
  const w = av[1];
  const set = (name: string): void => {
    sysctlbyname(ctx.prog.p, name, which);
  };
  if (w === undefined) warnx(ctx, "missing keyword to enable/disable\n");
  else if (_substrcmp(ctx, w, "firewall") === 0) {
    set("net.inet.ip.fw.enable");
    set("net.inet6.ip6.fw.enable");
  } else if (_substrcmp(ctx, w, "one_pass") === 0) set("net.inet.ip.fw.one_pass");
  else if (_substrcmp(ctx, w, "debug") === 0) set("net.inet.ip.fw.debug");
  else if (_substrcmp(ctx, w, "verbose") === 0) set("net.inet.ip.fw.verbose");
  else if (_substrcmp(ctx, w, "dyn_keepalive") === 0) set("net.inet.ip.fw.dyn_keepalive");
  else warnx(ctx, `unrecognize enable/disable keyword: ${w}\n`);
}

/** ipfw_get_config: IP_FW_XGET, growing the buffer while the kernel says ENOMEM. */
export function ipfw_get_config(ctx: ipfw_ctx, fo: format_opts): { error: number; buf: Uint8Array | null; sz: number } {
  if (ctx.co.test_only) {
    ctx.prog.stderr.write("Testing only, list disabled\n");
    return { error: 0, buf: null, sz: 0 };
  }
  let sz = 4096;
  for (let i = 0; i < 16; i++) {
    const cfg = new Uint8Array(sz);
    const dv = dv_of(cfg);
    dv.setUint32(cfg_flags, fo.flags, true);
    dv.setUint32(cfg_start_rule, fo.first, true);
    dv.setUint32(cfg_end_rule, fo.last, true);
    const r = do_get3(ctx, IP_FW_XGET, cfg);
    if (r.error !== 0) {
      if (r.error !== ENOMEM) return { error: r.error, buf: null, sz: 0 };
      const want = dv.getUint32(cfg_size, true);
      sz = Math.max(sz * 2, want);
      continue;
    }
    return { error: 0, buf: cfg, sz: Math.min(r.len, cfg.length) };
  }
  return { error: ENOMEM, buf: null, sz: 0 };
}

/** One rule of a dump: its counters (when asked for) and the rule. */
interface dumped_rule {
  cntr: ip_fw_bcounter | null;
  rule: rule_bytes;
  length: number;
}

function read_counter(dv: DataView, off: number): ip_fw_bcounter {
  return {
    size: dv.getUint16(off + ip_fw_bcounter_size, true),
    timestamp: dv.getUint32(off + ip_fw_bcounter_timestamp, true),
    pcnt: BigInt(u64_read(dv, off + ip_fw_bcounter_pcnt)),
    bcnt: BigInt(u64_read(dv, off + ip_fw_bcounter_bcnt)),
  };
}

function show_dyn_state(ctx: ipfw_ctx, fo: format_opts, bp: buf_pr, b: Uint8Array, off: number): void {
  const dv = dv_of(b);
  const expire = dv.getUint32(off + dyn_rule_expire, true);
  const dyn_type = dv.getUint16(off + dyn_rule_dyn_type, true);
  if (expire === 0 && dyn_type !== O_LIMIT_PARENT) return;
  const rulenum = dv.getUint16(off + dyn_rule_rule, true);
  bp.printf(String(rulenum).padStart(5, "0"));
  if (fo.pcwidth > 0 || fo.bcwidth > 0) {
    bp.printf(" ");
    pr_u64(bp, BigInt(u64_read(dv, off + dyn_rule_pcnt)), fo.pcwidth);
    pr_u64(bp, BigInt(u64_read(dv, off + dyn_rule_bcnt)), fo.bcwidth);
    bp.printf(`(${expire | 0}s)`);
  }
  if (dyn_type === O_LIMIT_PARENT) bp.printf(` PARENT ${dv.getUint16(off + dyn_rule_count, true)}`);
  else if (dyn_type === O_LIMIT) bp.printf(" LIMIT");
  else if (dyn_type === O_KEEP_STATE) bp.printf(" STATE");
  const id = off + dyn_rule_id;
  const proto = dv.getUint8(id + flow_id_proto);
  const pe = getprotobynumber(proto);
  bp.printf(pe !== null ? ` ${pe}` : ` proto ${proto}`);
  const at = dv.getUint8(id + flow_id_addr_type);
  const sport = dv.getUint16(id + flow_id_src_port, true);
  const dport = dv.getUint16(id + flow_id_dst_port, true);
  if (at === 4) {
    bp.printf(` ${inet_ntoa(dv.getUint32(id + flow_id_src_ip, true))} ${sport}`);
    bp.printf(` <-> ${inet_ntoa(dv.getUint32(id + flow_id_dst_ip, true))} ${dport}`);
  } else if (at === 6) {
    bp.printf(` ${ip6_ntop(b.slice(id + flow_id_src_ip6, id + flow_id_src_ip6 + 16))} ${sport}`);
    bp.printf(` <-> ${ip6_ntop(b.slice(id + flow_id_dst_ip6, id + flow_id_dst_ip6 + 16))} ${dport}`);
  } else bp.printf(" UNKNOWN <-> UNKNOWN");
  const kidx = dv.getUint16(off + dyn_rule_kidx, true);
  if (kidx !== 0) bp.printf(` :${object_search_ctlv(fo.tstate, kidx, IPFW_TLV_STATE_NAME)}`);
  if (ctx.co.verbose) {
    const state = dv.getUint32(off + dyn_rule_state, true);
    const BOTH_SYN = TH_SYN | (TH_SYN << 8);
    const BOTH_FIN = TH_FIN | (TH_FIN << 8);
    bp.printf(` state 0x${state.toString(16).padStart(8, "0")}${state ? " " : ","}`);
    if (state & IPFW_DYN_ORPHANED) bp.printf("ORPHANED,");
    if ((state & BOTH_SYN) === BOTH_SYN) bp.printf("BOTH_SYN,");
    else {
      if (state & TH_SYN) bp.printf("F_SYN,");
      if (state & (TH_SYN << 8)) bp.printf("R_SYN,");
    }
    if ((state & BOTH_FIN) === BOTH_FIN) bp.printf("BOTH_FIN,");
    else {
      if (state & TH_FIN) bp.printf("F_FIN,");
      if (state & (TH_FIN << 8)) bp.printf("R_FIN,");
    }
    bp.printf(` f_ack 0x${dv.getUint32(off + dyn_rule_ack_fwd, true).toString(16)}, r_ack 0x${dv.getUint32(off + dyn_rule_ack_rev, true).toString(16)}`);
  }
}

/** foreach_state: the ipfw_dyn_rule offsets of the IPFW_TLV_DYNSTATE_LIST blocks at `base`. */
function foreach_state(b: Uint8Array, base: number, sz: number, fn: (off: number) => void): number {
  const dv = dv_of(b);
  while (sz > 0) {
    if (base + SZ_ipfw_obj_ctlv > b.length) return sz;
    if (dv.getUint16(base + tlv_type, true) !== IPFW_TLV_DYNSTATE_LIST) return sz;
    base += SZ_ipfw_obj_ctlv;
    sz -= SZ_ipfw_obj_ctlv;
    while (sz > 0) {
      if (base + SZ_ipfw_obj_tlv > b.length) return sz;
      if (dv.getUint16(base + tlv_type, true) !== IPFW_TLV_DYN_ENT) break;
      const l = dv.getUint32(base + tlv_length, true);
      if (l === 0 || base + l > b.length) return 0;
      fn(base + SZ_ipfw_obj_tlv);
      sz -= l;
      base += l;
    }
  }
  return sz;
}

/** ipfw_list: `list`/`show` [N | N-M ...]; -d states, -a/-t counters and times. */
export function ipfw_list(ctx: ipfw_ctx, av: string[], show_counters: boolean): Promise<void> | void {
  if (ctx.co.test_only) {
    ctx.prog.stderr.write("Testing only, list disabled\n");
    return;
  }
  if (ctx.co.do_pipe) return ipfw_hooks.dummynet_list(ctx, av, show_counters);
  const lav = av.slice(1);
  const sfo = format_opts_new();
  for (const w of lav) {
    const r = strtoul(w, 10);
    let rnum = ulong_to_u32(r);
    if (sfo.first === 0 || rnum < sfo.first) sfo.first = rnum;
    if (r.rest[0] === "-") rnum = ulong_to_u32(strtoul(r.rest.slice(1), 10));
    if (sfo.last === 0 || rnum > sfo.last) sfo.last = rnum;
  }
  sfo.show_counters = show_counters ? 1 : 0;
  sfo.show_time = ctx.co.do_time;
  if (ctx.co.do_dynamic !== 2) sfo.flags |= IPFW_CFG_GET_STATIC;
  if (ctx.co.do_dynamic !== 0) sfo.flags |= IPFW_CFG_GET_STATES;
  if ((sfo.show_counters | sfo.show_time) !== 0) sfo.flags |= IPFW_CFG_GET_COUNTERS;
  const cfg = ipfw_get_config(ctx, sfo);
  if (cfg.error !== 0 || cfg.buf === null) err(ctx, EX_OSERR, "retrieving config failed", cfg.error);
  const error = ipfw_show_config(ctx, sfo, cfg.buf, cfg.sz, lav);
  if (error !== EX_OK) throw new prog_exit(error);
}

function ipfw_show_config(ctx: ipfw_ctx, fo: format_opts, cfg: Uint8Array, sz: number, lav: string[]): number {
  const co = ctx.co;
  const dv = dv_of(cfg);
  let exitval = EX_OK;
  fo.set_mask = dv.getUint32(cfg_set_mask, true);
  const flags = dv.getUint32(cfg_flags, true);
  let readsz = SZ_ipfw_cfg_lheader;
  let ctlv = SZ_ipfw_cfg_lheader;
  const rules: dumped_rule[] = [];
  let dynbase = -1;
  let dynsz = 0;
  if (ctlv + SZ_ipfw_obj_ctlv <= sz && dv.getUint16(ctlv + tlv_type, true) === IPFW_TLV_TBLNAME_LIST) {
    const count = dv.getUint32(ctlv + ctlv_count, true);
    const objsize = dv.getUint16(ctlv + ctlv_objsize, true) || SZ_ipfw_obj_ntlv;
    const list: obj_ntlv[] = [];
    for (let i = 0, o = ctlv + SZ_ipfw_obj_ctlv; i < count && o + SZ_ipfw_obj_ntlv <= sz; i++, o += objsize) list.push(ntlv_decode(cfg, o));
    fo.tstate = object_sort(list);
    const l = dv.getUint32(ctlv + tlv_length, true);
    readsz += l;
    ctlv += l;
  }
  if (flags & IPFW_CFG_GET_STATIC) {
    if (ctlv + SZ_ipfw_obj_ctlv <= sz && dv.getUint16(ctlv + tlv_type, true) === IPFW_TLV_RULE_LIST) {
      const count = dv.getUint32(ctlv + ctlv_count, true);
      let o = ctlv + SZ_ipfw_obj_ctlv;
      for (let n = 0; n < count && o + SZ_ipfw_obj_tlv <= sz; n++) {
        const l = dv.getUint32(o + tlv_length, true);
        if (l === 0) break;
        let cntr: ip_fw_bcounter | null = null;
        let r = o + SZ_ipfw_obj_tlv;
        if ((fo.show_counters | fo.show_time) !== 0) {
          cntr = read_counter(dv, r);
          r += cntr.size;
        }
        rules.push({ cntr, rule: rule_bytes.decode(dv, r), length: l });
        o += l;
      }
      const l = dv.getUint32(ctlv + tlv_length, true);
      readsz += l;
      ctlv += l;
    }
  }
  if (flags & IPFW_CFG_GET_STATES && readsz !== sz) {
    dynsz = sz - readsz;
    if (dynsz !== SZ_ipfw_obj_ctlv) dynbase = ctlv;
    else dynsz = 0;
  }
  // prepare_format_opts
  let pcwidth = 0;
  let bcwidth = 0;
  if (fo.show_counters !== 0) {
    for (const r of rules) {
      if (co.use_set && r.rule.set !== co.use_set - 1) continue;
      if (r.cntr === null) continue;
      pcwidth = Math.max(pcwidth, pr_u64(null, r.cntr.pcnt, 0));
      bcwidth = Math.max(bcwidth, pr_u64(null, r.cntr.bcnt, 0));
    }
  }
  fo.pcwidth = pcwidth;
  fo.bcwidth = bcwidth;
  fo.dcnt = 0;
  if (co.do_dynamic && dynsz > 0) {
    foreach_state(cfg, dynbase, dynsz, (off) => {
      fo.dcnt++;
      if (fo.show_counters === 0) return;
      if (co.use_set && dv.getUint8(off + dyn_rule_rule + 2) !== co.use_set - 1) return;
      fo.pcwidth = Math.max(fo.pcwidth, pr_u64(null, BigInt(u64_read(dv, off + dyn_rule_pcnt)), 0));
      fo.bcwidth = Math.max(fo.bcwidth, pr_u64(null, BigInt(u64_read(dv, off + dyn_rule_bcnt)), 0));
    });
  }
  const bp = new buf_pr();
  const list_static_range = (): number => {
    let seen = 0;
    for (const r of rules) {
      if (r.rule.rulenum > fo.last) break;
      if (co.use_set && r.rule.set !== co.use_set - 1) continue;
      if (r.rule.rulenum >= fo.first && r.rule.rulenum <= fo.last) {
        show_static_rule(ctx, fo, bp, r.rule, r.cntr);
        ctx.out(bp.buf);
        bp.buf = "";
        seen++;
      }
    }
    return seen;
  };
  const list_dyn_range = (): void => {
    foreach_state(cfg, dynbase, dynsz, (off) => {
      const rulenum = dv.getUint16(off + dyn_rule_rule, true);
      if (rulenum > fo.last) return;
      if (co.use_set && dv.getUint8(off + dyn_rule_rule + 2) !== co.use_set - 1) return;
      if (rulenum >= fo.first) {
        show_dyn_state(ctx, fo, bp, cfg, off);
        ctx.out(bp.buf + "\n");
        bp.buf = "";
      }
    });
  };
  if (lav.length === 0) {
    fo.first = 0;
    fo.last = IPFW_DEFAULT_RULE;
    if (flags & IPFW_CFG_GET_STATIC) list_static_range();
    if (co.do_dynamic && dynsz > 0) {
      ctx.out(`## Dynamic rules (${fo.dcnt} ${dynsz}):\n`);
      list_dyn_range();
    }
    return EX_OK;
  }
  // A command-line rule number or range N[-M] into fo.first/fo.last
  // (uint32_t, from strtoul); false when more follows it.
  const rule_range = (w: string): boolean => {
    const r = strtoul(w, 10);
    fo.first = fo.last = ulong_to_u32(r);
    let rest = r.rest;
    if (rest[0] === "-") {
      const r2 = strtoul(rest.slice(1), 10);
      fo.last = ulong_to_u32(r2);
      rest = r2.rest;
    }
    return rest === "";
  };
  for (const w of lav) {
    if (!rule_range(w)) {
      exitval = EX_USAGE;
      warnx(ctx, `invalid rule number: ${w}`);
      continue;
    }
    if ((flags & IPFW_CFG_GET_STATIC) === 0) continue;
    if (list_static_range() === 0) {
      if (exitval === EX_OK) exitval = EX_UNAVAILABLE;
      if (fo.first === fo.last) warnx(ctx, `rule ${fo.first} does not exist`);
      else warnx(ctx, `no rules in range ${fo.first}-${fo.last}`);
    }
  }
  if (co.do_dynamic && dynsz > 0) {
    ctx.out("## Dynamic rules:\n");
    for (const w of lav) {
      if (!rule_range(w)) continue;
      list_dyn_range();
    }
  }
  return exitval;
}

/** ipfw_delete: delete N[-M] ... | delete set N (and for pipes/nat, their numbers). */
export async function ipfw_delete(ctx: ipfw_ctx, av: string[]): Promise<void> {
  let a = 1;
  let exitval = EX_OK;
  let do_set = false;
  NEED1(ctx, av, a, "missing rule specification");
  if (_substrcmp(ctx, av[a], "set") === 0) {
    if (ctx.co.use_set) errx(ctx, EX_DATAERR, "invalid syntax");
    do_set = true;
    a++;
  }
  while (av[a] !== undefined && isdigit(av[a][0])) {
    const r = strtoul(av[a], 10);
    const i = ulong_to_int(r);
    let j = i;
    if (r.rest[0] === "-") j = ulong_to_int(strtoul(r.rest.slice(1), 10));
    a++;
    if (ctx.co.do_nat) exitval = await ipfw_hooks.ipfw_delete_nat(ctx, i);
    else if (ctx.co.do_pipe) exitval = await ipfw_hooks.ipfw_delete_pipe(ctx, ctx.co.do_pipe, i);
    else {
      const rt = range_new();
      if (do_set) {
        rt.set = i & 31;
        rt.flags = IPFW_RCFLAG_SET;
      } else {
        rt.start_rule = i & 0xffff;
        rt.end_rule = j & 0xffff;
        if (rt.start_rule === 0 && rt.end_rule === 0) rt.flags |= IPFW_RCFLAG_ALL;
        else rt.flags |= IPFW_RCFLAG_RANGE;
        if (ctx.co.use_set !== 0) {
          rt.set = ctx.co.use_set - 1;
          rt.flags |= IPFW_RCFLAG_SET;
        }
      }
      if (ctx.co.do_dynamic === 2) rt.flags |= IPFW_RCFLAG_DYNAMIC;
      if (do_range_cmd(ctx, IP_FW_XDEL, rt) !== 0) {
        exitval = EX_UNAVAILABLE;
        if (ctx.co.do_quiet) continue;
        warn(ctx, `rule ${rt.start_rule}: setsockopt(IP_FW_XDEL)`);
      } else if (rt.new_set === 0 && !do_set && ctx.co.do_dynamic !== 2 && !ctx.co.test_only) {
        exitval = EX_UNAVAILABLE;
        if (ctx.co.do_quiet) continue;
        if (rt.start_rule !== rt.end_rule) warnx(ctx, `no rules rules in ${rt.start_rule}-${rt.end_rule} range`);
        else warnx(ctx, `rule ${rt.start_rule} not found`);
      }
    }
  }
  if (exitval !== EX_OK && ctx.co.do_force === 0) throw new prog_exit(exitval);
}

/** ipfw_zero: zero / resetlog [N ...]. */
export function ipfw_zero(ctx: ipfw_ctx, av: string[], resetlog: boolean): void {
  const name = resetlog ? "RESETLOG" : "ZERO";
  const optname = resetlog ? IP_FW_XRESETLOG : IP_FW_XZERO;
  const lav = av.slice(1);
  let failed = EX_OK;
  if (lav.length === 0) {
    const rt = range_new();
    rt.flags = IPFW_RCFLAG_ALL;
    if (do_range_cmd(ctx, optname, rt) < 0) err(ctx, EX_UNAVAILABLE, `setsockopt(IP_FW_X${name})`);
    if (!ctx.co.do_quiet) ctx.out(`${optname === IP_FW_XZERO ? "Accounting cleared" : "Logging counts reset"}.\n`);
    return;
  }
  for (const w of lav) {
    if (isdigit(w[0])) {
      const r = strtonum(w, 0, 0xffff);
      if (r.errstr !== null) errx(ctx, EX_DATAERR, `invalid rule number ${w}\n`);
      const rt = range_new();
      rt.start_rule = r.v;
      rt.end_rule = r.v;
      rt.flags |= IPFW_RCFLAG_RANGE;
      if (ctx.co.use_set !== 0) {
        rt.set = ctx.co.use_set - 1;
        rt.flags |= IPFW_RCFLAG_SET;
      }
      if (do_range_cmd(ctx, optname, rt) !== 0) {
        warn(ctx, `rule ${r.v}: setsockopt(IP_FW_X${name})`);
        failed = EX_UNAVAILABLE;
      } else if (rt.new_set === 0 && !ctx.co.test_only) {
        ctx.out(`Entry ${r.v} not found\n`);
        failed = EX_UNAVAILABLE;
      } else if (!ctx.co.do_quiet) ctx.out(`Entry ${r.v} ${optname === IP_FW_XZERO ? "cleared" : "logging count reset"}.\n`);
    } else errx(ctx, EX_USAGE, `invalid rule number \`\`${w}''`);
  }
  if (failed !== EX_OK) throw new prog_exit(failed);
}

/** ipfw_flush: ask first unless -f/-q (or stdin is not a terminal), then delete everything. */
export async function ipfw_flush(ctx: ipfw_ctx, force: number): Promise<void> {
  if (!force && !ctx.co.do_quiet) {
    ctx.out("Are you sure? [yn] ");
    // Read the answer from standard input, a line at a time.
    const lines = ctx.prog.stdin.split("\n");
    let c = "";
    let li = 0;
    for (;;) {
      if (li >= lines.length || (li === lines.length - 1 && lines[li] === "")) return; // EOF: do not flush
      c = (lines[li][0] ?? "\n").toUpperCase();
      li++;
      if (c === "Y" || c === "N") break;
    }
    ctx.out("\n");
    if (c === "N") return;
  }
  if (ctx.co.do_pipe) {
    await ipfw_hooks.dummynet_flush(ctx);
    return;
  }
  const rt = range_new();
  if (ctx.co.use_set !== 0) {
    rt.set = ctx.co.use_set - 1;
    rt.flags = IPFW_RCFLAG_SET;
  } else rt.flags = IPFW_RCFLAG_ALL;
  if (do_range_cmd(ctx, IP_FW_XDEL, rt) !== 0) err(ctx, EX_UNAVAILABLE, "setsockopt(IP_FW_XDEL)");
  if (!ctx.co.do_quiet) ctx.out(`Flushed all ${ctx.co.do_pipe ? "pipes" : "rules"}.\n`);
}

const intcmds: s_x = [["talist", TOK.TALIST], ["iflist", TOK.IFLIST], ["olist", TOK.OLIST], ["vlist", TOK.VLIST]];
const otypes: s_x = [["EACTION", IPFW_TLV_EACTION], ["DYNSTATE", IPFW_TLV_STATE_NAME]];

/** An ipfw_obj_lheader request: first the size, then the list. */
export function ipfw_get_lheader(ctx: ipfw_ctx, opcode: number): { error: number; buf: Uint8Array | null } {
  const req = new Uint8Array(SZ_ipfw_obj_lheader);
  const r = do_get3(ctx, opcode, req);
  if (r.error !== 0 && r.error !== ENOMEM) return { error: r.error, buf: null };
  const sz = Math.max(dv_of(req).getUint32(lheader_size, true), SZ_ipfw_obj_lheader);
  const olh = new Uint8Array(sz);
  dv_of(olh).setUint32(lheader_size, sz, true);
  const r2 = do_get3(ctx, opcode, olh);
  if (r2.error !== 0) return { error: r2.error, buf: null };
  return { error: 0, buf: olh };
}

function ipfw_list_objects(ctx: ipfw_ctx): void {
  const r = ipfw_get_lheader(ctx, IP_FW_DUMP_SRVOBJECTS);
  if (r.buf === null) return;
  const dv = dv_of(r.buf);
  const count = dv.getUint32(lheader_count, true);
  ctx.out(count > 0 ? "Objects list:\n" : "There are no objects\n");
  const all: obj_ntlv[] = [];
  for (let i = 0; i < count; i++) all.push(ntlv_decode(r.buf, SZ_ipfw_obj_lheader + i * SZ_ipfw_obj_ntlv));
  for (const o of all) {
    let name = match_value(otypes, o.type);
    if (name === null) name = all.find((e) => e.type === IPFW_TLV_EACTION && IPFW_TLV_EACTION_NAME(e.idx) === o.type)?.name ?? null;
    if (name === null) ctx.out(` kidx: ${String(o.idx).padStart(4)}\ttype: ${String(o.type).padStart(10)}\tname: ${o.name}\n`);
    else ctx.out(` kidx: ${String(o.idx).padStart(4)}\ttype: ${name.padStart(10)}\tname: ${o.name}\n`);
  }
}

function ipfw_list_tifaces(ctx: ipfw_ctx): void {
  const r = ipfw_get_lheader(ctx, IP_FW_XIFLIST);
  if (r.buf === null) err(ctx, EX_OSERR, "Unable to request ipfw tracked interface list", r.error);
  const dv = dv_of(r.buf);
  const count = dv.getUint32(lheader_count, true);
  const objsize = dv.getUint32(lheader_objsize, true) || SZ_ipfw_iface_info;
  const infos: { ifname: string; ifindex: number; flags: number; refcnt: number; gencnt: number }[] = [];
  for (let i = 0, o = SZ_ipfw_obj_lheader; i < count && o + SZ_ipfw_iface_info <= r.buf.length; i++, o += objsize)
    infos.push({ ifname: cstr_read(r.buf, o, 64), ifindex: dv.getUint32(o + 64, true), flags: dv.getUint32(o + 68, true), refcnt: dv.getUint32(o + 72, true), gencnt: dv.getUint32(o + 76, true) });
  infos.sort((x, y) => stringnum_cmp(x.ifname, y.ifname));
  for (const i of infos) {
    if (i.flags & IPFW_IFFLAG_RESOLVED) ctx.out(`${i.ifname} ifindex: ${i.ifindex} refcount: ${i.refcnt} changes: ${i.gencnt}\n`);
    else ctx.out(`${i.ifname} ifindex: unresolved refcount: ${i.refcnt} changes: ${i.gencnt}\n`);
  }
}

export function ipfw_internal_handler(ctx: ipfw_ctx, av: string[]): void {
  NEED1(ctx, av, 1, "internal cmd required");
  const t = match_token(intcmds, av[1]);
  if (t === -1) errx(ctx, EX_USAGE, `invalid internal sub-cmd: ${av[1]}`);
  switch (t) {
    case TOK.IFLIST:
      ipfw_list_tifaces(ctx);
      break;
    case TOK.TALIST:
      ipfw_list_ta(ctx, av.slice(1));
      break;
    case TOK.OLIST:
      ipfw_list_objects(ctx);
      break;
    case TOK.VLIST:
      ipfw_list_values(ctx, av.slice(1));
      break;
  }
}

/**
 * Entry points of dummynet.c and nat.c (sbin/ipfw_dummynet.ts,
 * sbin/ipfw_nat.ts), which register here when they load, so that this file
 * does not import them and they may import it.
 */
export interface ipfw_hooks_t {
  ipfw_config_pipe(ctx: ipfw_ctx, av: string[]): Promise<void> | void;
  dummynet_list(ctx: ipfw_ctx, av: string[], show_counters: boolean): Promise<void> | void;
  dummynet_flush(ctx: ipfw_ctx): Promise<void> | void;
  ipfw_delete_pipe(ctx: ipfw_ctx, do_pipe: number, n: number): Promise<number> | number;
  ipfw_config_nat(ctx: ipfw_ctx, av: string[]): Promise<void> | void;
  ipfw_show_nat(ctx: ipfw_ctx, av: string[]): Promise<void> | void;
  ipfw_delete_nat(ctx: ipfw_ctx, n: number): Promise<number> | number;
}
function not_built(ctx: ipfw_ctx, what: string): never {
  errx(ctx, EX_UNAVAILABLE, `${what}: not compiled in`);
}
export const ipfw_hooks: ipfw_hooks_t = {
  ipfw_config_pipe: (ctx) => not_built(ctx, "dummynet"),
  dummynet_list: (ctx) => not_built(ctx, "dummynet"),
  dummynet_flush: (ctx) => not_built(ctx, "dummynet"),
  ipfw_delete_pipe: (ctx) => not_built(ctx, "dummynet"),
  ipfw_config_nat: (ctx) => not_built(ctx, "nat"),
  ipfw_show_nat: (ctx) => not_built(ctx, "nat"),
  ipfw_delete_nat: (ctx) => not_built(ctx, "nat"),
};
