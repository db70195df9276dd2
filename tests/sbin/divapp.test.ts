// sbin/divapp.ts: FreeBSD's divert(4) test helper.  It eats what a divert
// rule hands it, or writes it back (divert-back) so the packet goes on; it
// fails when nothing came within 3 seconds, or more than one packet came
// when one was expected; its usage errors are the C's.
import test from "ava";
import { run_script, TWO_JAILS } from "./prog_helpers.ts";

const DIVERT = `kldload ipfw ipdivert
jexec a ipfw -q add 65534 allow all from any to any
jexec b ipfw -q add 65534 allow all from any to any
jexec b ipfw -q add 100 divert 2000 icmp from any to any in icmptypes 8
`;

test("divapp: a diverted echo request is eaten, or written back and answered; one packet expected, one came", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      DIVERT +
      `jexec b /usr/tests/sys/netpfil/common/divapp 2000 expect-single-pkt &
sleep 1
jexec a ping -c 1 -t 1 10.0.0.2 | grep transmitted
wait $!
echo "eaten: divapp $?"
jexec b divapp 2000 expect-single-pkt divert-back &
sleep 1
jexec a ping -c 1 -t 1 10.0.0.2 | grep transmitted
wait $!
echo "written back: divapp $?"
jail -r a b >/dev/null
`,
  );
  t.is(r.err, "");
  t.is(
    r.out,
    "1 packets transmitted, 0 packets received, 100.0% packet loss\neaten: divapp 0\n" +
      "1 packets transmitted, 1 packets received, 0.0% packet loss\nwritten back: divapp 0\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("divapp: no packet in 3 seconds, more than one when one was expected, and its usage errors fail", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      DIVERT +
      `jexec b divapp 2000; echo "nothing: $?"
jexec b divapp 2000 expect-single-pkt &
sleep 1
jexec a ping -c 2 -i 0.5 -t 2 10.0.0.2 > /dev/null
wait $!
echo "two: $?"
jexec b divapp; echo "no port: $?"
jexec b divapp 0; echo "port 0: $?"
jexec b divapp 65536; echo "port 65536: $?"
jexec b divapp x; echo "port x: $?"
jexec b divapp 2000 & sleep 0.5; jexec b divapp 2000; echo "taken: $?"; wait
kldunload -f ipdivert
jexec b divapp 2000; echo "no module: $?"
jail -r a b >/dev/null
`,
  );
  t.is(
    r.out,
    "nothing: 1\ntwo: 1\nno port: 64\nport 0: 64\nport 65536: 64\nport x: 64\ntaken: 71\nno module: 71\n",
  );
  t.is(
    r.err,
    "divapp: 2000: no packets received.\n" +
      "divapp: 2000: more than one received, npkt=2.\n" +
      "divapp: Usage: divapp <divert-port> [expect-single-pkt] [divert-back]\n" +
      "divapp: divert port is not defined.\n".repeat(3) +
      "divapp: init: Cannot bind divert socket.\n" +
      "divapp: 2000: no packets received.\n" +
      "divapp: init: Cannot create divert socket.\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
