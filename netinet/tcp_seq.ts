// sys/netinet/tcp_seq.h: sequence-number arithmetic modulo 2^32, the
// initial-sequence helpers, and the timestamp clock.
//
// Sequence numbers (and timestamps) are kept as int32 values in JS numbers:
// the 32 bits of the wire value, read with getInt32 and wrapped with `| 0`
// after arithmetic.  V8 keeps an int32 as a small integer (a Smi) in every
// field, argument and return value; an unsigned value of 2^31 or more would
// be a heap number, allocated each time one is passed, returned or stored
// in a field that is not a double.  Compare them only through these
// functions (a signed 32-bit difference) or with ===, never with < or >;
// show them unsigned (`>>> 0`) where FreeBSD prints or exports them.

import { hz, nanouptime_ns } from "../kern/kern_timeout.ts";
import type { tcp_seq } from "./tcp.ts";
import type { tcpcb } from "./tcp_var.ts";

export function SEQ_LT(a: tcp_seq, b: tcp_seq): boolean {
  return ((a - b) | 0) < 0;
}
export function SEQ_LEQ(a: tcp_seq, b: tcp_seq): boolean {
  return ((a - b) | 0) <= 0;
}
export function SEQ_GT(a: tcp_seq, b: tcp_seq): boolean {
  return ((a - b) | 0) > 0;
}
export function SEQ_GEQ(a: tcp_seq, b: tcp_seq): boolean {
  return ((a - b) | 0) >= 0;
}
export function SEQ_MIN(a: tcp_seq, b: tcp_seq): tcp_seq {
  return SEQ_LT(a, b) ? a : b;
}
export function SEQ_MAX(a: tcp_seq, b: tcp_seq): tcp_seq {
  return SEQ_GT(a, b) ? a : b;
}
/** SEQ_SUB(a, b): the (signed) distance from b to a. */
export function SEQ_SUB(a: tcp_seq, b: tcp_seq): number {
  return (a - b) | 0;
}
/** a + n as a sequence number (wraps at 2^32, kept int32). */
export function SEQ_ADD(a: tcp_seq, n: number): tcp_seq {
  return (a + n) | 0;
}

export function WIN_LT(a: number, b: number): boolean {
  return a < b;
}
export function WIN_GT(a: number, b: number): boolean {
  return a > b;
}

/** Timestamps compare like sequence numbers. */
export function TSTMP_LT(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
export function TSTMP_GT(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}
export function TSTMP_GEQ(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** tcp_rcvseqinit(tp): after learning irs. */
export function tcp_rcvseqinit(tp: tcpcb): void {
  tp.rcv_adv = tp.rcv_nxt = (tp.irs + 1) | 0;
}

/** tcp_sendseqinit(tp): after choosing iss. */
export function tcp_sendseqinit(tp: tcpcb): void {
  tp.snd_una = tp.snd_nxt = tp.snd_max = tp.snd_up = tp.snd_recover = tp.iss;
}

/** The timestamp clock runs at 1000 Hz (RFC 7323 allows 1 ms to 1 s). */
export const TCP_TS_HZ = 1000;
/** Timestamps older than 24 days are invalid (PAWS). */
export const TCP_PAWS_IDLE = 24 * 24 * 60 * 60 * TCP_TS_HZ;

/** tcp_ts_getticks(): milliseconds of (virtual) uptime, modulo 2^32. */
export function tcp_ts_getticks(): number {
  return Math.floor(nanouptime_ns() / 1e6) >>> 0;
}

/** TCP_TS_TO_TICKS(ts): timestamp units to hz ticks. */
export function TCP_TS_TO_TICKS(ts: number): number {
  return Math.floor((ts * hz) / TCP_TS_HZ);
}
