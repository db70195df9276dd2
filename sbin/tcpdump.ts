// contrib/tcpdump (tcpdump.c, print-ether.c, print-null.c, print-arp.c,
// print-ip.c, print-icmp.c, print-udp.c, print-ip6.c, print-ip6opts.c,
// print-frag6.c, print-rt6.c, print-icmp6.c) with the libpcap pieces it needs
// (pcap-bpf.c, sf-pcap.c, a small subset of the filter language): tcpdump
// 4.99 as FreeBSD 14 ships it.  Captures on one interface through /dev/bpf
// (sys_bpf_open and friends), writes a pcap savefile (-w) or prints a one
// line decode per packet, reads savefiles back (-r), and stops after -c
// packets or when nothing in the simulation can send another one (the
// simulator's stand-in for ^C).

import fs from "node:fs";
import path from "node:path";
import { EACCES, EINTR, ENXIO, EPERM } from "../kern/errno.ts";
import { sys_bpf_close, sys_bpf_getdlt, sys_bpf_open, sys_bpf_read, sys_bpf_stats, sys_bpf_wait } from "../net/bpf.ts";
import { getifaddrs } from "./libc_getifaddrs.ts";
import type { proc } from "../kern/uipc_syscalls.ts";
import { SIGHUP, SIGINT, SIGTERM, sys_sigaction } from "../kern/kern_sig.ts";
import { AF_LINK } from "../kern/socket.ts";
import { IFF_LOOPBACK, IFF_RUNNING, IFF_UP, LINK_STATE_DOWN, LINK_STATE_UP } from "../net/if.ts";
import { inet_aton } from "../netinet/in.ts";
import { hostname6, inet_pton, prog_exit, prog_run, type prog_ctx } from "./libc.ts";
import { ether_aton, getservbyname, getservbyport, hostname4 } from "./netdb.ts";

const DLT_NULL = 0;
const DLT_EN10MB = 1;
const DEFAULT_SNAPLEN = 262144;
const PCAP_MAGIC = 0xa1b2c3d4;

interface tflags {
  nflag: boolean;
  eflag: boolean;
  tflag: number;
  vflag: number;
  qflag: boolean;
}

function print_usage(ctx: prog_ctx): never {
  ctx.stderr.write(
    "tcpdump version 4.99.4\n" +
      "libpcap version 1.10.4\n" +
      "OpenSSL 3.0.10 1 Aug 2023\n" +
      "Usage: tcpdump [-AbdDefhHIJKlLnNOpqStuUvxX#] [ -B size ] [ -c count ] [--count]\n" +
      "\t\t[ -C file_size ] [ -E algo:secret ] [ -F file ] [ -G seconds ]\n" +
      "\t\t[ -i interface ] [ --immediate-mode ] [ -j tstamptype ]\n" +
      "\t\t[ -M secret ] [ --number ] [ --print ] [ -Q in|out|inout ]\n" +
      "\t\t[ -r file ] [ -s snaplen ] [ -T type ] [ --version ]\n" +
      "\t\t[ -V file ] [ -w file ] [ -W filecount ] [ -y datalinktype ]\n" +
      "\t\t[ --time-stamp-precision precision ] [ --micro ] [ --nano ]\n" +
      "\t\t[ -z postrotate-command ] [ -Z user ] [ expression ]\n",
  );
  throw new prog_exit(1);
}

function error(ctx: prog_ctx, msg: string): never {
  ctx.stderr.write(`tcpdump: ${msg}\n`);
  throw new prog_exit(1);
}

function dlt_name(dlt: number): string {
  switch (dlt) {
    case DLT_NULL:
      return "NULL (BSD loopback)";
    case DLT_EN10MB:
      return "EN10MB (Ethernet)";
    default:
      return `${dlt}`;
  }
}

/** Where a relative file name lives: the shell's working directory. */
function resolve_path(ctx: prog_ctx, f: string): string {
  return path.resolve(ctx.env.get("PWD") ?? process.cwd(), f);
}

function errno_text(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "No such file or directory";
    case "EACCES":
      return "Permission denied";
    case "EISDIR":
      return "Is a directory";
    case "ENOTDIR":
      return "Not a directory";
    default:
      return String(code ?? e);
  }
}

export async function tcpdump_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const kp = ctx.p as proc;
    const f: tflags = { nflag: false, eflag: false, tflag: 0, vflag: 0, qflag: false };
    let device: string | null = null;
    let wfile: string | null = null;
    // -p: no promiscuous mode; --immediate-mode, or -l when printing: BIOCIMMEDIATE.
    let pflag = false;
    let lflag = false;
    let immediate_mode = false;
    let rfile: string | null = null;
    let cnt = -1;
    let snaplen = DEFAULT_SNAPLEN;
    const argv = ctx.argv;
    const takes = "BcCEFGiIjMmrsTVwWyzZQ";
    let i = 1;
    for (; i < argv.length; i++) {
      const a = argv[i];
      if (a === "--") {
        i++;
        break;
      }
      if (!a.startsWith("-") || a === "-") break;
      if (a.startsWith("--")) {
        if (a === "--version") {
          ctx.stdout.write("tcpdump version 4.99.4\nlibpcap version 1.10.4\nOpenSSL 3.0.10 1 Aug 2023\n");
          return 0;
        }
        if (a === "--immediate-mode") immediate_mode = true;
        if (a === "--immediate-mode" || a === "--print" || a === "--micro") continue;
        ctx.stderr.write(`tcpdump: unknown option -- ${a.slice(2)}\n`);
        print_usage(ctx);
      }
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        if (!"AbdDefhHIJKlLnNOpqStuUvxX#".includes(c) && !takes.includes(c)) {
          ctx.stderr.write(`tcpdump: illegal option -- ${c}\n`);
          print_usage(ctx);
        }
        let val = "";
        if (takes.includes(c)) {
          val = a.slice(j + 1);
          if (val === "") {
            i++;
            if (i >= argv.length) {
              ctx.stderr.write(`tcpdump: option requires an argument -- ${c}\n`);
              print_usage(ctx);
            }
            val = argv[i];
          }
        }
        switch (c) {
          case "c": {
            const n = /^[0-9]+$/.test(val) ? Number(val) : NaN;
            if (!(n > 0) || n > 2 ** 31 - 1) error(ctx, `invalid packet count ${val}`);
            cnt = n;
            break;
          }
          case "e":
            f.eflag = true;
            break;
          case "h":
            print_usage(ctx);
            break;
          case "i":
            device = val;
            break;
          case "n":
            f.nflag = true;
            break;
          case "p":
            pflag = true;
            break;
          case "l":
            lflag = true;
            break;
          case "q":
            f.qflag = true;
            break;
          case "r":
            rfile = val;
            break;
          case "s": {
            const n = /^[0-9]+$/.test(val) ? Number(val) : NaN;
            if (!(n >= 0) || n > 262144) error(ctx, `invalid snaplen ${val}`);
            snaplen = n === 0 ? DEFAULT_SNAPLEN : n;
            break;
          }
          case "t":
            f.tflag++;
            break;
          case "v":
            f.vflag++;
            break;
          case "w":
            wfile = val;
            break;
          case "D": {
            // pcap_findalldevs: best candidates first (up, running, not a
            // loopback), each with its flags and connection status.
            const merit = (dev: { flags: number }) =>
              ((dev.flags & IFF_UP) === 0 ? 0x2000000 : 0) + ((dev.flags & IFF_RUNNING) === 0 ? 0x1000000 : 0) + ((dev.flags & IFF_LOOPBACK) !== 0 ? 0x800000 : 0);
            const devs = getifaddrs(kp)
              .ifap.filter((a) => a.family === AF_LINK)
              .map((a) => ({ name: a.ifa_name, flags: a.ifa_flags, link_state: a.ifa_data.ifi_link_state }))
              .map((dev, n) => ({ dev, n }))
              .sort((x, y) => merit(x.dev) - merit(y.dev) || x.n - y.n)
              .map((x) => x.dev);
            let n = 1;
            for (const dev of devs) {
              const fl: string[] = [];
              if ((dev.flags & IFF_UP) !== 0) fl.push("Up");
              if ((dev.flags & IFF_RUNNING) !== 0) fl.push("Running");
              if ((dev.flags & IFF_LOOPBACK) !== 0) fl.push("Loopback");
              let st = fl.length > 0 ? fl.join(", ") : "none";
              if ((dev.flags & IFF_LOOPBACK) === 0) {
                st += dev.link_state === LINK_STATE_UP ? ", Connected" : dev.link_state === LINK_STATE_DOWN ? ", Disconnected" : ", Connection status unknown";
              }
              ctx.stdout.write(`${n++}.${dev.name} [${st}]\n`);
            }
            return 0;
          }
          default:
            break;
        }
        if (takes.includes(c)) break;
      }
    }
    const expr = argv.slice(i).join(" ");
    const filter = expr.trim() === "" ? null : compile_filter(ctx, expr);

    if (rfile !== null) return read_savefile(ctx, f, rfile, filter, cnt, wfile);

    if (device === null) device = lookupdev(kp);
    if (device === null) error(ctx, "no suitable device found");
    // BIOCSETF: the compiled filter runs in the kernel, on the link type
    // of the interface (Ethernet, or lo0's 4-byte address family), which is
    // known once the descriptor is bound (BIOCGDLT) and before any packet.
    let fdlt = DLT_EN10MB;
    if (wfile === null && lflag) immediate_mode = true;
    const o = sys_bpf_open(kp, device, { snaplen, promisc: !pflag, immediate: immediate_mode, filter: filter === null ? undefined : (pkt) => filter(pkt, fdlt) });
    if (o.error !== 0 || o.d === null) {
      if (o.error === EPERM || o.error === EACCES) {
        ctx.stderr.write(`tcpdump: ${device}: You don't have permission to capture on that device\n((cannot open device) /dev/bpf: Permission denied)\n`);
      } else {
        ctx.stderr.write(`tcpdump: ${device}: No such device exists\n(BIOCSETIF failed: Device not configured)\n`);
      }
      throw new prog_exit(1);
    }
    const d = o.d;
    const dlt = sys_bpf_getdlt(d);
    fdlt = dlt;
    let fd: number | null = null;
    try {
      if (wfile !== null) {
        try {
          fd = fs.openSync(resolve_path(ctx, wfile), "w");
          const hdr = new Uint8Array(24);
          const dv = new DataView(hdr.buffer);
          dv.setUint32(0, PCAP_MAGIC, true);
          dv.setUint16(4, 2, true);
          dv.setUint16(6, 4, true);
          dv.setUint32(16, snaplen, true);
          dv.setUint32(20, dlt, true);
          fs.writeSync(fd, hdr);
        } catch (e) {
          error(ctx, `${wfile}: ${errno_text(e)}`);
        }
      }
      if (f.vflag === 0 && wfile === null) {
        ctx.stderr.write("tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n");
      } else ctx.stderr.write("tcpdump: ");
      ctx.stderr.write(`listening on ${device}, link-type ${dlt_name(dlt)}, snapshot length ${snaplen} bytes\n`);

      // cleanup(): ^C, SIGTERM and SIGHUP end the capture loop (pcap_breakloop)
      // and tcpdump prints its counts and exits 0.
      for (const sig of [SIGHUP, SIGINT, SIGTERM]) sys_sigaction(kp, sig, () => {});
      let have = 0;
      let captured = 0;
      let status = 0;
      loop: for (;;) {
        const r = sys_bpf_read(d, have, kp);
        for (const pkt of r.packets) {
          have++;
          if (fd !== null) {
            const rec = new Uint8Array(16 + pkt.caplen);
            const dv = new DataView(rec.buffer);
            dv.setUint32(0, pkt.sec, true);
            dv.setUint32(4, pkt.usec, true);
            dv.setUint32(8, pkt.caplen, true);
            dv.setUint32(12, pkt.len, true);
            rec.set(pkt.data.subarray(0, pkt.caplen), 16);
            fs.writeSync(fd, rec);
          } else {
            ctx.stdout.write(pretty_print(f, dlt, pkt.sec, pkt.usec, pkt.data, pkt.len));
          }
          captured++;
          if (cnt > 0 && captured >= cnt) break loop;
        }
        if (r.error === ENXIO) {
          ctx.stderr.write("tcpdump: pcap_loop: The interface disappeared\n");
          status = 1;
          break;
        }
        const e = await sys_bpf_wait(kp, d, have, 0);
        // Interrupted: nothing can deliver another packet; end as ^C would.
        if (e === EINTR) break;
      }
      const st = sys_bpf_stats(d);
      const pl = (n: number) => (n === 1 ? "" : "s");
      ctx.stderr.write(`${captured} packet${pl(captured)} captured\n`);
      ctx.stderr.write(`${st.bs_recv} packet${pl(st.bs_recv)} received by filter\n`);
      ctx.stderr.write(`${st.bs_drop} packet${pl(st.bs_drop)} dropped by kernel\n`);
      return status;
    } finally {
      if (fd !== null) fs.closeSync(fd);
      sys_bpf_close(d);
    }
  });
}

/** pcap_lookupdev: the first interface that is up and not a loopback, else the first one up. */
function lookupdev(kp: proc): string | null {
  const links = getifaddrs(kp).ifap.filter((a) => a.family === AF_LINK && (a.ifa_flags & IFF_UP) !== 0);
  const nl = links.find((a) => (a.ifa_flags & IFF_LOOPBACK) === 0);
  return (nl ?? links[0])?.ifa_name ?? null;
}

/** tcpdump -r: decode (or copy with -w) a savefile. */
function read_savefile(ctx: prog_ctx, f: tflags, rfile: string, filter: pkt_filter | null, cnt: number, wfile: string | null): number {
  let buf: Uint8Array;
  try {
    buf = new Uint8Array(fs.readFileSync(resolve_path(ctx, rfile)));
  } catch (e) {
    error(ctx, `${rfile}: ${errno_text(e)}`);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // libpcap's own words (sf-pcap.c, savefile.c).
  if (buf.length < 4) error(ctx, `truncated dump file; tried to read 4 file header bytes, only got ${buf.length}`);
  const magic = dv.getUint32(0, true);
  let le: boolean;
  if (magic === PCAP_MAGIC) le = true;
  else if (dv.getUint32(0, false) === PCAP_MAGIC) le = false;
  else error(ctx, "unknown file format");
  if (buf.length < 24) error(ctx, `truncated dump file; tried to read 20 file header bytes, only got ${buf.length - 4}`);
  const snaplen = dv.getUint32(16, le);
  const dlt = dv.getUint32(20, le);
  ctx.stderr.write(`reading from file ${rfile}, link-type ${dlt_name(dlt)}, snapshot length ${snaplen}\n`);
  let out: number | null = null;
  if (wfile !== null) {
    try {
      out = fs.openSync(resolve_path(ctx, wfile), "w");
      fs.writeSync(out, buf.subarray(0, 24));
    } catch (e) {
      error(ctx, `${wfile}: ${errno_text(e)}`);
    }
  }
  try {
    let off = 24;
    let n = 0;
    let o = "";
    while (off + 16 <= buf.length) {
      const sec = dv.getUint32(off, le);
      const usec = dv.getUint32(off + 4, le);
      const caplen = dv.getUint32(off + 8, le);
      const len = dv.getUint32(off + 12, le);
      if (off + 16 + caplen > buf.length) break;
      const data = buf.subarray(off + 16, off + 16 + caplen);
      const rec = buf.subarray(off, off + 16 + caplen);
      off += 16 + caplen;
      if (filter !== null && !filter(data, dlt)) continue;
      if (out !== null) fs.writeSync(out, rec);
      else o += pretty_print(f, dlt, sec, usec, data, len);
      n++;
      if (cnt > 0 && n >= cnt) break;
    }
    ctx.stdout.write(o);
  } finally {
    if (out !== null) fs.closeSync(out);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// The printers.

const pad2 = (n: number) => String(n).padStart(2, "0");

/** ts_format: HH:MM:SS.uuuuuu in UTC (FreeBSD's default zone). */
function ts_print(f: tflags, sec: number, usec: number): string {
  if (f.tflag === 1) return "";
  if (f.tflag === 2) return `${sec}.${String(usec).padStart(6, "0")} `;
  const t = sec % 86400;
  return `${pad2(Math.floor(t / 3600))}:${pad2(Math.floor((t % 3600) / 60))}:${pad2(t % 60)}.${String(usec).padStart(6, "0")} `;
}

/** addrtoname.c's OUI table, the entries the simulator can meet. */
const oui_values = new Map<number, string>([[0x000000, "Ethernet"]]);

/** etheraddr_string: without -n the broadcast address has a name, and
 *  others carry their vendor ("oui") name. */
function etheraddr_string(f: tflags, b: Uint8Array, off: number): string {
  const p: string[] = [];
  for (let i = 0; i < 6; i++) p.push(b[off + i].toString(16).padStart(2, "0"));
  if (f.nflag) return p.join(":");
  if (p.every((x) => x === "ff")) return "Broadcast";
  const oui = (b[off] << 16) | (b[off + 1] << 8) | b[off + 2];
  return `${p.join(":")} (oui ${oui_values.get(oui) ?? "Unknown"})`;
}

function ethertype_name(t: number): string {
  switch (t) {
    case 0x0800:
      return "IPv4";
    case 0x0806:
      return "ARP";
    case 0x86dd:
      return "IPv6";
    case 0x8100:
      return "802.1Q";
    case 0x88a8:
      return "802.1Q-QinQ";
    case 0x9100:
      return "802.1Q-9100";
    case 0x9200:
      return "802.1Q-9200";
    case 0x8035:
      return "Reverse ARP";
    default:
      return "Unknown";
  }
}

function pretty_print(f: tflags, dlt: number, sec: number, usec: number, p: Uint8Array, len: number): string {
  let s = ts_print(f, sec, usec);
  if (dlt === DLT_EN10MB) s += ether_print(f, p, len);
  else if (dlt === DLT_NULL) s += null_print(f, p, len);
  else s += `[|dlt ${dlt}]`;
  return s + "\n";
}

function ether_print(f: tflags, p: Uint8Array, len: number): string {
  if (p.length < 14) return "[|ether]";
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  let type = dv.getUint16(12);
  let s = "";
  if (f.eflag) {
    s += `${etheraddr_string(f, p, 6)} > ${etheraddr_string(f, p, 0)}, `;
    s += ether_type_string(f, type);
    s += `, length ${len}: `;
  }
  // VLAN tags (802.1Q, QinQ), each "vlan V, p P[, DEI], " and the type
  // that follows it; shown with -e only, as print-ether.c does.
  let hdrlen = 14;
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100 || type === 0x9200) {
    if (p.length < hdrlen + 4 || len < hdrlen + 4) return s + "[|vlan]";
    const tci = dv.getUint16(hdrlen);
    if (f.eflag) s += `vlan ${tci & 0xfff}, p ${(tci >> 13) & 7}${(tci & 0x1000) !== 0 ? ", DEI" : ""}, `;
    type = dv.getUint16(hdrlen + 2);
    if (f.eflag && type > 1500) s += `${ether_type_string(f, type)}, `;
    hdrlen += 4;
  }
  const payload = p.subarray(hdrlen);
  switch (type) {
    case 0x0800:
      return s + ip_print(f, payload, len - hdrlen);
    case 0x0806:
      return s + arp_print(f, payload, len - hdrlen);
    case 0x86dd:
      return s + ip6_print(f, payload, len - hdrlen);
    default:
      if (!f.eflag) s += `${etheraddr_string(f, p, 6)} > ${etheraddr_string(f, p, 0)}, ethertype ${ethertype_name(type)} (0x${type.toString(16).padStart(4, "0")}), length ${len}: `;
      return s.replace(/(: |, )$/, ":");
  }
}

/** ether_type_print: "ethertype NAME (0xTYPE)", just NAME with -q. */
function ether_type_string(f: tflags, type: number): string {
  return f.qflag ? ethertype_name(type) : `ethertype ${ethertype_name(type)} (0x${type.toString(16).padStart(4, "0")})`;
}

function null_print(f: tflags, p: Uint8Array, len: number): string {
  if (p.length < 4) return "[|null]";
  const family = new DataView(p.buffer, p.byteOffset, 4).getUint32(0, true);
  let s = "";
  if (f.eflag) s += `AF ${family === 2 ? "IPv4" : family === 28 || family === 24 || family === 30 ? "IPv6" : "Unknown"} (${family}), length ${len}: `;
  if (family === 2) return s + ip_print(f, p.subarray(4), len - 4);
  if (family === 24 || family === 28 || family === 30) return s + ip6_print(f, p.subarray(4), len - 4);
  return s + `[|null]`;
}

function ipaddr_string(f: tflags, a: number): string {
  return hostname4(a, f.nflag);
}

const ipproto_names = new Map<number, string>([
  [0, "Options"],
  [1, "ICMP"],
  [2, "IGMP"],
  [4, "IPIP"],
  [6, "TCP"],
  [17, "UDP"],
  [41, "IPv6"],
  [43, "Routing"],
  [44, "Fragment"],
  [46, "RSVP"],
  [47, "GRE"],
  [50, "ESP"],
  [51, "AH"],
  [58, "ICMPv6"],
  [89, "OSPF"],
  [103, "PIM"],
  [112, "VRRP"],
  [132, "SCTP"],
]);
/** /etc/protocols' names (netdb_protoname). */
const netdb_protonames = new Map<number, string>([
  [0, "ip"],
  [1, "icmp"],
  [2, "igmp"],
  [4, "ipencap"],
  [6, "tcp"],
  [17, "udp"],
  [41, "ipv6"],
  [47, "gre"],
  [50, "esp"],
  [51, "ah"],
  [89, "ospf"],
  [103, "pim"],
  [112, "carp"],
  [132, "sctp"],
]);

/** The checksum the field should hold: the sum with the field zeroed. */
function cksum_shouldbe(b: Uint8Array, off: number, len: number, field: number, init = 0): number {
  const c = b.slice(off, off + len);
  c[field] = 0;
  c[field + 1] = 0;
  return in_cksum(c, 0, len, init);
}

function in_cksum(b: Uint8Array, off: number, len: number, init = 0): number {
  let sum = init;
  let i = 0;
  for (; i + 1 < len; i += 2) sum += (b[off + i] << 8) | b[off + i + 1];
  if (i < len) sum += b[off + i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ip_print(f: tflags, p: Uint8Array, length: number): string {
  let s = f.eflag ? "" : "IP ";
  if (p.length < 20) return s + "[|ip]";
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const vhl = p[0];
  if (vhl >> 4 !== 4) return s + `IP${vhl >> 4}`;
  const hlen = (vhl & 0xf) * 4;
  if (hlen < 20) return s + `bad-hlen ${hlen}`;
  const ipl = dv.getUint16(2);
  if (length < ipl) s += `truncated-ip - ${ipl - length} bytes missing! `;
  const id = dv.getUint16(4);
  const off = dv.getUint16(6);
  const ttl = p[8];
  const proto = p[9];
  const src = dv.getUint32(12);
  const dst = dv.getUint32(16);
  if (f.vflag > 0) {
    const fl: string[] = [];
    if ((off & 0x8000) !== 0) fl.push("rsvd");
    if ((off & 0x4000) !== 0) fl.push("DF");
    if ((off & 0x2000) !== 0) fl.push("+");
    s += `(tos 0x${p[1].toString(16)}, ttl ${ttl}, id ${id}, offset ${(off & 0x1fff) * 8}, flags [${fl.length ? fl.join("") : "none"}], proto ${ipproto_names.get(proto) ?? "unknown"} (${proto}), length ${ipl}`;
    if (p.length >= hlen && in_cksum(p, 0, hlen) !== 0) {
      s += `, bad cksum ${dv.getUint16(10).toString(16)} (->${cksum_shouldbe(p, 0, hlen, 10).toString(16)})!`;
    }
    s += ")\n    ";
  }
  const len = Math.min(ipl, length) - hlen;
  const payload = p.subarray(hlen, Math.min(p.length, hlen + Math.max(0, len)));
  if ((off & 0x1fff) === 0) {
    const fragmented = (off & 0x2000) !== 0;
    switch (proto) {
      case 1:
        return s + `${ipaddr_string(f, src)} > ${ipaddr_string(f, dst)}: ` + icmp_print(f, payload, len, fragmented);
      case 17:
        return s + udp_print(f, payload, len, src, dst, p, hlen);
      default: {
        s += `${ipaddr_string(f, src)} > ${ipaddr_string(f, dst)}: `;
        const pn = f.nflag ? undefined : netdb_protonames.get(proto);
        s += pn !== undefined ? ` ${pn}` : ` ip-proto-${proto}`;
        return s + ` ${len}`;
      }
    }
  }
  s += `${ipaddr_string(f, src)} > ${ipaddr_string(f, dst)}:`;
  const pn = f.nflag ? undefined : netdb_protonames.get(proto);
  return s + (pn !== undefined ? ` ${pn}` : ` ip-proto-${proto}`);
}

function udpport_string(f: tflags, port: number): string {
  if (f.nflag) return String(port);
  return getservbyport(port, "udp") ?? String(port);
}

function udp_print(f: tflags, p: Uint8Array, length: number, src: number, dst: number, ip: Uint8Array, hlen: number): string {
  if (p.length < 8) return `${ipaddr_string(f, src)} > ${ipaddr_string(f, dst)}: [|udp]`;
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const sport = dv.getUint16(0);
  const dport = dv.getUint16(2);
  const ulen = dv.getUint16(4);
  const addrs = `${ipaddr_string(f, src)}.${udpport_string(f, sport)} > ${ipaddr_string(f, dst)}.${udpport_string(f, dport)}: `;
  if (ulen < 8) return addrs + `truncated-udplength ${ulen}`;
  // The length is the header's, even for the first fragment of a datagram.
  void length;
  void ip;
  void hlen;
  return addrs + `UDP, length ${ulen - 8}`;
}

function icmp_print(f: tflags, p: Uint8Array, plen: number, fragmented: boolean): string {
  if (p.length < 4) return "[|icmp]";
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const type = p[0];
  const code = p[1];
  const qdst = () => (p.length >= 8 + 20 ? ipaddr_string(f, dv.getUint32(8 + 16)) : "[|icmp]");
  let str: string;
  switch (type) {
    case 0:
    case 8:
      str = `echo ${type === 8 ? "request" : "reply"}, id ${dv.getUint16(4)}, seq ${dv.getUint16(6)}`;
      break;
    case 3:
      switch (code) {
        case 0:
          str = `net ${qdst()} unreachable`;
          break;
        case 1:
          str = `host ${qdst()} unreachable`;
          break;
        case 2:
          str = `${qdst()} protocol ${p[8 + 9]} unreachable`;
          break;
        case 3: {
          const ohl = (p[8] & 0xf) * 4;
          const dport = p.length >= 8 + ohl + 4 ? dv.getUint16(8 + ohl + 2) : 0;
          const oproto = p[8 + 9];
          if (oproto === 6) str = `${qdst()} tcp port ${f.nflag ? dport : dport} unreachable`;
          else if (oproto === 17) str = `${qdst()} udp port ${udpport_string(f, dport)} unreachable`;
          else str = `${qdst()} protocol ${oproto} port ${dport} unreachable`;
          break;
        }
        case 4: {
          const mtu = dv.getUint16(6);
          str = mtu ? `${qdst()} unreachable - need to frag (mtu ${mtu})` : `${qdst()} unreachable - need to frag`;
          break;
        }
        case 5:
          str = `${qdst()} unreachable - source route failed`;
          break;
        case 6:
          str = `net ${qdst()} unreachable - unknown`;
          break;
        case 7:
          str = `host ${qdst()} unreachable - unknown`;
          break;
        case 8:
          str = `${qdst()} unreachable - source host isolated`;
          break;
        case 9:
          str = `net ${qdst()} unreachable - admin prohibited`;
          break;
        case 10:
          str = `host ${qdst()} unreachable - admin prohibited`;
          break;
        case 11:
          str = `net ${qdst()} unreachable - tos prohibited`;
          break;
        case 12:
          str = `host ${qdst()} unreachable - tos prohibited`;
          break;
        case 13:
          str = `host ${qdst()} unreachable - admin prohibited filter`;
          break;
        case 14:
          str = `host ${qdst()} unreachable - host precedence violation`;
          break;
        case 15:
          str = `host ${qdst()} unreachable - precedence cutoff`;
          break;
        default:
          str = `${qdst()} unreachable - #${code}`;
      }
      break;
    case 5: {
      const gw = p.length >= 8 ? ipaddr_string(f, dv.getUint32(4)) : "";
      const kinds = ["redirect %s to net %s", "redirect %s to host %s", "redirect-tos %s to net %s", "redirect-tos %s to host %s"];
      const k = kinds[code];
      str = k !== undefined ? k.replace("%s", qdst()).replace("%s", gw) : `redirect-#${code} ${qdst()} to ${gw}`;
      break;
    }
    case 11:
      str = code === 0 ? "time exceeded in-transit" : code === 1 ? "ip reassembly time exceeded" : `time exceeded-#${code}`;
      break;
    case 12:
      str = code ? `parameter problem - code ${code}` : `parameter problem - octet ${p[4]}`;
      break;
    case 18:
      str = `address mask is 0x${(p.length >= 12 ? dv.getUint32(8) : 0).toString(16).padStart(8, "0")}`;
      break;
    case 13:
      str = `time stamp query id ${dv.getUint16(4)} seq ${dv.getUint16(6)}`;
      break;
    case 4:
      str = "source quench";
      break;
    case 9:
      str = "router advertisement";
      break;
    case 10:
      str = "router solicitation";
      break;
    case 15:
      str = "information request";
      break;
    case 16:
      str = "information reply";
      break;
    case 17:
      str = "address mask request";
      break;
    default:
      str = `type-#${type}`;
  }
  let s = `ICMP ${str}, length ${plen}`;
  if (f.vflag > 0 && !fragmented && p.length >= plen && in_cksum(p, 0, plen) !== 0) {
    s += ` (wrong icmp cksum ${dv.getUint16(2).toString(16)} (->${cksum_shouldbe(p, 0, plen, 2).toString(16)})!)`;
  }
  // An error quotes the packet it is about: -v prints that one too.
  if (f.vflag > 0 && (type === 3 || type === 4 || type === 5 || type === 11 || type === 12) && p.length >= 8 + 20) {
    const q = p.subarray(8);
    const qlen = new DataView(q.buffer, q.byteOffset, q.byteLength).getUint16(2);
    s += "\n\t" + ip_print(f, q, qlen);
  }
  return s;
}

const arpop_values = new Map<number, string>([
  [1, "Request"],
  [2, "Reply"],
  [3, "Reverse Request"],
  [4, "Reverse Reply"],
  [8, "Inverse Request"],
  [9, "Inverse Reply"],
  [10, "NACK Reply"],
]);

function arp_print(f: tflags, p: Uint8Array, length: number): string {
  let s = f.eflag ? "" : "ARP, ";
  if (p.length < 8) return s + "[|ARP]";
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const hrd = dv.getUint16(0);
  const pro = dv.getUint16(2);
  const hln = p[4];
  const pln = p[5];
  const op = dv.getUint16(6);
  if (pro !== 0x0800 || pln !== 4 || hln === 0 || f.vflag > 0) {
    const hname = hrd === 1 ? "Ethernet" : `Unknown Hardware (${hrd})`;
    const pname = pro === 0x0800 ? "IPv4" : `Unknown Protocol (0x${pro.toString(16).padStart(4, "0")})`;
    s += `${hname} (len ${hln}), ${pname} (len ${pln})`;
    if (f.vflag === 0) return s + `, length ${length}`;
  }
  if (p.length < 8 + 2 * hln + 2 * pln) return s + "[|ARP]";
  s += `${f.vflag > 0 ? ", " : ""}${arpop_values.get(op) ?? `Unknown (${op})`} `;
  const sha = 8;
  const spa = sha + hln;
  const tha = spa + pln;
  const tpa = tha + hln;
  const lladdr = (o: number) => (hln === 6 ? etheraddr_string(f, p, o) : Array.from(p.subarray(o, o + hln), (b) => b.toString(16).padStart(2, "0")).join(":"));
  switch (op) {
    case 1: {
      s += `who-has ${ipaddr_string(f, dv.getUint32(tpa))}`;
      if (p.subarray(tha, tha + hln).some((b) => b !== 0)) s += ` (${lladdr(tha)})`;
      s += ` tell ${ipaddr_string(f, dv.getUint32(spa))}`;
      break;
    }
    case 2:
      s += `${ipaddr_string(f, dv.getUint32(spa))} is-at ${lladdr(sha)}`;
      break;
    default:
      s += `${ipaddr_string(f, dv.getUint32(spa))} ... ${ipaddr_string(f, dv.getUint32(tpa))}`;
  }
  return s + `, length ${length}`;
}

// ---------------------------------------------------------------------------
// A small part of pcap-filter(7): ip, ip6, arp, icmp, icmp6, udp, tcp
// keywords (udp and tcp over either family); [src|dst] host A; [src|dst] net A/len; [src|dst] port N;
// ether [src|dst] host MAC; combined with and/&&, or/||, not/! and
// parentheses.  The compiled filter is a predicate over the captured frame,
// handed to the kernel as BIOCSETF would hand it a BPF program.

type pkt_filter = (pkt: Uint8Array, dlt: number) => boolean;

interface frame {
  type: number;
  p: Uint8Array;
  dv: DataView;
  /** Offset of the network header. */
  nh: number;
  link: boolean;
}

function frame_of(pkt: Uint8Array, dlt: number): frame | null {
  const dv = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
  if (dlt === DLT_EN10MB) {
    if (pkt.length < 14) return null;
    return { type: dv.getUint16(12), p: pkt, dv, nh: 14, link: true };
  }
  if (pkt.length < 4) return null;
  const family = dv.getUint32(0, true);
  return { type: family === 2 ? 0x0800 : family === 24 || family === 28 || family === 30 ? 0x86dd : 0, p: pkt, dv, nh: 4, link: false };
}

type fpred = (fr: frame) => boolean;

const is_ip: fpred = (fr) => fr.type === 0x0800 && fr.p.length >= fr.nh + 20;
const ip_proto = (n: number): fpred => (fr) => is_ip(fr) && fr.p[fr.nh + 9] === n;
const ip_src = (fr: frame) => fr.dv.getUint32(fr.nh + 12);
const ip_dst = (fr: frame) => fr.dv.getUint32(fr.nh + 16);
const arp_spa = (fr: frame) => (fr.p.length >= fr.nh + 28 ? fr.dv.getUint32(fr.nh + 14) : -1);
const arp_tpa = (fr: frame) => (fr.p.length >= fr.nh + 28 ? fr.dv.getUint32(fr.nh + 24) : -1);

const is_ip6: fpred = (fr) => fr.type === 0x86dd && fr.p.length >= fr.nh + 40;
/** ip6 proto N as libpcap compiles it: the fixed header's next header, or
 *  the one after a fragment header that directly follows it. */
const ip6_proto = (n: number): fpred => (fr) =>
  is_ip6(fr) && (fr.p[fr.nh + 6] === n || (fr.p[fr.nh + 6] === 44 && fr.p.length > fr.nh + 40 && fr.p[fr.nh + 40] === n));
const ip6_addr_eq = (fr: frame, off: number, a: Uint8Array, plen = 128): boolean => {
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, plen - i * 8));
    const m = (0xff << (8 - bits)) & 0xff;
    if ((fr.p[fr.nh + off + i] & m) !== (a[i] & m)) return false;
  }
  return true;
};

function ports(fr: frame): [number, number] | null {
  if (is_ip6(fr)) {
    // gen_port6: TCP, UDP or SCTP straight after the fixed header.
    const nxt = fr.p[fr.nh + 6];
    if ((nxt !== 6 && nxt !== 17 && nxt !== 132) || fr.p.length < fr.nh + 44) return null;
    return [fr.dv.getUint16(fr.nh + 40), fr.dv.getUint16(fr.nh + 42)];
  }
  if (!is_ip(fr)) return null;
  const proto = fr.p[fr.nh + 9];
  if (proto !== 6 && proto !== 17 && proto !== 132) return null;
  if ((fr.dv.getUint16(fr.nh + 6) & 0x1fff) !== 0) return null;
  const hl = (fr.p[fr.nh] & 0xf) * 4;
  if (fr.p.length < fr.nh + hl + 4) return null;
  return [fr.dv.getUint16(fr.nh + hl), fr.dv.getUint16(fr.nh + hl + 2)];
}

class filter_syntax extends Error {}

function compile_filter(ctx: prog_ctx, expr: string): pkt_filter {
  const toks = expr.match(/\(|\)|&&|\|\||!|[^\s()!&|]+/g) ?? [];
  let i = 0;
  const peek = () => toks[i];
  const next = () => {
    const t = toks[i++];
    if (t === undefined) throw new filter_syntax("syntax error");
    return t;
  };
  const addr = (s: string): number => {
    const a = inet_aton(s);
    if (a !== null && /^[0-9.]+$/.test(s)) return a;
    if (s === "localhost") return 0x7f000001;
    throw new filter_syntax(`unknown host '${s}'`);
  };
  const addr6 = (s: string): Uint8Array => {
    const b = new Uint8Array(16);
    if (inet_pton(28, s, b) === 1) return b;
    if (s === "localhost") {
      b[15] = 1;
      return b;
    }
    throw new filter_syntax(`unknown host '${s}'`);
  };
  const port = (s: string): number => {
    if (/^[0-9]+$/.test(s) && Number(s) < 65536) return Number(s);
    const n = getservbyname(s, "udp");
    if (n !== null) return n;
    throw new filter_syntax(`unknown port '${s}'`);
  };
  const primary = (): fpred => {
    const t = next();
    if (t === "(") {
      const e = or_expr();
      if (next() !== ")") throw new filter_syntax("syntax error");
      return e;
    }
    if (t === "not" || t === "!") {
      const e = primary();
      return (fr) => !e(fr);
    }
    let dir: "src" | "dst" | "any" = "any";
    let w = t;
    if (w === "ether") {
      let edir: "src" | "dst" | "any" = "any";
      let k = next();
      if (k === "src" || k === "dst") {
        edir = k;
        k = next();
      }
      if (k !== "host") throw new filter_syntax("syntax error");
      const mac = ether_aton(next());
      if (mac === null) throw new filter_syntax("bogus ethernet address");
      const eq = (fr: frame, off: number) => fr.link && mac.every((b, j) => fr.p[off + j] === b);
      return (fr) => (edir !== "dst" && eq(fr, 6)) || (edir !== "src" && eq(fr, 0));
    }
    if (w === "src" || w === "dst") {
      dir = w;
      w = peek() ?? "";
      if (w === "host" || w === "net" || w === "port") next();
      else w = "host";
    }
    switch (w) {
      case "ip":
        return is_ip;
      case "arp":
        return (fr) => fr.type === 0x0806;
      case "vlan": {
        // `vlan [id]`: an 802.1Q (or QinQ) tagged frame; what follows in the
        // expression looks past the tag (pcap moves its offsets for good).
        let id = -1;
        const v = peek();
        if (v !== undefined && /^[0-9]+$/.test(v)) {
          next();
          id = Number(v);
          if (id > 4095) throw new filter_syntax(`VLAN tag ${id} greater than maximum 4095`);
        }
        return (fr) => {
          if (!fr.link || (fr.type !== 0x8100 && fr.type !== 0x88a8 && fr.type !== 0x9100) || fr.p.length < fr.nh + 4) return false;
          const tci = fr.dv.getUint16(fr.nh);
          fr.type = fr.dv.getUint16(fr.nh + 2);
          fr.nh += 4;
          return id < 0 || (tci & 0xfff) === id;
        };
      }
      case "ip6":
        return is_ip6;
      case "icmp":
        return ip_proto(1);
      case "icmp6":
        return ip6_proto(58);
      case "udp": {
        const v4 = ip_proto(17);
        const v6 = ip6_proto(17);
        return (fr) => v4(fr) || v6(fr);
      }
      case "tcp": {
        const v4 = ip_proto(6);
        const v6 = ip6_proto(6);
        return (fr) => v4(fr) || v6(fr);
      }
      case "host": {
        const h = next();
        if (h.includes(":")) {
          const a6 = addr6(h);
          return (fr) => is_ip6(fr) && ((dir !== "dst" && ip6_addr_eq(fr, 8, a6)) || (dir !== "src" && ip6_addr_eq(fr, 24, a6)));
        }
        const a = addr(h);
        return (fr) => {
          if (is_ip(fr)) return (dir !== "dst" && ip_src(fr) === a) || (dir !== "src" && ip_dst(fr) === a);
          if (fr.type === 0x0806) return (dir !== "dst" && arp_spa(fr) === a) || (dir !== "src" && arp_tpa(fr) === a);
          return false;
        };
      }
      case "net": {
        const spec = next();
        const slash = spec.indexOf("/");
        if (spec.includes(":")) {
          const a6 = addr6(slash >= 0 ? spec.slice(0, slash) : spec);
          const plen = slash >= 0 ? Number(spec.slice(slash + 1)) : 128;
          if (!(plen >= 0 && plen <= 128)) throw new filter_syntax("mask length must be <= 128");
          return (fr) => is_ip6(fr) && ((dir !== "dst" && ip6_addr_eq(fr, 8, a6, plen)) || (dir !== "src" && ip6_addr_eq(fr, 24, a6, plen)));
        }
        const a = addr(slash >= 0 ? spec.slice(0, slash) : spec);
        const len = slash >= 0 ? Number(spec.slice(slash + 1)) : 32;
        if (!(len >= 0 && len <= 32)) throw new filter_syntax("mask length must be <= 32");
        const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
        const inn = (x: number) => ((x & m) >>> 0) === ((a & m) >>> 0);
        return (fr) => {
          if (is_ip(fr)) return (dir !== "dst" && inn(ip_src(fr))) || (dir !== "src" && inn(ip_dst(fr)));
          if (fr.type === 0x0806) return (dir !== "dst" && inn(arp_spa(fr))) || (dir !== "src" && inn(arp_tpa(fr)));
          return false;
        };
      }
      case "port": {
        const n = port(next());
        return (fr) => {
          const pp = ports(fr);
          return pp !== null && ((dir !== "dst" && pp[0] === n) || (dir !== "src" && pp[1] === n));
        };
      }
      default:
        // A bare address means "host".
        if (/^[0-9.]+$/.test(w)) {
          i--;
          toks[i] = "host";
          toks.splice(i + 1, 0, w);
          if (dir !== "any") toks.splice(i, 0, dir);
          return primary();
        }
        throw new filter_syntax("syntax error");
    }
  };
  const and_expr = (): fpred => {
    let e = primary();
    while (peek() === "and" || peek() === "&&") {
      next();
      const r = primary();
      const l = e;
      e = (fr) => l(fr) && r(fr);
    }
    return e;
  };
  const or_expr = (): fpred => {
    let e = and_expr();
    while (peek() === "or" || peek() === "||") {
      next();
      const r = and_expr();
      const l = e;
      e = (fr) => l(fr) || r(fr);
    }
    return e;
  };
  try {
    const e = or_expr();
    if (i !== toks.length) throw new filter_syntax("syntax error");
    return (pkt, dlt) => {
      const fr = frame_of(pkt, dlt);
      return fr !== null && e(fr);
    };
  } catch (x) {
    if (x instanceof filter_syntax) error(ctx, `can't parse filter expression: ${x.message}`);
    throw x;
  }
}


// ---------------------------------------------------------------------------
// IPv6 (print-ip6.c, print-ip6opts.c, print-frag6.c, print-rt6.c,
// print-icmp6.c, and print-udp.c's IPv6 half).

/** ip6addr_string: the numeric form, or a name from /etc/hosts without -n. */
function ip6addr_string(f: tflags, p: Uint8Array, off: number): string {
  return hostname6(p.subarray(off, off + 16), f.nflag);
}

/** ipproto_values' names for the next-header field (ipproto.c). */
function ip6_nxt_name(nh: number): string {
  return ipproto_names.get(nh) ?? "unknown";
}

/** The sum over the IPv6 pseudo header (RFC 8200 8.1) and the upper-layer
 *  packet, the checksum field included: 0 when the checksum is good. */
function in6_cksum_shouldbe(ip6: Uint8Array, nxt: number, p: Uint8Array, len: number, field: number): { sum: number; shouldbe: number } {
  let init = 0;
  for (let i = 8; i < 24; i += 2) init += (ip6[i] << 8) | ip6[i + 1];
  // A type 0 routing header names the final destination last.
  const dst = ip6_finaldst(ip6);
  for (let i = 0; i < 16; i += 2) init += (ip6[dst + i] << 8) | ip6[dst + i + 1];
  init += (len >>> 16) + (len & 0xffff) + nxt;
  const sum = in_cksum(p, 0, len, init);
  const shouldbe = cksum_shouldbe(p, 0, len, field, init);
  return { sum, shouldbe };
}

/** Where the destination the upper layer sums over sits: the last address
 *  of a type 0 routing header, else the header's ip6_dst. */
function ip6_finaldst(ip6: Uint8Array): number {
  let nh = ip6[6];
  let o = 40;
  while ((nh === 0 || nh === 60 || nh === 43 || nh === 44) && o + 8 <= ip6.length) {
    if (nh === 43 && ip6[o + 2] === 0) {
      const n = ip6[o + 1] >> 1;
      if (n > 0 && o + 8 + n * 16 <= ip6.length) return o + 8 + (n - 1) * 16;
    }
    const hlen = nh === 44 ? 8 : (ip6[o + 1] + 1) << 3;
    nh = ip6[o];
    o += hlen;
  }
  return 24;
}

/** hex_print as print_unknown_data calls it: lines of 16 bytes, each led
 *  by ident and the offset. */
function hex_print(ident: string, p: Uint8Array, off: number, len: number): string {
  let s = "";
  const end = Math.min(p.length, off + len);
  for (let i = off, n = 0; i < end; i++, n++) {
    if (n % 16 === 0) s += `${ident}0x${n.toString(16).padStart(4, "0")}: `;
    if (n % 2 === 0) s += " ";
    s += p[i].toString(16).padStart(2, "0");
  }
  return s;
}

/** ip6_opt_print: the options of a hop-by-hop or destination header. */
function ip6_opt_print(p: Uint8Array, off: number, len: number): string {
  let s = "";
  for (let i = 0; i < len; ) {
    const type = p[off + i];
    if (type === 0) {
      s += "(pad1)";
      i++;
      continue;
    }
    if (i + 2 > len) return s + "[trunc]";
    const optlen = p[off + i + 1] + 2;
    if (i + optlen > len) return s + "[trunc]";
    const dv = new DataView(p.buffer, p.byteOffset + off + i, optlen);
    switch (type) {
      case 1:
        s += "(padn)";
        break;
      case 5:
        s += optlen !== 4 ? "(rtalert: invalid len %u)".replace("%u", String(optlen - 2)) : `(rtalert: 0x${dv.getUint16(2).toString(16).padStart(4, "0")}) `;
        break;
      case 0xc2:
        s += optlen !== 6 ? `(jumbo: invalid len ${optlen - 2})` : `(jumbo: ${dv.getUint32(2)}) `;
        break;
      default:
        s += `(opt_type 0x${type.toString(16).padStart(2, "0")}: len=${optlen - 2})`;
    }
    i += optlen;
  }
  return s;
}

/** tok2str(icmp6_type_values). */
const icmp6_type_values = new Map<number, string>([
  [1, "destination unreachable"],
  [2, "packet too big"],
  [3, "time exceeded in-transit"],
  [4, "parameter problem"],
  [128, "echo request"],
  [129, "echo reply"],
  [130, "multicast listener query"],
  [131, "multicast listener report"],
  [132, "multicast listener done"],
  [133, "router solicitation"],
  [134, "router advertisement"],
  [135, "neighbor solicitation"],
  [136, "neighbor advertisement"],
  [137, "redirect"],
  [138, "router renumbering"],
  [139, "who-are-you request"],
  [140, "who-are-you reply"],
  [141, "inverse neighbor solicitation"],
  [142, "inverse neighbor advertisement"],
  [143, "multicast listener report v2"],
  [144, "homeagent discovery request"],
  [145, "homeagent discovery reply"],
  [146, "mobile router solicitation"],
  [147, "mobile router advertisement"],
  [200, "mtrace response"],
  [201, "mtrace message"],
]);

const icmp6_opt_values = new Map<number, string>([
  [1, "source link-address"],
  [2, "destination link-address"],
  [3, "prefix info"],
  [4, "redirected header"],
  [5, "mtu"],
  [7, "advertisement interval"],
  [8, "homeagent information"],
  [24, "route info"],
  [25, "rdnss"],
  [31, "dnssl"],
]);

const mldv2report2str = new Map<number, string>([
  [1, "is_in"],
  [2, "is_ex"],
  [3, "to_in"],
  [4, "to_ex"],
  [5, "allow"],
  [6, "block"],
]);

function nd_lifetime(t: number): string {
  return t === 0xffffffff ? "infinity" : `${t}s`;
}

/** icmp6_opt_print: the ND options from off to off + len. */
function icmp6_opt_print(f: tflags, p: Uint8Array, off: number, len: number): string {
  let s = "";
  const end = Math.min(p.length, off + len);
  let o = off;
  while (o < end) {
    if (o + 2 > end) return s + " [|icmp6]";
    const type = p[o];
    const olen = p[o + 1];
    if (olen === 0) return s + " [|icmp6]";
    const res = olen * 8;
    if (o + res > end) return s + " [|icmp6]";
    const dv = new DataView(p.buffer, p.byteOffset + o, res);
    s += `\n\t  ${icmp6_opt_values.get(type) ?? "unknown"} option (${type}), length ${res} (${olen}): `;
    switch (type) {
      case 1:
      case 2:
        s += Array.from(p.subarray(o + 2, o + res), (b) => b.toString(16).padStart(2, "0")).join(":");
        break;
      case 3: {
        if (res < 32) return s + " [|icmp6]";
        const plen = p[o + 2];
        const fl: string[] = [];
        if ((p[o + 3] & 0x80) !== 0) fl.push("onlink");
        if ((p[o + 3] & 0x40) !== 0) fl.push("auto");
        if ((p[o + 3] & 0x20) !== 0) fl.push("router");
        s += `${ip6addr_string(f, p, o + 16)}/${plen}, Flags [${fl.length > 0 ? fl.join(", ") : "none"}], valid time ${nd_lifetime(dv.getUint32(4))}, pref. time ${nd_lifetime(dv.getUint32(8))}`;
        break;
      }
      case 4:
        // The redirected header is printed as a hex dump with -vv only.
        break;
      case 5:
        s += ` ${dv.getUint32(4)}`;
        break;
      case 25: {
        s += ` lifetime ${nd_lifetime(dv.getUint32(4))},`;
        for (let a = 8; a + 16 <= res; a += 16) s += ` addr: ${ip6addr_string(f, p, o + a)}`;
        break;
      }
      default:
        s += hex_print("\n\t  ", p, o + 2, res - 2);
        o += res;
        continue;
    }
    if (f.vflag > 1) s += hex_print("\n\t    ", p, o + 2, res - 2);
    o += res;
  }
  return s;
}

/** The upper-layer header an ICMPv6 error quotes: its protocol, the offset
 *  of its header in p, and the quoted destination (get_upperlayer). */
function icmp6_quoted(p: Uint8Array, off: number): { nh: number; ulp: number; dst: number } | null {
  if (p.length < off + 40) return null;
  let nh = p[off + 6];
  let o = off + 40;
  for (;;) {
    switch (nh) {
      case 0:
      case 60:
      case 43:
        if (p.length < o + 2) return null;
        nh = p[o];
        o += (p[o + 1] + 1) << 3;
        continue;
      case 44:
        if (p.length < o + 8) return null;
        if ((((p[o + 2] << 8) | p[o + 3]) & 0xfff8) !== 0) return null;
        nh = p[o];
        o += 8;
        continue;
      default:
        return { nh, ulp: o, dst: off + 24 };
    }
  }
}

/** mldv2_report_print. */
function mldv2_report_print(f: tflags, p: Uint8Array, len: number): string {
  if (p.length < 8) return " [|icmp6]";
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const ngroups = dv.getUint16(6);
  let s = `, ${ngroups} group record(s)`;
  if (f.vflag === 0) return s;
  let group = 8;
  for (let i = 0; i < ngroups; i++) {
    if (len < group + 20) return s + ` [invalid number of groups]`;
    if (p.length < group + 20) return s + " [|icmp6]";
    s += ` [gaddr ${ip6addr_string(f, p, group + 4)} ${mldv2report2str.get(p[group]) ?? "unknown"}`;
    const nsrcs = dv.getUint16(group + 2);
    if (len < group + 20 + nsrcs * 16) return s + ` [invalid number of sources ${nsrcs}]`;
    if (f.vflag === 1) s += `, ${nsrcs} source(s)`;
    else {
      if (p.length < group + 20 + nsrcs * 16) return s + " [|icmp6]";
      s += " {";
      for (let j = 0; j < nsrcs; j++) s += ` ${ip6addr_string(f, p, group + 20 + j * 16)}`;
      s += " }";
    }
    group += 20 + nsrcs * 16 + p[group + 1] * 4;
    s += "]";
  }
  return s;
}

/** mldv2_query_print. */
function mldv2_query_print(f: tflags, p: Uint8Array, len: number): string {
  if (len < 28 || p.length < 28) return " [invalid len " + len + "]";
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  let s = " v2";
  const mrc = dv.getUint16(4);
  const mrt = mrc < 32768 ? mrc : ((mrc & 0x0fff) | 0x1000) << (((mrc & 0x7000) >> 12) + 3);
  if (f.vflag > 0) s += ` [max resp delay=${mrt}]`;
  s += ` [gaddr ${ip6addr_string(f, p, 8)}`;
  if (f.vflag > 0) {
    if ((p[24] & 0x08) !== 0) s += " sflag";
    if ((p[24] & 0x07) !== 0) s += ` robustness=${p[24] & 0x07}`;
    const q = p[25];
    const qqi = q < 128 ? q : ((q & 0x0f) | 0x10) << (((q & 0x70) >> 4) + 3);
    s += ` qqi=${qqi}`;
  }
  const nsrcs = dv.getUint16(26);
  if (nsrcs > 0) {
    if (len < 28 + nsrcs * 16) s += " [invalid number of sources]";
    else if (f.vflag > 1) {
      s += " {";
      for (let j = 0; j < nsrcs; j++) s += ` ${ip6addr_string(f, p, 28 + j * 16)}`;
      s += " }";
    } else s += `, ${nsrcs} source(s)`;
  }
  return s + "]";
}

/** icmp6_print: p is the ICMPv6 message, ip6 its IPv6 header. */
function icmp6_print(f: tflags, p: Uint8Array, length: number, ip6: Uint8Array, fragmented: boolean): string {
  if (p.length < 1) return " [|icmp6]";
  if (p.length < 2) return `ICMP6, ${icmp6_type_values.get(p[0]) ?? `unknown icmp6 type (${p[0]})`} [|icmp6]`;
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const type = p[0];
  const code = p[1];
  let s = "";
  if (f.vflag > 0 && !fragmented) {
    if (p.length >= length && p.length >= 4) {
      const c = in6_cksum_shouldbe(ip6, 58, p, length, 2);
      if (c.sum !== 0) s += `[bad icmp6 cksum 0x${dv.getUint16(2).toString(16).padStart(4, "0")} -> 0x${c.shouldbe.toString(16).padStart(4, "0")}!] `;
      else s += "[icmp6 sum ok] ";
    }
  }
  const tname = icmp6_type_values.get(type);
  s += `ICMP6, ${tname ?? `unknown icmp6 type (${type})`}`;
  if (f.vflag > 0 && (type === 133 || type === 134 || type === 135 || type === 136 || type === 137 || type === 145 || type === 147)) s += `, length ${length}`;
  const qdst = (): string => {
    const q = icmp6_quoted(p, 8);
    return q === null ? "[|icmp6]" : ip6addr_string(f, p, q.dst);
  };
  switch (type) {
    case 1:
      switch (code) {
        case 0:
          s += `, unreachable route ${qdst()}`;
          break;
        case 1:
          s += `,  unreachable prohibited ${qdst()}`;
          break;
        case 2:
          s += `, beyond scope ${qdst()}, source address ${p.length >= 8 + 24 ? ip6addr_string(f, p, 8 + 8) : "[|icmp6]"}`;
          break;
        case 3:
          s += `, unreachable address ${qdst()}`;
          break;
        case 4: {
          const q = icmp6_quoted(p, 8);
          if (q === null || p.length < q.ulp + 4) return s + ", unreachable port [|icmp6]";
          const dport = dv.getUint16(q.ulp + 2);
          const d = ip6addr_string(f, p, q.dst);
          if (q.nh === 6) s += `, unreachable port, ${d} tcp port ${dport}`;
          else if (q.nh === 17) s += `, unreachable port, ${d} udp port ${udpport_string(f, dport)}`;
          else s += `, unreachable port, ${d} protocol ${q.nh} port ${dport} unreachable`;
          break;
        }
        default:
          return s + `, unknown unreach code (${code})` + (f.vflag <= 1 ? hex_print("\n\t", p, 0, length) : "");
      }
      break;
    case 2:
      if (p.length < 8) return s + " [|icmp6]";
      s += `, mtu ${dv.getUint32(4)}`;
      break;
    case 3:
      if (code === 0) {
        if (icmp6_quoted(p, 8) === null) return s + " [|icmp6]";
        s += ` for ${qdst()}`;
      }
      else if (code === 1) s += " (reassembly)";
      else s += `, unknown code (${code})`;
      break;
    case 4: {
      // The quoted header must be there.
      if (p.length < 8 + 40) return s + " [|icmp6]";
      const ptr = dv.getUint32(4);
      if (code === 0) s += `, erroneous - octet ${ptr}`;
      else if (code === 1) s += `, next header - octet ${ptr}`;
      else if (code === 2) s += `, option - octet ${ptr}`;
      else if (code === 3) s += `, incomplete header chain - octet ${ptr}`;
      else s += `, code-#${code}`;
      break;
    }
    case 128:
    case 129:
      if (p.length < 8) return s + " [|icmp6]";
      s += `, id ${dv.getUint16(4)}, seq ${dv.getUint16(6)}`;
      break;
    case 130:
      if (length === 24) s += mld6_print(f, p);
      else if (length >= 28) s += mldv2_query_print(f, p, length);
      else s += " unknown-version (len " + length + ") ";
      break;
    case 131:
    case 132:
      s += mld6_print(f, p);
      break;
    case 133:
      if (f.vflag > 0) s += icmp6_opt_print(f, p, 8, length - 8);
      break;
    case 134:
      if (f.vflag > 0) {
        if (p.length < 16) return s + " [|icmp6]";
        const fl = p[5];
        const names: string[] = [];
        if ((fl & 0x80) !== 0) names.push("managed");
        if ((fl & 0x40) !== 0) names.push("other stateful");
        if ((fl & 0x20) !== 0) names.push("home agent");
        const pref = ["medium", "high", "rsv", "low"][(fl >> 3) & 3];
        s += `\n\thop limit ${p[4]}, Flags [${names.length > 0 ? names.join(", ") : "none"}], pref ${pref}, router lifetime ${dv.getUint16(6)}s, reachable time ${dv.getUint32(8)}ms, retrans timer ${dv.getUint32(12)}ms`;
        s += icmp6_opt_print(f, p, 16, length - 16);
      }
      break;
    case 135:
      if (p.length < 24) return s + " [|icmp6]";
      s += `, who has ${ip6addr_string(f, p, 8)}`;
      if (f.vflag > 0) s += icmp6_opt_print(f, p, 24, length - 24);
      break;
    case 136: {
      if (p.length < 24) return s + " [|icmp6]";
      s += `, tgt is ${ip6addr_string(f, p, 8)}`;
      if (f.vflag > 0) {
        const fl = dv.getUint32(4);
        const names: string[] = [];
        if ((fl & 0x80000000) !== 0) names.push("router");
        if ((fl & 0x40000000) !== 0) names.push("solicited");
        if ((fl & 0x20000000) !== 0) names.push("override");
        s += `, Flags [${names.length > 0 ? names.join(", ") : "none"}]`;
        s += icmp6_opt_print(f, p, 24, length - 24);
      }
      break;
    }
    case 137:
      if (p.length < 40) return s + " [|icmp6]";
      s += `, ${ip6addr_string(f, p, 24)} to ${ip6addr_string(f, p, 8)}`;
      if (f.vflag > 0) s += icmp6_opt_print(f, p, 40, length - 40);
      break;
    case 143:
      if (p.length < 8) return s + " [|icmp6]";
      s += mldv2_report_print(f, p, length);
      break;
    default:
      s += `, length ${length}`;
      if (f.vflag <= 1) s += hex_print("\n\t", p, 0, length);
      return s;
  }
  if (f.vflag === 0) s += `, length ${length}`;
  return s;
}

/** mld6_print: MLDv1 (and the v1-sized query); tcpdump prints it with no
 *  separator after the type name. */
function mld6_print(f: tflags, p: Uint8Array): string {
  // Too short for the message: nothing more is said of it.
  if (p.length < 24) return "";
  const mrd = (p[4] << 8) | p[5];
  return `max resp delay: ${mrd} addr: ${ip6addr_string(f, p, 8)}`;
}

/** udp_print for a datagram over IPv6: addresses with the ports when UDP
 *  follows the fixed header, the ports alone after extension headers; -v
 *  checks the (mandatory) checksum. */
function udp6_print(f: tflags, p: Uint8Array, length: number, ip6: Uint8Array, fragmented: boolean): string {
  const direct = ip6[6] === 17;
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  if (p.length < 4) return (direct ? `${ip6addr_string(f, ip6, 8)} > ${ip6addr_string(f, ip6, 24)}: ` : "") + " [|udp]";
  if (p.length < 8) {
    const sp = udpport_string(f, dv.getUint16(0));
    const dp = udpport_string(f, dv.getUint16(2));
    return (direct ? `${ip6addr_string(f, ip6, 8)}.${sp} > ${ip6addr_string(f, ip6, 24)}.${dp}: ` : `${sp} > ${dp}: `) + " [|udp]";
  }
  const sport = dv.getUint16(0);
  const dport = dv.getUint16(2);
  const ulen = dv.getUint16(4);
  let s = direct
    ? `${ip6addr_string(f, ip6, 8)}.${udpport_string(f, sport)} > ${ip6addr_string(f, ip6, 24)}.${udpport_string(f, dport)}: `
    : `${udpport_string(f, sport)} > ${udpport_string(f, dport)}: `;
  if (ulen < 8) return s + `truncated-udplength ${ulen}`;
  // The datagram's length against what the IP payload holds; the checksum
  // covers what is there.
  const ulen_d = ulen - 8;
  let len_d = length - 8;
  if (ulen_d < len_d) len_d = ulen_d;
  if (f.vflag > 0 && !fragmented && p.length >= len_d + 8) {
    const c = in6_cksum_shouldbe(ip6, 17, p, len_d + 8, 6);
    if (c.sum !== 0) s += `[bad udp cksum 0x${dv.getUint16(6).toString(16).padStart(4, "0")} -> 0x${c.shouldbe.toString(16).padStart(4, "0")}!] `;
    else s += "[udp sum ok] ";
  }
  if (ulen_d > len_d && !fragmented) return s + `UDP, bad length ${ulen_d} > ${len_d}`;
  return s + `UDP, length ${ulen_d}`;
}

/** ip6_print: the fixed header, then the chain of extension headers, each
 *  printed as it is met, to the upper layer. */
function ip6_print(f: tflags, p: Uint8Array, length: number): string {
  if (p.length < 40 || length < 40) return " [|ip6]";
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const flow = dv.getUint32(0);
  let s = f.eflag ? "" : "IP6 ";
  if (flow >>> 28 !== 6) return s + `version error: ${flow >>> 28} != 6`;
  const payload_len = dv.getUint16(4);
  // The header's length rules what is printed; the capture bounds what
  // is read.
  const len = payload_len + 40;
  if (length < len) s += `truncated-ip6 - ${len - length} bytes missing!`;
  let nh = p[6];
  if (f.vflag > 0) {
    s += "(";
    if ((flow & 0x0ff00000) !== 0) s += `class 0x${((flow & 0x0ff00000) >>> 20).toString(16).padStart(2, "0")}, `;
    if ((flow & 0x000fffff) !== 0) s += `flowlabel 0x${(flow & 0x000fffff).toString(16).padStart(5, "0")}, `;
    s += `hlim ${p[7]}, next-header ${ip6_nxt_name(nh)} (${nh}) payload length: ${payload_len}) `;
  }
  if (nh !== 6 && nh !== 17 && nh !== 33 && nh !== 132) s += `${ip6addr_string(f, p, 8)} > ${ip6addr_string(f, p, 24)}: `;
  let off = 40;
  let fragmented = false;
  for (;;) {
    const rest = p.subarray(off, Math.min(p.length, len));
    switch (nh) {
      case 0:
      case 60: {
        if (rest.length < 2) return s + " [|" + (nh === 0 ? "hbhopt" : "dstopt") + "]";
        const hlen = (rest[1] + 1) << 3;
        if (rest.length < hlen) return s + " [|" + (nh === 0 ? "hbhopt" : "dstopt") + "]";
        s += nh === 0 ? "HBH " : "DSTOPT ";
        // The options are walked whether or not they are printed (a
        // jumbo payload option changes the length): a malformed one ends
        // the decode.
        const opts = ip6_opt_print(rest, 2, hlen - 2);
        if (opts.endsWith("[trunc]")) return s + (f.vflag > 0 ? opts.slice(0, -7) : "") + (nh === 0 ? " [|hbhopt]" : " [|dstopt]");
        if (f.vflag > 0) s += opts + " ";
        nh = rest[0];
        off += hlen;
        continue;
      }
      case 44: {
        if (rest.length < 8) return s + " [|frag]";
        const fdv = new DataView(rest.buffer, rest.byteOffset, 8);
        const offlg = fdv.getUint16(2);
        const fl = payload_len - (off - 40) - 8;
        s += f.vflag > 0 ? `frag (0x${fdv.getUint32(4).toString(16).padStart(8, "0")}:${offlg & 0xfff8}|${fl})` : `frag (${offlg & 0xfff8}|${fl})`;
        // A later fragment carries nothing that can be decoded.
        if ((offlg & 0xfff8) !== 0) return s;
        s += " ";
        fragmented = true;
        nh = rest[0];
        off += 8;
        continue;
      }
      case 43: {
        if (rest.length < 8) return s + " [|srcrt]";
        const hlen = (rest[1] + 1) << 3;
        const type = rest[2];
        const segleft = rest[3];
        s += `RT6 (len=${rest[1]}, type=${type}`;
        if (type === 0) {
          s += " [Deprecated]";
          s += `, segleft=${segleft}`;
          if (f.vflag > 0) s += `, rsv=0x${new DataView(rest.buffer, rest.byteOffset + 4, 4).getUint32(0).toString(16)}`;
          for (let a = 8, i = 0; a + 16 <= hlen && a + 16 <= rest.length; a += 16, i++) s += `, [${i}]${ip6addr_string(f, rest, a)}`;
        } else s += `, segleft=${segleft}`;
        s += ") ";
        nh = rest[0];
        off += hlen;
        continue;
      }
      case 58:
        return s + icmp6_print(f, rest, len - off, p, fragmented);
      case 17:
        return s + udp6_print(f, rest, len - off, p, fragmented);
      case 59:
        return s + "no next header";
      case 2:
        return s + "[IGMP requires IPv4] (invalid)";
      default: {
        const pn = f.nflag ? undefined : netdb_protonames.get(nh);
        return s + (pn !== undefined ? ` ${pn}` : ` ip-proto-${nh}`) + ` ${len - off}`;
      }
    }
  }
}
