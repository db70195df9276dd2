// sys/netinet6/dest6.c: the destination options header.  Every option is
// walked; pads are skipped, and an unknown option is handled as its type's
// top two bits say (ip6_unknown_opt).  No destination option is known to
// this kernel (FreeBSD 14 knows none either without MIP6).

import type { mbuf } from "../kern/mbuf.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { m_pullup } from "../kern/uipc_mbuf.ts";
import { IP6E_OFF_LEN, IP6E_OFF_NXT, IP6OPT_MINLEN, IP6OPT_PAD1, IP6OPT_PADN } from "../netinet/ip6.ts";
import { IP6STAT_INC, IPPROTO_DONE, ip6s_exthdrtoolong, ip6s_toosmall, type intp, type mbufp } from "./ip6_var.ts";
import { ip6_unknown_opt } from "./ip6_input.ts";

/**
 * dest6_input: the destination options header at *offp.  Returns its next
 * header with *offp past it, or IPPROTO_DONE when the packet is gone.
 */
export function dest6_input(mp: mbufp, offp: intp, _proto: number): number {
  let m = mp.m as mbuf;
  let off = offp.v;

  // The length, then the whole header, contiguous.
  if (m.m_len < off + 2) {
    const n = m_pullup(m, off + 2);
    if (n === null) {
      IP6STAT_INC(ip6s_exthdrtoolong);
      mp.m = null;
      return IPPROTO_DONE;
    }
    m = n;
  }
  let dstoptlen = (m.m_buf[m.m_data + off + IP6E_OFF_LEN] + 1) << 3;
  if (m.m_len < off + dstoptlen) {
    const n = m_pullup(m, off + dstoptlen);
    if (n === null) {
      IP6STAT_INC(ip6s_exthdrtoolong);
      mp.m = null;
      return IPPROTO_DONE;
    }
    m = n;
  }
  mp.m = m;
  const buf = m.m_buf;
  const dstopts = m.m_data + off;
  off += dstoptlen;
  dstoptlen -= 2;

  let optlen = 0;
  for (let opt = dstopts + 2; dstoptlen > 0; dstoptlen -= optlen, opt += optlen) {
    // An option must fit in what is left of the header.
    if (buf[opt] !== IP6OPT_PAD1 && (dstoptlen < IP6OPT_MINLEN || buf[opt + 1] + 2 > dstoptlen)) {
      IP6STAT_INC(ip6s_toosmall);
      m_freem(m);
      mp.m = null;
      return IPPROTO_DONE;
    }
    switch (buf[opt]) {
      case IP6OPT_PAD1:
        optlen = 1;
        break;
      case IP6OPT_PADN:
        optlen = buf[opt + 1] + 2;
        break;
      default:
        optlen = ip6_unknown_opt(buf, opt, m, opt - m.m_data);
        if (optlen === -1) {
          mp.m = null;
          return IPPROTO_DONE;
        }
        optlen += 2;
        break;
    }
  }

  offp.v = off;
  return buf[dstopts + IP6E_OFF_NXT];
}

