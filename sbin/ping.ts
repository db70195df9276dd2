// sbin/ping/ping.c: ping(8) over a raw ICMP socket.  Sends ECHO_REQUESTs,
// matches ECHO_REPLYs and ICMP errors about its own requests, prints them in
// ping's format, and ends with the statistics block.  Exit status: 0 if any
// reply came back, 2 if none did, sysexits(3) values for errors.  Intervals
// and timeouts are virtual time: the process sleeps in the kernel.

import { strerror } from "../kern/errno.ts";
import { AF_INET, SOCK_RAW } from "../kern/socket.ts";
import { nanouptime_ns } from "../kern/kern_timeout.ts";
import { inet_aton, inet_ntoa, sockaddr_in, IPPROTO_ICMP, IPPROTO_IP } from "../netinet/in.ts";
import { sys_bind, sys_close, sys_recvfrom, sys_sendto, sys_setsockopt, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { sys_wait_readable } from "../kern/sys_generic.ts";
import { SIGINT, SIGALRM, sys_sigaction } from "../kern/kern_sig.ts";
import { prog_exit, prog_run, type prog_ctx } from "./libc.ts";

const EX_USAGE = 64;
const EX_NOHOST = 68;
const EX_OSERR = 71;
const EX_NOPERM = 77;

const ICMP_ECHOREPLY = 0;
const ICMP_UNREACH = 3;
const ICMP_SOURCEQUENCH = 4;
const ICMP_REDIRECT = 5;
const ICMP_ECHO = 8;
const ICMP_TIMXCEED = 11;
const ICMP_PARAMPROB = 12;
const IPOPT_RR = 7;
const IPOPT_NOP = 1;
const MAX_IPOPTLEN = 40;
const TIMEVAL_LEN = 8;
const DEFDATALEN = 56;
const MAXWAIT = 10;

// Socket options (netinet/in.h).
const IP_OPTIONS = 1;
const IP_TTL_OPT = 4;

function usage(ctx: prog_ctx): never {
  ctx.stderr.write(
    "usage: ping [-4AaDdfHnoQqRrv] [-C pcp] [-c count] [-G sweepmaxsize]\n" +
      "            [-g sweepminsize] [-h sweepincrsize] [-i wait]\n" +
      "            [-l preload] [-M mask | time] [-m ttl] [-P policy]\n" +
      "            [-p pattern] [-S src_addr] [-s packetsize] [-t timeout]\n" +
      "            [-W waittime] [-z tos] IPv4-host\n" +
      "       ping [-4AaDdfHLnoQqRrv] [-C pcp] [-c count] [-I iface] [-i wait]\n" +
      "            [-l preload] [-M mask | time] [-m ttl] [-P policy] [-p pattern]\n" +
      "            [-S src_addr] [-s packetsize] [-T ttl] [-t timeout] [-W waittime]\n" +
      "            [-z tos] IPv4-mcast-group\n",
  );
  throw new prog_exit(EX_USAGE);
}

/** The Internet checksum over a flat buffer (ping.c's in_cksum). */
function in_cksum(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  let i = 0;
  for (; i + 1 < len; i += 2) sum += (b[off + i] << 8) | b[off + i + 1];
  if (i < len) sum += b[off + i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function fmt_ms(ms: number): string {
  return ms.toFixed(3);
}

const unreach_codes = [
  "Destination Net Unreachable",
  "Destination Host Unreachable",
  "Destination Protocol Unreachable",
  "Destination Port Unreachable",
  "frag needed and DF set",
  "Source Route Failed",
  "Destination Net Unknown",
  "Destination Host Unknown",
  "Source Host Isolated",
  "Destination Network Administratively Prohibited",
  "Destination Host Administratively Prohibited",
  "Destination Network Unreachable for TOS",
  "Destination Host Unreachable for TOS",
  "Communication Administratively Prohibited",
  "Host Precedence Violation",
  "Precedence Cutoff",
];

/** pr_iph(): the quoted IP header of an ICMP error, as ping prints it. */
function pr_iph(b: Uint8Array, off: number): string {
  const dv = new DataView(b.buffer, b.byteOffset);
  const vhl = b[off];
  const hl = vhl & 0xf;
  const src = inet_ntoa(dv.getUint32(off + 12));
  const dst = inet_ntoa(dv.getUint32(off + 16));
  let s = `Vr HL TOS  Len   ID Flg  off TTL Pro  cks ${"Src".padStart(src.length)} ${"Dst".padStart(dst.length)}`;
  if (hl * 4 > 20) s += " Opts";
  s += "\n";
  const ipoff = dv.getUint16(off + 6);
  s += ` ${(vhl >> 4).toString(16)}  ${hl.toString(16)}  ${b[off + 1].toString(16).padStart(2, "0")} ${dv.getUint16(off + 2).toString(16).padStart(4, "0")} ${dv
    .getUint16(off + 4)
    .toString(16)
    .padStart(4, "0")}`;
  s += `   ${((ipoff & 0xe000) >> 13).toString(16)} ${(ipoff & 0x1fff).toString(16).padStart(4, "0")}`;
  s += `  ${b[off + 8].toString(16).padStart(2, "0")}  ${b[off + 9].toString(16).padStart(2, "0")} ${dv.getUint16(off + 10).toString(16).padStart(4, "0")}`;
  s += ` ${src} ${dst}`;
  for (let i = 20; i < hl * 4; i++) s += i === 20 ? ` ${b[off + i].toString(16).padStart(2, "0")}` : b[off + i].toString(16).padStart(2, "0");
  return s + "\n";
}

/** pr_icmph(): one line about an ICMP message that is not our reply. */
function pr_icmph(b: Uint8Array, icmp: number): string {
  const type = b[icmp];
  const code = b[icmp + 1];
  switch (type) {
    case ICMP_UNREACH:
      return (unreach_codes[code] ?? `Dest Unreachable, Bad Code: ${code}`) + "\n" + pr_iph(b, icmp + 8);
    case ICMP_SOURCEQUENCH:
      return "Source Quench\n" + pr_iph(b, icmp + 8);
    case ICMP_REDIRECT:
      return `Redirect, ${["Network", "Host", "Type of Service and Network", "Type of Service and Host"][code] ?? "Bad Code"}` + "\n" + pr_iph(b, icmp + 8);
    case ICMP_TIMXCEED:
      return (code === 0 ? "Time to live exceeded" : code === 1 ? "Frag reassembly time exceeded" : `Time exceeded, Bad Code: ${code}`) + "\n" + pr_iph(b, icmp + 8);
    case ICMP_PARAMPROB:
      return `Parameter problem: pointer = 0x${b[icmp + 4].toString(16).padStart(2, "0")}\n` + pr_iph(b, icmp + 8);
    default:
      return `Bad ICMP type: ${type}\n`;
  }
}

export async function ping_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const kp = ctx.p as proc;
    let npackets = 0;
    let interval_ms = 1000;
    let timeout_s = 0;
    let datalen = DEFDATALEN;
    let numeric = false;
    let quiet = false;
    let flood = false;
    let waittime = MAXWAIT * 1000;
    let rroute = false;
    let srcaddr: number | null = null;
    let ttl: number | null = null;
    let verbose = false;
    const argv = ctx.argv;
    let i = 1;
    const num = (v: string | undefined, what: string, min: number, max: number): number => {
      if (v === undefined) usage(ctx);
      if (!/^[0-9]+(\.[0-9]+)?$/.test(v)) {
        ctx.stderr.write(`ping: invalid ${what}: \`${v}'\n`);
        throw new prog_exit(EX_USAGE);
      }
      const n = Number(v);
      if (n < min || n > max) {
        ctx.stderr.write(`ping: invalid ${what}: \`${v}' out of range\n`);
        throw new prog_exit(EX_USAGE);
      }
      return n;
    };
    for (; i < argv.length && argv[i].startsWith("-") && argv[i].length > 1; i++) {
      const a = argv[i];
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        const takes = "cistSWmz".includes(c);
        const val = takes ? (a.length > j + 1 ? a.slice(j + 1) : argv[++i]) : undefined;
        switch (c) {
          case "c":
            npackets = num(val, "count of packets to transmit", 1, 2 ** 31);
            break;
          case "i":
            interval_ms = num(val, "timing interval", 0, 2 ** 31) * 1000;
            if (interval_ms < 1000 && ctx.p.p_ucred.cr_uid !== 0) {
              ctx.stderr.write("ping: -i interval too short: Operation not permitted\n");
              throw new prog_exit(EX_NOPERM);
            }
            break;
          case "s":
            datalen = num(val, "packet size", 0, 65535 - 8 - 20);
            break;
          case "t":
            timeout_s = num(val, "timeout", 1, 2 ** 31);
            break;
          case "S": {
            const a2 = val === undefined ? null : inet_aton(val);
            if (a2 === null) {
              ctx.stderr.write(`ping: cannot resolve ${val ?? ""}: Unknown host\n`);
              throw new prog_exit(EX_NOHOST);
            }
            srcaddr = a2;
            break;
          }
          case "W":
            waittime = num(val, "timing interval", 0, 2 ** 31);
            break;
          case "m":
            ttl = num(val, "TTL", 0, 255);
            break;
          case "z":
            break;
          case "n":
            numeric = true;
            break;
          case "q":
            quiet = true;
            break;
          case "f":
            if (ctx.p.p_ucred.cr_uid !== 0) {
              ctx.stderr.write("ping: -f flag: Operation not permitted\n");
              throw new prog_exit(EX_NOPERM);
            }
            flood = true;
            break;
          case "R":
            rroute = true;
            break;
          case "v":
            verbose = true;
            break;
          case "4":
          case "A":
          case "a":
          case "D":
          case "d":
          case "o":
          case "Q":
          case "r":
          case "H":
            break;
          default:
            ctx.stderr.write(`ping: illegal option -- ${c}\n`);
            usage(ctx);
        }
        if (takes) break;
      }
    }
    void numeric;
    void verbose;
    if (i !== argv.length - 1) usage(ctx);
    const target = argv[i];
    const dst = inet_aton(target);
    if (dst === null) {
      ctx.stderr.write(`ping: cannot resolve ${target}: Unknown host\n`);
      throw new prog_exit(EX_NOHOST);
    }
    if (flood) interval_ms = 10;
    const s = sys_socket(kp, AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (s.error !== 0) {
      ctx.stderr.write(`ping: socket: ${strerror(s.error)}\n`);
      throw new prog_exit(EX_OSERR);
    }
    const fd = s.fd;
    try {
      if (srcaddr !== null) {
        const e = sys_bind(kp, fd, new sockaddr_in(srcaddr, 0));
        if (e !== 0) {
          ctx.stderr.write(`ping: bind: ${strerror(e)}\n`);
          throw new prog_exit(EX_OSERR);
        }
      }
      if (ttl !== null) sys_setsockopt(kp, fd, IPPROTO_IP, IP_TTL_OPT, ttl);
      if (rroute) {
        const rspace = new Uint8Array(MAX_IPOPTLEN);
        rspace[0] = IPOPT_NOP;
        rspace[1] = IPOPT_RR;
        rspace[2] = MAX_IPOPTLEN - 1;
        rspace[3] = 4;
        const e = sys_setsockopt(kp, fd, IPPROTO_IP, IP_OPTIONS, rspace);
        if (e !== 0) {
          ctx.stderr.write(`ping: record route: ${strerror(e)}\n`);
          throw new prog_exit(EX_OSERR);
        }
      }
      // ^C (and the alarm -t would raise) ends the run with the statistics,
      // as ping's stopit()/finish() do.
      let finish_up = false;
      for (const sig of [SIGINT, SIGALRM]) sys_sigaction(kp, sig, () => (finish_up = true));
      const ident = kp.p_pid & 0xffff;
      const to = new sockaddr_in(dst, 0);
      ctx.stdout.write(`PING ${target} (${inet_ntoa(dst)}): ${datalen} data bytes\n`);
      let ntransmitted = 0;
      let nreceived = 0;
      let nrepeats = 0;
      let tmin = Infinity;
      let tmax = 0;
      let tsum = 0;
      let tsumsq = 0;
      const sent_at = new Map<number, number>();
      const seen = new Set<number>();
      const start = nanouptime_ns();
      const pkt = new Uint8Array(8 + datalen);
      const pinger = () => {
        const seq = ntransmitted & 0xffff;
        pkt.fill(0);
        pkt[0] = ICMP_ECHO;
        pkt[1] = 0;
        pkt[4] = ident >> 8;
        pkt[5] = ident & 0xff;
        pkt[6] = seq >> 8;
        pkt[7] = seq & 0xff;
        for (let k = TIMEVAL_LEN; k < datalen; k++) pkt[8 + k] = k & 0xff;
        const now = nanouptime_ns();
        if (datalen >= TIMEVAL_LEN) {
          const dv = new DataView(pkt.buffer);
          dv.setUint32(8, Math.floor(now / 1e9));
          dv.setUint32(12, Math.floor((now % 1e9) / 1000));
        }
        const ck = in_cksum(pkt, 0, pkt.length);
        pkt[2] = ck >> 8;
        pkt[3] = ck & 0xff;
        sent_at.set(seq, now);
        ntransmitted++;
        const r = sys_sendto(kp, fd, pkt, 0, to);
        if (r.error !== 0) ctx.stderr.write(`ping: sendto: ${strerror(r.error)}\n`);
        else if (flood && !quiet) ctx.stdout.write(".");
      };
      const pr_pack = (b: Uint8Array, from: number) => {
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        const hlen = (b[0] & 0xf) * 4;
        const cc = b.length;
        if (cc < hlen + 8) {
          if (verbose) ctx.stderr.write(`ping: packet too short (${cc} bytes) from ${inet_ntoa(from)}\n`);
          return;
        }
        const icmp = hlen;
        const type = b[icmp];
        if (type === ICMP_ECHOREPLY) {
          if (dv.getUint16(icmp + 4) !== ident) return;
          const seq = dv.getUint16(icmp + 6);
          const t0 = sent_at.get(seq);
          const rtt = t0 === undefined ? 0 : (nanouptime_ns() - t0) / 1e6;
          let dup = false;
          if (seen.has(seq)) {
            nrepeats++;
            dup = true;
          } else {
            seen.add(seq);
            nreceived++;
            tsum += rtt;
            tsumsq += rtt * rtt;
            tmin = Math.min(tmin, rtt);
            tmax = Math.max(tmax, rtt);
          }
          if (quiet) return;
          if (flood) {
            ctx.stdout.write("\b \b");
            return;
          }
          let line = `${cc - hlen} bytes from ${inet_ntoa(from)}: icmp_seq=${seq} ttl=${b[8]} time=${fmt_ms(rtt)} ms`;
          if (dup) line += " (DUP!)";
          ctx.stdout.write(line + "\n");
          if (rroute && hlen > 20) ctx.stdout.write(pr_rroute(b, hlen));
          return;
        }
        // Something else: an ICMP error about one of our requests?
        if (type === ICMP_ECHO) return;
        if (cc < hlen + 8 + 20 + 8) return;
        const oip = icmp + 8;
        const ohl = (b[oip] & 0xf) * 4;
        if (dv.getUint32(oip + 16) !== dst || b[oip + 9] !== IPPROTO_ICMP) return;
        const oicmp = oip + ohl;
        if (oicmp + 8 > cc || b[oicmp] !== ICMP_ECHO || dv.getUint16(oicmp + 4) !== ident) return;
        if (quiet) return;
        ctx.stdout.write(`${cc - hlen} bytes from ${inet_ntoa(from)}: ${pr_icmph(b, icmp)}`);
      };
      // The main loop: send on schedule, read what arrives, stop on count,
      // timeout, or the final wait.
      let next_send = nanouptime_ns();
      let almost_done = false;
      let deadline = Infinity;
      for (;;) {
        if (finish_up) break;
        const now = nanouptime_ns();
        if (timeout_s > 0 && now - start >= timeout_s * 1e9) break;
        if (npackets > 0 && nreceived >= npackets) break;
        if (now >= next_send) {
          if (npackets === 0 || ntransmitted < npackets) {
            pinger();
            next_send = now + interval_ms * 1e6;
          } else if (!almost_done) {
            almost_done = true;
            const wait_ms = nreceived > 0 ? Math.max(1000, Math.floor((2 * tmax) / 1000) * 1000) : waittime;
            deadline = now + wait_ms * 1e6;
          }
        }
        if (almost_done && nanouptime_ns() >= deadline) break;
        // Drain whatever is queued, then sleep until the next event.
        for (;;) {
          const r = sys_recvfrom(kp, fd, 65535, 0);
          if (r.error !== 0 || r.data === null) break;
          pr_pack(r.data, r.from?.sin_addr ?? 0);
        }
        if (npackets > 0 && nreceived >= npackets) break;
        let until = almost_done ? deadline : next_send;
        if (timeout_s > 0) until = Math.min(until, start + timeout_s * 1e9);
        const wait = until - nanouptime_ns();
        if (wait > 0) await sys_wait_readable(kp, fd, wait);
      }
      if (flood && !quiet) ctx.stdout.write("\n");
      ctx.stdout.write(`\n--- ${target} ping statistics ---\n`);
      let st = `${ntransmitted} packets transmitted, ${nreceived} packets received, `;
      if (nrepeats) st += `+${nrepeats} duplicates, `;
      if (ntransmitted) {
        if (nreceived > ntransmitted) st += "-- somebody's printing up packets!";
        else st += `${(((ntransmitted - nreceived) * 100) / ntransmitted).toFixed(1)}% packet loss`;
      }
      ctx.stdout.write(st + "\n");
      if (nreceived > 0 && datalen >= TIMEVAL_LEN) {
        const n = nreceived;
        const avg = tsum / n;
        const stddev = Math.sqrt(Math.max(0, tsumsq / n - avg * avg));
        ctx.stdout.write(`round-trip min/avg/max/stddev = ${fmt_ms(tmin)}/${fmt_ms(avg)}/${fmt_ms(tmax)}/${fmt_ms(stddev)} ms\n`);
      }
      return nreceived > 0 ? 0 : 2;
    } finally {
      sys_close(kp, fd);
    }
  });
}

/** pr_rroute-like: the record-route option of a reply. */
function pr_rroute(b: Uint8Array, hlen: number): string {
  let s = "";
  let cp = 20;
  while (cp < hlen) {
    const opt = b[cp];
    if (opt === 0) break;
    if (opt === IPOPT_NOP) {
      cp++;
      continue;
    }
    const olen = b[cp + 1];
    if (olen < 2) break;
    if (opt === IPOPT_RR) {
      const ptr = b[cp + 2];
      const addrs: string[] = [];
      for (let k = 3; k + 4 <= ptr - 1 && k + 4 <= olen; k += 4) {
        const a = ((b[cp + k] << 24) | (b[cp + k + 1] << 16) | (b[cp + k + 2] << 8) | b[cp + k + 3]) >>> 0;
        addrs.push(inet_ntoa(a));
      }
      if (addrs.length) s += `RR: \t${addrs.join("\n\t")}\n`;
    }
    cp += olen;
  }
  return s;
}
