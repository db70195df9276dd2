// sys/netinet/libalias/alias_local.h: what the pieces of libalias share and
// nobody outside it sees: the instance (struct libalias), the checksum
// adjustment macro, the TCP link states.
//
// Addresses are kept as the 32-bit number the four bytes read big-endian
// (what ntohl(s_addr) gives), and ports and ICMP ids as plain 16-bit
// numbers: every header field is read and written through a DataView in
// network order, so nothing needs swapping and the one's-complement sums
// come out the same as FreeBSD's sums of native 16-bit words.

import type { alias_link, group_in, splay_head } from "./alias_db.ts";
import type { dll, proto_handler } from "./alias_mod.ts";

/** LIBALIAS_BUF_SIZE (alias.h): the kernel's log line buffer. */
export const LIBALIAS_BUF_SIZE = 128;

/** A libalias address (struct in_addr): the address's bytes as one number. */
export type in_addr_t = number;

/** AddLink()'s alias_port_param asking for a port (or ICMP id) to be picked. */
export const GET_ALIAS_PORT = -1;
export const GET_ALIAS_ID = GET_ALIAS_PORT;

/** enum alias_tcp_state. */
export const ALIAS_TCP_STATE_NOT_CONNECTED = 0;
export const ALIAS_TCP_STATE_CONNECTED = 1;
export const ALIAS_TCP_STATE_DISCONNECTED = 2;

/**
 * One build of libalias and the statics that go with it.  FreeBSD compiles
 * the same sources twice: into the kernel (for ipfw nat and ng_nat) and,
 * without _KERNEL, into lib/libalias, which each process linking it (natd)
 * gets its own copy of.  What differs between the two is said here: where
 * the clock comes from (time_uptime, or time(3)), where random numbers come
 * from (the kernel's arc4random, or libc's), where the statistics line goes
 * (the kernel's line buffer, or /var/log/alias.log) and what an impossible
 * state does (panic, or abort).  The statics are LibAliasTime, the
 * instance list and HouseKeeping's packet counters.
 */
export class libalias_build {
  /** The time, in seconds, links are stamped and aged with (sampled by
   *  HouseKeeping every so many packets, as FreeBSD does). */
  LibAliasTime = 0;
  /** HouseKeeping's statics (packets since the clock was last read, and
   *  how many to let pass before reading it again). */
  hk_packets = 0;
  hk_packet_limit = 1000;
  /** Every instance, for finishoff() at module unload. */
  readonly instancehead: libalias[] = [];
  /** alias_mod.c's handler chain: the protocol modules' handlers, by
   *  priority (kldload'ed alias_* modules in the kernel's build, those
   *  /etc/libalias.conf names in a process's). */
  readonly handler_chain: proto_handler[] = [];
  /** alias_mod.c's dll chain (userland): the modules loaded. */
  readonly dll_chain: dll[] = [];
  constructor(
    /** True for the kernel's build (compiled with _KERNEL). */
    readonly kernel: boolean,
    /** The clock in whole seconds: time_uptime, or time(3). */
    readonly now: () => number,
    /** arc4random_uniform: the kernel's, or libc's. */
    readonly random_uniform: (upper_bound: number) => number,
    /** Where the statistics lines go in the userland build: a writer to
     *  the opened log file, which takes text as fprintf writes it (null
     *  when it could not be opened, and logging stays off); the kernel
     *  build keeps its line in logDesc instead. */
    readonly log_open: (() => ((line: string) => void) | null) | null,
    /** panic(9), or abort(3). */
    readonly fatal: (msg: string) => never,
    /** PKT_ALIAS_USE_SOCKETS (userland only; the kernel is built with
     *  NO_USE_SOCKETS): a socket of the link's type bound to the port on
     *  INADDR_ANY, its descriptor or -1; and close(2). */
    readonly sockets: { get(port: number, link_type: number): number; close(fd: number): void } | null = null,
  ) {}
}

/** struct libalias: one packet aliasing engine.  ipfw nat keeps one per
 *  `nat N` instance, and the instances of a vnet hang off its chain. */
export class libalias {
  /** Mode flags (PKT_ALIAS_* of alias.h). */
  packetAliasMode = 0;
  /** Written into the source of outgoing packets. */
  aliasAddress: in_addr_t = 0;
  /** Where incoming packets without a link go (INADDR_ANY: left alone,
   *  INADDR_NONE: the alias address). */
  targetAddress: in_addr_t = 0;
  /** Lookup of incoming packets: groups by (alias addr, alias port, type). */
  linkSplayIn!: splay_head<group_in>;
  /** Lookup of outgoing packets: links by (src, dst, ports, type). */
  linkSplayOut!: splay_head<alias_link>;
  /** checkExpire (a TAILQ): every link, oldest-checked first. */
  checkExpire_first: alias_link | null = null;
  checkExpire_last: alias_link | null = null;

  icmpLinkCount = 0;
  udpLinkCount = 0;
  tcpLinkCount = 0;
  pptpLinkCount = 0;
  protoLinkCount = 0;
  fragmentIdLinkCount = 0;
  fragmentPtrLinkCount = 0;
  sockCount = 0;
  sctpLinkCount = 0;

  /** The kernel's log "descriptor": the last statistics line, or null
   *  while PKT_ALIAS_LOG is off. */
  logDesc: string | null = null;
  /** The userland build's log file (FILE *logDesc there), when open. */
  logFile: ((line: string) => void) | null = null;
  /** The build the instance belongs to. */
  build: libalias_build;
  constructor(build: libalias_build) {
    this.build = build;
  }

  skinnyPort = 0;
  /** What the FTP (and IRC) parsers found in the last message they
   *  accepted: the address and port it named (alias_local.h's true_addr,
   *  true_port). */
  true_addr: in_addr_t = 0;
  true_port = 0;
  /** Where port allocation draws from (LibAliasSetAliasPortRange). */
  aliasPortLower = 0x8000;
  aliasPortLength = 0x8000;
}

/**
 * ADJUST_CHECKSUM(acc, cksum): fold the 32-bit accumulation of changes
 * (old words added, new words subtracted) into a checksum; returns the
 * new checksum.
 */
export function ADJUST_CHECKSUM(acc: number, cksum: number): number {
  acc += cksum;
  if (acc < 0) {
    acc = -acc;
    acc = (acc >> 16) + (acc & 0xffff);
    acc += acc >> 16;
    return ~acc & 0xffff;
  }
  acc = (acc >> 16) + (acc & 0xffff);
  acc += acc >> 16;
  return acc & 0xffff;
}

/** twowords(&addr): the sum of an address's two 16-bit halves. */
export function twowords(a: in_addr_t): number {
  return (a >>> 16) + (a & 0xffff);
}
