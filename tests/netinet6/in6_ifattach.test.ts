// netinet6/in6_ifattach: IPv6 arrives on an interface when it comes up: a
// link-local address from the modified EUI-64 of the epair's MAC (the u/l
// bit flipped), fe80::1 and ::1 on lo0 in every vnet, none when
// auto_linklocal is off or IPv6 is disabled, the host name's identifier
// when the hardware has none, and the node information group of RFC 4620.
import test from "ava";
import { createHash } from "node:crypto";
import { BOTH, loadKernel } from "../helpers/builds.ts";
import { epair, ifp, inv } from "../netinet/rt_helpers.ts";
import { run_script } from "../sbin/prog_helpers.ts";
import { a6, eui64_ll, ia6_text, ia6s, ifdisabled, up } from "./in6_helpers.ts";

function mac_of(k: Awaited<ReturnType<typeof loadKernel>>, name: string): Uint8Array {
  return Uint8Array.from(k.IF_LLADDR(ifp(k, name)));
}

for (const build of BOTH) {
  test.serial(`${build}: an epair coming up gets fe80::/64 from its MAC's EUI-64, tentative until DAD`, async (t) => {
    const k = await loadKernel(build);
    const e = inv(k, k.vnet0, () => epair(k));
    inv(k, k.vnet0, () => {
      const i = ifp(k, e.a);
      t.is(up(k, k.cred0, e.a), 0);
      t.deepEqual(ia6s(k, e.a), [], "IPv6 starts disabled on all but loopback interfaces");
      t.is(k.ifioctl(k.cred0, k.SIOCSIFFLAGS, { ifr_name: e.a, ifr_flags: i.if_flags & ~k.IFF_UP }), 0);
      t.is(ifdisabled(k, k.cred0, e.a, false), 0);
      t.deepEqual(ia6s(k, e.a), [], "nothing while down");
      t.is(up(k, k.cred0, e.a), 0);
      const ll = ia6s(k, e.a);
      t.is(ll.length, 1);
      t.is(ia6_text(k, ll[0]), `${eui64_ll(mac_of(k, e.a))}%${i.if_index}/64`);
      t.true((ll[0].ia6_flags & k.IN6_IFF_TENTATIVE) !== 0, "DAD has to run first");
      t.is(ll[0].ia6_lifetime.ia6t_vltime, k.ND6_INFINITE_LIFETIME, "link-local addresses never expire");
      t.is(ll[0].ia6_lifetime.ia6t_pltime, k.ND6_INFINITE_LIFETIME);
      t.is(k.in6ifa_ifpforlinklocal(i, 0), ll[0]);
      t.is(k.in6ifa_ifpforlinklocal(i, k.IN6_IFF_TENTATIVE), null, "ignoreflags skips the tentative one");
      // A second up does not add another.
      t.is(up(k, k.cred0, e.a), 0);
      t.is(ia6s(k, e.a).length, 1);
    });
    // DAD heard no one: the address becomes usable.
    k.kern_advance_ns(5e9);
    inv(k, k.vnet0, () => t.is(ia6s(k, e.a)[0].ia6_flags & k.IN6_IFF_TENTATIVE, 0));
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: in6_get_hw_ifid flips the u/l bit and refuses MACs that are not unicast hardware addresses`, async (t) => {
    const k = await loadKernel(build);
    inv(k, k.vnet0, () => {
      const e = epair(k);
      const i = ifp(k, e.a);
      const id = new k.in6_addr();
      t.is(k.if_setlladdr(i, Uint8Array.from([0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e]), 6), 0);
      t.is(k.in6_get_hw_ifid(i, id), 0);
      t.is(k.ip6_sprintf(id), "::21b:21ff:fe3c:4d5e", "a universal MAC gets the u bit set");
      t.is(k.if_setlladdr(i, Uint8Array.from([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]), 6), 0);
      t.is(k.in6_get_hw_ifid(i, id), 0);
      t.is(k.ip6_sprintf(id), "::ff:fe00:1", "a local one gets it cleared");
      t.is(k.if_setlladdr(i, Uint8Array.from([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]), 6), 0);
      t.is(k.in6_get_hw_ifid(i, id), -1, "a group address");
      t.is(k.if_setlladdr(i, new Uint8Array(6), 6), 0);
      t.is(k.in6_get_hw_ifid(i, id), -1, "all zeroes");
      t.is(k.if_setlladdr(i, new Uint8Array(6).fill(0xff), 6), 0);
      t.is(k.in6_get_hw_ifid(i, id), -1, "all ones");
      t.is(k.in6_get_hw_ifid(ifp(k, "lo0"), id), -1, "lo0 has no hardware address");
    });
  });

  test.serial(`${build}: without an identifier of its own an interface borrows a universal one, or takes MD5 of the host name`, async (t) => {
    const k = await loadKernel(build);
    inv(k, k.vnet0, () => {
      const e = epair(k);
      const a = ifp(k, e.a);
      const b = ifp(k, e.b);
      // e.a has none; e.b a universal (u bit clear) MAC: e.a borrows it.
      t.is(k.if_setlladdr(a, new Uint8Array(6), 6), 0);
      t.is(k.if_setlladdr(b, Uint8Array.from([0x00, 0x1b, 0x21, 0x00, 0x00, 0x07]), 6), 0);
      t.is(ifdisabled(k, k.cred0, e.a, false), 0);
      t.is(up(k, k.cred0, e.a), 0);
      t.is(ia6_text(k, ia6s(k, e.a)[0]), `fe80::21b:21ff:fe00:7%${a.if_index}/64`);
    });
    const k2 = await loadKernel(build);
    inv(k2, k2.vnet0, () => {
      const e = epair(k2);
      const a = ifp(k2, e.a);
      const b = ifp(k2, e.b);
      // Locally administered MACs are not lent: the host name's MD5.
      t.is(k2.if_setlladdr(a, new Uint8Array(6), 6), 0);
      t.is(k2.if_setlladdr(b, Uint8Array.from([0x02, 0x1b, 0x21, 0x00, 0x00, 0x07]), 6), 0);
      t.is(ifdisabled(k2, k2.cred0, e.a, false), 0);
      t.is(up(k2, k2.cred0, e.a), 0);
      const d = createHash("md5").update(k2.prison0.pr_hostname).digest();
      const id = Uint8Array.from(d.subarray(0, 8));
      id[0] = (id[0] & ~1) | 2; // individual, local ...
      id[0] ^= 2; // ... then EUI64_TO_IFID
      const w = (i: number) => ((id[i] << 8) | id[i + 1]).toString(16);
      t.is(ia6_text(k2, ia6s(k2, e.a)[0]), `fe80::${w(0)}:${w(2)}:${w(4)}:${w(6)}%${a.if_index}/64`.replace(/::0:/, "::"));
    });
  });

  test.serial(`${build}: lo0 gets ::1/128 and fe80::1/64 when it comes up, with no DAD`, async (t) => {
    const k = await loadKernel(build);
    inv(k, k.vnet0, () => {
      const lo = ifp(k, "lo0");
      t.is(up(k, k.cred0, "lo0"), 0);
      const l = ia6s(k, "lo0");
      t.deepEqual(
        l.map((ia) => ia6_text(k, ia)),
        ["::1/128", `fe80::1%${lo.if_index}/64`],
      );
      t.deepEqual(
        l.map((ia) => ia.ia6_flags),
        [0, 0],
        "loopback does no DAD",
      );
      t.is(k.ip6_sprintf(l[0].ia_dstaddr.sin6_addr), "::1", "::1's destination is itself");
      t.true(k.in6_localip(a6(k, "::1")));
      t.is(k.in6ifa_ifwithaddr(a6(k, "::1"), 0), l[0]);
    });
  });

  test.serial(`${build}: net.inet6.ip6.auto_linklocal=0 and ifdisabled leave an interface without a link-local address`, async (t) => {
    const k = await loadKernel(build);
    inv(k, k.vnet0, () => {
      t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.auto_linklocal", 0).error, 0);
      const e = epair(k);
      t.is(ifdisabled(k, k.cred0, e.a, false), 0);
      t.is(up(k, k.cred0, e.a), 0);
      t.deepEqual(ia6s(k, e.a), [], "new interfaces take the default");
      t.is(k.kernel_sysctlbyname(k.cred0, "net.inet6.ip6.auto_linklocal", 1).error, 0);
      const e2 = epair(k);
      t.is(up(k, k.cred0, e2.a), 0);
      t.deepEqual(ia6s(k, e2.a), [], "IPv6 disabled");
      // -ifdisabled on a running interface: nd6 calls in6_if_up, which adds it.
      t.is(ifdisabled(k, k.cred0, e2.a, false), 0);
      t.is(ia6s(k, e2.a).length, 1, "enabled: the link-local address comes");
      // ifdisabled again keeps it, tentative (DAD again when enabled).
      t.is(ifdisabled(k, k.cred0, e2.a, true), 0);
      t.is(ia6s(k, e2.a).length, 1);
      t.true((ia6s(k, e2.a)[0].ia6_flags & k.IN6_IFF_TENTATIVE) !== 0);
    });
  });

  test.serial(`${build}: in6_nigroup is ff02::2:ff plus 24 bits of MD5 of the first label, in lower case`, async (t) => {
    const k = await loadKernel(build);
    inv(k, k.vnet0, () => {
      const g = new k.in6_addr();
      t.is(k.in6_nigroup(null, "Host.example.org", 16, g), 0);
      const d = createHash("md5")
        .update(Buffer.from([4]))
        .update("host")
        .digest();
      const hx = (x: number) => x.toString(16).padStart(2, "0");
      t.is(k.ip6_sprintf(g), `ff02::2:ff${hx(d[0])}:${((d[1] << 8) | d[2]).toString(16)}`);
      t.is(k.in6_nigroup_oldmcprefix(null, "host", 4, g), 0);
      t.is(k.ip6_sprintf(g), `ff02::2:${((d[0] << 8) | d[1]).toString(16)}:${((d[2] << 8) | d[3]).toString(16)}`);
      t.is(k.in6_nigroup(null, "", 0, g), -1, "no name");
      t.is(k.in6_nigroup(null, "x".repeat(64), 64, g), -1, "a label is at most 63 characters");
    });
  });
}

test.serial("vimage: every vnet jail's lo0 gets its own ::1 and fe80::1%lo0", async (t) => {
  const r = await run_script("jail -c name=a vnet persist >/dev/null\njail -c name=b vnet persist >/dev/null\njexec a ifconfig lo0 up\njexec b ifconfig lo0 up\n");
  t.is(r.err, "");
  const k = r.k;
  const seen: string[][] = [];
  for (const name of ["a", "b"]) {
    const pr = k.prison_find_name(name);
    if (pr === null) throw new Error("no jail");
    inv(k, pr.pr_vnet, () => seen.push(ia6s(k, "lo0").map((ia) => ia6_text(k, ia))));
  }
  t.deepEqual(seen, [
    ["::1/128", "fe80::1%1/64"],
    ["::1/128", "fe80::1%1/64"],
  ]);
  inv(k, k.vnet0, () => t.deepEqual(ia6s(k, "lo0"), [], "the host's lo0 stayed down"));
});
