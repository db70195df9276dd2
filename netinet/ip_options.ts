// sys/netinet/ip_options.c, sys/netinet/ip_options.h: IPv4 header options.
// ip_dooptions processes the options of an arriving datagram (record route,
// timestamp, loose and strict source routes) and answers malformed ones
// with an ICMP parameter problem; the others insert options into outgoing
// datagrams (ip_insertoptions, from a socket's IP_OPTIONS set up by
// ip_pcbopts), copy them into fragments (ip_optcopy), strip them for the
// transport layer (ip_stripoptions), and turn a received source route
// around for the reply (save_rte, ip_srcroute).  ip_pcbopts, which only
// acts on an inpcb, lives with it in netinet/in_pcb.ts.
//
// Option bytes are read and written in place in the mbuf; `cp` below is a
// byte offset into m_buf, and the ICMP pointer `code` is an offset from the
// start of the IP header, as in C.

import { MT_DATA, M_PKTHDR, M_LEADINGSPACE, M_WRITABLE, type m_tag, type mbuf } from "../kern/mbuf.ts";
import { m_freem, m_get, m_gethdr } from "../kern/kern_mbuf.ts";
import { m_move_pkthdr, max_linkhdr } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { log } from "../kern/subr_prf.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, OID_AUTO, SYSCTL_INT } from "../kern/sysctl.ts";
import { VNET_DEFINE_INT, VNET_I32 } from "../net/vnet.ts";
import { M_GETFIB } from "../kern/mbuf.ts";
import { RT_ALL_FIBS } from "../net/route.ts";
import { NHR_NONE } from "../net/route/nhop.ts";
import type { ifaddr, ifnet } from "../net/if.ts";
import { fib4_lookup } from "./in_fib.ts";
import {
  IN_MULTICAST,
  IA_SIN,
  in_ifaddr,
  sockaddr_in,
  ifa_ifwithaddr,
  ifa_ifwithaddr_check,
  ifa_ifwithdstaddr,
  ifa_ifwithnet,
  ifaof_ifpforaddr,
  inet_ntoa,
} from "./in.ts";
import {
  ICMP_PARAMPROB,
  ICMP_UNREACH,
  ICMP_UNREACH_FILTER_PROHIB,
  ICMP_UNREACH_HOST,
  ICMP_UNREACH_SRCFAIL,
  IPOPT_COPIED,
  IPOPT_EOL,
  IPOPT_LSRR,
  IPOPT_MINOFF,
  IPOPT_NOP,
  IPOPT_OFFSET,
  IPOPT_OLEN,
  IPOPT_OPTVAL,
  IPOPT_RA,
  IPOPT_RR,
  IPOPT_SSRR,
  IPOPT_TS,
  IPOPT_TS_PRESPEC,
  IPOPT_TS_TSANDADDR,
  IPOPT_TS_TSONLY,
  IPVERSION,
  IPH_DST,
  IP_HDRLEN,
  IPH_LEN,
  IP_MAXPACKET,
  IPH_SRC,
  IPH_VHL,
} from "./ip.ts";
import {
  IPCTL_ACCEPTSOURCEROUTE,
  IPCTL_SOURCEROUTE,
  IPOPT_DST,
  IPOPT_LIST,
  IPSTAT_INC,
  MAX_IPOPTLEN,
  _net_inet_ip,
  ips_badoptions,
  ips_cantforward,
} from "./ip_var.ts";
import { icmp_error, iptime } from "./ip_icmp.ts";
import { ip_forward, ipforwarding } from "./ip_input.ts";

const LOG_WARNING = 4;

/** struct sockaddr_in ipaddr on ip_dooptions' stack. */
const ipaddr = new sockaddr_in();

function ifatoia(ifa: ifaddr | null): in_ifaddr | null {
  return ifa instanceof in_ifaddr ? ifa : null;
}
function sin(addr: number): sockaddr_in {
  ipaddr.sin_addr = addr;
  return ipaddr;
}

const ip_dosourceroute = VNET_DEFINE_INT("ip_dosourceroute", 0);
SYSCTL_INT(_net_inet_ip, IPCTL_SOURCEROUTE, "sourceroute", CTLFLAG_VNET | CTLFLAG_RW, ip_dosourceroute, 0, "Enable forwarding source routed IP packets");

const ip_acceptsourceroute = VNET_DEFINE_INT("ip_acceptsourceroute", 0);
SYSCTL_INT(_net_inet_ip, IPCTL_ACCEPTSOURCEROUTE, "accept_sourceroute", CTLFLAG_VNET | CTLFLAG_RW, ip_acceptsourceroute, 0, "Enable accepting source routed IP packets");

/** V_ip_doopts: 0 = ignore options, 1 = process them, 2 = reject. */
export const ip_doopts = VNET_DEFINE_INT("ip_doopts", 1);
SYSCTL_INT(_net_inet_ip, OID_AUTO, "process_options", CTLFLAG_VNET | CTLFLAG_RW, ip_doopts, 0, "Enable IP options processing ([LS]SRR, RR, TS)");

/** m_tag type of a saved source route (sys/mbuf.h). */
export const PACKET_TAG_IPOPTIONS = 19;

/**
 * struct ipopt_tag: a received source route, saved for the reply.
 * ip_srcrt is struct ipoptrt: the final destination, then one NOP, then
 * the option's OPTVAL/OLEN/OFFSET bytes followed by the addresses
 * (srcrt below holds those last two, contiguous as in C).
 */
export class ipopt_tag implements m_tag {
  readonly m_tag_id = PACKET_TAG_IPOPTIONS;
  ip_nhops = 0;
  ip_srcrt_dst = 0;
  /** srcopt[IPOPT_OFFSET + 1] then route[MAX_IPOPTLEN / 4]. */
  readonly ip_srcrt = new Uint8Array(IPOPT_OFFSET + 1 + MAX_IPOPTLEN);

  /** m_tag_copy: the saved route, as bytes of the copy's own. */
  m_tag_copy(): ipopt_tag {
    const t = new ipopt_tag();
    t.ip_nhops = this.ip_nhops;
    t.ip_srcrt_dst = this.ip_srcrt_dst;
    t.ip_srcrt.set(this.ip_srcrt);
    return t;
  }
}
/** sizeof(struct ipoptrt). */
const SIZEOF_IPOPTRT = 4 + 1 + IPOPT_OFFSET + 1 + MAX_IPOPTLEN;
/** sizeof(nop) + sizeof(srcopt). */
const OPTSIZ = 1 + IPOPT_OFFSET + 1;

function ipopt_tag_find(m: mbuf): ipopt_tag | null {
  const tags = m.m_pkthdr.tags;
  if (tags === null) return null;
  for (const t of tags) if (t instanceof ipopt_tag) return t;
  return null;
}

function ipopt_tag_delete(m: mbuf, tag: ipopt_tag): void {
  const tags = m.m_pkthdr.tags;
  if (tags === null) return;
  const i = tags.indexOf(tag);
  if (i >= 0) tags.splice(i, 1);
  if (tags.length === 0) m.m_pkthdr.tags = null;
}

function ip_ntoa_at(m: mbuf, off: number): string {
  return inet_ntoa(m.m_dv.getUint32(m.m_data + off));
}

/**
 * ip_dooptions(m, pass): process the options of the datagram at m_data.
 * Returns 1 when the datagram is gone (an ICMP error was sent, it was
 * dropped, or it was forwarded along its source route), 0 to go on.  `pass`
 * is for IPSTEALTH, which is not configured here.
 */
export function ip_dooptions(m: mbuf, _pass: number): number {
  const buf = m.m_buf;
  const dv = m.m_dv;
  const ip = m.m_data;
  let type = ICMP_PARAMPROB;
  let code = 0;
  let forward = false;

  if (VNET_I32(ip_doopts) === 0) return 0;
  bad: {
    if (VNET_I32(ip_doopts) === 2) {
      type = ICMP_UNREACH;
      code = ICMP_UNREACH_FILTER_PROHIB;
      break bad;
    }

    const dst = dv.getUint32(ip + IPH_DST);
    let cp = ip + IP_HDRLEN;
    let cnt = ((buf[ip + IPH_VHL] & 0x0f) << 2) - IP_HDRLEN;
    let optlen = 0;
    for (; cnt > 0; cnt -= optlen, cp += optlen) {
      const opt = buf[cp + IPOPT_OPTVAL];
      if (opt === IPOPT_EOL) break;
      if (opt === IPOPT_NOP) {
        optlen = 1;
      } else {
        if (cnt < IPOPT_OLEN + 1) {
          code = cp + IPOPT_OLEN - ip;
          break bad;
        }
        optlen = buf[cp + IPOPT_OLEN];
        if (optlen < IPOPT_OLEN + 1 || optlen > cnt) {
          code = cp + IPOPT_OLEN - ip;
          break bad;
        }
      }
      switch (opt) {
        default:
          break;

        // LSRR/SSRR: until the datagram reaches the hop the route names, a
        // strict route fails and a loose one just travels on; at that hop
        // our address is written into the route and the next hop aimed at.
        case IPOPT_LSRR:
        case IPOPT_SSRR: {
          if (optlen < IPOPT_OFFSET + 1) {
            code = cp + IPOPT_OLEN - ip;
            break bad;
          }
          let off = buf[cp + IPOPT_OFFSET];
          if (off < IPOPT_MINOFF) {
            code = cp + IPOPT_OFFSET - ip;
            break bad;
          }
          const cur = dv.getUint32(ip + IPH_DST);
          if (ifa_ifwithaddr_check(sin(cur)) === 0) {
            if (opt === IPOPT_SSRR) {
              type = ICMP_UNREACH;
              code = ICMP_UNREACH_SRCFAIL;
              break bad;
            }
            if (VNET_I32(ip_dosourceroute) === 0) {
              nosourcerouting(m);
              type = ICMP_UNREACH;
              code = ICMP_UNREACH_SRCFAIL;
              break bad;
            }
            // Loose, and not at the next hop yet: just forward.
            break;
          }
          off--; // the pointer counts from 1
          if (off > optlen - 4) {
            // The route is used up: we are its final destination.
            if (VNET_I32(ip_acceptsourceroute) === 0) {
              nosourcerouting(m);
              type = ICMP_UNREACH;
              code = ICMP_UNREACH_SRCFAIL;
              break bad;
            }
            save_rte(m, cp, dv.getUint32(ip + IPH_SRC));
            break;
          }
          if (VNET_I32(ip_dosourceroute) === 0) {
            if (VNET_I32(ipforwarding) !== 0) {
              // Forwarding on: tell the sender its source route failed.
              nosourcerouting(m);
              type = ICMP_UNREACH;
              code = ICMP_UNREACH_SRCFAIL;
              break bad;
            }
            // Forwarding off: a host drops it without a word.
            IPSTAT_INC(ips_cantforward);
            m_freem(m);
            return 1;
          }
          // The outgoing interface for the next hop.
          const next = dv.getUint32(cp + off);
          type = ICMP_UNREACH;
          code = ICMP_UNREACH_SRCFAIL;
          if (opt === IPOPT_SSRR) {
            let ia = ifatoia(ifa_ifwithdstaddr(sin(next), RT_ALL_FIBS));
            if (ia === null) ia = ifatoia(ifa_ifwithnet(sin(next), 0, RT_ALL_FIBS));
            if (ia === null) break bad;
            dv.setUint32(cp + off, IA_SIN(ia));
          } else {
            const nh = fib4_lookup(M_GETFIB(m), next, 0, NHR_NONE, 0);
            if (nh === null) break bad;
            dv.setUint32(cp + off, IA_SIN(nh.nh_ifa as in_ifaddr));
          }
          dv.setUint32(ip + IPH_DST, next);
          buf[cp + IPOPT_OFFSET] += 4;
          // Multicast next hops are left to ip_input's multicast checks.
          forward = !IN_MULTICAST(next);
          break;
        }

        case IPOPT_RR: {
          if (optlen < IPOPT_OFFSET + 1) {
            code = cp + IPOPT_OFFSET - ip;
            break bad;
          }
          let off = buf[cp + IPOPT_OFFSET];
          if (off < IPOPT_MINOFF) {
            code = cp + IPOPT_OFFSET - ip;
            break bad;
          }
          // The route is full: leave it as it is.
          off--;
          if (off > optlen - 4) break;
          const cur = dv.getUint32(ip + IPH_DST);
          // Write down the address it leaves from, or, when it has arrived,
          // the address it came to.
          const ia = ifatoia(ifa_ifwithaddr(sin(cur)));
          if (ia !== null) {
            dv.setUint32(cp + off, IA_SIN(ia));
          } else {
            const nh = fib4_lookup(M_GETFIB(m), cur, 0, NHR_NONE, 0);
            if (nh === null) {
              type = ICMP_UNREACH;
              code = ICMP_UNREACH_HOST;
              break bad;
            }
            dv.setUint32(cp + off, IA_SIN(nh.nh_ifa as in_ifaddr));
          }
          buf[cp + IPOPT_OFFSET] += 4;
          break;
        }

        case IPOPT_TS: {
          code = cp - ip;
          if (optlen < 4 || optlen > 40) {
            code = cp + IPOPT_OLEN - ip;
            break bad;
          }
          let off = buf[cp + IPOPT_OFFSET];
          if (off < 5) {
            code = cp + IPOPT_OLEN - ip;
            break bad;
          }
          if (off > optlen - 4) {
            // Full: count the overflow in the high nibble of the flags.
            buf[cp + IPOPT_OFFSET + 1] = (buf[cp + IPOPT_OFFSET + 1] + (1 << 4)) & 0xff;
            if ((buf[cp + IPOPT_OFFSET + 1] & 0xf0) === 0) {
              code = cp + IPOPT_OFFSET - ip;
              break bad;
            }
            break;
          }
          off--; // the pointer counts from 1
          const tsp = cp + off;
          let skip = false;
          switch (buf[cp + IPOPT_OFFSET + 1] & 0x0f) {
            case IPOPT_TS_TSONLY:
              break;
            case IPOPT_TS_TSANDADDR: {
              if (off + 4 + 4 > optlen) {
                code = cp + IPOPT_OFFSET - ip;
                break bad;
              }
              const rcvif = m.m_pkthdr.rcvif as ifnet | null;
              const ia = rcvif === null ? null : ifatoia(ifaof_ifpforaddr(sin(dst), rcvif));
              if (ia === null) {
                skip = true;
                break;
              }
              dv.setUint32(tsp, IA_SIN(ia));
              buf[cp + IPOPT_OFFSET] += 4;
              off += 4;
              break;
            }
            case IPOPT_TS_PRESPEC: {
              if (off + 4 + 4 > optlen) {
                code = cp + IPOPT_OFFSET - ip;
                break bad;
              }
              if (ifa_ifwithaddr_check(sin(dv.getUint32(tsp))) === 0) {
                skip = true;
                break;
              }
              buf[cp + IPOPT_OFFSET] += 4;
              off += 4;
              break;
            }
            default:
              code = cp + IPOPT_OFFSET + 1 - ip;
              break bad;
          }
          // (the `continue` of C: not our turn to stamp)
          if (skip) break;
          dv.setUint32(cp + off, iptime());
          buf[cp + IPOPT_OFFSET] += 4;
          break;
        }
      }
    }
    if (forward && VNET_I32(ipforwarding) !== 0) {
      ip_forward(m, true);
      return 1;
    }
    return 0;
  }
  icmp_error(m, type, code, 0, 0);
  IPSTAT_INC(ips_badoptions);
  return 1;
}

function nosourcerouting(m: mbuf): void {
  log(LOG_WARNING, `attempted source route from ${ip_ntoa_at(m, IPH_SRC)} to ${ip_ntoa_at(m, IPH_DST)}\n`);
}

/**
 * save_rte: keep a received source route (the option at m_buf[option]) for
 * ip_srcroute, should the receiver want to answer along it.
 */
function save_rte(m: mbuf, option: number, dst: number): void {
  const olen = m.m_buf[option + IPOPT_OLEN];
  if (olen > SIZEOF_IPOPTRT - (1 + 4)) return;
  const opts = new ipopt_tag();
  opts.ip_srcrt.set(m.m_buf.subarray(option, option + olen), 0);
  opts.ip_nhops = Math.floor((olen - IPOPT_OFFSET - 1) / 4);
  opts.ip_srcrt_dst = dst;
  const tags = m.m_pkthdr.tags;
  if (tags === null) m.m_pkthdr.tags = [opts];
  else tags.unshift(opts);
}

/**
 * ip_srcroute(m0): the saved source route, reversed, as an options mbuf in
 * the form ip_pcbopts makes (first hop in front).  The tag is used up.
 */
export function ip_srcroute(m0: mbuf): mbuf | null {
  const opts = ipopt_tag_find(m0);
  if (opts === null) return null;
  if (opts.ip_nhops === 0) return null;
  const m = m_get(M_NOWAIT, MT_DATA);
  if (m === null) return null;
  const rt = opts.ip_srcrt;
  const route = (i: number): number => ((rt[3 + 4 * i] << 24) | (rt[4 + 4 * i] << 16) | (rt[5 + 4 * i] << 8) | rt[6 + 4 * i]) >>> 0;
  // Room for the option header, the NOP, and one address more than the
  // hops recorded.
  m.m_len = opts.ip_nhops * 4 + 4 + OPTSIZ;
  const dv = m.m_dv;
  let p = opts.ip_nhops - 1;
  // The first hop of the way back goes in front, as ipopt_dst.
  dv.setUint32(m.m_data, route(p--));
  m.m_buf[m.m_data + 4] = IPOPT_NOP;
  m.m_buf[m.m_data + 5] = rt[IPOPT_OPTVAL];
  m.m_buf[m.m_data + 6] = rt[IPOPT_OLEN];
  m.m_buf[m.m_data + 7] = IPOPT_MINOFF;
  let q = m.m_data + 4 + OPTSIZ;
  // The rest of the way, reversed.
  while (p >= 0) {
    dv.setUint32(q, route(p--));
    q += 4;
  }
  // And the final destination: where the datagram came from.
  dv.setUint32(q, opts.ip_srcrt_dst);
  ipopt_tag_delete(m0, opts);
  return m;
}

/** ip_stripoptions(m): remove the options of the header at m_data. */
export function ip_stripoptions(m: mbuf): void {
  const ip = m.m_data;
  const olen = ((m.m_buf[ip + IPH_VHL] & 0x0f) << 2) - IP_HDRLEN;
  m.m_len -= olen;
  if ((m.m_flags & M_PKTHDR) !== 0) m.m_pkthdr.len -= olen;
  m.m_dv.setUint16(ip + IPH_LEN, m.m_dv.getUint16(ip + IPH_LEN) - olen);
  m.m_buf[ip + IPH_VHL] = (m.m_buf[ip + IPH_VHL] & 0xf0) | (IP_HDRLEN >> 2);
  m.m_buf.copyWithin(ip + IP_HDRLEN, ip + IP_HDRLEN + olen, ip + IP_HDRLEN + olen + (m.m_len - IP_HDRLEN));
}

/**
 * ip_insertoptions(m, opt, phlen): put the options of `opt` (a struct
 * ipoption mbuf) into the datagram, which must have none yet.  A non-zero
 * ipopt_dst (source routing) becomes the destination.  phlen.v gets the new
 * header length, or 0 when nothing was inserted.
 */
export function ip_insertoptions(m: mbuf, opt: mbuf, phlen: { v: number }): mbuf {
  const p = opt.m_data;
  let ip = m.m_data;
  const optlen = opt.m_len - 4;
  if (optlen + m.m_dv.getUint16(ip + IPH_LEN) > IP_MAXPACKET) {
    phlen.v = 0;
    return m; // too long with them: sent without (FreeBSD does not fail here either)
  }
  const ipopt_dst = opt.m_dv.getUint32(p + IPOPT_DST);
  if (ipopt_dst !== 0) m.m_dv.setUint32(ip + IPH_DST, ipopt_dst);
  if (!M_WRITABLE(m) || M_LEADINGSPACE(m) < optlen) {
    const n = m_gethdr(M_NOWAIT, MT_DATA);
    if (n === null) {
      phlen.v = 0;
      return m;
    }
    m_move_pkthdr(n, m);
    n.m_pkthdr.rcvif = null;
    n.m_pkthdr.len += optlen;
    m.m_len -= IP_HDRLEN;
    m.m_data += IP_HDRLEN;
    n.m_next = m;
    n.m_len = optlen + IP_HDRLEN;
    n.m_data += max_linkhdr;
    n.m_buf.set(m.m_buf.subarray(ip, ip + IP_HDRLEN), n.m_data);
    m = n;
  } else {
    m.m_data -= optlen;
    m.m_len += optlen;
    m.m_pkthdr.len += optlen;
    m.m_buf.copyWithin(m.m_data, ip, ip + IP_HDRLEN);
  }
  ip = m.m_data;
  m.m_buf.set(opt.m_buf.subarray(p + IPOPT_LIST, p + IPOPT_LIST + optlen), ip + IP_HDRLEN);
  phlen.v = IP_HDRLEN + optlen;
  m.m_buf[ip + IPH_VHL] = (IPVERSION << 4) | (phlen.v >> 2);
  m.m_dv.setUint16(ip + IPH_LEN, m.m_dv.getUint16(ip + IPH_LEN) + optlen);
  return m;
}

/**
 * ip_optcopy(ip, jp): copy the options of the header at m.m_buf[ip] that
 * go into every fragment to the header at n.m_buf[jp]; returns their
 * padded length.
 */
export function ip_optcopy(m: mbuf, ip: number, n: mbuf, jp: number): number {
  const src = m.m_buf;
  const dstb = n.m_buf;
  let cp = ip + IP_HDRLEN;
  let dp = jp + IP_HDRLEN;
  let cnt = ((src[ip + IPH_VHL] & 0x0f) << 2) - IP_HDRLEN;
  let optlen = 0;
  for (; cnt > 0; cnt -= optlen, cp += optlen) {
    const opt = src[cp];
    if (opt === IPOPT_EOL) break;
    if (opt === IPOPT_NOP) {
      // NOPs go along too: a multicast tunnel's LSRR relies on them for
      // alignment.
      dstb[dp++] = IPOPT_NOP;
      optlen = 1;
      continue;
    }
    optlen = src[cp + IPOPT_OLEN];
    // ip_dooptions refused malformed lengths before this runs.
    if (optlen > cnt) optlen = cnt;
    // (FreeBSD asserts these; a zero length would never end the loop.)
    if (optlen < 2) optlen = cnt;
    if (IPOPT_COPIED(opt) !== 0) {
      dstb.set(src.subarray(cp, cp + optlen), dp);
      dp += optlen;
    }
  }
  for (optlen = dp - (jp + IP_HDRLEN); (optlen & 0x3) !== 0; optlen++) dstb[dp++] = IPOPT_EOL;
  return optlen;
}

/**
 * ip_checkrouteralert(m): is there a Router Alert option (RFC 2113)?  For
 * protocols (IGMP) that must see such datagrams.
 */
export function ip_checkrouteralert(m: mbuf): boolean {
  const buf = m.m_buf;
  const ip = m.m_data;
  let cp = ip + IP_HDRLEN;
  let cnt = ((buf[ip + IPH_VHL] & 0x0f) << 2) - IP_HDRLEN;
  let found_ra = false;
  let optlen = 0;
  for (; cnt > 0; cnt -= optlen, cp += optlen) {
    const opt = buf[cp + IPOPT_OPTVAL];
    if (opt === IPOPT_EOL) break;
    if (opt === IPOPT_NOP) {
      optlen = 1;
    } else {
      if (cnt < IPOPT_OLEN + 1) break;
      optlen = buf[cp + IPOPT_OLEN];
      if (optlen < IPOPT_OLEN + 1 || optlen > cnt) break;
    }
    if (opt === IPOPT_RA) {
      if (optlen === IPOPT_OFFSET + 2 && buf[cp + IPOPT_OFFSET] === 0 && buf[cp + IPOPT_OFFSET + 1] === 0) found_ra = true;
    }
  }
  return found_ra;
}
