// sbin/ifconfig_af_inet6.ts: `ifconfig IF inet6 ...` as af_inet6.c takes
// it: addresses with /len or prefixlen (64 when none), alias/-alias/delete,
// the address flags, pltime/vltime, eui64; the address requests go last,
// after `up`; the status lines (`inet6 fe80::...%epair0a prefixlen 64
// scopeid 0x2`, flag words, -L lifetimes) and FreeBSD's messages.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

/** The inet6 lines of a block, and its nd6 line. */
function inet6_lines(out: string): string[] {
  return out.split("\n").filter((l) => l.startsWith("\tinet6 ") || l.startsWith("\tnd6 "));
}

test("ifconfig inet6: addresses, prefix lengths and flags as the status lines show them", async (t) => {
  const r = await run_script(`ifconfig epair create >/dev/null
ifconfig epair0a inet6 no_dad
ifconfig epair0a inet6 2001:db8::1/64 up
ifconfig epair0a inet6 2001:db8::2 prefixlen 80 anycast
ifconfig epair0a inet6 2001:db8::3
ifconfig epair0a inet6 2001:db8::4/64 deprecated
ifconfig epair0a inet6 2001:db8::5/64 autoconf prefer_source
ifconfig epair0a inet6 2001:db8::6/128 tentative
ifconfig epair0a inet6
ifconfig epair0b inet6 2001:db8::9/64
ifconfig epair0b inet6 ifdisabled
ifconfig epair0b inet6 | grep 'inet6 2001'
`);
  t.is(r.err, "");
  const lines = inet6_lines(r.out);
  // `up` came first, on an interface where IPv6 was disabled; the first
  // address enabled it, and the link-local address followed.
  t.is(lines[0], "\tinet6 2001:db8::1 prefixlen 64");
  t.regex(lines[1], /^\tinet6 fe80::[0-9a-f:]+%epair0a prefixlen 64 scopeid 0x2$/, "the link-local address");
  t.deepEqual(lines.slice(2), [
    "\tinet6 2001:db8::2 prefixlen 80 anycast",
    "\tinet6 2001:db8::3 prefixlen 64",
    "\tinet6 2001:db8::4 prefixlen 64 deprecated",
    "\tinet6 2001:db8::5 prefixlen 64 autoconf prefer_source",
    // no_dad: nd6_dad_start drops a tentative flag asked for.
    "\tinet6 2001:db8::6 prefixlen 128",
    "\tnd6 options=121<PERFORMNUD,AUTO_LINKLOCAL,NO_DAD>",
    // ifdisabled makes every address tentative again.
    "\tinet6 2001:db8::9 prefixlen 64 tentative",
  ]);
});

test("ifconfig inet6: an address keeps its prefix length (addr6.sh's addr6_invalid_addr)", async (t) => {
  const r = await run_script(`ifconfig epair create >/dev/null
ifconfig epair0a inet6 2001:db8::1/128 || echo "first $?"
ifconfig epair0a inet6 2001:db8::1/127 alias || echo "second $?"
`);
  t.is(r.out, "second 1\n");
  t.is(r.err, "ifconfig: ioctl (SIOCAIFADDR): Invalid argument\n");
});

test("ifconfig inet6: -alias and delete remove an address; a missing one is an error only then", async (t) => {
  const r = await run_script(`ifconfig epair create >/dev/null
ifconfig epair0a inet6 -auto_linklocal no_dad
ifconfig epair0a inet6 2001:db8::1/64
ifconfig epair0a inet6 2001:db8::2/64
ifconfig epair0a inet6 2001:db8::1 -alias
ifconfig epair0a inet6 2001:db8::2 delete
ifconfig epair0a inet6 2001:db8::3/64
ifconfig epair0a inet6 2001:db8::3/64
ifconfig epair0a inet6 | grep 'inet6 '
ifconfig epair0a inet6 2001:db8::1 delete || echo "exit $?"
`);
  t.is(r.out, "\tinet6 2001:db8::3 prefixlen 64\nexit 1\n");
  t.is(r.err, "ifconfig: ioctl (SIOCDIFADDR): Can't assign requested address\n");
});

test("ifconfig inet6: scoped addresses take %zone, and eui64 takes the interface identifier from the link-local address", async (t) => {
  const r = await run_script(`ifconfig epair create >/dev/null
ifconfig epair0a inet6 no_dad -ifdisabled
ifconfig epair0a up
ifconfig epair0a inet6 fe80::99%epair0a/64
ifconfig epair0a inet6 2001:db8:7::/64 eui64
ifconfig epair0a inet6 | grep 'inet6 '
`);
  t.is(r.err, "");
  const lines = r.out.split("\n").filter((l) => l !== "");
  const ll = /^\tinet6 fe80::([0-9a-f:]+)%epair0a prefixlen 64 scopeid 0x2$/.exec(lines[0]);
  t.truthy(ll);
  t.deepEqual(lines.slice(1), ["\tinet6 fe80::99%epair0a prefixlen 64 scopeid 0x2", `\tinet6 2001:db8:7:0:${ll?.[1]} prefixlen 64`]);
});

test("ifconfig inet6: what af_inet6.c refuses before asking the kernel", async (t) => {
  const cases: [string, string][] = [
    ["ifconfig epair0a inet6 zz::1", "ifconfig: zz::1: bad value\n"],
    ["ifconfig epair0a inet6 2001:db8::1/129", "ifconfig: 129: bad value\n"],
    ["ifconfig epair0a inet6 2001:db8::1 prefixlen -1", "ifconfig: -1: bad value\n"],
    ["ifconfig epair0a inet6 fe80::1%nosuch0", "ifconfig: fe80::1%nosuch0: bad value\n"],
    ["ifconfig epair0a inet6 2001:db8::1 pltime soon", "ifconfig: invalid pltime\n"],
    ["ifconfig epair0a inet6 2001:db8::/64 eui64", "ifconfig: could not determine link local address\n"],
    ["ifconfig epair0a inet6 2001:db8::1:2:3:4/64 eui64", "ifconfig: interface index is already filled\n"],
    ["ifconfig epair0a anycast", "ifconfig: address flags can be set only for inet6 addresses\n"],
    ["ifconfig epair0a vltime 5", "ifconfig: vltime not allowed for the AF\n"],
  ];
  for (const [cmd, err] of cases) {
    const r = await run_script(`ifconfig epair create >/dev/null\n${cmd} || echo "exit $?"\n`);
    t.is(r.out, "exit 1\n", cmd);
    t.is(r.err, err, cmd);
  }
});

test("ifconfig -L inet6: pltime and vltime count down from what was given", async (t) => {
  const r = await run_script(`ifconfig epair create >/dev/null
ifconfig epair0a inet6 no_dad -auto_linklocal
ifconfig epair0a inet6 2001:db8::1/64 pltime 100 vltime 200
ifconfig epair0a inet6 2001:db8::2/64
sleep 10
ifconfig -L epair0a inet6 | grep 'inet6 '
`);
  t.is(r.err, "");
  t.is(r.out, "\tinet6 2001:db8::1 prefixlen 64 pltime 90 vltime 190\n\tinet6 2001:db8::2 prefixlen 64\n");
});

test("ifconfig: lo0 up shows ::1 and fe80::1%lo0, and every block ends with its nd6 options", async (t) => {
  const r = await run_script(`ifconfig lo0 up
ifconfig lo0
`);
  t.is(r.err, "");
  t.deepEqual(inet6_lines(r.out), ["\tinet6 ::1 prefixlen 128", "\tinet6 fe80::1%lo0 prefixlen 64 scopeid 0x1", "\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>"]);
  t.true(r.out.endsWith("\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>\n"));
});
