// ifconfig's gif and tunnel parameters (ifgif.c; ifconfig.c's settunnel
// and deletetunnel; af_inet.c's tunnel status): where the lines go in the
// interface block, and FreeBSD's messages and exit codes for what goes
// wrong (SIOCSIFPHYADDR and the options ioctls only warn; SIOCDIFPHYADDR
// and a bad address are fatal).
import test from "ava";
import { run_script } from "./prog_helpers.ts";

test("the tunnel line follows the options, the gif options follow the addresses; ignore_source and -ignore_source; -tunnel and deletetunnel", async (t) => {
  const r = await run_script(`ifconfig gif create >/dev/null
ifconfig gif0 tunnel 192.0.2.1 192.0.2.2 10.0.0.1 10.0.0.2 ignore_source
ifconfig gif0
ifconfig gif0 inet
ifconfig gif0 -ignore_source -tunnel
ifconfig gif0
ifconfig gif0 tunnel localhost 192.0.2.2
ifconfig gif0 | grep tunnel
ifconfig gif0 deletetunnel
ifconfig gif0 deletetunnel
ifconfig gif0 | grep -c tunnel
`);
  t.is(r.err, "");
  t.is(
    r.out,
    "gif0: flags=8011<UP,POINTOPOINT,MULTICAST> metric 0 mtu 1280\n" +
      "\toptions=80000<LINKSTATE>\n" +
      "\ttunnel inet 192.0.2.1 --> 192.0.2.2\n" +
      "\tinet 10.0.0.1 --> 10.0.0.2 netmask 0xff000000\n" +
      "\toptions=2<IGNORE_SOURCE>\n" +
      "\tgroups: gif\n" +
      "\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n" +
      // `ifconfig gif0 inet`: the tunnel line is there, gif's options not.
      "gif0: flags=8011<UP,POINTOPOINT,MULTICAST> metric 0 mtu 1280\n" +
      "\toptions=80000<LINKSTATE>\n" +
      "\ttunnel inet 192.0.2.1 --> 192.0.2.2\n" +
      "\tinet 10.0.0.1 --> 10.0.0.2 netmask 0xff000000\n" +
      "\tgroups: gif\n" +
      "gif0: flags=8011<UP,POINTOPOINT,MULTICAST> metric 0 mtu 1280\n" +
      "\toptions=80000<LINKSTATE>\n" +
      "\tinet 10.0.0.1 --> 10.0.0.2 netmask 0xff000000\n" +
      "\tgroups: gif\n" +
      "\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n" +
      "\ttunnel inet 127.0.0.1 --> 192.0.2.2\n" +
      "0\n",
  );
  t.is(r.status, 1);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("errors: what warns and goes on, what stops with status 1", async (t) => {
  const cases: [string, string, number][] = [
    // A pair the kernel refuses only warns (exit 0).
    ["ifconfig gif0 tunnel 192.0.2.1 0.0.0.0", "ifconfig: SIOCSIFPHYADDR: Can't assign requested address\n", 0],
    ["ifconfig gif0 tunnel 192.0.2.1 192.0.2.2; ifconfig gif1 tunnel 192.0.2.1 192.0.2.2", "ifconfig: SIOCSIFPHYADDR: Can't assign requested address\n", 0],
    ["ifconfig lo0 tunnel 192.0.2.1 192.0.2.2", "ifconfig: SIOCSIFPHYADDR: Invalid argument\n", 0],
    // Addresses that do not resolve, or of two families, are fatal.
    ["ifconfig gif0 tunnel nosuchhost 192.0.2.2", "ifconfig: error in parsing address string: Name does not resolve\n", 1],
    ["ifconfig gif0 tunnel 192.0.2.1 2001:db8::1", "ifconfig: source and destination address families do not match\n", 1],
    // An IPv6 pair reaches the kernel as inet's request, which it refuses.
    ["ifconfig gif0 tunnel 2001:db8::1 2001:db8::2", "ifconfig: SIOCSIFPHYADDR: Invalid argument\n", 0],
    ["ifconfig gif0 tunnel 192.0.2.1", "ifconfig: 'tunnel' requires 2 arguments\n", 1],
    ["ifconfig lo0 deletetunnel", "ifconfig: SIOCDIFPHYADDR: Invalid argument\n", 1],
    ["ifconfig lo0 -tunnel", "ifconfig: SIOCDIFPHYADDR: Invalid argument\n", 1],
    // The options ioctls on something that is not a gif only warn.
    ["ifconfig lo0 ignore_source", "ifconfig: ioctl(GIFGOPTS): Invalid argument\n", 0],
    ["ifconfig lo0 -ignore_source", "ifconfig: ioctl(GIFGOPTS): Invalid argument\n", 0],
  ];
  for (const [cmd, err, status] of cases) {
    const r = await run_script(`ifconfig gif create >/dev/null\nifconfig gif create >/dev/null\n${cmd}\n`);
    t.is(r.err, err, cmd);
    t.is(r.status, status, cmd);
    t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  }
});

test("lo0 and epairs show no tunnel line and no gif options", async (t) => {
  const r = await run_script("ifconfig epair create >/dev/null\nifconfig -a\n");
  t.is(r.status, 0, r.err);
  t.notRegex(r.out, /tunnel|IGNORE_SOURCE/);
});
