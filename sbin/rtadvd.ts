// usr.sbin/rtadvd/rtadvd.c, config.c, advcap.c: rtadvd(8), the router
// advertisement daemon, as much of it as an IMUNES-style router needs.
// For each interface named it advertises (to ff02::1, hop limit 255) the
// router and the prefixes of the interface's own global addresses (or the
// prefixes rtadvd.conf gives), every interval seconds between mininterval
// and maxinterval (the first three at most 16 s apart), and answers a
// Router Solicitation within half a second (but at most one RA per 3 s).
//
// rtadvd.conf: termcap-style entries, "ifname:\" then ":key#num:" or
// ':key="str":' capabilities; "default" applies where the interface has
// no entry.  Known: maxinterval, mininterval, chlim, raflags, rltime,
// rtime, retrans, mtu (a number or "auto"), pinfoflags, vltime, pltime,
// addr/prefixlen (addr0..), noifprefix, tc.
//
// Departures from FreeBSD 14: it stays in the foreground (there is no
// daemon(3) here; -f is what it always does, run it with &); no -C
// control socket (rtadvctl), -M, -R or -p; no final RAs with lifetime 0
// when it is killed; RSs are taken from a raw socket without control
// messages, so their hop limit is not checked.

import fs from "node:fs";
import path from "node:path";
import { strerror } from "../kern/errno.ts";
import { arc4random_uniform } from "../kern/arc4random.ts";
import { CLOCK_MONOTONIC, sys_clock_gettime } from "../kern/kern_time.ts";
import { AF_INET6, AF_LINK, SOCK_RAW } from "../kern/socket.ts";
import { sys_wait_readable } from "../kern/sys_generic.ts";
import { sys_close, sys_recvfrom, sys_sendto, sys_setsockopt, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { IFT_ETHER } from "../net/if_dl.ts";
import { ICMP6_FILTER, IPPROTO_ICMPV6, ND_ROUTER_ADVERT, ND_ROUTER_SOLICIT } from "../netinet/icmp6.ts";

import { IPPROTO_IPV6 } from "../netinet6/ip6_var.ts";
import { getifaddrs } from "./libc_getifaddrs.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { getopt, prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import { IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_LOOPBACK, IN6_IS_ADDR_MULTICAST, in6_addr, in6_addr_from, in6_mask2len, inet_ntop6, inet_pton6, sockaddr_in6 } from "../netinet6/in6_var.ts";

// netinet6/in6.h socket options.
const IPV6_MULTICAST_IF = 9;
const IPV6_MULTICAST_HOPS = 10;
const IPV6_MULTICAST_LOOP = 11;
const IPV6_JOIN_GROUP = 12;

// sys/syslog.h
const LOG_ERR = 3;
const LOG_NOTICE = 5;
const LOG_INFO = 6;
const LOG_DEBUG = 7;

// rtadvd.h: protocol constants and defaults.
const DEF_MAXRTRADVINTERVAL = 600;
const DEF_ADVLINKMTU = 0;
const DEF_ADVREACHABLETIME = 0;
const DEF_ADVRETRANSTIMER = 0;
const DEF_ADVCURHOPLIMIT = 64;
const DEF_ADVVALIDLIFETIME = 2592000;
const DEF_ADVPREFERREDLIFETIME = 604800;
const MAXROUTERLIFETIME = 9000;
const MIN_MAXINTERVAL = 4;
const MAX_MAXINTERVAL = 1800;
const MIN_MININTERVAL = 3;
const MAXREACHABLETIME = 3600000;
const MAX_INITIAL_RTR_ADVERT_INTERVAL = 16;
const MAX_INITIAL_RTR_ADVERTISEMENTS = 3;
const MIN_DELAY_BETWEEN_RAS = 3;
const MAX_RA_DELAY_TIME = 500000; // us
const ND_RA_FLAG_MANAGED = 0x80;
const ND_RA_FLAG_OTHER = 0x40;
const ND_OPT_PI_FLAG_ONLINK = 0x80;
const ND_OPT_PI_FLAG_AUTO = 0x40;

/** One advertised prefix. */
interface prefix {
  prefix: in6_addr;
  prefixlen: number;
  validlifetime: number;
  preflifetime: number;
  onlinkflg: number;
  autoflg: number;
}

/** struct rainfo / ifinfo: one interface's advertisement. */
interface rainfo {
  ifname: string;
  ifindex: number;
  iftype: number;
  lladdr: Uint8Array;
  maxinterval: number;
  mininterval: number;
  hoplimit: number;
  managedflg: number;
  otherflg: number;
  rtpref: number;
  lifetime: number;
  reachabletime: number;
  retranstimer: number;
  linkmtu: number;
  prefixes: prefix[];
  /** When the next RA goes (ns, monotonic). */
  next: number;
  initcounter: number;
  /** When the last RA went (ns), 0 for never. */
  lastsent: number;
  /** An RS answer is scheduled. */
  rs_waiting: boolean;
  raoutput: number;
  rsinput: number;
}

interface rtadvd_state {
  ctx: prog_ctx;
  kp: proc;
  dflag: number;
  sflag: boolean;
  log_upto: number;
  sock: number;
  ifs: rainfo[];
}

function usage(ctx: prog_ctx): never {
  ctx.stderr.write("usage: rtadvd [-dDfRs] [-c configfile] [-C ctlsock] [-M ifname] [-p pidfile]\n");
  throw new prog_exit(1);
}

/** syslog with LOG_PERROR: "rtadvd[pid]: <func> msg" on standard error. */
function syslog(st: rtadvd_state, pri: number, func: string, msg: string): void {
  if (pri <= st.log_upto) st.ctx.stderr.write(`rtadvd[${st.kp.p_pid}]: <${func}> ${msg}\n`);
}

function now_ns(st: rtadvd_state): number {
  const t = sys_clock_gettime(st.kp, CLOCK_MONOTONIC);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

export async function rtadvd_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const kp = ctx.p as proc;
    const st: rtadvd_state = { ctx, kp, dflag: 0, sflag: false, log_upto: LOG_ERR, sock: -1, ifs: [] };
    let conffile = "/etc/rtadvd.conf";
    const { opts, optind } = getopt(ctx, "c:dDfs", () => usage(ctx));
    for (const [ch, v] of opts) {
      switch (ch) {
        case "c":
          conffile = v;
          break;
        case "d":
          st.dflag++;
          break;
        case "D":
          st.dflag += 3;
          break;
        case "f":
          // The foreground is where it runs anyway (see the header).
          break;
        case "s":
          st.sflag = true;
          break;
      }
    }
    const argv = ctx.argv.slice(optind);
    if (argv.length === 0) usage(ctx);
    st.log_upto = st.dflag === 0 ? LOG_NOTICE : st.dflag === 1 ? LOG_INFO : LOG_DEBUG;
    const conf = read_conf(st, conffile);
    try {
      if (sock_open(st) < 0) throw new prog_exit(1);
      for (const ifname of argv) {
        const rai = getconfig(st, ifname, conf);
        if (rai === null) continue;
        st.ifs.push(rai);
        join_allrouters(st, rai);
      }
      if (st.ifs.length === 0) {
        syslog(st, LOG_ERR, "main", "no interface to advertise on");
        return 1;
      }
      for (;;) {
        const now = now_ns(st);
        let next = Infinity;
        for (const rai of st.ifs) {
          if (rai.next <= now) {
            ra_output(st, rai);
            ra_timer_update(st, rai);
          }
          if (rai.next < next) next = rai.next;
        }
        if (await sys_wait_readable(kp, st.sock, Math.max(0, next - now_ns(st)))) rtadvd_input(st);
      }
    } finally {
      if (st.sock >= 0) sys_close(kp, st.sock);
    }
  });
}

/** A termcap-style file as entries by name: capabilities "key" -> value ("" for a boolean, a # number as text). */
type conf_entries = Map<string, Map<string, string>>;

function read_conf(st: rtadvd_state, file: string): conf_entries {
  const out: conf_entries = new Map();
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(st.ctx.env.get("PWD") ?? process.cwd(), file), "utf8");
  } catch {
    // No file: the defaults (as FreeBSD's, without one).
    return out;
  }
  // Join continued lines, drop comments.
  const joined = text
    .split("\n")
    .filter((l) => !l.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n[ \t]*/g, "");
  for (const line of joined.split("\n")) {
    if (line.trim() === "") continue;
    const fields = split_caps(line);
    const names = fields[0].trim().split("|");
    const caps = new Map<string, string>();
    for (const f of fields.slice(1)) {
      const c = f.trim();
      if (c === "") continue;
      const hash = c.indexOf("#");
      const eq = c.indexOf("=");
      if (hash > 0 && (eq < 0 || hash < eq)) caps.set(c.slice(0, hash), c.slice(hash + 1));
      else if (eq > 0) caps.set(c.slice(0, eq), c.slice(eq + 1).replace(/^"(.*)"$/, "$1"));
      else caps.set(c, "");
    }
    for (const n of names) out.set(n, caps);
  }
  return out;
}

/** A line's fields at its colons, but not those inside double quotes (advcap.c's tskip and tdecode). */
function split_caps(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let dquote = false;
  for (const c of line) {
    if (c === '"') dquote = !dquote;
    if (c === ":" && !dquote) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The capabilities of name, following tc= links. */
function conf_caps(conf: conf_entries, name: string): Map<string, string> | null {
  const e = conf.get(name);
  if (e === undefined) return null;
  const tc = e.get("tc");
  if (tc === undefined) return e;
  const base = conf_caps(conf, tc);
  if (base === null) return e;
  const m = new Map(base);
  for (const [k, v] of e) if (k !== "tc") m.set(k, v);
  return m;
}

function sock_open(st: rtadvd_state): number {
  const r = sys_socket(st.kp, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
  if (r.error !== 0) {
    syslog(st, LOG_ERR, "sock_open", `socket: ${strerror(r.error)}`);
    return -1;
  }
  st.sock = r.fd;
  // Only RSs come in.
  const filt = new Uint8Array(32);
  filt[ND_ROUTER_SOLICIT >> 3] |= 1 << (ND_ROUTER_SOLICIT & 7);
  const e = sys_setsockopt(st.kp, st.sock, IPPROTO_ICMPV6, ICMP6_FILTER, filt);
  if (e !== 0) {
    syslog(st, LOG_ERR, "sock_open", `IICMP6_FILTER: ${strerror(e)}`);
    return -1;
  }
  sys_setsockopt(st.kp, st.sock, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255);
  sys_setsockopt(st.kp, st.sock, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
  return 0;
}

/** Join ff02::2 on the interface, where solicitations are sent. */
function join_allrouters(st: rtadvd_state, rai: rainfo): void {
  const mreq = new Uint8Array(20);
  mreq.set([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  new DataView(mreq.buffer).setUint32(16, rai.ifindex, true);
  const e = sys_setsockopt(st.kp, st.sock, IPPROTO_IPV6, IPV6_JOIN_GROUP, mreq);
  if (e !== 0) syslog(st, LOG_ERR, "sock_open", `IPV6_JOIN_GROUP(link) on ${rai.ifname}: ${strerror(e)}`);
}

function num(caps: Map<string, string> | null, key: string, def: number): number {
  const v = caps?.get(key);
  if (v === undefined) return def;
  const n = Number(v.startsWith("0x") ? parseInt(v, 16) : v);
  return Number.isFinite(n) ? n : def;
}

/** getconfig: the interface's advertisement from its entry (or "default", or the built-in defaults). */
function getconfig(st: rtadvd_state, ifname: string, conf: conf_entries): rainfo | null {
  const link = getifaddrs(st.kp).ifap.find((a) => a.family === AF_LINK && a.ifa_name === ifname);
  if (link === undefined) {
    syslog(st, LOG_ERR, "getconfig", `invalid interface ${ifname}`);
    return null;
  }
  const caps = conf_caps(conf, ifname) ?? conf_caps(conf, "default");
  const fname = "getconfig";
  const maxinterval = num(caps, "maxinterval", DEF_MAXRTRADVINTERVAL);
  if (maxinterval < MIN_MAXINTERVAL || maxinterval > MAX_MAXINTERVAL) {
    syslog(st, LOG_ERR, fname, `maxinterval (${maxinterval}) on ${ifname} is invalid (must be between ${MIN_MAXINTERVAL} and ${MAX_MAXINTERVAL})`);
    return null;
  }
  const mininterval = num(caps, "mininterval", maxinterval >= 9 ? Math.floor((maxinterval * 33) / 100) : maxinterval);
  if (mininterval < MIN_MININTERVAL || mininterval > Math.floor((maxinterval * 3) / 4)) {
    syslog(st, LOG_ERR, fname, `mininterval (${mininterval}) on ${ifname} is invalid (must be between ${MIN_MININTERVAL} and ${Math.floor((maxinterval * 3) / 4)})`);
    return null;
  }
  const raflags = num(caps, "raflags", 0);
  const lifetime = num(caps, "rltime", maxinterval * 3);
  if (lifetime !== 0 && (lifetime < maxinterval || lifetime > MAXROUTERLIFETIME)) {
    syslog(st, LOG_ERR, fname, `router lifetime (${lifetime}) on ${ifname} is invalid (must be 0 or between ${maxinterval} and ${MAXROUTERLIFETIME})`);
    return null;
  }
  // A host (forwarding off) must not advertise itself as a default router.
  const fw = sysctlbyname(st.kp, "net.inet6.ip6.forwarding");
  if (lifetime !== 0 && fw.error === 0 && fw.value === 0)
    syslog(st, LOG_NOTICE, fname, `non zero router lifetime is specified for ${ifname}, which must not be allowed for hosts.  you must change router lifetime or enable IPv6 forwarding.`);
  const reachabletime = num(caps, "rtime", DEF_ADVREACHABLETIME);
  if (reachabletime > MAXREACHABLETIME) {
    syslog(st, LOG_ERR, fname, `reachable time (${reachabletime}) is invalid (must be no greater than ${MAXREACHABLETIME})`);
    return null;
  }
  let linkmtu = DEF_ADVLINKMTU;
  const mtu = caps?.get("mtu");
  if (mtu !== undefined) linkmtu = mtu === "auto" ? link.ifa_data.ifi_mtu : num(caps, "mtu", 0);
  const rai: rainfo = {
    ifname,
    ifindex: link.sdl_index,
    iftype: link.sdl_type,
    lladdr: link.sdl_lladdr,
    maxinterval,
    mininterval,
    hoplimit: num(caps, "chlim", DEF_ADVCURHOPLIMIT),
    managedflg: raflags & ND_RA_FLAG_MANAGED,
    otherflg: raflags & ND_RA_FLAG_OTHER,
    rtpref: raflags & 0x18,
    lifetime,
    reachabletime,
    retranstimer: num(caps, "retrans", DEF_ADVRETRANSTIMER),
    linkmtu,
    prefixes: [],
    next: 0,
    initcounter: 0,
    lastsent: 0,
    rs_waiting: false,
    raoutput: 0,
    rsinput: 0,
  };
  const pinfoflags = num(caps, "pinfoflags", ND_OPT_PI_FLAG_ONLINK | ND_OPT_PI_FLAG_AUTO);
  const vltime = num(caps, "vltime", DEF_ADVVALIDLIFETIME);
  const pltime = num(caps, "pltime", DEF_ADVPREFERREDLIFETIME);
  // addr, addr0, addr1, ...: configured prefixes.
  for (let i = -1; i < 100; i++) {
    const key = i < 0 ? "addr" : `addr${i}`;
    const a = caps?.get(key);
    if (a === undefined) {
      if (i >= 0) break;
      continue;
    }
    const p = inet_pton6(a);
    if (p === null) {
      syslog(st, LOG_ERR, fname, `inet_pton failed for ${a}`);
      return null;
    }
    const plen = num(caps, i < 0 ? "prefixlen" : `prefixlen${i}`, 64);
    rai.prefixes.push({ prefix: p, prefixlen: plen, validlifetime: vltime, preflifetime: pltime, onlinkflg: pinfoflags & ND_OPT_PI_FLAG_ONLINK, autoflg: pinfoflags & ND_OPT_PI_FLAG_AUTO });
  }
  // No prefix configured: the interface's own (get_prefix), unless noifprefix.
  if (rai.prefixes.length === 0 && !(caps?.has("noifprefix") ?? false)) {
    for (const ifa of getifaddrs(st.kp).ifap) {
      const s6 = ifa.family === AF_INET6 && ifa.ifa_name === ifname ? (ifa.sin6 ?? null) : null;
      const m6 = s6 !== null ? (ifa.mask6 ?? null) : null;
      if (s6 === null || m6 === null) continue;
      const a = s6.sin6_addr;
      if (IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MULTICAST(a) || IN6_IS_ADDR_LOOPBACK(a)) continue;
      const plen = in6_mask2len(m6.sin6_addr);
      if (plen < 0 || plen > 128) continue;
      const p = new in6_addr();
      for (let i = 0; i < 16; i++) p.s6_addr[i] = a.s6_addr[i] & m6.sin6_addr.s6_addr[i];
      if (rai.prefixes.some((x) => x.prefixlen === plen && inet_ntop6(x.prefix) === inet_ntop6(p))) continue;
      rai.prefixes.push({ prefix: p, prefixlen: plen, validlifetime: vltime, preflifetime: pltime, onlinkflg: pinfoflags & ND_OPT_PI_FLAG_ONLINK, autoflg: pinfoflags & ND_OPT_PI_FLAG_AUTO });
      syslog(st, LOG_DEBUG, "get_prefix", `add ${inet_ntop6(p)}/${plen} to prefix list on ${ifname}`);
    }
  }
  ra_timer_update(st, rai);
  return rai;
}

/** ra_timer_update: the next RA, random between min and max interval (the first few at most 16 s away). */
function ra_timer_update(st: rtadvd_state, rai: rainfo): void {
  let interval = rai.mininterval;
  interval += arc4random_uniform(rai.maxinterval - rai.mininterval);
  if (rai.initcounter < MAX_INITIAL_RTR_ADVERTISEMENTS && interval > MAX_INITIAL_RTR_ADVERT_INTERVAL) interval = MAX_INITIAL_RTR_ADVERT_INTERVAL;
  rai.next = now_ns(st) + interval * 1e9;
  syslog(st, LOG_DEBUG, "ra_timer_update", `RA timer on ${rai.ifname} is set to ${interval}s`);
}

/** make_packet: the RA as rtadvd builds it (header, source link-layer address, MTU, prefixes). */
function make_packet(st: rtadvd_state, rai: rainfo): Uint8Array {
  const lladdroptlen = !st.sflag && rai.iftype === IFT_ETHER ? 8 : 0;
  const len = 16 + lladdroptlen + (rai.linkmtu !== 0 ? 8 : 0) + 32 * rai.prefixes.length;
  const buf = new Uint8Array(len);
  const dv = new DataView(buf.buffer);
  buf[0] = ND_ROUTER_ADVERT;
  buf[4] = rai.hoplimit;
  buf[5] = rai.managedflg | rai.otherflg | rai.rtpref;
  dv.setUint16(6, rai.lifetime);
  dv.setUint32(8, rai.reachabletime);
  dv.setUint32(12, rai.retranstimer);
  let o = 16;
  if (lladdroptlen !== 0) {
    buf[o] = 1; // ND_OPT_SOURCE_LINKADDR
    buf[o + 1] = 1;
    buf.set(rai.lladdr.subarray(0, 6), o + 2);
    o += 8;
  }
  if (rai.linkmtu !== 0) {
    buf[o] = 5; // ND_OPT_MTU
    buf[o + 1] = 1;
    dv.setUint32(o + 4, rai.linkmtu);
    o += 8;
  }
  for (const p of rai.prefixes) {
    buf[o] = 3; // ND_OPT_PREFIX_INFORMATION
    buf[o + 1] = 4;
    buf[o + 2] = p.prefixlen;
    buf[o + 3] = p.onlinkflg | p.autoflg;
    dv.setUint32(o + 4, p.validlifetime);
    dv.setUint32(o + 8, p.preflifetime);
    buf.set(p.prefix.s6_addr, o + 16);
    o += 32;
  }
  return buf;
}

const allnodes = in6_addr_from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

/** ra_output: one RA to all nodes on the interface. */
function ra_output(st: rtadvd_state, rai: rainfo): void {
  const pkt = make_packet(st, rai);
  sys_setsockopt(st.kp, st.sock, IPPROTO_IPV6, IPV6_MULTICAST_IF, rai.ifindex);
  syslog(st, LOG_DEBUG, "ra_output", `send RA on ${rai.ifname}, # of RS waitings = ${rai.rs_waiting ? 1 : 0}`);
  const r = sys_sendto(st.kp, st.sock, pkt, 0, new sockaddr_in6(allnodes, 0, rai.ifindex));
  if (r.error !== 0) syslog(st, LOG_ERR, "ra_output", `sendmsg on ${rai.ifname}: ${strerror(r.error)}`);
  rai.raoutput++;
  if (rai.initcounter < MAX_INITIAL_RTR_ADVERTISEMENTS) rai.initcounter++;
  rai.lastsent = now_ns(st);
  rai.rs_waiting = false;
}

/** rtadvd_input: an RS: answer it soon (RFC 4861 6.2.6). */
function rtadvd_input(st: rtadvd_state): void {
  const r = sys_recvfrom(st.kp, st.sock, 1500, 0);
  if (r.error !== 0 || r.data === null) return;
  const from = r.from;
  if (from === null || !("sin6_addr" in from)) return;
  const icp = r.data;
  if (icp.length < 8 || icp[0] !== ND_ROUTER_SOLICIT) return;
  if (icp[1] !== 0) {
    syslog(st, LOG_INFO, "rtadvd_input", `RS with invalid ICMP6 code(${icp[1]}) received from ${inet_ntop6(from.sin6_addr)}`);
    return;
  }
  const rai = st.ifs.find((i) => i.ifindex === from.sin6_scope_id) ?? (st.ifs.length === 1 ? st.ifs[0] : undefined);
  if (rai === undefined) {
    syslog(st, LOG_INFO, "rs_input", `RS received on non advertising interface(${from.sin6_scope_id})`);
    return;
  }
  syslog(st, LOG_DEBUG, "rs_input", `RS received from ${inet_ntop6(from.sin6_addr)} on ${rai.ifname}`);
  rai.rsinput++;
  set_short_delay(st, rai);
}

/** set_short_delay: the answer goes after up to MAX_RA_DELAY_TIME, and MIN_DELAY_BETWEEN_RAS after the last RA. */
function set_short_delay(st: rtadvd_state, rai: rainfo): void {
  const delay = arc4random_uniform(MAX_RA_DELAY_TIME) * 1000;
  const now = now_ns(st);
  let at = now + delay;
  if (rai.lastsent !== 0 && now - rai.lastsent < MIN_DELAY_BETWEEN_RAS * 1e9) at = rai.lastsent + MIN_DELAY_BETWEEN_RAS * 1e9 + delay;
  // An RA due sooner anyway answers it.
  if (at < rai.next) rai.next = at;
  rai.rs_waiting = true;
}

