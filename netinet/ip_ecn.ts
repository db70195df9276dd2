// sys/netinet/ip_ecn.c, sys/netinet/ip_ecn.h: the ECN bits across a tunnel
// (RFC 3168 section 9.1).  On the way in the outer TOS starts as a copy of
// the inner one; on the way out a congestion mark on the outer header is
// carried to the inner one, or the packet is dropped if the inner header
// says its sender does not do ECN.  gif(4) picks ECN_ALLOWED with IFF_LINK1
// and ECN_NOCARE otherwise.

import { IPTOS_ECN_CE, IPTOS_ECN_ECT1, IPTOS_ECN_MASK, IPTOS_ECN_NOTECT } from "./ip.ts";

export const ECN_ALLOWED = 1;
export const ECN_FORBIDDEN = 0;
export const ECN_NOCARE = -1;

/** ip_ecn_ingress(mode, inner): the outer TOS for a packet whose inner TOS
 *  is `inner`. */
export function ip_ecn_ingress(mode: number, inner: number): number {
  let outer = inner;
  switch (mode) {
    case ECN_ALLOWED:
      // A congestion mark inside becomes ECT(0) outside.
      if ((inner & IPTOS_ECN_MASK) === IPTOS_ECN_CE) outer &= ~IPTOS_ECN_ECT1;
      break;
    case ECN_FORBIDDEN:
      outer &= ~IPTOS_ECN_MASK;
      break;
    case ECN_NOCARE:
      break;
  }
  return outer & 0xff;
}

/** ip_ecn_egress(mode, outer, inner): the inner TOS after decapsulation,
 *  or -1 when the packet must be dropped (CE outside, not-ECT inside). */
export function ip_ecn_egress(mode: number, outer: number, inner: number): number {
  switch (mode) {
    case ECN_ALLOWED:
      if ((outer & IPTOS_ECN_MASK) === IPTOS_ECN_CE) {
        if ((inner & IPTOS_ECN_MASK) === IPTOS_ECN_NOTECT) return -1;
        return (inner | IPTOS_ECN_CE) & 0xff;
      }
      break;
    case ECN_FORBIDDEN:
    case ECN_NOCARE:
      break;
  }
  return inner;
}
