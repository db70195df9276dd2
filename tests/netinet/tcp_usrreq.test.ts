// netinet/tcp_usrreq: TCP through the socket calls.  nc between two vnet
// jails over an epair, IPv4 and IPv6: the data arrives byte-identical and
// tshark reads the captures with every TCP checksum good and no
// tcp.analysis.flags; socket options (TCP_NODELAY, TCP_MAXSEG, TCP_INFO,
// TCP_KEEPIDLE defaults) and the address checks of bind and connect.
import test from "ava";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { BOTH, loadKernel, loadKernelUnbooted } from "../helpers/builds.ts";
import { needs } from "../helpers/tools.ts";

async function transfer(t: { teardown: (f: () => void) => void }, v6: boolean): Promise<{ dir: string; sent: Buffer; got: Buffer }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtnet-tcp-"));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  // About 100 kB of text (the shell's redirections carry text).
  let text = "";
  for (let i = 0; text.length < 100_000; i++) text += `${i} ${(i * 7919) % 10007}\n`;
  const sent = Buffer.from(text);
  fs.writeFileSync(path.join(dir, "data.bin"), sent);
  const dst = v6 ? "2001:db8:9::2" : "10.0.0.2";
  const script = `jail -c name=a persist vnet >/dev/null
jail -c name=b persist vnet >/dev/null
ifconfig epair create >/dev/null
ifconfig epair0a vnet a
ifconfig epair0b vnet b
jexec a ifconfig epair0a 10.0.0.1/24 up
jexec b ifconfig epair0b 10.0.0.2/24 up
jexec a ifconfig epair0a inet6 2001:db8:9::1/64
jexec b ifconfig epair0b inet6 2001:db8:9::2/64
sleep 3
jexec b nc ${v6 ? "-6 " : ""}-l 7000 > ${path.join(dir, "got.bin")} &
sleep 1
jexec a nc -N ${dst} 7000 < ${path.join(dir, "data.bin")}
sleep 2
`;
  const k = await loadKernelUnbooted("vimage");
  let err = "";
  const status = await k.virtnet_run_script(script, {
    seed: 0,
    pcapdir: dir,
    name: "tcp.sh",
    stdout: { write: () => {} },
    stderr: { write: (s: string) => void (err += s) },
    cwd: dir,
  });
  if (status !== 0) throw new Error(`script failed (${status}): ${err}`);
  return { dir, sent, got: fs.readFileSync(path.join(dir, "got.bin")) };
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const tshark = needs("tshark");

for (const v6 of [false, true]) {
  tshark.test(`vimage: nc over an epair (${v6 ? "IPv6" : "IPv4"}): byte-identical, tshark finds every checksum good and no analysis flags`, async (t) => {
    const { dir, sent, got } = await transfer(t, v6);
    t.is(sha(got), sha(sent));
    const run = (args: string[]) => promisify(execFile)("tshark", args, { encoding: "utf8" });
    const pcap = path.join(dir, "a-epair0a.pcap");
    const all = await run(["-r", pcap, "-o", "tcp.check_checksum:TRUE", "-Y", "tcp", "-T", "fields", "-e", "tcp.len"]);
    const lens = all.stdout.split("\n").filter((l) => l !== "");
    t.true(lens.length > 70, `${lens.length} segments`);
    t.is(
      lens.reduce((n, l) => n + Number(l), 0),
      sent.length,
    );
    const bad = await run(["-r", pcap, "-o", "tcp.check_checksum:TRUE", "-Y", "tcp.checksum.status != 1 || tcp.analysis.flags"]);
    t.is(bad.stdout.trim(), "");
  });
}

for (const build of BOTH) {
  test(`${build}: TCP socket options and address checks`, async (t) => {
    const k = await loadKernel(build);
    const p = k.proc_create(k.cred0, "t");
    const s = k.sys_socket(p, k.PF_INET, k.SOCK_STREAM, 0);
    t.is(s.error, 0);
    const gi = (name: number) => k.sys_getsockopt(p, s.fd, k.IPPROTO_TCP, name).val;
    t.is(gi(k.TCP_NODELAY), 0);
    t.is(k.sys_setsockopt(p, s.fd, k.IPPROTO_TCP, k.TCP_NODELAY, 1), 0);
    t.is(gi(k.TCP_NODELAY), k.TF_NODELAY);
    // The default MSS (net.inet.tcp.mssdflt) until a route says more.
    t.is(gi(k.TCP_MAXSEG), 536);
    t.is(k.sys_setsockopt(p, s.fd, k.IPPROTO_TCP, k.TCP_MAXSEG, 1000), k.EINVAL);
    t.is(k.sys_setsockopt(p, s.fd, k.IPPROTO_TCP, k.TCP_MAXSEG, 500), 0);
    t.is(gi(k.TCP_MAXSEG), 500);
    // Keepalive defaults: 2 hours idle, 75 s interval, 8 probes, 75 s to connect.
    t.is(gi(k.TCP_KEEPIDLE), 7200);
    t.is(gi(k.TCP_KEEPINTVL), 75);
    t.is(gi(k.TCP_KEEPCNT), 8);
    t.is(gi(k.TCP_KEEPINIT), 75);
    const info = k.sys_getsockopt(p, s.fd, k.IPPROTO_TCP, k.TCP_INFO).val as Uint8Array;
    t.is(info.length, k.TCP_INFO_LEN);
    t.is(info[k.TCPI_STATE], k.TCPS_CLOSED);
    t.is(k.sys_setsockopt(p, s.fd, k.IPPROTO_TCP, 9999, 1), k.ENOPROTOOPT);
    // No TCP to multicast or broadcast.
    t.is(k.sys_bind(p, s.fd, new k.sockaddr_in(0xe0000001, 80)), k.EAFNOSUPPORT);
    t.is(k.sys_connect(p, s.fd, new k.sockaddr_in(0xffffffff, 80)), k.EAFNOSUPPORT);
    k.sys_close(p, s.fd);
    t.deepEqual(k.mbuf_outstanding(), { mbufs: 0, clusters: 0 });
  });
}
