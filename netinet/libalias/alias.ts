// sys/netinet/libalias/alias.h, alias.c: packet aliasing (NAT) for IPv4,
// the engine under ipfw nat (and ng_nat and natd).  LibAliasOut() rewrites
// a packet leaving the private side: its source address becomes the alias
// address, and for UDP and TCP its source port (for ICMP echo its id) one
// the link table hands out.  LibAliasIn() puts packets coming back, and
// those a redirect lets in, back to the private address and port.  ICMP
// errors are matched through the datagram they quote.  Checksums are
// adjusted in place from the words that changed, never recomputed.
//
// A "packet" here is the bytes of an IPv4 datagram: a DataView over the
// buffer and the offset of the IP header in it (the C code's char *), with
// maxpacketsize the room there is from that offset.  Every header field is
// read and written big-endian through the DataView.
//
// Protocol modules (alias_mod.ts) get their turn where FreeBSD gives it:
// TcpAliasIn and UdpAliasIn/Out walk the handler chain with the packet's
// link and ports, TcpAliasOut after TCP state is tracked and before the
// addresses change (with the room the packet may grow into), and GRE asks
// the chain before ProtoAlias*.  The one module built is FTP
// (alias_ftp.ts: `kldload alias_ftp` for the kernel's build, and natd's
// build loads it from /etc/libalias.conf), which rewrites PORT, EPRT, 227
// and 229 lines; the sequence and acknowledgment shifts it records are
// applied below.  With nothing loaded the chain is empty and no packet's
// data changes.
//
// The kernel build's departures are FreeBSD's own: no sockets, no firewall
// punching.  Not built here: the other protocol modules (irc, pptp, nbt,
// skinny, smedia, cuseeme, dummy), the transparent-proxy rules (ipfw nat
// cannot configure any), and SCTP (alias_sctp.c; SCTP packets are left as
// they are).  One departure: ICMP messages shorter than their type needs
// are ignored on the way out as they are on the way in, where FreeBSD's
// IcmpAliasOut reads what follows them.

import { M_PKTHDR, M_WRITABLE, MT_DATA, m_align, type mbuf } from "../../kern/mbuf.ts";
import { m_freem, m_get2 } from "../../kern/kern_mbuf.ts";
import { M_NOWAIT } from "../../kern/uma.ts";
import { m_copydata, m_move_pkthdr } from "../../kern/uipc_mbuf.ts";
import { IPPROTO_GRE, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from "../in.ts";
import { ENOENT } from "../../kern/errno.ts";
import {
  ICMP_ADVLEN,
  ICMP_ADVLENMIN,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_MINLEN,
  ICMP_PARAMPROB,
  ICMP_SOURCEQUENCH,
  ICMP_TIMXCEED,
  ICMP_TSTAMP,
  ICMP_TSTAMPREPLY,
  ICMP_UNREACH,
  ICMPH_CKSUM,
  ICMPH_CODE,
  ICMPH_ID,
  ICMPH_IP,
  ICMPH_TYPE,
  IP_HDRLEN,
  IP_MF,
  IP_OFFMASK,
  IPH_DST,
  IPH_ID,
  IPH_LEN,
  IPH_OFF,
  IPH_P,
  IPH_SRC,
  IPH_SUM,
  IPH_VHL,
  UH_DPORT,
  UH_SPORT,
  UH_SUM,
  UH_ULEN,
} from "../ip.ts";
import { TCPH_ACK, TCPH_DPORT, TCPH_FLAGS, TCPH_SEQ, TCPH_SPORT, TCPH_SUM, TH_FIN, TH_RST, TH_SYN } from "../tcp.ts";
import {
  AddFragmentPtrLink,
  FindFragmentIn1,
  FindFragmentPtr,
  GetFragmentPtr,
  SetExpire,
  SetFragmentPtr,
  FindFragmentIn2,
  FindAliasAddress,
  FindIcmpIn,
  FindIcmpOut,
  FindProtoIn,
  FindProtoOut,
  FindUdpTcpIn,
  FindUdpTcpOut,
  GetAckModified,
  GetAliasAddress,
  GetAliasPort,
  GetDefaultAliasAddress,
  GetDeltaAckIn,
  GetDeltaSeqOut,
  GetFragmentAddr,
  GetOriginalAddress,
  GetOriginalPort,
  GetStateIn,
  GetStateOut,
  HouseKeeping,
  SetDefaultAliasAddress,
  SetFragmentAddr,
  SetStateIn,
  SetStateOut,
  type alias_link,
} from "./alias_db.ts";
import {
  ADJUST_CHECKSUM,
  ALIAS_TCP_STATE_CONNECTED,
  ALIAS_TCP_STATE_DISCONNECTED,
  ALIAS_TCP_STATE_NOT_CONNECTED,
  twowords,
  type libalias,
} from "./alias_local.ts";
import { DifferentialChecksum } from "./alias_util.ts";
import { IN, IP, OUT, TCP, UDP, find_handler, type alias_data } from "./alias_mod.ts";

// Mode flags (LibAliasSetMode).
/** Keep a statistics line, updated as links come and go. */
export const PKT_ALIAS_LOG = 0x01;
/** Refuse incoming connections no link or redirect expects. */
export const PKT_ALIAS_DENY_INCOMING = 0x02;
/** Try the packet's own source port as the alias port first. */
export const PKT_ALIAS_SAME_PORTS = 0x04;
/** Hold each partially specified link's alias port with a bound socket
 *  (lib/libalias only). */
export const PKT_ALIAS_USE_SOCKETS = 0x08;
/** Alias only sources from 10/8, 172.16/12 and 192.168/16. */
export const PKT_ALIAS_UNREGISTERED_ONLY = 0x10;
/** Drop the dynamic links when the alias address changes. */
export const PKT_ALIAS_RESET_ON_ADDR_CHANGE = 0x20;
/** Do transparent proxying only, no translation. */
export const PKT_ALIAS_PROXY_ONLY = 0x40;
/** Swap the roles of LibAliasIn and LibAliasOut. */
export const PKT_ALIAS_REVERSE = 0x80;
/** Punch firewall holes for the connections protocol modules expect. */
export const PKT_ALIAS_PUNCH_FW = 0x100;
/** Leave this instance out of ipfw's `nat global` lookups. */
export const PKT_ALIAS_SKIP_GLOBAL = 0x200;
/** Also count 100.64/10 (RFC 6598, carrier-grade NAT) as unregistered. */
export const PKT_ALIAS_UNREGISTERED_CGN = 0x400;
/** The modes that look at whether a source is registered. */
export const PKT_ALIAS_UNREGISTERED_MASK = PKT_ALIAS_UNREGISTERED_ONLY | PKT_ALIAS_UNREGISTERED_CGN;

// Return codes of LibAliasIn/LibAliasOut.
export const PKT_ALIAS_ERROR = -1;
export const PKT_ALIAS_OK = 1;
export const PKT_ALIAS_IGNORED = 2;
export const PKT_ALIAS_UNRESOLVED_FRAGMENT = 3;
export const PKT_ALIAS_FOUND_HEADER_FRAGMENT = 4;
/** A module answered the packet itself (none built here does). */
export const PKT_ALIAS_RESPOND = 5;

// Unregistered (RFC 1918, RFC 6598) ranges.
const UNREG_ADDR_A_LOWER = 0x0a000000;
const UNREG_ADDR_A_UPPER = 0x0affffff;
const UNREG_ADDR_B_LOWER = 0xac100000;
const UNREG_ADDR_B_UPPER = 0xac1fffff;
const UNREG_ADDR_C_LOWER = 0xc0a80000;
const UNREG_ADDR_C_UPPER = 0xc0a8ffff;
const UNREG_ADDR_CGN_LOWER = 0x64400000;
const UNREG_ADDR_CGN_UPPER = 0x647fffff;

const IPPROTO_SCTP = 132;

/**
 * The modules' turn for a UDP or TCP packet whose transport header is at
 * l4 (both put their ports first): the alias_data FreeBSD fills in, with
 * the ports as they are in the packet now, and maxpktsize kept to 16 bits
 * as its uint16_t is.
 */
function walk_chain(
  dir: number,
  proto: number,
  la: libalias,
  dv: DataView,
  pip: number,
  l4: number,
  lnk: alias_link,
  oaddr: number | null,
  aaddr: number | null,
  aport: number | null,
  maxpktsize: number,
): number {
  // No module loaded (the usual case): nothing to ask, nothing filled in.
  if (la.build.handler_chain.length === 0) return ENOENT;
  const ad = walk_ad;
  ad.lnk = lnk;
  ad.oaddr = oaddr;
  ad.aaddr = aaddr;
  ad.aport = aport;
  ad.sport = dv.getUint16(l4 + UH_SPORT);
  ad.dport = dv.getUint16(l4 + UH_DPORT);
  ad.maxpktsize = maxpktsize & 0xffff;
  const error = find_handler(dir, proto, la, dv, pip, ad);
  ad.lnk = null;
  return error;
}
/** walk_chain's alias_data, filled in for each packet as FreeBSD fills
 *  the one on its stack (a handler uses it only while it runs). */
const walk_ad: alias_data = { lnk: null, oaddr: null, aaddr: null, aport: null, sport: null, dport: null, maxpktsize: 0 };

/** The alias_data of a packet without link or ports (GRE). */
const NO_PORTS = { lnk: null, oaddr: null, aaddr: null, aport: null, sport: null, dport: null, maxpktsize: 0 } as const;

function ip_hlen(dv: DataView, pip: number): number {
  return (dv.getUint8(pip + IPH_VHL) & 0x0f) << 2;
}
function ip_len(dv: DataView, pip: number): number {
  return dv.getUint16(pip + IPH_LEN);
}
function ip_src(dv: DataView, pip: number): number {
  return dv.getUint32(pip + IPH_SRC);
}
function ip_dst(dv: DataView, pip: number): number {
  return dv.getUint32(pip + IPH_DST);
}
/** Rewrite an address of the IP header, keeping ip_sum right. */
function ip_set_addr(dv: DataView, pip: number, field: number, addr: number): void {
  const old = dv.getUint32(pip + field);
  dv.setUint16(pip + IPH_SUM, DifferentialChecksum(dv.getUint16(pip + IPH_SUM), addr, old));
  dv.setUint32(pip + field, addr >>> 0);
}

// ---------------------------------------------------------------------------
// TCP state, from SYN, FIN and RST: a closed connection's link expires soon.

function TcpMonitorIn(th_flags: number, lnk: alias_link): void {
  switch (GetStateIn(lnk)) {
    case ALIAS_TCP_STATE_NOT_CONNECTED:
      if ((th_flags & TH_RST) !== 0) SetStateIn(lnk, ALIAS_TCP_STATE_DISCONNECTED);
      else if ((th_flags & TH_SYN) !== 0) SetStateIn(lnk, ALIAS_TCP_STATE_CONNECTED);
      break;
    case ALIAS_TCP_STATE_CONNECTED:
      if ((th_flags & (TH_FIN | TH_RST)) !== 0) SetStateIn(lnk, ALIAS_TCP_STATE_DISCONNECTED);
      break;
  }
}

function TcpMonitorOut(th_flags: number, lnk: alias_link): void {
  switch (GetStateOut(lnk)) {
    case ALIAS_TCP_STATE_NOT_CONNECTED:
      if ((th_flags & TH_RST) !== 0) SetStateOut(lnk, ALIAS_TCP_STATE_DISCONNECTED);
      else if ((th_flags & TH_SYN) !== 0) SetStateOut(lnk, ALIAS_TCP_STATE_CONNECTED);
      break;
    case ALIAS_TCP_STATE_CONNECTED:
      if ((th_flags & (TH_FIN | TH_RST)) !== 0) SetStateOut(lnk, ALIAS_TCP_STATE_DISCONNECTED);
      break;
  }
}

// ---------------------------------------------------------------------------
// ICMP.

/** IcmpAliasIn1: echo and timestamp replies get their id and destination
 *  back; requests from outside get a link (unless deny_in). */
function IcmpAliasIn1(la: libalias, dv: DataView, pip: number): number {
  const ic = pip + ip_hlen(dv, pip);
  const lnk = FindIcmpIn(la, ip_src(dv, pip), ip_dst(dv, pip), dv.getUint16(ic + ICMPH_ID), true);
  if (lnk === null) return PKT_ALIAS_IGNORED;
  const original_id = GetOriginalPort(lnk);
  let accumulate = dv.getUint16(ic + ICMPH_ID);
  accumulate -= original_id;
  dv.setUint16(ic + ICMPH_CKSUM, ADJUST_CHECKSUM(accumulate, dv.getUint16(ic + ICMPH_CKSUM)));
  dv.setUint16(ic + ICMPH_ID, original_id);
  ip_set_addr(dv, pip, IPH_DST, GetOriginalAddress(lnk));
  return PKT_ALIAS_OK;
}

/** IcmpAliasIn2: an ICMP error about a datagram we aliased: un-alias the
 *  quoted source and port (or id), and the outer destination. */
function IcmpAliasIn2(la: libalias, dv: DataView, pip: number): number {
  const ic = pip + ip_hlen(dv, pip);
  const ip = ic + ICMPH_IP;
  const ud = ip + ip_hlen(dv, ip);
  const ic2 = ud;
  const p = dv.getUint8(ip + IPH_P);
  let lnk: alias_link | null;
  if (p === IPPROTO_UDP || p === IPPROTO_TCP) {
    lnk = FindUdpTcpIn(la, ip_dst(dv, ip), ip_src(dv, ip), dv.getUint16(ud + UH_DPORT), dv.getUint16(ud + UH_SPORT), p, false);
  } else if (p === IPPROTO_ICMP) {
    const t2 = dv.getUint8(ic2 + ICMPH_TYPE);
    lnk = t2 === ICMP_ECHO || t2 === ICMP_TSTAMP ? FindIcmpIn(la, ip_dst(dv, ip), ip_src(dv, ip), dv.getUint16(ic2 + ICMPH_ID), false) : null;
  } else lnk = null;
  if (lnk === null) return PKT_ALIAS_IGNORED;

  const original_address = GetOriginalAddress(lnk);
  const original_port = GetOriginalPort(lnk);
  // The quoted header's checksum changes with its source, and the ICMP
  // checksum with everything quoted that changed, that checksum included.
  const portoff = p === IPPROTO_ICMP ? ic2 + ICMPH_ID : ud + UH_SPORT;
  let accumulate = twowords(ip_src(dv, ip));
  accumulate -= twowords(original_address);
  accumulate += dv.getUint16(portoff);
  accumulate -= original_port;
  let accumulate2 = accumulate;
  accumulate2 += dv.getUint16(ip + IPH_SUM);
  dv.setUint16(ip + IPH_SUM, ADJUST_CHECKSUM(accumulate, dv.getUint16(ip + IPH_SUM)));
  accumulate2 -= dv.getUint16(ip + IPH_SUM);
  dv.setUint16(ic + ICMPH_CKSUM, ADJUST_CHECKSUM(accumulate2, dv.getUint16(ic + ICMPH_CKSUM)));

  ip_set_addr(dv, pip, IPH_DST, original_address);
  dv.setUint32(ip + IPH_SRC, original_address);
  dv.setUint16(portoff, original_port);
  return PKT_ALIAS_OK;
}

function IcmpAliasIn(la: libalias, dv: DataView, pip: number): number {
  const dlen = ip_len(dv, pip) - ip_hlen(dv, pip);
  if (dlen < ICMP_MINLEN) return PKT_ALIAS_IGNORED;
  if ((la.packetAliasMode & PKT_ALIAS_PROXY_ONLY) !== 0) return PKT_ALIAS_OK;
  const ic = pip + ip_hlen(dv, pip);
  switch (dv.getUint8(ic + ICMPH_TYPE)) {
    case ICMP_ECHOREPLY:
    case ICMP_TSTAMPREPLY:
      if (dv.getUint8(ic + ICMPH_CODE) === 0) return IcmpAliasIn1(la, dv, pip);
      return PKT_ALIAS_IGNORED;
    case ICMP_UNREACH:
    case ICMP_SOURCEQUENCH:
    case ICMP_TIMXCEED:
    case ICMP_PARAMPROB:
      if (dlen < ICMP_ADVLENMIN || dlen < ICMP_ADVLEN(dv.getUint8(ic + ICMPH_IP + IPH_VHL) & 0x0f)) return PKT_ALIAS_IGNORED;
      return IcmpAliasIn2(la, dv, pip);
    case ICMP_ECHO:
    case ICMP_TSTAMP:
      return IcmpAliasIn1(la, dv, pip);
  }
  return PKT_ALIAS_IGNORED;
}

/** IcmpAliasOut1: echo and timestamp requests get an alias id and source. */
function IcmpAliasOut1(la: libalias, dv: DataView, pip: number, create: boolean): number {
  const ic = pip + ip_hlen(dv, pip);
  const lnk = FindIcmpOut(la, ip_src(dv, pip), ip_dst(dv, pip), dv.getUint16(ic + ICMPH_ID), create);
  if (lnk === null) return PKT_ALIAS_IGNORED;
  const alias_id = GetAliasPort(lnk);
  let accumulate = dv.getUint16(ic + ICMPH_ID);
  accumulate -= alias_id;
  dv.setUint16(ic + ICMPH_CKSUM, ADJUST_CHECKSUM(accumulate, dv.getUint16(ic + ICMPH_CKSUM)));
  dv.setUint16(ic + ICMPH_ID, alias_id);
  ip_set_addr(dv, pip, IPH_SRC, GetAliasAddress(lnk));
  return PKT_ALIAS_OK;
}

/** IcmpAliasOut2: an ICMP error from inside about a datagram that came in
 *  through a link: alias the quoted destination and port (or id). */
function IcmpAliasOut2(la: libalias, dv: DataView, pip: number): number {
  const ic = pip + ip_hlen(dv, pip);
  const ip = ic + ICMPH_IP;
  const ud = ip + ip_hlen(dv, ip);
  const ic2 = ud;
  const p = dv.getUint8(ip + IPH_P);
  let lnk: alias_link | null;
  if (p === IPPROTO_UDP || p === IPPROTO_TCP) {
    lnk = FindUdpTcpOut(la, ip_dst(dv, ip), ip_src(dv, ip), dv.getUint16(ud + UH_DPORT), dv.getUint16(ud + UH_SPORT), p, false);
  } else if (p === IPPROTO_ICMP) {
    const t2 = dv.getUint8(ic2 + ICMPH_TYPE);
    lnk = t2 === ICMP_ECHO || t2 === ICMP_TSTAMP ? FindIcmpOut(la, ip_dst(dv, ip), ip_src(dv, ip), dv.getUint16(ic2 + ICMPH_ID), false) : null;
  } else lnk = null;
  if (lnk === null) return PKT_ALIAS_IGNORED;

  const alias_address = GetAliasAddress(lnk);
  const alias_port = GetAliasPort(lnk);
  const portoff = p === IPPROTO_ICMP ? ic2 + ICMPH_ID : ud + UH_DPORT;
  let accumulate = twowords(ip_dst(dv, ip));
  accumulate -= twowords(alias_address);
  accumulate += dv.getUint16(portoff);
  accumulate -= alias_port;
  dv.setUint16(ic + ICMPH_CKSUM, ADJUST_CHECKSUM(accumulate, dv.getUint16(ic + ICMPH_CKSUM)));
  // The outer source is aliased when the error comes from the host the
  // quoted datagram was for.
  if (ip_src(dv, pip) === ip_dst(dv, ip)) ip_set_addr(dv, pip, IPH_SRC, alias_address);
  dv.setUint32(ip + IPH_DST, alias_address);
  dv.setUint16(portoff, alias_port);
  return PKT_ALIAS_OK;
}

function IcmpAliasOut(la: libalias, dv: DataView, pip: number, create: boolean): number {
  if ((la.packetAliasMode & PKT_ALIAS_PROXY_ONLY) !== 0) return PKT_ALIAS_OK;
  const dlen = ip_len(dv, pip) - ip_hlen(dv, pip);
  if (dlen < ICMP_MINLEN) return PKT_ALIAS_IGNORED;
  const ic = pip + ip_hlen(dv, pip);
  switch (dv.getUint8(ic + ICMPH_TYPE)) {
    case ICMP_ECHO:
    case ICMP_TSTAMP:
      if (dv.getUint8(ic + ICMPH_CODE) === 0) return IcmpAliasOut1(la, dv, pip, create);
      return PKT_ALIAS_IGNORED;
    case ICMP_UNREACH:
    case ICMP_SOURCEQUENCH:
    case ICMP_TIMXCEED:
    case ICMP_PARAMPROB:
      if (dlen < ICMP_ADVLENMIN || dlen < ICMP_ADVLEN(dv.getUint8(ic + ICMPH_IP + IPH_VHL) & 0x0f)) return PKT_ALIAS_IGNORED;
      return IcmpAliasOut2(la, dv, pip);
    case ICMP_ECHOREPLY:
    case ICMP_TSTAMPREPLY:
      return IcmpAliasOut1(la, dv, pip, create);
  }
  return PKT_ALIAS_IGNORED;
}

// ---------------------------------------------------------------------------
// Other protocols: addresses only.

function ProtoAliasIn(la: libalias, dv: DataView, pip: number): number {
  if ((la.packetAliasMode & PKT_ALIAS_PROXY_ONLY) !== 0) return PKT_ALIAS_OK;
  const lnk = FindProtoIn(la, ip_src(dv, pip), ip_dst(dv, pip), dv.getUint8(pip + IPH_P));
  if (lnk === null) return PKT_ALIAS_IGNORED;
  ip_set_addr(dv, pip, IPH_DST, GetOriginalAddress(lnk));
  return PKT_ALIAS_OK;
}

function ProtoAliasOut(la: libalias, dv: DataView, pip: number, create: boolean): number {
  if ((la.packetAliasMode & PKT_ALIAS_PROXY_ONLY) !== 0) return PKT_ALIAS_OK;
  if (!create) return PKT_ALIAS_IGNORED;
  const lnk = FindProtoOut(la, ip_src(dv, pip), ip_dst(dv, pip), dv.getUint8(pip + IPH_P));
  if (lnk === null) return PKT_ALIAS_IGNORED;
  ip_set_addr(dv, pip, IPH_SRC, GetAliasAddress(lnk));
  return PKT_ALIAS_OK;
}

// ---------------------------------------------------------------------------
// UDP.

/** ValidateUdpLength: the UDP header's offset, or -1 when the datagram is
 *  too short for it or for the length it claims (a first fragment may be
 *  shorter than its uh_ulen). */
function ValidateUdpLength(dv: DataView, pip: number): number {
  const dlen = ip_len(dv, pip) - ip_hlen(dv, pip);
  if (dlen < 8) return -1;
  const ud = pip + ip_hlen(dv, pip);
  if ((dv.getUint16(pip + IPH_OFF) & IP_MF) === 0 && dlen < dv.getUint16(ud + UH_ULEN)) return -1;
  return ud;
}

function UdpAliasIn(la: libalias, dv: DataView, pip: number): number {
  const ud = ValidateUdpLength(dv, pip);
  if (ud < 0) return PKT_ALIAS_IGNORED;
  const lnk = FindUdpTcpIn(la, ip_src(dv, pip), ip_dst(dv, pip), dv.getUint16(ud + UH_SPORT), dv.getUint16(ud + UH_DPORT), IPPROTO_UDP, (la.packetAliasMode & PKT_ALIAS_PROXY_ONLY) === 0);
  if (lnk === null) return PKT_ALIAS_IGNORED;
  const alias_address = GetAliasAddress(lnk);
  const original_address = GetOriginalAddress(lnk);
  const alias_port = dv.getUint16(ud + UH_DPORT);
  dv.setUint16(ud + UH_DPORT, GetOriginalPort(lnk));
  // The modules' turn (after the port is back: so FreeBSD has it); one
  // that cannot make sense of the packet has it ignored.
  const error = walk_chain(IN, UDP, la, dv, pip, ud, lnk, original_address, alias_address, alias_port, 0);
  if (error < 0) return PKT_ALIAS_IGNORED;
  // A zero UDP checksum means none: leave it so.
  const sum = dv.getUint16(ud + UH_SUM);
  if (sum !== 0) {
    let accumulate = alias_port;
    accumulate -= dv.getUint16(ud + UH_DPORT);
    accumulate += twowords(alias_address);
    accumulate -= twowords(original_address);
    dv.setUint16(ud + UH_SUM, ADJUST_CHECKSUM(accumulate, sum));
  }
  ip_set_addr(dv, pip, IPH_DST, original_address);
  return PKT_ALIAS_OK;
}

function UdpAliasOut(la: libalias, dv: DataView, pip: number, _maxpacketsize: number, create: boolean): number {
  const ud = ValidateUdpLength(dv, pip);
  if (ud < 0) return PKT_ALIAS_IGNORED;
  if ((la.packetAliasMode & PKT_ALIAS_PROXY_ONLY) !== 0) return PKT_ALIAS_OK;
  const lnk = FindUdpTcpOut(la, ip_src(dv, pip), ip_dst(dv, pip), dv.getUint16(ud + UH_SPORT), dv.getUint16(ud + UH_DPORT), IPPROTO_UDP, create);
  if (lnk === null) return PKT_ALIAS_IGNORED;
  const alias_address = GetAliasAddress(lnk);
  const alias_port = GetAliasPort(lnk);
  walk_chain(OUT, UDP, la, dv, pip, ud, lnk, null, alias_address, alias_port, 0);
  const sum = dv.getUint16(ud + UH_SUM);
  if (sum !== 0) {
    let accumulate = dv.getUint16(ud + UH_SPORT);
    accumulate -= alias_port;
    accumulate += twowords(ip_src(dv, pip));
    accumulate -= twowords(alias_address);
    dv.setUint16(ud + UH_SUM, ADJUST_CHECKSUM(accumulate, sum));
  }
  dv.setUint16(ud + UH_SPORT, alias_port);
  ip_set_addr(dv, pip, IPH_SRC, alias_address);
  return PKT_ALIAS_OK;
}

// ---------------------------------------------------------------------------
// TCP.

function TcpAliasIn(la: libalias, dv: DataView, pip: number): number {
  const dlen = ip_len(dv, pip) - ip_hlen(dv, pip);
  if (dlen < 20) return PKT_ALIAS_IGNORED;
  const tc = pip + ip_hlen(dv, pip);
  const lnk = FindUdpTcpIn(la, ip_src(dv, pip), ip_dst(dv, pip), dv.getUint16(tc + TCPH_SPORT), dv.getUint16(tc + TCPH_DPORT), IPPROTO_TCP, (la.packetAliasMode & PKT_ALIAS_PROXY_ONLY) === 0);
  if (lnk === null) return PKT_ALIAS_IGNORED;
  // The modules see the segment as it came (the alias port still in it).
  walk_chain(IN, TCP, la, dv, pip, tc, lnk, null, null, null, 0);
  const alias_address = GetAliasAddress(lnk);
  const original_address = GetOriginalAddress(lnk);
  const alias_port = dv.getUint16(tc + TCPH_DPORT);
  dv.setUint16(tc + TCPH_DPORT, GetOriginalPort(lnk));

  let accumulate = alias_port;
  accumulate -= dv.getUint16(tc + TCPH_DPORT);
  accumulate += twowords(alias_address);
  accumulate -= twowords(original_address);
  // The peer acknowledges what it saw: take off what we added on the way out.
  if (GetAckModified(lnk) === 1) {
    const ack = dv.getUint32(tc + TCPH_ACK);
    const delta = GetDeltaAckIn(ack, lnk);
    if (delta !== 0) {
      accumulate += twowords(ack);
      const nack = (ack - delta) >>> 0;
      dv.setUint32(tc + TCPH_ACK, nack);
      accumulate -= twowords(nack);
    }
  }
  dv.setUint16(tc + TCPH_SUM, ADJUST_CHECKSUM(accumulate, dv.getUint16(tc + TCPH_SUM)));

  accumulate = twowords(ip_dst(dv, pip));
  dv.setUint32(pip + IPH_DST, original_address);
  accumulate -= twowords(original_address);
  dv.setUint16(pip + IPH_SUM, ADJUST_CHECKSUM(accumulate, dv.getUint16(pip + IPH_SUM)));

  TcpMonitorIn(dv.getUint8(tc + TCPH_FLAGS), lnk);
  return PKT_ALIAS_OK;
}

function TcpAliasOut(la: libalias, dv: DataView, pip: number, maxpacketsize: number, create: boolean): number {
  const dlen = ip_len(dv, pip) - ip_hlen(dv, pip);
  if (dlen < 20) return PKT_ALIAS_IGNORED;
  const tc = pip + ip_hlen(dv, pip);
  if ((la.packetAliasMode & PKT_ALIAS_PROXY_ONLY) !== 0) return PKT_ALIAS_OK;
  const lnk = FindUdpTcpOut(la, ip_src(dv, pip), ip_dst(dv, pip), dv.getUint16(tc + TCPH_SPORT), dv.getUint16(tc + TCPH_DPORT), IPPROTO_TCP, create);
  if (lnk === null) return PKT_ALIAS_IGNORED;
  const alias_port = GetAliasPort(lnk);
  const alias_address = GetAliasAddress(lnk);

  TcpMonitorOut(dv.getUint8(tc + TCPH_FLAGS), lnk);
  // The modules' turn, before the addresses change: the FTP module may
  // rewrite the data (and the length) here.
  walk_chain(OUT, TCP, la, dv, pip, tc, lnk, null, alias_address, alias_port, maxpacketsize);

  let accumulate = dv.getUint16(tc + TCPH_SPORT);
  dv.setUint16(tc + TCPH_SPORT, alias_port);
  accumulate -= alias_port;
  accumulate += twowords(ip_src(dv, pip));
  accumulate -= twowords(alias_address);
  // A module that grew the stream shifted our sequence numbers.
  if (GetAckModified(lnk) === 1) {
    const seq = dv.getUint32(tc + TCPH_SEQ);
    const delta = GetDeltaSeqOut(seq, lnk);
    if (delta !== 0) {
      accumulate += twowords(seq);
      const nseq = (seq + delta) >>> 0;
      dv.setUint32(tc + TCPH_SEQ, nseq);
      accumulate -= twowords(nseq);
    }
  }
  dv.setUint16(tc + TCPH_SUM, ADJUST_CHECKSUM(accumulate, dv.getUint16(tc + TCPH_SUM)));

  accumulate = twowords(ip_src(dv, pip));
  dv.setUint32(pip + IPH_SRC, alias_address);
  accumulate -= twowords(alias_address);
  dv.setUint16(pip + IPH_SUM, ADJUST_CHECKSUM(accumulate, dv.getUint16(pip + IPH_SUM)));
  return PKT_ALIAS_OK;
}

// ---------------------------------------------------------------------------
// Fragments: a later fragment follows the header fragment's translation,
// found by its IP id (FindFragmentIn1 remembered it on the way in).

function FragmentIn(la: libalias, dv: DataView, pip: number): number {
  const lnk = FindFragmentIn2(la, ip_src(dv, pip), ip_dst(dv, pip), dv.getUint16(pip + IPH_ID));
  if (lnk === null) return PKT_ALIAS_UNRESOLVED_FRAGMENT;
  ip_set_addr(dv, pip, IPH_DST, GetFragmentAddr(lnk));
  return PKT_ALIAS_OK;
}

function FragmentOut(la: libalias, dv: DataView, pip: number): number {
  ip_set_addr(dv, pip, IPH_SRC, FindAliasAddress(la, ip_src(dv, pip)));
  return PKT_ALIAS_OK;
}

/** A packet too short for an IP header cannot even be looked at. */
function too_short(dv: DataView, pip: number, maxpacketsize: number): boolean {
  return maxpacketsize < IP_HDRLEN || dv.byteLength - pip < IP_HDRLEN;
}

// ---------------------------------------------------------------------------
// The outside world's interface.

/** LibAliasIn: translate a packet arriving from the outside. */
export function LibAliasIn(la: libalias, dv: DataView, pip: number, maxpacketsize: number): number {
  return LibAliasInLocked(la, dv, pip, maxpacketsize);
}

function LibAliasInLocked(la: libalias, dv: DataView, pip: number, maxpacketsize: number): number {
  if ((la.packetAliasMode & PKT_ALIAS_REVERSE) !== 0) {
    la.packetAliasMode &= ~PKT_ALIAS_REVERSE;
    const r = LibAliasOutLocked(la, dv, pip, maxpacketsize, true);
    la.packetAliasMode |= PKT_ALIAS_REVERSE;
    return r;
  }
  HouseKeeping(la);
  if (too_short(dv, pip, maxpacketsize)) return PKT_ALIAS_IGNORED;
  const alias_addr = ip_dst(dv, pip);
  // Defense against mangled packets.
  if (ip_len(dv, pip) > maxpacketsize || ip_hlen(dv, pip) > maxpacketsize) return PKT_ALIAS_IGNORED;

  const off = dv.getUint16(pip + IPH_OFF);
  if ((off & IP_OFFMASK) !== 0) return FragmentIn(la, dv, pip);

  let iresult: number;
  switch (dv.getUint8(pip + IPH_P)) {
    case IPPROTO_ICMP:
      iresult = IcmpAliasIn(la, dv, pip);
      break;
    case IPPROTO_UDP:
      iresult = UdpAliasIn(la, dv, pip);
      break;
    case IPPROTO_TCP:
      iresult = TcpAliasIn(la, dv, pip);
      break;
    case IPPROTO_SCTP:
      // alias_sctp.c is not built: SCTP passes untouched.
      iresult = PKT_ALIAS_IGNORED;
      break;
    case IPPROTO_GRE:
      // GRE is the modules' first (alias_pptp's, not built here).
      if (find_handler(IN, IP, la, dv, pip, NO_PORTS) === 0) iresult = PKT_ALIAS_OK;
      else iresult = ProtoAliasIn(la, dv, pip);
      break;
    default:
      iresult = ProtoAliasIn(la, dv, pip);
      break;
  }

  if ((off & IP_MF) !== 0) {
    const lnk = FindFragmentIn1(la, ip_src(dv, pip), alias_addr, dv.getUint16(pip + IPH_ID));
    if (lnk !== null) {
      iresult = PKT_ALIAS_FOUND_HEADER_FRAGMENT;
      SetFragmentAddr(lnk, ip_dst(dv, pip));
    } else iresult = PKT_ALIAS_ERROR;
  }
  return iresult;
}

/** LibAliasOut: translate a packet leaving for the outside. */
export function LibAliasOut(la: libalias, dv: DataView, pip: number, maxpacketsize: number): number {
  return LibAliasOutLocked(la, dv, pip, maxpacketsize, true);
}

/** LibAliasOutTry: LibAliasOut that makes no new link unless create. */
export function LibAliasOutTry(la: libalias, dv: DataView, pip: number, maxpacketsize: number, create: boolean): number {
  return LibAliasOutLocked(la, dv, pip, maxpacketsize, create);
}

function in_range(a: number, lo: number, hi: number): boolean {
  return a >= lo && a <= hi;
}

function LibAliasOutLocked(la: libalias, dv: DataView, pip: number, maxpacketsize: number, create: boolean): number {
  if ((la.packetAliasMode & PKT_ALIAS_REVERSE) !== 0) {
    la.packetAliasMode &= ~PKT_ALIAS_REVERSE;
    const r = LibAliasInLocked(la, dv, pip, maxpacketsize);
    la.packetAliasMode |= PKT_ALIAS_REVERSE;
    return r;
  }
  HouseKeeping(la);
  if (too_short(dv, pip, maxpacketsize)) return PKT_ALIAS_IGNORED;
  if (ip_len(dv, pip) > maxpacketsize || ip_hlen(dv, pip) > maxpacketsize) return PKT_ALIAS_IGNORED;

  const addr_save = GetDefaultAliasAddress(la);
  if ((la.packetAliasMode & PKT_ALIAS_UNREGISTERED_MASK) !== 0) {
    // A registered source keeps its address: it becomes its own alias.
    const addr = ip_src(dv, pip);
    let iclass = 0;
    if (in_range(addr, UNREG_ADDR_C_LOWER, UNREG_ADDR_C_UPPER)) iclass = 3;
    else if (in_range(addr, UNREG_ADDR_B_LOWER, UNREG_ADDR_B_UPPER)) iclass = 2;
    else if (in_range(addr, UNREG_ADDR_A_LOWER, UNREG_ADDR_A_UPPER)) iclass = 1;
    else if (in_range(addr, UNREG_ADDR_CGN_LOWER, UNREG_ADDR_CGN_UPPER) && (la.packetAliasMode & PKT_ALIAS_UNREGISTERED_CGN) !== 0) iclass = 4;
    if (iclass === 0) SetDefaultAliasAddress(la, addr);
  } else if ((la.packetAliasMode & PKT_ALIAS_PROXY_ONLY) !== 0) {
    SetDefaultAliasAddress(la, ip_src(dv, pip));
  }

  let iresult: number;
  if ((dv.getUint16(pip + IPH_OFF) & IP_OFFMASK) !== 0) {
    iresult = FragmentOut(la, dv, pip);
  } else {
    switch (dv.getUint8(pip + IPH_P)) {
      case IPPROTO_ICMP:
        iresult = IcmpAliasOut(la, dv, pip, create);
        break;
      case IPPROTO_UDP:
        iresult = UdpAliasOut(la, dv, pip, maxpacketsize, create);
        break;
      case IPPROTO_TCP:
        iresult = TcpAliasOut(la, dv, pip, maxpacketsize, create);
        break;
      case IPPROTO_SCTP:
        iresult = PKT_ALIAS_IGNORED;
        break;
      case IPPROTO_GRE:
        if (find_handler(OUT, IP, la, dv, pip, NO_PORTS) === 0) iresult = PKT_ALIAS_OK;
        else iresult = ProtoAliasOut(la, dv, pip, create);
        break;
      default:
        iresult = ProtoAliasOut(la, dv, pip, create);
        break;
    }
  }
  SetDefaultAliasAddress(la, addr_save);
  return iresult;
}

/**
 * LibAliasUnaliasOut: undo the aliasing of an outgoing packet (one that
 * LibAliasOut translated but that is to be handed back inside).
 */
export function LibAliasUnaliasOut(la: libalias, dv: DataView, pip: number, maxpacketsize: number): number {
  if (too_short(dv, pip, maxpacketsize)) return PKT_ALIAS_IGNORED;
  if (ip_len(dv, pip) > maxpacketsize || ip_hlen(dv, pip) > maxpacketsize) return PKT_ALIAS_IGNORED;
  const l4 = pip + ip_hlen(dv, pip);
  const p = dv.getUint8(pip + IPH_P);
  let lnk: alias_link | null;
  if (p === IPPROTO_UDP || p === IPPROTO_TCP) lnk = FindUdpTcpIn(la, ip_dst(dv, pip), ip_src(dv, pip), dv.getUint16(l4 + UH_DPORT), dv.getUint16(l4 + UH_SPORT), p, false);
  else if (p === IPPROTO_ICMP) lnk = FindIcmpIn(la, ip_dst(dv, pip), ip_src(dv, pip), dv.getUint16(l4 + ICMPH_ID), false);
  else lnk = null;
  if (lnk === null) return PKT_ALIAS_IGNORED;
  const original_address = GetOriginalAddress(lnk);
  const original_port = GetOriginalPort(lnk);
  let accumulate = twowords(ip_src(dv, pip));
  accumulate -= twowords(original_address);
  const portoff = p === IPPROTO_ICMP ? l4 + ICMPH_ID : l4 + UH_SPORT;
  const sumoff = p === IPPROTO_UDP ? l4 + UH_SUM : p === IPPROTO_TCP ? l4 + TCPH_SUM : l4 + ICMPH_CKSUM;
  accumulate += dv.getUint16(portoff);
  accumulate -= original_port;
  dv.setUint16(sumoff, ADJUST_CHECKSUM(accumulate, dv.getUint16(sumoff)));
  ip_set_addr(dv, pip, IPH_SRC, original_address);
  dv.setUint16(portoff, original_port);
  return PKT_ALIAS_OK;
}

/** A packet as the fragment store keeps it: where its IP header is. */
export interface alias_packet {
  dv: DataView;
  off: number;
}

/** LibAliasSaveFragment: keep a fragment that came before its header
 *  fragment, until LibAliasGetFragment hands it back. */
export function LibAliasSaveFragment(la: libalias, frag: alias_packet): number {
  const lnk = AddFragmentPtrLink(la, ip_src(frag.dv, frag.off), frag.dv.getUint16(frag.off + IPH_ID));
  if (lnk === null) return PKT_ALIAS_ERROR;
  SetFragmentPtr(lnk, frag);
  return PKT_ALIAS_OK;
}

/** LibAliasGetFragment: a saved fragment of the header fragment's datagram
 *  (its link goes), or null. */
export function LibAliasGetFragment(la: libalias, hdr: alias_packet): alias_packet | null {
  const lnk = FindFragmentPtr(la, ip_src(hdr.dv, hdr.off), hdr.dv.getUint16(hdr.off + IPH_ID));
  if (lnk === null) return null;
  const fptr = GetFragmentPtr(lnk);
  SetFragmentPtr(lnk, null);
  SetExpire(lnk, 0);
  return fptr;
}

/** LibAliasFragmentIn: give a saved fragment the destination its (already
 *  de-aliased) header fragment got. */
export function LibAliasFragmentIn(_la: libalias, hdr: alias_packet, frag: alias_packet): void {
  ip_set_addr(frag.dv, frag.off, IPH_DST, ip_dst(hdr.dv, hdr.off));
}

/**
 * m_megapullup: the packet's first len bytes in one writable buffer, as
 * libalias wants them.  A single writable mbuf is returned as it is;
 * otherwise the bytes are copied into a fresh mbuf or cluster that takes
 * over the packet header.  The chain is consumed either way; null when no
 * buffer could be had (or len exceeds the packet).
 */
export function m_megapullup(m: mbuf, len: number): mbuf | null {
  if (len > m.m_pkthdr.len) {
    m_freem(m);
    return null;
  }
  if (m.m_next === null && M_WRITABLE(m)) return m;
  const mcl = m_get2(len, M_NOWAIT, MT_DATA, M_PKTHDR);
  if (mcl === null) {
    m_freem(m);
    return null;
  }
  m_align(mcl, len);
  m_move_pkthdr(mcl, m);
  m_copydata(m, 0, len, mcl.m_buf, mcl.m_data);
  mcl.m_len = mcl.m_pkthdr.len = len;
  m_freem(m);
  return mcl;
}
