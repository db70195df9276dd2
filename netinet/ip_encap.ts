// sys/netinet/ip_encap.c, sys/netinet/ip_encap.h: who gets an IP datagram
// whose payload is another packet.  Several tunnel drivers may want the same
// protocol number (4, IPv4 in IPv4; 41, IPv6; 97, EtherIP; 47, GRE), so
// ip_protox cannot name one of them: encap4_input sits in those slots and
// asks each attached handler (encap_attach) whether the datagram is its own,
// by a driver lookup (gif, gre: "is there a tunnel with these addresses?")
// or a check function.  The best match gets the datagram; nobody's goes on
// to rip_input, as any other protocol without a handler does.
//
// The table is global, as FreeBSD's is: in_gif attaches its entries once
// (from vnet0) and its lookups read the tunnels of curvnet.
//
// The source-address registry lives here too: tunnel drivers hear of IPv4
// addresses coming and going (ifaddr_event_ext), since a tunnel whose
// local end is not one of ours must not send.
//
// IPv6 (ip6_encap_attach, encap6_input) is issue 13: there is no INET6.

import { EINVAL } from "../kern/errno.ts";
import type { mbuf } from "../kern/mbuf.ts";
import type { sockaddr_in } from "./in.ts";
import { AF_INET, SA_FAMILY } from "../kern/socket.ts";
import { ifaddr_event_ext } from "../net/if.ts";
import { rip_input } from "./raw_ip.ts";

/** The priority a driver lookup answers when it found its tunnel. */
export const ENCAP_DRV_LOOKUP = 0x7fffffff;
/** What a protocol input returns once it took the packet. */
export const IPPROTO_DONE = 257;

/** The lookup's answer beyond its priority: the driver's softc (void **arg). */
export class encap_arg {
  v: unknown = null;
}
export type encap_lookup_t = (m: mbuf, off: number, proto: number, arg: encap_arg) => number;
export type encap_check_t = (m: mbuf, off: number, proto: number, arg: unknown) => number;
export type encap_input_t = (m: mbuf, off: number, proto: number, arg: unknown) => number;
export type encap_srcaddr_t = (arg: unknown, sa: sockaddr_in, event: number) => void;

/** struct encap_config: what a driver attaches.  proto -1 matches any. */
export interface encap_config {
  proto: number;
  min_length: number;
  exact_match: number;
  lookup: encap_lookup_t | null;
  check: encap_check_t | null;
  input: encap_input_t;
}

/** struct encaptab: an attached handler. */
export class encaptab {
  constructor(
    readonly proto: number,
    readonly min_length: number,
    readonly exact_match: number,
    readonly arg: unknown,
    readonly lookup: encap_lookup_t | null,
    readonly check: encap_check_t | null,
    readonly input: encap_input_t,
  ) {}
}

/** struct srcaddrtab: a source-address listener. */
export class srcaddrtab {
  constructor(
    readonly srcaddr: encap_srcaddr_t,
    readonly arg: unknown,
  ) {}
}

/** ipv4_encaptab: handlers, highest exact_match first. */
const ipv4_encaptab: encaptab[] = [];
const ipv4_srcaddrtab: srcaddrtab[] = [];

/**
 * srcaddr_change_event: an IPv4 address was added to or removed from an
 * interface (ifaddr_event_ext); every registered listener hears of it.
 */
function srcaddr_change_event(sa: sockaddr_in, event: number): void {
  for (let i = 0; i < ipv4_srcaddrtab.length; i++) {
    const p = ipv4_srcaddrtab[i];
    p.srcaddr(p.arg, sa, event);
  }
}
// FreeBSD's srcaddr_change_event hears every family and picks IPv4's.
ifaddr_event_ext.push((_ifp, ifa, event) => {
  if (SA_FAMILY(ifa.ifa_addr) === AF_INET) srcaddr_change_event(ifa.ifa_addr as sockaddr_in, event);
});

function encap_register_srcaddr(head: srcaddrtab[], func: encap_srcaddr_t, arg: unknown): srcaddrtab {
  for (const tmp of head) if (tmp.srcaddr === func && tmp.arg === arg) return tmp;
  const p = new srcaddrtab(func, arg);
  head.unshift(p);
  return p;
}

function encap_unregister_srcaddr(head: srcaddrtab[], cookie: srcaddrtab): number {
  const i = head.indexOf(cookie);
  if (i < 0) return EINVAL;
  head.splice(i, 1);
  return 0;
}

/**
 * encap_attach: a handler needs an input and either a check or a lookup;
 * a lookup comes only with exact_match ENCAP_DRV_LOOKUP and the other way
 * round.  It goes in front of the first entry whose exact_match is not
 * higher, so the list stays sorted.  null for a bad configuration.
 */
function encap_attach(head: encaptab[], cfg: encap_config, arg: unknown): encaptab | null {
  if (
    (cfg.check === null && cfg.lookup === null) ||
    (cfg.lookup !== null && cfg.exact_match !== ENCAP_DRV_LOOKUP) ||
    (cfg.exact_match === ENCAP_DRV_LOOKUP && cfg.lookup === null)
  )
    return null;
  const ep = new encaptab(
    cfg.proto,
    cfg.min_length,
    cfg.exact_match,
    arg,
    cfg.exact_match === ENCAP_DRV_LOOKUP ? cfg.lookup : null,
    cfg.exact_match !== ENCAP_DRV_LOOKUP ? cfg.check : null,
    cfg.input,
  );
  let i = 0;
  while (i < head.length && head[i].exact_match > ep.exact_match) i++;
  head.splice(i, 0, ep);
  return ep;
}

function encap_detach(head: encaptab[], cookie: encaptab): number {
  const i = head.indexOf(cookie);
  if (i < 0) return EINVAL;
  head.splice(i, 1);
  return 0;
}

/** The lookup's out-argument, reused: input runs synchronously. */
const lookup_arg = new encap_arg();

/**
 * encap_input: offer the datagram to each handler of its protocol that it
 * is long enough for; the highest answer wins, and an answer of the
 * handler's exact_match or more ends the search.  IPPROTO_DONE when a
 * handler took it, 0 when nobody wanted it (m untouched).
 */
function encap_input(head: encaptab[], m: mbuf, off: number, proto: number): number {
  let match: encaptab | null = null;
  let matcharg: unknown = null;
  let matchprio = 0;
  for (let i = 0; i < head.length; i++) {
    const ep = head[i];
    if (ep.proto >= 0 && ep.proto !== proto) continue;
    if (ep.min_length > m.m_pkthdr.len) continue;
    let ret: number;
    if (ep.exact_match === ENCAP_DRV_LOOKUP && ep.lookup !== null) {
      lookup_arg.v = null;
      ret = ep.lookup(m, off, proto, lookup_arg);
    } else if (ep.check !== null) {
      ret = ep.check(m, off, proto, ep.arg);
    } else {
      continue;
    }
    if (ret <= 0) continue;
    if (ret > matchprio) {
      match = ep;
      matcharg = ep.exact_match === ENCAP_DRV_LOOKUP ? lookup_arg.v : ep.arg;
      // An exact match: nothing can do better.
      if (ret >= ep.exact_match) break;
      matchprio = ret;
    }
  }
  lookup_arg.v = null;
  if (match !== null) {
    match.input(m, off, proto, matcharg);
    return IPPROTO_DONE;
  }
  return 0;
}

/** ip_encap_register_srcaddr(func, arg): hear of IPv4 addresses. */
export function ip_encap_register_srcaddr(func: encap_srcaddr_t, arg: unknown): srcaddrtab {
  return encap_register_srcaddr(ipv4_srcaddrtab, func, arg);
}

export function ip_encap_unregister_srcaddr(cookie: srcaddrtab): number {
  return encap_unregister_srcaddr(ipv4_srcaddrtab, cookie);
}

/** ip_encap_attach(cfg, arg): a handler for IPv4 outer headers. */
export function ip_encap_attach(cfg: encap_config, arg: unknown): encaptab | null {
  return encap_attach(ipv4_encaptab, cfg, arg);
}

export function ip_encap_detach(cookie: encaptab): number {
  return encap_detach(ipv4_encaptab, cookie);
}

/**
 * encap4_input: ip_protox's entry for the tunnelling protocols (ip_init
 * registers it for 4, 55, 97, 47, 41 and 103).  What no handler takes is
 * raw IP's, as for any protocol nobody registered.
 */
export function encap4_input(m: mbuf, off: number, proto: number): void {
  if (encap_input(ipv4_encaptab, m, off, proto) !== IPPROTO_DONE) rip_input(m, off, proto);
}
