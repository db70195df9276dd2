// sys/net/route/mpath_ctl.c: multipath state of a vnet: net.route.hash_outbound and the hashing key.
//
// Once a vnet has its first multipath route (add_route_flags_mpath in
// route_ctl.ts), locally originated packets get a flowid hashed from their
// addresses, ports and protocol (fib4_calc_software_hash in in_fib.ts,
// fib6_calc_software_hash in in6_fib.ts), so that different flows take
// different paths of a group and one flow always the same one.

import { VNET_DEFINE_INT, VNET_I32, VNET_I32_SET } from "../vnet.ts";

/** V_fib_hash_outbound: compute a flowid for locally originated packets (net.route.hash_outbound, read-only; registered in net/route.ts beside its node). */
export const fib_hash_outbound = VNET_DEFINE_INT("fib_hash_outbound", 0);
export function V_fib_hash_outbound(): number {
  return VNET_I32(fib_hash_outbound);
}
export function V_fib_hash_outbound_set(v: number): void {
  VNET_I32_SET(fib_hash_outbound, v);
}

/** CALC_FLOWID_OUTBOUND / CALC_FLOWID_OUTBOUND_SENDTO (no RSS): V_fib_hash_outbound. */
export function CALC_FLOWID_OUTBOUND(): boolean {
  return VNET_I32(fib_hash_outbound) !== 0;
}

export const MPATH_ENTROPY_KEY_LEN = 40;
/** mpath_entropy_key: the Toeplitz key the outbound hash uses (the well-known RSS key). */
export const mpath_entropy_key = new Uint8Array([
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
  0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
]);
