// netinet6/nd6_rtr (with rtadvd and rtsol): a router jail advertising its
// prefix, a host with accept_rtadv taking its default route, the prefix
// and an autoconfigured address from the advertisement; the default
// router's lifetime running out on the virtual clock; ndp -R and -P
// flushing routers and prefixes; a host without accept_rtadv ignoring RAs.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script } from "../sbin/prog_helpers.ts";

/** A router r (2001:db8:1::1/64 on epair0a, forwarding) and a host h on epair0b. */
const ROUTER_HOST = (hflags: string, rtadvd = "rtadvd -D epair0a") => `jail -c name=r persist vnet >/dev/null
jail -c name=h persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet r
ifconfig epair0b vnet h
jexec r sysctl net.inet6.ip6.forwarding=1 >/dev/null
jexec r ndp -i epair0a -- -disabled >/dev/null
jexec h ndp -i epair0b -- ${hflags} >/dev/null
jexec r ifconfig epair0a inet6 2001:db8:1::1/64 up
jexec h ifconfig epair0b up
sleep 3
jexec r ${rtadvd} >/dev/null 2>&1 &
sleep 1
`;

/** Runs the script after ROUTER_HOST (then killall rtadvd); its output split at lines "== NAME". */
async function scenario(hflags: string, body: string, rtadvd?: string): Promise<Map<string, string>> {
  const r = await run_script(ROUTER_HOST(hflags, rtadvd) + body + "killall rtadvd >/dev/null 2>&1\necho == end\n");
  if (r.status !== 0) throw new Error(`script: ${r.err}`);
  const parts = new Map<string, string>();
  let name = "";
  for (const line of r.out.split(/(?<=\n)/)) {
    const m = /^== (\S+)\n$/.exec(line);
    if (m !== null) {
      name = m[1];
      parts.set(name, "");
    } else parts.set(name, (parts.get(name) ?? "") + line);
  }
  return parts;
}

test.serial("vimage: rtsol's RS is answered by rtadvd: h's default router, prefix, autoconf address and default route", async (t) => {
  const o = await scenario(
    "-disabled accept_rtadv",
    `jexec h rtsol epair0b
sleep 3
echo == r; jexec h ndp -rn
echo == p; jexec h ndp -pn
echo == ifconfig; jexec h ifconfig epair0b inet6
echo == netstat; jexec h netstat -rn -f inet6
echo == a; jexec h ndp -an
`,
  );
  t.regex(o.get("r") ?? "", /^fe80::[0-9a-f:]+%epair0b if=epair0b, flags=, pref=medium, expire=29m5\ds\n$/);
  t.regex(o.get("p") ?? "", /^2001:db8:1::\/64 if=epair0b\nflags=LAO vltime=2592000, pltime=604800, expire=29d23h5\dm5\ds, ref=1\n  advertised by\n    fe80::[0-9a-f:]+%epair0b \(reachable\)\n/);
  t.regex(o.get("ifconfig") ?? "", /\tinet6 2001:db8:1:0:[0-9a-f:]+ prefixlen 64 autoconf/);
  t.regex(o.get("netstat") ?? "", /\ndefault +fe80::[0-9a-f:]+%epair0b +UG +epair0b/);
  t.regex(o.get("netstat") ?? "", /\n2001:db8:1::\/64 +link#\d+ +U +epair0b/);
  // The router is in h's neighbor cache with the R flag.
  t.regex(o.get("a") ?? "", /\nfe80::[0-9a-f:]+%epair0b +[0-9a-f:]{17} epair0b \S+ +\S R\n/);
});

test.serial("vimage: the router lifetime runs out on the virtual clock: the default router and route go, the prefix stays", async (t) => {
  const o = await scenario(
    "-disabled accept_rtadv",
    `jexec h rtsol epair0b
killall rtadvd
sleep 1700
echo == r1; jexec h ndp -rn
sleep 120
echo == r2; jexec h ndp -rn
echo == netstat; jexec h netstat -rn -f inet6
echo == p; jexec h ndp -pn
`,
  );
  t.regex(o.get("r1") ?? "", /^fe80::[0-9a-f:]+%epair0b if=epair0b, flags=, pref=medium, expire=1m\d+s\n$/);
  t.is(o.get("r2"), "");
  t.notRegex(o.get("netstat") ?? "", /\ndefault/);
  t.regex(o.get("p") ?? "", /^2001:db8:1::\/64 if=epair0b\n/);
});

test.serial("vimage: ndp -R flushes the default routers (and the default route); ndp -P the prefixes with their autoconf addresses", async (t) => {
  const o = await scenario(
    "-disabled accept_rtadv",
    `jexec h rtsol epair0b
killall rtadvd
echo == R; jexec h ndp -R; echo "status $?"
echo == r; jexec h ndp -r
echo == netstat; jexec h netstat -rn -f inet6
echo == P; jexec h ndp -P; echo "status $?"
echo == p; jexec h ndp -pn
echo == ifconfig; jexec h ifconfig epair0b inet6
`,
  );
  t.is(o.get("R"), "status 0\n");
  t.is(o.get("r"), "");
  t.notRegex(o.get("netstat") ?? "", /\ndefault/);
  t.is(o.get("P"), "status 0\n");
  t.is(o.get("p"), "fe80::%epair0b/64 if=epair0b\nflags=LAO vltime=infinity, pltime=infinity, expire=Never, ref=1\n  No advertising router\n");
  t.notRegex(o.get("ifconfig") ?? "", /autoconf/);
});

test.serial("vimage: without accept_rtadv the RAs are ignored: no router, no prefix, no address; turned on, the next RA counts", async (t) => {
  // rtadvd's unsolicited RAs: the first within MAX_INITIAL_RTR_ADVERT_INTERVAL (16 s).
  const o = await scenario(
    "-disabled -accept_rtadv",
    `sleep 20
echo == r1; jexec h ndp -rn
echo == p1; jexec h ndp -pn
echo == if1; jexec h ifconfig epair0b inet6
jexec h ndp -i epair0b accept_rtadv >/dev/null
sleep 20
echo == r2; jexec h ndp -rn
echo == if2; jexec h ifconfig epair0b inet6
`,
  );
  t.is(o.get("r1"), "");
  t.notRegex(o.get("p1") ?? "", /2001:db8:1::/);
  t.notRegex(o.get("if1") ?? "", /2001:db8:1:/);
  t.regex(o.get("r2") ?? "", /^fe80::[0-9a-f:]+%epair0b if=epair0b, flags=, pref=medium/);
  t.regex(o.get("if2") ?? "", /\tinet6 2001:db8:1:0:[0-9a-f:]+ prefixlen 64 autoconf/);
});

test.serial("vimage: rtadvd -c FILE: rtadvd.conf's router lifetime, RA flags and a prefix with its lifetimes (quoted, with colons)", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nd6-rtadvd-"));
  const conf = path.join(dir, "rtadvd.conf");
  fs.writeFileSync(conf, '# a comment\nepair0a:\\\n\t:rltime#600:addr="2001:db8:9::":prefixlen#64:vltime#3600:pltime#1800:raflags#64:\n');
  const o = await scenario(
    "-disabled accept_rtadv",
    `jexec h rtsol epair0b
sleep 3
echo == r; jexec h ndp -rn
echo == p; jexec h ndp -pn
echo == ifconfig; jexec h ifconfig epair0b inet6
`,
    `rtadvd -c ${conf} epair0a`,
  );
  fs.rmSync(dir, { recursive: true });
  t.regex(o.get("r") ?? "", /^fe80::[0-9a-f:]+%epair0b if=epair0b, flags=O, pref=medium, expire=9m5\ds\n$/);
  t.regex(o.get("p") ?? "", /^2001:db8:9::\/64 if=epair0b\nflags=LAO vltime=3600, pltime=1800, expire=59m5\ds, ref=1\n/);
  t.notRegex(o.get("p") ?? "", /2001:db8:1::/, "the interface's own prefix is not advertised when the file names one");
  t.regex(o.get("ifconfig") ?? "", /\tinet6 2001:db8:9:0:[0-9a-f:]+ prefixlen 64 autoconf/);
});

test.serial("vimage: in6_ifadd takes the interface identifier from a /127 link-local: the /64 prefix still autoconfigures (ndp.sh's ndp_prefix_len_mismatch)", async (t) => {
  const o = await scenario(
    "-disabled accept_rtadv -auto_linklocal",
    `jexec h ifconfig epair0b inet6 fe80::5a9c:fcff:fe10:5d07/127
sleep 2
jexec h rtsol epair0b
sleep 3
echo == ifconfig; jexec h ifconfig epair0b inet6
`,
  );
  t.regex(o.get("ifconfig") ?? "", /\tinet6 2001:db8:1:0:5a9c:fcff:fe10:5d07 prefixlen 64 autoconf/);
  t.regex(o.get("ifconfig") ?? "", /\tinet6 fe80::5a9c:fcff:fe10:5d07%epair0b prefixlen 127 scopeid/);
});
