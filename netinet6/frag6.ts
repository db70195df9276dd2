// sys/netinet6/frag6.c: reassembly of IPv6 fragments (RFC 8200 4.5).
//
// A fragment's datagram is found by (source, destination, identification)
// in one of 1024 per-vnet hash buckets; each datagram (struct ip6q) holds
// its fragments (struct ip6asfrag) in offset order.  FreeBSD 14's rules:
// an atomic fragment (offset 0, no M bit) is handled at once, without a
// queue (RFC 6946); a fragment that overlaps another drops the whole
// datagram, an exact duplicate only itself; a datagram that would grow past
// 65535 bytes is answered with a parameter problem pointing at the offset.
// Limits: fragments across every queue of every vnet
// (net.inet6.ip6.maxfrags, global), datagrams per vnet
// (net.inet6.ip6.maxfragpackets), datagrams per bucket
// (net.inet6.ip6.maxfragbucketsize), fragments per datagram
// (net.inet6.ip6.maxfragsperpacket).  A datagram lives IPV6_FRAGTTL ticks of
// frag6_slowtimo (two a second, 60 s); when it dies with its first fragment
// present, the sender hears ICMPv6 time exceeded (reassembly).
//
// Departures: the queue entries come from zones, so that a warm reassembly
// path allocates nothing; a vnet's bucket array is made with its first
// fragment (a thousand vnets that never see one cost nothing); and
// frag6_slowtimo's callout runs only while some datagram waits, so that an
// idle simulation has nothing scheduled.  There is no ifnet_departure_event:
// frag6_cleanup is called by whoever detaches an interface, if anyone.

import { M_ASSERTPKTHDR, M_PKTHDR, type mbuf } from "../kern/mbuf.ts";
import { m_freem, nmbclusters } from "../kern/kern_mbuf.ts";
import { m_adj, m_cat, m_copyback, m_demote, m_pullup } from "../kern/uipc_mbuf.ts";
import { uma_zone } from "../kern/uma.ts";
import { arc4random } from "../kern/arc4random.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import {
  CTLFLAG_RD,
  CTLFLAG_RW,
  CTLFLAG_VNET,
  CTLTYPE_INT,
  OID_AUTO,
  SYSCTL_INT,
  SYSCTL_PROC,
  SYSCTL_UINT,
  kvar_of,
  sysctl_handle_int,
  type kvar,
  type sysctl_handler_t,
} from "../kern/sysctl.ts";
import { SBT_1MS, callout, callout_init, callout_pending, callout_reset_sbt } from "../kern/kern_timeout.ts";
import {
  CURVNET_RESTORE,
  CURVNET_SET,
  VNET_DEFINE_INT,
  VNET_DEFINE_PTR,
  VNET_FOREACH,
  VNET_I32,
  VNET_I32_SET,
  VNET_PTR,
  VNET_PTR_SET,
} from "../net/vnet.ts";
import type { ifnet } from "../net/if.ts";
import { IPTOS_ECN_CE, IPTOS_ECN_MASK, IPTOS_ECN_NOTECT } from "../netinet/ip.ts";
import {
  IP6F_MORE_FRAG,
  IP6F_OFF_IDENT,
  IP6F_OFF_MASK,
  IP6F_OFF_NXT,
  IP6F_OFF_OFFLG,
  IP6F_RESERVED_MASK,
  IP6_FRAG_LEN,
  IP6_HDR_LEN,
  IP6_OFF_DST,
  IP6_OFF_FLOW,
  IP6_OFF_PLEN,
  IP6_OFF_SRC,
  IPV6_MAXPACKET,
} from "../netinet/ip6.ts";
import { ICMP6_PARAMPROB_HEADER, ICMP6_PARAM_PROB, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_REASSEMBLY } from "../netinet/icmp6.ts";

import { icmp6_error } from "./icmp6.ts";
import { IP6STAT_ADD, IP6STAT_INC, IPPROTO_DONE, IPV6_FRAGTTL, M_FRAGMENTED, _net_inet6_ip6, ip6s_atomicfrags, ip6s_exthdrtoolong, ip6s_fragdropped, ip6s_fragments, ip6s_fragoverflow, ip6s_fragtimeout, ip6s_reassembled, type intp, type mbufp } from "./ip6_var.ts";
import { ip6_get_prevhdr } from "./ip6_input.ts";
import { in6ifa_ifwithaddr } from "./in6.ts";
import { IPV6CTL_MAXFRAGBUCKETSIZE, IPV6CTL_MAXFRAGPACKETS, IPV6CTL_MAXFRAGS, IPV6CTL_MAXFRAGSPERPACKET } from "./in6_proto.ts";
import { in6_addr, in6_addr_read, in6_addr_write, ifs6_reass_fail, ifs6_reass_ok, ifs6_reass_reqd, in6_ifstat_inc } from "./in6_var.ts";
import { jenkins_hash32 } from "../kern/jenkins_hash.ts";

const IP6REASS_NHASH_LOG2 = 10;
const IP6REASS_NHASH = 1 << IP6REASS_NHASH_LOG2;
const IP6REASS_HMASK = IP6REASS_NHASH - 1;

/** struct ip6asfrag: one fragment of a datagram being reassembled. */
class ip6asfrag {
  /** ip6af_tq (TAILQ_ENTRY). */
  ip6af_next: ip6asfrag | null = null;
  ip6af_prev: ip6asfrag | null = null;
  ip6af_m: mbuf | null = null;
  /** Offset in ip6af_m of the fragmentable part (past the fragment header). */
  ip6af_offset = 0;
  /** Length of the fragmentable part it carries. */
  ip6af_frglen = 0;
  /** Its fragment offset. */
  ip6af_off = 0;
  /** The M (more fragments) bit. */
  ip6af_mff = false;
}

/** struct ip6q: a datagram being reassembled. */
class ip6q {
  /** ip6q_tq (TAILQ_ENTRY in its bucket). */
  ip6q_next: ip6q | null = null;
  ip6q_prev: ip6q | null = null;
  /** ip6q_frags (TAILQ_HEAD). */
  ip6q_frags_first: ip6asfrag | null = null;
  ip6q_frags_last: ip6asfrag | null = null;
  /** The identification, as its four bytes read big-endian. */
  ip6q_ident = 0;
  ip6q_nxt = 0;
  ip6q_ecn = 0;
  /** Ticks of frag6_slowtimo left. */
  ip6q_ttl = 0;
  readonly ip6q_src = new in6_addr();
  readonly ip6q_dst = new in6_addr();
  /** Length of the unfragmentable part, -1 before the first fragment. */
  ip6q_unfrglen = -1;
  ip6q_nfrag = 0;
}

/** struct ip6qbucket: a TAILQ of datagrams, newest first. */
class ip6qbucket {
  first: ip6q | null = null;
  last: ip6q | null = null;
  count = 0;
}

function frags_insert_head(q6: ip6q, af: ip6asfrag): void {
  af.ip6af_prev = null;
  af.ip6af_next = q6.ip6q_frags_first;
  if (q6.ip6q_frags_first !== null) q6.ip6q_frags_first.ip6af_prev = af;
  else q6.ip6q_frags_last = af;
  q6.ip6q_frags_first = af;
}
function frags_insert_before(q6: ip6q, before: ip6asfrag, af: ip6asfrag): void {
  af.ip6af_next = before;
  af.ip6af_prev = before.ip6af_prev;
  if (before.ip6af_prev !== null) before.ip6af_prev.ip6af_next = af;
  else q6.ip6q_frags_first = af;
  before.ip6af_prev = af;
}
function frags_insert_tail(q6: ip6q, af: ip6asfrag): void {
  af.ip6af_next = null;
  af.ip6af_prev = q6.ip6q_frags_last;
  if (q6.ip6q_frags_last !== null) q6.ip6q_frags_last.ip6af_next = af;
  else q6.ip6q_frags_first = af;
  q6.ip6q_frags_last = af;
}
function frags_remove(q6: ip6q, af: ip6asfrag): void {
  if (af.ip6af_prev !== null) af.ip6af_prev.ip6af_next = af.ip6af_next;
  else q6.ip6q_frags_first = af.ip6af_next;
  if (af.ip6af_next !== null) af.ip6af_next.ip6af_prev = af.ip6af_prev;
  else q6.ip6q_frags_last = af.ip6af_prev;
  af.ip6af_next = af.ip6af_prev = null;
}
function bucket_insert_head(b: ip6qbucket, q6: ip6q): void {
  q6.ip6q_prev = null;
  q6.ip6q_next = b.first;
  if (b.first !== null) b.first.ip6q_prev = q6;
  else b.last = q6;
  b.first = q6;
}
function bucket_remove(b: ip6qbucket, q6: ip6q): void {
  if (q6.ip6q_prev !== null) q6.ip6q_prev.ip6q_next = q6.ip6q_next;
  else b.first = q6.ip6q_next;
  if (q6.ip6q_next !== null) q6.ip6q_next.ip6q_prev = q6.ip6q_prev;
  else b.last = q6.ip6q_prev;
  q6.ip6q_next = q6.ip6q_prev = null;
}

// ---------------------------------------------------------------------------
// State.

/** System-wide (global) limit and count of fragments in reassembly queues. */
const ip6_maxfrags: kvar<number> & { v: number } = kvar_of(0);
const frag6_nfrags: kvar<number> & { v: number } = kvar_of(0);

/** Per-vnet limit and count of datagrams being reassembled. */
const ip6_maxfragpackets = VNET_DEFINE_INT("ip6_maxfragpackets", 0);
const frag6_nfragpackets = VNET_DEFINE_INT("frag6_nfragpackets", 0);
/** Per-vnet limits: datagrams per bucket, fragments per datagram. */
const ip6_maxfragbucketsize = VNET_DEFINE_INT("ip6_maxfragbucketsize", 0);
const ip6_maxfragsperpacket = VNET_DEFINE_INT("ip6_maxfragsperpacket", 0);
/** V_ip6qb (made with the first fragment) and its hash seed. */
const ip6qb = VNET_DEFINE_PTR<ip6qbucket[] | null>("ip6qb", null);
const ip6qb_hashseed = VNET_DEFINE_INT("ip6qb_hashseed", 0);
/** V_frag6_on: reassembly is set up in this vnet (not yet torn down). */
const frag6_on = VNET_DEFINE_INT("frag6_on", 0);

/** Where ip6q and ip6asfrag entries come from (malloc(M_FRAG6) in FreeBSD). */
const ip6q_zone = new uma_zone<ip6q>("ip6q", 128, 16, (n) => {
  const items: ip6q[] = [];
  for (let i = 0; i < n; i++) items.push(new ip6q());
  return items;
});
const ip6asfrag_zone = new uma_zone<ip6asfrag>("ip6asfrag", 48, 64, (n) => {
  const items: ip6asfrag[] = [];
  for (let i = 0; i < n; i++) items.push(new ip6asfrag());
  return items;
});

/** Datagrams waiting in every vnet: frag6_slowtimo runs while there are any. */
let frag6_queues = 0;
const frag6_callout = new callout();
callout_init(frag6_callout, true);

function IP6_MAXFRAGS(): number {
  return Math.floor(nmbclusters / 32);
}
function IP6_MAXFRAGPACKETS(): number {
  return Math.min(IP6_MAXFRAGS(), IP6REASS_NHASH * 50);
}

function V_ip6qb(): ip6qbucket[] {
  let b = VNET_PTR(ip6qb);
  if (b === null) {
    b = new Array<ip6qbucket>(IP6REASS_NHASH);
    for (let i = 0; i < IP6REASS_NHASH; i++) b[i] = new ip6qbucket();
    VNET_PTR_SET(ip6qb, b);
  }
  return b;
}

// ---------------------------------------------------------------------------
// sysctls.

SYSCTL_UINT(_net_inet6_ip6, OID_AUTO, "frag6_nfrags", CTLFLAG_RD, frag6_nfrags, 0, "Global number of IPv6 fragments across all reassembly queues.");

/** frag6_set_bucketsize: the bucket limit follows the datagram limit. */
function frag6_set_bucketsize(): void {
  const i = VNET_I32(ip6_maxfragpackets);
  if (i > 0) VNET_I32_SET(ip6_maxfragbucketsize, Math.max(Math.floor(i / (IP6REASS_NHASH / 2)), 1));
}

SYSCTL_INT(
  _net_inet6_ip6,
  IPV6CTL_MAXFRAGS,
  "maxfrags",
  CTLFLAG_RW,
  ip6_maxfrags,
  0,
  "Maximum allowed number of outstanding IPv6 packet fragments. A value of 0 means no fragmented packets will be accepted, while a a value of -1 means no limit",
);

const sysctl_ip6_maxfragpackets: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const val = kvar_of(VNET_I32(ip6_maxfragpackets));
  const error = sysctl_handle_int(oidp, val, 0, req);
  if (error !== 0 || req.newval === null) return error;
  VNET_I32_SET(ip6_maxfragpackets, val.v);
  frag6_set_bucketsize();
  return 0;
};
SYSCTL_PROC(
  _net_inet6_ip6,
  IPV6CTL_MAXFRAGPACKETS,
  "maxfragpackets",
  CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_RW,
  null,
  0,
  sysctl_ip6_maxfragpackets,
  "I",
  "Default maximum number of outstanding fragmented IPv6 packets. A value of 0 means no fragmented packets will be accepted, while a a value of -1 means no limit",
);
SYSCTL_UINT(_net_inet6_ip6, OID_AUTO, "frag6_nfragpackets", CTLFLAG_VNET | CTLFLAG_RD, frag6_nfragpackets, 0, "Per-VNET number of IPv6 fragments across all reassembly queues.");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_MAXFRAGSPERPACKET, "maxfragsperpacket", CTLFLAG_VNET | CTLFLAG_RW, ip6_maxfragsperpacket, 0, "Maximum allowed number of fragments per packet");
SYSCTL_INT(_net_inet6_ip6, IPV6CTL_MAXFRAGBUCKETSIZE, "maxfragbucketsize", CTLFLAG_VNET | CTLFLAG_RW, ip6_maxfragbucketsize, 0, "Maximum number of reassembly queues per hash bucket");


/** (source, destination, identification): nine 32-bit words. */
const hashkey = new Uint32Array(9);
/** The datagram's addresses, read out of the fragment. */
const frag_dst = new in6_addr();
/** m_copyback's one byte (the restored next header). */
const nxt_byte = new Uint8Array(1);

function addr_equal_at(buf: Uint8Array, o: number, a: in6_addr): boolean {
  const s = a.s6_addr;
  for (let i = 0; i < 16; i++) if (buf[o + i] !== s[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------

/**
 * ip6_deletefraghdr(m, offset): take the 8-byte fragment header at
 * `offset` out of the packet by moving what is in front of it (the IPv6
 * header and the unfragmentable extension headers) 8 bytes on.
 */
export function ip6_deletefraghdr(m: mbuf, offset: number, _wait: number): number {
  KASSERT(m.m_len >= offset + IP6_FRAG_LEN, `ip6_deletefraghdr: ext headers not contigous in mbuf m_len ${m.m_len} >= offset ${offset} + ${IP6_FRAG_LEN}`);
  m.m_buf.copyWithin(m.m_data + IP6_FRAG_LEN, m.m_data, m.m_data + offset);
  m.m_data += IP6_FRAG_LEN;
  m.m_len -= IP6_FRAG_LEN;
  m.m_flags |= M_FRAGMENTED;
  return 0;
}

/**
 * frag6_freef: free a datagram and its fragments.  The first fragment, if
 * it is there and its interface still is, goes back to the sender in an
 * ICMPv6 time exceeded (reassembly) with its addresses restored.
 */
function frag6_freef(q6: ip6q, b: ip6qbucket): void {
  let af6: ip6asfrag | null;
  while ((af6 = q6.ip6q_frags_first) !== null) {
    const m = af6.ip6af_m as mbuf;
    frags_remove(q6, af6);
    af6.ip6af_m = null;
    if (af6.ip6af_off === 0 && m.m_pkthdr.rcvif !== null) {
      in6_addr_write(m.m_buf, m.m_data + IP6_OFF_SRC, q6.ip6q_src);
      in6_addr_write(m.m_buf, m.m_data + IP6_OFF_DST, q6.ip6q_dst);
      icmp6_error(m, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_REASSEMBLY, 0);
    } else {
      m_freem(m);
    }
    ip6asfrag_zone.uma_zfree(af6);
  }
  bucket_remove(b, q6);
  b.count--;
  frag6_nfrags.v -= q6.ip6q_nfrag;
  q6.ip6q_nfrag = 0;
  ip6q_zone.uma_zfree(q6);
  VNET_I32_SET(frag6_nfragpackets, VNET_I32(frag6_nfragpackets) - 1);
  frag6_queues--;
}

/**
 * frag6_cleanup(ifp): an interface is going away: the fragments that came
 * in on it forget it (the rcvif FreeBSD clears on ifnet_departure_event).
 */
export function frag6_cleanup(ifp: ifnet): void {
  const buckets = VNET_PTR(ip6qb);
  if (VNET_I32(frag6_on) === 0 || buckets === null) return;
  for (let i = 0; i < IP6REASS_NHASH; i++)
    for (let q6 = buckets[i].first; q6 !== null; q6 = q6.ip6q_next)
      for (let af6 = q6.ip6q_frags_first; af6 !== null; af6 = af6.ip6af_next) {
        const m = af6.ip6af_m as mbuf;
        if (m.m_pkthdr.rcvif === ifp) m.m_pkthdr.rcvif = null;
      }
}

/** Take a new datagram out of its bucket again (it never held a fragment). */
function frag6_unqueue_new(b: ip6qbucket, q6: ip6q): void {
  bucket_remove(b, q6);
  b.count--;
  VNET_I32_SET(frag6_nfragpackets, VNET_I32(frag6_nfragpackets) - 1);
  frag6_queues--;
  ip6q_zone.uma_zfree(q6);
}

/**
 * frag6_input: the fragment header at *offp.  Returns the next header and
 * sets *mp/*offp to the whole datagram when this fragment completed it (or
 * was an atomic fragment); otherwise IPPROTO_DONE with *mp null (queued, or
 * dropped and counted, or answered with an ICMPv6 error).
 */
export function frag6_input(mp: mbufp, offp: intp, _proto: number): number {
  let m = mp.m as mbuf;
  let offset = offp.v;
  M_ASSERTPKTHDR(m);

  if (m.m_len < offset + IP6_FRAG_LEN) {
    const n = m_pullup(m, offset + IP6_FRAG_LEN);
    if (n === null) {
      IP6STAT_INC(ip6s_exthdrtoolong);
      mp.m = null;
      return IPPROTO_DONE;
    }
    m = n;
  }
  let ip6 = m.m_data;
  const buf = m.m_buf;
  const dv = m.m_dv;

  // The destination interface of the packet, for its counters.
  let dstifp: ifnet | null = null;
  const ia6 = in6ifa_ifwithaddr(in6_addr_read(buf, ip6 + IP6_OFF_DST, frag_dst), 0);
  if (ia6 !== null) dstifp = ia6.ia_ifp;

  // A jumbo payload cannot contain a fragment header.
  const ip6_plen = dv.getUint16(ip6 + IP6_OFF_PLEN);
  if (ip6_plen === 0) {
    icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, offset);
    in6_ifstat_inc(dstifp, ifs6_reass_fail);
    mp.m = null;
    return IPPROTO_DONE;
  }

  // Every fragment but the last carries a multiple of 8 bytes.
  const ip6f = ip6 + offset;
  const offlg = dv.getUint16(ip6f + IP6F_OFF_OFFLG);
  if ((offlg & IP6F_MORE_FRAG) !== 0 && ((ip6_plen - offset) & 0x7) !== 0) {
    icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, IP6_OFF_PLEN);
    in6_ifstat_inc(dstifp, ifs6_reass_fail);
    mp.m = null;
    return IPPROTO_DONE;
  }

  IP6STAT_INC(ip6s_fragments);
  in6_ifstat_inc(dstifp, ifs6_reass_reqd);

  // An atomic fragment (offset 0, no M bit) is a whole datagram: the
  // fragment header goes, and the previous header names what followed it
  // (RFC 6946, RFC 8200 4.5).
  if ((offlg & ~IP6F_RESERVED_MASK) === 0) {
    IP6STAT_INC(ip6s_atomicfrags);
    const nxt = buf[ip6f + IP6F_OFF_NXT];
    nxt_byte[0] = nxt;
    m_copyback(m, ip6_get_prevhdr(m, offset), 1, nxt_byte);
    dv.setUint16(ip6 + IP6_OFF_PLEN, ip6_plen - IP6_FRAG_LEN);
    ip6_deletefraghdr(m, offset, 0);
    m.m_pkthdr.len -= IP6_FRAG_LEN;
    in6_ifstat_inc(dstifp, ifs6_reass_ok);
    mp.m = m;
    return nxt;
  }

  // From here on offset is where the fragment's data starts.
  offset += IP6_FRAG_LEN;

  // A fragment without data is refused.
  const frgpartlen = IP6_HDR_LEN + ip6_plen - offset;
  if (frgpartlen === 0) {
    icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, IP6_OFF_PLEN);
    in6_ifstat_inc(dstifp, ifs6_reass_fail);
    IP6STAT_INC(ip6s_fragdropped);
    mp.m = null;
    return IPPROTO_DONE;
  }

  // The system-wide limit on fragments (0: none accepted, -1: no limit).
  if (ip6_maxfrags.v >= 0 && frag6_nfrags.v >= ip6_maxfrags.v) return frag6_dropfrag(mp, m, dstifp);

  // (RFC 7112's whole-header-chain check on the first fragment is an XXX
  // in FreeBSD 14 too.)
  const fragoff = offlg & IP6F_OFF_MASK;
  const srcifp = m.m_pkthdr.rcvif;

  // The bucket.
  for (let i = 0; i < 4; i++) {
    hashkey[i] = dv.getUint32(ip6 + IP6_OFF_SRC + i * 4);
    hashkey[4 + i] = dv.getUint32(ip6 + IP6_OFF_DST + i * 4);
  }
  const ident = dv.getUint32(ip6f + IP6F_OFF_IDENT);
  hashkey[8] = ident;
  const bucket = jenkins_hash32(hashkey, 9, VNET_I32(ip6qb_hashseed)) & IP6REASS_HMASK;
  const b = V_ip6qb()[bucket];

  let q6: ip6q | null;
  for (q6 = b.first; q6 !== null; q6 = q6.ip6q_next)
    if (ident === q6.ip6q_ident && addr_equal_at(buf, ip6 + IP6_OFF_SRC, q6.ip6q_src) && addr_equal_at(buf, ip6 + IP6_OFF_DST, q6.ip6q_dst)) break;

  let only_frag = false;
  if (q6 === null) {
    // The first fragment to arrive makes the datagram's queue, within the
    // limits (0: none accepted, -1: no limit).
    only_frag = true;
    const maxp = VNET_I32(ip6_maxfragpackets);
    if (maxp >= 0 && (b.count >= VNET_I32(ip6_maxfragbucketsize) || VNET_I32(frag6_nfragpackets) >= maxp)) return frag6_dropfrag(mp, m, dstifp);
    q6 = ip6q_zone.uma_zalloc();
    if (q6 === null) return frag6_dropfrag(mp, m, dstifp);
    VNET_I32_SET(frag6_nfragpackets, VNET_I32(frag6_nfragpackets) + 1);
    frag6_queues++;
    q6.ip6q_frags_first = q6.ip6q_frags_last = null;
    q6.ip6q_ident = ident;
    q6.ip6q_ttl = IPV6_FRAGTTL;
    q6.ip6q_nxt = 0;
    q6.ip6q_nfrag = 0;
    in6_addr_read(buf, ip6 + IP6_OFF_SRC, q6.ip6q_src);
    in6_addr_read(buf, ip6 + IP6_OFF_DST, q6.ip6q_dst);
    q6.ip6q_ecn = (dv.getUint32(ip6 + IP6_OFF_FLOW) >>> 20) & IPTOS_ECN_MASK;
    q6.ip6q_unfrglen = -1;
    bucket_insert_head(b, q6);
    b.count++;
    if (!callout_pending(frag6_callout)) callout_reset_sbt(frag6_callout, SBT_1MS * 500, frag6_slowtimo, null);
  }

  // The first fragment to come tells the length of the unfragmentable part
  // and the next header; a later "first" one changes nothing.
  if (fragoff === 0 && q6.ip6q_unfrglen === -1) {
    q6.ip6q_unfrglen = offset - IP6_HDR_LEN - IP6_FRAG_LEN;
    q6.ip6q_nxt = buf[ip6f + IP6F_OFF_NXT];
  }

  // The datagram may not grow past 65535 bytes: the offending fragment is
  // answered with a parameter problem pointing at its offset field.
  const tooBig = q6.ip6q_unfrglen >= 0 ? q6.ip6q_unfrglen + fragoff + frgpartlen > IPV6_MAXPACKET : fragoff + frgpartlen > IPV6_MAXPACKET;
  if (tooBig) {
    if (only_frag) frag6_unqueue_new(b, q6);
    icmp6_error(m, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, offset - IP6_FRAG_LEN + IP6F_OFF_OFFLG);
    mp.m = null;
    return IPPROTO_DONE;
  }

  // The first fragment arriving late: the same check for those waiting.
  if (fragoff === 0 && !only_frag) {
    let af6 = q6.ip6q_frags_first;
    while (af6 !== null) {
      const next: ip6asfrag | null = af6.ip6af_next;
      if (q6.ip6q_unfrglen + af6.ip6af_off + af6.ip6af_frglen > IPV6_MAXPACKET) {
        const merr = af6.ip6af_m as mbuf;
        const erroff = af6.ip6af_offset;
        frags_remove(q6, af6);
        af6.ip6af_m = null;
        q6.ip6q_nfrag--;
        frag6_nfrags.v--;
        ip6asfrag_zone.uma_zfree(af6);
        merr.m_pkthdr.rcvif = srcifp;
        in6_addr_write(merr.m_buf, merr.m_data + IP6_OFF_SRC, q6.ip6q_src);
        in6_addr_write(merr.m_buf, merr.m_data + IP6_OFF_DST, q6.ip6q_dst);
        icmp6_error(merr, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_HEADER, erroff - IP6_FRAG_LEN + IP6F_OFF_OFFLG);
      }
      af6 = next;
    }
  }

  const ip6af = ip6asfrag_zone.uma_zalloc();
  if (ip6af === null) return frag6_dropfrag(mp, m, dstifp);
  ip6af.ip6af_mff = (offlg & IP6F_MORE_FRAG) !== 0;
  ip6af.ip6af_off = fragoff;
  ip6af.ip6af_frglen = frgpartlen;
  ip6af.ip6af_offset = offset;
  ip6af.ip6af_m = m;

  if (only_frag) {
    frags_insert_head(q6, ip6af);
  } else {
    // ECN: keep CE once a fragment had it; CE and not-ECT do not mix.
    const ecn = (dv.getUint32(ip6 + IP6_OFF_FLOW) >>> 20) & IPTOS_ECN_MASK;
    const ecn0 = q6.ip6q_ecn;
    if (ecn === IPTOS_ECN_CE) {
      if (ecn0 === IPTOS_ECN_NOTECT) return frag6_dropaf(mp, m, dstifp, ip6af);
      if (ecn0 !== IPTOS_ECN_CE) q6.ip6q_ecn = IPTOS_ECN_CE;
    }
    if (ecn === IPTOS_ECN_NOTECT && ecn0 !== IPTOS_ECN_NOTECT) return frag6_dropaf(mp, m, dstifp, ip6af);

    // The first fragment that starts after this one.
    let af6: ip6asfrag | null;
    for (af6 = q6.ip6q_frags_first; af6 !== null; af6 = af6.ip6af_next) if (af6.ip6af_off > ip6af.ip6af_off) break;

    // Overlap with a neighbour drops the whole datagram; an exact
    // duplicate only itself (RFC 8200 4.5).
    const prev = af6 !== null ? af6.ip6af_prev : q6.ip6q_frags_last;
    if (prev !== null && prev.ip6af_off + prev.ip6af_frglen - ip6af.ip6af_off > 0) {
      if (prev.ip6af_off !== ip6af.ip6af_off || prev.ip6af_frglen !== ip6af.ip6af_frglen) frag6_freef(q6, b);
      return frag6_dropaf(mp, m, dstifp, ip6af);
    }
    if (af6 !== null && ip6af.ip6af_off + ip6af.ip6af_frglen - af6.ip6af_off > 0) {
      if (af6.ip6af_off !== ip6af.ip6af_off || af6.ip6af_frglen !== ip6af.ip6af_frglen) frag6_freef(q6, b);
      return frag6_dropaf(mp, m, dstifp, ip6af);
    }
    if (af6 !== null) frags_insert_before(q6, af6, ip6af);
    else frags_insert_tail(q6, ip6af);
  }
  // postinsert:
  frag6_nfrags.v++;
  q6.ip6q_nfrag++;

  // Complete?  Past the per-datagram limit an incomplete datagram goes.
  let plen = 0;
  for (let af6 = q6.ip6q_frags_first; af6 !== null; af6 = af6.ip6af_next) {
    if (af6.ip6af_off !== plen) {
      if (q6.ip6q_nfrag > VNET_I32(ip6_maxfragsperpacket)) {
        IP6STAT_ADD(ip6s_fragdropped, q6.ip6q_nfrag);
        frag6_freef(q6, b);
      }
      mp.m = null;
      return IPPROTO_DONE;
    }
    plen += af6.ip6af_frglen;
  }
  const last = q6.ip6q_frags_last as ip6asfrag;
  if (last.ip6af_mff) {
    if (q6.ip6q_nfrag > VNET_I32(ip6_maxfragsperpacket)) {
      IP6STAT_ADD(ip6s_fragdropped, q6.ip6q_nfrag);
      frag6_freef(q6, b);
    }
    mp.m = null;
    return IPPROTO_DONE;
  }

  // Complete: the fragments' data go behind the first one's.
  const first = q6.ip6q_frags_first as ip6asfrag;
  m = first.ip6af_m as mbuf;
  let t: mbuf = m;
  frags_remove(q6, first);
  let af6: ip6asfrag | null;
  while ((af6 = q6.ip6q_frags_first) !== null) {
    const fm = af6.ip6af_m as mbuf;
    m.m_pkthdr.csum_flags &= fm.m_pkthdr.csum_flags;
    m.m_pkthdr.csum_data += fm.m_pkthdr.csum_data;
    frags_remove(q6, af6);
    while (t.m_next !== null) t = t.m_next;
    m_adj(fm, af6.ip6af_offset);
    m_demote(fm, true, 0);
    m_cat(t, fm);
    af6.ip6af_m = null;
    ip6asfrag_zone.uma_zfree(af6);
  }
  while (m.m_pkthdr.csum_data > 0xffff) m.m_pkthdr.csum_data = (m.m_pkthdr.csum_data & 0xffff) + (m.m_pkthdr.csum_data >>> 16);

  // offset: where the original next header starts (at the fragment header).
  offset = first.ip6af_offset - IP6_FRAG_LEN;
  first.ip6af_m = null;
  ip6asfrag_zone.uma_zfree(first);
  ip6 = m.m_data;
  m.m_dv.setUint16(ip6 + IP6_OFF_PLEN, (plen + offset - IP6_HDR_LEN) & 0xffff);
  if (q6.ip6q_ecn === IPTOS_ECN_CE) m.m_dv.setUint32(ip6 + IP6_OFF_FLOW, (m.m_dv.getUint32(ip6 + IP6_OFF_FLOW) | (IPTOS_ECN_CE << 20)) >>> 0);
  const nxt = q6.ip6q_nxt;

  bucket_remove(b, q6);
  b.count--;
  frag6_nfrags.v -= q6.ip6q_nfrag;
  q6.ip6q_nfrag = 0;

  ip6_deletefraghdr(m, offset, 0);
  nxt_byte[0] = nxt;
  m_copyback(m, ip6_get_prevhdr(m, offset), 1, nxt_byte);

  ip6q_zone.uma_zfree(q6);
  VNET_I32_SET(frag6_nfragpackets, VNET_I32(frag6_nfragpackets) - 1);
  frag6_queues--;

  if ((m.m_flags & M_PKTHDR) !== 0) {
    let len = 0;
    for (let n: mbuf | null = m; n !== null; n = n.m_next) len += n.m_len;
    m.m_pkthdr.len = len;
    m.m_pkthdr.rcvif = srcifp;
  }

  IP6STAT_INC(ip6s_reassembled);
  in6_ifstat_inc(dstifp, ifs6_reass_ok);
  mp.m = m;
  offp.v = offset;
  return nxt;
}

/** The dropfrag label. */
function frag6_dropfrag(mp: mbufp, m: mbuf, dstifp: ifnet | null): number {
  in6_ifstat_inc(dstifp, ifs6_reass_fail);
  IP6STAT_INC(ip6s_fragdropped);
  m_freem(m);
  mp.m = null;
  return IPPROTO_DONE;
}

/** free(ip6af); goto dropfrag. */
function frag6_dropaf(mp: mbufp, m: mbuf, dstifp: ifnet | null, ip6af: ip6asfrag): number {
  ip6af.ip6af_m = null;
  ip6asfrag_zone.uma_zfree(ip6af);
  return frag6_dropfrag(mp, m, dstifp);
}

/** One vnet's share of frag6_slowtimo. */
function frag6_slowtimo_one(): void {
  const buckets = VNET_PTR(ip6qb);
  if (buckets === null) return;
  for (let i = 0; i < IP6REASS_NHASH; i++) {
    const b = buckets[i];
    let q6 = b.first;
    while (q6 !== null) {
      const next: ip6q | null = q6.ip6q_next;
      if (--q6.ip6q_ttl === 0) {
        IP6STAT_ADD(ip6s_fragtimeout, q6.ip6q_nfrag);
        frag6_freef(q6, b);
      }
      q6 = next;
    }
    // Over the limits (lowered since, or reassembly turned off with 0):
    // drop the oldest until under.
    const maxp = VNET_I32(ip6_maxfragpackets);
    while ((maxp === 0 || (maxp > 0 && b.count > VNET_I32(ip6_maxfragbucketsize))) && (q6 = b.last) !== null) {
      IP6STAT_ADD(ip6s_fragoverflow, q6.ip6q_nfrag);
      frag6_freef(q6, b);
    }
  }
  // Still over the per-vnet limit: one from each bucket in turn.
  let i = 0;
  while (VNET_I32(ip6_maxfragpackets) >= 0 && VNET_I32(frag6_nfragpackets) > VNET_I32(ip6_maxfragpackets)) {
    const b = buckets[i];
    const q6 = b.last;
    if (q6 !== null) {
      IP6STAT_ADD(ip6s_fragoverflow, q6.ip6q_nfrag);
      frag6_freef(q6, b);
    }
    i = (i + 1) % IP6REASS_NHASH;
  }
}

/**
 * frag6_slowtimo: twice a second, age every datagram of every vnet and
 * enforce lowered limits.
 */
export function frag6_slowtimo(_arg?: unknown): void {
  VNET_FOREACH((v) => {
    const saved = CURVNET_SET(v, "frag6_slowtimo");
    frag6_slowtimo_one();
    CURVNET_RESTORE(saved);
  });
  if (frag6_queues > 0) callout_reset_sbt(frag6_callout, SBT_1MS * 500, frag6_slowtimo, null);
}

/** frag6_init: reassembly in a new vnet (from ip6_init). */
export function frag6_init(isdefault: boolean): void {
  VNET_I32_SET(ip6_maxfragpackets, IP6_MAXFRAGPACKETS());
  frag6_set_bucketsize();
  VNET_PTR_SET(ip6qb, null);
  VNET_I32_SET(frag6_nfragpackets, 0);
  VNET_I32_SET(ip6qb_hashseed, arc4random() | 0);
  VNET_I32_SET(ip6_maxfragsperpacket, 64);
  VNET_I32_SET(frag6_on, 1);
  if (!isdefault) return;
  ip6_maxfrags.v = IP6_MAXFRAGS();
}

/** frag6_drain_one: drop every datagram of the current vnet. */
function frag6_drain_one(): void {
  const buckets = VNET_PTR(ip6qb);
  if (buckets === null) return;
  for (let i = 0; i < IP6REASS_NHASH; i++) {
    const b = buckets[i];
    let q6: ip6q | null;
    while ((q6 = b.first) !== null) {
      IP6STAT_INC(ip6s_fragdropped);
      frag6_freef(q6, b);
    }
  }
}

/** frag6_drain: drop every datagram of every vnet (low memory). */
export function frag6_drain(): void {
  VNET_FOREACH((v) => {
    const saved = CURVNET_SET(v, "frag6_drain");
    frag6_drain_one();
    CURVNET_RESTORE(saved);
  });
}

/** frag6_destroy: a dying vnet's datagrams go (from ip6_destroy). */
export function frag6_destroy(): void {
  frag6_drain_one();
  VNET_I32_SET(frag6_on, 0);
  const buckets = VNET_PTR(ip6qb);
  if (buckets !== null) for (let i = 0; i < IP6REASS_NHASH; i++) KASSERT(buckets[i].count === 0, `frag6_destroy: V_ip6qb[${i}] count not 0 (${buckets[i].count})`);
  VNET_PTR_SET(ip6qb, null);
}

/** Fragments held now in every vnet (net.inet6.ip6.frag6_nfrags). */
export function frag6_curfrags(): number {
  return frag6_nfrags.v;
}
