// netinet/ip_*: per-vnet state (counters, sysctls, reassembly queues) and
// what a dying vnet leaves behind (nothing); the address checks of
// ip_input (addresses with the high bit set, source address validation,
// the strong ES model).
import test from "ava";
import { BOTH, loadKernel, type Kernel } from "../helpers/builds.ts";
import { aton, delta, icmpmsg, ip_setup, ippkt, payload, u32, type ifnet, type mbuf } from "./ip_helpers.ts";
import type { vnet } from "../../net/vnet.ts";
import type { sockaddr } from "../../kern/socket.ts";

/** In vnet v: an interface with an address whose output is recorded. */
function vif(k: Kernel, v: vnet, name: string, addr: string, plen: number, sent: Uint8Array[]): ifnet {
  return k.vnet_run(v, "test", () => {
    const ifp = k.if_alloc(k.IFT_ETHER);
    k.if_initname(ifp, name, 0);
    ifp.if_mtu = 1500;
    ifp.if_flags |= k.IFF_UP | k.IFF_BROADCAST;
    ifp.if_drv_flags |= k.IFF_DRV_RUNNING;
    ifp.if_link_state = k.LINK_STATE_UP;
    ifp.if_ioctl = () => 0;
    ifp.if_output = (_ifp: ifnet, m: mbuf, _dst: sockaddr) => {
      const n = k.m_length(m);
      const b = new Uint8Array(n);
      k.m_copydata(m, 0, n, b);
      sent.push(b);
      k.m_freem(m);
      return 0;
    };
    k.if_attach(ifp);
    const error = k.in_control(k.SIOCAIFADDR, { ifra_name: ifp.if_xname, ifra_addr: new k.sockaddr_in(aton(addr)), ifra_broadaddr: null, ifra_mask: new k.sockaddr_in(k.in_len2mask(plen)) }, ifp, k.cred0);
    if (error !== 0) throw new Error(`SIOCAIFADDR: ${error}`);
    return ifp;
  });
}

function inject(k: Kernel, ifp: ifnet, b: Uint8Array): void {
  const m = k.m_devget(b, 0, b.length, ifp);
  if (m === null) throw new Error("m_devget");
  k.vnet_run(ifp.if_vnet, "test", () => k.ip_input(m));
}

function echo(): Uint8Array {
  return icmpmsg(8, 0, new Uint8Array([0, 1, 0, 1, ...payload(16)]));
}

test.serial("vimage: two vnets with the same address keep their own counters, knobs and queues", async (t) => {
  const k = await loadKernel("vimage");
  const a = k.vnet_alloc();
  const b = k.vnet_alloc();
  const sa: Uint8Array[] = [];
  const sb: Uint8Array[] = [];
  const ia = vif(k, a, "capa", "192.168.0.1", 24, sa);
  const ib = vif(k, b, "capb", "192.168.0.1", 24, sb);
  const st = (v: vnet, f: number) => k.vnet_run(v, "test", () => k.VNET_U64(k.ipstat + f));
  inject(k, ia, ippkt({ p: 1, src: aton("192.168.0.2"), dst: aton("192.168.0.1") }, echo()));
  t.is(sa.length, 1);
  t.is(u32(sa[0], 12), aton("192.168.0.1"));
  t.is(sb.length, 0);
  t.is(st(a, k.ips_delivered), 1);
  t.is(st(b, k.ips_delivered), 0);
  t.is(st(k.vnet0, k.ips_total), 0);
  // net.inet.ip.forwarding is per vnet.
  k.vnet_run(a, "test", () => k.VNET_I32_SET(k.ipforwarding, 1));
  t.is(k.vnet_run(b, "test", () => k.VNET_I32(k.ipforwarding)), 0);
  // A fragment waits in b's queue only; destroying b frees it and stops
  // its timer.
  const callouts = k.callout_count();
  inject(k, ib, ippkt({ src: aton("192.168.0.2"), dst: aton("192.168.0.1"), off: k.IP_MF }, payload(64)));
  t.is(k.ipreass_curfrags(), 1);
  t.is(k.kernel_sysctlbyname(k.cred0, "net.inet.ip.fragpackets").value, 0, "vnet0 holds none");
  t.true(k.callout_count() > callouts);
  k.vnet_run(b, "test", () => k.if_detach(ib));
  k.vnet_destroy(b);
  t.is(k.ipreass_curfrags(), 0);
  t.is(k.callout_count(), callouts);
  k.vnet_run(a, "test", () => k.if_detach(ia));
  k.vnet_destroy(a);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

for (const build of BOTH) {
  test.serial(`${build}: ip_input's address checks: source address validation, the strong ES model`, async (t) => {
    const e = await ip_setup(build);
    const cap0 = e.mkif("cap0", "192.168.0.1", 24);
    e.mkif("cap1", "172.16.0.1", 16);
    const got: number[] = [];
    e.k.IPPROTO_REGISTER(253, (m: mbuf) => {
      got.push(m.m_dv.getUint32(m.m_data + 16));
      e.k.m_freem(m);
    }, null);
    // To our address on this interface: delivered.
    let before = e.ipstat();
    e.input(cap0, ippkt({ src: aton("192.168.0.2"), dst: aton("192.168.0.1") }, payload(8)));
    t.deepEqual(got, [aton("192.168.0.1")]);
    // From one of our own addresses, from outside: forged.
    e.input(cap0, ippkt({ src: aton("172.16.0.1"), dst: aton("192.168.0.1") }, payload(8)));
    t.deepEqual(delta(before, e.ipstat()), { ips_total: 2, ips_delivered: 1, ips_badaddr: 1 });
    e.sysctl("net.inet.ip.source_address_validation", 0);
    e.input(cap0, ippkt({ src: aton("172.16.0.1"), dst: aton("192.168.0.1") }, payload(8)));
    t.is(got.length, 2);
    // To the other interface's address: weak ES accepts it; strong ES not.
    e.input(cap0, ippkt({ src: aton("192.168.0.2"), dst: aton("172.16.0.1") }, payload(8)));
    t.is(got.length, 3);
    e.sysctl("net.inet.ip.rfc1122_strong_es", 1);
    before = e.ipstat();
    e.input(cap0, ippkt({ src: aton("192.168.0.2"), dst: aton("172.16.0.1") }, payload(8)));
    t.deepEqual(delta(before, e.ipstat()), { ips_total: 1, ips_badaddr: 1 });
    // The subnet broadcast of the arrival interface is ours too.
    e.input(cap0, ippkt({ src: aton("192.168.0.2"), dst: aton("192.168.0.255") }, payload(8)));
    t.is(got[got.length - 1], aton("192.168.0.255"));
    // Link-local is never forwarded.
    e.sysctl("net.inet.ip.forwarding", 1);
    before = e.ipstat();
    e.input(cap0, ippkt({ src: aton("192.168.0.2"), dst: aton("169.254.1.1") }, payload(8)));
    t.deepEqual(delta(before, e.ipstat()), { ips_total: 1, ips_cantforward: 1 });
    t.deepEqual(e.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
