// sbin/inetd.ts and sbin/inetd_builtins.ts: inetd(8) in a vnet jail, its
// internal services over TCP and UDP, IPv4 and IPv6; the pid file it
// writes after daemon(3); SIGHUP rereading the configuration; a nowait
// service's children; the messages for lines it refuses; and nothing left
// of the traffic (zero mbufs) at the end.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script, TWO_JAILS } from "./prog_helpers.ts";

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-inetd-"));
}

const V6 = `jexec a ifconfig epair0a inet6 2001:db8::1/64 no_dad
jexec b ifconfig epair0b inet6 2001:db8::2/64 no_dad
`;

const ALL = `echo    stream  tcp   nowait  root  internal
echo    stream  tcp6  nowait  root  internal
echo    dgram   udp   wait    root  internal
echo    dgram   udp6  wait    root  internal
discard stream  tcp   nowait  root  internal
discard dgram   udp   wait    root  internal
chargen stream  tcp   nowait  root  internal
chargen dgram   udp6  wait    root  internal
daytime stream  tcp6  nowait  root  internal
daytime dgram   udp   wait    root  internal
time    stream  tcp   nowait  root  internal
time    dgram   udp   wait    root  internal
`;

test("inetd: exits 0 at once, writes its pid, and serves echo, discard, chargen, daytime and time over TCP and UDP, IPv4 and IPv6", async (t) => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, "inetd.conf"), ALL);
  const r = await run_script(
    TWO_JAILS +
      V6 +
      `jexec a /usr/sbin/inetd -p inetd.pid ${dir}/inetd.conf
echo "inetd $?"
jexec a sockstat -l | sed 1d | awk '{print $2, $5, $6}'
echo "pid $(cat inetd.pid)"
echo hello | jexec b nc -N 10.0.0.1 7
echo hello6 | jexec b nc -N 2001:db8::1 7
echo dgram | jexec b nc -u -w 1 10.0.0.1 7
echo dgram6 | jexec b nc -u -w 1 2001:db8::1 7
echo thrown | jexec b nc -N 10.0.0.1 9
echo "discard $?"
echo x | jexec b nc -u -w 1 10.0.0.1 9
echo "discard udp $?"
echo x | jexec b nc -u -w 1 2001:db8::1 19
jexec b nc -N 2001:db8::1 13 </dev/null | wc -c | tr -d ' '
echo x | jexec b nc -u -w 1 10.0.0.1 13 | wc -c | tr -d ' '
jexec b nc -N 10.0.0.1 37 </dev/null | wc -c | tr -d ' '
echo x | jexec b nc -u -w 1 10.0.0.1 37 | wc -c | tr -d ' '
jail -r a b >/dev/null
`,
    { cwd: dir },
  );
  const lines = r.out.split("\n");
  t.is(lines[0], "inetd 0");
  const pid = Number(fs.readFileSync(path.join(dir, "inetd.pid"), "utf8"));
  t.true(pid > 0);
  t.deepEqual(
    lines.slice(1, 13).sort(),
    ["tcp4 *:7", "tcp6 *:7", "udp4 *:7", "udp6 *:7", "tcp4 *:9", "udp4 *:9", "tcp4 *:19", "udp6 *:19", "tcp6 *:13", "udp4 *:13", "tcp4 *:37", "udp4 *:37"].map((x) => `inetd ${x}`).sort(),
  );
  t.true(r.out.includes(`pid ${pid}\n`));
  const rest = r.out.slice(r.out.indexOf(`pid ${pid}\n`) + `pid ${pid}\n`.length);
  const ring = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("");
  t.is(
    rest,
    "hello\nhello6\ndgram\ndgram6\ndiscard 0\ndiscard udp 0\n" +
      `${ring.slice(0, 72)}\r\n` +
      "26\n26\n4\n4\n",
  );
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("inetd -d: stays in the foreground, prints its services; a bad line is refused with inetd's message and the rest served", async (t) => {
  const dir = tmpdir();
  fs.writeFileSync(
    path.join(dir, "inetd.conf"),
    `# comment
echo stream tcp nowait root internal
ftp stream tcp nowait root /usr/libexec/ftpd ftpd -l
tftp dgram udp wait root /usr/libexec/tftpd tftpd -l -s /tftpboot
echo stream tcp maybe root internal
echo dgram udp wait nosuchuser internal
frob stream tcp nowait root internal
echo stream tcp9 nowait root internal
echo dgram udp wait/x root internal
`,
  );
  const r = await run_script(
    TWO_JAILS +
      `jexec a inetd -d inetd.conf 2> err.txt &
sleep 1
echo hi | jexec b nc -N 10.0.0.1 7
jail -r a b >/dev/null
`,
    { cwd: dir },
  );
  t.is(r.out, "hi\n");
  const err = fs.readFileSync(path.join(dir, "err.txt"), "utf8");
  t.regex(err, /^ADD : echo proto=tcp accept=1 max=0 user=root group=\(null\)class=daemon builtin=echo server=internal$/m);
  t.regex(err, /^ADD : ftp proto=tcp accept=1 max=0 user=root group=\(null\)class=daemon builtin=0x0 server=\/usr\/libexec\/ftpd$/m);
  t.regex(err, /^inetd\[\d+\]: tftp\/udp: server program \/usr\/libexec\/tftpd cannot be run here \(wait service: no exec with the socket as stdin\)$/m);
  t.regex(err, new RegExp(`^inetd\\[\\d+\\]: inetd.conf: bad wait/nowait for service echo$`, "m"));
  t.regex(err, /^inetd\[\d+\]: echo\/udp: no such user 'nosuchuser', service ignored$/m);
  t.regex(err, /^inetd\[\d+\]: internal service frob unknown$/m);
  t.regex(err, /^inetd\[\d+\]: bad IP version for tcp9$/m);
  t.regex(err, /bad max-child for service echo$/m);
  t.regex(err, /^inetd: someone wants echo$/m);
  t.regex(err, /^inetd: accept, ctrl \d+$/m);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("inetd: SIGHUP rereads the configuration: a service removed is closed, one added is opened", async (t) => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, "inetd.conf"), "echo stream tcp nowait root internal\n");
  const r = await run_script(
    TWO_JAILS +
      `jexec a inetd -p inetd.pid ${dir}/inetd.conf
jexec a sockstat -4l | sed 1d | awk '{print $6}'
printf 'discard stream tcp nowait root internal\\n' > inetd.conf
kill -HUP $(cat inetd.pid)
sleep 1
jexec a sockstat -4l | sed 1d | awk '{print $6}'
echo gone | jexec b nc -N 10.0.0.1 7
echo "echo $?"
kill $(cat inetd.pid)
sleep 1
jexec a sockstat -4l | sed 1d
jail -r a b >/dev/null
`,
    { cwd: dir },
  );
  t.is(r.out, "*:7\n*:9\necho 1\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("inetd: nowait/1 allows one child at a time; the next connection is served once the first child is reaped", async (t) => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, "inetd.conf"), "discard stream tcp nowait/1 root internal\n");
  const r = await run_script(
    TWO_JAILS +
      `jexec a inetd -p inetd.pid ${dir}/inetd.conf
jexec b nc -d -p 5001 10.0.0.1 9 &
sleep 1
jexec b nc -d -p 5002 10.0.0.1 9 &
sleep 1
jexec a sockstat -4c | sed 1d | awk '{print $2, $7}'
kill %1
sleep 1
jexec a sockstat -4c | sed 1d | awk '{print $2, $7}'
jail -r a b >/dev/null
`,
    { cwd: dir },
  );
  // The second connection waits in the listen queue (no process holds it
  // yet: "?") until the first child is reaped; then a child takes it.
  t.is(r.out, "inetd 10.0.0.2:5001\n? 10.0.0.2:5002\ninetd 10.0.0.2:5002\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("inetd: an external server of a nowait stream service runs per connection, its output going to the connection; one that cannot be run is logged", async (t) => {
  const dir = tmpdir();
  fs.writeFileSync(
    path.join(dir, "inetd.conf"),
    `xfer stream tcp nowait nobody /bin/echo echo GOOD 82
http stream tcp nowait root /sbin/sysctl sysctl -n kern.ostype net.inet.ip.forwarding
ftp stream tcp6 nowait root /no/such/program program
`,
  );
  const r = await run_script(
    TWO_JAILS +
      V6 +
      `jexec a inetd -d ${dir}/inetd.conf 2> ${dir}/err.txt &
sleep 1
jexec b nc -N 10.0.0.1 82 < /dev/null
jexec b nc -N 10.0.0.1 82 < /dev/null
jexec b nc -N 10.0.0.1 80 < /dev/null
jexec b nc -N 2001:db8::1 21 < /dev/null; echo "ftp $?"
# The servers closed first: a's ends wait in TIME_WAIT (2*MSL) before
# the vnet can go with all it holds.
sleep 120
jail -r a b >/dev/null
`,
  );
  t.is(r.out, "GOOD 82\nGOOD 82\nFreeBSD\n0\nftp 0\n");
  const err = fs.readFileSync(path.join(dir, "err.txt"), "utf8");
  t.regex(err, /^inetd\[\d+\]: cannot execute \/no\/such\/program: No such file or directory$/m);
  t.regex(err, /^inetd: \d+ reaped, status 0$/m);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});
