// usr.sbin/ip6addrctl/ip6addrctl.c: ip6addrctl(8), the policy table of
// RFC 6724 source and destination address selection.  It reads the table
// with sysctl net.inet6.ip6.addrctlpolicy and changes it with the
// SIOCAADDRCTL_POLICY / SIOCDADDRCTL_POLICY ioctls on an IPv6 UDP socket,
// which the kernel passes to in6_src_ioctl after its privilege check.

import fs from "node:fs";
import path from "node:path";
import { EACCES, EISDIR, ENOENT } from "../kern/errno.ts";
import { AF_INET6, SOCK_DGRAM } from "../kern/socket.ts";
import { CTL_NET } from "../kern/sysctl.ts";
import { sys_close, sys_ioctl, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { IPPROTO_IPV6, IPPROTO_UDP } from "../netinet/in.ts";
import { IPV6CTL_ADDRCTLPOLICY } from "../netinet6/in6_proto.ts";
import { ADDRPOLICY_WORDS, SIOCAADDRCTL_POLICY, SIOCDADDRCTL_POLICY, in6_addrpolicy } from "../netinet6/in6_src.ts";
import { in6_mask2len, type in6_addr } from "../netinet6/in6_var.ts";
import { sysctl } from "./libc_sysctl.ts";
import { AI_NUMERICHOST, NI_NUMERICHOST, atoi, err, errx, gai_strerror, getaddrinfo, getnameinfo, prog_exit, prog_run, warn, warnx, type prog_ctx } from "./libc.ts";

function usage(ctx: prog_ctx): never {
  ctx.stderr.write(
    "usage: ip6addrctl [show]\n" +
      "       ip6addrctl add <prefix> <precedence> <label>\n" +
      "       ip6addrctl delete <prefix>\n" +
      "       ip6addrctl flush\n" +
      "       ip6addrctl install <configfile>\n",
  );
  throw new prog_exit(1);
}

/** get_policy: the kernel's table, in its order. */
function get_policy(ctx: prog_ctx, kp: proc): in6_addrpolicy[] {
  const r = sysctl(kp, [CTL_NET, AF_INET6, IPPROTO_IPV6, IPV6CTL_ADDRCTLPOLICY]);
  if (r.error !== 0) err(ctx, 1, "sysctl(IPV6CTL_ADDRCTLPOLICY)", r.error);
  const w = Array.isArray(r.value) ? r.value : [];
  if (w.length === 0) {
    ctx.stdout.write("no source-address-selection policy is installed\n");
    return [];
  }
  const out: in6_addrpolicy[] = [];
  for (let o = 0; o + ADDRPOLICY_WORDS <= w.length; o += ADDRPOLICY_WORDS) {
    const pol = new in6_addrpolicy();
    for (let i = 0; i < 4; i++) {
      put_word(pol.addr.sin6_addr.s6_addr, i, w[o + i]);
      put_word(pol.addrmask.sin6_addr.s6_addr, i, w[o + 4 + i]);
    }
    pol.preced = w[o + 8];
    pol.label = w[o + 9];
    pol.use = w[o + 10];
    out.push(pol);
  }
  return out;
}

/** One of the four network-order words of an address. */
function put_word(b: Uint8Array, i: number, v: number): void {
  b[i * 4] = (v >>> 24) & 0xff;
  b[i * 4 + 1] = (v >>> 16) & 0xff;
  b[i * 4 + 2] = (v >>> 8) & 0xff;
  b[i * 4 + 3] = v & 0xff;
}

/** dump_policy: the table under its header line. */
function dump_policy(ctx: prog_ctx, kp: proc, tab: in6_addrpolicy[]): void {
  let first = true;
  for (const pol of tab) {
    if (first) {
      ctx.stdout.write(`${"Prefix".padEnd(30)} ${"Prec".padStart(5)} ${"Label".padStart(5)} ${"Use".padStart(8)}\n`);
      first = false;
    }
    const ni = getnameinfo(kp, pol.addr, NI_NUMERICHOST);
    if (ni.error !== 0) {
      warnx(ctx, "getnameinfo for prefix address failed");
      continue;
    }
    const plen = in6_mask2len(pol.addrmask.sin6_addr);
    if (plen < 0) {
      warnx(ctx, "invalid address mask");
      continue;
    }
    ctx.stdout.write(`${`${ni.host}/${plen}`.padEnd(30)} ${String(pol.preced).padStart(5)} ${String(pol.label).padStart(5)} ${String(pol.use).padStart(8)}\n`);
  }
}

/**
 * parse_prefix: "address/length" into the policy's address and mask; false
 * (after saying why, where ip6addrctl.c says it) when it is not one.  The
 * length is atoi of everything after the slash, as in ip6addrctl.c.
 */
function parse_prefix(ctx: prog_ctx, kp: proc, prefix0: string, pol: in6_addrpolicy): boolean {
  const slash = prefix0.indexOf("/");
  if (slash < 0) return false;
  const prefix = prefix0.slice(0, slash);
  const r = getaddrinfo(kp, prefix, null, { ai_flags: AI_NUMERICHOST, ai_family: AF_INET6 });
  if (r.error !== 0) {
    warnx(ctx, `getaddrinfo failed for ${prefix}: ${gai_strerror(r.error)}`);
    return false;
  }
  const sa = r.res[0].ai_addr;
  if (!("sin6_addr" in sa)) return false;
  pol.addr.sin6_addr.s6_addr.set(sa.sin6_addr.s6_addr);
  pol.addr.sin6_scope_id = sa.sin6_scope_id;
  const plen = atoi(prefix0.slice(slash + 1));
  if (plen < 0 || plen > 128) {
    warnx(ctx, `invalid prefix length: ${plen}`);
    return false;
  }
  plen2mask(pol.addrmask.sin6_addr, plen);
  return true;
}

/** plen2mask: a mask of plen leading ones. */
function plen2mask(mask: in6_addr, plen: number): void {
  const b = mask.s6_addr;
  b.fill(0);
  let i = 0;
  for (; plen >= 8; plen -= 8) b[i++] = 0xff;
  if (plen > 0) b[i] = (0xff << (8 - plen)) & 0xff;
}

/** The UDP socket the ioctls go through. */
function udp_socket(ctx: prog_ctx, kp: proc): number {
  const s = sys_socket(kp, AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
  if (s.error !== 0) err(ctx, 1, "socket(UDP)", s.error);
  return s.fd;
}

function add_policy(ctx: prog_ctx, kp: proc, prefix: string, prec: string, label: string): void {
  const p = new in6_addrpolicy();
  if (!parse_prefix(ctx, kp, prefix, p)) errx(ctx, 1, `bad prefix: ${prefix}`);
  p.preced = atoi(prec);
  p.label = atoi(label);
  const s = udp_socket(ctx, kp);
  const error = sys_ioctl(kp, s, SIOCAADDRCTL_POLICY, p);
  if (error !== 0) err(ctx, 1, "ioctl(SIOCAADDRCTL_POLICY)", error);
  sys_close(kp, s);
}

function delete_policy(ctx: prog_ctx, kp: proc, prefix: string): void {
  const p = new in6_addrpolicy();
  if (!parse_prefix(ctx, kp, prefix, p)) errx(ctx, 1, `bad prefix: ${prefix}`);
  const s = udp_socket(ctx, kp);
  const error = sys_ioctl(kp, s, SIOCDADDRCTL_POLICY, p);
  if (error !== 0) err(ctx, 1, "ioctl(SIOCDADDRCTL_POLICY)", error);
  sys_close(kp, s);
}

/** flush_policy / set_policy: one ioctl per entry, a warning for each that fails. */
function apply_policies(ctx: prog_ctx, kp: proc, tab: in6_addrpolicy[], cmd: number, name: string): void {
  const s = udp_socket(ctx, kp);
  for (const pol of tab) {
    const error = sys_ioctl(kp, s, cmd, pol);
    if (error !== 0) warn(ctx, `ioctl(${name})`, error);
  }
  sys_close(kp, s);
}

/**
 * make_policy_fromfile: "prefix precedence label" a line; blank lines and
 * lines starting with '#' are skipped.  A line that stops early fails the
 * whole file with its number.
 */
function make_policy_fromfile(ctx: prog_ctx, kp: proc, conf: string): in6_addrpolicy[] {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(ctx.env.get("PWD") ?? process.cwd(), conf), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    err(ctx, 1, `fopen: ${conf}`, code === "EACCES" ? EACCES : code === "EISDIR" ? EISDIR : ENOENT);
  }
  const out: in6_addrpolicy[] = [];
  const lines = text.split(/(?<=\n)/);
  let count = 0;
  const bad = (): never => errx(ctx, 1, `parse failed at line ${count}`);
  const white = (l: string, i: number, emptyok: boolean): number => {
    while (l[i] === " " || l[i] === "\t") i++;
    if ((i >= l.length || l[i] === "\n") && !emptyok) bad();
    return i;
  };
  const word = (l: string, i: number): number => {
    while (i < l.length && l[i] !== " " && l[i] !== "\t") i++;
    if (i >= l.length || l[i] === "\n") bad();
    return i;
  };
  for (const line of lines) {
    count++;
    let i = white(line, 0, true);
    if (line[i] === "\n" || line[i] === "#") continue;
    const pol = new in6_addrpolicy();
    if (!parse_prefix(ctx, kp, line.slice(i), pol)) bad();
    i = white(line, word(line, i), false);
    pol.preced = atoi(line.slice(i));
    i = white(line, word(line, i), false);
    pol.label = atoi(line.slice(i));
    out.push(pol);
  }
  return out;
}

export async function ip6addrctl_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const kp = ctx.p as proc;
    const argv = ctx.argv;
    const cmd = argv.length === 1 ? "show" : argv[1].toLowerCase();
    if (cmd === "show") {
      dump_policy(ctx, kp, get_policy(ctx, kp));
    } else if (cmd === "add") {
      if (argv.length < 5) usage(ctx);
      add_policy(ctx, kp, argv[2], argv[3], argv[4]);
    } else if (cmd === "delete") {
      if (argv.length < 3) usage(ctx);
      delete_policy(ctx, kp, argv[2]);
    } else if (cmd === "flush") {
      apply_policies(ctx, kp, get_policy(ctx, kp), SIOCDADDRCTL_POLICY, "SIOCDADDRCTL_POLICY");
    } else if (cmd === "install") {
      if (argv.length < 3) usage(ctx);
      apply_policies(ctx, kp, make_policy_fromfile(ctx, kp, argv[2]), SIOCAADDRCTL_POLICY, "SIOCAADDRCTL_POLICY");
    } else usage(ctx);
    return 0;
  });
}
