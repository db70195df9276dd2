// sys/net/if_epair.c: a pair of Ethernet interfaces joined back to back by
// a virtual cross-over cable.  `ifconfig epair create` makes epairNa and
// epairNb; what one side transmits the other receives.  Its use is to join
// vnets: move one end into a jail (`ifconfig epair0b vnet j`) and the two
// stacks share a wire.
//
// A frame sent on one side is put on the other side's queue, and a task
// later feeds the queue to that side's if_input (ether_input) under
// CURVNET_SET(the receiving interface's vnet).  The vnet switch therefore
// happens where the frame is taken off the queue, not where it is sent:
// moving either end to another vnet needs nothing special, since the peer
// pointer is to the ifnet and the ifnet knows its vnet.
//
// Departures from FreeBSD 14:
// - one task queue (no RSS, so one queue per interface, as in a FreeBSD
//   kernel without RSS).
// - no ifmedia: the fixed media ifconfig shows comes from if_media_hook, so
//   SIOCSIFMEDIA goes on to ether_ioctl and gets EINVAL, where 14's
//   ifmedia_ioctl would answer it; SIOCGIFMEDIA is answered to in-kernel
//   callers that pass a struct ifmediareq (bridgestp's link status).

import { E2BIG, ENETDOWN, ENOBUFS, ENXIO, ENOSPC, EEXIST } from "../kern/errno.ts";
import { m_freem } from "../kern/kern_mbuf.ts";
import { SI_ORDER_ANY, SI_ORDER_MIDDLE, SI_SUB_INIT_IF, SI_SUB_PSEUDO } from "../kern/kernel.ts";
import { DECLARE_MODULE } from "../kern/kern_module.ts";
import { MODULE_VERSION } from "../kern/kern_linker.ts";
import { m_tag_delete_nonpersistent } from "../kern/uipc_mbuf2.ts";
import { CSUM_SND_TAG, M_ASSERTPKTHDR, M_BCAST, M_MCAST, M_SETFIB, M_VLANTAG, type mbuf } from "../kern/mbuf.ts";
import { arc4random } from "../kern/arc4random.ts";
import { KASSERT, panic } from "../kern/subr_prf.ts";
import { CTLFLAG_MPSAFE, CTLFLAG_RW, OID_AUTO, SYSCTL_NODE, _net } from "../kern/sysctl.ts";
import { AF_LINK } from "../kern/socket.ts";
import { TASK_INIT, taskqueue_cancel, taskqueue_enqueue, type task } from "../kern/subr_taskqueue.ts";
import { bpf_mtap, bpf_peers_present } from "./bpf.ts";
import { IFM_ACTIVE, IFM_AVALID, IFM_ETHER, IFM_FDX, IFM_10G_T, type ifmediareq } from "./if_media.ts";
import { ETHER_ADDR_LEN, ETHER_VLAN_HDR_LEN } from "./ethernet.ts";
import {
  IFCAP_VLAN_MTU,
  IFCOUNTER_IPACKETS,
  IFCOUNTER_OBYTES,
  IFCOUNTER_OERRORS,
  IFCOUNTER_OMCASTS,
  IFCOUNTER_OPACKETS,
  IFCOUNTER_OQDROPS,
  IFF_BROADCAST,
  IFF_DRV_RUNNING,
  IFF_MULTICAST,
  IFF_SIMPLEX,
  IFF_UP,
  IFNAMSIZ,
  LINK_STATE_DOWN,
  LINK_STATE_UP,
  SIOCADDMULTI,
  SIOCDELMULTI,
  SIOCSIFFLAGS,
  SIOCSIFMTU,
  SIOCGIFMEDIA,
  if_alloc,
  if_free,
  if_inc_counter,
  if_link_state_change,
  if_media_hook,
  ifunit,
  type ifaddr,
  type ifnet,
  type ifreq,
} from "./if.ts";
import { ifc_alloc_unit, ifc_attach_cloner, ifc_detach_cloner, ifc_free_unit, ifc_name2unit, if_clone_addif, if_clone_destroyif, type if_clone, type ifc_data } from "./if_clone.ts";
import { IFT_ETHER } from "./if_dl.ts";
import { ether_ifattach, ether_ifdetach, ether_ioctl } from "./if_ethersubr.ts";
import { CURVNET_RESTORE, CURVNET_SET, CURVNET_SET_QUIET, VNET_DEFINE_PTR, VNET_PTR, VNET_PTR_SET, VNET_SYSINIT, VNET_SYSUNINIT } from "./vnet.ts";
import { jenkins_hash32 } from "../kern/jenkins_hash.ts";

const epairname = "epair";
/** Receive queue length: FreeBSD's, ample for a software link. */
export const RXRSIZE = 4096;
const IFQ_MAXLEN = 50;

const _net_link = SYSCTL_NODE(_net, AF_LINK, "link", CTLFLAG_RW, null, "Link layers");
SYSCTL_NODE(_net_link, OID_AUTO, "epair", CTLFLAG_RW | CTLFLAG_MPSAFE, null, "Pair of virtual cross-over connected Ethernet-like interfaces");

/** V_epair_cloner. */
const epair_cloner = VNET_DEFINE_PTR<if_clone | null>("epair_cloner", null);

/** Feeds the MAC address hash; global, like FreeBSD's. */
let next_index = 0;

export const EPAIR_QUEUE_IDLE = 0;
export const EPAIR_QUEUE_WAKING = 1;
export const EPAIR_QUEUE_RUNNING = 2;

/** struct epair_queue: a receive queue (an mbufq) and the task that
 *  empties it. */
export class epair_queue {
  q_head: mbuf | null = null;
  q_tail: mbuf | null = null;
  q_len = 0;
  readonly q_maxlen = RXRSIZE;
  state = EPAIR_QUEUE_IDLE;
  readonly tx_task: task;
  constructor(
    readonly id: number,
    readonly sc: epair_softc,
  ) {
    this.tx_task = TASK_INIT(epair_tx_start_deferred, this);
  }
}

/** struct epair_softc: one side; oifp is the other side's ifnet. */
export class epair_softc {
  readonly num_queues = 1;
  readonly queues: epair_queue[] = [];
  constructor(
    readonly ifp: ifnet,
    readonly oifp: ifnet,
  ) {
    for (let i = 0; i < this.num_queues; i++) this.queues.push(new epair_queue(i, this));
  }
}

// mbufq_enqueue / mbufq_flush for the receive queue.
function mbufq_enqueue(q: epair_queue, m: mbuf): number {
  if (q.q_len >= q.q_maxlen) return ENOBUFS;
  m.m_nextpkt = null;
  if (q.q_tail === null) q.q_head = m;
  else q.q_tail.m_nextpkt = m;
  q.q_tail = m;
  q.q_len++;
  return 0;
}
function mbufq_flush(q: epair_queue): mbuf | null {
  const m = q.q_head;
  q.q_head = q.q_tail = null;
  q.q_len = 0;
  return m;
}

/** Forget what belonged to the sender's side of the stack: send tags,
 *  VLAN information, non-persistent tags. */
function epair_clear_mbuf(m: mbuf): void {
  M_ASSERTPKTHDR(m);
  m.m_pkthdr.csum_flags &= ~CSUM_SND_TAG;
  m.m_flags &= ~M_VLANTAG;
  m.m_pkthdr.ether_vtag = 0;
  m_tag_delete_nonpersistent(m);
}

/**
 * The task: deliver what is queued to the receiving side, in its vnet.  Only
 * what was queued when it started is flushed; if more arrived meanwhile the
 * task is scheduled again, so that a chain of epairs routing to each other
 * cannot keep one task running forever.
 */
function epair_tx_start_deferred(context: unknown, _pending: number): void {
  const q = context as epair_queue;
  const ifp = q.sc.ifp;
  ifp.if_refcount++;
  const saved = CURVNET_SET(ifp.if_vnet, "epair_tx_start_deferred");
  let m = mbufq_flush(q);
  q.state = EPAIR_QUEUE_RUNNING;
  while (m !== null) {
    const n: mbuf | null = m.m_nextpkt;
    m.m_nextpkt = null;
    ifp.if_input(ifp, m);
    m = n;
  }
  let resched: boolean;
  if (q.q_len !== 0) {
    resched = true;
    q.state = EPAIR_QUEUE_WAKING;
  } else {
    resched = false;
    q.state = EPAIR_QUEUE_IDLE;
  }
  if (resched) taskqueue_enqueue(q.tx_task);
  CURVNET_RESTORE(saved);
  ifp.if_refcount--;
}

function epair_select_queue(sc: epair_softc, _m: mbuf): epair_queue {
  // Without RSS every packet takes queue 0.
  return sc.queues[0];
}

function epair_prepare_mbuf(m: mbuf, src_ifp: ifnet): void {
  M_ASSERTPKTHDR(m);
  epair_clear_mbuf(m);
  m.m_pkthdr.rcvif = src_ifp;
  M_SETFIB(m, src_ifp.if_fib);
  KASSERT(m.m_nextpkt === null, "epair_prepare_mbuf: m_nextpkt");
}

/**
 * epair_menq: put m on the receive queue of the side osc describes.  The
 * counters are the sender's output and the receiver's input, counted here,
 * once the packet is on its way (or dropped as a full queue).
 */
function epair_menq(m: mbuf, osc: epair_softc): void {
  const oifp = osc.ifp; // receiver
  const ifp = osc.oifp; // sender
  epair_prepare_mbuf(m, oifp);
  // Once queued the packet is no longer ours: read what we count first.
  const len = m.m_pkthdr.len;
  const mcast = (m.m_flags & (M_BCAST | M_MCAST)) !== 0;
  const q = epair_select_queue(osc, m);
  if (q.state === EPAIR_QUEUE_IDLE) {
    q.state = EPAIR_QUEUE_WAKING;
    taskqueue_enqueue(q.tx_task);
  }
  const error = mbufq_enqueue(q, m);
  if (error !== 0) {
    m_freem(m);
    if_inc_counter(ifp, IFCOUNTER_OQDROPS, 1);
  } else {
    if_inc_counter(ifp, IFCOUNTER_OPACKETS, 1);
    if_inc_counter(ifp, IFCOUNTER_OBYTES, len);
    if (mcast) if_inc_counter(ifp, IFCOUNTER_OMCASTS, 1);
    if_inc_counter(oifp, IFCOUNTER_IPACKETS, 1);
  }
}

/**
 * epair_transmit: if_transmit.  The frame does not go through a send queue:
 * it goes straight onto the peer's receive queue.  BPF sees it here, on the
 * sending side.
 */
export function epair_transmit(ifp: ifnet, m: mbuf): number {
  M_ASSERTPKTHDR(m);
  // Like real hardware, refuse what would not fit the wire: the MTU plus
  // an Ethernet (and VLAN) header.
  if (m.m_pkthdr.len > ifp.if_mtu + ETHER_VLAN_HDR_LEN) {
    m_freem(m);
    if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
    return E2BIG;
  }
  if ((ifp.if_drv_flags & IFF_DRV_RUNNING) === 0) {
    m_freem(m);
    if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
    return ENXIO;
  }
  if ((ifp.if_flags & IFF_UP) === 0) {
    m_freem(m);
    if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
    return ENETDOWN;
  }

  if (bpf_peers_present(ifp)) bpf_mtap(ifp, m);

  // The cable has no other end worth talking to.
  const sc = ifp.if_softc as epair_softc;
  const oifp = sc.oifp;
  if ((oifp.if_drv_flags & IFF_DRV_RUNNING) === 0 || (oifp.if_flags & IFF_UP) === 0) {
    if_inc_counter(ifp, IFCOUNTER_OERRORS, 1);
    m_freem(m);
    return 0;
  }
  // (ALTQ through if_snd/epair_start is not modelled.)
  epair_menq(m, oifp.if_softc as epair_softc);
  return 0;
}

function epair_qflush(_ifp: ifnet): void {}

/** epair_ioctl: any MTU is fine; multicast filters are accepted (there is no
 *  filter: the other side hears everything); the rest is Ethernet's. */
function epair_ioctl(ifp: ifnet, cmd: number, data: ifreq | ifaddr): number {
  switch (cmd) {
    case SIOCSIFFLAGS:
    case SIOCADDMULTI:
    case SIOCDELMULTI:
      return 0;
    case SIOCSIFMTU:
      ifp.if_mtu = (data as ifreq).ifr_mtu ?? ifp.if_mtu;
      return 0;
    case SIOCGIFMEDIA:
      // An in-kernel caller's struct ifmediareq (bridgestp, vlan): the
      // fixed media, always active, full duplex (epair_media_sts).
      if ("ifm_status" in data) {
        const ifmr = data as ifmediareq;
        ifmr.ifm_current = IFM_ETHER | IFM_10G_T | IFM_FDX;
        ifmr.ifm_mask = 0;
        ifmr.ifm_status = IFM_AVALID | IFM_ACTIVE;
        ifmr.ifm_active = IFM_ETHER | IFM_10G_T | IFM_FDX;
        ifmr.ifm_count = 1;
        return 0;
      }
      return ether_ioctl(ifp, cmd, data);
    default:
      return ether_ioctl(ifp, cmd, data);
  }
}

function epair_init(_softc: unknown): void {}

/** epair_clone_match: "epair" or "epair<digits>", never "epair0a". */
function epair_clone_match(_ifc: if_clone, name: string): boolean {
  if (!name.startsWith(epairname)) return false;
  for (let i = epairname.length; i < name.length; i++) if (name[i] < "0" || name[i] > "9") return false;
  return true;
}

function epair_clone_add(ifc: if_clone, scb: epair_softc): void {
  const ifp = scb.ifp;
  // Side b: side a's address with the last octet 0x0b.
  const eaddr = new Uint8Array(ETHER_ADDR_LEN);
  const a_hw = scb.oifp.if_hw_addr;
  KASSERT(a_hw !== null, "epair_clone_add: side a has no hardware address");
  eaddr.set(a_hw);
  eaddr[5] = 0x0b;
  ether_ifattach(ifp, eaddr);
  if_clone_addif(ifc, ifp);
}

function epair_setup_ifp(sc: epair_softc, name: string, unit: number): void {
  const ifp = sc.ifp;
  ifp.if_softc = sc;
  ifp.if_xname = name;
  ifp.if_dname = epairname;
  ifp.if_dunit = unit;
  ifp.if_flags = IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST;
  ifp.if_capabilities = IFCAP_VLAN_MTU;
  ifp.if_capenable = IFCAP_VLAN_MTU;
  ifp.if_transmit = epair_transmit;
  ifp.if_qflush = epair_qflush;
  ifp.if_ioctl = epair_ioctl;
  ifp.if_init = epair_init;
  ifp.if_snd_maxlen = IFQ_MAXLEN;
  ifp.if_baudrate = 10 * 1000 * 1000 * 1000;
  if_media_hook.set(ifp, epair_media_status);
}

/** What `ifconfig` shows as media: fixed 10G full duplex. */
function epair_media_status(): string {
  // ifconfig prints the current media, then the active one in parentheses.
  return "Ethernet 10Gbase-T (10Gbase-T <full-duplex>)";
}

/**
 * epair_generate_mac: 02:h:h:h:h:0a, h a hash of an index that never
 * repeats and the host id.  The simulator has no host id (getcredhostid
 * gives 0), so, as FreeBSD then does, 64 random bits from arc4random stand
 * in for it: the addresses follow the kernel's seed.
 */
function epair_generate_mac(sc: epair_softc): Uint8Array {
  const ifp = sc.ifp;
  // Side a may later move to another vnet and its index be reused there:
  // the counter keeps the hash input from repeating.
  if (ifp.if_index > next_index) next_index = ifp.if_index;
  else next_index++;
  const key = new Uint32Array(3);
  key[0] = next_index;
  key[1] = arc4random(); // hostid & 0xffffffff
  key[2] = arc4random(); // hostid >> 32
  const hash = jenkins_hash32(key, 3, 0);
  const eaddr = new Uint8Array(ETHER_ADDR_LEN);
  eaddr[0] = 0x02;
  // memcpy of a uint32_t: host (little-endian) byte order.
  eaddr[1] = hash & 0xff;
  eaddr[2] = (hash >>> 8) & 0xff;
  eaddr[3] = (hash >>> 16) & 0xff;
  eaddr[4] = (hash >>> 24) & 0xff;
  eaddr[5] = 0x0a;
  return eaddr;
}

function epair_free_sc(sc: epair_softc): void {
  if_free(sc.ifp);
  if_media_hook.delete(sc.ifp);
  // A delivery task must not run once its softc is gone.
  for (const q of sc.queues) taskqueue_cancel(q.tx_task);
}

function epair_set_state(ifp: ifnet, running: boolean): void {
  if (running) {
    ifp.if_drv_flags |= IFF_DRV_RUNNING;
    if_link_state_change(ifp, LINK_STATE_UP);
  } else {
    if_link_state_change(ifp, LINK_STATE_DOWN);
    ifp.if_drv_flags &= ~IFF_DRV_RUNNING;
  }
}

/**
 * epair_handle_unit: take the unit asked for ("epair5") or the next free
 * one ("epair"); EEXIST if either epairNa or epairNb exists already.
 * Returns the base name with the unit, "epairN".
 */
function epair_handle_unit(ifc: if_clone, name: string): { error: number; name: string; unit: number } {
  const r = ifc_name2unit(name);
  if (r.error !== 0) return { error: r.error, name, unit: -1 };
  const wildcard = r.unit < 0;
  const a = ifc_alloc_unit(ifc, r.unit);
  if (a.error !== 0) return { error: a.error, name, unit: -1 };
  const unit = a.unit;
  let error = 0;
  let base = name;
  if (wildcard) base = `${name}${unit}`;
  // Room for the [ab] suffix.
  if (base.length + 1 > IFNAMSIZ - 1) error = ENOSPC;
  else if (ifunit(`${base}b`) !== null) error = EEXIST;
  else if (ifunit(`${base}a`) !== null) error = EEXIST;
  if (error !== 0) {
    ifc_free_unit(ifc, unit);
    return { error, name, unit: -1 };
  }
  return { error: 0, name: base, unit };
}

/** epair_clone_create: make both sides; the cloner records side a (and
 *  side b through epair_clone_add). */
function epair_clone_create(ifc: if_clone, name: string, _ifd: ifc_data): { error: number; ifp: ifnet | null } {
  const r = epair_handle_unit(ifc, name);
  if (r.error !== 0) return { error: r.error, ifp: null };
  const unit = r.unit;

  // Both interfaces, cross-referenced so that either can free both.
  const ifpa = if_alloc(IFT_ETHER);
  const ifpb = if_alloc(IFT_ETHER);
  const sca = new epair_softc(ifpa, ifpb);
  const scb = new epair_softc(ifpb, ifpa);

  epair_setup_ifp(sca, `${r.name}a`, unit);
  const eaddr = epair_generate_mac(sca);
  ether_ifattach(ifpa, eaddr);

  epair_setup_ifp(scb, `${r.name}b`, unit);
  epair_clone_add(ifc, scb);

  // Both sides attached: mark them running, link up.
  epair_set_state(ifpa, true);
  epair_set_state(ifpb, true);
  return { error: 0, ifp: ifpa };
}

function epair_drain_rings(sc: epair_softc): void {
  for (const q of sc.queues) {
    let m = mbufq_flush(q);
    while (m !== null) {
      const n: mbuf | null = m.m_nextpkt;
      m.m_nextpkt = null;
      m_freem(m);
      m = n;
    }
  }
}

/**
 * epair_clone_destroy: destroying either side destroys both.  The other
 * side is destroyed in its own vnet and through the cloner too, with its
 * softc cleared first so that that call returns at once.
 */
function epair_clone_destroy(ifc: if_clone, ifp: ifnet, _flags: number): number {
  // Called again by ourselves for the second interface: nothing to do.
  if (ifp.if_softc === null) return 0;
  const unit = ifp.if_dunit;
  const sca = ifp.if_softc as epair_softc;
  const oifp = sca.oifp;
  const scb = oifp.if_softc as epair_softc;

  // Take both sides off the network before anything is freed.
  epair_set_state(ifp, false);
  epair_set_state(oifp, false);
  ether_ifdetach(ifp);
  ether_ifdetach(oifp);

  // Then free queued packets and the rest.
  const saved = CURVNET_SET_QUIET(oifp.if_vnet, "epair_clone_destroy");
  epair_drain_rings(scb);
  oifp.if_softc = null;
  const error = if_clone_destroyif(ifc, oifp);
  if (error !== 0) panic(`epair_clone_destroy: if_clone_destroyif() for our 2nd iface failed: ${error}`);
  epair_free_sc(scb);
  CURVNET_RESTORE(saved);

  epair_drain_rings(sca);
  ifp.if_softc = null;
  epair_free_sc(sca);

  // Last, the unit.
  ifc_free_unit(ifc, unit);
  return 0;
}

function vnet_epair_init(): void {
  VNET_PTR_SET(epair_cloner, ifc_attach_cloner(epairname, { match_f: epair_clone_match, create_f: epair_clone_create, destroy_f: epair_clone_destroy }));
}
VNET_SYSINIT("vnet_epair_init", SI_SUB_PSEUDO, SI_ORDER_ANY, vnet_epair_init);

function vnet_epair_uninit(): void {
  const ifc = VNET_PTR(epair_cloner);
  if (ifc !== null) ifc_detach_cloner(ifc);
  VNET_PTR_SET(epair_cloner, null);
}
VNET_SYSUNINIT("vnet_epair_uninit", SI_SUB_INIT_IF, SI_ORDER_ANY, vnet_epair_uninit);

/** The queue state of an epair side (for tests and netstat-like tools). */
export function epair_queue_len(ifp: ifnet): number {
  const sc = ifp.if_softc as epair_softc | null;
  if (sc === null || !(sc instanceof epair_softc)) return 0;
  let n = 0;
  for (const q of sc.queues) n += q.q_len;
  return n;
}

DECLARE_MODULE({ name: "if_epair", evhand: null, priv: null }, SI_SUB_PSEUDO, SI_ORDER_MIDDLE);
MODULE_VERSION("if_epair", 3);
