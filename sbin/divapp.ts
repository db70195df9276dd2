// tests/sys/netpfil/common/divapp.c: the divert(4) helper FreeBSD's ipfw
// divert tests run (tests/sys/netpfil/ipfw/divert.sh), installed beside
// them as /usr/tests/sys/netpfil/common/divapp.  `divapp PORT
// [expect-single-pkt] [divert-back]` binds a PF_DIVERT socket to PORT and
// reads packets until none comes for 3 seconds (select(2)), writing each
// back with the address it came with when told to; with
// expect-single-pkt it stops after 20 (a loop) and fails unless exactly
// one came.  It fails too when none came.  The scripts find it by path
// (`jexec div $(atf_get_srcdir)/../common/divapp 2000 ...`); the exec
// takes the simulated program by its name, whatever the directory.

import { PF_DIVERT, SOCK_RAW } from "../kern/socket.ts";
import { POLLIN, sys_bind, sys_poll, sys_recvfrom, sys_sendto, sys_socket, type proc } from "../kern/uipc_syscalls.ts";
import { INADDR_ANY, sockaddr_in } from "../netinet/in.ts";
import { err, errx, prog_run, strtol, type prog_ctx } from "./libc.ts";

/** <sysexits.h> */
const EX_USAGE = 64;
const EX_OSERR = 71;
const EX_IOERR = 74;
const EXIT_FAILURE = 1;
/** IP_MAXPACKET: the buffer a packet is read into. */
const IP_MAXPACKET = 65535;

interface context {
  divert_port: number;
  divert_back: boolean;
  expect_single_pkt: boolean;
  fd: number;
  sin: sockaddr_in;
  pkt: Uint8Array | null;
}

function init(ctx: prog_ctx, c: context): void {
  const kp = ctx.p as proc;
  const s = sys_socket(kp, PF_DIVERT, SOCK_RAW, 0);
  if (s.error !== 0) errx(ctx, EX_OSERR, "init: Cannot create divert socket.");
  c.fd = s.fd;
  c.sin = new sockaddr_in(INADDR_ANY, c.divert_port);
  if (sys_bind(kp, c.fd, c.sin) !== 0) errx(ctx, EX_OSERR, "init: Cannot bind divert socket.");
}

/** A packet within 3 seconds: its length, or -1 on the timeout. */
async function recv_pkt(ctx: prog_ctx, c: context): Promise<number> {
  const kp = ctx.p as proc;
  const w = await sys_poll(kp, [{ fd: c.fd, events: POLLIN, revents: 0 }], 3e9);
  // select(2) is -1 for an interruption too.
  if (w.error !== 0) errx(ctx, EX_IOERR, "recv_pkt: select() errors.");
  if (w.n !== 1) return -1;
  const r = sys_recvfrom(kp, c.fd, IP_MAXPACKET, 0);
  if (r.error !== 0 || r.data === null) errx(ctx, EX_IOERR, "recv_pkt: recvfrom() errors.");
  c.pkt = r.data;
  if (r.from instanceof sockaddr_in) c.sin = r.from;
  return r.data.length;
}

function send_pkt(ctx: prog_ctx, c: context): void {
  const pkt = c.pkt as Uint8Array;
  const r = sys_sendto(ctx.p as proc, c.fd, pkt, 0, c.sin);
  if (r.error !== 0) err(ctx, EX_IOERR, "send_pkt: sendto() errors", r.error);
  if (r.len !== pkt.length) errx(ctx, EX_IOERR, `send_pkt: sendto() sent ${r.len} of ${pkt.length} bytes.`);
}

export async function divapp_main(ctx: prog_ctx): Promise<number> {
  return prog_run(ctx, async () => {
    const argv = ctx.argv;
    if (argv.length < 2) errx(ctx, EX_USAGE, `Usage: ${argv[0]} <divert-port> [expect-single-pkt] [divert-back]`);
    const c: context = { divert_port: 0, divert_back: false, expect_single_pkt: false, fd: -1, sin: new sockaddr_in(), pkt: null };
    // (unsigned short)strtol(argv[1], NULL, 10): the low 16 bits.
    c.divert_port = Number(BigInt.asUintN(16, strtol(argv[1], 10).l));
    if (c.divert_port === 0) errx(ctx, EX_USAGE, "divert port is not defined.");
    for (let i = 2; i < argv.length; i++) {
      if (argv[i] === "expect-single-pkt") c.expect_single_pkt = true;
      if (argv[i] === "divert-back") c.divert_back = true;
    }
    init(ctx, c);
    let npkt = 0;
    while ((await recv_pkt(ctx, c)) > 0) {
      if (c.divert_back) send_pkt(ctx, c);
      npkt++;
      // With one packet expected, a loop is seen and ended.
      if (c.expect_single_pkt && npkt >= 20) break;
    }
    if (npkt === 0) errx(ctx, EXIT_FAILURE, `${c.divert_port}: no packets received.`);
    if (c.expect_single_pkt && npkt !== 1) errx(ctx, EXIT_FAILURE, `${c.divert_port}: more than one received, npkt=${npkt}.`);
    return 0;
  });
}
