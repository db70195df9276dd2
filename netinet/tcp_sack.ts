// sys/netinet/tcp_sack.c: SACK (owned by tcpin).  Only what the rest of
// TCP calls, with FreeBSD 14's signatures; tcpin replaces every body.

import type { intp } from "../netinet6/ip6_var.ts";
import type { sackhole, tcpcb } from "./tcp_var.ts";

/** tcp_sack_output(tp, sack_bytes_rexmt): the next hole to retransmit, or
 *  null; sack_bytes_rexmt.v receives the bytes retransmitted so far. */
export function tcp_sack_output(tp: tcpcb, sack_bytes_rexmt: intp): sackhole | null {
  void tp;
  void sack_bytes_rexmt;
  throw new Error("CONTRACT-STUB tcp_sack_output");
}

/** tcp_sack_adjust(tp): keep snd_nxt out of what the receiver holds. */
export function tcp_sack_adjust(tp: tcpcb): void {
  void tp;
  throw new Error("CONTRACT-STUB tcp_sack_adjust");
}

/** tcp_clean_sackreport(tp): forget the SACK blocks we report. */
export function tcp_clean_sackreport(tp: tcpcb): void {
  void tp;
  throw new Error("CONTRACT-STUB tcp_clean_sackreport");
}

/** tcp_clean_dsack_blocks(tp): drop D-SACK blocks once they were sent. */
export function tcp_clean_dsack_blocks(tp: tcpcb): void {
  void tp;
  throw new Error("CONTRACT-STUB tcp_clean_dsack_blocks");
}

/** tcp_free_sackholes(tp): empty the scoreboard. */
export function tcp_free_sackholes(tp: tcpcb): void {
  void tp;
  throw new Error("CONTRACT-STUB tcp_free_sackholes");
}
