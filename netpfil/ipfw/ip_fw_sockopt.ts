// sys/netpfil/ipfw/ip_fw_sockopt.c (FreeBSD 14): the IP_FW3 control path and
// rule management.  Requests arrive through setsockopt/getsockopt(IP_FW3) on
// a raw socket (raw_ip's rip_ctloutput -> V_ip_fw_ctl_ptr = ipfw_ctl3); each
// opcode has a handler registered with ipfw_add_sopt_handler, found by
// (opcode, version).  Rules are checked (check_ipfw_rule1 /
// check_ipfw_rule_body), their named objects (tables, nat instances)
// resolved through the opcode rewriters other parts register, and the chain's
// sorted map replaced.  Named objects live in namedobj_instance hashes
// (ipfw_objhash_*), here as in FreeBSD.
//
// Departures: one contiguous kernel buffer per request instead of the 4 KB
// sliding window for large dumps (the caller sees the same bytes); no
// securelevel; the pre-IP_FW3 socket options (IP_FW_ADD, IP_FW_GET ... and
// the FreeBSD 7/8 rule formats) are not modelled: they fail with EINVAL as
// an unknown option does.  dump_soptcodes lists handlers 0..n-1 (FreeBSD's
// loop reads one past its array).

import { ip_divert_ptr } from "../../netinet/ip_var.ts";
import { EBUSY, EEXIST, EFBIG, EINVAL, ENOMEM, EOPNOTSUPP, EPERM, ESRCH } from "../../kern/errno.ts";
import { PRIV_NETINET_IPFW, priv_check_cred } from "../../kern/kern_priv.ts";
import { boottime_s } from "../../kern/kern_timeout.ts";
import { KASSERT, log, printf } from "../../kern/subr_prf.ts";
import { SOPT_GET, type sockopt } from "../../kern/uipc_socket.ts";
import { V_rt_numfibs } from "../../net/route/route_tables.ts";
import {
  F_INSN_SIZE,
  F_LEN_MASK,
  IPFW_CFG_GET_COUNTERS,
  IPFW_CFG_GET_STATES,
  IPFW_CFG_GET_STATIC,
  IPFW_DEFAULT_RULE,
  IPFW_MAX_SETS,
  IPFW_RCFLAG_ALL,
  IPFW_RCFLAG_DEFAULT,
  IPFW_RCFLAG_DYNAMIC,
  IPFW_RCFLAG_RANGE,
  IPFW_RCFLAG_SET,
  IPFW_RCFLAG_USER,
  IPFW_TLV_RULE_ENT,
  IPFW_TLV_RULE_LIST,
  IPFW_TLV_TBL_NAME,
  IPFW_TLV_TBLNAME_LIST,
  IP_FW3,
  IP_FW_DUMP_SOPTCODES,
  IP_FW_DUMP_SRVOBJECTS,
  IP_FW_SET_ENABLE,
  IP_FW_SET_MOVE,
  IP_FW_SET_SWAP,
  IP_FW_TARG,
  IP_FW_XADD,
  IP_FW_XDEL,
  IP_FW_XGET,
  IP_FW_XMOVE,
  IP_FW_XRESETLOG,
  IP_FW_XZERO,
  NTLV_NAME_LEN,
  O_ACCEPT,
  O_ALTQ,
  O_ANTISPOOF,
  O_CALLRETURN,
  O_CHECK_STATE,
  O_COUNT,
  O_DENY,
  O_DIVERT,
  O_DIVERTED,
  O_DSCP,
  O_ESTAB,
  O_EXTERNAL_ACTION,
  O_EXTERNAL_DATA,
  O_EXTERNAL_INSTANCE,
  O_EXT_HDR,
  O_FIB,
  O_FLOW6ID,
  O_FORWARD_IP,
  O_FORWARD_IP6,
  O_FORWARD_MAC,
  O_FRAG,
  O_GID,
  O_ICMP6TYPE,
  O_ICMPTYPE,
  O_IN,
  O_IP4,
  O_IP6,
  O_IP6_DST,
  O_IP6_DST_MASK,
  O_IP6_DST_ME,
  O_IP6_SRC,
  O_IP6_SRC_MASK,
  O_IP6_SRC_ME,
  O_IPID,
  O_IPLEN,
  O_IPOPT,
  O_IPPRECEDENCE,
  O_IPSEC,
  O_IPTOS,
  O_IPTTL,
  O_IPVER,
  O_IP_DST,
  O_IP_DSTPORT,
  O_IP_DST_LOOKUP,
  O_IP_DST_MASK,
  O_IP_DST_ME,
  O_IP_DST_SET,
  O_IP_FLOW_LOOKUP,
  O_IP_SRC,
  O_IP_SRCPORT,
  O_IP_SRC_LOOKUP,
  O_IP_SRC_MASK,
  O_IP_SRC_ME,
  O_IP_SRC_SET,
  O_JAIL,
  O_KEEP_STATE,
  O_LAYER2,
  O_LIMIT,
  O_LOG,
  O_MACADDR2,
  O_MAC_DST_LOOKUP,
  O_MAC_SRC_LOOKUP,
  O_MAC_TYPE,
  O_MARK,
  O_NAT,
  O_NETGRAPH,
  O_NGTEE,
  O_NOP,
  O_PIPE,
  O_PROB,
  O_PROBE_STATE,
  O_PROTO,
  O_QUEUE,
  O_REASS,
  O_RECV,
  O_REJECT,
  O_SETDSCP,
  O_SETFIB,
  O_SETMARK,
  O_SKIPTO,
  O_SKIP_ACTION,
  O_SOCKARG,
  O_TAG,
  O_TAGGED,
  O_TCPACK,
  O_TCPDATALEN,
  O_TCPFLAGS,
  O_TCPMSS,
  O_TCPOPTS,
  O_TCPSEQ,
  O_TCPWIN,
  O_TEE,
  O_UID,
  O_UNREACH6,
  O_VERREVPATH,
  O_VERSRCREACH,
  O_VIA,
  O_XMIT,
  RESVD_SET,
  SZ_ip_fw3_opheader,
  SZ_ip_fw_bcounter,
  SZ_ip_fw_rule_hdr,
  SZ_ipfw_cfg_lheader,
  SZ_ipfw_obj_ctlv,
  SZ_ipfw_obj_dyntlv,
  SZ_ipfw_obj_lheader,
  SZ_ipfw_obj_ntlv,
  SZ_ipfw_obj_tlv,
  SZ_ipfw_range_header,
  SZ_ipfw_range_tlv,
  SZ_ipfw_sopt_info,
  cfg_end_rule,
  cfg_flags,
  cfg_set_mask,
  cfg_size,
  cfg_start_rule,
  cstr_read,
  cstr_write,
  ctlv_count,
  ctlv_objsize,
  insn_log_log_left,
  insn_log_max_log,
  lheader_count,
  lheader_objsize,
  lheader_size,
  ntlv_idx,
  ntlv_name,
  range_end_rule,
  range_flags,
  range_new_set,
  range_set,
  range_start_rule,
  rangeh_range,
  roundup2,
  tlv_length,
  tlv_type,
  u64_write,
} from "../../netinet/ip_fw.ts";
import {
  BLOCK_ITEMS,
  COUNT_ONE,
  HDIR_BOTH,
  HDIR_GET,
  HDIR_SET,
  IPFW_NAT_LOADED,
  IPFW_OBJECTS_DEFAULT,
  IPFW_TABLES_MAX_K,
  MOVE_ALL,
  MOVE_ONE,
  SWAP_ALL,
  TEST_ALL,
  TEST_ONE,
  IPFW_ZERO_RULE_COUNTER,
  V_autoinc_step,
  V_fw_tables_max,
  V_fw_verbose,
  V_layer3_chain,
  V_set_disable,
  V_set_disable_set,
  autoinc_step,
  ip_fw,
  ip_fw3_opheader,
  ip_fw_chain,
  ipfw_dump_states,
  ipfw_dyn_get_count,
  ipfw_expire_dyn_states,
  ipfw_get_table_objhash,
  ipfw_is_dyn_rule,
  ipfw_range_tlv_k,
  named_object,
  namedobj_instance,
  norule_counter,
  obj_idx,
  sockopt_data,
  tid_info,
  type ipfw_sopt_handler,
  type objhash_cb_t,
  type objhash_cmp_f,
  type objhash_hash_f,
  type opcode_obj_rewrite,
  type sopt_handler_f,
} from "./ip_fw_private.ts";
import { VNET_I32_SET, VNET_U64_SET } from "../../net/vnet.ts";

/** The hook of a feature not compiled in: ng_ipfw(4).  (divert(4)'s is
 *  ip_divert_ptr in netinet/ip_var.ts, set by the ipdivert module.) */
export let ng_ipfw_input_p: unknown = null;
export function set_ng_ipfw_input_p(p: unknown): void {
  ng_ipfw_input_p = p;
}

const CTL3_LARGEBUF = 16 * 1024 * 1024;
/** sizeof(struct ip_fw_rule0) on amd64: what static_len counts per rule. */
const SZ_ip_fw_rule0 = 56;

// ---------------------------------------------------------------------------
// Rules.

/** ipfw_alloc_rule: a rule with room for cmd_len instruction words. */
export function ipfw_alloc_rule(_chain: ip_fw_chain, cmd_len: number): ip_fw {
  const rule = new ip_fw(cmd_len);
  rule.refcnt = 1;
  return rule;
}

/** ipfw_free_rule: a rule still referenced (refcnt > 1) is kept. */
export function ipfw_free_rule(rule: ip_fw): void {
  if (rule.refcnt > 1) return;
  rule.refcnt = 0;
}

function RULEUSIZE0(r: ip_fw): number {
  return SZ_ip_fw_rule0 + r.cmd_len * 4 - 4;
}
function RULEUSIZE1(r: ip_fw): number {
  return roundup2(SZ_ip_fw_rule_hdr + 4 + r.cmd_len * 4 - 4, 8);
}

/** ipfw_find_rule: the slot of the first rule >= (key, id). */
export function ipfw_find_rule(chain: ip_fw_chain, key: number, id: number): number {
  let lo = 0;
  let hi = chain.n_rules - 1;
  while (lo < hi) {
    const i = (lo + hi) >> 1;
    const r = chain.map[i];
    if (r.rulenum < key) lo = i + 1;
    else if (r.rulenum > key) hi = i;
    else if (r.id < id) lo = i + 1;
    else hi = i;
  }
  return hi;
}

/** update_skipto_cache: idxmap[n] = slot of the first rule numbered >= n. */
function update_skipto_cache(chain: ip_fw_chain, map: ip_fw[]): void {
  const smap = chain.idxmap;
  if (smap === null) return;
  let mi = 0;
  let rulenum = map[mi].rulenum;
  for (let i = 0; i < 65536; i++) {
    smap[i] = mi;
    if (i !== rulenum || i === 65535) continue;
    rulenum = map[++mi].rulenum;
    while (rulenum === i) rulenum = map[++mi].rulenum;
  }
}

/** ipfw_init_skipto_cache. */
export function ipfw_init_skipto_cache(chain: ip_fw_chain): void {
  if (chain.idxmap !== null) return;
  chain.idxmap = new Int32Array(65536);
  if (chain.map.length > 0) update_skipto_cache(chain, chain.map);
}

export function ipfw_destroy_skipto_cache(chain: ip_fw_chain): void {
  chain.idxmap = null;
}

/** swap_map: install a new map; the ruleset id changes, so cached slots die. */
function swap_map(chain: ip_fw_chain, new_map: ip_fw[], new_len: number): ip_fw[] {
  chain.id++;
  chain.n_rules = new_len;
  const old = chain.map;
  chain.map = new_map;
  return old;
}

function export_cntr1_base(krule: ip_fw, dv: DataView, off: number): void {
  dv.setUint16(off, SZ_ip_fw_bcounter, true);
  u64_write(dv, off + 8, krule.pcnt);
  u64_write(dv, off + 16, krule.bcnt);
  let ts = krule.timestamp;
  if (ts > 0) ts += boottime_s;
  dv.setUint32(off + 4, ts >>> 0, true);
}

/** rule_check_info: what checking a rule learned about it. */
class rule_check_info {
  flags = 0;
  object_opcodes = 0;
  urule_numoff = 0;
  version = 0;
  /** Offset of the IPFW_TLV_TBLNAME_LIST container in the request, or -1. */
  ctlv = -1;
  krule: ip_fw | null = null;
  /** Offset of the ip_fw_rule in the request. */
  urule = 0;
}

/** import_rule1: copy a v1 rule from the request into the kernel rule. */
function import_rule1(sd: sockopt_data, ci: rule_check_info, krule: ip_fw): void {
  const dv = sd.kdv;
  const u = ci.urule;
  krule.act_ofs = dv.getUint16(u, true);
  krule.cmd_len = dv.getUint16(u + 2, true);
  krule.rulenum = dv.getUint16(u + 4, true);
  krule.set = dv.getUint8(u + 6);
  krule.flags = dv.getUint8(u + 7);
  ci.urule_numoff = 4;
  krule.cmd.set(sd.kbuf.subarray(u + SZ_ip_fw_rule_hdr, u + SZ_ip_fw_rule_hdr + krule.cmd_len * 4));
}

/** export_rule1: [ tlv(RULE_ENT) [ bcounter ] ip_fw_rule ]. */
function export_rule1(krule: ip_fw, sd: sockopt_data, off: number, len: number, rcntrs: boolean): void {
  const dv = sd.kdv;
  dv.setUint16(off + tlv_type, IPFW_TLV_RULE_ENT, true);
  dv.setUint32(off + tlv_length, len, true);
  let u = off + SZ_ipfw_obj_tlv;
  if (rcntrs) {
    export_cntr1_base(krule, dv, u);
    u += SZ_ip_fw_bcounter;
  }
  dv.setUint16(u, krule.act_ofs, true);
  dv.setUint16(u + 2, krule.cmd_len, true);
  dv.setUint16(u + 4, krule.rulenum, true);
  dv.setUint8(u + 6, krule.set);
  dv.setUint8(u + 7, krule.flags);
  dv.setUint32(u + 8, krule.id >>> 0, true);
  sd.kbuf.set(krule.cmd.subarray(0, krule.cmd_len * 4), u + SZ_ip_fw_rule_hdr);
}

/**
 * commit_rules: resolve the rule's named objects, then insert it after the
 * last rule with its number (numbering it autoinc_step past the previous rule
 * when it has none, and writing that number back into the request).
 */
function commit_rules(chain: ip_fw_chain, sd: sockopt_data, rci: rule_check_info[], count: number): number {
  let tcount = 0;
  for (let n = 0; n < count; n++) {
    const ci = rci[n];
    if (ci.object_opcodes === 0) continue;
    const error = rewrite_rule_uidx(chain, sd, ci);
    if (error !== 0) {
      for (let k = n - 1; k >= 0 && tcount > 0; k--) {
        const kr = rci[k].krule;
        if (rci[k].object_opcodes !== 0 && kr !== null) unref_rule_objects(chain, kr);
      }
      return error;
    }
    tcount++;
  }

  let step = V_autoinc_step();
  if (step < 1) step = 1;
  else if (step > 1000) step = 1000;
  VNET_I32_SET(autoinc_step, step);

  const ci = rci[0];
  const krule = ci.krule;
  KASSERT(krule !== null, "commit_rules: no kernel rule");
  let rulenum = krule.rulenum;
  const insert_before = rulenum !== 0 ? rulenum + 1 : IPFW_DEFAULT_RULE;
  const i = ipfw_find_rule(chain, insert_before, 0);
  const map = chain.map.slice(0, i);
  map.push(krule);
  for (let k = i; k < chain.n_rules; k++) map.push(chain.map[k]);
  if (rulenum === 0) {
    rulenum = i > 0 ? map[i - 1].rulenum : 0;
    if (rulenum < IPFW_DEFAULT_RULE - step) rulenum += step;
    krule.rulenum = rulenum;
    sd.kdv.setUint16(ci.urule + ci.urule_numoff, rulenum, true);
  }
  krule.id = chain.id + 1;
  update_skipto_cache(chain, map);
  swap_map(chain, map, chain.n_rules + 1);
  chain.static_len += RULEUSIZE0(krule);
  return 0;
}

/** ipfw_add_protected_rule: the default rule, last, in RESVD_SET. */
export function ipfw_add_protected_rule(chain: ip_fw_chain, rule: ip_fw): number {
  const map = chain.map.slice(0, chain.n_rules);
  map.push(rule);
  rule.rulenum = IPFW_DEFAULT_RULE;
  rule.set = RESVD_SET;
  rule.id = chain.id + 1;
  swap_map(chain, map, chain.n_rules + 1);
  chain.static_len += RULEUSIZE0(rule);
  if (chain.idxmap !== null) update_skipto_cache(chain, chain.map);
  return 0;
}

/** ipfw_reap_add: a rule leaving the chain drops its object references. */
export function ipfw_reap_add(chain: ip_fw_chain, reap: ip_fw[], rule: ip_fw): void {
  unref_rule_objects(chain, rule);
  reap.push(rule);
}

export function ipfw_reap_rules(reap: ip_fw[]): void {
  for (const r of reap) ipfw_free_rule(r);
}

/** ipfw_match_range: does the rule fall in the request's range? */
export function ipfw_match_range(rule: ip_fw, rt: ipfw_range_tlv_k): boolean {
  if (rule.rulenum === IPFW_DEFAULT_RULE && (rt.flags & IPFW_RCFLAG_DEFAULT) === 0) return false;
  if ((rt.flags & IPFW_RCFLAG_ALL) !== 0 && rule.set === RESVD_SET) return false;
  if ((rt.flags & IPFW_RCFLAG_SET) !== 0 && rule.set !== rt.set) return false;
  if ((rt.flags & IPFW_RCFLAG_RANGE) !== 0 && (rule.rulenum < rt.start_rule || rule.rulenum > rt.end_rule)) return false;
  return true;
}

function swap_sets_cb(_ni: namedobj_instance, no: named_object, arg: unknown): number {
  const a = arg as { set: number; new_set: number };
  if (no.set === (a.set & 0xff)) no.set = a.new_set;
  else if (no.set === a.new_set) no.set = a.set & 0xff;
  return 0;
}
function move_sets_cb(_ni: namedobj_instance, no: named_object, arg: unknown): number {
  const a = arg as { set: number; new_set: number };
  if (no.set === (a.set & 0xff)) no.set = a.new_set;
  return 0;
}
function test_sets_cb(ni: namedobj_instance, no: named_object, arg: unknown): number {
  const a = arg as { set: number; new_set: number };
  if (no.set !== (a.set & 0xff)) return 0;
  if (ipfw_objhash_lookup_name_type(ni, a.new_set, no.etlv, no.name) !== null) return EEXIST;
  return 0;
}

/** ipfw_obj_manage_sets: what named-object owners call from manage_sets. */
export function ipfw_obj_manage_sets(ni: namedobj_instance, type: number, set: number, new_set: number, cmd: number): number {
  const args = { set, new_set };
  switch (cmd) {
    case SWAP_ALL:
      return ipfw_objhash_foreach_type(ni, swap_sets_cb, args, type);
    case TEST_ALL:
      return ipfw_objhash_foreach_type(ni, test_sets_cb, args, type);
    case MOVE_ALL:
      return ipfw_objhash_foreach_type(ni, move_sets_cb, args, type);
    case COUNT_ONE: {
      // set carries the kidx; new_set 0 resets the counter, else counts one.
      const no = ipfw_objhash_lookup_kidx(ni, set);
      KASSERT(no !== null, "ipfw_obj_manage_sets: no object");
      if (new_set !== 0) no.ocnt++;
      else no.ocnt = 0;
      return 0;
    }
    case TEST_ONE: {
      const no = ipfw_objhash_lookup_kidx(ni, set);
      KASSERT(no !== null, "ipfw_obj_manage_sets: no object");
      // Other rules hold the object too: it cannot change sets.
      if (no.ocnt !== no.refcnt) return EBUSY;
      if (ipfw_objhash_lookup_name_type(ni, new_set, type, no.name) !== null) return EEXIST;
      return 0;
    }
    case MOVE_ONE: {
      const no = ipfw_objhash_lookup_kidx(ni, set);
      KASSERT(no !== null, "ipfw_obj_manage_sets: no object");
      no.set = new_set;
      return 0;
    }
  }
  return EINVAL;
}

/** delete_range: remove the rules in range (and their states); ndel.n = how many. */
export function delete_range(chain: ip_fw_chain, rt: ipfw_range_tlv_k, ndel: { n: number }): number {
  let start = 0;
  let end = chain.n_rules - 1;
  if ((rt.flags & IPFW_RCFLAG_RANGE) !== 0) {
    start = ipfw_find_rule(chain, rt.start_rule, 0);
    if (rt.end_rule >= IPFW_DEFAULT_RULE) rt.end_rule = IPFW_DEFAULT_RULE - 1;
    end = ipfw_find_rule(chain, rt.end_rule, 0xffffffff);
  }
  if ((rt.flags & IPFW_RCFLAG_DYNAMIC) !== 0) {
    ndel.n = 0;
    if (ipfw_expire_dyn_states !== null) ipfw_expire_dyn_states(chain, rt);
    return 0;
  }
  const map: ip_fw[] = chain.map.slice(0, start);
  const gone: ip_fw[] = [];
  let ndyn = 0;
  for (let i = start; i < end; i++) {
    const rule = chain.map[i];
    if (!ipfw_match_range(rule, rt)) {
      map.push(rule);
      continue;
    }
    gone.push(rule);
    if (ipfw_is_dyn_rule !== null && ipfw_is_dyn_rule(rule)) ndyn++;
  }
  for (let i = end; i < chain.n_rules; i++) map.push(chain.map[i]);
  update_skipto_cache(chain, map);
  swap_map(chain, map, chain.n_rules - gone.length);
  if (ndyn > 0 && ipfw_expire_dyn_states !== null) ipfw_expire_dyn_states(chain, rt);
  const reap: ip_fw[] = [];
  for (const rule of gone) {
    chain.static_len -= RULEUSIZE0(rule);
    ipfw_reap_add(chain, reap, rule);
  }
  ipfw_reap_rules(reap);
  ndel.n = gone.length;
  return 0;
}

/** move_objects: the named objects of the rules moving sets move with them,
 *  if no other rule holds them. */
function move_objects(ch: ip_fw_chain, rt: ipfw_range_tlv_k): number {
  const out = { uidx: 0, type: 0 };
  let c = 0;
  for (let i = 0; i < ch.n_rules - 1; i++) {
    const rule = ch.map[i];
    if (!ipfw_match_range(rule, rt) || rule.set === rt.new_set) continue;
    for (let off = 0, l = rule.cmd_len; l > 0; ) {
      const cmdlen = rule.cmd[off + 1] & F_LEN_MASK;
      const rw = find_op_rw(rule.cmdv, off, out);
      if (rw !== null && rw.manage_sets !== null && rw.manage_sets(ch, out.uidx, 1, COUNT_ONE) === 0) c++;
      if (cmdlen === 0) break;
      l -= cmdlen;
      off += cmdlen * 4;
    }
  }
  if (c === 0) return 0;
  c = 0;
  for (let i = 0; i < ch.n_rules - 1 && c === 0; i++) {
    const rule = ch.map[i];
    if (!ipfw_match_range(rule, rt) || rule.set === rt.new_set) continue;
    for (let off = 0, l = rule.cmd_len; l > 0 && c === 0; ) {
      const cmdlen = rule.cmd[off + 1] & F_LEN_MASK;
      const rw = find_op_rw(rule.cmdv, off, out);
      if (rw !== null && rw.manage_sets !== null) c = rw.manage_sets(ch, out.uidx, rt.new_set & 0xff, TEST_ONE);
      if (cmdlen === 0) break;
      l -= cmdlen;
      off += cmdlen * 4;
    }
  }
  for (let i = 0; i < ch.n_rules - 1; i++) {
    const rule = ch.map[i];
    if (!ipfw_match_range(rule, rt) || rule.set === rt.new_set) continue;
    for (let off = 0, l = rule.cmd_len; l > 0; ) {
      const cmdlen = rule.cmd[off + 1] & F_LEN_MASK;
      const rw = find_op_rw(rule.cmdv, off, out);
      if (rw !== null && rw.manage_sets !== null) {
        rw.manage_sets(ch, out.uidx, 0, COUNT_ONE);
        if (c === 0) rw.manage_sets(ch, out.uidx, rt.new_set & 0xff, MOVE_ONE);
      }
      if (cmdlen === 0) break;
      l -= cmdlen;
      off += cmdlen * 4;
    }
  }
  return c;
}

function move_range(chain: ip_fw_chain, rt: ipfw_range_tlv_k): number {
  const e = move_objects(chain, rt);
  if (e !== 0) return e;
  for (let i = 0; i < chain.n_rules; i++) {
    const rule = chain.map[i];
    if (ipfw_match_range(rule, rt)) rule.set = rt.new_set;
  }
  return 0;
}

/** ipfw_get_action: byte offset of the rule's action, past O_LOG, O_ALTQ, O_TAG. */
export function ipfw_get_action(rule: ip_fw): number {
  let off = rule.act_ofs * 4;
  let l = rule.cmd_len - rule.act_ofs;
  while (l > 0) {
    const op = rule.cmd[off];
    if (op !== O_ALTQ && op !== O_LOG && op !== O_TAG) return off;
    const cmdlen = rule.cmd[off + 1] & F_LEN_MASK;
    l -= cmdlen;
    off += cmdlen * 4;
  }
  KASSERT(false, `ipfw_get_action: rule ${rule.rulenum} has no action opcode`);
}

function clear_counters(rule: ip_fw, log_only: boolean): void {
  if (!log_only) IPFW_ZERO_RULE_COUNTER(rule);
  const a = rule.act_ofs * 4;
  if (rule.cmd[a] === O_LOG) rule.cmdv.setUint32(a + insn_log_log_left, rule.cmdv.getUint32(a + insn_log_max_log, true), true);
}

function clear_range(chain: ip_fw_chain, rt: ipfw_range_tlv_k, log_only: boolean): number {
  let num = 0;
  rt.flags |= IPFW_RCFLAG_DEFAULT;
  for (let i = 0; i < chain.n_rules; i++) {
    const rule = chain.map[i];
    if (!ipfw_match_range(rule, rt)) continue;
    clear_counters(rule, log_only);
    num++;
  }
  return num;
}

/** Read an ipfw_range_tlv at off; returns its head.length. */
function range_read(dv: DataView, off: number, rt: ipfw_range_tlv_k): number {
  rt.flags = dv.getUint32(off + range_flags, true);
  rt.start_rule = dv.getUint16(off + range_start_rule, true);
  rt.end_rule = dv.getUint16(off + range_end_rule, true);
  rt.set = dv.getUint32(off + range_set, true);
  rt.new_set = dv.getUint32(off + range_new_set, true);
  return dv.getUint32(off + tlv_length, true);
}

function check_range_tlv(length: number, rt: ipfw_range_tlv_k): boolean {
  if (length !== SZ_ipfw_range_tlv) return false;
  if (rt.start_rule > rt.end_rule) return false;
  if (rt.set >= IPFW_MAX_SETS || rt.new_set >= IPFW_MAX_SETS) return false;
  if ((rt.flags & IPFW_RCFLAG_USER) !== rt.flags) return false;
  return true;
}

/** del_rules: [ ipfw_range_header ]; the count deleted goes back in range.new_set. */
function del_rules(chain: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize !== SZ_ipfw_range_header) return EINVAL;
  const rh = ipfw_get_sopt_space(sd, sd.valsize);
  const rt = new ipfw_range_tlv_k();
  const len = range_read(sd.kdv, rh + rangeh_range, rt);
  if (!check_range_tlv(len, rt)) return EINVAL;
  const ndel = { n: 0 };
  const error = delete_range(chain, rt, ndel);
  if (error !== 0) return error;
  sd.kdv.setUint32(rh + rangeh_range + range_new_set, ndel.n, true);
  return 0;
}

/** move_rules: [ ipfw_range_header ]. */
function move_rules(chain: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize !== SZ_ipfw_range_header) return EINVAL;
  const rh = ipfw_get_sopt_space(sd, sd.valsize);
  const rt = new ipfw_range_tlv_k();
  const len = range_read(sd.kdv, rh + rangeh_range, rt);
  if (!check_range_tlv(len, rt)) return EINVAL;
  return move_range(chain, rt);
}

/** clear_rules (IP_FW_XZERO, IP_FW_XRESETLOG): [ ipfw_range_header ]. */
function clear_rules(chain: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize !== SZ_ipfw_range_header) return EINVAL;
  const rh = ipfw_get_sopt_space(sd, sd.valsize);
  const rt = new ipfw_range_tlv_k();
  const len = range_read(sd.kdv, rh + rangeh_range, rt);
  if (!check_range_tlv(len, rt)) return EINVAL;
  const log_only = op3.opcode === IP_FW_XRESETLOG;
  const num = clear_range(chain, rt, log_only);
  let msg: string;
  if ((rt.flags & IPFW_RCFLAG_ALL) !== 0) msg = log_only ? "All logging counts reset" : "Accounting cleared";
  else msg = log_only ? "logging count reset" : "cleared";
  if (V_fw_verbose() !== 0) {
    const LOG_SECURITY_NOTICE = (13 << 3) | 5;
    if (rt.start_rule === rt.end_rule) log(LOG_SECURITY_NOTICE, `ipfw: Entry ${rt.start_rule} ${msg}.\n`);
    else log(LOG_SECURITY_NOTICE, `ipfw: ${msg}.\n`);
  }
  sd.kdv.setUint32(rh + rangeh_range + range_new_set, num, true);
  return 0;
}

function enable_sets(_chain: ip_fw_chain, rt: ipfw_range_tlv_k): void {
  let v_set = (V_set_disable() | rt.set) & ~rt.new_set;
  v_set &= ~(1 << RESVD_SET);
  V_set_disable_set(v_set);
}

function swap_sets(chain: ip_fw_chain, rt: ipfw_range_tlv_k, mv: boolean): number {
  if (rt.set === rt.new_set) return 0;
  const set = rt.set & 0xff;
  const new_set = rt.new_set & 0xff;
  if (mv) {
    for (const rw of ctl3_rewriters) {
      if (rw.manage_sets === null) continue;
      if (rw.manage_sets(chain, set, new_set, TEST_ALL) !== 0) return EEXIST;
    }
  }
  for (let i = 0; i < chain.n_rules - 1; i++) {
    const rule = chain.map[i];
    if (rule.set === set) rule.set = new_set;
    else if (rule.set === new_set && !mv) rule.set = set;
  }
  for (const rw of ctl3_rewriters) {
    if (rw.manage_sets === null) continue;
    rw.manage_sets(chain, set, new_set, mv ? MOVE_ALL : SWAP_ALL);
  }
  return 0;
}

/** manage_sets (IP_FW_SET_SWAP / SET_MOVE / SET_ENABLE): [ ipfw_range_header ]. */
function manage_sets(chain: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data): number {
  if (sd.valsize !== SZ_ipfw_range_header) return EINVAL;
  const rh = ipfw_get_sopt_space(sd, sd.valsize);
  const rt = new ipfw_range_tlv_k();
  const len = range_read(sd.kdv, rh + rangeh_range, rt);
  // FreeBSD returns 1 here (not an errno); the caller sees errno 1, EPERM.
  if (len !== SZ_ipfw_range_tlv) return EPERM;
  if (op3.opcode !== IP_FW_SET_ENABLE && (rt.set >= IPFW_MAX_SETS || rt.new_set >= IPFW_MAX_SETS)) return EINVAL;
  let ret = 0;
  switch (op3.opcode) {
    case IP_FW_SET_SWAP:
    case IP_FW_SET_MOVE:
      ret = swap_sets(chain, rt, op3.opcode === IP_FW_SET_MOVE);
      break;
    case IP_FW_SET_ENABLE:
      enable_sets(chain, rt);
      break;
  }
  return ret;
}

// ---------------------------------------------------------------------------
// Checking a rule from userland.

const BAD_SIZE = -1;

/** check_ipfw_rule1: the header of a v1 rule at u (size bytes), then its body. */
function check_ipfw_rule1(sd: sockopt_data, u: number, size: number, ci: rule_check_info): number {
  if (size < SZ_ip_fw_rule_hdr + 4) {
    printf("ipfw: rule too short\n");
    return EINVAL;
  }
  const dv = sd.kdv;
  const act_ofs = dv.getUint16(u, true);
  const cmd_len = dv.getUint16(u + 2, true);
  const rulenum = dv.getUint16(u + 4, true);
  const l = roundup2(SZ_ip_fw_rule_hdr + 4 + cmd_len * 4 - 4, 8);
  if (l !== size) {
    printf(`ipfw: size mismatch (have ${size} want ${l})\n`);
    return EINVAL;
  }
  if (act_ofs >= cmd_len) {
    printf(`ipfw: bogus action offset (${act_ofs} > ${cmd_len - 1})\n`);
    return EINVAL;
  }
  if (rulenum > IPFW_DEFAULT_RULE - 1) return EINVAL;
  return check_ipfw_rule_body(dv, u + SZ_ip_fw_rule_hdr, cmd_len, ci);
}

/**
 * check_ipfw_rule_body: every instruction has the size its opcode needs,
 * the action is the last instruction and there is exactly one, and opcodes
 * this kernel lacks (divert, netgraph, nat before it is loaded) are refused.
 */
export function check_ipfw_rule_body(dv: DataView, start: number, cmd_len: number, ci: { object_opcodes: number }): number {
  let have_action = false;
  let off = start;
  let cmdlen = 0;
  let opcode = 0;
  for (let l = cmd_len; l > 0; l -= cmdlen, off += cmdlen * 4) {
    opcode = dv.getUint8(off);
    cmdlen = dv.getUint8(off + 1) & F_LEN_MASK;
    const arg1 = dv.getUint16(off + 2, true);
    if (cmdlen > l) {
      printf(`ipfw: opcode ${opcode} size truncated\n`);
      return EINVAL;
    }
    // r: BAD_SIZE or 0; action: 1 = FreeBSD's check_size then check_action
    // (a one-word action), 2 = check_action only.
    let r = 0;
    let action = 0;
    switch (opcode) {
      case O_PROBE_STATE:
      case O_KEEP_STATE:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn) r = BAD_SIZE;
        ci.object_opcodes++;
        break;
      case O_PROTO:
      case O_IP_SRC_ME:
      case O_IP_DST_ME:
      case O_LAYER2:
      case O_IN:
      case O_FRAG:
      case O_DIVERTED:
      case O_IPOPT:
      case O_IPTOS:
      case O_IPPRECEDENCE:
      case O_IPVER:
      case O_SOCKARG:
      case O_TCPFLAGS:
      case O_TCPOPTS:
      case O_ESTAB:
      case O_VERREVPATH:
      case O_VERSRCREACH:
      case O_ANTISPOOF:
      case O_IPSEC:
      case O_IP6_SRC_ME:
      case O_IP6_DST_ME:
      case O_EXT_HDR:
      case O_IP6:
      case O_IP4:
      case O_TAG:
      case O_SKIP_ACTION:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn) r = BAD_SIZE;
        break;
      case O_EXTERNAL_ACTION: {
        if (arg1 === 0 || cmdlen !== F_INSN_SIZE.ipfw_insn) {
          printf("ipfw: invalid external action opcode\n");
          return EINVAL;
        }
        ci.object_opcodes++;
        if (l !== cmdlen) {
          l -= cmdlen;
          off += cmdlen * 4;
          opcode = dv.getUint8(off);
          cmdlen = dv.getUint8(off + 1) & F_LEN_MASK;
          if (opcode !== O_EXTERNAL_DATA) {
            if (opcode !== O_EXTERNAL_INSTANCE) {
              printf(`ipfw: invalid opcode next to external action ${opcode}\n`);
              return EINVAL;
            }
            if (dv.getUint16(off + 2, true) === 0 || cmdlen !== F_INSN_SIZE.ipfw_insn) {
              printf("ipfw: invalid external action instance opcode\n");
              return EINVAL;
            }
            ci.object_opcodes++;
          }
        }
        action = 2;
        break;
      }
      case O_FIB:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn) r = BAD_SIZE;
        else if (arg1 >= V_rt_numfibs()) {
          printf(`ipfw: invalid fib number ${arg1}\n`);
          return EINVAL;
        }
        break;
      case O_SETFIB:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn) r = BAD_SIZE;
        else if (arg1 !== IP_FW_TARG && (arg1 & 0x7fff) >= V_rt_numfibs()) {
          printf(`ipfw: invalid fib number ${arg1 & 0x7fff}\n`);
          return EINVAL;
        } else action = 2;
        break;
      case O_UID:
      case O_GID:
      case O_JAIL:
      case O_IP_SRC:
      case O_IP_DST:
      case O_TCPSEQ:
      case O_TCPACK:
      case O_PROB:
      case O_ICMPTYPE:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_u32) r = BAD_SIZE;
        break;
      case O_LIMIT:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_limit) r = BAD_SIZE;
        ci.object_opcodes++;
        break;
      case O_LOG:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_log) r = BAD_SIZE;
        else dv.setUint32(off + insn_log_log_left, dv.getUint32(off + insn_log_max_log, true), true);
        break;
      case O_IP_SRC_MASK:
      case O_IP_DST_MASK:
        if ((cmdlen & 1) === 0) r = BAD_SIZE;
        break;
      case O_IP_SRC_SET:
      case O_IP_DST_SET:
        if (arg1 === 0 || arg1 > 256) {
          printf(`ipfw: invalid set size ${arg1}\n`);
          return EINVAL;
        }
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_u32 + ((arg1 + 31) >> 5)) r = BAD_SIZE;
        break;
      case O_IP_SRC_LOOKUP:
      case O_IP_DST_LOOKUP:
      case O_MAC_SRC_LOOKUP:
      case O_MAC_DST_LOOKUP:
        if (opcode === O_IP_SRC_LOOKUP && cmdlen > F_INSN_SIZE.ipfw_insn_u32) {
          r = BAD_SIZE;
          break;
        }
        if (arg1 >= V_fw_tables_max()) {
          printf(`ipfw: invalid table number ${arg1}\n`);
          return EINVAL;
        }
        if (cmdlen !== F_INSN_SIZE.ipfw_insn && cmdlen !== F_INSN_SIZE.ipfw_insn_u32 + 1 && cmdlen !== F_INSN_SIZE.ipfw_insn_u32) r = BAD_SIZE;
        ci.object_opcodes++;
        break;
      case O_IP_FLOW_LOOKUP:
        if (arg1 >= V_fw_tables_max()) {
          printf(`ipfw: invalid table number ${arg1}\n`);
          return EINVAL;
        }
        if (cmdlen !== F_INSN_SIZE.ipfw_insn && cmdlen !== F_INSN_SIZE.ipfw_insn_u32) r = BAD_SIZE;
        ci.object_opcodes++;
        break;
      case O_MACADDR2:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_mac) r = BAD_SIZE;
        break;
      case O_NOP:
      case O_IPID:
      case O_IPTTL:
      case O_IPLEN:
      case O_TCPDATALEN:
      case O_TCPMSS:
      case O_TCPWIN:
      case O_TAGGED:
        if (cmdlen < 1 || cmdlen > 31) r = BAD_SIZE;
        break;
      case O_DSCP:
      case O_MARK:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_u32 + 1) r = BAD_SIZE;
        break;
      case O_MAC_TYPE:
      case O_IP_SRCPORT:
      case O_IP_DSTPORT:
        if (cmdlen < 2 || cmdlen > 31) r = BAD_SIZE;
        break;
      case O_RECV:
      case O_XMIT:
      case O_VIA:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_if) r = BAD_SIZE;
        ci.object_opcodes++;
        break;
      case O_ALTQ:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_altq) r = BAD_SIZE;
        break;
      case O_PIPE:
      case O_QUEUE:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn) r = BAD_SIZE;
        else action = 2;
        break;
      case O_FORWARD_IP:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_sa) r = BAD_SIZE;
        else action = 2;
        break;
      case O_FORWARD_IP6:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_sa6) r = BAD_SIZE;
        else action = 2;
        break;
      case O_SETMARK:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_u32) r = BAD_SIZE;
        else action = 2;
        break;
      case O_DIVERT:
      case O_TEE:
        if (ip_divert_ptr === null) return EINVAL;
        action = 1;
        break;
      case O_NETGRAPH:
      case O_NGTEE:
        if (ng_ipfw_input_p === null) return EINVAL;
        action = 1;
        break;
      case O_NAT:
        if (!IPFW_NAT_LOADED()) return EINVAL;
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_nat) r = BAD_SIZE;
        else action = 2;
        break;
      case O_CHECK_STATE:
        ci.object_opcodes++;
        action = 1;
        break;
      case O_FORWARD_MAC:
      case O_COUNT:
      case O_ACCEPT:
      case O_DENY:
      case O_REJECT:
      case O_SETDSCP:
      case O_UNREACH6:
      case O_SKIPTO:
      case O_REASS:
      case O_CALLRETURN:
        action = 1;
        break;
      case O_IP6_SRC:
      case O_IP6_DST:
        if (cmdlen !== 4 + F_INSN_SIZE.ipfw_insn) r = BAD_SIZE;
        break;
      case O_FLOW6ID:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_u32 + arg1) r = BAD_SIZE;
        break;
      case O_IP6_SRC_MASK:
      case O_IP6_DST_MASK:
        if ((cmdlen & 1) === 0 || cmdlen > 127) r = BAD_SIZE;
        break;
      case O_ICMP6TYPE:
        if (cmdlen !== F_INSN_SIZE.ipfw_insn_icmp6) r = BAD_SIZE;
        break;
      default:
        printf(`ipfw: opcode ${opcode}, unknown opcode\n`);
        return EINVAL;
    }
    if (r === BAD_SIZE || (action === 1 && cmdlen !== F_INSN_SIZE.ipfw_insn)) {
      printf(`ipfw: opcode ${opcode} size ${cmdlen} wrong\n`);
      return EINVAL;
    }
    if (action !== 0) {
      if (have_action) {
        printf(`ipfw: opcode ${opcode}, multiple actions not allowed\n`);
        return EINVAL;
      }
      have_action = true;
      if (l !== cmdlen) {
        printf(`ipfw: opcode ${opcode}, action must be last opcode\n`);
        return EINVAL;
      }
    }
    // Every opcode above refuses a length of 0, so the walk always advances.
    KASSERT(cmdlen > 0, "check_ipfw_rule_body: zero-length instruction passed");
  }
  if (!have_action) {
    printf("ipfw: missing action\n");
    return EINVAL;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// IP_FW_XGET.

class dump_args {
  b = 0;
  e = 0;
  rcount = 0;
  rsize = 0;
  tcount = 0;
  rcounters = false;
  bmask: Uint32Array | null = null;
  /** Where in bmask the objects being exported start (tables, then the rest). */
  boff = 0;
}

/** ipfw_export_obj_ntlv: a named object as an ipfw_obj_ntlv at off. */
export function ipfw_export_obj_ntlv(no: named_object, b: Uint8Array, off: number): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint16(off + tlv_type, no.etlv, true);
  dv.setUint32(off + tlv_length, SZ_ipfw_obj_ntlv, true);
  dv.setUint16(off + ntlv_idx, no.kidx, true);
  cstr_write(b, off + ntlv_name, NTLV_NAME_LEN, no.name);
}

function export_objhash_ntlv(ni: namedobj_instance, kidx: number, sd: sockopt_data): number {
  const no = ipfw_objhash_lookup_kidx(ni, kidx);
  KASSERT(no !== null, "invalid object kernel index passed");
  const off = ipfw_get_sopt_space(sd, SZ_ipfw_obj_ntlv);
  if (off < 0) return ENOMEM;
  ipfw_export_obj_ntlv(no, sd.kbuf, off);
  return 0;
}

function export_named_objects(ni: namedobj_instance, da: dump_args, sd: sockopt_data): number {
  const bmask = da.bmask;
  if (bmask === null) return 0;
  for (let i = 0; i < IPFW_TABLES_MAX_K && da.tcount > 0; i++) {
    if ((bmask[da.boff + (i >> 5)] & (1 << (i & 31))) === 0) continue;
    const error = export_objhash_ntlv(ni, i, sd);
    if (error !== 0) return error;
    da.tcount--;
  }
  return 0;
}

function dump_named_objects(ch: ip_fw_chain, da: dump_args, sd: sockopt_data): number {
  const off = ipfw_get_sopt_space(sd, SZ_ipfw_obj_ctlv);
  if (off < 0) return ENOMEM;
  const dv = sd.kdv;
  dv.setUint16(off + tlv_type, IPFW_TLV_TBLNAME_LIST, true);
  dv.setUint32(off + tlv_length, da.tcount * SZ_ipfw_obj_ntlv + SZ_ipfw_obj_ctlv, true);
  dv.setUint32(off + ctlv_count, da.tcount, true);
  dv.setUint16(off + ctlv_objsize, SZ_ipfw_obj_ntlv, true);
  if (ipfw_get_table_objhash !== null) {
    const error = export_named_objects(ipfw_get_table_objhash(ch), da, sd);
    if (error !== 0) return error;
  }
  da.boff += IPFW_TABLES_MAX_K / 32;
  const srv = ch.srvmap;
  if (srv === null) return 0;
  return export_named_objects(srv, da, sd);
}

function dump_static_rules(chain: ip_fw_chain, da: dump_args, sd: sockopt_data): number {
  const off = ipfw_get_sopt_space(sd, SZ_ipfw_obj_ctlv);
  if (off < 0) return ENOMEM;
  const dv = sd.kdv;
  dv.setUint16(off + tlv_type, IPFW_TLV_RULE_LIST, true);
  dv.setUint32(off + tlv_length, da.rsize + SZ_ipfw_obj_ctlv, true);
  dv.setUint32(off + ctlv_count, da.rcount, true);
  for (let i = da.b; i < da.e; i++) {
    const krule = chain.map[i];
    let l = RULEUSIZE1(krule) + SZ_ipfw_obj_tlv;
    if (da.rcounters) l += SZ_ip_fw_bcounter;
    const dst = ipfw_get_sopt_space(sd, l);
    if (dst < 0) return ENOMEM;
    export_rule1(krule, sd, dst, l, da.rcounters);
  }
  return 0;
}

/** ipfw_mark_object_kidx: tables in the first half of bmask, others after. */
export function ipfw_mark_object_kidx(bmask: Uint32Array, etlv: number, kidx: number): boolean {
  let bidx = etlv === IPFW_TLV_TBL_NAME ? 0 : IPFW_TABLES_MAX_K / 32;
  bidx += kidx >> 5;
  const bit = 1 << (kidx & 31);
  if ((bmask[bidx] & bit) !== 0) return false;
  bmask[bidx] |= bit;
  return true;
}

function mark_rule_objects(_ch: ip_fw_chain, rule: ip_fw, da: dump_args): void {
  const out = { uidx: 0, type: 0 };
  const bmask = da.bmask;
  if (bmask === null) return;
  for (let off = 0, l = rule.cmd_len; l > 0; ) {
    const cmdlen = rule.cmd[off + 1] & F_LEN_MASK;
    const rw = find_op_rw(rule.cmdv, off, out);
    if (rw !== null && ipfw_mark_object_kidx(bmask, rw.etlv, out.uidx)) da.tcount++;
    if (cmdlen === 0) break;
    l -= cmdlen;
    off += cmdlen * 4;
  }
}

/**
 * dump_config (IP_FW_XGET): [ ipfw_cfg_lheader ] in; out the header, then
 * [ ctlv(TBLNAME_LIST) ntlv... ] [ ctlv(RULE_LIST) [tlv(RULE_ENT) [bcounter]
 * ip_fw_rule]... ] [ states ].  Too small a buffer: ENOMEM with the size
 * needed in the header.
 */
function dump_config(chain: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  const hdr = ipfw_get_sopt_header(sd, SZ_ipfw_cfg_lheader);
  if (hdr < 0) return EINVAL;
  const dv = sd.kdv;
  const flags = dv.getUint32(hdr + cfg_flags, true);
  const start_rule = dv.getUint32(hdr + cfg_start_rule, true);
  const end_rule = dv.getUint32(hdr + cfg_end_rule, true);
  const da = new dump_args();
  if ((flags & (IPFW_CFG_GET_STATIC | IPFW_CFG_GET_STATES)) !== 0) da.bmask = new Uint32Array((IPFW_TABLES_MAX_K * 2) / 32);

  let sz = SZ_ipfw_cfg_lheader;
  da.e = chain.n_rules;
  if (end_rule !== 0) {
    let rnum = start_rule;
    if (rnum > IPFW_DEFAULT_RULE) rnum = IPFW_DEFAULT_RULE;
    da.b = ipfw_find_rule(chain, rnum, 0);
    rnum = end_rule < IPFW_DEFAULT_RULE ? end_rule + 1 : IPFW_DEFAULT_RULE;
    da.e = ipfw_find_rule(chain, rnum, 0xffffffff) + 1;
  }
  if ((flags & IPFW_CFG_GET_STATIC) !== 0) {
    for (let i = da.b; i < da.e; i++) {
      const rule = chain.map[i];
      da.rsize += RULEUSIZE1(rule) + SZ_ipfw_obj_tlv;
      da.rcount++;
      mark_rule_objects(chain, rule, da);
    }
    if ((flags & IPFW_CFG_GET_COUNTERS) !== 0) {
      da.rsize += SZ_ip_fw_bcounter * da.rcount;
      da.rcounters = true;
    }
    sz += da.rsize + SZ_ipfw_obj_ctlv;
  }
  if ((flags & IPFW_CFG_GET_STATES) !== 0) {
    const nocnt = { n: 0 };
    const n = ipfw_dyn_get_count !== null ? ipfw_dyn_get_count(da.bmask, nocnt) : 0;
    sz += SZ_ipfw_obj_ctlv + n * SZ_ipfw_obj_dyntlv;
    da.tcount += nocnt.n;
  }
  if (da.tcount > 0) sz += da.tcount * SZ_ipfw_obj_ntlv + SZ_ipfw_obj_ctlv;

  dv.setUint32(hdr + cfg_size, sz, true);
  dv.setUint32(hdr + cfg_set_mask, ~V_set_disable() >>> 0, true);
  if (sd.valsize < sz) return ENOMEM;

  let error = 0;
  if (da.tcount > 0) error = dump_named_objects(chain, da, sd);
  if (error === 0 && (flags & IPFW_CFG_GET_STATIC) !== 0) error = dump_static_rules(chain, da, sd);
  if (error === 0 && (flags & IPFW_CFG_GET_STATES) !== 0 && ipfw_dump_states !== null) error = ipfw_dump_states(chain, sd);
  return error;
}

/** ipfw_check_object_name_generic: non-empty and NUL-terminated in 64 bytes. */
export function ipfw_check_object_name_generic(b: Uint8Array, off: number): number {
  let n = 0;
  while (n < NTLV_NAME_LEN && b[off + n] !== 0) n++;
  if (n === NTLV_NAME_LEN) return EINVAL;
  if (n === 0) return EINVAL;
  return 0;
}

// ---------------------------------------------------------------------------
// Named objects of a rule being added.

function create_objects_compat(ch: ip_fw_chain, rule: ip_fw, oib: obj_idx[], ti: tid_info): number {
  for (const p of oib) {
    if (p.kidx !== 0) continue;
    ti.uidx = p.uidx;
    ti.type = p.type;
    ti.atype = 0;
    const rw = find_op_rw(rule.cmdv, p.off * 4, null);
    KASSERT(rw !== null, `Unable to find handler for op ${rule.cmd[p.off * 4]}`);
    let error: number;
    const out = { kidx: 0 };
    if (rw.create_object === null) error = EOPNOTSUPP;
    else error = rw.create_object(ch, ti, out);
    if (error === 0) {
      p.kidx = out.kidx;
      continue;
    }
    unref_oib_objects(ch, rule, oib);
    return error;
  }
  return 0;
}

function unref_oib_objects(ch: ip_fw_chain, rule: ip_fw, oib: obj_idx[]): void {
  for (const p of oib) {
    if (p.kidx === 0) continue;
    const rw = find_op_rw(rule.cmdv, p.off * 4, null);
    KASSERT(rw !== null, `Unable to find handler for op ${rule.cmd[p.off * 4]}`);
    const no = rw.find_bykidx(ch, p.kidx);
    KASSERT(no !== null, `Ref'd object ${p.kidx} disappeared`);
    no.refcnt--;
  }
}

/** unref_rule_objects: a rule going away drops its references (destroying
 *  objects nothing else holds, where their owner allows). */
export function unref_rule_objects(ch: ip_fw_chain, rule: ip_fw): void {
  const out = { uidx: 0, type: 0 };
  for (let off = 0, l = rule.cmd_len; l > 0; ) {
    const cmdlen = rule.cmd[off + 1] & F_LEN_MASK;
    const rw = find_op_rw(rule.cmdv, off, out);
    if (rw !== null) {
      const no = rw.find_bykidx(ch, out.uidx);
      KASSERT(no !== null, `object id ${out.uidx} not found`);
      KASSERT(no.subtype === out.type, `wrong type ${no.subtype} (${out.type}) for object id ${out.uidx}`);
      KASSERT(no.refcnt > 0, `refcount for object ${out.uidx} is ${no.refcnt}`);
      if (no.refcnt === 1 && rw.destroy_object !== null) rw.destroy_object(ch, no);
      else no.refcnt--;
    }
    if (cmdlen === 0) break;
    l -= cmdlen;
    off += cmdlen * 4;
  }
}

/** ref_opcode_object: reference the object the instruction at off names. */
function ref_opcode_object(ch: ip_fw_chain, rule: ip_fw, off: number, ti: tid_info, pidx: obj_idx, unresolved: { v: boolean }): number {
  const out = { uidx: 0, type: 0 };
  const rw = find_op_rw(rule.cmdv, off, out);
  if (rw === null) return 0;
  ti.uidx = out.uidx;
  ti.type = out.type;
  pidx.uidx = ti.uidx;
  pidx.type = ti.type;
  const found = { no: null as named_object | null };
  const error = rw.find_byname(ch, ti, found);
  if (error !== 0) return error;
  const no = found.no;
  if (no === null) {
    unresolved.v = true;
    return 0;
  }
  if (ti.type !== no.subtype) return EINVAL;
  no.refcnt++;
  rw.update(rule.cmdv, off, no.kidx);
  return 0;
}

function ref_rule_objects(ch: ip_fw_chain, rule: ip_fw, ci: rule_check_info, ti: tid_info): { error: number; oib: obj_idx[] } {
  const oib: obj_idx[] = [];
  let error = 0;
  const unresolved = { v: false };
  for (let off = 0, l = rule.cmd_len; l > 0; ) {
    const cmdlen = rule.cmd[off + 1] & F_LEN_MASK;
    unresolved.v = false;
    const pidx = new obj_idx();
    error = ref_opcode_object(ch, rule, off, ti, pidx, unresolved);
    if (error !== 0) break;
    if (unresolved.v) {
      pidx.off = rule.cmd_len - l;
      oib.push(pidx);
    }
    if (cmdlen === 0) break;
    l -= cmdlen;
    off += cmdlen * 4;
  }
  if (error !== 0) {
    unref_oib_objects(ch, rule, oib);
    return { error, oib };
  }
  if (oib.length > 0) error = create_objects_compat(ch, rule, oib, ti);
  ci.object_opcodes = oib.length;
  return { error, oib };
}

/** rewrite_rule_uidx: turn the rule's userland object indexes into kernel ones. */
function rewrite_rule_uidx(chain: ip_fw_chain, sd: sockopt_data, ci: rule_check_info): number {
  const krule = ci.krule;
  KASSERT(krule !== null, "rewrite_rule_uidx: no rule");
  const ti = new tid_info();
  ti.set = krule.set;
  if (ci.ctlv >= 0) {
    ti.tlvs = sd.kbuf;
    ti.tlvs_off = ci.ctlv + SZ_ipfw_obj_ctlv;
    ti.tlen = sd.kdv.getUint32(ci.ctlv + tlv_length, true) - SZ_ipfw_obj_ctlv;
  }
  const { error, oib } = ref_rule_objects(chain, krule, ci, ti);
  if (error !== 0) return error;
  for (const p of oib) update_opcode_kidx(krule.cmdv, p.off * 4, p.kidx);
  return 0;
}

/**
 * add_rules (IP_FW_XADD): [ op3 [ ctlv(TBLNAME_LIST) ntlv... ] ctlv(RULE_LIST)
 * ip_fw_rule ] in; the same out, with the rule number filled in.
 */
function add_rules(chain: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  const base = ipfw_get_sopt_space(sd, sd.valsize);
  if (base < 0) return EINVAL;
  const dv = sd.kdv;
  let ctlv = base + SZ_ip_fw3_opheader;
  let read = SZ_ip_fw3_opheader;
  let tstate = -1;
  let rtlv = -1;
  let rcount = 0;
  const cbuf: rule_check_info[] = [];

  if (read + SZ_ipfw_obj_ctlv > sd.valsize) return EINVAL;
  if (dv.getUint16(ctlv + tlv_type, true) === IPFW_TLV_TBLNAME_LIST) {
    const clen = dv.getUint32(ctlv + tlv_length, true);
    if (clen > sd.valsize || clen < SZ_ipfw_obj_ctlv) return EINVAL;
    if (clen % 8 !== 0) return EINVAL;
    let count = Math.floor((clen - SZ_ipfw_obj_ctlv) / SZ_ipfw_obj_ntlv);
    if (dv.getUint32(ctlv + ctlv_count, true) !== count || dv.getUint16(ctlv + ctlv_objsize, true) !== SZ_ipfw_obj_ntlv) return EINVAL;
    if (ctlv + SZ_ipfw_obj_ctlv + count * SZ_ipfw_obj_ntlv > base + sd.valsize) return EINVAL;
    let idx = -1;
    let ntlv = ctlv + SZ_ipfw_obj_ctlv;
    while (count > 0) {
      if (dv.getUint32(ntlv + tlv_length, true) !== SZ_ipfw_obj_ntlv) return EINVAL;
      const error = ipfw_check_object_name_generic(sd.kbuf, ntlv + ntlv_name);
      if (error !== 0) return error;
      const nidx = dv.getUint16(ntlv + ntlv_idx, true);
      if (nidx <= idx) return EINVAL;
      idx = nidx;
      count--;
      ntlv += SZ_ipfw_obj_ntlv;
    }
    tstate = ctlv;
    read += clen;
    ctlv += clen;
  }

  if (read + SZ_ipfw_obj_ctlv > sd.valsize) return EINVAL;
  if (dv.getUint16(ctlv + tlv_type, true) === IPFW_TLV_RULE_LIST) {
    let clen = dv.getUint32(ctlv + tlv_length, true);
    if (clen + read > sd.valsize || clen < SZ_ipfw_obj_ctlv) return EINVAL;
    if (clen % 8 !== 0) return EINVAL;
    const ccount = dv.getUint32(ctlv + ctlv_count, true);
    // Adding several rules at once is a FreeBSD TODO.
    if (ccount !== 1) return EOPNOTSUPP;
    clen -= SZ_ipfw_obj_ctlv;
    if (ccount > Math.floor(clen / (SZ_ip_fw_rule_hdr + 4))) return EINVAL;
    let idx = 0;
    let r = ctlv + SZ_ipfw_obj_ctlv;
    let count = 0;
    let error = 0;
    while (clen > 0) {
      if (clen < SZ_ip_fw_rule_hdr) {
        error = EINVAL;
        break;
      }
      const cmd_len = dv.getUint16(r + 2, true);
      const rsize = roundup2(SZ_ip_fw_rule_hdr + 4 + cmd_len * 4 - 4, 8);
      if (rsize > clen || ccount <= count) {
        error = EINVAL;
        break;
      }
      const ci = new rule_check_info();
      ci.ctlv = tstate;
      error = check_ipfw_rule1(sd, r, rsize, ci);
      if (error !== 0) break;
      const rulenum = dv.getUint16(r + 4, true);
      if (rulenum !== 0 && rulenum < idx) {
        printf(`rulenum ${rulenum} idx ${idx}\n`);
        error = EINVAL;
        break;
      }
      idx = rulenum;
      ci.urule = r;
      cbuf.push(ci);
      clen -= rsize;
      r += rsize;
      count++;
    }
    if (ccount !== count || error !== 0) return EINVAL;
    rtlv = ctlv;
    rcount = ccount;
    read += dv.getUint32(ctlv + tlv_length, true);
    ctlv += dv.getUint32(ctlv + tlv_length, true);
  }
  if (read !== sd.valsize || rtlv < 0 || rcount === 0) return EINVAL;

  for (const ci of cbuf) {
    const cmd_len = dv.getUint16(ci.urule + 2, true);
    ci.krule = ipfw_alloc_rule(chain, cmd_len);
    import_rule1(sd, ci, ci.krule);
  }
  const error = commit_rules(chain, sd, cbuf, rcount);
  if (error !== 0) for (const ci of cbuf) if (ci.krule !== null) ipfw_free_rule(ci.krule);
  return error;
}

/** dump_soptcodes (IP_FW_DUMP_SOPTCODES): [ ipfw_obj_lheader ipfw_sopt_info... ]. */
function dump_soptcodes(_chain: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  const olh = ipfw_get_sopt_header(sd, SZ_ipfw_obj_lheader);
  if (olh < 0) return EINVAL;
  const dv = sd.kdv;
  const osize = dv.getUint32(olh + lheader_size, true);
  if (sd.valsize < osize) return EINVAL;
  const count = ctl3_handlers.length;
  const size = count * SZ_ipfw_sopt_info + SZ_ipfw_obj_lheader;
  dv.setUint32(olh + lheader_count, count, true);
  dv.setUint32(olh + lheader_objsize, SZ_ipfw_sopt_info, true);
  if (size > osize) {
    dv.setUint32(olh + lheader_size, size, true);
    return ENOMEM;
  }
  dv.setUint32(olh + lheader_size, size, true);
  for (const sh of ctl3_handlers) {
    const i = ipfw_get_sopt_space(sd, SZ_ipfw_sopt_info);
    KASSERT(i >= 0, "previously checked buffer is not enough");
    dv.setUint16(i, sh.opcode, true);
    dv.setUint8(i + 2, sh.version);
    u64_write(dv, i + 8, sh.refcnt);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Opcode object rewriters.

/** ctl3_rewriters: kept sorted by opcode (a stable sort, as qsort leaves
 *  equal opcodes in no promised order). */
let ctl3_rewriters: opcode_obj_rewrite[] = [];

/** find_op_rw: the rewriter whose classifier claims the instruction at off
 *  (filling out.uidx/out.type), or null. */
export function find_op_rw(dv: DataView, off: number, out: { uidx: number; type: number } | null): opcode_obj_rewrite | null {
  const op = dv.getUint8(off);
  const o = out ?? { uidx: 0, type: 0 };
  for (const rw of ctl3_rewriters) {
    if (rw.opcode < op) continue;
    if (rw.opcode > op) break;
    if (rw.classifier(dv, off, o) === 0) return rw;
  }
  return null;
}

export function classify_opcode_kidx(dv: DataView, off: number, out: { uidx: number; type: number }): number {
  return find_op_rw(dv, off, out) === null ? 1 : 0;
}

export function update_opcode_kidx(dv: DataView, off: number, idx: number): void {
  const rw = find_op_rw(dv, off, null);
  KASSERT(rw !== null, `No handler to update opcode ${dv.getUint8(off)}`);
  rw.update(dv, off, idx);
}

export function ipfw_init_obj_rewriter(): void {
  ctl3_rewriters = [];
}
export function ipfw_destroy_obj_rewriter(): void {
  ctl3_rewriters = [];
}

/** ipfw_add_obj_rewriter: what tables, nat, dyn state names register. */
export function ipfw_add_obj_rewriter(rw: readonly opcode_obj_rewrite[]): void {
  const tmp = ctl3_rewriters.concat(rw);
  tmp.sort((a, b) => a.opcode - b.opcode);
  ctl3_rewriters = tmp;
}

export function ipfw_del_obj_rewriter(rw: readonly opcode_obj_rewrite[]): number {
  for (const r of rw) {
    const i = ctl3_rewriters.findIndex((k) => k.opcode === r.opcode && k.classifier === r.classifier);
    if (i >= 0) ctl3_rewriters.splice(i, 1);
  }
  return 0;
}

function export_objhash_ntlv_internal(_ni: namedobj_instance, no: named_object, arg: unknown): number {
  const sd = arg as sockopt_data;
  const off = ipfw_get_sopt_space(sd, SZ_ipfw_obj_ntlv);
  if (off < 0) return ENOMEM;
  ipfw_export_obj_ntlv(no, sd.kbuf, off);
  return 0;
}

/** dump_srvobjects (IP_FW_DUMP_SRVOBJECTS): [ ipfw_obj_lheader ntlv... ]. */
function dump_srvobjects(chain: ip_fw_chain, _op3: ip_fw3_opheader, sd: sockopt_data): number {
  const hdr = ipfw_get_sopt_header(sd, SZ_ipfw_obj_lheader);
  if (hdr < 0) return EINVAL;
  const srv = chain.srvmap;
  const count = srv === null ? 0 : ipfw_objhash_count(srv);
  const size = SZ_ipfw_obj_lheader + count * SZ_ipfw_obj_ntlv;
  sd.kdv.setUint32(hdr + lheader_size, size, true);
  if (sd.valsize < size) return ENOMEM;
  sd.kdv.setUint32(hdr + lheader_count, count, true);
  sd.kdv.setUint32(hdr + lheader_objsize, SZ_ipfw_obj_ntlv, true);
  if (count > 0 && srv !== null) ipfw_objhash_foreach(srv, export_objhash_ntlv_internal, sd);
  return 0;
}

// ---------------------------------------------------------------------------
// Socket option handlers.

/** ctl3_handlers, sorted by (opcode, version). */
let ctl3_handlers: ipfw_sopt_handler[] = [];
let ctl3_gencnt = 0;

function find_sh(code: number, version: number, handler: sopt_handler_f | null): ipfw_sopt_handler | null {
  for (const sh of ctl3_handlers) {
    if (sh.opcode === code && sh.version === version && (handler === null || sh.handler === handler)) return sh;
  }
  return null;
}

/** ipfw_add_sopt_handler: register IP_FW3 opcode handlers. */
export function ipfw_add_sopt_handler(sh: readonly ipfw_sopt_handler[]): void {
  const tmp = ctl3_handlers.concat(sh);
  tmp.sort((a, b) => a.opcode - b.opcode || a.version - b.version);
  ctl3_handlers = tmp;
  ctl3_gencnt++;
}

/** ipfw_del_sopt_handler. */
export function ipfw_del_sopt_handler(sh: readonly ipfw_sopt_handler[]): number {
  for (const t of sh) {
    const h = find_sh(t.opcode, t.version, t.handler);
    if (h === null) continue;
    ctl3_handlers.splice(ctl3_handlers.indexOf(h), 1);
  }
  ctl3_gencnt++;
  return 0;
}

export function ipfw_sopt_handlers(): readonly ipfw_sopt_handler[] {
  return ctl3_handlers;
}

const scodes: ipfw_sopt_handler[] = [
  { opcode: IP_FW_XGET, version: 0, dir: HDIR_GET, handler: dump_config, refcnt: 0 },
  { opcode: IP_FW_XADD, version: 0, dir: HDIR_BOTH, handler: add_rules, refcnt: 0 },
  { opcode: IP_FW_XDEL, version: 0, dir: HDIR_BOTH, handler: del_rules, refcnt: 0 },
  { opcode: IP_FW_XZERO, version: 0, dir: HDIR_SET, handler: clear_rules, refcnt: 0 },
  { opcode: IP_FW_XRESETLOG, version: 0, dir: HDIR_SET, handler: clear_rules, refcnt: 0 },
  { opcode: IP_FW_XMOVE, version: 0, dir: HDIR_SET, handler: move_rules, refcnt: 0 },
  { opcode: IP_FW_SET_SWAP, version: 0, dir: HDIR_SET, handler: manage_sets, refcnt: 0 },
  { opcode: IP_FW_SET_MOVE, version: 0, dir: HDIR_SET, handler: manage_sets, refcnt: 0 },
  { opcode: IP_FW_SET_ENABLE, version: 0, dir: HDIR_SET, handler: manage_sets, refcnt: 0 },
  { opcode: IP_FW_DUMP_SOPTCODES, version: 0, dir: HDIR_GET, handler: dump_soptcodes, refcnt: 0 },
  { opcode: IP_FW_DUMP_SRVOBJECTS, version: 0, dir: HDIR_GET, handler: dump_srvobjects, refcnt: 0 },
];

export function ipfw_init_sopt_handler(): void {
  ipfw_add_sopt_handler(scodes);
}
export function ipfw_destroy_sopt_handler(): void {
  ipfw_del_sopt_handler(scodes);
}

/** ipfw_flush_sopt_data: copy the answer out (for a get) and account for it. */
function ipfw_flush_sopt_data(sd: sockopt_data): number {
  const sz = sd.koff;
  if (sz === 0) return 0;
  const sopt = sd.sopt;
  KASSERT(sopt !== null, "ipfw_flush_sopt_data: no sockopt");
  if (sopt.sopt_dir === SOPT_GET && sopt.sopt_val instanceof Uint8Array) {
    const dst = sopt.sopt_val;
    const n = Math.min(sz, dst.length - sd.ktotal);
    if (n > 0) dst.set(sd.kbuf.subarray(0, n), sd.ktotal);
  }
  sd.ktotal += sz;
  sd.koff = 0;
  sd.kavail = 0;
  sopt.sopt_valsize = sd.ktotal;
  return 0;
}

/** ipfw_get_sopt_space: `needed` contiguous bytes of sd.kbuf (their offset), or -1. */
export function ipfw_get_sopt_space(sd: sockopt_data, needed: number): number {
  if (sd.kavail < needed) return -1;
  const addr = sd.koff;
  sd.koff += needed;
  sd.kavail -= needed;
  return addr;
}

/** ipfw_get_sopt_header: the request header; the rest of the buffer is
 *  zeroed for the answer. */
export function ipfw_get_sopt_header(sd: sockopt_data, needed: number): number {
  const addr = ipfw_get_sopt_space(sd, needed);
  if (addr < 0) return -1;
  if (sd.kavail > 0) sd.kbuf.fill(0, sd.koff, sd.koff + sd.kavail);
  return addr;
}

/**
 * ipfw_ctl3: V_ip_fw_ctl_ptr.  Reads the opheader, finds the handler for
 * (opcode, version), copies the request in, runs the handler on this vnet's
 * chain and copies the answer back.
 */
export function ipfw_ctl3(sopt: sockopt): number {
  const td = sopt.sopt_td;
  if (td !== null) {
    const error = priv_check_cred(td.td_ucred, PRIV_NETINET_IPFW);
    if (error !== 0) return error;
  }
  if (sopt.sopt_name !== IP_FW3) {
    printf(`ipfw: ipfw_ctl invalid option ${sopt.sopt_name}\n`);
    return EINVAL;
  }
  const chain = V_layer3_chain();
  if (chain === null) return EINVAL;

  const valsize = sopt.sopt_valsize;
  const v = sopt.sopt_val;
  if (!(v instanceof Uint8Array) || valsize < SZ_ip_fw3_opheader || v.length < SZ_ip_fw3_opheader) return EINVAL;
  const op3 = new ip_fw3_opheader();
  op3.opcode = v[0] | (v[1] << 8);
  op3.version = v[2] | (v[3] << 8);

  const h = find_sh(op3.opcode, op3.version, null);
  if (h === null) {
    printf(`ipfw: ipfw_ctl3 invalid option ${op3.opcode}v${op3.version}\n`);
    return EINVAL;
  }
  if ((h.dir & HDIR_SET) !== 0 && valsize > CTL3_LARGEBUF) return EFBIG;
  h.refcnt++;

  const sd = new sockopt_data();
  sd.kbuf = new Uint8Array(valsize);
  sd.kdv = new DataView(sd.kbuf.buffer);
  sd.ksize = valsize;
  sd.kavail = valsize;
  sd.sopt = sopt;
  sd.valsize = valsize;
  sd.kbuf.set(v.subarray(0, Math.min(valsize, v.length)));

  let error = h.handler(chain, op3, sd);
  h.refcnt--;
  const e2 = ipfw_flush_sopt_data(sd);
  if (error === 0) error = e2;
  sopt.sopt_valsize = sd.ktotal;
  return error;
}

// ---------------------------------------------------------------------------
// Service objects (nat64, nptv6 ... instances): the chain's srvmap.

export function ipfw_init_srv(ch: ip_fw_chain): void {
  ch.srvmap = ipfw_objhash_create(IPFW_OBJECTS_DEFAULT);
  ch.srvstate = new Array<unknown>(IPFW_OBJECTS_DEFAULT).fill(null);
}
export function ipfw_destroy_srv(ch: ip_fw_chain): void {
  ch.srvstate = [];
  if (ch.srvmap !== null) ipfw_objhash_destroy(ch.srvmap);
  ch.srvmap = null;
}

// ---------------------------------------------------------------------------
// Named object hashes.

/** FNV-1 32-bit over the name's bytes (fnv_32_str with FNV1_32_INIT). */
function fnv_32_str(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ (s.charCodeAt(i) & 0xff)) >>> 0;
  }
  return h >>> 0;
}

const objhash_hash_name: objhash_hash_f = (_ni, name) => fnv_32_str(name);
const objhash_cmp_name: objhash_cmp_f = (no, name, set) => (no.name === name && no.set === set ? 0 : 1);

function objhash_hash_idx(ni: namedobj_instance, val: number): number {
  return val % (ni.nv_size - 1);
}

/** ipfw_objhash_bitmap_alloc: a free-index bitmap for `items` per set, index 0 taken. */
export function ipfw_objhash_bitmap_alloc(items: number): { idx: Uint32Array; blocks: number } {
  KASSERT(items % BLOCK_ITEMS === 0, `bitmask size needs to power of 2 and greater or equal to ${BLOCK_ITEMS}`);
  const max_blocks = items / BLOCK_ITEMS;
  const idx = new Uint32Array((max_blocks * 2) * IPFW_MAX_SETS).fill(0xffffffff);
  idx[0] &= ~1;
  return { idx, blocks: max_blocks };
}

export function ipfw_objhash_bitmap_merge(ni: namedobj_instance, idx: Uint32Array, blocks: number): void {
  for (let i = 0; i < IPFW_MAX_SETS; i++) {
    idx.set(ni.idx_mask.subarray(ni.max_blocks * 2 * i, ni.max_blocks * 2 * (i + 1)), blocks * 2 * i);
  }
}

export function ipfw_objhash_bitmap_swap(ni: namedobj_instance, idx: Uint32Array, blocks: number): { idx: Uint32Array; blocks: number } {
  const old = { idx: ni.idx_mask, blocks: ni.max_blocks };
  ni.idx_mask = idx;
  ni.max_blocks = blocks;
  return old;
}

export function ipfw_objhash_create(items: number): namedobj_instance {
  const ni = new namedobj_instance(objhash_hash_name, objhash_cmp_name);
  const { idx, blocks } = ipfw_objhash_bitmap_alloc(items);
  ni.idx_mask = idx;
  ni.max_blocks = blocks;
  return ni;
}

export function ipfw_objhash_destroy(ni: namedobj_instance): void {
  ni.idx_mask = new Uint32Array(0);
  ni.max_blocks = 0;
}

export function ipfw_objhash_set_funcs(ni: namedobj_instance, hash_f: objhash_hash_f, cmp_f: objhash_cmp_f): void {
  ni.hash_f = hash_f;
  ni.cmp_f = cmp_f;
}

export function ipfw_objhash_lookup_name(ni: namedobj_instance, set: number, name: string): named_object | null {
  const hash = ni.hash_f(ni, name, set) % ni.nn_size;
  for (const no of ni.names[hash]) if (ni.cmp_f(no, name, set) === 0) return no;
  return null;
}

/**
 * ipfw_find_name_tlv_type: the ipfw_obj_ntlv with index uidx (and type etlv,
 * unless the TLV's type is 0) among the request's TLVs; its offset or -1.
 */
export function ipfw_find_name_tlv_type(b: Uint8Array, tlvs: number, len: number, uidx: number, etlv: number): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const pe = tlvs + len;
  for (let pa = tlvs; pa < pe; ) {
    if (pa + SZ_ipfw_obj_ntlv > b.length) return -1;
    const l = dv.getUint32(pa + tlv_length, true);
    if (l !== SZ_ipfw_obj_ntlv) return -1;
    if (dv.getUint16(pa + ntlv_idx, true) === uidx) {
      const type = dv.getUint16(pa + tlv_type, true);
      if (type === 0 || type === (etlv & 0xffff)) {
        if (ipfw_check_object_name_generic(b, pa + ntlv_name) !== 0) return -1;
        return pa;
      }
    }
    pa += l;
  }
  return -1;
}

/** ipfw_objhash_find_type: the object the rule's uidx names (through the
 *  request's name TLVs), in the rule's set. */
export function ipfw_objhash_find_type(ni: namedobj_instance, ti: tid_info, etlv: number, out: { no: named_object | null }): number {
  if (ti.tlvs === null) return EINVAL;
  const ntlv = ipfw_find_name_tlv_type(ti.tlvs, ti.tlvs_off, ti.tlen, ti.uidx, etlv);
  if (ntlv < 0) return EINVAL;
  const name = cstr_read(ti.tlvs, ntlv + ntlv_name, NTLV_NAME_LEN);
  out.no = ipfw_objhash_lookup_name(ni, ti.set, name);
  if (out.no === null) return ESRCH;
  return 0;
}

export function ipfw_objhash_lookup_name_type(ni: namedobj_instance, set: number, type: number, name: string): named_object | null {
  const hash = ni.hash_f(ni, name, set) % ni.nn_size;
  for (const no of ni.names[hash]) if (ni.cmp_f(no, name, set) === 0 && no.etlv === (type & 0xffff)) return no;
  return null;
}

export function ipfw_objhash_lookup_kidx(ni: namedobj_instance, kidx: number): named_object | null {
  const hash = objhash_hash_idx(ni, kidx);
  for (const no of ni.values[hash]) if (no.kidx === kidx) return no;
  return null;
}

export function ipfw_objhash_same_name(_ni: namedobj_instance, a: named_object, b: named_object): boolean {
  return a.name === b.name && a.set === b.set;
}

export function ipfw_objhash_add(ni: namedobj_instance, no: named_object): void {
  ni.names[ni.hash_f(ni, no.name, no.set) % ni.nn_size].unshift(no);
  ni.values[objhash_hash_idx(ni, no.kidx)].unshift(no);
  ni.count++;
}

export function ipfw_objhash_del(ni: namedobj_instance, no: named_object): void {
  const nb = ni.names[ni.hash_f(ni, no.name, no.set) % ni.nn_size];
  const i = nb.indexOf(no);
  if (i >= 0) nb.splice(i, 1);
  const vb = ni.values[objhash_hash_idx(ni, no.kidx)];
  const j = vb.indexOf(no);
  if (j >= 0) vb.splice(j, 1);
  ni.count--;
}

export function ipfw_objhash_count(ni: namedobj_instance): number {
  return ni.count;
}

export function ipfw_objhash_count_type(ni: namedobj_instance, type: number): number {
  let count = 0;
  for (const b of ni.names) for (const no of b) if (no.etlv === type) count++;
  return count;
}

/** ipfw_objhash_foreach: the callback may delete the object it is given. */
export function ipfw_objhash_foreach(ni: namedobj_instance, f: objhash_cb_t, arg: unknown): number {
  for (const b of ni.names) {
    for (const no of b.slice()) {
      const ret = f(ni, no, arg);
      if (ret !== 0) return ret;
    }
  }
  return 0;
}

export function ipfw_objhash_foreach_type(ni: namedobj_instance, f: objhash_cb_t, arg: unknown, type: number): number {
  for (const b of ni.names) {
    for (const no of b.slice()) {
      if (no.etlv !== type) continue;
      const ret = f(ni, no, arg);
      if (ret !== 0) return ret;
    }
  }
  return 0;
}

/** ipfw_objhash_free_idx: 0 when idx was in use and is now free. */
export function ipfw_objhash_free_idx(ni: namedobj_instance, idx: number): number {
  const i = Math.floor(idx / BLOCK_ITEMS);
  const v = idx % BLOCK_ITEMS;
  if (i >= ni.max_blocks) return 1;
  const w = i * 2 + (v >> 5);
  const bit = 1 << (v & 31);
  if ((ni.idx_mask[w] & bit) !== 0) return 1;
  ni.idx_mask[w] |= bit;
  if (ni.free_off[0] > i) ni.free_off[0] = i;
  return 0;
}

/** ipfw_objhash_alloc_idx: the lowest free index (out.idx); 1 when full. */
export function ipfw_objhash_alloc_idx(ni: namedobj_instance, out: { idx: number }): number {
  for (let i = ni.free_off[0]; i < ni.max_blocks; i++) {
    for (let half = 0; half < 2; half++) {
      const w = i * 2 + half;
      const m = ni.idx_mask[w];
      if (m === 0) continue;
      const v = 31 - Math.clz32(m & -m);
      ni.idx_mask[w] = m & ~(1 << v);
      ni.free_off[0] = i;
      out.idx = BLOCK_ITEMS * i + half * 32 + v;
      return 0;
    }
  }
  return 1;
}

/** zero_entry's V_norule_counter reset, for the legacy path's callers. */
export function ipfw_reset_norule_counter(): void {
  VNET_U64_SET(norule_counter, 0);
}
