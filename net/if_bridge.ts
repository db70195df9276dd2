// sys/net/if_bridge.c, sys/net/if_bridgevar.h: if_bridge(4), a learning
// Ethernet bridge that is itself an interface.  `ifconfig bridge create`
// makes bridgeN; `addm` makes an Ethernet interface a member: its frames
// come to bridge_input (the BRIDGE_INPUT point of ether_input), which
// learns where the sender is, keeps what is addressed to the bridge or to a
// member's own MAC for local delivery, and forwards the rest
// (bridge_forward) to the member the address table knows or to all of them
// (bridge_broadcast).  What the stack sends on a member goes through
// bridge_output (the BRIDGE_OUTPUT point of ether_output); what it sends on
// the bridge interface goes through bridge_transmit.  Span ports get a copy
// of everything, the spanning tree (net/bridgestp.ts) decides which ports
// forward, and the address table ages on the virtual clock.
//
// Departures from FreeBSD 14:
// - no locks and no epoch: a member or address removed while a frame is on
//   its way is unlinked at once, and its own link is left intact so that a
//   walk standing on it goes on (what CK_LIST under epoch gives FreeBSD).
// - the ioctl argument is the structure itself (ifdrv.ifd_data), not bytes
//   to copyin/copyout; the sizes are still checked against ifd_len.
// - no INET6 (no link-local scope check on addm), no netmap, no ALTQ.
// - address table nodes are plain objects rather than a UMA zone's.

import { EACCES, EBUSY, EEXIST, EFAULT, EINVAL, ENOBUFS, ENOENT, ENOSPC } from "../kern/errno.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import { priv_check_cred, PRIV_NET_BRIDGE } from "../kern/kern_priv.ts";
import { callout, callout_drain, callout_init, callout_reset, callout_stop, hz, time_uptime } from "../kern/kern_timeout.ts";
import { SI_ORDER_ANY, SI_SUB_PROTO_IFATTACHDOMAIN, SI_SUB_PSEUDO } from "../kern/kernel.ts";
import { CSUM_IP, CSUM_IP_CHECKED, CSUM_IP_VALID, M_ASSERTPKTHDR, M_BCAST, M_MCAST, M_VLANTAG, type mbuf } from "../kern/mbuf.ts";
import { AF_LINK } from "../kern/socket.ts";
import { KASSERT, log, printf } from "../kern/subr_prf.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RW, CTLFLAG_RWTUN, CTLFLAG_VNET, CTLTYPE_INT, OID_AUTO, SYSCTL_INT, SYSCTL_NODE, SYSCTL_PROC, _net, sysctl_handle_int, type sysctl_handler_t } from "../kern/sysctl.ts";
import { M_PREPEND, m_adj, m_copydata, m_copypacket, m_copyup, m_dup, m_pullup, max_protohdr } from "../kern/uipc_mbuf.ts";
import { M_NOWAIT } from "../kern/uma.ts";
import { arc4random } from "../kern/arc4random.ts";
import { in_cksum, in_cksum_hdr } from "../netinet/in_cksum.ts";
import { ip_frag_chain_free, ip_fragment, ip_mfrag } from "../netinet/ip_output.ts";
import { IPSTAT_INC, ips_badhlen, ips_badlen, ips_badsum, ips_badvers, ips_fragmented, ips_tooshort, ips_toosmall } from "../netinet/ip_var.ts";
import { bpf_mtap, bpf_peers_present } from "./bpf.ts";
import {
  BSTP_IFSTATE_DISCARDING,
  BSTP_IFSTATE_LEARNING,
  BSTP_PORT_ADMCOST,
  BSTP_PORT_ADMEDGE,
  BSTP_PORT_AUTOEDGE,
  BSTP_PORT_AUTOPTP,
  bstp_attach,
  type bstp_cb_ops,
  bstp_create,
  bstp_destroy,
  bstp_detach,
  bstp_disable,
  bstp_enable,
  bstp_etheraddr,
  bstp_init,
  bstp_input,
  bstp_linkstate,
  bstp_port,
  bstp_set_autoedge,
  bstp_set_autoptp,
  bstp_set_edge,
  bstp_set_fdelay,
  bstp_set_holdcount,
  bstp_set_htime,
  bstp_set_maxage,
  bstp_set_path_cost,
  bstp_set_port_priority,
  bstp_set_priority,
  bstp_set_protocol,
  bstp_set_ptp,
  bstp_state,
  bstp_stop,
} from "./bridgestp.ts";
import {
  ETHERTYPE_ARP,
  ETHERTYPE_IP,
  ETHERTYPE_REVARP,
  ETHERTYPE_VLAN,
  ETHER_ADDR_LEN,
  ETHER_HDR_LEN,
  ETHER_IS_MULTICAST,
  ETHER_VLAN_ENCAP_LEN,
  EVL_VLANOFTAG,
  ether_addr_equal,
  ether_dhost,
  ether_shost,
  ether_type,
} from "./ethernet.ts";
import {
  IFCAP_LINKSTATE,
  IFCAP_TXCSUM,
  IFCAP_TXCSUM_IPV6,
  IFCAP_VLAN_HWTAGGING,
  IFCOUNTER_IBYTES,
  IFCOUNTER_IMCASTS,
  IFCOUNTER_IPACKETS,
  IFCOUNTER_OBYTES,
  IFCOUNTER_OERRORS,
  IFCOUNTER_OMCASTS,
  IFCOUNTER_OPACKETS,
  IFF_BROADCAST,
  IFF_DRV_RUNNING,
  IFF_MONITOR,
  IFF_MULTICAST,
  IFF_PROMISC,
  IFF_RENAMING,
  IFF_SIMPLEX,
  IFF_UP,
  LINK_STATE_DOWN,
  LINK_STATE_UP,
  SIOCADDMULTI,
  SIOCDELMULTI,
  SIOCGDRVSPEC,
  SIOCSDRVSPEC,
  SIOCSIFCAP,
  SIOCSIFFLAGS,
  SIOCSIFMTU,
  if_alloc,
  if_free,
  if_inc_counter,
  if_initname,
  if_link_state_change,
  if_mtu_changed_hook,
  iflladdr_event,
  ifioctl_cred,
  ifnet_departure_event,
  ifpromisc,
  ifunit,
  type ifaddr,
  type ifdrv,
  type ifnet,
  type ifreq,
  type route,
} from "./if.ts";
import { if_clone_detach, if_clone_simple, type if_clone } from "./if_clone.ts";
import { IFT_BRIDGE, IFT_ETHER, IFT_L2VLAN } from "./if_dl.ts";
import { IF_LLADDR, ether_gen_addr, ether_ifattach, ether_ifdetach, ether_ioctl, ether_vlan_mtap, V_link_pfil_head } from "./if_ethersubr.ts";
import { PFIL_CONSUMED, PFIL_DROPPED, PFIL_HOOKED_IN, PFIL_HOOKED_OUT, PFIL_IN, PFIL_OUT, PFIL_PASS, V_inet_pfil_head, pfil_mbuf_in, pfil_mbuf_out, pfil_mbuf_result, pfil_mbufp, type pfil_head } from "./pfil.ts";
import { CURVNET_RESTORE, CURVNET_SET, VNET_DEFINE_INT, VNET_DEFINE_PTR, VNET_I32, VNET_I32_SET, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT, curvnet, type vnet } from "./vnet.ts";
import type { sockaddr } from "../kern/socket.ts";

/** net/if_types.h: IFT_GIF (gif(4) members are bridged as EtherIP). */
const IFT_GIF = 0xf0;

/** Size of the address hash table (a power of two). */
const BRIDGE_RTHASH_SIZE = 1024;
const BRIDGE_RTHASH_MASK = BRIDGE_RTHASH_SIZE - 1;
/** Default maximum number of addresses in the table. */
export const BRIDGE_RTABLE_MAX = 2000;
/** Default lifetime of a learned address, in seconds (ARP's). */
export const BRIDGE_RTABLE_TIMEOUT = 20 * 60;
/** Seconds between two walks of the table for expired addresses. */
export const BRIDGE_RTABLE_PRUNE_PERIOD = 5 * 60;

// Capabilities every member must have for any of them to keep them on, and
// those never left on.  (IFCAP_TOE, IFCAP_TSO as if.h composes them.)
const IFCAP_TSO4 = 0x00100;
const IFCAP_TSO6 = 0x00200;
const IFCAP_LRO = 0x00400;
const IFCAP_TOE4 = 0x04000;
const IFCAP_TOE6 = 0x08000;
const BRIDGE_IFCAPS_MASK = IFCAP_TOE4 | IFCAP_TOE6 | IFCAP_TSO4 | IFCAP_TSO6 | IFCAP_TXCSUM | IFCAP_TXCSUM_IPV6;
const BRIDGE_IFCAPS_STRIP = IFCAP_LRO;

/** ETHER_ALIGN: where the layer-3 header lands 4-byte aligned. */
const ETHER_ALIGN = 2;

// ---------------------------------------------------------------------------
// if_bridgevar.h: the SIOCSDRVSPEC/SIOCGDRVSPEC commands and their arguments.

export const BRDGADD = 0;
export const BRDGDEL = 1;
export const BRDGGIFFLGS = 2;
export const BRDGSIFFLGS = 3;
export const BRDGSCACHE = 4;
export const BRDGGCACHE = 5;
export const BRDGGIFS = 6;
export const BRDGRTS = 7;
export const BRDGSADDR = 8;
export const BRDGSTO = 9;
export const BRDGGTO = 10;
export const BRDGDADDR = 11;
export const BRDGFLUSH = 12;
export const BRDGGPRI = 13;
export const BRDGSPRI = 14;
export const BRDGGHT = 15;
export const BRDGSHT = 16;
export const BRDGGFD = 17;
export const BRDGSFD = 18;
export const BRDGGMA = 19;
export const BRDGSMA = 20;
export const BRDGSIFPRIO = 21;
export const BRDGSIFCOST = 22;
export const BRDGADDS = 23;
export const BRDGDELS = 24;
export const BRDGPARAM = 25;
export const BRDGGRTE = 26;
export const BRDGGIFSSTP = 27;
export const BRDGSPROTO = 28;
export const BRDGSTXHC = 29;
export const BRDGSIFAMAX = 30;

// Member flags (ifbr_ifsflags).
export const IFBIF_LEARNING = 0x0001;
export const IFBIF_DISCOVER = 0x0002;
export const IFBIF_STP = 0x0004;
export const IFBIF_SPAN = 0x0008;
export const IFBIF_STICKY = 0x0010;
export const IFBIF_BSTP_EDGE = 0x0020;
export const IFBIF_BSTP_AUTOEDGE = 0x0040;
export const IFBIF_BSTP_PTP = 0x0080;
export const IFBIF_BSTP_AUTOPTP = 0x0100;
export const IFBIF_BSTP_ADMEDGE = 0x0200;
export const IFBIF_BSTP_ADMCOST = 0x0400;
export const IFBIF_PRIVATE = 0x0800;
/** The member flags printb shows, in IFBIFBITS's order. */
export const IFBIFBITS: [number, string][] = [
  [IFBIF_LEARNING, "LEARNING"],
  [IFBIF_DISCOVER, "DISCOVER"],
  [IFBIF_STP, "STP"],
  [IFBIF_SPAN, "SPAN"],
  [IFBIF_STICKY, "STICKY"],
  [IFBIF_PRIVATE, "PRIVATE"],
  [IFBIF_BSTP_EDGE, "EDGE"],
  [IFBIF_BSTP_AUTOEDGE, "AUTOEDGE"],
  [IFBIF_BSTP_PTP, "PTP"],
  [IFBIF_BSTP_AUTOPTP, "AUTOPTP"],
];
/** The flags that are the spanning tree's, not saved in bif_flags. */
export const IFBIFMASK = ~(IFBIF_BSTP_EDGE | IFBIF_BSTP_AUTOEDGE | IFBIF_BSTP_PTP | IFBIF_BSTP_AUTOPTP | IFBIF_BSTP_ADMEDGE | IFBIF_BSTP_ADMCOST);

// BRDGFLUSH.
export const IFBF_FLUSHDYN = 0x00;
export const IFBF_FLUSHALL = 0x01;

// Address flags (ifba_flags).
export const IFBAF_TYPEMASK = 0x03;
export const IFBAF_DYNAMIC = 0x00;
export const IFBAF_STATIC = 0x01;
export const IFBAF_STICKY = 0x02;
export const IFBAFBITS: [number, string][] = [
  [IFBAF_STATIC, "STATIC"],
  [IFBAF_STICKY, "STICKY"],
];

/** STP_STATES, STP_PROTOS, STP_ROLES: the names ifconfig prints. */
export const STP_STATES = ["disabled", "listening", "learning", "forwarding", "blocking", "discarding"];
export const STP_PROTOS = ["stp", "-", "rstp"];
export const STP_ROLES = ["disabled", "root", "designated", "alternate", "backup"];

/** struct ifbreq: a request about one member. */
export class ifbreq {
  ifbr_ifsname = "";
  ifbr_ifsflags = 0;
  ifbr_stpflags = 0;
  ifbr_path_cost = 0;
  ifbr_portno = 0;
  ifbr_priority = 0;
  ifbr_proto = 0;
  ifbr_role = 0;
  ifbr_state = 0;
  ifbr_addrcnt = 0;
  ifbr_addrmax = 0;
  ifbr_addrexceeded = 0;
}
/** struct ifbifconf: the member list (ifbic_len is the buffer's size in
 *  bytes on the way in, what was filled on the way out). */
export class ifbifconf {
  ifbic_len = 0;
  ifbic_req: ifbreq[] = [];
}
/** struct ifbareq: one address of the table. */
export class ifbareq {
  ifba_ifsname = "";
  ifba_expire = 0;
  ifba_flags = 0;
  ifba_dst = new Uint8Array(ETHER_ADDR_LEN);
  ifba_vlan = 0;
}
/** struct ifbaconf: the address list. */
export class ifbaconf {
  ifbac_len = 0;
  ifbac_req: ifbareq[] = [];
}
/** struct ifbrparam: one bridge parameter; a union of a 32-, 16- and 8-bit
 *  field over the same (little-endian) bytes. */
export class ifbrparam {
  ifbrp_ifbrpu = 0;
  get ifbrp_csize(): number {
    return this.ifbrp_ifbrpu >>> 0;
  }
  set ifbrp_csize(v: number) {
    this.ifbrp_ifbrpu = v >>> 0;
  }
  get ifbrp_ctime(): number {
    return this.ifbrp_ifbrpu >>> 0;
  }
  set ifbrp_ctime(v: number) {
    this.ifbrp_ifbrpu = v >>> 0;
  }
  get ifbrp_cexceeded(): number {
    return this.ifbrp_ifbrpu >>> 0;
  }
  set ifbrp_cexceeded(v: number) {
    this.ifbrp_ifbrpu = v >>> 0;
  }
  get ifbrp_prio(): number {
    return this.ifbrp_ifbrpu & 0xffff;
  }
  set ifbrp_prio(v: number) {
    this.ifbrp_ifbrpu = (this.ifbrp_ifbrpu & ~0xffff) | (v & 0xffff);
  }
  get ifbrp_proto(): number {
    return this.ifbrp_ifbrpu & 0xff;
  }
  set ifbrp_proto(v: number) {
    this.ifbrp_ifbrpu = (this.ifbrp_ifbrpu & ~0xff) | (v & 0xff);
  }
  get ifbrp_txhc(): number {
    return this.ifbrp_ifbrpu & 0xff;
  }
  set ifbrp_txhc(v: number) {
    this.ifbrp_ifbrpu = (this.ifbrp_ifbrpu & ~0xff) | (v & 0xff);
  }
  get ifbrp_hellotime(): number {
    return this.ifbrp_ifbrpu & 0xff;
  }
  set ifbrp_hellotime(v: number) {
    this.ifbrp_ifbrpu = (this.ifbrp_ifbrpu & ~0xff) | (v & 0xff);
  }
  get ifbrp_fwddelay(): number {
    return this.ifbrp_ifbrpu & 0xff;
  }
  set ifbrp_fwddelay(v: number) {
    this.ifbrp_ifbrpu = (this.ifbrp_ifbrpu & ~0xff) | (v & 0xff);
  }
  get ifbrp_maxage(): number {
    return this.ifbrp_ifbrpu & 0xff;
  }
  set ifbrp_maxage(v: number) {
    this.ifbrp_ifbrpu = (this.ifbrp_ifbrpu & ~0xff) | (v & 0xff);
  }
}
/** struct ifbropreq: the bridge's spanning tree parameters. */
export class ifbropreq {
  ifbop_holdcount = 0;
  ifbop_maxage = 0;
  ifbop_hellotime = 0;
  ifbop_fwddelay = 0;
  ifbop_protocol = 0;
  ifbop_priority = 0;
  ifbop_root_port = 0;
  ifbop_root_path_cost = 0;
  ifbop_bridgeid = 0n;
  ifbop_designated_root = 0n;
  ifbop_designated_bridge = 0n;
  ifbop_last_tc_time = { tv_sec: 0, tv_usec: 0 };
}
/** struct ifbpstpreq: one member's spanning tree state. */
export class ifbpstpreq {
  ifbp_portno = 0;
  ifbp_fwd_trans = 0;
  ifbp_design_cost = 0;
  ifbp_design_port = 0;
  ifbp_design_bridge = 0n;
  ifbp_design_root = 0n;
}
/** struct ifbpstpconf: the list of them. */
export class ifbpstpconf {
  ifbpstp_len = 0;
  ifbpstp_req: ifbpstpreq[] = [];
}

// sizeof() of each argument on amd64, what ifd_len must say.
export const SIZEOF_IFBREQ = 80;
export const SIZEOF_IFBIFCONF = 16;
export const SIZEOF_IFBAREQ = 40;
export const SIZEOF_IFBACONF = 16;
export const SIZEOF_IFBRPARAM = 4;
export const SIZEOF_IFBROPREQ = 56;
export const SIZEOF_IFBPSTPREQ = 32;
export const SIZEOF_IFBPSTPCONF = 16;

/** PV2ID: a 64-bit bridge id as its priority and MAC. */
export function PV2ID(pv: bigint, eaddr: Uint8Array): number {
  for (let i = 0; i < ETHER_ADDR_LEN; i++) eaddr[i] = Number((pv >> BigInt(40 - 8 * i)) & 0xffn);
  return Number((pv >> 48n) & 0xffffn);
}

// ---------------------------------------------------------------------------
// The softc, its members and its address table.

/** struct bridge_iflist: one member (or span port). */
export class bridge_iflist {
  /** The next member, kept when this one is unlinked (CK_LIST). */
  bif_next: bridge_iflist | null = null;
  readonly bif_stp = new bstp_port();
  bif_flags = 0;
  bif_savedcaps = 0;
  bif_addrmax = 0;
  bif_addrcnt = 0;
  bif_addrexceeded = 0;
  constructor(readonly bif_ifp: ifnet) {}
}

/** struct bridge_rtnode: one address of the forwarding table. */
export class bridge_rtnode {
  // Hash chain (sorted, descending address) and the list of all entries
  // (newest first), both doubly linked here to unlink without a walk.
  brt_hnext: bridge_rtnode | null = null;
  brt_hprev: bridge_rtnode | null = null;
  brt_lnext: bridge_rtnode | null = null;
  brt_lprev: bridge_rtnode | null = null;
  brt_expire = 0;
  brt_flags = 0;
  readonly brt_addr = new Uint8Array(ETHER_ADDR_LEN);
  brt_vlan = 0;
  constructor(
    public brt_dst: bridge_iflist,
    readonly brt_vnet: vnet | null,
  ) {}
  get brt_ifp(): ifnet {
    return this.brt_dst.bif_ifp;
  }
}

/** struct bridge_softc. */
export class bridge_softc {
  sc_brtmax = BRIDGE_RTABLE_MAX;
  sc_brtcnt = 0;
  sc_brttimeout = BRIDGE_RTABLE_TIMEOUT;
  readonly sc_brcallout = new callout();
  sc_iflist: bridge_iflist | null = null;
  readonly sc_rthash: (bridge_rtnode | null)[] = new Array<bridge_rtnode | null>(BRIDGE_RTHASH_SIZE).fill(null);
  sc_rtlist: bridge_rtnode | null = null;
  sc_rthash_key = 0;
  sc_spanlist: bridge_iflist | null = null;
  readonly sc_stp = new bstp_state();
  sc_brtexceeded = 0;
  /** The member whose MAC the bridge took (inherit_mac). */
  sc_ifaddr: ifnet | null = null;
  readonly sc_defaddr = new Uint8Array(ETHER_ADDR_LEN);
  constructor(readonly sc_ifp: ifnet) {}
}

function CK_LIST_INSERT_HEAD_bif(head: bridge_iflist | null, bif: bridge_iflist): bridge_iflist {
  bif.bif_next = head;
  return bif;
}

/** Unlink bif from the list at head; bif keeps its own bif_next. */
function bif_list_remove(head: bridge_iflist | null, bif: bridge_iflist): bridge_iflist | null {
  if (head === bif) return bif.bif_next;
  for (let p = head; p !== null; p = p.bif_next) {
    if (p.bif_next === bif) {
      p.bif_next = bif.bif_next;
      break;
    }
  }
  return head;
}

// ---------------------------------------------------------------------------
// Per-vnet state and sysctls.

/** V_bridge_list: this vnet's bridges, newest first. */
const bridge_list = VNET_DEFINE_PTR<bridge_softc[]>("bridge_list", []);
/** V_bridge_cloner. */
const bridge_cloner = VNET_DEFINE_PTR<if_clone | null>("bridge_cloner", null);

/** bridge_rtable_prune_period: global, not per vnet. */
const bridge_rtable_prune_period = BRIDGE_RTABLE_PRUNE_PERIOD;

const pfil_onlyip = VNET_DEFINE_INT("pfil_onlyip", 1);
const pfil_bridge = VNET_DEFINE_INT("pfil_bridge", 1);
const pfil_ipfw = VNET_DEFINE_INT("pfil_ipfw", 0);
const pfil_ipfw_arp = VNET_DEFINE_INT("pfil_ipfw_arp", 0);
const pfil_member = VNET_DEFINE_INT("pfil_member", 1);
const pfil_local_phys = VNET_DEFINE_INT("pfil_local_phys", 0);
const log_stp = VNET_DEFINE_INT("log_stp", 0);
const bridge_inherit_mac = VNET_DEFINE_INT("bridge_inherit_mac", 0);
const allow_llz_overlap = VNET_DEFINE_INT("allow_llz_overlap", 0);

const _net_link = SYSCTL_NODE(_net, AF_LINK, "link", CTLFLAG_RW, null, "Link layers");
const _net_link_bridge = SYSCTL_NODE(_net_link, IFT_BRIDGE, "bridge", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "Bridge");
SYSCTL_INT(_net_link_bridge, OID_AUTO, "pfil_onlyip", CTLFLAG_RWTUN | CTLFLAG_VNET, pfil_onlyip, 0, "Only pass IP packets when pfil is enabled");
SYSCTL_INT(_net_link_bridge, OID_AUTO, "pfil_bridge", CTLFLAG_RWTUN | CTLFLAG_VNET, pfil_bridge, 0, "Packet filter on the bridge interface");
SYSCTL_INT(_net_link_bridge, OID_AUTO, "ipfw_arp", CTLFLAG_RWTUN | CTLFLAG_VNET, pfil_ipfw_arp, 0, "Filter ARP packets through IPFW layer2");
SYSCTL_INT(_net_link_bridge, OID_AUTO, "pfil_member", CTLFLAG_RWTUN | CTLFLAG_VNET, pfil_member, 0, "Packet filter on the member interface");
SYSCTL_INT(_net_link_bridge, OID_AUTO, "pfil_local_phys", CTLFLAG_RWTUN | CTLFLAG_VNET, pfil_local_phys, 0, "Packet filter on the physical interface for locally destined packets");
SYSCTL_INT(_net_link_bridge, OID_AUTO, "log_stp", CTLFLAG_RWTUN | CTLFLAG_VNET, log_stp, 0, "Log STP state changes");
SYSCTL_INT(_net_link_bridge, OID_AUTO, "inherit_mac", CTLFLAG_RWTUN | CTLFLAG_VNET, bridge_inherit_mac, 0, "Inherit MAC address from the first bridge member");
SYSCTL_INT(_net_link_bridge, OID_AUTO, "allow_llz_overlap", CTLFLAG_RW | CTLFLAG_VNET, allow_llz_overlap, 0, "Allow overlap of link-local scope zones of a bridge interface and the member interfaces");

/** net.link.bridge.ipfw: turning it on turns the other filters off (ipfw
 *  would see packets twice) and lets non-IP through for ipfw's layer 2. */
const sysctl_pfil_ipfw: sysctl_handler_t = (oidp, _arg1, _arg2, req) => {
  let enable = VNET_I32(pfil_ipfw);
  const box = {
    v: enable,
    get: () => box.v,
    set: (x: number) => {
      box.v = x;
    },
  };
  const error = sysctl_handle_int(oidp, box, 0, req);
  enable = box.v & 1;
  if (enable !== VNET_I32(pfil_ipfw)) {
    VNET_I32_SET(pfil_ipfw, enable);
    if (enable !== 0) {
      VNET_I32_SET(pfil_onlyip, 0);
      VNET_I32_SET(pfil_bridge, 0);
      VNET_I32_SET(pfil_member, 0);
    }
  }
  return error;
};
SYSCTL_PROC(_net_link_bridge, OID_AUTO, "ipfw", CTLTYPE_INT | CTLFLAG_RW | CTLFLAG_VNET, null, 0, sysctl_pfil_ipfw, "I", "Layer2 filter with IPFW");

/** The bridges of the current vnet (for tests and tools). */
export function V_bridge_list(): readonly bridge_softc[] {
  return VNET_PTR(bridge_list);
}

const bridge_name = "bridge";

// ---------------------------------------------------------------------------
// Helpers.

/** VLANTAGOF: the frame's VLAN, 1 (the default) when untagged. */
function VLANTAGOF(m: mbuf): number {
  return (m.m_flags & M_VLANTAG) !== 0 ? EVL_VLANOFTAG(m.m_pkthdr.ether_vtag) : 1;
}

/** ETHER_BPF_MTAP: tap with the VLAN tag shown in the frame. */
function ETHER_BPF_MTAP(ifp: ifnet, m: mbuf): void {
  if (!bpf_peers_present(ifp)) return;
  if ((m.m_flags & M_VLANTAG) !== 0) ether_vlan_mtap(ifp, m);
  else bpf_mtap(ifp, m);
}

/**
 * ether_vlanencap: put the tag in m_pkthdr back into the frame as an
 * 802.1Q header, for a member that cannot insert it itself.  Frees the
 * chain and returns null when there is no room.
 */
function bridge_vlanencap(m: mbuf, tag: number): mbuf | null {
  const mm = M_PREPEND(m, ETHER_VLAN_ENCAP_LEN, M_NOWAIT);
  if (mm === null) return null;
  if (mm.m_len < ETHER_HDR_LEN + ETHER_VLAN_ENCAP_LEN) {
    const mp = m_pullup(mm, ETHER_HDR_LEN + ETHER_VLAN_ENCAP_LEN);
    if (mp === null) return null;
    m = mp;
  } else m = mm;
  const b = m.m_buf;
  const o = m.m_data;
  // The two addresses move to the front; the 802.1Q header takes their place.
  b.copyWithin(o, o + ETHER_VLAN_ENCAP_LEN, o + ETHER_VLAN_ENCAP_LEN + 2 * ETHER_ADDR_LEN);
  const p = o + 2 * ETHER_ADDR_LEN;
  b[p] = ETHERTYPE_VLAN >> 8;
  b[p + 1] = ETHERTYPE_VLAN & 0xff;
  b[p + 2] = (tag >> 8) & 0xff;
  b[p + 3] = tag & 0xff;
  return m;
}

function is_reserved_8021d(b: Uint8Array, o: number): boolean {
  return b[o] === 0x01 && b[o + 1] === 0x80 && b[o + 2] === 0xc2 && b[o + 3] === 0x00 && b[o + 4] === 0x00 && b[o + 5] <= 0x0f;
}

// ---------------------------------------------------------------------------
// Cloning.

/** bridge_clone_create: a new bridge, with a generated MAC of the FreeBSD
 *  OUI that depends on the name and the jail (two jails' bridge0 differ). */
function bridge_clone_create(ifc: if_clone, unit: number, _params: unknown): number {
  void ifc;
  const ifp = if_alloc(IFT_ETHER);
  const sc = new bridge_softc(ifp);
  sc.sc_brtmax = BRIDGE_RTABLE_MAX;
  sc.sc_brttimeout = BRIDGE_RTABLE_TIMEOUT;

  bridge_rtable_init(sc);
  callout_init(sc.sc_brcallout, true);

  ifp.if_softc = sc;
  if_initname(ifp, bridge_name, unit);
  ifp.if_flags = IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST;
  ifp.if_ioctl = bridge_ioctl;
  ifp.if_transmit = bridge_transmit;
  ifp.if_qflush = bridge_qflush;
  ifp.if_init = bridge_init;
  ifp.if_type = IFT_BRIDGE;

  ether_gen_addr(ifp, sc.sc_defaddr);

  bstp_attach(sc.sc_stp, bridge_ops);
  ether_ifattach(ifp, sc.sc_defaddr);
  // ether_ifattach made it an Ethernet card: it is not one.
  ifp.if_baudrate = 0;
  ifp.if_type = IFT_BRIDGE;

  VNET_PTR(bridge_list).unshift(sc);
  return 0;
}

/** bridge_clone_destroy: members and span ports leave, the table goes, then
 *  the interface. */
function bridge_clone_destroy(ifp: ifnet): void {
  const sc = ifp.if_softc as bridge_softc;

  bridge_stop(ifp, 1);
  ifp.if_flags &= ~IFF_UP;

  while (sc.sc_iflist !== null) bridge_delete_member(sc, sc.sc_iflist, 0);
  while (sc.sc_spanlist !== null) bridge_delete_span(sc, sc.sc_spanlist);

  bridge_rtable_fini(sc);

  callout_drain(sc.sc_brcallout);

  const list = VNET_PTR(bridge_list);
  const i = list.indexOf(sc);
  if (i >= 0) list.splice(i, 1);

  bstp_detach(sc.sc_stp);

  ether_ifdetach(ifp);
  if_free(ifp);
}

// ---------------------------------------------------------------------------
// The control table.

const BC_F_COPYIN = 0x01;
const BC_F_COPYOUT = 0x02;
const BC_F_SUSER = 0x04;

interface bridge_control {
  bc_func: (sc: bridge_softc, arg: never) => number;
  bc_argsize: number;
  bc_argtype: new () => object;
  bc_flags: number;
}

function BC<T extends object>(f: (sc: bridge_softc, arg: T) => number, size: number, type: new () => T, flags: number): bridge_control {
  return { bc_func: f as (sc: bridge_softc, arg: never) => number, bc_argsize: size, bc_argtype: type, bc_flags: flags };
}

/** bridge_control_table, indexed by the BRDG* command. */
const bridge_control_table: bridge_control[] = [
  BC(bridge_ioctl_add, SIZEOF_IFBREQ, ifbreq, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_del, SIZEOF_IFBREQ, ifbreq, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_gifflags, SIZEOF_IFBREQ, ifbreq, BC_F_COPYIN | BC_F_COPYOUT),
  BC(bridge_ioctl_sifflags, SIZEOF_IFBREQ, ifbreq, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_scache, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_gcache, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYOUT),
  BC(bridge_ioctl_gifs, SIZEOF_IFBIFCONF, ifbifconf, BC_F_COPYIN | BC_F_COPYOUT),
  BC(bridge_ioctl_rts, SIZEOF_IFBACONF, ifbaconf, BC_F_COPYIN | BC_F_COPYOUT),
  BC(bridge_ioctl_saddr, SIZEOF_IFBAREQ, ifbareq, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_sto, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_gto, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYOUT),
  BC(bridge_ioctl_daddr, SIZEOF_IFBAREQ, ifbareq, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_flush, SIZEOF_IFBREQ, ifbreq, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_gpri, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYOUT),
  BC(bridge_ioctl_spri, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_ght, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYOUT),
  BC(bridge_ioctl_sht, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_gfd, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYOUT),
  BC(bridge_ioctl_sfd, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_gma, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYOUT),
  BC(bridge_ioctl_sma, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_sifprio, SIZEOF_IFBREQ, ifbreq, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_sifcost, SIZEOF_IFBREQ, ifbreq, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_addspan, SIZEOF_IFBREQ, ifbreq, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_delspan, SIZEOF_IFBREQ, ifbreq, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_gbparam, SIZEOF_IFBROPREQ, ifbropreq, BC_F_COPYOUT),
  BC(bridge_ioctl_grte, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYOUT),
  BC(bridge_ioctl_gifsstp, SIZEOF_IFBPSTPCONF, ifbpstpconf, BC_F_COPYIN | BC_F_COPYOUT),
  BC(bridge_ioctl_sproto, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_stxhc, SIZEOF_IFBRPARAM, ifbrparam, BC_F_COPYIN | BC_F_SUSER),
  BC(bridge_ioctl_sifmaxaddr, SIZEOF_IFBREQ, ifbreq, BC_F_COPYIN | BC_F_SUSER),
];

/**
 * bridge_ioctl: the BRDG* commands through SIOCSDRVSPEC (those that only
 * set) and SIOCGDRVSPEC (those that copy out), up/down, the MTU (all
 * members must share it), and Ethernet's for the rest.
 */
function bridge_ioctl(ifp: ifnet, cmd: number, data: ifreq | ifaddr): number {
  const sc = ifp.if_softc as bridge_softc;
  let error = 0;
  switch (cmd) {
    case SIOCADDMULTI:
    case SIOCDELMULTI:
      break;
    case SIOCGDRVSPEC:
    case SIOCSDRVSPEC: {
      const ifd = data as unknown as ifdrv;
      if (ifd.ifd_cmd < 0 || ifd.ifd_cmd >= bridge_control_table.length) {
        error = EINVAL;
        break;
      }
      const bc = bridge_control_table[ifd.ifd_cmd];
      if (cmd === SIOCGDRVSPEC && (bc.bc_flags & BC_F_COPYOUT) === 0) {
        error = EINVAL;
        break;
      } else if (cmd === SIOCSDRVSPEC && (bc.bc_flags & BC_F_COPYOUT) !== 0) {
        error = EINVAL;
        break;
      }
      if ((bc.bc_flags & BC_F_SUSER) !== 0) {
        const cred = ifioctl_cred();
        error = cred === null ? 0 : priv_check_cred(cred, PRIV_NET_BRIDGE);
        if (error !== 0) break;
      }
      if (ifd.ifd_len !== bc.bc_argsize) {
        error = EINVAL;
        break;
      }
      // copyin: the argument must be the structure the command takes.
      if (!(ifd.ifd_data instanceof bc.bc_argtype)) {
        error = EFAULT;
        break;
      }
      // The kernel works on a zeroed copy and copies back only for
      // BC_F_COPYOUT, as the args union does.
      const args = new bc.bc_argtype();
      if ((bc.bc_flags & BC_F_COPYIN) !== 0) Object.assign(args, copy_arg(ifd.ifd_data));
      const oldmtu = ifp.if_mtu;
      error = bc.bc_func(sc, args as never);
      if (error !== 0) break;
      // The first member may have set the bridge's MTU.
      if (ifp.if_mtu !== oldmtu) if_mtu_changed_hook?.(ifp);
      if ((bc.bc_flags & BC_F_COPYOUT) !== 0) Object.assign(ifd.ifd_data as object, args);
      break;
    }
    case SIOCSIFFLAGS:
      if ((ifp.if_flags & IFF_UP) === 0 && (ifp.if_drv_flags & IFF_DRV_RUNNING) !== 0) {
        // Marked down while running: stop.
        bridge_stop(ifp, 1);
      } else if ((ifp.if_flags & IFF_UP) !== 0 && (ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) {
        // Marked up while stopped: start.
        (ifp.if_init as (s: unknown) => void)(sc);
      }
      break;
    case SIOCSIFMTU: {
      const mtu = (data as ifreq).ifr_mtu ?? 0;
      if (mtu < 576) {
        error = EINVAL;
        break;
      }
      if (sc.sc_iflist === null) {
        sc.sc_ifp.if_mtu = mtu;
        break;
      }
      for (let bif: bridge_iflist | null = sc.sc_iflist; bif !== null; bif = bif.bif_next) {
        if (bif.bif_ifp.if_mtu !== mtu) {
          log(0, `${sc.sc_ifp.if_xname}: invalid MTU: ${bif.bif_ifp.if_mtu}(${bif.bif_ifp.if_xname}) != ${mtu}\n`);
          error = EINVAL;
          break;
        }
      }
      if (error === 0) sc.sc_ifp.if_mtu = mtu;
      break;
    }
    default:
      error = ether_ioctl(ifp, cmd, data);
      break;
  }
  return error;
}

/** A copy of an argument structure, arrays and bytes included (copyin). */
function copy_arg(a: unknown): object {
  const o = a as Record<string, unknown>;
  const r: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const v = o[k];
    r[k] = v instanceof Uint8Array ? v.slice() : Array.isArray(v) ? v.slice() : v;
  }
  return r;
}

/** bridge_mutecaps: the capabilities every member has stay; the rest go. */
function bridge_mutecaps(sc: bridge_softc): void {
  let mask = BRIDGE_IFCAPS_MASK;
  for (let bif = sc.sc_iflist; bif !== null; bif = bif.bif_next) mask &= bif.bif_savedcaps;
  for (let bif = sc.sc_iflist; bif !== null; bif = bif.bif_next) {
    let enabled = bif.bif_ifp.if_capenable;
    enabled &= ~BRIDGE_IFCAPS_STRIP;
    enabled &= ~BRIDGE_IFCAPS_MASK;
    enabled |= mask;
    bridge_set_ifcap(sc, bif, enabled);
  }
}

function bridge_set_ifcap(sc: bridge_softc, bif: bridge_iflist, set: number): void {
  const ifp = bif.bif_ifp;
  if (ifp.if_capenable !== set) {
    const ifr: ifreq = { ifr_name: ifp.if_xname, ifr_reqcap: set };
    const error = ifp.if_ioctl(ifp, SIOCSIFCAP, ifr);
    if (error !== 0) printf(`${sc.sc_ifp.if_xname}: error setting capabilities on ${ifp.if_xname}: ${error}\n`);
    const mask = BRIDGE_IFCAPS_MASK | BRIDGE_IFCAPS_STRIP;
    const stuck = ifp.if_capenable & mask & ~set;
    if (stuck !== 0) printf(`${sc.sc_ifp.if_xname}: can't disable some capabilities on ${ifp.if_xname}: 0x${stuck.toString(16)}\n`);
  }
}

/** bridge_lookup_member: a member by name. */
function bridge_lookup_member(sc: bridge_softc, name: string): bridge_iflist | null {
  for (let bif = sc.sc_iflist; bif !== null; bif = bif.bif_next) if (bif.bif_ifp.if_xname === name) return bif;
  return null;
}

/** bridge_lookup_member_if: a member by ifnet. */
function bridge_lookup_member_if(sc: bridge_softc, member_ifp: ifnet): bridge_iflist | null {
  for (let bif = sc.sc_iflist; bif !== null; bif = bif.bif_next) if (bif.bif_ifp === member_ifp) return bif;
  return null;
}

/**
 * bridge_delete_member: a member leaves.  If the bridge had taken its MAC
 * (inherit_mac), the bridge takes the next member's, or its own back.
 * `gone`: the interface is going away, do not touch it.
 */
function bridge_delete_member(sc: bridge_softc, bif: bridge_iflist, gone: number): void {
  const ifs = bif.bif_ifp;
  if ((bif.bif_flags & IFBIF_STP) !== 0) bstp_disable(bif.bif_stp);

  ifs.if_bridge = null;
  sc.sc_iflist = bif_list_remove(sc.sc_iflist, bif);

  if (VNET_I32(bridge_inherit_mac) !== 0 && sc.sc_ifaddr === ifs) {
    if (sc.sc_iflist === null) {
      IF_LLADDR(sc.sc_ifp).set(sc.sc_defaddr);
      sc.sc_ifaddr = null;
    } else {
      const fif = sc.sc_iflist.bif_ifp;
      IF_LLADDR(sc.sc_ifp).set(IF_LLADDR(fif).subarray(0, ETHER_ADDR_LEN));
      sc.sc_ifaddr = fif;
    }
    for (const f of iflladdr_event) f(sc.sc_ifp);
  }

  bridge_linkcheck(sc);
  bridge_mutecaps(sc);
  bridge_rtdelete(sc, ifs, IFBF_FLUSHALL);
  KASSERT(bif.bif_addrcnt === 0, `bridge_delete_member: ${bif.bif_addrcnt} bridge routes referenced`);

  ifs.if_bridge_output = null;
  ifs.if_bridge_input = null;
  ifs.if_bridge_linkstate = null;
  if (gone === 0) {
    switch (ifs.if_type) {
      case IFT_ETHER:
      case IFT_L2VLAN:
        // Only if it was made promiscuous: not so on bridge_ioctl_add's
        // error path.
        if ((ifs.if_flags & IFF_PROMISC) !== 0) ifpromisc(ifs, 0);
        break;
      case IFT_GIF:
        break;
      default:
        break;
    }
    bridge_set_ifcap(sc, bif, bif.bif_savedcaps);
  }
  bstp_destroy(bif.bif_stp);
}

/** bridge_delete_span: a span port leaves. */
function bridge_delete_span(sc: bridge_softc, bif: bridge_iflist): void {
  KASSERT(bif.bif_ifp.if_bridge === null, "bridge_delete_span: not a span interface");
  sc.sc_spanlist = bif_list_remove(sc.sc_spanlist, bif);
}

function bridge_ioctl_add(sc: bridge_softc, req: ifbreq): number {
  const ifs = ifunit(req.ifbr_ifsname);
  if (ifs === null) return ENOENT;
  // (if_ioctl always exists here.)

  // A span port cannot also be a member.
  for (let bif = sc.sc_spanlist; bif !== null; bif = bif.bif_next) if (ifs === bif.bif_ifp) return EBUSY;

  if (ifs.if_bridge === sc) return EEXIST;
  if (ifs.if_bridge !== null) return EBUSY;

  switch (ifs.if_type) {
    case IFT_ETHER:
    case IFT_L2VLAN:
    case IFT_GIF:
      break;
    default:
      return EINVAL;
  }

  // The first member sets the bridge's MTU; the others must match it.
  if (sc.sc_iflist === null) sc.sc_ifp.if_mtu = ifs.if_mtu;
  else if (sc.sc_ifp.if_mtu !== ifs.if_mtu) {
    printf(`${sc.sc_ifp.if_xname}: invalid MTU: ${ifs.if_mtu}(${ifs.if_xname}) != ${sc.sc_ifp.if_mtu}\n`);
    return EINVAL;
  }

  const bif = new bridge_iflist(ifs);
  bif.bif_flags = IFBIF_LEARNING | IFBIF_DISCOVER;
  bif.bif_savedcaps = ifs.if_capenable;

  // inherit_mac: the first member lends its MAC, unless the bridge's was
  // set by hand.
  if (VNET_I32(bridge_inherit_mac) !== 0 && sc.sc_iflist === null && ether_addr_equal(IF_LLADDR(sc.sc_ifp), 0, sc.sc_defaddr, 0)) {
    IF_LLADDR(sc.sc_ifp).set(IF_LLADDR(ifs).subarray(0, ETHER_ADDR_LEN));
    sc.sc_ifaddr = ifs;
    for (const f of iflladdr_event) f(sc.sc_ifp);
  }

  ifs.if_bridge = sc;
  ifs.if_bridge_output = bridge_output;
  ifs.if_bridge_input = bridge_input;
  ifs.if_bridge_linkstate = bridge_linkstate;
  bstp_create(sc.sc_stp, bif.bif_stp, bif.bif_ifp);
  sc.sc_iflist = CK_LIST_INSERT_HEAD_bif(sc.sc_iflist, bif);

  bridge_mutecaps(sc);
  bridge_linkcheck(sc);

  let error = 0;
  switch (ifs.if_type) {
    case IFT_ETHER:
    case IFT_L2VLAN:
      error = ifpromisc(ifs, 1);
      break;
  }
  if (error !== 0) bridge_delete_member(sc, bif, 0);
  return error;
}

function bridge_ioctl_del(sc: bridge_softc, req: ifbreq): number {
  const bif = bridge_lookup_member(sc, req.ifbr_ifsname);
  if (bif === null) return ENOENT;
  bridge_delete_member(sc, bif, 0);
  return 0;
}

function bridge_ioctl_gifflags(sc: bridge_softc, req: ifbreq): number {
  const bif = bridge_lookup_member(sc, req.ifbr_ifsname);
  if (bif === null) return ENOENT;
  const bp = bif.bif_stp;
  req.ifbr_ifsflags = bif.bif_flags;
  req.ifbr_state = bp.bp_state;
  req.ifbr_priority = bp.bp_priority;
  req.ifbr_path_cost = bp.bp_path_cost;
  req.ifbr_portno = bif.bif_ifp.if_index & 0xfff;
  req.ifbr_proto = bp.bp_protover;
  req.ifbr_role = bp.bp_role;
  req.ifbr_stpflags = bp.bp_flags;
  req.ifbr_addrcnt = bif.bif_addrcnt;
  req.ifbr_addrmax = bif.bif_addrmax;
  req.ifbr_addrexceeded = bif.bif_addrexceeded;

  // The port's spanning tree options show as member flags.
  if (bp.bp_operedge) req.ifbr_ifsflags |= IFBIF_BSTP_EDGE;
  if ((bp.bp_flags & BSTP_PORT_AUTOEDGE) !== 0) req.ifbr_ifsflags |= IFBIF_BSTP_AUTOEDGE;
  if (bp.bp_ptp_link) req.ifbr_ifsflags |= IFBIF_BSTP_PTP;
  if ((bp.bp_flags & BSTP_PORT_AUTOPTP) !== 0) req.ifbr_ifsflags |= IFBIF_BSTP_AUTOPTP;
  if ((bp.bp_flags & BSTP_PORT_ADMEDGE) !== 0) req.ifbr_ifsflags |= IFBIF_BSTP_ADMEDGE;
  if ((bp.bp_flags & BSTP_PORT_ADMCOST) !== 0) req.ifbr_ifsflags |= IFBIF_BSTP_ADMCOST;
  return 0;
}

function bridge_ioctl_sifflags(sc: bridge_softc, req: ifbreq): number {
  const bif = bridge_lookup_member(sc, req.ifbr_ifsname);
  if (bif === null) return ENOENT;
  const bp = bif.bif_stp;

  // SPAN is read-only.
  if ((req.ifbr_ifsflags & IFBIF_SPAN) !== 0) return EINVAL;

  if ((req.ifbr_ifsflags & IFBIF_STP) !== 0) {
    if ((bif.bif_flags & IFBIF_STP) === 0) {
      const error = bstp_enable(bif.bif_stp);
      if (error !== 0) return error;
    }
  } else if ((bif.bif_flags & IFBIF_STP) !== 0) bstp_disable(bif.bif_stp);

  bstp_set_edge(bp, (req.ifbr_ifsflags & IFBIF_BSTP_EDGE) !== 0 ? 1 : 0);
  bstp_set_autoedge(bp, (req.ifbr_ifsflags & IFBIF_BSTP_AUTOEDGE) !== 0 ? 1 : 0);
  bstp_set_ptp(bp, (req.ifbr_ifsflags & IFBIF_BSTP_PTP) !== 0 ? 1 : 0);
  bstp_set_autoptp(bp, (req.ifbr_ifsflags & IFBIF_BSTP_AUTOPTP) !== 0 ? 1 : 0);

  bif.bif_flags = req.ifbr_ifsflags & IFBIFMASK;
  return 0;
}

function bridge_ioctl_scache(sc: bridge_softc, param: ifbrparam): number {
  sc.sc_brtmax = param.ifbrp_csize;
  bridge_rttrim(sc);
  return 0;
}

function bridge_ioctl_gcache(sc: bridge_softc, param: ifbrparam): number {
  param.ifbrp_csize = sc.sc_brtmax;
  return 0;
}

function bridge_ioctl_gifs(sc: bridge_softc, bifc: ifbifconf): number {
  let count = 0;
  for (let bif = sc.sc_iflist; bif !== null; bif = bif.bif_next) count++;
  for (let bif = sc.sc_spanlist; bif !== null; bif = bif.bif_next) count++;
  const buflen = SIZEOF_IFBREQ * count;
  if (bifc.ifbic_len === 0) {
    bifc.ifbic_len = buflen;
    return 0;
  }
  const out: ifbreq[] = [];
  let len = Math.min(bifc.ifbic_len, buflen);
  let error = 0;
  // One request, zeroed once and filled for each entry in turn: a span
  // port's entry keeps what the last member's left in the fields it does
  // not set (its priority and path cost), as FreeBSD's does.
  const breq = new ifbreq();
  for (let bif = sc.sc_iflist; bif !== null; bif = bif.bif_next) {
    if (len < SIZEOF_IFBREQ) break;
    breq.ifbr_ifsname = bif.bif_ifp.if_xname;
    error = bridge_ioctl_gifflags(sc, breq);
    if (error !== 0) break;
    out.push(Object.assign(new ifbreq(), breq));
    len -= SIZEOF_IFBREQ;
  }
  for (let bif = sc.sc_spanlist; bif !== null; bif = bif.bif_next) {
    if (len < SIZEOF_IFBREQ) break;
    breq.ifbr_ifsname = bif.bif_ifp.if_xname;
    breq.ifbr_ifsflags = bif.bif_flags;
    breq.ifbr_portno = bif.bif_ifp.if_index & 0xfff;
    out.push(Object.assign(new ifbreq(), breq));
    len -= SIZEOF_IFBREQ;
  }
  bifc.ifbic_len = SIZEOF_IFBREQ * out.length;
  bifc.ifbic_req = out;
  return error;
}

function bridge_ioctl_rts(sc: bridge_softc, bac: ifbaconf): number {
  if (bac.ifbac_len === 0) return 0;
  let count = 0;
  for (let brt = sc.sc_rtlist; brt !== null; brt = brt.brt_lnext) count++;
  const buflen = SIZEOF_IFBAREQ * count;
  let len = Math.min(bac.ifbac_len, buflen);
  const out: ifbareq[] = [];
  const now = time_uptime();
  for (let brt = sc.sc_rtlist; brt !== null; brt = brt.brt_lnext) {
    if (len < SIZEOF_IFBAREQ) break;
    const bareq = new ifbareq();
    bareq.ifba_ifsname = brt.brt_ifp.if_xname;
    bareq.ifba_dst.set(brt.brt_addr);
    bareq.ifba_vlan = brt.brt_vlan;
    if ((brt.brt_flags & IFBAF_TYPEMASK) === IFBAF_DYNAMIC && now < brt.brt_expire) bareq.ifba_expire = brt.brt_expire - now;
    else bareq.ifba_expire = 0;
    bareq.ifba_flags = brt.brt_flags;
    out.push(bareq);
    len -= SIZEOF_IFBAREQ;
  }
  bac.ifbac_len = SIZEOF_IFBAREQ * out.length;
  bac.ifbac_req = out;
  return 0;
}

function bridge_ioctl_saddr(sc: bridge_softc, req: ifbareq): number {
  const bif = bridge_lookup_member(sc, req.ifba_ifsname);
  if (bif === null) return ENOENT;
  return bridge_rtupdate(sc, req.ifba_dst, 0, req.ifba_vlan, bif, 1, req.ifba_flags);
}

function bridge_ioctl_sto(sc: bridge_softc, param: ifbrparam): number {
  sc.sc_brttimeout = param.ifbrp_ctime;
  return 0;
}

function bridge_ioctl_gto(sc: bridge_softc, param: ifbrparam): number {
  param.ifbrp_ctime = sc.sc_brttimeout;
  return 0;
}

function bridge_ioctl_daddr(sc: bridge_softc, req: ifbareq): number {
  return bridge_rtdaddr(sc, req.ifba_dst, req.ifba_vlan);
}

function bridge_ioctl_flush(sc: bridge_softc, req: ifbreq): number {
  bridge_rtflush(sc, req.ifbr_ifsflags);
  return 0;
}

function bridge_ioctl_gpri(sc: bridge_softc, param: ifbrparam): number {
  param.ifbrp_prio = sc.sc_stp.bs_bridge_priority;
  return 0;
}

function bridge_ioctl_spri(sc: bridge_softc, param: ifbrparam): number {
  return bstp_set_priority(sc.sc_stp, param.ifbrp_prio);
}

function bridge_ioctl_ght(sc: bridge_softc, param: ifbrparam): number {
  param.ifbrp_hellotime = sc.sc_stp.bs_bridge_htime >> 8;
  return 0;
}

function bridge_ioctl_sht(sc: bridge_softc, param: ifbrparam): number {
  return bstp_set_htime(sc.sc_stp, param.ifbrp_hellotime);
}

function bridge_ioctl_gfd(sc: bridge_softc, param: ifbrparam): number {
  param.ifbrp_fwddelay = sc.sc_stp.bs_bridge_fdelay >> 8;
  return 0;
}

function bridge_ioctl_sfd(sc: bridge_softc, param: ifbrparam): number {
  return bstp_set_fdelay(sc.sc_stp, param.ifbrp_fwddelay);
}

function bridge_ioctl_gma(sc: bridge_softc, param: ifbrparam): number {
  param.ifbrp_maxage = sc.sc_stp.bs_bridge_max_age >> 8;
  return 0;
}

function bridge_ioctl_sma(sc: bridge_softc, param: ifbrparam): number {
  return bstp_set_maxage(sc.sc_stp, param.ifbrp_maxage);
}

function bridge_ioctl_sifprio(sc: bridge_softc, req: ifbreq): number {
  const bif = bridge_lookup_member(sc, req.ifbr_ifsname);
  if (bif === null) return ENOENT;
  return bstp_set_port_priority(bif.bif_stp, req.ifbr_priority);
}

function bridge_ioctl_sifcost(sc: bridge_softc, req: ifbreq): number {
  const bif = bridge_lookup_member(sc, req.ifbr_ifsname);
  if (bif === null) return ENOENT;
  return bstp_set_path_cost(bif.bif_stp, req.ifbr_path_cost);
}

function bridge_ioctl_sifmaxaddr(sc: bridge_softc, req: ifbreq): number {
  const bif = bridge_lookup_member(sc, req.ifbr_ifsname);
  if (bif === null) return ENOENT;
  bif.bif_addrmax = req.ifbr_addrmax;
  return 0;
}

function bridge_ioctl_addspan(sc: bridge_softc, req: ifbreq): number {
  const ifs = ifunit(req.ifbr_ifsname);
  if (ifs === null) return ENOENT;
  for (let bif = sc.sc_spanlist; bif !== null; bif = bif.bif_next) if (ifs === bif.bif_ifp) return EBUSY;
  if (ifs.if_bridge !== null) return EBUSY;
  switch (ifs.if_type) {
    case IFT_ETHER:
    case IFT_GIF:
    case IFT_L2VLAN:
      break;
    default:
      return EINVAL;
  }
  const bif = new bridge_iflist(ifs);
  bif.bif_flags = IFBIF_SPAN;
  sc.sc_spanlist = CK_LIST_INSERT_HEAD_bif(sc.sc_spanlist, bif);
  return 0;
}

function bridge_ioctl_delspan(sc: bridge_softc, req: ifbreq): number {
  const ifs = ifunit(req.ifbr_ifsname);
  if (ifs === null) return ENOENT;
  let bif = sc.sc_spanlist;
  for (; bif !== null; bif = bif.bif_next) if (ifs === bif.bif_ifp) break;
  if (bif === null) return ENOENT;
  bridge_delete_span(sc, bif);
  return 0;
}

function bridge_ioctl_gbparam(sc: bridge_softc, req: ifbropreq): number {
  const bs = sc.sc_stp;
  req.ifbop_maxage = bs.bs_bridge_max_age >> 8;
  req.ifbop_hellotime = bs.bs_bridge_htime >> 8;
  req.ifbop_fwddelay = bs.bs_bridge_fdelay >> 8;
  const root_port = bs.bs_root_port;
  if (root_port === null || root_port.bp_ifp === null) req.ifbop_root_port = 0;
  else req.ifbop_root_port = root_port.bp_ifp.if_index;
  req.ifbop_holdcount = bs.bs_txholdcount;
  req.ifbop_priority = bs.bs_bridge_priority;
  req.ifbop_protocol = bs.bs_protover;
  req.ifbop_root_path_cost = bs.bs_root_pv.pv_cost;
  req.ifbop_bridgeid = bs.bs_bridge_pv.pv_dbridge_id;
  req.ifbop_designated_root = bs.bs_root_pv.pv_root_id;
  req.ifbop_designated_bridge = bs.bs_root_pv.pv_dbridge_id;
  req.ifbop_last_tc_time = { tv_sec: bs.bs_last_tc_time.tv_sec, tv_usec: bs.bs_last_tc_time.tv_usec };
  return 0;
}

function bridge_ioctl_grte(sc: bridge_softc, param: ifbrparam): number {
  param.ifbrp_cexceeded = sc.sc_brtexceeded;
  return 0;
}

function bridge_ioctl_gifsstp(sc: bridge_softc, bifstp: ifbpstpconf): number {
  let count = 0;
  for (let bif = sc.sc_iflist; bif !== null; bif = bif.bif_next) if ((bif.bif_flags & IFBIF_STP) !== 0) count++;
  const buflen = SIZEOF_IFBPSTPREQ * count;
  if (bifstp.ifbpstp_len === 0) {
    bifstp.ifbpstp_len = buflen;
    return 0;
  }
  let len = Math.min(bifstp.ifbpstp_len, buflen);
  const out: ifbpstpreq[] = [];
  for (let bif = sc.sc_iflist; bif !== null; bif = bif.bif_next) {
    if (len < SIZEOF_IFBPSTPREQ) break;
    if ((bif.bif_flags & IFBIF_STP) === 0) continue;
    const bp = bif.bif_stp;
    const bpreq = new ifbpstpreq();
    bpreq.ifbp_portno = bif.bif_ifp.if_index & 0xfff;
    bpreq.ifbp_fwd_trans = bp.bp_forward_transitions;
    bpreq.ifbp_design_cost = bp.bp_desg_pv.pv_cost;
    bpreq.ifbp_design_port = bp.bp_desg_pv.pv_port_id;
    bpreq.ifbp_design_bridge = bp.bp_desg_pv.pv_dbridge_id;
    bpreq.ifbp_design_root = bp.bp_desg_pv.pv_root_id;
    out.push(bpreq);
    len -= SIZEOF_IFBPSTPREQ;
  }
  bifstp.ifbpstp_len = SIZEOF_IFBPSTPREQ * out.length;
  bifstp.ifbpstp_req = out;
  return 0;
}

function bridge_ioctl_sproto(sc: bridge_softc, param: ifbrparam): number {
  return bstp_set_protocol(sc.sc_stp, param.ifbrp_proto);
}

function bridge_ioctl_stxhc(sc: bridge_softc, param: ifbrparam): number {
  return bstp_set_holdcount(sc.sc_stp, param.ifbrp_txhc);
}

// ---------------------------------------------------------------------------
// Members going away, up and down.

/**
 * bridge_ifdetach: ifnet_departure_event.  A member (destroyed, or moved to
 * another vnet) leaves its bridge; a span port leaves every bridge of its
 * vnet.
 */
function bridge_ifdetach(ifp: ifnet): void {
  if ((ifp.if_flags & IFF_RENAMING) !== 0) return;
  const saved = CURVNET_SET(ifp.if_vnet, "bridge_ifdetach");
  // Called after vnet_bridge_uninit: nothing to do.
  if (VNET_PTR(bridge_cloner) === null) {
    CURVNET_RESTORE(saved);
    return;
  }
  // (if_bridge is typed unknown: only a bridge_softc is this file's.)
  const sc = ifp.if_bridge instanceof bridge_softc ? ifp.if_bridge : null;
  if (sc !== null) {
    const bif = bridge_lookup_member_if(sc, ifp);
    if (bif !== null) bridge_delete_member(sc, bif, 1);
    CURVNET_RESTORE(saved);
    return;
  }
  for (const sc2 of VNET_PTR(bridge_list)) {
    for (let bif = sc2.sc_spanlist; bif !== null; bif = bif.bif_next) {
      if (ifp === bif.bif_ifp) {
        bridge_delete_span(sc2, bif);
        break;
      }
    }
  }
  CURVNET_RESTORE(saved);
}

/** bridge_init: if_init; start the aging timer and the spanning tree. */
function bridge_init(xsc: unknown): void {
  const sc = xsc as bridge_softc;
  const ifp = sc.sc_ifp;
  if ((ifp.if_drv_flags & IFF_DRV_RUNNING) !== 0) return;
  callout_reset(sc.sc_brcallout, bridge_rtable_prune_period * hz, bridge_timer, sc);
  ifp.if_drv_flags |= IFF_DRV_RUNNING;
  bstp_init(sc.sc_stp);
}

/** bridge_stop: stop the timer and the spanning tree, forget learned
 *  addresses. */
function bridge_stop(ifp: ifnet, _disable: number): void {
  const sc = ifp.if_softc as bridge_softc;
  if ((ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) return;
  callout_stop(sc.sc_brcallout);
  bstp_stop(sc.sc_stp);
  bridge_rtflush(sc, IFBF_FLUSHDYN);
  ifp.if_drv_flags &= ~IFF_DRV_RUNNING;
}

// ---------------------------------------------------------------------------
// The data path.

/**
 * bridge_enqueue: transmit on a member (a chain of fragments, linked by
 * m_nextpkt, one by one), re-inserting the VLAN tag if the member cannot.
 * The bridge counts what left it.
 */
function bridge_enqueue(sc: bridge_softc, dst_ifp: ifnet, m0: mbuf | null): number {
  let err = 0;
  let m = m0;
  while (m !== null) {
    const next: mbuf | null = m.m_nextpkt;
    m.m_nextpkt = null;
    const len = m.m_pkthdr.len;
    const mflags = m.m_flags;

    if ((m.m_flags & M_VLANTAG) !== 0 && (dst_ifp.if_capenable & IFCAP_VLAN_HWTAGGING) === 0) {
      const mv = bridge_vlanencap(m, m.m_pkthdr.ether_vtag);
      if (mv === null) {
        printf(`${dst_ifp.if_xname}: unable to prepend VLAN header\n`);
        if_inc_counter(dst_ifp, IFCOUNTER_OERRORS, 1);
        m = next;
        continue;
      }
      m = mv;
      m.m_flags &= ~M_VLANTAG;
    }

    M_ASSERTPKTHDR(m);
    err = dst_ifp.if_transmit(dst_ifp, m);
    if (err !== 0) {
      let n = next;
      while (n !== null) {
        const nn: mbuf | null = n.m_nextpkt;
        n.m_nextpkt = null;
        m_freem(n);
        n = nn;
      }
      if_inc_counter(sc.sc_ifp, IFCOUNTER_OERRORS, 1);
      break;
    }
    if_inc_counter(sc.sc_ifp, IFCOUNTER_OPACKETS, 1);
    if_inc_counter(sc.sc_ifp, IFCOUNTER_OBYTES, len);
    if ((mflags & M_MCAST) !== 0) if_inc_counter(sc.sc_ifp, IFCOUNTER_OMCASTS, 1);
    m = next;
  }
  return err;
}

/** pfil's `struct mbuf **` for the bridge's filter calls. */
const bridge_mp = new pfil_mbufp();

/**
 * bridge_dummynet: a packet back from a dummynet pipe goes on to its
 * member, unless that member left the bridge meanwhile.
 */
export function bridge_dummynet(m: mbuf, ifp: ifnet): void {
  const sc = ifp.if_bridge as bridge_softc | null;
  if (sc === null) {
    m_freem(m);
    return;
  }
  if (PFIL_HOOKED_OUT(V_inet_pfil_head())) {
    bridge_mp.m = m;
    if (bridge_pfil(bridge_mp, sc.sc_ifp, ifp, PFIL_OUT) !== 0) return;
    if (bridge_mp.m === null) return;
    m = bridge_mp.m;
    bridge_mp.m = null;
  }
  bridge_enqueue(sc, ifp, m);
}

/**
 * bridge_output: BRIDGE_OUTPUT, what the stack sends on a member.  The
 * frame goes where the table says, or to every running member (the one it
 * was sent on included); a stopped bridge leaves it to its interface.
 */
function bridge_output(ifp: ifnet, m: mbuf, _sa: sockaddr | null, _rt: route | null): number {
  if (m.m_len < ETHER_HDR_LEN) {
    const mm = m_pullup(m, ETHER_HDR_LEN);
    if (mm === null) return 0;
    m = mm;
  }
  const sc = ifp.if_bridge as bridge_softc;
  const vlan = VLANTAGOF(m);
  const bifp = sc.sc_ifp;
  let dst_if: ifnet | null;

  if ((bifp.if_drv_flags & IFF_DRV_RUNNING) === 0) {
    dst_if = ifp;
  } else {
    if (ETHER_IS_MULTICAST(m.m_buf, m.m_data + ether_dhost)) dst_if = null;
    else dst_if = bridge_rtlookup(sc, m.m_buf, m.m_data + ether_dhost, vlan);
    // Tap what does not go back out the interface it was sent on.
    if (dst_if !== ifp) ETHER_BPF_MTAP(bifp, m);
    if (dst_if === null) {
      let used = false;
      bridge_span(sc, m);
      for (let bif = sc.sc_iflist; bif !== null; bif = bif.bif_next) {
        const d = bif.bif_ifp;
        if (d.if_type === IFT_GIF) continue;
        if ((d.if_drv_flags & IFF_DRV_RUNNING) === 0) continue;
        // Other ports must be forwarding to take part.
        if (d !== ifp && (bif.bif_flags & IFBIF_STP) !== 0 && bif.bif_stp.bp_state === BSTP_IFSTATE_DISCARDING) continue;
        let mc: mbuf | null;
        if (bif.bif_next === null) {
          used = true;
          mc = m;
        } else {
          mc = m_copypacket(m, M_NOWAIT);
          if (mc === null) {
            if_inc_counter(bifp, IFCOUNTER_OERRORS, 1);
            continue;
          }
        }
        bridge_enqueue(sc, d, mc);
      }
      if (!used) m_freem(m);
      return 0;
    }
  }

  // sendunicast:
  bridge_span(sc, m);
  if ((dst_if.if_drv_flags & IFF_DRV_RUNNING) === 0) {
    m_freem(m);
    return 0;
  }
  bridge_enqueue(sc, dst_if, m);
  return 0;
}

/** bridge_transmit: if_transmit of the bridge interface (what the stack
 *  sends on bridgeN): to the member the table names, or to all. */
function bridge_transmit(ifp: ifnet, m: mbuf): number {
  const sc = ifp.if_softc as bridge_softc;
  ETHER_BPF_MTAP(ifp, m);
  let error = 0;
  let dst_if: ifnet | null = null;
  if ((m.m_flags & (M_BCAST | M_MCAST)) === 0 && (dst_if = bridge_rtlookup(sc, m.m_buf, m.m_data + ether_dhost, 1)) !== null) {
    error = bridge_enqueue(sc, dst_if, m);
  } else bridge_broadcast(sc, ifp, m, 0);
  return error;
}

/** bridge_qflush: there is no queue. */
function bridge_qflush(_ifp: ifnet): void {}

/**
 * bridge_forward: the bridging function proper, for a frame that came in
 * on member sbif and is not for us: learn the source, drop what the
 * spanning tree, the address limits, a private pair or a same-side
 * destination forbid, and send it on (or flood it).
 */
function bridge_forward(sc: bridge_softc, sbif: bridge_iflist, m: mbuf): void {
  const src_if = m.m_pkthdr.rcvif as ifnet;
  const ifp = sc.sc_ifp;
  if_inc_counter(ifp, IFCOUNTER_IPACKETS, 1);
  if_inc_counter(ifp, IFCOUNTER_IBYTES, m.m_pkthdr.len);
  const vlan = VLANTAGOF(m);

  if ((sbif.bif_flags & IFBIF_STP) !== 0 && sbif.bif_stp.bp_state === BSTP_IFSTATE_DISCARDING) {
    m_freem(m);
    return;
  }

  if ((sbif.bif_flags & IFBIF_LEARNING) !== 0) {
    const error = bridge_rtupdate(sc, m.m_buf, m.m_data + ether_shost, vlan, sbif, 0, IFBAF_DYNAMIC);
    // With an address limit, a source the table has no room for is refused.
    if (error !== 0 && sbif.bif_addrmax !== 0) {
      m_freem(m);
      return;
    }
  }

  if ((sbif.bif_flags & IFBIF_STP) !== 0 && sbif.bif_stp.bp_state === BSTP_IFSTATE_LEARNING) {
    m_freem(m);
    return;
  }

  let dst_if: ifnet | null;
  if ((m.m_flags & (M_BCAST | M_MCAST)) === 0) {
    dst_if = bridge_rtlookup(sc, m.m_buf, m.m_data + ether_dhost, vlan);
    // For someone on the side it came from.
    if (src_if === dst_if) {
      m_freem(m);
      return;
    }
  } else {
    // 802.1D 7.12.6: 01:80:c2:00:00:00 to 0f are never forwarded.
    if (is_reserved_8021d(m.m_buf, m.m_data + ether_dhost)) {
      m_freem(m);
      return;
    }
    if_inc_counter(ifp, IFCOUNTER_IMCASTS, 1);
    dst_if = null;
  }

  // Broadcasts are tapped when ether_input sees the copy for the bridge.
  if (dst_if !== null || (m.m_flags & (M_BCAST | M_MCAST)) === 0) ETHER_BPF_MTAP(ifp, m);

  if (PFIL_HOOKED_IN(V_inet_pfil_head())) {
    bridge_mp.m = m;
    if (bridge_pfil(bridge_mp, ifp, src_if, PFIL_IN) !== 0) return;
    if (bridge_mp.m === null) return;
    m = bridge_mp.m;
    bridge_mp.m = null;
  }

  if (dst_if === null) {
    bridge_broadcast(sc, src_if, m, 1);
    return;
  }

  // A unicast frame for another member.
  if ((dst_if.if_drv_flags & IFF_DRV_RUNNING) === 0) {
    m_freem(m);
    return;
  }
  const dbif = bridge_lookup_member_if(sc, dst_if);
  if (dbif === null) {
    // Not (any more) a member of the bridge.
    m_freem(m);
    return;
  }
  // Private segments do not talk to each other.
  if ((sbif.bif_flags & dbif.bif_flags & IFBIF_PRIVATE) !== 0) {
    m_freem(m);
    return;
  }
  if ((dbif.bif_flags & IFBIF_STP) !== 0 && dbif.bif_stp.bp_state === BSTP_IFSTATE_DISCARDING) {
    m_freem(m);
    return;
  }
  if (PFIL_HOOKED_OUT(V_inet_pfil_head())) {
    bridge_mp.m = m;
    if (bridge_pfil(bridge_mp, ifp, dst_if, PFIL_OUT) !== 0) return;
    if (bridge_mp.m === null) return;
    m = bridge_mp.m;
    bridge_mp.m = null;
  }
  bridge_enqueue(sc, dst_if, m);
}

// What bridge_grab decided (GRAB_OUR_PACKETS): not ours, ours (the frame,
// possibly replaced by a filter, is in grab_m), or consumed.
const GRAB_NONE = 0;
const GRAB_TAKE = 1;
const GRAB_GONE = 2;
let grab_m: mbuf | null = null;

/**
 * GRAB_OUR_PACKETS(iface): a unicast frame for iface's own MAC is
 * delivered locally as received by iface (learning its source first); one
 * that iface itself sent (its MAC as the source) came back round a loop
 * and is dropped.
 */
function bridge_grab(sc: bridge_softc, bif: bridge_iflist, ifp: ifnet, bifp: ifnet, iface: ifnet, m: mbuf, vlan: number): number {
  if (iface.if_type === IFT_GIF) return GRAB_NONE;
  const lla = IF_LLADDR(iface);
  if (ether_addr_equal(lla, 0, m.m_buf, m.m_data + ether_dhost)) {
    if ((bif.bif_flags & IFBIF_LEARNING) !== 0) {
      const error = bridge_rtupdate(sc, m.m_buf, m.m_data + ether_shost, vlan, bif, 0, IFBAF_DYNAMIC);
      if (error !== 0 && bif.bif_addrmax !== 0) {
        m_freem(m);
        return GRAB_GONE;
      }
    }
    m.m_pkthdr.rcvif = iface;
    if (iface === ifp) {
      // For the interface it came in on: no bridging at all.
      grab_m = m;
      return GRAB_TAKE;
    }
    // Passing over or to the bridge, locally.
    ETHER_BPF_MTAP(bifp, m);
    if_inc_counter(bifp, IFCOUNTER_IPACKETS, 1);
    if_inc_counter(bifp, IFCOUNTER_IBYTES, m.m_pkthdr.len);
    if (VNET_I32(pfil_local_phys) !== 0 && PFIL_HOOKED_IN(V_inet_pfil_head())) {
      bridge_mp.m = m;
      if (bridge_pfil(bridge_mp, null, ifp, PFIL_IN) !== 0 || bridge_mp.m === null) return GRAB_GONE;
      m = bridge_mp.m;
      bridge_mp.m = null;
    }
    if (iface !== bifp) ETHER_BPF_MTAP(iface, m);
    grab_m = m;
    return GRAB_TAKE;
  }
  if (ether_addr_equal(lla, 0, m.m_buf, m.m_data + ether_shost)) {
    m_freem(m);
    return GRAB_GONE;
  }
  return GRAB_NONE;
}

/**
 * bridge_input: BRIDGE_INPUT, a frame received on member ifp.  Returns the
 * frame for local delivery (its rcvif now the interface it is for: ifp,
 * the bridge or another member) or null when the bridge took it.
 * Broadcasts are both forwarded (a copy), shown to the bridge interface
 * (another copy, through its if_input) and delivered on ifp.
 */
function bridge_input(ifp: ifnet, m: mbuf): mbuf | null {
  const sc = ifp.if_bridge as bridge_softc;
  if ((sc.sc_ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) return m;
  const bifp = sc.sc_ifp;
  const vlan = VLANTAGOF(m);

  // Monitor mode: the bridge counts and taps, and that is all.
  if ((bifp.if_flags & IFF_MONITOR) !== 0) {
    m.m_pkthdr.rcvif = bifp;
    ETHER_BPF_MTAP(bifp, m);
    if_inc_counter(bifp, IFCOUNTER_IPACKETS, 1);
    if_inc_counter(bifp, IFCOUNTER_IBYTES, m.m_pkthdr.len);
    m_freem(m);
    return null;
  }
  const bif = bridge_lookup_member_if(sc, ifp);
  if (bif === null) return m;

  bridge_span(sc, m);

  if ((m.m_flags & (M_BCAST | M_MCAST)) !== 0) {
    // BPDUs go to the spanning tree, never further.
    if (ether_addr_equal(bstp_etheraddr, 0, m.m_buf, m.m_data + ether_dhost)) {
      bstp_input(bif.bif_stp, ifp, m);
      return null;
    }
    if ((bif.bif_flags & IFBIF_STP) !== 0 && bif.bif_stp.bp_state === BSTP_IFSTATE_DISCARDING) return m;

    // A deep copy is bridged; the original is delivered here.
    const mc = m_dup(m, M_NOWAIT);
    if (mc === null) return m;
    bridge_forward(sc, bif, mc);

    // And another copy arrives on the bridge interface, which may want it
    // (a bridge is never a member of a bridge, so this does not loop).
    KASSERT(bifp.if_bridge === null, "loop created in bridge_input");
    let mc2 = m_dup(m, M_NOWAIT);
    if (mc2 !== null) {
      const i = Math.min(mc2.m_pkthdr.len, max_protohdr);
      mc2 = m_copyup(mc2, i, ETHER_ALIGN);
    }
    if (mc2 !== null) {
      mc2.m_pkthdr.rcvif = bifp;
      bifp.if_input(bifp, mc2);
    }
    return m;
  }

  if ((bif.bif_flags & IFBIF_STP) !== 0 && bif.bif_stp.bp_state === BSTP_IFSTATE_DISCARDING) return m;

  // Unicast: for the bridge itself?
  let r = bridge_grab(sc, bif, ifp, bifp, bifp, m, vlan);
  if (r === GRAB_NONE) {
    // The interface it came in on first: members sharing a MAC (VLANs of
    // one card) then resolve to it, and it is the cheap case.
    r = bridge_grab(sc, bif, ifp, bifp, ifp, m, vlan);
  }
  for (let bif2 = sc.sc_iflist; r === GRAB_NONE && bif2 !== null; bif2 = bif2.bif_next) r = bridge_grab(sc, bif, ifp, bifp, bif2.bif_ifp, m, vlan);
  if (r === GRAB_TAKE) {
    const t = grab_m;
    grab_m = null;
    return t;
  }
  if (r === GRAB_GONE) return null;

  bridge_forward(sc, bif, m);
  return null;
}

/**
 * bridge_broadcast: a frame to every member but the one it came from,
 * within what private ports, the spanning tree and -discover allow.  The
 * last member gets the frame itself, the others copies.
 */
function bridge_broadcast(sc: bridge_softc, src_if: ifnet, m: mbuf, runfilt: number): void {
  const sbif = bridge_lookup_member_if(sc, src_if);
  let used = false;

  if (runfilt !== 0 && PFIL_HOOKED_OUT(V_inet_pfil_head())) {
    bridge_mp.m = m;
    if (bridge_pfil(bridge_mp, sc.sc_ifp, null, PFIL_OUT) !== 0) return;
    if (bridge_mp.m === null) return;
    m = bridge_mp.m;
    bridge_mp.m = null;
  }

  for (let dbif = sc.sc_iflist; dbif !== null; dbif = dbif.bif_next) {
    const dst_if = dbif.bif_ifp;
    if (dst_if === src_if) continue;
    if (sbif !== null && (sbif.bif_flags & dbif.bif_flags & IFBIF_PRIVATE) !== 0) continue;
    if ((dbif.bif_flags & IFBIF_STP) !== 0 && dbif.bif_stp.bp_state === BSTP_IFSTATE_DISCARDING) continue;
    if ((dbif.bif_flags & IFBIF_DISCOVER) === 0 && (m.m_flags & (M_BCAST | M_MCAST)) === 0) continue;
    if ((dst_if.if_drv_flags & IFF_DRV_RUNNING) === 0) continue;

    let mc: mbuf | null;
    if (dbif.bif_next === null) {
      mc = m;
      used = true;
    } else {
      mc = m_dup(m, M_NOWAIT);
      if (mc === null) {
        if_inc_counter(sc.sc_ifp, IFCOUNTER_OERRORS, 1);
        continue;
      }
    }

    // Filter on the way out of each member (the bridge's own filter ran
    // above, once).
    if (runfilt !== 0 && PFIL_HOOKED_OUT(V_inet_pfil_head())) {
      if (!used) {
        const i = Math.min(mc.m_pkthdr.len, max_protohdr);
        mc = m_copyup(mc, i, ETHER_ALIGN);
        if (mc === null) {
          if_inc_counter(sc.sc_ifp, IFCOUNTER_OERRORS, 1);
          continue;
        }
      }
      bridge_mp.m = mc;
      if (bridge_pfil(bridge_mp, null, dst_if, PFIL_OUT) !== 0) continue;
      if (bridge_mp.m === null) continue;
      mc = bridge_mp.m;
      bridge_mp.m = null;
    }
    bridge_enqueue(sc, dst_if, mc);
  }
  if (!used) m_freem(m);
}

/** bridge_span: a copy to each running span port; m is left alone. */
function bridge_span(sc: bridge_softc, m: mbuf): void {
  if (sc.sc_spanlist === null) return;
  for (let bif: bridge_iflist | null = sc.sc_spanlist; bif !== null; bif = bif.bif_next) {
    const dst_if = bif.bif_ifp;
    if ((dst_if.if_drv_flags & IFF_DRV_RUNNING) === 0) continue;
    const mc = m_copypacket(m, M_NOWAIT);
    if (mc === null) {
      if_inc_counter(sc.sc_ifp, IFCOUNTER_OERRORS, 1);
      continue;
    }
    bridge_enqueue(sc, dst_if, mc);
  }
}

// ---------------------------------------------------------------------------
// The address table.

/**
 * bridge_rtupdate: learn (or, from BRDGSADDR, set) that the address at
 * dst[off] is behind member bif.  A dynamic entry follows the station to
 * another member; static and sticky ones stay.  ENOSPC when the table or
 * the member's limit is full.
 */
function bridge_rtupdate(sc: bridge_softc, dst: Uint8Array, off: number, vlan: number, bif: bridge_iflist, setflags: number, flags: number): number {
  // A source must be a station: neither a group nor all zeros.
  if (ETHER_IS_MULTICAST(dst, off) || (dst[off] === 0 && dst[off + 1] === 0 && dst[off + 2] === 0 && dst[off + 3] === 0 && dst[off + 4] === 0 && dst[off + 5] === 0)) return EINVAL;

  // 802.1p frames map to VLAN 1.
  if (vlan === 0) vlan = 1;

  let brt = bridge_rtnode_lookup(sc, dst, off, vlan);
  if (brt === null) {
    if (sc.sc_brtcnt >= sc.sc_brtmax) {
      sc.sc_brtexceeded++;
      return ENOSPC;
    }
    if (bif.bif_addrmax !== 0 && bif.bif_addrcnt >= bif.bif_addrmax) {
      bif.bif_addrexceeded++;
      return ENOSPC;
    }
    brt = new bridge_rtnode(bif, VIMAGE ? curvnet : null);
    brt.brt_flags = (bif.bif_flags & IFBIF_STICKY) !== 0 ? IFBAF_STICKY : IFBAF_DYNAMIC;
    for (let i = 0; i < ETHER_ADDR_LEN; i++) brt.brt_addr[i] = dst[off + i];
    brt.brt_vlan = vlan;
    const error = bridge_rtnode_insert(sc, brt);
    if (error !== 0) return error;
    bif.bif_addrcnt++;
  }

  if ((brt.brt_flags & IFBAF_TYPEMASK) === IFBAF_DYNAMIC && brt.brt_dst !== bif) {
    brt.brt_dst.bif_addrcnt--;
    brt.brt_dst = bif;
    brt.brt_dst.bif_addrcnt++;
  }

  if ((flags & IFBAF_TYPEMASK) === IFBAF_DYNAMIC) brt.brt_expire = time_uptime() + sc.sc_brttimeout;
  if (setflags !== 0) brt.brt_flags = flags;
  return 0;
}

/** bridge_rtlookup: the member behind an address, or null. */
function bridge_rtlookup(sc: bridge_softc, addr: Uint8Array, off: number, vlan: number): ifnet | null {
  const brt = bridge_rtnode_lookup(sc, addr, off, vlan);
  return brt === null ? null : brt.brt_ifp;
}

/** bridge_rttrim: back under sc_brtmax, by aging first, then by dropping
 *  dynamic entries. */
function bridge_rttrim(sc: bridge_softc): void {
  if (sc.sc_brtcnt <= sc.sc_brtmax) return;
  bridge_rtage(sc);
  if (sc.sc_brtcnt <= sc.sc_brtmax) return;
  for (let brt = sc.sc_rtlist; brt !== null; ) {
    const nbrt: bridge_rtnode | null = brt.brt_lnext;
    if ((brt.brt_flags & IFBAF_TYPEMASK) === IFBAF_DYNAMIC) {
      bridge_rtnode_destroy(sc, brt);
      if (sc.sc_brtcnt <= sc.sc_brtmax) return;
    }
    brt = nbrt;
  }
}

/** bridge_timer: the aging walk, every bridge_rtable_prune_period seconds
 *  while the bridge runs. */
function bridge_timer(sc: bridge_softc): void {
  const saved = CURVNET_SET(sc.sc_ifp.if_vnet, "bridge_timer");
  bridge_rtage(sc);
  if ((sc.sc_ifp.if_drv_flags & IFF_DRV_RUNNING) !== 0) callout_reset(sc.sc_brcallout, bridge_rtable_prune_period * hz, bridge_timer, sc);
  CURVNET_RESTORE(saved);
}

/** bridge_rtage: drop the dynamic entries that expired. */
function bridge_rtage(sc: bridge_softc): void {
  const now = time_uptime();
  for (let brt = sc.sc_rtlist; brt !== null; ) {
    const nbrt: bridge_rtnode | null = brt.brt_lnext;
    if ((brt.brt_flags & IFBAF_TYPEMASK) === IFBAF_DYNAMIC && now >= brt.brt_expire) bridge_rtnode_destroy(sc, brt);
    brt = nbrt;
  }
}

/** bridge_rtflush: drop the dynamic entries, or all (full). */
function bridge_rtflush(sc: bridge_softc, full: number): void {
  for (let brt = sc.sc_rtlist; brt !== null; ) {
    const nbrt: bridge_rtnode | null = brt.brt_lnext;
    if (full !== 0 || (brt.brt_flags & IFBAF_TYPEMASK) === IFBAF_DYNAMIC) bridge_rtnode_destroy(sc, brt);
    brt = nbrt;
  }
}

/** bridge_rtdaddr: delete an address (VLAN 0: on every VLAN). */
function bridge_rtdaddr(sc: bridge_softc, addr: Uint8Array, vlan: number): number {
  let found = false;
  let brt: bridge_rtnode | null;
  while ((brt = bridge_rtnode_lookup(sc, addr, 0, vlan)) !== null) {
    bridge_rtnode_destroy(sc, brt);
    found = true;
  }
  return found ? 0 : ENOENT;
}

/** bridge_rtdelete: drop the entries of one member (dynamic ones, or all). */
function bridge_rtdelete(sc: bridge_softc, ifp: ifnet, full: number): void {
  for (let brt = sc.sc_rtlist; brt !== null; ) {
    const nbrt: bridge_rtnode | null = brt.brt_lnext;
    if (brt.brt_ifp === ifp && (full !== 0 || (brt.brt_flags & IFBAF_TYPEMASK) === IFBAF_DYNAMIC)) bridge_rtnode_destroy(sc, brt);
    brt = nbrt;
  }
}

/** bridge_rtable_init: an empty table with a random hash key. */
function bridge_rtable_init(sc: bridge_softc): void {
  sc.sc_rthash.fill(null);
  sc.sc_rthash_key = arc4random();
  sc.sc_rtlist = null;
}

function bridge_rtable_fini(sc: bridge_softc): void {
  KASSERT(sc.sc_brtcnt === 0, `bridge_rtable_fini: ${sc.sc_brtcnt} bridge routes referenced`);
}

/** bridge_rthash: Bob Jenkins' 1997 mix over the address and the key. */
function bridge_rthash(sc: bridge_softc, addr: Uint8Array, off: number): number {
  let a = 0x9e3779b9 | 0;
  let b = 0x9e3779b9 | 0;
  let c = sc.sc_rthash_key | 0;
  b = (b + (addr[off + 5] << 8)) | 0;
  b = (b + addr[off + 4]) | 0;
  a = (a + (addr[off + 3] << 24)) | 0;
  a = (a + (addr[off + 2] << 16)) | 0;
  a = (a + (addr[off + 1] << 8)) | 0;
  a = (a + addr[off]) | 0;
  // mix(a, b, c), in unsigned 32-bit arithmetic.
  a = (a - b - c) | 0; a ^= c >>> 13;
  b = (b - c - a) | 0; b ^= a << 8;
  c = (c - a - b) | 0; c ^= b >>> 13;
  a = (a - b - c) | 0; a ^= c >>> 12;
  b = (b - c - a) | 0; b ^= a << 16;
  c = (c - a - b) | 0; c ^= b >>> 5;
  a = (a - b - c) | 0; a ^= c >>> 3;
  b = (b - c - a) | 0; b ^= a << 10;
  c = (c - a - b) | 0; c ^= b >>> 15;
  return c & BRIDGE_RTHASH_MASK;
}

/** bridge_rtnode_addr_cmp: memcmp-like order of two addresses. */
function bridge_rtnode_addr_cmp(a: Uint8Array, aoff: number, b: Uint8Array, boff: number): number {
  let d = 0;
  for (let i = 0; i < ETHER_ADDR_LEN && d === 0; i++) d = a[aoff + i] - b[boff + i];
  return d;
}

/** bridge_rtnode_lookup: the entry for an address on a VLAN (VLAN 0: the
 *  first on any).  Chains are kept in descending order. */
function bridge_rtnode_lookup(sc: bridge_softc, addr: Uint8Array, off: number, vlan: number): bridge_rtnode | null {
  const hash = bridge_rthash(sc, addr, off);
  for (let brt = sc.sc_rthash[hash]; brt !== null; brt = brt.brt_hnext) {
    const dir = bridge_rtnode_addr_cmp(addr, off, brt.brt_addr, 0);
    if (dir === 0 && (brt.brt_vlan === vlan || vlan === 0)) return brt;
    if (dir > 0) return null;
  }
  return null;
}

/** bridge_rtnode_insert: into its chain, in order; EEXIST if there. */
function bridge_rtnode_insert(sc: bridge_softc, brt: bridge_rtnode): number {
  const hash = bridge_rthash(sc, brt.brt_addr, 0);
  let lbrt = sc.sc_rthash[hash];
  if (lbrt === null) {
    sc.sc_rthash[hash] = brt;
  } else {
    for (;;) {
      const dir = bridge_rtnode_addr_cmp(brt.brt_addr, 0, lbrt.brt_addr, 0);
      if (dir === 0 && brt.brt_vlan === lbrt.brt_vlan) return EEXIST;
      if (dir > 0) {
        // Before lbrt.
        brt.brt_hprev = lbrt.brt_hprev;
        brt.brt_hnext = lbrt;
        if (lbrt.brt_hprev === null) sc.sc_rthash[hash] = brt;
        else lbrt.brt_hprev.brt_hnext = brt;
        lbrt.brt_hprev = brt;
        break;
      }
      if (lbrt.brt_hnext === null) {
        lbrt.brt_hnext = brt;
        brt.brt_hprev = lbrt;
        break;
      }
      lbrt = lbrt.brt_hnext;
    }
  }
  brt.brt_lprev = null;
  brt.brt_lnext = sc.sc_rtlist;
  if (sc.sc_rtlist !== null) sc.sc_rtlist.brt_lprev = brt;
  sc.sc_rtlist = brt;
  sc.sc_brtcnt++;
  return 0;
}

/** bridge_rtnode_destroy: out of the chain and the list.  Its own links
 *  stay, for a walk standing on it. */
function bridge_rtnode_destroy(sc: bridge_softc, brt: bridge_rtnode): void {
  const hash = bridge_rthash(sc, brt.brt_addr, 0);
  if (brt.brt_hprev === null) sc.sc_rthash[hash] = brt.brt_hnext;
  else brt.brt_hprev.brt_hnext = brt.brt_hnext;
  if (brt.brt_hnext !== null) brt.brt_hnext.brt_hprev = brt.brt_hprev;

  if (brt.brt_lprev === null) sc.sc_rtlist = brt.brt_lnext;
  else brt.brt_lprev.brt_lnext = brt.brt_lnext;
  if (brt.brt_lnext !== null) brt.brt_lnext.brt_lprev = brt.brt_lprev;

  sc.sc_brtcnt--;
  brt.brt_dst.bif_addrcnt--;
}

/**
 * bridge_rtable_expire: the spanning tree's rtage callback: flush a port's
 * learned addresses (age 0) or cap their lifetime at age seconds.
 */
function bridge_rtable_expire(ifp: ifnet, age: number): void {
  const sc = ifp.if_bridge as bridge_softc | null;
  if (sc === null) return;
  const saved = CURVNET_SET(ifp.if_vnet, "bridge_rtable_expire");
  if (age === 0) bridge_rtdelete(sc, ifp, IFBF_FLUSHDYN);
  else {
    const now = time_uptime();
    for (let brt = sc.sc_rtlist; brt !== null; brt = brt.brt_lnext) {
      if (brt.brt_ifp === ifp && brt.brt_expire > now + age && (brt.brt_flags & IFBAF_TYPEMASK) === IFBAF_DYNAMIC) brt.brt_expire = now + age;
    }
  }
  CURVNET_RESTORE(saved);
}

/** bridge_state_change: the spanning tree's state callback (logged with
 *  net.link.bridge.log_stp). */
function bridge_state_change(ifp: ifnet, state: number): void {
  const sc = ifp.if_bridge as bridge_softc | null;
  const saved = CURVNET_SET(ifp.if_vnet, "bridge_state_change");
  if (VNET_I32(log_stp) !== 0 && sc !== null) log(5, `${sc.sc_ifp.if_xname}: state changed to ${STP_STATES[state]} on ${ifp.if_xname}\n`);
  CURVNET_RESTORE(saved);
}

/** bridge_ops: what bridgestp calls back. */
const bridge_ops: bstp_cb_ops = { bcb_state: bridge_state_change, bcb_rtage: bridge_rtable_expire };

// ---------------------------------------------------------------------------
// Packet filtering (pfil) of bridged IP.

/**
 * bridge_pfil: run the IPv4 pfil hooks on a bridged frame, in the order
 * in-member, bridge, out-member, with the Ethernet header off while they
 * look, and put it back.  ARP passes (unless ipfw_arp); other non-IP is
 * dropped with pfil_onlyip.  Nonzero: the frame is gone (mp.m null) or
 * was refused.
 */
function bridge_pfil(mp: pfil_mbufp, bifp: ifnet | null, ifp: ifnet | null, dir: number): number {
  let error = -1;
  const m0 = mp.m;
  if (m0 === null) return -1;
  if (VNET_I32(pfil_bridge) === 0 && VNET_I32(pfil_member) === 0 && VNET_I32(pfil_ipfw) === 0) return 0;

  const i = Math.min(m0.m_pkthdr.len, max_protohdr);
  if (m0.m_len < i) {
    mp.m = m_pullup(m0, i);
    if (mp.m === null) {
      printf("bridge_pfil: m_pullup failed\n");
      return -1;
    }
  }
  let m = mp.m as mbuf;
  const etype = m.m_dv.getUint16(m.m_data + ether_type);
  // (IP in 802.2 SNAP, a length below ETHERMTU in the type field, is not
  // unwrapped: no member here sends it.)

  switch (etype) {
    case ETHERTYPE_ARP:
    case ETHERTYPE_REVARP:
      if (VNET_I32(pfil_ipfw_arp) === 0) return 0;
      break;
    case ETHERTYPE_IP:
      break;
    default:
      if (VNET_I32(pfil_onlyip) !== 0) {
        m_freem(m);
        mp.m = null;
        return error;
      }
  }

  // Layer-2 hooks (ipfw's) before the header goes.
  const lh = V_link_pfil_head();
  if (PFIL_HOOKED_OUT(lh) && VNET_I32(pfil_ipfw) !== 0 && dir === PFIL_OUT && ifp !== null) {
    const rv = pfil_mbuf_out(lh as pfil_head, m, ifp, null);
    if (rv === PFIL_DROPPED) {
      mp.m = null;
      return EACCES;
    }
    if (rv === PFIL_CONSUMED) {
      mp.m = null;
      return 0;
    }
    m = pfil_mbuf_result();
    mp.m = m;
  }

  m_copydata(m, 0, ETHER_HDR_LEN, pfil_eh);
  m_adj(m, ETHER_HDR_LEN);

  if (dir === PFIL_IN && etype === ETHERTYPE_IP) {
    bridge_mp_chk.m = m;
    error = bridge_ip_checkbasic(bridge_mp_chk);
    m = bridge_mp_chk.m as mbuf;
    bridge_mp_chk.m = null;
    mp.m = m;
    if (error !== 0) {
      m_freem(m);
      mp.m = null;
      return error;
    }
  }
  error = 0;

  let rv = PFIL_PASS;
  const ih = V_inet_pfil_head();
  if (etype === ETHERTYPE_IP && ih !== null) {
    // in_if -> bridge_if -> out_if.
    pfil_run_m = m;
    do {
      if (VNET_I32(pfil_bridge) !== 0 && dir === PFIL_OUT && bifp !== null && (rv = bridge_pfil_run(ih, bifp, dir)) !== PFIL_PASS) break;
      if (VNET_I32(pfil_member) !== 0 && ifp !== null && (rv = bridge_pfil_run(ih, ifp, dir)) !== PFIL_PASS) break;
      if (VNET_I32(pfil_bridge) !== 0 && dir === PFIL_IN && bifp !== null && (rv = bridge_pfil_run(ih, bifp, dir)) !== PFIL_PASS) break;
      m = pfil_run_m;
      mp.m = m;
      // Too big for the way out: fragment (each fragment gets the header).
      if (VNET_I32(pfil_member) !== 0 && ifp !== null && dir === PFIL_OUT && m.m_pkthdr.len > ifp.if_mtu) return bridge_fragment(ifp, mp);
      // The filters may have changed the header: a fresh checksum.
      const hlen = (m.m_buf[m.m_data] & 0x0f) << 2;
      if (hlen < 20) {
        m_freem(m);
        mp.m = null;
        return -1;
      }
      if (hlen > m.m_len) {
        const mm = m_pullup(m, hlen);
        if (mm === null) {
          mp.m = null;
          return -1;
        }
        m = mm;
      }
      m.m_dv.setUint16(m.m_data + 10, 0);
      const sum = hlen === 20 ? in_cksum_hdr(m, 0) : in_cksum(m, hlen);
      m.m_dv.setUint16(m.m_data + 10, sum);
    } while (false);
  }
  switch (rv) {
    case PFIL_CONSUMED:
      mp.m = null;
      return 0;
    case PFIL_DROPPED:
      mp.m = null;
      return EACCES;
  }
  error = -1;
  const mh = M_PREPEND(m, ETHER_HDR_LEN, M_NOWAIT);
  if (mh === null) {
    mp.m = null;
    return error;
  }
  mh.m_buf.set(pfil_eh, mh.m_data);
  mp.m = mh;
  return 0;
}
const pfil_eh = new Uint8Array(ETHER_HDR_LEN);
const bridge_mp_chk = new pfil_mbufp();

/** The packet between bridge_pfil's hook runs (pfil_run_hooks' *mp). */
let pfil_run_m: mbuf | null = null;
function bridge_pfil_run(ih: pfil_head, on: ifnet, dir: number): number {
  const m = pfil_run_m as mbuf;
  const r = dir === PFIL_IN ? pfil_mbuf_in(ih, m, on, null) : pfil_mbuf_out(ih, m, on, null);
  pfil_run_m = r === PFIL_PASS ? pfil_mbuf_result() : null;
  return r;
}

/** bridge_ip_checkbasic: what ip_input checks, before pfil sees a bridged
 *  IPv4 packet (with ip_input's counters). */
function bridge_ip_checkbasic(mp: pfil_mbufp): number {
  let m = mp.m;
  if (m === null) return -1;
  if ((m.m_data & 3) !== 0) {
    const mm = m_copyup(m, 20, 16);
    if (mm === null) {
      IPSTAT_INC(ips_toosmall);
      mp.m = null;
      return -1;
    }
    m = mm;
  } else if (m.m_len < 20) {
    const mm = m_pullup(m, 20);
    if (mm === null) {
      IPSTAT_INC(ips_toosmall);
      mp.m = null;
      return -1;
    }
    m = mm;
  }
  mp.m = m;
  const b = m.m_buf;
  const o = m.m_data;
  if (b[o] >> 4 !== 4) {
    IPSTAT_INC(ips_badvers);
    return -1;
  }
  let hlen = (b[o] & 0x0f) << 2;
  if (hlen < 20) {
    IPSTAT_INC(ips_badhlen);
    return -1;
  }
  if (hlen > m.m_len) {
    const mm = m_pullup(m, hlen);
    if (mm === null) {
      IPSTAT_INC(ips_badhlen);
      mp.m = null;
      return -1;
    }
    m = mm;
    mp.m = m;
    hlen = (m.m_buf[m.m_data] & 0x0f) << 2;
  }
  let sum: number;
  if ((m.m_pkthdr.csum_flags & CSUM_IP_CHECKED) !== 0) sum = (m.m_pkthdr.csum_flags & CSUM_IP_VALID) === 0 ? 1 : 0;
  else sum = hlen === 20 ? in_cksum_hdr(m, 0) : in_cksum(m, hlen);
  if (sum !== 0) {
    IPSTAT_INC(ips_badsum);
    return -1;
  }
  const len = m.m_dv.getUint16(m.m_data + 2);
  if (len < hlen) {
    IPSTAT_INC(ips_badlen);
    return -1;
  }
  if (m.m_pkthdr.len < len) {
    IPSTAT_INC(ips_tooshort);
    return -1;
  }
  return 0;
}

const frag_mp = new ip_mfrag();

/** bridge_fragment: cut an IPv4 packet for ifp's MTU and put the saved
 *  Ethernet header on each fragment; the chain (by m_nextpkt) is in mp.m. */
function bridge_fragment(ifp: ifnet, mp: pfil_mbufp): number {
  let m = mp.m as mbuf;
  if (m.m_len < 20) {
    const mm = m_pullup(m, 20);
    if (mm === null) {
      mp.m = null;
      return -1;
    }
    m = mm;
  }
  m.m_pkthdr.csum_flags |= CSUM_IP;
  frag_mp.m = m;
  let error = ip_fragment(frag_mp, ifp.if_mtu, ifp.if_hwassist);
  let head: mbuf | null = frag_mp.m;
  frag_mp.m = null;
  if (error !== 0) {
    ip_frag_chain_free(head);
    mp.m = null;
    return error;
  }
  let prev: mbuf | null = null;
  for (let cur: mbuf | null = head; cur !== null; ) {
    const nextpkt: mbuf | null = cur.m_nextpkt;
    cur.m_nextpkt = null;
    const mh = M_PREPEND(cur, ETHER_HDR_LEN, M_NOWAIT);
    if (mh === null) {
      error = ENOBUFS;
      if (prev !== null) prev.m_nextpkt = nextpkt;
      else head = nextpkt;
      ip_frag_chain_free(head);
      mp.m = null;
      return error;
    }
    mh.m_buf.set(pfil_eh, mh.m_data);
    mh.m_nextpkt = nextpkt;
    if (prev !== null) prev.m_nextpkt = mh;
    else head = mh;
    prev = mh;
    cur = nextpkt;
  }
  IPSTAT_INC(ips_fragmented);
  mp.m = head;
  return error;
}

// ---------------------------------------------------------------------------
// Link state.

/** bridge_linkstate: a member's carrier changed. */
function bridge_linkstate(ifp: ifnet): void {
  const sc = ifp.if_bridge as bridge_softc | null;
  if (sc === null) return;
  const bif = bridge_lookup_member_if(sc, ifp);
  if (bif === null) return;
  bridge_linkcheck(sc);
  bstp_linkstate(bif.bif_stp);
}

/** bridge_linkcheck: the bridge's link is up when a member's is (or when
 *  no member reports link state at all). */
function bridge_linkcheck(sc: bridge_softc): void {
  let new_link = LINK_STATE_DOWN;
  let hasls = 0;
  for (let bif = sc.sc_iflist; bif !== null; bif = bif.bif_next) {
    if ((bif.bif_ifp.if_capabilities & IFCAP_LINKSTATE) !== 0) hasls++;
    if (bif.bif_ifp.if_link_state === LINK_STATE_UP) {
      new_link = LINK_STATE_UP;
      break;
    }
  }
  if (sc.sc_iflist !== null && hasls === 0) new_link = LINK_STATE_UP;
  if_link_state_change(sc.sc_ifp, new_link);
}

// ---------------------------------------------------------------------------
// Registration.

function vnet_bridge_init(): void {
  VNET_PTR_SET(bridge_list, []);
  VNET_PTR_SET(bridge_cloner, if_clone_simple(bridge_name, bridge_clone_create, bridge_clone_destroy, 0));
}
VNET_SYSINIT("vnet_bridge_init", SI_SUB_PROTO_IFATTACHDOMAIN, SI_ORDER_ANY, vnet_bridge_init);

function vnet_bridge_uninit(): void {
  const ifc = VNET_PTR(bridge_cloner);
  if (ifc !== null) if_clone_detach(ifc);
  VNET_PTR_SET(bridge_cloner, null);
}
VNET_SYSUNINIT("vnet_bridge_uninit", SI_SUB_PSEUDO, SI_ORDER_ANY, vnet_bridge_uninit);

/** bridge_modevent's MOD_LOAD: hear of departing interfaces. */
ifnet_departure_event.push(bridge_ifdetach);

DECLARE_MODULE({ name: "if_bridge", evhand: null, priv: null }, SI_SUB_PSEUDO, SI_ORDER_ANY);
MODULE_VERSION("if_bridge", 1);
