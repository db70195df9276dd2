// net/rtsock: route_output's errors as FreeBSD's, RTM_GET's answer as
// route -n get shows it, and route sockets hearing announcements and replies.
import test from "ava";
import { BOTH, loadKernel } from "../helpers/builds.ts";
import { ifp, inv, reply_ifname, rtmsg, sa_addr, lo_epair_setup as setup, route_vnet0 as route } from "../netinet/rt_helpers.ts";

for (const build of BOTH) {
  test.serial(`${build}: route_output errors are FreeBSD's`, async (t) => {
    const k = await loadKernel(build);
    setup(k);
    t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.0.0", len: 16, gw: "10.0.0.2" }).error, 0);
    t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.0.0", len: 16, gw: "10.0.0.2" }).error, k.EEXIST); // the same gateway twice
    t.is(route(k, 0, k.RTM_DELETE, { dst: "192.169.0.0", len: 16 }).error, k.ESRCH);
    // Deleting with another gateway than the route's does not match.
    t.is(route(k, 0, k.RTM_DELETE, { dst: "192.168.0.0", len: 16, gw: "10.0.0.9" }).error, k.ESRCH);
    // A gateway no interface reaches.
    t.is(route(k, 0, k.RTM_ADD, { dst: "198.51.100.0", len: 24, gw: "203.0.113.1" }).error, k.ENETUNREACH);
    // A fib that does not exist.
    t.is(route(k, 1, k.RTM_ADD, { dst: "198.51.100.0", len: 24, gw: "10.0.0.2" }).error, k.EINVAL);
    // No gateway on RTM_ADD.
    t.is(route(k, 0, k.RTM_ADD, { dst: "198.51.100.0", len: 24 }).error, k.EINVAL);
    // route get of nothing.
    t.is(route(k, 0, k.RTM_GET, { dst: "203.0.113.5" }).error, k.ESRCH);
    // A user may not change routes, only read them.
    const user = new k.ucred(1001, k.prison0);
    t.is(route(k, 0, k.RTM_ADD, { dst: "198.51.100.0", len: 24, gw: "10.0.0.2" }, user).error, k.EPERM);
    t.is(route(k, 0, k.RTM_GET, { dst: "192.168.3.3" }, user).error, 0);
    // Interface routes are the kernel's: a user route cannot delete them.
    t.is(route(k, 0, k.RTM_DELETE, { dst: "10.0.0.0", len: 24 }).error, k.EADDRINUSE);
    // A wrong version is not answered.
    const m = rtmsg(k, k.RTM_GET, { dst: "10.0.0.1" });
    m.rtm_version = 4;
    const r = inv(k, k.vnet0, () => k.route_output(k.cred0, 0, m));
    t.is(r.error, k.EPROTONOSUPPORT);
    t.is(r.reply, null);
    // The error travels back in the reply.
    const e = route(k, 0, k.RTM_DELETE, { dst: "192.169.0.0", len: 16 });
    t.is(e.reply!.rtm_errno, k.ESRCH);
  });

  test.serial(`${build}: RTM_GET answers as route -n get shows it`, async (t) => {
    const k = await loadKernel(build);
    setup(k);
    t.is(route(k, 0, k.RTM_ADD, { dst: "0.0.0.0", len: 0, gw: "10.0.0.254" }).error, 0);
    const d = route(k, 0, k.RTM_GET, { dst: "8.8.8.8", ifp: true });
    t.is(d.error, 0);
    const r = d.reply!;
    t.is(sa_addr(r.rtm_sa[k.RTAX_DST]), 0);
    t.is(sa_addr(r.rtm_sa[k.RTAX_NETMASK]), 0);
    t.is(k.inet_ntoa(sa_addr(r.rtm_sa[k.RTAX_GATEWAY])!), "10.0.0.254");
    t.is(reply_ifname(r), "epair0a");
    t.is(k.inet_ntoa(sa_addr(r.rtm_sa[k.RTAX_IFA])!), "10.0.0.1");
    t.is(r.rtm_flags, k.RTF_UP | k.RTF_GATEWAY | k.RTF_DONE | k.RTF_STATIC);
    t.is(r.rtm_rmx.rmx_mtu, 1500);
    t.is(r.rtm_index, inv(k, k.vnet0, () => ifp(k, "epair0a")).if_index);
    // Our own address: interface lo0, a pinned static host route.
    const s = route(k, 0, k.RTM_GET, { dst: "10.0.0.1", ifp: true }).reply!;
    t.is(reply_ifname(s), "lo0");
    t.is(s.rtm_flags, k.RTF_UP | k.RTF_HOST | k.RTF_DONE | k.RTF_STATIC | k.RTF_PINNED);
    t.is(s.rtm_sa[k.RTAX_NETMASK], null);
    // The connected prefix, asked for exactly (with a netmask).
    const c = route(k, 0, k.RTM_GET, { dst: "10.0.0.0", len: 24, ifp: true }).reply!;
    t.is(reply_ifname(c), "epair0a");
    t.is(c.rtm_flags, k.RTF_UP | k.RTF_DONE | k.RTF_PINNED);
    t.is(k.inet_ntoa(sa_addr(c.rtm_sa[k.RTAX_NETMASK])!), "255.255.255.0");
    // An exact lookup of a prefix that is not there.
    t.is(route(k, 0, k.RTM_GET, { dst: "10.0.0.0", len: 16 }).error, k.ESRCH);
  });
}

test.serial("vimage: route sockets hear announcements and replies", async (t) => {
  const k = await loadKernel("vimage");
  const heard: string[] = [];
  const l = inv(k, k.vnet0, () =>
    k.rts_attach((m) => {
      heard.push(`${m.rtm_type}${m.rtm_type === k.RTM_IFANNOUNCE ? " " + m.ifan_name : ""}${m.rtm_errno ? " errno " + m.rtm_errno : ""}`);
    }),
  );
  const e = setup(k);
  t.true(heard.includes(`${k.RTM_IFANNOUNCE} ${e.a}`));
  t.true(heard.includes(`${k.RTM_NEWADDR}`));
  t.true(heard.includes(`${k.RTM_ADD}`), "the prefix route the address installed");
  heard.length = 0;
  t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.0.0", len: 16, gw: "10.0.0.2" }).error, 0);
  t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.0.0", len: 16, gw: "10.0.0.2" }).error, k.EEXIST);
  t.deepEqual(heard, [`${k.RTM_ADD}`, `${k.RTM_ADD} errno ${k.EEXIST}`]);
  // The writer can choose not to hear its own.
  heard.length = 0;
  inv(k, k.vnet0, () => k.route_output(k.cred0, 0, rtmsg(k, k.RTM_GET, { dst: "10.0.0.1" }), 42, l));
  t.deepEqual(heard, []);
  inv(k, k.vnet0, () => k.rts_detach(l));
  t.is(route(k, 0, k.RTM_DELETE, { dst: "192.168.0.0", len: 16 }).error, 0);
  t.deepEqual(heard, []);
});

// ---------------------------------------------------------------------------
// IPv6 (AF_INET6 tables, sockaddr_in6 in requests, replies and dumps).

import { a6, epair as epair6, ia6_add, loadKernel6, mask6, sin6, type ifnet as ifnet6 } from "../netinet6/rt6_helpers.ts";
import type { Kernel } from "../helpers/builds.ts";

/** A route(8)-style IPv6 message: dst/len (null: host) via a gateway address or interface. */
function rtmsg6(k: Kernel, type: number, dst: string, len: number | null, gw: string | ifnet6 | null, flags = 0) {
  const m = new k.rt_msghdr();
  m.rtm_type = type;
  m.rtm_flags = flags | k.RTF_UP | k.RTF_STATIC;
  m.rtm_seq = 7;
  m.rtm_sa[k.RTAX_DST] = sin6(k, dst);
  m.rtm_addrs = k.RTA_DST;
  if (len === null) m.rtm_flags |= k.RTF_HOST;
  else {
    m.rtm_sa[k.RTAX_NETMASK] = mask6(k, len);
    m.rtm_addrs |= k.RTA_NETMASK;
  }
  if (typeof gw === "string") {
    m.rtm_sa[k.RTAX_GATEWAY] = sin6(k, gw);
    m.rtm_addrs |= k.RTA_GATEWAY;
    m.rtm_flags |= k.RTF_GATEWAY;
  } else if (gw !== null) {
    m.rtm_sa[k.RTAX_GATEWAY] = new k.sockaddr_dl(gw.if_index, gw.if_type, "", new Uint8Array(0));
    m.rtm_addrs |= k.RTA_GATEWAY;
  }
  return m;
}

/** lo0 up (in6_ifattach gives it ::1 and fe80::1%lo0), epair0a with 2001:db8::1/64 and its prefix route. */
function setup6(k: Kernel) {
  return inv(k, k.vnet0, () => {
    const lo = k.ifunit("lo0")!;
    k.if_up(lo);
    // What lo's SIOCSIFFLAGS does when ifconfig brings it up.
    k.if_link_state_change(lo, k.LINK_STATE_UP);
    const e = epair6(k);
    k.if_up(e.a);
    const ia = ia6_add(k, e.a, "2001:db8::1", 64);
    const r = k.route_output(k.cred0, 0, rtmsg6(k, k.RTM_ADD, "2001:db8::", 64, e.a, k.RTF_PINNED));
    if (r.error !== 0) throw new Error(`prefix route ${r.error}`);
    return { lo, a: e.a, ia };
  });
}

for (const build of BOTH) {
  test.serial(`${build}: IPv6 requests: add, get (longest match and exact), change, delete, blackhole; the replies`, async (t) => {
    const k = await loadKernel6(build);
    const { a } = setup6(k);
    const out = (m: ReturnType<typeof rtmsg6>) => inv(k, k.vnet0, () => k.route_output(k.cred0, 0, m));
    const txt = (sa: unknown) => (sa !== null && typeof sa === "object" && "sin6_addr" in (sa as object) ? k.inet_ntop6((sa as { sin6_addr: Parameters<typeof k.inet_ntop6>[0] }).sin6_addr) : String(sa));
    let r = out(rtmsg6(k, k.RTM_ADD, "2001:db8:1::", 48, "2001:db8::2"));
    t.is(r.error, 0);
    t.is(r.reply!.rtm_index, a.if_index);
    t.is(r.reply!.rtm_flags & (k.RTF_DONE | k.RTF_GATEWAY | k.RTF_UP), k.RTF_DONE | k.RTF_GATEWAY | k.RTF_UP);
    t.is(out(rtmsg6(k, k.RTM_ADD, "2001:db8:1::", 48, "2001:db8::2")).error, k.EEXIST); // the same gateway twice
    // A destination with host bits is masked (cleanup_xaddrs_inet6).
    t.is(out(rtmsg6(k, k.RTM_ADD, "2001:db8:2::77", 64, "2001:db8::2")).error, 0);
    // A /128 is a host route.
    t.is(out(rtmsg6(k, k.RTM_ADD, "2001:db8:3::1", 128, "2001:db8::2")).error, 0);
    // Longest match without a netmask.
    const get = out(rtmsg6(k, k.RTM_GET, "2001:db8:1:5::9", null, null));
    t.is(get.error, 0);
    const g = get.reply!;
    t.is(txt(g.rtm_sa[k.RTAX_DST]), "2001:db8:1::");
    t.is(txt(g.rtm_sa[k.RTAX_NETMASK]), "ffff:ffff:ffff::");
    t.is(txt(g.rtm_sa[k.RTAX_GATEWAY]), "2001:db8::2");
    t.is(g.rtm_rmx.rmx_mtu, 1500);
    // Exact match with one.
    const get2 = out(rtmsg6(k, k.RTM_GET, "2001:db8:2::", 64, null)).reply!;
    t.is(txt(get2.rtm_sa[k.RTAX_DST]), "2001:db8:2::");
    t.is(out(rtmsg6(k, k.RTM_GET, "2001:db8:2::", 96, null)).error, k.ESRCH);
    const host = out(rtmsg6(k, k.RTM_GET, "2001:db8:3::1", null, null)).reply!;
    t.is(host.rtm_sa[k.RTAX_NETMASK], null);
    t.true((host.rtm_flags & k.RTF_HOST) !== 0);
    // RTM_CHANGE moves the gateway.
    t.is(out(rtmsg6(k, k.RTM_CHANGE, "2001:db8:1::", 48, "2001:db8::4")).error, 0);
    t.is(k.inet_ntop6(inv(k, k.vnet0, () => k.fib6_lookup(0, a6(k, "2001:db8:1::1"), 0, 0, 0))!.gw6_sa.sin6_addr), "2001:db8::4");
    // A blackhole route goes to lo0 via ::1.
    t.is(out(rtmsg6(k, k.RTM_ADD, "2001:db8:66::", 48, "2001:db8::2", k.RTF_BLACKHOLE)).error, 0);
    const bh = inv(k, k.vnet0, () => k.fib6_lookup(0, a6(k, "2001:db8:66::1"), 0, 0, 0))!;
    t.is(bh.nh_ifp.if_xname, "lo0");
    t.is(k.inet_ntop6(bh.gw6_sa.sin6_addr), "::1");
    t.true((bh.nh_flags & k.NHF_BLACKHOLE) !== 0);
    // Delete, and the reply carries the route deleted.
    const del = out(rtmsg6(k, k.RTM_DELETE, "2001:db8:1::", 48, null));
    t.is(del.error, 0);
    t.is(txt(del.reply!.rtm_sa[k.RTAX_GATEWAY]), "2001:db8::4");
    t.is(out(rtmsg6(k, k.RTM_DELETE, "2001:db8:1::", 48, null)).error, k.ESRCH);
    // The interface route is the kernel's.
    t.is(out(rtmsg6(k, k.RTM_DELETE, "2001:db8::", 64, null)).error, k.EADDRINUSE);
    // A netmask of another family is refused.
    const bad = rtmsg6(k, k.RTM_ADD, "2001:db8:9::", 48, "2001:db8::2");
    bad.rtm_sa[k.RTAX_NETMASK] = new k.sockaddr_in(0xffff0000);
    t.is(out(bad).error, k.EINVAL);
  });

  test.serial(`${build}: NET_RT_DUMP lists both families' tables; route sockets of AF_INET6 hear IPv6 changes only`, async (t) => {
    const k = await loadKernel6(build);
    const { a } = setup6(k);
    const heard: string[] = [];
    inv(k, k.vnet0, () => {
      k.rts_attach((m) => heard.push(`6:${m.rtm_type}`), k.AF_INET6);
      k.rts_attach((m) => heard.push(`4:${m.rtm_type}`), k.AF_INET);
      t.is(k.ifioctl(k.cred0, k.SIOCAIFADDR, { ifra_name: a.if_xname, ifra_addr: new k.sockaddr_in(k.inet_aton("10.0.0.1")!), ifra_broadaddr: null, ifra_mask: new k.sockaddr_in(0xffffff00), ifra_dstaddr: null }), 0);
      heard.length = 0;
      t.is(k.route_output(k.cred0, 0, rtmsg6(k, k.RTM_ADD, "2001:db8:7::", 48, "2001:db8::2")).error, 0);
    });
    t.deepEqual(heard, [`6:${k.RTM_ADD}`]);
    const r = k.kern_sysctl(k.cred0, [k.CTL_NET, k.PF_ROUTE, 0, 0, k.NET_RT_DUMP, 0], null);
    t.is(r.error, 0);
    const w = r.value as number[];
    const rows: string[] = [];
    for (let o = 0; o < w.length && w[o] > 0; o += w[o]) {
      let kk = o + k.RTD_SA;
      const sa: string[] = [];
      for (let i = 0; i < k.RTAX_MAX; i++) {
        if ((w[o + k.RTD_ADDRS] & (1 << i)) === 0) continue;
        const d = k.rt_msg_sa_decode(w, kk);
        kk = d.next;
        const s = d.sa;
        sa.push("sin_addr" in s ? k.inet_ntoa(s.sin_addr) : "sin6_addr" in s ? k.inet_ntop6(s.sin6_addr) + (s.sin6_scope_id !== 0 ? `%${s.sin6_scope_id}` : "") : "sdl_index" in s ? `link#${s.sdl_index}${s.sdl_data !== "" ? `(${s.sdl_data})` : ""}` : "?");
      }
      rows.push(sa.join(" "));
    }
    t.deepEqual(rows, [
      `10.0.0.0 link#${a.if_index} 255.255.255.0 link#${a.if_index}(${a.if_xname}) 10.0.0.1`,
      `10.0.0.1 link#${a.if_index} link#1(lo0) 10.0.0.1`,
      // lo0 up: in6_ifattach gave it ::1 and fe80::1%lo0.
      "::1 link#1 link#1(lo0) ::1",
      `2001:db8:: link#${a.if_index} ffff:ffff:ffff:ffff:: link#${a.if_index}(${a.if_xname}) 2001:db8::1`,
      `2001:db8:7:: 2001:db8::2 ffff:ffff:ffff:: link#${a.if_index}(${a.if_xname}) 2001:db8::1`,
      // The zone comes out in sin6_scope_id.
      "fe80::%1 link#1 ffff:ffff:ffff:ffff:: link#1(lo0) fe80::1%1",
      "fe80::1%1 link#1 link#1(lo0) fe80::1%1",
    ]);
    // One family's table: EAFNOSUPPORT for a family without.
    const r6 = k.kern_sysctl(k.cred0, [k.CTL_NET, k.PF_ROUTE, 0, k.AF_INET6, k.NET_RT_DUMP, 0], null);
    t.is(r6.error, 0);
    t.is(k.kern_sysctl(k.cred0, [k.CTL_NET, k.PF_ROUTE, 0, k.AF_LINK, k.NET_RT_DUMP, 0], null).error, k.EAFNOSUPPORT);
  });
}
