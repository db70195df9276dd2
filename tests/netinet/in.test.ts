// netinet/in: address assignment and removal (SIOCAIFADDR/SIOCDIFADDR) with
// their side effects (broadcast address, prefix route, host route via lo0,
// ARP entry), and the lookup helpers (in_localip, in_broadcast, ...).
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import { epair, ifaddr_add, ifaddr_del, ifp, ifvnet, inv, ip, vnet_jail } from "./rt_helpers.ts";

function routes(k: Kernel, fib = 0): string[] {
  return inv(k, k.vnet0, () => k.rt_dump(fib)).entries.map((e) => {
    const gw = "sin_addr" in e.rt_gateway ? k.inet_ntoa(e.rt_gateway.sin_addr) : `link#${"sdl_index" in e.rt_gateway ? e.rt_gateway.sdl_index : "?"}`;
    return `${k.inet_ntoa(e.rt_dst)}/${k.in_mask2len(e.rt_mask)} ${gw} ${e.rt_flags.toString(16)} ${e.rt_ifname} ${k.inet_ntoa(e.rt_ifa)}`;
  });
}

function ia_of(k: Kernel, name: string, a: string) {
  return inv(k, k.vnet0, () => {
    const i = ifp(k, name);
    const ia = i.if_addrhead.find((x) => x instanceof k.in_ifaddr && x.ia_addr.sin_addr === ip(k, a));
    return ia instanceof k.in_ifaddr ? ia : null;
  });
}

for (const build of BOTH) {
  test.serial(`${build}: an address brings its prefix route, its route via lo0 and its broadcast address`, async (t) => {
    const k = await loadKernel(build);
    const e = inv(k, k.vnet0, () => epair(k));
    const cr = k.cred0;
    inv(k, k.vnet0, () => {
      t.is(ifaddr_add(k, cr, "lo0", "127.0.0.1", 8), 0);
      t.is(ifaddr_add(k, cr, e.a, "10.0.0.1", 24), 0);
    });
    const i = inv(k, k.vnet0, () => ifp(k, e.a));
    t.true((i.if_flags & k.IFF_UP) !== 0, "SIOCSIFADDR brought Ethernet up");
    const ia = ia_of(k, e.a, "10.0.0.1")!;
    t.is(k.inet_ntoa(ia.ia_broadaddr.sin_addr), "10.0.0.255");
    t.is(k.inet_ntoa(ia.ia_subnet), "10.0.0.0");
    t.is(ia.ia_subnetmask, k.in_len2mask(24));
    t.true((ia.ifa_flags & k.IFA_ROUTE) !== 0);
    t.deepEqual(routes(k), [
      `10.0.0.0/24 link#${i.if_index} 100001 epair0a 10.0.0.1`,
      `10.0.0.1/32 link#${i.if_index} 100805 lo0 127.0.0.1`,
      "127.0.0.1/32 link#1 100005 lo0 127.0.0.1",
    ]);
    // The helpers.
    inv(k, k.vnet0, () => {
      t.true(k.in_localip(ip(k, "10.0.0.1")));
      t.false(k.in_localip(ip(k, "10.0.0.2")));
      t.is(k.in_localaddr(ip(k, "10.0.0.77")), 1);
      t.is(k.in_localaddr(ip(k, "10.0.1.77")), 0);
      t.true(k.in_broadcast(ip(k, "10.0.0.255"), i));
      t.true(k.in_broadcast(ip(k, "255.255.255.255"), i));
      t.true(k.in_broadcast(0, i));
      t.false(k.in_broadcast(ip(k, "10.0.0.0"), i), "host 0 only with net.inet.ip.broadcast_lowest");
      t.false(k.in_broadcast(ip(k, "10.0.0.7"), i));
      t.is(k.in_canforward(ip(k, "10.0.0.5")), 1);
      t.is(k.in_canforward(ip(k, "127.0.0.1")), 0);
      t.is(k.in_canforward(ip(k, "224.0.0.5")), 0);
      t.is(k.in_canforward(ip(k, "169.254.1.1")), 0);
      t.is(k.in_canforward(ip(k, "240.0.0.1")), 0);
      t.is(k.in_canforward(ip(k, "0.1.2.3")), 0);
      t.is(k.ifa_ifwithaddr(new k.sockaddr_in(ip(k, "10.0.0.1"))), ia);
      t.is(k.ifa_ifwithaddr(new k.sockaddr_in(ip(k, "10.0.0.255"))), ia, "the broadcast address names it too");
      t.is(k.ifa_ifwithaddr(new k.sockaddr_in(ip(k, "10.0.0.2"))), null);
      t.is(k.ifa_ifwithnet(new k.sockaddr_in(ip(k, "10.0.0.77")), 0, k.RT_ALL_FIBS), ia);
      t.is(k.ifa_ifwithnet(new k.sockaddr_in(ip(k, "10.0.1.77")), 0, k.RT_ALL_FIBS), null);
      t.is(k.ifa_ifwithdstaddr(new k.sockaddr_in(ip(k, "10.0.0.77")), k.RT_ALL_FIBS), null);
      t.is(k.ifaof_ifpforaddr(new k.sockaddr_in(ip(k, "10.0.0.9")), i), ia);
      t.deepEqual(k.INADDR_HASH(ip(k, "10.0.0.1")), [ia]);
      // SIOCGIFADDR and friends.
      const q: { ifr_name: string; ifr_addr?: unknown } = { ifr_name: e.a };
      t.is(k.ifioctl(cr, k.SIOCGIFADDR, q), 0);
      t.is(k.inet_ntoa((q.ifr_addr as { sin_addr: number }).sin_addr), "10.0.0.1");
      t.is(k.ifioctl(cr, k.SIOCGIFNETMASK, q), 0);
      t.is(k.inet_ntoa((q.ifr_addr as { sin_addr: number }).sin_addr), "255.255.255.0");
      t.is(k.ifioctl(cr, k.SIOCGIFBRDADDR, q), 0);
      t.is(k.inet_ntoa((q.ifr_addr as { sin_addr: number }).sin_addr), "10.0.0.255");
      t.is(k.ifioctl(cr, k.SIOCGIFDSTADDR, q), k.EINVAL, "not point-to-point");
      t.is(k.ifioctl(cr, k.SIOCSIFADDR, q), k.EINVAL, "the old request is gone");
      const alias = { ifra_name: e.a, ifra_addr: new k.sockaddr_in(ip(k, "10.0.0.1")), ifra_broadaddr: null, ifra_mask: null };
      t.is(k.ifioctl(cr, k.SIOCGIFALIAS, alias), 0);
      t.is(k.inet_ntoa((alias.ifra_broadaddr as unknown as { sin_addr: number }).sin_addr), "10.0.0.255");
      t.is(k.ifioctl(cr, k.SIOCGIFADDR, { ifr_name: e.b }), k.EADDRNOTAVAIL);
    });
  });

  test.serial(`${build}: /31, /32, a given broadcast, a classful default`, async (t) => {
    const k = await loadKernel(build);
    const e = inv(k, k.vnet0, () => epair(k));
    const cr = k.cred0;
    inv(k, k.vnet0, () => {
      t.is(ifaddr_add(k, cr, "lo0", "127.0.0.1", 8), 0);
      t.is(ifaddr_add(k, cr, e.a, "10.0.1.0", 31), 0);
      t.is(ifaddr_add(k, cr, e.a, "10.0.2.1", 32), 0);
      t.is(ifaddr_add(k, cr, e.a, "10.0.3.1", 24, "10.0.3.127"), 0);
      k.msgbuf_clear();
      t.is(ifaddr_add(k, cr, e.b, "172.20.1.1", null), 0);
    });
    t.is(k.inet_ntoa(ia_of(k, e.a, "10.0.1.0")!.ia_broadaddr.sin_addr), "255.255.255.255");
    t.is(k.inet_ntoa(ia_of(k, e.a, "10.0.3.1")!.ia_broadaddr.sin_addr), "10.0.3.127");
    const h = ia_of(k, e.a, "10.0.2.1")!;
    t.is(h.ia_subnetmask, 0xffffffff);
    // A /32 is no broadcast address of its own interface.
    t.false(inv(k, k.vnet0, () => k.in_broadcast(ip(k, "10.0.2.1"), ifp(k, e.a))));
    const c = ia_of(k, e.b, "172.20.1.1")!;
    t.is(c.ia_subnetmask, k.in_len2mask(16), "class B");
    t.true(k.msgbuf_read().includes("epair0b: set address: WARNING: network mask should be specified; using historical default"));
    const r = routes(k).map((x) => x.split(" ").slice(0, 1).concat(x.split(" ").slice(2, 4)).join(" "));
    t.deepEqual(r, [
      // Equal keys: the host route first, as radix keeps them.
      "10.0.1.0/32 100805 lo0",
      "10.0.1.0/31 100001 epair0a",
      "10.0.2.1/32 100005 lo0", // the /32 alone: its prefix route is the host route via lo0
      "10.0.3.0/24 100001 epair0a",
      "10.0.3.1/32 100805 lo0",
      "127.0.0.1/32 100005 lo0",
      "172.20.0.0/16 100001 epair0b",
      "172.20.1.1/32 100805 lo0",
    ]);
  });

  test.serial(`${build}: removal scrubs routes and ARP entries; the prefix moves to a sibling`, async (t) => {
    const k = await loadKernel(build);
    const e = inv(k, k.vnet0, () => epair(k));
    const cr = k.cred0;
    inv(k, k.vnet0, () => {
      t.is(ifaddr_add(k, cr, "lo0", "127.0.0.1", 8), 0);
      t.is(ifaddr_add(k, cr, e.a, "10.0.0.1", 24), 0);
      t.is(ifaddr_add(k, cr, e.a, "10.0.0.2", 24), 0);
    });
    const a1 = ia_of(k, e.a, "10.0.0.1")!;
    const a2 = ia_of(k, e.a, "10.0.0.2")!;
    t.true((a1.ifa_flags & k.IFA_ROUTE) !== 0);
    t.is(a2.ifa_flags & k.IFA_ROUTE, 0, "the prefix already has its route");
    const i = inv(k, k.vnet0, () => ifp(k, e.a));
    t.deepEqual(
      inv(k, k.vnet0, () => k.lla_dump(i)).map((x) => k.inet_ntoa(x.addr)).sort(),
      ["10.0.0.1", "10.0.0.2"],
      "an LLE_IFADDR entry each",
    );
    inv(k, k.vnet0, () => t.is(ifaddr_del(k, cr, e.a, "10.0.0.1"), 0));
    t.true((a2.ifa_flags & k.IFA_ROUTE) !== 0, "the route moved to 10.0.0.2");
    t.deepEqual(routes(k), [
      `10.0.0.0/24 link#${i.if_index} 100001 epair0a 10.0.0.2`,
      `10.0.0.2/32 link#${i.if_index} 100805 lo0 127.0.0.1`,
      "127.0.0.1/32 link#1 100005 lo0 127.0.0.1",
    ]);
    t.deepEqual(
      inv(k, k.vnet0, () => k.lla_dump(i)).map((x) => k.inet_ntoa(x.addr)),
      ["10.0.0.2"],
    );
    inv(k, k.vnet0, () => {
      t.false(k.in_localip(ip(k, "10.0.0.1")));
      t.is(ifaddr_del(k, cr, e.a, "10.0.0.1"), k.EADDRNOTAVAIL);
      t.is(ifaddr_del(k, cr, e.a, "10.0.0.2"), 0);
    });
    t.deepEqual(routes(k), ["127.0.0.1/32 link#1 100005 lo0 127.0.0.1"]);
    t.deepEqual(inv(k, k.vnet0, () => k.lla_dump(i)), []);
    t.deepEqual(inv(k, k.vnet0, () => k.V_in_ifaddrhead().map((x) => k.inet_ntoa(x.ia_addr.sin_addr))), ["127.0.0.1"]);
    t.is(i.if_addrhead.length, 1, "only the link-level address is left");
    k.kern_run_until_idle();
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test.serial(`${build}: adding an address again replaces it; privileges; no_same_prefix`, async (t) => {
    const k = await loadKernel(build);
    const e = inv(k, k.vnet0, () => epair(k));
    const cr = k.cred0;
    const user = new k.ucred(1001, k.prison0);
    inv(k, k.vnet0, () => {
      t.is(ifaddr_add(k, cr, "lo0", "127.0.0.1", 8), 0);
      t.is(ifaddr_add(k, cr, e.a, "10.0.0.1", 24), 0);
      t.is(ifaddr_add(k, cr, e.a, "10.0.0.1", 16), 0, "same address, new mask");
      t.is(ifaddr_add(k, user, e.a, "10.0.0.9", 24), k.EPERM);
      t.is(ifaddr_del(k, user, e.a, "10.0.0.1"), k.EPERM);
    });
    t.is(ia_of(k, e.a, "10.0.0.1")!.ia_subnetmask, k.in_len2mask(16));
    t.is(inv(k, k.vnet0, () => k.V_in_ifaddrhead()).length, 2);
    t.deepEqual(routes(k).map((x) => x.split(" ")[0]), ["10.0.0.0/16", "10.0.0.1/32", "127.0.0.1/32"]);
    // The same prefix on a second interface: no second route, unless refused.
    inv(k, k.vnet0, () => t.is(ifaddr_add(k, cr, e.b, "10.0.0.2", 16), 0));
    t.is(ia_of(k, e.b, "10.0.0.2")!.ifa_flags & k.IFA_ROUTE, 0);
    t.is(k.kernel_sysctlbyname(cr, "net.inet.ip.no_same_prefix", 1).error, 0);
    inv(k, k.vnet0, () => t.is(ifaddr_add(k, cr, e.b, "10.0.0.3", 16), k.EEXIST));
    t.is(ia_of(k, e.b, "10.0.0.3"), null, "a failed add leaves nothing behind");
    t.false(inv(k, k.vnet0, () => k.in_localip(ip(k, "10.0.0.3"))));
    // A bad request.
    inv(k, k.vnet0, () => {
      const bad = { ifra_name: e.a, ifra_addr: new k.sockaddr_in(ip(k, "10.9.9.9")), ifra_broadaddr: null, ifra_mask: null };
      bad.ifra_addr.sin_family = 0;
      t.is(k.ifioctl(cr, k.SIOCAIFADDR, bad), k.EINVAL);
    });
  });
}

for (const build of BOTH) {
  test.serial(`${build}: an interface going down loses its prefix routes, coming up gets them back`, async (t) => {
    const k = await loadKernel(build);
    const e = inv(k, k.vnet0, () => epair(k));
    inv(k, k.vnet0, () => {
      t.is(ifaddr_add(k, k.cred0, "lo0", "127.0.0.1", 8), 0);
      t.is(ifaddr_add(k, k.cred0, e.a, "10.0.0.1", 24), 0);
    });
    const i = inv(k, k.vnet0, () => ifp(k, e.a));
    inv(k, k.vnet0, () => k.in_ifnet_event(i, k.IFNET_EVENT_DOWN));
    t.deepEqual(routes(k).map((x) => x.split(" ")[0]), ["10.0.0.1/32", "127.0.0.1/32"]);
    t.is(ia_of(k, e.a, "10.0.0.1")!.ifa_flags & k.IFA_ROUTE, 0);
    inv(k, k.vnet0, () => k.in_ifnet_event(i, k.IFNET_EVENT_UP));
    t.deepEqual(routes(k).map((x) => x.split(" ")[0]), ["10.0.0.0/24", "10.0.0.1/32", "127.0.0.1/32"]);
  });
}

test.serial("vimage: addresses are per vnet; a vnet jail's root may set them", async (t) => {
  const k = await loadKernel("vimage");
  const J = vnet_jail(k, "j");
  const e = inv(k, k.vnet0, () => epair(k));
  t.is(ifvnet(k, e.b, J.jid), 0);
  inv(k, J.v, () => t.is(ifaddr_add(k, J.cred, e.b, "10.0.0.2", 24), 0));
  inv(k, k.vnet0, () => t.is(ifaddr_add(k, k.cred0, e.a, "10.0.0.1", 24), 0));
  t.true(inv(k, J.v, () => k.in_localip(ip(k, "10.0.0.2"))));
  t.false(inv(k, J.v, () => k.in_localip(ip(k, "10.0.0.1"))));
  t.false(inv(k, k.vnet0, () => k.in_localip(ip(k, "10.0.0.2"))));
  // A plain jail may not configure the host's stack.
  const p = k.kern_jail_set(k.cred0, { name: "plain", persist: true }, k.JAIL_CREATE);
  const pc = k.sys_jail_attach(k.cred0, p.jid);
  if (typeof pc === "number") throw new Error("attach");
  inv(k, k.vnet0, () => t.is(ifaddr_add(k, pc, e.a, "10.0.0.7", 24), k.EPERM));
  t.is(J.remove(), 0);
  t.is(k.sys_jail_remove(k.cred0, p.jid), 0);
  // epair0b came home without its address.
  t.deepEqual(inv(k, k.vnet0, () => ifp(k, e.b).if_addrhead.length), 1);
  k.kern_run_until_idle();
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
