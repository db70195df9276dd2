// sbin/natd/natd.c, natd.h: natd(8), the network address translation
// daemon.  ipfw's `divert` rules hand it packets through divert sockets;
// it runs them through libalias (lib/libalias, sbin/libalias.ts) and
// writes them back with the address it read them with, so the kernel goes
// on where it left off.  Incoming packets are told from outgoing ones by
// the socket they came in on (-in_port/-out_port) or, on a single socket
// (-port, the default "natd" 8668/divert), by the address the kernel gave
// them (INADDR_ANY: outgoing).  Divert sockets are FreeBSD 14's
// socket(PF_DIVERT, SOCK_RAW, 0), bound to the port ipfw names.  Options come from the command line
// (-name value..., words up to the next "-" joined by spaces) and from -f
// config files ("name value" lines, # comments).  -interface takes the
// alias address from an interface (getifaddrs(3), which is natd's sysctl
// NET_RT_IFLIST read) and, with -dynamic, follows its changes on a routing
// socket; SIGHUP re-reads it, SIGTERM ends natd after -exit_delay ms
// (default 10 s; 0: at once).  Unless -verbose, natd becomes a daemon
// (daemon(3)) and writes its pid file; verbose prints every packet before
// and after translation.
//
// Departures: syslog(3) lines (natd's background warnings, -log_denied,
// "Aliasing to ...") go to standard error under LOG_PERROR (verbose) and
// nowhere otherwise, as there is no syslogd; -proxy_rule and -punch_fw are
// refused, since libalias is built without transparent-proxy rules and
// without firewall punching (NO_FW_PUNCH: only the ftp and irc modules,
// not built, would punch holes); -exit_delay's ualarm(3) is a deadline
// the main loop's poll(2) waits for.

import fs from "node:fs";
import path from "node:path";
import { EACCES, EAGAIN, EINTR, EMSGSIZE, strerror } from "../kern/errno.ts";
import { SIGHUP, SIGTERM, sys_sigaction } from "../kern/kern_sig.ts";
import { CLOCK_MONOTONIC, sys_clock_gettime } from "../kern/kern_time.ts";
import { AF_INET, AF_LINK, PF_DIVERT, PF_ROUTE, SOCK_RAW } from "../kern/socket.ts";
import { SHUT_RD } from "../kern/uipc_socket.ts";
import { POLLIN, sys_bind, sys_poll, sys_recvfrom, sys_route_recv, sys_sendto, sys_shutdown, sys_socket, type pollfd, type proc } from "../kern/uipc_syscalls.ts";
import { RTM_IFINFO, RTM_NEWADDR, RTM_VERSION } from "../net/route.ts";
import { INADDR_ANY, INADDR_NONE, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, inet_aton, inet_ntoa, sockaddr_in } from "../netinet/in.ts";
import { IP_MAXPACKET, IPH_DST, IPH_LEN, IPH_P, IPH_SRC, IPH_VHL } from "../netinet/ip.ts";
import { getifaddrs } from "./libc_getifaddrs.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import { daemon, getaddrinfo, prog_exit, prog_run, strtol, warn as libc_warn, warnx, type prog_ctx } from "./libc.ts";
import { getservbyname } from "./netdb.ts";
import { getprotobyname } from "./ipfw2.ts";
import {
  LibAliasAddServer,
  LibAliasIn,
  LibAliasInit,
  LibAliasOut,
  LibAliasOutTry,
  LibAliasRedirectAddr,
  LibAliasRedirectPort,
  LibAliasRedirectProto,
  LibAliasRefreshModules,
  LibAliasSetAddress,
  LibAliasSetMode,
  LibAliasSetSkinnyPort,
  LibAliasSetTarget,
  PKT_ALIAS_DENY_INCOMING,
  PKT_ALIAS_IGNORED,
  PKT_ALIAS_LOG,
  PKT_ALIAS_PROXY_ONLY,
  PKT_ALIAS_REVERSE,
  PKT_ALIAS_SAME_PORTS,
  PKT_ALIAS_UNREGISTERED_ONLY,
  PKT_ALIAS_USE_SOCKETS,
  type alias_link,
  type libalias,
} from "./libalias.ts";
import { SendNeedFragIcmp } from "./natd_icmp.ts";

// natd.h
const PIDFILE = "/var/run/natd.pid";
const INPUT = 1;
const OUTPUT = 2;
const DONT_KNOW = 3;
const EXIT_DELAY = 10000;
const MAX_EXIT_DELAY = 999999;

const DEFAULT_SERVICE = "natd";

// <sys/syslog.h>: the priorities natd logs with, and the facility names.
const LOG_ALERT = 1;
const LOG_WARNING = 4;
const LOG_INFO = 6;
const facilitynames = new Map<string, number>([
  ["auth", 4 << 3],
  ["authpriv", 10 << 3],
  ["console", 14 << 3],
  ["cron", 9 << 3],
  ["daemon", 3 << 3],
  ["ftp", 11 << 3],
  ["kern", 0],
  ["lpr", 6 << 3],
  ["mail", 2 << 3],
  ["mark", 24 << 3],
  ["news", 7 << 3],
  ["ntp", 12 << 3],
  ["security", 13 << 3],
  ["syslog", 5 << 3],
  ["user", 1 << 3],
  ["uucp", 8 << 3],
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i): [string, number] => [`local${i}`, (16 + i) << 3]),
]);

/** struct instance: one aliasing engine and its sockets. */
interface instance {
  name: string;
  la: libalias;
  ifIndex: number;
  assignAliasAddr: boolean;
  ifName: string | null;
  logDropped: boolean;
  inPort: number;
  outPort: number;
  inOutPort: number;
  aliasAddr: number;
  ifMTU: number;
  aliasOverhead: number;
  dropIgnoredIncoming: number;
  divertIn: number;
  divertOut: number;
  divertInOut: number;
}

/** natd's globals. */
interface natd_state {
  ctx: prog_ctx;
  kp: proc;
  /** LIST_HEAD root: newest instance first (LIST_INSERT_HEAD). */
  root: instance[];
  mla: libalias;
  mip: instance;
  ninstance: number;
  verbose: boolean;
  background: boolean;
  running: boolean;
  logFacility: number;
  dynamicMode: boolean;
  icmpSock: number;
  logIpfwDenied: number;
  pidName: string;
  routeSock: number;
  globalPort: number;
  divertGlobal: number;
  exitDelay: number;
  /** ualarm(3)'s expiry, in ns of the monotonic clock, or 0. */
  alarm_ns: number;
  /** The packet buffer (char buf[IP_MAXPACKET]). */
  buf: Uint8Array;
  dv: DataView;
}

// ---------------------------------------------------------------------------
// Messages.

/** syslog(3): with LOG_PERROR (verbose) the line goes to standard error
 *  as "natd[pid]: msg"; there is no syslogd to take it otherwise. */
function syslog(st: natd_state, _pri: number, msg: string): void {
  if (st.verbose) st.ctx.stderr.write(`natd[${st.kp.p_pid}]: ${msg}\n`);
}

/** Warn: warn(3) in the foreground, syslog LOG_ALERT "msg (%m)" once a
 *  daemon. */
function Warn(st: natd_state, msg: string, errno: number): void {
  if (st.background) syslog(st, LOG_ALERT, `${msg} (${strerror(errno)})`);
  else libc_warn(st.ctx, msg, errno);
}


/** Quit: Warn, then exit(1). */
function Quit(st: natd_state, msg: string, errno: number): never {
  Warn(st, msg, errno);
  throw new prog_exit(1);
}

function errx(st: natd_state, msg: string): never {
  warnx(st.ctx, msg);
  throw new prog_exit(1);
}

// ---------------------------------------------------------------------------
// Options.

const enum Option {
  LibAliasOption,
  Instance,
  Verbose,
  InPort,
  OutPort,
  Port,
  GlobalPort,
  AliasAddress,
  TargetAddress,
  InterfaceName,
  RedirectPort,
  RedirectProto,
  RedirectAddress,
  ConfigFile,
  DynamicMode,
  ProxyRule,
  LogDenied,
  LogFacility,
  PunchFW,
  SkinnyPort,
  LogIpfwDenied,
  PidFile,
  ExitDelay,
}

const enum Param {
  YesNo,
  Numeric,
  String,
  None,
  Address,
  Service,
}

interface OptionInfo {
  type: Option;
  packetAliasOpt: number;
  parm: Param;
  parmDescription: string;
  description: string;
  name: string;
  shortName: string | null;
}

const optionTable: OptionInfo[] = [
  { type: Option.LibAliasOption, packetAliasOpt: PKT_ALIAS_UNREGISTERED_ONLY, parm: Param.YesNo, parmDescription: "[yes|no]", description: "alias only unregistered addresses", name: "unregistered_only", shortName: "u" },
  { type: Option.LibAliasOption, packetAliasOpt: PKT_ALIAS_LOG, parm: Param.YesNo, parmDescription: "[yes|no]", description: "enable logging", name: "log", shortName: "l" },
  { type: Option.LibAliasOption, packetAliasOpt: PKT_ALIAS_PROXY_ONLY, parm: Param.YesNo, parmDescription: "[yes|no]", description: "proxy only", name: "proxy_only", shortName: null },
  { type: Option.LibAliasOption, packetAliasOpt: PKT_ALIAS_REVERSE, parm: Param.YesNo, parmDescription: "[yes|no]", description: "operate in reverse mode", name: "reverse", shortName: null },
  { type: Option.LibAliasOption, packetAliasOpt: PKT_ALIAS_DENY_INCOMING, parm: Param.YesNo, parmDescription: "[yes|no]", description: "allow incoming connections", name: "deny_incoming", shortName: "d" },
  { type: Option.LibAliasOption, packetAliasOpt: PKT_ALIAS_USE_SOCKETS, parm: Param.YesNo, parmDescription: "[yes|no]", description: "use sockets to inhibit port conflict", name: "use_sockets", shortName: "s" },
  { type: Option.LibAliasOption, packetAliasOpt: PKT_ALIAS_SAME_PORTS, parm: Param.YesNo, parmDescription: "[yes|no]", description: "try to keep original port numbers for connections", name: "same_ports", shortName: "m" },
  { type: Option.Verbose, packetAliasOpt: 0, parm: Param.YesNo, parmDescription: "[yes|no]", description: "verbose mode, dump packet information", name: "verbose", shortName: "v" },
  { type: Option.DynamicMode, packetAliasOpt: 0, parm: Param.YesNo, parmDescription: "[yes|no]", description: "dynamic mode, automatically detect interface address changes", name: "dynamic", shortName: null },
  { type: Option.InPort, packetAliasOpt: 0, parm: Param.Service, parmDescription: "number|service_name", description: "set port for incoming packets", name: "in_port", shortName: "i" },
  { type: Option.OutPort, packetAliasOpt: 0, parm: Param.Service, parmDescription: "number|service_name", description: "set port for outgoing packets", name: "out_port", shortName: "o" },
  { type: Option.Port, packetAliasOpt: 0, parm: Param.Service, parmDescription: "number|service_name", description: "set port (defaults to natd/divert)", name: "port", shortName: "p" },
  { type: Option.GlobalPort, packetAliasOpt: 0, parm: Param.Service, parmDescription: "number|service_name", description: "set globalport", name: "globalport", shortName: null },
  { type: Option.AliasAddress, packetAliasOpt: 0, parm: Param.Address, parmDescription: "x.x.x.x", description: "address to use for aliasing", name: "alias_address", shortName: "a" },
  { type: Option.TargetAddress, packetAliasOpt: 0, parm: Param.Address, parmDescription: "x.x.x.x", description: "address to use for incoming sessions", name: "target_address", shortName: "t" },
  { type: Option.InterfaceName, packetAliasOpt: 0, parm: Param.String, parmDescription: "network_if_name", description: "take aliasing address from interface", name: "interface", shortName: "n" },
  { type: Option.ProxyRule, packetAliasOpt: 0, parm: Param.String, parmDescription: "[type encode_ip_hdr|encode_tcp_stream] port xxxx server a.b.c.d:yyyy", description: "add transparent proxying / destination NAT", name: "proxy_rule", shortName: null },
  { type: Option.RedirectPort, packetAliasOpt: 0, parm: Param.String, parmDescription: "tcp|udp local_addr:local_port_range[,...] [public_addr:]public_port_range [remote_addr[:remote_port_range]]", description: "redirect a port (or ports) for incoming traffic", name: "redirect_port", shortName: null },
  { type: Option.RedirectProto, packetAliasOpt: 0, parm: Param.String, parmDescription: "proto local_addr [public_addr] [remote_addr]", description: "redirect packets of a given proto", name: "redirect_proto", shortName: null },
  { type: Option.RedirectAddress, packetAliasOpt: 0, parm: Param.String, parmDescription: "local_addr[,...] public_addr", description: "define mapping between local and public addresses", name: "redirect_address", shortName: null },
  { type: Option.ConfigFile, packetAliasOpt: 0, parm: Param.String, parmDescription: "file_name", description: "read options from configuration file", name: "config", shortName: "f" },
  { type: Option.LogDenied, packetAliasOpt: 0, parm: Param.YesNo, parmDescription: "[yes|no]", description: "enable logging of denied incoming packets", name: "log_denied", shortName: null },
  { type: Option.LogFacility, packetAliasOpt: 0, parm: Param.String, parmDescription: "facility", description: "name of syslog facility to use for logging", name: "log_facility", shortName: null },
  { type: Option.PunchFW, packetAliasOpt: 0, parm: Param.String, parmDescription: "basenumber:count", description: "punch holes in the firewall for incoming FTP/IRC DCC connections", name: "punch_fw", shortName: null },
  { type: Option.SkinnyPort, packetAliasOpt: 0, parm: Param.String, parmDescription: "port", description: "set the TCP port for use with the Skinny Station protocol", name: "skinny_port", shortName: null },
  { type: Option.LogIpfwDenied, packetAliasOpt: 0, parm: Param.YesNo, parmDescription: "[yes|no]", description: "log packets converted by natd, but denied by ipfw", name: "log_ipfw_denied", shortName: null },
  { type: Option.PidFile, packetAliasOpt: 0, parm: Param.String, parmDescription: "file_name", description: "store PID in an alternate file", name: "pid_file", shortName: "P" },
  { type: Option.Instance, packetAliasOpt: 0, parm: Param.String, parmDescription: "instance name", description: "name of aliasing engine instance", name: "instance", shortName: null },
  { type: Option.ExitDelay, packetAliasOpt: 0, parm: Param.Numeric, parmDescription: "ms", description: "delay in ms before daemon exit after signal", name: "exit_delay", shortName: null },
];

/** Usage: the option table on standard error, exit 1. */
function Usage(st: natd_state): never {
  let s = "Recognized options:\n\n";
  for (const info of optionTable) {
    s += `-${info.name.padEnd(20)} ${info.parmDescription}\n`;
    if (info.shortName !== null) s += `-${info.shortName.padEnd(20)} ${info.parmDescription}\n`;
    s += `      ${info.description}\n\n`;
  }
  st.ctx.stderr.write(s);
  throw new prog_exit(1);
}

/** sscanf's %u: an unsigned int (a leading minus negates, modulo 2^32). */
function scan_u(s: string): { v: number; rest: string } | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(s);
  if (m === null) return null;
  let v = Number(BigInt.asUintN(32, BigInt(m[2])));
  if (m[1] === "-") v = (0x100000000 - v) % 0x100000000;
  return { v, rest: s.slice(m[0].length) };
}

function ParseArgs(st: natd_state, argv: string[]): void {
  for (let arg = 1; arg < argv.length; arg++) {
    const opt = argv[arg];
    if (!opt.startsWith("-")) {
      warnx(st.ctx, `invalid option ${opt}`);
      Usage(st);
    }
    // The words up to the next option, joined by spaces into parmBuf[256].
    let parm = "";
    let len = 0;
    while (arg < argv.length - 1) {
      if (argv[arg + 1].startsWith("-")) break;
      if (len !== 0) {
        parm = (parm + " ").slice(0, 255);
        len = parm.length;
      }
      ++arg;
      parm = (parm + argv[arg]).slice(0, 255);
      len = parm.length;
    }
    ParseOption(st, opt.slice(1), len !== 0 ? parm : null);
  }
}

function ParseOption(st: natd_state, option: string, parms: string | null): void {
  const info = optionTable.find((i) => i.name === option || (i.shortName !== null && i.shortName === option));
  if (info === undefined) {
    warnx(st.ctx, `unknown option ${option}`);
    Usage(st);
  }
  let uNumValue = 0;
  let yesNoValue = false;
  let numValue = 0;
  let strValue: string | null = null;
  let addrValue = 0;
  switch (info.parm) {
    case Param.YesNo:
      if (parms === null) parms = "yes";
      if (parms === "yes") yesNoValue = true;
      else if (parms === "no") yesNoValue = false;
      else errx(st, `${option} needs yes/no parameter`);
      break;
    case Param.Service:
      if (parms === null) errx(st, `${option} needs service name or port number parameter`);
      uNumValue = StrToPort(st, parms, "divert");
      break;
    case Param.Numeric: {
      const r = parms === null ? null : strtol(parms, 10);
      if (r === null || r.rest === parms) errx(st, `${option} needs numeric parameter`);
      numValue = Number(BigInt.asIntN(32, r.l));
      break;
    }
    case Param.String:
      strValue = parms;
      if (strValue === null) errx(st, `${option} needs parameter`);
      break;
    case Param.None:
      if (parms !== null) errx(st, `${option} does not take parameters`);
      break;
    case Param.Address:
      if (parms === null) errx(st, `${option} needs address/host parameter`);
      addrValue = StrToAddr(st, parms);
      break;
  }
  const str = strValue as string;
  switch (info.type) {
    case Option.LibAliasOption:
      LibAliasSetMode(st.mla, yesNoValue ? info.packetAliasOpt : 0, info.packetAliasOpt);
      break;
    case Option.Verbose:
      st.verbose = yesNoValue;
      break;
    case Option.DynamicMode:
      st.dynamicMode = yesNoValue;
      break;
    case Option.InPort:
      st.mip.inPort = uNumValue;
      break;
    case Option.OutPort:
      st.mip.outPort = uNumValue;
      break;
    case Option.Port:
      st.mip.inOutPort = uNumValue;
      break;
    case Option.GlobalPort:
      st.globalPort = uNumValue;
      break;
    case Option.AliasAddress:
      st.mip.aliasAddr = addrValue;
      break;
    case Option.TargetAddress:
      LibAliasSetTarget(st.mla, addrValue);
      break;
    case Option.RedirectPort:
      SetupPortRedirect(st, str);
      break;
    case Option.RedirectProto:
      SetupProtoRedirect(st, str);
      break;
    case Option.RedirectAddress:
      SetupAddressRedirect(st, str);
      break;
    case Option.ProxyRule:
      errx(st, "proxy_rule: transparent proxy rules are not built into this libalias");
    case Option.InterfaceName:
      st.mip.ifName = str;
      break;
    case Option.ConfigFile:
      ReadConfigFile(st, str);
      break;
    case Option.LogDenied:
      st.mip.logDropped = yesNoValue;
      break;
    case Option.LogFacility: {
      const fac = facilitynames.get(str);
      if (fac === undefined) errx(st, `Unknown log facility name: ${str}`);
      st.logFacility = fac;
      break;
    }
    case Option.PunchFW:
      SetupPunchFW(st, str);
      break;
    case Option.SkinnyPort:
      SetupSkinnyPort(st, str);
      break;
    case Option.LogIpfwDenied:
      st.logIpfwDenied = yesNoValue ? 1 : 0;
      break;
    case Option.PidFile:
      st.pidName = str;
      break;
    case Option.Instance:
      NewInstance(st, str);
      break;
    case Option.ExitDelay:
      if (numValue < 0 || numValue > MAX_EXIT_DELAY) errx(st, `Incorrect exit delay: ${numValue}`);
      st.exitDelay = numValue;
      break;
  }
}

/** ReadConfigFile: "option [parameters]" lines; # starts a comment. */
function ReadConfigFile(st: natd_state, fileName: string): void {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(st.ctx.cwd ?? st.ctx.env.get("PWD") ?? process.cwd(), fileName), "latin1");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const errno = code === "ENOENT" ? 2 : code === "EACCES" ? 13 : code === "EISDIR" ? 21 : 5;
    libc_warn(st.ctx, `cannot open config file ${fileName}`, errno);
    throw new prog_exit(1);
  }
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf("\n", at);
    if (nl < 0) errx(st, "config file format error: last line should end with newline");
    let line = text.slice(at, nl);
    at = nl + 1;
    const hash = line.indexOf("#");
    if (hash >= 0) line = line.slice(0, hash);
    line = line.replace(/^[ \t\n\v\f\r]+/, "");
    if (line === "") continue;
    line = line.replace(/[ \t\n\v\f\r]+$/, "");
    const m = /^([^ \t\n\v\f\r]*)[ \t\n\v\f\r]?[ \t\n\v\f\r]*(.*)$/s.exec(line) as RegExpExecArray;
    ParseOption(st, m[1], m[2] !== "" ? m[2] : null);
  }
}

// ---------------------------------------------------------------------------
// Redirections.

/** A port range: the first port and how many (port_range's two halves). */
interface port_range {
  lo: number;
  num: number;
}

function SetupPortRedirect(st: natd_state, parms: string): void {
  const words = parms.split(/[ \t]+/).filter((w) => w !== "");
  let w = 0;
  const protoName = words[w++];
  if (protoName === undefined) errx(st, "redirect_port: missing protocol");
  const proto = StrToProto(st, protoName);
  let ptr = words[w++];
  if (ptr === undefined) errx(st, "redirect_port: missing local address");
  let localAddr: number;
  let localPort: number;
  let numLocalPorts: number;
  let serverPool: string | null;
  let pr: port_range;
  if (ptr.includes(",")) {
    // LSNAT: a pool of servers.
    localAddr = INADDR_NONE;
    localPort = 0xffff;
    numLocalPorts = 1;
    serverPool = ptr;
  } else {
    const r = StrToAddrAndPortRange(st, ptr, protoName);
    localAddr = r.addr;
    localPort = r.range.lo;
    numLocalPorts = r.range.num;
    serverPool = null;
  }
  ptr = words[w++];
  if (ptr === undefined) errx(st, "redirect_port: missing public port");
  let publicAddr: number;
  if (ptr.includes(":")) {
    const r = StrToAddrAndPortRange(st, ptr, protoName);
    publicAddr = r.addr;
    pr = r.range;
  } else {
    publicAddr = INADDR_ANY;
    pr = StrToPortRange(st, ptr, protoName);
  }
  const publicPort = pr.lo;
  const numPublicPorts = pr.num;
  ptr = words[w++];
  let remoteAddr: number;
  if (ptr !== undefined) {
    if (ptr.includes(":")) {
      const r = StrToAddrAndPortRange(st, ptr, protoName);
      remoteAddr = r.addr;
      pr = r.range;
    } else {
      pr = { lo: 0, num: 1 };
      remoteAddr = StrToAddr(st, ptr);
    }
  } else {
    pr = { lo: 0, num: 1 };
    remoteAddr = INADDR_ANY;
  }
  const remotePort = pr.lo;
  const numRemotePorts = pr.num;
  if (numLocalPorts !== numPublicPorts) errx(st, "redirect_port: port ranges must be equal in size");
  // A remote port of 0 stands for all of them.
  if (numRemotePorts !== numLocalPorts && (numRemotePorts !== 1 || remotePort !== 0)) errx(st, "redirect_port: remote port must be 0 or equal to local port range in size");
  let aliaslink: alias_link | null = null;
  for (let i = 0; i < numPublicPorts; ++i) {
    let remotePortCopy = (remotePort + i) & 0xffff;
    if (numRemotePorts === 1 && remotePort === 0) remotePortCopy = 0;
    aliaslink = LibAliasRedirectPort(st.mla, localAddr, (localPort + i) & 0xffff, remoteAddr, remotePortCopy, publicAddr, (publicPort + i) & 0xffff, proto);
  }
  if (serverPool !== null && aliaslink !== null) {
    for (const srv of serverPool.split(",").filter((x) => x !== "")) {
      const r = StrToAddrAndPortRange(st, srv, protoName);
      if (r.range.num !== 1) errx(st, "redirect_port: local port must be single in this context");
      LibAliasAddServer(st.mla, aliaslink, r.addr, r.range.lo);
    }
  }
}

function SetupProtoRedirect(st: natd_state, parms: string): void {
  const words = parms.split(/[ \t]+/).filter((w) => w !== "");
  const protoName = words[0];
  if (protoName === undefined) errx(st, "redirect_proto: missing protocol");
  const proto = getprotobyname(protoName);
  if (proto === null) errx(st, `redirect_proto: unknown protocol ${protoName}`);
  if (words[1] === undefined) errx(st, "redirect_proto: missing local address");
  const localAddr = StrToAddr(st, words[1]);
  const publicAddr = words[2] !== undefined ? StrToAddr(st, words[2]) : INADDR_ANY;
  const remoteAddr = words[3] !== undefined ? StrToAddr(st, words[3]) : INADDR_ANY;
  LibAliasRedirectProto(st.mla, localAddr, remoteAddr, publicAddr, proto);
}

function SetupAddressRedirect(st: natd_state, parms: string): void {
  const words = parms.split(/[ \t]+/).filter((w) => w !== "");
  const ptr = words[0];
  if (ptr === undefined) errx(st, "redirect_address: missing local address");
  let localAddr: number;
  let serverPool: string | null;
  if (ptr.includes(",")) {
    localAddr = INADDR_NONE;
    serverPool = ptr;
  } else {
    localAddr = StrToAddr(st, ptr);
    serverPool = null;
  }
  if (words[1] === undefined) errx(st, "redirect_address: missing public address");
  const publicAddr = StrToAddr(st, words[1]);
  const aliaslink = LibAliasRedirectAddr(st.mla, localAddr, publicAddr);
  if (serverPool !== null && aliaslink !== null) {
    for (const srv of serverPool.split(",").filter((x) => x !== "")) LibAliasAddServer(st.mla, aliaslink, StrToAddr(st, srv), 0xffff);
  }
}

/** StrToAddr: a dotted address, else a host name (gethostbyname). */
function StrToAddr(st: natd_state, str: string): number {
  const a = inet_aton(str);
  if (a !== null) return a;
  const r = getaddrinfo(st.ctx.p, str, null, { ai_family: AF_INET });
  const sin = r.error === 0 ? r.res.find((x) => x.ai_addr instanceof sockaddr_in)?.ai_addr : undefined;
  if (!(sin instanceof sockaddr_in)) errx(st, `unknown host ${str}`);
  return sin.sin_addr;
}

/** StrToPort: a number (its low 16 bits), else a service of proto. */
function StrToPort(st: natd_state, str: string, proto: string): number {
  const r = strtol(str, 10);
  if (r.rest !== str) return Number(BigInt.asUintN(16, r.l));
  const sp = getservbyname(str, proto);
  if (sp === null) errx(st, `${str}/${proto}: unknown service`);
  return sp;
}

/** StrToPortRange: a service, a port, or lo-hi. */
function StrToPortRange(st: natd_state, str: string, proto: string): port_range {
  const sp = getservbyname(str, proto);
  if (sp !== null) return { lo: sp, num: 1 };
  if (!str.includes("-")) {
    const r = strtol(str, 10);
    if (r.rest !== str) return { lo: Number(BigInt.asUintN(16, r.l)), num: 1 };
    errx(st, `${str}/${proto}: unknown service`);
  }
  // sscanf("%hu-%hu"): what is not matched stays 0.
  let loPort = 0;
  let hiPort = 0;
  const a = scan_u(str);
  if (a !== null) {
    loPort = a.v & 0xffff;
    if (a.rest.startsWith("-")) {
      const b = scan_u(a.rest.slice(1));
      if (b !== null) hiPort = b.v & 0xffff;
    }
  }
  let num = 0;
  if (loPort <= hiPort) num = (hiPort - loPort + 1) & 0xffff;
  if (num === 0) errx(st, `invalid port range ${str}`);
  return { lo: loPort, num };
}

function StrToProto(st: natd_state, str: string): number {
  if (str === "tcp") return IPPROTO_TCP;
  if (str === "udp") return IPPROTO_UDP;
  errx(st, `unknown protocol ${str}. Expected tcp or udp`);
}

function StrToAddrAndPortRange(st: natd_state, str: string, proto: string): { addr: number; range: port_range } {
  const colon = str.indexOf(":");
  if (colon < 0) errx(st, `${str} is missing port number`);
  const addr = StrToAddr(st, str.slice(0, colon));
  return { addr, range: StrToPortRange(st, str.slice(colon + 1), proto) };
}

/** -punch_fw basenumber:count: checked as natd checks it, then refused
 *  (libalias is built with NO_FW_PUNCH here). */
function SetupPunchFW(st: natd_state, strValue: string): void {
  const a = scan_u(strValue);
  const b = a !== null && a.rest.startsWith(":") ? scan_u(a.rest.slice(1)) : null;
  if (a === null || b === null) errx(st, "punch_fw: basenumber:count parameter required");
  if (CheckIpfwRulenum(st, (a.v + b.v - 1) >>> 0) === -1) errx(st, "punch_fw: basenumber:count parameter should fit the maximum allowed rule numbers");
  errx(st, "punch_fw: firewall punching is not built into this libalias (NO_FW_PUNCH)");
}

function SetupSkinnyPort(st: natd_state, strValue: string): void {
  const a = scan_u(strValue);
  if (a === null) errx(st, "skinny_port: port parameter required");
  LibAliasSetSkinnyPort(st.mla, a.v);
}

/** NewInstance: switch to the named instance, making it if new. */
function NewInstance(st: natd_state, name: string): void {
  for (const ip of st.root) {
    if (ip.name === name) {
      st.mla = ip.la;
      st.mip = ip;
      return;
    }
  }
  st.ninstance++;
  const ip: instance = {
    name,
    la: LibAliasInit(st.ctx, null),
    ifIndex: 0,
    assignAliasAddr: false,
    ifName: null,
    logDropped: false,
    inPort: 0,
    outPort: 0,
    inOutPort: 0,
    aliasAddr: INADDR_NONE,
    ifMTU: -1,
    aliasOverhead: 12,
    dropIgnoredIncoming: 0,
    divertIn: -1,
    divertOut: -1,
    divertInOut: -1,
  };
  st.root.unshift(ip);
  st.mla = ip.la;
  st.mip = ip;
}

/** CheckIpfwRulenum: -1 when rnum is not below ipfw's default rule. */
function CheckIpfwRulenum(st: natd_state, rnum: number): number {
  const r = sysctlbyname(st.ctx.p, "net.inet.ip.fw.default_rule");
  let default_rule: number;
  if (r.error !== 0 || typeof r.value !== "number") {
    libc_warn(st.ctx, "Failed to get the default ipfw rule number, using default historical value 65535.  The reason was", r.error);
    default_rule = 65535;
  } else default_rule = r.value;
  return rnum >= default_rule ? -1 : 0;
}

// ---------------------------------------------------------------------------
// The interface's address.

/** SetAliasAddressFromIfName: the instance's alias address from the first
 *  IPv4 address of its interface; EAGAIN while it has none. */
function SetAliasAddressFromIfName(st: natd_state, ifn: string): number {
  const r = getifaddrs(st.ctx.p);
  if (r.error !== 0) {
    libc_warn(st.ctx, "iflist-sysctl-get", r.error);
    throw new prog_exit(1);
  }
  st.mip.ifIndex = 0;
  const link = r.ifap.find((a) => a.family === AF_LINK && a.ifa_name === ifn);
  if (link !== undefined) {
    st.mip.ifIndex = link.sdl_index;
    st.mip.ifMTU = link.ifa_data.ifi_mtu;
  }
  if (st.mip.ifIndex === 0) errx(st, `unknown interface name ${ifn}`);
  const sin = r.ifap.find((a) => a.family === AF_INET && a.sdl_index === st.mip.ifIndex);
  if (sin === undefined) {
    warnx(st.ctx, `${ifn}: cannot get interface address`);
    return EAGAIN;
  }
  LibAliasSetAddress(st.mla, sin.addr);
  syslog(st, LOG_INFO, `Aliasing to ${inet_ntoa(sin.addr)}, mtu ${st.mip.ifMTU} bytes`);
  return 0;
}

/** The do-while of main and DoAliasing: retry once a second while the
 *  interface has no address, in dynamic mode once a daemon. */
async function AssignAliasAddr(st: natd_state): Promise<void> {
  let rval: number;
  do {
    rval = SetAliasAddressFromIfName(st, st.mip.ifName as string);
    if (!st.background || !st.dynamicMode) break;
    if (rval === EAGAIN) await sys_poll(st.kp, [], 1e9);
  } while (rval === EAGAIN);
  if (rval !== 0) throw new prog_exit(1);
}

// ---------------------------------------------------------------------------
// Packets.

function FormatPacket(dv: DataView): string {
  const src = inet_ntoa(dv.getUint32(IPH_SRC));
  const dst = inet_ntoa(dv.getUint32(IPH_DST));
  const p = dv.getUint8(IPH_P);
  const hl = (dv.getUint8(IPH_VHL) & 0x0f) << 2;
  switch (p) {
    case IPPROTO_TCP:
      return `[TCP] ${src}:${dv.getUint16(hl)} -> ${dst}:${dv.getUint16(hl + 2)}`;
    case IPPROTO_UDP:
      return `[UDP] ${src}:${dv.getUint16(hl)} -> ${dst}:${dv.getUint16(hl + 2)}`;
    case IPPROTO_ICMP:
      return `[ICMP] ${src} -> ${dst} ${dv.getUint8(hl)}(${dv.getUint8(hl + 1)})`;
    default:
      return `[${p}] ${src} -> ${dst} `;
  }
}

function proto_label(p: number): string {
  switch (p) {
    case IPPROTO_TCP:
      return "[TCP]  ";
    case IPPROTO_UDP:
      return "[UDP]  ";
    case IPPROTO_ICMP:
      return "[ICMP] ";
    default:
      return `[${p}]    `;
  }
}

/** Read one packet from fd into the buffer: its length and address, or
 *  null (warned about unless interrupted). */
function ReadPacket(st: natd_state, fd: number): { bytes: number; addr: sockaddr_in } | null {
  const r = sys_recvfrom(st.kp, fd, IP_MAXPACKET, 0);
  if (r.error !== 0 || r.data === null) {
    if (r.error !== EINTR) Warn(st, "read from divert socket failed", r.error);
    return null;
  }
  st.buf.set(r.data);
  const from = r.from instanceof sockaddr_in ? r.from : new sockaddr_in(INADDR_ANY, 0);
  return { bytes: r.data.length, addr: from };
}

/** Write the packet back where it came from; EMSGSIZE answers the sender
 *  with ICMP need-frag (outgoing packets only), EACCES is worth a warning
 *  under -log_ipfw_denied. */
function WritePacket(st: natd_state, fd: number, addr: sockaddr_in, bytes: number, needfrag: boolean): void {
  const w = sys_sendto(st.kp, fd, st.buf.subarray(0, bytes), 0, addr);
  if (w.error === 0 && w.len === bytes) return;
  if (w.error === EMSGSIZE) {
    if (needfrag && st.mip.ifMTU !== -1) SendNeedFragIcmp(st.kp, st.mla, st.icmpSock, st.dv, st.mip.ifMTU - st.mip.aliasOverhead, (m, e) => Warn(st, m, e));
  } else if (w.error === EACCES && st.logIpfwDenied !== 0) Warn(st, "failed to write packet back", w.error);
}

async function DoAliasing(st: natd_state, fd: number, direction: number): Promise<void> {
  if (st.mip.assignAliasAddr) {
    await AssignAliasAddr(st);
    st.mip.assignAliasAddr = false;
  }
  const pkt = ReadPacket(st, fd);
  if (pkt === null) return;
  const dv = st.dv;
  if (direction === DONT_KNOW) direction = pkt.addr.sin_addr === INADDR_ANY ? OUTPUT : INPUT;
  const out = st.ctx.stdout;
  if (st.verbose) {
    out.write(direction === OUTPUT ? "Out " : "In  ");
    if (st.ninstance > 1) out.write(`{${st.mip.name}}`);
    out.write(proto_label(dv.getUint8(IPH_P)));
    out.write(FormatPacket(dv));
  }
  if (direction === OUTPUT) {
    LibAliasOut(st.mla, dv, 0, IP_MAXPACKET);
  } else {
    const status = LibAliasIn(st.mla, dv, 0, IP_MAXPACKET);
    if (status === PKT_ALIAS_IGNORED && st.mip.dropIgnoredIncoming !== 0) {
      if (st.verbose) out.write(" dropped.\n");
      if (st.mip.logDropped) syslog(st, LOG_WARNING, `denied ${FormatPacket(dv)}`);
      return;
    }
  }
  // The length may have changed.
  const bytes = dv.getUint16(IPH_LEN);
  if (direction === OUTPUT && bytes - pkt.bytes > st.mip.aliasOverhead) st.mip.aliasOverhead = bytes - pkt.bytes;
  if (st.verbose) {
    out.write(" aliased to\n");
    out.write("           ");
    out.write(FormatPacket(dv));
    out.write("\n");
  }
  WritePacket(st, fd, pkt.addr, bytes, direction === OUTPUT);
}

/** DoGlobal: a packet for the -globalport socket goes out through the
 *  first instance that has a link for it. */
function DoGlobal(st: natd_state, fd: number): void {
  const pkt = ReadPacket(st, fd);
  if (pkt === null) return;
  const dv = st.dv;
  const out = st.ctx.stdout;
  if (st.verbose) {
    out.write("Glb ");
    out.write(proto_label(dv.getUint8(IPH_P)));
    out.write(FormatPacket(dv));
  }
  let found: instance | null = null;
  for (const ip of st.root) {
    st.mip = ip;
    st.mla = ip.la;
    if (LibAliasOutTry(st.mla, dv, 0, IP_MAXPACKET, false) !== PKT_ALIAS_IGNORED) {
      found = ip;
      break;
    }
  }
  const bytes = dv.getUint16(IPH_LEN);
  if (found !== null && bytes - pkt.bytes > found.aliasOverhead) found.aliasOverhead = bytes - pkt.bytes;
  if (st.verbose) {
    out.write(" aliased to\n");
    out.write("           ");
    out.write(FormatPacket(dv));
    out.write("\n");
  }
  WritePacket(st, fd, pkt.addr, bytes, found !== null);
}

/** HandleRoutingInfo: an address or interface change on one of the
 *  instances' interfaces makes it read the address again. */
function HandleRoutingInfo(st: natd_state, fd: number): void {
  const r = sys_route_recv(st.kp, fd);
  if (r.error !== 0 || r.msg === null) {
    if (r.error !== 0) Warn(st, "read from routing socket failed", r.error);
    return;
  }
  const m = r.msg;
  if (m.rtm_version !== RTM_VERSION) {
    Warn(st, "unexpected packet read from routing socket", 0);
    return;
  }
  if (st.verbose) st.ctx.stdout.write(`Routing message ${m.rtm_type === 0 ? "0" : `0x${m.rtm_type.toString(16)}`} received.\n`);
  if (m.rtm_type === RTM_NEWADDR || m.rtm_type === RTM_IFINFO) {
    for (const ip of st.root) {
      st.mip = ip;
      st.mla = ip.la;
      if (m.rtm_index === ip.ifIndex) {
        if (st.verbose) st.ctx.stdout.write("Interface address/MTU has probably changed.\n");
        ip.assignAliasAddr = true;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// main.

function bind_divert(st: natd_state, fd: number, port: number, msg: string): void {
  const e = sys_bind(st.kp, fd, new sockaddr_in(INADDR_ANY, port));
  if (e !== 0) Quit(st, msg, e);
}

function divert_socket(st: natd_state, msg: string): number {
  const s = sys_socket(st.kp, PF_DIVERT, SOCK_RAW, 0);
  if (s.error !== 0) Quit(st, msg, s.error);
  return s.fd;
}

function now_ns(st: natd_state): number {
  const t = sys_clock_gettime(st.kp, CLOCK_MONOTONIC);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

/** DaemonMode: daemon(0, 0) (natd goes on as the child, whose pid the
 *  pid file gets), then the pid file. */
function DaemonMode(st: natd_state): void {
  daemon(st.ctx, 0, 0);
  st.kp = st.ctx.p as proc;
  st.background = true;
  try {
    fs.writeFileSync(path.resolve(st.ctx.cwd ?? process.cwd(), st.pidName), `${st.kp.p_pid}\n`);
  } catch {
    // natd goes on without its pid file when it cannot be written.
  }
}

export async function natd_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const kp = ctx.p as proc;
    const buf = new Uint8Array(IP_MAXPACKET);
    const st = {
      ctx,
      kp,
      root: [],
      ninstance: 1,
      verbose: false,
      background: false,
      running: true,
      logFacility: 3 << 3,
      dynamicMode: false,
      icmpSock: -1,
      logIpfwDenied: -1,
      pidName: PIDFILE,
      routeSock: -1,
      globalPort: 0,
      divertGlobal: -1,
      exitDelay: EXIT_DELAY,
      alarm_ns: 0,
      buf,
      dv: new DataView(buf.buffer),
    } as unknown as natd_state;
    // The aliasing engine first, so that options can set its mode bits.
    NewInstance(st, "default");
    ParseArgs(st, ctx.argv);
    if (st.logIpfwDenied === -1) st.logIpfwDenied = st.verbose ? 1 : 0;

    for (const ip of st.root) {
      st.mip = ip;
      st.mla = ip.la;
      if (ip.aliasAddr === INADDR_NONE && ip.ifName === null && (LibAliasSetMode(st.mla, 0, 0) & PKT_ALIAS_PROXY_ONLY) === 0) errx(st, `instance ${ip.name}: aliasing address not given`);
      if (ip.aliasAddr !== INADDR_NONE && ip.ifName !== null) errx(st, "both alias address and interface name are not allowed");
      if ((ip.inPort !== 0 || ip.outPort !== 0) && (ip.inPort === 0 || ip.outPort === 0)) errx(st, "both input and output ports are required");
      if (ip.inPort === 0 && ip.outPort === 0 && ip.inOutPort === 0) ParseOption(st, "port", DEFAULT_SERVICE);
      ip.dropIgnoredIncoming = LibAliasSetMode(st.mla, 0, 0) & PKT_ALIAS_DENY_INCOMING;
      if (ip.inOutPort !== 0) {
        ip.divertInOut = divert_socket(st, "Unable to create divert socket.");
        ip.divertIn = -1;
        ip.divertOut = -1;
        bind_divert(st, ip.divertInOut, ip.inOutPort, "Unable to bind divert socket.");
      } else {
        ip.divertIn = divert_socket(st, "Unable to create incoming divert socket.");
        ip.divertOut = divert_socket(st, "Unable to create outgoing divert socket.");
        ip.divertInOut = -1;
        bind_divert(st, ip.divertIn, ip.inPort, "Unable to bind incoming divert socket.");
        bind_divert(st, ip.divertOut, ip.outPort, "Unable to bind outgoing divert socket.");
      }
      if (ip.ifName !== null) {
        if (st.dynamicMode) {
          if (st.routeSock === -1) {
            const r = sys_socket(kp, PF_ROUTE, SOCK_RAW, 0);
            if (r.error !== 0) Quit(st, "Unable to create routing info socket.", r.error);
            st.routeSock = r.fd;
          }
          ip.assignAliasAddr = true;
        } else {
          await AssignAliasAddr(st);
        }
      }
    }
    if (st.globalPort !== 0) {
      st.divertGlobal = divert_socket(st, "Unable to create divert socket.");
      bind_divert(st, st.divertGlobal, st.globalPort, "Unable to bind global divert socket.");
    }
    // The socket ICMP errors go out on; nothing is read from it.
    const icmp = sys_socket(kp, AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (icmp.error !== 0) Quit(st, "Unable to create ICMP socket.", icmp.error);
    st.icmpSock = icmp.fd;
    sys_shutdown(kp, st.icmpSock, SHUT_RD);

    if (!st.verbose) DaemonMode(st);

    // SIGTERM ends the loop, after exit_delay ms when there is one (the
    // kernel meanwhile lets connections close); SIGHUP re-reads the
    // interface's address.
    // (Each SIGTERM sets the alarm again, as ualarm does.)
    sys_sigaction(st.kp, SIGTERM, () => {
      if (st.exitDelay !== 0) st.alarm_ns = now_ns(st) + st.exitDelay * 1e6;
      else st.running = false;
    });
    sys_sigaction(st.kp, SIGHUP, () => {
      LibAliasRefreshModules(st.ctx);
      if (st.mip.ifName !== null) st.mip.assignAliasAddr = true;
    });

    for (const ip of st.root) {
      st.mip = ip;
      st.mla = ip.la;
      if (ip.aliasAddr !== INADDR_NONE) LibAliasSetAddress(st.mla, ip.aliasAddr);
    }

    // select(2)'s read mask: the same descriptors every time round, so
    // the set is made once (the loop allocates nothing per packet).
    const fds: pollfd[] = [];
    const watch = (fd: number): pollfd | null => {
      if (fd === -1) return null;
      const pfd = { fd, events: POLLIN, revents: 0 };
      fds.push(pfd);
      return pfd;
    };
    const ipfds = st.root.map((ip) => ({ ip, in: watch(ip.divertIn), out: watch(ip.divertOut), inout: watch(ip.divertInOut) }));
    const routefd = watch(st.routeSock);
    const globalfd = watch(st.divertGlobal);
    const ready = (pfd: pollfd | null): boolean => pfd !== null && (pfd.revents & POLLIN) !== 0;
    while (st.running) {
      st.mip = st.root[0];
      st.mla = st.mip.la;
      // No timeout, unless SIGTERM set ualarm's.
      let timo = -1;
      if (st.alarm_ns !== 0) {
        timo = st.alarm_ns - now_ns(st);
        if (timo <= 0) {
          st.running = false;
          break;
        }
      }
      const r = await sys_poll(st.kp, fds, timo);
      if (r.error === EINTR) continue;
      if (r.error !== 0) Quit(st, "Select failed.", r.error);
      if (r.n === 0) continue;
      if (ready(globalfd)) DoGlobal(st, st.divertGlobal);
      for (const x of ipfds) {
        st.mip = x.ip;
        st.mla = x.ip.la;
        if (ready(x.in)) await DoAliasing(st, x.ip.divertIn, INPUT);
        if (ready(x.out)) await DoAliasing(st, x.ip.divertOut, OUTPUT);
        if (ready(x.inout)) await DoAliasing(st, x.ip.divertInOut, DONT_KNOW);
      }
      if (ready(routefd)) HandleRoutingInfo(st, st.routeSock);
    }
    if (st.background) {
      try {
        fs.unlinkSync(path.resolve(ctx.cwd ?? process.cwd(), st.pidName));
      } catch {
        // Already gone.
      }
    }
    return 0;
  });
}
