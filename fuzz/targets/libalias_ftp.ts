// Hostile FTP control lines through libalias with the FTP module
// (netinet/libalias/alias_ftp.ts): each case makes an instance, in the
// kernel's build (after kldload alias_ftp) or in a userland build as natd
// has (the handlers attached as /etc/libalias.conf would), and sends a few
// segments both ways on control connections (port 21 at either end): PORT,
// EPRT, 227 and 229 lines naming the sender or not, bent (numbers too
// long, octets over 255, delimiters and case changed, no CRLF, text after
// the line, cut anywhere, bytes flipped, padded around the 128-byte limit)
// or plain noise, with sequence and acknowledgment numbers near the ones a
// rewrite shifted.  Each packet sits in a buffer with guard bytes before it
// and after the room it is given (maxpacketsize, sometimes just its own
// length, so a longer line is cut).  What must hold: no exception; nothing
// written outside the room; the IP length within it and the IP checksum
// right; the TCP checksum right unless the kernel's build marked it for
// ipfw nat to redo (th_x2).
import { register_kernel_target } from "../registry.ts";
import type { rng } from "../rng.ts";
import { hex } from "../rng.ts";
import type { world } from "../topo.ts";

const PRIV = 0x0a000002; // 10.0.0.2
const PUB = 0xc6336407; // 198.51.100.7
const ALIAS = 0xcb007101; // 203.0.113.1
const GUARD = 0xa5;
const LEAD = 16;

function sum16(b: Uint8Array, start: number, end: number, add = 0): number {
  let sum = add;
  for (let i = start; i < end; i += 2) sum += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

function tcp_pseudo(dv: DataView, ip: number): number {
  return dv.getUint16(ip + 12) + dv.getUint16(ip + 14) + dv.getUint16(ip + 16) + dv.getUint16(ip + 18) + 6 + dv.getUint16(ip + 2) - 20;
}

/** The four dotted or comma-separated numbers of an address. */
function quad(a: number, sep: string): string {
  return [a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff].join(sep);
}

/** A control line: one of the four messages (naming `own` or not), bent,
 *  or noise. */
function ftp_line(r: rng, own: number): string {
  const addr = r.chance(0.8) ? own : r.u32();
  const port = r.chance(0.8) ? r.range(1024, 65535) : r.int(1024);
  const num = (n: number): string => (r.chance(0.1) ? String(n + 256 * r.range(1, 4000)) : r.chance(0.05) ? "0".repeat(r.int(40)) + n : String(n));
  const nums = [addr >>> 24, (addr >>> 16) & 0xff, (addr >>> 8) & 0xff, addr & 0xff, port >>> 8, port & 0xff].map(num);
  const d = r.chance(0.8) ? "|" : String.fromCharCode(r.range(33, 126));
  let s: string;
  switch (r.int(6)) {
    case 0:
      s = `${r.pick(["PORT", "port", "PoRt", "PORT\t"])}${" ".repeat(r.int(3))} ${nums.join(r.chance(0.9) ? "," : ".")}`;
      break;
    case 1:
      s = `${r.pick(["EPRT", "eprt"])} ${" ".repeat(r.int(2))}${d}${r.pick(["1", "1", "2", "x"])}${d}${quad(addr, ".")}${d}${r.chance(0.9) ? port : num(port * 1000)}${d}`;
      break;
    case 2:
      s = `227 ${r.pick(["Entering Passive Mode ", "", "((", "=("])}(${nums.join(",")}${r.pick([")", "", "))", ",1)"])}`;
      break;
    case 3:
      s = `229 ${r.pick(["Entering Extended Passive Mode ", "", "(("])}(${d}${d}${d}${r.chance(0.9) ? port : num(port * 99)}${d}${r.pick([")", "", "x"])}`;
      break;
    case 4:
      s = String.fromCharCode(...r.bytes(r.int(140)));
      break;
    default:
      s = r.pick(["USER anonymous", "PASV", "EPSV", "200 PORT command successful", "QUIT", ""]);
      break;
  }
  if (r.chance(0.85)) s += "\r\n";
  if (r.chance(0.1)) s += r.pick(["more after the line\r\n", "x", "\r\n"]);
  if (r.chance(0.1)) s = s.slice(0, r.int(s.length + 1));
  if (r.chance(0.1)) s = s.padEnd(r.range(120, 136), r.pick([" ", "9", ","]));
  const b = Array.from(s, (c) => c.charCodeAt(0) & 0xff);
  if (r.chance(0.1) && b.length > 0) b[r.int(b.length)] = r.int(256);
  return String.fromCharCode(...b);
}

register_kernel_target({
  name: "libalias.ftp",
  weight: 1,
  run(w: world, r: rng, note: (what: string) => void): string | null {
    const k = w.k;
    const kernel_build = r.chance(0.5);
    let build = k.libalias_kernel;
    if (kernel_build) {
      const l = k.sys_kldload({ p_ucred: k.cred0 }, "alias_ftp");
      if (l.error !== 0 && l.error !== k.EEXIST) return `kldload alias_ftp: ${l.error}`;
    } else {
      let n = r.u32();
      build = new k.libalias_build(false, () => 1000, (upper: number) => (n = (n + 40503) >>> 0) % upper, null, (msg: string) => {
        throw new Error(`libalias abort: ${msg}`);
      });
      k.alias_mod.LibAliasAttachHandlers(build, k.alias_ftp.handlers);
    }
    const la = k.LibAliasInit(null, build);
    k.LibAliasSetAddress(la, ALIAS);
    if (r.chance(0.3)) k.LibAliasRedirectPort(la, PRIV, 21, 0, 0, ALIAS, 21, 6);
    let failed: string | null = null;
    try {
      // The client's (or server's) sequence numbers, and the other end's.
      const seq = [r.u32(), r.u32()];
      const nseg = 1 + r.int(12);
      for (let i = 0; i < nseg && failed === null; i++) {
        const out = r.chance(0.6);
        const server_inside = r.chance(0.4);
        const cport = 1024 + r.int(3);
        const line = ftp_line(r, out ? PRIV : PUB);
        const dlen = line.length;
        const len = 40 + dlen;
        const room = r.chance(0.3) ? len : len + r.int(r.chance(0.5) ? 64 : 2000);
        const buf = new Uint8Array(LEAD + room + LEAD).fill(GUARD);
        const dv = new DataView(buf.buffer);
        const ip = LEAD;
        buf.fill(0, ip, ip + len);
        buf[ip] = 0x45;
        dv.setUint16(ip + 2, len);
        buf[ip + 8] = 64;
        buf[ip + 9] = 6;
        const src = out ? PRIV : PUB;
        const dst = out ? PUB : ALIAS;
        dv.setUint32(ip + 12, src);
        dv.setUint32(ip + 16, dst);
        dv.setUint16(ip + 10, 0);
        dv.setUint16(ip + 10, ~sum16(buf, ip, ip + 20) & 0xffff);
        // Inside, the FTP server or the client's port; outside, the other.
        const inside_port = server_inside ? 21 : cport;
        const outside_port = server_inside ? 40000 + r.int(2) : 21;
        dv.setUint16(ip + 20, out ? inside_port : outside_port);
        dv.setUint16(ip + 22, out ? outside_port : r.chance(0.7) ? 21 : r.range(32768, 65535));
        const me = out ? 0 : 1;
        dv.setUint32(ip + 24, (seq[me] + (r.chance(0.2) ? r.range(-200, 200) : 0)) >>> 0);
        dv.setUint32(ip + 28, (seq[1 - me] + (r.chance(0.3) ? r.range(-100, 100) : 0)) >>> 0);
        seq[me] = (seq[me] + dlen) >>> 0;
        buf[ip + 32] = 5 << 4;
        buf[ip + 33] = r.pick([0x18, 0x10, 0x02, 0x11, 0x04]);
        dv.setUint16(ip + 34, 65535);
        for (let j = 0; j < dlen; j++) buf[ip + 40 + j] = line.charCodeAt(j);
        dv.setUint16(ip + 36, 0);
        dv.setUint16(ip + 36, ~sum16(buf, ip + 20, ip + len, tcp_pseudo(dv, ip)) & 0xffff);
        const before = buf.slice();
        note(`${kernel_build ? "kernel" : "userland"} build, ${out ? "out" : "in"}, room ${room}: ${hex(buf.subarray(ip, ip + len))}`);
        const res = out ? k.LibAliasOut(la, dv, ip, room) : k.LibAliasIn(la, dv, ip, room);
        for (let j = 0; j < LEAD; j++) {
          if (buf[j] !== before[j] || buf[ip + room + j] !== before[ip + room + j]) failed = `libalias wrote outside the packet's room (result ${res})`;
        }
        const nlen = dv.getUint16(ip + 2);
        if (failed === null && nlen > room) failed = `ip_len ${nlen} beyond the room ${room}`;
        if (failed === null && nlen < 40) failed = `ip_len ${nlen} below the headers`;
        if (failed === null && sum16(buf, ip, ip + 20) !== 0xffff) failed = "IP checksum wrong";
        const marked = (buf[ip + 32] & 0x0f) !== 0;
        if (failed === null && !marked && sum16(buf, ip + 20, ip + nlen, tcp_pseudo(dv, ip)) !== 0xffff) failed = `TCP checksum wrong (result ${res})`;
        if (failed === null && marked && !kernel_build) failed = "th_x2 set by the userland build";
      }
    } finally {
      k.LibAliasUninit(la);
    }
    return failed;
  },
});
