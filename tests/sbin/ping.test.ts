// sbin/ping.ts: ^C ends ping with its statistics block and status, as
// ping(8)'s stopit()/finish() do; bad arguments get ping's usage and EX_USAGE.
import test from "ava";
import { run_script } from "./prog_helpers.ts";

test("ping: SIGINT prints the statistics and exits 0 when replies came back", async (t) => {
  const r = await run_script(`jail -c name=a persist vnet >/dev/null
jexec a ifconfig lo0 127.0.0.1/8 up
jexec a ping 127.0.0.1 &
sleep 2
killall -INT ping
wait %1
echo "ping exit $?"
jail -r a >/dev/null
`);
  t.is(
    r.out,
    [
      "PING 127.0.0.1 (127.0.0.1): 56 data bytes",
      "64 bytes from 127.0.0.1: icmp_seq=0 ttl=64 time=0.000 ms",
      "64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.000 ms",
      "",
      "--- 127.0.0.1 ping statistics ---",
      "2 packets transmitted, 2 packets received, 0.0% packet loss",
      "round-trip min/avg/max/stddev = 0.000/0.000/0.000/0.000 ms",
      "ping exit 0",
      "",
    ].join("\n"),
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("ping: no host, a bad count, an unknown option", async (t) => {
  const r = await run_script(`ping -c 1 not.an.address; echo "exit $?"
ping -c x 127.0.0.1; echo "exit $?"
ping -Z 127.0.0.1 2>/dev/null; echo "exit $?"
`);
  t.is(r.out, "exit 68\nexit 64\nexit 64\n");
  t.is(r.err, "ping: cannot resolve not.an.address: Unknown host\nping: invalid count of packets to transmit: `x'\n");
});
