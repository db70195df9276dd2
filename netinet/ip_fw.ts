// sys/netinet/ip_fw.h (FreeBSD 14): the ipfw ABI that the kernel and ipfw(8)
// share.  A rule is a list of 32-bit instruction words (ipfw_insn and its
// larger variants); the IP_FW3 socket option carries requests that start
// with ip_fw3_opheader and continue with TLVs (ipfw_obj_tlv and friends).
//
// Everything here is plain numbers and byte layouts: the structs are given
// as their sizes and field offsets (SZ_x, x_field) on amd64, and small
// readers/writers work on a DataView over the request bytes, host order =
// little-endian as on amd64 FreeBSD.  Addresses inside instructions are
// kept in network order (as struct in_addr is); the kernel's ipfw_flow_id
// holds them in host order, as FreeBSD's does.
//
// FreeBSD 14.0 appended O_MAC_SRC_LOOKUP, O_MAC_DST_LOOKUP, O_SETMARK and
// O_MARK (and the mac table type, the mark table value) to 13's ABI; they
// are here with those numbers.
//
// Departures: the legacy (FreeBSD 8) rule format, the ipfw_table_xentry
// compat structures and the in-kernel-only pointer in ipfw_insn_nat are not
// modelled beyond their sizes; ipfw_insn_nat keeps amd64's 16-byte size so
// that F_INSN_SIZE matches what ipfw(8) writes.

// ---------------------------------------------------------------------------
// Numbers, limits.

/** The default rule: last rule of every chain and the highest rule number. */
export const IPFW_DEFAULT_RULE = 65535;
/** The set that holds the default rule (and that ipfw(8) cannot disable). */
export const RESVD_SET = 31;
export const IPFW_MAX_SETS = 32;
/** Compat values for old clients. */
export const IPFW_TABLES_MAX = 65535;
export const IPFW_TABLES_DEFAULT = 128;

export const IPFW_ARG_MIN = 1;
export const IPFW_ARG_MAX = 65534;
/** arg1 of old clients meaning "tablearg". */
export const IP_FW_TABLEARG = 65535;
/** arg1 meaning "tablearg" in the current format. */
export const IP_FW_TARG = 0;
/** arg1 of O_NAT for "nat global". */
export const IP_FW_NAT44_GLOBAL = 65535;
/** Depth of the call/return stack. */
export const IPFW_CALLSTACK_SIZE = 16;

/** The socket options (netinet/in.h), on a raw IPPROTO_IP socket. */
export const IP_FW3 = 48;
export const IP_DUMMYNET3 = 49;

// ---------------------------------------------------------------------------
// IP_FW3 opcodes.

export const IP_FW_TABLE_XADD = 86;
export const IP_FW_TABLE_XDEL = 87;
export const IP_FW_TABLE_XGETSIZE = 88;
export const IP_FW_TABLE_XLIST = 89;
export const IP_FW_TABLE_XDESTROY = 90;
export const IP_FW_TABLES_XLIST = 92;
export const IP_FW_TABLE_XINFO = 93;
export const IP_FW_TABLE_XFLUSH = 94;
export const IP_FW_TABLE_XCREATE = 95;
export const IP_FW_TABLE_XMODIFY = 96;
export const IP_FW_XGET = 97;
export const IP_FW_XADD = 98;
export const IP_FW_XDEL = 99;
export const IP_FW_XMOVE = 100;
export const IP_FW_XZERO = 101;
export const IP_FW_XRESETLOG = 102;
export const IP_FW_SET_SWAP = 103;
export const IP_FW_SET_MOVE = 104;
export const IP_FW_SET_ENABLE = 105;
export const IP_FW_TABLE_XFIND = 106;
export const IP_FW_XIFLIST = 107;
export const IP_FW_TABLES_ALIST = 108;
export const IP_FW_TABLE_XSWAP = 109;
export const IP_FW_TABLE_VLIST = 110;

export const IP_FW_NAT44_XCONFIG = 111;
export const IP_FW_NAT44_DESTROY = 112;
export const IP_FW_NAT44_XGETCONFIG = 113;
export const IP_FW_NAT44_LIST_NAT = 114;
export const IP_FW_NAT44_XGETLOG = 115;

export const IP_FW_DUMP_SOPTCODES = 116;
export const IP_FW_DUMP_SRVOBJECTS = 117;

export const IP_FW_NAT64STL_CREATE = 130;
export const IP_FW_NAT64STL_DESTROY = 131;
export const IP_FW_NAT64STL_CONFIG = 132;
export const IP_FW_NAT64STL_LIST = 133;
export const IP_FW_NAT64STL_STATS = 134;
export const IP_FW_NAT64STL_RESET_STATS = 135;

export const IP_FW_NAT64LSN_CREATE = 140;
export const IP_FW_NAT64LSN_DESTROY = 141;
export const IP_FW_NAT64LSN_CONFIG = 142;
export const IP_FW_NAT64LSN_LIST = 143;
export const IP_FW_NAT64LSN_STATS = 144;
export const IP_FW_NAT64LSN_LIST_STATES = 145;
export const IP_FW_NAT64LSN_RESET_STATS = 146;

export const IP_FW_NPTV6_CREATE = 150;
export const IP_FW_NPTV6_DESTROY = 151;
export const IP_FW_NPTV6_CONFIG = 152;
export const IP_FW_NPTV6_LIST = 153;
export const IP_FW_NPTV6_STATS = 154;
export const IP_FW_NPTV6_RESET_STATS = 155;

export const IP_FW_NAT64CLAT_CREATE = 160;
export const IP_FW_NAT64CLAT_DESTROY = 161;
export const IP_FW_NAT64CLAT_CONFIG = 162;
export const IP_FW_NAT64CLAT_LIST = 163;
export const IP_FW_NAT64CLAT_STATS = 164;
export const IP_FW_NAT64CLAT_RESET_STATS = 165;

// ---------------------------------------------------------------------------
// enum ipfw_opcodes.  The numbering is the ABI: never reorder.

export const O_NOP = 0;
export const O_IP_SRC = 1;
export const O_IP_SRC_MASK = 2;
export const O_IP_SRC_ME = 3;
export const O_IP_SRC_SET = 4;
export const O_IP_DST = 5;
export const O_IP_DST_MASK = 6;
export const O_IP_DST_ME = 7;
export const O_IP_DST_SET = 8;
export const O_IP_SRCPORT = 9;
export const O_IP_DSTPORT = 10;
export const O_PROTO = 11;
export const O_MACADDR2 = 12;
export const O_MAC_TYPE = 13;
export const O_LAYER2 = 14;
export const O_IN = 15;
export const O_FRAG = 16;
export const O_RECV = 17;
export const O_XMIT = 18;
export const O_VIA = 19;
export const O_IPOPT = 20;
export const O_IPLEN = 21;
export const O_IPID = 22;
export const O_IPTOS = 23;
export const O_IPPRECEDENCE = 24;
export const O_IPTTL = 25;
export const O_IPVER = 26;
export const O_UID = 27;
export const O_GID = 28;
export const O_ESTAB = 29;
export const O_TCPFLAGS = 30;
export const O_TCPWIN = 31;
export const O_TCPSEQ = 32;
export const O_TCPACK = 33;
export const O_ICMPTYPE = 34;
export const O_TCPOPTS = 35;
export const O_VERREVPATH = 36;
export const O_VERSRCREACH = 37;
export const O_PROBE_STATE = 38;
export const O_KEEP_STATE = 39;
export const O_LIMIT = 40;
export const O_LIMIT_PARENT = 41;
// Actions from here on (O_LOG and O_PROB come first in an action list).
export const O_LOG = 42;
export const O_PROB = 43;
export const O_CHECK_STATE = 44;
export const O_ACCEPT = 45;
export const O_DENY = 46;
export const O_REJECT = 47;
export const O_COUNT = 48;
export const O_SKIPTO = 49;
export const O_PIPE = 50;
export const O_QUEUE = 51;
export const O_DIVERT = 52;
export const O_TEE = 53;
export const O_FORWARD_IP = 54;
export const O_FORWARD_MAC = 55;
export const O_NAT = 56;
export const O_REASS = 57;
// More opcodes, appended over the years.
export const O_IPSEC = 58;
export const O_IP_SRC_LOOKUP = 59;
export const O_IP_DST_LOOKUP = 60;
export const O_ANTISPOOF = 61;
export const O_JAIL = 62;
export const O_ALTQ = 63;
export const O_DIVERTED = 64;
export const O_TCPDATALEN = 65;
export const O_IP6_SRC = 66;
export const O_IP6_SRC_ME = 67;
export const O_IP6_SRC_MASK = 68;
export const O_IP6_DST = 69;
export const O_IP6_DST_ME = 70;
export const O_IP6_DST_MASK = 71;
export const O_FLOW6ID = 72;
export const O_ICMP6TYPE = 73;
export const O_EXT_HDR = 74;
export const O_IP6 = 75;
export const O_NETGRAPH = 76;
export const O_NGTEE = 77;
export const O_IP4 = 78;
export const O_UNREACH6 = 79;
export const O_TAG = 80;
export const O_TAGGED = 81;
export const O_SETFIB = 82;
export const O_FIB = 83;
export const O_SOCKARG = 84;
export const O_CALLRETURN = 85;
export const O_FORWARD_IP6 = 86;
export const O_DSCP = 87;
export const O_SETDSCP = 88;
export const O_IP_FLOW_LOOKUP = 89;
export const O_EXTERNAL_ACTION = 90;
export const O_EXTERNAL_INSTANCE = 91;
export const O_EXTERNAL_DATA = 92;
export const O_SKIP_ACTION = 93;
export const O_TCPMSS = 94;
export const O_MAC_SRC_LOOKUP = 95;
export const O_MAC_DST_LOOKUP = 96;
export const O_SETMARK = 97;
export const O_MARK = 98;
/** Not an opcode: one past the last. */
export const O_LAST_OPCODE = 99;

/** Extension headers O_EXT_HDR looks for (a presence bitmap). */
export const EXT_FRAGMENT = 0x1;
export const EXT_HOPOPTS = 0x2;
export const EXT_ROUTING = 0x4;
export const EXT_AH = 0x8;
export const EXT_ESP = 0x10;
export const EXT_DSTOPTS = 0x20;
export const EXT_RTHDR0 = 0x40;
export const EXT_RTHDR2 = 0x80;

// ---------------------------------------------------------------------------
// ipfw_insn: { u8 opcode; u8 len; u16 arg1 }.  len holds the size in 32-bit
// words in its low 6 bits; F_NOT negates the match, F_OR chains it with the
// next instruction into an or-block.

export const F_NOT = 0x80;
export const F_OR = 0x40;
export const F_LEN_MASK = 0x3f;

/** sizeof of each instruction type, in bytes (amd64). */
export const SZ_ipfw_insn = 4;
export const SZ_ipfw_insn_u16 = 8; // o, ports[2] (more pairs may follow)
export const SZ_ipfw_insn_u32 = 8; // o, d[1] (more may follow)
export const SZ_ipfw_insn_ip = 12; // o, addr, mask
export const SZ_ipfw_insn_sa = 20; // o, struct sockaddr_in
export const SZ_ipfw_insn_sa6 = 32; // o, struct sockaddr_in6
export const SZ_ipfw_insn_mac = 28; // o, addr[12], mask[12]
export const SZ_ipfw_insn_if = 24; // o, p{ip|glob|kidx}, name[IFNAMSIZ]
export const SZ_ipfw_insn_altq = 8; // o, qid
export const SZ_ipfw_insn_limit = 8; // o, _pad, limit_mask, conn_limit
export const SZ_ipfw_insn_log = 12; // o, max_log, log_left
export const SZ_ipfw_insn_nat = 16; // o, (pad), struct cfg_nat * (amd64)
export const SZ_ipfw_insn_ip6 = 36; // o, addr6, mask6
export const SZ_ipfw_insn_icmp6 = 32; // o, d[7]

/** F_INSN_SIZE(t): the size of each instruction type in 32-bit words. */
export const F_INSN_SIZE = {
  ipfw_insn: SZ_ipfw_insn / 4,
  ipfw_insn_u16: SZ_ipfw_insn_u16 / 4,
  ipfw_insn_u32: SZ_ipfw_insn_u32 / 4,
  ipfw_insn_ip: SZ_ipfw_insn_ip / 4,
  ipfw_insn_sa: SZ_ipfw_insn_sa / 4,
  ipfw_insn_sa6: SZ_ipfw_insn_sa6 / 4,
  ipfw_insn_mac: SZ_ipfw_insn_mac / 4,
  ipfw_insn_if: SZ_ipfw_insn_if / 4,
  ipfw_insn_altq: SZ_ipfw_insn_altq / 4,
  ipfw_insn_limit: SZ_ipfw_insn_limit / 4,
  ipfw_insn_log: SZ_ipfw_insn_log / 4,
  ipfw_insn_nat: SZ_ipfw_insn_nat / 4,
  ipfw_insn_ip6: SZ_ipfw_insn_ip6 / 4,
  ipfw_insn_icmp6: SZ_ipfw_insn_icmp6 / 4,
} as const;

/** Field offsets inside instructions, from the instruction's first byte. */
export const INSN_OPCODE = 0;
export const INSN_LEN = 1;
export const INSN_ARG1 = 2;
/** ipfw_insn_u32.d[0], ipfw_insn_u16.ports[0], ipfw_insn_ip.addr, ... */
export const INSN_DATA = 4;
export const insn_ip_addr = 4;
export const insn_ip_mask = 8;
export const insn_sa_sa = 4; // struct sockaddr_in: len, family, port(n), addr(n)
export const insn_sa6_sa = 4; // struct sockaddr_in6: len, family, port, flowinfo, addr, scope_id
export const insn_mac_addr = 4;
export const insn_mac_mask = 16;
export const insn_if_p = 4;
export const insn_if_name = 8;
export const insn_limit_limit_mask = 5;
export const insn_limit_conn_limit = 6;
export const insn_log_max_log = 4;
export const insn_log_log_left = 8;
export const insn_ip6_addr6 = 4;
export const insn_ip6_mask6 = 20;
export const insn_icmp6_d = 4;

/** ipfw_insn_limit.limit_mask bits. */
export const DYN_SRC_ADDR = 0x1;
export const DYN_SRC_PORT = 0x2;
export const DYN_DST_ADDR = 0x4;
export const DYN_DST_PORT = 0x8;

/** IP option names (O_IPOPT bitmap). */
export const IP_FW_IPOPT_LSRR = 0x01;
export const IP_FW_IPOPT_SSRR = 0x02;
export const IP_FW_IPOPT_RR = 0x04;
export const IP_FW_IPOPT_TS = 0x08;

/** TCP option names (O_TCPOPTS bitmap). */
export const IP_FW_TCPOPT_MSS = 0x01;
export const IP_FW_TCPOPT_WINDOW = 0x02;
export const IP_FW_TCPOPT_SACK = 0x04;
export const IP_FW_TCPOPT_TS = 0x08;
export const IP_FW_TCPOPT_CC = 0x10;

/** Fake ICMP codes of O_REJECT / O_UNREACH6. */
export const ICMP_REJECT_RST = 0x100;
export const ICMP6_UNREACH_RST = 0x100;
export const ICMP_REJECT_ABORT = 0x101;
export const ICMP6_UNREACH_ABORT = 0x101;

// ---------------------------------------------------------------------------
// Rules as the IP_FW3 requests carry them.
//
// struct ip_fw_rule { u16 act_ofs; u16 cmd_len; u16 rulenum; u8 set; u8 flags;
//                     u32 id; ipfw_insn cmd[] }  (12 bytes + cmd_len * 4)
// struct ip_fw_bcounter { u16 size; u8 flags; u8 spare; u32 timestamp;
//                         u64 pcnt; u64 bcnt }   (24 bytes)

export const SZ_ip_fw_rule_hdr = 12;
export const ip_fw_rule_act_ofs = 0;
export const ip_fw_rule_cmd_len = 2;
export const ip_fw_rule_rulenum = 4;
export const ip_fw_rule_set = 6;
export const ip_fw_rule_flags = 7;
export const ip_fw_rule_id = 8;
export const ip_fw_rule_cmd = 12;
/** ip_fw_rule.flags. */
export const IPFW_RULE_NOOPT = 0x01;
export const IPFW_RULE_JUSTOPTS = 0x02;

export const SZ_ip_fw_bcounter = 24;
export const ip_fw_bcounter_size = 0;
export const ip_fw_bcounter_flags = 2;
export const ip_fw_bcounter_timestamp = 4;
export const ip_fw_bcounter_pcnt = 8;
export const ip_fw_bcounter_bcnt = 16;

/** RULEUSIZE1: a rule's size in a dump (ip_fw_rule + cmd, 8-aligned). */
export function RULEUSIZE1(cmd_len: number): number {
  return roundup2(SZ_ip_fw_rule_hdr + cmd_len * 4 - 4, 8);
}

export function roundup2(x: number, y: number): number {
  return (x + (y - 1)) & ~(y - 1);
}

// ---------------------------------------------------------------------------
// struct ipfw_flow_id (kernel and dynamic-state dumps): addresses and ports in
// host order, 56 bytes.
//   u32 dst_ip; u32 src_ip; u16 dst_port; u16 src_port; u8 fib; u8 proto;
//   u8 _flags; u8 addr_type; in6 dst_ip6; in6 src_ip6; u32 flow_id6; u32 extra

export const SZ_ipfw_flow_id = 56;
export const flow_id_dst_ip = 0;
export const flow_id_src_ip = 4;
export const flow_id_dst_port = 8;
export const flow_id_src_port = 10;
export const flow_id_fib = 12;
export const flow_id_proto = 13;
export const flow_id__flags = 14;
export const flow_id_addr_type = 15;
export const flow_id_dst_ip6 = 16;
export const flow_id_src_ip6 = 32;
export const flow_id_flow_id6 = 48;
export const flow_id_extra = 52;

/** struct ipfw_flow_id: FreeBSD's names; the IPv6 addresses are preallocated
 *  byte arrays so that filling one costs nothing. */
export class ipfw_flow_id {
  dst_ip = 0;
  src_ip = 0;
  dst_port = 0;
  src_port = 0;
  fib = 0;
  proto = 0;
  _flags = 0;
  /** 4 = IPv4, 6 = IPv6, 1 = ethernet (unused). */
  addr_type = 0;
  readonly dst_ip6 = new Uint8Array(16);
  readonly src_ip6 = new Uint8Array(16);
  flow_id6 = 0;
  extra = 0;

  clear(): void {
    this.dst_ip = this.src_ip = this.dst_port = this.src_port = 0;
    this.fib = this.proto = this._flags = this.addr_type = 0;
    this.dst_ip6.fill(0);
    this.src_ip6.fill(0);
    this.flow_id6 = this.extra = 0;
  }

  copy_from(o: ipfw_flow_id): void {
    this.dst_ip = o.dst_ip;
    this.src_ip = o.src_ip;
    this.dst_port = o.dst_port;
    this.src_port = o.src_port;
    this.fib = o.fib;
    this.proto = o.proto;
    this._flags = o._flags;
    this.addr_type = o.addr_type;
    this.dst_ip6.set(o.dst_ip6);
    this.src_ip6.set(o.src_ip6);
    this.flow_id6 = o.flow_id6;
    this.extra = o.extra;
  }
}

export function IS_IP4_FLOW_ID(id: ipfw_flow_id): boolean {
  return id.addr_type === 4;
}
export function IS_IP6_FLOW_ID(id: ipfw_flow_id): boolean {
  return id.addr_type === 6;
}

/** Write an ipfw_flow_id at off (host-order fields, little-endian). */
export function ipfw_flow_id_write(dv: DataView, off: number, id: ipfw_flow_id): void {
  dv.setUint32(off + flow_id_dst_ip, id.dst_ip >>> 0, true);
  dv.setUint32(off + flow_id_src_ip, id.src_ip >>> 0, true);
  dv.setUint16(off + flow_id_dst_port, id.dst_port, true);
  dv.setUint16(off + flow_id_src_port, id.src_port, true);
  dv.setUint8(off + flow_id_fib, id.fib);
  dv.setUint8(off + flow_id_proto, id.proto);
  dv.setUint8(off + flow_id__flags, id._flags);
  dv.setUint8(off + flow_id_addr_type, id.addr_type);
  const b = new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
  b.set(id.dst_ip6, off + flow_id_dst_ip6);
  b.set(id.src_ip6, off + flow_id_src_ip6);
  dv.setUint32(off + flow_id_flow_id6, id.flow_id6 >>> 0, true);
  dv.setUint32(off + flow_id_extra, id.extra >>> 0, true);
}

/** Read an ipfw_flow_id from off into id. */
export function ipfw_flow_id_read(dv: DataView, off: number, id: ipfw_flow_id): void {
  id.dst_ip = dv.getUint32(off + flow_id_dst_ip, true);
  id.src_ip = dv.getUint32(off + flow_id_src_ip, true);
  id.dst_port = dv.getUint16(off + flow_id_dst_port, true);
  id.src_port = dv.getUint16(off + flow_id_src_port, true);
  id.fib = dv.getUint8(off + flow_id_fib);
  id.proto = dv.getUint8(off + flow_id_proto);
  id._flags = dv.getUint8(off + flow_id__flags);
  id.addr_type = dv.getUint8(off + flow_id_addr_type);
  const b = new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
  id.dst_ip6.set(b.subarray(off + flow_id_dst_ip6, off + flow_id_dst_ip6 + 16));
  id.src_ip6.set(b.subarray(off + flow_id_src_ip6, off + flow_id_src_ip6 + 16));
  id.flow_id6 = dv.getUint32(off + flow_id_flow_id6, true);
  id.extra = dv.getUint32(off + flow_id_extra, true);
}

// ---------------------------------------------------------------------------
// struct _ipfw_dyn_rule as states are exported (ipfw_obj_dyntlv), packed,
// aligned to 8: next(8) rule(8) parent(8) pcnt(8) bcnt(8) id(56) expire(4)
// bucket(4) state(4) ack_fwd(4) ack_rev(4) dyn_type(2) count(2) kidx(2),
// padded to 128.  In a dump, `rule` carries the parent rule's number in its
// low 16 bits, as FreeBSD's export does.

export const SZ_ipfw_dyn_rule = 128;
export const dyn_rule_next = 0;
export const dyn_rule_rule = 8;
export const dyn_rule_parent = 16;
export const dyn_rule_pcnt = 24;
export const dyn_rule_bcnt = 32;
export const dyn_rule_id = 40;
export const dyn_rule_expire = 96;
export const dyn_rule_bucket = 100;
export const dyn_rule_state = 104;
export const dyn_rule_ack_fwd = 108;
export const dyn_rule_ack_rev = 112;
export const dyn_rule_dyn_type = 116;
export const dyn_rule_count = 118;
export const dyn_rule_kidx = 120;
/** _ipfw_dyn_rule.state: the parent rule was deleted. */
export const IPFW_DYN_ORPHANED = 0x40000;

// ---------------------------------------------------------------------------
// Tables.

export const IPFW_TABLE_ADDR = 1;
export const IPFW_TABLE_INTERFACE = 2;
export const IPFW_TABLE_NUMBER = 3;
export const IPFW_TABLE_FLOW = 4;
export const IPFW_TABLE_MAC = 5;
export const IPFW_TABLE_MAXTYPE = 5;
export const IPFW_TABLE_CIDR = IPFW_TABLE_ADDR;

/** enum ipfw_table_lookup_type: what `lookup KEY table` looks up (the
 *  second word of a long O_IP_DST_LOOKUP). */
export const LOOKUP_DST_IP = 0;
export const LOOKUP_SRC_IP = 1;
export const LOOKUP_DST_PORT = 2;
export const LOOKUP_SRC_PORT = 3;
export const LOOKUP_UID = 4;
export const LOOKUP_JAIL = 5;
export const LOOKUP_DSCP = 6;
export const LOOKUP_DST_MAC = 7;
export const LOOKUP_SRC_MAC = 8;
export const LOOKUP_MARK = 9;

/** Table value types (vmask). */
export const IPFW_VTYPE_LEGACY = 0xffffffff;
export const IPFW_VTYPE_SKIPTO = 0x00000001;
export const IPFW_VTYPE_PIPE = 0x00000002;
export const IPFW_VTYPE_FIB = 0x00000004;
export const IPFW_VTYPE_NAT = 0x00000008;
export const IPFW_VTYPE_DSCP = 0x00000010;
export const IPFW_VTYPE_TAG = 0x00000020;
export const IPFW_VTYPE_DIVERT = 0x00000040;
export const IPFW_VTYPE_NETGRAPH = 0x00000080;
export const IPFW_VTYPE_LIMIT = 0x00000100;
export const IPFW_VTYPE_NH4 = 0x00000200;
export const IPFW_VTYPE_NH6 = 0x00000400;
export const IPFW_VTYPE_MARK = 0x00000800;

/** struct tflow_entry: af, proto, spare, sport, dport, then a4{sip,dip} or
 *  a6{sip6,dip6}; 40 bytes. */
export const SZ_tflow_entry = 40;

/**
 * ipfw_table_value (72 bytes): tag u32 @0, pipe u32 @4, divert u16 @8,
 * skipto u16 @10, netgraph u32 @12, fib u32 @16, nat u32 @20, nh4 u32 @24,
 * dscp u8 @28, spare0 u8, spare1 u16, nh6 in6 @32, limit u32 @48,
 * zoneid u32 @52, mark u32 @56, spare2 u32 @60, reserved u64 @64.
 */
export const SZ_ipfw_table_value = 72;
export const tvalue_tag = 0;
export const tvalue_pipe = 4;
export const tvalue_divert = 8;
export const tvalue_skipto = 10;
export const tvalue_netgraph = 12;
export const tvalue_fib = 16;
export const tvalue_nat = 20;
export const tvalue_nh4 = 24;
export const tvalue_dscp = 28;
export const tvalue_nh6 = 32;
export const tvalue_limit = 48;
export const tvalue_zoneid = 52;
export const tvalue_mark = 56;

/**
 * ipfw_obj_tentry: head(tlv 8) subtype u8 @8, masklen u8 @9, result u8 @10,
 * spare0 u8, idx u16 @12, spare1 u16, k (union, 40 bytes) @16, v (union:
 * ipfw_table_value or kidx u32) @56; 128 bytes.
 */
export const SZ_ipfw_obj_tentry = 128;
export const tentry_subtype = 8;
export const tentry_masklen = 9;
export const tentry_result = 10;
export const tentry_idx = 12;
export const tentry_k = 16;
export const tentry_v = 56;
export const IPFW_TF_UPDATE = 0x01;
export const IPFW_CTF_ATOMIC = 0x01;
export const IPFW_TR_IGNORED = 0;
export const IPFW_TR_ADDED = 1;
export const IPFW_TR_UPDATED = 2;
export const IPFW_TR_DELETED = 3;
export const IPFW_TR_LIMIT = 4;
export const IPFW_TR_NOTFOUND = 5;
export const IPFW_TR_EXISTS = 6;
export const IPFW_TR_ERROR = 7;

/** ipfw_obj_dyntlv: head(8) + ipfw_dyn_rule. */
export const SZ_ipfw_obj_dyntlv = 8 + SZ_ipfw_dyn_rule;
export const IPFW_DF_LAST = 0x01;

/**
 * ipfw_ta_tinfo (40 bytes): flags u32, spare u32, taclass4 u8, spare4 u8,
 * itemsize4 u16, size4 u32, count4 u32, taclass6 u8, spare6 u8, itemsize6
 * u16, size6 u32, count6 u32.
 */
export const SZ_ipfw_ta_tinfo = 40;
export const IPFW_TACLASS_HASH = 1;
export const IPFW_TACLASS_ARRAY = 2;
export const IPFW_TACLASS_RADIX = 3;
export const IPFW_TATFLAGS_DATA = 0x0001;
export const IPFW_TATFLAGS_AFDATA = 0x0002;
export const IPFW_TATFLAGS_AFITEM = 0x0004;

/**
 * ipfw_xtable_info (208 bytes): type u8 @0, tflags u8 @1, mflags u16 @2,
 * flags u16 @4, spare[3], vmask u32 @12, set u32 @16, kidx u32 @20, refcnt
 * u32 @24, count u32 @28, size u32 @32, limit u32 @36, tablename[64] @40,
 * algoname[64] @104, ta_info @168.
 */
export const SZ_ipfw_xtable_info = 208;
export const xtinfo_type = 0;
export const xtinfo_tflags = 1;
export const xtinfo_mflags = 2;
export const xtinfo_flags = 4;
export const xtinfo_vmask = 12;
export const xtinfo_set = 16;
export const xtinfo_kidx = 20;
export const xtinfo_refcnt = 24;
export const xtinfo_count = 28;
export const xtinfo_size = 32;
export const xtinfo_limit = 36;
export const xtinfo_tablename = 40;
export const xtinfo_algoname = 104;
export const xtinfo_ta_info = 168;
export const IPFW_TGFLAGS_LOCKED = 0x01;
export const IPFW_TFFLAG_SRCIP = 0x01;
export const IPFW_TFFLAG_DSTIP = 0x02;
export const IPFW_TFFLAG_SRCPORT = 0x04;
export const IPFW_TFFLAG_DSTPORT = 0x08;
export const IPFW_TFFLAG_PROTO = 0x10;
export const IPFW_TMFLAGS_LIMIT = 0x0002;
export const IPFW_TMFLAGS_LOCK = 0x0004;

/** ipfw_iface_info (88 bytes): ifname[64], ifindex u32 @64, flags u32 @68,
 *  refcnt u32 @72, gencnt u32 @76, spare u64 @80. */
export const SZ_ipfw_iface_info = 88;
export const IPFW_IFFLAG_RESOLVED = 0x01;

/** ipfw_ta_info (88 bytes): algoname[64], type u32 @64, flags u32 @68,
 *  refcnt u32 @72, spare0 u32, spare1 u64 @80. */
export const SZ_ipfw_ta_info = 88;

// ---------------------------------------------------------------------------
// NAT44 configuration (ipfw nat).

export const NAT44_REDIR_ADDR = 0x01;
export const NAT44_REDIR_PORT = 0x02;
export const NAT44_REDIR_PROTO = 0x04;
/** Legacy names of the same. */
export const REDIR_ADDR = 0x01;
export const REDIR_PORT = 0x02;
export const REDIR_PROTO = 0x04;
/** nat44_cfg_spool: addr(4) port u16 spare u16. */
export const SZ_nat44_cfg_spool = 8;
/** nat44_cfg_redir: laddr @0 paddr @4 raddr @8 lport @12 pport @14 rport @16
 *  pport_cnt @18 rport_cnt @20 mode @22 spool_cnt @24 spare @26 proto u32 @28. */
export const SZ_nat44_cfg_redir = 32;
/** nat44_cfg_nat: name[64] @0, if_name[64] @64, size u32 @128, ip @132,
 *  mode u32 @136, redir_cnt u32 @140, alias_port_lo u16 @144,
 *  alias_port_hi u16 @146 (port_range, FreeBSD 13 and later). */
export const SZ_nat44_cfg_nat = 148;
// Their fields' offsets, as the kernel (ip_fw_nat.c) and ipfw (nat.c) read them.
export const nat_name = 0;
export const nat_if_name = 64;
export const nat_size = 128;
export const nat_ip = 132;
export const nat_mode = 136;
export const nat_redir_cnt = 140;
export const nat_alias_port_lo = 144;
export const nat_alias_port_hi = 146;
export const redir_laddr = 0;
export const redir_paddr = 4;
export const redir_raddr = 8;
export const redir_lport = 12;
export const redir_pport = 14;
export const redir_rport = 16;
export const redir_pport_cnt = 18;
export const redir_rport_cnt = 20;
export const redir_mode = 22;
export const redir_spool_cnt = 24;
export const redir_proto = 28;
export const spool_addr = 0;
export const spool_port = 4;

// ---------------------------------------------------------------------------
// TLVs.
//
// ipfw_obj_tlv { u16 type; u16 flags; u32 length }  (length includes the
// header, aligned to 8)

export const SZ_ipfw_obj_tlv = 8;
export const tlv_type = 0;
export const tlv_flags = 2;
export const tlv_length = 4;

export const IPFW_TLV_TBL_NAME = 1;
export const IPFW_TLV_TBLNAME_LIST = 2;
export const IPFW_TLV_RULE_LIST = 3;
export const IPFW_TLV_DYNSTATE_LIST = 4;
export const IPFW_TLV_TBL_ENT = 5;
export const IPFW_TLV_DYN_ENT = 6;
export const IPFW_TLV_RULE_ENT = 7;
export const IPFW_TLV_TBLENT_LIST = 8;
export const IPFW_TLV_RANGE = 9;
export const IPFW_TLV_EACTION = 10;
export const IPFW_TLV_COUNTERS = 11;
export const IPFW_TLV_OBJDATA = 12;
export const IPFW_TLV_STATE_NAME = 14;
export const IPFW_TLV_EACTION_BASE = 1000;
export function IPFW_TLV_EACTION_NAME(arg: number): number {
  return IPFW_TLV_EACTION_BASE + arg;
}

/** ipfw_obj_ntlv: head, u16 idx @8, u8 set @10, u8 type @11, u32 spare @12,
 *  char name[64] @16; 80 bytes. */
export const SZ_ipfw_obj_ntlv = 80;
export const ntlv_idx = 8;
export const ntlv_set = 10;
export const ntlv_type = 11;
export const ntlv_name = 16;
export const NTLV_NAME_LEN = 64;

/** ipfw_obj_ctlv: head, u32 count @8, u16 objsize @12, u8 version @14,
 *  u8 flags @15; 16 bytes. */
export const SZ_ipfw_obj_ctlv = 16;
export const ctlv_count = 8;
export const ctlv_objsize = 12;
export const ctlv_version = 14;
export const ctlv_flags = 15;

/** ipfw_range_tlv: head, u32 flags @8, u16 start_rule @12, u16 end_rule @14,
 *  u32 set @16, u32 new_set @20; 24 bytes. */
export const SZ_ipfw_range_tlv = 24;
export const range_flags = 8;
export const range_start_rule = 12;
export const range_end_rule = 14;
export const range_set = 16;
export const range_new_set = 20;
export const IPFW_RCFLAG_RANGE = 0x01;
export const IPFW_RCFLAG_ALL = 0x02;
export const IPFW_RCFLAG_SET = 0x04;
export const IPFW_RCFLAG_DYNAMIC = 0x08;
export const IPFW_RCFLAG_USER = IPFW_RCFLAG_RANGE | IPFW_RCFLAG_ALL | IPFW_RCFLAG_SET | IPFW_RCFLAG_DYNAMIC;
/** Internal: do not skip the default rule. */
export const IPFW_RCFLAG_DEFAULT = 0x0100;

// ---------------------------------------------------------------------------
// Request headers.
//
// ip_fw3_opheader { u16 opcode; u16 version; u16 reserved[2] }  (8 bytes)

export const SZ_ip_fw3_opheader = 8;
export const op3_opcode = 0;
export const op3_version = 2;

/** ipfw_obj_header: opheader, u32 spare @8, u16 idx @12, u8 objtype @14,
 *  u8 objsubtype @15, ipfw_obj_ntlv ntlv @16; 96 bytes. */
export const SZ_ipfw_obj_header = 96;
export const objh_idx = 12;
export const objh_objtype = 14;
export const objh_objsubtype = 15;
export const objh_ntlv = 16;

/** ipfw_obj_lheader: opheader, u32 set_mask @8, u32 count @12, u32 size @16,
 *  u32 objsize @20; 24 bytes. */
export const SZ_ipfw_obj_lheader = 24;
export const lheader_set_mask = 8;
export const lheader_count = 12;
export const lheader_size = 16;
export const lheader_objsize = 20;

/** ipfw_cfg_lheader (IP_FW_XGET): opheader, u32 set_mask @8, u32 spare @12,
 *  u32 flags @16, u32 size @20, u32 start_rule @24, u32 end_rule @28;
 *  32 bytes. */
export const SZ_ipfw_cfg_lheader = 32;
export const cfg_set_mask = 8;
export const cfg_flags = 16;
export const cfg_size = 20;
export const cfg_start_rule = 24;
export const cfg_end_rule = 28;
export const IPFW_CFG_GET_STATIC = 0x01;
export const IPFW_CFG_GET_STATES = 0x02;
export const IPFW_CFG_GET_COUNTERS = 0x04;

/** ipfw_range_header: opheader + ipfw_range_tlv @8; 32 bytes. */
export const SZ_ipfw_range_header = 32;
export const rangeh_range = 8;

/** ipfw_sopt_info: u16 opcode @0, u8 version @2, u8 dir @3, u8 spare,
 *  u64 refcnt @8; 16 bytes. */
export const SZ_ipfw_sopt_info = 16;

// ---------------------------------------------------------------------------
// Readers and writers over request bytes (little-endian, as amd64).

export function dv_of(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The instruction at byte offset `off`: opcode, F_LEN, arg1. */
export function insn_opcode(dv: DataView, off: number): number {
  return dv.getUint8(off + INSN_OPCODE);
}
export function insn_len(dv: DataView, off: number): number {
  return dv.getUint8(off + INSN_LEN);
}
export function F_LEN(dv: DataView, off: number): number {
  return dv.getUint8(off + INSN_LEN) & F_LEN_MASK;
}
export function insn_arg1(dv: DataView, off: number): number {
  return dv.getUint16(off + INSN_ARG1, true);
}
/** Write an ipfw_insn header; returns the offset of the next instruction. */
export function insn_write(dv: DataView, off: number, opcode: number, len: number, arg1: number, flags = 0): number {
  dv.setUint8(off + INSN_OPCODE, opcode);
  dv.setUint8(off + INSN_LEN, (len & F_LEN_MASK) | flags);
  dv.setUint16(off + INSN_ARG1, arg1, true);
  return off + (len & F_LEN_MASK) * 4;
}

export function tlv_write(dv: DataView, off: number, type: number, flags: number, length: number): void {
  dv.setUint16(off + tlv_type, type, true);
  dv.setUint16(off + tlv_flags, flags, true);
  dv.setUint32(off + tlv_length, length, true);
}

export function op3_write(dv: DataView, off: number, opcode: number, version = 0): void {
  dv.setUint16(off + op3_opcode, opcode, true);
  dv.setUint16(off + op3_version, version, true);
  dv.setUint16(off + 4, 0, true);
  dv.setUint16(off + 6, 0, true);
}

export function ctlv_write(dv: DataView, off: number, type: number, length: number, count: number, objsize: number, version = 0, flags = 0): void {
  tlv_write(dv, off, type, 0, length);
  dv.setUint32(off + ctlv_count, count, true);
  dv.setUint16(off + ctlv_objsize, objsize, true);
  dv.setUint8(off + ctlv_version, version);
  dv.setUint8(off + ctlv_flags, flags);
}

export function range_tlv_write(dv: DataView, off: number, flags: number, start_rule: number, end_rule: number, set: number, new_set: number): void {
  tlv_write(dv, off, IPFW_TLV_RANGE, 0, SZ_ipfw_range_tlv);
  dv.setUint32(off + range_flags, flags, true);
  dv.setUint16(off + range_start_rule, start_rule, true);
  dv.setUint16(off + range_end_rule, end_rule, true);
  dv.setUint32(off + range_set, set, true);
  dv.setUint32(off + range_new_set, new_set, true);
}

/** A NUL-terminated name of at most `max` bytes at off (ASCII). */
export function cstr_read(b: Uint8Array, off: number, max: number): string {
  let s = "";
  for (let i = 0; i < max && off + i < b.length; i++) {
    const c = b[off + i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}
/** Write a name into a fixed field of `max` bytes, NUL-padded. */
export function cstr_write(b: Uint8Array, off: number, max: number, s: string): void {
  for (let i = 0; i < max; i++) b[off + i] = i < s.length && i < max - 1 ? s.charCodeAt(i) & 0xff : 0;
}

export function ntlv_write(b: Uint8Array, off: number, type: number, idx: number, set: number, objtype: number, name: string): void {
  const dv = dv_of(b);
  tlv_write(dv, off, type, 0, SZ_ipfw_obj_ntlv);
  dv.setUint16(off + ntlv_idx, idx, true);
  dv.setUint8(off + ntlv_set, set);
  dv.setUint8(off + ntlv_type, objtype);
  dv.setUint32(off + 12, 0, true);
  cstr_write(b, off + ntlv_name, NTLV_NAME_LEN, name);
}

/** ip_fw_rule header at off. */
export function ip_fw_rule_write(dv: DataView, off: number, act_ofs: number, cmd_len: number, rulenum: number, set: number, flags = 0, id = 0): void {
  dv.setUint16(off + ip_fw_rule_act_ofs, act_ofs, true);
  dv.setUint16(off + ip_fw_rule_cmd_len, cmd_len, true);
  dv.setUint16(off + ip_fw_rule_rulenum, rulenum, true);
  dv.setUint8(off + ip_fw_rule_set, set);
  dv.setUint8(off + ip_fw_rule_flags, flags);
  dv.setUint32(off + ip_fw_rule_id, id >>> 0, true);
}

/** u64 counters: JS numbers are exact up to 2^53, which is plenty. */
export function u64_write(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % 0x100000000, true);
  dv.setUint32(off + 4, Math.floor(v / 0x100000000), true);
}
export function u64_read(dv: DataView, off: number): number {
  return dv.getUint32(off, true) + dv.getUint32(off + 4, true) * 0x100000000;
}
