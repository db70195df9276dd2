// net/if_tuntap: the tun, tap and vmnet cloners without a Linux side
// (net.link.tun.linux=0, net.link.tap.linux=0): names and units, rename and
// destroy in a vnet jail (FreeBSD's if_tun_test.sh case 235704), the
// interfaces' flags and media, what the closed device does to output, and
// the cdev ioctls (TUNSIFMODE, TUNSIFHEAD, TUNSLMODE, TUNGIFINFO).
import test from "ava";
import { BOTH, loadKernelUnbooted, type BuildName, type Kernel } from "../helpers/builds.ts";

const NO_LINUX = { "net.link.tun.linux": "0", "net.link.tap.linux": "0" };

/** ifunit in the host's vnet. */
function ifu(k: Kernel, name: string) {
  const saved = k.CURVNET_SET(k.vnet0, "test");
  const ifp = k.ifunit(name);
  k.CURVNET_RESTORE(saved);
  return ifp;
}

async function run(src: string, build: BuildName = "vimage"): Promise<{ k: Kernel; out: string; err: string; status: number }> {
  const k = await loadKernelUnbooted(build);
  let out = "";
  let err = "";
  const status = await k.virtnet_run_script(src, {
    seed: 0,
    pcapdir: null,
    tunables: NO_LINUX,
    name: "t.sh",
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (err += s) },
    cwd: process.cwd(),
  });
  return { k, out, err, status };
}

for (const build of BOTH) {
  test(`${build}: tun, tap and vmnet units: next free, named, taken, global`, async (t) => {
    const r = await run(
      `ifconfig tun create
ifconfig tun create
ifconfig tun7 create
ifconfig tun7 create || echo "exit $?"
ifconfig tap create
ifconfig vmnet create
ifconfig tun07 create || echo "exit $?"
ifconfig tun0 destroy
ifconfig tun create
ifconfig -l
`,
      build,
    );
    t.is(r.out, "tun0\ntun1\ntun7\nexit 1\ntap0\nvmnet0\nexit 1\ntun0\nlo0 tun0 tun1 tun7 tap0 vmnet0\n");
    // An interface that exists is refused before any SIOCIFCREATE2, as
    // ifconfig.c's main does.
    t.is(r.err, "ifconfig: interface tun7 already exists\nifconfig: SIOCIFCREATE2 (tun07): Invalid argument\n");
    t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });

  test(`${build}: tun is point-to-point, tap Ethernet with FreeBSD's OUI; both without carrier while the device is closed`, async (t) => {
    const r = await run(
      `ifconfig tun create >/dev/null
ifconfig tap create >/dev/null
ifconfig tun0
ifconfig tun0 10.0.0.1 10.0.0.2
ifconfig tun0
ifconfig tap0
`,
      build,
    );
    t.is(r.status, 0, r.err);
    const blocks = r.out.split(/(?=^\S)/m);
    t.is(blocks[0], "tun0: flags=8010<POINTOPOINT,MULTICAST> metric 0 mtu 1500\n\toptions=80000<LINKSTATE>\n\tgroups: tun\n\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n");
    t.is(blocks[1], "tun0: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> metric 0 mtu 1500\n\toptions=80000<LINKSTATE>\n\tinet 10.0.0.1 --> 10.0.0.2 netmask 0xff000000\n\tgroups: tun\n\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n");
    t.regex(blocks[2], /^tap0: flags=8802<BROADCAST,SIMPLEX,MULTICAST> metric 0 mtu 1500\n\toptions=80000<LINKSTATE>\n\tether 58:9c:fc:[0-9a-f:]{8}\n\tgroups: tap\n\tmedia: Ethernet autoselect\n\tstatus: no carrier\n\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n$/);
  });

  test(`${build}: with the device closed, the link is down: no route through tun, tap counts an output error`, async (t) => {
    const r = await run(
      `ifconfig tun create >/dev/null
ifconfig tun0 10.0.0.1 10.0.0.2
ping -c 1 10.0.0.2 >/dev/null
ifconfig tap create >/dev/null
ifconfig tap0 10.1.0.1/24 up
ping -c 1 10.1.0.2 >/dev/null
netstat -I tap0 -n
`,
      build,
    );
    t.regex(r.err, /^ping: sendto: No route to host\n/);
    t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test("vimage: 235704: tun created in a vnet jail, renamed, destroyed (if_tun_test.sh)", async (t) => {
  const r = await run(`jail -c name=one vnet persist >/dev/null
tun=$(jexec one ifconfig tun create)
echo $tun
jexec one ifconfig \${tun} name foo
jexec one ifconfig foo destroy; echo "destroy $?"
jexec one ifconfig foo || echo "exit $?"
jexec one ifconfig -l
`);
  t.is(r.out, "tun0\nfoo\ndestroy 0\nexit 1\nlo0\n");
  t.is(r.err, "ifconfig: interface foo does not exist\n");
});

test("vimage: units are global; a tun follows vnet moves; a jail's own tun goes with the jail", async (t) => {
  const r = await run(`jail -c name=one vnet persist >/dev/null
jail -c name=two vnet persist >/dev/null
jexec one ifconfig tun create
ifconfig tun create
ifconfig tun1 vnet two
jexec two ifconfig -l
jexec two ifconfig tun1 10.0.0.1 10.0.0.2
ifconfig tun1 -vnet two
ifconfig tun1 | head -1
jail -r one
ifconfig tun create
ifconfig -l
`);
  t.is(r.status, 0, r.err);
  t.is(r.out, "tun0\ntun1\nlo0 tun1\ntun1: flags=8050<POINTOPOINT,RUNNING,MULTICAST> metric 0 mtu 1500\ntun0\nlo0 tun1 tun0\n");
});

test("vimage: tun_devioctl: TUNSIFMODE refused while up, TUNSIFHEAD and TUNSLMODE exclude each other, TUNGIFINFO, ENOTTY", async (t) => {
  const r = await run(`ifconfig tun create >/dev/null
ifconfig tap create >/dev/null
`);
  const k = r.k;
  const ifp = ifu(k, "tun0");
  const tap = ifu(k, "tap0");
  if (ifp === null || tap === null) return t.fail("no tun0/tap0");
  t.is(k.tun_devioctl(ifp, k.TUNSIFMODE, { v: 0x4 }), k.EINVAL);
  t.is(k.tun_devioctl(ifp, k.TUNSIFMODE, { v: k.IFF_BROADCAST | k.IFF_MULTICAST }), 0);
  t.is(ifp.if_flags & (k.IFF_BROADCAST | k.IFF_POINTOPOINT), k.IFF_BROADCAST);
  ifp.if_flags |= k.IFF_UP;
  t.is(k.tun_devioctl(ifp, k.TUNSIFMODE, { v: k.IFF_POINTOPOINT }), k.EBUSY);
  t.is(k.tun_devioctl(ifp, k.TUNSIFHEAD, { v: 1 }), 0);
  t.is(k.tun_flags_of(ifp) & (k.TUN_IFHEAD | k.TUN_LMODE), k.TUN_IFHEAD);
  t.is(k.tun_devioctl(ifp, k.TUNSLMODE, { v: 1 }), 0);
  t.is(k.tun_flags_of(ifp) & (k.TUN_IFHEAD | k.TUN_LMODE), k.TUN_LMODE);
  const h = { v: 7 };
  t.is(k.tun_devioctl(ifp, k.TUNGIFHEAD, h), 0);
  t.is(h.v, 0);
  const info = { mtu: 0, type: 0, baudrate: 0 };
  t.is(k.tun_devioctl(ifp, k.TUNGIFINFO, info), 0);
  t.deepEqual(info, { mtu: 1500, type: k.IFT_PPP, baudrate: 0 });
  t.is(k.tun_devioctl(ifp, k.TUNSIFINFO, { mtu: 1400, type: k.IFT_ETHER, baudrate: 0 }), k.EPROTOTYPE);
  t.is(k.tun_devioctl(ifp, k.TUNSIFINFO, { mtu: 1400, type: k.IFT_PPP, baudrate: 9600 }), 0);
  t.is(ifp.if_mtu, 1400);
  t.is(ifp.if_baudrate, 9600);
  // The mode ioctls are tun's: tap does not know them.
  t.is(k.tun_devioctl(tap, k.TUNSIFHEAD, { v: 1 }), 25);
  t.is(k.tun_devioctl(tap, k.TUNGIFNAME, { ifr_name: "" }), 0);
});

test("vimage: closed tap: output counts an error, vmnet a queue drop; tun output is EHOSTDOWN", async (t) => {
  const r = await run(`ifconfig tap create >/dev/null
ifconfig vmnet create >/dev/null
ifconfig tun create >/dev/null
ifconfig tap0 up
ifconfig vmnet0 up
ifconfig tun0 10.0.0.1 10.0.0.2
`);
  const k = r.k;
  const send = (name: string): number => {
    const ifp = ifu(k, name);
    if (ifp === null) throw new Error(name);
    const m = k.m_gethdr(k.M_NOWAIT, k.MT_DATA);
    if (m === null) throw new Error("no mbuf");
    m.m_len = m.m_pkthdr.len = 60;
    const saved = k.CURVNET_SET(ifp.if_vnet, "test");
    const e = name.startsWith("tun") ? ifp.if_output(ifp, m, new k.sockaddr_in(0x0a000002), null) : ifp.if_transmit(ifp, m);
    k.CURVNET_RESTORE(saved);
    return e;
  };
  t.is(send("tap0"), 0);
  t.is(send("vmnet0"), k.ENOBUFS);
  t.is(send("tun0"), k.EHOSTDOWN);
  const c = (name: string, i: number): number => {
    const ifp = ifu(k, name);
    return ifp === null ? -1 : k.if_get_counter(ifp, i);
  };
  t.is(c("tap0", k.IFCOUNTER_OERRORS), 1);
  t.is(c("vmnet0", k.IFCOUNTER_OQDROPS), 1);
  t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
