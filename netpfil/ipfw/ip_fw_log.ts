// sys/netpfil/ipfw/ip_fw_log.c (FreeBSD 14): what a "log" rule does.  With
// net.inet.ip.fw.verbose set, a line for the kernel log ("ipfw: 100 Deny
// ICMP:8.0 192.0.2.1 192.0.2.2 in via epair0b"), limited per rule by the
// rule's logamount (verbose_limit is its default); with verbose off, the
// packet goes to the bpf listeners of the ipfw0 interface (ip_fw_bpf.c),
// behind a fake Ethernet header for layer-3 packets.
//
// Logging builds its text with template strings, as FreeBSD's snprintf
// does into stack buffers: it is not on the path of packets no rule logs.

import { log } from "../../kern/subr_prf.ts";
import type { mbuf } from "../../kern/mbuf.ts";
import { F_LEN_MASK, F_NOT, ICMP6_UNREACH_ABORT, ICMP6_UNREACH_RST, ICMP_REJECT_ABORT, ICMP_REJECT_RST, O_ACCEPT, O_ALTQ, O_CALLRETURN, O_COUNT, O_DENY, O_DIVERT, O_EXTERNAL_ACTION, O_FORWARD_IP, O_FORWARD_IP6, O_NAT, O_NETGRAPH, O_NGTEE, O_PIPE, O_PROB, O_QUEUE, O_REASS, O_REJECT, O_SETDSCP, O_SETFIB, O_SKIPTO, O_TAG, O_TEE, O_UNREACH6, insn_log_log_left, insn_log_max_log, insn_sa6_sa, insn_sa_sa } from "../../netinet/ip_fw.ts";
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, inet_ntoa } from "../../netinet/in.ts";
import { ICMP_UNREACH_HOST, IPH_DST, IPH_ID, IPH_LEN, IPH_OFF, IPH_SRC, IPH_VHL, IP_MF, IP_OFFMASK } from "../../netinet/ip.ts";
import { IPPROTO_ICMPV6 } from "../../netinet/icmp6.ts";
import { IP6F_MORE_FRAG, IP6F_OFF_MASK, IP6_OFF_PLEN } from "../../netinet/ip6.ts";
import { in6_addr, ip6_sprintf } from "../../netinet6/in6_var.ts";
import { VNET_I32, VNET_U64, VNET_U64_ADD } from "../../net/vnet.ts";
import { ACTION_PTR, IPFW_ARGS_ETHER, IPFW_ARGS_OUT, IP_FW_ARG_TABLEARG, V_fw_verbose, norule_counter, verbose_limit, type ip_fw, type ip_fw_args, type ip_fw_chain } from "./ip_fw_private.ts";

const LOG_SECURITY = 13 << 3;
const LOG_INFO = 6;
const LOG_NOTICE = 5;
const IPPROTO_UDPLITE = 136;

/**
 * The bpf side (ip_fw_bpf.c): the ipfw0 interface's tap, set while the
 * interface exists.  `mtap` gets the packet (layer 2: as it is; layer 3:
 * behind the 14-byte fake Ethernet header given).
 */
export interface ipfw_bpf_tap {
  mtap(m: mbuf): void;
  mtap2(hdr: Uint8Array, m: mbuf): void;
}
let bpf_tap: ipfw_bpf_tap | null = null;
export function ipfw_set_bpf_tap(t: ipfw_bpf_tap | null): void {
  bpf_tap = t;
}

const fake_eh4 = new Uint8Array([0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x08, 0x00]);
const fake_eh6 = new Uint8Array([0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0x86, 0xdd]);
const fake_ehx = new Uint8Array([0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x53, 0x53, 0x53, 0x53, 0x53, 0x53, 0xff, 0xff]);

const a6 = new in6_addr();
function v6str(b: Uint8Array): string {
  a6.s6_addr.set(b);
  return ip6_sprintf(a6);
}

/**
 * ipfw_log(chain, f, hlen, args, offset, tablearg, ip): f is the rule (null
 * for a packet no rule took), ip the byte offset of the IP header in
 * args.m.m_buf, hlen 0 for a packet that is not IP.
 */
export function ipfw_log(chain: ip_fw_chain, f: ip_fw | null, hlen: number, args: ip_fw_args, offset: number, tablearg: number, ip: number): void {
  const m = args.m;
  if (m === null) return;
  if (V_fw_verbose() === 0) {
    if (bpf_tap === null) return;
    if ((args.flags & IPFW_ARGS_ETHER) !== 0) bpf_tap.mtap(m);
    else {
      const v = m.m_buf[ip] >> 4;
      bpf_tap.mtap2(v === 4 ? fake_eh4 : v === 6 ? fake_eh6 : fake_ehx, m);
    }
    return;
  }
  let limit_reached = 0;
  let action: string;
  if (f === null) {
    const lim = VNET_I32(verbose_limit);
    if (lim !== 0 && VNET_U64(norule_counter) >= lim) return;
    VNET_U64_ADD(norule_counter, 1);
    if (VNET_U64(norule_counter) === lim) limit_reached = lim;
    action = "Refuse";
  } else {
    const cb = f.cmd;
    const cv = f.cmdv;
    let off = ACTION_PTR(f);
    const max_log = cv.getUint32(off + insn_log_max_log, true);
    let left = cv.getUint32(off + insn_log_log_left, true);
    if (max_log !== 0 && left === 0) return;
    left = (left - 1) >>> 0;
    cv.setUint32(off + insn_log_log_left, left, true);
    if (left === 0) limit_reached = max_log;
    off += (cb[off + 1] & F_LEN_MASK) * 4;
    let action2 = "";
    if (cb[off] === O_ALTQ) {
      action2 = `Altq ${cv.getUint32(off + 4, true)}`;
      off += (cb[off + 1] & F_LEN_MASK) * 4;
    }
    if (cb[off] === O_PROB || cb[off] === O_TAG || cb[off] === O_SETDSCP) off += (cb[off + 1] & F_LEN_MASK) * 4;
    const arg1 = cv.getUint16(off + 2, true);
    action = action2;
    switch (cb[off]) {
      case O_DENY:
        action = "Deny";
        break;
      case O_REJECT:
        if (arg1 === ICMP_REJECT_RST) action = "Reset";
        else if (arg1 === ICMP_REJECT_ABORT) action = "Abort";
        else if (arg1 === ICMP_UNREACH_HOST) action = "Reject";
        else action = `Unreach ${arg1}`;
        break;
      case O_UNREACH6:
        if (arg1 === ICMP6_UNREACH_RST) action = "Reset";
        else if (arg1 === ICMP6_UNREACH_ABORT) action = "Abort";
        else action = `Unreach ${arg1}`;
        break;
      case O_ACCEPT:
        action = "Accept";
        break;
      case O_COUNT:
        action = "Count";
        break;
      case O_DIVERT:
        action = `Divert ${IP_FW_ARG_TABLEARG(chain, arg1, "divert", tablearg)}`;
        break;
      case O_TEE:
        action = `Tee ${IP_FW_ARG_TABLEARG(chain, arg1, "divert", tablearg)}`;
        break;
      case O_SETFIB:
        action = `SetFib ${IP_FW_ARG_TABLEARG(chain, arg1, "fib", tablearg) & 0x7fff}`;
        break;
      case O_SKIPTO:
        action = `SkipTo ${IP_FW_ARG_TABLEARG(chain, arg1, "skipto", tablearg)}`;
        break;
      case O_PIPE:
        action = `Pipe ${IP_FW_ARG_TABLEARG(chain, arg1, "pipe", tablearg)}`;
        break;
      case O_QUEUE:
        action = `Queue ${IP_FW_ARG_TABLEARG(chain, arg1, "pipe", tablearg)}`;
        break;
      case O_FORWARD_IP: {
        const a = cv.getUint32(off + insn_sa_sa + 4, false);
        // sin_port is printed as stored (network order), as FreeBSD does.
        const port = cv.getUint16(off + insn_sa_sa + 2, true);
        action = `Forward to ${inet_ntoa(a === 0 ? tablearg >>> 0 : a)}`;
        if (port !== 0) action += `:${port}`;
        break;
      }
      case O_FORWARD_IP6: {
        const port = cv.getUint16(off + insn_sa6_sa + 2, true);
        action = `Forward to [${v6str(cb.subarray(off + insn_sa6_sa + 8, off + insn_sa6_sa + 24))}]`;
        if (port !== 0) action += `:${port}`;
        break;
      }
      case O_NETGRAPH:
        action = `Netgraph ${arg1}`;
        break;
      case O_NGTEE:
        action = `Ngtee ${arg1}`;
        break;
      case O_NAT:
        action = "Nat";
        break;
      case O_REASS:
        action = "Reass";
        break;
      case O_CALLRETURN:
        if ((cb[off + 1] & F_NOT) !== 0) action = "Return";
        else action = `Call ${arg1}`;
        break;
      case O_EXTERNAL_ACTION:
        action = `Eaction ${arg1}`;
        break;
      default:
        action = "UNKNOWN";
        break;
    }
  }

  let proto = "";
  let fragment = "";
  if (hlen === 0) proto = "MAC";
  else {
    const b = m.m_buf;
    const dv = m.m_dv;
    let src: string;
    let dst: string;
    let l4: number;
    const ip6f_mf = offset & IP6F_MORE_FRAG;
    const is6 = args.f_id.addr_type === 6;
    if (is6) {
      offset &= IP6F_OFF_MASK;
      src = `[${v6str(args.f_id.src_ip6)}]`;
      dst = `[${v6str(args.f_id.dst_ip6)}]`;
      l4 = ip + hlen;
    } else {
      src = inet_ntoa(dv.getUint32(ip + IPH_SRC));
      dst = inet_ntoa(dv.getUint32(ip + IPH_DST));
      l4 = ip + ((b[ip + IPH_VHL] & 0x0f) << 2);
    }
    const have_l4 = l4 + 4 <= m.m_data + m.m_len;
    switch (args.f_id.proto) {
      case IPPROTO_TCP:
        proto = `TCP ${src}`;
        if (offset === 0 && have_l4) proto += `:${dv.getUint16(l4)} ${dst}:${dv.getUint16(l4 + 2)}`;
        else proto += ` ${dst}`;
        break;
      case IPPROTO_UDP:
      case IPPROTO_UDPLITE:
        proto = `UDP${args.f_id.proto === IPPROTO_UDP ? " " : "Lite "}${src}`;
        if (offset === 0 && have_l4) proto += `:${dv.getUint16(l4)} ${dst}:${dv.getUint16(l4 + 2)}`;
        else proto += ` ${dst}`;
        break;
      case IPPROTO_ICMP:
        if (offset === 0 && have_l4) proto = `ICMP:${b[l4]}.${b[l4 + 1]} `;
        else proto = "ICMP ";
        proto += `${src} ${dst}`;
        break;
      case IPPROTO_ICMPV6:
        if (offset === 0 && have_l4) proto = `ICMPv6:${b[l4]}.${b[l4 + 1]} `;
        else proto = "ICMPv6 ";
        proto += `${src} ${dst}`;
        break;
      default:
        proto = `P:${args.f_id.proto} ${src} ${dst}`;
        break;
    }
    if (is6) {
      if (offset !== 0 || ip6f_mf !== 0) {
        fragment = ` (frag ${(args.f_id.extra >>> 0).toString(16).padStart(8, "0")}:${dv.getUint16(ip + IP6_OFF_PLEN) - hlen}@${offset << 3}${ip6f_mf !== 0 ? "+" : ""})`;
      }
    } else {
      const ipoff = dv.getUint16(ip + IPH_OFF);
      const iplen = dv.getUint16(ip + IPH_LEN);
      if ((ipoff & (IP_MF | IP_OFFMASK)) !== 0) {
        fragment = ` (frag ${dv.getUint16(ip + IPH_ID)}:${iplen - ((b[ip + IPH_VHL] & 0x0f) << 2)}@${offset << 3}${(ipoff & IP_MF) !== 0 ? "+" : ""})`;
      }
    }
  }
  const ifname = args.ifp !== null ? args.ifp.if_xname : "";
  log(LOG_SECURITY | LOG_INFO, `ipfw: ${f !== null ? f.rulenum : -1} ${action} ${proto} ${(args.flags & IPFW_ARGS_OUT) !== 0 ? "out" : "in"} via ${ifname}${fragment}\n`);
  if (limit_reached !== 0) log(LOG_SECURITY | LOG_NOTICE, `ipfw: limit ${limit_reached} reached on entry ${f !== null ? f.rulenum : -1}\n`);
}
