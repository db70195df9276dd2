// sys/netpfil/ipfw/ip_fw_dynamic.c: ipfw's dynamic states (keep-state,
// record-state, limit, check-state, probe-state).
//
// A state is a 5-tuple remembered by a rule's keep-state or limit opcode; a
// later packet of the same flow, in either direction, finds it through
// ipfw_dyn_lookup_state and takes the rule's action without walking the
// ruleset again.  States live in per-vnet hash tables, one for IPv4 and one
// for IPv6, plus one of each for the "parent" states that count the sessions
// of a limit rule per masked address/port.  The hash is commutative in
// (source, destination) so both directions of a flow land in one bucket.
//
// A state's lifetime depends on its protocol and, for TCP, on the SYN/FIN/RST
// flags seen from each side and on acknowledgements from both
// (net.inet.ip.fw.dyn_*_lifetime).  Expiry runs from dyn_tick, a callout once
// a second of virtual time; expired entries are unlinked on one tick and
// freed on the next, as FreeBSD does for its lock-free readers.
//
// Departures: FreeBSD arms dyn_tick at vnet init and lets it run forever;
// here it is armed when the first state (or parent) is installed and stops
// re-arming once nothing is left to expire, free or keep alive, so a vnet
// with ipfw and no states has no pending callout (the run loop could never
// go idle otherwise).  No locks, hazard pointers or bucket versions: the
// simulator is single threaded, so a lookup is a plain list walk and an
// install needs no second lookup.  hash_parent mixes the rule's id where
// FreeBSD mixes its address.

import { EACCES, EAFNOSUPPORT, EINVAL, ENOSPC } from "../../kern/errno.ts";
import { jenkins_hash32 } from "../../kern/jenkins_hash.ts";
import { arc4random } from "../../kern/arc4random.ts";
import { uma_zone, M_NOWAIT } from "../../kern/uma.ts";
import { log } from "../../kern/subr_prf.ts";
import { m_gethdr } from "../../kern/kern_mbuf.ts";
import { CSUM_TCP, MT_DATA, M_SETFIB, type mbuf } from "../../kern/mbuf.ts";
import { max_linkhdr } from "../../kern/uipc_mbuf.ts";
import { callout, callout_init, callout_pending, callout_reset, callout_stop, hz, time_uptime } from "../../kern/kern_timeout.ts";
import { CTLFLAG_RD, CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_UINT, OID_AUTO, SYSCTL_PROC, SYSCTL_UINT, kvar_of, sysctl_handle_int, type sysctl_handler_t } from "../../kern/sysctl.ts";
import { sysctl_unregister_oid, type sysctl_oid } from "../../kern/sysctl.ts";
import { ipfw_register_module_hook, net_inet_ip_fw } from "./ip_fw2.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_I32_SET, VNET_PTR, VNET_PTR_SET, IS_DEFAULT_VNET, curvnet, type vnet } from "../../net/vnet.ts";
import { IPPROTO_TCP, IPPROTO_UDP, inet_ntoa } from "../../netinet/in.ts";
import { in_pseudo } from "../../netinet/in_cksum.ts";
import { IPH_DST, IPH_LEN, IPH_OFF, IPH_P, IPH_SRC, IPH_TOS, IPH_TTL, IPH_VHL, IPTOS_LOWDELAY, IP_DF } from "../../netinet/ip.ts";
import { IPV6_VERSION } from "../../netinet/ip6.ts";
import { M_SKIP_FIREWALL } from "../../netinet/ip_var.ts";
import { V_ip_defttl } from "../../netinet/raw_ip.ts";
import { ip_output } from "../../netinet/ip_output.ts";
import { V_ip6_defhlim } from "../../netinet6/in6_proto.ts";
import { CSUM_TCP_IPV6 } from "../../netinet6/ip6_var.ts";
import { in6_addr_from, inet_ntop6 } from "../../netinet6/in6_var.ts";
import { in6_cksum_pseudo } from "../../netinet6/in6_cksum.ts";
import { ip6_output } from "../../netinet6/ip6_output.ts";
import { TCPH_ACK, TCPH_DPORT, TCPH_FLAGS, TCPH_OFFX2, TCPH_SEQ, TCPH_SPORT, TCPH_SUM, TCP_HDRLEN, TH_ACK, TH_FIN, TH_FLAGS, TH_RST, TH_SYN } from "../../netinet/tcp.ts";
import * as fw from "../../netinet/ip_fw.ts";
import type { ipfw_flow_id } from "../../netinet/ip_fw.ts";
import * as priv from "./ip_fw_private.ts";
import type { ip_fw, ip_fw_args, ip_fw_chain, ipfw_dyn_info, ipfw_range_tlv_k, named_object, opcode_obj_rewrite, sockopt_data, tid_info } from "./ip_fw_private.ts";
import {
  ipfw_add_obj_rewriter,
  ipfw_del_obj_rewriter,
  ipfw_find_name_tlv_type,
  ipfw_find_rule,
  ipfw_free_rule,
  ipfw_get_sopt_space,
  ipfw_mark_object_kidx,
  ipfw_objhash_add,
  ipfw_objhash_alloc_idx,
  ipfw_objhash_del,
  ipfw_objhash_free_idx,
  ipfw_objhash_lookup_kidx,
  ipfw_objhash_lookup_name_type,
} from "./ip_fw_sockopt.ts";

/** netinet/in.h IPPROTO_UDPLITE. */
const IPPROTO_UDPLITE = 136;

const MATCH_REVERSE = 0;
const MATCH_FORWARD = 1;
const MATCH_NONE = 2;
const MATCH_UNKNOWN = 3;

/** The state keeps a reference on its (deleted) rule and named object. */
const DYN_REFERENCED = 0x01;

const BOTH_SYN = TH_SYN | (TH_SYN << 8);
const BOTH_FIN = TH_FIN | (TH_FIN << 8);
const TCP_FLAGS = TH_FLAGS | (TH_FLAGS << 8);
const ACK_FWD = 0x00010000;
const ACK_REV = 0x00020000;
const ACK_BOTH = ACK_FWD | ACK_REV;

function TIME_LEQ(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}
function _SEQ_GE(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** struct dyn_data: what a keep-state/limit state knows of its flow. */
export class dyn_data {
  /** The parent rule (keep-state) or the parent state (limit). */
  parent: ip_fw | dyn_state | null = null;
  chain_id = 0;
  f_pos = 0;
  hashval = 0;
  fibnum = 0;
  flags = 0;
  rulenum = 0;
  ruleid = 0;
  state = 0;
  ack_fwd = 0;
  ack_rev = 0;
  sync = 0;
  expire = 0;
  pcnt_fwd = 0;
  bcnt_fwd = 0;
  pcnt_rev = 0;
  bcnt_rev = 0;
}

/** struct dyn_parent: the session counter of a limit rule. */
export class dyn_parent {
  parent: ip_fw | null = null;
  count = 0;
  rulenum = 0;
  ruleid = 0;
  hashval = 0;
  expire = 0;
}

/** struct dyn_ipv4_state and dyn_ipv6_state in one: the IPv6 addresses are
 *  four host-order words each (src6/dst6), unused for IPv4. */
export class dyn_state {
  type = 0;
  proto = 0;
  kidx = 0;
  sport = 0;
  dport = 0;
  src = 0;
  dst = 0;
  readonly src6 = new Int32Array(4);
  readonly dst6 = new Int32Array(4);
  zoneid = 0;
  data: dyn_data | null = null;
  limit: dyn_parent | null = null;
  /** CK_SLIST_ENTRY entry: the next state in its bucket. */
  next: dyn_state | null = null;
  /** SLIST_ENTRY expired: the next state waiting to be freed. */
  expired: dyn_state | null = null;
}

/** A vnet's dynamic state tables (the V_dyn_* pointers of ip_fw_dynamic.c). */
class dyn_vnet_state {
  ipv4: (dyn_state | null)[] = [];
  ipv4_parent: (dyn_state | null)[] = [];
  ipv6: (dyn_state | null)[] = [];
  ipv6_parent: (dyn_state | null)[] = [];
  expired_ipv4: dyn_state | null = null;
  expired_ipv6: dyn_state | null = null;
  readonly timeout = new callout();
  hashseed = 0;
  keepalive_last = 0;
  last_log = -1;
  readonly data_zone = new uma_zone<dyn_data>("IPFW dynamic states data", 96, 32, (n) => Array.from({ length: n }, () => new dyn_data()));
  readonly parent_zone = new uma_zone<dyn_parent>("IPFW parent dynamic states", 32, 32, (n) => Array.from({ length: n }, () => new dyn_parent()));
  readonly ipv4_zone = new uma_zone<dyn_state>("IPFW IPv4 dynamic states", 48, 32, (n) => Array.from({ length: n }, () => new dyn_state()));
  readonly ipv6_zone = new uma_zone<dyn_state>("IPFW IPv6 dynamic states", 80, 32, (n) => Array.from({ length: n }, () => new dyn_state()));
  vnet: vnet | null = null;
}

const V_dyn = VNET_DEFINE_PTR<dyn_vnet_state | null>("ipfw_dyn", null);

function V_dyn_state(): dyn_vnet_state {
  const d = VNET_PTR(V_dyn);
  if (d === null) throw new Error("ipfw_dyn: dynamic states not initialized in this vnet");
  return d;
}

// Per-vnet tunables and counters (the VNET_DEFINE_STATIC uint32_t's).
const dyn_buckets_max = VNET_DEFINE_INT("dyn_buckets_max", 0);
const curr_dyn_buckets = VNET_DEFINE_INT("curr_dyn_buckets", 0);
const curr_max_length = VNET_DEFINE_INT("curr_max_length", 0);
const dyn_keep_states = VNET_DEFINE_INT("dyn_keep_states", 0);
const dyn_ack_lifetime = VNET_DEFINE_INT("dyn_ack_lifetime", 0);
const dyn_syn_lifetime = VNET_DEFINE_INT("dyn_syn_lifetime", 0);
const dyn_fin_lifetime = VNET_DEFINE_INT("dyn_fin_lifetime", 0);
const dyn_rst_lifetime = VNET_DEFINE_INT("dyn_rst_lifetime", 0);
const dyn_udp_lifetime = VNET_DEFINE_INT("dyn_udp_lifetime", 0);
const dyn_short_lifetime = VNET_DEFINE_INT("dyn_short_lifetime", 0);
const dyn_keepalive_interval = VNET_DEFINE_INT("dyn_keepalive_interval", 0);
const dyn_keepalive_period = VNET_DEFINE_INT("dyn_keepalive_period", 0);
const dyn_keepalive = VNET_DEFINE_INT("dyn_keepalive", 0);
const dyn_max = VNET_DEFINE_INT("dyn_max", 0);
const dyn_count = VNET_DEFINE_INT("dyn_count", 0);
const dyn_parent_max = VNET_DEFINE_INT("dyn_parent_max", 0);
const dyn_parent_count = VNET_DEFINE_INT("dyn_parent_count", 0);

function V(idx: number): number {
  return VNET_I32(idx) >>> 0;
}

// ---------------------------------------------------------------------------
// sysctls (net.inet.ip.fw.dyn_*).

const sysctl_dyn_max: sysctl_handler_t = (oidp, _a1, _a2, req) => {
  const nv = kvar_of(V(dyn_max));
  const error = sysctl_handle_int(oidp, nv, 0, req);
  if (error !== 0 || req.newval === null) return error;
  VNET_I32_SET(dyn_max, nv.v);
  const d = VNET_PTR(V_dyn);
  if (d !== null) d.data_zone.uma_zone_set_max(nv.v >>> 0);
  return 0;
};

const sysctl_dyn_parent_max: sysctl_handler_t = (oidp, _a1, _a2, req) => {
  const nv = kvar_of(V(dyn_parent_max));
  const error = sysctl_handle_int(oidp, nv, 0, req);
  if (error !== 0 || req.newval === null) return error;
  VNET_I32_SET(dyn_parent_max, nv.v);
  const d = VNET_PTR(V_dyn);
  if (d !== null) d.parent_zone.uma_zone_set_max(nv.v >>> 0);
  return 0;
};

/** fls(x): the 1-based position of the highest set bit. */
function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x >>> 0);
}

const sysctl_dyn_buckets: sysctl_handler_t = (oidp, _a1, _a2, req) => {
  const nv = kvar_of(V(dyn_buckets_max));
  const error = sysctl_handle_int(oidp, nv, 0, req);
  if (error !== 0 || req.newval === null) return error;
  const nbuckets = nv.v >>> 0;
  if (nbuckets > 256) VNET_I32_SET(dyn_buckets_max, 2 ** fls(nbuckets - 1));
  else return EINVAL;
  return 0;
};

/** The sysctls hang under net.inet.ip.fw while the ipfw module is loaded
 *  (ip_fw2.ts makes the node at kldload and removes it at kldunload): they
 *  attach with the first vnet's ipfw_dyn_init after a load and go at unload
 *  (ipfw_register_module_hook). */
let dyn_oids: sysctl_oid[] = [];
function ipfw_dyn_sysctl_attach(): void {
  const node = net_inet_ip_fw();
  if (node === null || dyn_oids.length !== 0) return;
  const oids = dyn_oids;
  oids.push(SYSCTL_UINT(node, OID_AUTO, "dyn_count", CTLFLAG_VNET | CTLFLAG_RD, dyn_count, 0, "Current number of dynamic states."));
  oids.push(SYSCTL_UINT(node, OID_AUTO, "dyn_parent_count", CTLFLAG_VNET | CTLFLAG_RD, dyn_parent_count, 0, "Current number of parent states. "));
  oids.push(SYSCTL_UINT(node, OID_AUTO, "curr_dyn_buckets", CTLFLAG_VNET | CTLFLAG_RD, curr_dyn_buckets, 0, "Current number of buckets for states hash table."));
  oids.push(SYSCTL_UINT(node, OID_AUTO, "curr_max_length", CTLFLAG_VNET | CTLFLAG_RD, curr_max_length, 0, "Current maximum length of states chains in hash buckets."));
  oids.push(SYSCTL_PROC(node, OID_AUTO, "dyn_buckets", CTLFLAG_VNET | CTLTYPE_UINT | CTLFLAG_RW, null, 0, sysctl_dyn_buckets, "IU", "Max number of buckets for dynamic states hash table."));
  oids.push(SYSCTL_PROC(node, OID_AUTO, "dyn_max", CTLFLAG_VNET | CTLTYPE_UINT | CTLFLAG_RW, null, 0, sysctl_dyn_max, "IU", "Max number of dynamic states."));
  oids.push(SYSCTL_PROC(node, OID_AUTO, "dyn_parent_max", CTLFLAG_VNET | CTLTYPE_UINT | CTLFLAG_RW, null, 0, sysctl_dyn_parent_max, "IU", "Max number of parent dynamic states."));
  oids.push(SYSCTL_UINT(node, OID_AUTO, "dyn_ack_lifetime", CTLFLAG_VNET | CTLFLAG_RW, dyn_ack_lifetime, 0, "Lifetime of dynamic states for TCP ACK."));
  oids.push(SYSCTL_UINT(node, OID_AUTO, "dyn_syn_lifetime", CTLFLAG_VNET | CTLFLAG_RW, dyn_syn_lifetime, 0, "Lifetime of dynamic states for TCP SYN."));
  oids.push(SYSCTL_UINT(node, OID_AUTO, "dyn_fin_lifetime", CTLFLAG_VNET | CTLFLAG_RW, dyn_fin_lifetime, 0, "Lifetime of dynamic states for TCP FIN."));
  oids.push(SYSCTL_UINT(node, OID_AUTO, "dyn_rst_lifetime", CTLFLAG_VNET | CTLFLAG_RW, dyn_rst_lifetime, 0, "Lifetime of dynamic states for TCP RST."));
  oids.push(SYSCTL_UINT(node, OID_AUTO, "dyn_udp_lifetime", CTLFLAG_VNET | CTLFLAG_RW, dyn_udp_lifetime, 0, "Lifetime of dynamic states for UDP."));
  oids.push(SYSCTL_UINT(node, OID_AUTO, "dyn_short_lifetime", CTLFLAG_VNET | CTLFLAG_RW, dyn_short_lifetime, 0, "Lifetime of dynamic states for other situations."));
  oids.push(SYSCTL_UINT(node, OID_AUTO, "dyn_keepalive", CTLFLAG_VNET | CTLFLAG_RW, dyn_keepalive, 0, "Enable keepalives for dynamic states."));
  oids.push(SYSCTL_UINT(node, OID_AUTO, "dyn_keep_states", CTLFLAG_VNET | CTLFLAG_RW, dyn_keep_states, 0, "Do not flush dynamic states on rule deletion"));
}

function ipfw_dyn_sysctl_detach(): void {
  for (let i = dyn_oids.length - 1; i >= 0; i--) sysctl_unregister_oid(dyn_oids[i]);
  dyn_oids = [];
}

// ---------------------------------------------------------------------------
// Named states ("keep-state :name"): the opcodes' arg1 is the kernel index
// of a named object of the chain's service namespace (CHAIN_TO_SRV), one per
// name, "default" when the rule gives none; check-state without a name
// (arg1 0) matches any state.

const default_state_name = "default";

function dyn_state_name(ti: tid_info): string | null {
  if (ti.uidx === 0) return default_state_name;
  if (ti.tlvs === null) return null;
  const ntlv = ipfw_find_name_tlv_type(ti.tlvs, ti.tlvs_off, ti.tlen, ti.uidx, fw.IPFW_TLV_STATE_NAME);
  if (ntlv < 0) return null;
  return fw.cstr_read(ti.tlvs, ntlv + fw.ntlv_name, fw.NTLV_NAME_LEN);
}

function dyn_classify(dv: DataView, off: number, out: { uidx: number; type: number }): number {
  // "check-state any" is not rewritten.
  if (fw.insn_arg1(dv, off) === 0 && fw.insn_opcode(dv, off) === fw.O_CHECK_STATE) return 1;
  out.uidx = fw.insn_arg1(dv, off);
  out.type = 0;
  return 0;
}

function dyn_update(dv: DataView, off: number, idx: number): void {
  dv.setUint16(off + fw.INSN_ARG1, idx, true);
}

function dyn_findbyname(ch: ip_fw_chain, ti: tid_info, out: { no: named_object | null }): number {
  const name = dyn_state_name(ti);
  if (name === null) return EINVAL;
  // States are global: the set is ignored (0).  A missing object is not an
  // error here; the caller creates it.
  out.no = ch.srvmap === null ? null : ipfw_objhash_lookup_name_type(ch.srvmap, 0, fw.IPFW_TLV_STATE_NAME, name);
  return 0;
}

function dyn_findbykidx(ch: ip_fw_chain, idx: number): named_object | null {
  return ch.srvmap === null ? null : ipfw_objhash_lookup_kidx(ch.srvmap, idx);
}

function dyn_create(ch: ip_fw_chain, ti: tid_info, out: { kidx: number }): number {
  const name = dyn_state_name(ti);
  if (name === null) return EINVAL;
  const ni = ch.srvmap;
  if (ni === null) return EINVAL;
  const no = ipfw_objhash_lookup_name_type(ni, 0, fw.IPFW_TLV_STATE_NAME, name);
  if (no !== null) {
    out.kidx = no.kidx;
    no.refcnt++;
    return 0;
  }
  const idx = { idx: 0 };
  if (ipfw_objhash_alloc_idx(ni, idx) !== 0) return ENOSPC;
  const obj = new priv.named_object();
  obj.name = name.slice(0, 63);
  obj.etlv = fw.IPFW_TLV_STATE_NAME;
  obj.kidx = idx.idx;
  ipfw_objhash_add(ni, obj);
  while (ch.srvstate.length <= obj.kidx) ch.srvstate.push(null);
  ch.srvstate[obj.kidx] = obj;
  obj.refcnt++;
  out.kidx = obj.kidx;
  return 0;
}

function dyn_destroy(ch: ip_fw_chain, no: named_object): void {
  if (no.etlv !== fw.IPFW_TLV_STATE_NAME) throw new Error(`dyn_destroy: wrong object type ${no.etlv}`);
  ch.srvstate[no.kidx] = null;
  if (ch.srvmap !== null) {
    ipfw_objhash_del(ch.srvmap, no);
    ipfw_objhash_free_idx(ch.srvmap, no.kidx);
  }
}

function dyn_ref_object(ch: ip_fw_chain, kidx: number): void {
  const no = dyn_findbykidx(ch, kidx);
  if (no !== null) no.refcnt++;
}

function dyn_unref_object(ch: ip_fw_chain, kidx: number): void {
  const no = dyn_findbykidx(ch, kidx);
  if (no === null) return;
  if (no.refcnt === 1) dyn_destroy(ch, no);
  else no.refcnt--;
}

let dyn_opcodes: opcode_obj_rewrite[] | null = null;
function dyn_opcodes_get(): opcode_obj_rewrite[] {
  if (dyn_opcodes === null) {
    dyn_opcodes = [fw.O_KEEP_STATE, fw.O_CHECK_STATE, fw.O_PROBE_STATE, fw.O_LIMIT].map((opcode) => ({
      opcode,
      etlv: fw.IPFW_TLV_STATE_NAME,
      classifier: dyn_classify,
      update: dyn_update,
      find_byname: dyn_findbyname,
      find_bykidx: dyn_findbykidx,
      create_object: dyn_create,
      destroy_object: dyn_destroy,
      manage_sets: null,
    }));
  }
  return dyn_opcodes;
}

// ---------------------------------------------------------------------------
// Hashing.  The tuple is ordered (lower address first) so that both
// directions of a flow hash alike.

const t4 = new Uint32Array(3);
const t6 = new Uint32Array(9);
const tp = new Uint32Array(1);

function addrcmp4(src: number, dst: number, sport: number, dport: number): number {
  if (src >>> 0 < dst >>> 0) return 0;
  if (src >>> 0 > dst >>> 0) return 1;
  return sport <= dport ? 0 : 1;
}

function hash_packet4(hashseed: number, src: number, dst: number, sport: number, dport: number): number {
  if (addrcmp4(src, dst, sport, dport) === 0) {
    t4[0] = src;
    t4[1] = dst;
    t4[2] = sport | (dport << 16);
  } else {
    t4[0] = dst;
    t4[1] = src;
    t4[2] = dport | (sport << 16);
  }
  return jenkins_hash32(t4, 3, hashseed);
}

function addrcmp6(s: Int32Array | readonly number[], d: Int32Array | readonly number[], sport: number, dport: number): number {
  for (let i = 0; i < 4; i++) {
    const a = s[i] >>> 0;
    const b = d[i] >>> 0;
    if (a < b) return 0;
    if (a > b) return 1;
  }
  return sport <= dport ? 0 : 1;
}

function hash_packet6(hashseed: number, s: Int32Array, d: Int32Array, sport: number, dport: number): number {
  const swap = addrcmp6(s, d, sport, dport) !== 0;
  const a = swap ? d : s;
  const b = swap ? s : d;
  for (let i = 0; i < 4; i++) {
    t6[i] = a[i];
    t6[4 + i] = b[i];
  }
  t6[8] = swap ? dport | (sport << 16) : sport | (dport << 16);
  return jenkins_hash32(t6, 9, hashseed);
}

/** The four host-order words of an in6_addr's bytes. */
function in6_words(b: Uint8Array, out: Int32Array): void {
  for (let i = 0; i < 4; i++) out[i] = (b[i * 4] << 24) | (b[i * 4 + 1] << 16) | (b[i * 4 + 2] << 8) | b[i * 4 + 3];
}

/**
 * th_ack of the packet's TCP header at ulp, as an int32 (tcp_seq as our
 * TCP keeps it: a value at or above 2^31 read unsigned would be boxed as a
 * heap number on every packet).  Whether there was a TCP header at all
 * (FreeBSD passes the header pointer, NULL when there is none) is left in
 * dyn_pkt_tcp for dyn_update_tcp_state, read before the next packet.
 */
function dyn_ulp_ack(args: ip_fw_args, ulp: number): number {
  const m = args.m;
  dyn_pkt_tcp = !(ulp < 0 || m === null || args.f_id.proto !== IPPROTO_TCP || ulp + TCP_HDRLEN > m.m_buf.length);
  return dyn_pkt_tcp ? (m as mbuf).m_dv.getInt32(ulp + TCPH_ACK) : 0;
}
let dyn_pkt_tcp = false;

// Scratch copies of a flow id's IPv6 addresses as words (the per-packet path
// reads them here instead of building arrays).
const pkt_src6 = new Int32Array(4);
const pkt_dst6 = new Int32Array(4);

function load6(id: ipfw_flow_id): void {
  in6_words(id.src_ip6, pkt_src6);
  in6_words(id.dst_ip6, pkt_dst6);
}

/** hash_packet: the bucket-independent hash of a flow id. */
function hash_packet(d: dyn_vnet_state, id: ipfw_flow_id): number {
  if (id.addr_type === 4) return hash_packet4(d.hashseed, id.src_ip, id.dst_ip, id.src_port, id.dst_port);
  if (id.addr_type === 6) {
    load6(id);
    return hash_packet6(d.hashseed, pkt_src6, pkt_dst6, id.src_port, id.dst_port);
  }
  return 0;
}

function hash_parent(pkthash: number, rule: ip_fw): number {
  tp[0] = rule.id;
  return jenkins_hash32(tp, 1, pkthash);
}

function DYN_BUCKET(h: number, b: number): number {
  return h & (b - 1);
}

function eq6(a: Int32Array, b: Int32Array): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

// ---------------------------------------------------------------------------
// Per-protocol state updates.

function dyn_update_tcp_state(data: dyn_data, pkt: ipfw_flow_id, ack: number, dir: number): number {
  let expire = data.expire;
  const old = data.state;
  let state = old;
  const th_flags = pkt._flags & (TH_FIN | TH_SYN | TH_RST);
  state |= dir === MATCH_FORWARD ? th_flags : th_flags << 8;
  switch (state & TCP_FLAGS) {
    case TH_SYN:
      expire = time_uptime() + V(dyn_syn_lifetime);
      break;
    case BOTH_SYN:
    case BOTH_SYN | TH_FIN:
    case BOTH_SYN | (TH_FIN << 8):
      if (!dyn_pkt_tcp) break;
      if (dir === MATCH_FORWARD) {
        if (data.ack_fwd === 0 || _SEQ_GE(ack, data.ack_fwd)) {
          state |= ACK_FWD;
          data.ack_fwd = ack | 0;
        }
      } else if (data.ack_rev === 0 || _SEQ_GE(ack, data.ack_rev)) {
        state |= ACK_REV;
        data.ack_rev = ack | 0;
      }
      if ((state & ACK_BOTH) === ACK_BOTH) {
        // Both sides acknowledged: the connection is alive for another
        // dyn_ack_lifetime, and the next round of ACKs starts afresh.
        expire = time_uptime() + V(dyn_ack_lifetime);
        data.state ^= ACK_BOTH;
      } else if ((data.state & ACK_BOTH) !== (state & ACK_BOTH)) {
        data.state |= state & ACK_BOTH;
      }
      break;
    case BOTH_SYN | BOTH_FIN:
      if (V(dyn_fin_lifetime) >= V(dyn_keepalive_period)) VNET_I32_SET(dyn_fin_lifetime, V(dyn_keepalive_period) - 1);
      expire = time_uptime() + V(dyn_fin_lifetime);
      break;
    default:
      if (V(dyn_keepalive) !== 0 && V(dyn_rst_lifetime) >= V(dyn_keepalive_period)) VNET_I32_SET(dyn_rst_lifetime, V(dyn_keepalive_period) - 1);
      expire = time_uptime() + V(dyn_rst_lifetime);
  }
  if ((state & TCP_FLAGS) !== (old & TCP_FLAGS)) data.state |= state & TCP_FLAGS;
  return expire;
}

function dyn_update_proto_state(data: dyn_data, pkt: ipfw_flow_id, ack: number, pktlen: number, dir: number): void {
  let expire: number;
  switch (pkt.proto) {
    case IPPROTO_UDP:
    case IPPROTO_UDPLITE:
      expire = time_uptime() + V(dyn_udp_lifetime);
      break;
    case IPPROTO_TCP:
      expire = dyn_update_tcp_state(data, pkt, ack, dir);
      break;
    default:
      expire = time_uptime() + V(dyn_short_lifetime);
  }
  data.expire = expire >>> 0;
  if (dir === MATCH_FORWARD) {
    data.pcnt_fwd++;
    data.bcnt_fwd += pktlen;
  } else {
    data.pcnt_rev++;
    data.bcnt_rev += pktlen;
  }
}

// ---------------------------------------------------------------------------
// Lookups.

function dyn_lookup_ipv4_state(d: dyn_vnet_state, pkt: ipfw_flow_id, ack: number, info: ipfw_dyn_info, pktlen: number): dyn_state | null {
  const bucket = DYN_BUCKET(info.hashval, V(curr_dyn_buckets));
  let s = d.ipv4[bucket];
  for (; s !== null; s = s.next) {
    if (s.proto !== pkt.proto) continue;
    if (info.kidx !== 0 && s.kidx !== info.kidx) continue;
    if (s.sport === pkt.src_port && s.dport === pkt.dst_port && s.src === pkt.src_ip && s.dst === pkt.dst_ip) {
      info.direction = MATCH_FORWARD;
      break;
    }
    if (s.sport === pkt.dst_port && s.dport === pkt.src_port && s.src === pkt.dst_ip && s.dst === pkt.src_ip) {
      info.direction = MATCH_REVERSE;
      break;
    }
  }
  if (s !== null && s.data !== null) dyn_update_proto_state(s.data, pkt, ack, pktlen, info.direction);
  return s;
}

function dyn_lookup_ipv6_state(d: dyn_vnet_state, pkt: ipfw_flow_id, zoneid: number, ack: number, info: ipfw_dyn_info, pktlen: number): dyn_state | null {
  const bucket = DYN_BUCKET(info.hashval, V(curr_dyn_buckets));
  load6(pkt);
  let s = d.ipv6[bucket];
  for (; s !== null; s = s.next) {
    if (s.proto !== pkt.proto || s.zoneid !== zoneid) continue;
    if (info.kidx !== 0 && s.kidx !== info.kidx) continue;
    if (s.sport === pkt.src_port && s.dport === pkt.dst_port && eq6(s.src6, pkt_src6) && eq6(s.dst6, pkt_dst6)) {
      info.direction = MATCH_FORWARD;
      break;
    }
    if (s.sport === pkt.dst_port && s.dport === pkt.src_port && eq6(s.src6, pkt_dst6) && eq6(s.dst6, pkt_src6)) {
      info.direction = MATCH_REVERSE;
      break;
    }
  }
  if (s !== null && s.data !== null) dyn_update_proto_state(s.data, pkt, ack, pktlen, info.direction);
  return s;
}

/** The install-time check that no state exists yet (with kidx exact). */
function dyn_lookup_state_locked(d: dyn_vnet_state, pkt: ipfw_flow_id, zoneid: number, ack: number, pktlen: number, bucket: number, kidx: number): boolean {
  const v6 = pkt.addr_type === 6;
  if (v6) load6(pkt);
  let dir = MATCH_NONE;
  let s = v6 ? d.ipv6[bucket] : d.ipv4[bucket];
  for (; s !== null; s = s.next) {
    if (s.proto !== pkt.proto || s.kidx !== kidx) continue;
    if (v6) {
      if (s.zoneid !== zoneid) continue;
      if (s.sport === pkt.src_port && s.dport === pkt.dst_port && eq6(s.src6, pkt_src6) && eq6(s.dst6, pkt_dst6)) {
        dir = MATCH_FORWARD;
        break;
      }
      if (s.sport === pkt.dst_port && s.dport === pkt.src_port && eq6(s.src6, pkt_dst6) && eq6(s.dst6, pkt_src6)) {
        dir = MATCH_REVERSE;
        break;
      }
    } else {
      if (s.sport === pkt.src_port && s.dport === pkt.dst_port && s.src === pkt.src_ip && s.dst === pkt.dst_ip) {
        dir = MATCH_FORWARD;
        break;
      }
      if (s.sport === pkt.dst_port && s.dport === pkt.src_port && s.src === pkt.dst_ip && s.dst === pkt.src_ip) {
        dir = MATCH_REVERSE;
        break;
      }
    }
  }
  if (s !== null && s.data !== null) dyn_update_proto_state(s.data, pkt, ack, pktlen, dir);
  return s !== null;
}

/** A parent state of `rule` for the masked flow id, its expiry refreshed. */
function dyn_lookup_parent(d: dyn_vnet_state, pkt: ipfw_flow_id, zoneid: number, rule: ip_fw, hashval: number): dyn_state | null {
  const bucket = DYN_BUCKET(hashval, V(curr_dyn_buckets));
  const v6 = pkt.addr_type === 6;
  if (v6) load6(pkt);
  for (let s = v6 ? d.ipv6_parent[bucket] : d.ipv4_parent[bucket]; s !== null; s = s.next) {
    const l = s.limit;
    if (l === null || l.parent !== rule || l.ruleid !== rule.id || l.rulenum !== rule.rulenum) continue;
    if (s.proto !== pkt.proto || s.sport !== pkt.src_port || s.dport !== pkt.dst_port) continue;
    if (v6 ? s.zoneid === zoneid && eq6(s.src6, pkt_src6) && eq6(s.dst6, pkt_dst6) : s.src === pkt.src_ip && s.dst === pkt.dst_ip) {
      l.expire = (time_uptime() + V(dyn_short_lifetime)) >>> 0;
      return s;
    }
  }
  return null;
}

/**
 * ipfw_dyn_lookup_state: the state of this packet's flow, for
 * O_CHECK_STATE/O_PROBE_STATE (the instruction at cmdoff of cmdv; its arg1
 * names the state, 0 = any).  Returns the rule that made the state (its
 * action applies), with info.direction and info.f_pos set, or null.  ulp is
 * the offset of the upper-layer header in args.m (-1: none); pktlen counts
 * into the state's byte counters.
 */
export function ipfw_dyn_lookup_state(args: ip_fw_args, ulp: number, pktlen: number, cmdv: DataView, cmdoff: number, info: ipfw_dyn_info): ip_fw | null {
  const d = VNET_PTR(V_dyn);
  info.kidx = fw.insn_arg1(cmdv, cmdoff);
  const ack = dyn_ulp_ack(args, ulp);
  info.direction = MATCH_NONE;
  if (d === null || V(curr_dyn_buckets) === 0) return null;
  info.hashval = hash_packet(d, args.f_id);
  let s: dyn_state | null = null;
  if (args.f_id.addr_type === 4) s = dyn_lookup_ipv4_state(d, args.f_id, ack, info, pktlen);
  else if (args.f_id.addr_type === 6) s = dyn_lookup_ipv6_state(d, args.f_id, dyn_getscopeid(args), ack, info, pktlen);
  if (s === null || s.data === null) return null;
  const data = s.data;
  let rule: ip_fw | null;
  if (s.type === fw.O_LIMIT) {
    const ps = data.parent as dyn_state;
    rule = ps.limit === null ? null : ps.limit.parent;
  } else {
    rule = data.parent as ip_fw;
  }
  if (rule === null) return null;
  const chain = priv.V_layer3_chain();
  if (chain === null) return null;
  if (data.chain_id !== chain.id) {
    data.f_pos = ipfw_find_rule(chain, data.rulenum, data.ruleid);
    // The rule at that position is not ours: our rule was deleted (or
    // moved past) since the state was made.
    if (chain.map[data.f_pos] === rule) {
      data.chain_id = chain.id;
      info.f_pos = data.f_pos;
    } else if (V(dyn_keep_states) !== 0) {
      data.chain_id = chain.id;
      data.f_pos = chain.n_rules - 2;
      info.f_pos = data.f_pos;
    } else {
      rule = null;
      info.direction = MATCH_NONE;
    }
  } else {
    info.f_pos = data.f_pos;
  }
  return rule;
}

/** dyn_getscopeid: the link's zone for link-local flows, 0 otherwise. */
function dyn_getscopeid(args: ip_fw_args): number {
  const id = args.f_id;
  if (IN6_IS_ADDR_LINKLOCAL(id.src_ip6) || IN6_IS_ADDR_LINKLOCAL(id.dst_ip6)) return args.ifp === null ? 0 : args.ifp.if_index;
  return 0;
}

function IN6_IS_ADDR_LINKLOCAL(b: Uint8Array): boolean {
  return b[0] === 0xfe && (b[1] & 0xc0) === 0x80;
}

// ---------------------------------------------------------------------------
// Installation.

function dyn_log_nomem(d: dyn_vnet_state, what: string): void {
  if (d.last_log !== time_uptime()) {
    d.last_log = time_uptime();
    log(7, `ipfw: Cannot allocate ${what}\n`);
  }
}

function dyn_alloc_state(d: dyn_vnet_state, pkt: ipfw_flow_id, zoneid: number, kidx: number, type: number): dyn_state | null {
  const v6 = pkt.addr_type === 6;
  const s = (v6 ? d.ipv6_zone : d.ipv4_zone).uma_zalloc();
  if (s === null) return null;
  s.type = type;
  s.kidx = kidx;
  s.proto = pkt.proto;
  s.sport = pkt.src_port;
  s.dport = pkt.dst_port;
  s.next = null;
  s.expired = null;
  s.data = null;
  s.limit = null;
  if (v6) {
    s.zoneid = zoneid;
    in6_words(pkt.src_ip6, s.src6);
    in6_words(pkt.dst_ip6, s.dst6);
    s.src = s.dst = 0;
  } else {
    s.zoneid = 0;
    s.src = pkt.src_ip;
    s.dst = pkt.dst_ip;
    s.src6.fill(0);
    s.dst6.fill(0);
  }
  return s;
}

function dyn_add_parent(d: dyn_vnet_state, rule: ip_fw, pkt: ipfw_flow_id, zoneid: number, hashval: number, kidx: number): dyn_state | null {
  const limit = d.parent_zone.uma_zalloc();
  if (limit === null) {
    dyn_log_nomem(d, "parent dynamic state, consider increasing net.inet.ip.fw.dyn_parent_max");
    return null;
  }
  limit.parent = rule;
  limit.ruleid = rule.id;
  limit.rulenum = rule.rulenum;
  limit.hashval = hashval;
  limit.count = 0;
  limit.expire = (time_uptime() + V(dyn_short_lifetime)) >>> 0;
  const s = dyn_alloc_state(d, pkt, zoneid, kidx, fw.O_LIMIT_PARENT);
  if (s === null) {
    d.parent_zone.uma_zfree(limit);
    return null;
  }
  s.limit = limit;
  const bucket = DYN_BUCKET(hashval, V(curr_dyn_buckets));
  const heads = pkt.addr_type === 6 ? d.ipv6_parent : d.ipv4_parent;
  s.next = heads[bucket];
  heads[bucket] = s;
  VNET_I32_SET(dyn_parent_count, V(dyn_parent_count) + 1);
  dyn_tick_arm(d);
  return s;
}

function dyn_add_state(d: dyn_vnet_state, parent: ip_fw | dyn_state, ruleid: number, rulenum: number, pkt: ipfw_flow_id, zoneid: number, ack: number, pktlen: number, hashval: number, info: ipfw_dyn_info, fibnum: number, kidx: number, type: number): number {
  const bucket = DYN_BUCKET(hashval, V(curr_dyn_buckets));
  if (info.direction === MATCH_UNKNOWN || info.kidx !== kidx || info.hashval !== hashval) {
    if (dyn_lookup_state_locked(d, pkt, zoneid, ack, pktlen, bucket, kidx)) return EEXIST_;
  }
  const data = d.data_zone.uma_zalloc();
  if (data === null) {
    dyn_log_nomem(d, "dynamic state, consider increasing net.inet.ip.fw.dyn_max");
    return ENOMEM_;
  }
  data.parent = parent;
  data.ruleid = ruleid;
  data.rulenum = rulenum;
  data.fibnum = fibnum;
  data.hashval = hashval;
  data.chain_id = 0;
  data.f_pos = 0;
  data.flags = 0;
  data.state = 0;
  data.ack_fwd = data.ack_rev = 0;
  data.sync = 0;
  data.pcnt_fwd = data.bcnt_fwd = data.pcnt_rev = data.bcnt_rev = 0;
  data.expire = (time_uptime() + V(dyn_syn_lifetime)) >>> 0;
  dyn_update_proto_state(data, pkt, ack, pktlen, MATCH_FORWARD);
  const s = dyn_alloc_state(d, pkt, zoneid, kidx, type);
  if (s === null) {
    d.data_zone.uma_zfree(data);
    return ENOMEM_;
  }
  s.data = data;
  const heads = pkt.addr_type === 6 ? d.ipv6 : d.ipv4;
  s.next = heads[bucket];
  heads[bucket] = s;
  VNET_I32_SET(dyn_count, V(dyn_count) + 1);
  dyn_tick_arm(d);
  return 0;
}
const EEXIST_ = 17;
const ENOMEM_ = 12;

// The masked flow id of a limit rule's parent (one object, made on first use).
let limit_id_obj: ipfw_flow_id | null = null;

function dyn_install_state(d: dyn_vnet_state, pkt: ipfw_flow_id, zoneid: number, fibnum: number, ack: number, pktlen: number, rule: ip_fw, info: ipfw_dyn_info, limit: number, limit_mask: number, kidx: number, type: number): number {
  const ruleid = rule.id;
  const rulenum = rule.rulenum;
  let parent: ip_fw | dyn_state = rule;
  let ps: dyn_state | null = null;
  if (type === fw.O_LIMIT) {
    if (limit_id_obj === null) limit_id_obj = new fw.ipfw_flow_id();
    const id = limit_id_obj;
    id.addr_type = pkt.addr_type;
    id.proto = pkt.proto;
    id.fib = fibnum;
    id.src_port = (limit_mask & fw.DYN_SRC_PORT) !== 0 ? pkt.src_port : 0;
    id.dst_port = (limit_mask & fw.DYN_DST_PORT) !== 0 ? pkt.dst_port : 0;
    if (pkt.addr_type === 4) {
      id.src_ip = (limit_mask & fw.DYN_SRC_ADDR) !== 0 ? pkt.src_ip : 0;
      id.dst_ip = (limit_mask & fw.DYN_DST_ADDR) !== 0 ? pkt.dst_ip : 0;
    } else if (pkt.addr_type === 6) {
      if ((limit_mask & fw.DYN_SRC_ADDR) !== 0) id.src_ip6.set(pkt.src_ip6);
      else id.src_ip6.fill(0);
      if ((limit_mask & fw.DYN_DST_ADDR) !== 0) id.dst_ip6.set(pkt.dst_ip6);
      else id.dst_ip6.fill(0);
    } else {
      return EAFNOSUPPORT;
    }
    const parent_hashval = hash_parent(hash_packet(d, id), rule);
    ps = dyn_lookup_parent(d, id, zoneid, rule, parent_hashval);
    if (ps === null) ps = dyn_add_parent(d, rule, id, zoneid, parent_hashval, kidx);
    if (ps === null || ps.limit === null) return EACCES;
    if (ps.limit.count >= limit) {
      if (priv.V_fw_verbose() !== 0 && d.last_log !== time_uptime()) {
        d.last_log = time_uptime();
        print_dyn_rule_flags(pkt, fw.O_LIMIT, `${rulenum} drop session`, "too many entries");
      }
      return EACCES;
    }
    ps.limit.count++;
    parent = ps;
  }
  const hashval = hash_packet(d, pkt);
  const ret = pkt.addr_type === 4 || pkt.addr_type === 6 ? dyn_add_state(d, parent, ruleid, rulenum, pkt, zoneid, ack, pktlen, hashval, info, fibnum, kidx, type) : EAFNOSUPPORT;
  if (type === fw.O_LIMIT && ret !== 0 && ps !== null && ps.limit !== null) ps.limit.count--;
  // A state that is there already counts as installed.
  if (ret === EEXIST_) return 0;
  return ret;
}

/**
 * ipfw_dyn_install_state: make the state a keep-state (O_KEEP_STATE) or
 * limit (O_LIMIT) opcode (ipfw_insn_limit at cmdoff of cmdv) asks for.
 * Non-zero (an errno: EACCES when the limit is reached, ENOSPC without
 * memory) means the state is not there and ipfw_chk drops the packet.
 */
export function ipfw_dyn_install_state(chain: ip_fw_chain, rule: ip_fw, cmdv: DataView, cmdoff: number, args: ip_fw_args, ulp: number, pktlen: number, info: ipfw_dyn_info, tablearg: number): number {
  const d = VNET_PTR(V_dyn);
  if (d === null) return EINVAL;
  const opcode = fw.insn_opcode(cmdv, cmdoff);
  const kidx = fw.insn_arg1(cmdv, cmdoff);
  const ack = dyn_ulp_ack(args, ulp);
  let limit = 0;
  let mask = 0;
  if (opcode === fw.O_LIMIT) {
    limit = priv.IP_FW_ARG_TABLEARG(chain, cmdv.getUint16(cmdoff + fw.insn_limit_conn_limit, true), "limit", tablearg);
    mask = cmdv.getUint8(cmdoff + fw.insn_limit_limit_mask);
  }
  const zoneid = args.f_id.addr_type === 6 ? dyn_getscopeid(args) : 0;
  return dyn_install_state(d, args.f_id, zoneid, args.m === null ? 0 : args.m.m_pkthdr.fibnum, ack, pktlen, rule, info, limit, mask, kidx, opcode);
}

function print_dyn_rule_flags(id: ipfw_flow_id, dyn_type: number, prefix: string, postfix: string): void {
  const src = id.addr_type === 6 ? inet_ntop6(in6_addr_from(id.src_ip6)) : inet_ntoa(id.src_ip);
  const dst = id.addr_type === 6 ? inet_ntop6(in6_addr_from(id.dst_ip6)) : inet_ntoa(id.dst_ip);
  log(4 << 3 | 7, `ipfw: ${prefix} type ${dyn_type} ${src} ${id.src_port} -> ${dst} ${id.dst_port}, ${V(dyn_count)} ${postfix}\n`);
}

// ---------------------------------------------------------------------------
// Expiry.

function dyn_free_list(d: dyn_vnet_state, head: dyn_state | null, v6: boolean): dyn_state | null {
  // Parents still counting sessions wait for their children to go.
  let keep: dyn_state | null = null;
  let s = head;
  while (s !== null) {
    const next = s.expired;
    if (s.type === fw.O_LIMIT_PARENT && s.limit !== null && s.limit.count !== 0) {
      s.expired = keep;
      keep = s;
    } else {
      dyn_free_state(d, s, v6);
    }
    s = next;
  }
  return keep;
}

function dyn_free_state(d: dyn_vnet_state, s: dyn_state, v6: boolean): void {
  if (s.type === fw.O_LIMIT_PARENT) {
    if (s.limit !== null) {
      s.limit.parent = null;
      d.parent_zone.uma_zfree(s.limit);
    }
  } else if (s.data !== null) {
    s.data.parent = null;
    d.data_zone.uma_zfree(s.data);
  }
  s.data = null;
  s.limit = null;
  s.next = null;
  s.expired = null;
  (v6 ? d.ipv6_zone : d.ipv4_zone).uma_zfree(s);
}

/** dyn_free_states: free what the previous pass unlinked. */
function dyn_free_states(d: dyn_vnet_state): void {
  d.expired_ipv4 = dyn_free_list(d, d.expired_ipv4, false);
  d.expired_ipv6 = dyn_free_list(d, d.expired_ipv6, true);
}

/** 0: not in the range; 1: in it; 2: in it and dynamic states are asked for. */
function dyn_match_range(rulenum: number, set: number, rt: ipfw_range_tlv_k): number {
  if ((rt.flags & fw.IPFW_RCFLAG_ALL) !== 0) {
    if ((rt.flags & fw.IPFW_RCFLAG_DYNAMIC) !== 0) return 2;
    return 1;
  }
  if ((rt.flags & fw.IPFW_RCFLAG_SET) !== 0 && set !== rt.set) return 0;
  if ((rt.flags & fw.IPFW_RCFLAG_RANGE) !== 0 && (rulenum < rt.start_rule || rulenum > rt.end_rule)) return 0;
  if ((rt.flags & fw.IPFW_RCFLAG_DYNAMIC) !== 0) return 2;
  return 1;
}

function dyn_state_rule(s: dyn_state): ip_fw | null {
  if (s.type === fw.O_LIMIT_PARENT) return s.limit === null ? null : s.limit.parent;
  if (s.data === null) return null;
  if (s.type === fw.O_LIMIT) {
    const p = s.data.parent as dyn_state;
    return p.limit === null ? null : p.limit.parent;
  }
  return s.data.parent as ip_fw;
}

/** With dyn_keep_states, a state of a rule being deleted keeps the rule
 *  (and its named object) alive instead of going with it. */
function dyn_match_state(ch: ip_fw_chain, s: dyn_state, rt: ipfw_range_tlv_k): boolean {
  const rule = dyn_state_rule(s);
  if (rule === null) return true;
  if (s.type === fw.O_LIMIT_PARENT) return dyn_match_range((s.limit as dyn_parent).rulenum, rule.set, rt) !== 0;
  const data = s.data as dyn_data;
  const ret = dyn_match_range(data.rulenum, rule.set, rt);
  if (ret === 0 || V(dyn_keep_states) === 0 || ret > 1) return ret !== 0;
  if ((data.flags & DYN_REFERENCED) === 0) {
    data.flags |= DYN_REFERENCED;
    dyn_ref_object(ch, s.kidx);
    rule.refcnt++;
  }
  return false;
}

function dyn_release_rule(ch: ip_fw_chain, s: dyn_state): void {
  const rule = dyn_state_rule(s);
  dyn_unref_object(ch, s.kidx);
  if (rule !== null && --rule.refcnt === 1) ipfw_free_rule(rule);
}

/** Unlink from one bucket list what has expired (or matches rt). */
function dyn_unlink_list(d: dyn_vnet_state, ch: ip_fw_chain, heads: (dyn_state | null)[], bucket: number, parents: boolean, v6: boolean, rt: ipfw_range_tlv_k | null, now: number): number {
  let prev: dyn_state | null = null;
  let s = heads[bucket];
  let length = 0;
  while (s !== null) {
    const next = s.next;
    const expire = parents ? (s.limit as dyn_parent).expire : (s.data as dyn_data).expire;
    const expired = TIME_LEQ(expire, now) && (!parents || (s.limit as dyn_parent).count === 0);
    if (expired || (rt !== null && dyn_match_state(ch, s, rt))) {
      if (prev !== null) prev.next = next;
      else heads[bucket] = next;
      s.next = null;
      if (v6) {
        s.expired = d.expired_ipv6;
        d.expired_ipv6 = s;
      } else {
        s.expired = d.expired_ipv4;
        d.expired_ipv4 = s;
      }
      if (parents) {
        VNET_I32_SET(dyn_parent_count, V(dyn_parent_count) - 1);
      } else {
        VNET_I32_SET(dyn_count, V(dyn_count) - 1);
        const data = s.data as dyn_data;
        if ((data.flags & DYN_REFERENCED) !== 0) dyn_release_rule(ch, s);
        if (s.type === fw.O_LIMIT) {
          const p = data.parent as dyn_state;
          if (p.limit !== null) p.limit.count--;
        }
      }
    } else {
      prev = s;
      length++;
    }
    s = next;
  }
  return length;
}

/** dyn_expire_states: unlink expired states, or with rt those of the rules
 *  in its range. */
function dyn_expire_states(d: dyn_vnet_state, ch: ip_fw_chain, rt: ipfw_range_tlv_k | null): void {
  const now = time_uptime();
  let max_length = 0;
  const n = V(curr_dyn_buckets);
  for (let bucket = 0; bucket < n; bucket++) {
    let l = dyn_unlink_list(d, ch, d.ipv4, bucket, false, false, rt, now);
    if (l > max_length) max_length = l;
    l = dyn_unlink_list(d, ch, d.ipv4_parent, bucket, true, false, rt, now);
    if (l > max_length) max_length = l;
    l = dyn_unlink_list(d, ch, d.ipv6, bucket, false, true, rt, now);
    if (l > max_length) max_length = l;
    l = dyn_unlink_list(d, ch, d.ipv6_parent, bucket, true, true, rt, now);
    if (l > max_length) max_length = l;
  }
  VNET_I32_SET(curr_max_length, max_length);
}

/** ipfw_expire_dyn_states: rule deletion (rt gives the rules) and
 *  "ipfw -D/flush" take their states with them. */
export function ipfw_expire_dyn_states(chain: ip_fw_chain, rt: ipfw_range_tlv_k | null): void {
  const d = VNET_PTR(V_dyn);
  if (d === null || V(dyn_count) === 0) return;
  dyn_expire_states(d, chain, rt);
  dyn_tick_arm(d);
}

// ---------------------------------------------------------------------------
// Keepalives: an established TCP state about to expire gets an ACK sent to
// each side that has not acknowledged lately, so a live but idle connection
// answers and renews the state.

function dyn_mgethdr(len: number, fibnum: number): mbuf | null {
  const m = m_gethdr(M_NOWAIT, MT_DATA);
  if (m === null) return null;
  M_SETFIB(m, fibnum);
  m.m_data += max_linkhdr;
  m.m_flags |= M_SKIP_FIREWALL;
  m.m_len = m.m_pkthdr.len = len;
  m.m_buf.fill(0, m.m_data, m.m_data + len);
  return m;
}

function dyn_make_tcp(m: mbuf, th: number, sport: number, dport: number, seq: number, ack: number): void {
  const dv = m.m_dv;
  dv.setUint16(th + TCPH_SPORT, sport);
  dv.setUint16(th + TCPH_DPORT, dport);
  dv.setUint32(th + TCPH_SEQ, seq >>> 0);
  dv.setUint32(th + TCPH_ACK, ack >>> 0);
  m.m_buf[th + TCPH_OFFX2] = (TCP_HDRLEN >> 2) << 4;
  m.m_buf[th + TCPH_FLAGS] = TH_ACK;
  m.m_pkthdr.csum_data = TCPH_SUM;
}

function dyn_keepalive4(s: dyn_state, src: number, dst: number, seq: number, ack: number, sport: number, dport: number, out: mbuf[]): void {
  const data = s.data as dyn_data;
  const m = dyn_mgethdr(IP_HDRLEN + TCP_HDRLEN, data.fibnum);
  if (m === null) return;
  const ip = m.m_data;
  const dv = m.m_dv;
  m.m_buf[ip + IPH_VHL] = 0x45;
  m.m_buf[ip + IPH_TOS] = IPTOS_LOWDELAY;
  dv.setUint16(ip + IPH_LEN, m.m_len);
  dv.setUint16(ip + IPH_OFF, IP_DF);
  m.m_buf[ip + IPH_TTL] = V_ip_defttl();
  m.m_buf[ip + IPH_P] = IPPROTO_TCP;
  dv.setUint32(ip + IPH_SRC, src >>> 0);
  dv.setUint32(ip + IPH_DST, dst >>> 0);
  const th = ip + IP_HDRLEN;
  dyn_make_tcp(m, th, sport, dport, seq, ack);
  dv.setUint16(th + TCPH_SUM, in_pseudo(src, dst, TCP_HDRLEN + IPPROTO_TCP));
  m.m_pkthdr.csum_flags = CSUM_TCP;
  out.push(m);
}

function dyn_keepalive6(s: dyn_state, src: Int32Array, dst: Int32Array, seq: number, ack: number, sport: number, dport: number, out: mbuf[]): void {
  const data = s.data as dyn_data;
  const m = dyn_mgethdr(IP6_HDRLEN + TCP_HDRLEN, data.fibnum);
  if (m === null) return;
  const ip6 = m.m_data;
  const dv = m.m_dv;
  m.m_buf[ip6] = IPV6_VERSION;
  dv.setUint16(ip6 + 4, TCP_HDRLEN);
  m.m_buf[ip6 + 6] = IPPROTO_TCP;
  m.m_buf[ip6 + 7] = V_ip6_defhlim();
  for (let i = 0; i < 4; i++) {
    dv.setInt32(ip6 + 8 + 4 * i, src[i]);
    dv.setInt32(ip6 + 24 + 4 * i, dst[i]);
  }
  // Link-local addresses carry their zone embedded, as the kernel keeps them.
  if (m.m_buf[ip6 + 8] === 0xfe && (m.m_buf[ip6 + 9] & 0xc0) === 0x80) dv.setUint16(ip6 + 10, s.zoneid & 0xffff);
  if (m.m_buf[ip6 + 24] === 0xfe && (m.m_buf[ip6 + 25] & 0xc0) === 0x80) dv.setUint16(ip6 + 26, s.zoneid & 0xffff);
  const th = ip6 + IP6_HDRLEN;
  dyn_make_tcp(m, th, sport, dport, seq, ack);
  dv.setUint16(th + TCPH_SUM, in6_cksum_pseudo(m, 0, TCP_HDRLEN, IPPROTO_TCP, 0));
  m.m_pkthdr.csum_flags = CSUM_TCP_IPV6;
  out.push(m);
}
const IP_HDRLEN = 20;
const IP6_HDRLEN = 40;

function dyn_enqueue_keepalive(s: dyn_state, v6: boolean, out: mbuf[]): void {
  const data = s.data as dyn_data;
  if ((data.state & ACK_FWD) === 0 && data.ack_fwd !== 0) {
    if (v6) dyn_keepalive6(s, s.dst6, s.src6, (data.ack_fwd - 1) | 0, data.ack_rev, s.dport, s.sport, out);
    else dyn_keepalive4(s, s.dst, s.src, (data.ack_fwd - 1) | 0, data.ack_rev, s.dport, s.sport, out);
  }
  if ((data.state & ACK_REV) === 0 && data.ack_rev !== 0) {
    if (v6) dyn_keepalive6(s, s.src6, s.dst6, (data.ack_rev - 1) | 0, data.ack_fwd, s.sport, s.dport, out);
    else dyn_keepalive4(s, s.src, s.dst, (data.ack_rev - 1) | 0, data.ack_fwd, s.sport, s.dport, out);
  }
}

function dyn_send_keepalive(d: dyn_vnet_state, heads: (dyn_state | null)[], v6: boolean): void {
  const out: mbuf[] = [];
  const n = V(curr_dyn_buckets);
  const now = time_uptime();
  for (let bucket = 0; bucket < n; bucket++) {
    for (let s = heads[bucket]; s !== null; s = s.next) {
      const data = s.data as dyn_data;
      if (s.proto !== IPPROTO_TCP || (data.state & BOTH_SYN) !== BOTH_SYN || TIME_LEQ(now + V(dyn_keepalive_interval), data.expire)) continue;
      dyn_enqueue_keepalive(s, v6, out);
    }
  }
  for (const m of out) {
    if (v6) ip6_output(m, null, null, 0, null, null, null);
    else ip_output(m, null, null, 0, null, null);
  }
}

// ---------------------------------------------------------------------------
// The hash tables and the periodic callout.

function dyn_grow_hashtable(d: dyn_vnet_state, nbuckets: number): void {
  const relink = (old: (dyn_state | null)[], parents: boolean): (dyn_state | null)[] => {
    const t = new Array<dyn_state | null>(nbuckets).fill(null);
    for (let i = 0; i < old.length; i++) {
      let s = old[i];
      while (s !== null) {
        const next = s.next;
        const h = parents ? (s.limit as dyn_parent).hashval : (s.data as dyn_data).hashval;
        const b = DYN_BUCKET(h, nbuckets);
        s.next = t[b];
        t[b] = s;
        s = next;
      }
    }
    return t;
  };
  d.ipv4 = relink(d.ipv4, false);
  d.ipv4_parent = relink(d.ipv4_parent, true);
  d.ipv6 = relink(d.ipv6, false);
  d.ipv6_parent = relink(d.ipv6_parent, true);
  VNET_I32_SET(curr_dyn_buckets, nbuckets);
}

/** Anything for dyn_tick to do: states to expire or keep alive, entries to free. */
function dyn_tick_needed(d: dyn_vnet_state): boolean {
  return V(dyn_count) + V(dyn_parent_count) !== 0 || d.expired_ipv4 !== null || d.expired_ipv6 !== null;
}

function dyn_tick_arm(d: dyn_vnet_state): void {
  if (!callout_pending(d.timeout) && dyn_tick_needed(d)) callout_reset(d.timeout, hz, dyn_tick, d.vnet);
}

/** dyn_tick: once a second while there are states: free, expire, keep alive, grow. */
function dyn_tick(vnetx: vnet | null): void {
  const saved = vnetx === null ? null : CURVNET_SET(vnetx, "dyn_tick");
  try {
    const d = VNET_PTR(V_dyn);
    if (d === null) return;
    const chain = priv.V_layer3_chain();
    dyn_free_states(d);
    if (chain !== null) dyn_expire_states(d, chain, null);
    if (V(dyn_keepalive) !== 0 && d.keepalive_last + V(dyn_keepalive_period) <= time_uptime()) {
      d.keepalive_last = time_uptime();
      dyn_send_keepalive(d, d.ipv4, false);
      dyn_send_keepalive(d, d.ipv6, true);
    }
    const nb = V(curr_dyn_buckets);
    const cnt = V(dyn_count);
    if (nb < V(dyn_buckets_max) && (nb < cnt / 2 || (nb < cnt && V(curr_max_length) > 8))) {
      let buckets = 2 ** fls(cnt);
      if (buckets > V(dyn_buckets_max)) buckets = V(dyn_buckets_max);
      dyn_grow_hashtable(d, buckets);
    }
    if (dyn_tick_needed(d)) callout_reset(d.timeout, hz, dyn_tick, vnetx);
  } finally {
    if (vnetx !== null) CURVNET_RESTORE(saved);
  }
}

// ---------------------------------------------------------------------------
// Export to userland (ipfw -d list, ipfw -D).

/** ipfw_dyn_len: the size of all states in the legacy format. */
export function ipfw_dyn_len(): number {
  return (V(dyn_count) + V(dyn_parent_count)) * fw.SZ_ipfw_dyn_rule;
}

/** ipfw_dyn_get_count: the number of states, marking the state names
 *  they use in bmask (when given) and counting the newly marked in nocnt. */
export function ipfw_dyn_get_count(bmask: Uint32Array | null, nocnt: { n: number }): number {
  nocnt.n = 0;
  const d = VNET_PTR(V_dyn);
  if (d === null || V(dyn_count) + V(dyn_parent_count) === 0) return 0;
  if (bmask === null) return V(dyn_count) + V(dyn_parent_count);
  const n = V(curr_dyn_buckets);
  for (let bucket = 0; bucket < n; bucket++) {
    for (let s = d.ipv4[bucket]; s !== null; s = s.next) if (ipfw_mark_object_kidx(bmask, fw.IPFW_TLV_STATE_NAME, s.kidx)) nocnt.n++;
    for (let s = d.ipv6[bucket]; s !== null; s = s.next) if (ipfw_mark_object_kidx(bmask, fw.IPFW_TLV_STATE_NAME, s.kidx)) nocnt.n++;
  }
  return V(dyn_count) + V(dyn_parent_count);
}

/** ipfw_is_dyn_rule: does the rule have a stateful opcode. */
export function ipfw_is_dyn_rule(rule: ip_fw): boolean {
  let l = rule.cmd_len;
  let off = 0;
  while (l > 0) {
    const op = fw.insn_opcode(rule.cmdv, off * 4);
    const cmdlen = fw.F_LEN(rule.cmdv, off * 4);
    switch (op) {
      case fw.O_LIMIT:
      case fw.O_KEEP_STATE:
      case fw.O_PROBE_STATE:
      case fw.O_CHECK_STATE:
        return true;
    }
    if (cmdlen === 0) break;
    l -= cmdlen;
    off += cmdlen;
  }
  return false;
}

/**
 * Write one state as ipfw_dyn_rule (ip_fw.h, 128 bytes, little-endian as on
 * amd64) at off.  The "rule" pointer field carries the rule number in its
 * low 16 bits and the set in the next byte, as FreeBSD's export does.
 */
function dyn_export_state(s: dyn_state, v6: boolean, dv: DataView, off: number): void {
  const u8 = new Uint8Array(dv.buffer, dv.byteOffset + off, fw.SZ_ipfw_dyn_rule);
  u8.fill(0);
  const rule = dyn_state_rule(s);
  const set = rule === null ? 0 : rule.set;
  // next: non-NULL, the legacy "more follow" marker
  dv.setUint32(off + 0, 1, true);
  let rulenum: number;
  let expire: number;
  const now = time_uptime();
  if (s.type === fw.O_LIMIT_PARENT) {
    const p = s.limit as dyn_parent;
    rulenum = p.rulenum;
    expire = TIME_LEQ(p.expire, now) ? 0 : p.expire - now;
    dv.setUint16(off + 118, p.count & 0xffff, true);
    dv.setUint32(off + 100, p.hashval >>> 0, true);
  } else {
    const data = s.data as dyn_data;
    rulenum = data.rulenum;
    expire = TIME_LEQ(data.expire, now) ? 0 : data.expire - now;
    dv.setBigUint64(off + 24, BigInt(data.pcnt_fwd + data.pcnt_rev), true);
    dv.setBigUint64(off + 32, BigInt(data.bcnt_fwd + data.bcnt_rev), true);
    let st = data.state;
    if ((data.flags & DYN_REFERENCED) !== 0) st |= fw.IPFW_DYN_ORPHANED;
    dv.setUint32(off + 100, data.hashval >>> 0, true);
    dv.setUint32(off + 104, st >>> 0, true);
    dv.setUint32(off + 108, data.ack_fwd >>> 0, true);
    dv.setUint32(off + 112, data.ack_rev >>> 0, true);
  }
  dv.setUint16(off + 8, rulenum & 0xffff, true);
  dv.setUint8(off + 10, set);
  // struct ipfw_flow_id at 40
  const id = off + 40;
  if (v6) {
    for (let i = 0; i < 4; i++) {
      dv.setInt32(id + 16 + 4 * i, s.dst6[i]);
      dv.setInt32(id + 32 + 4 * i, s.src6[i]);
    }
  } else {
    dv.setUint32(id + 0, s.dst >>> 0, true);
    dv.setUint32(id + 4, s.src >>> 0, true);
  }
  dv.setUint16(id + 8, s.dport, true);
  dv.setUint16(id + 10, s.sport, true);
  dv.setUint8(id + 12, s.data === null ? 0 : s.data.fibnum & 0xff);
  dv.setUint8(id + 13, s.proto);
  dv.setUint8(id + 15, v6 ? 6 : 4);
  dv.setUint32(off + 96, expire >>> 0, true);
  dv.setUint16(off + 116, s.type, true);
  dv.setUint16(off + 120, s.kidx, true);
}

/**
 * ipfw_dump_states: append the states to a dump (IP_FW_XGET with
 * IPFW_CFG_GET_STATES) as an ipfw_obj_ctlv of IPFW_TLV_DYNSTATE_LIST
 * holding ipfw_obj_dyntlv's.
 */
export function ipfw_dump_states(chain: ip_fw_chain, sd: sockopt_data): number {
  void chain;
  const d = VNET_PTR(V_dyn);
  if (d === null || V(dyn_count) === 0) return 0;
  const ctlv = ipfw_get_sopt_space(sd, fw.SZ_ipfw_obj_ctlv);
  if (ctlv < 0) return ENOMEM_;
  const dv = sd.kdv;
  dv.setUint16(ctlv + 0, fw.IPFW_TLV_DYNSTATE_LIST, true);
  dv.setUint16(ctlv + 12, fw.SZ_ipfw_obj_dyntlv, true);
  let last = -1;
  const n = V(curr_dyn_buckets);
  const lists: [(dyn_state | null)[], boolean][] = [];
  for (let bucket = 0; bucket < n; bucket++) {
    lists.length = 0;
    lists.push([d.ipv4_parent, false], [d.ipv4, false], [d.ipv6_parent, true], [d.ipv6, true]);
    for (const [heads, v6] of lists) {
      for (let s = heads[bucket]; s !== null; s = s.next) {
        const o = ipfw_get_sopt_space(sd, fw.SZ_ipfw_obj_dyntlv);
        if (o < 0) return ENOMEM_;
        dyn_export_state(s, v6, dv, o + fw.SZ_ipfw_obj_tlv);
        dv.setUint16(o + 0, fw.IPFW_TLV_DYN_ENT, true);
        dv.setUint32(o + 4, fw.SZ_ipfw_obj_dyntlv, true);
        last = o;
      }
    }
  }
  if (last >= 0) dv.setUint16(last + 2, fw.IPFW_DF_LAST, true);
  return 0;
}

// ---------------------------------------------------------------------------
// Per-vnet life cycle, from ip_fw2.ts's vnet_ipfw_init / vnet_ipfw_uninit.

export function ipfw_dyn_init(chain: ip_fw_chain): void {
  void chain;
  const d = new dyn_vnet_state();
  d.vnet = VIMAGE ? curvnet : null;
  d.hashseed = arc4random();
  VNET_I32_SET(dyn_max, 16384);
  VNET_I32_SET(dyn_parent_max, 4096);
  VNET_I32_SET(dyn_buckets_max, 8192);
  VNET_I32_SET(dyn_ack_lifetime, 300);
  VNET_I32_SET(dyn_syn_lifetime, 20);
  VNET_I32_SET(dyn_fin_lifetime, 1);
  VNET_I32_SET(dyn_rst_lifetime, 1);
  VNET_I32_SET(dyn_udp_lifetime, 10);
  VNET_I32_SET(dyn_short_lifetime, 5);
  VNET_I32_SET(dyn_keepalive_interval, 20);
  VNET_I32_SET(dyn_keepalive_period, 5);
  VNET_I32_SET(dyn_keepalive, 1);
  VNET_I32_SET(dyn_keep_states, 0);
  VNET_I32_SET(dyn_count, 0);
  VNET_I32_SET(dyn_parent_count, 0);
  d.keepalive_last = time_uptime();
  d.data_zone.uma_zone_set_max(16384);
  d.parent_zone.uma_zone_set_max(4096);
  VNET_I32_SET(curr_dyn_buckets, 0);
  dyn_grow_hashtable(d, 256);
  callout_init(d.timeout, true);
  VNET_PTR_SET(V_dyn, d);
  ipfw_dyn_sysctl_attach();
  if (!VIMAGE || IS_DEFAULT_VNET(curvnet)) ipfw_add_obj_rewriter(dyn_opcodes_get());
}

/** pass 0 stops the callout; pass 1 frees every state. */
export function ipfw_dyn_uninit(pass: number): void {
  const d = VNET_PTR(V_dyn);
  if (d === null) return;
  if (pass === 0) {
    callout_stop(d.timeout);
    return;
  }
  if (!VIMAGE || IS_DEFAULT_VNET(curvnet)) ipfw_del_obj_rewriter(dyn_opcodes_get());
  const n = V(curr_dyn_buckets);
  for (let bucket = 0; bucket < n; bucket++) {
    for (const [heads, v6] of [[d.ipv4, false], [d.ipv4_parent, false], [d.ipv6, true], [d.ipv6_parent, true]] as const) {
      let s = heads[bucket];
      heads[bucket] = null;
      while (s !== null) {
        const next = s.next;
        dyn_free_state(d, s, v6);
        s = next;
      }
    }
  }
  for (const v6 of [false, true]) {
    let s = v6 ? d.expired_ipv6 : d.expired_ipv4;
    while (s !== null) {
      const next = s.expired;
      dyn_free_state(d, s, v6);
      s = next;
    }
  }
  d.expired_ipv4 = d.expired_ipv6 = null;
  VNET_I32_SET(dyn_count, 0);
  VNET_I32_SET(dyn_parent_count, 0);
  VNET_PTR_SET(V_dyn, null);
}

/** For tests and ipfw -d: the number of states and parents in this vnet. */
export function ipfw_dyn_counts(): { states: number; parents: number; pending: boolean } {
  const d = VNET_PTR(V_dyn);
  return { states: V(dyn_count), parents: V(dyn_parent_count), pending: d !== null && callout_pending(d.timeout) };
}

set_ipfw_dyn_hooks_now();
function set_ipfw_dyn_hooks_now(): void {
  ipfw_register_module_hook({ destroy: ipfw_dyn_sysctl_detach });
  priv.set_ipfw_dyn_hooks({
    lookup_state: ipfw_dyn_lookup_state,
    install_state: ipfw_dyn_install_state,
    expire_dyn_states: ipfw_expire_dyn_states,
    dyn_len: ipfw_dyn_len,
    dyn_get_count: ipfw_dyn_get_count,
    dump_states: ipfw_dump_states,
    dyn_init: ipfw_dyn_init,
    dyn_uninit: ipfw_dyn_uninit,
    is_dyn_rule: ipfw_is_dyn_rule,
  });
}
