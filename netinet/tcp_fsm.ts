// sys/netinet/tcp_fsm.h: the states of a TCP connection, what each state
// sends by default (tcp_outflags), and the state names netstat prints.

import { TH_ACK, TH_FIN, TH_RST, TH_SYN } from "./tcp.ts";

export const TCP_NSTATES = 11;

export const TCPS_CLOSED = 0;
export const TCPS_LISTEN = 1;
export const TCPS_SYN_SENT = 2;
export const TCPS_SYN_RECEIVED = 3;
// States below ESTABLISHED have not yet completed the handshake.
export const TCPS_ESTABLISHED = 4;
export const TCPS_CLOSE_WAIT = 5;
// States above CLOSE_WAIT have sent a FIN (or will: TF_NEEDFIN).
export const TCPS_FIN_WAIT_1 = 6;
export const TCPS_CLOSING = 7;
export const TCPS_LAST_ACK = 8;
// States above LAST_ACK have had their FIN acknowledged.
export const TCPS_FIN_WAIT_2 = 9;
export const TCPS_TIME_WAIT = 10;

export function TCPS_HAVERCVDSYN(s: number): boolean {
  return s >= TCPS_SYN_RECEIVED;
}
export function TCPS_HAVEESTABLISHED(s: number): boolean {
  return s >= TCPS_ESTABLISHED;
}
export function TCPS_HAVERCVDFIN(s: number): boolean {
  return s === TCPS_CLOSE_WAIT || (s > TCPS_FIN_WAIT_1 && s !== TCPS_FIN_WAIT_2);
}

/** tcp_outflags[state]: the flags tcp_output sends in each state. */
export const tcp_outflags: readonly number[] = [
  TH_RST | TH_ACK, // CLOSED
  0, // LISTEN
  TH_SYN, // SYN_SENT
  TH_SYN | TH_ACK, // SYN_RECEIVED
  TH_ACK, // ESTABLISHED
  TH_ACK, // CLOSE_WAIT
  TH_FIN | TH_ACK, // FIN_WAIT_1
  TH_FIN | TH_ACK, // CLOSING
  TH_FIN | TH_ACK, // LAST_ACK
  TH_ACK, // FIN_WAIT_2
  TH_ACK, // TIME_WAIT
];

/** tcpstates[]: the names netstat and sockstat print. */
export const tcpstates: readonly string[] = [
  "CLOSED",
  "LISTEN",
  "SYN_SENT",
  "SYN_RCVD",
  "ESTABLISHED",
  "CLOSE_WAIT",
  "FIN_WAIT_1",
  "CLOSING",
  "LAST_ACK",
  "FIN_WAIT_2",
  "TIME_WAIT",
];
