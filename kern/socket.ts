// sys/sys/socket.h: address families, socket types, options and flags, and
// the generic sockaddr.  Addresses of each family are classes of their own
// (sockaddr_in in netinet/in.ts, sockaddr_dl in net/if_dl.ts).

export const AF_UNSPEC = 0;
export const AF_LOCAL = 1;
export const AF_UNIX = AF_LOCAL;
export const AF_INET = 2;
export const AF_ROUTE = 17;
export const AF_LINK = 18;
export const pseudo_AF_HDRCMPLT = 31;
export const AF_INET6 = 28;
export const AF_NETGRAPH = 32;
export const AF_ARP = 35;
/** divert(4) sockets: a domain of their own since FreeBSD 14. */
export const AF_DIVERT = 44;
export const AF_MAX = 42;
export const PF_INET = AF_INET;
export const PF_ROUTE = AF_ROUTE;
export const PF_NETGRAPH = AF_NETGRAPH;
export const PF_INET6 = AF_INET6;
export const PF_DIVERT = AF_DIVERT;

/** The longest address a socket call takes (sa_len is a u_char). */
export const SOCK_MAXADDRLEN = 255;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_SEQPACKET = 5;
/** Flags or'ed into socket(2)'s type argument. */
export const SOCK_CLOEXEC = 0x10000000;
export const SOCK_NONBLOCK = 0x20000000;

export const SOL_SOCKET = 0xffff;
export const SO_DEBUG = 0x0001;
export const SO_ACCEPTCONN = 0x0002;
export const SO_REUSEADDR = 0x0004;
export const SO_KEEPALIVE = 0x0008;
export const SO_DONTROUTE = 0x0010;
export const SO_BROADCAST = 0x0020;
export const SO_USELOOPBACK = 0x0040;
export const SO_LINGER = 0x0080;
export const SO_OOBINLINE = 0x0100;
export const SO_REUSEPORT = 0x0200;
export const SO_TIMESTAMP = 0x0400;
export const SO_NOSIGPIPE = 0x0800;
export const SO_BINTIME = 0x2000;
export const SO_REUSEPORT_LB = 0x00010000;
export const SO_SNDBUF = 0x1001;
export const SO_RCVBUF = 0x1002;
export const SO_SNDLOWAT = 0x1003;
export const SO_RCVLOWAT = 0x1004;
export const SO_SNDTIMEO = 0x1005;
export const SO_RCVTIMEO = 0x1006;
export const SO_ERROR = 0x1007;
export const SO_TYPE = 0x1008;
export const SO_SETFIB = 0x1014;
/** getsockopt(SO_FIB): the socket's FIB (same number as SO_SETFIB). */
export const SO_FIB = SO_SETFIB;
export const SO_PROTOCOL = 0x1016;
export const SO_DOMAIN = 0x1019;

export const MSG_OOB = 0x00000001;
export const MSG_PEEK = 0x00000002;
export const MSG_DONTROUTE = 0x00000004;
export const MSG_EOR = 0x00000008;
export const MSG_TRUNC = 0x00000010;
export const MSG_CTRUNC = 0x00000020;
export const MSG_WAITALL = 0x00000040;
export const MSG_DONTWAIT = 0x00000080;
export const MSG_EOF = 0x00000100;
export const MSG_NBIO = 0x00004000;
export const MSG_NOSIGNAL = 0x00020000;

import type { sockaddr_in } from "../netinet/in.ts";
import type { sockaddr_dl } from "../net/if_dl.ts";
import type { sockaddr_ng } from "../netgraph/ng_socket.ts";
import type { sockaddr_in6 } from "../netinet6/in6_var.ts";


/** A bare sockaddr for families with no address of their own (AF_UNSPEC,
 *  AF_ARP, pseudo_AF_HDRCMPLT), as arprequest and bpf writes use them. */
export class sockaddr_generic {
  sa_len = 16;
  constructor(public sa_family: number) {}
}

/** A socket address of any family we model (struct sockaddr): tell them
 *  apart by their fields ("sin_addr" in sa, ...), or read sa_family/sa_len
 *  through SA_FAMILY/SA_LEN. */
export type sockaddr = sockaddr_in | sockaddr_in6 | sockaddr_dl | sockaddr_ng | sockaddr_generic;

/** sa->sa_family, whatever the address's layout. */
export function SA_FAMILY(sa: sockaddr): number {
  if ("sin_addr" in sa) return sa.sin_family;
  if ("sin6_addr" in sa) return sa.sin6_family;
  if ("sdl_index" in sa) return sa.sdl_family;
  if ("sg_data" in sa) return sa.sg_family;
  return sa.sa_family;
}

/** sa->sa_len. */
export function SA_LEN(sa: sockaddr): number {
  if ("sin_addr" in sa) return sa.sin_len;
  if ("sin6_addr" in sa) return sa.sin6_len;
  if ("sdl_index" in sa) return sa.sdl_len;
  if ("sg_data" in sa) return sa.sg_len;
  return sa.sa_len;
}
