// sys/netpfil/ipfw/ip_fw2.c (FreeBSD 14): the firewall's main file.
// ipfw_chk() classifies one packet against the vnet's ruleset: it pulls up
// and parses the headers once (IPv4, IPv6 with its extension headers, or a
// bare Ethernet frame), then walks the rules, running each rule's
// instructions until one fails or an action ends the walk.  Also here: the
// helpers the match opcodes need (interface, uid/gid/jail, reverse-path
// checks), the reject senders, the module and per-vnet set-up, and the
// net.inet.ip.fw sysctls.
//
// The packet path allocates nothing: headers are read in place through the
// mbuf's DataView, ipfw_chk's per-call state lives in a small preallocated
// stack indexed by nesting depth (a reject can send a packet that meets
// ipfw again), and table keys go through preallocated scratch buffers.  The
// exceptions are FreeBSD's own: a tag or call-stack m_tag is made the first
// time a packet is tagged, and a reject makes a packet.
//
// Departures: no ALTQ (O_ALTQ matches and does nothing), no IPsec history
// (O_IPSEC never matches), no external actions (O_EXTERNAL_* are refused by
// the rule checker), no SCTP ABORT replies (reject abort drops), no O_FORWARD_MAC
// (as in FreeBSD, it is unimplemented).  O_SOCKARG needs SO_USER_COOKIE,
// which the socket layer does not have: it never matches.  The firewall is
// the kernel module "ipfw" (ipfw.ko): nothing of it runs until kldload.

import { EINVAL, ENOSPC } from "../../kern/errno.ts";
import { TUNABLE_DECLARE, TUNABLE_INT_FETCH } from "../../kern/kern_environment.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_FIREWALL } from "../../kern/kernel.ts";
import { MODULE_VERSION } from "../../kern/kern_linker.ts";
import { DECLARE_MODULE, MOD_LOAD, MOD_QUIESCE, MOD_SHUTDOWN, MOD_UNLOAD, type module } from "../../kern/kern_module.ts";
import { m_freem, m_gethdr } from "../../kern/kern_mbuf.ts";
import { M_BCAST, M_GETFIB, M_MCAST, M_SETFIB, MT_DATA, type m_tag, type mbuf } from "../../kern/mbuf.ts";
import { random } from "../../kern/arc4random.ts";
import { time_uptime } from "../../kern/kern_timeout.ts";
import { printf } from "../../kern/subr_prf.ts";
import {
  CTLFLAG_RD,
  CTLFLAG_RDTUN,
  CTLFLAG_RW,
  CTLFLAG_VNET,
  CTLTYPE_INT,
  CTLTYPE_UINT,
  OID_AUTO,
  SYSCTL_INT,
  SYSCTL_NODE,
  SYSCTL_PROC,
  SYSCTL_UINT,
  kvar_of,
  sysctl_handle_int,
  sysctl_unregister_oid,
  type sysctl_handler_t,
  type sysctl_oid,
} from "../../kern/sysctl.ts";
import { max_linkhdr, m_pullup } from "../../kern/uipc_mbuf.ts";
import { m_tag_delete, m_tag_locate, m_tag_prepend } from "../../kern/uipc_mbuf2.ts";
import { M_NOWAIT } from "../../kern/uma.ts";
import { ETHERTYPE_IP, ETHERTYPE_IPV6, ETHER_ADDR_LEN, ETHER_HDR_LEN } from "../../net/ethernet.ts";
import { ifnet } from "../../net/if.ts";
import { V_rt_numfibs } from "../../net/route/route_tables.ts";
import { NHF_BLACKHOLE, NHF_DEFAULT, NHF_REJECT } from "../../net/route/nhop.ts";
import { IS_DEFAULT_VNET, VNET_I32, VNET_I32_SET, VNET_VNET_I32, VNET_VNET_PTR, vnet0, VNET_SYSINIT, VNET_SYSUNINIT, curvnet, vnet_deregister_sysinit, vnet_deregister_sysuninit, type vnet_sysinit } from "../../net/vnet.ts";
import { INADDR_ANY, IN_MULTICAST, IPPROTO_GRE, IPPROTO_ICMP, IPPROTO_IPV4, IPPROTO_IPV6, IPPROTO_PIM, IPPROTO_TCP, IPPROTO_UDP, in_localaddr, in_localip } from "../../netinet/in.ts";
import { in_cksum, in_cksum_hdr } from "../../netinet/in_cksum.ts";
import { fib4_lookup } from "../../netinet/in_fib.ts";
import { INPLOOKUP_WILDCARD, in_pcblookup_mbuf, type inpcb } from "../../netinet/in_pcb.ts";
import {
  ICMP_ECHO,
  ICMP_IREQ,
  ICMP_MASKREQ,
  ICMP_MAXTYPE,
  ICMP_ROUTERSOLICIT,
  ICMP_TSTAMP,
  ICMP_UNREACH,
  ICMP_UNREACH_HOST,
  ICMP_UNREACH_HOST_UNKNOWN,
  ICMP_UNREACH_NET,
  ICMP_UNREACH_NET_UNKNOWN,
  ICMP_UNREACH_PORT,
  ICMP_UNREACH_SRCFAIL,
  ICMP_UNREACH_TOSHOST,
  ICMP_UNREACH_TOSNET,
  IPH_DST,
  IPH_ID,
  IPH_LEN,
  IPH_OFF,
  IPH_P,
  IPH_SRC,
  IPH_SUM,
  IPH_TOS,
  IPH_TTL,
  IPH_VHL,
  IPOPT_EOL,
  IPOPT_LSRR,
  IPOPT_NOP,
  IPOPT_OLEN,
  IPOPT_OPTVAL,
  IPOPT_RR,
  IPOPT_SSRR,
  IPOPT_TS,
  IPTOS_LOWDELAY,
  IP_HDRLEN,
  IP_MF,
  IP_OFFMASK,
} from "../../netinet/ip.ts";
import {
  F_LEN_MASK,
  F_NOT,
  F_OR,
  ICMP6_UNREACH_ABORT,
  ICMP6_UNREACH_RST,
  ICMP_REJECT_ABORT,
  ICMP_REJECT_RST,
  IPFW_CALLSTACK_SIZE,
  IPFW_DEFAULT_RULE,
  IPFW_RULE_NOOPT,
  IPFW_TABLES_DEFAULT,
  IPFW_TABLES_MAX,
  IP_FW_IPOPT_LSRR,
  IP_FW_IPOPT_RR,
  IP_FW_IPOPT_SSRR,
  IP_FW_IPOPT_TS,
  IP_FW_NAT44_GLOBAL,
  IP_FW_TARG,
  IP_FW_TCPOPT_MSS,
  IP_FW_TCPOPT_SACK,
  IP_FW_TCPOPT_TS,
  IP_FW_TCPOPT_WINDOW,
  EXT_AH,
  EXT_DSTOPTS,
  EXT_ESP,
  EXT_FRAGMENT,
  EXT_HOPOPTS,
  EXT_ROUTING,
  EXT_RTHDR0,
  EXT_RTHDR2,
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
  SZ_ipfw_flow_id,
  insn_if_name,
  insn_if_p,
  insn_sa6_sa,
  insn_sa_sa,
  ipfw_flow_id_write,
  LOOKUP_DSCP,
  LOOKUP_DST_IP,
  LOOKUP_DST_MAC,
  LOOKUP_DST_PORT,
  LOOKUP_JAIL,
  LOOKUP_MARK,
  LOOKUP_SRC_IP,
  LOOKUP_SRC_MAC,
  LOOKUP_SRC_PORT,
  LOOKUP_UID,
} from "../../netinet/ip_fw.ts";
import { V_ip_defttl } from "../../netinet/raw_ip.ts";
import { ip_output } from "../../netinet/ip_output.ts";
import { icmp_error } from "../../netinet/ip_icmp.ts";
import { ip_reass } from "../../netinet/ip_reass.ts";
import { TCPH_ACK, TCPH_DPORT, TCPH_FLAGS, TCPH_OFFX2, TCPH_SEQ, TCPH_SPORT, TCPH_SUM, TCPH_WIN, TCPOLEN_MAXSEG, TCPOLEN_SACK, TCPOLEN_SACK_PERMITTED, TCPOLEN_TIMESTAMP, TCPOLEN_WINDOW, TCPOPT_EOL, TCPOPT_MAXSEG, TCPOPT_NOP, TCPOPT_SACK, TCPOPT_SACK_PERMITTED, TCPOPT_TIMESTAMP, TCPOPT_WINDOW, TH_ACK, TH_RST, TH_SYN } from "../../netinet/tcp.ts";
import { V_tcbinfo } from "../../netinet/tcp_subr.ts";
import { V_udbinfo } from "../../netinet/udp_usrreq.ts";
import { M_SKIP_FIREWALL, _net_inet_ip } from "../../netinet/ip_var.ts";
import { _net_inet6_ip6 } from "../../netinet6/ip6_var.ts";
import { ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADMIN, ICMP6_DST_UNREACH_NOPORT, ICMP6_DST_UNREACH_NOROUTE, ICMP6_ECHO_REQUEST, ICMP6_FQDN_QUERY, ICMP6_MAXTYPE, ICMP6_MEMBERSHIP_QUERY, ICMP6_NI_QUERY, ICMP6_WRUREQUEST, IPPROTO_ICMPV6 } from "../../netinet/icmp6.ts";
import { icmp6_error } from "../../netinet6/icmp6.ts";
import { IP6F_MORE_FRAG, IP6F_OFF_MASK, IP6_HDR_LEN, IP6_OFF_DST, IP6_OFF_FLOW, IP6_OFF_NXT, IP6_OFF_PLEN, IP6_OFF_SRC, IPPROTO_AH, IPPROTO_DSTOPTS, IPPROTO_ESP, IPPROTO_FRAGMENT, IPPROTO_HOPOPTS, IPPROTO_NONE, IPPROTO_ROUTING, IPV6_DEFHLIM, IPV6_VERSION } from "../../netinet/ip6.ts";
import { in6_cksum } from "../../netinet6/in6_cksum.ts";
import { V_in6_ifaddrhead, in6_localaddr, in6_localip } from "../../netinet6/in6.ts";
import { fib6_lookup } from "../../netinet6/in6_fib.ts";
import { in6_pcblookup_mbuf } from "../../netinet6/in6_pcb.ts";
import { IN6_IS_ADDR_LINKLOCAL, IN6_IS_ADDR_MULTICAST, in6_addr } from "../../netinet6/in6_var.ts";
import { ip6_output } from "../../netinet6/ip6_output.ts";
import {
  ACTION_PTR,
  DYN_INFO_INIT,
  DYN_LOOKUP_NEEDED,
  IPFW_ARGS_ETHER,
  IPFW_ARGS_IN,
  IPFW_ARGS_IP4,
  IPFW_ARGS_IP6,
  IPFW_ARGS_NH4,
  IPFW_ARGS_NH4PTR,
  IPFW_ARGS_NH6,
  IPFW_ARGS_NH6PTR,
  IPFW_ARGS_OUT,
  IPFW_ARGS_REF,
  IPFW_INC_RULE_COUNTER,
  IPFW_INFO_IN,
  IPFW_IS_DIVERT,
  IPFW_IS_MASK,
  IPFW_IS_PIPE,
  IPFW_NAT_LOADED,
  IPFW_ONEPASS,
  IP_FW_ARG_TABLEARG,
  IP_FW_DENY,
  IP_FW_DIVERT,
  IP_FW_DUMMYNET,
  IP_FW_NETGRAPH,
  IP_FW_NGTEE,
  IP_FW_PASS,
  IP_FW_REASS,
  IP_FW_TEE,
  MATCH_FORWARD,
  MTAG_IPFW,
  MTAG_IPFW_CALL,
  TARG_VAL,
  V_fw_one_pass,
  V_fw_tables_max,
  V_fw_verbose,
  V_ip_fw_ctl_ptr_set,
  V_ipfw_vnet_ready,
  V_layer3_chain,
  V_layer3_chain_set,
  layer3_chain_slot,
  V_set_disable,
  autoinc_step,
  cksum_adjust,
  fw_deny_unknown_exthdrs,
  fw_one_pass,
  fw_permit_single_frag6,
  fw_tables_max,
  fw_tables_sets,
  fw_verbose,
  ip_fw,
  ip_fw_args,
  ip_fw_chain,
  ipfw_destroy_tables,
  ipfw_dyn_info,
  ipfw_dyn_init,
  ipfw_dyn_install_state,
  ipfw_dyn_lookup_state,
  ipfw_dyn_uninit,
  ipfw_init_tables,
  ipfw_lookup_table,
  ipfw_nat_ptr,
  ipfw_resize_tables,
  ipfw_switch_tables_namespace,
  ipfw_vnet_ready,
  lookup_nat_ptr,
  verbose_limit,
  type cfg_nat_ref,
} from "./ip_fw_private.ts";
import {
  ipfw_add_protected_rule,
  ipfw_alloc_rule,
  ipfw_ctl3,
  ipfw_destroy_obj_rewriter,
  ipfw_destroy_sopt_handler,
  ipfw_destroy_srv,
  ipfw_find_rule,
  ipfw_init_obj_rewriter,
  ipfw_init_skipto_cache,
  ipfw_init_sopt_handler,
  ipfw_init_srv,
  ipfw_reap_add,
  ipfw_reap_rules,
} from "./ip_fw_sockopt.ts";
import { ipfw_log } from "./ip_fw_log.ts";
import { ipfw_bpf_init, ipfw_bpf_uninit } from "./ip_fw_bpf.ts";
import { ipfw_attach_hooks, ipfw_detach_hooks, ipfw_pfil_sysctl_attach, ipfw_pfil_sysctl_detach } from "./ip_fw_pfil.ts";

const IPPROTO_SCTP = 132;
const IPPROTO_UDPLITE = 136;
const IPPROTO_OSPFIGP = 89;
const IPPROTO_CARP = 112;
const ETHERTYPE_VLAN = 0x8100;
/** ip6_rthdr, ip6_hbh, ip6_ext, ip6_frag offsets (netinet/ip6.h). */
const IP6E_NXT = 0;
const IP6E_LEN = 1;
const IP6R_TYPE = 2;
const IP6F_OFFLG = 2;
const IP6F_IDENT = 4;
/** struct sctphdr (12) + chunk header (4) + the sctp_init fields up to a_rwnd (4). */
const SCTP_HDR_INIT = 12 + 4 + 4;
/** TCP header minimum, UDP header, ICMP header (struct icmphdr: 8). */
const TCP_HDR = 20;
const UDP_HDR = 8;
const ICMP_HDR = 8;
const ICMP6_HDR = 8;

/** default_to_accept: the net.inet.ip.fw.default_to_accept tunable (read
 *  when the module loads; the kernel option IPFIREWALL_DEFAULT_TO_ACCEPT). */
let default_to_accept = 0;
/** default_fw_tables: the net.inet.ip.fw.tables_max tunable. */
let default_fw_tables = IPFW_TABLES_DEFAULT;

TUNABLE_DECLARE("net.inet.ip.fw.default_to_accept", CTLTYPE_INT);
TUNABLE_DECLARE("net.inet.ip.fw.tables_max", CTLTYPE_UINT);
TUNABLE_DECLARE("net.inet.ip.fw.enable", CTLTYPE_INT);
TUNABLE_DECLARE("net.inet6.ip6.fw.enable", CTLTYPE_INT);
TUNABLE_DECLARE("net.link.ether.ipfw", CTLTYPE_INT);

// ---------------------------------------------------------------------------
// Match helpers.

/** flags_match: arg1's low byte must all be set in bits, its high byte all clear. */
function flags_match(arg1: number, bits: number): boolean {
  const nbits = ~bits & 0xff;
  if ((arg1 & 0xff & nbits) !== 0) return false;
  const want_clear = (arg1 >> 8) & 0xff;
  return (want_clear & nbits) === want_clear;
}

function icmptype_match(type: number, d0: number): boolean {
  return type <= ICMP_MAXTYPE && (d0 & (1 << type)) !== 0;
}

const ICMP_QUERY_TYPES = (1 << ICMP_ECHO) | (1 << ICMP_ROUTERSOLICIT) | (1 << ICMP_TSTAMP) | (1 << ICMP_IREQ) | (1 << ICMP_MASKREQ);
function is_icmp_query(type: number): boolean {
  return type <= ICMP_MAXTYPE && (ICMP_QUERY_TYPES & (1 << type)) !== 0;
}

function ipopts_match(b: Uint8Array, ip: number, arg1: number): boolean {
  let bits = 0;
  let cp = ip + IP_HDRLEN;
  let x = ((b[ip + IPH_VHL] & 0x0f) << 2) - IP_HDRLEN;
  for (let optlen = 0; x > 0; x -= optlen, cp += optlen) {
    const opt = b[cp + IPOPT_OPTVAL];
    if (opt === IPOPT_EOL) break;
    if (opt === IPOPT_NOP) optlen = 1;
    else {
      optlen = b[cp + IPOPT_OLEN];
      if (optlen <= 0 || optlen > x) return false;
    }
    switch (opt) {
      case IPOPT_LSRR:
        bits |= IP_FW_IPOPT_LSRR;
        break;
      case IPOPT_SSRR:
        bits |= IP_FW_IPOPT_SSRR;
        break;
      case IPOPT_RR:
        bits |= IP_FW_IPOPT_RR;
        break;
      case IPOPT_TS:
        bits |= IP_FW_IPOPT_TS;
        break;
    }
  }
  return flags_match(arg1, bits);
}

/** tcpopts_parse: the IP_FW_TCPOPT_* bits of the options; the MSS in mss.v. */
const tcp_mss = { v: 0 };
function tcpopts_parse(b: Uint8Array, dv: DataView, tcp: number): number {
  let bits = 0;
  let cp = tcp + TCP_HDR;
  let cnt = ((b[tcp + TCPH_OFFX2] >> 4) << 2) - TCP_HDR;
  for (let optlen = 0; cnt > 0; cnt -= optlen, cp += optlen) {
    const opt = b[cp];
    if (opt === TCPOPT_EOL) break;
    if (opt === TCPOPT_NOP) optlen = 1;
    else {
      if (cnt < 2) break;
      optlen = b[cp + 1];
      if (optlen < 2 || optlen > cnt) break;
    }
    switch (opt) {
      case TCPOPT_MAXSEG:
        if (optlen !== TCPOLEN_MAXSEG) break;
        bits |= IP_FW_TCPOPT_MSS;
        tcp_mss.v = dv.getUint16(cp + 2);
        break;
      case TCPOPT_WINDOW:
        if (optlen === TCPOLEN_WINDOW) bits |= IP_FW_TCPOPT_WINDOW;
        break;
      case TCPOPT_SACK_PERMITTED:
        if (optlen === TCPOLEN_SACK_PERMITTED) bits |= IP_FW_TCPOPT_SACK;
        break;
      case TCPOPT_SACK:
        if (optlen > 2 && (optlen - 2) % TCPOLEN_SACK === 0) bits |= IP_FW_TCPOPT_SACK;
        break;
      case TCPOPT_TIMESTAMP:
        if (optlen === TCPOLEN_TIMESTAMP) bits |= IP_FW_TCPOPT_TS;
        break;
    }
  }
  return bits;
}

/** fnmatch(3) without flags, for interface names with wildcards. */
function fnmatch(pat: string, s: string, pi = 0, si = 0): boolean {
  while (pi < pat.length) {
    const c = pat[pi];
    if (c === "*") {
      while (pat[pi] === "*") pi++;
      if (pi === pat.length) return true;
      for (let k = si; k <= s.length; k++) if (fnmatch(pat, s, pi, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === "?") {
      pi++;
      si++;
      continue;
    }
    if (c === "[") {
      let j = pi + 1;
      let neg = false;
      if (pat[j] === "!") {
        neg = true;
        j++;
      }
      let ok = false;
      let first = true;
      while (j < pat.length && (first || pat[j] !== "]")) {
        first = false;
        if (pat[j + 1] === "-" && j + 2 < pat.length && pat[j + 2] !== "]") {
          if (s[si] >= pat[j] && s[si] <= pat[j + 2]) ok = true;
          j += 3;
        } else {
          if (s[si] === pat[j]) ok = true;
          j++;
        }
      }
      if (j >= pat.length) return false;
      if (ok === neg) return false;
      pi = j + 1;
      si++;
      continue;
    }
    if (c === "\\" && pi + 1 < pat.length) pi++;
    if (pat[pi] !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

const lookup_key = new Uint8Array(SZ_ipfw_flow_id);
const lookup_key_dv = new DataView(lookup_key.buffer);
const lookup_val = new Uint32Array(1);

/** iface_match: by name (glob), by table (name "\1"), or by an IPv4 address on it. */
function iface_match(ifp: ifnet | null, cmdb: Uint8Array, cmdv: DataView, off: number, chain: ip_fw_chain, tablearg: { v: number }): boolean {
  if (ifp === null) return false;
  const n0 = cmdb[off + insn_if_name];
  if (n0 !== 0) {
    if (n0 === 1) {
      if (ipfw_lookup_table === null) return false;
      lookup_key_dv.setUint16(0, ifp.if_index, true);
      const r = ipfw_lookup_table(chain, cmdv.getUint16(off + insn_if_p, true), 0, lookup_key, lookup_val);
      if (r !== 0) tablearg.v = lookup_val[0];
      return r !== 0;
    }
    const glob = cmdv.getInt32(off + insn_if_p, true) !== 0;
    if (glob) return fnmatch(ifname_of(cmdb, off), ifp.if_xname);
    // strncmp(if_xname, name, IFNAMSIZ)
    const x = ifp.if_xname;
    for (let i = 0; i < 16; i++) {
      const c = cmdb[off + insn_if_name + i];
      const d = i < x.length ? x.charCodeAt(i) : 0;
      if (c !== d) return false;
      if (c === 0) return true;
    }
    return true;
  }
  const want = cmdv.getUint32(off + insn_if_p, false);
  const al = ifp.if_addrhead;
  for (let i = 0; i < al.length; i++) {
    const sa = al[i].ifa_addr;
    if ("sin_addr" in sa && sa.sin_addr === want) return true;
  }
  return false;
}

function ifname_of(cmdb: Uint8Array, off: number): string {
  let s = "";
  for (let i = 0; i < 16; i++) {
    const c = cmdb[off + insn_if_name + i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/** verify_path: a route back to src exists (through ifp, when given). */
function verify_path(src: number, ifp: ifnet | null, fib: number): boolean {
  const nh = fib4_lookup(fib, src, 0, 0, 0);
  if (nh === null) return false;
  if (ifp !== null && ifp !== nh.nh_aifp) return false;
  if (ifp === null && (nh.nh_flags & NHF_DEFAULT) !== 0) return false;
  if (ifp === null && (nh.nh_flags & (NHF_REJECT | NHF_BLACKHOLE)) !== 0) return false;
  return true;
}

const v6_scratch = new in6_addr();
const v6_scratch2 = new in6_addr();

function verify_path6(src: Uint8Array, ifp: ifnet | null, fib: number): boolean {
  v6_scratch.s6_addr.set(src);
  if (IN6_IS_ADDR_LINKLOCAL(v6_scratch) || (src[0] === 0xff && (src[1] & 0x0f) <= 2)) return true;
  const nh = fib6_lookup(fib, v6_scratch, 0, 0, 0);
  if (nh === null) return false;
  if (ifp !== null && ifp !== nh.nh_aifp) return false;
  if (ifp === null && (nh.nh_flags & NHF_DEFAULT) !== 0) return false;
  if (ifp === null && (nh.nh_flags & (NHF_REJECT | NHF_BLACKHOLE)) !== 0) return false;
  return true;
}

/** ipfw_localip6: ours; a link-local one compared without its embedded scope. */
function ipfw_localip6(a: Uint8Array): boolean {
  v6_scratch.s6_addr.set(a);
  if (IN6_IS_ADDR_MULTICAST(v6_scratch)) return false;
  if (!IN6_IS_ADDR_LINKLOCAL(v6_scratch)) return in6_localip(v6_scratch);
  const head = V_in6_ifaddrhead();
  for (let i = 0; i < head.length; i++) {
    const ia = head[i].ia_addr.sin6_addr.s6_addr;
    if (ia[0] !== 0xfe || (ia[1] & 0xc0) !== 0x80) continue;
    let eq = ia[0] === a[0] && ia[1] === a[1];
    for (let k = 4; k < 16 && eq; k++) if (ia[k] !== a[k]) eq = false;
    if (eq) return true;
  }
  return false;
}

function is_icmp6_query(t: number): boolean {
  return t <= ICMP6_MAXTYPE && (t === ICMP6_ECHO_REQUEST || t === ICMP6_MEMBERSHIP_QUERY || t === ICMP6_WRUREQUEST || t === ICMP6_FQDN_QUERY || t === ICMP6_NI_QUERY);
}

/** map_icmp_unreach: an ICMP unreach code as the ICMPv6 one (RFC 7915 4.2). */
function map_icmp_unreach(code: number): number {
  switch (code) {
    case ICMP_UNREACH_NET:
    case ICMP_UNREACH_HOST:
    case ICMP_UNREACH_SRCFAIL:
    case ICMP_UNREACH_NET_UNKNOWN:
    case ICMP_UNREACH_HOST_UNKNOWN:
    case ICMP_UNREACH_TOSNET:
    case ICMP_UNREACH_TOSHOST:
      return ICMP6_DST_UNREACH_NOROUTE;
    case ICMP_UNREACH_PORT:
      return ICMP6_DST_UNREACH_NOPORT;
    default:
      return ICMP6_DST_UNREACH_ADMIN;
  }
}

// ---------------------------------------------------------------------------
// Replies.

/**
 * ipfw_send_pkt: a TCP RST (flags with TH_RST) or a keepalive for the flow
 * id, marked M_SKIP_FIREWALL; null when no mbuf can be had.  Used by reject
 * and by the dynamic states' keepalives.
 */
export function ipfw_send_pkt(_replyto: mbuf | null, id: { addr_type: number; src_ip: number; dst_ip: number; src_port: number; dst_port: number; fib: number; src_ip6: Uint8Array; dst_ip6: Uint8Array }, seq: number, ack: number, flags: number): mbuf | null {
  const m = m_gethdr(M_NOWAIT, MT_DATA);
  if (m === null) return null;
  M_SETFIB(m, id.fib);
  let len: number;
  let hl: number;
  switch (id.addr_type) {
    case 4:
      hl = IP_HDRLEN;
      break;
    case 6:
      hl = IP6_HDR_LEN;
      break;
    default:
      m_freem(m);
      return null;
  }
  len = hl + TCP_HDR;
  const dir = (flags & (TH_SYN | TH_RST)) === TH_SYN;
  m.m_data += max_linkhdr;
  m.m_flags |= M_SKIP_FIREWALL;
  m.m_pkthdr.len = m.m_len = len;
  m.m_pkthdr.rcvif = null;
  const b = m.m_buf;
  const dv = m.m_dv;
  const h = m.m_data;
  b.fill(0, h, h + len);
  const th = h + hl;
  if (id.addr_type === 4) {
    b[h + IPH_P] = IPPROTO_TCP;
    dv.setUint16(h + IPH_LEN, TCP_HDR);
    dv.setUint32(h + IPH_SRC, (dir ? id.src_ip : id.dst_ip) >>> 0);
    dv.setUint32(h + IPH_DST, (dir ? id.dst_ip : id.src_ip) >>> 0);
  } else {
    b[h + IP6_OFF_NXT] = IPPROTO_TCP;
    dv.setUint16(h + IP6_OFF_PLEN, TCP_HDR);
    b.set(dir ? id.src_ip6 : id.dst_ip6, h + IP6_OFF_SRC);
    b.set(dir ? id.dst_ip6 : id.src_ip6, h + IP6_OFF_DST);
  }
  dv.setUint16(th + TCPH_SPORT, dir ? id.src_port : id.dst_port);
  dv.setUint16(th + TCPH_DPORT, dir ? id.dst_port : id.src_port);
  b[th + TCPH_OFFX2] = (TCP_HDR >> 2) << 4;
  if ((flags & TH_RST) !== 0) {
    if ((flags & TH_ACK) !== 0) {
      dv.setUint32(th + TCPH_SEQ, ack >>> 0);
      b[th + TCPH_FLAGS] = TH_RST;
    } else {
      if ((flags & TH_SYN) !== 0) seq = (seq + 1) >>> 0;
      dv.setUint32(th + TCPH_ACK, seq >>> 0);
      b[th + TCPH_FLAGS] = TH_RST | TH_ACK;
    }
  } else {
    dv.setUint32(th + TCPH_SEQ, seq >>> 0);
    dv.setUint32(th + TCPH_ACK, ack >>> 0);
    b[th + TCPH_FLAGS] = TH_ACK;
  }
  if (id.addr_type === 4) {
    // The pseudo-header is the zeroed IP header with proto, len and addresses.
    dv.setUint16(th + TCPH_SUM, in_cksum(m, len));
    b[h + IPH_VHL] = (4 << 4) | (IP_HDRLEN >> 2);
    b[h + IPH_TOS] = IPTOS_LOWDELAY;
    dv.setUint16(h + IPH_OFF, 0);
    dv.setUint16(h + IPH_LEN, len);
    b[h + IPH_TTL] = V_ip_defttl();
    dv.setUint16(h + IPH_SUM, 0);
  } else {
    dv.setUint16(th + TCPH_SUM, in6_cksum(m, IPPROTO_TCP, IP6_HDR_LEN, TCP_HDR));
    b[h] |= IPV6_VERSION;
    b[h + 7] = IPV6_DEFHLIM;
  }
  return m;
}

/** send_reject: an ICMP unreach, or a TCP RST; consumes args.m. */
function send_reject(args: ip_fw_args, code: number, ipo: number): void {
  const m = args.m;
  if (m === null) return;
  if (code !== ICMP_REJECT_RST && code !== ICMP_REJECT_ABORT) {
    icmp_error(m, ICMP_UNREACH, code, 0, 0);
  } else if (code === ICMP_REJECT_RST && args.f_id.proto === IPPROTO_TCP) {
    const b = m.m_buf;
    const dv = m.m_dv;
    const tcp = ipo + ((b[ipo + IPH_VHL] & 0x0f) << 2);
    const th_flags = b[tcp + TCPH_FLAGS];
    if ((th_flags & TH_RST) === 0) {
      const r = ipfw_send_pkt(m, args.f_id, dv.getUint32(tcp + TCPH_SEQ), dv.getUint32(tcp + TCPH_ACK), th_flags | TH_RST);
      if (r !== null) ip_output(r, null, null, 0, null, null);
    }
    m_freem(m);
  } else {
    m_freem(m);
  }
  args.m = null;
}

/** send_reject6: ICMPv6 unreach or a TCP RST; consumes args.m. */
function send_reject6(args: ip_fw_args, code: number, hlen: number, ipo: number): void {
  const m = args.m;
  if (m === null) return;
  if (code === ICMP6_UNREACH_RST && args.f_id.proto === IPPROTO_TCP) {
    const tcp = ipo + hlen;
    const th_flags = m.m_buf[tcp + TCPH_FLAGS];
    if ((th_flags & TH_RST) === 0) {
      const r = ipfw_send_pkt(m, args.f_id, m.m_dv.getUint32(tcp + TCPH_SEQ), m.m_dv.getUint32(tcp + TCPH_ACK), th_flags | TH_RST);
      if (r !== null) ip6_output(r, null, null, 0, null, null, null);
    }
    m_freem(m);
  } else if (code !== ICMP6_UNREACH_RST && code !== ICMP6_UNREACH_ABORT) {
    icmp6_error(m, ICMP6_DST_UNREACH, code, 0);
  } else {
    m_freem(m);
  }
  args.m = null;
}

// ---------------------------------------------------------------------------
// uid/gid/jail: the credential of the socket the packet belongs to.

/** One lookup per packet: 0 not done yet, 1 found (cred kept), -1 none. */
class ugid_cache {
  lookup = 0;
  uid = 0;
  jid = 0;
}

function check_uidgid(opcode: number, d0: number, args: ip_fw_args, uc: ugid_cache): boolean {
  const id = args.f_id;
  const inp = args.inp;
  if (inp !== null && uc.lookup === 0) {
    if (inp.inp_socket !== null) {
      uc.uid = inp.inp_cred.cr_uid;
      uc.jid = inp.inp_cred.cr_prison.pr_id;
      uc.lookup = 1;
    } else uc.lookup = -1;
  }
  if (uc.lookup === -1) return false;
  let wildcard = 0;
  let pi;
  if (id.proto === IPPROTO_TCP) pi = V_tcbinfo();
  else if (id.proto === IPPROTO_UDP) {
    pi = V_udbinfo();
    wildcard = INPLOOKUP_WILDCARD;
  } else return false;
  const m = args.m;
  if (uc.lookup === 0 && m !== null) {
    let pcb: inpcb | null;
    if (id.addr_type === 6) {
      v6_scratch.s6_addr.set(id.src_ip6);
      v6_scratch2.s6_addr.set(id.dst_ip6);
      if ((args.flags & IPFW_ARGS_IN) !== 0) pcb = in6_pcblookup_mbuf(pi, v6_scratch, id.src_port, v6_scratch2, id.dst_port, wildcard, null, m);
      else pcb = in6_pcblookup_mbuf(pi, v6_scratch2, id.dst_port, v6_scratch, id.src_port, wildcard, args.ifp, m);
    } else if ((args.flags & IPFW_ARGS_IN) !== 0) {
      pcb = in_pcblookup_mbuf(pi, id.src_ip, id.src_port, id.dst_ip, id.dst_port, wildcard, null, m);
    } else {
      pcb = in_pcblookup_mbuf(pi, id.dst_ip, id.dst_port, id.src_ip, id.src_port, wildcard, args.ifp, m);
    }
    if (pcb !== null) {
      uc.uid = pcb.inp_cred.cr_uid;
      uc.jid = pcb.inp_cred.cr_prison.pr_id;
      uc.lookup = 1;
    }
    if (uc.lookup === 0) {
      uc.lookup = -1;
      return false;
    }
  }
  if (opcode === O_UID) return uc.uid === d0 >>> 0;
  // groupmember: credentials here carry no group list; a process's group
  // is its uid's, as for root (gid 0 = wheel) and the users jexec makes.
  if (opcode === O_GID) return uc.uid === d0 >>> 0;
  if (opcode === O_JAIL) return uc.jid === (d0 | 0);
  return false;
}

// ---------------------------------------------------------------------------
// Rule positions.

/** set_match: remember where the packet left the ruleset (for re-injection). */
function set_match(args: ip_fw_args, slot: number, chain: ip_fw_chain): void {
  args.rule.chain_id = chain.id;
  args.rule.slot = slot + 1;
  args.rule.rule_id = 1 + chain.map[slot].id;
  args.rule.rulenum = chain.map[slot].rulenum;
  args.flags |= IPFW_ARGS_REF;
}

/** jump_fast: the slot skipto/call lands on, cached in the rule. */
function jump_fast(chain: ip_fw_chain, f: ip_fw, num: number, tablearg: number, jump_backwards: boolean): number {
  let f_pos: number;
  if (num !== IP_FW_TARG && f.cached_id === chain.id) f_pos = f.cached_pos;
  else {
    let i = IP_FW_ARG_TABLEARG(chain, num, "skipto", tablearg);
    if (!jump_backwards && i <= f.rulenum) i = f.rulenum + 1;
    if (chain.idxmap !== null) f_pos = chain.idxmap[i > 65535 ? 65535 : i];
    else f_pos = ipfw_find_rule(chain, i, 0);
    if (num !== IP_FW_TARG) {
      f.cached_id = chain.id;
      f.cached_pos = f_pos;
    }
  }
  return f_pos;
}

// ---------------------------------------------------------------------------
// Tags.

/** An ipfw "tag" on a packet (MTAG_IPFW, type = the tag number). */
export class ipfw_tag_mtag implements m_tag {
  readonly m_tag_cookie = MTAG_IPFW;
  constructor(public m_tag_id: number) {}
  m_tag_copy(): m_tag | null {
    return new ipfw_tag_mtag(this.m_tag_id);
  }
}

/** The call/return stack (MTAG_IPFW_CALL); m_tag_id is the stack depth. */
export class ipfw_call_mtag implements m_tag {
  readonly m_tag_cookie = MTAG_IPFW_CALL;
  m_tag_id = 0;
  readonly stack = new Uint16Array(IPFW_CALLSTACK_SIZE);
  m_tag_copy(): m_tag | null {
    const t = new ipfw_call_mtag();
    t.m_tag_id = this.m_tag_id;
    t.stack.set(this.stack);
    return t;
  }
}

function is_call_mtag(t: m_tag): t is ipfw_call_mtag {
  return t instanceof ipfw_call_mtag;
}
let tag_want = 0;
function is_tag_mtag(t: m_tag): t is ipfw_tag_mtag {
  return t instanceof ipfw_tag_mtag && t.m_tag_id === tag_want;
}
function is_any_tag_mtag(t: m_tag): t is ipfw_tag_mtag {
  return t instanceof ipfw_tag_mtag;
}


// ---------------------------------------------------------------------------
// ipfw_chk.

/** Per-call state, one per nesting level, made once. */
class chk_frame {
  readonly dyn_info = new ipfw_dyn_info();
  readonly uc = new ugid_cache();
  readonly targ = { v: 0 };
  /** The packet's storage as the last pullup left it (PULLUP_TO's side effects). */
  b: Uint8Array = new Uint8Array(0);
  dv: DataView = new DataView(new ArrayBuffer(0));
  ipo = 0;
  ulp = -1;
  ehlen = 0;
}

/**
 * PULLUP_TO(len, size): len + size bytes past the Ethernet header made
 * contiguous: the (maybe new) chain, with the frame holding its storage,
 * the IP header's offset and ulp at offset len; null when the chain is gone.
 */
function pullup_to(fr: chk_frame, args: ip_fw_args, len: number, size: number): mbuf | null {
  if (!pullup(args, len + size + fr.ehlen)) return null;
  const m = args.m;
  if (m === null) return null;
  fr.b = m.m_buf;
  fr.dv = m.m_dv;
  fr.ipo = m.m_data + fr.ehlen;
  fr.ulp = fr.ipo + len;
  return m;
}
const frames: chk_frame[] = [new chk_frame(), new chk_frame(), new chk_frame(), new chk_frame()];
let depth = 0;

/** Results of the header parse, for the current call (saved across nesting). */
let pullup_ok = true;
/** m_pullup through args: the chain may change; false when it is gone. */
function pullup(args: ip_fw_args, x: number): boolean {
  const m = args.m;
  if (m === null) return false;
  if (m.m_len >= x) return true;
  const n = m_pullup(m, x);
  args.m = n;
  return n !== null;
}

const v6_src = new in6_addr();

/**
 * ipfw_chk: the verdict on args.m (IP_FW_PASS, IP_FW_DENY, IP_FW_DUMMYNET,
 * ...).  args.m may be replaced (pullups) or consumed (reject: args.m =
 * null); args.rule says where the packet left the ruleset.
 */
export function ipfw_chk(args: ip_fw_args): number {
  if (depth === frames.length) frames.push(new chk_frame());
  const fr = frames[depth++];
  try {
    return ipfw_chk_frame(args, fr);
  } finally {
    depth--;
  }
}

function ipfw_chk_frame(args: ip_fw_args, fr: chk_frame): number {
  let m = args.m;
  if (m === null) return IP_FW_DENY;
  if ((m.m_flags & M_SKIP_FIREWALL) !== 0 || V_ipfw_vnet_ready() === 0) return IP_FW_PASS;
  const chain = V_layer3_chain();
  if (chain === null) return IP_FW_PASS;
  const is_ether = (args.flags & IPFW_ARGS_ETHER) !== 0;
  let ehlen = 0;
  if (is_ether) {
    const need = Math.min(m.m_pkthdr.len, 40 + ETHER_HDR_LEN + 20);
    if (m.m_len < need) {
      if (!pullup(args, need)) return pullup_failed();
      m = args.m as mbuf;
    }
    ehlen = ETHER_HDR_LEN;
  }
  let pktlen = m.m_pkthdr.len;
  args.f_id.fib = M_GETFIB(m);

  const dyn_info = fr.dyn_info;
  const uc = fr.uc;
  uc.lookup = 0;
  DYN_INFO_INIT(dyn_info);

  let hlen = 0;
  let offset = 0;
  let ip6f_mf = 0;
  let proto = 0;
  let src_port = 0;
  let dst_port = 0;
  let src_ip = 0;
  let dst_ip = 0;
  let iplen = 0;
  let ulp = -1; // byte offset in m.m_buf of the upper-layer header
  let is_ipv6 = false;
  let is_ipv4 = false;
  let icmp6_type = 0;
  let ext_hd = 0;
  pullup_ok = true;

  // The ethertype, when we came from layer 2.
  let ether_type = 0;
  if (is_ether) ether_type = m.m_dv.getUint16(m.m_data + 12);
  let ipo = m.m_data + ehlen;
  let b = m.m_buf;
  let dv = m.m_dv;

  fr.ehlen = ehlen;
  let pm: mbuf | null = null;
  const vhl = m.m_len > ehlen ? b[ipo] >> 4 : 0;
  if (pktlen >= ehlen + IP6_HDR_LEN && (!is_ether || ether_type === ETHERTYPE_IPV6) && vhl === 6) {
    pm = pullup_to(fr, args, 0, IP6_HDR_LEN);
    if (pm === null) return pullup_failed();
    m = pm;
    ({ b, dv, ipo, ulp } = fr);
    is_ipv6 = true;
    args.flags |= IPFW_ARGS_IP6;
    hlen = IP6_HDR_LEN;
    proto = b[ipo + IP6_OFF_NXT];
    ulp = -1;
    while (ulp < 0 && offset === 0) {
      switch (proto) {
        case IPPROTO_ICMPV6:
          pm = pullup_to(fr, args, hlen, ICMP6_HDR);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          icmp6_type = b[ulp];
          break;
        case IPPROTO_TCP:
          pm = pullup_to(fr, args, hlen, TCP_HDR);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          dst_port = dv.getUint16(ulp + TCPH_DPORT);
          src_port = dv.getUint16(ulp + TCPH_SPORT);
          args.f_id._flags = b[ulp + TCPH_FLAGS];
          break;
        case IPPROTO_SCTP:
          if (pktlen - ehlen >= hlen + SCTP_HDR_INIT) {
            pm = pullup_to(fr, args, hlen, SCTP_HDR_INIT);
            if (pm === null) return pullup_failed();
            m = pm;
            ({ b, dv, ipo, ulp } = fr);
          } else if (pktlen - ehlen >= hlen + 12) {
            pm = pullup_to(fr, args, hlen, pktlen - ehlen - hlen);
            if (pm === null) return pullup_failed();
            m = pm;
            ({ b, dv, ipo, ulp } = fr);
          } else {
            pm = pullup_to(fr, args, hlen, 12);
            if (pm === null) return pullup_failed();
            m = pm;
            ({ b, dv, ipo, ulp } = fr);
          }
          src_port = dv.getUint16(ulp);
          dst_port = dv.getUint16(ulp + 2);
          break;
        case IPPROTO_UDP:
        case IPPROTO_UDPLITE:
          pm = pullup_to(fr, args, hlen, UDP_HDR);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          dst_port = dv.getUint16(ulp + 2);
          src_port = dv.getUint16(ulp);
          break;
        case IPPROTO_HOPOPTS:
          pm = pullup_to(fr, args, hlen, 8);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          ext_hd |= EXT_HOPOPTS;
          hlen += (b[ulp + IP6E_LEN] + 1) << 3;
          proto = b[ulp + IP6E_NXT];
          ulp = -1;
          break;
        case IPPROTO_ROUTING:
          pm = pullup_to(fr, args, hlen, 4);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          switch (b[ulp + IP6R_TYPE]) {
            case 0:
              ext_hd |= EXT_RTHDR0;
              break;
            case 2:
              ext_hd |= EXT_RTHDR2;
              break;
            default:
              if (V_fw_verbose() !== 0) printf(`IPFW2: IPV6 - Unknown Routing Header type(${b[ulp + IP6R_TYPE]})\n`);
              if (VNET_I32(fw_deny_unknown_exthdrs) !== 0) return IP_FW_DENY;
              break;
          }
          ext_hd |= EXT_ROUTING;
          hlen += (b[ulp + IP6E_LEN] + 1) << 3;
          proto = b[ulp + IP6E_NXT];
          ulp = -1;
          break;
        case IPPROTO_FRAGMENT: {
          pm = pullup_to(fr, args, hlen, 8);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          ext_hd |= EXT_FRAGMENT;
          hlen += 8;
          proto = b[ulp + IP6E_NXT];
          const offlg = dv.getUint16(ulp + IP6F_OFFLG);
          offset = offlg & IP6F_OFF_MASK;
          ip6f_mf = offlg & IP6F_MORE_FRAG;
          if (VNET_I32(fw_permit_single_frag6) === 0 && offset === 0 && ip6f_mf === 0) {
            if (V_fw_verbose() !== 0) printf("IPFW2: IPV6 - Invalid Fragment Header\n");
            if (VNET_I32(fw_deny_unknown_exthdrs) !== 0) return IP_FW_DENY;
            break;
          }
          args.f_id.extra = dv.getUint32(ulp + IP6F_IDENT);
          ulp = -1;
          break;
        }
        case IPPROTO_DSTOPTS:
          pm = pullup_to(fr, args, hlen, 8);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          ext_hd |= EXT_DSTOPTS;
          hlen += (b[ulp + IP6E_LEN] + 1) << 3;
          proto = b[ulp + IP6E_NXT];
          ulp = -1;
          break;
        case IPPROTO_AH:
          pm = pullup_to(fr, args, hlen, 8);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          ext_hd |= EXT_AH;
          hlen += (b[ulp + IP6E_LEN] + 2) << 2;
          proto = b[ulp + IP6E_NXT];
          ulp = -1;
          break;
        case IPPROTO_ESP:
          pm = pullup_to(fr, args, hlen, 4);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          ext_hd |= EXT_ESP;
          break;
        case IPPROTO_NONE:
          ulp = ipo;
          break;
        case IPPROTO_OSPFIGP:
          pm = pullup_to(fr, args, hlen, 8);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          break;
        case IPPROTO_PIM:
          pm = pullup_to(fr, args, hlen, 4);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          break;
        case IPPROTO_GRE:
          pm = pullup_to(fr, args, hlen, 4);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          break;
        case IPPROTO_CARP:
          pm = pullup_to(fr, args, hlen, 1);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          // CARP_ADVERTISEMENT: version 2, type 1 in the first byte's low nibble.
          if ((b[ulp] & 0x0f) !== 1) return IP_FW_DENY;
          break;
        case IPPROTO_IPV6:
          pm = pullup_to(fr, args, hlen, IP6_HDR_LEN);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          break;
        case IPPROTO_IPV4:
          pm = pullup_to(fr, args, hlen, IP_HDRLEN);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          break;
        default:
          if (V_fw_verbose() !== 0) printf(`IPFW2: IPV6 - Unknown Extension Header(${proto}), ext_hd=${ext_hd.toString(16)}\n`);
          if (VNET_I32(fw_deny_unknown_exthdrs) !== 0) return IP_FW_DENY;
          pm = pullup_to(fr, args, hlen, 8);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          break;
      }
    }
    args.f_id.addr_type = 6;
    args.f_id.src_ip6.set(b.subarray(ipo + IP6_OFF_SRC, ipo + IP6_OFF_SRC + 16));
    args.f_id.dst_ip6.set(b.subarray(ipo + IP6_OFF_DST, ipo + IP6_OFF_DST + 16));
    args.f_id.flow_id6 = dv.getUint32(ipo + IP6_OFF_FLOW);
    iplen = dv.getUint16(ipo + IP6_OFF_PLEN) + IP6_HDR_LEN;
  } else if (pktlen >= ehlen + IP_HDRLEN && (!is_ether || ether_type === ETHERTYPE_IP) && vhl === 4) {
    pm = pullup_to(fr, args, 0, IP_HDRLEN);
    if (pm === null) return pullup_failed();
    m = pm;
    ({ b, dv, ipo, ulp } = fr);
    is_ipv4 = true;
    args.flags |= IPFW_ARGS_IP4;
    hlen = (b[ipo + IPH_VHL] & 0x0f) << 2;
    proto = b[ipo + IPH_P];
    src_ip = dv.getUint32(ipo + IPH_SRC);
    dst_ip = dv.getUint32(ipo + IPH_DST);
    offset = dv.getUint16(ipo + IPH_OFF) & IP_OFFMASK;
    iplen = dv.getUint16(ipo + IPH_LEN);
    ulp = -1;
    if (offset === 0) {
      switch (proto) {
        case IPPROTO_TCP:
          pm = pullup_to(fr, args, hlen, TCP_HDR);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          dst_port = dv.getUint16(ulp + TCPH_DPORT);
          src_port = dv.getUint16(ulp + TCPH_SPORT);
          args.f_id._flags = b[ulp + TCPH_FLAGS];
          break;
        case IPPROTO_SCTP:
          if (pktlen - ehlen >= hlen + SCTP_HDR_INIT) {
            pm = pullup_to(fr, args, hlen, SCTP_HDR_INIT);
            if (pm === null) return pullup_failed();
            m = pm;
            ({ b, dv, ipo, ulp } = fr);
          } else if (pktlen - ehlen >= hlen + 12) {
            pm = pullup_to(fr, args, hlen, pktlen - ehlen - hlen);
            if (pm === null) return pullup_failed();
            m = pm;
            ({ b, dv, ipo, ulp } = fr);
          } else {
            pm = pullup_to(fr, args, hlen, 12);
            if (pm === null) return pullup_failed();
            m = pm;
            ({ b, dv, ipo, ulp } = fr);
          }
          src_port = dv.getUint16(ulp);
          dst_port = dv.getUint16(ulp + 2);
          break;
        case IPPROTO_UDP:
        case IPPROTO_UDPLITE:
          pm = pullup_to(fr, args, hlen, UDP_HDR);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          dst_port = dv.getUint16(ulp + 2);
          src_port = dv.getUint16(ulp);
          break;
        case IPPROTO_ICMP:
          pm = pullup_to(fr, args, hlen, ICMP_HDR);
          if (pm === null) return pullup_failed();
          m = pm;
          ({ b, dv, ipo, ulp } = fr);
          break;
        default:
          break;
      }
    } else if (offset === 1 && proto === IPPROTO_TCP) {
      // RFC 3128: a tiny-offset TCP fragment is an attack.
      return pullup_failed();
    }
    args.f_id.addr_type = 4;
    args.f_id.src_ip = src_ip >>> 0;
    args.f_id.dst_ip = dst_ip >>> 0;
  } else {
    proto = 0;
    src_ip = dst_ip = 0;
    args.f_id.addr_type = 1;
  }
  pktlen = iplen !== 0 && iplen < pktlen ? iplen : pktlen;
  args.f_id.proto = proto;
  args.f_id.src_port = src_port;
  args.f_id.dst_port = dst_port;

  if (V_ipfw_vnet_ready() === 0) return IP_FW_PASS;
  let f_pos: number;
  if ((args.flags & IPFW_ARGS_REF) !== 0) {
    f_pos = args.rule.chain_id === chain.id ? args.rule.slot : ipfw_find_rule(chain, args.rule.rulenum, args.rule.rule_id);
  } else f_pos = 0;

  let iif: ifnet | null;
  let oif: ifnet | null;
  if ((args.flags & IPFW_ARGS_IN) !== 0) {
    iif = args.ifp;
    oif = null;
  } else {
    const r = m.m_pkthdr.rcvif;
    iif = r instanceof ifnet ? r : null;
    oif = args.ifp;
  }

  let retval = 0;
  let done = false;
  let q: ip_fw | null = null;
  const set_dis = V_set_disable();
  const targ = fr.targ;

  for (; f_pos < chain.n_rules; f_pos++) {
    let f = chain.map[f_pos];
    if ((set_dis & (1 << f.set)) !== 0) continue;
    let tablearg = 0;
    let skip_or = false;
    let cmdb = f.cmd;
    let cmdv = f.cmdv;
    let off = 0;
    let cmdlen = 0;
    for (let l = f.cmd_len; l > 0; l -= cmdlen, off += cmdlen * 4) {
      cmdlen = cmdb[off + 1] & F_LEN_MASK;
      if (skip_or) {
        if ((cmdb[off + 1] & F_OR) === 0) skip_or = false;
        continue;
      }
      let match = false;
      const opcode = cmdb[off];
      const arg1 = cmdv.getUint16(off + 2, true);

      switch (opcode) {
        case O_NOP:
          match = true;
          break;

        case O_FORWARD_MAC:
          printf(`ipfw: opcode ${opcode} unimplemented\n`);
          break;

        case O_GID:
        case O_UID:
        case O_JAIL:
          if (offset !== 0) break;
          if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_UDPLITE) match = check_uidgid(opcode, cmdv.getUint32(off + 4, true), args, uc);
          break;

        case O_RECV:
          targ.v = tablearg;
          match = iface_match(iif, cmdb, cmdv, off, chain, targ);
          tablearg = targ.v;
          break;
        case O_XMIT:
          targ.v = tablearg;
          match = iface_match(oif, cmdb, cmdv, off, chain, targ);
          tablearg = targ.v;
          break;
        case O_VIA:
          targ.v = tablearg;
          match = iface_match(args.ifp, cmdb, cmdv, off, chain, targ);
          tablearg = targ.v;
          break;

        case O_MACADDR2:
          if (is_ether) {
            const eh = m.m_data;
            match = true;
            for (let i = 0; i < 12 && match; i++) {
              if (cmdb[off + 4 + i] !== (b[eh + i] & cmdb[off + 16 + i])) match = false;
            }
          }
          break;

        case O_MAC_TYPE:
          if (is_ether) {
            for (let i = cmdlen - 1, p = off + 4; !match && i > 0; i--, p += 4) {
              match = ether_type >= cmdv.getUint16(p, true) && ether_type <= cmdv.getUint16(p + 2, true);
            }
          }
          break;

        case O_FRAG:
          if (is_ipv4) {
            match = flags_match(arg1, ((dv.getUint16(ipo + IPH_OFF) & ~IP_OFFMASK) >> 8) | (offset !== 0 ? 1 : 0));
          } else {
            match = arg1 === 0x1 && offset !== 0;
          }
          break;

        case O_IN:
          match = oif === null;
          break;

        case O_LAYER2:
          match = is_ether;
          break;

        case O_DIVERTED:
          if ((args.flags & IPFW_ARGS_REF) === 0) break;
          match = (args.rule.info & IPFW_IS_MASK) === IPFW_IS_DIVERT && (((args.rule.info & IPFW_INFO_IN) !== 0 ? 1 : 2) & arg1) !== 0;
          break;

        case O_PROTO:
          match = proto === arg1;
          break;

        case O_IP_SRC:
          match = is_ipv4 && cmdv.getUint32(off + 4, false) === src_ip;
          break;

        case O_IP_DST_LOOKUP:
        case O_IP_SRC_LOOKUP: {
          if (ipfw_lookup_table === null) break;
          if (opcode === O_IP_DST_LOOKUP && cmdlen > 2) {
            // lookup KEY table: d[1] says which key; keylen 0 cannot match.
            const vidx = cmdv.getUint32(off + 8, true);
            let keylen = 0;
            switch (vidx) {
              case LOOKUP_DST_IP:
              case LOOKUP_SRC_IP:
                if (!is_ipv6 && !is_ipv4) break;
                if (is_ipv4) lookup_key_dv.setUint32(0, vidx === LOOKUP_DST_IP ? dst_ip : src_ip, false);
                else lookup_key.set(vidx === LOOKUP_DST_IP ? args.f_id.dst_ip6 : args.f_id.src_ip6, 0);
                keylen = is_ipv6 ? 16 : 4;
                break;
              case LOOKUP_DST_PORT:
              case LOOKUP_SRC_PORT:
                if (!is_ipv6 && !is_ipv4) break;
                if (offset !== 0) break;
                if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP && proto !== IPPROTO_UDPLITE && proto !== IPPROTO_SCTP) break;
                lookup_key_dv.setUint32(0, vidx === LOOKUP_DST_PORT ? dst_port : src_port, true);
                keylen = 4;
                break;
              case LOOKUP_UID:
              case LOOKUP_JAIL:
                check_uidgid(O_UID, 0, args, uc);
                if (uc.lookup !== 1) break;
                lookup_key_dv.setUint32(0, (vidx === LOOKUP_UID ? uc.uid : uc.jid) >>> 0, true);
                keylen = 4;
                break;
              case LOOKUP_DSCP: {
                if (!is_ipv6 && !is_ipv4) break;
                let key: number;
                if (is_ipv4) key = b[ipo + IPH_TOS] >> 2;
                else {
                  const fl = args.f_id.flow_id6;
                  key = ((fl & 0x0f) << 2) | ((fl & 0xf000) >> 14);
                }
                lookup_key_dv.setUint32(0, key & 0x3f, true);
                keylen = 4;
                break;
              }
              case LOOKUP_DST_MAC:
              case LOOKUP_SRC_MAC: {
                // Need an Ethernet frame.
                if (!is_ether) break;
                const eh = m.m_data + (vidx === LOOKUP_DST_MAC ? 0 : ETHER_ADDR_LEN);
                for (let i = 0; i < ETHER_ADDR_LEN; i++) lookup_key[i] = b[eh + i];
                keylen = ETHER_ADDR_LEN;
                break;
              }
              case LOOKUP_MARK:
                lookup_key_dv.setUint32(0, args.rule.pkt_mark >>> 0, true);
                keylen = 4;
                break;
            }
            if (keylen === 0) break;
            match = ipfw_lookup_table(chain, arg1, keylen, lookup_key, lookup_val) !== 0;
            if (!match) break;
            tablearg = lookup_val[0];
            break;
          }
          let keylen: number;
          if (is_ipv4) {
            keylen = 4;
            lookup_key_dv.setUint32(0, opcode === O_IP_DST_LOOKUP ? dst_ip : src_ip, false);
          } else if (is_ipv6) {
            keylen = 16;
            lookup_key.set(opcode === O_IP_DST_LOOKUP ? args.f_id.dst_ip6 : args.f_id.src_ip6, 0);
          } else break;
          match = ipfw_lookup_table(chain, arg1, keylen, lookup_key, lookup_val) !== 0;
          if (!match) break;
          if (cmdlen === 2) {
            match = TARG_VAL !== null && cmdv.getUint32(off + 4, true) === TARG_VAL(chain, lookup_val[0], "tag");
            if (!match) break;
          }
          tablearg = lookup_val[0];
          break;
        }

        case O_MAC_SRC_LOOKUP:
        case O_MAC_DST_LOOKUP: {
          if (ipfw_lookup_table === null) break;
          // Need an Ethernet frame.
          if (!is_ether) break;
          const eh = m.m_data + (opcode === O_MAC_DST_LOOKUP ? 0 : ETHER_ADDR_LEN);
          for (let i = 0; i < ETHER_ADDR_LEN; i++) lookup_key[i] = b[eh + i];
          match = ipfw_lookup_table(chain, arg1, ETHER_ADDR_LEN, lookup_key, lookup_val) !== 0;
          if (!match) break;
          if (cmdlen === 2) {
            match = TARG_VAL !== null && cmdv.getUint32(off + 4, true) === TARG_VAL(chain, lookup_val[0], "tag");
            if (!match) break;
          }
          tablearg = lookup_val[0];
          break;
        }

        case O_IP_FLOW_LOOKUP:
          if (ipfw_lookup_table === null) break;
          ipfw_flow_id_write(lookup_key_dv, 0, args.f_id);
          match = ipfw_lookup_table(chain, arg1, 0, lookup_key, lookup_val) !== 0;
          if (!match) break;
          if (cmdlen === 2) match = TARG_VAL !== null && cmdv.getUint32(off + 4, true) === TARG_VAL(chain, lookup_val[0], "tag");
          if (match) tablearg = lookup_val[0];
          break;

        case O_IP_SRC_MASK:
        case O_IP_DST_MASK:
          if (is_ipv4) {
            const a = opcode === O_IP_DST_MASK ? dst_ip : src_ip;
            for (let i = cmdlen - 1, p = off + 4; !match && i > 0; i -= 2, p += 8) {
              match = cmdv.getUint32(p, false) === ((a & cmdv.getUint32(p + 4, false)) >>> 0);
            }
          }
          break;

        case O_IP_SRC_ME:
          if (is_ipv4) {
            match = in_localip(src_ip);
            break;
          }
          match = is_ipv6 && ipfw_localip6(args.f_id.src_ip6);
          break;
        case O_IP6_SRC_ME:
          match = is_ipv6 && ipfw_localip6(args.f_id.src_ip6);
          break;

        case O_IP_DST_SET:
        case O_IP_SRC_SET:
          if (is_ipv4) {
            let addr = opcode === O_IP_DST_SET ? args.f_id.dst_ip : args.f_id.src_ip;
            const base = cmdv.getUint32(off + 4, true);
            if (addr < base) break;
            addr -= base;
            match = addr < arg1 && (cmdv.getUint32(off + 8 + (addr >>> 5) * 4, true) & (1 << (addr & 0x1f))) !== 0;
          }
          break;

        case O_IP_DST:
          match = is_ipv4 && cmdv.getUint32(off + 4, false) === dst_ip;
          break;

        case O_IP_DST_ME:
          if (is_ipv4) {
            match = in_localip(dst_ip);
            break;
          }
          match = is_ipv6 && ipfw_localip6(args.f_id.dst_ip6);
          break;
        case O_IP6_DST_ME:
          match = is_ipv6 && ipfw_localip6(args.f_id.dst_ip6);
          break;

        case O_IP_SRCPORT:
        case O_IP_DSTPORT:
          if ((proto === IPPROTO_UDP || proto === IPPROTO_UDPLITE || proto === IPPROTO_TCP || proto === IPPROTO_SCTP) && offset === 0) {
            const x = opcode === O_IP_SRCPORT ? src_port : dst_port;
            for (let i = cmdlen - 1, p = off + 4; !match && i > 0; i--, p += 4) {
              match = x >= cmdv.getUint16(p, true) && x <= cmdv.getUint16(p + 2, true);
            }
          }
          break;

        case O_ICMPTYPE:
          match = offset === 0 && proto === IPPROTO_ICMP && ulp >= 0 && icmptype_match(b[ulp], cmdv.getUint32(off + 4, true));
          break;

        case O_ICMP6TYPE:
          match = is_ipv6 && offset === 0 && proto === IPPROTO_ICMPV6 && icmp6_type <= ICMP6_MAXTYPE && (cmdv.getUint32(off + 4 + (icmp6_type >> 5) * 4, true) & (1 << (icmp6_type & 31))) !== 0;
          break;

        case O_IPOPT:
          match = is_ipv4 && ipopts_match(b, ipo, arg1);
          break;

        case O_IPVER:
          match = (is_ipv4 || is_ipv6) && arg1 === b[ipo] >> 4;
          break;

        case O_IPID:
        case O_IPTTL:
        case O_IPLEN: {
          if (opcode !== O_IPLEN && !is_ipv4) break;
          let x: number;
          if (opcode === O_IPLEN) x = iplen & 0xffff;
          else if (opcode === O_IPTTL) x = b[ipo + IPH_TTL];
          else x = dv.getUint16(ipo + IPH_ID);
          if (cmdlen === 1) {
            match = arg1 === x;
            break;
          }
          for (let i = cmdlen - 1, p = off + 4; !match && i > 0; i--, p += 4) match = x >= cmdv.getUint16(p, true) && x <= cmdv.getUint16(p + 2, true);
          break;
        }

        case O_IPPRECEDENCE:
          match = is_ipv4 && arg1 === (b[ipo + IPH_TOS] & 0xe0);
          break;

        case O_IPTOS:
          match = is_ipv4 && flags_match(arg1, b[ipo + IPH_TOS]);
          break;

        case O_DSCP: {
          let x: number;
          if (is_ipv4) x = b[ipo + IPH_TOS] >> 2;
          else if (is_ipv6) x = ((b[ipo] & 0x0f) << 2) | (b[ipo + 1] >> 6);
          else break;
          if (x >= 32) match = (cmdv.getUint32(off + 8, true) & (1 << (x - 32))) !== 0;
          else match = (cmdv.getUint32(off + 4, true) & (1 << x)) !== 0;
          break;
        }

        case O_TCPDATALEN:
          if (proto === IPPROTO_TCP && offset === 0 && ulp >= 0) {
            let x: number;
            if (is_ipv6) {
              if (dv.getUint16(ipo + IP6_OFF_PLEN) === 0) break;
              x = iplen - hlen;
            } else x = iplen - ((b[ipo + IPH_VHL] & 0x0f) << 2);
            x -= (b[ulp + TCPH_OFFX2] >> 4) << 2;
            x &= 0xffff;
            if (cmdlen === 1) {
              match = arg1 === x;
              break;
            }
            for (let i = cmdlen - 1, p = off + 4; !match && i > 0; i--, p += 4) match = x >= cmdv.getUint16(p, true) && x <= cmdv.getUint16(p + 2, true);
          }
          break;

        case O_TCPFLAGS:
          match = proto === IPPROTO_TCP && offset === 0 && ulp >= 0 && flags_match(arg1, b[ulp + TCPH_FLAGS]);
          break;

        case O_TCPOPTS:
          if (proto === IPPROTO_TCP && offset === 0 && ulp >= 0) {
            pm = pullup_to(fr, args, hlen, (b[ulp + TCPH_OFFX2] >> 4) << 2);
            if (pm === null) return pullup_failed();
            m = pm;
            ({ b, dv, ipo, ulp } = fr);
            match = flags_match(arg1, tcpopts_parse(b, dv, ulp));
          }
          break;

        case O_TCPSEQ:
          match = proto === IPPROTO_TCP && offset === 0 && ulp >= 0 && cmdv.getUint32(off + 4, false) === dv.getUint32(ulp + TCPH_SEQ);
          break;

        case O_TCPACK:
          match = proto === IPPROTO_TCP && offset === 0 && ulp >= 0 && cmdv.getUint32(off + 4, false) === dv.getUint32(ulp + TCPH_ACK);
          break;

        case O_TCPMSS:
          if (proto === IPPROTO_TCP && (args.f_id._flags & TH_SYN) !== 0 && ulp >= 0) {
            pm = pullup_to(fr, args, hlen, (b[ulp + TCPH_OFFX2] >> 4) << 2);
            if (pm === null) return pullup_failed();
            m = pm;
            ({ b, dv, ipo, ulp } = fr);
            if ((tcpopts_parse(b, dv, ulp) & IP_FW_TCPOPT_MSS) === 0) break;
            const mss = tcp_mss.v;
            if (cmdlen === 1) {
              match = arg1 === mss;
              break;
            }
            for (let i = cmdlen - 1, p = off + 4; !match && i > 0; i--, p += 4) match = mss >= cmdv.getUint16(p, true) && mss <= cmdv.getUint16(p + 2, true);
          }
          break;

        case O_TCPWIN:
          if (proto === IPPROTO_TCP && offset === 0 && ulp >= 0) {
            const x = dv.getUint16(ulp + TCPH_WIN);
            if (cmdlen === 1) {
              match = arg1 === x;
              break;
            }
            for (let i = cmdlen - 1, p = off + 4; !match && i > 0; i--, p += 4) match = x >= cmdv.getUint16(p, true) && x <= cmdv.getUint16(p + 2, true);
          }
          break;

        case O_ESTAB:
          match = proto === IPPROTO_TCP && offset === 0 && ulp >= 0 && (b[ulp + TCPH_FLAGS] & (TH_RST | TH_ACK | TH_SYN)) !== TH_SYN;
          break;

        case O_ALTQ:
          // No ALTQ: the classification has nowhere to go.
          match = true;
          break;

        case O_LOG:
          ipfw_log(chain, f, hlen, args, offset | ip6f_mf, tablearg, ipo);
          match = true;
          break;

        case O_PROB:
          match = random() < cmdv.getUint32(off + 4, true);
          break;

        case O_VERREVPATH:
          match = (args.flags & IPFW_ARGS_OUT) !== 0 || (is_ipv6 ? verify_path6(args.f_id.src_ip6, iif, args.f_id.fib) : verify_path(src_ip, iif, args.f_id.fib));
          break;

        case O_VERSRCREACH:
          match = hlen > 0 && (oif !== null || (is_ipv6 ? verify_path6(args.f_id.src_ip6, null, args.f_id.fib) : verify_path(src_ip, null, args.f_id.fib)));
          break;

        case O_ANTISPOOF:
          if (oif === null && hlen > 0 && ((is_ipv4 && in_localaddr(src_ip) !== 0) || (is_ipv6 && in6_localaddr(v6_of(args.f_id.src_ip6))))) {
            match = is_ipv6 ? verify_path6(args.f_id.src_ip6, iif, args.f_id.fib) : verify_path(src_ip, iif, args.f_id.fib);
          } else match = true;
          break;

        case O_IPSEC:
          // No IPsec: no packet has IPsec history.
          break;

        case O_IP6_SRC:
          match = is_ipv6 && eq16(args.f_id.src_ip6, cmdb, off + 4);
          break;
        case O_IP6_DST:
          match = is_ipv6 && eq16(args.f_id.dst_ip6, cmdb, off + 4);
          break;
        case O_IP6_SRC_MASK:
        case O_IP6_DST_MASK:
          if (is_ipv6) {
            const a = opcode === O_IP6_SRC_MASK ? args.f_id.src_ip6 : args.f_id.dst_ip6;
            for (let i = cmdlen - 1, p = off + 4; !match && i > 0; i -= 8, p += 32) {
              match = true;
              for (let k = 0; k < 16 && match; k++) if ((a[k] & cmdb[p + 16 + k]) !== cmdb[p + k]) match = false;
            }
          }
          break;
        case O_FLOW6ID:
          if (is_ipv6) {
            for (let i = 0; i <= arg1 && !match; i++) match = args.f_id.flow_id6 === cmdv.getUint32(off + 4 + i * 4, true);
          }
          break;
        case O_EXT_HDR:
          match = is_ipv6 && (ext_hd & arg1) !== 0;
          break;
        case O_IP6:
          match = is_ipv6;
          break;
        case O_IP4:
          match = is_ipv4;
          break;

        case O_TAG: {
          const tag = IP_FW_ARG_TABLEARG(chain, arg1, "tag", tablearg);
          tag_want = tag;
          const mtag = m_tag_locate(m, is_tag_mtag, null);
          if ((cmdb[off + 1] & F_NOT) !== 0) {
            if (mtag !== null) m_tag_delete(m, mtag);
            match = false;
          } else {
            if (mtag === null) m_tag_prepend(m, new ipfw_tag_mtag(tag));
            match = true;
          }
          break;
        }

        case O_FIB:
          if (args.f_id.fib === arg1) match = true;
          break;

        case O_SOCKARG:
          // No SO_USER_COOKIE: no socket carries a cookie.
          break;

        case O_TAGGED: {
          const tag = IP_FW_ARG_TABLEARG(chain, arg1, "tag", tablearg);
          if (cmdlen === 1) {
            tag_want = tag;
            match = m_tag_locate(m, is_tag_mtag, null) !== null;
            break;
          }
          const tags = m.m_pkthdr.tags;
          if (tags === null) break;
          for (let t = 0; t < tags.length && !match; t++) {
            const mt = tags[t];
            if (!is_any_tag_mtag(mt)) continue;
            for (let i = cmdlen - 1, p = off + 4; !match && i > 0; i--, p += 4) match = mt.m_tag_id >= cmdv.getUint16(p, true) && mt.m_tag_id <= cmdv.getUint16(p + 2, true);
          }
          break;
        }

        case O_MARK: {
          // The packet's mark lives in args.rule (it travels with the
          // packet through dummynet's tag, as FreeBSD's pkt_mark does).
          const mask = cmdv.getUint32(off + 8, true);
          const mark = arg1 === IP_FW_TARG ? (TARG_VAL !== null ? TARG_VAL(chain, tablearg, "mark") : 0) : cmdv.getUint32(off + 4, true);
          match = ((args.rule.pkt_mark & mask) >>> 0) === ((mark & mask) >>> 0);
          break;
        }

        // Actions.
        case O_LIMIT:
        case O_KEEP_STATE:
          if (ipfw_dyn_install_state === null || ipfw_dyn_install_state(chain, f, cmdv, off, args, ulp, pktlen, dyn_info, tablearg) !== 0) {
            retval = IP_FW_DENY;
            l = 0;
            done = true;
          }
          match = true;
          break;

        case O_PROBE_STATE:
        case O_CHECK_STATE:
          if (ipfw_dyn_lookup_state !== null && DYN_LOOKUP_NEEDED(dyn_info, arg1)) {
            q = ipfw_dyn_lookup_state(args, ulp, pktlen, cmdv, off, dyn_info);
            if (q !== null) {
              f = q;
              f_pos = dyn_info.f_pos;
              cmdb = f.cmd;
              cmdv = f.cmdv;
              off = ACTION_PTR(f);
              l = f.cmd_len - f.act_ofs;
              cmdlen = 0;
              match = true;
              break;
            }
          }
          if (opcode === O_CHECK_STATE) l = 0;
          match = true;
          break;

        case O_SKIP_ACTION:
          match = false;
          l = 0;
          break;

        case O_ACCEPT:
          retval = 0;
          l = 0;
          done = true;
          break;

        case O_PIPE:
        case O_QUEUE:
          set_match(args, f_pos, chain);
          args.rule.info = IP_FW_ARG_TABLEARG(chain, arg1, "pipe", tablearg);
          if (opcode === O_PIPE) args.rule.info |= IPFW_IS_PIPE;
          if (V_fw_one_pass() !== 0) args.rule.info |= IPFW_ONEPASS;
          retval = IP_FW_DUMMYNET;
          l = 0;
          done = true;
          break;

        case O_DIVERT:
        case O_TEE:
          if (is_ether) break;
          l = 0;
          done = true;
          retval = opcode === O_DIVERT ? IP_FW_DIVERT : IP_FW_TEE;
          set_match(args, f_pos, chain);
          args.rule.info = IP_FW_ARG_TABLEARG(chain, arg1, "divert", tablearg);
          break;

        case O_COUNT:
          IPFW_INC_RULE_COUNTER(f, pktlen, time_uptime());
          l = 0;
          break;

        case O_SKIPTO:
          IPFW_INC_RULE_COUNTER(f, pktlen, time_uptime());
          f_pos = jump_fast(chain, f, arg1, tablearg, false);
          while (f_pos < chain.n_rules - 1 && (set_dis & (1 << chain.map[f_pos].set)) !== 0) f_pos++;
          f = chain.map[f_pos];
          cmdb = f.cmd;
          cmdv = f.cmdv;
          l = f.cmd_len;
          off = 0;
          cmdlen = 0;
          skip_or = false;
          continue;

        case O_CALLRETURN: {
          const is_call = (cmdb[off + 1] & F_NOT) === 0;
          let mtag = m_tag_locate(m, is_call_mtag, null);
          if (mtag === null && is_call) {
            mtag = new ipfw_call_mtag();
            m_tag_prepend(m, mtag);
          }
          if (!is_call && (mtag === null || mtag.m_tag_id === 0)) {
            l = 0;
            break;
          }
          if (is_call && (mtag === null || mtag.m_tag_id >= IPFW_CALLSTACK_SIZE)) {
            printf("ipfw: call stack error, go to next rule\n");
            l = 0;
            break;
          }
          if (mtag === null) break;
          IPFW_INC_RULE_COUNTER(f, pktlen, time_uptime());
          if (is_call) {
            mtag.stack[mtag.m_tag_id] = f.rulenum;
            mtag.m_tag_id++;
            f_pos = jump_fast(chain, f, arg1, tablearg, true);
          } else {
            mtag.m_tag_id--;
            const jmpto = mtag.stack[mtag.m_tag_id] + 1;
            f_pos = ipfw_find_rule(chain, jmpto, 0);
          }
          while (f_pos < chain.n_rules - 1 && (set_dis & (1 << chain.map[f_pos].set)) !== 0) f_pos++;
          f = chain.map[f_pos];
          cmdb = f.cmd;
          cmdv = f.cmdv;
          l = f.cmd_len;
          off = 0;
          cmdlen = 0;
          skip_or = false;
          continue;
        }

        case O_REJECT:
        case O_UNREACH6:
        case O_DENY:
          if (opcode === O_REJECT && hlen > 0 && is_ipv4 && offset === 0 && (proto !== IPPROTO_ICMP || (ulp >= 0 && is_icmp_query(b[ulp]))) && (m.m_flags & (M_BCAST | M_MCAST)) === 0 && !IN_MULTICAST(dst_ip)) {
            send_reject(args, arg1, ipo);
            if (args.m !== null) m = args.m;
          }
          if ((opcode === O_REJECT || opcode === O_UNREACH6) && args.m !== null && hlen > 0 && is_ipv6 && (offset & IP6F_OFF_MASK) === 0 && (proto !== IPPROTO_ICMPV6 || is_icmp6_query(icmp6_type)) && (m.m_flags & (M_BCAST | M_MCAST)) === 0 && args.f_id.dst_ip6[0] !== 0xff) {
            send_reject6(args, opcode === O_REJECT ? map_icmp_unreach(arg1) : arg1, hlen, ipo);
            if (args.m !== null) m = args.m;
          }
          retval = IP_FW_DENY;
          l = 0;
          done = true;
          break;

        case O_FORWARD_IP:
          if (is_ether) break;
          if (q !== f || dyn_info.direction === MATCH_FORWARD) {
            // The port is stored unconverted (host order), as ipfw(8)
            // writes it and FreeBSD's sa->sin_port holds it.
            const sin_port = cmdv.getUint16(off + insn_sa_sa + 2, true);
            const sin_addr = cmdv.getUint32(off + insn_sa_sa + 4, false);
            if (sin_addr === INADDR_ANY) {
              if (is_ipv6) {
                args.flags |= IPFW_ARGS_NH6;
                args.hopstore6.sin6_port = sin_port;
                args.hopstore6.sin6_addr.fill(0);
                args.hopstore6.sin6_scope_id = TARG_VAL !== null ? TARG_VAL(chain, tablearg, "zoneid") : 0;
              } else {
                args.flags |= IPFW_ARGS_NH4;
                args.hopstore.sin_port = sin_port;
                args.hopstore.sin_addr = TARG_VAL !== null ? TARG_VAL(chain, tablearg, "nh4") >>> 0 : tablearg >>> 0;
              }
            } else {
              args.flags |= IPFW_ARGS_NH4PTR;
              args.hopstore.sin_port = sin_port;
              args.hopstore.sin_addr = sin_addr;
            }
          }
          retval = IP_FW_PASS;
          l = 0;
          done = true;
          break;

        case O_FORWARD_IP6:
          if (is_ether) break;
          if (q !== f || dyn_info.direction === MATCH_FORWARD) {
            args.flags |= IPFW_ARGS_NH6PTR;
            args.hopstore6.sin6_addr.set(cmdb.subarray(off + insn_sa6_sa + 8, off + insn_sa6_sa + 24));
            args.hopstore6.sin6_port = cmdv.getUint16(off + insn_sa6_sa + 2, true);
            args.hopstore6.sin6_scope_id = cmdv.getUint32(off + insn_sa6_sa + 24, true);
          }
          retval = IP_FW_PASS;
          l = 0;
          done = true;
          break;

        case O_NETGRAPH:
        case O_NGTEE:
          set_match(args, f_pos, chain);
          args.rule.info = IP_FW_ARG_TABLEARG(chain, arg1, "netgraph", tablearg);
          if (V_fw_one_pass() !== 0) args.rule.info |= IPFW_ONEPASS;
          retval = opcode === O_NETGRAPH ? IP_FW_NETGRAPH : IP_FW_NGTEE;
          l = 0;
          done = true;
          break;

        case O_SETFIB: {
          IPFW_INC_RULE_COUNTER(f, pktlen, time_uptime());
          let fib = IP_FW_ARG_TABLEARG(chain, arg1, "fib", tablearg) & 0x7fff;
          if (fib >= V_rt_numfibs()) fib = 0;
          M_SETFIB(m, fib);
          args.f_id.fib = fib;
          l = 0;
          break;
        }

        case O_SETDSCP: {
          const code = IP_FW_ARG_TABLEARG(chain, arg1, "dscp", tablearg) & 0x3f;
          l = 0;
          if (is_ipv4) {
            const old = dv.getUint16(ipo);
            b[ipo + IPH_TOS] = (code << 2) | (b[ipo + IPH_TOS] & 0x03);
            dv.setUint16(ipo + IPH_SUM, cksum_adjust(dv.getUint16(ipo + IPH_SUM), old, dv.getUint16(ipo)));
          } else if (is_ipv6) {
            b[ipo] = (b[ipo] & 0xf0) | (code >> 2);
            b[ipo + 1] = (b[ipo + 1] & 0x3f) | ((code & 0x03) << 6);
          } else break;
          IPFW_INC_RULE_COUNTER(f, pktlen, time_uptime());
          break;
        }

        case O_SETMARK:
          l = 0;
          args.rule.pkt_mark = (arg1 === IP_FW_TARG ? (TARG_VAL !== null ? TARG_VAL(chain, tablearg, "mark") : 0) : cmdv.getUint32(off + 4, true)) >>> 0;
          IPFW_INC_RULE_COUNTER(f, pktlen, time_uptime());
          break;

        case O_NAT: {
          l = 0;
          done = true;
          if (!is_ipv4 || !IPFW_NAT_LOADED() || ipfw_nat_ptr === null || lookup_nat_ptr === null) {
            retval = IP_FW_DENY;
            break;
          }
          args.rule.info = 0;
          set_match(args, f_pos, chain);
          let t: cfg_nat_ref | null;
          if (arg1 === IP_FW_NAT44_GLOBAL) {
            retval = ipfw_nat_ptr(args, NAT_GLOBAL, m);
            break;
          }
          const nat_id = IP_FW_ARG_TABLEARG(chain, arg1, "nat", tablearg);
          t = lookup_nat_ptr(chain.nat, nat_id);
          if (t === null) {
            retval = IP_FW_DENY;
            break;
          }
          retval = ipfw_nat_ptr(args, t, m);
          break;
        }

        case O_REASS: {
          l = 0;
          if (is_ipv6) break;
          IPFW_INC_RULE_COUNTER(f, pktlen, time_uptime());
          const ip_off = dv.getUint16(ipo + IPH_OFF);
          if ((ip_off & (IP_MF | IP_OFFMASK)) === 0) break;
          const r = ip_reass(m);
          args.m = r;
          if (r === null) {
            retval = IP_FW_DENY;
          } else {
            m = r;
            const rip = r.m_data;
            const rhlen = (r.m_buf[rip + IPH_VHL] & 0x0f) << 2;
            r.m_dv.setUint16(rip + IPH_SUM, 0);
            r.m_dv.setUint16(rip + IPH_SUM, rhlen === IP_HDRLEN ? in_cksum_hdr(r) : in_cksum(r, rhlen));
            retval = IP_FW_REASS;
            args.rule.info = 0;
            set_match(args, f_pos, chain);
          }
          done = true;
          break;
        }

        case O_EXTERNAL_ACTION:
          // Refused by check_ipfw_rule_body: no external actions here.
          l = 0;
          break;

        default:
          printf(`-- unknown opcode ${opcode}\n`);
          retval = IP_FW_DENY;
          l = 0;
          done = true;
          break;
      }

      // With l == 0 the match no longer matters; the flags are those of the
      // instruction we are at now (a state jump moved us to its action).
      const flen = cmdb[off + 1];
      if ((flen & F_NOT) !== 0) match = !match;
      if (match) {
        if ((flen & F_OR) !== 0) skip_or = true;
      } else if ((flen & F_OR) === 0) break;
    }
    if (done) break;
  }

  if (done) {
    IPFW_INC_RULE_COUNTER(chain.map[f_pos], pktlen, time_uptime());
  } else {
    retval = IP_FW_DENY;
    printf("ipfw: ouch!, skip past end of rules, denying packet\n");
  }
  return retval;
}

/** The instance ipfw_nat gets for "nat global" (FreeBSD passes NULL). */
const NAT_GLOBAL: cfg_nat_ref = { id: IP_FW_NAT44_GLOBAL };

function pullup_failed(): number {
  if (V_fw_verbose() !== 0) printf("ipfw: pullup failed\n");
  return IP_FW_DENY;
}

function eq16(a: Uint8Array, b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[off + i]) return false;
  return true;
}

function v6_of(a: Uint8Array): in6_addr {
  v6_src.s6_addr.set(a);
  return v6_src;
}

// ---------------------------------------------------------------------------
// Sysctls: net.inet.ip.fw.*, net.inet6.ip6.fw.*; registered while the module
// is loaded.

const dummy_def = IPFW_DEFAULT_RULE;
let fw_oids: sysctl_oid[] = [];

const sysctl_ipfw_table_num: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const v = kvar_of(V_fw_tables_max());
  const error = sysctl_handle_int(oidp, v, 0, req);
  if (error !== 0 || req.newval === null) return error;
  const ch = V_layer3_chain();
  if (ch === null || ipfw_resize_tables === null) {
    VNET_I32_SET(fw_tables_max, v.v);
    return 0;
  }
  return ipfw_resize_tables(ch, v.v);
};

const sysctl_ipfw_tables_sets: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const v = kvar_of(VNET_I32(fw_tables_sets));
  const error = sysctl_handle_int(oidp, v, 0, req);
  if (error !== 0 || req.newval === null) return error;
  const ch = V_layer3_chain();
  if (ch === null || ipfw_switch_tables_namespace === null) {
    VNET_I32_SET(fw_tables_sets, v.v);
    return 0;
  }
  return ipfw_switch_tables_namespace(ch, v.v);
};

/** static_count: FreeBSD points the sysctl at V_layer3_chain.n_rules. */
const sysctl_ipfw_static_count: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  const ch = V_layer3_chain();
  return sysctl_handle_int(oidp, kvar_of(ch === null ? 0 : ch.n_rules), 0, req);
};

let _net_inet_ip_fw: sysctl_oid | null = null;
let _net_inet6_ip6_fw: sysctl_oid | null = null;

/** The net.inet.ip.fw node (ip_fw_pfil.ts and the other parts hang theirs on it). */
export function net_inet_ip_fw(): sysctl_oid | null {
  return _net_inet_ip_fw;
}
export function net_inet6_ip6_fw(): sysctl_oid | null {
  return _net_inet6_ip6_fw;
}

function ipfw_sysctl_attach(): void {
  const fw = SYSCTL_NODE(_net_inet_ip, OID_AUTO, "fw", CTLFLAG_RW, null, "Firewall");
  _net_inet_ip_fw = fw;
  fw_oids = [
    SYSCTL_INT(fw, OID_AUTO, "one_pass", CTLFLAG_VNET | CTLFLAG_RW, fw_one_pass, 0, "Only do a single pass through ipfw when using dummynet(4)"),
    SYSCTL_INT(fw, OID_AUTO, "autoinc_step", CTLFLAG_VNET | CTLFLAG_RW, autoinc_step, 0, "Rule number auto-increment step"),
    SYSCTL_INT(fw, OID_AUTO, "verbose", CTLFLAG_VNET | CTLFLAG_RW, fw_verbose, 0, "Log matches to ipfw rules"),
    SYSCTL_INT(fw, OID_AUTO, "verbose_limit", CTLFLAG_VNET | CTLFLAG_RW, verbose_limit, 0, "Set upper limit of matches of ipfw rules logged"),
    SYSCTL_UINT(fw, OID_AUTO, "default_rule", CTLFLAG_RD, null, dummy_def, "The default/max possible rule number."),
    SYSCTL_PROC(fw, OID_AUTO, "tables_max", CTLFLAG_VNET | CTLTYPE_UINT | CTLFLAG_RW, null, 0, sysctl_ipfw_table_num, "IU", "Maximum number of concurrently used tables"),
    SYSCTL_PROC(fw, OID_AUTO, "tables_sets", CTLFLAG_VNET | CTLTYPE_UINT | CTLFLAG_RW, null, 0, sysctl_ipfw_tables_sets, "IU", "Use per-set namespace for tables"),
    SYSCTL_INT(fw, OID_AUTO, "default_to_accept", CTLFLAG_RDTUN, null, default_to_accept, "Make the default rule accept all packets."),
    SYSCTL_PROC(fw, OID_AUTO, "static_count", CTLFLAG_VNET | CTLFLAG_RD | CTLTYPE_INT, null, 0, sysctl_ipfw_static_count, "I", "Number of static rules"),
  ];
  const fw6 = SYSCTL_NODE(_net_inet6_ip6, OID_AUTO, "fw", CTLFLAG_RW, null, "Firewall");
  _net_inet6_ip6_fw = fw6;
  fw_oids.push(
    SYSCTL_INT(fw6, OID_AUTO, "deny_unknown_exthdrs", CTLFLAG_VNET | CTLFLAG_RW, fw_deny_unknown_exthdrs, 0, "Deny packets with unknown IPv6 Extension Headers"),
    SYSCTL_INT(fw6, OID_AUTO, "permit_single_frag6", CTLFLAG_VNET | CTLFLAG_RW, fw_permit_single_frag6, 0, "Permit single packet IPv6 fragments"),
  );
  ipfw_pfil_sysctl_attach(fw, fw6);
}

function ipfw_sysctl_detach(): void {
  ipfw_pfil_sysctl_detach();
  for (let i = fw_oids.length - 1; i >= 0; i--) sysctl_unregister_oid(fw_oids[i]);
  fw_oids = [];
  if (_net_inet6_ip6_fw !== null) sysctl_unregister_oid(_net_inet6_ip6_fw);
  if (_net_inet_ip_fw !== null) sysctl_unregister_oid(_net_inet_ip_fw);
  _net_inet6_ip6_fw = null;
  _net_inet_ip_fw = null;
}

// ---------------------------------------------------------------------------
// Module and vnet glue.

/** ipfw_init: once, when the module loads. */
function ipfw_init(): number {
  // The loader's tunables (kenv), read as the module's sysctls register.
  const dta = kvar_of(default_to_accept);
  if (TUNABLE_INT_FETCH("net.inet.ip.fw.default_to_accept", dta)) default_to_accept = dta.v !== 0 ? 1 : 0;
  const tmax = kvar_of(default_fw_tables);
  if (TUNABLE_INT_FETCH("net.inet.ip.fw.tables_max", tmax)) default_fw_tables = tmax.v;
  printf(`ipfw2 (+ipv6) initialized, divert loadable, nat loadable, default to ${default_to_accept !== 0 ? "accept" : "deny"}, logging `);
  // The values of the default vnet (the module loads outside any vnet).
  const verbose = VNET_VNET_I32(vnet0, fw_verbose);
  const vlimit = VNET_VNET_I32(vnet0, verbose_limit);
  if (verbose === 0) printf("disabled\n");
  else if (vlimit === 0) printf("unlimited\n");
  else printf(`limited to ${vlimit} packets/entry by default\n`);
  if (default_fw_tables > IPFW_TABLES_MAX) default_fw_tables = IPFW_TABLES_MAX;
  ipfw_init_sopt_handler();
  ipfw_init_obj_rewriter();
  for (const h of ipfw_module_hooks) h.init?.();
  ipfw_sysctl_attach();
  return 0;
}

/** ipfw_destroy: the module goes. */
function ipfw_destroy(): void {
  ipfw_sysctl_detach();
  for (let i = ipfw_module_hooks.length - 1; i >= 0; i--) ipfw_module_hooks[i].destroy?.();
  ipfw_destroy_sopt_handler();
  ipfw_destroy_obj_rewriter();
  printf("IP firewall unloaded\n");
}

/**
 * Module-wide init/destroy of the parts compiled into ipfw.ko beside the
 * core (ip_fw_iface.c's ipfw_iface_init, ...): they register here, and are
 * called from ipfw_init / ipfw_destroy in registration order (reverse on
 * destroy).
 */
export interface ipfw_module_hook {
  init?: () => void;
  destroy?: () => void;
}
const ipfw_module_hooks: ipfw_module_hook[] = [];
export function ipfw_register_module_hook(h: ipfw_module_hook): void {
  ipfw_module_hooks.push(h);
}

/** vnet_ipfw_init: a vnet gets its chain, default rule and hooks. */
function vnet_ipfw_init(): void {
  const chain = new ip_fw_chain();
  V_layer3_chain_set(chain);
  const first = IS_DEFAULT_VNET(curvnet) ? 1 : 0;
  VNET_I32_SET(autoinc_step, 100);
  VNET_I32_SET(fw_deny_unknown_exthdrs, 1);
  ipfw_init_srv(chain);
  VNET_I32_SET(fw_tables_max, default_fw_tables);
  if (ipfw_init_tables !== null && ipfw_init_tables(chain, first) !== 0) {
    printf("ipfw2: setting up tables failed\n");
    V_layer3_chain_set(null);
    return;
  }
  const rule = ipfw_alloc_rule(chain, 1);
  rule.flags |= IPFW_RULE_NOOPT;
  rule.cmd[0] = default_to_accept !== 0 ? O_ACCEPT : O_DENY;
  rule.cmd[1] = 1;
  chain.default_rule = rule;
  ipfw_add_protected_rule(chain, rule);
  if (ipfw_dyn_init !== null) ipfw_dyn_init(chain);
  ipfw_init_skipto_cache(chain);
  ipfw_bpf_init(first);
  VNET_I32_SET(ipfw_vnet_ready, 1);
  V_ip_fw_ctl_ptr_set(ipfw_ctl3);
  ipfw_attach_hooks();
}

/** vnet_ipfw_uninit: the vnet (or the module) goes. */
function vnet_ipfw_uninit(): void {
  const chain = V_layer3_chain();
  VNET_I32_SET(ipfw_vnet_ready, 0);
  ipfw_detach_hooks();
  V_ip_fw_ctl_ptr_set(null);
  if (chain === null) return;
  const last = IS_DEFAULT_VNET(curvnet) ? 1 : 0;
  if (ipfw_dyn_uninit !== null) ipfw_dyn_uninit(0);
  const reap: ip_fw[] = [];
  for (let i = 0; i < chain.n_rules; i++) ipfw_reap_add(chain, reap, chain.map[i]);
  chain.map = [];
  chain.n_rules = 0;
  chain.idxmap = null;
  if (ipfw_destroy_tables !== null) ipfw_destroy_tables(chain, last);
  ipfw_reap_rules(reap);
  ipfw_destroy_srv(chain);
  if (ipfw_dyn_uninit !== null) ipfw_dyn_uninit(1);
  ipfw_bpf_uninit(last);
  V_layer3_chain_set(null);
}

let vs_init: vnet_sysinit | null = null;
let vs_uninit: vnet_sysinit | null = null;
let ipfw_loaded = false;

/** The order ipfw's pieces start in at SI_SUB_PROTO_FIREWALL. */
const IPFW_MODEVENT_ORDER = SI_ORDER_ANY - 255;
const IPFW_VNET_ORDER = IPFW_MODEVENT_ORDER + 2;

/**
 * ipfw_modevent: FreeBSD does its work in the SYSINITs of ipfw.ko that run
 * after the module event; here the module's load runs them: ipfw_init,
 * then vnet_ipfw_init on every vnet (and on every vnet made later).
 */
function ipfw_modevent(_mod: module, type: number): number {
  switch (type) {
    case MOD_LOAD: {
      if (ipfw_loaded) return 0;
      const e = ipfw_init();
      if (e !== 0) return e;
      ipfw_loaded = true;
      vs_uninit = VNET_SYSUNINIT("vnet_ipfw_uninit", SI_SUB_PROTO_FIREWALL, IPFW_VNET_ORDER, vnet_ipfw_uninit);
      vs_init = VNET_SYSINIT("vnet_ipfw_init", SI_SUB_PROTO_FIREWALL, IPFW_VNET_ORDER, vnet_ipfw_init);
      return VNET_VNET_PTR(vnet0, layer3_chain_slot()) === null ? ENOSPC : 0;
    }
    case MOD_QUIESCE:
      return 0;
    case MOD_UNLOAD:
      if (!ipfw_loaded) return 0;
      if (VIMAGE) {
        if (vs_init !== null) vnet_deregister_sysinit(vs_init);
        if (vs_uninit !== null) vnet_deregister_sysuninit(vs_uninit);
      } else vnet_ipfw_uninit();
      vs_init = vs_uninit = null;
      ipfw_destroy();
      ipfw_loaded = false;
      return 0;
    case MOD_SHUTDOWN:
      return 0;
    default:
      return EINVAL;
  }
}

/** Is ipfw.ko loaded (the module's SYSINITs have run)? */
export function ipfw_is_loaded(): boolean {
  return ipfw_loaded;
}

DECLARE_MODULE({ name: "ipfw", evhand: ipfw_modevent, priv: null }, SI_SUB_PROTO_FIREWALL, IPFW_MODEVENT_ORDER, "ipfw.ko");
MODULE_VERSION("ipfw", 3, "ipfw.ko");
