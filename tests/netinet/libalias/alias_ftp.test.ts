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
import { loadKernel, type Kernel } from "../../helpers/builds.ts";
import type { libalias } from "../../../netinet/libalias/alias_local.ts";

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-ftp-"));
}

/** The port a rewritten line names, from its "h1,h2,h3,h4,p1,p2" or its
 *  "|port|" (the shell's arithmetic does the same below). */
const PORT_OF = `port_of() { sed -n -e 's/.*[ (]198,51,100,1,\\([0-9]*\\),\\([0-9]*\\).*/\\1 \\2/p' -e 's/.*|\\([0-9][0-9]*\\)|.*/\\1 -/p' "$1"; }
to_port() { if [ "$2" = - ]; then echo $1; else echo $(( $1 * 256 + $2 )); fi; }
`;

/** One passive-mode round: lan's server on 21 answers with `line`, and
 *  lan listens on lport; pub connects to 21 and prints the reply, then
 *  connects to the port it names and sends `payload`, which lan prints. */
function passive_round(tag: string, job: number, lport: number, line: string, payload: string): string {
  return `printf '${line}' | jexec lan nc -l 21 &
jexec lan nc -l ${lport} > data${tag}.out &
sleep 1
jexec pub nc -N 198.51.100.1 21 < /dev/null > ctl${tag}.out
wait %${job}
cat ctl${tag}.out
p=$(to_port $(port_of ctl${tag}.out))
echo ${payload} | jexec pub nc -N 198.51.100.1 $p
wait %${job + 1}
cat data${tag}.out
`;
}

const ROUTER = `jexec gw ipfw -q add 100 nat 1 ip from any to any via epair1a
jexec gw ipfw -q add 200 allow ip from any to any
`;

/**
 * One active-mode round: pub listens on 21 (into ctl<tag>.out) and lan on
 * lport (into data<tag>.out); lan sends `line` (printf's escapes) to pub's
 * port 21; pub then connects to the port the line reached it with and
 * sends `payload`; both files are printed.  `job` is the number the
 * shell gives the first of the two listeners.
 */
function active_round(tag: string, job: number, lport: number, line: string, payload: string): string {
  return `jexec pub nc -l 21 > ctl${tag}.out &
jexec lan nc -l ${lport} > data${tag}.out &
sleep 1
printf '${line}' | jexec lan nc -N 198.51.100.2 21
wait %${job}
cat ctl${tag}.out
p=$(to_port $(port_of ctl${tag}.out))
echo ${payload} | jexec pub nc -N 198.51.100.1 $p
wait %${job + 1}
cat data${tag}.out
`;
}

test("ipfw nat with alias_ftp: PORT and EPRT from the LAN name the router, and the server's data connection reaches the client", async (t) => {
  const r = await run_script(
    nat_net("ipfw ipfw_nat alias_ftp", true) +
      ROUTER +
      PORT_OF +
      `jexec gw ipfw -q nat 1 config ip 198.51.100.1
${active_round("1", 1, 1025, "PORT 192,168,0,2,4,1\\r\\n", "data for the client")}${active_round("2", 3, 1026, "eprt  |1|192.168.0.2|1026|\\r\\n", "more data")}jexec pub nc -l 21 > ctl3.out &
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

test("ipfw nat with alias_ftp: a server behind the router has its 227 and 229 replies name the router, and a PORT from outside readies its active connection", async (t) => {
  const r = await run_script(
    nat_net("ipfw ipfw_nat alias_ftp", true) +
      ROUTER +
      PORT_OF +
      `jexec gw ipfw -q nat 1 config ip 198.51.100.1 log redirect_port tcp 192.168.0.2:21 21
${passive_round("1", 1, 1027, "227 Entering Passive Mode (192,168,0,2,4,3)\\r\\n", "passive data")}${passive_round("2", 3, 1028, "229 Entering Extended Passive Mode (|||1028|)\\r\\n", "extended passive")}jexec gw ipfw nat show log
jexec lan nc -l 21 > ctl3.out &
sleep 1
printf 'PORT 198,51,100,2,4,5\\r\\n' | jexec pub nc -N 198.51.100.1 21
wait %5
cat ctl3.out
jexec gw ipfw nat show log
jail -r lan gw pub >/dev/null
kldunload alias_ftp ipfw_nat ipfw
`,
    { seed: 3, cwd: tmpdir() },
  );
  const lines = r.out.split("\n");
  t.regex(lines[0], /^227 Entering Passive Mode \(198,51,100,1,\d+,\d+\)\r$/);
  t.is(lines[1], "passive data");
  t.regex(lines[2], /^229 Entering Extended Passive Mode \(\|\|\|\d+\|\)\r$/);
  t.is(lines[3], "extended passive");
  // The four control and data connections and the two data links made by
  // the replies (each data link became the connection's own), and the
  // redirect itself.
  t.is(lines[4], "nat 1: icmp=0, udp=0, tcp=5, sctp=0, pptp=0, proto=0, frag_id=0 frag_ptr=0 / tot=5");
  // Inbound, the PORT line is left as it is; the server's connection from
  // port 20 to 198.51.100.2 port 1029 has its link ready (one more).
  t.is(lines[5], "PORT 198,51,100,2,4,5\r");
  t.is(lines[6], "nat 1: icmp=0, udp=0, tcp=7, sctp=0, pptp=0, proto=0, frag_id=0 frag_ptr=0 / tot=7");
  t.is(r.err, "");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

test("natd: lib/libalias loads the FTP module as the stock libalias.conf names it, so PORT gets through", async (t) => {
  const dir = tmpdir();
  const r = await run_script(
    nat_net("ipfw ipdivert", true) +
      PORT_OF +
      `jexec gw ipfw -q add 100 divert natd all from any to any via epair1a
jexec gw ipfw -q add 200 allow ip from any to any
jexec gw natd -n epair1a -P ${dir}/natd.pid
${active_round("", 1, 1025, "PORT 192,168,0,2,4,1\\r\\n", "through natd")}kill $(cat ${dir}/natd.pid)
sleep 11
jail -r lan gw pub >/dev/null
`,
    { seed: 5, cwd: dir },
  );
  const lines = r.out.split("\n");
  t.regex(lines[0], /^PORT 198,51,100,1,\d+,\d+\r$/);
  t.is(lines.slice(1).join("\n"), "through natd\n");
  t.is(r.err, "");
  t.deepEqual(r.k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
});

// ---------------------------------------------------------------------------
// The same module on crafted segments, in a userland build of the library
// (which computes the TCP checksum of a rewritten segment itself).

const BUF = 2048;
const PRIV = 0x0a000002; // 10.0.0.2
const PUB = 0xc6336407; // 198.51.100.7
const ALIAS = 0xcb007101; // 203.0.113.1

function sum16(b: Uint8Array, start: number, end: number, add = 0): number {
  let sum = add;
  for (let i = start; i < end; i += 2) sum += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** An IPv4 TCP segment (20-byte headers) with text as its data, both
 *  checksums right. */
function segment(src: number, dst: number, sport: number, dport: number, seq: number, ack: number, text: string, flags = 0x18): DataView {
  const dv = new DataView(new ArrayBuffer(BUF));
  const b = new Uint8Array(dv.buffer);
  const len = 40 + text.length;
  b[0] = 0x45;
  dv.setUint16(2, len);
  b[8] = 64;
  b[9] = 6;
  dv.setUint32(12, src);
  dv.setUint32(16, dst);
  dv.setUint16(10, ~sum16(b, 0, 20) & 0xffff);
  dv.setUint16(20, sport);
  dv.setUint16(22, dport);
  dv.setUint32(24, seq);
  dv.setUint32(28, ack);
  b[32] = 5 << 4;
  b[33] = flags;
  dv.setUint16(34, 65535);
  for (let i = 0; i < text.length; i++) b[40 + i] = text.charCodeAt(i);
  dv.setUint16(36, ~sum16(b, 20, len, pseudo(dv)) & 0xffff);
  return dv;
}

function pseudo(dv: DataView): number {
  return dv.getUint16(12) + dv.getUint16(14) + dv.getUint16(16) + dv.getUint16(18) + 6 + dv.getUint16(2) - 20;
}

/** Both checksums verify. */
function sums_ok(dv: DataView): boolean {
  const b = new Uint8Array(dv.buffer);
  return sum16(b, 0, 20) === 0xffff && sum16(b, 20, dv.getUint16(2), pseudo(dv)) === 0xffff;
}

function text_of(dv: DataView): string {
  return String.fromCharCode(...new Uint8Array(dv.buffer, 40, dv.getUint16(2) - 40));
}

let kernel: Kernel | null = null;

/** An instance of a fresh userland build with the FTP handlers attached
 *  (as LibAliasRefreshModules would), or of the kernel's build without. */
async function instance(ftp: boolean, kernel_build = false): Promise<{ k: Kernel; la: libalias }> {
  if (kernel === null) kernel = await loadKernel("vimage", 1);
  const k = kernel;
  let n = 0;
  const build = kernel_build
    ? k.libalias_kernel
    : new k.libalias_build(false, () => 1000, (upper: number) => (n += 7919) % upper, null, (msg: string) => {
        throw new Error(msg);
      });
  if (ftp) k.alias_mod.LibAliasAttachHandlers(build, k.alias_ftp.handlers);
  const la = k.LibAliasInit(null, build);
  k.LibAliasSetAddress(la, ALIAS);
  k.LibAliasSetMode(la, 0, ~0);
  return { k, la };
}

test("PORT rewritten in a crafted segment: the line, the lengths and checksums, later sequence numbers and acknowledgments shifted by the growth, and the data link", async (t) => {
  const { k, la } = await instance(true);
  const line = "PORT 10,0,0,2,4,1\r\n";
  const p1 = segment(PRIV, PUB, 3000, 21, 1000, 5000, line);
  t.is(k.LibAliasOut(la, p1, 0, BUF), 1);
  const m = /^PORT 203,0,113,1,(\d+),(\d+)\r\n$/.exec(text_of(p1));
  t.truthy(m);
  const aport = Number(m?.[1]) * 256 + Number(m?.[2]);
  const grew = text_of(p1).length - line.length;
  t.is(p1.getUint16(2), 40 + line.length + grew);
  t.true(sums_ok(p1));
  t.is(p1.getUint32(24), 1000); // this segment starts where it did
  t.is(p1.getUint32(12), ALIAS);

  // The next segment comes grew bytes later in the server's stream.
  const p2 = segment(PRIV, PUB, 3000, 21, 1000 + line.length, 5000, "NOOP\r\n");
  k.LibAliasOut(la, p2, 0, BUF);
  t.is(p2.getUint32(24), 1000 + line.length + grew);
  t.is(text_of(p2), "NOOP\r\n");
  t.true(sums_ok(p2));

  // What the server acknowledges goes back into the client's numbers;
  // acknowledgments from before the line are left alone.
  const cport = p1.getUint16(20);
  for (const [ack, want] of [
    [1000, 1000],
    [1000 + line.length + grew, 1000 + line.length],
    [1000 + line.length + grew + 6, 1000 + line.length + 6],
  ]) {
    const a = segment(PUB, ALIAS, 21, cport, 5000, ack, "", 0x10);
    t.is(k.LibAliasIn(la, a, 0, BUF), 1);
    t.is(a.getUint32(28), want);
    t.is(a.getUint32(16), PRIV);
    t.true(sums_ok(a));
  }

  // A second PORT adds its own growth to the first's.
  const line2 = "PORT 10,0,0,2,4,2\r\n";
  const seq3 = 1000 + line.length + 6;
  const p3 = segment(PRIV, PUB, 3000, 21, seq3, 5000, line2);
  k.LibAliasOut(la, p3, 0, BUF);
  t.is(p3.getUint32(24), seq3 + grew);
  const grew2 = text_of(p3).length - line2.length;
  const p4 = segment(PRIV, PUB, 3000, 21, seq3 + line2.length, 5000, "QUIT\r\n");
  k.LibAliasOut(la, p4, 0, BUF);
  t.is(p4.getUint32(24), seq3 + line2.length + grew + grew2);
  const a4 = segment(PUB, ALIAS, 21, cport, 5000, seq3 + line2.length + grew + grew2, "", 0x10);
  k.LibAliasIn(la, a4, 0, BUF);
  t.is(a4.getUint32(28), seq3 + line2.length);

  // The server's data connection, from any port, reaches 10.0.0.2 port
  // 1025 through the alias port the line named.
  const syn = segment(PUB, ALIAS, 20, aport, 7000, 0, "", 0x02);
  t.is(k.LibAliasIn(la, syn, 0, BUF), 1);
  t.is(syn.getUint32(16), PRIV);
  t.is(syn.getUint16(22), 1025);
  t.true(sums_ok(syn));
  k.LibAliasUninit(la);
});

test("the parser looks only at whole lines: not after a segment that ended mid-line, not in a segment over 128 bytes, not at a privileged port or another host", async (t) => {
  const { k, la } = await instance(true);
  const out = (seq: number, text: string): string => {
    const p = segment(PRIV, PUB, 3001, 21, seq, 1, text);
    k.LibAliasOut(la, p, 0, BUF);
    return text_of(p);
  };
  t.is(out(100, "USER anonym"), "USER anonym");
  t.is(out(111, "PORT 10,0,0,2,4,1\r\n"), "PORT 10,0,0,2,4,1\r\n"); // still mid-line before it
  t.regex(out(130, "PORT 10,0,0,2,4,1\r\n"), /^PORT 203,0,113,1,/); // now at a line's start
  const long = `PORT 10,0,0,2,4,1\r\n${"x".repeat(108)}\r\n`;
  t.is(long.length, 129);
  t.is(out(1000, long), long);
  t.is(out(2000, "PORT 10,0,0,2,3,255\r\n"), "PORT 10,0,0,2,3,255\r\n");
  t.is(out(3000, "PORT 10,0,0,3,4,1\r\n"), "PORT 10,0,0,3,4,1\r\n");
  t.regex(out(4000, "port \t 10,0,0,2,4,1\r\n"), /^PORT 203,0,113,1,/); // any case, then blanks
  t.is(out(4100, "PORT\t10,0,0,2,4,1\r\n"), "PORT\t10,0,0,2,4,1\r\n"); // but a space first
  t.regex(out(5000, "EPRT !1!10.0.0.2!1030!\r\n"), /^EPRT \|1\|203\.0\.113\.1\|\d+\|\r\n$/);
  t.is(out(6000, "EPRT |2|::1|1030|\r\n"), "EPRT |2|::1|1030|\r\n");
  k.LibAliasUninit(la);
});

test("replies from a server behind NAT: 227 and 229 name the alias address and port; the client's commands and other replies pass", async (t) => {
  const { k, la } = await instance(true);
  // The server answers from port 21 to a client somewhere outside.
  const reply = (seq: number, text: string): string => {
    const p = segment(PRIV, PUB, 21, 40000, seq, 1, text);
    k.LibAliasOut(la, p, 0, BUF);
    t.true(sums_ok(p));
    return text_of(p);
  };
  t.regex(reply(100, "227 Entering Passive Mode (10,0,0,2,4,3)\r\n"), /^227 Entering Passive Mode \(203,0,113,1,\d+,\d+\)\r\n$/);
  t.regex(reply(200, "229 Extended (|||1028|)\r\n"), /^229 Entering Extended Passive Mode \(\|\|\|\d+\|\)\r\n$/);
  t.is(reply(300, "200 PORT command successful\r\n"), "200 PORT command successful\r\n");
  // A PORT sent by the server side is not its to rewrite.
  t.is(reply(400, "PORT 10,0,0,2,4,1\r\n"), "PORT 10,0,0,2,4,1\r\n");
  // Replies coming in (an outside server answering a client inside) name
  // a public address already: they pass as they are.
  const c = segment(PRIV, PUB, 3004, 21, 1, 1, "PASV\r\n");
  k.LibAliasOut(la, c, 0, BUF);
  const back = segment(PUB, ALIAS, 21, c.getUint16(20), 1, 7, "227 Entering Passive Mode (198,51,100,7,4,3)\r\n");
  t.is(k.LibAliasIn(la, back, 0, BUF), 1);
  t.is(text_of(back), "227 Entering Passive Mode (198,51,100,7,4,3)\r\n");
  t.true(sums_ok(back));
  k.LibAliasUninit(la);
});

test("without the handlers nothing is rewritten; the kernel's build leaves the checksum to ipfw nat (th_x2 set)", async (t) => {
  const plain = await instance(false);
  const p = segment(PRIV, PUB, 3002, 21, 1, 1, "PORT 10,0,0,2,4,1\r\n");
  plain.k.LibAliasOut(plain.la, p, 0, BUF);
  t.is(text_of(p), "PORT 10,0,0,2,4,1\r\n");
  t.true(sums_ok(p));
  plain.k.LibAliasUninit(plain.la);

  const { k, la } = await instance(true, true);
  const q = segment(PRIV, PUB, 3003, 21, 1, 1, "PORT 10,0,0,2,4,1\r\n");
  k.LibAliasOut(la, q, 0, BUF);
  t.regex(text_of(q), /^PORT 203,0,113,1,/);
  t.is(q.getUint8(32) & 0x0f, 1);
  k.LibAliasUninit(la);
  k.alias_mod.LibAliasDetachHandlers(k.libalias_kernel, k.alias_ftp.handlers);
  t.is(k.alias_mod.first_handler(k.libalias_kernel), null);
});
