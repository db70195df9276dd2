// sys/netinet6/route6.c: the routing header.  FreeBSD 14 implements no
// routing header type: type 0 is deprecated (RFC 5095) and the others are
// for protocols it does not speak.  A routing header with segments left is
// answered with a parameter problem pointing at its type; one with none
// left (we are its final destination) is skipped.

import type { mbuf } from "../kern/mbuf.ts";
import { m_pullup } from "../kern/uipc_mbuf.ts";
import { IP6R_OFF_LEN, IP6R_OFF_NXT, IP6R_OFF_SEGLEFT, IP6R_OFF_TYPE, IP6_RTHDR_LEN } from "../netinet/ip6.ts";
import { ICMP6_PARAMPROB_HEADER, ICMP6_PARAM_PROB } from "../netinet/icmp6.ts";
import { icmp6_error } from "./icmp6.ts";
import { IP6STAT_INC, IPPROTO_DONE, ip6s_badoptions, ip6s_exthdrtoolong, type intp, type mbufp } from "./ip6_var.ts";

/**
 * route6_input: the routing header at *offp.  Returns its next header with
 * *offp past it, or IPPROTO_DONE when the packet is gone.
 */
export function route6_input(mp: mbufp, offp: intp, _proto: number): number {
  let m = mp.m as mbuf;
  const off = offp.v;
  if (m.m_len < off + IP6_RTHDR_LEN) {
    const n = m_pullup(m, off + IP6_RTHDR_LEN);
    if (n === null) {
      IP6STAT_INC(ip6s_exthdrtoolong);
      mp.m = null;
      return IPPROTO_DONE;
    }
    m = n;
  }
  mp.m = m;
  const rh = m.m_data + off;
  const buf = m.m_buf;

  // (A switch on ip6r_type in FreeBSD, kept for RH2 and its like: every
  // type is unknown here.)
  if (buf[rh + IP6R_OFF_SEGLEFT] !== 0) {
    IP6STAT_INC(ip6s_badoptions);
    icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, off + IP6R_OFF_TYPE);
    mp.m = null;
    return IPPROTO_DONE;
  }
  // We are the final destination: the header is ignored.
  const rhlen = (buf[rh + IP6R_OFF_LEN] + 1) << 3;
  offp.v += rhlen;
  return buf[rh + IP6R_OFF_NXT];
}
