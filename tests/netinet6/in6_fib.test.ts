// netinet6/in6_fib (fib6_lookup, fib6_lookup_rt, fib6_check_urpf) over the
// IPv6 tables in6_rmx.ts makes: longest-prefix match against a naive
// reference (fast-check), host, net and default routes, link-local
// destinations told apart by their zone, uRPF, and the IPv6 table hooks
// (link MTU, NHF_HOST/NHF_DEFAULT, nexthop types).
import test from "ava";
import fc from "fast-check";
import { BOTH, type Kernel } from "../helpers/builds.ts";
import { a6, epair, gw6, ia6_add, inv, loadKernel6, rt6, type ifnet, type in6_ifaddr } from "./rt6_helpers.ts";

/** lo0 and epair0a up with 2001:db8::1/64 and its prefix route. */
function setup(k: Kernel): { a: ifnet; b: ifnet; ia: in6_ifaddr } {
  return inv(k, k.vnet0, () => {
    const e = epair(k);
    e.a.if_flags |= k.IFF_UP;
    const ia = ia6_add(k, e.a, "2001:db8::1", 64);
    if (rt6(k, 0, k.RTM_ADD, { dst: "2001:db8::", len: 64, gw: e.a, ifa: ia }) !== 0) throw new Error("prefix route");
    return { ...e, ia };
  });
}

for (const build of BOTH) {
  test.serial(`${build}: longest prefix match over host, net and default routes; deleting uncovers the shorter`, async (t) => {
    const k = await loadKernel6(build);
    const { a } = setup(k);
    inv(k, k.vnet0, () => {
      t.is(rt6(k, 0, k.RTM_ADD, { dst: "::", len: 0, gw: "2001:db8::ff" }), 0);
      t.is(rt6(k, 0, k.RTM_ADD, { dst: "2001:db8:1::", len: 48, gw: "2001:db8::2" }), 0);
      t.is(rt6(k, 0, k.RTM_ADD, { dst: "2001:db8:1:2::", len: 64, gw: "2001:db8::3" }), 0);
      t.is(rt6(k, 0, k.RTM_ADD, { dst: "2001:db8:1:2::5", len: null, gw: "2001:db8::4" }), 0);
      t.is(rt6(k, 0, k.RTM_ADD, { dst: "2001:db8:1:2::", len: 64, gw: "2001:db8::3" }), k.EEXIST); // the same gateway twice
      t.is(gw6(k, 0, "2001:db8:1:2::5"), "2001:db8::4");
      t.is(gw6(k, 0, "2001:db8:1:2::6"), "2001:db8::3");
      t.is(gw6(k, 0, "2001:db8:1:3::1"), "2001:db8::2");
      t.is(gw6(k, 0, "2001:db8::77"), `link#${a.if_index}`);
      t.is(gw6(k, 0, "3fff::1"), "2001:db8::ff");
      const host = k.fib6_lookup(0, a6(k, "2001:db8:1:2::5"), 0, k.NHR_NONE, 0)!;
      t.is(host.nh_flags & (k.NHF_HOST | k.NHF_GATEWAY), k.NHF_HOST | k.NHF_GATEWAY);
      t.is(host.nh_priv.nh_type, k.NH_TYPE_IPV6_ETHER_NHOP);
      const def = k.fib6_lookup(0, a6(k, "3fff::1"), 0, k.NHR_NONE, 0)!;
      t.true((def.nh_flags & k.NHF_DEFAULT) !== 0);
      t.is(def.nh_mtu, 1500);
      t.is(def.nh_ifp, a);
      const conn = k.fib6_lookup(0, a6(k, "2001:db8::77"), 0, k.NHR_NONE, 0)!;
      t.is(conn.nh_flags & (k.NHF_GATEWAY | k.NHF_HOST | k.NHF_DEFAULT), 0);
      t.is(conn.nh_priv.nh_type, k.NH_TYPE_IPV6_ETHER_RSLV);
      // Deleting the host route uncovers the /64, then the /48.
      t.is(rt6(k, 0, k.RTM_DELETE, { dst: "2001:db8:1:2::5", len: null, gw: "2001:db8::4" }), 0);
      t.is(gw6(k, 0, "2001:db8:1:2::5"), "2001:db8::3");
      t.is(rt6(k, 0, k.RTM_DELETE, { dst: "2001:db8:1:2::", len: 64, gw: "2001:db8::3" }), 0);
      t.is(gw6(k, 0, "2001:db8:1:2::5"), "2001:db8::2");
      t.is(rt6(k, 0, k.RTM_DELETE, { dst: "2001:db8:1:2::", len: 64, gw: "2001:db8::3" }), k.ESRCH);
      // Without a default route a miss is counted as rts_unreach.
      t.is(rt6(k, 0, k.RTM_DELETE, { dst: "::", len: 0, gw: "2001:db8::ff" }), 0);
      const before = k.rtstat_fetch()[k.rts_unreach];
      t.is(k.fib6_lookup(0, a6(k, "3fff::1"), 0, k.NHR_NONE, 0), null);
      t.is(k.rtstat_fetch()[k.rts_unreach], before + 1);
      // A gateway no interface reaches has no source address: ENETUNREACH.
      t.is(rt6(k, 0, k.RTM_ADD, { dst: "3fff::", len: 16, gw: "3ffe::1" }), k.ENETUNREACH);
    });
  });

  test.serial(`${build}: link-local destinations are told apart by their zone`, async (t) => {
    const k = await loadKernel6(build);
    inv(k, k.vnet0, () => {
      const e0 = epair(k);
      const e1 = epair(k);
      const ll0 = ia6_add(k, e0.a, "fe80::1", 64);
      const ll1 = ia6_add(k, e1.a, "fe80::1", 64);
      // fe80::%epair0a/64 and fe80::%epair1a/64: one prefix, two zones.
      t.is(rt6(k, 0, k.RTM_ADD, { dst: "fe80::", len: 64, gw: e0.a, ifa: ll0 }), 0);
      t.is(rt6(k, 0, k.RTM_ADD, { dst: "fe80::", len: 64, gw: e1.a, ifa: ll1 }), 0);
      // A route via a link-local gateway on epair1a.
      t.is(rt6(k, 0, k.RTM_ADD, { dst: "2001:db8:5::", len: 48, gw: "fe80::2", zone: e1.a }), 0);
      const on = (dst: string, zone: number) => k.fib6_lookup(0, a6(k, dst), zone, k.NHR_NONE, 0)?.nh_ifp.if_xname ?? null;
      t.is(on("fe80::99", e0.a.if_index), e0.a.if_xname);
      t.is(on("fe80::99", e1.a.if_index), e1.a.if_xname);
      t.is(on("fe80::99", 0), null);
      t.is(on("fe80::99", e0.b.if_index), null);
      // Link-local multicast also carries the zone; global addresses do not.
      t.is(on("2001:db8:5::1", e0.a.if_index), e1.a.if_xname);
      const nh = k.fib6_lookup(0, a6(k, "2001:db8:5::1"), 0, k.NHR_NONE, 0)!;
      // The gateway keeps its zone embedded, as nd6 wants it.
      t.is(k.inet_ntop6(nh.gw6_sa.sin6_addr), `fe80:${e1.a.if_index.toString(16)}::2`);
      t.is(nh.gw6_sa.sin6_scope_id, 0);
      t.is(nh.nh_ifa, ll1);
      // fib6_lookup_rt gives the entry: its prefix with the zone taken out.
      const rnd = new k.route_nhop_data();
      const rt = k.fib6_lookup_rt(0, a6(k, "fe80::5"), e1.a.if_index, 0, rnd)!;
      const p = k.rt_get_inet6_prefix_plen(rt);
      t.is(`${k.inet_ntop6(p.addr)}/${p.plen}%${p.scopeid}`, `fe80::/64%${e1.a.if_index}`);
      t.is(rnd.rnd_nhop, rt.rt_nhop);
      // uRPF: the route back leaves through the interface it names.
      t.is(k.fib6_check_urpf(0, a6(k, "fe80::7"), e1.a.if_index, 0, e1.a), 1);
      t.is(k.fib6_check_urpf(0, a6(k, "fe80::7"), e1.a.if_index, 0, e0.a), 0);
      t.is(k.fib6_check_urpf(0, a6(k, "fe80::7"), e1.a.if_index, 0, null), 1);
      t.is(k.fib6_check_urpf(0, a6(k, "3fff::7"), 0, 0, null), 0);
    });
  });

  test.serial(`${build}: an IPv6 table per fib and per vnet; the link MTU caps a route's`, async (t) => {
    const k = await loadKernel6(build);
    const { a, ia } = setup(k);
    inv(k, k.vnet0, () => {
      t.is(k.kernel_sysctlbyname(k.cred0, "net.fibs", 2).error, 0);
      t.truthy(k.rt_tables_get_rnh(1, k.AF_INET6));
      t.is(rt6(k, 1, k.RTM_ADD, { dst: "2001:db8::", len: 64, gw: a, ifa: ia }), 0);
      t.is(rt6(k, 1, k.RTM_ADD, { dst: "2001:db8:9::", len: 48, gw: "2001:db8::9" }), 0);
      t.is(gw6(k, 1, "2001:db8:9::1"), "2001:db8::9");
      t.is(gw6(k, 0, "2001:db8:9::1"), null);
      // A route's own MTU stays when below the link's, and is cut to it when above.
      const info = (mtu: number, dst: string) => {
        const i = new k.rt_addrinfo();
        i.rti_info[k.RTAX_DST] = new k.sockaddr_in6(a6(k, dst));
        i.rti_info[k.RTAX_NETMASK] = new k.sockaddr_in6(a6(k, "ffff:ffff:ffff::"));
        i.rti_info[k.RTAX_GATEWAY] = new k.sockaddr_in6(a6(k, "2001:db8::9"));
        i.rti_flags = k.RTF_GATEWAY | k.RTF_STATIC;
        i.rti_mflags = k.RTV_MTU;
        i.rti_rmx = new k.rt_metrics();
        i.rti_rmx.rmx_mtu = mtu;
        return i;
      };
      t.is(k.rib_action(0, k.RTM_ADD, info(1280, "2001:db8:a::"), new k.rib_cmd_info()), 0);
      t.is(k.rib_action(0, k.RTM_ADD, info(9000, "2001:db8:b::"), new k.rib_cmd_info()), 0);
      t.is(k.fib6_lookup(0, a6(k, "2001:db8:a::1"), 0, 0, 0)!.nh_mtu, 1280);
      t.is(k.fib6_lookup(0, a6(k, "2001:db8:b::1"), 0, 0, 0)!.nh_mtu, 1500);
    });
    // A new vnet starts with empty tables of both families.
    if (build === "vimage") {
      const v = k.vnet_alloc();
      inv(k, v, () => {
        t.truthy(k.rt_tables_get_rnh(0, k.AF_INET6));
        t.is(gw6(k, 0, "2001:db8::1"), null);
      });
      k.vnet_destroy(v);
    }
  });

  test.serial(`${build}: longest prefix match agrees with a naive reference (fast-check)`, async (t) => {
    const k = await loadKernel6(build);
    const { a, ia } = setup(k);
    // Prefixes clustered in a few /32s so that they nest often.
    const bases = ["2001:db8::", "2001:db8:8000::", "fe80::", "::"];
    const arb_pfx = fc.record({
      base: fc.integer({ min: 0, max: bases.length - 1 }),
      bits: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      len: fc.oneof(fc.integer({ min: 0, max: 128 }), fc.constantFrom(32, 48, 64, 127, 128)),
    });
    const mk = (p: { base: number; bits: Uint8Array; len: number }) => {
      const b = a6(k, bases[p.base]).s6_addr;
      const x = new Uint8Array(16);
      // The base's first 4 bytes, then random ones.
      for (let i = 0; i < 16; i++) x[i] = i < 4 ? b[i] : p.bits[i];
      for (let i = 0; i < 16; i++) {
        const keep = Math.max(0, Math.min(8, p.len - 8 * i));
        x[i] &= (0xff00 >> keep) & 0xff;
      }
      return { addr: x, len: p.len };
    };
    /** The kernel's key: a link-local scope gets the zone (epair0a's index) in bytes 2-3. */
    const embed = (x: Uint8Array, mc: boolean) => {
      const y = Uint8Array.from(x);
      if ((y[0] === 0xfe && (y[1] & 0xc0) === 0x80) || (mc && y[0] === 0xff && (y[1] & 0x0f) === 0x02)) {
        y[2] = a.if_index >> 8;
        y[3] = a.if_index & 0xff;
      }
      return y;
    };
    const masked = (x: Uint8Array, len: number) =>
      Uint8Array.from(x, (v, i) => v & ((0xff00 >> Math.max(0, Math.min(8, len - 8 * i))) & 0xff));
    const hex = (b: Uint8Array) => k.inet_ntop6(k.in6_addr_from(b));
    const base64 = { key: masked(a6(k, "2001:db8::").s6_addr, 64), len: 64 };
    fc.assert(
      fc.property(fc.array(arb_pfx, { minLength: 1, maxLength: 40 }), fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 100 }), (ps, probes, delpct) =>
        inv(k, k.vnet0, () => {
          const added: { addr: Uint8Array; key: Uint8Array; len: number }[] = [];
          const seen = new Set<string>([`${hex(base64.key)}/64`]);
          for (const p0 of ps) {
            const p = mk(p0);
            const key = masked(embed(p.addr, false), p.len);
            const id = `${hex(key)}/${p.len}`;
            const err = rt6(k, 0, k.RTM_ADD, { dst: hex(p.addr), len: p.len === 128 ? null : p.len, gw: a, ifa: ia });
            if (seen.has(id)) {
              if (err !== k.EEXIST) return false;
              continue;
            }
            if (err !== 0) return false;
            seen.add(id);
            added.push({ addr: p.addr, key, len: p.len });
          }
          // Delete some of them again.
          const keep: { addr: Uint8Array; key: Uint8Array; len: number }[] = [];
          added.forEach((p, i) => {
            if ((i * 37) % 100 < delpct) {
              if (rt6(k, 0, k.RTM_DELETE, { dst: hex(p.addr), len: p.len === 128 ? null : p.len, gw: a }) !== 0) throw new Error("delete");
            } else keep.push(p);
          });
          const all: { key: Uint8Array; len: number }[] = [base64, ...keep];
          const targets: Uint8Array[] = [...probes];
          for (const p of keep) targets.push(p.addr, Uint8Array.from(p.addr, (x, i) => (i === 15 ? x ^ 1 : x)));
          let ok = true;
          for (const d0 of targets) {
            // fib6_lookup takes the address without a zone and the zone apart.
            const d = Uint8Array.from(d0);
            if ((d[0] === 0xfe && (d[1] & 0xc0) === 0x80) || (d[0] === 0xff && (d[1] & 0x0f) === 0x02)) d[2] = d[3] = 0;
            const de = embed(d, true);
            let best: { key: Uint8Array; len: number } | null = null;
            for (const p of all) if (hex(masked(de, p.len)) === hex(p.key) && (best === null || p.len > best.len)) best = p;
            const rnd = new k.route_nhop_data();
            const rt = k.fib6_lookup_rt(0, k.in6_addr_from(d), a.if_index, 0, rnd);
            if (best === null) ok &&= rt === null;
            else if (rt === null || rt.rt_key6 === null) ok = false;
            else ok &&= rt.rt_plen === best.len && hex(k.rt6_bytes(rt.rt_key6, new Uint8Array(16))) === hex(best.key);
          }
          for (const p of keep) rt6(k, 0, k.RTM_DELETE, { dst: hex(p.addr), len: p.len === 128 ? null : p.len, gw: a });
          return ok;
        }),
      ),
      { numRuns: 60, seed: 13 },
    );
    t.pass();
  });
}
