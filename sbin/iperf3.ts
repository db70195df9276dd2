// iperf3 (esnet/iperf 3.x: src/main.c, iperf_api.c, iperf_client_api.c,
// iperf_server_api.c, iperf_tcp.c, iperf_udp.c, units.c, iperf_locale.c):
// the network throughput tester, client and server, TCP and UDP.
//
// Not in FreeBSD's base, but what people measure links with.  It speaks
// iperf3's own protocol: a control connection (TCP, port 5201) that opens
// with the 37-byte cookie, then one-byte states (PARAM_EXCHANGE,
// CREATE_STREAMS, TEST_START, TEST_RUNNING, TEST_END, EXCHANGE_RESULTS,
// DISPLAY_RESULTS, IPERF_DONE) and JSON parameters and results behind a
// 4-byte length; data streams are TCP connections that send the cookie
// first, or UDP sockets "connected" by a 4-byte hello, their datagrams
// opening with sec/usec/sequence.  Rates are bytes over the simulator's
// clock (clock_gettime(2)), so a 10-second test costs what the packets cost.
//
// Departures: no CPU accounting in the simulator (the cpu_util fields of
// the protocol and of -J are 0); no --bidir, -F, -A, -Z, -O, --logfile,
// authentication; no server-side duration watchdog.

import { EAGAIN, EINTR, ENOBUFS, strerror } from "../kern/errno.ts";
import { AF_INET, AF_INET6, AF_UNSPEC, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_RCVBUF, SO_REUSEADDR, SO_SNDBUF, type sockaddr } from "../kern/socket.ts";
import { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_IP, sockaddr_in } from "../netinet/in.ts";
import { IP_TOS } from "../netinet/in_pcb.ts";
import { IPPROTO_IPV6, IPV6_TCLASS, IPV6_V6ONLY } from "../netinet6/ip6_var.ts";
import { sockaddr_in6 } from "../netinet6/in6_var.ts";
import { TCPI_RTT, TCPI_RTTVAR, TCPI_SND_CWND, TCPI_SND_REXMITPACK, TCPI_SND_WND, TCP_INFO, TCP_MAXSEG, TCP_NODELAY } from "../netinet/tcp.ts";
import { CLOCK_MONOTONIC, CLOCK_REALTIME, sys_clock_gettime } from "../kern/kern_time.ts";
import {
  F_GETFL,
  F_SETFL,
  O_NONBLOCK,
  POLLIN,
  POLLOUT,
  sys_bind,
  sys_close,
  sys_fcntl,
  sys_getpeername,
  sys_getsockname,
  sys_getsockopt,
  sys_listen,
  sys_poll,
  sys_read,
  sys_recvfrom,
  sys_setsockopt,
  sys_socket,
  sys_write,
  type pollfd,
  type proc,
} from "../kern/uipc_syscalls.ts";
import { arc4random } from "../kern/arc4random.ts";
import { sysctlbyname } from "./libc_sysctl.ts";
import {
  AI_PASSIVE,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  accept,
  atoi,
  connect,
  gai_strerror,
  getaddrinfo,
  getnameinfo,
  getopt_long,
  prog_exit,
  prog_run,
  type addrinfo,
  type prog_ctx,
} from "./libc.ts";

/** The version this implementation speaks (client_version in the parameters). */
const IPERF_VERSION = "3.21";

// iperf.h, iperf_api.h
const PORT = 5201;
const COOKIE_SIZE = 37;
const DEFAULT_UDP_BLKSIZE = 1460;
const DEFAULT_TCP_BLKSIZE = 128 * 1024;
const DEFAULT_PACING_TIMER = 1000;
const UDP_RATE = 1024 * 1024;
const MB = 1024 * 1024;
const MAX_BLOCKSIZE = MB;
const MAX_TCP_BUFFER = 512 * MB;
const MIN_UDP_BLOCKSIZE = 4 + 4 + 8;
const MAX_UDP_BLOCKSIZE = 65535 - 8 - 20;
const MIN_INTERVAL = 0.1;
const MAX_INTERVAL = 60.0;
const MAX_TIME = 86400;
const MAX_BURST = 1000;
const MAX_MSS = 32 * 1024 - 1;
const MAX_STREAMS = 128;
/** The UDP hello and its answer, written as the host's (little-endian) int. */
const UDP_CONNECT_MSG = 0x36373839;
const UDP_CONNECT_REPLY = 0x39383736;
const LEGACY_UDP_CONNECT_REPLY = 987654321;

// The control states (one signed byte on the control connection).
const TEST_START = 1;
const TEST_RUNNING = 2;
const TEST_END = 4;
const PARAM_EXCHANGE = 9;
const CREATE_STREAMS = 10;
const SERVER_TERMINATE = 11;
const CLIENT_TERMINATE = 12;
const EXCHANGE_RESULTS = 13;
const DISPLAY_RESULTS = 14;
const IPERF_START = 15;
const IPERF_DONE = 16;
const ACCESS_DENIED = -1;
const SERVER_ERROR = -2;

// test->mode
const RECEIVER = 0;
const SENDER = 1;

const usage_shortstr = "Usage: iperf3 [-s|-c host] [options]\nTry `iperf3 --help' for more information.\n";

const usage_longstr =
  "Usage: iperf3 [-s|-c host] [options]\n" +
  "       iperf3 [-h|--help] [-v|--version]\n\n" +
  "Server or Client:\n" +
  "  -p, --port      #         server port to listen on/connect to\n" +
  "  -f, --format   [kmgtKMGT] format to report: Kbits, Mbits, Gbits, Tbits\n" +
  "  -i, --interval  #         seconds between periodic throughput reports\n" +
  "  -B, --bind      <host>    bind to the interface associated with the address <host>\n" +
  "  -V, --verbose             more detailed output\n" +
  "  -J, --json                output in JSON format\n" +
  "  -d, --debug               emit debugging output\n" +
  "  -v, --version             show version information and quit\n" +
  "  -h, --help                show this message and quit\n" +
  "Server specific:\n" +
  "  -s, --server              run in server mode\n" +
  "  -1, --one-off             handle one client connection then exit\n" +
  "Client specific:\n" +
  "  -c, --client    <host>    run in client mode, connecting to <host>\n" +
  "  -u, --udp                 use UDP rather than TCP\n" +
  "  -b, --bitrate #[KMG][/#]  target bitrate in bits/sec (0 for unlimited)\n" +
  "                            (default 1 Mbit/sec for UDP, unlimited for TCP)\n" +
  "                            (optional slash and packet count for burst mode)\n" +
  "  --pacing-timer #[KMG]     set the timing for pacing, in microseconds (default 1000)\n" +
  "  -t, --time      #         time in seconds to transmit for (default 10 secs)\n" +
  "  -n, --bytes     #[KMG]    number of bytes to transmit (instead of -t)\n" +
  "  -k, --blockcount #[KMG]   number of blocks (packets) to transmit (instead of -t or -n)\n" +
  "  -l, --length    #[KMG]    length of buffer to read or write\n" +
  "                            (default 128 KB for TCP, dynamic or 1460 for UDP)\n" +
  "  --cport         <port>    bind to a specific client port (TCP and UDP, default: ephemeral port)\n" +
  "  -P, --parallel  #         number of parallel client streams to run\n" +
  "  -R, --reverse             run in reverse mode (server sends, client receives)\n" +
  "  -w, --window    #[KMG]    set window size / socket buffer size\n" +
  "  -M, --set-mss   #         set TCP/SCTP maximum segment size (MTU - 40 bytes)\n" +
  "  -N, --no-delay            set TCP/SCTP no delay, disabling Nagle's Algorithm\n" +
  "  -4, --version4            only use IPv4\n" +
  "  -6, --version6            only use IPv6\n" +
  "  -S, --tos N               set the IP type of service, 0-255.\n" +
  "                            The usual prefixes for octal and hex can be used,\n" +
  "                            i.e. 52, 064 and 0x34 all specify the same value.\n" +
  "  -T, --title str           prefix every output line with this string\n" +
  "  --extra-data str          data string to include in client and server JSON\n" +
  "  --get-server-output       get results from server\n" +
  "  --udp-counters-64bit      use 64-bit counters in UDP test packets\n" +
  "\n" +
  "[KMG] indicates options that support a K/M/G suffix for kilo-, mega-, or giga-\n\n";

// ---------------------------------------------------------------------------
// Errors: i_errno and iperf_strerror (iperf_error.c).

const IEPARAMS: Record<string, string> = {
  IESERVCLIENT: "cannot be both server and client",
  IENOROLE: "must either be a client (-c) or server (-s)",
  IESERVERONLY: "some option you are trying to set is server only",
  IECLIENTONLY: "some option you are trying to set is client only",
  IEDURATION: `test duration valid values are 0 to ${MAX_TIME} seconds`,
  IENUMSTREAMS: `invalid number of parallel streams (min = 1, max = ${MAX_STREAMS})`,
  IEBLOCKSIZE: `block size too large (maximum = ${MAX_BLOCKSIZE} bytes)`,
  IEBUFSIZE: `socket buffer size too large (maximum = ${MAX_TCP_BUFFER} bytes)`,
  IEINTERVAL: `invalid report interval (min = ${MIN_INTERVAL}, max = ${MAX_INTERVAL} seconds)`,
  IEUDPBLOCKSIZE: `block size invalid (minimum = ${MIN_UDP_BLOCKSIZE} bytes, maximum = ${MAX_UDP_BLOCKSIZE} bytes)`,
  IEBADTOS: "bad TOS value (must be between 0 and 255 inclusive)",
  IEBADFORMAT: "bad format specifier (valid formats are in the set [kmgtKMGT])",
  IEBADPORT: "port number must be between 1 and 65535 inclusive",
  IEMSS: `TCP MSS too large (maximum = ${MAX_MSS} bytes)`,
  IEUNIMP: "an option you are trying to set is not implemented yet",
  IEBURST: `invalid burst count (maximum = ${MAX_BURST})`,
  IEENDCONDITIONS: "only one test end condition (-t, -n, -k) may be specified",
  IEREVERSEBIDIR: "cannot be both reverse and bidirectional",
};

/** A failure of the run: iperf_strerror's text (with strerror appended
 *  where iperf3 appends it). */
class iperf_error extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

function ie(msg: string, errno = 0, perr = true): iperf_error {
  return new iperf_error(perr ? `${msg}: ${errno !== 0 ? strerror(errno) : ""}` : msg);
}

const IELISTEN = "unable to start listener for connections";
const IECONNECT = "unable to connect to server - server may have stopped running or use a different port, firewall issue, etc.";
const IEACCEPT = "unable to accept connection from client";
const IERECVCOOKIE = "unable to receive cookie at server";
const IECTRLCLOSE = "control socket has closed unexpectedly";
const IEMESSAGE = "received an unknown control message (ensure other side is iperf3 and not iperf)";
const IESENDMESSAGE = "unable to send control message - port may not be available, the other side may have stopped running, etc.";
const IERECVMESSAGE = "unable to receive control message - port may not be available, the other side may have stopped running, etc.";
const IESENDPARAMS = "unable to send parameters to server";
const IERECVPARAMS = "unable to receive parameters from client";
const IESENDRESULTS = "unable to send results";
const IERECVRESULTS = "unable to receive results";
const IESTREAMLISTEN = "unable to start stream listener";
const IESTREAMCONNECT = "unable to connect stream";
const IESTREAMACCEPT = "unable to accept stream connection";
const IESTREAMWRITE = "unable to write to stream socket";
const IESTREAMREAD = "unable to read from stream socket";
const IEACCESSDENIED = "the server is busy running a test. try again later";
const IESERVERTERM = "the server has terminated";
const IECLIENTTERM = "the client has terminated";
const IESTREAMID = "stream has an invalid id";

// ---------------------------------------------------------------------------
// Numbers as C's printf and units.c print them.

/** %W.Pf (negative width: left-justified). */
function fmt_f(x: number, prec: number, width = 0): string {
  const s = x.toFixed(prec);
  return width >= 0 ? s.padStart(width) : s.padEnd(-width);
}

/** %.Pg. */
export function fmt_g(x: number, prec: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x < 0 ? "-inf" : "inf";
  if (x === 0) return "0";
  const p = prec === 0 ? 1 : prec;
  const e = x.toExponential(p - 1);
  const exp = Number(e.slice(e.indexOf("e") + 1));
  const strip = (s: string): string => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (exp < -4 || exp >= p) {
    const [m, ex] = e.split("e");
    const n = Math.abs(Number(ex));
    return `${strip(m)}e${Number(ex) < 0 ? "-" : "+"}${String(n).padStart(2, "0")}`;
  }
  return strip(x.toFixed(p - 1 - exp));
}

const KILO_UNIT = 1024.0;
const KILO_RATE_UNIT = 1000.0;
const label_byte = ["Byte", "KByte", "MByte", "GByte", "TByte"];
const label_bit = ["bit", "Kbit", "Mbit", "Gbit", "Tbit"];

/** unit_snprintf: bytes (upper-case format) or bits (lower case), in the
 *  unit the format names or, for 'a'/'A', the largest that keeps the
 *  number under 1000 (1024 for bytes); four places. */
export function unit_snprintf(inNum: number, inFormat: string): string {
  const upper = inFormat >= "A" && inFormat <= "Z";
  if (!upper) inNum *= 8;
  let conv: number;
  switch (inFormat.toUpperCase()) {
    case "B":
      conv = 0;
      break;
    case "K":
      conv = 1;
      break;
    case "M":
      conv = 2;
      break;
    case "G":
      conv = 3;
      break;
    case "T":
      conv = 4;
      break;
    default: {
      let tmp = inNum;
      conv = 0;
      const base = upper ? 1024.0 : 1000.0;
      while (tmp >= base && conv < 4) {
        tmp /= base;
        conv++;
      }
    }
  }
  const n = inNum / (upper ? KILO_UNIT : KILO_RATE_UNIT) ** conv;
  const suffix = upper ? label_byte[conv] : label_bit[conv];
  if (n < 9.995) return `${fmt_f(n, 2, 4)} ${suffix}`;
  if (n < 99.95) return `${fmt_f(n, 1, 4)} ${suffix}`;
  return `${fmt_f(n, 0, 4)} ${suffix}`;
}

/** sscanf("%lf%c") and the suffix of unit_atof/unit_atof_rate/unit_atoi;
 *  null for a value iperf3 rejects (IEUNITVAL). */
function unit_parse(s: string, base: number): number | null {
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(.?)/.exec(s);
  if (m === null) return null;
  let n = Number(m[1]);
  switch (m[2]) {
    case "t":
    case "T":
      n *= base ** 4;
      break;
    case "g":
    case "G":
      n *= base ** 3;
      break;
    case "m":
    case "M":
      n *= base ** 2;
      break;
    case "k":
    case "K":
      n *= base;
      break;
    case "":
      break;
    default:
      return null;
  }
  return n;
}

// ---------------------------------------------------------------------------
// JSON as cJSON prints it (cJSON_Print: tabs; cJSON_PrintUnformatted).

type json = null | boolean | number | string | json[] | { [k: string]: json };

function cjson_number(d: number): string {
  if (!Number.isFinite(d)) return "null";
  if (Number.isInteger(d) && Math.abs(d) <= 0x7fffffff) return String(d);
  const g15 = fmt_g(d, 15);
  return Number(g15) === d ? g15 : fmt_g(d, 17);
}

function cjson_string(s: string): string {
  let o = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') o += '\\"';
    else if (ch === "\\") o += "\\\\";
    else if (ch === "\b") o += "\\b";
    else if (ch === "\f") o += "\\f";
    else if (ch === "\n") o += "\\n";
    else if (ch === "\r") o += "\\r";
    else if (ch === "\t") o += "\\t";
    else if (c < 32) o += `\\u${c.toString(16).padStart(4, "0")}`;
    else o += ch;
  }
  return o + '"';
}

export function cjson_print(v: json, format: boolean, depth = 0): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return cjson_number(v);
  if (typeof v === "string") return cjson_string(v);
  if (Array.isArray(v)) return "[" + v.map((x) => cjson_print(x, format, depth + 1)).join(format ? ", " : ",") + "]";
  const keys = Object.keys(v);
  let o = "{" + (format ? "\n" : "");
  keys.forEach((k, i) => {
    if (format) o += "\t".repeat(depth + 1);
    o += cjson_string(k) + ":" + (format ? "\t" : "") + cjson_print(v[k], format, depth + 1);
    if (i < keys.length - 1) o += ",";
    if (format) o += "\n";
  });
  if (format) o += "\t".repeat(depth);
  return o + "}";
}

// ---------------------------------------------------------------------------
// The test and its streams (iperf.h).

class iperf_interval_results {
  interval_start_time = 0;
  interval_end_time = 0;
  interval_duration = 0;
  bytes_transferred = 0;
  interval_packet_count = 0;
  interval_cnt_error = 0;
  packet_count = 0;
  cnt_error = 0;
  jitter = 0;
  interval_retrans = 0;
  snd_cwnd = 0;
  snd_wnd = 0;
  rtt = 0;
  rttvar = 0;
  omitted = false;
}

class iperf_stream_result {
  bytes_received = 0;
  bytes_sent = 0;
  bytes_received_this_interval = 0;
  bytes_sent_this_interval = 0;
  stream_prev_total_retrans = 0;
  stream_retrans = 0;
  stream_max_rtt = 0;
  stream_min_rtt = 0;
  stream_sum_rtt = 0;
  stream_count_rtt = 0;
  stream_max_snd_cwnd = 0;
  stream_max_snd_wnd = 0;
  start_time = 0;
  end_time = 0;
  sender_time = 0;
  receiver_time = 0;
  readonly interval_results: iperf_interval_results[] = [];
}

class iperf_stream {
  readonly result = new iperf_stream_result();
  /** UDP: datagrams sent (sender) or the highest sequence seen (receiver). */
  packet_count = 0;
  peer_packet_count = 0;
  cnt_error = 0;
  outoforder_packets = 0;
  jitter = 0;
  prev_transit = 0;
  /** A partly written TCP block still to go (iperf_tcp_send's pending size). */
  pending = 0;
  readonly buffer: Uint8Array;
  /** The descriptor is still open (the number stays for the reports). */
  open = true;
  /** When an unthrottled UDP sender last sent its burst (see run_loop). */
  last_burst = -1;
  constructor(
    readonly socket: number,
    readonly id: number,
    readonly sender: boolean,
    blksize: number,
  ) {
    // The payload: random bytes, as iperf3 fills its buffer.
    this.buffer = new Uint8Array(blksize);
    for (let i = 0; i < blksize; i += 4) {
      const r = arc4random();
      for (let j = 0; j < 4 && i + j < blksize; j++) this.buffer[i + j] = (r >>> (8 * j)) & 0xff;
    }
  }
}

class iperf_settings {
  domain = AF_UNSPEC;
  socket_bufsize = 0;
  blksize = 0;
  rate = 0;
  burst = 0;
  mss = 0;
  tos = 0;
  bytes = 0;
  blocks = 0;
  unit_format = "a";
  pacing_timer = DEFAULT_PACING_TIMER;
}

class iperf_test {
  role = "";
  udp = false;
  reverse = false;
  mode = SENDER;
  server_hostname = "";
  server_port = PORT;
  bind_address: string | null = null;
  bind_port = 0;
  duration = 10;
  omit = 0;
  num_streams = 1;
  no_delay = false;
  one_off = false;
  json_output = false;
  verbose = false;
  debug = false;
  title: string | null = null;
  extra_data: string | null = null;
  get_server_output = 0;
  /** --get-server-output: the server's lines of this test (server), or
   *  what the server sent back (client). */
  server_output_text: string | null = null;
  json_server_output: json = null;
  udp_counters_64bit = 0;
  stats_interval = 1.0;
  readonly settings = new iperf_settings();
  state = 0;
  done = false;
  cookie = "";
  ctrl_sck = -1;
  listener = -1;
  prot_listener = -1;
  ctrl_sck_mss = 0;
  sender_has_retransmits = 0;
  other_side_has_retransmits = 0;
  streams: iperf_stream[] = [];
  bytes_sent = 0;
  bytes_received = 0;
  blocks_sent = 0;
  server_test_number = 0;
  congestion_used: string | null = null;
  remote_congestion_used: string | null = null;
  /** -J: the document (start, intervals, end). */
  json_top: { [k: string]: json } = {};
  json_start: { [k: string]: json } = {};
  json_connected: json[] = [];
  json_intervals: json[] = [];
  json_end: { [k: string]: json } = {};
  /** Start of the current send burst, for the throttle. */
  send_start = 0;
  constructor(
    readonly ctx: prog_ctx,
    readonly kp: proc,
  ) {}
  printf(s: string): void {
    if (this.role === "s" && this.get_server_output !== 0) this.server_output_text = (this.server_output_text ?? "") + (this.title !== null ? `${this.title}:  ` : "") + s;
    if (this.title !== null) {
      this.ctx.stdout.write(s.split("\n").map((l, i, a) => (i === a.length - 1 && l === "" ? "" : `${this.title}:  ${l}`)).join("\n"));
    } else this.ctx.stdout.write(s);
  }
}

/** clock_gettime(CLOCK_MONOTONIC) in whole microseconds: iperf_time_now
 *  (struct iperf_time is seconds and microseconds; differences of it are
 *  exact). */
function now_us(t: iperf_test): number {
  const ts = sys_clock_gettime(t.kp, CLOCK_MONOTONIC);
  return ts.tv_sec * 1e6 + Math.floor(ts.tv_nsec / 1000);
}

// ---------------------------------------------------------------------------
// main and iperf_parse_arguments.

export async function iperf3_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, () => iperf3(ctx));
}

async function iperf3(ctx: prog_ctx): Promise<number> {
  const test = new iperf_test(ctx, ctx.p as proc);
  const perr = parse_arguments(test);
  if (perr !== null) {
    iperf_err(test, `parameter error - ${perr}`, true);
    ctx.stderr.write("\n" + usage_shortstr);
    return 1;
  }
  try {
    if (test.role === "s") {
      for (;;) {
        await iperf_run_server(test);
        if (test.one_off) break;
        iperf_reset_test(test);
      }
    } else await iperf_run_client(test);
  } catch (e) {
    if (!(e instanceof iperf_error)) throw e;
    close_all(test);
    iperf_err(test, `error - ${e.text}`, false);
    if (test.json_output) iperf_json_finish(test);
    return 1;
  }
  return 0;
}

/** iperf_err: "iperf3: msg" on stderr, or the "error" of the JSON document. */
function iperf_err(test: iperf_test, msg: string, params: boolean): void {
  if (test.json_output && !params) test.json_top.error = msg;
  else test.ctx.stderr.write(`iperf3: ${msg}\n`);
}

function usage_exit(test: iperf_test): never {
  test.ctx.stderr.write("\n" + usage_shortstr);
  throw new prog_exit(1);
}

/** iperf_parse_arguments: null, or the message of the first bad option. */
function parse_arguments(test: iperf_test): string | null {
  const ctx = test.ctx;
  const s = test.settings;
  let server_flag = false;
  let client_flag = false;
  let rate_flag = false;
  let duration_flag = false;
  let blksize = 0;
  const { opts, operands } = getopt_long(
    ctx,
    "p:f:i:D1VJvsc:ub:t:n:k:l:P:Rw:B:M:N46S:L:ZO:F:A:T:C:dI:mh",
    [
      { name: "port", has_arg: 1, val: "p" },
      { name: "format", has_arg: 1, val: "f" },
      { name: "interval", has_arg: 1, val: "i" },
      { name: "daemon", has_arg: 0, val: "D" },
      { name: "one-off", has_arg: 0, val: "1" },
      { name: "verbose", has_arg: 0, val: "V" },
      { name: "json", has_arg: 0, val: "J" },
      { name: "version", has_arg: 0, val: "v" },
      { name: "server", has_arg: 0, val: "s" },
      { name: "client", has_arg: 1, val: "c" },
      { name: "udp", has_arg: 0, val: "u" },
      { name: "bitrate", has_arg: 1, val: "b" },
      { name: "bandwidth", has_arg: 1, val: "b" },
      { name: "time", has_arg: 1, val: "t" },
      { name: "bytes", has_arg: 1, val: "n" },
      { name: "blockcount", has_arg: 1, val: "k" },
      { name: "length", has_arg: 1, val: "l" },
      { name: "parallel", has_arg: 1, val: "P" },
      { name: "reverse", has_arg: 0, val: "R" },
      { name: "bidir", has_arg: 0, val: "\u0001" },
      { name: "window", has_arg: 1, val: "w" },
      { name: "bind", has_arg: 1, val: "B" },
      { name: "cport", has_arg: 1, val: "\u0002" },
      { name: "set-mss", has_arg: 1, val: "M" },
      { name: "no-delay", has_arg: 0, val: "N" },
      { name: "version4", has_arg: 0, val: "4" },
      { name: "version6", has_arg: 0, val: "6" },
      { name: "tos", has_arg: 1, val: "S" },
      { name: "title", has_arg: 1, val: "T" },
      { name: "extra-data", has_arg: 1, val: "\u0003" },
      { name: "get-server-output", has_arg: 0, val: "\u0004" },
      { name: "udp-counters-64bit", has_arg: 0, val: "\u0005" },
      { name: "pacing-timer", has_arg: 1, val: "\u0006" },
      { name: "debug", has_arg: 0, val: "d" },
      { name: "help", has_arg: 0, val: "h" },
      { name: "zerocopy", has_arg: 0, val: "Z" },
      { name: "omit", has_arg: 1, val: "O" },
      { name: "file", has_arg: 1, val: "F" },
      { name: "affinity", has_arg: 1, val: "A" },
      { name: "congestion", has_arg: 1, val: "C" },
      { name: "pidfile", has_arg: 1, val: "I" },
      { name: "flowlabel", has_arg: 1, val: "L" },
    ],
    () => usage_exit(test),
  );
  // iperf3's getopt takes no operands; they are ignored, as there.
  void operands;
  for (const [ch, optarg] of opts) {
    switch (ch) {
      case "p": {
        const portno = atoi(optarg);
        if (portno < 1 || portno > 65535) return IEPARAMS.IEBADPORT;
        test.server_port = portno;
        break;
      }
      case "f":
        if (!"kKmMgGtT".includes(optarg[0] ?? "_") || optarg === "") return IEPARAMS.IEBADFORMAT;
        s.unit_format = optarg[0];
        break;
      case "i": {
        const v = Number.parseFloat(optarg);
        test.stats_interval = Number.isNaN(v) ? 0 : v;
        if ((test.stats_interval < MIN_INTERVAL || test.stats_interval > MAX_INTERVAL) && test.stats_interval !== 0) return IEPARAMS.IEINTERVAL;
        break;
      }
      case "D":
        return IEPARAMS.IEUNIMP;
      case "1":
        test.one_off = true;
        server_flag = true;
        break;
      case "V":
        test.verbose = true;
        break;
      case "J":
        test.json_output = true;
        break;
      case "v":
        ctx.stdout.write(`iperf ${IPERF_VERSION} (VirtNet)\n${get_system_info(test)}\nOptional features available: none\n`);
        throw new prog_exit(0);
      case "s":
        if (test.role === "c") return IEPARAMS.IESERVCLIENT;
        test.role = "s";
        break;
      case "c":
        if (test.role === "s") return IEPARAMS.IESERVCLIENT;
        test.role = "c";
        test.server_hostname = optarg;
        break;
      case "u":
        test.udp = true;
        client_flag = true;
        break;
      case "b": {
        let arg = optarg;
        const slash = arg.indexOf("/");
        if (slash >= 0) {
          s.burst = atoi(arg.slice(slash + 1));
          arg = arg.slice(0, slash);
          if (s.burst <= 0 || s.burst > MAX_BURST) return IEPARAMS.IEBURST;
        }
        const r = unit_parse(arg, KILO_RATE_UNIT);
        if (r === null) return `invalid unit value or suffix: '${arg}'`;
        s.rate = Math.trunc(r);
        rate_flag = true;
        client_flag = true;
        break;
      }
      case "\u0006": {
        const r = unit_parse(optarg, KILO_UNIT);
        if (r === null) return `invalid unit value or suffix: '${optarg}'`;
        s.pacing_timer = Math.trunc(r);
        client_flag = true;
        break;
      }
      case "t":
        test.duration = atoi(optarg);
        if (test.duration > MAX_TIME || test.duration < 0) return IEPARAMS.IEDURATION;
        duration_flag = true;
        client_flag = true;
        break;
      case "n": {
        const r = unit_parse(optarg, KILO_UNIT);
        if (r === null) return `invalid unit value or suffix: '${optarg}'`;
        s.bytes = Math.max(0, Math.trunc(r));
        client_flag = true;
        break;
      }
      case "k": {
        const r = unit_parse(optarg, KILO_UNIT);
        if (r === null) return `invalid unit value or suffix: '${optarg}'`;
        s.blocks = Math.max(0, Math.trunc(r));
        client_flag = true;
        break;
      }
      case "l": {
        const r = unit_parse(optarg, KILO_UNIT);
        if (r === null) return `invalid unit value or suffix: '${optarg}'`;
        blksize = Math.trunc(r);
        client_flag = true;
        break;
      }
      case "P":
        test.num_streams = atoi(optarg);
        if (test.num_streams < 1 || test.num_streams > MAX_STREAMS) return IEPARAMS.IENUMSTREAMS;
        client_flag = true;
        break;
      case "R":
        test.reverse = true;
        client_flag = true;
        break;
      case "\u0001":
        return IEPARAMS.IEUNIMP;
      case "w": {
        const r = unit_parse(optarg, KILO_UNIT);
        if (r === null) return `invalid unit value or suffix: '${optarg}'`;
        if (r < 0 || r > MAX_TCP_BUFFER) return IEPARAMS.IEBUFSIZE;
        s.socket_bufsize = Math.trunc(r);
        client_flag = true;
        break;
      }
      case "B":
        test.bind_address = optarg;
        break;
      case "\u0002": {
        const portno = atoi(optarg);
        if (portno < 1 || portno > 65535) return IEPARAMS.IEBADPORT;
        test.bind_port = portno;
        break;
      }
      case "M":
        s.mss = atoi(optarg);
        if (s.mss < 0 || s.mss > MAX_MSS) return IEPARAMS.IEMSS;
        client_flag = true;
        break;
      case "N":
        test.no_delay = true;
        client_flag = true;
        break;
      case "4":
        s.domain = AF_INET;
        break;
      case "6":
        s.domain = AF_INET6;
        break;
      case "S": {
        const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(optarg);
        const v = m === null ? NaN : (m[1] === "-" ? -1 : 1) * (m[2].startsWith("0x") || m[2].startsWith("0X") ? Number.parseInt(m[2], 16) : m[2].startsWith("0") ? Number.parseInt(m[2], 8) : Number(m[2]));
        if (Number.isNaN(v) || v < 0 || v > 255) return IEPARAMS.IEBADTOS;
        s.tos = v;
        client_flag = true;
        break;
      }
      case "T":
        test.title = optarg;
        client_flag = true;
        break;
      case "\u0003":
        test.extra_data = optarg;
        client_flag = true;
        break;
      case "\u0004":
        test.get_server_output = 1;
        client_flag = true;
        break;
      case "\u0005":
        test.udp_counters_64bit = 1;
        break;
      case "d":
        test.debug = true;
        break;
      case "h":
        ctx.stdout.write(usage_longstr);
        throw new prog_exit(0);
      case "Z":
      case "O":
      case "F":
      case "A":
      case "C":
      case "I":
      case "L":
      case "m":
        // Not in this iperf3 (see the header).
        return IEPARAMS.IEUNIMP;
      default:
        usage_exit(test);
    }
  }
  if (test.role === "c" && server_flag) return IEPARAMS.IESERVERONLY;
  if (test.role === "s" && client_flag) return IEPARAMS.IECLIENTONLY;
  if (blksize === 0) blksize = test.udp ? 0 : DEFAULT_TCP_BLKSIZE;
  if ((!test.udp && blksize <= 0) || blksize > MAX_BLOCKSIZE) return IEPARAMS.IEBLOCKSIZE;
  if (test.udp && blksize > 0 && (blksize < MIN_UDP_BLOCKSIZE || blksize > MAX_UDP_BLOCKSIZE)) return IEPARAMS.IEUDPBLOCKSIZE;
  s.blksize = blksize;
  if (!rate_flag) s.rate = test.udp ? UDP_RATE : 0;
  if ((s.bytes !== 0 || s.blocks !== 0) && !duration_flag) test.duration = 0;
  if ((duration_flag && s.bytes !== 0) || (duration_flag && s.blocks !== 0) || (s.bytes !== 0 && s.blocks !== 0)) return IEPARAMS.IEENDCONDITIONS;
  if (test.role !== "c" && test.role !== "s") return IEPARAMS.IENOROLE;
  test.mode = test.role === "c" ? (test.reverse ? RECEIVER : SENDER) : RECEIVER;
  // check_sender_has_retransmits: TCP_INFO has them (tcpi_snd_rexmitpack).
  test.sender_has_retransmits = test.mode !== RECEIVER && !test.udp ? 1 : 0;
  if (test.json_output && s.unit_format !== "a") ctx.stderr.write("iperf3: Report format (-f) flag ignored with JSON output (-J)\n");
  return null;
}

/** get_system_info: uname -a, from the kern.* and hw.machine sysctls. */
function get_system_info(test: iperf_test): string {
  const v = (n: string): string => {
    const r = sysctlbyname(test.kp, n);
    return r.error === 0 && r.value !== undefined && r.value !== null ? String(r.value).trim() : "";
  };
  return [v("kern.ostype") || "FreeBSD", v("kern.hostname"), v("kern.osrelease"), v("kern.version").split("\n")[0], v("hw.machine")].filter((x) => x !== "").join(" ");
}

// ---------------------------------------------------------------------------
// Sockets: netdial, netannounce, and reads and writes that wait in poll(2).

function sa_host_port(test: iperf_test, sa: sockaddr | null): { host: string; port: number } {
  if (!(sa instanceof sockaddr_in) && !(sa instanceof sockaddr_in6)) return { host: "", port: 0 };
  const r = getnameinfo(test.ctx.p, sa, NI_NUMERICHOST | NI_NUMERICSERV);
  let host = r.host;
  // mapped_v4_to_regular_v4
  if (host.startsWith("::ffff:") && host.includes(".")) host = host.slice(7);
  return { host, port: Number(r.serv) };
}

function resolve(test: iperf_test, host: string | null, port: number, socktype: number, passive: boolean): addrinfo[] {
  const g = getaddrinfo(test.ctx.p, host, String(port), { ai_family: test.settings.domain, ai_socktype: socktype, ai_protocol: socktype === SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP, ai_flags: passive ? AI_PASSIVE : 0 });
  if (g.error !== 0 || g.res.length === 0) throw new iperf_error(`${passive ? IELISTEN : IECONNECT}: ${gai_strerror(g.error)}`);
  return g.res;
}

/** netdial: a socket of `socktype` bound to -B/--cport if given and
 *  connected to host:port. */
async function netdial(test: iperf_test, socktype: number, host: string, port: number, what: string): Promise<number> {
  const res = resolve(test, host, port, socktype, false)[0];
  const so = sys_socket(test.kp, res.ai_family, socktype, 0);
  if (so.error !== 0) throw ie(what, so.error);
  const s = so.fd;
  if (test.bind_address !== null || test.bind_port !== 0) {
    const g = getaddrinfo(test.ctx.p, test.bind_address, String(test.bind_port), { ai_family: res.ai_family, ai_socktype: socktype, ai_flags: AI_PASSIVE });
    if (g.error !== 0) throw new iperf_error(`${what}: ${gai_strerror(g.error)}`);
    const e = sys_bind(test.kp, s, g.res[0].ai_addr);
    if (e !== 0) {
      sys_close(test.kp, s);
      throw ie(what, e);
    }
  }
  if (socktype === SOCK_STREAM) set_common_sockopts(test, s, res.ai_family);
  const e = await connect(test.ctx.p, s, res.ai_addr);
  if (e !== 0) {
    sys_close(test.kp, s);
    throw ie(what, e);
  }
  return s;
}

/** netannounce: a socket bound to -B (or the wildcard: IPv6's, taking
 *  IPv4 too, unless -4) on port; listening for TCP. */
function netannounce(test: iperf_test, socktype: number, port: number, what: string): number {
  let domain = test.settings.domain;
  if (test.bind_address === null && domain === AF_UNSPEC) domain = AF_INET6;
  const saved = test.settings.domain;
  test.settings.domain = domain;
  let res: addrinfo;
  try {
    res = resolve(test, test.bind_address, port, socktype, true)[0];
  } finally {
    test.settings.domain = saved;
  }
  const so = sys_socket(test.kp, res.ai_family, socktype, 0);
  if (so.error !== 0) throw ie(what, so.error);
  const s = so.fd;
  sys_setsockopt(test.kp, s, SOL_SOCKET, SO_REUSEADDR, 1);
  if (res.ai_family === AF_INET6 && (saved === AF_UNSPEC || saved === AF_INET6)) sys_setsockopt(test.kp, s, IPPROTO_IPV6, IPV6_V6ONLY, saved === AF_INET6 ? 1 : 0);
  const e = sys_bind(test.kp, s, res.ai_addr);
  if (e !== 0) {
    sys_close(test.kp, s);
    throw ie(what, e);
  }
  if (socktype === SOCK_STREAM) {
    const l = sys_listen(test.kp, s, 128);
    if (l !== 0) {
      sys_close(test.kp, s);
      throw ie(what, l);
    }
  }
  return s;
}

/** iperf_common_sockopts and the TCP ones of iperf_tcp_connect/listen:
 *  -N, -M, -w, -S. */
function set_common_sockopts(test: iperf_test, s: number, af: number): void {
  const st = test.settings;
  if (!test.udp) {
    if (test.no_delay) sys_setsockopt(test.kp, s, IPPROTO_TCP, TCP_NODELAY, 1);
    if (st.mss !== 0) sys_setsockopt(test.kp, s, IPPROTO_TCP, TCP_MAXSEG, st.mss);
  }
  if (st.socket_bufsize !== 0) {
    const e1 = sys_setsockopt(test.kp, s, SOL_SOCKET, SO_RCVBUF, st.socket_bufsize);
    const e2 = sys_setsockopt(test.kp, s, SOL_SOCKET, SO_SNDBUF, st.socket_bufsize);
    if (e1 !== 0 || e2 !== 0) throw ie("unable to set socket buffer size", e1 !== 0 ? e1 : e2);
  }
  if (st.tos !== 0) {
    const e = af === AF_INET6 ? sys_setsockopt(test.kp, s, IPPROTO_IPV6, IPV6_TCLASS, st.tos) : sys_setsockopt(test.kp, s, IPPROTO_IP, IP_TOS, st.tos);
    if (e !== 0) throw ie("unable to set IP TOS", e);
  }
}

function setnonblocking(test: iperf_test, s: number): void {
  const fl = sys_fcntl(test.kp, s, F_GETFL, 0).value;
  sys_fcntl(test.kp, s, F_SETFL, fl | O_NONBLOCK);
}

/** Nread: exactly n bytes, waiting as a blocking read(2) does; fewer only
 *  at the peer's end of stream. */
async function Nread(test: iperf_test, s: number, n: number): Promise<{ error: number; data: Uint8Array }> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = sys_read(test.kp, s, n - got);
    if (r.error === EAGAIN || r.error === EINTR) {
      const w = await sys_poll(test.kp, [{ fd: s, events: POLLIN, revents: 0 }], -1);
      if (w.error !== 0 && w.error !== EINTR) return { error: w.error, data: out.subarray(0, got) };
      continue;
    }
    if (r.error !== 0) return { error: r.error, data: out.subarray(0, got) };
    if (r.data === null || r.data.length === 0) break;
    out.set(r.data, got);
    got += r.data.length;
  }
  return { error: 0, data: out.subarray(0, got) };
}

/** Nwrite: all of buf, waiting for room as a blocking write(2) does. */
async function Nwrite(test: iperf_test, s: number, buf: Uint8Array): Promise<number> {
  let off = 0;
  while (off < buf.length) {
    const w = sys_write(test.kp, s, buf.subarray(off));
    if (w.error === EAGAIN || w.error === ENOBUFS || w.error === EINTR) {
      const p = await sys_poll(test.kp, [{ fd: s, events: POLLOUT, revents: 0 }], -1);
      if (p.error !== 0 && p.error !== EINTR) return p.error;
      continue;
    }
    if (w.error !== 0) return w.error;
    off += w.len;
  }
  return 0;
}

async function iperf_set_send_state(test: iperf_test, state: number): Promise<void> {
  test.state = state;
  const e = await Nwrite(test, test.ctrl_sck, new Uint8Array([state & 0xff]));
  if (e !== 0) throw ie(IESENDMESSAGE, e);
}

/** JSON_write: a 4-byte big-endian length and the unformatted JSON. */
async function JSON_write(test: iperf_test, s: number, j: json): Promise<number> {
  const body = new TextEncoder().encode(cjson_print(j, false));
  const hdr = new Uint8Array(4);
  new DataView(hdr.buffer).setUint32(0, body.length, false);
  const e = await Nwrite(test, s, hdr);
  return e !== 0 ? e : Nwrite(test, s, body);
}

async function JSON_read(test: iperf_test, s: number): Promise<{ [k: string]: json } | null> {
  const h = await Nread(test, s, 4);
  if (h.error !== 0 || h.data.length !== 4) return null;
  const n = new DataView(h.data.buffer, h.data.byteOffset, 4).getUint32(0, false);
  if (n > 1024 * 1024 * 64) return null;
  const b = await Nread(test, s, n);
  if (b.error !== 0 || b.data.length !== n) return null;
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(b.data));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as { [k: string]: json }) : null;
  } catch {
    return null;
  }
}

function make_cookie(): string {
  const rndchars = "abcdefghijklmnopqrstuvwxyz234567";
  let c = "";
  for (let i = 0; i < COOKIE_SIZE - 1; i++) c += rndchars[arc4random() % rndchars.length];
  return c;
}

function cookie_bytes(cookie: string): Uint8Array {
  const b = new Uint8Array(COOKIE_SIZE);
  b.set(new TextEncoder().encode(cookie).subarray(0, COOKIE_SIZE - 1));
  return b;
}

function close_stream(test: iperf_test, sp: iperf_stream): void {
  if (sp.open) sys_close(test.kp, sp.socket);
  sp.open = false;
}

function close_all(test: iperf_test): void {
  for (const sp of test.streams) close_stream(test, sp);
  test.streams = [];
  if (test.prot_listener >= 0 && test.prot_listener !== test.listener) sys_close(test.kp, test.prot_listener);
  test.prot_listener = -1;
  if (test.ctrl_sck >= 0) sys_close(test.kp, test.ctrl_sck);
  test.ctrl_sck = -1;
  if (test.listener >= 0) sys_close(test.kp, test.listener);
  test.listener = -1;
}

// ---------------------------------------------------------------------------
// Parameters and results (send_parameters, get_parameters, send_results,
// get_results).

async function send_parameters(test: iperf_test): Promise<void> {
  const s = test.settings;
  const j: { [k: string]: json } = {};
  if (test.udp) j.udp = true;
  else j.tcp = true;
  j.omit = test.omit;
  j.time = test.duration;
  j.num = s.bytes;
  j.blockcount = s.blocks;
  if (s.mss !== 0) j.MSS = s.mss;
  if (test.no_delay) j.nodelay = true;
  j.parallel = test.num_streams;
  if (test.reverse) j.reverse = true;
  if (s.socket_bufsize !== 0) j.window = s.socket_bufsize;
  if (s.blksize !== 0) j.len = s.blksize;
  if (s.rate !== 0) j.bandwidth = s.rate;
  if (s.pacing_timer !== 0) j.pacing_timer = s.pacing_timer;
  if (s.burst !== 0) j.burst = s.burst;
  if (s.tos !== 0) j.TOS = s.tos;
  if (test.title !== null) j.title = test.title;
  if (test.extra_data !== null) j.extra_data = test.extra_data;
  if (test.get_server_output !== 0) j.get_server_output = test.get_server_output;
  if (test.udp_counters_64bit !== 0) j.udp_counters_64bit = test.udp_counters_64bit;
  j.client_version = IPERF_VERSION;
  if (test.debug) test.printf(`send_parameters:\n${cjson_print(j, true)}\n`);
  const e = await JSON_write(test, test.ctrl_sck, j);
  if (e !== 0) throw ie(IESENDPARAMS, e);
}

async function get_parameters(test: iperf_test): Promise<void> {
  const j = await JSON_read(test, test.ctrl_sck);
  if (j === null) throw ie(IERECVPARAMS);
  if (test.debug) test.printf(`get_parameters:\n${cjson_print(j, true)}\n`);
  const s = test.settings;
  const num = (k: string): number | null => (typeof j[k] === "number" ? (j[k] as number) : null);
  test.udp = j.udp === true;
  test.omit = num("omit") ?? 0;
  test.duration = num("time") ?? 0;
  s.bytes = num("num") ?? 0;
  s.blocks = num("blockcount") ?? 0;
  s.mss = num("MSS") ?? 0;
  test.no_delay = j.nodelay === true;
  test.num_streams = num("parallel") ?? 1;
  test.reverse = j.reverse === true;
  test.mode = test.reverse ? SENDER : RECEIVER;
  s.socket_bufsize = num("window") ?? 0;
  s.blksize = num("len") ?? (test.udp ? DEFAULT_UDP_BLKSIZE : DEFAULT_TCP_BLKSIZE);
  s.rate = num("bandwidth") ?? 0;
  s.pacing_timer = num("pacing_timer") ?? DEFAULT_PACING_TIMER;
  s.burst = num("burst") ?? 0;
  s.tos = num("TOS") ?? 0;
  test.title = typeof j.title === "string" ? j.title : null;
  test.extra_data = typeof j.extra_data === "string" ? j.extra_data : null;
  test.get_server_output = num("get_server_output") ?? 0;
  test.udp_counters_64bit = num("udp_counters_64bit") ?? 0;
  test.sender_has_retransmits = test.mode === SENDER && !test.udp ? 1 : 0;
  if (s.rate !== 0 && test.json_output) test.json_start.target_bitrate = s.rate;
}

async function send_results(test: iperf_test): Promise<void> {
  const j: { [k: string]: json } = {
    cpu_util_total: 0,
    cpu_util_user: 0,
    cpu_util_system: 0,
    sender_has_retransmits: test.mode === RECEIVER ? -1 : test.sender_has_retransmits,
  };
  if (test.congestion_used !== null) j.congestion_used = test.congestion_used;
  if (test.role === "s" && test.get_server_output !== 0) {
    if (test.json_output) j.server_output_json = test.json_top;
    else j.server_output_text = test.server_output_text ?? "";
  }
  const streams: json[] = [];
  for (const sp of test.streams) {
    streams.push({
      id: sp.id,
      bytes: sp.sender ? sp.result.bytes_sent : sp.result.bytes_received,
      retransmits: sp.sender && test.sender_has_retransmits !== 0 ? sp.result.stream_retrans : -1,
      jitter: sp.jitter,
      errors: sp.cnt_error,
      omitted_errors: 0,
      packets: sp.packet_count,
      omitted_packets: 0,
      start_time: 0,
      end_time: (sp.result.end_time - sp.result.start_time) / 1e6,
    });
  }
  j.streams = streams;
  if (test.debug) test.printf(`send_results\n${cjson_print(j, true)}\n`);
  const e = await JSON_write(test, test.ctrl_sck, j);
  if (e !== 0) throw ie(IESENDRESULTS, e);
}

async function get_results(test: iperf_test): Promise<void> {
  const j = await JSON_read(test, test.ctrl_sck);
  if (j === null) throw ie(IERECVRESULTS);
  if (test.debug) test.printf(`get_results\n${cjson_print(j, true)}\n`);
  const n = (o: { [k: string]: json }, k: string): number | null => (typeof o[k] === "number" ? (o[k] as number) : null);
  const shr = n(j, "sender_has_retransmits");
  if (n(j, "cpu_util_total") === null || shr === null || !Array.isArray(j.streams)) throw ie(IERECVRESULTS, 0, false);
  if (test.mode === RECEIVER) {
    test.sender_has_retransmits = shr;
    test.other_side_has_retransmits = 0;
  }
  if (typeof j.congestion_used === "string") test.remote_congestion_used = j.congestion_used;
  if (j.server_output_json !== undefined) test.json_server_output = j.server_output_json;
  else if (typeof j.server_output_text === "string") test.server_output_text = j.server_output_text;
  for (const js of j.streams) {
    if (js === null || typeof js !== "object" || Array.isArray(js)) throw ie(IERECVRESULTS, 0, false);
    const id = n(js, "id");
    const bytes = n(js, "bytes");
    const retransmits = n(js, "retransmits");
    const jitter = n(js, "jitter");
    const errors = n(js, "errors");
    const packets = n(js, "packets");
    if (id === null || bytes === null || retransmits === null || jitter === null || errors === null || packets === null) throw ie(IERECVRESULTS, 0, false);
    const sp = test.streams.find((x) => x.id === id);
    if (sp === undefined) throw ie(IESTREAMID, 0, false);
    const st = n(js, "start_time");
    const et = n(js, "end_time");
    if (sp.sender) {
      sp.jitter = jitter;
      sp.cnt_error = errors;
      sp.peer_packet_count = packets;
      sp.result.bytes_received = bytes;
      sp.result.receiver_time = st !== null && et !== null ? et - st : 0;
    } else {
      sp.peer_packet_count = packets;
      sp.result.bytes_sent = bytes;
      sp.result.stream_retrans = retransmits;
      sp.result.sender_time = st !== null && et !== null ? et - st : 0;
    }
  }
}

// ---------------------------------------------------------------------------
// Streams: making them (client), accepting them (server), moving data.

/** connect_msg: the "[  5] local ... connected to ..." line, or its -J entry. */
function connect_msg(test: iperf_test, sp: iperf_stream): void {
  const l = sa_host_port(test, sys_getsockname(test.kp, sp.socket).sa);
  const r = sa_host_port(test, sys_getpeername(test.kp, sp.socket).sa);
  if (test.json_output) test.json_connected.push({ socket: sp.socket, local_host: l.host, local_port: l.port, remote_host: r.host, remote_port: r.port });
  else test.printf(`[${String(sp.socket).padStart(3)}] local ${l.host} port ${l.port} connected to ${r.host} port ${r.port}\n`);
}

function add_stream(test: iperf_test, s: number, sender: boolean): iperf_stream {
  const sp = new iperf_stream(s, test.streams.length + 1, sender, test.settings.blksize);
  test.streams.push(sp);
  setnonblocking(test, s);
  connect_msg(test, sp);
  return sp;
}

/** iperf_create_streams: the client's data connections. */
async function iperf_create_streams(test: iperf_test): Promise<void> {
  for (let i = 0; i < test.num_streams; i++) {
    let s: number;
    if (test.udp) s = await iperf_udp_connect(test);
    else {
      s = await netdial(test, SOCK_STREAM, test.server_hostname, test.server_port, IESTREAMCONNECT);
      const e = await Nwrite(test, s, cookie_bytes(test.cookie));
      if (e !== 0) {
        sys_close(test.kp, s);
        throw ie(IESTREAMCONNECT, e);
      }
    }
    add_stream(test, s, test.mode === SENDER);
  }
}

/** iperf_udp_connect: a connected UDP socket, the hello sent and answered. */
async function iperf_udp_connect(test: iperf_test): Promise<number> {
  const s = await netdial(test, SOCK_DGRAM, test.server_hostname, test.server_port, IESTREAMCONNECT);
  const dom = sys_getsockname(test.kp, s).sa;
  set_common_sockopts(test, s, dom instanceof sockaddr_in6 ? AF_INET6 : AF_INET);
  const hello = new Uint8Array(4);
  new DataView(hello.buffer).setUint32(0, UDP_CONNECT_MSG, true);
  const w = sys_write(test.kp, s, hello);
  if (w.error !== 0) {
    sys_close(test.kp, s);
    throw ie(IESTREAMWRITE, w.error);
  }
  // Wait for the answer: a stray datagram of the peer's is skipped, as
  // iperf3 reads until it sees the reply (a few tries).
  for (let tries = 0; tries < 30; tries++) {
    const r = await Nread_dgram(test, s, Math.max(4, test.settings.blksize));
    if (r === null) break;
    if (r.length >= 4) {
      const v = new DataView(r.buffer, r.byteOffset, 4).getUint32(0, true);
      if (v === UDP_CONNECT_REPLY || v === LEGACY_UDP_CONNECT_REPLY) return s;
    }
  }
  sys_close(test.kp, s);
  throw ie(IESTREAMREAD, 0);
}

/** One datagram, waiting for it (null on an error). */
async function Nread_dgram(test: iperf_test, s: number, len: number): Promise<Uint8Array | null> {
  for (;;) {
    const r = sys_recvfrom(test.kp, s, len, 0);
    if (r.error === EAGAIN || r.error === EINTR) {
      const w = await sys_poll(test.kp, [{ fd: s, events: POLLIN, revents: 0 }], -1);
      if (w.error !== 0 && w.error !== EINTR) return null;
      continue;
    }
    if (r.error !== 0 || r.data === null) return null;
    return r.data;
  }
}

/** The server's side of one new stream: iperf_tcp_accept (the cookie
 *  must be this test's) or iperf_udp_accept (the hello, a connect(2) to
 *  its sender, a fresh listener for the next one, the reply). */
async function iperf_accept_stream(test: iperf_test): Promise<void> {
  if (!test.udp) {
    const a = await accept(test.ctx.p, test.prot_listener);
    if (a.error !== 0) throw ie(IESTREAMACCEPT, a.error);
    const c = await Nread(test, a.fd, COOKIE_SIZE);
    const cookie = new TextDecoder().decode(c.data.subarray(0, Math.max(0, c.data.indexOf(0))));
    if (c.data.length !== COOKIE_SIZE || cookie !== test.cookie) {
      // Not this test's: turned away.
      await Nwrite(test, a.fd, new Uint8Array([ACCESS_DENIED & 0xff]));
      sys_close(test.kp, a.fd);
      return;
    }
    add_stream(test, a.fd, test.mode === SENDER);
    return;
  }
  const s = test.prot_listener;
  const r = sys_recvfrom(test.kp, s, 4, 0);
  if (r.error === EAGAIN) return;
  if (r.error !== 0 || !(r.from instanceof sockaddr_in || r.from instanceof sockaddr_in6)) throw ie(IESTREAMACCEPT, r.error);
  const e = await connect(test.ctx.p, s, r.from);
  if (e !== 0) throw ie(IESTREAMACCEPT, e);
  set_common_sockopts(test, s, r.from instanceof sockaddr_in6 ? AF_INET6 : AF_INET);
  test.prot_listener = netannounce(test, SOCK_DGRAM, test.server_port, IESTREAMLISTEN);
  const reply = new Uint8Array(4);
  new DataView(reply.buffer).setUint32(0, UDP_CONNECT_REPLY, true);
  const w = sys_write(test.kp, s, reply);
  if (w.error !== 0) throw ie(IESTREAMWRITE, w.error);
  add_stream(test, s, test.mode === SENDER);
}

/** iperf_check_throttle: may this stream send now (-b)?  With no rate,
 *  always. */
function green_light(test: iperf_test, sp: iperf_stream, now: number): boolean {
  if (test.settings.rate === 0) return true;
  const secs = (now - sp.result.start_time) / 1e6;
  if (secs <= 0) return sp.result.bytes_sent === 0;
  return (sp.result.bytes_sent * 8) / secs < test.settings.rate;
}

/** iperf_send for one stream: blocks while the socket takes them and the
 *  throttle allows (-b). */
function stream_send(test: iperf_test, sp: iperf_stream, now: number): void {
  const s = test.settings;
  let multisend = s.rate === 0 ? 64 : s.burst !== 0 ? s.burst : 10;
  sp.last_burst = now;
  while (multisend-- > 0) {
    if (!green_light(test, sp, now) && s.burst === 0) return;
    if (send_end_reached(test)) return;
    let n: number;
    if (test.udp) {
      sp.packet_count++;
      const dv = new DataView(sp.buffer.buffer, sp.buffer.byteOffset, sp.buffer.length);
      const ts = sys_clock_gettime(test.kp, CLOCK_MONOTONIC);
      dv.setUint32(0, ts.tv_sec >>> 0, false);
      dv.setUint32(4, Math.floor(ts.tv_nsec / 1000), false);
      if (test.udp_counters_64bit !== 0) dv.setBigUint64(8, BigInt(sp.packet_count), false);
      else dv.setUint32(8, sp.packet_count >>> 0, false);
      const w = sys_write(test.kp, sp.socket, sp.buffer);
      if (w.error === EAGAIN || w.error === ENOBUFS) {
        // Not sent: the sequence number is used again.
        sp.packet_count--;
        return;
      }
      if (w.error !== 0) throw ie(IESTREAMWRITE, w.error);
      n = w.len;
    } else {
      if (sp.pending === 0) sp.pending = s.blksize;
      const w = sys_write(test.kp, sp.socket, sp.buffer.subarray(s.blksize - sp.pending));
      if (w.error === EAGAIN || w.error === ENOBUFS) return;
      if (w.error !== 0) throw ie(IESTREAMWRITE, w.error);
      n = w.len;
      sp.pending -= n;
      if (sp.pending !== 0) {
        count_sent(test, sp, n);
        return;
      }
    }
    count_sent(test, sp, n);
    test.blocks_sent++;
  }
}

function count_sent(test: iperf_test, sp: iperf_stream, n: number): void {
  sp.result.bytes_sent += n;
  sp.result.bytes_sent_this_interval += n;
  test.bytes_sent += n;
}

function send_end_reached(test: iperf_test): boolean {
  const s = test.settings;
  return (s.bytes !== 0 && test.bytes_sent >= s.bytes) || (s.blocks !== 0 && test.blocks_sent >= s.blocks);
}

/** iperf_tcp_recv / iperf_udp_recv: what is there; counted only while
 *  the test runs.  False at the end of the stream. */
function stream_recv(test: iperf_test, sp: iperf_stream): boolean {
  for (let loops = 0; loops < 64; loops++) {
    if (test.udp) {
      const r = sys_recvfrom(test.kp, sp.socket, test.settings.blksize, 0);
      if (r.error === EAGAIN) return true;
      if (r.error !== 0) throw ie(IESTREAMREAD, r.error);
      if (r.data === null) return true;
      if (test.state === TEST_RUNNING) udp_account(test, sp, r.data);
      continue;
    }
    const r = sys_read(test.kp, sp.socket, test.settings.blksize);
    if (r.error === EAGAIN) return true;
    if (r.error !== 0) throw ie(IESTREAMREAD, r.error);
    if (r.data === null || r.data.length === 0) return false;
    if (test.state === TEST_RUNNING) {
      sp.result.bytes_received += r.data.length;
      sp.result.bytes_received_this_interval += r.data.length;
      test.bytes_received += r.data.length;
    }
  }
  return true;
}

/** iperf_udp_recv's bookkeeping: loss from sequence gaps, reordering,
 *  and RFC 1889's jitter from the transit times. */
function udp_account(test: iperf_test, sp: iperf_stream, d: Uint8Array): void {
  const first_packet = sp.result.bytes_received === 0;
  sp.result.bytes_received += d.length;
  sp.result.bytes_received_this_interval += d.length;
  test.bytes_received += d.length;
  if (d.length < 12) return;
  const dv = new DataView(d.buffer, d.byteOffset, d.length);
  const sec = dv.getUint32(0, false);
  const usec = dv.getUint32(4, false);
  const pcount = test.udp_counters_64bit !== 0 && d.length >= 16 ? Number(dv.getBigUint64(8, false)) : dv.getUint32(8, false);
  if (pcount >= sp.packet_count + 1) {
    if (pcount > sp.packet_count + 1) sp.cnt_error += pcount - 1 - sp.packet_count;
    sp.packet_count = pcount;
  } else {
    sp.outoforder_packets++;
    if (sp.cnt_error > 0) sp.cnt_error--;
  }
  const transit = (now_us(test) - (sec * 1e6 + usec)) / 1e6;
  if (first_packet) sp.prev_transit = transit;
  let dd = transit - sp.prev_transit;
  if (dd < 0) dd = -dd;
  sp.prev_transit = transit;
  sp.jitter += (dd - sp.jitter) / 16.0;
}

// ---------------------------------------------------------------------------
// Statistics and reports (iperf_stats_callback, iperf_print_intermediate,
// print_interval_results, iperf_print_results).

/** TCP_INFO's retransmitted packets, cwnd, snd_wnd, rtt and rttvar. */
function tcp_info(test: iperf_test, s: number): { retrans: number; cwnd: number; wnd: number; rtt: number; rttvar: number } | null {
  const g = sys_getsockopt(test.kp, s, IPPROTO_TCP, TCP_INFO);
  if (g.error !== 0 || !(g.val instanceof Uint8Array)) return null;
  const dv = new DataView(g.val.buffer, g.val.byteOffset, g.val.length);
  const u = (o: number): number => dv.getUint32(o, true);
  return { retrans: u(TCPI_SND_REXMITPACK), cwnd: u(TCPI_SND_CWND), wnd: u(TCPI_SND_WND), rtt: u(TCPI_RTT), rttvar: u(TCPI_RTTVAR) };
}

function iperf_stats_callback(test: iperf_test): void {
  const now = now_us(test);
  for (const sp of test.streams) {
    const rp = sp.result;
    const temp = new iperf_interval_results();
    temp.bytes_transferred = sp.sender ? rp.bytes_sent_this_interval : rp.bytes_received_this_interval;
    const prev = rp.interval_results.length > 0 ? rp.interval_results[rp.interval_results.length - 1] : null;
    temp.interval_start_time = prev !== null ? rp.end_time : rp.start_time;
    rp.end_time = now;
    temp.interval_end_time = now;
    temp.interval_duration = (temp.interval_end_time - temp.interval_start_time) / 1e6;
    if (!test.udp) {
      const ti = sp.open ? tcp_info(test, sp.socket) : null;
      if (ti !== null && test.sender_has_retransmits === 1) {
        temp.interval_retrans = ti.retrans - rp.stream_prev_total_retrans;
        rp.stream_retrans += temp.interval_retrans;
        rp.stream_prev_total_retrans = ti.retrans;
        temp.snd_cwnd = ti.cwnd;
        if (temp.snd_cwnd > rp.stream_max_snd_cwnd) rp.stream_max_snd_cwnd = temp.snd_cwnd;
        temp.snd_wnd = ti.wnd;
        if (temp.snd_wnd > rp.stream_max_snd_wnd) rp.stream_max_snd_wnd = temp.snd_wnd;
        temp.rtt = ti.rtt;
        if (temp.rtt > rp.stream_max_rtt) rp.stream_max_rtt = temp.rtt;
        if (rp.stream_min_rtt === 0 || temp.rtt < rp.stream_min_rtt) rp.stream_min_rtt = temp.rtt;
        rp.stream_sum_rtt += temp.rtt;
        rp.stream_count_rtt++;
        temp.rttvar = ti.rttvar;
      }
    } else {
      temp.interval_packet_count = prev === null ? sp.packet_count : sp.packet_count - prev.packet_count;
      temp.interval_cnt_error = prev === null ? sp.cnt_error : sp.cnt_error - prev.cnt_error;
      temp.packet_count = sp.packet_count;
      temp.jitter = sp.jitter;
      temp.cnt_error = sp.cnt_error;
    }
    rp.interval_results.push(temp);
    rp.bytes_sent_this_interval = 0;
    rp.bytes_received_this_interval = 0;
  }
}

function last_ir(sp: iperf_stream): iperf_interval_results | null {
  const l = sp.result.interval_results;
  return l.length > 0 ? l[l.length - 1] : null;
}

function line(id: string, st: number, et: number, ubuf: string, nbuf: string, rest: string): string {
  return `[${id}] ${fmt_f(st, 2, 6)}-${fmt_f(et, 2, -6)} sec  ${ubuf}s  ${nbuf}s/sec${rest}\n`;
}

const sid = (sp: iperf_stream): string => String(sp.socket).padStart(3);

function iperf_print_intermediate(test: iperf_test): void {
  let interval_ok = false;
  for (const sp of test.streams) {
    const irp = last_ir(sp);
    if (irp !== null && ((irp.interval_end_time - irp.interval_start_time) / 1e6 >= test.stats_interval * 0.1 || irp.bytes_transferred > 0)) interval_ok = true;
  }
  if (!interval_ok) return;
  let json_streams: json[] | null = null;
  let json_interval: { [k: string]: json } | null = null;
  if (test.json_output) {
    json_streams = [];
    json_interval = { streams: json_streams };
    test.json_intervals.push(json_interval);
  }
  for (const sp of test.streams) print_interval_results(test, sp, json_streams);
  if (test.streams.length === 0 || !(test.num_streams > 1 || test.json_output)) return;
  const sender = test.mode === SENDER;
  let bytes = 0;
  let retransmits = 0;
  let total_packets = 0;
  let lost_packets = 0;
  let avg_jitter = 0;
  for (const sp of test.streams) {
    const irp = last_ir(sp);
    if (irp === null) continue;
    bytes += irp.bytes_transferred;
    if (!test.udp) {
      if (test.sender_has_retransmits === 1) retransmits += irp.interval_retrans;
    } else {
      total_packets += irp.interval_packet_count;
      lost_packets += irp.interval_cnt_error;
      avg_jitter += irp.jitter;
    }
  }
  const sp = test.streams[0];
  const irp = last_ir(sp);
  if (irp === null) return;
  const bandwidth = irp.interval_duration > 0 ? bytes / irp.interval_duration : 0;
  const ubuf = unit_snprintf(bytes, "A");
  const nbuf = unit_snprintf(bandwidth, test.settings.unit_format);
  const st = (irp.interval_start_time - sp.result.start_time) / 1e6;
  const et = (irp.interval_end_time - sp.result.start_time) / 1e6;
  const common = { start: st, end: et, seconds: irp.interval_duration, bytes, bits_per_second: bandwidth * 8 };
  if (!test.udp) {
    if (test.sender_has_retransmits === 1 && sender) {
      if (json_interval !== null) json_interval.sum = { ...common, retransmits, omitted: false, sender };
      else test.printf(line("SUM", st, et, ubuf, nbuf, `  ${String(retransmits).padStart(3)}             `));
    } else if (json_interval !== null) json_interval.sum = { ...common, omitted: false, sender };
    else test.printf(line("SUM", st, et, ubuf, nbuf, "                  "));
  } else if (sender) {
    if (json_interval !== null) json_interval.sum = { ...common, packets: total_packets, omitted: false, sender };
    else test.printf(line("SUM", st, et, ubuf, nbuf, `  ${total_packets}  `));
  } else {
    avg_jitter /= test.num_streams;
    const lost_percent = total_packets > 0 ? (100.0 * lost_packets) / total_packets : 0;
    if (json_interval !== null) json_interval.sum = { ...common, jitter_ms: avg_jitter * 1000, lost_packets, packets: total_packets, lost_percent, omitted: false, sender };
    else test.printf(line("SUM", st, et, ubuf, nbuf, `  ${fmt_f(avg_jitter * 1000, 3, 5)} ms  ${lost_packets}/${total_packets} (${fmt_g(lost_percent, 2)}%)  `));
  }
}

function print_interval_results(test: iperf_test, sp: iperf_stream, json_streams: json[] | null): void {
  const irp = last_ir(sp);
  if (irp === null) return;
  if (json_streams === null && sp === test.streams[0]) {
    if (sp.result.start_time === irp.interval_start_time) {
      if (!test.udp) test.printf(test.sender_has_retransmits === 1 ? "[ ID] Interval           Transfer     Bitrate         Retr  Cwnd\n" : "[ ID] Interval           Transfer     Bitrate\n");
      else if (test.mode === SENDER) test.printf("[ ID] Interval           Transfer     Bitrate         Total Datagrams\n");
      else test.printf("[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n");
    } else if (test.num_streams > 1) test.printf("- - - - - - - - - - - - - - - - - - - - - - - - -\n");
  }
  const ubuf = unit_snprintf(irp.bytes_transferred, "A");
  const bandwidth = irp.interval_duration > 0 ? irp.bytes_transferred / irp.interval_duration : 0;
  const nbuf = unit_snprintf(bandwidth, test.settings.unit_format);
  const st = (irp.interval_start_time - sp.result.start_time) / 1e6;
  const et = (irp.interval_end_time - sp.result.start_time) / 1e6;
  const common = { socket: sp.socket, start: st, end: et, seconds: irp.interval_duration, bytes: irp.bytes_transferred, bits_per_second: bandwidth * 8 };
  if (!test.udp) {
    if (test.sender_has_retransmits === 1 && sp.sender) {
      if (json_streams !== null) json_streams.push({ ...common, retransmits: irp.interval_retrans, snd_cwnd: irp.snd_cwnd, snd_wnd: irp.snd_wnd, rtt: irp.rtt, rttvar: irp.rttvar, pmtu: -1, reorder: -1, omitted: false, sender: sp.sender });
      else test.printf(line(sid(sp), st, et, ubuf, nbuf, `  ${String(irp.interval_retrans).padStart(3)}   ${unit_snprintf(irp.snd_cwnd, "A")}s       `));
    } else if (json_streams !== null) json_streams.push({ ...common, omitted: false, sender: sp.sender });
    else test.printf(line(sid(sp), st, et, ubuf, nbuf, "                  "));
  } else if (sp.sender) {
    if (json_streams !== null) json_streams.push({ ...common, packets: irp.interval_packet_count, omitted: false, sender: sp.sender });
    else test.printf(line(sid(sp), st, et, ubuf, nbuf, `  ${irp.interval_packet_count}  `));
  } else {
    const lost_percent = irp.interval_packet_count > 0 ? (100.0 * irp.interval_cnt_error) / irp.interval_packet_count : 0;
    if (json_streams !== null) json_streams.push({ ...common, jitter_ms: irp.jitter * 1000, lost_packets: irp.interval_cnt_error, packets: irp.interval_packet_count, lost_percent, omitted: false, sender: sp.sender });
    else test.printf(line(sid(sp), st, et, ubuf, nbuf, `  ${fmt_f(irp.jitter * 1000, 3, 5)} ms  ${irp.interval_cnt_error}/${irp.interval_packet_count} (${fmt_g(lost_percent, 2)}%)  `));
  }
}

function iperf_print_results(test: iperf_test): void {
  const json_streams: json[] = [];
  const J = test.json_output;
  if (J) test.json_end.streams = json_streams;
  else {
    test.printf("- - - - - - - - - - - - - - - - - - - - - - - - -\n");
    if (!test.udp) test.printf(test.sender_has_retransmits !== 0 || test.other_side_has_retransmits !== 0 ? "[ ID] Interval           Transfer     Bitrate         Retr\n" : "[ ID] Interval           Transfer     Bitrate\n");
    else test.printf("[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n");
  }
  const must_be_sender = test.mode === SENDER;
  const server = test.role === "s";
  let total_sent = 0;
  let total_received = 0;
  let total_retransmits = 0;
  let total_packets = 0;
  let lost_packets = 0;
  let sender_total_packets = 0;
  let receiver_total_packets = 0;
  let avg_jitter = 0;
  let sender_time = 0;
  let receiver_time = 0;
  const start_time = 0;
  for (const sp of test.streams) {
    const rp = sp.result;
    const end_time = (rp.end_time - rp.start_time) / 1e6;
    if (sp.sender) {
      rp.sender_time = end_time;
      if (rp.receiver_time === 0) rp.receiver_time = rp.sender_time;
    } else {
      rp.receiver_time = end_time;
      if (rp.sender_time === 0) rp.sender_time = rp.receiver_time;
    }
    sender_time = rp.sender_time;
    receiver_time = rp.receiver_time;
    const bytes_sent = rp.bytes_sent;
    const bytes_received = rp.bytes_received;
    total_sent += bytes_sent;
    total_received += bytes_received;
    const sender_packet_count = sp.sender ? sp.packet_count : sp.peer_packet_count;
    const receiver_packet_count = sp.sender ? sp.peer_packet_count : sp.packet_count;
    const js: { [k: string]: json } = {};
    if (J) json_streams.push(js);
    if (!test.udp) {
      if (test.sender_has_retransmits !== 0) total_retransmits += rp.stream_retrans;
    } else {
      total_packets += receiver_packet_count;
      sender_total_packets += sender_packet_count;
      receiver_total_packets += receiver_packet_count;
      lost_packets += sp.cnt_error;
      avg_jitter += sp.jitter;
    }
    let ubuf = unit_snprintf(bytes_sent, "A");
    let bandwidth = sender_time > 0 ? bytes_sent / sender_time : 0;
    let nbuf = unit_snprintf(bandwidth, test.settings.unit_format);
    const sender_hidden = server && !sp.sender;
    const receiver_hidden = server && sp.sender;
    if (!test.udp) {
      if (test.sender_has_retransmits !== 0) {
        if (J) js.sender = { socket: sp.socket, start: start_time, end: sender_time, seconds: sender_time, bytes: bytes_sent, bits_per_second: bandwidth * 8, retransmits: rp.stream_retrans, max_snd_cwnd: rp.stream_max_snd_cwnd, max_snd_wnd: rp.stream_max_snd_wnd, max_rtt: rp.stream_max_rtt, min_rtt: rp.stream_min_rtt, mean_rtt: rp.stream_count_rtt === 0 ? 0 : Math.trunc(rp.stream_sum_rtt / rp.stream_count_rtt), sender: must_be_sender };
        else if (sender_hidden) {
          if (test.verbose) test.printf(`[${sid(sp)}] (sender statistics not available)\n`);
        } else test.printf(line(sid(sp), start_time, sender_time, ubuf, nbuf, `  ${String(rp.stream_retrans).padStart(3)}             sender`));
      } else if (J) js.sender = { socket: sp.socket, start: start_time, end: sender_time, seconds: sender_time, bytes: bytes_sent, bits_per_second: bandwidth * 8, sender: must_be_sender };
      else if (sender_hidden) {
        if (test.verbose) test.printf(`[${sid(sp)}] (sender statistics not available)\n`);
      } else test.printf(line(sid(sp), start_time, sender_time, ubuf, nbuf, "                  sender"));
    } else {
      const lost_percent = sender_packet_count > 0 ? (100.0 * sp.cnt_error) / sender_packet_count : 0;
      if (J) js.udp = { socket: sp.socket, start: start_time, end: sender_time, seconds: sender_time, bytes: bytes_sent, bits_per_second: bandwidth * 8, jitter_ms: sp.jitter * 1000, lost_packets: sp.cnt_error, packets: sender_packet_count, lost_percent, out_of_order: sp.outoforder_packets, sender: must_be_sender };
      else if (sender_hidden) {
        if (test.verbose) test.printf(`[${sid(sp)}] (sender statistics not available)\n`);
      } else test.printf(line(sid(sp), start_time, sender_time, ubuf, nbuf, `  ${fmt_f(0, 3, 5)} ms  0/${sender_packet_count} (0%)  sender`));
    }
    ubuf = unit_snprintf(bytes_received, "A");
    bandwidth = receiver_time > 0 ? bytes_received / receiver_time : 0;
    nbuf = unit_snprintf(bandwidth, test.settings.unit_format);
    if (!test.udp) {
      if (J) js.receiver = { socket: sp.socket, start: start_time, end: receiver_time, seconds: end_time, bytes: bytes_received, bits_per_second: bandwidth * 8, sender: must_be_sender };
      else if (receiver_hidden) {
        if (test.verbose) test.printf(`[${sid(sp)}] (receiver statistics not available)\n`);
      } else test.printf(line(sid(sp), start_time, receiver_time, ubuf, nbuf, "                  receiver"));
    } else if (!J) {
      const lost_percent = receiver_packet_count > 0 ? (100.0 * sp.cnt_error) / receiver_packet_count : 0;
      if (receiver_hidden) {
        if (test.verbose) test.printf(`[${sid(sp)}] (receiver statistics not available)\n`);
      } else test.printf(line(sid(sp), start_time, receiver_time, ubuf, nbuf, `  ${fmt_f(sp.jitter * 1000, 3, 5)} ms  ${sp.cnt_error}/${receiver_packet_count} (${fmt_g(lost_percent, 2)}%)  receiver`));
    }
  }
  if (test.streams.length > 0 && (test.num_streams > 1 || J)) {
    let ubuf = unit_snprintf(total_sent, "A");
    let bandwidth = sender_time > 0 ? total_sent / sender_time : 0;
    let nbuf = unit_snprintf(bandwidth, test.settings.unit_format);
    if (!test.udp) {
      if (test.sender_has_retransmits !== 0) {
        if (J) test.json_end.sum_sent = { start: start_time, end: sender_time, seconds: sender_time, bytes: total_sent, bits_per_second: bandwidth * 8, retransmits: total_retransmits, sender: must_be_sender };
        else if (!(server && !must_be_sender)) test.printf(line("SUM", start_time, sender_time, ubuf, nbuf, `  ${String(total_retransmits).padStart(3)}             sender`));
      } else if (J) test.json_end.sum_sent = { start: start_time, end: sender_time, seconds: sender_time, bytes: total_sent, bits_per_second: bandwidth * 8, sender: must_be_sender };
      else if (!(server && !must_be_sender)) test.printf(line("SUM", start_time, sender_time, ubuf, nbuf, "                  sender"));
      ubuf = unit_snprintf(total_received, "A");
      bandwidth = receiver_time > 0 ? total_received / receiver_time : 0;
      nbuf = unit_snprintf(bandwidth, test.settings.unit_format);
      if (J) test.json_end.sum_received = { start: start_time, end: receiver_time, seconds: receiver_time, bytes: total_received, bits_per_second: bandwidth * 8, sender: must_be_sender };
      else if (!(server && must_be_sender)) test.printf(line("SUM", start_time, receiver_time, ubuf, nbuf, "                  receiver"));
    } else {
      avg_jitter /= test.num_streams;
      const lost_percent = total_packets > 0 ? (100.0 * lost_packets) / total_packets : 0;
      if (J) {
        test.json_end.sum = { start: start_time, end: receiver_time, seconds: receiver_time, bytes: total_sent, bits_per_second: bandwidth * 8, jitter_ms: avg_jitter * 1000, lost_packets, packets: total_packets, lost_percent, sender: must_be_sender };
        test.json_end.sum_sent = { start: start_time, end: sender_time, seconds: sender_time, bytes: total_sent, bits_per_second: sender_time > 0 ? (total_sent * 8) / sender_time : 0, jitter_ms: 0, lost_packets: 0, packets: sender_total_packets, lost_percent: 0, sender: true };
        test.json_end.sum_received = { start: start_time, end: receiver_time, seconds: receiver_time, bytes: total_received, bits_per_second: receiver_time > 0 ? (total_received * 8) / receiver_time : 0, jitter_ms: avg_jitter * 1000, lost_packets, packets: receiver_total_packets, lost_percent, sender: false };
      } else {
        if (!(server && !must_be_sender)) test.printf(line("SUM", start_time, sender_time, ubuf, nbuf, `  ${fmt_f(0, 3, 5)} ms  0/${sender_total_packets} (0%)  sender`));
        if (!(server && must_be_sender)) {
          ubuf = unit_snprintf(total_received, "A");
          bandwidth = receiver_time > 0 ? total_received / receiver_time : 0;
          nbuf = unit_snprintf(bandwidth, test.settings.unit_format);
          test.printf(line("SUM", start_time, receiver_time, ubuf, nbuf, `  ${fmt_f(avg_jitter * 1000, 3, 5)} ms  ${lost_packets}/${receiver_total_packets} (${fmt_g(lost_percent, 2)}%)  receiver`));
        }
      }
    }
  }
  if (!J && test.role === "c" && test.get_server_output !== 0) {
    if (test.json_server_output !== null) test.printf(`\nServer JSON output:\n${cjson_print(test.json_server_output, true)}\n`);
    if (test.server_output_text !== null) test.printf(`\nServer output:\n${test.server_output_text}`);
  }
  if (J) {
    test.json_end.cpu_utilization_percent = { host_total: 0, host_user: 0, host_system: 0, remote_total: 0, remote_user: 0, remote_system: 0 };
    if (!test.udp) {
      const snd = must_be_sender ? test.congestion_used : test.remote_congestion_used;
      const rcv = must_be_sender ? test.remote_congestion_used : test.congestion_used;
      if (snd !== null) test.json_end.sender_tcp_congestion = snd;
      if (rcv !== null) test.json_end.receiver_tcp_congestion = rcv;
    }
  }
}

function iperf_reporter_callback(test: iperf_test): void {
  switch (test.state) {
    case TEST_RUNNING:
      iperf_print_intermediate(test);
      break;
    case TEST_END:
    case DISPLAY_RESULTS:
      iperf_print_intermediate(test);
      iperf_print_results(test);
      break;
  }
}

/** iperf_json_start/iperf_json_finish. */
function iperf_json_start(test: iperf_test): void {
  test.json_connected = [];
  test.json_start = { connected: test.json_connected };
  test.json_intervals = [];
  test.json_end = {};
  test.json_top = { start: test.json_start, intervals: test.json_intervals, end: test.json_end };
}

function iperf_json_finish(test: iperf_test): void {
  if (test.title !== null) test.json_top.title = test.title;
  if (test.extra_data !== null) test.json_top.extra_data = test.extra_data;
  if (test.json_server_output !== null) test.json_top.server_output_json = test.json_server_output;
  if (test.role === "c" && test.server_output_text !== null) test.json_top.server_output_text = test.server_output_text;
  test.ctx.stdout.write(cjson_print(test.json_top, true) + "\n");
}

/** iperf_on_connect: who we talk to, and -J's start block. */
function iperf_on_connect(test: iperf_test): void {
  const rt = sys_clock_gettime(test.kp, CLOCK_REALTIME);
  const d = new Date(rt.tv_sec * 1000);
  const now_str = d.toUTCString().replace(/GMT$/, "UTC");
  if (test.json_output) test.json_start.timestamp = { time: now_str, timesecs: rt.tv_sec, timemillisecs: rt.tv_sec * 1000 + Math.floor(rt.tv_nsec / 1e6) };
  else if (test.verbose) test.printf(`Time: ${now_str}\n`);
  if (test.role === "c") {
    if (test.json_output) test.json_start.connecting_to = { host: test.server_hostname, port: test.server_port };
    else {
      test.printf(`Connecting to host ${test.server_hostname}, port ${test.server_port}\n`);
      if (test.reverse) test.printf(`Reverse mode, remote host ${test.server_hostname} is sending\n`);
    }
  } else {
    const r = sa_host_port(test, sys_getpeername(test.kp, test.ctrl_sck).sa);
    if (test.json_output) test.json_start.accepted_connection = { host: r.host, port: r.port };
    else test.printf(`Accepted connection from ${r.host}, port ${r.port}\n`);
  }
  if (test.json_output) {
    test.json_start.cookie = test.cookie;
    if (!test.udp) {
      if (test.settings.mss !== 0) test.json_start.tcp_mss = test.settings.mss;
      else test.json_start.tcp_mss_default = test.ctrl_sck_mss;
    }
    test.json_start.target_bitrate = test.settings.rate;
    test.json_start.fq_rate = 0;
  } else if (test.verbose) {
    test.printf(`      Cookie: ${test.cookie}\n`);
    if (!test.udp) test.printf(test.settings.mss !== 0 ? `      TCP MSS: ${test.settings.mss}\n` : `      TCP MSS: ${test.ctrl_sck_mss} (default)\n`);
    if (test.settings.rate !== 0) test.printf(`      Target Bitrate: ${test.settings.rate}\n`);
  }
}

/** iperf_on_test_start. */
function iperf_on_test_start(test: iperf_test): void {
  const s = test.settings;
  const proto = test.udp ? "UDP" : "TCP";
  if (test.json_output) {
    test.json_start.test_start = { protocol: proto, num_streams: test.num_streams, blksize: s.blksize, omit: test.omit, duration: test.duration, bytes: s.bytes, blocks: s.blocks, reverse: test.reverse ? 1 : 0, tos: s.tos, target_bitrate: s.rate, bidir: 0, fqrate: 0, interval: test.stats_interval };
  } else if (test.verbose) {
    if (s.bytes !== 0) test.printf(`Starting Test: protocol: ${proto}, ${test.num_streams} streams, ${s.blksize} byte blocks, omitting ${test.omit} seconds, ${s.bytes} bytes to send, tos ${s.tos}\n`);
    else if (s.blocks !== 0) test.printf(`Starting Test: protocol: ${proto}, ${test.num_streams} streams, ${s.blksize} byte blocks, omitting ${test.omit} seconds, ${s.blocks} blocks to send, tos ${s.tos}\n`);
    else test.printf(`Starting Test: protocol: ${proto}, ${test.num_streams} streams, ${s.blksize} byte blocks, omitting ${test.omit} seconds, ${test.duration} second test, tos ${s.tos}\n`);
  }
}

/** iperf_init_test: every stream's clock starts now. */
function iperf_init_test(test: iperf_test): void {
  const now = now_us(test);
  for (const sp of test.streams) {
    sp.result.start_time = now;
    sp.result.end_time = now;
  }
  iperf_on_test_start(test);
}

function ctrl_mss(test: iperf_test): number {
  const g = sys_getsockopt(test.kp, test.ctrl_sck, IPPROTO_TCP, TCP_MAXSEG);
  return g.error === 0 && typeof g.val === "number" ? g.val : 0;
}

// ---------------------------------------------------------------------------
// The running test: one poll(2) loop over the control connection and the
// streams, with the timers (statistics, the test's end, the pacing) as
// its timeouts.

/** Departure from iperf3, which cannot meet this on a real host: a link
 *  without a rate (an epair, lo0) carries data in no virtual time, so a
 *  test that ends by time (-t) would never end.  A sender that moves this
 *  many bytes while the clock stands still stops with IESTALL; any shaped
 *  path lets the clock move at least once per socket buffer (2 MiB at
 *  most, net.inet.tcp.sendbuf_max). */
const STALL_BYTES = 64 * 1024 * 1024;
const IESTALL = "the clock did not move while 64 MBytes were sent: the path has no bandwidth limit, so a timed test cannot end (shape it with ng_pipe or vlink -bw, or give an amount with -n or -k)";

class test_timers {
  stats_next = Infinity;
  end_at = Infinity;
}

/** The loop of the running test; returns when `until` says so after a
 *  control message (handled by `on_ctrl`). */
async function run_loop(test: iperf_test, timers: test_timers, on_ctrl: () => Promise<boolean>, on_done: (() => Promise<void>) | null): Promise<void> {
  // The server's listener stays in the set: a second client is told
  // ACCESS_DENIED while this test runs (iperf_accept).
  const busy = test.role === "s" ? test.listener : -1;
  const pacing = test.settings.pacing_timer;
  const interval_us = Math.round(test.stats_interval * 1e6);
  // The clock reading at which the sender last saw time pass, and the
  // bytes sent by then (see STALL_BYTES).
  let stall_clock = -1;
  let stall_bytes = 0;
  for (;;) {
    const now = now_us(test);
    const running = test.state === TEST_RUNNING;
    if (running && !test.done && test.bytes_sent > 0) {
      if (now !== stall_clock) {
        stall_clock = now;
        stall_bytes = test.bytes_sent;
      } else if (test.bytes_sent - stall_bytes > STALL_BYTES) throw ie(IESTALL, 0, false);
    }
    // Timers, in the order iperf3 makes them: the end of the test first,
    // then the statistics.
    if (running && now >= timers.end_at && !test.done) test.done = true;
    // stats_timer_proc does nothing once the test is done: the last
    // interval is the one iperf_stats_callback takes at the end.
    if (test.done) timers.stats_next = Infinity;
    if (now >= timers.stats_next) {
      iperf_stats_callback(test);
      iperf_reporter_callback(test);
      while (timers.stats_next <= now) timers.stats_next += interval_us;
    }
    if (running && on_done !== null && !test.done) {
      const s = test.settings;
      if ((s.bytes !== 0 && (test.bytes_sent >= s.bytes || test.bytes_received >= s.bytes)) || (s.blocks !== 0 && test.blocks_sent >= s.blocks)) test.done = true;
    }
    if (test.done && on_done !== null && running) {
      await on_done();
      continue;
    }
    const fds: pollfd[] = [{ fd: test.ctrl_sck, events: POLLIN, revents: 0 }];
    let throttled = false;
    if (running || test.state === TEST_END) {
      for (const sp of test.streams) {
        if (!sp.open) continue;
        if (sp.sender) {
          if (!running || test.done || send_end_reached(test)) continue;
          // UDP without -b would never let the clock move (a datagram
          // costs no virtual time; only the link's queue drops them): one
          // burst per clock reading, the next after a pacing tick.
          if (!green_light(test, sp, now) || (test.udp && test.settings.rate === 0 && sp.last_burst === now)) {
            throttled = true;
            continue;
          }
          fds.push({ fd: sp.socket, events: POLLOUT, revents: 0 });
        } else fds.push({ fd: sp.socket, events: POLLIN, revents: 0 });
      }
    } else if (test.state === TEST_START) {
      for (const sp of test.streams) if (!sp.sender && sp.open) fds.push({ fd: sp.socket, events: POLLIN, revents: 0 });
    }
    const busy_at = fds.length;
    if (busy >= 0) fds.push({ fd: busy, events: POLLIN, revents: 0 });
    let deadline = Math.min(timers.stats_next, running ? timers.end_at : Infinity);
    if (throttled) deadline = Math.min(deadline, now + pacing);
    const timo = deadline === Infinity ? -1 : Math.max(0, (deadline - now) * 1000);
    const r = await sys_poll(test.kp, fds, timo === 0 ? 1 : timo);
    if (r.error !== 0 && r.error !== EINTR) throw ie("select failed", r.error);
    const t = now_us(test);
    if (busy >= 0 && fds[busy_at].revents !== 0) await deny_access(test);
    for (let i = 1; i < busy_at; i++) {
      if (fds[i].revents === 0) continue;
      const sp = test.streams.find((x) => x.open && x.socket === fds[i].fd);
      if (sp === undefined) continue;
      if (sp.sender) stream_send(test, sp, t);
      else if (!stream_recv(test, sp)) {
        // The peer closed the stream: nothing more will come.
        close_stream(test, sp);
      }
    }
    if (fds[0].revents !== 0) {
      if (await on_ctrl()) return;
    }
  }
}

/** A connection while a test runs: ACCESS_DENIED, and closed. */
async function deny_access(test: iperf_test): Promise<void> {
  const fl = sys_fcntl(test.kp, test.listener, F_GETFL, 0).value;
  sys_fcntl(test.kp, test.listener, F_SETFL, fl | O_NONBLOCK);
  const a = await accept(test.ctx.p, test.listener);
  sys_fcntl(test.kp, test.listener, F_SETFL, fl);
  if (a.error !== 0) return;
  sys_write(test.kp, a.fd, new Uint8Array([ACCESS_DENIED & 0xff]));
  sys_close(test.kp, a.fd);
}

/** Read one state byte from the control connection (IECTRLCLOSE at its end). */
async function read_state(test: iperf_test): Promise<number> {
  const r = sys_read(test.kp, test.ctrl_sck, 1);
  if (r.error === EAGAIN) return 0;
  if (r.error !== 0) throw ie(IERECVMESSAGE, r.error);
  if (r.data === null || r.data.length === 0) throw ie(IECTRLCLOSE, 0, false);
  return (r.data[0] << 24) >> 24;
}

// ---------------------------------------------------------------------------
// The client (iperf_run_client, iperf_handle_message_client).

async function iperf_run_client(test: iperf_test): Promise<void> {
  if (test.json_output) {
    iperf_json_start(test);
    test.json_start.version = `iperf ${IPERF_VERSION}`;
    test.json_start.system_info = get_system_info(test);
  } else if (test.verbose) {
    test.printf(`iperf ${IPERF_VERSION}\n`);
    test.printf(`${get_system_info(test)}\n`);
  }
  // iperf_connect: the control connection and the cookie.
  test.cookie = make_cookie();
  test.ctrl_sck = await netdial(test, SOCK_STREAM, test.server_hostname, test.server_port, IECONNECT);
  sys_setsockopt(test.kp, test.ctrl_sck, IPPROTO_TCP, TCP_NODELAY, 1);
  const e = await Nwrite(test, test.ctrl_sck, cookie_bytes(test.cookie));
  if (e !== 0) throw ie("unable to send cookie to server", e);
  test.ctrl_sck_mss = ctrl_mss(test);
  if (test.udp && test.settings.blksize === 0) {
    // A datagram of the control connection's MSS, as iperf3 picks it.
    const mss = test.ctrl_sck_mss;
    test.settings.blksize = mss >= MIN_UDP_BLOCKSIZE && mss <= MAX_UDP_BLOCKSIZE ? mss : DEFAULT_UDP_BLKSIZE;
  }
  const timers = new test_timers();
  let finished = false;
  const on_ctrl = async (): Promise<boolean> => {
    const state = await read_state(test);
    if (state === 0) return false;
    test.state = state;
    switch (state) {
      case PARAM_EXCHANGE:
        await send_parameters(test);
        iperf_on_connect(test);
        break;
      case CREATE_STREAMS:
        await iperf_create_streams(test);
        break;
      case TEST_START:
        iperf_init_test(test);
        if (test.duration !== 0) timers.end_at = now_us(test) + (test.duration + test.omit) * 1e6;
        if (test.stats_interval !== 0) timers.stats_next = now_us(test) + Math.round(test.stats_interval * 1e6);
        break;
      case TEST_RUNNING:
        break;
      case EXCHANGE_RESULTS:
        await send_results(test);
        await get_results(test);
        break;
      case DISPLAY_RESULTS:
        // iperf_client_end
        for (const sp of test.streams) close_stream(test, sp);
        timers.stats_next = Infinity;
        iperf_reporter_callback(test);
        await iperf_set_send_state(test, IPERF_DONE);
        finished = true;
        return true;
      case IPERF_DONE:
        break;
      case SERVER_TERMINATE:
        test.state = DISPLAY_RESULTS;
        iperf_reporter_callback(test);
        throw ie(IESERVERTERM, 0, false);
      case ACCESS_DENIED:
        throw ie(IEACCESSDENIED, 0, false);
      case SERVER_ERROR: {
        const r = await Nread(test, test.ctrl_sck, 8);
        const dv = new DataView(r.data.buffer, r.data.byteOffset, r.data.length);
        const errno = r.data.length === 8 ? dv.getInt32(4, false) : 0;
        throw new iperf_error(errno > 0 ? `SERVER ERROR - int_errno=${r.data.length === 8 ? dv.getInt32(0, false) : 0}, errno: ${strerror(errno)}` : "SERVER ERROR");
      }
      default:
        throw ie(IEMESSAGE, 0, false);
    }
    return false;
  };
  const on_done = async (): Promise<void> => {
    // The end of the test: the last statistics, then TEST_END; the
    // streams stay open (a receiver keeps draining) until DISPLAY_RESULTS.
    iperf_stats_callback(test);
    await iperf_set_send_state(test, TEST_END);
  };
  await run_loop(test, timers, on_ctrl, on_done);
  if (!finished) return;
  sys_close(test.kp, test.ctrl_sck);
  test.ctrl_sck = -1;
  test.streams = [];
  if (test.json_output) iperf_json_finish(test);
  else test.printf("\niperf Done.\n");
}

// ---------------------------------------------------------------------------
// The server (iperf_run_server, iperf_accept, iperf_handle_message_server).

function iperf_reset_test(test: iperf_test): void {
  close_all(test);
  test.state = 0;
  test.done = false;
  test.bytes_sent = 0;
  test.bytes_received = 0;
  test.blocks_sent = 0;
  test.sender_has_retransmits = 0;
  test.other_side_has_retransmits = 0;
  test.remote_congestion_used = null;
  test.udp = false;
  test.reverse = false;
  test.mode = RECEIVER;
  test.title = null;
  test.extra_data = null;
  test.get_server_output = 0;
  test.server_output_text = null;
  test.udp_counters_64bit = 0;
}

async function iperf_run_server(test: iperf_test): Promise<void> {
  if (test.json_output) {
    iperf_json_start(test);
    test.json_start.version = `iperf ${IPERF_VERSION}`;
    test.json_start.system_info = get_system_info(test);
  } else if (test.verbose) {
    test.printf(`iperf ${IPERF_VERSION}\n${get_system_info(test)}\n`);
  }
  test.listener = netannounce(test, SOCK_STREAM, test.server_port, IELISTEN);
  if (!test.json_output) {
    test.server_test_number++;
    test.printf("-----------------------------------------------------------\n");
    test.printf(`Server listening on ${test.server_port} (test #${test.server_test_number})\n`);
    test.printf("-----------------------------------------------------------\n");
  }
  // iperf_accept: the control connection and its cookie.
  const a = await accept(test.ctx.p, test.listener);
  if (a.error !== 0) throw ie(IEACCEPT, a.error);
  test.ctrl_sck = a.fd;
  sys_setsockopt(test.kp, test.ctrl_sck, IPPROTO_TCP, TCP_NODELAY, 1);
  const c = await Nread(test, test.ctrl_sck, COOKIE_SIZE);
  if (c.error !== 0 || c.data.length !== COOKIE_SIZE) throw ie(IERECVCOOKIE, c.error);
  const nul = c.data.indexOf(0);
  test.cookie = new TextDecoder().decode(c.data.subarray(0, nul < 0 ? COOKIE_SIZE : nul));
  test.ctrl_sck_mss = ctrl_mss(test);
  await iperf_set_send_state(test, PARAM_EXCHANGE);
  // iperf_exchange_parameters: the client's test, a stream listener, go.
  await get_parameters(test);
  test.prot_listener = test.udp ? netannounce(test, SOCK_DGRAM, test.server_port, IESTREAMLISTEN) : test.listener;
  await iperf_set_send_state(test, CREATE_STREAMS);
  iperf_on_connect(test);

  // Streams: accepted until there are as many as the client asked for.
  while (test.streams.length < test.num_streams) {
    const fds: pollfd[] = [
      { fd: test.ctrl_sck, events: POLLIN, revents: 0 },
      { fd: test.prot_listener, events: POLLIN, revents: 0 },
    ];
    const r = await sys_poll(test.kp, fds, -1);
    if (r.error !== 0 && r.error !== EINTR) throw ie("select failed", r.error);
    if (fds[0].revents !== 0) {
      const state = await read_state(test);
      if (state === CLIENT_TERMINATE) throw ie(IECLIENTTERM, 0, false);
      if (state !== 0) throw ie(IEMESSAGE, 0, false);
    }
    if (fds[1].revents !== 0) await iperf_accept_stream(test);
  }
  if (test.udp && test.prot_listener >= 0) {
    sys_close(test.kp, test.prot_listener);
    test.prot_listener = -1;
  }
  if (!test.udp) test.prot_listener = -1;
  await iperf_set_send_state(test, TEST_START);
  iperf_init_test(test);
  const timers = new test_timers();
  if (test.stats_interval !== 0) timers.stats_next = now_us(test) + Math.round(test.stats_interval * 1e6);
  await iperf_set_send_state(test, TEST_RUNNING);

  let done = false;
  const on_ctrl = async (): Promise<boolean> => {
    let state: number;
    try {
      state = await read_state(test);
    } catch (e) {
      if (e instanceof iperf_error && e.text === IECTRLCLOSE) {
        iperf_err(test, "the client has unexpectedly closed the connection", false);
        done = true;
        return true;
      }
      throw e;
    }
    if (state === 0) return false;
    test.state = state;
    switch (state) {
      case TEST_START:
        break;
      case TEST_END:
        test.done = true;
        iperf_stats_callback(test);
        for (const sp of test.streams) close_stream(test, sp);
        timers.stats_next = Infinity;
        iperf_reporter_callback(test);
        await iperf_set_send_state(test, EXCHANGE_RESULTS);
        await get_results(test);
        await send_results(test);
        await iperf_set_send_state(test, DISPLAY_RESULTS);
        break;
      case IPERF_DONE:
        done = true;
        return true;
      case CLIENT_TERMINATE:
        test.state = DISPLAY_RESULTS;
        iperf_reporter_callback(test);
        iperf_err(test, "the client has terminated", false);
        done = true;
        return true;
      default:
        throw ie(IEMESSAGE, 0, false);
    }
    return false;
  };
  await run_loop(test, timers, on_ctrl, null);
  void done;
  if (test.json_output) iperf_json_finish(test);
  close_all(test);
}

// Keep IPERF_START in the table of states even though nobody sends it.
void IPERF_START;
