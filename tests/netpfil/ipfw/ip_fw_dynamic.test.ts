// netpfil/ipfw/ip_fw_dynamic.ts: keep-state/check-state in a default-deny
// jail, expiry on the virtual clock, limit, the states in IP_FW_XGET.
// Rules are encoded by hand in FreeBSD's ABI (ipfw_abi.ts).
import test from "ava";
import type { Kernel } from "../../helpers/builds.ts";
import type { proc } from "../../../kern/uipc_syscalls.ts";
import {
  DYN_SRC_ADDR,
  IPFW_CFG_GET_STATES,
  IPFW_CFG_GET_STATIC,
  IPFW_TLV_DYNSTATE_LIST,
  IPFW_TLV_DYN_ENT,
  IPFW_TLV_STATE_NAME,
  IP_FW_XDEL,
  IP_FW_XGET,
  O_ACCEPT,
  O_CHECK_STATE,
  O_IN,
  O_KEEP_STATE,
  O_LIMIT,
  O_PROBE_STATE,
  O_PROTO,
  F_NOT,
  SZ_CFG_LHEADER,
  SZ_DYN_RULE,
  TWO_JAILS_IPFW,
  fwctl,
  insn,
  insn_limit,
  op3,
  rule_allow_all,
  run_steps,
  xadd_rule,
} from "./ipfw_abi.ts";

const STATE_NAME = [{ type: IPFW_TLV_STATE_NAME, idx: 1, name: "default" }];

/** check-state :default */
function rule_check_state(rulenum: number): Uint8Array {
  return xadd_rule(rulenum, insn(O_CHECK_STATE, 1, 1), 0, STATE_NAME);
}

/** allow ip from any to any out keep-state :default */
function rule_out_keep_state(rulenum: number): Uint8Array {
  const cmd = [...insn(O_PROBE_STATE, 1, 1), ...insn(O_IN, 1, 0, F_NOT), ...insn(O_KEEP_STATE, 1, 1), ...insn(O_ACCEPT, 1, 0)];
  return xadd_rule(rulenum, cmd, 3, STATE_NAME);
}

/** allow udp from any to any in limit src-addr N :default */
function rule_in_limit(rulenum: number, n: number): Uint8Array {
  const cmd = [...insn(O_PROBE_STATE, 1, 1), ...insn(O_PROTO, 1, 17), ...insn(O_IN, 1, 0), ...insn_limit(1, DYN_SRC_ADDR, n), ...insn(O_ACCEPT, 1, 0)];
  return xadd_rule(rulenum, cmd, 5, STATE_NAME);
}

/** A process in jail jid with a UDP socket bound to port. */
class udp {
  readonly p: proc;
  readonly fd: number;
  constructor(
    readonly k: Kernel,
    jid: number,
    port: number,
  ) {
    this.p = k.proc_create(k.cred0, "udp");
    k.sys_jail_attach_proc(this.p, jid);
    this.fd = k.sys_socket(this.p, k.PF_INET, k.SOCK_DGRAM, 0).fd;
    if (k.sys_bind(this.p, this.fd, new k.sockaddr_in(0, port)) !== 0) throw new Error("bind");
  }
  send(to: string, port: number, text: string): void {
    const e = this.k.sys_sendto(this.p, this.fd, new TextEncoder().encode(text), 0, new this.k.sockaddr_in(this.k.inet_aton(to) ?? 0, port)).error;
    if (e !== 0) throw new Error(`sendto ${e}`);
    this.k.kern_advance_ns(10_000_000);
  }
  /** Everything queued on the socket, as text. */
  recv(): string[] {
    const got: string[] = [];
    for (;;) {
      const r = this.k.sys_recvfrom(this.p, this.fd, 1500, 0);
      if (r.error !== 0 || r.data === null) return got;
      got.push(new TextDecoder().decode(r.data));
    }
  }
  close(): void {
    this.k.sys_close(this.p, this.fd);
  }
}

function sysctl(k: Kernel, p: proc, name: string): number {
  const r = k.kernel_sysctlbyname(p.p_ucred, name);
  return typeof r.value === "number" ? r.value : -1;
}

test("keep-state: a default-deny jail gets the replies to what it sent (ping, UDP) and nothing else; states expire on the virtual clock", async (t) => {
  const log: string[] = [];
  const r = await run_steps(TWO_JAILS_IPFW, [
    (k) => {
      const a = new fwctl(k, 1);
      t.is(a.set(rule_allow_all(100)), 0);
      a.close();
      const b = new fwctl(k, 2);
      t.is(b.set(rule_check_state(100)), 0);
      t.is(b.set(rule_out_keep_state(200)), 0);
      b.close();
    },
    // a first: once b has pinged, b's ICMP state (ICMP has no ports) lets
    // a's echo requests in too, for dyn_short_lifetime, as in FreeBSD.
    "jexec a ping -q -c 2 10.0.0.2\njexec b ping -q -c 2 10.0.0.1\n",
    (k) => {
      const ua = new udp(k, 1, 5000);
      const ub = new udp(k, 2, 6000);
      ub.send("10.0.0.1", 5000, "b->a");
      log.push(`a got ${ua.recv().join(",")}`);
      ua.send("10.0.0.2", 6000, "a->b reply");
      log.push(`b got ${ub.recv().join(",")}`);
      // Unsolicited, from another port of a: no state, dropped.
      const ua2 = new udp(k, 1, 5001);
      ua2.send("10.0.0.2", 6000, "a->b new");
      log.push(`b got ${ub.recv().join(",")}`);
      log.push(`dyn_count ${sysctl(k, ub.p, "net.inet.ip.fw.dyn_count")}`);
      // dyn_udp_lifetime (10 s) later the UDP state is gone, and so is
      // what it let in.
      k.kern_advance_ns(12_000_000_000);
      log.push(`after 12s dyn_count ${sysctl(k, ub.p, "net.inet.ip.fw.dyn_count")}`);
      ua.send("10.0.0.2", 6000, "a->b late");
      log.push(`b got ${ub.recv().join(",")}`);
      ua.close();
      ua2.close();
      ub.close();
    },
    "jail -r a\njail -r b\n",
  ]);
  t.is(r.err, "");
  const stats = r.out.split("\n").filter((l) => l.includes("packets transmitted"));
  t.deepEqual(stats, ["2 packets transmitted, 0 packets received, 100.0% packet loss", "2 packets transmitted, 2 packets received, 0.0% packet loss"]);
  t.deepEqual(log, ["a got b->a", "b got a->b reply", "b got ", "dyn_count 2", "after 12s dyn_count 0", "b got "]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("dyn_udp_lifetime and the states in IP_FW_XGET (ipfw -d list): rule number, 5-tuple, type, expiry; an idle vnet has no callout", async (t) => {
  const r = await run_steps(TWO_JAILS_IPFW, [
    (k) => {
      const a = new fwctl(k, 1);
      t.is(a.set(rule_allow_all(100)), 0);
      a.close();
      const b = new fwctl(k, 2);
      t.is(b.set(rule_check_state(100)), 0);
      t.is(b.set(rule_out_keep_state(200)), 0);
      t.is(k.kernel_sysctlbyname(b.p.p_ucred, "net.inet.ip.fw.dyn_udp_lifetime", 3).error, 0);
      const ub = new udp(k, 2, 6000);
      ub.send("10.0.0.1", 5000, "x");
      // [ ipfw_cfg_lheader ] -> [ ipfw_cfg_lheader, rules ctlv, states ctlv ]
      const req = new Uint8Array(8192);
      op3(req, 0, IP_FW_XGET);
      const d = new DataView(req.buffer);
      d.setUint32(16, IPFW_CFG_GET_STATIC | IPFW_CFG_GET_STATES, true);
      const g = b.get(req);
      t.is(g.error, 0);
      // Find the states' container by its type.
      let off = SZ_CFG_LHEADER;
      let found = -1;
      while (off + 16 <= req.length) {
        const type = d.getUint16(off, true);
        if (type === IPFW_TLV_DYNSTATE_LIST) {
          found = off;
          break;
        }
        const len = d.getUint32(off + 4, true);
        if (type === 0 || len === 0) break;
        off += len;
      }
      t.true(found > 0, "a states list");
      const e = found + 16;
      t.is(d.getUint16(e, true), IPFW_TLV_DYN_ENT);
      t.is(d.getUint32(e + 4, true), 8 + SZ_DYN_RULE);
      const s = e + 8;
      t.is(d.getUint16(s + 8, true), 200, "rule number in the rule pointer's low bits");
      t.is(d.getUint32(s + 40, true), 0x0a000001, "id.dst_ip (host order)");
      t.is(d.getUint32(s + 44, true), 0x0a000002, "id.src_ip");
      t.is(d.getUint16(s + 48, true), 5000, "id.dst_port");
      t.is(d.getUint16(s + 50, true), 6000, "id.src_port");
      t.is(req[s + 53], 17, "id.proto");
      t.is(req[s + 55], 4, "id.addr_type");
      t.is(d.getUint32(s + 96, true), 3, "expire: seconds left (dyn_udp_lifetime)");
      t.is(d.getUint16(s + 116, true), O_KEEP_STATE, "dyn_type");
      t.is(d.getUint32(s + 24, true), 1, "pcnt");
      t.is(d.getUint16(e + 2, true) & 1, 1, "IPFW_DF_LAST on the last one");
      const st = k.ip_fw_dynamic.ipfw_dyn_counts;
      const before = k.vnet_run(k.prison_find(2)?.pr_vnet ?? k.vnet0, "t", () => st());
      t.deepEqual(before, { states: 1, parents: 0, pending: true });
      k.kern_advance_ns(5_000_000_000);
      const after = k.vnet_run(k.prison_find(2)?.pr_vnet ?? k.vnet0, "t", () => st());
      t.deepEqual(after, { states: 0, parents: 0, pending: false }, "expired after 3 s, and dyn_tick stopped");
      ub.close();
      b.close();
    },
    "jail -r a\njail -r b\n",
  ]);
  t.is(r.err, "");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("limit src-addr 2: the third flow from one address is refused, the first two go on", async (t) => {
  const log: string[] = [];
  const r = await run_steps(TWO_JAILS_IPFW, [
    (k) => {
      const a = new fwctl(k, 1);
      t.is(a.set(rule_allow_all(100)), 0);
      a.close();
      const b = new fwctl(k, 2);
      t.is(b.set(rule_check_state(100)), 0);
      t.is(b.set(rule_in_limit(200, 2)), 0);
      // b answers out of its states only: no rule lets anything else out.
      b.close();
      const ub = new udp(k, 2, 7000);
      const flows = [new udp(k, 1, 4001), new udp(k, 1, 4002), new udp(k, 1, 4003)];
      flows.forEach((f, i) => f.send("10.0.0.2", 7000, `flow${i + 1}`));
      log.push(`b got ${ub.recv().join(",")}`);
      flows.forEach((f, i) => f.send("10.0.0.2", 7000, `again${i + 1}`));
      log.push(`b got ${ub.recv().join(",")}`);
      log.push(`dyn_count ${sysctl(k, ub.p, "net.inet.ip.fw.dyn_count")} parents ${sysctl(k, ub.p, "net.inet.ip.fw.dyn_parent_count")}`);
      // Deleting the rule takes its states (and the limit's parent) with it:
      // IP_FW_XDEL with an ipfw_range_tlv for rule 200.
      const del = new Uint8Array(32);
      op3(del, 0, IP_FW_XDEL);
      const dd = new DataView(del.buffer);
      dd.setUint16(8, 9, true); // IPFW_TLV_RANGE
      dd.setUint32(12, 24, true);
      dd.setUint32(16, 1, true); // IPFW_RCFLAG_RANGE
      dd.setUint16(20, 200, true);
      dd.setUint16(22, 200, true);
      const bc = new fwctl(k, 2);
      t.is(bc.get(del).error, 0);
      bc.close();
      log.push(`rule deleted: dyn_count ${sysctl(k, ub.p, "net.inet.ip.fw.dyn_count")} parents ${sysctl(k, ub.p, "net.inet.ip.fw.dyn_parent_count")}`);
      flows[0].send("10.0.0.2", 7000, "after");
      log.push(`b got ${ub.recv().join(",")}`);
      for (const f of flows) f.close();
      ub.close();
    },
    "jail -r a\njail -r b\n",
  ]);
  t.is(r.err, "");
  t.deepEqual(log, ["b got flow1,flow2", "b got again1,again2", "dyn_count 2 parents 1", "rule deleted: dyn_count 0 parents 0", "b got "]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("TCP: the state follows the handshake to dyn_ack_lifetime; keepalives keep an idle connection's state, without them it expires", async (t) => {
  const log: string[] = [];
  // ipfw's keepalives carry no timestamp option; FreeBSD 14's TCP drops such
  // segments on a connection with timestamps unless told to tolerate them.
  const r = await run_steps(TWO_JAILS_IPFW + "jexec a sysctl net.inet.tcp.tolerate_missing_ts=1 >/dev/null\n", [
    (k) => {
      const a = new fwctl(k, 1);
      t.is(a.set(rule_allow_all(100)), 0);
      a.close();
      const b = new fwctl(k, 2);
      t.is(b.set(rule_check_state(100)), 0);
      t.is(b.set(rule_out_keep_state(200)), 0);
      const pa = k.proc_create(k.cred0, "srv");
      const pb = k.proc_create(k.cred0, "cli");
      k.sys_jail_attach_proc(pa, 1);
      k.sys_jail_attach_proc(pb, 2);
      const vb = k.prison_find(2)?.pr_vnet ?? k.vnet0;
      const counts = (): string => {
        const c = k.vnet_run(vb, "t", () => k.ip_fw_dynamic.ipfw_dyn_counts());
        return `${c.states}`;
      };
      const conn = (port: number): number[] => {
        const l = k.sys_socket(pa, k.PF_INET, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0).fd;
        k.sys_bind(pa, l, new k.sockaddr_in(0, port));
        k.sys_listen(pa, l, 4);
        const c = k.sys_socket(pb, k.PF_INET, k.SOCK_STREAM | k.SOCK_NONBLOCK, 0).fd;
        k.sys_connect(pb, c, new k.sockaddr_in(0x0a000001, port));
        k.kern_advance_ns(50_000_000);
        const s = k.sys_accept(pa, l);
        log.push(`accept ${s.error}`);
        return [l, s.fd, c];
      };
      // Keepalives on (the default): still there long after dyn_ack_lifetime.
      const one = conn(8001);
      log.push(`established: states ${counts()}`);

      k.kern_advance_ns(400_000_000_000);
      log.push(`400 s idle, keepalives: states ${counts()}`);
      k.sys_close(pa, one[1]);
      k.sys_close(pb, one[2]);
      k.sys_close(pa, one[0]);
      k.kern_advance_ns(5_000_000_000);
      log.push(`closed: states ${counts()}`);
      // Keepalives off: dyn_ack_lifetime (300 s) after the last segment.
      t.is(k.kernel_sysctlbyname(b.p.p_ucred, "net.inet.ip.fw.dyn_keepalive", 0).error, 0);
      const two = conn(8002);
      k.kern_advance_ns(310_000_000_000);
      log.push(`310 s idle, no keepalives: states ${counts()}`);
      k.sys_close(pb, two[2]);
      k.sys_close(pa, two[1]);
      k.sys_close(pa, two[0]);
      b.close();
    },
    "jail -r a\njail -r b\n",
  ]);
  t.is(r.err, "");
  t.deepEqual(log, ["accept 0", "established: states 1", "400 s idle, keepalives: states 1", "closed: states 0", "accept 0", "310 s idle, no keepalives: states 0"]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
