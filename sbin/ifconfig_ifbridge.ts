// sbin/ifconfig/ifbridge.c: ifconfig(8)'s if_bridge(4) commands (addm,
// deletem, span, stp, static, maxaddr, priority, ...) and the bridge block
// of the status output.  Everything goes through SIOCSDRVSPEC and
// SIOCGDRVSPEC with a BRDG* command, as do_cmd does.

import { strerror } from "../kern/errno.ts";
import { sys_ioctl } from "../kern/uipc_syscalls.ts";
import { SIOCGDRVSPEC, SIOCSDRVSPEC, type ifdrv } from "../net/if.ts";
import { ether_ntoa } from "../net/if_dl.ts";
import {
  BRDGADD,
  BRDGADDS,
  BRDGDADDR,
  BRDGDEL,
  BRDGDELS,
  BRDGFLUSH,
  BRDGGCACHE,
  BRDGGIFFLGS,
  BRDGGIFS,
  BRDGGTO,
  BRDGPARAM,
  BRDGRTS,
  BRDGSADDR,
  BRDGSCACHE,
  BRDGSFD,
  BRDGSHT,
  BRDGSIFAMAX,
  BRDGSIFCOST,
  BRDGSIFFLGS,
  BRDGSIFPRIO,
  BRDGSMA,
  BRDGSPRI,
  BRDGSPROTO,
  BRDGSTO,
  BRDGSTXHC,
  IFBAFBITS,
  IFBAF_STATIC,
  IFBF_FLUSHALL,
  IFBF_FLUSHDYN,
  IFBIFBITS,
  IFBIF_BSTP_AUTOEDGE,
  IFBIF_BSTP_AUTOPTP,
  IFBIF_BSTP_EDGE,
  IFBIF_BSTP_PTP,
  IFBIF_DISCOVER,
  IFBIF_LEARNING,
  IFBIF_PRIVATE,
  IFBIF_STICKY,
  IFBIF_STP,
  PV2ID,
  SIZEOF_IFBACONF,
  SIZEOF_IFBAREQ,
  SIZEOF_IFBIFCONF,
  SIZEOF_IFBREQ,
  SIZEOF_IFBROPREQ,
  SIZEOF_IFBRPARAM,
  STP_PROTOS,
  STP_ROLES,
  STP_STATES,
  ifbaconf,
  ifbareq,
  ifbifconf,
  ifbreq,
  ifbropreq,
  ifbrparam,
} from "../net/if_bridge.ts";
import type { ifc_env, ifconfig_cmd, ifconfig_module as ifconfig_module_t } from "./ifconfig.ts";
import type { ifconfig_if } from "./libifconfig.ts";
import { prog_exit } from "./libc.ts";
import { ether_aton } from "./netdb.ts";

/** do_cmd: one BRDG* command on the interface being configured; the errno,
 *  0 on success. */
function do_cmd(env: ifc_env, op: number, arg: object, argsize: number, set: boolean): number {
  const ifd: ifdrv = { ifd_name: env.name, ifd_cmd: op, ifd_len: argsize, ifd_data: arg };
  return sys_ioctl(env.kp, env.fd, set ? SIOCSDRVSPEC : SIOCGDRVSPEC, ifd);
}

/** err(1, ...): the message, the errno's text, exit 1. */
function err(env: ifc_env, msg: string, e: number): never {
  env.ctx.stderr.write(`ifconfig: ${msg}: ${strerror(e)}\n`);
  throw new prog_exit(1);
}

/** errx(1, ...). */
function errx(env: ifc_env, msg: string): never {
  env.ctx.stderr.write(`ifconfig: ${msg}\n`);
  throw new prog_exit(1);
}

/** printb(): "name=hex<BIT,BIT>" over a list of (bit, name) in order. */
function printb(name: string, v: number, bits: [number, string][]): string {
  const set: string[] = [];
  for (const [b, n] of bits) if ((v & b) !== 0) set.push(n);
  return `${name}=${(v >>> 0).toString(16)}<${set.join(",")}>`;
}

/**
 * get_val: strtoul(cp, &end, 0): decimal, 0x hex or 0 octal, all of the
 * string; null for an empty string, trailing junk or a value past
 * ULONG_MAX.  A leading '-' negates modulo 2^64, as strtoul does.
 */
export function get_val(cp: string): bigint | null {
  if (cp.length === 0) return null;
  let s = cp.replace(/^[ \t\n\v\f\r]+/, "");
  let neg = false;
  if (s[0] === "+" || s[0] === "-") {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  let base = 10;
  if (/^0[xX][0-9a-fA-F]/.test(s)) {
    base = 16;
    s = s.slice(2);
  } else if (s.length > 1 && s[0] === "0") base = 8;
  const digits = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!digits.test(s)) return null;
  let v = 0n;
  for (const c of s) v = v * BigInt(base) + BigInt(parseInt(c, 16));
  const ULONG_MAX = (1n << 64n) - 1n;
  if (v > ULONG_MAX) return null;
  if (neg) v = ((1n << 64n) - v) & ULONG_MAX;
  return v;
}

/** get_val and a mask check: errx "invalid value" otherwise. */
function val_masked(env: ifc_env, arg: string, mask: bigint): number {
  const v = get_val(arg);
  if (v === null || (v & ~mask) !== 0n) errx(env, `invalid value: ${arg}`);
  return Number(v);
}

/** do_bridgeflag: read a member's flags, set or clear one, write them. */
function do_bridgeflag(env: ifc_env, ifs: string, flag: number, set: boolean): void {
  const req = new ifbreq();
  req.ifbr_ifsname = ifs;
  let e = do_cmd(env, BRDGGIFFLGS, req, SIZEOF_IFBREQ, false);
  if (e !== 0) err(env, "unable to get bridge flags", e);
  if (set) req.ifbr_ifsflags |= flag;
  else req.ifbr_ifsflags &= ~flag;
  e = do_cmd(env, BRDGSIFFLGS, req, SIZEOF_IFBREQ, true);
  if (e !== 0) err(env, "unable to set bridge flags", e);
}

/** The member list, as BRDGGIFS returns it (grown until it fits). */
function get_members(env: ifc_env): ifbreq[] | number {
  let len = 8192;
  for (;;) {
    const bifc = new ifbifconf();
    bifc.ifbic_len = len;
    const e = do_cmd(env, BRDGGIFS, bifc, SIZEOF_IFBIFCONF, false);
    if (e !== 0) return e;
    if (bifc.ifbic_len + SIZEOF_IFBREQ < len) return bifc.ifbic_req.slice(0, Math.floor(bifc.ifbic_len / SIZEOF_IFBREQ));
    len *= 2;
  }
}

/** bridge_interfaces: the member lines (the prefix, then as many blanks
 *  under it). */
function bridge_interfaces(env: ifc_env, prefix: string): string {
  const pad = prefix.replace(/[ -~]/g, " ");
  const members = get_members(env);
  if (typeof members === "number") err(env, "unable to get interface list", members);
  let s = "";
  for (const req of members) {
    s += `${prefix}${req.ifbr_ifsname} ${printb("flags", req.ifbr_ifsflags, IFBIFBITS)}\n`;
    s += `${pad}ifmaxaddr ${req.ifbr_addrmax >>> 0} port ${req.ifbr_portno} priority ${req.ifbr_priority} path cost ${req.ifbr_path_cost >>> 0}`;
    if ((req.ifbr_ifsflags & IFBIF_STP) !== 0) {
      if (req.ifbr_proto < STP_PROTOS.length) s += ` proto ${STP_PROTOS[req.ifbr_proto]}`;
      else s += ` <unknown proto ${req.ifbr_proto}>`;
      s += `\n${pad}`;
      if (req.ifbr_role < STP_ROLES.length) s += `role ${STP_ROLES[req.ifbr_role]}`;
      else s += `<unknown role ${req.ifbr_role}>`;
      if (req.ifbr_state < STP_STATES.length) s += ` state ${STP_STATES[req.ifbr_state]}`;
      else s += ` <unknown state ${req.ifbr_state}>`;
    }
    s += "\n";
  }
  return s;
}

/** bridge_addresses: the address table, one line an entry. */
function bridge_addresses(env: ifc_env, prefix: string): string {
  let len = 8192;
  let list: ifbareq[];
  for (;;) {
    const bac = new ifbaconf();
    bac.ifbac_len = len;
    const e = do_cmd(env, BRDGRTS, bac, SIZEOF_IFBACONF, false);
    if (e !== 0) err(env, "unable to get address cache", e);
    if (bac.ifbac_len + SIZEOF_IFBAREQ < len) {
      list = bac.ifbac_req.slice(0, Math.floor(bac.ifbac_len / SIZEOF_IFBAREQ));
      break;
    }
    len *= 2;
  }
  let s = "";
  for (const ifba of list) s += `${prefix}${ether_ntoa(ifba.ifba_dst)} Vlan${ifba.ifba_vlan} ${ifba.ifba_ifsname} ${ifba.ifba_expire} ${printb("flags", ifba.ifba_flags, IFBAFBITS)}\n`;
  return s;
}

/** bridge_status: the bridge block of `ifconfig bridgeN`; nothing for an
 *  interface that is not a bridge (BRDGGCACHE fails). */
function bridge_status(env: ifc_env): string {
  const param = new ifbrparam();
  if (do_cmd(env, BRDGGCACHE, param, SIZEOF_IFBRPARAM, false) !== 0) return "";
  const csize = param.ifbrp_csize;
  if (do_cmd(env, BRDGGTO, param, SIZEOF_IFBRPARAM, false) !== 0) return "";
  const ctime = param.ifbrp_ctime;
  const ifbp = new ifbropreq();
  if (do_cmd(env, BRDGPARAM, ifbp, SIZEOF_IFBROPREQ, false) !== 0) return "";
  const lladdr = new Uint8Array(6);
  PV2ID(ifbp.ifbop_bridgeid, lladdr);
  let s = `\tid ${ether_ntoa(lladdr)} priority ${ifbp.ifbop_priority} hellotime ${ifbp.ifbop_hellotime} fwddelay ${ifbp.ifbop_fwddelay}\n`;
  s += `\tmaxage ${ifbp.ifbop_maxage} holdcnt ${ifbp.ifbop_holdcount} proto ${STP_PROTOS[ifbp.ifbop_protocol] ?? "(null)"} maxaddr ${csize} timeout ${ctime}\n`;
  const bprio = PV2ID(ifbp.ifbop_designated_root, lladdr);
  s += `\troot id ${ether_ntoa(lladdr)} priority ${bprio} ifcost ${ifbp.ifbop_root_path_cost >>> 0} port ${ifbp.ifbop_root_port & 0xfff}\n`;
  s += bridge_interfaces(env, "\tmember: ");
  return s;
}

function member_cmd(env: ifc_env, op: number, what: string, val: string): void {
  const req = new ifbreq();
  req.ifbr_ifsname = val;
  const e = do_cmd(env, op, req, SIZEOF_IFBREQ, true);
  if (e !== 0) err(env, `${what} ${val}`, e);
}

function flag_cmd(name: string, flag: number, set: boolean): ifconfig_cmd {
  return { name, nargs: 1, fn: (env, [v]) => do_bridgeflag(env, v, flag, set) };
}

/** A bridge parameter (ifbrparam) command: value checked against mask. */
function param_cmd(name: string, op: number, what: string, mask: bigint, store: (p: ifbrparam, v: number) => void): ifconfig_cmd {
  return {
    name,
    nargs: 1,
    fn: (env, [arg]) => {
      const v = val_masked(env, arg, mask);
      const param = new ifbrparam();
      store(param, v);
      const e = do_cmd(env, op, param, SIZEOF_IFBRPARAM, true);
      if (e !== 0) err(env, `${what} ${arg}`, e);
    },
  };
}

function flush_cmd(env: ifc_env, flags: number): void {
  const req = new ifbreq();
  req.ifbr_ifsflags = flags;
  const e = do_cmd(env, BRDGFLUSH, req, SIZEOF_IFBREQ, true);
  if (e !== 0) err(env, "BRDGFLUSH", e);
}

/** bridge_cmds, in ifbridge.c's order. */
const bridge_cmds: ifconfig_cmd[] = [
  { name: "addm", nargs: 1, fn: (env, [v]) => member_cmd(env, BRDGADD, "BRDGADD", v) },
  { name: "deletem", nargs: 1, fn: (env, [v]) => member_cmd(env, BRDGDEL, "BRDGDEL", v) },
  flag_cmd("discover", IFBIF_DISCOVER, true),
  flag_cmd("-discover", IFBIF_DISCOVER, false),
  flag_cmd("learn", IFBIF_LEARNING, true),
  flag_cmd("-learn", IFBIF_LEARNING, false),
  flag_cmd("sticky", IFBIF_STICKY, true),
  flag_cmd("-sticky", IFBIF_STICKY, false),
  { name: "span", nargs: 1, fn: (env, [v]) => member_cmd(env, BRDGADDS, "BRDGADDS", v) },
  { name: "-span", nargs: 1, fn: (env, [v]) => member_cmd(env, BRDGDELS, "BRDGDELS", v) },
  flag_cmd("stp", IFBIF_STP, true),
  flag_cmd("-stp", IFBIF_STP, false),
  flag_cmd("edge", IFBIF_BSTP_EDGE, true),
  flag_cmd("-edge", IFBIF_BSTP_EDGE, false),
  flag_cmd("autoedge", IFBIF_BSTP_AUTOEDGE, true),
  flag_cmd("-autoedge", IFBIF_BSTP_AUTOEDGE, false),
  flag_cmd("ptp", IFBIF_BSTP_PTP, true),
  flag_cmd("-ptp", IFBIF_BSTP_PTP, false),
  flag_cmd("autoptp", IFBIF_BSTP_AUTOPTP, true),
  flag_cmd("-autoptp", IFBIF_BSTP_AUTOPTP, false),
  { name: "flush", nargs: 0, fn: (env) => flush_cmd(env, IFBF_FLUSHDYN) },
  { name: "flushall", nargs: 0, fn: (env) => flush_cmd(env, IFBF_FLUSHALL) },
  {
    name: "static",
    nargs: 2,
    fn: (env, [val, mac]) => {
      const req = new ifbareq();
      req.ifba_ifsname = val;
      const ea = ether_aton(mac);
      if (ea === null) errx(env, `${val}: invalid address: ${mac}`);
      req.ifba_dst.set(ea);
      req.ifba_flags = IFBAF_STATIC;
      // The VLAN is not asked for: always 1.
      req.ifba_vlan = 1;
      const e = do_cmd(env, BRDGSADDR, req, SIZEOF_IFBAREQ, true);
      if (e !== 0) err(env, `BRDGSADDR ${val}`, e);
    },
  },
  {
    name: "deladdr",
    nargs: 1,
    fn: (env, [val]) => {
      const req = new ifbareq();
      const ea = ether_aton(val);
      if (ea === null) errx(env, `invalid address: ${val}`);
      req.ifba_dst.set(ea);
      const e = do_cmd(env, BRDGDADDR, req, SIZEOF_IFBAREQ, true);
      if (e !== 0) err(env, `BRDGDADDR ${val}`, e);
    },
  },
  { name: "addr", nargs: 0, fn: (env) => env.ctx.stdout.write(bridge_addresses(env, "")) },
  param_cmd("maxaddr", BRDGSCACHE, "BRDGSCACHE", 0xffffffffn, (p, v) => (p.ifbrp_csize = v)),
  param_cmd("hellotime", BRDGSHT, "BRDGSHT", 0xffn, (p, v) => (p.ifbrp_hellotime = v)),
  param_cmd("fwddelay", BRDGSFD, "BRDGSFD", 0xffn, (p, v) => (p.ifbrp_fwddelay = v)),
  param_cmd("maxage", BRDGSMA, "BRDGSMA", 0xffn, (p, v) => (p.ifbrp_maxage = v)),
  param_cmd("priority", BRDGSPRI, "BRDGSPRI", 0xffffn, (p, v) => (p.ifbrp_prio = v)),
  {
    name: "proto",
    nargs: 1,
    fn: (env, [arg]) => {
      const param = new ifbrparam();
      if (arg.toLowerCase() === "stp") param.ifbrp_proto = 0;
      else if (arg.toLowerCase() === "rstp") param.ifbrp_proto = 2;
      else errx(env, "unknown stp protocol");
      const e = do_cmd(env, BRDGSPROTO, param, SIZEOF_IFBRPARAM, true);
      if (e !== 0) err(env, `BRDGSPROTO ${arg}`, e);
    },
  },
  param_cmd("holdcnt", BRDGSTXHC, "BRDGSTXHC", 0xffn, (p, v) => (p.ifbrp_txhc = v)),
  {
    name: "ifpriority",
    nargs: 2,
    fn: (env, [ifn, pri]) => {
      const req = new ifbreq();
      const v = val_masked(env, pri, 0xffn);
      req.ifbr_ifsname = ifn;
      req.ifbr_priority = v;
      const e = do_cmd(env, BRDGSIFPRIO, req, SIZEOF_IFBREQ, true);
      if (e !== 0) err(env, `BRDGSIFPRIO ${pri}`, e);
    },
  },
  {
    name: "ifpathcost",
    nargs: 2,
    fn: (env, [ifn, cost]) => {
      const req = new ifbreq();
      const v = get_val(cost);
      if (v === null) errx(env, `invalid value: ${cost}`);
      req.ifbr_ifsname = ifn;
      // ifbr_path_cost is a uint32_t: the value is truncated.
      req.ifbr_path_cost = Number(v & 0xffffffffn);
      const e = do_cmd(env, BRDGSIFCOST, req, SIZEOF_IFBREQ, true);
      if (e !== 0) err(env, `BRDGSIFCOST ${cost}`, e);
    },
  },
  {
    name: "ifmaxaddr",
    nargs: 2,
    fn: (env, [ifn, arg]) => {
      const req = new ifbreq();
      const v = val_masked(env, arg, 0xffffffffn);
      req.ifbr_ifsname = ifn;
      req.ifbr_addrmax = v;
      const e = do_cmd(env, BRDGSIFAMAX, req, SIZEOF_IFBREQ, true);
      if (e !== 0) err(env, `BRDGSIFAMAX ${arg}`, e);
    },
  },
  param_cmd("timeout", BRDGSTO, "BRDGSTO", 0xffffffffn, (p, v) => (p.ifbrp_ctime = v)),
  flag_cmd("private", IFBIF_PRIVATE, true),
  flag_cmd("-private", IFBIF_PRIVATE, false),
];

/** ifbridge.c's registration: its cmd table and bridge_status as the
 *  af_other_status callback. */
export const ifconfig_module: ifconfig_module_t = {
  cmds: bridge_cmds,
  status: (env: ifc_env, _i: ifconfig_if) => bridge_status(env),
};
