// sbin/ipfw/dummynet.c: `ipfw pipe|queue|sched N config ...`, their show,
// list, delete and flush, and dnctl(8), which is the same code under its
// own name (FreeBSD 14 builds dnctl from sbin/ipfw).  Everything goes to
// the kernel through IP_DUMMYNET3 on a raw socket, as objects laid out by
// <netinet/ip_dummynet.h> (netinet/ip_dummynet.ts's codecs).

import fs from "node:fs";
import path from "node:path";
import { inet_ntoa } from "../netinet/in.ts";
import {
  DN_API_VERSION,
  DN_CMD_CONFIG,
  DN_CMD_DELETE,
  DN_CMD_FLUSH,
  DN_CMD_GET,
  DN_FLOW,
  DN_FS,
  DN_HAVE_MASK,
  DN_IS_AQM,
  DN_IS_ECN,
  DN_IS_GENTLE_RED,
  DN_IS_RED,
  DN_LINK,
  DN_MAX_ID,
  DN_NOERROR,
  DN_PIPE_CMD,
  DN_PROFILE,
  DN_QSIZE_BYTES,
  DN_SCH,
  DN_SCH_PARAMS,
  DN_AQM_PARAMS,
  DN_TEXT,
  ED_MAX_NAME_LEN,
  ED_MAX_SAMPLES_NO,
  SCALE_RED,
  SIZEOF_DN_EXTRA_PARMS,
  DN_MAX_EXTRA_PARM,
  dn_extra_parms,
  dn_extra_parms_dec,
  dn_extra_parms_enc,
  SIZEOF_DN_FLOW,
  SIZEOF_DN_FS,
  SIZEOF_DN_ID,
  SIZEOF_DN_LINK,
  SIZEOF_DN_PROFILE,
  SIZEOF_DN_SCH,
  dn_flow_dec,
  dn_fs,
  dn_fs_dec,
  dn_fs_enc,
  dn_id,
  dn_id_dec,
  dn_id_enc,
  dn_link,
  dn_link_dec,
  dn_link_enc,
  dn_profile,
  dn_profile_dec,
  dn_profile_enc,
  dn_sch,
  dn_sch_dec,
  dn_sch_enc,
  type dn_flow,
} from "../netinet/ip_dummynet.ts";
import { IP_DUMMYNET3, type ipfw_flow_id } from "../netinet/ip_fw.ts";
import {
  EX_DATAERR,
  EX_OK,
  EX_UNAVAILABLE,
  EX_USAGE,
  _substrcmp,
  _substrcmp2,
  atoi,
  buf_pr,
  do_cmd,
  err,
  errx,
  getprotobynumber,
  ipfw_ctx,
  ipfw_delete,
  ipfw_flush,
  ipfw_hooks,
  ipfw_list,
  isdigit,
  match_token,
  pr_u64,
  warn,
  warnx,
  type s_x,
} from "./ipfw2.ts";
import { inet_ntop, isatty, prog_run, strtod, strtoul, ulong_to_int, ulong_to_u32, type prog_ctx } from "./libc.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { fmt_g } from "./iperf3.ts";

const AF_INET6 = 28;

// Tokens (ipfw2.h's enum tokens, the ones dummynet.c reads).
const TOK_PLR = 1;
const TOK_NOERROR = 2;
const TOK_BUCKETS = 3;
const TOK_DSTIP = 4;
const TOK_SRCIP = 5;
const TOK_DSTPORT = 6;
const TOK_SRCPORT = 7;
const TOK_PROTO = 8;
const TOK_WEIGHT = 9;
const TOK_LMAX = 10;
const TOK_ALL = 11;
const TOK_MASK = 12;
const TOK_SCHED_MASK = 13;
const TOK_FLOW_MASK = 14;
const TOK_DROPTAIL = 15;
const TOK_ECN = 16;
const TOK_RED = 17;
const TOK_GRED = 18;
const TOK_CODEL = 19;
const TOK_FQ_CODEL = 20;
const TOK_PIE = 21;
const TOK_FQ_PIE = 22;
const TOK_BW = 23;
const TOK_DELAY = 24;
const TOK_LINK = 25;
const TOK_PIPE = 26;
const TOK_QUEUE = 27;
const TOK_FLOWSET = 28;
const TOK_SCHED = 29;
const TOK_PRI = 30;
const TOK_TYPE = 31;
const TOK_FLOWID = 32;
const TOK_DSTIP6 = 33;
const TOK_SRCIP6 = 34;
const TOK_PROFILE = 35;
const TOK_BURST = 36;
const TOK_NULL = 37;

const dummynet_params: s_x = [
  ["plr", TOK_PLR],
  ["noerror", TOK_NOERROR],
  ["buckets", TOK_BUCKETS],
  ["dst-ip", TOK_DSTIP],
  ["src-ip", TOK_SRCIP],
  ["dst-port", TOK_DSTPORT],
  ["src-port", TOK_SRCPORT],
  ["proto", TOK_PROTO],
  ["weight", TOK_WEIGHT],
  ["lmax", TOK_LMAX],
  ["maxlen", TOK_LMAX],
  ["all", TOK_ALL],
  ["mask", TOK_MASK],
  ["sched_mask", TOK_SCHED_MASK],
  ["flow_mask", TOK_FLOW_MASK],
  ["droptail", TOK_DROPTAIL],
  ["ecn", TOK_ECN],
  ["red", TOK_RED],
  ["gred", TOK_GRED],
  ["codel", TOK_CODEL],
  ["fq_codel", TOK_FQ_CODEL],
  ["pie", TOK_PIE],
  ["fq_pie", TOK_FQ_PIE],
  ["bw", TOK_BW],
  ["bandwidth", TOK_BW],
  ["delay", TOK_DELAY],
  ["link", TOK_LINK],
  ["pipe", TOK_PIPE],
  ["queue", TOK_QUEUE],
  ["flowset", TOK_FLOWSET],
  ["sched", TOK_SCHED],
  ["pri", TOK_PRI],
  ["priority", TOK_PRI],
  ["type", TOK_TYPE],
  ["flow-id", TOK_FLOWID],
  ["dst-ipv6", TOK_DSTIP6],
  ["dst-ip6", TOK_DSTIP6],
  ["src-ipv6", TOK_SRCIP6],
  ["src-ip6", TOK_SRCIP6],
  ["profile", TOK_PROFILE],
  ["burst", TOK_BURST],
  ["dummynet-params", TOK_NULL],
];


/** n2mask: the first n bits of an IPv6 mask. */
function n2mask(a: Uint8Array, n: number): void {
  a.fill(0);
  for (let i = 0; i < 16; i++, n -= 8) {
    if (n >= 8) a[i] = 0xff;
    else if (n > 0) a[i] = (0xff << (8 - n)) & 0xff;
  }
}

/** read_bandwidth: "1Mbit/s", "100k", "2MB/s" (bytes), or an interface name. */
function read_bandwidth(ctx: ipfw_ctx, arg: string, cur: number, if_name: { v: string } | null): number {
  if (cur !== -1) warnx(ctx, "duplicate token, override bandwidth value!");
  if (arg[0] >= "a" && arg[0] <= "z") {
    if (if_name === null) errx(ctx, 1, "no if support");
    if_name.v = arg.slice(0, 15);
    return 0;
  }
  const r = strtoul(arg, 0);
  let bw = r.v;
  let end = r.rest;
  if (end[0] === "K" || end[0] === "k") {
    end = end.slice(1);
    bw *= 1000;
  } else if (end[0] === "M" || end[0] === "m") {
    end = end.slice(1);
    bw *= 1000000;
  } else if (end[0] === "G" || end[0] === "g") {
    end = end.slice(1);
    bw *= 1000000000;
  }
  if ((end[0] === "B" && _substrcmp2(ctx, end, "Bi", "Bit/s") !== 0) || _substrcmp2(ctx, end, "by", "bytes") === 0) bw *= 8;
  // The C int the value lands in.
  bw = bw | 0;
  if (bw < 0) errx(ctx, EX_DATAERR, "bandwidth too large");
  if (if_name !== null) if_name.v = "";
  return bw;
}

/** expand_number(3): a number with an optional k/m/g/t/p/e (powers of 1024) suffix. */
function expand_number(s: string): number | null {
  const m = /^([0-9]+)([kKmMgGtTpPeE]?)[bB]?$/.exec(s);
  if (m === null) return null;
  const shift = " kmgtpe".indexOf(m[2].toLowerCase() || " ");
  return Number(m[1]) * 1024 ** shift;
}

/** is_valid_number: digits with at most one dot. */
function is_valid_number(s: string): boolean {
  return /^[0-9]*\.?[0-9]*$/.test(s);
}

/** load_extra_delays: read a delay profile file into p. */
function load_extra_delays(ctx: ipfw_ctx, filename: string, p: dn_profile, link: dn_link): void {
  p.link_nr = link.link_nr;
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(ctx.prog.cwd ?? ctx.prog.env.get("PWD") ?? process.cwd(), filename), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    err(ctx, EX_UNAVAILABLE, `fopen: ${filename}`, code === "EACCES" ? 13 : 2);
  }
  let samples = -1;
  let loss = -1.0;
  let profile_name = "";
  let delay_first = -1;
  let do_points = false;
  const points: { prob: number; delay: number }[] = [];
  let lineno = 0;
  const efmt = (msg: string): never => errx(ctx, EX_DATAERR, `error in ${filename} at line ${lineno}: ${msg}`);
  for (const line of text.split("\n")) {
    ++lineno;
    let name: string | null = null;
    let arg: string | null = null;
    for (const s of line.split(/[ \t]/)) {
      if (s.startsWith("#")) break;
      if (s === "") continue;
      if (arg !== null) efmt("too many arguments");
      if (name === null) name = s;
      else arg = s;
    }
    if (name === null) continue;
    if (arg === null) efmt(`missing arg for ${name}`);
    const a = arg as string;
    const lname = name.toLowerCase();
    if (lname === "samples") {
      if (samples > 0) efmt("duplicate ``samples'' line");
      if (atoi(a) <= 0) efmt("invalid number of samples");
      samples = atoi(a);
      if (samples > ED_MAX_SAMPLES_NO) efmt(`too many samples, maximum is ${ED_MAX_SAMPLES_NO}`);
      do_points = false;
    } else if (lname === "bw") {
      link.bandwidth = read_bandwidth(ctx, a, link.bandwidth, { v: "" });
    } else if (lname === "loss-level") {
      if (loss !== -1.0) efmt(`duplicated token: ${name}`);
      if (!is_valid_number(a)) efmt(`invalid ${a}`);
      loss = strtod(a).v;
      if (loss > 1) efmt(`${name} greater than 1.0`);
      do_points = false;
    } else if (lname === "name") {
      if (profile_name !== "") efmt(`duplicated token: ${name}`);
      profile_name = a.slice(0, ED_MAX_NAME_LEN - 1);
      do_points = false;
    } else if (lname === "delay") {
      if (do_points) efmt(`duplicated token: ${name}`);
      delay_first = 1;
      do_points = true;
    } else if (lname === "prob") {
      if (do_points) efmt(`duplicated token: ${name}`);
      delay_first = 0;
      do_points = true;
    } else if (do_points) {
      if (!is_valid_number(name) || !is_valid_number(a)) efmt("invalid point found");
      const pt = delay_first === 1 ? { delay: strtod(name).v, prob: strtod(a).v } : { delay: strtod(a).v, prob: strtod(name).v };
      if (pt.prob > 1.0) efmt("probability greater than 1.0");
      points.push(pt);
    } else efmt(`unrecognised command '${name}'`);
  }
  if (samples === -1) {
    warnx(ctx, "'samples' not found, assuming 100");
    samples = 100;
  }
  if (loss === -1.0) {
    warnx(ctx, "'loss-level' not found, assuming no loss");
    loss = 1;
  }
  if (points.length < 2) efmt("too few samples, need at least 2");
  points.sort((x, y) => x.prob - y.prob || x.delay - y.delay);
  p.samples = new Int32Array(ED_MAX_SAMPLES_NO);
  for (let i = 0; i < points.length - 1; ++i) {
    const y1 = points[i].prob * samples;
    const x1 = points[i].delay;
    const y2 = points[i + 1].prob * samples;
    const x2 = points[i + 1].delay;
    let ix = Math.trunc(y1);
    const stop = Math.trunc(y2);
    if (x1 === x2) {
      for (; ix < stop; ++ix) p.samples[ix] = Math.trunc(x1);
    } else {
      const m = (y2 - y1) / (x2 - x1);
      const c = y1 - m * x1;
      for (; ix < stop; ++ix) p.samples[ix] = Math.trunc((ix - c) / m);
    }
  }
  p.samples_no = samples;
  p.loss_level = Math.trunc(loss * samples);
  p.name = profile_name;
}

// NEW_AQM: the AQMs' and FQ schedulers' own parameters.

const TOK_TARGET = 101;
const TOK_INTERVAL = 102;
const TOK_LIMIT = 103;
const TOK_FLOWS = 104;
const TOK_QUANTUM = 105;
const TOK_NO_ECN = 106;
const TOK_TUPDATE = 107;
const TOK_MAX_BURST = 108;
const TOK_MAX_ECNTH = 109;
const TOK_ALPHA = 110;
const TOK_BETA = 111;
const TOK_CAPDROP = 112;
const TOK_NO_CAPDROP = 113;
const TOK_ONOFF = 114;
const TOK_DRE = 115;
const TOK_TS = 116;
const TOK_DERAND = 117;
const TOK_NO_DERAND = 118;

const aqm_params: s_x = [
  ["target", TOK_TARGET],
  ["interval", TOK_INTERVAL],
  ["limit", TOK_LIMIT],
  ["flows", TOK_FLOWS],
  ["quantum", TOK_QUANTUM],
  ["ecn", TOK_ECN],
  ["noecn", TOK_NO_ECN],
  ["tupdate", TOK_TUPDATE],
  ["max_burst", TOK_MAX_BURST],
  ["max_ecnth", TOK_MAX_ECNTH],
  ["alpha", TOK_ALPHA],
  ["beta", TOK_BETA],
  ["capdrop", TOK_CAPDROP],
  ["nocapdrop", TOK_NO_CAPDROP],
  ["onoff", TOK_ONOFF],
  ["dre", TOK_DRE],
  ["ts", TOK_TS],
  ["derand", TOK_DERAND],
  ["noderand", TOK_NO_DERAND],
];

/** CoDel's flags (dn_aqm_codel.h). */
const CODEL_ECN_ENABLED = 1;
/** PIE's flags (dn_aqm_pie.h) and its fixed point. */
const PIE_ECN_ENABLED = 1;
const PIE_CAPDROP_ENABLED = 2;
const PIE_ON_OFF_MODE_ENABLED = 4;
const PIE_DEPRATEEST_ENABLED = 8;
const PIE_DERAND_ENABLED = 16;
const PIE_SCALE = 1 << 13;

/** us_to_time: microseconds as dummynet.c prints them ("" when negative). */
export function us_to_time(t: number): string {
  if (t < 0) return "";
  if (t === 0) return `${t}`;
  if (t < 1000) return `${t}us`;
  if (t < 1000000) return `${fmt_g(Math.fround(t / 1000), 6)}ms`;
  return `${fmt_g(Math.fround(t / 1000000), 6)}fs`;
}

/** time_to_us: "5ms", "100us", "1.5s", "20" (milliseconds) in microseconds; -1 if not a time. */
export function time_to_us(s: string): number {
  if (s.length > 15) return -1;
  let i = 0;
  let dots = 0;
  for (; i < s.length && (isdigit(s[i]) || s[i] === "."); i++) {
    if (s[i] === ".") {
      if (dots) return -1;
      dots++;
    }
  }
  if (i === 0) return -1;
  const strt = s.slice(0, i);
  const stru = (i < s.length ? s.slice(i) : "ms").toLowerCase();
  if (stru === "us") return atoi(strt);
  if (stru === "ms") return Math.trunc(strtod(strt).v * 1000);
  if (stru === "s") return Math.trunc(strtod(strt).v * 1000000);
  return -1;
}

/**
 * process_extra_parms: the words after codel/fq_codel (pie/fq_pie) into
 * ep.par[], every word to the end of the command: the kernel's default
 * (-1) for what is not given, CoDel's flags off (FQ-CoDel's ECN on).  An
 * unknown word is reported on stdout and skipped, as dummynet.c does.
 */
function process_extra_parms(ctx: ipfw_ctx, av: string[], ep: dn_extra_parms, type: number): void {
  for (let i = 0; i < DN_MAX_EXTRA_PARM; i++) ep.par[i] = -1;
  if (type === TOK_PIE || type === TOK_FQ_PIE) {
    process_pie_parms(ctx, av, ep, type);
    return;
  }
  if (type !== TOK_CODEL && type !== TOK_FQ_CODEL) return;
  // 0 target, 1 interval, 2 flags; FQ-CoDel: 3 quantum, 4 limit, 5 flows.
  ep.par[2] = type === TOK_CODEL ? 0 : CODEL_ECN_ENABLED;
  const num = (what: string): number => {
    if (av.length <= 0 || !is_valid_number(av[0])) errx(ctx, EX_DATAERR, `${what} needs number\n`);
    const v = atoi(av[0]);
    av = av.slice(1);
    return v;
  };
  const time = (what: string): number => {
    if (av.length <= 0 || time_to_us(av[0]) < 0) errx(ctx, EX_DATAERR, `${what} needs time\n`);
    const v = time_to_us(av[0]);
    av = av.slice(1);
    return v;
  };
  while (av.length > 0) {
    const word = av[0];
    const tok = match_token(aqm_params, word);
    av = av.slice(1);
    switch (tok) {
      case TOK_TARGET:
        ep.par[0] = time("target");
        break;
      case TOK_INTERVAL:
        ep.par[1] = time("interval");
        break;
      case TOK_ECN:
        ep.par[2] = CODEL_ECN_ENABLED;
        break;
      case TOK_NO_ECN:
        ep.par[2] &= ~CODEL_ECN_ENABLED;
        break;
      case TOK_QUANTUM:
        if (type !== TOK_FQ_CODEL) errx(ctx, EX_DATAERR, "quantum is not for codel\n");
        ep.par[3] = num("quantum");
        break;
      case TOK_LIMIT:
        if (type !== TOK_FQ_CODEL) errx(ctx, EX_DATAERR, "limit is not for codel, use queue instead\n");
        ep.par[4] = num("limit");
        break;
      case TOK_FLOWS:
        if (type !== TOK_FQ_CODEL) errx(ctx, EX_DATAERR, "flows is not for codel\n");
        ep.par[5] = num("flows");
        break;
      default:
        ctx.out(`${word} is Invalid parameter\n`);
    }
  }
}

/**
 * process_extra_parms for pie/fq_pie: 0 target, 1 tupdate, 2 max_burst,
 * 3 max_ecnth, 4 alpha, 5 beta (fractions scaled by PIE_SCALE), 6 flags;
 * FQ-PIE: 7 quantum, 8 limit, 9 flows.  PIE starts with CapDrop, DRE and
 * Derand; FQ-PIE with CapDrop, Derand and ECN (TS mode).
 */
function process_pie_parms(ctx: ipfw_ctx, av: string[], ep: dn_extra_parms, type: number): void {
  ep.par[6] = type === TOK_PIE ? PIE_CAPDROP_ENABLED | PIE_DEPRATEEST_ENABLED | PIE_DERAND_ENABLED : PIE_CAPDROP_ENABLED | PIE_DERAND_ENABLED | PIE_ECN_ENABLED;
  const need = (what: string, ok: boolean): void => {
    if (!ok) errx(ctx, EX_DATAERR, `${what}\n`);
  };
  while (av.length > 0) {
    const word = av[0];
    const tok = match_token(aqm_params, word);
    av = av.slice(1);
    const arg = av[0];
    switch (tok) {
      case TOK_TARGET:
      case TOK_TUPDATE:
      case TOK_MAX_BURST: {
        const what = tok === TOK_TARGET ? "target" : tok === TOK_TUPDATE ? "tupdate" : "max_burst";
        need(`${what} needs time`, av.length > 0 && time_to_us(arg) >= 0);
        ep.par[tok === TOK_TARGET ? 0 : tok === TOK_TUPDATE ? 1 : 2] = time_to_us(arg);
        av = av.slice(1);
        break;
      }
      case TOK_MAX_ECNTH:
      case TOK_ALPHA:
      case TOK_BETA: {
        const what = tok === TOK_MAX_ECNTH ? "max_ecnth" : tok === TOK_ALPHA ? "alpha" : "beta";
        need(`${what} needs number`, av.length > 0 && is_valid_number(arg));
        ep.par[tok === TOK_MAX_ECNTH ? 3 : tok === TOK_ALPHA ? 4 : 5] = Math.trunc(strtod(arg).v * PIE_SCALE);
        av = av.slice(1);
        break;
      }
      case TOK_ECN:
        ep.par[6] |= PIE_ECN_ENABLED;
        break;
      case TOK_NO_ECN:
        ep.par[6] &= ~PIE_ECN_ENABLED;
        break;
      case TOK_CAPDROP:
        ep.par[6] |= PIE_CAPDROP_ENABLED;
        break;
      case TOK_NO_CAPDROP:
        ep.par[6] &= ~PIE_CAPDROP_ENABLED;
        break;
      case TOK_ONOFF:
        ep.par[6] |= PIE_ON_OFF_MODE_ENABLED;
        break;
      case TOK_DRE:
        ep.par[6] |= PIE_DEPRATEEST_ENABLED;
        break;
      case TOK_TS:
        ep.par[6] &= ~PIE_DEPRATEEST_ENABLED;
        break;
      case TOK_DERAND:
        ep.par[6] |= PIE_DERAND_ENABLED;
        break;
      case TOK_NO_DERAND:
        ep.par[6] &= ~PIE_DERAND_ENABLED;
        break;
      case TOK_QUANTUM:
      case TOK_LIMIT:
      case TOK_FLOWS: {
        const what = tok === TOK_QUANTUM ? "quantum" : tok === TOK_LIMIT ? "limit" : "flows";
        need(tok === TOK_LIMIT ? "limit is not for pie, use queue instead" : `${what} is not for pie`, type === TOK_FQ_PIE);
        need(`${what} needs number`, av.length > 0 && is_valid_number(arg));
        ep.par[tok === TOK_QUANTUM ? 7 : tok === TOK_LIMIT ? 8 : 9] = atoi(arg);
        av = av.slice(1);
        break;
      }
      default:
        ctx.out(`${word} is invalid parameter\n`);
    }
  }
}

/** The PIE part of the parameters line (par[0..6]). */
function pie_parms(ep: dn_extra_parms, head: string): string {
  return `${head} target ${us_to_time(ep.par[0])} tupdate ${us_to_time(ep.par[1])} alpha ${fmt_g(Math.fround(ep.par[4] / PIE_SCALE), 6)} beta ${fmt_g(Math.fround(ep.par[5] / PIE_SCALE), 6)} max_burst ${us_to_time(ep.par[2])} max_ecnth ${fmt_g(Math.fround(ep.par[3] / PIE_SCALE), 3)}`;
}

function pie_flags(f: number): string {
  let out = (f & PIE_ECN_ENABLED) !== 0 ? " ECN" : " NoECN";
  out += (f & PIE_CAPDROP_ENABLED) !== 0 ? " CapDrop" : " NoCapDrop";
  if ((f & PIE_ON_OFF_MODE_ENABLED) !== 0) out += " OnOff";
  out += (f & PIE_DEPRATEEST_ENABLED) !== 0 ? " DRE" : " TS";
  out += (f & PIE_DERAND_ENABLED) !== 0 ? " Derand" : " NoDerand";
  return out;
}

/** The line get_extra_parms prints for what the kernel answered. */
function extra_parms_line(ep: dn_extra_parms, subtype: number): string {
  const name = ep.name.toLowerCase();
  if (subtype === DN_AQM_PARAMS) {
    if (name === "codel") {
      // dummynet.c's sprintf of " ECN" overwrites its length count, not the text.
      return ` AQM CoDel target ${us_to_time(ep.par[0])} interval ${us_to_time(ep.par[1])}${(ep.par[2] & CODEL_ECN_ENABLED) !== 0 ? " ECN" : " NoECN"}`;
    }
    if (name === "pie") return pie_parms(ep, " AQM type PIE") + pie_flags(ep.par[6]);
    return "";
  }
  if (name === "fq_codel") {
    return ` FQ_CODEL target ${us_to_time(ep.par[0])} interval ${us_to_time(ep.par[1])} quantum ${ep.par[3]} limit ${ep.par[4]} flows ${ep.par[5]}${(ep.par[2] & CODEL_ECN_ENABLED) !== 0 ? " ECN" : " NoECN"}\n`;
  }
  if (name === "fq_pie") return `${pie_parms(ep, "  FQ_PIE")} quantum ${ep.par[7]} limit ${ep.par[8]} flows ${ep.par[9]}${pie_flags(ep.par[6])}\n`;
  return "";
}

/** An object in the request being built (o_next). */
interface pending_obj {
  kind: "id" | "sch" | "link" | "fs" | "profile" | "text";
  len: number;
  type: number;
  /** A "text" object's dn_extra_parms (zeroed, as o_next leaves it). */
  ep?: dn_extra_parms;
}

/**
 * ipfw_config_pipe: `pipe|queue|sched N config ...` (av[0] is "config").
 * Builds the objects FreeBSD builds (with NEW_AQM's empty DN_TEXT
 * parameter blocks) and sends them with IP_DUMMYNET3.
 */
export function ipfw_config_pipe(ctx: ipfw_ctx, avin: string[]): void {
  const co = ctx.co;
  let av = avin.slice(1);
  let i: number;
  if (av.length > 0 && isdigit(av[0][0])) {
    i = atoi(av[0]);
    av = av.slice(1);
  } else i = -1;
  if (i <= 0) errx(ctx, EX_USAGE, "need a pipe/flowset/sched number");

  let sch: dn_sch | null = null;
  let p: dn_link | null = null;
  let fs: dn_fs | null = null;
  let pf: dn_profile | null = null;
  let mask: ipfw_flow_id | null = null;
  let flagsOwner: { flags: number } = { flags: 0 };
  let bucketsOwner: { buckets: number } = { buckets: 0 };
  const order: pending_obj[] = [{ kind: "id", len: SIZEOF_DN_ID, type: DN_CMD_CONFIG }];
  // The AQM's and the scheduler's parameter blocks (NEW_AQM's DN_TEXT
  // objects): sch_extra goes before the scheduler, aqm_extra before the
  // flowset, each with subtype 0 (nothing to configure) until a keyword
  // fills it.
  let sch_extra: dn_extra_parms | null = null;
  let aqm_extra: dn_extra_parms | null = null;
  const text = (): dn_extra_parms => {
    const ep = new dn_extra_parms();
    order.push({ kind: "text", len: SIZEOF_DN_EXTRA_PARMS, type: DN_TEXT, ep });
    return ep;
  };
  switch (co.do_pipe) {
    case 1:
      sch_extra = text();
      sch = new dn_sch();
      order.push({ kind: "sch", len: SIZEOF_DN_SCH, type: DN_SCH });
      p = new dn_link();
      order.push({ kind: "link", len: SIZEOF_DN_LINK, type: DN_LINK });
      aqm_extra = text();
      fs = new dn_fs();
      order.push({ kind: "fs", len: SIZEOF_DN_FS, type: DN_FS });
      sch.sched_nr = i;
      sch.oid.subtype = 0;
      mask = sch.sched_mask;
      flagsOwner = sch;
      bucketsOwner = sch;
      sch.flags |= DN_PIPE_CMD;
      p.link_nr = i;
      fs.fs_nr = i + 2 * DN_MAX_ID;
      fs.sched_nr = i + DN_MAX_ID;
      break;
    case 2:
      aqm_extra = text();
      fs = new dn_fs();
      order.push({ kind: "fs", len: SIZEOF_DN_FS, type: DN_FS });
      fs.fs_nr = i;
      mask = fs.flow_mask;
      flagsOwner = fs;
      bucketsOwner = fs;
      break;
    case 3:
      sch_extra = text();
      sch = new dn_sch();
      order.push({ kind: "sch", len: SIZEOF_DN_SCH, type: DN_SCH });
      aqm_extra = text();
      fs = new dn_fs();
      order.push({ kind: "fs", len: SIZEOF_DN_FS, type: DN_FS });
      sch.sched_nr = i;
      mask = sch.sched_mask;
      flagsOwner = sch;
      bucketsOwner = sch;
      fs.fs_nr = i + DN_MAX_ID;
      fs.sched_nr = i;
      break;
  }
  if (p !== null) p.bandwidth = -1;
  if (fs === null) errx(ctx, EX_USAGE, "need a pipe/flowset/sched number");
  const f = fs;
  f.par.fill(-1);
  const NEED = (x: unknown, msg: string): void => {
    if (x === null || x === false) errx(ctx, EX_USAGE, `need ${msg}`);
  };
  const NEED1 = (msg: string): void => {
    if (av.length === 0) errx(ctx, EX_USAGE, msg);
  };
  while (av.length > 0) {
    let tok = match_token(dummynet_params, av[0]);
    av = av.slice(1);
    switch (tok) {
      case TOK_NOERROR:
        NEED(fs, "noerror is only for pipes");
        f.flags |= DN_NOERROR;
        break;
      case TOK_PLR: {
        NEED(fs, "plr is only for pipes");
        NEED1("plr needs argument 0..1\n");
        let d = strtod(av[0]).v;
        if (d > 1) d = 1;
        else if (d < 0) d = 0;
        f.plr = Math.trunc(d * 0x7fffffff);
        av = av.slice(1);
        break;
      }
      case TOK_QUEUE: {
        NEED(fs, "queue is only for pipes or flowsets");
        NEED1("queue needs queue size\n");
        const r = strtoul(av[0], 0);
        f.qsize = ulong_to_int(r);
        const end = r.rest;
        if (end[0] === "K" || end[0] === "k") {
          f.flags |= DN_QSIZE_BYTES;
          f.qsize *= 1024;
        } else if (end[0] === "B" || _substrcmp2(ctx, end, "by", "bytes") === 0) {
          f.flags |= DN_QSIZE_BYTES;
        }
        av = av.slice(1);
        break;
      }
      case TOK_BUCKETS:
        NEED(fs, "buckets is only for pipes or flowsets");
        NEED1("buckets needs argument\n");
        bucketsOwner.buckets = ulong_to_u32(strtoul(av[0], 0));
        av = av.slice(1);
        break;
      case TOK_FLOW_MASK:
      case TOK_SCHED_MASK:
      case TOK_MASK: {
        NEED(mask, "tok_mask");
        NEED1("mask needs mask specifier\n");
        const mk = mask as ipfw_flow_id;
        mk.clear();
        mask_loop: while (av.length >= 1) {
          let kind: "p32d" | "p32s" | "p16d" | "p16s" | "p20" | "pa6d" | "pa6s" | "proto" = "proto";
          tok = match_token(dummynet_params, av[0]);
          av = av.slice(1);
          switch (tok) {
            case TOK_ALL:
              mk.dst_ip = 0xffffffff;
              mk.src_ip = 0xffffffff;
              mk.dst_port = 0xffff;
              mk.src_port = 0xffff;
              mk.proto = 0xff;
              n2mask(mk.dst_ip6, 128);
              n2mask(mk.src_ip6, 128);
              mk.flow_id6 = 0xffffffff;
              flagsOwner.flags |= DN_HAVE_MASK;
              break mask_loop;
            case TOK_QUEUE:
              mk.extra = 0xffffffff;
              flagsOwner.flags |= DN_HAVE_MASK;
              break mask_loop;
            case TOK_DSTIP:
              mk.addr_type = 4;
              kind = "p32d";
              break;
            case TOK_SRCIP:
              mk.addr_type = 4;
              kind = "p32s";
              break;
            case TOK_DSTIP6:
              mk.addr_type = 6;
              kind = "pa6d";
              break;
            case TOK_SRCIP6:
              mk.addr_type = 6;
              kind = "pa6s";
              break;
            case TOK_FLOWID:
              mk.addr_type = 6;
              kind = "p20";
              break;
            case TOK_DSTPORT:
              kind = "p16d";
              break;
            case TOK_SRCPORT:
              kind = "p16s";
              break;
            case TOK_PROTO:
              break;
            default:
              av = [avin[avin.length - av.length - 1], ...av];
              break mask_loop;
          }
          if (av.length < 1) errx(ctx, EX_USAGE, "mask: value missing");
          let a: number;
          const is6 = kind === "pa6d" || kind === "pa6s";
          if (av[0][0] === "/") {
            a = strtoul(av[0].slice(1), 0).v;
            if (!is6) a = a === 32 ? 0xffffffff : a >= 32 ? 0xffffffff : (2 ** a - 1) >>> 0;
          } else a = ulong_to_u32(strtoul(av[0], 0));
          if (kind === "p32d") mk.dst_ip = a >>> 0;
          else if (kind === "p32s") mk.src_ip = a >>> 0;
          else if (kind === "p16d" || kind === "p16s") {
            if (a > 0xffff) errx(ctx, EX_DATAERR, "port mask must be 16 bit");
            if (kind === "p16d") mk.dst_port = a;
            else mk.src_port = a;
          } else if (kind === "p20") {
            if (a > 0xfffff) errx(ctx, EX_DATAERR, "flow_id mask must be 20 bit");
            mk.flow_id6 = a;
          } else if (is6) {
            if (a > 128) errx(ctx, EX_DATAERR, "in6addr invalid mask len");
            else n2mask(kind === "pa6d" ? mk.dst_ip6 : mk.src_ip6, a);
          } else {
            if (a > 0xff) errx(ctx, EX_DATAERR, "proto mask must be 8 bit");
            mk.proto = a;
          }
          if (a !== 0) flagsOwner.flags |= DN_HAVE_MASK;
          av = av.slice(1);
        }
        break;
      }
      case TOK_CODEL:
      case TOK_PIE: {
        NEED(fs, "codel/pie is only for flowsets");
        f.flags &= ~(DN_IS_RED | DN_IS_GENTLE_RED);
        f.flags |= DN_IS_AQM;
        const ep = aqm_extra as dn_extra_parms;
        ep.name = avin[avin.length - av.length - 1].slice(0, 15);
        ep.oid.subtype = DN_AQM_PARAMS;
        process_extra_parms(ctx, av, ep, tok);
        // process_extra_parms takes every word that is left.
        av = [];
        break;
      }
      case TOK_FQ_CODEL:
      case TOK_FQ_PIE: {
        const word = avin[avin.length - av.length - 1];
        if (word === "type") errx(ctx, EX_DATAERR, "use type before fq_codel/fq_pie");
        NEED(sch, "fq_codel/fq_pie is only for schd");
        const ep = sch_extra as dn_extra_parms;
        ep.name = word.slice(0, 15);
        ep.oid.subtype = DN_SCH_PARAMS;
        process_extra_parms(ctx, av, ep, tok);
        av = [];
        break;
      }
      case TOK_RED:
      case TOK_GRED: {
        NEED1("red/gred needs w_q/min_th/max_th/max_p\n");
        f.flags |= DN_IS_RED;
        if (tok === TOK_GRED) f.flags |= DN_IS_GENTLE_RED;
        const parts = av[0].split("/");
        if (parts.length > 0) {
          const w_q = strtod(parts[0]).v;
          if (w_q > 1 || w_q <= 0) errx(ctx, EX_DATAERR, "0 < w_q <= 1");
          f.w_q = Math.trunc(w_q * (1 << SCALE_RED));
        }
        if (parts.length > 1) {
          const r = strtoul(parts[1], 0);
          f.min_th = ulong_to_int(r);
          if (r.rest[0] === "K" || r.rest[0] === "k") f.min_th *= 1024;
        }
        if (parts.length > 2) {
          const r = strtoul(parts[2], 0);
          f.max_th = ulong_to_int(r);
          if (r.rest[0] === "K" || r.rest[0] === "k") f.max_th *= 1024;
        }
        if (parts.length > 3) {
          const max_p = strtod(parts[3]).v;
          if (max_p > 1 || max_p < 0) errx(ctx, EX_DATAERR, "0 <= max_p <= 1");
          f.max_p = Math.trunc(max_p * (1 << SCALE_RED));
        }
        av = av.slice(1);
        break;
      }
      case TOK_ECN:
        f.flags |= DN_IS_ECN;
        break;
      case TOK_DROPTAIL:
        NEED(fs, "droptail is only for flowsets");
        f.flags &= ~(DN_IS_RED | DN_IS_GENTLE_RED);
        break;
      case TOK_BW:
        NEED(p, "bw is only for links");
        NEED1("bw needs bandwidth or interface\n");
        (p as dn_link).bandwidth = read_bandwidth(ctx, av[0], (p as dn_link).bandwidth, null);
        av = av.slice(1);
        break;
      case TOK_DELAY:
        NEED(p, "delay is only for links");
        NEED1("delay needs argument 0..10000ms\n");
        (p as dn_link).delay = ulong_to_int(strtoul(av[0], 0));
        av = av.slice(1);
        break;
      case TOK_TYPE: {
        NEED(sch, "type is only for schedulers");
        NEED1("type needs a string");
        const l = av[0].length;
        if (l === 0 || l > 15) errx(ctx, 1, `type ${av[0]} too long\n`);
        (sch as dn_sch).name = av[0];
        (sch as dn_sch).oid.subtype = 0;
        // With fq_codel/fq_pie the words after the type are its parameters:
        // the name goes to the scheduler's block, and the type word is read
        // again as the fq_codel/fq_pie keyword (dummynet.c leaves av there).
        if (av[0].toLowerCase() === "fq_codel" || av[0].toLowerCase() === "fq_pie") {
          const ep = sch_extra as dn_extra_parms;
          ep.name = av[0].slice(0, 15);
          ep.oid.subtype = DN_SCH_PARAMS;
          process_extra_parms(ctx, av, ep, tok);
        } else av = av.slice(1);
        break;
      }
      case TOK_WEIGHT:
        NEED(fs, "weight is only for flowsets");
        NEED1("weight needs argument\n");
        f.par[0] = ulong_to_int(strtoul(av[0], 0));
        av = av.slice(1);
        break;
      case TOK_LMAX:
        NEED(fs, "lmax is only for flowsets");
        NEED1("lmax needs argument\n");
        f.par[1] = ulong_to_int(strtoul(av[0], 0));
        av = av.slice(1);
        break;
      case TOK_PRI:
        NEED(fs, "priority is only for flowsets");
        NEED1("priority needs argument\n");
        f.par[2] = ulong_to_int(strtoul(av[0], 0));
        av = av.slice(1);
        break;
      case TOK_SCHED:
      case TOK_PIPE:
        NEED(fs, "pipe/sched");
        NEED1("pipe/link/sched needs number\n");
        f.sched_nr = ulong_to_u32(strtoul(av[0], 0));
        av = av.slice(1);
        break;
      case TOK_PROFILE:
        NEED(pf === null, "profile already set");
        NEED(p, "profile");
        NEED1("extra delay needs the file name\n");
        pf = new dn_profile();
        order.push({ kind: "profile", len: SIZEOF_DN_PROFILE, type: DN_PROFILE });
        load_extra_delays(ctx, av[0], pf, p as dn_link);
        av = av.slice(1);
        break;
      case TOK_BURST: {
        NEED(p, "burst");
        NEED1("burst needs argument\n");
        const v = expand_number(av[0]);
        if (v === null) errx(ctx, EX_DATAERR, "burst: invalid argument");
        if (v > 2 ** 48 - 1) errx(ctx, EX_DATAERR, "burst: out of range (0..2^48-1)");
        (p as dn_link).burst = v;
        av = av.slice(1);
        break;
      }
      default:
        errx(ctx, EX_DATAERR, `unrecognised option \`\`${avin[avin.length - av.length - 1]}''`);
    }
  }
  if (p !== null) {
    if (p.delay > 10000) errx(ctx, EX_DATAERR, "delay must be < 10000");
    if (p.bandwidth === -1) p.bandwidth = 0;
  }
  if ((f.flags & DN_QSIZE_BYTES) !== 0) {
    const r = sysctlbyname(ctx.kp, "net.inet.ip.dummynet.pipe_byte_limit");
    const limit = r.error === 0 && typeof r.value === "number" ? r.value : 1024 * 1024;
    if (f.qsize > limit) errx(ctx, EX_DATAERR, `queue size must be < ${limit}B`);
  } else {
    const r = sysctlbyname(ctx.kp, "net.inet.ip.dummynet.pipe_slot_limit");
    const limit = r.error === 0 && typeof r.value === "number" ? r.value : 100;
    if (f.qsize > limit) errx(ctx, EX_DATAERR, `2 <= queue size <= ${limit}`);
  }
  if ((f.flags & DN_IS_ECN) !== 0 && (f.flags & (DN_IS_RED | DN_IS_AQM)) === 0) errx(ctx, EX_USAGE, "ECN can be used with red/gred/codel/fq_codel only!");
  if ((f.flags & DN_IS_RED) !== 0) {
    if ((f.flags & DN_IS_ECN) === 0 && f.min_th >= f.max_th) errx(ctx, EX_DATAERR, `min_th ${f.min_th} must be < than max_th ${f.max_th}`);
    else if ((f.flags & DN_IS_ECN) !== 0 && f.min_th > f.max_th) errx(ctx, EX_DATAERR, `min_th ${f.min_th} must be =< than max_th ${f.max_th}`);
    if (f.max_th === 0) errx(ctx, EX_DATAERR, "max_th must be > 0");
    const d = sysctlbyname(ctx.kp, "net.inet.ip.dummynet.red_lookup_depth");
    const lookup_depth = d.error === 0 && typeof d.value === "number" ? d.value : 256;
    if (lookup_depth === 0) errx(ctx, EX_DATAERR, "net.inet.ip.dummynet.red_lookup_depth must be greater than zero");
    const s = sysctlbyname(ctx.kp, "net.inet.ip.dummynet.red_avg_pkt_size");
    const avg_pkt_size = s.error === 0 && typeof s.value === "number" ? s.value : 512;
    if (avg_pkt_size === 0) errx(ctx, EX_DATAERR, "net.inet.ip.dummynet.red_avg_pkt_size must be greater than zero");
  }

  // Lay the objects out in order.
  let total = 0;
  for (const o of order) total += o.len;
  const buf = new Uint8Array(total);
  const dv = new DataView(buf.buffer);
  let off = 0;
  for (const o of order) {
    switch (o.kind) {
      case "id":
        dn_id_enc(dv, off, { len: o.len, type: o.type, subtype: 0, id: DN_API_VERSION });
        break;
      case "text": {
        // Unfilled, a dn_extra_parms with no name: nothing to configure;
        // par[] = -1 is only set when a parameter block is processed.
        const ep = o.ep as dn_extra_parms;
        ep.oid.len = o.len;
        ep.oid.type = DN_TEXT;
        dn_extra_parms_enc(dv, off, ep);
        break;
      }
      case "sch": {
        const s = sch as dn_sch;
        s.oid.len = o.len;
        s.oid.type = DN_SCH;
        dn_sch_enc(dv, off, s);
        break;
      }
      case "link": {
        const l = p as dn_link;
        l.oid.len = o.len;
        l.oid.type = DN_LINK;
        dn_link_enc(dv, off, l);
        break;
      }
      case "fs":
        f.oid.len = o.len;
        f.oid.type = DN_FS;
        dn_fs_enc(dv, off, f);
        break;
      case "profile": {
        const q = pf as dn_profile;
        q.oid.len = o.len;
        q.oid.type = DN_PROFILE;
        dn_profile_enc(dv, off, q);
        break;
      }
    }
    off += o.len;
  }
  const r = do_cmd(ctx, IP_DUMMYNET3, buf, false);
  if (r.error !== 0) err(ctx, 1, "setsockopt(IP_DUMMYNET_CONFIGURE)", r.error);
}

/** dummynet_flush: `pipe flush` (every pipe, queue and scheduler). */
export function dummynet_flush(ctx: ipfw_ctx): void {
  const b = new Uint8Array(SIZEOF_DN_ID);
  dn_id_enc(new DataView(b.buffer), 0, { len: SIZEOF_DN_ID, type: DN_CMD_FLUSH, subtype: 0, id: DN_API_VERSION });
  do_cmd(ctx, IP_DUMMYNET3, b, false);
}

/** ipfw_delete_pipe: `pipe|queue|sched N delete`; 1 on failure. */
export function ipfw_delete_pipe(ctx: ipfw_ctx, do_pipe: number, i: number): number {
  const b = new Uint8Array(SIZEOF_DN_ID + 8);
  const dv = new DataView(b.buffer);
  dn_id_enc(dv, 0, { len: b.length, type: DN_CMD_DELETE, subtype: do_pipe === 1 ? DN_LINK : do_pipe === 2 ? DN_FS : DN_SCH, id: DN_API_VERSION });
  dv.setUint32(SIZEOF_DN_ID, i >>> 0, true);
  const r = do_cmd(ctx, IP_DUMMYNET3, b, false);
  if (r.error !== 0) {
    // FreeBSD reuses i for the result before printing it.
    warn(ctx, "rule 1: setsockopt(IP_DUMMYNET_DEL)", r.error);
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Listing.

/** humanize_number(buf, 12, n, "", HN_AUTOSCALE, 0). */
function humanize_burst(n: number): string {
  const prefixes = ["", "k", "M", "G", "T", "P", "E"];
  const max = 10 ** (12 - 3);
  let q = n;
  let rem = 0;
  let i = 0;
  for (; (q >= max || (q === max - 1 && rem >= 950)) && i < 7; i++) {
    rem = q % 1024;
    q = Math.floor(q / 1024);
  }
  return `${q + Math.floor((rem + 50) / 1000)} ${prefixes[i]}`;
}

/** C's %f. */
function fmt_f(v: number): string {
  return v.toFixed(6);
}

function print_mask(ctx: ipfw_ctx, id: ipfw_flow_id): void {
  if (id.addr_type !== 6) {
    ctx.out(
      `    mask: ${id.extra ? "queue," : ""} 0x${id.proto.toString(16).padStart(2, "0")} 0x${(id.src_ip >>> 0).toString(16).padStart(8, "0")}/0x${id.src_port.toString(16).padStart(4, "0")} -> 0x${(id.dst_ip >>> 0).toString(16).padStart(8, "0")}/0x${id.dst_port.toString(16).padStart(4, "0")}\n`,
    );
  } else {
    ctx.out(`\n        mask: ${id.extra ? "queue," : ""}proto: 0x${id.proto.toString(16).padStart(2, "0")}, flow_id: 0x${(id.flow_id6 >>> 0).toString(16).padStart(8, "0")},  `);
    ctx.out(`${inet_ntop(AF_INET6, id.src_ip6) ?? ""}/0x${id.src_port.toString(16).padStart(4, "0")} -> `);
    ctx.out(`${inet_ntop(AF_INET6, id.dst_ip6) ?? ""}/0x${id.dst_port.toString(16).padStart(4, "0")}\n`);
  }
}

function print_header(ctx: ipfw_ctx, id: ipfw_flow_id): void {
  if (id.addr_type !== 6) ctx.out("BKT Prot ___Source IP/port____ ____Dest. IP/port____ Tot_pkt/bytes Pkt/Byte Drp\n");
  else
    ctx.out(
      "BKT ___Prot___ _flow-id_ ______________Source IPv6/port_______________ _______________Dest. IPv6/port_______________ Tot_pkt/bytes Pkt/Byte Drp\n",
    );
}

function list_flow(bp: buf_pr, ni: dn_flow): void {
  const id = ni.fid;
  const pe = getprotobynumber(id.proto);
  bp.printf(`${String(ni.oid.id & 0xff).padStart(3)}${id.extra ? "*" : " "}`);
  if (id.addr_type !== 6) {
    bp.printf(pe !== null ? `${pe.padEnd(4)} ` : `${String(id.proto).padStart(4)} `);
    bp.printf(`${inet_ntoa(id.src_ip).padStart(15)}/${String(id.src_port).padEnd(5)} `);
    bp.printf(`${inet_ntoa(id.dst_ip).padStart(15)}/${String(id.dst_port).padEnd(5)} `);
  } else {
    bp.printf(pe !== null ? `${pe.padStart(9)} ` : `${String(id.proto).padStart(9)} `);
    bp.printf(`${String(id.flow_id6).padStart(7)}  ${(inet_ntop(AF_INET6, id.src_ip6) ?? "").padStart(39)}/${String(id.src_port).padEnd(5)} `);
    bp.printf(` ${(inet_ntop(AF_INET6, id.dst_ip6) ?? "").padStart(39)}/${String(id.dst_port).padEnd(5)} `);
  }
  pr_u64(bp, BigInt(ni.tot_pkts), 4);
  pr_u64(bp, BigInt(ni.tot_bytes), 8);
  bp.printf(`${String(ni.length).padStart(2)} ${String(ni.len_bytes).padStart(4)} ${String(ni.drops).padStart(3)}`);
}

/** get_extra_parms: the AQM or scheduler parameters line ("" when none). */
function get_extra_parms(ctx: ipfw_ctx, nr: number, subtype: number): string {
  const b = new Uint8Array(SIZEOF_DN_EXTRA_PARMS);
  const dv = new DataView(b.buffer);
  dn_id_enc(dv, 0, { len: SIZEOF_DN_EXTRA_PARMS, type: DN_CMD_GET, subtype, id: DN_API_VERSION });
  dv.setUint32(24, nr >>> 0, true);
  const r = do_cmd(ctx, -IP_DUMMYNET3, b, true);
  if (r.error !== 0) errx(ctx, EX_DATAERR, "Error getting extra parameters\n");
  return extra_parms_line(dn_extra_parms_dec(dv, 0), subtype);
}

function print_flowset_parms(ctx: ipfw_ctx, f: dn_fs, prefix: { v: string }): void {
  const l = f.qsize;
  let qs: string;
  if ((f.flags & DN_QSIZE_BYTES) !== 0) qs = l >= 8192 ? `${Math.trunc(l / 1024)} KB` : `${l} B`;
  else qs = `${String(l).padStart(3)} sl.`;
  const plr = f.plr !== 0 ? `plr ${fmt_f((1.0 * f.plr) / 0x7fffffff)}` : "";
  let red: string;
  if ((f.flags & DN_IS_RED) !== 0) {
    red = `\n\t ${(f.flags & DN_IS_GENTLE_RED) !== 0 ? "G" : " "}RED w_q ${fmt_f((1.0 * f.w_q) / (1 << SCALE_RED))} min_th ${f.min_th} max_th ${f.max_th} max_p ${fmt_f((1.0 * f.max_p) / (1 << SCALE_RED))}`;
    if ((f.flags & DN_IS_ECN) !== 0) red += " (ecn)";
  } else if ((f.flags & DN_IS_AQM) !== 0) red = get_extra_parms(ctx, f.fs_nr, DN_AQM_PARAMS);
  else red = "droptail";
  if (prefix.v !== "") {
    ctx.out(`${prefix.v} ${qs}${plr} ${f.oid.id} queues (${f.buckets} buckets) ${red}\n`);
    prefix.v = "";
  } else {
    ctx.out(`q${String(f.fs_nr).padStart(5, "0")} ${qs}${plr} ${f.oid.id} flows (${f.buckets} buckets) sched ${f.sched_nr} weight ${f.par[0]} lmax ${f.par[1]} pri ${f.par[2]} ${red}\n`);
    if ((f.flags & DN_HAVE_MASK) !== 0) print_mask(ctx, f.flow_mask);
  }
}

function flush_buf(ctx: ipfw_ctx, buf: { v: string }): void {
  if (buf.v !== "") ctx.out(`${buf.v}\n`);
  buf.v = "";
}

/** list_pipes: print the objects of a DN_CMD_GET answer in order. */
function list_pipes(ctx: ipfw_ctx, b: Uint8Array, len: number): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const buf = { v: "" };
  let toPrint = true;
  const bp = new buf_pr();
  const oid = new dn_id();
  for (let off = 0; off < len; off += oid.len) {
    dn_id_dec(dv, off, oid);
    if (oid.len < SIZEOF_DN_ID) errx(ctx, 1, `invalid oid len ${oid.len}\n`);
    switch (oid.type) {
      default:
        flush_buf(ctx, buf);
        ctx.out(`unrecognized object ${oid.type} size ${oid.len}\n`);
        break;
      case DN_TEXT: {
        const l = Math.trunc((oid.len - SIZEOF_DN_ID) / 4);
        if (l === 0) break;
        ctx.out("   Children flowsets: ");
        for (let i = 0; i < l; i++) ctx.out(`${dv.getUint32(off + SIZEOF_DN_ID + 4 * i, true)} `);
        ctx.out("\n");
        break;
      }
      case DN_CMD_GET:
        if (ctx.co.verbose) ctx.out(`answer for cmd ${oid.type}, len ${oid.id}\n`);
        break;
      case DN_SCH: {
        const s = dn_sch_dec(dv, off);
        flush_buf(ctx, buf);
        ctx.out(` sched ${s.sched_nr} type ${s.name} flags 0x${s.flags.toString(16)} ${s.buckets} buckets ${s.oid.id} active\n`);
        ctx.out(get_extra_parms(ctx, s.sched_nr, DN_SCH_PARAMS));
        if ((s.flags & DN_HAVE_MASK) !== 0) print_mask(ctx, s.sched_mask);
        break;
      }
      case DN_FLOW: {
        const n = dn_flow_dec(dv, off);
        if (toPrint) {
          print_header(ctx, n.fid);
          toPrint = false;
        }
        list_flow(bp, n);
        ctx.out(`${bp.buf}\n`);
        bp.buf = "";
        break;
      }
      case DN_LINK: {
        const p = dn_link_dec(dv, off);
        const bw = p.bandwidth;
        let bwbuf: string;
        flush_buf(ctx, buf);
        if (bw === 0) bwbuf = "unlimited     ";
        else if (bw >= 1000000000) bwbuf = `${(bw / 1000000000).toFixed(3).padStart(7)} Gbit/s`;
        else if (bw >= 1000000) bwbuf = `${(bw / 1000000).toFixed(3).padStart(7)} Mbit/s`;
        else if (bw >= 1000) bwbuf = `${(bw / 1000).toFixed(3).padStart(7)} Kbit/s`;
        else bwbuf = `${bw.toFixed(3).padStart(7)} bit/s `;
        const burst = ctx.co.verbose ? String(Math.trunc(p.burst)) : humanize_burst(p.burst);
        buf.v = `${String(p.link_nr % DN_MAX_ID).padStart(5, "0")}: ${bwbuf} ${String(p.delay).padStart(4)} ms burst ${burst}`;
        break;
      }
      case DN_FS:
        print_flowset_parms(ctx, dn_fs_dec(dv, off), buf);
        break;
      case DN_PROFILE: {
        flush_buf(ctx, buf);
        const pf = dn_profile_dec(dv, off, oid.len);
        if (pf.samples_no > 0) ctx.out(`\t profile: name "${pf.name}" loss ${fmt_f(pf.loss_level / pf.samples_no)} samples ${pf.samples_no}\n`);
        break;
      }
    }
    // dummynet.c empties the pending buffer after every object, so the
    // link's line is out before the flowset that follows it: the flowset
    // prints on its own "q<N> ... flows" line and print_flowset_parms'
    // prefixed form is never reached.
    flush_buf(ctx, buf);
  }
}

/** parse_range: "n", "n1-n2", "a,b" lists; pipes are translated to their FIFO twins. */
function parse_range(ctx: ipfw_ctx, av: string[]): number[] {
  const out: number[] = [];
  for (const word of av) {
    let s = word;
    while (s !== "") {
      const r0 = strtoul(s, 10);
      let v0 = ulong_to_u32(r0);
      let rest = r0.rest;
      let v1 = v0;
      if (rest[0] === "-") {
        const r1 = strtoul(rest.slice(1), 10);
        v1 = ulong_to_u32(r1);
        rest = r1.rest;
      }
      if (rest !== "" && rest[0] !== ",") {
        warn(ctx, `invalid number: ${s}`);
        s = rest.slice(1);
        continue;
      }
      s = rest.slice(1);
      if (v1 < v0 || v0 >= DN_MAX_ID - 1 || v1 >= DN_MAX_ID - 1) continue;
      if (ctx.co.do_pipe === 1) {
        v0 += DN_MAX_ID;
        v1 += DN_MAX_ID;
      }
      out.push(v0, v1);
    }
  }
  return out;
}

/** dummynet_list: `pipe|queue|sched [list|show] [ranges]`. */
export function dummynet_list(ctx: ipfw_ctx, avin: string[], _show_counters: boolean): void {
  const av = avin.slice(1);
  const ranges = parse_range(ctx, av);
  const n = ranges.length / 2;
  const l0 = SIZEOF_DN_ID + 4 * ranges.length;
  const subtype = ctx.co.do_pipe === 1 ? DN_LINK : ctx.co.do_pipe === 2 ? DN_FS : DN_SCH;
  const oidbuf = new Uint8Array(l0);
  const odv = new DataView(oidbuf.buffer);
  dn_id_enc(odv, 0, { len: l0, type: DN_CMD_GET, subtype, id: DN_API_VERSION });
  for (let i = 0; i < ranges.length; i++) odv.setUint32(SIZEOF_DN_ID + 4 * i, ranges[i] >>> 0, true);
  const max_size = Math.max(SIZEOF_DN_FS, SIZEOF_DN_SCH, SIZEOF_DN_FLOW);
  let buflen: number;
  if (n > 0) buflen = 4 * 1024;
  else {
    const probe = oidbuf.slice();
    const r = do_cmd(ctx, -IP_DUMMYNET3, probe, true);
    const id = r.val !== null && r.val.length >= SIZEOF_DN_ID ? dn_id_dec(new DataView(r.val.buffer, r.val.byteOffset, r.val.byteLength), 0).id : 0;
    if (r.error !== 0 || id <= SIZEOF_DN_ID) return;
    buflen = id + max_size;
  }
  for (let i = 0; i < 20; i++) {
    const x = new Uint8Array(buflen);
    x.set(oidbuf);
    const r = do_cmd(ctx, -IP_DUMMYNET3, x, true);
    const ans = r.val;
    if (r.error !== 0 || ans === null || ans.length < SIZEOF_DN_ID) return;
    const hid = dn_id_dec(new DataView(ans.buffer, ans.byteOffset, ans.byteLength), 0).id;
    if (hid <= SIZEOF_DN_ID) return;
    const l = ans.length;
    if (l + max_size <= buflen) {
      list_pipes(ctx, ans, l);
      return;
    }
    buflen *= 2;
  }
}

ipfw_hooks.ipfw_config_pipe = ipfw_config_pipe;
ipfw_hooks.dummynet_list = dummynet_list;
ipfw_hooks.dummynet_flush = dummynet_flush;
ipfw_hooks.ipfw_delete_pipe = ipfw_delete_pipe;

// ---------------------------------------------------------------------------
// dnctl(8): the dummynet commands only.

/** dnctl's main: `dnctl [-nqv] {pipe|queue|sched} ...`. */
export async function dnctl_main_prog(prog: prog_ctx): Promise<number> {
  const ctx = new ipfw_ctx(prog);
  return prog_run(prog, async () => {
    const argv = prog.argv.slice(1);
    // As main.c: off a terminal nothing asks for confirmation (and a failed
    // delete does not change the exit status).
    ctx.co.do_force = isatty(prog, 0) ? 0 : 1;
    let optind = 0;
    for (; optind < argv.length && argv[optind].startsWith("-") && argv[optind] !== "-"; optind++) {
      const a = argv[optind];
      if (a === "--") {
        optind++;
        break;
      }
      for (const c of a.slice(1)) {
        if (c === "n") ctx.co.test_only = 1;
        else if (c === "q") ctx.co.do_quiet = 1;
        else if (c === "v") ctx.co.verbose = 1;
        else if (c === "f") ctx.co.do_force = 1;
        else if (c === "s") ctx.co.do_sort = 1;
        else {
          prog.stderr.write(`${ctx.name}: illegal option -- ${c}\n`);
          errx(ctx, EX_USAGE, "bad arguments, for usage summary ``dnctl''");
        }
      }
    }
    let av = argv.slice(optind);
    if (av.length === 0) errx(ctx, EX_USAGE, "bad arguments, for usage summary ``dnctl''");
    if (av.length > 1 && isdigit(av[0][0])) [av[0], av[1]] = [av[1], av[0]];
    const co = ctx.co;
    co.do_pipe = 0;
    if ("pipe".startsWith(av[0])) co.do_pipe = 1;
    else if (_substrcmp(ctx, av[0], "queue") === 0) co.do_pipe = 2;
    else if (_substrcmp(ctx, av[0], "flowset") === 0) co.do_pipe = 2;
    else if (_substrcmp(ctx, av[0], "sched") === 0) co.do_pipe = 3;
    else errx(ctx, EX_USAGE, "Unsupported command");
    av = av.slice(1);
    if (av.length === 0) errx(ctx, EX_USAGE, "missing command");
    if (av.length > 1 && isdigit(av[0][0])) [av[0], av[1]] = [av[1], av[0]];
    const w = av[0];
    if (_substrcmp(ctx, w, "config") === 0) ipfw_config_pipe(ctx, av);
    else if (_substrcmp(ctx, w, "delete") === 0) await ipfw_delete(ctx, av);
    else if (_substrcmp(ctx, w, "flush") === 0) await ipfw_flush(ctx, co.do_force);
    else if (_substrcmp(ctx, w, "print") === 0 || _substrcmp(ctx, w, "list") === 0) await ipfw_list(ctx, av, false);
    else if (_substrcmp(ctx, w, "show") === 0) await ipfw_list(ctx, av, true);
    else errx(ctx, EX_USAGE, `bad command \`${w}'`);
    return EX_OK;
  });
}
