// netinet/libalias/alias_ftp.ts (with alias_mod.ts), end to end through
// the NAT router of tests/sbin/prog_helpers.ts: after `kldload alias_ftp`
// the LAN client's PORT and EPRT commands reach the public server with the
// router's address and an alias port, and the server's connection to that
// port reaches the client's listener; a server behind the router (a
// redirect of port 21) has its 227 and 229 replies rewritten the same way
// and the client's passive connection gets through; a PORT from outside to
// that server makes the link for the server's connection from port 20.
// The control connection still closes cleanly after a line grew (the FIN
// comes at the shifted sequence number).  Without the module, or after
// kldunload, nothing is rewritten.  natd gets the FTP handler from the
// stock libalias.conf.  No mbuf is left behind.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { nat_net, run_script } from "../../sbin/prog_helpers.ts";

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-ftp-"));
}

/** The port a rewritten line names, from its "h1,h2,h3,h4,p1,p2" or its
 *  "|port|" (the shell's arithmetic does the same below). */
const PORT_OF = `port_of() { sed -n -e 's/.*[ (]198,51,100,1,\\([0-9]*\\),\\([0-9]*\\).*/\\1 \\2/p' -e 's/.*|\\([0-9][0-9]*\\)|.*/\\1 -/p' "$1"; }
to_port() { if [ "$2" = - ]; then echo $1; else echo $(( $1 * 256 + $2 )); fi; }
`;

const ROUTER = `jexec gw ipfw -q add 100 nat 1 ip from any to any via epair1a
jexec gw ipfw -q add 200 allow ip from any to any
`;

test("ipfw nat with alias_ftp: PORT and EPRT from the LAN name the router, and the server's data connection reaches the client", async (t) => {
  const r = await run_script(
    nat_net("ipfw ipfw_nat alias_ftp", true) +
      ROUTER +
      PORT_OF +
      `jexec gw ipfw -q nat 1 config ip 198.51.100.1
jexec pub nc -l 21 > ctl.out &
jexec lan nc -l 1025 > data.out &
sleep 1
printf 'PORT 192,168,0,2,4,1\\r\\n' | jexec lan nc -N 198.51.100.2 21
wait %1
cat ctl.out
p=$(to_port $(port_of ctl.out))
echo data for the client | jexec pub nc -N 198.51.100.1 $p
wait %2
cat data.out
jexec pub nc -l 21 > ctl2.out &
jexec lan nc -l 1026 > data2.out &
sleep 1
printf 'eprt  |1|192.168.0.2|1026|\\r\\n' | jexec lan nc -N 198.51.100.2 21
wait %3
cat ctl2.out
p=$(to_port $(port_of ctl2.out))
echo more data | jexec pub nc -N 198.51.100.1 $p
wait %4
cat data2.out
jexec pub nc -l 21 > ctl3.out &
sleep 1
printf 'PORT 192,168,0,9,4,1\\r\\nPORT 192,168,0,2,3,255\\r\\n' | jexec lan nc -N 198.51.100.2 21
wait %5
cat ctl3.out
jexec gw ipfw nat show log
kldunload alias_ftp; echo unload=$?
jexec pub nc -l 21 > ctl4.out &
sleep 1
printf 'PORT 192,168,0,2,4,1\\r\\n' | jexec lan nc -N 198.51.100.2 21
wait %6
cat ctl4.out
jail -r lan gw pub >/dev/null
kldunload ipfw_nat ipfw
`,
    { seed: 11, cwd: tmpdir() },
  );
  // The alias ports come from the seeded generator: read them back from
  // what the server saw, then check the data reached the LAN listeners.
  const lines = r.out.split("\n");
  t.regex(lines[0], /^PORT 198,51,100,1,\d+,\d+\r$/);
  t.is(lines[1], "data for the client");
  t.regex(lines[2], /^EPRT \|1\|198\.51\.100\.1\|\d+\|\r$/);
  t.is(lines[3], "more data");
  // A PORT naming another host, or a privileged port, stays as it is (and
  // the whole segment is one message to the parser).
  t.is(lines[4], "PORT 192,168,0,9,4,1\r");
  t.is(lines[5], "PORT 192,168,0,2,3,255\r");
  t.is(lines.slice(6).join("\n"), "unload=0\nPORT 192,168,0,2,4,1\r\n");
  // The alias port is the link's own (the kernel's range, 32768 on).
  const [, p1, p2] = /,(\d+),(\d+)\r$/.exec(lines[0]) ?? [];
  t.true(Number(p1) * 256 + Number(p2) >= 0x8000);
  t.is(r.err, "");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
