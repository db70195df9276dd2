// sys/netinet/libalias/alias_ftp.c: libalias's FTP module (RFC 959, RFC
// 2428), the kernel module alias_ftp (alias_ftp.ko: `kldload alias_ftp`)
// and, in userland, the /lib/libalias_ftp.so that /etc/libalias.conf
// names (sbin/libalias.ts loads it).
//
// An FTP control connection (either end on port 21) carries the address
// and port of the data connection in plain text: the client's PORT and
// EPRT commands, the server's 227 and 229 replies to PASV and EPSV.
// Behind NAT these name a private address.  On the way out the module
// parses a line that fits in one segment (at most MAX_MESSAGE_SIZE bytes,
// and only when the previous segment ended in CRLF), and when it names the
// sender's own address and an unprivileged port, makes a link for the data
// connection (the original address and port, the control connection's
// peer, any remote port) and writes the line anew with the alias address
// and the link's alias port: the segment's whole data is replaced, so what
// followed the line in the same segment is lost, as on FreeBSD (a client
// sends the line alone).  A line of another length shifts the rest of
// the stream: AddSeq records the change (cumulative) on the control link,
// and TcpAliasOut/TcpAliasIn add it to later sequence numbers going out
// and take it off acknowledgments coming back.  The kernel's build marks
// the rewritten segment (th_x2) for ipfw nat to recompute its checksum;
// the userland build computes it (TcpChecksum).
//
// On the way in, a PORT or EPRT from an outside client to a server behind
// NAT (one reached through a redirect of port 21) gets a link ready for
// the server's active-mode connection from port 20 to the port named, so
// that connection goes out through the alias address.  Nothing is
// rewritten inbound.
//
// libalias itself is compiled into this kernel: FreeBSD's libalias.ko,
// which alias_ftp.ko depends on (MODULE_DEPEND), is no file of its own, so
// `kldstat` lists alias_ftp.ko alone.
//
// Departures: no firewall hole punching (NO_FW_PUNCH, as everywhere here).
// The parsers follow FreeBSD's state machines, their quirks included (a
// PORT's last number may end on any character; a 229's delimiter may be
// any character).

import { IPPROTO_TCP } from "../in.ts";
import { IPPORT_RESERVED } from "../in_pcb.ts";
import { IPH_LEN, IPH_SRC, IPH_SUM, IPH_VHL } from "../ip.ts";
import { TCPH_DPORT, TCPH_OFFX2, TCPH_SEQ, TCPH_SUM } from "../tcp.ts";
import { EINVAL } from "../../kern/errno.ts";
import { SI_ORDER_SECOND, SI_SUB_DRIVERS } from "../../kern/kernel.ts";
import { DECLARE_MODULE, MOD_LOAD, MOD_UNLOAD } from "../../kern/kern_module.ts";
import { MODULE_VERSION } from "../../kern/kern_linker.ts";
import {
  AddLink,
  AddSeq,
  GetAliasAddress,
  GetAliasPort,
  GetDeltaSeqOut,
  GetDestAddress,
  GetOriginalAddress,
  GetProtocolFlags,
  SetAckModified,
  SetProtocolFlags,
  libalias_kernel,
  type alias_link,
} from "./alias_db.ts";
import { GET_ALIAS_PORT, type libalias, type libalias_build } from "./alias_local.ts";
import {
  IN,
  LibAliasAttachHandlers,
  LibAliasDetachHandlers,
  OUT,
  TCP,
  type alias_data,
  type alias_moduledata,
  type proto_handler,
} from "./alias_mod.ts";
import { DifferentialChecksum16, TcpChecksum } from "./alias_util.ts";

export const FTP_CONTROL_PORT_NUMBER = 21;
/** The longest segment whose data is looked at. */
export const MAX_MESSAGE_SIZE = 128;

/** Protocol flag on the control link: the last segment did not end in
 *  CRLF, so the next one starts mid-line and is not parsed. */
export const WAIT_CRLF = 0x01;

// enum ftp_message_type
export const FTP_PORT_COMMAND = 0;
export const FTP_EPRT_COMMAND = 1;
export const FTP_227_REPLY = 2;
export const FTP_229_REPLY = 3;
export const FTP_UNKNOWN_MESSAGE = 4;

function ip_hl(dv: DataView, pip: number): number {
  return dv.getUint8(pip + IPH_VHL) & 0x0f;
}
function th_off(dv: DataView, tc: number): number {
  return dv.getUint8(tc + TCPH_OFFX2) >>> 4;
}

// The handlers look at the packet only through alias_data: a link, both
// ports, and on the way out room to grow.

function fingerprint_out(_la: libalias, ah: alias_data): number {
  if (ah.dport === null || ah.sport === null || ah.lnk === null || ah.maxpktsize === 0) return -1;
  if (ah.dport === FTP_CONTROL_PORT_NUMBER || ah.sport === FTP_CONTROL_PORT_NUMBER) return 0;
  return -1;
}

function fingerprint_in(_la: libalias, ah: alias_data): number {
  if (ah.dport === null || ah.sport === null || ah.lnk === null) return -1;
  if (ah.dport === FTP_CONTROL_PORT_NUMBER || ah.sport === FTP_CONTROL_PORT_NUMBER) return 0;
  return -1;
}

function protohandler_out(la: libalias, dv: DataView, pip: number, ah: alias_data): number {
  AliasHandleFtpOut(la, dv, pip, ah.lnk as alias_link, ah.maxpktsize);
  return 0;
}

function protohandler_in(la: libalias, dv: DataView, pip: number, ah: alias_data): number {
  AliasHandleFtpIn(la, dv, pip, ah.lnk as alias_link);
  return 0;
}

/** The module's handlers: one each way, TCP, priority 80. */
export const handlers: readonly proto_handler[] = [
  { pri: 80, dir: OUT, proto: TCP, fingerprint: fingerprint_out, protohandler: protohandler_out },
  { pri: 80, dir: IN, proto: TCP, fingerprint: fingerprint_in, protohandler: protohandler_in },
];

/** The module event handler, for the build whose chain it fills (the
 *  kernel's for kldload; a process's for LibAliasLoadModule). */
export function mod_handler_for(build: libalias_build, type: number): number {
  switch (type) {
    case MOD_LOAD:
      LibAliasAttachHandlers(build, handlers);
      return 0;
    case MOD_UNLOAD:
      LibAliasDetachHandlers(build, handlers);
      return 0;
    default:
      return EINVAL;
  }
}

/** moduledata_t alias_mod: what dlsym(handle, "alias_mod") finds in
 *  libalias_ftp.so, and what DECLARE_MODULE registers in the kernel. */
export const alias_mod: alias_moduledata = {
  name: "alias_ftp",
  evhand: (_mod: unknown, type: number) => mod_handler_for(libalias_kernel, type),
  priv: null,
  handlers,
};

DECLARE_MODULE({ name: alias_mod.name, evhand: alias_mod.evhand, priv: null }, SI_SUB_DRIVERS, SI_ORDER_SECOND, "alias_ftp.ko");
MODULE_VERSION("alias_ftp", 1, "alias_ftp.ko");

/** CRLF tracking, shared by both ways: remember whether the segment (as
 *  it now is) ended a line. */
function track_crlf(dv: DataView, pip: number, lnk: alias_link, dlen: number, pflags: number): void {
  if (dlen === 0) return;
  const tlen = dv.getUint16(pip + IPH_LEN);
  if (dv.getUint8(pip + tlen - 2) === 0x0d && dv.getUint8(pip + tlen - 1) === 0x0a) pflags &= ~WAIT_CRLF;
  else pflags |= WAIT_CRLF;
  SetProtocolFlags(lnk, pflags);
}

/** AliasHandleFtpOut: a segment leaving on an FTP control connection. */
function AliasHandleFtpOut(la: libalias, dv: DataView, pip: number, lnk: alias_link, maxpacketsize: number): void {
  const tc = pip + (ip_hl(dv, pip) << 2);
  const hlen = (ip_hl(dv, pip) + th_off(dv, tc)) << 2;
  const tlen = dv.getUint16(pip + IPH_LEN);
  const dlen = tlen - hlen;
  const sptr = pip + hlen;

  const pflags = GetProtocolFlags(lnk);
  if (dlen <= MAX_MESSAGE_SIZE && (pflags & WAIT_CRLF) === 0) {
    let ftp_message_type = FTP_UNKNOWN_MESSAGE;
    if (dv.getUint16(tc + TCPH_DPORT) === FTP_CONTROL_PORT_NUMBER) {
      // We are the client's side: PORT or EPRT.
      if (ParseFtpPortCommand(la, dv, sptr, dlen) !== 0) ftp_message_type = FTP_PORT_COMMAND;
      else if (ParseFtpEprtCommand(la, dv, sptr, dlen) !== 0) ftp_message_type = FTP_EPRT_COMMAND;
    } else {
      // We are the server's side: 227 or 229 (which names no address:
      // the server's own is meant).
      if (ParseFtp227Reply(la, dv, sptr, dlen) !== 0) ftp_message_type = FTP_227_REPLY;
      else if (ParseFtp229Reply(la, dv, sptr, dlen) !== 0) {
        ftp_message_type = FTP_229_REPLY;
        la.true_addr = dv.getUint32(pip + IPH_SRC);
      }
    }
    if (ftp_message_type !== FTP_UNKNOWN_MESSAGE) NewFtpMessage(la, dv, pip, lnk, maxpacketsize, ftp_message_type);
  }
  track_crlf(dv, pip, lnk, dlen, pflags);
}

/** AliasHandleFtpIn: a segment arriving on an FTP control connection. */
function AliasHandleFtpIn(la: libalias, dv: DataView, pip: number, lnk: alias_link): void {
  const tc = pip + (ip_hl(dv, pip) << 2);
  const hlen = (ip_hl(dv, pip) + th_off(dv, tc)) << 2;
  const tlen = dv.getUint16(pip + IPH_LEN);
  const dlen = tlen - hlen;
  const sptr = pip + hlen;

  const pflags = GetProtocolFlags(lnk);
  if (
    dlen <= MAX_MESSAGE_SIZE &&
    (pflags & WAIT_CRLF) === 0 &&
    dv.getUint16(tc + TCPH_DPORT) === FTP_CONTROL_PORT_NUMBER &&
    (ParseFtpPortCommand(la, dv, sptr, dlen) !== 0 || ParseFtpEprtCommand(la, dv, sptr, dlen) !== 0)
  ) {
    // An outside client in active mode asks our server to connect back:
    // the server's connection from its data port (20) to the port named
    // is to leave through the alias address.
    AddLink(la, GetOriginalAddress(lnk), la.true_addr, GetAliasAddress(lnk), FTP_CONTROL_PORT_NUMBER - 1, la.true_port, GET_ALIAS_PORT, IPPROTO_TCP);
  }
  track_crlf(dv, pip, lnk, dlen, pflags);
}

function isdigit(ch: number): boolean {
  return ch >= 0x30 && ch <= 0x39;
}
/** isspace(3) in the C locale. */
function isspace(ch: number): boolean {
  return ch === 0x20 || (ch >= 0x09 && ch <= 0x0d);
}
/** Does the data at sptr start with word (compared without case when
 *  nocase, as strncasecmp; else as strncmp)? */
function starts_with(dv: DataView, sptr: number, word: string, nocase: boolean): boolean {
  for (let i = 0; i < word.length; i++) {
    let c = dv.getUint8(sptr + i);
    if (nocase && c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** What the PORT and 227 machines carry from one character to the next. */
interface six_numbers {
  state: number;
  addr: number;
  port: number;
  octet: number;
}

/**
 * States 1 to 12, which PORT and 227 share: six decimal numbers separated
 * by commas, the first four the address and the last two the port, each
 * kept to an octet (FreeBSD's u_int8_t).  The sixth number ends on a comma
 * or on `last` (null: on any character).  False when ch is refused; from
 * state 13 on everything is let by.
 */
function six_numbers_step(m: six_numbers, ch: number, last: number | null): boolean {
  switch (m.state) {
    case 1:
    case 3:
    case 5:
    case 7:
    case 9:
    case 11:
      if (!isdigit(ch)) return false;
      m.octet = ch - 0x30;
      m.state++;
      return true;
    case 2:
    case 4:
    case 6:
    case 8:
      if (isdigit(ch)) m.octet = (10 * m.octet + ch - 0x30) & 0xff;
      else if (ch === 0x2c) {
        m.addr = ((m.addr << 8) + m.octet) >>> 0;
        m.state++;
      } else return false;
      return true;
    case 10:
    case 12:
      if (isdigit(ch)) m.octet = (10 * m.octet + ch - 0x30) & 0xff;
      else if (ch === 0x2c || (m.state === 12 && (last === null || ch === last))) {
        m.port = ((m.port << 8) + m.octet) & 0xffff;
        m.state++;
      } else return false;
      return true;
  }
  return true;
}

/** The end of the line: 1 with the address and port kept when all six
 *  numbers were read, else 0. */
function six_numbers_end(la: libalias, m: six_numbers): number {
  if (m.state !== 13) return 0;
  la.true_addr = m.addr;
  la.true_port = m.port;
  return 1;
}

/**
 * ParseFtpPortCommand: "PORT h1,h2,h3,h4,p1,p2".  On success the address
 * and port go to la.true_addr and la.true_port and 1 is returned.
 */
export function ParseFtpPortCommand(la: libalias, dv: DataView, sptr: number, dlen: number): number {
  if (dlen < 18) return 0;
  if (!starts_with(dv, sptr, "PORT ", true)) return 0;
  const m: six_numbers = { state: 0, addr: 0, port: 0, octet: 0 };
  for (let i = 5; i < dlen; i++) {
    const ch = dv.getUint8(sptr + i);
    // Leading blanks; the first other character starts the first number.
    if (m.state === 0) {
      if (isspace(ch)) continue;
      m.state = 1;
    }
    if (!six_numbers_step(m, ch, null)) return 0;
  }
  return six_numbers_end(la, m);
}

/** ParseFtpEprtCommand: "EPRT |1|h1.h2.h3.h4|port|" (any delimiter, IPv4
 *  only). */
export function ParseFtpEprtCommand(la: libalias, dv: DataView, sptr: number, dlen: number): number {
  if (dlen < 18) return 0;
  if (!starts_with(dv, sptr, "EPRT ", true)) return 0;
  let addr = 0;
  let port = 0;
  let octet = 0;
  let delim = 0x7c;
  let state = 0;
  for (let i = 5; i < dlen; i++) {
    const ch = dv.getUint8(sptr + i);
    switch (state) {
      case 0:
        if (!isspace(ch)) {
          delim = ch;
          state++;
        }
        break;
      case 1:
        if (ch !== 0x31) return 0;
        state++;
        break;
      case 2:
        if (ch !== delim) return 0;
        state++;
        break;
      case 3:
      case 5:
      case 7:
      case 9:
        if (!isdigit(ch)) return 0;
        octet = ch - 0x30;
        state++;
        break;
      case 4:
      case 6:
      case 8:
      case 10:
        if (isdigit(ch)) octet = (10 * octet + ch - 0x30) & 0xff;
        else if (ch === 0x2e || state === 10) {
          addr = ((addr << 8) + octet) >>> 0;
          state++;
        } else return 0;
        break;
      case 11:
        if (!isdigit(ch)) return 0;
        port = ch - 0x30;
        state++;
        break;
      case 12:
        if (isdigit(ch)) port = (10 * port + ch - 0x30) & 0xffff;
        else if (ch === delim) state++;
        else return 0;
        break;
    }
  }
  if (state !== 13) return 0;
  la.true_addr = addr;
  la.true_port = port;
  return 1;
}

/** ParseFtp227Reply: "227 <anything>(h1,h2,h3,h4,p1,p2)". */
export function ParseFtp227Reply(la: libalias, dv: DataView, sptr: number, dlen: number): number {
  if (dlen < 17) return 0;
  if (!starts_with(dv, sptr, "227 ", false)) return 0;
  const m: six_numbers = { state: 0, addr: 0, port: 0, octet: 0 };
  for (let i = 4; i < dlen; i++) {
    const ch = dv.getUint8(sptr + i);
    if (m.state === 0) {
      // Anything up to the opening parenthesis.
      if (ch === 0x28) m.state = 1;
    } else if (!six_numbers_step(m, ch, 0x29)) return 0;
  }
  return six_numbers_end(la, m);
}

/** ParseFtp229Reply: "229 <anything>(|||port|)" (any delimiter); only the
 *  port is named. */
export function ParseFtp229Reply(la: libalias, dv: DataView, sptr: number, dlen: number): number {
  if (dlen < 11) return 0;
  if (!starts_with(dv, sptr, "229 ", false)) return 0;
  let port = 0;
  let delim = 0x7c;
  let state = 0;
  for (let i = 4; i < dlen; i++) {
    const ch = dv.getUint8(sptr + i);
    switch (state) {
      case 0:
        if (ch === 0x28) state++;
        break;
      case 1:
        delim = ch;
        state++;
        break;
      case 2:
      case 3:
        if (ch !== delim) return 0;
        state++;
        break;
      case 4:
        if (!isdigit(ch)) return 0;
        port = ch - 0x30;
        state++;
        break;
      case 5:
        if (isdigit(ch)) port = (10 * port + ch - 0x30) & 0xffff;
        else if (ch === delim) state++;
        else return 0;
        break;
      case 6:
        if (ch !== 0x29) return 0;
        state++;
        break;
    }
  }
  if (state !== 7) return 0;
  la.true_port = port;
  return 1;
}

/**
 * NewFtpMessage: make the data connection's link and put the rewritten
 * line in the segment: its length, the IP checksum for it, the sequence
 * bookkeeping, and the TCP checksum (or the kernel's mark for one).
 */
function NewFtpMessage(la: libalias, dv: DataView, pip: number, lnk: alias_link, maxpacketsize: number, ftp_message_type: number): void {
  // Only the sender's own address, and no privileged port.
  if (dv.getUint32(pip + IPH_SRC) !== la.true_addr) return;
  if (la.true_port < IPPORT_RESERVED) return;

  const ftp_lnk = AddLink(la, la.true_addr, GetDestAddress(lnk), GetAliasAddress(lnk), la.true_port, 0, GET_ALIAS_PORT, IPPROTO_TCP);
  if (ftp_lnk === null) return;

  const tc = pip + (ip_hl(dv, pip) << 2);
  const hlen = (ip_hl(dv, pip) + th_off(dv, tc)) << 2;
  const tlen = dv.getUint16(pip + IPH_LEN);
  const dlen = tlen - hlen;

  const a = GetAliasAddress(lnk);
  const a1 = a >>> 24;
  const a2 = (a >>> 16) & 0xff;
  const a3 = (a >>> 8) & 0xff;
  const a4 = a & 0xff;
  const alias_port = GetAliasPort(ftp_lnk);
  const p1 = alias_port >>> 8;
  const p2 = alias_port & 0xff;
  let stemp: string;
  switch (ftp_message_type) {
    case FTP_PORT_COMMAND:
      stemp = `PORT ${a1},${a2},${a3},${a4},${p1},${p2}\r\n`;
      break;
    case FTP_227_REPLY:
      stemp = `227 Entering Passive Mode (${a1},${a2},${a3},${a4},${p1},${p2})\r\n`;
      break;
    case FTP_EPRT_COMMAND:
      stemp = `EPRT |1|${a1}.${a2}.${a3}.${a4}|${alias_port}|\r\n`;
      break;
    default:
      stemp = `229 Entering Extended Passive Mode (|||${alias_port}|)\r\n`;
      break;
  }
  const slen = stemp.length;

  // strncpy into the packet: the line, then zeros to the end of the room
  // (never past the buffer the packet is in).
  const room = Math.min(maxpacketsize, dv.byteLength - pip) - hlen;
  for (let i = 0; i < room; i++) dv.setUint8(pip + hlen + i, i < slen ? stemp.charCodeAt(i) : 0);

  // Later sequence numbers shift by what this line added (on top of what
  // earlier ones did).
  SetAckModified(lnk);
  const th_seq = dv.getUint32(tc + TCPH_SEQ);
  const delta = GetDeltaSeqOut(th_seq, lnk);
  AddSeq(lnk, delta + slen - dlen, ip_hl(dv, pip), tlen, th_seq, th_off(dv, tc));

  // The IP length (and its checksum).
  const new_len = hlen + Math.min(slen, maxpacketsize - hlen);
  dv.setUint16(pip + IPH_SUM, DifferentialChecksum16(dv.getUint16(pip + IPH_SUM), new_len, tlen));
  dv.setUint16(pip + IPH_LEN, new_len);

  // The TCP checksum: the kernel's caller redoes it when th_x2 is set.
  dv.setUint16(tc + TCPH_SUM, 0);
  if (la.build.kernel) dv.setUint8(tc + TCPH_OFFX2, (dv.getUint8(tc + TCPH_OFFX2) & 0xf0) | 1);
  else dv.setUint16(tc + TCPH_SUM, TcpChecksum(dv, pip));
}
