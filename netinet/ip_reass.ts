// sys/netinet/ip_reass.c: reassembly of IPv4 fragments.
//
// Fragments wait in per-vnet hash buckets of reassembly queues (struct ipq),
// each queue holding its fragments in offset order.  Every bucket has a
// callout that fires when its oldest queue expires (net.inet.ip.fragttl
// seconds of virtual time after its first fragment).  Limits: fragments
// across all queues (net.inet.ip.maxfrags, global), queues per vnet
// (net.inet.ip.maxfragpackets), queues per bucket
// (net.inet.ip.maxfragbucketsize) and fragments per datagram
// (net.inet.ip.maxfragsperpacket).
//
// Departure: a vnet's bucket array (1024 buckets, each with a callout) is
// allocated when its first fragment arrives rather than in
// ipreass_vnet_init, so that a thousand vnets that never see a fragment cost
// nothing.  There is no ifnet_departure_event, so ipreass_cleanup (which
// clears rcvif pointers of fragments from a departing interface) has no
// caller; fragments keep their rcvif reference until they time out.

import { getenv_int } from "../kern/kern_environment.ts";
import {
  M_PKTHDR,
  M_PROTO9,
  type mbuf,
} from "../kern/mbuf.ts";
import { m_freem, nmbclusters } from "../kern/kern_mbuf.ts";
import { m_adj, m_cat, m_demote, m_fixhdr } from "../kern/uipc_mbuf.ts";
import { uma_zone } from "../kern/uma.ts";
import { arc4random } from "../kern/arc4random.ts";
import { EINVAL } from "../kern/errno.ts";
import { KASSERT } from "../kern/subr_prf.ts";
import {
  CTLFLAG_MPSAFE,
  CTLFLAG_RD,
  CTLFLAG_RDTUN,
  CTLFLAG_RW,
  CTLFLAG_VNET,
  CTLTYPE_INT,
  CTLTYPE_UINT,
  OID_AUTO,
  SYSCTL_INT,
  SYSCTL_OUT,
  SYSCTL_PROC,
  SYSCTL_UINT,
  kvar_of,
  sysctl_handle_int,
  type kvar,
  type sysctl_handler_t,
} from "../kern/sysctl.ts";
import { SBT_1S, callout, callout_init, callout_reset_sbt, callout_stop, time_uptime } from "../kern/kern_timeout.ts";
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
  curvnet,
  vnet,
} from "../net/vnet.ts";
import {
  IPTOS_ECN_CE,
  IPTOS_ECN_MASK,
  IPTOS_ECN_NOTECT,
  IPH_DST,
  IPH_ID,
  IPH_LEN,
  IP_MAXPACKET,
  IP_MF,
  IPH_OFF,
  IPH_P,
  IPH_SRC,
  IPH_TOS,
  IPH_VHL,
} from "./ip.ts";
import {
  IPSTAT_ADD,
  IPSTAT_INC,
  _net_inet_ip,
  ipq,
  ips_fragdropped,
  ips_fragments,
  ips_fragtimeout,
  ips_reassembled,
  ips_toolong,
  ips_toosmall,
} from "./ip_var.ts";
import { jenkins_hash32 } from "../kern/jenkins_hash.ts";

const IPREASS_NHASH_LOG2 = 10;
const IPREASS_NHASH = 1 << IPREASS_NHASH_LOG2;
const INT_MAX = 0x7fffffff;

/** Set on a fragment that is not the last (ip_off had IP_MF). */
const M_IP_FRAG = M_PROTO9;

/** A hash bucket: a TAILQ of reassembly queues, newest first, its timer. */
class ipqbucket {
  /** TAILQ_FIRST: the newest queue. */
  head: ipq | null = null;
  /** TAILQ_LAST: the oldest queue, the next to expire. */
  tail: ipq | null = null;
  readonly timer = new callout();
  count = 0;
  constructor(readonly vnet: vnet | null) {
    callout_init(this.timer, true);
  }
}

function TAILQ_INSERT_HEAD(b: ipqbucket, fp: ipq): void {
  fp.ipq_list_prev = null;
  fp.ipq_list_next = b.head;
  if (b.head !== null) b.head.ipq_list_prev = fp;
  else b.tail = fp;
  b.head = fp;
}

function TAILQ_REMOVE(b: ipqbucket, fp: ipq): void {
  const n = fp.ipq_list_next;
  const p = fp.ipq_list_prev;
  if (p !== null) p.ipq_list_next = n;
  else b.head = n;
  if (n !== null) n.ipq_list_prev = p;
  else b.tail = p;
  fp.ipq_list_next = null;
  fp.ipq_list_prev = null;
}

// ---------------------------------------------------------------------------
// Per-vnet state.

/** V_ipq: the buckets (allocated with the first fragment, see above). */
const ipq_buckets = VNET_DEFINE_PTR<ipqbucket[] | null>("ipq", null);
const ipq_hashseed = VNET_DEFINE_INT("ipq_hashseed", 0);
const ipq_hashsize = VNET_DEFINE_INT("ipq_hashsize", IPREASS_NHASH);
const ipreass_maxbucketsize = VNET_DEFINE_INT("ipreass_maxbucketsize", 0);
const ipq_zone = VNET_DEFINE_PTR<uma_zone<ipq> | null>("ipq_zone", null);
const noreass = VNET_DEFINE_INT("noreass", 0);
const maxfragsperpacket = VNET_DEFINE_INT("maxfragsperpacket", 0);
const ipfragttl = VNET_DEFINE_INT("ipfragttl", 30);

/** Fragments allowed across all queues of all vnets (global). */
const maxfrags: kvar<number> & { v: number } = kvar_of(0);
/** Fragments held across all queues of all vnets (global). */
const nfrags: kvar<number> & { v: number } = kvar_of(0);

function IP_MAXFRAGS(): number {
  return Math.floor(nmbclusters / 32);
}
function IP_MAXFRAGPACKETS(): number {
  return Math.min(IP_MAXFRAGS(), VNET_I32(ipq_hashsize) * 50);
}

function V_ipq(): ipqbucket[] {
  let b = VNET_PTR(ipq_buckets);
  if (b === null) {
    const n = VNET_I32(ipq_hashsize);
    const v = VIMAGE ? curvnet : null;
    b = new Array<ipqbucket>(n);
    for (let i = 0; i < n; i++) b[i] = new ipqbucket(v);
    VNET_PTR_SET(ipq_buckets, b);
  }
  return b;
}

function V_ipq_zone(): uma_zone<ipq> {
  const z = VNET_PTR(ipq_zone);
  KASSERT(z !== null, "ip_reass: no ipq zone in this vnet");
  return z;
}

// ---------------------------------------------------------------------------
// sysctls.

SYSCTL_INT(_net_inet_ip, OID_AUTO, "maxfrags", CTLFLAG_RW, maxfrags, 0, "Maximum number of IPv4 fragments allowed across all reassembly queues");
SYSCTL_UINT(_net_inet_ip, OID_AUTO, "curfrags", CTLFLAG_RD, nfrags, 0, "Current number of IPv4 fragments across all reassembly queues");
SYSCTL_UINT(_net_inet_ip, OID_AUTO, "reass_hashsize", CTLFLAG_VNET | CTLFLAG_RDTUN, ipq_hashsize, 0, "Size of IP fragment reassembly hashtable");

/** Change the limit on queues, or switch reassembly off (0) or make it
 *  unlimited (-1). */
const sysctl_maxfragpackets: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  let max: number;
  if (VNET_I32(noreass) === 0) {
    max = V_ipq_zone().uz_max;
    if (max === 0) max = -1;
  } else {
    max = 0;
  }
  const nv = kvar_of(max);
  const error = sysctl_handle_int(oidp, nv, 0, req);
  if (error !== 0 || req.newval === null) return error;
  max = nv.v;
  if (max > 0) {
    max = V_ipq_zone().uma_zone_set_max(max);
    VNET_I32_SET(ipreass_maxbucketsize, Math.max(Math.floor(max / (VNET_I32(ipq_hashsize) / 2)), 1));
    ipreass_drain_tomax();
    VNET_I32_SET(noreass, 0);
  } else if (max === 0) {
    VNET_I32_SET(noreass, 1);
    ipreass_drain();
  } else if (max === -1) {
    VNET_I32_SET(noreass, 0);
    V_ipq_zone().uma_zone_set_max(0);
    VNET_I32_SET(ipreass_maxbucketsize, INT_MAX);
  } else {
    return EINVAL;
  }
  return 0;
};
SYSCTL_PROC(_net_inet_ip, OID_AUTO, "maxfragpackets", CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_RW, null, 0, sysctl_maxfragpackets, "I", "Maximum number of IPv4 fragment reassembly queue entries");

/** SYSCTL_UMA_CUR: queues in use in this vnet. */
const sysctl_fragpackets: sysctl_handler_t = (_oidp, _arg1, _arg2, req) => {
  const z = VNET_PTR(ipq_zone);
  return SYSCTL_OUT(req, z === null ? 0 : z.uz_used);
};
SYSCTL_PROC(_net_inet_ip, OID_AUTO, "fragpackets", CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_RD | CTLFLAG_MPSAFE, null, 0, sysctl_fragpackets, "I", "Current number of IPv4 fragment reassembly queue entries");

SYSCTL_INT(_net_inet_ip, OID_AUTO, "maxfragsperpacket", CTLFLAG_VNET | CTLFLAG_RW, maxfragsperpacket, 0, "Maximum number of IPv4 fragments allowed per packet");

const sysctl_maxfragbucketsize: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const nv = kvar_of(VNET_I32(ipreass_maxbucketsize));
  const error = sysctl_handle_int(oidp, nv, 0, req);
  if (error !== 0 || req.newval === null) return error;
  if (nv.v <= 0) return EINVAL;
  VNET_I32_SET(ipreass_maxbucketsize, nv.v);
  ipreass_drain_tomax();
  return 0;
};
SYSCTL_PROC(_net_inet_ip, OID_AUTO, "maxfragbucketsize", CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_MPSAFE | CTLFLAG_RW, null, 0, sysctl_maxfragbucketsize, "I", "Maximum number of IPv4 fragment reassembly queue entries per bucket");

const sysctl_fragttl: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const nv = kvar_of(VNET_I32(ipfragttl));
  const error = sysctl_handle_int(oidp, nv, 0, req);
  if (error !== 0 || req.newval === null) return error;
  if (nv.v < 1 || nv.v > 255) return EINVAL;
  VNET_I32_SET(ipfragttl, nv.v);
  return 0;
};
SYSCTL_PROC(_net_inet_ip, OID_AUTO, "fragttl", CTLTYPE_UINT | CTLFLAG_RW | CTLFLAG_MPSAFE | CTLFLAG_VNET, null, 0, sysctl_fragttl, "IU", "IP fragment life time on reassembly queue (seconds)");

const hashkey = new Uint32Array(3);

// ---------------------------------------------------------------------------
// Reassembly.

// Fields of a fragment's own IP header, which stays in its buffer in front
// of m_data while it waits (GETIP(m) = m_pkthdr.PH_loc.ptr in FreeBSD; here
// PH_loc holds the header's offset in m_buf).
function frag_off(q: mbuf): number {
  return q.m_dv.getUint16(q.m_pkthdr.PH_loc + IPH_OFF);
}
function frag_len(q: mbuf): number {
  return q.m_dv.getUint16(q.m_pkthdr.PH_loc + IPH_LEN);
}

/** The dropfrag label: count the fragment, give back its share of its
 *  queue, free it. */
function ip_reass_dropfrag(m: mbuf, fp: ipq | null): null {
  IPSTAT_INC(ips_fragdropped);
  if (fp !== null) {
    fp.ipq_nfrags--;
    nfrags.v--;
  }
  m_freem(m);
  return null;
}

function ipq_timeout(bucket: ipqbucket, fp: ipq): void {
  IPSTAT_ADD(ips_fragtimeout, fp.ipq_nfrags);
  ipq_free(bucket, fp);
}

function ipq_drop(bucket: ipqbucket, fp: ipq): void {
  IPSTAT_ADD(ips_fragdropped, fp.ipq_nfrags);
  ipq_free(bucket, fp);
  ipreass_reschedule(bucket);
}

/**
 * ip_reass(m): take in one fragment (the IP header at m_data).  Returns the
 * whole datagram when this fragment completed it, otherwise null: the
 * fragment was queued, or dropped and counted.  The reassembled header's
 * ip_len covers the whole datagram again.
 */
export function ip_reass(m: mbuf): mbuf | null {
  const tmpmax = maxfrags.v;
  if (VNET_I32(noreass) === 1 || VNET_I32(maxfragsperpacket) === 0 || (tmpmax >= 0 && nfrags.v >= tmpmax)) {
    IPSTAT_INC(ips_fragments);
    IPSTAT_INC(ips_fragdropped);
    m_freem(m);
    return null;
  }

  const dv = m.m_dv;
  let ip = m.m_data;
  const hlen = (m.m_buf[ip + IPH_VHL] & 0x0f) << 2;

  // From here on ip_len is the payload length and ip_off is in bytes.
  const ip_len = dv.getUint16(ip + IPH_LEN) - hlen;
  dv.setUint16(ip + IPH_LEN, ip_len & 0xffff);
  const raw_off = dv.getUint16(ip + IPH_OFF);
  // A zero-length fragment, or one that is not the last and whose length is
  // not a multiple of 8, cannot be placed.
  if (ip_len <= 0 || ((raw_off & IP_MF) !== 0 && (ip_len & 0x7) !== 0)) {
    IPSTAT_INC(ips_toosmall);
    IPSTAT_INC(ips_fragdropped);
    m_freem(m);
    return null;
  }
  if ((raw_off & IP_MF) !== 0) m.m_flags |= M_IP_FRAG;
  else m.m_flags &= ~M_IP_FRAG;
  const ip_off = (raw_off << 3) & 0xffff;
  dv.setUint16(ip + IPH_OFF, ip_off);

  if (ip_len + ip_off > IP_MAXPACKET) {
    IPSTAT_INC(ips_toolong);
    IPSTAT_INC(ips_fragdropped);
    m_freem(m);
    return null;
  }

  const srcifp = m.m_pkthdr.rcvif;
  IPSTAT_INC(ips_fragments);
  m.m_pkthdr.PH_loc = ip;

  // Hide the header: the code below works on payload only.
  m.m_data += hlen;
  m.m_len -= hlen;

  const ip_src = dv.getUint32(ip + IPH_SRC);
  const ip_dst = dv.getUint32(ip + IPH_DST);
  const ip_p = m.m_buf[ip + IPH_P];
  const ip_id = dv.getUint16(ip + IPH_ID);
  hashkey[0] = ip_src;
  hashkey[1] = ip_dst;
  hashkey[2] = ((ip_p << 16) + ip_id) >>> 0;
  const buckets = V_ipq();
  const hash = jenkins_hash32(hashkey, 3, VNET_I32(ipq_hashseed)) & (VNET_I32(ipq_hashsize) - 1);
  const bucket = buckets[hash];

  let fp: ipq | null;
  for (fp = bucket.head; fp !== null; fp = fp.ipq_list_next)
    if (ip_id === fp.ipq_id && ip_src === fp.ipq_src && ip_dst === fp.ipq_dst && ip_p === fp.ipq_p) break;

  if (fp === null) {
    // The first fragment of this datagram to arrive: a new queue.
    if (bucket.count < VNET_I32(ipreass_maxbucketsize)) fp = V_ipq_zone().uma_zalloc();
    if (fp === null) fp = ipq_reuse(hash);
    if (fp === null) return ip_reass_dropfrag(m, null);
    TAILQ_INSERT_HEAD(bucket, fp);
    bucket.count++;
    fp.ipq_nfrags = 1;
    nfrags.v++;
    fp.ipq_expire = time_uptime() + VNET_I32(ipfragttl);
    fp.ipq_p = ip_p;
    fp.ipq_id = ip_id;
    fp.ipq_src = ip_src;
    fp.ipq_dst = ip_dst;
    fp.ipq_frags = m;
    if ((m.m_flags & M_IP_FRAG) !== 0) fp.ipq_maxoff = -1;
    else fp.ipq_maxoff = ip_off + ip_len;
    m.m_nextpkt = null;
    // Only the oldest queue of a bucket decides when its timer fires.
    if (fp === bucket.tail) callout_reset_sbt(bucket.timer, SBT_1S * VNET_I32(ipfragttl), ipreass_callout, bucket);
    return null;
  }

  // Once the last fragment was seen, every other one must end before it,
  // and another "last" one must end at the same place.
  if (fp.ipq_maxoff > 0) {
    const i = ip_off + ip_len;
    if (((m.m_flags & M_IP_FRAG) !== 0 && i >= fp.ipq_maxoff) || ((m.m_flags & M_IP_FRAG) === 0 && i !== fp.ipq_maxoff)) return ip_reass_dropfrag(m, null);
  } else if ((m.m_flags & M_IP_FRAG) === 0) {
    fp.ipq_maxoff = ip_off + ip_len;
  }
  fp.ipq_nfrags++;
  nfrags.v++;

  // ECN: keep CE once any fragment had it; CE and not-ECT do not mix.
  const first = fp.ipq_frags as mbuf;
  const ecn = m.m_buf[ip + IPH_TOS] & IPTOS_ECN_MASK;
  const ecn0 = first.m_buf[first.m_pkthdr.PH_loc + IPH_TOS] & IPTOS_ECN_MASK;
  if (ecn === IPTOS_ECN_CE) {
    if (ecn0 === IPTOS_ECN_NOTECT) return ip_reass_dropfrag(m, fp);
    if (ecn0 !== IPTOS_ECN_CE) first.m_buf[first.m_pkthdr.PH_loc + IPH_TOS] |= IPTOS_ECN_CE;
  }
  if (ecn === IPTOS_ECN_NOTECT && ecn0 !== IPTOS_ECN_NOTECT) return ip_reass_dropfrag(m, fp);

  // Find the first fragment that starts after this one.
  let p: mbuf | null = null;
  let q: mbuf | null = fp.ipq_frags;
  for (; q !== null; p = q, q = q.m_nextpkt) if (frag_off(q) > ip_off) break;

  // A preceding fragment may already hold the start of our data: trim ours,
  // or drop it when it is covered entirely.
  let cur_off = ip_off;
  let cur_len = ip_len;
  if (p !== null) {
    const i = frag_off(p) + frag_len(p) - cur_off;
    if (i > 0) {
      if (i >= cur_len) return ip_reass_dropfrag(m, fp);
      m_adj(m, i);
      m.m_pkthdr.csum_flags = 0;
      cur_off += i;
      cur_len -= i;
      dv.setUint16(ip + IPH_OFF, cur_off);
      dv.setUint16(ip + IPH_LEN, cur_len);
    }
    m.m_nextpkt = p.m_nextpkt;
    p.m_nextpkt = m;
  } else {
    m.m_nextpkt = fp.ipq_frags;
    fp.ipq_frags = m;
  }

  // Following fragments we overlap are trimmed, or dequeued when covered.
  let nq: mbuf | null;
  for (; q !== null && cur_off + cur_len > frag_off(q); q = nq) {
    const i = cur_off + cur_len - frag_off(q);
    if (i < frag_len(q)) {
      q.m_dv.setUint16(q.m_pkthdr.PH_loc + IPH_LEN, frag_len(q) - i);
      q.m_dv.setUint16(q.m_pkthdr.PH_loc + IPH_OFF, frag_off(q) + i);
      m_adj(q, i);
      q.m_pkthdr.csum_flags = 0;
      break;
    }
    nq = q.m_nextpkt;
    m.m_nextpkt = nq;
    IPSTAT_INC(ips_fragdropped);
    fp.ipq_nfrags--;
    nfrags.v--;
    q.m_nextpkt = null;
    m_freem(q);
  }

  // Complete?  The per-datagram limit is applied only here, so the n-th
  // fragment still gets its chance to finish the datagram.
  let next = 0;
  for (p = null, q = fp.ipq_frags; q !== null; p = q, q = q.m_nextpkt) {
    if (frag_off(q) !== next) {
      if (fp.ipq_nfrags > VNET_I32(maxfragsperpacket)) ipq_drop(bucket, fp);
      return null;
    }
    next += frag_len(q);
  }
  if (p === null || (p.m_flags & M_IP_FRAG) !== 0) {
    if (fp.ipq_nfrags > VNET_I32(maxfragsperpacket)) ipq_drop(bucket, fp);
    return null;
  }

  q = fp.ipq_frags as mbuf;
  ip = q.m_pkthdr.PH_loc;
  const qhlen = (q.m_buf[ip + IPH_VHL] & 0x0f) << 2;
  if (next + qhlen > IP_MAXPACKET) {
    IPSTAT_INC(ips_toolong);
    ipq_drop(bucket, fp);
    return null;
  }

  // Concatenate the fragments behind the first one.
  let r = q;
  const t = r.m_next;
  r.m_next = null;
  m_cat(r, t);
  nq = q.m_nextpkt;
  q.m_nextpkt = null;
  for (q = nq; q !== null; q = nq) {
    nq = q.m_nextpkt;
    q.m_nextpkt = null;
    r.m_pkthdr.csum_flags &= q.m_pkthdr.csum_flags;
    r.m_pkthdr.csum_data += q.m_pkthdr.csum_data;
    m_demote(q, true, 0);
    m_cat(r, q);
  }
  // End-around carry of the summed partial checksums.
  while (r.m_pkthdr.csum_data > 0xffff) r.m_pkthdr.csum_data = (r.m_pkthdr.csum_data & 0xffff) + (r.m_pkthdr.csum_data >>> 16);
  nfrags.v -= fp.ipq_nfrags;

  // The first fragment's header becomes the datagram's.
  const rdv = r.m_dv;
  rdv.setUint16(ip + IPH_LEN, qhlen + next);
  rdv.setUint32(ip + IPH_SRC, fp.ipq_src);
  rdv.setUint32(ip + IPH_DST, fp.ipq_dst);
  TAILQ_REMOVE(bucket, fp);
  bucket.count--;
  fp.ipq_frags = null;
  V_ipq_zone().uma_zfree(fp);
  r.m_len += qhlen;
  r.m_data -= qhlen;
  if ((r.m_flags & M_PKTHDR) !== 0) {
    m_fixhdr(r);
    r.m_pkthdr.rcvif = srcifp;
  }
  IPSTAT_INC(ips_reassembled);
  ipreass_reschedule(bucket);
  return r;
}

/** A bucket's timer: time out every queue that has expired. */
function ipreass_callout(arg: ipqbucket): void {
  const bucket = arg;
  const saved = VIMAGE ? CURVNET_SET(bucket.vnet as vnet, "ipreass_callout") : null;
  let fp = bucket.tail;
  KASSERT(fp !== null && fp.ipq_expire <= time_uptime(), "ipreass_callout: stray callout");
  while (fp !== null && fp.ipq_expire <= time_uptime()) {
    ipq_timeout(bucket, fp);
    fp = bucket.tail;
  }
  ipreass_reschedule(bucket);
  if (VIMAGE) CURVNET_RESTORE(saved);
}

/** Arm the bucket's timer for its oldest queue, or stop it when empty. */
function ipreass_reschedule(bucket: ipqbucket): void {
  const fp = bucket.tail;
  if (fp !== null) {
    let t = fp.ipq_expire - time_uptime();
    t = t > 0 ? t : 1;
    callout_reset_sbt(bucket.timer, SBT_1S * t, ipreass_callout, bucket);
  } else {
    callout_stop(bucket.timer);
  }
}

/** Drop every queue of the current vnet. */
function ipreass_drain_vnet(): void {
  const buckets = VNET_PTR(ipq_buckets);
  if (buckets === null) return;
  let dropped = 0;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    const resched = b.head !== null;
    while (b.head !== null) {
      const fp = b.head;
      dropped += fp.ipq_nfrags;
      ipq_free(b, fp);
    }
    if (resched) ipreass_reschedule(b);
    KASSERT(b.count === 0, `ipreass_drain_vnet: V_ipq[${i}] count ${b.count}`);
  }
  IPSTAT_ADD(ips_fragdropped, dropped);
}

/** ipreass_drain: drop all fragments in every vnet (low memory). */
export function ipreass_drain(): void {
  VNET_FOREACH((v) => {
    const saved = CURVNET_SET(v, "ipreass_drain");
    ipreass_drain_vnet();
    CURVNET_RESTORE(saved);
  });
}

/** ipreass_vnet_init: reassembly state of a new vnet (from ip_vnet_init). */
export function ipreass_vnet_init(): void {
  VNET_I32_SET(ipq_hashsize, IPREASS_NHASH);
  const hs = getenv_int("net.inet.ip.reass_hashsize");
  if (hs !== null) VNET_I32_SET(ipq_hashsize, hs);
  VNET_PTR_SET(ipq_buckets, null);
  VNET_I32_SET(ipq_hashseed, arc4random() | 0);
  VNET_I32_SET(maxfragsperpacket, 16);
  VNET_I32_SET(noreass, 0);
  const zone = new uma_zone<ipq>("ipq", 64, 16, (n) => {
    const items: ipq[] = [];
    for (let i = 0; i < n; i++) items.push(new ipq());
    return items;
  });
  VNET_PTR_SET(ipq_zone, zone);
  const max = zone.uma_zone_set_max(IP_MAXFRAGPACKETS());
  VNET_I32_SET(ipreass_maxbucketsize, Math.max(Math.floor(max / (VNET_I32(ipq_hashsize) / 2)), 1));
}

/** ipreass_init: the global part (from ip_init). */
export function ipreass_init(): void {
  maxfrags.v = IP_MAXFRAGS();
}

/** ipreass_destroy: a dying vnet drops its fragments and stops its timers. */
export function ipreass_destroy(): void {
  ipreass_drain_vnet();
  VNET_PTR_SET(ipq_zone, null);
  VNET_PTR_SET(ipq_buckets, null);
}

/** Bring every bucket under the limits after they were lowered. */
function ipreass_drain_tomax(): void {
  const buckets = VNET_PTR(ipq_buckets);
  if (buckets === null) return;
  for (const b of buckets) {
    let fp: ipq | null;
    while (b.count > VNET_I32(ipreass_maxbucketsize) && (fp = b.tail) !== null) ipq_timeout(b, fp);
    ipreass_reschedule(b);
  }
  const zone = V_ipq_zone();
  const target = zone.uz_max;
  while (target !== 0 && zone.uz_used > target) {
    for (const b of buckets) {
      const fp = b.tail;
      if (fp !== null) {
        ipq_timeout(b, fp);
        ipreass_reschedule(b);
      }
    }
  }
}

/** Out of queues: reclaim the oldest queue of some bucket, this one first. */
function ipq_reuse(start: number): ipq | null {
  const buckets = V_ipq();
  const n = VNET_I32(ipq_hashsize);
  let fp: ipq | null = null;
  for (let i = 0; i < n; i++) {
    const bucket = buckets[(start + i) % n];
    fp = bucket.tail;
    if (fp !== null) {
      IPSTAT_ADD(ips_fragtimeout, fp.ipq_nfrags);
      nfrags.v -= fp.ipq_nfrags;
      while (fp.ipq_frags !== null) {
        const m = fp.ipq_frags;
        fp.ipq_frags = m.m_nextpkt;
        m.m_nextpkt = null;
        m_freem(m);
      }
      TAILQ_REMOVE(bucket, fp);
      bucket.count--;
      ipreass_reschedule(bucket);
      break;
    }
  }
  return fp;
}

/** Free a queue and the fragments it holds. */
function ipq_free(bucket: ipqbucket, fp: ipq): void {
  nfrags.v -= fp.ipq_nfrags;
  while (fp.ipq_frags !== null) {
    const q = fp.ipq_frags;
    fp.ipq_frags = q.m_nextpkt;
    q.m_nextpkt = null;
    m_freem(q);
  }
  TAILQ_REMOVE(bucket, fp);
  bucket.count--;
  V_ipq_zone().uma_zfree(fp);
}

/** Fragments held now, in every vnet (net.inet.ip.curfrags). */
export function ipreass_curfrags(): number {
  return nfrags.v;
}
