// sys/netpfil/ipfw/ip_fw_pfil.c (FreeBSD 14): ipfw on the pfil heads.  Each
// vnet gets three hooks, "ipfw:default" (inet), "ipfw:default6" (inet6) and
// "ipfw:default-link" (ethernet), made when ipfw starts in the vnet and
// linked to their heads while net.inet.ip.fw.enable, net.inet6.ip6.fw.enable
// and net.link.ether.ipfw say so (the sysctls link and unlink at once).
// ipfw_check_packet turns ipfw_chk's verdict into a pfil one: a forward
// becomes a PACKET_TAG_IPFORWARD tag, dummynet/divert/netgraph get the
// packet, nat and reass send it round again.
//
// Departures: the ethernet hook takes the mbuf (this pfil has no
// PFIL_MEMPTR path), so a layer-2 dummynet verdict needs no realloc;
// netgraph is not compiled in (ipfw_chk never returns its verdicts because
// the rule checker refuses their opcodes).  divert and tee go to divert(4)
// (ipfw_divert) once the ipdivert module is loaded.

import { m_freem } from "../../kern/kern_mbuf.ts";
import type { m_tag, mbuf } from "../../kern/mbuf.ts";
import { printf } from "../../kern/subr_prf.ts";
import { TUNABLE_INT_FETCH } from "../../kern/kern_environment.ts";
import { CTLFLAG_RW, CTLFLAG_VNET, CTLTYPE_INT, OID_AUTO, SYSCTL_PROC, kvar_of, sysctl_handle_int, sysctl_unregister_oid, type sysctl_handler_t, type sysctl_oid } from "../../kern/sysctl.ts";
import { m_tag_locate, m_tag_prepend } from "../../kern/uipc_mbuf2.ts";
import type { ifnet } from "../../net/if.ts";
import { V_link_pfil_head } from "../../net/if_ethersubr.ts";
import {
  PFIL_CONSUMED,
  PFIL_DROPPED,
  PFIL_HEADPTR,
  PFIL_HOOKPTR,
  PFIL_IN,
  PFIL_OUT,
  PFIL_PASS,
  PFIL_TYPE_ETHERNET,
  PFIL_TYPE_IP4,
  PFIL_TYPE_IP6,
  PFIL_UNLINK,
  PFIL_VERSION,
  V_inet_pfil_head,
  pfil_add_hook,
  pfil_link,
  pfil_remove_hook,
  type pfil_head,
  type pfil_hook,
  type pfil_mbufp,
} from "../../net/pfil.ts";
import { VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_I32_SET, VNET_PTR, VNET_PTR_SET } from "../../net/vnet.ts";
import { _net_link_ether } from "../../netinet/if_ether.ts";
import { in_localip } from "../../netinet/in.ts";
import type { inpcb } from "../../netinet/in_pcb.ts";
import { M_FASTFWD_OURS, M_IP_NEXTHOP, ip_divert_ptr, ip_fwd_tag, is_ip_fwd_tag } from "../../netinet/ip_var.ts";
import { IPH_OFF, IPH_SUM, IPH_VHL, IP_HDRLEN, IP_MF, IP_OFFMASK } from "../../netinet/ip.ts";
import { in_cksum, in_cksum_hdr } from "../../netinet/in_cksum.ts";
import { ip_reass } from "../../netinet/ip_reass.ts";
import { IP6_HDR_LEN, IP6_OFF_NXT, IPPROTO_FRAGMENT } from "../../netinet/ip6.ts";
import { frag6_input } from "../../netinet6/frag6.ts";
import { IPPROTO_DONE, type intp, type mbufp } from "../../netinet6/ip6_var.ts";
import { m_dup } from "../../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../../kern/uma.ts";

import { V_inet6_pfil_head } from "../../netinet6/ip6_input.ts";
import { M_IP6_NEXTHOP, M_FASTFWD_OURS as M_FASTFWD_OURS6 } from "../../netinet6/ip6_var.ts";
import { in6_localip } from "../../netinet6/in6.ts";
import { in6_addr } from "../../netinet6/in6_var.ts";
import {
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
  IPFW_ONEPASS,
  IP_FW_DENY,
  IP_FW_DIVERT,
  IP_FW_DUMMYNET,
  IP_FW_NAT,
  IP_FW_NAT64,
  IP_FW_NETGRAPH,
  IP_FW_NGTEE,
  IP_FW_PASS,
  IP_FW_REASS,
  IP_FW_TEE,
  MTAG_IPFW_RULE,
  V_fw_one_pass,
  ip_dn_io_ptr,
  ip_fw_args,
  ipfw_rule_ref,
} from "./ip_fw_private.ts";
import { ipfw_chk } from "./ip_fw2.ts";

/** V_fw_enable, V_fw6_enable, V_fwlink_enable. */
const fw_enable = VNET_DEFINE_INT("fw_enable", 1);
const fw6_enable = VNET_DEFINE_INT("fw6_enable", 1);
const fwlink_enable = VNET_DEFINE_INT("fwlink_enable", 0);

const ipfw_inet_hook = VNET_DEFINE_PTR<pfil_hook | null>("ipfw_inet_hook", null);
const ipfw_inet6_hook = VNET_DEFINE_PTR<pfil_hook | null>("ipfw_inet6_hook", null);
const ipfw_link_hook = VNET_DEFINE_PTR<pfil_hook | null>("ipfw_link_hook", null);

/**
 * The reference a packet carries back to ipfw after dummynet (or divert,
 * netgraph) held it: an MTAG_IPFW_RULE tag whose `rule` says where to
 * resume.  Dummynet's struct dn_pkt_tag starts with the same ipfw_rule_ref,
 * so its tag class extends this one.
 */
export class ipfw_rule_mtag implements m_tag {
  readonly m_tag_cookie = MTAG_IPFW_RULE;
  m_tag_id = 0;
  readonly rule = new ipfw_rule_ref();
  m_tag_copy(): m_tag | null {
    const t = new ipfw_rule_mtag();
    t.rule.copy_from(this.rule);
    return t;
  }
}
export function is_ipfw_rule_mtag(t: m_tag): t is ipfw_rule_mtag {
  return t instanceof ipfw_rule_mtag;
}

function m_tag_unlink(m: mbuf, t: m_tag): void {
  const tags = m.m_pkthdr.tags;
  if (tags === null) return;
  const i = tags.indexOf(t);
  if (i >= 0) tags.splice(i, 1);
  if (tags.length === 0) m.m_pkthdr.tags = null;
}

/** ip_fw_args for each nesting level of the hooks, made once. */
const args_stack: ip_fw_args[] = [new ip_fw_args(), new ip_fw_args(), new ip_fw_args(), new ip_fw_args()];
let args_depth = 0;
const nh6_scratch = new in6_addr();

/** ipfw_check_packet: the inet and inet6 hook. */
function ipfw_check_packet(mp: pfil_mbufp, ifp: ifnet, flags: number, _ruleset: unknown, inp: unknown): number {
  if (args_depth === args_stack.length) args_stack.push(new ip_fw_args());
  const args = args_stack[args_depth++];
  try {
    return ipfw_check_packet_args(mp, ifp, flags, inp as inpcb | null, args);
  } finally {
    args.m = null;
    args_depth--;
  }
}

function ipfw_check_packet_args(mp: pfil_mbufp, ifp: ifnet, flags: number, inp: inpcb | null, args: ip_fw_args): number {
  args.ip_fw_args_reset();
  args.flags = (flags & PFIL_IN) !== 0 ? IPFW_ARGS_IN : IPFW_ARGS_OUT;
  let ret = PFIL_PASS;
  for (;;) {
    // again:
    const m0 = mp.m;
    if (m0 === null) return PFIL_DROPPED;
    const tag = m_tag_locate(m0, is_ipfw_rule_mtag, null);
    if (tag !== null) {
      args.rule.copy_from(tag.rule);
      m_tag_unlink(m0, tag);
      if ((args.rule.info & IPFW_ONEPASS) !== 0) return PFIL_PASS;
      args.flags |= IPFW_ARGS_REF;
    }
    args.m = m0;
    args.ifp = ifp;
    args.inp = inp;

    const ipfw = ipfw_chk(args);
    mp.m = args.m;

    ret = PFIL_PASS;
    let again = false;
    switch (ipfw) {
      case IP_FW_PASS: {
        if ((args.flags & (IPFW_ARGS_NH4 | IPFW_ARGS_NH4PTR | IPFW_ARGS_NH6 | IPFW_ARGS_NH6PTR)) === 0) break;
        const m = mp.m;
        if (m === null) break;
        let t: ip_fwd_tag | null = (flags & PFIL_IN) !== 0 ? null : m_tag_locate(m, is_ip_fwd_tag, null);
        if (t !== null) m_tag_unlink(m, t);
        else t = new ip_fwd_tag();
        if ((args.flags & (IPFW_ARGS_NH4 | IPFW_ARGS_NH4PTR)) !== 0) {
          t.set_inet(args.hopstore.sin_addr, args.hopstore.sin_port);
          if (in_localip(args.hopstore.sin_addr)) m.m_flags |= M_FASTFWD_OURS;
          m.m_flags |= M_IP_NEXTHOP;
        } else {
          t.set_inet6(args.hopstore6.sin6_addr, args.hopstore6.sin6_port, args.hopstore6.sin6_scope_id);
          m.m_flags |= M_IP6_NEXTHOP;
          nh6_scratch.s6_addr.set(args.hopstore6.sin6_addr);
          if (in6_localip(nh6_scratch)) m.m_flags |= M_FASTFWD_OURS6;
        }
        m_tag_prepend(m, t);
        ret = PFIL_PASS;
        break;
      }
      case IP_FW_DENY:
        ret = PFIL_DROPPED;
        break;
      case IP_FW_DUMMYNET: {
        if (ip_dn_io_ptr === null) {
          ret = PFIL_DROPPED;
          break;
        }
        if ((args.flags & (IPFW_ARGS_IP4 | IPFW_ARGS_IP6)) === 0) {
          ret = PFIL_DROPPED;
          break;
        }
        ip_dn_io_ptr(args);
        mp.m = args.m;
        // Dummynet keeps the packet (args.m = null) unless it can go at once.
        if (mp.m !== null) {
          again = true;
          break;
        }
        ret = PFIL_CONSUMED;
        break;
      }
      case IP_FW_TEE:
      case IP_FW_DIVERT:
        if (ip_divert_ptr === null) {
          ret = PFIL_DROPPED;
          break;
        }
        ipfw_divert(mp, args, ipfw === IP_FW_TEE);
        // tee: the original goes on through the rules after the tee.
        if (mp.m !== null) {
          again = true;
          break;
        }
        ret = PFIL_CONSUMED;
        break;
      case IP_FW_NGTEE:
      case IP_FW_NETGRAPH:
        // Not compiled in: no ng_ipfw(4).
        ret = PFIL_DROPPED;
        break;
      case IP_FW_NAT:
        if (V_fw_one_pass() !== 0) break;
        again = true;
        break;
      case IP_FW_REASS:
        again = true;
        break;
      case IP_FW_NAT64:
        ret = PFIL_CONSUMED;
        break;
      default:
        printf("ipfw_check_packet: unknown retval\n");
        ret = PFIL_DROPPED;
        break;
    }
    if (again) continue;
    break;
  }
  if (ret !== PFIL_PASS) {
    if (mp.m !== null) m_freem(mp.m);
    mp.m = null;
  }
  return ret;
}

/**
 * ipfw_divert: the packet (divert) or a copy of it (tee) to divert(4),
 * tagged with the rule it matched; 1 when nothing could be sent.  A
 * diverted fragment is reassembled first (a tee'd one goes as it is).
 */
function ipfw_divert(mp: pfil_mbufp, args: ip_fw_args, tee: boolean): number {
  const divert = ip_divert_ptr;
  const m0 = mp.m;
  if (divert === null || m0 === null) return 1;
  let clone: mbuf | null;
  if (!tee) {
    clone = m0;
    mp.m = null;
  } else {
    clone = m_dup(m0, M_NOWAIT);
    // No copy: the tee'd packet goes on without its divert.
    if (clone === null) return 1;
  }
  if (!tee) {
    const v = clone.m_buf[clone.m_data + IPH_VHL] >>> 4;
    if (v === 4 && (clone.m_dv.getUint16(clone.m_data + IPH_OFF) & (IP_MF | IP_OFFMASK)) !== 0) {
      const reass = ip_reass(clone);
      if (reass === null) return 0;
      // The reassembled header's checksum, in network order again.
      const hlen = (reass.m_buf[reass.m_data + IPH_VHL] & 0x0f) << 2;
      reass.m_dv.setUint16(reass.m_data + IPH_SUM, 0);
      reass.m_dv.setUint16(reass.m_data + IPH_SUM, hlen === IP_HDRLEN ? in_cksum_hdr(reass) : in_cksum(reass, hlen));
      clone = reass;
    } else if (v === 6 && clone.m_buf[clone.m_data + IP6_OFF_NXT] === IPPROTO_FRAGMENT) {
      frag6_mp.m = clone;
      frag6_off.v = IP6_HDR_LEN;
      const nxt = frag6_input(frag6_mp, frag6_off, 0);
      clone = frag6_mp.m;
      frag6_mp.m = null;
      if (nxt === IPPROTO_DONE || clone === null) return 0;
    }
  }
  const tag = new ipfw_rule_mtag();
  tag.rule.copy_from(args.rule);
  m_tag_prepend(clone, tag);
  divert(clone, (args.flags & IPFW_ARGS_IN) !== 0);
  return 0;
}
const frag6_mp: mbufp = { m: null };
const frag6_off: intp = { v: 0 };

/** ipfw_check_frame: the ethernet hook (net.link.ether.ipfw). */
function ipfw_check_frame(mp: pfil_mbufp, ifp: ifnet, flags: number, _ruleset: unknown, inp: unknown): number {
  if (args_depth === args_stack.length) args_stack.push(new ip_fw_args());
  const args = args_stack[args_depth++];
  try {
    args.ip_fw_args_reset();
    args.flags = IPFW_ARGS_ETHER | ((flags & PFIL_IN) !== 0 ? IPFW_ARGS_IN : IPFW_ARGS_OUT);
    args.ifp = ifp;
    args.inp = inp as inpcb | null;
    let ret = PFIL_PASS;
    for (;;) {
      const m0 = mp.m;
      if (m0 === null) return PFIL_DROPPED;
      const tag = m_tag_locate(m0, is_ipfw_rule_mtag, null);
      if (tag !== null) {
        args.rule.copy_from(tag.rule);
        m_tag_unlink(m0, tag);
        if ((args.rule.info & IPFW_ONEPASS) !== 0) return PFIL_PASS;
        args.flags |= IPFW_ARGS_REF;
      }
      args.m = m0;
      const ipfw = ipfw_chk(args);
      mp.m = args.m;
      ret = PFIL_PASS;
      switch (ipfw) {
        case IP_FW_PASS:
          break;
        case IP_FW_DENY:
          ret = PFIL_DROPPED;
          break;
        case IP_FW_DUMMYNET:
          if (ip_dn_io_ptr === null) {
            ret = PFIL_DROPPED;
            break;
          }
          ip_dn_io_ptr(args);
          mp.m = null;
          return PFIL_CONSUMED;
        case IP_FW_NGTEE:
        case IP_FW_NETGRAPH:
          ret = PFIL_DROPPED;
          break;
        default:
          printf("ipfw_check_frame: unknown retval\n");
          ret = PFIL_DROPPED;
          break;
      }
      break;
    }
    if (ret !== PFIL_PASS) {
      if (mp.m !== null) m_freem(mp.m);
      mp.m = null;
    }
    return ret;
  } finally {
    args.m = null;
    args_depth--;
  }
}

const AF_INET = 2;
const AF_INET6 = 28;
const AF_LINK = 18;

function ipfw_hook(pf: number): void {
  switch (pf) {
    case AF_INET:
      VNET_PTR_SET(ipfw_inet_hook, pfil_add_hook({ pa_version: PFIL_VERSION, pa_flags: PFIL_IN | PFIL_OUT, pa_type: PFIL_TYPE_IP4, pa_mbuf_chk: ipfw_check_packet, pa_modname: "ipfw", pa_rulname: "default" }));
      break;
    case AF_INET6:
      VNET_PTR_SET(ipfw_inet6_hook, pfil_add_hook({ pa_version: PFIL_VERSION, pa_flags: PFIL_IN | PFIL_OUT, pa_type: PFIL_TYPE_IP6, pa_mbuf_chk: ipfw_check_packet, pa_modname: "ipfw", pa_rulname: "default6" }));
      break;
    case AF_LINK:
      VNET_PTR_SET(ipfw_link_hook, pfil_add_hook({ pa_version: PFIL_VERSION, pa_flags: PFIL_IN | PFIL_OUT, pa_type: PFIL_TYPE_ETHERNET, pa_mbuf_chk: ipfw_check_frame, pa_modname: "ipfw", pa_rulname: "default-link" }));
      break;
  }
}

function ipfw_unhook(pf: number): void {
  const slot = pf === AF_INET ? ipfw_inet_hook : pf === AF_INET6 ? ipfw_inet6_hook : ipfw_link_hook;
  const h = VNET_PTR(slot);
  if (h !== null) pfil_remove_hook(h);
  VNET_PTR_SET(slot, null);
}

function ipfw_link(pf: number, unlink: boolean): number {
  let head: pfil_head | null;
  let hook: pfil_hook | null;
  switch (pf) {
    case AF_INET:
      head = V_inet_pfil_head();
      hook = VNET_PTR(ipfw_inet_hook);
      break;
    case AF_INET6:
      head = V_inet6_pfil_head();
      hook = VNET_PTR(ipfw_inet6_hook);
      break;
    default:
      head = V_link_pfil_head();
      hook = VNET_PTR(ipfw_link_hook);
      break;
  }
  if (head === null || hook === null) return 2; // ENOENT
  return pfil_link({ pa_version: PFIL_VERSION, pa_flags: PFIL_IN | PFIL_OUT | PFIL_HEADPTR | PFIL_HOOKPTR | (unlink ? PFIL_UNLINK : 0), pa_head: head, pa_hook: hook });
}

function tunable_fetch(path: string, slot: number): void {
  const v = kvar_of(VNET_I32(slot));
  if (TUNABLE_INT_FETCH(path, v)) VNET_I32_SET(slot, v.v);
}

/** ipfw_attach_hooks: at vnet_ipfw_init. */
export function ipfw_attach_hooks(): number {
  let error = 0;
  ipfw_hook(AF_INET);
  tunable_fetch("net.inet.ip.fw.enable", fw_enable);
  if (VNET_I32(fw_enable) !== 0 && (error = ipfw_link(AF_INET, false)) !== 0) printf("ipfw_hook() error\n");
  ipfw_hook(AF_INET6);
  tunable_fetch("net.inet6.ip6.fw.enable", fw6_enable);
  if (VNET_I32(fw6_enable) !== 0 && (error = ipfw_link(AF_INET6, false)) !== 0) printf("ipfw6_hook() error\n");
  ipfw_hook(AF_LINK);
  tunable_fetch("net.link.ether.ipfw", fwlink_enable);
  if (VNET_I32(fwlink_enable) !== 0 && (error = ipfw_link(AF_LINK, false)) !== 0) printf("ipfw_link_hook() error\n");
  return error;
}

/** ipfw_detach_hooks: at vnet_ipfw_uninit. */
export function ipfw_detach_hooks(): void {
  ipfw_unhook(AF_INET);
  ipfw_unhook(AF_INET6);
  ipfw_unhook(AF_LINK);
}

/** ipfw_chg_hook: the enable sysctls link or unlink the hook at once. */
function chg_hook(slot: number, af: number): sysctl_handler_t {
  return (oidp, _arg1, _arg2, req) => {
    const v = kvar_of(VNET_I32(slot));
    const error = sysctl_handle_int(oidp, v, 0, req);
    if (error !== 0 || req.newval === null) return error;
    const newval = v.v !== 0 ? 1 : 0;
    if (VNET_I32(slot) === newval) return 0;
    const e = ipfw_link(af, newval === 0);
    if (e !== 0) return e;
    VNET_I32_SET(slot, newval);
    return 0;
  };
}

let pfil_oids: sysctl_oid[] = [];

/** The enable sysctls, hung on the nodes ip_fw2.ts made. */
export function ipfw_pfil_sysctl_attach(fw: sysctl_oid, fw6: sysctl_oid): void {
  pfil_oids = [
    SYSCTL_PROC(fw, OID_AUTO, "enable", CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_RW, null, 0, chg_hook(fw_enable, AF_INET), "I", "Enable ipfw"),
    SYSCTL_PROC(fw6, OID_AUTO, "enable", CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_RW, null, 0, chg_hook(fw6_enable, AF_INET6), "I", "Enable ipfw+6"),
    SYSCTL_PROC(_net_link_ether, OID_AUTO, "ipfw", CTLFLAG_VNET | CTLTYPE_INT | CTLFLAG_RW, null, 0, chg_hook(fwlink_enable, AF_LINK), "I", "Pass ether pkts through firewall"),
  ];
}

export function ipfw_pfil_sysctl_detach(): void {
  for (const o of pfil_oids) sysctl_unregister_oid(o);
  pfil_oids = [];
}
