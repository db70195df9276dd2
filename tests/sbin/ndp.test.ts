// sbin/ndp (usr.sbin/ndp/ndp.c): the neighbor cache table of -a/-an and
// `ndp HOST`, -s (permanent, temp, proxy) and -d through the routing
// socket with FreeBSD's messages, -c, -I, the errors and the usage.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

const SETUP = `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ndp -i epair0a -- -disabled >/dev/null
jexec b ndp -i epair0b -- -disabled >/dev/null
jexec a ifconfig epair0a inet6 2001:db8::1/64 up
jexec b ifconfig epair0b inet6 2001:db8::2/64 up
sleep 3
`;

const HEADER = "Neighbor                             Linklayer Address  Netif Expire    S Flags\n";

/** Runs SETUP and body; the output split at lines "== NAME" (each command's stdout and stderr, and "status N" where asked). */
async function ndp_script(body: string): Promise<Map<string, string>> {
  const r = await run_script(SETUP + body.replace(/(jexec [^;\n]*)/g, "$1 2>&1"));
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

test.serial("ndp -an: FreeBSD's header and rows: our addresses permanent R, link-locals with their zone, sorted as the table's hash walks them", async (t) => {
  const o = await ndp_script("echo == an; jexec b ndp -an\necho == a; jexec b ndp -a\n");
  const an = o.get("an") ?? "";
  t.true(an.startsWith(HEADER), an);
  const rows = an.slice(HEADER.length).split("\n").filter((l) => l !== "");
  t.is(rows.length, 2);
  t.regex(rows[0], /^2001:db8::2 {26}([0-9a-f]{2}:){5}[0-9a-f]{2} epair0b permanent R $/);
  t.regex(rows[1], /^fe80::[0-9a-f:]+%epair0b +([0-9a-f]{2}:){5}[0-9a-f]{2} epair0b permanent R $/);
  // Without -n the names come through getnameinfo: the same numbers here.
  t.is(o.get("a"), an);
});

test.serial("ndp -s / -d / HOST: permanent, temp and proxy entries; FreeBSD's messages and errors", async (t) => {
  const o = await ndp_script(`echo == s; jexec b ndp -s 2001:db8::5 02:00:00:00:00:05; echo "status $?"
echo == sp; jexec b ndp -s 2001:db8::6 02:00:00:00:00:06 proxy; echo "status $?"
echo == host; jexec b ndp -n 2001:db8::5
echo == an; jexec b ndp -an
echo == d; jexec b ndp -d 2001:db8::5; echo "status $?"
echo == nohost; jexec b ndp -n 2001:db8::5; echo "status $?"
echo == dnone; jexec b ndp -d 2001:db8::77; echo "status $?"
echo == bad; jexec b ndp -s 2001:db8::7 zz:zz; echo "status $?"
echo == badhost; jexec b ndp -d nosuchhost; echo "status $?"
echo == own; jexec b ndp -d 2001:db8::2; echo "status $?"
`);
  t.is(o.get("s"), "status 0\n");
  t.is(o.get("sp"), "status 0\n");
  t.is(o.get("host"), HEADER + "2001:db8::5                          02:00:00:00:00:05 epair0b permanent R \n");
  t.regex(o.get("an") ?? "", /\n2001:db8::6 +02:00:00:00:00:06 epair0b permanent R p\n/);
  t.is(o.get("d"), "2001:db8::5 (2001:db8::5) deleted\nstatus 0\n");
  t.is(o.get("nohost"), HEADER + "2001:db8::5 (2001:db8::5) -- no entry\nstatus 1\n");
  // The prefix route answers RTM_GET; the RTM_DELETE finds no entry.
  t.is(o.get("dnone"), "ndp: writing to routing socket: No such file or directory\nstatus 1\n");
  // ndp_ether_aton warns and the entry is added with a zero address, as FreeBSD's does.
  t.is(o.get("bad"), "ndp: invalid Ethernet address 'zz:zz'\nstatus 0\n");
  // delete() warns and returns 1, which main ignores: exit 0.
  t.regex(o.get("badhost") ?? "", /^ndp: nosuchhost: .+\nstatus 0\n$/);
  // Our own address's entry cannot go.
  t.is(o.get("own"), "ndp: writing to routing socket: Operation not permitted\nstatus 1\n");
});

test.serial("ndp -c flushes the cache but our own entries; -I sets and clears the default interface; usage", async (t) => {
  const o = await ndp_script(`jexec b ndp -s 2001:db8::5 02:00:00:00:00:05
jexec b ndp -s fe80::5%epair0b 02:00:00:00:00:15
echo == c; jexec b ndp -c
echo == an; jexec b ndp -an
echo == I0; jexec b ndp -I
echo == I1; jexec b ndp -I epair0b
echo == I2; jexec b ndp -I delete
echo == Ibad; jexec b ndp -I nosuch0; echo "status $?"
echo == usage; jexec b ndp; echo "status $?"
`);
  t.is(o.get("c"), "fe80::5%epair0b (fe80::5%epair0b) deleted\n2001:db8::5 (2001:db8::5) deleted\n");
  t.regex(o.get("an") ?? "", new RegExp(`^${HEADER}2001:db8::2 .*\\nfe80::.*\\n$`));
  t.is(o.get("I0"), "No default interface.\n");
  t.is(o.get("I1"), "ND default interface = epair0b\n");
  t.is(o.get("I2"), "No default interface.\n");
  t.is(o.get("Ibad"), "ndp: invalid interface nosuch0\nstatus 1\n");
  t.is(
    o.get("usage"),
    "usage: ndp [-nt] hostname\n" +
      "       ndp [-nt] -a | -c | -p | -r | -H | -P | -R\n" +
      "       ndp [-nt] -A wait\n" +
      "       ndp [-nt] -d hostname\n" +
      "       ndp [-nt] -f filename\n" +
      "       ndp [-nt] -i interface [flags...]\n" +
      "       ndp [-nt] -I [interface|delete]\n" +
      "       ndp [-nt] -s nodename etheraddr [temp] [proxy]\n" +
      "status 1\n",
  );
});
