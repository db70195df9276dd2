// netpfil/ipfw/ip_fw_table.ts, ip_fw_table_algo.ts, ip_fw_table_value.ts:
// tables through the IP_FW3 sockopts in FreeBSD's layout, longest-prefix
// match for IPv4 and IPv6, a rule that looks a table up, the entry codec.
import test from "ava";
import fc from "fast-check";
import { loadKernel } from "../../helpers/builds.ts";
import {
  AF_INET,
  AF_INET6,
  IPFW_TABLE_ADDR,
  IPFW_TABLE_NUMBER,
  IPFW_TLV_TBL_NAME,
  IPFW_TR_ADDED,
  IPFW_TR_DELETED,
  IPFW_TR_EXISTS,
  IPFW_TR_NOTFOUND,
  IP_FW_TABLES_ALIST,
  IP_FW_TABLES_XLIST,
  IP_FW_TABLE_XADD,
  IP_FW_TABLE_XDEL,
  IP_FW_TABLE_XDESTROY,
  IP_FW_TABLE_XFIND,
  IP_FW_TABLE_XFLUSH,
  IP_FW_TABLE_XINFO,
  IP_FW_TABLE_XLIST,
  O_DENY,
  O_IN,
  O_IP_SRC_LOOKUP,
  SZ_LHEADER,
  SZ_OBJ_HEADER,
  SZ_TA_INFO,
  SZ_TENTRY,
  SZ_XTABLE_INFO,
  TWO_JAILS_IPFW,
  fmt_key,
  fwctl,
  insn,
  objheader,
  op3,
  read_tentries,
  rule_allow_all,
  run_steps,
  v4,
  v6,
  xadd_rule,
  xcreate,
  xentries,
  type tent,
} from "./ipfw_abi.ts";

const ESRCH = 3;
const EEXIST = 17;
const ENOENT = 2;

function cstr(b: Uint8Array, off: number, n: number): string {
  let s = "";
  for (let i = 0; i < n && b[off + i] !== 0; i++) s += String.fromCharCode(b[off + i]);
  return s;
}

/** IP_FW_TABLE_XLIST v1: info, then the entries. */
function xlist(c: fwctl, name: string): { error: number; count: number; ents: tent[] } {
  const b = objheader(IP_FW_TABLE_XLIST, name, SZ_XTABLE_INFO + 16 * SZ_TENTRY, 1);
  const r = c.get(b);
  const d = new DataView(b.buffer);
  const count = d.getUint32(SZ_OBJ_HEADER + 28, true);
  return { error: r.error, count, ents: r.error === 0 ? read_tentries(b, SZ_OBJ_HEADER + SZ_XTABLE_INFO, count) : [] };
}

/** IP_FW_TABLE_XFIND for one key. */
function xfind(c: fwctl, name: string, type: number, e: tent): { error: number; ent: tent | null } {
  const b = objheader(IP_FW_TABLE_XFIND, name, SZ_TENTRY, 0, type);
  const o = SZ_OBJ_HEADER;
  const d = new DataView(b.buffer);
  d.setUint32(o + 4, SZ_TENTRY, true);
  d.setUint16(o + 12, 1, true);
  b[o + 8] = e.subtype;
  b[o + 9] = e.masklen;
  b.set(e.key, o + 16);
  const r = c.get(b);
  return { error: r.error, ent: r.error === 0 ? read_tentries(b, o, 1)[0] : null };
}

test("tables: create, add, list, find (longest prefix, IPv4 and IPv6), delete, info, list of tables and algorithms", async (t) => {
  let summary = "";
  const r = await run_steps(TWO_JAILS_IPFW, [
    (k) => {
      const c = new fwctl(k, 2);
      t.is(c.set(xcreate("nets", IPFW_TABLE_ADDR, 0x20 /* IPFW_VTYPE_TAG */)), 0);
      t.is(c.set(xcreate("nets", IPFW_TABLE_ADDR)), EEXIST, "a second create of the name");
      const ents: tent[] = [
        { subtype: AF_INET, masklen: 8, key: v4("10.0.0.0"), tag: 1 },
        { subtype: AF_INET, masklen: 16, key: v4("10.1.0.0"), tag: 2 },
        { subtype: AF_INET, masklen: 32, key: v4("10.1.2.3"), tag: 3 },
        { subtype: AF_INET6, masklen: 32, key: v6("2001:db8::"), tag: 4 },
        { subtype: AF_INET6, masklen: 48, key: v6("2001:db8:1::"), tag: 5 },
      ];
      const add = xentries(IP_FW_TABLE_XADD, "nets", IPFW_TABLE_ADDR, ents);
      t.is(c.get(add).error, 0);
      t.deepEqual(
        read_tentries(add, SZ_OBJ_HEADER + 16, ents.length).map((e) => e.result),
        ents.map(() => IPFW_TR_ADDED),
      );
      // The same prefix again: EEXIST, and the entry says why.
      const dup = xentries(IP_FW_TABLE_XADD, "nets", IPFW_TABLE_ADDR, [{ subtype: AF_INET, masklen: 16, key: v4("10.1.77.7"), tag: 9 }]);
      t.is(c.get(dup).error, EEXIST);
      t.is(read_tentries(dup, SZ_OBJ_HEADER + 16, 1)[0].result, IPFW_TR_EXISTS);

      const l = xlist(c, "nets");
      t.is(l.error, 0);
      t.is(l.count, 5);
      t.deepEqual(
        l.ents.map((e) => `${fmt_key(e)} ${e.tag}`),
        ["10.0.0.0/8 1", "10.1.0.0/16 2", "10.1.2.3/32 3", "2001:db8:0:0:0:0:0:0/32 4", "2001:db8:1:0:0:0:0:0/48 5"],
      );

      const find = (key: Uint8Array, sub = AF_INET): string => {
        const f = xfind(c, "nets", IPFW_TABLE_ADDR, { subtype: sub, masklen: sub === AF_INET ? 32 : 128, key });
        return f.ent === null ? `error ${f.error}` : `${fmt_key(f.ent)} ${f.ent.tag}`;
      };
      t.is(find(v4("10.1.2.3")), "10.1.2.3/32 3");
      t.is(find(v4("10.1.9.9")), "10.1.0.0/16 2");
      t.is(find(v4("10.200.0.1")), "10.0.0.0/8 1");
      t.is(find(v4("192.168.0.1")), `error ${ENOENT}`);
      t.is(find(v6("2001:db8:1::5"), AF_INET6), "2001:db8:1:0:0:0:0:0/48 5");
      t.is(find(v6("2001:db8:2::5"), AF_INET6), "2001:db8:0:0:0:0:0:0/32 4");
      t.is(find(v6("2001:db9::1"), AF_INET6), `error ${ENOENT}`);

      const del = xentries(IP_FW_TABLE_XDEL, "nets", IPFW_TABLE_ADDR, [
        { subtype: AF_INET, masklen: 16, key: v4("10.1.0.0") },
        { subtype: AF_INET, masklen: 24, key: v4("10.9.9.0") },
      ]);
      t.is(c.get(del).error, ENOENT, "the first error of the batch");
      t.deepEqual(
        read_tentries(del, SZ_OBJ_HEADER + 16, 2).map((e) => e.result),
        [IPFW_TR_DELETED, IPFW_TR_NOTFOUND],
      );
      t.is(find(v4("10.1.9.9")), "10.0.0.0/8 1", "the /16 is gone: the /8 matches");

      const info = objheader(IP_FW_TABLE_XINFO, "nets", SZ_XTABLE_INFO);
      t.is(c.get(info).error, 0);
      const i = SZ_OBJ_HEADER;
      const di = new DataView(info.buffer);
      t.is(info[i], IPFW_TABLE_ADDR);
      t.is(di.getUint32(i + 28, true), 4, "count");
      t.is(di.getUint32(i + 32, true), 4 * SZ_TENTRY + SZ_OBJ_HEADER + SZ_XTABLE_INFO, "size of a dump");
      t.is(di.getUint32(i + 12, true), 0x20, "vmask");
      t.is(cstr(info, i + 40, 64), "nets");
      t.is(cstr(info, i + 104, 64), "addr:radix");

      t.is(c.set(xcreate("ports", IPFW_TABLE_NUMBER)), 0);
      const np = xentries(IP_FW_TABLE_XADD, "ports", IPFW_TABLE_NUMBER, [
        { subtype: 0, masklen: 0, key: Uint8Array.of(0x50, 0, 0, 0), tag: 7 },
        { subtype: 0, masklen: 0, key: Uint8Array.of(0x16, 0, 0, 0), tag: 8 },
      ]);
      t.is(c.get(np).error, 0);
      const lp = xlist(c, "ports");
      t.deepEqual(
        lp.ents.map((e) => new DataView(e.key.buffer).getUint32(0, true)),
        [22, 80],
        "number:array keeps its keys sorted",
      );

      const lh = new Uint8Array(SZ_LHEADER + 4 * SZ_XTABLE_INFO);
      op3(lh, 0, IP_FW_TABLES_XLIST);
      new DataView(lh.buffer).setUint32(16, lh.length, true);
      t.is(c.get(lh).error, 0);
      const dl = new DataView(lh.buffer);
      const ntab = dl.getUint32(12, true);
      const names: string[] = [];
      for (let j = 0; j < ntab; j++) names.push(cstr(lh, SZ_LHEADER + j * SZ_XTABLE_INFO + 40, 64));
      t.deepEqual(names.sort(), ["nets", "ports"]);

      const al = new Uint8Array(SZ_LHEADER + 8 * SZ_TA_INFO);
      op3(al, 0, IP_FW_TABLES_ALIST);
      new DataView(al.buffer).setUint32(16, al.length, true);
      t.is(c.get(al).error, 0);
      const nalg = new DataView(al.buffer).getUint32(12, true);
      const algos: string[] = [];
      for (let j = 0; j < nalg; j++) algos.push(cstr(al, SZ_LHEADER + j * SZ_TA_INFO, 64));
      t.deepEqual(algos, ["addr:radix", "addr:hash", "iface:array", "number:array", "flow:hash", "addr:kfib", "mac:radix"]);

      // An interface table: its names are tracked (IP_FW_XIFLIST), resolved
      // while the interface exists in the jail.
      t.is(c.set(xcreate("ifs", 2 /* IPFW_TABLE_INTERFACE */)), 0);
      const nm = (n: string): Uint8Array => Uint8Array.from([...n].map((ch) => ch.charCodeAt(0)));
      t.is(c.get(xentries(IP_FW_TABLE_XADD, "ifs", 2, [{ subtype: 0, masklen: 0, key: nm("epair0b") }, { subtype: 0, masklen: 0, key: nm("tun9") }])).error, 0);
      const ifl = (): string[] => {
        const b = new Uint8Array(SZ_LHEADER + 4 * 88);
        op3(b, 0, 107 /* IP_FW_XIFLIST */);
        new DataView(b.buffer).setUint32(16, b.length, true);
        t.is(c.get(b).error, 0);
        const d = new DataView(b.buffer);
        const n = d.getUint32(12, true);
        const out: string[] = [];
        for (let j = 0; j < n; j++) {
          const o = SZ_LHEADER + j * 88;
          out.push(`${cstr(b, o, 64)} idx ${d.getUint32(o + 64, true) > 0 ? "set" : 0} flags ${d.getUint32(o + 68, true)} refs ${d.getUint32(o + 72, true)}`);
        }
        return out.sort();
      };
      t.deepEqual(ifl(), ["epair0b idx set flags 1 refs 1", "tun9 idx 0 flags 0 refs 1"]);
      t.is(c.get(xentries(IP_FW_TABLE_XDEL, "ifs", 2, [{ subtype: 0, masklen: 0, key: nm("tun9") }])).error, 0);
      t.deepEqual(ifl(), ["epair0b idx set flags 1 refs 1"]);
      t.is(c.set(objheader(IP_FW_TABLE_XDESTROY, "ifs", 0)), 0);
      t.deepEqual(ifl(), []);

      t.is(c.set(objheader(IP_FW_TABLE_XFLUSH, "nets", 0)), 0);
      t.is(xlist(c, "nets").count, 0, "flushed");
      t.is(c.set(objheader(IP_FW_TABLE_XDESTROY, "nets", 0)), 0);
      t.is(c.set(objheader(IP_FW_TABLE_XDESTROY, "nets", 0)), ESRCH);
      t.is(xlist(c, "nets").error, ESRCH);
      c.close();
      summary = "ok";
    },
    "jail -r a\njail -r b\n",
  ]);
  t.is(r.err, "");
  t.is(summary, "ok");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("tables: a rule denying sources found in a table (O_IP_SRC_LOOKUP) drops them until the entry goes", async (t) => {
  const r = await run_steps(TWO_JAILS_IPFW, [
    (k) => {
      const a = new fwctl(k, 1);
      t.is(a.set(rule_allow_all(100)), 0);
      a.close();
      const b = new fwctl(k, 2);
      t.is(b.set(xcreate("bad", IPFW_TABLE_ADDR)), 0);
      t.is(b.get(xentries(IP_FW_TABLE_XADD, "bad", IPFW_TABLE_ADDR, [{ subtype: AF_INET, masklen: 32, key: v4("10.0.0.1") }])).error, 0);
      // deny ip from table(bad) to any in; allow ip from any to any
      const cmd = [...insn(O_IP_SRC_LOOKUP, 1, 1), ...insn(O_IN, 1, 0), ...insn(O_DENY, 1, 0)];
      t.is(b.set(xadd_rule(100, cmd, 2, [{ type: IPFW_TLV_TBL_NAME, idx: 1, name: "bad" }])), 0);
      t.is(b.set(rule_allow_all(200)), 0);
      b.close();
    },
    "jexec a ping -q -c 2 10.0.0.2\n",
    (k) => {
      const b = new fwctl(k, 2);
      t.is(b.get(xentries(IP_FW_TABLE_XDEL, "bad", IPFW_TABLE_ADDR, [{ subtype: AF_INET, masklen: 32, key: v4("10.0.0.1") }])).error, 0);
      b.close();
    },
    "jexec a ping -q -c 2 10.0.0.2\njail -r a\njail -r b\n",
  ]);
  t.is(r.err, "");
  const stats = r.out.split("\n").filter((l) => l.includes("packets transmitted"));
  t.deepEqual(stats, ["2 packets transmitted, 0 packets received, 100.0% packet loss", "2 packets transmitted, 2 packets received, 0.0% packet loss"]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ipfw_obj_tentry codec: what is encoded decodes to the same key, for every table type", async (t) => {
  const k = await loadKernel("vimage");
  const T = k.ip_fw_table;
  const arb = fc.oneof(
    fc.record({ type: fc.constant(1), sub: fc.constant(AF_INET), ml: fc.integer({ min: 0, max: 32 }), a: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
    fc.record({ type: fc.constant(1), sub: fc.constant(AF_INET6), ml: fc.integer({ min: 0, max: 128 }), a: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
    fc.record({ type: fc.constant(3), sub: fc.constant(0), ml: fc.constant(0), a: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
    fc.record({ type: fc.constant(2), sub: fc.constant(0), ml: fc.constant(128), a: fc.uint8Array({ minLength: 1, maxLength: 15 }).map((u) => u.map((x) => 0x61 + (x % 26))) }),
    fc.record({ type: fc.constant(4), sub: fc.constantFrom(AF_INET, AF_INET6), ml: fc.constant(0), a: fc.uint8Array({ minLength: 38, maxLength: 38 }) }),
  );
  fc.assert(
    fc.property(arb, ({ type, sub, ml, a }) => {
      const buf = new Uint8Array(SZ_TENTRY);
      const dv = new DataView(buf.buffer);
      const e = new T.tentry_info();
      e.subtype = sub;
      e.masklen = ml;
      if (type === 1 && sub === AF_INET) e.key4 = new DataView(a.buffer).getUint32(0);
      else if (type === 1) e.key6.set(a);
      else if (type === 3) e.key4 = new DataView(a.buffer).getUint32(0, true);
      else if (type === 2) e.iface = String.fromCharCode(...a);
      else {
        e.flow.af = sub;
        e.flow.proto = a[0];
        e.flow.sport = a[1] | (a[2] << 8);
        e.flow.dport = a[3] | (a[4] << 8);
        e.flow.sip.set(a.subarray(6, sub === AF_INET ? 10 : 22));
        e.flow.dip.set(a.subarray(22, sub === AF_INET ? 26 : 38));
      }
      T.ipfw_obj_tentry_encode_key(dv, 0, type, e);
      const back = new T.tentry_info();
      T.ipfw_obj_tentry_decode(dv, 0, type, back);
      const again = new Uint8Array(SZ_TENTRY);
      T.ipfw_obj_tentry_encode_key(new DataView(again.buffer), 0, type, back);
      // Byte-identical re-encoding, and the fields themselves.
      if (!buf.every((x, i) => x === again[i])) return false;
      if (back.subtype !== sub || back.masklen !== ml) return false;
      if (type === 1 && sub === AF_INET && back.key4 !== e.key4) return false;
      if (type === 1 && sub === AF_INET6 && !back.key6.every((x, i) => x === a[i])) return false;
      if (type === 3 && back.key4 !== e.key4 >>> 0) return false;
      if (type === 2 && back.iface !== e.iface) return false;
      if (type === 4 && (back.flow.sport !== e.flow.sport || back.flow.dport !== e.flow.dport || back.flow.proto !== e.flow.proto)) return false;
      // The key sits where ip_fw.h puts it: k at 16.
      if (type === 1 && !buf.subarray(16, 16 + (sub === AF_INET ? 4 : 16)).every((x, i) => x === a[i])) return false;
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
