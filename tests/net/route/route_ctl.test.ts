// net/route/route_ctl: a route to an interface (-interface), RTM_CHANGE of
// the gateway (and of a prefix not there), a route with an MTU of its own;
// rib_action's add (add_route_flags), delete (rt_delete_conditional) and
// nexthop sharing, called as the kernel calls it.
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../../helpers/builds.ts";
import { ifp, inv, ip, rtmsg, type ifnet, lo_epair_setup as setup, route_vnet0 as route, lookup_vnet0 as lookup } from "../../netinet/rt_helpers.ts";

for (const build of BOTH) {
  test.serial(`${build}: an interface route named by -interface; RTM_CHANGE`, async (t) => {
    const k = await loadKernel(build);
    const e = setup(k);
    const a = inv(k, k.vnet0, () => ifp(k, e.a));
    t.is(route(k, 0, k.RTM_ADD, { dst: "198.18.0.0", len: 15, gwifp: a }).error, 0);
    const nh = lookup(k, 0, "198.18.1.1")!;
    t.is(nh.nh_ifp, a);
    t.is(nh.nh_flags & k.NHF_GATEWAY, 0);
    t.is(route(k, 0, k.RTM_ADD, { dst: "198.20.0.0", len: 16, gw: "10.0.0.2" }).error, 0);
    t.is(route(k, 0, k.RTM_CHANGE, { dst: "198.20.0.0", len: 16, gw: "10.0.0.3" }).error, 0);
    t.is(k.inet_ntoa(lookup(k, 0, "198.20.1.1")!.gw4_sa.sin_addr), "10.0.0.3");
    t.is(route(k, 0, k.RTM_CHANGE, { dst: "198.21.0.0", len: 16, gw: "10.0.0.3" }).error, k.ESRCH);
    // A route with an MTU of its own, capped by the interface's.
    const m = rtmsg(k, k.RTM_ADD, { dst: "198.22.0.0", len: 16, gw: "10.0.0.2" });
    m.rtm_inits = k.RTV_MTU;
    m.rtm_rmx.rmx_mtu = 1280;
    t.is(inv(k, k.vnet0, () => k.route_output(k.cred0, 0, m)).error, 0);
    t.is(lookup(k, 0, "198.22.0.1")!.nh_mtu, 1280);
  });
}

/** rib_action's request for dst/len (len null: a host route) via gw, an address or an interface. */
function req(k: Kernel, dst: string, len: number | null, gw: string | ifnet, flags = 0) {
  const info = new k.rt_addrinfo();
  info.rti_info[k.RTAX_DST] = new k.sockaddr_in(ip(k, dst));
  if (len === null) flags |= k.RTF_HOST;
  else info.rti_info[k.RTAX_NETMASK] = new k.sockaddr_in(len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
  if (typeof gw === "string") {
    info.rti_info[k.RTAX_GATEWAY] = new k.sockaddr_in(ip(k, gw));
    flags |= k.RTF_GATEWAY;
  } else {
    info.rti_info[k.RTAX_GATEWAY] = k.link_init_sdl(gw, gw.if_type);
  }
  info.rti_flags = flags | k.RTF_STATIC;
  return info;
}

for (const build of BOTH) {
  test.serial(`${build}: add_route_flags: EEXIST for a prefix there; a kernel (RTF_PINNED) route replaces a user one, not the reverse`, async (t) => {
    const k = await loadKernel(build);
    const e = setup(k);
    const a = inv(k, k.vnet0, () => ifp(k, e.a));
    inv(k, k.vnet0, () => {
      const rc = new k.rib_cmd_info();
      t.is(k.rib_action(0, k.RTM_ADD, req(k, "10.9.0.0", 24, "10.0.0.2"), rc), 0);
      t.is(rc.rc_cmd, k.RTM_ADD);
      const user_nh = rc.rc_nh_new;
      // The same gateway twice cannot make a group (get_nhgrp's duplicate check).
      t.is(k.rib_action(0, k.RTM_ADD, req(k, "10.9.0.0", 24, "10.0.0.2"), rc), k.EEXIST);
      // An interface route for the same prefix outranks the user's.
      t.is(k.rib_action(0, k.RTM_ADD, req(k, "10.9.0.0", 24, a, k.RTF_PINNED), rc), 0);
      t.is(rc.rc_cmd, k.RTM_CHANGE);
      t.is(rc.rc_nh_old, user_nh);
      t.is(user_nh !== null && !k.NH_IS_NHGRP(user_nh) ? user_nh.nh_refcnt : -1, 0, "the replaced nexthop's last reference went with it");
      const nh = k.fib4_lookup(0, ip(k, "10.9.0.7"), 0, k.NHR_NONE, 0);
      t.is((nh?.nh_flags ?? -1) & k.NHF_GATEWAY, 0);
      t.is(nh?.nh_ifp, a);
      // Neither another kernel route nor a user one displaces it.
      t.is(k.rib_action(0, k.RTM_ADD, req(k, "10.9.0.0", 24, a, k.RTF_PINNED), rc), k.EEXIST);
      t.is(k.rib_action(0, k.RTM_ADD, req(k, "10.9.0.0", 24, "10.0.0.2"), rc), k.EEXIST);
    });
  });

  test.serial(`${build}: rt_delete_conditional: a user request may not delete a kernel route (EADDRINUSE); gateway and filter must match (ESRCH)`, async (t) => {
    const k = await loadKernel(build);
    setup(k);
    inv(k, k.vnet0, () => {
      const rc = new k.rib_cmd_info();
      // 10.0.0.0/24 is epair0a's prefix route, RTF_PINNED.
      const prefix = () => {
        const i = new k.rt_addrinfo();
        i.rti_info[k.RTAX_DST] = new k.sockaddr_in(ip(k, "10.0.0.0"));
        i.rti_info[k.RTAX_NETMASK] = new k.sockaddr_in(0xffffff00);
        return i;
      };
      t.is(k.rib_action(0, k.RTM_DELETE, prefix(), rc), k.EADDRINUSE);
      t.truthy(k.fib4_lookup(0, ip(k, "10.0.0.9"), 0, k.NHR_NONE, 0));
      t.is(k.rib_action(0, k.RTM_ADD, req(k, "10.7.0.0", 16, "10.0.0.2"), rc), 0);
      const nh = rc.rc_nh_new;
      t.is(k.rib_action(0, k.RTM_DELETE, req(k, "10.7.0.0", 16, "10.0.0.3"), rc), k.ESRCH, "another gateway");
      const declined = req(k, "10.7.0.0", 16, "10.0.0.2");
      declined.rti_filter = () => 0;
      t.is(k.rib_action(0, k.RTM_DELETE, declined, rc), k.ESRCH, "the filter said no");
      t.is(k.rib_action(0, k.RTM_DELETE, req(k, "10.7.0.0", 16, "10.0.0.2"), rc), 0);
      t.is(rc.rc_cmd, k.RTM_DELETE);
      t.is(rc.rc_nh_old, nh);
      t.is((rc.rc_rt?.rte_flags ?? -1) & k.RTF_UP, 0);
      t.is(k.rib_action(0, k.RTM_DELETE, req(k, "10.7.0.0", 16, "10.0.0.2"), rc), k.ESRCH, "gone");
      // With RTF_PINNED the kernel may delete its own.
      const pinned = prefix();
      pinned.rti_flags = k.RTF_PINNED;
      t.is(k.rib_action(0, k.RTM_DELETE, pinned, rc), 0);
      t.is(k.fib4_lookup(0, ip(k, "10.0.0.9"), 0, k.NHR_NONE, 0), null);
    });
  });

  test.serial(`${build}: routes through the same gateway share one nexthop; a non-contiguous mask is refused`, async (t) => {
    const k = await loadKernel(build);
    setup(k);
    inv(k, k.vnet0, () => {
      const rc = new k.rib_cmd_info();
      t.is(k.rib_action(0, k.RTM_ADD, req(k, "172.16.0.0", 16, "10.0.0.2"), rc), 0);
      const nh = rc.rc_nh_new !== null ? k.nhop_select(rc.rc_nh_new, 0) : null;
      t.is(k.rib_action(0, k.RTM_ADD, req(k, "172.17.0.0", 16, "10.0.0.2"), rc), 0);
      t.is(rc.rc_nh_new, nh);
      t.is(nh?.nh_refcnt, 2);
      t.is(k.rib_action(0, k.RTM_DELETE, req(k, "172.16.0.0", 16, "10.0.0.2"), rc), 0);
      t.is(nh?.nh_refcnt, 1);
      const odd = req(k, "172.18.0.0", 16, "10.0.0.2");
      odd.rti_info[k.RTAX_NETMASK] = new k.sockaddr_in(0xff00ff00);
      t.is(k.rib_action(0, k.RTM_ADD, odd, rc), k.EINVAL);
      t.is(k.rib_action(0, 99, req(k, "172.19.0.0", 16, "10.0.0.2"), rc), k.EOPNOTSUPP);
    });
  });
}
