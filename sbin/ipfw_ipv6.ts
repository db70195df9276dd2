// sbin/ipfw/ipv6.c: the IPv6 pieces of ipfw's rule language: addresses and
// masks (add_srcip6/add_dstip6), unreach6 codes, icmp6types, ext6hdr and
// flow-id, and how they print.

import { F_LEN_MASK, F_NOT, O_EXT_HDR, O_FLOW6ID, O_ICMP6TYPE, O_IP6, O_IP6_DST, O_IP6_DST_MASK, O_IP6_DST_ME, O_IP6_SRC, O_IP6_SRC_MASK, O_IP6_SRC_ME, O_IP_DST_LOOKUP, O_IP_DST_SET, O_IP_SRC_LOOKUP, O_IP_SRC_SET, EXT_AH, EXT_DSTOPTS, EXT_ESP, EXT_FRAGMENT, EXT_HOPOPTS, EXT_ROUTING, EXT_RTHDR0, EXT_RTHDR2, F_INSN_SIZE } from "../netinet/ip_fw.ts";
import { inet_pton, strtoul, ulong_to_int, ulong_to_u32, ulong_to_u8 } from "./libc.ts";
import { atoi, buf_pr, contigmask, errx, EX_DATAERR, fill_table, insn_buf, ip6_ntop, ipfw_ctx, match_token, match_value, n2mask, tidx, type s_x } from "./ipfw2.ts";

const AF_INET6 = 28;
const ICMP6_MAXTYPE = 201;
/** F_INSN_SIZE(struct in6_addr). */
const IN6_WORDS = 4;

const icmp6codes: s_x = [["no-route", 0], ["admin-prohib", 1], ["address", 3], ["port", 4]];

export function fill_unreach6_code(ctx: ipfw_ctx, str: string): number {
  const r = strtoul(str, 0);
  let val = ulong_to_int(r);
  if (r.rest === str || r.rest !== "" || val >= 0x100) val = match_token(icmp6codes, str);
  if (val < 0) errx(ctx, EX_DATAERR, `unknown ICMPv6 unreachable code \`\`${str}''`);
  return val;
}

export function print_unreach6_code(bp: buf_pr, code: number): void {
  const s = match_value(icmp6codes, code);
  bp.printf(s !== null ? `unreach6 ${s}` : `unreach6 ${code}`);
}

/** print_ip6: me6, ip6, or a list of addresses with their masks. */
export function print_ip6(ctx: ipfw_ctx, bp: buf_pr, b: insn_buf, w: number): void {
  const op = b.opcode(w);
  let len = b.flen(w) - 1;
  if (op === O_IP6_SRC_ME || op === O_IP6_DST_ME) {
    bp.printf(" me6");
    return;
  }
  if (op === O_IP6) {
    bp.printf(" ip6");
    return;
  }
  bp.printf(" ");
  let off = (w + 1) * 4;
  for (len = len >> 2; len > 0; len -= 2, off += 32) {
    const a = b.u8.slice(off, off + 16);
    const m = b.u8.slice(off + 16, off + 32);
    const mb = op === O_IP6_SRC || op === O_IP6_DST ? 128 : contigmask(m, 128);
    if (mb === 0) bp.printf("any");
    else {
      bp.printf(ip6_ntop(a));
      if (mb < 0) bp.printf(`/${ip6_ntop(m)}`);
      else if (mb < 128) bp.printf(`/${mb}`);
    }
    if (len > 2) bp.printf(",");
  }
}

export function fill_icmp6types(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, cblen: number): void {
  if (cblen < F_INSN_SIZE.ipfw_insn_icmp6) errx(ctx, EX_DATAERR, "Rule too long");
  b.zero(w + 1, F_INSN_SIZE.ipfw_insn_icmp6 - 1);
  let s = av;
  while (s.length > 0) {
    if (s[0] === ",") s = s.slice(1);
    const r = strtoul(s, 0);
    const type = ulong_to_u8(r);
    s = r.rest;
    if (s.length > 0 && s[0] !== ",") errx(ctx, EX_DATAERR, "invalid ICMP6 type");
    if (type > ICMP6_MAXTYPE) errx(ctx, EX_DATAERR, "ICMP6 type out of range");
    const dw = w + 1 + (type >> 5);
    b.set_u32(dw, b.u32(dw) | (1 << (type & 31)));
  }
  b.set_opcode(w, O_ICMP6TYPE);
  b.set_len(w, b.len(w) | F_INSN_SIZE.ipfw_insn_icmp6);
}

export function print_icmp6types(bp: buf_pr, b: insn_buf, w: number): void {
  bp.printf(" icmp6types");
  let sep = " ";
  for (let i = 0; i < 7; i++)
    for (let j = 0; j < 32; j++) {
      if ((b.u32(w + 1 + i) & (1 << j)) === 0) continue;
      bp.printf(`${sep}${i * 32 + j}`);
      sep = ",";
    }
}

export function print_flow6id(bp: buf_pr, b: insn_buf, w: number): void {
  const limit = b.arg1(w);
  bp.printf(" flow-id ");
  for (let i = 0; i < limit; i++) bp.printf(`${b.u32(w + 1 + i) | 0}${i === limit - 1 ? " " : ","}`);
}

const ext6hdrcodes: s_x = [
  ["frag", EXT_FRAGMENT], ["hopopt", EXT_HOPOPTS], ["route", EXT_ROUTING], ["dstopt", EXT_DSTOPTS], ["ah", EXT_AH],
  ["esp", EXT_ESP], ["rthdr0", EXT_RTHDR0], ["rthdr2", EXT_RTHDR2],
];

export function fill_ext6hdr(ctx: ipfw_ctx, b: insn_buf, w: number, av: string): boolean {
  let arg = 0;
  for (const s of av.split(",")) {
    const t = match_token(ext6hdrcodes, s);
    if (t <= 0) errx(ctx, EX_DATAERR, "invalid option for ipv6 exten header");
    arg |= t;
  }
  b.set_arg1(w, arg);
  if (arg === 0) return false;
  b.set_opcode(w, O_EXT_HDR);
  b.set_len(w, b.len(w) | F_INSN_SIZE.ipfw_insn);
  return true;
}

export function print_ext6hdr(bp: buf_pr, b: insn_buf, w: number): void {
  const a = b.arg1(w);
  let sep = " ";
  bp.printf(" extension header:");
  const names: [number, string][] = [
    [EXT_FRAGMENT, "fragmentation"], [EXT_HOPOPTS, "hop options"], [EXT_ROUTING, "routing options"],
    [EXT_RTHDR0, "rthdr0"], [EXT_RTHDR2, "rthdr2"], [EXT_DSTOPTS, "destination options"],
    [EXT_AH, "authentication header"], [EXT_ESP, "encapsulated security payload"],
  ];
  for (const [bit, n] of names)
    if (a & bit) {
      bp.printf(`${sep}${n}`);
      sep = ",";
    }
}

function lookup_host6(host: string, dst: Uint8Array): boolean {
  return inet_pton(AF_INET6, host, dst) === 1;
}

/**
 * fill_ip6: any, me/me6, table(t), and lists of addr[/len|/mask] into an
 * ipfw_insn_ip6 (a single address without mask is stored alone).
 */
function fill_ip6(ctx: ipfw_ctx, b: insn_buf, w: number, av0: string, cblen: number, ts: tidx): void {
  let len = 0;
  let d = (w + 1) * 4;
  b.set_len(w, b.len(w) & ~F_LEN_MASK);
  if (av0 === "any") return;
  if (av0 === "me" || av0 === "me6") {
    b.set_len(w, b.len(w) | F_INSN_SIZE.ipfw_insn);
    return;
  }
  if (av0.startsWith("table(")) {
    fill_table(ctx, b, w, av0, O_IP_DST_LOOKUP, ts);
    return;
  }
  const items = av0.split(",");
  for (let k = 0; k < items.length; k++) {
    if (cblen < 1 + len + 2 * IN6_WORDS) errx(ctx, EX_DATAERR, "Rule too long");
    let host = items[k];
    let p: string | null = null;
    const slash = host.indexOf("/");
    if (slash >= 0) {
      p = host.slice(slash + 1);
      host = host.slice(0, slash);
    }
    const addr = new Uint8Array(16);
    const mask = new Uint8Array(16);
    if (!lookup_host6(host, addr)) errx(ctx, EX_DATAERR, `bad address "${host}"`);
    let masklen: number;
    if (p !== null && p.includes(":")) {
      if (inet_pton(AF_INET6, p, mask) !== 1) errx(ctx, EX_DATAERR, `bad mask "${p}"`);
      masklen = contigmask(mask, 128);
    } else {
      masklen = p !== null ? atoi(p) : 128;
      if (masklen > 128 || masklen < 0) errx(ctx, EX_DATAERR, `bad width "${p ?? ""}''`);
      n2mask(mask, masklen);
    }
    for (let i = 0; i < 16; i++) addr[i] &= mask[i];
    const last = k === items.length - 1;
    if (masklen === 0) {
      if ((b.len(w) & F_NOT) !== 0 && last && len === 0) errx(ctx, EX_DATAERR, "not any never matches");
      continue;
    }
    b.u8.set(addr, d);
    b.u8.set(mask, d + 16);
    if (masklen === 128 && last && len === 0) {
      len = IN6_WORDS;
      break;
    }
    len += IN6_WORDS * 2;
    d += 32;
  }
  if (len + 1 > F_LEN_MASK) errx(ctx, EX_DATAERR, "address list too long");
  b.set_len(w, b.len(w) | (len + 1));
}

/** fill_flow6: flow-id N[,N...] (20-bit labels). */
export function fill_flow6(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, cblen: number): void {
  let nflow = 0;
  b.set_u32(w + 1, 0);
  for (const s of av.split(",")) {
    if (cblen < F_INSN_SIZE.ipfw_insn_u32 + nflow + 1) errx(ctx, EX_DATAERR, "Rule too long");
    const r = strtoul(s, 0);
    if (r.rest !== "") errx(ctx, EX_DATAERR, `invalid ipv6 flow number ${r.rest}`);
    const type = ulong_to_u32(r);
    if (type > 0xfffff) errx(ctx, EX_DATAERR, `flow number out of range ${r.rest}`);
    b.set_u32(w + 1 + nflow, type);
    nflow++;
  }
  if (nflow > 0) {
    b.set_opcode(w, O_FLOW6ID);
    b.set_len(w, b.len(w) | (F_INSN_SIZE.ipfw_insn_u32 + nflow));
    b.set_arg1(w, nflow);
  } else errx(ctx, EX_DATAERR, `invalid ipv6 flow number ${av}`);
}

export function add_srcip6(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, cblen: number, ts: tidx): number {
  fill_ip6(ctx, b, w, av, cblen, ts);
  const op = b.opcode(w);
  if (op === O_IP_DST_SET) b.set_opcode(w, O_IP_SRC_SET);
  else if (op === O_IP_DST_LOOKUP) b.set_opcode(w, O_IP_SRC_LOOKUP);
  else if (b.flen(w) === 0) {
    /* any */
  } else if (b.flen(w) === F_INSN_SIZE.ipfw_insn) b.set_opcode(w, O_IP6_SRC_ME);
  else if (b.flen(w) === IN6_WORDS + F_INSN_SIZE.ipfw_insn) b.set_opcode(w, O_IP6_SRC);
  else b.set_opcode(w, O_IP6_SRC_MASK);
  return w;
}

export function add_dstip6(ctx: ipfw_ctx, b: insn_buf, w: number, av: string, cblen: number, ts: tidx): number {
  fill_ip6(ctx, b, w, av, cblen, ts);
  const op = b.opcode(w);
  if (op === O_IP_DST_SET || op === O_IP_DST_LOOKUP) {
    /* already right */
  } else if (b.flen(w) === 0) {
    /* any */
  } else if (b.flen(w) === F_INSN_SIZE.ipfw_insn) b.set_opcode(w, O_IP6_DST_ME);
  else if (b.flen(w) === IN6_WORDS + F_INSN_SIZE.ipfw_insn) b.set_opcode(w, O_IP6_DST);
  else b.set_opcode(w, O_IP6_DST_MASK);
  return w;
}
