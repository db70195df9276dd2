// Helpers for the IPv6 packet path tests: a script of FreeBSD commands run
// against a fresh kernel (virtnet_run_script) to build the topology with
// the real userland (ifconfig inet6, route, sysctl), then frames built by
// hand fed to an interface's ether_input, the ip6stat counters by name, and
// the pcap files tshark checks.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import type { ifnet } from "../../net/if.ts";
import type { vnet } from "../../net/vnet.ts";

/** struct ip6stat's scalar fields by name (the arrays are left out). */
export const IP6STAT_FIELDS = [
  "ip6s_total",
  "ip6s_tooshort",
  "ip6s_toosmall",
  "ip6s_fragments",
  "ip6s_fragdropped",
  "ip6s_fragtimeout",
  "ip6s_fragoverflow",
  "ip6s_forward",
  "ip6s_cantforward",
  "ip6s_redirectsent",
  "ip6s_delivered",
  "ip6s_localout",
  "ip6s_odropped",
  "ip6s_reassembled",
  "ip6s_atomicfrags",
  "ip6s_fragmented",
  "ip6s_ofragments",
  "ip6s_cantfrag",
  "ip6s_badoptions",
  "ip6s_noroute",
  "ip6s_badvers",
  "ip6s_rawout",
  "ip6s_badscope",
  "ip6s_notmember",
] as const;
const M1 = 280;
const EXTHDRTOOLONG = 315;
const TOOMANYHDR = 317;

export interface run {
  k: Kernel;
  out: string;
  err: string;
  status: number;
  dir: string;
}

export function tmpdir(t: { teardown: (f: () => void) => void }, tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `virtnet-${tag}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * echo6 DST SIZE: one ICMPv6 echo request of SIZE data bytes to DST through
 * a raw ICMPv6 socket (the kernel computes the checksum), then the reply
 * awaited (10 s of virtual time); prints what came back.  A test program,
 * so that the packet path is tested whatever ping6 is.
 */
function install_echo6(k: Kernel): void {
  k.programs.set("echo6", async (ctx) => {
    const p = ctx.p as import("../../kern/uipc_syscalls.ts").proc;
    const dst = k.inet_pton6(ctx.argv[1] ?? "");
    const size = Number(ctx.argv[2] ?? "56");
    if (dst === null) return 64;
    const so = k.sys_socket(p, k.AF_INET6, k.SOCK_RAW, 58);
    if (so.error !== 0) {
      ctx.stderr.write(`echo6: socket: ${k.strerror(so.error)}\n`);
      return 71;
    }
    try {
      const b = new Uint8Array(8 + size);
      b[0] = 128;
      b[4] = 0x77;
      b[7] = 1;
      for (let i = 0; i < size; i++) b[8 + i] = (i * 7 + 3) & 0xff;
      const r = k.sys_sendto(p, so.fd, b, 0, new k.sockaddr_in6(dst));
      if (r.error !== 0) {
        ctx.stdout.write(`echo6: sendto: ${k.strerror(r.error)}\n`);
        return 1;
      }
      for (;;) {
        if (!(await k.sys_wait_readable(p, so.fd, 10e9))) {
          ctx.stdout.write("echo6: timeout\n");
          return 1;
        }
        const rr = k.sys_recvfrom(p, so.fd, 65535, 0);
        if (rr.error !== 0 || rr.data === null) return 1;
        // A raw ICMPv6 socket gets the message without the IPv6 header.
        if (rr.data[0] !== 129) continue;
        let ok = rr.data.length === b.length;
        for (let i = 8; ok && i < b.length; i++) if (rr.data[i] !== b[i]) ok = false;
        ctx.stdout.write(`echo6: ${rr.data.length - 8} bytes back: ${ok ? "intact" : "corrupt"}\n`);
        return ok ? 0 : 1;
      }
    } finally {
      k.sys_close(p, so.fd);
    }
  });
}

/** Run a script on a fresh VIMAGE kernel, every interface captured into dir (if given). */
export async function script(src: string, seed: number, dir: string | null): Promise<run> {
  const k = await loadKernelUnbooted("vimage");
  install_echo6(k);
  let out = "";
  let err = "";
  const status = await k.virtnet_run_script(src, {
    seed,
    pcapdir: dir,
    name: "t.sh",
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (err += s) },
    cwd: dir ?? os.tmpdir(),
  });
  return { k, out, err, status, dir: dir ?? "" };
}

/** The vnet of a jail. */
export function jail_vnet(k: Kernel, name: string): vnet {
  const pr = k.prison_find_name(name);
  if (pr === null) throw new Error(`no jail ${name}`);
  return pr.pr_vnet;
}

export function ifp_in(k: Kernel, v: vnet, name: string): ifnet {
  const ifp = k.vnet_run(v, "test", () => k.ifunit(name));
  if (ifp === null) throw new Error(`no ${name}`);
  return ifp;
}

/** The jail's ip6stat counters by name (and a few of the others). */
export function ip6stats(k: Kernel, v: vnet): Record<string, number> {
  return k.vnet_run(v, "test", () => {
    const r: Record<string, number> = {};
    IP6STAT_FIELDS.forEach((n, i) => (r[n] = k.VNET_U64(k.ip6stat + i)));
    r.ip6s_m1 = k.VNET_U64(k.ip6stat + M1);
    r.ip6s_exthdrtoolong = k.VNET_U64(k.ip6stat + EXTHDRTOOLONG);
    r.ip6s_toomanyhdr = k.VNET_U64(k.ip6stat + TOOMANYHDR);
    return r;
  });
}

/** Counters that moved since `before` (ip6s_m1 left out: it moves with everything). */
export function moved(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const r: Record<string, number> = {};
  for (const n of Object.keys(after)) if (n !== "ip6s_m1" && after[n] !== before[n]) r[n] = after[n] - before[n];
  return r;
}

/** An IPv6 address from its text form. */
export function a6(k: Kernel, s: string): Uint8Array {
  const a = k.inet_pton6(s);
  if (a === null) throw new Error(`bad address ${s}`);
  return a.s6_addr.slice();
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** RFC 8200 8.1: an upper-layer checksum. */
export function cksum6(src: Uint8Array, dst: Uint8Array, nxt: number, msg: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < 16; i += 2) s += ((src[i] << 8) | src[i + 1]) + ((dst[i] << 8) | dst[i + 1]);
  s += (msg.length >>> 16) + (msg.length & 0xffff) + nxt;
  for (let i = 0; i < msg.length; i += 2) s += (msg[i] << 8) | (i + 1 < msg.length ? msg[i + 1] : 0);
  return ~fold(s) & 0xffff;
}

/** An ICMPv6 echo request (checksummed). */
export function echo6(src: Uint8Array, dst: Uint8Array, id: number, seq: number, data: number): Uint8Array {
  const b = new Uint8Array(8 + data);
  b[0] = 128;
  b[4] = id >> 8;
  b[5] = id & 0xff;
  b[6] = seq >> 8;
  b[7] = seq & 0xff;
  for (let i = 0; i < data; i++) b[8 + i] = i & 0xff;
  const c = cksum6(src, dst, 58, b);
  b[2] = c >> 8;
  b[3] = c & 0xff;
  return b;
}

export interface ip6_opts {
  vfc?: number;
  plen?: number;
  hlim?: number;
  flow?: number;
}

/** An IPv6 header and what follows it. */
export function ip6pkt(src: Uint8Array, dst: Uint8Array, nxt: number, rest: Uint8Array, o: ip6_opts = {}): Uint8Array {
  const b = new Uint8Array(40 + rest.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, (((o.vfc ?? 0x60) << 24) | (o.flow ?? 0)) >>> 0);
  dv.setUint16(4, o.plen ?? rest.length);
  b[6] = nxt;
  b[7] = o.hlim ?? 64;
  b.set(src, 8);
  b.set(dst, 24);
  b.set(rest, 40);
  return b;
}

/** An extension header (hop-by-hop or destination options) with the given option bytes, padded. */
export function opthdr(nxt: number, opts: number[]): Uint8Array {
  const o = opts.slice();
  while ((o.length + 2) % 8 !== 0) o.push(0);
  return Uint8Array.from([nxt, (o.length + 2) / 8 - 1, ...o]);
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const b = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    b.set(p, o);
    o += p.length;
  }
  return b;
}

/** An Ethernet frame to dst from src carrying IPv6. */
export function ether6(dst: Uint8Array, src: Uint8Array, pkt: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + pkt.length);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x86;
  f[13] = 0xdd;
  f.set(pkt, 14);
  return f;
}

/** The interface's MAC. */
export function mac_of(ifp: ifnet): Uint8Array {
  const sdl = ifp.if_addr?.ifa_addr;
  if (sdl === undefined || !("sdl_lladdr" in sdl)) throw new Error("no lladdr");
  return sdl.sdl_lladdr.slice();
}

/** Feed a frame to ifp as its driver would. */
export function inject(k: Kernel, ifp: ifnet, frame: Uint8Array): void {
  const m = k.m_devget(frame, 0, frame.length, ifp);
  if (m === null) throw new Error("m_devget");
  k.ether_input(ifp, m);
}

/** The records of a pcap file (little-endian, as the spool writes them). */
export function pcap_records(file: string): Uint8Array[] {
  const b = fs.readFileSync(file);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== 0xa1b2c3d4) throw new Error(`${file}: not a pcap file`);
  const out: Uint8Array[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const caplen = dv.getUint32(off + 8, true);
    out.push(new Uint8Array(b.subarray(off + 16, off + 16 + caplen)));
    off += 16 + caplen;
  }
  return out;
}
