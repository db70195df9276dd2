// sbin/ifconfig_af_nd6.ts: the ND flags through SIOCGIFINFO_IN6 and
// SIOCSIFINFO_IN6, the `nd6 options=` line, and what the flags do to the
// interface's addresses (ifdisabled, auto_linklocal, no_dad), in a vnet
// jail too.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

function nd6_line(out: string): string[] {
  return out.split("\n").filter((l) => l.startsWith("\tnd6 "));
}

test("ifconfig inet6: each ND word sets or clears its flag, and the nd6 line names them", async (t) => {
  const r = await run_script(`ifconfig epair create >/dev/null
ifconfig epair0a inet6 | grep nd6
ifconfig epair0a inet6 accept_rtadv no_radr no_prefer_iface no_dad -nud
ifconfig epair0a inet6 | grep nd6
ifconfig epair0a inet6 -accept_rtadv -no_radr -no_prefer_iface -no_dad nud -auto_linklocal ifdisabled
ifconfig epair0a inet6 | grep nd6
ifconfig epair0a inet6 -nud -ifdisabled
ifconfig epair0a | grep nd6 || echo "no flags, no line"
`);
  t.is(r.err, "");
  t.is(
    r.out,
    [
      "\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>",
      "\tnd6 options=1ea<ACCEPT_RTADV,IFDISABLED,AUTO_LINKLOCAL,NO_RADR,NO_PREFER_IFACE,NO_DAD>",
      "\tnd6 options=9<PERFORMNUD,IFDISABLED>",
      "no flags, no line",
      "",
    ].join("\n"),
  );
});

test("ifconfig inet6: -ifdisabled on an interface that is up brings its link-local address; no_dad leaves new addresses usable at once", async (t) => {
  const r = await run_script(`ifconfig epair create >/dev/null
ifconfig epair0a inet6 ifdisabled
ifconfig epair0a up
ifconfig epair0a inet6 | grep -c 'inet6 ' || true
ifconfig epair0a inet6 no_dad -ifdisabled
ifconfig epair0a inet6 | grep 'inet6 ' | sed 's/fe80::[0-9a-f:]*%/fe80::ID%/'
ifconfig epair0a inet6 2001:db8::1/64
ifconfig epair0a inet6 | grep 'inet6 2001'
`);
  t.is(r.err, "");
  t.is(r.out, "0\n\tinet6 fe80::ID%epair0a prefixlen 64 scopeid 0x2\n\tinet6 2001:db8::1 prefixlen 64\n");
});

test("ifconfig inet6: a vnet jail's root may change its interfaces' ND flags; others may not", async (t) => {
  const r = await run_script(`jail -c name=a vnet persist >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0b vnet a
jexec a ifconfig epair0b inet6 -auto_linklocal no_dad
jexec a ifconfig epair0b inet6 | grep nd6
jail -c name=p persist >/dev/null
jexec p ifconfig epair0a inet6 no_dad
ifconfig epair0a inet6 | grep nd6
`);
  t.deepEqual(nd6_line(r.out), ["\tnd6 options=109<PERFORMNUD,IFDISABLED,NO_DAD>", "\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>"]);
  t.is(r.err, "ifconfig: ioctl(SIOCSIFINFO_IN6): Operation not permitted\n");
});
