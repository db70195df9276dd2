// Frames through a diverting ruleset, and what a divert(4) program may
// write back (sys/netinet/ip_divert.c, ip_fw_pfil.c's ipfw_divert): each
// case loads ipfw and ipdivert, binds divert sockets in fa, adds `divert`
// and `tee` rules (to bound ports or not, behind random matches) and an
// allow, throws the frames of the other targets at fa's epair0a, and after
// each frame plays the program: what the sockets hold goes back with the
// address it came with, with a bent one (another rule, another address,
// sin_zero bytes that name no interface or are not terminated, a wrong
// length or family), cut short or flipped, or as raw bytes.  Then it
// closes, deletes, unloads and lets the timers run out.  What must hold:
// no exception; a write the kernel refuses gets an errno; the divert
// counters only grow; the mbufs outstanding are what they were before.
import { register_kernel_target } from "../registry.ts";
import type { rng } from "../rng.ts";
import { hex } from "../rng.ts";
import { drain_sockets, type world } from "../topo.ts";
import type { Kernel } from "../kernel.ts";
import { fa_case, flush_rules, insn, match, rule_body, xadd_request } from "./ipfw_ruleset.ts";

type sin = InstanceType<Kernel["sockaddr_in"]>;

/** The address a packet goes back with: the one it came with, or bent. */
function bend(k: Kernel, r: rng, from: sin): sin {
  const a = new k.sockaddr_in(from.sin_addr, from.sin_port);
  a.sin_zero = from.sin_zero !== null ? from.sin_zero.slice() : null;
  switch (r.int(8)) {
    case 0:
      a.sin_port = r.int(65536);
      break;
    case 1:
      a.sin_addr = r.pick([0, 0x0a010101, 0x0a010102, 0x7f000001, 0xffffffff, r.u32()]);
      break;
    case 2:
      a.sin_zero = r.chance(0.5) ? r.bytes(8) : new TextEncoder().encode(r.pick(["epair0a\0", "lo0\0\0\0\0\0", "nope0\0\0\0", "epair0a.5"]).padEnd(8, "\0").slice(0, 8));
      break;
    case 3:
      a.sin_len = r.pick([0, 8, 15, 17, 255]);
      break;
    case 4:
      a.sin_family = r.pick([0, 28, 44, r.int(256)]);
      break;
    default:
      break;
  }
  return a;
}

register_kernel_target({
  name: "ipfw.divert",
  weight: 1,
  run(w: world, r: rng, note: (what: string) => void): string | null {
    const c = fa_case(w);
    if (c === null) return null;
    const { k, fa, inject, advance, base } = c;
    const root = { p_ucred: k.cred0 };
    const fw = k.sys_kldload(root, "ipfw");
    if (fw.error !== 0 && fw.error !== k.EEXIST) return `kldload ipfw: ${fw.error}`;
    const dv = k.sys_kldload(root, "ipdivert");
    if (dv.error !== 0 && dv.error !== k.EEXIST) return `kldload ipdivert: ${dv.error}`;
    const ctl = k.sys_socket(fa, k.PF_INET, k.SOCK_RAW, k.IPPROTO_RAW);
    const ports = [8668, 8669, 1 + r.int(65535)];
    const fds: number[] = [];
    const stats = (): number[] => {
      const s = k.kernel_sysctlbyname(fa.p_ucred, "net.inet.divert.stats");
      return Array.isArray(s.value) ? (s.value as number[]) : [];
    };
    const before = stats();
    let failed: string | null = null;
    try {
      if (ctl.error !== 0) return `socket: ${ctl.error}`;
      for (let n = r.int(3); n > 0; n--) {
        const s = k.sys_socket(fa, k.PF_DIVERT, k.SOCK_RAW, 0);
        if (s.error !== 0) return `socket(PF_DIVERT): ${s.error}`;
        fds.push(s.fd);
        const port = r.pick(ports);
        note(`divert socket ${s.fd} bound to ${port}`);
        k.sys_bind(fa, s.fd, new k.sockaddr_in(0, port));
      }
      const nrules = 1 + r.int(4);
      for (let i = 0; i < nrules; i++) {
        const rulenum = 100 * (1 + i) + r.int(50);
        const opts = r.chance(0.5) ? [match(k, r)] : [];
        const act = insn(k, r.chance(0.7) ? k.O_DIVERT : k.O_TEE, r.pick(ports));
        const req = xadd_request(k, rule_body(k, rulenum, 0, opts, act));
        note(`IP_FW_XADD ${hex(req)}`);
        k.sys_setsockopt(fa, ctl.fd, k.IPPROTO_IP, k.IP_FW3, req);
      }
      if (r.chance(0.8)) k.sys_setsockopt(fa, ctl.fd, k.IPPROTO_IP, k.IP_FW3, xadd_request(k, rule_body(k, 60000, 0, [], insn(k, k.O_ACCEPT, 0))));
      const nframes = 1 + r.int(16);
      for (let i = 0; i < nframes; i++) {
        if (!inject(r, note, i, nframes)) break;
        // The program: back with each packet, a few times at most (a packet
        // sent back before its rule comes round again).
        for (let round = 0; round < 3; round++) {
          let got = false;
          for (const fd of fds) {
            const p = k.sys_recvfrom(fa, fd, 65535, k.MSG_DONTWAIT);
            if (p.error !== 0 || p.data === null || p.from === null || !("sin_addr" in p.from)) continue;
            got = true;
            let data = p.data;
            if (r.chance(0.1)) data = data.subarray(0, r.int(data.length + 1));
            if (r.chance(0.1) && data.length > 0) data[r.int(data.length)] ^= 1 << r.int(8);
            if (r.chance(0.05)) data = r.bytes(r.int(80));
            const to = r.chance(0.1) ? null : bend(k, r, p.from);
            note(`sendto ${fd} ${to === null ? "no address" : `${to.sin_family}/${to.sin_len} ${to.sin_addr >>> 0}:${to.sin_port} ${hex(to.sin_zero ?? new Uint8Array(0))}`}: ${hex(data)}`);
            const s = k.sys_sendto(fa, fd, data, 0, to);
            if (s.error === 0 && s.len !== data.length) failed = `sendto took ${s.len} of ${data.length} bytes`;
          }
          if (!got) break;
          advance(1);
        }
      }
    } finally {
      for (const fd of fds) k.sys_close(fa, fd);
      if (ctl.error === 0) {
        flush_rules(k, fa, ctl.fd);
        k.sys_close(fa, ctl.fd);
      }
      advance(10 * 60 * 1000);
    }
    const after_stats = stats();
    if (after_stats.length !== before.length || after_stats.some((x, i) => x < before[i])) failed ??= `net.inet.divert.stats went from ${before.join(",")} to ${after_stats.join(",")}`;
    if (dv.error === 0) k.sys_kldunloadf(root, dv.fileid, k.LINKER_UNLOAD_FORCE);
    if (fw.error === 0) k.sys_kldunload(root, fw.fileid);
    advance(10);
    drain_sockets(w);
    const after = k.mbuf_outstanding().mbufs;
    if (after !== base) return `mbufs outstanding ${base} before the case, ${after} after the sockets, rules and modules went and the timers ran out`;
    return failed;
  },
});
