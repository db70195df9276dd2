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
    t.is(route(k, 0, k.RTM_ADD, { dst: "192.168.0.0", len: 16, gw: "10.0.0.3" }).error, k.EEXIST);
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
