// sbin/host_exec.ts: commands VirtNet does not simulate run as the host's
// programs, in pipelines with the simulated ones, under jexec and sh -c.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script, TWO_JAILS } from "./prog_helpers.ts";
import { needs } from "../helpers/tools.ts";

needs("grep", "awk", "sed", "head", "wc", "tr").test("simulated programs feed host programs through pipes", async (t) => {
  const r = await run_script(
    `sysctl -a | grep forwarding
ifconfig lo0 inet 127.0.0.1/8 up
ifconfig -a | grep -c inet
netstat -rn | awk 'NR == 1 { print "first:", $1 }'
sysctl -n kern.hz | sed 's/^/hz=/'
ifconfig -a | head -1 | tr a-z A-Z
echo one two three | wc -w | tr -d ' '
`,
  );
  t.is(r.err, "");
  t.is(r.out, "net.inet.ip.forwarding: 0\nnet.inet6.ip6.forwarding: 0\n1\nfirst: Routing\nhz=1000\nLO0: FLAGS=8049<UP,LOOPBACK,RUNNING,MULTICAST> METRIC 0 MTU 16384\n3\n");
  t.is(r.status, 0);
});

needs("grep", "cat", "sort", "seq").test("host programs inside jails, sh -c, here-documents and read loops; packets still flow", async (t) => {
  const r = await run_script(
    `${TWO_JAILS}jexec a ping -c 2 10.0.0.2 | grep -c 'bytes from'
jexec b netstat -rn | grep -c 10.0.0
jexec a sh -c 'ifconfig epair0a | grep -o "inet [0-9.]*"'
cat <<EOF | sort -r
b
a
c
EOF
seq 1 3 | while read n; do echo "n$n"; done
jexec a grep x <<EOF
axb
no
EOF
`,
  );
  t.is(r.err, "");
  t.is(r.out, "2\n2\ninet 10.0.0.1\nc\nb\na\nn1\nn2\nn3\naxb\n");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

needs("grep", "sh").test("exit status of host programs, not found (127) and not executable (126)", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-host-"));
  try {
    fs.writeFileSync(path.join(dir, "noexec"), "echo hi\n", { mode: 0o644 });
    fs.writeFileSync(path.join(dir, "runme"), "#!/bin/sh\necho \"ran $1\"\n", { mode: 0o755 });
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "denied"), "", { mode: 0o644 });
    const r = await run_script(
      `echo abc | grep -q zzz; echo "grep $?"
/bin/sh -c 'exit 7'; echo "sh $?"
no_such_program_here; echo "nf $?"
./noexec; echo "nx $?"
./runme arg; echo "run $?"
PATH=$PWD/bin:$PATH denied; echo "denied $?"
X=exported; export X; sh -c 'echo "[$X]"'
env | grep -c '^X=exported$'
`,
      { cwd: dir },
    );
    t.is(r.out, "grep 1\nsh 7\nnf 127\nnx 126\nran arg\nrun 0\ndenied 126\n[exported]\n1\n");
    t.is(r.err, "t.sh: no_such_program_here: not found\nt.sh: ./noexec: Permission denied\nt.sh: denied: Permission denied\n");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the network programs are always the simulated ones", async (t) => {
  const r = await run_script("for c in ifconfig ping jexec sysctl sh; do command -v $c; done\ntype route\n");
  t.is(r.out, "/sbin/ifconfig\n/sbin/ping\n/usr/sbin/jexec\n/sbin/sysctl\n/bin/sh\nroute is /sbin/route\n");
});

needs("cat").test("a host program under jexec or setfib uses up the input it was given, as it does run directly", async (t) => {
  const input = "<<END\na\nb\nEND\n";
  const r = await run_script(
    "jail -c name=j persist >/dev/null\n" +
      `{ cat >/dev/null; read x; echo "direct [$x]"; } ${input}` +
      `{ jexec j cat >/dev/null; read x; echo "jexec [$x]"; } ${input}` +
      `{ setfib 0 cat >/dev/null; read x; echo "setfib [$x]"; } ${input}` +
      `{ jexec j sysctl -n kern.hz >/dev/null; read x; echo "simulated [$x]"; } ${input}`,
  );
  t.is(r.err, "");
  t.is(r.out, "direct []\njexec []\nsetfib []\nsimulated [a]\n");
});
