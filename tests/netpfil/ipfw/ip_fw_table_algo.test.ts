// netpfil/ipfw/ip_fw_table_algo.ts: the table algorithms on their own,
// against a model of what each should hold, and through ipfw(8) with
// packets matched by rules that look the tables up.
import test from "ava";
import fc from "fast-check";
import { loadKernel, type Kernel } from "../../helpers/builds.ts";
import { TWO_JAILS, run_script } from "../../sbin/prog_helpers.ts";

const EINVAL = 22;
const EEXIST = 17;
const ENOENT = 2;
const AF_INET = 2;
const AF_INET6 = 28;
const AF_LINK = 18;

type algo = ReturnType<Kernel["ip_fw_table_algo"]["ipfw_table_algos"]>[number];

function find_algo(k: Kernel, name: string): algo {
  const a = k.ip_fw_table_algo.ipfw_table_algos().find((x) => x.name === name);
  if (a === undefined) throw new Error(`no algorithm ${name}`);
  return a;
}

/** Run body in jail a of TWO_JAILS (first `pre`), ipfw loaded and both
 *  jails passing everything; the jails go at the end.  Nothing may come on
 *  stderr and no mbuf may stay out; what it printed is returned. */
async function in_jails(t: import("ava").ExecutionContext, pre: string, body: string): Promise<string> {
  const r = await run_script(`${TWO_JAILS}${pre}kldload ipfw
jexec b ipfw add 65000 allow ip from any to any >/dev/null
jexec a ipfw add 65000 allow ip from any to any >/dev/null
${body}jail -r a
jail -r b
`);
  t.is(r.err, "");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  return r.out;
}

const CREATE_ENOMEM = "ipfw: Table creation failed: Cannot allocate memory\nstatus 71\n";

/** The model's key: the address cut to mlen bits, as hex. */
function cut(a: Uint8Array, mlen: number): string {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const bits = Math.max(0, Math.min(8, mlen - 8 * i));
    out[i] = a[i] & ((0xff00 >> bits) & 0xff);
  }
  return Buffer.from(out).toString("hex");
}

/**
 * One add ("add"), add-or-update ("upd") or delete ("del") of tei (its value
 * the one to store) on algorithm a, checked against model (key mk -> value):
 * a new key is added (one entry), a present one is EEXIST without
 * TEI_FLAGS_UPDATE and otherwise takes the value and hands the old one
 * back; a delete gives the old value, or ENOENT.  The model follows.
 */
function model_step(k: Kernel, a: algo, st: object, tei: InstanceType<Kernel["ip_fw_table"]["tentry_info"]>, kind: string, model: Map<string, number>, mk: string): boolean {
  const T = k.ip_fw_table;
  const value = tei.value;
  const pnum = { v: 0 };
  const had = model.get(mk);
  if (kind === "del") {
    if (a.prepare_del(tei) !== 0) return false;
    const err = a.del(st, tei, pnum);
    if (had === undefined ? err !== ENOENT : err !== 0 || tei.value !== had || pnum.v !== 1) return false;
    model.delete(mk);
    return true;
  }
  if (kind === "upd") tei.flags = T.TEI_FLAGS_UPDATE;
  if (a.prepare_add(tei) !== 0) return false;
  const err = a.add(st, tei, pnum);
  if (had === undefined) {
    if (err !== 0 || pnum.v !== 1) return false;
  } else if (kind === "add") {
    return err === EEXIST;
  } else if (err !== 0 || pnum.v !== 0 || tei.value !== had || (tei.flags & T.TEI_FLAGS_UPDATED) === 0) return false;
  model.set(mk, value);
  return true;
}

test("addr:hash registers after addr:radix, then addr:kfib and mac:radix last, as ipfw_table_algo_init does", async (t) => {
  const k = await loadKernel("vimage");
  t.deepEqual(
    k.ip_fw_table_algo.ipfw_table_algos().map((a) => a.name),
    ["addr:radix", "addr:hash", "iface:array", "number:array", "flow:hash", "addr:kfib", "mac:radix"],
  );
});

test("addr:hash masks= parsing: what ta_init_chash accepts, refuses and prints back", async (t) => {
  const k = await loadKernel("vimage");
  const a = find_algo(k, "addr:hash");
  const T = k.ip_fw_table;
  const cases: [string | null, number | string][] = [
    [null, "addr:hash"],
    ["addr:hash", "addr:hash"],
    ["addr:hash masks=/24", "addr:hash masks=/24,/128"],
    ["addr:hash masks=/24,/64", "addr:hash masks=/24,/64"],
    ["addr:hash   masks=/32,/128", "addr:hash"],
    ["addr:hash masks=/0,/0", "addr:hash masks=/0,/0"],
    ["addr:hash masks=/16,/56 extra", "addr:hash masks=/16,/56"],
    ["addr:hash masks=/33", EINVAL],
    ["addr:hash masks=/24,/129", EINVAL],
    ["addr:hash masks=24", EINVAL],
    ["addr:hash masks=/24,64", EINVAL],
    ["addr:hash masks=/24x", EINVAL],
    ["addr:hash sizes=4", EINVAL],
  ];
  for (const [data, want] of cases) {
    const ti = new T.table_info();
    const st = a.init(ti, 0, data);
    if (typeof want === "number") t.is(st, want, `${data}`);
    else {
      t.not(typeof st, "number", `${data}`);
      t.is(a.print_config?.(st as object, ti), want, `${data}`);
    }
  }
});

test("addr:hash against a model: add, update, delete, lookup, find, dump, for every mask kind", async (t) => {
  const k = await loadKernel("vimage");
  const a = find_algo(k, "addr:hash");
  const T = k.ip_fw_table;
  const op = fc.record({
    kind: fc.constantFrom("add", "upd", "del", "look"),
    v6: fc.boolean(),
    // A small address space so that keys collide after masking.
    a: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((u) => u.map((x, i) => (i % 5 === 0 ? x : x & 3))),
    value: fc.integer({ min: 0, max: 1000 }),
  });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 32 }), fc.constantFrom(128, 64, 56, 100, 127, 0), fc.array(op, { maxLength: 400 }), (m4, m6, ops) => {
      const ti = new T.table_info();
      const st = a.init(ti, 0, `addr:hash masks=/${m4},/${m6}`);
      if (typeof st === "number") return false;
      const model = new Map<string, number>();
      for (const o of ops) {
        const key = o.v6 ? o.a : o.a.subarray(0, 4);
        const ml = o.v6 ? m6 : m4;
        const mk = `${o.v6 ? 6 : 4}/${cut(key, ml)}`;
        const tei = new T.tentry_info();
        tei.subtype = o.v6 ? AF_INET6 : AF_INET;
        tei.masklen = ml;
        if (o.v6) tei.key6.set(key);
        else tei.key4 = new DataView(key.buffer, key.byteOffset, 4).getUint32(0);
        tei.value = o.value;
        if (o.kind !== "look") {
          if (!model_step(k, a, st, tei, o.kind, model, mk)) return false;
        } else {
          const got = o.v6 ? (ti.lookup as NonNullable<typeof ti.lookup>)(ti, 16, 0, key, null, null) : (ti.lookup as NonNullable<typeof ti.lookup>)(ti, 4, tei.key4, null, null, null);
          if (got !== (model.get(mk) ?? -1)) return false;
          const tent = new T.tentry_info();
          tent.subtype = tei.subtype;
          tent.key4 = tei.key4;
          tent.key6.set(tei.key6);
          const f = a.find_tentry(st, ti, tent);
          if (model.has(mk) ? f !== 0 || tent.value !== model.get(mk) || tent.masklen !== ml : f !== ENOENT) return false;
        }
        // A masklen other than the table's is refused.
        if (o.kind === "add" && ml > 0) {
          const bad = new T.tentry_info();
          bad.subtype = tei.subtype;
          bad.masklen = ml - 1;
          bad.key4 = tei.key4;
          bad.key6.set(tei.key6);
          if (a.add(st, bad, { v: 0 }) !== EINVAL) return false;
        }
      }
      // The dump holds exactly the model, each key back in its place.
      const dumped = new Map<string, number>();
      a.foreach(st, (e) => {
        const tent = new T.tentry_info();
        a.dump_tentry(st, e, tent);
        const v6 = tent.subtype === AF_INET6;
        const b = new Uint8Array(4);
        new DataView(b.buffer).setUint32(0, tent.key4);
        dumped.set(`${v6 ? 6 : 4}/${v6 ? Buffer.from(tent.key6).toString("hex") : Buffer.from(b).toString("hex")}`, tent.value);
        return 0;
      });
      if (a.count(st) !== model.size) return false;
      return JSON.stringify([...dumped].sort()) === JSON.stringify([...model].sort());
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test("mac:radix against a model: prefixes of every length added, updated, deleted; longest match for lookups and finds; the dump in address order", async (t) => {
  const k = await loadKernel("vimage");
  const a = find_algo(k, "mac:radix");
  const T = k.ip_fw_table;
  t.is(a.type, 5);
  const op = fc.record({
    kind: fc.constantFrom("add", "upd", "del", "look", "look"),
    // Few distinct addresses, so that prefixes nest and collide.
    mac: fc.uint8Array({ minLength: 6, maxLength: 6 }).map((u) => u.map((x, i) => (i === 0 ? x & 0x83 : i === 5 ? x : x & 1))),
    mlen: fc.oneof(fc.integer({ min: 0, max: 48 }), fc.constantFrom(0, 8, 24, 47, 48)),
    value: fc.integer({ min: 0, max: 1000 }),
  });
  const lookup = (ti: InstanceType<typeof T.table_info>, mac: Uint8Array): number => (ti.lookup as NonNullable<typeof ti.lookup>)(ti, 6, 0, mac, null, null);
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const ti = new T.table_info();
      const st = a.init(ti, 0, null);
      if (typeof st === "number") return false;
      // "mlen/masked address" -> value
      const model = new Map<string, number>();
      const best = (mac: Uint8Array): [number, number] | null => {
        for (let l = 48; l >= 0; l--) {
          const v = model.get(`${l}/${cut(mac, l)}`);
          if (v !== undefined) return [l, v];
        }
        return null;
      };
      for (const o of ops) {
        const mk = `${o.mlen}/${cut(o.mac, o.mlen)}`;
        const tei = new T.tentry_info();
        tei.subtype = AF_LINK;
        tei.masklen = o.mlen;
        tei.mac.set(o.mac);
        tei.value = o.value;
        if (o.kind !== "look") {
          if (!model_step(k, a, st, tei, o.kind, model, mk)) return false;
        } else {
          const want = best(o.mac);
          if (lookup(ti, o.mac) !== (want === null ? -1 : want[1])) return false;
          // Only a six-byte key is looked up.
          if ((ti.lookup as NonNullable<typeof ti.lookup>)(ti, 4, 0, o.mac, null, null) !== -1) return false;
          const tent = new T.tentry_info();
          tent.subtype = AF_LINK;
          tent.mac.set(o.mac);
          const f = a.find_tentry(st, ti, tent);
          if (want === null) {
            if (f !== ENOENT) return false;
          } else if (f !== 0 || tent.masklen !== want[0] || tent.value !== want[1] || Buffer.from(tent.mac).toString("hex") !== cut(o.mac, want[0]) || tent.subtype !== AF_LINK) return false;
        }
      }
      // The dump: each entry once, its address already cut to its mask,
      // ascending by address and the longer prefix first on a tie.
      const dumped: [string, number, number][] = [];
      a.foreach(st, (e) => {
        const tent = new T.tentry_info();
        a.dump_tentry(st, e, tent);
        if (tent.subtype !== AF_LINK) throw new Error("dumped without AF_LINK");
        dumped.push([Buffer.from(tent.mac).toString("hex"), tent.masklen, tent.value]);
        return 0;
      });
      if (a.count(st) !== model.size || dumped.length !== model.size) return false;
      for (const [hex, l, v] of dumped) if (model.get(`${l}/${hex}`) !== v || cut(Buffer.from(hex, "hex"), l) !== hex) return false;
      for (let i = 1; i < dumped.length; i++) {
        const [p, q] = [dumped[i - 1], dumped[i]];
        if (p[0] > q[0] || (p[0] === q[0] && p[1] <= q[1])) return false;
      }
      const tinfo = new T.ipfw_ta_tinfo();
      a.dump_tinfo(st, tinfo);
      return tinfo.count4 === model.size && tinfo.taclass4 === 3 && tinfo.taclass6 === 0;
    }),
    { numRuns: 80 },
  );
  t.pass();
});

test("mac:radix refuses what ta_prepare_add_mac_radix refuses: a subtype other than AF_LINK, a mask past 48 bits", async (t) => {
  const k = await loadKernel("vimage");
  const a = find_algo(k, "mac:radix");
  const T = k.ip_fw_table;
  const tei = new T.tentry_info();
  tei.mac.set([0, 0, 0x5e, 0, 0x53, 1]);
  for (const [sub, ml, want] of [[AF_LINK, 48, 0], [AF_LINK, 0, 0], [AF_LINK, 49, EINVAL], [AF_LINK, 255, EINVAL], [AF_INET, 32, EINVAL], [AF_INET6, 48, EINVAL], [0, 48, EINVAL]]) {
    tei.subtype = sub;
    tei.masklen = ml;
    t.is(a.prepare_add(tei), want, `add subtype ${sub} /${ml}`);
    t.is(a.prepare_del(tei), want, `del subtype ${sub} /${ml}`);
  }
  // A lookup by find_tentry of another family answers nothing.
  const ti = new T.table_info();
  const st = a.init(ti, 0, null);
  if (typeof st === "number") return t.fail();
  tei.subtype = AF_LINK;
  tei.masklen = 0;
  t.is(a.add(st, tei, { v: 0 }), 0);
  const tent = new T.tentry_info();
  tent.subtype = AF_INET;
  t.is(a.find_tentry(st, ti, tent), ENOENT);
  tent.subtype = AF_LINK;
  t.is(a.find_tentry(st, ti, tent), 0);
  t.is(tent.masklen, 0);
});

test("addr:hash grows its buckets past 128 entries and keeps every key", async (t) => {
  const k = await loadKernel("vimage");
  const a = find_algo(k, "addr:hash");
  const T = k.ip_fw_table;
  const ti = new T.table_info();
  const st = a.init(ti, 0, null) as object;
  for (let i = 0; i < 1000; i++) {
    const tei = new T.tentry_info();
    tei.subtype = AF_INET;
    tei.masklen = 32;
    tei.key4 = (0x0a000000 + i * 7) >>> 0;
    tei.value = i;
    t.is(a.add(st, tei, { v: 0 }), 0);
  }
  const tinfo = new T.ipfw_ta_tinfo();
  a.dump_tinfo(st, tinfo);
  t.is(tinfo.count4, 1000);
  t.is(tinfo.size4, 1024);
  t.is(tinfo.size6, 128);
  const lookup = ti.lookup as NonNullable<typeof ti.lookup>;
  for (let i = 0; i < 1000; i++) t.is(lookup(ti, 4, (0x0a000000 + i * 7) >>> 0, null, null, null), i);
  t.is(lookup(ti, 4, 0x0a000001, null, null, null), -1);
});

test("addr:hash through ipfw: create with masks, list, info, lookup, rules matching v4 and v6 packets, flush keeps the masks", async (t) => {
  const out = await in_jails(t, `jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
`, `jexec a ipfw table h create type addr algo "addr:hash masks=/24,/64"
jexec a ipfw table h2 create type addr algo addr:hash
jexec a ipfw table h3 create type addr algo "addr:hash masks=/33" 2>&1; echo "status $?"
jexec a ipfw table h add 10.0.0.0/24 7
jexec a ipfw table h add 10.0.0.9/24 8 2>&1; echo "status $?"
jexec a ipfw table h add 10.0.1.0/25 2>&1; echo "status $?"
jexec a ipfw table h add 2001:db8::/64 9
jexec a ipfw table h2 add 10.0.0.2
jexec a ipfw table h list
jexec a ipfw table h info
jexec a ipfw table h lookup 10.0.0.77
jexec a ipfw table h lookup 2001:db8::5
jexec a ipfw table h lookup 10.0.9.1 2>&1; echo "status $?"
jexec a ipfw add 100 count ip from any to 'table(h2)' >/dev/null
jexec a ipfw add 110 count ip6 from 'table(h)' to 'table(h)' >/dev/null
jexec a ping -c 2 10.0.0.2 | grep transmitted
jexec a ping -6 -c 2 2001:db8::2 | grep transmitted
jexec a ipfw show 100 110 | sed 's/  */ /g'
jexec a ipfw table h flush
jexec a ipfw table h info
jexec a ipfw table h add 10.0.3.3/24
jexec a ipfw table h list
`);
  t.is(
    out,
    CREATE_ENOMEM +
    "added: 10.0.0.0/24 7\n" +
    "exists: 10.0.0.9/24 8\nipfw: Adding record failed: record already exists\nstatus 71\n" +
    "error: 10.0.1.0/25 0\nipfw: Adding record failed: Invalid argument\nstatus 71\n" +
    "added: 2001:db8::/64 9\n" +
    "added: 10.0.0.2/32 0\n" +
    "10.0.0.0/24 7\n2001:db8::/64 9\n" +
    "--- table(h), set(0) ---\n kindex: 1, type: addr\n references: 0, valtype: legacy\n algorithm: addr:hash masks=/24,/64\n items: 2, size: 560\n" +
    "10.0.0.0/24 7\n" +
    "2001:db8::/64 9\n" +
    "ipfw: Entry 10.0.9.1 not found\nstatus 69\n" +
    "2 packets transmitted, 2 packets received, 0.0% packet loss\n" +
    "2 packets transmitted, 2 packets received, 0.0% packet loss\n" +
    "00100 2 168 count ip from any to table(h2)\n" +
    "00110 5 296 count ip6 from table(h) to table(h)\n" +
    "--- table(h), set(0) ---\n kindex: 1, type: addr\n references: 2, valtype: legacy\n algorithm: addr:hash masks=/24,/64\n items: 0, size: 304\n" +
    "added: 10.0.3.3/24 0\n" +
    "10.0.3.0/24 0\n",
  );
});

test("addr:kfib fib= parsing: what ta_init_kfib accepts, refuses and prints back", async (t) => {
  const k = await loadKernel("vimage");
  const a = find_algo(k, "addr:kfib");
  const T = k.ip_fw_table;
  t.is(a.flags & 0x02, 0x02, "TA_FLAG_READONLY");
  const cases: [string | null, number | string][] = [
    [null, "addr:kfib"],
    ["addr:kfib", "addr:kfib"],
    ["addr:kfib fib=0", "addr:kfib"],
    ["addr:kfib fib=", "addr:kfib"],
    ["addr:kfib fib=1", 7 /* E2BIG: one fib */],
    ["addr:kfib fib=-1", 7],
    ["addr:kfib fib=x", EINVAL],
    ["addr:kfib fib=-", EINVAL],
    ["addr:kfib fob=0", EINVAL],
  ];
  k.vnet_run(k.vnet0, "test", () => {
    for (const [data, want] of cases) {
      const ti = new T.table_info();
      const st = a.init(ti, 0, data);
      if (typeof want === "number") t.is(st, want, `${data}`);
      else t.is(a.print_config?.(st as object, ti), want, `${data}`);
    }
  });
});

test("addr:kfib through ipfw: the table follows routes added and deleted, is read-only, a rule matches IPv4 through it and never IPv6 (FreeBSD 14 tests keylen == 6)", async (t) => {
  const out = await in_jails(t, "", `jexec b ifconfig lo0 inet 192.0.2.5/32 alias
jexec a ipfw table k create type addr algo addr:kfib
jexec a ipfw table k2 create type addr algo "addr:kfib fib=1" 2>&1; echo "status $?"
jexec a ipfw table k list
jexec a ipfw table k info
jexec a ipfw table k lookup 192.0.2.5 2>&1; echo "status $?"
jexec a ipfw add 100 count ip from any to 'table(k)' >/dev/null
jexec a route -q add 192.0.2.0/24 10.0.0.2
jexec a ipfw table k lookup 192.0.2.5
jexec a ipfw table k list
jexec a ping -c 1 192.0.2.5 | grep transmitted
jexec a route -q delete 192.0.2.0/24
jexec a ipfw table k lookup 192.0.2.5 2>&1; echo "status $?"
jexec a ipfw table k add 1.2.3.4 2>&1; echo "status $?"
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
jexec a ipfw table k lookup 2001:db8::2
jexec a ipfw add 110 count ip6 from any to 'table(k)' >/dev/null
sleep 3
jexec a ping -6 -c 1 2001:db8::2 | grep transmitted
jexec a ipfw table k flush 2>&1; echo "status $?"
jexec a ipfw show 100 110 | sed 's/  */ /g'
`);
  t.is(
    out,
    CREATE_ENOMEM +
    "10.0.0.0/24 0\n10.0.0.1/32 0\n" +
    "--- table(k), set(0) ---\n kindex: 1, type: addr, locked\n references: 0, valtype: legacy\n algorithm: addr:kfib\n items: 2, size: 560\n" +
    "ipfw: Entry 192.0.2.5 not found\nstatus 69\n" +
    "192.0.2.0/24 0\n" +
    "10.0.0.0/24 0\n10.0.0.1/32 0\n192.0.2.0/24 0\n" +
    "1 packets transmitted, 1 packets received, 0.0% packet loss\n" +
    "ipfw: Entry 192.0.2.5 not found\nstatus 69\n" +
    "ignored: 1.2.3.4/32 0\nipfw: Adding record failed: table is locked\nstatus 71\n" +
    "2001:db8::/64 0\n" +
    "1 packets transmitted, 1 packets received, 0.0% packet loss\n" +
    "ipfw: failed to flush table k info: Permission denied\nstatus 71\n" +
    "00100 1 84 count ip from any to table(k)\n" +
    "00110 0 0 count ip6 from any to table(k)\n",
  );
});

test("addr:kfib destroyed after a rule matched through it: no value reference is dropped for its routes (they hold value 0), other tables' values keep their counts, flush and all flush refuse it, destroy and all destroy take it", async (t) => {
  const out = await in_jails(t, "", `jexec b ifconfig lo0 inet 192.0.2.5/32 alias
jexec a ipfw table r create type addr valtype skipto,tag
jexec a ipfw table r add 198.51.100.1 100,7 >/dev/null
jexec a ipfw table r add 198.51.100.2 100,7 >/dev/null
jexec a ipfw table k create type addr algo addr:kfib
jexec a route -q add 192.0.2.0/24 10.0.0.2
jexec a ipfw add 100 count ip from any to 'table(k)' >/dev/null
jexec a ping -c 1 192.0.2.5 | grep transmitted
jexec a ipfw show 100 | sed 's/  */ /g'
jexec a ipfw internal vlist
jexec a ipfw table k flush 2>&1; echo "status $?"
jexec a ipfw table k destroy 2>&1; echo "status $?"
jexec a ipfw delete 100
jexec a ipfw table all flush 2>&1; echo "status $?"
jexec a ipfw table k list
jexec a ipfw table r add 198.51.100.3 100,7 >/dev/null
jexec a ipfw internal vlist
jexec a ipfw table k destroy; echo "status $?"
jexec a ipfw internal vlist
jexec a ipfw table k2 create type addr algo addr:kfib
jexec a ipfw table all destroy; echo "status $?"
jexec a ipfw table all list; echo "status $?"
jexec a ipfw internal vlist
`);
  const H = "HEADER: skipto,pipe,fib,nat,dscp,tag,divert,netgraph,limit,ipv4,ipv6\n";
  t.is(
    out,
    "1 packets transmitted, 1 packets received, 0.0% packet loss\n" +
    "00100 1 84 count ip from any to table(k)\n" +
    H + "[1] refs=2 100,0,0,0,0,7,0,0,0,0.0.0.0,::\n" +
    "ipfw: failed to flush table k info: Permission denied\nstatus 71\n" +
    "ipfw: failed to destroy table k: Device busy\nstatus 71\n" +
    "status 0\n" +
    "10.0.0.0/24 0\n10.0.0.1/32 0\n192.0.2.0/24 0\n" +
    H + "[1] refs=1 100,0,0,0,0,7,0,0,0,0.0.0.0,::\n" +
    "status 0\n" +
    H + "[1] refs=1 100,0,0,0,0,7,0,0,0,0.0.0.0,::\n" +
    "status 0\n" +
    "status 0\n" +
    H,
  );
});

test("flow:hash against a model: add, delete and packet lookups of 5-tuples through its buckets, past a resize", async (t) => {
  const k = await loadKernel("vimage");
  const a = find_algo(k, "flow:hash");
  const T = k.ip_fw_table;
  const tuple = fc.record({
    v6: fc.boolean(),
    proto: fc.constantFrom(6, 17),
    sport: fc.integer({ min: 0, max: 3 }),
    dport: fc.integer({ min: 0, max: 3 }),
    s: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((u) => u.map((x) => x & 1)),
    d: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((u) => u.map((x) => x & 1)),
  });
  const op = fc.record({ kind: fc.constantFrom("add", "add", "del", "look"), f: tuple, value: fc.integer({ min: 0, max: 99 }) });
  fc.assert(
    fc.property(fc.constantFrom(0x1f, 0x03, 0x0c, 0x13), fc.array(op, { maxLength: 1500 }), (tflags, ops) => {
      const ti = new T.table_info();
      const st = a.init(ti, tflags, null);
      if (typeof st === "number") return false;
      const model = new Map<string, number>();
      const fid = new k.ipfw_flow_id();
      for (const o of ops) {
        const f = o.f;
        const n = f.v6 ? 16 : 4;
        const key = [f.v6 ? 6 : 4, tflags & 0x10 ? f.proto : 0, tflags & 0x04 ? f.sport : 0, tflags & 0x08 ? f.dport : 0, tflags & 0x01 ? [...f.s.subarray(0, n)] : 0, tflags & 0x02 ? [...f.d.subarray(0, n)] : 0].join("/");
        const tei = new T.tentry_info();
        tei.subtype = f.v6 ? AF_INET6 : AF_INET;
        tei.flow.af = tei.subtype;
        tei.flow.proto = f.proto;
        tei.flow.sport = f.sport;
        tei.flow.dport = f.dport;
        tei.flow.sip.set(f.s.subarray(0, n));
        tei.flow.dip.set(f.d.subarray(0, n));
        tei.value = o.value;
        const pnum = { v: 0 };
        if (o.kind === "add") {
          const err = a.add(st, tei, pnum);
          if (model.has(key) ? err !== EEXIST : err !== 0 || pnum.v !== 1) return false;
          if (!model.has(key)) model.set(key, o.value);
        } else if (o.kind === "del") {
          const err = a.del(st, tei, pnum);
          const had = model.get(key);
          if (had === undefined ? err !== ENOENT : err !== 0 || tei.value !== had) return false;
          model.delete(key);
        } else {
          fid.addr_type = f.v6 ? 6 : 4;
          fid.proto = f.proto;
          fid.src_port = f.sport;
          fid.dst_port = f.dport;
          fid.src_ip = new DataView(f.s.buffer).getUint32(0);
          fid.dst_ip = new DataView(f.d.buffer).getUint32(0);
          fid.src_ip6.set(f.s);
          fid.dst_ip6.set(f.d);
          const got = (ti.lookup as NonNullable<typeof ti.lookup>)(ti, 0, 0, null, null, fid);
          if (got !== (model.get(key) ?? -1)) return false;
        }
      }
      let n = 0;
      a.foreach(st, () => {
        n++;
        return 0;
      });
      const tinfo = new T.ipfw_ta_tinfo();
      a.dump_tinfo(st, tinfo);
      return n === model.size && a.count(st) === model.size && tinfo.count4 === model.size;
    }),
    { numRuns: 25 },
  );
  // 600 entries: the 512 buckets double once, every entry still found.
  const ti = new T.table_info();
  const st = a.init(ti, 0x1f, null) as object;
  const fid = new k.ipfw_flow_id();
  fid.addr_type = 4;
  fid.proto = 17;
  fid.dst_ip = 0x0a000002;
  fid.dst_port = 53;
  for (let i = 0; i < 600; i++) {
    const tei = new T.tentry_info();
    tei.subtype = AF_INET;
    tei.flow.af = AF_INET;
    tei.flow.proto = 17;
    tei.flow.sport = 1000 + i;
    tei.flow.dport = 53;
    tei.flow.sip.set([10, 0, 0, 1]);
    tei.flow.dip.set([10, 0, 0, 2]);
    tei.value = i;
    t.is(a.add(st, tei, { v: 0 }), 0);
  }
  const tinfo = new T.ipfw_ta_tinfo();
  a.dump_tinfo(st, tinfo);
  t.is(tinfo.size4, 1024);
  t.is(tinfo.count4, 600);
  fid.src_ip = 0x0a000001;
  const lookup = ti.lookup as NonNullable<typeof ti.lookup>;
  for (let i = 0; i < 600; i++) {
    fid.src_port = 1000 + i;
    t.is(lookup(ti, 0, 0, null, null, fid), i);
  }
  fid.src_port = 999;
  t.is(lookup(ti, 0, 0, null, null, fid), -1);
});

test("flow:hash through ipfw: entries listed in bucket order, and `flow table(T)` and `flow table(T,V)` rules match pings both ways", async (t) => {
  const out = await in_jails(t, "", `jexec a ipfw table fl create type flow:src-ip,proto,dst-ip
jexec a ipfw table fl add 10.0.0.1,1,10.0.0.2 4
jexec a ipfw table fl add 10.0.0.2,1,10.0.0.1 5
jexec a ipfw table fl list
jexec a ipfw table fl info
jexec a ipfw add 100 count ip from any to any flow 'table(fl)' >/dev/null
jexec a ipfw add 110 count ip from any to any flow 'table(fl,5)' >/dev/null
jexec a ping -c 2 10.0.0.2 | grep transmitted
jexec a ipfw show 100 110 | sed 's/  */ /g'
`);
  t.is(
    out,
    "added: 10.0.0.1,1,10.0.0.2 4\nadded: 10.0.0.2,1,10.0.0.1 5\n" +
    "10.0.0.2,1,10.0.0.1 5\n10.0.0.1,1,10.0.0.2 4\n" +
    "--- table(fl), set(0) ---\n kindex: 1, type: flow:src-ip,proto,dst-ip\n references: 0, valtype: legacy\n algorithm: flow:hash\n items: 2, size: 560\n" +
    "2 packets transmitted, 2 packets received, 0.0% packet loss\n" +
    "00100 4 336 count ip from any to any flow table(fl)\n" +
    "00110 2 168 count ip from any to any flow table(fl,5)\n",
  );
});
