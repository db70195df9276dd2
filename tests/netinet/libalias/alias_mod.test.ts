// netinet/libalias/alias_mod.ts: the handler chain.  Handlers are kept by
// priority (equal priorities in the order they came); one with the
// priority, direction and protocol of one already there is refused with
// EEXIST and stops the rest of its array; find_handler runs the first whose
// direction and protocol flags match and whose fingerprint says 0, and
// gives ENOENT when none does; detaching takes exactly the given handlers.
import test from "ava";
import { loadKernel } from "../../helpers/builds.ts";
import type { alias_data, proto_handler } from "../../../netinet/libalias/alias_mod.ts";

const EEXIST = 17;
const ENOENT = 2;

test("the chain: order by priority, EEXIST, find_handler's choice and ENOENT, detach", async (t) => {
  const k = await loadKernel("vimage", 1);
  const m = k.alias_mod;
  const build = new k.libalias_build(false, () => 0, () => 0, null, (msg: string) => {
    throw new Error(msg);
  });
  const seen: string[] = [];
  const h = (name: string, pri: number, dir: number, proto: number, take: boolean, ret = 0): proto_handler => ({
    pri,
    dir,
    proto,
    fingerprint: (_la, ad: alias_data) => {
      seen.push(`fp ${name}`);
      return take && ad.dport === 21 ? 0 : -1;
    },
    protohandler: () => {
      seen.push(`run ${name}`);
      return ret;
    },
  });
  const a = h("a", 80, m.OUT, m.TCP, true);
  const b = h("b", 10, m.OUT | m.IN, m.TCP | m.UDP, false);
  const c = h("c", 80, m.IN, m.TCP, true, 7);
  const d = h("d", 90, m.OUT, m.UDP, true);
  t.is(m.LibAliasAttachHandlers(build, [a, b]), 0);
  t.is(m.LibAliasAttachHandlers(build, [c, d]), 0);
  t.deepEqual(build.handler_chain, [b, a, c, d]);
  // Same priority, direction and protocol as a: refused, and what follows it too.
  const e = h("e", 80, m.OUT, m.TCP, true);
  const f = h("f", 5, m.IN, m.IP, true);
  t.is(m.LibAliasAttachHandlers(build, [e, f]), EEXIST);
  t.deepEqual(build.handler_chain, [b, a, c, d]);
  t.is(m.first_handler(build), b);

  const la = k.LibAliasInit(null, build);
  const dv = new DataView(new ArrayBuffer(64));
  const ad = (dport: number): alias_data => ({ lnk: null, oaddr: null, aaddr: null, aport: null, sport: 1024, dport, maxpktsize: 0 });
  t.is(m.find_handler(m.IN, m.TCP, la, dv, 0, ad(21)), 7);
  t.deepEqual(seen.splice(0), ["fp b", "fp c", "run c"]);
  t.is(m.find_handler(m.OUT, m.TCP, la, dv, 0, ad(21)), 0);
  t.deepEqual(seen.splice(0), ["fp b", "fp a", "run a"]);
  t.is(m.find_handler(m.OUT, m.TCP, la, dv, 0, ad(80)), ENOENT);
  t.deepEqual(seen.splice(0), ["fp b", "fp a"]);
  t.is(m.find_handler(m.IN, m.IP, la, dv, 0, ad(21)), ENOENT);
  t.deepEqual(seen.splice(0), []);

  t.is(m.LibAliasDetachHandlers(build, [a, d]), 0);
  t.deepEqual(build.handler_chain, [b, c]);
  k.LibAliasUninit(la);
});
