// netinet6/in6_proto: the inet6 domain and the net.inet6.ip6 knobs
// in6_proto.c declares, with FreeBSD's names, defaults and descriptions,
// one copy per vnet.
import test from "ava";
import { run_script } from "../sbin/prog_helpers.ts";

test("net.inet6.ip6: FreeBSD's knobs and defaults", async (t) => {
  const names = [
    "forwarding",
    "redirect",
    "hlim",
    "accept_rtadv",
    "no_radr",
    "norbit_raif",
    "rfc6204w3",
    "log_interval",
    "hdrnestlimit",
    "dad_count",
    "auto_flowlabel",
    "defmcasthlim",
    "kame_version",
    "use_deprecated",
    "rr_prune",
    "v6only",
    "auto_linklocal",
    "use_defaultzone",
    "mcast_pmtu",
  ];
  const r = await run_script(names.map((n) => `sysctl net.inet6.ip6.${n}\n`).join(""));
  t.is(r.err, "");
  t.is(
    r.out,
    [
      "net.inet6.ip6.forwarding: 0",
      "net.inet6.ip6.redirect: 1",
      "net.inet6.ip6.hlim: 64",
      "net.inet6.ip6.accept_rtadv: 0",
      "net.inet6.ip6.no_radr: 0",
      "net.inet6.ip6.norbit_raif: 0",
      "net.inet6.ip6.rfc6204w3: 0",
      "net.inet6.ip6.log_interval: 5",
      "net.inet6.ip6.hdrnestlimit: 15",
      "net.inet6.ip6.dad_count: 1",
      "net.inet6.ip6.auto_flowlabel: 1",
      "net.inet6.ip6.defmcasthlim: 1",
      "net.inet6.ip6.kame_version: FreeBSD",
      "net.inet6.ip6.use_deprecated: 1",
      "net.inet6.ip6.rr_prune: 5",
      "net.inet6.ip6.v6only: 1",
      "net.inet6.ip6.auto_linklocal: 1",
      "net.inet6.ip6.use_defaultzone: 0",
      "net.inet6.ip6.mcast_pmtu: 0",
      "",
    ].join("\n"),
  );
});

test("net.inet6.ip6: numbers as in6.h has them, descriptions as in6_proto.c", async (t) => {
  const r = await run_script("sysctl -N net.inet6.ip6.forwarding\nsysctl -d net.inet6.ip6.forwarding net.inet6.ip6.dad_count\nsysctl kern.features.inet6\n");
  t.is(r.err, "");
  t.is(
    r.out,
    "net.inet6.ip6.forwarding\nnet.inet6.ip6.forwarding: Enable forwarding of IPv6 packets between interfaces\nnet.inet6.ip6.dad_count: Number of ICMPv6 NS messages sent during duplicate address detection\nkern.features.inet6: 1\n",
  );
});

test("net.inet6.ip6 knobs are per vnet: a jail's forwarding and auto_linklocal are its own", async (t) => {
  const r = await run_script(`jail -c name=a vnet persist >/dev/null
jexec a sysctl net.inet6.ip6.forwarding=1
jexec a sysctl net.inet6.ip6.auto_linklocal=0
sysctl net.inet6.ip6.forwarding net.inet6.ip6.auto_linklocal
jexec a sysctl net.inet6.ip6.forwarding net.inet6.ip6.auto_linklocal
ifconfig epair create >/dev/null
ifconfig epair0b vnet a
jexec a ifconfig epair0b inet6 -ifdisabled up
ifconfig epair0a inet6 -ifdisabled up
ifconfig epair0a inet6 | grep -c 'inet6 fe80'
jexec a ifconfig epair0b inet6 | grep -c 'inet6 fe80'
`);
  t.is(r.err, "");
  t.is(
    r.out,
    [
      "net.inet6.ip6.forwarding: 0 -> 1",
      "net.inet6.ip6.auto_linklocal: 1 -> 0",
      "net.inet6.ip6.forwarding: 0",
      "net.inet6.ip6.auto_linklocal: 1",
      "net.inet6.ip6.forwarding: 1",
      "net.inet6.ip6.auto_linklocal: 0",
      "1",
      "0",
      "",
    ].join("\n"),
  );
});
