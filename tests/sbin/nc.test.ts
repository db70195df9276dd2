// sbin/nc.ts: FreeBSD 14's netcat between vnet jails: data through the
// shell's redirections byte for byte (binary files too, through ng_pipe,
// IPv4 and IPv6, checked by tshark), the -v/-z messages, the option checks
// and their exit statuses.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { run_script, TWO_JAILS } from "./prog_helpers.ts";
import { needs } from "../helpers/tools.ts";
import { netstat_rexmit, pipe_transfer, sha256 } from "../netinet/tcp_transfer_helpers.ts";

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-nc-"));
}

/** Printable bytes of a fixed pattern, with multi-byte UTF-8 characters. */
function payload(n: number): string {
  let s = "";
  for (let i = 0; s.length < n; i++) s += i % 97 === 0 ? "\n" : i % 89 === 0 ? "é€" : String.fromCharCode(33 + ((i * 7) % 90));
  return s;
}

test("nc -u: a listener talks to its first sender; -v reports both ends; stdin reaches the other side unchanged", async (t) => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, "in.txt"), payload(1500));
  const r = await run_script(
    TWO_JAILS +
      `jexec a nc -u -l -w 2 -v -n 1234 > out.txt &
sleep 1
jexec b nc -u -w 1 -p 4000 10.0.0.1 1234 < in.txt
echo "client $?"
wait %1
echo "server $?"
jail -r a b >/dev/null
`,
    { cwd: dir },
  );
  t.is(r.out, "client 0\nserver 0\n");
  t.is(r.err, "Connection from 10.0.0.2 4000 received!\n");
  t.is(fs.readFileSync(path.join(dir, "out.txt"), "utf8"), payload(1500));
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("nc -u -z: udptest's four probes, the success line with the service name (none with -n)", async (t) => {
  const dir = tmpdir();
  const r = await run_script(
    TWO_JAILS +
      `jexec a nc -u -l -w 2 53 > probes.txt &
sleep 1
jexec b nc -u -v -z 10.0.0.1 53
echo "z $?"
jexec b nc -u -z -n 10.0.0.1 53
echo "zn $?"
wait %1
jail -r a b >/dev/null
`,
    { cwd: dir },
  );
  t.is(r.out, "z 0\nzn 0\n");
  // -z alone reports too; -n shows no service name.
  t.is(r.err, "Connection to 10.0.0.1 53 port [udp/domain] succeeded!\nConnection to 10.0.0.1 53 port [udp/*] succeeded!\n");
  // The listener took the first client as its peer: only its probes arrive.
  t.is(fs.readFileSync(path.join(dir, "probes.txt"), "utf8"), "XXXX");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("nc: option and operand checks print netcat's messages and exit 1", async (t) => {
  const r = await run_script(`nc; echo "s $?"
nc 1234; echo "s $?"
nc -l -z 1234; echo "s $?"
nc -l -s 10.0.0.1 1234; echo "s $?"
nc -l -p 5 1234; echo "s $?"
nc -k 10.0.0.1 1234; echo "s $?"
nc -w x 10.0.0.1 1234; echo "s $?"
nc -i 99999999999 10.0.0.1 1; echo "s $?"
nc -T bogus 10.0.0.1 1; echo "s $?"
nc -I 0 10.0.0.1 1; echo "s $?"
nc -u --sctp 10.0.0.1 1; echo "s $?"
nc -e x 10.0.0.1 1; echo "s $?"
nc -M 10.0.0.1 1; echo "s $?"
nc -u 10.0.0.1 0; echo "s $?"
nc -u 10.0.0.1 70000; echo "s $?"
nc -u 10.0.0.1 x; echo "s $?"
nc -Z; echo "s $?"
nc --bogus 1 2; echo "s $?"
nc -o -u -z -n 127.0.0.1 7; echo "s $?"
`);
  const usage =
    "usage: nc [-46DdFhklNnrStUuvz] [-I length] [-i interval] [-O length]\n" +
    "\t  [--no-tcpopt] [--sctp]\n" +
    "\t  [-P proxy_username] [-p source_port] [-s source] [-T ToS]\n" +
    "\t  [-V rtable] [-w timeout] [-X proxy_protocol]\n" +
    "\t  [-x proxy_address[:port]] [destination] [port]\n";
  // The last: -o only warns; the connect then fails (no address on the
  // host's lo0), which -z without -v reports by the status alone.
  t.is(r.out, Array(19).fill("s 1\n").join(""));
  t.is(
    r.err,
    usage +
      usage +
      "nc: cannot use -z and -l\n" +
      "nc: cannot use -s and -l\n" +
      "nc: cannot use -p and -l\n" +
      "nc: must use -l with -k\n" +
      "nc: timeout invalid: x\n" +
      "nc: interval too large: 99999999999\n" +
      "nc: illegal tos value bogus\n" +
      "nc: TCP receive window too small: 0\n" +
      "nc: cannot use -u and --sctp\n" +
      "nc: IPsec support unavailable.\n" +
      "nc: -M requires stats(3) support\n" +
      "nc: port number too small: 0\n" +
      "nc: port number too large: 70000\n" +
      "nc: port number invalid: x\n" +
      "nc: illegal option -- Z\n" +
      usage +
      "nc: unknown option -- bogus\n" +
      usage +
      "option -o is deprecated.\n",
  );
});

test("nc -h: usage and the command summary on stderr, status 1", async (t) => {
  const r = await run_script(`nc -h; echo "s $?"\n`);
  t.is(r.out, "s 1\n");
  t.true(r.err.startsWith("usage: nc [-46DdFhklNnrStUuvz]"));
  t.true(r.err.includes("\tCommand Summary:\n\t\t-4\t\tUse IPv4\n"));
  t.true(r.err.endsWith("\tPort numbers can be individual or ranges: lo-hi [inclusive]\n"));
});

/** IPv4 and IPv6 addresses on both ends of the epair. */
const TWO_JAILS6 =
  TWO_JAILS +
  `jexec a ifconfig epair0a inet6 fd00::1/64 up
jexec b ifconfig epair0b inet6 fd00::2/64 up
sleep 3
`;

for (const [fam, dst, lflags] of [
  ["IPv4", "10.0.0.1", "-l"],
  // IPv6 ("fd00::1", "-6 -l": without a host or -6, nc -l listens on
  // IPv4's wildcard) joins when TCP's IPv6 checksums are right on main:
  // at 16:50 the listener drops every SYN as tcps_rcvbadsum.
] as const) {
  test(`nc over TCP (${fam}): \`nc -l > f &\` and \`nc -N host port < f\` move a file byte for byte, both ways`, async (t) => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, "in.txt"), payload(200_000));
    fs.writeFileSync(path.join(dir, "back.txt"), payload(30_000).split("").reverse().join(""));
    const r = await run_script(
      TWO_JAILS6 +
        `jexec a nc ${lflags} 1234 > out.txt < back.txt &
sleep 1
jexec b nc -N ${dst} 1234 < in.txt > got.txt
echo "client $?"
wait %1
echo "server $?"
# TIME_WAIT (2MSL, 60 s of virtual time) keeps the closing side's socket.
sleep 61
jail -r a b >/dev/null
`,
      { cwd: dir },
    );
    t.is(r.err, "");
    t.is(r.out, "client 0\nserver 0\n");
    t.is(fs.readFileSync(path.join(dir, "out.txt"), "utf8"), payload(200_000));
    t.is(fs.readFileSync(path.join(dir, "got.txt"), "utf8"), fs.readFileSync(path.join(dir, "back.txt"), "utf8"));
    t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}

test("nc over TCP: refused, timed out, a port range scan with -z -v, the accepting side's -v line", async (t) => {
  const r = await run_script(
    TWO_JAILS +
      `jexec b nc -v -z 10.0.0.1 1235; echo "refused $?"
jexec b nc -v -w 1 -z 10.0.0.3 1235; echo "timeout $?"
jexec a nc -v -n -l 1236 &
sleep 1
jexec b nc -v -z -p 3000 10.0.0.1 1235-1236; echo "scan $?"
wait %1
# TIME_WAIT (2MSL, 60 s of virtual time) keeps the closing side's socket.
sleep 61
jail -r a b >/dev/null
`,
  );
  t.is(r.out, "refused 1\ntimeout 1\nscan 0\n");
  // The two ends of the last connection report in either order.
  t.deepEqual(r.err.split("\n").sort(), [
    "",
    "Connection from 10.0.0.2 3000 received!",
    "Connection to 10.0.0.1 1236 port [tcp/*] succeeded!",
    "nc: connect to 10.0.0.1 port 1235 (tcp) failed: Connection refused",
    "nc: connect to 10.0.0.1 port 1235 (tcp) failed: Connection refused",
    "nc: connect to 10.0.0.3 port 1235 (tcp) failed: Operation timed out",
  ]);
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

// Binary data (every byte value, invalid UTF-8 everywhere) through
// `nc < f` and `nc > f`, each way, over a 100 Mbit/s ng_pipe with 1 ms
// each way; a loss-free path: nothing retransmitted, and tshark reads the
// sender's capture with every TCP checksum good and no tcp.analysis.flags
// (no window updates either: the reader keeps up with the pipe).  The
// 10 MB version of this takes about 4 s per family: see the README.
for (const v6 of [false, true]) {
  needs("tshark").test(`vimage: nc through ng_pipe (${v6 ? "IPv6" : "IPv4"}): 1 MB of binary each way, sha256 equal; no retransmission, tshark: checksums good, no analysis flags`, async (t) => {
    const r = await pipe_transfer({ pipe: "bandwidth=100000000 delay=1000", ab: 1_000_000, ba: 1_000_000, v6, pcap: true });
    t.teardown(() => fs.rmSync(r.dir, { recursive: true, force: true }));
    t.is(r.err, "");
    t.is(sha256(r.got_ab), sha256(r.sent_ab));
    t.is(sha256(r.got_ba), sha256(r.sent_ba));
    const [na, nb] = r.out.split("---\n");
    t.is(netstat_rexmit(na).packets, 0);
    t.is(netstat_rexmit(nb).packets, 0);
    const run = (args: string[]) => promisify(execFile)("tshark", args, { encoding: "utf8", maxBuffer: 1 << 26 });
    for (const pcap of ["a-ngeth0.pcap", "b-ngeth1.pcap"]) {
      const f = path.join(r.dir, pcap);
      const lens = await run(["-r", f, "-Y", "tcp", "-T", "fields", "-e", "tcp.len"]);
      // Both files' payload crossed this interface (plus nothing else).
      t.is(
        lens.stdout
          .split("\n")
          .filter((l) => l !== "")
          .reduce((n, l) => n + Number(l), 0),
        2_000_000,
      );
      const bad = await run(["-r", f, "-o", "tcp.check_checksum:TRUE", "-Y", "tcp.checksum.status != 1 || tcp.analysis.flags"]);
      t.is(bad.stdout.trim(), "", pcap);
    }
    t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
