// net/linux_tap and net/if_tuntap with a real Linux on the other side: each
// test runs a shell script inside `unshare -n` (a network namespace of its
// own, thrown away with everything in it), where VirtNet (`virtnet run`, or
// the daemon and its shims) makes tap0/tun0 and Linux's own ping, arping,
// nc, traceroute and hping3 talk to a vnet jail through it, and Linux's
// TCP (nc, curl) exchanges files with a jail's nc.  The socat
// holding each device is gone after the device is destroyed and after the
// VirtNet process ends (normally or by SIGKILL); a missing socat, missing
// privilege or a name Linux already has give one clear line.
//
// Needs root (or CAP_NET_ADMIN), unshare, ip, socat and the Linux tools:
// skipped with the reason without them, failed under CI.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { decide, in_ci, tools_missing } from "../helpers/tools.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "bin/virtnet.mjs");

const TOOLS = ["unshare", "ip", "socat", "ping", "arping", "nc", "traceroute", "hping3", "setpriv", "/bin/sh", "curl", "ss"];
const missing = tools_missing(TOOLS) ?? (process.getuid?.() !== 0 ? "not root: creating Linux TAP devices needs root (or CAP_NET_ADMIN)" : null);
const d = decide(missing, in_ci());
function ltest(title: string, fn: (t: import("ava").ExecutionContext) => Promise<void>): void {
  if (d.kind === "run") test.serial(title, fn);
  else if (d.kind === "skip") test.serial.skip(d.title(title), fn);
  else test.serial(title, (t) => void t.fail(d.message));
}

interface ns_result {
  out: string;
  err: string;
  status: number | null;
}

/** Run a /bin/sh script in a fresh network namespace (lo up), in dir. */
function netns_sh(script: string, dir: string, timeout_ms = 90_000): Promise<ns_result> {
  return new Promise((resolve, reject) => {
    const child = spawn("unshare", ["-n", "/bin/sh", "-c", `ip link set lo up\n${script}`], {
      cwd: dir,
      env: { ...process.env, VIRTNET: bin, NODE: process.execPath },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout_ms);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ out, err, status });
    });
  });
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-linux-tap-"));
}

/** Whether a process is running (not gone, not a zombie). */
function pid_alive(pid: number): boolean {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = st.slice(st.lastIndexOf(")") + 2, st.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Wait for $1 to exist (the VirtNet side is set up), at most 20 s. */
const WAITFOR = `waitfor() { i=0; while [ ! -e "$1" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; [ -e "$1" ]; }\n`;

/** A router jail r with tap0 (10.77.0.2/24) and, behind it over an epair,
 *  a host jail h (10.78.0.2/24); then `touch ready`, and $2 seconds of
 *  waiting while Linux talks to them. */
function tap_topology(sleep: number): string {
  return `jail -c name=r vnet persist >/dev/null
jail -c name=h vnet persist >/dev/null
ifconfig tap create
ifconfig tap0 vnet r
ifconfig epair create >/dev/null
ifconfig epair0a vnet r
ifconfig epair0b vnet h
jexec r ifconfig tap0 10.77.0.2/24 up
jexec r ifconfig epair0a 10.78.0.1/24 up
jexec r sysctl net.inet.ip.forwarding=1 >/dev/null
jexec h ifconfig epair0b 10.78.0.2/24 up
jexec h route add default 10.78.0.1 >/dev/null
jexec r ifconfig tap0 | grep Opened
touch ready
sleep ${sleep}
`;
}

/** What Linux runs against that topology. */
const LINUX_SIDE = `ip addr add 10.77.0.1/24 dev tap0 && ip link set tap0 up && ip route add 10.78.0.0/24 via 10.77.0.2
echo "== ping"; ping -n -c 3 -i 0.2 -W 3 10.77.0.2; echo "ping=$?"
echo "== ping2"; ping -n -c 2 -i 0.2 -W 3 10.78.0.2; echo "ping2=$?"
echo "== arping"; arping -c 2 -w 5 -I tap0 10.77.0.2; echo "arping=$?"
echo "== nc"; nc -u -z -v -w 2 10.77.0.2 9 2>&1; echo "nc=$?"
echo "== traceroute"; traceroute -n -w 2 -q 1 -m 5 10.78.0.2; echo "traceroute=$?"
echo "== hping3 icmp"; hping3 -1 -c 2 -i u200000 10.77.0.2 2>&1; echo "hping1=$?"
echo "== hping3 udp"; hping3 -2 -p 9 -c 2 -i u200000 10.77.0.2 2>&1; echo "hping2=$?"
`;

function section(out: string, name: string): string {
  const i = out.indexOf(`== ${name}\n`);
  if (i < 0) return "";
  const j = out.indexOf("\n== ", i + 1);
  return out.slice(i, j < 0 ? out.length : j + 1);
}

function check_linux_side(t: import("ava").ExecutionContext, out: string): void {
  t.regex(section(out, "ping"), /3 packets transmitted, 3 received, 0% packet loss/);
  t.regex(section(out, "ping"), /64 bytes from 10\.77\.0\.2: icmp_seq=1 ttl=64/);
  t.regex(section(out, "ping2"), /64 bytes from 10\.78\.0\.2: icmp_seq=1 ttl=63/);
  t.regex(section(out, "ping2"), /ping2=0/);
  t.regex(section(out, "arping"), /42 bytes from 58:9c:fc:[0-9a-f:]{8} \(10\.77\.0\.2\)/);
  t.regex(section(out, "arping"), /arping=0/);
  // The jail's ICMP port unreachable reaches nc's socket: -z reports the
  // port closed (1); without it, UDP would count as open ("succeeded", 0).
  t.regex(section(out, "nc"), /nc=1/);
  t.notRegex(section(out, "nc"), /succeeded/);
  t.regex(section(out, "traceroute"), / 1 {2}10\.77\.0\.2 {2}[0-9.]+ ms\n 2 {2}10\.78\.0\.2 {2}[0-9.]+ ms\n/);
  t.regex(section(out, "hping3 icmp"), /len=28 ip=10\.77\.0\.2 ttl=64 .*icmp_seq=0/);
  t.regex(section(out, "hping3 icmp"), /2 packets transmitted, 2 packets received/);
  t.regex(section(out, "hping3 udp"), /ICMP Port Unreachable from ip=10\.77\.0\.2/);
}

ltest("virtnet run: Linux pings a jail through tap0; arping, nc -u, traceroute, hping3 are answered; SIGKILL leaves no socat", async (t) => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, "v.sh"), tap_topology(60));
  const r = await netns_sh(
    `${WAITFOR}"$NODE" "$VIRTNET" run v.sh > v.out 2> v.err &
V=$!
waitfor ready || { echo "not ready"; cat v.out v.err; exit 1; }
${LINUX_SIDE}
kill -KILL $V; wait $V
sleep 0.5
echo "== after"; ip -o link show tap0 2>&1 | head -1
cat v.out
`,
    dir,
  );
  check_linux_side(t, r.out);
  const pid = /Opened by PID (\d+)/.exec(r.out);
  t.not(pid, null, r.out);
  if (pid !== null) t.false(pid_alive(Number(pid[1])), "socat ended with VirtNet (SIGKILL: the parent-death signal)");
  t.regex(section(r.out, "after"), /does not exist/);
  fs.rmSync(dir, { recursive: true, force: true });
});

ltest("virtnet run: a tun in a jail: Linux pings and traceroutes through its TUN; socat ends with the run", async (t) => {
  const dir = tmpdir();
  fs.writeFileSync(
    path.join(dir, "v.sh"),
    `jail -c name=j vnet persist >/dev/null
ifconfig tun create
ifconfig tun0 vnet j
jexec j ifconfig tun0 10.0.0.1 10.0.0.2
jexec j ifconfig lo0 127.0.0.1/8 up
jexec j ifconfig tun0
touch ready
sleep 6
jexec j netstat -s -p icmp | grep -E "echo reply|Output histogram"
`,
  );
  const r = await netns_sh(
    `${WAITFOR}"$NODE" "$VIRTNET" run v.sh > v.out 2> v.err &
V=$!
waitfor ready || { echo "not ready"; cat v.out v.err; exit 1; }
ip addr add 10.0.0.2 peer 10.0.0.1 dev tun0 && ip link set tun0 up
echo "== ping"; ping -n -c 3 -i 0.2 -W 3 10.0.0.1; echo "ping=$?"
echo "== hping3"; hping3 -2 -p 33000 -c 1 10.0.0.1 2>&1
wait $V; echo "virtnet=$?"
sleep 0.3
echo "== after"; ip -o link show tun0 2>&1 | head -1
cat v.out v.err
`,
    dir,
  );
  t.regex(section(r.out, "ping"), /3 packets transmitted, 3 received, 0% packet loss/, r.out + r.err);
  t.regex(section(r.out, "hping3"), /ICMP Port Unreachable from ip=10\.0\.0\.1/);
  t.regex(r.out, /tun0: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> metric 0 mtu 1500\n\toptions=80000<LINKSTATE>\n\tinet 10\.0\.0\.1 --> 10\.0\.0\.2 netmask 0xff000000\n\tgroups: tun\n\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n\tOpened by PID \d+\n/);
  t.regex(r.out, /virtnet=0/);
  t.regex(r.out, /\t\techo reply: 3\n/);
  const pid = /Opened by PID (\d+)/.exec(r.out);
  if (pid !== null) t.false(pid_alive(Number(pid[1])), "socat ended with the run");
  t.regex(section(r.out, "after"), /does not exist/);
  fs.rmSync(dir, { recursive: true, force: true });
});

ltest("the daemon: shims make tap0 in a jail, Linux pings it, destroy ends socat and the Linux TAP; the daemon keeps serving", async (t) => {
  const dir = tmpdir();
  const r = await netns_sh(
    `${WAITFOR}"$NODE" "$VIRTNET" kernel --socket k.sock > d.out 2>&1 &
D=$!
waitfor k.sock || { echo "no daemon"; cat d.out; exit 1; }
"$NODE" "$VIRTNET" shims --socket k.sock bin >/dev/null
# Linux's own ping, not the shim's.
LPING=$(command -v ping); LARPING=$(command -v arping)
export PATH="$PWD/bin:$PATH"
jail -c name=j vnet persist >/dev/null
ifconfig tap create
ifconfig tap0 vnet j
jexec j ifconfig tap0 10.77.0.2/24 up
P=$(jexec j ifconfig tap0 | sed -n 's/.*Opened by PID //p')
echo "pid=$P"
ip addr add 10.77.0.1/24 dev tap0 && ip link set tap0 up
echo "== ping"; $LPING -n -c 3 -i 0.2 -W 3 10.77.0.2; echo "ping=$?"
echo "== arping"; $LARPING -c 1 -w 5 -I tap0 10.77.0.2; echo "arping=$?"
echo "== destroy"; jexec j ifconfig tap0 destroy; echo "destroy=$?"
ip -o link show tap0 2>&1 | head -1
[ -n "$P" ] && { if kill -0 $P 2>/dev/null && ! grep -q '^State:.Z' /proc/$P/status; then echo "socat alive"; else echo "socat gone"; fi; }
echo "== again"; ifconfig -l; jexec j ifconfig -l
kill $D; wait $D
`,
    dir,
  );
  t.regex(r.out, /pid=\d+/, r.out + r.err);
  t.regex(section(r.out, "ping"), /3 packets transmitted, 3 received, 0% packet loss/, r.out + r.err);
  t.regex(section(r.out, "arping"), /arping=0/);
  t.regex(section(r.out, "destroy"), /destroy=0\n.*does not exist\.?\nsocat gone\n/);
  t.is(section(r.out, "again"), "== again\nlo0\nlo0\n");
  fs.rmSync(dir, { recursive: true, force: true });
});

ltest("errors: socat missing, no CAP_NET_ADMIN, the name taken in Linux: one line each, the interface made without carrier", async (t) => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, "v.sh"), "ifconfig tap create\nifconfig tap0 | grep status\n");
  fs.mkdirSync(path.join(dir, "nosocat"));
  for (const tool of ["ip", "setpriv", "grep"]) {
    const p = tools_path(tool);
    if (p !== null) fs.symlinkSync(p, path.join(dir, "nosocat", tool));
  }
  const r = await netns_sh(
    `echo "== nosocat"; PATH="$PWD/nosocat" "$NODE" "$VIRTNET" run v.sh 2>&1
echo "== nocap"; setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$NODE" "$VIRTNET" run v.sh 2>&1
echo "== taken"; ip link add tap0 type veth peer name vv1; "$NODE" "$VIRTNET" run v.sh 2>&1
`,
    dir,
  );
  t.is(section(r.out, "nosocat"), "== nosocat\nlinux_tap: tap0: socat not found on PATH (apt-get install socat); tap0 stays without carrier\ntap0\n\tstatus: no carrier\n", r.out + r.err);
  t.is(section(r.out, "nocap"), "== nocap\nlinux_tap: tap0: creating a Linux TAP needs root or CAP_NET_ADMIN; tap0 stays without carrier\ntap0\n\tstatus: no carrier\n");
  t.is(section(r.out, "taken"), "== taken\nlinux_tap: tap0: the name is taken by another Linux interface; tap0 stays without carrier\ntap0\n\tstatus: no carrier\n");
  fs.rmSync(dir, { recursive: true, force: true });
});

function tools_path(name: string): string | null {
  for (const d of (process.env.PATH ?? "").split(":")) {
    const p = path.join(d, name);
    if (d !== "" && fs.existsSync(p)) return p;
  }
  return null;
}

ltest("robustness: the fuzzer's linux and hostif parts write hostile frames into a tap's Linux TAP and a mirrored interface's: no exception, no leak, ping still answered", async (t) => {
  const dir = tmpdir();
  const r = await netns_sh(`cd "${root}" && "$NODE" --import=tsx fuzz/main.ts --only linux,hostif --frames 3000 --build vimage --seed 7 2>&1`, dir, 180_000);
  t.regex(r.out, /linux: (\d+) frames written into the Linux TAP, (\d+) reached the interface/, r.out + r.err);
  t.regex(r.out, /hostif: (\d+) frames sent on a mirrored TAP, [1-9]\d* written onto the interface/);
  t.regex(r.out, /0 exceptions, 0 leaks, 0 invariant failures/);
  t.regex(r.out, /no failure/);
  fs.rmSync(dir, { recursive: true, force: true });
});

ltest("the Linux side follows: rename and MTU reach the Linux TAP; deleting it in Linux closes the device (no carrier, addresses gone)", async (t) => {
  const dir = tmpdir();
  fs.writeFileSync(
    path.join(dir, "v.sh"),
    `ifconfig tap create >/dev/null
ifconfig tap0 name foo0 >/dev/null
ifconfig foo0 mtu 9000 10.5.0.2/24 up
touch ready
sleep 3
echo "== sim"
ifconfig foo0
`,
  );
  const r = await netns_sh(
    `${WAITFOR}"$NODE" "$VIRTNET" run v.sh > v.out 2> v.err &
V=$!
waitfor ready || { echo "not ready"; cat v.out v.err; exit 1; }
echo "== linux"; ip -o link show tap0 2>&1 | head -1; ip -o link show foo0 | sed 's/ qdisc.*//'
ip link del foo0
wait $V
cat v.out; echo "== stderr"; cat v.err
`,
    dir,
  );
  t.regex(section(r.out, "linux"), /does not exist\.?\n\d+: foo0: <BROADCAST,MULTICAST> mtu 9000\n/, r.out + r.err);
  t.regex(section(r.out, "sim"), /^== sim\nfoo0: flags=8802<BROADCAST,SIMPLEX,MULTICAST> metric 0 mtu 9000\n/);
  t.notRegex(section(r.out, "sim"), /inet 10\.5\.0\.2/);
  t.regex(section(r.out, "sim"), /status: no carrier\n/);
  t.regex(section(r.out, "stderr"), /^== stderr\nlinux_tap: foo0: socat exited with status \d+\n$/);
  fs.rmSync(dir, { recursive: true, force: true });
});

ltest("TCP with Linux: Linux's nc and curl exchange binary files with a jail's nc both ways; Linux's TCP retransmits nothing (ss -ti, RetransSegs)", async (t) => {
  const dir = tmpdir();
  const put = (f: string, b: Buffer) => fs.writeFileSync(path.join(dir, f), b);
  const rnd = (n: number, seed: number): Buffer => {
    const b = Buffer.alloc(n);
    let x = seed;
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      b[i] = x >>> 24;
    }
    return b;
  };
  const up = rnd(300_000, 1);
  const down = rnd(300_000, 2);
  const body = rnd(200_000, 3);
  put("from_linux.bin", up);
  put("to_linux.bin", down);
  put("resp.http", Buffer.concat([Buffer.from("HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 200000\r\n\r\n"), body]));
  fs.writeFileSync(
    path.join(dir, "v.sh"),
    `jail -c name=j vnet persist >/dev/null
ifconfig tap create
ifconfig tap0 vnet j
jexec j ifconfig tap0 10.77.0.2/24 up
jexec j nc -l 8000 > got_from_linux.bin &
jexec j nc -N -l 8001 < to_linux.bin &
jexec j nc -N -l 8002 < resp.http > http.req &
jexec j nc -l 8004 > hello.txt &
touch ready
wait
jexec j netstat -s -p tcp | grep -E "retransmitted$"
`,
  );
  const r = await netns_sh(
    `${WAITFOR}"$NODE" "$VIRTNET" run v.sh > v.out 2> v.err &
V=$!
waitfor ready || { echo "not ready"; cat v.out v.err; exit 1; }
ip addr add 10.77.0.1/24 dev tap0 && ip link set tap0 up
echo "== nc up"; nc -N 10.77.0.2 8000 < from_linux.bin; echo "nc1=$?"
echo "== nc down"; nc -d 10.77.0.2 8001 > got_to_linux.bin; echo "nc2=$?"
echo "== curl"; curl -sS -o got_body.bin http://10.77.0.2:8002/x; echo "curl=$?"
echo "== ss"; (printf hello; sleep 2) | nc -N 10.77.0.2 8004 & sleep 1; ss -tin dst 10.77.0.2; wait $!
echo "== snmp"; awk '/^Tcp:/ { if (!h) { split($0, n); h = 1 } else { split($0, v); for (i in n) if (n[i] == "RetransSegs") print "RetransSegs=" v[i] } }' /proc/net/snmp
awk '/^Udp:/ { if (!u) { split($0, n); u = 1 } else { split($0, v); for (i in n) if (n[i] == "RcvbufErrors") print "UdpRcvbufErrors=" v[i] } }' /proc/net/snmp
wait $V; echo "virtnet=$?"
echo "== sim"; cat v.out v.err
`,
    dir,
  );
  const got = (f: string): Buffer => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f)) : Buffer.alloc(0));
  t.regex(r.out, /nc1=0\n/, r.out + r.err);
  t.regex(r.out, /nc2=0\n/);
  t.regex(r.out, /curl=0\n/);
  t.true(got("got_from_linux.bin").equals(up), "Linux nc -> jail nc");
  t.true(got("got_to_linux.bin").equals(down), "jail nc -> Linux nc");
  t.true(got("got_body.bin").equals(body), "jail nc -> curl");
  t.regex(got("http.req").toString("latin1"), /^GET \/x HTTP\/1\.1\r\nHost: 10\.77\.0\.2:8002\r\n/);
  t.is(got("hello.txt").toString(), "hello");
  // ss -ti on a live connection: its TCP info, and no retrans field
  // (Linux prints one only once something was resent).
  t.regex(section(r.out, "ss"), /ESTAB .*10\.77\.0\.2:8004\n\t.* bytes_acked:6 /);
  t.notRegex(section(r.out, "ss"), /retrans:/);
  // The namespace is the test's own: every segment Linux's TCP sent here.
  t.regex(section(r.out, "snmp"), /RetransSegs=0\n/);
  t.regex(r.out, /virtnet=0\n/);
  // The jail's side retransmitted nothing either.
  // (A frame the relay lost would be one; its sockets' buffers make that
  // unlikely, and the snmp block says if it happened.)
  t.regex(section(r.out, "sim"), /\t\t0 data packets \(0 bytes\) retransmitted\n/, r.out);
  fs.rmSync(dir, { recursive: true, force: true });
});
