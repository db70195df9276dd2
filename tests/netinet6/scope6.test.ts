// netinet6/scope6: address scopes (RFC 4007) and zones: the scope of each
// kind of address, the zone embedded in s6_addr16[1] inside the kernel and
// carried in sin6_scope_id outside it, and the checks on userland's zones.
import test from "ava";
import { BOTH, loadKernel } from "../helpers/builds.ts";
import { epair, ifp, inv } from "../netinet/rt_helpers.ts";
import { a6 } from "./in6_helpers.ts";

for (const build of BOTH) {
  test.serial(`${build}: in6_addrscope`, async (t) => {
    const k = await loadKernel(build);
    const scope = (s: string) => k.in6_addrscope(a6(k, s));
    t.is(scope("ff01::1"), k.IPV6_ADDR_SCOPE_INTFACELOCAL);
    t.is(scope("ff02::1"), k.IPV6_ADDR_SCOPE_LINKLOCAL);
    t.is(scope("ff05::2"), k.IPV6_ADDR_SCOPE_SITELOCAL);
    t.is(scope("ff08::2"), k.IPV6_ADDR_SCOPE_ORGLOCAL);
    t.is(scope("ff0e::101"), k.IPV6_ADDR_SCOPE_GLOBAL);
    t.is(scope("ff0f::1"), k.IPV6_ADDR_SCOPE_GLOBAL, "the reserved scope 0xf counts as global");
    t.is(scope("ff03::1"), 3, "other multicast scopes are their field");
    t.is(scope("fe80::1"), k.IPV6_ADDR_SCOPE_LINKLOCAL);
    t.is(scope("febf::1"), k.IPV6_ADDR_SCOPE_LINKLOCAL);
    t.is(scope("::1"), k.IPV6_ADDR_SCOPE_LINKLOCAL, "loopback is link-local scoped");
    t.is(scope("fec0::1"), k.IPV6_ADDR_SCOPE_SITELOCAL);
    t.is(scope("2001:db8::1"), k.IPV6_ADDR_SCOPE_GLOBAL);
    t.is(scope("::"), k.IPV6_ADDR_SCOPE_GLOBAL);
  });

  test.serial(`${build}: in6_setscope embeds the interface index for link- and interface-local addresses only`, async (t) => {
    const k = await loadKernel(build);
    inv(k, k.vnet0, () => {
      const e = epair(k);
      const i = ifp(k, e.a);
      const lo = ifp(k, "lo0");
      const zone = { v: -1 };
      const ll = a6(k, "fe80::1");
      t.is(k.in6_setscope(ll, i, zone), 0);
      t.is(zone.v, i.if_index);
      t.is(k.s6_addr16(ll, 1), i.if_index, "the zone is in the second word");
      t.is(k.ip6_sprintf(ll), `fe80:${i.if_index.toString(16)}::1`);
      t.is(k.in6_getscope(ll), i.if_index);
      const mc = a6(k, "ff01::1");
      t.is(k.in6_setscope(mc, i, zone), 0);
      t.is(k.s6_addr16(mc, 1), i.if_index, "interface-local multicast too");
      const g = a6(k, "2001:db8::5");
      t.is(k.in6_setscope(g, i, zone), 0);
      t.is(zone.v, 0, "global: no zone");
      t.is(k.ip6_sprintf(g), "2001:db8::5", "and the address unchanged");
      t.is(k.in6_getscope(g), 0);
      t.is(k.in6_setscope(a6(k, "::1"), i, null), k.EINVAL, "::1 belongs to loopback interfaces only");
      t.is(k.in6_setscope(a6(k, "::1"), lo, zone), 0);
      t.is(zone.v, 0, "::1 has no zone to embed");
      t.is(k.in6_clearscope(ll), 1, "in6_clearscope tells it changed the address");
      t.is(k.ip6_sprintf(ll), "fe80::1");
      t.is(k.in6_clearscope(ll), 0);
      t.is(k.in6_clearscope(g), 0);
      t.is(k.in6_getscopezone(i, k.IPV6_ADDR_SCOPE_LINKLOCAL), i.if_index);
      t.is(k.in6_getscopezone(i, k.IPV6_ADDR_SCOPE_INTFACELOCAL), i.if_index);
      t.is(k.in6_getscopezone(i, k.IPV6_ADDR_SCOPE_SITELOCAL), 0, "no site zone set");
      t.is(k.in6_getlinkifnet(i.if_index), i);
      const split = a6(k, "fe80::9");
      k.in6_setscope(split, i, null);
      const bare = new k.in6_addr();
      k.in6_splitscope(split, bare, zone);
      t.is(k.ip6_sprintf(bare), "fe80::9");
      t.is(zone.v, i.if_index);
    });
  });

  test.serial(`${build}: sa6_embedscope and sa6_recoverscope convert between sin6_scope_id and the embedded zone`, async (t) => {
    const k = await loadKernel(build);
    inv(k, k.vnet0, () => {
      const e = epair(k);
      const i = ifp(k, e.a);
      const sin = new k.sockaddr_in6(a6(k, "fe80::1:2"), 0, i.if_index);
      t.is(k.sa6_embedscope(sin, 0), 0);
      t.is(sin.sin6_scope_id, 0);
      t.is(k.s6_addr16(sin.sin6_addr, 1), i.if_index);
      t.is(k.sa6_recoverscope(sin), 0);
      t.is(sin.sin6_scope_id, i.if_index);
      t.is(k.ip6_sprintf(sin.sin6_addr), "fe80::1:2");
      // A zone no interface has.
      t.is(k.sa6_embedscope(new k.sockaddr_in6(a6(k, "fe80::1"), 0, 999), 0), k.ENXIO);
      // Global addresses keep their scope id as given.
      const g = new k.sockaddr_in6(a6(k, "2001:db8::1"), 0, 0);
      t.is(k.sa6_embedscope(g, 0), 0);
      t.is(k.ip6_sprintf(g.sin6_addr), "2001:db8::1");
      // No zone and no default zone: nothing embedded.
      const nz = new k.sockaddr_in6(a6(k, "fe80::1"), 0, 0);
      t.is(k.sa6_embedscope(nz, 1), 0);
      t.is(k.s6_addr16(nz.sin6_addr, 1), 0);
      // With a default zone (scope6_setdefault) and defaultok, it is taken.
      k.scope6_setdefault(i);
      t.is(k.sa6_embedscope(nz, 1), 0);
      t.is(k.s6_addr16(nz.sin6_addr, 1), i.if_index);
      k.scope6_setdefault(null);
    });
  });

  test.serial(`${build}: sa6_checkzone wants a zone for scoped addresses and none for global ones`, async (t) => {
    const k = await loadKernel(build);
    inv(k, k.vnet0, () => {
      const lo = ifp(k, "lo0");
      t.is(k.sa6_checkzone(new k.sockaddr_in6(a6(k, "2001:db8::1"), 0, 0)), 0);
      t.is(k.sa6_checkzone(new k.sockaddr_in6(a6(k, "2001:db8::1"), 0, 3)), k.EINVAL);
      t.is(k.sa6_checkzone(new k.sockaddr_in6(a6(k, "fe80::1"), 0, 0)), k.EADDRNOTAVAIL, "no zone and no default zone");
      t.is(k.sa6_checkzone(new k.sockaddr_in6(a6(k, "fe80::1"), 0, 2)), 0);
      const l = new k.sockaddr_in6(a6(k, "::1"), 0, 0);
      t.is(k.sa6_checkzone(l), 0);
      t.is(l.sin6_scope_id, lo.if_index, "::1 takes lo0's zone");
      t.is(k.sa6_checkzone(new k.sockaddr_in6(a6(k, "::1"), 0, lo.if_index + 1)), k.EADDRNOTAVAIL);
      t.is(k.sa6_checkzone(new k.sockaddr_in6(a6(k, "ff05::1"), 0, 0)), 0, "site-local multicast: no zone needed");
    });
  });

  test.serial(`${build}: SIOCSSCOPE6/SIOCGSCOPE6 set and read an interface's zones`, async (t) => {
    const k = await loadKernel(build);
    inv(k, k.vnet0, () => {
      const e = epair(k);
      const i = ifp(k, e.a);
      const req: { ifr_name: string; ifr_ifru_scope_id?: InstanceType<typeof k.scope6_id> } = { ifr_name: e.a };
      t.is(k.ifioctl(k.cred0, k.SIOCGSCOPE6, req, 28), 0);
      t.is(req.ifr_ifru_scope_id?.s6id_list[k.IPV6_ADDR_SCOPE_LINKLOCAL], i.if_index);
      const ids = new k.scope6_id();
      ids.s6id_list[k.IPV6_ADDR_SCOPE_SITELOCAL] = 7;
      t.is(k.ifioctl(k.cred0, k.SIOCSSCOPE6, { ifr_name: e.a, ifr_ifru_scope_id: ids }, 28), 0);
      t.is(k.in6_getscopezone(i, k.IPV6_ADDR_SCOPE_SITELOCAL), 7);
      const zone = { v: 0 };
      t.is(k.in6_setscope(a6(k, "fec0::1"), i, zone), 0);
      t.is(zone.v, 7, "a site-local address is in the interface's site zone");
      const bad = new k.scope6_id();
      bad.s6id_list[k.IPV6_ADDR_SCOPE_INTFACELOCAL] = i.if_index + 1;
      t.is(k.ifioctl(k.cred0, k.SIOCSSCOPE6, { ifr_name: e.a, ifr_ifru_scope_id: bad }, 28), k.EINVAL, "an interface zone is the interface");
      const far = new k.scope6_id();
      far.s6id_list[k.IPV6_ADDR_SCOPE_LINKLOCAL] = 500;
      t.is(k.ifioctl(k.cred0, k.SIOCSSCOPE6, { ifr_name: e.a, ifr_ifru_scope_id: far }, 28), k.EINVAL, "a link zone names an interface");
    });
  });
}
