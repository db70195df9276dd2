// The IP_FW3 control path (netpfil/ipfw/ip_fw_sockopt.ts) through the
// system calls ipfw(8) uses: getsockopt/setsockopt on a raw socket, with
// requests laid out as FreeBSD 14's ip_fw.h says.
import test from "ava";
import fc from "fast-check";
import { loadKernel, type Kernel } from "../../helpers/builds.ts";
import type { proc } from "../../../kern/uipc_syscalls.ts";
import * as F from "../../../netinet/ip_fw.ts";
import { I, IPADDR, LOG, U32, parse_xget, rule_body, xadd, xrange } from "./ipfw_helpers.ts";

interface fw {
  k: Kernel;
  p: proc;
  s: number;
  get(req: Uint8Array, room?: number): { error: number; val: Uint8Array };
  set(req: Uint8Array): number;
  list(): { set_mask: number; rules: ReturnType<typeof parse_xget>["rules"] };
}

async function boot(): Promise<fw> {
  const k = await loadKernel("vimage");
  const p = k.proc_create(k.cred0, "ipfw");
  const e = k.sys_kldload(p, "ipfw");
  if (e.error !== 0) throw new Error(`kldload: ${e.error}`);
  const s = k.sys_socket(p, k.AF_INET, k.SOCK_RAW, k.IPPROTO_RAW);
  const get = (req: Uint8Array, room = 0): { error: number; val: Uint8Array } => {
    const buf = new Uint8Array(Math.max(req.length, room));
    buf.set(req);
    const r = k.sys_getsockopt(p, s.fd, k.IPPROTO_IP, F.IP_FW3, buf);
    return { error: r.error, val: r.val instanceof Uint8Array ? r.val : new Uint8Array(0) };
  };
  const set = (req: Uint8Array): number => k.sys_setsockopt(p, s.fd, k.IPPROTO_IP, F.IP_FW3, req);
  const list = () => {
    const hdr = new Uint8Array(F.SZ_ipfw_cfg_lheader);
    const dv = new DataView(hdr.buffer);
    F.op3_write(dv, 0, F.IP_FW_XGET);
    dv.setUint32(F.cfg_flags, F.IPFW_CFG_GET_STATIC | F.IPFW_CFG_GET_COUNTERS, true);
    let r = get(hdr);
    if (r.error === k.ENOMEM) r = get(hdr, new DataView(r.val.buffer, r.val.byteOffset).getUint32(F.cfg_size, true));
    if (r.error !== 0) throw new Error(`XGET: ${r.error}`);
    return parse_xget(r.val);
  };
  return { k, p, s: s.fd, get, set, list };
}

/** The rule number XADD wrote back into the request. */
function added(val: Uint8Array): number {
  return new DataView(val.buffer, val.byteOffset).getUint16(8 + F.SZ_ipfw_obj_ctlv + F.ip_fw_rule_rulenum, true);
}

test("XADD numbers rules by autoinc_step, XGET lists them with the default rule, XDEL removes a range", async (t) => {
  const f = await boot();
  const r1 = f.get(xadd(rule_body(0, 0, [I(F.O_PROTO, 17)], [I(F.O_ACCEPT)])));
  t.is(r1.error, 0);
  t.is(added(r1.val), 100);
  const r2 = f.get(xadd(rule_body(0, 3, [IPADDR(F.O_IP_SRC, "192.0.2.1")], [I(F.O_DENY)])));
  t.is(added(r2.val), 200);
  const r3 = f.get(xadd(rule_body(150, 0, [], [I(F.O_COUNT)])));
  t.is(added(r3.val), 150);
  let l = f.list();
  t.deepEqual(
    l.rules.map((r) => [r.rulenum, r.set]),
    [
      [100, 0],
      [150, 0],
      [200, 3],
      [65535, 31],
    ],
  );
  t.is(l.set_mask >>> 0, 0xffffffff, "every set enabled");
  // The listed rule is the bytes that went in.
  t.deepEqual([...l.rules[2].cmd], [...IPADDR(F.O_IP_SRC, "192.0.2.1"), ...I(F.O_DENY)]);
  t.is(l.rules[2].act_ofs, 2);
  const sysctl = (n: string) => f.k.kernel_sysctlbyname(f.k.cred0, n).value;
  t.is(sysctl("net.inet.ip.fw.static_count"), 4);
  t.is(sysctl("net.inet.ip.fw.default_rule"), 65535);

  const d = f.get(xrange(F.IP_FW_XDEL, F.IPFW_RCFLAG_RANGE, 100, 160));
  t.is(d.error, 0);
  t.is(new DataView(d.val.buffer, d.val.byteOffset).getUint32(8 + F.range_new_set, true), 2, "two rules deleted");
  l = f.list();
  t.deepEqual(
    l.rules.map((r) => r.rulenum),
    [200, 65535],
  );
  // Flush (all but set 31) leaves the default rule.
  t.is(f.get(xrange(F.IP_FW_XDEL, F.IPFW_RCFLAG_ALL, 0, 0)).error, 0);
  t.deepEqual(
    f.list().rules.map((r) => r.rulenum),
    [65535],
  );
});

test("set enable/disable shows in XGET's set_mask; set 31 cannot be disabled; set move", async (t) => {
  const f = await boot();
  f.get(xadd(rule_body(100, 5, [], [I(F.O_ACCEPT)])));
  t.is(f.set(xrange(F.IP_FW_SET_ENABLE, 0, 0, 0, (1 << 5) | (1 << 31), 0)), 0);
  t.is(f.list().set_mask >>> 0, (~(1 << 5)) >>> 0);
  t.is(f.set(xrange(F.IP_FW_SET_ENABLE, 0, 0, 0, 0, 1 << 5)), 0);
  t.is(f.list().set_mask >>> 0, 0xffffffff);
  t.is(f.set(xrange(F.IP_FW_SET_MOVE, 0, 0, 0, 5, 7)), 0);
  t.deepEqual(
    f.list().rules.map((r) => r.set),
    [7, 31],
  );
  t.is(f.set(xrange(F.IP_FW_SET_SWAP, 0, 0, 0, 7, 32)), f.k.EINVAL, "set numbers are below 32");
});

test("check_ipfw_rule_body refuses bad rules with EINVAL and FreeBSD's messages", async (t) => {
  const f = await boot();
  const bad: [string, Uint8Array, string][] = [
    ["no action", rule_body(10, 0, [], [I(F.O_PROTO, 6), I(F.O_PROTO, 17)]), "ipfw: missing action"],
    ["action offset past the end", rule_body(10, 0, [I(F.O_PROTO, 6)], []), "ipfw: bogus action offset (1 > 0)"],
    ["two actions", rule_body(10, 0, [], [I(F.O_COUNT), I(F.O_ACCEPT)]), "ipfw: opcode 48, action must be last opcode"],
    ["bad size", rule_body(10, 0, [U32(F.O_PROTO, [1])], [I(F.O_ACCEPT)]), "ipfw: opcode 11 size 2 wrong"],
    ["unknown opcode", rule_body(10, 0, [I(250)], [I(F.O_ACCEPT)]), "ipfw: opcode 250, unknown opcode"],
    ["nat not loaded", rule_body(10, 0, [], [U32(F.O_NAT, [0, 0, 0], 1)]), ""],
    ["divert not compiled in", rule_body(10, 0, [], [I(F.O_DIVERT, 8668)]), ""],
  ];
  for (const [what, body, msg] of bad) {
    f.k.msgbuf_clear();
    t.is(f.get(xadd(body)).error, f.k.EINVAL, what);
    if (msg !== "") t.true(f.k.msgbuf_read().includes(msg + "\n"), `${what}: ${f.k.msgbuf_read()}`);
  }
  // A rule number past the default rule's.
  const b = rule_body(1, 0, [], [I(F.O_ACCEPT)]);
  new DataView(b.buffer).setUint16(F.ip_fw_rule_rulenum, 65535, true);
  t.is(f.get(xadd(b)).error, f.k.EINVAL);
  // Only the default rule is left.
  t.deepEqual(
    f.list().rules.map((r) => r.rulenum),
    [65535],
  );
  // An unknown IP_FW3 opcode.
  const req = new Uint8Array(8);
  F.op3_write(new DataView(req.buffer), 0, 200);
  t.is(f.get(req).error, f.k.EINVAL);
  t.true(f.k.msgbuf_read().includes("ipfw: ipfw_ctl3 invalid option 200v0\n"));
});

test("XZERO clears counters; XRESETLOG refills logamount; XGET too small answers ENOMEM with the size", async (t) => {
  const f = await boot();
  f.get(xadd(rule_body(100, 0, [], [LOG(3), I(F.O_ACCEPT)])));
  const chain = f.k.CURVNET_SET(f.k.vnet0, "t");
  const ch = f.k.V_layer3_chain();
  f.k.CURVNET_RESTORE(chain);
  t.not(ch, null);
  if (ch === null) return;
  ch.map[0].pcnt = 5;
  ch.map[0].bcnt = 500;
  ch.map[0].cmdv.setUint32(8, 0, true); // log_left used up
  t.is(f.set(xrange(F.IP_FW_XZERO, F.IPFW_RCFLAG_RANGE, 100, 100)), 0);
  t.deepEqual([ch.map[0].pcnt, ch.map[0].bcnt, ch.map[0].cmdv.getUint32(8, true)], [0, 0, 3]);
  ch.map[0].cmdv.setUint32(8, 0, true);
  t.is(f.set(xrange(F.IP_FW_XRESETLOG, F.IPFW_RCFLAG_ALL, 0, 0)), 0);
  t.is(ch.map[0].cmdv.getUint32(8, true), 3);

  const hdr = new Uint8Array(F.SZ_ipfw_cfg_lheader);
  const dv = new DataView(hdr.buffer);
  F.op3_write(dv, 0, F.IP_FW_XGET);
  dv.setUint32(F.cfg_flags, F.IPFW_CFG_GET_STATIC, true);
  const r = f.get(hdr);
  t.is(r.error, f.k.ENOMEM);
  // header + ctlv + two rules (tlv + 12-byte header + cmd, 8-aligned)
  t.is(new DataView(r.val.buffer, r.val.byteOffset).getUint32(F.cfg_size, true), 32 + 16 + (8 + 32) + (8 + 16));
});

test("IP_FW3 goes through a root raw socket (an unprivileged user gets none)", async (t) => {
  const f = await boot();
  const user = f.k.proc_create(new f.k.ucred(1001, f.k.prison0), "user");
  const s = f.k.sys_socket(user, f.k.AF_INET, f.k.SOCK_RAW, f.k.IPPROTO_RAW);
  t.is(s.error, f.k.EPERM, "raw sockets already need root");
  const req = xadd(rule_body(10, 0, [], [I(F.O_ACCEPT)]));
  const r = f.k.sys_getsockopt(f.p, f.s, f.k.IPPROTO_IP, F.IP_FW3, req);
  t.is(r.error, 0);
});

test("random instruction words: XADD accepts or refuses with EINVAL, never throws (fast-check)", async (t) => {
  const f = await boot();
  const insn_word = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(
    fc.property(fc.array(fc.oneof(insn_word, fc.tuple(fc.constantFrom(F.O_ACCEPT, F.O_DENY, F.O_COUNT, F.O_SKIPTO), fc.constant(1), fc.integer({ min: 0, max: 0xffff }))), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 65534 }), (ws, act, rulenum) => {
      const cmd_len = ws.length;
      const body = new Uint8Array(F.roundup2(F.SZ_ip_fw_rule_hdr + cmd_len * 4, 8));
      const dv = new DataView(body.buffer);
      F.ip_fw_rule_write(dv, 0, Math.min(act, cmd_len), cmd_len, rulenum, 0);
      ws.forEach(([op, len, arg1], i) => {
        body[12 + i * 4] = op;
        body[13 + i * 4] = len;
        dv.setUint16(14 + i * 4, arg1, true);
      });
      const r = f.get(xadd(body));
      if (r.error !== 0 && r.error !== f.k.EINVAL) throw new Error(`errno ${r.error}`);
      return true;
    }),
    { numRuns: 600, seed: 15 },
  );
  // Whatever went in lists and flushes cleanly.
  t.true(f.list().rules.length >= 1);
  t.is(f.get(xrange(F.IP_FW_XDEL, F.IPFW_RCFLAG_ALL, 0, 0)).error, 0);
  t.deepEqual(
    f.list().rules.map((r) => r.rulenum),
    [65535],
  );
});
