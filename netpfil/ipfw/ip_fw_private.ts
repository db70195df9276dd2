// sys/netpfil/ipfw/ip_fw_private.h (FreeBSD 14), with the ipfw parts of
// sys/netinet/ip_var.h (struct ipfw_rule_ref, MTAG_IPFW*, the
// ip_fw_ctl/ip_dn_ctl/ip_dn_io pointers): what the pieces of ipfw share
// inside the kernel.  ipfw_chk, the sockopt code, dynamic states, tables,
// nat and dummynet all meet here.
//
// FreeBSD's function pointers and cross-file entry points become hook slots:
// `export let x` that the providing file fills with set_x() when its module
// loads (module live bindings make the new value visible to every
// importer).  ipfw_chk calls the dynamic-state and table entry points through
// these slots, so it is built and tested before those files exist, and a
// slot left null behaves as "not compiled in" (no state found, no table).
//
// Departures: no locks (IPFW_*LOCK are no-ops and not modelled), counters are
// plain numbers rather than counter(9), rules keep their instruction words in
// a Uint8Array read through a DataView.

import type { mbuf } from "../../kern/mbuf.ts";
import type { sockopt } from "../../kern/uipc_socket.ts";
import type { ifnet } from "../../net/if.ts";
import type { sockaddr_in } from "../../netinet/in.ts";
import type { inpcb } from "../../netinet/in_pcb.ts";
import { ipfw_flow_id } from "../../netinet/ip_fw.ts";
import type { sockaddr_in6 } from "../../netinet6/in6_var.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_DEFINE_U64, VNET_I32, VNET_I32_SET, VNET_PTR, VNET_PTR_SET, type vnet_ptr } from "../../net/vnet.ts";

/** Default and maximum number of tables / named objects. */
export const IPFW_TABLES_MAX_K = 65536;
export const IPFW_TABLES_DEFAULT_K = 128;
export const IPFW_OBJECTS_MAX = 65536;
export const IPFW_OBJECTS_DEFAULT = 1024;

// ---------------------------------------------------------------------------
// netinet/ip_var.h

/**
 * struct ipfw_rule_ref: where a packet left the ruleset, so that a packet
 * coming back (from dummynet, divert, netgraph) resumes after that rule.
 * slot is the rule's index in chain.map (valid while chain_id matches the
 * chain's id); otherwise the rule is found again by rulenum and rule_id.
 */
export class ipfw_rule_ref {
  slot = 0;
  rulenum = 0;
  rule_id = 0;
  chain_id = 0;
  info = 0;

  clear(): void {
    this.slot = this.rulenum = this.rule_id = this.chain_id = this.info = 0;
  }
  copy_from(o: ipfw_rule_ref): void {
    this.slot = o.slot;
    this.rulenum = o.rulenum;
    this.rule_id = o.rule_id;
    this.chain_id = o.chain_id;
    this.info = o.info;
  }
}

/** ipfw_rule_ref.info bits. */
export const IPFW_INFO_MASK = 0x0000ffff;
export const IPFW_INFO_OUT = 0x00000000;
export const IPFW_INFO_IN = 0x80000000;
/** One pass: the packet must not go through the ruleset again. */
export const IPFW_ONEPASS = 0x40000000;
export const IPFW_IS_MASK = 0x30000000;
export const IPFW_IS_DIVERT = 0x20000000;
export const IPFW_IS_DUMMYNET = 0x10000000;
/** pipe = 1, queue = 0. */
export const IPFW_IS_PIPE = 0x08000000;

/** m_tag cookies (MTAG_ABI_COMPAT tags in FreeBSD). */
export const MTAG_IPFW = 1148380143;
export const MTAG_IPFW_RULE = 1262273568;
export const MTAG_IPFW_CALL = 1308397630;

/** ip_fw_ctl_t: the IP_FW3 handler raw_ip's rip_ctloutput calls. */
export type ip_fw_ctl_t = (sopt: sockopt) => number;
/** ip_dn_ctl_t: the IP_DUMMYNET3 handler. */
export type ip_dn_ctl_t = (sopt: sockopt) => number;
/**
 * ip_dn_io_t: dummynet_io(&m, args).  The packet is args.m on entry; on
 * return 0 with args.m === null dummynet kept it (it comes back later
 * through the re-injection path), 0 with args.m !== null means go on with
 * args.m, and an errno means it was dropped (and freed).
 */
export type ip_dn_io_t = (args: ip_fw_args) => number;

/** V_ip_fw_ctl_ptr: per vnet, as in FreeBSD; vnet_ipfw_init sets it to
 *  ipfw_ctl3 and vnet_ipfw_uninit clears it. */
const ip_fw_ctl_ptr = VNET_DEFINE_PTR<ip_fw_ctl_t | null>("ip_fw_ctl_ptr", null);
export function V_ip_fw_ctl_ptr(): ip_fw_ctl_t | null {
  return VNET_PTR(ip_fw_ctl_ptr);
}
export function V_ip_fw_ctl_ptr_set(f: ip_fw_ctl_t | null): void {
  VNET_PTR_SET(ip_fw_ctl_ptr, f);
}
export let ip_dn_ctl_ptr: ip_dn_ctl_t | null = null;
export let ip_dn_io_ptr: ip_dn_io_t | null = null;

export function set_ip_dn_ctl_ptr(f: ip_dn_ctl_t | null): void {
  ip_dn_ctl_ptr = f;
}
export function set_ip_dn_io_ptr(f: ip_dn_io_t | null): void {
  ip_dn_io_ptr = f;
}

// ---------------------------------------------------------------------------
// The per-vnet variables ip_fw_private.h declares.  FreeBSD defines them in
// ip_fw2.c and ip_fw_pfil.c; they are defined here so that every part of
// ipfw (and the helpers beside it) reaches them without importing ipfw_chk.

/** V_fw_one_pass (net.inet.ip.fw.one_pass): a packet that leaves dummynet,
 *  nat or netgraph is not checked again. */
export const fw_one_pass = VNET_DEFINE_INT("fw_one_pass", 1);
/** V_fw_verbose (net.inet.ip.fw.verbose). */
export const fw_verbose = VNET_DEFINE_INT("fw_verbose", 0);
/** V_verbose_limit (net.inet.ip.fw.verbose_limit). */
export const verbose_limit = VNET_DEFINE_INT("verbose_limit", 0);
/** V_norule_counter: packets logged while no rule matched (ip_fw_log.c). */
export const norule_counter = VNET_DEFINE_U64("norule_counter", 1);
/** V_ipfw_vnet_ready: the chain of this vnet is set up. */
export const ipfw_vnet_ready = VNET_DEFINE_INT("ipfw_vnet_ready", 0);
/** V_set_disable: bitmap of disabled sets. */
export const set_disable = VNET_DEFINE_INT("set_disable", 0);
/** V_autoinc_step (net.inet.ip.fw.autoinc_step). */
export const autoinc_step = VNET_DEFINE_INT("autoinc_step", 100);
/** V_fw_tables_max (net.inet.ip.fw.tables_max). */
export const fw_tables_max = VNET_DEFINE_INT("fw_tables_max", IPFW_TABLES_DEFAULT_K);
/** V_fw_tables_sets (net.inet.ip.fw.tables_sets). */
export const fw_tables_sets = VNET_DEFINE_INT("fw_tables_sets", 0);
/** V_fw_deny_unknown_exthdrs (net.inet6.ip6.fw.deny_unknown_exthdrs). */
export const fw_deny_unknown_exthdrs = VNET_DEFINE_INT("fw_deny_unknown_exthdrs", 1);
/** V_fw_permit_single_frag6 (net.inet6.ip6.fw.permit_single_frag6). */
export const fw_permit_single_frag6 = VNET_DEFINE_INT("fw_permit_single_frag6", 1);
/** V_ipfw_nat_ready: ip_fw_nat's per-vnet state exists (IPFW_NAT_LOADED). */
export const ipfw_nat_ready = VNET_DEFINE_INT("ipfw_nat_ready", 0);
/** V_layer3_chain: the vnet's ruleset. */
const layer3_chain = VNET_DEFINE_PTR<ip_fw_chain | null>("layer3_chain", null);

export function V_fw_one_pass(): number {
  return VNET_I32(fw_one_pass);
}
export function V_fw_verbose(): number {
  return VNET_I32(fw_verbose);
}
export function V_verbose_limit(): number {
  return VNET_I32(verbose_limit);
}
export function V_ipfw_vnet_ready(): number {
  return VNET_I32(ipfw_vnet_ready);
}
export function V_set_disable(): number {
  return VNET_I32(set_disable) >>> 0;
}
export function V_set_disable_set(v: number): void {
  VNET_I32_SET(set_disable, v | 0);
}
export function V_autoinc_step(): number {
  return VNET_I32(autoinc_step);
}
export function V_fw_tables_max(): number {
  return VNET_I32(fw_tables_max);
}
export function V_fw_tables_sets(): number {
  return VNET_I32(fw_tables_sets);
}
export function IPFW_NAT_LOADED(): boolean {
  return VNET_I32(ipfw_nat_ready) !== 0;
}
/** V_layer3_chain: null before vnet_ipfw_init and after vnet_ipfw_uninit. */
export function V_layer3_chain(): ip_fw_chain | null {
  return VNET_PTR(layer3_chain);
}
export function V_layer3_chain_set(ch: ip_fw_chain | null): void {
  VNET_PTR_SET(layer3_chain, ch);
}
/** The slot itself, for VNET_VNET_PTR(vnet, slot) from outside a vnet. */
export function layer3_chain_slot(): vnet_ptr<ip_fw_chain | null> {
  return layer3_chain;
}

// ---------------------------------------------------------------------------
// Return values of ipfw_chk().

export const IP_FW_PASS = 0;
export const IP_FW_DENY = 1;
export const IP_FW_DIVERT = 2;
export const IP_FW_TEE = 3;
export const IP_FW_DUMMYNET = 4;
export const IP_FW_NETGRAPH = 5;
export const IP_FW_NGTEE = 6;
export const IP_FW_NAT = 7;
export const IP_FW_REASS = 8;
export const IP_FW_NAT64 = 9;

// ---------------------------------------------------------------------------
// struct ip_fw_args

export const IPFW_ARGS_ETHER = 0x00010000;
export const IPFW_ARGS_NH4 = 0x00020000;
export const IPFW_ARGS_NH6 = 0x00040000;
export const IPFW_ARGS_NH4PTR = 0x00080000;
export const IPFW_ARGS_NH6PTR = 0x00100000;
export const IPFW_ARGS_REF = 0x00200000;
export const IPFW_ARGS_IN = 0x00400000;
export const IPFW_ARGS_OUT = 0x00800000;
export const IPFW_ARGS_IP4 = 0x01000000;
export const IPFW_ARGS_IP6 = 0x02000000;
export const IPFW_ARGS_DROP = 0x04000000;
export const IPFW_ARGS_LENMASK = 0x0000ffff;
export function IPFW_ARGS_LENGTH(f: number): number {
  return f & IPFW_ARGS_LENMASK;
}

/** struct ip_fw_nh6: the IPv6 next hop kept in the args. */
export class ip_fw_nh6 {
  readonly sin6_addr = new Uint8Array(16);
  sin6_scope_id = 0;
  sin6_port = 0;
}

/**
 * struct ip_fw_args: what ipfw_chk and dummynet_io are given.  One is
 * preallocated per caller context and reset per packet (ip_fw_args_reset),
 * so the packet path allocates nothing.
 */
export class ip_fw_args {
  flags = 0;
  /** On return, the matching rule; on entry with IPFW_ARGS_REF, where to restart. */
  readonly rule = new ipfw_rule_ref();
  ifp: ifnet | null = null;
  inp: inpcb | null = null;
  /** With IPFW_ARGS_NH4PTR / NH6PTR: the next hop inside a rule's instruction. */
  next_hop: sockaddr_in | null = null;
  next_hop6: sockaddr_in6 | null = null;
  /** With IPFW_ARGS_NH4: the next hop stored here (host-order address, port). */
  readonly hopstore = { sin_addr: 0, sin_port: 0 };
  /** With IPFW_ARGS_NH6. */
  readonly hopstore6 = new ip_fw_nh6();
  m: mbuf | null = null;
  readonly f_id = new ipfw_flow_id();

  ip_fw_args_reset(): void {
    this.flags = 0;
    this.rule.clear();
    this.ifp = null;
    this.inp = null;
    this.next_hop = null;
    this.next_hop6 = null;
    this.hopstore.sin_addr = 0;
    this.hopstore.sin_port = 0;
    this.hopstore6.sin6_addr.fill(0);
    this.hopstore6.sin6_scope_id = 0;
    this.hopstore6.sin6_port = 0;
    this.m = null;
    this.f_id.clear();
  }
}

// ---------------------------------------------------------------------------
// struct ip_fw: a rule as the kernel keeps it.

export class ip_fw {
  /** Offset of the first action, in 32-bit words. */
  act_ofs = 0;
  /** Length of cmd in 32-bit words. */
  cmd_len = 0;
  rulenum = 0;
  set = 0;
  flags = 0;
  /** Counters (FreeBSD: counter_u64_t cntr[2]). */
  pcnt = 0;
  bcnt = 0;
  /** time_uptime of the last match. */
  timestamp = 0;
  id = 0;
  /** Skipto cache of O_SKIPTO / O_CALLRETURN (jump_fast). */
  cached_id = 0;
  cached_pos = 0;
  refcnt = 0;
  /** The instruction words, bytes little-endian. */
  cmd: Uint8Array;
  cmdv: DataView;

  constructor(cmd_len: number) {
    this.cmd_len = cmd_len;
    this.cmd = new Uint8Array(cmd_len * 4);
    this.cmdv = new DataView(this.cmd.buffer);
  }
}

/** IPFW_INC_RULE_COUNTER. */
export function IPFW_INC_RULE_COUNTER(f: ip_fw, bytes: number, now: number): void {
  f.pcnt++;
  f.bcnt += bytes;
  if (f.timestamp !== now) f.timestamp = now;
}
/** IPFW_ZERO_RULE_COUNTER. */
export function IPFW_ZERO_RULE_COUNTER(f: ip_fw): void {
  f.pcnt = 0;
  f.bcnt = 0;
  f.timestamp = 0;
}

/** ACTION_PTR(rule) as a byte offset into rule.cmd. */
export function ACTION_PTR(f: ip_fw): number {
  return f.act_ofs * 4;
}

/** struct ip_fw_chain: one per vnet (V_layer3_chain). */
export class ip_fw_chain {
  /** Rules sorted by (rulenum, id); the default rule is last. */
  map: ip_fw[] = [];
  /** Ruleset generation: changes whenever map does. */
  id = 0;
  n_rules = 0;
  /** Tables' runtime state (ip_fw_table.ts). */
  tablestate: unknown = null;
  /** Table values (ip_fw_table_value.ts): index -> value. */
  valuestate: unknown = null;
  /** Skipto cache: rule number -> first slot with a number >= it. */
  idxmap: Int32Array | null = null;
  /** Service objects by kidx (nat64, nptv6 ...). */
  srvstate: unknown[] = [];
  /** Total length of the static rules as userland would see them (v1). */
  static_len = 0;
  /** NAT generation count. */
  gencnt = 0;
  /** LIST_HEAD(nat_list, cfg_nat): the nat instances (ip_fw_nat.ts). */
  nat: cfg_nat_ref[] = [];
  default_rule: ip_fw | null = null;
  /** Tables module data (ip_fw_table.ts). */
  tblcfg: unknown = null;
  /** Interface tracking data (ip_fw_iface.ts). */
  ifcfg: unknown = null;
  /** Name -> number mappings of service objects (ipfw_objhash). */
  srvmap: namedobj_instance | null = null;
}

/** What ipfw's core needs of a nat instance; ip_fw_nat.ts's struct cfg_nat
 *  carries these fields and more. */
export interface cfg_nat_ref {
  id: number;
}

// ---------------------------------------------------------------------------
// Named objects (tables, nat instances ...): ip_fw_sockopt.c keeps them in a
// namedobj_instance per kind; ip_fw_sockopt.ts implements the functions.

/** struct named_object. */
export class named_object {
  name = "";
  /** Export TLV id. */
  etlv = 0;
  subtype = 0;
  set = 0;
  kidx = 0;
  spare = 0;
  ocnt = 0;
  refcnt = 0;
}

/** NAMEDOBJ_HASH_SIZE: buckets of both hashes. */
export const NAMEDOBJ_HASH_SIZE = 32;
/** BLOCK_ITEMS: indexes per bitmap word (a u_long on amd64). */
export const BLOCK_ITEMS = 64;

/**
 * struct namedobj_instance: names -> objects (hashed by name), kernel
 * indexes -> objects, and the bitmap of free kernel indexes.  Buckets are
 * arrays with the newest object first, as TAILQ_INSERT_HEAD leaves them,
 * so walks visit objects in FreeBSD's order.  The bitmap is kept as pairs
 * of 32-bit words standing for amd64's 64-bit u_long.
 */
export class namedobj_instance {
  readonly names: named_object[][] = [];
  readonly values: named_object[][] = [];
  nn_size = NAMEDOBJ_HASH_SIZE;
  nv_size = NAMEDOBJ_HASH_SIZE;
  /** Free index bitmap (1 = free), BLOCK_ITEMS bits per block. */
  idx_mask: Uint32Array = new Uint32Array(0);
  max_blocks = 0;
  count = 0;
  readonly free_off = new Uint16Array(32);
  hash_f: objhash_hash_f;
  cmp_f: objhash_cmp_f;
  constructor(hash_f: objhash_hash_f, cmp_f: objhash_cmp_f) {
    for (let i = 0; i < NAMEDOBJ_HASH_SIZE; i++) {
      this.names.push([]);
      this.values.push([]);
    }
    this.hash_f = hash_f;
    this.cmp_f = cmp_f;
  }
}
export type objhash_cb_t = (ni: namedobj_instance, no: named_object, arg: unknown) => number;
/** hash_f(ni, key, kopt): key is the name; kopt the set (FreeBSD's void *key). */
export type objhash_hash_f = (ni: namedobj_instance, key: string, kopt: number) => number;
export type objhash_cmp_f = (no: named_object, key: string, kopt: number) => number;

/** struct tid_info: a table (or object) reference from a request. */
export class tid_info {
  set = 0;
  uidx = 0;
  type = 0;
  atype = 0;
  spare = 0;
  /** The TLV block: bytes and where it starts and how long it is. */
  tlvs: Uint8Array | null = null;
  tlvs_off = 0;
  tlen = 0;
}

/** struct obj_idx: one object reference of a rule being added. */
export class obj_idx {
  uidx = 0;
  kidx = 0;
  /** Offset of the instruction in the rule, in 32-bit words. */
  off = 0;
  spare = 0;
  type = 0;
}

/** enum ipfw_sets_cmd. */
export const SWAP_ALL = 0;
export const TEST_ALL = 1;
export const MOVE_ALL = 2;
export const COUNT_ONE = 3;
export const TEST_ONE = 4;
export const MOVE_ONE = 5;

/**
 * struct opcode_obj_rewrite: how the rule code finds, creates and releases
 * the named objects an opcode refers to (tables for O_IP_*_LOOKUP, nat
 * instances ...).  `cmd` is the instruction at byte offset `off` of `dv`.
 * classifier returns 0 (and fills puidx/ptype) when the opcode refers to
 * an object, 1 otherwise.
 */
export interface opcode_obj_rewrite {
  opcode: number;
  etlv: number;
  classifier: (dv: DataView, off: number, out: { uidx: number; type: number }) => number;
  update: (dv: DataView, off: number, kidx: number) => void;
  find_byname: (ch: ip_fw_chain, ti: tid_info, out: { no: named_object | null }) => number;
  find_bykidx: (ch: ip_fw_chain, kidx: number) => named_object | null;
  create_object: ((ch: ip_fw_chain, ti: tid_info, out: { kidx: number }) => number) | null;
  destroy_object: ((ch: ip_fw_chain, no: named_object) => void) | null;
  manage_sets: ((ch: ip_fw_chain, set: number, new_set: number, cmd: number) => number) | null;
}

// ---------------------------------------------------------------------------
// Socket option plumbing (ip_fw_sockopt.c).

/**
 * struct sockopt_data: the kernel side of one IP_FW3 request.  kbuf holds
 * the request as copied in and receives the answer; koff is how much of it
 * is in use, kavail what is left, ktotal what a full answer would need.
 */
export class sockopt_data {
  kbuf: Uint8Array = new Uint8Array(0);
  kdv: DataView = new DataView(new ArrayBuffer(0));
  ksize = 0;
  koff = 0;
  kavail = 0;
  ktotal = 0;
  sopt: sockopt | null = null;
  /** Size of the caller's buffer. */
  valsize = 0;
}

/** ip_fw3_opheader as the kernel reads it from the request's first bytes. */
export class ip_fw3_opheader {
  opcode = 0;
  version = 0;
}

/**
 * sopt_handler_f(chain, op3, sd): handles one IP_FW3 opcode.  The request is
 * in sd.kbuf (op3 at byte 0); a handler takes its pieces with
 * ipfw_get_sopt_header / ipfw_get_sopt_space (byte offsets into sd.kbuf,
 * -1 for NULL) and writes its answer there, which ipfw_ctl3 copies out.
 */
export type sopt_handler_f = (chain: ip_fw_chain, op3: ip_fw3_opheader, sd: sockopt_data) => number;

/** struct ipfw_sopt_handler. */
export interface ipfw_sopt_handler {
  opcode: number;
  version: number;
  dir: number;
  handler: sopt_handler_f;
  refcnt: number;
}
export const HDIR_SET = 0x01;
export const HDIR_GET = 0x02;
export const HDIR_BOTH = HDIR_GET | HDIR_SET;

// ---------------------------------------------------------------------------
// Dynamic states (ip_fw_dynamic.c), provided by ip_fw_dynamic.ts.

/** Result of matching dynamic states. */
export const MATCH_REVERSE = 0;
export const MATCH_FORWARD = 1;
export const MATCH_NONE = 2;
export const MATCH_UNKNOWN = 3;

/** struct ipfw_dyn_info: what the lookup found, reused by the install. */
export class ipfw_dyn_info {
  direction = MATCH_UNKNOWN;
  kidx = 0;
  hashval = 0;
  version = 0;
  f_pos = 0;
}
/** DYN_INFO_INIT. */
export function DYN_INFO_INIT(p: ipfw_dyn_info): void {
  p.direction = MATCH_UNKNOWN;
  p.kidx = 0;
}
/** DYN_LOOKUP_NEEDED(p, cmd): cmd_arg1 is the O_CHECK_STATE/O_PROBE_STATE arg1. */
export function DYN_LOOKUP_NEEDED(p: ipfw_dyn_info, cmd_arg1: number): boolean {
  return p.direction === MATCH_UNKNOWN || (p.kidx !== 0 && p.kidx !== cmd_arg1);
}

/**
 * ipfw_dyn_lookup_state(args, ulp, pktlen, cmd, info): the rule of the state
 * the packet belongs to, or null.  ulp is the byte offset of the upper-layer
 * header in args.m.m_buf (-1 when there is none); cmd is the O_CHECK_STATE /
 * O_PROBE_STATE instruction at byte offset cmdoff of rule.cmdv.
 */
export type ipfw_dyn_lookup_state_t = (args: ip_fw_args, ulp: number, pktlen: number, cmdv: DataView, cmdoff: number, info: ipfw_dyn_info) => ip_fw | null;
/**
 * ipfw_dyn_install_state(chain, rule, cmd, args, ulp, pktlen, info, tablearg):
 * cmd is the O_KEEP_STATE / O_LIMIT instruction (ipfw_insn_limit) at cmdoff
 * of rule.cmdv.  0 on success, 1 when the state could not be made (the
 * packet is then dropped as FreeBSD does).
 */
export type ipfw_dyn_install_state_t = (chain: ip_fw_chain, rule: ip_fw, cmdv: DataView, cmdoff: number, args: ip_fw_args, ulp: number, pktlen: number, info: ipfw_dyn_info, tablearg: number) => number;
/** ipfw_expire_dyn_states(chain, rt): states of the rules in range go (rt null = all). */
export type ipfw_expire_dyn_states_t = (chain: ip_fw_chain, rt: ipfw_range_tlv_k | null) => void;
/** ipfw_dyn_len(): bytes the states need in an IP_FW_XGET dump. */
export type ipfw_dyn_len_t = () => number;
/** ipfw_dyn_get_count(bmask, nocnt): number of states to dump; marks the
 *  named objects (state names) they use in bmask (ipfw_mark_object_kidx)
 *  and puts how many were newly marked in nocnt.n. */
export type ipfw_dyn_get_count_t = (bmask: Uint32Array | null, nocnt: { n: number }) => number;
/** ipfw_dump_states(chain, sd): append the states as IPFW_TLV_DYN_ENT TLVs. */
export type ipfw_dump_states_t = (chain: ip_fw_chain, sd: sockopt_data) => number;
/** ipfw_dyn_init(chain) / ipfw_dyn_uninit(pass): per-vnet set-up and tear-down. */
export type ipfw_dyn_init_t = (chain: ip_fw_chain) => void;
export type ipfw_dyn_uninit_t = (pass: number) => void;
/** ipfw_is_dyn_rule(rule). */
export type ipfw_is_dyn_rule_t = (rule: ip_fw) => boolean;

export let ipfw_dyn_lookup_state: ipfw_dyn_lookup_state_t | null = null;
export let ipfw_dyn_install_state: ipfw_dyn_install_state_t | null = null;
export let ipfw_expire_dyn_states: ipfw_expire_dyn_states_t | null = null;
export let ipfw_dyn_len: ipfw_dyn_len_t | null = null;
export let ipfw_dyn_get_count: ipfw_dyn_get_count_t | null = null;
export let ipfw_dump_states: ipfw_dump_states_t | null = null;
export let ipfw_dyn_init: ipfw_dyn_init_t | null = null;
export let ipfw_dyn_uninit: ipfw_dyn_uninit_t | null = null;
export let ipfw_is_dyn_rule: ipfw_is_dyn_rule_t | null = null;

/** Filled by ip_fw_dynamic.ts when it loads. */
export function set_ipfw_dyn_hooks(h: {
  lookup_state: ipfw_dyn_lookup_state_t;
  install_state: ipfw_dyn_install_state_t;
  expire_dyn_states: ipfw_expire_dyn_states_t;
  dyn_len: ipfw_dyn_len_t;
  dyn_get_count: ipfw_dyn_get_count_t;
  dump_states: ipfw_dump_states_t;
  dyn_init: ipfw_dyn_init_t;
  dyn_uninit: ipfw_dyn_uninit_t;
  is_dyn_rule: ipfw_is_dyn_rule_t;
} | null): void {
  ipfw_dyn_lookup_state = h?.lookup_state ?? null;
  ipfw_dyn_install_state = h?.install_state ?? null;
  ipfw_expire_dyn_states = h?.expire_dyn_states ?? null;
  ipfw_dyn_len = h?.dyn_len ?? null;
  ipfw_dyn_get_count = h?.dyn_get_count ?? null;
  ipfw_dump_states = h?.dump_states ?? null;
  ipfw_dyn_init = h?.dyn_init ?? null;
  ipfw_dyn_uninit = h?.dyn_uninit ?? null;
  ipfw_is_dyn_rule = h?.is_dyn_rule ?? null;
}

/** An ipfw_range_tlv decoded (the kernel's view of a range request). */
export class ipfw_range_tlv_k {
  flags = 0;
  start_rule = 0;
  end_rule = 0;
  set = 0;
  new_set = 0;
}

// ---------------------------------------------------------------------------
// Tables (ip_fw_table.c), provided by ip_fw_table.ts.

/**
 * ipfw_lookup_table(ch, tbl, plen, paddr, val): 1 when the key is in table
 * kidx `tbl`, with the value index in val[0]; 0 otherwise.  The key is
 * paddr[0 .. plen): an IPv4 address (plen 4, network order), an IPv6 address
 * (plen 16), a number (plen 4, host order u32 for number tables), a MAC
 * (plen 6), an interface index (plen 0, u16 little-endian in paddr[0..2)),
 * or for flow tables (plen 0) the struct ipfw_flow_id bytes
 * (ipfw_flow_id_write).  How it is read is the table's type's business.
 */
export type ipfw_lookup_table_t = (ch: ip_fw_chain, tbl: number, plen: number, paddr: Uint8Array, val: Uint32Array) => number;
/** ipfw_init_tables(ch, first) / ipfw_destroy_tables(ch, last). */
export type ipfw_init_tables_t = (ch: ip_fw_chain, first: number) => number;
export type ipfw_destroy_tables_t = (ch: ip_fw_chain, last: number) => void;
/** ipfw_resize_tables(ch, ntables) (net.inet.ip.fw.tables_max). */
export type ipfw_resize_tables_t = (ch: ip_fw_chain, ntables: number) => number;
/** ipfw_switch_tables_namespace(ch, nsets) (net.inet.ip.fw.tables_sets). */
export type ipfw_switch_tables_namespace_t = (ch: ip_fw_chain, nsets: number) => number;

/** ipfw_get_table_objhash(ch): the tables' name hash (dumps list table names). */
export type ipfw_get_table_objhash_t = (ch: ip_fw_chain) => namedobj_instance;

export let ipfw_lookup_table: ipfw_lookup_table_t | null = null;
export let ipfw_get_table_objhash: ipfw_get_table_objhash_t | null = null;
export let ipfw_init_tables: ipfw_init_tables_t | null = null;
export let ipfw_destroy_tables: ipfw_destroy_tables_t | null = null;
export let ipfw_resize_tables: ipfw_resize_tables_t | null = null;
export let ipfw_switch_tables_namespace: ipfw_switch_tables_namespace_t | null = null;

/** Filled by ip_fw_table.ts when it loads. */
export function set_ipfw_table_hooks(h: {
  lookup_table: ipfw_lookup_table_t;
  init_tables: ipfw_init_tables_t;
  destroy_tables: ipfw_destroy_tables_t;
  resize_tables: ipfw_resize_tables_t;
  switch_tables_namespace: ipfw_switch_tables_namespace_t;
  get_table_objhash: ipfw_get_table_objhash_t;
} | null): void {
  ipfw_lookup_table = h?.lookup_table ?? null;
  ipfw_get_table_objhash = h?.get_table_objhash ?? null;
  ipfw_init_tables = h?.init_tables ?? null;
  ipfw_destroy_tables = h?.destroy_tables ?? null;
  ipfw_resize_tables = h?.resize_tables ?? null;
  ipfw_switch_tables_namespace = h?.switch_tables_namespace ?? null;
}

/** TARG_VAL(ch, k, f) / IP_FW_ARG_TABLEARG(ch, a, f): a table value field.
 *  The table code gives ipfw_chk a reader for value index k, field f (one
 *  of the tvalue_* offsets of ip_fw.ts, here as names). */
export type table_value_field = "tag" | "pipe" | "divert" | "skipto" | "netgraph" | "fib" | "nat" | "nh4" | "dscp" | "limit" | "mark" | "zoneid";
export type ipfw_targ_val_t = (ch: ip_fw_chain, k: number, f: table_value_field) => number;
export let TARG_VAL: ipfw_targ_val_t | null = null;
export function set_TARG_VAL(f: ipfw_targ_val_t | null): void {
  TARG_VAL = f;
}
/** IP_FW_ARG_TABLEARG: arg1 == IP_FW_TARG (0) means the value of the last
 *  table lookup; without tables, tablearg is used as is. */
export function IP_FW_ARG_TABLEARG(ch: ip_fw_chain, a: number, f: table_value_field, tablearg: number): number {
  if (a !== 0) return a;
  return TARG_VAL !== null ? TARG_VAL(ch, tablearg, f) : tablearg;
}

// ---------------------------------------------------------------------------
// NAT (ip_fw_nat.c), provided by ip_fw_nat.ts.

/** ipfw_nat_t: ipfw_nat(args, t, m) -> IP_FW_NAT verdict bits (IP_FW_DENY or
 *  IP_FW_PASS); args.m is replaced when the chain is. */
export type ipfw_nat_t = (args: ip_fw_args, t: cfg_nat_ref, m: mbuf) => number;
/** ipfw_nat_cfg_t: the legacy NAT sockopt handlers. */
export type ipfw_nat_cfg_t = (sopt: sockopt) => number;
/** lookup_nat_ptr(chain.nat, id). */
export type lookup_nat_t = (l: cfg_nat_ref[], id: number) => cfg_nat_ref | null;

export let ipfw_nat_ptr: ipfw_nat_t | null = null;
export let ipfw_nat_cfg_ptr: ipfw_nat_cfg_t | null = null;
export let ipfw_nat_del_ptr: ipfw_nat_cfg_t | null = null;
export let ipfw_nat_get_cfg_ptr: ipfw_nat_cfg_t | null = null;
export let ipfw_nat_get_log_ptr: ipfw_nat_cfg_t | null = null;
export let lookup_nat_ptr: lookup_nat_t | null = null;

/** Filled by ip_fw_nat.ts when it loads (ipfw_nat_init), emptied on unload. */
export function set_ipfw_nat_hooks(h: {
  nat: ipfw_nat_t;
  lookup_nat: lookup_nat_t;
  cfg?: ipfw_nat_cfg_t;
  del?: ipfw_nat_cfg_t;
  get_cfg?: ipfw_nat_cfg_t;
  get_log?: ipfw_nat_cfg_t;
} | null): void {
  ipfw_nat_ptr = h?.nat ?? null;
  lookup_nat_ptr = h?.lookup_nat ?? null;
  ipfw_nat_cfg_ptr = h?.cfg ?? null;
  ipfw_nat_del_ptr = h?.del ?? null;
  ipfw_nat_get_cfg_ptr = h?.get_cfg ?? null;
  ipfw_nat_get_log_ptr = h?.get_log ?? null;
}

// ---------------------------------------------------------------------------
// Checksum helpers (cksum_add, cksum_adjust).

export function cksum_add(sum: number, a: number): number {
  const res = (sum + a) & 0xffff;
  return (res + (res < a ? 1 : 0)) & 0xffff;
}
export function cksum_adjust(oldsum: number, old: number, nw: number): number {
  return ~cksum_add(cksum_add(~oldsum & 0xffff, ~old & 0xffff), nw) & 0xffff;
}

