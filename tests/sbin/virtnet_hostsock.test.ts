// sbin/virtnet_hostsock.ts: under the kernel daemon, a Python program run
// inside a jail (`jexec b server.py`) gets the jail's sockets, as a script
// run by jexec on FreeBSD does; in vnet0 it keeps the host's, but for
// PF_DIVERT sockets, which Linux has not.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadKernelUnbooted, type Kernel } from "../helpers/builds.ts";
import { needs } from "../helpers/tools.ts";
import { run_captured, type run_result } from "../helpers/spawn.ts";

const py_test = needs("/bin/sh", "python3");

let k: Kernel;
let tmp: string;
let shims: string;
let socket: string;
let daemon: { close(): Promise<void> } | null = null;
let log = "";

/** A real /bin/sh script with the shims first on PATH (async: this process
 *  is the daemon too). */
function sh(script: string): Promise<run_result> {
  return run_captured("/bin/sh", ["-c", script], { cwd: tmp, env: { ...process.env, PATH: `${shims}:${process.env.PATH ?? "/usr/bin:/bin"}`, VIRTNET_SOCKET: socket } });
}

function py(name: string, text: string): void {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, `#!/usr/bin/env python3\n${text}`, { mode: 0o755 });
}

test.before(async () => {
  k = await loadKernelUnbooted("vimage");
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-hostsock-test-"));
  socket = path.join(tmp, "kernel.sock");
  shims = path.join(tmp, "bin");
  daemon = await k.virtnet_kernel_listen({ socket, seed: 0, log: (s: string) => void (log += s) });
  k.virtnet_write_shims(shims, { socket });
  py(
    "tcp_server.py",
    `import select, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setblocking(0)
s.bind(("", int(sys.argv[1])))
s.listen(5)
r, w, x = select.select([s], [], [s])
c, addr = s.accept()
data = b""
while True:
    d = c.recv(9000)
    if not d:
        break
    data += d
c.sendall(data.upper())
c.close()
print("from", addr[0], "got", data.decode())
`,
  );
  py(
    "udp_server.py",
    `import select, socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("", 5555))
select.select([s], [], [])
data, addr = s.recvfrom(9000)
print("udp from", addr[0], addr[1] > 0, data.decode())
`,
  );
  py(
    "client.py",
    `import errno, socket, sys
s = socket.create_connection(("10.0.0.2", 7000))
print("peer", s.getpeername(), "local", s.getsockname()[0])
s.sendall(b"hello from python")
s.shutdown(socket.SHUT_WR)
print("reply", s.recv(100).decode())
s.close()
try:
    socket.create_connection(("10.0.0.2", 7001))
except ConnectionRefusedError as e:
    print("refused", e.errno == errno.ECONNREFUSED)
b = socket.socket()
try:
    b.bind(("192.0.2.99", 0))
except OSError as e:
    print("bind", errno.errorcode[e.errno])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("10.0.0.1", 0))
u.settimeout(0.5)
try:
    u.recvfrom(100)
except socket.timeout:
    print("timed out")
print("module", socket.socket.__module__)
`,
  );
  py(
    "divert.py",
    `import socket
s = socket.socket(socket.PF_DIVERT, socket.SOCK_RAW, 0)
s.bind(("0.0.0.0", 8668))
data, addr = s.recvfrom(65535)
print("diverted", len(data), addr[0], addr[1] == socket.htons(100))
s.sendto(data, addr)
s.close()
`,
  );
});

test.after.always(async () => {
  if (daemon !== null) await daemon.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

py_test.serial("a Python server inside a jail: its socket is the jail's (sockstat shows it under $!), nc from the other jail reaches it", async (t) => {
  const r = await sh(`set -e
jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ep=$(ifconfig epair create)
ifconfig \${ep} vnet a
ifconfig \${ep%a}b vnet b
jexec a ifconfig \${ep} inet 10.0.0.1/24 up
jexec b ifconfig \${ep%a}b inet 10.0.0.2/24 up
jexec a ifconfig \${ep} inet6 2001:db8::1/64 no_dad
jexec b ifconfig \${ep%a}b inet6 2001:db8::2/64 no_dad
jexec b ./tcp_server.py 4242 > server.out &
pid=$!
n=0
until [ "$(jexec b sockstat -4qlp 4242 | wc -l)" = 1 ]; do n=$((n+1)); [ $n -lt 100 ] || exit 9; sleep 0.05; done
jexec b sockstat -4lp 4242 | awk -v pid=$pid 'NR > 1 { print ($3 == pid) ? "pid=$!" : "pid=" $3, $5, $6 }'
echo "host listeners: $(ss -Htln 'sport = :4242' 2>/dev/null | wc -l)"
echo reply: $(printf "abc" | jexec a nc -N 10.0.0.2 4242)
wait $pid
cat server.out
jexec b ./udp_server.py > udp.out &
pid=$!
until [ "$(jexec b sockstat -6qlp 5555 | wc -l)" = 1 ]; do sleep 0.05; done
printf "dgram" | jexec a nc -6 -u -N -w 1 2001:db8::2 5555
wait $pid
cat udp.out
`);
  t.is(r.err, "", r.out + log);
  t.is(r.status, 0);
  t.is(r.out, "pid=$! tcp4 *:4242\nhost listeners: 0\nreply: ABC\nfrom 10.0.0.1 got abc\nudp from 2001:db8::1 True dgram\n");
});

py_test.serial("a Python client inside a jail: connect, getpeername, refused, EADDRNOTAVAIL, a timeout on the virtual clock; in vnet0 the host's sockets", async (t) => {
  const r = await sh(`jexec b nc -l 10.0.0.2 7000 > nc.out < /dev/null &
until [ "$(jexec b sockstat -4qlp 7000 | wc -l)" = 1 ]; do sleep 0.05; done
echo "HELLO BACK" > reply.txt
jexec a ./client.py
wait
cat nc.out; echo
python3 -c 'import socket; print("vnet0", socket.socket.__module__)'
`);
  t.is(r.err, "", r.out + log);
  t.is(
    r.out,
    "peer ('10.0.0.2', 7000) local 10.0.0.1\nreply \nrefused True\nbind EADDRNOTAVAIL\ntimed out\nmodule sitecustomize\nhello from python\nvnet0 socket\n",
  );
});

py_test.serial("a Python program killed while it waits in accept: its process exits, its socket closes, the daemon goes on", async (t) => {
  const r = await sh(`jexec b ./tcp_server.py 4343 > /dev/null &
pid=$!
until [ "$(jexec b sockstat -4qlp 4343 | wc -l)" = 1 ]; do sleep 0.05; done
kill $pid; wait $pid
n=0
while [ "$(jexec b sockstat -4qlp 4343 | wc -l)" != 0 ]; do n=$((n+1)); [ $n -lt 100 ] || break; sleep 0.05; done
echo "left: $(jexec b sockstat -4qlp 4343 | wc -l)"
jexec a ping -c 1 -q 10.0.0.2 | grep -c "1 packets received"
`);
  t.is(r.out, "left: 0\n1\n", r.err + log);
  t.notRegex(log, /socket bridge|Error/);
});

py_test.serial("a Python divert(4) program: PF_DIVERT is 44 and the daemon's, in a jail and in vnet0", async (t) => {
  const r = await sh(`kldload ipfw ipdivert
jexec a ipfw -q add allow ip from any to any
jexec b ipfw -q add 100 divert 8668 icmp from any to any in
jexec b ipfw -q add 200 allow ip from any to any
jexec b ./divert.py > div.out &
pid=$!
until [ "$(jexec b sockstat -qP divert | wc -l)" = 1 ]; do sleep 0.05; done
jexec b sockstat -qP divert | awk '{ print $5, $6 }'
# In the background: a foreground command would run the clock ahead of
# the Python program, which lives in real time.
jexec a ping -c 1 10.0.0.2 > ping.out &
wait $pid
wait $!
grep transmitted ping.out
cat div.out
# Outside any jail as atf-run runs it: the bridge on PYTHONPATH.
PYTHONPATH=${shims}/.virtnet-python python3 -c 'import socket; s = socket.socket(socket.AF_DIVERT, socket.SOCK_RAW); s.bind(("", 9999)); print(socket.AF_DIVERT, socket.PF_DIVERT)' &
wait $!
# The old way, a PF_INET raw socket of protocol IPPROTO_DIVERT (258), which
# Linux refuses: the daemon's too, and the kernel says it is obsolete.
PYTHONPATH=${shims}/.virtnet-python python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 258); s.bind(("", 9998)); print("old way bound")' &
wait $!
dmesg | grep -c 'uses obsolete way to create divert(4) socket'
jexec b ipfw -q -f flush
kldunload ipfw
kldunload -f ipdivert
`);
  t.is(r.err, "", r.out + log);
  t.is(r.out, "div4 *:8668\n1 packets transmitted, 1 packets received, 0.0% packet loss\ndiverted 84 10.0.0.2 True\n44 44\nold way bound\n1\n");
});
