// sbin/nc.ts: FreeBSD 14's netcat between vnet jails: data through the
// shell's redirections byte for byte, the -v/-z messages, the option
// checks and their exit statuses.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { run_script, TWO_JAILS } from "./prog_helpers.ts";

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
